/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's inline IP reassembly: port 0 encrypts inner IPv4/IPv6
 * fragments (egress SA), port 1 decrypts them (ingress SA with
 * ip_reassembly_en) and reassembles. Capability and configuration
 * (rte_eth_ip_reassembly_*), session option checks, a complete set
 * delivered as one packet, an incomplete set (timeout) and an overlapping
 * set delivered as fragments linked by the reassembly dynfield, and the
 * ESP sequence number each reports (RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN).
 * Contract: doc/sim_inline.md, "Inline IP reassembly".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_security.h>

#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "sec_util.h"
#include "sim_pair.h"

enum { MAX_PKTS = 64, FRAME = 9000, MAX_FRAGS = 8, TIMEOUT_MS = 50 };

static struct rte_mbuf *rx[MAX_PKTS];
static struct rte_mempool *sess_mp[2];

static int
reass_setup(void **state)
{
	return sec_pair_setup(state, NULL, NULL, sess_mp, 16);
}

static int
reass_teardown(void **state)
{
	return sec_pair_teardown(state, sess_mp);
}

static void *
session(uint16_t port, struct rte_mempool *mp, const struct sec_sa *sa,
	bool egress, bool reass)
{
	struct rte_security_session_conf conf;
	struct rte_crypto_sym_xform xf[2];

	sec_conf(sa, egress, &conf, xf);
	conf.ipsec.options.ip_reassembly_en = reass;
	return rte_security_session_create(sec_ctx(port), &conf, mp);
}

static void
conf_set(uint16_t port, uint32_t timeout, uint16_t frags, uint16_t flags,
	 int want)
{
	struct rte_eth_ip_reassembly_params c = {
		.timeout_ms = timeout, .max_frags = frags, .flags = flags,
	};

	assert_int_equal(rte_eth_ip_reassembly_conf_set(port, &c), want);
}

/* Restart port 1 with reassembly configured. */
static void
reass_on(struct sim_pair *sp, uint32_t timeout)
{
	assert_int_equal(rte_eth_dev_stop(sp->port[1]), 0);
	conf_set(sp->port[1], timeout, MAX_FRAGS,
		 RTE_ETH_DEV_REASSEMBLY_F_IPV4 | RTE_ETH_DEV_REASSEMBLY_F_IPV6,
		 0);
	assert_int_equal(rte_eth_dev_start(sp->port[1]), 0);
}

