/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 dpsec authors
 */

/*
 * Invariant 4 (../../doc/security_model.md): the tag comparison takes the
 * same time wherever the tags differ. A dudect-style check (Reparaz,
 * Balasch, Verbauwhede, "Dude, is my code constant time?", 2017): two
 * classes of input that differ only in where a wrong tag differs from
 * the right one (its first byte or its last), measured in random
 * interleaving with the TSC, many calls per measurement, and compared by
 * Welch's t-test on the measurements below several percentiles.
 *
 * What could fool it: a machine too noisy to see anything. So every
 * check runs next to a reference that does leak, by exactly the early
 * exit a naive comparison has, at the same cost otherwise, in the same
 * run: the reference must be seen (|t| over LEAK_T), the code under test
 * must not (|t| under CT_T). dudect calls |t| > 10 "definitely not
 * constant time"; under 4.5 "no evidence". This is a sanity check of the
 * compiled code on this machine, not a proof; the proof is the review
 * (crypto.h, dpsec_crypto_ct_neq(): no branch on the data; OpenSSL's
 * CRYPTO_memcmp and its AEAD tag checks).
 *
 * Not a benchmark: no time is compared with a target, only the two
 * classes with each other.
 */

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/crypto.h>
#include <rte_cycles.h>

/* dpsec_crypto_ct_neq() is the backends' own, in the internal part. */
#define DPSEC_CRYPTO_INTERNAL
#include "crypto.h"

enum {
	NB_MEAS = 40000,	/* measurements per check, both classes */
	NB_PCT = 5,		/* crops: all, and below 4 percentiles */
};

/* |t| the leaking reference must exceed, and the tested code stay under. */
#define LEAK_T 10.0
#define CT_T 10.0

/* One measured unit of work on the wrong tag in tag_in (class 0: it
 * differs from the right one in its first byte, 1: in its last). Returns
 * something the compiler must keep. */
typedef unsigned int (*work_fn)(void);

/* The wrong tag under test: each measurement copies its class's into
 * this one buffer first (untimed), so the classes differ in the bytes
 * only, not in where they are read from. */
static uint8_t tag_ok[16], tag_bad[2][16], tag_in[16];
static const uint8_t *cls_tag[2];

/* The leaking reference: what a memcmp() written naively does. The
 * volatile reads keep the compiler from vectorising the early exit away. */
static int
naive_neq(const uint8_t *a, const uint8_t *b, size_t n)
{
	const volatile uint8_t *va = a, *vb = b;

	for (size_t i = 0; i < n; i++)
		if (va[i] != vb[i])
			return 1;
	return 0;
}

static void
classes_init(size_t n)
{
	for (size_t i = 0; i < sizeof(tag_ok); i++)
		tag_ok[i] = (uint8_t)(0x5a ^ (i * 29));
	memcpy(tag_bad[0], tag_ok, sizeof(tag_ok));
	memcpy(tag_bad[1], tag_ok, sizeof(tag_ok));
	tag_bad[0][0] ^= 0x01;
	tag_bad[1][n - 1] ^= 0x80;
	cls_tag[0] = tag_bad[0];
	cls_tag[1] = tag_bad[1];
}

/* ---- comparisons alone: 64 calls per measurement ---- */

enum { CMP_CALLS = 64 };

static unsigned int
w_ct_neq(void)
{
	unsigned int r = 0;

	for (int i = 0; i < CMP_CALLS; i++)
		r += (unsigned int)dpsec_crypto_ct_neq(tag_ok, tag_in, 16);
	return r;
}

static unsigned int
w_crypto_memcmp(void)
{
	unsigned int r = 0;

	for (int i = 0; i < CMP_CALLS; i++)
		r += CRYPTO_memcmp(tag_ok, tag_in, 16) != 0;
	return r;
}

static unsigned int
w_naive(void)
{
	unsigned int r = 0;

	for (int i = 0; i < CMP_CALLS; i++)
		r += (unsigned int)naive_neq(tag_ok, tag_in, 16);
	return r;
}

