/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_SA_H
#define DPSEC_SA_H

/**
 * @file
 * dpsec IPsec: contexts, security associations and the ESP bursts.
 *
 * A context holds the SAD and the per-lcore crypto engines. Each SA is
 * placed on a NIC when it can be, else in software; either way it has one
 * sequence space and one replay window (doc/programmers_guide.md).
 *
 * Handles (doc/programmers_guide.md, "Handles"): a `struct dpsec_sa *` is
 * an opaque, generation-checked id, never the SA's address. A handle whose
 * SA was destroyed is refused (-ENOENT, or reason DPSEC_R_BAD_HANDLE in a
 * burst) and never names another SA, even one that took its memory and
 * slot. Contexts and SPDs are checked against registries of live ones.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dpsec.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dpsec_ctx;
struct dpsec_sa;

/** Software crypto library used for SAs placed in software. */
enum dpsec_backend {
	DPSEC_BACKEND_IPSEC_MB = 0,	/**< Intel IPsec-MB (default) */
	DPSEC_BACKEND_OPENSSL,		/**< OpenSSL 3 EVP */
};

/** Context configuration. */
struct dpsec_ctx_conf {
	/** Unique name (memzones; telemetry addresses the context by it,
	 *  so keep it free of commas). */
	const char *name;
	int socket_id;			/**< memory socket, or SOCKET_ID_ANY */
	uint32_t max_sa;		/**< SAD capacity (inbound + outbound) */
	enum dpsec_backend backend;	/**< software crypto backend */
};

/**
 * Create a context. Registers the reason dynfield and one crypto engine per
 * EAL lcore; call from the main lcore after rte_eal_init().
 *
 * @param conf
 *   Configuration; name must be unique, max_sa > 0.
 * @return
 *   The context, or NULL with rte_errno set (and a log line): EINVAL (bad
 *   conf), EEXIST (name taken), ENOSPC (64 contexts live already),
 *   ENOMEM.
 */
struct dpsec_ctx *dpsec_create(const struct dpsec_ctx_conf *conf);

/**
 * Destroy a context and every SA in it (keys wiped); its SA handles become
 * stale. No lcore may be inside a dpsec burst on this context. NULL is a
 * no-op. A context that is not live (freed already) is not touched: the
 * call logs "not a live context" and sets rte_errno to EINVAL.
 *
 * @param ctx
 *   The context, or NULL.
 */
void dpsec_free(struct dpsec_ctx *ctx);

/**
 * Attach a port: SAs that name it (dpsec_sa_conf.port_id) may be placed on
 * its inline IPsec engine (rte_security: inline protocol or inline
 * crypto), else run in software. Reads the port's security context, makes
 * a session pool for it and, for a port with one, registers a callback
 * for RTE_ETH_EVENT_RECOVERY_SUCCESS that calls dpsec_port_resync()
 * (removed by dpsec_free()). Call after the port is configured.
 *
 * SAs go on the port's engine only in the directions its ethdev
 * configuration enables (rte_eth_conf as given to rte_eth_dev_configure(),
 * read at each placement): outbound SAs need
 * RTE_ETH_TX_OFFLOAD_SECURITY in txmode.offloads, inbound SAs
 * RTE_ETH_RX_OFFLOAD_SECURITY in rxmode.offloads. Without it an SA runs in
 * software with reason DPSEC_PLACE_R_SEC_OFFLOAD_OFF (offload AUTO) or is
 * refused with ENOTSUP (offload REQUIRE); the log names the missing
 * offload. A port with a security context that lacks either offload is
 * logged when attached.
 *
 * @param ctx
 *   The context.
 * @param port_id
 *   An ethdev port.
 * @return
 *   0; -EINVAL (NULL or freed context, bad port), -EEXIST (already
 *   attached), -ENOMEM, or the error of rte_eth_dev_callback_register().
 */
int dpsec_port_attach(struct dpsec_ctx *ctx, uint16_t port_id);

