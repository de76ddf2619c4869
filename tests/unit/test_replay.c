/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/common/replay.h: the ESP anti-replay window with ESN (RFC 4303 §3.4.3,
 * Appendix A2.1-A3; RFC 6479 bitmap).
 *
 * - sizes and init;
 * - edge tables in the style of WireGuard's selftest/counter.c, one row per
 *   packet, run for every window size: T() check + ICV ok + update,
 *   C() check only (ICV failed), E()/EC() the same with the expected
 *   64-bit number, U() update alone (another lcore's check raced it);
 * - update's re-check when lcores race, check's read-only contract;
 * - a randomized comparison with a straightforward reference model (a set
 *   of accepted numbers and T, ESN inference stated as an interval).
 */
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

#include "replay.h"

#define OK		0
#define DUP		(-DPSEC_REPLAY_DUP)
#define OLD		(-DPSEC_REPLAY_OLD)
#define ZERO		(-DPSEC_REPLAY_ZERO)
#define OVERFLOW	(-DPSEC_REPLAY_OVERFLOW)

#define BLOCK		(UINT64_C(1) << 32)	/* one ESN block, 2^32 */
#define HALF		(UINT64_C(1) << 31)

enum {
	MODEL_OPS = 200000,	/* random operations per window and mode */
	MODEL_SET_BITS = 19,	/* model set: 2^19 slots > MODEL_OPS + 1 */
	MODEL_RECENT = 256,	/* accepted numbers kept for duplicates */
	READONLY_OPS = 20000,
};

static const uint32_t windows[] = {
	0, 1, 32, 63, 64, 1000, 1024, 4096, 65536,
};

#define NB_WINDOWS (sizeof(windows) / sizeof(windows[0]))

/*
 * Numbers the bitmap holds: a power of two of 64-bit buckets with at least
 * one bucket more than W needs (RFC 6479). Computed here independently.
 */
static uint64_t
span_of(uint32_t win)
{
	uint64_t nb = 1;

	if (win == 0)
		return 0;
	while (nb * 64 < (uint64_t)win + 64)
		nb <<= 1;
	return nb * 64;
}

static struct dpsec_replay *
replay_new(uint32_t win, bool esn, size_t *size)
{
	struct dpsec_replay *w;
	size_t sz = dpsec_replay_size(win);

	assert_true(sz >= sizeof(struct dpsec_replay));
	w = malloc(sz);
	assert_non_null(w);
	memset(w, 0xa5, sz);	/* init must not rely on zeroed memory */
	assert_int_equal(dpsec_replay_init(w, sz, win, esn), 0);
	if (size != NULL)
		*size = sz;
	return w;
}

/* ------------------------------------------------------------------ */
/* Sizes, init, strings                                                */

static void
test_size_init(void **state)
{
	static const struct {
		uint32_t win;
		uint32_t nb_bucket;
	} rows[] = {
		{ 0, 0 }, { 1, 2 }, { 32, 2 }, { 63, 2 }, { 64, 2 },
		{ 65, 4 }, { 128, 4 }, { 192, 4 }, { 193, 8 },
		{ 1000, 32 }, { 1024, 32 }, { 4096, 128 },
		{ 65536, 2048 }, { DPSEC_REPLAY_WINDOW_MAX, 32768 },
	};
	const size_t hdr = sizeof(struct dpsec_replay);
	struct dpsec_replay *w;
	size_t i, sz;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		sz = dpsec_replay_size(rows[i].win);
		if (sz != hdr + rows[i].nb_bucket * sizeof(uint64_t))
			fail_msg("W=%u: size %zu, want %zu buckets",
				 rows[i].win, sz, (size_t)rows[i].nb_bucket);
		w = malloc(sz);
		assert_non_null(w);
		assert_int_equal(dpsec_replay_init(w, sz - 1, rows[i].win,
						   true), -EINVAL);
		assert_int_equal(dpsec_replay_init(w, sz, rows[i].win, true),
				 0);
		assert_int_equal(dpsec_replay_top(w), 0);
		assert_int_equal(w->window, rows[i].win);
		assert_int_equal(w->nb_bucket, rows[i].nb_bucket);
		free(w);
	}
	assert_int_equal(dpsec_replay_size(DPSEC_REPLAY_WINDOW_MAX + 1), 0);
	w = malloc(hdr + 64);
	assert_non_null(w);
	assert_int_equal(dpsec_replay_init(w, SIZE_MAX,
					   DPSEC_REPLAY_WINDOW_MAX + 1, false),
			 -EINVAL);
	assert_int_equal(dpsec_replay_init(NULL, SIZE_MAX, 64, false),
			 -EINVAL);
	free(w);
}

