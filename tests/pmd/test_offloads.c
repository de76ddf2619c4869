/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline NIC features on a ring pair: MTU on RX and TX, the MAC
 * filter (promiscuous / all-multicast / mac= devarg), checksum offload in
 * both directions with packet types, and RX scatter.
 * Contract: doc/sim_inline.md, "NIC behaviour".
 */
#include <inttypes.h>
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
#include <rte_tcp.h>
#include <rte_udp.h>

#include "eal_fixture.h"
#include "sim_pair.h"

enum {
	MAX_PKTS = 256,
};

static struct rte_mbuf *rx[MAX_PKTS];

static void
start_pair(struct sim_pair *sp, const struct rte_eth_conf *c0,
	   const struct rte_eth_conf *c1)
{
	assert_int_equal(test_port_start_simple(sp->port[0], 1, 1, c0,
						sp->rx_pool[0]), 0);
	assert_int_equal(test_port_start_simple(sp->port[1], 1, 1, c1,
						sp->rx_pool[1]), 0);
}

static void
send_frames(struct sim_pair *sp, int from, struct test_frame *f,
	    unsigned int n)
{
	struct rte_mbuf *tx[MAX_PKTS];

	for (unsigned int i = 0; i < n; i++) {
		tx[i] = test_frame_mbuf(sp->tx_pool, &f[i]);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(sp->port[from], 0, tx, (uint16_t)n, 1000),
			 n);
}

/* Receive on @port for a while; set seen[tag] for each frame (tag < n). */
static unsigned int
receive_tags(uint16_t port, bool *seen, unsigned int n, unsigned int want)
{
	uint16_t got = test_rx_poll(port, 0, rx, (uint16_t)want, MAX_PKTS,
				    TEST_RX_TIMEOUT_MS);

	/* Then a short quiet period: nothing else may arrive. */
	got += test_rx_poll(port, 0, rx + got, MAX_PKTS, MAX_PKTS - got,
			    TEST_QUIET_MS);
	memset(seen, 0, n * sizeof(*seen));
	for (uint16_t i = 0; i < got; i++) {
		uint32_t tag = test_frame_tag(rx[i]);

		assert_true(tag < n);
		assert_false(seen[tag]);
		seen[tag] = true;
	}
	test_free_bulk(rx, got);
	return got;
}

/* ---- MTU ---- */

static void
test_mtu_rx(void **state)
{
	static const struct {
		uint8_t ip_ver;
		enum test_l4 l4;
		uint16_t l3_len;
		bool pass;
	} rows[] = {
		{ 4, TEST_L4_UDP, 1000, true },
		{ 4, TEST_L4_UDP, 1001, false },
		{ 4, TEST_L4_TCP, 999, true },
		{ 4, TEST_L4_TCP, 1400, false },
		{ 6, TEST_L4_UDP, 1000, true },
		{ 6, TEST_L4_UDP, 1001, false },
		{ 6, TEST_L4_ESP, 1000, true },
		{ 4, TEST_L4_ESP, 1001, false },
		{ 4, TEST_L4_OTHER, 1000, true },
		{ 4, TEST_L4_OTHER, 1500, false },
	};
	struct sim_pair *sp = *state;
	struct test_frame f[RTE_DIM(rows)];
	bool seen[RTE_DIM(rows)];
	unsigned int pass = 0, drop = 0;
	uint16_t mtu = 0;
	struct rte_eth_stats st;

	start_pair(sp, NULL, NULL);
	assert_int_equal(rte_eth_dev_get_mtu(sp->port[1], &mtu), 0);
	assert_int_equal(mtu, 1500);
	assert_int_equal(rte_eth_dev_set_mtu(sp->port[1], 1000), 0);
	assert_int_equal(rte_eth_dev_get_mtu(sp->port[1], &mtu), 0);
	assert_int_equal(mtu, 1000);

	for (size_t i = 0; i < RTE_DIM(rows); i++) {
		sim_frame_init(&f[i], sp->port[0], sp->port[1], rows[i].ip_ver,
			       rows[i].l4, 0, (uint32_t)i);
		f[i].payload_len = test_frame_payload_for_l3(&f[i],
							     rows[i].l3_len);
		assert_int_equal(test_frame_l3_len(&f[i]), rows[i].l3_len);
		pass += rows[i].pass;
		drop += !rows[i].pass;
	}
	send_frames(sp, 0, f, RTE_DIM(rows));
	assert_int_equal(receive_tags(sp->port[1], seen, RTE_DIM(rows), pass),
			 pass);
	for (size_t i = 0; i < RTE_DIM(rows); i++)
		if (seen[i] != rows[i].pass)
			fail_msg("IPv%u l4 %d L3 length %u with MTU 1000: %s",
				 rows[i].ip_ver, rows[i].l4, rows[i].l3_len,
				 seen[i] ? "received" : "dropped");
	assert_int_equal(test_xstat(sp->port[1], "rx_oversize"), drop);
	assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
	assert_int_equal(st.ierrors, drop);
	assert_int_equal(st.ipackets, pass);
	/* The sender had nothing to complain about (its MTU is 1500). */
	assert_int_equal(test_xstat(sp->port[0], "tx_oversize"), 0);
}

