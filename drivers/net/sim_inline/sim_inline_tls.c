/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's TLS record engine (see sim_inline_tls.h and
 * doc/sim_inline.md). The "silicon" is dpsec's crypto layer over IPsec-MB:
 * one streaming AEAD per context carries a record across segments
 * (crypto.h, "Streaming AEAD"), the record cursor of tls_rec.h says which
 * part of which record every byte is.
 *
 * Concurrency: one lock per port engine, held by the ops and while one
 * frame goes through the engine (TX queues on any lcore, the RX engine
 * under the port's rx_lock); the crypto engine is used under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_spinlock.h>
#include <rte_tcp.h>

#include "crypto.h"
#include "dpsec_driver.h"
#include "sim_inline.h"
#include "sim_inline_tls.h"
#include "tls_rec.h"

/* A packet of an RX context's stream, and the part of it the engine took:
 * payload bytes [off, off + len) from the cursor state @start on. */
struct rx_pkt {
	struct rte_mbuf *m;
	struct dpsec_tls_cursor start;
	uint32_t off, len;
	uint32_t done;			/* of len, walked so far */
	uint16_t qid;
	/* Bytes of the stream before the walk's start (the first packet
	 * after an RX resync): never marked, its ciphertext put back. */
	bool partial;
};

/* One direction of one connection. */
struct sim_tls_ctx {
	struct dpsec_aead_stream st;	/* the record under the cursor */
	struct dpsec_crypto_key key;
	struct dpsec_tls_suite suite;
	/* Two key slots, key/suite (A) and key_old/suite_old (B): the
	 * records from key_seq on use slot newslot, those before it (after
	 * a rekey: has_old) the other; the record at key_seq is numbered
	 * key_rec. A rekey writes the slot not in use, so a record being
	 * sealed or opened keeps its key. */
	struct dpsec_crypto_key key_old;
	struct dpsec_tls_suite suite_old;
	bool has_old;
	uint8_t newslot;
	uint32_t key_seq;
	uint64_t key_rec;
	struct dpsec_tls_cursor cur;	/* next byte of the stream */
	uint32_t hw_id;
	bool rx;
	bool sync;			/* follows the stream */
	bool resynced;			/* RX: resync given, not reached */
	/* RX device-driven resync (conf.rx_resync_device): one request
	 * out at a time, for the header at req_seq; the engine follows the
	 * record boundaries from there (shadow: headers only, nothing
	 * decrypted) until dpsec answers. */
	bool req_device;
	bool req_out;
	uint32_t rx_hi;			/* RX: end of the newest bytes seen */
	uint32_t start_seq;		/* where the context began */
	bool shadow_ok;
	uint32_t req_seq;
	struct dpsec_tls_cursor shadow;
	bool streaming;			/* st holds the current record */
	bool fail_next;			/* RX fault_spurious_fail: the next
					 * record verified is reported bad */
	uint8_t tag[DPSEC_TLS_TAG_LEN];	/* TX: computed; RX: received */
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	/* RX: packets waiting for the tag of the record under the cursor,
	 * since hold_tsc. */
	uint16_t nb_held;
	uint64_t hold_tsc;
	struct rx_pkt held[SIM_TLS_RX_HOLD];
};

struct sim_tls {
	rte_spinlock_t lock;
	uint32_t max;			/* table size (max_tls) */
	uint32_t nb_tx, nb_rx;		/* contexts in the table */
	uint16_t gen;			/* hw_id generation, never 0 */
	uint64_t rx_mask;		/* RX dynflag, once registered */
	uint64_t req_mask;		/* RX resync request dynflag */
	int req_off;			/* its sequence dynfield */
	uint32_t nb_holding;		/* RX contexts holding packets */
	uint64_t hold_cycles;		/* tls_hold_ms; 0: no limit */
	uint16_t hold_max;		/* tls_hold_pkts */
	int id_off;			/* hw_id dynfield, -1 before */
	struct dpsec_crypto_engine *eng;	/* from the first context on */
	struct sim_tls_ctx **tab;	/* [max] */
};

/* Parsed headers of a TCP frame: where its payload is, and its tuple. */
struct tcp_info {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq;
	uint32_t off, len;		/* payload in the frame */
};

static const struct dpsec_drv_tls_ops sim_tls_ops;

uint64_t
sim_tls_tx_mask(const struct sim_port *p)
{
	return __atomic_load_n(&p->tls_tx_mask, __ATOMIC_ACQUIRE);
}

uint32_t
sim_tls_tx_id(const struct sim_port *p, const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, p->tls_id_off, const uint32_t *);
}

/* Publish the TX mark: the field first, then the flag that uses it. */
static void
tx_mark_publish(struct sim_port *p, int tx_bit, int id_off)
{
	if (__atomic_load_n(&p->tls_tx_mask, __ATOMIC_ACQUIRE) != 0)
		return;
	p->tls_id_off = id_off;
	__atomic_store_n(&p->tls_tx_mask, RTE_BIT64(tx_bit), __ATOMIC_RELEASE);
}

void
sim_tls_start(struct sim_port *p)
{
	int tx = rte_mbuf_dynflag_lookup(DPSEC_MBUF_DYNFLAG_TX_TLS, NULL);
	int id = rte_mbuf_dynfield_lookup(DPSEC_MBUF_DYNFIELD_TLS_ID, NULL);

	if (tx >= 0 && id >= 0)
		tx_mark_publish(p, tx, id);
}

/*
 * The IP and TCP headers of a frame, every length checked against the
 * bytes present: IPv4 without fragmentation, IPv6 with TCP as the first
 * next header (the engine follows no extension headers). -EINVAL when it
 * is not such a TCP frame.
 */
