/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-tls-rx: libdpsec's TLS record receive path (dpsec_tls_rx(),
 * lib/dpsec/tls.c: TCP segment parsing, ordering, trimming of overlaps,
 * record reassembly across segments and mbufs, header checks, software
 * decryption, NIC-decrypted and MIXED records, TLS 1.3 inner type) on a
 * hostile stream cut into hostile segments.
 *
 * Input: byte 0 picks the read context (SUITES x IPv4/IPv6 x backend, see
 * the IN_* bits), byte 1 the number of segments (1..32), then two bytes
 * per segment (SEG_* bits: payload length, mbufs per segment, the NIC's
 * "decrypted" mark, and whether the segment overlaps the previous bytes,
 * leaves a gap or comes from the wrong direction), then the TCP stream.
 * Each input gets a fresh software read context, destroyed afterwards.
 *
 * Invariants: every record returned is well formed (status 0 with an mbuf
 * chain of exactly len bytes, or one of the documented errors without
 * one), nothing is returned after an error, and every mbuf is back in
 * the pool after the context is destroyed.
 *
 * Seeds: with DPSEC_FUZZ_SEED_DIR, streams of records sealed by the
 * OpenSSL reference layer of tests/lib/tls_test.c with the same keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "dpsec.h"
#include "dpsec_driver.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"
#include "eal_fixture.h"
#include "fuzz_common.h"
#include "tls_test.h"

enum {
	POOL_N = 2047,
	MAX_SEGS = 32,
	STREAM_MAX = 1 << 16,
	BURST = 8,
	MAX_RECS = 3,		/* small: records wait in the context */
};

/* Byte 0. */
enum {
	IN_SUITE_MASK = 0x07,	/* % NB_SUITES */
	IN_V6 = 0x08,
	IN_OPENSSL = 0x10,
	IN_SEQ_HIGH = 0x20,	/* first record number near 2^32 */
};

/* A segment's two bytes. */
enum {
	SEG_LEN_MASK = 0x07ff,	/* payload bytes (0: 1) */
	SEG_NSEG_SHIFT = 11,	/* 2 bits: 1..4 mbufs */
	SEG_NIC = 1 << 13,	/* DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED */
	SEG_MODE_SHIFT = 14,	/* 0 in order, 1 overlap (16 bytes back),
				 * 2 gap (1 byte), 3 wrong direction */
};

static const struct {
	uint16_t ver;
	enum dpsec_cipher cipher;
} suites[] = {
	{ DPSEC_TLS_VERSION_1_2, DPSEC_CIPHER_AES_GCM_128 },
	{ DPSEC_TLS_VERSION_1_2, DPSEC_CIPHER_AES_GCM_256 },
	{ DPSEC_TLS_VERSION_1_2, DPSEC_CIPHER_CHACHA20_POLY1305 },
	{ DPSEC_TLS_VERSION_1_3, DPSEC_CIPHER_AES_GCM_128 },
	{ DPSEC_TLS_VERSION_1_3, DPSEC_CIPHER_AES_GCM_256 },
	{ DPSEC_TLS_VERSION_1_3, DPSEC_CIPHER_CHACHA20_POLY1305 },
};
#define NB_SUITES RTE_DIM(suites)

struct rte_mempool *tlst_pool;
static struct dpsec_ctx *ctxs[2];
static uint64_t nic_flag;
static bool verbose;		/* DPSEC_FUZZ_VERBOSE: a line per input */
static const uint32_t tcp_seq0 = 0xfffff000u;	/* wraps in long streams */

static void
suite_get(unsigned int idx, struct ref_suite *s)
{
	memset(s, 0, sizeof(*s));
	s->ver = suites[idx % NB_SUITES].ver;
	s->cipher = suites[idx % NB_SUITES].cipher;
	s->key_len = s->cipher == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
	for (unsigned int i = 0; i < 32; i++)
		s->key[i] = (uint8_t)(idx * 31 + i * 7 + 1);
	for (unsigned int i = 0; i < 12; i++)
		s->iv[i] = (uint8_t)(idx * 13 + i * 5 + 3);
}

