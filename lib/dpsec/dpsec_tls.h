/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TLS_H
#define DPSEC_TLS_H

/**
 * @file
 * TLS record protection for applications with their own TCP: one context
 * per connection and direction (write = TX, read = RX), the record crypto
 * done by the NIC when the port offers TLS offload (dpsec_driver.h) and in
 * software on the lcore when it does not, per context.
 *
 * The application owns TCP and the handshake (e.g. OpenSSL with memory
 * BIOs); it hands dpsec the traffic keys (dpsec_tls13_keys(),
 * dpsec_tls12_keys(), dpsec_tls_keylog_parse()) and then:
 *  - TX: frames records in its send buffer (dpsec_tls_record_frame()),
 *    cuts them into TCP segments as it likes, and passes the segments
 *    through dpsec_tls_tx() before sending them; dpsec encrypts them in
 *    place or marks them for the NIC. dpsec_tls_tx_ack() releases what
 *    the peer acknowledged.
 *  - RX: passes the connection's segments in TCP order to dpsec_tls_rx()
 *    and gets complete, authenticated records back.
 *
 * The configuration follows DPDK 23.11's struct
 * rte_security_tls_record_xform (see doc/programmers_guide.md, "TLS
 * records", for the field-by-field mapping).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dpsec_sa.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dpsec_tls;

/** Protocol version (rte_security_tls_record_xform.ver). */
enum dpsec_tls_version {
	DPSEC_TLS_VERSION_1_2 = 0x0303,	/**< RFC 5246; RTE_SECURITY_VERSION_TLS_1_2 */
	DPSEC_TLS_VERSION_1_3 = 0x0304,	/**< RFC 8446; RTE_SECURITY_VERSION_TLS_1_3 */
};

/** Direction (rte_security_tls_record_xform.type). */
enum dpsec_tls_sess_type {
	DPSEC_TLS_WRITE = 0,	/**< TX: seal; RTE_SECURITY_TLS_SESS_TYPE_WRITE */
	DPSEC_TLS_READ,		/**< RX: open; RTE_SECURITY_TLS_SESS_TYPE_READ */
};

/** Record content type (RFC 8446 §5.1; DPDK 24.x RTE_TLS_TYPE_*). */
enum dpsec_tls_type {
	DPSEC_TLS_TYPE_CHANGE_CIPHER_SPEC = 20,	/**< RTE_TLS_TYPE_CCS */
	DPSEC_TLS_TYPE_ALERT = 21,		/**< RTE_TLS_TYPE_ALERT */
	DPSEC_TLS_TYPE_HANDSHAKE = 22,		/**< RTE_TLS_TYPE_HANDSHAKE */
	DPSEC_TLS_TYPE_DATA = 23,		/**< RTE_TLS_TYPE_DATA */
	DPSEC_TLS_TYPE_HEARTBEAT = 24,		/**< RTE_TLS_TYPE_HEARTBEAT */
};

/**
 * How a write context on the NIC sends a segment that is not the next in
 * sequence for the NIC (a retransmission, a segment after a gap).
 */
enum dpsec_tls_tx_resync {
	/** Give the NIC the record's number and its bytes before the
	 *  segment (ops->tx_resync_dump, as mlx5 does), then mark the
	 *  segment. Needs conf.tx_read unless the segment starts a record. */
	DPSEC_TLS_TX_RESYNC_DUMP = 0,
	/** Encrypt the segment's record bytes in software (the AEAD
	 *  keystream at their offset; the tag from the whole record, read
	 *  with conf.tx_read) and send it unmarked. */
	DPSEC_TLS_TX_RESYNC_SW,
};

/**
 * How a read context on the NIC gets the NIC back in step after a loss
 * (tls-offload.rst "Resync handling").
 */
enum dpsec_tls_rx_resync {
	/** Stack-driven: dpsec tells the NIC where the next record starts
	 *  and its number, backing off when hints keep failing. */
	DPSEC_TLS_RX_RESYNC_HINT = 0,
	/** Device-driven: the NIC searches for a record header and asks;
	 *  dpsec confirms once it has parsed the stream that far. */
	DPSEC_TLS_RX_RESYNC_DEVICE,
};

