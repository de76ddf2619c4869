/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS record framing: suite, nonce, additional data, header checks,
 * framing and one-shot record crypto, and the record cursor (tls_rec.h).
 */

#include "tls_rec.h"

#include <errno.h>

/* Write @p v big-endian into @p n bytes at @p p. */
static void
put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

int
dpsec_tls_suite_init(struct dpsec_tls_suite *s, uint16_t version,
		enum dpsec_crypto_cipher cipher, const uint8_t *iv,
		uint8_t iv_len)
{
	const struct dpsec_crypto_cipher_info *ci;
	bool gcm12;

	if (s == NULL || iv == NULL)
		return -EINVAL;
	if (version != DPSEC_TLS_VER_1_2 && version != DPSEC_TLS_VER_1_3)
		return -EINVAL;
	ci = dpsec_crypto_cipher_info_get(cipher);
	if (ci == NULL || !ci->tls || ci->icv_len != DPSEC_TLS_TAG_LEN)
		return -EINVAL;
	/* TLS 1.2 AES-GCM: 4-byte salt, 8-byte explicit nonce (RFC 5288
	 * §3); ChaCha20-Poly1305 (RFC 7905 §2) and TLS 1.3 (RFC 8446
	 * §5.3): a 12-byte IV and nothing explicit. */
	gcm12 = version == DPSEC_TLS_VER_1_2 &&
		cipher != DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305;
	if (iv_len != (gcm12 ? DPSEC_TLS12_SALT_LEN : DPSEC_TLS_IV_LEN))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->version = version;
	s->cipher = (uint8_t)cipher;
	s->explicit_len = gcm12 ? DPSEC_TLS12_EXPLICIT_LEN : 0;
	s->tag_len = DPSEC_TLS_TAG_LEN;
	memcpy(s->iv, iv, iv_len);
	if (version == DPSEC_TLS_VER_1_3) {
		/* RFC 8446 §5.2: at least the inner type and the tag. */
		s->max_rec = DPSEC_TLS13_MAX_REC;
		s->min_rec = (uint16_t)(1 + s->tag_len);
	} else {
		s->max_rec = DPSEC_TLS12_MAX_REC;
		s->min_rec = (uint16_t)(s->explicit_len + s->tag_len);
	}
	return 0;
}

void
dpsec_tls_nonce(const struct dpsec_tls_suite *s, uint64_t rec_seq,
		const uint8_t *explicit_nonce, uint8_t nonce[DPSEC_TLS_IV_LEN])
{
	unsigned int i;

	if (s->explicit_len != 0) {
		/* RFC 5288 §3: salt(4) || nonce_explicit(8). */
		memcpy(nonce, s->iv, DPSEC_TLS12_SALT_LEN);
		memcpy(nonce + DPSEC_TLS12_SALT_LEN, explicit_nonce,
		       DPSEC_TLS12_EXPLICIT_LEN);
		return;
	}
	/* RFC 8446 §5.3, RFC 7905 §2: the 64-bit record number,
	 * big-endian, left-padded with zeros to 12 bytes, XOR the IV. */
	memcpy(nonce, s->iv, DPSEC_TLS_IV_LEN);
	for (i = 0; i < 8; i++)
		nonce[DPSEC_TLS_IV_LEN - 1 - i] ^=
			(uint8_t)(rec_seq >> (8 * i));
}

uint16_t
dpsec_tls_aad(const struct dpsec_tls_suite *s, uint64_t rec_seq,
		const uint8_t hdr[DPSEC_TLS_HDR_LEN],
		uint8_t aad[DPSEC_TLS_AAD_MAX])
{
	uint16_t len = dpsec_tls_hdr_len(hdr);
	uint16_t over = (uint16_t)(s->explicit_len + s->tag_len);
	uint16_t plain;

	if (s->version == DPSEC_TLS_VER_1_3) {
		/* RFC 8446 §5.2: additional_data = the record header. */
		memcpy(aad, hdr, DPSEC_TLS_HDR_LEN);
		return DPSEC_TLS_HDR_LEN;
	}
	/* RFC 5246 §6.2.3.3: seq_num + type + version + length, where
	 * length is the plaintext's. A header too short for that has been
	 * refused by dpsec_tls_hdr_check(); 0 keeps this total. */
	plain = len >= over ? (uint16_t)(len - over) : 0;
	put_be(aad, rec_seq, 8);
	aad[8] = hdr[0];
	aad[9] = hdr[1];
	aad[10] = hdr[2];
	put_be(aad + 11, plain, 2);
	return 13;
}

