/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Negative ESP inbound/outbound: invariants (doc/security_model.md) 2 (replay check before
 * decryption is read-only, window moves only after the ICV verified),
 * 3 (forgeries dropped and counted, never delivered) and 6 (malformed input
 * of any kind gets a counted drop and a reason, never a crash or a read
 * past the buffer: inbound mbufs use exact-size external buffers, run this
 * under ASan).
 *
 * Every table row: a burst of NB genuine packets of which rows' mutation
 * spoils BAD_A and BAD_B; expect the good ones first in order, then the bad
 * ones in order with the row's reason, exact per-SA counters, and every
 * mbuf back in the pool once the test frees what it got back.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum {
	NB = 8,
	BAD_A = 2,
	BAD_B = 5,
	MAX_PKTS = 256,
};

static struct rte_mempool *pool;
static struct dpsec_ctx *ctxs[2];
static uint32_t next_spi = ESPT_SPI;

/*
 * Every mbuf a test allocates is tracked, so that what a failed assertion
 * leaves behind is freed by the teardown and cannot fail the next test.
 */
static struct rte_mbuf *trk_m[1024];
static unsigned int trk_nb;
static struct env *cur_env;

static struct rte_mbuf *
trk(struct rte_mbuf *m)
{
	assert_non_null(m);
	assert_true(trk_nb < RTE_DIM(trk_m));
	trk_m[trk_nb++] = m;
	return m;
}

/* Free every tracked mbuf (the test's packets, in whatever order the
 * library left them: the set is the same). */
static void
trk_free_all(void)
{
	test_free_bulk(trk_m, trk_nb);
	trk_nb = 0;
}

static struct rte_mbuf *
mb_exact(const uint8_t *buf, size_t len)
{
	return trk(espt_mbuf_exact(pool, buf, len));
}

/* An outbound/inbound SA pair and genuine traffic for it. */
struct env {
	const struct espt_alg *alg;
	struct espt_keys keys;
	struct espt_ref ref;
	struct dpsec_sa_conf oc, ic;
	struct dpsec_sa *osa, *isa;
	struct dpsec_ctx *ctx;
	uint8_t family;
	unsigned int nb;
	uint8_t orig[MAX_PKTS][ESPT_PKT_MAX];
	size_t orig_len[MAX_PKTS];
	uint8_t wire[MAX_PKTS][ESPT_PKT_MAX];
	size_t wire_len[MAX_PKTS];
	uint64_t seq_start;
};

static struct env *
env_new(const char *alg, enum dpsec_sa_mode mode, uint8_t family,
	uint32_t flags, unsigned int backend, unsigned int nb)
{
	struct env *e = calloc(1, sizeof(*e));
	struct rte_mbuf *pkts[MAX_PKTS];
	uint32_t spi = next_spi++;
	uint16_t n;

	assert_non_null(e);
	cur_env = e;
	assert_true(nb <= MAX_PKTS);
	e->alg = espt_alg_find(alg);
	assert_non_null(e->alg);
	e->ctx = ctxs[backend];
	e->family = family;
	e->nb = nb;
	espt_keys_fill(&e->keys, spi);
	e->ref.alg = e->alg;
	e->ref.keys = &e->keys;
	e->ref.esn = (flags & DPSEC_SA_F_ESN) != 0;
	espt_conf(&e->oc, e->alg, &e->keys, DPSEC_SA_OUTBOUND, mode, family,
		  spi, flags);
	espt_conf(&e->ic, e->alg, &e->keys, DPSEC_SA_INBOUND, mode, family,
		  spi, flags);
	e->osa = dpsec_sa_create(e->ctx, &e->oc);
	e->isa = dpsec_sa_create(e->ctx, &e->ic);
	if (e->osa == NULL || e->isa == NULL)
		fail_msg("SA create: %s", rte_strerror(rte_errno));

	/* 61 + 4k bytes: every packet needs at least one pad byte. */
	for (unsigned int i = 0; i < nb; i++) {
		e->orig_len[i] = espt_pkt_build(e->orig[i], family,
			i % 2 ? IPPROTO_TCP : IPPROTO_UDP,
			(uint16_t)(61 + 4 * (i % 64)), 1000 + i);
		pkts[i] = trk(espt_mbuf(pool, e->orig[i], e->orig_len[i]));
	}
	for (unsigned int off = 0; off < nb; off += n) {
		n = dpsec_sa_outbound(e->osa, pkts + off,
				      (uint16_t)RTE_MIN(nb - off, 32u));
		assert_int_equal(n, RTE_MIN(nb - off, 32u));
	}
	for (unsigned int i = 0; i < nb; i++)
		e->wire_len[i] = espt_mbuf_bytes(pkts[i], e->wire[i]);
	trk_free_all();
	return e;
}

static void
env_free(struct env *e)
{
	cur_env = NULL;
	trk_free_all();
	assert_int_equal(dpsec_sa_destroy(e->ctx, e->osa), 0);
	assert_int_equal(dpsec_sa_destroy(e->ctx, e->isa), 0);
	free(e);
	/* the library freed nothing and kept nothing */
	assert_true(test_pool_full(pool));
}

static int
case_teardown(void **state)
{
	(void)state;
	trk_free_all();
	if (cur_env != NULL) {
		if (cur_env->osa != NULL)
			dpsec_sa_destroy(cur_env->ctx, cur_env->osa);
		if (cur_env->isa != NULL)
			dpsec_sa_destroy(cur_env->ctx, cur_env->isa);
		free(cur_env);
		cur_env = NULL;
	}
	return 0;
}

static void
in_stats(const struct env *e, struct dpsec_sa_stats *st)
{
	assert_int_equal(dpsec_sa_stats_get(e->isa, st), 0);
}

/* Expect exactly @nb drops for @r and none for any other reason. */
static void
assert_drops(const struct dpsec_sa_stats *st, enum dpsec_reason r,
	     uint64_t nb)
{
	for (unsigned int i = 0; i < DPSEC_R_MAX; i++) {
		uint64_t want = i == (unsigned int)r ? nb : 0;

		if (st->drops[i] != want)
			fail_msg("drops[%s] = %" PRIu64 ", want %" PRIu64,
				 dpsec_reason_str((enum dpsec_reason)i),
				 st->drops[i], want);
	}
}

