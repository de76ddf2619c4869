/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS record framing tests (lib/common/tls_rec.c): nonces and additional
 * data against hand-computed values, the header check table at every
 * boundary, records framed and sealed here then opened with OpenSSL EVP
 * (and EVP-made records opened here, tampered part by part), and the
 * record cursor against a reference walk over every split size.
 */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "unit_util.h"
#include "tls_rec.h"

#define REC_MAX (DPSEC_TLS_HDR_LEN + DPSEC_TLS12_MAX_REC)

/* The suites under test: version x TLS AEAD. */
static const struct {
	uint16_t ver;
	enum dpsec_crypto_cipher c;
} suites[] = {
	{ DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_AES_GCM_128 },
	{ DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_AES_GCM_256 },
	{ DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 },
	{ DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_AES_GCM_128 },
	{ DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_AES_GCM_256 },
	{ DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 },
};
#define NB_SUITES (sizeof(suites) / sizeof(suites[0]))

static bool
is_gcm12(uint16_t ver, enum dpsec_crypto_cipher c)
{
	return ver == DPSEC_TLS_VER_1_2 &&
	       c != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305;
}

/* A suite with a random implicit nonce (saved in iv[12]). */
static void
suite_make(unsigned int i, struct dpsec_tls_suite *s, uint8_t iv[12])
{
	uint8_t n = is_gcm12(suites[i].ver, suites[i].c) ? 4 : 12;

	memset(iv, 0, 12);
	rnd_fill(iv, n);
	assert_int_equal(dpsec_tls_suite_init(s, suites[i].ver, suites[i].c,
					      iv, n), 0);
}

static const EVP_CIPHER *
evp_of(enum dpsec_crypto_cipher c)
{
	switch (c) {
	case DPSEC_CRYPTO_CIPHER_AES_GCM_128:
		return EVP_aes_128_gcm();
	case DPSEC_CRYPTO_CIPHER_AES_GCM_256:
		return EVP_aes_256_gcm();
	case DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		fail_msg("no EVP cipher for %d", c);
		return NULL;
	}
}

/* One AEAD operation on OpenSSL EVP, independent of the crypto layer. */
static int
evp_aead(int enc, enum dpsec_crypto_cipher c, const uint8_t *key,
	 const uint8_t nonce[12], const uint8_t *aad, int aad_len,
	 const uint8_t *in, uint8_t *out, int len, uint8_t tag[16])
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int ok, n = 0, f = 0;

	assert_non_null(x);
	ok = EVP_CipherInit_ex(x, evp_of(c), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_CipherInit_ex(x, NULL, NULL, key, nonce, enc) == 1 &&
	     EVP_CipherUpdate(x, NULL, &n, aad, aad_len) == 1 &&
	     (len == 0 || EVP_CipherUpdate(x, out, &n, in, len) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16,
					 tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(x, out + (len == 0 ? 0 : n), &f) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16,
					 tag) == 1;
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -1;
}

/* The test's own nonce and AAD (RFC 5288 §3, RFC 7905 §2, RFC 8446
 * §5.2-5.3, RFC 5246 §6.2.3.3), from the record bytes. */
static void
ref_nonce(uint16_t ver, enum dpsec_crypto_cipher c, const uint8_t iv[12],
	  uint64_t seq, const uint8_t *rec, uint8_t nonce[12])
{
	int i;

	if (is_gcm12(ver, c)) {
		memcpy(nonce, iv, 4);
		memcpy(nonce + 4, rec + 5, 8);
		return;
	}
	memcpy(nonce, iv, 12);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
}

static int
ref_aad(uint16_t ver, enum dpsec_crypto_cipher c, uint64_t seq,
	const uint8_t *rec, uint8_t aad[13])
{
	unsigned int len = (unsigned int)(rec[3] << 8 | rec[4]);
	int i;

	if (ver == DPSEC_TLS_VER_1_3) {
		memcpy(aad, rec, 5);
		return 5;
	}
	len -= 16 + (is_gcm12(ver, c) ? 8 : 0);
	for (i = 0; i < 8; i++)
		aad[i] = (uint8_t)(seq >> (56 - 8 * i));
	memcpy(aad + 8, rec, 3);
	aad[11] = (uint8_t)(len >> 8);
	aad[12] = (uint8_t)len;
	return 13;
}

/* ---------------------------------------------------------------------- */

