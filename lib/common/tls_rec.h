/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TLS_REC_H
#define DPSEC_TLS_REC_H

/*
 * TLS record framing shared by libdpsec (software record crypto, TX
 * record tracking, RX record assembly) and net_sim_inline (its TLS
 * engine): the wire constants, the per-record nonce and additional data,
 * header checks, and a cursor that walks a record stream delivered in
 * arbitrary pieces (TCP segments, mbuf segments) and says, for every byte,
 * which part of which record it is.
 *
 * Record layouts on the wire (TLSCiphertext):
 *   TLS 1.2 AES-GCM (RFC 5288 §3):      hdr(5) explicit_nonce(8) ct tag(16)
 *   TLS 1.2 ChaCha20-Poly1305 (RFC 7905): hdr(5) ct tag(16)
 *   TLS 1.3 (RFC 8446 §5.2):            hdr(5) ct tag(16), where ct is
 *       the encrypted TLSInnerPlaintext: content || type(1) || zeros
 * hdr = type(1) legacy_version(2) = 0x0303, length(2) = everything after
 * the header. In TLS 1.3 the header type is always application_data (23).
 *
 * Pure code: no DPDK, no crypto, no allocation (unit-testable).
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Wire constants. */
enum {
	DPSEC_TLS_HDR_LEN = 5,		/**< type, version, length */
	DPSEC_TLS_TAG_LEN = 16,		/**< every supported AEAD */
	DPSEC_TLS12_EXPLICIT_LEN = 8,	/**< TLS 1.2 AES-GCM nonce_explicit */
	DPSEC_TLS_IV_LEN = 12,		/**< nonce / TLS 1.3 and ChaCha IV */
	DPSEC_TLS12_SALT_LEN = 4,	/**< TLS 1.2 AES-GCM implicit salt */
	/** Largest plaintext (RFC 8446 §5.1, RFC 5246 §6.2.1). */
	DPSEC_TLS_MAX_PLAIN = 1 << 14,
	/** Largest TLS 1.2 TLSCiphertext.length (RFC 5246 §6.2.3). */
	DPSEC_TLS12_MAX_REC = (1 << 14) + 2048,
	/** Largest TLS 1.3 TLSCiphertext.length (RFC 8446 §5.2). */
	DPSEC_TLS13_MAX_REC = (1 << 14) + 256,
};

/** Protocol versions, as on the wire (ProtocolVersion). */
#define DPSEC_TLS_VER_1_2 0x0303
#define DPSEC_TLS_VER_1_3 0x0304

/** Record content types (RFC 8446 §5.1, RFC 6520). */
enum dpsec_tls_ct {
	DPSEC_TLS_CT_INVALID = 0,
	DPSEC_TLS_CT_CHANGE_CIPHER_SPEC = 20,
	DPSEC_TLS_CT_ALERT = 21,
	DPSEC_TLS_CT_HANDSHAKE = 22,
	DPSEC_TLS_CT_APPLICATION_DATA = 23,
	DPSEC_TLS_CT_HEARTBEAT = 24,
};

/**
 * Record protection of one direction: what the framing and the nonce
 * need. Filled by dpsec_tls_suite_init().
 */
struct dpsec_tls_suite {
	uint16_t version;	/**< DPSEC_TLS_VER_1_2 / _1_3 */
	uint8_t cipher;		/**< enum dpsec_crypto_cipher (AEAD, tls=1) */
	uint8_t explicit_len;	/**< 8 for TLS 1.2 AES-GCM, else 0 */
	uint8_t tag_len;	/**< 16 */
	/** Implicit nonce: TLS 1.2 AES-GCM salt in iv[0..4); otherwise
	 *  the 12-byte write IV (RFC 8446 §5.3, RFC 7905 §2). */
	uint8_t iv[DPSEC_TLS_IV_LEN];
	uint16_t max_rec;	/**< largest header length field accepted */
	uint16_t min_rec;	/**< smallest: explicit + tag (+1 for 1.3) */
};

/**
 * Fill a suite.
 * @param s        Out.
 * @param version  DPSEC_TLS_VER_1_2 or DPSEC_TLS_VER_1_3.
 * @param cipher   A cipher whose info has tls = 1.
 * @param iv       The implicit nonce: 4 bytes (1.2 GCM) or 12.
 * @param iv_len   Its length; must match.
 * @return 0 or -EINVAL.
 */
int dpsec_tls_suite_init(struct dpsec_tls_suite *s, uint16_t version,
		enum dpsec_crypto_cipher cipher, const uint8_t *iv,
		uint8_t iv_len);