/**
 * Read @p len bytes of a write context's record stream at TCP sequence
 * @p tcp_seq from the application's send buffer, as it framed them
 * (plaintext; what it passed to dpsec_tls_tx() before dpsec changed them).
 * dpsec asks only for bytes not yet acknowledged (dpsec_tls_tx_ack()).
 * @return 0, or < 0 when the bytes are not there (the segment is dropped).
 */
typedef int (*dpsec_tls_tx_read_t)(void *arg, uint32_t tcp_seq, uint8_t *buf,
		uint32_t len);

/** Context configuration. Keys are copied; the caller may wipe its own. */
struct dpsec_tls_conf {
	enum dpsec_tls_version ver;	/**< TLS 1.2 or 1.3 */
	enum dpsec_tls_sess_type type;	/**< write (TX) or read (RX) */
	/** DPSEC_CIPHER_AES_GCM_128, DPSEC_CIPHER_AES_GCM_256 or
	 *  DPSEC_CIPHER_CHACHA20_POLY1305. */
	enum dpsec_cipher cipher;
	const uint8_t *key;		/**< AEAD key (no salt) */
	uint16_t key_len;		/**< 16 or 32 */
	/**
	 * Implicit nonce: TLS 1.2 AES-GCM the 4-byte salt (client/
	 * server_write_IV, RFC 5288 §3) in imp_nonce[0..4); TLS 1.2
	 * ChaCha20-Poly1305 and TLS 1.3 the 12-byte write IV (RFC 7905 §2,
	 * RFC 8446 §5.3).
	 */
	uint8_t imp_nonce[12];
	uint64_t seq_no;		/**< number of the first record */
	struct {
		/** TX, TLS 1.2 AES-GCM: the application writes each
		 *  record's explicit nonce itself (it must never repeat
		 *  for the key); by default dpsec writes the record number
		 *  there (RFC 5288 §3 allows it; OpenSSL and Linux do so). */
		uint32_t iv_gen_disable : 1;
		/** TLS 1.3 TX: records may carry zero padding (the
		 *  application frames it with dpsec_tls_record_frame()). */
		uint32_t extra_padding_enable : 1;
	} options;			/**< record options */
	struct {
		/** Records after which DPSEC_TLS_EV_SOFT_LIMIT is raised
		 *  once (answer with a KeyUpdate); 0: none. */
		uint64_t packets_soft_limit;
		/** Records after which the context stops (counted drops,
		 *  DPSEC_TLS_EV_HARD_LIMIT); 0: none. */
		uint64_t packets_hard_limit;
	} life;				/**< record limits */
	/** The connection's local and remote addresses (same family). */
	struct dpsec_addr local, remote;
	uint16_t local_port;		/**< TCP, host order */
	uint16_t remote_port;		/**< TCP, host order */
	/** TCP sequence number of the first byte of the first record: TX
	 *  our sequence space, RX the peer's. */
	uint32_t tcp_seq;
	uint16_t port_id;		/**< the NIC (offload AUTO/REQUIRE) */
	enum dpsec_offload offload;	/**< where the work should happen */
	uint64_t userdata;		/**< returned in events and info */
	/** TX on the NIC: how out-of-sequence segments are sent. */
	enum dpsec_tls_tx_resync tx_resync;
	/** TX: the application's send buffer (retransmissions of partial
	 *  records on the NIC need it); NULL: such segments are dropped
	 *  with DPSEC_R_TLS_OOO. */
	dpsec_tls_tx_read_t tx_read;
	void *tx_read_arg;		/**< first argument of tx_read */
	/** TX on the NIC: when more than this many of the last 1024
	 *  segments were out of sequence (retransmissions), the context
	 *  moves to software TX at the next record boundary, and back to
	 *  the NIC when a window of 1024 has fewer than half as many;
	 *  0: never (FreeBSD's default is about 2%: 20). */
	uint16_t tx_sw_threshold;
	/** RX on the NIC: how the NIC is resynchronised after a loss. */
	enum dpsec_tls_rx_resync rx_resync;
};