/** A NIC's IPsec SA table, as its driver declares it. */
struct dpsec_port_sa_table {
	uint32_t size;	/**< sessions (SAs of either direction) it can hold */
	uint32_t used;	/**< sessions it holds now, any application's */
};

/**
 * The size and use of a port's inline IPsec SA table: rte_security in
 * DPDK 22.11 cannot tell it, so it comes from the driver's declaration
 * (lib/common/dpsec_driver.h, dpsec_drv_ipsec_ops). An application can
 * size its SA placement with it; dpsec itself learns a full table when a
 * session create fails (placement reason TABLE_FULL).
 *
 * @param port_id
 *   An ethdev port (need not be attached).
 * @param t
 *   Filled in.
 * @return
 *   0; -EINVAL (NULL @p t); -ENODEV (no such port); -ENOTSUP (the driver
 *   declares no table); or the driver's negative errno.
 */
int dpsec_port_sa_table_get(uint16_t port_id, struct dpsec_port_sa_table *t);

/** SA direction. */
enum dpsec_sa_dir {
	DPSEC_SA_OUTBOUND = 0,
	DPSEC_SA_INBOUND,
};

/** ESP mode. */
enum dpsec_sa_mode {
	DPSEC_SA_TUNNEL = 0,
	DPSEC_SA_TRANSPORT,
};

/** Cipher (ESP encryption transform). */
enum dpsec_cipher {
	DPSEC_CIPHER_NULL = 0,		/**< RFC 2410, with an HMAC */
	DPSEC_CIPHER_AES_CBC_128,	/**< RFC 3602, with an HMAC */
	DPSEC_CIPHER_AES_CBC_256,	/**< RFC 3602, with an HMAC */
	DPSEC_CIPHER_AES_GCM_128,	/**< RFC 4106, 16-byte ICV; key+salt */
	DPSEC_CIPHER_AES_GCM_256,	/**< RFC 4106, 16-byte ICV; key+salt */
	DPSEC_CIPHER_CHACHA20_POLY1305,	/**< RFC 7634; key+salt */
};

/** Integrity transform (none for AEAD ciphers). */
enum dpsec_auth {
	DPSEC_AUTH_NONE = 0,
	DPSEC_AUTH_HMAC_SHA1_96,	/**< RFC 2404 */
	DPSEC_AUTH_HMAC_SHA256_128,	/**< RFC 4868 */
	DPSEC_AUTH_HMAC_SHA384_192,	/**< RFC 4868: 48-byte key, 24-byte ICV */
	DPSEC_AUTH_HMAC_SHA512_256,	/**< RFC 4868: 64-byte key, 32-byte ICV */
};

/** An IPv4 or IPv6 address, network byte order. */
struct dpsec_addr {
	uint8_t family;			/**< 4 or 6 */
	union {
		uint32_t v4;		/**< IPv4, network order */
		uint8_t v6[16];		/**< IPv6 */
	};
};

/** Which fields identify an inbound SA (RFC 4301 §4.1). */
enum dpsec_sad_key {
	DPSEC_SAD_SPI = 0,		/**< SPI alone */
	DPSEC_SAD_SPI_DST,		/**< SPI + destination address */
	DPSEC_SAD_SPI_DST_SRC,		/**< SPI + destination + source */
};

/** Where the work for an SA wants to happen. */
enum dpsec_offload {
	DPSEC_OFFLOAD_AUTO = 0,	/**< on the NIC if it can, else software */
	DPSEC_OFFLOAD_REQUIRE,	/**< on the NIC, or fail to create */
	DPSEC_OFFLOAD_NONE,	/**< software */
};

/**
 * Lifetime limits (RFC 4301 §4.4.2.1); 0 means no limit. The first limit
 * reached counts. Packets and bytes are checked after each burst that
 * counts them; seconds are measured from dpsec_sa_create() on the TSC and
 * checked once per burst on the SA (dpsec_sa_outbound(), and per run of
 * the SA's packets in dpsec_inbound()) and by dpsec_sa_expire_check(). An
 * event is therefore raised at the first burst or check after the
 * deadline: an application whose SAs may sit idle must call
 * dpsec_sa_expire_check() periodically (e.g. once a second) to learn of
 * their expiry in time.
 */
