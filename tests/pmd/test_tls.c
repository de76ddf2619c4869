/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's TLS record engine through dpsec_driver.h only (the
 * driver's TLS ops and the mbuf marks; no libdpsec), proven against a
 * record layer written here on OpenSSL EVP:
 *  - TX, TLS 1.2/1.3 x AES-128/256-GCM, ChaCha20-Poly1305: records framed
 *    in plaintext (tls_rec.h), cut into segments of 1..1400 bytes (records
 *    across segments, several per segment, headers and tags split), from
 *    a two-mbuf chain, marked for the engine: what port 1 receives opens
 *    with EVP, TCP checksums computed after encryption are good;
 *  - TX under TSO: the segments the port cuts are encrypted in order;
 *  - TX out of sequence: dropped, never in plaintext; unknown hw_id
 *    dropped; resync at a record boundary resumes;
 *  - RX, same matrix: EVP-sealed records arriving in order are decrypted
 *    in place and marked; a tampered record leaves its packets unmarked
 *    with their bytes as sent, and the stream out of sync; a lost segment
 *    puts the context out of sync until resync; packets before the start
 *    sequence pass untouched without losing sync; packets held for a
 *    record whose rest does not come go up untouched after tls_hold_ms;
 *  - the table: caps, -ENOSPC when full, -EEXIST, -ENOTSUP, -ENOENT for a
 *    stale hw_id, max_tls=0 declares nothing and drops marked frames;
 *    xstats; every mbuf back.
 * Contract: dpsec_driver.h, doc/sim_inline.md "TLS record offload".
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "dpsec_driver.h"
#include "eal_fixture.h"
#include "sim_pair.h"
#include "tls_rec.h"

enum {
	STREAM_MAX = 1 << 16,
	MAX_SEGS = 512,
	NB_REC = 10,
	SPORT = 40001,
	DPORT = 443,
	FRAME_MAX = 2048,
};

struct tcase {
	const char *name;
	uint16_t ver;
	uint8_t cipher;		/* enum dpsec_crypto_cipher */
	uint8_t key_len;
	uint8_t family;
};

static const uint8_t tkey[32] = {
	0x4b, 0x31, 0x9e, 0x07, 0xd2, 0x55, 0x61, 0xa8, 0x13, 0xfe, 0x2c,
	0x90, 0x77, 0x3a, 0xb5, 0x0d, 0xe1, 0x48, 0x26, 0x9c, 0x5f, 0x03,
	0xca, 0x71, 0x1e, 0x8b, 0x34, 0xd9, 0x60, 0xf2, 0x0a, 0x87,
};
static const uint8_t tiv[12] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc,
	0xfe,
};

/* Record plaintext lengths: empty, tiny, one segment, the largest. */
static const uint16_t rec_plen[NB_REC] = {
	0, 1, 300, 1500, 16384, 40, 40, 40, 2000, 7,
};
/* Segment payload sizes, in turn: headers, nonces and tags split. */
static const uint16_t seg_cut[] = { 1400, 1, 700, 5, 1200, 16, 1000, 33 };

/* When set, every segment is this long instead (seg_cut). */
static uint16_t fixed_cut;

static struct sim_pair pair;
static struct sim_pair *sp = &pair;

/* The stream of a test: framed plaintext, what goes on the wire, and what
 * the receiving side must see. */
static uint8_t plain[STREAM_MAX], wire[STREAM_MAX], expect[STREAM_MAX];
static uint32_t rec_off[NB_REC + 1];	/* [NB_REC]: stream length */
static struct rte_mbuf *rx[MAX_SEGS];

/* --- The independent record layer (OpenSSL EVP) ------------------------ */

static bool
is_gcm12(const struct tcase *tc)
{
	return tc->ver == DPSEC_TLS_VER_1_2 &&
	       tc->cipher != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305;
}

/* RFC 5288 §3 (salt || explicit), RFC 7905 §2 / RFC 8446 §5.3 (IV XOR
 * the padded sequence number). */
static void
ref_nonce(const struct tcase *tc, uint64_t seq, const uint8_t *rec,
	  uint8_t n[12])
{
	memcpy(n, tiv, 12);
	if (is_gcm12(tc)) {
		memcpy(n + 4, rec + 5, 8);
		return;
	}
	for (int i = 0; i < 8; i++)
		n[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
}

/* RFC 5246 §6.2.3.3 / RFC 8446 §5.2. */
static int
ref_aad(const struct tcase *tc, uint64_t seq, const uint8_t *rec,
	uint8_t aad[13])
{
	uint16_t len = (uint16_t)(rec[3] << 8 | rec[4]);
	uint16_t pl = (uint16_t)(len - (is_gcm12(tc) ? 8 : 0) - 16);

	if (tc->ver == DPSEC_TLS_VER_1_3) {
		memcpy(aad, rec, 5);
		return 5;
	}
	for (int i = 0; i < 8; i++)
		aad[i] = (uint8_t)(seq >> (56 - 8 * i));
	memcpy(aad + 8, rec, 3);
	aad[11] = (uint8_t)(pl >> 8);
	aad[12] = (uint8_t)pl;
	return 13;
}

/* Seal (enc) or open one record at @rec in place; false if it fails. */
static bool
ref_rec(const struct tcase *tc, bool enc, uint64_t seq, uint8_t *rec)
{
	uint16_t len = (uint16_t)(rec[3] << 8 | rec[4]);
	uint32_t pre = 5 + (is_gcm12(tc) ? 8 : 0);
	int body = (int)(5 + len - pre - 16), n, aad_len;
	uint8_t nonce[12], aad[13], fin[32];
	const EVP_CIPHER *c;
	EVP_CIPHER_CTX *x;
	bool ok;

	c = tc->cipher == DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 ?
	    EVP_chacha20_poly1305() :
	    tc->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	ref_nonce(tc, seq, rec, nonce);
	aad_len = ref_aad(tc, seq, rec, aad);
	x = EVP_CIPHER_CTX_new();
	ok = x != NULL &&
	     EVP_CipherInit_ex(x, c, NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_CipherInit_ex(x, NULL, NULL, tkey, nonce, enc) == 1 &&
	     EVP_CipherUpdate(x, NULL, &n, aad, aad_len) == 1 &&
	     (body == 0 ||
	      EVP_CipherUpdate(x, rec + pre, &n, rec + pre, body) == 1) &&
	     (enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16,
					 rec + pre + body) == 1) &&
	     EVP_CipherFinal_ex(x, fin, &n) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16,
					  rec + pre + body) == 1);
	EVP_CIPHER_CTX_free(x);
	return ok;
}

