/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_eal_init() failing after net_sim_inline was probed (here: the
 * telemetry socket path is too long, as with a long --file-prefix or
 * runtime directory) must not leak what the PMD allocated. The program
 * then exits the way applications do: argv[1] "exit" returns at once (what
 * `return -1` after a failed init does), "cleanup" calls rte_eal_cleanup()
 * first (what rte_exit() does). Under build-san LeakSanitizer runs at exit
 * (ASAN_OPTIONS detect_leaks=1, tests/meson.build) and fails the test on
 * any leak. Contract: doc/sim_inline.md, "Life cycle".
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

static bool do_cleanup;

/* Where EAL puts the runtime directory of @prefix (eal_create_runtime_dir). */
static void
runtime_dir(const char *prefix, char *buf, size_t sz)
{
	const char *base = getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");

	if (base == NULL)
		base = "/tmp";
	snprintf(buf, sz, "%s/dpdk/%s", base, prefix);
}

static void
test_init_fails_after_probe(void **state)
{
	char prefix[160], dir[PATH_MAX];
	char *argv[] = {
		(char *)(uintptr_t)"pmd-eal-fail", (char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"--no-pci", (char *)(uintptr_t)"-m",
		(char *)(uintptr_t)"512", (char *)(uintptr_t)"--no-shconf",
		(char *)(uintptr_t)"--file-prefix", prefix,
		(char *)(uintptr_t)"--log-level=lib.*:critical",
		(char *)(uintptr_t)"--vdev",
		(char *)(uintptr_t)"net_sim_inline0,max_sa=64",
		(char *)(uintptr_t)"-l", (char *)(uintptr_t)"0",
		NULL,
	};
	int n;

	(void)state;
	/* Runtime dir + "/dpdk_telemetry.v2" over the 108 bytes of sun_path:
	 * the telemetry socket, set up after the bus probe, fails. */
	n = snprintf(prefix, sizeof(prefix), "dpsec-eal-fail-%d-", (int)getpid());
	memset(prefix + n, 'x', 100 - (size_t)n);
	prefix[100] = '\0';
	assert_int_equal(rte_eal_init((int)RTE_DIM(argv) - 1, argv), -1);
	/* It failed after the probe: the sim port exists. */
	assert_int_equal(rte_eth_dev_count_avail(), 1);
	if (do_cleanup)
		assert_int_equal(rte_eal_cleanup(), 0);
	runtime_dir(prefix, dir, sizeof(dir));
	(void)rmdir(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_fails_after_probe),
	};

	do_cleanup = argc > 1 && strcmp(argv[1], "cleanup") == 0;
	return cmocka_run_group_tests_name("pmd-eal-fail", tests, NULL, NULL);
}
