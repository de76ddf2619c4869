/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA life: sequence number exhaustion (invariant 1, doc/security_model.md: an SN is never used
 * twice, the space never wraps), ESN across the 32-bit boundary, soft and
 * hard lifetimes in packets and bytes with their events, lifetimes and
 * userdata changed on a live SA (dpsec_sa_update()), destroy and
 * re-create, and the errno contract of dpsec_sa_create().
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
#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum {
	MAX_BURST = 64,
	PKT_LEN = 100,		/* tunnel: also the ESP payload bytes */
	NB_EV = 3,
};

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;
static uint32_t next_spi = 0x5000;

/* Events seen, in order. */
static struct {
	unsigned int count[NB_EV];
	enum dpsec_event order[16];
	struct dpsec_sa *sa[16];
	uint64_t userdata[16];
	unsigned int nb;
} ev;

static void
ev_cb(struct dpsec_ctx *c, struct dpsec_sa *sa, enum dpsec_event e,
      uint64_t userdata, void *arg)
{
	/* no assertions here: this runs inside a burst */
	if (c != ctx || arg != &ev)
		return;
	if ((unsigned int)e < NB_EV)
		ev.count[e]++;
	if (ev.nb < RTE_DIM(ev.order)) {
		ev.order[ev.nb] = e;
		ev.sa[ev.nb] = sa;
		ev.userdata[ev.nb] = userdata;
	}
	ev.nb++;
}

static void
ev_reset(void)
{
	memset(&ev, 0, sizeof(ev));
}

/* Per-test resources released by teardown if an assertion fails. */
static struct {
	struct dpsec_sa *sa[8];
	struct rte_mbuf *m[MAX_BURST];
} res;

static int
res_teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(res.m); i++)
		rte_pktmbuf_free(res.m[i]);
	for (unsigned int i = 0; i < RTE_DIM(res.sa); i++)
		if (res.sa[i] != NULL)
			dpsec_sa_destroy(ctx, res.sa[i]);
	memset(&res, 0, sizeof(res));
	ev_reset();
	/* What the case's packets and SAs held is back (not in the group
	 * teardown: CMocka 1.1 does not count its failure). */
	return test_pool_full(pool) ? 0 : -1;
}

static struct dpsec_sa *
sa_new(unsigned int slot, const struct dpsec_sa_conf *c)
{
	struct dpsec_sa *sa = dpsec_sa_create(ctx, c);

	if (sa == NULL)
		fail_msg("SA 0x%x: %s", c->spi, rte_strerror(rte_errno));
	res.sa[slot] = sa;
	return sa;
}

static void
sa_del(unsigned int slot)
{
	assert_int_equal(dpsec_sa_destroy(ctx, res.sa[slot]), 0);
	res.sa[slot] = NULL;
}

static const struct espt_keys *
keys(void)
{
	static struct espt_keys k;

	espt_keys_fill(&k, 7);
	return &k;
}

/*
 * Protect @nb packets; the good ones' wire SNs go to @sn (host order);
 * the others' reasons to @why. If @in_sa is not NULL the good ones are
 * then given to dpsec_inbound and must all come back. Returns the number
 * protected.
 */
static uint16_t
send_burst(struct dpsec_sa *osa, uint8_t family, unsigned int nb,
	   uint32_t *sn, enum dpsec_reason *why, bool inbound)
{
	uint8_t buf[ESPT_PKT_MAX];
	struct rte_mbuf **m = res.m;
	uint16_t n;

	assert_true(nb <= MAX_BURST);
	for (unsigned int i = 0; i < nb; i++) {
		size_t len = espt_pkt_build(buf, family, IPPROTO_UDP, PKT_LEN,
					    i);

		m[i] = espt_mbuf(pool, buf, len);
		assert_non_null(m[i]);
	}
	n = dpsec_sa_outbound(osa, m, (uint16_t)nb);
	for (unsigned int i = 0; i < n; i++) {
		struct espt_wire w;
		uint8_t wire[ESPT_PKT_MAX];
		size_t len = espt_mbuf_bytes(m[i], wire);

		assert_int_equal(espt_wire_parse(wire, len, &w), 0);
		if (sn != NULL)
			sn[i] = w.sn;
	}
	for (unsigned int i = n; i < nb; i++)
		if (why != NULL)
			why[i - n] = dpsec_mbuf_reason(m[i]);
	if (inbound && n > 0)
		assert_int_equal(dpsec_inbound(ctx, m, n, NULL), n);
	test_free_bulk(m, nb);
	memset(res.m, 0, sizeof(res.m));
	return n;
}

static enum dpsec_sa_state
sa_state(const struct dpsec_sa *sa)
{
	struct dpsec_sa_info info;

	assert_int_equal(dpsec_sa_info(sa, &info), 0);
	return info.state;
}

static uint64_t
sa_seq(const struct dpsec_sa *sa)
{
	struct dpsec_sa_info info;

	assert_int_equal(dpsec_sa_info(sa, &info), 0);
	return info.seq;
}

/* ---- sequence number exhaustion, 32-bit (invariant 1, doc/security_model.md) ---- */

struct exhaust_row {
	const char *name;
	uint32_t flags;
	uint64_t seq_start;
	uint64_t last;			/* last usable SN */
	unsigned int bursts[6];		/* sizes, 0 ends */
};