/* --- Streams and frames ------------------------------------------------- */

static void
suite_of(const struct tcase *tc, struct dpsec_tls_suite *s)
{
	assert_int_equal(dpsec_tls_suite_init(s, tc->ver,
			(enum dpsec_crypto_cipher)tc->cipher, tiv,
			is_gcm12(tc) ? 4 : 12), 0);
}

/* plain[]: NB_REC records framed by tls_rec.h from record @rec0 on, in
 * plaintext with zeroed tag room; rec_off[] their offsets. */
static uint32_t
stream_build(const struct tcase *tc, uint64_t rec0)
{
	struct dpsec_tls_suite s;
	uint32_t off = 0;

	suite_of(tc, &s);
	memset(plain, 0, sizeof(plain));
	for (unsigned int i = 0; i < NB_REC; i++) {
		uint16_t pad = tc->ver == DPSEC_TLS_VER_1_3 && i % 3 == 0 ?
			       5 : 0;
		int pre = dpsec_tls_rec_frame(&s, plain + off,
					      DPSEC_TLS_CT_APPLICATION_DATA,
					      rec_plen[i], pad, rec0 + i);

		assert_true(pre > 0);
		for (unsigned int j = 0; j < rec_plen[i]; j++)
			plain[off + (uint32_t)pre + j] = (uint8_t)rand();
		rec_off[i] = off;
		off += dpsec_tls_rec_len(&s, rec_plen[i], pad);
		assert_true(off <= STREAM_MAX);
	}
	rec_off[NB_REC] = off;
	return off;
}

/* wire[] = plain[] sealed by EVP; expect[] = wire[] with the bodies in
 * plaintext (what a NIC that decrypted in place delivers). */
static void
stream_seal(const struct tcase *tc, uint64_t rec0)
{
	uint32_t pre = 5 + (is_gcm12(tc) ? 8 : 0);

	memcpy(wire, plain, rec_off[NB_REC]);
	for (unsigned int i = 0; i < NB_REC; i++)
		assert_true(ref_rec(tc, true, rec0 + i, wire + rec_off[i]));
	memcpy(expect, wire, rec_off[NB_REC]);
	for (unsigned int i = 0; i < NB_REC; i++) {
		uint32_t a = rec_off[i] + pre, b = rec_off[i + 1] - 16;

		memcpy(expect + a, plain + a, b - a);
	}
}

static uint32_t
l3_of(const struct tcase *tc)
{
	return tc->family == 4 ? 20 : 40;
}

/* A TCP segment from port 0 to port 1 carrying @n bytes of @pl at
 * sequence @seq, with the checksum offloads asked for; a 2-mbuf chain
 * when the headers fit in the first and the halves are even (DPDK 22.11's
 * rte_raw_cksum_mbuf() truncates the sum of a segment that starts at an
 * odd offset before swapping it, so a NIC model built on it cannot sum
 * such chains). */
static struct rte_mbuf *
seg_make(const struct tcase *tc, uint32_t seq, const uint8_t *pl, uint32_t n)
{
	static uint8_t buf[FRAME_MAX];
	struct test_frame f;
	struct rte_mbuf *m;
	uint32_t l3 = l3_of(tc), hdr = 14 + l3 + 20, be = rte_cpu_to_be_32(seq);
	size_t len;

	/* Short IPv4 segments ride in a minimum frame (Ethernet padding
	 * after the IP datagram). */
	sim_frame_init(&f, sp->port[0], sp->port[1], tc->family, TEST_L4_TCP,
		       (uint16_t)RTE_MAX(n, 60u - RTE_MIN(hdr, 60u)), 0);
	f.sport = SPORT;
	f.dport = DPORT;
	len = test_frame_write(&f, buf, sizeof(buf));
	assert_int_equal(len, RTE_MAX(hdr + n, 60u));
	if (tc->family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + n));
	}
	memset(buf + hdr, 0, len - hdr);
	memcpy(buf + 14 + l3 + 4, &be, 4);
	memcpy(buf + hdr, pl, n);
	m = test_mbuf_from_bytes(sp->tx_pool, buf, len,
				 len >= 2 * hdr && len % 4 == 0 ? 2 : 1);
	assert_non_null(m);
	m->l2_len = 14;
	m->l3_len = l3;
	m->l4_len = 20;
	m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM |
		       (tc->family == 4 ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM :
			RTE_MBUF_F_TX_IPV6);
	return m;
}

/* Cut @data[0..len) (stream offset @base) into segments: seg_cut[]. */
static unsigned int
segs_make(const struct tcase *tc, uint32_t seq0, uint32_t base,
	  const uint8_t *data, uint32_t len, struct rte_mbuf **segs,
	  uint32_t *off)
{
	unsigned int n = 0;
	uint32_t o = 0;

	while (o < len) {
		uint32_t k = RTE_MIN(fixed_cut != 0 ? fixed_cut :
				     (uint32_t)seg_cut[n % RTE_DIM(seg_cut)],
				     len - o);

		assert_true(n < MAX_SEGS);
		segs[n] = seg_make(tc, seq0 + base + o, data + o, k);
		off[n] = base + o;
		o += k;
		n++;
	}
	return n;
}

static void
mark(struct rte_mbuf **m, unsigned int n, uint32_t hw_id)
{
	int bit = rte_mbuf_dynflag_lookup(DPSEC_MBUF_DYNFLAG_TX_TLS, NULL);
	int off = rte_mbuf_dynfield_lookup(DPSEC_MBUF_DYNFIELD_TLS_ID, NULL);

	assert_true(bit >= 0 && off >= 0);
	for (unsigned int i = 0; i < n; i++) {
		m[i]->ol_flags |= RTE_BIT64(bit);
		*RTE_MBUF_DYNFIELD(m[i], off, uint32_t *) = hw_id;
	}
}

