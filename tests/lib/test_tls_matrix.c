/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS fault matrix (issue 11, doc/tls_offload.md "Fault matrix"): TLS
 * 1.2 and 1.3 x AES-128-GCM, AES-256-GCM (on the NIC) and
 * ChaCha20-Poly1305 (software: net_sim_inline does not offload it) x
 * faults. A write context on port 0 and a read context on port 1 (both
 * offload AUTO), two net_sim_inline ports wired to each other, and a
 * small TCP of the test's own between them: it sends a window of segments
 * through dpsec_tls_tx() and the port, the receiver puts what comes in
 * TCP order into dpsec_tls_rx(), and when nothing new arrives the sender
 * retransmits from the first byte not received, cut differently (so
 * retransmissions cover records partly). Faults:
 *  - wire: net_sim_inline drops, duplicates and reorders port 0's frames;
 *  - nic-fail: port 1's NIC calls good records failed
 *    (fault_spurious_fail);
 *  - stop-start: both ports stopped and started mid-stream (the RX engine
 *    drops what it held; TCP sends it again);
 *  - nic-reset: both NICs lose their tables mid-stream, then
 *    dpsec_port_resync();
 *  - table-full: port 1's table already full: the read context runs in
 *    software;
 *  - ku-loss-before/on/after (TLS 1.3): a KeyUpdate, and the first
 *    transmission of the segment before it, holding it, or after it lost;
 *  - corrupt: one byte of a record's ciphertext flipped on the wire (a
 *    software write context, so the test sees the ciphertext): that record
 *    is rejected (-EBADMSG), nothing after it is delivered.
 * Checked per case: every record delivered once, in order, with its
 * plaintext and number (or the corrupted one rejected and the stream
 * stopped there); every stream byte the same ciphertext each time it
 * crossed the wire (retransmissions, dumps, software after the NIC: no
 * (key, record number) pair sealed two different things); the fault seen
 * to act, the offload where it should be, every mbuf back.
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

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "dpsec.h"
#include "dpsec_driver.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"
#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "tls_test.h"

enum {
	NREC = 24,
	MSS = 900,
	WIN = 12 * MSS,			/* bytes in flight */
	HDRS = 54,			/* Ethernet + IPv4 + TCP */
	STREAM_MAX = 1 << 18,
};

#define SEQ2 0xffff8000u		/* the sequence wraps mid-stream */

enum fault {
	F_WIRE, F_NIC_FAIL, F_STOP_START, F_NIC_RESET, F_TABLE_FULL,
	F_KU_BEFORE, F_KU_ON, F_KU_AFTER, F_CORRUPT, F_MAX
};

static const char *const fault_name[F_MAX] = {
	"wire", "nic-fail", "stop-start", "nic-reset", "table-full",
	"ku-loss-before", "ku-loss-on", "ku-loss-after", "corrupt",
};

struct mcase {
	char name[64];
	uint16_t ver;
	enum dpsec_cipher cipher;
	enum fault f;
	unsigned int idx;
};

struct rte_mempool *tlst_pool;
static struct dpsec_ctx *ctx;
/* The case's contexts: write, read, and two filling port 1's table. */
static struct dpsec_tls *live[4];
static uint8_t stream[STREAM_MAX], plain[STREAM_MAX];
/* The ciphertext of each stream byte as first seen on the wire (unmarked
 * frames), and whether seen: every later copy must be the same bytes. */
static uint8_t wire_ref[STREAM_MAX], wire_seen[STREAM_MAX];
static uint64_t rx_mask;		/* the NIC's "decrypted" mark */
static uint32_t rec_off[NREC + 1], rec_len[NREC + 1];

static void
suite_fill(struct ref_suite *s, uint16_t ver, enum dpsec_cipher c,
	   uint8_t salt)
{
	memset(s, 0, sizeof(*s));
	s->ver = ver;
	s->cipher = c;
	s->key_len = c == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	for (unsigned int i = 0; i < 32; i++)
		s->key[i] = (uint8_t)(i * 13 + salt);
	for (unsigned int i = 0; i < 12; i++)
		s->iv[i] = (uint8_t)(i * 7 + salt);
}

/* The application's send buffer (tx_read): stream[] from SEQ2 on. */
static const struct tls_sendbuf sendbuf = { stream, sizeof(stream), SEQ2 };