static const struct exhaust_row exhaust_rows[] = {
	{ "sn32-cross-in-burst", 0, UINT32_MAX - 10, UINT32_MAX,
	  { 16, 4, 1 } },
	{ "sn32-exact-then-one", 0, UINT32_MAX - 16, UINT32_MAX,
	  { 16, 1, 1 } },
	{ "sn32-one-by-one", 0, UINT32_MAX - 3, UINT32_MAX,
	  { 1, 1, 1, 1, 1, 1 } },
	{ "sn32-single-left", 0, UINT32_MAX - 1, UINT32_MAX, { 5, 5 } },
	{ "sn32-big-burst", 0, UINT32_MAX - 100, UINT32_MAX,
	  { 64, 64, 64 } },
	{ "esn-64bit-end", DPSEC_SA_F_ESN, UINT64_MAX - 10, UINT64_MAX,
	  { 8, 8, 8 } },
};

static void
test_inv1_exhaustion(void **state)
{
	const struct exhaust_row *row = *state;
	struct dpsec_sa_conf c;
	struct dpsec_sa *sa;
	struct dpsec_sa_stats st;
	uint64_t expect = row->seq_start + 1, usable = row->last -
							row->seq_start;
	uint64_t sent = 0, refused = 0, overflow = 0;
	bool dead = false;

	espt_conf(&c, espt_alg_find("gcm128"), keys(), DPSEC_SA_OUTBOUND,
		  DPSEC_SA_TUNNEL, 4, next_spi++, row->flags);
	c.seq_start = row->seq_start;
	sa = sa_new(0, &c);
	ev_reset();
	for (unsigned int b = 0; b < RTE_DIM(row->bursts) && row->bursts[b];
	     b++) {
		uint32_t sn[MAX_BURST];
		enum dpsec_reason why[MAX_BURST];
		unsigned int nb = row->bursts[b];
		uint16_t n = send_burst(sa, 4, nb, sn, why, false);

		/* every SN once, in order, none past the last */
		for (unsigned int i = 0; i < n; i++) {
			assert_true(expect <= row->last);
			assert_int_equal(sn[i], (uint32_t)expect);
			expect++;
		}
		sent += n;
		for (unsigned int i = 0; i < nb - n; i++) {
			if (!dead) {
				/* the first refusals: the space is spent */
				assert_int_equal(why[i], DPSEC_R_SEQ_OVERFLOW);
				overflow++;
			} else if (why[i] != DPSEC_R_SA_DEAD &&
				   why[i] != DPSEC_R_SEQ_OVERFLOW) {
				fail_msg("after exhaustion: %s",
					 dpsec_reason_str(why[i]));
			}
			refused++;
		}
		if (nb > n)
			dead = true;
		if (sent < usable) {
			assert_int_equal(sa_state(sa), DPSEC_SA_ACTIVE);
			assert_int_equal(ev.nb, 0);
		}
	}
	assert_int_equal(sent, usable);
	assert_true(overflow > 0);
	assert_int_equal(sa_state(sa), DPSEC_SA_DEAD);
	assert_int_equal(sa_seq(sa), row->last);
	/* the event once, for this SA, with its userdata */
	assert_int_equal(ev.nb, 1);
	assert_int_equal(ev.order[0], DPSEC_EV_SEQ_EXHAUSTED);
	assert_ptr_equal(ev.sa[0], sa);
	assert_int_equal(ev.userdata[0], c.userdata);
	assert_int_equal(dpsec_sa_stats_get(sa, &st), 0);
	assert_int_equal(st.packets, usable);
	assert_int_equal(st.drops[DPSEC_R_SEQ_OVERFLOW] +
			 st.drops[DPSEC_R_SA_DEAD], refused);
	sa_del(0);
}

/* An SA with a hard packet limit larger than its SN space runs out of
 * numbers first: that is exhaustion, not a hard expiry. */
static void
test_inv1_exhaustion_before_hard_limit(void **state)
{
	struct dpsec_sa_conf c;
	struct dpsec_sa *sa;

	(void)state;
	espt_conf(&c, espt_alg_find("gcm128"), keys(), DPSEC_SA_OUTBOUND,
		  DPSEC_SA_TUNNEL, 4, next_spi++, 0);
	c.seq_start = UINT32_MAX - 4;
	c.hard.packets = 1000;
	sa = sa_new(0, &c);
	ev_reset();
	assert_int_equal(send_burst(sa, 4, 8, NULL, NULL, false), 4);
	assert_int_equal(sa_state(sa), DPSEC_SA_DEAD);
	assert_int_equal(ev.nb, 1);
	assert_int_equal(ev.order[0], DPSEC_EV_SEQ_EXHAUSTED);
	sa_del(0);
}

/* ---- ESN across 2^32 ---- */

static void
test_inv1_esn_wrap(void **state)
{
	const uint64_t start = (UINT64_C(1) << 32) - 12;
	struct dpsec_sa_conf oc, ic;
	struct dpsec_sa *osa, *isa;
	uint64_t seq = start;
	bool seen_zero = false;

	(void)state;
	for (unsigned int a = 0; a < espt_nb_algs; a++) {
		uint32_t spi = next_spi++;

		espt_conf(&oc, &espt_algs[a], keys(), DPSEC_SA_OUTBOUND,
			  DPSEC_SA_TUNNEL, 6, spi, DPSEC_SA_F_ESN);
		oc.seq_start = start;
		espt_conf(&ic, &espt_algs[a], keys(), DPSEC_SA_INBOUND,
			  DPSEC_SA_TUNNEL, 6, spi, DPSEC_SA_F_ESN);
		osa = sa_new(0, &oc);
		isa = sa_new(1, &ic);
		seq = start;
		for (unsigned int b = 0; b < 6; b++) {
			uint32_t sn[MAX_BURST];
			uint16_t n = send_burst(osa, 4, 5, sn, NULL, true);

			assert_int_equal(n, 5);
			for (unsigned int i = 0; i < n; i++) {
				seq++;
				assert_int_equal(sn[i], (uint32_t)seq);
				if (sn[i] == 0)
					seen_zero = true;
			}
			/* inbound top follows, across 2^32 */
			assert_int_equal(sa_seq(isa), seq);
			assert_int_equal(sa_seq(osa), seq);
		}
		assert_true(seq > UINT64_C(1) << 32);
		assert_int_equal(sa_state(osa), DPSEC_SA_ACTIVE);
		sa_del(0);
		sa_del(1);
	}
	assert_true(seen_zero);
}

