/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline link state (admin up/down, LSC events on both ends, TX
 * while down, peer stopped) and the statistics interface (xstats names,
 * values by id, resets).
 * Contract: doc/sim_inline.md, "Link" and "Statistics".
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "eal_fixture.h"
#include "sim_pair.h"

enum {
	MAX_PKTS = 128,
	WAIT_MS = 1000,
};

static struct rte_mbuf *rx[MAX_PKTS];

/* Every xstat of the doc table. */
static const char *const doc_xstats[] = {
	"rx_mac_filtered", "rx_runt", "rx_oversize", "rx_no_scatter", "rx_queue_full",
	"rx_ip_cksum_bad", "rx_l4_cksum_bad", "rx_stop_discard",
	"tx_ip_cksum_offload", "tx_l4_cksum_offload", "tx_oversize",
	"tx_bad_mbuf", "tx_link_down", "lsc_events", "tx_tso_segments",
	"tx_tso_wire_full",
};

/* ---- LSC ---- */

static uint32_t lsc_seen[RTE_MAX_ETHPORTS];

static int
lsc_cb(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	(void)arg;
	(void)ret;
	if (type == RTE_ETH_EVENT_INTR_LSC && port < RTE_MAX_ETHPORTS)
		__atomic_fetch_add(&lsc_seen[port], 1, __ATOMIC_RELAXED);
	return 0;
}

static uint32_t
lsc_count(uint16_t port)
{
	return __atomic_load_n(&lsc_seen[port], __ATOMIC_RELAXED);
}

static bool
wait_lsc_above(uint16_t port, uint32_t old)
{
	uint64_t end = rte_get_timer_cycles() + test_ms_to_cycles(WAIT_MS);

	while (lsc_count(port) <= old) {
		if (rte_get_timer_cycles() > end)
			return false;
		test_delay_ms(1);
	}
	return true;
}

static bool
wait_link(uint16_t port, uint16_t status)
{
	uint64_t end = rte_get_timer_cycles() + test_ms_to_cycles(WAIT_MS);
	struct rte_eth_link link;

	for (;;) {
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == status)
			return true;
		if (rte_get_timer_cycles() > end)
			return false;
		test_delay_ms(1);
	}
}

static int
link_setup(void **state)
{
	struct sim_pair *sp;

	memset(lsc_seen, 0, sizeof(lsc_seen));
	if (sim_pair_setup(state) != 0)
		return -1;
	sp = *state;
	for (int i = 0; i < 2; i++)
		if (rte_eth_dev_callback_register(sp->port[i],
						  RTE_ETH_EVENT_INTR_LSC,
						  lsc_cb, NULL) != 0)
			return -1;
	return 0;
}

static int
link_teardown(void **state)
{
	struct sim_pair *sp = *state;

	if (sp != NULL)
		for (int i = 0; i < 2; i++)
			if (sp->created[i])
				rte_eth_dev_callback_unregister(sp->port[i],
					RTE_ETH_EVENT_INTR_LSC, lsc_cb, NULL);
	return sim_pair_teardown(state);
}

static void
send_n(struct sim_pair *sp, int from, unsigned int n, uint32_t tag0)
{
	struct rte_mbuf *tx[MAX_PKTS];
	struct test_frame f;

	for (unsigned int i = 0; i < n; i++) {
		sim_frame_init(&f, sp->port[from], sp->port[!from], 4,
			       TEST_L4_UDP, 64, tag0 + i);
		tx[i] = test_frame_mbuf(sp->tx_pool, &f);
		assert_non_null(tx[i]);
	}
	/* Accepted even when the link is down: dropped and counted. */
	assert_int_equal(test_tx_all(sp->port[from], 0, tx, (uint16_t)n, 1000),
			 n);
}

static void
expect_traffic(struct sim_pair *sp, int from, unsigned int n)
{
	send_n(sp, from, n, 0);
	assert_int_equal(test_rx_poll(sp->port[!from], 0, rx, (uint16_t)n,
				      MAX_PKTS, TEST_RX_TIMEOUT_MS), n);
	test_free_bulk(rx, n);
}

