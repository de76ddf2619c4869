/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: it polls its (port, queue) pairs (--config) and
 * forwards each burst, as ipsec-secgw does:
 * - from an unprotected port (-u; the side ESP comes from): ESP is
 *   decrypted (dpsec_inbound(): the NIC's result or software), clear
 *   packets go on as such; the inbound SPD checks both (RFC 4301 §5.2:
 *   a decrypted packet must match a policy naming its SA, a clear one a
 *   bypass policy);
 * - from a protected port: the outbound SPD protects, bypasses or
 *   discards each packet (dpsec_outbound(): on the NIC or in software);
 * then the route of the packet's destination (the outer one for ESP)
 * picks the port, the next hop's MAC comes from neigh, and the packet
 * leaves on this lcore's TX queue of that port. Every packet not sent is
 * counted once, by reason, against the port it arrived on.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "fwd_step.h"
#include "gw.h"

const char *const gw_drop_name[GW_D_MAX] = {
#define GW_DROP_NAME(n, s, t) s,
	GW_DROPS(GW_DROP_NAME)
#undef GW_DROP_NAME
};

const char *const gw_drop_text[GW_D_MAX] = {
#define GW_DROP_TEXT(n, s, t) t,
	GW_DROPS(GW_DROP_TEXT)
#undef GW_DROP_TEXT
};

const char *const gw_reason_name[DPSEC_R_MAX] = {
#define GW_REASON_NAME(n, s) #n,
	DPSEC_REASONS(GW_REASON_NAME)
#undef GW_REASON_NAME
};

/* A dropped packet: to the capture (--capture) or freed. */
static inline void
release(const struct gw_lcore *lc, struct rte_mbuf *m, unsigned int code,
	bool is_ip)
{
	if (gw_capture_on())
		gw_capture_put(m, lc->rxp, code, is_ip);
	else
		rte_pktmbuf_free(m);
}

/* pkts[from..n): IP packets the library held back, with their reason. */
static void
drop_behind(const struct gw_lcore *lc, struct gw_port_stats *st,
	    struct rte_mbuf *pkts[], uint16_t from, uint16_t n)
{
	for (uint16_t i = from; i < n; i++) {
		enum dpsec_reason r = dpsec_mbuf_reason(pkts[i]);

		st->drops[r]++;
		release(lc, pkts[i], r, true);
	}
}

static inline void
gw_drop(const struct gw_lcore *lc, struct gw_port_stats *st,
	struct rte_mbuf *m, enum gw_drop why, bool is_ip)
{
	st->gw_drops[why]++;
	release(lc, m, GW_CAP_GW + why, is_ip);
}

static void
tx_flush(struct gw_lcore *lc, uint16_t port, struct gw_port_stats *in_st)
{
	uint16_t n = lc->txn[port], sent;
	struct gw_port_stats *st = &lc->st[port];

	if (n == 0)
		return;
	sent = rte_eth_tx_burst(port, lc->txq, lc->txb[port], n);
	/* A full TX queue gets a moment (at most --tx-wait-us) to drain
	 * before its packets are dropped, so that a short stall of the
	 * receiver (a descheduled peer) loses nothing; a port that stays
	 * full is marked stuck and drops at once until a burst goes through
	 * whole, so it cannot slow the lcore down for long. */
	if (sent < n && !lc->tx_stuck[port] && gw.tx_wait_us != 0) {
		uint64_t until = rte_get_timer_cycles() +
				 rte_get_timer_hz() * gw.tx_wait_us / 1000000;

		do {
			rte_pause();
			sent += rte_eth_tx_burst(port, lc->txq,
						 lc->txb[port] + sent, n - sent);
		} while (sent < n && rte_get_timer_cycles() < until);
	}
	lc->tx_stuck[port] = sent < n;
	st->tx += sent;
	for (uint16_t i = sent; i < n; i++) {
		st->tx_bytes -= rte_pktmbuf_pkt_len(lc->txb[port][i]);
		gw_drop(lc, in_st, lc->txb[port][i], GW_D_TX_FULL, false);
	}
	lc->txn[port] = 0;
	lc->txmask &= ~(UINT32_C(1) << port);
}

/* Ethernet in front of IP packet @m, queued for port @hop. */
static void
l2_queue(struct gw_lcore *lc, struct gw_port_stats *in_st,
	 struct rte_mbuf *m, uint32_t hop, uint16_t et)
{
	const struct gw_port *op = &gw.port[hop];
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (eh == NULL) {
		gw_drop(lc, in_st, m, GW_D_L2_NOMEM, true);
		return;
	}
	rte_ether_addr_copy(&op->dst, &eh->dst_addr);
	rte_ether_addr_copy(&op->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(et);
	m->l2_len = sizeof(*eh);
	lc->st[hop].tx_bytes += rte_pktmbuf_pkt_len(m);
	lc->txb[hop][lc->txn[hop]++] = m;
	lc->txmask |= UINT32_C(1) << hop;
	if (lc->txn[hop] == GW_BURST_MAX)
		tx_flush(lc, (uint16_t)hop, in_st);
}

/*
 * --reassemble: a packet over the egress MTU leaves as fragments (of the
 * ESP packet, after encryption, as ipsec-secgw does; RFC 4303 §3.3.4 lets
 * the outer header fragment). One that may not be fragmented (IPv4 DF)
 * or that would need too many fragments is dropped as "mtu".
 */
static void
fragment_and_queue(struct gw_lcore *lc, struct gw_port_stats *in_st,
		   struct rte_mbuf *m, uint32_t hop, bool v4)
{
	struct rte_mbuf *frags[RTE_LIBRTE_IP_FRAG_MAX_FRAG];
	uint16_t mtu = gw.port[hop].mtu;
	int32_t n;

	n = v4 ? rte_ipv4_fragment_packet(m, frags, RTE_DIM(frags), mtu,
					  gw.mp, gw.indir) :
		 rte_ipv6_fragment_packet(m, frags, RTE_DIM(frags), mtu,
					  gw.mp, gw.indir);
	if (n <= 0) {
		gw_drop(lc, in_st, m, GW_D_MTU, true);
		return;
	}
	rte_pktmbuf_free(m);
	lc->st[hop].fragmented++;
	lc->st[hop].frag_out += (uint64_t)n;
	for (int32_t i = 0; i < n; i++) {
		if (v4) {
			struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(frags[i],
				struct rte_ipv4_hdr *);

			h->hdr_checksum = 0;
			h->hdr_checksum = rte_ipv4_cksum(h);
		}
		l2_queue(lc, in_st, frags[i], hop, v4 ? RTE_ETHER_TYPE_IPV4 :
			 RTE_ETHER_TYPE_IPV6);
	}
}

/* Route each IP packet (no L2 yet), add Ethernet, queue it for its port. */
static void
route_and_queue(struct gw_lcore *lc, struct gw_port_stats *in_st,
		struct rte_mbuf *pkts[], uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t hop = 0;
		uint16_t et;
		int rc;

		if ((ip[0] >> 4) == 4) {
			const struct rte_ipv4_hdr *h4 =
				(const struct rte_ipv4_hdr *)ip;

			rc = rte_lpm_lookup(gw.lpm,
					    rte_be_to_cpu_32(h4->dst_addr),
					    &hop);
			et = RTE_ETHER_TYPE_IPV4;
		} else {
			const struct rte_ipv6_hdr *h6 =
				(const struct rte_ipv6_hdr *)ip;

			rc = rte_lpm6_lookup(gw.lpm6, h6->dst_addr, &hop);
			et = RTE_ETHER_TYPE_IPV6;
		}
		if (rc != 0) {
			gw_drop(lc, in_st, m, GW_D_NO_ROUTE, true);
			continue;
		}
		/* Over the MTU: fragmented with --reassemble (as
		 * ipsec-secgw), else dropped with its reason. */
		if (rte_pktmbuf_pkt_len(m) > gw.port[hop].mtu) {
			/* (not a packet the NIC is still to encrypt) */
			if (gw.fragment &&
			    !(m->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD))
				fragment_and_queue(lc, in_st, m, hop,
						   et == RTE_ETHER_TYPE_IPV4);
			else
				gw_drop(lc, in_st, m, GW_D_MTU, true);
			continue;
		}
		l2_queue(lc, in_st, m, hop, et);
	}
}

/* Strip Ethernet; non-IP frames are dropped. Returns the IP packets. */
static uint16_t
l2_strip(const struct gw_lcore *lc, struct gw_port_stats *st,
	 struct rte_mbuf *pkts[], uint16_t nb)
{
	uint16_t n = 0;

	for (uint16_t i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;

		st->rx_bytes += rte_pktmbuf_pkt_len(m);
		if (rte_pktmbuf_data_len(m) < sizeof(*eh) + 1) {
			gw_drop(lc, st, m, GW_D_NOT_IP, false);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
			gw_drop(lc, st, m, GW_D_NOT_IP, false);
			continue;
		}
		rte_pktmbuf_adj(m, sizeof(*eh));
		pkts[n++] = m;
	}
	return n;
}

/*
 * Fragments of ESP (IPv4, or IPv6 with the fragment header first) are
 * reassembled (rte_ip_frag, one table per lcore, 2 s to complete) before
 * the library sees them; what reassembly gives up on is counted "frag".
 * Returns the packets to go on, in place of pkts[0..n).
 */
static uint16_t
reassemble(struct gw_lcore *lc, struct gw_port_stats *st,
	   struct rte_mbuf *pkts[], uint16_t n)
{
	uint64_t now = rte_rdtsc();
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *r;
		uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);

		if ((ip[0] >> 4) == 4 && m->data_len >= 20 &&
		    (ip[0] & 0xf) >= 5 && m->data_len >= (ip[0] & 0xf) * 4 &&
		    rte_ipv4_frag_pkt_is_fragmented((void *)ip)) {
			m->l2_len = 0;
			m->l3_len = (ip[0] & 0xf) * 4;
			st->frag_in++;
			r = rte_ipv4_frag_reassemble_packet(lc->frag, &lc->dr,
							    m, now, (void *)ip);
		} else if ((ip[0] >> 4) == 6 &&
			   m->data_len >= sizeof(struct rte_ipv6_hdr) +
					  sizeof(struct rte_ipv6_fragment_ext) &&
			   rte_ipv6_frag_get_ipv6_fragment_header(
					(void *)ip) != NULL) {
			m->l2_len = 0;
			m->l3_len = sizeof(struct rte_ipv6_hdr) +
				    sizeof(struct rte_ipv6_fragment_ext);
			st->frag_in++;
			r = rte_ipv6_frag_reassemble_packet(lc->frag, &lc->dr,
				m, now, (void *)ip,
				rte_ipv6_frag_get_ipv6_fragment_header(
					(void *)ip));
		} else {
			pkts[k++] = m;
			continue;
		}
		if (r != NULL) {
			st->reassembled++;
			st->frag_merged += r->nb_segs;
			pkts[k++] = r;
		}
	}
	if (lc->dr.cnt != 0) {
		st->gw_drops[GW_D_FRAG] += lc->dr.cnt;
		rte_ip_frag_free_death_row(&lc->dr, 0);
	}
	return k;
}