/**
 * The AEAD nonce of record @p rec_seq.
 * TLS 1.2 AES-GCM: salt(4) || explicit(8) (RFC 5288 §3), @p explicit_nonce
 * is the record's nonce_explicit (8 bytes from the wire). Otherwise the IV
 * XOR the record number left-padded to 12 bytes (RFC 8446 §5.3, RFC 7905
 * §2); @p explicit_nonce is ignored (may be NULL).
 */
void dpsec_tls_nonce(const struct dpsec_tls_suite *s, uint64_t rec_seq,
		const uint8_t *explicit_nonce, uint8_t nonce[DPSEC_TLS_IV_LEN]);

/** Largest additional data of a record. */
#define DPSEC_TLS_AAD_MAX 13

/**
 * The additional data of a record.
 * TLS 1.2 (RFC 5246 §6.2.3.3): seq_num(8) || type || version ||
 * length(2) where length is the plaintext's (TLSCompressed.length).
 * TLS 1.3 (RFC 8446 §5.2): the record header itself (type 23, 0x0303,
 * length of the ciphertext with tag).
 * @param s          Suite.
 * @param rec_seq    Record number (1.2 only).
 * @param hdr        The record's 5-byte header as on the wire.
 * @param aad        Out, DPSEC_TLS_AAD_MAX bytes of room.
 * @return The AAD length (13 or 5).
 */
uint16_t dpsec_tls_aad(const struct dpsec_tls_suite *s, uint64_t rec_seq,
		const uint8_t hdr[DPSEC_TLS_HDR_LEN],
		uint8_t aad[DPSEC_TLS_AAD_MAX]);

/** Why a record header was refused. */
enum dpsec_tls_hdr_err {
	DPSEC_TLS_HDR_OK = 0,
	DPSEC_TLS_HDR_BAD_TYPE,		/**< not a type this version protects */
	DPSEC_TLS_HDR_BAD_VERSION,	/**< legacy_version is not 0x0303 */
	DPSEC_TLS_HDR_TOO_LONG,		/**< length over the version's limit */
	DPSEC_TLS_HDR_TOO_SHORT,	/**< shorter than nonce + tag (+1) */
};

/**
 * Check a protected record's header: type (TLS 1.3: 23 only; TLS 1.2:
 * 20..24), version 0x0303, min_rec <= length <= max_rec.
 * @return DPSEC_TLS_HDR_OK or the reason.
 */
enum dpsec_tls_hdr_err dpsec_tls_hdr_check(const struct dpsec_tls_suite *s,
		const uint8_t hdr[DPSEC_TLS_HDR_LEN]);

/** Length field of a header. */
static inline uint16_t
dpsec_tls_hdr_len(const uint8_t hdr[DPSEC_TLS_HDR_LEN])
{
	return (uint16_t)((hdr[3] << 8) | hdr[4]);
}

/**
 * Write a record header and, for TLS 1.2 AES-GCM, the explicit nonce
 * (the record number, big-endian, as OpenSSL and Linux do), in front of a
 * plaintext of @p plain_len bytes; for TLS 1.3 also the inner content type
 * and @p pad zero bytes after the plaintext at @p rec + prefix +
 * plain_len. The tag room after that is left as is.
 * @param s          Suite.
 * @param rec        Record start; dpsec_tls_rec_len() bytes of room.
 * @param type       Content type (1.3: the inner type; the header says 23).
 * @param plain_len  Plaintext bytes (<= DPSEC_TLS_MAX_PLAIN).
 * @param pad        TLS 1.3 zero padding (0 for 1.2).
 * @param rec_seq    Record number (the 1.2 explicit nonce).
 * @return The prefix length (header + explicit nonce), or -EINVAL
 *         (lengths over the limit, padding with 1.2).
 */
int dpsec_tls_rec_frame(const struct dpsec_tls_suite *s, uint8_t *rec,
		uint8_t type, uint16_t plain_len, uint16_t pad,
		uint64_t rec_seq);

/** Bytes before the plaintext: header and explicit nonce. */
static inline uint16_t
dpsec_tls_rec_prefix(const struct dpsec_tls_suite *s)
{
	return (uint16_t)(DPSEC_TLS_HDR_LEN + s->explicit_len);
}

/** Total record bytes on the wire for @p plain_len and @p pad (1.3). */
static inline uint32_t
dpsec_tls_rec_len(const struct dpsec_tls_suite *s, uint16_t plain_len,
		uint16_t pad)
{
	return (uint32_t)DPSEC_TLS_HDR_LEN + s->explicit_len + plain_len +
	       (s->version == DPSEC_TLS_VER_1_3 ? 1u + pad : 0u) + s->tag_len;
}

/**
 * Seal one contiguous record in place (header already written, e.g. by
 * dpsec_tls_rec_frame()): encrypts from the end of the prefix to the tag
 * and writes the tag. Tests and control path; the datapath streams.
 * @return 0 or -EINVAL (bad header or length, crypto error).
 */
