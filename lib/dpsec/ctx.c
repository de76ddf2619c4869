/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Contexts: the SAD, the RCU variable that guards SA removal, and one
 * crypto engine per lcore.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "sa.h"
#include "tls.h"

/* Live contexts (sa.h, "Handles"); written under reg_lock, read by
 * anyone with atomic loads. */
struct ctx_reg_entry ctx_reg[DPSEC_MAX_CTX];
uint32_t ctx_reg_hwm;
static rte_spinlock_t reg_lock = RTE_SPINLOCK_INITIALIZER;

/* Give @ctx an index; its SA generations continue the index's. */
static int
reg_add(struct dpsec_ctx *ctx)
{
	uint32_t i;

	rte_spinlock_lock(&reg_lock);
	for (i = 0; i < DPSEC_MAX_CTX; i++)
		if (ctx_reg[i].ctx == NULL)
			break;
	if (i == DPSEC_MAX_CTX) {
		rte_spinlock_unlock(&reg_lock);
		return -ENOSPC;
	}
	ctx->reg_idx = i;
	ctx->slot_gen = ctx_reg[i].sa_gen;
	__atomic_store_n(&ctx_reg[i].ctx, ctx, __ATOMIC_RELEASE);
	if (i >= ctx_reg_hwm)
		__atomic_store_n(&ctx_reg_hwm, i + 1, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&reg_lock);
	return 0;
}

/* Take @ctx out of the registry; false if it was not in it. From here
 * on its SA handles name no SA. */
static bool
reg_del(struct dpsec_ctx *ctx)
{
	uint32_t i;

	rte_spinlock_lock(&reg_lock);
	for (i = 0; i < ctx_reg_hwm; i++)
		if (ctx_reg[i].ctx == ctx)
			break;
	if (ctx == NULL || i == ctx_reg_hwm) {
		rte_spinlock_unlock(&reg_lock);
		return false;
	}
	ctx_reg[i].sa_gen = ctx->slot_gen;
	__atomic_store_n(&ctx_reg[i].ctx, NULL, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&reg_lock);
	return true;
}

bool
ctx_ok(const struct dpsec_ctx *ctx, const char *fn)
{
	if (unlikely(ctx == NULL)) {
		DPSEC_LOG(ERR, "%s: NULL context", fn);
		return false;
	}
	if (unlikely(!ctx_live(ctx))) {
		DPSEC_LOG(ERR, "%s: %p is not a live context (freed, or not "
			  "from dpsec_create())", fn, (const void *)ctx);
		return false;
	}
	return true;
}

bool
log_ratelimit(uint64_t *next, uint32_t *n)
{
	uint64_t now = rte_get_tsc_cycles();

	if (now >= __atomic_load_n(next, __ATOMIC_RELAXED)) {
		__atomic_store_n(n, 0, __ATOMIC_RELAXED);
		__atomic_store_n(next, now + rte_get_tsc_hz(),
				 __ATOMIC_RELAXED);
	}
	return __atomic_fetch_add(n, 1, __ATOMIC_RELAXED) < DPSEC_LOG_BURST;
}

static void ctx_destroy(struct dpsec_ctx *ctx);

static struct dpsec_crypto_engine *
engine_create(enum dpsec_backend b)
{
	return dpsec_crypto_engine_create(b == DPSEC_BACKEND_OPENSSL ?
			DPSEC_CRYPTO_OPENSSL : DPSEC_CRYPTO_IPSEC_MB);
}