struct dpsec_lifetime {
	uint64_t packets;		/**< packets processed successfully */
	uint64_t bytes;			/**< ESP payload bytes (plaintext) */
	uint64_t seconds;		/**< seconds since creation */
};

/** SA option flags. */
enum {
	DPSEC_SA_F_ESN = 1u << 0,	/**< 64-bit extended sequence numbers */
	DPSEC_SA_F_NATT = 1u << 1,	/**< UDP encapsulation, RFC 3948 */
	DPSEC_SA_F_COPY_DSCP = 1u << 2,	/**< tunnel: copy inner DSCP out/in */
	DPSEC_SA_F_COPY_DF = 1u << 3,	/**< tunnel: copy inner IPv4 DF bit */
	/** On the NIC, inline crypto only: never inline protocol. */
	DPSEC_SA_F_NO_INLINE_PROTOCOL = 1u << 4,
};

/** SA configuration. */
struct dpsec_sa_conf {
	uint32_t spi;			/**< host order, not 0 */
	enum dpsec_sa_dir dir;		/**< outbound or inbound */
	enum dpsec_sa_mode mode;	/**< tunnel or transport */
	/**
	 * Tunnel: outer source and destination. Transport: the addresses
	 * used by the SAD key (inbound); dst.family is the IP version the
	 * SA carries (outbound packets of the other are refused with
	 * DPSEC_R_POLICY), or 0 for both (SAD key DPSEC_SAD_SPI only).
	 */
	struct dpsec_addr src, dst;
	enum dpsec_sad_key sad_key;	/**< inbound lookup key */
	enum dpsec_cipher cipher;	/**< encryption transform */
	/** Cipher key; for GCM and ChaCha20-Poly1305 the 4-byte salt
	 *  follows the key (RFC 4106 §8.1, RFC 7634 §2). */
	const uint8_t *cipher_key;
	uint16_t cipher_key_len;	/**< bytes, salt included */
	enum dpsec_auth auth;		/**< integrity (NONE for AEAD) */
	const uint8_t *auth_key;	/**< HMAC key (NULL for AEAD) */
	uint16_t auth_key_len;		/**< bytes */
	uint32_t flags;			/**< DPSEC_SA_F_* */
	uint32_t replay_window;		/**< inbound, packets; 0 = off */
	/** NAT-T UDP ports as the packets carry them, host order: outbound
	 *  sport is ours; inbound dport is ours, and UDP to another port is
	 *  not ESP (DPSEC_R_NOT_ESP). */
	uint16_t natt_sport;
	uint16_t natt_dport;		/**< see natt_sport */
	uint8_t ttl;			/**< tunnel outer TTL/hop limit; 0=64 */
	/** Outbound: the first SN is seq_start + 1. Inbound: the replay
	 *  window starts with seq_start as its top (ESN inference needs the
	 *  top near the numbers that arrive, RFC 4303 A2.1). */
	uint64_t seq_start;
	/** Soft limits: DPSEC_EV_SOFT_EXPIRED, state SOFT_EXPIRED; the SA
	 *  keeps working (rekey now). Not raised once the SA is dead. */
	struct dpsec_lifetime soft;
	/** Hard limits: DPSEC_EV_HARD_EXPIRED, state DEAD; its packets are
	 *  then dropped with DPSEC_R_SA_DEAD (outbound, hard.packets is a
	 *  shorter sequence space: DPSEC_R_SEQ_OVERFLOW). */
	struct dpsec_lifetime hard;
	uint32_t reqid;			/**< policy binding */
	enum dpsec_offload offload;	/**< where the work should happen */
	uint16_t port_id;		/**< NIC for offload (if not NONE) */
	uint64_t userdata;		/**< returned in events and info */
};

