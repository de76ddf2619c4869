/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security policy databases (RFC 4301 §4.4.1): pending policy sets compiled
 * into rte_acl tries and published by RCU, the reqid table, and the
 * policy-driven bursts.
 *
 * Each packet is reduced to a fixed-layout key (protocol, addresses, ports,
 * in network order) before rte_acl sees it, so IPv4 options and IPv6
 * extension headers do not move the fields the tries look at.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "dpsec_spd.h"
#include "esp.h"

enum {
	SPD_MAX_RULES = 1u << 24,	/* ranks stay inside ACL priorities */
	SPD_V4 = 0,
	SPD_V6 = 1,
	SPD_NO_GROUP = UINT8_MAX,
	SPD_MAX_EXT_HDRS = 8,		/* IPv6 extension headers we step over */
};

/* What rte_acl reads: built per packet, fields in network order. */
struct spd_key4 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
};

struct spd_key6 {
	uint8_t proto;
	uint8_t pad[3];
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

union spd_key {
	struct spd_key4 k4;
	struct spd_key6 k6;
};

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_NUM };
enum { F6_PROTO, F6_SRC, F6_DST = F6_SRC + 4, F6_SPORT = F6_DST + 4,
       F6_DPORT, F6_NUM };

RTE_ACL_RULE_DEF(spd_acl4_rule, F4_NUM);
RTE_ACL_RULE_DEF(spd_acl6_rule, F6_NUM);

/* The standard 5-tuple layouts (DPDK's ipsec-secgw sp4.c/sp6.c): a one-byte
 * first field, then 4-byte input groups; both ports share one group. */
static const struct rte_acl_field_def acl4_defs[F4_NUM] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1,
	  .field_index = F4_PROTO, .input_index = 0,
	  .offset = offsetof(struct spd_key4, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4,
	  .field_index = F4_SRC, .input_index = 1,
	  .offset = offsetof(struct spd_key4, src) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4,
	  .field_index = F4_DST, .input_index = 2,
	  .offset = offsetof(struct spd_key4, dst) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2,
	  .field_index = F4_SPORT, .input_index = 3,
	  .offset = offsetof(struct spd_key4, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2,
	  .field_index = F4_DPORT, .input_index = 3,
	  .offset = offsetof(struct spd_key4, dport) },
};

#define ACL6_ADDR_DEF(f, base, k) \
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, \
	  .field_index = (f) + (k), .input_index = (f) + (k), \
	  .offset = offsetof(struct spd_key6, base) + 4 * (k) }

static const struct rte_acl_field_def acl6_defs[F6_NUM] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1,
	  .field_index = F6_PROTO, .input_index = 0,
	  .offset = offsetof(struct spd_key6, proto) },
	ACL6_ADDR_DEF(F6_SRC, src, 0), ACL6_ADDR_DEF(F6_SRC, src, 1),
	ACL6_ADDR_DEF(F6_SRC, src, 2), ACL6_ADDR_DEF(F6_SRC, src, 3),
	ACL6_ADDR_DEF(F6_DST, dst, 0), ACL6_ADDR_DEF(F6_DST, dst, 1),
	ACL6_ADDR_DEF(F6_DST, dst, 2), ACL6_ADDR_DEF(F6_DST, dst, 3),
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2,
	  .field_index = F6_SPORT, .input_index = F6_SPORT,
	  .offset = offsetof(struct spd_key6, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2,
	  .field_index = F6_DPORT, .input_index = F6_SPORT,
	  .offset = offsetof(struct spd_key6, dport) },
};

/* A committed policy, as the fast path needs it. */
struct spd_rule {
	struct dpsec_sa *sa;
	uint32_t reqid;
	uint32_t id;
	uint8_t action;
};

/* A published rule set: ACL userdata r + 1 is rule[r]; rule[] is sorted
 * best first. Immutable once published. */
struct spd_set {
	struct rte_acl_ctx *acl[2];	/* NULL: no rule of that family */
	uint32_t nb_rules;
	struct spd_rule rule[];
};

struct dpsec_spd {
	struct dpsec_ctx *ctx;
	char name[32];
	enum dpsec_sa_dir dir;
	uint32_t max_rules;
	rte_spinlock_t lock;		/* pending set and commits */
	uint32_t nb_pending;
	struct dpsec_policy *pending;
	struct spd_set *set;		/* published (RCU, atomic pointer) */
	TAILQ_ENTRY(dpsec_spd) live;	/* spd_live */
	bool listed;
	alignas(64) struct dpsec_spd_stats st;	/* atomics */
};

/* Unique rte_acl names: rte_acl_create() hands back an existing context
 * of the same name instead of a new one. */
static atomic_uint acl_name_seq;

/* ---- Control path ---------------------------------------------------- */

static int
selector_ok(const struct dpsec_selector *s)
{
	uint8_t bits = s->family == 4 ? 32 : 128;

	if (s->family != 4 && s->family != 6)
		return 0;
	if (s->src_plen > bits || s->dst_plen > bits)
		return 0;
	return s->sport_lo <= s->sport_hi && s->dport_lo <= s->dport_hi;
}

