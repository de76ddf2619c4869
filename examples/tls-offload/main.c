/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-tls-server: a TLS echo server on DPDK whose records are protected
 * by dpsec - on the NIC's TLS engine when the port has one and the cipher
 * suits it, in software otherwise (doc/tls_offload.md, "The live example").
 *
 * EXAMPLE-GRADE TCP. The server speaks just enough TCP to serve a real
 * client (the kernel's TCP of `openssl s_client`): one connection at a
 * time, IPv4, passive open, in-order delivery (up to 256 segments after
 * a gap wait for it, each answered with a duplicate ACK), a fixed 64 KiB receive
 * window without scaling, the peer's window and MSS respected,
 * retransmission from the first unacknowledged byte on a 200 ms timeout
 * or three duplicate ACKs (go-back-N), FIN both ways, RST on anything it
 * does not understand. No congestion control, SACK, timestamps, options
 * beyond MSS, or RX checksum verification. It answers ARP for its address.
 *
 * TLS: the handshake runs in OpenSSL over memory BIOs (the server's
 * certificate and key from files); the traffic secrets come from OpenSSL's
 * key log callback (TLS 1.3) or the master secret and randoms (TLS 1.2)
 * and go to dpsec: a read context for the client's records and a write
 * context for ours, at the TCP sequence numbers where the record streams
 * start. From then on OpenSSL is not used: every record the client sends
 * comes back in a record of ours with the same data. A TLS 1.3 KeyUpdate
 * from the client changes the read key at its record boundary
 * (dpsec_tls_rekey()); if it requests one, ours follows with a KeyUpdate
 * record and the write key changes after it - on the NIC without leaving
 * it when the NIC can rekey.
 *
 * The port: net_sim_inline wrapping net_af_packet on --iface (the server
 * creates both; the sim adds the TLS engine), so a client on the other end
 * of a veth pair talks to it. --sim-args adds devargs to the sim (fault
 * injection on what the server sends: fault_drop, fault_dup,
 * fault_reorder); --rx-drop P drops that share of the client's data
 * segments after the NIC saw them (a loss the NIC cannot know of: its
 * stream then runs ahead and resyncs).
 *
 *   dpsec-tls-server [EAL args] -- --iface IF --ip A.B.C.D --cert F --key F
 *       [--port N] [--offload auto|none] [--tx-resync dump|sw]
 *       [--rx-resync hint|device] [--rx-drop P] [--sim-args DEVARGS]
 *       [--conns N] [--seconds N] [--seed N]
 *
 * After each connection one line "conn N: ..." with what went through
 * the NIC and software; at exit the port's TLS counters and the mbuf
 * check. Exit status 0 when every connection ended cleanly (FIN both ways
 * after the client's close_notify or FIN) and all mbufs came back.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "demo_common.h"
#include "dpsec.h"
#include "dpsec_tls.h"

enum {
	NB_MBUF = 8191,
	BURST = 32,
	RECS = 64,
	SBUF_CAP = 8 << 20,		/* send buffer per connection */
	SBUF_LOW = 256 << 10,		/* under this free: stop reading */
	RCV_WND = 65535,
	RTO_MS = 200,
	MSS_DEFAULT = 536,
	HS_MAX = 256 << 10,		/* handshake bytes from the client */
	OOO_MAX = 256,			/* segments kept after a gap */
};

enum conn_state {
	C_FREE = 0,
	C_SYN_RCVD,		/* SYN-ACK sent */
	C_HANDSHAKE,		/* TLS handshake in OpenSSL */
	C_TLS,			/* records through dpsec */
	C_CLOSING,		/* our FIN sent, waiting for its ACK */
};

struct conn {
	enum conn_state state;
	unsigned int id;
	struct rte_ether_addr peer_mac;
	uint32_t peer_ip;		/* network order */
	uint16_t peer_port;		/* host order */
	uint32_t iss, irs, snd_una, snd_nxt, snd_max, rcv_nxt;
	uint32_t peer_wnd;
	uint16_t mss;
	unsigned int dupacks;
	uint64_t rto_at;		/* TSC; 0: no timer */
	/* Send buffer: bytes [sbuf_seq, sbuf_seq + sbuf_len) of our
	 * stream, kept until acknowledged (dpsec's tx_read reads it). */
	uint8_t *sbuf;
	uint32_t sbuf_seq;
	uint32_t sbuf_len;
	bool fin_rcvd, fin_queued;
	uint32_t fin_seq;		/* our FIN's sequence number */
	bool close_notify;		/* the client's close_notify came */
	/* TLS */
	SSL *ssl;
	BIO *rbio, *wbio;
	uint32_t hs_in;			/* handshake bytes received */
	struct dpsec_tls *tx, *rx;
	uint32_t tls_tx_seq;		/* where our record stream starts */
	enum dpsec_tls_version ver;
	enum dpsec_cipher cipher;
	const char *suite;
	uint8_t csec[48], ssec[48];	/* TLS 1.3 traffic secrets */
	uint16_t sec_len;
	bool have_csec, have_ssec;
	/* segments after a gap, by sequence number */
	struct ooo_seg {
		struct rte_mbuf *m;
		uint32_t seq, len;
		uint16_t ihl, thl;
	} ooo_q[OOO_MAX];
	unsigned int nb_ooo;
	/* counters */
	uint64_t bytes, recs_in, recs_out, how[3], ku_rx, ku_tx;
	uint64_t rx_dropped, ooo, retx_timeouts, fast_retx;
};

static struct {
	uint16_t port;
	struct rte_ether_addr mac;
	uint32_t ip;			/* network order */
	uint16_t tcp_port;
	struct rte_mempool *mp;
	struct dpsec_ctx *dctx;
	SSL_CTX *ssl_ctx;
	enum dpsec_offload offload;
	enum dpsec_tls_tx_resync tx_resync;
	enum dpsec_tls_rx_resync rx_resync;
	double rx_drop;
	unsigned long conns_max, seconds;
	uint64_t seed;
	bool tx_cksum;			/* the port computes TCP checksums */
	struct conn c;
	unsigned int nb_conns, nb_clean, nb_failed;
	uint64_t hz;
} srv = {
	.tcp_port = 4433,
	.offload = DPSEC_OFFLOAD_AUTO,
	.tx_resync = DPSEC_TLS_TX_RESYNC_DUMP,
	.rx_resync = DPSEC_TLS_RX_RESYNC_DEVICE,
	.seed = 1,
};

static const char *const how_name[3] = { "nic", "sw", "mixed" };

/* A uniform double in [0, 1) from DPDK's PRNG (seeded by --seed). */
static double
rnd01(void)
{
	return (double)(rte_rand() >> 11) / (double)(UINT64_C(1) << 53);
}

/* ------------------------------------------------------------ output */

/*
 * A TCP segment from us to the peer: @len payload bytes from @data (may
 * be NULL for none), @flags, our @seq. IPv4 and TCP checksums by the
 * port when it can (always after the NIC encrypted), else here.
 */
static struct rte_mbuf *
seg_new(const struct conn *c, uint32_t seq, const uint8_t *data,
	uint32_t len, uint8_t flags, bool syn_opt)
{
	const uint16_t l3 = sizeof(struct rte_ipv4_hdr);
	const uint16_t l4 = sizeof(struct rte_tcp_hdr) + (syn_opt ? 4 : 0);
	struct rte_mbuf *m = rte_pktmbuf_alloc(srv.mp);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(RTE_ETHER_HDR_LEN +
					  l3 + l4 + len));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, RTE_ETHER_HDR_LEN + l3 + l4);
	eh = (struct rte_ether_hdr *)p;
	eh->src_addr = srv.mac;
	eh->dst_addr = c->peer_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 + len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = srv.ip;
	ip->dst_addr = c->peer_ip;
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	tcp->src_port = rte_cpu_to_be_16(srv.tcp_port);
	tcp->dst_port = rte_cpu_to_be_16(c->peer_port);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(c->rcv_nxt);
	tcp->data_off = (uint8_t)((l4 / 4) << 4);
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(RCV_WND);
	if (syn_opt) {
		uint8_t *o = (uint8_t *)(tcp + 1);

		o[0] = 2;	/* MSS */
		o[1] = 4;
		o[2] = (uint8_t)(1460 >> 8);
		o[3] = (uint8_t)(1460 & 0xff);
	}
	if (len > 0)
		memcpy(p + RTE_ETHER_HDR_LEN + l3 + l4, data, len);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = l3;
	m->l4_len = l4;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* Checksum a segment as it goes out: the NIC's work when it can (it sums
 * the payload after it encrypts it), else over the bytes as they are. */
