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
 * them (and so override them).
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#define NB_MBUFS	(32 * 1024 - 1)
#define MBUF_CACHE	256
#define NB_RXD		1024
#define NB_TXD		1024
#define BURST		32
#define FRAME_LEN	64	/* without CRC */
#define GEN_PORT	0
#define ECHO_PORT	1

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* EAL leaves its runtime directory (/var/run/dpdk/<prefix>) behind. */
static void
remove_runtime_dir(const char *dir, const char *prefix)
{
	const char *base = strrchr(dir, '/');

	if (base != NULL && strcmp(base + 1, prefix) == 0)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [EAL args] [-- --seconds N]\n", prog);
}

static int
port_init(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (strcmp(info.driver_name, "net_sim_inline") != 0) {
		fprintf(stderr, "port %u is %s, not net_sim_inline\n",
			port, info.driver_name);
		return -EINVAL;
	}
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, NB_RXD,
				rte_eth_dev_socket_id(port), NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, NB_TXD,
				rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
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
	while (!quit) {
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
	if (quit)
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
	char prefix[64], runtime_dir[PATH_MAX];
	char *builtin[] = {
		"--no-huge", "--no-pci", "-m", "512", "--file-prefix", prefix,
		"--vdev", "net_sim_inline0", "--vdev", "net_sim_inline1",
	};
	const int nb_builtin = (int)RTE_DIM(builtin);
	struct rte_mempool *mp = NULL;
	unsigned long seconds = 5;
	char **eal_argv;
	int eal_argc, ret, i, rc = EXIT_FAILURE;
	uint16_t port, nb_started = 0;

	snprintf(prefix, sizeof(prefix), "dpsec-demo-%ld", (long)getpid());
	eal_argv = calloc((size_t)argc + nb_builtin + 1, sizeof(*eal_argv));
	if (eal_argv == NULL)
		return EXIT_FAILURE;
	eal_argv[0] = argv[0];
	for (i = 0; i < nb_builtin; i++)
		eal_argv[1 + i] = builtin[i];
	for (i = 1; i < argc; i++)
		eal_argv[nb_builtin + i] = argv[i];
	eal_argc = argc + nb_builtin;

	ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "error: cannot initialise EAL\n");
		free(eal_argv);
		return EXIT_FAILURE;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	/* Application arguments: what followed "--". */
	for (i = ret + 1; i < eal_argc; i++) {
		char *end;

		if (strcmp(eal_argv[i], "--seconds") == 0 && i + 1 < eal_argc) {
			errno = 0;
			seconds = strtoul(eal_argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || seconds == 0 ||
			    seconds > 86400) {
				fprintf(stderr, "error: bad --seconds value\n");
				goto out;
			}
		} else {
			usage(argv[0]);
			goto out;
		}
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

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
		ret = port_init(port, mp);
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
	rte_mempool_free(mp);
	rte_eal_cleanup();
	/* Only our own, per-process directory (not one the user chose). */
	remove_runtime_dir(runtime_dir, prefix);
	free(eal_argv);
	return rc;
}
