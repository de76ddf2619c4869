/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec crypto layer (internal, not installed).
 *
 * One interface over two backends: Intel IPsec-MB (fast path) and OpenSSL
 * EVP (portable backend, and the independent implementation the tests
 * cross-check against). Used by libdpsec's software ESP/TLS datapath and by
 * sim_inline's simulated crypto engine.
 *
 * Model:
 *  - struct dpsec_crypto_key: caller-allocated, fixed size, holds expanded
 *    key schedules. Read-only after dpsec_crypto_key_init(), so one key may
 *    be used by several lcores (engines) at once.
 *  - struct dpsec_crypto_engine: per-thread working state (IPsec-MB
 *    manager, OpenSSL contexts). One thread at a time.
 *  - dpsec_crypto_burst(): runs n ops, each with its own key; no
 *    allocation, no locks, no syscalls.
 *
 * Error convention: control functions return 0 or -errno; the burst returns
 * the number of ops with status 0 and each op carries its own status.
 */

#ifndef DPSEC_CRYPTO_H
#define DPSEC_CRYPTO_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_crypto_sym.h>

#include "crypto_algos.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Cipher algorithms (ESP "ENCR" transforms and TLS AEADs), one per row of
 * DPSEC_CRYPTO_CIPHERS (crypto_algos.h). Internal to the crypto layer;
 * the public API's enum dpsec_cipher maps onto it.
 */
enum dpsec_crypto_cipher {
#define X(id, ...) DPSEC_CRYPTO_CIPHER_##id,
	DPSEC_CRYPTO_CIPHERS(X)
#undef X
	DPSEC_CRYPTO_CIPHER_MAX			/**< Number of ciphers */
};

/** Integrity algorithms for non-AEAD ciphers (ESP "INTEG" transforms),
 *  one per row of DPSEC_CRYPTO_AUTHS; NULL for AEAD. */
enum dpsec_crypto_auth {
#define X(id, ...) DPSEC_CRYPTO_AUTH_##id,
	DPSEC_CRYPTO_AUTHS(X)
#undef X
	DPSEC_CRYPTO_AUTH_MAX			/**< Number of algorithms */
};

/** Crypto backends. */
enum dpsec_crypto_backend {
	DPSEC_CRYPTO_IPSEC_MB = 0,	/**< Intel IPsec-MB job API */
	DPSEC_CRYPTO_OPENSSL,		/**< OpenSSL 3 EVP */
	DPSEC_CRYPTO_BACKEND_MAX	/**< Number of backends */
};

/** Direction of an op. */
enum dpsec_crypto_dir {
	DPSEC_CRYPTO_ENCRYPT = 0,	/**< Encrypt, then write the ICV */
	DPSEC_CRYPTO_DECRYPT = 1,	/**< Verify the ICV, decrypt */
};

/** Limits of the layer. */
enum {
	DPSEC_CRYPTO_NONCE_LEN = 12,	/**< AEAD nonce (salt || IV) */
	DPSEC_CRYPTO_CBC_IV_LEN = 16,	/**< AES-CBC IV */
	DPSEC_CRYPTO_AAD_MAX = 64,	/**< Largest AAD accepted */
	DPSEC_CRYPTO_ICV_MAX = 32,	/**< Largest ICV (HMAC-SHA512-256) */
	DPSEC_CRYPTO_CKEY_MAX = 32,	/**< Largest cipher key */
	DPSEC_CRYPTO_AKEY_MAX = 4096,	/**< Largest HMAC key accepted */
	DPSEC_CRYPTO_HBLK_MAX = 128,	/**< Largest hash block (SHA-512) */
	DPSEC_CRYPTO_DIGEST_MAX = 64,	/**< Largest full digest (SHA-512) */
};

/** Static description of a cipher. */
struct dpsec_crypto_cipher_info {
	const char *name;	/**< Lower-case name, e.g. "aes-gcm-128" */
	uint8_t key_len;	/**< Key length without salt, bytes */
	uint8_t salt_len;	/**< Salt taken from the keying material */
	uint8_t iv_len;		/**< IV carried per packet (ESP payload) */
	uint8_t nonce_len;	/**< Length of dpsec_crypto_op.iv */
	uint8_t block_size;	/**< Cipher length must be a multiple */
	uint8_t pad_align;	/**< ESP payload alignment (RFC 4303 2.4) */
	uint8_t icv_len;	/**< Default tag length (AEAD), else 0 */
	uint8_t aead;		/**< 1 if the cipher authenticates */
	uint8_t tls;		/**< 1 if a TLS record AEAD */
	uint8_t xform;		/**< enum rte_crypto_sym_xform_type */
	uint8_t rte_algo;	/**< RTE_CRYPTO_AEAD_* / RTE_CRYPTO_CIPHER_* */
};