static void
test_mtu_tx(void **state)
{
	struct sim_pair *sp = *state;
	struct test_frame f[3];
	bool seen[3];
	struct rte_eth_stats st;

	start_pair(sp, NULL, NULL);
	assert_int_equal(rte_eth_dev_set_mtu(sp->port[0], 1000), 0);
	for (uint32_t i = 0; i < 3; i++) {
		sim_frame_init(&f[i], sp->port[0], sp->port[1], 4, TEST_L4_UDP,
			       0, i);
		f[i].payload_len = test_frame_payload_for_l3(&f[i],
							     i == 1 ? 1001 : 1000);
	}
	/* tx_burst takes all three (it only refuses on back-pressure). */
	send_frames(sp, 0, f, 3);
	assert_int_equal(receive_tags(sp->port[1], seen, 3, 2), 2);
	assert_true(seen[0]);
	assert_false(seen[1]);
	assert_true(seen[2]);
	assert_int_equal(test_xstat(sp->port[0], "tx_oversize"), 1);
	assert_int_equal(rte_eth_stats_get(sp->port[0], &st), 0);
	assert_int_equal(st.oerrors, 1);
	assert_int_equal(st.opackets, 2);
	/* The dropped frame was freed. */
	assert_true(test_pool_full(sp->tx_pool));
}

static void
test_mtu_range(void **state)
{
	static const struct {
		uint16_t mtu;
		bool ok;
	} rows[] = {
		{ 0, false }, { 67, false }, { 68, true }, { 1500, true },
		{ 9000, true }, { 9600, true }, { 9601, false },
		{ UINT16_MAX, false },
	};
	struct sim_pair *sp = *state;
	struct rte_eth_dev_info info;
	uint16_t mtu;

	start_pair(sp, NULL, NULL);
	assert_int_equal(rte_eth_dev_info_get(sp->port[0], &info), 0);
	assert_int_equal(info.min_mtu, 68);
	assert_int_equal(info.max_mtu, 9600);
	for (size_t i = 0; i < RTE_DIM(rows); i++) {
		uint16_t before;
		int ret;

		assert_int_equal(rte_eth_dev_get_mtu(sp->port[0], &before), 0);
		ret = rte_eth_dev_set_mtu(sp->port[0], rows[i].mtu);
		if ((ret == 0) != rows[i].ok)
			fail_msg("set_mtu(%u) returned %d", rows[i].mtu, ret);
		assert_int_equal(rte_eth_dev_get_mtu(sp->port[0], &mtu), 0);
		assert_int_equal(mtu, rows[i].ok ? rows[i].mtu : before);
	}
}

/* ---- MAC filter ---- */

