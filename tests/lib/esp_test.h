/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TEST_ESP_TEST_H
#define DPSEC_TEST_ESP_TEST_H

/*
 * Helpers shared by the 'lib' suite: the algorithm table, SA configurations,
 * plain IP test packets (no L2 header), an ESP wire parser and an
 * independent ESP implementation on OpenSSL (RFC 4303/4106/7634/2404/4868)
 * used to check and to forge what libdpsec puts on the wire.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dpsec_sa.h"

enum {
	ESPT_PKT_MAX = 2048,		/* largest packet the tests build */
	ESPT_MAX_KEY = 36,		/* cipher key + salt */
	ESPT_MAX_AKEY = 64,		/* HMAC-SHA-512 (RFC 4868) */
	ESPT_MAX_ICV = 32,		/* HMAC-SHA-512-256 */
	ESPT_ESP_HDR = 8,
	ESPT_SPI = 0x1000,		/* base SPI of the tests */
};

/* One ESP transform as the tests see it. */
struct espt_alg {
	const char *name;
	enum dpsec_cipher cipher;
	enum dpsec_auth auth;
	uint16_t ckey_len;		/* including the 4-byte salt */
	uint16_t akey_len;
	uint8_t iv_len;			/* on the wire */
	uint8_t icv_len;
	uint8_t align;			/* payload + trailer alignment */
	bool aead;
};

extern const struct espt_alg espt_algs[];
extern const unsigned int espt_nb_algs;

/* Index into espt_algs by short name ("null-sha1", "gcm128", ...). */
const struct espt_alg *espt_alg_find(const char *name);

struct espt_keys {
	uint8_t ckey[ESPT_MAX_KEY];
	uint8_t akey[ESPT_MAX_AKEY];
};

/* Deterministic key material derived from @seed. */
void espt_keys_fill(struct espt_keys *k, uint32_t seed);

/* Test addresses: outer (tunnel endpoints) and inner (hosts). */
void espt_outer_addr(struct dpsec_addr *src, struct dpsec_addr *dst,
		     uint8_t family);

/*
 * An SA configuration: software placement, SAD key SPI, replay window 64
 * (inbound), NAT-T ports 4500/4500 when @flags has DPSEC_SA_F_NATT.
 * Transport mode sets src/dst to the inner hosts of @family.
 */
void espt_conf(struct dpsec_sa_conf *c, const struct espt_alg *a,
	       const struct espt_keys *k, enum dpsec_sa_dir dir,
	       enum dpsec_sa_mode mode, uint8_t family, uint32_t spi,
	       uint32_t flags);

/* A context; @name short (<= 20 chars). */
struct dpsec_ctx *espt_ctx(const char *name, enum dpsec_backend b,
			   uint32_t max_sa);

/*
 * Write an IP packet of @family (4/6) carrying @proto (17 UDP, 6 TCP, else
 * raw) of exactly @total bytes (raised to the minimum the headers need),
 * checksums valid, payload derived from @tag whose first 4 bytes are @tag
 * big-endian. Returns the length.
 */
size_t espt_pkt_build(uint8_t *buf, uint8_t family, uint8_t proto,
		      uint16_t total, uint32_t tag);
/* Tag written by espt_pkt_build (UINT32_MAX if unreadable). */
uint32_t espt_pkt_tag(const uint8_t *pkt, size_t len);
uint32_t espt_mbuf_tag(const struct rte_mbuf *m);

/* A one-segment mbuf holding @len bytes of @buf. */
struct rte_mbuf *espt_mbuf(struct rte_mempool *mp, const uint8_t *buf,
			   size_t len);
/*
 * Same, but the data sits in a malloc'ed external buffer that ends exactly
 * at the packet's last byte: ASan catches any read past the packet.
 * Tailroom is 0. Freed with rte_pktmbuf_free as usual.
 */
struct rte_mbuf *espt_mbuf_exact(struct rte_mempool *mp, const uint8_t *buf,
				 size_t len);
