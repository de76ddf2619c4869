/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-ipsec-gw: two IPsec gateways, A and B, in one process, joined by a
 * "WAN" of two simulated inline-offload NIC ports wired back to back
 * (net_sim_inline0 is A's, net_sim_inline1 B's). A's LAN host sends UDP
 * from 10.1.0.0/16 to 10.2.0.0/16; B's LAN host echoes it back. Between
 * them the traffic runs through tunnel-mode ESP (AES-GCM-128, ESN, replay
 * window 1024) chosen by each gateway's SPD, with SAs placed on the NIC
 * (inline protocol, inline crypto) or in software, one of them moved
 * between the two while traffic runs. A management flow (172.16.0.0/24 <->
 * 172.16.1.0/24) bypasses IPsec; A's SPD discards a third flow (10.1/16 ->
 * 10.3/16). Every second it prints the gateways' counters; at the end it
 * checks that every packet came back intact and that the NIC did the work
 * of the SAs placed on it, and exits 1 if anything is wrong.
 *
 *   dpsec-ipsec-gw [EAL args] [-- --seconds N] [--rate PPS]
 *
 * Uses only dpsec's public API (doc/ipsec_gw_demo.md).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "demo_common.h"
#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_spd.h"

enum {
	NB_MBUFS = 8 * 1024 - 1,
	MBUF_CACHE = 128,
	BURST = 32,
	WINDOW = 512,		/* packets in flight at most (flow control) */
	PKT_MAX = 512,		/* largest LAN packet we build */
	REPLAY_WINDOW = 1024,
	REQID_AB = 1,		/* A -> B: 10.1/16 -> 10.2/16 */
	REQID_BA = 2,		/* B -> A: 10.2/16 -> 10.1/16 */
	SPI_AB = 0x1001,
	SPI_BA = 0x2001,
	MGMT_PORT = 161,	/* the management flow: SNMP-like */
	ECHO_PORT = 7,
};

/* a.b.c.d in host order (DPDK 22.11's RTE_IPV4 shifts a signed int). */
#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

#define WAN_A		IP4(192, 0, 2, 1)
#define WAN_B		IP4(198, 51, 100, 1)

/* What A's LAN host sends; tag % 16 picks the kind of each packet. */
enum kind {
	K_PROTECTED,	/* 10.1.x.1 -> 10.2.x.2: ESP, echoed by B */
	K_CLEAR,	/* 172.16.0.1 -> 172.16.1.1: BYPASS, echoed by B */
	K_BLOCKED,	/* 10.1.x.1 -> 10.3.0.1: A's SPD discards it */
	NB_KIND
};

static const char *const kind_name[NB_KIND] = {
	"protected", "clear (bypass)", "blocked (discard)",
};

/* Short names of the drop reasons, from the library's one list. */
#define REASON_NAME(n, s) #n,
static const char *const reason_name[DPSEC_R_MAX] = {
	DPSEC_REASONS(REASON_NAME)
};
#undef REASON_NAME

enum { DIR_OUT, DIR_IN, NB_DIR };

/* One gateway: its WAN port, its dpsec context, SPDs and SAs. */
struct gw {
	const char *name;
	uint16_t port;
	uint32_t wan_addr;		/* host order */
	struct rte_ether_addr mac, peer_mac;
	struct rte_mempool *mp;		/* RX queue (and A's LAN host) */
	struct dpsec_ctx *ctx;
	struct dpsec_spd *spd[NB_DIR];
	struct dpsec_sa *sa[NB_DIR];
	uint64_t xs_id[2];		/* sec_tx_packets, sec_rx_packets */
	bool started;			/* its port */
	/* What this gateway's datapath saw, beyond the library's counters. */
	uint64_t nic_tx;		/* frames marked for the NIC's engine */
	uint64_t tx_refused;		/* frames the port did not take */
	uint64_t drops[DPSEC_R_MAX];	/* packets dropped, by reason */
	uint64_t not_ip;		/* frames that were not IPv4 */
	struct rte_eth_stats prev;	/* at the previous printout */
};

/* A's LAN host (generator and checker) and B's (echo). */
struct hosts {
	uint64_t next_tag;
	uint64_t sent[NB_KIND];		/* generated */
	uint64_t back[NB_KIND];		/* echoes A got back intact */
	uint64_t next_back[NB_KIND];	/* tag of the next echo expected */
	uint64_t back_sum[NB_KIND];	/* sum of the tags that came back */
	uint64_t sent_sum[NB_KIND];	/* sum of the tags sent */
	uint64_t a_bad, a_out_of_order;	/* echoes wrong or out of order */
	uint64_t b_ok, b_bad;		/* what B's host checked */
};

static struct gw gws[2] = {
	{ .name = "A", .port = 0, .wan_addr = WAN_A },
	{ .name = "B", .port = 1, .wan_addr = WAN_B },
};
static struct hosts hosts;

/* Demo keys (AES-GCM-128 key + 4-byte salt), one per direction. Never use
 * fixed keys outside a demo: an IKE daemon negotiates them. */