/**
 * Create a context and place it: on the NIC when offload is AUTO or
 * REQUIRE, @p conf->port_id is attached to @p ctx, its driver declared
 * TLS ops for the direction (DPSEC_DRV_CAP_TLS_TX/_RX) and takes the
 * context; in software otherwise (dpsec_tls_info() says why).
 *
 * @param ctx
 *   The dpsec context.
 * @param conf
 *   The configuration.
 * @return
 *   The handle, or NULL with rte_errno and a log line naming the field:
 *   EINVAL (bad configuration), ENOTSUP (offload REQUIRE and the NIC
 *   cannot, or the crypto backend lacks the cipher), ENOSPC (offload
 *   REQUIRE and the NIC table is full), ENOMEM.
 */
struct dpsec_tls *dpsec_tls_create(struct dpsec_ctx *ctx,
		const struct dpsec_tls_conf *conf);

/**
 * Destroy a context: removes it from the NIC, frees held segments and
 * records, wipes its keys. Control path; no burst may be running on it.
 * A write (TX) context's NIC entry lives 100 ms longer, like an SA's
 * session (dpsec_sa_destroy()): segments dpsec_tls_tx() marked for it
 * may not have reached the NIC yet, and a NIC given them after the entry
 * went would drop them (or, with the entry reused, encrypt them for
 * another connection). An EAL alarm or the next create/destroy deletes
 * it, and wipes its key on the NIC; dpsec_free() at once. The port's
 * tx_tls_del counts it then.
 *
 * @return
 *   0, -EINVAL (NULL or not a live context of @p ctx).
 */
int dpsec_tls_destroy(struct dpsec_ctx *ctx, struct dpsec_tls *tls);

/**
 * Bytes a record of @p plain_len plaintext bytes and @p pad bytes of TLS
 * 1.3 padding takes on the wire (header, explicit nonce, inner type, tag).
 */
uint32_t dpsec_tls_record_len(const struct dpsec_tls *tls,
		uint16_t plain_len, uint16_t pad);

/**
 * Frame a record in the application's send buffer, to be sealed by
 * dpsec_tls_tx() when its segments pass: writes the header and (TLS 1.2
 * AES-GCM) the explicit nonce in front of the plaintext at
 * @p rec + return value, and (TLS 1.3) the inner content type and @p pad
 * zero bytes after it. The tag room after that is left as is.
 * Records must be framed and sent in order; the record number is the
 * context's next one.
 *
 * @param tls
 *   A write context.
 * @param rec
 *   dpsec_tls_record_len() bytes.
 * @param type
 *   Content type.
 * @param plain_len
 *   1..16384 (0 is allowed for TLS 1.2 and for 1.3 non-data types).
 * @param pad
 *   TLS 1.3 padding (needs options.extra_padding_enable), else 0.
 * @return
 *   The offset of the plaintext in @p rec (>0), or -EINVAL.
 */
int dpsec_tls_record_frame(struct dpsec_tls *tls, uint8_t *rec,
		enum dpsec_tls_type type, uint16_t plain_len, uint16_t pad);

/**
 * Protect TCP segments of a write context before they are sent.
 *
 * Each mbuf is one TCP segment of the connection with l2_len, l3_len and
 * l4_len set (IPv4 or IPv6, TCP header with its sequence number); its
 * payload is a piece of the record stream as dpsec_tls_record_frame()
 * left it (plaintext). Segments come in TCP order, each starting where the
 * previous ended (part 1: retransmissions are not handled yet, see
 * doc/programmers_guide.md). Software placement: the records are
 * encrypted in place and their tags written (a record may span segments
 * and bursts: dpsec keeps the AEAD state between them). NIC placement:
 * the segments are marked (DPSEC_MBUF_DYNFLAG_TX_TLS) for the NIC, which
 * encrypts on the way out; TSO segments (RTE_MBUF_F_TX_TCP_SEG) are fine.
 * In both cases the payload must be writable (not shared with a buffer
 * the application keeps for retransmission: pass a copy).
 *
 * @return
 *   The number of segments to send: segs[0..ret) in order. A segment
 *   that cannot be processed (not of this connection, out of order, a
 *   record header that fails its check, too many unacknowledged records,
 *   context stopped) is moved behind them, in order, with its reason
 *   (dpsec_mbuf_reason()), for the caller to free or retry; after a
 *   framing error the context stops (DPSEC_TLS_FAILED). A NULL, invalid or
 *   read context refuses the burst (0, reason DPSEC_R_BAD_HANDLE).
 */