static void
test_suite_init(void **state)
{
	struct dpsec_tls_suite s;
	uint8_t iv[12] = { 0 };

	(void)state;
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 4), 0);
	assert_int_equal(s.explicit_len, 8);
	assert_int_equal(s.tag_len, 16);
	assert_int_equal(s.min_rec, 24);
	assert_int_equal(s.max_rec, 16384 + 2048);
	assert_int_equal(dpsec_tls_rec_prefix(&s), 13);
	assert_int_equal(dpsec_tls_rec_len(&s, 100, 0), 5 + 8 + 100 + 16);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, iv, 12), 0);
	assert_int_equal(s.explicit_len, 0);
	assert_int_equal(s.min_rec, 16);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_256, iv, 12), 0);
	assert_int_equal(s.explicit_len, 0);
	assert_int_equal(s.min_rec, 17);
	assert_int_equal(s.max_rec, 16384 + 256);
	assert_int_equal(dpsec_tls_rec_len(&s, 100, 7), 5 + 100 + 1 + 7 + 16);
	/* Refused: versions, non-TLS ciphers, IV lengths. */
	assert_int_equal(dpsec_tls_suite_init(&s, 0x0302,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 4), -EINVAL);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_192, iv, 12), -EINVAL);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_AES_CBC_128, iv, 4), -EINVAL);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_MAX, iv, 4), -EINVAL);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 12), -EINVAL);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, iv, 4), -EINVAL);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 4), -EINVAL);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, NULL, 12), -EINVAL);
}

static void
test_nonce(void **state)
{
	struct dpsec_tls_suite s;
	uint8_t iv[12], ex[8], got[12], want[12];

	(void)state;
	/* TLS 1.2 AES-GCM: salt || explicit; the record number unused. */
	unhex("01020304", iv, 4);
	unhex("1122334455667788", ex, 8);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 4), 0);
	dpsec_tls_nonce(&s, 0xdeadbeef, ex, got);
	unhex("01020304 1122334455667788", want, 12);
	assert_memory_equal(got, want, 12);

	/* TLS 1.2 ChaCha20-Poly1305: IV XOR 0^4 || seq (hand-computed). */
	unhex("a0a1a2a3a4a5a6a7a8a9aaab", iv, 12);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, iv, 12), 0);
	dpsec_tls_nonce(&s, 0x0102030405060708ULL, NULL, got);
	unhex("a0a1a2a3 a5a7a5a3adafada3", want, 12);
	assert_memory_equal(got, want, 12);

	/* TLS 1.3 with RFC 8448's server application IV. */
	unhex("cf782b88dd83549aadf1e984", iv, 12);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 12), 0);
	dpsec_tls_nonce(&s, 0, NULL, got);
	assert_memory_equal(got, iv, 12);
	dpsec_tls_nonce(&s, 1, NULL, got);
	unhex("cf782b88dd83549aadf1e985", want, 12);
	assert_memory_equal(got, want, 12);
	dpsec_tls_nonce(&s, UINT64_MAX, NULL, got);
	unhex("cf782b88 227cab65520e167b", want, 12);
	assert_memory_equal(got, want, 12);
	dpsec_tls_nonce(&s, 0x0100000000000000ULL, NULL, got);
	unhex("cf782b88 dc83549aadf1e984", want, 12);
	assert_memory_equal(got, want, 12);
}

static void
test_aad(void **state)
{
	struct dpsec_tls_suite s;
	uint8_t iv[12] = { 0 }, hdr[5], aad[DPSEC_TLS_AAD_MAX], want[13];

	(void)state;
	/* 1.2 GCM: length 0x30 = 8 + 24 + 16, plaintext 24. */
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 4), 0);
	unhex("1703030030", hdr, 5);
	assert_int_equal(dpsec_tls_aad(&s, 0x0102030405060708ULL, hdr, aad),
			 13);
	unhex("0102030405060708 17 0303 0018", want, 13);
	assert_memory_equal(aad, want, 13);
	/* 1.2 ChaCha, an alert: length 0x28 = 24 + 16. */
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, iv, 12), 0);
	unhex("1503030028", hdr, 5);
	assert_int_equal(dpsec_tls_aad(&s, 0xff, hdr, aad), 13);
	unhex("00000000000000ff 15 0303 0018", want, 13);
	assert_memory_equal(aad, want, 13);
	/* 1.3: the header itself, whatever the record number. */
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 12), 0);
	unhex("1703030043", hdr, 5);
	memset(aad, 0xee, sizeof(aad));
	assert_int_equal(dpsec_tls_aad(&s, 77, hdr, aad), 5);
	assert_memory_equal(aad, hdr, 5);
	assert_int_equal(aad[5], 0xee);
}