/**
 * Create an SA, place it (NIC or software) and, inbound, add it to the SAD.
 *
 * @param ctx
 *   The context.
 * @param conf
 *   The configuration; the keys are copied (the caller may wipe them).
 * @return
 *   The SA's handle, or NULL with rte_errno and a log line: EINVAL (NULL
 *   or freed context, NULL conf, bad conf; the log says which field),
 *   ENOTSUP (the crypto backend cannot do the algorithm, or
 *   offload REQUIRE and the NIC cannot), EEXIST (inbound SAD key taken),
 *   ENOSPC (context full), ENOMEM. Every lifetime kind (packets, bytes,
 *   seconds) is supported.
 */
struct dpsec_sa *dpsec_sa_create(struct dpsec_ctx *ctx,
				 const struct dpsec_sa_conf *conf);

/**
 * Remove an SA: out of the SAD at once, memory and keys wiped once no lcore
 * can still hold it. Packets in flight for it are dropped as NO_SA. An SA
 * on a NIC loses its flow rule at once; its NIC session (and the key in
 * it) goes 100 ms later, from an EAL alarm or the next control call: the
 * frames dpsec marked for it before the destroy may still be on their way
 * to the NIC (the application's tx_burst, the TX queue), and a NIC given
 * frames of a destroyed session drops them, or once the session's memory
 * serves another SA, treats them as that SA's. dpsec_free() destroys the
 * sessions still waiting.
 *
 * @param ctx
 *   The context of @p sa.
 * @param sa
 *   The SA's handle.
 * @return
 *   0; -EINVAL (NULL or freed context, NULL or malformed handle, an SA of
 *   another context); -ENOENT (stale handle: the SA was destroyed, e.g. a
 *   second destroy). Errors are logged and change nothing.
 */
int dpsec_sa_destroy(struct dpsec_ctx *ctx, struct dpsec_sa *sa);

/** Where an SA's packets are processed. */
enum dpsec_placement {
	DPSEC_PLACE_SW = 0,		/**< software on the lcore */
	DPSEC_PLACE_INLINE_CRYPTO,	/**< NIC encrypts/decrypts */
	DPSEC_PLACE_INLINE_PROTOCOL,	/**< NIC does all of ESP */
};

/**
 * Why an SA is not (or no longer) on the NIC, or, for an SA on the NIC as
 * inline crypto, why not as inline protocol.
 */
#define DPSEC_PLACE_REASONS(X) \
	X(NONE,		"on the NIC") \
	X(OFFLOAD_NONE,	"software requested (offload=none)") \
	X(NO_PORT,	"port not attached to the context") \
	X(NO_SEC_CTX,	"port has no security context") \
	X(UNSUPPORTED,	"NIC does not support this algorithm/option combination") \
	X(TABLE_FULL,	"NIC SA table full") \
	X(SESSION_FAILED, "NIC refused the session") \
	X(MOVED,	"moved to software by dpsec_sa_move()") \
	X(PROTO_DISABLED, "inline crypto: inline protocol not wanted (DPSEC_SA_F_NO_INLINE_PROTOCOL)") \
	X(PROTO_UNSUPPORTED, "inline crypto: NIC cannot run this SA as inline protocol") \
	X(PROTO_NO_SN,	"inline crypto: NIC does not report inbound sequence numbers") \
	X(SEC_OFFLOAD_OFF, "port not configured with the security offload of the SA's direction (RTE_ETH_TX_OFFLOAD_SECURITY outbound, RTE_ETH_RX_OFFLOAD_SECURITY inbound)") \
	X(NO_TLS_OFFLOAD, "TLS: the port's driver declares no TLS record offload for this direction") \
	X(NIC_RESET, "TLS: the NIC lost the context in a reset and could not take it back")

