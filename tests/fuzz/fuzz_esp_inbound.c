/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-esp-inbound: libdpsec's software ESP inbound path (dpsec_inbound():
 * outer IPv4/IPv6 and NAT-T UDP parsing, SAD lookup, replay check, ICV and
 * decryption, padding and next-header checks, tunnel and transport
 * decapsulation; RFC 4303, RFC 3948) on hostile packets.
 *
 * Input: byte 0 picks the SA shape (algorithm x tunnel/transport x
 * IPv4/IPv6 x NAT-T x ESN, NB_SHAPES of them), byte 1 the mbuf layout and
 * options (the LAYOUT_* bits: backend, replay, window top near 2^32),
 * the rest is the packet (IP header on, as dpsec_inbound() takes it).
 * Each input gets a fresh inbound SA (replay window 64, SPI ESPT_SPI) in
 * a context of the chosen backend, destroyed afterwards: nothing an input
 * does is seen by the next one.
 *
 * Invariants checked (besides ASan/UBSan/LSan): at most nb packets
 * delivered, every mbuf (delivered or refused) is a sane chain
 * (rte_mbuf_check), refused packets carry a reason, and the pool is full
 * again after every input.
 *
 * Seeds: with DPSEC_FUZZ_SEED_DIR set, LLVMFuzzerInitialize writes one
 * valid packet per shape, protected by dpsec_sa_outbound() with the
 * same keys, and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"
#include "fuzz_common.h"

enum {
	/* algorithm x mode x family x NAT-T x ESN */
	NB_SHAPES = 10 * 2 * 2 * 2 * 2,
	POOL_N = 511,
	DATA_ROOM = 4096,
	PKT_MAX = 3 * DATA_ROOM,	/* longest packet an input carries */
	BURST_MAX = 2,
};

/* Byte 1 of an input. */
enum {
	LAYOUT_SEG_MASK = 0x03,	/* 0: exact malloc'ed buffer (ASan sees a
				 * read past the packet), 1: one mbuf,
				 * 2, 3: a chain of 2..4 mbufs */
	LAYOUT_NSEG_SHIFT = 2,	/* 2 bits: chain of 2 + (v % 3) */
	LAYOUT_OPENSSL = 0x10,	/* OpenSSL backend, else IPsec-MB */
	LAYOUT_TWICE = 0x20,	/* the packet twice in one burst (replay) */
	LAYOUT_SEQ_HIGH = 0x40,	/* window top SEQ_HIGH (ESN: + 2^32): the
				 * 32-bit wrap and ESN inference, RFC 4303
				 * Appendix A2.1 */
};

enum { SEQ_HIGH = 0xfffffff0u };

struct shape {
	const struct espt_alg *alg;
	enum dpsec_sa_mode mode;
	uint8_t family;
	uint32_t flags;
};

static struct rte_mempool *pool;
static struct dpsec_ctx *ctxs[2];
static struct espt_keys keys;
static bool verbose;		/* DPSEC_FUZZ_VERBOSE: a line per packet */

static void
shape_get(unsigned int idx, struct shape *s)
{
	idx %= NB_SHAPES;
	s->alg = &espt_algs[idx % 10];
	idx /= 10;
	s->mode = idx & 1 ? DPSEC_SA_TRANSPORT : DPSEC_SA_TUNNEL;
	s->family = idx & 2 ? 6 : 4;
	s->flags = (idx & 4 ? DPSEC_SA_F_NATT : 0) |
		   (idx & 8 ? DPSEC_SA_F_ESN : 0);
}

static struct dpsec_sa *
sa_make(struct dpsec_ctx *ctx, const struct shape *s, enum dpsec_sa_dir dir,
	bool seq_high)
{
	struct dpsec_sa_conf c;

	espt_conf(&c, s->alg, &keys, dir, s->mode, s->family, ESPT_SPI,
		  s->flags);
	if (seq_high)
		c.seq_start = SEQ_HIGH + (s->flags & DPSEC_SA_F_ESN ?
					  UINT64_C(1) << 32 : 0);
	return dpsec_sa_create(ctx, &c);
}

static struct rte_mbuf *
mbuf_make(uint8_t layout, const uint8_t *p, size_t len)
{
	unsigned int nseg;

	switch (layout & LAYOUT_SEG_MASK) {
	case 0:
		return espt_mbuf_exact(pool, p, len);
	case 1:
		if (len > DATA_ROOM)
			len = DATA_ROOM;
		return test_mbuf_from_bytes(pool, p, len, 1);
	default:
		nseg = 2 + ((layout >> LAYOUT_NSEG_SHIFT) & 3) % 3;
		if (len < nseg)	/* too short to split: one mbuf */
			return test_mbuf_from_bytes(pool, p, len, 1);
		return test_mbuf_from_bytes(pool, p, len, nseg);
	}
}

static void
mbuf_sane(const struct rte_mbuf *m)
{
	const char *why = NULL;

	FUZZ_CHECK(rte_mbuf_check(m, 1, &why) == 0, "bad mbuf: %s", why);
}

/* At exit (libFuzzer's time limit, the end of a replay): free what the
 * harness holds, so that LeakSanitizer's exit check finds nothing. */
static void
cleanup(void)
{
	dpsec_free(ctxs[0]);
	dpsec_free(ctxs[1]);
	rte_mempool_free(pool);
	rte_eal_cleanup();
}

