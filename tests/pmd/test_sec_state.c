/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's SA state beyond the packets themselves: the ESP
 * sequence number each accepted inline-protocol packet reports in the
 * RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN dynfield, rte_security_session_update()
 * moving an SA's sequence state, and the engine reset (devarg
 * sec_reset_on_stop, rte_pmd_sim_inline_sec_reset()) that loses the SA
 * table while the application's handles stay valid.
 * Contract: doc/sim_inline.md, "Inline IPsec".
 *
 * The tests run in the order of main(): the first needs the SN field not
 * registered yet, and a dynfield cannot be unregistered.
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
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_security.h>

#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "sec_util.h"
#include "sim_pair.h"

enum { MAX_PKTS = 256, FILL = 0xa5 };

#define SENTINEL UINT64_C(0xa5a5a5a5a5a5a5a5)	/* FILL in every byte */
/* Where a raw ESP frame of the tests' IPv4 tunnels has its SN. */
#define ESP_SN_OFF (RTE_ETHER_HDR_LEN + 20 + 4)

static struct rte_mbuf *rx[MAX_PKTS];
static struct rte_mempool *sess_mp[2];
static int sentinel_off = -1;	/* a field of the test's own, once there */

static int
plain_setup(void **state)
{
	return sec_pair_setup(state, NULL, NULL, sess_mp, 16);
}

static int
reset_on_stop_setup(void **state)
{
	return sec_pair_setup(state, "sec_reset_on_stop=1",
			      "sec_reset_on_stop=1", sess_mp, 16);
}

static int
state_teardown(void **state)
{
	return sec_pair_teardown(state, sess_mp);
}

static int
sn_off(void)
{
	return rte_mbuf_dynfield_lookup(RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN,
					NULL);
}

/* What the application (dpsec) does: the contract's field. */
static int
sn_register(void)
{
	static const struct rte_mbuf_dynfield d = {
		.name = RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN,
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};

	return rte_mbuf_dynfield_register(&d);
}

static uint64_t
field_u64(const struct rte_mbuf *m, int off)
{
	return *RTE_MBUF_DYNFIELD(m, off, const uint64_t *);
}

static void
fill_one(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct rte_mbuf *m = obj;

	(void)mp;
	(void)arg;
	(void)idx;
	memset(m->dynfield1, FILL, sizeof(m->dynfield1));
}

/* Every dynamic field of every mbuf of @mp (none in use) holds FILL. */
static void
pool_fill(struct rte_mempool *mp)
{
	rte_mempool_obj_iter(mp, fill_one, NULL);
}

/* Every byte of @m's dynamic fields is still FILL, but the security
 * dynfield (the session userdata) and, when @sn_off >= 0, the SN. */
static bool
fields_untouched(const struct rte_mbuf *m, int sn_off)
{
	size_t sec = (size_t)rte_security_dynfield_offset -
		     offsetof(struct rte_mbuf, dynfield1);
	const uint8_t *b = (const uint8_t *)m->dynfield1;

	for (size_t i = 0; i < sizeof(m->dynfield1); i++) {
		size_t at = i + offsetof(struct rte_mbuf, dynfield1);

		if ((i >= sec && i < sec + sizeof(uint64_t)) ||
		    (sn_off >= 0 && at >= (size_t)sn_off &&
		     at < (size_t)sn_off + sizeof(uint64_t)))
			continue;
		if (b[i] != FILL)
			return false;
	}
	return true;
}

static bool
accepted(const struct rte_mbuf *m)
{
	return (m->ol_flags & (RTE_MBUF_F_RX_SEC_OFFLOAD |
			       RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)) ==
	       RTE_MBUF_F_RX_SEC_OFFLOAD;
}

static void
send_n(struct sim_pair *sp, void *sess, uint32_t tag0, uint16_t n)
{
	assert_int_equal(sec_send_tagged(sp, sess, tag0, n), n);
}

static uint16_t
recv_n(uint16_t port, uint16_t want)
{
	return sec_recv(port, rx, want, MAX_PKTS);
}

/*
 * Send @n frames tagged @tag0.. through @out; port 1 must accept them in
 * order, each reporting SN @sn0 + k (@sn0 0: nothing written, the SN
 * field, if any, and the sentinel field keep FILL).
 */