/* ---- mutations ---- */

typedef size_t (*mutate_fn)(struct env *e, unsigned int i, uint8_t *p,
			    size_t len);

static struct espt_wire
wire_of(const uint8_t *p, size_t len)
{
	struct espt_wire w;

	assert_int_equal(espt_wire_parse(p, len, &w), 0);
	return w;
}

static size_t
m_flip_ct(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);

	(void)i;
	p[w.esp_off + 8 + e->alg->iv_len + 5] ^= 0x01;
	return len;
}

static size_t
m_flip_icv(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)e;
	(void)i;
	p[len - 1] ^= 0x80;
	return len;
}

static size_t
m_flip_iv(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);

	(void)e;
	(void)i;
	p[w.esp_off + 8 + 3] ^= 0x10;
	return len;
}

static size_t
m_flip_sn(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);

	(void)e;
	(void)i;
	p[w.esp_off + 6] ^= 0x04;	/* SN + 1024: new, in no window */
	return len;
}

static size_t
m_flip_spi(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);

	(void)e;
	(void)i;
	p[w.esp_off + 1] ^= 0x20;
	return len;
}

static size_t
m_not_esp(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)len;
	return espt_pkt_build(p, e->family, IPPROTO_UDP, 100, 1000 + i);
}

static size_t
m_other_proto(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)len;
	return espt_pkt_build(p, e->family, 253, 100, 1000 + i);
}

/* ESP -> ESP in UDP 4500 (for an SA without NAT-T). */
static size_t
m_add_udp(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(p + w.l3);

	(void)e;
	(void)i;
	memmove(p + w.l3 + 8, p + w.l3, len - w.l3);
	u->src_port = rte_cpu_to_be_16(4500);
	u->dst_port = rte_cpu_to_be_16(4500);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(len + 8 - w.l3));
	u->dgram_cksum = 0;
	p[w.family == 4 ? 9 : 6] = IPPROTO_UDP;
	espt_ip_set_len(p, len + 8);
	return len + 8;
}

/* ESP in UDP -> plain ESP (for a NAT-T SA). */
static size_t
m_strip_udp(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);

	(void)e;
	(void)i;
	memmove(p + w.l3, p + w.l3 + 8, len - w.l3 - 8);
	p[w.family == 4 ? 9 : 6] = IPPROTO_ESP;
	espt_ip_set_len(p, len - 8);
	return len - 8;
}

/* RFC 3948 §2.2 non-ESP marker: four zero bytes where the SPI goes. */
static size_t
m_non_esp_marker(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);

	(void)e;
	(void)i;
	memset(p + w.esp_off, 0, 4);
	return len;
}

static size_t
m_udp_len(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(p + w.l3);

	(void)e;
	(void)i;
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(len - w.l3 - 4));
	return len;
}

static size_t
m_ihl_short(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)e;
	(void)i;
	p[0] = 0x44;
	return len;
}

static size_t
m_ip_version(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)e;
	(void)i;
	p[0] = (uint8_t)(0x70 | (p[0] & 0xf));
	return len;
}

static size_t
m_ip_len_long(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)e;
	(void)i;
	espt_ip_set_len(p, len + 1);
	return len;
}

static size_t
m_ip_len_short(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)e;
	(void)i;
	/* IPv4 total length below the header length */
	p[2] = 0;
	p[3] = 12;
	return len;
}

static size_t
m_ip_len_huge(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	(void)e;
	(void)i;
	p[e->family == 4 ? 2 : 4] = 0xff;
	p[e->family == 4 ? 3 : 5] = 0xff;
	return len;
}

static size_t
m_ip_frag(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	(void)e;
	(void)i;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	espt_ip_set_len(p, len);
	return len;
}

/* ESP payload no longer a multiple of the block: drop 4 ICV bytes. */
static size_t
m_short_block(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	struct espt_wire w = wire_of(p, len);

	(void)e;
	(void)i;
	espt_ip_set_len(p, len - 4);
	if (w.udp) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(p + w.l3);

		u->dgram_len = rte_cpu_to_be_16((uint16_t)(len - 4 - w.l3));
	}
	return len - 4;
}

/* Plaintext edits, re-encrypted and re-authenticated by the reference. */
static void
e_pad_byte(uint8_t *pt, size_t *len, void *arg)
{
	(void)arg;
	assert_true(pt[*len - 2] >= 1);
	pt[*len - 3] ^= 0x5a;
}

static void
e_pad_len_big(uint8_t *pt, size_t *len, void *arg)
{
	(void)arg;
	pt[*len - 2] = 0xff;
}

static void
e_next_hdr(uint8_t *pt, size_t *len, void *arg)
{
	pt[*len - 1] = (uint8_t)(uintptr_t)arg;
}

static void
e_inner_len(uint8_t *pt, size_t *len, void *arg)
{
	(void)len;
	(void)arg;
	pt[3] ^= 0x08;		/* inner IPv4 total length */
}

static size_t
reseal(struct env *e, unsigned int i, uint8_t *p, size_t len,
       espt_pt_edit ed, void *arg)
{
	size_t n = espt_reseal(&e->ref, p, len, e->seq_start + i + 1, ed,
			       arg);

	assert_true(n > 0);
	return n;
}

static size_t
m_bad_pad(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	return reseal(e, i, p, len, e_pad_byte, NULL);
}

static size_t
m_bad_pad_len(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	return reseal(e, i, p, len, e_pad_len_big, NULL);
}

static size_t
m_nh_udp(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	return reseal(e, i, p, len, e_next_hdr, (void *)(uintptr_t)17);
}

static size_t
m_nh_none(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	return reseal(e, i, p, len, e_next_hdr, (void *)(uintptr_t)59);
}

static size_t
m_nh_swap_family(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	return reseal(e, i, p, len, e_next_hdr, (void *)(uintptr_t)
		      (e->family == 4 ? IPPROTO_IPV6 : IPPROTO_IPIP));
}