static void
test_link_up_down(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_eth_conf conf = { .intr_conf.lsc = 1 };
	struct rte_eth_link link;
	uint32_t c0, c1;
	struct rte_eth_stats st;

	/* Only port 0 started: no carrier yet. */
	assert_int_equal(test_port_start_simple(sp->port[0], 1, 1, &conf,
						sp->rx_pool[0]), 0);
	assert_int_equal(rte_eth_link_get_nowait(sp->port[0], &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	assert_int_equal(test_port_start_simple(sp->port[1], 1, 1, &conf,
						sp->rx_pool[1]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_UP));
	assert_true(wait_link(sp->port[1], RTE_ETH_LINK_UP));
	/* Port 0 saw its link come up when port 1 started. */
	assert_true(wait_lsc_above(sp->port[0], 0));
	test_delay_ms(50);
	c0 = lsc_count(sp->port[0]);
	c1 = lsc_count(sp->port[1]);

	/* Admin down on port 0: both ends lose the link, both are told. */
	assert_int_equal(rte_eth_dev_set_link_down(sp->port[0]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_DOWN));
	assert_true(wait_link(sp->port[1], RTE_ETH_LINK_DOWN));
	if (!wait_lsc_above(sp->port[0], c0))
		fail_msg("no LSC event on the port set down");
	if (!wait_lsc_above(sp->port[1], c1))
		fail_msg("no LSC event on the peer of the port set down");

	/* Frames sent while down are dropped and counted on both sides. */
	send_n(sp, 1, 5, 100);
	send_n(sp, 0, 3, 200);
	assert_int_equal(test_rx_drain(sp->port[0], 1, TEST_QUIET_MS), 0);
	assert_int_equal(test_rx_drain(sp->port[1], 1, TEST_QUIET_MS), 0);
	assert_int_equal(test_xstat(sp->port[1], "tx_link_down"), 5);
	assert_int_equal(test_xstat(sp->port[0], "tx_link_down"), 3);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.oerrors, 5);
	assert_int_equal(st.opackets, 0);
	assert_true(test_pool_full(sp->tx_pool));

	/* Up again: both ends up, both told, traffic flows. */
	test_delay_ms(20);
	c0 = lsc_count(sp->port[0]);
	c1 = lsc_count(sp->port[1]);
	assert_int_equal(rte_eth_dev_set_link_up(sp->port[0]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_UP));
	assert_true(wait_link(sp->port[1], RTE_ETH_LINK_UP));
	assert_true(wait_lsc_above(sp->port[0], c0));
	assert_true(wait_lsc_above(sp->port[1], c1));
	expect_traffic(sp, 0, 10);
	expect_traffic(sp, 1, 10);

	/* Stopping the peer takes our link down, with an event. */
	test_delay_ms(20);
	c0 = lsc_count(sp->port[0]);
	assert_int_equal(rte_eth_dev_stop(sp->port[1]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_DOWN));
	assert_true(wait_lsc_above(sp->port[0], c0));
	send_n(sp, 0, 4, 300);
	assert_int_equal(test_xstat(sp->port[0], "tx_link_down"), 3 + 4);

	/* lsc_events counts what the callbacks saw. */
	test_delay_ms(50);
	assert_int_equal(test_xstat(sp->port[0], "lsc_events"),
			 lsc_count(sp->port[0]));

	/* And the peer coming back brings it up again. */
	c0 = lsc_count(sp->port[0]);
	assert_int_equal(rte_eth_dev_start(sp->port[1]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_UP));
	assert_true(wait_lsc_above(sp->port[0], c0));
	expect_traffic(sp, 1, 10);
}

/* Without intr_conf.lsc no callback runs, but the link still changes. */
static void
test_link_no_lsc(void **state)
{
	struct sim_pair *sp = *state;

	assert_int_equal(test_port_start_simple(sp->port[0], 1, 1, NULL,
						sp->rx_pool[0]), 0);
	assert_int_equal(test_port_start_simple(sp->port[1], 1, 1, NULL,
						sp->rx_pool[1]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_UP));
	assert_int_equal(rte_eth_dev_set_link_down(sp->port[1]), 0);
	assert_true(wait_link(sp->port[0], RTE_ETH_LINK_DOWN));
	test_delay_ms(50);
	assert_int_equal(lsc_count(sp->port[0]), 0);
	assert_int_equal(lsc_count(sp->port[1]), 0);
}

/* ---- xstats ---- */

static void
check_xstats_consistent(uint16_t port)
{
	int n = rte_eth_xstats_get_names(port, NULL, 0);
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	uint64_t *ids, *by_id;

	assert_true(n > 0);
	names = calloc(n, sizeof(*names));
	vals = calloc(n, sizeof(*vals));
	ids = calloc(n, sizeof(*ids));
	by_id = calloc(n, sizeof(*by_id));
	assert_non_null(names);
	assert_non_null(vals);
	assert_non_null(ids);
	assert_non_null(by_id);
	assert_int_equal(rte_eth_xstats_get_names(port, names, n), n);
	assert_int_equal(rte_eth_xstats_get(port, vals, n), n);
	for (int i = 0; i < n; i++)
		ids[i] = (uint64_t)i;
	assert_int_equal(rte_eth_xstats_get_by_id(port, ids, by_id, n), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(vals[i].id, i);
		if (vals[i].value != by_id[i])
			fail_msg("xstat %s: %" PRIu64 " by get, %" PRIu64 " by id",
				 names[i].name, vals[i].value, by_id[i]);
	}
	for (size_t d = 0; d < RTE_DIM(doc_xstats); d++) {
		int found = -1;

		for (int i = 0; i < n; i++)
			if (strcmp(names[i].name, doc_xstats[d]) == 0) {
				if (found >= 0)
					fail_msg("xstat %s listed twice",
						 doc_xstats[d]);
				found = i;
			}
		if (found < 0)
			fail_msg("xstat %s missing", doc_xstats[d]);
	}
	free(names);
	free(vals);
	free(ids);
	free(by_id);
}

static void
test_xstats(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_mbuf *tx[8];
	struct test_frame f;
	struct rte_eth_stats st;

	assert_int_equal(test_port_start_simple(sp->port[0], 1, 1, NULL,
						sp->rx_pool[0]), 0);
	assert_int_equal(test_port_start_simple(sp->port[1], 1, 1, NULL,
						sp->rx_pool[1]), 0);
	check_xstats_consistent(sp->port[0]);
	for (size_t d = 0; d < RTE_DIM(doc_xstats); d++)
		assert_int_equal(test_xstat(sp->port[1], doc_xstats[d]), 0);

	/* 3 frames to another MAC, 2 over the MTU, 4 good. */
	assert_int_equal(rte_eth_promiscuous_disable(sp->port[1]), 0);
	assert_int_equal(rte_eth_dev_set_mtu(sp->port[1], 1000), 0);
	for (uint32_t i = 0; i < 9; i++) {
		sim_frame_init(&f, sp->port[0], sp->port[1], 4, TEST_L4_UDP,
			       i < 3 || i >= 5 ? 64 : 1200, i);
		if (i < 3)
			f.dst_mac.addr_bytes[5] ^= 0x40;
		tx[i % 8] = test_frame_mbuf(sp->tx_pool, &f);
		assert_non_null(tx[i % 8]);
		assert_int_equal(test_tx_all(sp->port[0], 0, &tx[i % 8], 1, 1000),
				 1);
	}
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, 4, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), 4);
	test_free_bulk(rx, 4);
	assert_int_equal(test_rx_drain(sp->port[1], 1, TEST_QUIET_MS), 0);

	assert_int_equal(test_xstat(sp->port[1], "rx_mac_filtered"), 3);
	assert_int_equal(test_xstat(sp->port[1], "rx_oversize"), 2);
	check_xstats_consistent(sp->port[1]);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.ipackets, 4);
	assert_int_equal(st.ierrors, 2);

	/* xstats_reset zeroes the driver's counters... */
	assert_int_equal(rte_eth_xstats_reset(sp->port[1]), 0);
	for (size_t d = 0; d < RTE_DIM(doc_xstats); d++)
		if (test_xstat(sp->port[1], doc_xstats[d]) != 0)
			fail_msg("xstat %s not reset", doc_xstats[d]);
	/* ...and stats_reset the basic ones. */
	assert_int_equal(rte_eth_stats_reset(sp->port[1]), 0);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.ipackets, 0);
	assert_int_equal(st.ibytes, 0);
	assert_int_equal(st.ierrors, 0);
	assert_int_equal(st.imissed, 0);
	assert_int_equal(st.q_ipackets[0], 0);

	/* Counting starts again from zero. */
	expect_traffic(sp, 0, 6);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.ipackets, 6);
	assert_int_equal(st.ibytes, 6 * (14 + 20 + 8 + 64));
	assert_int_equal(test_xstat(sp->port[1], "rx_mac_filtered"), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-link", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_up_down,
			link_setup, link_teardown),
		cmocka_unit_test_setup_teardown(test_link_no_lsc,
			link_setup, link_teardown),
		cmocka_unit_test_setup_teardown(test_xstats,
			sim_pair_setup, sim_pair_teardown),
	};

	return cmocka_run_group_tests_name("pmd-link", tests, group_setup,
					   sim_eal_teardown);
}
