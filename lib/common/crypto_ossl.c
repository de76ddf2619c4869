/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto layer, OpenSSL 3 EVP backend.
 *
 * The portable backend, and the independent implementation the unit tests
 * cross-check IPsec-MB against. Ops run one by one. Cipher and MAC
 * implementations are fetched once per engine (an implicit fetch per op
 * would take the provider store's lock); the EVP contexts keep the
 * schedule of the last key, identified by its key id, so a burst on one
 * SA only re-arms the IV.
 */

#define DPSEC_CRYPTO_INTERNAL
#include "crypto.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <rte_branch_prediction.h>

enum { MAC_SHA1, MAC_SHA256, MAC_SHA384, MAC_SHA512, MAC_NB };

struct ossl_engine {
	struct dpsec_crypto_engine base;
	EVP_CIPHER_CTX *cctx;
	uint64_t cctx_key_id;		/* key whose schedule cctx holds */
	int cctx_enc;			/* and the direction it was set up for */
	EVP_CIPHER *cipher[DPSEC_CRYPTO_CIPHER_MAX];
	EVP_MAC *mac;
	EVP_MAC_CTX *mctx[MAC_NB];
	uint64_t mctx_key_id[MAC_NB];
	void *ks_ctx;			/* keystream context, on first use */
};

static const char *const cipher_names[DPSEC_CRYPTO_CIPHER_MAX] = {
	[DPSEC_CRYPTO_CIPHER_AES_CBC_128] = "AES-128-CBC",
	[DPSEC_CRYPTO_CIPHER_AES_CBC_192] = "AES-192-CBC",
	[DPSEC_CRYPTO_CIPHER_AES_CBC_256] = "AES-256-CBC",
	[DPSEC_CRYPTO_CIPHER_AES_GCM_128] = "AES-128-GCM",
	[DPSEC_CRYPTO_CIPHER_AES_GCM_192] = "AES-192-GCM",
	[DPSEC_CRYPTO_CIPHER_AES_GCM_256] = "AES-256-GCM",
	[DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

static const char *const mac_digests[MAC_NB] = {
	[MAC_SHA1] = "SHA1",
	[MAC_SHA256] = "SHA256",
	[MAC_SHA384] = "SHA384",
	[MAC_SHA512] = "SHA512",
};

/* MAC context (and digest) of each integrity algorithm. */
static const uint8_t mac_of_auth[DPSEC_CRYPTO_AUTH_MAX] = {
	[DPSEC_CRYPTO_AUTH_HMAC_SHA1_96] = MAC_SHA1,
	[DPSEC_CRYPTO_AUTH_HMAC_SHA256_128] = MAC_SHA256,
	[DPSEC_CRYPTO_AUTH_HMAC_SHA384_192] = MAC_SHA384,
	[DPSEC_CRYPTO_AUTH_HMAC_SHA512_256] = MAC_SHA512,
};

static uint8_t empty_buf[16];

int
dpsec_crypto_ossl_key_init(struct dpsec_crypto_key *key, const uint8_t *ckey,
		const uint8_t *akey, uint16_t akey_len)
{
	const struct dpsec_crypto_auth_info *ai;
	const EVP_MD *md;
	unsigned int len;

	if (key->ckey_len != 0)
		memcpy(key->c.raw, ckey, key->ckey_len);
	if (key->auth == DPSEC_CRYPTO_AUTH_NULL)
		return 0;
	/* RFC 2104 2: a key longer than the block is hashed first. */
	ai = dpsec_crypto_auth_info_get(key->auth);
	if (akey_len > ai->block_size) {
		switch (key->auth) {
		case DPSEC_CRYPTO_AUTH_HMAC_SHA1_96:
			md = EVP_sha1();
			break;
		case DPSEC_CRYPTO_AUTH_HMAC_SHA256_128:
			md = EVP_sha256();
			break;
		case DPSEC_CRYPTO_AUTH_HMAC_SHA384_192:
			md = EVP_sha384();
			break;
		default:
			md = EVP_sha512();
			break;
		}
		if (!EVP_Digest(akey, akey_len, key->a.ossl.key, &len, md,
				NULL))
			return -ENOTSUP;
		key->a.ossl.len = len;
	} else {
		memcpy(key->a.ossl.key, akey, akey_len);
		key->a.ossl.len = akey_len;
	}
	return 0;
}

/* Key and IV into the cipher context; reuses the schedule when it can. */
static inline int
cipher_arm(struct ossl_engine *oe, const struct dpsec_crypto_key *k,
		const uint8_t *iv, int enc)
{
	EVP_CIPHER_CTX *c = oe->cctx;

	if (likely(oe->cctx_key_id == k->id && oe->cctx_enc == enc))
		return EVP_CipherInit_ex2(c, NULL, NULL, iv, enc, NULL) == 1;
	oe->cctx_key_id = 0;
	if (EVP_CipherInit_ex2(c, oe->cipher[k->cipher], k->c.raw, iv, enc,
			NULL) != 1)
		return 0;
	if (k->kind == DPSEC_CRYPTO_KIND_CBC_HMAC &&
			EVP_CIPHER_CTX_set_padding(c, 0) != 1)
		return 0;
	oe->cctx_key_id = k->id;
	oe->cctx_enc = enc;
	return 1;
}

static int
do_aead(struct ossl_engine *oe, struct dpsec_crypto_op *op)
{
	const struct dpsec_crypto_key *k = op->key;
	int enc = op->dir == DPSEC_CRYPTO_ENCRYPT;
	EVP_CIPHER_CTX *c = oe->cctx;
	uint8_t tail[32];
	int outl;

	if (!cipher_arm(oe, k, op->iv, enc))
		goto err;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, k->icv_len,
			op->icv) != 1)
		goto err;
	if (op->aad_len != 0 &&
			EVP_CipherUpdate(c, NULL, &outl, op->aad,
				op->aad_len) != 1)
		goto err;
	if (op->len != 0 &&
			EVP_CipherUpdate(c, op->dst, &outl, op->src,
				(int)op->len) != 1)
		goto err;
	if (EVP_CipherFinal_ex(c, tail, &outl) != 1) {
		/* The only way a decrypt Final fails: the tag (compared
		 * with CRYPTO_memcmp by OpenSSL). */
		if (enc)
			goto err;
		if (op->len != 0)
			memset(op->dst, 0, op->len);
		return -EBADMSG;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, k->icv_len,
			op->icv) != 1)
		goto err;
	return 0;
err:
	oe->cctx_key_id = 0;
	return -EINVAL;
}