/* Header check table, per version: every reason, every boundary. */
static void
test_hdr_check(void **state)
{
	static const struct {
		uint16_t ver;
		enum dpsec_crypto_cipher c;
		uint8_t type;
		uint16_t version;
		int len;	/* < 0: -1 = min_rec - 1, -2 = min_rec,
				 * -3 = max_rec, -4 = max_rec + 1 */
		enum dpsec_tls_hdr_err want;
	} t[] = {
#define G12 DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_AES_GCM_128
#define C12 DPSEC_TLS_VER_1_2, DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305
#define G13 DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_AES_GCM_256
#define C13 DPSEC_TLS_VER_1_3, DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305
		{ G12, 23, 0x0303, 100, DPSEC_TLS_HDR_OK },
		{ G12, 20, 0x0303, 100, DPSEC_TLS_HDR_OK },
		{ G12, 21, 0x0303, 100, DPSEC_TLS_HDR_OK },
		{ G12, 22, 0x0303, 100, DPSEC_TLS_HDR_OK },
		{ G12, 24, 0x0303, 100, DPSEC_TLS_HDR_OK },
		{ G12, 19, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G12, 25, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G12, 0, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G12, 0x80, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G12, 23, 0x0301, 100, DPSEC_TLS_HDR_BAD_VERSION },
		{ G12, 23, 0x0304, 100, DPSEC_TLS_HDR_BAD_VERSION },
		{ G12, 23, 0x0203, 100, DPSEC_TLS_HDR_BAD_VERSION },
		{ G12, 23, 0x0303, -1, DPSEC_TLS_HDR_TOO_SHORT },
		{ G12, 23, 0x0303, -2, DPSEC_TLS_HDR_OK },
		{ G12, 23, 0x0303, -3, DPSEC_TLS_HDR_OK },
		{ G12, 23, 0x0303, -4, DPSEC_TLS_HDR_TOO_LONG },
		{ G12, 23, 0x0303, 0, DPSEC_TLS_HDR_TOO_SHORT },
		{ G12, 23, 0x0303, 0xffff, DPSEC_TLS_HDR_TOO_LONG },
		/* The type is checked first, then the version. */
		{ G12, 25, 0x0301, 0, DPSEC_TLS_HDR_BAD_TYPE },
		{ G12, 23, 0x0301, 0, DPSEC_TLS_HDR_BAD_VERSION },
		{ C12, 22, 0x0303, -1, DPSEC_TLS_HDR_TOO_SHORT },
		{ C12, 22, 0x0303, -2, DPSEC_TLS_HDR_OK },
		{ C12, 22, 0x0303, -3, DPSEC_TLS_HDR_OK },
		{ C12, 22, 0x0303, -4, DPSEC_TLS_HDR_TOO_LONG },
		{ C12, 18, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G13, 23, 0x0303, 100, DPSEC_TLS_HDR_OK },
		{ G13, 22, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G13, 21, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G13, 20, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G13, 24, 0x0303, 100, DPSEC_TLS_HDR_BAD_TYPE },
		{ G13, 23, 0x0304, 100, DPSEC_TLS_HDR_BAD_VERSION },
		{ G13, 23, 0x0301, 100, DPSEC_TLS_HDR_BAD_VERSION },
		{ G13, 23, 0x0303, -1, DPSEC_TLS_HDR_TOO_SHORT },
		{ G13, 23, 0x0303, -2, DPSEC_TLS_HDR_OK },
		{ G13, 23, 0x0303, -3, DPSEC_TLS_HDR_OK },
		{ G13, 23, 0x0303, -4, DPSEC_TLS_HDR_TOO_LONG },
		{ G13, 23, 0x0303, 16, DPSEC_TLS_HDR_TOO_SHORT },
		{ C13, 23, 0x0303, -1, DPSEC_TLS_HDR_TOO_SHORT },
		{ C13, 23, 0x0303, -2, DPSEC_TLS_HDR_OK },
		{ C13, 23, 0x0303, -3, DPSEC_TLS_HDR_OK },
		{ C13, 23, 0x0303, -4, DPSEC_TLS_HDR_TOO_LONG },
#undef G12
#undef C12
#undef G13
#undef C13
	};
	/* The limits, written out from the RFCs rather than read from the
	 * suite: min = explicit + tag (+1 inner type in 1.3), max = 2^14 +
	 * 2048 (RFC 5246 §6.2.3) or 2^14 + 256 (RFC 8446 §5.2). */
	struct dpsec_tls_suite s;
	uint8_t iv[12] = { 0 }, hdr[5];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool v13 = t[i].ver == DPSEC_TLS_VER_1_3;
		int min = v13 ? 17 : is_gcm12(t[i].ver, t[i].c) ? 24 : 16;
		int max = v13 ? 16640 : 18432;
		int len = t[i].len;

		assert_int_equal(dpsec_tls_suite_init(&s, t[i].ver, t[i].c, iv,
				is_gcm12(t[i].ver, t[i].c) ? 4 : 12), 0);
		if (len == -1)
			len = min - 1;
		else if (len == -2)
			len = min;
		else if (len == -3)
			len = max;
		else if (len == -4)
			len = max + 1;
		hdr[0] = t[i].type;
		hdr[1] = (uint8_t)(t[i].version >> 8);
		hdr[2] = (uint8_t)t[i].version;
		hdr[3] = (uint8_t)(len >> 8);
		hdr[4] = (uint8_t)len;
		if (dpsec_tls_hdr_check(&s, hdr) != t[i].want)
			fail_msg("row %u: got %d want %d", i,
				 dpsec_tls_hdr_check(&s, hdr), t[i].want);
		assert_int_equal(dpsec_tls_hdr_len(hdr), len);
	}
}