static void
test_capability_conf(void **state)
{
	struct sim_pair *sp = *state;
	uint16_t p = sp->port[1];
	struct rte_eth_ip_reassembly_params c;
	struct rte_eth_conf plain;
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = true, .spi = 0x300, .userdata = 0x33,
	};
	void *s;

	/* Part of the inline IPsec engine: RX security offload needed. */
	assert_int_equal(rte_eth_dev_stop(p), 0);
	memset(&plain, 0, sizeof(plain));
	assert_int_equal(rte_eth_dev_configure(p, 1, 1, &plain), 0);
	assert_int_equal(rte_eth_ip_reassembly_capability_get(p, &c), -ENOTSUP);
	assert_int_equal(sec_port_start(p, sp->rx_pool[1]), 0);

	memset(&c, 0xff, sizeof(c));
	assert_int_equal(rte_eth_ip_reassembly_capability_get(p, &c), 0);
	assert_int_equal(c.timeout_ms, 15000);
	assert_int_equal(c.max_frags, MAX_FRAGS);
	assert_int_equal(c.flags, RTE_ETH_DEV_REASSEMBLY_F_IPV4 |
				  RTE_ETH_DEV_REASSEMBLY_F_IPV6);
	/* Not set yet. */
	assert_int_equal(rte_eth_ip_reassembly_conf_get(p, &c), -EINVAL);
	/* An ingress SA cannot ask for it yet; egress ignores it. */
	assert_null(session(p, sess_mp[1], &sa, false, true));
	assert_int_equal(rte_errno, ENOTSUP);
	s = session(p, sess_mp[1], &sa, true, true);
	assert_non_null(s);
	assert_int_equal(rte_security_session_destroy(sec_ctx(p), s), 0);

	/* Only while stopped (ethdev), only within the capability. */
	conf_set(p, 100, 4, RTE_ETH_DEV_REASSEMBLY_F_IPV4, -EINVAL);
	assert_int_equal(rte_eth_dev_stop(p), 0);
	conf_set(p, 0, 4, RTE_ETH_DEV_REASSEMBLY_F_IPV4, -EINVAL);
	conf_set(p, 15001, 4, RTE_ETH_DEV_REASSEMBLY_F_IPV4, -EINVAL);
	conf_set(p, 100, 1, RTE_ETH_DEV_REASSEMBLY_F_IPV4, -EINVAL);
	conf_set(p, 100, MAX_FRAGS + 1, RTE_ETH_DEV_REASSEMBLY_F_IPV4, -EINVAL);
	conf_set(p, 100, 4, 1u << 2, -EINVAL);
	assert_int_equal(rte_eth_ip_reassembly_conf_get(p, &c), -EINVAL);

	conf_set(p, 100, 4, RTE_ETH_DEV_REASSEMBLY_F_IPV4, 0);
	assert_int_equal(rte_eth_ip_reassembly_conf_get(p, &c), 0);
	assert_int_equal(c.timeout_ms, 100);
	assert_int_equal(c.max_frags, 4);
	assert_int_equal(c.flags, RTE_ETH_DEV_REASSEMBLY_F_IPV4);
	/* conf_set registered the dynfield and the dynflag. */
	assert_true(rte_mbuf_dynfield_lookup(
		RTE_MBUF_DYNFIELD_IP_REASSEMBLY_NAME, NULL) >= 0);
	assert_true(rte_mbuf_dynflag_lookup(
		RTE_MBUF_DYNFLAG_IP_REASSEMBLY_INCOMPLETE_NAME, NULL) >= 0);

	/* Now an inline-protocol ingress SA may; inline crypto may not. */
	s = session(p, sess_mp[1], &sa, false, true);
	assert_non_null(s);
	assert_int_equal(rte_security_session_destroy(sec_ctx(p), s), 0);
	sa.action = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO;
	assert_null(session(p, sess_mp[1], &sa, false, true));
	assert_int_equal(rte_errno, ENOTSUP);

	/* flags 0: off again. */
	conf_set(p, 0, 0, 0, 0);
	assert_int_equal(rte_eth_ip_reassembly_conf_get(p, &c), -EINVAL);
	assert_int_equal(rte_eth_dev_start(p), 0);
}

/* ---- fragments ---- */

struct frag {
	uint8_t b[2048];
	size_t len;
};

/*
 * Split the IP packet of frame @f (Ethernet + IPv4/IPv6 without options or
 * extension headers) into fragments carrying @chunk bytes of data each
 * (a multiple of 8), as a router would. @f's IPv4 ID becomes @id and DF
 * is cleared (the reassembled packet is then @f). Returns how many.
 */
static unsigned int
fragment(uint8_t *f, size_t len, uint32_t chunk, uint32_t id,
	 struct frag *out)
{
	const size_t l2 = RTE_ETHER_HDR_LEN;
	bool v4 = (f[l2] >> 4) == 4;
	size_t l3 = v4 ? sizeof(struct rte_ipv4_hdr) :
			 sizeof(struct rte_ipv6_hdr);
	size_t data = len - l2 - l3, off;
	unsigned int n = 0;

	if (v4) {
		struct rte_ipv4_hdr *h = (void *)(f + l2);

		h->packet_id = rte_cpu_to_be_16((uint16_t)id);
		h->fragment_offset = 0;	/* no DF: it may be fragmented */
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	}