static const uint8_t key_ab[20] = {
	0x4c, 0x80, 0xcd, 0xef, 0xbb, 0x5d, 0x10, 0xda,
	0x90, 0x6a, 0xc7, 0x3c, 0x36, 0x13, 0xa6, 0x34,
	0xca, 0xfe, 0xba, 0xbe,
};
static const uint8_t key_ba[20] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xde, 0xca, 0xf8, 0x88,
};

static enum kind
kind_of(uint64_t tag)
{
	switch (tag % 16) {
	case 7:
		return K_CLEAR;
	case 15:
		return K_BLOCKED;
	default:
		return K_PROTECTED;
	}
}

/* The first tag >= t of kind k. */
static uint64_t
next_of_kind(uint64_t t, enum kind k)
{
	while (kind_of(t) != k)
		t++;
	return t;
}

/*
 * The LAN packet (IPv4/UDP, no L2) of tag into buf; returns its length.
 * Everything in it follows from the tag, so either host can rebuild it and
 * compare byte for byte. The 8-byte tag leads the payload.
 */
static uint16_t
lan_pkt_build(uint8_t *buf, uint64_t tag)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *pl = (uint8_t *)(udp + 1);
	uint16_t len = (uint16_t)(64 + tag * 37 % (PKT_MAX - 64));
	uint16_t plen = len - sizeof(*ip) - sizeof(*udp), i;
	uint32_t net = (uint32_t)(tag % 61);	/* 61 subnets */
	uint32_t src, dst;
	uint64_t be_tag = rte_cpu_to_be_64(tag);

	switch (kind_of(tag)) {
	case K_CLEAR:
		src = IP4(172, 16, 0, 1);
		dst = IP4(172, 16, 1, 1);
		break;
	case K_BLOCKED:
		src = IP4(10, 1, net, 1);
		dst = IP4(10, 3, 0, 1);
		break;
	default:
		src = IP4(10, 1, net, 1);
		dst = IP4(10, 2, net, 2);
		break;
	}
	memset(buf, 0, sizeof(*ip) + sizeof(*udp));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->packet_id = rte_cpu_to_be_16((uint16_t)tag);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	udp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + tag % 4096));
	udp->dst_port = rte_cpu_to_be_16(kind_of(tag) == K_CLEAR ?
					 MGMT_PORT : ECHO_PORT);
	udp->dgram_len = rte_cpu_to_be_16(len - sizeof(*ip));
	memcpy(pl, &be_tag, sizeof(be_tag));
	for (i = sizeof(be_tag); i < plen; i++)
		pl[i] = (uint8_t)(tag * 151 + i * 11);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return len;
}

/* What an echo does: swap addresses and ports (checksums stay valid). */
static void
lan_pkt_swap(uint8_t *buf)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	rte_be32_t a = ip->src_addr;
	rte_be16_t p = udp->src_port;

	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	udp->src_port = udp->dst_port;
	udp->dst_port = p;
}

/*
 * Check a LAN packet against the one its tag says it must be (swapped:
 * as echoed by B). Returns its tag, or UINT64_MAX if it is not that packet
 * byte for byte.
 */
static uint64_t
lan_pkt_check(const struct rte_mbuf *m, bool swapped)
{
	uint8_t want[PKT_MAX], got[PKT_MAX];
	const uint8_t *p;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint64_t tag;
	size_t off = sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);

	if (len < off + sizeof(tag) || len > PKT_MAX)
		return UINT64_MAX;
	p = rte_pktmbuf_read(m, 0, len, got);
	if (p == NULL)
		return UINT64_MAX;
	memcpy(&tag, p + off, sizeof(tag));
	tag = rte_be_to_cpu_64(tag);
	if (tag >= hosts.next_tag || lan_pkt_build(want, tag) != len)
		return UINT64_MAX;
	if (swapped)
		lan_pkt_swap(want);
	return memcmp(want, p, len) == 0 ? tag : UINT64_MAX;
}

/* ---- the WAN side of a gateway ---- */

/* Put an Ethernet header on the gateway's outbound packets and send them.
 * Flow control (WINDOW) keeps the wire from filling, so a frame the port
 * refuses is an error, counted. */
