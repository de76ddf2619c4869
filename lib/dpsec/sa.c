/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SAs: validation, placement, keys, SAD membership, lifetimes and events.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_flow.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "esp_wire.h"
#include "sad.h"

static const char *const place_reason_str[DPSEC_PLACE_R_MAX] = {
#define DPSEC_PLACE_STR(n, s) [DPSEC_PLACE_R_ ## n] = s,
	DPSEC_PLACE_REASONS(DPSEC_PLACE_STR)
#undef DPSEC_PLACE_STR
};

const char *
dpsec_place_reason_str(enum dpsec_place_reason r)
{
	return (unsigned int)r < DPSEC_PLACE_R_MAX ? place_reason_str[r] :
						     "unknown";
}

/*
 * The crypto layer's algorithm of each public one. Everything else about
 * an algorithm (key, salt, IV, ICV, alignment, AEAD or not, name) is read
 * from its row of lib/common/crypto_algos.h.
 */
static const uint8_t pub_cipher[] = {
	[DPSEC_CIPHER_NULL] = DPSEC_CRYPTO_CIPHER_NULL,
	[DPSEC_CIPHER_AES_CBC_128] = DPSEC_CRYPTO_CIPHER_AES_CBC_128,
	[DPSEC_CIPHER_AES_CBC_256] = DPSEC_CRYPTO_CIPHER_AES_CBC_256,
	[DPSEC_CIPHER_AES_GCM_128] = DPSEC_CRYPTO_CIPHER_AES_GCM_128,
	[DPSEC_CIPHER_AES_GCM_256] = DPSEC_CRYPTO_CIPHER_AES_GCM_256,
	[DPSEC_CIPHER_CHACHA20_POLY1305] = DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305,
};

static const uint8_t pub_auth[] = {
	[DPSEC_AUTH_NONE] = DPSEC_CRYPTO_AUTH_NULL,
	[DPSEC_AUTH_HMAC_SHA1_96] = DPSEC_CRYPTO_AUTH_HMAC_SHA1_96,
	[DPSEC_AUTH_HMAC_SHA256_128] = DPSEC_CRYPTO_AUTH_HMAC_SHA256_128,
	[DPSEC_AUTH_HMAC_SHA384_192] = DPSEC_CRYPTO_AUTH_HMAC_SHA384_192,
	[DPSEC_AUTH_HMAC_SHA512_256] = DPSEC_CRYPTO_AUTH_HMAC_SHA512_256,
};

enum dpsec_crypto_cipher
sa_cipher_alg(enum dpsec_cipher c)
{
	return (unsigned int)c < RTE_DIM(pub_cipher) ?
	       (enum dpsec_crypto_cipher)pub_cipher[c] : DPSEC_CRYPTO_CIPHER_MAX;
}

enum dpsec_crypto_auth
sa_auth_alg(enum dpsec_auth a)
{
	return (unsigned int)a < RTE_DIM(pub_auth) ?
	       (enum dpsec_crypto_auth)pub_auth[a] : DPSEC_CRYPTO_AUTH_MAX;
}

/* Log which field is wrong and why, then fail with -EINVAL. */
#define BAD(field, fmt, ...) do { \
	DPSEC_LOG(ERR, "SA 0x%08x: %s: " fmt, spi, field, ##__VA_ARGS__); \
	return -EINVAL; } while (0)

static int
addr_ok(const struct dpsec_addr *a)
{
	return a->family == 4 || a->family == 6;
}