static bool
rx_marked(const struct rte_mbuf *m)
{
	int bit = rte_mbuf_dynflag_lookup(DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED,
					  NULL);

	return bit >= 0 && (m->ol_flags & RTE_BIT64(bit)) != 0;
}

/* Receive exactly @want frames on port 1 (and nothing more). */
static void
recv_exact(unsigned int want)
{
	uint16_t got = test_rx_poll(sp->port[1], 0, rx, (uint16_t)want,
				    MAX_SEGS, TEST_RX_TIMEOUT_MS);

	got += test_rx_poll(sp->port[1], 0, rx + got, MAX_SEGS,
			    (uint16_t)(MAX_SEGS - got), TEST_QUIET_MS);
	if (got != want)
		fail_msg("received %u frames, want %u", got, want);
}

/* A frame's sequence number and payload (copied to @pl). */
static uint32_t
frame_payload(const struct tcase *tc, const struct rte_mbuf *m, uint8_t *pl,
	      uint32_t *seq)
{
	static uint8_t buf[FRAME_MAX];
	uint32_t l3 = l3_of(tc), hdr = 14 + l3 + 20, be;
	size_t len = test_mbuf_copy(m, buf, sizeof(buf));

	uint32_t n;

	assert_true(len >= hdr);
	memcpy(&be, buf + 14 + l3 + 4, 4);
	*seq = rte_be_to_cpu_32(be);
	/* The payload is what the IP length says (frames may be padded). */
	n = tc->family == 4 ?
	    rte_be_to_cpu_16(((struct rte_ipv4_hdr *)(buf + 14))->total_length)
	    - 40u :
	    rte_be_to_cpu_16(((struct rte_ipv6_hdr *)(buf + 14))->payload_len)
	    - 20u;
	assert_true(hdr + n <= len);
	memcpy(pl, buf + hdr, n);
	return n;
}

/* The same for a received frame, whose TCP checksum must be good. */
static uint32_t
rx_payload(const struct tcase *tc, const struct rte_mbuf *m, uint8_t *pl,
	   uint32_t *seq)
{
	uint32_t n = frame_payload(tc, m, pl, seq);

	/* The checksums were computed after the engine's work. */
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
	    RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		fail_msg("seq %u: L4 checksum flags 0x%" PRIx64, *seq,
			 (uint64_t)(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK));
	return n;
}

static const struct dpsec_drv_tls_ops *
ops0(uint16_t port)
{
	const struct dpsec_drv_tls_ops *ops = dpsec_drv_tls_ops_get(port);

	assert_non_null(ops);
	assert_true((dpsec_drv_caps_get(port) &
		     (DPSEC_DRV_CAP_TLS_TX | DPSEC_DRV_CAP_TLS_RX)) ==
		    (DPSEC_DRV_CAP_TLS_TX | DPSEC_DRV_CAP_TLS_RX));
	return ops;
}

/* The context conf of the connection port 0 -> port 1. */
static void
conf_fill(const struct tcase *tc, bool rx_dir, uint32_t tcp_seq,
	  uint64_t rec_seq, struct dpsec_drv_tls_conf *c)
{
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0x02 };
	uint32_t s4 = rte_cpu_to_be_32(TEST_IPV4(192, 0, 2, 1));
	uint32_t d4 = rte_cpu_to_be_32(TEST_IPV4(198, 51, 100, 2));

	memset(c, 0, sizeof(*c));
	c->version = tc->ver;
	c->rx = rx_dir;
	c->cipher = tc->cipher;
	c->key_len = tc->key_len;
	memcpy(c->key, tkey, tc->key_len);
	memcpy(c->iv, tiv, 12);
	c->family = tc->family;
	if (tc->family == 4) {
		memcpy(c->src, &s4, 4);
		memcpy(c->dst, &d4, 4);
	} else {
		memcpy(c->src, src6, 16);
		memcpy(c->dst, dst6, 16);
	}
	c->sport = SPORT;
	c->dport = DPORT;
	c->tcp_seq = tcp_seq;
	c->rec_seq = rec_seq;
}

static uint64_t
xs(uint16_t port, const char *name)
{
	uint64_t v;

	if (test_xstat_get(port, name, &v) != 0)
		fail_msg("no xstat %s", name);
	return v;
}

/* --- Fixture ------------------------------------------------------------ */

static int
port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
			       RTE_ETH_TX_OFFLOAD_TCP_TSO;
	return test_port_start_simple(port, 1, 1, &conf, mp);
}

static int
pair_up(const char *a0, const char *a1)
{
	fixed_cut = 0;
	if (sim_pair_create(sp, 0, a0, 1, a1) != 0 ||
	    port_start(sp->port[0], sp->rx_pool[0]) != 0 ||
	    port_start(sp->port[1], sp->rx_pool[1]) != 0)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	srand(7);
	return pair_up("max_tls=8,tls_chacha=1", "max_tls=8,tls_chacha=1");
}

static int
teardown(void **state)
{
	(void)state;
	return sim_pair_destroy(sp);	/* -1 when an mbuf is missing */
}

/* --- TX ----------------------------------------------------------------- */

/* Open every record of the stream port 1 received against plain[]. */
static void
check_wire_stream(const struct tcase *tc, uint64_t rec0, uint32_t first,
		  unsigned int nb_rec)
{
	uint32_t pre = 5 + (is_gcm12(tc) ? 8 : 0);

	for (unsigned int i = first; i < first + nb_rec; i++) {
		uint32_t a = rec_off[i], b = rec_off[i + 1];

		/* Headers and explicit nonces leave as they were. */
		assert_memory_equal(wire + a, plain + a, pre);
		if (!ref_rec(tc, false, rec0 + i, wire + a))
			fail_msg("record %u does not open with EVP", i);
		assert_memory_equal(wire + a + pre, plain + a + pre,
				    b - a - pre - 16);
	}
}

