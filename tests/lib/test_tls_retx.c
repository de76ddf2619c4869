/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS part 2 in software (dpsec_tls.h), against the independent record
 * layer of tls_test.c (OpenSSL EVP, written from the RFCs):
 *  - TX retransmissions: ranges of the stream sent again (the
 *    application's plaintext framing), anywhere before the cursor and
 *    across it, must come out byte for byte as the first transmission
 *    (same key, nonce and plaintext: the same ciphertext), and the whole
 *    first transmission opens with the reference; ranges the peer already
 *    acknowledged are refused (DPSEC_R_TLS_NO_DATA), never sent in
 *    plaintext;
 *  - TX key change at a record boundary (TLS 1.3 KeyUpdate, TLS 1.2 key
 *    change): records before under the old key, after under the new one
 *    numbered from 0, a retransmission across the boundary with both;
 *    boundaries that are not record starts fail the context;
 *  - RX KeyUpdate: records up to the KeyUpdate come back, the context
 *    waits (DPSEC_TLS_KEY_WAIT, event), holds the bytes after it, and
 *    after dpsec_tls_rekey() returns the records under the new key; two
 *    KeyUpdates in a row; wrong rekey calls refused.
 * Every case ends with the mempool full.
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

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"
#include "eal_fixture.h"
#include "tls_test.h"

enum {
	STREAM_MAX = 1 << 19,
	MAX_RECS = 256,
	POOL_N = 8191,
	SEQ0 = 0xfffff000u,		/* the TCP sequence wraps */
};

struct rte_mempool *tlst_pool;
static struct dpsec_ctx *ctx;

static uint8_t stream[STREAM_MAX];	/* plaintext framing */
static uint8_t wire[STREAM_MAX];	/* first transmission */
static uint8_t buf[STREAM_MAX];
static uint32_t rec_start[MAX_RECS + 1], rec_plen[MAX_RECS];

struct vcase {
	const char *name;
	uint16_t ver;
	enum dpsec_cipher cipher;
};

static const struct vcase vcases[] = {
	{ "tls12-aes-gcm-128", 0x0303, DPSEC_CIPHER_AES_GCM_128 },
	{ "tls12-aes-gcm-256", 0x0303, DPSEC_CIPHER_AES_GCM_256 },
	{ "tls12-chacha20-poly1305", 0x0303, DPSEC_CIPHER_CHACHA20_POLY1305 },
	{ "tls13-aes-gcm-128", 0x0304, DPSEC_CIPHER_AES_GCM_128 },
	{ "tls13-aes-gcm-256", 0x0304, DPSEC_CIPHER_AES_GCM_256 },
	{ "tls13-chacha20-poly1305", 0x0304, DPSEC_CIPHER_CHACHA20_POLY1305 },
};

static void
suite_fill(struct ref_suite *s, const struct vcase *vc, uint32_t seed)
{
	memset(s, 0, sizeof(*s));
	s->ver = vc->ver;
	s->cipher = vc->cipher;
	s->key_len = vc->cipher == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	for (unsigned int i = 0; i < 32; i++)
		s->key[i] = (uint8_t)(seed * 29 + i * 7 + 3);
	for (unsigned int i = 0; i < 12; i++)
		s->iv[i] = (uint8_t)(seed * 17 + i * 5 + 1);
}


/* Frame @n records after @len bytes of stream[]; returns the new length. */
static uint32_t
frame_records(struct dpsec_tls *t, uint32_t len, unsigned int first,
	      unsigned int n)
{
	for (unsigned int i = first; i < first + n; i++) {
		uint16_t pl = (uint16_t)(1 + rand() % (i % 7 == 0 ? 16384 :
							 1500));
		int pre = dpsec_tls_record_frame(t, stream + len,
						 DPSEC_TLS_TYPE_DATA, pl, 0);

		assert_true(pre > 0);
		for (unsigned int j = 0; j < pl; j++)
			stream[len + pre + j] = (uint8_t)rand();
		rec_start[i] = len;
		rec_plen[i] = pl;
		len += dpsec_tls_record_len(t, pl, 0);
	}
	rec_start[first + n] = len;
	return len;
}

/* Send stream[a, b) as one segment (1..3 mbufs); the payload out in
 * @out; returns dpsec_tls_tx()'s count and the reason if refused. */
static uint16_t
send_range(struct dpsec_tls *t, const struct conn *c, uint32_t a,
	   uint32_t b, uint8_t *out, enum dpsec_reason *why)
{
	struct rte_mbuf *m = seg_make(c, true, SEQ0 + a, stream + a, b - a,
				      1 + (unsigned int)rand() % 3);
	uint16_t k;

	assert_non_null(m);
	k = dpsec_tls_tx(t, &m, 1);
	*why = dpsec_mbuf_reason(m);
	if (k == 1)
		assert_int_equal(seg_payload(m, out), b - a);
	rte_pktmbuf_free(m);
	return k;
}

/* The first transmission opens record by record with the reference. */
static void
check_wire(const struct ref_suite *s, unsigned int nrec, uint64_t seq0)
{
	for (unsigned int i = 0; i < nrec; i++) {
		uint8_t type, out[20000];
		int pl = ref_open(s, seq0 + i, wire + rec_start[i], &type, out);

		assert_int_equal(pl, (int)rec_plen[i]);
		assert_memory_equal(out, stream + rec_start[i] +
				    (rec_start[i + 1] - rec_start[i] -
				     rec_plen[i] - 16 -
				     (s->ver == 0x0304 ? 1 : 0)),
				    rec_plen[i]);
	}
}

static void
test_tx_retx(void **state)
{
	const struct vcase *vc = *state;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct dpsec_tls_stats st;
	enum dpsec_reason why;
	uint32_t len, cur = 0, acked = 0;
	unsigned int nrec = 60, retx = 0, refused = 0;

	srand(31);
	suite_fill(&s, vc, 1);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_NONE, SEQ0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = frame_records(t, 0, 0, nrec);
	while (cur < len) {
		uint32_t a, b;

		if (cur > 0 && rand() % 3 == 0) {
			/* Again: from what is unacknowledged, maybe past
			 * the cursor. */
			a = acked + (uint32_t)rand() % (cur - acked);
			b = RTE_MIN(len, a + 1 + (uint32_t)rand() % 3000);
			b = RTE_MIN(b, cur + 700);
			assert_int_equal(send_range(t, &c, a, b, buf, &why), 1);
			assert_memory_equal(buf, wire + a, RTE_MIN(b, cur) - a);
			if (b > cur) {
				memcpy(wire + cur, buf + (cur - a), b - cur);
				cur = b;
			}
			retx++;
		} else {
			b = RTE_MIN(len, cur + 1 + (uint32_t)rand() % 3000);
			assert_int_equal(send_range(t, &c, cur, b, wire + cur,
						    &why), 1);
			cur = b;
		}
		/* The peer acknowledges some: whole records go. */
		if (rand() % 4 == 0) {
			uint32_t ack = acked + (uint32_t)rand() %
				       (cur - acked + 1);
			unsigned int i = 0;

			dpsec_tls_tx_ack(t, SEQ0 + ack);
			/* Tracking keeps whole records: the first one not
			 * wholly acknowledged is where resending may start. */
			while (rec_start[i + 1] <= ack)
				i++;
			acked = rec_start[i];
			if (acked > 0) {
				/* Bytes before it are gone. */
				assert_int_equal(send_range(t, &c, acked - 1,
							    acked + 1, buf,
							    &why), 0);
				assert_int_equal(why, DPSEC_R_TLS_NO_DATA);
				refused++;
			}
		}
	}
	assert_true(retx > 10);
	check_wire(&s, nrec, 0);
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	assert_int_equal(st.tx_retransmits, retx + refused);
	assert_int_equal(st.dropped, refused);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* TX key change at a record boundary. */
static void
test_tx_rekey(void **state)
{
	const struct vcase *vc = *state;
	struct ref_suite s1, s2;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct dpsec_tls_stats st;
	enum dpsec_reason why;
	uint32_t len, cur = 0, k;
	unsigned int n1 = 9, n2 = 11, i;

	srand(41);
	suite_fill(&s1, vc, 2);
	suite_fill(&s2, vc, 3);
	conn_init(&c, 6);
	ref_conf_fill(&conf, &s1, &c, false, 0, DPSEC_OFFLOAD_NONE, SEQ0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = frame_records(t, 0, 0, n1);
	/* Send the old-key records in pieces. */
	while (cur < len) {
		k = RTE_MIN(len, cur + 1 + (uint32_t)rand() % 2000);
		assert_int_equal(send_range(t, &c, cur, k, wire + cur, &why),
				 1);
		cur = k;
	}
	/* Refused: a boundary behind the cursor; twice. */
	assert_int_equal(dpsec_tls_rekey(t, s2.key, s2.key_len, s2.iv,
					 SEQ0 + cur - 1), -EINVAL);
	assert_int_equal(dpsec_tls_rekey(t, s2.key, 5, s2.iv, SEQ0 + cur),
			 -EINVAL);
	assert_int_equal(dpsec_tls_rekey(t, s2.key, s2.key_len, s2.iv,
					 SEQ0 + cur), 0);
	assert_int_equal(dpsec_tls_rekey(t, s2.key, s2.key_len, s2.iv,
					 SEQ0 + cur), -EBUSY);
	/* Records framed under the new key are numbered from 0. */
	len = frame_records(t, len, n1, n2);
	while (cur < len) {
		k = RTE_MIN(len, cur + 1 + (uint32_t)rand() % 2000);
		assert_int_equal(send_range(t, &c, cur, k, wire + cur, &why),
				 1);
		cur = k;
	}
	for (i = 0; i < n1; i++) {
		uint8_t type, out[20000];

		assert_int_equal(ref_open(&s1, i, wire + rec_start[i], &type,
					  out), (int)rec_plen[i]);
	}
	for (i = n1; i < n1 + n2; i++) {
		uint8_t type, out[20000];

		assert_int_equal(ref_open(&s2, i - n1, wire + rec_start[i],
					  &type, out), (int)rec_plen[i]);
		/* Not under the old key. */
		assert_true(ref_open(&s1, i, wire + rec_start[i], &type,
				     out) < 0);
	}
	/* A retransmission across the boundary: old key before it, new
	 * after, the same bytes as the first time. */
	k = rec_start[n1];
	assert_int_equal(send_range(t, &c, k - 100, k + 100, buf, &why), 1);
	assert_memory_equal(buf, wire + k - 100, 200);
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	assert_int_equal(st.key_updates, 1);
	/* Once everything is acknowledged the old key is gone; a boundary
	 * inside a record fails the context when the cursor crosses it. */
	dpsec_tls_tx_ack(t, SEQ0 + len);
	assert_int_equal(dpsec_tls_rekey(t, s1.key, s1.key_len, s1.iv,
					 SEQ0 + len + 3), 0);
	len = frame_records(t, len, n1 + n2, 1);
	assert_int_equal(send_range(t, &c, cur, len, buf, &why), 0);
	assert_int_equal(why, DPSEC_R_TLS_BAD_RECORD);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* A TLS 1.3 KeyUpdate handshake message (RFC 8446 §4.6.3). */
static const uint8_t key_update[5] = { 24, 0, 0, 1, 0 };

static unsigned int nb_key_events;

static void
ev_cb(struct dpsec_ctx *c, struct dpsec_tls *t, enum dpsec_tls_event ev,
      uint64_t userdata, void *arg)
{
	(void)c;
	(void)t;
	(void)userdata;
	(void)arg;
	if (ev == DPSEC_TLS_EV_KEY_UPDATE)
		nb_key_events++;
}

/*
 * RX KeyUpdates: @nku of them, each followed by records under the next
 * key; fed in random segments and bursts.
 */
static void
test_rx_key_update(void **state)
{
	const struct vcase *vc = *state;
	struct ref_suite s[3];
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct rte_mbuf *segs[2048];
	static struct dpsec_tls_rec recs[MAX_RECS];
	struct dpsec_tls_info info;
	uint32_t len = 0, ku_end[2], plen[40];
	uint8_t type[40];
	unsigned int nseg, got = 0, done = 0, nrec = 0, gen = 0, i;
	uint64_t rseq = 0;

	srand(51);
	for (i = 0; i < 3; i++)
		suite_fill(&s[i], vc, 10 + i);
	conn_init(&c, 4);
	/* Records: 5 data, KU, 6 data, KU, 4 data (keys 0, 1, 2). */
	for (i = 0; i < 17; i++) {
		uint8_t pt[3000];
		bool ku = i == 5 || i == 12;
		uint16_t pl = ku ? 5 : (uint16_t)(1 + rand() % 2500);

		if (ku)
			memcpy(pt, key_update, 5);
		else
			for (unsigned int j = 0; j < pl; j++)
				pt[j] = (uint8_t)rand();
		len += (uint32_t)ref_seal(&s[gen], rseq, ku ?
					  DPSEC_TLS_TYPE_HANDSHAKE :
					  DPSEC_TLS_TYPE_DATA, pt, pl, 0,
					  wire + len);
		memcpy(stream + len - pl - 17, pt, pl);
		plen[nrec] = pl;
		type[nrec++] = ku ? DPSEC_TLS_TYPE_HANDSHAKE :
				    DPSEC_TLS_TYPE_DATA;
		rseq++;
		if (ku) {
			ku_end[gen] = len;
			gen++;
			rseq = 0;
		}
	}
	ref_conf_fill(&conf, &s[0], &c, true, 0, DPSEC_OFFLOAD_NONE, SEQ0);
	conf.remote = c.a;
	conf.local = c.b;
	conf.remote_port = c.pa;
	conf.local_port = c.pb;
	nb_key_events = 0;
	assert_int_equal(dpsec_tls_event_cb_set(ctx, ev_cb, NULL), 0);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	/* Not waiting for a key: refused. */
	assert_int_equal(dpsec_tls_rekey(t, s[1].key, s[1].key_len, s[1].iv,
					 SEQ0), -EINVAL);
	nseg = cut(&c, true, SEQ0, wire, len, 0, 1, segs, RTE_DIM(segs));
	for (gen = 0; gen < 3; gen++) {
		/* Feed what is left; the context stops at the KeyUpdate. */
		while (done < nseg) {
			uint16_t b = (uint16_t)RTE_MIN(nseg - done,
					1u + (unsigned int)rand() % 20);

			got += dpsec_tls_rx(t, segs + done, b, recs + got,
					    (uint16_t)(MAX_RECS - got));
			done += b;
		}
		got += dpsec_tls_rx(t, NULL, 0, recs + got,
				    (uint16_t)(MAX_RECS - got));
		assert_int_equal(dpsec_tls_info(t, &info), 0);
		if (gen == 2) {
			assert_int_equal(info.state, DPSEC_TLS_ACTIVE);
			break;
		}
		assert_int_equal(got, gen == 0 ? 6 : 13);
		assert_int_equal(info.state, DPSEC_TLS_KEY_WAIT);
		assert_int_equal(nb_key_events, gen + 1);
		assert_int_equal(info.next_tcp_seq, SEQ0 + ku_end[gen]);
		/* Wrong boundary, wrong key length: refused. */
		assert_int_equal(dpsec_tls_rekey(t, s[gen + 1].key,
						 s[gen + 1].key_len,
						 s[gen + 1].iv,
						 SEQ0 + ku_end[gen] + 1),
				 -EINVAL);
		assert_int_equal(dpsec_tls_rekey(t, s[gen + 1].key, 7,
						 s[gen + 1].iv,
						 SEQ0 + ku_end[gen]), -EINVAL);
		assert_int_equal(dpsec_tls_rekey(t, s[gen + 1].key,
						 s[gen + 1].key_len,
						 s[gen + 1].iv,
						 SEQ0 + ku_end[gen]), 0);
	}
	assert_int_equal(got, nrec);
	for (i = 0, len = 0; i < nrec; i++) {
		uint32_t rl = 5u + (uint32_t)(wire[len + 3] << 8 |
					      wire[len + 4]);

		assert_int_equal(recs[i].status, 0);
		assert_int_equal(recs[i].type, type[i]);
		assert_int_equal(recs[i].len, plen[i]);
		assert_int_equal(recs[i].rec_seq, i < 6 ? i : i < 13 ? i - 6 :
				 i - 13);
		assert_true(rec_equals(recs[i].m, stream + len + rl -
				       plen[i] - 17, plen[i]));
		rte_pktmbuf_free(recs[i].m);
		len += rl;
	}
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_int_equal(dpsec_tls_event_cb_set(ctx, NULL, NULL), 0);
	assert_true(test_pool_full(tlst_pool));
}

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0" };
	static struct CMUnitTest tests[3 * RTE_DIM(vcases)];
	static char names[RTE_DIM(tests)][64];
	struct dpsec_ctx_conf cc = {
		.name = "tls2", .socket_id = SOCKET_ID_ANY, .max_sa = 16,
	};
	unsigned int k = 0, i, f;
	int ret;

	if (test_eal_init("lib-tls-retx", eal_args,
			  (int)RTE_DIM(eal_args)) < 0)
		return 1;
	tlst_pool = test_pool_create("tls2_pool", POOL_N, 2048);
	ctx = dpsec_create(&cc);
	if (tlst_pool == NULL || ctx == NULL)
		return 1;
	for (f = 0; f < 3; f++) {
		static void (*const fns[3])(void **) = {
			test_tx_retx, test_tx_rekey, test_rx_key_update };
		static const char *const pre[3] = { "tx-retx", "tx-rekey",
						    "rx-keyupdate" };

		for (i = 0; i < RTE_DIM(vcases); i++) {
			/* KeyUpdate is TLS 1.3's. */
			if (f == 2 && vcases[i].ver != 0x0304)
				continue;
			snprintf(names[k], sizeof(names[k]), "%s-%s", pre[f],
				 vcases[i].name);
			tests[k] = (struct CMUnitTest){ names[k], fns[f], NULL,
				NULL, (void *)(uintptr_t)&vcases[i] };
			k++;
		}
	}
	ret = _cmocka_run_group_tests("lib-tls-retx", tests, k, NULL, NULL);
	dpsec_free(ctx);
	rte_mempool_free(tlst_pool);
	rte_eal_cleanup();
	return ret;
}
