/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RTE_PMD_SIM_INLINE_H
#define RTE_PMD_SIM_INLINE_H

/**
 * @file
 * net_sim_inline private API: the state of the simulated NIC's inline
 * IPsec engine (its SA table), a reset of that engine, fault injection at
 * run time, and the mbuf dynamic field in which the engine reports each
 * received packet's ESP sequence number.
 *
 * Every function takes an ethdev port id and returns -ENODEV when the port
 * does not exist or is not a net_sim_inline port. They are control-path
 * functions: do not call them from the data path of the same port in a
 * tight loop (they take the engine's table lock).
 *
 * Available from dpsec's static driver and from the plugin
 * (librte_net_sim_inline.so) alike; see doc/sim_inline.md.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Name of the mbuf dynamic field (a uint64_t: size 8, align 8) in which
 * the inline IPsec engine reports the ESP sequence number of each packet
 * it accepted on an inline-protocol ingress SA: the full 64-bit number it
 * authenticated (with ESN, the high half it inferred, RFC 4303 A2.1).
 *
 * The application registers the field (rte_mbuf_dynfield_register())
 * before it creates its ingress inline-protocol sessions: the driver
 * looks the name up at each such session create and keeps the offset for
 * the port; it never registers the field itself, nor looks it up per
 * packet. The field is written only in packets delivered with
 * RTE_MBUF_F_RX_SEC_OFFLOAD and without RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED,
 * on an inline-protocol SA; never for inline crypto, failed or untouched
 * packets (their field keeps whatever the mbuf held). A packet
 * reassembled by inline IP reassembly reports the number of its first
 * fragment (offset 0); fragments of an incomplete set each report their
 * own. A field registered with another size, or at an offset not aligned
 * to 8, is not filled.
 */
#define RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN "dpsec_esp_sn"

/** State of one SA in the NIC's table. */
struct rte_pmd_sim_inline_sa_state {
	uint32_t spi;		/**< SPI, host order */
	bool egress;		/**< direction */
	bool dead;		/**< hard-expired or out of sequence numbers */
	bool inline_protocol;	/**< action: inline protocol (else crypto) */
	bool tunnel;		/**< mode: tunnel (else transport) */
	uint32_t index;		/**< slot in the table (0 .. max_sa-1) */
	/**
	 * Egress: the last sequence number used (0: none yet; 64-bit with
	 * ESN). Ingress: the top of the replay window (highest SN accepted).
	 */
	uint64_t seq;
	uint64_t packets;	/**< packets processed */
	uint64_t bytes;		/**< payload bytes processed */
	uint64_t errors;	/**< packets that failed (ingress) or were
				     refused (egress) */
};

/**
 * Fault injection settings (devargs fault_seed, fault_punt,
 * fault_spurious_fail, fault_drop, fault_dup, fault_reorder).
 * Probabilities are in [0, 1]; 0 disables a fault.
 */
struct rte_pmd_sim_inline_faults {
	uint64_t seed;		/**< seed of the port's PRNG streams */
	double punt;		/**< RX: an offloaded packet comes up untouched,
				     without RTE_MBUF_F_RX_SEC_OFFLOAD; TX: an
				     offloaded packet is dropped */
	double spurious_fail;	/**< RX: RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED on a
				     packet the engine did not process */
	double drop;		/**< TX: the frame is lost on the wire */
	double dup;		/**< TX: the frame arrives twice */
	double reorder;		/**< TX: the frame is held back and sent after
				     the next frame of the same TX queue */
};

/**
 * Print the SA table of @p port to @p f: one line per SA with its index,
 * SPI, direction, action, mode, sequence number (egress) or replay window
 * top (ingress), packets, bytes, errors and whether it is dead.
 *
 * @param port A port id.
 * @param f Where to print.
 * @return 0, -ENODEV (not a sim_inline port) or -EINVAL (@p f NULL).
 */
int rte_pmd_sim_inline_sa_dump(uint16_t port, FILE *f);

/**
 * State of the SA with SPI @p spi (host order) and direction @p egress on
 * @p port. When several SAs share the SPI and direction, the one in the
 * lowest table slot.
 *
 * @param port A port id.
 * @param spi The SA's SPI, host order.
 * @param egress true for an egress SA, false for ingress.
 * @param st Filled with the SA's state.
 * @return 0 with @p st filled in, -ENODEV, -EINVAL (@p st NULL) or
 * -ENOENT (no such SA).
 */
int rte_pmd_sim_inline_sa_state(uint16_t port, uint32_t spi, bool egress,
				struct rte_pmd_sim_inline_sa_state *st);