uint16_t dpsec_tls_tx(struct dpsec_tls *tls, struct rte_mbuf *segs[],
		uint16_t n);

/**
 * The peer acknowledged everything before @p tcp_seq: release the record
 * tracking kept for it.
 *
 * @return
 *   Records released (>= 0), -EINVAL.
 */
int dpsec_tls_tx_ack(struct dpsec_tls *tls, uint32_t tcp_seq);

/** How a received record was decrypted. */
enum dpsec_tls_decrypt {
	DPSEC_TLS_DECRYPTED = 0,	/**< by the NIC, every byte */
	DPSEC_TLS_ENCRYPTED,		/**< in software */
	DPSEC_TLS_MIXED,		/**< part NIC, re-encrypted, software */
};

/** A record dpsec_tls_rx() returns. */
struct dpsec_tls_rec {
	/** The plaintext content (TLS 1.3: without inner type and
	 *  padding) as an mbuf chain the caller frees; NULL if status is
	 *  not 0 or the record is empty. */
	struct rte_mbuf *m;
	uint64_t rec_seq;		/**< record number */
	uint32_t tcp_seq;		/**< TCP sequence of its header */
	uint16_t len;			/**< plaintext bytes */
	uint8_t type;			/**< enum dpsec_tls_type (inner) */
	uint8_t how;			/**< enum dpsec_tls_decrypt */
	/** 0, or the error that ended the connection's stream:
	 *  -EBADMSG (authentication failed, RFC 8446 bad_record_mac),
	 *  -EMSGSIZE (record over the version's limit, record_overflow),
	 *  -EPROTO (malformed header or TLS 1.3 record without content
	 *  type). After an error the context is DPSEC_TLS_FAILED. */
	int status;
};

/**
 * Receive a read context's TCP segments and return the records they
 * complete.
 *
 * @p segs are the connection's segments in TCP order (the application's
 * stack reassembles; a segment overlapping bytes already received is
 * trimmed, one beyond a gap is dropped and counted) with l2_len, l3_len,
 * l4_len set; dpsec takes every one of them (keeps, frees or hands it
 * back inside a record). Records are authenticated before anything of
 * them is returned; a record the NIC decrypted entirely
 * (DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED on all its packets) is taken as
 * authenticated by the NIC.
 *
 * @param tls
 *   A read context.
 * @param segs
 *   Segments; @p n may be 0 to collect records left over from an earlier
 *   call.
 * @param recs
 *   Out: up to @p max records in stream order; records beyond @p max
 *   wait in the context for the next call.
 * @return
 *   The number of records written to @p recs.
 */
uint16_t dpsec_tls_rx(struct dpsec_tls *tls, struct rte_mbuf *segs[],
		uint16_t n, struct dpsec_tls_rec recs[], uint16_t max);

/**
 * Ask for a context on the NIC to be put back in step with its NIC,
 * without waiting for dpsec's own pacing. The request is taken at the
 * start of the context's next dpsec_tls_tx() or dpsec_tls_rx() (by the
 * lcore that runs it; this call may come from any thread):
 * - write context moved to software by its retransmission threshold
 *   (tx_sw_threshold): back to the NIC, the threshold's window restarted.
 *   A record begun in software is finished in software; the NIC takes
 *   the stream from the next segment that starts a record (repositioned
 *   by a resync dump when tx_resync is DUMP);
 * - read context (rx_resync HINT) whose NIC lost the stream: the hint
 *   back-off is forgotten, so the next record header gives the NIC a
 *   next-record hint; with DEVICE the NIC asks by itself and the request
 *   changes nothing.
 * A context in step is not disturbed. Counted in resync_taken.
 *
 * @return
 *   0 (requested); -EINVAL (not a live context); -ENOTSUP (the context
 *   is in software: there is no NIC to resynchronise).
 */
int dpsec_tls_resync(struct dpsec_tls *tls);

