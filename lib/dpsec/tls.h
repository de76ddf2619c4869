/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_PRIV_TLS_H
#define DPSEC_PRIV_TLS_H

/*
 * TLS record contexts (tls.c), private to libdpsec. The public side is
 * dpsec_tls.h, the framing is lib/common/tls_rec.h, the NIC side the TLS
 * ops of lib/common/dpsec_driver.h.
 *
 * A context is one direction of one TCP connection. Its datapath calls
 * (dpsec_tls_tx(), dpsec_tls_rx()) are made by one lcore at a time (the
 * connection's), so its stream state and counters are plain memory; the
 * per-port counters several connections share are atomics, added once
 * per burst.
 */

#include <stdalign.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_mbuf.h>

#include "crypto.h"
#include "dpsec_driver.h"
#include "dpsec_tls.h"
#include "tls_rec.h"

struct dpsec_ctx;

/* A record the TX side has seen and the peer has not acknowledged. */
struct tls_tx_rec {
	uint64_t rec_seq;
	uint32_t tcp_seq;		/* its header */
	uint32_t len;			/* header + length field */
	uint8_t tag[DPSEC_TLS_TAG_LEN];	/* valid if has_tag */
	uint8_t explicit_nonce[DPSEC_TLS12_EXPLICIT_LEN]; /* 1.2 GCM */
	uint8_t has_tag;		/* computed in software */
	uint8_t has_explicit;		/* explicit nonce known */
	uint8_t gen;			/* key generation (t->kgen) */
};

/* RX bytes waiting for a new key (KEY_WAIT): a segment from @off on. */
struct tls_rx_pend {
	struct rte_mbuf *m;
	uint32_t off;			/* payload offset in m */
	uint32_t seq;			/* TCP sequence of that byte */
	uint32_t len;
	uint8_t marked;
};

/* Largest record: TLS 1.2's header length limit plus the header. */
#define TLS_RBUF (DPSEC_TLS12_MAX_REC + DPSEC_TLS_HDR_LEN)

#define TLS_MAGIC UINT64_C(0x646d7365632d746c)	/* "dmsec-tl" */

struct dpsec_tls {
	/* Stream state (datapath). */
	alignas(64) struct dpsec_aead_stream st;
	struct dpsec_tls_cursor cur;
	struct dpsec_tls_suite suite;
	uint64_t magic;
	struct dpsec_ctx *ctx;
	struct dpsec_crypto_key *key;	/* after the struct, 64-aligned */
	/* TX: the key before the last rekey (retransmissions of records
	 * sealed with it), and a rekey waiting for its record boundary. */
	struct dpsec_crypto_key *key_prev;
	struct dpsec_crypto_key *key_next;
	struct dpsec_tls_suite suite_prev, suite_next;
	uint8_t kgen;			/* key generation, +1 per rekey */
	uint8_t prev_valid;		/* key_prev usable */
	uint8_t rekey_pending;		/* TX: key_next waits for rekey_seq */
	uint32_t rekey_seq;
	const struct dpsec_drv_tls_ops *ops; /* NIC placement */
	uint32_t hw_id;
	uint8_t rx;			/* DPSEC_TLS_READ */
	uint8_t nic;			/* placement is the NIC */
	uint8_t tag_ready;		/* TX: tag computed for this record */
	uint8_t st_open;		/* st initialised for this record */
	uint32_t state;			/* enum dpsec_tls_state, atomic */
	uint8_t tag[DPSEC_TLS_TAG_LEN];	/* TX: computed; RX: received */
	uint64_t records;		/* records done (life limits) */
	uint32_t events_sent;		/* bit per enum dpsec_tls_event */

	/* TX: records not yet acknowledged (a ring). */
	struct tls_tx_rec *txr;
	uint32_t txr_cap, txr_head, txr_n;
	/* TX on the NIC: where the NIC's record state is (the next byte
	 * it expects in a marked segment); software sealing of the record
	 * under the cursor (taken over from the NIC) and the move to
	 * software by retransmission rate. */
	uint32_t nic_next;
	uint8_t sw_rec;			/* record under the cursor in sw */
	uint8_t tx_sw;			/* moved to software (threshold) */
	uint8_t nic_resync;		/* position the NIC before marking */
	uint8_t *rbuf;			/* TLS_RBUF bytes: tx_read scratch */
	uint16_t win_n, win_ooo;	/* segments / OOO in the window */
	/* dpsec_tls_resync() asked (atomic; the next burst takes it). */
	uint8_t resync_req;
	/* dpsec_port_resync(): the NIC may have lost the context (atomic;
	 * the next burst puts it back, readd_take()). */
	uint8_t readd_req;

	/* RX on the NIC: resynchronisation. */
	uint8_t rx_lost;		/* the NIC is out of step */
	uint8_t req_pending;		/* device-driven request */
	uint32_t req_seq;
	uint32_t hint_skip;		/* records before the next hint */
	uint32_t hint_backoff;		/* doubles when hints fail */
	uint8_t hint_out;		/* a hint is outstanding */
	uint32_t hint_seq;		/* its record's TCP sequence */
	/* RX: bytes waiting for the new key (KEY_WAIT). */
	struct tls_rx_pend *pend;
	uint32_t pend_n, pend_cap;
	uint32_t rx_next;		/* next TCP sequence accepted */
	uint32_t nic_from;		/* after a re-add: the NIC's start */
	uint8_t nic_from_set;

	/* RX: the record being assembled: body pieces, oldest first. */
	struct rte_mbuf *rx_head, *rx_tail;
	uint32_t rx_pieces, rx_marked;	/* pieces, of which NIC-decrypted */
	struct rte_mbuf *rx_seg;	/* the segment being fed */
	uint8_t rx_taken;		/* ...became a piece itself */
	uint32_t rx_body_off;		/* body bytes collected */
	uint8_t rx_hdr[DPSEC_TLS_HDR_LEN];	/* its header */
	uint8_t rx_explicit[DPSEC_TLS12_EXPLICIT_LEN]; /* 1.2 GCM nonce */
	/* RX: records complete, waiting for the caller (a ring). */
	struct dpsec_tls_rec *outq;
	uint32_t outq_cap, outq_head, outq_n;

	/* Cold. */
	struct dpsec_tls_conf conf;	/* key pointer cleared */
	uint8_t nic_key[32];		/* for the NIC ops (wiped) */
	enum dpsec_place_reason place_reason;
	struct dpsec_tls_stats stats;
	TAILQ_ENTRY(dpsec_tls) next;
};

/* Per port, in struct dpsec_ctx: atomics. */
struct tls_port_cnt {
	struct dpsec_tls_port_stats s;
};

/* ctx.c calls it from dpsec_free(). */
void tls_destroy_all(struct dpsec_ctx *ctx);

/* offload.c, dpsec_port_resync(), under ctx->ctl_lock: the port's TLS
 * contexts on the NIC go back to it at their next burst. */
void tls_port_readd(struct dpsec_ctx *ctx, uint16_t port_id);

#endif /* DPSEC_PRIV_TLS_H */
