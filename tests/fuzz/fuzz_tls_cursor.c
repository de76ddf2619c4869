/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-tls-cursor: the TLS record cursor of lib/common/tls_rec.h
 * (dpsec_tls_cursor_step(): header parsing and checks, explicit nonce,
 * body and tag of records that arrive in pieces of any size) on a hostile
 * byte stream cut into hostile pieces. Pure code, no EAL.
 *
 * Input: byte 0 picks the suite (SUITES: TLS 1.2 AES-GCM-128/256 and
 * ChaCha20-Poly1305, TLS 1.3 the same), byte 1 the number of pieces
 * (0..63), then one byte per piece (its length - 1), then the stream.
 * The pieces take the stream in order; the last one takes the rest.
 *
 * Invariants: every step consumes 1..avail bytes (none when avail is 0),
 * a span stays inside its part, the cursor's TCP sequence advances by
 * exactly what was consumed, record numbers only grow by one at a record
 * end, and the outcome does not depend on the cut: a second cursor fed
 * the whole stream in one piece stops at the same byte with the same
 * error and ends in the same state, with the same records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fuzz_common.h"
#include "tls_rec.h"

enum { MAX_PIECES = 64 };

static const struct {
	uint16_t ver;
	enum dpsec_crypto_cipher cipher;
} suites[] = {
	{ DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_AES_GCM_128 },
	{ DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_AES_GCM_256 },
	{ DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 },
	{ DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_AES_GCM_128 },
	{ DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_AES_GCM_256 },
	{ DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 },
};

/* What a walk over the stream saw. */
struct walk {
	enum dpsec_tls_hdr_err err;
	uint32_t consumed;		/* bytes consumed, error included */
	uint64_t recs;			/* records completed */
	uint64_t rec_hash;		/* of their end offsets */
	struct dpsec_tls_cursor c;
};

static uint32_t
part_size(const struct dpsec_tls_suite *s, const struct dpsec_tls_cursor *c,
	  uint8_t part)
{
	switch (part) {
	case DPSEC_TLS_PART_HDR:
		return DPSEC_TLS_HDR_LEN;
	case DPSEC_TLS_PART_EXPLICIT:
		return s->explicit_len;
	case DPSEC_TLS_PART_BODY:
		return c->body_len;
	default:
		return s->tag_len;
	}
}

/* Feed @len bytes at @p; false once the cursor reported an error. */
static bool
walk_piece(struct walk *w, const struct dpsec_tls_suite *s,
	   const uint8_t *p, uint32_t len)
{
	struct dpsec_tls_span sp;
	uint32_t off = 0;

	do {
		uint32_t seq0 = w->c.tcp_seq, body_len = w->c.body_len;
		uint64_t rec0 = w->c.rec_seq;
		uint8_t part0 = w->c.part;

		w->err = dpsec_tls_cursor_step(&w->c, p + off, len - off, &sp);
		FUZZ_CHECK(len - off == 0 ? sp.len == 0 :
			   sp.len >= 1 && sp.len <= len - off,
			   "step took %u of %u", sp.len, len - off);
		FUZZ_CHECK(w->c.tcp_seq == seq0 + sp.len,
			   "tcp_seq moved by %u for %u bytes",
			   w->c.tcp_seq - seq0, sp.len);
		FUZZ_CHECK(sp.part == part0 && sp.rec_seq == rec0,
			   "span names another part or record");
		if (part0 == DPSEC_TLS_PART_BODY)
			FUZZ_CHECK(sp.part_off + sp.len <= body_len,
				   "body span %u+%u over %u", sp.part_off,
				   sp.len, body_len);
		else
			FUZZ_CHECK(sp.part_off + sp.len <=
				   part_size(s, &w->c, part0),
				   "span %u+%u over part %u", sp.part_off,
				   sp.len, part0);
		FUZZ_CHECK(w->c.rec_seq == rec0 + (sp.rec_done ? 1 : 0),
			   "record number jumped");
		off += sp.len;
		w->consumed += sp.len;
		if (w->err != DPSEC_TLS_HDR_OK)
			return false;
		if (sp.hdr_done) {
			uint16_t l = dpsec_tls_hdr_len(w->c.hdr);

			FUZZ_CHECK(l >= s->min_rec && l <= s->max_rec,
				   "header length %u accepted", l);
			FUZZ_CHECK(w->c.body_len + s->explicit_len +
				   s->tag_len == l, "body length %u of %u",
				   w->c.body_len, l);
		}
		if (sp.rec_done) {
			w->recs++;
			w->rec_hash = w->rec_hash * 1000003u + w->consumed;
		}
	} while (off < len);
	return true;
}