/* ---- soft and hard lifetimes ---- */

struct life_row {
	const char *name;
	enum dpsec_sa_dir dir;		/* which SA has the limits */
	struct dpsec_lifetime soft, hard;
	unsigned int soft_at, hard_at;	/* packet # raising each (1-based) */
	unsigned int burst;		/* packets per burst */
};

static const struct life_row life_rows[] = {
	{ "out-packets", DPSEC_SA_OUTBOUND, { 5, 0, 0 }, { 10, 0, 0 }, 5, 10, 1 },
	{ "out-bytes", DPSEC_SA_OUTBOUND, { 0, 5 * PKT_LEN, 0 },
	  { 0, 10 * PKT_LEN, 0 }, 5, 10, 1 },
	{ "out-bytes-partial", DPSEC_SA_OUTBOUND, { 0, 4 * PKT_LEN + 1, 0 },
	  { 0, 9 * PKT_LEN + 1, 0 }, 5, 10, 1 },
	{ "out-soft-packets-hard-bytes", DPSEC_SA_OUTBOUND, { 3, 0, 0 },
	  { 0, 7 * PKT_LEN, 0 }, 3, 7, 1 },
	{ "out-soft-bytes-hard-packets", DPSEC_SA_OUTBOUND,
	  { 0, 2 * PKT_LEN, 0 }, { 6, 0, 0 }, 2, 6, 1 },
	{ "in-packets", DPSEC_SA_INBOUND, { 5, 0, 0 }, { 10, 0, 0 }, 5, 10, 1 },
	{ "in-bytes", DPSEC_SA_INBOUND, { 0, 5 * PKT_LEN, 0 },
	  { 0, 10 * PKT_LEN, 0 }, 5, 10, 1 },
	{ "out-packets-bursts", DPSEC_SA_OUTBOUND, { 8, 0, 0 }, { 24, 0, 0 },
	  8, 24, 4 },
	{ "in-packets-bursts", DPSEC_SA_INBOUND, { 8, 0, 0 }, { 24, 0, 0 },
	  8, 24, 4 },
	/* one burst crosses both limits: both events, soft first */
	{ "out-both-in-one-burst", DPSEC_SA_OUTBOUND, { 5, 0, 0 },
	  { 10, 0, 0 }, 10, 10, 20 },
};

static void
test_lifetime(void **state)
{
	const struct life_row *row = *state;
	struct dpsec_sa_conf oc, ic;
	struct dpsec_sa *osa, *isa, *lim;
	uint32_t spi = next_spi++;
	unsigned int sent = 0, delivered = 0;
	uint8_t buf[ESPT_PKT_MAX];

	espt_conf(&oc, espt_alg_find("cbc128-sha1"), keys(),
		  DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4, spi, 0);
	espt_conf(&ic, espt_alg_find("cbc128-sha1"), keys(),
		  DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4, spi, 0);
	if (row->dir == DPSEC_SA_OUTBOUND) {
		oc.soft = row->soft;
		oc.hard = row->hard;
	} else {
		ic.soft = row->soft;
		ic.hard = row->hard;
	}
	osa = sa_new(0, &oc);
	isa = sa_new(1, &ic);
	lim = row->dir == DPSEC_SA_OUTBOUND ? osa : isa;
	ev_reset();

	while (sent < row->hard_at + 2 * row->burst) {
		struct rte_mbuf **m = res.m;
		unsigned int nb = row->burst;
		uint16_t n, k;

		for (unsigned int i = 0; i < nb; i++) {
			size_t len = espt_pkt_build(buf, 4, IPPROTO_UDP,
						    PKT_LEN, sent + i);

			m[i] = espt_mbuf(pool, buf, len);
			assert_non_null(m[i]);
		}
		n = dpsec_sa_outbound(osa, m, (uint16_t)nb);
		if (row->dir == DPSEC_SA_INBOUND)
			assert_int_equal(n, nb);
		for (unsigned int i = n; i < nb; i++) {
			enum dpsec_reason r = dpsec_mbuf_reason(m[i]);

			if (r != DPSEC_R_SA_DEAD && r != DPSEC_R_SEQ_OVERFLOW)
				fail_msg("outbound refused with %s",
					 dpsec_reason_str(r));
		}
		k = dpsec_inbound(ctx, m, n, NULL);
		if (row->dir == DPSEC_SA_OUTBOUND)
			assert_int_equal(k, n);
		for (unsigned int i = k; i < n; i++)
			assert_int_equal(dpsec_mbuf_reason(m[i]),
					 DPSEC_R_SA_DEAD);
		sent += nb;
		delivered += k;
		test_free_bulk(m, nb);
		memset(res.m, 0, sizeof(res.m));

		/* events exactly at the limits, each once */
		if (delivered < row->soft_at) {
			assert_int_equal(ev.nb, 0);
			assert_int_equal(sa_state(lim), DPSEC_SA_ACTIVE);
		} else if (delivered < row->hard_at) {
			assert_int_equal(ev.nb, 1);
			assert_int_equal(ev.order[0], DPSEC_EV_SOFT_EXPIRED);
			assert_int_equal(sa_state(lim), DPSEC_SA_SOFT_EXPIRED);
		} else {
			if (ev.nb != 2 || ev.order[0] != DPSEC_EV_SOFT_EXPIRED
			    || ev.order[1] != DPSEC_EV_HARD_EXPIRED)
				fail_msg("after %u packets: %u events, first "
					 "%d", delivered, ev.nb,
					 ev.nb ? (int)ev.order[0] : -1);
			assert_ptr_equal(ev.sa[0], lim);
			assert_ptr_equal(ev.sa[1], lim);
			assert_int_equal(sa_state(lim), DPSEC_SA_DEAD);
		}
	}
	assert_int_equal(delivered, row->hard_at);
	assert_int_equal(ev.count[DPSEC_EV_SEQ_EXHAUSTED], 0);
	sa_del(0);
	sa_del(1);
}

