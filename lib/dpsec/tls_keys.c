/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS key material for record contexts: TLS 1.3 traffic keys and
 * KeyUpdate (HKDF-Expand-Label, RFC 8446 §7.1-7.3), the TLS 1.2 key block
 * (PRF of RFC 5246 §5, §6.3), and the NSS key log line parser. Control
 * path only; OpenSSL 3 EVP_KDF does the hashing.
 */

#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "dpsec_tls.h"
#include "crypto.h"

/* Longest hash of a TLS AEAD suite (SHA-384) and HkdfLabel. */
enum {
	KEYS_HASH_MAX = 48,
	/* uint16 length, label<7..255>, context<0..255> (RFC 8446 §7.1) */
	KEYS_HKDF_LABEL_MAX = 2 + 1 + 255 + 1 + 255,
	KEYS_IV12_SALT = 4,	/* RFC 5288 §3 fixed_iv_length */
	KEYS_IV_LEN = 12,	/* RFC 8446 §5.3, RFC 7905 §2 */
};

/* What a public cipher means here: the crypto layer's cipher (whose
 * key length is the traffic key's) and the suite's hash. The same
 * three ciphers tls.c accepts; TLS suites hash with SHA-384 only for
 * AES-256-GCM (RFC 8446 §B.4, RFC 5289 §3.2). */
static int
keys_cipher(enum dpsec_cipher c, uint8_t *key_len, const char **md,
	    uint8_t *md_len)
{
	enum dpsec_crypto_cipher cc;
	const struct dpsec_crypto_cipher_info *ci;

	switch (c) {
	case DPSEC_CIPHER_AES_GCM_128:
		cc = DPSEC_CRYPTO_CIPHER_AES_GCM_128;
		break;
	case DPSEC_CIPHER_AES_GCM_256:
		cc = DPSEC_CRYPTO_CIPHER_AES_GCM_256;
		break;
	case DPSEC_CIPHER_CHACHA20_POLY1305:
		cc = DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305;
		break;
	default:
		return -EINVAL;
	}
	ci = dpsec_crypto_cipher_info_get(cc);
	if (ci == NULL || !ci->tls)
		return -EINVAL;
	*key_len = ci->key_len;
	if (c == DPSEC_CIPHER_AES_GCM_256) {
		*md = "SHA384";
		*md_len = 48;
	} else {
		*md = "SHA256";
		*md_len = 32;
	}
	return 0;
}

/* Run one EVP_KDF with @p params into out[0..out_len). */
static int
kdf_run(const char *name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *kctx;
	int ok;

	kdf = EVP_KDF_fetch(NULL, name, NULL);
	if (kdf == NULL)
		return -ENOTSUP;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (kctx == NULL)
		return -ENOMEM;
	ok = EVP_KDF_derive(kctx, out, out_len, params);
	/* Frees the copies of the key and info it holds (cleansed). */
	EVP_KDF_CTX_free(kctx);
	return ok == 1 ? 0 : -EINVAL;
}

/*
 * HKDF-Expand-Label(secret, label, "", len) (RFC 8446 §7.1):
 * HKDF-Expand(secret, HkdfLabel, len) with HkdfLabel = uint16 length ||
 * opaque label<7..255> = "tls13 " + label || opaque context<0..255> = "".
 */
static int
hkdf_expand_label(const char *md, const uint8_t *secret, size_t secret_len,
		  const char *label, uint8_t *out, uint16_t out_len)
{
	static const char prefix[] = "tls13 ";
	uint8_t info[KEYS_HKDF_LABEL_MAX];
	size_t plen = sizeof(prefix) - 1, llen = strlen(label), n = 0;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];
	int ret;

	if (plen + llen > 255)
		return -EINVAL;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(plen + llen);
	memcpy(info + n, prefix, plen);
	n += plen;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = 0;		/* empty context */
	params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)(uintptr_t)md, 0);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
			(void *)(uintptr_t)secret, secret_len);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
			info, n);
	params[4] = OSSL_PARAM_construct_end();
	ret = kdf_run("HKDF", params, out, out_len);
	return ret;
}