static void
seg_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, m->l2_len);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)((uint8_t *)ip +
							 m->l3_len);

	tcp->cksum = 0;
	if (srv.tx_cksum) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		tcp->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		tcp->cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip,
					m->l2_len + m->l3_len);
	}
}

static void
xmit(struct rte_mbuf *m)
{
	uint16_t tries = 0;

	while (rte_eth_tx_burst(srv.port, 0, &m, 1) == 0) {
		if (++tries == 1000) {
			rte_pktmbuf_free(m);
			return;
		}
		rte_delay_us_sleep(10);
	}
}

static void
send_ctl(struct conn *c, uint32_t seq, uint8_t flags)
{
	struct rte_mbuf *m = seg_new(c, seq, NULL, 0, flags,
				     (flags & RTE_TCP_SYN_FLAG) != 0);

	if (m == NULL)
		return;
	seg_cksum(m);
	xmit(m);
}

static void
send_ack(struct conn *c)
{
	send_ctl(c, c->snd_nxt, RTE_TCP_ACK_FLAG);
}

/* dpsec's tx_read: our record stream as we framed it. */
static int
tx_read(void *arg, uint32_t seq, uint8_t *buf, uint32_t len)
{
	struct conn *c = arg;
	uint32_t off = seq - c->sbuf_seq;

	if (off > c->sbuf_len || len > c->sbuf_len - off)
		return -1;
	memcpy(buf, c->sbuf + off, len);
	return 0;
}

/*
 * Send what the window allows from snd_nxt on: handshake bytes as they
 * are, record bytes through dpsec (sealed in software or marked for the
 * NIC); a segment never spans the two. Then our FIN when all is sent.
 */