static size_t
m_inner_len(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	return reseal(e, i, p, len, e_inner_len, NULL);
}

/*
 * The inner packet becomes a lone 20-byte IPv4 header whose IHL says 15
 * (60 bytes), ECN-capable (ECT(0)), total length 20: authenticated,
 * shorter than its own header.
 */
static void
e_inner_ihl_long(uint8_t *pt, size_t *len, void *arg)
{
	const struct espt_alg *a = arg;
	size_t n = 20;
	uint8_t pad;

	memset(pt, 0, n);
	pt[0] = 0x4f;			/* version 4, IHL 15 */
	pt[1] = 0x02;			/* ECT(0) */
	pt[3] = 20;			/* total length */
	pt[8] = 64;
	pt[9] = IPPROTO_UDP;
	pad = (uint8_t)((a->align - (n + 2) % a->align) % a->align);
	for (unsigned int i = 0; i < pad; i++)
		pt[n++] = (uint8_t)(i + 1);
	pt[n++] = pad;
	pt[n++] = IPPROTO_IPIP;
	*len = n;
}

/* ... and the outer header (not authenticated in tunnel mode) says CE
 * with a DSCP, so that decapsulation rewrites the inner TOS (RFC 6040
 * §4.2, and DSCP copy when the SA has it). */
static size_t
m_inner_ihl_long(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	size_t n = reseal(e, i, p, len, e_inner_ihl_long,
			  (void *)(uintptr_t)e->alg);

	if ((p[0] >> 4) == 4) {
		p[1] = 0xbb;		/* DSCP 46, CE */
		espt_ip_set_len(p, n);	/* and the header checksum */
	} else {
		p[0] = 0x6b;		/* traffic class 0xbb */
		p[1] = (uint8_t)(0xb0 | (p[1] & 0x0f));
	}
	return n;
}

static void
e_nop(uint8_t *pt, size_t *len, void *arg)
{
	(void)pt;
	(void)len;
	(void)arg;
}

/* Genuine (rows checking the harness's own forging). */
static size_t
m_reseal_same(struct env *e, unsigned int i, uint8_t *p, size_t len)
{
	return reseal(e, i, p, len, e_nop, NULL);
}

struct neg_row {
	const char *name;
	const char *alg;
	enum dpsec_sa_mode mode;
	uint8_t family;
	uint32_t flags;
	unsigned int backend;
	mutate_fn mutate;
	enum dpsec_reason want;
	bool counted;		/* the SA is known: its counter moves */
};

#define T DPSEC_SA_TUNNEL
#define TR DPSEC_SA_TRANSPORT
#define ESN DPSEC_SA_F_ESN
#define NATT DPSEC_SA_F_NATT
#define R(x) DPSEC_R_ ## x

