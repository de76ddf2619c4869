/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline devargs: every bad string fails the probe cleanly (no
 * port left behind, the name reusable), every good one probes.
 * Contract: doc/sim_inline.md, "Devargs".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "eal_fixture.h"
#include "sim_pair.h"

static char tmpdir[64];
static char pcap_ok[128];	/* an empty but valid pcap file */
static char pcap_out[128];	/* where tx_pcap may write */

/* A pcap file with only the global header (Ethernet link type). */
static int
write_empty_pcap(const char *path)
{
	static const uint8_t hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1,	/* magic, little endian */
		0x02, 0x00, 0x04, 0x00,	/* version 2.4 */
		0, 0, 0, 0, 0, 0, 0, 0,	/* thiszone, sigfigs */
		0xff, 0xff, 0x00, 0x00,	/* snaplen 65535 */
		0x01, 0x00, 0x00, 0x00,	/* LINKTYPE_ETHERNET */
	};
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(hdr, sizeof(hdr), 1, f) == 1;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void
expect_probe(const char *name, const char *args, bool ok)
{
	uint16_t before = rte_eth_dev_count_total();
	uint16_t port;
	int ret = rte_vdev_init(name, args);

	if (ok) {
		if (ret != 0)
			fail_msg("%s,%s: probe failed (%d), should succeed",
				 name, args, ret);
		assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
		assert_int_equal(test_vdev_destroy(name), 0);
		if (strstr(args, "wire=port") != NULL) {
			/* sim_inline closed the port it wrapped: make a new one. */
			if (rte_eth_dev_get_port_by_name("net_ring0", &port) == 0)
				fail_msg("%s,%s: net_ring0 survived the close",
					 name, args);
			assert_int_equal(rte_vdev_uninit("net_ring0"), 0);
			assert_int_equal(rte_vdev_init("net_ring0", NULL), 0);
		}
	} else {
		if (ret >= 0) {
			test_vdev_destroy(name);
			fail_msg("%s,%s: probe succeeded, should fail", name,
				 args);
		}
		assert_int_not_equal(rte_eth_dev_get_port_by_name(name, &port),
				     0);
	}
	/* Nothing left behind (or taken away), and the name is free again. */
	if (rte_eth_dev_count_total() != before)
		fail_msg("%s,%s: %u ports before, %u after", name, args,
			 before, rte_eth_dev_count_total());
	assert_int_equal(rte_vdev_init(name, NULL), 0);
	assert_int_equal(test_vdev_destroy(name), 0);
}

static void
test_bad_devargs(void **state)
{
	const char *const bad[] = {
		"wirre=ring",				/* unknown key */
		"foo=1",
		"wire=bogus",
		"wire=",
		"ring_size=100",			/* not a power of 2 */
		"ring_size=32",				/* below 64 */
		"ring_size=131072",			/* above 65536 */
		"ring_size=0",
		"ring_size=-64",
		"ring_size=64k",
		"ring_size=",
		"mac=zz:zz:zz:zz:zz:zz",
		"mac=02:00:00:00:00",
		"mac=02:00:00:00:00:00:00",
		"mac=",
		"wire=pcap,peer=net_sim_inline1",	/* peer is ring-only */
		"wire=port,port=net_ring0,peer=net_sim_inline1",
		"rx_pcap=/tmp/x.pcap",			/* pcap key, ring wire */
		"wire=ring,tx_pcap=/tmp/x.pcap",
		"wire=port,port=net_ring0,tx_pcap=/tmp/x.pcap",
		"wire=pcap",				/* no file */
		"wire=pcap,port=net_ring0",		/* port key, pcap wire */
		"port=net_ring0",			/* port key, ring wire */
		"wire=port",				/* port= required */
		"wire=port,port=doesnotexist",
		"wire=port,port=",
		"wire=pcap,rx_pcap=/nonexistent/file",
		"wire=pcap,tx_pcap=/nonexistent/dir/out.pcap",
		"sec_reset_on_stop=2",			/* 0 or 1 only */
		"sec_reset_on_stop=",
		"sec_reset_on_stop=yes",
		"sec_reset_on_stop=true",
		"sec_reset_on_stop=01",
		"sec_reset_on_stop=-1",
		"sec_reset_on_stop=1 ",
		"sec_reset_on_stop=0,sec_reset_on_stop=1",	/* twice */
		"max_tls=4097",				/* above 4096 */
		"max_tls=-1",
		"max_tls=",
		"max_tls=8x",
		"tls_hold_ms=10001",			/* above 10000 */
		"tls_hold_ms=-5",
		"tls_hold_pkts=0",			/* 1..64 */
		"tls_hold_pkts=65",
		"tls_chacha=2",
		"tls_chacha=yes",
		"tls_chacha=",
		"max_tls=1,max_tls=2",
		"infinite_rx=1",			/* pcap key, ring wire */
		"wire=pcap,tx_pcap=/tmp/x.pcap,infinite_rx=1",	/* no rx_pcap */
	};
	char loop_bad[3][200];

	(void)state;
	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		print_message("bad: %s\n", bad[i]);
		expect_probe("net_sim_inline0", bad[i], false);
	}
	/* 0 or 1 only; an empty file has nothing to replay. */
	snprintf(loop_bad[0], sizeof(loop_bad[0]),
		 "wire=pcap,rx_pcap=%s,infinite_rx=2", pcap_ok);
	snprintf(loop_bad[1], sizeof(loop_bad[1]),
		 "wire=pcap,rx_pcap=%s,infinite_rx=", pcap_ok);
	snprintf(loop_bad[2], sizeof(loop_bad[2]),
		 "wire=pcap,rx_pcap=%s,infinite_rx=1", pcap_ok);
	for (size_t i = 0; i < RTE_DIM(loop_bad); i++) {
		print_message("bad: %s\n", loop_bad[i]);
		expect_probe("net_sim_inline0", loop_bad[i], false);
	}
}