/* Records [first, first + n) at stream[len]: data, or one KeyUpdate. */
static uint32_t
frame(struct dpsec_tls *t, uint32_t len, unsigned int first, unsigned int n,
      uint8_t type)
{
	for (unsigned int i = first; i < first + n; i++) {
		uint16_t pl = type == DPSEC_TLS_TYPE_HANDSHAKE ? 5 :
			      (uint16_t)(1 + rand() % 3000);
		int pre = dpsec_tls_record_frame(t, stream + len, type, pl, 0);

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
	rec_off[first + n] = len;
	return len;
}

/* One run of the test's TCP. Offsets are from the stream's start. */
struct run {
	const struct mcase *mc;
	const struct conn *c;
	struct dpsec_tls *tx, *rx;
	uint32_t len, snd_nxt, rcv_nxt;
	struct dpsec_tls_rec recs[NREC];
	unsigned int got, rounds;
	bool failed;
	/* KeyUpdate: the next read key, from the boundary on. */
	const struct ref_suite *s2;
	uint32_t boundary;
	/* The first transmission of the segment holding this byte is lost;
	 * this byte's ciphertext is flipped on its first transmission. */
	uint32_t lose_at, flip_at;
	bool lose, flip;
	struct rte_mbuf *hold[1024];
	unsigned int nhold;
	unsigned int wire_diff;		/* bytes sent twice, differently */
};

static uint32_t
seg_off(const struct rte_mbuf *m)
{
	return rte_be_to_cpu_32(rte_pktmbuf_mtod_offset(m,
		const struct rte_tcp_hdr *, 34)->sent_seq) - SEQ2;
}

/* The read context answers a KeyUpdate as the application would. */
static void
rx_take(struct run *r, struct rte_mbuf **m, uint16_t n)
{
	struct dpsec_tls_info info;
	unsigned int before = r->got;

	r->got += dpsec_tls_rx(r->rx, m, n, r->recs + r->got,
			       (uint16_t)(NREC - r->got));
	assert_int_equal(dpsec_tls_info(r->rx, &info), 0);
	if (info.state == DPSEC_TLS_KEY_WAIT && r->s2 != NULL) {
		assert_int_equal(info.next_tcp_seq, SEQ2 + r->boundary);
		assert_int_equal(dpsec_tls_rekey(r->rx, r->s2->key,
						 r->s2->key_len, r->s2->iv,
						 SEQ2 + r->boundary), 0);
		r->got += dpsec_tls_rx(r->rx, NULL, 0, r->recs + r->got,
				       (uint16_t)(NREC - r->got));
	}
	for (unsigned int i = before; i < r->got; i++)
		if (r->recs[i].status != 0)
			r->failed = true;
}

/* What waits, in TCP order, to the read context. */
static void
deliver(struct run *r)
{
	for (bool progress = true; progress && !r->failed;) {
		progress = false;
		for (unsigned int h = 0; h < r->nhold; h++) {
			struct rte_mbuf *x = r->hold[h];
			uint32_t o = seg_off(x), l = x->pkt_len - HDRS;

			if ((int32_t)(o + l - r->rcv_nxt) <= 0) {
				/* Old: a duplicate, or sent again. */
				r->hold[h--] = r->hold[--r->nhold];
				rte_pktmbuf_free(x);
				continue;
			}
			if ((int32_t)(o - r->rcv_nxt) > 0)
				continue;
			r->hold[h] = r->hold[--r->nhold];
			r->rcv_nxt = o + l;
			rx_take(r, &x, 1);
			progress = true;
			break;
		}
	}
}

/*
 * Invariant 1 (doc/security_model.md) on the wire: a stream byte sent
 * again (a retransmission, a resync dump, software after the NIC) is the
 * same ciphertext as the first time - one (key, record number) pair never
 * seals two different things. Frames the NIC marked carry plaintext and
 * are not compared; the ones it gave back carry their ciphertext again.
 */
static void
wire_check(struct run *r, const struct rte_mbuf *m)
{
	static uint8_t buf[2048];
	uint32_t o = seg_off(m), l = m->pkt_len - HDRS;
	const uint8_t *p;

	if (l > sizeof(buf) ||
	    (p = rte_pktmbuf_read(m, HDRS, l, buf)) == NULL)
		return;
	for (uint32_t j = 0; j < l; j++) {
		uint32_t at = o + j;

		if (at >= r->len || (r->mc->f == F_CORRUPT && at == r->flip_at))
			continue;
		if (!wire_seen[at]) {
			wire_seen[at] = 1;
			wire_ref[at] = p[j];
		} else if (wire_ref[at] != p[j]) {
			r->wire_diff++;
		}
	}
}

/* Take what port 1 has (waiting up to @ms for a first frame). */
static unsigned int
receive(struct run *r, unsigned int ms)
{
	struct rte_mbuf *in[64];
	uint16_t k = ms != 0 ?
		test_rx_poll(1, 0, in, 1, RTE_DIM(in), ms) :
		rte_eth_rx_burst(1, 0, in, RTE_DIM(in));

	for (uint16_t i = 0; i < k; i++) {
		in[i]->l2_len = 14;
		in[i]->l3_len = 20;
		in[i]->l4_len = 20;
		if (!(in[i]->ol_flags & rx_mask))
			wire_check(r, in[i]);
		assert_true(r->nhold < RTE_DIM(r->hold));
		r->hold[r->nhold++] = in[i];
	}
	deliver(r);
	return k;
}

/* Stream bytes [a, b) in segments of @mss through the write context and
 * port 0 (first transmission or retransmission). */
static void
send_range(struct run *r, uint32_t a, uint32_t b, uint32_t mss, bool first)
{
	struct rte_mbuf *segs[64];
	unsigned int n = cut(r->c, true, SEQ2 + a, stream + a, b - a, mss, 1,
			     segs, RTE_DIM(segs));
	uint32_t o = a;

	assert_int_equal(dpsec_tls_tx(r->tx, segs, (uint16_t)n), n);
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = segs[i];
		uint32_t l = m->pkt_len - HDRS;
		bool in = first && (uint32_t)(r->lose_at - o) < l;

		if (in && r->lose) {
			r->lose = false;
			rte_pktmbuf_free(m);	/* lost on the way */
		} else {
			if (first && r->flip &&
			    (uint32_t)(r->flip_at - o) < l) {
				*rte_pktmbuf_mtod_offset(m, uint8_t *,
					HDRS + r->flip_at - o) ^= 0x40;
				r->flip = false;
			}
			assert_int_equal(test_tx_all(0, 0, &m, 1, 2000), 1);
		}
		o += l;
	}
	receive(r, 0);
}

