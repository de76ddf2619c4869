/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-tls-replay: decrypt the TLS connections of a capture with dpsec,
 * as a receiver on a NIC would, and check them.
 *
 *   dpsec-tls-replay [EAL args] -- --pcap FILE --keylog FILE --out DIR
 *                    [--offload nic|sw] [--backend ipsec-mb|openssl]
 *                    [--tx nic|sw] [--rx-resync hint|device]
 *                    [--sim-args DEVARGS]
 *
 * 1. The capture (Ethernet link type; IPv4/IPv6, TCP) is read with
 *    libpcap. Each TCP connection's two byte streams are put together, the
 *    plaintext handshake records read (ClientHello and ServerHello:
 *    randoms, version, cipher suite) and the keys found in the key log
 *    (NSS format: what OpenSSL's -keylogfile or SSLKEYLOGFILE write).
 *    TLS 1.3: the handshake-key records are opened with dpsec (software
 *    read contexts) to find where each direction's application keys
 *    start (after its Finished); TLS 1.2: after its ChangeCipherSpec.
 * 2. The capture is written again with TCP segments cut to fit a
 *    1500-byte MTU (loopback captures carry the kernel's 64 KB GSO
 *    segments; the wire would not), into DIR/wire.pcap.
 * 3. A net_sim_inline port receives DIR/wire.pcap (wire=pcap; --sim-args
 *    adds its devargs, e.g. tls_hold_pkts=4 for a NIC that buffers
 *    little and so leaves MIXED records). One dpsec
 *    read context per connection and direction, with the application
 *    keys, on the port's NIC (--offload nic: the sim's TLS engine decrypts
 *    what it can, AES-GCM; ChaCha20 stays in software) or in software
 *    (--offload sw). Every received segment goes to its context in TCP
 *    order (the tool holds segments that arrive early, as a TCP stack
 *    does); the records' application data go to
 *    DIR/conn<N>-<client|server>.bin. A TLS 1.3 KeyUpdate is followed:
 *    the direction's traffic secret is stepped (RFC 8446 §7.2) and the
 *    context rekeyed where it waits (dpsec_tls_rekey()).
 * 4. With --tx nic|sw, dpsec also transmits: each direction's application
 *    data (what step 3 decrypted) is framed into records again and sent
 *    by a dpsec write context, on the NIC of a second net_sim_inline port
 *    (its TLS engine encrypts as the segments leave) or sealed in
 *    software, into DIR/tx.pcap (wire=pcap). The context has a fresh
 *    random key and IV (the capture's keys are never used to encrypt
 *    again: that would reuse their nonces); DIR/tx.keys gives them, one
 *    line per direction, in the format of tests/interop/tls_decrypt.py
 *    --key-lines, so an independent decryptor can check what we sent.
 * A summary line per connection and direction says what was found and
 * how the records were decrypted. Exit status 0 when every connection
 * with keys decrypted to the end with no error (and, with --tx, every
 * byte was sent) and every mbuf went back to the pool, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "demo_common.h"
#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"

enum {
	MAX_CONN = 64,
	CUT_MSS = 1448,
	WIRE_MTU = 1500,		/* net_sim_inline's default MTU */
	HOLD_MAX = 4096,		/* early segments held per direction */
	BURST = 32,
};

/* One direction of a connection. */
struct dir {
	uint8_t family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	/* Pass 1: the byte stream from the first payload byte seen. */
	bool have_isn;
	uint32_t isn;			/* TCP seq of stream[0] */
	uint8_t *stream;
	uint32_t len, cap;
	/* Handshake findings. */
	uint32_t enc_off;		/* first encrypted record (offset) */
	bool have_enc;
	uint32_t app_off;		/* first application-key record */
	bool have_app;
	uint8_t secret[64];		/* 1.3 traffic secrets (keylog) */
	uint16_t secret_len;
	uint8_t hs_secret[64];
	uint16_t hs_secret_len;
	/* Pass 2. */
	struct dpsec_tls *tls;
	uint32_t next;			/* next seq the context wants */
	struct rte_mbuf *hold[HOLD_MAX];
	unsigned int nb_hold;
	FILE *out;
	uint64_t app_bytes, records, rec_how[3], errors, held_max;
	int status;
	enum dpsec_placement placement;
	enum dpsec_place_reason reason;
	enum dpsec_cipher cipher;	/* for KeyUpdate */
	uint64_t key_updates;
	/* --tx */
	bool tx_done, tx_nic;
	enum dpsec_place_reason tx_reason;
	uint64_t tx_segs;		/* segments sent */
};

struct conn {
	struct dir d[2];		/* [0] client -> server */
	bool have_ch, have_sh;
	uint8_t cr[32], sr[32];
	uint16_t version, suite;
	enum dpsec_cipher cipher;
	bool cipher_ok;
	bool have_keys;
	uint8_t master[48];
};

static struct conn conns[MAX_CONN];
static unsigned int nb_conn;
static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;
/* --rx-resync: how a read context on the NIC gets it back after a loss. */
static enum dpsec_tls_rx_resync rx_resync = DPSEC_TLS_RX_RESYNC_HINT;

/* ------------------------------------------------------------ parsing */

struct pkt {
	uint8_t family;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	const uint8_t *payload;
	uint32_t plen;
	uint32_t l2, l3, l4;
};

