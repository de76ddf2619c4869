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
static int req_flag_bit = -1;	/* DPSEC_MBUF_DYNFLAG_RX_TLS_RESYNC_REQ */
static int req_off = -1;	/* DPSEC_MBUF_DYNFIELD_TLS_RESYNC_SEQ */

enum {
	TLS_TXR_CAP = 1024,		/* unacknowledged records tracked */
	TLS_OUTQ_MIN = 64,		/* first size of the RX output ring */
	TLS_OUTQ_MAX = 1 << 16,		/* its largest */
	TLS_PEND_MAX = 4096,		/* RX segments waiting for a key */
	TLS_WIN = 1024,			/* TX segments per threshold window */
};

static int
marks_register(void)
{
	struct dpsec_drv_tls_marks mk;
	int ret;

	if (dpsec_mbuf_dynfield_init() != 0)
		return -rte_errno;
	if (id_off >= 0 && req_off >= 0)
		return 0;
	ret = dpsec_drv_tls_marks_register(&mk);
	if (ret != 0)
		return ret;
	tx_flag_bit = mk.tx_bit;
	rx_flag_bit = mk.rx_bit;
	req_flag_bit = mk.req_bit;
	req_off = mk.req_off;
	id_off = mk.id_off;
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
	if ((unsigned int)c->tx_resync > DPSEC_TLS_TX_RESYNC_SW)
		BAD("tx_resync", "DUMP or SW");
	if ((unsigned int)c->rx_resync > DPSEC_TLS_RX_RESYNC_DEVICE)
		BAD("rx_resync", "HINT or DEVICE");
	if (c->tx_sw_threshold > TLS_WIN)
		BAD("tx_sw_threshold", "at most %u (segments of a window)",
		    TLS_WIN);
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
	d->rx_resync_device = t->rx &&
			      c->rx_resync == DPSEC_TLS_RX_RESYNC_DEVICE;
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
		if (ret == -ENOSPC && ctx->nb_graves > 0 &&
		    offload_graves_reap(ctx, true, c->port_id) > 0)
			/* Entries in their grace hold table room: under
			 * such churn, this port's go now. */
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

	if (t->nic && t->ops != NULL && t->rx) {
		t->ops->del(t->conf.port_id, t->hw_id);
		__atomic_fetch_add(&t->ctx->tls_port[t->conf.port_id].rx_tls_del,
				   1, __ATOMIC_RELAXED);
	} else if (t->nic && t->ops != NULL) {
		/* Segments marked for it may still be in a TX queue: the
		 * NIC entry outlives the context by a grace (offload.c). */
		offload_grave_tls(t->ctx, t->ops, t->conf.port_id, t->hw_id,
			&t->ctx->tls_port[t->conf.port_id].tx_tls_del);
	}
	dpsec_aead_stream_release(&t->st);
	rte_pktmbuf_free(t->rx_head);
	for (i = 0; i < t->pend_n; i++)
		rte_pktmbuf_free(t->pend[i].m);
	free(t->pend);
	if (t->rbuf != NULL) {
		explicit_bzero(t->rbuf, TLS_RBUF);
		free(t->rbuf);
	}
	for (i = 0; i < t->outq_n; i++)
		rte_pktmbuf_free(t->outq[(t->outq_head + i) % t->outq_cap].m);
	free(t->outq);
	free(t->txr);
	if (t->key != NULL) {
		dpsec_crypto_key_wipe(t->key);
		dpsec_crypto_key_wipe(t->key_prev);
		dpsec_crypto_key_wipe(t->key_next);
	}
	explicit_bzero(&t->suite_prev, sizeof(t->suite_prev));
	explicit_bzero(&t->suite_next, sizeof(t->suite_next));
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
	offload_graves_reap(ctx, false, RTE_MAX_ETHPORTS);
	ret = marks_register();
	if (ret != 0) {
		DPSEC_LOG(ERR, "dpsec_tls_create: cannot register the TLS mbuf "
			  "marks: %s", strerror(-ret));
		rte_errno = -ret;
		return NULL;
	}
	cc = tls_cipher(conf->cipher);
	ksz = RTE_ALIGN_CEIL(ksz, 64);
	/* The key, the one before the last rekey, the one waiting. */
	t = rte_zmalloc_socket("dpsec_tls", tsz + 3 * ksz, 64, ctx->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->key = (struct dpsec_crypto_key *)((uint8_t *)t + tsz);
	t->key_prev = (struct dpsec_crypto_key *)((uint8_t *)t + tsz + ksz);
	t->key_next = (struct dpsec_crypto_key *)((uint8_t *)t + tsz +
						  2 * ksz);
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
	t->nic_next = conf->tcp_seq;
	t->rx_next = conf->tcp_seq;
	if (!t->rx) {
		t->txr_cap = TLS_TXR_CAP;
		t->txr = calloc(t->txr_cap, sizeof(*t->txr));
		/* Scratch to read records back for retransmissions. */
		if (conf->tx_read != NULL && t->txr != NULL) {
			t->rbuf = malloc(TLS_RBUF);
			if (t->rbuf == NULL) {
				free(t->txr);
				t->txr = NULL;
			}
		}
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
	offload_graves_reap(ctx, false, RTE_MAX_ETHPORTS);
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

/*
 * TX model. The cursor (t->cur) follows the record stream at the next
 * byte not seen yet; every record it starts is pushed on t->txr until the
 * peer acknowledges it. A segment at the cursor is "new"; one before it is
 * a retransmission (its bytes are the application's plaintext framing
 * again). Each segment is sent either marked for the NIC or already
 * sealed here ("software"), never both:
 *  - software placement: new bytes are sealed by the streaming AEAD as the
 *    cursor passes them; retransmitted ones with the keystream at their
 *    offset and the record's tag kept in its txr entry;
 *  - NIC placement: new segments are marked; the NIC follows the stream
 *    from t->nic_next. A retransmission is either dumped (the NIC is given
 *    the record's number and its bytes before the segment, then the
 *    segment is marked: DPSEC_TLS_TX_RESYNC_DUMP) or sealed here
 *    (DPSEC_TLS_TX_RESYNC_SW, and whenever the driver cannot dump). A
 *    record that software starts sealing (taken over mid-record from the
 *    NIC with the bytes tx_read gives) is finished in software; the NIC
 *    is told where the next record starts (ops->resync) when a segment
 *    begins on a record boundary again.
 */


static void
txr_push(struct dpsec_tls *t, uint32_t tcp_seq, uint64_t rec_seq,
	 uint32_t len)
{
	struct tls_tx_rec *r = &t->txr[(t->txr_head + t->txr_n) % t->txr_cap];

	memset(r, 0, sizeof(*r));
	r->tcp_seq = tcp_seq;
	r->rec_seq = rec_seq;
	r->len = len;
	r->gen = t->kgen;
	t->txr_n++;
}

static struct tls_tx_rec *
txr_last(struct dpsec_tls *t)
{
	return t->txr_n == 0 ? NULL :
	       &t->txr[(t->txr_head + t->txr_n - 1) % t->txr_cap];
}

/* The tracked record holding TCP sequence @seq, or NULL. */
static struct tls_tx_rec *
txr_find(struct dpsec_tls *t, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < t->txr_n; i++) {
		struct tls_tx_rec *r = &t->txr[(t->txr_head + i) % t->txr_cap];

		if (dpsec_tcp_seq_le(r->tcp_seq, seq) &&
		    dpsec_tcp_seq_lt(seq, r->tcp_seq + r->len))
			return r;
	}
	return NULL;
}

/* Key and suite of a record's generation; false if gone. */
static bool
rec_keys(struct dpsec_tls *t, const struct tls_tx_rec *r,
	 struct dpsec_crypto_key **key, const struct dpsec_tls_suite **s)
{
	if (r->gen == t->kgen) {
		*key = t->key;
		*s = &t->suite;
		return true;
	}
	if (t->prev_valid && r->gen == (uint8_t)(t->kgen - 1)) {
		*key = t->key_prev;
		*s = &t->suite_prev;
		return true;
	}
	return false;
}

static void
be64_put(uint8_t *p, uint64_t v)
{
	uint64_t b = rte_cpu_to_be_64(v);

	memcpy(p, &b, 8);
}

/* Read [seq, seq + len) of the application's record stream; the TLS 1.2
 * explicit nonces in it rewritten as dpsec wrote them. */
static int
tx_read(struct dpsec_tls *t, uint32_t seq, uint8_t *buf, uint32_t len)
{
	if (t->conf.tx_read == NULL || len > TLS_RBUF)
		return -ENOTSUP;
	if (len == 0)
		return 0;
	return t->conf.tx_read(t->conf.tx_read_arg, seq, buf, len) < 0 ?
	       -EIO : 0;
}

/* The explicit nonce of a record (1.2 GCM): what went on the wire. */
static const uint8_t *
rec_explicit(const struct tls_tx_rec *r, uint8_t tmp[8])
{
	if (r->has_explicit)
		return r->explicit_nonce;
	be64_put(tmp, r->rec_seq);
	return tmp;
}

/* Make sure @r's tag is known: seal the whole record (read back with
 * tx_read) in software once. */
static enum dpsec_reason
rec_tag(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	struct tls_tx_rec *r)
{
	struct dpsec_crypto_key *key;
	const struct dpsec_tls_suite *s;
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX], tmp[8];
	uint32_t pre, body;
	uint16_t aad_len;

	if (r->has_tag)
		return DPSEC_R_NONE;
	if (!rec_keys(t, r, &key, &s) || eng == NULL)
		return DPSEC_R_TLS_NO_DATA;
	pre = DPSEC_TLS_HDR_LEN + s->explicit_len;
	if (r->len < pre + s->tag_len || t->rbuf == NULL ||
	    tx_read(t, r->tcp_seq, t->rbuf, r->len) != 0)
		return DPSEC_R_TLS_NO_DATA;
	body = r->len - pre - s->tag_len;
	dpsec_tls_nonce(s, r->rec_seq, rec_explicit(r, tmp), nonce);
	aad_len = dpsec_tls_aad(s, r->rec_seq, t->rbuf, aad);
	if (dpsec_aead_seal(eng, key, nonce, aad, aad_len, t->rbuf + pre,
			    t->rbuf + pre, body, r->tag) != 0)
		return DPSEC_R_UNSUPPORTED;
	explicit_bzero(t->rbuf, r->len);
	r->has_tag = 1;
	return DPSEC_R_NONE;
}

/*
 * Seal bytes [off, off + n) of record @r in place at @p, from the
 * application's plaintext framing: header as is, explicit nonce as sent,
 * body with the keystream at its offset, tag from the record.
 */
static enum dpsec_reason
sw_piece(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	 struct tls_tx_rec *r, uint8_t *p, uint32_t off, uint32_t n)
{
	struct dpsec_crypto_key *key;
	const struct dpsec_tls_suite *s;
	uint8_t nonce[DPSEC_TLS_IV_LEN], tmp[8];
	uint32_t pre, tag_off, a, b;
	enum dpsec_reason rs;

	if (!rec_keys(t, r, &key, &s) || eng == NULL)
		return DPSEC_R_TLS_NO_DATA;
	pre = DPSEC_TLS_HDR_LEN + s->explicit_len;
	tag_off = r->len - s->tag_len;
	/* Explicit nonce. */
	a = RTE_MAX(off, (uint32_t)DPSEC_TLS_HDR_LEN);
	b = RTE_MIN(off + n, pre);
	if (a < b)
		memcpy(p + (a - off), rec_explicit(r, tmp) +
		       (a - DPSEC_TLS_HDR_LEN), b - a);
	/* Body. */
	a = RTE_MAX(off, pre);
	b = RTE_MIN(off + n, tag_off);
	if (a < b) {
		dpsec_tls_nonce(s, r->rec_seq, rec_explicit(r, tmp), nonce);
		if (dpsec_aead_keystream_xor(eng, key, nonce, a - pre,
					     p + (a - off), b - a) != 0)
			return DPSEC_R_UNSUPPORTED;
	}
	/* Tag. */
	a = RTE_MAX(off, tag_off);
	b = off + n;
	if (a < b) {
		rs = rec_tag(t, eng, r);
		if (rs != DPSEC_R_NONE)
			return rs;
		memcpy(p + (a - off), r->tag + (a - tag_off), b - a);
	}
	return DPSEC_R_NONE;
}

/* A TX rekey waiting for its record: switch keys now. */
static void
tx_rekey_apply(struct dpsec_tls *t)
{
	memcpy(t->key_prev, t->key, dpsec_crypto_key_size());
	t->suite_prev = t->suite;
	memcpy(t->key, t->key_next, dpsec_crypto_key_size());
	dpsec_crypto_key_wipe(t->key_next);
	t->suite = t->suite_next;
	t->prev_valid = 1;
	t->kgen++;
	t->cur.rec_seq = 0;
	t->rekey_pending = 0;
	t->stats.key_updates++;
}

/*
 * Software takes over the record under the cursor mid-way (its first
 * bytes went to the NIC): the AEAD state is rebuilt from the
 * application's plaintext of what was sent.
 */
static enum dpsec_reason
sw_takeover(struct dpsec_tls *t, struct dpsec_crypto_engine *eng)
{
	struct dpsec_tls_cursor *c = &t->cur;
	struct tls_tx_rec *r = txr_last(t);
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX], tmp[8];
	uint32_t pre = dpsec_tls_rec_prefix(&t->suite), done;
	uint16_t aad_len;

	t->sw_rec = 1;
	/* Not into the body yet: the stream starts as the cursor passes
	 * the header (and explicit nonce). */
	if (c->part == DPSEC_TLS_PART_HDR ||
	    c->part == DPSEC_TLS_PART_EXPLICIT)
		return DPSEC_R_NONE;
	if (r == NULL || r->tcp_seq != c->rec_tcp_seq || eng == NULL)
		return DPSEC_R_TLS_NO_DATA;
	done = c->tcp_seq - c->rec_tcp_seq;	/* bytes of it sent */
	if (t->rbuf == NULL || tx_read(t, r->tcp_seq, t->rbuf, done) != 0)
		return DPSEC_R_TLS_NO_DATA;
	dpsec_tls_nonce(&t->suite, r->rec_seq, rec_explicit(r, tmp), nonce);
	aad_len = dpsec_tls_aad(&t->suite, r->rec_seq, c->hdr, aad);
	if (dpsec_aead_stream_init(eng, &t->st, t->key, DPSEC_CRYPTO_ENCRYPT,
				   nonce, aad, aad_len) != 0)
		return DPSEC_R_UNSUPPORTED;
	t->st_open = 1;
	t->tag_ready = 0;
	dpsec_aead_stream_update(eng, &t->st, t->rbuf + pre, t->rbuf + pre,
				 RTE_MIN(done, r->len - t->suite.tag_len) - pre);
	explicit_bzero(t->rbuf, done);
	if (c->part == DPSEC_TLS_PART_TAG) {
		if (dpsec_aead_stream_final(eng, &t->st, t->tag) != 0)
			return DPSEC_R_UNSUPPORTED;
		t->st_open = 0;
		t->tag_ready = 1;
		memcpy(r->tag, t->tag, sizeof(r->tag));
		r->has_tag = 1;
	}
	return DPSEC_R_NONE;
}

