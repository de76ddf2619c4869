/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's inline IPsec on the wire: port 0 encrypts (egress SA),
 * port 1 decrypts (ingress SA + rte_flow rule by SPI), over the ring pair.
 * Round trips over tunnel/transport x IPv4/IPv6 x GCM/CBC-SHA256 x ESN x
 * NAT-T; tampering, replay, hard lifetime, malformed ESP; inline crypto.
 * Contract: doc/sim_inline.md, "Inline IPsec".
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
#include <rte_mempool.h>
#include <rte_security.h>
#include <rte_tcp.h>

#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "sec_util.h"
#include "sim_pair.h"

enum { MAX_PKTS = 512, FRAME = 2048 };

static struct rte_mbuf *rx[MAX_PKTS];
static struct rte_mempool *sess_mp[2];

static int
dp_setup(void **state)
{
	return sec_pair_setup(state, NULL, NULL, sess_mp, 16);
}

static int
dp_teardown(void **state)
{
	return sec_pair_teardown(state, sess_mp);
}

/* Receive @want frames on @port (then a quiet period); returns the count. */
static uint16_t
recv_n(uint16_t port, uint16_t want)
{
	uint16_t got = test_rx_poll(port, 0, rx, want, MAX_PKTS,
				    TEST_RX_TIMEOUT_MS);

	got += test_rx_poll(port, 0, rx + got, MAX_PKTS, MAX_PKTS - got,
			    TEST_QUIET_MS);
	return got;
}

/* Send raw bytes from @port as a plain frame. */
static void
send_raw(struct sim_pair *sp, uint16_t port, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = test_mbuf_from_bytes(sp->tx_pool, buf, len, 1);

	assert_non_null(m);
	assert_int_equal(test_tx_all(port, 0, &m, 1, 1000), 1);
}

/* Frame @i of a flow, written into @buf; its length. */
static size_t
plain_frame(struct sim_pair *sp, uint8_t ver, uint32_t i, uint8_t *buf)
{
	struct test_frame f;
	size_t len;

	sim_frame_init(&f, sp->port[0], sp->port[1], ver, TEST_L4_UDP,
		       (uint16_t)(40 + (i * 37) % 500), i);
	len = test_frame_write(&f, buf, FRAME);
	assert_true(len > 0);
	return len;
}

/* Send frame @i through egress session @s of port 0. */
static void
send_protected(struct sim_pair *sp, void *s, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = test_mbuf_from_bytes(sp->tx_pool, buf, len, 1);

	assert_non_null(m);
	sec_mark(sp->port[0], s, m);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
}

static void
test_roundtrip_matrix(void **state)
{
	uint64_t rx_bytes = 0;
	struct sim_pair *sp = *state;
	static uint8_t orig[24][FRAME];
	size_t olen[24];
	const uint32_t n = 24;

	for (unsigned int c = 0; c < 32; c++) {
		struct sec_sa sa = {
			.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
			.tunnel = c & 1, .outer_v6 = c & 2, .cbc = c & 4,
			.esn = c & 8, .natt = c & 16,
			.spi = 0x1000 + c, .userdata = 0xabc000 + c,
		};
		/* Tunnels carry the other family inside; transport v4/v6. */
		uint8_t ver = sa.tunnel ? (sa.outer_v6 ? 4 : 6) :
			      (sa.outer_v6 ? 6 : 4);
		uint64_t first = sa.esn ? 0xfffffff0ULL : 1;
		struct rte_pmd_sim_inline_sa_state st;
		uint64_t pk, er;
		void *out, *in;
		struct rte_flow *fl;
		struct rte_flow_error err;
		uint16_t got;

		sa.esn_start = sa.esn ? first : 0;
		out = sec_session(sp->port[0], sess_mp[0], &sa, true);
		in = sec_session(sp->port[1], sess_mp[1], &sa, false);
		assert_non_null(out);
		assert_non_null(in);
		fl = sec_flow(sp->port[1], in, sa.spi);
		assert_non_null(fl);
		for (uint32_t i = 0; i < n; i++) {
			olen[i] = plain_frame(sp, ver, i, orig[i]);
			send_protected(sp, out, orig[i], olen[i]);
		}
		got = recv_n(sp->port[1], n);
		if (got != n)
			fail_msg("combo %u: %u of %u frames", c, got, n);
		for (uint16_t k = 0; k < got; k++) {
			struct rte_mbuf *m = rx[k];

			rx_bytes += m->pkt_len;
			uint32_t tag = test_frame_tag(m);
			uint32_t l3 = m->packet_type & RTE_PTYPE_L3_MASK;

			if ((m->ol_flags & (RTE_MBUF_F_RX_SEC_OFFLOAD |
					    RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)) !=
			    RTE_MBUF_F_RX_SEC_OFFLOAD)
				fail_msg("combo %u frame %u: ol_flags 0x%" PRIx64,
					 c, k, m->ol_flags);
			if (tag >= n || tag != k)
				fail_msg("combo %u: frame %u has tag %u", c, k,
					 tag);
			if (!test_mbuf_equals(m, orig[tag], olen[tag]))
				fail_msg("combo %u frame %u: plaintext differs"
					 " (%u bytes, want %zu)", c, k,
					 m->pkt_len, olen[tag]);
			assert_int_equal(*rte_security_dynfield(m),
					 sa.userdata);
			assert_true(ver == 4 ? RTE_ETH_IS_IPV4_HDR(l3) :
					       RTE_ETH_IS_IPV6_HDR(l3));
			assert_int_equal(m->packet_type & RTE_PTYPE_L4_MASK,
					 RTE_PTYPE_L4_UDP);
			assert_int_equal(m->packet_type & RTE_PTYPE_L2_MASK,
					 RTE_PTYPE_L2_ETHER);
		}
		test_free_bulk(rx, got);
		sec_stats(sp->port[0], out, &pk, &er);
		assert_int_equal(pk, n);
		assert_int_equal(er, 0);
		sec_stats(sp->port[1], in, &pk, &er);
		assert_int_equal(pk, n);
		assert_int_equal(er, 0);
		assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[0],
				 sa.spi, true, &st), 0);
		assert_int_equal(st.seq, first - 1 + n);
		assert_int_equal(st.packets, n);
		assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[1],
				 sa.spi, false, &st), 0);
		assert_int_equal(st.seq, first - 1 + n);
		assert_false(st.dead);
		assert_int_equal(rte_flow_destroy(sp->port[1], fl, &err), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), in), 0);
	}
	assert_int_equal(test_xstat(sp->port[1], "sec_rx_packets"), 32 * n);
	/* The engine's byte counter is the decrypted frames' bytes. */
	assert_int_equal(test_xstat(sp->port[1], "sec_rx_bytes"), rx_bytes);
	assert_int_equal(test_xstat(sp->port[0], "sec_tx_packets"), 32 * n);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_icv_fail"), 0);
}