/* NULL if @p may go into @spd, else what is wrong with it. p->sa is a
 * handle; it must name a live SA of the SPD's context and direction now
 * (a policy whose SA is destroyed later drops its packets as NO_SA). */
static const char *
policy_bad(const struct dpsec_spd *spd, const struct dpsec_policy *p)
{
	const struct dpsec_sa *sa;

	if (p->id == DPSEC_POLICY_ID_NONE)
		return "id: UINT32_MAX is reserved";
	if (!selector_ok(&p->sel))
		return "sel: bad family, prefix length or port range";
	switch (p->action) {
	case DPSEC_POLICY_DISCARD:
	case DPSEC_POLICY_BYPASS:
		return NULL;
	case DPSEC_POLICY_PROTECT:
		if (p->sa == NULL)
			return p->reqid != 0 ? NULL :
			       "PROTECT needs an sa or a reqid (not 0)";
		sa = sa_from_handle(p->sa);
		if (sa == NULL)
			return "sa: not a live SA handle";
		if (sa->ctx != spd->ctx)
			return "sa: of another context";
		return sa->dir == (uint8_t)spd->dir ? NULL :
		       "sa: direction differs from the SPD's";
	default:
		return "action: unknown";
	}
}

static void spd_destroy(struct dpsec_spd *spd);

/* Live SPDs, so that a freed one is refused by the control calls (not by
 * the bursts, which must not run on an SPD being freed anyway). */
static TAILQ_HEAD(, dpsec_spd) spd_live = TAILQ_HEAD_INITIALIZER(spd_live);
static rte_spinlock_t spd_live_lock = RTE_SPINLOCK_INITIALIZER;

static bool
spd_ok(const struct dpsec_spd *spd, const char *fn)
{
	const struct dpsec_spd *s;

	if (spd == NULL) {
		DPSEC_LOG(ERR, "%s: NULL SPD", fn);
		return false;
	}
	rte_spinlock_lock(&spd_live_lock);
	TAILQ_FOREACH(s, &spd_live, live)
		if (s == spd)
			break;
	rte_spinlock_unlock(&spd_live_lock);
	if (s == NULL)
		DPSEC_LOG(ERR, "%s: %p is not a live SPD (freed?)", fn,
			  (const void *)spd);
	return s != NULL;
}

static void
set_free(struct spd_set *set)
{
	if (set == NULL)
		return;
	rte_acl_free(set->acl[SPD_V4]);
	rte_acl_free(set->acl[SPD_V6]);
	rte_free(set);
}

/* Host-order value of a prefix's 32-bit word @k, bits past @plen cleared;
 * *bits gets how many of its bits the prefix covers. */
static uint32_t
prefix_word(const uint8_t *addr, uint8_t plen, unsigned int k, uint32_t *bits)
{
	int b = (int)plen - 32 * (int)k;
	uint32_t w;

	memcpy(&w, addr + 4 * k, 4);
	w = rte_be_to_cpu_32(w);
	b = RTE_MAX(0, RTE_MIN(32, b));
	*bits = (uint32_t)b;
	return b == 0 ? 0 : w & (UINT32_MAX << (32 - b));
}

static void
rule_ports(struct rte_acl_field *sp, struct rte_acl_field *dp,
	   const struct dpsec_selector *s)
{
	bool sany = s->sport_lo == 0 && s->sport_hi == 0;
	bool dany = s->dport_lo == 0 && s->dport_hi == 0;

	sp->value.u16 = s->sport_lo;
	sp->mask_range.u16 = sany ? UINT16_MAX : s->sport_hi;
	dp->value.u16 = s->dport_lo;
	dp->mask_range.u16 = dany ? UINT16_MAX : s->dport_hi;
}

static void
rule_data(struct rte_acl_rule_data *d, uint32_t rank)
{
	d->category_mask = 1;
	d->priority = (int32_t)(RTE_ACL_MAX_PRIORITY - rank);
	d->userdata = rank + 1;		/* 0 means "no match" */
}

static void
rule4_fill(struct spd_acl4_rule *r, const struct dpsec_selector *s,
	   uint32_t rank)
{
	uint32_t bits;

	rule_data(&r->data, rank);
	r->field[F4_PROTO].value.u8 = s->proto;
	r->field[F4_PROTO].mask_range.u8 = s->proto ? UINT8_MAX : 0;
	r->field[F4_SRC].value.u32 = prefix_word(s->src, s->src_plen, 0, &bits);
	r->field[F4_SRC].mask_range.u32 = bits;
	r->field[F4_DST].value.u32 = prefix_word(s->dst, s->dst_plen, 0, &bits);
	r->field[F4_DST].mask_range.u32 = bits;
	rule_ports(&r->field[F4_SPORT], &r->field[F4_DPORT], s);
}