/* ---- dpsec_sa_update(): lifetimes and userdata of a live SA ---- */

/* n packets through osa, then dpsec_inbound(); returns how many came out
 * of both; *why: the reason of the first one refused. */
static unsigned int
pass(struct dpsec_sa *osa, unsigned int n, enum dpsec_reason *why)
{
	uint8_t buf[ESPT_PKT_MAX];
	struct rte_mbuf **m = res.m;
	unsigned int done = 0;

	while (n > 0) {
		unsigned int nb = RTE_MIN(n, (unsigned int)MAX_BURST);
		uint16_t k;

		for (unsigned int i = 0; i < nb; i++) {
			size_t len = espt_pkt_build(buf, 4, IPPROTO_UDP,
						    PKT_LEN, i);

			m[i] = espt_mbuf(pool, buf, len);
			assert_non_null(m[i]);
		}
		k = dpsec_sa_outbound(osa, m, (uint16_t)nb);
		if (k < nb && why != NULL)
			*why = dpsec_mbuf_reason(m[k]);
		k = dpsec_inbound(ctx, m, k, NULL);
		if (k < nb && why != NULL && *why == DPSEC_R_NONE)
			*why = dpsec_mbuf_reason(m[k]);
		done += k;
		test_free_bulk(m, nb);
		memset(res.m, 0, sizeof(res.m));
		n -= nb;
	}
	return done;
}

static void
test_update(void **state)
{
	struct dpsec_sa_conf oc, ic;
	struct dpsec_sa *osa, *isa;
	struct dpsec_sa_update u;
	uint32_t spi = next_spi++;
	enum dpsec_reason why = DPSEC_R_NONE;

	(void)state;
	espt_conf(&oc, espt_alg_find("gcm128"), keys(), DPSEC_SA_OUTBOUND,
		  DPSEC_SA_TUNNEL, 4, spi, 0);
	espt_conf(&ic, espt_alg_find("gcm128"), keys(), DPSEC_SA_INBOUND,
		  DPSEC_SA_TUNNEL, 4, spi, 0);
	oc.hard.packets = 10;		/* raised below before it is reached */
	osa = sa_new(0, &oc);
	isa = sa_new(1, &ic);
	ev_reset();

	/* Bad calls change nothing. */
	memset(&u, 0, sizeof(u));
	assert_int_equal(dpsec_sa_update(ctx, osa, NULL), -EINVAL);
	assert_int_equal(dpsec_sa_update(ctx, osa, &u), -EINVAL);
	u.mask = 1u << 9;
	assert_int_equal(dpsec_sa_update(ctx, osa, &u), -EINVAL);
	u.mask = DPSEC_SA_UPD_USERDATA;
	assert_int_equal(dpsec_sa_update(NULL, osa, &u), -EINVAL);
	assert_int_equal(dpsec_sa_update(ctx, NULL, &u), -EINVAL);

	/* Outbound: a hard limit of 10 raised to 100 after 5 packets; the
	 * sequence space grows with it. */
	assert_int_equal(pass(osa, 5, NULL), 5);
	u.mask = DPSEC_SA_UPD_HARD;
	u.hard.packets = 100;
	assert_int_equal(dpsec_sa_update(ctx, osa, &u), 0);
	assert_int_equal(pass(osa, 20, NULL), 20);
	assert_int_equal(sa_seq(osa), 25);
	assert_int_equal(ev.nb, 0);

	/* Inbound without any limit: a soft limit below what it has done
	 * raises its event at once, with the new userdata; a hard byte
	 * limit then counts from its totals (25 packets done). */
	u.mask = DPSEC_SA_UPD_SOFT | DPSEC_SA_UPD_USERDATA;
	u.soft.packets = 20;
	u.userdata = 0xfeed;
	assert_int_equal(dpsec_sa_update(ctx, isa, &u), 0);
	assert_int_equal(ev.nb, 1);
	assert_int_equal(ev.order[0], DPSEC_EV_SOFT_EXPIRED);
	assert_ptr_equal(ev.sa[0], isa);
	assert_int_equal(ev.userdata[0], 0xfeed);
	assert_int_equal(sa_state(isa), DPSEC_SA_SOFT_EXPIRED);
	/* A larger soft limit does not revive it. */
	u.mask = DPSEC_SA_UPD_SOFT;
	u.soft.packets = 1000;
	assert_int_equal(dpsec_sa_update(ctx, isa, &u), 0);
	assert_int_equal(sa_state(isa), DPSEC_SA_SOFT_EXPIRED);
	assert_int_equal(ev.nb, 1);
	u.mask = DPSEC_SA_UPD_HARD;
	memset(&u.hard, 0, sizeof(u.hard));
	u.hard.bytes = 30 * PKT_LEN;	/* 5 more packets of PKT_LEN */
	assert_int_equal(dpsec_sa_update(ctx, isa, &u), 0);
	assert_int_equal(pass(osa, 5, NULL), 5);
	assert_int_equal(ev.nb, 2);
	assert_int_equal(ev.order[1], DPSEC_EV_HARD_EXPIRED);
	assert_int_equal(sa_state(isa), DPSEC_SA_DEAD);
	assert_int_equal(pass(osa, 1, &why), 0);
	assert_int_equal(why, DPSEC_R_SA_DEAD);
	/* Dead is final. */
	u.hard.bytes = 0;
	assert_int_equal(dpsec_sa_update(ctx, isa, &u), -EPERM);
	assert_int_equal(sa_state(isa), DPSEC_SA_DEAD);

	/* Outbound: a hard limit lowered below what it has done (31) kills
	 * it at once, and no sequence number is handed out after. */
	u.mask = DPSEC_SA_UPD_HARD;
	u.hard.packets = 31;
	ev_reset();
	assert_int_equal(dpsec_sa_update(ctx, osa, &u), 0);
	assert_int_equal(ev.nb, 1);
	assert_int_equal(ev.order[0], DPSEC_EV_HARD_EXPIRED);
	assert_int_equal(sa_state(osa), DPSEC_SA_DEAD);
	assert_int_equal(send_burst(osa, 4, 4, NULL, NULL, false), 0);
	assert_int_equal(sa_seq(osa), 31);
	assert_int_equal(dpsec_sa_update(ctx, osa, &u), -EPERM);

	/* A stale handle. */
	sa_del(1);
	u.mask = DPSEC_SA_UPD_USERDATA;
	assert_int_equal(dpsec_sa_update(ctx, isa, &u), -ENOENT);
	sa_del(0);
	assert_true(test_pool_full(pool));
}