static void
ports_event(enum fault f)
{
	for (uint16_t p = 0; p < 2; p++) {
		if (f == F_STOP_START) {
			assert_int_equal(rte_eth_dev_stop(p), 0);
			assert_int_equal(rte_eth_dev_start(p), 0);
		} else {
			assert_int_equal(rte_pmd_sim_inline_sec_reset(p), 0);
		}
	}
	if (f == F_NIC_RESET)
		for (uint16_t p = 0; p < 2; p++)
			assert_true(dpsec_port_resync(ctx, p) >= 0);
}

static void
tcp_run(struct run *r)
{
	bool event = r->mc->f == F_STOP_START || r->mc->f == F_NIC_RESET;

	while (r->rcv_nxt != r->len && !r->failed) {
		uint32_t before = r->rcv_nxt;

		while (r->snd_nxt < r->len && r->snd_nxt - r->rcv_nxt < WIN) {
			uint32_t end = RTE_MIN(r->len, r->snd_nxt + 4 * MSS);

			send_range(r, r->snd_nxt, end, MSS, true);
			r->snd_nxt = end;
			if (event && r->snd_nxt >= r->len / 2) {
				ports_event(r->mc->f);
				event = false;
			}
		}
		/* Quiet longer than the NIC holds a record's packets. */
		receive(r, 120);
		if (r->rcv_nxt == before && !r->failed) {
			/* Nothing new: again from the first byte missing, in
			 * segments of another size. */
			uint32_t mss = r->rounds % 2 ? MSS / 2 + 13 :
						       MSS * 3 / 2 + 7;
			uint32_t end = RTE_MIN(r->snd_nxt,
					       r->rcv_nxt + 3 * MSS);

			send_range(r, r->rcv_nxt, end, mss, false);
			r->rounds++;
			assert_true(r->rounds < 400);
		}
		assert_true(dpsec_tls_tx_ack(r->tx, SEQ2 + r->rcv_nxt) >= 0);
	}
	/* What is still on its way: duplicates, frames held back. */
	while (receive(r, 120) > 0)
		;
	for (unsigned int h = 0; h < r->nhold; h++)
		rte_pktmbuf_free(r->hold[h]);
	r->nhold = 0;
}

