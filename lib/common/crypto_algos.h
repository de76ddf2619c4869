/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_CRYPTO_ALGOS_H
#define DPSEC_CRYPTO_ALGOS_H

/*
 * Every fact about an algorithm, once: one row per algorithm generates
 * the enums of crypto.h, the info tables of crypto.c, and the conversions
 * to and from rte_crypto transforms (dpsec_crypto_*_to_rte/_from_rte)
 * that libdpsec uses to build rte_security sessions and net_sim_inline
 * uses to read them. Adding an algorithm is one row (and its vectors).
 *
 * Ciphers: X(ID, name, key, salt, iv, nonce, block, pad_align, icv, aead,
 *            xform, rte_algo, tls)
 *   key        key length without salt; the rte_crypto key length too
 *   salt       bytes of salt after the key in the keying material
 *   iv         IV carried per packet; nonce: length of the op's iv
 *   block      the cipher's block; pad_align: ESP payload alignment
 *              (RFC 4303 §2.4)
 *   icv        AEAD tag length, else 0 (the integrity algorithm's)
 *   xform      RTE_CRYPTO_SYM_XFORM_<xform>: AEAD or CIPHER
 *   rte_algo   RTE_CRYPTO_AEAD_* / RTE_CRYPTO_CIPHER_*
 *   tls        usable as a TLS 1.2/1.3 record AEAD (RFC 5288, 8446, 7905)
 */
#define DPSEC_CRYPTO_CIPHERS(X) \
	/* RFC 2410 */ \
	X(NULL, "null", 0, 0, 0, 0, 1, 4, 0, 0, \
	  CIPHER, RTE_CRYPTO_CIPHER_NULL, 0) \
	/* RFC 3602 */ \
	X(AES_CBC_128, "aes-cbc-128", 16, 0, 16, 16, 16, 16, 0, 0, \
	  CIPHER, RTE_CRYPTO_CIPHER_AES_CBC, 0) \
	X(AES_CBC_192, "aes-cbc-192", 24, 0, 16, 16, 16, 16, 0, 0, \
	  CIPHER, RTE_CRYPTO_CIPHER_AES_CBC, 0) \
	X(AES_CBC_256, "aes-cbc-256", 32, 0, 16, 16, 16, 16, 0, 0, \
	  CIPHER, RTE_CRYPTO_CIPHER_AES_CBC, 0) \
	/* RFC 4106 §8.1: 4-byte salt from KEYMAT, 8-byte explicit IV */ \
	X(AES_GCM_128, "aes-gcm-128", 16, 4, 8, 12, 1, 4, 16, 1, \
	  AEAD, RTE_CRYPTO_AEAD_AES_GCM, 1) \
	X(AES_GCM_192, "aes-gcm-192", 24, 4, 8, 12, 1, 4, 16, 1, \
	  AEAD, RTE_CRYPTO_AEAD_AES_GCM, 0) \
	X(AES_GCM_256, "aes-gcm-256", 32, 4, 8, 12, 1, 4, 16, 1, \
	  AEAD, RTE_CRYPTO_AEAD_AES_GCM, 1) \
	/* RFC 7634 §2: 32-byte key + 4-byte salt, 8-byte IV */ \
	X(CHACHA20_POLY1305, "chacha20-poly1305", 32, 4, 8, 12, 1, 4, 16, 1, \
	  AEAD, RTE_CRYPTO_AEAD_CHACHA20_POLY1305, 1)

/*
 * Integrity algorithms: X(ID, name, key, icv, digest, block, rte_algo)
 *   key        the key length the RFC mandates for ESP
 *   icv        truncated ICV length (rte_crypto digest_length)
 *   digest     the full digest; block: the hash block
 * RFC 2404 (SHA-1), RFC 4868 §2.1.1/2.6 (SHA-2: key = digest, ICV = half).
 */
#define DPSEC_CRYPTO_AUTHS(X) \
	X(NULL, "null", 0, 0, 0, 0, RTE_CRYPTO_AUTH_NULL) \
	X(HMAC_SHA1_96, "hmac-sha1-96", 20, 12, 20, 64, \
	  RTE_CRYPTO_AUTH_SHA1_HMAC) \
	X(HMAC_SHA256_128, "hmac-sha256-128", 32, 16, 32, 64, \
	  RTE_CRYPTO_AUTH_SHA256_HMAC) \
	X(HMAC_SHA384_192, "hmac-sha384-192", 48, 24, 48, 128, \
	  RTE_CRYPTO_AUTH_SHA384_HMAC) \
	X(HMAC_SHA512_256, "hmac-sha512-256", 64, 32, 64, 128, \
	  RTE_CRYPTO_AUTH_SHA512_HMAC)

#endif /* DPSEC_CRYPTO_ALGOS_H */