static int
check_conf(const struct dpsec_sa_conf *c)
{
	const struct dpsec_crypto_cipher_info *ci;
	const struct dpsec_crypto_auth_info *ai;
	uint32_t spi = c->spi;

	/* RFC 4303 §2.1: 0 must not be sent; 1..255 are reserved by IANA
	 * "for future use" but not forbidden, and manual keying uses them
	 * (ipsec-secgw's sample configurations do). */
	if (c->spi == 0)
		BAD("spi", "0 is reserved for local use (RFC 4303 §2.1)");
	if (c->dir != DPSEC_SA_OUTBOUND && c->dir != DPSEC_SA_INBOUND)
		BAD("dir", "must be OUTBOUND or INBOUND");
	if (c->mode != DPSEC_SA_TUNNEL && c->mode != DPSEC_SA_TRANSPORT)
		BAD("mode", "must be TUNNEL or TRANSPORT");
	ci = dpsec_crypto_cipher_info_get(sa_cipher_alg(c->cipher));
	ai = dpsec_crypto_auth_info_get(sa_auth_alg(c->auth));
	if (ci == NULL)
		BAD("cipher", "unknown cipher %d", c->cipher);
	if (ai == NULL)
		BAD("auth", "unknown integrity algorithm %d", c->auth);
	if (ci->aead && c->auth != DPSEC_AUTH_NONE)
		BAD("auth", "an AEAD cipher takes no separate integrity");
	if (!ci->aead && c->auth == DPSEC_AUTH_NONE)
		BAD("auth", "ESP without integrity is not supported");
	if (c->cipher_key_len != 0 && c->cipher_key == NULL)
		BAD("cipher_key", "NULL with cipher_key_len %u",
		    c->cipher_key_len);
	if (c->cipher_key_len != ci->key_len + ci->salt_len)
		BAD("cipher_key", "%u bytes expected for %s%s",
		    ci->key_len + ci->salt_len, ci->name,
		    ci->salt_len ? " (key + 4-byte salt)" : "");
	if (c->auth_key_len != 0 && c->auth_key == NULL)
		BAD("auth_key", "NULL with auth_key_len %u", c->auth_key_len);
	if (c->auth_key_len != ai->key_len)
		BAD("auth_key", "%u bytes expected for %s", ai->key_len,
		    ai->name);
	if (c->mode == DPSEC_SA_TUNNEL &&
	    (!addr_ok(&c->src) || !addr_ok(&c->dst) ||
	     c->src.family != c->dst.family))
		BAD("src/dst", "tunnel endpoints must be both IPv4 or both IPv6");
	/* A transport SA carries the family of dst, or both when dst.family
	 * is 0 (only where the SAD key needs no address). */
	if (c->mode == DPSEC_SA_TRANSPORT && c->dst.family != 0 &&
	    !addr_ok(&c->dst))
		BAD("dst", "transport SAs take dst.family 4, 6 or 0 (either)");
	if (c->dir == DPSEC_SA_INBOUND) {
		if ((unsigned int)c->sad_key > DPSEC_SAD_SPI_DST_SRC)
			BAD("sad_key", "unknown key kind");
		if (c->sad_key >= DPSEC_SAD_SPI_DST && !addr_ok(&c->dst))
			BAD("dst", "needed by the SAD key");
		if (c->sad_key == DPSEC_SAD_SPI_DST_SRC &&
		    (!addr_ok(&c->src) || c->src.family != c->dst.family))
			BAD("src", "needed by the SAD key, same family as dst");
		if (c->replay_window > DPSEC_MAX_REPLAY_WINDOW)
			BAD("replay_window", "at most %u",
			    DPSEC_MAX_REPLAY_WINDOW);
	}
	if ((c->flags & DPSEC_SA_F_NATT) &&
	    (c->natt_sport == 0 || c->natt_dport == 0))
		BAD("natt_sport/natt_dport", "NAT-T needs both UDP ports");
	if (c->flags & ~(uint32_t)(DPSEC_SA_F_ESN | DPSEC_SA_F_NATT |
				   DPSEC_SA_F_COPY_DSCP | DPSEC_SA_F_COPY_DF |
				   DPSEC_SA_F_NO_INLINE_PROTOCOL))
		BAD("flags", "unknown flag bits 0x%x", c->flags);
	if (c->dir == DPSEC_SA_OUTBOUND && !(c->flags & DPSEC_SA_F_ESN) &&
	    c->seq_start >= UINT32_MAX)
		BAD("seq_start", "beyond the 32-bit sequence space");
	if ((unsigned int)c->offload > DPSEC_OFFLOAD_NONE)
		BAD("offload", "unknown preference");
	return 0;
}

