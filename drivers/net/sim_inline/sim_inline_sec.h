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
	int32_t table_idx;			/* -1: not in the table */
	bool lost;				/* dropped by a NIC reset */
	TAILQ_ENTRY(sim_sa) lost_next;		/* in sim_sec.lost */
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
	bool lost;				/* dropped by a NIC reset */
	struct sim_sa *sa;			/* NULL: by SPI */
};

/* Per-port engine state, hanging off struct sim_port. */
struct sim_sec {
	struct rte_security_ctx ctx;
	uint32_t max_sa;
	uint32_t nb_sa;
	struct sim_sa **table;			/* [max_sa] */
	rte_spinlock_t lock;			/* table, flows, lost */
	TAILQ_HEAD(, rte_flow) flows;
	/* SAs a reset took out of the table whose sessions still exist. */
	TAILQ_HEAD(, sim_sa) lost;
	/* Offset of RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN, -1: not registered.
	 * Looked up at each ingress inline-protocol session create. */
	int esp_sn_off;
	struct dpsec_crypto_engine *eng[RTE_MAX_LCORE];
	rte_spinlock_t eng_lock;		/* non-EAL threads share one */
	struct dpsec_crypto_engine *eng_any;
	struct rte_mempool *jumbo;		/* linear copies of chains */
	uint64_t bad_len_tsc;			/* next tx_sec_bad_len log */
};

int sim_sec_init(struct sim_port *p);
struct dpsec_drv_ipsec_ops;
/* dpsec_drv_ipsec_ops of every port (the SA table size and use). */
extern const struct dpsec_drv_ipsec_ops sim_ipsec_ops;
/* RTE_ETH_EVENT_IPSEC for @sa, once per subtype; hard ones kill it. */
void sim_sec_sa_event(struct sim_sa *sa, enum rte_eth_event_ipsec_subtype st);
struct sim_sa *sim_sec_lookup_spi(struct sim_sec *sec, uint32_t spi_be);
/*
 * A NIC reset: every SA leaves the table and every rule stops matching;
 * the application's session and flow handles stay valid for destroy.
 */
void sim_sec_reset(struct sim_port *p);
/* Is @md (security dynfield) the handle of an SA a reset took out of the
 * table? Takes the table lock: for the TX path's rare miss only. */
bool sim_sec_is_lost(struct sim_sec *sec, uint64_t md);
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
/* What the RX engine found out about a frame, beyond its flags. */
struct sim_sec_rx {
	/* The SA, when it accepted the packet and asks for IP reassembly
	 * (ip_reassembly_en, port configured), else NULL. */
	struct sim_sa *reass_sa;
	/* Inline protocol, accepted: the 64-bit SN authenticated; else 0
	 * (never a valid SN, RFC 4303 section 2.2). */
	uint64_t esp_sn;
};

/*
 * RX: classify and process a frame off the wire, before it is copied into
 * an RX queue. Returns the frame to deliver (m, or a linear copy when m was
 * chained or shared; m is then freed), with RTE_MBUF_F_RX_SEC_* and
 * checksum flags in ol_flags and, for inline protocol, the session
 * userdata in the security dynfield; *rx says the rest.
 */
struct rte_mbuf *sim_sec_ingress(struct sim_port *p, struct rte_mbuf *m,
				 struct sim_sec_rx *rx);
/* Report @sn (0: none) in the delivered mbuf @m's ESP SN dynfield, when
 * the application registered it. */
void sim_sec_rx_sn_set(const struct sim_port *p, struct rte_mbuf *m,
		       uint64_t sn);

#endif /* SIM_INLINE_SEC_H */