static struct dpsec_tls *
ctx_make(struct dpsec_ctx *ctx, const struct ref_suite *s,
	 const struct conn *c, uint64_t rec_seq)
{
	struct dpsec_tls_conf tc;

	memset(&tc, 0, sizeof(tc));
	tc.ver = (enum dpsec_tls_version)s->ver;
	tc.type = DPSEC_TLS_READ;
	tc.cipher = s->cipher;
	tc.key = s->key;
	tc.key_len = s->key_len;
	memcpy(tc.imp_nonce, s->iv, 12);
	tc.seq_no = rec_seq;
	tc.local = c->a;
	tc.remote = c->b;
	tc.local_port = c->pa;
	tc.remote_port = c->pb;
	tc.tcp_seq = tcp_seq0;
	tc.offload = DPSEC_OFFLOAD_NONE;
	return dpsec_tls_create(ctx, &tc);
}

static void
cleanup(void)
{
	dpsec_free(ctxs[0]);
	dpsec_free(ctxs[1]);
	rte_mempool_free(tlst_pool);
	rte_eal_cleanup();
}

/*
 * One seed: four records sealed by the reference layer, cut at @mss.
 * @nic 1: every other segment carries the NIC's "decrypted" mark and, as
 * a NIC leaves them, the plaintext of the record bodies it holds (MIXED
 * records); 2: every segment (DECRYPTED records).
 */
static void
seed_one(unsigned int si, unsigned int fam, uint16_t mss, unsigned int nic)
{
	static uint8_t stream[STREAM_MAX], plain[STREAM_MAX];
	static uint8_t file[2 + 2 * MAX_SEGS + STREAM_MAX];
	static const struct {
		uint8_t type;
		uint16_t len, pad;
	} rec[] = { { 23, 100, 0 }, { 22, 1, 0 }, { 21, 2, 0 },
		    { 23, 1400, 7 } };
	uint8_t pt[2000];
	struct ref_suite s;
	size_t len = 0, n = 0, off = 0;
	unsigned int nseg = 0, i;
	char name[48];

	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 7 + 1);
	suite_get(si, &s);
	/* Record numbers from 0, as the context expects. */
	for (i = 0; i < RTE_DIM(rec); i++) {
		bool v13 = s.ver == DPSEC_TLS_VERSION_1_3;
		uint16_t pad = v13 ? rec[i].pad : 0;
		size_t body = len + 5 + (ref_explicit(&s) ? 8 : 0);
		size_t rl = ref_seal(&s, i, rec[i].type, pt, rec[i].len, pad,
				     stream + len);

		/* The same bytes with the body in the clear (RFC 8446
		 * §5.2: TLSInnerPlaintext is content, type, zeros). */
		memcpy(plain + len, stream + len, rl);
		memcpy(plain + body, pt, rec[i].len);
		if (v13) {
			plain[body + rec[i].len] = rec[i].type;
			memset(plain + body + rec[i].len + 1, 0, pad);
		}
		len += rl;
	}
	file[n++] = (uint8_t)(si | (fam ? IN_V6 : 0) |
			      (mss & 1 ? IN_OPENSSL : 0));
	n++;	/* number of segments, below */
	while (off < len && nseg < MAX_SEGS) {
		uint16_t l = mss, d;
		bool mark = nic == 2 || (nic == 1 && nseg % 2 == 1);

		if (nseg + 1 == MAX_SEGS || off + l > len)
			l = (uint16_t)(len - off);
		d = (uint16_t)((l & SEG_LEN_MASK) |
			       ((nseg % 4) << SEG_NSEG_SHIFT) |
			       (mark ? SEG_NIC : 0));
		file[n++] = (uint8_t)(d >> 8);
		file[n++] = (uint8_t)d;
		if (mark)
			memcpy(stream + off, plain + off, l);
		off += l;
		nseg++;
	}
	file[1] = (uint8_t)(nseg - 1);
	memcpy(file + n, stream, len);
	n += len;
	snprintf(name, sizeof(name), "seed-s%u-v%u-mss%u%s", si,
		 fam ? 6 : 4, mss, nic == 1 ? "-mixed" :
		 nic == 2 ? "-nic" : "");
	if (fuzz_seed_write(name, file, n) != 0)
		exit(1);
}

