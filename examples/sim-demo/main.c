/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-sim-demo: two simulated inline-offload NIC ports (net_sim_inline0/1,
 * wired back to back by a ring), one generating UDP/IPv4 frames towards the
 * other, which echoes them back. Prints the ports' counters every second.
 *
 *   dpsec-sim-demo [EAL args] [-- --seconds N]
 *
 * The EAL arguments needed to run without hugepages or PCI, and the two
 * ports, are built in; EAL arguments given on the command line come after
 * them (and so override them). Exit status 0 when packets moved both ways
 * and every mbuf was back in the pool once the ports closed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "demo_common.h"

#define NB_MBUFS	(32 * 1024 - 1)
#define MBUF_CACHE	256
#define BURST		32
#define FRAME_LEN	64	/* without CRC */
#define GEN_PORT	0
#define ECHO_PORT	1

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [EAL args] [-- --seconds N]\n", prog);
}

/* a.b.c.d in host order (DPDK 22.11's RTE_IPV4 shifts a signed int). */
static uint32_t
ipv4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return a << 24 | b << 16 | c << 8 | d;
}

/* A UDP/IPv4 frame from port 0 to port 1; the source port varies. */
static int
build_frame(struct rte_mbuf *m, const struct rte_ether_addr *src,
	    const struct rte_ether_addr *dst, uint16_t sport)
{
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint16_t l3_len = FRAME_LEN - sizeof(*eh);

	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, FRAME_LEN);
	if (eh == NULL)
		return -1;
	memset(eh, 0, FRAME_LEN);
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(l3_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(ipv4(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(ipv4(198, 18, 1, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);

	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(7);	/* echo */
	udp->dgram_len = rte_cpu_to_be_16(l3_len - sizeof(*ip));
	udp->dgram_cksum = 0;			/* optional in IPv4 */
	return 0;
}

/* Turn a frame around: swap MACs, IPs and UDP ports (checksums stay valid). */
static void
echo_frame(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr ea;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	rte_be32_t a;
	rte_be16_t p;

	ea = eh->dst_addr;
	eh->dst_addr = eh->src_addr;
	eh->src_addr = ea;
	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*ip) + sizeof(*udp))
		return;
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	if (ip->next_proto_id != IPPROTO_UDP ||
	    (ip->version_ihl & 0xf) != 5)
		return;
	udp = (struct rte_udp_hdr *)(ip + 1);
	p = udp->src_port;
	udp->src_port = udp->dst_port;
	udp->dst_port = p;
}

static void
print_stats(unsigned int t, const struct rte_eth_stats *now,
	    const struct rte_eth_stats *prev, double secs)
{
	uint16_t port;

	for (port = 0; port < 2; port++) {
		const struct rte_eth_stats *s = &now[port], *o = &prev[port];

		printf("[%2us] port %u: rx_pkts=%" PRIu64 " tx_pkts=%" PRIu64
		       " rx_mpps=%.3f tx_mpps=%.3f rx_bytes=%" PRIu64
		       " tx_bytes=%" PRIu64 " rx_errors=%" PRIu64
		       " tx_errors=%" PRIu64 " rx_missed=%" PRIu64
		       " rx_nombuf=%" PRIu64 "\n",
		       t, port, s->ipackets, s->opackets,
		       (double)(s->ipackets - o->ipackets) / secs / 1e6,
		       (double)(s->opackets - o->opackets) / secs / 1e6,
		       s->ibytes, s->obytes, s->ierrors, s->oerrors,
		       s->imissed, s->rx_nombuf);
	}
	fflush(stdout);
}

static int
run(unsigned int seconds, struct rte_mempool *mp)
{
	struct rte_ether_addr mac[2];
	struct rte_eth_stats now[2], prev[2];
	struct rte_mbuf *pkts[BURST];
	uint64_t hz = rte_get_timer_hz(), start, next, last, cur;
	unsigned int tick = 0, i;
	uint16_t sport = 0, n, sent, port;

	for (port = 0; port < 2; port++) {
		if (rte_eth_macaddr_get(port, &mac[port]) != 0)
			return -1;
		rte_eth_stats_reset(port);
	}
	memset(prev, 0, sizeof(prev));
	printf("generating UDP/IPv4 on port %u, echoing on port %u, for %us\n",
	       GEN_PORT, ECHO_PORT, seconds);

	start = last = rte_get_timer_cycles();
	next = start + hz;
	while (!demo_quit) {
		/* Generator: a burst from port 0 to port 1. */
		if (rte_pktmbuf_alloc_bulk(mp, pkts, BURST) == 0) {
			for (i = 0; i < BURST; i++)
				if (build_frame(pkts[i], &mac[GEN_PORT], &mac[ECHO_PORT],
						1024 + (sport++ & 0x3fff)) != 0)
					break;
			sent = rte_eth_tx_burst(GEN_PORT, 0, pkts, i);
			if (sent < BURST)
				rte_pktmbuf_free_bulk(pkts + sent, BURST - sent);
		}
		/* Echo: port 1 turns what it received around. */
		n = rte_eth_rx_burst(ECHO_PORT, 0, pkts, BURST);
		for (i = 0; i < n; i++)
			echo_frame(pkts[i]);
		sent = rte_eth_tx_burst(ECHO_PORT, 0, pkts, n);
		if (sent < n)
			rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		/* Generator side: consume the echoes. */
		n = rte_eth_rx_burst(GEN_PORT, 0, pkts, BURST);
		if (n > 0)
			rte_pktmbuf_free_bulk(pkts, n);

		cur = rte_get_timer_cycles();
		if (cur >= next) {
			tick++;
			for (port = 0; port < 2; port++)
				rte_eth_stats_get(port, &now[port]);
			print_stats(tick, now, prev, (double)(cur - last) / hz);
			memcpy(prev, now, sizeof(prev));
			last = cur;
			next += hz;
			if (tick >= seconds)
				break;
		}
	}
	if (demo_quit)
		printf("interrupted\n");

	for (port = 0; port < 2; port++)
		rte_eth_stats_get(port, &now[port]);
	printf("total: port 0 -> 1: %" PRIu64 " sent, %" PRIu64 " received; "
	       "port 1 -> 0: %" PRIu64 " sent, %" PRIu64 " received\n",
	       now[0].opackets, now[1].ipackets,
	       now[1].opackets, now[0].ipackets);
	if (now[0].opackets == 0 || now[1].ipackets == 0 ||
	    now[1].opackets == 0 || now[0].ipackets == 0) {
		fprintf(stderr, "error: no packets moved in one direction\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char *vdevs[] = { "net_sim_inline0", "net_sim_inline1" };
	struct rte_mempool *mp = NULL;
	struct demo_eal de;
	unsigned long seconds = 5;
	int ret, i, rc = EXIT_FAILURE;
	uint16_t port, nb_started = 0;

	if (demo_eal_init(&de, "dpsec-demo", argc, argv, vdevs,
			  RTE_DIM(vdevs)) != 0)
		return EXIT_FAILURE;
	for (i = 1; i < de.app_argc; i++) {
		if (strcmp(de.app_argv[i], "--seconds") == 0 &&
		    i + 1 < de.app_argc) {
			if (demo_parse_ulong(de.app_argv[++i], 1, 86400,
					     &seconds) != 0) {
				fprintf(stderr, "error: bad --seconds value\n");
				goto out;
			}
		} else {
			usage(argv[0]);
			goto out;
		}
	}
	demo_signals_init();

	if (rte_eth_dev_count_avail() < 2) {
		fprintf(stderr, "error: need 2 ports, have %u\n",
			rte_eth_dev_count_avail());
		goto out;
	}
	mp = rte_pktmbuf_pool_create("demo_pool", NB_MBUFS, MBUF_CACHE, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "error: cannot create the mbuf pool: %s\n",
			rte_strerror(rte_errno));
		goto out;
	}
	for (port = 0; port < 2; port++, nb_started++) {
		ret = demo_port_start(port, mp, 0, 0);
		if (ret != 0) {
			fprintf(stderr, "error: cannot start port %u: %s\n",
				port, strerror(-ret));
			goto out;
		}
	}

	if (run((unsigned int)seconds, mp) == 0)
		rc = EXIT_SUCCESS;

out:
	for (port = 0; port < 2; port++) {
		if (port < nb_started && rte_eth_dev_stop(port) != 0)
			fprintf(stderr, "warning: cannot stop port %u\n", port);
		if (rte_eth_dev_is_valid_port(port))
			rte_eth_dev_close(port);
	}
	/* The ports closed, what was on the wires is freed: all back. */
	if (!demo_pool_back(mp, "mbufs"))
		rc = EXIT_FAILURE;
	rte_mempool_free(mp);
	demo_eal_cleanup(&de);
	return rc;
}