static void
test_strerror(void **state)
{
	static const int rcs[] = { OK, DUP, OLD, ZERO, OVERFLOW };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(rcs) / sizeof(rcs[0]); i++) {
		assert_string_not_equal(dpsec_replay_strerror(rcs[i]),
					"unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(dpsec_replay_strerror(rcs[i]),
						dpsec_replay_strerror(rcs[j]));
	}
	assert_string_equal(dpsec_replay_strerror(1), "unknown");
	assert_string_equal(dpsec_replay_strerror(-DPSEC_REPLAY_RESULT_MAX),
			    "unknown");
}

/* ------------------------------------------------------------------ */
/* Edge tables                                                         */

struct tbl {
	struct dpsec_replay *w;
	void *shadow;
	size_t size;
	uint32_t win;
	bool esn;
	unsigned int rows;
	unsigned int failed;
};

static void
tbl_fail(struct tbl *t, int line, const char *what, uint64_t seq, int got,
	 uint64_t got64, int want, uint64_t want64)
{
	print_error("W=%u %s line %d, seq %#" PRIx64 ", T %#" PRIx64
		    ": %s: got %s (%#" PRIx64 "), want %s (%#" PRIx64 ")\n",
		    t->win, t->esn ? "esn" : "32-bit", line, seq,
		    dpsec_replay_top(t->w), what, dpsec_replay_strerror(got),
		    got64, dpsec_replay_strerror(want), want64);
	t->failed++;
}

/*
 * With W = 0 the replay check is off: what would be a duplicate or too old
 * is accepted; the rest of a row is the same.
 */
static int
tbl_want(const struct tbl *t, int want)
{
	if (t->win == 0 && (want == DUP || want == OLD))
		return OK;
	return want;
}

/*
 * One packet: check, and if accepted and its ICV verified (@icv_ok),
 * update; then the same packet again must be a duplicate.
 */
static void
tbl_row(struct tbl *t, int line, bool icv_ok, uint64_t seq, int want,
	uint64_t want64)
{
	uint64_t s64 = UINT64_MAX - 7, again64;
	int rc;

	t->rows++;
	want = tbl_want(t, want);
	memcpy(t->shadow, t->w, t->size);
	rc = dpsec_replay_check(t->w, (uint32_t)seq, &s64);
	if (memcmp(t->shadow, t->w, t->size) != 0) {
		tbl_fail(t, line, "check wrote", seq, rc, s64, want, want64);
		memcpy(t->w, t->shadow, t->size);
	}
	if (rc != want || s64 != want64) {
		tbl_fail(t, line, "check", seq, rc, s64, want, want64);
		return;
	}
	if (rc != OK || !icv_ok)
		return;
	rc = dpsec_replay_update(t->w, s64);
	if (rc != OK || dpsec_replay_top(t->w) < s64)
		tbl_fail(t, line, "update", seq, rc, s64, OK, s64);
	rc = dpsec_replay_check(t->w, (uint32_t)seq, &again64);
	if (rc != tbl_want(t, DUP) || (t->win != 0 && again64 != s64))
		tbl_fail(t, line, "again", seq, rc, again64, tbl_want(t, DUP),
			 s64);
}

/* Update alone, as when another lcore's check raced this one. */
static void
tbl_update(struct tbl *t, int line, uint64_t seq64, int want)
{
	int rc;

	t->rows++;
	want = tbl_want(t, want);
	memcpy(t->shadow, t->w, t->size);
	rc = dpsec_replay_update(t->w, seq64);
	if (rc != want)
		tbl_fail(t, line, "update", seq64, rc, seq64, want, seq64);
	else if (rc != OK && memcmp(t->shadow, t->w, t->size) != 0)
		tbl_fail(t, line, "refused update wrote", seq64, rc, seq64,
			 want, seq64);
}

#define T(seq, want)	tbl_row(t, __LINE__, true, (seq), (want), (seq))
#define C(seq, want)	tbl_row(t, __LINE__, false, (seq), (want), (seq))
#define E(seq, want, s64) \
	tbl_row(t, __LINE__, true, (seq), (want), (s64))
#define EC(seq, want, s64) \
	tbl_row(t, __LINE__, false, (seq), (want), (s64))