/* Capture @n frames port 0 protects with @out, as port 1 sees them. */
static void
capture(struct sim_pair *sp, void *out, uint32_t n, uint8_t (*cap)[FRAME],
	size_t *clen)
{
	static uint8_t buf[FRAME];
	uint16_t got;

	for (uint32_t i = 0; i < n; i++) {
		size_t len = plain_frame(sp, 4, i, buf);

		send_protected(sp, out, buf, len);
	}
	got = recv_n(sp->port[1], (uint16_t)n);
	assert_int_equal(got, n);
	for (uint16_t k = 0; k < got; k++) {
		assert_int_equal(rx[k]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD, 0);
		clen[k] = test_mbuf_copy(rx[k], cap[k], FRAME);
		assert_true(clen[k] > 0);
	}
	test_free_bulk(rx, got);
}

static void
test_tamper_replay(void **state)
{
	struct sim_pair *sp = *state;
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = true, .spi = 0x2222, .userdata = 0x77,
	};
	static uint8_t cap[3][FRAME], bad[FRAME];
	size_t clen[3];
	void *out, *in;
	uint64_t pk, er;
	struct rte_flow *fl;

	out = sec_session(sp->port[0], sess_mp[0], &sa, true);
	assert_non_null(out);
	/* No rule on port 1 yet: ESP comes up untouched. */
	capture(sp, out, 3, cap, clen);
	in = sec_session(sp->port[1], sess_mp[1], &sa, false);
	assert_non_null(in);
	fl = sec_flow(sp->port[1], in, sa.spi);
	assert_non_null(fl);

	/* A flipped ciphertext byte: ICV failure, delivered as received. */
	memcpy(bad, cap[0], clen[0]);
	bad[14 + 20 + 8 + 8 + 5] ^= 0x01;
	send_raw(sp, sp->port[0], bad, clen[0]);
	assert_int_equal(recv_n(sp->port[1], 1), 1);
	assert_int_equal(rx[0]->ol_flags & (RTE_MBUF_F_RX_SEC_OFFLOAD |
					    RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED),
			 RTE_MBUF_F_RX_SEC_OFFLOAD |
			 RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
	assert_true(test_mbuf_equals(rx[0], bad, clen[0]));
	test_free_bulk(rx, 1);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_icv_fail"), 1);

	/* The genuine one still passes (the window did not move). */
	send_raw(sp, sp->port[0], cap[0], clen[0]);
	assert_int_equal(recv_n(sp->port[1], 1), 1);
	assert_int_equal(rx[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED, 0);
	assert_int_equal(test_frame_tag(rx[0]), 0);
	test_free_bulk(rx, 1);

	/* Replayed: FAILED, as received. */
	send_raw(sp, sp->port[0], cap[0], clen[0]);
	assert_int_equal(recv_n(sp->port[1], 1), 1);
	assert_true(rx[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
	assert_true(test_mbuf_equals(rx[0], cap[0], clen[0]));
	test_free_bulk(rx, 1);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_replay"), 1);

	/* Out of order inside the window: fine. */
	send_raw(sp, sp->port[0], cap[2], clen[2]);
	send_raw(sp, sp->port[0], cap[1], clen[1]);
	assert_int_equal(recv_n(sp->port[1], 2), 2);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(rx[k]->ol_flags &
				 RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED, 0);
		assert_int_equal(test_frame_tag(rx[k]), 2 - k);
	}
	test_free_bulk(rx, 2);
	sec_stats(sp->port[1], in, &pk, &er);
	assert_int_equal(pk, 3);
	assert_int_equal(er, 2);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_replay"), 1);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_icv_fail"), 1);
	assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]), in),
			 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
}

static unsigned int ev_count;
static struct rte_eth_event_ipsec_desc ev_last;

static int
ipsec_cb(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	(void)port;
	(void)arg;
	if (type == RTE_ETH_EVENT_IPSEC && ret != NULL) {
		ev_last = *(struct rte_eth_event_ipsec_desc *)ret;
		ev_count++;
	}
	return 0;
}

static void
test_hard_expiry(void **state)
{
	struct sim_pair *sp = *state;
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = true, .spi = 0x3333, .userdata = 0x5151,
		.pkt_hard = 5,
	};
	static uint8_t buf[FRAME];
	struct rte_pmd_sim_inline_sa_state st;
	struct rte_eth_stats es;
	void *out;

	ev_count = 0;
	assert_int_equal(rte_eth_dev_callback_register(sp->port[0],
			 RTE_ETH_EVENT_IPSEC, ipsec_cb, NULL), 0);
	out = sec_session(sp->port[0], sess_mp[0], &sa, true);
	assert_non_null(out);
	for (uint32_t i = 0; i < 8; i++)
		send_protected(sp, out, buf, plain_frame(sp, 4, i, buf));
	assert_int_equal(recv_n(sp->port[1], 5), 5);
	test_free_bulk(rx, 5);
	assert_int_equal(ev_count, 1);
	assert_int_equal(ev_last.subtype,
			 RTE_ETH_EVENT_IPSEC_SA_PKT_HARD_EXPIRY);
	assert_int_equal(ev_last.metadata, 0x5151);
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_dead"), 3);
	assert_int_equal(test_xstat(sp->port[0], "sec_events"), 1);
	for (uint32_t i = 0; i < 2; i++)
		send_protected(sp, out, buf, plain_frame(sp, 4, i, buf));
	assert_int_equal(recv_n(sp->port[1], 0), 0);
	assert_int_equal(ev_count, 1);
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_dead"), 5);
	assert_int_equal(rte_eth_stats_get(sp->port[0], &es), 0);
	assert_int_equal(es.oerrors, 5);
	assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[0], sa.spi, true,
						      &st), 0);
	assert_true(st.dead);
	assert_int_equal(st.seq, 5);
	assert_int_equal(rte_eth_dev_callback_unregister(sp->port[0],
			 RTE_ETH_EVENT_IPSEC, ipsec_cb, NULL), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
	assert_true(test_pool_full(sp->tx_pool));
}