/*
 * Walk @len new payload bytes at @p through the cursor: seal them in
 * software (@sw) or only track records and write explicit nonces (the
 * NIC seals). Returns a reason; on a framing error the context fails.
 */
static enum dpsec_reason
tx_bytes(struct dpsec_tls *t, struct dpsec_crypto_engine *eng, uint8_t *p,
	 uint32_t len, bool sw, uint64_t *bytes)
{
	struct dpsec_tls_cursor *c = &t->cur;
	struct dpsec_tls_span sp;
	enum dpsec_tls_hdr_err he;
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX];
	uint16_t aad_len;
	bool sealed = false;	/* the record's body sealed in one call */

	while (len > 0) {
		bool rec_start = c->part == DPSEC_TLS_PART_HDR &&
				 c->part_off == 0;

		if (t->rekey_pending) {
			if (rec_start && c->tcp_seq == t->rekey_seq) {
				tx_rekey_apply(t);
			} else if (dpsec_tcp_seq_lt(t->rekey_seq, c->tcp_seq)) {
				DPSEC_LOG_RL(ERR, "TLS TX: rekey at TCP "
					     "sequence %u is not a record start",
					     t->rekey_seq);
				tls_fail(t);
				return DPSEC_R_TLS_BAD_RECORD;
			}
		}
		if (rec_start && t->txr_n == t->txr_cap)
			return DPSEC_R_TLS_TRACK_FULL;
		/* The explicit nonce is ours to write before the cursor
		 * (and the NIC) reads it. */
		if (c->part == DPSEC_TLS_PART_EXPLICIT &&
		    !t->conf.options.iv_gen_disable) {
			uint8_t be[8];
			uint32_t k = RTE_MIN(len, 8u - c->part_off);

			be64_put(be, c->rec_seq);
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
			if (sw)
				t->sw_rec = 1;
		}
		if (sp.explicit_done) {
			struct tls_tx_rec *r = txr_last(t);

			memcpy(r->explicit_nonce, c->explicit_nonce, 8);
			r->has_explicit = 1;
		}
		if (sw && ((sp.hdr_done && t->suite.explicit_len == 0) ||
			   sp.explicit_done)) {
			uint32_t body = c->body_len;

			dpsec_tls_nonce(&t->suite, sp.rec_seq,
					c->explicit_nonce, nonce);
			aad_len = dpsec_tls_aad(&t->suite, sp.rec_seq, c->hdr,
						aad);
			t->tag_ready = 0;
			if (len - sp.len >= body + t->suite.tag_len) {
				/* Body and tag in this piece: one seal, no
				 * stream state to set up and wipe. */
				struct tls_tx_rec *r = txr_last(t);

				if (dpsec_aead_seal(eng, t->key, nonce, aad,
						aad_len, p + sp.len,
						p + sp.len, body,
						t->tag) != 0) {
					tls_fail(t);
					return DPSEC_R_UNSUPPORTED;
				}
				t->tag_ready = 1;
				memcpy(r->tag, t->tag, sizeof(r->tag));
				r->has_tag = 1;
				sealed = true;
			} else if (dpsec_aead_stream_init(eng, &t->st, t->key,
					DPSEC_CRYPTO_ENCRYPT, nonce, aad,
					aad_len) != 0) {
				tls_fail(t);
				return DPSEC_R_UNSUPPORTED;
			} else {
				t->st_open = 1;
			}
		}
		if (sp.part == DPSEC_TLS_PART_BODY) {
			if (sw && !sealed)
				dpsec_aead_stream_update(eng, &t->st, p, p,
							 sp.len);
			*bytes += sp.len;
		}
		if (sp.part == DPSEC_TLS_PART_TAG && sw) {
			if (!t->tag_ready) {
				struct tls_tx_rec *r = txr_last(t);

				if (dpsec_aead_stream_final(eng, &t->st,
							    t->tag) != 0) {
					tls_fail(t);
					return DPSEC_R_UNSUPPORTED;
				}
				t->st_open = 0;
				t->tag_ready = 1;
				/* Kept for retransmissions. */
				memcpy(r->tag, t->tag, sizeof(r->tag));
				r->has_tag = 1;
			}
			memcpy(p, t->tag + sp.part_off, sp.len);
		}
		if (sp.rec_done) {
			sealed = false;
			if (sw)
				t->stats.records_sw++;
			else
				t->stats.records_nic++;
			t->tag_ready = 0;
			t->sw_rec = 0;
		}
		p += sp.len;
		len -= sp.len;
	}
	return DPSEC_R_NONE;
}