	for (off = 0; off < data; off += chunk, n++) {
		size_t dl = RTE_MIN((size_t)chunk, data - off);
		bool mf = off + dl < data;
		uint8_t *o = out[n].b;

		memcpy(o, f, l2 + l3);
		if (v4) {
			struct rte_ipv4_hdr *h = (void *)(o + l2);

			h->packet_id = rte_cpu_to_be_16((uint16_t)id);
			h->total_length = rte_cpu_to_be_16((uint16_t)(l3 + dl));
			h->fragment_offset = rte_cpu_to_be_16((uint16_t)(
				(off / 8) | (mf ? RTE_IPV4_HDR_MF_FLAG : 0)));
			h->hdr_checksum = 0;
			h->hdr_checksum = rte_ipv4_cksum(h);
			memcpy(o + l2 + l3, f + l2 + l3 + off, dl);
			out[n].len = l2 + l3 + dl;
		} else {
			struct rte_ipv6_hdr *h = (void *)(o + l2);
			uint8_t *fh = o + l2 + l3;
			uint16_t of = (uint16_t)(off | (mf ? 1 : 0));
			uint32_t idb = rte_cpu_to_be_32(id);

			fh[0] = h->proto;
			fh[1] = 0;
			fh[2] = (uint8_t)(of >> 8);
			fh[3] = (uint8_t)of;
			memcpy(fh + 4, &idb, 4);
			h->proto = IPPROTO_FRAGMENT;
			h->payload_len = rte_cpu_to_be_16((uint16_t)(8 + dl));
			memcpy(fh + 8, f + l2 + l3 + off, dl);
			out[n].len = l2 + l3 + 8 + dl;
		}
	}
	return n;
}

static void
send_protected(struct sim_pair *sp, void *s, const struct frag *fr)
{
	struct rte_mbuf *m = test_mbuf_from_bytes(sp->tx_pool, fr->b, fr->len,
						  1);

	assert_non_null(m);
	sec_mark(sp->port[0], s, m);
	assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1, 1000), 1);
}

static uint64_t
incomplete_flag(void)
{
	int bit = rte_mbuf_dynflag_lookup(
		RTE_MBUF_DYNFLAG_IP_REASSEMBLY_INCOMPLETE_NAME, NULL);

	assert_true(bit >= 0);
	return RTE_BIT64(bit);
}

/* The ESP SN the engine reported for @m. */
static uint64_t
esp_sn(const struct rte_mbuf *m)
{
	int off = rte_mbuf_dynfield_lookup(RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN,
					   NULL);

	assert_true(off >= 0);
	return *RTE_MBUF_DYNFIELD(m, off, const uint64_t *);
}

static rte_eth_ip_reassembly_dynfield_t *
dynfield(struct rte_mbuf *m)
{
	int off = rte_mbuf_dynfield_lookup(
		RTE_MBUF_DYNFIELD_IP_REASSEMBLY_NAME, NULL);

	assert_true(off >= 0);
	return RTE_MBUF_DYNFIELD(m, off, rte_eth_ip_reassembly_dynfield_t *);
}

/*
 * Receive one incomplete set: the fragments @want[0..n) in order, each a
 * decrypted copy of what was sent, reporting its own SN (@sn0 + i). Frees
 * it. Returns time_spent.
 */
