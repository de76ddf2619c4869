/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline, ring wire: back-to-back pairs (by index and by peer=),
 * byte identity, exact counters, RX mempools, chained TX mbufs, loopback,
 * stop/close accounting and TX from two lcores at once.
 * Contract: doc/sim_inline.md.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "eal_fixture.h"
#include "sim_pair.h"

enum {
	NB_FRAMES = 48,
	MAX_PKTS = 512,
	MT_FRAMES = 20000,	/* per sending lcore */
	MT_PAYLOAD = 64,
};

static struct rte_mbuf *rx[MAX_PKTS];
static uint8_t frames[NB_FRAMES][RTE_ETHER_MAX_LEN];
static size_t frame_len[NB_FRAMES];

static void
start_pair(struct sim_pair *sp, const struct rte_eth_conf *c0,
	   const struct rte_eth_conf *c1)
{
	assert_int_equal(test_port_start_simple(sp->port[0], 1, 1, c0,
						sp->rx_pool[0]), 0);
	assert_int_equal(test_port_start_simple(sp->port[1], 1, 1, c1,
						sp->rx_pool[1]), 0);
}

/* Frame i of a mix of sizes and L4 types, from @from to @to. */
static void
make_frame(int i, uint16_t from, uint16_t to)
{
	static const enum test_l4 l4s[] = { TEST_L4_UDP, TEST_L4_TCP,
					    TEST_L4_ESP, TEST_L4_OTHER,
					    TEST_L4_NONE };
	struct test_frame f;
	/* 60-byte minimum frames up to full 1514-byte ones. */
	uint16_t payload = (uint16_t)((i * 211) % 1400 + 32);

	sim_frame_init(&f, from, to, i % 2 ? 6 : 4, l4s[i % 5], payload,
		       (uint32_t)i);
	if (i == 0)
		f.payload_len = 18;	/* 60-byte frame with IPv4 UDP */
	if (i == 1)
		f.payload_len = test_frame_payload_for_l3(&f, 1500);
	frame_len[i] = test_frame_write(&f, frames[i], sizeof(frames[i]));
	assert_true(frame_len[i] >= 60);
}

/* Send NB_FRAMES from sp->port[a] to sp->port[b]; check what arrives. */
static uint64_t
send_and_check(struct sim_pair *sp, int a, int b)
{
	struct rte_mbuf *tx[NB_FRAMES];
	uint64_t bytes = 0;
	uint16_t n;

	for (int i = 0; i < NB_FRAMES; i++) {
		make_frame(i, sp->port[a], sp->port[b]);
		tx[i] = test_mbuf_from_bytes(sp->tx_pool, frames[i],
					     frame_len[i], 1);
		assert_non_null(tx[i]);
		bytes += frame_len[i];
	}
	assert_int_equal(test_tx_all(sp->port[a], 0, tx, NB_FRAMES, 1000),
			 NB_FRAMES);
	n = test_rx_poll(sp->port[b], 0, rx, NB_FRAMES, MAX_PKTS,
			 TEST_RX_TIMEOUT_MS);
	assert_int_equal(n, NB_FRAMES);
	for (int i = 0; i < NB_FRAMES; i++) {
		if (!test_mbuf_equals(rx[i], frames[i], frame_len[i]))
			fail_msg("%s -> %s: frame %d (len %zu) differs (got len %u)",
				 sp->name[a], sp->name[b], i, frame_len[i],
				 rx[i]->pkt_len);
		for (struct rte_mbuf *s = rx[i]; s != NULL; s = s->next)
			if (s->pool != sp->rx_pool[b])
				fail_msg("frame %d: mbuf from pool %s, not the RX queue's %s",
					 i, s->pool->name, sp->rx_pool[b]->name);
	}
	test_free_bulk(rx, n);
	assert_int_equal(test_rx_drain(sp->port[b], 1, TEST_QUIET_MS), 0);
	return bytes;
}