static void
fix_ipv4(uint8_t *frame, uint16_t l3len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);

	ip->total_length = rte_cpu_to_be_16(l3len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Everything that came up on port 1: never a success; counts. */
static unsigned int
drain_no_success(struct sim_pair *sp, const char *what)
{
	unsigned int total = 0;
	uint16_t got;

	while ((got = test_rx_poll(sp->port[1], 0, rx, MAX_PKTS, MAX_PKTS,
				   TEST_QUIET_MS)) > 0) {
		for (uint16_t k = 0; k < got; k++) {
			uint64_t fl = rx[k]->ol_flags;

			if ((fl & RTE_MBUF_F_RX_SEC_OFFLOAD) &&
			    !(fl & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED))
				fail_msg("%s: a malformed frame decrypted",
					 what);
			if ((fl & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED) &&
			    !(fl & RTE_MBUF_F_RX_SEC_OFFLOAD))
				fail_msg("%s: FAILED without OFFLOAD", what);
		}
		test_free_bulk(rx, got);
		total += got;
		if (got < MAX_PKTS)
			break;
	}
	return total;
}

static void
test_malformed(void **state)
{
	struct sim_pair *sp = *state;
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = true, .cbc = true, .spi = 0x4444, .userdata = 1,
	};
	static uint8_t cap[1][FRAME], buf[FRAME];
	size_t clen[1], len;
	void *out, *in;
	struct rte_flow *fl;
	unsigned int sent = 0, got;

	out = sec_session(sp->port[0], sess_mp[0], &sa, true);
	assert_non_null(out);
	capture(sp, out, 1, cap, clen);
	in = sec_session(sp->port[1], sess_mp[1], &sa, false);
	assert_non_null(in);
	fl = sec_flow(sp->port[1], in, sa.spi);
	assert_non_null(fl);
	len = clen[0];

	/* Truncated at every length, IP length as sent and as cut. */
	for (size_t cut = 14; cut < len; cut++) {
		memcpy(buf, cap[0], cut);
		send_raw(sp, sp->port[0], buf, cut);
		sent++;
		if (cut >= 34) {
			fix_ipv4(buf, (uint16_t)(cut - 14));
			send_raw(sp, sp->port[0], buf, cut);
			sent++;
		}
		if (sent >= 256) {
			got = drain_no_success(sp, "truncated");
			sent -= got;
			assert_int_equal(sent, 0);
		}
	}
	got = drain_no_success(sp, "truncated");
	/* Runts under 14 bytes are never sent; all others arrive. */
	assert_int_equal(got, sent);
	sent = 0;

	/* Lengths past the frame, under the headers, wrong SPI, garbage. */
	for (int v = 0; v < 8; v++) {
		memcpy(buf, cap[0], len);
		switch (v) {
		case 0: fix_ipv4(buf, 0xffff); break;
		case 1: fix_ipv4(buf, 20); break;
		case 2: fix_ipv4(buf, 28); break;
		case 3: buf[14 + 20] ^= 0xff; break;		/* SPI */
		case 4: buf[14] = 0x4f; break;			/* IHL 60 */
		case 5: buf[14] = 0x41; break;			/* IHL 4 */
		case 6: fix_ipv4(buf, (uint16_t)(len - 14 + 100)); break;
		case 7: memset(buf + 14 + 20 + 8, 0, len - 14 - 20 - 8); break;
		}
		send_raw(sp, sp->port[0], buf, len);
		sent++;
	}
	got = drain_no_success(sp, "lengths");
	assert_int_equal(got, sent);

	/* Random mutations: no crash, flags consistent. */
	srand(1234);
	for (int it = 0; it < 3000; it++) {
		size_t l = len - (size_t)(rand() % 64);
		int nm = 1 + rand() % 3;

		memcpy(buf, cap[0], l);
		for (int k = 0; k < nm; k++)
			buf[14 + rand() % 60] = (uint8_t)rand();
		send_raw(sp, sp->port[0], buf, l);
		if (it % 200 == 199)
			test_rx_drain(sp->port[1], 1, 20);
	}
	test_rx_drain(sp->port[1], 1, TEST_QUIET_MS);
	assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]), in),
			 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
	assert_true(test_pool_full(sp->tx_pool));
	assert_true(test_pool_full(sp->rx_pool[1]));
}

/*
 * An ESP packet built here: Ethernet / IPv4 (10.0.0.1 > 10.0.0.2) / ESP
 * (spi, sn) / IV / the inner IPv4 packet / padding (1, 2, ... or @bad_pad)
 * / pad length / next header 4 / ICV room. Returns the frame length and the
 * offsets of the inner packet (@in_off) and of the trailer end (@trl_end).
 */
static size_t
build_esp(struct sim_pair *sp, bool cbc, uint32_t spi, uint32_t sn,
	  bool bad_pad, uint8_t *buf, const uint8_t *inner, size_t in_len,
	  size_t *in_off, size_t *trl_end)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	size_t iv = cbc ? 16 : 8, align = cbc ? 16 : 4, icv = 16;
	size_t plen = in_len + 2, padded = (plen + align - 1) / align * align;
	size_t pad = padded - plen, off = 14 + 20, total;
	uint32_t v;

	memset(buf, 0, 14 + 20);
	rte_eth_macaddr_get(sp->port[1], &eh->dst_addr);
	rte_eth_macaddr_get(sp->port[0], &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	v = rte_cpu_to_be_32(spi);
	memcpy(buf + off, &v, 4);
	v = rte_cpu_to_be_32(sn);
	memcpy(buf + off + 4, &v, 4);
	off += 8;
	for (size_t i = 0; i < iv; i++)
		buf[off + i] = (uint8_t)(0xa0 + i + sn);
	off += iv;
	*in_off = off;
	memcpy(buf + off, inner, in_len);
	off += in_len;
	for (size_t i = 0; i < pad; i++)
		buf[off + i] = bad_pad ? 9 : (uint8_t)(i + 1);
	off += pad;
	buf[off++] = (uint8_t)pad;
	buf[off++] = 4;
	*trl_end = off;
	memset(buf + off, 0, icv);
	off += icv;
	total = off - 14;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ESP;
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
	fix_ipv4(buf, (uint16_t)total);
	return off;
}

static void
send_crypto(struct sim_pair *sp, void *s, const uint8_t *buf, size_t len)
{
	send_protected(sp, s, buf, len);
}

