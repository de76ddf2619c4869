/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS contexts on sim_inline's TLS engine, found through the driver's TLS
 * ops (dpsec_driver.h) only: two ports wired to each other, a write
 * context on port 0 and a read context on port 1.
 *  - NIC TX -> NIC RX, NIC TX -> software RX, software TX -> NIC RX, for
 *    TLS 1.2 and 1.3 x AES-128/256-GCM: every record arrives with its
 *    plaintext, DECRYPTED where the NIC did it, ENCRYPTED where software
 *    did; the records software opened prove the NIC's ciphertext and tags
 *    (and software's own are proven against OpenSSL in lib-tls);
 *  - placement: ChaCha20 stays in software (UNSUPPORTED), REQUIRE fails,
 *    a full NIC table (max_tls=2 on port 1) puts the third context in
 *    software (TABLE_FULL), offload NONE is software;
 *  - the per-port counters (Linux tls-offload names) count what passed.
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
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dpsec.h"
#include "dpsec_driver.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"
#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "tls_test.h"

enum {
	NB_REC = 30,
	STREAM_MAX = 1 << 19,
};

struct rte_mempool *tlst_pool;
static struct dpsec_ctx *ctx;

static uint8_t stream[STREAM_MAX];
static uint8_t plain[STREAM_MAX];
static uint32_t rec_off[NB_REC], rec_len[NB_REC];

struct off_case {
	const char *name;
	uint16_t ver;
	enum dpsec_cipher cipher;
	uint8_t family;
	enum dpsec_offload tx_off, rx_off;
	enum dpsec_tls_decrypt want_how;
	uint32_t mss;
};

static void
suite_fill(struct ref_suite *s, uint16_t ver, enum dpsec_cipher c)
{
	memset(s, 0, sizeof(*s));
	s->ver = ver;
	s->cipher = c;
	s->key_len = c == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	for (unsigned int i = 0; i < 32; i++)
		s->key[i] = (uint8_t)(i * 11 + 5);
	for (unsigned int i = 0; i < 12; i++)
		s->iv[i] = (uint8_t)(i * 3 + 9);
}


static uint32_t frame_stream(struct dpsec_tls *t, unsigned int nrec,
			     uint32_t maxpl);
static void recs_intact(struct dpsec_tls_rec *recs, unsigned int n,
			bool numbered, unsigned int how[3]);

/* Longer than the 100 ms a write context's NIC entry outlives it. */
static void
grace_wait(void)
{
	rte_delay_ms(250);
}

static void
test_offload_case(void **state)
{
	const struct off_case *oc = *state;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx, *rx;
	struct dpsec_tls_info ti, ri;
	struct dpsec_tls_port_stats p0a, p0b, p1a, p1b;
	struct rte_mbuf *segs[2048], *in[2048];
	struct dpsec_tls_rec recs[NB_REC];
	uint32_t len = 0, seq0 = 0xfffff000u;
	unsigned int nseg, got = 0, nin, i, how[3] = { 0, 0, 0 };

	srand(21);
	suite_fill(&s, oc->ver, oc->cipher);
	conn_init(&c, oc->family);
	ref_conf_fill(&conf, &s, &c, false, 0, oc->tx_off, seq0);
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	ref_conf_fill(&conf, &s, &c, true, 1, oc->rx_off, seq0);
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	assert_int_equal(dpsec_tls_info(tx, &ti), 0);
	assert_int_equal(dpsec_tls_info(rx, &ri), 0);
	assert_int_equal(ti.placement, oc->tx_off == DPSEC_OFFLOAD_NONE ?
			 DPSEC_PLACE_SW : DPSEC_PLACE_INLINE_CRYPTO);
	assert_int_equal(ri.placement, oc->rx_off == DPSEC_OFFLOAD_NONE ?
			 DPSEC_PLACE_SW : DPSEC_PLACE_INLINE_CRYPTO);
	assert_int_equal(dpsec_tls_port_stats_get(ctx, 0, &p0a), 0);
	assert_int_equal(dpsec_tls_port_stats_get(ctx, 1, &p1a), 0);

	len = frame_stream(tx, NB_REC, 6000);
	nseg = cut(&c, true, seq0, stream, len, oc->mss, 1, segs,
		   RTE_DIM(segs));
	assert_int_equal(dpsec_tls_tx(tx, segs, (uint16_t)nseg), nseg);
	assert_int_equal(test_tx_all(0, 0, segs, (uint16_t)nseg, 2000), nseg);
	nin = test_rx_poll(1, 0, in, (uint16_t)nseg, RTE_DIM(in), 2000);
	assert_int_equal(nin, nseg);
	for (i = 0; i < nin; i++) {
		/* The receiving application's stack sets the lengths. */
		in[i]->l2_len = 14;
		in[i]->l3_len = oc->family == 4 ? 20 : 40;
		in[i]->l4_len = 20;
	}
	for (i = 0; i < nin; i += 16) {
		uint16_t b = (uint16_t)RTE_MIN(16u, nin - i);

		got += dpsec_tls_rx(rx, in + i, b, recs + got,
				    (uint16_t)(NB_REC - got));
	}
	assert_int_equal(got, NB_REC);
	recs_intact(recs, NB_REC, true, how);
	assert_int_equal(how[oc->want_how], NB_REC);
	assert_int_equal(dpsec_tls_port_stats_get(ctx, 0, &p0b), 0);
	assert_int_equal(dpsec_tls_port_stats_get(ctx, 1, &p1b), 0);
	if (oc->tx_off != DPSEC_OFFLOAD_NONE) {
		assert_int_equal(p0b.tx_tls_encrypted_packets -
				 p0a.tx_tls_encrypted_packets, nseg);
		assert_true(test_xstat(0, "tx_tls_encrypted_packets") >=
			    nseg);
	}
	if (oc->rx_off != DPSEC_OFFLOAD_NONE)
		assert_int_equal(p1b.rx_tls_decrypted_packets -
				 p1a.rx_tls_decrypted_packets, nseg);
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	/* A write context's NIC entry goes after its grace (alarm). */
	assert_int_equal(dpsec_tls_port_stats_get(ctx, 0, &p0b), 0);
	assert_int_equal(p0b.tx_tls_del - p0a.tx_tls_del, 0);
	grace_wait();
	assert_int_equal(dpsec_tls_port_stats_get(ctx, 0, &p0b), 0);
	if (oc->tx_off != DPSEC_OFFLOAD_NONE)
		assert_int_equal(p0b.tx_tls_del - p0a.tx_tls_del, 1);
	assert_true(test_pool_full(tlst_pool));
}

/*
 * Segments dpsec_tls_tx() marked for the NIC, given to the port after the
 * application destroyed the context (its TX queue, or its own buffering,
 * still held them when the connection was torn down): the NIC entry
 * outlives the context by a grace, so they go out encrypted and the peer
 * opens every record. Deleting the entry at destroy made the NIC drop
 * them all (tx_tls_drop_bypass_req).
 */
static void
test_tx_destroy_in_flight(void **state)
{
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx, *rx;
	struct dpsec_tls_port_caps pc;
	struct rte_mbuf *segs[256], *in[256];
	struct dpsec_tls_rec recs[8];
	uint32_t len = 0, seq0 = 0x1000;
	unsigned int nseg, nin, got = 0, i;
	uint64_t drops0 = test_xstat(0, "tx_tls_drop_bypass_req");
	uint32_t used0;

	(void)state;
	srand(77);
	grace_wait();	/* earlier tests' write contexts */
	assert_int_equal(dpsec_tls_port_caps_get(0, &pc), 0);
	used0 = pc.used_ctx;
	suite_fill(&s, 0x0304, DPSEC_CIPHER_AES_GCM_128);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_REQUIRE, seq0);
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	ref_conf_fill(&conf, &s, &c, true, 1, DPSEC_OFFLOAD_NONE, seq0);
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	len = frame_stream(tx, RTE_DIM(recs), 3000);
	nseg = cut(&c, true, seq0, stream, len, 1000, 1, segs, RTE_DIM(segs));
	assert_int_equal(dpsec_tls_tx(tx, segs, (uint16_t)nseg), nseg);
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	/* The entry is still in the NIC's table... */
	assert_int_equal(dpsec_tls_port_caps_get(0, &pc), 0);
	assert_int_equal(pc.used_ctx, used0 + 1);
	/* ...and the frames given to it now are encrypted. */
	assert_int_equal(test_tx_all(0, 0, segs, (uint16_t)nseg, 2000), nseg);
	nin = test_rx_poll(1, 0, in, (uint16_t)nseg, RTE_DIM(in), 2000);
	assert_int_equal(nin, nseg);
	assert_int_equal(test_xstat(0, "tx_tls_drop_bypass_req"), drops0);
	for (i = 0; i < nin; i++) {
		in[i]->l2_len = 14;
		in[i]->l3_len = 20;
		in[i]->l4_len = 20;
	}
	got = dpsec_tls_rx(rx, in, (uint16_t)nin, recs, RTE_DIM(recs));
	assert_int_equal(got, RTE_DIM(recs));
	for (i = 0; i < got; i++) {
		assert_int_equal(recs[i].status, 0);
		assert_int_equal(recs[i].rec_seq, i);
		assert_true(rec_equals(recs[i].m, plain + rec_off[i],
				       rec_len[i]));
		rte_pktmbuf_free(recs[i].m);
	}
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	/* After the grace the alarm deletes it (and wipes its key). */
	grace_wait();
	assert_int_equal(dpsec_tls_port_caps_get(0, &pc), 0);
	assert_int_equal(pc.used_ctx, used0);
	assert_true(test_pool_full(tlst_pool));
}

