/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto layer tests: known answers on both backends, IPsec-MB and OpenSSL
 * cross-checked on random ops, tamper detection, key wipe, bad ops.
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

#include "crypto.h"
#include "unit_util.h"
#include "vectors/crypto_kat.h"

#define BUF_MAX 4096

static const char *
bname(int b)
{
	return dpsec_crypto_backend_name(b);
}

/* ---------------------------------------------------------------------- */
/* Tables */

static void
test_info_tables(void **state)
{
	const struct dpsec_crypto_cipher_info *ci;
	const struct dpsec_crypto_auth_info *ai;
	int c;

	(void)state;
	for (c = 0; c < DPSEC_CRYPTO_CIPHER_MAX; c++) {
		ci = dpsec_crypto_cipher_info_get(c);
		assert_non_null(ci);
		assert_non_null(ci->name);
		assert_true(ci->key_len <= DPSEC_CRYPTO_CKEY_MAX);
		if (ci->aead) {
			assert_int_equal(ci->salt_len, 4);
			assert_int_equal(ci->iv_len, 8);
			assert_int_equal(ci->nonce_len, DPSEC_CRYPTO_NONCE_LEN);
			assert_int_equal(ci->icv_len, 16);
		}
	}
	assert_null(dpsec_crypto_cipher_info_get(DPSEC_CRYPTO_CIPHER_MAX));
	ci = dpsec_crypto_cipher_info_get(DPSEC_CRYPTO_CIPHER_AES_CBC_256);
	assert_int_equal(ci->key_len, 32);
	assert_int_equal(ci->iv_len, 16);
	assert_int_equal(ci->block_size, 16);
	ai = dpsec_crypto_auth_info_get(DPSEC_CRYPTO_AUTH_HMAC_SHA1_96);
	assert_int_equal(ai->icv_len, 12);
	assert_int_equal(ai->key_len, 20);
	ai = dpsec_crypto_auth_info_get(DPSEC_CRYPTO_AUTH_HMAC_SHA256_128);
	assert_int_equal(ai->icv_len, 16);
	assert_int_equal(ai->key_len, 32);
	/* RFC 4868 2.6: key = digest length, ICV = half of it. */
	ai = dpsec_crypto_auth_info_get(DPSEC_CRYPTO_AUTH_HMAC_SHA384_192);
	assert_string_equal(ai->name, "hmac-sha384-192");
	assert_int_equal(ai->icv_len, 24);
	assert_int_equal(ai->key_len, 48);
	assert_int_equal(ai->block_size, 128);
	ai = dpsec_crypto_auth_info_get(DPSEC_CRYPTO_AUTH_HMAC_SHA512_256);
	assert_string_equal(ai->name, "hmac-sha512-256");
	assert_int_equal(ai->icv_len, 32);
	assert_int_equal(ai->key_len, 64);
	assert_int_equal(ai->block_size, 128);
	for (c = 1; c < DPSEC_CRYPTO_AUTH_MAX; c++) {
		ai = dpsec_crypto_auth_info_get(c);
		assert_non_null(ai->name);
		assert_true(ai->icv_len <= DPSEC_CRYPTO_ICV_MAX);
		assert_true(ai->digest_len <= DPSEC_CRYPTO_DIGEST_MAX);
		assert_true(ai->block_size <= DPSEC_CRYPTO_HBLK_MAX);
		assert_true(ai->icv_len < ai->digest_len);
	}
	assert_null(dpsec_crypto_auth_info_get(DPSEC_CRYPTO_AUTH_MAX));
	assert_string_equal(bname(DPSEC_CRYPTO_IPSEC_MB), "ipsec-mb");
	assert_string_equal(bname(DPSEC_CRYPTO_OPENSSL), "openssl");
	assert_true(dpsec_crypto_key_size() >= sizeof(struct dpsec_crypto_key));
}

/*
 * The one algorithm table (crypto_algos.h) in both directions, every row:
 * the rte_crypto transform of a cipher or integrity algorithm leads back
 * to it (the key length picks among AES sizes, the digest length among
 * truncations), AEAD rows are AEAD transforms, TLS rows are AEADs, no
 * unknown transform is mistaken for one, and NULL integrity is never the
 * reading of an auth transform.
 */
static void
test_rte_conversions(void **state)
{
	const struct dpsec_crypto_cipher_info *ci;
	const struct dpsec_crypto_auth_info *ai;
	enum rte_crypto_sym_xform_type xf;
	enum rte_crypto_auth_algorithm aa;
	enum dpsec_crypto_cipher back_c;
	enum dpsec_crypto_auth back_a;
	int c, a, algo;

	(void)state;
	for (c = 0; c < DPSEC_CRYPTO_CIPHER_MAX; c++) {
		ci = dpsec_crypto_cipher_info_get(c);
		assert_int_equal(dpsec_crypto_cipher_to_rte(c, &xf, &algo), 0);
		assert_int_equal(xf == RTE_CRYPTO_SYM_XFORM_AEAD, ci->aead);
		assert_true(xf == RTE_CRYPTO_SYM_XFORM_AEAD ||
			    xf == RTE_CRYPTO_SYM_XFORM_CIPHER);
		if (ci->tls)
			assert_true(ci->aead);
		assert_int_equal(dpsec_crypto_cipher_from_rte(xf, algo,
				ci->key_len, &back_c), 0);
		if ((int)back_c != c)
			fail_msg("%s: back as %d", ci->name, back_c);
		assert_int_equal(dpsec_crypto_cipher_from_rte(xf, algo,
				ci->key_len + 1, &back_c), -ENOTSUP);
	}
	assert_int_equal(dpsec_crypto_cipher_to_rte(DPSEC_CRYPTO_CIPHER_MAX,
						    &xf, &algo), -EINVAL);
	assert_int_equal(dpsec_crypto_cipher_from_rte(RTE_CRYPTO_SYM_XFORM_CIPHER,
			RTE_CRYPTO_CIPHER_3DES_CBC, 24, &back_c), -ENOTSUP);
	assert_int_equal(dpsec_crypto_cipher_from_rte(RTE_CRYPTO_SYM_XFORM_AEAD,
			RTE_CRYPTO_AEAD_AES_CCM, 16, &back_c), -ENOTSUP);
	for (a = 0; a < DPSEC_CRYPTO_AUTH_MAX; a++) {
		ai = dpsec_crypto_auth_info_get(a);
		assert_int_equal(dpsec_crypto_auth_to_rte(a, &aa), 0);
		if (a == DPSEC_CRYPTO_AUTH_NULL) {
			assert_int_equal(aa, RTE_CRYPTO_AUTH_NULL);
			assert_int_equal(dpsec_crypto_auth_from_rte(aa,
					ai->icv_len, &back_a), -ENOTSUP);
			continue;
		}
		assert_int_equal(dpsec_crypto_auth_from_rte(aa, ai->icv_len,
							    &back_a), 0);
		if ((int)back_a != a)
			fail_msg("%s: back as %d", ai->name, back_a);
		/* the full digest is not the ESP truncation */
		assert_int_equal(dpsec_crypto_auth_from_rte(aa, ai->digest_len,
							    &back_a), -ENOTSUP);
	}
	assert_int_equal(dpsec_crypto_auth_to_rte(DPSEC_CRYPTO_AUTH_MAX, &aa),
			 -EINVAL);
	/* the names the tables give, and the TLS AEADs (RFC 5288, 7905) */
	assert_string_equal(dpsec_crypto_cipher_info_get(
		DPSEC_CRYPTO_CIPHER_AES_GCM_128)->name, "aes-gcm-128");
	assert_true(dpsec_crypto_cipher_info_get(
		DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305)->tls);
	assert_false(dpsec_crypto_cipher_info_get(
		DPSEC_CRYPTO_CIPHER_AES_CBC_128)->tls);
}