static void
test_inline_crypto(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t inner_f[FRAME], buf[FRAME], got_b[FRAME];

	for (int cbc = 0; cbc < 2; cbc++) {
		struct sec_sa sa = {
			.action = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO,
			.tunnel = true, .cbc = cbc, .spi = 0x5550 + cbc,
		};
		struct sec_sa sp_in = {
			.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
			.tunnel = true, .cbc = cbc, .spi = 0x6660 + cbc,
			.userdata = 0x99,
		};
		struct sec_sa sa_out2 = sa;
		size_t ilen = plain_frame(sp, 4, 7, inner_f) - 14;
		const uint8_t *inner = inner_f + 14;
		size_t len, in_off, trl_end;
		void *out, *in, *out2, *in2;
		struct rte_flow *fl, *fl2;
		uint64_t bad0;

		out = sec_session(sp->port[0], sess_mp[0], &sa, true);
		in = sec_session(sp->port[1], sess_mp[1], &sa, false);
		assert_non_null(out);
		assert_non_null(in);

		/* SN 1 without a rule: the wire carries ciphertext. */
		len = build_esp(sp, cbc, sa.spi, 1, false, buf, inner, ilen,
				&in_off, &trl_end);
		send_crypto(sp, out, buf, len);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		assert_int_equal(rx[0]->pkt_len, len);
		assert_int_equal(test_mbuf_copy(rx[0], got_b, FRAME), len);
		assert_memory_not_equal(got_b + in_off, inner, ilen);
		assert_memory_equal(got_b, buf, in_off);	/* headers, IV */
		test_free_bulk(rx, 1);

		/* SN 2 with the rule: decrypted in place, framing kept. */
		fl = sec_flow(sp->port[1], in, sa.spi);
		assert_non_null(fl);
		len = build_esp(sp, cbc, sa.spi, 2, false, buf, inner, ilen,
				&in_off, &trl_end);
		send_crypto(sp, out, buf, len);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		assert_int_equal(rx[0]->ol_flags &
				 (RTE_MBUF_F_RX_SEC_OFFLOAD |
				  RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED),
				 RTE_MBUF_F_RX_SEC_OFFLOAD);
		assert_int_equal(test_mbuf_copy(rx[0], got_b, FRAME), len);
		assert_memory_equal(got_b, buf, trl_end);
		test_free_bulk(rx, 1);

		/* Built here, decapsulated by an inline protocol SA. */
		sa_out2.spi = sp_in.spi;
		out2 = sec_session(sp->port[0], sess_mp[0], &sa_out2, true);
		in2 = sec_session(sp->port[1], sess_mp[1], &sp_in, false);
		assert_non_null(out2);
		assert_non_null(in2);
		fl2 = sec_flow(sp->port[1], in2, sp_in.spi);
		assert_non_null(fl2);
		len = build_esp(sp, cbc, sp_in.spi, 1, false, buf, inner, ilen,
				&in_off, &trl_end);
		send_crypto(sp, out2, buf, len);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		assert_int_equal(rx[0]->ol_flags &
				 RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED, 0);
		assert_int_equal(*rte_security_dynfield(rx[0]), 0x99);
		assert_int_equal(rx[0]->pkt_len, 14 + ilen);
		assert_int_equal(test_mbuf_copy(rx[0], got_b, FRAME), 14 + ilen);
		assert_memory_equal(got_b + 14, inner, ilen);
		test_free_bulk(rx, 1);

		/* Bad padding (but a good ICV): FAILED, not decrypted. */
		bad0 = test_xstat(sp->port[1], "rx_sec_bad");
		len = build_esp(sp, cbc, sp_in.spi, 2, true, buf, inner, ilen,
				&in_off, &trl_end);
		if (trl_end - 2 - in_off == ilen) {
			/* No padding at this size: make some. */
			len = build_esp(sp, cbc, sp_in.spi, 2, true, buf,
					inner, ilen - 1, &in_off, &trl_end);
		}
		send_crypto(sp, out2, buf, len);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		assert_true(rx[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
		assert_int_equal(rx[0]->pkt_len, len);
		assert_int_equal(test_mbuf_copy(rx[0], got_b, FRAME), len);
		assert_memory_not_equal(got_b + in_off, inner, 16);
		test_free_bulk(rx, 1);
		assert_int_equal(test_xstat(sp->port[1], "rx_sec_bad"),
				 bad0 + 1);

		assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
		assert_int_equal(rte_flow_destroy(sp->port[1], fl2, NULL), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), in), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), in2), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out2), 0);
	}
}

/* --- NIC fidelity: offloads, header lengths, link padding, inner headers */

/* Ports 0 and 1 with security and every TX checksum offload enabled. */
static int
ol_setup(void **state)
{
	struct rte_eth_conf conf;
	struct sim_pair *sp;

	if (sim_pair_setup(state) != 0)
		return -1;
	sp = *state;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SECURITY;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_SECURITY |
			       RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	for (int i = 0; i < 2; i++) {
		if (test_port_start_simple(sp->port[i], 1, 1, &conf,
					   sp->rx_pool[i]) != 0)
			return -1;
		sess_mp[i] = sec_sess_pool(sp->port[i], 16);
		if (sess_mp[i] == NULL)
			return -1;
	}
	return 0;
}

/*
 * An ESP frame as an application builds it for inline crypto (GCM-128):
 * Ethernet [/ VLAN 100] / IPv4 (10.0.0.1 > 10.0.0.2) or IPv6 (fd::1 >
 * fd::2) [/ UDP 4500] / ESP / IV / @inner / pad / trailer (next header
 * @nh) / ICV room, then @trail bytes of link padding. Outer checksums 0.
 */
static size_t
esp_frame(struct sim_pair *sp, bool v6, bool natt, bool vlan, uint32_t spi,
	  uint32_t sn, const uint8_t *inner, size_t in_len, uint8_t nh,
	  size_t trail, uint8_t *buf)
{
	size_t l2 = vlan ? 18 : 14, l3 = v6 ? 40 : 20, u = natt ? 8 : 0;
	size_t padded = RTE_ALIGN_CEIL(in_len + 2, 4), pad = padded - in_len - 2;
	size_t esp = l2 + l3 + u, dgram = l3 + u + 8 + 8 + padded + 16;
	uint8_t *ip = buf + l2;
	uint16_t type = v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
	uint32_t v;

	memset(buf, 0, l2 + dgram);
	rte_eth_macaddr_get(sp->port[1], (struct rte_ether_addr *)buf);
	rte_eth_macaddr_get(sp->port[0], (struct rte_ether_addr *)(buf + 6));
	if (vlan) {
		buf[12] = 0x81;
		buf[14] = 0x00;
		buf[15] = 100;
	}
	buf[l2 - 2] = (uint8_t)(type >> 8);
	buf[l2 - 1] = (uint8_t)type;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((dgram - 40) >> 8);
		ip[5] = (uint8_t)(dgram - 40);
		ip[6] = natt ? IPPROTO_UDP : IPPROTO_ESP;
		ip[7] = 64;
		ip[8] = ip[24] = 0xfd;
		ip[23] = 1;
		ip[39] = 2;
	} else {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		h->version_ihl = RTE_IPV4_VHL_DEF;
		h->total_length = rte_cpu_to_be_16((uint16_t)dgram);
		h->time_to_live = 64;
		h->next_proto_id = natt ? IPPROTO_UDP : IPPROTO_ESP;
		h->src_addr = rte_cpu_to_be_32(0x0a000001);
		h->dst_addr = rte_cpu_to_be_32(0x0a000002);
	}
	if (natt) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + l3);

		uh->src_port = uh->dst_port = RTE_BE16(4500);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(dgram - l3));
	}
	v = rte_cpu_to_be_32(spi);
	memcpy(buf + esp, &v, 4);
	v = rte_cpu_to_be_32(sn);
	memcpy(buf + esp + 4, &v, 4);
	for (size_t i = 0; i < 8; i++)
		buf[esp + 8 + i] = (uint8_t)(0xa0 + i + sn);
	memcpy(buf + esp + 16, inner, in_len);
	for (size_t i = 0; i < pad; i++)
		buf[esp + 16 + in_len + i] = (uint8_t)(i + 1);
	buf[esp + 16 + in_len + pad] = (uint8_t)pad;
	buf[esp + 16 + in_len + pad + 1] = nh;
	memset(buf + l2 + dgram, 0xee, trail);
	return l2 + dgram + trail;
}

/* Outer IPv4 header checksum as a receiver checks it. */
static bool
ipv4_ck_ok(const uint8_t *ip)
{
	return rte_raw_cksum(ip, (ip[0] & 0xfu) * 4u) == 0xffff;
}

/* The L4 checksum of the datagram at @ip (no extension headers). */
static bool
l4_ck_ok(const uint8_t *ip)
{
	if ((ip[0] >> 4) == 4)
		return rte_ipv4_udptcp_cksum_verify(
			(const struct rte_ipv4_hdr *)ip,
			ip + (ip[0] & 0xfu) * 4u) == 0;
	return rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip,
					    ip + 40) == 0;
}