enum dpsec_tls_hdr_err
dpsec_tls_hdr_check(const struct dpsec_tls_suite *s,
		const uint8_t hdr[DPSEC_TLS_HDR_LEN])
{
	uint16_t len = dpsec_tls_hdr_len(hdr);

	/* RFC 8446 §5.2: protected records are application_data (23);
	 * RFC 5246 §6.2.1 / RFC 6520: the types TLS 1.2 defines, 20..24. */
	if (s->version == DPSEC_TLS_VER_1_3) {
		if (hdr[0] != DPSEC_TLS_CT_APPLICATION_DATA)
			return DPSEC_TLS_HDR_BAD_TYPE;
	} else if (hdr[0] < DPSEC_TLS_CT_CHANGE_CIPHER_SPEC ||
		   hdr[0] > DPSEC_TLS_CT_HEARTBEAT) {
		return DPSEC_TLS_HDR_BAD_TYPE;
	}
	/* legacy_record_version is 0x0303 for both (RFC 8446 §5.1). */
	if (hdr[1] != 0x03 || hdr[2] != 0x03)
		return DPSEC_TLS_HDR_BAD_VERSION;
	if (len > s->max_rec)
		return DPSEC_TLS_HDR_TOO_LONG;
	if (len < s->min_rec)
		return DPSEC_TLS_HDR_TOO_SHORT;
	return DPSEC_TLS_HDR_OK;
}

int
dpsec_tls_rec_frame(const struct dpsec_tls_suite *s, uint8_t *rec,
		uint8_t type, uint16_t plain_len, uint16_t pad,
		uint64_t rec_seq)
{
	bool v13 = s->version == DPSEC_TLS_VER_1_3;
	uint16_t prefix = dpsec_tls_rec_prefix(s);
	uint32_t rec_len;

	if (type < DPSEC_TLS_CT_CHANGE_CIPHER_SPEC ||
	    type > DPSEC_TLS_CT_HEARTBEAT)
		return -EINVAL;
	if (!v13 && pad != 0)
		return -EINVAL;
	/* RFC 8446 §5.4: TLSInnerPlaintext (content, type, zeros) at most
	 * 2^14 + 1 bytes; RFC 5246 §6.2.1: the plaintext at most 2^14. */
	if ((uint32_t)plain_len + pad > DPSEC_TLS_MAX_PLAIN)
		return -EINVAL;
	rec_len = dpsec_tls_rec_len(s, plain_len, pad);
	if (rec_len - DPSEC_TLS_HDR_LEN > s->max_rec)
		return -EINVAL;
	rec[0] = v13 ? DPSEC_TLS_CT_APPLICATION_DATA : type;
	rec[1] = 0x03;
	rec[2] = 0x03;
	put_be(rec + 3, rec_len - DPSEC_TLS_HDR_LEN, 2);
	if (s->explicit_len != 0)
		put_be(rec + DPSEC_TLS_HDR_LEN, rec_seq, s->explicit_len);
	if (v13) {
		rec[prefix + plain_len] = type;
		memset(rec + prefix + plain_len + 1, 0, pad);
	}
	return prefix;
}

/* Header, lengths and tag size of a contiguous record; the body length
 * (ciphertext without tag) in *body_len. */
static int
rec_check(const struct dpsec_crypto_key *key,
	  const struct dpsec_tls_suite *s, const uint8_t *rec,
	  uint32_t rec_len, uint32_t *body_len)
{
	if (key == NULL || rec == NULL || rec_len < DPSEC_TLS_HDR_LEN)
		return -EINVAL;
	if (dpsec_tls_hdr_check(s, rec) != DPSEC_TLS_HDR_OK)
		return -EINVAL;
	if ((uint32_t)dpsec_tls_hdr_len(rec) != rec_len - DPSEC_TLS_HDR_LEN)
		return -EINVAL;
	if (dpsec_crypto_key_icv_len(key) != s->tag_len)
		return -EINVAL;
	*body_len = rec_len - dpsec_tls_rec_prefix(s) - s->tag_len;
	/* RFC 5246 §6.2.3: a TLS 1.2 plaintext over 2^14 is
	 * record_overflow whatever the tag says. */
	if (s->version == DPSEC_TLS_VER_1_2 && *body_len > DPSEC_TLS_MAX_PLAIN)
		return -EINVAL;
	return 0;
}

int
dpsec_tls_rec_seal(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key,
		const struct dpsec_tls_suite *s, uint64_t rec_seq,
		uint8_t *rec, uint32_t rec_len)
{
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX];
	uint8_t *body = rec + dpsec_tls_rec_prefix(s);
	uint32_t body_len;
	uint16_t aad_len;
	int ret;

	ret = rec_check(key, s, rec, rec_len, &body_len);
	if (ret != 0)
		return ret;
	dpsec_tls_nonce(s, rec_seq, rec + DPSEC_TLS_HDR_LEN, nonce);
	aad_len = dpsec_tls_aad(s, rec_seq, rec, aad);
	ret = dpsec_aead_seal(e, key, nonce, aad, aad_len, body, body,
			      body_len, body + body_len);
	return ret == 0 ? 0 : -EINVAL;
}

