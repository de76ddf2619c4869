/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TEST_UNIT_UTIL_H
#define DPSEC_TEST_UNIT_UTIL_H

/*
 * What the crypto-layer unit tests share (test_crypto.c, test_tls_rec.c,
 * test_tls_keys.c): hex vectors, reproducible randomness, one engine per
 * backend. Include after <cmocka.h> and "crypto.h"; one test program per
 * file, so the definitions are static.
 */

#include <stddef.h>
#include <stdint.h>

#define NB_BACKENDS DPSEC_CRYPTO_BACKEND_MAX

/* Engines, one per backend (setup_engines()/teardown_engines()). */
static struct dpsec_crypto_engine *eng[NB_BACKENDS];

/* Parse hex (spaces ignored, either case) into out; the byte count. */
static inline size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s != '\0'; s++) {
		int v = 0;

		if (*s == ' ')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			fail_msg("bad hex digit '%c'", *s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

/* xorshift64*: reproducible randomness. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static inline void
rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static inline int
setup_engines(void **state)
{
	(void)state;
	for (int b = 0; b < NB_BACKENDS; b++) {
		eng[b] = dpsec_crypto_engine_create(b);
		if (eng[b] == NULL)
			return -1;
	}
	return 0;
}

static inline int
teardown_engines(void **state)
{
	(void)state;
	for (int b = 0; b < NB_BACKENDS; b++)
		dpsec_crypto_engine_free(eng[b]);
	return 0;
}

#endif /* DPSEC_TEST_UNIT_UTIL_H */
