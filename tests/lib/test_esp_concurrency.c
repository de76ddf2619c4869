/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One SA, two lcores at once (doc/programmers_guide.md, "Threading model"):
 * - outbound: N packets protected from both lcores; the SNs on the wire are
 *   distinct and exactly 1..N (invariant 1, doc/security_model.md);
 * - inbound: both lcores are fed every one of those packets, in SN order,
 *   with duplicates inside their bursts: each SN is delivered exactly once
 *   (the window update re-checks under the SA's lock);
 * - destroy under traffic: one lcore keeps sending on an SA's handle while
 *   the other destroys the SA and creates new ones in its slot and memory:
 *   each burst is wholly protected or wholly refused (BAD_HANDLE), never
 *   again protected after the first refusal, and the new SAs are never
 *   touched (no sequence number, no packet counted).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum {
	N = 100000,		/* packets, both lcores together */
	BURST = 32,
	STRIDE = 160,		/* bytes kept per wire packet */
	PKT_LEN = 64,
	DUP_EVERY = 5,		/* a duplicate after every 5th packet */
	NB_LC = 2,
};

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;
static struct dpsec_sa *osa, *isa;

/* Outbound results, by producer: SN and the wire bytes. */
static uint8_t *wire;		/* N * STRIDE */
static uint16_t *wire_len;	/* N */
static uint32_t *wire_sn;	/* N */
static uint32_t *by_sn;		/* SN - 1 -> index into wire */
static uint32_t *delivered;	/* tag -> times delivered (atomic) */

struct worker {
	unsigned int idx;		/* 0 or 1 */
	unsigned int bad;		/* unexpected results */
	uint64_t good, refused;
	char err[128];
};

static int
outb_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int first = w->idx * (N / NB_LC), end = first + N / NB_LC;
	uint8_t buf[ESPT_PKT_MAX];
	struct rte_mbuf *m[BURST];

	for (unsigned int i = first; i < end; i += BURST) {
		unsigned int nb = RTE_MIN((unsigned int)BURST, end - i);
		uint16_t n;

		for (unsigned int k = 0; k < nb; k++) {
			size_t len = espt_pkt_build(buf, 4, 253, PKT_LEN,
						    i + k);

			m[k] = espt_mbuf(pool, buf, len);
			if (m[k] == NULL) {
				snprintf(w->err, sizeof(w->err), "no mbuf");
				test_free_bulk(m, k);
				return -1;
			}
		}
		n = dpsec_sa_outbound(osa, m, (uint16_t)nb);
		if (n != nb) {
			w->bad++;
			snprintf(w->err, sizeof(w->err), "outbound %u/%u: %s",
				 n, nb, dpsec_reason_str(dpsec_mbuf_reason(
					 m[n])));
		}
		for (unsigned int k = 0; k < n; k++) {
			struct espt_wire pw;
			uint8_t *dst = wire + (size_t)(i + k) * STRIDE;
			size_t len = rte_pktmbuf_pkt_len(m[k]);

			if (len > STRIDE ||
			    espt_mbuf_bytes(m[k], dst) != len ||
			    espt_wire_parse(dst, len, &pw) != 0) {
				w->bad++;
				continue;
			}
			wire_len[i + k] = (uint16_t)len;
			wire_sn[i + k] = pw.sn;
		}
		w->good += n;
		test_free_bulk(m, nb);
	}
	return 0;
}

static int
inb_worker(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *m[BURST];
	unsigned int sn = 1, since_dup = 0;

	/* every SN in order, a duplicate of the previous packet now and then;
	 * the second lcore offsets its duplicates */
	since_dup = w->idx * 2;
	while (sn <= N) {
		unsigned int nb = 0;
		uint16_t n;

		while (nb < BURST && sn <= N) {
			unsigned int j;

			if (since_dup == DUP_EVERY && nb > 0) {
				j = by_sn[sn - 2];
				since_dup = 0;
			} else {
				j = by_sn[sn - 1];
				sn++;
				since_dup++;
			}
			m[nb] = espt_mbuf(pool, wire + (size_t)j * STRIDE,
					  wire_len[j]);
			if (m[nb] == NULL) {
				snprintf(w->err, sizeof(w->err), "no mbuf");
				test_free_bulk(m, nb);
				return -1;
			}
			nb++;
		}
		n = dpsec_inbound(ctx, m, (uint16_t)nb, NULL);
		for (unsigned int k = 0; k < n; k++) {
			uint32_t tag = espt_mbuf_tag(m[k]);

			if (tag >= N) {
				w->bad++;
				continue;
			}
			__atomic_fetch_add(&delivered[tag], 1,
					   __ATOMIC_RELAXED);
		}
		for (unsigned int k = n; k < nb; k++)
			if (dpsec_mbuf_reason(m[k]) != DPSEC_R_REPLAY) {
				w->bad++;
				snprintf(w->err, sizeof(w->err), "inbound: %s",
					 dpsec_reason_str(dpsec_mbuf_reason(
						 m[k])));
			}
		w->good += n;
		w->refused += nb - n;
		test_free_bulk(m, nb);
	}
	return 0;
}