/* What the ports' TLS engines say they offer, and their table use. */
static void
test_port_caps(void **state)
{
	struct dpsec_tls_port_caps c0, c1;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;

	(void)state;
	assert_int_equal(dpsec_tls_port_caps_get(0, NULL), -EINVAL);
	assert_int_equal(dpsec_tls_port_caps_get(RTE_MAX_ETHPORTS, &c0),
			 -EINVAL);
	assert_int_equal(dpsec_tls_port_caps_get(0, &c0), 0);
	assert_int_equal(dpsec_tls_port_caps_get(1, &c1), 0);
	assert_true(c0.tx && c0.rx && c0.tls12 && c0.tls13);
	/* AES-GCM only (tls_chacha=0), 64 contexts by default, 2 on port 1 */
	assert_int_equal(c0.ciphers,
			 (1u << DPSEC_CIPHER_AES_GCM_128) |
			 (1u << DPSEC_CIPHER_AES_GCM_256));
	assert_int_equal(c0.max_ctx, 64);
	assert_int_equal(c1.max_ctx, 2);
	assert_int_equal(c0.used_ctx, 0);
	/* a context on the NIC takes a slot, and gives it back */
	conn_init(&c, 4);
	suite_fill(&s, 0x0304, DPSEC_CIPHER_AES_GCM_128);
	ref_conf_fill(&conf, &s, &c, true, 0, DPSEC_OFFLOAD_REQUIRE, 1);
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	assert_int_equal(dpsec_tls_port_caps_get(0, &c0), 0);
	assert_int_equal(c0.used_ctx, 1);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_int_equal(dpsec_tls_port_caps_get(0, &c0), 0);
	assert_int_equal(c0.used_ctx, 0);
	/* a port without a TLS engine: nothing, no error */
	assert_int_equal(dpsec_tls_port_caps_get(7, &c0), 0);
	assert_true(!c0.tx && !c0.rx && c0.ciphers == 0 && c0.max_ctx == 0);
}

/* Where contexts go, and why. */
static void
test_placement(void **state)
{
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t[3], *x;
	struct dpsec_tls_info info;

	(void)state;
	conn_init(&c, 4);
	/* ChaCha20: the engine does AES-GCM only. */
	suite_fill(&s, 0x0304, DPSEC_CIPHER_CHACHA20_POLY1305);
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_AUTO, 1);
	x = dpsec_tls_create(ctx, &conf);
	assert_non_null(x);
	assert_int_equal(dpsec_tls_info(x, &info), 0);
	assert_int_equal(info.placement, DPSEC_PLACE_SW);
	assert_int_equal(info.place_reason, DPSEC_PLACE_R_UNSUPPORTED);
	assert_int_equal(dpsec_tls_destroy(ctx, x), 0);
	conf.offload = DPSEC_OFFLOAD_REQUIRE;
	assert_null(dpsec_tls_create(ctx, &conf));
	assert_int_equal(rte_errno, ENOTSUP);
	/* Port 1 holds two contexts (max_tls=2): the third goes to
	 * software, REQUIRE fails with ENOSPC. */
	suite_fill(&s, 0x0303, DPSEC_CIPHER_AES_GCM_128);
	for (unsigned int i = 0; i < 3; i++) {
		ref_conf_fill(&conf, &s, &c, true, 1, DPSEC_OFFLOAD_AUTO, 1);
		conf.remote_port = (uint16_t)(1000 + i);
		t[i] = dpsec_tls_create(ctx, &conf);
		assert_non_null(t[i]);
		assert_int_equal(dpsec_tls_info(t[i], &info), 0);
		assert_int_equal(info.placement, i < 2 ?
				 DPSEC_PLACE_INLINE_CRYPTO : DPSEC_PLACE_SW);
		assert_int_equal(info.place_reason, i < 2 ?
				 DPSEC_PLACE_R_NONE : DPSEC_PLACE_R_TABLE_FULL);
	}
	conf.offload = DPSEC_OFFLOAD_REQUIRE;
	conf.remote_port = 2000;
	assert_null(dpsec_tls_create(ctx, &conf));
	assert_int_equal(rte_errno, ENOSPC);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(dpsec_tls_destroy(ctx, t[i]), 0);
	/* Room again after the destroys. */
	conf.offload = DPSEC_OFFLOAD_REQUIRE;
	x = dpsec_tls_create(ctx, &conf);
	assert_non_null(x);
	assert_int_equal(dpsec_tls_destroy(ctx, x), 0);
}


/* ------------------------------------------------------------ part 2 */

#define SEQ2 0xffffe000u

/* The application's send buffer (tx_read): stream[] from SEQ2 on. */
static const struct tls_sendbuf sendbuf = { stream, sizeof(stream), SEQ2 };