int
dpsec_tls13_keys(enum dpsec_cipher cipher, const uint8_t *secret,
		uint16_t secret_len, uint8_t *key, uint8_t iv[12])
{
	const char *md;
	uint8_t key_len, md_len;
	int ret;

	if (secret == NULL || key == NULL || iv == NULL)
		return -EINVAL;
	if (keys_cipher(cipher, &key_len, &md, &md_len) != 0 ||
	    secret_len != md_len)
		return -EINVAL;
	/* RFC 8446 §7.3: [sender]_write_key / _iv. */
	ret = hkdf_expand_label(md, secret, secret_len, "key", key, key_len);
	if (ret == 0)
		ret = hkdf_expand_label(md, secret, secret_len, "iv", iv,
					KEYS_IV_LEN);
	if (ret != 0) {
		OPENSSL_cleanse(key, key_len);
		OPENSSL_cleanse(iv, KEYS_IV_LEN);
		return -EINVAL;
	}
	return 0;
}

int
dpsec_tls13_secret_update(enum dpsec_cipher cipher, uint8_t *secret,
		uint16_t secret_len)
{
	uint8_t next[KEYS_HASH_MAX];
	const char *md;
	uint8_t key_len, md_len;
	int ret;

	if (secret == NULL)
		return -EINVAL;
	if (keys_cipher(cipher, &key_len, &md, &md_len) != 0 ||
	    secret_len != md_len)
		return -EINVAL;
	/* RFC 8446 §7.2: application_traffic_secret_N+1. */
	ret = hkdf_expand_label(md, secret, secret_len, "traffic upd", next,
				md_len);
	if (ret == 0)
		memcpy(secret, next, md_len);
	OPENSSL_cleanse(next, sizeof(next));
	return ret == 0 ? 0 : -EINVAL;
}

int
dpsec_tls12_keys(enum dpsec_cipher cipher, const uint8_t master[48],
		const uint8_t client_random[32],
		const uint8_t server_random[32], struct dpsec_tls12_keys *out)
{
	static const char label[] = "key expansion";
	/* label || server_random || client_random (RFC 5246 §6.3) */
	uint8_t seed[sizeof(label) - 1 + 64];
	/* Two keys and two IVs: at most 2 * (32 + 12). */
	uint8_t block[2 * (32 + KEYS_IV_LEN)];
	const char *md;
	uint8_t key_len, md_len, iv_len;
	OSSL_PARAM params[4];
	size_t n = sizeof(label) - 1;
	int ret;

	if (master == NULL || client_random == NULL || server_random == NULL ||
	    out == NULL)
		return -EINVAL;
	if (keys_cipher(cipher, &key_len, &md, &md_len) != 0)
		return -EINVAL;
	/* AEAD suites have no MAC keys; the IV is the 4-byte salt for
	 * AES-GCM (RFC 5288 §3) and 12 bytes for ChaCha20 (RFC 7905 §2). */
	iv_len = cipher == DPSEC_CIPHER_CHACHA20_POLY1305 ? KEYS_IV_LEN :
							     KEYS_IV12_SALT;
	memcpy(seed, label, n);
	memcpy(seed + n, server_random, 32);
	memcpy(seed + n + 32, client_random, 32);
	/* PRF(secret, label, seed) = P_<hash>(secret, label + seed):
	 * OpenSSL's "seed" is everything after the secret. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)(uintptr_t)md, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET,
			(void *)(uintptr_t)master, 48);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED,
			seed, sizeof(seed));
	params[3] = OSSL_PARAM_construct_end();
	ret = kdf_run("TLS1-PRF", params, block, 2u * (key_len + iv_len));
	if (ret == 0) {
		memset(out, 0, sizeof(*out));
		/* client_write_key, server_write_key, client_write_IV,
		 * server_write_IV (RFC 5246 §6.3, no MAC keys). */
		memcpy(out->client_key, block, key_len);
		memcpy(out->server_key, block + key_len, key_len);
		memcpy(out->client_iv, block + 2 * key_len, iv_len);
		memcpy(out->server_iv, block + 2 * key_len + iv_len, iv_len);
		out->key_len = key_len;
		out->iv_len = iv_len;
	}
	OPENSSL_cleanse(block, sizeof(block));
	return ret == 0 ? 0 : -EINVAL;
}