static struct rte_mbuf *
mbuf_of(struct sim_pair *sp, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = test_mbuf_from_bytes(sp->tx_pool, buf, len, 1);

	assert_non_null(m);
	return m;
}

/* Send @m (marked for @s, the lengths of its frame) from port 0. */
static void
send_marked(struct sim_pair *sp, void *s, struct rte_mbuf *m, uint64_t ol)
{
	sec_mark(sp->port[0], s, m);
	m->ol_flags |= ol;
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
}

/*
 * Every TX offload the port advertises, on both security actions x IPv4
 * and IPv6: the frame on the wire carries what was asked (outer checksums
 * after the ICV is in for inline crypto; the protected packet's own
 * checksums before encryption for inline protocol).
 */
struct ol_row {
	const char *name;
	enum rte_security_session_action_type action;
	bool tunnel, outer_v6, natt;
	uint8_t ver;		/* inline protocol: the packet given */
	enum test_l4 l4;
	uint64_t ol;		/* checksum requests (TX_IPV4/6 added) */
};

#define CRY RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO
#define PRO RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL
#define IPCK RTE_MBUF_F_TX_IP_CKSUM
#define UDPCK RTE_MBUF_F_TX_UDP_CKSUM
#define TCPCK RTE_MBUF_F_TX_TCP_CKSUM

static const struct ol_row ol_rows[] = {
	{ "crypto v4 esp: ip", CRY, true, false, false, 4, TEST_L4_UDP, IPCK },
	{ "crypto v4 natt: ip+udp", CRY, true, false, true, 4, TEST_L4_UDP,
	  IPCK | UDPCK },
	{ "crypto v6 natt: udp", CRY, true, true, true, 4, TEST_L4_UDP, UDPCK },
	{ "crypto v6 esp: none", CRY, true, true, false, 4, TEST_L4_UDP, 0 },
	{ "proto tunnel v4 in v4: ip+udp", PRO, true, false, false, 4,
	  TEST_L4_UDP, IPCK | UDPCK },
	{ "proto tunnel v6 in v4: tcp", PRO, true, false, false, 6,
	  TEST_L4_TCP, TCPCK },
	{ "proto tunnel v4 in v6 natt: ip+tcp", PRO, true, true, true, 4,
	  TEST_L4_TCP, IPCK | TCPCK },
	{ "proto tunnel v6 in v6: udp", PRO, true, true, false, 6,
	  TEST_L4_UDP, UDPCK },
	{ "proto transport v4: ip+tcp", PRO, false, false, false, 4,
	  TEST_L4_TCP, IPCK | TCPCK },
	{ "proto transport v4 natt: ip+udp", PRO, false, false, true, 4,
	  TEST_L4_UDP, IPCK | UDPCK },
	{ "proto transport v6: udp", PRO, false, false, false, 6,
	  TEST_L4_UDP, UDPCK },
	{ "proto transport v6 natt: tcp", PRO, false, false, true, 6,
	  TEST_L4_TCP, TCPCK },
};

/* A plain frame with the checksums @ol asks for zeroed, and the mbuf
 * flags saying which they are. */
static size_t
zeroed_frame(struct sim_pair *sp, uint8_t ver, enum test_l4 l4, uint16_t pl,
	     uint64_t ol, uint8_t *buf, uint64_t *flags)
{
	struct test_frame f;
	size_t len;
	uint8_t *ip = buf + 14;
	uint32_t l3 = ver == 4 ? 20 : 40;

	sim_frame_init(&f, sp->port[0], sp->port[1], ver, l4, pl, 7);
	len = test_frame_write(&f, buf, FRAME);
	assert_true(len > 0);
	if (ver == 4 && (ol & IPCK))
		memset(ip + 10, 0, 2);
	if ((ol & RTE_MBUF_F_TX_L4_MASK) == UDPCK)
		memset(ip + l3 + 6, 0, 2);
	if ((ol & RTE_MBUF_F_TX_L4_MASK) == TCPCK)
		memset(ip + l3 + 16, 0, 2);
	*flags = ol | (ver == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6);
	return len;
}

static void
test_tx_offloads_matrix(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME], inner[FRAME], wire[FRAME];
	struct rte_eth_dev_info info;

	/* The matrix covers what the port advertises: a new TX offload
	 * (VLAN insert, ...) must come with its rows here. */
	assert_int_equal(rte_eth_dev_info_get(sp->port[0], &info), 0);
	assert_int_equal(info.tx_offload_capa,
			 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			 RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
			 RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			 RTE_ETH_TX_OFFLOAD_TCP_TSO |
			 RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
			 RTE_ETH_TX_OFFLOAD_SECURITY |
			 RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);

	for (size_t r = 0; r < RTE_DIM(ol_rows); r++) {
		const struct ol_row *row = &ol_rows[r];
		struct sec_sa sa = {
			.action = row->action, .tunnel = row->tunnel,
			.outer_v6 = row->outer_v6, .natt = row->natt,
			.spi = 0x8100 + (uint32_t)r, .userdata = r,
		};
		bool crypto = row->action == CRY;
		bool ov6 = row->tunnel ? row->outer_v6 : row->ver == 6;
		void *out, *in;
		struct rte_flow *fl;
		uint64_t flags;
		size_t len, ilen, wlen;
		uint8_t *oip;

		out = sec_session(sp->port[0], sess_mp[0], &sa, true);
		in = sec_session(sp->port[1], sess_mp[1], &sa, false);
		assert_non_null(out);
		assert_non_null(in);
		for (uint32_t sn = 1; sn <= 2; sn++) {
			if (crypto) {
				ilen = plain_frame(sp, 4, sn, inner) - 14;
				len = esp_frame(sp, ov6, row->natt, false,
						sa.spi, sn, inner + 14, ilen,
						4, 0, buf);
				flags = row->ol | (ov6 ? RTE_MBUF_F_TX_IPV6 :
						   RTE_MBUF_F_TX_IPV4);
			} else {
				len = zeroed_frame(sp, row->ver, row->l4, 100,
						   row->ol, buf, &flags);
			}
			if (sn == 2) {
				fl = sec_flow(sp->port[1], in, sa.spi);
				assert_non_null(fl);
			}
			send_marked(sp, out, mbuf_of(sp, buf, len), flags);
			if (recv_n(sp->port[1], 1) != 1)
				fail_msg("%s: SN %u did not arrive", row->name,
					 sn);
			wlen = test_mbuf_copy(rx[0], wire, FRAME);
			assert_true(wlen > 14);
			oip = wire + 14;
			if (sn == 1) {
				/* The wire, as any receiver sees it. */
				if (!ov6 && !ipv4_ck_ok(oip))
					fail_msg("%s: outer IPv4 checksum bad",
						 row->name);
				/* Asked for: the outer NAT-T UDP checksum
				 * (the engine's own is 0, RFC 3948 3.1.1). */
				if (row->natt && crypto && (row->ol & UDPCK)) {
					uint32_t l3 = ov6 ? 40 : 20;

					if ((oip[l3 + 6] | oip[l3 + 7]) == 0 ||
					    !l4_ck_ok(oip))
						fail_msg("%s: outer UDP "
							 "checksum bad",
							 row->name);
				}
			} else {
				uint64_t f = rx[0]->ol_flags;

				if ((f & (RTE_MBUF_F_RX_SEC_OFFLOAD |
					  RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)) !=
				    RTE_MBUF_F_RX_SEC_OFFLOAD)
					fail_msg("%s: not accepted (0x%" PRIx64
						 ")", row->name, f);
				/* What was protected had its checksums. */
				if (!crypto && row->ver == 4 &&
				    !ipv4_ck_ok(oip))
					fail_msg("%s: inner IPv4 checksum bad",
						 row->name);
				if (!crypto && !l4_ck_ok(oip))
					fail_msg("%s: inner L4 checksum bad",
						 row->name);
			}
			test_free_bulk(rx, 1);
		}
		assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), in), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out), 0);
	}
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_bad"), 0);
	assert_int_equal(test_xstat(sp->port[0], "tx_bad_mbuf"), 0);
}

