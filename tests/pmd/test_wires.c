/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline wires other than the ring pair: wire=port around a
 * self-looped net_ring port (ownership, hiding, closed with the sim port)
 * and wire=pcap (tx_pcap written, rx_pcap replayed in order, once or with
 * infinite_rx=1 without end; runts
 * and truncated records dropped).
 * Contract: doc/sim_inline.md, "Wires".
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
#include <rte_mbuf.h>

#include "eal_fixture.h"
#include "sim_pair.h"

enum {
	NB_FRAMES = 40,
	MAX_PKTS = 128,
};

static char tmpdir[64];
static struct rte_mbuf *rx[MAX_PKTS];
static uint8_t frames[NB_FRAMES][RTE_ETHER_MAX_LEN];
static size_t frame_len[NB_FRAMES];

struct wire_state {
	struct rte_mempool *pool;
	const char *names[2];
};

static int
wire_setup(void **state)
{
	struct wire_state *ws = calloc(1, sizeof(*ws));

	if (ws == NULL)
		return -1;
	*state = ws;
	ws->pool = sim_pool("wire", TEST_POOL_SIZE, RTE_MBUF_DEFAULT_DATAROOM);
	return ws->pool != NULL ? 0 : -1;
}

static int
wire_teardown(void **state)
{
	struct wire_state *ws = *state;
	int ret = 0;

	for (int i = 0; i < 2; i++)
		if (ws->names[i] != NULL)
			(void)test_vdev_destroy(ws->names[i]);
	if (!test_pool_full(ws->pool))
		ret = -1;
	rte_mempool_free(ws->pool);
	free(ws);
	return ret;
}

static void
make_frames(uint16_t to)
{
	static const enum test_l4 l4s[] = { TEST_L4_UDP, TEST_L4_TCP,
					    TEST_L4_ESP, TEST_L4_NONE };

	for (int i = 0; i < NB_FRAMES; i++) {
		struct test_frame f;

		sim_frame_init(&f, to, to, i % 3 ? 4 : 6, l4s[i % 4],
			       (uint16_t)(20 + (i * 97) % 1400), (uint32_t)i);
		frame_len[i] = test_frame_write(&f, frames[i],
						sizeof(frames[i]));
		assert_true(frame_len[i] > 0);
	}
}

static void
send_frames(uint16_t port, struct rte_mempool *mp)
{
	struct rte_mbuf *tx[NB_FRAMES];

	for (int i = 0; i < NB_FRAMES; i++) {
		tx[i] = test_mbuf_from_bytes(mp, frames[i], frame_len[i],
					     i % 5 == 4 ? 2 : 1);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(port, 0, tx, NB_FRAMES, 1000), NB_FRAMES);
}

static void
expect_frames_in_order(uint16_t port)
{
	uint16_t got = test_rx_poll(port, 0, rx, NB_FRAMES, MAX_PKTS,
				    TEST_RX_TIMEOUT_MS);

	assert_int_equal(got, NB_FRAMES);
	for (int i = 0; i < NB_FRAMES; i++)
		if (!test_mbuf_equals(rx[i], frames[i], frame_len[i]))
			fail_msg("frame %d (len %zu) differs or out of order (tag %u, len %u)",
				 i, frame_len[i], test_frame_tag(rx[i]),
				 rx[i]->pkt_len);
	test_free_bulk(rx, got);
	assert_int_equal(test_rx_drain(port, 1, TEST_QUIET_MS), 0);
}

static unsigned int
count_foreach(uint16_t *only)
{
	unsigned int n = 0;
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p) {
		if (only != NULL)
			*only = p;
		n++;
	}
	return n;
}

