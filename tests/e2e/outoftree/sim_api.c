/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An out-of-tree program that calls net_sim_inline's private API, built
 * against an installed dpsec with the command of doc/building.md for such
 * programs (the plugin linked, no -d): sets and reads back the fault
 * settings of a sim_inline port, checks -ENODEV for a port that is not one,
 * and dumps the (empty) SA table.
 * Usage: sim_api EAL-ARGS... (e.g. --vdev net_sim_inline0 --vdev net_null0)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <rte_pmd_sim_inline.h>

static int
fail(const char *msg, int ret)
{
	fprintf(stderr, "sim_api: FAIL: %s (%d)\n", msg, ret);
	return 1;
}

static int
run(void)
{
	struct rte_pmd_sim_inline_faults f, got;
	uint16_t sim, other;
	int ret;

	if (rte_eth_dev_get_port_by_name("net_sim_inline0", &sim) != 0)
		return fail("no port net_sim_inline0", 0);
	if (rte_eth_dev_get_port_by_name("net_null0", &other) != 0)
		return fail("no port net_null0", 0);

	memset(&f, 0, sizeof(f));
	f.seed = 42;
	f.drop = 0.25;
	ret = rte_pmd_sim_inline_fault_set(sim, &f);
	if (ret != 0)
		return fail("rte_pmd_sim_inline_fault_set", ret);
	ret = rte_pmd_sim_inline_fault_get(sim, &got);
	if (ret != 0)
		return fail("rte_pmd_sim_inline_fault_get", ret);
	if (got.seed != 42 || got.drop != 0.25)
		return fail("fault settings not read back", 0);
	ret = rte_pmd_sim_inline_fault_get(other, &got);
	if (ret != -ENODEV)
		return fail("net_null0 is not sim_inline: want -ENODEV", ret);
	ret = rte_pmd_sim_inline_sa_dump(sim, stdout);
	if (ret != 0)
		return fail("rte_pmd_sim_inline_sa_dump", ret);
	printf("sim_api: OK\n");
	return 0;
}

int
main(int argc, char **argv)
{
	int rc;

	if (rte_eal_init(argc, argv) < 0)
		return fail("rte_eal_init", rte_errno);
	rc = run();
	rte_eal_cleanup();
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