static void
expect_sn(struct sim_pair *sp, void *out, uint32_t tag0, uint16_t n,
	  uint64_t sn0)
{
	int off = sn_off();

	pool_fill(sp->rx_pool[1]);
	send_n(sp, out, tag0, n);
	assert_int_equal(recv_n(sp->port[1], n), n);
	for (uint16_t k = 0; k < n; k++) {
		if (!accepted(rx[k]) || test_frame_tag(rx[k]) != tag0 + k)
			fail_msg("frame %u: flags 0x%" PRIx64 ", tag %u", k,
				 rx[k]->ol_flags, test_frame_tag(rx[k]));
		if (off >= 0 && field_u64(rx[k], off) !=
		    (sn0 != 0 ? sn0 + k : SENTINEL))
			fail_msg("frame %u: SN 0x%" PRIx64 ", sent 0x%" PRIx64,
				 k, field_u64(rx[k], off), sn0 + k);
		if (sentinel_off >= 0)
			assert_int_equal(field_u64(rx[k], sentinel_off),
					 SENTINEL);
		assert_true(fields_untouched(rx[k], sn0 != 0 ? off : -1));
	}
	test_free_bulk(rx, n);
}

static void
update(uint16_t port, void *sess, const struct sec_sa *sa, bool egress,
       uint64_t esn_value, uint64_t pkt_hard, int want)
{
	struct rte_security_session_conf conf;
	struct rte_crypto_sym_xform xf[2];

	sec_conf(sa, egress, &conf, xf);
	conf.ipsec.esn.value = esn_value;
	conf.ipsec.life.packets_hard_limit = pkt_hard;
	assert_int_equal(rte_security_session_update(sec_ctx(port), sess,
						     &conf), want);
}

/* An inline-protocol tunnel SA (AES-GCM), its SPI as userdata. */
static struct sec_sa
proto_sa(uint32_t spi, bool esn)
{
	return (struct sec_sa){
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = true, .esn = esn, .spi = spi, .userdata = spi,
	};
}

static uint64_t
sa_seq(uint16_t port, uint32_t spi, bool egress)
{
	struct rte_pmd_sim_inline_sa_state st;

	assert_int_equal(rte_pmd_sim_inline_sa_state(port, spi, egress, &st),
			 0);
	return st.seq;
}

/* The field is not registered: the engine writes nothing, anywhere. */
static void
test_sn_absent(void **state)
{
	struct sim_pair *sp = *state;
	static const struct rte_mbuf_dynfield sentinel = {
		.name = "test_sec_state_sentinel",
		.size = sizeof(uint64_t), .align = __alignof__(uint64_t),
	};
	struct sec_sa sa = proto_sa(0x100, true);
	struct sec_sa other = proto_sa(0x101, true);
	struct sec_sa_pair p;
	void *in2;

	assert_true(sn_off() < 0);
	sentinel_off = rte_mbuf_dynfield_register(&sentinel);
	assert_true(sentinel_off >= 0);
	assert_int_equal(sec_sa_pair_make(sp, sess_mp, &sa, NULL, &p), 0);
	expect_sn(sp, p.out, 0, 16, 0);

	/* Registered now, but looked up at session create only: nothing
	 * until the port gets a new ingress inline-protocol SA, then the
	 * offset holds for all of its SAs. */
	assert_true(sn_register() >= 0);
	expect_sn(sp, p.out, 16, 4, 0);
	in2 = sec_session(sp->port[1], sess_mp[1], &other, false);
	assert_non_null(in2);
	expect_sn(sp, p.out, 20, 4, 21);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]),
						      in2), 0);
	assert_int_equal(sec_sa_pair_free(sp, &p), 0);
}

/* Exact SNs, with and without ESN, across 2^32 and at the end of the
 * 32-bit space; nothing for inline crypto or failed packets. */