static void
test_rec_frame(void **state)
{
	static uint8_t rec[REC_MAX];
	struct dpsec_tls_suite s;
	uint8_t iv[12] = { 0 }, want[32];

	(void)state;
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 4), 0);
	memset(rec, 0xaa, 64);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 22, 3, 0,
			0x0102030405060708ULL), 13);
	/* length 8 + 3 + 16 = 27 */
	unhex("160303001b 0102030405060708", want, 13);
	assert_memory_equal(rec, want, 13);
	assert_int_equal(rec[13], 0xaa);	/* plaintext untouched */
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 23, 1, 1, 0), -EINVAL);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 19, 1, 0, 0), -EINVAL);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 25, 1, 0, 0), -EINVAL);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 23, 16385, 0, 0),
			 -EINVAL);

	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_2,
			DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, iv, 12), 0);
	memset(rec, 0xaa, 64);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 21, 2, 0, 9), 5);
	unhex("1503030012", want, 5);
	assert_memory_equal(rec, want, 5);
	assert_int_equal(rec[5], 0xaa);

	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 12), 0);
	memset(rec, 0xaa, 64);
	/* Inner type 22 after 4 bytes, 3 zeros, then the tag room:
	 * length 4 + 1 + 3 + 16 = 24. */
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 22, 4, 3, 0), 5);
	unhex("1703030018 aaaaaaaa 16 000000 aa", want, 14);
	assert_memory_equal(rec, want, 14);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 23, 16384, 0, 0), 5);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 23, 16384, 1, 0),
			 -EINVAL);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 23, 16000, 385, 0),
			 -EINVAL);
	assert_int_equal(dpsec_tls_rec_frame(&s, rec, 0, 1, 0, 0), -EINVAL);
}

/* Plaintext lengths and paddings of the seal/open matrix. */
static const uint16_t plens[] = { 0, 1, 15, 16, 100, 1500, 16384 };
static const uint16_t pads[] = { 0, 1, 200 };

/* rec_frame + rec_seal here, opened with EVP directly. */
static void
test_seal_vs_evp(void **state)
{
	static uint8_t rec[REC_MAX], plain[DPSEC_TLS_MAX_PLAIN], out[REC_MAX];
	struct dpsec_crypto_key key;
	struct dpsec_tls_suite s;
	uint8_t iv[12], k[32], nonce[12], aad[13], tag[16];
	unsigned int b, i, li, pi;

	(void)state;
	for (b = 0; b < NB_BACKENDS; b++)
	for (i = 0; i < NB_SUITES; i++)
	for (li = 0; li < sizeof(plens) / sizeof(plens[0]); li++)
	for (pi = 0; pi < sizeof(pads) / sizeof(pads[0]); pi++) {
		bool v13 = suites[i].ver == DPSEC_TLS_VER_1_3;
		const struct dpsec_crypto_cipher_info *ci =
			dpsec_crypto_cipher_info_get(suites[i].c);
		uint16_t plen = plens[li], pad = pads[pi];
		uint64_t seq = rnd();
		uint32_t rlen, body;
		int prefix, alen;

		if (!v13 && pad != 0)
			continue;
		if ((uint32_t)plen + pad > DPSEC_TLS_MAX_PLAIN)
			continue;
		suite_make(i, &s, iv);
		rnd_fill(k, ci->key_len);
		assert_int_equal(dpsec_crypto_key_init(&key, b, suites[i].c,
				k, ci->key_len, DPSEC_CRYPTO_AUTH_NULL, NULL, 0),
				0);
		rnd_fill(plain, plen);
		rlen = dpsec_tls_rec_len(&s, plen, pad);
		prefix = dpsec_tls_rec_frame(&s, rec, 23 - (plen % 3), plen,
					     pad, seq);
		assert_int_equal(prefix, is_gcm12(suites[i].ver, suites[i].c) ?
				 13 : 5);
		memcpy(rec + prefix, plain, plen);
		assert_int_equal(dpsec_tls_rec_seal(eng[b], &key, &s, seq, rec,
						    rlen), 0);
		/* Header and explicit nonce as the RFCs say. */
		assert_int_equal(rec[0], v13 ? 23 : 23 - (plen % 3));
		assert_int_equal(rec[1] << 8 | rec[2], 0x0303);
		assert_int_equal((uint32_t)(rec[3] << 8 | rec[4]), rlen - 5);
		if (prefix == 13) {
			uint64_t e = 0;
			int j;

			for (j = 0; j < 8; j++)
				e = e << 8 | rec[5 + j];
			assert_true(e == seq);
		}
		/* Independent open. */
		body = rlen - prefix - 16;
		ref_nonce(suites[i].ver, suites[i].c, iv, seq, rec, nonce);
		alen = ref_aad(suites[i].ver, suites[i].c, seq, rec, aad);
		memcpy(tag, rec + prefix + body, 16);
		if (evp_aead(0, suites[i].c, k, nonce, aad, alen,
			     rec + prefix, out, (int)body, tag) != 0)
			fail_msg("EVP refused backend %u suite %u len %u pad %u",
				 b, i, plen, pad);
		assert_memory_equal(out, plain, plen);
		if (v13) {
			uint8_t zero[256] = { 0 };

			assert_int_equal(out[plen], 23 - (plen % 3));
			assert_memory_equal(out + plen + 1, zero, pad);
		}
		/* A record whose length field disagrees, or a bad header. */
		assert_int_equal(dpsec_tls_rec_seal(eng[b], &key, &s, seq, rec,
						    rlen - 1), -EINVAL);
		rec[1] = 0x01;
		assert_int_equal(dpsec_tls_rec_seal(eng[b], &key, &s, seq, rec,
						    rlen), -EINVAL);
		assert_int_equal(dpsec_tls_rec_seal(eng[b], &key, &s, seq, rec,
						    4), -EINVAL);
		dpsec_crypto_key_wipe(&key);
	}
}

