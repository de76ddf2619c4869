/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's TSO (RTE_ETH_TX_OFFLOAD_TCP_TSO), plain and through an
 * inline-protocol egress SA: port 0 sends one 9000-byte TCP payload with
 * tso_segsz 1400; port 1 must see ceil(9000/1400) segments with their own
 * headers (TCP seq, IPv4 ID, lengths, checksums, flags) and, with an SA,
 * each in its own ESP packet with its own sequence number.
 * Contract: doc/sim_inline.md, "Inline IPsec" / "NIC behaviour".
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_security.h>
#include <rte_tcp.h>

#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "sec_util.h"
#include "sim_pair.h"

enum {
	MAX_PKTS = 64, PAYLOAD = 9000, MSS = 1400,
	NSEG = (PAYLOAD + MSS - 1) / MSS, BIG = 10240, SEG = 2048,
	TAG = 0x10000000u,
};

static struct rte_mbuf *rx[MAX_PKTS];
static struct rte_mempool *sess_mp[2];

static int
tso_port_start(uint16_t port, struct rte_mempool *rx_pool)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SECURITY;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_SECURITY |
			       RTE_ETH_TX_OFFLOAD_TCP_TSO |
			       RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	return test_port_start_simple(port, 1, 1, &conf, rx_pool);
}

static int
tso_setup(void **state)
{
	struct sim_pair *sp;
	struct rte_eth_dev_info info;

	if (sim_pair_setup(state) != 0)
		return -1;
	sp = *state;
	if (rte_eth_dev_info_get(sp->port[0], &info) != 0 ||
	    !(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO))
		return -1;
	if (tso_port_start(sp->port[0], sp->rx_pool[0]) != 0 ||
	    tso_port_start(sp->port[1], sp->rx_pool[1]) != 0)
		return -1;
	sess_mp[0] = sec_sess_pool(sp->port[0], 8);
	sess_mp[1] = sec_sess_pool(sp->port[1], 8);
	return sess_mp[0] != NULL && sess_mp[1] != NULL ? 0 : -1;
}

static int
tso_teardown(void **state)
{
	int ret = sim_pair_teardown(state);

	for (int i = 0; i < 2; i++) {
		if (sess_mp[i] != NULL && rte_mempool_avail_count(sess_mp[i]) !=
		    sess_mp[i]->size)
			ret = -1;
		rte_mempool_free(sess_mp[i]);
		sess_mp[i] = NULL;
	}
	return ret;
}

static uint16_t
recv_n(uint16_t port, uint16_t want)
{
	uint16_t got = test_rx_poll(port, 0, rx, want, MAX_PKTS,
				    TEST_RX_TIMEOUT_MS);

	got += test_rx_poll(port, 0, rx + got, MAX_PKTS, MAX_PKTS - got,
			    TEST_QUIET_MS);
	return got;
}

/* The big TCP frame: PAYLOAD bytes, flags ACK|PSH|FIN|CWR. */
static size_t
big_frame(struct sim_pair *sp, uint8_t ver, uint8_t *buf)
{
	struct test_frame f;
	size_t len;
	uint32_t l3;

	sim_frame_init(&f, sp->port[0], sp->port[1], ver, TEST_L4_TCP,
		       PAYLOAD, TAG);
	len = test_frame_write(&f, buf, BIG);
	assert_int_equal(len, 14 + (ver == 4 ? 20 : 40) + 20 + PAYLOAD);
	l3 = ver == 4 ? 20 : 40;
	buf[14 + l3 + 13] |= RTE_TCP_FIN_FLAG | RTE_TCP_CWR_FLAG;
	if (ver == 4)
		((struct rte_ipv4_hdr *)(buf + 14))->packet_id =
			rte_cpu_to_be_16(0xfffd);	/* wraps */
	return len;
}

/* Send @buf as one TSO packet from port 0, with @sess when not NULL. */
static void
send_tso(struct sim_pair *sp, uint8_t ver, const uint8_t *buf, size_t len,
	 void *sess)
{
	struct rte_mbuf *m = test_mbuf_from_bytes(sp->tx_pool, buf, len, 5);

	assert_non_null(m);
	m->l2_len = 14;
	m->l3_len = ver == 4 ? 20 : 40;
	m->l4_len = 20;
	m->tso_segsz = MSS;
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
		       (ver == 4 ? RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM :
				   RTE_MBUF_F_TX_IPV6);
	if (sess != NULL)
		sec_mark(sp->port[0], sess, m);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
}

