/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lifetimes in seconds (soft 1 s, hard 2 s, real time: the whole file runs
 * in about 2.5 s). Every scenario runs side by side in one time loop, each
 * in its own context so that dpsec_sa_expire_check() on one cannot hide
 * whether bursts on another check their SA:
 *
 *   traffic   outbound SA with limits, and inbound SA with limits, both
 *             under traffic every step; never an expire check.
 *   idle      an outbound and an inbound SA without traffic;
 *             dpsec_sa_expire_check() every step.
 *   late      an idle SA first checked after both deadlines: one check
 *             raises both events, soft first.
 *
 * For every SA: SOFT_EXPIRED then HARD_EXPIRED, once each, not before
 * their deadline; dpsec_sa_info() state ACTIVE -> SOFT_EXPIRED -> DEAD in
 * step with the events; packets of a burst after the hard deadline are
 * SA_DEAD (and counted), packets before it all pass.
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

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum {
	BURST = 4,
	PKT_LEN = 100,
	STEP_MS = 50,
	RUN_MS = 2300,		/* past the hard deadline by 3 steps */
	MAX_EV = 32,
	SOFT_S = 1,
	HARD_S = 2,
	SLACK_MS = 600,		/* how late an event may be (loaded CI) */
};

/* The SAs under test, by role. */
enum role { R_OUT, R_IN, R_IDLE_OUT, R_IDLE_IN, R_LATE, R_MAX };

static const char *const role_name[R_MAX] = {
	"traffic-out", "traffic-in", "idle-out", "idle-in", "late",
};

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx_traffic, *ctx_idle, *ctx_late;
static struct dpsec_sa *sa[R_MAX];
static struct dpsec_sa *carrier;	/* outbound feeding R_IN, no limits */
static uint64_t created[R_MAX];

/* Events seen, in order, with the TSC when they came. */
static struct {
	struct dpsec_sa *sa[MAX_EV];
	enum dpsec_event ev[MAX_EV];
	uint64_t tsc[MAX_EV];
	unsigned int nb;
} evs;

static void
ev_cb(struct dpsec_ctx *c, struct dpsec_sa *s, enum dpsec_event e,
      uint64_t userdata, void *arg)
{
	(void)c;
	(void)userdata;
	(void)arg;
	/* no assertions here: this runs inside a burst */
	if (evs.nb < MAX_EV) {
		evs.sa[evs.nb] = s;
		evs.ev[evs.nb] = e;
		evs.tsc[evs.nb] = rte_get_tsc_cycles();
	}
	evs.nb++;
}

/* How many events of kind @e @s got so far. */
static unsigned int
ev_count(struct dpsec_sa *s, enum dpsec_event e)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < RTE_MIN(evs.nb, (unsigned int)MAX_EV); i++)
		n += evs.sa[i] == s && evs.ev[i] == e;
	return n;
}

static enum dpsec_sa_state
sa_state(struct dpsec_sa *s)
{
	struct dpsec_sa_info info;

	assert_int_equal(dpsec_sa_info(s, &info), 0);
	return info.state;
}

/* The state the events so far call for. */
static enum dpsec_sa_state
expected_state(struct dpsec_sa *s)
{
	if (ev_count(s, DPSEC_EV_HARD_EXPIRED) != 0)
		return DPSEC_SA_DEAD;
	if (ev_count(s, DPSEC_EV_SOFT_EXPIRED) != 0)
		return DPSEC_SA_SOFT_EXPIRED;
	return DPSEC_SA_ACTIVE;
}

static const struct espt_keys *
keys(void)
{
	static struct espt_keys k;

	espt_keys_fill(&k, 11);
	return &k;
}

static struct dpsec_sa *
make_sa(struct dpsec_ctx *c, enum dpsec_sa_dir dir, uint32_t spi,
	uint64_t soft_s, uint64_t hard_s)
{
	struct dpsec_sa_conf conf;
	struct dpsec_sa *s;

	espt_conf(&conf, espt_alg_find("gcm128"), keys(), dir,
		  DPSEC_SA_TUNNEL, 4, spi, 0);
	conf.soft.seconds = soft_s;
	conf.hard.seconds = hard_s;
	s = dpsec_sa_create(c, &conf);
	if (s == NULL)
		fail_msg("SA 0x%x: %s", spi, rte_strerror(rte_errno));
	return s;
}

static void
build_burst(struct rte_mbuf *m[], unsigned int nb, uint32_t tag)
{
	uint8_t buf[ESPT_PKT_MAX];

	for (unsigned int i = 0; i < nb; i++) {
		size_t len = espt_pkt_build(buf, 4, IPPROTO_UDP, PKT_LEN,
					    tag + i);

		m[i] = espt_mbuf(pool, buf, len);
		assert_non_null(m[i]);
	}
}

static void
free_burst(struct rte_mbuf *m[], unsigned int nb)
{
	for (unsigned int i = 0; i < nb; i++)
		rte_pktmbuf_free(m[i]);
}