static bool
pkt_parse(const uint8_t *f, uint32_t caplen, struct pkt *p)
{
	uint16_t et;
	const uint8_t *ip;
	uint32_t iplen, l4off;

	memset(p, 0, sizeof(*p));
	if (caplen < 14)
		return false;
	et = (uint16_t)(f[12] << 8 | f[13]);
	p->l2 = 14;
	ip = f + 14;
	if (et == 0x0800) {
		if (caplen < 14 + 20 || (ip[0] >> 4) != 4 || ip[9] != 6)
			return false;
		p->l3 = (ip[0] & 15u) * 4;
		iplen = (uint32_t)(ip[2] << 8 | ip[3]);
		if (p->l3 < 20 || iplen < p->l3 || 14 + iplen > caplen)
			return false;
		p->family = 4;
		p->src = ip + 12;
		p->dst = ip + 16;
	} else if (et == 0x86dd) {
		if (caplen < 14 + 40 || (ip[0] >> 4) != 6 || ip[6] != 6)
			return false;
		p->l3 = 40;
		iplen = 40u + (uint32_t)(ip[4] << 8 | ip[5]);
		if (14 + iplen > caplen)
			return false;
		p->family = 6;
		p->src = ip + 8;
		p->dst = ip + 24;
	} else {
		return false;
	}
	l4off = 14 + p->l3;
	if (l4off + 20 > 14 + iplen)
		return false;
	p->l4 = (f[l4off + 12] >> 4) * 4u;
	if (p->l4 < 20 || l4off + p->l4 > 14 + iplen)
		return false;
	p->sport = (uint16_t)(f[l4off] << 8 | f[l4off + 1]);
	p->dport = (uint16_t)(f[l4off + 2] << 8 | f[l4off + 3]);
	p->seq = (uint32_t)f[l4off + 4] << 24 | (uint32_t)f[l4off + 5] << 16 |
		 (uint32_t)f[l4off + 6] << 8 | f[l4off + 7];
	p->flags = f[l4off + 13];
	p->payload = f + l4off + p->l4;
	p->plen = 14 + iplen - l4off - p->l4;
	return true;
}

static bool
dir_match(const struct dir *d, const struct pkt *p)
{
	size_t al = p->family == 4 ? 4 : 16;

	return d->family == p->family && d->sport == p->sport &&
	       d->dport == p->dport && memcmp(d->src, p->src, al) == 0 &&
	       memcmp(d->dst, p->dst, al) == 0;
}

/* The connection and direction of @p; a new one on a SYN (or the first
 * packet seen), the client being the SYN's sender. */