static void
test_good_devargs(void **state)
{
	char pcap_rx[200], pcap_tx[200], pcap_both[400], pcap_noloop[220];
	const char *const good[] = {
		"",
		"wire=ring",
		"ring_size=64",
		"ring_size=1024",
		"ring_size=65536",
		"mac=02:aa:bb:cc:dd:ee",
		"mac=02:AA:BB:CC:DD:EF",
		"peer=net_sim_inline1",
		"peer=net_sim_inline9",			/* may come later */
		"wire=ring,peer=net_sim_inline1,mac=02:00:00:00:00:01,ring_size=256",
		pcap_rx,
		pcap_tx,
		pcap_both,
		pcap_noloop,
		"wire=port,port=net_ring0",
		"wire=port,port=net_ring0,mac=02:00:00:00:00:02",
		"sec_reset_on_stop=0",
		"sec_reset_on_stop=1",
		"wire=port,port=net_ring0,sec_reset_on_stop=1",
		"max_sa=16,sec_reset_on_stop=1,ring_size=128",
		"max_tls=0",
		"max_tls=4096,tls_hold_ms=0",
		"tls_hold_ms=10000",
		"tls_hold_pkts=1",
		"tls_hold_pkts=64,tls_hold_ms=5",
		"tls_chacha=1,max_tls=2",
		"tls_chacha=0",
	};

	(void)state;
	snprintf(pcap_rx, sizeof(pcap_rx), "wire=pcap,rx_pcap=%s", pcap_ok);
	snprintf(pcap_tx, sizeof(pcap_tx), "wire=pcap,tx_pcap=%s", pcap_out);
	snprintf(pcap_both, sizeof(pcap_both),
		 "wire=pcap,rx_pcap=%s,tx_pcap=%s,mac=02:00:00:00:00:03",
		 pcap_ok, pcap_out);
	snprintf(pcap_noloop, sizeof(pcap_noloop),
		 "wire=pcap,rx_pcap=%s,infinite_rx=0", pcap_ok);
	for (size_t i = 0; i < RTE_DIM(good); i++) {
		print_message("good: %s\n", good[i]);
		expect_probe("net_sim_inline0", good[i], true);
	}
	/* Devargs that name another index work the same. */
	expect_probe("net_sim_inline15", "peer=net_sim_inline3", true);
}

/* The probed settings are the ones asked for. */
static void
test_devargs_effect(void **state)
{
	static const struct rte_ether_addr want = {{ 0x02, 0xaa, 0xbb, 0xcc,
						     0xdd, 0xee }};
	struct rte_ether_addr got;
	uint16_t port;

	(void)state;
	assert_int_equal(test_vdev_create("net_sim_inline0",
					  "mac=02:AA:BB:CC:DD:EE", &port), 0);
	assert_int_equal(rte_eth_macaddr_get(port, &got), 0);
	assert_true(rte_is_same_ether_addr(&got, &want));
	assert_int_equal(test_vdev_destroy("net_sim_inline0"), 0);
}

static int
group_setup(void **state)
{
	static const char *const args[] = { "--vdev", "net_ring0" };

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dpsec-pmd-devargs-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(pcap_ok, sizeof(pcap_ok), "%s/empty.pcap", tmpdir);
	snprintf(pcap_out, sizeof(pcap_out), "%s/out.pcap", tmpdir);
	if (write_empty_pcap(pcap_ok) != 0)
		return -1;
	return test_eal_init("pmd-devargs", args, RTE_DIM(args)) < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	unlink(pcap_ok);
	unlink(pcap_out);
	rmdir(tmpdir);
	return rte_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_devargs),
		cmocka_unit_test(test_good_devargs),
		cmocka_unit_test(test_devargs_effect),
	};

	return cmocka_run_group_tests_name("pmd-devargs", tests, group_setup,
					   group_teardown);
}