/* One valid packet per shape, protected by the outbound path. */
static void
seeds_write(void)
{
	static uint8_t buf[2 + ESPT_PKT_MAX];
	uint8_t plain[ESPT_PKT_MAX];
	unsigned int i, ok = 0;

	for (i = 0; i < NB_SHAPES; i++) {
		struct shape s;
		struct dpsec_sa *osa;
		struct rte_mbuf *m;
		uint8_t inner;
		size_t len;
		char name[96];

		shape_get(i, &s);
		inner = s.mode == DPSEC_SA_TRANSPORT ? s.family :
			(i & 1 ? 6 : 4);
		len = espt_pkt_build(plain, inner, i & 2 ? IPPROTO_TCP :
				     IPPROTO_UDP,
				     (uint16_t)(48 + (i * 37) % 300), i);
		osa = sa_make(ctxs[0], &s, DPSEC_SA_OUTBOUND, i % 5 == 4);
		m = espt_mbuf(pool, plain, len);
		if (osa == NULL || m == NULL ||
		    dpsec_sa_outbound(osa, &m, 1) != 1) {
			fprintf(stderr, "seeds: shape %u: outbound failed\n",
				i);
			exit(1);
		}
		buf[0] = (uint8_t)i;
		/* Layouts in turn: exact, one mbuf, chains of 2..4. */
		buf[1] = (uint8_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? 1 :
				   2 | ((i / 3) % 3) << LAYOUT_NSEG_SHIFT);
		if (i % 4 == 3)
			buf[1] |= LAYOUT_OPENSSL;
		if (i % 5 == 4)	/* SNs just past the window top */
			buf[1] |= LAYOUT_SEQ_HIGH;
		len = espt_mbuf_bytes(m, buf + 2);
		rte_pktmbuf_free(m);
		dpsec_sa_destroy(ctxs[0], osa);
		snprintf(name, sizeof(name), "seed-%03u-%s-%s-v%u%s%s", i,
			 s.alg->name,
			 s.mode == DPSEC_SA_TUNNEL ? "tun" : "trs", s.family,
			 s.flags & DPSEC_SA_F_NATT ? "-natt" : "",
			 s.flags & DPSEC_SA_F_ESN ? "-esn" : "");
		if (len == 0 || fuzz_seed_write(name, buf, 2 + len) != 0) {
			fprintf(stderr, "seeds: %s: write failed\n", name);
			exit(1);
		}
		ok++;
	}
	printf("seeds: %u written to %s\n", ok, fuzz_seed_dir());
	exit(0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const eal_args[] = {
		"-l", "0", "--log-level=*:emerg",
	};

	(void)argc;
	(void)argv;
	if (test_eal_init("fuzz-esp-inbound", eal_args,
			  (int)RTE_DIM(eal_args)) < 0) {
		fprintf(stderr, "fuzz-esp-inbound: EAL init failed\n");
		exit(1);
	}
	pool = test_pool_create("fuzz_esp", POOL_N, DATA_ROOM);
	ctxs[0] = espt_ctx("fuzz_esp_mb", DPSEC_BACKEND_IPSEC_MB, 4);
	ctxs[1] = espt_ctx("fuzz_esp_ossl", DPSEC_BACKEND_OPENSSL, 4);
	if (pool == NULL || ctxs[0] == NULL || ctxs[1] == NULL) {
		fprintf(stderr, "fuzz-esp-inbound: set-up failed\n");
		exit(1);
	}
	atexit(cleanup);
	verbose = getenv("DPSEC_FUZZ_VERBOSE") != NULL;
	espt_keys_fill(&keys, 15);
	if (fuzz_seed_dir() != NULL)
		seeds_write();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct rte_mbuf *pkts[BURST_MAX];
	struct dpsec_sa *out[BURST_MAX];
	struct dpsec_ctx *ctx;
	struct dpsec_sa *sa;
	struct shape s;
	uint8_t layout;
	uint16_t nb = 0, n, i;

	shape_get(fuzz_u8(&in), &s);
	layout = fuzz_u8(&in);
	ctx = ctxs[layout & LAYOUT_OPENSSL ? 1 : 0];
	if (in.n == 0)
		return 0;
	if (in.n > PKT_MAX)
		in.n = PKT_MAX;

	sa = sa_make(ctx, &s, DPSEC_SA_INBOUND, layout & LAYOUT_SEQ_HIGH);
	FUZZ_CHECK(sa != NULL, "inbound SA of shape %s not created",
		   s.alg->name);
	for (i = 0; i < (layout & LAYOUT_TWICE ? 2 : 1); i++) {
		pkts[nb] = mbuf_make(layout, in.p, in.n);
		FUZZ_CHECK(pkts[nb] != NULL, "no mbuf for %zu bytes", in.n);
		nb++;
	}

	n = dpsec_inbound(ctx, pkts, nb, out);
	FUZZ_CHECK(n <= nb, "%u delivered of %u", n, nb);
	for (i = 0; i < nb; i++) {
		if (verbose)
			printf("%s: packet %u %s (reason %d)\n", s.alg->name,
			       i, i < n ? "delivered" : "refused",
			       (int)dpsec_mbuf_reason(pkts[i]));
		mbuf_sane(pkts[i]);
		if (i < n)
			FUZZ_CHECK(out[i] == sa, "delivered on another SA");
		else
			FUZZ_CHECK(dpsec_mbuf_reason(pkts[i]) != DPSEC_R_NONE,
				   "packet %u refused without a reason", i);
		rte_pktmbuf_free(pkts[i]);
	}
	FUZZ_CHECK(dpsec_sa_destroy(ctx, sa) == 0, "SA destroy failed");
	FUZZ_CHECK(test_pool_full(pool), "mbufs lost: %u of %u in the pool",
		   test_pool_avail(pool), (unsigned int)POOL_N);
	return 0;
}