/** Static description of an integrity algorithm. */
struct dpsec_crypto_auth_info {
	const char *name;	/**< Lower-case name, e.g. "hmac-sha1-96" */
	uint8_t key_len;	/**< Key length the RFC mandates for ESP */
	uint8_t icv_len;	/**< Truncated ICV length */
	uint8_t digest_len;	/**< Full digest length */
	uint8_t block_size;	/**< Hash block size */
	uint8_t rte_algo;	/**< enum rte_crypto_auth_algorithm */
};

/**
 * Description of a cipher.
 *
 * @param c  Cipher.
 * @return Pointer to a static entry, or NULL if @p c is out of range.
 */
const struct dpsec_crypto_cipher_info *
dpsec_crypto_cipher_info_get(enum dpsec_crypto_cipher c);

/**
 * Description of an integrity algorithm.
 *
 * @param a  Auth algorithm.
 * @return Pointer to a static entry, or NULL if @p a is out of range.
 */
const struct dpsec_crypto_auth_info *
dpsec_crypto_auth_info_get(enum dpsec_crypto_auth a);

/**
 * The rte_crypto transform of a cipher.
 *
 * @param c      Cipher.
 * @param xform  RTE_CRYPTO_SYM_XFORM_AEAD or RTE_CRYPTO_SYM_XFORM_CIPHER.
 * @param algo   enum rte_crypto_aead_algorithm or
 *               rte_crypto_cipher_algorithm, after @p xform.
 * @return 0, -EINVAL if @p c is out of range.
 */
int dpsec_crypto_cipher_to_rte(enum dpsec_crypto_cipher c,
		enum rte_crypto_sym_xform_type *xform, int *algo);

/**
 * The cipher of an rte_crypto transform: AEAD or CIPHER, its algorithm
 * and key length (the key without salt).
 *
 * @return 0 with *@p c set, -ENOTSUP if no row matches.
 */
int dpsec_crypto_cipher_from_rte(enum rte_crypto_sym_xform_type xform,
		int algo, uint16_t key_len, enum dpsec_crypto_cipher *c);

/**
 * The rte_crypto algorithm of an integrity algorithm (its digest_length
 * is the info's icv_len).
 *
 * @return 0, -EINVAL if @p a is out of range.
 */
int dpsec_crypto_auth_to_rte(enum dpsec_crypto_auth a,
		enum rte_crypto_auth_algorithm *algo);

/**
 * The integrity algorithm of an rte_crypto auth transform: its algorithm
 * and digest length (the truncated ICV).
 *
 * @return 0 with *@p a set, -ENOTSUP if no row matches (NULL never does).
 */
int dpsec_crypto_auth_from_rte(enum rte_crypto_auth_algorithm algo,
		uint16_t digest_len, enum dpsec_crypto_auth *a);

/**
 * Name of a backend ("ipsec-mb", "openssl"), or NULL if out of range.
 *
 * @param b  Backend.
 */
const char *dpsec_crypto_backend_name(enum dpsec_crypto_backend b);

/** Size of the IPsec-MB GCM key data (struct gcm_key_data) we reserve. */
#define DPSEC_CRYPTO_GCM_KEY_SZ 1024

/**
 * Session key: expanded key schedules for one SA / TLS direction.
 *
 * Allocated by the caller (embed it, or dpsec_crypto_key_size() bytes with
 * 64-byte alignment), filled by dpsec_crypto_key_init(), read-only after
 * that, wiped by dpsec_crypto_key_wipe(). Fields are private to the crypto
 * layer.
 */