static void
test_sn_report(void **state)
{
	static const struct {
		bool esn, cbc, tunnel;
		uint64_t first;		/* esn.value, 0: 1 */
		uint16_t n;
	} cases[] = {
		{ true, false, true, 0xfffffff8, 16 },	/* across 2^32 */
		{ true, true, false, 0x1fffffffc, 8 },	/* across 2^33 */
		{ false, false, true, 0, 8 },		/* 1 .. 8 */
		{ false, true, false, 0xfffffff8, 8 },	/* the last 8 */
	};
	struct sim_pair *sp = *state;

	assert_true(sn_register() >= 0);
	for (unsigned int c = 0; c < RTE_DIM(cases); c++) {
		struct sec_sa sa = {
			.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
			.tunnel = cases[c].tunnel, .cbc = cases[c].cbc,
			.esn = cases[c].esn, .spi = 0x200 + c,
			.esn_start = cases[c].first, .userdata = c,
		};
		uint64_t first = cases[c].first ? cases[c].first : 1;
		uint16_t n = cases[c].n;
		struct sec_sa_pair p;

		print_message("case %u: esn %d, first 0x%" PRIx64 "\n", c,
			      sa.esn, first);
		assert_int_equal(sec_sa_pair_make(sp, sess_mp, &sa, NULL, &p),
				 0);
		expect_sn(sp, p.out, 0, n, first);
		/* What the sender used, what the receiver accepted. */
		assert_int_equal(sa_seq(sp->port[0], sa.spi, true),
				 first + n - 1);
		assert_int_equal(sa_seq(sp->port[1], sa.spi, false),
				 first + n - 1);
		assert_int_equal(sec_sa_pair_free(sp, &p), 0);
	}
}

static void
test_sn_not_written(void **state)
{
	struct sim_pair *sp = *state;
	struct sec_sa out_sa = proto_sa(0x300, true);
	struct sec_sa in_sa = out_sa;
	struct sec_sa_pair p;
	int off;
	uint16_t got;

	off = sn_register();
	assert_true(off >= 0);

	/* Inline crypto on the receiver (same ESP on the wire): decrypted
	 * in place, no SN reported. */
	in_sa.action = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO;
	assert_int_equal(sec_sa_pair_make(sp, sess_mp, &out_sa, &in_sa, &p),
			 0);
	/* A protocol SA on the port: the offset is known. */
	in_sa.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL;
	in_sa.spi = 0x301;
	{
		void *s = sec_session(sp->port[1], sess_mp[1], &in_sa, false);

		assert_non_null(s);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), s), 0);
	}
	pool_fill(sp->rx_pool[1]);
	send_n(sp, p.out, 0, 8);
	assert_int_equal(recv_n(sp->port[1], 8), 8);
	for (uint16_t k = 0; k < 8; k++) {
		/* Still ESP: the tag is not where expect_sn() looks. */
		assert_true(accepted(rx[k]));
		assert_int_equal(field_u64(rx[k], off), SENTINEL);
		assert_true(fields_untouched(rx[k], -1));
	}
	test_free_bulk(rx, 8);
	assert_int_equal(sec_sa_pair_free(sp, &p), 0);

	/* Failed packets (here: the ingress SA hard-expired after 2). */
	in_sa.spi = out_sa.spi = 0x302;
	in_sa.pkt_hard = 2;
	assert_int_equal(sec_sa_pair_make(sp, sess_mp, &out_sa, &in_sa, &p),
			 0);
	pool_fill(sp->rx_pool[1]);
	send_n(sp, p.out, 0, 5);
	got = recv_n(sp->port[1], 5);
	assert_int_equal(got, 5);
	for (uint16_t k = 0; k < got; k++) {
		bool ok = k < 2;

		assert_int_equal(accepted(rx[k]), ok);
		assert_true(rx[k]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
		assert_int_equal(field_u64(rx[k], off),
				 ok ? (uint64_t)k + 1 : SENTINEL);
		assert_true(fields_untouched(rx[k], ok ? off : -1));
	}
	test_free_bulk(rx, got);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_dead"), 3);
	assert_int_equal(sec_sa_pair_free(sp, &p), 0);
}

/* The ESP sequence number field of a raw ESP frame (tunnel IPv4). */
static uint32_t
wire_sn(const struct rte_mbuf *m)
{
	uint32_t buf, be;
	const void *p = rte_pktmbuf_read(m, ESP_SN_OFF, sizeof(be), &buf);

	assert_non_null(p);
	memcpy(&be, p, sizeof(be));
	return rte_be_to_cpu_32(be);
}

/* Send @n frames through egress @out with no rule on port 1: the SNs on
 * the wire. */