#define U(s64, want)	tbl_update(t, __LINE__, (s64), (want))
#define TOP		dpsec_replay_top(t->w)

/* Without ESN: the window edges, slides, bucket reuse, the 32-bit end. */
static void
table_seq32(struct tbl *t)
{
	const uint64_t W = t->win;
	const uint64_t span = span_of(t->win);
	const uint64_t b = 2 * W + 100;
	uint64_t c, d, e, f, g;

	T(0, ZERO);			/* never sent (RFC 4303 §2.2) */
	T(1, OK);			/* first packet */
	T(1, DUP);
	T(2, OK);			/* in order */
	C(3, OK);			/* ICV failed: not marked ... */
	C(3, OK);			/* ... so still new */
	T(1, W >= 2 ? DUP : OLD);
	T(0, ZERO);

	T(b, OK);			/* jump */
	T(b, DUP);			/* T itself */
	if (W >= 2) {
		T(b - W + 1, OK);	/* exactly the left edge T - W + 1 */
		T(b - W + 1, DUP);
	}
	T(b - W, OLD);			/* one left of it */
	T(b - W - 1, OLD);
	if (W >= 3) {
		T(b - 1, OK);		/* out of order, inside */
		T(b - 1, DUP);
	}
	if (W >= 128) {
		T(b - 65, OK);		/* around a bucket boundary */
		T(b - 63, OK);
		T(b - 64, OK);
		T(b - 64, DUP);
		T(b - 65, DUP);
	}

	T(b + 1, OK);			/* T + 1 */
	T(b - W + 1, OLD);		/* the old left edge fell out */
	T(b, W >= 2 ? DUP : OLD);

	c = b + 1 + W;
	C(c, OK);			/* T + W */
	T(c, OK);
	T(b + 1, OLD);			/* the old T is now T - W */
	if (W >= 2)
		T(b + 2, OK);		/* new left edge */

	d = c + W + 1;
	T(d, OK);			/* T + W + 1: nothing survives */
	T(c, OLD);
	T(c + 1, OLD);
	if (W >= 2)
		T(c + 2, OK);		/* left edge */
	if (W >= 3)
		T(d - 1, OK);

	/* Bitmap slots are reused every span numbers: slides clear them. */
	e = d + span;
	T(e, W == 0 ? DUP : OK);	/* jump by exactly the bitmap */
	if (W >= 3) {
		T(e - 1, OK);		/* the slot of d - 1, marked above */
		T(e - 1, DUP);
	}
	if (W >= 2) {
		f = e + span - 64;	/* all but the top bucket's slot */
		T(f, OK);
		T(f - W + 1, OK);
		T(f - W, OLD);
		T(e, OLD);
		T(f + span + 64, OK);	/* more than the bitmap */
		T(f + span + 63, OK);
	}

	/* Huge jump: 2^31. */
	g = TOP;
	T(g + HALF, OK);
	T(g, OLD);
	if (W >= 2)
		T(g + HALF - 1, OK);

	/* The end of the 32-bit space. */
	T(0xffffffff, OK);
	T(0xffffffff, DUP);
	if (W >= 3) {
		T(0xffffffff - W + 1, OK);
		T(0xfffffffe, OK);
	}
	T(0xffffffff - W, OLD);
	T(0, ZERO);
	U(BLOCK, OVERFLOW);		/* no ESN: the space ends at 2^32 - 1 */
	U(0, ZERO);
	U(0xffffffff, DUP);
}