/* ---------------------------------------------------------------------- */
/* Known answers */

static void
test_kat_aead(void **state)
{
	static uint8_t key[32], nonce[12], aad[64], pt[256], ct[256],
		tag[16], out[256], otag[16];
	struct dpsec_crypto_key k;
	size_t i, klen, nlen, alen, plen, clen, tlen;
	int b;

	(void)state;
	for (i = 0; i < sizeof(kat_gcm) / sizeof(kat_gcm[0]); i++) {
		const struct kat_aead *v = &kat_gcm[i];

		klen = unhex(v->key, key, sizeof(key));
		nlen = unhex(v->nonce, nonce, sizeof(nonce));
		alen = unhex(v->aad, aad, sizeof(aad));
		plen = unhex(v->pt, pt, sizeof(pt));
		clen = unhex(v->ct, ct, sizeof(ct));
		tlen = unhex(v->tag, tag, sizeof(tag));
		assert_int_equal(nlen, 12);
		assert_int_equal(plen, clen);
		assert_int_equal(tlen, 16);
		for (b = 0; b < NB_BACKENDS; b++) {
			assert_int_equal(dpsec_crypto_key_init(&k, b, v->cipher,
					key, klen, DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
			/* Out of place. */
			memset(out, 0xee, sizeof(out));
			assert_int_equal(dpsec_aead_seal(eng[b], &k, nonce,
					aad, alen, pt, out, plen, otag), 0);
			if (memcmp(out, ct, clen) != 0 ||
					memcmp(otag, tag, 16) != 0)
				fail_msg("%s: %s seal mismatch", v->name,
						bname(b));
			assert_int_equal(dpsec_aead_open(eng[b], &k, nonce,
					aad, alen, ct, out, clen, tag), 0);
			assert_memory_equal(out, pt, plen);
			/* In place. */
			memcpy(out, pt, plen);
			assert_int_equal(dpsec_aead_seal(eng[b], &k, nonce,
					aad, alen, out, out, plen, otag), 0);
			assert_memory_equal(out, ct, clen);
			assert_int_equal(dpsec_aead_open(eng[b], &k, nonce,
					aad, alen, out, out, clen, tag), 0);
			assert_memory_equal(out, pt, plen);
			/* Truncated GCM tag (RFC 4106 ICV 8/12). */
			if (v->cipher != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305) {
				assert_int_equal(
					dpsec_crypto_key_set_icv_len(&k, 8), 0);
				memset(otag, 0, sizeof(otag));
				assert_int_equal(dpsec_aead_seal(eng[b], &k,
					nonce, aad, alen, pt, out, plen,
					otag), 0);
				assert_memory_equal(otag, tag, 8);
				assert_int_equal(dpsec_aead_open(eng[b], &k,
					nonce, aad, alen, ct, out, clen,
					tag), 0);
			}
			dpsec_crypto_key_wipe(&k);
		}
	}
}

static void
test_kat_cbc(void **state)
{
	static uint8_t key[32], iv[16], pt[128], ct[128], buf[8 + 16 + 128],
		icv[2][16], akey[20];
	struct dpsec_crypto_key k;
	size_t i, klen, plen, clen;
	int b;

	(void)state;
	memset(akey, 0x11, sizeof(akey));
	for (i = 0; i < sizeof(kat_cbc) / sizeof(kat_cbc[0]); i++) {
		const struct kat_cbc *v = &kat_cbc[i];

		klen = unhex(v->key, key, sizeof(key));
		assert_int_equal(unhex(v->iv, iv, sizeof(iv)), 16);
		plen = unhex(v->pt, pt, sizeof(pt));
		clen = unhex(v->ct, ct, sizeof(ct));
		assert_int_equal(plen, clen);
		for (b = 0; b < NB_BACKENDS; b++) {
			/* ESP layout: SPI|SN, IV, payload; MAC over all. */
			struct dpsec_crypto_op op = {
				.key = &k, .dir = DPSEC_CRYPTO_ENCRYPT,
				.iv = iv, .src = buf + 24, .dst = buf + 24,
				.len = plen, .auth_src = buf,
				.auth_len = 24 + plen, .icv = icv[b],
			};

			assert_int_equal(dpsec_crypto_key_init(&k, b, v->cipher,
					key, klen, DPSEC_CRYPTO_AUTH_HMAC_SHA1_96,
					akey, sizeof(akey)), 0);
			memset(buf, 0x5a, 8);
			memcpy(buf + 8, iv, 16);
			memcpy(buf + 24, pt, plen);
			assert_int_equal(dpsec_crypto_run(eng[b], &op), 0);
			if (memcmp(buf + 24, ct, clen) != 0)
				fail_msg("%s: %s encrypt mismatch", v->name,
						bname(b));
			op.dir = DPSEC_CRYPTO_DECRYPT;
			assert_int_equal(dpsec_crypto_run(eng[b], &op), 0);
			assert_memory_equal(buf + 24, pt, plen);
			dpsec_crypto_key_wipe(&k);
		}
		/* Same ICV from both backends. */
		assert_memory_equal(icv[0], icv[1], 12);
	}
}

static void
test_kat_hmac(void **state)
{
	static uint8_t key[256], data[256], tag[DPSEC_CRYPTO_DIGEST_MAX],
		icv[DPSEC_CRYPTO_ICV_MAX];
	struct dpsec_crypto_key k;
	size_t i, klen, dlen, tlen, icv_len, cmp_len;
	int b;

	(void)state;
	for (i = 0; i < sizeof(kat_hmac) / sizeof(kat_hmac[0]); i++) {
		const struct kat_hmac *v = &kat_hmac[i];

		klen = unhex(v->key, key, sizeof(key));
		if (v->data_is_text) {
			dlen = strlen(v->data);
			memcpy(data, v->data, dlen);
		} else {
			dlen = unhex(v->data, data, sizeof(data));
		}
		tlen = unhex(v->tag, tag, sizeof(tag));
		icv_len = dpsec_crypto_auth_info_get(v->auth)->icv_len;
		/* RFC 4231 test case 5 gives 16 bytes only: compare those. */
		cmp_len = tlen < icv_len ? tlen : icv_len;
		assert_true(cmp_len == icv_len || tlen == 16);
		for (b = 0; b < NB_BACKENDS; b++) {
			/* NULL cipher: integrity only over the data. */
			struct dpsec_crypto_op op = {
				.key = &k, .dir = DPSEC_CRYPTO_ENCRYPT,
				.auth_src = data, .auth_len = dlen, .icv = icv,
			};

			assert_int_equal(dpsec_crypto_key_init(&k, b,
					DPSEC_CRYPTO_CIPHER_NULL, NULL, 0, v->auth,
					key, klen), 0);
			assert_int_equal(dpsec_crypto_key_icv_len(&k), icv_len);
			memset(icv, 0, sizeof(icv));
			assert_int_equal(dpsec_crypto_run(eng[b], &op), 0);
			if (memcmp(icv, tag, cmp_len) != 0)
				fail_msg("%s: %s ICV mismatch", v->name,
						bname(b));
			op.dir = DPSEC_CRYPTO_DECRYPT;
			assert_int_equal(dpsec_crypto_run(eng[b], &op), 0);
			icv[icv_len - 1] ^= 1;
			assert_int_equal(dpsec_crypto_run(eng[b], &op),
					-EBADMSG);
			dpsec_crypto_key_wipe(&k);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Cross-check: IPsec-MB against OpenSSL on random ops */

struct suite {
	enum dpsec_crypto_cipher cipher;
	enum dpsec_crypto_auth auth;
};

static const struct suite suites[] = {
	{ DPSEC_CRYPTO_CIPHER_AES_GCM_128, DPSEC_CRYPTO_AUTH_NULL },
	{ DPSEC_CRYPTO_CIPHER_AES_GCM_192, DPSEC_CRYPTO_AUTH_NULL },
	{ DPSEC_CRYPTO_CIPHER_AES_GCM_256, DPSEC_CRYPTO_AUTH_NULL },
	{ DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, DPSEC_CRYPTO_AUTH_NULL },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_128, DPSEC_CRYPTO_AUTH_HMAC_SHA1_96 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_128, DPSEC_CRYPTO_AUTH_HMAC_SHA256_128 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_192, DPSEC_CRYPTO_AUTH_HMAC_SHA1_96 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_256, DPSEC_CRYPTO_AUTH_HMAC_SHA1_96 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_256, DPSEC_CRYPTO_AUTH_HMAC_SHA256_128 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_128, DPSEC_CRYPTO_AUTH_HMAC_SHA384_192 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_192, DPSEC_CRYPTO_AUTH_HMAC_SHA512_256 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_256, DPSEC_CRYPTO_AUTH_HMAC_SHA384_192 },
	{ DPSEC_CRYPTO_CIPHER_AES_CBC_256, DPSEC_CRYPTO_AUTH_HMAC_SHA512_256 },
	{ DPSEC_CRYPTO_CIPHER_NULL, DPSEC_CRYPTO_AUTH_HMAC_SHA1_96 },
	{ DPSEC_CRYPTO_CIPHER_NULL, DPSEC_CRYPTO_AUTH_HMAC_SHA256_128 },
	{ DPSEC_CRYPTO_CIPHER_NULL, DPSEC_CRYPTO_AUTH_HMAC_SHA384_192 },
	{ DPSEC_CRYPTO_CIPHER_NULL, DPSEC_CRYPTO_AUTH_HMAC_SHA512_256 },
};

enum {
	XC_OPS = 2000,		/* random ops per suite */
	XC_BURST = 32,		/* ops per burst */
	XC_KEY_EVERY = 12,	/* new random key every n ops */
	XC_NB_KEYS = XC_BURST / XC_KEY_EVERY + 2,
	XC_HDR = 8,		/* SPI | SN */
	XC_LEN_MAX = 2000,
	XC_SLOT = XC_HDR + 16 + XC_LEN_MAX + 16,
};

/*
 * One random op in ESP shape. pkt: [SPI|SN][IV (CBC)][payload]; the MAC
 * (non-AEAD) covers all of it; the AEAD nonce and AAD live beside it.
 */
struct xc_case {
	uint8_t pkt[XC_SLOT];
	uint8_t pt[XC_LEN_MAX];
	uint8_t aad[DPSEC_CRYPTO_AAD_MAX];
	uint8_t nonce[16];
	uint8_t icv[DPSEC_CRYPTO_ICV_MAX];
	uint32_t len;
	uint16_t aad_len;
	uint8_t key_idx;
	uint8_t oop;		/* plaintext comes from pt, not in place */
};

struct xc_burst {
	struct xc_case c[XC_BURST];
	struct dpsec_crypto_op op[XC_BURST];
	struct dpsec_crypto_op *ops[XC_BURST];
};

static struct xc_burst xc_enc[NB_BACKENDS], xc_dec[NB_BACKENDS];
static struct dpsec_crypto_key xc_key[XC_NB_KEYS][NB_BACKENDS];

static unsigned int
iv_off(const struct suite *s)
{
	return dpsec_crypto_cipher_info_get(s->cipher)->aead ? 0 :
		dpsec_crypto_cipher_info_get(s->cipher)->iv_len;
}

static void
xc_new_key(const struct suite *s, int idx)
{
	const struct dpsec_crypto_cipher_info *ci = dpsec_crypto_cipher_info_get(s->cipher);
	const struct dpsec_crypto_auth_info *ai = dpsec_crypto_auth_info_get(s->auth);
	uint8_t ckey[32], akey[DPSEC_CRYPTO_HBLK_MAX + 16];
	uint16_t akey_len = 0;
	unsigned int r;
	int b;

	rnd_fill(ckey, sizeof(ckey));
	rnd_fill(akey, sizeof(akey));
	if (s->auth != DPSEC_CRYPTO_AUTH_NULL) {
		/*
		 * Mostly the RFC length, sometimes longer than a block
		 * (hashed first); for 128-byte blocks also 65..128 bytes,
		 * which must not be hashed.
		 */
		r = rnd() % 4;
		if (r == 0)
			akey_len = ai->block_size + 1 + rnd() % 15;
		else if (r == 1 && ai->block_size > 64)
			akey_len = 65 + rnd() % 64;
		else
			akey_len = ai->key_len;
	}
	for (b = 0; b < NB_BACKENDS; b++) {
		assert_int_equal(dpsec_crypto_key_init(&xc_key[idx][b], b,
				s->cipher, ckey, ci->key_len, s->auth, akey,
				akey_len), 0);
	}
	if (s->cipher != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305 && ci->aead) {
		static const uint8_t icv_lens[] = { 16, 16, 12, 8 };
		uint8_t l = icv_lens[rnd() % 4];

		for (b = 0; b < NB_BACKENDS; b++)
			assert_int_equal(dpsec_crypto_key_set_icv_len(
					&xc_key[idx][b], l), 0);
	}
}

/* Random plaintext, AAD, nonce; the same case goes to both backends. */
static void
xc_make(const struct suite *s, struct xc_case *c)
{
	const struct dpsec_crypto_cipher_info *ci = dpsec_crypto_cipher_info_get(s->cipher);
	unsigned int r = rnd() % 8;

	if (ci->block_size > 1)
		c->len = (rnd() % (XC_LEN_MAX / 16 + 1)) * 16;
	else
		c->len = rnd() % (XC_LEN_MAX + 1);
	if (ci->aead) {
		/* ESP AAD (8, or 12 with ESN), TLS (5, 13), or anything. */
		c->aad_len = r == 0 ? 8 : r == 1 ? 12 : r == 2 ? 5 :
			r == 3 ? 13 : rnd() % (DPSEC_CRYPTO_AAD_MAX + 1);
	} else {
		c->aad_len = 0;
	}
	c->oop = rnd() % 2;
	rnd_fill(c->pt, c->len);
	rnd_fill(c->aad, c->aad_len);
	rnd_fill(c->nonce, sizeof(c->nonce));
	rnd_fill(c->pkt, XC_HDR);
	memcpy(c->pkt + XC_HDR, c->nonce, iv_off(s));
	if (!c->oop)
		memcpy(c->pkt + XC_HDR + iv_off(s), c->pt, c->len);
	memset(c->icv, 0, sizeof(c->icv));
}

static void
xc_op(const struct suite *s, struct xc_burst *xb, unsigned int i, int b,
		int dir, int oop)
{
	struct xc_case *c = &xb->c[i];
	struct dpsec_crypto_op *op = &xb->op[i];
	uint8_t *payload = c->pkt + XC_HDR + iv_off(s);

	memset(op, 0, sizeof(*op));
	op->key = &xc_key[c->key_idx][b];
	op->dir = dir;
	op->iv = c->nonce;
	op->aad = c->aad;
	op->aad_len = c->aad_len;
	op->src = oop ? c->pt : payload;
	op->dst = payload;
	op->len = c->len;
	op->auth_src = c->pkt;
	op->auth_len = XC_HDR + iv_off(s) + c->len;
	op->icv = c->icv;
	op->status = 1;
	xb->ops[i] = op;
}

static void
xc_suite(const struct suite *s)
{
	unsigned int done, i, n, key_idx = 0, since_key = XC_KEY_EVERY;
	unsigned int nb_tampered = 0;
	int b, o;
	char what[96];

	snprintf(what, sizeof(what), "%s/%s",
			dpsec_crypto_cipher_info_get(s->cipher)->name,
			dpsec_crypto_auth_info_get(s->auth)->name);

	for (done = 0; done < XC_OPS; done += n) {
		n = XC_OPS - done < XC_BURST ? XC_OPS - done : XC_BURST;
		/* Keys change inside a burst: ops of several SAs mix. */
		for (i = 0; i < n; i++) {
			if (since_key >= XC_KEY_EVERY) {
				key_idx = (key_idx + 1) % XC_NB_KEYS;
				xc_new_key(s, key_idx);
				since_key = 0;
			}
			since_key++;
			xc_make(s, &xc_enc[0].c[i]);
			xc_enc[0].c[i].key_idx = key_idx;
			xc_enc[1].c[i] = xc_enc[0].c[i];
		}
		/* Encrypt the same cases on both backends. */
		for (b = 0; b < NB_BACKENDS; b++) {
			for (i = 0; i < n; i++)
				xc_op(s, &xc_enc[b], i, b,
					DPSEC_CRYPTO_ENCRYPT,
					xc_enc[b].c[i].oop);
			if (dpsec_crypto_burst(eng[b], xc_enc[b].ops, n) == n)
				continue;
			for (i = 0; i < n; i++)
				if (xc_enc[b].op[i].status != 0)
					fail_msg("%s: %s: op %u len %u aad %u "
						"icv %u: status %d", what,
						bname(b), done + i,
						xc_enc[b].c[i].len,
						xc_enc[b].c[i].aad_len,
						xc_enc[b].op[i].key->icv_len,
						xc_enc[b].op[i].status);
		}
		for (i = 0; i < n; i++) {
			struct xc_case *c0 = &xc_enc[0].c[i];
			struct xc_case *c1 = &xc_enc[1].c[i];
			unsigned int l = XC_HDR + iv_off(s) + c0->len;

			assert_int_equal(xc_enc[0].op[i].status, 0);
			assert_int_equal(xc_enc[1].op[i].status, 0);
			if (memcmp(c0->pkt, c1->pkt, l) != 0 ||
					memcmp(c0->icv, c1->icv,
						DPSEC_CRYPTO_ICV_MAX) != 0)
				fail_msg("%s: op %u len %u aad %u: backends "
					"disagree on ciphertext/ICV", what,
					done + i, c0->len, c0->aad_len);
		}
		/* Decrypt each backend's output with the other, in place. */
		for (b = 0; b < NB_BACKENDS; b++) {
			o = !b;
			for (i = 0; i < n; i++) {
				xc_dec[o].c[i] = xc_enc[b].c[i];
				xc_op(s, &xc_dec[o], i, o,
					DPSEC_CRYPTO_DECRYPT, 0);
			}
			assert_int_equal(dpsec_crypto_burst(eng[o],
					xc_dec[o].ops, n), n);
			for (i = 0; i < n; i++) {
				struct xc_case *c = &xc_dec[o].c[i];

				assert_int_equal(xc_dec[o].op[i].status, 0);
				if (memcmp(c->pkt + XC_HDR + iv_off(s), c->pt,
						c->len) != 0)
					fail_msg("%s: op %u: %s cannot decrypt "
						"%s", what, done + i, bname(o),
						bname(b));
			}
		}
		/*
		 * Tamper: flip one bit in the ciphertext, the ICV, the AAD
		 * (AEAD) or the MACed header (HMAC), on every 3rd op; both
		 * backends must say -EBADMSG and zero the output.
		 */
		for (b = 0; b < NB_BACKENDS; b++) {
			unsigned int nb_bad = 0;

			for (i = 0; i < n; i++) {
				struct xc_case *c = &xc_dec[b].c[i];
				unsigned int what_bit = rnd() % 3;
				uint8_t icv_len;

				c[0] = xc_enc[!b].c[i];
				icv_len = xc_key[c->key_idx][b].icv_len;
				xc_op(s, &xc_dec[b], i, b,
					DPSEC_CRYPTO_DECRYPT, 0);
				if (i % 3 != 0)
					continue;
				nb_bad++;
				if (what_bit == 0 && c->len != 0)
					c->pkt[XC_HDR + iv_off(s) +
						rnd() % c->len] ^=
						1 << (rnd() % 8);
				else if (what_bit == 1 || (c->aad_len == 0 &&
						dpsec_crypto_cipher_info_get(
						s->cipher)->aead))
					c->icv[rnd() % icv_len] ^=
						1 << (rnd() % 8);
				else if (c->aad_len != 0)
					c->aad[rnd() % c->aad_len] ^= 0x80;
				else
					c->pkt[rnd() % XC_HDR] ^= 1;
			}
			assert_int_equal(dpsec_crypto_burst(eng[b],
					xc_dec[b].ops, n), n - nb_bad);
			nb_tampered += nb_bad;
			for (i = 0; i < n; i++) {
				struct xc_case *c = &xc_dec[b].c[i];
				static const uint8_t zero[XC_LEN_MAX];

				if (i % 3 != 0) {
					assert_int_equal(
						xc_dec[b].op[i].status, 0);
					continue;
				}
				if (xc_dec[b].op[i].status != -EBADMSG)
					fail_msg("%s: op %u: %s accepted a "
						"tampered packet (status %d)",
						what, done + i, bname(b),
						xc_dec[b].op[i].status);
				assert_memory_equal(c->pkt + XC_HDR +
						iv_off(s), zero, c->len);
			}
		}
	}
	for (i = 0; i < XC_NB_KEYS; i++)
		for (b = 0; b < NB_BACKENDS; b++)
			dpsec_crypto_key_wipe(&xc_key[i][b]);
	print_message("cross-check %-32s %u ops, %u tampered: ok\n", what,
			done, nb_tampered);
}

static void
test_cross_check(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		xc_suite(&suites[i]);
}

/*
 * A burst longer than the IPsec-MB job ring (IMB_MAX_JOBS = 256), mixing
 * directions and algorithms: every op still gets its own status and tag.
 */
static void
test_long_mixed_burst(void **state)
{
	enum { N = 700, LEN = 64, NK = 5 };
	static uint8_t buf[N][LEN], ref[N][LEN],
		icv[N][DPSEC_CRYPTO_ICV_MAX];
	static struct dpsec_crypto_op op[N];
	static struct dpsec_crypto_op *ops[N];
	struct dpsec_crypto_key k[NK][NB_BACKENDS];
	uint8_t ckey[32], akey[64], nonce[16], aad[8];
	unsigned int i;
	int b;

	(void)state;
	rnd_fill(ckey, sizeof(ckey));
	rnd_fill(akey, sizeof(akey));
	rnd_fill(nonce, sizeof(nonce));
	rnd_fill(aad, sizeof(aad));
	for (b = 0; b < NB_BACKENDS; b++) {
		assert_int_equal(dpsec_crypto_key_init(&k[0][b], b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, ckey, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		assert_int_equal(dpsec_crypto_key_init(&k[1][b], b,
				DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, ckey, 32,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		assert_int_equal(dpsec_crypto_key_init(&k[2][b], b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_256, ckey, 32,
				DPSEC_CRYPTO_AUTH_HMAC_SHA256_128, akey, 32), 0);
		assert_int_equal(dpsec_crypto_key_init(&k[3][b], b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_128, ckey, 16,
				DPSEC_CRYPTO_AUTH_HMAC_SHA384_192, akey, 48), 0);
		assert_int_equal(dpsec_crypto_key_init(&k[4][b], b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_256, ckey, 32,
				DPSEC_CRYPTO_AUTH_HMAC_SHA512_256, akey, 64), 0);
	}
	/* Reference: encrypt everything with OpenSSL. */
	for (i = 0; i < N; i++) {
		rnd_fill(ref[i], LEN);
		memcpy(buf[i], ref[i], LEN);
		op[i] = (struct dpsec_crypto_op){
			.key = &k[i % NK][DPSEC_CRYPTO_OPENSSL],
			.dir = DPSEC_CRYPTO_ENCRYPT, .iv = nonce,
			.aad = aad, .aad_len = 8, .src = buf[i] + 16,
			.dst = buf[i] + 16, .len = LEN - 16,
			.auth_src = buf[i], .auth_len = LEN, .icv = icv[i],
		};
		ops[i] = &op[i];
	}
	assert_int_equal(dpsec_crypto_burst(eng[DPSEC_CRYPTO_OPENSSL], ops,
			N), N);
	/* IPsec-MB: decrypt the odd ones, re-encrypt the even ones. */
	for (i = 0; i < N; i++) {
		op[i].key = &k[i % NK][DPSEC_CRYPTO_IPSEC_MB];
		if (i % 2) {
			op[i].dir = DPSEC_CRYPTO_DECRYPT;
			if (i % 7 == 0)
				icv[i][0] ^= 1;
		} else {
			memcpy(buf[i], ref[i], LEN);
		}
	}
	assert_int_equal(dpsec_crypto_burst(eng[DPSEC_CRYPTO_IPSEC_MB], ops,
			N), N - (N / 14));
	for (i = 0; i < N; i++) {
		if (i % 2 && i % 7 == 0) {
			assert_int_equal(op[i].status, -EBADMSG);
			continue;
		}
		assert_int_equal(op[i].status, 0);
		if (i % 2)
			assert_memory_equal(buf[i], ref[i], LEN);
	}
	/* And OpenSSL decrypts what IPsec-MB encrypted. */
	for (i = 0; i < N; i += 2) {
		op[i].key = &k[i % NK][DPSEC_CRYPTO_OPENSSL];
		op[i].dir = DPSEC_CRYPTO_DECRYPT;
		assert_int_equal(dpsec_crypto_run(eng[DPSEC_CRYPTO_OPENSSL],
				&op[i]), 0);
		assert_memory_equal(buf[i], ref[i], LEN);
	}
	for (i = 0; i < NK; i++)
		for (b = 0; b < NB_BACKENDS; b++)
			dpsec_crypto_key_wipe(&k[i][b]);
}

/* ---------------------------------------------------------------------- */
/* Keys */

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *q = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (q[i] != 0)
			return 0;
	return 1;
}

static void
test_inv4_key_wipe(void **state)
{
	uint8_t ckey[32], akey[100];
	struct dpsec_crypto_key *k;
	size_t i;
	int b;

	(void)state;
	k = aligned_alloc(64, dpsec_crypto_key_size());
	assert_non_null(k);
	memset(ckey, 0xa5, sizeof(ckey));
	memset(akey, 0x3c, sizeof(akey));
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const struct suite *s = &suites[i];

		for (b = 0; b < NB_BACKENDS; b++) {
			assert_int_equal(dpsec_crypto_key_init(k, b, s->cipher,
				ckey, dpsec_crypto_cipher_info_get(s->cipher)->key_len,
				s->auth, akey,
				s->auth == DPSEC_CRYPTO_AUTH_NULL ? 0 : 100), 0);
			assert_false(all_zero(k, dpsec_crypto_key_size()));
			dpsec_crypto_key_wipe(k);
			assert_true(all_zero(k, dpsec_crypto_key_size()));
			assert_int_equal(dpsec_crypto_key_icv_len(k), 0);
		}
	}
	dpsec_crypto_key_wipe(k);	/* twice is fine */
	dpsec_crypto_key_wipe(NULL);
	free(k);
}

static void
test_key_init_errors(void **state)
{
	uint8_t key[32] = { 1 };
	struct dpsec_crypto_key k;
	int b;

	(void)state;
	for (b = 0; b < NB_BACKENDS; b++) {
		/* Wrong key length; salt is not part of the key. */
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, key, 20,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), -EINVAL);
		assert_true(all_zero(&k, sizeof(k)));
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), -EINVAL);
		/* AEAD with a separate MAC. */
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_256, key, 32,
				DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, key, 20), -EINVAL);
		/* CBC without integrity, NULL with NULL (RFC 4303 3.2). */
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_128, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), -EINVAL);
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_NULL, NULL, 0,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), -EINVAL);
		/* HMAC without a key. */
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_128, key, 16,
				DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, NULL, 0), -EINVAL);
		/* Unknown algorithms. */
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_MAX, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), -ENOTSUP);
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_128, key, 16,
				DPSEC_CRYPTO_AUTH_MAX, key, 20), -ENOTSUP);
		/* Tag lengths. */
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		assert_int_equal(dpsec_crypto_key_icv_len(&k), 16);
		assert_int_equal(dpsec_crypto_key_set_icv_len(&k, 12), 0);
		assert_int_equal(dpsec_crypto_key_icv_len(&k), 12);
		assert_int_equal(dpsec_crypto_key_set_icv_len(&k, 10),
				-EINVAL);
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, key, 32,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		assert_int_equal(dpsec_crypto_key_set_icv_len(&k, 8),
				-EINVAL);
		assert_int_equal(dpsec_crypto_key_init(&k, b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_128, key, 16,
				DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, key, 20), 0);
		assert_int_equal(dpsec_crypto_key_icv_len(&k), 12);
		assert_int_equal(dpsec_crypto_key_set_icv_len(&k, 16),
				-ENOTSUP);
		dpsec_crypto_key_wipe(&k);
	}
	assert_null(dpsec_crypto_engine_create(DPSEC_CRYPTO_BACKEND_MAX));
	assert_int_equal(errno, ENOTSUP);
}