/* ---- destroy and re-create ---- */

static void
test_destroy_recreate(void **state)
{
	struct dpsec_sa_conf oc, ic;
	struct dpsec_sa *osa, *isa;
	uint32_t spi = next_spi++;
	uint8_t buf[ESPT_PKT_MAX], wire[ESPT_PKT_MAX];
	struct rte_mbuf *m;
	size_t len;

	(void)state;
	espt_conf(&oc, espt_alg_find("gcm256"), keys(), DPSEC_SA_OUTBOUND,
		  DPSEC_SA_TRANSPORT, 6, spi, DPSEC_SA_F_NATT);
	espt_conf(&ic, espt_alg_find("gcm256"), keys(), DPSEC_SA_INBOUND,
		  DPSEC_SA_TRANSPORT, 6, spi, DPSEC_SA_F_NATT);
	for (int round = 0; round < 3; round++) {
		osa = sa_new(0, &oc);
		isa = sa_new(1, &ic);
		assert_ptr_equal(dpsec_sa_lookup(ctx, spi, NULL, NULL), isa);
		assert_int_equal(send_burst(osa, 6, 10, NULL, NULL, true), 10);

		/* one more packet, kept on the side */
		len = espt_pkt_build(buf, 6, IPPROTO_TCP, 200, 77);
		m = espt_mbuf(pool, buf, len);
		res.m[0] = m;
		assert_int_equal(dpsec_sa_outbound(osa, &m, 1), 1);
		len = espt_mbuf_bytes(m, wire);
		rte_pktmbuf_free(m);
		res.m[0] = NULL;

		sa_del(1);
		assert_null(dpsec_sa_lookup(ctx, spi, NULL, NULL));
		assert_int_equal(rte_errno, ENOENT);
		m = res.m[0] = espt_mbuf(pool, wire, len);
		assert_int_equal(dpsec_inbound(ctx, &m, 1, NULL), 0);
		assert_int_equal(dpsec_mbuf_reason(m), DPSEC_R_NO_SA);
		rte_pktmbuf_free(m);
		res.m[0] = NULL;
		sa_del(0);
		assert_true(test_pool_full(pool));
	}
	/* a foreign or NULL SA */
	assert_int_equal(dpsec_sa_destroy(ctx, NULL), -EINVAL);
	assert_int_equal(dpsec_sa_destroy(NULL, NULL), -EINVAL);
}

/* ---- dpsec_sa_create errno contract ---- */

typedef void (*conf_edit)(struct dpsec_sa_conf *c);

struct conf_row {
	const char *name;
	const char *alg;
	enum dpsec_sa_dir dir;
	conf_edit edit;
	int err;			/* 0: accepted */
};

static void c_spi0(struct dpsec_sa_conf *c) { c->spi = 0; }
static void c_spi1(struct dpsec_sa_conf *c) { c->spi = 1; }
static void c_spi255(struct dpsec_sa_conf *c) { c->spi = 255; }
static void c_spi256(struct dpsec_sa_conf *c) { c->spi = 256; }
static void c_spimax(struct dpsec_sa_conf *c) { c->spi = UINT32_MAX; }
static void c_nop(struct dpsec_sa_conf *c) { (void)c; }

static void
c_aead_auth(struct dpsec_sa_conf *c)
{
	c->auth = DPSEC_AUTH_HMAC_SHA1_96;
	c->auth_key = keys()->akey;
	c->auth_key_len = 20;
}

static void
c_no_auth(struct dpsec_sa_conf *c)
{
	c->auth = DPSEC_AUTH_NONE;
	c->auth_key = NULL;
	c->auth_key_len = 0;
}

static void c_key_nosalt(struct dpsec_sa_conf *c) { c->cipher_key_len = 16; }
static void c_key_long(struct dpsec_sa_conf *c) { c->cipher_key_len = 32; }
static void c_key_short(struct dpsec_sa_conf *c) { c->cipher_key_len = 15; }
static void c_key_null(struct dpsec_sa_conf *c) { c->cipher_key = NULL; }
static void c_akey_len(struct dpsec_sa_conf *c) { c->auth_key_len = 32; }
static void c_akey_null(struct dpsec_sa_conf *c) { c->auth_key = NULL; }