static void
tcp_output(struct conn *c)
{
	uint32_t end = c->sbuf_seq + c->sbuf_len;

	while ((int32_t)(end - c->snd_nxt) > 0) {
		uint32_t inflight = c->snd_nxt - c->snd_una;
		uint32_t len = RTE_MIN((uint32_t)c->mss, end - c->snd_nxt);
		struct rte_mbuf *m;
		bool tls;

		if (inflight >= c->peer_wnd)
			break;
		len = RTE_MIN(len, c->peer_wnd - inflight);
		tls = c->tx != NULL && (int32_t)(c->snd_nxt - c->tls_tx_seq) >= 0;
		if (!tls && c->tx != NULL &&
		    (int32_t)(c->snd_nxt + len - c->tls_tx_seq) > 0)
			len = c->tls_tx_seq - c->snd_nxt;
		m = seg_new(c, c->snd_nxt, c->sbuf + (c->snd_nxt - c->sbuf_seq),
			    len, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, false);
		if (m == NULL)
			break;
		if (tls && dpsec_tls_tx(c->tx, &m, 1) != 1) {
			/* Counted by dpsec with its reason; the timer
			 * sends it again. */
			fprintf(stderr, "conn %u: segment %u+%u not sent: %s\n",
				c->id, c->snd_nxt - c->iss, len,
				dpsec_reason_str(dpsec_mbuf_reason(m)));
			rte_pktmbuf_free(m);
			c->snd_nxt += len;
			if ((int32_t)(c->snd_nxt - c->snd_max) > 0)
				c->snd_max = c->snd_nxt;
			continue;
		}
		seg_cksum(m);
		xmit(m);
		c->snd_nxt += len;
		if ((int32_t)(c->snd_nxt - c->snd_max) > 0)
			c->snd_max = c->snd_nxt;
		if (c->rto_at == 0)
			c->rto_at = rte_get_tsc_cycles() + srv.hz * RTO_MS / 1000;
	}
	if (c->fin_queued && c->snd_nxt == end) {
		send_ctl(c, c->snd_nxt, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
		c->fin_seq = c->snd_nxt;
		c->snd_nxt++;
		if ((int32_t)(c->snd_nxt - c->snd_max) > 0)
			c->snd_max = c->snd_nxt;
		c->state = C_CLOSING;
		if (c->rto_at == 0)
			c->rto_at = rte_get_tsc_cycles() + srv.hz * RTO_MS / 1000;
	}
}

/* Room for @n more bytes at the end of the send buffer (moving out what
 * was acknowledged); false if there is none. */
static bool
sbuf_room(struct conn *c, uint32_t n)
{
	uint32_t acked = c->snd_una - c->sbuf_seq;

	if (c->state == C_SYN_RCVD || (int32_t)acked < 0)
		acked = 0;
	acked = RTE_MIN(acked, c->sbuf_len);
	if (SBUF_CAP - c->sbuf_len < n && acked > 0) {
		memmove(c->sbuf, c->sbuf + acked, c->sbuf_len - acked);
		c->sbuf_seq += acked;
		c->sbuf_len -= acked;
	}
	return SBUF_CAP - c->sbuf_len >= n;
}

/* Frame one record of ours (dpsec_tls_record_frame()) with @len bytes
 * from @data into the send buffer. */
static int
record_queue(struct conn *c, enum dpsec_tls_type type, const uint8_t *data,
	     uint16_t len)
{
	uint32_t rlen = dpsec_tls_record_len(c->tx, len, 0);
	int off;

	if (!sbuf_room(c, rlen))
		return -ENOBUFS;
	off = dpsec_tls_record_frame(c->tx, c->sbuf + c->sbuf_len, type, len,
				     0);
	if (off <= 0)
		return -EINVAL;
	memcpy(c->sbuf + c->sbuf_len + off, data, len);
	c->sbuf_len += rlen;
	c->recs_out++;
	return 0;
}

/* ------------------------------------------------------------ TLS keys */

static enum dpsec_cipher
cipher_of(const SSL_CIPHER *sc)
{
	switch (SSL_CIPHER_get_cipher_nid(sc)) {
	case NID_aes_128_gcm:
		return DPSEC_CIPHER_AES_GCM_128;
	case NID_aes_256_gcm:
		return DPSEC_CIPHER_AES_GCM_256;
	case NID_chacha20_poly1305:
		return DPSEC_CIPHER_CHACHA20_POLY1305;
	default:
		return DPSEC_CIPHER_NULL;
	}
}

static uint16_t
key_len_of(enum dpsec_cipher c)
{
	return c == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
}

/* OpenSSL's key log callback: keep the TLS 1.3 application secrets. */
static void
keylog_cb(const SSL *ssl, const char *line)
{
	struct conn *c = SSL_get_app_data(ssl);
	struct dpsec_tls_keylog kl;

	if (c == NULL || dpsec_tls_keylog_parse(line, &kl) != 0 ||
	    kl.secret_len > sizeof(c->csec))
		return;
	if (kl.label == DPSEC_KEYLOG_CLIENT_TRAFFIC_SECRET_0) {
		memcpy(c->csec, kl.secret, kl.secret_len);
		c->sec_len = kl.secret_len;
		c->have_csec = true;
	} else if (kl.label == DPSEC_KEYLOG_SERVER_TRAFFIC_SECRET_0) {
		memcpy(c->ssec, kl.secret, kl.secret_len);
		c->sec_len = kl.secret_len;
		c->have_ssec = true;
	}
	OPENSSL_cleanse(&kl, sizeof(kl));
}

static void
tls_conf_base(const struct conn *c, struct dpsec_tls_conf *tc, bool rx)
{
	memset(tc, 0, sizeof(*tc));
	tc->ver = c->ver;
	tc->type = rx ? DPSEC_TLS_READ : DPSEC_TLS_WRITE;
	tc->cipher = c->cipher;
	tc->local.family = 4;
	tc->local.v4 = srv.ip;
	tc->remote.family = 4;
	tc->remote.v4 = c->peer_ip;
	tc->local_port = srv.tcp_port;
	tc->remote_port = c->peer_port;
	tc->port_id = srv.port;
	tc->offload = srv.offload;
	tc->userdata = c->id;
	if (rx) {
		tc->rx_resync = srv.rx_resync;
	} else {
		tc->tx_resync = srv.tx_resync;
		tc->tx_read = tx_read;
		tc->tx_read_arg = (void *)(uintptr_t)c;
		tc->tx_sw_threshold = 20;
	}
}

/*
 * The handshake is done: the contexts of both directions, our record
 * stream from the end of the send buffer, the client's from @rx_seq (its
 * first byte OpenSSL has not read).
 */
static int
tls_start(struct conn *c, uint32_t rx_seq)
{
	uint8_t ckey[32], skey[32], civ[12], siv[12];
	struct dpsec_tls_conf tc;
	uint64_t seq0;
	int rc = -EINVAL;

	c->cipher = cipher_of(SSL_get_current_cipher(c->ssl));
	c->suite = SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl));
	c->ver = SSL_version(c->ssl) == TLS1_3_VERSION ?
		 DPSEC_TLS_VERSION_1_3 : DPSEC_TLS_VERSION_1_2;
	if (c->cipher == DPSEC_CIPHER_NULL) {
		fprintf(stderr, "conn %u: suite %s is not an AEAD dpsec has\n",
			c->id, c->suite);
		return -ENOTSUP;
	}
	memset(civ, 0, sizeof(civ));
	memset(siv, 0, sizeof(siv));
	if (c->ver == DPSEC_TLS_VERSION_1_3) {
		if (!c->have_csec || !c->have_ssec ||
		    dpsec_tls13_keys(c->cipher, c->csec, c->sec_len, ckey,
				     civ) != 0 ||
		    dpsec_tls13_keys(c->cipher, c->ssec, c->sec_len, skey,
				     siv) != 0)
			goto out;
		seq0 = 0;
	} else {
		struct dpsec_tls12_keys k;
		uint8_t ms[48], cr[32], sr[32];
		SSL_SESSION *ss = SSL_get_session(c->ssl);

		if (ss == NULL ||
		    SSL_SESSION_get_master_key(ss, ms, sizeof(ms)) != 48 ||
		    SSL_get_client_random(c->ssl, cr, sizeof(cr)) != 32 ||
		    SSL_get_server_random(c->ssl, sr, sizeof(sr)) != 32 ||
		    dpsec_tls12_keys(c->cipher, ms, cr, sr, &k) != 0) {
			OPENSSL_cleanse(ms, sizeof(ms));
			goto out;
		}
		OPENSSL_cleanse(ms, sizeof(ms));
		memcpy(ckey, k.client_key, k.key_len);
		memcpy(skey, k.server_key, k.key_len);
		memcpy(civ, k.client_iv, k.iv_len);
		memcpy(siv, k.server_iv, k.iv_len);
		OPENSSL_cleanse(&k, sizeof(k));
		seq0 = 1;	/* each side's Finished was record 0 */
	}
	tls_conf_base(c, &tc, true);
	tc.key = ckey;
	tc.key_len = key_len_of(c->cipher);
	memcpy(tc.imp_nonce, civ, sizeof(civ));
	tc.seq_no = seq0;
	tc.tcp_seq = rx_seq;
	c->rx = dpsec_tls_create(srv.dctx, &tc);
	if (c->rx == NULL) {
		rc = -rte_errno;
		goto out;
	}
	c->tls_tx_seq = c->sbuf_seq + c->sbuf_len;
	tls_conf_base(c, &tc, false);
	tc.key = skey;
	tc.key_len = key_len_of(c->cipher);
	memcpy(tc.imp_nonce, siv, sizeof(siv));
	tc.seq_no = seq0;
	tc.tcp_seq = c->tls_tx_seq;
	c->tx = dpsec_tls_create(srv.dctx, &tc);
	if (c->tx == NULL) {
		rc = -rte_errno;
		goto out;
	}
	c->state = C_TLS;
	rc = 0;
out:
	OPENSSL_cleanse(ckey, sizeof(ckey));
	OPENSSL_cleanse(skey, sizeof(skey));
	OPENSSL_cleanse(civ, sizeof(civ));
	OPENSSL_cleanse(siv, sizeof(siv));
	if (rc == -EINVAL)
		fprintf(stderr, "conn %u: no traffic keys from OpenSSL\n",
			c->id);
	return rc;
}

