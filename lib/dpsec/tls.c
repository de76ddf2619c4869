/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS record contexts: creation and placement (NIC through the driver's
 * TLS ops, or software), the TX path (record tracking by TCP sequence,
 * sealing in place or marking for the NIC) and the RX path (records
 * assembled from in-order segments, authenticated before delivery:
 * DECRYPTED by the NIC, ENCRYPTED and opened here, or MIXED: the NIC's
 * parts turned back into ciphertext with the keystream, then the whole
 * record opened here).
 *
 * Threading: a context's datapath calls come from one lcore at a time;
 * create/destroy are control path (ctx->ctl_lock).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "esp.h"
#include "sa.h"
#include "tls.h"

/* Mbuf marks of dpsec_driver.h, registered at the first TLS context. */
static int tx_flag_bit = -1;		/* DPSEC_MBUF_DYNFLAG_TX_TLS */
static int rx_flag_bit = -1;		/* DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED */
static int id_off = -1;			/* DPSEC_MBUF_DYNFIELD_TLS_ID */

enum {
	TLS_TXR_CAP = 1024,		/* unacknowledged records tracked */
	TLS_OUTQ_MIN = 64,		/* first size of the RX output ring */
	TLS_OUTQ_MAX = 1 << 16,		/* its largest */
};

static int
marks_register(void)
{
	static const struct rte_mbuf_dynflag txf = {
		.name = DPSEC_MBUF_DYNFLAG_TX_TLS,
	};
	static const struct rte_mbuf_dynflag rxf = {
		.name = DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED,
	};
	static const struct rte_mbuf_dynfield idf = {
		.name = DPSEC_MBUF_DYNFIELD_TLS_ID,
		.size = sizeof(uint32_t),
		.align = __alignof__(uint32_t),
	};
	int b;

	if (dpsec_mbuf_dynfield_init() != 0)
		return -rte_errno;
	if (tx_flag_bit < 0) {
		b = rte_mbuf_dynflag_register(&txf);
		if (b < 0)
			return -rte_errno;
		tx_flag_bit = b;
	}
	if (rx_flag_bit < 0) {
		b = rte_mbuf_dynflag_register(&rxf);
		if (b < 0)
			return -rte_errno;
		rx_flag_bit = b;
	}
	if (id_off < 0) {
		b = rte_mbuf_dynfield_register(&idf);
		if (b < 0)
			return -rte_errno;
		id_off = b;
	}
	return 0;
}

/* A TLS record AEAD of the crypto layer, or DPSEC_CRYPTO_CIPHER_MAX. */
static enum dpsec_crypto_cipher
tls_cipher(enum dpsec_cipher c)
{
	enum dpsec_crypto_cipher cc = sa_cipher_alg(c);
	const struct dpsec_crypto_cipher_info *ci =
		dpsec_crypto_cipher_info_get(cc);

	return ci != NULL && ci->tls ? cc : DPSEC_CRYPTO_CIPHER_MAX;
}

static bool
addr_ok(const struct dpsec_addr *a)
{
	return a->family == 4 || a->family == 6;
}

#define BAD(field, fmt, ...) do { \
	DPSEC_LOG(ERR, "dpsec_tls_create: %s: " fmt, field, ##__VA_ARGS__); \
	return -EINVAL; } while (0)

static int
tls_conf_check(const struct dpsec_tls_conf *c)
{
	enum dpsec_crypto_cipher cc = tls_cipher(c->cipher);
	const struct dpsec_crypto_cipher_info *ci;

	if (c->ver != DPSEC_TLS_VERSION_1_2 && c->ver != DPSEC_TLS_VERSION_1_3)
		BAD("ver", "0x%04x: TLS 1.2 (0x0303) or 1.3 (0x0304)", c->ver);
	if (c->type != DPSEC_TLS_WRITE && c->type != DPSEC_TLS_READ)
		BAD("type", "must be WRITE or READ");
	if (cc == DPSEC_CRYPTO_CIPHER_MAX)
		BAD("cipher", "%d: AES-128-GCM, AES-256-GCM or "
		    "ChaCha20-Poly1305", c->cipher);
	ci = dpsec_crypto_cipher_info_get(cc);
	if (ci == NULL || !ci->tls)
		BAD("cipher", "%d is not a TLS record AEAD", c->cipher);
	if (c->key == NULL || c->key_len != ci->key_len)
		BAD("key", "%u bytes expected for %s", ci->key_len, ci->name);
	if (!addr_ok(&c->local) || c->local.family != c->remote.family)
		BAD("local/remote", "both IPv4 or both IPv6");
	if (c->local_port == 0 || c->remote_port == 0)
		BAD("local_port/remote_port", "TCP ports are not 0");
	if (c->options.extra_padding_enable && c->ver != DPSEC_TLS_VERSION_1_3)
		BAD("options.extra_padding_enable", "TLS 1.3 only");
	if (c->options.iv_gen_disable &&
	    !(c->ver == DPSEC_TLS_VERSION_1_2 && cc != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305))
		BAD("options.iv_gen_disable", "only TLS 1.2 AES-GCM has an "
		    "explicit nonce");
	if (c->life.packets_soft_limit != 0 && c->life.packets_hard_limit != 0 &&
	    c->life.packets_soft_limit > c->life.packets_hard_limit)
		BAD("life", "soft limit above the hard limit");
	if ((unsigned int)c->offload > DPSEC_OFFLOAD_NONE)
		BAD("offload", "AUTO, REQUIRE or NONE");
	return 0;
}
#undef BAD

