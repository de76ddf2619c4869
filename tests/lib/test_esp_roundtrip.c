/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP round trip, as a matrix: cipher x mode x outer family x inner family
 * x ESN x NAT-T x (outbound backend, inbound backend). Each case protects a
 * burst of packets of varied sizes and cross-checks it with an independent
 * ESP implementation (OpenSSL, esp_test.c) both ways: the reference opens
 * every packet dpsec wrote (wire format per RFC 4303) and seals every
 * other one again itself (dpsec's bytes exactly, or CBC with an IV of its
 * own). Then dpsec_inbound decapsulates the burst and must give the
 * original bytes back, with exact per-SA counters.
 *
 * The "pad/" rows do the same with small packets that sit in their mbuf
 * followed by link-layer bytes (Ethernet pads a frame to 60 bytes: a
 * 40-byte TCP ACK arrives with 6 bytes after its IP datagram): ESP must
 * protect the IP datagram only (its total/payload length), and the
 * receiver must get exactly the datagram back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum {
	NB_PKT = 40,
	NB_BACKEND = 2,
};

/* Total lengths of the burst (raised to the headers' minimum). */
static const uint16_t pkt_len_tab[NB_PKT] = {
	28, 29, 30, 31, 32, 33, 40, 41, 47, 48, 49, 60, 63, 64, 65, 100,
	127, 128, 129, 200, 255, 256, 300, 511, 512, 576, 700, 999, 1000,
	1024, 1100, 1200, 1279, 1280, 1300, 1350, 1399, 1400, 77, 555,
};

static const char *const backend_name[NB_BACKEND] = { "mb", "ossl" };

struct rt_case {
	char name[96];
	unsigned int idx;
	const struct espt_alg *alg;
	enum dpsec_sa_mode mode;
	uint8_t outer, inner;
	bool esn, natt;
	bool pad;		/* small packets with bytes after the datagram */
	enum dpsec_backend be_out, be_in;
};

enum { ETH_MIN_PAYLOAD = 46, PAD_MIN = 6 };

static struct rte_mempool *pool;
static struct dpsec_ctx *ctxs[NB_BACKEND];

/* What a case holds, released by case_teardown when an assertion fails. */
static struct {
	struct rte_mbuf *pkts[NB_PKT];
	struct dpsec_sa *osa, *isa;
	struct dpsec_ctx *octx, *ictx;
	void *orig;
} cur;

struct pkt_ref {
	uint8_t bytes[ESPT_PKT_MAX];
	size_t len;
	uint32_t inner_len;	/* ESP payload bytes: what the stats count */
};

/*
 * What ESP carries for @orig (RFC 4303 §2): the inner packet (tunnel) or
 * what follows its IP header (transport); sets the next header. Returns
 * the length.
 */
static size_t
esp_payload(const struct rt_case *tc, const struct pkt_ref *orig,
	    const uint8_t **payload, uint8_t *nh)
{
	size_t l3 = tc->inner == 4 ? 20 : 40;

	if (tc->mode == DPSEC_SA_TUNNEL) {
		*payload = orig->bytes;
		*nh = tc->inner == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
		return orig->len;
	}
	*payload = orig->bytes + l3;
	*nh = orig->bytes[tc->inner == 4 ? 9 : 6];
	return orig->len - l3;
}

