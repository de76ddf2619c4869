/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline RSS: Toeplitz hash over IPv4/IPv6 addresses, TCP/UDP ports
 * and the ESP SPI, 128-entry RETA, key and RETA updates. Expected hashes
 * come from rte_softrss and from the Microsoft RSS verification suite.
 * Contract: doc/sim_inline.md, "RSS".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_thash.h>

#include "eal_fixture.h"
#include "sim_pair.h"

enum {
	NB_RXQ = 4,
	RETA_SIZE = 128,
	KEY_LEN = 40,
	FLOWS_PER_TYPE = 40,
	MAX_FLOWS = 512,
};

/* The Microsoft key most NICs default to (40 bytes). */
static const uint8_t ms_key[KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const uint64_t all_hf = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_IPV6 |
	RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
	RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
	RTE_ETH_RSS_ESP;

static struct test_frame flows[MAX_FLOWS];
static struct rte_mbuf *rx[MAX_FLOWS];
static uint16_t rxq_of[MAX_FLOWS];

/* ---- independent model of the hash ---- */

/* Which hash input applies to @f under @hf: 0 none, 1 L3, 2 L3 + L4. */
static int
hash_input(const struct test_frame *f, uint64_t hf)
{
	bool v4 = f->ip_ver == 4;

	if (f->l4 == TEST_L4_NONE)
		return 0;
	switch (f->l4) {
	case TEST_L4_UDP:
		if (hf & (v4 ? RTE_ETH_RSS_NONFRAG_IPV4_UDP :
			       RTE_ETH_RSS_NONFRAG_IPV6_UDP))
			return 2;
		break;
	case TEST_L4_TCP:
		if (hf & (v4 ? RTE_ETH_RSS_NONFRAG_IPV4_TCP :
			       RTE_ETH_RSS_NONFRAG_IPV6_TCP))
			return 2;
		break;
	case TEST_L4_ESP:
		if (hf & RTE_ETH_RSS_ESP)
			return 2;
		break;
	default:
		break;
	}
	return hf & (v4 ? RTE_ETH_RSS_IPV4 : RTE_ETH_RSS_IPV6) ? 1 : 0;
}

static uint32_t
model_hash(const struct test_frame *f, uint64_t hf, const uint8_t *key)
{
	union rte_thash_tuple t;
	int in = hash_input(f, hf);
	uint32_t l4word;

	if (in == 0)
		return 0;
	memset(&t, 0, sizeof(t));
	if (f->l4 == TEST_L4_ESP)
		l4word = f->spi;
	else
		l4word = (uint32_t)f->sport << 16 | f->dport;
	if (f->ip_ver == 4) {
		t.v4.src_addr = f->src4;
		t.v4.dst_addr = f->dst4;
		t.v4.sctp_tag = l4word;
		return rte_softrss((uint32_t *)&t, in == 2 ?
				   RTE_THASH_V4_L4_LEN : RTE_THASH_V4_L3_LEN,
				   key);
	}
	/* Addresses as host-order 32-bit words, like rte_thash_load_v6_addrs. */
	for (int i = 0; i < 4; i++) {
		uint32_t s, d;

		memcpy(&s, f->src6 + 4 * i, 4);
		memcpy(&d, f->dst6 + 4 * i, 4);
		s = rte_be_to_cpu_32(s);
		d = rte_be_to_cpu_32(d);
		memcpy(t.v6.src_addr + 4 * i, &s, 4);
		memcpy(t.v6.dst_addr + 4 * i, &d, 4);
	}
	t.v6.sctp_tag = l4word;
	return rte_softrss((uint32_t *)&t, in == 2 ?
			   RTE_THASH_V6_L4_LEN : RTE_THASH_V6_L3_LEN, key);
}

/* ---- helpers ---- */

static const char *
l4_name(enum test_l4 l4)
{
	static const char *const names[] = { "UDP", "TCP", "ESP", "other",
					     "non-IP" };

	return names[l4];
}

/* Print the first few mismatches; the caller fails after cleaning up. */
static void report(unsigned int *errors, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
report(unsigned int *errors, const char *fmt, ...)
{
	va_list ap;

	if ((*errors)++ >= 8)
		return;
	va_start(ap, fmt);
	vprint_error(fmt, ap);
	va_end(ap);
	print_error("\n");
}

static uint32_t lcg_state;

static uint32_t
lcg(void)
{
	lcg_state = lcg_state * 1664525u + 1013904223u;
	return lcg_state;
}

static void
start_rss(struct sim_pair *sp, uint64_t hf, const uint8_t *key)
{
	struct rte_eth_conf conf = {
		.rxmode = {
			.mq_mode = RTE_ETH_MQ_RX_RSS,
			.offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH,
		},
		.rx_adv_conf.rss_conf = {
			.rss_key = (uint8_t *)(uintptr_t)key,
			.rss_key_len = key != NULL ? KEY_LEN : 0,
			.rss_hf = hf,
		},
	};
	struct rte_eth_dev_info info;

	assert_int_equal(rte_eth_dev_info_get(sp->port[1], &info), 0);
	assert_int_equal(info.reta_size, RETA_SIZE);
	assert_int_equal(info.hash_key_size, KEY_LEN);
	assert_true((info.flow_type_rss_offloads & all_hf) == all_hf);
	assert_true(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH);
	assert_true(info.max_rx_queues >= 16);
	assert_int_equal(test_port_start_simple(sp->port[0], 1, 1, NULL,
						sp->rx_pool[0]), 0);
	assert_int_equal(test_port_start_simple(sp->port[1], NB_RXQ, 1, &conf,
						sp->rx_pool[1]), 0);
}

static void
reta_get(uint16_t port, uint16_t reta[RETA_SIZE])
{
	struct rte_eth_rss_reta_entry64 conf[RETA_SIZE / RTE_ETH_RETA_GROUP_SIZE];

	memset(conf, 0, sizeof(conf));
	for (size_t g = 0; g < RTE_DIM(conf); g++)
		conf[g].mask = UINT64_MAX;
	assert_int_equal(rte_eth_dev_rss_reta_query(port, conf, RETA_SIZE), 0);
	for (int i = 0; i < RETA_SIZE; i++)
		reta[i] = conf[i / RTE_ETH_RETA_GROUP_SIZE]
				.reta[i % RTE_ETH_RETA_GROUP_SIZE];
}

/* Random flows: @per_type of each IPv4/IPv6 x UDP/TCP/ESP, plus extras. */
static unsigned int
make_flows(const struct sim_pair *sp, unsigned int per_type, uint32_t seed)
{
	static const enum test_l4 l4s[] = { TEST_L4_UDP, TEST_L4_TCP,
					    TEST_L4_ESP };
	unsigned int n = 0;

	lcg_state = seed;
	for (int v = 0; v < 2; v++)
		for (size_t l = 0; l < RTE_DIM(l4s); l++)
			for (unsigned int i = 0; i < per_type; i++, n++) {
				struct test_frame *f = &flows[n];

				sim_frame_init(f, sp->port[0], sp->port[1],
					       v ? 6 : 4, l4s[l], 32, n);
				f->src4 = lcg();
				f->dst4 = lcg();
				for (int b = 0; b < 16; b += 4) {
					uint32_t r1 = lcg(), r2 = lcg();

					memcpy(f->src6 + b, &r1, 4);
					memcpy(f->dst6 + b, &r2, 4);
				}
				f->sport = (uint16_t)(lcg() >> 8);
				f->dport = (uint16_t)(lcg() >> 8);
				f->spi = lcg() | 0x100;
			}
	/* Not IP at all, and IPv4/IPv6 with another protocol. */
	sim_frame_init(&flows[n], sp->port[0], sp->port[1], 4, TEST_L4_NONE,
		       46, n);
	n++;
	sim_frame_init(&flows[n], sp->port[0], sp->port[1], 4, TEST_L4_OTHER,
		       40, n);
	n++;
	sim_frame_init(&flows[n], sp->port[0], sp->port[1], 6, TEST_L4_OTHER,
		       40, n);
	n++;
	return n;
}

/*
 * Send flows[0..n-1] from port 0, receive them on port 1's NB_RXQ queues
 * and check queue and hash of each against the model.
 */
static void
send_and_check(struct sim_pair *sp, unsigned int n, uint64_t hf,
	       const uint8_t *key, const uint16_t reta[RETA_SIZE],
	       unsigned int per_queue[NB_RXQ])
{
	struct rte_mbuf *tx[MAX_FLOWS];
	unsigned int errors = 0;
	uint16_t got;

	for (unsigned int i = 0; i < n; i++) {
		tx[i] = test_frame_mbuf(sp->tx_pool, &flows[i]);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, tx, (uint16_t)n, 1000),
			 n);
	got = test_rx_poll_all(sp->port[1], NB_RXQ, rx, rxq_of, (uint16_t)n,
			       MAX_FLOWS, TEST_RX_TIMEOUT_MS);
	if (got != n)
		report(&errors, "%u of %u frames received", got, n);
	memset(per_queue, 0, NB_RXQ * sizeof(per_queue[0]));
	for (uint16_t i = 0; i < got; i++) {
		uint32_t tag = test_frame_tag(rx[i]);
		const struct test_frame *f;
		uint32_t want;
		uint16_t wantq;
		bool hashed;

		if (tag >= n) {
			report(&errors, "frame with unknown tag %u", tag);
			continue;
		}
		f = &flows[tag];
		hashed = hash_input(f, hf) != 0;
		want = model_hash(f, hf, key);
		wantq = hashed ? reta[want % RETA_SIZE] : 0;
		per_queue[rxq_of[i]]++;
		if (rxq_of[i] != wantq)
			report(&errors, "flow %u (IPv%u l4 %s): queue %u, want %u (hash 0x%08x)",
			       tag, f->ip_ver, l4_name(f->l4), rxq_of[i], wantq,
			       want);
		if (!hashed) {
			/* Not hashed: hash 0 if any is reported. */
			if ((rx[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) &&
			    rx[i]->hash.rss != 0)
				report(&errors, "flow %u (IPv%u l4 %s): hash 0x%08x, want 0",
				       tag, f->ip_ver, l4_name(f->l4),
				       rx[i]->hash.rss);
			continue;
		}
		if (!(rx[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH))
			report(&errors, "flow %u: RTE_MBUF_F_RX_RSS_HASH not set",
			       tag);
		else if (rx[i]->hash.rss != want)
			report(&errors, "flow %u (IPv%u l4 %s): hash 0x%08x, want 0x%08x",
			       tag, f->ip_ver, l4_name(f->l4), rx[i]->hash.rss,
			       want);
	}
	test_free_bulk(rx, got);
	if (errors > 0)
		fail_msg("%u of %u frames misdelivered (first ones above)",
			 errors, n);
}

/* ---- tests ---- */

/* Default key and RETA; every frame lands on reta[hash % 128]. */
static void
test_rss_default(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_eth_rss_conf rc;
	uint8_t key[KEY_LEN + 8];
	uint16_t reta[RETA_SIZE];
	unsigned int per_queue[NB_RXQ], n;

	start_rss(sp, all_hf, NULL);

	memset(key, 0, sizeof(key));
	rc = (struct rte_eth_rss_conf){ .rss_key = key,
					.rss_key_len = KEY_LEN };
	assert_int_equal(rte_eth_dev_rss_hash_conf_get(sp->port[1], &rc), 0);
	assert_memory_equal(key, ms_key, KEY_LEN);
	assert_int_equal(rc.rss_hf, all_hf);

	reta_get(sp->port[1], reta);
	for (int i = 0; i < RETA_SIZE; i++)
		assert_true(reta[i] < NB_RXQ);

	n = make_flows(sp, FLOWS_PER_TYPE, 1);
	send_and_check(sp, n, all_hf, ms_key, reta, per_queue);
	for (int q = 0; q < NB_RXQ; q++)
		if (per_queue[q] == 0)
			fail_msg("queue %d got nothing of %u flows", q, n);
}

/* Microsoft RSS verification suite (82599 datasheet 7.1.2.8.3). */
static void
test_rss_verification_suite(void **state)
{
	static const struct {
		uint32_t src, dst;
		uint16_t sport, dport;
		uint32_t hash_l3, hash_l4;
	} v4[] = {
		{ TEST_IPV4(66, 9, 149, 187), TEST_IPV4(161, 142, 100, 80),
		  2794, 1766, 0x323e8fc2, 0x51ccc178 },
		{ TEST_IPV4(199, 92, 111, 2), TEST_IPV4(65, 69, 140, 83),
		  14230, 4739, 0xd718262a, 0xc626b0ea },
		{ TEST_IPV4(24, 19, 198, 95), TEST_IPV4(12, 22, 207, 184),
		  12898, 38024, 0xd2d0a5de, 0x5c2b394a },
		{ TEST_IPV4(38, 27, 205, 30), TEST_IPV4(209, 142, 163, 6),
		  48228, 2217, 0x82989176, 0xafc7327f },
		{ TEST_IPV4(153, 39, 163, 191), TEST_IPV4(202, 188, 127, 2),
		  44251, 1303, 0x5d1809c5, 0x10e828a2 },
	};
	static const struct {
		uint8_t src[16], dst[16];
		uint16_t sport, dport;
		uint32_t hash_l3, hash_l4;
	} v6[] = {
		/* As in DPDK's app/test/test_thash.c: the hashes are over
		 * (src, dst, sport, dport) with these sources. */
		{ /* 3ffe:2501:200:1fff::7 -> 3ffe:2501:200:3::1 */
		  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff,
		    0, 0, 0, 0, 0, 0, 0, 0x07 },
		  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03,
		    0, 0, 0, 0, 0, 0, 0, 0x01 },
		  2794, 1766, 0x2cc18cd5, 0x40207d3d },
		{ /* 3ffe:501:8::260:97ff:fe40:efab -> ff02::1 */
		  { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0x00, 0x00,
		    0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab },
		  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 },
		  14230, 4739, 0x0f0c461c, 0xdde51bbf },
		{ /* 3ffe:1900:4545:3:200:f8ff:fe21:67cf -> fe80::200:f8ff:fe21:67cf */
		  { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03,
		    0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
		  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
		    0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
		  44251, 38024, 0x4b61e985, 0x02d1feef },
	};
	/* Each vector as TCP and UDP (L3+L4 hash) and as proto 253 (L3). */
	static const enum test_l4 l4s[] = { TEST_L4_TCP, TEST_L4_UDP,
					    TEST_L4_OTHER };
	struct sim_pair *sp = *state;
	uint32_t want[MAX_FLOWS];
	struct rte_mbuf *tx[MAX_FLOWS];
	unsigned int n = 0;
	uint16_t got;

	start_rss(sp, all_hf, NULL);
	for (size_t l = 0; l < RTE_DIM(l4s); l++) {
		for (size_t i = 0; i < RTE_DIM(v4); i++, n++) {
			sim_frame_init(&flows[n], sp->port[0], sp->port[1], 4,
				       l4s[l], 30, n);
			flows[n].src4 = v4[i].src;
			flows[n].dst4 = v4[i].dst;
			flows[n].sport = v4[i].sport;
			flows[n].dport = v4[i].dport;
			want[n] = l4s[l] == TEST_L4_OTHER ? v4[i].hash_l3 :
							    v4[i].hash_l4;
		}
		for (size_t i = 0; i < RTE_DIM(v6); i++, n++) {
			sim_frame_init(&flows[n], sp->port[0], sp->port[1], 6,
				       l4s[l], 30, n);
			memcpy(flows[n].src6, v6[i].src, 16);
			memcpy(flows[n].dst6, v6[i].dst, 16);
			flows[n].sport = v6[i].sport;
			flows[n].dport = v6[i].dport;
			want[n] = l4s[l] == TEST_L4_OTHER ? v6[i].hash_l3 :
							    v6[i].hash_l4;
		}
	}
	/* The model itself must reproduce the published values. */
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(model_hash(&flows[i], all_hf, ms_key), want[i]);

	for (unsigned int i = 0; i < n; i++) {
		tx[i] = test_frame_mbuf(sp->tx_pool, &flows[i]);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, tx, (uint16_t)n, 1000),
			 n);
	got = test_rx_poll_all(sp->port[1], NB_RXQ, rx, rxq_of, (uint16_t)n,
			       MAX_FLOWS, TEST_RX_TIMEOUT_MS);
	assert_int_equal(got, n);
	for (uint16_t i = 0; i < got; i++) {
		uint32_t tag = test_frame_tag(rx[i]);

		assert_true(tag < n);
		assert_true(rx[i]->ol_flags & RTE_MBUF_F_RX_RSS_HASH);
		if (rx[i]->hash.rss != want[tag])
			fail_msg("vector %u (IPv%u l4 %d): hash 0x%08x, want 0x%08x",
				 tag, flows[tag].ip_ver, flows[tag].l4,
				 rx[i]->hash.rss, want[tag]);
	}
	test_free_bulk(rx, got);
}