static uint32_t
frame_stream(struct dpsec_tls *t, unsigned int nrec, uint32_t maxpl)
{
	uint32_t len = 0;

	for (unsigned int i = 0; i < nrec; i++) {
		uint16_t pl = (uint16_t)(1 + rand() % maxpl);
		int pre = dpsec_tls_record_frame(t, stream + len,
						 DPSEC_TLS_TYPE_DATA, pl, 0);

		assert_true(pre > 0);
		for (unsigned int j = 0; j < pl; j++)
			stream[len + pre + j] = (uint8_t)rand();
		memcpy(plain + len, stream + len + pre, pl);
		rec_off[i] = len;
		rec_len[i] = pl;
		len += dpsec_tls_record_len(t, pl, 0);
	}
	return len;
}

/* Records [0, n) delivered intact: status 0, their plaintext (and
 * numbers 0.. when @numbered); counted by how (@how, may be NULL) and
 * freed. */
static void
recs_intact(struct dpsec_tls_rec *recs, unsigned int n, bool numbered,
	    unsigned int how[3])
{
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(recs[i].status, 0);
		if (numbered)
			assert_int_equal(recs[i].rec_seq, i);
		assert_true(rec_equals(recs[i].m, plain + rec_off[i],
				       rec_len[i]));
		if (how != NULL)
			how[recs[i].how]++;
		rte_pktmbuf_free(recs[i].m);
		recs[i].m = NULL;
	}
}

/* One segment of stream[a, b) through @t and port 0, received on port
 * 1; its payload in @out. */
static void
send_one(struct dpsec_tls *t, const struct conn *c, uint32_t a, uint32_t b,
	 uint8_t *out)
{
	struct rte_mbuf *m = seg_make(c, true, SEQ2 + a, stream + a, b - a, 1);
	struct rte_mbuf *in[4];

	assert_non_null(m);
	if (dpsec_tls_tx(t, &m, 1) != 1) {
		fail_msg("segment [%u, %u) refused: %s", a, b,
			 dpsec_reason_str(dpsec_mbuf_reason(m)));
	}
	assert_int_equal(test_tx_all(0, 0, &m, 1, 2000), 1);
	assert_int_equal(test_rx_poll(1, 0, in, 1, RTE_DIM(in), 2000), 1);
	in[0]->l2_len = 14;
	in[0]->l3_len = c->family == 4 ? 20 : 40;
	in[0]->l4_len = 20;
	assert_int_equal(seg_payload(in[0], out), b - a);
	rte_pktmbuf_free(in[0]);
}

/* A retransmission of stream[a, b) (with new bytes past *cur, if b is):
 * the bytes already on @wire come out as they did the first time; the
 * new ones are added to @wire and *cur moves past them. */
static void
resend_one(struct dpsec_tls *t, const struct conn *c, uint32_t a, uint32_t b,
	   uint8_t *wire, uint32_t *cur)
{
	static uint8_t got[4096];

	send_one(t, c, a, b, got);
	assert_memory_equal(got, wire + a, RTE_MIN(b, *cur) - a);
	if (b > *cur) {
		memcpy(wire + *cur, got + (*cur - a), b - *cur);
		*cur = b;
	}
}

/*
 * TX on the NIC with retransmissions: each one comes out on the wire as
 * the first transmission of those bytes did, whether dumped to the NIC or
 * sealed in software; new bytes after a software segment go back to the
 * NIC at the next record boundary.
 */
static void
test_tx_retx_nic(void **state)
{
	const enum dpsec_tls_tx_resync mode =
		(enum dpsec_tls_tx_resync)(uintptr_t)*state;
	const struct dpsec_drv_tls_ops *ops = dpsec_drv_tls_ops_get(0);
	static uint8_t wire[1 << 19];
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct dpsec_tls_stats st;
	uint32_t len, cur = 0;
	unsigned int nrec = NB_REC, retx = 0, i;

	srand(61 + mode);
	suite_fill(&s, 0x0304, DPSEC_CIPHER_AES_GCM_128);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	conf.tx_resync = mode;
	conf.tx_read = tls_sendbuf_read;
	conf.tx_read_arg = (void *)(uintptr_t)&sendbuf;
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = frame_stream(t, nrec, 4000);
	while (cur < len) {
		uint32_t a, b;

		if (cur > 0 && rand() % 3 == 0) {
			a = (uint32_t)rand() % cur;
			b = RTE_MIN(len, a + 1 + (uint32_t)rand() % 1400);
			b = RTE_MIN(b, cur + 500);
			resend_one(t, &c, a, b, wire, &cur);
			retx++;
		} else {
			b = RTE_MIN(len, cur + 1 + (uint32_t)rand() % 1400);
			send_one(t, &c, cur, b, wire + cur);
			cur = b;
		}
	}
	for (i = 0; i < nrec; i++) {
		uint8_t type, out[20000];

		assert_int_equal(ref_open(&s, i, wire + rec_off[i], &type,
					  out), (int)rec_len[i]);
		assert_memory_equal(out, plain + rec_off[i], rec_len[i]);
	}
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	assert_int_equal(st.tx_retransmits, retx);
	assert_true(st.records_nic > 0);
	if (mode == DPSEC_TLS_TX_RESYNC_DUMP && ops->tx_resync_dump != NULL) {
		assert_true(st.tx_resync_dumps > 0);
	} else {
		assert_int_equal(st.tx_resync_dumps, 0);
		assert_true(st.tx_sw_segments >= retx);
	}
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/*
 * dpsec_tls_resync() on a write context that its retransmission threshold
 * moved to software: it goes back to the NIC at once (the NIC repositioned
 * by a dump), and every record on the wire still opens.
 */
static void
test_tx_resync_request(void **state)
{
	static uint8_t wire[1 << 19], got[4096];
	struct dpsec_tls_stats st, st0;
	struct dpsec_tls_conf conf;
	struct ref_suite s;
	struct dpsec_tls *t, *sw;
	struct conn c;
	uint32_t len, cur = 0;
	unsigned int seg, i, left = 0;

	(void)state;
	srand(71);
	suite_fill(&s, 0x0304, DPSEC_CIPHER_AES_GCM_128);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	conf.tx_resync = DPSEC_TLS_TX_RESYNC_DUMP;
	conf.tx_read = tls_sendbuf_read;
	conf.tx_read_arg = (void *)(uintptr_t)&sendbuf;
	conf.tx_sw_threshold = 4;
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = frame_stream(t, NB_REC, 1300);
	/* A window of 1024 segments of 16 bytes, every 8th resent: far
	 * over 4 retransmissions, so TX moves to software. */
	for (seg = 0; seg < 1024; seg++) {
		if (cur > 32 && seg % 8 == 7) {
			send_one(t, &c, cur - 32, cur - 16, got);
			assert_memory_equal(got, wire + cur - 32, 16);
		} else {
			send_one(t, &c, cur, cur + 16, wire + cur);
			cur += 16;
		}
	}
	assert_int_equal(dpsec_tls_stats_get(t, &st0), 0);
	assert_int_equal(st0.tx_moves, 1);
	for (i = 0; i < 3; i++, cur += 16)
		send_one(t, &c, cur, cur + 16, wire + cur);
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	assert_int_equal(st.tx_sw_segments - st0.tx_sw_segments, 3);
	assert_int_equal(st.resync_taken, 0);

	/* Back to the NIC on request: the record under way too (a dump
	 * gives the NIC its bytes so far), and the next ones, sent a
	 * record per segment. */
	assert_int_equal(dpsec_tls_resync(t), 0);
	st0 = st;
	for (i = 0; i < NB_REC; i++) {
		uint32_t end = i + 1 < NB_REC ? rec_off[i + 1] : len;

		if (end <= cur)
			continue;
		send_one(t, &c, cur, end, wire + cur);
		left += rec_off[i] >= cur;
		cur = end;
	}
	assert_true(left >= 3);
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	assert_int_equal(st.resync_taken, 1);
	assert_int_equal(st.tx_moves, 2);
	assert_int_equal(st.records_nic - st0.records_nic, left + 1);
	assert_true(st.tx_resync_dumps > st0.tx_resync_dumps);
	for (i = 0; i < NB_REC; i++) {
		uint8_t type, out[20000];

		assert_int_equal(ref_open(&s, i, wire + rec_off[i], &type,
					  out), (int)rec_len[i]);
		assert_memory_equal(out, plain + rec_off[i], rec_len[i]);
	}
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);

	/* Nothing to resynchronise in software; not a context. */
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_NONE, SEQ2);
	sw = dpsec_tls_create(ctx, &conf);
	assert_non_null(sw);
	assert_int_equal(dpsec_tls_resync(sw), -ENOTSUP);
	assert_int_equal(dpsec_tls_destroy(ctx, sw), 0);
	assert_int_equal(dpsec_tls_resync(NULL), -EINVAL);
	assert_true(test_pool_full(tlst_pool));
}