struct dpsec_crypto_key {
	/** Backend-specific cipher key material; first for alignment. */
	union {
		/** IPsec-MB: struct gcm_key_data (AES-GCM). */
		alignas(64) uint8_t mb_gcm[DPSEC_CRYPTO_GCM_KEY_SZ];
		/** IPsec-MB: AES-CBC expanded keys (15 round keys each). */
		struct {
			alignas(16) uint32_t enc[60];	/**< Encrypt schedule */
			alignas(16) uint32_t dec[60];	/**< Decrypt schedule */
		} mb_aes;
		/** Raw key: IPsec-MB ChaCha20, all OpenSSL ciphers. */
		alignas(16) uint8_t raw[DPSEC_CRYPTO_CKEY_MAX];
	} c;
	/** Backend-specific HMAC key material. */
	union {
		/**
		 * IPsec-MB: hash states after H(K ^ ipad), H(K ^ opad); the
		 * SHA-384/512 state is 64 bytes (eight 64-bit words).
		 */
		struct {
			alignas(16) uint8_t ipad[DPSEC_CRYPTO_DIGEST_MAX]; /**< Inner */
			alignas(16) uint8_t opad[DPSEC_CRYPTO_DIGEST_MAX]; /**< Outer */
		} mb;
		/**
		 * OpenSSL: the key, hashed first if longer than the hash
		 * block (64 bytes for SHA-1/256, 128 for SHA-384/512).
		 */
		struct {
			uint8_t key[DPSEC_CRYPTO_HBLK_MAX];	/**< HMAC key */
			uint8_t len;		/**< Its length */
		} ossl;
	} a;
	uint64_t id;		/**< Unique per init; engine schedule cache */
	uint8_t backend;	/**< enum dpsec_crypto_backend */
	uint8_t cipher;		/**< enum dpsec_crypto_cipher */
	uint8_t auth;		/**< enum dpsec_crypto_auth */
	uint8_t kind;		/**< Processing kind, chosen at init */
	uint8_t icv_len;	/**< ICV length of this key */
	uint8_t ckey_len;	/**< Cipher key length */
	uint8_t valid;		/**< 1 between init and wipe */
};

/**
 * Bytes to allocate for a struct dpsec_crypto_key (alignment 64).
 */
size_t dpsec_crypto_key_size(void);

/**
 * Expand a session key.
 *
 * Control path: may take a global lock (IPsec-MB key expansion uses a
 * shared manager). On error the key is left wiped.
 *
 * @param key       Caller memory, dpsec_crypto_key_size() bytes.
 * @param backend   Backend that will process ops with this key.
 * @param cipher    Cipher; an AEAD requires @p auth == DPSEC_CRYPTO_AUTH_NULL.
 * @param ckey      Cipher key (no salt), NULL for DPSEC_CRYPTO_CIPHER_NULL.
 * @param ckey_len  Must equal dpsec_crypto_cipher_info_get(cipher)->key_len.
 * @param auth      Integrity algorithm; DPSEC_CRYPTO_CIPHER_NULL requires one.
 * @param akey      HMAC key (any length 1..DPSEC_CRYPTO_AKEY_MAX).
 * @param akey_len  Its length; 0 with DPSEC_CRYPTO_AUTH_NULL.
 * @return 0, -EINVAL (bad lengths, invalid combination), -ENOTSUP
 *         (algorithm unknown or not built in the backend), -ENOMEM.
 */
int dpsec_crypto_key_init(struct dpsec_crypto_key *key,
		enum dpsec_crypto_backend backend,
		enum dpsec_crypto_cipher cipher, const uint8_t *ckey, uint16_t ckey_len,
		enum dpsec_crypto_auth auth, const uint8_t *akey, uint16_t akey_len);

/**
 * Use a truncated AES-GCM tag (RFC 4106 ICV 8 or 12; TLS uses 16).
 *
 * @param key      An initialised key.
 * @param icv_len  8, 12 or 16 for AES-GCM; 16 only for ChaCha20-Poly1305.
 * @return 0, -EINVAL (length or key), -ENOTSUP (not an AEAD key).
 */
int dpsec_crypto_key_set_icv_len(struct dpsec_crypto_key *key,
		uint8_t icv_len);

/**
 * ICV length produced/verified with this key (0 if the key is not valid).
 *
 * @param key  The key.
 */
static inline uint8_t
dpsec_crypto_key_icv_len(const struct dpsec_crypto_key *key)
{
	return key->valid ? key->icv_len : 0;
}