/* Gather what port 1 received into wire[] (from stream offset @base). */
static void
gather(const struct tcase *tc, unsigned int n, uint32_t seq0, uint32_t base,
       uint32_t len)
{
	static uint8_t pl[FRAME_MAX];
	uint32_t at = base;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t seq, k = rx_payload(tc, rx[i], pl, &seq);

		assert_false(rx_marked(rx[i]));
		assert_int_equal(seq, seq0 + at);	/* in order */
		memcpy(wire + at, pl, k);
		at += k;
	}
	assert_int_equal(at, base + len);
	test_free_bulk(rx, n);
}

static void
test_tx(void **state)
{
	const struct tcase *tc = *state;
	const struct dpsec_drv_tls_ops *ops = ops0(sp->port[0]);
	struct dpsec_drv_tls_conf c;
	struct rte_mbuf *segs[MAX_SEGS];
	uint32_t off[MAX_SEGS], hw_id, len, seq0 = 0xfffff000u;
	uint64_t rec0 = 3;
	unsigned int n;

	len = stream_build(tc, rec0);
	conf_fill(tc, false, seq0, rec0, &c);
	assert_int_equal(ops->add(sp->port[0], &c, &hw_id), 0);
	n = segs_make(tc, seq0, 0, plain, len, segs, off);
	mark(segs, n, hw_id);
	assert_int_equal(test_tx_all(sp->port[0], 0, segs, (uint16_t)n, 1000),
			 n);
	recv_exact(n);
	gather(tc, n, seq0, 0, len);
	check_wire_stream(tc, rec0, 0, NB_REC);
	assert_int_equal(xs(sp->port[0], "tx_tls_encrypted_packets"), n);
	assert_int_equal(xs(sp->port[0], "tx_tls_encrypted_bytes"), len);
	assert_int_equal(xs(sp->port[0], "tx_tls_ctx"), 1);
	assert_int_equal(xs(sp->port[0], "tx_tls_drop_no_sync_data"), 0);
	assert_int_equal(ops->del(sp->port[0], hw_id), 0);
	assert_int_equal(xs(sp->port[0], "tx_tls_del"), 1);
	assert_int_equal(ops->del(sp->port[0], hw_id), -ENOENT);
}

/* Segments shared with the application (clones): the engine encrypts a
 * private copy and leaves the application's bytes alone. */
static void
test_tx_clone(void **state)
{
	static uint8_t pl[FRAME_MAX];
	const struct tcase *tc = *state;
	const struct dpsec_drv_tls_ops *ops = ops0(sp->port[0]);
	struct dpsec_drv_tls_conf c;
	struct rte_mbuf *segs[MAX_SEGS], *cl[MAX_SEGS];
	uint32_t off[MAX_SEGS], hw_id, len, seq0 = 1;
	unsigned int n;

	len = stream_build(tc, 0);
	conf_fill(tc, false, seq0, 0, &c);
	assert_int_equal(ops->add(sp->port[0], &c, &hw_id), 0);
	n = segs_make(tc, seq0, 0, plain, len, segs, off);
	mark(segs, n, hw_id);
	for (unsigned int i = 0; i < n; i++) {
		cl[i] = rte_pktmbuf_clone(segs[i], sp->tx_pool);
		assert_non_null(cl[i]);
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, cl, (uint16_t)n, 1000),
			 n);
	recv_exact(n);
	gather(tc, n, seq0, 0, len);
	check_wire_stream(tc, 0, 0, NB_REC);
	/* The application's segments still hold the plaintext. */
	for (unsigned int i = 0; i < n; i++) {
		uint32_t seq, k = frame_payload(tc, segs[i], pl, &seq);

		assert_int_equal(seq, seq0 + off[i]);
		assert_memory_equal(pl, plain + off[i], k);
	}
	test_free_bulk(segs, n);
	assert_int_equal(ops->del(sp->port[0], hw_id), 0);
}

/* One TSO packet of several records: the port's segments, in order. */
static void
test_tx_tso(void **state)
{
	const struct tcase *tc = *state;
	const struct dpsec_drv_tls_ops *ops = ops0(sp->port[0]);
	struct dpsec_drv_tls_conf c;
	struct rte_mbuf *m;
	static uint8_t buf[16384];
	struct test_frame f;
	uint32_t hw_id, seq0 = 77, len, l3 = l3_of(tc), be, mss = 500;
	unsigned int nrec = 4, n;
	size_t flen;

	stream_build(tc, 0);
	len = rec_off[nrec];	/* empty, 1, 300, 1500 bytes of plaintext */
	conf_fill(tc, false, seq0, 0, &c);
	assert_int_equal(ops->add(sp->port[0], &c, &hw_id), 0);
	sim_frame_init(&f, sp->port[0], sp->port[1], tc->family, TEST_L4_TCP,
		       (uint16_t)len, 0);
	f.sport = SPORT;
	f.dport = DPORT;
	flen = test_frame_write(&f, buf, sizeof(buf));
	be = rte_cpu_to_be_32(seq0);
	memcpy(buf + 14 + l3 + 4, &be, 4);
	memcpy(buf + 14 + l3 + 20, plain, len);
	m = test_mbuf_from_bytes(sp->tx_pool, buf, flen, 3);
	assert_non_null(m);
	m->l2_len = 14;
	m->l3_len = l3;
	m->l4_len = 20;
	m->tso_segsz = (uint16_t)mss;
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		       (tc->family == 4 ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM :
			RTE_MBUF_F_TX_IPV6);
	mark(&m, 1, hw_id);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
	n = (len + mss - 1) / mss;
	recv_exact(n);
	gather(tc, n, seq0, 0, len);
	check_wire_stream(tc, 0, 0, nrec);
	assert_int_equal(xs(sp->port[0], "tx_tls_encrypted_packets"), n);
	assert_int_equal(xs(sp->port[0], "tx_tso_segments"), n);
	assert_int_equal(ops->del(sp->port[0], hw_id), 0);
}