static const struct neg_row rows[] = {
	/* the reference forges genuine packets (sanity of the harness) */
	{ "reseal-genuine-null", "null-sha1", T, 4, 0, 0, m_reseal_same, R(NONE), false },
	{ "reseal-genuine-cbc-esn", "cbc128-sha1", T, 6, ESN, 0, m_reseal_same, R(NONE), false },
	{ "reseal-genuine-gcm", "gcm128", TR, 4, NATT, 1, m_reseal_same, R(NONE), false },
	/* invariant 3 (doc/security_model.md): forgeries */
	{ "flip-ct-gcm", "gcm128", T, 4, 0, 0, m_flip_ct, R(AUTH), true },
	{ "flip-ct-gcm-ossl", "gcm256", T, 6, ESN, 1, m_flip_ct, R(AUTH), true },
	{ "flip-ct-chacha", "chacha20poly1305", TR, 6, 0, 0, m_flip_ct, R(AUTH), true },
	{ "flip-ct-cbc", "cbc128-sha1", T, 4, 0, 0, m_flip_ct, R(AUTH), true },
	{ "flip-ct-cbc-esn", "cbc256-sha256", TR, 4, ESN, 1, m_flip_ct, R(AUTH), true },
	{ "flip-ct-null", "null-sha256", T, 6, NATT, 0, m_flip_ct, R(AUTH), true },
	{ "flip-icv-gcm", "gcm128", T, 6, 0, 0, m_flip_icv, R(AUTH), true },
	{ "flip-icv-sha1", "cbc128-sha1", TR, 6, NATT, 1, m_flip_icv, R(AUTH), true },
	{ "flip-icv-null-esn", "null-sha1", T, 4, ESN, 0, m_flip_icv, R(AUTH), true },
	{ "flip-iv-gcm", "gcm128", T, 4, 0, 0, m_flip_iv, R(AUTH), true },
	{ "flip-iv-cbc", "cbc256-sha256", T, 4, 0, 0, m_flip_iv, R(AUTH), true },
	{ "flip-sn-gcm", "gcm128", T, 4, 0, 0, m_flip_sn, R(AUTH), true },
	{ "flip-sn-cbc", "cbc128-sha1", T, 6, 0, 1, m_flip_sn, R(AUTH), true },
	{ "flip-sn-chacha-esn", "chacha20poly1305", T, 4, ESN, 0, m_flip_sn, R(AUTH), true },
	{ "flip-sn-null", "null-sha1", TR, 4, NATT, 0, m_flip_sn, R(AUTH), true },
	{ "flip-spi", "gcm128", T, 4, 0, 0, m_flip_spi, R(NO_SA), false },
	{ "flip-spi-natt", "cbc128-sha1", TR, 6, NATT, 0, m_flip_spi, R(NO_SA), false },
	/* not ours */
	{ "not-esp-udp", "gcm128", T, 4, 0, 0, m_not_esp, R(NOT_ESP), false },
	{ "not-esp-udp6", "gcm128", T, 6, 0, 0, m_not_esp, R(NOT_ESP), false },
	{ "not-esp-proto253", "gcm128", TR, 4, 0, 0, m_other_proto, R(NOT_ESP), false },
	{ "natt-marker", "gcm128", T, 4, NATT, 0, m_non_esp_marker, R(NOT_ESP), false },
	{ "natt-marker6", "null-sha1", TR, 6, NATT, 0, m_non_esp_marker, R(NOT_ESP), false },
	/* UDP encapsulation mismatches (RFC 3948) */
	{ "udp-for-plain-sa", "gcm128", T, 4, 0, 0, m_add_udp, R(BAD_UDP), true },
	{ "udp-for-plain-sa6", "cbc128-sha1", TR, 6, 0, 0, m_add_udp, R(BAD_UDP), true },
	{ "plain-for-natt-sa", "gcm128", T, 6, NATT, 0, m_strip_udp, R(BAD_UDP), true },
	{ "plain-for-natt-sa4", "null-sha256", TR, 4, NATT, 0, m_strip_udp, R(BAD_UDP), true },
	{ "udp-length", "gcm128", T, 4, NATT, 0, m_udp_len, R(BAD_UDP), false },
	/* malformed outer IP */
	{ "ipv4-ihl-4", "gcm128", T, 4, 0, 0, m_ihl_short, R(BAD_IP), false },
	{ "ip-version-7", "gcm128", T, 6, 0, 0, m_ip_version, R(BAD_IP), false },
	{ "ipv4-len-long", "gcm128", T, 4, 0, 0, m_ip_len_long, R(BAD_IP), false },
	{ "ipv6-len-long", "gcm128", T, 6, 0, 0, m_ip_len_long, R(BAD_IP), false },
	{ "ipv4-len-below-ihl", "gcm128", T, 4, 0, 0, m_ip_len_short, R(BAD_IP), false },
	{ "ipv4-len-huge", "cbc128-sha1", TR, 4, 0, 0, m_ip_len_huge, R(BAD_IP), false },
	{ "ipv6-len-huge", "cbc128-sha1", TR, 6, NATT, 0, m_ip_len_huge, R(BAD_IP), false },
	{ "ipv4-fragment", "gcm128", T, 4, 0, 0, m_ip_frag, R(UNSUPPORTED), false },
	/* framing */
	{ "cbc-not-block", "cbc128-sha1", T, 4, 0, 0, m_short_block, R(BAD_LENGTH), true },
	{ "cbc-not-block-natt", "cbc256-sha256", TR, 6, NATT, 0, m_short_block, R(BAD_LENGTH), true },
	/* authenticated but malformed plaintext */
	{ "bad-pad-null", "null-sha1", T, 4, 0, 0, m_bad_pad, R(BAD_PAD), true },
	{ "bad-pad-null-esn", "null-sha256", TR, 6, ESN, 0, m_bad_pad, R(BAD_PAD), true },
	{ "bad-pad-cbc", "cbc128-sha1", T, 6, NATT, 1, m_bad_pad, R(BAD_PAD), true },
	{ "bad-pad-gcm", "gcm256", TR, 4, 0, 0, m_bad_pad, R(BAD_PAD), true },
	{ "bad-pad-chacha-esn", "chacha20poly1305", T, 4, ESN, 1, m_bad_pad, R(BAD_PAD), true },
	{ "pad-len-too-big", "null-sha1", T, 4, 0, 0, m_bad_pad_len, R(BAD_PAD), true },
	{ "pad-len-too-big-gcm", "gcm128", TR, 6, 0, 0, m_bad_pad_len, R(BAD_PAD), true },
	{ "tunnel-nh-udp", "null-sha1", T, 4, 0, 0, m_nh_udp, R(BAD_NEXT_HDR), true },
	{ "tunnel-nh-udp6", "null-sha256", T, 6, ESN, 1, m_nh_udp, R(BAD_NEXT_HDR), true },
	{ "tunnel-nh-udp-gcm", "gcm128", T, 4, NATT, 0, m_nh_udp, R(BAD_NEXT_HDR), true },
	{ "tunnel-nh-dummy", "cbc128-sha1", T, 6, 0, 0, m_nh_none, R(BAD_NEXT_HDR), true },
	{ "transport-nh-dummy", "null-sha1", TR, 4, 0, 0, m_nh_none, R(BAD_NEXT_HDR), true },
	{ "tunnel-nh-wrong-family", "gcm128", T, 4, 0, 0, m_nh_swap_family, R(BAD_IP), true },
	{ "tunnel-inner-len", "null-sha1", T, 4, 0, 0, m_inner_len, R(BAD_IP), true },
	/* inner IPv4 IHL past the inner packet, TOS rewritten on the way in */
	{ "tunnel-inner-ihl-ce", "gcm128", T, 4, 0, 0, m_inner_ihl_long, R(BAD_IP), true },
	{ "tunnel-inner-ihl-dscp", "null-sha1", T, 4, DPSEC_SA_F_COPY_DSCP, 0, m_inner_ihl_long, R(BAD_IP), true },
	{ "tunnel-inner-ihl-ce-ossl", "cbc128-sha1", T, 4, 0, 1, m_inner_ihl_long, R(BAD_IP), true },
};

/*
 * Rows for every transform of espt_algs on both backends, the layouts
 * taken in turn: what the reference forges with the transform's ICV (its
 * length and place) is taken when genuine and dropped for the right
 * reason when not.
 */
static const struct {
	const char *what;
	mutate_fn mutate;
	enum dpsec_reason want;
	bool counted;
} alg_muts[] = {
	{ "reseal-genuine", m_reseal_same, R(NONE), false },
	{ "flip-ct", m_flip_ct, R(AUTH), true },
	{ "flip-icv", m_flip_icv, R(AUTH), true },
	{ "bad-pad", m_bad_pad, R(BAD_PAD), true },
};

static const struct {
	enum dpsec_sa_mode mode;
	uint8_t family;
	uint32_t flags;
} layouts[] = {
	{ T, 4, 0 }, { TR, 6, ESN }, { T, 6, NATT }, { TR, 4, NATT | ESN },
};

struct alg_row {
	char name[64];
	struct neg_row row;
};