/**
 * Zero all key material. Safe on a zeroed or already wiped key.
 *
 * IPsec-MB engines only point at the key while a burst runs. The OpenSSL
 * engine keeps the schedule of the last key it used in its EVP contexts
 * until it uses another key or is freed (both cleanse their memory).
 *
 * @param key  The key; all dpsec_crypto_key_size() bytes are zero after.
 */
void dpsec_crypto_key_wipe(struct dpsec_crypto_key *key);

/**
 * One crypto operation.
 *
 * AEAD (GCM, ChaCha20-Poly1305): iv is the 12-byte nonce (for ESP,
 * salt || IV), aad/aad_len the associated data (ESP: SPI||SN or
 * SPI||SN-high||SN-low, RFC 4106 5; TLS: 5 or 13 bytes), src/dst/len the
 * payload; auth_src/auth_len are ignored.
 *
 * AES-CBC + HMAC (RFC 4303 encrypt-then-MAC): iv is the 16-byte IV, src/
 * dst/len the payload (multiple of 16, already padded), and auth_src/
 * auth_len the contiguous bytes to MAC (ESP header + IV + ciphertext). On
 * encrypt the MAC is computed after encryption, so auth_src must cover the
 * ciphertext written to dst. aad is ignored. With ESN (RFC 4303 2.2.1)
 * the high 32 bits of the SN are MACed after the payload: put them right
 * after the ciphertext (where the ICV goes, as rte_ipsec does), count them
 * in auth_len, and on decrypt point icv at a copy of the received ICV.
 *
 * NULL cipher + HMAC: src is copied to dst if they differ; MAC as above.
 *
 * icv: on encrypt the tag is written there; on decrypt it is read and
 * compared in constant time. In-place (src == dst) is supported.
 */
struct dpsec_crypto_op {
	const struct dpsec_crypto_key *key;	/**< Session key */
	const uint8_t *iv;		/**< Nonce (12) or CBC IV (16) */
	const uint8_t *aad;		/**< AEAD associated data */
	const uint8_t *src;		/**< Cipher input */
	uint8_t *dst;			/**< Cipher output (may equal src) */
	const uint8_t *auth_src;	/**< Bytes to MAC (non-AEAD) */
	uint8_t *icv;			/**< Tag out (encrypt) / in (decrypt) */
	uint32_t len;			/**< Cipher length, bytes */
	uint32_t auth_len;		/**< MAC length, bytes (non-AEAD) */
	uint16_t aad_len;		/**< 0..DPSEC_CRYPTO_AAD_MAX */
	uint8_t dir;			/**< enum dpsec_crypto_dir */
	/**
	 * Result: 0; -EBADMSG (tag mismatch: dst[0..len) is zeroed);
	 * -EINVAL (bad op: lengths, key, backend mismatch).
	 */
	int status;
};

struct dpsec_crypto_engine;

/**
 * Create a per-thread engine.
 *
 * @param backend  Backend; keys used with it must be of the same backend.
 * @return The engine, or NULL with errno set (ENOTSUP, ENOMEM).
 */
struct dpsec_crypto_engine *
dpsec_crypto_engine_create(enum dpsec_crypto_backend backend);

/**
 * Free an engine (NULL is a no-op). Cached key schedules are cleansed.
 *
 * @param e  The engine.
 */
void dpsec_crypto_engine_free(struct dpsec_crypto_engine *e);

/**
 * Backend of an engine.
 *
 * @param e  The engine.
 */
enum dpsec_crypto_backend
dpsec_crypto_engine_backend(const struct dpsec_crypto_engine *e);

/**
 * Fill @p out with @p len unpredictable bytes, for CBC IVs (RFC 3602 §2:
 * an IV must not be predictable). An AES-128-CTR keystream under a key and
 * counter drawn from OpenSSL's RAND_bytes() on the engine's first call:
 * the fast path then makes no system call (OpenSSL 3's RAND_bytes() calls
 * getpid() on every call, ~4.6 us each on the machines here, which was
 * most of a CBC burst's time). The engine's thread only; a process that
 * forks after the first call must not use the engine in both processes.
 *
 * @param e    Engine owned by the calling thread.
 * @param out  Where to write.
 * @param len  Bytes wanted.
 * @return 0, or -EIO if the generator could not be seeded or run.
 */