/* Call @fn on the contiguous pieces of payload [off, off + plen) of @m. */
typedef enum dpsec_reason (*piece_fn)(struct dpsec_tls *t,
		struct dpsec_crypto_engine *eng, uint8_t *p, uint32_t seq,
		uint32_t n, bool sw, uint64_t *bytes);

static enum dpsec_reason
seg_walk(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	 struct rte_mbuf *m, uint32_t off, uint32_t seq, uint32_t plen,
	 piece_fn fn, bool sw, uint64_t *bytes)
{
	struct rte_mbuf *s;
	enum dpsec_reason r;
	uint32_t k;

	for (s = m; s != NULL && plen > 0; s = s->next) {
		if (off >= s->data_len) {
			off -= s->data_len;
			continue;
		}
		k = RTE_MIN((uint32_t)s->data_len - off, plen);
		r = fn(t, eng, rte_pktmbuf_mtod_offset(s, uint8_t *, off), seq,
		       k, sw, bytes);
		if (r != DPSEC_R_NONE)
			return r;
		plen -= k;
		seq += k;
		off = 0;
	}
	return DPSEC_R_NONE;
}

static enum dpsec_reason
new_piece(struct dpsec_tls *t, struct dpsec_crypto_engine *eng, uint8_t *p,
	  uint32_t seq, uint32_t n, bool sw, uint64_t *bytes)
{
	RTE_SET_USED(seq);
	return tx_bytes(t, eng, p, n, sw, bytes);
}

/* Retransmitted bytes sealed here, record by record. */
static enum dpsec_reason
old_piece(struct dpsec_tls *t, struct dpsec_crypto_engine *eng, uint8_t *p,
	  uint32_t seq, uint32_t n, bool sw, uint64_t *bytes)
{
	RTE_SET_USED(sw);
	while (n > 0) {
		struct tls_tx_rec *r = txr_find(t, seq);
		uint32_t off, k;
		enum dpsec_reason rs;

		if (r == NULL)
			return DPSEC_R_TLS_NO_DATA;
		off = seq - r->tcp_seq;
		k = RTE_MIN(n, r->len - off);
		rs = sw_piece(t, eng, r, p, off, k);
		if (rs != DPSEC_R_NONE)
			return rs;
		*bytes += k;
		p += k;
		seq += k;
		n -= k;
	}
	return DPSEC_R_NONE;
}

/* Put the NIC's record state at @seq (a record start, or inside one
 * with a dump of the record's bytes before it). */