static void
c_null_with_key(struct dpsec_sa_conf *c)
{
	c->cipher_key = keys()->ckey;
	c->cipher_key_len = 16;
}

static void
c_mixed_family(struct dpsec_sa_conf *c)
{
	struct dpsec_addr s6, d6;

	espt_outer_addr(&s6, &d6, 6);
	c->dst = d6;
}

static void
c_no_family(struct dpsec_sa_conf *c)
{
	c->src.family = 0;
	c->dst.family = 0;
}

static void c_family_5(struct dpsec_sa_conf *c) { c->src.family = 5; c->dst.family = 5; }
static void c_natt_nosport(struct dpsec_sa_conf *c) { c->flags = DPSEC_SA_F_NATT; c->natt_dport = 4500; }
static void c_natt_nodport(struct dpsec_sa_conf *c) { c->flags = DPSEC_SA_F_NATT; c->natt_sport = 4500; }
static void c_natt_ok(struct dpsec_sa_conf *c) { c->flags = DPSEC_SA_F_NATT; c->natt_sport = 4500; c->natt_dport = 4501; }
static void c_flag_unknown(struct dpsec_sa_conf *c) { c->flags = 1u << 7; }
static void c_flag_top(struct dpsec_sa_conf *c) { c->flags = 1u << 31; }
static void c_window_max(struct dpsec_sa_conf *c) { c->replay_window = 1u << 20; }
static void c_window_over(struct dpsec_sa_conf *c) { c->replay_window = (1u << 20) + 1; }
static void c_window_huge(struct dpsec_sa_conf *c) { c->replay_window = UINT32_MAX; }
static void c_window_off(struct dpsec_sa_conf *c) { c->replay_window = 0; }
static void c_cipher_bad(struct dpsec_sa_conf *c) { c->cipher = (enum dpsec_cipher)99; }
static void c_auth_bad(struct dpsec_sa_conf *c) { c->auth = (enum dpsec_auth)99; }
static void c_mode_bad(struct dpsec_sa_conf *c) { c->mode = (enum dpsec_sa_mode)7; }
static void c_dir_bad(struct dpsec_sa_conf *c) { c->dir = (enum dpsec_sa_dir)7; }
static void c_offload_bad(struct dpsec_sa_conf *c) { c->offload = (enum dpsec_offload)9; }
static void c_offload_req(struct dpsec_sa_conf *c) { c->offload = DPSEC_OFFLOAD_REQUIRE; }
static void c_offload_auto(struct dpsec_sa_conf *c) { c->offload = DPSEC_OFFLOAD_AUTO; }
static void c_seq_last(struct dpsec_sa_conf *c) { c->seq_start = UINT32_MAX - 1; }
static void c_seq_over(struct dpsec_sa_conf *c) { c->seq_start = UINT32_MAX; }
static void c_seq_esn(struct dpsec_sa_conf *c) { c->seq_start = UINT32_MAX; c->flags = DPSEC_SA_F_ESN; }
static void c_sadkey_bad(struct dpsec_sa_conf *c) { c->sad_key = (enum dpsec_sad_key)5; }

static void
c_sadkey_dst_nofam(struct dpsec_sa_conf *c)
{
	c->mode = DPSEC_SA_TRANSPORT;
	c->sad_key = DPSEC_SAD_SPI_DST;
	c->dst.family = 0;
}

static void
c_transport_nofam(struct dpsec_sa_conf *c)
{
	c->mode = DPSEC_SA_TRANSPORT;
	c->src.family = 0;
	c->dst.family = 0;
}

static void
c_transport_badfam(struct dpsec_sa_conf *c)
{
	c->mode = DPSEC_SA_TRANSPORT;
	c->src.family = 5;
	c->dst.family = 5;
}

#define IN DPSEC_SA_INBOUND
#define OUT DPSEC_SA_OUTBOUND