/* wire=port: sim_inline owns and hides net_ring0, and gives it back. */
static void
test_port_wire(void **state)
{
	struct wire_state *ws = *state;
	uint16_t ring, sim, seen = UINT16_MAX;
	struct rte_eth_dev_owner owner;
	struct rte_eth_link link;
	struct rte_eth_stats st;

	assert_int_equal(rte_eth_dev_get_port_by_name("net_ring0", &ring), 0);
	assert_int_equal(rte_eth_dev_count_avail(), 1);

	ws->names[0] = "net_sim_inline0";
	assert_int_equal(test_vdev_create(ws->names[0],
					  "wire=port,port=net_ring0", &sim), 0);
	/* Only the sim port is visible to applications. */
	assert_int_equal(rte_eth_dev_count_avail(), 1);
	assert_int_equal(count_foreach(&seen), 1);
	assert_int_equal(seen, sim);
	assert_int_equal(rte_eth_dev_owner_get(ring, &owner), 0);
	assert_int_not_equal(owner.id, RTE_ETH_DEV_NO_OWNER);

	assert_int_equal(test_port_start_simple(sim, 1, 1, NULL, ws->pool), 0);
	for (int i = 0; i < 1000; i++) {
		if (rte_eth_link_get_nowait(sim, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			break;
		test_delay_ms(1);
	}
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);

	/* What goes out through net_ring0 comes back in through it. */
	make_frames(sim);
	send_frames(sim, ws->pool);
	expect_frames_in_order(sim);
	assert_int_equal(rte_eth_stats_get(sim, &st), 0);
	assert_int_equal(st.opackets, NB_FRAMES);
	assert_int_equal(st.ipackets, NB_FRAMES);

	/* Closing the sim port closes the wrapped one too. */
	assert_int_equal(rte_eth_dev_stop(sim), 0);
	assert_int_equal(rte_eth_dev_close(sim), 0);
	assert_int_not_equal(rte_eth_dev_get_port_by_name("net_ring0", &ring), 0);
	assert_int_equal(rte_eth_dev_count_avail(), 0);
	assert_int_equal(test_vdev_destroy(ws->names[0]), 0);
	ws->names[0] = NULL;
	assert_int_equal(count_foreach(NULL), 0);

	/*
	 * Another ring port can be wrapped by another sim port. (A new
	 * net_ring0 would not do: net_ring creates 16 rings at probe but
	 * frees only the configured queues' ones at close.)
	 */
	assert_int_equal(rte_vdev_uninit("net_ring0"), 0);
	assert_int_equal(rte_vdev_init("net_ring1", NULL), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name("net_ring1", &ring), 0);
	assert_int_equal(count_foreach(&seen), 1);
	assert_int_equal(seen, ring);
	ws->names[0] = "net_sim_inline1";
	assert_int_equal(test_vdev_create(ws->names[0],
					  "wire=port,port=net_ring1", &sim), 0);
	assert_int_equal(rte_eth_dev_count_avail(), 1);
	assert_int_equal(rte_eth_dev_owner_get(ring, &owner), 0);
	assert_int_not_equal(owner.id, RTE_ETH_DEV_NO_OWNER);
	assert_int_equal(test_port_start_simple(sim, 1, 1, NULL, ws->pool), 0);
	make_frames(sim);
	send_frames(sim, ws->pool);
	expect_frames_in_order(sim);
	assert_int_equal(test_vdev_destroy(ws->names[0]), 0);
	ws->names[0] = NULL;
	assert_int_not_equal(rte_eth_dev_get_port_by_name("net_ring1", &ring), 0);
	assert_int_equal(rte_vdev_uninit("net_ring1"), 0);
}

/* Classic pcap writer for hand-made captures: (data, caplen, len) records. */
struct pcap_rec {
	const uint8_t *data;
	uint32_t caplen, len;
};

static void
put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
write_pcap(const char *path, const struct pcap_rec *recs, unsigned int n)
{
	static const uint8_t ghdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00,
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	};
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(ghdr, sizeof(ghdr), 1, f), 1);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t rh[16];

		put32le(rh, 1700000000u + i);
		put32le(rh + 4, 0);
		put32le(rh + 8, recs[i].caplen);
		put32le(rh + 12, recs[i].len);
		assert_int_equal(fwrite(rh, sizeof(rh), 1, f), 1);
		assert_int_equal(fwrite(recs[i].data, recs[i].caplen, 1, f), 1);
	}
	assert_int_equal(fclose(f), 0);
}