static uint16_t
check_incomplete(struct sim_pair *sp, const struct frag *want,
		 const unsigned int *order, unsigned int n, uint64_t userdata,
		 uint64_t sn0)
{
	uint64_t flag = incomplete_flag();
	struct rte_mbuf *m, *next;
	uint16_t spent;

	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, 1, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), 1);
	m = rx[0];
	spent = dynfield(m)->time_spent;
	for (unsigned int i = 0; i < n; i++) {
		rte_eth_ip_reassembly_dynfield_t *d;

		assert_non_null(m);
		d = dynfield(m);
		assert_true(m->ol_flags & flag);
		assert_true(m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
		assert_false(m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
		assert_int_equal(*rte_security_dynfield(m), userdata);
		assert_int_equal(esp_sn(m), sn0 + i);
		assert_true(test_mbuf_equals(m, want[order[i]].b,
					     want[order[i]].len));
		assert_int_equal(d->nb_frags, n - 1 - i);
		assert_int_equal(d->time_spent, spent);
		next = d->next_frag;
		if (i + 1 == n)
			assert_null(next);
		rte_pktmbuf_free(m);
		m = next;
	}
	/* Nothing else comes. */
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, MAX_PKTS, MAX_PKTS,
				      TEST_QUIET_MS), 0);
	return spent;
}

static void
test_complete_incomplete(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t orig[FRAME];
	static struct frag fr[MAX_FRAGS + 1];
	const uint64_t flag_ud = 0x5eed;
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = true, .spi = 0x400, .userdata = flag_ud,
	};
	struct test_frame tf;
	struct rte_flow *fl;
	void *out, *in;
	uint64_t flag;
	size_t len;
	unsigned int n;

	reass_on(sp, TIMEOUT_MS);
	flag = incomplete_flag();
	out = session(sp->port[0], sess_mp[0], &sa, true, true);
	in = session(sp->port[1], sess_mp[1], &sa, false, true);
	assert_non_null(out);
	assert_non_null(in);
	fl = sec_flow(sp->port[1], in, sa.spi);
	assert_non_null(fl);

	/* Complete sets, IPv4 and IPv6, in and out of order: one packet,
	 * larger than an RX mbuf, so chained though scatter is off. */
	for (int v = 0; v < 4; v++) {
		const unsigned int ord[2][5] = { { 0, 1, 2, 3, 4 },
						 { 3, 0, 4, 2, 1 } };
		uint32_t id = 7 + (uint32_t)v;

		sim_frame_init(&tf, sp->port[0], sp->port[1], v & 1 ? 6 : 4,
			       TEST_L4_UDP, 5000, id);
		len = test_frame_write(&tf, orig, sizeof(orig));
		assert_true(len > 0);
		n = fragment(orig, len, 1200, id, fr);
		assert_int_equal(n, 5);
		for (unsigned int i = 0; i < n; i++)
			send_protected(sp, out, &fr[ord[v >> 1][i]]);
		assert_int_equal(test_rx_poll(sp->port[1], 0, rx, 1, MAX_PKTS,
					      TEST_RX_TIMEOUT_MS), 1);
		assert_int_equal(test_rx_poll(sp->port[1], 0, rx + 1, MAX_PKTS,
					      MAX_PKTS - 1, TEST_QUIET_MS), 0);
		assert_true(rx[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
		assert_false(rx[0]->ol_flags &
			     (RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED | flag));
		assert_int_equal(*rte_security_dynfield(rx[0]), flag_ud);
		/* The SN of the first fragment (offset 0), sent at place
		 * 0 (in order) or 1 (out of order) of this set. */
		assert_int_equal(esp_sn(rx[0]), 1 + 5 * v + (v >> 1));
		assert_true(rx[0]->nb_segs > 1);
		assert_int_equal(rx[0]->pkt_len, len);
		assert_true(test_mbuf_equals(rx[0], orig, len));
		assert_int_equal(rx[0]->packet_type & RTE_PTYPE_L4_MASK,
				 RTE_PTYPE_L4_UDP);
		rte_pktmbuf_free(rx[0]);
	}
	assert_int_equal(test_xstat(sp->port[1], "rx_reass_ok"), 4);

	/* Incomplete: the middle fragment never comes; after the timeout the
	 * two others come up, linked, in arrival order. */
	sim_frame_init(&tf, sp->port[0], sp->port[1], 4, TEST_L4_UDP, 3000,
		       21);
	len = test_frame_write(&tf, orig, sizeof(orig));
	n = fragment(orig, len, 1200, 21, fr);
	assert_int_equal(n, 3);
	{
		const unsigned int order[2] = { 2, 0 };
		uint64_t t0 = rte_get_timer_cycles();

		send_protected(sp, out, &fr[2]);
		send_protected(sp, out, &fr[0]);
		assert_true(check_incomplete(sp, fr, order, 2, flag_ud, 21) >=
			    TIMEOUT_MS - 1);
		assert_true(rte_get_timer_cycles() - t0 >=
			    test_ms_to_cycles(TIMEOUT_MS - 1));
	}
	/* Overlap (a duplicate): given up as soon as all bytes are there. */
	{
		const unsigned int order[4] = { 0, 1, 1, 2 };

		for (unsigned int i = 0; i < 4; i++)
			send_protected(sp, out, &fr[order[i]]);
		assert_true(check_incomplete(sp, fr, order, 4, flag_ud, 23) <
			    TIMEOUT_MS);
	}
	assert_int_equal(test_xstat(sp->port[1], "rx_reass_incomplete"), 2);

	/* Fragments held when their SA goes are dropped (and those held
	 * when the port closes: the pools are checked at teardown). */
	send_protected(sp, out, &fr[0]);
	test_delay_ms(5);
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, MAX_PKTS, MAX_PKTS,
				      5), 0);
	send_protected(sp, out, &fr[1]);
	test_delay_ms(5);
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, MAX_PKTS, MAX_PKTS,
				      5), 0);
	assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]),
						      in), 0);
	assert_int_equal(test_xstat(sp->port[1], "rx_reass_drop"), 2);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
}