/* Seeds: per suite, streams of records with valid headers (bodies of
 * sizes 0, 1, 100, 1000; TLS 1.3 with at least the type byte) in pieces
 * of 1, 7, 300 and 1500 bytes. */
static void
seeds_write(void)
{
	static const uint16_t body[] = { 0, 1, 100, 1000 };
	static const uint8_t cuts[] = { 0, 1, 7, 255 };
	static uint8_t buf[8192];
	unsigned int si, ci, r;

	for (si = 0; si < sizeof(suites) / sizeof(suites[0]); si++) {
		for (ci = 0; ci < sizeof(cuts); ci++) {
			bool v13 = suites[si].ver == DPSEC_TLS_VER_1_3;
			uint8_t expl = !v13 && suites[si].cipher !=
				DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 ? 8 : 0;
			size_t n = 0;
			char name[32];

			buf[n++] = (uint8_t)si;
			buf[n++] = cuts[ci] == 0 ? 0 : 40;
			for (r = 0; cuts[ci] != 0 && r < 40; r++)
				buf[n++] = (uint8_t)(cuts[ci] - 1 + r % 2);
			for (r = 0; r < sizeof(body) / sizeof(body[0]); r++) {
				uint16_t l = (uint16_t)(expl + body[r] +
					(v13 ? 1 : 0) + 16);

				buf[n++] = v13 ? 23 : (uint8_t)(20 + r);
				buf[n++] = 3;
				buf[n++] = 3;
				buf[n++] = (uint8_t)(l >> 8);
				buf[n++] = (uint8_t)l;
				memset(buf + n, 0xa0 + r, l);
				n += l;
			}
			snprintf(name, sizeof(name), "seed-s%u-c%u", si, ci);
			if (fuzz_seed_write(name, buf, n) != 0)
				exit(1);
		}
	}
	exit(0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_seed_dir() != NULL)
		seeds_write();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t iv[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct fuzz_in in = { data, size };
	unsigned int si = fuzz_u8(&in) % (sizeof(suites) / sizeof(suites[0]));
	unsigned int nb = fuzz_u8(&in) % MAX_PIECES, i;
	uint32_t piece[MAX_PIECES];
	struct dpsec_tls_suite s;
	struct walk a, b;
	uint32_t off = 0;
	uint32_t rec0 = 0x7ffffff0;	/* record numbers cross 2^31 */
	uint8_t iv_len;

	for (i = 0; i < nb; i++)
		piece[i] = 1u + fuzz_u8(&in);
	/* TLS 1.2 AES-GCM: a 4-byte salt; otherwise a 12-byte IV. */
	iv_len = suites[si].ver == DPSEC_TLS_VER_1_2 && suites[si].cipher !=
		 DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 ? 4 : 12;
	memset(&s, 0, sizeof(s));
	FUZZ_CHECK(dpsec_tls_suite_init(&s, suites[si].ver, suites[si].cipher,
					iv, iv_len) == 0,
		   "suite %u refused", si);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	dpsec_tls_cursor_init(&a.c, &s, 0xfffffff0u, rec0);
	dpsec_tls_cursor_init(&b.c, &s, 0xfffffff0u, rec0);

	for (i = 0; i <= nb; i++) {
		uint32_t len = (uint32_t)in.n - off;

		if (i < nb && piece[i] < len)
			len = piece[i];
		if (!walk_piece(&a, &s, in.p + off, len))
			break;
		off += len;
		if (off == in.n)
			break;
	}
	walk_piece(&b, &s, in.p, (uint32_t)in.n);

	FUZZ_CHECK(a.err == b.err && a.consumed == b.consumed,
		   "cut changes the outcome: err %d/%d at %u/%u", a.err,
		   b.err, a.consumed, b.consumed);
	FUZZ_CHECK(a.recs == b.recs && a.rec_hash == b.rec_hash,
		   "cut changes the records: %lu/%lu",
		   (unsigned long)a.recs, (unsigned long)b.recs);
	FUZZ_CHECK(a.c.tcp_seq == b.c.tcp_seq && a.c.rec_seq == b.c.rec_seq &&
		   a.c.part == b.c.part && a.c.part_off == b.c.part_off &&
		   a.c.rec_tcp_seq == b.c.rec_tcp_seq,
		   "cut changes the final state");
	return 0;
}