static struct dir *
dir_find(const struct pkt *p, struct conn **cp, bool create)
{
	size_t al = p->family == 4 ? 4 : 16;
	unsigned int i, k;
	struct conn *c;

	for (i = 0; i < nb_conn; i++)
		for (k = 0; k < 2; k++)
			if (dir_match(&conns[i].d[k], p)) {
				*cp = &conns[i];
				return &conns[i].d[k];
			}
	if (!create || nb_conn == MAX_CONN)
		return NULL;
	c = &conns[nb_conn++];
	memset(c, 0, sizeof(*c));
	/* The side that sends SYN without ACK is the client. */
	k = (p->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
	    (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) ? 1 : 0;
	for (i = 0; i < 2; i++) {
		struct dir *d = &c->d[i];
		bool same = i == k;

		d->family = p->family;
		memcpy(d->src, same ? p->src : p->dst, al);
		memcpy(d->dst, same ? p->dst : p->src, al);
		d->sport = same ? p->sport : p->dport;
		d->dport = same ? p->dport : p->sport;
	}
	*cp = c;
	return &c->d[k];
}

/* Put @p's payload into its direction's stream. */
static void
stream_add(struct dir *d, const struct pkt *p)
{
	uint32_t off, end;

	if (p->flags & RTE_TCP_SYN_FLAG) {
		d->have_isn = true;
		d->isn = p->seq + 1;
		return;
	}
	if (p->plen == 0)
		return;
	if (!d->have_isn) {
		d->have_isn = true;
		d->isn = p->seq;
	}
	off = p->seq - d->isn;
	if (off > (1u << 30))		/* before the start: ignore */
		return;
	end = off + p->plen;
	if (end > d->cap) {
		uint32_t cap = d->cap ? d->cap : 1 << 16;
		uint8_t *s;

		while (cap < end)
			cap *= 2;
		s = realloc(d->stream, cap);
		if (s == NULL)
			return;
		memset(s + d->cap, 0, cap - d->cap);
		d->stream = s;
		d->cap = cap;
	}
	memcpy(d->stream + off, p->payload, p->plen);
	if (end > d->len)
		d->len = end;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ClientHello / ServerHello fields (RFC 8446 §4.1.2-4.1.3). */
static void
hello_parse(struct conn *c, const uint8_t *h, uint32_t len)
{
	uint32_t o, sid, ext_end;

	if (len < 38)
		return;
	if (h[0] == 1) {		/* ClientHello */
		memcpy(c->cr, h + 6, 32);
		c->have_ch = true;
		return;
	}
	if (h[0] != 2)
		return;
	memcpy(c->sr, h + 6, 32);
	c->have_sh = true;
	c->version = be16(h + 4);
	sid = h[38];
	o = 39 + sid;
	if (o + 3 > len)
		return;
	c->suite = be16(h + o);
	o += 3;				/* suite, compression */
	if (o + 2 > len)
		return;
	ext_end = o + 2 + be16(h + o);
	o += 2;
	while (o + 4 <= ext_end && ext_end <= len) {
		uint16_t type = be16(h + o), el = be16(h + o + 2);

		if (type == 43 && el == 2)	/* supported_versions */
			c->version = be16(h + o + 4);
		o += 4u + el;
	}
}

static void
suite_map(struct conn *c)
{
	static const struct { uint16_t suite; enum dpsec_cipher c; } m[] = {
		{ 0x1301, DPSEC_CIPHER_AES_GCM_128 },
		{ 0x1302, DPSEC_CIPHER_AES_GCM_256 },
		{ 0x1303, DPSEC_CIPHER_CHACHA20_POLY1305 },
		{ 0xc02b, DPSEC_CIPHER_AES_GCM_128 },
		{ 0xc02f, DPSEC_CIPHER_AES_GCM_128 },
		{ 0x009c, DPSEC_CIPHER_AES_GCM_128 },
		{ 0x009e, DPSEC_CIPHER_AES_GCM_128 },
		{ 0xc02c, DPSEC_CIPHER_AES_GCM_256 },
		{ 0xc030, DPSEC_CIPHER_AES_GCM_256 },
		{ 0x009d, DPSEC_CIPHER_AES_GCM_256 },
		{ 0x009f, DPSEC_CIPHER_AES_GCM_256 },
		{ 0xcca8, DPSEC_CIPHER_CHACHA20_POLY1305 },
		{ 0xcca9, DPSEC_CIPHER_CHACHA20_POLY1305 },
		{ 0xccaa, DPSEC_CIPHER_CHACHA20_POLY1305 },
	};

	for (unsigned int i = 0; i < RTE_DIM(m); i++)
		if (m[i].suite == c->suite) {
			c->cipher = m[i].c;
			c->cipher_ok = true;
		}
}

/* Walk the plaintext records at the start of a direction's stream: the
 * hellos, and where encryption starts. */
static void
plain_walk(struct conn *c, struct dir *d, bool client)
{
	uint32_t o = 0;
	bool hello_seen = false;

	while (o + 5 <= d->len) {
		uint8_t type = d->stream[o];
		uint32_t rl = be16(d->stream + o + 3);

		if (o + 5 + rl > d->len)
			return;
		if (type == 22 && !hello_seen) {
			hello_parse(c, d->stream + o + 5, rl);
			hello_seen = true;
		} else if (type == 20) {
			/* TLS 1.2: the next record is the first encrypted
			 * one. TLS 1.3: middlebox compatibility, skipped. */
			if (c->version != 0x0304) {
				d->enc_off = d->app_off = o + 5 + rl;
				d->have_enc = d->have_app = true;
				return;
			}
		} else if (type == 23 && hello_seen && c->version == 0x0304) {
			d->enc_off = o;
			d->have_enc = true;
			return;
		} else if (type != 22 && type != 21) {
			return;
		}
		o += 5 + rl;
	}
	(void)client;
}

static int
keylog_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;

	if (f == NULL) {
		fprintf(stderr, "dpsec-tls-replay: %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct dpsec_tls_keylog kl;

		line[strcspn(line, "\r\n")] = '\0';
		if (dpsec_tls_keylog_parse(line, &kl) != 0)
			continue;
		for (unsigned int i = 0; i < nb_conn; i++) {
			struct conn *c = &conns[i];

			if (!c->have_ch || memcmp(c->cr, kl.client_random, 32))
				continue;
			switch (kl.label) {
			case DPSEC_KEYLOG_CLIENT_RANDOM:
				memcpy(c->master, kl.secret, 48);
				c->have_keys = true;
				break;
			case DPSEC_KEYLOG_CLIENT_TRAFFIC_SECRET_0:
				memcpy(c->d[0].secret, kl.secret, kl.secret_len);
				c->d[0].secret_len = kl.secret_len;
				c->have_keys = true;
				break;
			case DPSEC_KEYLOG_SERVER_TRAFFIC_SECRET_0:
				memcpy(c->d[1].secret, kl.secret, kl.secret_len);
				c->d[1].secret_len = kl.secret_len;
				break;
			case DPSEC_KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET:
				memcpy(c->d[0].hs_secret, kl.secret,
				       kl.secret_len);
				c->d[0].hs_secret_len = kl.secret_len;
				break;
			case DPSEC_KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET:
				memcpy(c->d[1].hs_secret, kl.secret,
				       kl.secret_len);
				c->d[1].hs_secret_len = kl.secret_len;
				break;
			default:
				break;
			}
			n++;
		}
	}
	fclose(f);
	return n;
}

/* ------------------------------------------------------------ mbufs */

/* A TCP segment of direction @d (headers made up, as the capture's). */
static struct rte_mbuf *
seg_build(const struct dir *d, uint32_t seq, const uint8_t *p, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *last;
	uint32_t l3 = d->family == 4 ? 20 : 40, hl = 14 + l3 + 20, off = 0;
	uint8_t *h;

	if (m == NULL)
		return NULL;
	h = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)hl);
	memset(h, 0, hl);
	h[12] = d->family == 4 ? 0x08 : 0x86;
	h[13] = d->family == 4 ? 0x00 : 0xdd;
	if (d->family == 4) {
		h[14] = 0x45;
		h[16] = (uint8_t)((l3 + 20 + len) >> 8);
		h[17] = (uint8_t)(l3 + 20 + len);
		h[22] = 64;
		h[23] = 6;
		memcpy(h + 26, d->src, 4);
		memcpy(h + 30, d->dst, 4);
	} else {
		h[14] = 0x60;
		h[18] = (uint8_t)((20 + len) >> 8);
		h[19] = (uint8_t)(20 + len);
		h[20] = 6;
		h[21] = 64;
		memcpy(h + 22, d->src, 16);
		memcpy(h + 38, d->dst, 16);
	}
	h += 14 + l3;
	h[0] = (uint8_t)(d->sport >> 8);
	h[1] = (uint8_t)d->sport;
	h[2] = (uint8_t)(d->dport >> 8);
	h[3] = (uint8_t)d->dport;
	h[4] = (uint8_t)(seq >> 24);
	h[5] = (uint8_t)(seq >> 16);
	h[6] = (uint8_t)(seq >> 8);
	h[7] = (uint8_t)seq;
	h[12] = 5 << 4;
	h[13] = RTE_TCP_ACK_FLAG;
	h[14] = 0xff;			/* window */
	h[15] = 0xff;
	m->l2_len = 14;
	m->l3_len = (uint16_t)l3;
	m->l4_len = 20;
	last = m;
	while (off < len) {
		uint32_t room = rte_pktmbuf_tailroom(last), k;
		uint8_t *dst;

		if (room == 0) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(pool);

			if (n == NULL) {
				rte_pktmbuf_free(m);
				return NULL;
			}
			last->next = n;
			m->nb_segs++;
			last = n;
			room = rte_pktmbuf_tailroom(n);
		}
		k = RTE_MIN(room, len - off);
		dst = rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len);
		memcpy(dst, p + off, k);
		last->data_len = (uint16_t)(last->data_len + k);
		m->pkt_len += k;
		off += k;
	}
	return m;
}

/* ------------------------------------------------------------ TLS 1.3 */

/*
 * Open a direction's handshake-key records in software and find its
 * Finished: the application keys start with the next record.
 */