/* Copy the packet of @m into @buf (ESPT_PKT_MAX); returns its length. */
size_t espt_mbuf_bytes(const struct rte_mbuf *m, uint8_t *buf);
bool espt_mbuf_equals(const struct rte_mbuf *m, const uint8_t *buf,
		      size_t len);

/* What espt_wire_parse found in an ESP packet. */
struct espt_wire {
	uint8_t family;			/* outer */
	uint32_t l3;			/* outer IP header length */
	bool udp;			/* NAT-T */
	uint16_t sport, dport;		/* NAT-T ports, host order */
	uint32_t esp_off;		/* ESP header offset */
	uint32_t esp_len;		/* ESP header .. ICV end */
	uint32_t spi, sn;		/* host order */
};

/*
 * Parse the outer headers; checks IPv4 checksum, lengths, UDP length and
 * zero UDP checksum. Returns 0, or a negative line-ish code naming what
 * is wrong (for assertion messages).
 */
int espt_wire_parse(const uint8_t *pkt, size_t len, struct espt_wire *w);

/* Independent ESP (OpenSSL). */
struct espt_ref {
	const struct espt_alg *alg;
	const struct espt_keys *keys;
	bool esn;
};

/*
 * Verify and decrypt the ESP packet at @esp (@len bytes: header .. ICV)
 * whose full sequence number is @seq64; @pt receives payload+pad+trailer.
 * Returns its length, or -1 if the ICV does not verify.
 */
int espt_ref_open(const struct espt_ref *r, const uint8_t *esp, size_t len,
		  uint64_t seq64, uint8_t *pt);

/*
 * Build header, IV, ciphertext and ICV at @out from @pt (payload + pad +
 * trailer, @pt_len bytes). @iv: CBC IV (random if NULL); AEAD uses the
 * sequence number. Returns the ESP length.
 */
size_t espt_ref_seal(const struct espt_ref *r, uint32_t spi, uint64_t seq64,
		     const uint8_t *iv, const uint8_t *pt, size_t pt_len,
		     uint8_t *out);

/*
 * Re-encrypt in place the ESP packet in @pkt (@len bytes, parsed @w) after
 * @edit changed its plaintext (payload+pad+trailer, *@pt_len bytes; @edit
 * may change the length by a multiple of the alignment). Fixes the IP and
 * UDP lengths. Returns the new packet length or 0 if the original did not
 * open.
 */
typedef void (*espt_pt_edit)(uint8_t *pt, size_t *pt_len, void *arg);
size_t espt_reseal(const struct espt_ref *r, uint8_t *pkt, size_t len,
		   uint64_t seq64, espt_pt_edit edit, void *arg);

/* Set the IPv4 total length / IPv6 payload length (and checksum). */
void espt_ip_set_len(uint8_t *pkt, size_t len);

/*
 * For the tests that run SAs on sim_inline: configure and start @port
 * (one queue each way, RX/TX security offloads, promiscuous, RX from
 * @mp). Returns 0 or a negative errno.
 */
int espt_sec_port_start(uint16_t port, struct rte_mempool *mp);
/*
 * The NIC tests' fixture: EAL (test @name, vdev @args), a pool of
 * @nb_mbufs, ports 0 and 1 started with espt_sec_port_start(), a context
 * (IPsec-MB, 64 SAs) with both attached. 0, or -1 on any failure.
 */
int espt_nic_pair_setup(const char *name, const char *const args[],
			unsigned int nb_args, unsigned int nb_mbufs,
			struct rte_mempool **pool, struct dpsec_ctx **ctx);
/*
 * Free it all; -1 if the pool is not full once the ports are closed
 * (reported on stderr), else 0. @pool NULL (the setup failed before it):
 * -1, nothing touched. Call it from main() and use its result: CMocka 1.1
 * does not count a failed group teardown in the exit status.
 */
int espt_nic_pair_teardown(struct dpsec_ctx *ctx, struct rte_mempool *pool);
/* Prepend an Ethernet header (zero MACs, type from the IP version) and set
 * l2_len, as an application does before rte_eth_tx_burst. 0 or -ENOSPC. */
int espt_add_l2(struct rte_mbuf *m);

#endif /* DPSEC_TEST_ESP_TEST_H */