static int
do_cbc(struct ossl_engine *oe, struct dpsec_crypto_op *op)
{
	const struct dpsec_crypto_key *k = op->key;
	int enc = op->dir == DPSEC_CRYPTO_ENCRYPT;
	uint8_t tail[32];
	int outl;

	if (op->len == 0)
		return 0;
	if (!cipher_arm(oe, k, op->iv, enc) ||
			EVP_CipherUpdate(oe->cctx, op->dst, &outl, op->src,
				(int)op->len) != 1 ||
			EVP_CipherFinal_ex(oe->cctx, tail, &outl) != 1) {
		oe->cctx_key_id = 0;
		return -EINVAL;
	}
	return 0;
}

static int
hmac(struct ossl_engine *oe, const struct dpsec_crypto_key *k,
		const uint8_t *data, uint32_t len,
		uint8_t out[DPSEC_CRYPTO_DIGEST_MAX])
{
	int i = mac_of_auth[k->auth];
	EVP_MAC_CTX *m = oe->mctx[i];
	size_t outl;
	int ok;

	if (likely(oe->mctx_key_id[i] == k->id)) {
		/* Same key: HMAC_Init_ex(NULL key) restarts from the pads. */
		ok = EVP_MAC_init(m, NULL, 0, NULL);
	} else {
		oe->mctx_key_id[i] = 0;
		ok = EVP_MAC_init(m, k->a.ossl.key, k->a.ossl.len, NULL);
		if (ok)
			oe->mctx_key_id[i] = k->id;
	}
	if (ok != 1 ||
			EVP_MAC_update(m, data != NULL ? data : empty_buf,
				len) != 1 ||
			EVP_MAC_final(m, out, &outl,
				DPSEC_CRYPTO_DIGEST_MAX) != 1) {
		oe->mctx_key_id[i] = 0;
		return -EINVAL;
	}
	return 0;
}