static const struct conf_row conf_rows[] = {
	{ "valid-out", "gcm128", OUT, c_nop, 0 },
	{ "valid-in", "gcm128", IN, c_nop, 0 },
	{ "spi-0", "gcm128", IN, c_spi0, EINVAL },
	{ "spi-1", "gcm128", OUT, c_spi1, 0 },
	{ "spi-255", "gcm128", IN, c_spi255, 0 },
	{ "spi-256", "gcm128", IN, c_spi256, 0 },
	{ "spi-max", "gcm128", IN, c_spimax, 0 },
	{ "aead-with-auth", "gcm128", OUT, c_aead_auth, EINVAL },
	{ "chacha-with-auth", "chacha20poly1305", IN, c_aead_auth, EINVAL },
	{ "cbc-without-auth", "cbc128-sha1", OUT, c_no_auth, EINVAL },
	{ "null-without-auth", "null-sha1", IN, c_no_auth, EINVAL },
	{ "gcm-key-without-salt", "gcm128", OUT, c_key_nosalt, EINVAL },
	{ "gcm128-key-32", "gcm128", IN, c_key_long, EINVAL },
	{ "cbc128-key-32", "cbc128-sha1", OUT, c_key_long, EINVAL },
	{ "cbc128-key-15", "cbc128-sha1", OUT, c_key_short, EINVAL },
	{ "cbc-key-null", "cbc256-sha256", OUT, c_key_null, EINVAL },
	{ "sha1-key-32", "cbc128-sha1", IN, c_akey_len, EINVAL },
	{ "sha256-key-null", "null-sha256", IN, c_akey_null, EINVAL },
	{ "null-cipher-with-key", "null-sha1", OUT, c_null_with_key, EINVAL },
	{ "tunnel-mixed-family", "gcm128", OUT, c_mixed_family, EINVAL },
	{ "tunnel-mixed-family-in", "gcm128", IN, c_mixed_family, EINVAL },
	{ "tunnel-no-family", "gcm128", OUT, c_no_family, EINVAL },
	{ "tunnel-family-5", "gcm128", OUT, c_family_5, EINVAL },
	{ "natt-no-sport", "gcm128", OUT, c_natt_nosport, EINVAL },
	{ "natt-no-dport", "gcm128", IN, c_natt_nodport, EINVAL },
	{ "natt-ok", "gcm128", IN, c_natt_ok, 0 },
	{ "flag-unknown", "gcm128", OUT, c_flag_unknown, EINVAL },
	{ "flag-bit31", "gcm128", IN, c_flag_top, EINVAL },
	{ "window-2^20", "gcm128", IN, c_window_max, 0 },
	{ "window-2^20+1", "gcm128", IN, c_window_over, EINVAL },
	{ "window-max", "gcm128", IN, c_window_huge, EINVAL },
	{ "window-off", "gcm128", IN, c_window_off, 0 },
	{ "cipher-unknown", "gcm128", OUT, c_cipher_bad, EINVAL },
	{ "auth-unknown", "cbc128-sha1", OUT, c_auth_bad, EINVAL },
	{ "mode-unknown", "gcm128", OUT, c_mode_bad, EINVAL },
	{ "dir-unknown", "gcm128", OUT, c_dir_bad, EINVAL },
	{ "sad-key-unknown", "gcm128", IN, c_sadkey_bad, EINVAL },
	{ "sad-key-dst-no-family", "gcm128", IN, c_sadkey_dst_nofam, EINVAL },
	{ "offload-unknown", "gcm128", OUT, c_offload_bad, EINVAL },
	{ "offload-require", "gcm128", OUT, c_offload_req, ENOTSUP },
	{ "offload-require-in", "gcm128", IN, c_offload_req, ENOTSUP },
	{ "offload-auto", "gcm128", IN, c_offload_auto, 0 },
	{ "seq-start-last", "gcm128", OUT, c_seq_last, 0 },
	{ "seq-start-over", "gcm128", OUT, c_seq_over, EINVAL },
	{ "seq-start-esn", "gcm128", OUT, c_seq_esn, 0 },
	/* dpsec_sa_conf: transport dst.family 0 carries both families
	 * (tests/e2e/gw_secgw.py sends IPv4 and IPv6 through one). */
	{ "transport-out-no-family", "gcm128", OUT, c_transport_nofam, 0 },
	{ "transport-in-no-family", "gcm128", IN, c_transport_nofam, 0 },
	{ "transport-bad-family", "gcm128", OUT, c_transport_badfam, EINVAL },
};

static void
test_conf(void **state)
{
	const struct conf_row *row = *state;
	struct dpsec_sa_conf c;
	struct dpsec_sa *sa;

	espt_conf(&c, espt_alg_find(row->alg), keys(), row->dir,
		  DPSEC_SA_TUNNEL, 4, next_spi++, 0);
	row->edit(&c);
	rte_errno = 0;
	sa = dpsec_sa_create(ctx, &c);
	if (row->err == 0) {
		if (sa == NULL)
			fail_msg("refused: %s", rte_strerror(rte_errno));
		res.sa[0] = sa;
		if (row->edit == c_offload_auto) {
			struct dpsec_sa_info info;

			assert_int_equal(dpsec_sa_info(sa, &info), 0);
			assert_int_equal(info.placement, DPSEC_PLACE_SW);
			assert_int_not_equal(info.place_reason,
					     DPSEC_PLACE_R_NONE);
		}
		sa_del(0);
	} else {
		assert_null(sa);
		if (rte_errno != row->err)
			fail_msg("rte_errno %d (%s), want %d", rte_errno,
				 rte_strerror(rte_errno), row->err);
	}
}

static void
test_create_null_args(void **state)
{
	struct dpsec_sa_conf c;

	(void)state;
	espt_conf(&c, espt_alg_find("gcm128"), keys(), OUT, DPSEC_SA_TUNNEL,
		  4, next_spi++, 0);
	rte_errno = 0;
	assert_null(dpsec_sa_create(NULL, &c));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(dpsec_sa_create(ctx, NULL));
	assert_int_equal(rte_errno, EINVAL);
}

static void
test_duplicate_inbound_spi(void **state)
{
	struct dpsec_sa_conf c;
	uint32_t spi = next_spi++;

	(void)state;
	espt_conf(&c, espt_alg_find("gcm128"), keys(), IN, DPSEC_SA_TUNNEL,
		  4, spi, 0);
	sa_new(0, &c);
	rte_errno = 0;
	assert_null(dpsec_sa_create(ctx, &c));
	assert_int_equal(rte_errno, EEXIST);
	/* other algorithm, same SPI: still taken */
	espt_conf(&c, espt_alg_find("cbc128-sha1"), keys(), IN,
		  DPSEC_SA_TRANSPORT, 6, spi, 0);
	rte_errno = 0;
	assert_null(dpsec_sa_create(ctx, &c));
	assert_int_equal(rte_errno, EEXIST);
	/* outbound SAs are not in the SAD: same SPI is fine */
	c.dir = OUT;
	sa_new(1, &c);
	sa_new(2, &c);
	sa_del(2);
	sa_del(1);
	sa_del(0);
	/* free again */
	espt_conf(&c, espt_alg_find("gcm128"), keys(), IN, DPSEC_SA_TUNNEL,
		  4, spi, 0);
	sa_new(0, &c);
	sa_del(0);
}

