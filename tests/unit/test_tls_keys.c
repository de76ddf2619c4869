/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS key material tests (lib/dpsec/tls_keys.c, compiled into this
 * program so that it runs without EAL): RFC 8448 §3 known answers for the
 * TLS 1.3 traffic keys, with the RFC's protected application records
 * opened by dpsec_tls_rec_open(); KeyUpdate and the SHA-384 suite against
 * an HKDF written here on HMAC; the TLS 1.2 key block against a PRF
 * written here on HMAC (itself checked on the IETF TLS list's P_SHA256
 * vector); the key log line parser.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto.h"
#include "unit_util.h"
#include "dpsec_tls.h"
#include "tls_rec.h"


/* ---------------------------------------------------------------------- */
/* Independent references on HMAC (RFC 5869 §2.3, RFC 5246 §5) */

static void
hmac(const EVP_MD *md, const uint8_t *k, size_t klen, const uint8_t *d,
     size_t dlen, uint8_t *out)
{
	unsigned int n = 0;

	assert_non_null(HMAC(md, k, (int)klen, d, dlen, out, &n));
	assert_int_equal(n, EVP_MD_get_size(md));
}

/* HKDF-Expand-Label(secret, label, "", len), written out. */
static void
ref_expand_label(const EVP_MD *md, const uint8_t *secret, size_t slen,
		 const char *label, uint8_t *out, size_t len)
{
	uint8_t info[300], t[64 + 300 + 1], blk[64];
	size_t hl = (size_t)EVP_MD_get_size(md), n = 0, tl = 0, done = 0;
	uint8_t i;

	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + strlen(label));
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, strlen(label));
	n += strlen(label);
	info[n++] = 0;
	/* T(i) = HMAC(PRK, T(i-1) || info || i) */
	for (i = 1; done < len; i++) {
		memcpy(t + tl, info, n);
		t[tl + n] = i;
		hmac(md, secret, slen, t, tl + n + 1, blk);
		memcpy(out + done, blk, len - done < hl ? len - done : hl);
		done += len - done < hl ? len - done : hl;
		memcpy(t, blk, hl);
		tl = hl;
	}
}

/* P_hash(secret, seed) (RFC 5246 §5), written out. */
static void
ref_p_hash(const EVP_MD *md, const uint8_t *secret, size_t slen,
	   const uint8_t *seed, size_t seed_len, uint8_t *out, size_t len)
{
	uint8_t a[64], buf[64 + 256], blk[64];
	size_t hl = (size_t)EVP_MD_get_size(md), done = 0, k;

	assert_true(seed_len <= 256);
	hmac(md, secret, slen, seed, seed_len, a);	/* A(1) */
	while (done < len) {
		memcpy(buf, a, hl);
		memcpy(buf + hl, seed, seed_len);
		hmac(md, secret, slen, buf, hl + seed_len, blk);
		k = len - done < hl ? len - done : hl;
		memcpy(out + done, blk, k);
		done += k;
		hmac(md, secret, slen, a, hl, blk);	/* A(i+1) */
		memcpy(a, blk, hl);
	}
}

/* The reference PRF itself against the IETF TLS WG's P_SHA256 vector
 * (secret 9bbe..., "test label", 100 bytes), so that what it says
 * about dpsec_tls12_keys() means something. */
static void
test_ref_prf_vector(void **state)
{
	uint8_t secret[16], seed[10 + 16], want[100], got[100];

	(void)state;
	unhex("9bbe436ba940f017b17652849a71db35", secret, 16);
	memcpy(seed, "test label", 10);
	unhex("a0ba9f936cda311827a6f796ffd5198c", seed + 10, 16);
	unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
	      "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
	      "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
	      "87347b66", want, 100);
	ref_p_hash(EVP_sha256(), secret, 16, seed, sizeof(seed), got, 100);
	assert_memory_equal(got, want, 100);
}

/* ---------------------------------------------------------------------- */
/* RFC 8448 §3 (Simple 1-RTT Handshake, TLS_AES_128_GCM_SHA256) */

static const char c_ap_secret[] =
	"9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
static const char s_ap_secret[] =
	"a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";

/* The application data records of §3: the client's first (record 0 of
 * the client's application keys) and the server's reply (record 1 of
 * the server's, after NewSessionTicket). Both carry 00..31 (50 bytes),
 * inner type application_data. */
static const char c_ap_record[] =
	"1703030043"
	"a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5"
	"b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb2169"
	"4915e4";
static const char s_ap_record[] =
	"1703030043"
	"2e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d"
	"90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167"
	"c2955d";