static enum dpsec_reason
nic_position(struct dpsec_tls *t, uint32_t seq)
{
	const struct dpsec_tls_cursor *c = &t->cur;
	struct tls_tx_rec *r;
	uint32_t rstart, pre;
	uint64_t rseq;
	uint8_t tmp[8];
	int ret;

	if (seq == c->tcp_seq && c->part == DPSEC_TLS_PART_HDR) {
		/* The record under way, not tracked before its header is
		 * whole: at its start, or part_off bytes of its header
		 * already sent (the dump gives them to the NIC). */
		rstart = seq - c->part_off;
		rseq = c->rec_seq;
	} else {
		r = txr_find(t, seq);
		if (r == NULL)
			return DPSEC_R_TLS_NO_DATA;
		rstart = r->tcp_seq;
		rseq = r->rec_seq;
	}
	if (rstart == seq) {
		ret = t->ops->resync(t->conf.port_id, t->hw_id, seq, rseq);
		if (ret != 0)
			return DPSEC_R_NIC_FAILED;
		t->nic_next = seq;
		t->nic_resync = 0;
		return DPSEC_R_NONE;
	}
	if (t->ops->tx_resync_dump == NULL || t->rbuf == NULL ||
	    tx_read(t, rstart, t->rbuf, seq - rstart) != 0)
		return DPSEC_R_TLS_NO_DATA;
	/* The explicit nonce as it went out. */
	r = txr_find(t, rstart);
	pre = DPSEC_TLS_HDR_LEN + t->suite.explicit_len;
	if (r != NULL && t->suite.explicit_len != 0 && seq - rstart > 5)
		memcpy(t->rbuf + 5, rec_explicit(r, tmp),
		       RTE_MIN(seq - rstart, pre) - 5);
	ret = t->ops->tx_resync_dump(t->conf.port_id, t->hw_id, rstart, rseq,
				     t->rbuf, seq - rstart);
	explicit_bzero(t->rbuf, seq - rstart);
	if (ret != 0)
		return DPSEC_R_NIC_FAILED;
	t->stats.tx_resync_dumps++;
	t->stats.tx_resync_bytes += seq - rstart;
	t->nic_next = seq;
	t->nic_resync = 0;
	return DPSEC_R_NONE;
}

/*
 * A dpsec_tls_resync() request, taken by the context's own lcore at the
 * start of a burst: TX moved to software by the retransmission threshold
 * goes back to the NIC (the next marked segment repositions it, as after
 * a retransmission) and the window starts again; RX forgets its hint
 * back-off, so the next record header gives the NIC a hint (HINT mode).
 */
static void
resync_take(struct dpsec_tls *t)
{
	if (likely(__atomic_load_n(&t->resync_req, __ATOMIC_RELAXED) == 0) ||
	    __atomic_exchange_n(&t->resync_req, 0, __ATOMIC_ACQ_REL) == 0)
		return;
	t->stats.resync_taken++;
	if (!t->rx) {
		if (t->tx_sw) {
			t->tx_sw = 0;
			t->stats.tx_moves++;
		}
		t->win_n = t->win_ooo = 0;
	} else {
		t->hint_backoff = 0;
		t->hint_skip = 0;
	}
}

void
tls_port_readd(struct dpsec_ctx *ctx, uint16_t port_id)
{
	struct dpsec_tls *t;

	TAILQ_FOREACH(t, &ctx->tlss, next)
		if (t->conf.port_id == port_id && t->nic)
			__atomic_store_n(&t->readd_req, 1, __ATOMIC_RELEASE);
}

/* Where a read context put back on the NIC starts: the next record start
 * dpsec knows of (a record the NIC could not finish is software's). */
static void
rx_readd_at(const struct dpsec_tls *t, uint32_t *seq, uint64_t *rec)
{
	const struct dpsec_tls_cursor *c = &t->cur;

	if (c->part == DPSEC_TLS_PART_HDR && c->part_off == 0) {
		*seq = c->tcp_seq;
		*rec = c->rec_seq;
	} else if (c->part != DPSEC_TLS_PART_HDR) {
		*seq = c->rec_tcp_seq + DPSEC_TLS_HDR_LEN + c->rec_len;
		*rec = c->rec_seq + 1;
	} else {
		/* Inside a header: its start, behind the packets to come
		 * (the NIC sees a gap and waits for a resync). */
		*seq = c->rec_tcp_seq;
		*rec = c->rec_seq;
	}
}

/* TX on the NIC, not moved to software: the NIC can be positioned inside
 * a record by a dump of its bytes so far (conf.tx_resync DUMP). */
static bool
tx_dumps(const struct dpsec_tls *t)
{
	return t->nic && !t->tx_sw &&
	       t->conf.tx_resync == DPSEC_TLS_TX_RESYNC_DUMP &&
	       t->ops->tx_resync_dump != NULL;
}

/* TX: the record under the cursor (if any, and not already) is finished
 * in software (sw_takeover()); without tx_read it cannot be. */
static void
tx_finish_in_sw(struct dpsec_tls *t, struct dpsec_crypto_engine *eng)
{
	if (t->sw_rec || (t->cur.part == DPSEC_TLS_PART_HDR &&
			  t->cur.part_off == 0))
		return;
	if (sw_takeover(t, eng) != DPSEC_R_NONE)
		DPSEC_LOG_RL(ERR, "TLS TX: the record under way at TCP %u "
			     "cannot be finished without the NIC (tx_read)",
			     t->cur.rec_tcp_seq);
}

/*
 * After dpsec_port_resync(), on the context's own lcore at the start of a
 * burst: the NIC may have forgotten the context (a reset). Its old entry
 * goes (TX: after the grace of frames still queued for it) and a new one
 * takes the current key and position:
 * - RX from the next record start dpsec knows of; the usual resync (hint
 *   or device-driven) follows if the NIC is already past it;
 * - TX at the cursor: the next marked segment positions the NIC
 *   (nic_position(); inside a record, by a dump); without dumps the
 *   record under way is finished in software first. A write context
 *   whose retransmissions may still need the key before the last rekey
 *   (or with a rekey waiting) stays in software: the new entry would know
 *   one key only, and a dump of an old record under the new key would
 *   reuse a (key, record number) pair (invariant 1,
 *   doc/security_model.md).
 * A NIC that refuses the new entry leaves the context in software
 * (DPSEC_PLACE_R_NIC_RESET).
 */
static void
readd_take(struct dpsec_tls *t, struct dpsec_crypto_engine *eng)
{
	struct dpsec_drv_tls_conf d;
	struct dpsec_tls_port_stats *ps;
	uint32_t nic_from;
	int ret;

	if (likely(__atomic_load_n(&t->readd_req, __ATOMIC_RELAXED) == 0) ||
	    __atomic_exchange_n(&t->readd_req, 0, __ATOMIC_ACQ_REL) == 0 ||
	    !t->nic)
		return;
	ps = &t->ctx->tls_port[t->conf.port_id];
	if (t->rx) {
		t->ops->del(t->conf.port_id, t->hw_id);
		__atomic_fetch_add(&ps->rx_tls_del, 1, __ATOMIC_RELAXED);
	} else {
		offload_grave_tls(t->ctx, t->ops, t->conf.port_id, t->hw_id,
				  &ps->tx_tls_del);
	}
	t->stats.nic_readds++;
	if (!t->rx && (t->prev_valid || t->rekey_pending))
		goto sw;
	drv_conf_fill(t, &d);
	if (t->rx)
		rx_readd_at(t, &d.tcp_seq, &d.rec_seq);
	nic_from = d.tcp_seq;
	ret = t->ops->add(t->conf.port_id, &d, &t->hw_id);
	explicit_bzero(&d, sizeof(d));
	if (ret != 0)
		goto sw;
	__atomic_fetch_add(t->rx ? &ps->rx_tls_ctx : &ps->tx_tls_ctx, 1,
			   __ATOMIC_RELAXED);
	if (t->rx) {
		t->nic_from = nic_from;
		t->nic_from_set = 1;
		t->rx_lost = 0;
		t->hint_out = 0;
		t->hint_skip = 0;
		t->hint_backoff = 0;
		t->req_pending = 0;
	} else {
		t->nic_resync = 1;
		if (!tx_dumps(t))
			tx_finish_in_sw(t, eng);
	}
	return;
sw:
	if (!t->rx)
		tx_finish_in_sw(t, eng);
	t->nic = 0;
	t->place_reason = DPSEC_PLACE_R_NIC_RESET;
	explicit_bzero(t->nic_key, sizeof(t->nic_key));
	if (!t->rx)
		t->stats.tx_moves++;
}