/** Placement reason codes. */
enum dpsec_place_reason {
/** @cond INTERNAL */
#define DPSEC_PLACE_ENUM(n, s) DPSEC_PLACE_R_ ## n,
	DPSEC_PLACE_REASONS(DPSEC_PLACE_ENUM)
#undef DPSEC_PLACE_ENUM
/** @endcond */
	DPSEC_PLACE_R_MAX		/**< number of reasons */
};

/**
 * Text for a placement reason.
 *
 * @param r
 *   A placement reason code.
 * @return
 *   A static string ("unknown" for out-of-range codes).
 */
const char *dpsec_place_reason_str(enum dpsec_place_reason r);

/**
 * Move an SA between its NIC and software while traffic runs.
 *
 * Software owns the SA's sequence space and replay window wherever the
 * work is done, so a move reuses no number and lets no replay through
 * (invariants 1 and 2, doc/security_model.md): outbound, software reserves a number for every
 * packet it hands to the NIC, and an SA that returns to the NIC as inline
 * protocol continues there from software's count plus the depth of the
 * port's TX queues (frames of an earlier stay on the NIC may still be
 * queued); inbound, the NIC's verdicts and reported sequence numbers feed
 * the one window. Packets in flight are safe: frames marked for the NIC
 * before a move to software are still processed by it, and packets the
 * NIC decrypted before it are still accepted, because the NIC session
 * lives until the SA is destroyed; only the inbound flow rule goes.
 * Control path.
 *
 * @param ctx
 *   The SA's context.
 * @param sa
 *   The SA's handle.
 * @param to_nic
 *   true: onto the NIC (creating its session now if it has none, e.g. the
 *   table was full when the SA was created); false: to software.
 * @return
 *   0 (also when the SA is already there); -EINVAL (bad arguments: NULL
 *   or freed context, NULL/malformed handle, SA of another context);
 *   -ENOENT (stale handle);
 *   -ENOTSUP (to_nic for an SA created with offload NONE - its keys are
 *   not kept - or one the NIC cannot take, or whose flow rule it
 *   refuses; dpsec_sa_info() says why); -ENOSPC (to_nic: the NIC's table
 *   is full); -EIO (the NIC refused to continue the sequence numbers: the
 *   SA stays in software).
 */
int dpsec_sa_move(struct dpsec_ctx *ctx, struct dpsec_sa *sa, bool to_nic);

/** What dpsec_sa_update() changes: bits of dpsec_sa_update.mask. */
enum {
	DPSEC_SA_UPD_SOFT = 1u << 0,	/**< the soft lifetime */
	DPSEC_SA_UPD_HARD = 1u << 1,	/**< the hard lifetime */
	DPSEC_SA_UPD_USERDATA = 1u << 2,	/**< the userdata */
};

/** New values for dpsec_sa_update(): the fields mask names. */
struct dpsec_sa_update {
	uint32_t mask;			/**< DPSEC_SA_UPD_* */
	/** Soft limits, as in dpsec_sa_conf: totals since the SA was
	 *  created (seconds from dpsec_sa_create()); 0 means no limit. */
	struct dpsec_lifetime soft;
	struct dpsec_lifetime hard;	/**< hard limits, likewise */
	uint64_t userdata;		/**< returned in events and info */
};

/**
 * Change an SA's lifetimes or userdata while it carries traffic, wherever
 * it is placed (dpsec counts every packet itself, also for SAs on a NIC).
 * What cannot change in place (keys, algorithms, addresses, SPI) needs a
 * new SA: make-before-break by reqid (dpsec_reqid_set()).
 *
 * The new limits count what the SA did before the call: a limit already
 * crossed raises its event at once (soft before hard) and a hard one
 * kills the SA. An event raised stays raised: a larger soft limit does
 * not make a soft-expired SA active again. For an outbound SA, the hard
 * packet limit is also the end of its sequence space (as at creation).
 * An SA that had no packet or byte limit starts its totals from its
 * counters (dpsec_sa_stats_get()); a burst running on another lcore
 * during the call may be left out of them.
 *
 * @param ctx
 *   The SA's context.
 * @param sa
 *   The SA's handle.
 * @param upd
 *   What to change (mask) and the new values; the other fields are
 *   ignored.
 * @return
 *   0; -EINVAL (NULL or freed context, NULL/malformed handle, SA of
 *   another context, NULL @p upd, an empty or unknown mask); -ENOENT
 *   (stale handle); -EPERM (the SA is dead: hard-expired or out of
 *   sequence numbers; nothing changed). Errors are logged.
 */