/* The server's first record under its application keys (record 0):
 * NewSessionTicket, inner type handshake, 205 bytes. */
static const char s_nst_record[] =
	"17030300de"
	"3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b5"
	"80dcf3d11d63c758db289a015940252f55713e061dc13e078891a38efbcf5753"
	"ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e09c30ba1e62"
	"972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181"
	"a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c86519d86cbeeac"
	"87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74bc2697687e"
	"248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985684f";

static void
check_rfc8448_side(const char *secret_hex, const char *key_hex,
		   const char *iv_hex, const char *rec_hex, uint64_t seq)
{
	uint8_t secret[32], key[16], iv[12], wkey[16], wiv[12];
	uint8_t rec[128], good[128], plain[50], type;
	struct dpsec_crypto_key ck;
	struct dpsec_tls_suite s;
	uint32_t off, plen, rlen, i;
	unsigned int b;

	unhex(secret_hex, secret, 32);
	unhex(key_hex, wkey, 16);
	unhex(iv_hex, wiv, 12);
	memset(key, 0, sizeof(key));
	memset(iv, 0, sizeof(iv));
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_AES_GCM_128, secret, 32,
					  key, iv), 0);
	assert_memory_equal(key, wkey, 16);
	assert_memory_equal(iv, wiv, 12);

	rlen = (uint32_t)unhex(rec_hex, good, sizeof(good));
	assert_int_equal(rlen, 5 + 0x43);
	for (i = 0; i < 50; i++)
		plain[i] = (uint8_t)i;
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 12), 0);
	for (b = 0; b < NB_BACKENDS; b++) {
		assert_int_equal(dpsec_crypto_key_init(&ck, b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		memcpy(rec, good, rlen);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &ck, &s, seq, rec,
				rlen, &type, &off, &plen), 0);
		assert_int_equal(type, DPSEC_TLS_CT_APPLICATION_DATA);
		assert_int_equal(off, 5);
		assert_int_equal(plen, 50);
		assert_memory_equal(rec + off, plain, 50);
		/* And sealing the same plaintext gives the RFC's bytes. */
		assert_int_equal(dpsec_tls_rec_frame(&s, rec, 23, 50, 0, seq),
				 5);
		memcpy(rec + 5, plain, 50);
		assert_int_equal(dpsec_tls_rec_seal(eng[b], &ck, &s, seq, rec,
						    rlen), 0);
		assert_memory_equal(rec, good, rlen);
		/* Another record number does not open it. */
		memcpy(rec, good, rlen);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &ck, &s, seq + 1,
				rec, rlen, &type, &off, &plen), -EBADMSG);
		dpsec_crypto_key_wipe(&ck);
	}
}

/* NewSessionTicket: a TLS 1.3 record whose inner type is not the
 * header's. The plaintext is checked by its handshake header
 * (new_session_ticket(4), length 0xc9) and its last bytes (the
 * early_data extension, max_early_data_size 0x400). */
static void
check_rfc8448_nst(void)
{
	uint8_t secret[32], key[16], iv[12], rec[256], want[4], type;
	struct dpsec_crypto_key ck;
	struct dpsec_tls_suite s;
	uint32_t off, plen, rlen;
	unsigned int b;

	unhex(s_ap_secret, secret, 32);
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_AES_GCM_128, secret, 32,
					  key, iv), 0);
	assert_int_equal(dpsec_tls_suite_init(&s, DPSEC_TLS_VER_1_3,
			DPSEC_CRYPTO_CIPHER_AES_GCM_128, iv, 12), 0);
	for (b = 0; b < NB_BACKENDS; b++) {
		assert_int_equal(dpsec_crypto_key_init(&ck, b,
				DPSEC_CRYPTO_CIPHER_AES_GCM_128, key, 16,
				DPSEC_CRYPTO_AUTH_NULL, NULL, 0), 0);
		rlen = (uint32_t)unhex(s_nst_record, rec, sizeof(rec));
		assert_int_equal(rlen, 5 + 0xde);
		assert_int_equal(dpsec_tls_rec_open(eng[b], &ck, &s, 0, rec,
				rlen, &type, &off, &plen), 0);
		assert_int_equal(type, DPSEC_TLS_CT_HANDSHAKE);
		assert_int_equal(plen, 205);
		unhex("040000c9", want, 4);
		assert_memory_equal(rec + off, want, 4);
		unhex("00000400", want, 4);
		assert_memory_equal(rec + off + plen - 4, want, 4);
		dpsec_crypto_key_wipe(&ck);
	}
}

