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
#include <rte_security.h>

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
	};

	return cmocka_run_group_tests_name("pmd-sec-datapath", tests,
					   group_setup, sim_eal_teardown);
}