/* A record made with EVP: header, explicit nonce (1.2 GCM: seq ^ salt
 * pattern, any value the sender likes), then seal. @inner is the
 * plaintext (1.3: TLSInnerPlaintext). Returns the record length. */
static uint32_t
evp_record(unsigned int i, const uint8_t iv[12], const uint8_t *k,
	   uint64_t seq, uint8_t type, const uint8_t *inner, uint32_t ilen,
	   uint8_t *rec)
{
	bool g12 = is_gcm12(suites[i].ver, suites[i].c);
	uint32_t prefix = g12 ? 13 : 5, rlen = prefix + ilen + 16;
	uint8_t nonce[12], aad[13];
	int alen;

	rec[0] = type;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (uint8_t)((rlen - 5) >> 8);
	rec[4] = (uint8_t)(rlen - 5);
	if (g12)
		rnd_fill(rec + 5, 8);
	ref_nonce(suites[i].ver, suites[i].c, iv, seq, rec, nonce);
	alen = ref_aad(suites[i].ver, suites[i].c, seq, rec, aad);
	assert_int_equal(evp_aead(1, suites[i].c, k, nonce, aad, alen, inner,
				  rec + prefix, (int)ilen,
				  rec + prefix + ilen), 0);
	return rlen;
}

/* EVP-made records opened here; one byte of each part tampered. */
static void
test_open_vs_evp(void **state)
{
	static uint8_t rec[REC_MAX], good[REC_MAX], inner[REC_MAX];
	struct dpsec_crypto_key key;
	struct dpsec_tls_suite s;
	uint8_t iv[12], k[32], type;
	uint32_t off, plen;
	unsigned int b, i, li, pi;

	(void)state;
	for (b = 0; b < NB_BACKENDS; b++)
	for (i = 0; i < NB_SUITES; i++)
	for (li = 0; li < sizeof(plens) / sizeof(plens[0]); li++)
	for (pi = 0; pi < sizeof(pads) / sizeof(pads[0]); pi++) {
		bool v13 = suites[i].ver == DPSEC_TLS_VER_1_3;
		uint32_t prefix = is_gcm12(suites[i].ver, suites[i].c) ? 13 : 5;
		const struct dpsec_crypto_cipher_info *ci =
			dpsec_crypto_cipher_info_get(suites[i].c);
		uint16_t plen0 = plens[li], pad = pads[pi];
		uint8_t ctype = (uint8_t)(21 + li % 3);
		uint64_t seq = rnd();
		uint32_t rlen, ilen = plen0, parts[4], p;
		uint8_t *exact;

		if (!v13 && pad != 0)
			continue;
		if ((uint32_t)plen0 + pad > DPSEC_TLS_MAX_PLAIN)
			continue;
		suite_make(i, &s, iv);
		rnd_fill(k, ci->key_len);
		assert_int_equal(dpsec_crypto_key_init(&key, b, suites[i].c,
				k, ci->key_len, DPSEC_CRYPTO_AUTH_NULL, NULL, 0),
				0);
		rnd_fill(inner, plen0);
		/* Content ending in zeros: only the padding after the type
		 * is stripped. */
		if (plen0 >= 2)
			inner[plen0 - 1] = inner[plen0 - 2] = 0;
		if (v13) {
			inner[ilen++] = ctype;
			memset(inner + ilen, 0, pad);
			ilen += pad;
		}
		rlen = evp_record(i, iv, k, seq, v13 ? 23 : ctype, inner, ilen,
				  good);
		/* The record in a buffer of exactly its size (ASan). */
		exact = malloc(rlen);
		assert_non_null(exact);
		memcpy(exact, good, rlen);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, seq,
				exact, rlen, &type, &off, &plen), 0);
		assert_int_equal(type, ctype);
		assert_int_equal(off, prefix);
		assert_int_equal(plen, plen0);
		assert_memory_equal(exact + off, inner, plen0);
		free(exact);
		/* The wrong record number. */
		memcpy(rec, good, rlen);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, seq + 1,
				rec, rlen, &type, &off, &plen), -EBADMSG);
		/* One byte of each part: header (1.2: the type, which is
		 * authenticated; 1.3: its only free byte is the type, which
		 * the header check refuses first), explicit nonce, body,
		 * tag. */
		parts[0] = 0;
		parts[1] = prefix == 13 ? 5 + (uint32_t)(rnd() % 8) : 0;
		parts[2] = ilen > 0 ? prefix + (uint32_t)(rnd() % ilen) : 0;
		parts[3] = prefix + ilen + (uint32_t)(rnd() % 16);
		for (p = 0; p < 4; p++) {
			int want = -EBADMSG;

			if ((p == 1 && prefix != 13) || (p == 2 && ilen == 0))
				continue;
			memcpy(rec, good, rlen);
			if (p == 0) {
				rec[0] = v13 ? 22 : (rec[0] == 23 ? 22 : 23);
				want = v13 ? -EINVAL : -EBADMSG;
			} else {
				rec[parts[p]] ^= (uint8_t)(1u << (rnd() % 8));
			}
			assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s,
					seq, rec, rlen, &type, &off, &plen),
					want);
		}
		/* Lengths: the header says one more/less than present. */
		memcpy(rec, good, rlen);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, seq, rec,
				rlen - 1, &type, &off, &plen), -EINVAL);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, seq, rec,
				3, &type, &off, &plen), -EINVAL);
		dpsec_crypto_key_wipe(&key);
	}
}