static void
test_mac_filter(void **state)
{
	static const struct rte_ether_addr other = {{ 0x02, 0, 0, 0, 0, 0x99 }};
	static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff,
						      0xff, 0xff }};
	static const struct rte_ether_addr mcast4 = {{ 0x01, 0x00, 0x5e, 0x00,
						       0x00, 0xfb }};
	static const struct rte_ether_addr mcast6 = {{ 0x33, 0x33, 0, 0, 0,
						       0x01 }};
	enum { OWN, OTHER, BCAST, MCAST4, MCAST6, NB_DST };
	static const struct {
		bool promisc, allmulti;
		bool pass[NB_DST];
	} phases[] = {
		{ false, false, { true, false, true, false, false } },
		{ false, true, { true, false, true, true, true } },
		{ true, false, { true, true, true, true, true } },
		{ true, true, { true, true, true, true, true } },
	};
	struct sim_pair *sp = *state;
	uint64_t filtered = 0;

	start_pair(sp, NULL, NULL);
	for (size_t p = 0; p < RTE_DIM(phases); p++) {
		struct test_frame f[NB_DST];
		bool seen[NB_DST];
		unsigned int pass = 0;

		assert_int_equal(phases[p].promisc ?
				 rte_eth_promiscuous_enable(sp->port[1]) :
				 rte_eth_promiscuous_disable(sp->port[1]), 0);
		assert_int_equal(phases[p].allmulti ?
				 rte_eth_allmulticast_enable(sp->port[1]) :
				 rte_eth_allmulticast_disable(sp->port[1]), 0);
		assert_int_equal(rte_eth_promiscuous_get(sp->port[1]),
				 phases[p].promisc);
		assert_int_equal(rte_eth_allmulticast_get(sp->port[1]),
				 phases[p].allmulti);
		for (int d = 0; d < NB_DST; d++) {
			sim_frame_init(&f[d], sp->port[0], sp->port[1], 4,
				       TEST_L4_UDP, 64, (uint32_t)d);
			pass += phases[p].pass[d];
		}
		f[OTHER].dst_mac = other;
		f[BCAST].dst_mac = bcast;
		f[MCAST4].dst_mac = mcast4;
		f[MCAST6].dst_mac = mcast6;
		send_frames(sp, 0, f, NB_DST);
		assert_int_equal(receive_tags(sp->port[1], seen, NB_DST, pass),
				 pass);
		for (int d = 0; d < NB_DST; d++)
			if (seen[d] != phases[p].pass[d])
				fail_msg("promisc %d allmulti %d dst %d: %s",
					 phases[p].promisc, phases[p].allmulti,
					 d, seen[d] ? "received" : "dropped");
		filtered += NB_DST - pass;
		assert_int_equal(test_xstat(sp->port[1], "rx_mac_filtered"),
				 filtered);
	}
}

/* mac= sets the port's address; the default is 02:53:49:4d:00:<N>. */
static void
test_mac_devarg(void **state)
{
	static const struct rte_ether_addr set = {{ 0x02, 0x11, 0x22, 0x33,
						    0x44, 0x55 }};
	static const struct rte_ether_addr def3 = {{ 0x02, 0x53, 0x49, 0x4d,
						     0x00, 0x03 }};
	static const struct rte_ether_addr def2 = {{ 0x02, 0x53, 0x49, 0x4d,
						     0x00, 0x02 }};
	struct sim_pair *sp = *state;
	struct rte_ether_addr got;
	struct test_frame f[2];
	bool seen[2];

	assert_int_equal(sim_pair_create(sp, 2, "mac=02:11:22:33:44:55",
					 3, NULL), 0);
	assert_int_equal(rte_eth_macaddr_get(sp->port[0], &got), 0);
	assert_true(rte_is_same_ether_addr(&got, &set));
	assert_int_equal(rte_eth_macaddr_get(sp->port[1], &got), 0);
	assert_true(rte_is_same_ether_addr(&got, &def3));

	start_pair(sp, NULL, NULL);
	assert_int_equal(rte_eth_promiscuous_disable(sp->port[0]), 0);
	/* To the configured address: received; to the default one: not. */
	sim_frame_init(&f[0], sp->port[1], sp->port[0], 4, TEST_L4_UDP, 64, 0);
	sim_frame_init(&f[1], sp->port[1], sp->port[0], 4, TEST_L4_UDP, 64, 1);
	assert_true(rte_is_same_ether_addr(&f[0].dst_mac, &set));
	f[1].dst_mac = def2;
	send_frames(sp, 1, f, 2);
	assert_int_equal(receive_tags(sp->port[0], seen, 2, 1), 1);
	assert_true(seen[0]);
	assert_int_equal(test_xstat(sp->port[0], "rx_mac_filtered"), 1);
}