/* Destroy under traffic (test_outbound_destroy_race). */
static struct dpsec_sa *victim;
static uint32_t race_bursts;	/* bursts the sender finished (atomic) */
static uint32_t race_stop;	/* atomic */

static int
race_sender(void *arg)
{
	struct worker *w = arg;
	uint8_t buf[ESPT_PKT_MAX];
	struct rte_mbuf *m[BURST];
	bool refused_once = false;

	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
		uint16_t n;

		for (unsigned int k = 0; k < BURST; k++) {
			size_t len = espt_pkt_build(buf, 4, 253, PKT_LEN, k);

			m[k] = espt_mbuf(pool, buf, len);
			if (m[k] == NULL) {
				snprintf(w->err, sizeof(w->err), "no mbuf");
				test_free_bulk(m, k);
				return -1;
			}
		}
		n = dpsec_sa_outbound(victim, m, BURST);
		if (n == BURST && !refused_once) {
			w->good += n;
		} else if (n == 0 && ((dpsec_mbuf_reason(m[0]) ==
			   DPSEC_R_BAD_HANDLE &&
			   dpsec_mbuf_reason(m[BURST - 1]) ==
			   DPSEC_R_BAD_HANDLE) ||
			   /* A burst that resolved the handle just before
			    * the destroy unlinked it finds the SA dead
			    * ("being deleted"): refused whole as well. */
			   (dpsec_mbuf_reason(m[0]) == DPSEC_R_SA_DEAD &&
			    dpsec_mbuf_reason(m[BURST - 1]) ==
			    DPSEC_R_SA_DEAD))) {
			refused_once = true;
			w->refused += BURST;
		} else {
			w->bad++;
			snprintf(w->err, sizeof(w->err), "burst %u/%u (%s)%s",
				 n, BURST, dpsec_reason_str(
					 dpsec_mbuf_reason(m[n % BURST])),
				 refused_once ? " after a refusal" : "");
		}
		test_free_bulk(m, BURST);
		__atomic_fetch_add(&race_bursts, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static void
wait_bursts(uint32_t more)
{
	uint32_t target = __atomic_load_n(&race_bursts, __ATOMIC_ACQUIRE) +
			  more;

	while (__atomic_load_n(&race_bursts, __ATOMIC_ACQUIRE) < target)
		rte_pause();
}

static void
test_outbound_destroy_race(void **state)
{
	const struct espt_alg *a = espt_alg_find("gcm128");
	unsigned int lc = rte_get_next_lcore(-1, 1, 0);
	struct dpsec_sa *fresh[4];
	struct dpsec_sa_conf c;
	struct dpsec_sa_info info;
	struct dpsec_sa_stats st;
	struct espt_keys k;
	struct worker w;

	(void)state;
	espt_keys_fill(&k, 5);
	espt_conf(&c, a, &k, DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4, 0x7800, 0);
	victim = dpsec_sa_create(ctx, &c);
	assert_non_null(victim);
	memset(&w, 0, sizeof(w));
	race_stop = 0;
	assert_int_equal(rte_eal_remote_launch(race_sender, &w, lc), 0);
	wait_bursts(20);
	assert_int_equal(dpsec_sa_destroy(ctx, victim), 0);
	for (unsigned int i = 0; i < RTE_DIM(fresh); i++) {
		espt_conf(&c, a, &k, DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
			  0x7900 + i, 0);
		fresh[i] = dpsec_sa_create(ctx, &c);
		assert_non_null(fresh[i]);
		wait_bursts(5);
	}
	wait_bursts(50);
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_wait_lcore(lc), 0);
	if (w.err[0] != '\0')
		print_message("sender: %s\n", w.err);
	assert_int_equal(w.bad, 0);
	assert_true(w.good >= 20 * BURST);
	assert_true(w.refused >= 50 * BURST);
	for (unsigned int i = 0; i < RTE_DIM(fresh); i++) {
		assert_int_equal(dpsec_sa_info(fresh[i], &info), 0);
		assert_int_equal(info.seq, 0);
		assert_int_equal(dpsec_sa_stats_get(fresh[i], &st), 0);
		assert_int_equal(st.packets, 0);
		assert_int_equal(dpsec_sa_destroy(ctx, fresh[i]), 0);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, victim), -ENOENT);
	assert_true(test_pool_full(pool));
}

