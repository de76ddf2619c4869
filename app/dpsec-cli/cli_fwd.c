/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding on one worker lcore, testpmd style: each started port's
 * frames go out on its peer port (port ^ 1, or itself when it has no
 * peer).
 * - io: frames as received.
 * - ipsec: a gateway in one box. The Ethernet header comes off; ESP is
 *   decrypted by dpsec_inbound() (on the NIC or in software), clear
 *   packets go on as such; the inbound SPD checks both (RFC 4301 §5.2);
 *   what passes goes through the outbound SPD (RFC 4301 §5.1:
 *   protect/bypass/discard) and out with a new Ethernet header.
 * - tls: a TLS echo over the CLI's TLS contexts (cli_tls_fwd.c).
 * "start tx_first" injects txpkts packets (IPv4/UDP, through the outbound
 * SPD in ipsec mode; TLS records in tls mode) before the loop starts. "stop" ends the loop and
 * drains what is still on the wires, counting it: with no loss, injected
 * = drained + dropped.
 */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "cli.h"
#include "fwd_step.h"

struct cli_fwd cli_fwd;		/* settings: cli_init() */

enum { FWD_BURST_MAX = CLI_BURST_MAX };

const char *const cli_fwd_mode_name[] = {
	[CLI_FWD_IO] = "io",
	[CLI_FWD_IPSEC] = "ipsec",
	[CLI_FWD_TLS] = "tls",
};

uint16_t
cli_fwd_peer(uint16_t port)
{
	uint16_t peer = port ^ 1;

	return rte_eth_dev_is_valid_port(peer) ? peer : port;
}

static bool
port_started(uint16_t port)
{
	return cli_port_up[port];
}

/* Count and free pkts[from..n) of port (no Ethernet header on them):
 * received there (inbound) or tx_first packets refused there. */
static void
drop_behind(uint16_t port, bool inbound, struct rte_mbuf *pkts[],
	    uint16_t from, uint16_t n)
{
	struct cli_port_fwd *st = &cli_fwd.st[port];

	if (from >= n)
		return;
	cli_capture_drops(port, pkts + from, n - from, inbound, false, NULL);
	for (uint16_t i = from; i < n; i++) {
		st->drops[dpsec_mbuf_reason(pkts[i])]++;
		rte_pktmbuf_free(pkts[i]);
	}
}

/* The same for frames that still have their Ethernet header. */
void
cli_fwd_drop(uint16_t port, bool inbound, struct rte_mbuf *pkts[],
	     uint16_t n)
{
	struct cli_port_fwd *st = &cli_fwd.st[port];

	cli_capture_drops(port, pkts, n, inbound, true, NULL);
	for (uint16_t i = 0; i < n; i++) {
		st->drops[dpsec_mbuf_reason(pkts[i])]++;
		rte_pktmbuf_free(pkts[i]);
	}
}

