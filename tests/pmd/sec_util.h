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
/* l2_len (Ethernet, + 4 for a VLAN tag) and l3_len (IPv4 IHL * 4, IPv6
 * 40) of the frame in @m, as an application sets them for the NIC. */
void sec_lens_set(struct rte_mbuf *m);
/* Mark @m for inline processing with @sess on @port (lengths set). */
void sec_mark(uint16_t port, void *sess, struct rte_mbuf *m);
/* Session stats: packets and errors. */
void sec_stats(uint16_t port, void *sess, uint64_t *pkts, uint64_t *errs);

/*
 * CMocka setup: net_sim_inline0 (@args0) and net_sim_inline1 (@args1) in
 * *state, both started by sec_port_start(), and a pool of @nb_sess
 * sessions for each in @sess_mp. 0 or -1.
 */
int sec_pair_setup(void **state, const char *args0, const char *args1,
		   struct rte_mempool *sess_mp[2], unsigned int nb_sess);
/* CMocka teardown: close the ports (sim_pair_teardown), then check that
 * every session went back to @sess_mp and free the pools. 0 or -1. */
int sec_pair_teardown(void **state, struct rte_mempool *sess_mp[2]);

/* An SA twice: egress on port 0, ingress on port 1 with its flow rule. */
struct sec_sa_pair {
	void *out, *in;
	struct rte_flow *fl;
	uint32_t spi;
};

/* Create @p for @sa (sessions from @sess_mp[0], [1]); the ingress side
 * is @in_sa when it differs (action, lifetime), NULL: @sa. 0 or -1. */
int sec_sa_pair_make(const struct sim_pair *sp,
		     struct rte_mempool *const sess_mp[2],
		     const struct sec_sa *sa, const struct sec_sa *in_sa,
		     struct sec_sa_pair *p);
/* Destroy the rule and both sessions of @p. 0 or the first error. */
int sec_sa_pair_free(const struct sim_pair *sp, struct sec_sa_pair *p);

enum { SEC_SEND_MAX = 128 };

/*
 * Send @n (at most SEC_SEND_MAX) IPv4/UDP frames with 64 bytes of payload,
 * tagged @tag0, @tag0 + 1, ..., from port 0 to port 1, protected by @sess
 * unless it is NULL. Returns how many the port took.
 */
uint16_t sec_send_tagged(const struct sim_pair *sp, void *sess,
			 uint32_t tag0, uint16_t n);
/* Receive on queue 0 of @port until @want frames came (or
 * TEST_RX_TIMEOUT_MS), then until TEST_QUIET_MS pass without any. */
uint16_t sec_recv(uint16_t port, struct rte_mbuf **pkts, uint16_t want,
		  uint16_t cap);

/* Keys used by every SA of the tests. */
extern const uint8_t sec_cipher_key[16];
extern const uint8_t sec_auth_key[32];
extern const uint32_t sec_salt;

#endif