/* Out of sequence: never on the wire; unknown hw_id: dropped; resync. */
static void
test_tx_ooo_resync(void **state)
{
	const struct tcase *tc = *state;
	const struct dpsec_drv_tls_ops *ops = ops0(sp->port[0]);
	struct dpsec_drv_tls_conf c;
	struct rte_mbuf *segs[MAX_SEGS], *m;
	uint32_t off[MAX_SEGS], hw_id, seq0 = 1000;
	unsigned int n, k;

	stream_build(tc, 0);
	conf_fill(tc, false, seq0, 0, &c);
	assert_int_equal(ops->add(sp->port[0], &c, &hw_id), 0);
	/* Records 0..2 go out; then record 1 again (a retransmission) and
	 * record 4 (a gap): both dropped, counted, nothing leaves. */
	n = segs_make(tc, seq0, 0, plain, rec_off[3], segs, off);
	mark(segs, n, hw_id);
	assert_int_equal(test_tx_all(sp->port[0], 0, segs, (uint16_t)n, 1000),
			 n);
	recv_exact(n);
	gather(tc, n, seq0, 0, rec_off[3]);
	check_wire_stream(tc, 0, 0, 3);
	m = seg_make(tc, seq0 + rec_off[1], plain + rec_off[1],
		     rec_off[2] - rec_off[1]);
	mark(&m, 1, hw_id);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
	m = seg_make(tc, seq0 + rec_off[4], plain + rec_off[4], 100);
	mark(&m, 1, hw_id);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
	/* An id the table never gave. */
	m = seg_make(tc, seq0 + rec_off[3], plain + rec_off[3], 100);
	mark(&m, 1, hw_id ^ 0x10000u);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
	recv_exact(0);
	assert_int_equal(xs(sp->port[0], "tx_tls_drop_no_sync_data"), 2);
	assert_int_equal(xs(sp->port[0], "tx_tls_ooo"), 2);
	assert_int_equal(xs(sp->port[0], "tx_tls_drop_bypass_req"), 1);
	/* Wholly before the context's start (a handshake sent again): not
	 * record data, it leaves as it is. */
	{
		static uint8_t pl[FRAME_MAX];
		uint32_t seq;

		m = seg_make(tc, seq0 - 120, plain, 100);
		mark(&m, 1, hw_id);
		assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
		recv_exact(1);
		assert_int_equal(rx_payload(tc, rx[0], pl, &seq), 100);
		assert_int_equal(seq, seq0 - 120);
		assert_memory_equal(pl, plain, 100);
		rte_pktmbuf_free(rx[0]);
		assert_int_equal(xs(sp->port[0], "tx_tls_skip_no_sync_data"),
				 1);
		assert_int_equal(xs(sp->port[0], "tx_tls_ooo"), 3);
	}
	/* Resync to record 5 (records 3, 4 skipped by the application):
	 * records 5..9 leave encrypted with their own numbers. */
	assert_int_equal(ops->resync(sp->port[0], hw_id, seq0 + rec_off[5], 5),
			 0);
	k = segs_make(tc, seq0, rec_off[5], plain + rec_off[5],
		      rec_off[NB_REC] - rec_off[5], segs, off);
	mark(segs, k, hw_id);
	assert_int_equal(test_tx_all(sp->port[0], 0, segs, (uint16_t)k, 1000),
			 k);
	recv_exact(k);
	gather(tc, k, seq0, rec_off[5], rec_off[NB_REC] - rec_off[5]);
	check_wire_stream(tc, 0, 5, NB_REC - 5);
	assert_int_equal(xs(sp->port[0], "tx_tls_encrypted_packets"), n + k);
	assert_int_equal(ops->del(sp->port[0], hw_id), 0);
}

/* --- RX ----------------------------------------------------------------- */

/*
 * Send wire[a..b) from port 0, unmarked, cut by seg_cut (segment i holds
 * stream bytes [off[i], off[i + 1])), skipping segment @skip (-1: none).
 * Returns the number of segments cut; off[] gets their offsets.
 */
static unsigned int
rx_send(const struct tcase *tc, uint32_t seq0, uint32_t a, uint32_t b,
	int skip, uint32_t *off)
{
	struct rte_mbuf *segs[MAX_SEGS];
	unsigned int n, j = 0;

	n = segs_make(tc, seq0, a, wire + a, b - a, segs, off);
	off[n] = b;
	for (unsigned int i = 0; i < n; i++) {
		if ((int)i == skip) {
			rte_pktmbuf_free(segs[i]);
			continue;
		}
		segs[j++] = segs[i];
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, segs, (uint16_t)j, 1000),
			 j);
	return n;
}

/* Start of the record that holds stream byte @o. */
static uint32_t
rec_start_of(uint32_t o)
{
	unsigned int i = NB_REC;

	while (i > 0 && rec_off[i] > o)
		i--;
	return rec_off[i];
}

/*
 * Check the received frames against the stream: a frame whose payload
 * ends at or before @good_end is marked and holds expect[]; any other is
 * unmarked and holds wire[] exactly as sent. Returns how many were marked.
 */
static unsigned int
rx_check(const struct tcase *tc, unsigned int n, uint32_t seq0,
	 uint32_t good_end)
{
	static uint8_t pl[FRAME_MAX];
	unsigned int marked = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t seq, k = rx_payload(tc, rx[i], pl, &seq);
		uint32_t o = seq - seq0;

		assert_true(o + k <= rec_off[NB_REC]);
		if (o + k <= good_end) {
			if (!rx_marked(rx[i]))
				fail_msg("frame at %u+%u: not marked", o, k);
			assert_memory_equal(pl, expect + o, k);
			marked++;
		} else {
			if (rx_marked(rx[i]))
				fail_msg("frame at %u+%u: marked", o, k);
			assert_memory_equal(pl, wire + o, k);
		}
	}
	test_free_bulk(rx, n);
	return marked;
}