static void
test_rfc8448(void **state)
{
	(void)state;
	check_rfc8448_side(c_ap_secret, "17422dda596ed5d9acd890e3c63f5051",
			   "5b78923dee08579033e523d9", c_ap_record, 0);
	check_rfc8448_side(s_ap_secret, "9f02283b6c9c07efc26bb9f2ac92e356",
			   "cf782b88dd83549aadf1e984", s_ap_record, 1);
	check_rfc8448_nst();
}

static void
test_tls13_keys_errors(void **state)
{
	uint8_t secret[48] = { 1 }, key[32], iv[12];

	(void)state;
	/* The secret's length is the suite hash's. */
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_AES_GCM_128, secret, 48,
					  key, iv), -EINVAL);
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_AES_GCM_256, secret, 32,
					  key, iv), -EINVAL);
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_CHACHA20_POLY1305,
					  secret, 31, key, iv), -EINVAL);
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_AES_CBC_128, secret, 32,
					  key, iv), -EINVAL);
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_NULL, secret, 32, key,
					  iv), -EINVAL);
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_AES_GCM_128, NULL, 32,
					  key, iv), -EINVAL);
	assert_int_equal(dpsec_tls13_keys(DPSEC_CIPHER_AES_GCM_128, secret, 32,
					  NULL, iv), -EINVAL);
	assert_int_equal(dpsec_tls13_secret_update(DPSEC_CIPHER_AES_GCM_256,
						   secret, 32), -EINVAL);
	assert_int_equal(dpsec_tls13_secret_update(DPSEC_CIPHER_AES_GCM_128,
						   NULL, 32), -EINVAL);
	assert_int_equal(dpsec_tls13_secret_update(99, secret, 32), -EINVAL);
}

/* Traffic keys of every suite and KeyUpdate against the reference HKDF;
 * KeyUpdate from RFC 8448's secrets also against Botan's values (its
 * test_tls_cipher_state.cpp; not in the RFC). */
static void
test_tls13_vs_ref(void **state)
{
	static const struct {
		enum dpsec_cipher c;
		uint8_t key_len;
		uint8_t hash_len;
	} t[] = {
		{ DPSEC_CIPHER_AES_GCM_128, 16, 32 },
		{ DPSEC_CIPHER_AES_GCM_256, 32, 48 },
		{ DPSEC_CIPHER_CHACHA20_POLY1305, 32, 32 },
	};
	uint8_t secret[48], want[48], key[32], iv[12], wkey[32], wiv[12];
	unsigned int i, n, g;

	(void)state;
	for (i = 0; i < 3; i++) {
		const EVP_MD *md = t[i].hash_len == 48 ? EVP_sha384() :
							 EVP_sha256();

		for (n = 0; n < 20; n++) {
			rnd_fill(secret, t[i].hash_len);
			for (g = 0; g < 3; g++) {
				ref_expand_label(md, secret, t[i].hash_len,
						 "key", wkey, t[i].key_len);
				ref_expand_label(md, secret, t[i].hash_len,
						 "iv", wiv, 12);
				assert_int_equal(dpsec_tls13_keys(t[i].c,
					secret, t[i].hash_len, key, iv), 0);
				assert_memory_equal(key, wkey, t[i].key_len);
				assert_memory_equal(iv, wiv, 12);
				/* Next generation (RFC 8446 §7.2). */
				ref_expand_label(md, secret, t[i].hash_len,
						 "traffic upd", want,
						 t[i].hash_len);
				assert_int_equal(dpsec_tls13_secret_update(
					t[i].c, secret, t[i].hash_len), 0);
				assert_memory_equal(secret, want,
						    t[i].hash_len);
			}
		}
	}
	unhex(c_ap_secret, secret, 32);
	assert_int_equal(dpsec_tls13_secret_update(DPSEC_CIPHER_AES_GCM_128,
						   secret, 32), 0);
	unhex("fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207",
	      want, 32);
	assert_memory_equal(secret, want, 32);
	unhex(s_ap_secret, secret, 32);
	assert_int_equal(dpsec_tls13_secret_update(DPSEC_CIPHER_AES_GCM_128,
						   secret, 32), 0);
	unhex("51921b8aa3001976eb401d0a4319a8516416a6c56001a357e5d162031e84f916",
	      want, 32);
	assert_memory_equal(secret, want, 32);
}

/* TLS 1.2 key block vs the reference PRF: "key expansion" with
 * server_random || client_random (RFC 5246 §6.3). */