/* TLS 1.3 inner plaintexts the RFC refuses, and 1.2 overflows. */
static void
test_open_refusals(void **state)
{
	static uint8_t rec[REC_MAX], inner[REC_MAX];
	struct dpsec_crypto_key key;
	struct dpsec_tls_suite s;
	uint8_t iv[12], k[32], type;
	uint32_t off, plen, rlen;
	unsigned int b;

	(void)state;
	for (b = 0; b < NB_BACKENDS; b++) {
		/* suites[3]: TLS 1.3 AES-128-GCM. All zeros: RFC 8446 §5.4
		 * unexpected_message. */
		suite_make(3, &s, iv);
		rnd_fill(k, 16);
		assert_int_equal(dpsec_crypto_key_init(&key, b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, k, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		memset(inner, 0, 40);
		rlen = evp_record(3, iv, k, 7, 23, inner, 40, rec);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, 7, rec,
				rlen, &type, &off, &plen), -EBADMSG);
		rlen = evp_record(3, iv, k, 7, 23, inner, 1, rec);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, 7, rec,
				rlen, &type, &off, &plen), -EBADMSG);
		/* Content of 2^14 + 1 bytes (record_overflow) while the
		 * header is within 2^14 + 256. */
		rnd_fill(inner, 16385);
		inner[16385] = 23;
		rlen = evp_record(3, iv, k, 8, 23, inner, 16386, rec);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, 8, rec,
				rlen, &type, &off, &plen), -EINVAL);
		/* 2^14 exactly, with padding up to the limit, is fine. */
		memset(inner + 16385, 0, 239);
		inner[16384] = 23;
		rlen = evp_record(3, iv, k, 9, 23, inner, 16384 + 1 + 239, rec);
		assert_int_equal(rlen - 5, 16640);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, 9, rec,
				rlen, &type, &off, &plen), 0);
		assert_int_equal(plen, 16384);
		assert_int_equal(type, 23);
		dpsec_crypto_key_wipe(&key);

		/* suites[2]: TLS 1.2 ChaCha: a plaintext of 2^14 + 1. */
		suite_make(2, &s, iv);
		rnd_fill(k, 32);
		assert_int_equal(dpsec_crypto_key_init(&key, b,
				DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, k, 32,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		rlen = evp_record(2, iv, k, 1, 23, inner, 16385, rec);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, 1, rec,
				rlen, &type, &off, &plen), -EINVAL);
		rlen = evp_record(2, iv, k, 1, 23, inner, 16384, rec);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, 1, rec,
				rlen, &type, &off, &plen), 0);
		/* An empty TLS 1.2 record is legal. */
		rlen = evp_record(2, iv, k, 2, 21, inner, 0, rec);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &key, &s, 2, rec,
				rlen, &type, &off, &plen), 0);
		assert_int_equal(plen, 0);
		assert_int_equal(type, 21);
		dpsec_crypto_key_wipe(&key);
	}
}

/* ---------------------------------------------------------------------- */
/* Cursor */

#define STREAM_MAX 8192
#define NB_RECS 8

/* A stream and its reference walk: per byte, record, part and offset. */
struct stream {
	struct dpsec_tls_suite s;
	uint8_t buf[STREAM_MAX];
	uint32_t len;
	uint32_t rec_start[NB_RECS + 1];
	uint16_t body[NB_RECS];
	uint32_t nb_recs;
	uint16_t rec_of[STREAM_MAX];
	uint8_t part_of[STREAM_MAX];
	uint16_t off_of[STREAM_MAX];
	uint16_t part_len[NB_RECS][4];
};