/* The driver's view of the context: addresses of the packets carried. */
static void
drv_conf_fill(const struct dpsec_tls *t, struct dpsec_drv_tls_conf *d)
{
	const struct dpsec_tls_conf *c = &t->conf;
	const struct dpsec_addr *src = t->rx ? &c->remote : &c->local;
	const struct dpsec_addr *dst = t->rx ? &c->local : &c->remote;
	size_t alen = c->local.family == 4 ? 4 : 16;

	memset(d, 0, sizeof(*d));
	d->version = (uint16_t)c->ver;
	d->rx = t->rx;
	d->cipher = t->suite.cipher;
	d->key_len = (uint8_t)c->key_len;
	memcpy(d->key, t->nic_key, c->key_len);
	memcpy(d->iv, t->suite.iv, sizeof(d->iv));
	d->family = c->local.family;
	memcpy(d->src, alen == 4 ? (const void *)&src->v4 : src->v6, alen);
	memcpy(d->dst, alen == 4 ? (const void *)&dst->v4 : dst->v6, alen);
	d->sport = t->rx ? c->remote_port : c->local_port;
	d->dport = t->rx ? c->local_port : c->remote_port;
	d->tcp_seq = t->cur.tcp_seq;
	d->rec_seq = t->cur.rec_seq;
}

/* Put a new context on the NIC if it wants and can; else say why not. */
static int
tls_place(struct dpsec_ctx *ctx, struct dpsec_tls *t)
{
	const struct dpsec_tls_conf *c = &t->conf;
	const struct dpsec_drv_tls_ops *ops;
	struct dpsec_drv_tls_caps caps;
	struct dpsec_drv_tls_conf d;
	uint64_t need = t->rx ? DPSEC_DRV_CAP_TLS_RX : DPSEC_DRV_CAP_TLS_TX;
	int ret;

	t->place_reason = DPSEC_PLACE_R_NONE;
	if (c->offload == DPSEC_OFFLOAD_NONE) {
		t->place_reason = DPSEC_PLACE_R_OFFLOAD_NONE;
		return 0;
	}
	if (c->port_id >= RTE_MAX_ETHPORTS || !ctx->ports[c->port_id].attached)
		t->place_reason = DPSEC_PLACE_R_NO_PORT;
	else if ((ops = dpsec_drv_tls_ops_get(c->port_id)) == NULL ||
		 (dpsec_drv_caps_get(c->port_id) & need) == 0 ||
		 ops->add == NULL || ops->del == NULL)
		t->place_reason = DPSEC_PLACE_R_NO_TLS_OFFLOAD;
	else if (ops->caps != NULL && (ops->caps(c->port_id, &caps) != 0 ||
		 !(caps.ciphers & (UINT64_C(1) << t->suite.cipher)) ||
		 (c->ver == DPSEC_TLS_VERSION_1_2 ? !caps.tls12 : !caps.tls13)))
		t->place_reason = DPSEC_PLACE_R_UNSUPPORTED;
	else {
		drv_conf_fill(t, &d);
		ret = ops->add(c->port_id, &d, &t->hw_id);
		explicit_bzero(&d, sizeof(d));
		if (ret == 0) {
			t->ops = ops;
			t->nic = 1;
			__atomic_fetch_add(t->rx ?
				&ctx->tls_port[c->port_id].rx_tls_ctx :
				&ctx->tls_port[c->port_id].tx_tls_ctx, 1,
				__ATOMIC_RELAXED);
			return 0;
		}
		t->place_reason = ret == -ENOSPC ? DPSEC_PLACE_R_TABLE_FULL :
				  ret == -ENOTSUP ? DPSEC_PLACE_R_UNSUPPORTED :
				  DPSEC_PLACE_R_SESSION_FAILED;
		if (c->offload == DPSEC_OFFLOAD_REQUIRE) {
			DPSEC_LOG(ERR, "dpsec_tls_create: port %u refused the "
				  "context: %s", c->port_id, strerror(-ret));
			return ret == -ENOSPC ? -ENOSPC : -ENOTSUP;
		}
	}
	if (c->offload == DPSEC_OFFLOAD_REQUIRE) {
		DPSEC_LOG(ERR, "dpsec_tls_create: offload REQUIRE: %s",
			  dpsec_place_reason_str(t->place_reason));
		return -ENOTSUP;
	}
	return 0;
}

static void
tls_free(struct dpsec_tls *t)
{
	uint32_t i;

	if (t->nic && t->ops != NULL) {
		t->ops->del(t->conf.port_id, t->hw_id);
		__atomic_fetch_add(t->rx ?
			&t->ctx->tls_port[t->conf.port_id].rx_tls_del :
			&t->ctx->tls_port[t->conf.port_id].tx_tls_del, 1,
			__ATOMIC_RELAXED);
	}
	dpsec_aead_stream_release(&t->st);
	rte_pktmbuf_free(t->rx_head);
	for (i = 0; i < t->outq_n; i++)
		rte_pktmbuf_free(t->outq[(t->outq_head + i) % t->outq_cap].m);
	free(t->outq);
	free(t->txr);
	if (t->key != NULL)
		dpsec_crypto_key_wipe(t->key);
	explicit_bzero(t->nic_key, sizeof(t->nic_key));
	explicit_bzero(t->suite.iv, sizeof(t->suite.iv));
	explicit_bzero(t->tag, sizeof(t->tag));
	t->magic = 0;
	rte_free(t);
}