int dpsec_crypto_rand(struct dpsec_crypto_engine *e, uint8_t *out,
		size_t len);

/**
 * Process a burst of ops (fast path: no allocation, no locks).
 *
 * Every op gets a status; ops may use different keys and directions.
 * With IPsec-MB the ops are submitted to the multi-buffer manager together
 * and flushed before returning.
 *
 * @param e    Engine owned by the calling thread.
 * @param ops  Array of @p n ops.
 * @param n    Number of ops.
 * @return Number of ops whose status is 0.
 */
unsigned int dpsec_crypto_burst(struct dpsec_crypto_engine *e,
		struct dpsec_crypto_op *ops[], unsigned int n);

/**
 * Process one op (tests, control path).
 *
 * @param e   Engine.
 * @param op  Op.
 * @return op->status.
 */
int dpsec_crypto_run(struct dpsec_crypto_engine *e,
		struct dpsec_crypto_op *op);

/**
 * AEAD seal: dst = Enc(src), tag = key's ICV length bytes.
 *
 * @return 0 or -EINVAL.
 */
int dpsec_aead_seal(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len,
		const uint8_t *src, uint8_t *dst, uint32_t len, uint8_t *tag);

/**
 * AEAD open: verify @p tag, dst = Dec(src).
 *
 * @return 0, -EBADMSG (dst zeroed) or -EINVAL.
 */
int dpsec_aead_open(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len,
		const uint8_t *src, uint8_t *dst, uint32_t len,
		const uint8_t *tag);


/*
 * Streaming AEAD: one message (a TLS record) sealed or opened in pieces,
 * as its bytes arrive in TCP segments and mbuf segments, with the state
 * kept between calls (and between bursts) in caller memory. The result is
 * the same as one dpsec_aead_seal()/dpsec_aead_open() over the
 * concatenated pieces.
 *
 * Life: init (nonce and AAD fixed), any number of update calls with any
 * lengths (0 included; pieces need not be block multiples), then final
 * (seal: writes the tag; open: compares it in constant time) or abort.
 * A stream belongs to one message at a time and to one thread at a time,
 * but not to an engine: the engine passed to each call only lends its
 * backend's working memory, and may differ between calls as long as it is
 * of the key's backend.
 *
 * Decrypting in pieces releases plaintext before the tag is checked: the
 * caller must not deliver any of it unless final returns 0 (TLS RX keeps
 * the record until then; dpsec_aead_stream_final() does not wipe what was
 * already written).
 */

/** Bytes of backend state a stream carries (IPsec-MB GCM/ChaCha20-Poly1305
 *  context data, or an OpenSSL cipher context pointer). */
#define DPSEC_AEAD_STREAM_STATE_SZ 1024

/** A streaming AEAD operation; fields are private to the crypto layer. */
struct dpsec_aead_stream {
	/** Backend context: IPsec-MB gcm/chacha context data; OpenSSL keeps
	 *  an EVP_CIPHER_CTX pointer in its first bytes. */
	alignas(64) uint8_t state[DPSEC_AEAD_STREAM_STATE_SZ];
	const struct dpsec_crypto_key *key;	/**< Key of the message */
	uint64_t len;		/**< Payload bytes processed so far */
	uint8_t dir;		/**< enum dpsec_crypto_dir */
	uint8_t active;		/**< 1 between init and final/abort */
	uint8_t backend;	/**< Backend of the key */
};

/**
 * Start a message.
 * @param e        Engine of the key's backend (lends working memory).
 * @param s        Stream (caller memory; zeroed or finished before).
 * @param key      An AEAD key (AES-GCM or ChaCha20-Poly1305).
 * @param dir      DPSEC_CRYPTO_ENCRYPT or DPSEC_CRYPTO_DECRYPT.
 * @param nonce    12-byte nonce.
 * @param aad      Associated data; @p aad_len 0..DPSEC_CRYPTO_AAD_MAX.
 * @return 0, -EINVAL (not an AEAD key, backend mismatch, bad lengths),
 *         -ENOMEM (OpenSSL: first use of this stream could not allocate).
 */
int dpsec_aead_stream_init(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const struct dpsec_crypto_key *key,
		enum dpsec_crypto_dir dir, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len);

/**
 * Process the next @p len payload bytes (any length) from @p src to
 * @p dst (may be equal).
 * @return 0, -EINVAL (stream not active, NULL pointers with len > 0).
 */