static void
rule6_fill(struct spd_acl6_rule *r, const struct dpsec_selector *s,
	   uint32_t rank)
{
	uint32_t bits;
	unsigned int k;

	rule_data(&r->data, rank);
	r->field[F6_PROTO].value.u8 = s->proto;
	r->field[F6_PROTO].mask_range.u8 = s->proto ? UINT8_MAX : 0;
	for (k = 0; k < 4; k++) {
		r->field[F6_SRC + k].value.u32 =
			prefix_word(s->src, s->src_plen, k, &bits);
		r->field[F6_SRC + k].mask_range.u32 = bits;
		r->field[F6_DST + k].value.u32 =
			prefix_word(s->dst, s->dst_plen, k, &bits);
		r->field[F6_DST + k].mask_range.u32 = bits;
	}
	rule_ports(&r->field[F6_SPORT], &r->field[F6_DPORT], s);
}

/* Create and build one family's trie from @nb rules of @rule_sz bytes. */
static struct rte_acl_ctx *
acl_build(const struct dpsec_spd *spd, int fam, const void *rules,
	  uint32_t nb)
{
	struct rte_acl_config cfg = { 0 };
	struct rte_acl_param prm = { 0 };
	struct rte_acl_ctx *acl;
	char name[RTE_ACL_NAMESIZE];
	unsigned int nf = fam == SPD_V4 ? F4_NUM : F6_NUM;

	snprintf(name, sizeof(name), "dpsec%u",
		 atomic_fetch_add(&acl_name_seq, 1));
	prm.name = name;
	prm.socket_id = spd->ctx->socket_id;
	prm.rule_size = RTE_ACL_RULE_SZ(nf);
	prm.max_rule_num = nb;
	acl = rte_acl_create(&prm);
	if (acl == NULL)
		return NULL;
	cfg.num_categories = 1;
	cfg.num_fields = nf;
	memcpy(cfg.defs, fam == SPD_V4 ? acl4_defs : acl6_defs,
	       nf * sizeof(cfg.defs[0]));
	if (rte_acl_add_rules(acl, rules, nb) != 0 ||
	    rte_acl_build(acl, &cfg) != 0) {
		DPSEC_LOG(ERR, "SPD %s: building the IPv%c trie of %u rules "
			  "failed", spd->name, fam == SPD_V4 ? '4' : '6', nb);
		rte_acl_free(acl);
		return NULL;
	}
	return acl;
}

static int
policy_cmp(const void *a, const void *b)
{
	const struct dpsec_policy *p = *(const struct dpsec_policy *const *)a;
	const struct dpsec_policy *q = *(const struct dpsec_policy *const *)b;

	if (p->priority != q->priority)
		return p->priority < q->priority ? -1 : 1;
	return p->id < q->id ? -1 : p->id > q->id;
}

/* Compile the pending set (spd->lock held). Rank = position in priority
 * order, so ACL priorities are unique and the result deterministic. */
static struct spd_set *
set_build(const struct dpsec_spd *spd)
{
	uint32_t n = spd->nb_pending, i, nb[2] = { 0, 0 };
	const struct dpsec_policy **ord = NULL;
	struct spd_acl4_rule *r4 = NULL;
	struct spd_acl6_rule *r6 = NULL;
	struct spd_set *set;

	set = rte_zmalloc_socket("dpsec_spd_set", sizeof(*set) +
				 n * sizeof(set->rule[0]), RTE_CACHE_LINE_SIZE,
				 spd->ctx->socket_id);
	if (set == NULL)
		return NULL;
	set->nb_rules = n;
	if (n == 0)
		return set;
	ord = calloc(n, sizeof(*ord));
	r4 = calloc(n, sizeof(*r4));
	r6 = calloc(n, sizeof(*r6));
	if (ord == NULL || r4 == NULL || r6 == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		ord[i] = &spd->pending[i];
	qsort(ord, n, sizeof(*ord), policy_cmp);

	for (i = 0; i < n; i++) {
		const struct dpsec_policy *p = ord[i];
		struct spd_rule *r = &set->rule[i];

		r->action = (uint8_t)p->action;
		r->id = p->id;
		r->sa = p->action == DPSEC_POLICY_PROTECT ? p->sa : NULL;
		r->reqid = r->sa == NULL ? p->reqid : 0;
		if (p->sel.family == 4)
			rule4_fill(&r4[nb[SPD_V4]++], &p->sel, i);
		else
			rule6_fill(&r6[nb[SPD_V6]++], &p->sel, i);
	}
	if (nb[SPD_V4] != 0 &&
	    (set->acl[SPD_V4] = acl_build(spd, SPD_V4, r4, nb[SPD_V4])) == NULL)
		goto fail;
	if (nb[SPD_V6] != 0 &&
	    (set->acl[SPD_V6] = acl_build(spd, SPD_V6, r6, nb[SPD_V6])) == NULL)
		goto fail;
	free(r6);
	free(r4);
	free(ord);
	return set;
fail:
	free(r6);
	free(r4);
	free(ord);
	set_free(set);
	return NULL;
}

struct dpsec_spd *
dpsec_spd_create(struct dpsec_ctx *ctx, const char *name,
		 enum dpsec_sa_dir dir, uint32_t max_rules)
{
	struct dpsec_spd *spd;

	if (!ctx_ok(ctx, __func__)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) >= sizeof(spd->name) ||
	    (dir != DPSEC_SA_OUTBOUND && dir != DPSEC_SA_INBOUND) ||
	    max_rules == 0 || max_rules > SPD_MAX_RULES) {
		DPSEC_LOG(ERR, "%s: %s", __func__,
			  name == NULL || name[0] == '\0' ||
			  strlen(name) >= sizeof(spd->name) ?
			  "name: 1..31 characters expected" :
			  dir != DPSEC_SA_OUTBOUND && dir != DPSEC_SA_INBOUND ?
			  "dir: OUTBOUND or INBOUND expected" :
			  "max_rules: 1..2^24 expected");
		rte_errno = EINVAL;
		return NULL;
	}
	spd = rte_zmalloc_socket("dpsec_spd", sizeof(*spd), RTE_CACHE_LINE_SIZE,
				 ctx->socket_id);
	if (spd == NULL)
		goto nomem;
	spd->ctx = ctx;
	strlcpy(spd->name, name, sizeof(spd->name));
	spd->dir = dir;
	spd->max_rules = max_rules;
	rte_spinlock_init(&spd->lock);
	spd->pending = rte_zmalloc_socket("dpsec_spd_pending",
					  (size_t)max_rules * sizeof(*spd->pending),
					  0, ctx->socket_id);
	if (spd->pending == NULL)
		goto nomem;
	/* An empty set is published from the start: no match for anything. */
	spd->set = set_build(spd);
	if (spd->set == NULL)
		goto nomem;
	rte_spinlock_lock(&spd_live_lock);
	TAILQ_INSERT_TAIL(&spd_live, spd, live);
	spd->listed = true;
	rte_spinlock_unlock(&spd_live_lock);
	return spd;
nomem:
	DPSEC_LOG(ERR, "%s: SPD %s: out of memory", __func__, name);
	spd_destroy(spd);
	rte_errno = ENOMEM;
	return NULL;
}