static void
wire_sns(struct sim_pair *sp, void *out, uint16_t n, uint32_t *sn)
{
	send_n(sp, out, 0, n);
	assert_int_equal(recv_n(sp->port[1], n), n);
	for (uint16_t k = 0; k < n; k++) {
		assert_false(rx[k]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
		sn[k] = wire_sn(rx[k]);
	}
	test_free_bulk(rx, n);
}

static void
test_update_egress(void **state)
{
	struct sim_pair *sp = *state;
	struct sec_sa sa = proto_sa(0x400, false);
	struct sec_sa moved = proto_sa(0x401, false);
	uint32_t sn[3];
	void *out;

	out = sec_session(sp->port[0], sess_mp[0], &sa, true);
	assert_non_null(out);
	wire_sns(sp, out, 2, sn);
	assert_int_equal(sn[0], 1);
	assert_int_equal(sn[1], 2);

	/* Forward: the next packet gets esn.value. */
	update(sp->port[0], out, &sa, true, 100, 0, 0);
	assert_int_equal(sa_seq(sp->port[0], sa.spi, true), 99);
	wire_sns(sp, out, 3, sn);
	for (int k = 0; k < 3; k++)
		assert_int_equal(sn[k], 100 + k);

	/* Backwards too, as told (DPDK's anti-replay tests rely on it;
	 * not reusing numbers is the application's duty). */
	update(sp->port[0], out, &sa, true, 50, 0, 0);
	assert_int_equal(sa_seq(sp->port[0], sa.spi, true), 49);
	wire_sns(sp, out, 1, sn);
	assert_int_equal(sn[0], 50);
	update(sp->port[0], out, &sa, true, 103, 0, 0);
	wire_sns(sp, out, 1, sn);
	assert_int_equal(sn[0], 103);
	/* The very next number, and 0: no change. */
	update(sp->port[0], out, &sa, true, 104, 0, 0);
	update(sp->port[0], out, &sa, true, 0, 0, 0);
	wire_sns(sp, out, 1, sn);
	assert_int_equal(sn[0], 104);

	/* Without ESN, not beyond 2^32 - 1; the last number, then none. */
	update(sp->port[0], out, &sa, true, UINT64_C(1) << 32, 0, -EINVAL);
	update(sp->port[0], out, &sa, true, UINT32_MAX, 0, 0);
	send_n(sp, out, 0, 2);
	assert_int_equal(recv_n(sp->port[1], 2), 1);
	assert_int_equal(wire_sn(rx[0]), UINT32_MAX);
	test_free_bulk(rx, 1);
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_dead"), 1);

	/* Selectors are fixed. */
	update(sp->port[0], out, &moved, true, 0, 0, -ENOTSUP);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out), 0);
}

static void
test_update_ingress(void **state)
{
	struct sim_pair *sp = *state;
	const uint64_t jump = (UINT64_C(1) << 32) + 10;
	struct sec_sa sa = proto_sa(0x500, true);
	struct sec_sa plain = proto_sa(0x501, false);
	struct sec_sa_pair p;
	void *in2;

	assert_true(sn_register() >= 0);
	assert_int_equal(sec_sa_pair_make(sp, sess_mp, &sa, NULL, &p), 0);
	expect_sn(sp, p.out, 0, 3, 1);

	/* The sender jumps past 2^32; the receiver, its top at 3, takes
	 * the high bits as 0 and fails the ICV. */
	update(sp->port[0], p.out, &sa, true, jump, 0, 0);
	send_n(sp, p.out, 3, 1);
	assert_int_equal(recv_n(sp->port[1], 1), 1);
	assert_true(rx[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
	test_free_bulk(rx, 1);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_icv_fail"), 1);

	/* The receiver follows: its top moves to esn.value - 1 and ESN
	 * inference works from there. */
	update(sp->port[1], p.in, &sa, false, jump + 1, 0, 0);
	assert_int_equal(sa_seq(sp->port[1], sa.spi, false), jump);
	expect_sn(sp, p.out, 4, 3, jump + 1);
	assert_int_equal(sa_seq(sp->port[1], sa.spi, false), jump + 3);

	/* Never back; 0 leaves it alone. */
	update(sp->port[1], p.in, &sa, false, 5, 0, 0);
	update(sp->port[1], p.in, &sa, false, jump + 2, 0, 0);
	update(sp->port[1], p.in, &sa, false, 0, 0, 0);
	assert_int_equal(sa_seq(sp->port[1], sa.spi, false), jump + 3);
	expect_sn(sp, p.out, 7, 2, jump + 4);
	assert_int_equal(sec_sa_pair_free(sp, &p), 0);

	/* Without ESN: within 2^32 - 1 only. */
	in2 = sec_session(sp->port[1], sess_mp[1], &plain, false);
	assert_non_null(in2);
	update(sp->port[1], in2, &plain, false, UINT64_C(1) << 32, 0, -EINVAL);
	assert_int_equal(sa_seq(sp->port[1], plain.spi, false), 0);
	update(sp->port[1], in2, &plain, false, 1000, 0, 0);
	assert_int_equal(sa_seq(sp->port[1], plain.spi, false), 999);
	update(sp->port[1], in2, &plain, false, UINT32_MAX, 0, 0);
	assert_int_equal(sa_seq(sp->port[1], plain.spi, false),
			 UINT32_MAX - 1);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]),
						      in2), 0);
}