/* ---- checksum offload ---- */

static const uint64_t tx_cksum = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
	RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
static const uint64_t rx_cksum = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
	RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;

/* Offsets of the checksum fields in a frame built for @f. */
static size_t
l4_cksum_off(const struct test_frame *f)
{
	return RTE_ETHER_HDR_LEN + test_frame_l3_hdr_len(f) +
	       (f->l4 == TEST_L4_UDP ? offsetof(struct rte_udp_hdr, dgram_cksum) :
				       offsetof(struct rte_tcp_hdr, cksum));
}

static const size_t ip_cksum_off =
	RTE_ETHER_HDR_LEN + offsetof(struct rte_ipv4_hdr, hdr_checksum);

/* Read/write a 16-bit field in network order. */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
check_ptype(const struct rte_mbuf *m, const struct test_frame *f)
{
	uint32_t pt = m->packet_type;

	if ((pt & RTE_PTYPE_L2_MASK) != RTE_PTYPE_L2_ETHER)
		fail_msg("packet_type 0x%x: L2 not ETHER", pt);
	if (f->ip_ver == 4 ? !RTE_ETH_IS_IPV4_HDR(pt) : !RTE_ETH_IS_IPV6_HDR(pt))
		fail_msg("packet_type 0x%x: L3 not IPv%u", pt, f->ip_ver);
	if (f->l4 == TEST_L4_UDP && (pt & RTE_PTYPE_L4_MASK) != RTE_PTYPE_L4_UDP)
		fail_msg("packet_type 0x%x: L4 not UDP", pt);
	if (f->l4 == TEST_L4_TCP && (pt & RTE_PTYPE_L4_MASK) != RTE_PTYPE_L4_TCP)
		fail_msg("packet_type 0x%x: L4 not TCP", pt);
}

/* The NIC writes IPv4 header and TCP/UDP checksums over whatever the
 * fields held; the peer gets the frame a software stack would build. */