static uint32_t
rx_ctx_add(const struct tcase *tc, uint32_t tcp_seq, uint64_t rec_seq)
{
	const struct dpsec_drv_tls_ops *ops = ops0(sp->port[1]);
	struct dpsec_drv_tls_conf c;
	uint32_t hw_id;

	conf_fill(tc, true, tcp_seq, rec_seq, &c);
	assert_int_equal(ops->add(sp->port[1], &c, &hw_id), 0);
	return hw_id;
}

static void
test_rx(void **state)
{
	const struct tcase *tc = *state;
	uint32_t off[MAX_SEGS + 1], seq0 = 0xffffff00u, len, hw_id;
	uint64_t rec0 = 1u << 20;
	unsigned int n;

	len = stream_build(tc, rec0);
	stream_seal(tc, rec0);
	hw_id = rx_ctx_add(tc, seq0, rec0);
	n = rx_send(tc, seq0, 0, len, -1, off);
	recv_exact(n);
	assert_int_equal(rx_check(tc, n, seq0, len), n);
	assert_int_equal(xs(sp->port[1], "rx_tls_decrypted_packets"), n);
	assert_int_equal(xs(sp->port[1], "rx_tls_decrypted_bytes"), len);
	assert_int_equal(xs(sp->port[1], "rx_tls_ctx"), 1);
	assert_int_equal(xs(sp->port[1], "rx_tls_auth_fail"), 0);
	assert_int_equal(dpsec_drv_tls_ops_get(sp->port[1])->del(sp->port[1],
								 hw_id), 0);
	assert_int_equal(xs(sp->port[1], "rx_tls_del"), 1);
}

/* A record with one ciphertext bit flipped: it and all after it come up
 * as they were sent, unmarked; what came before is decrypted. */
static void
test_rx_tampered(void **state)
{
	const struct tcase *tc = *state;
	uint32_t off[MAX_SEGS + 1], seq0 = 5, len, bad = 4, pre;
	unsigned int n, marked;

	len = stream_build(tc, 0);
	stream_seal(tc, 0);
	pre = 5 + (is_gcm12(tc) ? 8 : 0);
	wire[rec_off[bad] + pre + 1000] ^= 0x20;	/* the 16 KiB record */
	rx_ctx_add(tc, seq0, 0);
	n = rx_send(tc, seq0, 0, len, -1, off);
	recv_exact(n);
	marked = rx_check(tc, n, seq0, rec_off[bad]);
	assert_true(marked > 0 && marked < n);
	assert_int_equal(xs(sp->port[1], "rx_tls_auth_fail"), 1);
	assert_int_equal(xs(sp->port[1], "rx_tls_decrypted_packets"), marked);
	/* Out of sync: the rest of the stream again, in order, untouched. */
	n = rx_send(tc, seq0, rec_off[bad + 1], len, -1, off);
	recv_exact(n);
	assert_int_equal(rx_check(tc, n, seq0, 0), 0);
}

/* A lost segment: out of sync until resync at a record start. */
static void
test_rx_ooo_resync(void **state)
{
	const struct tcase *tc = *state;
	uint32_t off[MAX_SEGS + 1], seq0 = 0x7ffffff0u, len, hw_id;
	unsigned int n, lost = 6;

	len = stream_build(tc, 0);
	stream_seal(tc, 0);
	hw_id = rx_ctx_add(tc, seq0, 0);
	/* Records 0..4 (the 16 KiB one spans many segments), segment 6 lost. */
	n = rx_send(tc, seq0, 0, rec_off[5], (int)lost, off);
	recv_exact(n - 1);
	rx_check(tc, n - 1, seq0, rec_start_of(off[lost]));
	assert_int_equal(xs(sp->port[1], "rx_tls_ooo"), 1);
	/* In order again, but the engine lost the stream. */
	n = rx_send(tc, seq0, rec_off[5], rec_off[7], -1, off);
	recv_exact(n);
	assert_int_equal(rx_check(tc, n, seq0, 0), 0);
	/* dpsec found record 7's header: decrypted and marked from there. */
	assert_int_equal(dpsec_drv_tls_ops_get(sp->port[1])->resync(
			 sp->port[1], hw_id, seq0 + rec_off[7], 7), 0);
	n = rx_send(tc, seq0, rec_off[7], len, -1, off);
	recv_exact(n);
	assert_int_equal(rx_check(tc, n, seq0, len), n);
	assert_int_equal(xs(sp->port[1], "rx_tls_resync"), 1);
}

/* Bytes before the context's start (a handshake) pass untouched; the
 * records after them are decrypted: the engine did not lose the stream. */
static void
test_rx_before_start(void **state)
{
	const struct tcase *tc = *state;
	uint32_t off[MAX_SEGS + 1], seq0 = 100, len;
	unsigned int n, hs = 3;

	len = stream_build(tc, 0);
	stream_seal(tc, 0);
	/* Records 0..2 play the handshake: the context starts at 3. */
	rx_ctx_add(tc, seq0 + rec_off[hs], hs);
	memcpy(expect, wire, rec_off[hs]);
	n = rx_send(tc, seq0, 0, rec_off[hs], -1, off);
	recv_exact(n);
	assert_int_equal(rx_check(tc, n, seq0, 0), 0);
	n = rx_send(tc, seq0, rec_off[hs], len, -1, off);
	recv_exact(n);
	assert_int_equal(rx_check(tc, n, seq0, len), n);
	assert_int_equal(xs(sp->port[1], "rx_tls_ooo"), 0);
}

static int
setup_hold(void **state)
{
	(void)state;
	return pair_up("max_tls=8,tls_chacha=1",
		       "max_tls=8,tls_chacha=1,tls_hold_ms=20");
}

/* The rest of a record does not come: after tls_hold_ms of an idle wire
 * the packets held for it come up as they were sent; when the rest comes,
 * the record still verifies and its later packets are marked. */