/* ETH / ESP(spi) -> SECURITY without a session: the SA by SPI. */
static struct rte_flow *
spi_flow(uint16_t port, uint32_t spi)
{
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item_esp esp = { .hdr.spi = rte_cpu_to_be_32(spi) };
	struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_ESP, .spec = &esp,
		  .mask = &rte_flow_item_esp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};

	return rte_flow_create(port, &attr, pattern, actions, NULL);
}

/* Lines rte_pmd_sim_inline_sa_dump() prints for @port's SAs. */
static unsigned int
dump_sa_lines(uint16_t port)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned int lines = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(rte_pmd_sim_inline_sa_dump(port, f), 0);
	assert_int_equal(fclose(f), 0);
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	free(buf);
	return lines - 2;	/* a title and the column names */
}

/* Two SAs, one with its session's rule, one found by SPI. */
struct two {
	struct sec_sa sa[2];
	struct sec_sa_pair p[2];
};

static void
two_make(struct sim_pair *sp, struct two *t, uint32_t spi)
{
	for (int i = 0; i < 2; i++) {
		t->sa[i] = proto_sa(spi + (uint32_t)i, false);
		assert_int_equal(sec_sa_pair_make(sp, sess_mp, &t->sa[i],
						  NULL, &t->p[i]), 0);
	}
	assert_int_equal(rte_flow_destroy(sp->port[1], t->p[1].fl, NULL), 0);
	t->p[1].fl = spi_flow(sp->port[1], spi + 1);
	assert_non_null(t->p[1].fl);
	for (int i = 0; i < 2; i++)
		expect_sn(sp, t->p[i].out, 0, 4, 1);
}

/*
 * After a reset of both ports: the SAs are gone from the NIC, TX with
 * their sessions drops (counted), their ESP comes up untouched, the
 * handles refuse update and new rules, new SAs work in the freed slots.
 */