static uint64_t
xs(uint16_t port, const char *name)
{
	uint64_t v = test_xstat(port, name);

	assert_true(v != UINT64_MAX);
	return v;
}

static void
test_matrix_case(void **state)
{
	const struct mcase *mc = *state;
	const bool aes = mc->cipher != DPSEC_CIPHER_CHACHA20_POLY1305;
	const bool ku = mc->f >= F_KU_BEFORE && mc->f <= F_KU_AFTER;
	struct rte_pmd_sim_inline_faults f = { .seed = 3 + mc->idx };
	struct rte_pmd_sim_inline_faults off = { 0 };
	struct dpsec_tls_stats stx, srx;
	struct dpsec_tls_info ti, ri;
	struct ref_suite s1, s2;
	struct dpsec_tls_conf conf;
	static struct run r;
	struct conn c;
	uint64_t x0[5];
	unsigned int n1 = NREC / 2, corrupt = NREC / 3, i;

	memset(&r, 0, sizeof(r));
	memset(wire_seen, 0, sizeof(wire_seen));
	r.mc = mc;
	r.c = &c;
	srand(1000 + mc->idx);
	suite_fill(&s1, mc->ver, mc->cipher, 5);
	suite_fill(&s2, mc->ver, mc->cipher, 77);
	conn_init(&c, 4);
	if (mc->f == F_TABLE_FULL) {
		/* Port 1 holds two contexts (max_tls=2): other flows. */
		struct ref_suite sf;

		suite_fill(&sf, 0x0304, DPSEC_CIPHER_AES_GCM_128, 9);
		for (i = 0; i < 2; i++) {
			struct conn o = c;

			o.pb = (uint16_t)(c.pb + 1 + i);
			ref_conf_fill(&conf, &sf, &o, true, 1,
				      DPSEC_OFFLOAD_REQUIRE, SEQ2);
			live[2 + i] = dpsec_tls_create(ctx, &conf);
			assert_non_null(live[2 + i]);
		}
	}
	ref_conf_fill(&conf, &s1, &c, false, 0, mc->f == F_CORRUPT ?
		      DPSEC_OFFLOAD_NONE : DPSEC_OFFLOAD_AUTO, SEQ2);
	conf.tx_resync = mc->idx % 2 ? DPSEC_TLS_TX_RESYNC_DUMP :
				       DPSEC_TLS_TX_RESYNC_SW;
	conf.tx_read = tls_sendbuf_read;
	conf.tx_read_arg = (void *)(uintptr_t)&sendbuf;
	r.tx = live[0] = dpsec_tls_create(ctx, &conf);
	assert_non_null(r.tx);
	ref_conf_fill(&conf, &s1, &c, true, 1, DPSEC_OFFLOAD_AUTO, SEQ2);
	conf.rx_resync = mc->idx % 3 ? DPSEC_TLS_RX_RESYNC_DEVICE :
				       DPSEC_TLS_RX_RESYNC_HINT;
	r.rx = live[1] = dpsec_tls_create(ctx, &conf);
	assert_non_null(r.rx);
	if (rx_mask == 0) {	/* registered with the first context */
		int bit = rte_mbuf_dynflag_lookup(
			DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED, NULL);

		assert_true(bit >= 0);
		rx_mask = UINT64_C(1) << bit;
	}

	if (ku) {
		r.len = frame(r.tx, 0, 0, n1, DPSEC_TLS_TYPE_DATA);
		r.len = frame(r.tx, r.len, n1, 1, DPSEC_TLS_TYPE_HANDSHAKE);
		r.boundary = r.len;
		assert_int_equal(dpsec_tls_rekey(r.tx, s2.key, s2.key_len,
						 s2.iv, SEQ2 + r.boundary), 0);
		r.len = frame(r.tx, r.len, n1 + 1, NREC - n1 - 1,
			      DPSEC_TLS_TYPE_DATA);
		r.s2 = &s2;
		r.lose = true;
		r.lose_at = mc->f == F_KU_BEFORE ? rec_off[n1] - 1 :
			    mc->f == F_KU_ON ? rec_off[n1] + 3 :
			    r.boundary + 1;
	} else {
		r.len = frame(r.tx, 0, 0, NREC, DPSEC_TLS_TYPE_DATA);
	}
	if (mc->f == F_CORRUPT) {
		r.flip = true;
		r.flip_at = rec_off[corrupt] + 5 + (ref_explicit(&s1) ? 8 : 0);
	}
	x0[0] = xs(0, "tx_fault_drop") + xs(0, "tx_fault_dup") +
		xs(0, "tx_fault_reorder");
	x0[1] = xs(1, "rx_fault_spurious_fail");
	x0[2] = xs(0, "tx_tls_encrypted_packets");
	x0[3] = xs(1, "rx_tls_decrypted_packets");
	x0[4] = xs(0, "tx_fault_drop");
	if (mc->f == F_WIRE) {
		f.drop = 0.03;
		f.dup = 0.03;
		f.reorder = 0.05;
		assert_int_equal(rte_pmd_sim_inline_fault_set(0, &f), 0);
	} else if (mc->f == F_NIC_FAIL) {
		f.spurious_fail = 0.2;
		assert_int_equal(rte_pmd_sim_inline_fault_set(1, &f), 0);
	}
	tcp_run(&r);
	assert_int_equal(rte_pmd_sim_inline_fault_set(0, &off), 0);
	assert_int_equal(rte_pmd_sim_inline_fault_set(1, &off), 0);

	assert_int_equal(dpsec_tls_stats_get(r.tx, &stx), 0);
	assert_int_equal(dpsec_tls_stats_get(r.rx, &srx), 0);
	if (mc->f == F_CORRUPT) {
		/* The records before it, then its rejection; nothing after
		 * it reaches the application. */
		assert_int_equal(r.got, corrupt + 1);
		assert_int_equal(r.recs[corrupt].status, -EBADMSG);
		assert_null(r.recs[corrupt].m);
		assert_int_equal(srx.auth_failed, 1);
	} else {
		assert_false(r.failed);
		assert_int_equal(r.got, NREC);
		assert_int_equal(srx.auth_failed, 0);
	}
	for (i = 0; i < r.got; i++) {
		uint64_t want = !ku || i <= n1 ? i : i - n1 - 1;

		if (r.recs[i].status == 0) {
			assert_int_equal(r.recs[i].rec_seq, want);
			assert_true(rec_equals(r.recs[i].m, plain + rec_off[i],
					       rec_len[i]));
		}
		rte_pktmbuf_free(r.recs[i].m);
	}
	assert_int_equal(r.wire_diff, 0);
	/* The fault acted. */
	if (mc->f == F_WIRE)
		assert_true(xs(0, "tx_fault_drop") + xs(0, "tx_fault_dup") +
			    xs(0, "tx_fault_reorder") > x0[0]);
	if (mc->f == F_NIC_FAIL && aes)
		assert_true(xs(1, "rx_fault_spurious_fail") > x0[1]);
	if (ku || (mc->f == F_WIRE && xs(0, "tx_fault_drop") > x0[4]))
		assert_true(r.rounds > 0);
	if (ku) {
		assert_int_equal(stx.key_updates, 1);
		assert_int_equal(srx.key_updates, 1);
	}
	if (mc->f == F_NIC_RESET && aes) {
		assert_int_equal(stx.nic_readds, 1);
		assert_int_equal(srx.nic_readds, 1);
	}
	/* Placement: AES-GCM on the NIC (the read side not when the table
	 * is full), ChaCha20 in software; the NIC did work. */
	assert_int_equal(dpsec_tls_info(r.tx, &ti), 0);
	assert_int_equal(dpsec_tls_info(r.rx, &ri), 0);
	if (aes && mc->f != F_CORRUPT) {
		assert_int_equal(ti.placement, DPSEC_PLACE_INLINE_CRYPTO);
		assert_true(xs(0, "tx_tls_encrypted_packets") > x0[2]);
	} else {
		assert_int_equal(ti.placement, DPSEC_PLACE_SW);
	}
	if (aes && mc->f != F_TABLE_FULL) {
		assert_int_equal(ri.placement, DPSEC_PLACE_INLINE_CRYPTO);
		assert_true(xs(1, "rx_tls_decrypted_packets") > x0[3]);
	} else {
		assert_int_equal(ri.placement, DPSEC_PLACE_SW);
		assert_int_equal(ri.place_reason, aes ? DPSEC_PLACE_R_TABLE_FULL :
					      DPSEC_PLACE_R_UNSUPPORTED);
		assert_int_equal(srx.records_nic, 0);
	}
	print_message("%s: %u records, %u retransmission rounds; read: nic %"
		      PRIu64 " sw %" PRIu64 " mixed %" PRIu64 "\n", mc->name,
		      r.got, r.rounds, srx.records_nic,
		      srx.records_sw - srx.records_mixed, srx.records_mixed);
	for (i = 0; i < RTE_DIM(live); i++) {
		if (live[i] != NULL)
			assert_int_equal(dpsec_tls_destroy(ctx, live[i]), 0);
		live[i] = NULL;
	}
	rte_delay_ms(150);	/* write contexts' NIC entries: grace */
	assert_true(test_pool_full(tlst_pool));
}

