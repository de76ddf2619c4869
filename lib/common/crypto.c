/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto layer, common part: algorithm tables, key init dispatch and
 * checks, wipe, engine dispatch.
 */

#define DPSEC_CRYPTO_INTERNAL
#include "crypto.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/crypto.h>

static const struct dpsec_crypto_cipher_info cipher_tbl[DPSEC_CRYPTO_CIPHER_MAX] = {
	[DPSEC_CRYPTO_CIPHER_NULL] = {
		.name = "null", .block_size = 1, .pad_align = 4,
	},
	[DPSEC_CRYPTO_CIPHER_AES_CBC_128] = {
		.name = "aes-cbc-128", .key_len = 16, .iv_len = 16,
		.nonce_len = 16, .block_size = 16, .pad_align = 16,
	},
	[DPSEC_CRYPTO_CIPHER_AES_CBC_192] = {
		.name = "aes-cbc-192", .key_len = 24, .iv_len = 16,
		.nonce_len = 16, .block_size = 16, .pad_align = 16,
	},
	[DPSEC_CRYPTO_CIPHER_AES_CBC_256] = {
		.name = "aes-cbc-256", .key_len = 32, .iv_len = 16,
		.nonce_len = 16, .block_size = 16, .pad_align = 16,
	},
	/* RFC 4106 8.1: 4-byte salt from KEYMAT, 8-byte explicit IV. */
	[DPSEC_CRYPTO_CIPHER_AES_GCM_128] = {
		.name = "aes-gcm-128", .key_len = 16, .salt_len = 4,
		.iv_len = 8, .nonce_len = 12, .block_size = 1, .pad_align = 4,
		.icv_len = 16, .aead = 1,
	},
	[DPSEC_CRYPTO_CIPHER_AES_GCM_192] = {
		.name = "aes-gcm-192", .key_len = 24, .salt_len = 4,
		.iv_len = 8, .nonce_len = 12, .block_size = 1, .pad_align = 4,
		.icv_len = 16, .aead = 1,
	},
	[DPSEC_CRYPTO_CIPHER_AES_GCM_256] = {
		.name = "aes-gcm-256", .key_len = 32, .salt_len = 4,
		.iv_len = 8, .nonce_len = 12, .block_size = 1, .pad_align = 4,
		.icv_len = 16, .aead = 1,
	},
	/* RFC 7634 2: 32-byte key + 4-byte salt, 8-byte IV. */
	[DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305] = {
		.name = "chacha20-poly1305", .key_len = 32, .salt_len = 4,
		.iv_len = 8, .nonce_len = 12, .block_size = 1, .pad_align = 4,
		.icv_len = 16, .aead = 1,
	},
};

static const struct dpsec_crypto_auth_info auth_tbl[DPSEC_CRYPTO_AUTH_MAX] = {
	[DPSEC_CRYPTO_AUTH_NULL] = { .name = "null" },
	[DPSEC_CRYPTO_AUTH_HMAC_SHA1_96] = {
		.name = "hmac-sha1-96", .key_len = 20, .icv_len = 12,
		.digest_len = 20, .block_size = 64,
	},
	[DPSEC_CRYPTO_AUTH_HMAC_SHA256_128] = {
		.name = "hmac-sha256-128", .key_len = 32, .icv_len = 16,
		.digest_len = 32, .block_size = 64,
	},
	/* RFC 4868 2.1.1/2.6: key = full digest length, ICV = half. */
	[DPSEC_CRYPTO_AUTH_HMAC_SHA384_192] = {
		.name = "hmac-sha384-192", .key_len = 48, .icv_len = 24,
		.digest_len = 48, .block_size = 128,
	},
	[DPSEC_CRYPTO_AUTH_HMAC_SHA512_256] = {
		.name = "hmac-sha512-256", .key_len = 64, .icv_len = 32,
		.digest_len = 64, .block_size = 128,
	},
};

static const char *const backend_names[DPSEC_CRYPTO_BACKEND_MAX] = {
	[DPSEC_CRYPTO_IPSEC_MB] = "ipsec-mb",
	[DPSEC_CRYPTO_OPENSSL] = "openssl",
};