void
cli_fwd_tx(uint16_t port, struct rte_mbuf *pkts[], uint16_t n)
{
	struct cli_port_fwd *st = &cli_fwd.st[port];
	struct cli_cap_tx cap;
	uint16_t sent;

	cli_capture_tx_prep(&cap, port, pkts, n);
	sent = rte_eth_tx_burst(port, 0, pkts, n);
	cli_capture_tx_done(&cap, sent);
	st->tx += sent;
	if (sent < n) {
		st->tx_refused += n - sent;
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

/* Prepend Ethernet (from port's MAC to the peer's) and send on port. */
static void
eth_send(uint16_t port, struct cli_port_fwd *st, struct rte_mbuf *pkts[],
	 uint16_t n)
{
	struct rte_ether_addr src, dst;
	uint16_t i, k = 0;

	rte_eth_macaddr_get(port, &src);
	rte_eth_macaddr_get(cli_fwd_peer(port), &dst);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
		uint16_t et = (ip[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 :
			      RTE_ETHER_TYPE_IPV4;
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)
			rte_pktmbuf_prepend(m, sizeof(*eh));

		if (eh == NULL) {
			st->tx_refused++;
			cli_capture_drops(port, &m, 1, false, false,
					  "tx refused: no headroom for Ethernet");
			rte_pktmbuf_free(m);
			continue;
		}
		rte_ether_addr_copy(&dst, &eh->dst_addr);
		rte_ether_addr_copy(&src, &eh->src_addr);
		eh->ether_type = rte_cpu_to_be_16(et);
		m->l2_len = sizeof(*eh);
		pkts[k++] = m;
	}
	cli_fwd_tx(port, pkts, k);
}

/* ipsec mode, one received burst of port p (Ethernet frames). */
static void
fwd_ipsec(uint16_t p, struct rte_mbuf *pkts[], uint16_t nb)
{
	struct cli_port_fwd *st = &cli_fwd.st[p];
	uint16_t i, n = 0, ok;
	uint16_t out = cli_fwd_peer(p);

	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;

		eh = rte_pktmbuf_data_len(m) < sizeof(*eh) ? NULL :
		     rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (eh == NULL ||
		    (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		     eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))) {
			st->not_ip++;
			cli_capture_drops(p, &m, 1, true, true,
					  "not IP: no IPv4 or IPv6 EtherType");
			rte_pktmbuf_free(m);
			continue;
		}
		rte_pktmbuf_adj(m, sizeof(*eh));
		pkts[n++] = m;
	}
	if (n == 0)
		return;
	/* ESP decrypted, clear passed on, both policy-checked; what passes
	 * goes to the outbound side as a new packet. */
	ok = fwd_inbound_step(cli_fwd.ctx, cli_fwd.spd_in, pkts, n);
	drop_behind(p, true, pkts, ok, n);
	n = dpsec_outbound(cli_fwd.ctx, cli_fwd.spd_out, pkts, ok);
	drop_behind(p, true, pkts, n, ok);
	eth_send(out, &cli_fwd.st[out], pkts, n);
}

static void
fwd_io(uint16_t p, struct rte_mbuf *pkts[], uint16_t nb)
{
	cli_fwd_tx(cli_fwd_peer(p), pkts, nb);
}

static int
fwd_loop(void *arg)
{
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	bool started[CLI_MAX_PORTS] = { false };
	uint16_t p;

	(void)arg;
	RTE_ETH_FOREACH_DEV(p)
		started[p] = port_started(p);
	cli_capture_reader_online(rte_lcore_id());
	while (cli_fwd.running) {
		cli_capture_reader_quiescent(rte_lcore_id());
		RTE_ETH_FOREACH_DEV(p) {
			uint16_t nb;

			if (!started[p])
				continue;
			nb = rte_eth_rx_burst(p, 0, pkts, cli_fwd.burst);
			if (nb == 0)
				continue;
			cli_fwd.st[p].rx += nb;
			if (cli_fwd.mode == CLI_FWD_IPSEC)
				fwd_ipsec(p, pkts, nb);
			else if (cli_fwd.mode == CLI_FWD_TLS)
				cli_tls_fwd_rx(p, pkts, nb, true);
			else
				fwd_io(p, pkts, nb);
		}
	}
	cli_capture_reader_offline(rte_lcore_id());
	return 0;
}

/* One txpkts packet (IPv4/UDP, no L2); its 8-byte counter leads the payload. */
static int
pkt_build(struct rte_mbuf *m, uint64_t tag)
{
	uint16_t len = cli_fwd.pkt_len;
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, len);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)d;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *pl = (uint8_t *)(udp + 1);
	uint64_t be = rte_cpu_to_be_64(tag);
	uint16_t i, plen = len - sizeof(*ip) - sizeof(*udp);

	if (d == NULL)
		return -ENOMEM;
	memset(ip, 0, sizeof(*ip) + sizeof(*udp));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->packet_id = rte_cpu_to_be_16((uint16_t)tag);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = cli_fwd.src;
	ip->dst_addr = cli_fwd.dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(1024);
	udp->dst_port = rte_cpu_to_be_16(9);
	udp->dgram_len = rte_cpu_to_be_16(len - sizeof(*ip));
	memcpy(pl, &be, sizeof(be));
	for (i = sizeof(be); i < plen; i++)
		pl[i] = (uint8_t)(tag + i);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return 0;
}

