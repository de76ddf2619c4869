/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TEST_SEC_UTIL_H
#define DPSEC_TEST_SEC_UTIL_H

/*
 * Inline IPsec helpers of the pmd suite: session and flow set-up on
 * net_sim_inline ports through rte_security / rte_flow only.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_flow.h>
#include <rte_mempool.h>
#include <rte_security.h>

#include "sim_pair.h"

/* What an SA looks like. Both ends of a test share one of these. */
struct sec_sa {
	enum rte_security_session_action_type action;
	bool tunnel;		/* else transport */
	bool outer_v6;		/* tunnel: outer IPv6 */
	bool cbc;		/* AES-CBC-128 + HMAC-SHA256-128, else GCM-128 */
	bool esn;
	bool natt;		/* UDP encapsulation, ports 4500 */
	uint32_t spi;
	uint64_t esn_start;	/* esn.value (first SN), 0: 1 */
	uint32_t win;		/* replay window (ingress) */
	uint64_t pkt_hard;	/* life.packets_hard_limit */
	uint64_t userdata;
};

struct rte_security_ctx *sec_ctx(uint16_t port);
/* A pool for @n sessions of @port's context. */
struct rte_mempool *sec_sess_pool(uint16_t port, unsigned int n);
/* Fill @conf (and the xforms it points to, in @xf[2]) for @sa. */
void sec_conf(const struct sec_sa *sa, bool egress,
	      struct rte_security_session_conf *conf,
	      struct rte_crypto_sym_xform xf[2]);
/* Create the session; NULL with rte_errno set on failure. */
void *sec_session(uint16_t port, struct rte_mempool *mp,
		  const struct sec_sa *sa, bool egress);
/* ETH / ESP(spi) -> SECURITY(sess); NULL on failure. */
struct rte_flow *sec_flow(uint16_t port, void *sess, uint32_t spi);
/* Start @port with RX/TX security offloads, 1 queue each. */
int sec_port_start(uint16_t port, struct rte_mempool *rx_pool);
/* Mark @m for inline processing with @sess on @port. */
void sec_mark(uint16_t port, void *sess, struct rte_mbuf *m);
/* Session stats: packets and errors. */
void sec_stats(uint16_t port, void *sess, uint64_t *pkts, uint64_t *errs);

/* Keys used by every SA of the tests. */
extern const uint8_t sec_cipher_key[16];
extern const uint8_t sec_auth_key[32];
extern const uint32_t sec_salt;

#endif
