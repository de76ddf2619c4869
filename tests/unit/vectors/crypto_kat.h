/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer vectors for the crypto layer, as hex strings so they read
 * like the documents they come from. Spaces inside strings are ignored.
 */

#ifndef DPSEC_TEST_CRYPTO_KAT_H
#define DPSEC_TEST_CRYPTO_KAT_H

#include "crypto.h"

/** One AEAD vector: Enc(key, nonce, aad, pt) = ct || tag. */
struct kat_aead {
	const char *name;
	enum dpsec_crypto_cipher cipher;
	const char *key, *nonce, *aad, *pt, *ct, *tag;
};

/** One AES-CBC vector (RFC 3602 section 4, NIST SP 800-38A F.2). */
struct kat_cbc {
	const char *name;
	enum dpsec_crypto_cipher cipher;
	const char *key, *iv, *pt, *ct;
};

/** One HMAC vector; tag is the full digest (or what the RFC gives). */
struct kat_hmac {
	const char *name;
	enum dpsec_crypto_auth auth;
	const char *key, *data, *tag;
	int data_is_text;	/* data is ASCII, not hex */
};

#define GCM_K3 "feffe9928665731c6d6a8f9467308308"
#define GCM_IV3 "cafebabefacedbaddecaf888"
#define GCM_A4 "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_P60 "d9313225f88406e5a55909c5aff5269a" \
		"86a7a9531534f7da2e4c303d8a318a72" \
		"1c3c0c95956809532fcf0e2449a6b525" \
		"b16aedf5aa0de657ba637b39"
#define GCM_P64 GCM_P60 "1aafd255"
#define Z16 "00000000000000000000000000000000"
#define Z12 "000000000000000000000000"

/*
 * McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases
 * 1-4 (128-bit), 7-10 (192-bit), 13-16 (256-bit): the vectors RFC 4106
 * implementations are tested with (96-bit nonce = salt || IV).
 */