static void
test_tx_cksum_offload(void **state)
{
	static const struct {
		uint8_t ip_ver;
		enum test_l4 l4;
		uint16_t junk;
	} rows[] = {
		{ 4, TEST_L4_UDP, 0x0000 }, { 4, TEST_L4_UDP, 0xbeef },
		{ 4, TEST_L4_TCP, 0x0000 }, { 4, TEST_L4_TCP, 0xffff },
		{ 6, TEST_L4_UDP, 0x0000 }, { 6, TEST_L4_UDP, 0x1234 },
		{ 6, TEST_L4_TCP, 0x0000 }, { 6, TEST_L4_TCP, 0xdead },
	};
	struct sim_pair *sp = *state;
	struct rte_eth_conf c0 = { .txmode.offloads = tx_cksum };
	struct rte_eth_conf c1 = { .rxmode.offloads = rx_cksum };
	struct rte_eth_dev_info info;
	static uint8_t good[RTE_DIM(rows)][2048];
	size_t len[RTE_DIM(rows)];
	struct test_frame f[RTE_DIM(rows)];
	struct rte_mbuf *tx[RTE_DIM(rows)];
	unsigned int nb_v4 = 0;
	uint16_t got;

	assert_int_equal(rte_eth_dev_info_get(sp->port[0], &info), 0);
	assert_true((info.tx_offload_capa & tx_cksum) == tx_cksum);
	assert_true((info.rx_offload_capa & rx_cksum) == rx_cksum);
	start_pair(sp, &c0, &c1);

	for (size_t i = 0; i < RTE_DIM(rows); i++) {
		uint8_t bad[2048];

		sim_frame_init(&f[i], sp->port[0], sp->port[1], rows[i].ip_ver,
			       rows[i].l4, 100 + (uint16_t)i * 3, (uint32_t)i);
		len[i] = test_frame_write(&f[i], good[i], sizeof(good[i]));
		memcpy(bad, good[i], len[i]);
		put16(bad + l4_cksum_off(&f[i]), rows[i].junk);
		if (rows[i].ip_ver == 4)
			put16(bad + ip_cksum_off, rows[i].junk);
		tx[i] = test_mbuf_from_bytes(sp->tx_pool, bad, len[i], 1);
		assert_non_null(tx[i]);
		tx[i]->l2_len = RTE_ETHER_HDR_LEN;
		tx[i]->l3_len = test_frame_l3_hdr_len(&f[i]);
		tx[i]->ol_flags = rows[i].ip_ver == 4 ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM :
			RTE_MBUF_F_TX_IPV6;
		tx[i]->ol_flags |= rows[i].l4 == TEST_L4_UDP ?
			RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM;
		nb_v4 += rows[i].ip_ver == 4;
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, tx, RTE_DIM(rows), 1000),
			 RTE_DIM(rows));
	got = test_rx_poll(sp->port[1], 0, rx, RTE_DIM(rows), MAX_PKTS,
			   TEST_RX_TIMEOUT_MS);
	assert_int_equal(got, RTE_DIM(rows));
	for (uint16_t k = 0; k < got; k++) {
		uint32_t i = test_frame_tag(rx[k]);
		uint8_t *p = rte_pktmbuf_mtod(rx[k], uint8_t *);
		void *l3 = p + RTE_ETHER_HDR_LEN;
		void *l4 = p + RTE_ETHER_HDR_LEN + test_frame_l3_hdr_len(&f[i]);

		assert_true(i < RTE_DIM(rows));
		assert_int_equal(rx[k]->nb_segs, 1);
		if (rows[i].ip_ver == 4) {
			struct rte_ipv4_hdr h = *(struct rte_ipv4_hdr *)l3;
			uint16_t field = h.hdr_checksum;

			h.hdr_checksum = 0;
			if (rte_ipv4_cksum(&h) != field)
				fail_msg("row %u: IPv4 header checksum 0x%04x, want 0x%04x",
					 i, field, rte_ipv4_cksum(&h));
			if (rte_ipv4_udptcp_cksum_verify(l3, l4) != 0)
				fail_msg("row %u: IPv4 L4 checksum wrong", i);
		} else if (rte_ipv6_udptcp_cksum_verify(l3, l4) != 0) {
			fail_msg("row %u: IPv6 L4 checksum wrong", i);
		}
		if (!test_mbuf_equals(rx[k], good[i], len[i]))
			fail_msg("row %u: frame differs from the software-checksummed one",
				 i);
		assert_int_equal(rx[k]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
				 RTE_MBUF_F_RX_L4_CKSUM_GOOD);
		if (rows[i].ip_ver == 4)
			assert_int_equal(rx[k]->ol_flags &
					 RTE_MBUF_F_RX_IP_CKSUM_MASK,
					 RTE_MBUF_F_RX_IP_CKSUM_GOOD);
		check_ptype(rx[k], &f[i]);
	}
	test_free_bulk(rx, got);
	assert_int_equal(test_xstat(sp->port[0], "tx_ip_cksum_offload"), nb_v4);
	assert_int_equal(test_xstat(sp->port[0], "tx_l4_cksum_offload"),
			 RTE_DIM(rows));
	assert_int_equal(test_xstat(sp->port[1], "rx_ip_cksum_bad"), 0);
	assert_int_equal(test_xstat(sp->port[1], "rx_l4_cksum_bad"), 0);
}