static void
spd_destroy(struct dpsec_spd *spd)
{
	if (spd == NULL)
		return;
	set_free(spd->set);
	rte_free(spd->pending);
	rte_free(spd);
}

void
dpsec_spd_free(struct dpsec_spd *spd)
{
	struct dpsec_spd *s;

	if (spd == NULL)
		return;
	/* An SPD freed already is not touched: its memory may be anything
	 * by now. */
	rte_spinlock_lock(&spd_live_lock);
	TAILQ_FOREACH(s, &spd_live, live)
		if (s == spd)
			break;
	if (s != NULL)
		TAILQ_REMOVE(&spd_live, spd, live);
	rte_spinlock_unlock(&spd_live_lock);
	if (s == NULL) {
		DPSEC_LOG(ERR, "dpsec_spd_free: %p is not a live SPD (freed "
			  "twice?)", (void *)spd);
		rte_errno = EINVAL;
		return;
	}
	spd_destroy(spd);
}

static int
pending_find(const struct dpsec_spd *spd, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < spd->nb_pending; i++)
		if (spd->pending[i].id == id)
			return (int)i;
	return -1;
}

int
dpsec_spd_add(struct dpsec_spd *spd, const struct dpsec_policy *pol)
{
	const char *why;
	int ret = 0;

	if (pol == NULL) {
		DPSEC_LOG(ERR, "%s: NULL policy", __func__);
		return -EINVAL;
	}
	if (!spd_ok(spd, __func__))
		return -EINVAL;
	why = policy_bad(spd, pol);
	if (why != NULL) {
		DPSEC_LOG(ERR, "SPD %s: policy %u: %s", spd->name, pol->id,
			  why);
		return -EINVAL;
	}
	rte_spinlock_lock(&spd->lock);
	if (pending_find(spd, pol->id) >= 0)
		ret = -EEXIST;
	else if (spd->nb_pending == spd->max_rules)
		ret = -ENOSPC;
	else
		spd->pending[spd->nb_pending++] = *pol;
	rte_spinlock_unlock(&spd->lock);
	if (ret != 0)
		DPSEC_LOG(ERR, "SPD %s: policy %u: %s", spd->name, pol->id,
			  ret == -EEXIST ? "id already used" :
			  "SPD full (max_rules)");
	return ret;
}

int
dpsec_spd_del(struct dpsec_spd *spd, uint32_t id)
{
	int i;

	if (!spd_ok(spd, __func__))
		return -EINVAL;
	rte_spinlock_lock(&spd->lock);
	i = pending_find(spd, id);
	if (i >= 0)
		spd->pending[i] = spd->pending[--spd->nb_pending];
	rte_spinlock_unlock(&spd->lock);
	if (i < 0)
		DPSEC_LOG(ERR, "SPD %s: policy %u: no such policy", spd->name,
			  id);
	return i >= 0 ? 0 : -ENOENT;
}

int
dpsec_spd_commit(struct dpsec_spd *spd)
{
	struct spd_set *set, *old;

	if (!spd_ok(spd, __func__))
		return -EINVAL;
	rte_spinlock_lock(&spd->lock);
	set = set_build(spd);
	if (set == NULL) {
		rte_spinlock_unlock(&spd->lock);
		DPSEC_LOG(ERR, "SPD %s: commit: out of memory (rule set)",
			  spd->name);
		return -ENOMEM;
	}
	old = __atomic_exchange_n(&spd->set, set, __ATOMIC_ACQ_REL);
	__atomic_fetch_add(&spd->st.commits, 1, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&spd->lock);

	/* Bursts that loaded @old are RCU readers until they go offline. */
	rte_rcu_qsbr_synchronize(spd->ctx->qsbr, RTE_QSBR_THRID_INVALID);
	set_free(old);
	return 0;
}