static void
check_stats(uint16_t port, uint64_t ipk, uint64_t ib, uint64_t opk,
	    uint64_t ob)
{
	struct rte_eth_stats st;

	assert_int_equal(rte_eth_stats_get(port, &st), 0);
	assert_int_equal(st.ipackets, ipk);
	assert_int_equal(st.ibytes, ib);
	assert_int_equal(st.opackets, opk);
	assert_int_equal(st.obytes, ob);
	assert_int_equal(st.ierrors, 0);
	assert_int_equal(st.oerrors, 0);
	assert_int_equal(st.imissed, 0);
	assert_int_equal(st.rx_nombuf, 0);
	assert_int_equal(st.q_ipackets[0], ipk);
	assert_int_equal(st.q_opackets[0], opk);
}

/* Pairing by index and by peer=; each case must form a two-way link. */
static void
test_back_to_back(void **state)
{
	static const struct {
		unsigned int idx[2];
		const char *args[2];
	} cases[] = {
		{ { 0, 1 }, { NULL, NULL } },
		{ { 2, 3 }, { "", "wire=ring" } },
		{ { 4, 7 }, { "peer=net_sim_inline7", "peer=net_sim_inline4" } },
		{ { 8, 5 }, { "peer=net_sim_inline5,ring_size=64",
			      "wire=ring,peer=net_sim_inline8" } },
	};
	struct sim_pair *sp = *state;

	for (size_t c = 0; c < RTE_DIM(cases); c++) {
		uint64_t b01, b10;

		print_message("pair %u <-> %u\n", cases[c].idx[0],
			      cases[c].idx[1]);
		assert_int_equal(sim_pair_create(sp, cases[c].idx[0],
						 cases[c].args[0],
						 cases[c].idx[1],
						 cases[c].args[1]), 0);
		start_pair(sp, NULL, NULL);
		rte_eth_stats_reset(sp->port[0]);
		rte_eth_stats_reset(sp->port[1]);
		b01 = send_and_check(sp, 0, 1);
		b10 = send_and_check(sp, 1, 0);
		check_stats(sp->port[0], NB_FRAMES, b10, NB_FRAMES, b01);
		check_stats(sp->port[1], NB_FRAMES, b01, NB_FRAMES, b10);
		assert_int_equal(sim_pair_destroy(sp), 0);
	}
}

/* A 3-segment TX mbuf arrives as the same bytes. */
static void
test_chained_tx(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_mbuf *m;
	struct test_frame f;
	uint8_t buf[1200];
	size_t len;
	struct rte_eth_stats st;

	start_pair(sp, NULL, NULL);
	sim_frame_init(&f, sp->port[0], sp->port[1], 4, TEST_L4_UDP, 1000, 7);
	len = test_frame_write(&f, buf, sizeof(buf));
	m = test_mbuf_from_bytes(sp->tx_pool, buf, len, 3);
	assert_non_null(m);
	assert_int_equal(m->nb_segs, 3);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, 1, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), 1);
	assert_true(test_mbuf_equals(rx[0], buf, len));
	assert_ptr_equal(rx[0]->pool, sp->rx_pool[1]);
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(rte_eth_stats_get(sp->port[0], &st), 0);
	assert_int_equal(st.opackets, 1);
	assert_int_equal(st.obytes, len);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.ipackets, 1);
	assert_int_equal(st.ibytes, len);
}

/* lpbk_mode=1: what port 0 sends comes back on port 0, nothing on 1. */
static void
test_loopback(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_eth_conf lpbk = { .lpbk_mode = 1 };
	struct rte_mbuf *tx[NB_FRAMES];
	struct rte_eth_stats st;

	start_pair(sp, &lpbk, NULL);
	for (int i = 0; i < NB_FRAMES; i++) {
		make_frame(i, sp->port[0], sp->port[0]);
		tx[i] = test_mbuf_from_bytes(sp->tx_pool, frames[i],
					     frame_len[i], 1);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, tx, NB_FRAMES, 1000),
			 NB_FRAMES);
	assert_int_equal(test_rx_poll(sp->port[0], 0, rx, NB_FRAMES, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), NB_FRAMES);
	for (int i = 0; i < NB_FRAMES; i++) {
		if (!test_mbuf_equals(rx[i], frames[i], frame_len[i]))
			fail_msg("looped frame %d differs", i);
		assert_ptr_equal(rx[i]->pool, sp->rx_pool[0]);
	}
	test_free_bulk(rx, NB_FRAMES);
	assert_int_equal(test_rx_drain(sp->port[1], 1, TEST_QUIET_MS), 0);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.ipackets, 0);
	assert_int_equal(rte_eth_stats_get(sp->port[0], &st), 0);
	assert_int_equal(st.ipackets, NB_FRAMES);
	assert_int_equal(st.opackets, NB_FRAMES);
}