/* What the receiving application does after each packet: nothing, or
 * answer a KeyUpdate (test_rx_keyupdate_nic). */
typedef void (*rx_after_fn)(struct dpsec_tls *rx, struct dpsec_tls_rec *recs,
			    unsigned int *got, void *arg);

/*
 * Send @segs (IPv4, already through a write context) on port 0 in the
 * order @order, one by one; port 1's NIC hands a packet up when it is done
 * with its record (it holds a record's packets until the tag): after each
 * send the receiving stack takes what came, puts it in TCP order from
 * @seq0 and feeds @rx. Returns the records collected into @recs.
 */
static unsigned int
rx_app_feed(struct dpsec_tls *rx, struct rte_mbuf **segs,
	    const unsigned int *order, unsigned int nseg, uint32_t seq0,
	    struct dpsec_tls_rec *recs, unsigned int max, rx_after_fn after,
	    void *arg)
{
	struct rte_mbuf *hold[1024], *in[32];
	unsigned int i, nin, nhold = 0, got = 0, idle = 0;
	uint32_t next = seq0;

	for (i = 0, nin = 0; nin < nseg; i++) {
		uint16_t k;

		if (i < nseg) {
			struct rte_mbuf *m = segs[order != NULL ? order[i] : i];

			assert_int_equal(test_tx_all(0, 0, &m, 1, 2000), 1);
			k = rte_eth_rx_burst(1, 0, in, RTE_DIM(in));
		} else {
			/* Frames still in the NIC: 2 s of 100 ms polls that
			 * bring nothing is a lost frame, not a slow one. */
			k = (uint16_t)test_rx_poll(1, 0, in, 1, RTE_DIM(in),
						   100);
			idle = k == 0 ? idle + 1 : 0;
			assert_true(idle < 20);
		}
		for (uint16_t j = 0; j < k; j++) {
			in[j]->l2_len = 14;
			in[j]->l3_len = 20;
			in[j]->l4_len = 20;
			assert_true(nhold < RTE_DIM(hold));
			hold[nhold++] = in[j];
		}
		nin += k;
		for (bool progress = true; progress;) {
			progress = false;
			for (unsigned int h = 0; h < nhold; h++) {
				struct rte_mbuf *x = hold[h];
				uint32_t sq = rte_be_to_cpu_32(
					rte_pktmbuf_mtod_offset(x,
						struct rte_tcp_hdr *,
						34)->sent_seq);

				if (sq != next)
					continue;
				next += x->pkt_len - 54;
				hold[h] = hold[--nhold];
				got += dpsec_tls_rx(rx, &x, 1, recs + got,
						    (uint16_t)(max - got));
				progress = true;
				break;
			}
		}
		if (after != NULL)
			after(rx, recs, &got, arg);
	}
	assert_int_equal(nhold, 0);
	return got;
}

/*
 * RX on the NIC through trouble: the NIC loses the stream, the records it
 * did not decrypt are opened in software (MIXED or ENCRYPTED), dpsec puts
 * it back in step — by next-record hints, or by answering the NIC's own
 * requests (device-driven) — and the last records are the NIC's again.
 * The trouble: a reordering on the wire, or the NIC failing records that
 * are good (fault_spurious_fail: an authentication failure on its side)
 * over the first two thirds of the stream.
 */
struct rx_trouble {
	enum dpsec_tls_rx_resync mode;
	bool nic_fail;
};

static void
test_rx_resync(void **state)
{
	const struct rx_trouble *tr = *state;
	const enum dpsec_tls_rx_resync mode = tr->mode;
	struct rte_pmd_sim_inline_faults f = { .seed = 11 }, off = { 0 };
	uint64_t fail0 = test_xstat(1, "rx_fault_spurious_fail");
	uint64_t auth0 = test_xstat(1, "rx_tls_auth_fail");
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx, *rx;
	struct dpsec_tls_stats st;
	struct rte_mbuf *segs[1024];
	static struct dpsec_tls_rec recs[NB_REC];
	uint32_t len, seq1;
	unsigned int nseg, n1, got = 0, i, order[1024];
	unsigned int how[3] = { 0, 0, 0 };

	srand(71);
	suite_fill(&s, 0x0303, DPSEC_CIPHER_AES_GCM_256);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_NONE, SEQ2);
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	ref_conf_fill(&conf, &s, &c, true, 1, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	conf.rx_resync = mode;
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	len = frame_stream(tx, NB_REC, 5000);
	nseg = cut(&c, true, SEQ2, stream, len, 1000, 1, segs, RTE_DIM(segs));
	assert_int_equal(dpsec_tls_tx(tx, segs, (uint16_t)nseg), nseg);
	if (tr->nic_fail) {
		/* About one packet in three fails its next record, then the
		 * NIC is well again for the last third. */
		n1 = nseg * 2 / 3;
		seq1 = SEQ2 + n1 * 1000;
		f.spurious_fail = 0.3;
		assert_int_equal(rte_pmd_sim_inline_fault_set(1, &f), 0);
		got = rx_app_feed(rx, segs, NULL, n1, SEQ2, recs, NB_REC,
				  NULL, NULL);
		assert_int_equal(rte_pmd_sim_inline_fault_set(1, &off), 0);
		got += rx_app_feed(rx, segs + n1, NULL, nseg - n1, seq1,
				   recs + got, NB_REC - got, NULL, NULL);
	} else {
		/* The wire swaps segment k with k + 3 twice. */
		for (i = 0; i < nseg; i++)
			order[i] = i;
		for (unsigned int k = nseg / 5; k + 3 < nseg; k += nseg / 2) {
			unsigned int x = order[k];

			order[k] = order[k + 3];
			order[k + 3] = x;
		}
		got = rx_app_feed(rx, segs, order, nseg, SEQ2, recs, NB_REC,
				  NULL, NULL);
	}
	assert_int_equal(got, NB_REC);
	recs_intact(recs, NB_REC, false, how);
	assert_int_equal(dpsec_tls_stats_get(rx, &st), 0);
	/* Never a failure delivered nor a good record lost; the NIC's
	 * failures were all injected. */
	assert_int_equal(st.auth_failed, 0);
	assert_int_equal(test_xstat(1, "rx_tls_auth_fail"), auth0);
	if (tr->nic_fail)
		assert_true(test_xstat(1, "rx_fault_spurious_fail") >=
			    fail0 + 2);
	/* Lost twice or more, back as often: some records the NIC's, some
	 * not, and the last ones the NIC's again. */
	if (mode == DPSEC_TLS_RX_RESYNC_HINT) {
		assert_true(st.rx_resync_hints >= 2);
	} else {
		assert_int_equal(st.rx_resync_hints, 0);
		assert_true(st.rx_resync_req >= 2);
		assert_true(st.rx_resync_ok >= 2);
		assert_true(test_xstat(1, "rx_tls_resync_res_ok") >= 2);
		assert_true(test_xstat(1, "rx_tls_resync_req_end") >=
			    test_xstat(1, "rx_tls_resync_res_ok"));
	}
	assert_true(how[DPSEC_TLS_DECRYPTED] > 0);
	assert_true(how[DPSEC_TLS_ENCRYPTED] + how[DPSEC_TLS_MIXED] > 0);
	assert_int_equal(recs[NB_REC - 1].how, DPSEC_TLS_DECRYPTED);
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	assert_true(test_pool_full(tlst_pool));
}