int dpsec_sa_update(struct dpsec_ctx *ctx, struct dpsec_sa *sa,
		    const struct dpsec_sa_update *upd);

/**
 * Put the SAs of a port back on its NIC after the NIC may have lost them:
 * a port reset, or a stop/start of a NIC that forgets its SA table on
 * stop. Call it after the port is started again. dpsec calls it by itself
 * when the port reports RTE_ETH_EVENT_RECOVERY_SUCCESS (an error recovery
 * is "the same as a restart"), on the thread that reports the event. Each SA of @p port that has a NIC session is
 * moved to software (traffic goes on there), its old session and flow
 * rule are destroyed once no lcore can still use them, and a new session
 * is created with the SA's current sequence state (outbound: the next
 * number software would use plus the TX queues' depth; inbound: the
 * window's top) before the SA returns to the NIC in its earlier
 * placement. An SA the NIC no longer takes stays in software with the
 * reason (dpsec_sa_info()). SAs moved to software by dpsec_sa_move() stay
 * there (with a fresh session). The port's TLS contexts on the NIC are
 * given back to it by their own lcore at their next dpsec_tls_tx() or
 * dpsec_tls_rx() (doc/tls_offload.md, "NIC resets"). Control path; may
 * wait for an RCU grace period.
 *
 * @param ctx
 *   The context.
 * @param port_id
 *   An attached port.
 * @return
 *   The number of SAs back on the NIC (>= 0); -EINVAL (NULL or freed
 *   context, or port not attached; logged).
 */
int dpsec_port_resync(struct dpsec_ctx *ctx, uint16_t port_id);

/** SA life state. */
enum dpsec_sa_state {
	DPSEC_SA_ACTIVE = 0,
	DPSEC_SA_SOFT_EXPIRED,		/**< still works; rekey now */
	DPSEC_SA_DEAD,			/**< hard-expired or exhausted */
};

/** What dpsec_sa_info() reports. */
struct dpsec_sa_info {
	uint32_t spi;			/**< host order */
	enum dpsec_sa_dir dir;		/**< direction */
	enum dpsec_placement placement;	/**< where its packets go */
	enum dpsec_place_reason place_reason; /**< why not (or) on the NIC */
	uint16_t port_id;		/**< conf.port_id */
	enum dpsec_sa_state state;	/**< life state */
	uint64_t seq;		/**< outbound: last SN used; inbound: top */
	uint64_t userdata;		/**< conf.userdata */
};

/**
 * Describe an SA.
 *
 * @param sa
 *   The SA's handle. Takes no lock (usable from the event callback), so
 *   it must not race with dpsec_sa_destroy() of the same SA.
 * @param info
 *   Filled in.
 * @return
 *   0; -EINVAL (NULL argument, malformed handle); -ENOENT (stale handle).
 */
int dpsec_sa_info(const struct dpsec_sa *sa, struct dpsec_sa_info *info);

/** Per-SA counters. */
struct dpsec_sa_stats {
	uint64_t packets;		/**< processed successfully */
	uint64_t bytes;			/**< their plaintext payload bytes */
	uint64_t drops[DPSEC_R_MAX];	/**< by reason */
};

/**
 * Read an SA's counters (also published by telemetry: /dpsec/sa/info).
 *
 * @param sa
 *   The SA's handle; as for dpsec_sa_info().
 * @param st
 *   Filled in.
 * @return
 *   0; -EINVAL (NULL argument, malformed handle); -ENOENT (stale handle).
 */