int
dpsec_tls_rec_open(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key,
		const struct dpsec_tls_suite *s, uint64_t rec_seq,
		uint8_t *rec, uint32_t rec_len, uint8_t *type,
		uint32_t *plain_off, uint32_t *plain_len)
{
	uint8_t nonce[DPSEC_TLS_IV_LEN], aad[DPSEC_TLS_AAD_MAX];
	uint16_t prefix = dpsec_tls_rec_prefix(s);
	uint8_t *body = rec + prefix;
	uint32_t body_len, n;
	uint16_t aad_len;
	int ret;

	if (type == NULL || plain_off == NULL || plain_len == NULL)
		return -EINVAL;
	ret = rec_check(key, s, rec, rec_len, &body_len);
	if (ret != 0)
		return ret;
	dpsec_tls_nonce(s, rec_seq, rec + DPSEC_TLS_HDR_LEN, nonce);
	aad_len = dpsec_tls_aad(s, rec_seq, rec, aad);
	ret = dpsec_aead_open(e, key, nonce, aad, aad_len, body, body,
			      body_len, body + body_len);
	if (ret == -EBADMSG)
		return -EBADMSG;
	if (ret != 0)
		return -EINVAL;
	if (s->version == DPSEC_TLS_VER_1_2) {
		*type = rec[0];
		*plain_off = prefix;
		*plain_len = body_len;
		return 0;
	}
	/* RFC 8446 §5.4: the type is the last non-zero byte; a plaintext of
	 * zeros only is unexpected_message. */
	n = body_len;
	while (n > 0 && body[n - 1] == 0)
		n--;
	if (n == 0)
		return -EBADMSG;
	n--;
	/* ...and content over 2^14 is record_overflow (§5.4). */
	if (n > DPSEC_TLS_MAX_PLAIN) {
		memset(body, 0, body_len);
		return -EINVAL;
	}
	*type = body[n];
	*plain_off = prefix;
	*plain_len = n;
	return 0;
}

void
dpsec_tls_cursor_init(struct dpsec_tls_cursor *c,
		const struct dpsec_tls_suite *s, uint32_t tcp_seq,
		uint64_t rec_seq)
{
	memset(c, 0, sizeof(*c));
	c->suite = s;
	c->rec_seq = rec_seq;
	c->tcp_seq = tcp_seq;
	c->rec_tcp_seq = tcp_seq;
	c->part = DPSEC_TLS_PART_HDR;
}

/* The part after the header or the explicit nonce: the body, or the tag
 * if the body is empty (TLS 1.2 allows zero-length fragments). */
static uint8_t
part_after_prefix(const struct dpsec_tls_cursor *c)
{
	return c->body_len > 0 ? DPSEC_TLS_PART_BODY : DPSEC_TLS_PART_TAG;
}

enum dpsec_tls_hdr_err
dpsec_tls_cursor_step(struct dpsec_tls_cursor *c,
		const uint8_t *buf, uint32_t avail, struct dpsec_tls_span *sp)
{
	const struct dpsec_tls_suite *s = c->suite;
	enum dpsec_tls_hdr_err err = DPSEC_TLS_HDR_OK;
	uint32_t part_len, n;
	uint8_t next;

	memset(sp, 0, sizeof(*sp));
	sp->part = c->part;
	sp->part_off = c->part_off;
	sp->rec_seq = c->rec_seq;
	sp->rec_tcp_seq = c->rec_tcp_seq;
	if (avail == 0)
		return DPSEC_TLS_HDR_OK;

	switch (c->part) {
	case DPSEC_TLS_PART_HDR:
		part_len = DPSEC_TLS_HDR_LEN;
		break;
	case DPSEC_TLS_PART_EXPLICIT:
		part_len = s->explicit_len;
		break;
	case DPSEC_TLS_PART_BODY:
		part_len = c->body_len;
		break;
	default:
		part_len = s->tag_len;
		break;
	}
	n = part_len - c->part_off;
	if (n > avail)
		n = avail;
	if (c->part == DPSEC_TLS_PART_HDR)
		memcpy(c->hdr + c->part_off, buf, n);
	else if (c->part == DPSEC_TLS_PART_EXPLICIT)
		memcpy(c->explicit_nonce + c->part_off, buf, n);
	sp->len = n;
	c->part_off += n;
	c->tcp_seq += n;
	if (c->part_off < part_len)
		return DPSEC_TLS_HDR_OK;

	/* The part is complete: move to the next one. */
	switch (c->part) {
	case DPSEC_TLS_PART_HDR:
		c->rec_len = dpsec_tls_hdr_len(c->hdr);
		err = dpsec_tls_hdr_check(s, c->hdr);
		if (err != DPSEC_TLS_HDR_OK)
			return err;	/* stays on the header: out of sync */
		c->body_len = (uint16_t)(c->rec_len - s->explicit_len -
					 s->tag_len);
		sp->hdr_done = true;
		next = s->explicit_len > 0 ? DPSEC_TLS_PART_EXPLICIT :
					     part_after_prefix(c);
		break;
	case DPSEC_TLS_PART_EXPLICIT:
		sp->explicit_done = true;
		next = part_after_prefix(c);
		break;
	case DPSEC_TLS_PART_BODY:
		next = DPSEC_TLS_PART_TAG;
		break;
	default:
		sp->rec_done = true;
		c->rec_seq++;
		c->rec_tcp_seq = c->tcp_seq;
		next = DPSEC_TLS_PART_HDR;
		break;
	}
	/* An empty body ends with the span that completes the prefix. */
	sp->body_done = next == DPSEC_TLS_PART_TAG;
	c->part = next;
	c->part_off = 0;
	return DPSEC_TLS_HDR_OK;
}
