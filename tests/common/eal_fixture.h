/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TEST_EAL_FIXTURE_H
#define DPSEC_TEST_EAL_FIXTURE_H

/*
 * Shared fixture of the tests that run DPDK: EAL start-up with a unique file
 * prefix (suites run in parallel), mempools, port bring-up, test frames with
 * correct checksums, bounded send/receive loops and small stats helpers.
 *
 * Conventions: 0 / -errno for control helpers, counts for burst helpers,
 * addresses and ports in host byte order in every struct of this header.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

enum {
	TEST_FRAME_MAX = 9800,		/* largest frame the builders make */
	TEST_POOL_SIZE = 8191,		/* default mbufs per pool */
	TEST_RXTX_DESC = 1024,		/* descriptors asked per queue */
	TEST_RX_TIMEOUT_MS = 2000,	/* wait for frames that must come */
	TEST_QUIET_MS = 100,		/* wait for frames that must not */
};

/*
 * Start EAL for test @test_name: --no-huge --no-pci -m 512
 * --file-prefix dpsec-<name>-<pid> --log-level, then @extra_args (e.g.
 * "--vdev", "net_ring0", "-l", "0-1"). Returns what rte_eal_init returns.
 * EAL's runtime directory of that prefix is removed at exit.
 */
int test_eal_init(const char *test_name, const char *const extra_args[],
		  int n_extra);

/* Packet mbuf pool of @n mbufs with @data_room usable bytes after headroom. */
struct rte_mempool *test_pool_create(const char *name, unsigned int n,
				     uint16_t data_room);
/* Objects currently in the pool, per-lcore caches included. */
unsigned int test_pool_avail(const struct rte_mempool *mp);
/*
 * True when every object of the pool is back (nothing leaked or held). When
 * not, says so on stderr (the pool's name, the objects back, its size), so
 * that the failed assertion or teardown that follows names what is missing.
 */
bool test_pool_full(const struct rte_mempool *mp);

/* Create a virtual device and return its port id (the ethdev of @name). */
int test_vdev_create(const char *name, const char *args, uint16_t *port);
/* Stop and close the ethdev of @name if any, then remove the vdev. */
int test_vdev_destroy(const char *name);

/*
 * Configure @port with @conf (NULL: all zero), set up @nb_rxq RX queues
 * taking mbufs from rx_pools[q] (or rx_pools[0] for every queue when
 * @nb_pools is 1) and @nb_txq TX queues, then start it.
 */
int test_port_start(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
		    const struct rte_eth_conf *conf,
		    struct rte_mempool *const rx_pools[], uint16_t nb_pools);
/* Same with one pool for all queues. */
int test_port_start_simple(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
			   const struct rte_eth_conf *conf,
			   struct rte_mempool *rx_pool);

/* IPv4 address in host order (RTE_IPV4 shifts a signed int: UB >= 128). */
#define TEST_IPV4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

/* What a test frame looks like. */
enum test_l4 {
	TEST_L4_UDP,
	TEST_L4_TCP,
	TEST_L4_ESP,
	TEST_L4_OTHER,	/* IP protocol 253 (RFC 3692), payload only */
	TEST_L4_NONE,	/* not IP at all: ethertype 0x88b5, payload only */
};

struct test_frame {
	struct rte_ether_addr dst_mac, src_mac;
	uint8_t ip_ver;			/* 4 or 6 (ignored for TEST_L4_NONE) */
	enum test_l4 l4;
	uint32_t src4, dst4;		/* host order */
	uint8_t src6[16], dst6[16];	/* network order, as on the wire */
	uint16_t sport, dport;		/* host order (UDP/TCP) */
	uint32_t spi, esp_seq;		/* host order (ESP) */
	uint16_t payload_len;		/* bytes after the L4 header */
	uint32_t tag;			/* written at the start of the payload */
};

/* Size of the IP header of @f (0 for non-IP). */
uint16_t test_frame_l3_hdr_len(const struct test_frame *f);
/* Size of the L4 header of @f (UDP 8, TCP 20, ESP 8, other 0). */
uint16_t test_frame_l4_hdr_len(const struct test_frame *f);
/* L3 length (IP header + L4 header + payload) of @f; 0 for non-IP. */
uint16_t test_frame_l3_len(const struct test_frame *f);
/* Payload length that makes the L3 length of @f equal to @l3_len. */
uint16_t test_frame_payload_for_l3(const struct test_frame *f, uint16_t l3_len);

/*
 * Write the frame into @buf (IP and TCP/UDP checksums correct, payload a
 * pattern derived from @tag). Returns the frame length, 0 if @cap is short.
 */
size_t test_frame_write(const struct test_frame *f, uint8_t *buf, size_t cap);
/* Read back the tag of a frame built by test_frame_write (UINT32_MAX: none). */
uint32_t test_frame_tag(const struct rte_mbuf *m);

/* A packet mbuf holding @len bytes of @buf split in @nb_segs segments. */
struct rte_mbuf *test_mbuf_from_bytes(struct rte_mempool *mp,
				      const uint8_t *buf, size_t len,
				      unsigned int nb_segs);
/* One-segment mbuf holding frame @f (l2_len/l3_len filled in). */
struct rte_mbuf *test_frame_mbuf(struct rte_mempool *mp,
				 const struct test_frame *f);
/* True when @m (any number of segments) holds exactly @len bytes of @buf. */
bool test_mbuf_equals(const struct rte_mbuf *m, const uint8_t *buf,
		      size_t len);
/* Copy the packet data of @m into @buf; returns pkt_len or 0 if too big. */
size_t test_mbuf_copy(const struct rte_mbuf *m, uint8_t *buf, size_t cap);

/*
 * Transmit all @nb frames on @port/@queue, retrying on back-pressure until
 * @timeout_ms. Returns the number accepted (frames not accepted stay owned
 * by the caller).
 */
uint16_t test_tx_all(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
		     uint16_t nb, unsigned int timeout_ms);

/*
 * Poll @port/@queue until @want frames arrived or @timeout_ms passed; at
 * most @cap are stored. Returns the number received.
 */
uint16_t test_rx_poll(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
		      uint16_t want, uint16_t cap, unsigned int timeout_ms);
/*
 * Poll every queue 0..@nb_queues-1 of @port round robin until @want frames
 * arrived in total or @timeout_ms passed; queue_of[i] gets the queue of
 * pkts[i] when not NULL. Returns the number received.
 */
uint16_t test_rx_poll_all(uint16_t port, uint16_t nb_queues,
			  struct rte_mbuf **pkts, uint16_t *queue_of,
			  uint16_t want, uint16_t cap,
			  unsigned int timeout_ms);
/* Receive and free everything that arrives on @port within @ms; count. */
unsigned int test_rx_drain(uint16_t port, uint16_t nb_queues, unsigned int ms);

void test_free_bulk(struct rte_mbuf **pkts, unsigned int nb);

/* Value of the xstat called @name on @port; -ENOENT if there is none. */
int test_xstat_get(uint16_t port, const char *name, uint64_t *value);
/* Same, returning UINT64_MAX when the xstat is missing (for assertions). */
uint64_t test_xstat(uint16_t port, const char *name);

/* Sleep-free busy wait helpers. */
uint64_t test_ms_to_cycles(unsigned int ms);
void test_delay_ms(unsigned int ms);

#endif /* DPSEC_TEST_EAL_FIXTURE_H */