/* Per suite and family, the stream cut at 1, 61, 536 and 1460 bytes per
 * segment (mbufs per segment 1..4 in turn); per suite, MIXED and NIC
 * DECRYPTED records at 536 and 1460 bytes per segment. */
static void
seeds_write(void)
{
	static const uint16_t mss[] = { 1, 61, 536, 1460 };

	for (unsigned int si = 0; si < NB_SUITES; si++) {
		for (unsigned int fam = 0; fam < 2; fam++)
			for (unsigned int mi = 0; mi < RTE_DIM(mss); mi++)
				seed_one(si, fam, mss[mi], 0);
		for (unsigned int nic = 1; nic <= 2; nic++)
			for (unsigned int mi = 2; mi < RTE_DIM(mss); mi++)
				seed_one(si, 0, mss[mi], nic);
	}
	exit(0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const eal_args[] = {
		"-l", "0", "--log-level=*:emerg",
	};
	struct dpsec_ctx_conf cc = {
		.socket_id = SOCKET_ID_ANY,
		.max_sa = 4,
	};
	int bit;

	(void)argc;
	(void)argv;
	if (test_eal_init("fuzz-tls-rx", eal_args,
			  (int)RTE_DIM(eal_args)) < 0) {
		fprintf(stderr, "fuzz-tls-rx: EAL init failed\n");
		exit(1);
	}
	tlst_pool = test_pool_create("fuzz_tls", POOL_N, 2048);
	cc.name = "fuzz_tls_mb";
	cc.backend = DPSEC_BACKEND_IPSEC_MB;
	ctxs[0] = dpsec_create(&cc);
	cc.name = "fuzz_tls_ossl";
	cc.backend = DPSEC_BACKEND_OPENSSL;
	ctxs[1] = dpsec_create(&cc);
	if (tlst_pool == NULL || ctxs[0] == NULL || ctxs[1] == NULL) {
		fprintf(stderr, "fuzz-tls-rx: set-up failed\n");
		exit(1);
	}
	atexit(cleanup);
	{
		/* The first context registers the NIC's mark. */
		struct ref_suite s;
		struct conn c;
		struct dpsec_tls *t;

		suite_get(0, &s);
		conn_init(&c, 4);
		t = ctx_make(ctxs[0], &s, &c, 0);
		if (t == NULL || dpsec_tls_destroy(ctxs[0], t) != 0) {
			fprintf(stderr, "fuzz-tls-rx: no TLS context\n");
			exit(1);
		}
	}
	bit = rte_mbuf_dynflag_lookup(DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED,
				      NULL);
	if (bit < 0) {
		fprintf(stderr, "fuzz-tls-rx: no %s mark\n",
			DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED);
		exit(1);
	}
	nic_flag = UINT64_C(1) << bit;
	verbose = getenv("DPSEC_FUZZ_VERBOSE") != NULL;
	if (fuzz_seed_dir() != NULL)
		seeds_write();
	return 0;
}

static void
recs_check(struct dpsec_tls_rec *recs, uint16_t n, bool *failed)
{
	for (uint16_t i = 0; i < n; i++) {
		struct dpsec_tls_rec *r = &recs[i];
		const char *why = NULL;

		if (verbose)
			printf("record %lu type %u len %u how %u status %d\n",
			       (unsigned long)r->rec_seq, r->type, r->len,
			       r->how, r->status);

		FUZZ_CHECK(!*failed, "record after the stream failed");
		if (r->status != 0) {
			FUZZ_CHECK(r->status == -EBADMSG ||
				   r->status == -EMSGSIZE ||
				   r->status == -EPROTO, "status %d",
				   r->status);
			FUZZ_CHECK(r->m == NULL, "mbuf with status %d",
				   r->status);
			*failed = true;
			continue;
		}
		/* RFC 8446 §5.1: 2^14 bytes at most */
		FUZZ_CHECK(r->len <= (1u << 14),
			   "record of %u bytes", r->len);
		if (r->len == 0) {
			FUZZ_CHECK(r->m == NULL, "empty record with an mbuf");
			continue;
		}
		FUZZ_CHECK(r->m != NULL && r->m->pkt_len == r->len,
			   "record of %u bytes in a chain of %u", r->len,
			   r->m != NULL ? r->m->pkt_len : 0);
		FUZZ_CHECK(rte_mbuf_check(r->m, 1, &why) == 0, "bad mbuf: %s",
			   why);
		rte_pktmbuf_free(r->m);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct rte_mbuf *segs[MAX_SEGS];
	struct dpsec_tls_rec recs[MAX_RECS];
	uint16_t desc[MAX_SEGS];
	struct ref_suite s;
	struct conn c;
	struct dpsec_tls *t;
	struct dpsec_ctx *ctx;
	uint8_t b0 = fuzz_u8(&in);
	unsigned int nb = 1 + fuzz_u8(&in) % MAX_SEGS, i, done, rounds;
	uint32_t off = 0, seq = tcp_seq0;
	bool failed = false;
	uint16_t n;

	for (i = 0; i < nb; i++)
		desc[i] = fuzz_u16(&in);
	if (in.n > STREAM_MAX)
		in.n = STREAM_MAX;
	suite_get(b0 & IN_SUITE_MASK, &s);
	conn_init(&c, b0 & IN_V6 ? 6 : 4);
	ctx = ctxs[b0 & IN_OPENSSL ? 1 : 0];
	t = ctx_make(ctx, &s, &c, b0 & IN_SEQ_HIGH ? UINT32_MAX - 1 : 0);
	FUZZ_CHECK(t != NULL, "read context not created");

	/* Cut the stream. */
	for (i = 0; i < nb; i++) {
		uint32_t len = desc[i] & SEG_LEN_MASK, start = off;
		unsigned int mode = desc[i] >> SEG_MODE_SHIFT;

		if (len == 0)
			len = 1;
		if (i + 1 == nb || len > in.n - off)
			len = (uint32_t)in.n - off;
		if (mode == 1 && off > 0)	/* resend up to 16 bytes */
			start = off > 16 ? off - 16 : 0;
		else if (mode == 2)		/* one byte never sent */
			seq++;
		segs[i] = seg_make(&c, mode == 3, seq - (off - start),
				   in.p + start, len + (off - start),
				   1 + ((desc[i] >> SEG_NSEG_SHIFT) & 3));
		FUZZ_CHECK(segs[i] != NULL, "no mbufs");
		if (desc[i] & SEG_NIC)
			for (struct rte_mbuf *m = segs[i]; m != NULL;
			     m = m->next)
				m->ol_flags |= nic_flag;
		off += len;
		seq += len;
	}

	/* In bursts, collecting records in small batches. */
	for (done = 0; done < nb; done += n) {
		uint16_t k = (uint16_t)RTE_MIN(BURST, nb - done);

		n = k;
		recs_check(recs, dpsec_tls_rx(t, segs + done, k, recs,
					      MAX_RECS), &failed);
	}
	for (rounds = 0; rounds < 100000; rounds++) {
		n = dpsec_tls_rx(t, NULL, 0, recs, MAX_RECS);
		if (n == 0)
			break;
		recs_check(recs, n, &failed);
	}
	FUZZ_CHECK(rounds < 100000, "records never run out");

	FUZZ_CHECK(dpsec_tls_destroy(ctx, t) == 0, "destroy failed");
	FUZZ_CHECK(test_pool_full(tlst_pool), "mbufs lost: %u of %u",
		   test_pool_avail(tlst_pool), (unsigned int)POOL_N);
	return 0;
}