static void
test_rx_hold_timeout(void **state)
{
	const struct tcase *tc = *state;
	uint32_t off[MAX_SEGS + 1], seq0 = 9, len, cut;
	unsigned int n;

	len = stream_build(tc, 0);
	stream_seal(tc, 0);
	rx_ctx_add(tc, seq0, 0);
	/* Up to the middle of the 16 KiB record 4, at a segment boundary. */
	cut = rec_off[4] + 3000;
	n = rx_send(tc, seq0, 0, cut, -1, off);
	recv_exact(n);
	assert_true(rx_check(tc, n, seq0, rec_off[4]) < n);
	assert_int_equal(xs(sp->port[1], "rx_tls_hold_timeout"), 1);
	n = rx_send(tc, seq0, cut, len, -1, off);
	recv_exact(n);
	assert_int_equal(rx_check(tc, n, seq0, len), n);
	assert_int_equal(xs(sp->port[1], "rx_tls_auth_fail"), 0);
}

/* 100-byte segments: the 16 KiB record needs more packets than a context
 * holds. Whatever it gives up on comes up as sent; every other packet is
 * marked, the record's last ones too (its tag still verified). */
static void
test_rx_hold_full(void **state)
{
	static uint8_t pl[FRAME_MAX];
	const struct tcase *tc = *state;
	uint32_t off[MAX_SEGS + 1], seq0 = 3, len;
	unsigned int n, marked = 0;

	fixed_cut = 100;
	len = stream_build(tc, 0);
	stream_seal(tc, 0);
	rx_ctx_add(tc, seq0, 0);
	n = rx_send(tc, seq0, 0, len, -1, off);
	recv_exact(n);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t seq, k = rx_payload(tc, rx[i], pl, &seq);
		uint32_t o = seq - seq0;
		bool in4 = o + k > rec_off[4] && o < rec_off[5];

		if (rx_marked(rx[i])) {
			assert_memory_equal(pl, expect + o, k);
			marked++;
		} else {
			if (!in4)
				fail_msg("frame at %u: not marked", o);
			assert_memory_equal(pl, wire + o, k);
		}
		if (o + k == rec_off[5])
			assert_true(rx_marked(rx[i]));
	}
	test_free_bulk(rx, n);
	assert_true(marked < n);
	assert_true(xs(sp->port[1], "rx_tls_hold_full") >= 1);
	assert_int_equal(xs(sp->port[1], "rx_tls_decrypted_packets"), marked);
	assert_int_equal(xs(sp->port[1], "rx_tls_auth_fail"), 0);
}

/* --- The table ---------------------------------------------------------- */

static int
setup_small(void **state)
{
	static const struct rte_mbuf_dynflag txf = {
		.name = DPSEC_MBUF_DYNFLAG_TX_TLS,
	};
	static const struct rte_mbuf_dynfield idf = {
		.name = DPSEC_MBUF_DYNFIELD_TLS_ID,
		.size = sizeof(uint32_t),
		.align = __alignof__(uint32_t),
	};

	(void)state;
	/* The marks exist before the ports start, as when an application
	 * registers them first. */
	if (rte_mbuf_dynflag_register(&txf) < 0 ||
	    rte_mbuf_dynfield_register(&idf) < 0)
		return -1;
	return pair_up("max_tls=3", "max_tls=0");
}

static void
test_table(void **state)
{
	static const struct tcase tc = {
		"t", DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_AES_GCM_256, 32, 4,
	};
	const struct dpsec_drv_tls_ops *ops = ops0(sp->port[0]);
	struct dpsec_drv_tls_caps caps;
	struct dpsec_drv_tls_conf c;
	uint32_t id[4];

	(void)state;
	/* max_tls=0: no engine, nothing declared. */
	assert_null(dpsec_drv_tls_ops_get(sp->port[1]));
	assert_int_equal(dpsec_drv_caps_get(sp->port[1]) &
			 (DPSEC_DRV_CAP_TLS_TX | DPSEC_DRV_CAP_TLS_RX), 0);
	assert_int_equal(ops->caps(sp->port[0], &caps), 0);
	assert_int_equal(caps.max_ctx, 3);
	assert_int_equal(caps.used_ctx, 0);
	assert_true(caps.tls12 && caps.tls13);
	assert_true(caps.ciphers &
		    RTE_BIT64(DPSEC_CRYPTO_CIPHER_AES_GCM_128));
	assert_true(caps.ciphers &
		    RTE_BIT64(DPSEC_CRYPTO_CIPHER_AES_GCM_256));
	/* ChaCha20 only with tls_chacha=1: real NICs offload AES-GCM. */
	assert_false(caps.ciphers &
		     RTE_BIT64(DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305));
	assert_false(caps.ciphers & RTE_BIT64(DPSEC_CRYPTO_CIPHER_AES_CBC_128));
	{
		static const struct tcase cc = {
			"c", DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, 32, 4,
		};

		conf_fill(&cc, false, 1, 0, &c);
		assert_int_equal(ops->add(sp->port[0], &c, &id[0]), -ENOTSUP);
	}

	conf_fill(&tc, false, 1, 0, &c);
	assert_int_equal(ops->add(sp->port[0], &c, &id[0]), 0);
	assert_int_equal(ops->add(sp->port[0], &c, &id[1]), 0);
	conf_fill(&tc, true, 1, 0, &c);
	assert_int_equal(ops->add(sp->port[0], &c, &id[2]), 0);
	/* Full. */
	c.sport = 1;
	assert_int_equal(ops->add(sp->port[0], &c, &id[3]), -ENOSPC);
	assert_int_equal(xs(sp->port[0], "tls_table_full"), 1);
	assert_int_equal(ops->caps(sp->port[0], &caps), 0);
	assert_int_equal(caps.used_ctx, 3);
	assert_int_equal(ops->del(sp->port[0], id[1]), 0);
	/* The same RX tuple twice. */
	c.sport = SPORT;
	assert_int_equal(ops->add(sp->port[0], &c, &id[3]), -EEXIST);
	/* What the engine lacks, and what is wrong. */
	c.sport = 2;
	c.version = 0x0302;
	assert_int_equal(ops->add(sp->port[0], &c, &id[3]), -ENOTSUP);
	c.version = DPSEC_TLS_VER_1_3;
	c.cipher = DPSEC_CRYPTO_CIPHER_AES_CBC_128;
	assert_int_equal(ops->add(sp->port[0], &c, &id[3]), -ENOTSUP);
	c.cipher = DPSEC_CRYPTO_CIPHER_AES_GCM_256;
	c.key_len = 16;
	assert_int_equal(ops->add(sp->port[0], &c, &id[3]), -EINVAL);
	c.key_len = 32;
	assert_int_equal(ops->add(sp->port[0], &c, &id[3]), 0);
	/* id[1]'s slot went to id[3]: the old handle is refused. */
	assert_int_not_equal(id[3], id[1]);
	assert_int_equal(ops->del(sp->port[0], id[1]), -ENOENT);
	assert_int_equal(ops->resync(sp->port[0], id[1], 0, 0), -ENOENT);
	assert_int_equal(ops->del(sp->port[0], id[0]), 0);
	assert_int_equal(ops->del(sp->port[0], id[2]), 0);
	assert_int_equal(ops->del(sp->port[0], id[3]), 0);
	assert_int_equal(ops->caps(sp->port[0], &caps), 0);
	assert_int_equal(caps.used_ctx, 0);
	assert_int_equal(xs(sp->port[0], "tx_tls_ctx"), 2);
	assert_int_equal(xs(sp->port[0], "rx_tls_ctx"), 2);
	assert_int_equal(xs(sp->port[0], "tx_tls_del"), 2);
	assert_int_equal(xs(sp->port[0], "rx_tls_del"), 2);
	/* A marked frame on the port without an engine: dropped, not sent
	 * as it is. */
	{
		struct rte_mbuf *m = seg_make(&tc, 1, (const uint8_t *)"abc", 3);

		mark(&m, 1, 0);
		assert_int_equal(test_tx_all(sp->port[1], 0, &m, 1, 1000), 1);
		assert_int_equal(xs(sp->port[1], "tx_tls_drop_bypass_req"), 1);
		assert_int_equal(test_rx_drain(sp->port[0], 1, TEST_QUIET_MS),
				 0);
		assert_int_equal(xs(sp->port[0], "rx_mac_filtered"), 0);
	}
	/* Ops of a port that is not ours. */
	assert_int_equal(ops->del(RTE_MAX_ETHPORTS - 1, id[0]), -EINVAL);
}