/* ---- AEAD open with a wrong tag, through dpsec's crypto layer ---- */

enum { OPEN_LEN = 64, OPEN_CALLS = 4 };

static struct dpsec_crypto_engine *open_eng;
static struct dpsec_crypto_key open_key;
static uint8_t open_nonce[12], open_aad[8], open_ct[OPEN_LEN],
	open_out[OPEN_LEN], open_tag[2][16], open_right[16];

static void
open_init(enum dpsec_crypto_backend b, enum dpsec_crypto_cipher c)
{
	uint8_t key[32], pt[OPEN_LEN], tag[16];

	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (unsigned int i = 0; i < OPEN_LEN; i++)
		pt[i] = (uint8_t)i;
	memset(open_nonce, 0x21, sizeof(open_nonce));
	memset(open_aad, 0x42, sizeof(open_aad));
	open_eng = dpsec_crypto_engine_create(b);
	assert_non_null(open_eng);
	assert_int_equal(dpsec_crypto_key_init(&open_key, b, c, key,
		c == DPSEC_CRYPTO_CIPHER_AES_GCM_128 ? 16 : 32,
		DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
	assert_int_equal(dpsec_aead_seal(open_eng, &open_key, open_nonce,
		open_aad, sizeof(open_aad), pt, open_ct, OPEN_LEN, tag), 0);
	memcpy(open_right, tag, 16);
	memcpy(open_tag[0], tag, 16);
	memcpy(open_tag[1], tag, 16);
	open_tag[0][0] ^= 0x01;
	open_tag[1][15] ^= 0x80;
	cls_tag[0] = open_tag[0];
	cls_tag[1] = open_tag[1];
	/* Both classes fail, and only with the wrong tag. */
	assert_int_equal(dpsec_aead_open(open_eng, &open_key, open_nonce,
		open_aad, sizeof(open_aad), open_ct, open_out, OPEN_LEN, tag), 0);
	for (int k = 0; k < 2; k++)
		assert_int_equal(dpsec_aead_open(open_eng, &open_key,
			open_nonce, open_aad, sizeof(open_aad), open_ct,
			open_out, OPEN_LEN, open_tag[k]), -EBADMSG);
}

static void
open_fini(void)
{
	dpsec_crypto_key_wipe(&open_key);
	dpsec_crypto_engine_free(open_eng);
	open_eng = NULL;
}

static unsigned int
w_open(void)
{
	unsigned int r = 0;

	for (int i = 0; i < OPEN_CALLS; i++)
		r += dpsec_aead_open(open_eng, &open_key, open_nonce, open_aad,
			sizeof(open_aad), open_ct, open_out, OPEN_LEN,
			tag_in) == -EBADMSG;
	return r;
}

/* The reference at the same cost: an open's work (a seal computes a tag
 * over as many bytes), then the right tag compared naively. */
static unsigned int
w_open_naive(void)
{
	unsigned int r = 0;
	uint8_t calc[16];

	for (int i = 0; i < OPEN_CALLS; i++) {
		dpsec_aead_seal(open_eng, &open_key, open_nonce, open_aad,
			sizeof(open_aad), open_ct, open_out, OPEN_LEN, calc);
		r += (unsigned int)naive_neq(open_right, tag_in, 16);
	}
	return r;
}

/* ---- the measurement and Welch's t-test ---- */

static uint64_t meas[NB_MEAS];
static uint8_t cls_of[NB_MEAS];
static volatile unsigned int sink;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Welch's t over the measurements not above @cut. */
static double
welch_t(uint64_t cut)
{
	double n[2] = { 0, 0 }, mean[2] = { 0, 0 }, m2[2] = { 0, 0 };

	for (unsigned int i = 0; i < NB_MEAS; i++) {
		int c = cls_of[i];
		double x = (double)meas[i], d;

		if (meas[i] > cut)
			continue;
		n[c] += 1;
		d = x - mean[c];
		mean[c] += d / n[c];
		m2[c] += d * (x - mean[c]);
	}
	if (n[0] < 2 || n[1] < 2)
		return 0;
	return (mean[0] - mean[1]) /
	       sqrt(m2[0] / (n[0] - 1) / n[0] + m2[1] / (n[1] - 1) / n[1]);
}

/* The largest |t| over the crops (dudect's way: the lower part of the
 * distribution is the least disturbed by interrupts and neighbours). */
static double
max_abs_t(work_fn fn)
{
	static uint64_t sorted[NB_MEAS];
	static const double pct[NB_PCT] = { 1.0, 0.9, 0.75, 0.5, 0.25 };
	double best = 0;

	srand(6);
	for (unsigned int i = 0; i < NB_MEAS; i++)
		cls_of[i] = (uint8_t)(rand() & 1);
	for (unsigned int i = 0; i < 1000; i++) {	/* warm up */
		memcpy(tag_in, cls_tag[i & 1], sizeof(tag_in));
		sink += fn();
	}
	for (unsigned int i = 0; i < NB_MEAS; i++) {
		uint64_t t0;

		memcpy(tag_in, cls_tag[cls_of[i]], sizeof(tag_in));
		t0 = rte_rdtsc_precise();
		sink += fn();
		meas[i] = rte_rdtsc_precise() - t0;
	}
	memcpy(sorted, meas, sizeof(meas));
	qsort(sorted, NB_MEAS, sizeof(sorted[0]), cmp_u64);
	for (unsigned int p = 0; p < NB_PCT; p++) {
		unsigned int k = (unsigned int)(pct[p] * (NB_MEAS - 1));
		double t = fabs(welch_t(sorted[k]));

		if (t > best)
			best = t;
	}
	return best;
}

/* The reference must be seen and @fn not. */
static void
check_ct(const char *what, work_fn fn, work_fn leaky)
{
	double tl = max_abs_t(leaky), tc = max_abs_t(fn);

	print_message("%s: |t| %.1f (a naive comparison in its place: %.1f)\n",
		      what, tc, tl);
	if (tl <= LEAK_T)
		fail_msg("%s: the leaking reference gives only |t| %.1f: this "
			 "machine is too noisy to tell", what, tl);
	if (tc >= CT_T)
		fail_msg("%s: |t| %.1f: its time depends on where the tags "
			 "differ", what, tc);
}

static void
test_inv4_ct_neq(void **state)
{
	(void)state;
	classes_init(16);
	check_ct("dpsec_crypto_ct_neq", w_ct_neq, w_naive);
}

static void
test_inv4_crypto_memcmp(void **state)
{
	(void)state;
	classes_init(16);
	check_ct("CRYPTO_memcmp", w_crypto_memcmp, w_naive);
}

static void
test_inv4_aead_open(void **state)
{
	static const struct {
		const char *name;
		enum dpsec_crypto_backend b;
		enum dpsec_crypto_cipher c;
	} rows[] = {
		{ "open ipsec-mb aes-gcm-128", DPSEC_CRYPTO_IPSEC_MB,
		  DPSEC_CRYPTO_CIPHER_AES_GCM_128 },
		{ "open ipsec-mb chacha20-poly1305", DPSEC_CRYPTO_IPSEC_MB,
		  DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 },
		{ "open openssl aes-gcm-128", DPSEC_CRYPTO_OPENSSL,
		  DPSEC_CRYPTO_CIPHER_AES_GCM_128 },
		{ "open openssl chacha20-poly1305", DPSEC_CRYPTO_OPENSSL,
		  DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 },
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		open_init(rows[i].b, rows[i].c);
		check_ct(rows[i].name, w_open, w_open_naive);
		open_fini();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inv4_ct_neq),
		cmocka_unit_test(test_inv4_crypto_memcmp),
		cmocka_unit_test(test_inv4_aead_open),
	};

	return cmocka_run_group_tests_name("unit-ct-timing", tests, NULL,
					   NULL);
}