/* TLS 1.3: step a traffic secret and give its keys to @t from @seq on. */
static int
key_update(struct conn *c, struct dpsec_tls *t, uint8_t *secret,
	   uint32_t seq)
{
	uint8_t key[32], iv[12];
	int rc;

	rc = dpsec_tls13_secret_update(c->cipher, secret, c->sec_len);
	if (rc == 0)
		rc = dpsec_tls13_keys(c->cipher, secret, c->sec_len, key, iv);
	if (rc == 0)
		rc = dpsec_tls_rekey(t, key, key_len_of(c->cipher), iv, seq);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	return rc;
}

/* ------------------------------------------------------------ input */

static void conn_end(struct conn *c, bool clean);

static void
conn_abort(struct conn *c, const char *why)
{
	fprintf(stderr, "conn %u: reset: %s\n", c->id, why);
	send_ctl(c, c->snd_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	conn_end(c, false);
}

/* One record of the client's: echo data, follow KeyUpdates, note the
 * close_notify. False when the connection must end. */
static bool
record_in(struct conn *c, struct dpsec_tls_rec *r)
{
	static uint8_t buf[16384];
	struct dpsec_tls_info info;
	uint16_t len = 0;

	if (r->status != 0) {
		fprintf(stderr, "conn %u: record %" PRIu64 " at %u (%s, key "
			"updates so far %" PRIu64 "): %s\n", c->id, r->rec_seq,
			r->tcp_seq - c->irs - 1,
			r->how < 3 ? how_name[r->how] : "?", c->ku_rx,
			strerror(-r->status));
		rte_pktmbuf_free(r->m);
		return false;
	}
	c->recs_in++;
	if (r->how < 3)
		c->how[r->how]++;
	if (r->m != NULL) {
		const void *p = rte_pktmbuf_read(r->m, 0,
			RTE_MIN(r->len, (uint16_t)sizeof(buf)), buf);

		len = RTE_MIN(r->len, (uint16_t)sizeof(buf));
		if (p != buf)
			memcpy(buf, p, len);
		rte_pktmbuf_free(r->m);
		r->m = NULL;
	}
	switch (r->type) {
	case DPSEC_TLS_TYPE_DATA:
		if (len > 0) {
			if (record_queue(c, DPSEC_TLS_TYPE_DATA, buf, len) != 0)
				return false;
			c->bytes += len;
		}
		return true;
	case DPSEC_TLS_TYPE_ALERT:
		if (len >= 2 && buf[1] == 0)	/* close_notify */
			c->close_notify = true;
		else
			fprintf(stderr, "conn %u: alert %u/%u\n", c->id,
				len > 0 ? buf[0] : 0, len > 1 ? buf[1] : 0);
		return len >= 2 && buf[1] == 0;
	case DPSEC_TLS_TYPE_HANDSHAKE:
		/* TLS 1.3 KeyUpdate (RFC 8446 §4.6.3): 24, length 1, flag */
		if (c->ver != DPSEC_TLS_VERSION_1_3 || len != 5 ||
		    buf[0] != 24 || buf[1] != 0 || buf[2] != 0 || buf[3] != 1 ||
		    buf[4] > 1) {
			fprintf(stderr, "conn %u: handshake message %u after "
				"the handshake\n", c->id, len > 0 ? buf[0] : 0);
			return false;
		}
		if (dpsec_tls_info(c->rx, &info) != 0 ||
		    info.state != DPSEC_TLS_KEY_WAIT ||
		    key_update(c, c->rx, c->csec, info.next_tcp_seq) != 0) {
			fprintf(stderr, "conn %u: KeyUpdate: read key not "
				"changed\n", c->id);
			return false;
		}
		c->ku_rx++;
		if (buf[4] == 1) {
			/* update_requested: ours, then our new key. */
			static const uint8_t ku[5] = { 24, 0, 0, 1, 0 };

			if (record_queue(c, DPSEC_TLS_TYPE_HANDSHAKE, ku,
					 sizeof(ku)) != 0 ||
			    key_update(c, c->tx, c->ssec,
				       c->sbuf_seq + c->sbuf_len) != 0) {
				fprintf(stderr, "conn %u: KeyUpdate: write key "
					"not changed\n", c->id);
				return false;
			}
			c->ku_tx++;
		}
		return true;
	default:
		fprintf(stderr, "conn %u: record type %u\n", c->id, r->type);
		return false;
	}
}

static bool
records_take(struct conn *c, struct rte_mbuf *m)
{
	struct dpsec_tls_rec recs[RECS];
	uint16_t n;
	uint64_t ku;

	do {
		ku = c->ku_rx;
		n = dpsec_tls_rx(c->rx, m != NULL ? &m : NULL, m != NULL, recs,
				 RECS);
		m = NULL;
		for (uint16_t i = 0; i < n; i++)
			if (!record_in(c, &recs[i])) {
				for (uint16_t j = i + 1; j < n; j++)
					rte_pktmbuf_free(recs[j].m);
				return false;
			}
		/* Full, or a KeyUpdate: the context holds more. */
	} while (n == RECS || c->ku_rx != ku);
	return true;
}

static void
place_print(const struct conn *c)
{
	struct dpsec_tls_info ri, ti;

	if (dpsec_tls_info(c->rx, &ri) != 0 || dpsec_tls_info(c->tx, &ti) != 0)
		return;
	printf("conn %u: %s %s: read on %s%s%s, write on %s%s%s\n", c->id,
	       SSL_get_version(c->ssl), c->suite,
	       ri.placement == DPSEC_PLACE_SW ? "software" : "the NIC",
	       ri.placement == DPSEC_PLACE_SW ? ": " : "",
	       ri.placement == DPSEC_PLACE_SW ?
	       dpsec_place_reason_str(ri.place_reason) : "",
	       ti.placement == DPSEC_PLACE_SW ? "software" : "the NIC",
	       ti.placement == DPSEC_PLACE_SW ? ": " : "",
	       ti.placement == DPSEC_PLACE_SW ?
	       dpsec_place_reason_str(ti.place_reason) : "");
}

/* Bytes of the client's stream for the handshake; the rest, if the
 * handshake ends inside them, becomes the first record segment. */
static bool
handshake_in(struct conn *c, const uint8_t *data, uint32_t len)
{
	uint8_t out[4096];
	int rc, n;

	c->hs_in += len;
	if (c->hs_in > HS_MAX || BIO_write(c->rbio, data, (int)len) != (int)len)
		return false;
	rc = SSL_do_handshake(c->ssl);
	while ((n = BIO_read(c->wbio, out, sizeof(out))) > 0) {
		if (!sbuf_room(c, (uint32_t)n))
			return false;
		memcpy(c->sbuf + c->sbuf_len, out, (size_t)n);
		c->sbuf_len += (uint32_t)n;
	}
	if (rc == 1) {
		size_t left = BIO_ctrl_pending(c->rbio);
		uint32_t rx_seq = c->rcv_nxt - (uint32_t)left;

		if (tls_start(c, rx_seq) != 0)
			return false;
		place_print(c);
		if (left > 0) {
			/* Records right behind the Finished: as a segment
			 * of their own, at their sequence number. */
			uint8_t *rest = malloc(left);
			struct rte_mbuf *m;
			struct rte_tcp_hdr *tcp;
			struct rte_ipv4_hdr *ip;
			bool ok;

			if (rest == NULL ||
			    BIO_read(c->rbio, rest, (int)left) != (int)left) {
				free(rest);
				return false;
			}
			m = seg_new(c, rx_seq, rest, (uint32_t)left,
				    RTE_TCP_ACK_FLAG, false);
			free(rest);
			if (m == NULL)
				return false;
			/* From the client to us, as received. */
			ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
						     m->l2_len);
			ip->src_addr = c->peer_ip;
			ip->dst_addr = srv.ip;
			tcp = (struct rte_tcp_hdr *)(ip + 1);
			tcp->src_port = rte_cpu_to_be_16(c->peer_port);
			tcp->dst_port = rte_cpu_to_be_16(srv.tcp_port);
			ok = records_take(c, m);
			return ok;
		}
		return true;
	}
	rc = SSL_get_error(c->ssl, rc);
	if (rc != SSL_ERROR_WANT_READ && rc != SSL_ERROR_WANT_WRITE) {
		unsigned long e = ERR_get_error();

		fprintf(stderr, "conn %u: handshake failed: %s\n", c->id,
			e != 0 ? ERR_error_string(e, NULL) : "(no detail)");
		return false;
	}
	return true;
}