int dpsec_aead_stream_update(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t *src, uint8_t *dst,
		uint32_t len);

/**
 * End the message. Encrypt: writes the key's ICV length of tag bytes to
 * @p tag. Decrypt: compares @p tag with the computed one in constant time.
 * The stream is inactive after, whatever the result.
 * @return 0, -EBADMSG (decrypt: tag mismatch), -EINVAL.
 */
int dpsec_aead_stream_final(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, uint8_t *tag);

/**
 * Decrypt stream, IPsec-MB backend: take the next @p len bytes of the
 * message as plaintext someone else already decrypted (a NIC), and
 * account for them as the ciphertext they were: that ciphertext is
 * written to @p ct (the caller's scratch; @p plain is left as is) and
 * authenticated with the rest at dpsec_aead_stream_final(). One pass
 * instead of re-encrypting with dpsec_aead_keystream_xor() and then
 * decrypting. Pieces may alternate with dpsec_aead_stream_update().
 * @return 0, -ENOTSUP (not an IPsec-MB decrypt stream: the caller
 *         re-encrypts instead), -EINVAL.
 */
int dpsec_aead_stream_update_plain(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t *plain, uint8_t *ct,
		uint32_t len);

/**
 * Abandon a message: wipe the state (the stream stays reusable).
 * @param s  The stream; a no-op if not active.
 */
void dpsec_aead_stream_abort(struct dpsec_aead_stream *s);

/**
 * Release what a stream holds across messages (the OpenSSL context) and
 * wipe it. Call once when the stream's owner goes away; safe on a zeroed
 * stream and twice.
 * @param s  The stream.
 */
void dpsec_aead_stream_release(struct dpsec_aead_stream *s);

/**
 * XOR @p len bytes at @p buf with the AEAD's payload keystream starting at
 * payload byte @p offset of the message with @p nonce: turns ciphertext
 * into plaintext and back without touching the tag (TLS RX re-encrypts
 * what a NIC decrypted, TLS TX encrypts a retransmitted part of a record).
 * AES-GCM: counter blocks from nonce || (2 + offset / 16) (NIST SP 800-38D
 * §7.1); ChaCha20: block counter 1 + offset / 64 (RFC 8439 §2.8).
 * @return 0, -EINVAL (not an AEAD key, backend mismatch).
 */
int dpsec_aead_keystream_xor(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		uint64_t offset, uint8_t *buf, uint32_t len);

#ifdef DPSEC_CRYPTO_INTERNAL
/*
 * Shared by crypto.c, crypto_mb.c and crypto_ossl.c only.
 */
#include <errno.h>
#include <string.h>

/** How a key is processed; chosen once at key init. */
enum dpsec_crypto_kind {
	DPSEC_CRYPTO_KIND_GCM = 1,	/**< AES-GCM AEAD */
	DPSEC_CRYPTO_KIND_CHACHA,	/**< ChaCha20-Poly1305 AEAD */
	DPSEC_CRYPTO_KIND_CBC_HMAC,	/**< AES-CBC, then HMAC */
	DPSEC_CRYPTO_KIND_NULL_HMAC,	/**< HMAC only */
};

/** Common head of every backend's engine. */
struct dpsec_crypto_engine {
	/** Backend burst function. */
	unsigned int (*burst)(struct dpsec_crypto_engine *e,
			struct dpsec_crypto_op *ops[], unsigned int n);
	/** Backend destructor. */
	void (*free)(struct dpsec_crypto_engine *e);
	/** dpsec_crypto_rand()'s AES-128-CTR context (EVP_CIPHER_CTX), made
	 *  on first use, freed (cleansed) by dpsec_crypto_engine_free(). */
	void *rng;
	uint8_t backend;	/**< enum dpsec_crypto_backend */
};

/** IPsec-MB key expansion; key->cipher/auth/kind/ckey_len are set. */
int dpsec_crypto_mb_key_init(struct dpsec_crypto_key *key,
		const uint8_t *ckey, const uint8_t *akey, uint16_t akey_len);
/** IPsec-MB engine constructor (errno set on NULL). */
struct dpsec_crypto_engine *dpsec_crypto_mb_engine_create(void);
/** OpenSSL key setup; key->cipher/auth/kind/ckey_len are set. */
int dpsec_crypto_ossl_key_init(struct dpsec_crypto_key *key,
		const uint8_t *ckey, const uint8_t *akey, uint16_t akey_len);
