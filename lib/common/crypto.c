/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto layer, common part: algorithm tables, key init dispatch and
 * checks, wipe, engine dispatch.
 */

#define DPSEC_CRYPTO_INTERNAL
#include "crypto.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

static const struct dpsec_crypto_cipher_info cipher_tbl[DPSEC_CRYPTO_CIPHER_MAX] = {
#define X(id, nm, key, salt, iv, nonce, blk, pad, icv, ae, xf, ralg, tl) \
	[DPSEC_CRYPTO_CIPHER_##id] = { \
		.name = nm, .key_len = key, .salt_len = salt, .iv_len = iv, \
		.nonce_len = nonce, .block_size = blk, .pad_align = pad, \
		.icv_len = icv, .aead = ae, .tls = tl, \
		.xform = RTE_CRYPTO_SYM_XFORM_##xf, .rte_algo = ralg, \
	},
	DPSEC_CRYPTO_CIPHERS(X)
#undef X
};

/* The ESP datapath aligns and checks payloads with masks (esp_inb.c). */
#define X(id, nm, key, salt, iv, nonce, blk, pad, icv, ae, xf, ralg, tl) \
	_Static_assert((pad) > 0 && ((pad) & ((pad) - 1)) == 0, \
		       nm ": ESP pad_align must be a power of two");
DPSEC_CRYPTO_CIPHERS(X)
#undef X

static const struct dpsec_crypto_auth_info auth_tbl[DPSEC_CRYPTO_AUTH_MAX] = {
#define X(id, nm, key, icv, dig, blk, ralg) \
	[DPSEC_CRYPTO_AUTH_##id] = { \
		.name = nm, .key_len = key, .icv_len = icv, \
		.digest_len = dig, .block_size = blk, .rte_algo = ralg, \
	},
	DPSEC_CRYPTO_AUTHS(X)
#undef X
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

int
dpsec_crypto_cipher_to_rte(enum dpsec_crypto_cipher c,
			   enum rte_crypto_sym_xform_type *xform, int *algo)
{
	if ((unsigned int)c >= DPSEC_CRYPTO_CIPHER_MAX)
		return -EINVAL;
	*xform = (enum rte_crypto_sym_xform_type)cipher_tbl[c].xform;
	*algo = cipher_tbl[c].rte_algo;
	return 0;
}

int
dpsec_crypto_cipher_from_rte(enum rte_crypto_sym_xform_type xform, int algo,
			     uint16_t key_len, enum dpsec_crypto_cipher *c)
{
	unsigned int i;

	for (i = 0; i < DPSEC_CRYPTO_CIPHER_MAX; i++) {
		if (cipher_tbl[i].xform == xform &&
		    cipher_tbl[i].rte_algo == algo &&
		    cipher_tbl[i].key_len == key_len) {
			*c = (enum dpsec_crypto_cipher)i;
			return 0;
		}
	}
	return -ENOTSUP;
}

int
dpsec_crypto_auth_to_rte(enum dpsec_crypto_auth a,
			 enum rte_crypto_auth_algorithm *algo)
{
	if ((unsigned int)a >= DPSEC_CRYPTO_AUTH_MAX)
		return -EINVAL;
	*algo = (enum rte_crypto_auth_algorithm)auth_tbl[a].rte_algo;
	return 0;
}

int
dpsec_crypto_auth_from_rte(enum rte_crypto_auth_algorithm algo,
			   uint16_t digest_len, enum dpsec_crypto_auth *a)
{
	unsigned int i;

	/* From 1: NULL is "no integrity", never an auth transform's. */
	for (i = 1; i < DPSEC_CRYPTO_AUTH_MAX; i++) {
		if (auth_tbl[i].rte_algo == algo &&
		    auth_tbl[i].icv_len == digest_len) {
			*a = (enum dpsec_crypto_auth)i;
			return 0;
		}
	}
	return -ENOTSUP;
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
	if (e == NULL)
		return;
	EVP_CIPHER_CTX_free(e->rng);	/* cleanses the key schedule */
	e->rng = NULL;
	e->free(e);
}

int
dpsec_crypto_rand(struct dpsec_crypto_engine *e, uint8_t *out, size_t len)
{
	EVP_CIPHER_CTX *c = e->rng;
	int outl;

	if (unlikely(c == NULL)) {
		uint8_t seed[32];	/* key, initial counter */
		int ok;

		c = EVP_CIPHER_CTX_new();
		if (c == NULL)
			return -EIO;
		ok = RAND_bytes(seed, sizeof(seed)) == 1 &&
		     EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, seed,
					seed + 16) == 1;
		OPENSSL_cleanse(seed, sizeof(seed));
		if (!ok) {
			EVP_CIPHER_CTX_free(c);
			return -EIO;
		}
		e->rng = c;
	}
	/* The keystream: CTR over zeros. */
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		memset(out, 0, (size_t)n);
		if (EVP_EncryptUpdate(c, out, &outl, out, n) != 1 ||
		    outl != n)
			return -EIO;
		out += n;
		len -= (size_t)n;
	}
	return 0;
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

/*
 * Streaming AEAD and keystream: argument checks here, the work in the
 * backends (crypto_mb.c, crypto_ossl.c).
 */

static inline int
is_aead_key(const struct dpsec_crypto_key *key)
{
	return key != NULL && key->valid &&
	       (key->kind == DPSEC_CRYPTO_KIND_GCM ||
		key->kind == DPSEC_CRYPTO_KIND_CHACHA);
}