/* Tunnel outer header template: IP (+ UDP for NAT-T), lengths left 0. */
static void
build_outer(struct dpsec_sa *sa, const struct dpsec_sa_conf *c)
{
	uint8_t proto = (c->flags & DPSEC_SA_F_NATT) ? IPPROTO_UDP :
						       IPPROTO_ESP;
	uint16_t l3;

	sa->outer_family = c->dst.family;
	if (c->dst.family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)sa->hdr;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->time_to_live = sa->ttl;
		ip->next_proto_id = proto;
		ip->src_addr = c->src.v4;
		ip->dst_addr = c->dst.v4;
		sa->hdr_sum = ipv4_cksum_base(ip);
		l3 = sizeof(*ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)sa->hdr;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->proto = proto;
		ip->hop_limits = sa->ttl;
		memcpy(ip->src_addr, c->src.v6, 16);
		memcpy(ip->dst_addr, c->dst.v6, 16);
		l3 = sizeof(*ip);
	}
	sa->hdr_len = l3;
	if (c->flags & DPSEC_SA_F_NATT) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(sa->hdr + l3);

		u->src_port = rte_cpu_to_be_16(c->natt_sport);
		u->dst_port = rte_cpu_to_be_16(c->natt_dport);
		sa->hdr_len += sizeof(*u);
	}
}

/* TSC deadline @seconds after @start; 0 for no limit, UINT64_MAX - 1 for
 * one too far to represent (never reached, but still "a limit"). */
static uint64_t
deadline_tsc(uint64_t start, uint64_t seconds)
{
	uint64_t hz = rte_get_tsc_hz();

	if (seconds == 0)
		return 0;
	if (hz == 0 || seconds > (UINT64_MAX - 1 - start) / hz)
		return UINT64_MAX - 1;
	return start + seconds * hz;
}

/*
 * The lifetime limits of @sa (creation and dpsec_sa_update()). Outbound,
 * a hard packet limit is also a shorter sequence space. Bursts on other
 * lcores read each field atomically; the volume limits are published
 * before vol_limits turns them on.
 */
static void
sa_limits_set(struct dpsec_sa *sa, const struct dpsec_lifetime *soft,
	      const struct dpsec_lifetime *hard)
{
	const struct dpsec_sa_conf *c = &sa->conf;
	uint64_t seq_max = (c->flags & DPSEC_SA_F_ESN) ? UINT64_MAX :
			   UINT32_MAX;
	bool is_hard = false, vol;
	uint64_t st, ht;

	if (hard->packets != 0 && c->dir == DPSEC_SA_OUTBOUND &&
	    hard->packets < seq_max - c->seq_start) {
		seq_max = c->seq_start + hard->packets;
		is_hard = true;
	}
	vol = soft->packets || hard->packets || soft->bytes || hard->bytes;
	__atomic_store_n(&sa->soft_packets, soft->packets, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->hard_packets, hard->packets, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->soft_bytes, soft->bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->hard_bytes, hard->bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->vol_limits, vol, __ATOMIC_RELEASE);
	sa->seq_max_is_hard = is_hard;
	__atomic_store_n(&sa->seq_max, seq_max, __ATOMIC_RELEASE);
	st = deadline_tsc(sa->created_tsc, soft->seconds);
	ht = deadline_tsc(sa->created_tsc, hard->seconds);
	__atomic_store_n(&sa->soft_tsc, st, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->hard_tsc, ht, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->time_first,
			 RTE_MIN(st ? st : UINT64_MAX, ht ? ht : UINT64_MAX),
			 __ATOMIC_RELEASE);
}