/*
 * rx[0..NSEG) are the plain segments of @orig: headers, checksums, flags,
 * sequence numbers and payloads.
 */
static void
check_segments(uint8_t ver, const uint8_t *orig, uint16_t got)
{
	static uint8_t seg[SEG], data[PAYLOAD];
	uint32_t l3 = ver == 4 ? 20 : 40, hdr = 14 + l3 + 20, off = 0;
	const uint8_t *oip = orig + 14, *oth = oip + l3;
	uint32_t seq0;
	uint16_t id0 = 0;

	assert_int_equal(got, NSEG);
	memcpy(&seq0, oth + 4, 4);
	seq0 = rte_be_to_cpu_32(seq0);
	if (ver == 4)
		id0 = rte_be_to_cpu_16(
			((const struct rte_ipv4_hdr *)oip)->packet_id);
	for (uint16_t k = 0; k < got; k++) {
		size_t len = test_mbuf_copy(rx[k], seg, sizeof(seg));
		uint32_t plen = k + 1 < NSEG ? MSS : PAYLOAD - MSS * (NSEG - 1);
		uint8_t *ip = seg + 14, *th = ip + l3, fl, want;
		uint32_t seq;

		if (len != hdr + plen)
			fail_msg("segment %u: %zu bytes, want %u", k, len,
				 hdr + plen);
		/* Addresses and ports as in the original. */
		assert_memory_equal(seg, orig, 12);
		assert_memory_equal(th, oth, 4);
		memcpy(&seq, th + 4, 4);
		assert_int_equal(rte_be_to_cpu_32(seq), seq0 + off);
		fl = th[13];
		want = oth[13];
		if (k + 1 < NSEG)
			want &= (uint8_t)~(RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
		if (k > 0)
			want &= (uint8_t)~RTE_TCP_CWR_FLAG;
		if (fl != want)
			fail_msg("segment %u: flags 0x%x, want 0x%x", k, fl,
				 want);
		if (ver == 4) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

			assert_memory_equal(&h->src_addr, oip + 12, 8);
			assert_int_equal(rte_be_to_cpu_16(h->total_length),
					 20 + 20 + plen);
			assert_int_equal(rte_be_to_cpu_16(h->packet_id),
					 (uint16_t)(id0 + k));
			assert_int_equal(rte_raw_cksum(h, 20), 0xffff);
			assert_int_equal(rte_ipv4_udptcp_cksum_verify(h, th),
					 0);
		} else {
			struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

			assert_memory_equal(h->src_addr, oip + 8, 32);
			assert_int_equal(rte_be_to_cpu_16(h->payload_len),
					 20 + plen);
			assert_int_equal(rte_ipv6_udptcp_cksum_verify(h, th),
					 0);
		}
		memcpy(data + off, th + 20, plen);
		off += plen;
	}
	assert_int_equal(off, PAYLOAD);
	assert_memory_equal(data, oth + 20, PAYLOAD);
}

static void
test_plain_tso(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t orig[BIG];
	uint64_t segs = 0;

	for (uint8_t ver = 4; ver <= 6; ver += 2) {
		size_t len = big_frame(sp, ver, orig);
		uint16_t got;

		send_tso(sp, ver, orig, len, NULL);
		got = recv_n(sp->port[1], NSEG);
		for (uint16_t k = 0; k < got; k++)
			assert_int_equal(rx[k]->ol_flags &
					 RTE_MBUF_F_RX_SEC_OFFLOAD, 0);
		check_segments(ver, orig, got);
		test_free_bulk(rx, got);
		segs += NSEG;
		assert_int_equal(test_xstat(sp->port[0], "tx_tso_segments"),
				 segs);
	}
	assert_int_equal(test_xstat(sp->port[0], "tx_oversize"), 0);
	assert_int_equal(test_xstat(sp->port[0], "sec_tx_packets"), 0);
}

