/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SAs on sim_inline's inline engine while the NIC misbehaves (fault
 * devargs): punts, spurious failures, wire drops, duplicates and
 * reordering, plus forgeries and a port stop/start mid-stream. Every valid
 * packet is delivered at most once and never lost without a reason, no
 * forgery or replay is delivered, and the mempools come back full.
 *
 * Modes (argv[1]): none, inline crypto; --inline-protocol; --reset, inline
 * protocol on NICs that lose their SA table when stopped
 * (sec_reset_on_stop=1), both ports restarted mid-stream and the SAs
 * re-pushed with dpsec_port_resync().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum { P0 = 0, P1 = 1, N = 3000, BURST = 32, FORGE_EVERY = 97 };

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;
static struct espt_keys keys;
static uint8_t seen[N];
static uint32_t mode_flags = DPSEC_SA_F_NO_INLINE_PROTOCOL;
static bool reset_mode;

struct tally {
	uint64_t delivered, reason[DPSEC_R_MAX];
};

/* Receive what port 1 has, run it through dpsec, check and count. */
static void
drain(struct tally *t)
{
	struct rte_mbuf *rx[BURST];
	uint16_t n, g, i;

	while ((n = rte_eth_rx_burst(P1, 0, rx, BURST)) > 0) {
		for (i = 0; i < n; i++)
			rte_pktmbuf_adj(rx[i], RTE_ETHER_HDR_LEN);
		g = dpsec_inbound(ctx, rx, n, NULL);
		for (i = 0; i < g; i++) {
			uint32_t tag = espt_mbuf_tag(rx[i]);

			if (tag >= N)
				fail_msg("delivered a packet that was never "
					 "sent (tag %u): a forgery got through",
					 tag);
			if (seen[tag]++)
				fail_msg("tag %u delivered twice", tag);
			t->delivered++;
		}
		for (i = g; i < n; i++)
			t->reason[dpsec_mbuf_reason(rx[i])]++;
		rte_pktmbuf_free_bulk(rx, n);
	}
}

/* Back on the NIC where it was, its sequence state kept. */
static void
restarts_checked(struct dpsec_sa *sa, const struct dpsec_sa_info *before)
{
	struct dpsec_sa_info now;

	assert_int_equal(dpsec_sa_info(sa, &now), 0);
	assert_int_equal(now.placement, before->placement);
	assert_int_equal(now.place_reason, before->place_reason);
	assert_true(now.seq >= before->seq);
}