static void
conn_end(struct conn *c, bool clean)
{
	struct dpsec_tls_stats rs, ts;

	if (c->rx != NULL && c->tx != NULL &&
	    dpsec_tls_stats_get(c->rx, &rs) == 0 &&
	    dpsec_tls_stats_get(c->tx, &ts) == 0) {
		printf("conn %u: %s: %" PRIu64 " bytes echoed; read %" PRIu64
		       " records (%s %" PRIu64 ", %s %" PRIu64 ", %s %" PRIu64
		       "), dropped %" PRIu64 ", resync ok %" PRIu64 " hints %" PRIu64
		       ", key updates %" PRIu64 "; wrote %" PRIu64
		       " records (nic %" PRIu64 ", sw %" PRIu64
		       "), retransmitted %" PRIu64 " segments (dumps %" PRIu64
		       ", sw %" PRIu64 "), key updates %" PRIu64
		       "; tcp: %" PRIu64 " segments dropped on purpose, %"
		       PRIu64 " out of order, %" PRIu64 " timeouts, %" PRIu64
		       " fast retransmits\n",
		       c->id, clean ? "closed" : "reset", c->bytes, c->recs_in,
		       how_name[0], c->how[0], how_name[1], c->how[1],
		       how_name[2], c->how[2], rs.dropped, rs.rx_resync_ok,
		       rs.rx_resync_hints, c->ku_rx, c->recs_out,
		       ts.records_nic, ts.records_sw, ts.tx_retransmits,
		       ts.tx_resync_dumps, ts.tx_sw_segments, c->ku_tx,
		       c->rx_dropped, c->ooo, c->retx_timeouts,
		       c->fast_retx);
	}
	if (!clean) {
		struct dpsec_tls_info ri = { 0 };

		if (c->rx != NULL)
			dpsec_tls_info(c->rx, &ri);
		printf("conn %u: at the end: %u bytes sent and acknowledged "
		       "of %u framed, %u in flight; %u received, the read "
		       "context at %u (state %d)\n", c->id,
		       c->snd_una - c->iss - 1, c->sbuf_seq + c->sbuf_len -
		       c->iss - 1, c->snd_max - c->snd_una,
		       c->rcv_nxt - c->irs - 1, ri.next_tcp_seq - c->irs - 1,
		       (int)ri.state);
	}
	for (unsigned int i = 0; i < c->nb_ooo; i++)
		rte_pktmbuf_free(c->ooo_q[i].m);
	if (c->rx != NULL)
		dpsec_tls_destroy(srv.dctx, c->rx);
	if (c->tx != NULL)
		dpsec_tls_destroy(srv.dctx, c->tx);
	if (c->ssl != NULL)
		SSL_free(c->ssl);	/* frees its BIOs */
	OPENSSL_cleanse(c->csec, sizeof(c->csec));
	OPENSSL_cleanse(c->ssec, sizeof(c->ssec));
	free(c->sbuf);
	memset(c, 0, sizeof(*c));
	if (clean)
		srv.nb_clean++;
	else
		srv.nb_failed++;
}

static void
syn_in(struct conn *c, const struct rte_ether_hdr *eh,
       const struct rte_ipv4_hdr *ip, const struct rte_tcp_hdr *tcp)
{
	const uint8_t *o = (const uint8_t *)(tcp + 1);
	unsigned int olen = ((tcp->data_off >> 4) * 4u) - sizeof(*tcp);

	memset(c, 0, sizeof(*c));
	c->id = ++srv.nb_conns;
	c->peer_mac = eh->src_addr;
	c->peer_ip = ip->src_addr;
	c->peer_port = rte_be_to_cpu_16(tcp->src_port);
	c->irs = rte_be_to_cpu_32(tcp->sent_seq);
	c->rcv_nxt = c->irs + 1;
	c->iss = (uint32_t)rte_rand();
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->snd_nxt;
	c->sbuf_seq = c->iss + 1;
	c->peer_wnd = rte_be_to_cpu_16(tcp->rx_win);
	c->mss = MSS_DEFAULT;
	for (unsigned int i = 0; i + 1 < olen;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i + 1] < 2 || i + o[i + 1] > olen)
			break;
		if (o[i] == 2 && o[i + 1] == 4)
			c->mss = (uint16_t)RTE_MIN((o[i + 2] << 8 | o[i + 3]),
						   1460);
		i += o[i + 1];
	}
	c->sbuf = malloc(SBUF_CAP);
	c->ssl = SSL_new(srv.ssl_ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->sbuf == NULL || c->ssl == NULL || c->rbio == NULL ||
	    c->wbio == NULL) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		c->rbio = c->wbio = NULL;
		conn_abort(c, "out of memory");
		return;
	}
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_app_data(c->ssl, c);
	SSL_set_accept_state(c->ssl);
	c->state = C_SYN_RCVD;
	send_ctl(c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	c->rto_at = rte_get_tsc_cycles() + srv.hz * RTO_MS / 1000;
	printf("conn %u: from %u.%u.%u.%u:%u\n", c->id,
	       ((const uint8_t *)&c->peer_ip)[0],
	       ((const uint8_t *)&c->peer_ip)[1],
	       ((const uint8_t *)&c->peer_ip)[2],
	       ((const uint8_t *)&c->peer_ip)[3], c->peer_port);
}

