/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS record contexts in software (dpsec_tls.h), checked against an
 * independent record layer written here on OpenSSL EVP from the RFCs
 * (RFC 5246 §6.2.3.3 + RFC 5288 §3 for TLS 1.2 AES-GCM, RFC 7905 §2 for
 * TLS 1.2 ChaCha20-Poly1305, RFC 8446 §5.2-5.3 for TLS 1.3):
 *  - TX: records framed with dpsec_tls_record_frame(), cut into TCP
 *    segments (IPv4/IPv6, one or several mbuf segments each) of many
 *    sizes, sealed by dpsec_tls_tx() in bursts of varying size: every
 *    record opens here to what was framed;
 *  - RX: records sealed here, cut the same ways, fed to dpsec_tls_rx()
 *    with small output arrays: every record comes back with its type,
 *    number, TCP sequence and plaintext;
 *  - bad input: tag failures, bad headers, records over the limit, TLS
 *    1.3 records without a type, segments of other connections, gaps,
 *    duplicates and overlaps, life limits; the mempool is full after
 *    every case.
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
#include <openssl/evp.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"
#include "eal_fixture.h"
#include "tls_test.h"

enum {
	STREAM_MAX = 1 << 20,
	MAX_RECS = 512,
	POOL_N = 16383,
};

struct rte_mempool *tlst_pool;

static struct dpsec_ctx *ctx;

/* ----------------------------------------------------------- cases */

struct tls_case {
	const char *name;
	uint16_t ver;
	enum dpsec_cipher cipher;
	uint8_t family;
	uint32_t mss;			/* 0: random sizes */
	unsigned int nseg;		/* mbuf segments per TCP segment */
	unsigned int sizes_kind;	/* 0 mixed, 1 tiny, 2 full 16 KiB */
	uint32_t tcp_seq;		/* first sequence number */
};

static void
suite_fill(struct ref_suite *s, uint16_t ver, enum dpsec_cipher c,
	   uint32_t seed)
{
	memset(s, 0, sizeof(*s));
	s->ver = ver;
	s->cipher = c;
	s->key_len = c == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	for (unsigned int i = 0; i < 32; i++)
		s->key[i] = (uint8_t)(seed * 31 + i * 7 + 1);
	for (unsigned int i = 0; i < 12; i++)
		s->iv[i] = (uint8_t)(seed * 13 + i * 5 + 3);
}

static void
conf_fill(struct dpsec_tls_conf *tc, const struct ref_suite *s,
	  const struct conn *c, enum dpsec_tls_sess_type type, uint32_t seq,
	  uint64_t rec_seq)
{
	memset(tc, 0, sizeof(*tc));
	tc->ver = s->ver;
	tc->type = type;
	tc->cipher = s->cipher;
	tc->key = s->key;
	tc->key_len = s->key_len;
	memcpy(tc->imp_nonce, s->iv, 12);
	tc->seq_no = rec_seq;
	tc->local = c->a;
	tc->remote = c->b;
	tc->local_port = c->pa;
	tc->remote_port = c->pb;
	tc->tcp_seq = seq;
	tc->offload = DPSEC_OFFLOAD_NONE;
}

static uint16_t
rec_size(unsigned int kind, unsigned int i)
{
	switch (kind) {
	case 1:
		return (uint16_t)(1 + i % 7);
	case 2:
		return 16384;
	default: {
		static const uint16_t sz[] = { 1, 100, 1400, 5, 16384, 3000,
					       17, 8000, 0, 600 };
		return sz[i % RTE_DIM(sz)];
	}
	}
}

static uint8_t stream[STREAM_MAX];
static uint8_t wire[STREAM_MAX];
static uint8_t plain[STREAM_MAX];
static uint32_t rec_off[MAX_RECS], rec_plen[MAX_RECS];
static uint8_t rec_type[MAX_RECS];