/* n bursts of txpkts on port p. */
static int
inject(uint16_t p, unsigned int bursts)
{
	static uint64_t tag;
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	struct cli_port_fwd *st = &cli_fwd.st[p];
	uint16_t i, n = cli_fwd.burst, ok;

	for (unsigned int b = 0; b < bursts; b++) {
		if (rte_pktmbuf_alloc_bulk(cli_fwd.mp, pkts, n) != 0)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			if (pkt_build(pkts[i], tag++) != 0) {
				rte_pktmbuf_free_bulk(pkts, n);
				return -ENOMEM;
			}
		}
		if (cli_fwd.mode == CLI_FWD_IPSEC) {
			ok = dpsec_outbound(cli_fwd.ctx, cli_fwd.spd_out, pkts,
					    n);
			drop_behind(p, false, pkts, ok, n);
		} else {
			ok = n;
		}
		st->injected += n;
		eth_send(p, st, pkts, ok);
	}
	return 0;
}

int
cli_fwd_start(unsigned int tx_bursts, bool tx_first)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	uint16_t p;
	int rc;

	if (cli_fwd.running)
		return -EBUSY;
	if (lcore >= RTE_MAX_LCORE)
		return -ENODEV;
	rc = cli_capture_reader_init();
	if (rc != 0)
		return rc;
	if (tx_first) {
		RTE_ETH_FOREACH_DEV(p) {
			if (!port_started(p))
				continue;
			if (cli_fwd.txport >= 0 && p != cli_fwd.txport)
				continue;
			rc = cli_fwd.mode == CLI_FWD_TLS ?
			     cli_tls_fwd_inject(p, tx_bursts) :
			     inject(p, tx_bursts);
			if (rc != 0)
				return rc;
		}
	}
	cli_fwd.lcore = lcore;
	cli_fwd.running = true;
	rc = rte_eal_remote_launch(fwd_loop, NULL, lcore);
	if (rc != 0) {
		cli_fwd.running = false;
		return rc;
	}
	return 0;
}

/* Stop the loop, then drain the wires for 100 ms without new frames. */
int
cli_fwd_stop(void)
{
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	uint64_t hz = rte_get_timer_hz(), quiet;
	uint16_t p;

	if (!cli_fwd.running)
		return -EALREADY;
	cli_fwd.running = false;
	rte_eal_wait_lcore(cli_fwd.lcore);
	quiet = rte_get_timer_cycles() + hz / 10;
	while (rte_get_timer_cycles() < quiet) {
		RTE_ETH_FOREACH_DEV(p) {
			uint16_t nb;

			if (!port_started(p))
				continue;
			/* A frame a wire fault reordered leaves now. */
			rte_eth_tx_burst(p, 0, NULL, 0);
			nb = rte_eth_rx_burst(p, 0, pkts, FWD_BURST_MAX);
			if (nb == 0)
				continue;
			cli_fwd.st[p].drained += nb;
			/* tls: the records still reach their contexts (no
			 * echo), so the streams stay whole for a restart. */
			if (cli_fwd.mode == CLI_FWD_TLS)
				cli_tls_fwd_rx(p, pkts, nb, false);
			else
				rte_pktmbuf_free_bulk(pkts, nb);
			quiet = rte_get_timer_cycles() + hz / 10;
		}
	}
	if (cli_fwd.mode == CLI_FWD_TLS)
		cli_tls_fwd_flush();
	return 0;
}