static void
test_tls12_keys(void **state)
{
	static const struct {
		enum dpsec_cipher c;
		uint8_t key_len;
		uint8_t iv_len;
		int sha384;
	} t[] = {
		{ DPSEC_CIPHER_AES_GCM_128, 16, 4, 0 },
		{ DPSEC_CIPHER_AES_GCM_256, 32, 4, 1 },
		{ DPSEC_CIPHER_CHACHA20_POLY1305, 32, 12, 0 },
	};
	uint8_t master[48], cr[32], sr[32], seed[13 + 64], blk[88];
	struct dpsec_tls12_keys k, k2;
	unsigned int i, n;

	(void)state;
	for (i = 0; i < 3; i++)
	for (n = 0; n < 20; n++) {
		uint8_t kl = t[i].key_len, il = t[i].iv_len;

		rnd_fill(master, 48);
		rnd_fill(cr, 32);
		rnd_fill(sr, 32);
		memcpy(seed, "key expansion", 13);
		memcpy(seed + 13, sr, 32);
		memcpy(seed + 45, cr, 32);
		ref_p_hash(t[i].sha384 ? EVP_sha384() : EVP_sha256(), master,
			   48, seed, sizeof(seed), blk, 2u * (kl + il));
		memset(&k, 0xee, sizeof(k));
		assert_int_equal(dpsec_tls12_keys(t[i].c, master, cr, sr, &k),
				 0);
		assert_int_equal(k.key_len, kl);
		assert_int_equal(k.iv_len, il);
		assert_memory_equal(k.client_key, blk, kl);
		assert_memory_equal(k.server_key, blk + kl, kl);
		assert_memory_equal(k.client_iv, blk + 2 * kl, il);
		assert_memory_equal(k.server_iv, blk + 2 * kl + il, il);
		/* The randoms are not interchangeable. */
		assert_int_equal(dpsec_tls12_keys(t[i].c, master, sr, cr, &k2),
				 0);
		assert_memory_not_equal(k.client_key, k2.client_key, kl);
	}
	assert_int_equal(dpsec_tls12_keys(DPSEC_CIPHER_AES_CBC_256, master, cr,
					  sr, &k), -EINVAL);
	assert_int_equal(dpsec_tls12_keys(DPSEC_CIPHER_AES_GCM_128, NULL, cr,
					  sr, &k), -EINVAL);
	assert_int_equal(dpsec_tls12_keys(DPSEC_CIPHER_AES_GCM_128, master, cr,
					  sr, NULL), -EINVAL);
}

/* ---------------------------------------------------------------------- */
/* Key log lines */

#define CR64 "00112233445566778899aabbccddeeff" \
	     "00112233445566778899AABBCCDDEEFF"
#define H32 "0f1e2d3c4b5a69788796a5b4c3d2e1f0" \
	    "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define H48 H32 "aBcDeF0123456789aBcDeF0123456789"

static void
test_keylog_good(void **state)
{
	static const struct {
		const char *line;
		enum dpsec_tls_keylog_label label;
		uint16_t len;
	} t[] = {
		{ "CLIENT_RANDOM " CR64 " " H48, DPSEC_KEYLOG_CLIENT_RANDOM,
		  48 },
		{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET " CR64 " " H32,
		  DPSEC_KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET, 32 },
		{ "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR64 " " H48,
		  DPSEC_KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET, 48 },
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " " H32,
		  DPSEC_KEYLOG_CLIENT_TRAFFIC_SECRET_0, 32 },
		{ "SERVER_TRAFFIC_SECRET_0 " CR64 " " H48,
		  DPSEC_KEYLOG_SERVER_TRAFFIC_SECRET_0, 48 },
		{ "EXPORTER_SECRET " CR64 " " H32,
		  DPSEC_KEYLOG_EXPORTER_SECRET, 32 },
		{ "EARLY_EXPORTER_SECRET " CR64 " " H32,
		  DPSEC_KEYLOG_EARLY_EXPORTER_SECRET, 32 },
		{ "CLIENT_EARLY_TRAFFIC_SECRET " CR64 " " H32,
		  DPSEC_KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET, 32 },
		/* As a file line: with its end of line. */
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " " H32 "\n",
		  DPSEC_KEYLOG_CLIENT_TRAFFIC_SECRET_0, 32 },
		{ "CLIENT_RANDOM " CR64 " " H48 "\r\n",
		  DPSEC_KEYLOG_CLIENT_RANDOM, 48 },
		{ "SERVER_TRAFFIC_SECRET_0\t" CR64 "  " H32,
		  DPSEC_KEYLOG_SERVER_TRAFFIC_SECRET_0, 32 },
	};
	uint8_t cr[32], sec[48];
	struct dpsec_tls_keylog kl;
	unsigned int i;

	(void)state;
	unhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	      cr, 32);
	unhex("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	      "abcdef0123456789abcdef0123456789", sec, 48);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&kl, 0xee, sizeof(kl));
		if (dpsec_tls_keylog_parse(t[i].line, &kl) != 0)
			fail_msg("row %u refused", i);
		assert_int_equal(kl.label, t[i].label);
		assert_int_equal(kl.secret_len, t[i].len);
		assert_memory_equal(kl.client_random, cr, 32);
		assert_memory_equal(kl.secret, sec, t[i].len);
	}
}