/* Frame @n records of random content at stream[@len]; their offsets and
 * lengths from index @first. */
static uint32_t
frame_more(struct dpsec_tls *t, uint32_t len, unsigned int first,
	   unsigned int n, uint8_t type)
{
	for (unsigned int i = first; i < first + n; i++) {
		uint16_t pl = (uint16_t)(1 + rand() % 3000);
		int pre;

		if (type == DPSEC_TLS_TYPE_HANDSHAKE)
			pl = 5;
		pre = dpsec_tls_record_frame(t, stream + len, type, pl, 0);
		assert_true(pre > 0);
		for (unsigned int j = 0; j < pl; j++)
			stream[len + pre + j] = (uint8_t)rand();
		if (type == DPSEC_TLS_TYPE_HANDSHAKE) {
			/* KeyUpdate, update_not_requested (RFC 8446 4.6.3) */
			static const uint8_t ku[5] = { 24, 0, 0, 1, 0 };

			memcpy(stream + len + pre, ku, sizeof(ku));
		}
		memcpy(plain + len, stream + len + pre, pl);
		rec_off[i] = len;
		rec_len[i] = pl;
		len += dpsec_tls_record_len(t, pl, 0);
	}
	return len;
}

static void
suites_two(struct ref_suite *s1, struct ref_suite *s2)
{
	suite_fill(s1, 0x0304, DPSEC_CIPHER_AES_GCM_256);
	*s2 = *s1;
	for (unsigned int i = 0; i < 32; i++)
		s2->key[i] ^= 0x5a;
	s2->iv[3] ^= 0x77;
}

/* @n1 data records, a KeyUpdate (record n1), the key change to @s2 at the
 * boundary after it, the rest up to @nrec under the new key; the stream's
 * length, the boundary's offset in *boundary. */
static uint32_t
frame_rekeyed(struct dpsec_tls *t, const struct ref_suite *s2,
	      unsigned int n1, unsigned int nrec, uint32_t *boundary)
{
	uint32_t len = frame_more(t, 0, 0, n1, DPSEC_TLS_TYPE_DATA);

	len = frame_more(t, len, n1, 1, DPSEC_TLS_TYPE_HANDSHAKE);
	*boundary = len;
	assert_int_equal(dpsec_tls_rekey(t, s2->key, s2->key_len, s2->iv,
					 SEQ2 + len), 0);
	return frame_more(t, len, n1 + 1, nrec - n1 - 1, DPSEC_TLS_TYPE_DATA);
}

/* The records on @wire: old key up to the KeyUpdate (record n1), the next
 * key numbered from 0 after it. */
static void
check_rekeyed(const uint8_t *wire, const struct ref_suite *s1,
	      const struct ref_suite *s2, unsigned int n1, unsigned int nrec)
{
	for (unsigned int i = 0; i < nrec; i++) {
		uint8_t type, out[20000];
		const struct ref_suite *sk = i <= n1 ? s1 : s2;
		uint64_t rs = i <= n1 ? i : i - n1 - 1;

		assert_int_equal(ref_open(sk, rs, wire + rec_off[i], &type,
					  out), (int)rec_len[i]);
		assert_memory_equal(out, plain + rec_off[i], rec_len[i]);
	}
}

/*
 * TX key change on the NIC without leaving it: the driver's rekey op
 * takes the next key at the record boundary; a retransmission across the
 * boundary is dumped with both keys and equals the first transmission.
 */
static void
test_tx_rekey_nic(void **state)
{
	static uint8_t wire[1 << 19], got[4096];
	struct ref_suite s1, s2;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx;
	struct dpsec_tls_stats st;
	uint32_t len, cur = 0, b, boundary;
	unsigned int n1 = 10, nrec = NB_REC;
	bool again = false;

	(void)state;
	srand(91);
	suites_two(&s1, &s2);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s1, &c, false, 0, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	conf.tx_read = tls_sendbuf_read;
	conf.tx_read_arg = (void *)(uintptr_t)&sendbuf;
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	len = frame_rekeyed(tx, &s2, n1, nrec, &boundary);
	while (cur < len) {
		b = RTE_MIN(len, cur + 1 + (uint32_t)rand() % 1400);
		send_one(tx, &c, cur, b, wire + cur);
		cur = b;
		if (!again && cur > boundary + 100) {
			send_one(tx, &c, boundary - 100, boundary + 100, got);
			assert_memory_equal(got, wire + boundary - 100, 200);
			again = true;
		}
	}
	check_rekeyed(wire, &s1, &s2, n1, nrec);
	assert_int_equal(dpsec_tls_stats_get(tx, &st), 0);
	assert_int_equal(st.key_updates, 1);
	assert_int_equal(st.tx_moves, 0);
	assert_int_equal(st.tx_sw_segments, 0);
	assert_true(st.tx_resync_dumps >= 1);
	assert_true(test_xstat(0, "tx_tls_rekey") >= 1);
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	assert_true(test_pool_full(tlst_pool));
}

/*
 * Invariant 1 of doc/security_model.md for TLS: no (key, record number)
 * pair is used for two different records, whatever the write context
 * goes through together:
 * retransmissions anywhere behind the cursor (a third of the segments),
 * so many that the threshold moves TX to software, dpsec_tls_resync()
 * bringing it back to the NIC, and a key change at a record boundary
 * with retransmissions across it. Every transmission of a byte equals
 * its first one on the wire, and the stream reassembled from the wire
 * opens record by record under the expected key with consecutive
 * numbers from 0 per key (so no number was used twice or skipped).
 */