/* With ESN (RFC 4303 A2.1): high-bit inference across 2^32 and 2^64. */
static void
table_esn(struct tbl *t)
{
	const uint64_t W = t->win;
	uint64_t top, t3;

	E(0, ZERO, 0);			/* the 64-bit number 0 */
	E(1, OK, 1);
	E(1, DUP, 1);
	E(0xfffffff0, OK, BLOCK - 16);	/* block 0: nothing below 0 */
	EC(5, OK, BLOCK + 5);		/* small low bits: next block */
	EC(0, OK, BLOCK);		/* low bits 0 are fine with ESN */
	/* W = 1: all below T is taken as the next block */
	EC(0xffffffef, OK, W == 1 ? 2 * BLOCK - 17 : BLOCK - 17);
	E(0xffffffff, OK, BLOCK - 1);
	E(0, OK, BLOCK);		/* into block 1 */
	E(0, DUP, BLOCK);
	/* T = 2^32, the window spans blocks 0 and 1: Th - 1 */
	EC(0xffffffff, W == 1 ? OK : DUP,
	   W == 1 ? 2 * BLOCK - 1 : BLOCK - 1);

	if (W >= 32) {
		EC((uint32_t)(BLOCK - W + 1), OK, BLOCK - W + 1); /* edge */
		E((uint32_t)(BLOCK - W + 1), OK, BLOCK - W + 1);
		E((uint32_t)(BLOCK - W + 1), DUP, BLOCK - W + 1);
		/* one left of the edge: the next block, never "old" */
		EC((uint32_t)(BLOCK - W), OK, 2 * BLOCK - W);
		E(10, OK, BLOCK + 10);
	}
	if (W >= 64) {
		/* T = 2^32 + 10: still spanning */
		EC(0xffffffff, DUP, BLOCK - 1);
		EC(0xfffffffe, OK, BLOCK - 2);
		EC((uint32_t)(BLOCK + 11 - W), OK, BLOCK + 11 - W); /* edge */
		/* fell out of the window: the next block */
		EC((uint32_t)(BLOCK - W + 1), OK, 2 * BLOCK - W + 1);
		EC((uint32_t)(BLOCK + 10 - W), OK, 2 * BLOCK + 10 - W);
	}
	if (W >= 32) {
		E((uint32_t)(W + 20), OK, BLOCK + W + 20); /* past 2^32 */
		EC(0xffffffff, OK, 2 * BLOCK - 1);	/* Th */
		EC(20, OK, 2 * BLOCK + 20);		/* Th + 1 */
		EC(21, OK, BLOCK + 21);			/* left edge */
		EC(10, OK, 2 * BLOCK + 10);		/* marked, but out */
	}
	if (W == 0) {
		/* inference window 2^31: the number nearest to T */
		EC((uint32_t)(HALF + 1), OK, HALF + 1);
		EC((uint32_t)HALF, OK, BLOCK + HALF);
		E((uint32_t)HALF, OK, BLOCK + HALF);
		EC(1, OK, BLOCK + 1);
		EC(0, OK, 2 * BLOCK);
		EC(0xffffffff, OK, BLOCK + 0xffffffff);
	}
	if (W == 1) {
		EC(1, OK, BLOCK + 1);
		EC(0, DUP, BLOCK);
	}

	/* Huge jumps: 2^31 via A2.1, 2^32 + 5 (too far to infer) by update */
	top = TOP;
	E((uint32_t)(top + HALF), OK, top + HALF);
	top = TOP;
	U(top + BLOCK + 5, OK);
	t3 = TOP;
	U(top, OLD);
	EC((uint32_t)top, OK, W == 1 ? t3 - 5 + BLOCK : t3 - 5);
	EC((uint32_t)(t3 - 1), OK, W == 1 ? t3 - 1 + BLOCK : t3 - 1);
	EC((uint32_t)(t3 + 1), OK, t3 + 1);

	/* The end of the 64-bit space: never wraps. */
	U(UINT64_MAX - 2, OK);
	E(0xffffffff, OK, UINT64_MAX);	/* the last number */
	E(0xffffffff, DUP, UINT64_MAX);
	E(0, OVERFLOW, 0);		/* would be 2^64 */
	E(5, OVERFLOW, 0);
	E(0xfffffffd, W == 1 ? OVERFLOW : DUP, W == 1 ? 0 : UINT64_MAX - 2);
	E(0xfffffffe, W == 1 ? OVERFLOW : OK, W == 1 ? 0 : UINT64_MAX - 1);
	U(UINT64_MAX, DUP);
	U(0, ZERO);
}

static void
run_table(uint32_t win, bool esn, void (*table)(struct tbl *))
{
	struct tbl t = { .win = win, .esn = esn };

	t.w = replay_new(win, esn, &t.size);
	t.shadow = malloc(t.size);
	assert_non_null(t.shadow);
	table(&t);
	print_message("W=%u %s: %u rows\n", win, esn ? "esn" : "32-bit",
		      t.rows);
	free(t.shadow);
	free(t.w);
	assert_int_equal(t.failed, 0);
}

static void
test_table_seq32(void **state)
{
	run_table(*(const uint32_t *)*state, false, table_seq32);
}

static void
test_table_esn(void **state)
{
	run_table(*(const uint32_t *)*state, true, table_esn);
}