/* Key log labels (NSS Key Log Format), in the enum's order. */
static const char *const keylog_labels[] = {
	[DPSEC_KEYLOG_CLIENT_RANDOM] = "CLIENT_RANDOM",
	[DPSEC_KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET] =
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
	[DPSEC_KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET] =
		"SERVER_HANDSHAKE_TRAFFIC_SECRET",
	[DPSEC_KEYLOG_CLIENT_TRAFFIC_SECRET_0] = "CLIENT_TRAFFIC_SECRET_0",
	[DPSEC_KEYLOG_SERVER_TRAFFIC_SECRET_0] = "SERVER_TRAFFIC_SECRET_0",
	[DPSEC_KEYLOG_EXPORTER_SECRET] = "EXPORTER_SECRET",
	[DPSEC_KEYLOG_EARLY_EXPORTER_SECRET] = "EARLY_EXPORTER_SECRET",
	[DPSEC_KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET] =
		"CLIENT_EARLY_TRAFFIC_SECRET",
};

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly @p len hex digits (even) into out; -EINVAL otherwise. */
static int
hex_field(const char *p, size_t len, uint8_t *out, size_t max)
{
	size_t i;

	if (len == 0 || len % 2 != 0 || len / 2 > max)
		return -EINVAL;
	for (i = 0; i < len; i += 2) {
		int hi = hex_val(p[i]), lo = hex_val(p[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static bool
is_sep(char c)
{
	return c == ' ' || c == '\t';
}

int
dpsec_tls_keylog_parse(const char *line, struct dpsec_tls_keylog *out)
{
	const char *f[4], *p;
	size_t flen[4], len, nf = 0, i;
	struct dpsec_tls_keylog kl;
	int label = -1;

	if (line == NULL || out == NULL)
		return -EINVAL;
	len = strlen(line);
	/* A line of a file may keep its end of line. */
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	p = line;
	while (p < line + len && is_sep(*p))
		p++;
	if (p == line + len || *p == '#')
		return -ENOENT;
	/* Fields separated by runs of spaces or tabs; at most 4 noted. */
	while (p < line + len) {
		const char *s = p;

		while (p < line + len && !is_sep(*p))
			p++;
		if (nf < 4) {
			f[nf] = s;
			flen[nf] = (size_t)(p - s);
		}
		nf++;
		while (p < line + len && is_sep(*p))
			p++;
	}
	for (i = 0; i < RTE_DIM(keylog_labels); i++)
		if (strlen(keylog_labels[i]) == flen[0] &&
		    memcmp(keylog_labels[i], f[0], flen[0]) == 0)
			label = (int)i;
	if (label < 0)
		return -ENOENT;
	/* LABEL <client_random> <secret>: exactly three fields. */
	if (nf != 3)
		return -EINVAL;
	memset(&kl, 0, sizeof(kl));
	kl.label = (enum dpsec_tls_keylog_label)label;
	if (flen[1] != 2 * sizeof(kl.client_random) ||
	    hex_field(f[1], flen[1], kl.client_random,
		      sizeof(kl.client_random)) != 0)
		return -EINVAL;
	if (hex_field(f[2], flen[2], kl.secret, sizeof(kl.secret)) != 0) {
		OPENSSL_cleanse(&kl, sizeof(kl));
		return -EINVAL;
	}
	kl.secret_len = (uint16_t)(flen[2] / 2);
	/* TLS 1.2 master secret: 48 bytes (RFC 5246 §8.1); TLS 1.3
	 * secrets: the suite's hash length (32 or 48; 64 accepted). */
	if (kl.label == DPSEC_KEYLOG_CLIENT_RANDOM ? kl.secret_len != 48 :
	    (kl.secret_len != 32 && kl.secret_len != 48 &&
	     kl.secret_len != 64)) {
		OPENSSL_cleanse(&kl, sizeof(kl));
		return -EINVAL;
	}
	*out = kl;
	OPENSSL_cleanse(&kl, sizeof(kl));
	return 0;
}