struct dpsec_tls *
dpsec_tls_create(struct dpsec_ctx *ctx, const struct dpsec_tls_conf *conf)
{
	struct dpsec_tls *t;
	enum dpsec_crypto_cipher cc;
	size_t ksz = dpsec_crypto_key_size();
	size_t tsz = RTE_ALIGN_CEIL(sizeof(*t), 64);
	uint8_t iv_len;
	int ret;

	if (!ctx_ok(ctx, __func__)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (conf == NULL) {
		DPSEC_LOG(ERR, "dpsec_tls_create: NULL conf");
		rte_errno = EINVAL;
		return NULL;
	}
	ret = tls_conf_check(conf);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	ret = marks_register();
	if (ret != 0) {
		DPSEC_LOG(ERR, "dpsec_tls_create: cannot register the TLS mbuf "
			  "marks: %s", strerror(-ret));
		rte_errno = -ret;
		return NULL;
	}
	cc = tls_cipher(conf->cipher);
	t = rte_zmalloc_socket("dpsec_tls", tsz + ksz, 64, ctx->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->key = (struct dpsec_crypto_key *)((uint8_t *)t + tsz);
	t->ctx = ctx;
	t->conf = *conf;
	t->conf.key = NULL;
	t->rx = conf->type == DPSEC_TLS_READ;
	memcpy(t->nic_key, conf->key, conf->key_len);
	iv_len = (conf->ver == DPSEC_TLS_VERSION_1_2 &&
		  cc != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305) ?
		 DPSEC_TLS12_SALT_LEN : DPSEC_TLS_IV_LEN;
	ret = dpsec_tls_suite_init(&t->suite, (uint16_t)conf->ver, cc,
				   conf->imp_nonce, iv_len);
	if (ret == 0)
		ret = dpsec_crypto_key_init(t->key,
			ctx->backend == DPSEC_BACKEND_OPENSSL ?
			DPSEC_CRYPTO_OPENSSL : DPSEC_CRYPTO_IPSEC_MB,
			cc, conf->key, conf->key_len, DPSEC_CRYPTO_AUTH_NULL,
			NULL, 0);
	if (ret != 0) {
		DPSEC_LOG(ERR, "dpsec_tls_create: key setup failed: %s",
			  strerror(-ret));
		tls_free(t);
		rte_errno = ret == -ENOTSUP ? ENOTSUP : EINVAL;
		return NULL;
	}
	dpsec_tls_cursor_init(&t->cur, &t->suite, conf->tcp_seq,
			      conf->seq_no);
	if (!t->rx) {
		t->txr_cap = TLS_TXR_CAP;
		t->txr = calloc(t->txr_cap, sizeof(*t->txr));
	} else {
		t->outq_cap = TLS_OUTQ_MIN;
		t->outq = calloc(t->outq_cap, sizeof(*t->outq));
	}
	if (t->txr == NULL && t->outq == NULL) {
		tls_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	rte_spinlock_lock(&ctx->ctl_lock);
	ret = tls_place(ctx, t);
	if (ret != 0) {
		rte_spinlock_unlock(&ctx->ctl_lock);
		tls_free(t);
		rte_errno = -ret;
		return NULL;
	}
	if (!t->nic)
		explicit_bzero(t->nic_key, sizeof(t->nic_key));
	t->magic = TLS_MAGIC;
	TAILQ_INSERT_TAIL(&ctx->tlss, t, next);
	ctx->nb_tls++;
	rte_spinlock_unlock(&ctx->ctl_lock);
	DPSEC_LOG(DEBUG, "%s: TLS %s context %p: %s", ctx->name,
		  t->rx ? "read" : "write", (void *)t,
		  t->nic ? "on the NIC" :
		  dpsec_place_reason_str(t->place_reason));
	return t;
}

static bool
tls_ok(const struct dpsec_tls *t, const char *fn)
{
	if (t == NULL || t->magic != TLS_MAGIC) {
		DPSEC_LOG_RL(ERR, "%s: %s TLS context %p", fn,
			     t == NULL ? "NULL" : "invalid", (const void *)t);
		return false;
	}
	return true;
}

int
dpsec_tls_destroy(struct dpsec_ctx *ctx, struct dpsec_tls *tls)
{
	if (!ctx_ok(ctx, __func__) || !tls_ok(tls, __func__))
		return -EINVAL;
	if (tls->ctx != ctx) {
		DPSEC_LOG(ERR, "dpsec_tls_destroy: context %p is not of %s",
			  (void *)tls, ctx->name);
		return -EINVAL;
	}
	rte_spinlock_lock(&ctx->ctl_lock);
	TAILQ_REMOVE(&ctx->tlss, tls, next);
	ctx->nb_tls--;
	rte_spinlock_unlock(&ctx->ctl_lock);
	tls_free(tls);
	return 0;
}

void
tls_destroy_all(struct dpsec_ctx *ctx)
{
	struct dpsec_tls *t;

	while ((t = TAILQ_FIRST(&ctx->tlss)) != NULL) {
		TAILQ_REMOVE(&ctx->tlss, t, next);
		tls_free(t);
	}
	ctx->nb_tls = 0;
}

uint32_t
dpsec_tls_record_len(const struct dpsec_tls *tls, uint16_t plain_len,
		     uint16_t pad)
{
	if (!tls_ok(tls, __func__))
		return 0;
	return dpsec_tls_rec_len(&tls->suite, plain_len, pad);
}

int
dpsec_tls_record_frame(struct dpsec_tls *tls, uint8_t *rec,
		       enum dpsec_tls_type type, uint16_t plain_len,
		       uint16_t pad)
{
	if (!tls_ok(tls, __func__) || rec == NULL || tls->rx)
		return -EINVAL;
	if (pad != 0 && !tls->conf.options.extra_padding_enable)
		return -EINVAL;
	/* The explicit nonce written here is rewritten by dpsec_tls_tx()
	 * with the number the record really gets (unless iv_gen_disable). */
	return dpsec_tls_rec_frame(&tls->suite, rec, (uint8_t)type, plain_len,
				   pad, tls->cur.rec_seq);
}

/* Raise a TLS event once. */
static void
tls_raise(struct dpsec_tls *t, enum dpsec_tls_event ev)
{
	struct dpsec_ctx *ctx = t->ctx;
	dpsec_tls_event_cb cb;

	if (t->events_sent & (1u << ev))
		return;
	t->events_sent |= 1u << ev;
	cb = __atomic_load_n(&ctx->tls_event_cb, __ATOMIC_ACQUIRE);
	if (cb != NULL)
		cb(ctx, t, ev, t->conf.userdata, ctx->tls_event_arg);
}

/* A record was started: count it against the life limits. Returns false
 * when the hard limit forbids it. */
static bool
tls_life_step(struct dpsec_tls *t)
{
	const struct dpsec_tls_conf *c = &t->conf;

	if (c->life.packets_hard_limit != 0 &&
	    t->records >= c->life.packets_hard_limit) {
		__atomic_store_n(&t->state, DPSEC_TLS_DEAD, __ATOMIC_RELAXED);
		tls_raise(t, DPSEC_TLS_EV_HARD_LIMIT);
		return false;
	}
	t->records++;
	if (c->life.packets_soft_limit != 0 &&
	    t->records >= c->life.packets_soft_limit &&
	    t->state == DPSEC_TLS_ACTIVE) {
		__atomic_store_n(&t->state, DPSEC_TLS_SOFT_LIMIT,
				 __ATOMIC_RELAXED);
		tls_raise(t, DPSEC_TLS_EV_SOFT_LIMIT);
	}
	return true;
}

static bool
tls_stopped(const struct dpsec_tls *t)
{
	uint32_t s = __atomic_load_n(&t->state, __ATOMIC_RELAXED);

	return s == DPSEC_TLS_DEAD || s == DPSEC_TLS_FAILED;
}

static void
tls_fail(struct dpsec_tls *t)
{
	__atomic_store_n(&t->state, DPSEC_TLS_FAILED, __ATOMIC_RELAXED);
	dpsec_aead_stream_abort(&t->st);
	t->st_open = 0;
}

/*
 * The TCP segment's payload: checks the headers against l2/l3/l4_len and
 * the bytes present, and that the segment is the context's connection in
 * its direction. Returns the payload offset, or a reason.
 */
static enum dpsec_reason
seg_parse(const struct dpsec_tls *t, const struct rte_mbuf *m,
	  uint32_t *off, uint32_t *seq)
{
	const struct dpsec_tls_conf *c = &t->conf;
	const struct dpsec_addr *src = t->rx ? &c->remote : &c->local;
	const struct dpsec_addr *dst = t->rx ? &c->local : &c->remote;
	uint16_t sport = t->rx ? c->remote_port : c->local_port;
	uint16_t dport = t->rx ? c->local_port : c->remote_port;
	uint8_t buf[60];
	const struct rte_tcp_hdr *th;
	uint32_t l2 = m->l2_len, l3 = m->l3_len, l4 = m->l4_len;

	if (l4 < sizeof(struct rte_tcp_hdr) || l4 > 60 ||
	    l2 + l3 + l4 > m->pkt_len)
		return DPSEC_R_TRUNCATED;
	if (c->local.family == 4) {
		const struct rte_ipv4_hdr *ip;

		if (l3 < sizeof(*ip) || l3 > 60)
			return DPSEC_R_BAD_IP;
		ip = rte_pktmbuf_read(m, l2, sizeof(*ip), buf);
		if (ip == NULL || (ip->version_ihl >> 4) != 4)
			return DPSEC_R_BAD_IP;
		if (ip->next_proto_id != IPPROTO_TCP ||
		    ip->src_addr != src->v4 || ip->dst_addr != dst->v4)
			return DPSEC_R_TLS_NOT_CONN;
	} else {
		const struct rte_ipv6_hdr *ip;

		if (l3 < sizeof(*ip))
			return DPSEC_R_BAD_IP;
		ip = rte_pktmbuf_read(m, l2, sizeof(*ip), buf);
		if (ip == NULL || (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
			return DPSEC_R_BAD_IP;
		/* Extension headers are in l3_len; the transport must be
		 * TCP when there are none. */
		if ((l3 == sizeof(*ip) && ip->proto != IPPROTO_TCP) ||
		    memcmp(ip->src_addr, src->v6, 16) != 0 ||
		    memcmp(ip->dst_addr, dst->v6, 16) != 0)
			return DPSEC_R_TLS_NOT_CONN;
	}
	th = rte_pktmbuf_read(m, l2 + l3, sizeof(*th), buf);
	if (th == NULL)
		return DPSEC_R_TRUNCATED;
	if (rte_be_to_cpu_16(th->src_port) != sport ||
	    rte_be_to_cpu_16(th->dst_port) != dport)
		return DPSEC_R_TLS_NOT_CONN;
	*seq = rte_be_to_cpu_32(th->sent_seq);
	*off = l2 + l3 + l4;
	return DPSEC_R_NONE;
}

/* ------------------------------------------------------------------ TX */

static void
txr_push(struct dpsec_tls *t, uint32_t tcp_seq, uint64_t rec_seq,
	 uint32_t len)
{
	struct tls_tx_rec *r = &t->txr[(t->txr_head + t->txr_n) % t->txr_cap];

	r->tcp_seq = tcp_seq;
	r->rec_seq = rec_seq;
	r->len = len;
	t->txr_n++;
}

/*
 * Walk @len payload bytes at @p through the cursor; seal in software
 * (!t->nic) or only track and write explicit nonces (NIC). Returns a
 * reason; on error the context is failed.
 */
static enum dpsec_reason
tx_bytes(struct dpsec_tls *t, struct dpsec_crypto_engine *eng, uint8_t *p,
	 uint32_t len, uint64_t *bytes)
{
	struct dpsec_tls_cursor *c = &t->cur;
	struct dpsec_tls_span sp;
	enum dpsec_tls_hdr_err he;
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX];
	uint16_t aad_len;

	while (len > 0) {
		if (c->part == DPSEC_TLS_PART_HDR && c->part_off == 0 &&
		    t->txr_n == t->txr_cap)
			return DPSEC_R_TLS_TRACK_FULL;
		/* The explicit nonce is ours to write before the cursor
		 * (and the NIC) reads it. */
		if (c->part == DPSEC_TLS_PART_EXPLICIT &&
		    !t->conf.options.iv_gen_disable) {
			uint8_t be[8];
			uint32_t k = RTE_MIN(len, 8u - c->part_off);
			uint64_t v = rte_cpu_to_be_64(c->rec_seq);

			memcpy(be, &v, 8);
			memcpy(p, be + c->part_off, k);
		}
		he = dpsec_tls_cursor_step(c, p, len, &sp);
		if (he != DPSEC_TLS_HDR_OK) {
			t->stats.bad_header += he != DPSEC_TLS_HDR_TOO_LONG;
			t->stats.rec_too_long += he == DPSEC_TLS_HDR_TOO_LONG;
			tls_fail(t);
			return DPSEC_R_TLS_BAD_RECORD;
		}
		if (sp.hdr_done) {
			if (!tls_life_step(t))
				return DPSEC_R_TLS_STOPPED;
			txr_push(t, sp.rec_tcp_seq, sp.rec_seq,
				 DPSEC_TLS_HDR_LEN + c->rec_len);
		}
		if (!t->nic && ((sp.hdr_done && t->suite.explicit_len == 0) ||
				sp.explicit_done)) {
			dpsec_tls_nonce(&t->suite, sp.rec_seq,
					c->explicit_nonce, nonce);
			aad_len = dpsec_tls_aad(&t->suite, sp.rec_seq, c->hdr,
						aad);
			if (dpsec_aead_stream_init(eng, &t->st, t->key,
					DPSEC_CRYPTO_ENCRYPT, nonce, aad,
					aad_len) != 0) {
				tls_fail(t);
				return DPSEC_R_UNSUPPORTED;
			}
			t->st_open = 1;
			t->tag_ready = 0;
		}
		if (sp.part == DPSEC_TLS_PART_BODY && !t->nic) {
			dpsec_aead_stream_update(eng, &t->st, p, p, sp.len);
			*bytes += sp.len;
		} else if (sp.part == DPSEC_TLS_PART_BODY) {
			*bytes += sp.len;
		}
		if (sp.part == DPSEC_TLS_PART_TAG && !t->nic) {
			if (!t->tag_ready) {
				if (dpsec_aead_stream_final(eng, &t->st,
							    t->tag) != 0) {
					tls_fail(t);
					return DPSEC_R_UNSUPPORTED;
				}
				t->st_open = 0;
				t->tag_ready = 1;
			}
			memcpy(p, t->tag + sp.part_off, sp.len);
		}
		if (sp.rec_done) {
			if (t->nic)
				t->stats.records_nic++;
			else
				t->stats.records_sw++;
			t->tag_ready = 0;
		}
		p += sp.len;
		len -= sp.len;
	}
	return DPSEC_R_NONE;
}

/* Process one segment; DPSEC_R_NONE if it may be sent. */
static enum dpsec_reason
tx_seg(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
       struct rte_mbuf *m, uint64_t *bytes)
{
	enum dpsec_reason r;
	struct rte_mbuf *s;
	uint32_t off, seq, plen, k;

	r = seg_parse(t, m, &off, &seq);
	if (r != DPSEC_R_NONE)
		return r;
	plen = m->pkt_len - off;
	if (plen == 0)
		return DPSEC_R_NONE;	/* a bare ACK/FIN: nothing to do */
	if (seq != t->cur.tcp_seq) {
		t->stats.ooo++;
		return DPSEC_R_TLS_OOO;
	}
	for (s = m; s != NULL && plen > 0; s = s->next) {
		if (off >= s->data_len) {
			off -= s->data_len;
			continue;
		}
		k = RTE_MIN((uint32_t)s->data_len - off, plen);
		r = tx_bytes(t, eng, rte_pktmbuf_mtod_offset(s, uint8_t *, off),
			     k, bytes);
		if (r != DPSEC_R_NONE)
			return r;
		plen -= k;
		off = 0;
	}
	if (t->nic) {
		m->ol_flags |= UINT64_C(1) << tx_flag_bit;
		*RTE_MBUF_DYNFIELD(m, id_off, uint32_t *) = t->hw_id;
	}
	return DPSEC_R_NONE;
}

uint16_t
dpsec_tls_tx(struct dpsec_tls *tls, struct rte_mbuf *segs[], uint16_t n)
{
	struct dpsec_crypto_engine *eng;
	struct dpsec_tls_port_stats *ps;
	uint8_t reason[DPSEC_MAX_BURST];
	uint64_t bytes = 0, nic_pkts = 0, ooo = 0;
	uint16_t i, off, k, good = 0;

	if (!tls_ok(tls, __func__) || tls->rx)
		return burst_refuse(segs, n, DPSEC_R_BAD_HANDLE);
	eng = ctx_engine(tls->ctx);
	/* In chunks, the refused segments settled behind the good ones in
	 * order as dpsec_sa_outbound() does (esp_settle). */
	for (off = 0; off < n; off = (uint16_t)(off + k)) {
		k = (uint16_t)RTE_MIN(n - off, DPSEC_MAX_BURST);
		for (i = 0; i < k; i++) {
			struct rte_mbuf *m = segs[off + i];
			enum dpsec_reason r;

			if (tls_stopped(tls))
				r = DPSEC_R_TLS_STOPPED;
			else if (eng == NULL && !tls->nic)
				r = DPSEC_R_UNSUPPORTED;
			else
				r = tx_seg(tls, eng, m, &bytes);
			dpsec_mbuf_set_reason(m, r);
			reason[i] = (uint8_t)r;
			if (r != DPSEC_R_NONE) {
				ooo += r == DPSEC_R_TLS_OOO;
				tls->stats.dropped++;
				continue;
			}
			tls->stats.segments++;
			nic_pkts += tls->nic;
		}
		good = esp_settle(segs, good, off, k, reason);
	}
	if (tls->nic)
		tls->stats.bytes_nic += bytes;
	else
		tls->stats.bytes_sw += bytes;
	ps = &tls->ctx->tls_port[tls->conf.port_id < RTE_MAX_ETHPORTS ?
				 tls->conf.port_id : 0];
	if (nic_pkts != 0) {
		__atomic_fetch_add(&ps->tx_tls_encrypted_packets, nic_pkts,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&ps->tx_tls_encrypted_bytes, bytes,
				   __ATOMIC_RELAXED);
	}
	if (ooo != 0 && tls->nic)
		__atomic_fetch_add(&ps->tx_tls_ooo, ooo, __ATOMIC_RELAXED);
	return good;
}

int
dpsec_tls_tx_ack(struct dpsec_tls *tls, uint32_t tcp_seq)
{
	int freed = 0;

	if (!tls_ok(tls, __func__) || tls->rx)
		return -EINVAL;
	while (tls->txr_n > 0) {
		const struct tls_tx_rec *r = &tls->txr[tls->txr_head];

		/* Released when its last byte is acknowledged. */
		if (!dpsec_tcp_seq_le(r->tcp_seq + r->len, tcp_seq))
			break;
		tls->txr_head = (tls->txr_head + 1) % tls->txr_cap;
		tls->txr_n--;
		freed++;
	}
	return freed;
}

/* ------------------------------------------------------------------ RX */

static struct dpsec_tls_rec *
outq_slot(struct dpsec_tls *t)
{
	if (t->outq_n == t->outq_cap) {
		struct dpsec_tls_rec *q;
		uint32_t cap = t->outq_cap * 2, i;

		/* Rare: many small records and a small max; grows so that
		 * no record (and no byte of the stream) is lost. */
		if (cap > TLS_OUTQ_MAX)
			return NULL;
		q = calloc(cap, sizeof(*q));
		if (q == NULL)
			return NULL;
		for (i = 0; i < t->outq_n; i++)
			q[i] = t->outq[(t->outq_head + i) % t->outq_cap];
		free(t->outq);
		t->outq = q;
		t->outq_cap = cap;
		t->outq_head = 0;
	}
	return &t->outq[(t->outq_head + t->outq_n++) % t->outq_cap];
}

static void
rx_pieces_drop(struct dpsec_tls *t)
{
	rte_pktmbuf_free(t->rx_head);
	t->rx_head = t->rx_tail = NULL;
	t->rx_pieces = t->rx_marked = 0;
	t->rx_body_off = 0;
}

/* Queue an error record: the stream ends here. */
static void
rx_error(struct dpsec_tls *t, uint64_t rec_seq, uint32_t tcp_seq, int err)
{
	struct dpsec_tls_rec *r = outq_slot(t);

	rx_pieces_drop(t);
	tls_fail(t);
	__atomic_fetch_add(&t->ctx->tls_port[t->conf.port_id <
		RTE_MAX_ETHPORTS ? t->conf.port_id : 0].rx_tls_err, 1,
		__ATOMIC_RELAXED);
	if (r == NULL)
		return;
	memset(r, 0, sizeof(*r));
	r->rec_seq = rec_seq;
	r->tcp_seq = tcp_seq;
	r->status = err;
}

/* Add body bytes [off, off+len) of segment @s to the record. */
static int
rx_piece_add(struct dpsec_tls *t, struct rte_mbuf *s, uint32_t off,
	     uint32_t len, bool marked)
{
	struct rte_mbuf *mi = rte_pktmbuf_alloc(s->pool);

	if (mi == NULL)
		return -ENOMEM;
	rte_pktmbuf_attach(mi, s);
	mi->data_off = (uint16_t)(s->data_off + off);
	mi->data_len = (uint16_t)len;
	mi->pkt_len = len;
	mi->ol_flags &= ~(UINT64_C(1) << rx_flag_bit);
	/* Which pieces the NIC decrypted: kept in the piece itself. */
	if (marked)
		mi->ol_flags |= UINT64_C(1) << rx_flag_bit;
	if (t->rx_head == NULL) {
		t->rx_head = mi;
	} else {
		t->rx_tail->next = mi;
		t->rx_head->nb_segs++;
		t->rx_head->pkt_len += len;
	}
	t->rx_tail = mi;
	t->rx_pieces++;
	t->rx_marked += marked;
	t->rx_body_off += len;
	return 0;
}

/* TLS 1.3: strip the zero padding and the inner type at the end of the
 * plaintext chain (RFC 8446 §5.4). Returns the type, or 0 if the record
 * is all zeros (a protocol error); *len is the content length. */
static uint8_t
rx_strip13(struct dpsec_tls *t, uint32_t *len)
{
	struct rte_mbuf *m, *last = NULL, *nx;
	uint32_t base = 0, pos = 0, last_base = 0, i, nb = 0;
	uint8_t type = 0;

	/* One forward pass: the last non-zero byte is the type. */
	for (m = t->rx_head; m != NULL; m = m->next) {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

		for (i = m->data_len; i > 0; i--)
			if (d[i - 1] != 0) {
				type = d[i - 1];
				pos = base + i - 1;
				last = m;
				last_base = base;
				break;
			}
		base += m->data_len;
	}
	if (type == 0)
		return 0;
	*len = pos;
	/* Keep [0, pos): cut the chain in @last. */
	last->data_len = (uint16_t)(pos - last_base);
	nx = last->next;
	last->next = NULL;
	rte_pktmbuf_free(nx);
	t->rx_tail = last;
	for (m = t->rx_head; m != NULL; m = m->next)
		nb++;
	t->rx_head->nb_segs = (uint16_t)nb;
	t->rx_head->pkt_len = pos;
	return type;
}

/* The record's tag is in t->tag: authenticate, decrypt, queue it. */
static void
rx_finish(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	  uint64_t rec_seq, uint32_t rec_tcp_seq)
{
	struct dpsec_tls_rec *r;
	struct rte_mbuf *m;
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX];
	uint16_t aad_len;
	uint32_t len, body = t->rx_body_off, off;
	uint8_t how, type;
	int ret = 0;

	if (t->rx_pieces > 0 && t->rx_marked == t->rx_pieces)
		how = DPSEC_TLS_DECRYPTED;
	else if (t->rx_marked == 0)
		how = DPSEC_TLS_ENCRYPTED;
	else
		how = DPSEC_TLS_MIXED;
	/* An empty body has nothing the NIC could have decrypted: it is
	 * authenticated here. */
	if (t->rx_pieces == 0)
		how = DPSEC_TLS_ENCRYPTED;
	dpsec_tls_nonce(&t->suite, rec_seq, t->rx_explicit, nonce);
	if (how != DPSEC_TLS_DECRYPTED) {
		if (eng == NULL) {
			rx_error(t, rec_seq, rec_tcp_seq, -ENOTSUP);
			return;
		}
		/* MIXED: the NIC's parts back to ciphertext first. */
		off = 0;
		for (m = t->rx_head; m != NULL; m = m->next) {
			if (m->ol_flags & (UINT64_C(1) << rx_flag_bit))
				dpsec_aead_keystream_xor(eng, t->key, nonce, off,
					rte_pktmbuf_mtod(m, uint8_t *),
					m->data_len);
			off += m->data_len;
		}
		aad_len = dpsec_tls_aad(&t->suite, rec_seq, t->rx_hdr, aad);
		ret = dpsec_aead_stream_init(eng, &t->st, t->key,
				DPSEC_CRYPTO_DECRYPT, nonce, aad, aad_len);
		for (m = t->rx_head; m != NULL && ret == 0; m = m->next)
			ret = dpsec_aead_stream_update(eng, &t->st,
				rte_pktmbuf_mtod(m, uint8_t *),
				rte_pktmbuf_mtod(m, uint8_t *), m->data_len);
		if (ret == 0)
			ret = dpsec_aead_stream_final(eng, &t->st, t->tag);
		else
			dpsec_aead_stream_abort(&t->st);
		if (ret != 0) {
			/* Nothing of the record leaves: wipe the plaintext
			 * the stream released before the tag said no. */
			for (m = t->rx_head; m != NULL; m = m->next)
				memset(rte_pktmbuf_mtod(m, uint8_t *), 0,
				       m->data_len);
			t->stats.auth_failed++;
			rx_error(t, rec_seq, rec_tcp_seq,
				 ret == -EBADMSG ? -EBADMSG : -EPROTO);
			return;
		}
	}
	len = body;
	if (t->suite.version == DPSEC_TLS_VER_1_3) {
		type = rx_strip13(t, &len);
		if (type == 0) {
			rx_error(t, rec_seq, rec_tcp_seq, -EPROTO);
			return;
		}
		if (len > DPSEC_TLS_MAX_PLAIN) {
			t->stats.rec_too_long++;
			rx_error(t, rec_seq, rec_tcp_seq, -EMSGSIZE);
			return;
		}
	} else {
		type = t->rx_hdr[0];
	}
	r = outq_slot(t);
	if (r == NULL) {
		rx_error(t, rec_seq, rec_tcp_seq, -ENOMEM);
		return;
	}
	memset(r, 0, sizeof(*r));
	/* The pieces' marks were ours: clear them for the caller. */
	for (m = t->rx_head; m != NULL; m = m->next)
		m->ol_flags &= ~(UINT64_C(1) << rx_flag_bit);
	r->m = len > 0 ? t->rx_head : NULL;
	if (len == 0)
		rte_pktmbuf_free(t->rx_head);
	r->rec_seq = rec_seq;
	r->tcp_seq = rec_tcp_seq;
	r->len = (uint16_t)len;
	r->type = type;
	r->how = how;
	t->rx_head = t->rx_tail = NULL;
	t->rx_pieces = t->rx_marked = 0;
	t->rx_body_off = 0;
	if (how == DPSEC_TLS_DECRYPTED) {
		t->stats.records_nic++;
		t->stats.bytes_nic += len;
	} else {
		t->stats.records_sw++;
		t->stats.bytes_sw += len;
		t->stats.records_mixed += how == DPSEC_TLS_MIXED;
	}
}

/* Walk one contiguous piece of a segment's payload. */
static void
rx_bytes(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	 struct rte_mbuf *s, uint32_t off, uint32_t len, bool marked)
{
	struct dpsec_tls_cursor *c = &t->cur;
	struct dpsec_tls_span sp;
	enum dpsec_tls_hdr_err he;
	const uint8_t *p = rte_pktmbuf_mtod_offset(s, const uint8_t *, off);

	while (len > 0 && !tls_stopped(t)) {
		uint64_t rec_seq = c->rec_seq;
		uint32_t rec_tcp = c->rec_tcp_seq;

		he = dpsec_tls_cursor_step(c, p, len, &sp);
		if (he != DPSEC_TLS_HDR_OK) {
			if (he == DPSEC_TLS_HDR_TOO_LONG)
				t->stats.rec_too_long++;
			else
				t->stats.bad_header++;
			rx_error(t, rec_seq, rec_tcp,
				 he == DPSEC_TLS_HDR_TOO_LONG ? -EMSGSIZE :
				 -EPROTO);
			return;
		}
		if (sp.hdr_done) {
			memcpy(t->rx_hdr, c->hdr, sizeof(t->rx_hdr));
			if (!tls_life_step(t)) {
				rx_error(t, rec_seq, rec_tcp, -EKEYEXPIRED);
				return;
			}
		}
		if (sp.explicit_done)
			memcpy(t->rx_explicit, c->explicit_nonce,
			       sizeof(t->rx_explicit));
		if (sp.part == DPSEC_TLS_PART_BODY &&
		    rx_piece_add(t, s, off, sp.len, marked) != 0) {
			rx_error(t, rec_seq, rec_tcp, -ENOMEM);
			return;
		}
		if (sp.part == DPSEC_TLS_PART_TAG)
			memcpy(t->tag + sp.part_off, p, sp.len);
		if (sp.rec_done)
			rx_finish(t, eng, sp.rec_seq, sp.rec_tcp_seq);
		p += sp.len;
		off += sp.len;
		len -= sp.len;
	}
}

static uint16_t
outq_pop(struct dpsec_tls *t, struct dpsec_tls_rec recs[], uint16_t max)
{
	uint16_t k = 0;

	while (k < max && t->outq_n > 0) {
		recs[k++] = t->outq[t->outq_head];
		t->outq_head = (t->outq_head + 1) % t->outq_cap;
		t->outq_n--;
	}
	return k;
}

uint16_t
dpsec_tls_rx(struct dpsec_tls *tls, struct rte_mbuf *segs[], uint16_t n,
	     struct dpsec_tls_rec recs[], uint16_t max)
{
	struct dpsec_crypto_engine *eng;
	struct dpsec_tls_port_stats *ps;
	uint64_t dec_pkts = 0, dec_bytes = 0;
	uint16_t i;

	if (!tls_ok(tls, __func__) || !tls->rx || (max > 0 && recs == NULL)) {
		for (i = 0; i < n; i++) {
			dpsec_mbuf_set_reason(segs[i], DPSEC_R_BAD_HANDLE);
			rte_pktmbuf_free(segs[i]);
		}
		return 0;
	}
	eng = ctx_engine(tls->ctx);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = segs[i], *s;
		enum dpsec_reason r;
		uint32_t off, seq, plen, k, skip;
		bool marked = (m->ol_flags >> rx_flag_bit) & 1;

		r = tls_stopped(tls) ? DPSEC_R_TLS_STOPPED :
		    seg_parse(tls, m, &off, &seq);
		if (r != DPSEC_R_NONE)
			goto drop;
		plen = m->pkt_len - off;
		if (plen == 0) {
			rte_pktmbuf_free(m);	/* a bare ACK */
			continue;
		}
		/* In order, trimming what was received already; a gap is
		 * the caller's stack's to fill (TCP order is its job). */
		if (dpsec_tcp_seq_lt(tls->cur.tcp_seq, seq)) {
			tls->stats.ooo++;
			r = DPSEC_R_TLS_OOO;
			goto drop;
		}
		skip = tls->cur.tcp_seq - seq;
		if (skip >= plen) {
			r = DPSEC_R_TLS_DUP;
			goto drop;
		}
		off += skip;
		plen -= skip;
		tls->stats.segments++;
		if (marked) {
			dec_pkts++;
			dec_bytes += plen;
		}
		for (s = m; s != NULL && plen > 0 && !tls_stopped(tls);
		     s = s->next) {
			if (off >= s->data_len) {
				off -= s->data_len;
				continue;
			}
			k = RTE_MIN((uint32_t)s->data_len - off, plen);
			rx_bytes(tls, eng, s, off, k, marked);
			plen -= k;
			off = 0;
		}
		rte_pktmbuf_free(m);	/* the pieces keep what they need */
		continue;
drop:
		dpsec_mbuf_set_reason(m, r);
		tls->stats.dropped++;
		rte_pktmbuf_free(m);
	}
	if (dec_pkts != 0) {
		ps = &tls->ctx->tls_port[tls->conf.port_id < RTE_MAX_ETHPORTS ?
					 tls->conf.port_id : 0];
		__atomic_fetch_add(&ps->rx_tls_decrypted_packets, dec_pkts,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&ps->rx_tls_decrypted_bytes, dec_bytes,
				   __ATOMIC_RELAXED);
	}
	return outq_pop(tls, recs, max);
}

/* ------------------------------------------------------------ control */

int
dpsec_tls_info(const struct dpsec_tls *tls, struct dpsec_tls_info *info)
{
	if (!tls_ok(tls, __func__) || info == NULL)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->ver = tls->conf.ver;
	info->type = tls->conf.type;
	info->cipher = tls->conf.cipher;
	info->placement = tls->nic ? DPSEC_PLACE_INLINE_CRYPTO :
				     DPSEC_PLACE_SW;
	info->place_reason = tls->place_reason;
	info->state = __atomic_load_n(&tls->state, __ATOMIC_RELAXED);
	info->port_id = tls->conf.port_id;
	info->hw_id = tls->hw_id;
	info->next_rec_seq = tls->cur.rec_seq;
	info->next_tcp_seq = tls->cur.tcp_seq;
	info->userdata = tls->conf.userdata;
	return 0;
}

int
dpsec_tls_stats_get(const struct dpsec_tls *tls, struct dpsec_tls_stats *st)
{
	if (!tls_ok(tls, __func__) || st == NULL)
		return -EINVAL;
	*st = tls->stats;
	return 0;
}

int
dpsec_tls_port_stats_get(struct dpsec_ctx *ctx, uint16_t port_id,
			 struct dpsec_tls_port_stats *st)
{
	const uint64_t *src;
	uint64_t *dst;
	size_t i;

	if (!ctx_ok(ctx, __func__) || st == NULL ||
	    port_id >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	src = (const uint64_t *)&ctx->tls_port[port_id];
	dst = (uint64_t *)st;
	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return 0;
}

int
dpsec_tls_event_cb_set(struct dpsec_ctx *ctx, dpsec_tls_event_cb cb,
		       void *arg)
{
	if (!ctx_ok(ctx, __func__))
		return -EINVAL;
	rte_spinlock_lock(&ctx->ctl_lock);
	ctx->tls_event_arg = arg;
	__atomic_store_n(&ctx->tls_event_cb, cb, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&ctx->ctl_lock);
	return 0;
}