static int
do_hmac(struct ossl_engine *oe, struct dpsec_crypto_op *op)
{
	const struct dpsec_crypto_key *k = op->key;
	uint8_t md[DPSEC_CRYPTO_DIGEST_MAX];
	int rc;

	if (op->dir == DPSEC_CRYPTO_ENCRYPT) {
		/* RFC 4303 3.3.2: encrypt, then MAC the ciphertext. */
		if (k->kind == DPSEC_CRYPTO_KIND_CBC_HMAC)
			rc = do_cbc(oe, op);
		else
			rc = 0;
		if (k->kind == DPSEC_CRYPTO_KIND_NULL_HMAC && op->len != 0 &&
				op->dst != op->src)
			memmove(op->dst, op->src, op->len);
		if (rc == 0)
			rc = hmac(oe, k, op->auth_src, op->auth_len, md);
		if (rc == 0)
			memcpy(op->icv, md, k->icv_len);
		return rc;
	}
	/* RFC 4303 3.4.4: verify the ICV before decrypting. */
	rc = hmac(oe, k, op->auth_src, op->auth_len, md);
	if (rc != 0)
		return rc;
	if (dpsec_crypto_ct_neq(md, op->icv, k->icv_len)) {
		if (op->len != 0)
			memset(op->dst, 0, op->len);
		return -EBADMSG;
	}
	if (k->kind == DPSEC_CRYPTO_KIND_CBC_HMAC)
		return do_cbc(oe, op);
	if (op->len != 0 && op->dst != op->src)
		memmove(op->dst, op->src, op->len);
	return 0;
}

static unsigned int
ossl_burst(struct dpsec_crypto_engine *e, struct dpsec_crypto_op *ops[],
		unsigned int n)
{
	struct ossl_engine *oe = (struct ossl_engine *)e;
	unsigned int i, nb_ok = 0;

	for (i = 0; i < n; i++) {
		struct dpsec_crypto_op *op = ops[i];
		int rc;

		rc = dpsec_crypto_op_check(op, DPSEC_CRYPTO_OPENSSL);
		if (unlikely(rc != 0 || op->len > INT_MAX ||
				op->auth_len > INT_MAX)) {
			op->status = -EINVAL;
			continue;
		}
		switch (op->key->kind) {
		case DPSEC_CRYPTO_KIND_GCM:
		case DPSEC_CRYPTO_KIND_CHACHA:
			rc = do_aead(oe, op);
			break;
		default:
			rc = do_hmac(oe, op);
			break;
		}
		op->status = rc;
		nb_ok += rc == 0;
	}
	return nb_ok;
}

static void
ossl_engine_free(struct dpsec_crypto_engine *e)
{
	struct ossl_engine *oe = (struct ossl_engine *)e;
	unsigned int i;

	/* The *_free functions cleanse the key schedules they hold. */
	EVP_CIPHER_CTX_free(oe->cctx);
	EVP_CIPHER_CTX_free(oe->ks_ctx);
	for (i = 0; i < MAC_NB; i++)
		EVP_MAC_CTX_free(oe->mctx[i]);
	EVP_MAC_free(oe->mac);
	for (i = 0; i < DPSEC_CRYPTO_CIPHER_MAX; i++)
		EVP_CIPHER_free(oe->cipher[i]);
	OPENSSL_cleanse(oe, sizeof(*oe));
	free(oe);
}