static void
test_esp_tso(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t orig[BIG], cap[NSEG][SEG];
	size_t clen[NSEG];

	for (unsigned int c = 0; c < 2; c++) {
		/* Tunnel: IPv4 in IPv4; transport: IPv6. */
		struct sec_sa sa = {
			.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
			.tunnel = c == 0, .outer_v6 = c == 1,
			.spi = 0x7500 + c, .userdata = 0x5e6000 + c,
		};
		uint8_t ver = c == 0 ? 4 : 6;
		uint32_t sn_off = 14 + (sa.outer_v6 ? 40 : 20) + 4;
		size_t len = big_frame(sp, ver, orig);
		struct rte_pmd_sim_inline_sa_state st;
		struct rte_flow *fl;
		uint64_t segs0 = test_xstat(sp->port[0], "tx_tso_segments");
		void *out, *in;
		uint16_t got;

		out = sec_session(sp->port[0], sess_mp[0], &sa, true);
		assert_non_null(out);

		/* No rule on port 1: the ESP packets come up as sent. */
		send_tso(sp, ver, orig, len, out);
		got = recv_n(sp->port[1], NSEG);
		assert_int_equal(got, NSEG);
		for (uint16_t k = 0; k < got; k++) {
			uint32_t sn, spi;

			assert_int_equal(rx[k]->ol_flags &
					 RTE_MBUF_F_RX_SEC_OFFLOAD, 0);
			clen[k] = test_mbuf_copy(rx[k], cap[k], SEG);
			assert_true(clen[k] > sn_off + 4);
			memcpy(&spi, cap[k] + sn_off - 4, 4);
			memcpy(&sn, cap[k] + sn_off, 4);
			assert_int_equal(rte_be_to_cpu_32(spi), sa.spi);
			/* Consecutive, hence distinct: 1, 2, ... */
			assert_int_equal(rte_be_to_cpu_32(sn), k + 1);
		}
		test_free_bulk(rx, got);
		assert_int_equal(test_xstat(sp->port[0], "tx_tso_segments"),
				 segs0 + NSEG);
		assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[0],
				 sa.spi, true, &st), 0);
		assert_int_equal(st.seq, NSEG);
		assert_int_equal(st.packets, NSEG);

		/* With the ingress SA, the captured packets decrypt into the
		 * segments. */
		in = sec_session(sp->port[1], sess_mp[1], &sa, false);
		assert_non_null(in);
		fl = sec_flow(sp->port[1], in, sa.spi);
		assert_non_null(fl);
		for (uint16_t k = 0; k < NSEG; k++) {
			struct rte_mbuf *m = test_mbuf_from_bytes(sp->tx_pool,
						cap[k], clen[k], 1);

			assert_non_null(m);
			assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1,
						     1000), 1);
		}
		got = recv_n(sp->port[1], NSEG);
		for (uint16_t k = 0; k < got; k++) {
			assert_int_equal(rx[k]->ol_flags &
					 (RTE_MBUF_F_RX_SEC_OFFLOAD |
					  RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED),
					 RTE_MBUF_F_RX_SEC_OFFLOAD);
			assert_int_equal(*rte_security_dynfield(rx[k]),
					 sa.userdata);
		}
		check_segments(ver, orig, got);
		test_free_bulk(rx, got);

		/* And live, with the next sequence numbers. */
		send_tso(sp, ver, orig, len, out);
		got = recv_n(sp->port[1], NSEG);
		for (uint16_t k = 0; k < got; k++)
			assert_int_equal(rx[k]->ol_flags &
					 (RTE_MBUF_F_RX_SEC_OFFLOAD |
					  RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED),
					 RTE_MBUF_F_RX_SEC_OFFLOAD);
		check_segments(ver, orig, got);
		test_free_bulk(rx, got);
		assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[1],
				 sa.spi, false, &st), 0);
		assert_int_equal(st.seq, 2 * NSEG);
		assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), in), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out), 0);
	}
	assert_int_equal(test_xstat(sp->port[0], "tx_oversize"), 0);
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_bad"), 0);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_icv_fail"), 0);
	assert_int_equal(test_xstat(sp->port[1], "rx_oversize"), 0);
}

/* An inline-crypto SA cannot segment: the packet is refused. */
static void
test_crypto_sa_refused(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t orig[BIG];
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO,
		.tunnel = false, .spi = 0x7600,
	};
	size_t len = big_frame(sp, 4, orig);
	void *out = sec_session(sp->port[0], sess_mp[0], &sa, true);

	assert_non_null(out);
	send_tso(sp, 4, orig, len, out);
	assert_int_equal(recv_n(sp->port[1], 0), 0);
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_bad"), 1);
	assert_int_equal(test_xstat(sp->port[0], "tx_tso_segments"), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-sec-tso", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_tso, tso_setup,
						tso_teardown),
		cmocka_unit_test_setup_teardown(test_esp_tso, tso_setup,
						tso_teardown),
		cmocka_unit_test_setup_teardown(test_crypto_sa_refused,
						tso_setup, tso_teardown),
	};

	return cmocka_run_group_tests_name("pmd-sec-tso", tests,
					   group_setup, sim_eal_teardown);
}