/* Runts and truncated records in rx_pcap are dropped and counted. */
static void
test_pcap_runt(void **state)
{
	struct wire_state *ws = *state;
	char path[128], args[200];
	struct rte_eth_stats st;
	uint16_t port;
	/* good 0, 10-byte runt, truncated (40 of 100 bytes), good 1, good 2 */
	const struct pcap_rec recs[] = {
		{ NULL, 0, 0 }, { NULL, 10, 10 }, { NULL, 40, 100 },
		{ NULL, 0, 0 }, { NULL, 0, 0 },
	};
	struct pcap_rec r[RTE_DIM(recs)];
	const int good[3] = { 0, 3, 4 };

	memcpy(r, recs, sizeof(r));
	make_frames(RTE_MAX_ETHPORTS);
	for (size_t i = 0; i < RTE_DIM(r); i++) {
		r[i].data = frames[i];
		if (r[i].caplen == 0)
			r[i].caplen = r[i].len = (uint32_t)frame_len[i];
	}
	snprintf(path, sizeof(path), "%s/runt.pcap", tmpdir);
	write_pcap(path, r, RTE_DIM(r));

	ws->names[0] = "net_sim_inline0";
	snprintf(args, sizeof(args), "wire=pcap,rx_pcap=%s", path);
	assert_int_equal(test_vdev_create(ws->names[0], args, &port), 0);
	assert_int_equal(test_port_start_simple(port, 1, 1, NULL, ws->pool), 0);
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
	assert_int_equal(test_rx_poll(port, 0, rx, 3, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), 3);
	for (int i = 0; i < 3; i++)
		assert_true(test_mbuf_equals(rx[i], frames[good[i]],
					     frame_len[good[i]]));
	test_free_bulk(rx, 3);
	assert_int_equal(test_rx_drain(port, 1, TEST_QUIET_MS), 0);
	assert_int_equal(test_xstat(port, "rx_runt"), 2);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, 3);
	assert_int_equal(st.ierrors, 2);
	assert_int_equal(test_vdev_destroy(ws->names[0]), 0);
	ws->names[0] = NULL;
	unlink(path);
}

/* wire=pcap: phase 1 writes tx_pcap, phase 2 replays it as rx_pcap. */
static void
test_pcap_wire(void **state)
{
	struct wire_state *ws = *state;
	char path[128], args[200];
	uint8_t hdr[24];
	struct rte_eth_stats st;
	struct rte_eth_link link;
	uint16_t port;
	FILE *f;

	snprintf(path, sizeof(path), "%s/wire.pcap", tmpdir);

	ws->names[0] = "net_sim_inline0";
	snprintf(args, sizeof(args), "wire=pcap,tx_pcap=%s", path);
	assert_int_equal(test_vdev_create(ws->names[0], args, &port), 0);
	assert_int_equal(test_port_start_simple(port, 1, 1, NULL, ws->pool), 0);
	assert_int_equal(rte_eth_link_get_nowait(port, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	make_frames(port);
	send_frames(port, ws->pool);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.opackets, NB_FRAMES);
	assert_int_equal(test_vdev_destroy(ws->names[0]), 0);	/* flushes */
	ws->names[0] = NULL;

	/* A classic pcap file with Ethernet link type. */
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fclose(f);
	assert_true((hdr[0] == 0xd4 && hdr[1] == 0xc3 && hdr[2] == 0xb2 &&
		     hdr[3] == 0xa1) ||		/* microseconds */
		    (hdr[0] == 0x4d && hdr[1] == 0x3c && hdr[2] == 0xb2 &&
		     hdr[3] == 0xa1));		/* nanoseconds */
	assert_int_equal(hdr[20], 1);

	/* Phase 2: the same frames, in order, once. */
	ws->names[1] = "net_sim_inline1";
	snprintf(args, sizeof(args), "wire=pcap,rx_pcap=%s", path);
	assert_int_equal(test_vdev_create(ws->names[1], args, &port), 0);
	assert_int_equal(test_port_start_simple(port, 1, 1, NULL, ws->pool), 0);
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
	expect_frames_in_order(port);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, NB_FRAMES);
	assert_int_equal(test_vdev_destroy(ws->names[1]), 0);
	ws->names[1] = NULL;
	unlink(path);
}