int dpsec_tls_rec_seal(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key,
		const struct dpsec_tls_suite *s, uint64_t rec_seq,
		uint8_t *rec, uint32_t rec_len);

/**
 * Open one contiguous record in place: checks the header, verifies and
 * decrypts. For TLS 1.3 strips the padding and reads the inner type.
 * @param type       Out: content type.
 * @param plain_off  Out: offset of the plaintext in @p rec.
 * @param plain_len  Out: its length.
 * @return 0, -EBADMSG (authentication failed, or TLS 1.3 plaintext of
 *         zeros only: RFC 8446 §5.4 unexpected_message), -EINVAL (bad
 *         header or length).
 */
int dpsec_tls_rec_open(struct dpsec_crypto_engine *e,
		const struct dpsec_crypto_key *key,
		const struct dpsec_tls_suite *s, uint64_t rec_seq,
		uint8_t *rec, uint32_t rec_len, uint8_t *type,
		uint32_t *plain_off, uint32_t *plain_len);

/*
 * Record cursor: follows a record stream through pieces of any size.
 * The caller feeds the bytes in stream order (TCP order); each step
 * consumes a span of bytes that all belong to one part of one record.
 */

/** Part of a record. */
enum dpsec_tls_part {
	DPSEC_TLS_PART_HDR = 0,		/**< the 5-byte header */
	DPSEC_TLS_PART_EXPLICIT,	/**< TLS 1.2 GCM explicit nonce */
	DPSEC_TLS_PART_BODY,		/**< ciphertext (or plaintext) */
	DPSEC_TLS_PART_TAG,		/**< the AEAD tag */
};

/** Cursor state; zero it, then dpsec_tls_cursor_init(). */
struct dpsec_tls_cursor {
	const struct dpsec_tls_suite *suite;
	uint64_t rec_seq;	/**< Number of the record under the cursor */
	uint32_t tcp_seq;	/**< TCP sequence number of the next byte */
	uint32_t rec_tcp_seq;	/**< TCP sequence of this record's header */
	uint32_t part_off;	/**< Bytes of the current part consumed */
	uint16_t rec_len;	/**< Header length field (after HDR) */
	uint16_t body_len;	/**< rec_len - explicit - tag */
	uint8_t part;		/**< enum dpsec_tls_part */
	uint8_t hdr[DPSEC_TLS_HDR_LEN];	/**< Header bytes seen so far */
	uint8_t explicit_nonce[DPSEC_TLS12_EXPLICIT_LEN]; /**< 1.2 GCM */
};

/** What one step consumed. */
struct dpsec_tls_span {
	uint32_t len;		/**< Bytes consumed (> 0 unless avail == 0) */
	uint32_t part_off;	/**< Offset of the span in its part */
	uint64_t rec_seq;	/**< Record the span belongs to */
	uint32_t rec_tcp_seq;	/**< TCP sequence of that record's header */
	uint8_t part;		/**< enum dpsec_tls_part */
	/** The header became complete (and was checked) with this span:
	 *  cursor->hdr / rec_len / body_len describe the record now. */
	bool hdr_done;
	/** The explicit nonce became complete with this span (1.2 GCM). */
	bool explicit_done;
	/** The span ends the body: the tag comes next. */
	bool body_done;
	/** The span ends the record: the cursor moved to the next one. */
	bool rec_done;
};

/**
 * Start a cursor at a record boundary.
 * @param c        Cursor.
 * @param s        Suite of the stream (kept by pointer).
 * @param tcp_seq  TCP sequence of the first record's header.
 * @param rec_seq  Its record number.
 */
void dpsec_tls_cursor_init(struct dpsec_tls_cursor *c,
		const struct dpsec_tls_suite *s, uint32_t tcp_seq,
		uint64_t rec_seq);

/**
 * Consume the longest span at the front of @p buf[0..avail) that lies in
 * one part of one record. Header and explicit-nonce bytes are copied into
 * the cursor; when the header completes it is checked with
 * dpsec_tls_hdr_check().
 * @param c      Cursor.
 * @param buf    The bytes (from the cursor's tcp_seq on).
 * @param avail  How many.
 * @param sp     Out: the span.
 * @return DPSEC_TLS_HDR_OK, or the header's error: then nothing after the
 *         header was consumed and the cursor must not be used again
 *         (the stream is out of sync).
 */
enum dpsec_tls_hdr_err dpsec_tls_cursor_step(struct dpsec_tls_cursor *c,
		const uint8_t *buf, uint32_t avail, struct dpsec_tls_span *sp);

/** TCP sequence arithmetic (RFC 793 §3.3, modulo 2^32). */
static inline bool
dpsec_tcp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/** a <= b in TCP sequence space. */
static inline bool
dpsec_tcp_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_TLS_REC_H */