/* --- Matrix ------------------------------------------------------------- */

#define CASE(n, v, c, k, f) { n, v, DPSEC_CRYPTO_CIPHER_##c, k, f }
static const struct tcase cases[] = {
	CASE("tls12-aes-gcm-128-v4", DPSEC_TLS_VER_1_2, AES_GCM_128, 16, 4),
	CASE("tls12-aes-gcm-256-v6", DPSEC_TLS_VER_1_2, AES_GCM_256, 32, 6),
	CASE("tls12-chacha20-poly1305-v4", DPSEC_TLS_VER_1_2,
	     CHACHA20_POLY1305, 32, 4),
	CASE("tls13-aes-gcm-128-v6", DPSEC_TLS_VER_1_3, AES_GCM_128, 16, 6),
	CASE("tls13-aes-gcm-256-v4", DPSEC_TLS_VER_1_3, AES_GCM_256, 32, 4),
	CASE("tls13-chacha20-poly1305-v6", DPSEC_TLS_VER_1_3,
	     CHACHA20_POLY1305, 32, 6),
};

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-tls", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	static void (*const per_case[])(void **) = {
		test_tx, test_rx, test_rx_tampered,
	};
	static const char *const per_name[] = { "tx", "rx", "rx-tampered" };
	static char names[RTE_DIM(cases) * RTE_DIM(per_case)][64];
	enum { NB_SINGLE = 9 };	/* the tests after the matrix */
	static struct CMUnitTest tests[RTE_DIM(cases) * RTE_DIM(per_case) +
				       NB_SINGLE];
	unsigned int k = 0;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++)
		for (unsigned int j = 0; j < RTE_DIM(per_case); j++) {
			snprintf(names[k], sizeof(names[k]), "%s-%s",
				 per_name[j], cases[i].name);
			tests[k] = (struct CMUnitTest){
				names[k], per_case[j], setup, teardown,
				(void *)(uintptr_t)&cases[i],
			};
			k++;
		}
	tests[k++] = (struct CMUnitTest){ "tx-tso-tls12-gcm", test_tx_tso,
		setup, teardown, (void *)(uintptr_t)&cases[0] };
	tests[k++] = (struct CMUnitTest){ "tx-tso-tls13-chacha-v6",
		test_tx_tso, setup, teardown, (void *)(uintptr_t)&cases[5] };
	tests[k++] = (struct CMUnitTest){ "tx-ooo-resync", test_tx_ooo_resync,
		setup, teardown, (void *)(uintptr_t)&cases[1] };
	tests[k++] = (struct CMUnitTest){ "rx-ooo-resync", test_rx_ooo_resync,
		setup, teardown, (void *)(uintptr_t)&cases[3] };
	tests[k++] = (struct CMUnitTest){ "rx-before-start",
		test_rx_before_start, setup, teardown,
		(void *)(uintptr_t)&cases[2] };
	tests[k++] = (struct CMUnitTest){ "tx-clone-tls12-chacha",
		test_tx_clone, setup, teardown,
		(void *)(uintptr_t)&cases[2] };
	tests[k++] = (struct CMUnitTest){ "rx-hold-full-tls13-gcm",
		test_rx_hold_full, setup, teardown,
		(void *)(uintptr_t)&cases[4] };
	tests[k++] = (struct CMUnitTest){ "rx-hold-timeout",
		test_rx_hold_timeout, setup_hold, teardown,
		(void *)(uintptr_t)&cases[4] };
	tests[k++] = (struct CMUnitTest){ "table", test_table, setup_small,
		teardown, NULL };
	if (k != RTE_DIM(tests)) {
		fprintf(stderr, "pmd-tls: %u tests, %zu slots\n", k,
			RTE_DIM(tests));
		return 1;
	}
	return _cmocka_run_group_tests("pmd-tls", tests, k, group_setup,
				       sim_eal_teardown);
}