static void
wan_send(struct gw *g, struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t i, sent;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)
			rte_pktmbuf_prepend(m, sizeof(*eh));

		if (eh == NULL) {	/* dpsec leaves room; cannot happen */
			g->tx_refused++;
			continue;
		}
		rte_ether_addr_copy(&g->peer_mac, &eh->dst_addr);
		rte_ether_addr_copy(&g->mac, &eh->src_addr);
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		/* dpsec set l3_len; the L2 length is ours to give the NIC. */
		m->l2_len = sizeof(*eh);
		/* Inline crypto or protocol: the NIC's engine does the ESP. */
		if (m->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD)
			g->nic_tx++;
	}
	sent = rte_eth_tx_burst(g->port, 0, pkts, n);
	if (sent < n) {
		g->tx_refused += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

/* Free what dpsec held back (pkts[from..n)), counting each reason. */
static void
drop_behind(struct gw *g, struct rte_mbuf *pkts[], uint16_t from, uint16_t n)
{
	for (uint16_t i = from; i < n; i++) {
		g->drops[dpsec_mbuf_reason(pkts[i])]++;
		rte_pktmbuf_free(pkts[i]);
	}
}

/* Policy-driven outbound: BYPASS and protected packets go out. */
static void
gw_outbound(struct gw *g, struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t ok = dpsec_outbound(g->ctx, g->spd[DIR_OUT], pkts, n);

	wan_send(g, pkts, ok);
	drop_behind(g, pkts, ok, n);
}

/*
 * Receive from the WAN: ESP (decrypted in software or already by the NIC)
 * through dpsec_inbound(), clear packets (NOT_ESP) with no SA; then the
 * inbound policy check on both. Returns how many LAN packets in pkts[].
 */
static uint16_t
gw_inbound(struct gw *g, struct rte_mbuf *pkts[])
{
	struct dpsec_sa *sas[BURST];
	uint16_t n, i, k, ok, nb;

	nb = rte_eth_rx_burst(g->port, 0, pkts, BURST);
	for (i = 0, n = 0; i < nb; i++) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i],
					const struct rte_ether_hdr *);

		if (rte_pktmbuf_data_len(pkts[i]) < sizeof(*eh) ||
		    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
			g->not_ip++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		rte_pktmbuf_adj(pkts[i], sizeof(*eh));
		pkts[n++] = pkts[i];
	}
	if (n == 0)
		return 0;
	ok = dpsec_inbound(g->ctx, pkts, n, sas);
	/* Keep the clear ones, with no SA, for the policy check. */
	for (i = ok, k = ok; i < n; i++) {
		if (dpsec_mbuf_reason(pkts[i]) == DPSEC_R_NOT_ESP) {
			pkts[k] = pkts[i];
			sas[k++] = NULL;
		} else {
			g->drops[dpsec_mbuf_reason(pkts[i])]++;
			rte_pktmbuf_free(pkts[i]);
		}
	}
	ok = dpsec_inbound_policy_check(g->spd[DIR_IN], pkts, sas, k);
	drop_behind(g, pkts, ok, k);
	return ok;
}

/* ---- the LAN hosts ---- */

/* A's host: a burst of new packets into gateway A. */
static void
host_a_send(struct gw *a, uint16_t n)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t i;

	if (n == 0 || rte_pktmbuf_alloc_bulk(a->mp, pkts, n) != 0)
		return;
	for (i = 0; i < n; i++) {
		uint64_t tag = hosts.next_tag++;
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(pkts[i], PKT_MAX);

		rte_pktmbuf_trim(pkts[i], PKT_MAX - lan_pkt_build(d, tag));
		hosts.sent[kind_of(tag)]++;
		hosts.sent_sum[kind_of(tag)] += tag;
	}
	gw_outbound(a, pkts, n);
}

/* A's host: echoes back from B, each checked byte for byte and in order
 * (one wire, one queue, one lcore: nothing may overtake). */
static void
host_a_receive(struct rte_mbuf *pkts[], uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		uint64_t tag = lan_pkt_check(pkts[i], true);
		enum kind k;

		if (tag == UINT64_MAX) {
			hosts.a_bad++;
		} else {
			k = kind_of(tag);
			if (tag != hosts.next_back[k])
				hosts.a_out_of_order++;
			hosts.next_back[k] = next_of_kind(tag + 1, k);
			hosts.back[k]++;
			hosts.back_sum[k] += tag;
		}
		rte_pktmbuf_free(pkts[i]);
	}
}

/* B's host: check what arrived (a wrong packet is dropped), echo the rest
 * into gateway B. */
static void
host_b_echo(struct gw *b, struct rte_mbuf *pkts[], uint16_t n)
{
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (lan_pkt_check(m, false) == UINT64_MAX) {
			hosts.b_bad++;
			rte_pktmbuf_free(m);
			continue;
		}
		hosts.b_ok++;
		lan_pkt_swap(rte_pktmbuf_mtod(m, uint8_t *));
		/* A new packet as the host sends it: no RX flags. */
		m->ol_flags &= RTE_MBUF_F_EXTERNAL;
		pkts[k++] = m;
	}
	gw_outbound(b, pkts, k);
}

static uint64_t
in_flight(void)
{
	uint64_t done = hosts.a_bad + hosts.b_bad;

	for (int k = 0; k < NB_KIND; k++)
		done += hosts.back[k];
	for (int g = 0; g < 2; g++) {
		done += gws[g].tx_refused + gws[g].not_ip;
		for (int r = 0; r < DPSEC_R_MAX; r++)
			done += gws[g].drops[r];
	}
	return hosts.next_tag > done ? hosts.next_tag - done : 0;
}

/* One turn of the loop: A's host sends up to n, B echoes, A checks. */
static uint16_t
poll_once(uint16_t n)
{
	struct gw *a = &gws[0], *b = &gws[1];
	struct rte_mbuf *pkts[BURST];
	uint16_t nb_b, nb_a;

	host_a_send(a, n);
	nb_b = gw_inbound(b, pkts);
	host_b_echo(b, pkts, nb_b);
	nb_a = gw_inbound(a, pkts);
	host_a_receive(pkts, nb_a);
	return nb_a + nb_b;
}