/**
 * Reset the port's inline IPsec engine, as a NIC or firmware reset does
 * (devarg sec_reset_on_stop=1 does the same in rte_eth_dev_stop()).
 *
 * Every SA leaves the engine's table: its slot is free for a new session,
 * rte_pmd_sim_inline_sa_state() returns -ENOENT for it and
 * rte_pmd_sim_inline_sa_dump() omits it. Every rte_flow SECURITY rule stops
 * matching: ESP such a rule steered comes up untouched, without
 * RTE_MBUF_F_RX_SEC_OFFLOAD, as with no rule. A packet sent with a lost
 * session (RTE_MBUF_F_TX_SEC_OFFLOAD and its metadata) is dropped, never
 * sent in the clear, and counted in the xstat tx_sec_lost (and oerrors).
 * Inner fragments held for inline IP reassembly are dropped
 * (rx_reass_drop). The TLS engine loses its contexts (tls_ctx_lost): a
 * frame marked for a lost one is dropped (tx_tls_drop_bypass_req), what a
 * read context held goes up with its ciphertext back.
 *
 * The session and flow handles the application holds stay valid:
 * rte_security_session_destroy(), rte_flow_destroy() and rte_flow_flush()
 * succeed on them and free what is left (keys wiped).
 * rte_security_session_update() on a lost session returns -ENOENT,
 * rte_security_session_stats_get() still reports its counters, and
 * rte_flow_create() refuses it (-EINVAL).
 *
 * @param port A port id.
 * @return 0 or -ENODEV (not a sim_inline port).
 */
int rte_pmd_sim_inline_sec_reset(uint16_t port);

/**
 * Raise RTE_ETH_EVENT_IPSEC for an SA as the engine does when it reaches
 * a limit (fault injection: a NIC that reports an event the application
 * did not expect). The event's metadata is the session's userdata; it is
 * raised once per SA and subtype, as the engine's own, and the hard ones
 * (ESN_OVERFLOW, SA_PKT_HARD_EXPIRY, SA_BYTE_HARD_EXPIRY) stop the SA in
 * the engine. Callbacks run on the caller's thread. Control path; not
 * concurrently with destroying that session.
 *
 * @param port A port id.
 * @param spi The SA's SPI, host order (lowest table slot if several).
 * @param egress true for an egress SA, false for ingress.
 * @param subtype RTE_ETH_EVENT_IPSEC_ESN_OVERFLOW ..
 * RTE_ETH_EVENT_IPSEC_SA_PKT_HARD_EXPIRY.
 * @return 0, -ENODEV, -EINVAL (@p subtype) or -ENOENT (no such SA).
 */
int rte_pmd_sim_inline_sa_event(uint16_t port, uint32_t spi, bool egress,
				enum rte_eth_event_ipsec_subtype subtype);

/**
 * Simulate a proactive error recovery (DPDK 22.11's ethdev recovery
 * events): RTE_ETH_EVENT_ERR_RECOVERING is raised, the inline IPsec engine
 * is reset as by rte_pmd_sim_inline_sec_reset() (the port's other
 * configuration is kept, and so are its flow handles, which stop matching),
 * then RTE_ETH_EVENT_RECOVERY_SUCCESS is raised. The callbacks run on the
 * caller's thread, before this returns. An application (or dpsec, which
 * re-pushes its SAs on RECOVERY_SUCCESS) restores the sessions and rules.
 *
 * @param port A port id.
 * @return 0 or -ENODEV (not a sim_inline port).
 */
int rte_pmd_sim_inline_recover(uint16_t port);

/**
 * Change the port's fault injection at run time. The PRNG streams restart
 * from @p f->seed, so the same settings replay the same sequence of
 * faults for the same traffic. A frame held back by fault_reorder stays
 * held until the next frame of its TX queue (or dev_stop).
 *
 * @param port A port id.
 * @param f The new settings.
 * @return 0, -ENODEV, or -EINVAL (@p f NULL or a probability outside
 * [0, 1] or NaN).
 */
int rte_pmd_sim_inline_fault_set(uint16_t port,
				 const struct rte_pmd_sim_inline_faults *f);

/**
 * Current fault injection settings of @p port.
 *
 * @param port A port id.
 * @param f Filled with the settings.
 * @return 0, -ENODEV or -EINVAL (@p f NULL).
 */
int rte_pmd_sim_inline_fault_get(uint16_t port,
				 struct rte_pmd_sim_inline_faults *f);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_SIM_INLINE_H */