static void
test_context_full(void **state)
{
	struct dpsec_ctx *small;
	struct dpsec_sa *sa[4];
	struct dpsec_sa_conf c;

	(void)state;
	small = espt_ctx("life_small", DPSEC_BACKEND_IPSEC_MB, 4);
	assert_non_null(small);
	/* failures must not use up room */
	for (unsigned int i = 0; i < 8; i++) {
		espt_conf(&c, espt_alg_find("gcm128"), keys(), IN,
			  DPSEC_SA_TUNNEL, 4, 0, 0);
		assert_null(dpsec_sa_create(small, &c));
	}
	for (unsigned int i = 0; i < 4; i++) {
		espt_conf(&c, espt_alg_find("gcm128"), keys(),
			  i % 2 ? IN : OUT, DPSEC_SA_TUNNEL, 4, 0x9000 + i, 0);
		sa[i] = dpsec_sa_create(small, &c);
		assert_non_null(sa[i]);
	}
	for (unsigned int d = 0; d < 2; d++) {
		espt_conf(&c, espt_alg_find("gcm128"), keys(), d ? IN : OUT,
			  DPSEC_SA_TUNNEL, 4, 0x9100, 0);
		rte_errno = 0;
		assert_null(dpsec_sa_create(small, &c));
		assert_int_equal(rte_errno, ENOSPC);
	}
	/* an SA of another context cannot be destroyed through this one */
	assert_int_equal(dpsec_sa_destroy(ctx, sa[1]), -EINVAL);
	assert_int_equal(dpsec_sa_destroy(small, sa[1]), 0);
	espt_conf(&c, espt_alg_find("gcm128"), keys(), IN, DPSEC_SA_TUNNEL,
		  4, 0x9100, 0);
	sa[1] = dpsec_sa_create(small, &c);
	assert_non_null(sa[1]);
	rte_errno = 0;
	c.spi = 0x9101;
	assert_null(dpsec_sa_create(small, &c));
	assert_int_equal(rte_errno, ENOSPC);
	dpsec_free(small);	/* destroys the four */
}

/*
 * Inbound SAs created and destroyed many times over in a small context:
 * a destroyed SA must give its SAD room back.
 */
static void
test_sad_churn(void **state)
{
	struct dpsec_ctx *small;
	struct dpsec_sa_conf c;

	(void)state;
	small = espt_ctx("life_churn", DPSEC_BACKEND_IPSEC_MB, 4);
	assert_non_null(small);
	for (unsigned int i = 0; i < 100; i++) {
		struct dpsec_sa *sa;

		espt_conf(&c, espt_alg_find("gcm128"), keys(), IN,
			  DPSEC_SA_TUNNEL, 4, 0xa000 + i % 3, 0);
		sa = dpsec_sa_create(small, &c);
		if (sa == NULL) {
			int err = rte_errno;

			dpsec_free(small);
			fail_msg("create #%u after %u destroys: %s", i + 1, i,
				 rte_strerror(err));
		}
		assert_int_equal(dpsec_sa_destroy(small, sa), 0);
	}
	dpsec_free(small);
}

static int
group_setup(void **state)
{
	(void)state;
	pool = test_pool_create("life_pool", 1023, 2048);
	ctx = espt_ctx("life_mb", DPSEC_BACKEND_IPSEC_MB, 1024);
	if (pool == NULL || ctx == NULL)
		return -1;
	return dpsec_event_cb_set(ctx, ev_cb, &ev);
}

static int
group_teardown(void **state)
{
	(void)state;
	dpsec_free(ctx);
	rte_mempool_free(pool);
	return 0;
}

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0" };
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_teardown(test_inv1_exhaustion_before_hard_limit,
					  res_teardown),
		cmocka_unit_test_teardown(test_inv1_esn_wrap, res_teardown),
		cmocka_unit_test_teardown(test_destroy_recreate, res_teardown),
		cmocka_unit_test_teardown(test_update, res_teardown),
		cmocka_unit_test_teardown(test_create_null_args, res_teardown),
		cmocka_unit_test_teardown(test_duplicate_inbound_spi,
					  res_teardown),
		cmocka_unit_test_teardown(test_context_full, res_teardown),
		cmocka_unit_test_teardown(test_sad_churn, res_teardown),
	};
	struct CMUnitTest tests[RTE_DIM(exhaust_rows) + RTE_DIM(life_rows) +
				RTE_DIM(conf_rows) + RTE_DIM(fixed)];
	unsigned int k = 0;
	int ret;

	if (test_eal_init("lib-esp-lifetime", eal_args,
			  (int)RTE_DIM(eal_args)) < 0)
		return 1;
#define ADD(rowtab, fn) \
	for (unsigned int i = 0; i < RTE_DIM(rowtab); i++) { \
		tests[k].name = rowtab[i].name; \
		tests[k].test_func = fn; \
		tests[k].setup_func = NULL; \
		tests[k].teardown_func = res_teardown; \
		tests[k].initial_state = (void *)(uintptr_t)&rowtab[i]; \
		k++; \
	}
	ADD(exhaust_rows, test_inv1_exhaustion);
	ADD(life_rows, test_lifetime);
	ADD(conf_rows, test_conf);
#undef ADD
	for (unsigned int i = 0; i < RTE_DIM(fixed); i++)
		tests[k++] = fixed[i];
	if (getenv("LIB_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("LIB_TEST_FILTER"));
	ret = _cmocka_run_group_tests("lib-esp-lifetime", tests, k,
				      group_setup, group_teardown);
	rte_eal_cleanup();
	return ret;
}
