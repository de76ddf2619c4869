/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SAs placed on sim_inline's inline engine, as inline crypto (default) or
 * inline protocol (--inline-protocol): placement and its reasons, the same
 * plaintext out as in software with the NIC doing the work (its xstats
 * prove it), table full falling back to software, forgeries flagged by
 * the NIC dropped and never retried, one replay window for packets the
 * NIC processed and packets it did not, moves mid-stream without reusing
 * a sequence number, and SAs re-pushed to a NIC that lost its table.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dpsec_driver.h"
#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "esp_test.h"

enum { NB = 24, MAX_SA_NIC = 4, P0 = 0, P1 = 1 };

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;
static struct espt_keys keys;

/* The placement under test: inline crypto, or inline protocol. */
static bool proto_mode;
static uint32_t mode_flags = DPSEC_SA_F_NO_INLINE_PROTOCOL;
static enum dpsec_placement nic_place = DPSEC_PLACE_INLINE_CRYPTO;
static enum dpsec_place_reason nic_reason = DPSEC_PLACE_R_PROTO_DISABLED;

/* Put IP packets on port 0's wire with an Ethernet header; collect them
 * from port 1 with it stripped again. */
static uint16_t
wire(struct rte_mbuf *m[], uint16_t n, struct rte_mbuf *out[])
{
	uint16_t i, got = 0, tries;

	for (i = 0; i < n; i++)
		assert_int_equal(espt_add_l2(m[i]), 0);
	assert_int_equal(rte_eth_tx_burst(P0, 0, m, n), n);
	for (tries = 0; got < n && tries < 1000; tries++)
		got += rte_eth_rx_burst(P1, 0, out + got, n - got);
	for (i = 0; i < got; i++)
		rte_pktmbuf_adj(out[i], RTE_ETHER_HDR_LEN);
	return got;
}

/* The NIC sessions a port still holds once the ones of destroyed SAs
 * are gone: dpsec destroys those a grace (100 ms) after their SA
 * (doc/programmers_guide.md, "Placement"); waits up to a second. */
static uint64_t
sessions_left(uint16_t port)
{
	uint64_t n = test_xstat(port, "sec_sessions");

	for (int i = 0; i < 100 && n != 0; i++) {
		rte_delay_ms(10);
		n = test_xstat(port, "sec_sessions");
	}
	return n;
}

static struct dpsec_sa *
sa_make(const char *alg, enum dpsec_sa_dir dir, enum dpsec_sa_mode mode,
	uint8_t fam, uint32_t spi, uint32_t flags, enum dpsec_offload off)
{
	struct dpsec_sa_conf c;
	struct dpsec_sa *sa;

	assert_non_null(espt_alg_find(alg));
	espt_conf(&c, espt_alg_find(alg), &keys, dir, mode, fam, spi,
		  flags | mode_flags);
	c.offload = off;
	c.port_id = dir == DPSEC_SA_OUTBOUND ? P0 : P1;
	sa = dpsec_sa_create(ctx, &c);
	assert_non_null(sa);
	return sa;
}

static void
place_is(struct dpsec_sa *sa, enum dpsec_placement p,
	 enum dpsec_place_reason r)
{
	struct dpsec_sa_info info;

	assert_int_equal(dpsec_sa_info(sa, &info), 0);
	if (info.placement != p || info.place_reason != r)
		fail_msg("SA 0x%x: placement %d (%s), want %d (%s)", info.spi,
			 info.placement, dpsec_place_reason_str(info.place_reason),
			 p, dpsec_place_reason_str(r));
}

struct row {
	const char *alg;
	enum dpsec_sa_mode mode;
	uint8_t fam;
	uint32_t flags;
};

static const struct row rows[] = {
	{ "gcm128", DPSEC_SA_TUNNEL, 4, 0 },
	{ "gcm256", DPSEC_SA_TUNNEL, 6, DPSEC_SA_F_ESN },
	{ "chacha20poly1305", DPSEC_SA_TRANSPORT, 4, 0 },
	{ "cbc128-sha1", DPSEC_SA_TUNNEL, 4, DPSEC_SA_F_ESN },
	{ "cbc256-sha256", DPSEC_SA_TRANSPORT, 6, 0 },
	{ "null-sha256", DPSEC_SA_TUNNEL, 4, DPSEC_SA_F_NATT },
	{ "gcm128", DPSEC_SA_TRANSPORT, 6, DPSEC_SA_F_NATT | DPSEC_SA_F_ESN },
	{ "gcm128", DPSEC_SA_TUNNEL, 4, DPSEC_SA_F_COPY_DSCP | DPSEC_SA_F_COPY_DF },
	{ "cbc128-sha1", DPSEC_SA_TUNNEL, 6, DPSEC_SA_F_COPY_DSCP },
};

/*
 * What dpsec hands the NIC (doc/programmers_guide.md): the NIC mark, no L2
 * header yet, and the length of the IP header at the front: the outer
 * (tunnel) or the packet's (transport) header that software framed ESP
 * after (inline crypto), or the packet's own header (inline protocol: the
 * NIC builds ESP); no checksum request of the plaintext packet.
 */
static void
check_tx_meta(const struct row *w, const struct rte_mbuf *m)
{
	uint64_t mask = RTE_MBUF_F_TX_SEC_OFFLOAD | RTE_MBUF_F_TX_IP_CKSUM |
			RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4 |
			RTE_MBUF_F_TX_IPV6;
	uint64_t want = RTE_MBUF_F_TX_SEC_OFFLOAD |
			(w->fam == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6);
	uint32_t ptype = w->fam == 4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6;

	if (!proto_mode)
		ptype |= RTE_PTYPE_TUNNEL_ESP |
			 (w->flags & DPSEC_SA_F_NATT ? RTE_PTYPE_L4_UDP : 0);
	assert_int_equal(m->l2_len, 0);
	assert_int_equal(m->l3_len, w->fam == 4 ? 20 : 40);
	assert_int_equal(m->packet_type, ptype);
	if ((m->ol_flags & mask) != want)
		fail_msg("ol_flags 0x%llx, want 0x%llx",
			 (unsigned long long)(m->ol_flags & mask),
			 (unsigned long long)want);
}