static const struct kat_aead kat_gcm[] = {
	{ "gcm-tc1", DPSEC_CRYPTO_CIPHER_AES_GCM_128, Z16, Z12, "", "", "",
	  "58e2fccefa7e3061367f1d57a4e7455a" },
	{ "gcm-tc2", DPSEC_CRYPTO_CIPHER_AES_GCM_128, Z16, Z12, "", Z16,
	  "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	{ "gcm-tc3", DPSEC_CRYPTO_CIPHER_AES_GCM_128, GCM_K3, GCM_IV3, "", GCM_P64,
	  "42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ "gcm-tc4", DPSEC_CRYPTO_CIPHER_AES_GCM_128, GCM_K3, GCM_IV3, GCM_A4,
	  GCM_P60,
	  "42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "gcm-tc7", DPSEC_CRYPTO_CIPHER_AES_GCM_192, Z16 "0000000000000000", Z12,
	  "", "", "", "cd33b28ac773f74ba00ed1f312572435" },
	{ "gcm-tc8", DPSEC_CRYPTO_CIPHER_AES_GCM_192, Z16 "0000000000000000", Z12,
	  "", Z16, "98e7247c07f0fe411c267e4384b0f600",
	  "2ff58d80033927ab8ef4d4587514f0fb" },
	{ "gcm-tc9", DPSEC_CRYPTO_CIPHER_AES_GCM_192, GCM_K3 "feffe9928665731c",
	  GCM_IV3, "", GCM_P64,
	  "3980ca0b3c00e841eb06fac4872a2757 859e1ceaa6efd984628593b40ca1e19c"
	  "7d773d00c144c525ac619d18c84a3f47 18e2448b2fe324d9ccda2710acade256",
	  "9924a7c8587336bfb118024db8674a14" },
	{ "gcm-tc10", DPSEC_CRYPTO_CIPHER_AES_GCM_192, GCM_K3 "feffe9928665731c",
	  GCM_IV3, GCM_A4, GCM_P60,
	  "3980ca0b3c00e841eb06fac4872a2757 859e1ceaa6efd984628593b40ca1e19c"
	  "7d773d00c144c525ac619d18c84a3f47 18e2448b2fe324d9ccda2710",
	  "2519498e80f1478f37ba55bd6d27618c" },
	{ "gcm-tc13", DPSEC_CRYPTO_CIPHER_AES_GCM_256, Z16 Z16, Z12, "", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "gcm-tc14", DPSEC_CRYPTO_CIPHER_AES_GCM_256, Z16 Z16, Z12, "", Z16,
	  "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "gcm-tc15", DPSEC_CRYPTO_CIPHER_AES_GCM_256, GCM_K3 GCM_K3, GCM_IV3, "",
	  GCM_P64,
	  "522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "gcm-tc16", DPSEC_CRYPTO_CIPHER_AES_GCM_256, GCM_K3 GCM_K3, GCM_IV3,
	  GCM_A4, GCM_P60,
	  "522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
	/*
	 * RFC 8439 2.8.2: the AEAD construction RFC 7634 uses for ESP. Its
	 * nonce is a 32-bit constant || 64-bit IV, the same layout as
	 * RFC 7634's salt || IV. Plaintext is ASCII, given here as hex.
	 */
	{ "rfc8439-2.8.2", DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305,
	  "808182838485868788898a8b8c8d8e8f 909192939495969798999a9b9c9d9e9f",
	  "07000000 4041424344454647",
	  "50515253c0c1c2c3c4c5c6c7",
	  /* "Ladies and Gentlemen of the class of '99: If I could offer you
	   * only one tip for the future, sunscreen would be it." */
	  "4c616469657320616e642047656e746c 656d656e206f662074686520636c6173"
	  "73206f66202739393a20496620492063 6f756c64206f6666657220796f75206f"
	  "6e6c79206f6e652074697020666f7220 746865206675747572652c2073756e73"
	  "637265656e20776f756c642062652069 742e",
	  "d31a8d34648e60db7b86afbc53ef7ec2 a4aded51296e08fea9e2b5a736ee62d6"
	  "3dbea45e8ca9671282fafb69da92728b 1a71de0a9e060b2905d6a5b67ecd3b36"
	  "92ddbd7f2d778b8c9803aee328091b58 fab324e4fad675945585808b4831d7bc"
	  "3ff4def08e4b7a9de576d26586cec64b 6116",
	  "1ae10b594f09e26a7e902ecbd0600691" },
};

#define SP800_38A_P "6bc1bee22e409f96e93d7e117393172a" \
		"ae2d8a571e03ac9c9eb76fac45af8e51" \
		"30c81c46a35ce411e5fbc1191a0a52ef" \
		"f69f2445df4f9b17ad2b417be66c3710"

static const struct kat_cbc kat_cbc[] = {
	/* RFC 3602 4, cases 1-4. */
	{ "rfc3602-1", DPSEC_CRYPTO_CIPHER_AES_CBC_128,
	  "06a9214036b8a15b512e03d534120006",
	  "3dafba429d9eb430b422da802c9fac41",
	  "53696e676c6520626c6f636b206d7367",	/* "Single block msg" */
	  "e353779c1079aeb82708942dbe77181a" },
	{ "rfc3602-2", DPSEC_CRYPTO_CIPHER_AES_CBC_128,
	  "c286696d887c9aa0611bbb3e2025a45a",
	  "562e17996d093d28ddb3ba695a2e6f58",
	  "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f",
	  "d296cd94c2cccf8a3a863028b5e1dc0a 7586602d253cfff91b8266bea6d61ab1" },
	{ "rfc3602-3", DPSEC_CRYPTO_CIPHER_AES_CBC_128,
	  "6c3ea0477630ce21a2ce334aa746c2cd",
	  "c782dc4c098c66cbd9cd27d825682c81",
	  /* "This is a 48-byte message (exactly 3 AES blocks)" */
	  "5468697320697320612034382d627974 65206d657373616765202865786163746c"
	  "7920332041455320626c6f636b7329",
	  "d0a02b3836451753d493665d33f0e886 2dea54cdb293abc7506939276772f8d5"
	  "021c19216bad525c8579695d83ba2684" },
	{ "rfc3602-4", DPSEC_CRYPTO_CIPHER_AES_CBC_128,
	  "56e47a38c5598974bc46903dba290349",
	  "8ce82eefbea0da3c44699ed7db51b7d9",
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf d0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
	  "c30e32ffedc0774e6aff6af0869f71aa 0f3af07a9a31a9c684db207eb0ef8e4e"
	  "35907aa632c3ffdf868bb7b29d3d46ad 83ce9f9a102ee99d49a53e87f4c3da55" },
	/* NIST SP 800-38A F.2.3 (CBC-AES192) and F.2.5 (CBC-AES256). */
	{ "sp800-38a-f.2.3", DPSEC_CRYPTO_CIPHER_AES_CBC_192,
	  "8e73b0f7da0e6452c810f32b809079e5 62f8ead2522c6b7b",
	  "000102030405060708090a0b0c0d0e0f", SP800_38A_P,
	  "4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a"
	  "571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd" },
	{ "sp800-38a-f.2.5", DPSEC_CRYPTO_CIPHER_AES_CBC_256,
	  "603deb1015ca71be2b73aef0857d7781 1f352c073b6108d72d9810a30914dff4",
	  "000102030405060708090a0b0c0d0e0f", SP800_38A_P,
	  "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d"
	  "39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b" },
};

#define AA20 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define AA80 AA20 AA20 AA20 AA20
#define AA131 AA80 AA20 AA20 "aaaaaaaaaaaaaaaaaaaaaa"
#define DD50 "dddddddddddddddddddddddddddddddddddddddddddddddddd" \
	     "dddddddddddddddddddddddddddddddddddddddddddddddddd"
#define CD50 "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
	     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
#define K25 "0102030405060708090a0b0c0d0e0f10111213141516171819"

static const struct kat_hmac kat_hmac[] = {
	/* RFC 2202 3: HMAC-SHA-1, test cases 1-7. */
	{ "rfc2202-1", DPSEC_CRYPTO_AUTH_HMAC_SHA1_96,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	  "b617318655057264e28bc0b6fb378c8ef146be00", 1 },
	{ "rfc2202-2", DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, "4a656665",	/* "Jefe" */
	  "what do ya want for nothing?",
	  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", 1 },
	{ "rfc2202-3", DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, AA20, DD50,
	  "125d7342b9ac11cd91a39af48aa17b4f63f175d3", 0 },
	{ "rfc2202-4", DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, K25, CD50,
	  "4c9007f4026250c6bc8414f9bf50c86c2d7235da", 0 },
	{ "rfc2202-5", DPSEC_CRYPTO_AUTH_HMAC_SHA1_96,
	  "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation",
	  "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04", 1 },
	{ "rfc2202-6", DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, AA80,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "aa4ae5e15272d00e95705637ce8a3b55ed402112", 1 },
	{ "rfc2202-7", DPSEC_CRYPTO_AUTH_HMAC_SHA1_96, AA80,
	  "Test Using Larger Than Block-Size Key and Larger "
	  "Than One Block-Size Data",
	  "e8e99d0f45237d786d6bbaa7965c7808bbff1a91", 1 },
	/* RFC 4231 4: HMAC-SHA-256, test cases 1-7. */
	{ "rfc4231-1", DPSEC_CRYPTO_AUTH_HMAC_SHA256_128,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b 881dc200c9833da726e9376c2e32cff7",
	  1 },
	{ "rfc4231-2", DPSEC_CRYPTO_AUTH_HMAC_SHA256_128, "4a656665",
	  "what do ya want for nothing?",
	  "5bdcc146bf60754e6a042426089575c7 5a003f089d2739839dec58b964ec3843",
	  1 },
	{ "rfc4231-3", DPSEC_CRYPTO_AUTH_HMAC_SHA256_128, AA20, DD50,
	  "773ea91e36800e46854db8ebd09181a7 2959098b3ef8c122d9635514ced565fe",
	  0 },
	{ "rfc4231-4", DPSEC_CRYPTO_AUTH_HMAC_SHA256_128, K25, CD50,
	  "82558a389a443c0ea4cc819899f2083a 85f0faa3e578f8077a2e3ff46729665b",
	  0 },
	/* Test case 5 only gives the 128-bit truncation. */
	{ "rfc4231-5", DPSEC_CRYPTO_AUTH_HMAC_SHA256_128,
	  "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation",
	  "a3b6167473100ee06e0c796c2955552b", 1 },
	{ "rfc4231-6", DPSEC_CRYPTO_AUTH_HMAC_SHA256_128, AA131,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "60e431591ee0b67f0d8a26aacbf5b77f 8e0bc6213728c5140546040f0ee37f54",
	  1 },
	{ "rfc4231-7", DPSEC_CRYPTO_AUTH_HMAC_SHA256_128, AA131,
	  "This is a test using a larger than block-size key and a larger "
	  "than block-size data. The key needs to be hashed before being "
	  "used by the HMAC algorithm.",
	  "9b09ffa71b942fcb27635fbcd5b0e944 bfdc63644f0713938a7f51535c3a35e2",
	  1 },
	/*
	 * RFC 4231 4: HMAC-SHA-384 and HMAC-SHA-512, test cases 1-7, the
	 * vectors RFC 4868 2.7.2 points to. Keys of test cases 6-7 (131
	 * bytes) exceed the 128-byte block and are hashed first.
	 */
	{ "rfc4231-1-sha384", DPSEC_CRYPTO_AUTH_HMAC_SHA384_192,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	  "afd03944d84895626b0825f4ab46907f 15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6", 1 },
	{ "rfc4231-2-sha384", DPSEC_CRYPTO_AUTH_HMAC_SHA384_192, "4a656665",
	  "what do ya want for nothing?",
	  "af45d2e376484031617f78d2b58a6b1b 9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649", 1 },
	{ "rfc4231-3-sha384", DPSEC_CRYPTO_AUTH_HMAC_SHA384_192, AA20, DD50,
	  "88062608d3e6ad8a0aa2ace014c8a86f 0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27", 0 },
	{ "rfc4231-4-sha384", DPSEC_CRYPTO_AUTH_HMAC_SHA384_192, K25, CD50,
	  "3e8a69b7783c25851933ab6290af6ca7 7a9981480850009cc5577c6e1f573b4e"
	  "6801dd23c4a7d679ccf8a386c674cffb", 0 },
	/* Test case 5 only gives the 128-bit truncation (shorter than the
	 * ICV: the first 16 bytes are compared). */
	{ "rfc4231-5-sha384", DPSEC_CRYPTO_AUTH_HMAC_SHA384_192,
	  "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation",
	  "3abf34c3503b2a23a46efc619baef897", 1 },
	{ "rfc4231-6-sha384", DPSEC_CRYPTO_AUTH_HMAC_SHA384_192, AA131,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "4ece084485813e9088d2c63a041bc5b4 4f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952", 1 },
	{ "rfc4231-7-sha384", DPSEC_CRYPTO_AUTH_HMAC_SHA384_192, AA131,
	  "This is a test using a larger than block-size key and a larger "
	  "than block-size data. The key needs to be hashed before being "
	  "used by the HMAC algorithm.",
	  "6617178e941f020d351e2f254e8fd32c 602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e", 1 },
	{ "rfc4231-1-sha512", DPSEC_CRYPTO_AUTH_HMAC_SHA512_256,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb0 2379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4 be9d914eeb61f1702e696c203a126854",
	  1 },
	{ "rfc4231-2-sha512", DPSEC_CRYPTO_AUTH_HMAC_SHA512_256, "4a656665",
	  "what do ya want for nothing?",
	  "164b7a7bfcf819e2e395fbe73b56e0a3 87bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fd caeab1a34d4a6b4b636e070a38bce737",
	  1 },
	{ "rfc4231-3-sha512", DPSEC_CRYPTO_AUTH_HMAC_SHA512_256, AA20, DD50,
	  "fa73b0089d56a284efb0f0756c890be9 b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807 b946a337bee8942674278859e13292fb",
	  0 },
	{ "rfc4231-4-sha512", DPSEC_CRYPTO_AUTH_HMAC_SHA512_256, K25, CD50,
	  "b0ba465637458c6990e5a8c5f61d4af7 e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063 a5f19741120c4f2de2adebeb10a298dd",
	  0 },
	{ "rfc4231-5-sha512", DPSEC_CRYPTO_AUTH_HMAC_SHA512_256,
	  "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation",
	  "415fad6271580a531d4179bc891d87a6", 1 },
	{ "rfc4231-6-sha512", DPSEC_CRYPTO_AUTH_HMAC_SHA512_256, AA131,
	  "Test Using Larger Than Block-Size Key - Hash Key First",
	  "80b24263c7c1a3ebb71493c1dd7be8b4 9b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e52 95e64f73f63f0aec8b915a985d786598",
	  1 },
	{ "rfc4231-7-sha512", DPSEC_CRYPTO_AUTH_HMAC_SHA512_256, AA131,
	  "This is a test using a larger than block-size key and a larger "
	  "than block-size data. The key needs to be hashed before being "
	  "used by the HMAC algorithm.",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffd debd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15 134676fb6de0446065c97440fa8c6a58",
	  1 },
};

#endif /* DPSEC_TEST_CRYPTO_KAT_H */