static int
hs13_walk(struct conn *c, struct dir *d)
{
	struct dpsec_tls_conf tc;
	struct dpsec_tls *t;
	struct dpsec_tls_rec recs[BURST];
	uint8_t key[32], iv[12], hs[1 << 16];
	uint32_t hs_len = 0, o = d->enc_off;
	int ret = -1;

	if (d->hs_secret_len == 0)
		return -1;
	memset(&tc, 0, sizeof(tc));
	if (dpsec_tls13_keys(c->cipher, d->hs_secret, d->hs_secret_len, key,
			     iv) != 0)
		return -1;
	tc.ver = DPSEC_TLS_VERSION_1_3;
	tc.type = DPSEC_TLS_READ;
	tc.cipher = c->cipher;
	tc.key = key;
	tc.key_len = c->cipher == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	memcpy(tc.imp_nonce, iv, 12);
	/* The context's "connection" is this direction, seen as received. */
	tc.remote.family = tc.local.family = d->family;
	memcpy(d->family == 4 ? (void *)&tc.remote.v4 : tc.remote.v6, d->src,
	       d->family == 4 ? 4 : 16);
	memcpy(d->family == 4 ? (void *)&tc.local.v4 : tc.local.v6, d->dst,
	       d->family == 4 ? 4 : 16);
	tc.remote_port = d->sport;
	tc.local_port = d->dport;
	tc.tcp_seq = d->isn + d->enc_off;
	tc.offload = DPSEC_OFFLOAD_NONE;
	t = dpsec_tls_create(ctx, &tc);
	memset(key, 0, sizeof(key));
	if (t == NULL)
		return -1;
	while (o < d->len && ret < 0) {
		uint32_t k = RTE_MIN(d->len - o, (uint32_t)CUT_MSS);
		struct rte_mbuf *m = seg_build(d, d->isn + o, d->stream + o, k);
		uint16_t n, i;

		if (m == NULL)
			break;
		n = dpsec_tls_rx(t, &m, 1, recs, BURST);
		for (i = 0; i < n; i++) {
			struct dpsec_tls_rec *r = &recs[i];

			if (r->status != 0 || ret >= 0) {
				rte_pktmbuf_free(r->m);
				if (r->status != 0)
					o = d->len;
				continue;
			}
			if (r->type == DPSEC_TLS_TYPE_HANDSHAKE && r->m != NULL &&
			    hs_len + r->len <= sizeof(hs)) {
				const uint8_t *q = rte_pktmbuf_read(r->m, 0,
						r->len, hs + hs_len);

				if (q != NULL && q != hs + hs_len)
					memcpy(hs + hs_len, q, r->len);
				hs_len += r->len;
			}
			rte_pktmbuf_free(r->m);
			/* Handshake messages: type(1) length(3). */
			for (uint32_t p = 0; p + 4 <= hs_len;) {
				uint32_t ml = (uint32_t)hs[p + 1] << 16 |
					      (uint32_t)hs[p + 2] << 8 | hs[p + 3];

				if (p + 4 + ml > hs_len)
					break;
				if (hs[p] == 20) {	/* Finished */
					uint32_t ro = r->tcp_seq - d->isn;

					d->app_off = ro + 5 +
						be16(d->stream + ro + 3);
					d->have_app = true;
					ret = 0;
					break;
				}
				p += 4 + ml;
			}
		}
		o += k;
	}
	dpsec_tls_destroy(ctx, t);
	return ret;
}

/* ------------------------------------------------------------ pass 2 */

static int
dir_context(struct conn *c, struct dir *d, bool client, uint16_t port,
	    enum dpsec_offload off)
{
	struct dpsec_tls_conf tc;
	struct dpsec_tls12_keys k12;
	struct dpsec_tls_info info;
	uint8_t key[32], iv[12];

	memset(&tc, 0, sizeof(tc));
	tc.cipher = c->cipher;
	tc.key_len = c->cipher == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	if (c->version == 0x0304) {
		tc.ver = DPSEC_TLS_VERSION_1_3;
		if (d->secret_len == 0 ||
		    dpsec_tls13_keys(c->cipher, d->secret, d->secret_len, key,
				     iv) != 0)
			return -1;
		memcpy(tc.imp_nonce, iv, 12);
	} else {
		tc.ver = DPSEC_TLS_VERSION_1_2;
		if (dpsec_tls12_keys(c->cipher, c->master, c->cr, c->sr,
				     &k12) != 0)
			return -1;
		memcpy(key, client ? k12.client_key : k12.server_key,
		       k12.key_len);
		memcpy(tc.imp_nonce, client ? k12.client_iv : k12.server_iv,
		       k12.iv_len);
		memset(&k12, 0, sizeof(k12));
	}
	tc.key = key;
	tc.type = DPSEC_TLS_READ;
	tc.remote.family = tc.local.family = d->family;
	memcpy(d->family == 4 ? (void *)&tc.remote.v4 : tc.remote.v6, d->src,
	       d->family == 4 ? 4 : 16);
	memcpy(d->family == 4 ? (void *)&tc.local.v4 : tc.local.v6, d->dst,
	       d->family == 4 ? 4 : 16);
	tc.remote_port = d->sport;
	tc.local_port = d->dport;
	tc.tcp_seq = d->isn + d->app_off;
	tc.port_id = port;
	tc.offload = off;
	tc.rx_resync = rx_resync;
	d->tls = dpsec_tls_create(ctx, &tc);
	memset(key, 0, sizeof(key));
	if (d->tls == NULL)
		return -1;
	d->cipher = c->cipher;
	dpsec_tls_info(d->tls, &info);
	d->placement = info.placement;
	d->reason = info.place_reason;
	d->next = tc.tcp_seq;
	return 0;
}

static void
records_take(struct dir *d, struct dpsec_tls_rec *recs, uint16_t n)
{
	uint8_t buf[1 << 15];

	for (uint16_t i = 0; i < n; i++) {
		struct dpsec_tls_rec *r = &recs[i];

		d->records++;
		if (r->status != 0) {
			d->errors++;
			d->status = r->status;
			continue;
		}
		if (r->how < 3)
			d->rec_how[r->how]++;
		if (r->type == DPSEC_TLS_TYPE_DATA && r->m != NULL) {
			const void *p = rte_pktmbuf_read(r->m, 0, r->len, buf);

			fwrite(p, 1, r->len, d->out);
			d->app_bytes += r->len;
		}
		rte_pktmbuf_free(r->m);
	}
}