/* The acknowledgement field of a segment. */
static void
ack_in(struct conn *c, uint32_t ack, uint32_t wnd, bool has_data)
{
	if ((int32_t)(ack - c->snd_una) > 0 &&
	    (int32_t)(ack - c->snd_max) <= 0) {
		c->snd_una = ack;
		if ((int32_t)(ack - c->snd_nxt) > 0)
			c->snd_nxt = ack;	/* sent before a go-back */
		c->dupacks = 0;
		c->rto_at = c->snd_una == c->snd_max ? 0 :
			    rte_get_tsc_cycles() + srv.hz * RTO_MS / 1000;
		if (c->tx != NULL && (int32_t)(ack - c->tls_tx_seq) > 0)
			dpsec_tls_tx_ack(c->tx, ack);
	} else if (ack == c->snd_una && !has_data &&
		   c->snd_una != c->snd_max && wnd == c->peer_wnd) {
		if (++c->dupacks == 3) {
			c->fast_retx++;
			c->snd_nxt = c->snd_una;
		}
	}
	c->peer_wnd = wnd;
}

/* Keep a segment that came after a gap, in sequence order; false if it
 * is already there or there is no room. */
static bool
ooo_add(struct conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len,
	uint16_t ihl, uint16_t thl)
{
	unsigned int i;

	if (c->nb_ooo == OOO_MAX || len == 0 ||
	    (int32_t)(seq - c->rcv_nxt) >= RCV_WND)
		return false;
	for (i = 0; i < c->nb_ooo; i++) {
		if (c->ooo_q[i].seq == seq)
			return false;
		if ((int32_t)(seq - c->ooo_q[i].seq) < 0)
			break;
	}
	memmove(&c->ooo_q[i + 1], &c->ooo_q[i],
		(c->nb_ooo - i) * sizeof(c->ooo_q[0]));
	c->ooo_q[i] = (struct ooo_seg){ .m = m, .seq = seq, .len = len,
					.ihl = ihl, .thl = thl };
	c->nb_ooo++;
	return true;
}

/* In-order data (starting at or before rcv_nxt, ending after it) to
 * OpenSSL or dpsec. Takes @m. False if the connection ended. */
static bool
data_in(struct conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len,
	uint16_t ihl, uint16_t thl)
{
	uint32_t skip = c->rcv_nxt - seq;	/* overlap */
	bool ok = true;

	c->rcv_nxt = seq + len;
	if (c->state == C_HANDSHAKE) {
		uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *,
			RTE_ETHER_HDR_LEN + ihl + thl);

		ok = handshake_in(c, p + skip, len - skip);
		rte_pktmbuf_free(m);
		if (!ok)
			conn_abort(c, "TLS handshake");
		return ok;
	}
	if (c->state != C_TLS) {
		rte_pktmbuf_free(m);
		return true;
	}
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = ihl;
	m->l4_len = thl;
	if (!records_take(c, m)) {		/* dpsec took it */
		conn_abort(c, "TLS records");
		return false;
	}
	return true;
}

static void
tcp_in(struct rte_mbuf *m, struct rte_ether_hdr *eh, struct rte_ipv4_hdr *ip)
{
	struct conn *c = &srv.c;
	uint16_t ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)((uint8_t *)ip + ihl);
	uint16_t thl = (uint16_t)((tcp->data_off >> 4) * 4);
	uint16_t iplen = rte_be_to_cpu_16(ip->total_length);
	uint32_t seq, len;
	uint8_t fl = tcp->tcp_flags;

	if (rte_be_to_cpu_16(tcp->dst_port) != srv.tcp_port ||
	    thl < sizeof(*tcp) || iplen < ihl + thl ||
	    rte_pktmbuf_pkt_len(m) < RTE_ETHER_HDR_LEN + (uint32_t)iplen)
		goto drop;
	/* Ethernet padding off. */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) -
				       RTE_ETHER_HDR_LEN - iplen));
	seq = rte_be_to_cpu_32(tcp->sent_seq);
	len = (uint32_t)(iplen - ihl - thl);
	if (c->state == C_FREE || c->peer_ip != ip->src_addr ||
	    c->peer_port != rte_be_to_cpu_16(tcp->src_port)) {
		if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
		    RTE_TCP_SYN_FLAG && c->state == C_FREE &&
		    srv.nb_conns < srv.conns_max) {
			syn_in(c, eh, ip, tcp);
		} else if (!(fl & RTE_TCP_RST_FLAG)) {
			/* Another connection while one is served: no. */
			struct conn tmp = { .peer_mac = eh->src_addr,
				.peer_ip = ip->src_addr,
				.peer_port = rte_be_to_cpu_16(tcp->src_port),
				.rcv_nxt = seq + len +
					   ((fl & RTE_TCP_SYN_FLAG) ? 1 : 0) };

			send_ctl(&tmp, (fl & RTE_TCP_ACK_FLAG) ?
				 rte_be_to_cpu_32(tcp->recv_ack) : 0,
				 RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
		}
		goto drop;
	}
	if (fl & RTE_TCP_RST_FLAG) {
		/* After its FIN, a client that has closed resets what we
		 * still send (our close_notify resent after a loss): the
		 * exchange is complete. */
		if (!c->fin_rcvd)
			fprintf(stderr, "conn %u: reset by the client\n", c->id);
		conn_end(c, c->fin_rcvd);
		goto drop;
	}
	if (fl & RTE_TCP_SYN_FLAG) {
		/* Our SYN-ACK was lost: again. */
		if (c->state == C_SYN_RCVD)
			send_ctl(c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		goto drop;
	}
	if (!(fl & RTE_TCP_ACK_FLAG))
		goto drop;
	if (c->state == C_SYN_RCVD) {
		if (rte_be_to_cpu_32(tcp->recv_ack) != c->iss + 1)
			goto drop;
		c->state = C_HANDSHAKE;
		c->snd_una = c->iss + 1;
		c->rto_at = 0;
	}
	ack_in(c, rte_be_to_cpu_32(tcp->recv_ack),
	       rte_be_to_cpu_16(tcp->rx_win), len > 0);
	if (c->state == C_CLOSING && c->snd_una == c->snd_max &&
	    c->fin_rcvd) {
		conn_end(c, c->close_notify || c->fin_rcvd);
		goto drop;
	}
	if (len == 0 && !(fl & RTE_TCP_FIN_FLAG))
		goto out;
	if (len > 0 && c->state == C_TLS && srv.rx_drop > 0 &&
	    rnd01() < srv.rx_drop) {
		c->rx_dropped++;		/* a loss after the NIC */
		goto drop;
	}
	if ((int32_t)(seq + len - c->rcv_nxt) <= 0 &&
	    !((fl & RTE_TCP_FIN_FLAG) && seq + len == c->rcv_nxt &&
	      !c->fin_rcvd)) {
		send_ack(c);			/* old: a duplicate */
		goto drop;
	}
	if (len > 0 && SBUF_CAP - c->sbuf_len < SBUF_LOW &&
	    !sbuf_room(c, SBUF_LOW))
		goto drop;			/* no room to echo: later */
	if ((int32_t)(seq - c->rcv_nxt) > 0) {
		/* After a gap: kept until it is filled (without a FIN),
		 * and a duplicate ACK for the sender's fast retransmit. */
		c->ooo++;
		if (!(fl & RTE_TCP_FIN_FLAG) && ooo_add(c, m, seq, len, ihl,
							thl))
			m = NULL;
		send_ack(c);
		goto drop;
	}
	if (len > 0) {
		struct ooo_seg o;

		if (!data_in(c, m, seq, len, ihl, thl))
			return;
		m = NULL;
		/* What waited behind the gap. */
		while (c->nb_ooo > 0 &&
		       (int32_t)(c->ooo_q[0].seq - c->rcv_nxt) <= 0) {
			o = c->ooo_q[0];
			memmove(&c->ooo_q[0], &c->ooo_q[1],
				(c->nb_ooo - 1) * sizeof(o));
			c->nb_ooo--;
			if ((int32_t)(o.seq + o.len - c->rcv_nxt) <= 0) {
				rte_pktmbuf_free(o.m);
				continue;
			}
			if (!data_in(c, o.m, o.seq, o.len, o.ihl, o.thl))
				return;
		}
	}
	if ((fl & RTE_TCP_FIN_FLAG) && !c->fin_rcvd) {
		c->fin_rcvd = true;
		c->rcv_nxt++;
		if (c->tx != NULL && c->close_notify) {
			static const uint8_t cn[2] = { 1, 0 };

			record_queue(c, DPSEC_TLS_TYPE_ALERT, cn, sizeof(cn));
		}
		c->fin_queued = true;
	}
	send_ack(c);
out:
	if (c->state != C_FREE)
		tcp_output(c);
drop:
	rte_pktmbuf_free(m);
}