/* ------------------------------------------------------------------ */
/* Races: update re-checks; check never writes                         */

static void
test_update_recheck(void **state)
{
	struct dpsec_replay *w;
	uint64_t s1, s2, s3;
	unsigned int esn;
	void *shadow;
	size_t i, sz;

	(void)state;
	for (i = 0; i < NB_WINDOWS; i++) {
		for (esn = 0; esn <= 1; esn++) {
			const uint32_t win = windows[i];
			/* with the replay check off, nothing is refused */
			const int dup = win != 0 ? DUP : OK;
			const int old = win != 0 ? OLD : OK;

			w = replay_new(win, esn, &sz);
			shadow = malloc(sz);
			assert_non_null(shadow);
			assert_int_equal(dpsec_replay_update(w, 1000000), OK);

			/* two lcores check one packet, both ICVs verify */
			assert_int_equal(dpsec_replay_check(w, 1000001, &s1),
					 OK);
			assert_int_equal(dpsec_replay_check(w, 1000001, &s2),
					 OK);
			assert_int_equal(s1, 1000001);
			assert_int_equal(s2, 1000001);
			assert_int_equal(dpsec_replay_update(w, s1), OK);
			memcpy(shadow, w, sz);
			assert_int_equal(dpsec_replay_update(w, s2), dup);
			assert_memory_equal(shadow, w, sz);

			/* a check, then another lcore moves the window */
			assert_int_equal(dpsec_replay_check(w, 1000003, &s3),
					 OK);
			assert_int_equal(dpsec_replay_update(w,
					1000003 + (uint64_t)win), OK);
			memcpy(shadow, w, sz);
			assert_int_equal(dpsec_replay_update(w, s3), old);
			assert_int_equal(dpsec_replay_update(w, 0), ZERO);
			assert_memory_equal(shadow, w, sz);
			free(shadow);
			free(w);
		}
	}
}