/* ---- setup ---- */

static struct dpsec_addr
addr4(uint32_t a)
{
	struct dpsec_addr d = { .family = 4, .v4 = rte_cpu_to_be_32(a) };

	return d;
}

/* One SA of the tunnel between the WAN addresses. */
static struct dpsec_sa *
sa_add(struct gw *g, enum dpsec_sa_dir dir, uint32_t spi, uint32_t reqid,
       const uint8_t *key, enum dpsec_offload offload, uint32_t flags)
{
	struct gw *peer = g == &gws[0] ? &gws[1] : &gws[0];
	bool out = dir == DPSEC_SA_OUTBOUND;
	struct dpsec_sa_conf c = {
		.spi = spi,
		.dir = dir,
		.mode = DPSEC_SA_TUNNEL,
		.src = addr4(out ? g->wan_addr : peer->wan_addr),
		.dst = addr4(out ? peer->wan_addr : g->wan_addr),
		.sad_key = DPSEC_SAD_SPI_DST,
		.cipher = DPSEC_CIPHER_AES_GCM_128,
		.cipher_key = key,
		.cipher_key_len = 20,
		.auth = DPSEC_AUTH_NONE,
		.flags = DPSEC_SA_F_ESN | flags,
		.replay_window = out ? 0 : REPLAY_WINDOW,
		.reqid = reqid,
		.offload = offload,
		.port_id = g->port,
		.userdata = spi,
	};
	struct dpsec_sa *sa = dpsec_sa_create(g->ctx, &c);

	if (sa == NULL)
		fprintf(stderr, "error: gateway %s: SA 0x%x: %s\n", g->name,
			spi, rte_strerror(rte_errno));
	return sa;
}

/* A selector src/plen -> dst/plen (IPv4, any protocol and port). */
static struct dpsec_selector
sel4(uint32_t src, uint8_t src_plen, uint32_t dst, uint8_t dst_plen)
{
	struct dpsec_selector s = {
		.family = 4, .src_plen = src_plen, .dst_plen = dst_plen,
	};
	uint32_t be_src = rte_cpu_to_be_32(src), be_dst = rte_cpu_to_be_32(dst);

	memcpy(s.src, &be_src, 4);
	memcpy(s.dst, &be_dst, 4);
	return s;
}

/*
 * A gateway's SPDs. Its LAN is 10.1/16 (A) or 10.2/16 (B), the other one
 * is reached through the tunnel; the management subnets talk in clear;
 * A's LAN may not reach 10.3/16 at all.
 */
static int
spd_setup(struct gw *g, bool is_a)
{
	uint32_t lan = is_a ? IP4(10, 1, 0, 0) : IP4(10, 2, 0, 0);
	uint32_t far = is_a ? IP4(10, 2, 0, 0) : IP4(10, 1, 0, 0);
	uint32_t mgmt = is_a ? IP4(172, 16, 0, 0) : IP4(172, 16, 1, 0);
	uint32_t mgmt_far = is_a ? IP4(172, 16, 1, 0) : IP4(172, 16, 0, 0);
	uint32_t reqid_out = is_a ? REQID_AB : REQID_BA;
	uint32_t reqid_in = is_a ? REQID_BA : REQID_AB;
	const struct dpsec_policy out[] = {
		{ .id = 1, .priority = 10, .sel = sel4(lan, 16, far, 16),
		  .action = DPSEC_POLICY_PROTECT, .reqid = reqid_out },
		{ .id = 2, .priority = 20,
		  .sel = sel4(lan, 16, IP4(10, 3, 0, 0), 16),
		  .action = DPSEC_POLICY_DISCARD },
		{ .id = 3, .priority = 30, .sel = sel4(mgmt, 24, mgmt_far, 24),
		  .action = DPSEC_POLICY_BYPASS },
	};
	const struct dpsec_policy in[] = {
		{ .id = 1, .priority = 10, .sel = sel4(far, 16, lan, 16),
		  .action = DPSEC_POLICY_PROTECT, .reqid = reqid_in },
		{ .id = 3, .priority = 30, .sel = sel4(mgmt_far, 24, mgmt, 24),
		  .action = DPSEC_POLICY_BYPASS },
	};
	char name[32];
	unsigned int i;
	int rc = 0;

	snprintf(name, sizeof(name), "%s-out", g->name);
	g->spd[DIR_OUT] = dpsec_spd_create(g->ctx, name, DPSEC_SA_OUTBOUND, 16);
	snprintf(name, sizeof(name), "%s-in", g->name);
	g->spd[DIR_IN] = dpsec_spd_create(g->ctx, name, DPSEC_SA_INBOUND, 16);
	if (g->spd[DIR_OUT] == NULL || g->spd[DIR_IN] == NULL)
		return -rte_errno;
	for (i = 0; i < RTE_DIM(out) && rc == 0; i++)
		rc = dpsec_spd_add(g->spd[DIR_OUT], &out[i]);
	for (i = 0; i < RTE_DIM(in) && rc == 0; i++)
		rc = dpsec_spd_add(g->spd[DIR_IN], &in[i]);
	if (rc == 0)
		rc = dpsec_spd_commit(g->spd[DIR_OUT]);
	if (rc == 0)
		rc = dpsec_spd_commit(g->spd[DIR_IN]);
	if (rc == 0)
		rc = dpsec_reqid_set(g->ctx, reqid_out, g->sa[DIR_OUT]);
	return rc;
}