static void
fwd_inbound(struct gw_lcore *lc, struct gw_port_stats *st,
	    struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t ok;

	n = reassemble(lc, st, pkts, n);
	if (n == 0)
		return;
	st->inbound += n;
	ok = fwd_inbound_step(gw.ctx, gw.spd_in, pkts, n);
	drop_behind(lc, st, pkts, ok, n);
	route_and_queue(lc, st, pkts, ok);
}

static void
fwd_outbound(struct gw_lcore *lc, struct gw_port_stats *st,
	     struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t ok;

	st->outbound += n;
	for (uint16_t i = 0; i < n; i++)
		pkts[i]->ol_flags &= RTE_MBUF_F_EXTERNAL;
	ok = dpsec_outbound(gw.ctx, gw.spd_out, pkts, n);
	drop_behind(lc, st, pkts, ok, n);
	route_and_queue(lc, st, pkts, ok);
}

int
gw_worker(void *arg)
{
	struct gw_lcore *lc = arg;
	struct rte_mbuf *pkts[GW_BURST_MAX];
	/* Idle = nothing received for 200 µs (and 64 empty polls in a
	 * row): a worker with traffic never sleeps, whatever the gaps
	 * between its bursts. */
	uint64_t idle_tsc = rte_get_tsc_hz() / 5000, last_rx = rte_rdtsc();
	unsigned int idle = 0;

	while (!gw.quit) {
		uint32_t got = 0;

		for (uint16_t r = 0; r < lc->nb_rx; r++) {
			uint16_t port = lc->rx[r].port;
			struct gw_port_stats *st = &lc->st[port];
			uint16_t nb, n;

			nb = rte_eth_rx_burst(port, lc->rx[r].queue, pkts,
					      gw.burst);
			if (nb == 0)
				continue;
			got += nb;
			st->rx += nb;
			lc->rxp = port;
			n = l2_strip(lc, st, pkts, nb);
			if (n > 0) {
				if (gw.port[port].unprotected)
					fwd_inbound(lc, st, pkts, n);
				else
					fwd_outbound(lc, st, pkts, n);
			}
			while (lc->txmask != 0)
				tx_flush(lc, (uint16_t)__builtin_ctz(lc->txmask),
					 st);
		}
		/* Idle: give the core away a little (--busy-poll: never). */
		if (got != 0) {
			idle = 0;
			last_rx = rte_rdtsc();
		} else if (!gw.busy_poll && ++idle >= 64) {
			idle = 0;
			if (rte_rdtsc() - last_rx >= idle_tsc)
				rte_delay_us_sleep(20);
		}
	}
	return 0;
}