/** Context life state. */
enum dpsec_tls_state {
	DPSEC_TLS_ACTIVE = 0,
	DPSEC_TLS_SOFT_LIMIT,	/**< soft record limit reached: rekey */
	DPSEC_TLS_DEAD,		/**< hard record limit reached */
	DPSEC_TLS_FAILED,	/**< stream error (auth, framing): stopped */
	/** RX, TLS 1.3: a KeyUpdate was delivered; the bytes after it wait
	 *  in the context until dpsec_tls_rekey() gives the new key. */
	DPSEC_TLS_KEY_WAIT,
};

/** What dpsec_tls_info() reports. */
struct dpsec_tls_info {
	enum dpsec_tls_version ver;	/**< version */
	enum dpsec_tls_sess_type type;	/**< direction */
	enum dpsec_cipher cipher;	/**< cipher */
	/** DPSEC_PLACE_SW or DPSEC_PLACE_INLINE_CRYPTO (the NIC). */
	enum dpsec_placement placement;
	enum dpsec_place_reason place_reason; /**< why (not) on the NIC */
	enum dpsec_tls_state state;	/**< life state */
	uint16_t port_id;		/**< conf.port_id */
	uint32_t hw_id;			/**< the NIC's id (placement NIC) */
	uint64_t next_rec_seq;		/**< next record's number */
	uint32_t next_tcp_seq;		/**< next byte expected */
	uint64_t userdata;		/**< conf.userdata */
};

/** Describe a context. @return 0, -EINVAL. */
int dpsec_tls_info(const struct dpsec_tls *tls, struct dpsec_tls_info *info);

/** Per-context counters. */
struct dpsec_tls_stats {
	uint64_t records_nic;		/**< records the NIC did */
	uint64_t records_sw;		/**< records done in software */
	uint64_t records_mixed;		/**< RX: MIXED records */
	uint64_t bytes_nic;		/**< their plaintext bytes */
	uint64_t bytes_sw;		/**< plaintext bytes in software */
	uint64_t segments;		/**< segments processed */
	uint64_t auth_failed;		/**< RX: bad_record_mac */
	uint64_t rec_too_long;		/**< header length over the limit */
	uint64_t bad_header;		/**< other header errors */
	uint64_t ooo;			/**< segments out of TCP order */
	uint64_t dropped;		/**< segments dropped (any reason) */
	uint64_t tx_retransmits;	/**< TX segments before the cursor */
	uint64_t tx_resync_dumps;	/**< TX resync dumps given the NIC */
	uint64_t tx_resync_bytes;	/**< bytes of those dumps */
	uint64_t tx_sw_segments;	/**< TX NIC context, segment in software */
	uint64_t tx_moves;		/**< TX NIC <-> software moves */
	uint64_t rx_resync_hints;	/**< RX next-record hints given */
	uint64_t rx_resync_req;		/**< RX NIC resync requests seen */
	uint64_t rx_resync_ok;		/**< answered: a record starts there */
	uint64_t rx_resync_skip;	/**< answered: no record there */
	uint64_t key_updates;		/**< keys changed (dpsec_tls_rekey) */
	uint64_t resync_taken;		/**< dpsec_tls_resync() requests taken */
	uint64_t nic_readds;		/**< put back on the NIC after dpsec_port_resync() */
};

/** Read a context's counters. @return 0, -EINVAL. */
int dpsec_tls_stats_get(const struct dpsec_tls *tls,
		struct dpsec_tls_stats *st);

/**
 * TLS counters of one port, with the names of Linux's
 * Documentation/networking/tls-offload.rst (also in telemetry:
 * /dpsec/tls/port).
 */
struct dpsec_tls_port_stats {
	uint64_t tx_tls_encrypted_packets; /**< segments marked for the NIC */
	uint64_t tx_tls_encrypted_bytes;   /**< their record payload bytes */
	uint64_t tx_tls_ctx;		/**< TX contexts added to the NIC */
	uint64_t tx_tls_del;		/**< TX contexts removed from it */
	uint64_t tx_tls_ooo;		/**< TX segments out of order */
	uint64_t rx_tls_decrypted_packets; /**< packets the NIC decrypted */
	uint64_t rx_tls_decrypted_bytes;   /**< their payload bytes */
	uint64_t rx_tls_ctx;		/**< RX contexts added to the NIC */
	uint64_t rx_tls_del;		/**< RX contexts removed */
	uint64_t rx_tls_err;		/**< RX records that failed */
};