static void
check_lost(struct sim_pair *sp, struct two *t, uint64_t sent0)
{
	struct rte_pmd_sim_inline_sa_state st;
	struct rte_security_stats ss;
	struct rte_eth_stats es;
	uint64_t lost0 = test_xstat(sp->port[0], "tx_sec_lost");
	void *out[2], *in;

	for (int port = 0; port < 2; port++) {
		assert_int_equal(test_xstat(sp->port[port], "sec_sessions"), 0);
		assert_int_equal(dump_sa_lines(sp->port[port]), 0);
		for (int i = 0; i < 2; i++)
			assert_int_equal(rte_pmd_sim_inline_sa_state(
				sp->port[port], t->sa[i].spi, port == 0, &st),
				-ENOENT);
	}
	/* TX: dropped, never in the clear. */
	for (int i = 0; i < 2; i++)
		send_n(sp, t->p[i].out, 0, 3);
	assert_int_equal(recv_n(sp->port[1], 0), 0);
	assert_int_equal(test_xstat(sp->port[0], "tx_sec_lost"), lost0 + 6);
	assert_int_equal(rte_eth_stats_get(sp->port[0], &es), 0);
	assert_true(es.oerrors >= 6);
	assert_true(test_pool_full(sp->tx_pool));

	/* RX: new egress SAs in the freed slots; the lost rules match
	 * nothing, even the one by SPI with an SA of that SPI present. */
	in = sec_session(sp->port[1], sess_mp[1], &t->sa[1], false);
	assert_non_null(in);
	for (int i = 0; i < 2; i++) {
		out[i] = sec_session(sp->port[0], sess_mp[0], &t->sa[i], true);
		assert_non_null(out[i]);
		send_n(sp, out[i], 0, 3);
	}
	assert_int_equal(recv_n(sp->port[1], 6), 6);
	for (int k = 0; k < 6; k++) {
		assert_int_equal(rx[k]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD,
				 0);
		assert_int_equal(rte_pktmbuf_mtod_offset(rx[k], uint8_t *,
				 RTE_ETHER_HDR_LEN + 9)[0], IPPROTO_ESP);
	}
	test_free_bulk(rx, 6);
	assert_int_equal(test_xstat(sp->port[1], "rx_sec_no_sa"), 0);

	/* The lost handles: no update, no new rule; stats still read. */
	update(sp->port[1], t->p[0].in, &t->sa[0], false, 0, 0, -ENOENT);
	update(sp->port[0], t->p[0].out, &t->sa[0], true, 0, 0, -ENOENT);
	assert_null(sec_flow(sp->port[1], t->p[0].in, t->sa[0].spi));
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(rte_security_session_stats_get(sec_ctx(sp->port[0]),
			 t->p[0].out, &ss), 0);
	assert_int_equal(ss.ipsec.opackets, sent0);

	/* A new rule for a new SA: back to work. */
	{
		struct sec_sa_pair np = { .out = out[0], .spi = t->sa[0].spi };

		np.in = sec_session(sp->port[1], sess_mp[1], &t->sa[0], false);
		assert_non_null(np.in);
		np.fl = sec_flow(sp->port[1], np.in, np.spi);
		assert_non_null(np.fl);
		expect_sn(sp, np.out, 0, 3, 4);	/* 1..3 went above */
		assert_int_equal(sec_sa_pair_free(sp, &np), 0);
	}
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      out[1]), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]),
						      in), 0);
}

static void
restart(uint16_t port)
{
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	assert_int_equal(test_rx_drain(port, 1, 10), 0);
}

static void
test_reset_on_stop(void **state)
{
	struct sim_pair *sp = *state;
	struct two t;

	two_make(sp, &t, 0x600);
	assert_int_equal(test_xstat(sp->port[1], "sec_sessions"), 2);
	restart(sp->port[0]);
	restart(sp->port[1]);
	check_lost(sp, &t, 4);
	/* The handles are freed: session first, then its rule; flush. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[1]), t.p[i].in), 0);
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), t.p[i].out), 0);
	}
	assert_int_equal(rte_flow_destroy(sp->port[1], t.p[0].fl, NULL), 0);
	assert_int_equal(rte_flow_flush(sp->port[1], NULL), 0);
}

static void
test_reset_api(void **state)
{
	struct sim_pair *sp = *state;
	struct two t;
	void *extra;

	assert_int_equal(rte_pmd_sim_inline_sec_reset(RTE_MAX_ETHPORTS),
			 -ENODEV);
	/* sec_reset_on_stop=0 (default): the SAs survive a restart. */
	two_make(sp, &t, 0x700);
	restart(sp->port[0]);
	restart(sp->port[1]);
	assert_int_equal(test_xstat(sp->port[1], "sec_sessions"), 2);
	assert_int_equal(dump_sa_lines(sp->port[0]), 2);
	for (int i = 0; i < 2; i++)
		expect_sn(sp, t.p[i].out, 4, 4, 5);

	/* At run time, the port started. */
	assert_int_equal(rte_pmd_sim_inline_sec_reset(sp->port[0]), 0);
	assert_int_equal(rte_pmd_sim_inline_sec_reset(sp->port[1]), 0);
	check_lost(sp, &t, 8);
	/* A session made after one reset and lost in the next. */
	extra = sec_session(sp->port[0], sess_mp[0], &t.sa[0], true);
	assert_non_null(extra);
	assert_int_equal(rte_pmd_sim_inline_sec_reset(sp->port[0]), 0);
	assert_int_equal(rte_pmd_sim_inline_sec_reset(sp->port[0]), 0);
	/* Rules first this time, then the sessions. */
	assert_int_equal(rte_flow_flush(sp->port[1], NULL), 0);
	for (int i = 0; i < 2; i++) {
		t.p[i].fl = NULL;
		assert_int_equal(sec_sa_pair_free(sp, &t.p[i]), 0);
	}
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      extra), 0);
	assert_int_equal(test_xstat(sp->port[0], "sec_sessions"), 0);
}