struct dpsec_crypto_engine *
dpsec_crypto_ossl_engine_create(void)
{
	struct ossl_engine *oe;
	OSSL_PARAM params[2];
	unsigned int i;

	oe = calloc(1, sizeof(*oe));
	if (oe == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	oe->base.burst = ossl_burst;
	oe->base.free = ossl_engine_free;
	oe->base.backend = DPSEC_CRYPTO_OPENSSL;

	oe->cctx = EVP_CIPHER_CTX_new();
	if (oe->cctx == NULL)
		goto out_nomem;
	for (i = 0; i < DPSEC_CRYPTO_CIPHER_MAX; i++) {
		if (cipher_names[i] == NULL)
			continue;
		oe->cipher[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		if (oe->cipher[i] == NULL)
			goto out_notsup;
	}
	oe->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (oe->mac == NULL)
		goto out_notsup;
	for (i = 0; i < MAC_NB; i++) {
		oe->mctx[i] = EVP_MAC_CTX_new(oe->mac);
		if (oe->mctx[i] == NULL)
			goto out_nomem;
		params[0] = OSSL_PARAM_construct_utf8_string(
				OSSL_MAC_PARAM_DIGEST,
				(char *)(uintptr_t)mac_digests[i], 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_MAC_CTX_set_params(oe->mctx[i], params) != 1)
			goto out_notsup;
	}
	return &oe->base;

out_notsup:
	ossl_engine_free(&oe->base);
	errno = ENOTSUP;
	return NULL;
out_nomem:
	ossl_engine_free(&oe->base);
	errno = ENOMEM;
	return NULL;
}

/*
 * Streaming AEAD: one EVP_CIPHER_CTX per stream, its pointer in the
 * stream's state, made on the stream's first message and kept (reset, not
 * freed) between messages; dpsec_aead_stream_release() frees it.
 */
static inline EVP_CIPHER_CTX **
stream_ctx(struct dpsec_aead_stream *s)
{
	return (EVP_CIPHER_CTX **)(void *)s->state;
}

int
dpsec_crypto_ossl_stream_init(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len)
{
	struct ossl_engine *oe = (struct ossl_engine *)e;
	const struct dpsec_crypto_key *k = s->key;
	EVP_CIPHER_CTX **cp = stream_ctx(s);
	int outl;

	if (*cp == NULL) {
		*cp = EVP_CIPHER_CTX_new();
		if (*cp == NULL)
			return -ENOMEM;
	}
	if (EVP_CipherInit_ex2(*cp, oe->cipher[k->cipher], k->c.raw, nonce,
			s->dir == DPSEC_CRYPTO_ENCRYPT, NULL) != 1 ||
			(aad_len != 0 && EVP_CipherUpdate(*cp, NULL, &outl,
				aad, aad_len) != 1)) {
		EVP_CIPHER_CTX_reset(*cp);
		return -EINVAL;
	}
	return 0;
}

int
dpsec_crypto_ossl_stream_update(struct dpsec_aead_stream *s,
		const uint8_t *src, uint8_t *dst, uint32_t len)
{
	EVP_CIPHER_CTX *c = *stream_ctx(s);
	int outl;

	/* Both AEADs are stream ciphers to EVP: outl == len, always. */
	while (len != 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (EVP_CipherUpdate(c, dst, &outl, src, n) != 1 || outl != n)
			return -EINVAL;
		src += n;
		dst += n;
		len -= (uint32_t)n;
	}
	return 0;
}

int
dpsec_crypto_ossl_stream_final(struct dpsec_aead_stream *s, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = *stream_ctx(s);
	int icv = s->key->icv_len;
	uint8_t tail[32];
	int outl;

	if (s->dir == DPSEC_CRYPTO_ENCRYPT) {
		if (EVP_CipherFinal_ex(c, tail, &outl) != 1 ||
				EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG,
					icv, tag) != 1)
			return -EINVAL;
		return 0;
	}
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, icv, tag) != 1)
		return -EINVAL;
	/* A decrypt Final fails on the tag only (CRYPTO_memcmp). */
	return EVP_CipherFinal_ex(c, tail, &outl) == 1 ? 0 : -EBADMSG;
}