/** Read a port's TLS counters. @return 0, -EINVAL. */
int dpsec_tls_port_stats_get(struct dpsec_ctx *ctx, uint16_t port_id,
		struct dpsec_tls_port_stats *st);

/** What a port's TLS record engine offers (dpsec_tls_port_caps_get()). */
struct dpsec_tls_port_caps {
	uint8_t tx;			/**< 1: write contexts can be offloaded */
	uint8_t rx;			/**< 1: read contexts can be offloaded */
	uint8_t tls12;			/**< 1: TLS 1.2 records */
	uint8_t tls13;			/**< 1: TLS 1.3 records */
	/** Bit (1 << enum dpsec_cipher) per AEAD the engine offloads. */
	uint32_t ciphers;
	uint32_t max_ctx;		/**< contexts its table holds (TX + RX) */
	uint32_t used_ctx;		/**< contexts in it now */
};

/**
 * A port's TLS record offload capabilities, as its driver declares them
 * (all zero for a port without a TLS engine). Control path.
 *
 * @param port_id
 *   An ethdev port.
 * @param caps
 *   Filled in.
 * @return
 *   0; -EINVAL (NULL @p caps, port id out of range); or the driver's
 *   error.
 */
int dpsec_tls_port_caps_get(uint16_t port_id, struct dpsec_tls_port_caps *caps);

/** TLS context events. */
enum dpsec_tls_event {
	DPSEC_TLS_EV_SOFT_LIMIT,	/**< life.packets_soft_limit reached */
	DPSEC_TLS_EV_HARD_LIMIT,	/**< life.packets_hard_limit reached */
	/** RX, TLS 1.3: a KeyUpdate message was received; the context
	 *  waits for the new key (DPSEC_TLS_KEY_WAIT, dpsec_tls_rekey()). */
	DPSEC_TLS_EV_KEY_UPDATE,
};

/** TLS event callback; same rules as dpsec_event_cb. */
typedef void (*dpsec_tls_event_cb)(struct dpsec_ctx *ctx,
		struct dpsec_tls *tls, enum dpsec_tls_event ev,
		uint64_t userdata, void *cb_arg);

/**
 * Change a context's traffic key at a record boundary without tearing
 * down the connection or its offload: TLS 1.3 KeyUpdate (RFC 8446 §4.6.3,
 * the next secret from dpsec_tls13_secret_update()), or a TLS 1.2 key
 * change. The record that starts at TCP sequence @p tcp_seq and every
 * record after it use the new key, numbered from 0; the records before it
 * keep the old one (a TX retransmission of one of them included).
 *
 * TX: call before the first segment of that record goes through
 * dpsec_tls_tx(); @p tcp_seq is where the application frames it (at or
 * after the next byte dpsec has not seen). RX: call when
 * dpsec_tls_rx() delivered the KeyUpdate (state DPSEC_TLS_KEY_WAIT,
 * event DPSEC_TLS_EV_KEY_UPDATE); @p tcp_seq is the sequence just after
 * that record; the bytes that waited are processed at the next
 * dpsec_tls_rx() call. On the NIC the driver's rekey op moves the key;
 * without one the context moves to software.
 *
 * @param tls       The context.
 * @param key       The new key, @p key_len bytes (the cipher's length).
 * @param key_len   16 or 32.
 * @param imp_nonce The new implicit nonce (as in struct dpsec_tls_conf).
 * @param tcp_seq   The TCP sequence of the first record under the new key.
 * @return 0, -EINVAL (bad arguments, a TX boundary behind the cursor, an
 *   RX context not waiting for a key), -EBUSY (a key change is already
 *   pending).
 */
int dpsec_tls_rekey(struct dpsec_tls *tls, const uint8_t *key,
		uint16_t key_len, const uint8_t imp_nonce[12], uint32_t tcp_seq);