/* A checksum request the frame cannot honour (TCP into ESP): dropped. */
static void
test_tx_offload_wrong_l4(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME], inner[FRAME];
	struct sec_sa sa = { .action = CRY, .tunnel = true, .spi = 0x8200 };
	size_t ilen = plain_frame(sp, 4, 1, inner) - 14, len;
	void *out = sec_session(sp->port[0], sess_mp[0], &sa, true);

	assert_non_null(out);
	len = esp_frame(sp, false, false, false, sa.spi, 1, inner + 14, ilen, 4,
			0, buf);
	send_marked(sp, out, mbuf_of(sp, buf, len),
		    TCPCK | RTE_MBUF_F_TX_IPV4);
	assert_int_equal(recv_n(sp->port[1], 0), 0);
	assert_int_equal(test_xstat(sp->port[0], "tx_bad_mbuf"), 1);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
	assert_true(test_pool_full(sp->tx_pool));
}

/*
 * l2_len/l3_len, as hardware takes them: missing or not the frame's is a
 * counted drop (tx_sec_bad_len), never a guess. l3_len matters where the
 * engine uses it: inline crypto (where ESP starts); inline protocol parses
 * the IP header itself.
 */
enum frame_kind { FK_V4, FK_V4_OPT, FK_V6, FK_VLAN_V4 };

struct len_row {
	const char *name;
	enum rte_security_session_action_type action;
	enum frame_kind kind;
	uint16_t l2, l3;
	bool ok;
};

static const struct len_row len_rows[] = {
	{ "proto l2_len 0", PRO, FK_V4, 0, 20, false },
	{ "proto l2_len 18 without a tag", PRO, FK_V4, 18, 20, false },
	{ "proto VLAN l2_len 14", PRO, FK_VLAN_V4, 14, 20, false },
	{ "proto VLAN l2_len 18", PRO, FK_VLAN_V4, 18, 20, true },
	{ "proto l3_len 0 (not used)", PRO, FK_V4, 14, 0, true },
	{ "proto IHL 6, l3_len 20", PRO, FK_V4_OPT, 14, 20, true },
	{ "proto IHL 6, l3_len 24", PRO, FK_V4_OPT, 14, 24, true },
	{ "proto v6 l3_len 20", PRO, FK_V6, 14, 20, true },
	{ "proto v6 l3_len 40", PRO, FK_V6, 14, 40, true },
	{ "proto v4 l3_len 20", PRO, FK_V4, 14, 20, true },
	{ "crypto l2_len 0", CRY, FK_V4, 0, 20, false },
	{ "crypto l3_len 0", CRY, FK_V4, 14, 0, false },
	{ "crypto IHL 5, l3_len 24", CRY, FK_V4, 14, 24, false },
	{ "crypto l3_len 28 (with UDP)", CRY, FK_V4, 14, 28, false },
	{ "crypto VLAN l2_len 14", CRY, FK_VLAN_V4, 14, 20, false },
	{ "crypto VLAN l2_len 18", CRY, FK_VLAN_V4, 18, 20, true },
	{ "crypto v6 l3_len 48", CRY, FK_V6, 14, 48, false },
	{ "crypto v6 l3_len 40", CRY, FK_V6, 14, 40, true },
	{ "crypto v4 l3_len 20", CRY, FK_V4, 14, 20, true },
};

/* Insert 4 bytes of IPv4 options (NOPs) into the frame at @buf. */
static size_t
add_ipv4_options(uint8_t *buf, size_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);

	memmove(buf + 34 + 4, buf + 34, len - 34);
	memset(buf + 34, 1, 4);
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(
		(uint16_t)(rte_be_to_cpu_16(ip->total_length) + 4));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return len + 4;
}

/* Insert a VLAN tag (VID 100) after the MAC addresses. */
static size_t
add_vlan(uint8_t *buf, size_t len)
{
	memmove(buf + 16, buf + 12, len - 12);
	buf[12] = 0x81;
	buf[13] = 0x00;
	buf[14] = 0x00;
	buf[15] = 100;
	return len + 4;
}

static void
test_header_lengths(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME], inner[FRAME];
	uint64_t bad = 0;

	for (size_t r = 0; r < RTE_DIM(len_rows); r++) {
		const struct len_row *row = &len_rows[r];
		struct sec_sa sa = {
			.action = row->action, .tunnel = true,
			.spi = 0x8300 + (uint32_t)r,
		};
		bool v6 = row->kind == FK_V6;
		struct rte_mbuf *m;
		size_t len, ilen;
		void *out;

		out = sec_session(sp->port[0], sess_mp[0], &sa, true);
		assert_non_null(out);
		if (row->action == CRY) {
			ilen = plain_frame(sp, 4, 1, inner) - 14;
			len = esp_frame(sp, v6, false, row->kind == FK_VLAN_V4,
					sa.spi, 1, inner + 14, ilen, 4, 0, buf);
		} else {
			len = plain_frame(sp, v6 ? 6 : 4, 1, buf);
			if (row->kind == FK_V4_OPT)
				len = add_ipv4_options(buf, len);
			if (row->kind == FK_VLAN_V4)
				len = add_vlan(buf, len);
		}
		m = mbuf_of(sp, buf, len);
		sec_mark(sp->port[0], out, m);
		m->l2_len = row->l2;
		m->l3_len = row->l3;
		assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
		if (recv_n(sp->port[1], row->ok) != row->ok)
			fail_msg("%s: %s", row->name, row->ok ?
				 "did not arrive" : "went out");
		test_free_bulk(rx, row->ok);
		bad += !row->ok;
		if (test_xstat(sp->port[0], "tx_sec_bad_len") != bad)
			fail_msg("%s: tx_sec_bad_len %" PRIu64 ", want %"
				 PRIu64, row->name,
				 test_xstat(sp->port[0], "tx_sec_bad_len"),
				 bad);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out), 0);
	}
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_bad"), 0);
	assert_true(test_pool_full(sp->tx_pool));
}