static void
stream_build(struct stream *st, unsigned int si, const uint16_t *bodies,
	     uint32_t n)
{
	uint8_t iv[12];
	uint32_t r, pos = 0;

	memset(st, 0, sizeof(*st));
	suite_make(si, &st->s, iv);
	st->nb_recs = n;
	for (r = 0; r < n; r++) {
		uint16_t ex = st->s.explicit_len, b = bodies[r];
		uint16_t len = (uint16_t)(ex + b + 16);
		uint32_t p, j;

		st->rec_start[r] = pos;
		st->body[r] = b;
		st->part_len[r][DPSEC_TLS_PART_HDR] = 5;
		st->part_len[r][DPSEC_TLS_PART_EXPLICIT] = ex;
		st->part_len[r][DPSEC_TLS_PART_BODY] = b;
		st->part_len[r][DPSEC_TLS_PART_TAG] = 16;
		assert_true(pos + 5 + len <= STREAM_MAX);
		rnd_fill(st->buf + pos, 5u + len);
		st->buf[pos] = st->s.version == DPSEC_TLS_VER_1_3 ? 23 :
			       (uint8_t)(20 + r % 5);
		st->buf[pos + 1] = 3;
		st->buf[pos + 2] = 3;
		st->buf[pos + 3] = (uint8_t)(len >> 8);
		st->buf[pos + 4] = (uint8_t)len;
		for (p = 0; p < 4; p++)
			for (j = 0; j < st->part_len[r][p]; j++) {
				st->rec_of[pos] = (uint16_t)r;
				st->part_of[pos] = (uint8_t)p;
				st->off_of[pos] = (uint16_t)j;
				pos++;
			}
	}
	st->rec_start[n] = pos;
	st->len = pos;
}

/* Split generators: fixed size k > 0, or random sizes (k == 0). */
static uint32_t
next_piece(uint32_t k)
{
	if (k > 0)
		return k;
	switch (rnd() % 4) {
	case 0:
		return 1 + (uint32_t)(rnd() % 4);
	case 1:
		return 1 + (uint32_t)(rnd() % 40);
	case 2:
		return 1 + (uint32_t)(rnd() % 600);
	default:
		return 1 + (uint32_t)(rnd() % 3000);
	}
}

/*
 * Feed @st through a cursor in pieces; check every span against the
 * reference walk. With @bad_rec < nb_recs, that record's header is bad
 * and @want_err must come back when its header completes. Returns the
 * bytes consumed.
 */
static uint32_t
feed(const struct stream *st, uint32_t k, uint32_t tcp0, uint64_t seq0,
     uint32_t bad_rec, enum dpsec_tls_hdr_err want_err)
{
	struct dpsec_tls_cursor c;
	struct dpsec_tls_span sp;
	uint32_t pos = 0;

	dpsec_tls_cursor_init(&c, &st->s, tcp0, seq0);
	while (pos < st->len) {
		uint32_t piece = next_piece(k), avail;

		const uint8_t *base = st->buf + pos;
		uint8_t *copy = NULL;

		if (piece > st->len - pos)
			piece = st->len - pos;
		avail = piece;
		/* Random pieces live in buffers of exactly their size, so
		 * that ASan (build-san) sees any read past a piece. */
		if (k == 0) {
			copy = malloc(piece);
			assert_non_null(copy);
			memcpy(copy, base, piece);
			base = copy;
		}
		/* An empty step consumes nothing and changes nothing. */
		assert_int_equal(dpsec_tls_cursor_step(&c, st->buf + pos, 0,
						       &sp), DPSEC_TLS_HDR_OK);
		assert_int_equal(sp.len, 0);
		assert_false(sp.hdr_done || sp.explicit_done ||
			     sp.body_done || sp.rec_done);
		assert_int_equal(c.tcp_seq, (uint32_t)(tcp0 + pos));
		while (avail > 0) {
			uint32_t r = st->rec_of[pos], p = st->part_of[pos];
			uint32_t o = st->off_of[pos];
			uint32_t left = st->part_len[r][p] - o;
			uint32_t want_len = avail < left ? avail : left;
			uint32_t end = pos + want_len, rs = st->rec_start[r];
			uint32_t body_end = rs + 5 + st->s.explicit_len +
					    st->body[r];
			enum dpsec_tls_hdr_err e;

			e = dpsec_tls_cursor_step(&c, base + (piece - avail),
						  avail, &sp);
			assert_int_equal(sp.len, want_len);
			assert_int_equal(sp.part, p);
			assert_int_equal(sp.part_off, o);
			assert_true(sp.rec_seq == seq0 + r);
			assert_int_equal(sp.rec_tcp_seq, (uint32_t)(tcp0 + rs));
			if (r == bad_rec && p == DPSEC_TLS_PART_HDR &&
			    end == rs + 5) {
				assert_int_equal(e, want_err);
				free(copy);
				return end;
			}
			assert_int_equal(e, DPSEC_TLS_HDR_OK);
			assert_int_equal(sp.hdr_done,
					 p == DPSEC_TLS_PART_HDR &&
					 end == rs + 5);
			assert_int_equal(sp.explicit_done,
					 p == DPSEC_TLS_PART_EXPLICIT &&
					 end == rs + 5 + st->s.explicit_len);
			assert_int_equal(sp.body_done,
					 p != DPSEC_TLS_PART_TAG &&
					 end == body_end);
			assert_int_equal(sp.rec_done,
					 end == st->rec_start[r + 1]);
			if (sp.hdr_done) {
				assert_memory_equal(c.hdr, st->buf + rs, 5);
				assert_int_equal(c.rec_len,
					st->rec_start[r + 1] - rs - 5);
				assert_int_equal(c.body_len, st->body[r]);
			}
			if (sp.explicit_done)
				assert_memory_equal(c.explicit_nonce,
						    st->buf + rs + 5, 8);
			if (sp.rec_done) {
				assert_true(c.rec_seq == seq0 + r + 1);
				assert_int_equal(c.rec_tcp_seq,
						 (uint32_t)(tcp0 + end));
				assert_int_equal(c.part, DPSEC_TLS_PART_HDR);
			}
			assert_int_equal(c.tcp_seq, (uint32_t)(tcp0 + end));
			pos = end;
			avail -= want_len;
		}
		free(copy);
	}
	assert_int_equal(bad_rec, NB_RECS);
	assert_true(c.rec_seq == seq0 + st->nb_recs);
	assert_int_equal(c.part, DPSEC_TLS_PART_HDR);
	assert_int_equal(c.part_off, 0);
	return pos;
}