int
dpsec_spd_stats_get(const struct dpsec_spd *spd, struct dpsec_spd_stats *st)
{
	const uint64_t *src;
	uint64_t *dst;
	size_t i;

	if (st == NULL) {
		DPSEC_LOG(ERR, "%s: NULL stats", __func__);
		return -EINVAL;
	}
	if (!spd_ok(spd, __func__))
		return -EINVAL;
	src = (const uint64_t *)&spd->st;
	dst = (uint64_t *)st;
	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return 0;
}

int
dpsec_reqid_set(struct dpsec_ctx *ctx, uint32_t reqid, struct dpsec_sa *h)
{
	struct dpsec_sa *sa;
	int32_t pos;
	int ret;

	if (!ctx_ok(ctx, __func__))
		return -EINVAL;
	if (reqid == 0) {
		DPSEC_LOG(ERR, "%s: reqid 0 is reserved", __func__);
		return -EINVAL;
	}
	rte_spinlock_lock(&ctx->ctl_lock);
	if (h != NULL) {
		/* The table holds the handle: a reqid whose SA is destroyed
		 * names no SA (NO_SA) rather than freed memory. */
		ret = sa_resolve(ctx, h, __func__, &sa);
		if (ret == 0 && sa->dir != DPSEC_SA_OUTBOUND) {
			DPSEC_LOG(ERR, "%s: reqid %u: SA 0x%08x is not an "
				  "outbound SA", __func__, reqid, sa->conf.spi);
			ret = -EINVAL;
		}
		if (ret != 0) {
			rte_spinlock_unlock(&ctx->ctl_lock);
			return ret;
		}
		/* An existing key's data is replaced with one atomic store
		 * (RW_CONCURRENCY_LF): readers see the old SA or the new. */
		pos = rte_hash_add_key_data(ctx->reqids, &reqid, h);
	} else {
		pos = rte_hash_del_key(ctx->reqids, &reqid);
	}
	rte_spinlock_unlock(&ctx->ctl_lock);
	if (pos < 0) {
		DPSEC_LOG(ERR, "%s: reqid %u: %s", __func__, reqid,
			  pos == -ENOENT ? "not set" : "reqid table full");
		return pos == -ENOENT ? -ENOENT : -ENOSPC;
	}

	rte_rcu_qsbr_synchronize(ctx->qsbr, RTE_QSBR_THRID_INVALID);
	if (h == NULL) {
		/* Lock-free tables recycle a deleted key's slot only now. */
		rte_spinlock_lock(&ctx->ctl_lock);
		rte_hash_free_key_with_position(ctx->reqids, pos);
		rte_spinlock_unlock(&ctx->ctl_lock);
	}
	return 0;
}