/*
 * Gateway g: a context on its WAN port, its two SAs, its SPDs.
 * Placement: A puts both SAs on its NIC (offload auto: inline protocol on
 * sim_inline); B keeps its outbound SA in software (offload none) and puts
 * its inbound one on the NIC as inline crypto.
 */
static int
gw_setup(struct gw *g)
{
	bool is_a = g == &gws[0];
	struct dpsec_ctx_conf cc = {
		.name = is_a ? "gw-A" : "gw-B",
		.socket_id = SOCKET_ID_ANY,
		.max_sa = 16,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	static const char *const xs_names[2] = {
		"sec_tx_packets", "sec_rx_packets",
	};
	char pool[32];
	int rc;

	snprintf(pool, sizeof(pool), "gw%s_pool", g->name);
	g->mp = rte_pktmbuf_pool_create(pool, NB_MBUFS, MBUF_CACHE, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE,
					rte_socket_id());
	if (g->mp == NULL)
		return -rte_errno;
	rc = demo_port_start(g->port, g->mp, RTE_ETH_RX_OFFLOAD_SECURITY,
			     RTE_ETH_TX_OFFLOAD_SECURITY);
	if (rc != 0)
		return rc;
	g->started = true;
	rc = rte_eth_macaddr_get(g->port, &g->mac);
	for (int i = 0; i < 2 && rc == 0; i++)
		rc = rte_eth_xstats_get_id_by_name(g->port, xs_names[i],
						   &g->xs_id[i]);
	if (rc != 0)
		return rc;
	g->ctx = dpsec_create(&cc);
	if (g->ctx == NULL)
		return -rte_errno;
	rc = dpsec_port_attach(g->ctx, g->port);
	if (rc != 0)
		return rc;
	if (is_a) {
		g->sa[DIR_OUT] = sa_add(g, DPSEC_SA_OUTBOUND, SPI_AB, REQID_AB,
					key_ab, DPSEC_OFFLOAD_AUTO, 0);
		g->sa[DIR_IN] = sa_add(g, DPSEC_SA_INBOUND, SPI_BA, REQID_BA,
				       key_ba, DPSEC_OFFLOAD_AUTO, 0);
	} else {
		g->sa[DIR_OUT] = sa_add(g, DPSEC_SA_OUTBOUND, SPI_BA, REQID_BA,
					key_ba, DPSEC_OFFLOAD_NONE, 0);
		g->sa[DIR_IN] = sa_add(g, DPSEC_SA_INBOUND, SPI_AB, REQID_AB,
				       key_ab, DPSEC_OFFLOAD_AUTO,
				       DPSEC_SA_F_NO_INLINE_PROTOCOL);
	}
	if (g->sa[DIR_OUT] == NULL || g->sa[DIR_IN] == NULL)
		return -rte_errno;
	return spd_setup(g, is_a);
}

/* Reverse of gw_setup(); SPDs before the context (dpsec_spd.h). */
static void
gw_teardown(struct gw *g)
{
	dpsec_spd_free(g->spd[DIR_OUT]);
	dpsec_spd_free(g->spd[DIR_IN]);
	dpsec_free(g->ctx);
	g->ctx = NULL;
	if (g->started && rte_eth_dev_stop(g->port) != 0)
		fprintf(stderr, "warning: cannot stop port %u\n", g->port);
	if (rte_eth_dev_is_valid_port(g->port))
		rte_eth_dev_close(g->port);
}

/* ---- counters ---- */

static const char *
placement_str(enum dpsec_placement p)
{
	switch (p) {
	case DPSEC_PLACE_INLINE_PROTOCOL:
		return "inline-protocol";
	case DPSEC_PLACE_INLINE_CRYPTO:
		return "inline-crypto";
	default:
		return "software";
	}
}

static void
print_drops(const uint64_t drops[DPSEC_R_MAX])
{
	bool first = true;

	for (int r = 0; r < DPSEC_R_MAX; r++) {
		if (drops[r] == 0)
			continue;
		printf("%s%s=%" PRIu64, first ? " drops:" : ",",
		       reason_name[r], drops[r]);
		first = false;
	}
}

static void
xstats_get(const struct gw *g, uint64_t v[2])
{
	if (rte_eth_xstats_get_by_id(g->port, g->xs_id, v, 2) != 2)
		v[0] = v[1] = UINT64_MAX;
}

/* A gateway's block of the table: its port, SPDs and SAs. */
static void
print_gw(struct gw *g, const char *when, double secs)
{
	static const char *const dir_name[NB_DIR] = { "out", "in" };
	struct rte_eth_stats s;
	uint64_t xs[2];

	rte_eth_stats_get(g->port, &s);
	xstats_get(g, xs);
	printf("%s %s port %u: tx=%" PRIu64 " rx=%" PRIu64
	       " tx_kpps=%.1f rx_kpps=%.1f sec_tx_packets=%" PRIu64
	       " sec_rx_packets=%" PRIu64 "\n", when, g->name, g->port,
	       s.opackets, s.ipackets,
	       (double)(s.opackets - g->prev.opackets) / secs / 1e3,
	       (double)(s.ipackets - g->prev.ipackets) / secs / 1e3,
	       xs[0], xs[1]);
	g->prev = s;
	for (int d = 0; d < NB_DIR; d++) {
		struct dpsec_spd_stats st;

		dpsec_spd_stats_get(g->spd[d], &st);
		printf("%s %s spd %-3s: protect=%" PRIu64 " bypass=%" PRIu64
		       " discard=%" PRIu64, when, g->name, dir_name[d],
		       st.hits[DPSEC_POLICY_PROTECT],
		       st.hits[DPSEC_POLICY_BYPASS],
		       st.hits[DPSEC_POLICY_DISCARD]);
		print_drops(st.drops);
		printf("\n");
	}
	for (int d = 0; d < NB_DIR; d++) {
		struct dpsec_sa_info info;
		struct dpsec_sa_stats st;

		dpsec_sa_info(g->sa[d], &info);
		dpsec_sa_stats_get(g->sa[d], &st);
		printf("%s %s sa %-3s 0x%04x: %-15s (%s) pkts=%" PRIu64
		       " bytes=%" PRIu64, when, g->name, dir_name[d], info.spi,
		       placement_str(info.placement),
		       dpsec_place_reason_str(info.place_reason),
		       st.packets, st.bytes);
		print_drops(st.drops);
		printf("\n");
	}
}

static void
print_table(unsigned int t, double secs)
{
	char when[16];

	snprintf(when, sizeof(when), "[%2us]", t);
	for (int g = 0; g < 2; g++)
		print_gw(&gws[g], when, secs);
	fflush(stdout);
}

/* Move A's outbound SA (NIC <-> software) while traffic runs. */
static int
move_a_out(bool to_nic, double at)
{
	struct gw *a = &gws[0];
	struct dpsec_sa_info info;
	int rc = dpsec_sa_move(a->ctx, a->sa[DIR_OUT], to_nic);

	dpsec_sa_info(a->sa[DIR_OUT], &info);
	printf("[%4.1fs] A sa out 0x%04x: dpsec_sa_move(%s) = %d -> %s (%s)\n",
	       at, info.spi, to_nic ? "to NIC" : "to software", rc,
	       placement_str(info.placement),
	       dpsec_place_reason_str(info.place_reason));
	return rc;
}

/* ---- the end: did everything come back? ---- */

static unsigned int nb_fail;

static void
expect(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
expect(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("  %s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	nb_fail += !ok;
}

static uint64_t
sa_packets(const struct gw *g, int d)
{
	struct dpsec_sa_stats st;

	dpsec_sa_stats_get(g->sa[d], &st);
	return st.packets;
}

static uint64_t
sa_drops(const struct gw *g, int d)
{
	struct dpsec_sa_stats st;
	uint64_t n = 0;

	dpsec_sa_stats_get(g->sa[d], &st);
	for (int r = 0; r < DPSEC_R_MAX; r++)
		n += st.drops[r];
	return n;
}

/* Drops of gateway g other than A's deliberate outbound DISCARDs. */
static uint64_t
unwanted_drops(const struct gw *g, bool is_a)
{
	uint64_t n = g->tx_refused + g->not_ip;

	for (int r = 0; r < DPSEC_R_MAX; r++) {
		if (is_a && r == DPSEC_R_DISCARD)
			continue;
		n += g->drops[r];
	}
	for (int d = 0; d < NB_DIR; d++) {
		struct dpsec_spd_stats st;

		dpsec_spd_stats_get(g->spd[d], &st);
		for (int r = 0; r < DPSEC_R_MAX; r++)
			if (!(is_a && d == DIR_OUT && r == DPSEC_R_DISCARD))
				n += st.drops[r];
		n += sa_drops(g, d);
	}
	return n;
}

static void
summary(uint64_t a_nic_out_sw)
{
	struct gw *a = &gws[0], *b = &gws[1];
	uint64_t xa[2], xb[2], prot = hosts.sent[K_PROTECTED];
	uint64_t discarded = a->drops[DPSEC_R_DISCARD];
	struct dpsec_spd_stats spd;

	xstats_get(a, xa);
	xstats_get(b, xb);
	printf("summary:\n");
	for (int k = 0; k < NB_KIND; k++)
		printf("  %-17s sent %" PRIu64 ", came back %" PRIu64 "\n",
		       kind_name[k], hosts.sent[k], hosts.back[k]);
	printf("  A's NIC encrypted %" PRIu64 ", decrypted %" PRIu64
	       "; B's NIC encrypted %" PRIu64 ", decrypted %" PRIu64 "\n",
	       xa[0], xa[1], xb[0], xb[1]);
	printf("checks:\n");
	for (int k = K_PROTECTED; k <= K_CLEAR; k++)
		expect(hosts.back[k] == hosts.sent[k] &&
		       hosts.back_sum[k] == hosts.sent_sum[k],
		       "every %s packet came back (%" PRIu64 "/%" PRIu64
		       ", tag sums %s)", kind_name[k], hosts.back[k],
		       hosts.sent[k], hosts.back_sum[k] == hosts.sent_sum[k] ?
		       "equal" : "differ");
	expect(hosts.b_ok == prot + hosts.sent[K_CLEAR],
	       "B's host got every packet sent to it (%" PRIu64 ")",
	       hosts.b_ok);
	expect(prot > 0 && hosts.sent[K_CLEAR] > 0,
	       "traffic flowed (%" PRIu64 " protected packets)", prot);
	expect(hosts.a_bad == 0 && hosts.b_bad == 0 &&
	       hosts.a_out_of_order == 0,
	       "byte-exact and in order: %" PRIu64 " wrong at B, %" PRIu64
	       " wrong at A, %" PRIu64 " out of order", hosts.b_bad,
	       hosts.a_bad, hosts.a_out_of_order);
	dpsec_spd_stats_get(a->spd[DIR_OUT], &spd);
	expect(discarded == hosts.sent[K_BLOCKED] &&
	       spd.drops[DPSEC_R_DISCARD] == hosts.sent[K_BLOCKED] &&
	       hosts.back[K_BLOCKED] == 0,
	       "A's SPD discarded every blocked packet (%" PRIu64 ")",
	       discarded);
	expect(unwanted_drops(a, true) == 0 && unwanted_drops(b, false) == 0,
	       "no other drops (A %" PRIu64 ", B %" PRIu64 ")",
	       unwanted_drops(a, true), unwanted_drops(b, false));
	expect(sa_packets(a, DIR_OUT) == prot &&
	       sa_packets(b, DIR_IN) == prot &&
	       sa_packets(b, DIR_OUT) == prot &&
	       sa_packets(a, DIR_IN) == prot,
	       "each SA counted every protected packet once");
	/* What the NICs did, from their own xstats: A's NIC encrypted what
	 * A marked for it and decrypted every echo (A's inbound SA stays
	 * on it); B's NIC decrypted every packet from A and encrypted
	 * nothing (B's outbound SA is in software). */
	expect(xa[0] == a->nic_tx && xa[0] > 0 && xa[1] == prot,
	       "A's NIC did the work of A's SAs (sec_tx %" PRIu64
	       " = %" PRIu64 " marked, sec_rx %" PRIu64 " = %" PRIu64 ")",
	       xa[0], a->nic_tx, xa[1], prot);
	expect(xb[0] == 0 && xb[1] == prot,
	       "B's NIC decrypted for B's inbound SA only (sec_tx %" PRIu64
	       ", sec_rx %" PRIu64 ")", xb[0], xb[1]);
	expect(a_nic_out_sw > 0 && a->nic_tx + a_nic_out_sw == prot,
	       "A's outbound SA worked in software while moved (%" PRIu64
	       " packets) and on the NIC otherwise", a_nic_out_sw);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] [-- [--seconds N] [--rate PPS]]\n"
		"  --seconds N  run for N seconds (default 5)\n"
		"  --rate PPS   cap A's LAN host at PPS packets/s "
		"(default 0: as fast as the loop goes)\n", prog);
}

static int
parse_args(int argc, char **argv, unsigned long *seconds, unsigned long *rate)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage(argv[0]);
			return 1;
		} else if (strcmp(opt, "--seconds") == 0 && i + 1 < argc) {
			if (demo_parse_ulong(argv[++i], 1, 86400, seconds) != 0)
				goto bad;
		} else if (strcmp(opt, "--rate") == 0 && i + 1 < argc) {
			if (demo_parse_ulong(argv[++i], 0, 100000000,
					     rate) != 0)
				goto bad;
		} else {
			usage(argv[0]);
			return -1;
		}
		continue;