static uint64_t
rnd_next(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void
test_inv2_check_readonly(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull, s64;
	struct dpsec_replay *w;
	unsigned int esn, n;
	void *shadow;
	size_t i, sz;
	int rc;

	(void)state;
	for (i = 0; i < NB_WINDOWS; i++) {
		for (esn = 0; esn <= 1; esn++) {
			w = replay_new(windows[i], esn, &sz);
			shadow = malloc(sz);
			assert_non_null(shadow);
			assert_int_equal(dpsec_replay_update(w, BLOCK - 3 -
					esn * 7), OK);
			for (n = 0; n < READONLY_OPS; n++) {
				uint32_t seq = (uint32_t)(dpsec_replay_top(w) +
					rnd_next(&rng) % 4096 - 3072);

				memcpy(shadow, w, sz);
				rc = dpsec_replay_check(w, seq, &s64);
				assert_memory_equal(shadow, w, sz);
				if (rc == OK && n % 3 != 0)
					assert_int_equal(
						dpsec_replay_update(w, s64),
						OK);
			}
			free(shadow);
			free(w);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Randomized comparison with a reference model                        */

/*
 * The model keeps every accepted number in a set and T; nothing of the
 * bitmap. ESN inference (RFC 4303 A2.1) restated: the number is the one
 * with these low 32 bits in the 2^32 numbers starting at the left edge
 * T - W + 1; when that edge would be below 0 (only in block 0), the number
 * is the low bits alone.
 */
struct model {
	uint64_t top;
	uint32_t win;
	bool esn;
	uint64_t *set;		/* open addressing, 0 = empty */
};

static size_t
model_slot(uint64_t s)
{
	return (size_t)((s * UINT64_C(0x9e3779b97f4a7c15)) >>
			(64 - MODEL_SET_BITS));
}

static bool
model_has(const struct model *m, uint64_t s)
{
	size_t i;

	for (i = model_slot(s); m->set[i] != 0;
	     i = (i + 1) & ((1u << MODEL_SET_BITS) - 1))
		if (m->set[i] == s)
			return true;
	return false;
}

static void
model_add(struct model *m, uint64_t s)
{
	size_t i = model_slot(s);

	while (m->set[i] != 0)
		i = (i + 1) & ((1u << MODEL_SET_BITS) - 1);
	m->set[i] = s;
}

static int
model_judge(const struct model *m, uint64_t s)
{
	if (s == 0)
		return ZERO;
	if (!m->esn && s > UINT32_MAX)
		return OVERFLOW;
	if (m->win == 0 || s > m->top)
		return OK;
	if (m->top >= m->win && s <= m->top - m->win)
		return OLD;
	return model_has(m, s) ? DUP : OK;
}

static int
model_check(const struct model *m, uint32_t seq, uint64_t *s64)
{
	uint64_t wi = m->win != 0 ? m->win : HALF;
	uint64_t left, s;

	if (!m->esn) {
		*s64 = seq;
	} else if (m->top < wi - 1) {
		*s64 = seq;
	} else {
		left = m->top - (wi - 1);
		s = left + (uint32_t)(seq - (uint32_t)left);
		if (s < left) {
			*s64 = 0;
			return OVERFLOW;
		}
		*s64 = s;
	}
	return model_judge(m, *s64);
}

static int
model_update(struct model *m, uint64_t s)
{
	int rc = model_judge(m, s);

	if (rc != OK)
		return rc;
	if (m->win != 0 && !model_has(m, s))
		model_add(m, s);
	if (s > m->top)
		m->top = s;
	return OK;
}

static void
model_run(uint32_t win, bool esn, uint64_t start, uint64_t seed)
{
	uint64_t recent[MODEL_RECENT] = { 0 };
	uint64_t rng = seed, s_i, s_m, r, delta, base;
	unsigned int n, nb_recent = 0, nb_ok = 0, nb_dup = 0, nb_old = 0;
	unsigned int nb_ovf = 0, nb_upd = 0;
	struct model m = { .win = win, .esn = esn };
	struct dpsec_replay *w;
	void *shadow;
	size_t sz;
	int rc_i, rc_m;
	uint32_t seq;

	m.set = calloc((size_t)1 << MODEL_SET_BITS, sizeof(uint64_t));
	assert_non_null(m.set);
	w = replay_new(win, esn, &sz);
	shadow = malloc(sz);
	assert_non_null(shadow);
	if (start != 0) {
		assert_int_equal(dpsec_replay_update(w, start), OK);
		assert_int_equal(model_update(&m, start), OK);
	}

	for (n = 0; n < MODEL_OPS; n++) {
		r = rnd_next(&rng) % 1000;
		base = m.top;
		if (r < 450) {		/* near T, either side of the edge */
			delta = rnd_next(&rng) % ((uint64_t)win + 140);
			s_m = base + 70 - delta;
		} else if (r < 650) {	/* a duplicate */
			s_m = recent[rnd_next(&rng) % MODEL_RECENT];
		} else if (r < 800) {	/* ahead, up to a few windows */
			s_m = base + 1 + rnd_next(&rng) % (3ull * win + 200);
		} else if (r < 830 && !esn) {
			/* a jump; the 32-bit space must last the run */
			s_m = base + rnd_next(&rng) % (1u << 20);
		} else if (r < 810) {	/* a big jump */
			s_m = base + rnd_next(&rng) % (BLOCK * 2);
		} else if (r < 830) {	/* anything */
			s_m = rnd_next(&rng);
		} else if (r < 850) {	/* far behind */
			s_m = base - rnd_next(&rng) % BLOCK;
		} else {
			s_m = 0;	/* a racing update, below */
		}
		/*
		 * Without ESN, a number "behind" 0 would wrap to a random
		 * 32-bit one and end the space at once: send 0 instead.
		 */
		if (!esn && s_m > base + (1u << 21))
			s_m = 0;

		if (r >= 850) {
			/* an update whose check another lcore overtook */
			delta = rnd_next(&rng) % (2ull * win + 2);
			s_m = rnd_next(&rng) & 1 || delta > base ?
				recent[rnd_next(&rng) % MODEL_RECENT] :
				base - delta;
			/* without ESN, also numbers beyond 2^32 - 1 */
			if (!esn && s_m > base && r % 2)
				s_m = 0;
			memcpy(shadow, w, sz);
			rc_i = dpsec_replay_update(w, s_m);
			rc_m = model_update(&m, s_m);
			if (rc_i != rc_m ||
			    (rc_i != OK && memcmp(shadow, w, sz) != 0))
				fail_msg("W=%u esn=%d seed %#" PRIx64 " op %u:"
					 " update(%#" PRIx64 ") = %s, model %s",
					 win, esn, seed, n, s_m,
					 dpsec_replay_strerror(rc_i),
					 dpsec_replay_strerror(rc_m));
			nb_upd++;
			goto compare_top;
		}

		seq = (uint32_t)s_m;
		if (n % 64 == 0)
			memcpy(shadow, w, sz);
		rc_i = dpsec_replay_check(w, seq, &s_i);
		rc_m = model_check(&m, seq, &s_m);
		if (n % 64 == 0 && memcmp(shadow, w, sz) != 0)
			fail_msg("W=%u esn=%d op %u: check wrote", win, esn,
				 n);
		if (rc_i != rc_m || s_i != s_m)
			fail_msg("W=%u esn=%d seed %#" PRIx64 " op %u: T %#"
				 PRIx64 " check(%#x) = %s %#" PRIx64
				 ", model %s %#" PRIx64, win, esn, seed, n,
				 m.top, seq, dpsec_replay_strerror(rc_i), s_i,
				 dpsec_replay_strerror(rc_m), s_m);
		nb_ok += rc_m == OK;
		nb_dup += rc_m == DUP;
		nb_old += rc_m == OLD;
		nb_ovf += rc_m == OVERFLOW;
		/* the ICV verifies for 7 packets in 8 */
		if (rc_i != OK || rnd_next(&rng) % 8 == 0)
			goto compare_top;
		rc_i = dpsec_replay_update(w, s_i);
		rc_m = model_update(&m, s_m);
		if (rc_i != OK || rc_m != OK)
			fail_msg("W=%u esn=%d op %u: update(%#" PRIx64
				 ") = %s, model %s", win, esn, n, s_i,
				 dpsec_replay_strerror(rc_i),
				 dpsec_replay_strerror(rc_m));
		recent[nb_recent++ % MODEL_RECENT] = s_i;
compare_top:
		if (dpsec_replay_top(w) != m.top)
			fail_msg("W=%u esn=%d op %u: T %#" PRIx64 ", model %#"
				 PRIx64, win, esn, n, dpsec_replay_top(w),
				 m.top);
	}
	print_message("W=%u esn=%d start %#" PRIx64 ": ok %u dup %u old %u "
		      "overflow %u raced updates %u, T %#" PRIx64 "\n",
		      win, esn, start, nb_ok, nb_dup, nb_old, nb_ovf, nb_upd,
		      m.top);
	/* the mix must have exercised what it claims to */
	if (start == 0)
		assert_true(nb_ok > MODEL_OPS / 4);
	if (win > 1)
		assert_true(nb_dup > 100);
	if (win != 0 && !esn)
		assert_true(nb_old > 100);
	free(shadow);
	free(w);
	free(m.set);
}

static void
test_model(void **state)
{
	const uint32_t win = *(const uint32_t *)*state;

	model_run(win, false, 0, 0x1234567ull + win);
	/* up to the end of the 32-bit space */
	model_run(win, false, UINT32_MAX - (1u << 24), 0x1357913ull + win);
	model_run(win, true, 0, 0x2345678ull + win);
	/* ESN across 2^32 */
	model_run(win, true, BLOCK - 3ull * win - 1000, 0x3456789ull + win);
	/* ESN up to the end of the 64-bit space */
	model_run(win, true, UINT64_MAX - 4 * BLOCK, 0x456789aull + win);
}

/* ------------------------------------------------------------------ */

#define PER_WINDOW(fn) \
	{ #fn "/W=0", fn, NULL, NULL, (void *)&windows[0] }, \
	{ #fn "/W=1", fn, NULL, NULL, (void *)&windows[1] }, \
	{ #fn "/W=32", fn, NULL, NULL, (void *)&windows[2] }, \
	{ #fn "/W=63", fn, NULL, NULL, (void *)&windows[3] }, \
	{ #fn "/W=64", fn, NULL, NULL, (void *)&windows[4] }, \
	{ #fn "/W=1000", fn, NULL, NULL, (void *)&windows[5] }, \
	{ #fn "/W=1024", fn, NULL, NULL, (void *)&windows[6] }, \
	{ #fn "/W=4096", fn, NULL, NULL, (void *)&windows[7] }, \
	{ #fn "/W=65536", fn, NULL, NULL, (void *)&windows[8] }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_init),
		cmocka_unit_test(test_strerror),
		PER_WINDOW(test_table_seq32),
		PER_WINDOW(test_table_esn),
		cmocka_unit_test(test_update_recheck),
		cmocka_unit_test(test_inv2_check_readonly),
		PER_WINDOW(test_model),
	};

	_Static_assert(NB_WINDOWS == 9, "PER_WINDOW lists 9 windows");
	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