/* After a failed case: its contexts go, its faults off, its frames out
 * of the ports, so the next case starts clean. */
static int
case_teardown(void **state)
{
	struct rte_pmd_sim_inline_faults off = { 0 };
	struct rte_mbuf *in[64];

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(live); i++) {
		if (live[i] != NULL)
			dpsec_tls_destroy(ctx, live[i]);
		live[i] = NULL;
	}
	for (uint16_t p = 0; p < 2; p++) {
		uint16_t k;

		rte_pmd_sim_inline_fault_set(p, &off);
		while ((k = test_rx_poll(p, 0, in, 1, RTE_DIM(in), 100)) > 0)
			rte_pktmbuf_free_bulk(in, k);
	}
	return 0;
}

int
main(void)
{
	static const struct {
		const char *name;
		uint16_t ver;
		enum dpsec_cipher cipher;
	} suites[] = {
		{ "tls12-aes-gcm-128", 0x0303, DPSEC_CIPHER_AES_GCM_128 },
		{ "tls12-aes-gcm-256", 0x0303, DPSEC_CIPHER_AES_GCM_256 },
		{ "tls12-chacha20", 0x0303, DPSEC_CIPHER_CHACHA20_POLY1305 },
		{ "tls13-aes-gcm-128", 0x0304, DPSEC_CIPHER_AES_GCM_128 },
		{ "tls13-aes-gcm-256", 0x0304, DPSEC_CIPHER_AES_GCM_256 },
		{ "tls13-chacha20", 0x0304, DPSEC_CIPHER_CHACHA20_POLY1305 },
	};
	static struct mcase cases[RTE_DIM(suites) * F_MAX];
	static struct CMUnitTest tests[RTE_DIM(cases)];
	unsigned int k = 0;
	int ret;

	if (tls_two_ports_up("lib-tls-matrix", "tls_mx", "tls-matrix",
			     &ctx) != 0)
		return 1;

	for (unsigned int s = 0; s < RTE_DIM(suites); s++)
		for (unsigned int f = 0; f < F_MAX; f++) {
			struct mcase *mc = &cases[k];

			if (f >= F_KU_BEFORE && f <= F_KU_AFTER &&
			    suites[s].ver != 0x0304)
				continue;	/* KeyUpdate: TLS 1.3 */
			snprintf(mc->name, sizeof(mc->name), "%s/%s",
				 suites[s].name, fault_name[f]);
			mc->ver = suites[s].ver;
			mc->cipher = suites[s].cipher;
			mc->f = (enum fault)f;
			mc->idx = k;
			tests[k].name = mc->name;
			tests[k].test_func = test_matrix_case;
			tests[k].setup_func = NULL;
			tests[k].teardown_func = case_teardown;
			tests[k].initial_state = mc;
			k++;
		}
	ret = _cmocka_run_group_tests("lib-tls-matrix", tests, k, NULL, NULL);
	if (!tls_two_ports_down(ctx))
		ret = 1;
	return ret;
}