enum corrupt { OK, BAD_IP, BAD_L4 };

static const struct {
	uint8_t ip_ver;
	enum test_l4 l4;
	enum corrupt corrupt;
} rx_rows[] = {
	{ 4, TEST_L4_UDP, OK }, { 4, TEST_L4_TCP, OK },
	{ 4, TEST_L4_UDP, BAD_IP }, { 4, TEST_L4_TCP, BAD_IP },
	{ 4, TEST_L4_UDP, BAD_L4 }, { 4, TEST_L4_TCP, BAD_L4 },
	{ 6, TEST_L4_UDP, OK }, { 6, TEST_L4_TCP, OK },
	{ 6, TEST_L4_UDP, BAD_L4 }, { 6, TEST_L4_TCP, BAD_L4 },
	{ 4, TEST_L4_ESP, OK }, { 6, TEST_L4_ESP, OK },
	{ 4, TEST_L4_OTHER, OK }, { 4, TEST_L4_NONE, OK },
};

/* Send rx_rows (no TX offload asked); return them received, by tag. */
static void
send_rx_rows(struct sim_pair *sp, struct test_frame *f, struct rte_mbuf **by_tag)
{
	struct rte_mbuf *tx[RTE_DIM(rx_rows)];
	uint16_t got;

	for (size_t i = 0; i < RTE_DIM(rx_rows); i++) {
		uint8_t buf[2048];
		size_t len;

		sim_frame_init(&f[i], sp->port[0], sp->port[1],
			       rx_rows[i].ip_ver, rx_rows[i].l4, 77,
			       (uint32_t)i);
		len = test_frame_write(&f[i], buf, sizeof(buf));
		if (rx_rows[i].corrupt == BAD_IP) {
			put16(buf + ip_cksum_off, get16(buf + ip_cksum_off) ^ 0x5a5a);
		} else if (rx_rows[i].corrupt == BAD_L4) {
			uint16_t c = get16(buf + l4_cksum_off(&f[i])) ^ 0x5a5a;

			/* Never 0 (no UDP checksum) nor its 0xffff twin. */
			if (c == 0 || c == 0xffff)
				c ^= 0x0101;
			put16(buf + l4_cksum_off(&f[i]), c);
		}
		tx[i] = test_mbuf_from_bytes(sp->tx_pool, buf, len, 1);
		assert_non_null(tx[i]);
	}
	assert_int_equal(test_tx_all(sp->port[0], 0, tx, RTE_DIM(rx_rows), 1000),
			 RTE_DIM(rx_rows));
	got = test_rx_poll(sp->port[1], 0, rx, RTE_DIM(rx_rows), MAX_PKTS,
			   TEST_RX_TIMEOUT_MS);
	assert_int_equal(got, RTE_DIM(rx_rows));	/* bad ones delivered */
	memset(by_tag, 0, RTE_DIM(rx_rows) * sizeof(*by_tag));
	for (uint16_t k = 0; k < got; k++) {
		uint32_t i = test_frame_tag(rx[k]);

		assert_true(i < RTE_DIM(rx_rows));
		assert_null(by_tag[i]);
		by_tag[i] = rx[k];
	}
}