/* The NIC does the crypto, the plaintext is the same as in software. */
static void
test_offload_roundtrip(void **state)
{
	uint8_t orig[NB][ESPT_PKT_MAX];
	size_t len[NB];
	unsigned int r;

	(void)state;
	for (r = 0; r < RTE_DIM(rows); r++) {
		const struct row *w = &rows[r];
		uint32_t spi = ESPT_SPI + 0x100 + r;
		struct dpsec_sa *o = sa_make(w->alg, DPSEC_SA_OUTBOUND, w->mode,
					     w->fam, spi, w->flags,
					     DPSEC_OFFLOAD_REQUIRE);
		struct dpsec_sa *in = sa_make(w->alg, DPSEC_SA_INBOUND, w->mode,
					      w->fam, spi, w->flags,
					      DPSEC_OFFLOAD_AUTO);
		struct rte_mbuf *m[NB], *rx[NB];
		struct dpsec_sa *sas[NB];
		uint64_t tx0 = test_xstat(P0, "sec_tx_packets");
		uint64_t rx0 = test_xstat(P1, "sec_rx_packets");
		uint16_t i, n;

		place_is(o, nic_place, nic_reason);
		place_is(in, nic_place, nic_reason);
		for (i = 0; i < NB; i++) {
			len[i] = espt_pkt_build(orig[i], w->fam, i & 1 ? 6 : 17,
						(uint16_t)(60 + 37 * i), i);
			m[i] = espt_mbuf(pool, orig[i], len[i]);
		}
		for (i = 0; i < NB; i++) {
			/* what a recycled mbuf may carry */
			m[i]->l2_len = RTE_ETHER_HDR_LEN;
			m[i]->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM |
					  RTE_MBUF_F_TX_TCP_CKSUM;
		}
		assert_int_equal(dpsec_sa_outbound(o, m, NB), NB);
		for (i = 0; i < NB; i++)
			check_tx_meta(w, m[i]);
		n = wire(m, NB, rx);
		assert_int_equal(n, NB);
		for (i = 0; i < NB; i++)
			if (!(rx[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD) ||
			    (rx[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED))
				fail_msg("row %u pkt %u: NIC flags 0x%lx", r, i,
					 (unsigned long)rx[i]->ol_flags);
		assert_int_equal(dpsec_inbound(ctx, rx, NB, sas), NB);
		for (i = 0; i < NB; i++) {
			if (!espt_mbuf_equals(rx[i], orig[i], len[i]))
				fail_msg("row %u (%s): packet %u differs", r,
					 w->alg, i);
			assert_ptr_equal(sas[i], in);
			rte_pktmbuf_free(rx[i]);
		}
		/* The NIC, not software, did the crypto. */
		assert_int_equal(test_xstat(P0, "sec_tx_packets") - tx0, NB);
		assert_int_equal(test_xstat(P1, "sec_rx_packets") - rx0, NB);
		assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
		assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
	}
	assert_int_equal(sessions_left(P0), 0);
	assert_int_equal(sessions_left(P1), 0);
}

/* A full NIC table: AUTO falls back to software and says why; REQUIRE
 * fails; the software SA carries traffic all the same. The table's size
 * and use as dpsec_port_sa_table_get() reads them from the driver. */
static void
test_table_full(void **state)
{
	struct dpsec_sa *in[MAX_SA_NIC + 1], *o;
	struct dpsec_port_sa_table tab;
	struct dpsec_sa_conf c;
	struct rte_mbuf *m[4], *rx[4];
	uint8_t orig[4][ESPT_PKT_MAX];
	size_t len[4];
	unsigned int i;
	uint16_t pn;

	(void)state;
	/* The table as the driver declares it (max_sa devargs). */
	assert_int_equal(sessions_left(P1), 0);
	assert_int_equal(dpsec_port_sa_table_get(P1, &tab), 0);
	assert_int_equal(tab.size, MAX_SA_NIC);
	assert_int_equal(tab.used, 0);
	assert_int_equal(dpsec_port_sa_table_get(P0, &tab), 0);
	assert_int_equal(tab.size, 16);
	for (i = 0; i <= MAX_SA_NIC; i++)
		in[i] = sa_make("gcm128", DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4,
				ESPT_SPI + 0x200 + i, 0, DPSEC_OFFLOAD_AUTO);
	for (i = 0; i < MAX_SA_NIC; i++)
		place_is(in[i], nic_place, nic_reason);
	place_is(in[MAX_SA_NIC], DPSEC_PLACE_SW, DPSEC_PLACE_R_TABLE_FULL);
	assert_int_equal(dpsec_port_sa_table_get(P1, &tab), 0);
	assert_int_equal(tab.size, MAX_SA_NIC);
	assert_int_equal(tab.used, MAX_SA_NIC);
	/* A port whose driver declares nothing, no port, no result. */
	assert_int_equal(test_vdev_create("net_null9", NULL, &pn), 0);
	assert_int_equal(dpsec_port_sa_table_get(pn, &tab), -ENOTSUP);
	assert_int_equal(test_vdev_destroy("net_null9"), 0);
	assert_int_equal(dpsec_port_sa_table_get(RTE_MAX_ETHPORTS - 1, &tab),
			 -ENODEV);
	assert_int_equal(dpsec_port_sa_table_get(P1, NULL), -EINVAL);

	espt_conf(&c, espt_alg_find("gcm128"), &keys, DPSEC_SA_INBOUND,
		  DPSEC_SA_TUNNEL, 4, ESPT_SPI + 0x2ff, mode_flags);
	c.offload = DPSEC_OFFLOAD_REQUIRE;
	c.port_id = P1;
	assert_null(dpsec_sa_create(ctx, &c));
	assert_int_equal(rte_errno, ENOTSUP);

	/* Traffic for the software SA crosses the NIC untouched. */
	o = sa_make("gcm128", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		    ESPT_SPI + 0x200 + MAX_SA_NIC, 0, DPSEC_OFFLOAD_NONE);
	place_is(o, DPSEC_PLACE_SW, DPSEC_PLACE_R_OFFLOAD_NONE);
	for (i = 0; i < 4; i++) {
		len[i] = espt_pkt_build(orig[i], 4, 17, 100, i);
		m[i] = espt_mbuf(pool, orig[i], len[i]);
	}
	assert_int_equal(dpsec_sa_outbound(o, m, 4), 4);
	assert_int_equal(wire(m, 4, rx), 4);
	for (i = 0; i < 4; i++)
		assert_false(rx[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
	assert_int_equal(dpsec_inbound(ctx, rx, 4, NULL), 4);
	for (i = 0; i < 4; i++) {
		assert_true(espt_mbuf_equals(rx[i], orig[i], len[i]));
		rte_pktmbuf_free(rx[i]);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	for (i = 0; i <= MAX_SA_NIC; i++)
		assert_int_equal(dpsec_sa_destroy(ctx, in[i]), 0);
}

/* Reasons for software placement that are not about the table. */
static void
test_place_reasons(void **state)
{
	struct dpsec_sa_conf c;
	struct dpsec_sa *sa;

	(void)state;
	espt_conf(&c, espt_alg_find("gcm128"), &keys, DPSEC_SA_OUTBOUND,
		  DPSEC_SA_TUNNEL, 4, ESPT_SPI + 0x300, 0);
	c.offload = DPSEC_OFFLOAD_AUTO;
	c.port_id = 7;			/* never attached */
	sa = dpsec_sa_create(ctx, &c);
	assert_non_null(sa);
	place_is(sa, DPSEC_PLACE_SW, DPSEC_PLACE_R_NO_PORT);
	assert_int_equal(dpsec_sa_destroy(ctx, sa), 0);
	assert_int_equal(dpsec_port_attach(ctx, P0), -EEXIST);
	assert_int_equal(dpsec_port_attach(ctx, RTE_MAX_ETHPORTS), -EINVAL);
}

/*
 * Invariants 2 and 3 (doc/security_model.md) across the NIC/software boundary: a forgery the NIC
 * flags is dropped as NIC_FAILED and never decrypted again in software;
 * a copy of a packet the NIC already delivered, decrypted in software, is
 * a replay; packets the NIC did not touch are decrypted in software
 * against the same window.
 */
static void
test_inv2_inv3_one_window(void **state)
{
	struct dpsec_sa *sw, *in;
	struct rte_mbuf *m[8], *rx[8], *copy[8];
	uint8_t orig[8][ESPT_PKT_MAX], wirebuf[8][ESPT_PKT_MAX];
	size_t len[8], wlen[8];
	struct dpsec_sa_stats st;
	unsigned int i;

	(void)state;
	in = sa_make("cbc128-sha1", DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0x400, 0, DPSEC_OFFLOAD_AUTO);
	place_is(in, nic_place, nic_reason);
	/* The peer's ESP, SNs 1..8, made in software. */
	sw = sa_make("cbc128-sha1", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0x400, 0, DPSEC_OFFLOAD_NONE);
	for (i = 0; i < 8; i++) {
		len[i] = espt_pkt_build(orig[i], 4, 17, 120, 100 + i);
		m[i] = espt_mbuf(pool, orig[i], len[i]);
	}
	assert_int_equal(dpsec_sa_outbound(sw, m, 8), 8);
	for (i = 0; i < 8; i++) {
		wlen[i] = espt_mbuf_bytes(m[i], wirebuf[i]);
		rte_pktmbuf_free(m[i]);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, sw), 0);

	/* Over the wire to the NIC, SN 1 forged (a ciphertext bit). */
	for (i = 0; i < 8; i++)
		m[i] = espt_mbuf(pool, wirebuf[i], wlen[i]);
	rte_pktmbuf_mtod(m[0], uint8_t *)[20 + 8 + 16 + 3] ^= 0x40;
	assert_int_equal(wire(m, 8, rx), 8);
	assert_true(rx[0]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
	for (i = 1; i < 8; i++)
		assert_true((rx[i]->ol_flags & (RTE_MBUF_F_RX_SEC_OFFLOAD |
			RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)) ==
			RTE_MBUF_F_RX_SEC_OFFLOAD);
	assert_int_equal(dpsec_inbound(ctx, rx, 8, NULL), 7);
	assert_int_equal(dpsec_mbuf_reason(rx[7]), DPSEC_R_NIC_FAILED);
	for (i = 0; i < 7; i++)
		assert_true(espt_mbuf_equals(rx[i], orig[i + 1], len[i + 1]));

	/* The same SNs again, not through the NIC ("punted"): decrypted in
	 * software against the same window. SN 1 never authenticated, so
	 * its genuine copy is accepted once; 2..8 are replays. */
	for (i = 0; i < 8; i++)
		copy[i] = espt_mbuf(pool, wirebuf[i], wlen[i]);
	assert_int_equal(dpsec_inbound(ctx, copy, 8, NULL), 1);
	assert_true(espt_mbuf_equals(copy[0], orig[0], len[0]));
	for (i = 1; i < 8; i++)
		assert_int_equal(dpsec_mbuf_reason(copy[i]), DPSEC_R_REPLAY);
	assert_int_equal(dpsec_sa_stats_get(in, &st), 0);
	assert_int_equal(st.packets, 8);
	assert_int_equal(st.drops[DPSEC_R_NIC_FAILED], 1);
	assert_int_equal(st.drops[DPSEC_R_REPLAY], 7);
	assert_int_equal(st.drops[DPSEC_R_AUTH], 0);
	for (i = 0; i < 8; i++) {
		rte_pktmbuf_free(rx[i]);
		rte_pktmbuf_free(copy[i]);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
}

/*
 * The sequence number a frame carried on the wire: from its ESP header
 * (after @outer bytes of outer IP), or, for a frame the NIC decapsulated
 * as inline protocol, the number the NIC authenticated and reported.
 */
static uint32_t
wire_sn(const struct rte_mbuf *m, uint32_t outer)
{
	const uint8_t *esp;

	if (proto_mode && (m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD)) {
		int off = rte_mbuf_dynfield_lookup(DPSEC_MBUF_DYNFIELD_ESP_SN,
						   NULL);

		assert_true(off >= 0);
		return (uint32_t)*RTE_MBUF_DYNFIELD(m, off, const uint64_t *);
	}
	esp = rte_pktmbuf_mtod_offset(m, const uint8_t *, outer);
	return (uint32_t)esp[4] << 24 | esp[5] << 16 | esp[6] << 8 | esp[7];
}

/* What dpsec skips over when an SA returns to the NIC: the TX queues'
 * depth (one queue here, set up by espt_sec_port_start()). */
static uint64_t
tx_depth(uint16_t port)
{
	struct rte_eth_txq_info qi;
	struct rte_eth_dev_info di;

	assert_int_equal(rte_eth_dev_info_get(port, &di), 0);
	assert_int_equal(di.nb_tx_queues, 1);
	assert_int_equal(rte_eth_tx_queue_info_get(port, 0, &qi), 0);
	return qi.nb_desc + 1u;
}

/*
 * The same traffic with the SAs on the NIC, in software, and moved
 * between the two mid-stream, in both directions: identical plaintext out,
 * every packet delivered once, and the sequence numbers seen on the wire
 * strictly 1, 2, 3, ... (none reused across the moves; with inline
 * protocol, software skips the TX queues' depth after a stay on the NIC
 * that followed one in software).
 */
static void
test_inv1_move_midstream(void **state)
{
	/* Placement of (outbound, inbound) for each phase. */
	static const bool phase[][2] = {
		{ true, true }, { false, true }, { false, false },
		{ true, false }, { true, true }, { false, true }, { true, true },
	};
	enum { PER = 16 };
	struct dpsec_sa *o, *in;
	uint64_t tx0 = test_xstat(P0, "sec_tx_packets"), rx0 = test_xstat(P1, "sec_rx_packets");
	uint32_t next_sn = 1, skip = 0;
	unsigned int ph, i, nb_nic_out = 0, nb_nic_in = 0;

	(void)state;
	o = sa_make("gcm256", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 6,
		    ESPT_SPI + 0x500, 0, DPSEC_OFFLOAD_REQUIRE);
	in = sa_make("gcm256", DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 6,
		     ESPT_SPI + 0x500, 0, DPSEC_OFFLOAD_REQUIRE);
	for (ph = 0; ph < RTE_DIM(phase); ph++) {
		uint8_t orig[PER][ESPT_PKT_MAX];
		size_t len[PER];
		struct rte_mbuf *m[PER], *rx[PER];

		assert_int_equal(dpsec_sa_move(ctx, o, phase[ph][0]), 0);
		assert_int_equal(dpsec_sa_move(ctx, in, phase[ph][1]), 0);
		place_is(o, phase[ph][0] ? nic_place : DPSEC_PLACE_SW,
			 phase[ph][0] ? nic_reason : DPSEC_PLACE_R_MOVED);
		/* Inline protocol: an SA back on the NIC continues from
		 * software's count, and software then skips the numbers the
		 * NIC could still give frames of its earlier stay. */
		if (proto_mode && ph > 0 && phase[ph][0] && !phase[ph - 1][0])
			skip = (uint32_t)tx_depth(P0);
		if (ph > 0 && !phase[ph][0] && phase[ph - 1][0]) {
			next_sn += skip;
			skip = 0;
		}
		nb_nic_out += phase[ph][0] ? PER : 0;
		nb_nic_in += phase[ph][1] ? PER : 0;
		for (i = 0; i < PER; i++) {
			len[i] = espt_pkt_build(orig[i], 4, 17,
						(uint16_t)(80 + 13 * i), ph * PER + i);
			m[i] = espt_mbuf(pool, orig[i], len[i]);
		}
		assert_int_equal(dpsec_sa_outbound(o, m, PER), PER);
		assert_int_equal(wire(m, PER, rx), PER);
		for (i = 0; i < PER; i++) {
			uint32_t sn = wire_sn(rx[i], 40);	/* outer IPv6 */

			assert_int_equal(sn, next_sn);
			next_sn++;
			assert_int_equal(!!(rx[i]->ol_flags &
					    RTE_MBUF_F_RX_SEC_OFFLOAD),
					 phase[ph][1]);
		}
		assert_int_equal(dpsec_inbound(ctx, rx, PER, NULL), PER);
		for (i = 0; i < PER; i++) {
			if (!espt_mbuf_equals(rx[i], orig[i], len[i]))
				fail_msg("phase %u packet %u differs", ph, i);
			rte_pktmbuf_free(rx[i]);
		}
	}
	/* Each side did exactly the work of the phases it was placed for. */
	assert_int_equal(test_xstat(P0, "sec_tx_packets") - tx0, nb_nic_out);
	assert_int_equal(test_xstat(P1, "sec_rx_packets") - rx0, nb_nic_in);
	/* An SA born in software cannot go to the NIC: no keys are kept. */
	{
		struct dpsec_sa *sw = sa_make("gcm256", DPSEC_SA_OUTBOUND,
					      DPSEC_SA_TUNNEL, 6,
					      ESPT_SPI + 0x501, 0,
					      DPSEC_OFFLOAD_NONE);

		assert_int_equal(dpsec_sa_move(ctx, sw, true), -ENOTSUP);
		assert_int_equal(dpsec_sa_move(ctx, sw, false), 0);
		assert_int_equal(dpsec_sa_destroy(ctx, sw), 0);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
}


/*
 * An SA left in software because the NIC's table was full goes onto the
 * NIC once a slot is free (dpsec_sa_move() creates its session then), and
 * carries traffic there.
 */
static void
test_move_after_table_full(void **state)
{
	struct dpsec_sa *in[MAX_SA_NIC + 1], *o;
	struct rte_mbuf *m[4], *rx[4];
	uint8_t orig[4][ESPT_PKT_MAX];
	size_t len[4];
	uint64_t rx0;
	unsigned int i;

	(void)state;
	for (i = 0; i <= MAX_SA_NIC; i++)
		in[i] = sa_make("cbc256-sha256", DPSEC_SA_INBOUND,
				DPSEC_SA_TUNNEL, 4, ESPT_SPI + 0x600 + i, 0,
				DPSEC_OFFLOAD_AUTO);
	place_is(in[MAX_SA_NIC], DPSEC_PLACE_SW, DPSEC_PLACE_R_TABLE_FULL);
	assert_int_equal(dpsec_sa_move(ctx, in[MAX_SA_NIC], true), -ENOSPC);
	place_is(in[MAX_SA_NIC], DPSEC_PLACE_SW, DPSEC_PLACE_R_TABLE_FULL);
	assert_int_equal(dpsec_sa_destroy(ctx, in[0]), 0);
	assert_int_equal(dpsec_sa_move(ctx, in[MAX_SA_NIC], true), 0);
	place_is(in[MAX_SA_NIC], nic_place, nic_reason);

	o = sa_make("cbc256-sha256", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		    ESPT_SPI + 0x600 + MAX_SA_NIC, 0, DPSEC_OFFLOAD_NONE);
	for (i = 0; i < 4; i++) {
		len[i] = espt_pkt_build(orig[i], 4, 17, 200, 600 + i);
		m[i] = espt_mbuf(pool, orig[i], len[i]);
	}
	rx0 = test_xstat(P1, "sec_rx_packets");
	assert_int_equal(dpsec_sa_outbound(o, m, 4), 4);
	assert_int_equal(wire(m, 4, rx), 4);
	assert_int_equal(dpsec_inbound(ctx, rx, 4, NULL), 4);
	for (i = 0; i < 4; i++) {
		assert_true(espt_mbuf_equals(rx[i], orig[i], len[i]));
		rte_pktmbuf_free(rx[i]);
	}
	assert_int_equal(test_xstat(P1, "sec_rx_packets") - rx0, 4);
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	for (i = 1; i <= MAX_SA_NIC; i++)
		assert_int_equal(dpsec_sa_destroy(ctx, in[i]), 0);
}

/*
 * The output contract of dpsec_inbound() for a burst that mixes packets
 * the NIC processed with ESP it did not touch and packets to drop
 * (doc/programmers_guide.md, "The bursts"): the good ones first in their
 * order, whichever path each took, the dropped ones behind in theirs,
 * each with its reason; the window takes the SNs in burst order.
 */
static void
test_mixed_nic_sw_order(void **state)
{
	enum { N = 8, B = N + 1 };
	struct dpsec_sa *sw, *in;
	struct rte_mbuf *m[N], *rx[N / 2], *burst[B];
	uint8_t orig[B][ESPT_PKT_MAX], wirebuf[N][ESPT_PKT_MAX];
	size_t len[B], wlen[N];
	struct dpsec_sa_stats st;
	struct dpsec_sa *sas[B];
	/* burst slot -> SN (0: the UDP packet that is no ESP) */
	static const unsigned int sn_of[B] = { 1, 2, 0, 3, 4, 5, 6, 7, 8 };
	static const unsigned int good_sn[] = { 1, 2, 3, 4, 5, 7, 8 };
	unsigned int i, k;

	(void)state;
	in = sa_make("cbc128-sha1", DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0x480, 0, DPSEC_OFFLOAD_AUTO);
	place_is(in, nic_place, nic_reason);
	sw = sa_make("cbc128-sha1", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0x480, 0, DPSEC_OFFLOAD_NONE);
	for (i = 0; i < N; i++) {
		len[i] = espt_pkt_build(orig[i], 4, 17, 100 + 7 * i, 300 + i);
		m[i] = espt_mbuf(pool, orig[i], len[i]);
	}
	assert_int_equal(dpsec_sa_outbound(sw, m, N), N);
	for (i = 0; i < N; i++) {
		wlen[i] = espt_mbuf_bytes(m[i], wirebuf[i]);
		rte_pktmbuf_free(m[i]);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, sw), 0);

	/* Odd SNs through the NIC; even ones as the NIC would punt them,
	 * SN 6 forged (a ciphertext bit). */
	for (i = 0; i < N / 2; i++)
		m[i] = espt_mbuf(pool, wirebuf[2 * i], wlen[2 * i]);
	assert_int_equal(wire(m, N / 2, rx), N / 2);
	len[N] = espt_pkt_build(orig[N], 4, 17, 90, 399);
	for (i = 0; i < B; i++) {
		unsigned int sn = sn_of[i];

		if (sn == 0)
			burst[i] = espt_mbuf(pool, orig[N], len[N]);
		else if (sn & 1)
			burst[i] = rx[sn / 2];
		else
			burst[i] = espt_mbuf(pool, wirebuf[sn - 1],
					     wlen[sn - 1]);
		if (sn != 0 && !(sn & 1))
			assert_false(burst[i]->ol_flags &
				     RTE_MBUF_F_RX_SEC_OFFLOAD);
		else if (sn != 0)
			assert_true(burst[i]->ol_flags &
				    RTE_MBUF_F_RX_SEC_OFFLOAD);
	}
	rte_pktmbuf_mtod(burst[6], uint8_t *)[20 + 8 + 16 + 3] ^= 0x40;

	assert_int_equal(dpsec_inbound(ctx, burst, B, sas),
			 RTE_DIM(good_sn));
	for (k = 0; k < RTE_DIM(good_sn); k++) {
		i = good_sn[k] - 1;
		if (!espt_mbuf_equals(burst[k], orig[i], len[i]))
			fail_msg("good packet %u is not SN %u", k, good_sn[k]);
		assert_ptr_equal(sas[k], in);
	}
	/* Behind them, in burst order: the UDP packet, then forged SN 6. */
	assert_int_equal(dpsec_mbuf_reason(burst[k]), DPSEC_R_NOT_ESP);
	assert_true(espt_mbuf_equals(burst[k], orig[N], len[N]));
	assert_int_equal(dpsec_mbuf_reason(burst[k + 1]), DPSEC_R_AUTH);
	assert_int_equal(dpsec_sa_stats_get(in, &st), 0);
	assert_int_equal(st.packets, RTE_DIM(good_sn));
	assert_int_equal(st.drops[DPSEC_R_AUTH], 1);
	assert_int_equal(st.drops[DPSEC_R_REPLAY], 0);
	for (i = 0; i < B; i++)
		rte_pktmbuf_free(burst[i]);
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
}

/*
 * Inline crypto and (in --inline-protocol runs) inline protocol SAs on
 * one port, their packets interleaved over many bursts so that mbufs
 * recycle: a packet the NIC decrypted as inline crypto may carry a stale
 * security dynfield naming the protocol SA, and must still be taken for
 * what it is. Every packet comes out once, with the right SA.
 */
static void
test_mixed_placements(void **state)
{
	enum { ROUNDS = 40, PER = 8 };
	struct dpsec_sa *o[2], *in[2];
	struct dpsec_sa_conf c;
	unsigned int r, i, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		uint32_t fl = k == 0 ? DPSEC_SA_F_NO_INLINE_PROTOCOL : 0;

		espt_conf(&c, espt_alg_find("gcm128"), &keys,
			  DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
			  ESPT_SPI + 0x700 + k, fl | mode_flags);
		c.offload = DPSEC_OFFLOAD_REQUIRE;
		c.port_id = P0;
		o[k] = dpsec_sa_create(ctx, &c);
		assert_non_null(o[k]);
		c.dir = DPSEC_SA_INBOUND;
		c.port_id = P1;
		in[k] = dpsec_sa_create(ctx, &c);
		assert_non_null(in[k]);
	}
	place_is(in[0], DPSEC_PLACE_INLINE_CRYPTO, nic_reason == DPSEC_PLACE_R_NONE ?
		 DPSEC_PLACE_R_PROTO_DISABLED : nic_reason);
	place_is(in[1], nic_place, nic_reason);
	for (r = 0; r < ROUNDS; r++) {
		uint8_t orig[2 * PER][ESPT_PKT_MAX];
		size_t len[2 * PER];
		struct rte_mbuf *m[2 * PER], *rx[2 * PER], *tmp[PER];
		struct dpsec_sa *sas[2 * PER];

		for (i = 0; i < 2 * PER; i++) {
			len[i] = espt_pkt_build(orig[i], 4, 17,
						(uint16_t)(70 + 11 * i),
						r * 2 * PER + i);
			m[i] = espt_mbuf(pool, orig[i], len[i]);
		}
		/* Even packets through SA 0, odd through SA 1. */
		for (k = 0; k < 2; k++) {
			for (i = 0; i < PER; i++)
				tmp[i] = m[2 * i + k];
			assert_int_equal(dpsec_sa_outbound(o[k], tmp, PER),
					 PER);
		}
		assert_int_equal(wire(m, 2 * PER, rx), 2 * PER);
		assert_int_equal(dpsec_inbound(ctx, rx, 2 * PER, sas),
				 2 * PER);
		for (i = 0; i < 2 * PER; i++) {
			if (!espt_mbuf_equals(rx[i], orig[i], len[i]))
				fail_msg("round %u packet %u differs", r, i);
			assert_ptr_equal(sas[i], in[i & 1]);
			rte_pktmbuf_free(rx[i]);
		}
	}
	for (k = 0; k < 2; k++) {
		assert_int_equal(dpsec_sa_destroy(ctx, o[k]), 0);
		assert_int_equal(dpsec_sa_destroy(ctx, in[k]), 0);
	}
}


/*
 * The NICs lose their SA tables (a reset): until dpsec_port_resync() the
 * NIC drops frames marked for a lost session (never sends them in clear)
 * and passes ESP up untouched, which software decrypts; after it, the SAs
 * are back on the NICs where they were, with their sequence state: no
 * number reused on the wire, the NIC's count never ahead of software's.
 * SAs the application had moved to software stay there, with sessions
 * to move back to. After an error recovery (RTE_ETH_EVENT_RECOVERY_SUCCESS)
 * dpsec does the re-push itself.
 */
static void
test_inv1_resync(void **state)
{
	enum { PER = 12 };
	struct dpsec_sa *o, *in, *o2;
	struct rte_pmd_sim_inline_sa_state st;
	struct dpsec_sa_info info;
	uint32_t last_sn = 0;
	unsigned int round, i;

	(void)state;
	o = sa_make("gcm128", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		    ESPT_SPI + 0x800, 0, DPSEC_OFFLOAD_REQUIRE);
	in = sa_make("gcm128", DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0x800, 0, DPSEC_OFFLOAD_REQUIRE);
	o2 = sa_make("gcm128", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0x801, 0, DPSEC_OFFLOAD_AUTO);
	assert_int_equal(dpsec_sa_move(ctx, o2, false), 0);

	/* round 0: on the NICs; 1: NICs reset, not re-pushed; 2: re-pushed;
	 * 3: the NICs went through an error recovery (RECOVERY_SUCCESS):
	 * dpsec re-pushed the SAs by itself */
	for (round = 0; round < 4; round++) {
		uint8_t orig[PER][ESPT_PKT_MAX];
		size_t len[PER];
		struct rte_mbuf *m[PER], *rx[PER];
		uint64_t lost0 = test_xstat(P0, "tx_sec_lost");
		uint64_t rx0 = test_xstat(P1, "sec_rx_packets");
		uint16_t got;

		if (round == 1) {
			assert_int_equal(rte_pmd_sim_inline_sec_reset(P0), 0);
			assert_int_equal(rte_pmd_sim_inline_sec_reset(P1), 0);
			assert_int_equal(test_xstat(P0, "sec_sessions"), 0);
		}
		if (round == 2) {
			/* o was moved to software by hand in round 1, o2
			 * before: they stay there, with fresh sessions. */
			assert_int_equal(dpsec_port_resync(ctx, P0), 0);
			assert_int_equal(dpsec_port_resync(ctx, P1), 1);
			place_is(o, DPSEC_PLACE_SW, DPSEC_PLACE_R_MOVED);
			place_is(o2, DPSEC_PLACE_SW, DPSEC_PLACE_R_MOVED);
			place_is(in, nic_place, nic_reason);
			assert_int_equal(test_xstat(P0, "sec_sessions"), 2);
			assert_int_equal(test_xstat(P1, "sec_sessions"), 1);
			assert_int_equal(dpsec_sa_move(ctx, o, true), 0);
			place_is(o, nic_place, nic_reason);
		}
		if (round == 3) {
			assert_int_equal(rte_pmd_sim_inline_recover(P0), 0);
			assert_int_equal(rte_pmd_sim_inline_recover(P1), 0);
			place_is(o, nic_place, nic_reason);
			place_is(in, nic_place, nic_reason);
			place_is(o2, DPSEC_PLACE_SW, DPSEC_PLACE_R_MOVED);
			assert_int_equal(test_xstat(P0, "sec_sessions"), 2);
			assert_int_equal(test_xstat(P1, "sec_sessions"), 1);
		}
		for (i = 0; i < PER; i++) {
			len[i] = espt_pkt_build(orig[i], 4, 17,
						(uint16_t)(90 + 7 * i),
						800 + round * PER + i);
			m[i] = espt_mbuf(pool, orig[i], len[i]);
		}
		assert_int_equal(dpsec_sa_outbound(o, m, PER), PER);
		if (round == 1) {
			/* Marked for a session the NIC lost: dropped. */
			for (i = 0; i < PER; i++)
				assert_int_equal(espt_add_l2(m[i]), 0);
			assert_int_equal(rte_eth_tx_burst(P0, 0, m, PER), PER);
			assert_int_equal(test_xstat(P0, "tx_sec_lost") - lost0,
					 PER);
			assert_int_equal(rte_eth_rx_burst(P1, 0, rx, PER), 0);
			/* The software SA's ESP crosses the NIC untouched. */
			for (i = 0; i < PER; i++)
				m[i] = espt_mbuf(pool, orig[i], len[i]);
			assert_int_equal(dpsec_sa_move(ctx, o, false), 0);
			assert_int_equal(dpsec_sa_outbound(o, m, PER), PER);
		}
		got = wire(m, PER, rx);
		assert_int_equal(got, PER);
		for (i = 0; i < PER; i++) {
			uint32_t sn = wire_sn(rx[i], 20);

			if (sn <= last_sn)
				fail_msg("round %u: SN %u after %u: reused",
					 round, sn, last_sn);
			last_sn = sn;
			assert_int_equal(!!(rx[i]->ol_flags &
					    RTE_MBUF_F_RX_SEC_OFFLOAD),
					 round != 1);
		}
		assert_int_equal(dpsec_inbound(ctx, rx, PER, NULL), PER);
		for (i = 0; i < PER; i++) {
			if (!espt_mbuf_equals(rx[i], orig[i], len[i]))
				fail_msg("round %u packet %u differs", round, i);
			rte_pktmbuf_free(rx[i]);
		}
		assert_int_equal(test_xstat(P1, "sec_rx_packets") - rx0,
				 round == 1 ? 0 : PER);
	}
	/* The NIC never got ahead of software's count. */
	assert_int_equal(dpsec_sa_info(o, &info), 0);
	if (rte_pmd_sim_inline_sa_state(P0, ESPT_SPI + 0x800, true, &st) != 0)
		fail_msg("the re-pushed SA is not in the NIC's table");
	assert_true(st.seq <= info.seq);
	assert_true(last_sn <= info.seq);
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, o2), 0);
	assert_int_equal(sessions_left(P0), 0);
	assert_int_equal(sessions_left(P1), 0);
}

/*
 * The outer header of a tunnel SA on the NIC, as the peer sees it (no
 * inbound SA for the SPI: the ESP comes up untouched): the inner ECN field
 * copied out (RFC 6040), the DSCP copied with DPSEC_SA_F_COPY_DSCP and 0
 * without. Software frames it with inline crypto, the NIC with inline
 * protocol; either way the same.
 */
static void
test_outer_tos(void **state)
{
	unsigned int k, i;

	(void)state;
	for (k = 0; k < 2; k++) {
		uint32_t fl = k ? DPSEC_SA_F_COPY_DSCP : 0;
		struct dpsec_sa *o = sa_make("gcm128", DPSEC_SA_OUTBOUND,
					     DPSEC_SA_TUNNEL, 4,
					     ESPT_SPI + 0x900 + k, fl,
					     DPSEC_OFFLOAD_REQUIRE);
		struct rte_mbuf *m[4], *rx[4];
		uint8_t tos[4];

		place_is(o, nic_place, nic_reason);
		for (i = 0; i < 4; i++) {
			uint8_t buf[ESPT_PKT_MAX];
			size_t len = espt_pkt_build(buf, 4, 17, 100, 900 + i);
			struct rte_ipv4_hdr *h;

			m[i] = espt_mbuf(pool, buf, len);
			h = rte_pktmbuf_mtod(m[i], struct rte_ipv4_hdr *);
			tos[i] = (uint8_t)((0x2e << 2) + 8 * i) | (uint8_t)i;
			h->type_of_service = tos[i];	/* ECN i: 0..3 */
			h->hdr_checksum = 0;
			h->hdr_checksum = rte_ipv4_cksum(h);
		}
		assert_int_equal(dpsec_sa_outbound(o, m, 4), 4);
		assert_int_equal(wire(m, 4, rx), 4);
		for (i = 0; i < 4; i++) {
			const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(rx[i],
					const struct rte_ipv4_hdr *);
			uint8_t want = (tos[i] & 3u) | (k ? tos[i] & ~3u : 0);

			assert_false(rx[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
			assert_int_equal(h->next_proto_id, IPPROTO_ESP);
			if (h->type_of_service != want)
				fail_msg("copy_dscp %u, inner TOS 0x%02x: outer "
					 "0x%02x, want 0x%02x", k, tos[i],
					 h->type_of_service, want);
			assert_int_equal(rte_ipv4_cksum(h), 0);
			rte_pktmbuf_free(rx[i]);
		}
		assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	}
}

/* Events dpsec raised, for test_nic_events. */
struct ev_log {
	unsigned int n;
	struct dpsec_sa *sa[8];
	enum dpsec_event ev[8];
};

static void
ev_record(struct dpsec_ctx *c, struct dpsec_sa *sa, enum dpsec_event ev,
	  uint64_t userdata, void *arg)
{
	struct ev_log *l = arg;

	(void)c;
	(void)userdata;
	if (l->n < RTE_DIM(l->sa)) {
		l->sa[l->n] = sa;
		l->ev[l->n++] = ev;
	}
}

static enum dpsec_sa_state
state_of(const struct dpsec_sa *sa)
{
	struct dpsec_sa_info info;

	assert_int_equal(dpsec_sa_info(sa, &info), 0);
	return info.state;
}

/*
 * RTE_ETH_EVENT_IPSEC from the NIC (sim_inline raising one as its engine
 * would): a soft expiry becomes DPSEC_EV_SOFT_EXPIRED and the SA keeps
 * working; a sequence number overflow stops an outbound SA
 * (DPSEC_EV_SEQ_EXHAUSTED, then SA_DEAD drops); a hard expiry stops an
 * inbound one. Each event once; none for SAs the NIC does not hold.
 */
static void
test_nic_events(void **state)
{
	struct ev_log log = { 0 };
	struct dpsec_sa *o, *in;
	struct rte_mbuf *m[2];
	uint8_t buf[ESPT_PKT_MAX];
	size_t len;

	(void)state;
	assert_int_equal(dpsec_event_cb_set(ctx, ev_record, &log), 0);
	o = sa_make("gcm128", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		    ESPT_SPI + 0xa00, 0, DPSEC_OFFLOAD_REQUIRE);
	in = sa_make("gcm128", DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0xa00, 0, DPSEC_OFFLOAD_REQUIRE);

	assert_int_equal(rte_pmd_sim_inline_sa_event(P0, ESPT_SPI + 0xa00,
			 true, RTE_ETH_EVENT_IPSEC_SA_PKT_EXPIRY), 0);
	assert_int_equal(log.n, 1);
	assert_ptr_equal(log.sa[0], o);
	assert_int_equal(log.ev[0], DPSEC_EV_SOFT_EXPIRED);
	assert_int_equal(state_of(o), DPSEC_SA_SOFT_EXPIRED);
	len = espt_pkt_build(buf, 4, 17, 100, 1);
	m[0] = espt_mbuf(pool, buf, len);
	assert_int_equal(dpsec_sa_outbound(o, m, 1), 1);
	rte_pktmbuf_free(m[0]);

	assert_int_equal(rte_pmd_sim_inline_sa_event(P0, ESPT_SPI + 0xa00,
			 true, RTE_ETH_EVENT_IPSEC_ESN_OVERFLOW), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.ev[1], DPSEC_EV_SEQ_EXHAUSTED);
	assert_int_equal(state_of(o), DPSEC_SA_DEAD);
	m[0] = espt_mbuf(pool, buf, len);
	assert_int_equal(dpsec_sa_outbound(o, m, 1), 0);
	assert_int_equal(dpsec_mbuf_reason(m[0]), DPSEC_R_SA_DEAD);
	rte_pktmbuf_free(m[0]);

	assert_int_equal(rte_pmd_sim_inline_sa_event(P1, ESPT_SPI + 0xa00,
			 false, RTE_ETH_EVENT_IPSEC_SA_BYTE_HARD_EXPIRY), 0);
	assert_int_equal(log.n, 3);
	assert_ptr_equal(log.sa[2], in);
	assert_int_equal(log.ev[2], DPSEC_EV_HARD_EXPIRED);
	assert_int_equal(state_of(in), DPSEC_SA_DEAD);
	/* Once per SA and event, however often the NIC says it. */
	assert_int_equal(rte_pmd_sim_inline_sa_event(P1, ESPT_SPI + 0xa00,
			 false, RTE_ETH_EVENT_IPSEC_SA_PKT_HARD_EXPIRY), 0);
	assert_int_equal(log.n, 3);
	assert_int_equal(rte_pmd_sim_inline_sa_event(P1, ESPT_SPI + 0xa01,
			 false, RTE_ETH_EVENT_IPSEC_SA_PKT_HARD_EXPIRY),
			 -ENOENT);

	assert_int_equal(dpsec_event_cb_set(ctx, NULL, NULL), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
}

/*
 * RFC 6040 decapsulation: congestion marked on the outer header (CE) on
 * the way reaches an ECN-capable inner packet; Not-ECT and CE inner ones
 * stay as they are. ESP from port 0's NIC is marked CE on port 1 and sent
 * back to port 0, where the inbound SA is on the NIC (inline crypto:
 * software decapsulates; inline protocol: the NIC does).
 */
static void
test_ecn_decap(void **state)
{
	struct dpsec_sa *o, *in;
	struct rte_mbuf *m[4], *rx[4], *back[4];
	struct dpsec_sa_conf c;
	uint8_t tos[4];
	uint16_t got = 0, tries;
	unsigned int i;

	(void)state;
	o = sa_make("gcm256", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		    ESPT_SPI + 0xb00, 0, DPSEC_OFFLOAD_REQUIRE);
	espt_conf(&c, espt_alg_find("gcm256"), &keys, DPSEC_SA_INBOUND,
		  DPSEC_SA_TUNNEL, 4, ESPT_SPI + 0xb00, mode_flags);
	c.offload = DPSEC_OFFLOAD_REQUIRE;
	c.port_id = P0;
	in = dpsec_sa_create(ctx, &c);
	assert_non_null(in);
	place_is(in, nic_place, nic_reason);
	for (i = 0; i < 4; i++) {
		uint8_t buf[ESPT_PKT_MAX];
		size_t len = espt_pkt_build(buf, 4, 17, 120, 1100 + i);
		struct rte_ipv4_hdr *h;

		m[i] = espt_mbuf(pool, buf, len);
		h = rte_pktmbuf_mtod(m[i], struct rte_ipv4_hdr *);
		tos[i] = (uint8_t)(0x28 << 2) | (uint8_t)i;	/* ECN i */
		h->type_of_service = tos[i];
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
	assert_int_equal(dpsec_sa_outbound(o, m, 4), 4);
	assert_int_equal(wire(m, 4, rx), 4);
	/* On the way: a router marks the outer header CE. */
	for (i = 0; i < 4; i++) {
		struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(rx[i],
						struct rte_ipv4_hdr *);

		h->type_of_service |= 3;
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
		assert_int_equal(espt_add_l2(rx[i]), 0);
	}
	assert_int_equal(rte_eth_tx_burst(P1, 0, rx, 4), 4);
	for (tries = 0; got < 4 && tries < 1000; tries++)
		got += rte_eth_rx_burst(P0, 0, back + got, 4 - got);
	assert_int_equal(got, 4);
	for (i = 0; i < 4; i++) {
		assert_true(back[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
		rte_pktmbuf_adj(back[i], RTE_ETHER_HDR_LEN);
	}
	assert_int_equal(dpsec_inbound(ctx, back, 4, NULL), 4);
	for (i = 0; i < 4; i++) {
		const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(back[i],
					const struct rte_ipv4_hdr *);
		uint8_t want = (i == 1 || i == 2) ? (tos[i] | 3) : tos[i];

		if (h->type_of_service != want)
			fail_msg("inner ECN %u under CE: TOS 0x%02x, want "
				 "0x%02x", i, h->type_of_service, want);
		assert_int_equal(rte_ipv4_cksum(h), 0);
		assert_int_equal(espt_mbuf_tag(back[i]), 1100 + i);
		rte_pktmbuf_free(back[i]);
	}
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
}

/*
 * Small packets with link-layer bytes after the IP datagram in their mbuf
 * (a 40-byte TCP ACK in a 60-byte Ethernet frame): the NIC placement
 * protects the datagram only, tunnel and transport, IPv4 and IPv6, NAT-T;
 * the peer gets exactly the datagram. Then the receive side: bytes after
 * what the NIC hands up (after the outer datagram, inline crypto; after
 * the inner packet, inline protocol) are not part of the packet either.
 */
static void
test_padded_small(void **state)
{
	static const struct {
		enum dpsec_sa_mode mode;
		uint8_t fam;
		uint32_t flags;
	} prow[] = {
		{ DPSEC_SA_TUNNEL, 4, 0 }, { DPSEC_SA_TUNNEL, 6, 0 },
		{ DPSEC_SA_TRANSPORT, 4, 0 }, { DPSEC_SA_TRANSPORT, 6, 0 },
		{ DPSEC_SA_TUNNEL, 4, DPSEC_SA_F_NATT },
		{ DPSEC_SA_TRANSPORT, 6, DPSEC_SA_F_NATT },
	};
	/* (proto, total): a TCP ACK, UDP, and the IPv6 minimum sizes */
	static const struct { uint8_t proto; uint16_t len; } pk[] = {
		{ 6, 40 }, { 17, 28 }, { 17, 33 }, { 6, 45 },
		{ 17, 48 }, { 6, 60 }, { 253, 44 }, { 253, 41 },
	};
	enum { NP = RTE_DIM(pk) };
	unsigned int r, i, rxside;

	(void)state;
	for (rxside = 0; rxside < 2; rxside++)
	for (r = 0; r < RTE_DIM(prow); r++) {
		uint32_t spi = ESPT_SPI + 0xc00 + rxside * 0x10 + r;
		struct dpsec_sa *o = sa_make("gcm128", DPSEC_SA_OUTBOUND,
					     prow[r].mode, prow[r].fam, spi,
					     prow[r].flags,
					     DPSEC_OFFLOAD_REQUIRE);
		struct dpsec_sa *in = sa_make("gcm128", DPSEC_SA_INBOUND,
					      prow[r].mode, prow[r].fam, spi,
					      prow[r].flags,
					      DPSEC_OFFLOAD_REQUIRE);
		uint8_t orig[NP][ESPT_PKT_MAX];
		size_t len[NP];
		struct rte_mbuf *m[NP], *rx[NP];
		struct dpsec_sa_stats st;
		uint16_t n;

		place_is(o, nic_place, nic_reason);
		place_is(in, nic_place, nic_reason);
		for (i = 0; i < NP; i++) {
			uint8_t frame[ESPT_PKT_MAX];
			size_t g;

			len[i] = espt_pkt_build(orig[i], prow[r].fam,
						pk[i].proto, pk[i].len,
						0xc00 + i);
			memcpy(frame, orig[i], len[i]);
			/* to the Ethernet minimum (46), 6 bytes at least;
			 * none on the receive-side round */
			g = rxside ? 0 : RTE_MAX((size_t)6, len[i] < 46 ?
						 46 - len[i] : 0);
			memset(frame + len[i], 0xee, g);
			m[i] = espt_mbuf(pool, frame, len[i] + g);
		}
		n = dpsec_sa_outbound(o, m, NP);
		if (n != NP)
			fail_msg("row %u: outbound %u of %u: %s", r, n, NP,
				 dpsec_reason_str(dpsec_mbuf_reason(m[n])));
		assert_int_equal(wire(m, NP, rx), NP);
		for (i = 0; i < NP; i++) {
			assert_true(rx[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD);
			if (rxside) {
				/* bytes after what the NIC handed up */
				char *t = rte_pktmbuf_append(rx[i], 7);

				assert_non_null(t);
				memset(t, 0x5a, 7);
			}
		}
		n = dpsec_inbound(ctx, rx, NP, NULL);
		if (n != NP)
			fail_msg("row %u (%s): inbound %u of %u: %s", r,
				 rxside ? "rx trailer" : "tx padding", n, NP,
				 dpsec_reason_str(dpsec_mbuf_reason(rx[n])));
		for (i = 0; i < NP; i++) {
			if (!espt_mbuf_equals(rx[i], orig[i], len[i]))
				fail_msg("row %u (%s): packet %u (%zu bytes) "
					 "comes out as %u bytes", r,
					 rxside ? "rx trailer" : "tx padding",
					 i, len[i], rx[i]->pkt_len);
			rte_pktmbuf_free(rx[i]);
		}
		assert_int_equal(dpsec_sa_stats_get(in, &st), 0);
		assert_int_equal(st.packets, NP);
		assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
		assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
	}
}

/*
 * A port whose ethdev configuration leaves RTE_ETH_RX/TX_OFFLOAD_SECURITY
 * off cannot run SAs on its inline engine (its NIC would drop or pass the
 * traffic), whatever it advertises: SAs that want the NIC go to software
 * with reason SEC_OFFLOAD_OFF, REQUIRE fails with ENOTSUP. Per direction:
 * outbound needs the TX offload, inbound the RX one. The software SAs
 * carry traffic.
 */
static void
test_port_no_sec_offload(void **state)
{
	static const struct { uint64_t rx, tx; } cfg[] = {
		{ 0, 0 },
		{ RTE_ETH_RX_OFFLOAD_SECURITY, 0 },
		{ 0, RTE_ETH_TX_OFFLOAD_SECURITY },
	};
	uint16_t p2, p3;
	unsigned int k, i;

	(void)state;
	assert_int_equal(test_vdev_create("net_sim_inline2", "max_sa=16", &p2),
			 0);
	assert_int_equal(test_vdev_create("net_sim_inline3", "max_sa=16", &p3),
			 0);
	for (k = 0; k < RTE_DIM(cfg); k++) {
		struct rte_eth_conf conf = {
			.rxmode.offloads = cfg[k].rx,
			.txmode.offloads = cfg[k].tx,
		};
		bool tx_ok = cfg[k].tx != 0, rx_ok = cfg[k].rx != 0;
		uint32_t spi = ESPT_SPI + 0xd00 + 0x10 * k;
		struct dpsec_sa *o, *in, *sw_o;
		struct dpsec_sa_conf c;
		struct dpsec_ctx *c2;
		struct dpsec_sa_stats st;
		struct rte_mbuf *m[4], *rx[4];
		uint8_t orig[4][ESPT_PKT_MAX];
		size_t len[4];
		char name[32];

		if (k > 0)
			assert_int_equal(rte_eth_dev_stop(p2), 0);
		assert_int_equal(test_port_start_simple(p2, 1, 1, &conf, pool),
				 0);
		snprintf(name, sizeof(name), "nosec%u", k);
		c2 = espt_ctx(name, DPSEC_BACKEND_IPSEC_MB, 16);
		assert_non_null(c2);
		assert_int_equal(dpsec_port_attach(c2, p2), 0);

		/* AUTO: in software with the reason, per direction */
		espt_conf(&c, espt_alg_find("gcm128"), &keys,
			  DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4, spi, mode_flags);
		c.offload = DPSEC_OFFLOAD_AUTO;
		c.port_id = p2;
		o = dpsec_sa_create(c2, &c);
		assert_non_null(o);
		place_is(o, tx_ok ? nic_place : DPSEC_PLACE_SW,
			 tx_ok ? nic_reason : DPSEC_PLACE_R_SEC_OFFLOAD_OFF);
		c.dir = DPSEC_SA_INBOUND;
		in = dpsec_sa_create(c2, &c);
		assert_non_null(in);
		place_is(in, rx_ok ? nic_place : DPSEC_PLACE_SW,
			 rx_ok ? nic_reason : DPSEC_PLACE_R_SEC_OFFLOAD_OFF);

		/* REQUIRE: refused where the offload is off */
		c.offload = DPSEC_OFFLOAD_REQUIRE;
		c.spi = spi + 1;
		for (i = 0; i < 2; i++) {
			struct dpsec_sa *r;
			bool ok = i == 0 ? tx_ok : rx_ok;

			c.dir = i == 0 ? DPSEC_SA_OUTBOUND : DPSEC_SA_INBOUND;
			rte_errno = 0;
			r = dpsec_sa_create(c2, &c);
			if (ok) {
				assert_non_null(r);
				place_is(r, nic_place, nic_reason);
				assert_int_equal(dpsec_sa_destroy(c2, r), 0);
			} else {
				assert_null(r);
				assert_int_equal(rte_errno, ENOTSUP);
			}
		}

		/* The software SAs work: the peer's ESP, made in software,
		 * crosses ports 0 -> 1 untouched and c2 opens it. */
		if (!rx_ok) {
			espt_conf(&c, espt_alg_find("gcm128"), &keys,
				  DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4, spi,
				  0);
			sw_o = dpsec_sa_create(ctx, &c);
			assert_non_null(sw_o);
			for (i = 0; i < 4; i++) {
				len[i] = espt_pkt_build(orig[i], 4, 17, 100,
							0xd00 + i);
				m[i] = espt_mbuf(pool, orig[i], len[i]);
			}
			/* (tx_ok false here too: o itself is software) */
			assert_int_equal(dpsec_sa_outbound(tx_ok ? sw_o : o,
							   m, 4), 4);
			for (i = 0; i < 4; i++)
				assert_false(m[i]->ol_flags &
					     RTE_MBUF_F_TX_SEC_OFFLOAD);
			assert_int_equal(wire(m, 4, rx), 4);
			assert_int_equal(dpsec_inbound(c2, rx, 4, NULL), 4);
			for (i = 0; i < 4; i++) {
				assert_true(espt_mbuf_equals(rx[i], orig[i],
							     len[i]));
				rte_pktmbuf_free(rx[i]);
			}
			assert_int_equal(dpsec_sa_stats_get(in, &st), 0);
			assert_int_equal(st.packets, 4);
			assert_int_equal(dpsec_sa_destroy(ctx, sw_o), 0);
		}
		assert_int_equal(dpsec_sa_destroy(c2, o), 0);
		assert_int_equal(dpsec_sa_destroy(c2, in), 0);
		dpsec_free(c2);
	}
	assert_int_equal(test_vdev_destroy("net_sim_inline2"), 0);
	assert_int_equal(test_vdev_destroy("net_sim_inline3"), 0);
}

/*
 * Inbound inline protocol needs a NIC that reports each packet's SN
 * (DPSEC_DRV_CAP_ESP_RX_SN, declared through dpsec_driver.h, never
 * inferred from the driver's name): sim_inline declares it at probe and
 * gets inline protocol; the same port with the declaration withdrawn
 * gets inline crypto with PROTO_NO_SN, as any other driver would. The
 * declaration goes with the port.
 */
static void
test_sn_capability(void **state)
{
	static const struct {
		bool declared;
		enum dpsec_placement place;
		enum dpsec_place_reason reason;
	} rows[] = {
		{ true, DPSEC_PLACE_INLINE_PROTOCOL, DPSEC_PLACE_R_NONE },
		{ false, DPSEC_PLACE_INLINE_CRYPTO, DPSEC_PLACE_R_PROTO_NO_SN },
	};
	struct rte_eth_conf conf = {
		.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SECURITY,
	};
	unsigned int k;
	uint16_t p2;

	(void)state;
	assert_int_equal(test_vdev_create("net_sim_inline2", "max_sa=16", &p2),
			 0);
	assert_int_equal(test_port_start_simple(p2, 1, 1, &conf, pool), 0);
	assert_true(dpsec_drv_caps_get(p2) & DPSEC_DRV_CAP_ESP_RX_SN);
	for (k = 0; k < RTE_DIM(rows); k++) {
		struct dpsec_sa_conf c;
		struct dpsec_ctx *c2;
		struct dpsec_sa *in;
		char name[32];

		assert_int_equal(dpsec_drv_caps_set(p2, rows[k].declared ?
					DPSEC_DRV_CAP_ESP_RX_SN : 0), 0);
		snprintf(name, sizeof(name), "sncap%u", k);
		c2 = espt_ctx(name, DPSEC_BACKEND_IPSEC_MB, 16);
		assert_non_null(c2);
		assert_int_equal(dpsec_port_attach(c2, p2), 0);
		espt_conf(&c, espt_alg_find("gcm128"), &keys, DPSEC_SA_INBOUND,
			  DPSEC_SA_TUNNEL, 4, ESPT_SPI + 0xe00 + k, 0);
		c.offload = DPSEC_OFFLOAD_REQUIRE;
		c.port_id = p2;
		in = dpsec_sa_create(c2, &c);
		assert_non_null(in);
		place_is(in, rows[k].place, rows[k].reason);
		assert_int_equal(dpsec_sa_destroy(c2, in), 0);
		dpsec_free(c2);
	}
	assert_int_equal(dpsec_drv_caps_set(p2, DPSEC_DRV_CAP_ESP_RX_SN), 0);
	assert_int_equal(test_vdev_destroy("net_sim_inline2"), 0);
	assert_int_equal(dpsec_drv_caps_get(p2), 0);
}

/* A copy of NIC-delivered @rx holding @buf in a buffer that ends at the
 * packet's last byte (ASan sees any read past it), with the NIC's flags,
 * port and dynfields (security session id, reported SN). */
static struct rte_mbuf *
exact_copy(const struct rte_mbuf *rx, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = espt_mbuf_exact(pool, buf, len);

	assert_non_null(m);
	m->port = rx->port;
	m->ol_flags |= rx->ol_flags & (RTE_MBUF_F_RX_SEC_OFFLOAD |
				       RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED);
	memcpy(m->dynfield1, rx->dynfield1, sizeof(m->dynfield1));
	return m;
}

/*
 * What the NIC authenticated is still checked before anything reads by
 * it (invariant 6, doc/security_model.md): an inner IPv4 header whose
 * IHL (15: 60 bytes) is longer than the 20-byte inner packet,
 * ECN-capable under a CE outer
 * header so that decapsulation rewrites its TOS, is a counted BAD_IP
 * drop. Inline crypto: the NIC decrypted it, software decapsulates;
 * inline protocol: the NIC decapsulated it. A genuine packet of the same
 * burst is delivered.
 */
static void
test_nic_inner_ihl(void **state)
{
	struct dpsec_sa *o, *in;
	struct rte_mbuf *m[2], *rx[2], *pk[2];
	struct dpsec_sa_stats st;
	uint8_t orig[ESPT_PKT_MAX], buf[ESPT_PKT_MAX], inner[20];
	size_t len, n;
	unsigned int i;

	(void)state;
	o = sa_make("gcm128", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
		    ESPT_SPI + 0xe00, 0, DPSEC_OFFLOAD_REQUIRE);
	in = sa_make("gcm128", DPSEC_SA_INBOUND, DPSEC_SA_TUNNEL, 4,
		     ESPT_SPI + 0xe00, 0, DPSEC_OFFLOAD_REQUIRE);
	len = espt_pkt_build(orig, 4, 17, 100, 0xe00);
	for (i = 0; i < 2; i++)
		m[i] = espt_mbuf(pool, orig, len);
	assert_int_equal(dpsec_sa_outbound(o, m, 2), 2);
	assert_int_equal(wire(m, 2, rx), 2);
	for (i = 0; i < 2; i++)
		assert_true((rx[i]->ol_flags & (RTE_MBUF_F_RX_SEC_OFFLOAD |
			     RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)) ==
			    RTE_MBUF_F_RX_SEC_OFFLOAD);

	memset(inner, 0, sizeof(inner));
	inner[0] = 0x4f;		/* IHL 15 */
	inner[1] = 0x02;		/* ECT(0) */
	inner[3] = 20;			/* total length */
	inner[8] = 64;
	inner[9] = IPPROTO_UDP;
	if (proto_mode) {
		/* the inner packet as the NIC handed it up, CE applied */
		inner[1] = 0x03;
		memcpy(buf, inner, 20);
		n = 20;
	} else {
		/* outer IPv4 (CE) | ESP | IV | inner | pad 1 2, 2, 4 | ICV */
		const uint8_t *d = rte_pktmbuf_mtod(rx[1], const uint8_t *);
		static const uint8_t trl[4] = { 1, 2, 2, IPPROTO_IPIP };

		memcpy(buf, d, 36);
		memcpy(buf + 36, inner, 20);
		memcpy(buf + 56, trl, 4);
		memcpy(buf + 60, d + rx[1]->data_len - 16, 16);
		n = 76;
		buf[1] |= 0x03;
		espt_ip_set_len(buf, n);
	}
	pk[0] = exact_copy(rx[0], rte_pktmbuf_mtod(rx[0], const uint8_t *),
			   rx[0]->data_len);
	pk[1] = exact_copy(rx[1], buf, n);
	rte_pktmbuf_free(rx[0]);
	rte_pktmbuf_free(rx[1]);
	assert_int_equal(dpsec_inbound(ctx, pk, 2, NULL), 1);
	assert_true(espt_mbuf_equals(pk[0], orig, len));
	if (dpsec_mbuf_reason(pk[1]) != DPSEC_R_BAD_IP)
		fail_msg("inner IHL past the packet: %s, want BAD_IP",
			 dpsec_reason_str(dpsec_mbuf_reason(pk[1])));
	assert_int_equal(dpsec_sa_stats_get(in, &st), 0);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.drops[DPSEC_R_BAD_IP], 1);
	rte_pktmbuf_free(pk[0]);
	rte_pktmbuf_free(pk[1]);
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, in), 0);
}

static int
setup(void **state)
{
	static const char *const args[] = {
		"--vdev", "net_sim_inline0,max_sa=16",
		"--vdev", "net_sim_inline1,max_sa=4",
	};

	(void)state;
	espt_keys_fill(&keys, 7);
	return espt_nic_pair_setup("lib-offload", args, RTE_DIM(args), 4095,
				   &pool, &ctx);
}

/* Every case gives back all it took: the pool is full again (a started
 * sim_inline port takes mbufs from it only for the frames it delivers). */
static int
case_teardown(void **state)
{
	(void)state;
	return test_pool_full(pool) ? 0 : -1;
}

/*
 * Invariant 1 (doc/security_model.md) under traffic: an outbound SA
 * moved NIC <-> software again and again while another lcore sends on it. Every sequence number on
 * the wire appears once (the CLI's move_stress found software bursts that
 * had chosen software before a move reusing numbers the NIC then took),
 * nothing is lost, and no burst had to give up waiting (SA_MOVING).
 */
struct live {
	struct dpsec_sa *sa;
	volatile bool stop;
	uint64_t sent, dropped, moving;
	volatile uint64_t received;	/* by the main lcore */
};

static int
live_sender(void *arg)
{
	struct live *lv = arg;
	uint8_t buf[ESPT_PKT_MAX];
	size_t len = espt_pkt_build(buf, 4, 17, 100, 7);
	struct rte_mbuf *m[32];
	uint16_t i, good, sent;

	while (!lv->stop) {
		/* The wire has no back-pressure: stay within what the
		 * receiver took, less than the ring holds. */
		if (lv->sent - lv->received > 256) {
			rte_pause();
			continue;
		}
		for (i = 0; i < RTE_DIM(m); i++) {
			m[i] = espt_mbuf(pool, buf, len);
			if (m[i] == NULL)
				break;
		}
		good = dpsec_sa_outbound(lv->sa, m, i);
		for (uint16_t j = good; j < i; j++) {
			lv->moving += dpsec_mbuf_reason(m[j]) ==
				      DPSEC_R_SA_MOVING;
			rte_pktmbuf_free(m[j]);
		}
		lv->dropped += i - good;
		for (uint16_t j = 0; j < good; j++)
			espt_add_l2(m[j]);
		for (sent = 0; sent < good && !lv->stop;)
			sent += rte_eth_tx_burst(P0, 0, m + sent, good - sent);
		for (uint16_t j = sent; j < good; j++)
			rte_pktmbuf_free(m[j]);
		lv->sent += sent;
		if (i < RTE_DIM(m))
			rte_pause();	/* pool short: the receiver drains */
	}
	return 0;
}

static uint64_t
live_drain(uint8_t *seen, uint32_t max_sn)
{
	struct rte_mbuf *rx[64];
	uint64_t got = 0;
	uint16_t n, i;

	while ((n = rte_eth_rx_burst(P1, 0, rx, RTE_DIM(rx))) > 0) {
		for (i = 0; i < n; i++) {
			uint32_t sn;

			rte_pktmbuf_adj(rx[i], RTE_ETHER_HDR_LEN);
			sn = wire_sn(rx[i], 20);	/* outer IPv4 */
			assert_true(sn < max_sn);
			if (seen[sn / 8] & (1u << (sn % 8)))
				fail_msg("sequence number %u on the wire twice",
					 sn);
			seen[sn / 8] |= (uint8_t)(1u << (sn % 8));
			rte_pktmbuf_free(rx[i]);
		}
		got += n;
	}
	return got;
}

static void
test_inv1_move_live(void **state)
{
	enum { MAX_SN = 1u << 26, CYCLES = 150 };
	static uint8_t seen[MAX_SN / 8];
	struct live lv = { 0 };
	unsigned int worker = rte_get_next_lcore(-1, 1, 0), c;
	uint64_t got = 0, t;

	(void)state;
	if (worker >= RTE_MAX_LCORE)
		fail_msg("needs a second lcore");
	memset(seen, 0, sizeof(seen));
	lv.sa = sa_make("gcm128", DPSEC_SA_OUTBOUND, DPSEC_SA_TUNNEL, 4,
			ESPT_SPI + 0x900, 0, DPSEC_OFFLOAD_AUTO);
	place_is(lv.sa, nic_place, nic_reason);
	assert_int_equal(rte_eal_remote_launch(live_sender, &lv, worker), 0);
	for (c = 0; c < CYCLES; c++) {
		for (t = rte_get_timer_cycles() + rte_get_timer_hz() / 2000;
		     rte_get_timer_cycles() < t;) {
			got += live_drain(seen, MAX_SN);
			lv.received = got;
		}
		assert_int_equal(dpsec_sa_move(ctx, lv.sa, c % 2 == 1), 0);
	}
	lv.stop = true;
	rte_eal_wait_lcore(worker);
	for (t = rte_get_timer_cycles() + rte_get_timer_hz() / 10;
	     rte_get_timer_cycles() < t;)
		got += live_drain(seen, MAX_SN);
	print_message("live moves: %" PRIu64 " sent, %" PRIu64 " received\n",
		      lv.sent, got);
	assert_true(lv.sent > CYCLES);
	/* Nothing lost unaccounted: every burst went out, or (a move that
	 * stalled past the wait, e.g. the control lcore descheduled on a
	 * loaded machine) was refused whole as SA_MOVING. */
	if (lv.moving != 0)
		print_message("%" PRIu64 " packets refused as SA_MOVING\n",
			      lv.moving);
	assert_int_equal(lv.dropped, lv.moving);
	assert_true(lv.moving <= lv.sent / 10);
	assert_int_equal(got, lv.sent);
	assert_int_equal(dpsec_sa_destroy(ctx, lv.sa), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_offload_roundtrip,
					  case_teardown),
		cmocka_unit_test_teardown(test_table_full, case_teardown),
		cmocka_unit_test_teardown(test_place_reasons, case_teardown),
		cmocka_unit_test_teardown(test_inv2_inv3_one_window,
					  case_teardown),
		cmocka_unit_test_teardown(test_inv1_move_midstream,
					  case_teardown),
		cmocka_unit_test_teardown(test_move_after_table_full,
					  case_teardown),
		cmocka_unit_test_teardown(test_mixed_nic_sw_order,
					  case_teardown),
		cmocka_unit_test_teardown(test_mixed_placements, case_teardown),
		cmocka_unit_test_teardown(test_inv1_resync, case_teardown),
		cmocka_unit_test_teardown(test_outer_tos, case_teardown),
		cmocka_unit_test_teardown(test_nic_events, case_teardown),
		cmocka_unit_test_teardown(test_ecn_decap, case_teardown),
		cmocka_unit_test_teardown(test_padded_small, case_teardown),
		cmocka_unit_test_teardown(test_port_no_sec_offload,
					  case_teardown),
		cmocka_unit_test_teardown(test_nic_inner_ihl, case_teardown),
		cmocka_unit_test_teardown(test_sn_capability, case_teardown),
		cmocka_unit_test_teardown(test_inv1_move_live, case_teardown),
	};
	int ret;

	if (argc > 1 && strcmp(argv[1], "--inline-protocol") == 0) {
		proto_mode = true;
		mode_flags = 0;
		nic_place = DPSEC_PLACE_INLINE_PROTOCOL;
		nic_reason = DPSEC_PLACE_R_NONE;
	} else if (argc > 1) {
		fprintf(stderr, "usage: %s [--inline-protocol]\n", argv[0]);
		return 2;
	}
	ret = cmocka_run_group_tests(tests, setup, NULL);
	/* Here, not as the group teardown, whose failure CMocka 1.1 does
	 * not count: the pool full once the ports are closed. */
	return espt_nic_pair_teardown(ctx, pool) != 0 ? 1 : ret;
}