/*
 * TLS 1.3 KeyUpdate (RFC 8446 §4.6.3): the context stopped after one;
 * the next application traffic secret from the current one, its key and
 * IV from that, the context rekeyed where it waits, and what waited
 * behind the KeyUpdate collected.
 */
static void
key_updates(struct dir *d)
{
	struct dpsec_tls_rec recs[BURST];
	struct dpsec_tls_info info;
	uint8_t key[32], iv[12];
	uint16_t n;

	while (dpsec_tls_info(d->tls, &info) == 0 &&
	       info.state == DPSEC_TLS_KEY_WAIT) {
		if (d->secret_len == 0 ||
		    dpsec_tls13_secret_update(d->cipher, d->secret,
					      d->secret_len) != 0 ||
		    dpsec_tls13_keys(d->cipher, d->secret, d->secret_len,
				     key, iv) != 0 ||
		    dpsec_tls_rekey(d->tls, key,
				    d->cipher == DPSEC_CIPHER_AES_GCM_128 ?
				    16 : 32, iv, info.next_tcp_seq) != 0) {
			d->errors++;
			break;
		}
		memset(key, 0, sizeof(key));
		d->key_updates++;
		while ((n = dpsec_tls_rx(d->tls, NULL, 0, recs, BURST)) > 0)
			records_take(d, recs, n);
	}
}