static void
test_rx_cksum_offload(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_eth_conf c1 = { .rxmode.offloads = rx_cksum };
	struct test_frame f[RTE_DIM(rx_rows)];
	struct rte_mbuf *m[RTE_DIM(rx_rows)];
	unsigned int ip_bad = 0, l4_bad = 0;

	start_pair(sp, NULL, &c1);
	send_rx_rows(sp, f, m);
	for (size_t i = 0; i < RTE_DIM(rx_rows); i++) {
		uint64_t ipf = m[i]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
		uint64_t l4f = m[i]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
		bool v4 = rx_rows[i].ip_ver == 4 && f[i].l4 != TEST_L4_NONE;
		bool l4 = f[i].l4 == TEST_L4_UDP || f[i].l4 == TEST_L4_TCP;

		if (f[i].l4 != TEST_L4_NONE)
			check_ptype(m[i], &f[i]);
		else if ((m[i]->packet_type & RTE_PTYPE_L2_MASK) !=
			 RTE_PTYPE_L2_ETHER)
			fail_msg("row %zu: non-IP frame packet_type 0x%x", i,
				 m[i]->packet_type);
		if (v4) {
			uint64_t want = rx_rows[i].corrupt == BAD_IP ?
				RTE_MBUF_F_RX_IP_CKSUM_BAD :
				RTE_MBUF_F_RX_IP_CKSUM_GOOD;

			if (ipf != want)
				fail_msg("row %zu: IP checksum flags 0x%" PRIx64
					 ", want 0x%" PRIx64, i, ipf, want);
			ip_bad += rx_rows[i].corrupt == BAD_IP;
		}
		if (l4 && rx_rows[i].corrupt != BAD_IP) {
			uint64_t want = rx_rows[i].corrupt == BAD_L4 ?
				RTE_MBUF_F_RX_L4_CKSUM_BAD :
				RTE_MBUF_F_RX_L4_CKSUM_GOOD;

			if (l4f != want)
				fail_msg("row %zu (IPv%u l4 %d): L4 checksum flags 0x%"
					 PRIx64 ", want 0x%" PRIx64, i,
					 rx_rows[i].ip_ver, f[i].l4, l4f, want);
			l4_bad += rx_rows[i].corrupt == BAD_L4;
		}
		if (l4f == RTE_MBUF_F_RX_L4_CKSUM_BAD && !l4)
			fail_msg("row %zu: L4 BAD on a frame without TCP/UDP", i);
	}
	test_free_bulk(m, RTE_DIM(rx_rows));
	assert_int_equal(test_xstat(sp->port[1], "rx_ip_cksum_bad"), ip_bad);
	assert_int_equal(test_xstat(sp->port[1], "rx_l4_cksum_bad"), l4_bad);
}

/* Without the RX offloads nothing is verified, but packet_type is set. */
static void
test_rx_cksum_disabled(void **state)
{
	struct sim_pair *sp = *state;
	struct test_frame f[RTE_DIM(rx_rows)];
	struct rte_mbuf *m[RTE_DIM(rx_rows)];
	const uint64_t mask = RTE_MBUF_F_RX_IP_CKSUM_MASK |
			      RTE_MBUF_F_RX_L4_CKSUM_MASK;

	start_pair(sp, NULL, NULL);
	send_rx_rows(sp, f, m);
	for (size_t i = 0; i < RTE_DIM(rx_rows); i++) {
		if (m[i]->ol_flags & mask)
			fail_msg("row %zu: checksum flags 0x%" PRIx64
				 " with the RX checksum offloads off", i,
				 m[i]->ol_flags & mask);
		if (f[i].l4 != TEST_L4_NONE)
			check_ptype(m[i], &f[i]);
	}
	test_free_bulk(m, RTE_DIM(rx_rows));
	assert_int_equal(test_xstat(sp->port[1], "rx_ip_cksum_bad"), 0);
	assert_int_equal(test_xstat(sp->port[1], "rx_l4_cksum_bad"), 0);
}

/* ---- scatter ---- */