/* Check one protected packet against the original, RFC 4303 §2. */
static void
check_wire(const struct rt_case *tc, const struct dpsec_sa_conf *oc,
	   const struct espt_ref *ref, const struct pkt_ref *orig,
	   const struct rte_mbuf *m, uint64_t seq64)
{
	uint8_t wire[ESPT_PKT_MAX], pt[ESPT_PKT_MAX];
	const struct espt_alg *a = tc->alg;
	struct espt_wire w;
	size_t len = espt_mbuf_bytes(m, wire);
	size_t ol3 = tc->inner == 4 ? 20 : 40, payload_len;
	const uint8_t *payload;
	uint8_t pad, nh, want_nh;
	int n, rc;

	rc = espt_wire_parse(wire, len, &w);
	assert_int_equal(rc, 0);
	assert_int_equal(w.udp, tc->natt);
	if (tc->natt) {
		assert_int_equal(w.sport, oc->natt_sport);
		assert_int_equal(w.dport, oc->natt_dport);
	}
	assert_int_equal(w.spi, oc->spi);
	assert_int_equal(w.sn, (uint32_t)seq64);

	payload_len = esp_payload(tc, orig, &payload, &want_nh);
	if (tc->mode == DPSEC_SA_TUNNEL) {
		struct dpsec_addr s, d;

		espt_outer_addr(&s, &d, tc->outer);
		assert_int_equal(w.family, tc->outer);
		if (tc->outer == 4) {
			const struct rte_ipv4_hdr *ip = (const void *)wire;

			assert_int_equal(ip->version_ihl, 0x45);
			assert_int_equal(ip->time_to_live, 64);
			assert_int_equal(ip->next_proto_id,
					 tc->natt ? IPPROTO_UDP : IPPROTO_ESP);
			assert_memory_equal(&ip->src_addr, &s.v4, 4);
			assert_memory_equal(&ip->dst_addr, &d.v4, 4);
		} else {
			const struct rte_ipv6_hdr *ip = (const void *)wire;

			assert_int_equal(rte_be_to_cpu_32(ip->vtc_flow) >> 28,
					 6);
			assert_int_equal(ip->hop_limits, 64);
			assert_int_equal(ip->proto,
					 tc->natt ? IPPROTO_UDP : IPPROTO_ESP);
			assert_memory_equal(ip->src_addr, s.v6, 16);
			assert_memory_equal(ip->dst_addr, d.v6, 16);
		}
	} else {
		/* Transport: the original IP header, protocol and lengths
		 * changed only. */
		assert_int_equal(w.family, tc->inner);
		assert_int_equal(w.l3, ol3);
		if (tc->inner == 4) {
			/* bytes 0..1, 4..8, 12..19 unchanged */
			assert_memory_equal(wire, orig->bytes, 2);
			assert_memory_equal(wire + 4, orig->bytes + 4, 5);
			assert_memory_equal(wire + 12, orig->bytes + 12, 8);
			assert_int_equal(wire[9],
					 tc->natt ? IPPROTO_UDP : IPPROTO_ESP);
		} else {
			assert_memory_equal(wire, orig->bytes, 4);
			assert_memory_equal(wire + 7, orig->bytes + 7, 33);
			assert_int_equal(wire[6],
					 tc->natt ? IPPROTO_UDP : IPPROTO_ESP);
		}
	}

	/* RFC 4106 §3.1 / RFC 7634 §2: the IV is the 64-bit SN. */
	if (a->aead) {
		uint64_t be = rte_cpu_to_be_64(seq64);

		assert_memory_equal(wire + w.esp_off + 8, &be, 8);
	}
	n = espt_ref_open(ref, wire + w.esp_off, w.esp_len, seq64, pt);
	if (n < 0)
		fail_msg("%s: SN %" PRIu64 ": reference ICV check failed",
			 tc->name, seq64);
	assert_int_equal(w.esp_len, 8 + a->iv_len + (unsigned int)n +
				    a->icv_len);
	/* RFC 4303 §2.4: payload + pad + 2 aligned; pad bytes 1, 2, 3... */
	assert_int_equal(n % a->align, 0);
	pad = pt[n - 2];
	nh = pt[n - 1];
	assert_int_equal((size_t)n, payload_len + pad + 2);
	assert_true(pad < a->align);	/* minimal padding */
	for (unsigned int i = 0; i < pad; i++)
		assert_int_equal(pt[payload_len + i], i + 1);
	assert_int_equal(nh, want_nh);
	assert_memory_equal(pt, payload, payload_len);
}

/*
 * The TX metadata of a protected packet in software
 * (doc/programmers_guide.md): no L2 header, the outer (tunnel) or the
 * packet's (transport) IP header length, ESP [in UDP], no NIC mark, no
 * checksum request left from the plaintext packet.
 */