static void
alg_row_fill(struct alg_row *g, unsigned int a, unsigned int backend,
	     unsigned int mut)
{
	unsigned int l = (a + 2 * backend + mut) % RTE_DIM(layouts);

	snprintf(g->name, sizeof(g->name), "%s/%s/%s", espt_algs[a].name,
		 alg_muts[mut].what, backend ? "ossl" : "mb");
	g->row = (struct neg_row){
		.name = g->name,
		.alg = espt_algs[a].name,
		.mode = layouts[l].mode,
		.family = layouts[l].family,
		.flags = layouts[l].flags,
		.backend = backend,
		.mutate = alg_muts[mut].mutate,
		.want = alg_muts[mut].want,
		.counted = alg_muts[mut].counted,
	};
}

static void
test_row(void **state)
{
	const struct neg_row *row = *state;
	struct env *e = env_new(row->alg, row->mode, row->family, row->flags,
				row->backend, NB);
	struct rte_mbuf *pkts[NB], *sent[NB];
	struct dpsec_sa *sa_out[NB];
	struct dpsec_sa_stats st;
	unsigned int nbad = row->want == DPSEC_R_NONE ? 0 : 2;
	unsigned int g = 0, b = 0;
	uint16_t n;

	for (unsigned int i = 0; i < NB; i++) {
		uint8_t buf[ESPT_PKT_MAX + 16];
		size_t len = e->wire_len[i];

		memcpy(buf, e->wire[i], len);
		if (i == BAD_A || i == BAD_B)
			len = row->mutate(e, i, buf, len);
		pkts[i] = sent[i] = mb_exact(buf, len);
		assert_non_null(pkts[i]);
	}
	n = dpsec_inbound(e->ctx, pkts, NB, sa_out);
	assert_int_equal(n, NB - nbad);
	/* good ones first, in order, decapsulated; then the bad ones */
	for (unsigned int i = 0; i < NB; i++) {
		bool bad = nbad && (i == BAD_A || i == BAD_B);

		if (!bad) {
			assert_ptr_equal(pkts[g], sent[i]);
			assert_ptr_equal(sa_out[g], e->isa);
			assert_true(espt_mbuf_equals(pkts[g], e->orig[i],
						     e->orig_len[i]));
			g++;
		} else {
			assert_ptr_equal(pkts[n + b], sent[i]);
			if (dpsec_mbuf_reason(pkts[n + b]) != row->want)
				fail_msg("reason %s, want %s",
					 dpsec_reason_str(dpsec_mbuf_reason(
						 pkts[n + b])),
					 dpsec_reason_str(row->want));
			b++;
		}
	}
	in_stats(e, &st);
	assert_int_equal(st.packets, NB - nbad);
	assert_drops(&st, row->want, row->counted ? nbad : 0);

	/* Invariant 2 (doc/security_model.md): no failed packet moved the window. */
	if (nbad && row->want != DPSEC_R_BAD_PAD &&
	    row->want != DPSEC_R_BAD_NEXT_HDR && row->want != DPSEC_R_BAD_IP) {
		struct dpsec_sa_info info;

		assert_int_equal(dpsec_sa_info(e->isa, &info), 0);
		assert_int_equal(info.seq, NB);
	}
	env_free(e);
}

/* ---- multi-step cases ---- */

static struct rte_mbuf *
wire_mbuf(const struct env *e, unsigned int i)
{
	struct rte_mbuf *m = mb_exact(e->wire[i],
					     e->wire_len[i]);

	assert_non_null(m);
	return m;
}

/* Deliver wire packets @idx[0..nb) in one burst; return how many passed. */
static uint16_t
deliver(struct env *e, const unsigned int *idx, unsigned int nb,
	enum dpsec_reason want_bad, uint32_t *good_tags)
{
	struct rte_mbuf *pkts[MAX_PKTS];
	uint16_t n;

	for (unsigned int i = 0; i < nb; i++)
		pkts[i] = wire_mbuf(e, idx[i]);
	n = dpsec_inbound(e->ctx, pkts, (uint16_t)nb, NULL);
	for (unsigned int i = 0; i < n; i++)
		if (good_tags != NULL)
			good_tags[i] = espt_mbuf_tag(pkts[i]);
	for (unsigned int i = n; i < nb; i++)
		assert_int_equal(dpsec_mbuf_reason(pkts[i]), want_bad);
	trk_free_all();
	return n;
}

static void
test_replayed_packet(void **state)
{
	struct env *e = env_new("gcm128", T, 4, 0, 0, NB);
	static const unsigned int all[NB] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const unsigned int again[] = { 2, 7, 0 };
	struct dpsec_sa_stats st;

	(void)state;
	assert_int_equal(deliver(e, all, NB, R(NONE), NULL), NB);
	assert_int_equal(deliver(e, again, 3, R(REPLAY), NULL), 0);
	in_stats(e, &st);
	assert_int_equal(st.packets, NB);
	assert_drops(&st, R(REPLAY), 3);
	env_free(e);
}

static void
test_duplicate_in_burst(void **state)
{
	struct env *e = env_new("cbc128-sha1", TR, 6, ESN, 1, NB);
	static const unsigned int idx[] = { 0, 1, 2, 2, 3, 1, 4, 4, 4 };
	static const uint32_t want[] = { 1000, 1001, 1002, 1003, 1004 };
	uint32_t tags[16];
	struct dpsec_sa_stats st;

	(void)state;
	assert_int_equal(deliver(e, idx, RTE_DIM(idx), R(REPLAY), tags), 5);
	assert_memory_equal(tags, want, sizeof(want));
	in_stats(e, &st);
	assert_int_equal(st.packets, 5);
	assert_drops(&st, R(REPLAY), 4);
	env_free(e);
}