static void
test_inv1_tls_no_record_reuse(void **state)
{
	const enum dpsec_tls_tx_resync mode =
		(enum dpsec_tls_tx_resync)(uintptr_t)*state;
	static uint8_t wire[1 << 19];
	struct ref_suite s1, s2;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *t;
	struct dpsec_tls_stats st;
	uint32_t len, cur = 0, boundary;
	unsigned int n1 = 14, nrec = NB_REC, seg = 0, retx = 0, next = 0;
	unsigned int in_sw = 0;
	/* Small segments: the threshold's window is 1024 of them. */
	enum { SEG_MAX = 64 };

	srand(101 + mode);
	suites_two(&s1, &s2);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s1, &c, false, 0, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	conf.tx_resync = mode;
	conf.tx_read = tls_sendbuf_read;
	conf.tx_read_arg = (void *)(uintptr_t)&sendbuf;
	conf.tx_sw_threshold = 8;
	t = dpsec_tls_create(ctx, &conf);
	assert_non_null(t);
	len = frame_rekeyed(t, &s2, n1, nrec, &boundary);
	while (cur < len) {
		uint32_t a, b;

		seg++;
		/* In software (an odd number of moves) for 100 segments:
		 * back to the NIC on request. */
		assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
		if (st.tx_moves % 2 == 1 && ++in_sw % 100 == 0)
			assert_int_equal(dpsec_tls_resync(t), 0);
		if (cur > 0 && rand() % 3 == 0) {
			/* Anything behind the cursor, now and then a little
			 * new data with it; across the key change too. */
			a = cur > boundary && rand() % 4 == 0 && boundary > 50 ?
			    boundary - 50 : (uint32_t)rand() % cur;
			b = RTE_MIN(len, a + 1 + (uint32_t)rand() % SEG_MAX);
			b = RTE_MIN(b, cur + 40);
			resend_one(t, &c, a, b, wire, &cur);
			retx++;
			continue;
		}
		/* New data; a quarter of the segments end at a record end,
		 * so the next one starts a record (where the NIC can take
		 * the stream back). */
		while (next < nrec && rec_off[next] <= cur)
			next++;
		b = RTE_MIN(len, cur + 1 + (uint32_t)rand() % SEG_MAX);
		if (rand() % 4 == 0 && next < nrec &&
		    rec_off[next] - cur <= 3 * SEG_MAX)
			b = rec_off[next];
		send_one(t, &c, cur, b, wire + cur);
		cur = b;
	}
	check_rekeyed(wire, &s1, &s2, n1, nrec);
	assert_int_equal(dpsec_tls_stats_get(t, &st), 0);
	print_message("%s: %u segments, %u retransmitted, %" PRIu64
		      " moves, %" PRIu64 " resyncs, %" PRIu64 " of %u records on "
		      "the NIC\n",
		      mode == DPSEC_TLS_TX_RESYNC_DUMP ? "dump" : "sw", seg,
		      retx, st.tx_moves, st.resync_taken, st.records_nic, nrec);
	assert_int_equal(st.tx_retransmits, retx);
	assert_int_equal(st.key_updates, 1);
	/* It went through what it claims to: software by the threshold,
	 * back to the NIC on request, records done by each. */
	assert_true(st.tx_moves >= 2);
	assert_true(st.resync_taken >= 1);
	assert_true(st.records_nic > 0);
	assert_true(st.records_nic < nrec);
	assert_true(st.tx_sw_segments > 0);
	assert_int_equal(dpsec_tls_destroy(ctx, t), 0);
	assert_true(test_pool_full(tlst_pool));
}

/* The application's answer to a KeyUpdate: the next key, at the
 * boundary the context waits on. */
struct ku_ans {
	const struct ref_suite *s2;
	uint32_t boundary;
};

static void
ku_answer(struct dpsec_tls *rx, struct dpsec_tls_rec *recs,
	  unsigned int *got, void *arg)
{
	const struct ku_ans *ka = arg;
	struct dpsec_tls_info info;

	assert_int_equal(dpsec_tls_info(rx, &info), 0);
	if (info.state != DPSEC_TLS_KEY_WAIT)
		return;
	assert_int_equal(info.next_tcp_seq, ka->boundary);
	assert_int_equal(dpsec_tls_rekey(rx, ka->s2->key, ka->s2->key_len,
					 ka->s2->iv, ka->boundary), 0);
	*got += dpsec_tls_rx(rx, NULL, 0, recs + *got,
			     (uint16_t)(NB_REC - *got));
}

/*
 * RX KeyUpdate on the NIC: the context waits after it, takes the next key
 * (and gives it to the NIC with the rekey op), the records the NIC could
 * not open meanwhile are opened in software, and after a resync the NIC
 * decrypts under the new key.
 */
static void
test_rx_keyupdate_nic(void **state)
{
	struct ref_suite s1, s2;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx, *rx;
	struct dpsec_tls_stats st;
	struct dpsec_tls_info info;
	static struct dpsec_tls_rec recs[NB_REC];
	struct rte_mbuf *segs[1024];
	struct ku_ans ka;
	uint32_t len, boundary;
	unsigned int n1 = 8, nrec = NB_REC, nseg, got = 0;

	(void)state;
	srand(93);
	suites_two(&s1, &s2);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s1, &c, false, 0, DPSEC_OFFLOAD_NONE, SEQ2);
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	ref_conf_fill(&conf, &s1, &c, true, 1, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	len = frame_rekeyed(tx, &s2, n1, nrec, &boundary);
	nseg = cut(&c, true, SEQ2, stream, len, 1000, 1, segs, RTE_DIM(segs));
	assert_int_equal(dpsec_tls_tx(tx, segs, (uint16_t)nseg), nseg);
	ka.s2 = &s2;
	ka.boundary = SEQ2 + boundary;
	got = rx_app_feed(rx, segs, NULL, nseg, SEQ2, recs, nrec, ku_answer,
			  &ka);
	assert_int_equal(got, nrec);
	recs_intact(recs, nrec, false, NULL);
	assert_int_equal(recs[n1].type, DPSEC_TLS_TYPE_HANDSHAKE);
	assert_int_equal(dpsec_tls_stats_get(rx, &st), 0);
	assert_int_equal(st.key_updates, 1);
	assert_true(test_xstat(1, "rx_tls_rekey") >= 1);
	/* Back on the NIC under the new key. */
	assert_int_equal(recs[nrec - 1].how, DPSEC_TLS_DECRYPTED);
	assert_int_equal(dpsec_tls_info(rx, &info), 0);
	assert_int_equal(info.placement, DPSEC_PLACE_INLINE_CRYPTO);
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	assert_true(test_pool_full(tlst_pool));
}

/*
 * RX KeyUpdate on the NIC, with the first packets of the record after it
 * held by the NIC (waiting for its tag) when the key changes:
 * - late: they reached the NIC before the application had read the
 *   KeyUpdate, so the NIC decrypted them under the old key; the rekey
 *   finds the NIC past its boundary and must give them back with the
 *   ciphertext the old key had turned into plaintext put back, and leave
 *   the record (rx_tls_rekey_late);
 * - timeout: the key changed first, the NIC decrypted them under the new
 *   key (the record numbered 0), then gave them back at the hold timeout
 *   with their ciphertext restored by the keystream of record 0 of the new
 *   key, not by the number the record had before the rekey.
 * Either way every record is delivered intact, none fails.
 */