static void
test_keylog_bad(void **state)
{
	static const struct {
		const char *line;
		int want;
	} t[] = {
		{ "", -ENOENT },
		{ "\n", -ENOENT },
		{ "   \t", -ENOENT },
		{ "# SSL/TLS secrets log file, generated by NSS", -ENOENT },
		{ "  # indented comment", -ENOENT },
		{ "RSA 0011 " H48, -ENOENT },
		{ "CLIENT_RANDOMX " CR64 " " H48, -ENOENT },
		{ "client_random " CR64 " " H48, -ENOENT },
		{ "CLIENT_TRAFFIC_SECRET_1 " CR64 " " H32, -ENOENT },
		/* Field counts. */
		{ "CLIENT_RANDOM", -EINVAL },
		{ "CLIENT_RANDOM " CR64, -EINVAL },
		{ "CLIENT_RANDOM " CR64 " " H48 " extra", -EINVAL },
		{ "CLIENT_RANDOM " CR64 " " H48 " #", -EINVAL },
		/* client_random: 31, 33 bytes, odd digits, not hex. */
		{ "CLIENT_RANDOM " CR64 "00 " H48, -EINVAL },
		{ "CLIENT_RANDOM 00112233445566778899aabbccddeeff"
		  "00112233445566778899aabbccddee " H48, -EINVAL },
		{ "CLIENT_RANDOM 00112233445566778899aabbccddeeff"
		  "00112233445566778899aabbccddeef " H48, -EINVAL },
		{ "CLIENT_RANDOM 00112233445566778899aabbccddeeff"
		  "00112233445566778899aabbccddeeg0 " H48, -EINVAL },
		/* Secrets: CLIENT_RANDOM is 48 bytes; TLS 1.3 32/48/64. */
		{ "CLIENT_RANDOM " CR64 " " H32, -EINVAL },
		{ "CLIENT_RANDOM " CR64 " " H48 "00", -EINVAL },
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " " H32 "00", -EINVAL },
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " 00112233", -EINVAL },
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " " H32 H48, -EINVAL },
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " " H32 "0", -EINVAL },
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " "
		  "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1fz",
		  -EINVAL },
		{ "CLIENT_TRAFFIC_SECRET_0 " CR64 " " H32 "\n\n", -EINVAL },
	};
	struct dpsec_tls_keylog kl, before;
	unsigned int i;

	(void)state;
	memset(&before, 0x5a, sizeof(before));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int ret;

		kl = before;
		ret = dpsec_tls_keylog_parse(t[i].line, &kl);
		if (ret != t[i].want)
			fail_msg("row %u: got %d want %d", i, ret, t[i].want);
		/* Nothing written on failure. */
		assert_memory_equal(&kl, &before, sizeof(kl));
	}
	assert_int_equal(dpsec_tls_keylog_parse(NULL, &kl), -EINVAL);
	assert_int_equal(dpsec_tls_keylog_parse("CLIENT_RANDOM " CR64 " " H48,
						NULL), -EINVAL);
	/* A 64-byte secret is accepted for TLS 1.3 labels. */
	assert_int_equal(dpsec_tls_keylog_parse("EXPORTER_SECRET " CR64 " "
						H32 H32, &kl), 0);
	assert_int_equal(kl.secret_len, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_prf_vector),
		cmocka_unit_test(test_rfc8448),
		cmocka_unit_test(test_tls13_keys_errors),
		cmocka_unit_test(test_tls13_vs_ref),
		cmocka_unit_test(test_tls12_keys),
		cmocka_unit_test(test_keylog_good),
		cmocka_unit_test(test_keylog_bad),
	};

	return cmocka_run_group_tests_name("tls_keys", tests, setup_engines,
			teardown_engines);
}