static void
test_inv3_fault_matrix(void **state)
{
	struct dpsec_sa *o, *in;
	struct dpsec_sa_conf c;
	struct tally t = { 0 };
	uint8_t buf[ESPT_PKT_MAX];
	uint64_t forged = 0, sent = 0, r;
	unsigned int next = 0, i;

	(void)state;
	espt_conf(&c, espt_alg_find("gcm128"), &keys, DPSEC_SA_OUTBOUND,
		  DPSEC_SA_TUNNEL, 4, ESPT_SPI + 0x900,
		  DPSEC_SA_F_ESN | mode_flags);
	c.offload = DPSEC_OFFLOAD_REQUIRE;
	c.port_id = P0;
	o = dpsec_sa_create(ctx, &c);
	assert_non_null(o);
	espt_conf(&c, espt_alg_find("gcm128"), &keys, DPSEC_SA_INBOUND,
		  DPSEC_SA_TUNNEL, 4, ESPT_SPI + 0x900,
		  DPSEC_SA_F_ESN | mode_flags);
	c.offload = DPSEC_OFFLOAD_REQUIRE;
	c.port_id = P1;
	c.replay_window = 128;
	in = dpsec_sa_create(ctx, &c);
	assert_non_null(in);

	while (next < N) {
		struct rte_mbuf *m[BURST];
		uint16_t n = 0, k;

		while (n < BURST && next < N) {
			size_t len = espt_pkt_build(buf, 4, 17,
						    (uint16_t)(64 + next % 700),
						    next);

			m[n++] = espt_mbuf(pool, buf, len);
			next++;
		}
		assert_int_equal(dpsec_sa_outbound(o, m, n), n);
		for (k = 0; k < n; k++)
			assert_int_equal(espt_add_l2(m[k]), 0);
		k = rte_eth_tx_burst(P0, 0, m, n);
		assert_int_equal(k, n);
		sent += n;
		/* A forgery now and then: a genuine ciphertext with a bit
		 * flipped, injected as if the NIC had punted it. */
		if (next % FORGE_EVERY < BURST) {
			struct dpsec_sa_info info;
			struct dpsec_sa_conf sc;
			struct dpsec_sa *sw;
			struct rte_mbuf *f;

			/* Ahead of the window, so only the ICV can stop it. */
			assert_int_equal(dpsec_sa_info(o, &info), 0);
			espt_conf(&sc, espt_alg_find("gcm128"), &keys,
				  DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
				  ESPT_SPI + 0x900, DPSEC_SA_F_ESN);
			sc.seq_start = info.seq + 1000;
			sw = dpsec_sa_create(ctx, &sc);
			assert_non_null(sw);
			f = espt_mbuf(pool, buf, espt_pkt_build(buf, 4, 17, 80,
								N + next));
			assert_int_equal(dpsec_sa_outbound(sw, &f, 1), 1);
			rte_pktmbuf_mtod(f, uint8_t *)[50] ^= 1;
			assert_int_equal(dpsec_inbound(ctx, &f, 1, NULL), 0);
			assert_int_equal(dpsec_mbuf_reason(f), DPSEC_R_AUTH);
			rte_pktmbuf_free(f);
			assert_int_equal(dpsec_sa_destroy(ctx, sw), 0);
			forged++;
		}
		drain(&t);
		/* A port reset half-way: the SAs live on (re-pushed, when
		 * the NICs forgot them). */
		if (next == N / 2 && !reset_mode) {
			assert_int_equal(rte_eth_dev_stop(P1), 0);
			assert_int_equal(rte_eth_dev_start(P1), 0);
		} else if (next == N / 2) {
			struct dpsec_sa_info io, ii;

			assert_int_equal(dpsec_sa_info(o, &io), 0);
			assert_int_equal(dpsec_sa_info(in, &ii), 0);
			assert_int_equal(rte_eth_dev_stop(P0), 0);
			assert_int_equal(rte_eth_dev_stop(P1), 0);
			assert_int_equal(test_xstat(P0, "sec_sessions"), 0);
			assert_int_equal(test_xstat(P1, "sec_sessions"), 0);
			assert_int_equal(rte_eth_dev_start(P0), 0);
			assert_int_equal(rte_eth_dev_start(P1), 0);
			assert_int_equal(dpsec_port_resync(ctx, P0), 1);
			assert_int_equal(dpsec_port_resync(ctx, P1), 1);
			assert_int_equal(test_xstat(P0, "sec_sessions"), 1);
			assert_int_equal(test_xstat(P1, "sec_sessions"), 1);
			restarts_checked(o, &io);
			restarts_checked(in, &ii);
		}
	}
	for (i = 0; i < 100; i++) {
		drain(&t);
		rte_delay_ms(1);
	}

	{
		uint64_t wire_drop = test_xstat(P0, "tx_fault_drop");
		uint64_t dup = test_xstat(P0, "tx_fault_dup");
		uint64_t punt = test_xstat(P1, "rx_fault_punt");
		uint64_t spurious = test_xstat(P1, "rx_fault_spurious_fail");
		uint64_t stop = test_xstat(P1, "rx_stop_discard");
		/* Inline protocol: the NIC's window drops duplicates first. */
		uint64_t nic_replay = test_xstat(P1, "rx_sec_replay");
		uint64_t lost = sent - t.delivered;

		printf("sent %lu delivered %lu: wire drops %lu, dups %lu, "
		       "punts %lu, spurious %lu, NIC_FAILED %lu, REPLAY %lu, "
		       "stop discards %lu, forgeries %lu, NIC replays %lu\n",
		       (unsigned long)sent, (unsigned long)t.delivered,
		       (unsigned long)wire_drop, (unsigned long)dup,
		       (unsigned long)punt, (unsigned long)spurious,
		       (unsigned long)t.reason[DPSEC_R_NIC_FAILED],
		       (unsigned long)t.reason[DPSEC_R_REPLAY],
		       (unsigned long)stop, (unsigned long)forged,
		       (unsigned long)nic_replay);
		/* The faults happened, through both paths. */
		assert_true(wire_drop > 0 && dup > 0 && punt > 0 && spurious > 0);
		assert_true(forged > 0);
		/* Nothing dropped for any reason but the faults. */
		for (r = 0; r < DPSEC_R_MAX; r++)
			if (r != DPSEC_R_NIC_FAILED && r != DPSEC_R_REPLAY &&
			    t.reason[r] != 0)
				fail_msg("%lu packets dropped as %s",
					 (unsigned long)t.reason[r],
					 dpsec_reason_str(r));
		/* Spurious failures (and, inline protocol, duplicates the
		 * NIC's window caught) are dropped as NIC_FAILED, never
		 * retried (invariant 3, doc/security_model.md); duplicates are replays (invariant
		 * 2), whichever window saw them first. */
		assert_int_equal(t.reason[DPSEC_R_NIC_FAILED],
				 spurious + nic_replay);
		assert_true(t.reason[DPSEC_R_REPLAY] + nic_replay <= dup);
		if (mode_flags != 0)
			assert_int_equal(nic_replay, 0);
		/* Every valid packet arrived once unless the wire lost it,
		 * the NIC failed it or the port reset discarded it. */
		assert_true(lost <= wire_drop + spurious + stop);
		assert_true(t.delivered + wire_drop + spurious + stop >= sent);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
}

static int
setup(void **state)
{
	static const char *const args[] = {
		"--vdev", "net_sim_inline0,fault_seed=7,fault_drop=0.02,"
			  "fault_dup=0.03,fault_reorder=0.05",
		"--vdev", "net_sim_inline1,fault_seed=11,fault_punt=0.2,"
			  "fault_spurious_fail=0.01",
	};
	static const char *const reset_args[] = {
		"--vdev", ("net_sim_inline0,fault_seed=7,fault_drop=0.02,"
			   "fault_dup=0.03,fault_reorder=0.05,"
			   "sec_reset_on_stop=1"),
		"--vdev", ("net_sim_inline1,fault_seed=11,fault_punt=0.2,"
			   "fault_spurious_fail=0.01,sec_reset_on_stop=1"),
	};

	(void)state;
	espt_keys_fill(&keys, 11);
	return espt_nic_pair_setup("lib-faults",
				   reset_mode ? reset_args : args,
				   RTE_DIM(args), 8191, &pool, &ctx);
}

/* Every case gives back all it took: the pool is full again (a started
 * sim_inline port takes mbufs from it only for the frames it delivers). */
static int
case_teardown(void **state)
{
	(void)state;
	return test_pool_full(pool) ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_inv3_fault_matrix,
					  case_teardown),
	};
	int ret;

	if (argc > 1 && strcmp(argv[1], "--inline-protocol") == 0) {
		mode_flags = 0;
	} else if (argc > 1 && strcmp(argv[1], "--reset") == 0) {
		mode_flags = 0;
		reset_mode = true;
	} else if (argc > 1) {
		fprintf(stderr, "usage: %s [--inline-protocol|--reset]\n",
			argv[0]);
		return 2;
	}
	ret = cmocka_run_group_tests(tests, setup, NULL);
	/* Here, not as the group teardown, whose failure CMocka 1.1 does
	 * not count: the pool full once the ports are closed. */
	return espt_nic_pair_teardown(ctx, pool) != 0 ? 1 : ret;
}