static bool
wait_link(uint16_t port, uint16_t status, unsigned int ms)
{
	uint64_t end = rte_get_timer_cycles() + test_ms_to_cycles(ms);
	struct rte_eth_link link;

	do {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == status)
			return true;
		test_delay_ms(1);
	} while (rte_get_timer_cycles() < end);
	return false;
}

static void
send_n(struct sim_pair *sp, int a, int b, unsigned int n, uint32_t tag0)
{
	struct rte_mbuf *tx[MAX_PKTS];
	struct test_frame f;

	for (unsigned int i = 0; i < n; i++) {
		sim_frame_init(&f, sp->port[a], sp->port[b], 4, TEST_L4_UDP,
			       100, tag0 + i);
		tx[i] = test_frame_mbuf(sp->tx_pool, &f);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(sp->port[a], 0, tx, (uint16_t)n, 1000),
			 n);
}

/*
 * Frames still in the wire and RX rings at stop are discarded, counted in
 * rx_stop_discard and freed; a restarted port works; after close every
 * pool is full again.
 */
static void
test_stop_discard_and_restart(void **state)
{
	struct sim_pair *sp = *state;
	const unsigned int sent = 200;
	uint16_t got;

	start_pair(sp, NULL, NULL);
	send_n(sp, 0, 1, sent, 0);
	/* Take a few: the rest sits in port 1's RX ring and/or wire. */
	got = rte_eth_rx_burst(sp->port[1], 0, rx, 5);
	assert_true(got <= 5);
	assert_int_equal(rte_eth_dev_stop(sp->port[1]), 0);
	assert_int_equal(test_xstat(sp->port[1], "rx_stop_discard"),
			 sent - got);
	test_free_bulk(rx, got);
	/* The discarded frames went back to their pools. */
	assert_true(test_pool_full(sp->tx_pool));
	assert_true(test_pool_full(sp->rx_pool[1]));

	/* Re-start after stop: traffic flows again. */
	assert_int_equal(rte_eth_dev_start(sp->port[1]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_UP, 1000));
	assert_true(wait_link(sp->port[1], RTE_ETH_LINK_UP, 1000));
	send_n(sp, 0, 1, 20, 1000);
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, 20, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), 20);
	for (uint32_t i = 0; i < 20; i++)
		assert_int_equal(test_frame_tag(rx[i]), 1000 + i);
	test_free_bulk(rx, 20);

	/* Frames in flight at close are freed too. */
	send_n(sp, 0, 1, 50, 2000);
	send_n(sp, 1, 0, 50, 3000);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rte_eth_dev_stop(sp->port[i]), 0);
		assert_int_equal(rte_eth_dev_close(sp->port[i]), 0);
	}
	assert_true(test_pool_full(sp->tx_pool));
	assert_true(test_pool_full(sp->rx_pool[0]));
	assert_true(test_pool_full(sp->rx_pool[1]));
	assert_int_equal(rte_eth_dev_count_avail(), 0);
}


/* ---- back-pressure, RX queue overflow, malformed mbufs ---- */

static struct rte_mbuf *
nonip_frame(struct sim_pair *sp, int from, int to, uint32_t tag)
{
	struct test_frame f;

	sim_frame_init(&f, sp->port[from], sp->port[to], 4, TEST_L4_NONE, 60,
		       tag);
	return test_frame_mbuf(sp->tx_pool, &f);
}