static void
test_rx_keyupdate_held(void **state)
{
	const bool late = (uintptr_t)*state != 0;
	struct ref_suite s1, s2;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx, *rx;
	struct dpsec_tls_info info;
	static struct dpsec_tls_rec recs[NB_REC];
	struct rte_mbuf *segs_a[1024], *segs_b[1024], *in[32];
	uint64_t late0 = test_xstat(1, "rx_tls_rekey_late");
	uint64_t tmo0 = test_xstat(1, "rx_tls_hold_timeout");
	uint32_t len, boundary, r0, seq_b2;
	unsigned int n1 = 6, nrec = 16, na, nb, got, i;
	uint64_t rx_mask;
	uint16_t k;
	int bit;

	bit = rte_mbuf_dynflag_lookup(DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED, NULL);
	assert_true(bit >= 0);
	rx_mask = UINT64_C(1) << bit;
	srand(late ? 41 : 42);
	suites_two(&s1, &s2);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s1, &c, false, 0, DPSEC_OFFLOAD_NONE, SEQ2);
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	ref_conf_fill(&conf, &s1, &c, true, 1, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	len = frame_rekeyed(tx, &s2, n1, nrec, &boundary);
	/* The stream up to the KeyUpdate's end, then the rest in segments
	 * of a third of the record after it (two of them leave it open). */
	r0 = rec_off[n1 + 2] - rec_off[n1 + 1];
	assert_true(r0 >= 300);
	na = cut(&c, true, SEQ2, stream, boundary, 0, 1, segs_a,
		 RTE_DIM(segs_a));
	nb = cut(&c, true, SEQ2 + boundary, stream + boundary,
		 len - boundary, r0 / 3, 1, segs_b, RTE_DIM(segs_b));
	assert_true(nb > 3);
	assert_int_equal(dpsec_tls_tx(tx, segs_a, (uint16_t)na), na);
	assert_int_equal(dpsec_tls_tx(tx, segs_b, (uint16_t)nb), nb);
	got = rx_app_feed(rx, segs_a, NULL, na, SEQ2, recs, nrec, NULL, NULL);
	assert_int_equal(got, n1 + 1);
	assert_int_equal(dpsec_tls_info(rx, &info), 0);
	assert_int_equal(info.state, DPSEC_TLS_KEY_WAIT);
	if (!late)
		assert_int_equal(dpsec_tls_rekey(rx, s2.key, s2.key_len,
						 s2.iv, SEQ2 + boundary), 0);
	/* Two packets of the next record into the NIC, which keeps them. */
	seq_b2 = SEQ2 + boundary + segs_b[0]->pkt_len - 54 +
		 segs_b[1]->pkt_len - 54;
	assert_int_equal(test_tx_all(0, 0, segs_b, 2, 2000), 2);
	k = 0;
	for (i = 0; i < 100 && k == 0; i++)
		k = rte_eth_rx_burst(1, 0, in, 1);
	assert_int_equal(k, 0);
	if (late)
		assert_int_equal(dpsec_tls_rekey(rx, s2.key, s2.key_len,
						 s2.iv, SEQ2 + boundary), 0);
	/* Late: given back at the rekey; else at the hold timeout. */
	assert_int_equal(test_rx_poll(1, 0, in, 2, RTE_DIM(in), 2000), 2);
	for (i = 0; i < 2; i++) {
		in[i]->l2_len = 14;
		in[i]->l3_len = 20;
		in[i]->l4_len = 20;
		assert_false(in[i]->ol_flags & rx_mask);
		got += dpsec_tls_rx(rx, &in[i], 1, recs + got,
				    (uint16_t)(nrec - got));
	}
	got += dpsec_tls_rx(rx, NULL, 0, recs + got, (uint16_t)(nrec - got));
	got += rx_app_feed(rx, segs_b + 2, NULL, nb - 2, seq_b2, recs + got,
			   nrec - got, NULL, NULL);
	assert_int_equal(got, nrec);
	recs_intact(recs, nrec, false, NULL);
	assert_int_equal(recs[n1].type, DPSEC_TLS_TYPE_HANDSHAKE);
	/* The record after the KeyUpdate: partly or wholly in software. */
	assert_int_not_equal(recs[n1 + 1].how, DPSEC_TLS_DECRYPTED);
	assert_int_equal(test_xstat(1, "rx_tls_rekey_late") - late0,
			 late ? 1 : 0);
	if (!late)
		assert_true(test_xstat(1, "rx_tls_hold_timeout") > tmo0);
	/* The NIC decrypts again under the new key. */
	assert_int_equal(recs[nrec - 1].how, DPSEC_TLS_DECRYPTED);
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	assert_true(test_pool_full(tlst_pool));
}

/*
 * The NIC loses its TLS table mid-stream (a reset: the write context's
 * cursor inside a record, the read context's record half read), or
 * the ports stop and start between two records (the table kept); then
 * dpsec_port_resync(). Each context goes back on its NIC at its next
 * burst: the write context finishes the record under way in software and
 * the NIC seals again from the next record; the read context's NIC
 * starts at the next record dpsec knows of, and the bytes before it in
 * the packet where it starts are not taken as the NIC's. Every record
 * arrives intact, both NICs work again, mbufs back.
 */