bad:
		fprintf(stderr, "error: bad value for %s\n", opt);
		return -1;
	}
	return 0;
}

/* ---- main loop ---- */

static int
run(unsigned long seconds, unsigned long rate)
{
	uint64_t hz = rte_get_timer_hz(), start, now, next, last, idle_since;
	uint64_t move_out, move_back, sw_out = 0;
	unsigned int tick = 0;
	enum { PH_NIC, PH_MOVED, PH_BACK } phase = PH_NIC;

	printf("gateway A: WAN port 0 (192.0.2.1), LAN 10.1.0.0/16; "
	       "gateway B: WAN port 1 (198.51.100.1), LAN 10.2.0.0/16\n"
	       "ESP tunnel AES-GCM-128, ESN, replay window %u; "
	       "%lus, rate %s\n", REPLAY_WINDOW, seconds,
	       rate ? "capped" : "unlimited");
	if (rate)
		printf("rate cap: %lu packets/s\n", rate);
	print_table(0, 1.0);

	for (int k = 0; k < NB_KIND; k++)
		hosts.next_back[k] = next_of_kind(0, (enum kind)k);
	start = last = rte_get_timer_cycles();
	next = start + hz;
	/* At 40% of the run A's outbound SA goes to software, at 70% back. */
	move_out = start + seconds * hz * 4 / 10;
	move_back = start + seconds * hz * 7 / 10;
	while (!demo_quit) {
		uint64_t budget = WINDOW -
				  RTE_MIN(in_flight(), (uint64_t)WINDOW);

		now = rte_get_timer_cycles();
		if (rate) {
			uint64_t allowed = (uint64_t)((double)rate *
					   (double)(now - start) / (double)hz);

			budget = RTE_MIN(budget, allowed > hosts.next_tag ?
					 allowed - hosts.next_tag : 0);
		}
		poll_once((uint16_t)RTE_MIN(budget, (uint64_t)BURST));

		if (phase == PH_NIC && now >= move_out) {
			sw_out = sa_packets(&gws[0], DIR_OUT);
			if (move_a_out(false, (double)(now - start) / hz) != 0)
				return -1;
			phase = PH_MOVED;
		} else if (phase == PH_MOVED && now >= move_back) {
			if (move_a_out(true, (double)(now - start) / hz) != 0)
				return -1;
			sw_out = sa_packets(&gws[0], DIR_OUT) - sw_out;
			phase = PH_BACK;
		}
		if (now >= next) {
			dpsec_sa_expire_check(gws[0].ctx);
			dpsec_sa_expire_check(gws[1].ctx);
			print_table(++tick, (double)(now - last) / hz);
			last = now;
			next += hz;
			if (tick >= seconds)
				break;
		}
	}
	if (demo_quit)
		printf("interrupted\n");
	if (phase == PH_MOVED) {	/* interrupted: put it back */
		sw_out = sa_packets(&gws[0], DIR_OUT) - sw_out;
		move_a_out(true, (double)(rte_get_timer_cycles() - start) / hz);
	}

	/* Drain: no new packets; wait for the echoes still on their way. */
	idle_since = rte_get_timer_cycles();
	while (in_flight() > 0 &&
	       rte_get_timer_cycles() - idle_since < hz / 2) {
		if (poll_once(0) > 0)
			idle_since = rte_get_timer_cycles();
	}
	printf("drained: %" PRIu64 " packets still in flight\n", in_flight());
	summary(sw_out);
	return 0;
}