/* Never 0, so a zeroed engine cache never matches a key. */
static atomic_uint_fast64_t key_id_next = 1;

const struct dpsec_crypto_cipher_info *
dpsec_crypto_cipher_info_get(enum dpsec_crypto_cipher c)
{
	if ((unsigned int)c >= DPSEC_CRYPTO_CIPHER_MAX)
		return NULL;
	return &cipher_tbl[c];
}

const struct dpsec_crypto_auth_info *
dpsec_crypto_auth_info_get(enum dpsec_crypto_auth a)
{
	if ((unsigned int)a >= DPSEC_CRYPTO_AUTH_MAX)
		return NULL;
	return &auth_tbl[a];
}

const char *
dpsec_crypto_backend_name(enum dpsec_crypto_backend b)
{
	if ((unsigned int)b >= DPSEC_CRYPTO_BACKEND_MAX)
		return NULL;
	return backend_names[b];
}

size_t
dpsec_crypto_key_size(void)
{
	return sizeof(struct dpsec_crypto_key);
}

void
dpsec_crypto_key_wipe(struct dpsec_crypto_key *key)
{
	if (key == NULL)
		return;
	/* Neither backend keeps objects outside the struct: a cleanse is all. */
	OPENSSL_cleanse(key, sizeof(*key));
}

static int
pick_kind(enum dpsec_crypto_cipher cipher, enum dpsec_crypto_auth auth)
{
	switch (cipher) {
	case DPSEC_CRYPTO_CIPHER_AES_GCM_128:
	case DPSEC_CRYPTO_CIPHER_AES_GCM_192:
	case DPSEC_CRYPTO_CIPHER_AES_GCM_256:
		return auth == DPSEC_CRYPTO_AUTH_NULL ? DPSEC_CRYPTO_KIND_GCM : -EINVAL;
	case DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305:
		return auth == DPSEC_CRYPTO_AUTH_NULL ?
			DPSEC_CRYPTO_KIND_CHACHA : -EINVAL;
	case DPSEC_CRYPTO_CIPHER_AES_CBC_128:
	case DPSEC_CRYPTO_CIPHER_AES_CBC_192:
	case DPSEC_CRYPTO_CIPHER_AES_CBC_256:
		/* RFC 4303 3.2: CBC without integrity is not offered. */
		return auth == DPSEC_CRYPTO_AUTH_NULL ?
			-EINVAL : DPSEC_CRYPTO_KIND_CBC_HMAC;
	case DPSEC_CRYPTO_CIPHER_NULL:
		/* RFC 4303 3.2: NULL with NULL is forbidden. */
		return auth == DPSEC_CRYPTO_AUTH_NULL ?
			-EINVAL : DPSEC_CRYPTO_KIND_NULL_HMAC;
	default:
		return -ENOTSUP;
	}
}

int
dpsec_crypto_key_init(struct dpsec_crypto_key *key,
		enum dpsec_crypto_backend backend,
		enum dpsec_crypto_cipher cipher, const uint8_t *ckey, uint16_t ckey_len,
		enum dpsec_crypto_auth auth, const uint8_t *akey, uint16_t akey_len)
{
	const struct dpsec_crypto_cipher_info *ci;
	int kind, rc;

	if (key == NULL)
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	if ((unsigned int)backend >= DPSEC_CRYPTO_BACKEND_MAX ||
			(unsigned int)cipher >= DPSEC_CRYPTO_CIPHER_MAX ||
			(unsigned int)auth >= DPSEC_CRYPTO_AUTH_MAX)
		return -ENOTSUP;
	kind = pick_kind(cipher, auth);
	if (kind < 0)
		return kind;
	ci = &cipher_tbl[cipher];
	if (ckey_len != ci->key_len || (ckey_len != 0 && ckey == NULL))
		return -EINVAL;
	if (auth == DPSEC_CRYPTO_AUTH_NULL) {
		if (akey_len != 0)
			return -EINVAL;
	} else if (akey_len == 0 || akey_len > DPSEC_CRYPTO_AKEY_MAX ||
			akey == NULL) {
		return -EINVAL;
	}