/* reta_update moves traffic; a partial mask only touches its entries. */
static void
test_rss_reta_update(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_eth_rss_reta_entry64 conf[RETA_SIZE / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t set[RETA_SIZE], got_reta[RETA_SIZE];
	unsigned int per_queue[NB_RXQ], n;

	start_rss(sp, all_hf, NULL);
	/* Blocks of 32 entries per queue, in reverse: unlike any default. */
	memset(conf, 0, sizeof(conf));
	for (int i = 0; i < RETA_SIZE; i++) {
		set[i] = (uint16_t)(NB_RXQ - 1 - i / (RETA_SIZE / NB_RXQ));
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask = UINT64_MAX;
		conf[i / RTE_ETH_RETA_GROUP_SIZE]
			.reta[i % RTE_ETH_RETA_GROUP_SIZE] = set[i];
	}
	assert_int_equal(rte_eth_dev_rss_reta_update(sp->port[1], conf,
						     RETA_SIZE), 0);
	reta_get(sp->port[1], got_reta);
	assert_memory_equal(got_reta, set, sizeof(set));

	n = make_flows(sp, FLOWS_PER_TYPE, 2);
	send_and_check(sp, n, all_hf, ms_key, set, per_queue);

	/* Only the odd entries of group 1 go to queue 0. */
	memset(conf, 0, sizeof(conf));
	for (int i = RTE_ETH_RETA_GROUP_SIZE; i < RETA_SIZE; i += 2) {
		conf[1].mask |= UINT64_C(1) << (i - RTE_ETH_RETA_GROUP_SIZE);
		conf[1].reta[i - RTE_ETH_RETA_GROUP_SIZE] = 0;
		set[i] = 0;
	}
	assert_int_equal(rte_eth_dev_rss_reta_update(sp->port[1], conf,
						     RETA_SIZE), 0);
	reta_get(sp->port[1], got_reta);
	assert_memory_equal(got_reta, set, sizeof(set));
	n = make_flows(sp, FLOWS_PER_TYPE, 3);
	send_and_check(sp, n, all_hf, ms_key, set, per_queue);

	/* A queue that does not exist is refused. */
	memset(conf, 0, sizeof(conf));
	conf[0].mask = 1;
	conf[0].reta[0] = NB_RXQ;
	assert_true(rte_eth_dev_rss_reta_update(sp->port[1], conf,
						RETA_SIZE) < 0);
}

/* rss_hash_update with a new key and rss_hf; conf_get returns them. */
static void
test_rss_key_update(void **state)
{
	struct sim_pair *sp = *state;
	uint8_t key[KEY_LEN], got_key[KEY_LEN];
	struct rte_eth_rss_conf rc;
	uint16_t reta[RETA_SIZE];
	unsigned int per_queue[NB_RXQ], n, differ = 0;
	const uint64_t v4udp = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_UDP;

	start_rss(sp, all_hf, NULL);
	reta_get(sp->port[1], reta);
	lcg_state = 77;
	for (int i = 0; i < KEY_LEN; i++)
		key[i] = (uint8_t)(lcg() >> 24);

	rc = (struct rte_eth_rss_conf){ .rss_key = key, .rss_key_len = KEY_LEN,
					.rss_hf = all_hf };
	assert_int_equal(rte_eth_dev_rss_hash_update(sp->port[1], &rc), 0);
	memset(got_key, 0, sizeof(got_key));
	rc = (struct rte_eth_rss_conf){ .rss_key = got_key,
					.rss_key_len = KEY_LEN };
	assert_int_equal(rte_eth_dev_rss_hash_conf_get(sp->port[1], &rc), 0);
	assert_memory_equal(got_key, key, KEY_LEN);
	assert_int_equal(rc.rss_hf, all_hf);

	n = make_flows(sp, FLOWS_PER_TYPE, 4);
	for (unsigned int i = 0; i < n; i++)
		differ += model_hash(&flows[i], all_hf, key) !=
			  model_hash(&flows[i], all_hf, ms_key);
	assert_true(differ > n / 2);
	send_and_check(sp, n, all_hf, key, reta, per_queue);

	/* Only IPv4 (+UDP) hashed: IPv6 and non-IP frames go to queue 0. */
	rc = (struct rte_eth_rss_conf){ .rss_key = NULL, .rss_hf = v4udp };
	assert_int_equal(rte_eth_dev_rss_hash_update(sp->port[1], &rc), 0);
	memset(got_key, 0, sizeof(got_key));
	rc = (struct rte_eth_rss_conf){ .rss_key = got_key,
					.rss_key_len = KEY_LEN };
	assert_int_equal(rte_eth_dev_rss_hash_conf_get(sp->port[1], &rc), 0);
	assert_int_equal(rc.rss_hf, v4udp);
	assert_memory_equal(got_key, key, KEY_LEN);	/* key kept */
	n = make_flows(sp, FLOWS_PER_TYPE, 5);
	/* Drop the IPv4 TCP/ESP flows: their L3-only treatment is not
	 * pinned down by the contract. */
	{
		unsigned int k = 0;

		for (unsigned int i = 0; i < n; i++) {
			const struct test_frame *f = &flows[i];

			if (f->ip_ver == 4 && (f->l4 == TEST_L4_TCP ||
					       f->l4 == TEST_L4_ESP))
				continue;
			flows[k] = flows[i];
			flows[k].tag = k;
			k++;
		}
		n = k;
	}
	send_and_check(sp, n, v4udp, key, reta, per_queue);

	/* A key of the wrong size is refused. */
	rc = (struct rte_eth_rss_conf){ .rss_key = key, .rss_key_len = 16,
					.rss_hf = all_hf };
	assert_true(rte_eth_dev_rss_hash_update(sp->port[1], &rc) < 0);
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-rss", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rss_default,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rss_verification_suite,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rss_reta_update,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rss_key_update,
			sim_pair_setup, sim_pair_teardown),
	};

	return cmocka_run_group_tests_name("pmd-rss", tests, group_setup,
					   sim_eal_teardown);
}
