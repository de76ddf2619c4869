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
};

#define TLS_MAGIC UINT64_C(0x646d7365632d746c)	/* "dmsec-tl" */

struct dpsec_tls {
	/* Stream state (datapath). */
	alignas(64) struct dpsec_aead_stream st;
	struct dpsec_tls_cursor cur;
	struct dpsec_tls_suite suite;
	uint64_t magic;
	struct dpsec_ctx *ctx;
	struct dpsec_crypto_key *key;	/* after the struct, 64-aligned */
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

	/* RX: the record being assembled: body pieces, oldest first. */
	struct rte_mbuf *rx_head, *rx_tail;
	uint32_t rx_pieces, rx_marked;	/* pieces, of which NIC-decrypted */
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

#endif /* DPSEC_PRIV_TLS_H */