static void
check_tx_meta(const struct rt_case *tc, const struct rte_mbuf *m)
{
	uint8_t fam = tc->mode == DPSEC_SA_TUNNEL ? tc->outer : tc->inner;
	uint64_t want_fl = fam == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
	uint64_t mask = RTE_MBUF_F_TX_SEC_OFFLOAD | RTE_MBUF_F_TX_IP_CKSUM |
			RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4 |
			RTE_MBUF_F_TX_IPV6;

	assert_int_equal(m->l2_len, 0);
	assert_int_equal(m->l3_len, fam == 4 ? 20 : 40);
	assert_int_equal(m->packet_type,
			 (fam == 4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6) |
			 RTE_PTYPE_TUNNEL_ESP |
			 (tc->natt ? RTE_PTYPE_L4_UDP : 0));
	if ((m->ol_flags & mask) != want_fl)
		fail_msg("%s: ol_flags 0x%" PRIx64 ", want 0x%" PRIx64,
			 tc->name, (uint64_t)(m->ol_flags & mask), want_fl);
}

/*
 * The other way: the reference seals the ESP payload of @orig itself in
 * @m, with RFC 4303 §2.4 default padding, at SN @seq64. A CBC transform
 * gets an IV of the reference's own, so that dpsec_inbound opens ESP it
 * did not write; the others have no IV to choose (AEAD's is the SN) and
 * the reference must write dpsec's bytes.
 */
static void
ref_seal(const struct rt_case *tc, const struct espt_ref *ref,
	 const struct pkt_ref *orig, struct rte_mbuf *m, uint64_t seq64)
{
	const struct espt_alg *a = tc->alg;
	bool own_iv = !a->aead && a->iv_len != 0;
	uint8_t pt[ESPT_PKT_MAX], esp[ESPT_PKT_MAX], iv[16];
	uint8_t *wire = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *payload;
	struct espt_wire w;
	size_t n, esp_len;
	uint8_t pad, nh;

	assert_true(rte_pktmbuf_is_contiguous(m));
	assert_int_equal(espt_wire_parse(wire, m->data_len, &w), 0);
	n = esp_payload(tc, orig, &payload, &nh);
	memcpy(pt, payload, n);
	pad = (uint8_t)((a->align - (n + 2) % a->align) % a->align);
	for (unsigned int i = 0; i < pad; i++)
		pt[n++] = (uint8_t)(i + 1);
	pt[n++] = pad;
	pt[n++] = nh;
	for (unsigned int i = 0; i < a->iv_len; i++)
		iv[i] = (uint8_t)(wire[w.esp_off + ESPT_ESP_HDR + i] ^
				  (own_iv ? 0xff : 0));
	esp_len = espt_ref_seal(ref, w.spi, seq64, iv, pt, n, esp);
	assert_int_equal(esp_len, w.esp_len);
	if (!own_iv && memcmp(esp, wire + w.esp_off, esp_len) != 0)
		fail_msg("%s: SN %" PRIu64 ": the reference seals other bytes",
			 tc->name, seq64);
	memcpy(wire + w.esp_off, esp, esp_len);
}