int
dpsec_tls_resync(struct dpsec_tls *tls)
{
	if (!tls_ok(tls, __func__))
		return -EINVAL;
	if (!tls->nic)
		return -ENOTSUP;
	__atomic_store_n(&tls->resync_req, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Threshold window: move TX to software when retransmissions are many,
 * back when they are few. */
static void
tx_window(struct dpsec_tls *t, bool retx)
{
	uint16_t thr = t->conf.tx_sw_threshold;

	if (!t->nic || thr == 0)
		return;
	t->win_n++;
	t->win_ooo += retx;
	if (t->win_n < TLS_WIN)
		return;
	if (!t->tx_sw && t->win_ooo > thr) {
		t->tx_sw = 1;
		t->stats.tx_moves++;
	} else if (t->tx_sw && t->win_ooo < thr / 2) {
		t->tx_sw = 0;
		t->stats.tx_moves++;
	}
	t->win_n = t->win_ooo = 0;
}

/* Process one segment; DPSEC_R_NONE if it may be sent. */
static enum dpsec_reason
tx_seg(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
       struct rte_mbuf *m, uint64_t *bytes, bool *marked)
{
	enum dpsec_reason r;
	uint32_t off, seq, plen, old = 0;
	bool sw, dump;

	*marked = false;
	r = seg_parse(t, m, &off, &seq);
	if (r != DPSEC_R_NONE)
		return r;
	plen = m->pkt_len - off;
	if (plen == 0)
		return DPSEC_R_NONE;	/* a bare ACK/FIN: nothing to do */
	if (dpsec_tcp_seq_lt(t->cur.tcp_seq, seq)) {
		/* After a gap: bytes dpsec never saw. */
		t->stats.ooo++;
		return DPSEC_R_TLS_OOO;
	}
	if (dpsec_tcp_seq_lt(seq, t->cur.tcp_seq)) {
		old = RTE_MIN(plen, t->cur.tcp_seq - seq);
		t->stats.tx_retransmits++;
		t->stats.ooo++;
	}
	tx_window(t, old != 0);
	/* Software or NIC for this segment. */
	dump = old != 0 && tx_dumps(t);
	if (t->sw_rec && old == 0 && tx_dumps(t) && t->rbuf != NULL) {
		/* A record software took over goes back to the NIC at this
		 * segment: the dump gives it the record's bytes before it
		 * (same key, number and bytes: the same ciphertext and tag
		 * software would have made). Without dumps the NIC takes
		 * the next segment that starts a record. */
		if (t->st_open)
			dpsec_aead_stream_abort(&t->st);
		t->st_open = 0;
		t->tag_ready = 0;
		t->sw_rec = 0;
		t->nic_resync = 1;
	}
	sw = !t->nic || t->tx_sw || t->sw_rec || (old != 0 && !dump);
	if (sw && t->nic && !t->sw_rec && old < plen) {
		/* New bytes in software: the record under the cursor is
		 * finished here. */
		r = sw_takeover(t, eng);
		if (r != DPSEC_R_NONE)
			return r;
	}
	if (!sw && (t->nic_resync || t->nic_next != seq)) {
		r = nic_position(t, seq);
		if (r != DPSEC_R_NONE)
			return r;
	}
	if (old != 0 && sw) {
		r = seg_walk(t, eng, m, off, seq, old, old_piece, true, bytes);
		if (r != DPSEC_R_NONE)
			return r;
	}
	if (old < plen) {
		r = seg_walk(t, eng, m, off + old, seq + old, plen - old,
			     new_piece, sw, bytes);
		if (r != DPSEC_R_NONE)
			return r;
	}
	if (sw) {
		if (t->nic)
			t->stats.tx_sw_segments++;
		/* New bytes went out without the NIC: its state is behind,
		 * position it before the next marked segment. (A segment
		 * of old bytes only leaves it where it was.) */
		if (old < plen)
			t->nic_resync = 1;
	} else {
		m->ol_flags |= UINT64_C(1) << tx_flag_bit;
		*RTE_MBUF_DYNFIELD(m, id_off, uint32_t *) = t->hw_id;
		t->nic_next = seq + plen;
		*marked = true;
	}
	return DPSEC_R_NONE;
}

uint16_t
dpsec_tls_tx(struct dpsec_tls *tls, struct rte_mbuf *segs[], uint16_t n)
{
	struct dpsec_crypto_engine *eng;
	struct dpsec_tls_port_stats *ps;
	uint8_t reason[DPSEC_MAX_BURST];
	uint64_t bytes = 0, nic_bytes = 0, nic_pkts = 0, ooo = 0;
	uint16_t i, off, k, good = 0;

	if (!tls_ok(tls, __func__) || tls->rx)
		return burst_refuse(segs, n, DPSEC_R_BAD_HANDLE);
	eng = ctx_engine(tls->ctx);
	readd_take(tls, eng);
	resync_take(tls);
	/* In chunks, the refused segments settled behind the good ones in
	 * order as dpsec_sa_outbound() does (esp_settle). */
	for (off = 0; off < n; off = (uint16_t)(off + k)) {
		k = (uint16_t)RTE_MIN(n - off, DPSEC_MAX_BURST);
		for (i = 0; i < k; i++) {
			struct rte_mbuf *m = segs[off + i];
			enum dpsec_reason r;
			uint64_t b = 0;
			bool marked = false;

			if (tls_stopped(tls))
				r = DPSEC_R_TLS_STOPPED;
			else if (eng == NULL && !tls->nic)
				r = DPSEC_R_UNSUPPORTED;
			else
				r = tx_seg(tls, eng, m, &b, &marked);
			dpsec_mbuf_set_reason(m, r);
			reason[i] = (uint8_t)r;
			if (r != DPSEC_R_NONE) {
				ooo += r == DPSEC_R_TLS_OOO;
				tls->stats.dropped++;
				continue;
			}
			tls->stats.segments++;
			bytes += b;
			if (marked) {
				nic_pkts++;
				nic_bytes += b;
			}
		}
		good = esp_settle(segs, good, off, k, reason);
	}
	tls->stats.bytes_nic += nic_bytes;
	tls->stats.bytes_sw += bytes - nic_bytes;
	ps = &tls->ctx->tls_port[tls->conf.port_id < RTE_MAX_ETHPORTS ?
				 tls->conf.port_id : 0];
	if (nic_pkts != 0) {
		__atomic_fetch_add(&ps->tx_tls_encrypted_packets, nic_pkts,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&ps->tx_tls_encrypted_bytes, nic_bytes,
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
	/* The old key goes when no record of it is left. */
	if (tls->prev_valid && (tls->txr_n == 0 ||
	    tls->txr[tls->txr_head].gen == tls->kgen)) {
		dpsec_crypto_key_wipe(tls->key_prev);
		explicit_bzero(&tls->suite_prev, sizeof(tls->suite_prev));
		tls->prev_valid = 0;
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

/*
 * Add body bytes [off, off+len) of segment @s to the record: an indirect
 * mbuf on them, or, when they are the end of a one-mbuf segment dpsec
 * alone holds (a segment inside a long record), the segment itself,
 * trimmed to them (no allocation, no cold mbuf header; the caller does
 * not free it then: t->rx_taken).
 */
static int
rx_piece_add(struct dpsec_tls *t, struct rte_mbuf *s, uint32_t off,
	     uint32_t len, bool marked)
{
	struct rte_mbuf *mi;

	if (s == t->rx_seg && s->nb_segs == 1 && off + len == s->data_len &&
	    RTE_MBUF_DIRECT(s) && rte_mbuf_refcnt_read(s) == 1) {
		mi = s;
		mi->data_off = (uint16_t)(s->data_off + off);
		mi->data_len = (uint16_t)len;
		mi->pkt_len = len;
		mi->tx_offload = 0;
		t->rx_taken = 1;
		t->rx_seg = NULL;
	} else {
		mi = rte_pktmbuf_alloc(s->pool);
		if (mi == NULL)
			return -ENOMEM;
		rte_pktmbuf_attach(mi, s);
		mi->data_off = (uint16_t)(s->data_off + off);
		mi->data_len = (uint16_t)len;
		mi->pkt_len = len;
	}
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

/* Whether a TLS 1.3 handshake record holds a KeyUpdate (type 24). */
static bool
rx_has_key_update(const struct dpsec_tls_rec *r)
{
	uint8_t buf[4];
	uint32_t pos = 0;

	while (r->m != NULL && pos + 4 <= r->len) {
		const uint8_t *h = rte_pktmbuf_read(r->m, pos, 4, buf);
		uint32_t ml;

		if (h == NULL)
			return false;
		if (h[0] == 24)
			return true;
		ml = (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		pos += 4 + ml;
	}
	return false;
}

/*
 * RX on the NIC: a record was decrypted (by the NIC: @nic_ok, or not).
 * A record the NIC did not decrypt means it lost the stream; a hint it
 * was given and did not take backs the next one off.
 */
static void
rx_sync_note(struct dpsec_tls *t, uint32_t rec_tcp_seq, bool nic_ok)
{
	if (t->hint_out && rec_tcp_seq == t->hint_seq) {
		t->hint_out = 0;
		if (!nic_ok) {
			t->hint_backoff = RTE_MIN(RTE_MAX(t->hint_backoff * 2,
							  1u), 64u);
			t->hint_skip = t->hint_backoff;
		}
	}
	if (nic_ok) {
		t->rx_lost = 0;
		t->hint_backoff = 0;
		t->hint_skip = 0;
	} else {
		t->rx_lost = 1;
	}
}

/* Device-driven resync: answer a request when the cursor reached or
 * passed its sequence. */
static void
rx_req_check(struct dpsec_tls *t)
{
	const struct dpsec_tls_cursor *c = &t->cur;
	bool at = c->part == DPSEC_TLS_PART_HDR && c->part_off == 0 &&
		  c->tcp_seq == t->req_seq;

	if (!t->req_pending ||
	    (!at && !dpsec_tcp_seq_lt(t->req_seq, c->tcp_seq)))
		return;
	/* At the record after a KeyUpdate: its number is 0 once the new
	 * key is in (dpsec_tls_rekey()), not the one the cursor has now. */
	if (at && __atomic_load_n(&t->state, __ATOMIC_RELAXED) ==
		  DPSEC_TLS_KEY_WAIT)
		return;
	t->req_pending = 0;
	if (t->ops == NULL || t->ops->rx_resync_response == NULL)
		return;
	t->ops->rx_resync_response(t->conf.port_id, t->hw_id, t->req_seq, at,
				   at ? c->rec_seq : 0);
	if (at)
		t->stats.rx_resync_ok++;
	else
		t->stats.rx_resync_skip++;
}

/* Stack-driven resync: the next record's start, for a NIC that lost it. */
static void
rx_hint(struct dpsec_tls *t, uint32_t next_seq, uint64_t next_rec)
{
	if (!t->nic || !t->rx_lost || t->hint_out ||
	    t->conf.rx_resync != DPSEC_TLS_RX_RESYNC_HINT ||
	    t->ops->resync == NULL)
		return;
	if (t->hint_skip > 0) {
		t->hint_skip--;
		return;
	}
	if (t->ops->resync(t->conf.port_id, t->hw_id, next_seq, next_rec) != 0)
		return;
	t->hint_out = 1;
	t->hint_seq = next_seq;
	t->stats.rx_resync_hints++;
}

/*
 * Open a MIXED record in one pass (IPsec-MB): pieces the NIC decrypted
 * are fed as plaintext (dpsec_aead_stream_update_plain(), their
 * ciphertext to a scratch buffer), the others decrypted in place.
 */
static int
rx_open_mixed(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	      const uint8_t nonce[DPSEC_TLS_IV_LEN], const uint8_t *aad,
	      uint16_t aad_len)
{
	uint8_t ct[2048];
	struct rte_mbuf *m;
	int ret;

	ret = dpsec_aead_stream_init(eng, &t->st, t->key, DPSEC_CRYPTO_DECRYPT,
				     nonce, aad, aad_len);
	for (m = t->rx_head; m != NULL && ret == 0; m = m->next) {
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		uint32_t n, done;

		if (!(m->ol_flags & (UINT64_C(1) << rx_flag_bit))) {
			ret = dpsec_aead_stream_update(eng, &t->st, p, p,
						       m->data_len);
			continue;
		}
		for (done = 0; done < m->data_len && ret == 0; done += n) {
			n = RTE_MIN((uint32_t)sizeof(ct),
				    (uint32_t)m->data_len - done);
			ret = dpsec_aead_stream_update_plain(eng, &t->st,
							     p + done, ct, n);
		}
	}
	if (ret == 0)
		return dpsec_aead_stream_final(eng, &t->st, t->tag);
	dpsec_aead_stream_abort(&t->st);
	return ret;
}

/*
 * Open a record: in one call when its body is one piece, else streamed
 * over the pieces; a MIXED one after the NIC's pieces were re-encrypted
 * (the AEAD keystream at their offset).
 */
static int
rx_open(struct dpsec_tls *t, struct dpsec_crypto_engine *eng, uint8_t how,
	const uint8_t nonce[DPSEC_TLS_IV_LEN], const uint8_t *aad,
	uint16_t aad_len)
{
	struct rte_mbuf *m;
	uint32_t off = 0;
	int ret;

	if (how == DPSEC_TLS_MIXED) {
		for (m = t->rx_head; m != NULL; m = m->next) {
			if (m->ol_flags & (UINT64_C(1) << rx_flag_bit))
				dpsec_aead_keystream_xor(eng, t->key, nonce,
					off, rte_pktmbuf_mtod(m, uint8_t *),
					m->data_len);
			off += m->data_len;
		}
	}
	if (t->rx_pieces == 1) {
		/* No stream state to set up and wipe. */
		m = t->rx_head;
		return dpsec_aead_open(eng, t->key, nonce, aad, aad_len,
				       rte_pktmbuf_mtod(m, uint8_t *),
				       rte_pktmbuf_mtod(m, uint8_t *),
				       m->data_len, t->tag);
	}
	ret = dpsec_aead_stream_init(eng, &t->st, t->key, DPSEC_CRYPTO_DECRYPT,
				     nonce, aad, aad_len);
	for (m = t->rx_head; m != NULL && ret == 0; m = m->next)
		ret = dpsec_aead_stream_update(eng, &t->st,
					       rte_pktmbuf_mtod(m, uint8_t *),
					       rte_pktmbuf_mtod(m, uint8_t *),
					       m->data_len);
	if (ret == 0)
		return dpsec_aead_stream_final(eng, &t->st, t->tag);
	dpsec_aead_stream_abort(&t->st);
	return ret;
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
	uint32_t len, body = t->rx_body_off;
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
		aad_len = dpsec_tls_aad(&t->suite, rec_seq, t->rx_hdr, aad);
		if (how == DPSEC_TLS_MIXED &&
		    t->key->backend == DPSEC_CRYPTO_IPSEC_MB)
			ret = rx_open_mixed(t, eng, nonce, aad, aad_len);
		else
			ret = rx_open(t, eng, how, nonce, aad, aad_len);
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
	if (t->nic)
		rx_sync_note(t, rec_tcp_seq, how == DPSEC_TLS_DECRYPTED &&
			     body > 0);
	if (t->suite.version == DPSEC_TLS_VER_1_3 &&
	    type == DPSEC_TLS_CT_HANDSHAKE && rx_has_key_update(r)) {
		/* RFC 8446 §4.6.3: the records after it are under the next
		 * key; wait for it (dpsec_tls_rekey()). */
		__atomic_store_n(&t->state, DPSEC_TLS_KEY_WAIT,
				 __ATOMIC_RELAXED);
		t->events_sent &= ~(1u << DPSEC_TLS_EV_KEY_UPDATE);
		tls_raise(t, DPSEC_TLS_EV_KEY_UPDATE);
	}
}

static bool
rx_key_wait(const struct dpsec_tls *t)
{
	return __atomic_load_n(&t->state, __ATOMIC_RELAXED) ==
	       DPSEC_TLS_KEY_WAIT;
}

/* Walk one contiguous piece of a segment's payload; returns the bytes
 * consumed (fewer than @len when a KeyUpdate stops the stream). */
static uint32_t
rx_bytes(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	 struct rte_mbuf *s, uint32_t off, uint32_t len, bool marked)
{
	struct dpsec_tls_cursor *c = &t->cur;
	struct dpsec_tls_span sp;
	enum dpsec_tls_hdr_err he;
	const uint8_t *p = rte_pktmbuf_mtod_offset(s, const uint8_t *, off);
	uint32_t done = 0;

	while (len > 0 && !tls_stopped(t) && !rx_key_wait(t)) {
		uint64_t rec_seq = c->rec_seq;
		uint32_t rec_tcp = c->rec_tcp_seq;

		rx_req_check(t);
		he = dpsec_tls_cursor_step(c, p, len, &sp);
		if (he != DPSEC_TLS_HDR_OK) {
			if (he == DPSEC_TLS_HDR_TOO_LONG)
				t->stats.rec_too_long++;
			else
				t->stats.bad_header++;
			rx_error(t, rec_seq, rec_tcp,
				 he == DPSEC_TLS_HDR_TOO_LONG ? -EMSGSIZE :
				 -EPROTO);
			return done + len;
		}
		if (sp.hdr_done) {
			memcpy(t->rx_hdr, c->hdr, sizeof(t->rx_hdr));
			if (!tls_life_step(t)) {
				rx_error(t, rec_seq, rec_tcp, -EKEYEXPIRED);
				return done + len;
			}
			rx_hint(t, sp.rec_tcp_seq + DPSEC_TLS_HDR_LEN +
				c->rec_len, sp.rec_seq + 1);
		}
		if (sp.explicit_done)
			memcpy(t->rx_explicit, c->explicit_nonce,
			       sizeof(t->rx_explicit));
		if (sp.part == DPSEC_TLS_PART_BODY &&
		    rx_piece_add(t, s, off, sp.len, marked) != 0) {
			rx_error(t, rec_seq, rec_tcp, -ENOMEM);
			return done + len;
		}
		if (sp.part == DPSEC_TLS_PART_TAG)
			memcpy(t->tag + sp.part_off, p, sp.len);
		if (sp.rec_done)
			rx_finish(t, eng, sp.rec_seq, sp.rec_tcp_seq);
		p += sp.len;
		off += sp.len;
		len -= sp.len;
		done += sp.len;
	}
	rx_req_check(t);
	return tls_stopped(t) ? done + len : done;
}

/* Feed payload [off, off + len) of @m; bytes consumed. After the context
 * went back on a NIC that forgot it (readd_take()), the NIC decrypts from
 * nic_from on only: bytes before it in a marked packet (the record dpsec
 * was opening in software) are the stream's as they came, not the NIC's. */
static uint32_t
rx_feed(struct dpsec_tls *t, struct dpsec_crypto_engine *eng,
	struct rte_mbuf *m, uint32_t off, uint32_t len, bool marked)
{
	struct rte_mbuf *s;
	uint32_t done = 0, k, got;

	for (s = m; s != NULL && len > 0;) {
		bool mk = marked;

		if (off >= s->data_len) {
			off -= s->data_len;
			s = s->next;
			continue;
		}
		k = RTE_MIN((uint32_t)s->data_len - off, len);
		if (unlikely(t->nic_from_set)) {
			if (!dpsec_tcp_seq_lt(t->cur.tcp_seq, t->nic_from)) {
				t->nic_from_set = 0;
			} else {
				mk = false;
				k = RTE_MIN(k, t->nic_from - t->cur.tcp_seq);
			}
		}
		got = rx_bytes(t, eng, s, off, k, mk);
		done += got;
		if (got < k)
			break;
		len -= k;
		off += k;
	}
	return done;
}

/* Keep the rest of @m (payload from @off, @len bytes at @seq) for after
 * the new key; false when the queue is full. */
static bool
rx_pend_add(struct dpsec_tls *t, struct rte_mbuf *m, uint32_t off,
	    uint32_t seq, uint32_t len, bool marked)
{
	struct tls_rx_pend *p;

	if (t->pend_n == t->pend_cap) {
		uint32_t cap = t->pend_cap ? t->pend_cap * 2 : 64;

		if (cap > TLS_PEND_MAX)
			return false;
		p = realloc(t->pend, cap * sizeof(*p));
		if (p == NULL)
			return false;
		t->pend = p;
		t->pend_cap = cap;
	}
	p = &t->pend[t->pend_n++];
	p->m = m;
	p->off = off;
	p->seq = seq;
	p->len = len;
	p->marked = marked;
	return true;
}

/* After a rekey: the waiting bytes, in order, until done or the next
 * KeyUpdate. */
static void
rx_pend_drain(struct dpsec_tls *t, struct dpsec_crypto_engine *eng)
{
	uint32_t i = 0, got;

	while (i < t->pend_n && !rx_key_wait(t) && !tls_stopped(t)) {
		struct tls_rx_pend *p = &t->pend[i];

		t->rx_seg = p->m;
		t->rx_taken = 0;
		got = rx_feed(t, eng, p->m, p->off, p->len, p->marked);
		t->rx_seg = NULL;
		if (got < p->len && rx_key_wait(t) && !t->rx_taken) {
			p->off += got;
			p->seq += got;
			p->len -= got;
			break;
		}
		if (!t->rx_taken)
			rte_pktmbuf_free(p->m);
		i++;
	}
	if (tls_stopped(t)) {
		for (; i < t->pend_n; i++)
			rte_pktmbuf_free(t->pend[i].m);
	}
	memmove(t->pend, t->pend + i, (t->pend_n - i) * sizeof(*t->pend));
	t->pend_n -= i;
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
	readd_take(tls, eng);
	resync_take(tls);
	/* Bytes that waited for a new key go first. */
	if (tls->pend_n > 0 && !rx_key_wait(tls))
		rx_pend_drain(tls, eng);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = segs[i];
		enum dpsec_reason r;
		uint32_t off, seq, plen, skip, got;
		bool marked = (m->ol_flags >> rx_flag_bit) & 1;

		r = tls_stopped(tls) ? DPSEC_R_TLS_STOPPED :
		    seg_parse(tls, m, &off, &seq);
		if (r != DPSEC_R_NONE)
			goto drop;
		/* Device-driven resync: the NIC asks about a header. */
		if (tls->nic && req_flag_bit >= 0 &&
		    ((m->ol_flags >> req_flag_bit) & 1) &&
		    tls->conf.rx_resync == DPSEC_TLS_RX_RESYNC_DEVICE) {
			tls->req_pending = 1;
			tls->req_seq = *RTE_MBUF_DYNFIELD(m, req_off,
							  uint32_t *);
			tls->stats.rx_resync_req++;
		}
		plen = m->pkt_len - off;
		if (plen == 0) {
			rte_pktmbuf_free(m);	/* a bare ACK */
			continue;
		}
		/* In order, trimming what was received already; a gap is
		 * the caller's stack's to fill (TCP order is its job). */
		if (dpsec_tcp_seq_lt(tls->rx_next, seq)) {
			tls->stats.ooo++;
			r = DPSEC_R_TLS_OOO;
			goto drop;
		}
		skip = tls->rx_next - seq;
		if (skip >= plen) {
			r = DPSEC_R_TLS_DUP;
			goto drop;
		}
		off += skip;
		seq += skip;
		plen -= skip;
		tls->stats.segments++;
		if (marked) {
			dec_pkts++;
			dec_bytes += plen;
		}
		tls->rx_next = seq + plen;
		if (rx_key_wait(tls) || tls->pend_n > 0) {
			if (!rx_pend_add(tls, m, off, seq, plen, marked)) {
				tls->rx_next = seq;
				r = DPSEC_R_TLS_TRACK_FULL;
				goto drop;
			}
			continue;
		}
		tls->rx_seg = m;
		tls->rx_taken = 0;
		got = rx_feed(tls, eng, m, off, plen, marked);
		tls->rx_seg = NULL;
		if (tls->rx_taken)
			continue;	/* a piece of the record now */
		if (got < plen && rx_key_wait(tls) &&
		    rx_pend_add(tls, m, off + got, seq + got, plen - got,
				marked))
			continue;
		if (got < plen && rx_key_wait(tls)) {
			/* No room to wait: the stream cannot go on. */
			rx_error(tls, tls->cur.rec_seq, tls->cur.tcp_seq,
				 -ENOMEM);
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
dpsec_tls_port_caps_get(uint16_t port_id, struct dpsec_tls_port_caps *caps)
{
	static const enum dpsec_cipher aeads[] = {
		DPSEC_CIPHER_AES_GCM_128, DPSEC_CIPHER_AES_GCM_256,
		DPSEC_CIPHER_CHACHA20_POLY1305,
	};
	const struct dpsec_drv_tls_ops *ops;
	struct dpsec_drv_tls_caps dc = { 0 };
	uint64_t bits;
	int rc;

	if (caps == NULL || port_id >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	memset(caps, 0, sizeof(*caps));
	bits = dpsec_drv_caps_get(port_id);
	ops = dpsec_drv_tls_ops_get(port_id);
	if (ops == NULL || ops->caps == NULL ||
	    (bits & (DPSEC_DRV_CAP_TLS_TX | DPSEC_DRV_CAP_TLS_RX)) == 0)
		return 0;
	rc = ops->caps(port_id, &dc);
	if (rc != 0)
		return rc;
	caps->tx = (bits & DPSEC_DRV_CAP_TLS_TX) != 0;
	caps->rx = (bits & DPSEC_DRV_CAP_TLS_RX) != 0;
	caps->tls12 = dc.tls12;
	caps->tls13 = dc.tls13;
	caps->max_ctx = dc.max_ctx;
	caps->used_ctx = dc.used_ctx;
	for (unsigned int i = 0; i < RTE_DIM(aeads); i++)
		if (dc.ciphers & (UINT64_C(1) << sa_cipher_alg(aeads[i])))
			caps->ciphers |= UINT32_C(1) << aeads[i];
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

/* A new key for @t in @k (and its suite in @s): same cipher and version. */
static int
rekey_prepare(struct dpsec_tls *t, struct dpsec_crypto_key *k,
	      struct dpsec_tls_suite *s, const uint8_t *key,
	      uint16_t key_len, const uint8_t imp_nonce[12])
{
	const struct dpsec_crypto_cipher_info *ci =
		dpsec_crypto_cipher_info_get(t->suite.cipher);
	int ret;

	if (key == NULL || imp_nonce == NULL || ci == NULL ||
	    key_len != ci->key_len)
		return -EINVAL;
	ret = dpsec_tls_suite_init(s, t->suite.version, t->suite.cipher,
				   imp_nonce, t->suite.explicit_len != 0 ?
				   DPSEC_TLS12_SALT_LEN : DPSEC_TLS_IV_LEN);
	if (ret == 0)
		ret = dpsec_crypto_key_init(k, t->key->backend,
					    t->suite.cipher, key, key_len,
					    DPSEC_CRYPTO_AUTH_NULL, NULL, 0);
	return ret;
}

/* Tell the NIC; false if it cannot take the key (then software). */
static bool
rekey_nic(struct dpsec_tls *t, const uint8_t *key, uint16_t key_len,
	  const struct dpsec_tls_suite *s, uint32_t tcp_seq)
{
	struct dpsec_drv_tls_conf d;
	int ret;

	if (!t->nic || t->ops->rekey == NULL)
		return false;
	memcpy(t->nic_key, key, key_len);
	drv_conf_fill(t, &d);
	memcpy(d.iv, s->iv, sizeof(d.iv));
	d.tcp_seq = tcp_seq;
	d.rec_seq = 0;
	ret = t->ops->rekey(t->conf.port_id, t->hw_id, &d);
	explicit_bzero(&d, sizeof(d));
	return ret == 0;
}

int
dpsec_tls_rekey(struct dpsec_tls *tls, const uint8_t *key, uint16_t key_len,
		const uint8_t imp_nonce[12], uint32_t tcp_seq)
{
	struct dpsec_tls_suite s;

	if (!tls_ok(tls, __func__))
		return -EINVAL;
	if (tls->rx) {
		/* At the boundary the KeyUpdate left the cursor on. */
		if (!rx_key_wait(tls) || tcp_seq != tls->cur.tcp_seq)
			return -EINVAL;
		if (rekey_prepare(tls, tls->key_next, &s, key, key_len,
				  imp_nonce) != 0)
			return -EINVAL;
		memcpy(tls->key, tls->key_next, dpsec_crypto_key_size());
		dpsec_crypto_key_wipe(tls->key_next);
		tls->suite = s;
		tls->cur.rec_seq = 0;
		tls->kgen++;
		tls->stats.key_updates++;
		if (tls->nic && !rekey_nic(tls, key, key_len, &s, tcp_seq)) {
			/* The NIC cannot follow: software from here. */
			tls->ops->del(tls->conf.port_id, tls->hw_id);
			tls->nic = 0;
			tls->place_reason = DPSEC_PLACE_R_UNSUPPORTED;
		}
		explicit_bzero(&s, sizeof(s));
		__atomic_store_n(&tls->state, DPSEC_TLS_ACTIVE,
				 __ATOMIC_RELAXED);
		return 0;
	}
	if (tls->rekey_pending)
		return -EBUSY;
	if (dpsec_tcp_seq_lt(tcp_seq, tls->cur.tcp_seq))
		return -EINVAL;
	if (rekey_prepare(tls, tls->key_next, &tls->suite_next, key, key_len,
			  imp_nonce) != 0)
		return -EINVAL;
	tls->rekey_pending = 1;
	tls->rekey_seq = tcp_seq;
	if (tls->nic && !rekey_nic(tls, key, key_len, &tls->suite_next,
				   tcp_seq)) {
		/* No rekey on the NIC: software TX from now on. */
		tls->tx_sw = 1;
		tls->conf.tx_sw_threshold = 0;
		tls->stats.tx_moves++;
	}
	return 0;
}
