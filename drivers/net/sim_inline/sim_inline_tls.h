/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIM_INLINE_TLS_H
#define SIM_INLINE_TLS_H

/*
 * The simulated kTLS-style TLS record engine (Linux Documentation/
 * networking/tls-offload.rst), behind dpsec's driver interface
 * (dpsec_driver.h: struct dpsec_drv_tls_ops and the mbuf marks). Model and
 * counters: doc/sim_inline.md, "TLS record offload".
 *
 * A bounded context table per port (devarg max_tls), one context per
 * direction of a connection. TX: segments marked with the TX dynflag and
 * the context's hw_id are encrypted in place as they leave, in TCP order.
 * RX: packets of a context's 5-tuple are decrypted in place in TCP order
 * and marked once every record byte in them belongs to a record whose tag
 * verified; until then they are held by the engine.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

struct sim_port;

enum {
	SIM_TLS_DEFAULT_MAX = 64,	/* contexts per port (TX + RX) */
	SIM_TLS_MAX = 4096,		/* largest max_tls */
	SIM_TLS_RX_HOLD = 64,		/* packets an RX context holds */
	SIM_TLS_DEFAULT_HOLD_MS = 50,	/* tls_hold_ms */
	SIM_TLS_MAX_HOLD_MS = 10000,
};

struct sim_tls;

/* Probe: the engine with max_tls contexts (0: none, p->tls stays NULL),
 * declared to dpsec. 0 or -ENOMEM. */
int sim_tls_init(struct sim_port *p);
/* Close: every context wiped and freed, the declaration withdrawn. */
void sim_tls_fini(struct sim_port *p);
/* dev_stop: packets held by RX contexts are discarded (counted). */
void sim_tls_flush(struct sim_port *p);
void sim_tls_reset(struct sim_port *p);

/* dev_start: find dpsec's TX mark if someone registered it (the first
 * add registers it otherwise), so that marked frames are never sent as
 * they are, engine or not. */
void sim_tls_start(struct sim_port *p);

/* The TX dynflag's mask once known (0 before). */
uint64_t sim_tls_tx_mask(const struct sim_port *p);

/* Is @m marked for the TLS engine? */
static inline bool
sim_tls_tx_marked(const struct sim_port *p, const struct rte_mbuf *m)
{
	return (m->ol_flags & sim_tls_tx_mask(p)) != 0;
}

/* The hw_id in @m's dynfield (the caller checked the mark). */
uint32_t sim_tls_tx_id(const struct sim_port *p, const struct rte_mbuf *m);

/*
 * TX engine: encrypt the records of one frame (a TCP segment of the stream
 * of context @hw_id) in place and write the tags it carries. @m must be
 * writable (direct, not shared). Returns SIM_XS_MAX (enum sim_xstat_id)
 * when the frame may leave, else the xstat to count as it is dropped: it
 * never leaves in plaintext.
 */
int sim_tls_egress(struct sim_port *p, struct rte_mbuf *m, uint32_t hw_id);

/* Where the RX engine hands a packet for delivery on RX queue @qid. */
typedef void (*sim_tls_put_t)(void *arg, uint16_t qid, struct rte_mbuf *m);

/*
 * RX engine, after the packet was copied into RX queue @qid's pool (@m is
 * private; checksums were checked on the wire bytes). @m and any packets
 * the engine held and now decides go to @put in stream order; @m may be
 * held instead.
 */
void sim_tls_ingress(struct sim_port *p, struct rte_mbuf *m, uint16_t qid,
		     sim_tls_put_t put, void *arg);

/* Does an RX context hold packets? (The RX engine then runs on polls
 * that find the wire empty, for sim_tls_idle().) */
bool sim_tls_holding(const struct sim_port *p);

/*
 * A poll found the wire empty: packets held longer than tls_hold_ms for a
 * record whose rest has not come go to @put unmarked, their ciphertext
 * back. Only on idle polls, so a slow poller that finds the rest of the
 * record waiting on the wire never gives up on it.
 */
void sim_tls_idle(struct sim_port *p, sim_tls_put_t put, void *arg);

#endif /* SIM_INLINE_TLS_H */