/* Run @fn on the main lcore and the first worker at once. */
static void
run_both(lcore_function_t *fn, struct worker w[NB_LC])
{
	unsigned int lc = rte_get_next_lcore(-1, 1, 0);
	int rc0, rc1;

	memset(w, 0, NB_LC * sizeof(*w));
	w[0].idx = 0;
	w[1].idx = 1;
	assert_true(lc < RTE_MAX_LCORE);
	assert_int_equal(rte_eal_remote_launch(fn, &w[1], lc), 0);
	rc0 = fn(&w[0]);
	rc1 = rte_eal_wait_lcore(lc);
	for (unsigned int i = 0; i < NB_LC; i++)
		if (w[i].err[0] != '\0')
			print_message("lcore %u: %s\n", i, w[i].err);
	assert_int_equal(rc0, 0);
	assert_int_equal(rc1, 0);
	assert_int_equal(w[0].bad, 0);
	assert_int_equal(w[1].bad, 0);
}

static void
test_inv1_outbound_two_lcores(void **state)
{
	struct worker w[NB_LC];
	uint8_t *seen = calloc(N + 1, 1);
	struct dpsec_sa_stats st;
	struct dpsec_sa_info info;

	(void)state;
	assert_non_null(seen);
	run_both(outb_worker, w);
	assert_int_equal(w[0].good + w[1].good, N);
	/* distinct and contiguous: a permutation of 1..N */
	for (unsigned int i = 0; i < N; i++) {
		uint32_t sn = wire_sn[i];

		if (sn == 0 || sn > N || seen[sn])
			fail_msg("packet %u: SN %u %s", i, sn,
				 sn == 0 || sn > N ? "out of 1..N" : "twice");
		seen[sn] = 1;
		by_sn[sn - 1] = i;
	}
	free(seen);
	assert_int_equal(dpsec_sa_stats_get(osa, &st), 0);
	assert_int_equal(st.packets, N);
	assert_int_equal(dpsec_sa_info(osa, &info), 0);
	assert_int_equal(info.seq, N);
	assert_true(test_pool_full(pool));
}

static void
test_inbound_two_lcores(void **state)
{
	struct worker w[NB_LC];
	struct dpsec_sa_stats st;
	struct dpsec_sa_info info;
	uint64_t offered;

	(void)state;
	if (wire_sn[0] == 0)
		fail_msg("no packets from the outbound test to feed inbound");
	run_both(inb_worker, w);
	for (unsigned int t = 0; t < N; t++)
		if (delivered[t] != 1)
			fail_msg("packet %u delivered %u times", t,
				 delivered[t]);
	assert_int_equal(w[0].good + w[1].good, N);
	offered = w[0].good + w[0].refused + w[1].good + w[1].refused;
	assert_true(offered > 2 * (uint64_t)N);
	assert_int_equal(dpsec_sa_stats_get(isa, &st), 0);
	assert_int_equal(st.packets, N);
	assert_int_equal(st.drops[DPSEC_R_REPLAY], offered - N);
	assert_int_equal(dpsec_sa_info(isa, &info), 0);
	assert_int_equal(info.seq, N);
	assert_true(test_pool_full(pool));
}

static int
group_setup(void **state)
{
	const struct espt_alg *a = espt_alg_find("gcm128");
	struct dpsec_sa_conf c;
	static struct espt_keys k;

	(void)state;
	if (rte_lcore_count() < NB_LC) {
		print_message("needs 2 lcores, EAL has %u\n",
			      rte_lcore_count());
		return -1;
	}
	wire = calloc(N, STRIDE);
	wire_len = calloc(N, sizeof(*wire_len));
	wire_sn = calloc(N, sizeof(*wire_sn));
	by_sn = calloc(N, sizeof(*by_sn));
	delivered = calloc(N, sizeof(*delivered));
	pool = test_pool_create("conc_pool", 2047, 512);
	ctx = espt_ctx("conc_mb", DPSEC_BACKEND_IPSEC_MB, 8);
	if (wire == NULL || wire_len == NULL || wire_sn == NULL ||
	    by_sn == NULL || delivered == NULL || pool == NULL || ctx == NULL)
		return -1;
	espt_keys_fill(&k, 99);
	espt_conf(&c, a, &k, DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4, 0x7777, 0);
	osa = dpsec_sa_create(ctx, &c);
	espt_conf(&c, a, &k, DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4, 0x7777, 0);
	isa = dpsec_sa_create(ctx, &c);
	return osa != NULL && isa != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	dpsec_free(ctx);
	rte_mempool_free(pool);
	free(wire);
	free(wire_len);
	free(wire_sn);
	free(by_sn);
	free(delivered);
	return 0;
}

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0-1" };
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inv1_outbound_two_lcores),
		cmocka_unit_test(test_inbound_two_lcores),
		cmocka_unit_test(test_outbound_destroy_race),
	};
	int ret;

	if (test_eal_init("lib-esp-concurrency", eal_args,
			  (int)RTE_DIM(eal_args)) < 0)
		return 1;
	ret = cmocka_run_group_tests_name("lib-esp-concurrency", tests,
					  group_setup, group_teardown);
	rte_eal_cleanup();
	return ret;
}