/* ---------------------------------------------------------------------- */
/* Bad ops */

static void
test_bad_ops(void **state)
{
	uint8_t key[32] = { 7 }, buf[64] = { 0 }, nonce[16] = { 0 },
		icv[16], aad[80] = { 0 };
	struct dpsec_crypto_key kg[NB_BACKENDS], kc[NB_BACKENDS];
	struct dpsec_crypto_op op[6], *ops[6];
	unsigned int i;
	int b;

	(void)state;
	for (b = 0; b < NB_BACKENDS; b++) {
		assert_int_equal(dpsec_crypto_key_init(&kg[b], b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		assert_int_equal(dpsec_crypto_key_init(&kc[b], b,
				DPSEC_CRYPTO_CIPHER_AES_CBC_128, key, 16,
				DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, key, 20), 0);
	}
	for (b = 0; b < NB_BACKENDS; b++) {
		for (i = 0; i < 6; i++) {
			op[i] = (struct dpsec_crypto_op){
				.key = &kg[b], .iv = nonce, .aad = aad,
				.aad_len = 8, .src = buf, .dst = buf,
				.len = 32, .auth_src = buf, .auth_len = 48,
				.icv = icv, .status = 1,
			};
			ops[i] = &op[i];
		}
		op[1].key = &kg[!b];			/* other backend */
		op[2].aad_len = DPSEC_CRYPTO_AAD_MAX + 1;
		op[3].key = &kc[b];
		op[3].len = 20;				/* not a block */
		op[4].key = NULL;
		op[5].dir = 9;
		assert_int_equal(dpsec_crypto_burst(eng[b], ops, 6), 1);
		assert_int_equal(op[0].status, 0);
		for (i = 1; i < 6; i++)
			assert_int_equal(op[i].status, -EINVAL);
		/* AEAD helpers refuse non-AEAD keys. */
		assert_int_equal(dpsec_aead_seal(eng[b], &kc[b], nonce, NULL,
				0, buf, buf, 16, icv), -EINVAL);
		/* A wiped key is refused. */
		dpsec_crypto_key_wipe(&kc[b]);
		op[3].len = 32;
		assert_int_equal(dpsec_crypto_run(eng[b], &op[3]), -EINVAL);
		assert_int_equal(dpsec_crypto_burst(eng[b], ops, 0), 0);
		dpsec_crypto_key_wipe(&kg[b]);
	}
}

/* ---------------------------------------------------------------------- */
/* Streaming AEAD and keystream, against one-shot OpenSSL seal/open */

static const enum dpsec_crypto_cipher stream_ciphers[] = {
	DPSEC_CRYPTO_CIPHER_AES_GCM_128,
	DPSEC_CRYPTO_CIPHER_AES_GCM_256,
	DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305,
};

/* Message lengths: empty, sub-block, block edges, a TLS record's. */
static const uint32_t stream_lens[] = {
	0, 1, 15, 16, 17, 63, 64, 65, 255, 1448, 4099, 16385,
};

enum { ST_MAX = 16385 + 64 };

static uint8_t st_pt[ST_MAX], st_ref[ST_MAX], st_out[ST_MAX];

/* Split [0, len) into random pieces (sizes 0..max) and run them. */
static void
stream_pieces(struct dpsec_crypto_engine *e, struct dpsec_aead_stream *st,
		const uint8_t *src, uint8_t *dst, uint32_t len, uint32_t max)
{
	uint32_t off = 0, n;

	while (off < len) {
		n = (uint32_t)(rnd() % (max + 1));
		if (n > len - off)
			n = len - off;
		assert_int_equal(dpsec_aead_stream_update(e, st, src + off,
				dst + off, n), 0);
		off += n;
	}
	assert_int_equal(st->len, len);
}

static void
test_stream_aead(void **state)
{
	static struct dpsec_aead_stream st;
	struct dpsec_crypto_key ref, k;
	uint8_t key[32], nonce[12], aad[13], tag_ref[16], tag[16];
	unsigned int c, b, l, rep;
	const uint32_t maxes[] = { 1, 7, 16, 100, 2000, 20000 };

	(void)state;
	for (c = 0; c < RTE_DIM(stream_ciphers); c++) {
		const struct dpsec_crypto_cipher_info *ci =
			dpsec_crypto_cipher_info_get(stream_ciphers[c]);

		for (l = 0; l < RTE_DIM(stream_lens); l++) {
			uint32_t len = stream_lens[l];

			rnd_fill(key, sizeof(key));
			rnd_fill(nonce, sizeof(nonce));
			rnd_fill(aad, sizeof(aad));
			rnd_fill(st_pt, len);
			assert_int_equal(dpsec_crypto_key_init(&ref,
					DPSEC_CRYPTO_OPENSSL, stream_ciphers[c],
					key, ci->key_len, DPSEC_CRYPTO_AUTH_NULL,
					NULL, 0), 0);
			assert_int_equal(dpsec_aead_seal(eng[DPSEC_CRYPTO_OPENSSL],
					&ref, nonce, aad, 13, st_pt, st_ref, len,
					tag_ref), 0);
			for (b = 0; b < NB_BACKENDS; b++) {
				assert_int_equal(dpsec_crypto_key_init(&k, b,
						stream_ciphers[c], key,
						ci->key_len,
						DPSEC_CRYPTO_AUTH_NULL, NULL,
						0), 0);
				for (rep = 0; rep < RTE_DIM(maxes); rep++) {
					/* Seal in pieces, out of place. */
					assert_int_equal(dpsec_aead_stream_init(
						eng[b], &st, &k,
						DPSEC_CRYPTO_ENCRYPT, nonce,
						aad, 13), 0);
					stream_pieces(eng[b], &st, st_pt,
						st_out, len, maxes[rep]);
					assert_int_equal(
						dpsec_aead_stream_final(eng[b],
							&st, tag), 0);
					if (len != 0)
						assert_memory_equal(st_out,
							st_ref, len);
					assert_memory_equal(tag, tag_ref, 16);
					assert_int_equal(st.active, 0);
					/* Open in pieces, in place. */
					memcpy(st_out, st_ref, len);
					assert_int_equal(dpsec_aead_stream_init(
						eng[b], &st, &k,
						DPSEC_CRYPTO_DECRYPT, nonce,
						aad, 13), 0);
					stream_pieces(eng[b], &st, st_out,
						st_out, len, maxes[rep]);
					assert_int_equal(
						dpsec_aead_stream_final(eng[b],
							&st, tag_ref), 0);
					if (len != 0)
						assert_memory_equal(st_out,
							st_pt, len);
				}
				/* A wrong tag, or a flipped ciphertext bit,
				 * fails the final. */
				memcpy(tag, tag_ref, 16);
				tag[rep % 16] ^= 0x10;
				assert_int_equal(dpsec_aead_stream_init(eng[b],
					&st, &k, DPSEC_CRYPTO_DECRYPT, nonce,
					aad, 13), 0);
				stream_pieces(eng[b], &st, st_ref, st_out, len,
					64);
				assert_int_equal(dpsec_aead_stream_final(eng[b],
					&st, tag), -EBADMSG);
				if (len != 0) {
					memcpy(st_out, st_ref, len);
					st_out[len / 2] ^= 1;
					assert_int_equal(dpsec_aead_stream_init(
						eng[b], &st, &k,
						DPSEC_CRYPTO_DECRYPT, nonce,
						aad, 13), 0);
					stream_pieces(eng[b], &st, st_out,
						st_out, len, 999);
					assert_int_equal(
						dpsec_aead_stream_final(eng[b],
							&st, tag_ref),
						-EBADMSG);
				}
				/* A changed AAD fails too. */
				aad[0] ^= 1;
				assert_int_equal(dpsec_aead_stream_init(eng[b],
					&st, &k, DPSEC_CRYPTO_DECRYPT, nonce,
					aad, 13), 0);
				stream_pieces(eng[b], &st, st_ref, st_out, len,
					333);
				assert_int_equal(dpsec_aead_stream_final(eng[b],
					&st, tag_ref), -EBADMSG);
				aad[0] ^= 1;
				/* An abandoned message leaves the stream
				 * reusable. */
				assert_int_equal(dpsec_aead_stream_init(eng[b],
					&st, &k, DPSEC_CRYPTO_ENCRYPT, nonce,
					aad, 13), 0);
				stream_pieces(eng[b], &st, st_pt, st_out, len,
					50);
				dpsec_aead_stream_abort(&st);
				assert_int_equal(st.active, 0);
				assert_int_equal(dpsec_aead_stream_update(
					eng[b], &st, st_pt, st_out, 1), -EINVAL);
				dpsec_aead_stream_release(&st);
				dpsec_crypto_key_wipe(&k);
			}
			dpsec_crypto_key_wipe(&ref);
		}
	}
}

/*
 * dpsec_aead_stream_update_plain(): a decrypt stream fed some pieces as
 * the plaintext a NIC already produced (their ciphertext comes out to
 * scratch) and the others as ciphertext gives the one-shot result; a
 * flipped bit in a plaintext piece fails the tag; OpenSSL streams say
 * -ENOTSUP.
 */
static void
test_stream_plain(void **state)
{
	static struct dpsec_aead_stream st;
	static uint8_t ct[ST_MAX];
	struct dpsec_crypto_key k;
	uint8_t key[32], nonce[12], aad[13], tag_ref[16];
	unsigned int c, l, rep;
	int flip;

	(void)state;
	for (c = 0; c < RTE_DIM(stream_ciphers); c++) {
		const struct dpsec_crypto_cipher_info *ci =
			dpsec_crypto_cipher_info_get(stream_ciphers[c]);

		for (l = 0; l < RTE_DIM(stream_lens); l++) {
			uint32_t len = stream_lens[l];

			rnd_fill(key, sizeof(key));
			rnd_fill(nonce, sizeof(nonce));
			rnd_fill(aad, sizeof(aad));
			rnd_fill(st_pt, len);
			assert_int_equal(dpsec_crypto_key_init(&k,
					DPSEC_CRYPTO_IPSEC_MB, stream_ciphers[c],
					key, ci->key_len, DPSEC_CRYPTO_AUTH_NULL,
					NULL, 0), 0);
			assert_int_equal(dpsec_aead_seal(
					eng[DPSEC_CRYPTO_IPSEC_MB], &k, nonce,
					aad, 13, st_pt, st_ref, len, tag_ref), 0);
			for (rep = 0; rep < 8; rep++) {
				uint32_t off = 0, n, max = rep < 4 ? 40 : 3000;

				flip = len != 0 && rep == 7 ? 1 : 0;
				assert_int_equal(dpsec_aead_stream_init(
					eng[DPSEC_CRYPTO_IPSEC_MB], &st, &k,
					DPSEC_CRYPTO_DECRYPT, nonce, aad, 13), 0);
				while (off < len) {
					n = (uint32_t)(rnd() % (max + 1));
					if (n > len - off)
						n = len - off;
					if (rnd() % 2) {
						memcpy(st_out + off, st_pt + off,
						       n);
						if (flip && n != 0) {
							st_out[off] ^= 1;
							flip = 0;
						}
						assert_int_equal(
						dpsec_aead_stream_update_plain(
						eng[DPSEC_CRYPTO_IPSEC_MB], &st,
						st_out + off, ct, n), 0);
						if (n != 0 && rep != 7)
							assert_memory_equal(ct,
							st_ref + off, n);
					} else {
						memcpy(st_out + off, st_ref + off,
						       n);
						assert_int_equal(
						dpsec_aead_stream_update(
						eng[DPSEC_CRYPTO_IPSEC_MB], &st,
						st_out + off, st_out + off, n),
						0);
					}
					off += n;
				}
				if (rep == 7 && len != 0 && flip == 0) {
					assert_int_equal(dpsec_aead_stream_final(
						eng[DPSEC_CRYPTO_IPSEC_MB], &st,
						tag_ref), -EBADMSG);
					continue;
				}
				assert_int_equal(dpsec_aead_stream_final(
					eng[DPSEC_CRYPTO_IPSEC_MB], &st,
					tag_ref), 0);
				if (len != 0 && rep != 7)
					assert_memory_equal(st_out, st_pt, len);
			}
			dpsec_crypto_key_wipe(&k);
			/* OpenSSL streams cannot. */
			assert_int_equal(dpsec_crypto_key_init(&k,
					DPSEC_CRYPTO_OPENSSL, stream_ciphers[c],
					key, ci->key_len, DPSEC_CRYPTO_AUTH_NULL,
					NULL, 0), 0);
			assert_int_equal(dpsec_aead_stream_init(
				eng[DPSEC_CRYPTO_OPENSSL], &st, &k,
				DPSEC_CRYPTO_DECRYPT, nonce, aad, 13), 0);
			assert_int_equal(dpsec_aead_stream_update_plain(
				eng[DPSEC_CRYPTO_OPENSSL], &st, st_pt, ct, 1),
				-ENOTSUP);
			dpsec_aead_stream_abort(&st);
			dpsec_aead_stream_release(&st);
			dpsec_crypto_key_wipe(&k);
		}
	}
}

static void
test_stream_errors(void **state)
{
	static struct dpsec_aead_stream st;
	struct dpsec_crypto_key kg[NB_BACKENDS], kc;
	uint8_t key[32] = { 1 }, akey[20] = { 2 }, nonce[12] = { 3 };
	uint8_t buf[64] = { 0 }, tag[16] = { 0 };
	int b;

	(void)state;
	for (b = 0; b < NB_BACKENDS; b++)
		assert_int_equal(dpsec_crypto_key_init(&kg[b], b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
	assert_int_equal(dpsec_crypto_key_init(&kc, DPSEC_CRYPTO_OPENSSL,
			DPSEC_CRYPTO_CIPHER_AES_CBC_128, key, 16,
			DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, akey, 20), 0);
	/* Not an AEAD key; key of another backend; bad lengths/pointers. */
	assert_int_equal(dpsec_aead_stream_init(eng[DPSEC_CRYPTO_OPENSSL],
			&st, &kc, DPSEC_CRYPTO_ENCRYPT, nonce, NULL, 0),
			-EINVAL);
	assert_int_equal(dpsec_aead_stream_init(eng[DPSEC_CRYPTO_OPENSSL],
			&st, &kg[DPSEC_CRYPTO_IPSEC_MB], DPSEC_CRYPTO_ENCRYPT,
			nonce, NULL, 0), -EINVAL);
	assert_int_equal(dpsec_aead_stream_init(eng[DPSEC_CRYPTO_OPENSSL],
			&st, &kg[DPSEC_CRYPTO_OPENSSL], DPSEC_CRYPTO_ENCRYPT,
			nonce, NULL, 5), -EINVAL);
	assert_int_equal(dpsec_aead_stream_init(eng[DPSEC_CRYPTO_OPENSSL],
			&st, &kg[DPSEC_CRYPTO_OPENSSL], DPSEC_CRYPTO_ENCRYPT,
			nonce, buf, DPSEC_CRYPTO_AAD_MAX + 1), -EINVAL);
	assert_int_equal(dpsec_aead_stream_init(eng[DPSEC_CRYPTO_OPENSSL],
			&st, &kg[DPSEC_CRYPTO_OPENSSL], DPSEC_CRYPTO_ENCRYPT,
			NULL, NULL, 0), -EINVAL);
	assert_int_equal(st.active, 0);
	/* Update/final on an inactive stream, or with another backend's
	 * engine. */
	assert_int_equal(dpsec_aead_stream_update(eng[0], &st, buf, buf, 1),
			-EINVAL);
	assert_int_equal(dpsec_aead_stream_final(eng[0], &st, tag), -EINVAL);
	for (b = 0; b < NB_BACKENDS; b++) {
		assert_int_equal(dpsec_aead_stream_init(eng[b], &st, &kg[b],
				DPSEC_CRYPTO_ENCRYPT, nonce, NULL, 0), 0);
		assert_int_equal(dpsec_aead_stream_update(eng[b], &st, NULL,
				buf, 4), -EINVAL);
		assert_int_equal(dpsec_aead_stream_update(eng[!b], &st, buf,
				buf, 4), -EINVAL);
		assert_int_equal(dpsec_aead_stream_update(eng[b], &st, NULL,
				NULL, 0), 0);
		assert_int_equal(dpsec_aead_stream_final(eng[b], &st, NULL),
				-EINVAL);
		assert_int_equal(st.active, 0);
		/* Keystream: bad key, backend mismatch, NULL buffer. */
		assert_int_equal(dpsec_aead_keystream_xor(eng[b], &kc, nonce,
				0, buf, 16), -EINVAL);
		assert_int_equal(dpsec_aead_keystream_xor(eng[!b], &kg[b],
				nonce, 0, buf, 16), -EINVAL);
		assert_int_equal(dpsec_aead_keystream_xor(eng[b], &kg[b],
				nonce, 0, NULL, 16), -EINVAL);
		assert_int_equal(dpsec_aead_keystream_xor(eng[b], &kg[b],
				nonce, 0, NULL, 0), 0);
	}
	dpsec_aead_stream_release(&st);
	dpsec_aead_stream_release(&st);		/* twice is safe */
	for (b = 0; b < NB_BACKENDS; b++)
		dpsec_crypto_key_wipe(&kg[b]);
	dpsec_crypto_key_wipe(&kc);
}

/*
 * The keystream at any offset turns the plaintext's bytes there into the
 * one-shot ciphertext's and back (the ciphertext of an AEAD is the
 * plaintext XOR the payload keystream).
 */
static void
test_keystream(void **state)
{
	struct dpsec_crypto_key ref, k;
	uint8_t key[32], nonce[12], tag[16];
	unsigned int c, b, i;
	const uint32_t len = 16385;

	(void)state;
	for (c = 0; c < RTE_DIM(stream_ciphers); c++) {
		const struct dpsec_crypto_cipher_info *ci =
			dpsec_crypto_cipher_info_get(stream_ciphers[c]);

		rnd_fill(key, sizeof(key));
		rnd_fill(nonce, sizeof(nonce));
		rnd_fill(st_pt, len);
		assert_int_equal(dpsec_crypto_key_init(&ref,
				DPSEC_CRYPTO_OPENSSL, stream_ciphers[c], key,
				ci->key_len, DPSEC_CRYPTO_AUTH_NULL, NULL, 0),
				0);
		assert_int_equal(dpsec_aead_seal(eng[DPSEC_CRYPTO_OPENSSL],
				&ref, nonce, NULL, 0, st_pt, st_ref, len, tag),
				0);
		for (b = 0; b < NB_BACKENDS; b++) {
			assert_int_equal(dpsec_crypto_key_init(&k, b,
					stream_ciphers[c], key, ci->key_len,
					DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
			/* Whole message, then random windows (edges of the
			 * 16- and 64-byte blocks included by chance and by
			 * the fixed cases). */
			for (i = 0; i < 300; i++) {
				uint32_t off, n;

				if (i == 0) {
					off = 0;
					n = len;
				} else if (i < 8) {
					off = (uint32_t[]){ 1, 15, 16, 63, 64,
						65, 16384 }[i - 1];
					n = len - off;
				} else {
					off = (uint32_t)(rnd() % len);
					n = (uint32_t)(rnd() % (len - off)) + 1;
				}
				memcpy(st_out, st_pt + off, n);
				assert_int_equal(dpsec_aead_keystream_xor(
					eng[b], &k, nonce, off, st_out, n), 0);
				assert_memory_equal(st_out, st_ref + off, n);
				assert_int_equal(dpsec_aead_keystream_xor(
					eng[b], &k, nonce, off, st_out, n), 0);
				assert_memory_equal(st_out, st_pt + off, n);
			}
			dpsec_crypto_key_wipe(&k);
		}
		dpsec_crypto_key_wipe(&ref);
	}
}

/*
 * ChaCha20-Poly1305 encryption of one byte to 16 KiB, full-size packet
 * payloads included (1217..1472 bytes: see doc/benchmarks.md, "A
 * measurement under load"): the same ciphertext and tag from both
 * backends, and each backend opens the other's.
 */
static void
test_chacha_sizes(void **state)
{
	static const uint32_t lens[] = { 1, 1150, 1216, 1217, 1218, 1456,
					 1472, 1473, 4000, 16384 };
	static uint8_t pt[16384], c_mb[16384], c_os[16384];
	struct dpsec_crypto_key k[NB_BACKENDS];
	uint8_t key[32], nonce[12], aad[12], t_mb[16], t_os[16];
	unsigned int i;
	int b;

	(void)state;
	rnd_fill(key, sizeof(key));
	rnd_fill(nonce, sizeof(nonce));
	rnd_fill(aad, sizeof(aad));
	rnd_fill(pt, sizeof(pt));
	for (b = 0; b < NB_BACKENDS; b++)
		assert_int_equal(dpsec_crypto_key_init(&k[b], b,
				DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305, key, 32,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
	for (i = 0; i < RTE_DIM(lens); i++) {
		uint32_t n = lens[i];
		struct dpsec_crypto_op o = {
			.dir = DPSEC_CRYPTO_ENCRYPT, .iv = nonce, .aad = aad,
			.aad_len = sizeof(aad), .len = n,
		};

		o.key = &k[DPSEC_CRYPTO_IPSEC_MB];
		o.src = pt;
		o.dst = c_mb;
		o.icv = t_mb;
		assert_int_equal(dpsec_crypto_run(eng[DPSEC_CRYPTO_IPSEC_MB],
						  &o), 0);
		o.key = &k[DPSEC_CRYPTO_OPENSSL];
		o.dst = c_os;
		o.icv = t_os;
		assert_int_equal(dpsec_crypto_run(eng[DPSEC_CRYPTO_OPENSSL],
						  &o), 0);
		assert_memory_equal(c_mb, c_os, n);
		assert_memory_equal(t_mb, t_os, 16);
		/* each opens the other's, in place */
		for (b = 0; b < NB_BACKENDS; b++) {
			uint8_t *c = b == DPSEC_CRYPTO_IPSEC_MB ? c_os : c_mb;

			o.key = &k[b];
			o.dir = DPSEC_CRYPTO_DECRYPT;
			o.src = o.dst = c;
			o.icv = b == DPSEC_CRYPTO_IPSEC_MB ? t_os : t_mb;
			assert_int_equal(dpsec_crypto_run(eng[b], &o), 0);
			assert_memory_equal(c, pt, n);
			o.dir = DPSEC_CRYPTO_ENCRYPT;
		}
	}
	for (b = 0; b < NB_BACKENDS; b++)
		dpsec_crypto_key_wipe(&k[b]);
}

/*
 * dpsec_crypto_rand() (CBC IVs): per engine a keystream no other engine
 * repeats, never the same block twice in a run, every byte value seen in
 * a long draw, any length (0, odd, across calls), and the seed is drawn
 * once (a second engine, not a second call, gets new bytes).
 */
static void
test_rand_ivs(void **state)
{
	static uint8_t a[1 << 16], b[1 << 16];
	unsigned int be, i, j, seen[256] = { 0 };
	uint8_t zero[64] = { 0 }, small[3];

	(void)state;
	for (be = 0; be < NB_BACKENDS; be++) {
		assert_int_equal(dpsec_crypto_rand(eng[be], a, sizeof(a)), 0);
		/* 4096 16-byte IVs: every 256th differs from all after it
		 * (a repeat is ~2^-100) */
		for (i = 0; i < sizeof(a) / 16; i += 256)
			for (j = i + 1; j < sizeof(a) / 16; j++)
				assert_memory_not_equal(a + 16 * i, a + 16 * j,
							16);
		for (i = 0; i < sizeof(a); i++)
			seen[a[i]]++;
		for (i = 0; i < 256; i++)
			assert_true(seen[i] > 0);
		assert_memory_not_equal(a, zero, sizeof(zero));
		/* the stream goes on: the next draw is not the first again */
		assert_int_equal(dpsec_crypto_rand(eng[be], b, sizeof(b)), 0);
		assert_memory_not_equal(a, b, 4096);
		assert_int_equal(dpsec_crypto_rand(eng[be], small, 0), 0);
		assert_int_equal(dpsec_crypto_rand(eng[be], small, 3), 0);
	}
	/* another engine: another key */
	{
		struct dpsec_crypto_engine *e2 =
			dpsec_crypto_engine_create(DPSEC_CRYPTO_IPSEC_MB);

		assert_non_null(e2);
		assert_int_equal(dpsec_crypto_rand(e2, b, 4096), 0);
		assert_int_equal(dpsec_crypto_rand(eng[0], a, 4096), 0);
		assert_memory_not_equal(a, b, 4096);
		dpsec_crypto_engine_free(e2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_tables),
		cmocka_unit_test(test_rte_conversions),
		cmocka_unit_test(test_kat_aead),
		cmocka_unit_test(test_kat_cbc),
		cmocka_unit_test(test_kat_hmac),
		cmocka_unit_test(test_cross_check),
		cmocka_unit_test(test_long_mixed_burst),
		cmocka_unit_test(test_inv4_key_wipe),
		cmocka_unit_test(test_key_init_errors),
		cmocka_unit_test(test_bad_ops),
		cmocka_unit_test(test_stream_aead),
		cmocka_unit_test(test_stream_plain),
		cmocka_unit_test(test_stream_errors),
		cmocka_unit_test(test_keystream),
		cmocka_unit_test(test_rand_ivs),
		cmocka_unit_test(test_chacha_sizes),
	};

	return cmocka_run_group_tests_name("crypto", tests, setup_engines,
			teardown_engines);
}