/* Reassembly off (the default): fragments come up one by one. */
static void
test_off(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t orig[FRAME];
	static struct frag fr[MAX_FRAGS];
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = true, .spi = 0x500, .userdata = 5,
	};
	struct test_frame tf;
	struct rte_flow *fl;
	void *out, *in;
	size_t len;
	unsigned int n;

	out = session(sp->port[0], sess_mp[0], &sa, true, true);
	in = session(sp->port[1], sess_mp[1], &sa, false, false);
	assert_non_null(out);
	assert_non_null(in);
	fl = sec_flow(sp->port[1], in, sa.spi);
	assert_non_null(fl);
	sim_frame_init(&tf, sp->port[0], sp->port[1], 6, TEST_L4_UDP, 2000, 3);
	len = test_frame_write(&tf, orig, sizeof(orig));
	n = fragment(orig, len, 1000, 3, fr);
	for (unsigned int i = 0; i < n; i++)
		send_protected(sp, out, &fr[i]);
	assert_int_equal(test_rx_poll(sp->port[1], 0, rx, n, MAX_PKTS,
				      TEST_RX_TIMEOUT_MS), n);
	for (unsigned int i = 0; i < n; i++)
		assert_true(test_mbuf_equals(rx[i], fr[i].b, fr[i].len));
	test_free_bulk(rx, n);
	assert_int_equal(rte_flow_destroy(sp->port[1], fl, NULL), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]),
						      in), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
}

static int
group_setup(void **state)
{
	/* As dpsec does, before any session: the SN the engine reports. */
	static const struct rte_mbuf_dynfield sn = {
		.name = RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN,
		.size = sizeof(uint64_t), .align = __alignof__(uint64_t),
	};

	(void)state;
	if (test_eal_init("pmd-sec-reass", NULL, 0) < 0)
		return -1;
	return rte_mbuf_dynfield_register(&sn) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_capability_conf,
			reass_setup, reass_teardown),
		cmocka_unit_test_setup_teardown(test_complete_incomplete,
			reass_setup, reass_teardown),
		cmocka_unit_test_setup_teardown(test_off,
			reass_setup, reass_teardown),
	};

	return cmocka_run_group_tests_name("pmd-sec-reass", tests,
					   group_setup, sim_eal_teardown);
}