struct dpsec_ctx *
dpsec_create(const struct dpsec_ctx_conf *conf)
{
	struct rte_hash_parameters hp = { 0 };
	struct dpsec_ctx *ctx;
	char hname[RTE_HASH_NAMESIZE];
	size_t qsz;
	unsigned int lc;
	uint16_t k;
	int ret;

	if (conf == NULL || conf->name == NULL || conf->name[0] == '\0' ||
	    strlen(conf->name) >= sizeof(ctx->name)) {
		DPSEC_LOG(ERR, "dpsec_create: %s", conf == NULL ? "NULL conf" :
			  "name: 1..31 characters expected");
		rte_errno = EINVAL;
		return NULL;
	}
	if (conf->max_sa == 0 ||
	    (conf->backend != DPSEC_BACKEND_IPSEC_MB &&
	     conf->backend != DPSEC_BACKEND_OPENSSL)) {
		DPSEC_LOG(ERR, "dpsec_create: context %s: %s", conf->name,
			  conf->max_sa == 0 ? "max_sa: at least 1" :
			  "backend: unknown");
		rte_errno = EINVAL;
		return NULL;
	}
	ret = dpsec_mbuf_dynfield_init();
	if (ret != 0) {
		DPSEC_LOG(ERR, "dpsec_create: context %s: mbuf dynfields: %s",
			  conf->name, rte_strerror(-ret));
		rte_errno = -ret;
		return NULL;
	}
	ctx = rte_zmalloc_socket("dpsec_ctx", sizeof(*ctx), RTE_CACHE_LINE_SIZE,
				 conf->socket_id);
	if (ctx == NULL) {
		DPSEC_LOG(ERR, "dpsec_create: context %s: out of memory",
			  conf->name);
		rte_errno = ENOMEM;
		return NULL;
	}
	strlcpy(ctx->name, conf->name, sizeof(ctx->name));
	ctx->socket_id = conf->socket_id;
	ctx->max_sa = conf->max_sa;
	ctx->backend = conf->backend;
	rte_spinlock_init(&ctx->ctl_lock);
	TAILQ_INIT(&ctx->sas);
	TAILQ_INIT(&ctx->tlss);
	TAILQ_INIT(&ctx->graves);
	rte_spinlock_init(&ctx->grave_lock);
	/* Visible to telemetry from here on: the name is now taken. */
	ret = ctx_list_add(ctx);
	if (ret != 0) {
		DPSEC_LOG(ERR, "dpsec_create: context %s: %s", conf->name,
			  ret == -EEXIST ? "name already taken" :
			  rte_strerror(-ret));
		rte_free(ctx);
		rte_errno = -ret;
		return NULL;
	}

	snprintf(hname, sizeof(hname), "dpsec_sad_%s", conf->name);
	hp.name = hname;
	hp.entries = RTE_MAX(conf->max_sa, 8u);
	hp.key_len = sizeof(struct sad_key);
	hp.socket_id = conf->socket_id;
	/* Lock-free readers; we free key slots after an RCU grace period. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	ctx->sad = rte_hash_create(&hp);
	if (ctx->sad == NULL) {
		ret = rte_errno == EEXIST ? EEXIST : ENOMEM;
		goto fail;
	}

	snprintf(hname, sizeof(hname), "dpsec_rq_%s", conf->name);
	hp.name = hname;
	hp.key_len = sizeof(uint32_t);
	ctx->reqids = rte_hash_create(&hp);
	if (ctx->reqids == NULL) {
		ret = rte_errno == EEXIST ? EEXIST : ENOMEM;
		goto fail;
	}

	ctx->slots = rte_zmalloc_socket("dpsec_slots",
			conf->max_sa * sizeof(ctx->slots[0]), 0,
			conf->socket_id);
	if (ctx->slots == NULL) {
		ret = ENOMEM;
		goto fail;
	}

	qsz = rte_rcu_qsbr_get_memsize(DPSEC_QSBR_THREADS);
	ctx->qsbr = rte_zmalloc_socket("dpsec_qsbr", qsz, RTE_CACHE_LINE_SIZE,
				       conf->socket_id);
	if (ctx->qsbr == NULL ||
	    rte_rcu_qsbr_init(ctx->qsbr, DPSEC_QSBR_THREADS) != 0) {
		ret = ENOMEM;
		goto fail;
	}
	for (lc = 0; lc < DPSEC_QSBR_THREADS; lc++)
		rte_rcu_qsbr_thread_register(ctx->qsbr, lc);

	/* Counter slots (sa.h, struct sa_counters): one per EAL lcore,
	 * the lcores that have an engine, and one shared by any other. */
	ctx->nb_lc = (uint16_t)rte_lcore_count();
	for (lc = 0; lc < RTE_MAX_LCORE; lc++)
		ctx->lc_slot[lc] = ctx->nb_lc;
	k = 0;
	RTE_LCORE_FOREACH(lc)
		ctx->lc_slot[lc] = k++;
	/* Engines for every EAL lcore now; the data path never allocates. */
	RTE_LCORE_FOREACH(lc) {
		ctx->engine[lc] = engine_create(conf->backend);
		if (ctx->engine[lc] == NULL) {
			ret = ENOMEM;
			goto fail;
		}
	}
	/* Last: from here on the context's calls and SA handles work. */
	if (reg_add(ctx) != 0) {
		DPSEC_LOG(ERR, "dpsec_create: context %s: %u contexts live "
			  "already", conf->name, (unsigned int)DPSEC_MAX_CTX);
		ret = ENOSPC;
		goto fail;
	}
	return ctx;
fail:
	if (ret != ENOSPC)
		DPSEC_LOG(ERR, "dpsec_create: context %s: %s", conf->name,
			  ret == EEXIST ? "hash table name taken" :
			  "out of memory");
	ctx_destroy(ctx);
	rte_errno = ret;
	return NULL;
}

void
dpsec_free(struct dpsec_ctx *ctx)
{
	if (ctx == NULL)
		return;
	/* A context freed already (or never made) is not touched: its
	 * memory may be anything by now. */
	if (!reg_del(ctx)) {
		DPSEC_LOG(ERR, "dpsec_free: %p is not a live context (freed "
			  "twice?)", (void *)ctx);
		rte_errno = EINVAL;
		return;
	}
	ctx_destroy(ctx);
}

static void
ctx_destroy(struct dpsec_ctx *ctx)
{
	unsigned int lc;

	/* First: once out of the list no telemetry callback can hold it. */
	ctx_list_del(ctx);
	offload_events_off(ctx);	/* no re-push from here on */
	sa_destroy_all(ctx);
	tls_destroy_all(ctx);
	offload_graves_fini(ctx);	/* before their pools go */
	offload_ports_free(ctx);
	for (lc = 0; lc < RTE_MAX_LCORE; lc++)
		dpsec_crypto_engine_free(ctx->engine[lc]);
	rte_hash_free(ctx->reqids);
	rte_hash_free(ctx->sad);
	rte_free(ctx->qsbr);
	rte_free(ctx->slots);
	rte_free(ctx);
}

int
dpsec_event_cb_set(struct dpsec_ctx *ctx, dpsec_event_cb cb, void *arg)
{
	if (!ctx_ok(ctx, __func__))
		return -EINVAL;
	rte_spinlock_lock(&ctx->ctl_lock);
	ctx->event_arg = arg;
	ctx->event_cb = cb;
	rte_spinlock_unlock(&ctx->ctl_lock);
	return 0;
}