/** Register the context's TLS event callback (NULL removes it).
 *  @return 0, -EINVAL. */
int dpsec_tls_event_cb_set(struct dpsec_ctx *ctx, dpsec_tls_event_cb cb,
		void *arg);

/*
 * Key material (RFC 8446 §7.1/§7.3, RFC 5246 §6.3, RFC 5288, RFC 7905).
 */

/**
 * TLS 1.3 traffic key and IV from a traffic secret:
 * HKDF-Expand-Label(secret, "key", "", key_len) and (…, "iv", "", 12),
 * with SHA-384 for AES-256-GCM suites and SHA-256 otherwise.
 *
 * @param cipher      The suite's AEAD.
 * @param secret      The traffic secret (e.g. a keylog line's).
 * @param secret_len  32 (SHA-256) or 48 (SHA-384), matching the cipher.
 * @param key         Out: 16 or 32 bytes.
 * @param iv          Out: 12 bytes (conf.imp_nonce).
 * @return 0, -EINVAL.
 */
int dpsec_tls13_keys(enum dpsec_cipher cipher, const uint8_t *secret,
		uint16_t secret_len, uint8_t *key, uint8_t iv[12]);

/**
 * TLS 1.3 KeyUpdate: replace @p secret with the next application traffic
 * secret, HKDF-Expand-Label(secret, "traffic upd", "", len) (RFC 8446
 * §7.2). @return 0, -EINVAL.
 */
int dpsec_tls13_secret_update(enum dpsec_cipher cipher, uint8_t *secret,
		uint16_t secret_len);

/** Keys of both directions of a TLS 1.2 connection. */
struct dpsec_tls12_keys {
	uint8_t client_key[32];		/**< client_write_key */
	uint8_t server_key[32];		/**< server_write_key */
	/** client_write_IV: 4 bytes (AES-GCM salt) or 12 (ChaCha20) */
	uint8_t client_iv[12];
	uint8_t server_iv[12];		/**< server_write_IV */
	uint8_t key_len;		/**< 16 or 32 */
	uint8_t iv_len;			/**< 4 or 12 */
};

/**
 * TLS 1.2 key block from the master secret (RFC 5246 §6.3; the PRF of
 * §5 with SHA-384 for AES-256-GCM suites, SHA-256 otherwise; AEAD suites
 * have no MAC keys).
 * @return 0, -EINVAL.
 */
int dpsec_tls12_keys(enum dpsec_cipher cipher, const uint8_t master[48],
		const uint8_t client_random[32],
		const uint8_t server_random[32], struct dpsec_tls12_keys *out);

/** Labels of an NSS key log line (SSLKEYLOGFILE). */
enum dpsec_tls_keylog_label {
	DPSEC_KEYLOG_CLIENT_RANDOM = 0,	/**< TLS 1.2 master secret */
	DPSEC_KEYLOG_CLIENT_HANDSHAKE_TRAFFIC_SECRET,
	DPSEC_KEYLOG_SERVER_HANDSHAKE_TRAFFIC_SECRET,
	DPSEC_KEYLOG_CLIENT_TRAFFIC_SECRET_0,
	DPSEC_KEYLOG_SERVER_TRAFFIC_SECRET_0,
	DPSEC_KEYLOG_EXPORTER_SECRET,
	DPSEC_KEYLOG_EARLY_EXPORTER_SECRET,
	DPSEC_KEYLOG_CLIENT_EARLY_TRAFFIC_SECRET,
};

/** One parsed key log line. */
struct dpsec_tls_keylog {
	enum dpsec_tls_keylog_label label;	/**< which secret */
	uint8_t client_random[32];		/**< the connection */
	uint8_t secret[64];			/**< the secret */
	uint16_t secret_len;			/**< 32, 48 or 64 */
};

/**
 * Parse one line of an NSS key log (what OpenSSL's
 * SSL_CTX_set_keylog_callback() passes, without the newline, or a line of
 * an SSLKEYLOGFILE).
 * @return 0; -ENOENT for a comment, an empty line or an unknown label;
 *         -EINVAL for a malformed line.
 */
int dpsec_tls_keylog_parse(const char *line, struct dpsec_tls_keylog *out);

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_TLS_H */