	key->backend = backend;
	key->cipher = cipher;
	key->auth = auth;
	key->kind = kind;
	key->ckey_len = ckey_len;
	key->icv_len = ci->aead ? ci->icv_len : auth_tbl[auth].icv_len;

	if (backend == DPSEC_CRYPTO_IPSEC_MB)
		rc = dpsec_crypto_mb_key_init(key, ckey, akey, akey_len);
	else
		rc = dpsec_crypto_ossl_key_init(key, ckey, akey, akey_len);
	if (rc != 0) {
		dpsec_crypto_key_wipe(key);
		return rc;
	}
	key->id = atomic_fetch_add_explicit(&key_id_next, 1,
			memory_order_relaxed);
	key->valid = 1;
	return 0;
}

int
dpsec_crypto_key_set_icv_len(struct dpsec_crypto_key *key, uint8_t icv_len)
{
	if (key == NULL || !key->valid)
		return -EINVAL;
	switch (key->kind) {
	case DPSEC_CRYPTO_KIND_GCM:
		/* RFC 4106 3: ICV of 8, 12 or 16 octets. */
		if (icv_len != 8 && icv_len != 12 && icv_len != 16)
			return -EINVAL;
		break;
	case DPSEC_CRYPTO_KIND_CHACHA:
		if (icv_len != 16)
			return -EINVAL;
		break;
	default:
		return -ENOTSUP;
	}
	key->icv_len = icv_len;
	return 0;
}

struct dpsec_crypto_engine *
dpsec_crypto_engine_create(enum dpsec_crypto_backend backend)
{
	switch (backend) {
	case DPSEC_CRYPTO_IPSEC_MB:
		return dpsec_crypto_mb_engine_create();
	case DPSEC_CRYPTO_OPENSSL:
		return dpsec_crypto_ossl_engine_create();
	default:
		errno = ENOTSUP;
		return NULL;
	}
}

void
dpsec_crypto_engine_free(struct dpsec_crypto_engine *e)
{
	if (e != NULL)
		e->free(e);
}

enum dpsec_crypto_backend
dpsec_crypto_engine_backend(const struct dpsec_crypto_engine *e)
{
	return e->backend;
}

unsigned int
dpsec_crypto_burst(struct dpsec_crypto_engine *e,
		struct dpsec_crypto_op *ops[], unsigned int n)
{
	return e->burst(e, ops, n);
}

int
dpsec_crypto_run(struct dpsec_crypto_engine *e, struct dpsec_crypto_op *op)
{
	struct dpsec_crypto_op *ops[1] = { op };

	e->burst(e, ops, 1);
	return op->status;
}

int
dpsec_aead_seal(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len,
		const uint8_t *src, uint8_t *dst, uint32_t len, uint8_t *tag)
{
	struct dpsec_crypto_op op = {
		.key = key, .dir = DPSEC_CRYPTO_ENCRYPT, .iv = nonce,
		.aad = aad, .aad_len = aad_len,
		.src = src, .dst = dst, .len = len, .icv = tag,
	};

	if (key == NULL || (key->kind != DPSEC_CRYPTO_KIND_GCM &&
			key->kind != DPSEC_CRYPTO_KIND_CHACHA))
		return -EINVAL;
	return dpsec_crypto_run(e, &op);
}

int
dpsec_aead_open(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len,
		const uint8_t *src, uint8_t *dst, uint32_t len,
		const uint8_t *tag)
{
	struct dpsec_crypto_op op = {
		.key = key, .dir = DPSEC_CRYPTO_DECRYPT, .iv = nonce,
		.aad = aad, .aad_len = aad_len,
		.src = src, .dst = dst, .len = len,
		/* Only read on decrypt. */
		.icv = (uint8_t *)(uintptr_t)tag,
	};

	if (key == NULL || (key->kind != DPSEC_CRYPTO_KIND_GCM &&
			key->kind != DPSEC_CRYPTO_KIND_CHACHA))
		return -EINVAL;
	return dpsec_crypto_run(e, &op);
}