int dpsec_sa_stats_get(const struct dpsec_sa *sa, struct dpsec_sa_stats *st);

/** Events raised to the application. */
enum dpsec_event {
	DPSEC_EV_SOFT_EXPIRED,	/**< a soft lifetime was reached: rekey */
	DPSEC_EV_HARD_EXPIRED,	/**< a hard lifetime was reached: SA stopped */
	DPSEC_EV_SEQ_EXHAUSTED,	/**< no sequence numbers left: SA stopped */
};

/**
 * Event callback. Called once per SA and event, from the lcore that
 * crossed the limit (inside a burst), or with the context's control lock
 * held from dpsec_sa_expire_check() on its caller's thread or from the
 * thread on which a NIC reports RTE_ETH_EVENT_IPSEC for the SA's session
 * (a NIC that ran out of sequence numbers or reached a limit): keep it
 * short and do not create or destroy SAs from it (hand the event to the
 * control plane instead). From a burst it runs inside the burst's RCU
 * read-side section, so it must not call anything that waits for a grace
 * period (dpsec_sa_destroy(), dpsec_reqid_set(), dpsec_spd_commit(),
 * dpsec_port_resync()). @p sa is the SA's handle, as dpsec_sa_create()
 * returned it; dpsec_sa_info() works on it from the callback.
 */
typedef void (*dpsec_event_cb)(struct dpsec_ctx *ctx, struct dpsec_sa *sa,
			       enum dpsec_event ev, uint64_t userdata,
			       void *cb_arg);

/**
 * Register the context's event callback (one; NULL removes it).
 *
 * @param ctx
 *   The context.
 * @param cb
 *   The callback, or NULL.
 * @param arg
 *   Passed to @p cb as cb_arg.
 * @return
 *   0, or -EINVAL if @p ctx is NULL or freed.
 */
int dpsec_event_cb_set(struct dpsec_ctx *ctx, dpsec_event_cb cb, void *arg);

/**
 * Check the lifetimes in seconds of every SA of @p ctx now, raising
 * DPSEC_EV_SOFT_EXPIRED / DPSEC_EV_HARD_EXPIRED (once each, soft first)
 * for those past a deadline, exactly as a burst on the SA would. Bursts
 * check their own SA; this is for SAs without traffic, which would
 * otherwise expire unnoticed: applications call it periodically from the
 * control path (e.g. once a second). Not for use from inside the event
 * callback; safe against bursts running on other lcores.
 *
 * @param ctx
 *   The context.
 * @return
 *   The number of events raised (>= 0), or -EINVAL if @p ctx is NULL or
 *   freed.
 */
int dpsec_sa_expire_check(struct dpsec_ctx *ctx);