static void
test_rx_scatter(void **state)
{
	enum { ROOM = 512 };
	/* Frame lengths around and well above one mbuf. */
	static const struct {
		uint16_t len;
	} rows[] = { { 100 }, { 512 }, { 513 }, { 1024 }, { 1400 }, { 1514 } };
	struct sim_pair *sp = *state;

	for (int scatter = 0; scatter < 2; scatter++) {
		struct rte_eth_conf c1 = {
			.rxmode.offloads = scatter ? RTE_ETH_RX_OFFLOAD_SCATTER : 0,
		};
		static uint8_t bufs[RTE_DIM(rows)][1600];
		size_t len[RTE_DIM(rows)];
		struct rte_mbuf *tx[RTE_DIM(rows)];
		struct rte_mbuf *by_tag[RTE_DIM(rows)] = { NULL };
		struct rte_eth_dev_info info;
		struct rte_eth_stats st;
		unsigned int big = 0;
		uint16_t got;

		print_message("scatter %s\n", scatter ? "on" : "off");
		assert_int_equal(sim_pair_create_default(sp), 0);
		assert_int_equal(rte_eth_dev_info_get(sp->port[1], &info), 0);
		assert_true(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER);
		/* Port 1 receives into mbufs of 512 data bytes. */
		rte_mempool_free(sp->rx_pool[1]);
		sp->rx_pool[1] = sim_pool("rx512", 1024, ROOM);
		assert_non_null(sp->rx_pool[1]);
		start_pair(sp, NULL, &c1);

		for (size_t i = 0; i < RTE_DIM(rows); i++) {
			struct test_frame f;

			sim_frame_init(&f, sp->port[0], sp->port[1], 4,
				       TEST_L4_UDP, 0, (uint32_t)i);
			f.payload_len = rows[i].len - RTE_ETHER_HDR_LEN -
					test_frame_l3_hdr_len(&f) -
					test_frame_l4_hdr_len(&f);
			len[i] = test_frame_write(&f, bufs[i], sizeof(bufs[i]));
			assert_int_equal(len[i], rows[i].len);
			tx[i] = test_mbuf_from_bytes(sp->tx_pool, bufs[i],
						     len[i], 1);
			assert_non_null(tx[i]);
			big += rows[i].len > ROOM;
		}
		assert_int_equal(test_tx_all(sp->port[0], 0, tx,
					     RTE_DIM(rows), 1000),
				 RTE_DIM(rows));
		got = test_rx_poll(sp->port[1], 0, rx, MAX_PKTS, MAX_PKTS,
				   TEST_RX_TIMEOUT_MS / 4);
		assert_int_equal(got, scatter ? RTE_DIM(rows) :
						RTE_DIM(rows) - big);
		for (uint16_t k = 0; k < got; k++) {
			uint32_t i = test_frame_tag(rx[k]);

			assert_true(i < RTE_DIM(rows));
			by_tag[i] = rx[k];
		}
		for (size_t i = 0; i < RTE_DIM(rows); i++) {
			struct rte_mbuf *m = by_tag[i];
			unsigned int segs = (rows[i].len + ROOM - 1) / ROOM;

			if (rows[i].len > ROOM && !scatter) {
				assert_null(m);
				continue;
			}
			assert_non_null(m);
			if (!test_mbuf_equals(m, bufs[i], len[i]))
				fail_msg("%u-byte frame differs", rows[i].len);
			if (m->nb_segs != segs)
				fail_msg("%u-byte frame in %u segments, want %u",
					 rows[i].len, m->nb_segs, segs);
			for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
				assert_ptr_equal(s->pool, sp->rx_pool[1]);
				assert_true(s->data_len <= ROOM);
			}
		}
		test_free_bulk(rx, got);
		assert_int_equal(test_xstat(sp->port[1], "rx_no_scatter"),
				 scatter ? 0 : big);
		assert_int_equal(rte_eth_stats_get(sp->port[1], &st), 0);
		assert_int_equal(st.ierrors, scatter ? 0 : big);
		assert_int_equal(sim_pair_destroy(sp), 0);
	}
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-offloads", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mtu_rx,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_mtu_tx,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_mtu_range,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_mac_filter,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_mac_devarg,
			sim_state_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_tx_cksum_offload,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rx_cksum_offload,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rx_cksum_disabled,
			sim_pair_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_rx_scatter,
			sim_state_setup, sim_pair_teardown),
	};

	return cmocka_run_group_tests_name("pmd-offloads", tests, group_setup,
					   sim_eal_teardown);
}
