/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-gw-hosts: the LAN hosts on both sides of a pair of gateways - a
 * traffic source and a checker in one program (doc/ipsec_gw.md, "The
 * demo"). Port 0 is one LAN, port 1 the other. Each flow sends UDP from
 * one LAN to the other at a steady rate; every packet carries its flow,
 * its number and a payload derived from both, so the far side can tell
 * that it arrived once and intact (addresses, TTL/hop limit, length,
 * checksum, every payload byte).
 *
 *   dpsec-gw-hosts [EAL args] -- --flow NAME,PORT,SRC,DST,KIND ...
 *       [--pps N] [--seconds N] [--stats 0|1]
 *
 * KIND: "deliver" (protected: every packet must arrive exactly once,
 * intact - IPsec's replay window removes what the wire duplicated),
 * "clear" (bypassed: every packet must arrive intact, duplicates allowed:
 * nothing protects clear traffic from a duplicating wire) or "drop"
 * (discarded by policy: none may arrive). Exits 0 when all flows are as
 * their kind says and every mbuf is back in the pool once the ports
 * closed, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "demo_common.h"

enum {
	MAX_FLOWS = 32,
	BURST = 32,
	WINDOW = 64,		/* a flow's packets in flight at most */
	MAX_SEQ = 1 << 22,	/* packets per flow at most */
	NB_MBUFS = 8191,
};

static const char MAGIC[8] = "DPSECGW1";

struct flow {
	char name[32];
	uint16_t port;		/* sent on; expected on port ^ 1 */
	int family;
	uint8_t src[16], dst[16];
	bool deliver;
	bool dup_ok;		/* "clear" */
	uint64_t sent, got, bad, dup, stray;
	uint8_t *seen;		/* bitmap of received numbers */
};

static struct flow flows[MAX_FLOWS];
static unsigned int nb_flows;
static unsigned long pps = 20000, seconds = 5;
static bool stats = true;
static struct rte_mempool *mp;
static volatile sig_atomic_t quit;
static uint64_t unknown;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static uint16_t
pkt_len(const struct flow *f, uint64_t seq)
{
	uint16_t min = f->family == 4 ? 20 + 8 + 18 : 40 + 8 + 18;

	return (uint16_t)(min + (seq * 37) % (1400 - min));
}

static uint8_t
fill(unsigned int fi, uint64_t seq, unsigned int i)
{
	return (uint8_t)(seq * 31 + fi * 7 + i);
}

static int
build(struct rte_mbuf *m, unsigned int fi, uint64_t seq)
{
	const struct flow *f = &flows[fi];
	uint16_t len = pkt_len(f, seq), l3 = f->family == 4 ? 20 : 40;
	struct rte_ether_hdr *eh;
	struct rte_udp_hdr *udp;
	uint8_t *d, *pl;
	uint16_t plen = len - l3 - 8;

	d = (uint8_t *)rte_pktmbuf_append(m, sizeof(*eh) + len);
	if (d == NULL)
		return -ENOMEM;
	eh = (struct rte_ether_hdr *)d;
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	rte_eth_macaddr_get(f->port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(f->family == 4 ?
			RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	udp = (struct rte_udp_hdr *)(d + sizeof(*eh) + l3);
	pl = (uint8_t *)(udp + 1);
	memcpy(pl, MAGIC, 8);
	pl[8] = (uint8_t)fi;
	pl[9] = 0;
	memcpy(pl + 10, &seq, 8);
	for (unsigned int i = 18; i < plen; i++)
		pl[i] = fill(fi, seq, i);
	udp->src_port = rte_cpu_to_be_16(5000 + fi);
	udp->dst_port = rte_cpu_to_be_16(6000);
	udp->dgram_len = rte_cpu_to_be_16(len - l3);
	udp->dgram_cksum = 0;
	if (f->family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(len);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)seq);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, f->src, 4);
		memcpy(&ip->dst_addr, f->dst, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(len - l3);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, f->src, 16);
		memcpy(ip->dst_addr, f->dst, 16);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
	return 0;
}

/* Check one received frame; count it against its flow. */
static void
check(struct rte_mbuf *m, uint16_t port)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t n = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eh = (const void *)d;
	const struct rte_udp_hdr *udp;
	const uint8_t *pl;
	struct flow *f;
	uint16_t et, len, l3;
	uint64_t seq;
	unsigned int fi;
	bool ok = true;

	if (m->nb_segs != 1 || n < sizeof(*eh))
		goto unknown;
	et = rte_be_to_cpu_16(eh->ether_type);
	l3 = et == RTE_ETHER_TYPE_IPV4 ? 20 : 40;
	if ((et != RTE_ETHER_TYPE_IPV4 && et != RTE_ETHER_TYPE_IPV6) ||
	    n < sizeof(*eh) + l3 + 8 + 18)
		goto unknown;
	udp = (const void *)(d + sizeof(*eh) + l3);
	pl = (const uint8_t *)(udp + 1);
	if (memcmp(pl, MAGIC, 8) != 0 || pl[8] >= nb_flows)
		goto unknown;
	fi = pl[8];
	f = &flows[fi];
	memcpy(&seq, pl + 10, 8);
	if (port != (f->port ^ 1) || seq >= f->sent) {
		f->stray++;
		return;
	}
	len = pkt_len(f, seq);
	if (n < sizeof(*eh) + len)
		ok = false;
	if (ok && f->family == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
		struct rte_ipv4_hdr h = *ip;

		h.hdr_checksum = 0;
		ok = ip->version_ihl == RTE_IPV4_VHL_DEF &&
		     rte_be_to_cpu_16(ip->total_length) == len &&
		     ip->time_to_live == 64 &&
		     memcmp(&ip->src_addr, f->src, 4) == 0 &&
		     memcmp(&ip->dst_addr, f->dst, 4) == 0 &&
		     rte_ipv4_cksum(&h) == ip->hdr_checksum &&
		     rte_ipv4_udptcp_cksum_verify(ip, udp) == 0;
	} else if (ok) {
		const struct rte_ipv6_hdr *ip = (const void *)(eh + 1);

		ok = (rte_be_to_cpu_32(ip->vtc_flow) >> 28) == 6 &&
		     rte_be_to_cpu_16(ip->payload_len) == len - l3 &&
		     ip->hop_limits == 64 &&
		     memcmp(ip->src_addr, f->src, 16) == 0 &&
		     memcmp(ip->dst_addr, f->dst, 16) == 0 &&
		     rte_ipv6_udptcp_cksum_verify(ip, udp) == 0;
	}
	for (unsigned int i = 18; ok && i < (unsigned int)(len - l3 - 8); i++)
		ok = pl[i] == fill(fi, seq, i);
	if (!ok) {
		if (f->bad++ < 2 && getenv("DPSEC_HOSTS_DEBUG") != NULL) {
			printf("bad frame of %s #%" PRIu64 " (%u bytes):", f->name,
			       seq, n);
			for (uint32_t i = 0; i < n && i < 80; i++)
				printf("%s%02x", i % 16 ? " " : "\n  ", d[i]);
			printf("\n");
		}
		return;
	}
	if (f->seen[seq / 8] & (1u << (seq % 8))) {
		f->dup++;
		return;
	}
	f->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	f->got++;
	return;
unknown:
	unknown++;
}

static void
receive(void)
{
	struct rte_mbuf *pkts[BURST];

	for (uint16_t p = 0; p < 2; p++) {
		uint16_t nb = rte_eth_rx_burst(p, 0, pkts, BURST);

		for (uint16_t i = 0; i < nb; i++)
			check(pkts[i], p);
		if (nb)
			rte_pktmbuf_free_bulk(pkts, nb);
	}
}

/* Send one packet of flow fi if its window allows. */
static void
send_one(unsigned int fi)
{
	struct flow *f = &flows[fi];
	struct rte_mbuf *m;

	if (f->sent >= MAX_SEQ ||
	    (f->deliver && f->sent - f->got - f->bad >= WINDOW))
		return;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return;
	if (build(m, fi, f->sent) != 0 ||
	    rte_eth_tx_burst(f->port, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return;
	}
	f->sent++;
}

static void
table(double t, bool final)
{
	printf("%s[%5.1fs] %-16s %10s %10s %6s %6s %6s\n", final ? "\n" : "",
	       t, "flow", "sent", "arrived", "bad", "dup", "stray");
	for (unsigned int i = 0; i < nb_flows; i++) {
		const struct flow *f = &flows[i];

		printf("         %-16s %10" PRIu64 " %10" PRIu64 " %6" PRIu64 " %6" PRIu64 " %6" PRIu64 "%s\n",
		       f->name, f->sent, f->got, f->bad, f->dup, f->stray,
		       !f->deliver ? "  (must be dropped)" :
		       f->dup_ok ? "  (clear)" : "");
	}
	fflush(stdout);
}

static int
parse_flow(char *s)
{
	struct flow *f = &flows[nb_flows];
	char *name = strtok(s, ","), *port = strtok(NULL, ","),
	     *src = strtok(NULL, ","), *dst = strtok(NULL, ","),
	     *what = strtok(NULL, ",");

	if (nb_flows == MAX_FLOWS || what == NULL || strlen(name) >= 32 ||
	    (strcmp(port, "0") != 0 && strcmp(port, "1") != 0) ||
	    (strcmp(what, "deliver") != 0 && strcmp(what, "clear") != 0 &&
	     strcmp(what, "drop") != 0))
		return -1;
	strcpy(f->name, name);
	f->port = (uint16_t)atoi(port);
	f->deliver = strcmp(what, "drop") != 0;
	f->dup_ok = strcmp(what, "clear") == 0;
	if (inet_pton(AF_INET, src, f->src) == 1 &&
	    inet_pton(AF_INET, dst, f->dst) == 1)
		f->family = 4;
	else if (inet_pton(AF_INET6, src, f->src) == 1 &&
		 inet_pton(AF_INET6, dst, f->dst) == 1)
		f->family = 6;
	else
		return -1;
	f->seen = calloc(MAX_SEQ / 8, 1);
	if (f->seen == NULL)
		return -1;
	nb_flows++;
	return 0;
}

static int
port_start(uint16_t p)
{
	struct rte_eth_conf conf = { 0 };
	int rc;

	rc = rte_eth_dev_configure(p, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(p, 0, 1024,
					    rte_eth_dev_socket_id(p), NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(p, 0, 1024,
					    rte_eth_dev_socket_id(p), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(p);
	if (rc == 0)
		rte_eth_promiscuous_enable(p);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "flow", required_argument, NULL, 'f' },
		{ "pps", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "stats", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t hz, start, next, last_table, end, gap;
	unsigned int fi = 0;
	int rc, c, ret = 0;
	bool memif;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "error: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	memif = demo_has_memif();
	argc -= rc;
	argv += rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_flow(optarg) != 0) {
				fprintf(stderr, "error: --flow NAME,0|1,SRC,DST,deliver|clear|drop\n");
				return 1;
			}
			break;
		case 'p':
			pps = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seconds = strtoul(optarg, NULL, 10);
			break;
		case 'S':
			stats = strcmp(optarg, "0") != 0;
			break;
		default:
			fprintf(stderr, "usage: dpsec-gw-hosts [EAL] -- --flow NAME,PORT,SRC,DST,deliver|clear|drop ... [--pps N] [--seconds N] [--stats 0|1]\n");
			return 1;
		}
	}
	if (nb_flows == 0 || pps == 0 || seconds == 0 ||
	    rte_eth_dev_count_avail() < 2) {
		fprintf(stderr, "error: need --flow, two ports, pps and seconds > 0\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	mp = rte_pktmbuf_pool_create("hosts", NB_MBUFS, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL || port_start(0) != 0 || port_start(1) != 0) {
		fprintf(stderr, "error: ports: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	hz = rte_get_timer_hz();
	gap = hz / pps;
	start = rte_get_timer_cycles();
	next = start;
	last_table = start;
	end = start + seconds * hz;
	while (!quit && rte_get_timer_cycles() < end) {
		uint64_t now = rte_get_timer_cycles();

		receive();
		while (next <= now) {
			send_one(fi);
			fi = (fi + 1) % nb_flows;
			next += gap;
		}
		if (stats && now - last_table >= hz) {
			table((double)(now - start) / hz, false);
			last_table = now;
		}
		if (next > now + hz / 10000)
			rte_delay_us_sleep(50);
	}
	/* What is in flight comes in for up to 2 s more. */
	end = rte_get_timer_cycles() + 2 * hz;
	while (!quit && rte_get_timer_cycles() < end) {
		bool all = true;

		receive();
		for (unsigned int i = 0; i < nb_flows; i++)
			if (flows[i].deliver &&
			    flows[i].got + flows[i].bad < flows[i].sent)
				all = false;
		if (all) {
			rte_delay_us_sleep(100000);
			receive();
			break;
		}
		rte_delay_us_sleep(100);
	}
	table((double)(rte_get_timer_cycles() - start) / hz, true);
	for (unsigned int i = 0; i < nb_flows; i++) {
		const struct flow *f = &flows[i];
		bool ok = f->deliver ?
			  f->sent > 0 && f->got == f->sent && f->bad == 0 &&
			  (f->dup == 0 || f->dup_ok) && f->stray == 0 :
			  f->sent > 0 && f->got == 0 && f->bad == 0 &&
			  f->stray == 0;

		printf("%s %s: sent %" PRIu64 ", arrived intact %" PRIu64 ", bad %" PRIu64 ", duplicated %" PRIu64 "%s\n",
		       ok ? "ok  " : "FAIL", f->name, f->sent, f->got, f->bad,
		       f->dup, !f->deliver ? " (all must be dropped)" :
		       f->dup_ok ? " (clear: duplicates allowed)" : "");
		if (!ok)
			ret = 1;
		free(f->seen);
	}
	printf("frames not from a flow: %" PRIu64 "\n", unknown);
	for (uint16_t p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	/* The ports closed: every mbuf back, or the result is a failure. */
	if (!demo_pool_back(mp, "mbufs"))
		ret = 1;
	printf("result: %s\n", ret == 0 ? "PASS" : "FAIL");
	rte_mempool_free(mp);
	demo_eal_exit(memif);
	return ret;
}