static void
test_roundtrip(void **state)
{
	const struct rt_case *tc = *state;
	struct pkt_ref *orig = calloc(NB_PKT, sizeof(*orig));
	struct rte_mbuf **pkts = cur.pkts;
	struct dpsec_sa *sa_out[NB_PKT];
	struct dpsec_sa_conf oc, ic;
	struct dpsec_sa *osa, *isa;
	struct dpsec_sa_stats st;
	struct dpsec_sa_info info;
	struct espt_keys keys;
	uint32_t flags = (tc->esn ? DPSEC_SA_F_ESN : 0) |
			 (tc->natt ? DPSEC_SA_F_NATT : 0);
	uint32_t spi = ESPT_SPI + tc->idx;
	uint64_t bytes = 0, seq_start;
	struct espt_ref ref = { tc->alg, &keys, tc->esn };
	uint16_t n;

	assert_non_null(orig);
	cur.orig = orig;
	espt_keys_fill(&keys, tc->idx);
	/* ESN: start below 2^32 so the burst crosses the 32-bit wrap. */
	seq_start = tc->esn ? (UINT64_C(1) << 32) - 20 : (tc->idx % 3) * 1000;

	espt_conf(&oc, tc->alg, &keys, DPSEC_SA_OUTBOUND, tc->mode, tc->outer,
		  spi, flags);
	oc.seq_start = seq_start;
	espt_conf(&ic, tc->alg, &keys, DPSEC_SA_INBOUND, tc->mode, tc->outer,
		  spi, flags);
	cur.octx = ctxs[tc->be_out];
	cur.ictx = ctxs[tc->be_in];
	osa = cur.osa = dpsec_sa_create(ctxs[tc->be_out], &oc);
	if (osa == NULL)
		fail_msg("outbound SA: %s", rte_strerror(rte_errno));
	isa = cur.isa = dpsec_sa_create(ctxs[tc->be_in], &ic);
	if (isa == NULL)
		fail_msg("inbound SA: %s", rte_strerror(rte_errno));

	for (unsigned int i = 0; i < NB_PKT; i++) {
		uint8_t proto = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;

		uint8_t frame[ESPT_PKT_MAX];
		size_t flen;

		/* pad: 20..59 bytes, raised to the headers' minimum */
		orig[i].len = espt_pkt_build(orig[i].bytes, tc->inner, proto,
					     tc->pad ? (uint16_t)(20 + i) :
					     pkt_len_tab[i], 100 + i);
		orig[i].inner_len = (uint32_t)(tc->mode == DPSEC_SA_TUNNEL ?
			orig[i].len :
			orig[i].len - (tc->inner == 4 ? 20 : 40));
		bytes += orig[i].inner_len;
		memcpy(frame, orig[i].bytes, orig[i].len);
		flen = orig[i].len;
		if (tc->pad) {
			/* up to the Ethernet minimum, and at least PAD_MIN
			 * bytes of garbage whatever the size */
			size_t g = RTE_MAX((size_t)PAD_MIN,
					   ETH_MIN_PAYLOAD > flen ?
					   ETH_MIN_PAYLOAD - flen : 0);

			for (size_t j = 0; j < g; j++)
				frame[flen + j] = (uint8_t)(0xa5 ^ (i + j));
			flen += g;
		}
		pkts[i] = espt_mbuf(pool, frame, flen);
		assert_non_null(pkts[i]);
		/* What a recycled mbuf may carry: dpsec sets or clears it. */
		pkts[i]->l2_len = RTE_ETHER_HDR_LEN;
		pkts[i]->l3_len = 99;
		pkts[i]->ol_flags |= RTE_MBUF_F_TX_SEC_OFFLOAD |
				     RTE_MBUF_F_TX_IP_CKSUM |
				     RTE_MBUF_F_TX_UDP_CKSUM;
	}

	n = dpsec_sa_outbound(osa, pkts, NB_PKT);
	if (n != NB_PKT)
		fail_msg("outbound: %u of %u, first reason %s", n, NB_PKT,
			 dpsec_reason_str(dpsec_mbuf_reason(pkts[n])));
	/* odd packets: what dpsec_inbound gets is the reference's */
	for (unsigned int i = 0; i < NB_PKT; i++) {
		check_tx_meta(tc, pkts[i]);
		check_wire(tc, &oc, &ref, &orig[i], pkts[i],
			   seq_start + i + 1);
		if (i % 2)
			ref_seal(tc, &ref, &orig[i], pkts[i],
				 seq_start + i + 1);
	}

	/*
	 * A fresh inbound SA has T = 0; the ESN high bits of a burst are
	 * inferred from T before the burst (RFC 4303 A2.1), so with ESN the
	 * first packet goes alone: it sets T just below 2^32, and the rest
	 * of the burst then crosses the 32-bit wrap.
	 */
	n = dpsec_inbound(ctxs[tc->be_in], pkts, 1, sa_out);
	assert_int_equal(n, 1);
	n = (uint16_t)(1 + dpsec_inbound(ctxs[tc->be_in], pkts + 1, NB_PKT - 1,
					 sa_out + 1));
	if (n != NB_PKT)
		fail_msg("inbound: %u of %u, first reason %s", n, NB_PKT,
			 dpsec_reason_str(dpsec_mbuf_reason(pkts[n])));
	for (unsigned int i = 0; i < NB_PKT; i++) {
		const struct rte_mbuf *m = pkts[i];

		assert_ptr_equal(sa_out[i], isa);
		/* the inner (tunnel) or restored (transport) IP packet */
		assert_int_equal(m->l2_len, 0);
		assert_int_equal(m->l3_len, tc->inner == 4 ? 20 : 40);
		assert_int_equal(m->packet_type, tc->inner == 4 ?
				 RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6);
		if (!espt_mbuf_equals(pkts[i], orig[i].bytes, orig[i].len))
			fail_msg("packet %u (len %zu) differs after the round "
				 "trip", i, orig[i].len);
	}

	assert_int_equal(dpsec_sa_stats_get(osa, &st), 0);
	assert_int_equal(st.packets, NB_PKT);
	assert_int_equal(st.bytes, bytes);
	for (unsigned int r = 0; r < DPSEC_R_MAX; r++)
		assert_int_equal(st.drops[r], 0);
	assert_int_equal(dpsec_sa_stats_get(isa, &st), 0);
	assert_int_equal(st.packets, NB_PKT);
	assert_int_equal(st.bytes, bytes);
	for (unsigned int r = 0; r < DPSEC_R_MAX; r++)
		assert_int_equal(st.drops[r], 0);

	assert_int_equal(dpsec_sa_info(osa, &info), 0);
	assert_int_equal(info.seq, seq_start + NB_PKT);
	assert_int_equal(info.state, DPSEC_SA_ACTIVE);
	assert_int_equal(info.placement, DPSEC_PLACE_SW);
	assert_int_equal(info.dir, DPSEC_SA_OUTBOUND);
	assert_int_equal(info.userdata, spi);
	assert_int_equal(dpsec_sa_info(isa, &info), 0);
	assert_int_equal(info.seq, seq_start + NB_PKT);
	assert_int_equal(info.dir, DPSEC_SA_INBOUND);

	test_free_bulk(pkts, NB_PKT);
	memset(cur.pkts, 0, sizeof(cur.pkts));
	cur.osa = cur.isa = NULL;
	assert_int_equal(dpsec_sa_destroy(ctxs[tc->be_out], osa), 0);
	assert_int_equal(dpsec_sa_destroy(ctxs[tc->be_in], isa), 0);
	assert_true(test_pool_full(pool));
}