static void
test_tx_case(void **state)
{
	const struct tls_case *tc = *state;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct rte_mbuf *segs[4096];
	struct dpsec_tls_stats st;
	uint32_t len = 0, wlen = 0;
	unsigned int nrec = 0, nseg, i, done = 0;
	uint64_t seq0 = 1000;

	srand(7);
	suite_fill(&s, tc->ver, tc->cipher, 1);
	conn_init(&c, tc->family);
	conf_fill(&conf, &s, &c, DPSEC_TLS_WRITE, tc->tcp_seq, seq0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	/* Frame records in a send buffer as an application would. */
	while (len < 200000 && nrec < MAX_RECS) {
		uint16_t pl = rec_size(tc->sizes_kind, nrec);
		uint8_t type = nrec % 5 == 3 ? DPSEC_TLS_TYPE_HANDSHAKE :
			       DPSEC_TLS_TYPE_DATA;
		uint32_t rl = dpsec_tls_record_len(t, pl, 0);
		int pre;

		if (pl == 0 && tc->ver == 0x0304)
			pl = 1;	/* 1.3 data records carry content */
		rl = dpsec_tls_record_len(t, pl, 0);
		if (len + rl > sizeof(stream))
			break;
		pre = dpsec_tls_record_frame(t, stream + len, type, pl, 0);
		assert_true(pre > 0);
		for (i = 0; i < pl; i++)
			stream[len + pre + i] = (uint8_t)(nrec + i * 3);
		rec_off[nrec] = len + (uint32_t)pre;
		rec_plen[nrec] = pl;
		rec_type[nrec] = type;
		/* dpsec_tls_record_frame() numbers records from the
		 * context's next one: frame them all first, as a send buffer
		 * holds them, so number them here. */
		len += rl;
		nrec++;
		if (tc->sizes_kind == 2 && nrec == 12)
			break;
	}
	memcpy(plain, stream, len);
	nseg = cut(&c, true, tc->tcp_seq, stream, len, tc->mss, tc->nseg, segs,
		   RTE_DIM(segs));
	/* Bursts of 1..40 segments. */
	while (done < nseg) {
		uint16_t b = (uint16_t)RTE_MIN(nseg - done,
					       1u + (unsigned int)rand() % 40);
		uint16_t k = dpsec_tls_tx(t, segs + done, b);

		assert_int_equal(k, b);
		for (i = 0; i < k; i++) {
			wlen += seg_payload(segs[done + i], wire + wlen);
			rte_pktmbuf_free(segs[done + i]);
		}
		done += b;
	}
	assert_int_equal(wlen, len);
	/* Every record opens here to what was framed. */
	for (i = 0, len = 0; i < nrec; i++) {
		uint8_t type, out[20000];
		int pl = ref_open(&s, seq0 + i, wire + len, &type, out);

		assert_int_equal(pl, (int)rec_plen[i]);
		assert_int_equal(type, rec_type[i]);
		assert_memory_equal(out, plain + rec_off[i], rec_plen[i]);
		if (ref_explicit(&s)) {	/* the record number, RFC 5288 §3 */
			uint64_t e = 0;

			for (int j = 0; j < 8; j++)
				e = e << 8 | wire[len + 5 + j];
			assert_int_equal(e, seq0 + i);
		}
		len += 5u + (uint32_t)(wire[len + 3] << 8 | wire[len + 4]);
	}
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	assert_int_equal(st.records_sw, nrec);
	assert_int_equal(st.records_nic, 0);
	assert_int_equal(st.segments, nseg);
	/* Acknowledge everything: every tracked record is released. */
	assert_int_equal(dpsec_tls_tx_ack(t, tc->tcp_seq + len), (int)nrec);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* Seal @nrec records into @wire with the reference; returns the length. */
static uint32_t
ref_stream(const struct ref_suite *s, uint64_t seq0, unsigned int nrec,
	   unsigned int kind, uint8_t *out)
{
	uint32_t len = 0;
	uint8_t pt[20000];

	for (unsigned int i = 0; i < nrec; i++) {
		uint16_t pl = rec_size(kind, i);
		uint8_t type = i % 5 == 3 ? DPSEC_TLS_TYPE_HANDSHAKE :
			       DPSEC_TLS_TYPE_DATA;

		if (pl == 0 && s->ver == 0x0304)
			pl = 1;
		for (unsigned int j = 0; j < pl; j++)
			pt[j] = (uint8_t)(i * 7 + j);
		rec_off[i] = len;
		rec_plen[i] = pl;
		rec_type[i] = type;
		memcpy(plain + len, pt, pl);
		len += (uint32_t)ref_seal(s, seq0 + i, type, pt, pl,
				(uint16_t)(s->ver == 0x0304 ? i % 4 : 0),
				out + len);
	}
	return len;
}

/* Feed segments in bursts, collect records with a small array. */
static unsigned int
rx_all(struct dpsec_tls *t, struct rte_mbuf **segs, unsigned int nseg,
       struct dpsec_tls_rec *recs, unsigned int cap)
{
	unsigned int done = 0, got = 0;

	while (done < nseg || true) {
		uint16_t b = (uint16_t)RTE_MIN(nseg - done,
					       1u + (unsigned int)rand() % 40);
		uint16_t max = (uint16_t)(1 + rand() % 4);
		uint16_t k = dpsec_tls_rx(t, segs + done, b, recs + got,
					  (uint16_t)RTE_MIN(max, cap - got));

		done += b;
		got += k;
		if (done >= nseg && k == 0)
			break;
	}
	return got;
}

static void
test_rx_case(void **state)
{
	const struct tls_case *tc = *state;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct rte_mbuf *segs[4096];
	static struct dpsec_tls_rec recs[MAX_RECS];
	unsigned int nrec = tc->sizes_kind == 2 ? 12 :
			    tc->sizes_kind == 1 ? 400 : 60;
	unsigned int nseg, got, i;
	uint64_t seq0 = 77;
	uint32_t len, off = 0;

	srand(11);
	suite_fill(&s, tc->ver, tc->cipher, 2);
	conn_init(&c, tc->family);
	conf_fill(&conf, &s, &c, DPSEC_TLS_READ, tc->tcp_seq, seq0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = ref_stream(&s, seq0, nrec, tc->sizes_kind, wire);
	nseg = cut(&c, false, tc->tcp_seq, wire, len, tc->mss, tc->nseg, segs,
		   RTE_DIM(segs));
	got = rx_all(t, segs, nseg, recs, MAX_RECS);
	assert_int_equal(got, nrec);
	for (i = 0; i < nrec; i++) {
		assert_int_equal(recs[i].status, 0);
		assert_int_equal(recs[i].rec_seq, seq0 + i);
		assert_int_equal(recs[i].tcp_seq, tc->tcp_seq + off);
		assert_int_equal(recs[i].type, rec_type[i]);
		assert_int_equal(recs[i].how, DPSEC_TLS_ENCRYPTED);
		assert_int_equal(recs[i].len, rec_plen[i]);
		if (rec_plen[i] == 0) {
			assert_null(recs[i].m);
		} else {
			assert_non_null(recs[i].m);
			assert_int_equal(recs[i].m->pkt_len, rec_plen[i]);
			assert_true(rec_equals(recs[i].m,
					plain + rec_off[i], rec_plen[i]));
		}
		rte_pktmbuf_free(recs[i].m);
		off += 5u + (uint32_t)(wire[off + 3] << 8 | wire[off + 4]);
	}
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

static void
test_roundtrip_case(void **state)
{
	const struct tls_case *tc = *state;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx, *rx;
	struct rte_mbuf *segs[4096];
	static struct dpsec_tls_rec recs[MAX_RECS];
	unsigned int nseg, got, i, nrec = 0;
	uint32_t len = 0;

	srand(5);
	suite_fill(&s, tc->ver, tc->cipher, 3);
	conn_init(&c, tc->family);
	conf_fill(&conf, &s, &c, DPSEC_TLS_WRITE, tc->tcp_seq, 0);
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	/* The receiver is the other end: its local is our remote. */
	conf.type = DPSEC_TLS_READ;
	conf.local = c.b;
	conf.remote = c.a;
	conf.local_port = c.pb;
	conf.remote_port = c.pa;
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	while (nrec < 40) {
		/* Tiny segments: records small enough for the pool. */
		uint16_t pl = (uint16_t)(1 + rand() % (tc->mss != 0 &&
					tc->mss < 100 ? 400 : 9000));
		int pre = dpsec_tls_record_frame(tx, stream + len,
						 DPSEC_TLS_TYPE_DATA, pl, 0);

		assert_true(pre > 0);
		for (i = 0; i < pl; i++)
			stream[len + pre + i] = (uint8_t)rand();
		memcpy(plain + len, stream + len + pre, pl);
		rec_off[nrec] = len;
		rec_plen[nrec++] = pl;
		len += dpsec_tls_record_len(tx, pl, 0);
	}
	nseg = cut(&c, true, tc->tcp_seq, stream, len, tc->mss, tc->nseg, segs,
		   RTE_DIM(segs));
	assert_int_equal(dpsec_tls_tx(tx, segs, (uint16_t)nseg), nseg);
	got = rx_all(rx, segs, nseg, recs, MAX_RECS);
	assert_int_equal(got, nrec);
	for (i = 0; i < nrec; i++) {
		assert_int_equal(recs[i].status, 0);
		assert_true(rec_equals(recs[i].m, plain + rec_off[i],
					     rec_plen[i]));
		rte_pktmbuf_free(recs[i].m);
	}
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* ------------------------------------------------------- bad input */

enum bad_kind {
	BAD_TAG,		/* a ciphertext byte of record 3 flipped */
	BAD_TYPE,		/* header type 99 at record 3 */
	BAD_VERSION,		/* header version 0x0302 */
	BAD_TOO_LONG,		/* length over the version's limit */
	BAD_TOO_SHORT,		/* length below nonce + tag */
	BAD_ZERO13,		/* TLS 1.3 plaintext of zeros only */
};

struct bad_case {
	const char *name;
	uint16_t ver;
	enum dpsec_cipher cipher;
	enum bad_kind kind;
	int status;			/* of record 3 */
};

static void
test_bad_case(void **state)
{
	const struct bad_case *bc = *state;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct dpsec_tls_info info;
	struct dpsec_tls_stats st;
	struct rte_mbuf *segs[512], *late;
	static struct dpsec_tls_rec recs[64];
	unsigned int nseg, got, i;
	uint32_t len, bad_off;
	uint8_t zeros[40] = { 0 };

	srand(3);
	suite_fill(&s, bc->ver, bc->cipher, 4);
	conn_init(&c, 4);
	conf_fill(&conf, &s, &c, DPSEC_TLS_READ, 5000, 0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = ref_stream(&s, 0, 8, 0, wire);
	bad_off = rec_off[3];
	switch (bc->kind) {
	case BAD_TAG:
		wire[bad_off + 20] ^= 0x40;
		break;
	case BAD_TYPE:
		wire[bad_off] = 99;
		break;
	case BAD_VERSION:
		wire[bad_off + 2] = 2;
		break;
	case BAD_TOO_LONG:
		wire[bad_off + 3] = bc->ver == 0x0304 ? 0x41 : 0x48;
		wire[bad_off + 4] = 0x01;
		break;
	case BAD_TOO_SHORT:
		wire[bad_off + 3] = 0;
		wire[bad_off + 4] = 10;
		break;
	case BAD_ZERO13:
		/* Record 3 replaced by one whose inner plaintext is zeros
		 * only (type byte 0 and padding), then records 4.. again. */
		len = rec_off[3];
		len += (uint32_t)ref_seal(&s, 3, 0, zeros, 0, 8, wire + len);
		for (i = 4; i < 8; i++)
			len += (uint32_t)ref_seal(&s, i, DPSEC_TLS_TYPE_DATA,
						  zeros, 10, 0, wire + len);
		break;
	}
	nseg = cut(&c, false, 5000, wire, len, 700, 1, segs, RTE_DIM(segs));
	got = rx_all(t, segs, nseg, recs, RTE_DIM(recs));
	/* Records before the bad one come out whole, then its error, then
	 * nothing: the stream is out of sync or forged from there on. */
	assert_int_equal(got, 4);
	for (i = 0; i < 3; i++) {
		assert_int_equal(recs[i].status, 0);
		assert_true(rec_plen[i] == 0 ? recs[i].m == NULL :
			    rec_equals(recs[i].m, plain + rec_off[i],
					     rec_plen[i]));
		rte_pktmbuf_free(recs[i].m);
	}
	assert_int_equal(recs[3].status, bc->status);
	assert_null(recs[3].m);
	assert_int_equal(recs[3].rec_seq, 3);
	assert_int_equal(dpsec_tls_info(t, &info), 0);
	assert_int_equal(info.state, DPSEC_TLS_FAILED);
	/* Later segments are dropped with the reason. */
	late = seg_make(&c, false, 5000 + len, wire, 100, 1);
	assert_int_equal(dpsec_tls_rx(t, &late, 1, recs, 4), 0);
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	if (bc->kind == BAD_TAG)
		assert_int_equal(st.auth_failed, 1);
	if (bc->kind == BAD_TOO_LONG)
		assert_int_equal(st.rec_too_long, 1);
	assert_true(st.dropped >= 1);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* Other connections, gaps, duplicates and overlaps. */
static void
test_rx_stream_edges(void **state)
{
	struct ref_suite s;
	struct conn c, other;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct rte_mbuf *m;
	static struct dpsec_tls_rec recs[64];
	struct dpsec_tls_stats st;
	uint32_t len, seq0 = UINT32_MAX - 300;	/* wraps inside record 0 */
	unsigned int got = 0;

	(void)state;
	suite_fill(&s, 0x0304, DPSEC_CIPHER_AES_GCM_128, 5);
	conn_init(&c, 6);
	conn_init(&other, 6);
	other.pb = 50124;
	conf_fill(&conf, &s, &c, DPSEC_TLS_READ, seq0, 0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = ref_stream(&s, 0, 4, 0, wire);
	/* Another connection's segment: dropped, the context goes on. */
	m = seg_make(&other, false, seq0, wire, 50, 1);
	assert_int_equal(dpsec_tls_rx(t, &m, 1, recs, 8), 0);
	/* A gap: bytes 0..49 missing. */
	m = seg_make(&c, false, seq0 + 50, wire + 50, 50, 1);
	assert_int_equal(dpsec_tls_rx(t, &m, 1, recs, 8), 0);
	/* In order. */
	m = seg_make(&c, false, seq0, wire, 60, 1);
	got += dpsec_tls_rx(t, &m, 1, recs + got, 8);
	/* A pure duplicate, then an overlap 40..200. */
	m = seg_make(&c, false, seq0 + 10, wire + 10, 30, 1);
	got += dpsec_tls_rx(t, &m, 1, recs + got, 8);
	m = seg_make(&c, false, seq0 + 40, wire + 40, 160, 1);
	got += dpsec_tls_rx(t, &m, 1, recs + got, 8);
	m = seg_make(&c, false, seq0 + 200, wire + 200, len - 200, 3);
	got += dpsec_tls_rx(t, &m, 1, recs + got, 8);
	assert_int_equal(got, 4);
	for (unsigned int i = 0; i < got; i++) {
		assert_int_equal(recs[i].status, 0);
		assert_true(rec_equals(recs[i].m, plain + rec_off[i],
					     rec_plen[i]));
		rte_pktmbuf_free(recs[i].m);
	}
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	assert_int_equal(st.ooo, 1);
	assert_int_equal(st.dropped, 3);	/* other conn, gap, duplicate */
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* Many tiny records, collected one at a time: none is lost. */
static void
test_rx_many_small(void **state)
{
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct rte_mbuf *m;
	struct dpsec_tls_rec r;
	uint32_t len;
	unsigned int got = 0;

	(void)state;
	suite_fill(&s, 0x0303, DPSEC_CIPHER_CHACHA20_POLY1305, 6);
	conn_init(&c, 4);
	conf_fill(&conf, &s, &c, DPSEC_TLS_READ, 1, 0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = ref_stream(&s, 0, 400, 1, wire);	/* ~8.8 KB, 400 records */
	m = seg_make(&c, false, 1, wire, len, 4);
	got = dpsec_tls_rx(t, &m, 1, &r, 1);
	assert_int_equal(got, 1);
	for (;;) {
		assert_int_equal(r.status, 0);
		assert_int_equal(r.rec_seq, got - 1);
		assert_true(rec_equals(r.m, plain + rec_off[got - 1],
					     rec_plen[got - 1]));
		rte_pktmbuf_free(r.m);
		if (dpsec_tls_rx(t, NULL, 0, &r, 1) == 0)
			break;
		got++;
	}
	assert_int_equal(got, 400);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

static unsigned int ev_soft, ev_hard;

static void
ev_cb(struct dpsec_ctx *cx, struct dpsec_tls *t, enum dpsec_tls_event ev,
      uint64_t ud, void *arg)
{
	(void)cx; (void)t; (void)arg;
	assert_int_equal(ud, 42);
	if (ev == DPSEC_TLS_EV_SOFT_LIMIT)
		ev_soft++;
	else
		ev_hard++;
}

/* Record limits: the soft one raises an event once, the hard one stops
 * the context before a record past it is sealed. */
static void
test_tx_life(void **state)
{
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct rte_mbuf *m[8];
	struct dpsec_tls_info info;
	uint32_t len = 0, rl;

	(void)state;
	suite_fill(&s, 0x0304, DPSEC_CIPHER_AES_GCM_256, 7);
	conn_init(&c, 4);
	conf_fill(&conf, &s, &c, DPSEC_TLS_WRITE, 9, 0);
	conf.life.packets_soft_limit = 2;
	conf.life.packets_hard_limit = 3;
	conf.userdata = 42;
	assert_int_equal(dpsec_tls_event_cb_set(ctx, ev_cb, NULL), 0);
	ev_soft = ev_hard = 0;
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	rl = dpsec_tls_record_len(t, 10, 0);
	for (unsigned int i = 0; i < 4; i++) {
		assert_true(dpsec_tls_record_frame(t, stream + len,
				DPSEC_TLS_TYPE_DATA, 10, 0) > 0);
		m[i] = seg_make(&c, true, 9 + len, stream + len, rl, 1);
		len += rl;
	}
	assert_int_equal(dpsec_tls_tx(t, m, 4), 3);
	assert_int_equal(dpsec_mbuf_reason(m[3]), DPSEC_R_TLS_STOPPED);
	test_free_bulk(m, 4);
	assert_int_equal(ev_soft, 1);
	assert_int_equal(ev_hard, 1);
	assert_int_equal(dpsec_tls_info(t, &info), 0);
	assert_int_equal(info.state, DPSEC_TLS_DEAD);
	assert_int_equal(dpsec_tls_event_cb_set(ctx, NULL, NULL), 0);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* Configuration errors: each refused with EINVAL, naming the field. */
static void
test_bad_conf(void **state)
{
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf, bad;
	struct dpsec_tls_info info;
	struct dpsec_tls *t;

	(void)state;
	suite_fill(&s, 0x0303, DPSEC_CIPHER_AES_GCM_128, 8);
	conn_init(&c, 4);
	conf_fill(&conf, &s, &c, DPSEC_TLS_WRITE, 1, 0);
	bad = conf; bad.ver = 0x0302;
	assert_null(dpsec_tls_create(ctx, &bad));
	assert_int_equal(rte_errno, EINVAL);
	bad = conf; bad.cipher = DPSEC_CIPHER_AES_CBC_128;
	assert_null(dpsec_tls_create(ctx, &bad));
	bad = conf; bad.key_len = 32;
	assert_null(dpsec_tls_create(ctx, &bad));
	bad = conf; bad.key = NULL;
	assert_null(dpsec_tls_create(ctx, &bad));
	bad = conf; bad.remote.family = 6;
	assert_null(dpsec_tls_create(ctx, &bad));
	bad = conf; bad.local_port = 0;
	assert_null(dpsec_tls_create(ctx, &bad));
	bad = conf; bad.options.extra_padding_enable = 1;
	assert_null(dpsec_tls_create(ctx, &bad));
	bad = conf; bad.cipher = DPSEC_CIPHER_CHACHA20_POLY1305;
	bad.key_len = 32; bad.options.iv_gen_disable = 1;
	assert_null(dpsec_tls_create(ctx, &bad));
	bad = conf; bad.life.packets_soft_limit = 5;
	bad.life.packets_hard_limit = 4;
	assert_null(dpsec_tls_create(ctx, &bad));
	assert_null(dpsec_tls_create(ctx, NULL));
	assert_null(dpsec_tls_create(NULL, &conf));
	/* AUTO on a port not attached: software, with the reason. */
	conf.offload = DPSEC_OFFLOAD_AUTO;
	conf.port_id = 3;
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	assert_int_equal(dpsec_tls_info(t, &info), 0);
	assert_int_equal(info.placement, DPSEC_PLACE_SW);
	assert_int_equal(info.place_reason, DPSEC_PLACE_R_NO_PORT);
	/* REQUIRE cannot be met. */
	conf.offload = DPSEC_OFFLOAD_REQUIRE;
	assert_null(dpsec_tls_create(ctx, &conf));
	assert_int_equal(rte_errno, ENOTSUP);
	/* A read context refuses TX and the reverse, as bad handles. */
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
}

#define MATRIX(ver, cipher, cname) \
	{ "tls" #ver "-" cname "-v4-mss1448", 0x0 ## ver, cipher, 4, 1448, 1, 0, 1000 }, \
	{ "tls" #ver "-" cname "-v6-random-3seg", 0x0 ## ver, cipher, 6, 0, 3, 0, UINT32_MAX - 5000 }, \
	{ "tls" #ver "-" cname "-v4-mss7-tiny", 0x0 ## ver, cipher, 4, 7, 1, 1, 0 }, \
	{ "tls" #ver "-" cname "-v4-9000-full", 0x0 ## ver, cipher, 4, 9000, 2, 2, 12345 }

static const struct tls_case cases[] = {
	MATRIX(303, DPSEC_CIPHER_AES_GCM_128, "aes-gcm-128"),
	MATRIX(303, DPSEC_CIPHER_AES_GCM_256, "aes-gcm-256"),
	MATRIX(303, DPSEC_CIPHER_CHACHA20_POLY1305, "chacha20-poly1305"),
	MATRIX(304, DPSEC_CIPHER_AES_GCM_128, "aes-gcm-128"),
	MATRIX(304, DPSEC_CIPHER_AES_GCM_256, "aes-gcm-256"),
	MATRIX(304, DPSEC_CIPHER_CHACHA20_POLY1305, "chacha20-poly1305"),
};

static const struct bad_case bad_cases[] = {
	{ "bad-tag-tls12-gcm", 0x0303, DPSEC_CIPHER_AES_GCM_128, BAD_TAG, -EBADMSG },
	{ "bad-tag-tls12-chacha", 0x0303, DPSEC_CIPHER_CHACHA20_POLY1305, BAD_TAG, -EBADMSG },
	{ "bad-tag-tls13-gcm256", 0x0304, DPSEC_CIPHER_AES_GCM_256, BAD_TAG, -EBADMSG },
	{ "bad-type-tls12", 0x0303, DPSEC_CIPHER_AES_GCM_128, BAD_TYPE, -EPROTO },
	{ "bad-type-tls13", 0x0304, DPSEC_CIPHER_AES_GCM_128, BAD_TYPE, -EPROTO },
	{ "bad-version", 0x0304, DPSEC_CIPHER_CHACHA20_POLY1305, BAD_VERSION, -EPROTO },
	{ "too-long-tls12", 0x0303, DPSEC_CIPHER_AES_GCM_256, BAD_TOO_LONG, -EMSGSIZE },
	{ "too-long-tls13", 0x0304, DPSEC_CIPHER_AES_GCM_128, BAD_TOO_LONG, -EMSGSIZE },
	{ "too-short-tls12", 0x0303, DPSEC_CIPHER_AES_GCM_128, BAD_TOO_SHORT, -EPROTO },
	{ "zeros-only-tls13", 0x0304, DPSEC_CIPHER_AES_GCM_128, BAD_ZERO13, -EPROTO },
};

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0" };
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_rx_stream_edges),
		cmocka_unit_test(test_rx_many_small),
		cmocka_unit_test(test_tx_life),
		cmocka_unit_test(test_bad_conf),
	};
	static struct CMUnitTest tests[3 * RTE_DIM(cases) +
				       RTE_DIM(bad_cases) + RTE_DIM(fixed)];
	static char names[3 * RTE_DIM(cases)][64];
	struct dpsec_ctx_conf cc = {
		.name = "tls", .socket_id = SOCKET_ID_ANY, .max_sa = 16,
	};
	unsigned int k = 0, i;
	int ret;

	if (test_eal_init("lib-tls", eal_args, (int)RTE_DIM(eal_args)) < 0)
		return 1;
	tlst_pool = test_pool_create("tls_pool", POOL_N, 2048);
	ctx = dpsec_create(&cc);
	if (tlst_pool == NULL || ctx == NULL)
		return 1;
	for (i = 0; i < RTE_DIM(cases); i++) {
		static void (*const fns[3])(void **) = {
			test_tx_case, test_rx_case, test_roundtrip_case };
		static const char *const pre[3] = { "tx", "rx", "rt" };

		for (unsigned int f = 0; f < 3; f++) {
			snprintf(names[k], sizeof(names[k]), "%s-%s", pre[f],
				 cases[i].name);
			tests[k].name = names[k];
			tests[k].test_func = fns[f];
			tests[k].setup_func = NULL;
			tests[k].teardown_func = NULL;
			tests[k].initial_state = (void *)(uintptr_t)&cases[i];
			k++;
		}
	}
	for (i = 0; i < RTE_DIM(bad_cases); i++) {
		tests[k].name = bad_cases[i].name;
		tests[k].test_func = test_bad_case;
		tests[k].setup_func = NULL;
		tests[k].teardown_func = NULL;
		tests[k].initial_state = (void *)(uintptr_t)&bad_cases[i];
		k++;
	}
	for (i = 0; i < RTE_DIM(fixed); i++)
		tests[k++] = fixed[i];
	ret = _cmocka_run_group_tests("lib-tls", tests, k, NULL, NULL);
	dpsec_free(ctx);
	rte_mempool_free(tlst_pool);
	rte_eal_cleanup();
	return ret;
}