/*
 * One burst on @s (R_OUT: dpsec_sa_outbound; R_IN: the carrier protects,
 * dpsec_inbound delivers). All must pass, or, once the hard event came
 * (it is raised before the burst's packets), all must be SA_DEAD.
 */
static void
traffic_step(enum role r, uint32_t tag)
{
	struct rte_mbuf *m[BURST];
	struct dpsec_sa *s = sa[r];
	uint16_t n;

	build_burst(m, BURST, tag);
	if (r == R_OUT) {
		n = dpsec_sa_outbound(s, m, BURST);
	} else {
		assert_int_equal(dpsec_sa_outbound(carrier, m, BURST), BURST);
		n = dpsec_inbound(ctx_traffic, m, BURST, NULL);
	}
	if (ev_count(s, DPSEC_EV_HARD_EXPIRED) == 0) {
		assert_int_equal(n, BURST);
	} else {
		assert_int_equal(n, 0);
		for (unsigned int i = 0; i < BURST; i++)
			assert_int_equal(dpsec_mbuf_reason(m[i]),
					 DPSEC_R_SA_DEAD);
	}
	free_burst(m, BURST);
}

static void
test_seconds(void **state)
{
	uint64_t hz = rte_get_tsc_hz(), start, now;
	unsigned int seen[R_MAX] = { 0 };	/* bit per state observed */
	enum dpsec_sa_state last[R_MAX] = { DPSEC_SA_ACTIVE };
	int checked = 0, ret;
	uint32_t tag = 0;

	(void)state;
	start = rte_get_tsc_cycles();	/* before creation: never early */
	sa[R_OUT] = make_sa(ctx_traffic, DPSEC_SA_OUTBOUND, 0x7001, SOFT_S,
			    HARD_S);
	sa[R_IN] = make_sa(ctx_traffic, DPSEC_SA_INBOUND, 0x7002, SOFT_S,
			   HARD_S);
	carrier = make_sa(ctx_traffic, DPSEC_SA_OUTBOUND, 0x7002, 0, 0);
	sa[R_IDLE_OUT] = make_sa(ctx_idle, DPSEC_SA_OUTBOUND, 0x7003, SOFT_S,
				 HARD_S);
	sa[R_IDLE_IN] = make_sa(ctx_idle, DPSEC_SA_INBOUND, 0x7004, SOFT_S,
				HARD_S);
	sa[R_LATE] = make_sa(ctx_late, DPSEC_SA_OUTBOUND, 0x7005, SOFT_S,
			     HARD_S);
	for (unsigned int r = 0; r < R_MAX; r++)
		created[r] = start;

	/* Nothing due yet. */
	assert_int_equal(dpsec_sa_expire_check(ctx_idle), 0);
	assert_int_equal(dpsec_sa_expire_check(NULL), -EINVAL);

	do {
		traffic_step(R_OUT, tag);
		traffic_step(R_IN, tag + 100);
		tag += BURST;
		ret = dpsec_sa_expire_check(ctx_idle);
		assert_true(ret >= 0 && ret <= 2);
		checked += ret;

		for (unsigned int r = 0; r < R_MAX; r++) {
			enum dpsec_sa_state st = sa_state(sa[r]);

			if (r == R_LATE) {
				assert_int_equal(st, DPSEC_SA_ACTIVE);
				continue;
			}
			if (st != expected_state(sa[r]))
				fail_msg("%s: state %d, events call for %d",
					 role_name[r], st,
					 expected_state(sa[r]));
			assert_true(st >= last[r]);	/* never back */
			last[r] = st;
			seen[r] |= 1u << st;
		}
		test_delay_ms(STEP_MS);
		now = rte_get_tsc_cycles();
	} while (now - start < hz * RUN_MS / 1000);

	/* The late SA: one check, both events, soft first. */
	assert_int_equal(ev_count(sa[R_LATE], DPSEC_EV_SOFT_EXPIRED), 0);
	assert_int_equal(dpsec_sa_expire_check(ctx_late), 2);
	assert_int_equal(evs.ev[evs.nb - 2], DPSEC_EV_SOFT_EXPIRED);
	assert_ptr_equal(evs.sa[evs.nb - 2], sa[R_LATE]);
	assert_int_equal(evs.ev[evs.nb - 1], DPSEC_EV_HARD_EXPIRED);
	assert_ptr_equal(evs.sa[evs.nb - 1], sa[R_LATE]);
	assert_int_equal(sa_state(sa[R_LATE]), DPSEC_SA_DEAD);
	seen[R_LATE] = 7;

	/* Once only: more checks and bursts raise nothing new. */
	assert_int_equal(checked, 4);
	assert_int_equal(dpsec_sa_expire_check(ctx_idle), 0);
	assert_int_equal(dpsec_sa_expire_check(ctx_late), 0);
	assert_int_equal(dpsec_sa_expire_check(ctx_traffic), 0);
	traffic_step(R_OUT, tag);
	assert_true(evs.nb <= MAX_EV);
	assert_int_equal(evs.nb, 2 * R_MAX);

	for (unsigned int r = 0; r < R_MAX; r++) {
		uint64_t soft_t = 0, hard_t = 0;
		unsigned int soft_i = 0, hard_i = 0;

		assert_int_equal(ev_count(sa[r], DPSEC_EV_SOFT_EXPIRED), 1);
		assert_int_equal(ev_count(sa[r], DPSEC_EV_HARD_EXPIRED), 1);
		assert_int_equal(ev_count(sa[r], DPSEC_EV_SEQ_EXHAUSTED), 0);
		for (unsigned int i = 0; i < evs.nb; i++) {
			if (evs.sa[i] != sa[r])
				continue;
			if (evs.ev[i] == DPSEC_EV_SOFT_EXPIRED) {
				soft_t = evs.tsc[i];
				soft_i = i;
			} else {
				hard_t = evs.tsc[i];
				hard_i = i;
			}
		}
		assert_true(soft_i < hard_i);
		/* Not early (creation followed @start), not much late. */
		assert_true(soft_t - created[r] >= SOFT_S * hz);
		assert_true(hard_t - created[r] >= HARD_S * hz);
		if (r != R_LATE) {
			if (soft_t - created[r] > SOFT_S * hz +
						  hz * SLACK_MS / 1000)
				fail_msg("%s: soft event %" PRIu64 " ms late",
					 role_name[r],
					 (soft_t - created[r]) * 1000 / hz -
					 SOFT_S * 1000);
			assert_true(hard_t - created[r] <= HARD_S * hz +
							   hz * SLACK_MS / 1000);
			/* Every state was seen, in order (checked above). */
			assert_int_equal(seen[r], 7);
		}
	}

	/* The dropped bursts were counted as SA_DEAD. */
	{
		struct dpsec_sa_stats st;

		assert_int_equal(dpsec_sa_stats_get(sa[R_OUT], &st), 0);
		assert_true(st.drops[DPSEC_R_SA_DEAD] >= 2 * BURST);
		assert_int_equal(st.drops[DPSEC_R_SEQ_OVERFLOW], 0);
		assert_int_equal(dpsec_sa_stats_get(sa[R_IN], &st), 0);
		assert_true(st.drops[DPSEC_R_SA_DEAD] >= BURST);
	}
}