static void
arp_in(struct rte_mbuf *m, struct rte_ether_hdr *eh)
{
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);

	if (rte_pktmbuf_pkt_len(m) < sizeof(*eh) + sizeof(*a) ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    a->arp_data.arp_tip != srv.ip) {
		rte_pktmbuf_free(m);
		return;
	}
	/* The request becomes the reply. */
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = srv.mac;
	a->arp_data.arp_sip = srv.ip;
	eh->dst_addr = eh->src_addr;
	eh->src_addr = srv.mac;
	m->ol_flags = 0;
	xmit(m);
}

static void
pkt_in(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*ip) + 20) {
		if (rte_pktmbuf_data_len(m) >= sizeof(*eh) &&
		    eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			arp_in(m, eh);
		else
			rte_pktmbuf_free(m);
		return;
	}
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		arp_in(m, eh);
		return;
	}
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5 ||
	    ip->dst_addr != srv.ip || ip->next_proto_id != IPPROTO_TCP ||
	    (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						    RTE_IPV4_HDR_OFFSET_MASK)) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eh) +
	    (ip->version_ihl & 0xf) * 4u + 20) {
		rte_pktmbuf_free(m);
		return;
	}
	tcp_in(m, eh, ip);
}

static void
timers(void)
{
	struct conn *c = &srv.c;

	if (c->state == C_FREE || c->rto_at == 0 ||
	    rte_get_tsc_cycles() < c->rto_at)
		return;
	c->retx_timeouts++;
	c->dupacks = 0;
	if (c->state == C_SYN_RCVD) {
		send_ctl(c, c->iss, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	} else {
		c->snd_nxt = c->snd_una;	/* go-back-N */
		tcp_output(c);
	}
	c->rto_at = rte_get_tsc_cycles() + srv.hz * RTO_MS / 1000;
}

/* ------------------------------------------------------------ setup */

/* The NIC's TLS counters that are not 0 (tls-offload.rst's names), and
 * its injected faults. */
static void
xstats_print(uint16_t port)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *xs;
	int n = rte_eth_xstats_get_names(port, NULL, 0);

	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	xs = calloc((size_t)n, sizeof(*xs));
	if (names != NULL && xs != NULL &&
	    rte_eth_xstats_get_names(port, names, (unsigned int)n) == n &&
	    rte_eth_xstats_get(port, xs, (unsigned int)n) == n) {
		printf("nic port %u:", port);
		for (int i = 0; i < n; i++)
			if (xs[i].value != 0 &&
			    (strstr(names[xs[i].id].name, "_tls_") != NULL ||
			     strstr(names[xs[i].id].name, "_fault_") != NULL))
				printf(" %s %" PRIu64, names[xs[i].id].name,
				       xs[i].value);
		printf("\n");
	}
	free(names);
	free(xs);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- --iface IF --ip A.B.C.D --cert F "
		"--key F\n"
		"    [--port N] [--offload auto|none] [--tx-resync dump|sw]\n"
		"    [--rx-resync hint|device] [--rx-drop P] [--sim-args DEVARGS]\n"
		"    [--conns N] [--seconds N] [--seed N]\n", prog);
}