/* Events seen by recovery_ev(), in order. */
static enum rte_eth_event_type evs[8];
static unsigned int nb_evs;
static uint32_t sessions_at_success;

static int
recovery_ev(uint16_t port, enum rte_eth_event_type ev, void *arg, void *ret)
{
	(void)arg;
	(void)ret;
	if (nb_evs < RTE_DIM(evs))
		evs[nb_evs++] = ev;
	if (ev == RTE_ETH_EVENT_RECOVERY_SUCCESS)
		sessions_at_success = (uint32_t)test_xstat(port,
							   "sec_sessions");
	return 0;
}

/*
 * rte_pmd_sim_inline_recover(): ERR_RECOVERING, the engine reset, then
 * RECOVERY_SUCCESS, on the caller's thread; the SAs are gone by the time
 * the second event is raised, the port still carries traffic.
 */
static void
test_recover(void **state)
{
	struct sim_pair *sp = *state;
	struct two t;
	static const enum rte_eth_event_type want[] = {
		RTE_ETH_EVENT_ERR_RECOVERING, RTE_ETH_EVENT_RECOVERY_SUCCESS,
	};

	assert_int_equal(rte_pmd_sim_inline_recover(RTE_MAX_ETHPORTS),
			 -ENODEV);
	two_make(sp, &t, 0x800);
	for (unsigned int i = 0; i < RTE_DIM(want); i++)
		assert_int_equal(rte_eth_dev_callback_register(sp->port[0],
				 want[i], recovery_ev, NULL), 0);
	nb_evs = 0;
	sessions_at_success = UINT32_MAX;
	assert_int_equal(rte_pmd_sim_inline_recover(sp->port[0]), 0);
	assert_int_equal(nb_evs, 2);
	assert_int_equal(evs[0], RTE_ETH_EVENT_ERR_RECOVERING);
	assert_int_equal(evs[1], RTE_ETH_EVENT_RECOVERY_SUCCESS);
	assert_int_equal(sessions_at_success, 0);
	assert_int_equal(rte_pmd_sim_inline_recover(sp->port[1]), 0);
	assert_int_equal(nb_evs, 2);	/* port 1's events are not ours */
	check_lost(sp, &t, 4);
	for (unsigned int i = 0; i < RTE_DIM(want); i++)
		assert_int_equal(rte_eth_dev_callback_unregister(sp->port[0],
				 want[i], recovery_ev, NULL), 0);
	assert_int_equal(rte_flow_flush(sp->port[1], NULL), 0);
	for (int i = 0; i < 2; i++) {
		t.p[i].fl = NULL;
		assert_int_equal(sec_sa_pair_free(sp, &t.p[i]), 0);
	}
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-sec-state", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sn_absent,
			plain_setup, state_teardown),
		cmocka_unit_test_setup_teardown(test_sn_report,
			plain_setup, state_teardown),
		cmocka_unit_test_setup_teardown(test_sn_not_written,
			plain_setup, state_teardown),
		cmocka_unit_test_setup_teardown(test_update_egress,
			plain_setup, state_teardown),
		cmocka_unit_test_setup_teardown(test_update_ingress,
			plain_setup, state_teardown),
		cmocka_unit_test_setup_teardown(test_reset_on_stop,
			reset_on_stop_setup, state_teardown),
		cmocka_unit_test_setup_teardown(test_recover,
			plain_setup, state_teardown),
		cmocka_unit_test_setup_teardown(test_reset_api,
			plain_setup, state_teardown),
	};

	return cmocka_run_group_tests_name("pmd-sec-state", tests,
					   group_setup, sim_eal_teardown);
}