static void
test_tls_nic_reset(void **state)
{
	const bool reset = (uintptr_t)*state != 0;
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls_conf conf;
	struct dpsec_tls *tx, *rx;
	struct dpsec_tls_info ti, ri;
	struct dpsec_tls_stats stx, srx;
	static struct dpsec_tls_rec recs[NB_REC];
	struct rte_mbuf *segs_a[1024], *segs_b[1024];
	uint64_t lost0[2], enc0, dec0;
	uint32_t len, split, seq_b;
	unsigned int na, nb, got, i, k = NB_REC / 2;

	srand(reset ? 51 : 52);
	for (i = 0; i < 2; i++)
		lost0[i] = test_xstat((uint16_t)i, "tls_ctx_lost");
	suite_fill(&s, 0x0304, DPSEC_CIPHER_AES_GCM_128);
	conn_init(&c, 4);
	ref_conf_fill(&conf, &s, &c, false, 0, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	/* Reset: dumps (the NIC takes the record software finished back at
	 * once); stop/start: software retransmissions. */
	conf.tx_resync = reset ? DPSEC_TLS_TX_RESYNC_DUMP :
				 DPSEC_TLS_TX_RESYNC_SW;
	conf.tx_read = tls_sendbuf_read;
	conf.tx_read_arg = (void *)(uintptr_t)&sendbuf;
	tx = dpsec_tls_create(ctx, &conf);
	assert_non_null(tx);
	ref_conf_fill(&conf, &s, &c, true, 1, DPSEC_OFFLOAD_REQUIRE, SEQ2);
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	len = frame_stream(tx, NB_REC, 3000);
	/* Reset: inside record k; stop/start: at its start (a stop drops
	 * what the RX engine holds, which TCP would send again). */
	split = rec_off[k] + (reset ? (rec_off[k + 1] - rec_off[k]) / 2 : 0);
	na = cut(&c, true, SEQ2, stream, split, 700, 1, segs_a,
		 RTE_DIM(segs_a));
	nb = cut(&c, true, SEQ2 + split, stream + split, len - split, 700, 1,
		 segs_b, RTE_DIM(segs_b));
	seq_b = SEQ2 + split;
	assert_int_equal(dpsec_tls_tx(tx, segs_a, (uint16_t)na), na);
	got = rx_app_feed(rx, segs_a, NULL, na, SEQ2, recs, NB_REC, NULL,
			  NULL);
	assert_int_equal(got, k);
	if (reset) {
		assert_int_equal(rte_pmd_sim_inline_sec_reset(0), 0);
		assert_int_equal(rte_pmd_sim_inline_sec_reset(1), 0);
		/* Ours, and any entry still in its grace. */
		for (i = 0; i < 2; i++)
			assert_true(test_xstat((uint16_t)i, "tls_ctx_lost") >
				    lost0[i]);
	} else {
		for (i = 0; i < 2; i++) {
			assert_int_equal(rte_eth_dev_stop((uint16_t)i), 0);
			assert_int_equal(rte_eth_dev_start((uint16_t)i), 0);
		}
	}
	assert_true(dpsec_port_resync(ctx, 0) >= 0);
	assert_true(dpsec_port_resync(ctx, 1) >= 0);
	enc0 = test_xstat(0, "tx_tls_encrypted_packets");
	dec0 = test_xstat(1, "rx_tls_decrypted_packets");
	assert_int_equal(dpsec_tls_tx(tx, segs_b, (uint16_t)nb), nb);
	got += rx_app_feed(rx, segs_b, NULL, nb, seq_b, recs + got,
			   NB_REC - got, NULL, NULL);
	assert_int_equal(got, NB_REC);
	recs_intact(recs, NB_REC, true, NULL);
	assert_int_equal(dpsec_tls_stats_get(tx, &stx), 0);
	assert_int_equal(dpsec_tls_stats_get(rx, &srx), 0);
	assert_int_equal(stx.nic_readds, 1);
	assert_int_equal(srx.nic_readds, 1);
	assert_int_equal(srx.auth_failed, 0);
	/* Both on their NICs again, and working. */
	assert_int_equal(dpsec_tls_info(tx, &ti), 0);
	assert_int_equal(dpsec_tls_info(rx, &ri), 0);
	assert_int_equal(ti.placement, DPSEC_PLACE_INLINE_CRYPTO);
	assert_int_equal(ri.placement, DPSEC_PLACE_INLINE_CRYPTO);
	assert_true(test_xstat(0, "tx_tls_encrypted_packets") > enc0);
	assert_true(test_xstat(1, "rx_tls_decrypted_packets") > dec0);
	assert_int_equal(recs[NB_REC - 1].how, DPSEC_TLS_DECRYPTED);
	if (reset)	/* the record under way: the NIC given it by a dump */
		assert_true(stx.tx_resync_dumps > 0);
	assert_int_equal(dpsec_tls_destroy(ctx, tx), 0);
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	grace_wait();
	assert_true(test_pool_full(tlst_pool));
}

#define ROWS(vname, ver, cipher, cname) \
	{ "nic-nic-" vname "-" cname "-v4", ver, cipher, 4, \
	  DPSEC_OFFLOAD_REQUIRE, DPSEC_OFFLOAD_REQUIRE, DPSEC_TLS_DECRYPTED, 1448 }, \
	{ "nic-sw-" vname "-" cname "-v6", ver, cipher, 6, \
	  DPSEC_OFFLOAD_REQUIRE, DPSEC_OFFLOAD_NONE, DPSEC_TLS_ENCRYPTED, 0 }, \
	{ "sw-nic-" vname "-" cname "-v4", ver, cipher, 4, \
	  DPSEC_OFFLOAD_NONE, DPSEC_OFFLOAD_REQUIRE, DPSEC_TLS_DECRYPTED, 0 }

static const struct off_case cases[] = {
	ROWS("tls12", 0x0303, DPSEC_CIPHER_AES_GCM_128, "aes-gcm-128"),
	ROWS("tls12", 0x0303, DPSEC_CIPHER_AES_GCM_256, "aes-gcm-256"),
	ROWS("tls13", 0x0304, DPSEC_CIPHER_AES_GCM_128, "aes-gcm-128"),
	ROWS("tls13", 0x0304, DPSEC_CIPHER_AES_GCM_256, "aes-gcm-256"),
};

int
main(void)
{
	static const struct rx_trouble troubles[] = {
		{ DPSEC_TLS_RX_RESYNC_HINT, false },
		{ DPSEC_TLS_RX_RESYNC_DEVICE, false },
		{ DPSEC_TLS_RX_RESYNC_HINT, true },
		{ DPSEC_TLS_RX_RESYNC_DEVICE, true },
	};
	static struct CMUnitTest tests[RTE_DIM(cases) + 18];
	unsigned int k = 0;
	int ret;

	if (tls_two_ports_up("lib-tls-offload", "tls_off", "tls-off",
			     &ctx) != 0)
		return 1;
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		tests[k].name = cases[i].name;
		tests[k].test_func = test_offload_case;
		tests[k].setup_func = NULL;
		tests[k].teardown_func = NULL;
		tests[k].initial_state = (void *)(uintptr_t)&cases[i];
		k++;
	}
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_port_caps);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_placement);
	tests[k++] = (struct CMUnitTest){ "tx-retx-nic-sw", test_tx_retx_nic,
		NULL, NULL, (void *)(uintptr_t)DPSEC_TLS_TX_RESYNC_SW };
	tests[k++] = (struct CMUnitTest){ "tx-retx-nic-dump", test_tx_retx_nic,
		NULL, NULL, (void *)(uintptr_t)DPSEC_TLS_TX_RESYNC_DUMP };
	tests[k++] = (struct CMUnitTest){ "rx-resync-hint", test_rx_resync,
		NULL, NULL, (void *)&troubles[0] };
	tests[k++] = (struct CMUnitTest){ "rx-resync-device", test_rx_resync,
		NULL, NULL, (void *)&troubles[1] };
	tests[k++] = (struct CMUnitTest){ "rx-nic-auth-fail-hint",
		test_rx_resync, NULL, NULL, (void *)&troubles[2] };
	tests[k++] = (struct CMUnitTest){ "rx-nic-auth-fail-device",
		test_rx_resync, NULL, NULL, (void *)&troubles[3] };
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_tx_rekey_nic);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_tx_resync_request);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_rx_keyupdate_nic);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_tx_destroy_in_flight);
	tests[k++] = (struct CMUnitTest){ "tls-nic-reset",
		test_tls_nic_reset, NULL, NULL, (void *)(uintptr_t)1 };
	tests[k++] = (struct CMUnitTest){ "tls-port-stop-start",
		test_tls_nic_reset, NULL, NULL, (void *)(uintptr_t)0 };
	tests[k++] = (struct CMUnitTest){ "rx-keyupdate-held-late",
		test_rx_keyupdate_held, NULL, NULL, (void *)(uintptr_t)1 };
	tests[k++] = (struct CMUnitTest){ "rx-keyupdate-held-timeout",
		test_rx_keyupdate_held, NULL, NULL, (void *)(uintptr_t)0 };
	tests[k++] = (struct CMUnitTest){ "test_inv1_tls_no_record_reuse/sw",
		test_inv1_tls_no_record_reuse, NULL, NULL,
		(void *)(uintptr_t)DPSEC_TLS_TX_RESYNC_SW };
	tests[k++] = (struct CMUnitTest){ "test_inv1_tls_no_record_reuse/dump",
		test_inv1_tls_no_record_reuse, NULL, NULL,
		(void *)(uintptr_t)DPSEC_TLS_TX_RESYNC_DUMP };
	ret = _cmocka_run_group_tests("lib-tls-offload", tests, k, NULL, NULL);
	if (!tls_two_ports_down(ctx))
		ret = 1;
	return ret;
}