/* A full wire makes tx_burst take fewer frames; those stay the caller's. */
static void
test_tx_backpressure(void **state)
{
	enum { RING = 64, N = 200 };
	struct sim_pair *sp = *state;
	struct rte_mbuf *tx[N];
	struct rte_eth_stats st;
	unsigned int accepted = 0;
	uint16_t n;

	assert_int_equal(sim_pair_create(sp, 0, "ring_size=64", 1,
					 "ring_size=64"), 0);
	start_pair(sp, NULL, NULL);
	for (unsigned int i = 0; i < N; i++) {
		tx[i] = nonip_frame(sp, 0, 1, i);
		assert_non_null(tx[i]);
	}
	for (int tries = 0; tries < 10 && accepted < N; tries++)
		accepted += rte_eth_tx_burst(sp->port[0], 0, tx + accepted,
					     (uint16_t)(N - accepted));
	if (accepted < RING - 1 || accepted > RING)
		fail_msg("a %d-frame wire took %u frames", RING, accepted);
	test_free_bulk(tx + accepted, N - accepted);
	assert_int_equal(rte_eth_stats_get(sp->port[0], &st), 0);
	assert_int_equal(st.opackets, accepted);
	assert_int_equal(st.oerrors, 0);
	n = test_rx_poll(sp->port[1], 0, rx, (uint16_t)accepted, MAX_PKTS,
			 TEST_RX_TIMEOUT_MS);
	assert_int_equal(n, accepted);
	for (uint16_t i = 0; i < n; i++)
		assert_int_equal(test_frame_tag(rx[i]), i);
	test_free_bulk(rx, n);
}

/*
 * Frames steered to a queue nobody polls overflow its ring: dropped,
 * counted in rx_queue_full and imissed, and nothing is lost unaccounted.
 */
static void
test_rx_queue_full(void **state)
{
	enum { ROUNDS = 4, PER_ROUND = 48 };
	struct sim_pair *sp = *state;
	struct rte_eth_conf conf = {
		.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS,
		.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4,
	};
	struct rte_mbuf *tx[PER_ROUND];
	struct rte_eth_stats st;
	uint64_t full;
	uint16_t got;

	assert_int_equal(sim_pair_create(sp, 0, "ring_size=64", 1,
					 "ring_size=64"), 0);
	assert_int_equal(test_port_start_simple(sp->port[0], 1, 1, NULL,
						sp->rx_pool[0]), 0);
	assert_int_equal(test_port_start_simple(sp->port[1], 2, 1, &conf,
						sp->rx_pool[1]), 0);
	for (int r = 0; r < ROUNDS; r++) {
		/* Non-IP frames all go to queue 0; only queue 1 is polled. */
		for (int i = 0; i < PER_ROUND; i++) {
			tx[i] = nonip_frame(sp, 0, 1, (uint32_t)(r * PER_ROUND + i));
			assert_non_null(tx[i]);
		}
		assert_int_equal(test_tx_all(sp->port[0], 0, tx, PER_ROUND,
					     1000), PER_ROUND);
		assert_int_equal(test_rx_poll(sp->port[1], 1, rx, MAX_PKTS,
					      MAX_PKTS, TEST_QUIET_MS), 0);
	}
	got = test_rx_poll(sp->port[1], 0, rx, MAX_PKTS, MAX_PKTS,
			   TEST_QUIET_MS);
	test_free_bulk(rx, got);
	full = test_xstat(sp->port[1], "rx_queue_full");
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	if (got + full != ROUNDS * PER_ROUND)
		fail_msg("%u frames received + %" PRIu64 " rx_queue_full != %d sent",
			 got, full, ROUNDS * PER_ROUND);
	assert_true(got <= 64);
	assert_true(full > 0);
	assert_int_equal(st.imissed, full);
	assert_int_equal(st.ipackets, got);
	assert_int_equal(st.q_ipackets[0], got);
	assert_int_equal(st.q_ipackets[1], 0);
}