static int
parse_prob(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0 && v <= 1))
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "ip", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "offload", required_argument, NULL, 'o' },
		{ "tx-resync", required_argument, NULL, 't' },
		{ "rx-resync", required_argument, NULL, 'r' },
		{ "rx-drop", required_argument, NULL, 'd' },
		{ "sim-args", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	static char vd_pkt[256], vd_sim[1024];
	char *vdevs[2] = { vd_pkt, vd_sim };
	const char *iface = NULL, *cert = NULL, *key = NULL, *sim_args = "";
	struct dpsec_ctx_conf cc = { .name = "tls-server",
				     .socket_id = SOCKET_ID_ANY, .max_sa = 4 };
	struct dpsec_tls_port_stats ps;
	struct rte_eth_dev_info info;
	struct demo_eal de;
	struct in_addr ia;
	uint64_t t_end = 0;
	unsigned long v;
	int opt, ret = 1, i;

	/* The vdevs depend on --iface: find it before EAL starts. */
	for (i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], "--iface") == 0)
			iface = argv[i + 1];
		else if (strcmp(argv[i], "--sim-args") == 0)
			sim_args = argv[i + 1];
	if (iface == NULL || strchr(iface, ',') != NULL ||
	    strchr(sim_args, ' ') != NULL) {
		usage(argv[0]);
		return 2;
	}
	snprintf(vd_pkt, sizeof(vd_pkt),
		 "net_af_packet0,iface=%s,blocksz=4096,framesz=2048,"
		 "framecnt=512,qpairs=1", iface);
	snprintf(vd_sim, sizeof(vd_sim),
		 "net_sim_inline0,wire=port,port=net_af_packet0%s%s",
		 sim_args[0] != '\0' ? "," : "", sim_args);
	if (demo_eal_init(&de, "dpsec-tls-server", argc, argv, vdevs, 2) != 0)
		return 1;
	srv.conns_max = ~0ul;
	optind = 1;
	while ((opt = getopt_long(de.app_argc, de.app_argv, "", lo,
				  NULL)) != -1) {
		switch (opt) {
		case 'i':
		case 's':
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &ia) != 1) {
				fprintf(stderr, "--ip: %s: not an IPv4 "
					"address\n", optarg);
				goto out_eal;
			}
			srv.ip = ia.s_addr;
			break;
		case 'p':
			if (demo_parse_ulong(optarg, 1, 65535, &v) != 0)
				goto bad;
			srv.tcp_port = (uint16_t)v;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "auto") == 0)
				srv.offload = DPSEC_OFFLOAD_AUTO;
			else if (strcmp(optarg, "none") == 0)
				srv.offload = DPSEC_OFFLOAD_NONE;
			else
				goto bad;
			break;
		case 't':
			if (strcmp(optarg, "dump") == 0)
				srv.tx_resync = DPSEC_TLS_TX_RESYNC_DUMP;
			else if (strcmp(optarg, "sw") == 0)
				srv.tx_resync = DPSEC_TLS_TX_RESYNC_SW;
			else
				goto bad;
			break;
		case 'r':
			if (strcmp(optarg, "hint") == 0)
				srv.rx_resync = DPSEC_TLS_RX_RESYNC_HINT;
			else if (strcmp(optarg, "device") == 0)
				srv.rx_resync = DPSEC_TLS_RX_RESYNC_DEVICE;
			else
				goto bad;
			break;
		case 'd':
			if (parse_prob(optarg, &srv.rx_drop) != 0)
				goto bad;
			break;
		case 'n':
			if (demo_parse_ulong(optarg, 1, 1000000,
					     &srv.conns_max) != 0)
				goto bad;
			break;
		case 'S':
			if (demo_parse_ulong(optarg, 1, 86400,
					     &srv.seconds) != 0)
				goto bad;
			break;
		case 'e':
			if (demo_parse_ulong(optarg, 0, ~0ul, &v) != 0)
				goto bad;
			srv.seed = v;
			break;
		default:
			goto bad;
		}
	}
	if (optind != de.app_argc || srv.ip == 0 || cert == NULL ||
	    key == NULL)
		goto bad;
	rte_srand(srv.seed);
	srv.hz = rte_get_tsc_hz();

	srv.ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (srv.ssl_ctx == NULL ||
	    SSL_CTX_use_certificate_chain_file(srv.ssl_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(srv.ssl_ctx, key,
					SSL_FILETYPE_PEM) != 1) {
		fprintf(stderr, "certificate %s / key %s: %s\n", cert, key,
			ERR_error_string(ERR_get_error(), NULL));
		goto out_eal;
	}
	SSL_CTX_set_min_proto_version(srv.ssl_ctx, TLS1_2_VERSION);
	/* AEAD suites only (dpsec's), no tickets or renegotiation: nothing
	 * of OpenSSL's after the handshake. */
	SSL_CTX_set_cipher_list(srv.ssl_ctx,
		"ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL");
	SSL_CTX_set_num_tickets(srv.ssl_ctx, 0);
	SSL_CTX_set_options(srv.ssl_ctx, SSL_OP_NO_TICKET |
			    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_keylog_callback(srv.ssl_ctx, keylog_cb);

	srv.mp = rte_pktmbuf_pool_create("tls_srv", NB_MBUF, 256, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	if (srv.mp == NULL || rte_eth_dev_get_port_by_name("net_sim_inline0",
							   &srv.port) != 0 ||
	    rte_eth_dev_info_get(srv.port, &info) != 0) {
		fprintf(stderr, "no mbuf pool or no port\n");
		goto out_eal;
	}
	srv.tx_cksum = (info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) ==
		(RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	if (demo_port_start(srv.port, srv.mp, 0, srv.tx_cksum ?
			    RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			    RTE_ETH_TX_OFFLOAD_IPV4_CKSUM : 0) != 0 ||
	    rte_eth_macaddr_get(srv.port, &srv.mac) != 0 ||
	    rte_eth_promiscuous_enable(srv.port) != 0) {
		fprintf(stderr, "port %u does not start\n", srv.port);
		goto out_port;
	}
	srv.dctx = dpsec_create(&cc);
	if (srv.dctx == NULL || dpsec_port_attach(srv.dctx, srv.port) != 0) {
		fprintf(stderr, "dpsec: no context\n");
		goto out_port;
	}
	demo_signals_init();
	printf("listening on %s:%u (port %u, TLS offload %s)\n",
	       inet_ntoa((struct in_addr){ .s_addr = srv.ip }), srv.tcp_port,
	       srv.port, srv.offload == DPSEC_OFFLOAD_NONE ? "off" : "auto");
	fflush(stdout);
	if (srv.seconds > 0)
		t_end = rte_get_tsc_cycles() + srv.hz * srv.seconds;
	while (!demo_quit && (t_end == 0 || rte_get_tsc_cycles() < t_end) &&
	       !(srv.nb_conns >= srv.conns_max && srv.c.state == C_FREE)) {
		struct rte_mbuf *pkts[BURST];
		uint16_t n = rte_eth_rx_burst(srv.port, 0, pkts, BURST);

		for (uint16_t k = 0; k < n; k++)
			pkt_in(pkts[k]);
		timers();
		if (n == 0)
			rte_delay_us_sleep(20);
		fflush(stdout);
	}
	if (srv.c.state != C_FREE)
		conn_abort(&srv.c, "server stopping");
	if (dpsec_tls_port_stats_get(srv.dctx, srv.port, &ps) == 0)
		printf("dpsec port %u: tx_tls_encrypted_packets %" PRIu64
		       " tx_tls_ooo %" PRIu64 " rx_tls_decrypted_packets %"
		       PRIu64 " rx_tls_err %" PRIu64 "\n", srv.port,
		       ps.tx_tls_encrypted_packets, ps.tx_tls_ooo,
		       ps.rx_tls_decrypted_packets, ps.rx_tls_err);
	xstats_print(srv.port);
	printf("connections: %u, %u closed cleanly, %u reset\n",
	       srv.nb_conns, srv.nb_clean, srv.nb_failed);
	ret = srv.nb_failed == 0 && srv.nb_clean > 0 ? 0 : 1;
out_port:
	dpsec_free(srv.dctx);
	rte_eth_dev_stop(srv.port);
	rte_eth_dev_close(srv.port);
	if (!demo_pool_back(srv.mp, "mbufs"))
		ret = 1;
	else if (srv.mp != NULL)
		printf("mbufs: all %u back in the pool\n", srv.mp->size);
	rte_mempool_free(srv.mp);
	SSL_CTX_free(srv.ssl_ctx);
	demo_eal_cleanup(&de);
	return ret;
bad:
	usage(argv[0]);
	ret = 2;
out_eal:
	SSL_CTX_free(srv.ssl_ctx);
	demo_eal_cleanup(&de);
	return ret;
}