struct dpsec_sa *
dpsec_reqid_get(struct dpsec_ctx *ctx, uint32_t reqid)
{
	void *data;

	if (!ctx_ok(ctx, __func__)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (reqid == 0) {
		DPSEC_LOG(ERR, "%s: reqid 0 is reserved", __func__);
		rte_errno = EINVAL;
		return NULL;
	}
	/* Not logged: "not set" is an answer, not an error. */
	if (rte_hash_lookup_data(ctx->reqids, &reqid, &data) < 0 ||
	    sa_from_handle(data) == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	return data;
}

/* ---- Fast path ------------------------------------------------------- */

static inline bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

/* Ports at @off, or -1 if the packet is too short for them. */
static inline int
read_ports(const struct rte_mbuf *m, uint32_t off, uint16_t *sport,
	   uint16_t *dport)
{
	uint16_t buf[2];
	const uint8_t *p = rte_pktmbuf_read(m, off, sizeof(buf), buf);

	if (p == NULL)
		return -1;
	memcpy(sport, p, 2);
	memcpy(dport, p + 2, 2);
	return 0;
}

static int
key4_parse(const struct rte_mbuf *m, struct spd_key4 *k)
{
	struct rte_ipv4_hdr buf;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl;

	ip = rte_pktmbuf_read(m, 0, sizeof(buf), &buf);
	if (ip == NULL)
		return -1;
	ihl = rte_ipv4_hdr_len(ip);
	if (ihl < sizeof(*ip) || ihl > m->pkt_len)
		return -1;
	memset(k, 0, sizeof(*k));
	k->proto = ip->next_proto_id;
	k->src = ip->src_addr;
	k->dst = ip->dst_addr;
	/* Non-first fragments carry no ports (RFC 4301 §7: OPAQUE). */
	if (has_ports(k->proto) &&
	    (ip->fragment_offset &
	     rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0)
		return read_ports(m, ihl, &k->sport, &k->dport);
	return 0;
}

static int
key6_parse(const struct rte_mbuf *m, struct spd_key6 *k)
{
	struct rte_ipv6_hdr buf;
	const struct rte_ipv6_hdr *ip;
	uint32_t off = sizeof(*ip);
	bool first = true;
	uint8_t nh;
	int i;

	ip = rte_pktmbuf_read(m, 0, sizeof(buf), &buf);
	if (ip == NULL)
		return -1;
	memset(k, 0, sizeof(*k));
	memcpy(k->src, ip->src_addr, 16);
	memcpy(k->dst, ip->dst_addr, 16);
	nh = ip->proto;
	/* Step over extension headers to the upper-layer protocol, the
	 * selector RFC 4301 §4.4.1.1 means by "Next Layer Protocol". */
	for (i = 0; i < SPD_MAX_EXT_HDRS && ipv6_ext(nh); i++) {
		uint8_t eb[8];
		const uint8_t *e = rte_pktmbuf_read(m, off, sizeof(eb), eb);

		if (e == NULL)
			return -1;
		if (nh == IPPROTO_FRAGMENT) {
			if (((e[2] << 8 | e[3]) & 0xfff8) != 0)
				first = false;
			off += 8;
		} else if (nh == IPPROTO_AH) {
			off += ((uint32_t)e[1] + 2) * 4;
		} else {
			off += ((uint32_t)e[1] + 1) * 8;
		}
		nh = e[0];
	}
	if (ipv6_ext(nh))
		return -1;
	k->proto = nh;
	if (has_ports(nh) && first)
		return read_ports(m, off, &k->sport, &k->dport);
	return 0;
}

/*
 * Classify @n <= DPSEC_MAX_BURST packets against @set, one rte_acl call
 * per family: res[i] = rank + 1 of the winning rule, 0 for none;
 * reason[i] = BAD_IP for a packet we could not parse, else NONE.
 */
static void
classify_chunk(const struct spd_set *set, struct rte_mbuf *const pkts[],
	       uint16_t n, uint32_t res[], uint8_t reason[])
{
	union spd_key key[DPSEC_MAX_BURST];
	const uint8_t *data[2][DPSEC_MAX_BURST];
	uint32_t out[DPSEC_MAX_BURST];
	uint16_t idx[2][DPSEC_MAX_BURST], cnt[2] = { 0, 0 };
	uint16_t i, j;
	int fam, rc;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];
		uint8_t vb, ver;
		const uint8_t *v = rte_pktmbuf_read(m, 0, 1, &vb);

		res[i] = 0;
		reason[i] = DPSEC_R_BAD_IP;
		if (v == NULL)
			continue;
		ver = *v >> 4;
		if (ver == 4) {
			fam = SPD_V4;
			rc = key4_parse(m, &key[i].k4);
		} else if (ver == 6) {
			fam = SPD_V6;
			rc = key6_parse(m, &key[i].k6);
		} else {
			continue;
		}
		if (rc != 0)
			continue;
		reason[i] = DPSEC_R_NONE;
		data[fam][cnt[fam]] = (const uint8_t *)&key[i];
		idx[fam][cnt[fam]++] = i;
	}
	for (fam = SPD_V4; fam <= SPD_V6; fam++) {
		if (cnt[fam] == 0 || set->acl[fam] == NULL)
			continue;
		if (rte_acl_classify(set->acl[fam], data[fam], out, cnt[fam],
				     1) != 0)
			continue;	/* only on bad arguments: no match */
		for (j = 0; j < cnt[fam]; j++)
			res[idx[fam][j]] = out[j];
	}
}

/* The SA handle of @reqid (not checked), or NULL. */
static inline struct dpsec_sa *
reqid_resolve(struct dpsec_ctx *ctx, uint32_t reqid)
{
	void *data;

	return rte_hash_lookup_data(ctx->reqids, &reqid, &data) >= 0 ?
	       data : NULL;
}

/* Add a burst's local counts to the SPD's. */
static void
stats_flush(struct dpsec_spd *spd, const struct dpsec_spd_stats *t)
{
	const uint64_t *src = (const uint64_t *)t;
	uint64_t *dst = (uint64_t *)&spd->st;
	size_t i;

	for (i = 0; i < sizeof(*t) / sizeof(uint64_t); i++)
		if (src[i] != 0)
			__atomic_fetch_add(&dst[i], src[i], __ATOMIC_RELAXED);
}

static void
stats_settle(struct dpsec_spd_stats *t, const uint8_t reason[], uint16_t n)
{
	uint16_t i;

	t->lookups += n;
	for (i = 0; i < n; i++) {
		if (reason[i] == DPSEC_R_NONE)
			t->passed++;
		else
			t->drops[reason[i]]++;
	}
}

/* Decide, group by SA and protect one chunk; reason[] as esp_settle()
 * wants it. */
static void
outb_chunk(struct dpsec_ctx *ctx, const struct spd_set *set,
	   struct rte_mbuf *pkts[], uint16_t n, uint8_t reason[],
	   struct dpsec_spd_stats *t)
{
	/* SA handles; dpsec_sa_outbound() resolves them again. */
	struct dpsec_sa *grp_h[DPSEC_MAX_BURST], *h = NULL;
	struct rte_mbuf *tmp[DPSEC_MAX_BURST];
	uint32_t res[DPSEC_MAX_BURST], last = 0;
	uint8_t grp[DPSEC_MAX_BURST];
	uint16_t i, g, cnt, ngrp = 0;

	classify_chunk(set, pkts, n, res, reason);
	for (i = 0; i < n; i++) {
		const struct spd_rule *r;

		grp[i] = SPD_NO_GROUP;
		if (reason[i] != DPSEC_R_NONE)
			continue;
		if (res[i] == 0) {
			t->misses++;
			reason[i] = DPSEC_R_NO_POLICY;
			continue;
		}
		r = &set->rule[res[i] - 1];
		t->hits[r->action]++;
		if (r->action == DPSEC_POLICY_BYPASS)
			continue;
		if (r->action == DPSEC_POLICY_DISCARD) {
			reason[i] = DPSEC_R_DISCARD;
			continue;
		}
		/* One reqid lookup per run of packets of the same policy;
		 * later runs read the table again, so an lcore never goes
		 * back from a new SA to an old one. */
		if (res[i] != last) {
			last = res[i];
			h = r->sa != NULL ? r->sa : reqid_resolve(ctx, r->reqid);
			/* The policy's SA may have been destroyed since. */
			if (h != NULL && sa_from_handle(h) == NULL)
				h = NULL;
		}
		if (h == NULL) {
			reason[i] = DPSEC_R_NO_SA;
			continue;
		}
		for (g = 0; g < ngrp && grp_h[g] != h; g++)
			;
		if (g == ngrp)
			grp_h[ngrp++] = h;
		grp[i] = (uint8_t)g;
	}

	/* One dpsec_sa_outbound() per SA; it keeps mbufs in place, so each
	 * packet's outcome is read back from its own reason field. */
	for (g = 0; g < ngrp; g++) {
		cnt = 0;
		for (i = 0; i < n; i++) {
			if (grp[i] != g)
				continue;
			dpsec_mbuf_set_reason(pkts[i], DPSEC_R_NONE);
			tmp[cnt++] = pkts[i];
		}
		if (dpsec_sa_outbound(grp_h[g], tmp, cnt) == cnt)
			continue;
		for (i = 0; i < n; i++)
			if (grp[i] == g)
				reason[i] = dpsec_mbuf_reason(pkts[i]);
	}
}

uint16_t
dpsec_outbound(struct dpsec_ctx *ctx, struct dpsec_spd *spd,
	       struct rte_mbuf *pkts[], uint16_t nb)
{
	struct dpsec_spd_stats t = { 0 };
	uint8_t reason[DPSEC_MAX_BURST];
	const struct spd_set *set;
	unsigned int lc = rte_lcore_id();
	uint16_t off, n, good = 0;

	if (unlikely(!ctx_live(ctx) || spd == NULL || spd->ctx != ctx ||
		     spd->dir != DPSEC_SA_OUTBOUND)) {
		DPSEC_LOG_RL(ERR, "dpsec_outbound: %s",
			     ctx == NULL ? "NULL context" :
			     !ctx_live(ctx) ? "freed or invalid context" :
			     spd == NULL ? "NULL SPD" :
			     spd->ctx != ctx ? "SPD of another context" :
			     "not an outbound SPD");
		return burst_refuse(pkts, nb, DPSEC_R_BAD_HANDLE);
	}
	if (unlikely(lc >= RTE_MAX_LCORE)) {
		DPSEC_LOG_RL(ERR, "dpsec_outbound: not on an EAL lcore");
		return burst_refuse(pkts, nb, DPSEC_R_UNSUPPORTED);
	}

	rte_rcu_qsbr_thread_online(ctx->qsbr, DPSEC_QSBR_SPD_ID(lc));
	set = __atomic_load_n(&spd->set, __ATOMIC_ACQUIRE);
	for (off = 0; off < nb; off += n) {
		n = RTE_MIN((uint16_t)(nb - off), (uint16_t)DPSEC_MAX_BURST);
		outb_chunk(ctx, set, pkts + off, n, reason, &t);
		stats_settle(&t, reason, n);
		good = esp_settle(pkts, good, off, n, reason);
	}
	rte_rcu_qsbr_thread_offline(ctx->qsbr, DPSEC_QSBR_SPD_ID(lc));
	stats_flush(spd, &t);
	return good;
}

static void
inb_chunk(const struct dpsec_ctx *ctx, const struct spd_set *set,
	  struct rte_mbuf *pkts[], struct dpsec_sa *const sas[], uint16_t n,
	  uint8_t reason[], struct dpsec_spd_stats *t)
{
	uint32_t res[DPSEC_MAX_BURST];
	uint16_t i;

	const struct dpsec_sa *last_h = NULL, *last_sa = NULL;

	classify_chunk(set, pkts, n, res, reason);
	for (i = 0; i < n; i++) {
		/* sas[] holds handles: compared as they are with r->sa,
		 * resolved (once per run of one SA) for the reqid. */
		const struct dpsec_sa *h = sas != NULL ? sas[i] : NULL;
		const struct dpsec_sa *sa;
		const struct spd_rule *r;

		if (reason[i] != DPSEC_R_NONE)
			continue;
		if (res[i] == 0) {
			t->misses++;
			reason[i] = h != NULL ? DPSEC_R_POLICY :
						 DPSEC_R_NO_POLICY;
			continue;
		}
		r = &set->rule[res[i] - 1];
		t->hits[r->action]++;
		if (h != NULL) {
			/* Invariant 5 (doc/security_model.md): it came in
			 * on an SA this policy names (RFC 4301 §5.2 step 4). */
			bool ok = false;

			if (r->action == DPSEC_POLICY_PROTECT && r->sa != NULL) {
				ok = r->sa == h;
			} else if (r->action == DPSEC_POLICY_PROTECT) {
				if (h != last_h) {
					last_h = h;
					last_sa = sa_from_handle(h);
				}
				sa = last_sa;
				ok = sa != NULL && sa->ctx == ctx &&
				     r->reqid == sa->conf.reqid;
			}

			reason[i] = ok ? DPSEC_R_NONE : DPSEC_R_POLICY;
		} else if (r->action == DPSEC_POLICY_DISCARD) {
			reason[i] = DPSEC_R_DISCARD;
		} else if (r->action == DPSEC_POLICY_PROTECT) {
			reason[i] = DPSEC_R_POLICY;	/* must not come in clear */
		}
	}
}

uint16_t
dpsec_inbound_policy_check(struct dpsec_spd *spd, struct rte_mbuf *pkts[],
			   struct dpsec_sa *sas[], uint16_t nb)
{
	struct dpsec_spd_stats t = { 0 };
	uint8_t reason[DPSEC_MAX_BURST];
	const struct spd_set *set;
	unsigned int lc = rte_lcore_id();
	uint16_t off, n, i, good = 0, gs;

	if (unlikely(spd == NULL || spd->dir != DPSEC_SA_INBOUND)) {
		DPSEC_LOG_RL(ERR, "dpsec_inbound_policy_check: %s",
			     spd == NULL ? "NULL SPD" : "not an inbound SPD");
		return burst_refuse(pkts, nb, DPSEC_R_BAD_HANDLE);
	}
	if (unlikely(lc >= RTE_MAX_LCORE)) {
		DPSEC_LOG_RL(ERR, "dpsec_inbound_policy_check: not on an EAL "
			     "lcore");
		return burst_refuse(pkts, nb, DPSEC_R_UNSUPPORTED);
	}

	rte_rcu_qsbr_thread_online(spd->ctx->qsbr, DPSEC_QSBR_SPD_ID(lc));
	set = __atomic_load_n(&spd->set, __ATOMIC_ACQUIRE);
	for (off = 0; off < nb; off += n) {
		n = RTE_MIN((uint16_t)(nb - off), (uint16_t)DPSEC_MAX_BURST);
		inb_chunk(spd->ctx, set, pkts + off, sas != NULL ? sas + off : NULL, n,
			  reason, &t);
		stats_settle(&t, reason, n);
		/* sas[] follows the good packets; gs <= off + i, so the
		 * copy never overwrites an entry still to be read. */
		gs = good;
		if (sas != NULL)
			for (i = 0; i < n; i++)
				if (reason[i] == DPSEC_R_NONE)
					sas[gs++] = sas[off + i];
		good = esp_settle(pkts, good, off, n, reason);
	}
	rte_rcu_qsbr_thread_offline(spd->ctx->qsbr, DPSEC_QSBR_SPD_ID(lc));
	stats_flush(spd, &t);
	return good;
}

uint16_t
dpsec_spd_classify(struct dpsec_spd *spd, struct rte_mbuf *pkts[],
		   uint16_t nb, uint32_t ids[])
{
	uint32_t res[DPSEC_MAX_BURST];
	uint8_t reason[DPSEC_MAX_BURST];
	const struct spd_set *set;
	unsigned int lc = rte_lcore_id();
	uint16_t off, n, i, matched = 0;

	if (unlikely(spd == NULL || lc >= RTE_MAX_LCORE)) {
		DPSEC_LOG_RL(ERR, "dpsec_spd_classify: %s",
			     spd == NULL ? "NULL SPD" : "not on an EAL lcore");
		for (i = 0; i < nb; i++)
			ids[i] = DPSEC_POLICY_ID_NONE;
		return 0;
	}
	rte_rcu_qsbr_thread_online(spd->ctx->qsbr, DPSEC_QSBR_SPD_ID(lc));
	set = __atomic_load_n(&spd->set, __ATOMIC_ACQUIRE);
	for (off = 0; off < nb; off += n) {
		n = RTE_MIN((uint16_t)(nb - off), (uint16_t)DPSEC_MAX_BURST);
		classify_chunk(set, pkts + off, n, res, reason);
		for (i = 0; i < n; i++) {
			ids[off + i] = res[i] != 0 ?
				       set->rule[res[i] - 1].id :
				       DPSEC_POLICY_ID_NONE;
			matched += res[i] != 0;
		}
	}
	rte_rcu_qsbr_thread_offline(spd->ctx->qsbr, DPSEC_QSBR_SPD_ID(lc));
	return matched;
}