static int
case_teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NB_PKT; i++)
		rte_pktmbuf_free(cur.pkts[i]);
	if (cur.osa != NULL)
		dpsec_sa_destroy(cur.octx, cur.osa);
	if (cur.isa != NULL)
		dpsec_sa_destroy(cur.ictx, cur.isa);
	free(cur.orig);
	memset(&cur, 0, sizeof(cur));
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	pool = test_pool_create("rt_pool", 1023, 2048);
	if (pool == NULL)
		return -1;
	ctxs[DPSEC_BACKEND_IPSEC_MB] = espt_ctx("rt_mb",
						DPSEC_BACKEND_IPSEC_MB, 1024);
	ctxs[DPSEC_BACKEND_OPENSSL] = espt_ctx("rt_ossl",
					       DPSEC_BACKEND_OPENSSL, 1024);
	return ctxs[0] != NULL && ctxs[1] != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	dpsec_free(ctxs[0]);
	dpsec_free(ctxs[1]);
	rte_mempool_free(pool);
	return 0;
}

/* Fill case @c (and its CMocka entry @t) of the matrix; names as
 * "<alg>/<mode>/out<v>/in<v>/<sn>/<encap>/<be_out>-><be_in>", the padded
 * rows "pad/<alg>/<mode>/out<v>/in<v>/<encap>". */
