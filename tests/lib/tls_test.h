/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TEST_TLS_TEST_H
#define DPSEC_TEST_TLS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "dpsec_tls.h"

/* The pool the segment builders allocate from (set by the test). */
extern struct rte_mempool *tlst_pool;

/* One direction's record protection, for the reference layer. */
struct ref_suite {
	uint16_t ver;
	enum dpsec_cipher cipher;
	uint8_t key[32];
	uint8_t key_len;
	uint8_t iv[12];			/* 4 (1.2 GCM) or 12 */
};

/* Whether records carry an explicit nonce (TLS 1.2 AES-GCM). */
bool ref_explicit(const struct ref_suite *s);
/* The record nonce (RFC 5288 §3; RFC 8446 §5.3, RFC 7905 §2). */
void ref_nonce(const struct ref_suite *s, uint64_t seq, const uint8_t *expl,
	       uint8_t nonce[12]);
/* Seal a record of @len content bytes (+ @pad, TLS 1.3) at @out; the TLS
 * 1.2 explicit nonce is seq ^ 0x5a.. (any unique value is valid). Returns
 * the record's wire length. */
size_t ref_seal(const struct ref_suite *s, uint64_t seq, uint8_t type,
		const uint8_t *pt, size_t len, uint16_t pad, uint8_t *out);
/* Open the record at @rec: the content length (type in *type), or -1. */
int ref_open(const struct ref_suite *s, uint64_t seq, const uint8_t *rec,
	     uint8_t *type, uint8_t *pt);

/* A TCP connection: a is our side. */
struct conn {
	uint8_t family;
	struct dpsec_addr a, b;		/* a: our side */
	uint16_t pa, pb;
};

/* 192.0.2.1:443 <-> 198.51.100.7:50123, or 2001:db8::1 <-> ::2. */
void conn_init(struct conn *c, uint8_t family);
/* A TCP segment (Ethernet/IP/TCP, l2/l3/l4_len set) from a (or b) with
 * @len payload bytes of @p in at least @nseg mbufs. */
struct rte_mbuf *seg_make(const struct conn *c, bool from_a, uint32_t seq,
			  const uint8_t *p, uint32_t len, unsigned int nseg);
/* A context's configuration for connection @c: a (our side) writes, b
 * reads (@rx) the a -> b stream; key and IV from @s. */
void ref_conf_fill(struct dpsec_tls_conf *tc, const struct ref_suite *s,
		   const struct conn *c, bool rx, uint16_t port,
		   enum dpsec_offload off, uint32_t tcp_seq);
/* Largest random segment of cut() (default 3000; tests on a port with a
 * 1500-byte MTU set 1400). */
extern uint32_t cut_rand_max;
/* Cut @stream into segments of @mss bytes (0: random 1..cut_rand_max). */
unsigned int cut(const struct conn *c, bool from_a, uint32_t seq0,
		 const uint8_t *stream, uint32_t len, uint32_t mss,
		 unsigned int nseg, struct rte_mbuf **out, unsigned int cap);
/* Whether the chain @m holds exactly @len bytes equal to @buf (records
 * up to 16 KiB: longer than the frame helpers of eal_fixture allow). */
bool rec_equals(const struct rte_mbuf *m, const uint8_t *buf, size_t len);
/* A segment's TCP payload into @dst; its length. */
uint32_t seg_payload(const struct rte_mbuf *m, uint8_t *dst);

/* An application's send buffer for conf.tx_read: @data holds the stream
 * from TCP sequence @seq0 on (conf.tx_read_arg = the struct). */
struct tls_sendbuf {
	const uint8_t *data;
	size_t size;
	uint32_t seq0;
};
int tls_sendbuf_read(void *arg, uint32_t seq, uint8_t *buf, uint32_t len);

/*
 * The offload tests' bed (lib-tls-offload, lib-tls-matrix): EAL with two
 * net_sim_inline ports wired to each other (port 1's TLS table holds 2
 * contexts), tlst_pool (8191 mbufs, @pool_name), both ports started and
 * promiscuous, segments cut to fit their MTU, and a dpsec context
 * @ctx_name with both attached. 0, or -1.
 */
int tls_two_ports_up(const char *prog, const char *pool_name,
		     const char *ctx_name, struct dpsec_ctx **ctx);
/* Undo it: the context, the ports, the EAL; false if mbufs leaked. */
bool tls_two_ports_down(struct dpsec_ctx *ctx);

#endif /* DPSEC_TEST_TLS_TEST_H */