/**
 * ESP-protect a burst with one outbound SA.
 *
 * In: mbufs whose data starts with an IPv4/IPv6 header (no L2 header).
 * The packet is the IP datagram as its header gives its length (IPv4
 * total length, IPv6 40 + payload length); bytes after it in the mbuf
 * (Ethernet padding) are trimmed and not protected; a datagram longer
 * than the mbuf is dropped with DPSEC_R_BAD_IP. Multi-segment mbufs may be
 * linearized.
 *
 * What comes back in pkts[0..ret) depends on the SA's placement
 * (dpsec_sa_info(); doc/programmers_guide.md, "What dpsec_sa_outbound()
 * hands back"):
 * - software: the finished ESP packet: tunnel, the outer IP header
 *   (checksum computed), [UDP,] ESP, IV, encrypted inner packet, trailer,
 *   ICV; transport, the packet's IP header (protocol, length, checksum
 *   updated), [UDP,] ESP ... ICV. l3_len = that first IP header's length,
 *   packet_type = RTE_PTYPE_L3_IPV4/6 | RTE_PTYPE_TUNNEL_ESP
 *   [| RTE_PTYPE_L4_UDP for NAT-T], ol_flags RTE_MBUF_F_TX_IPV4/6,
 *   RTE_MBUF_F_TX_SEC_OFFLOAD clear.
 * - inline crypto: the same layout with the payload still in clear and
 *   room for the ICV; RTE_MBUF_F_TX_SEC_OFFLOAD and the session metadata
 *   are set: the NIC encrypts and writes the ICV on transmit.
 * - inline protocol: the packet as it came in (inner packet, no ESP):
 *   l3_len = its IP header's length, packet_type = RTE_PTYPE_L3_IPV4/6,
 *   RTE_MBUF_F_TX_IPV4/6 and RTE_MBUF_F_TX_SEC_OFFLOAD set: the NIC builds
 *   all of ESP on transmit.
 * In every placement l2_len = 0 (the application sets it when it
 * prepends its L2 header, as the NIC needs it), RTE_MBUF_F_TX_IP_CKSUM
 * and the L4 checksum requests are cleared (compute the plaintext
 * packet's checksums before this call), other ol_flags are left.
 *
 * Packets that cannot be protected are moved behind the others, in
 * order, with their reason (dpsec_mbuf_reason()); their data is as it
 * was given (without trailing link-layer bytes if it got as far as
 * their trimming, DPSEC_R_NOMEM), except after a crypto engine failure
 * (DPSEC_R_UNSUPPORTED on a packet software already framed), where it
 * is undefined.
 * A NULL, stale or inbound SA handle refuses the whole burst: 0, every
 * packet with DPSEC_R_BAD_HANDLE, and a (rate-limited) log line. The
 * handle is resolved once per burst.
 *
 * @param sa
 *   An outbound SA's handle.
 * @param pkts
 *   The packets; reordered as described.
 * @param nb
 *   How many.
 * @return
 *   The number of packets protected: pkts[0..ret) go on.
 */
uint16_t dpsec_sa_outbound(struct dpsec_sa *sa, struct rte_mbuf *pkts[],
			   uint16_t nb);

/**
 * Process a burst of received ESP packets (IPv4/IPv6 with ESP, or UDP/4500
 * NAT-T, no L2 header): SAD lookup, replay check, decryption, replay
 * update, decapsulation. Bytes after the IP datagram (link-layer padding)
 * are not part of the packet. On return pkts[0..ret) hold the inner
 * packets (tunnel) or the restored IP packets (transport), data starting
 * at their IP header, with l2_len = 0, l3_len = that header's length,
 * packet_type = RTE_PTYPE_L3_IPV4/6 and ol_flags as received; the rest
 * are moved behind them, in order, with their reason.
 *
 * A NULL or freed context refuses the whole burst: 0, every packet with
 * DPSEC_R_BAD_HANDLE, and a (rate-limited) log line.
 *
 * @param ctx
 *   The context whose SAD is searched.
 * @param pkts
 *   The packets; reordered as described.
 * @param nb
 *   How many.
 * @param sa_out
 *   If not NULL, sa_out[i] receives the handle of the SA of good packet i.
 * @return
 *   The number of packets delivered.
 */
uint16_t dpsec_inbound(struct dpsec_ctx *ctx, struct rte_mbuf *pkts[],
		       uint16_t nb, struct dpsec_sa *sa_out[]);

/**
 * Find an inbound SA, most specific SAD key first (RFC 4301 §4.1).
 *
 * @param ctx
 *   The context.
 * @param spi
 *   SPI, host order.
 * @param dst
 *   Destination address, or NULL (SPI-only SAs).
 * @param src
 *   Source address, or NULL.
 * @return
 *   The SA's handle, or NULL with rte_errno: ENOENT (no such SA), EINVAL
 *   (NULL or freed context; logged).
 */
struct dpsec_sa *dpsec_sa_lookup(struct dpsec_ctx *ctx, uint32_t spi,
				 const struct dpsec_addr *dst,
				 const struct dpsec_addr *src);

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_SA_H */