/** OpenSSL engine constructor (errno set on NULL). */
struct dpsec_crypto_engine *dpsec_crypto_ossl_engine_create(void);

/* Streaming AEAD and keystream, per backend (crypto.c checks the
 * arguments and dispatches on the key's backend). */
int dpsec_crypto_mb_stream_init(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len);
void dpsec_crypto_mb_stream_update(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t *src, uint8_t *dst,
		uint32_t len);
/* The same in the given direction (1 encrypt, 0 decrypt), whatever the
 * stream's: both hash the ciphertext into the same state. */
void dpsec_crypto_mb_stream_update_dir(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t *src, uint8_t *dst,
		uint32_t len, int enc);
void dpsec_crypto_mb_stream_final(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, uint8_t *tag);
int dpsec_crypto_mb_keystream_xor(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		uint64_t offset, uint8_t *buf, uint32_t len);
int dpsec_crypto_ossl_stream_init(struct dpsec_crypto_engine *e,
		struct dpsec_aead_stream *s, const uint8_t nonce[12],
		const uint8_t *aad, uint16_t aad_len);
int dpsec_crypto_ossl_stream_update(struct dpsec_aead_stream *s,
		const uint8_t *src, uint8_t *dst, uint32_t len);
int dpsec_crypto_ossl_stream_final(struct dpsec_aead_stream *s,
		uint8_t *tag);
void dpsec_crypto_ossl_stream_reset(struct dpsec_aead_stream *s,
		int release);
int dpsec_crypto_ossl_keystream_xor(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key, const uint8_t nonce[12],
		uint64_t offset, uint8_t *buf, uint32_t len);
/**
 * XOR with the keystream through an OpenSSL context kept by the caller
 * in *ctxp (allocated on first use; EVP_CIPHER_CTX_free() it): AES-CTR
 * for GCM keys (raw key in key->c.raw), ChaCha20 for ChaCha20 keys.
 */
int dpsec_crypto_ossl_ks_xor(void **ctxp, const struct dpsec_crypto_key *key,
		const uint8_t nonce[12], uint64_t offset, uint8_t *buf,
		uint32_t len);

/**
 * Constant-time inequality: 0 iff a[0..n) == b[0..n).
 *
 * OR-accumulates 8-byte words (then any tail bytes) with no early exit;
 * the empty asm hides the accumulator from the optimiser so the compare
 * cannot be turned into a data-dependent branch.
 */
static inline int
dpsec_crypto_ct_neq(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t acc = 0, wa, wb;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		acc |= wa ^ wb;
		__asm__ volatile("" : "+r"(acc));
	}
	for (; i < n; i++) {
		acc |= (uint64_t)(a[i] ^ b[i]);
		__asm__ volatile("" : "+r"(acc));
	}
	return acc != 0;
}

/**
 * Validate an op against the engine's backend; the checks every backend
 * needs before touching memory.
 */
static inline int
dpsec_crypto_op_check(const struct dpsec_crypto_op *op, uint8_t backend)
{
	const struct dpsec_crypto_key *k = op->key;

	if (k == NULL || !k->valid || k->backend != backend ||
			op->dir > DPSEC_CRYPTO_DECRYPT || op->icv == NULL)
		return -EINVAL;
	if (op->len != 0 && (op->src == NULL || op->dst == NULL))
		return -EINVAL;
	switch (k->kind) {
	case DPSEC_CRYPTO_KIND_GCM:
	case DPSEC_CRYPTO_KIND_CHACHA:
		if (op->iv == NULL || op->aad_len > DPSEC_CRYPTO_AAD_MAX ||
				(op->aad_len != 0 && op->aad == NULL))
			return -EINVAL;
		return 0;
	case DPSEC_CRYPTO_KIND_CBC_HMAC:
		if (op->iv == NULL || (op->len & 15) != 0)
			return -EINVAL;
		/* fall through */
	case DPSEC_CRYPTO_KIND_NULL_HMAC:
		if (op->auth_len != 0 && op->auth_src == NULL)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}
#endif /* DPSEC_CRYPTO_INTERNAL */

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_CRYPTO_H */