/* RFC 4303 §3.4.3: window [T - W + 1, T]; W = 64. */
static void
test_left_of_window(void **state)
{
	struct env *e = env_new("gcm128", T, 6, 0, 0, 200);
	/* SN = index + 1 */
	static const unsigned int first[] = { 0, 149 };	/* T = 150 */
	static const unsigned int old[] = { 1, 84, 85 };	/* 2, 85, 86 */
	static const unsigned int edge[] = { 86, 148, 150 };	/* 87, 149, 151 */
	struct dpsec_sa_stats st;
	struct dpsec_sa_info info;

	(void)state;
	assert_int_equal(deliver(e, first, 2, R(NONE), NULL), 2);
	assert_int_equal(deliver(e, old, 3, R(REPLAY), NULL), 0);
	assert_int_equal(deliver(e, edge, 3, R(NONE), NULL), 3);
	in_stats(e, &st);
	assert_int_equal(st.packets, 5);
	assert_drops(&st, R(REPLAY), 3);
	assert_int_equal(dpsec_sa_info(e->isa, &info), 0);
	assert_int_equal(info.seq, 151);
	env_free(e);
}

/*
 * Invariant 2 (doc/security_model.md): a forged packet far ahead (bad ICV) does not move the
 * window, whether alone or ahead of genuine packets in its burst.
 */
static void
window_after_auth(const char *alg, uint32_t flags)
{
	struct env *e = env_new(alg, T, 4, flags, 0, NB);
	struct rte_mbuf *pkts[NB + 1];
	struct dpsec_sa_info info;
	struct dpsec_sa_stats st;
	uint8_t buf[ESPT_PKT_MAX];
	struct espt_wire w;
	uint16_t n;

	memcpy(buf, e->wire[3], e->wire_len[3]);
	assert_int_equal(espt_wire_parse(buf, e->wire_len[3], &w), 0);
	/* SN 0x7fff0004: far right of the window (ESN: same block) */
	buf[w.esp_off + 4] = 0x7f;
	buf[w.esp_off + 5] = 0xff;
	pkts[0] = mb_exact(buf, e->wire_len[3]);
	n = dpsec_inbound(e->ctx, pkts, 1, NULL);
	assert_int_equal(n, 0);
	assert_int_equal(dpsec_mbuf_reason(pkts[0]), R(AUTH));
	trk_free_all();
	assert_int_equal(dpsec_sa_info(e->isa, &info), 0);
	assert_int_equal(info.seq, 0);

	/* forged first in the burst, then all genuine ones */
	pkts[0] = mb_exact(buf, e->wire_len[3]);
	for (unsigned int i = 0; i < NB; i++)
		pkts[i + 1] = wire_mbuf(e, i);
	n = dpsec_inbound(e->ctx, pkts, NB + 1, NULL);
	assert_int_equal(n, NB);
	assert_int_equal(dpsec_mbuf_reason(pkts[NB]), R(AUTH));
	assert_int_equal(dpsec_sa_info(e->isa, &info), 0);
	assert_int_equal(info.seq, NB);
	in_stats(e, &st);
	assert_int_equal(st.packets, NB);
	assert_drops(&st, R(AUTH), 2);
	env_free(e);
}

static void
test_inv2_window_moves_after_auth(void **state)
{
	(void)state;
	window_after_auth("gcm128", 0);
	window_after_auth("cbc128-sha1", 0);
	window_after_auth("null-sha1", ESN);
	window_after_auth("chacha20poly1305", ESN);
}

/*
 * Truncation at every length, twice: the mbuf cut short with the headers
 * as they were, and with the IP/UDP lengths rewritten to match. The data
 * ends where the malloc'ed buffer ends: ASan sees any over-read. The same
 * SN is offered each time; none may be accepted, and afterwards the full
 * packet still is (the window never moved).
 */
static void
truncations(const char *alg, enum dpsec_sa_mode mode, uint8_t fam,
	    uint32_t flags)
{
	struct env *e = env_new(alg, mode, fam, flags, 0, 4);
	const unsigned int k = 3;
	size_t full = e->wire_len[k];
	struct dpsec_sa_stats st;
	uint64_t counted = 0;
	uint8_t buf[ESPT_PKT_MAX];
	struct rte_mbuf *m;
	struct espt_wire w;

	assert_int_equal(espt_wire_parse(e->wire[k], full, &w), 0);
	for (size_t len = 0; len < full; len++) {
		for (int fix = 0; fix < 2; fix++) {
			enum dpsec_reason r;

			memcpy(buf, e->wire[k], len);
			if (fix) {
				if (len < w.l3)
					continue;
				espt_ip_set_len(buf, len);
				if (w.udp && len >= w.l3 + 8) {
					struct rte_udp_hdr *u = (void *)
						(buf + w.l3);

					u->dgram_len = rte_cpu_to_be_16(
						(uint16_t)(len - w.l3));
				}
			}
			m = mb_exact(buf, len);
			assert_non_null(m);
			if (dpsec_inbound(e->ctx, &m, 1, NULL) != 0)
				fail_msg("%s: accepted at %zu of %zu bytes "
					 "(fix %d)", alg, len, full, fix);
			r = dpsec_mbuf_reason(m);
			if (!fix) {
				if (r != R(TRUNCATED) && r != R(BAD_IP))
					fail_msg("%s: %zu of %zu bytes: %s",
						 alg, len, full,
						 dpsec_reason_str(r));
			} else if (r != R(TRUNCATED) && r != R(BAD_IP) &&
				   r != R(BAD_UDP) && r != R(BAD_LENGTH) &&
				   r != R(AUTH)) {
				fail_msg("%s: %zu of %zu bytes, lengths fixed: "
					 "%s", alg, len, full,
					 dpsec_reason_str(r));
			}
			/* with the ESP header there, the SA is known */
			if (fix && len >= w.esp_off + 8 &&
			    !(w.udp && len < w.l3 + 12))
				counted++;
			trk_free_all();
		}
	}
	in_stats(e, &st);
	assert_int_equal(st.packets, 0);
	{
		uint64_t sum = 0;

		for (unsigned int i = 0; i < DPSEC_R_MAX; i++)
			sum += st.drops[i];
		assert_int_equal(sum, counted);
	}
	m = wire_mbuf(e, k);
	assert_int_equal(dpsec_inbound(e->ctx, &m, 1, NULL), 1);
	env_free(e);
}

/* Every transform, the layouts taken in turn. */
static void
test_inv6_truncated(void **state)
{
	(void)state;
	for (unsigned int a = 0; a < espt_nb_algs; a++) {
		unsigned int l = a % RTE_DIM(layouts);

		truncations(espt_algs[a].name, layouts[l].mode,
			    layouts[l].family, layouts[l].flags);
	}
}

