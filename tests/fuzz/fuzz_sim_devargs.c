/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-sim-devargs: net_sim_inline's devargs parser (sim_devargs_parse(),
 * drivers/net/sim_inline/sim_inline_devargs.c, on top of rte_kvargs) on
 * arbitrary strings. No EAL: the parser is pure code.
 *
 * Input: byte 0 picks the device name (NAMES), the rest is the devargs
 * string (up to its first NUL). Invariants: the result is 0 or -EINVAL;
 * an error comes with a one-line reason naming the device; a success
 * gives a validated configuration (wire known, ring size a power of two
 * in range, SA table in range, probabilities in [0, 1], every string
 * field terminated, a ring wire with a peer); parsing is deterministic.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "fuzz_common.h"
#include "sim_inline.h"
#include "sim_inline_sec.h"

enum { ARGS_MAX = 8192 };

static const char *const names[] = {
	"net_sim_inline0", "net_sim_inline1", "net_sim_inline7",
	"net_sim_inline", "net_sim_inline_x", "net_sim_inline65535",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const seeds[] = {
		"", "wire=ring", "wire=ring,peer=net_sim_inline1",
		"wire=pcap,rx_pcap=in.pcap,tx_pcap=out.pcap",
		"wire=port,port=net_ring0", "mac=02:00:00:00:00:01",
		"ring_size=1024,max_sa=64", "sec_reset_on_stop=1",
		"fault_seed=18446744073709551615,fault_punt=0.25",
		"fault_spurious_fail=1,fault_drop=0.5,fault_dup=0.001",
		"fault_reorder=0", "wire=pcap", "peer=net_sim_inline0",
		"max_sa=0", "ring_size=3", "mac=01:00:5e:00:00:01",
		"wire=ring,wire=ring", "key", "a=b,c", "fault_drop=1.5",
	};
	unsigned int i;

	(void)argc;
	(void)argv;
	if (fuzz_seed_dir() == NULL)
		return 0;
	for (i = 0; i < RTE_DIM(seeds); i++) {
		char buf[256], name[32];

		buf[0] = (char)(i % RTE_DIM(names));
		memcpy(buf + 1, seeds[i], strlen(seeds[i]));
		snprintf(name, sizeof(name), "seed-%02u", i);
		if (fuzz_seed_write(name, buf, 1 + strlen(seeds[i])) != 0)
			exit(1);
	}
	exit(0);
}

static void
check_ok(const struct sim_devargs *da)
{
	unsigned int f;

	FUZZ_CHECK(da->wire == SIM_WIRE_RING || da->wire == SIM_WIRE_PCAP ||
		   da->wire == SIM_WIRE_PORT, "wire %d", (int)da->wire);
	FUZZ_CHECK(memchr(da->peer, 0, sizeof(da->peer)) != NULL, "peer");
	FUZZ_CHECK(memchr(da->rx_pcap, 0, sizeof(da->rx_pcap)) != NULL,
		   "rx_pcap");
	FUZZ_CHECK(memchr(da->tx_pcap, 0, sizeof(da->tx_pcap)) != NULL,
		   "tx_pcap");
	FUZZ_CHECK(memchr(da->port, 0, sizeof(da->port)) != NULL, "port");
	FUZZ_CHECK(rte_is_power_of_2(da->ring_size) &&
		   da->ring_size >= SIM_MIN_RING_SIZE &&
		   da->ring_size <= SIM_MAX_RING_SIZE, "ring_size %u",
		   da->ring_size);
	FUZZ_CHECK(da->max_sa >= 1 && da->max_sa <= SIM_MAX_SA, "max_sa %u",
		   da->max_sa);
	FUZZ_CHECK(!da->mac_set || rte_is_unicast_ether_addr(&da->mac),
		   "mac");
	for (f = 0; f < SIM_FAULT_MAX; f++)
		FUZZ_CHECK(da->faults.p[f] >= 0.0 && da->faults.p[f] <= 1.0,
			   "fault %u probability %g", f, da->faults.p[f]);
	FUZZ_CHECK(da->wire != SIM_WIRE_RING || da->peer[0] != '\0',
		   "ring wire without a peer");
	FUZZ_CHECK(da->wire != SIM_WIRE_PCAP || da->rx_pcap[0] != '\0' ||
		   da->tx_pcap[0] != '\0', "pcap wire without a file");
	FUZZ_CHECK(da->wire != SIM_WIRE_PORT || da->port[0] != '\0',
		   "port wire without a port");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_devargs da, da2;
	struct fuzz_in in = { data, size };
	const char *name = names[fuzz_u8(&in) % RTE_DIM(names)];
	char *args, err[512], err2[512];
	size_t len = in.n < ARGS_MAX ? in.n : ARGS_MAX;
	int ret, ret2;

	/* Exactly the string's bytes: ASan sees a read past its end. */
	args = malloc(len + 1);
	if (args == NULL)
		return 0;
	memcpy(args, in.p, len);
	args[len] = '\0';

	memset(err, 0x5a, sizeof(err));
	ret = sim_devargs_parse(name, args, &da, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "returned %d", ret);
	FUZZ_CHECK(memchr(err, 0, sizeof(err)) != NULL,
		   "error text not terminated");
	if (ret == 0) {
		FUZZ_CHECK(err[0] == '\0', "success with error '%s'", err);
		check_ok(&da);
	} else {
		FUZZ_CHECK(err[0] != '\0', "error without a reason");
		FUZZ_CHECK(strstr(err, name) == err,
			   "reason does not name the device: '%s'", err);
		FUZZ_CHECK(strchr(err, '\n') == NULL || strchr(args, '\n'),
			   "reason on several lines: '%s'", err);
	}
	/* Deterministic: the same string parses the same way. */
	ret2 = sim_devargs_parse(name, args, &da2, err2, sizeof(err2));
	FUZZ_CHECK(ret2 == ret && strcmp(err, err2) == 0,
		   "second parse differs");
	if (ret == 0)
		FUZZ_CHECK(memcmp(&da, &da2, sizeof(da)) == 0,
			   "second parse gives another configuration");
	free(args);
	return 0;
}