int
dpsec_aead_stream_init(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const struct dpsec_crypto_key *key,
		enum dpsec_crypto_dir dir, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len)
{
	int rc;

	if (e == NULL || s == NULL || nonce == NULL || !is_aead_key(key) ||
			key->backend != e->backend ||
			dir > DPSEC_CRYPTO_DECRYPT ||
			aad_len > DPSEC_CRYPTO_AAD_MAX ||
			(aad_len != 0 && aad == NULL))
		return -EINVAL;
	/* A stream left active by its previous message starts over. */
	if (s->active)
		dpsec_aead_stream_abort(s);
	/* The OpenSSL context pointer survives a change of backend only
	 * if released: a stream moves between backends through release. */
	if (s->backend != key->backend && s->backend == DPSEC_CRYPTO_OPENSSL)
		dpsec_crypto_ossl_stream_reset(s, 1);
	s->key = key;
	s->dir = dir;
	s->len = 0;
	s->backend = key->backend;
	if (key->backend == DPSEC_CRYPTO_IPSEC_MB)
		rc = dpsec_crypto_mb_stream_init(e, s, nonce, aad, aad_len);
	else
		rc = dpsec_crypto_ossl_stream_init(e, s, nonce, aad, aad_len);
	if (rc != 0)
		return rc;
	s->active = 1;
	return 0;
}

static inline int
stream_ok(const struct dpsec_crypto_engine *e,
		const struct dpsec_aead_stream *s)
{
	return e != NULL && s != NULL && s->active &&
	       s->key->backend == e->backend;
}

int
dpsec_aead_stream_update(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t *src, uint8_t *dst,
		uint32_t len)
{
	if (!stream_ok(e, s) || (len != 0 && (src == NULL || dst == NULL)))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (s->backend == DPSEC_CRYPTO_IPSEC_MB) {
		dpsec_crypto_mb_stream_update(e, s, src, dst, len);
	} else if (dpsec_crypto_ossl_stream_update(s, src, dst, len) != 0) {
		dpsec_aead_stream_abort(s);
		return -EINVAL;
	}
	s->len += len;
	return 0;
}

int
dpsec_aead_stream_update_plain(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t *plain, uint8_t *ct,
		uint32_t len)
{
	if (!stream_ok(e, s) || (len != 0 && (plain == NULL || ct == NULL)))
		return -EINVAL;
	if (s->backend != DPSEC_CRYPTO_IPSEC_MB ||
	    s->dir != DPSEC_CRYPTO_DECRYPT)
		return -ENOTSUP;
	if (len == 0)
		return 0;
	dpsec_crypto_mb_stream_update_dir(e, s, plain, ct, len, 1);
	s->len += len;
	return 0;
}

int
dpsec_aead_stream_final(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, uint8_t *tag)
{
	alignas(16) uint8_t calc[DPSEC_CRYPTO_ICV_MAX];
	int rc = 0;

	if (!stream_ok(e, s) || tag == NULL) {
		if (s != NULL && s->active)
			dpsec_aead_stream_abort(s);
		return -EINVAL;
	}
	if (s->backend == DPSEC_CRYPTO_IPSEC_MB) {
		dpsec_crypto_mb_stream_final(e, s,
				s->dir == DPSEC_CRYPTO_ENCRYPT ? tag : calc);
		if (s->dir == DPSEC_CRYPTO_DECRYPT &&
				dpsec_crypto_ct_neq(calc, tag, s->key->icv_len))
			rc = -EBADMSG;
		OPENSSL_cleanse(calc, sizeof(calc));
	} else {
		rc = dpsec_crypto_ossl_stream_final(s, tag);
	}
	dpsec_aead_stream_abort(s);
	return rc;
}

void
dpsec_aead_stream_abort(struct dpsec_aead_stream *s)
{
	if (s == NULL || !s->active)
		return;
	if (s->backend == DPSEC_CRYPTO_OPENSSL)
		dpsec_crypto_ossl_stream_reset(s, 0);
	else
		OPENSSL_cleanse(s->state, sizeof(s->state));
	s->active = 0;
	s->key = NULL;
	s->len = 0;
}

void
dpsec_aead_stream_release(struct dpsec_aead_stream *s)
{
	if (s == NULL)
		return;
	if (s->backend == DPSEC_CRYPTO_OPENSSL)
		dpsec_crypto_ossl_stream_reset(s, 1);
	OPENSSL_cleanse(s, sizeof(*s));
}

int
dpsec_aead_keystream_xor(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		uint64_t offset, uint8_t *buf, uint32_t len)
{
	if (e == NULL || nonce == NULL || !is_aead_key(key) ||
			key->backend != e->backend || (len != 0 && buf == NULL))
		return -EINVAL;
	if (len == 0)
		return 0;
	/* Past 2^32 - 2 blocks the GCM counter wraps (SP 800-38D §5.2.1.1
	 * limits a message to that); ChaCha20's 32-bit counter likewise. */
	if ((offset + len) / 16 > UINT32_MAX - 2)
		return -EINVAL;
	if (key->backend == DPSEC_CRYPTO_IPSEC_MB)
		return dpsec_crypto_mb_keystream_xor(e, key, nonce, offset,
				buf, len);
	return dpsec_crypto_ossl_keystream_xor(e, key, nonce, offset, buf,
			len);
}