/*
 * wire=pcap,infinite_rx=1: the file's frames again and again, in order,
 * without end; files it cannot replay (truncated record, none) are
 * refused at probe.
 */
static void
test_pcap_infinite(void **state)
{
	struct wire_state *ws = *state;
	char path[128], args[200];
	struct pcap_rec r[NB_FRAMES];
	struct rte_eth_stats st;
	unsigned int got = 0, want = 5 * NB_FRAMES + 7;
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() * TEST_RX_TIMEOUT_MS / 1000;
	uint16_t port;

	make_frames(RTE_MAX_ETHPORTS);
	for (int i = 0; i < NB_FRAMES; i++) {
		r[i].data = frames[i];
		r[i].caplen = r[i].len = (uint32_t)frame_len[i];
	}
	snprintf(path, sizeof(path), "%s/loop.pcap", tmpdir);
	write_pcap(path, r, NB_FRAMES);

	ws->names[0] = "net_sim_inline0";
	snprintf(args, sizeof(args), "wire=pcap,rx_pcap=%s,infinite_rx=1",
		 path);
	assert_int_equal(test_vdev_create(ws->names[0], args, &port), 0);
	assert_int_equal(test_port_start_simple(port, 1, 1, NULL, ws->pool), 0);
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
	/* More than the file holds, in bursts of whatever the port gives:
	 * frame k is the file's frame k mod NB_FRAMES. */
	while (got < want && rte_get_timer_cycles() < deadline) {
		uint16_t n = rte_eth_rx_burst(port, 0, rx,
					      (uint16_t)RTE_MIN(want - got,
							       (unsigned)MAX_PKTS));

		for (uint16_t i = 0; i < n; i++, got++)
			if (!test_mbuf_equals(rx[i], frames[got % NB_FRAMES],
					      frame_len[got % NB_FRAMES]))
				fail_msg("frame %u is not the file's frame %u",
					 got, got % NB_FRAMES);
		test_free_bulk(rx, n);
	}
	assert_int_equal(got, want);
	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_true(st.ipackets >= want);
	assert_int_equal(st.ierrors, 0);
	assert_int_equal(test_vdev_destroy(ws->names[0]), 0);
	ws->names[0] = NULL;

	/* A truncated record would be dropped on every pass: refused. */
	r[3].len = r[3].caplen + 10;
	write_pcap(path, r, NB_FRAMES);
	assert_int_not_equal(test_vdev_create("net_sim_inline0", args, &port),
			     0);
	/* No frame to replay: refused. */
	write_pcap(path, r, 0);
	assert_int_not_equal(test_vdev_create("net_sim_inline0", args, &port),
			     0);
	/* Without infinite_rx the empty file is a port that receives
	 * nothing. */
	snprintf(args, sizeof(args), "wire=pcap,rx_pcap=%s", path);
	ws->names[0] = "net_sim_inline0";
	assert_int_equal(test_vdev_create(ws->names[0], args, &port), 0);
	assert_int_equal(test_vdev_destroy(ws->names[0]), 0);
	ws->names[0] = NULL;
	unlink(path);
}

static int
group_setup(void **state)
{
	static const char *const args[] = { "--vdev", "net_ring0" };

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dpsec-pmd-wires-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return test_eal_init("pmd-wires", args, RTE_DIM(args)) < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rmdir(tmpdir);
	return rte_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_port_wire,
			wire_setup, wire_teardown),
		cmocka_unit_test_setup_teardown(test_pcap_wire,
			wire_setup, wire_teardown),
		cmocka_unit_test_setup_teardown(test_pcap_runt,
			wire_setup, wire_teardown),
		cmocka_unit_test_setup_teardown(test_pcap_infinite,
			wire_setup, wire_teardown),
	};

	return cmocka_run_group_tests_name("pmd-wires", tests, group_setup,
					   group_teardown);
}