int
main(int argc, char **argv)
{
	/* A's WAN port wired to B's, and back. */
	static char *vdevs[] = {
		"net_sim_inline0,wire=ring,peer=net_sim_inline1",
		"net_sim_inline1,wire=ring,peer=net_sim_inline0",
	};
	unsigned long seconds = 5, rate = 0;
	struct demo_eal de;
	bool ran = false;
	int g, rc;

	if (demo_eal_init(&de, "dpsec-gw", argc, argv, vdevs,
			  RTE_DIM(vdevs)) != 0)
		return EXIT_FAILURE;
	rc = parse_args(de.app_argc, de.app_argv, &seconds, &rate);
	if (rc != 0)	/* --help (1) or a bad argument (-1) */
		goto out;
	demo_signals_init();
	if (rte_eth_dev_count_avail() != 2) {
		fprintf(stderr, "error: need exactly 2 ports, have %u\n",
			rte_eth_dev_count_avail());
		rc = -1;
		goto out;
	}
	for (g = 0; g < 2; g++) {
		rc = gw_setup(&gws[g]);
		if (rc != 0) {
			fprintf(stderr, "error: gateway %s: %s\n", gws[g].name,
				rte_strerror(-rc));
			goto out;
		}
	}
	rte_eth_macaddr_get(gws[1].port, &gws[0].peer_mac);
	rte_eth_macaddr_get(gws[0].port, &gws[1].peer_mac);
	rc = run(seconds, rate);
	ran = rc == 0;

out:
	for (g = 0; g < 2; g++)
		gw_teardown(&gws[g]);
	/* Every mbuf back in its pool, ports stopped and closed. */
	for (g = 0; g < 2; g++) {
		struct rte_mempool *mp = gws[g].mp;

		if (mp == NULL)
			continue;
		if (ran)
			expect(rte_mempool_avail_count(mp) == mp->size,
			       "gateway %s's mempool back full (%u of %u)",
			       gws[g].name, rte_mempool_avail_count(mp),
			       mp->size);
		rte_mempool_free(mp);
	}
	demo_eal_cleanup(&de);
	if (!ran)
		return rc > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (nb_fail > 0) {
		printf("result: FAIL (%u checks failed)\n", nb_fail);
		return EXIT_FAILURE;
	}
	printf("result: PASS\n");
	return EXIT_SUCCESS;
}