/* Good and bad interleaved across several 64-packet chunks. */
static void
test_inbound_ordering(void **state)
{
	enum { N = 150 };
	static const mutate_fn muts[] = {
		m_flip_icv, m_flip_spi, m_other_proto, m_ihl_short, m_bad_pad,
		m_flip_ct,
	};
	static const enum dpsec_reason why[] = {
		R(AUTH), R(NO_SA), R(NOT_ESP), R(BAD_IP), R(BAD_PAD), R(AUTH),
	};
	struct env *e = env_new("null-sha256", T, 4, 0, 0, N);
	struct rte_mbuf *pkts[N], *sent[N];
	struct dpsec_sa *sa_out[N];
	bool bad[N] = { false };
	enum dpsec_reason want[N];
	unsigned int nbad = 0, g = 0, b = 0;
	uint16_t n;

	(void)state;
	for (unsigned int i = 0; i < N; i++) {
		uint8_t buf[ESPT_PKT_MAX];
		size_t len = e->wire_len[i];

		memcpy(buf, e->wire[i], len);
		if (i % 7 == 3 || i == 0 || i == N - 1 ||
		    (i >= 64 && i < 70)) {
			unsigned int k = (i / 7) % RTE_DIM(muts);

			len = muts[k](e, i, buf, len);
			bad[i] = true;
			want[i] = why[k];
			nbad++;
		}
		pkts[i] = sent[i] = mb_exact(buf, len);
		assert_non_null(pkts[i]);
	}
	n = dpsec_inbound(e->ctx, pkts, N, sa_out);
	assert_int_equal(n, N - nbad);
	for (unsigned int i = 0; i < N; i++) {
		if (!bad[i]) {
			assert_ptr_equal(pkts[g], sent[i]);
			assert_ptr_equal(sa_out[g], e->isa);
			assert_true(espt_mbuf_equals(pkts[g], e->orig[i],
						     e->orig_len[i]));
			g++;
		} else {
			assert_ptr_equal(pkts[n + b], sent[i]);
			assert_int_equal(dpsec_mbuf_reason(pkts[n + b]),
					 want[i]);
			b++;
		}
	}
	env_free(e);
}

/* Outbound: packets it cannot protect go behind, in order, with reason. */
static void
test_inv1_outbound_ordering(void **state)
{
	enum { N = 100 };
	struct env *e = env_new("gcm128", TR, 4, 0, 0, 1);
	struct rte_mbuf *pkts[N], *sent[N];
	enum dpsec_reason want[N];
	struct dpsec_sa_stats st;
	uint64_t nb_reason[DPSEC_R_MAX] = { 0 };
	unsigned int nbad = 0, g = 0, b = 0;
	uint8_t buf[ESPT_PKT_MAX];
	uint16_t n;

	(void)state;
	for (unsigned int i = 0; i < N; i++) {
		size_t len = espt_pkt_build(buf, 4, IPPROTO_UDP,
					    (uint16_t)(40 + i), 3000 + i);

		want[i] = R(NONE);
		if (i % 9 == 4) {
			buf[0] = 0x00;		/* not IP */
			want[i] = R(BAD_IP);
		} else if (i % 9 == 7) {
			/* transport SA of IPv4, IPv6 packet: selector */
			len = espt_pkt_build(buf, 6, IPPROTO_UDP, 80,
					     3000 + i);
			want[i] = R(POLICY);
		}
		if (i % 9 == 8) {
			/* no headroom for the ESP header */
			pkts[i] = trk(rte_pktmbuf_alloc(pool));
			pkts[i]->data_off = 0;
			memcpy(rte_pktmbuf_append(pkts[i], (uint16_t)len), buf,
			       len);
			want[i] = R(NOMEM);
		} else {
			pkts[i] = trk(espt_mbuf(pool, buf, len));
		}
		sent[i] = pkts[i];
		assert_non_null(pkts[i]);
		if (want[i] != R(NONE)) {
			nbad++;
			nb_reason[want[i]]++;
		}
	}
	n = dpsec_sa_outbound(e->osa, pkts, N);
	assert_int_equal(n, N - nbad);
	for (unsigned int i = 0; i < N; i++) {
		if (want[i] == R(NONE)) {
			assert_ptr_equal(pkts[g++], sent[i]);
		} else {
			assert_ptr_equal(pkts[n + b], sent[i]);
			if (dpsec_mbuf_reason(pkts[n + b]) != want[i])
				fail_msg("packet %u: %s, want %s", i,
					 dpsec_reason_str(dpsec_mbuf_reason(
						 pkts[n + b])),
					 dpsec_reason_str(want[i]));
			b++;
		}
	}
	assert_int_equal(dpsec_sa_stats_get(e->osa, &st), 0);
	assert_int_equal(st.packets, 1 + N - nbad);
	for (unsigned int r = 1; r < DPSEC_R_MAX; r++)
		assert_int_equal(st.drops[r], nb_reason[r]);
	/* the good ones carry increasing SNs after 1 (used in env_new);
	 * numbers reserved for the bad ones may be skipped, never reused */
	for (unsigned int i = 0, last = 1; i < n; i++) {
		struct espt_wire w;
		uint8_t wire[ESPT_PKT_MAX];
		size_t len = espt_mbuf_bytes(pkts[i], wire);

		assert_int_equal(espt_wire_parse(wire, len, &w), 0);
		assert_true(w.sn > last);
		last = w.sn;
	}
	env_free(e);
}

/*
 * Outbound: a datagram whose header claims more bytes than the mbuf holds
 * (IPv4 total length, IPv6 payload length), or an IPv4 header longer than
 * its total length, is a counted BAD_IP drop, left as it was, in tunnel
 * and transport mode; bytes after the datagram are not protected (the
 * peer gets the datagram alone).
 */