/* Malformed mbufs are taken, freed and counted; nothing reaches the peer. */
static void
test_tx_bad_mbuf(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_eth_stats st;
	struct rte_mbuf *bad[3];
	uint8_t buf[200];
	struct test_frame f;
	size_t len;

	start_pair(sp, NULL, NULL);
	sim_frame_init(&f, sp->port[0], sp->port[1], 4, TEST_L4_UDP, 100, 1);
	len = test_frame_write(&f, buf, sizeof(buf));
	/* Shorter than an Ethernet header. */
	bad[0] = test_mbuf_from_bytes(sp->tx_pool, buf, 10, 1);
	/* pkt_len larger than the segments hold. */
	bad[1] = test_mbuf_from_bytes(sp->tx_pool, buf, len, 2);
	/* nb_segs says 3, the chain has 2. */
	bad[2] = test_mbuf_from_bytes(sp->tx_pool, buf, len, 2);
	for (int i = 0; i < 3; i++)
		assert_non_null(bad[i]);
	bad[1]->pkt_len += 40;
	bad[2]->nb_segs = 3;
	for (int i = 0; i < 3; i++)
		assert_int_equal(rte_eth_tx_burst(sp->port[0], 0, &bad[i], 1), 1);
	assert_int_equal(test_rx_drain(sp->port[1], 1, TEST_QUIET_MS), 0);
	assert_int_equal(test_xstat(sp->port[0], "tx_bad_mbuf"), 3);
	assert_int_equal(rte_eth_stats_get(sp->port[0], &st), 0);
	assert_int_equal(st.oerrors, 3);
	assert_int_equal(st.opackets, 0);
	assert_true(test_pool_full(sp->tx_pool));
}

/* Frames already in the receiving queue's pool (single and chained). */
static void
test_same_pool(void **state)
{
	struct sim_pair *sp = *state;
	struct test_frame f;
	struct rte_mbuf *tx[2];
	uint8_t buf[2][1600];
	size_t len[2];

	start_pair(sp, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		sim_frame_init(&f, sp->port[0], sp->port[1], 6, TEST_L4_TCP,
			       1200, (uint32_t)i);
		len[i] = test_frame_write(&f, buf[i], sizeof(buf[i]));
		tx[i] = test_mbuf_from_bytes(sp->rx_pool[1], buf[i], len[i],
					     i == 0 ? 1 : 3);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, tx, 2, 1000), 2);
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, 2, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), 2);
	for (int i = 0; i < 2; i++) {
		assert_true(test_mbuf_equals(rx[i], buf[i], len[i]));
		for (struct rte_mbuf *s = rx[i]; s != NULL; s = s->next)
			assert_ptr_equal(s->pool, sp->rx_pool[1]);
	}
	test_free_bulk(rx, 2);
	assert_true(test_pool_full(sp->rx_pool[1]));
	assert_true(test_pool_full(sp->tx_pool));
}

/* ---- two lcores transmitting at once on two TX queues ---- */

struct mt_sender {
	struct sim_pair *sp;
	uint16_t queue;
	uint32_t tag_base;
	unsigned int sent;
	unsigned int alloc_fail;
};

/* Send a burst of frames tagged tag_base + i; returns how many went. */
static unsigned int
mt_send_some(struct mt_sender *s, unsigned int next, unsigned int max)
{
	struct rte_mbuf *tx[32];
	struct test_frame f;
	unsigned int n = RTE_MIN(max - next, 32u);
	uint16_t done;

	for (unsigned int i = 0; i < n; i++) {
		sim_frame_init(&f, s->sp->port[0], s->sp->port[1], 4,
			       TEST_L4_UDP, MT_PAYLOAD, s->tag_base + next + i);
		tx[i] = test_frame_mbuf(s->sp->tx_pool, &f);
		if (tx[i] == NULL) {
			s->alloc_fail++;
			test_free_bulk(tx, i);
			return 0;
		}
	}
	done = rte_eth_tx_burst(s->sp->port[0], s->queue, tx, (uint16_t)n);
	test_free_bulk(tx + done, n - done);	/* retried later */
	return done;
}