/*
 * Link padding: a 40-byte TCP ACK in a 60-byte frame (and an IPv6 ACK
 * with 8 bytes after it). The engine protects the IP datagram only; on
 * the way in, bytes after the outer datagram are not the packet's.
 */
struct pad_row {
	const char *name;
	enum rte_security_session_action_type action;
	bool tunnel, outer_v6;
	uint8_t ver;
	size_t trail;
};

static const struct pad_row pad_rows[] = {
	{ "proto tunnel v4 in v4", PRO, true, false, 4, 6 },
	{ "proto tunnel v4 in v6", PRO, true, true, 4, 6 },
	{ "proto tunnel v6 in v4", PRO, true, false, 6, 8 },
	{ "proto transport v4", PRO, false, false, 4, 6 },
	{ "proto transport v6", PRO, false, false, 6, 8 },
	{ "crypto v4", CRY, true, false, 4, 6 },
	{ "crypto v6", CRY, true, true, 4, 8 },
};

static void
test_link_padding(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME], orig[FRAME], wire[FRAME];

	for (size_t r = 0; r < RTE_DIM(pad_rows); r++) {
		const struct pad_row *row = &pad_rows[r];
		struct sec_sa sa = {
			.action = row->action, .tunnel = row->tunnel,
			.outer_v6 = row->outer_v6, .spi = 0x8400 + (uint32_t)r,
		};
		struct test_frame f;
		size_t olen, len, wlen, dgram, want;
		uint32_t l3 = row->ver == 4 ? 20 : 40, ol3;
		void *out, *in;
		struct rte_flow *fl;

		out = sec_session(sp->port[0], sess_mp[0], &sa, true);
		in = sec_session(sp->port[1], sess_mp[1], &sa, false);
		assert_non_null(out);
		assert_non_null(in);
		/* A pure ACK (headers only) in a frame @trail bytes longer:
		 * written with a payload, then cut to the headers. */
		sim_frame_init(&f, sp->port[0], sp->port[1], row->ver,
			       TEST_L4_TCP, (uint16_t)row->trail, 0);
		olen = test_frame_write(&f, orig, FRAME);
		assert_int_equal(olen, 14 + l3 + 20 + row->trail);
		olen -= row->trail;
		memset(orig + olen, 0xee, row->trail);
		if (row->ver == 4) {
			struct rte_ipv4_hdr *h = (void *)(orig + 14);

			h->total_length = rte_cpu_to_be_16(40);
			h->hdr_checksum = 0;
			h->hdr_checksum = rte_ipv4_cksum(h);
			memset(orig + 14 + 20 + 16, 0, 2);
			((struct rte_tcp_hdr *)(orig + 34))->cksum =
				rte_ipv4_udptcp_cksum(h, orig + 34);
		} else {
			struct rte_ipv6_hdr *h = (void *)(orig + 14);

			h->payload_len = rte_cpu_to_be_16(20);
			memset(orig + 14 + 40 + 16, 0, 2);
			((struct rte_tcp_hdr *)(orig + 54))->cksum =
				rte_ipv6_udptcp_cksum(h, orig + 54);
		}
		if (row->action == CRY) {
			len = esp_frame(sp, row->outer_v6, false, false, sa.spi,
					1, orig + 14, olen - 14, 4, row->trail,
					buf);
			want = len - row->trail - 14;
			ol3 = row->outer_v6 ? 40 : 20;
		} else {
			memcpy(buf, orig, olen + row->trail);
			len = olen + row->trail;
			ol3 = row->tunnel ? (row->outer_v6 ? 40 : 20) : l3;
			/* ESP: header, IV, payload + trailer to 4, ICV. */
			want = ol3 + 8 + 8 + 16 + RTE_ALIGN_CEIL(
				(row->tunnel ? olen - 14 : 20) + 2, 4);
		}
		send_marked(sp, out, mbuf_of(sp, buf, len), 0);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		wlen = test_mbuf_copy(rx[0], wire, FRAME);
		test_free_bulk(rx, 1);
		dgram = (wire[14] >> 4) == 4 ? (size_t)(wire[16] << 8 | wire[17]) :
			40 + (size_t)(wire[18] << 8 | wire[19]);
		if (dgram != want || wlen != 14 + dgram)
			fail_msg("%s: on the wire a %zu-byte datagram in a "
				 "%zu-byte frame, want %zu", row->name, dgram,
				 wlen, want);

		/* Inbound: the captured frame with bytes after it. */
		fl = sec_flow(sp->port[1], in, sa.spi);
		assert_non_null(fl);
		memset(wire + wlen, 0x5a, 10);
		send_raw(sp, sp->port[0], wire, wlen + 10);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		assert_int_equal(rx[0]->ol_flags &
				 (RTE_MBUF_F_RX_SEC_OFFLOAD |
				  RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED),
				 RTE_MBUF_F_RX_SEC_OFFLOAD);
		if (row->action == PRO &&
		    !test_mbuf_equals(rx[0], orig, olen))
			fail_msg("%s: decrypted packet is %u bytes, want the "
				 "%zu-byte original", row->name,
				 rx[0]->pkt_len, olen);
		test_free_bulk(rx, 1);
		assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), in), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out), 0);
	}
}

/*
 * A pool of one mbuf in malloc'd memory whose data room ends where the
 * allocation ends: a read past a frame placed at the end is a read past
 * the allocation, which ASan reports.
 */
enum { TIGHT_ROOM = 512 };

static struct rte_mempool *
tight_pool(void **mem)
{
	static unsigned int seq;
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = TIGHT_ROOM,
	};
	struct rte_mempool_objsz sz;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;
	uint32_t elt = sizeof(struct rte_mbuf) + TIGHT_ROOM, total, pad;
	unsigned int flags = RTE_MEMPOOL_F_NO_CACHE_ALIGN |
			     RTE_MEMPOOL_F_NO_SPREAD |
			     RTE_MEMPOOL_F_NO_IOVA_CONTIG;

	snprintf(name, sizeof(name), "t_tight_%u", seq++);
	mp = rte_mempool_create_empty(name, 1, elt, 0, sizeof(priv),
				      SOCKET_ID_ANY, flags);
	assert_non_null(mp);
	assert_int_equal(rte_mempool_set_ops_byname(mp, "ring_mp_mc", NULL),
			 0);
	rte_pktmbuf_pool_init(mp, &priv);
	total = rte_mempool_calc_obj_size(elt, flags, &sz);
	/* The mbuf after the object header on a cache line, as struct
	 * rte_mbuf wants; the object's end the allocation's end. */
	pad = (RTE_CACHE_LINE_SIZE - sz.header_size % RTE_CACHE_LINE_SIZE) %
	      RTE_CACHE_LINE_SIZE;
	assert_int_equal(posix_memalign(mem, RTE_CACHE_LINE_SIZE, pad + total),
			 0);
	assert_int_equal(rte_mempool_populate_virt(mp, (char *)*mem + pad,
						   total, 4096, NULL, NULL), 1);
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