static void
test_outbound_short_mbuf(void **state)
{
	static const struct { enum dpsec_sa_mode mode; uint8_t fam; } lay[] = {
		{ T, 4 }, { T, 6 }, { TR, 4 }, { TR, 6 },
	};
	enum { NP = 4 };

	(void)state;
	for (unsigned int l = 0; l < RTE_DIM(lay); l++) {
		struct env *e = env_new("gcm128", lay[l].mode, lay[l].fam, 0, 0,
					1);
		uint8_t buf[NP][ESPT_PKT_MAX], pristine[NP][ESPT_PKT_MAX];
		size_t len[NP], dlen[NP];
		struct rte_mbuf *pkts[NP], *sent[NP];
		struct dpsec_sa_stats st;
		uint16_t n;

		/* Zeroed: the IHL-15 packet's header runs past the bytes
		 * built (its checksum reads them; valgrind). */
		memset(buf, 0, sizeof(buf));
		for (unsigned int i = 0; i < NP; i++) {
			len[i] = dlen[i] = espt_pkt_build(buf[i], lay[l].fam,
					IPPROTO_UDP, 40 + 8 * i, 4000 + i);
			switch (i) {
			case 0:	/* claims a byte more than there is */
				espt_ip_set_len(buf[i], len[i] + 1);
				break;
			case 1:	/* 10 bytes of Ethernet padding after it */
				memset(buf[i] + len[i], 0, 10);
				len[i] += 10;
				break;
			case 2:	/* IPv4: IHL 15 in 48 bytes, total 20 */
				if (lay[l].fam == 4) {
					buf[i][0] = 0x4f;
					espt_ip_set_len(buf[i], 20);
				} else {	/* 6: claims 100 more */
					espt_ip_set_len(buf[i], len[i] + 100);
				}
				break;
			default:
				break;
			}
			memcpy(pristine[i], buf[i], len[i]);
			pkts[i] = sent[i] = trk(espt_mbuf(pool, buf[i], len[i]));
		}
		n = dpsec_sa_outbound(e->osa, pkts, NP);
		assert_int_equal(n, 2);
		assert_ptr_equal(pkts[0], sent[1]);
		assert_ptr_equal(pkts[1], sent[3]);
		for (unsigned int b = 0; b < 2; b++) {
			unsigned int i = b ? 2 : 0;

			assert_ptr_equal(pkts[2 + b], sent[i]);
			if (dpsec_mbuf_reason(pkts[2 + b]) != R(BAD_IP))
				fail_msg("layout %u packet %u: %s, want "
					 "BAD_IP", l, i, dpsec_reason_str(
					 dpsec_mbuf_reason(pkts[2 + b])));
			/* dropped as it came */
			assert_true(espt_mbuf_equals(pkts[2 + b], pristine[i],
						     len[i]));
		}
		assert_int_equal(dpsec_sa_stats_get(e->osa, &st), 0);
		assert_int_equal(st.drops[R(BAD_IP)], 2);
		/* the padded one reaches the peer as the datagram alone */
		n = dpsec_inbound(e->ctx, pkts, 2, NULL);
		if (n != 2)
			fail_msg("layout %u: inbound %u of 2: %s", l, n,
				 dpsec_reason_str(dpsec_mbuf_reason(pkts[n])));
		assert_true(espt_mbuf_equals(pkts[0], buf[1], dlen[1]));
		assert_true(espt_mbuf_equals(pkts[1], buf[3], dlen[3]));
		env_free(e);
	}
}

static int
group_setup(void **state)
{
	(void)state;
	pool = test_pool_create("neg_pool", 2047, 2048);
	if (pool == NULL)
		return -1;
	ctxs[0] = espt_ctx("neg_mb", DPSEC_BACKEND_IPSEC_MB, 1024);
	ctxs[1] = espt_ctx("neg_ossl", DPSEC_BACKEND_OPENSSL, 1024);
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

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0" };
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_teardown(test_replayed_packet, case_teardown),
		cmocka_unit_test_teardown(test_duplicate_in_burst, case_teardown),
		cmocka_unit_test_teardown(test_left_of_window, case_teardown),
		cmocka_unit_test_teardown(test_inv2_window_moves_after_auth, case_teardown),
		cmocka_unit_test_teardown(test_inv6_truncated, case_teardown),
		cmocka_unit_test_teardown(test_inbound_ordering, case_teardown),
		cmocka_unit_test_teardown(test_inv1_outbound_ordering, case_teardown),
		cmocka_unit_test_teardown(test_outbound_short_mbuf, case_teardown),
	};
	unsigned int nb_gen = espt_nb_algs * 2 * RTE_DIM(alg_muts);
	struct alg_row *gen = calloc(nb_gen, sizeof(*gen));
	struct CMUnitTest *tests = calloc(RTE_DIM(rows) + nb_gen +
					  RTE_DIM(fixed), sizeof(*tests));
	unsigned int k = 0, j = 0;
	int ret;

	if (gen == NULL || tests == NULL)
		return 1;
	if (test_eal_init("lib-esp-negative", eal_args,
			  (int)RTE_DIM(eal_args)) < 0)
		return 1;
	for (unsigned int a = 0; a < espt_nb_algs; a++)
		for (unsigned int be = 0; be < 2; be++)
			for (unsigned int mu = 0; mu < RTE_DIM(alg_muts); mu++)
				alg_row_fill(&gen[j++], a, be, mu);
	for (unsigned int i = 0; i < RTE_DIM(rows) + nb_gen; i++) {
		const struct neg_row *row = i < RTE_DIM(rows) ? &rows[i] :
					    &gen[i - RTE_DIM(rows)].row;

		tests[k].name = row->name;
		tests[k].test_func = test_row;
		tests[k].setup_func = NULL;
		tests[k].teardown_func = case_teardown;
		tests[k].initial_state = (void *)(uintptr_t)row;
		k++;
	}
	for (unsigned int i = 0; i < RTE_DIM(fixed); i++)
		tests[k++] = fixed[i];
	if (getenv("LIB_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("LIB_TEST_FILTER"));
	ret = _cmocka_run_group_tests("lib-esp-negative", tests, k,
				      group_setup, group_teardown);
	free(tests);
	free(gen);
	rte_eal_cleanup();
	return ret;
}