static int
tcp_parse(const struct rte_mbuf *m, struct tcp_info *ti)
{
	uint8_t b[60];
	const uint8_t *ip, *th;
	uint32_t l2 = sim_l2_overhead(m), l3, l4, tot;

	ip = rte_pktmbuf_read(m, l2, 1, b);
	if (ip == NULL)
		return -EINVAL;
	if ((ip[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *h;

		h = rte_pktmbuf_read(m, l2, sizeof(*h), b);
		if (h == NULL || h->next_proto_id != IPPROTO_TCP ||
		    (rte_be_to_cpu_16(h->fragment_offset) &
		     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return -EINVAL;
		l3 = rte_ipv4_hdr_len(h);
		tot = rte_be_to_cpu_16(h->total_length);
		if (l3 < sizeof(*h) || tot < l3 || l2 + tot > m->pkt_len)
			return -EINVAL;
		ti->family = 4;
		memset(ti->src, 0, sizeof(ti->src));
		memset(ti->dst, 0, sizeof(ti->dst));
		memcpy(ti->src, &h->src_addr, 4);
		memcpy(ti->dst, &h->dst_addr, 4);
	} else if ((ip[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *h;

		h = rte_pktmbuf_read(m, l2, sizeof(*h), b);
		if (h == NULL || h->proto != IPPROTO_TCP)
			return -EINVAL;
		l3 = sizeof(*h);
		tot = l3 + rte_be_to_cpu_16(h->payload_len);
		if (l2 + tot > m->pkt_len)
			return -EINVAL;
		ti->family = 6;
		memcpy(ti->src, h->src_addr, 16);
		memcpy(ti->dst, h->dst_addr, 16);
	} else {
		return -EINVAL;
	}
	if (tot < l3 + sizeof(struct rte_tcp_hdr))
		return -EINVAL;
	th = rte_pktmbuf_read(m, l2 + l3, sizeof(struct rte_tcp_hdr), b);
	if (th == NULL)
		return -EINVAL;
	l4 = (uint32_t)(th[12] >> 4) * 4;
	if (l4 < sizeof(struct rte_tcp_hdr) || l3 + l4 > tot)
		return -EINVAL;
	ti->sport = (uint16_t)(th[0] << 8 | th[1]);
	ti->dport = (uint16_t)(th[2] << 8 | th[3]);
	ti->seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 |
		  (uint32_t)th[6] << 8 | th[7];
	ti->off = l2 + l3 + l4;
	ti->len = tot - l3 - l4;
	return 0;
}

/* --- Records ---------------------------------------------------------- */

/* The key and IV of the record that starts at @rec_tcp_seq. */
static void
rec_keys(const struct sim_tls_ctx *c, uint32_t rec_tcp_seq,
	 const struct dpsec_crypto_key **k, const struct dpsec_tls_suite **s)
{
	unsigned int slot = c->newslot;

	if (c->has_old && dpsec_tcp_seq_lt(rec_tcp_seq, c->key_seq))
		slot ^= 1;
	*k = slot == 0 ? &c->key : &c->key_old;
	*s = slot == 0 ? &c->suite : &c->suite_old;
}

/* The first record under a new key is numbered afresh: a cursor at its
 * start takes the number the rekey gave (the walk, and the walk again
 * that puts a packet's ciphertext back, both pass here). */
static void
cur_renumber(const struct sim_tls_ctx *c, struct dpsec_tls_cursor *cur)
{
	if (c->has_old && cur->part == DPSEC_TLS_PART_HDR &&
	    cur->part_off == 0 && cur->tcp_seq == c->key_seq)
		cur->rec_seq = c->key_rec;
}

/* Start the AEAD of the record under the cursor, its prefix complete. */
static int
rec_start(struct sim_tls *t, struct sim_tls_ctx *c, uint64_t rec_seq)
{
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX];
	const struct dpsec_crypto_key *k;
	const struct dpsec_tls_suite *su;
	uint16_t aad_len;
	int ret;

	rec_keys(c, c->cur.rec_tcp_seq, &k, &su);
	dpsec_tls_nonce(su, rec_seq, c->cur.explicit_nonce, nonce);
	aad_len = dpsec_tls_aad(su, rec_seq, c->cur.hdr, aad);
	ret = dpsec_aead_stream_init(t->eng, &c->st, k,
				     c->rx ? DPSEC_CRYPTO_DECRYPT :
					     DPSEC_CRYPTO_ENCRYPT,
				     nonce, aad, aad_len);
	c->streaming = ret == 0;
	return ret;
}

static void
rec_abort(struct sim_tls_ctx *c)
{
	if (c->streaming)
		dpsec_aead_stream_abort(&c->st);
	c->streaming = false;
}

/*
 * The next span of the stream at @buf (at most @avail bytes) through the
 * context's AEAD, in place: the body encrypted (TX) or decrypted (RX), the
 * tag written (TX) or collected and checked (RX). *used: bytes consumed;
 * *rec_done: the span ended a record (sealed, or verified on RX).
 * 0, -EBADMSG (RX: the record failed), -EPROTO (bad record header),
 * -EIO (crypto error). On error the context is out of sync.
 */
static int
ctx_span(struct sim_tls *t, struct sim_tls_ctx *c, uint8_t *buf,
	 uint32_t avail, uint32_t *used, bool *rec_done)
{
	struct dpsec_tls_span sp;
	int ret = 0;

	*rec_done = false;
	cur_renumber(c, &c->cur);
	if (dpsec_tls_cursor_step(&c->cur, buf, avail, &sp) !=
	    DPSEC_TLS_HDR_OK) {
		ret = -EPROTO;
		goto out_sync;
	}
	*used = sp.len;
	switch (sp.part) {
	case DPSEC_TLS_PART_HDR:
	case DPSEC_TLS_PART_EXPLICIT:
		if ((sp.hdr_done && c->suite.explicit_len == 0) ||
		    sp.explicit_done)
			ret = rec_start(t, c, sp.rec_seq);
		break;
	case DPSEC_TLS_PART_BODY:
		ret = dpsec_aead_stream_update(t->eng, &c->st, buf, buf,
					       sp.len);
		break;
	default:	/* DPSEC_TLS_PART_TAG */
		if (!c->rx) {
			if (sp.part_off == 0) {
				ret = dpsec_aead_stream_final(t->eng, &c->st,
							      c->tag);
				c->streaming = false;
				if (ret != 0)
					break;
			}
			memcpy(buf, c->tag + sp.part_off, sp.len);
		} else {
			memcpy(c->tag + sp.part_off, buf, sp.len);
			if (sp.rec_done) {
				/* Compared in constant time by the
				 * crypto layer (invariant 4,
				 * doc/security_model.md). */
				ret = dpsec_aead_stream_final(t->eng, &c->st,
							      c->tag);
				c->streaming = false;
				if (ret == 0 && c->fail_next) {
					/* The NIC's own trouble: a good
					 * record it calls bad. */
					c->fail_next = false;
					ret = -EBADMSG;
				}
			}
		}
		*rec_done = sp.rec_done && ret == 0;
		break;
	}
	if (ret == 0)
		return 0;
	if (ret != -EBADMSG)
		ret = -EIO;
out_sync:
	rec_abort(c);
	c->sync = false;
	return ret;
}

/* --- Table and ops ---------------------------------------------------- */

static struct sim_port *
port_of(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (port_id >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	if (!sim_is_sim_port(dev))
		return NULL;
	return dev->data->dev_private;
}

/* The context of @hw_id, validated (netdevsim: handles checked on every
 * use), or NULL. Under t->lock. */
static struct sim_tls_ctx *
ctx_get(struct sim_tls *t, uint32_t hw_id)
{
	uint32_t idx = hw_id & 0xffff;

	if (idx >= t->max || t->tab[idx] == NULL ||
	    t->tab[idx]->hw_id != hw_id)
		return NULL;
	return t->tab[idx];
}

static int
sim_tls_caps(uint16_t port_id, struct dpsec_drv_tls_caps *caps)
{
	struct sim_port *p = port_of(port_id);
	struct sim_tls *t;

	if (p == NULL || p->tls == NULL || caps == NULL)
		return -EINVAL;
	t = p->tls;
	memset(caps, 0, sizeof(*caps));
	rte_spinlock_lock(&t->lock);
	caps->max_ctx = t->max;
	caps->used_ctx = t->nb_tx + t->nb_rx;
	rte_spinlock_unlock(&t->lock);
	caps->ciphers = RTE_BIT64(DPSEC_CRYPTO_CIPHER_AES_GCM_128) |
			RTE_BIT64(DPSEC_CRYPTO_CIPHER_AES_GCM_256);
	/* Real NICs offload AES-GCM only; tls_chacha=1 for engine tests. */
	if (p->da.tls_chacha)
		caps->ciphers |=
			RTE_BIT64(DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305);
	caps->tls12 = 1;
	caps->tls13 = 1;
	return 0;
}

/* The mbuf marks of dpsec_driver.h: registered by whoever comes first
 * (dpsec, the application or this driver), the same bits for all. */
static int
marks_register(struct sim_port *p, struct sim_tls *t)
{
	struct dpsec_drv_tls_marks mk;
	int ret;

	if (t->id_off >= 0)
		return 0;
	ret = dpsec_drv_tls_marks_register(&mk);
	if (ret != 0)
		return ret;
	t->id_off = mk.id_off;
	t->rx_mask = RTE_BIT64(mk.rx_bit);
	t->req_mask = RTE_BIT64(mk.req_bit);
	t->req_off = mk.req_off;
	tx_mark_publish(p, mk.tx_bit, mk.id_off);
	return 0;
}

static bool
same_tuple(const struct sim_tls_ctx *c, const struct dpsec_drv_tls_conf *d)
{
	return c->family == d->family && c->sport == d->sport &&
	       c->dport == d->dport &&
	       memcmp(c->src, d->src, sizeof(c->src)) == 0 &&
	       memcmp(c->dst, d->dst, sizeof(c->dst)) == 0;
}

static int
sim_tls_add(uint16_t port_id, const struct dpsec_drv_tls_conf *conf,
	    uint32_t *hw_id)
{
	struct sim_port *p = port_of(port_id);
	const struct dpsec_crypto_cipher_info *ci;
	struct sim_tls_ctx *c;
	struct sim_tls *t;
	uint32_t i, idx = UINT32_MAX;
	int ret;

	if (p == NULL || p->tls == NULL || conf == NULL || hw_id == NULL ||
	    conf->rx > 1 || (conf->family != 4 && conf->family != 6))
		return -EINVAL;
	if (conf->version != DPSEC_TLS_VER_1_2 &&
	    conf->version != DPSEC_TLS_VER_1_3)
		return -ENOTSUP;
	if (conf->cipher != DPSEC_CRYPTO_CIPHER_AES_GCM_128 &&
	    conf->cipher != DPSEC_CRYPTO_CIPHER_AES_GCM_256 &&
	    (conf->cipher != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 ||
	     !p->da.tls_chacha))
		return -ENOTSUP;
	ci = dpsec_crypto_cipher_info_get(conf->cipher);
	if (ci == NULL || conf->key_len != ci->key_len)
		return -EINVAL;
	t = p->tls;
	c = rte_zmalloc("sim_tls_ctx", sizeof(*c), 64);
	if (c == NULL)
		return -ENOMEM;
	ret = dpsec_tls_suite_init(&c->suite, conf->version, conf->cipher,
				   conf->iv,
				   conf->version == DPSEC_TLS_VER_1_2 &&
				   conf->cipher !=
				   DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 ?
				   DPSEC_TLS12_SALT_LEN : DPSEC_TLS_IV_LEN);
	if (ret == 0)
		ret = dpsec_crypto_key_init(&c->key, DPSEC_CRYPTO_IPSEC_MB,
					    conf->cipher, conf->key,
					    conf->key_len,
					    DPSEC_CRYPTO_AUTH_NULL, NULL, 0);
	if (ret != 0)
		goto out_free;
	c->rx = conf->rx;
	c->req_device = conf->rx && conf->rx_resync_device;
	c->family = conf->family;
	memcpy(c->src, conf->src, sizeof(c->src));
	memcpy(c->dst, conf->dst, sizeof(c->dst));
	if (c->family == 4) {	/* only the first 4 bytes are an address */
		memset(c->src + 4, 0, 12);
		memset(c->dst + 4, 0, 12);
	}
	c->sport = conf->sport;
	c->dport = conf->dport;
	dpsec_tls_cursor_init(&c->cur, &c->suite, conf->tcp_seq,
			      conf->rec_seq);
	c->sync = true;
	c->rx_hi = conf->tcp_seq;
	c->start_seq = conf->tcp_seq;

	rte_spinlock_lock(&t->lock);
	ret = marks_register(p, t);
	if (ret == 0 && t->eng == NULL) {
		t->eng = dpsec_crypto_engine_create(DPSEC_CRYPTO_IPSEC_MB);
		if (t->eng == NULL)
			ret = -ENOMEM;
	}
	for (i = 0; ret == 0 && i < t->max; i++) {
		if (t->tab[i] == NULL) {
			if (idx == UINT32_MAX)
				idx = i;
		} else if (c->rx && t->tab[i]->rx &&
			   same_tuple(t->tab[i], conf)) {
			ret = -EEXIST;	/* RX is found by its tuple */
		}
	}
	if (ret == 0 && idx == UINT32_MAX) {
		sim_count(p, SIM_XS_tls_table_full, 1);
		ret = -ENOSPC;
	}
	if (ret == 0) {
		if (++t->gen == 0)
			t->gen = 1;
		c->hw_id = (uint32_t)t->gen << 16 | idx;
		t->tab[idx] = c;
		__atomic_fetch_add(c->rx ? &t->nb_rx : &t->nb_tx, 1,
				   __ATOMIC_RELAXED);
		*hw_id = c->hw_id;
		sim_count(p, c->rx ? SIM_XS_rx_tls_ctx : SIM_XS_tx_tls_ctx, 1);
	}
	rte_spinlock_unlock(&t->lock);
	if (ret == 0)
		return 0;
out_free:
	dpsec_crypto_key_wipe(&c->key);
	rte_free(c);
	return ret;
}

/* Give back what an RX context holds, ciphertext restored, unmarked,
 * straight into the RX queues (control path). */
static void held_drop(struct sim_port *p, struct sim_tls_ctx *c,
		      sim_tls_put_t put, void *arg);

static void
put_direct(void *arg, uint16_t qid, struct rte_mbuf *m)
{
	struct sim_port *p = arg;

	if (qid >= SIM_MAX_QUEUES || p->rxq[qid] == NULL ||
	    rte_ring_enqueue(p->rxq[qid]->ring, m) != 0) {
		sim_count(p, SIM_XS_rx_queue_full, 1);
		rte_pktmbuf_free(m);
	}
}

/* Take a context out of the table and wipe it. Under t->lock. */
static void
ctx_free(struct sim_port *p, struct sim_tls_ctx *c)
{
	struct sim_tls *t = p->tls;

	held_drop(p, c, put_direct, p);
	t->tab[c->hw_id & 0xffff] = NULL;
	__atomic_fetch_sub(c->rx ? &t->nb_rx : &t->nb_tx, 1, __ATOMIC_RELAXED);
	dpsec_aead_stream_release(&c->st);
	dpsec_crypto_key_wipe(&c->key);
	dpsec_crypto_key_wipe(&c->key_old);
	explicit_bzero(c, sizeof(*c));
	rte_free(c);
}

static int
sim_tls_del(uint16_t port_id, uint32_t hw_id)
{
	struct sim_port *p = port_of(port_id);
	struct sim_tls_ctx *c;
	bool rx;

	if (p == NULL || p->tls == NULL)
		return -EINVAL;
	rte_spinlock_lock(&p->tls->lock);
	c = ctx_get(p->tls, hw_id);
	if (c == NULL) {
		rte_spinlock_unlock(&p->tls->lock);
		return -ENOENT;
	}
	rx = c->rx;
	ctx_free(p, c);
	rte_spinlock_unlock(&p->tls->lock);
	sim_count(p, rx ? SIM_XS_rx_tls_del : SIM_XS_tx_tls_del, 1);
	return 0;
}

static int
sim_tls_resync(uint16_t port_id, uint32_t hw_id, uint32_t tcp_seq,
	       uint64_t rec_seq)
{
	struct sim_port *p = port_of(port_id);
	struct sim_tls_ctx *c;

	if (p == NULL || p->tls == NULL)
		return -EINVAL;
	rte_spinlock_lock(&p->tls->lock);
	c = ctx_get(p->tls, hw_id);
	if (c == NULL) {
		rte_spinlock_unlock(&p->tls->lock);
		return -ENOENT;
	}
	/* A record boundary by definition: what was in flight is given up
	 * (RX: the held packets go up as they came). */
	held_drop(p, c, put_direct, p);
	rec_abort(c);
	dpsec_tls_cursor_init(&c->cur, &c->suite, tcp_seq, rec_seq);
	c->sync = true;
	c->resynced = c->rx;
	c->req_out = false;
	sim_count(p, c->rx ? SIM_XS_rx_tls_resync : SIM_XS_tx_tls_resync, 1);
	rte_spinlock_unlock(&p->tls->lock);
	return 0;
}

/*
 * TX resync dump (mlx5's way with a retransmission): the record that
 * starts at @rec_tcp_seq is number @rec_seq, and @data is its first @len
 * bytes as framed. They go through the record's AEAD here and are thrown
 * away, so that the next marked segment, at rec_tcp_seq + len, continues
 * the record (its body encrypted, its tag written when its end passes).
 */
static int
sim_tls_tx_resync_dump(uint16_t port_id, uint32_t hw_id, uint32_t rec_tcp_seq,
		       uint64_t rec_seq, const uint8_t *data, uint32_t len)
{
	struct sim_port *p = port_of(port_id);
	struct sim_tls_ctx *c;
	uint8_t *buf = NULL;
	uint32_t off = 0, used;
	bool rec_done;
	int ret = 0;

	if (p == NULL || p->tls == NULL || (len > 0 && data == NULL) ||
	    len > DPSEC_TLS_HDR_LEN + DPSEC_TLS12_MAX_REC)
		return -EINVAL;
	if (len > 0) {
		buf = malloc(len);
		if (buf == NULL)
			return -ENOMEM;
		memcpy(buf, data, len);
	}
	rte_spinlock_lock(&p->tls->lock);
	c = ctx_get(p->tls, hw_id);
	if (c == NULL || c->rx) {
		ret = c == NULL ? -ENOENT : -EINVAL;
		goto out;
	}
	rec_abort(c);
	dpsec_tls_cursor_init(&c->cur, &c->suite, rec_tcp_seq, rec_seq);
	c->sync = true;
	while (off < len && ret == 0) {
		ret = ctx_span(p->tls, c, buf + off, len - off, &used,
			       &rec_done);
		off += used;
		/* Bytes of one record only: the segment continues it. */
		if (ret == 0 && rec_done && off < len)
			ret = -EINVAL;
	}
	if (ret != 0) {
		rec_abort(c);
		c->sync = false;
		ret = -EINVAL;
		goto out;
	}
	sim_count(p, SIM_XS_tx_tls_resync_dump, 1);
	sim_count(p, SIM_XS_tx_tls_resync_bytes, len);
out:
	rte_spinlock_unlock(&p->tls->lock);
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	return ret;
}

/*
 * A new key from the record that starts at conf->tcp_seq on (numbered
 * conf->rec_seq); the records before it keep the current one (a TX dump
 * of one of them included). TLS 1.3 KeyUpdate, TLS 1.2 key change.
 */
static int
sim_tls_rekey(uint16_t port_id, uint32_t hw_id,
	      const struct dpsec_drv_tls_conf *conf)
{
	struct sim_port *p = port_of(port_id);
	struct dpsec_crypto_key *nk;
	struct dpsec_tls_suite ns;
	struct sim_tls_ctx *c;
	int ret;

	if (p == NULL || p->tls == NULL || conf == NULL)
		return -EINVAL;
	nk = rte_zmalloc("sim_tls_key", sizeof(*nk), 64);
	if (nk == NULL)
		return -ENOMEM;
	rte_spinlock_lock(&p->tls->lock);
	c = ctx_get(p->tls, hw_id);
	if (c == NULL) {
		ret = -ENOENT;
		goto out;
	}
	if (conf->cipher != c->suite.cipher ||
	    conf->version != c->suite.version || conf->rx != c->rx) {
		ret = -EINVAL;
		goto out;
	}
	ret = dpsec_tls_suite_init(&ns, conf->version, conf->cipher,
				   conf->iv, c->suite.explicit_len != 0 ?
				   DPSEC_TLS12_SALT_LEN : DPSEC_TLS_IV_LEN);
	if (ret == 0)
		ret = dpsec_crypto_key_init(nk, DPSEC_CRYPTO_IPSEC_MB,
					    conf->cipher, conf->key,
					    conf->key_len,
					    DPSEC_CRYPTO_AUTH_NULL, NULL, 0);
	if (ret != 0) {
		ret = -EINVAL;
		goto out;
	}
	/* Into the slot not in use (a record streaming under the current
	 * key keeps it). The engine cannot finish on the NIC:
	 * - RX, a rekey that comes after the engine went past its boundary
	 *   (dpsec saw the KeyUpdate late, e.g. the engine resynced on the
	 *   record after it from a hint): what it walked from there was
	 *   decrypted under the old key and will not verify;
	 * - two rekeys within one record: the older key is gone.
	 * What it holds goes up now, its ciphertext put back by the keys
	 * that decrypted it (they are about to change), and the engine
	 * waits for a resync. */
	if ((c->rx && c->sync &&
	     dpsec_tcp_seq_lt(conf->tcp_seq, c->cur.tcp_seq)) ||
	    (c->has_old && c->streaming &&
	     dpsec_tcp_seq_lt(c->cur.rec_tcp_seq, c->key_seq))) {
		held_drop(p, c, put_direct, p);
		rec_abort(c);
		c->sync = false;
		sim_count(p, c->rx ? SIM_XS_rx_tls_rekey_late :
				     SIM_XS_tx_tls_rekey_late, 1);
	}
	{
		unsigned int tgt = c->newslot ^ 1;
		struct dpsec_crypto_key *tk = tgt == 0 ? &c->key :
							 &c->key_old;
		struct dpsec_tls_suite *ts = tgt == 0 ? &c->suite :
							&c->suite_old;

		dpsec_crypto_key_wipe(tk);
		memcpy(tk, nk, sizeof(*tk));
		*ts = c->suite;
		memcpy(ts->iv, ns.iv, sizeof(ns.iv));
		c->newslot = (uint8_t)tgt;
	}
	c->has_old = true;
	c->key_seq = conf->tcp_seq;
	c->key_rec = conf->rec_seq;
	sim_count(p, c->rx ? SIM_XS_rx_tls_rekey : SIM_XS_tx_tls_rekey, 1);
out:
	rte_spinlock_unlock(&p->tls->lock);
	dpsec_crypto_key_wipe(nk);
	rte_free(nk);
	explicit_bzero(&ns, sizeof(ns));
	return ret;
}

/*
 * RX device-driven resync: dpsec's answer to the request for @tcp_seq.
 * Yes: the shadow walk from there knows where the record under it ends
 * and its number; the engine decrypts again from that boundary on. No (or
 * the shadow walk lost its way): search again.
 */
static int
sim_tls_rx_resync_response(uint16_t port_id, uint32_t hw_id,
			   uint32_t tcp_seq, bool ok, uint64_t rec_seq)
{
	struct sim_port *p = port_of(port_id);
	struct sim_tls_ctx *c;
	int ret = 0;

	if (p == NULL || p->tls == NULL)
		return -EINVAL;
	rte_spinlock_lock(&p->tls->lock);
	c = ctx_get(p->tls, hw_id);
	if (c == NULL || !c->rx) {
		ret = c == NULL ? -ENOENT : -EINVAL;
		goto out;
	}
	if (!c->req_out || tcp_seq != c->req_seq || c->sync) {
		sim_count(p, SIM_XS_rx_tls_resync_res_skip, 1);
		goto out;
	}
	c->req_out = false;
	if (ok)		/* the stack gave the record start asked about */
		sim_count(p, SIM_XS_rx_tls_resync_req_end, 1);
	/* The shadow walk counts records from tcp_seq; past a rekey
	 * boundary they are numbered afresh: ask again from there. */
	if (!ok || !c->shadow_ok ||
	    (c->has_old && dpsec_tcp_seq_lt(tcp_seq, c->key_seq) &&
	     dpsec_tcp_seq_le(c->key_seq, c->shadow.tcp_seq))) {
		sim_count(p, SIM_XS_rx_tls_resync_res_skip, 1);
		goto out;
	}
	/* The next record boundary the shadow walk reaches: its number is
	 * rec_seq plus the records it passed since tcp_seq. */
	rec_abort(c);
	c->cur = c->shadow;
	c->cur.rec_seq = rec_seq + c->shadow.rec_seq;
	if (c->cur.part == DPSEC_TLS_PART_HDR && c->cur.part_off == 0) {
		c->sync = true;
		c->resynced = false;
	} else {
		/* Inside a record: from the one after it. */
		uint32_t next = c->shadow.rec_tcp_seq + DPSEC_TLS_HDR_LEN +
				c->shadow.rec_len;

		if (c->shadow.part == DPSEC_TLS_PART_HDR) {
			sim_count(p, SIM_XS_rx_tls_resync_res_skip, 1);
			goto out;	/* its length is not known yet */
		}
		dpsec_tls_cursor_init(&c->cur, &c->suite, next,
				      c->cur.rec_seq + 1);
		c->sync = true;
		c->resynced = true;
	}
	sim_count(p, SIM_XS_rx_tls_resync_res_ok, 1);
out:
	rte_spinlock_unlock(&p->tls->lock);
	return ret;
}

static const struct dpsec_drv_tls_ops sim_tls_ops = {
	.caps = sim_tls_caps,
	.add = sim_tls_add,
	.del = sim_tls_del,
	.resync = sim_tls_resync,
	.tx_resync_dump = sim_tls_tx_resync_dump,
	.rx_resync_response = sim_tls_rx_resync_response,
	.rekey = sim_tls_rekey,
};

int
sim_tls_init(struct sim_port *p)
{
	uint16_t port_id = p->dev->data->port_id;
	struct sim_tls *t;
	int ret;

	p->tls_id_off = -1;
	sim_tls_start(p);	/* marks an application registered already */
	if (p->da.max_tls == 0)
		return 0;
	t = rte_zmalloc("sim_tls", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	t->tab = rte_zmalloc("sim_tls_tab", p->da.max_tls * sizeof(*t->tab),
			     0);
	if (t->tab == NULL) {
		rte_free(t);
		return -ENOMEM;
	}
	rte_spinlock_init(&t->lock);
	t->max = p->da.max_tls;
	t->id_off = -1;
	t->hold_cycles = p->da.tls_hold_ms * rte_get_timer_hz() / 1000;
	t->hold_max = (uint16_t)p->da.tls_hold_pkts;
	p->tls = t;
	ret = dpsec_drv_tls_ops_set(port_id, &sim_tls_ops);
	if (ret != 0)
		SIM_LOG(WARNING, "%s: cannot declare the TLS engine to dpsec: "
			"%s", p->dev->data->name, rte_strerror(-ret));
	return 0;
}

void
sim_tls_fini(struct sim_port *p)
{
	struct sim_tls *t = p->tls;
	uint32_t i;

	dpsec_drv_tls_ops_set(p->dev->data->port_id, NULL);
	if (t == NULL)
		return;
	sim_tls_flush(p);	/* no queue is left to deliver to */
	rte_spinlock_lock(&t->lock);
	for (i = 0; i < t->max; i++)
		if (t->tab[i] != NULL)
			ctx_free(p, t->tab[i]);
	rte_spinlock_unlock(&t->lock);
	dpsec_crypto_engine_free(t->eng);
	rte_free(t->tab);
	rte_free(t);
	p->tls = NULL;
}

/* --- Data path ---------------------------------------------------------- */

/*
 * Payload bytes [off, off + len) of @m through the context's cursor and
 * AEAD. *done: bytes walked before any error; *nb_rec: records completed
 * (TX sealed, RX verified). 0 or the error of ctx_span().
 */
static int
walk(struct sim_tls *t, struct sim_tls_ctx *c, struct rte_mbuf *m,
     uint32_t off, uint32_t len, uint32_t *done, uint32_t *nb_rec)
{
	struct rte_mbuf *s;

	*done = 0;
	*nb_rec = 0;
	for (s = m; s != NULL && len > 0; s = s->next) {
		uint8_t *buf;
		uint32_t n;

		if (off >= s->data_len) {
			off -= s->data_len;
			continue;
		}
		buf = rte_pktmbuf_mtod_offset(s, uint8_t *, off);
		n = RTE_MIN((uint32_t)s->data_len - off, len);
		len -= n;
		off = 0;
		while (n > 0) {
			uint32_t used = 0;
			bool rec_done;
			int ret = ctx_span(t, c, buf, n, &used, &rec_done);

			if (ret != 0)
				return ret;
			buf += used;
			n -= used;
			*done += used;
			*nb_rec += rec_done;
		}
	}
	return 0;
}

int
sim_tls_egress(struct sim_port *p, struct rte_mbuf *m, uint32_t hw_id)
{
	struct sim_tls *t = p->tls;
	struct sim_tls_ctx *c;
	struct tcp_info ti;
	uint32_t done, nb_rec;
	int why = SIM_XS_MAX;

	if (t == NULL)	/* no engine: nobody may ask for one */
		return SIM_XS_tx_tls_drop_bypass_req;
	if (tcp_parse(m, &ti) != 0)
		return SIM_XS_tx_bad_mbuf;
	rte_spinlock_lock(&t->lock);
	c = ctx_get(t, hw_id);
	if (c == NULL || c->rx) {
		why = SIM_XS_tx_tls_drop_bypass_req;
		goto out;
	}
	if (ti.len == 0)
		goto out;	/* a bare ACK or FIN: no record bytes */
	if (dpsec_tcp_seq_le(ti.seq + ti.len, c->start_seq)) {
		/* All before the context's first record (a retransmission
		 * of the handshake): not record data, sent as it is. */
		sim_count(p, SIM_XS_tx_tls_ooo, 1);
		sim_count(p, SIM_XS_tx_tls_skip_no_sync_data, 1);
		goto out;
	}
	if (!c->sync || ti.seq != c->cur.tcp_seq) {
		/* A retransmission or a gap: the engine only knows the
		 * state at its cursor, and never sends plaintext
		 * (tls-offload.rst: resync is the driver's to ask for). */
		sim_count(p, SIM_XS_tx_tls_ooo, 1);
		why = SIM_XS_tx_tls_drop_no_sync_data;
		goto out;
	}
	if (walk(t, c, m, ti.off, ti.len, &done, &nb_rec) != 0) {
		why = SIM_XS_tx_tls_drop_bad_record;	/* now out of sync */
		goto out;
	}
	sim_count(p, SIM_XS_tx_tls_encrypted_packets, 1);
	sim_count(p, SIM_XS_tx_tls_encrypted_bytes, ti.len);
out:
	rte_spinlock_unlock(&t->lock);
	return why;
}

/*
 * Put back the ciphertext of the first @len record bytes of packet @k: the
 * walk again from its start cursor, every body span XORed once more with
 * its record's keystream (decryption by a stream cipher is that XOR).
 */
static void
pkt_restore(struct sim_tls *t, struct sim_tls_ctx *c, const struct rx_pkt *k,
	    uint32_t len)
{
	struct dpsec_tls_cursor cur = k->start;
	uint32_t off = k->off;
	struct rte_mbuf *s;

	for (s = k->m; s != NULL && len > 0; s = s->next) {
		uint8_t *buf;
		uint32_t n;

		if (off >= s->data_len) {
			off -= s->data_len;
			continue;
		}
		buf = rte_pktmbuf_mtod_offset(s, uint8_t *, off);
		n = RTE_MIN((uint32_t)s->data_len - off, len);
		len -= n;
		off = 0;
		while (n > 0) {
			struct dpsec_tls_span sp;
			uint8_t nonce[DPSEC_TLS_IV_LEN];

			/* These headers passed the check once already. */
			cur_renumber(c, &cur);
			if (dpsec_tls_cursor_step(&cur, buf, n, &sp) !=
			    DPSEC_TLS_HDR_OK || sp.len == 0)
				return;
			if (sp.part == DPSEC_TLS_PART_BODY) {
				const struct dpsec_crypto_key *key;
				const struct dpsec_tls_suite *su;

				rec_keys(c, sp.rec_tcp_seq, &key, &su);
				dpsec_tls_nonce(su, sp.rec_seq,
						cur.explicit_nonce, nonce);
				dpsec_aead_keystream_xor(t->eng, key, nonce,
							 sp.part_off, buf,
							 sp.len);
			}
			buf += sp.len;
			n -= sp.len;
		}
	}
}

static void
pkt_mark(struct sim_port *p, const struct rx_pkt *k)
{
	k->m->ol_flags |= p->tls->rx_mask;
	sim_count(p, SIM_XS_rx_tls_decrypted_packets, 1);
	sim_count(p, SIM_XS_rx_tls_decrypted_bytes, k->len);
}

/* The held packets go up in order: marked (the record they waited for
 * verified) or with their ciphertext back. Under t->lock. */
static void
held_release(struct sim_port *p, struct sim_tls_ctx *c, bool mark,
	     sim_tls_put_t put, void *arg)
{
	uint16_t i;

	if (c->nb_held == 0)
		return;
	for (i = 0; i < c->nb_held; i++) {
		struct rx_pkt *k = &c->held[i];

		if (mark && !k->partial)
			pkt_mark(p, k);
		else
			pkt_restore(p->tls, c, k, k->len);
		put(arg, k->qid, k->m);
	}
	c->nb_held = 0;
	__atomic_fetch_sub(&p->tls->nb_holding, 1, __ATOMIC_RELAXED);
}

static void
held_drop(struct sim_port *p, struct sim_tls_ctx *c, sim_tls_put_t put,
	  void *arg)
{
	held_release(p, c, false, put, arg);
}

/*
 * The NIC forgets its TLS contexts, as in a reset (sec_reset_on_stop,
 * rte_pmd_sim_inline_sec_reset(), a recovery): what an RX context holds
 * goes up with its ciphertext back; frames still marked for a lost context
 * are dropped (tx_tls_drop_bypass_req), never sent in the clear; the ops
 * on a lost hw_id return -ENOENT.
 */
void
sim_tls_reset(struct sim_port *p)
{
	struct sim_tls *t = p->tls;
	uint32_t i, n = 0;

	if (t == NULL)
		return;
	rte_spinlock_lock(&t->lock);
	for (i = 0; i < t->max; i++) {
		if (t->tab[i] == NULL)
			continue;
		ctx_free(p, t->tab[i]);
		n++;
	}
	rte_spinlock_unlock(&t->lock);
	sim_count(p, SIM_XS_tls_ctx_lost, n);
}

void
sim_tls_flush(struct sim_port *p)
{
	struct sim_tls *t = p->tls;
	uint32_t i;
	uint16_t k;

	if (t == NULL)
		return;
	rte_spinlock_lock(&t->lock);
	for (i = 0; i < t->max; i++) {
		struct sim_tls_ctx *c = t->tab[i];

		if (c == NULL)
			continue;
		if (c->nb_held == 0)
			continue;
		for (k = 0; k < c->nb_held; k++)
			rte_pktmbuf_free(c->held[k].m);
		sim_count(p, SIM_XS_rx_stop_discard, c->nb_held);
		c->nb_held = 0;
		__atomic_fetch_sub(&t->nb_holding, 1, __ATOMIC_RELAXED);
	}
	rte_spinlock_unlock(&t->lock);
}

static struct sim_tls_ctx *
rx_lookup(struct sim_tls *t, const struct tcp_info *ti)
{
	uint32_t i;

	for (i = 0; i < t->max; i++) {
		struct sim_tls_ctx *c = t->tab[i];

		if (c != NULL && c->rx && c->family == ti->family &&
		    c->sport == ti->sport && c->dport == ti->dport &&
		    memcmp(c->src, ti->src, sizeof(c->src)) == 0 &&
		    memcmp(c->dst, ti->dst, sizeof(c->dst)) == 0)
			return c;
	}
	return NULL;
}

/* A request waits this many stream bytes for its answer, then the engine
 * searches again. */
#define SIM_TLS_REQ_SPAN (1u << 16)

/* The shadow walk: record boundaries from the request on, headers only. */
static void
shadow_walk(struct sim_tls_ctx *c, struct rte_mbuf *m,
	    const struct tcp_info *ti)
{
	uint32_t off, len, n;
	struct rte_mbuf *s;

	if (!c->shadow_ok)
		return;
	if (dpsec_tcp_seq_lt(c->shadow.tcp_seq, ti->seq)) {
		c->shadow_ok = false;		/* a gap */
		return;
	}
	if (dpsec_tcp_seq_le(ti->seq + ti->len, c->shadow.tcp_seq))
		return;
	off = ti->off + (c->shadow.tcp_seq - ti->seq);
	len = ti->len - (c->shadow.tcp_seq - ti->seq);
	for (s = m; s != NULL && len > 0; s = s->next) {
		const uint8_t *buf;

		if (off >= s->data_len) {
			off -= s->data_len;
			continue;
		}
		buf = rte_pktmbuf_mtod_offset(s, const uint8_t *, off);
		n = RTE_MIN((uint32_t)s->data_len - off, len);
		len -= n;
		off = 0;
		while (n > 0) {
			struct dpsec_tls_span sp;

			if (dpsec_tls_cursor_step(&c->shadow, buf, n, &sp) !=
			    DPSEC_TLS_HDR_OK) {
				c->shadow_ok = false;
				return;
			}
			buf += sp.len;
			n -= sp.len;
		}
	}
}

/*
 * Out of sync, device-driven: look for a plausible record header in this
 * packet and ask dpsec about it (the request marks on the packet), or
 * follow the boundaries after an outstanding request.
 */
static void
rx_search(struct sim_port *p, struct sim_tls *t, struct sim_tls_ctx *c,
	  struct rte_mbuf *m, const struct tcp_info *ti, bool old)
{
	uint8_t b[DPSEC_TLS_HDR_LEN];
	uint32_t i;

	if (!c->req_out && old)
		/* Bytes seen before (a duplicate, a retransmission): the
		 * stack may well drop the packet, and the request with it
		 * (dpsec would never answer). The next new packet asks. */
		return;
	if (c->req_out) {
		shadow_walk(c, m, ti);
		if (dpsec_tcp_seq_lt(c->req_seq + SIM_TLS_REQ_SPAN,
				     ti->seq + ti->len)) {
			/* No answer: give up on it, search again. */
			c->req_out = false;
			sim_count(p, SIM_XS_rx_tls_resync_req_skip, 1);
		}
		return;
	}
	for (i = 0; i + DPSEC_TLS_HDR_LEN <= ti->len; i++) {
		const uint8_t *h = rte_pktmbuf_read(m, ti->off + i,
						    DPSEC_TLS_HDR_LEN, b);

		if (h == NULL)
			return;
		if (h[0] != DPSEC_TLS_CT_APPLICATION_DATA &&
		    c->suite.version == DPSEC_TLS_VER_1_3)
			continue;
		if (dpsec_tls_hdr_check(&c->suite, h) != DPSEC_TLS_HDR_OK)
			continue;
		m->ol_flags |= t->req_mask;
		*RTE_MBUF_DYNFIELD(m, t->req_off, uint32_t *) = ti->seq + i;
		c->req_out = true;
		c->req_seq = ti->seq + i;
		dpsec_tls_cursor_init(&c->shadow, &c->suite, c->req_seq, 0);
		c->shadow_ok = true;
		shadow_walk(c, m, ti);
		sim_count(p, SIM_XS_rx_tls_resync_req_pkt, 1);
		sim_count(p, SIM_XS_rx_tls_resync_req_start, 1);
		return;
	}
}

void
sim_tls_ingress(struct sim_port *p, struct rte_mbuf *m, uint16_t qid,
		sim_tls_put_t put, void *arg)
{
	struct sim_tls *t = p->tls;
	struct sim_tls_ctx *c;
	struct tcp_info ti;
	struct rx_pkt k;
	uint32_t exp, nb_rec;
	bool inject, old;
	int ret;

	if (t == NULL || __atomic_load_n(&t->nb_rx, __ATOMIC_RELAXED) == 0 ||
	    tcp_parse(m, &ti) != 0 || ti.len == 0) {
		put(arg, qid, m);
		return;
	}
	rte_spinlock_lock(&t->lock);
	c = rx_lookup(t, &ti);
	if (c == NULL)
		goto out_plain;
	old = dpsec_tcp_seq_le(ti.seq + ti.len, c->rx_hi);
	if (!old)
		c->rx_hi = ti.seq + ti.len;
	if (!c->sync) {
		if (c->req_device)
			rx_search(p, t, c, m, &ti, old);
		goto out_plain;
	}
	exp = c->cur.tcp_seq;
	if (dpsec_tcp_seq_le(ti.seq + ti.len, exp))
		/* Before the context's start (a handshake) or sent again:
		 * not for the engine, and the stream stays where it is. */
		goto out_plain;
	if (dpsec_tcp_seq_lt(exp, ti.seq)) {
		/* A gap: the record under the cursor cannot be finished.
		 * Out of sync until dpsec gives a record start (resync). */
		sim_count(p, SIM_XS_rx_tls_ooo, 1);
		held_release(p, c, false, put, arg);
		rec_abort(c);
		c->sync = false;
		c->req_out = false;
		if (c->req_device)
			rx_search(p, t, c, m, &ti, old);
		goto out_plain;
	}
	/* From the cursor on; bytes before it (the end of a handshake in
	 * the same segment, a partial resend) are left as they came. */
	k.m = m;
	k.qid = qid;
	/* After a resync in the middle of this packet, the bytes before the
	 * record start are the stream's too, and not decrypted: the packet
	 * must not be marked (dpsec_driver.h). */
	k.partial = c->resynced && exp != ti.seq;
	c->resynced = false;
	k.start = c->cur;
	k.off = ti.off + (exp - ti.seq);
	k.len = ti.len - (exp - ti.seq);
	if (!c->fail_next)
		c->fail_next = sim_fault_hit(p, &p->rx_prng,
					     SIM_FAULT_SPURIOUS_FAIL);
	inject = c->fail_next;
	ret = walk(t, c, m, k.off, k.len, &k.done, &nb_rec);
	/* The first record this packet completes is the one the held
	 * packets wait for: its verdict is theirs. */
	if (c->nb_held > 0 && (nb_rec > 0 || ret != 0))
		held_release(p, c, nb_rec > 0, put, arg);
	if (ret != 0) {
		/* A record failed or a header is garbage: nothing after it
		 * is touched (out of sync), this packet goes up as it came. */
		sim_count(p, ret != -EBADMSG ? SIM_XS_rx_tls_err :
			  inject && !c->fail_next ?
				SIM_XS_rx_fault_spurious_fail :
				SIM_XS_rx_tls_auth_fail, 1);
		pkt_restore(t, c, &k, k.done);
		goto out_plain;
	}
	if (c->cur.part == DPSEC_TLS_PART_HDR && c->cur.part_off == 0) {
		if (k.partial)
			pkt_restore(t, c, &k, k.len);
		else
			pkt_mark(p, &k);	/* every record in it verified */
		goto out_plain;
	}
	if (c->nb_held >= t->hold_max) {
		/* No room to wait: these go up as they came; the rest of
		 * the record is still followed and verified (dpsec sees a
		 * MIXED record). */
		sim_count(p, SIM_XS_rx_tls_hold_full, 1);
		held_release(p, c, false, put, arg);
		pkt_restore(t, c, &k, k.len);
		goto out_plain;
	}
	if (c->nb_held == 0) {
		c->hold_tsc = rte_get_timer_cycles();
		__atomic_fetch_add(&t->nb_holding, 1, __ATOMIC_RELAXED);
	}
	c->held[c->nb_held++] = k;
	rte_spinlock_unlock(&t->lock);
	return;
out_plain:
	rte_spinlock_unlock(&t->lock);
	put(arg, qid, m);
}

bool
sim_tls_holding(const struct sim_port *p)
{
	return p->tls != NULL &&
	       __atomic_load_n(&p->tls->nb_holding, __ATOMIC_RELAXED) != 0;
}

void
sim_tls_idle(struct sim_port *p, sim_tls_put_t put, void *arg)
{
	struct sim_tls *t = p->tls;
	uint64_t now;
	uint32_t i;

	if (t == NULL || t->hold_cycles == 0 || !sim_tls_holding(p))
		return;
	now = rte_get_timer_cycles();
	rte_spinlock_lock(&t->lock);
	for (i = 0; i < t->max; i++) {
		struct sim_tls_ctx *c = t->tab[i];

		if (c == NULL || c->nb_held == 0 ||
		    now - c->hold_tsc < t->hold_cycles)
			continue;
		/* The rest of the record did not come: what waited goes up
		 * as it came; the record is still followed, so its later
		 * packets are marked if it verifies (MIXED for dpsec). */
		sim_count(p, SIM_XS_rx_tls_hold_timeout, 1);
		held_release(p, c, false, put, arg);
	}
	rte_spinlock_unlock(&t->lock);
}