void
dpsec_crypto_ossl_stream_reset(struct dpsec_aead_stream *s, int release)
{
	EVP_CIPHER_CTX **cp = stream_ctx(s);

	if (*cp == NULL)
		return;
	if (release) {
		EVP_CIPHER_CTX_free(*cp);	/* cleanses the key schedule */
		*cp = NULL;
	} else {
		EVP_CIPHER_CTX_reset(*cp);
	}
}

/*
 * Keystream at a payload offset. AES-GCM: AES-CTR from the counter block
 * nonce || (2 + offset / 16) (SP 800-38D §7.1). ChaCha20: the 16-byte
 * EVP IV is the 32-bit little-endian block counter, 1 + offset / 64
 * (RFC 8439 §2.8: block 0 makes the Poly1305 key), then the nonce.
 */
int
dpsec_crypto_ossl_ks_xor(void **ctxp, const struct dpsec_crypto_key *key,
		const uint8_t nonce[12], uint64_t offset, uint8_t *buf,
		uint32_t len)
{
	EVP_CIPHER_CTX *c = *ctxp;
	const EVP_CIPHER *ciph;
	uint8_t iv[16], ks[64];
	uint32_t bsz, blk, skip, n;
	int outl, ok = 1;

	if (c == NULL) {
		c = EVP_CIPHER_CTX_new();
		if (c == NULL)
			return -ENOMEM;
		*ctxp = c;
	}
	if (key->kind == DPSEC_CRYPTO_KIND_CHACHA) {
		ciph = EVP_chacha20();
		bsz = 64;
		blk = (uint32_t)(offset / 64) + 1;
		iv[0] = (uint8_t)blk;
		iv[1] = (uint8_t)(blk >> 8);
		iv[2] = (uint8_t)(blk >> 16);
		iv[3] = (uint8_t)(blk >> 24);
		memcpy(iv + 4, nonce, 12);
	} else {
		ciph = key->ckey_len == 16 ? EVP_aes_128_ctr() :
		       key->ckey_len == 24 ? EVP_aes_192_ctr() :
		       EVP_aes_256_ctr();
		bsz = 16;
		blk = (uint32_t)(offset / 16) + 2;
		memcpy(iv, nonce, 12);
		iv[12] = (uint8_t)(blk >> 24);
		iv[13] = (uint8_t)(blk >> 16);
		iv[14] = (uint8_t)(blk >> 8);
		iv[15] = (uint8_t)blk;
	}
	skip = (uint32_t)(offset % bsz);
	if (EVP_EncryptInit_ex2(c, ciph, key->c.raw, iv, NULL) != 1)
		ok = 0;
	/* Throw away the first skip bytes of the block. */
	memset(ks, 0, sizeof(ks));
	if (ok && skip != 0 && EVP_EncryptUpdate(c, ks, &outl, ks,
			(int)skip) != 1)
		ok = 0;
	/* A stream cipher to EVP: in place on the caller's bytes. */
	while (ok && len != 0) {
		n = len > (1u << 30) ? (1u << 30) : len;
		if (EVP_EncryptUpdate(c, buf, &outl, buf, (int)n) != 1)
			ok = 0;
		buf += n;
		len -= n;
	}
	EVP_CIPHER_CTX_reset(c);
	OPENSSL_cleanse(ks, sizeof(ks));
	return ok ? 0 : -EINVAL;
}

int
dpsec_crypto_ossl_keystream_xor(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		uint64_t offset, uint8_t *buf, uint32_t len)
{
	return dpsec_crypto_ossl_ks_xor(&((struct ossl_engine *)e)->ks_ctx,
			key, nonce, offset, buf, len);
}
