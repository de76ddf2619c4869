/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_H
#define DPSEC_H

/**
 * @file
 * dpsec: IPsec ESP and TLS records for DPDK applications, on a NIC's inline
 * crypto engine where one exists and in software on the lcore where not.
 *
 * Error conventions (doc/programmers_guide.md):
 * - control path: 0 or a negative errno; constructors return NULL and set
 *   rte_errno;
 * - bursts return how many packets may go on; the others are moved behind
 *   them, in order, each with its reason in the mbuf (dpsec_mbuf_reason()).
 *   The library never frees a packet behind the caller's back.
 */

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major version of the library. */
#define DPSEC_VERSION_MAJOR 0
/** Minor version of the library. */
#define DPSEC_VERSION_MINOR 1

/**
 * The library's version as a string, e.g. "0.1.0".
 *
 * @return
 *   A static string; never NULL.
 */
const char *dpsec_version(void);

/**
 * The rte_log dynamic type of the library ("dpsec"), registered when the
 * library is loaded.
 */
extern int dpsec_logtype;

/**
 * Why a packet did not go on. Declared once: the enum, the per-reason
 * counters and the strings are all generated from this list.
 */
#define DPSEC_REASONS(X) \
	X(NONE,		"ok") \
	X(NO_SA,	"no SA for this SPI/destination") \
	X(SA_DEAD,	"SA hard-expired, exhausted or being deleted") \
	X(SEQ_OVERFLOW,	"sequence number space exhausted") \
	X(REPLAY,	"replayed or left of the window") \
	X(AUTH,		"ICV verification failed") \
	X(TRUNCATED,	"shorter than its headers or trailer") \
	X(BAD_LENGTH,	"payload not a multiple of the block size") \
	X(BAD_PAD,	"padding bytes or pad length invalid") \
	X(BAD_NEXT_HDR,	"next header does not match the SA's mode") \
	X(BAD_IP,	"malformed IP header") \
	X(BAD_UDP,	"malformed UDP encapsulation") \
	X(POLICY,	"decrypted packet does not match the SA's selectors") \
	X(NOT_ESP,	"not an ESP packet") \
	X(NOMEM,	"no room in the mbuf for ESP headers/trailer") \
	X(UNSUPPORTED,	"packet kind not supported by this SA") \
	X(NIC_FAILED,	"NIC reported a failure for this packet") \
	X(DISCARD,	"discarded by policy") \
	X(NO_POLICY,	"no policy matches (RFC 4301 default discard)") \
	X(BAD_HANDLE,	"burst called with a NULL, stale or wrong-direction SA, context or SPD") \
	X(TLS_NOT_CONN,	"TCP segment not of the TLS context's connection") \
	X(TLS_OOO,	"TCP segment out of order for the TLS context") \
	X(TLS_BAD_RECORD, "malformed TLS record header (type, version or length)") \
	X(TLS_STOPPED,	"TLS context failed or past its hard record limit") \
	X(TLS_TRACK_FULL, "TLS TX: too many unacknowledged records (call dpsec_tls_tx_ack())") \
	X(TLS_DUP,	"TCP segment already received") \
	X(TLS_NO_DATA,	"TLS TX: a retransmission needs record bytes the application cannot give (tx_read)")

/** Reason codes; see DPSEC_REASONS. */
enum dpsec_reason {
/** @cond INTERNAL */
#define DPSEC_REASON_ENUM(n, s) DPSEC_R_ ## n,
	DPSEC_REASONS(DPSEC_REASON_ENUM)
#undef DPSEC_REASON_ENUM
/** @endcond */
	DPSEC_R_MAX	/**< number of reason codes */
};

/**
 * Text for a reason code.
 *
 * @param r
 *   A reason code.
 * @return
 *   A static string ("unknown" for out-of-range codes).
 */
const char *dpsec_reason_str(enum dpsec_reason r);

/** Name of the mbuf dynamic field that carries the reason. */
#define DPSEC_MBUF_DYNFIELD_REASON "dpsec_dynfield_reason"

/** Offset of the reason dynfield; valid after dpsec_mbuf_dynfield_init(). */
extern int dpsec_reason_dynfield_offset;

/**
 * Name of the mbuf dynamic field (uint64_t) in which a NIC reports the
 * full ESP sequence number of each packet it decrypted as inline
 * protocol. dpsec registers it; a driver that fills it lets dpsec keep one
 * replay window for SAs placed on the NIC as inline protocol
 * (doc/programmers_guide.md, "Placement"). A driver that fills it says
 * so with DPSEC_DRV_CAP_ESP_RX_SN (dpsec_driver.h); net_sim_inline does.
 */
#define DPSEC_MBUF_DYNFIELD_ESP_SN "dpsec_esp_sn"

/** Offset of the ESP SN dynfield; valid after dpsec_mbuf_dynfield_init(). */
extern int dpsec_esp_sn_dynfield_offset;

/**
 * Register the mbuf dynamic fields of the library: a packet's reason code
 * and the ESP sequence number a NIC reports. Called by dpsec_create();
 * idempotent.
 *
 * @return
 *   0 on success, a negative errno otherwise.
 */
int dpsec_mbuf_dynfield_init(void);

/**
 * The reason the library gave a packet it did not pass on.
 *
 * @param m
 *   A packet returned behind the good ones by a dpsec burst function.
 * @return
 *   The reason code.
 */
static inline enum dpsec_reason
dpsec_mbuf_reason(const struct rte_mbuf *m)
{
	return (enum dpsec_reason)*RTE_MBUF_DYNFIELD(m,
			dpsec_reason_dynfield_offset, const uint8_t *);
}

/**
 * Set a packet's reason code (the library does it; tests and
 * applications that re-queue packets may too).
 *
 * @param m
 *   The packet.
 * @param r
 *   The reason.
 */
static inline void
dpsec_mbuf_set_reason(struct rte_mbuf *m, enum dpsec_reason r)
{
	*RTE_MBUF_DYNFIELD(m, dpsec_reason_dynfield_offset, uint8_t *) =
		(uint8_t)r;
}

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_H */