/* Body lengths of the streams: an empty body (TLS 1.2 only), short
 * ones, one spanning many pieces, the largest TLS 1.3 allows. */
static const uint16_t bodies12[NB_RECS] = { 0, 1, 300, 7, 0, 2000, 16, 33 };
static const uint16_t bodies13[NB_RECS] = { 1, 1, 300, 7, 2, 2000, 16, 33 };

static void
test_cursor_walk(void **state)
{
	static struct stream st;
	/* TCP sequence bases: zero, and one that wraps 2^32 inside the
	 * stream (in the middle of the 2000-byte body). */
	static const uint32_t tcp0s[] = { 0, 0xfffffc00u };
	unsigned int si, t;
	uint32_t k, n;

	(void)state;
	for (si = 0; si < NB_SUITES; si++) {
		bool v13 = suites[si].ver == DPSEC_TLS_VER_1_3;

		stream_build(&st, si, v13 ? bodies13 : bodies12, NB_RECS);
		for (t = 0; t < 2; t++) {
			uint64_t seq0 = t == 0 ? 0 : UINT64_C(0xfffffffffffffff0);

			/* Every split size, then random splits. */
			for (k = 1; k <= st.len; k++)
				assert_int_equal(feed(&st, k, tcp0s[t], seq0,
						      NB_RECS, 0), st.len);
			for (n = 0; n < 2000; n++)
				assert_int_equal(feed(&st, 0, tcp0s[t], seq0,
						      NB_RECS, 0), st.len);
		}
	}
}

/* A bad header in the middle of the stream stops the cursor with its
 * reason; nothing past that header is consumed. */
static void
test_cursor_bad_header(void **state)
{
	static struct stream st;
	static const enum dpsec_tls_hdr_err errs[] = {
		DPSEC_TLS_HDR_BAD_TYPE, DPSEC_TLS_HDR_BAD_VERSION,
		DPSEC_TLS_HDR_TOO_LONG, DPSEC_TLS_HDR_TOO_SHORT,
	};
	const uint32_t bad = 3;
	unsigned int si, e;
	uint32_t k, n;

	(void)state;
	for (si = 0; si < NB_SUITES; si++)
	for (e = 0; e < 4; e++) {
		bool v13 = suites[si].ver == DPSEC_TLS_VER_1_3;
		uint8_t *h;
		uint16_t len = 0;

		stream_build(&st, si, v13 ? bodies13 : bodies12, NB_RECS);
		h = st.buf + st.rec_start[bad];
		switch (errs[e]) {
		case DPSEC_TLS_HDR_BAD_TYPE:
			h[0] = v13 ? 22 : 25;
			break;
		case DPSEC_TLS_HDR_BAD_VERSION:
			h[2] = 1;
			break;
		case DPSEC_TLS_HDR_TOO_LONG:
			len = (uint16_t)(st.s.max_rec + 1);
			break;
		default:
			len = (uint16_t)(st.s.min_rec - 1);
			break;
		}
		if (len != 0) {
			h[3] = (uint8_t)(len >> 8);
			h[4] = (uint8_t)len;
		}
		for (k = 1; k <= 64; k++)
			assert_int_equal(feed(&st, k, 0xffffff00u, 5, bad,
					      errs[e]),
					 st.rec_start[bad] + 5);
		for (n = 0; n < 500; n++)
			assert_int_equal(feed(&st, 0, 0xffffff00u, 5, bad,
					      errs[e]),
					 st.rec_start[bad] + 5);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_init),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_aad),
		cmocka_unit_test(test_hdr_check),
		cmocka_unit_test(test_rec_frame),
		cmocka_unit_test(test_seal_vs_evp),
		cmocka_unit_test(test_open_vs_evp),
		cmocka_unit_test(test_open_refusals),
		cmocka_unit_test(test_cursor_walk),
		cmocka_unit_test(test_cursor_bad_header),
	};

	return cmocka_run_group_tests_name("tls_rec", tests, setup_engines,
			teardown_engines);
}
