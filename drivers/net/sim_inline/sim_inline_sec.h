/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIM_INLINE_SEC_H
#define SIM_INLINE_SEC_H

/*
 * The simulated inline IPsec engine: rte_security sessions in a bounded SA
 * table, rte_flow SECURITY rules on ingress, and the ESP work itself (inline
 * crypto: encrypt/decrypt in place; inline protocol: all of ESP). The
 * "silicon" is dpsec's crypto layer over IPsec-MB.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_flow_driver.h>
#include <rte_security.h>
#include <rte_security_driver.h>
#include <rte_spinlock.h>

#include "crypto.h"
#include "replay.h"

struct sim_port;

enum {
	SIM_DEFAULT_MAX_SA = 1024,	/* like an 82599 */
	SIM_MAX_SA = 65536,
	SIM_SEC_MAX_REPLAY = 4096,
	SIM_SEC_MAX_HDR = 40 + 8,
	SIM_IV_OVR_MAX = 16,
	SIM_JUMBO_ROOM = 10240,		/* > max frame + ESP overhead */
	SIM_JUMBO_POOL = 511,
};

/* One SA in the NIC's table: the session's private data. */
struct sim_sa {
	struct sim_port *port;
	struct rte_security_session *sess;
	uint64_t userdata;
	enum rte_security_session_action_type action;
	struct rte_security_ipsec_xform x;	/* options, tunnel, life */
	uint32_t spi_be;
	bool egress, tunnel, aead, esn, udp;
	uint8_t iv_len, icv_len, pad_align;
	uint8_t salt[4];
	uint16_t hdr_len;			/* outer IP (+UDP) template */
	uint8_t hdr[SIM_SEC_MAX_HDR];
	bool iv_ovr;				/* iv_gen_disable */
	uint8_t iv_ovr_val[SIM_IV_OVR_MAX];
	int32_t table_idx;
	bool dead;				/* hard expiry */
	uint8_t events;				/* bits: events raised */
	uint64_t seq;				/* egress: last SN used */
	rte_spinlock_t lock;			/* replay window, counters */
	uint64_t pkts, bytes, errors;
	struct dpsec_crypto_key *key;		/* in the same allocation */
	struct dpsec_replay *replay;		/* ingress */
};

/* An ingress rule: pattern ETH? / IPV4|IPV6? / UDP? / ESP, action SECURITY. */
struct rte_flow {
	TAILQ_ENTRY(rte_flow) next;
	uint8_t family;				/* 0: any */
	bool udp;
	bool has_spi;
	uint32_t spi_be;
	uint8_t dst[16], src[16];
	bool has_dst, has_src;
	struct sim_sa *sa;			/* NULL: by SPI */
};

/* Per-port engine state, hanging off struct sim_port. */
struct sim_sec {
	struct rte_security_ctx ctx;
	uint32_t max_sa;
	uint32_t nb_sa;
	struct sim_sa **table;			/* [max_sa] */
	rte_spinlock_t lock;			/* table, flows (control) */
	TAILQ_HEAD(, rte_flow) flows;
	struct dpsec_crypto_engine *eng[RTE_MAX_LCORE];
	rte_spinlock_t eng_lock;		/* non-EAL threads share one */
	struct dpsec_crypto_engine *eng_any;
	struct rte_mempool *jumbo;		/* linear copies of chains */
};

int sim_sec_init(struct sim_port *p);
struct sim_sa *sim_sec_lookup_spi(struct sim_sec *sec, uint32_t spi_be);
void sim_sec_fini(struct sim_port *p);
extern const struct rte_flow_ops sim_flow_ops;

/*
 * TX: the NIC's egress engine for a packet flagged RTE_MBUF_F_TX_SEC_OFFLOAD.
 * Returns 0 with *out set (m itself, or a linear copy of a chained or
 * shared m, which the caller frees once sent), or the xstat id of the
 * reason m must be dropped. @prng is the TX queue's fault stream
 * (fault_punt: the engine fails the packet, which is dropped).
 */
/*
 * TSO through an SA: 0 when the packet's session is a live inline-protocol
 * egress SA the engine may segment for, else the xstat to count.
 */
int sim_sec_tso_check(struct sim_port *p, const struct rte_mbuf *m);
int sim_sec_egress(struct sim_port *p, uint64_t *prng, struct rte_mbuf *m,
		   struct rte_mbuf **out);
/*
 * RX: classify and process a frame off the wire, before it is copied into
 * an RX queue. Returns the frame to deliver (m, or a linear copy when m was
 * chained or shared; m is then freed), with RTE_MBUF_F_RX_SEC_* and
 * checksum flags in ol_flags and, for inline protocol, the session
 * userdata in the security dynfield. *reass_sa is set to the SA when it
 * accepted the packet and asks for IP reassembly (ip_reassembly_en, port
 * configured), else NULL.
 */
struct rte_mbuf *sim_sec_ingress(struct sim_port *p, struct rte_mbuf *m,
				 struct sim_sa **reass_sa);

#endif /* SIM_INLINE_SEC_H */