static int
mt_worker(void *arg)
{
	struct mt_sender *s = arg;
	uint64_t end = rte_get_timer_cycles() + test_ms_to_cycles(20000);

	while (s->sent < MT_FRAMES && rte_get_timer_cycles() < end)
		s->sent += mt_send_some(s, s->sent, MT_FRAMES);
	return 0;
}

static void
test_two_lcores_tx(void **state)
{
	static uint8_t seen[2][MT_FRAMES];
	struct sim_pair *sp = *state;
	struct rte_eth_conf conf = {0};
	struct mt_sender snd[2] = {
		{ .sp = sp, .queue = 0, .tag_base = 0 },
		{ .sp = sp, .queue = 1, .tag_base = 1u << 24 },
	};
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	unsigned int received = 0, dups = 0;
	uint64_t end;
	struct rte_eth_stats st;

	assert_true(worker < RTE_MAX_LCORE);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(test_port_start_simple(sp->port[0], 1, 2, &conf,
						sp->rx_pool[0]), 0);
	assert_int_equal(test_port_start_simple(sp->port[1], 1, 1, &conf,
						sp->rx_pool[1]), 0);
	assert_int_equal(rte_eal_remote_launch(mt_worker, &snd[1], worker), 0);

	end = rte_get_timer_cycles() + test_ms_to_cycles(30000);
	while (received < 2u * MT_FRAMES && rte_get_timer_cycles() < end) {
		uint16_t n;

		if (snd[0].sent < MT_FRAMES)
			snd[0].sent += mt_send_some(&snd[0], snd[0].sent,
						    MT_FRAMES);
		n = rte_eth_rx_burst(sp->port[1], 0, rx, 64);
		for (uint16_t i = 0; i < n; i++) {
			uint32_t tag = test_frame_tag(rx[i]);
			unsigned int who = tag >> 24, seq = tag & 0xffffff;

			if (who > 1 || seq >= MT_FRAMES)
				fail_msg("frame with unknown tag 0x%x", tag);
			if (seen[who][seq]++)
				dups++;
		}
		test_free_bulk(rx, n);
		received += n;
	}
	assert_int_equal(rte_eal_wait_lcore(worker), 0);
	received += test_rx_drain(sp->port[1], 1, TEST_QUIET_MS);

	assert_int_equal(snd[0].alloc_fail + snd[1].alloc_fail, 0);
	assert_int_equal(snd[0].sent, MT_FRAMES);
	assert_int_equal(snd[1].sent, MT_FRAMES);
	assert_int_equal(dups, 0);
	assert_int_equal(received, 2 * MT_FRAMES);

	assert_int_equal(rte_eth_stats_get(sp->port[0], &st), 0);
	assert_int_equal(st.opackets, 2 * MT_FRAMES);
	assert_int_equal(st.q_opackets[0], MT_FRAMES);
	assert_int_equal(st.q_opackets[1], MT_FRAMES);
	assert_int_equal(st.oerrors, 0);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.ipackets, 2 * MT_FRAMES);
	assert_int_equal(st.imissed, 0);
	assert_int_equal(st.ierrors, 0);
	assert_int_equal(st.ibytes, st.ipackets * (14 + 20 + 8 + MT_PAYLOAD));
	assert_int_equal(test_xstat(sp->port[1], "rx_queue_full"), 0);
}

static int
group_setup(void **state)
{
	static const char *const args[] = { "-l", "0-1" };

	(void)state;
	return test_eal_init("pmd-ring", args, RTE_DIM(args)) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_back_to_back,
			sim_state_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_chained_tx,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_loopback,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_stop_discard_and_restart,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_tx_backpressure,
			sim_state_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rx_queue_full,
			sim_state_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_tx_bad_mbuf,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_same_pool,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_two_lcores_tx,
			sim_pair_setup, sim_pair_teardown),
	};

	return cmocka_run_group_tests_name("pmd-ring", tests, group_setup,
					   sim_eal_teardown);
}