static void
case_fill(struct rt_case *c, struct CMUnitTest *t, unsigned int idx,
	  const struct espt_alg *alg, enum dpsec_sa_mode mode, uint8_t outer,
	  uint8_t inner, bool esn, bool natt, bool pad, unsigned int bo,
	  unsigned int bi)
{
	const char *m = mode == DPSEC_SA_TUNNEL ? "tunnel" : "transport";

	c->idx = idx;
	c->alg = alg;
	c->mode = mode;
	c->outer = outer;
	c->inner = inner;
	c->esn = esn;
	c->natt = natt;
	c->pad = pad;
	c->be_out = (enum dpsec_backend)bo;
	c->be_in = (enum dpsec_backend)bi;
	if (pad)
		snprintf(c->name, sizeof(c->name), "pad/%s/%s/out%u/in%u/%s",
			 alg->name, m, outer, inner, natt ? "natt" : "esp");
	else
		snprintf(c->name, sizeof(c->name),
			 "%s/%s/out%u/in%u/%s/%s/%s->%s", alg->name, m, outer,
			 inner, esn ? "esn" : "sn32", natt ? "natt" : "esp",
			 backend_name[bo], backend_name[bi]);
	t->name = c->name;
	t->test_func = test_roundtrip;
	t->teardown_func = case_teardown;
	t->initial_state = c;
}

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0" };
	/* (mode, outer, inner): transport has inner == outer. */
	static const struct {
		enum dpsec_sa_mode mode;
		uint8_t outer, inner;
	} shapes[] = {
		{ DPSEC_SA_TUNNEL, 4, 4 }, { DPSEC_SA_TUNNEL, 4, 6 },
		{ DPSEC_SA_TUNNEL, 6, 4 }, { DPSEC_SA_TUNNEL, 6, 6 },
		{ DPSEC_SA_TRANSPORT, 4, 4 }, { DPSEC_SA_TRANSPORT, 6, 6 },
	};
	unsigned int nb = espt_nb_algs * RTE_DIM(shapes) * 2 * 2 *
			  NB_BACKEND * NB_BACKEND +
			  espt_nb_algs * RTE_DIM(shapes) * 2;
	struct rt_case *cases = calloc(nb, sizeof(*cases));
	struct CMUnitTest *tests = calloc(nb, sizeof(*tests));
	unsigned int k = 0;
	int ret;

	if (cases == NULL || tests == NULL)
		return 1;
	if (test_eal_init("lib-esp-roundtrip", eal_args,
			  (int)RTE_DIM(eal_args)) < 0)
		return 1;
	for (unsigned int a = 0; a < espt_nb_algs; a++)
	for (unsigned int s = 0; s < RTE_DIM(shapes); s++)
	for (unsigned int esn = 0; esn < 2; esn++)
	for (unsigned int natt = 0; natt < 2; natt++)
	for (unsigned int bo = 0; bo < NB_BACKEND; bo++)
	for (unsigned int bi = 0; bi < NB_BACKEND; bi++) {
		case_fill(&cases[k], &tests[k], k, &espt_algs[a],
			  shapes[s].mode, shapes[s].outer, shapes[s].inner,
			  esn, natt, false, bo, bi);
		k++;
	}
	/* Small packets followed by link-layer bytes in the mbuf. */
	for (unsigned int a = 0; a < espt_nb_algs; a++)
	for (unsigned int s = 0; s < RTE_DIM(shapes); s++)
	for (unsigned int natt = 0; natt < 2; natt++) {
		case_fill(&cases[k], &tests[k], k, &espt_algs[a],
			  shapes[s].mode, shapes[s].outer, shapes[s].inner,
			  false, natt, true, DPSEC_BACKEND_IPSEC_MB,
			  DPSEC_BACKEND_IPSEC_MB);
		k++;
	}
	if (getenv("LIB_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("LIB_TEST_FILTER"));
	ret = _cmocka_run_group_tests("lib-esp-roundtrip", tests, k,
				      group_setup, group_teardown);
	free(tests);
	free(cases);
	rte_eal_cleanup();
	return ret;
}