/* Hand @m (a segment of @d) on in TCP order; early ones wait. */
static void
dir_feed(struct dir *d, struct rte_mbuf *m, uint32_t seq, uint32_t plen)
{
	struct dpsec_tls_rec recs[BURST];
	uint16_t n;
	bool progress = true;

	/* Wholly before the application stream (handshake, retransmitted
	 * old data): nothing for the context. */
	if ((int32_t)(seq + plen - d->next) <= 0 || plen == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if ((int32_t)(seq - d->next) > 0) {
		if (d->nb_hold == HOLD_MAX) {
			rte_pktmbuf_free(m);
			d->errors++;
			return;
		}
		d->hold[d->nb_hold++] = m;
		if (d->nb_hold > d->held_max)
			d->held_max = d->nb_hold;
		return;
	}
	n = dpsec_tls_rx(d->tls, &m, 1, recs, BURST);
	d->next = seq + plen;
	records_take(d, recs, n);
	/* Held segments that are now in order. */
	while (progress) {
		progress = false;
		for (unsigned int i = 0; i < d->nb_hold; i++) {
			struct rte_mbuf *h = d->hold[i];
			const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(h,
				const struct rte_tcp_hdr *, h->l2_len + h->l3_len);
			uint32_t s = rte_be_to_cpu_32(th->sent_seq);
			uint32_t l = h->pkt_len - h->l2_len - h->l3_len -
				     h->l4_len;

			if ((int32_t)(s - d->next) > 0)
				continue;
			d->hold[i] = d->hold[--d->nb_hold];
			if ((int32_t)(s + l - d->next) > 0) {
				n = dpsec_tls_rx(d->tls, &h, 1, recs, BURST);
				records_take(d, recs, n);
				d->next = s + l;
			} else {
				rte_pktmbuf_free(h);
			}
			progress = true;
			break;
		}
	}
	/* Records left in the context. */
	while ((n = dpsec_tls_rx(d->tls, NULL, 0, recs, BURST)) > 0)
		records_take(d, recs, n);
	key_updates(d);
}


/* ------------------------------------------------------------ TX */

enum {
	TX_MSS = 1460,			/* IPv4 in a 1500-byte MTU */
	TX_SEQ0 = 1000,			/* first TCP sequence we send */
};

static void
hex_put(FILE *f, const uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* Send @len bytes of @data framed as records with a write context of
 * direction @d; the key line goes to @keys. Returns 0 if all was sent. */
static int
dir_transmit(const struct conn *c, struct dir *d, uint16_t port,
	     enum dpsec_offload off, const uint8_t *data, uint32_t len,
	     FILE *keys)
{
	static uint8_t rec[1 << 15];
	struct dpsec_tls_conf tc;
	struct dpsec_tls_info info;
	struct dpsec_tls *t;
	struct rte_mbuf *segs[BURST];
	uint8_t key[32], iv[12];
	uint32_t pos = 0, seq = TX_SEQ0;
	uint16_t ns = 0;
	char addr[64];
	int ret = 0;

	memset(&tc, 0, sizeof(tc));
	tc.ver = c->version == 0x0304 ? DPSEC_TLS_VERSION_1_3 :
					 DPSEC_TLS_VERSION_1_2;
	tc.type = DPSEC_TLS_WRITE;
	tc.cipher = c->cipher;
	tc.key_len = c->cipher == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	for (unsigned int i = 0; i < 32; i += 8) {
		uint64_t r = rte_rand();

		memcpy(key + i, &r, 8);
	}
	for (unsigned int i = 0; i < 12; i += 4) {
		uint32_t r = (uint32_t)rte_rand();

		memcpy(iv + i, &r, 4);
	}
	tc.key = key;
	memcpy(tc.imp_nonce, iv, 12);
	tc.local.family = tc.remote.family = d->family;
	memcpy(d->family == 4 ? (void *)&tc.local.v4 : tc.local.v6, d->src,
	       d->family == 4 ? 4 : 16);
	memcpy(d->family == 4 ? (void *)&tc.remote.v4 : tc.remote.v6, d->dst,
	       d->family == 4 ? 4 : 16);
	tc.local_port = d->sport;
	tc.remote_port = d->dport;
	tc.tcp_seq = seq;
	tc.seq_no = 0;
	tc.port_id = port;
	tc.offload = off;
	t = dpsec_tls_create(ctx, &tc);
	if (t == NULL) {
		memset(key, 0, sizeof(key));
		return -1;
	}
	dpsec_tls_info(t, &info);
	inet_ntop(d->family == 4 ? AF_INET : AF_INET6, d->src, addr,
		  sizeof(addr));
	fprintf(keys, "%s %u %s %s ", addr, d->sport,
		c->version == 0x0304 ? "1.3" : "1.2",
		c->cipher == DPSEC_CIPHER_AES_GCM_128 ? "aes-128-gcm" :
		c->cipher == DPSEC_CIPHER_AES_GCM_256 ? "aes-256-gcm" :
		"chacha20-poly1305");
	hex_put(keys, key, tc.key_len);
	fputc(' ', keys);
	hex_put(keys, iv, c->version == 0x0303 &&
		c->cipher != DPSEC_CIPHER_CHACHA20_POLY1305 ? 4 : 12);
	fprintf(keys, " %u 0\n", TX_SEQ0);
	memset(key, 0, sizeof(key));
	d->tx_nic = info.placement != DPSEC_PLACE_SW;
	d->tx_reason = info.place_reason;

	/* Records of up to 2^14 bytes, cut into TX_MSS segments. */
	while (pos < len && ret == 0) {
		uint16_t pl = (uint16_t)RTE_MIN(len - pos, 16384u);
		uint32_t rl = dpsec_tls_record_len(t, pl, 0), o = 0;
		int pre = dpsec_tls_record_frame(t, rec,
						 DPSEC_TLS_TYPE_DATA, pl, 0);

		if (pre < 0) {
			ret = -1;
			break;
		}
		memcpy(rec + pre, data + pos, pl);
		pos += pl;
		while (o < rl) {
			uint32_t k = RTE_MIN(rl - o, d->family == 4 ?
					     (uint32_t)TX_MSS :
					     (uint32_t)TX_MSS - 20);
			struct rte_mbuf *m = seg_build(d, seq, rec + o, k);

			if (m == NULL) {
				ret = -1;
				break;
			}
			/* Checksums by the port, after the NIC encrypted. */
			m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM |
				(d->family == 4 ? RTE_MBUF_F_TX_IPV4 |
				 RTE_MBUF_F_TX_IP_CKSUM : RTE_MBUF_F_TX_IPV6);
			segs[ns++] = m;
			seq += k;
			o += k;
			if (ns == BURST || (o == rl && pos == len)) {
				uint16_t good = dpsec_tls_tx(t, segs, ns), sent = 0;

				for (uint16_t i = good; i < ns; i++)
					rte_pktmbuf_free(segs[i]);
				if (good != ns)
					ret = -1;
				while (sent < good) {
					sent += rte_eth_tx_burst(port, 0,
						segs + sent,
						(uint16_t)(good - sent));
				}
				d->tx_segs += good;
				ns = 0;
				/* The capture's peer acknowledges at once. */
				dpsec_tls_tx_ack(t, seq);
			}
		}
	}
	for (uint16_t i = 0; i < ns; i++)
		rte_pktmbuf_free(segs[i]);
	d->tx_done = ret == 0 && pos == len;
	dpsec_tls_destroy(ctx, t);
	return d->tx_done ? 0 : -1;
}

/* ------------------------------------------------------------ main */

static int
pcap_pass(const char *in, const char *out)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(in, err), *dead;
	pcap_dumper_t *dump;
	struct pcap_pkthdr *h;
	const uint8_t *f;
	uint8_t frame[WIRE_MTU + 14];
	int r;

	if (p == NULL) {
		fprintf(stderr, "dpsec-tls-replay: %s: %s\n", in, err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "dpsec-tls-replay: %s: link type %d, only "
			"Ethernet (1) is read\n", in, pcap_datalink(p));
		pcap_close(p);
		return -1;
	}
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	dump = pcap_dump_open(dead, out);
	if (dump == NULL) {
		fprintf(stderr, "dpsec-tls-replay: %s: %s\n", out,
			pcap_geterr(dead));
		pcap_close(p);
		pcap_close(dead);
		return -1;
	}
	while ((r = pcap_next_ex(p, &h, &f)) == 1) {
		struct pkt k;
		struct conn *c;
		struct dir *d;
		uint32_t hl, off, mss;

		if (!pkt_parse(f, h->caplen, &k))
			continue;
		d = dir_find(&k, &c, true);
		if (d == NULL)
			continue;
		stream_add(d, &k);
		/* The same segment, cut to fit a 1500-byte MTU (the sim
		 * port's), for the wire. */
		hl = k.l2 + k.l3 + k.l4;
		mss = k.l3 + k.l4 < WIRE_MTU ? WIRE_MTU - k.l3 - k.l4 : 1;
		if (k.plen <= mss) {
			struct pcap_pkthdr oh = *h;

			oh.caplen = oh.len = hl + k.plen;
			pcap_dump((u_char *)dump, &oh, f);
			continue;
		}
		for (off = 0; off < k.plen; off += mss) {
			uint32_t n = RTE_MIN(mss, k.plen - off);
			uint32_t s = k.seq + off;
			struct pcap_pkthdr oh = *h;
			uint8_t *tcp = frame + k.l2 + k.l3;

			memcpy(frame, f, hl);
			memcpy(frame + hl, k.payload + off, n);
			if (k.family == 4) {
				uint16_t tl = (uint16_t)(k.l3 + k.l4 + n);
				struct rte_ipv4_hdr *ip = (void *)(frame + 14);

				ip->total_length = rte_cpu_to_be_16(tl);
				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
			} else {
				uint16_t pl = (uint16_t)(k.l4 + n);

				frame[18] = (uint8_t)(pl >> 8);
				frame[19] = (uint8_t)pl;
			}
			tcp[4] = (uint8_t)(s >> 24);
			tcp[5] = (uint8_t)(s >> 16);
			tcp[6] = (uint8_t)(s >> 8);
			tcp[7] = (uint8_t)s;
			oh.caplen = oh.len = hl + n;
			pcap_dump((u_char *)dump, &oh, frame);
		}
	}
	pcap_dump_close(dump);
	pcap_close(dead);
	pcap_close(p);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dpsec-tls-replay [EAL args] -- --pcap FILE "
		"--keylog FILE --out DIR [--offload nic|sw] [--tx nic|sw] "
		"[--rx-resync hint|device] "
		"[--backend ipsec-mb|openssl] [--sim-args DEVARGS]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pcap", required_argument, NULL, 'p' },
		{ "keylog", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "offload", required_argument, NULL, 'f' },
		{ "backend", required_argument, NULL, 'b' },
		{ "tx", required_argument, NULL, 't' },
		{ "rx-resync", required_argument, NULL, 'r' },
		{ "sim-args", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pcap_in = NULL, *keylog = NULL, *outdir = NULL;
	const char *sim_args = NULL;
	enum dpsec_offload off = DPSEC_OFFLOAD_AUTO, txoff = DPSEC_OFFLOAD_AUTO;
	bool tx = false;
	FILE *keys = NULL;
	uint16_t txport = 0;
	enum dpsec_backend be = DPSEC_BACKEND_IPSEC_MB;
	char wire[4096], vdev[4200], txvdev[4200], *vdevs[2], path[4200];
	struct dpsec_ctx_conf cc = { .name = "tls-replay",
				     .socket_id = SOCKET_ID_ANY, .max_sa = 1 };
	struct demo_eal de;
	struct rte_mbuf *pkts[BURST];
	uint16_t port;
	uint64_t idle_until;
	unsigned int i, k;
	int o, fail = 0;

	/* Our options come after "--"; find them before EAL sees them. */
	for (i = 1; i < (unsigned int)argc; i++)
		if (strcmp(argv[i], "--") == 0)
			break;
	{
		int ac = argc - (int)i;
		char **av = argv + i;

		if (ac < 1) {
			usage();
			return 2;
		}
		av[0] = argv[0];
		optind = 1;
		while ((o = getopt_long(ac, av, "", opts, NULL)) != -1) {
			switch (o) {
			case 'p': pcap_in = optarg; break;
			case 'k': keylog = optarg; break;
			case 'o': outdir = optarg; break;
			case 'f':
				if (strcmp(optarg, "nic") == 0)
					off = DPSEC_OFFLOAD_AUTO;
				else if (strcmp(optarg, "sw") == 0)
					off = DPSEC_OFFLOAD_NONE;
				else {
					usage();
					return 2;
				}
				break;
			case 'r':
				if (strcmp(optarg, "hint") == 0)
					rx_resync = DPSEC_TLS_RX_RESYNC_HINT;
				else if (strcmp(optarg, "device") == 0)
					rx_resync = DPSEC_TLS_RX_RESYNC_DEVICE;
				else {
					usage();
					return 2;
				}
				break;
			case 't':
				tx = true;
				if (strcmp(optarg, "nic") == 0)
					txoff = DPSEC_OFFLOAD_AUTO;
				else if (strcmp(optarg, "sw") == 0)
					txoff = DPSEC_OFFLOAD_NONE;
				else {
					usage();
					return 2;
				}
				break;
			case 's': sim_args = optarg; break;
			case 'b':
				if (strcmp(optarg, "openssl") == 0)
					be = DPSEC_BACKEND_OPENSSL;
				else if (strcmp(optarg, "ipsec-mb") != 0) {
					usage();
					return 2;
				}
				break;
			default:
				usage();
				return 2;
			}
		}
		av[0] = "--";
	}
	if (pcap_in == NULL || keylog == NULL || outdir == NULL) {
		usage();
		return 2;
	}
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "dpsec-tls-replay: %s: %s\n", outdir,
			strerror(errno));
		return 1;
	}
	snprintf(wire, sizeof(wire), "%s/wire.pcap", outdir);
	if (pcap_pass(pcap_in, wire) != 0)
		return 1;
	for (i = 0; i < nb_conn; i++) {
		struct conn *c = &conns[i];

		plain_walk(c, &c->d[0], true);
		plain_walk(c, &c->d[1], false);
		suite_map(c);
	}
	if (keylog_read(keylog) < 0)
		return 1;

	if ((size_t)snprintf(vdev, sizeof(vdev), "net_sim_inline_replay,"
			     "wire=pcap,rx_pcap=%s%s%s", wire,
			     sim_args != NULL ? "," : "",
			     sim_args != NULL ? sim_args : "") >= sizeof(vdev)) {
		fprintf(stderr, "dpsec-tls-replay: --sim-args too long\n");
		return 2;
	}
	vdevs[0] = vdev;
	snprintf(txvdev, sizeof(txvdev), "net_sim_inline_replay_tx,wire=pcap,"
		 "tx_pcap=%s/tx.pcap", outdir);
	vdevs[1] = txvdev;
	if (demo_eal_init(&de, "tls-replay", argc, argv, vdevs, tx ? 2 : 1) != 0)
		return 1;
	cc.backend = be;
	pool = rte_pktmbuf_pool_create("replay", 32767, 256, 0, 2048 + 128,
				       SOCKET_ID_ANY);
	ctx = dpsec_create(&cc);
	if (pool == NULL || ctx == NULL ||
	    rte_eth_dev_get_port_by_name("net_sim_inline_replay", &port) != 0 ||
	    demo_port_start(port, pool, RTE_ETH_RX_OFFLOAD_SCATTER, 0) != 0 ||
	    /* Captured frames carry the capturing host's MACs. */
	    rte_eth_promiscuous_enable(port) != 0 ||
	    dpsec_port_attach(ctx, port) != 0 ||
	    (tx && (rte_eth_dev_get_port_by_name("net_sim_inline_replay_tx",
						 &txport) != 0 ||
		    demo_port_start(txport, pool, 0,
				    RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
				    RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
				    RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0 ||
		    dpsec_port_attach(ctx, txport) != 0))) {
		fprintf(stderr, "dpsec-tls-replay: setup failed\n");
		demo_eal_cleanup(&de);
		return 1;
	}
	for (i = 0; i < nb_conn; i++) {
		struct conn *c = &conns[i];

		for (k = 0; k < 2; k++) {
			struct dir *d = &c->d[k];

			if (c->version == 0x0304 && d->have_enc &&
			    c->have_keys && c->cipher_ok)
				hs13_walk(c, d);
			if (!c->have_keys || !c->cipher_ok || !d->have_app)
				continue;
			snprintf(path, sizeof(path), "%s/conn%u-%s.bin", outdir,
				 i, k == 0 ? "client" : "server");
			d->out = fopen(path, "wb");
			if (d->out == NULL || dir_context(c, d, k == 0, port,
							  off) != 0) {
				fprintf(stderr, "dpsec-tls-replay: conn %u %s: "
					"no context\n", i,
					k == 0 ? "client" : "server");
				fail = 1;
			}
		}
	}
	/* Receive until the capture is exhausted (nothing for 300 ms). */
	idle_until = rte_get_timer_cycles() + rte_get_timer_hz() * 3 / 10;
	while (rte_get_timer_cycles() < idle_until) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, BURST);

		if (n > 0)
			idle_until = rte_get_timer_cycles() +
				     rte_get_timer_hz() * 3 / 10;
		for (i = 0; i < n; i++) {
			static uint8_t fb[1 << 16];
			uint32_t fl = RTE_MIN(pkts[i]->pkt_len,
					      (uint32_t)sizeof(fb));
			const uint8_t *h = rte_pktmbuf_read(pkts[i], 0, fl, fb);
			struct pkt kp;
			struct conn *c;
			struct dir *d;

			if (h == NULL || !pkt_parse(h, fl, &kp)) {
				rte_pktmbuf_free(pkts[i]);
				continue;
			}
			d = dir_find(&kp, &c, false);
			if (d == NULL || d->tls == NULL) {
				rte_pktmbuf_free(pkts[i]);
				continue;
			}
			/* What follows the IP datagram (Ethernet padding)
			 * is not TCP payload. */
			if (pkts[i]->pkt_len > kp.l2 + kp.l3 + kp.l4 + kp.plen)
				rte_pktmbuf_trim(pkts[i], (uint16_t)
					(pkts[i]->pkt_len - (kp.l2 + kp.l3 +
					 kp.l4 + kp.plen)));
			pkts[i]->l2_len = kp.l2;
			pkts[i]->l3_len = kp.l3;
			pkts[i]->l4_len = kp.l4;
			dir_feed(d, pkts[i], kp.seq, kp.plen);
		}
	}
	if (tx) {
		snprintf(path, sizeof(path), "%s/tx.keys", outdir);
		keys = fopen(path, "w");
		if (keys == NULL) {
			fprintf(stderr, "dpsec-tls-replay: %s: %s\n", path,
				strerror(errno));
			fail = 1;
		}
	}
	for (i = 0; keys != NULL && i < nb_conn; i++) {
		for (k = 0; k < 2; k++) {
			struct dir *d = &conns[i].d[k];
			uint8_t *data;

			if (d->out == NULL || d->app_bytes == 0)
				continue;
			fflush(d->out);
			data = malloc(d->app_bytes);
			snprintf(path, sizeof(path), "%s/conn%u-%s.bin", outdir,
				 i, k == 0 ? "client" : "server");
			FILE *f = fopen(path, "rb");

			if (data == NULL || f == NULL ||
			    fread(data, 1, d->app_bytes, f) != d->app_bytes ||
			    dir_transmit(&conns[i], d, txport, txoff, data,
					 (uint32_t)d->app_bytes, keys) != 0)
				fail = 1;
			if (f != NULL)
				fclose(f);
			free(data);
		}
	}
	if (keys != NULL)
		fclose(keys);
	for (i = 0; i < nb_conn; i++) {
		struct conn *c = &conns[i];

		for (k = 0; k < 2; k++) {
			struct dir *d = &c->d[k];
			struct dpsec_tls_stats st = { 0 };
			bool done = d->tls != NULL;

			if (d->tls != NULL)
				dpsec_tls_stats_get(d->tls, &st);
			printf("conn %u %s: TLS %s suite 0x%04x %s: %s%s%s "
			       "records %" PRIu64 " (nic %" PRIu64 ", sw %"
			       PRIu64 ", mixed %" PRIu64 ") app bytes %"
			       PRIu64 " errors %" PRIu64 " held %" PRIu64
			       "%s key updates %" PRIu64 " resyncs %" PRIu64
			       "\n", i,
			       k == 0 ? "client" : "server",
			       c->version == 0x0304 ? "1.3" : "1.2", c->suite,
			       !c->have_keys ? "no keys" :
			       !c->cipher_ok ? "unsupported suite" :
			       !d->have_app ? "no application keys" :
			       d->placement == DPSEC_PLACE_SW ? "sw" : "nic",
			       done && d->placement == DPSEC_PLACE_SW ? " (" : "",
			       done && d->placement == DPSEC_PLACE_SW ?
			       dpsec_place_reason_str(d->reason) : "",
			       done && d->placement == DPSEC_PLACE_SW ? ")" : "",
			       d->records, d->rec_how[DPSEC_TLS_DECRYPTED],
			       d->rec_how[DPSEC_TLS_ENCRYPTED],
			       d->rec_how[DPSEC_TLS_MIXED], d->app_bytes,
			       d->errors, d->held_max,
			       d->nb_hold ? " (segments missing)" : "",
			       d->key_updates,
			       st.rx_resync_hints + st.rx_resync_ok);
			if (tx && d->app_bytes != 0)
				printf("conn %u %s: sent again %s (%s), %" PRIu64
				       " segments%s\n", i,
				       k == 0 ? "client" : "server",
				       d->tx_nic ? "nic" : "sw",
				       d->tx_nic ? "TLS engine" :
				       dpsec_place_reason_str(d->tx_reason),
				       d->tx_segs, d->tx_done ? "" :
				       " (incomplete)");
			if (d->errors || d->nb_hold || !done)
				fail = 1;
			if (d->out != NULL)
				fclose(d->out);
			for (unsigned int j = 0; j < d->nb_hold; j++)
				rte_pktmbuf_free(d->hold[j]);
			if (d->tls != NULL)
				dpsec_tls_destroy(ctx, d->tls);
			free(d->stream);
		}
	}
	if (nb_conn == 0) {
		fprintf(stderr, "dpsec-tls-replay: no TCP connection in %s\n",
			pcap_in);
		fail = 1;
	}
	dpsec_free(ctx);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	if (tx) {
		/* Closing the port writes out the pcap. */
		rte_eth_dev_stop(txport);
		rte_eth_dev_close(txport);
	}
	/* Held segments freed, contexts and ports gone: all mbufs back. */
	if (!demo_pool_back(pool, "mbufs"))
		fail = 1;
	rte_mempool_free(pool);
	demo_eal_cleanup(&de);
	return fail;
}