/* Under ctx->ctl_lock: a free slot and a fresh uid (handle) for @sa. */
static int
slot_take(struct dpsec_ctx *ctx, struct dpsec_sa *sa)
{
	uint32_t i;

	for (i = 0; i < ctx->max_sa; i++) {
		if (ctx->slots[i] == NULL) {
			ctx->slot_gen = (ctx->slot_gen + 1) & SA_ID_GEN_MASK;
			if (ctx->slot_gen == 0)
				ctx->slot_gen = 1;
			sa->slot = i;
			sa->uid = SA_ID_TAG |
				  (uint64_t)ctx->slot_gen << SA_ID_GEN_SHIFT |
				  (uint64_t)ctx->reg_idx << SA_ID_CTX_SHIFT | i;
			__atomic_store_n(&ctx->slots[i], sa, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -ENOSPC;
}

static void
sa_keys_wipe(struct dpsec_sa *sa)
{
	explicit_bzero(sa->nic_key, sizeof(sa->nic_key));
	explicit_bzero(sa->nic_akey, sizeof(sa->nic_akey));
	sa->keys_kept = false;
}

struct dpsec_sa *
dpsec_sa_create(struct dpsec_ctx *ctx, const struct dpsec_sa_conf *c)
{
	size_t base, rsz = 0, ksz = dpsec_crypto_key_size(), cnt_off;
	const struct dpsec_crypto_cipher_info *ci;
	struct dpsec_sa *sa;
	int ret;

	if (!ctx_ok(ctx, __func__)) {
		rte_errno = EINVAL;
		return NULL;
	}
	offload_graves_reap(ctx, false, RTE_MAX_ETHPORTS);
	if (c == NULL) {
		DPSEC_LOG(ERR, "dpsec_sa_create: NULL conf");
		rte_errno = EINVAL;
		return NULL;
	}
	ret = check_conf(c);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	if (c->dir == DPSEC_SA_INBOUND)
		rsz = dpsec_replay_size(c->replay_window);
	else
		rsz = sizeof(struct dpsec_replay);
	base = offsetof(struct dpsec_sa, replay) + rsz;
	base = RTE_ALIGN_CEIL(base, RTE_CACHE_LINE_SIZE);
	/* Then the key, then a counter slot per lcore the context serves
	 * and the shared one: memory grows with the lcores in use, not
	 * with RTE_MAX_LCORE (doc/programmers_guide.md, "Counters"). */
	cnt_off = RTE_ALIGN_CEIL(base + ksz, RTE_CACHE_LINE_SIZE);

	sa = rte_zmalloc_socket("dpsec_sa", cnt_off + (ctx->nb_lc + 1u) *
				sizeof(struct sa_counters),
				RTE_CACHE_LINE_SIZE, ctx->socket_id);
	if (sa == NULL) {
		DPSEC_LOG(ERR, "SA 0x%08x: out of memory", c->spi);
		rte_errno = ENOMEM;
		return NULL;
	}
	sa->ctx = ctx;
	sa->cnt = (struct sa_counters *)((uint8_t *)sa + cnt_off);
	sa->conf = *c;
	sa->conf.cipher_key = NULL;
	sa->conf.auth_key = NULL;
	sa->spi_be = rte_cpu_to_be_32(c->spi);
	sa->dir = (uint8_t)c->dir;
	sa->mode = (uint8_t)c->mode;
	ci = dpsec_crypto_cipher_info_get(sa_cipher_alg(c->cipher));
	sa->aead = ci->aead;
	sa->iv_len = ci->iv_len;
	sa->icv_len = ci->aead ? ci->icv_len :
		      dpsec_crypto_auth_info_get(sa_auth_alg(c->auth))->icv_len;
	sa->pad_align = ci->pad_align;
	sa->flags = c->flags;
	sa->port_id = c->port_id;
	sa->natt_sport = c->natt_sport;
	sa->natt_dport = c->natt_dport;
	sa->dst_family = c->dst.family;
	/* A burst function from the start; offload_place() may change it. */
	sa_placement_set(sa, DPSEC_PLACE_SW);
	sa->ttl = c->ttl ? c->ttl : 64;
	sa->sad_pos = -1;
	sa->created_tsc = rte_get_tsc_cycles();
	rte_spinlock_init(&sa->replay_lock);
	if (ci->salt_len)
		memcpy(sa->salt, c->cipher_key + c->cipher_key_len - 4, 4);

	sa->seq = c->seq_start;
	sa->sw_ceiling = UINT64_MAX;
	sa_limits_set(sa, &c->soft, &c->hard);

	if (c->dir == DPSEC_SA_INBOUND &&
	    dpsec_replay_init(&sa->replay, rsz, c->replay_window,
			      (c->flags & DPSEC_SA_F_ESN) != 0) != 0) {
		DPSEC_LOG(ERR, "SA 0x%08x: replay_window: %u refused",
			  c->spi, c->replay_window);
		ret = -EINVAL;
		goto fail;
	}
	if (c->dir == DPSEC_SA_INBOUND)
		dpsec_replay_start(&sa->replay, c->seq_start);

	sa->key = (struct dpsec_crypto_key *)((uint8_t *)sa + base);
	ret = dpsec_crypto_key_init(sa->key,
		ctx->backend == DPSEC_BACKEND_OPENSSL ? DPSEC_CRYPTO_OPENSSL :
							DPSEC_CRYPTO_IPSEC_MB,
		sa_cipher_alg(c->cipher), c->cipher_key,
		(uint16_t)(c->cipher_key_len - ci->salt_len),
		sa_auth_alg(c->auth), c->auth_key, c->auth_key_len);
	if (ret != 0) {
		DPSEC_LOG(ERR, "SA 0x%08x: crypto key setup failed: %s",
			  c->spi, strerror(-ret));
		goto fail;
	}
	if (c->mode == DPSEC_SA_TUNNEL)
		build_outer(sa, c);
	/* An SA that may go on a NIC keeps its keys for new sessions (the
	 * NIC's table may be full now, or lost in a reset later). */
	if (c->offload != DPSEC_OFFLOAD_NONE) {
		if (c->cipher_key_len != 0)
			memcpy(sa->nic_key, c->cipher_key, c->cipher_key_len);
		if (c->auth_key_len != 0)
			memcpy(sa->nic_akey, c->auth_key, c->auth_key_len);
		sa->keys_kept = true;
	}

	rte_spinlock_lock(&ctx->ctl_lock);
	if (ctx->nb_sa >= ctx->max_sa) {
		rte_spinlock_unlock(&ctx->ctl_lock);
		ret = -ENOSPC;
		goto fail_full;
	}
	/* An id before placement: a NIC session carries it as userdata. */
	ret = slot_take(ctx, sa);
	rte_spinlock_unlock(&ctx->ctl_lock);
	if (ret != 0)
		goto fail_full;

	ret = offload_place(ctx, sa);
	if (ret != 0) {
		DPSEC_LOG(ERR, "SA 0x%08x: placement failed: %s", c->spi,
			  rte_strerror(-ret));
		goto fail_slot;
	}

	rte_spinlock_lock(&ctx->ctl_lock);
	if (ctx->nb_sa >= ctx->max_sa) {
		rte_spinlock_unlock(&ctx->ctl_lock);
		DPSEC_LOG(ERR, "SA 0x%08x: context %s full (max_sa %u)",
			  c->spi, ctx->name, ctx->max_sa);
		ret = -ENOSPC;
		goto fail_slot;
	}
	if (c->dir == DPSEC_SA_INBOUND) {
		ret = sad_add(ctx, sa);
		if (ret != 0) {
			rte_spinlock_unlock(&ctx->ctl_lock);
			goto fail_slot;
		}
	}
	ctx->nb_sa++;
	TAILQ_INSERT_TAIL(&ctx->sas, sa, next);
	rte_spinlock_unlock(&ctx->ctl_lock);
	return sa_handle(sa);

fail_full:
	DPSEC_LOG(ERR, "SA 0x%08x: context %s full (max_sa %u)", c->spi,
		  ctx->name, ctx->max_sa);
	goto fail_key;

fail_slot:
	offload_unplace(sa);
	rte_spinlock_lock(&ctx->ctl_lock);
	ctx->slots[sa->slot] = NULL;
	rte_spinlock_unlock(&ctx->ctl_lock);
fail_key:
	dpsec_crypto_key_wipe(sa->key);
fail:
	sa_keys_wipe(sa);
	rte_free(sa);
	rte_errno = -ret;
	return NULL;
}

static void
sa_free(struct dpsec_sa *sa)
{
	sa_keys_wipe(sa);
	dpsec_crypto_key_wipe(sa->key);
	explicit_bzero(sa->salt, sizeof(sa->salt));
	rte_free(sa);
}

/*
 * The SA handle @h names, for @fn: 0, -EINVAL (NULL or malformed handle;
 * with @ctx not NULL, an SA of another context) or -ENOENT (no live SA
 * has that id: destroyed, or its context freed). Logged. The caller holds
 * @ctx's ctl_lock, or accepts that the SA is valid only until someone
 * destroys it (sa_from_handle()).
 */
int
sa_resolve(struct dpsec_ctx *ctx, const struct dpsec_sa *h, const char *fn,
	   struct dpsec_sa **sap)
{
	uint64_t id = (uintptr_t)h;
	struct dpsec_sa *sa;

	*sap = NULL;
	if (h == NULL) {
		DPSEC_LOG(ERR, "%s: NULL SA", fn);
		return -EINVAL;
	}
	if (!(id & SA_ID_TAG) || ((id >> SA_ID_GEN_SHIFT) & SA_ID_GEN_MASK) ==
				 0) {
		DPSEC_LOG(ERR, "%s: %p is not an SA handle", fn, (const void *)h);
		return -EINVAL;
	}
	sa = sa_from_handle(h);
	if (sa == NULL) {
		DPSEC_LOG(ERR, "%s: no live SA for handle 0x%" PRIx64
			  " (destroyed?)", fn, id);
		return -ENOENT;
	}
	if (ctx != NULL && sa->ctx != ctx) {
		DPSEC_LOG(ERR, "%s: SA 0x%08x belongs to another context than "
			  "%s", fn, sa->conf.spi, ctx->name);
		return -EINVAL;
	}
	*sap = sa;
	return 0;
}

/*
 * ctx_ok(@ctx), then sa_resolve() under its ctl_lock: on success the lock
 * is held (the SA cannot be destroyed under the caller), on failure it is
 * not.
 */
int
sa_resolve_lock(struct dpsec_ctx *ctx, const struct dpsec_sa *h,
		const char *fn, struct dpsec_sa **sap)
{
	int ret;

	*sap = NULL;
	if (!ctx_ok(ctx, fn))
		return -EINVAL;
	rte_spinlock_lock(&ctx->ctl_lock);
	ret = sa_resolve(ctx, h, fn, sap);
	if (ret != 0)
		rte_spinlock_unlock(&ctx->ctl_lock);
	return ret;
}

/* Under ctx->ctl_lock: take @sa out of everything a lookup reaches (SAD,
 * list, slot: its handle is stale from here on). Returns its SAD key
 * position, or -1. */
static int32_t
sa_unlink(struct dpsec_ctx *ctx, struct dpsec_sa *sa)
{
	int32_t pos = -1;

	__atomic_store_n(&sa->state, DPSEC_SA_DEAD, __ATOMIC_RELEASE);
	if (sa->dir == DPSEC_SA_INBOUND)
		pos = sad_del(ctx, sa);
	TAILQ_REMOVE(&ctx->sas, sa, next);
	ctx->nb_sa--;
	__atomic_store_n(&ctx->slots[sa->slot], NULL, __ATOMIC_RELEASE);
	return pos;
}

/* After sa_unlink(), without the lock: free @sa once no lcore holds it. */
static void
sa_release(struct dpsec_ctx *ctx, struct dpsec_sa *sa, int32_t pos)
{
	/* The NIC stops working for it; packets it already decrypted are
	 * dropped as NO_SA like any other in flight. */
	if (sa->flow != NULL) {
		struct rte_flow_error err;

		rte_flow_destroy(sa->conf.port_id, sa->flow, &err);
		sa->flow = NULL;
	}

	/* Wait until no lcore can still be inside a burst holding sa;
	 * with lock-free readers the key slot is ours to free after that. */
	rte_rcu_qsbr_synchronize(ctx->qsbr, RTE_QSBR_THRID_INVALID);
	if (pos >= 0)
		rte_hash_free_key_with_position(ctx->sad, pos);
	offload_unplace(sa);
	sa_free(sa);
}

int
dpsec_sa_destroy(struct dpsec_ctx *ctx, struct dpsec_sa *h)
{
	struct dpsec_sa *sa;
	int32_t pos;
	int ret;

	/* Resolved and unlinked under one hold of ctl_lock: of two
	 * destroys of one handle, the second finds no SA. */
	ret = sa_resolve_lock(ctx, h, __func__, &sa);
	if (ret != 0)
		return ret;
	pos = sa_unlink(ctx, sa);
	rte_spinlock_unlock(&ctx->ctl_lock);
	sa_release(ctx, sa, pos);
	offload_graves_reap(ctx, false, RTE_MAX_ETHPORTS);
	return 0;
}

void
sa_destroy_all(struct dpsec_ctx *ctx)
{
	struct dpsec_sa *sa;
	int32_t pos;

	for (;;) {
		rte_spinlock_lock(&ctx->ctl_lock);
		sa = TAILQ_FIRST(&ctx->sas);
		pos = sa != NULL ? sa_unlink(ctx, sa) : -1;
		rte_spinlock_unlock(&ctx->ctl_lock);
		if (sa == NULL)
			break;
		sa_release(ctx, sa, pos);
	}
}

void
sa_info_read(const struct dpsec_sa *sa, struct dpsec_sa_info *info)
{
	memset(info, 0, sizeof(*info));
	info->spi = sa->conf.spi;
	info->dir = sa->conf.dir;
	info->placement = sa->placement;
	info->place_reason = sa->place_reason;
	info->port_id = sa->conf.port_id;
	info->state = __atomic_load_n(&sa->state, __ATOMIC_ACQUIRE);
	info->seq = sa->dir == DPSEC_SA_OUTBOUND ?
		    RTE_MIN(__atomic_load_n(&sa->seq, __ATOMIC_RELAXED),
			    sa->seq_max) :
		    dpsec_replay_top(&sa->replay);
	info->userdata = sa->conf.userdata;
}

int
dpsec_sa_info(const struct dpsec_sa *h, struct dpsec_sa_info *info)
{
	struct dpsec_sa *sa;
	int ret;

	if (info == NULL) {
		DPSEC_LOG(ERR, "%s: NULL info", __func__);
		return -EINVAL;
	}
	ret = sa_resolve(NULL, h, __func__, &sa);
	if (ret == 0)
		sa_info_read(sa, info);
	return ret;
}

/* The sums of the SA's per-lcore counters (each slot read atomically;
 * the sum is a snapshot only as of no burst in flight). */
void
sa_stats_read(const struct dpsec_sa *sa, struct dpsec_sa_stats *st)
{
	unsigned int i, l;

	memset(st, 0, sizeof(*st));
	for (l = 0; l <= sa->ctx->nb_lc; l++) {
		const struct sa_counters *c = &sa->cnt[l];

		st->packets += __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
		st->bytes += __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
		for (i = 0; i < DPSEC_R_MAX; i++)
			st->drops[i] += __atomic_load_n(&c->drops[i],
							__ATOMIC_RELAXED);
	}
}

int
dpsec_sa_stats_get(const struct dpsec_sa *h, struct dpsec_sa_stats *st)
{
	struct dpsec_sa *sa;
	int ret;

	if (st == NULL) {
		DPSEC_LOG(ERR, "%s: NULL stats", __func__);
		return -EINVAL;
	}
	ret = sa_resolve(NULL, h, __func__, &sa);
	if (ret == 0)
		sa_stats_read(sa, st);
	return ret;
}

int
dpsec_sa_update(struct dpsec_ctx *ctx, struct dpsec_sa *h,
		const struct dpsec_sa_update *upd)
{
	const uint32_t all = DPSEC_SA_UPD_SOFT | DPSEC_SA_UPD_HARD |
			     DPSEC_SA_UPD_USERDATA;
	struct dpsec_lifetime soft, hard;
	struct dpsec_sa *sa;
	uint64_t p, b;
	int ret;

	if (upd == NULL || upd->mask == 0 || (upd->mask & ~all) != 0) {
		DPSEC_LOG(ERR, "%s: %s", __func__, upd == NULL ? "NULL update" :
			  "mask: nothing, or unknown bits, to update");
		return -EINVAL;
	}
	ret = sa_resolve_lock(ctx, h, __func__, &sa);
	if (ret != 0)
		return ret;
	if (__atomic_load_n(&sa->state, __ATOMIC_ACQUIRE) == DPSEC_SA_DEAD) {
		rte_spinlock_unlock(&ctx->ctl_lock);
		DPSEC_LOG(ERR, "%s: SA 0x%08x is dead", __func__, sa->conf.spi);
		return -EPERM;
	}
	soft = upd->mask & DPSEC_SA_UPD_SOFT ? upd->soft : sa->conf.soft;
	hard = upd->mask & DPSEC_SA_UPD_HARD ? upd->hard : sa->conf.hard;
	if (upd->mask & DPSEC_SA_UPD_USERDATA)
		__atomic_store_n(&sa->conf.userdata, upd->userdata,
				 __ATOMIC_RELAXED);
	if (upd->mask & (DPSEC_SA_UPD_SOFT | DPSEC_SA_UPD_HARD)) {
		/* Totals kept so far only when there was a volume limit. */
		if (!sa->vol_limits) {
			struct dpsec_sa_stats st;

			sa_stats_read(sa, &st);
			__atomic_store_n(&sa->life_packets, st.packets,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&sa->life_bytes, st.bytes,
					 __ATOMIC_RELAXED);
		}
		sa->conf.soft = soft;
		sa->conf.hard = hard;
		sa_limits_set(sa, &soft, &hard);
		/* Limits crossed already: their events now, soft first. */
		p = __atomic_load_n(&sa->life_packets, __ATOMIC_RELAXED);
		b = __atomic_load_n(&sa->life_bytes, __ATOMIC_RELAXED);
		if ((soft.packets && p >= soft.packets) ||
		    (soft.bytes && b >= soft.bytes))
			sa_raise(sa, DPSEC_EV_SOFT_EXPIRED);
		if ((hard.packets && p >= hard.packets) ||
		    (hard.bytes && b >= hard.bytes))
			sa_raise(sa, DPSEC_EV_HARD_EXPIRED);
		sa_expire_time(sa, rte_get_tsc_cycles());
	}
	rte_spinlock_unlock(&ctx->ctl_lock);
	return 0;
}

/* Raise an event once per SA; true if this call raised it. */
bool
sa_raise(struct dpsec_sa *sa, enum dpsec_event ev)
{
	struct dpsec_ctx *ctx = sa->ctx;
	uint32_t bit = 1u << ev;

	/* Plain load first: after the event, bursts keep asking. */
	if (__atomic_load_n(&sa->events_sent, __ATOMIC_RELAXED) & bit)
		return false;
	if (__atomic_fetch_or(&sa->events_sent, bit, __ATOMIC_ACQ_REL) & bit)
		return false;
	if (ev != DPSEC_EV_SOFT_EXPIRED)
		__atomic_store_n(&sa->state, DPSEC_SA_DEAD, __ATOMIC_RELEASE);
	else
		__atomic_compare_exchange_n(&sa->state,
			&(uint32_t){ DPSEC_SA_ACTIVE }, DPSEC_SA_SOFT_EXPIRED,
			false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	if (ctx->event_cb != NULL)
		ctx->event_cb(ctx, sa_handle(sa), ev, sa->conf.userdata,
			      ctx->event_arg);
	return true;
}

/*
 * Time lifetimes at TSC @now: soft before hard, like sa_account(), so an
 * SA first looked at after both deadlines still reports them in order.
 * Returns the number of events raised.
 */
unsigned int
sa_expire_time(struct dpsec_sa *sa, uint64_t now)
{
	unsigned int n = 0;

	if (sa->soft_tsc != 0 && now >= sa->soft_tsc &&
	    __atomic_load_n(&sa->state, __ATOMIC_ACQUIRE) != DPSEC_SA_DEAD)
		n += sa_raise(sa, DPSEC_EV_SOFT_EXPIRED);
	if (sa->hard_tsc != 0 && now >= sa->hard_tsc)
		n += sa_raise(sa, DPSEC_EV_HARD_EXPIRED);
	return n;
}

int
dpsec_sa_expire_check(struct dpsec_ctx *ctx)
{
	struct dpsec_sa *sa;
	uint64_t now;
	int n = 0;

	if (!ctx_ok(ctx, __func__))
		return -EINVAL;
	rte_spinlock_lock(&ctx->ctl_lock);
	now = rte_get_tsc_cycles();
	TAILQ_FOREACH(sa, &ctx->sas, next)
		if (now >= sa->time_first)
			n += (int)sa_expire_time(sa, now);
	rte_spinlock_unlock(&ctx->ctl_lock);
	offload_graves_reap(ctx, false, RTE_MAX_ETHPORTS);
	return n;
}

/*
 * Count a burst's good packets (by the lcore of counter slot @slot) and
 * check the volume lifetimes: against totals over all lcores, kept only
 * for SAs that have such a lifetime.
 */
void
sa_account(struct dpsec_sa *sa, uint32_t slot, uint64_t packets,
	   uint64_t bytes)
{
	struct sa_counters *c = &sa->cnt[slot];
	uint64_t p, b;

	if (packets == 0)
		return;
	sa_cnt_add(sa, slot, &c->packets, packets);
	sa_cnt_add(sa, slot, &c->bytes, bytes);
	if (likely(!sa->vol_limits))
		return;
	p = __atomic_add_fetch(&sa->life_packets, packets, __ATOMIC_RELAXED);
	b = __atomic_add_fetch(&sa->life_bytes, bytes, __ATOMIC_RELAXED);
	/* Soft first: one burst may cross both limits. */
	if ((sa->soft_packets && p >= sa->soft_packets) ||
	    (sa->soft_bytes && b >= sa->soft_bytes))
		sa_raise(sa, DPSEC_EV_SOFT_EXPIRED);
	if ((sa->hard_packets && p >= sa->hard_packets) ||
	    (sa->hard_bytes && b >= sa->hard_bytes))
		sa_raise(sa, DPSEC_EV_HARD_EXPIRED);
}