/* Seconds are accepted now (no ENOTSUP); an absurd value never expires. */
static void
test_seconds_conf(void **state)
{
	struct dpsec_sa *s;

	(void)state;
	s = make_sa(ctx_late, DPSEC_SA_OUTBOUND, 0x7100, UINT64_MAX,
		    UINT64_MAX);
	assert_int_equal(dpsec_sa_expire_check(ctx_late), 0);
	assert_int_equal(sa_state(s), DPSEC_SA_ACTIVE);
	assert_int_equal(dpsec_sa_destroy(ctx_late, s), 0);
	/* hard only */
	s = make_sa(ctx_late, DPSEC_SA_INBOUND, 0x7101, 0, 1);
	assert_int_equal(sa_state(s), DPSEC_SA_ACTIVE);
	assert_int_equal(dpsec_sa_destroy(ctx_late, s), 0);
}

/* Every case gives back every mbuf, the packets of dead SAs included.
 * (Not in the group teardown: CMocka 1.1 does not count its failure.) */
static int
case_teardown(void **state)
{
	(void)state;
	return test_pool_full(pool) ? 0 : -1;
}

static int
group_setup(void **state)
{
	(void)state;
	pool = test_pool_create("lt_pool", 511, 2048);
	ctx_traffic = espt_ctx("lt_traffic", DPSEC_BACKEND_IPSEC_MB, 16);
	ctx_idle = espt_ctx("lt_idle", DPSEC_BACKEND_IPSEC_MB, 16);
	ctx_late = espt_ctx("lt_late", DPSEC_BACKEND_IPSEC_MB, 16);
	if (pool == NULL || ctx_traffic == NULL || ctx_idle == NULL ||
	    ctx_late == NULL)
		return -1;
	dpsec_event_cb_set(ctx_traffic, ev_cb, NULL);
	dpsec_event_cb_set(ctx_idle, ev_cb, NULL);
	dpsec_event_cb_set(ctx_late, ev_cb, NULL);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	dpsec_free(ctx_traffic);
	dpsec_free(ctx_idle);
	dpsec_free(ctx_late);
	rte_mempool_free(pool);
	return 0;
}

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_seconds_conf, case_teardown),
		cmocka_unit_test_teardown(test_seconds, case_teardown),
	};
	int ret;

	if (test_eal_init("lib-sa-lifetime-time", eal_args,
			  (int)RTE_DIM(eal_args)) < 0)
		return 1;
	ret = cmocka_run_group_tests_name("lib-sa-lifetime-time", tests,
					  group_setup, group_teardown);
	rte_eal_cleanup();
	return ret;
}