/* @len bytes of @buf in the tight pool's mbuf, ending at its last byte. */
static struct rte_mbuf *
tight_mbuf(struct rte_mempool *mp, const void *mem, const uint8_t *buf,
	   size_t len)
{
	struct rte_mempool_objsz sz;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint32_t total = rte_mempool_calc_obj_size(
		sizeof(struct rte_mbuf) + TIGHT_ROOM, mp->flags, &sz);
	uint32_t pad = (RTE_CACHE_LINE_SIZE -
			sz.header_size % RTE_CACHE_LINE_SIZE) %
		       RTE_CACHE_LINE_SIZE;

	assert_non_null(m);
	assert_ptr_equal((uint8_t *)m->buf_addr + m->buf_len,
			 (const uint8_t *)mem + pad + total);
	assert_true(len <= m->buf_len);
	m->data_off = (uint16_t)(m->buf_len - len);
	memcpy(rte_pktmbuf_mtod(m, void *), buf, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	return m;
}

/*
 * Authenticated ESP (a valid ICV) whose inner header lies about its
 * length: the engine reads the inner header only where its fields say
 * bytes are, and fails the packet (rx_sec_inner_bad), delivered as
 * received. TFC padding after a sound inner packet is removed.
 */
struct inner_row {
	const char *name;
	uint8_t inner[48];
	size_t in_len;
	uint8_t nh;		/* ESP next header */
	uint8_t otos;		/* outer TOS */
	bool ecn, copy_dscp;
	size_t ok_len;		/* accepted: the inner length, else 0 */
};

static const struct inner_row inner_rows[] = {
	{ "IHL 15 in 20 bytes, CE over ECT(0)",
	  { 0x4f, 0x02, 0, 20, 0, 0, 0, 0, 64, 253 }, 20, 4, 0x03,
	  true, false, 0 },
	{ "IHL 15 in 20 bytes, copy_dscp",
	  { 0x4f, 0x00, 0, 20, 0, 0, 0, 0, 64, 253 }, 20, 4, 0xb8,
	  false, true, 0 },
	{ "total length 60 > 20 bytes", { 0x45, 0x02, 0, 60, 0, 0, 0, 0, 64,
	  253 }, 20, 4, 0x03, true, false, 0 },
	{ "total length 16 < IHL", { 0x45, 0x02, 0, 16, 0, 0, 0, 0, 64, 253 },
	  20, 4, 0x03, true, false, 0 },
	{ "IHL 4", { 0x44, 0x02, 0, 20, 0, 0, 0, 0, 64, 253 }, 20, 4, 0x03,
	  true, false, 0 },
	{ "IPv6 payload 100 in 40 bytes", { 0x60, 0x20, 0, 0, 0, 100, 59, 64 },
	  40, 41, 0x03, true, true, 0 },
	{ "IPv4 20 of 28 bytes: TFC padding", { 0x45, 0x02, 0, 20, 0, 0, 0, 0,
	  64, 253 }, 28, 4, 0x03, true, false, 20 },
};

static void
test_inner_header_bad(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME], wire[FRAME], got_b[FRAME];
	uint64_t bad = 0;
	void *mem;
	struct rte_mempool *tmp = tight_pool(&mem);

	for (size_t r = 0; r < RTE_DIM(inner_rows); r++) {
		const struct inner_row *row = &inner_rows[r];
		struct sec_sa sa = {
			.action = CRY, .tunnel = true,
			.spi = 0x8500 + (uint32_t)r, .userdata = 5,
		};
		struct sec_sa ps = sa;
		struct rte_security_session_conf conf;
		struct rte_crypto_sym_xform xf[2];
		struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(wire + 14);
		uint8_t inner[48];
		struct rte_mbuf *m;
		struct rte_flow *fl;
		size_t len, wlen;
		void *out, *in;

		memcpy(inner, row->inner, sizeof(inner));
		if (row->nh == 4 && (inner[0] & 0xfu) == 5) {
			((struct rte_ipv4_hdr *)inner)->hdr_checksum =
				rte_ipv4_cksum((struct rte_ipv4_hdr *)inner);
		}
		/* The NIC's inline crypto computes the ICV... */
		out = sec_session(sp->port[0], sess_mp[0], &sa, true);
		assert_non_null(out);
		len = esp_frame(sp, false, false, false, sa.spi, 1, inner,
				row->in_len, row->nh, 0, buf);
		send_marked(sp, out, mbuf_of(sp, buf, len), 0);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		wlen = test_mbuf_copy(rx[0], wire, FRAME);
		assert_int_equal(wlen, len);
		test_free_bulk(rx, 1);
		/* ...the outer TOS is not covered by it. */
		oip->type_of_service = row->otos;
		oip->hdr_checksum = 0;
		oip->hdr_checksum = rte_ipv4_cksum(oip);

		/* ...and an inline protocol SA takes it apart. */
		ps.action = PRO;
		sec_conf(&ps, false, &conf, xf);
		conf.ipsec.options.ecn = row->ecn;
		conf.ipsec.options.copy_dscp = row->copy_dscp;
		in = rte_security_session_create(sec_ctx(sp->port[1]), &conf,
						 sess_mp[1]);
		assert_non_null(in);
		fl = sec_flow(sp->port[1], in, sa.spi);
		assert_non_null(fl);
		m = tight_mbuf(tmp, mem, wire, wlen);
		assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
		assert_int_equal(recv_n(sp->port[1], 1), 1);
		if (row->ok_len == 0) {
			bad++;
			if (!(rx[0]->ol_flags &
			      RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED))
				fail_msg("%s: accepted", row->name);
			if (!test_mbuf_equals(rx[0], wire, wlen))
				fail_msg("%s: not delivered as received",
					 row->name);
		} else {
			assert_int_equal(rx[0]->ol_flags &
					 RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED, 0);
			assert_int_equal(test_mbuf_copy(rx[0], got_b, FRAME),
					 14 + row->ok_len);
			/* CE marked (RFC 6040), the rest as sent. */
			assert_int_equal(got_b[15], 0x03);
			assert_memory_equal(got_b + 16, inner + 2, 8);
			assert_memory_equal(got_b + 26, inner + 12, 8);
			assert_true(ipv4_ck_ok(got_b + 14));
		}
		test_free_bulk(rx, 1);
		if (test_xstat(sp->port[1], "rx_sec_inner_bad") != bad)
			fail_msg("%s: rx_sec_inner_bad %" PRIu64 ", want %"
				 PRIu64, row->name,
				 test_xstat(sp->port[1], "rx_sec_inner_bad"),
				 bad);
		assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), in), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), out), 0);
	}
	assert_int_equal(rte_mempool_avail_count(tmp), 1);
	rte_mempool_free(tmp);
	free(mem);
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-sec-datapath", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_matrix,
			dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_tamper_replay,
			dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_hard_expiry,
			dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_malformed,
			dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_inline_crypto,
			dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_tx_offloads_matrix,
			ol_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_tx_offload_wrong_l4,
			ol_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_header_lengths,
			ol_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_link_padding,
			ol_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_inner_header_bad,
			ol_setup, dp_teardown),
	};

	return cmocka_run_group_tests_name("pmd-sec-datapath", tests,
					   group_setup, sim_eal_teardown);
}
