/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-ipsec-gw: an IPsec gateway on any DPDK ports, configured with
 * DPDK ipsec-secgw's command line and configuration file
 * (doc/ipsec_gw.md):
 *
 *   dpsec-ipsec-gw [EAL args] -- -p PORTMASK [-u PORTMASK] -f FILE
 *       [--config "(port,queue,lcore)[,...]"] [-w WINDOW] [-e]
 *       [--stats SECONDS] [--seconds N] [--idle-exit MS] [--busy-poll]
 *       [--burst N] [--nb-mbufs N] [--max-sa N] [--tx-wait-us N] [--check]
 *       [--skip-bad-sa] [--capture FILE]
 *
 * The main lcore is the control plane (console, lifetimes, shutdown);
 * the worker lcores forward (gw_fwd.c). SIGINT/SIGTERM stop it cleanly:
 * the workers stop, the queues are drained, the SAs destroyed (keys
 * wiped), the final counters printed and the mbufs counted back.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "demo_common.h"
#include "gw.h"

enum {
	NB_DESC = 1024,
	MBUF_CACHE = 256,
};

struct gw gw = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.burst = 32,
	.tx_wait_us = 1000,
	.stats_period = 1,
	.max_sa = 2 * GW_MAX_SA,
};


static volatile sig_atomic_t quit_signal;
struct gw_events gw_events;

const char *
gw_event_name(unsigned int ev)
{
	return ev == DPSEC_EV_SOFT_EXPIRED ? "soft-expired (rekey now)" :
	       ev == DPSEC_EV_HARD_EXPIRED ? "hard-expired (stopped)" :
	       ev == DPSEC_EV_SEQ_EXHAUSTED ? "sequence numbers exhausted (stopped)" :
	       "unknown";
}

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- -p PORTMASK [-u PORTMASK] -f CONFIG\n"
		"    [--config \"(port,queue,lcore)[,...]\"] [-w REPLAY_WINDOW] [-e]\n"
		"    [--stats SECONDS] [--seconds N] [--idle-exit MS] [--busy-poll]\n"
		"    [--burst N] [--nb-mbufs N] [--max-sa N] [--tx-wait-us N] [--check]\n"
		"    [--skip-bad-sa] [--capture FILE] [--reassemble NUM]\n"
		"  -p PORTMASK     ports to use (hex)\n"
		"  -u PORTMASK     unprotected ports (hex): ESP arrives on them\n"
		"  -f CONFIG       ipsec-secgw configuration file (sa, sp, rt, neigh)\n"
		"  -P              accepted (ports are always promiscuous)\n"
		"  --config        RX queues per lcore, as ipsec-secgw; default: queue 0\n"
		"                  of each port, ports spread over the worker lcores\n"
		"  -w N            replay window of inbound SAs that set none (0: off)\n"
		"  -e              extended sequence numbers on every SA\n"
		"  --stats S       console every S seconds (0: off; default 1)\n"
		"  --seconds N     stop after N seconds (default: at SIGINT/SIGTERM)\n"
		"  --idle-exit MS  stop once no packet arrived for MS ms\n"
		"  --busy-poll     never sleep when idle\n"
		"  --tx-wait-us N  how long a full TX queue may hold a burst before its\n"
		"                  packets are dropped (tx-full); default 1000\n"
		"  --check         load and apply the configuration, then exit\n"
		"  --capture FILE  write the dropped packets to FILE (pcapng, the reason\n"
		"                  as each packet's comment)\n"
		"  --reassemble N  as ipsec-secgw: N entries in each lcore's reassembly\n"
		"                  table (default 1024), and packets over the egress MTU\n"
		"                  are fragmented (after encryption) instead of dropped\n"
		"  --skip-bad-sa   leave out SAs dpsec refuses as invalid (e.g. null cipher\n"
		"                  with null integrity); their policies discard\n"
		"  (doc/ipsec_gw.md)\n", prog);
}

static int
parse_num(const char *opt, const char *s, uint64_t min, uint64_t max, int base,
	  uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, base);
	if (s[0] == '-' || end == s || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		fprintf(stderr, "error: %s '%s': expected %s in %" PRIu64 "..%#" PRIx64 "\n",
			opt, s, base == 16 ? "a hex mask" : "a number", min,
			max);
		return -1;
	}
	*out = v;
	return 0;
}

/* "(port,queue,lcore),..." */
static int
parse_config(const char *s)
{
	const char *p = s;

	while (*p != '\0') {
		unsigned int port, queue, lcore;
		struct gw_lcore *lc = NULL;
		int n = 0;

		if (sscanf(p, " (%u ,%u ,%u )%n", &port, &queue, &lcore,
			   &n) != 3 || n == 0) {
			fprintf(stderr, "error: --config at '%s': expected (port,queue,lcore)\n",
				p);
			return -1;
		}
		p += n;
		if (port >= GW_MAX_PORTS || !gw.port[port].enabled ||
		    queue >= 64 || lcore >= RTE_MAX_LCORE ||
		    !rte_lcore_is_enabled(lcore) ||
		    lcore == rte_get_main_lcore()) {
			fprintf(stderr, "error: --config (%u,%u,%u): the port must be in -p, the queue below 64 and the lcore a worker lcore (-l; the main lcore %u is the control plane)\n",
				port, queue, lcore, rte_get_main_lcore());
			return -1;
		}
		for (unsigned int i = 0; i < gw.nb_lc; i++)
			if (gw.lc[i].lcore_id == lcore)
				lc = &gw.lc[i];
		if (lc == NULL) {
			lc = &gw.lc[gw.nb_lc];
			lc->lcore_id = lcore;
			lc->txq = (uint16_t)gw.nb_lc++;
		}
		for (unsigned int i = 0; i < gw.nb_lc; i++)
			for (unsigned int r = 0; r < gw.lc[i].nb_rx; r++)
				if (gw.lc[i].rx[r].port == port &&
				    gw.lc[i].rx[r].queue == queue) {
					fprintf(stderr, "error: --config: (port %u, queue %u) given twice\n",
						port, queue);
					return -1;
				}
		if (lc->nb_rx == GW_MAX_RXQ) {
			fprintf(stderr, "error: --config: more than %d queues for lcore %u\n",
				GW_MAX_RXQ, lcore);
			return -1;
		}
		lc->rx[lc->nb_rx].port = (uint16_t)port;
		lc->rx[lc->nb_rx++].queue = (uint16_t)queue;
		if (queue + 1 > gw.port[port].nb_rxq)
			gw.port[port].nb_rxq = (uint16_t)(queue + 1);
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p != '\0') {
			fprintf(stderr, "error: --config at '%s': expected ',' or the end\n",
				p);
			return -1;
		}
	}
	return 0;
}

/* No --config: queue 0 of each port, ports round-robin over the workers. */
static int
default_config(void)
{
	unsigned int lcore, k = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		gw.lc[gw.nb_lc].lcore_id = lcore;
		gw.lc[gw.nb_lc].txq = (uint16_t)gw.nb_lc;
		gw.nb_lc++;
	}
	if (gw.nb_lc == 0) {
		fprintf(stderr, "error: no worker lcore: give EAL two or more (e.g. -l 0,1: 0 controls, 1 forwards)\n");
		return -1;
	}
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		struct gw_lcore *lc;

		if (!gw.port[p].enabled)
			continue;
		lc = &gw.lc[k++ % gw.nb_lc];
		lc->rx[lc->nb_rx].port = p;
		lc->rx[lc->nb_rx++].queue = 0;
		gw.port[p].nb_rxq = 1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "stats", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "idle-exit", required_argument, NULL, 'I' },
		{ "busy-poll", no_argument, NULL, 'B' },
		{ "burst", required_argument, NULL, 'b' },
		{ "nb-mbufs", required_argument, NULL, 'n' },
		{ "max-sa", required_argument, NULL, 'm' },
		{ "tx-wait-us", required_argument, NULL, 'T' },
		{ "check", no_argument, NULL, 'C' },
		{ "skip-bad-sa", no_argument, NULL, 'K' },
		{ "capture", required_argument, NULL, 'X' },
		{ "reassemble", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	uint64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:u:f:w:ePh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_num("-p", optarg, 1, UINT32_MAX, 16, &v))
				return -1;
			gw.portmask = (uint32_t)v;
			break;
		case 'u':
			if (parse_num("-u", optarg, 0, UINT32_MAX, 16, &v))
				return -1;
			gw.unprotmask = (uint32_t)v;
			break;
		case 'f':
			gw.cfg_file = optarg;
			break;
		case 'w':
			if (parse_num("-w", optarg, 0, 1u << 20, 10, &v))
				return -1;
			gw.replay_window = (uint32_t)v;
			break;
		case 'e':
			gw.esn_all = true;
			break;
		case 'P':
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			if (parse_num("--stats", optarg, 0, 3600, 10, &v))
				return -1;
			gw.stats_period = (unsigned int)v;
			break;
		case 'S':
			if (parse_num("--seconds", optarg, 1, 1u << 30, 10, &v))
				return -1;
			gw.seconds = (unsigned int)v;
			break;
		case 'I':
			if (parse_num("--idle-exit", optarg, 1, 1u << 30, 10,
				      &v))
				return -1;
			gw.idle_exit_ms = (unsigned int)v;
			break;
		case 'B':
			gw.busy_poll = true;
			break;
		case 'R':
			if (parse_num("--reassemble", optarg, 1, 1u << 20, 10,
				      &v))
				return -1;
			gw.frag_tbl = (uint32_t)v;
			gw.fragment = true;
			break;
		case 'b':
			if (parse_num("--burst", optarg, 1, GW_BURST_MAX, 10,
				      &v))
				return -1;
			gw.burst = (uint16_t)v;
			break;
		case 'n':
			if (parse_num("--nb-mbufs", optarg, 1024, 1u << 24, 10,
				      &v))
				return -1;
			gw.nb_mbufs = (uint32_t)v;
			break;
		case 'm':
			if (parse_num("--max-sa", optarg, 1, 1u << 24, 10, &v))
				return -1;
			gw.max_sa = (uint32_t)v;
			break;
		case 'C':
			gw.check_only = true;
			break;
		case 'T':
			if (parse_num("--tx-wait-us", optarg, 0, 1000000, 10,
				      &v))
				return -1;
			gw.tx_wait_us = (uint32_t)v;
			break;
		case 'K':
			gw.skip_bad_sa = true;
			break;
		case 'X':
			gw.capture = optarg;
			break;
		case 'h':
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "error: unexpected argument '%s'\n",
			argv[optind]);
		usage(argv[0]);
		return -1;
	}
	if (gw.portmask == 0 || gw.cfg_file == NULL) {
		fprintf(stderr, "error: -p PORTMASK and -f CONFIG are required\n");
		usage(argv[0]);
		return -1;
	}
	if ((gw.unprotmask & ~gw.portmask) != 0) {
		fprintf(stderr, "error: -u %#x names ports not in -p %#x\n",
			gw.unprotmask, gw.portmask);
		return -1;
	}
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		if ((gw.portmask & (UINT32_C(1) << p)) == 0)
			continue;
		if (!rte_eth_dev_is_valid_port(p)) {
			fprintf(stderr, "error: -p %#x: port %u does not exist (%u ports)\n",
				gw.portmask, p, rte_eth_dev_count_avail());
			return -1;
		}
		gw.port[p].enabled = true;
		gw.port[p].unprotected =
			(gw.unprotmask & (UINT32_C(1) << p)) != 0;
		memset(&gw.port[p].dst, 0xff, sizeof(gw.port[p].dst));
	}
	gw.lc = rte_zmalloc("gw_lcores", RTE_MAX_LCORE * sizeof(*gw.lc),
			    RTE_CACHE_LINE_SIZE);
	if (gw.lc == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	return config != NULL ? parse_config(config) : default_config();
}

static int
port_setup(uint16_t p)
{
	struct gw_port *gp = &gw.port[p];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info di;
	int rc;

	rc = rte_eth_dev_info_get(p, &di);
	if (rc != 0)
		return rc;
	gp->nb_txq = (uint16_t)gw.nb_lc;
	if (gp->nb_rxq == 0)
		gp->nb_rxq = 1;	/* polled by nobody: --config left it out */
	if (gp->nb_rxq > di.max_rx_queues || gp->nb_txq > di.max_tx_queues) {
		fprintf(stderr, "error: port %u: %u RX / %u TX queues asked, it has %u / %u\n",
			p, gp->nb_rxq, gp->nb_txq, di.max_rx_queues,
			di.max_tx_queues);
		return -EINVAL;
	}
	for (uint16_t q = 0; q < gp->nb_rxq; q++) {
		bool polled = false;

		for (unsigned int i = 0; i < gw.nb_lc; i++)
			for (unsigned int r = 0; r < gw.lc[i].nb_rx; r++)
				polled |= gw.lc[i].rx[r].port == p &&
					  gw.lc[i].rx[r].queue == q;
		if (!polled)
			printf("warning: port %u: RX queue %u is in no --config entry: what RSS puts there waits until the stop (drained)\n",
			       p, q);
	}
	if (gp->nb_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
			di.flow_type_rss_offloads;
	}
	conf.rxmode.offloads = di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SECURITY;
	conf.txmode.offloads = di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_SECURITY;
	gp->sec_rx = conf.rxmode.offloads != 0;
	gp->sec_tx = conf.txmode.offloads != 0;
	rc = rte_eth_dev_configure(p, gp->nb_rxq, gp->nb_txq, &conf);
	for (uint16_t q = 0; rc == 0 && q < gp->nb_rxq; q++)
		rc = rte_eth_rx_queue_setup(p, q, NB_DESC,
					    rte_eth_dev_socket_id(p), NULL,
					    gw.mp);
	for (uint16_t q = 0; rc == 0 && q < gp->nb_txq; q++)
		rc = rte_eth_tx_queue_setup(p, q, NB_DESC,
					    rte_eth_dev_socket_id(p), NULL);
	if (rc == 0)
		rc = dpsec_port_attach(gw.ctx, p);
	if (rc == 0)
		rc = rte_eth_promiscuous_enable(p);
	if (rc == -ENOTSUP)
		rc = 0;
	if (rc == 0)
		rc = rte_eth_macaddr_get(p, &gp->mac);
	if (rc == 0 && rte_eth_dev_get_mtu(p, &gp->mtu) != 0)
		gp->mtu = RTE_ETHER_MTU;
	if (rc == 0)
		rc = rte_eth_dev_start(p);
	return rc;
}

static void
on_event(struct dpsec_ctx *ctx, struct dpsec_sa *sa, enum dpsec_event ev,
	 uint64_t userdata, void *arg)
{
	struct dpsec_sa_info info;
	struct gw_event *e;
	uint64_t n;

	(void)ctx;
	(void)userdata;
	(void)arg;
	/* From a burst (or the main lcore's expiry check): record only; the
	 * main lcore logs. */
	if ((unsigned int)ev >= GW_EV_KINDS || dpsec_sa_info(sa, &info) != 0)
		return;
	__atomic_fetch_add(&gw_events.count[ev], 1, __ATOMIC_RELAXED);
	n = __atomic_fetch_add(&gw_events.next, 1, __ATOMIC_ACQ_REL);
	e = &gw_events.log[n % GW_EV_LOG];
	e->spi = info.spi;
	e->dir = (uint8_t)info.dir;
	e->ev = (uint8_t)ev;
}

/* ---- counters ---- */

void
gw_port_sum(uint16_t p, struct gw_port_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < gw.nb_lc; i++) {
		const struct gw_port_stats *s = &gw.lc[i].st[p];

		sum->rx += s->rx;
		sum->rx_bytes += s->rx_bytes;
		sum->tx += s->tx;
		sum->tx_bytes += s->tx_bytes;
		sum->inbound += s->inbound;
		sum->frag_in += s->frag_in;
		sum->reassembled += s->reassembled;
		sum->frag_merged += s->frag_merged;
		sum->fragmented += s->fragmented;
		sum->frag_out += s->frag_out;
		sum->outbound += s->outbound;
		for (unsigned int r = 0; r < DPSEC_R_MAX; r++)
			sum->drops[r] += s->drops[r];
		for (unsigned int r = 0; r < GW_D_MAX; r++)
			sum->gw_drops[r] += s->gw_drops[r];
	}
}

uint64_t
gw_drops_of(const struct gw_port_stats *s)
{
	uint64_t n = 0;

	for (unsigned int r = 0; r < DPSEC_R_MAX; r++)
		n += s->drops[r];
	for (unsigned int r = 0; r < GW_D_MAX; r++)
		n += s->gw_drops[r];
	return n;
}

static const char *const place_short[] = {
	[DPSEC_PLACE_SW] = "software",
	[DPSEC_PLACE_INLINE_CRYPTO] = "nic-crypto",
	[DPSEC_PLACE_INLINE_PROTOCOL] = "nic-protocol",
};

static struct gw_port_stats prev[GW_MAX_PORTS];

static void
console(double secs, double dt, bool final)
{
	struct dpsec_spd_stats so, si;

	pthread_mutex_lock(&gw.lock);
	printf("\n-- %s %.1f s ", final ? "final counters at" : "dpsec-ipsec-gw",
	       secs);
	printf("-----------------------------------------------------\n");
	printf("%4s %-11s %12s %10s %12s %10s %10s\n", "port", "side",
	       final ? "rx pkts" : "rx pps", final ? "rx MB" : "rx Mbps",
	       final ? "tx pkts" : "tx pps", final ? "tx MB" : "tx Mbps",
	       "dropped");
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		struct gw_port_stats s;

		if (!gw.port[p].enabled)
			continue;
		gw_port_sum(p, &s);
		if (final)
			printf("%4u %-11s %12" PRIu64 " %10.2f %12" PRIu64 " %10.2f %10" PRIu64 "\n",
			       p, gw.port[p].unprotected ? "unprotected" :
			       "protected", s.rx, s.rx_bytes / 1e6, s.tx,
			       s.tx_bytes / 1e6, gw_drops_of(&s));
		else
			printf("%4u %-11s %12.0f %10.2f %12.0f %10.2f %10" PRIu64 "\n",
			       p, gw.port[p].unprotected ? "unprotected" :
			       "protected", (s.rx - prev[p].rx) / dt,
			       (s.rx_bytes - prev[p].rx_bytes) * 8 / dt / 1e6,
			       (s.tx - prev[p].tx) / dt,
			       (s.tx_bytes - prev[p].tx_bytes) * 8 / dt / 1e6,
			       gw_drops_of(&s));
		prev[p] = s;
	}
	printf("%-3s %10s %-12s %12s %12s %8s %s\n", "dir", "spi",
	       "placement", "packets", "bytes", "dropped", "state");
	for (unsigned int i = 0; i < gw.nb_sa; i++) {
		struct dpsec_sa_info info;
		struct dpsec_sa_stats st;
		uint64_t d = 0;

		if (gw.sas[i].sa == NULL ||	/* skipped */
		    dpsec_sa_info(gw.sas[i].sa, &info) != 0 ||
		    dpsec_sa_stats_get(gw.sas[i].sa, &st) != 0)
			continue;
		for (unsigned int r = 0; r < DPSEC_R_MAX; r++)
			d += st.drops[r];
		printf("%-3s %10" PRIu32 " %-12s %12" PRIu64 " %12" PRIu64 " %8" PRIu64 " %s\n",
		       info.dir == DPSEC_SA_INBOUND ? "in" : "out", info.spi,
		       place_short[info.placement], st.packets, st.bytes, d,
		       info.state == DPSEC_SA_ACTIVE ? "active" :
		       info.state == DPSEC_SA_SOFT_EXPIRED ? "soft-expired" :
		       "dead");
	}
	if (dpsec_spd_stats_get(gw.spd_out, &so) == 0 &&
	    dpsec_spd_stats_get(gw.spd_in, &si) == 0)
		printf("SPD out: protect %" PRIu64 " bypass %" PRIu64 " discard %" PRIu64 " no-policy %" PRIu64
		       " | in: protect %" PRIu64 " bypass %" PRIu64 " discard %" PRIu64 " no-policy %" PRIu64 "\n",
		       so.hits[DPSEC_POLICY_PROTECT],
		       so.hits[DPSEC_POLICY_BYPASS],
		       so.hits[DPSEC_POLICY_DISCARD], so.misses,
		       si.hits[DPSEC_POLICY_PROTECT],
		       si.hits[DPSEC_POLICY_BYPASS],
		       si.hits[DPSEC_POLICY_DISCARD], si.misses);
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		struct gw_port_stats s;
		bool any = false;

		if (!gw.port[p].enabled)
			continue;
		gw_port_sum(p, &s);
		if (s.frag_in != 0)
			printf("port %u: %" PRIu64 " fragments in: %" PRIu64 " merged into %" PRIu64 " packets, %" PRIu64 " dropped (frag), %" PRIu64 " waiting\n",
			       p, s.frag_in, s.frag_merged, s.reassembled,
			       s.gw_drops[GW_D_FRAG], s.frag_in - s.frag_merged -
			       s.gw_drops[GW_D_FRAG]);
		if (s.fragmented != 0)
			printf("port %u: %" PRIu64 " packets over the MTU sent as %" PRIu64 " fragments\n",
			       p, s.fragmented, s.frag_out);
		for (unsigned int r = 0; r < DPSEC_R_MAX; r++) {
			if (s.drops[r] == 0)
				continue;
			if (!any)
				printf("drops of rx port %u:", p);
			printf(" %s=%" PRIu64, gw_reason_name[r], s.drops[r]);
			any = true;
		}
		for (unsigned int r = 0; r < GW_D_MAX; r++) {
			if (s.gw_drops[r] == 0)
				continue;
			if (!any)
				printf("drops of rx port %u:", p);
			printf(" %s=%" PRIu64, gw_drop_name[r], s.gw_drops[r]);
			any = true;
		}
		if (any)
			printf("\n");
	}
	if (gw_events.next != 0)
		printf("SA events: soft-expired %" PRIu64 " hard-expired %" PRIu64 " seq-exhausted %" PRIu64 "\n",
		       gw_events.count[DPSEC_EV_SOFT_EXPIRED],
		       gw_events.count[DPSEC_EV_HARD_EXPIRED],
		       gw_events.count[DPSEC_EV_SEQ_EXHAUSTED]);
	fflush(stdout);
	pthread_mutex_unlock(&gw.lock);
}

static uint64_t
rx_total(void)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < gw.nb_lc; i++)
		for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
			n += gw.lc[i].st[p].rx;
	return n;
}

/*
 * After the workers stopped: what is still queued is freed and counted,
 * until the ports are quiet for 50 ms. Traffic that keeps arriving (a
 * flood, a replaying source) ends it after 1 s: *@busy is set, and the
 * port stop discards the rest.
 */
static uint64_t
drain(bool *busy)
{
	struct rte_mbuf *pkts[GW_BURST_MAX];
	uint64_t hz = rte_get_timer_hz(), quiet, n = 0;
	uint64_t end = rte_get_timer_cycles() + hz;

	quiet = rte_get_timer_cycles() + hz / 20;
	*busy = false;
	while (rte_get_timer_cycles() < quiet) {
		if (rte_get_timer_cycles() >= end) {
			*busy = true;
			break;
		}
		for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
			if (!gw.port[p].enabled)
				continue;
			for (uint16_t q = 0; q < gw.port[p].nb_rxq; q++) {
				uint16_t nb = rte_eth_rx_burst(p, q, pkts,
							       GW_BURST_MAX);

				if (nb == 0)
					continue;
				n += nb;
				rte_pktmbuf_free_bulk(pkts, nb);
				quiet = rte_get_timer_cycles() + hz / 20;
			}
		}
	}
	return n;
}

/* One line per SA event since *logged (a key manager reads them). */
static void
log_events(uint64_t *logged)
{
	uint64_t n = __atomic_load_n(&gw_events.next, __ATOMIC_ACQUIRE);

	if (n - *logged > GW_EV_LOG) {
		printf("SA events: %" PRIu64 " not logged (more than %d at once)\n",
		       n - *logged - GW_EV_LOG, GW_EV_LOG);
		*logged = n - GW_EV_LOG;
	}
	for (; *logged < n; (*logged)++) {
		const struct gw_event *e = &gw_events.log[*logged % GW_EV_LOG];

		printf("event: sa %s %" PRIu32 ": %s\n",
		       e->dir == DPSEC_SA_INBOUND ? "in" : "out", e->spi,
		       gw_event_name(e->ev));
	}
}

static int
run(void)
{
	uint64_t hz = rte_get_timer_hz(), start = rte_get_timer_cycles();
	uint64_t last_stats = start, last_expire = start, last_rx_t = start;
	uint64_t last_rx = 0, logged = 0;
	uint32_t frag_tbl = gw.frag_tbl ? gw.frag_tbl : 1024;	/* entries */

	for (unsigned int i = 0; i < gw.nb_lc; i++) {
		int rc;

		/* 2 s for a packet's fragments to arrive */
		gw.lc[i].frag = rte_ip_frag_table_create(frag_tbl, 16,
							 4 * frag_tbl, 2 * hz,
							 SOCKET_ID_ANY);
		if (gw.lc[i].frag == NULL) {
			fprintf(stderr, "error: reassembly table: %s\n",
				rte_strerror(rte_errno));
			gw.quit = true;
			rte_eal_mp_wait_lcore();
			return -1;
		}
		rc = rte_eal_remote_launch(gw_worker, &gw.lc[i],
					   gw.lc[i].lcore_id);

		if (rc != 0) {
			fprintf(stderr, "error: lcore %u: %s\n",
				gw.lc[i].lcore_id, strerror(-rc));
			gw.quit = true;
			rte_eal_mp_wait_lcore();
			return -1;
		}
	}
	printf("forwarding on %u worker lcore%s; Ctrl-C stops\n", gw.nb_lc,
	       gw.nb_lc > 1 ? "s" : "");
	while (quit_signal == 0) {
		uint64_t now, rx;

		rte_delay_us_sleep(10000);
		now = rte_get_timer_cycles();
		if (gw.seconds && now - start >= gw.seconds * hz)
			break;
		rx = rx_total();
		if (rx != last_rx) {
			last_rx = rx;
			last_rx_t = now;
		} else if (gw.idle_exit_ms &&
			   now - last_rx_t >= gw.idle_exit_ms * hz / 1000) {
			break;
		}
		if (now - last_expire >= hz) {
			dpsec_sa_expire_check(gw.ctx);
			last_expire = now;
		}
		log_events(&logged);
		gw_capture_drain();
		if (gw.stats_period &&
		    now - last_stats >= gw.stats_period * hz) {
			console((double)(now - start) / hz,
				(double)(now - last_stats) / hz, false);
			last_stats = now;
		}
	}
	if (quit_signal != 0)
		printf("\nsignal %d: stopping\n", (int)quit_signal);
	gw.quit = true;
	rte_eal_mp_wait_lcore();
	log_events(&logged);
	for (unsigned int i = 0; i < gw.nb_lc; i++) {
		/* fragments still waiting go back to the pool */
		rte_ip_frag_table_destroy(gw.lc[i].frag);
		gw.lc[i].frag = NULL;
	}
	return (int)((rte_get_timer_cycles() - start) / hz);
}

int
main(int argc, char **argv)
{
	struct dpsec_ctx_conf cc = {
		.name = "ipsec-gw",
		.socket_id = SOCKET_ID_ANY,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	uint64_t drained = 0;
	bool busy;
	unsigned int avail;
	bool memif;
	int rc, ret = 1, secs = 0;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "error: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	memif = demo_has_memif();
	argc -= rc;
	argv += rc;
	argv[0] = (char *)"dpsec-ipsec-gw";
	setvbuf(stdout, NULL, _IOLBF, 0);	/* logs read live */
	if (parse_args(argc, argv) != 0)
		goto out_eal;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (dpsec_mbuf_dynfield_init() != 0) {
		fprintf(stderr, "error: mbuf dynfield: %s\n",
			rte_strerror(rte_errno));
		goto out_eal;
	}
	if (gw.nb_mbufs == 0) {
		unsigned int q = 0;

		for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
			q += gw.port[p].enabled ?
			     (gw.port[p].nb_rxq ? gw.port[p].nb_rxq : 1) +
			     gw.nb_lc : 0;
		gw.nb_mbufs = q * (NB_DESC + GW_BURST_MAX) +
			      gw.nb_lc * (MBUF_CACHE + 2 * GW_BURST_MAX) + 4096;
	}
	gw.mp = rte_pktmbuf_pool_create("gw_mbufs", gw.nb_mbufs, MBUF_CACHE,
					0, RTE_MBUF_DEFAULT_BUF_SIZE,
					rte_socket_id());
	/* Fragments: a direct mbuf for each header, an indirect one for
	 * each piece of the packet's data (rte_ip_frag). */
	if (gw.mp != NULL && gw.fragment) {
		gw.indir = rte_pktmbuf_pool_create("gw_indirect", gw.nb_mbufs,
						   MBUF_CACHE, 0, 0,
						   rte_socket_id());
		if (gw.indir == NULL) {
			fprintf(stderr, "error: indirect mbuf pool: %s\n",
				rte_strerror(rte_errno));
			goto out_pool;
		}
	}
	cc.max_sa = gw.max_sa;
	gw.ctx = gw.mp != NULL ? dpsec_create(&cc) : NULL;
	if (gw.ctx == NULL) {
		fprintf(stderr, "error: %s: %s\n", gw.mp ? "dpsec context" :
			"mbuf pool", rte_strerror(rte_errno));
		goto out_pool;
	}
	dpsec_event_cb_set(gw.ctx, on_event, NULL);
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		if (!gw.port[p].enabled)
			continue;
		rc = port_setup(p);
		if (rc != 0) {
			fprintf(stderr, "error: port %u: %s\n", p,
				rte_strerror(-rc));
			goto out_ports;
		}
	}
	if (gw_cfg_apply() != 0)
		goto out_ports;
	if (!gw.check_only && gw_ctl_init() != 0)
		goto out_cfg;
	if (!gw.check_only && gw.capture != NULL &&
	    gw_capture_open(gw.capture) != 0)
		goto out_cfg;
	if (gw.check_only) {
		printf("configuration OK\n");
		ret = 0;
		goto out_cfg;
	}
	secs = run();
	if (secs < 0)
		goto out_cfg;
	drained = drain(&busy);
	gw_capture_close();
	console(secs, 1, true);
	printf("drained at stop: %" PRIu64 " packets%s\n", drained,
	       busy ? " (traffic still arriving after 1 s: the port stop discards the rest)" : "");
	ret = 0;
out_cfg:
	gw_capture_close();
	pthread_mutex_lock(&gw.lock);
	gw.closing = true;
	gw_cfg_release();
	pthread_mutex_unlock(&gw.lock);
out_ports:
	/* The context lets go of the ports (sessions, callbacks) before
	 * they close. */
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
		if (gw.port[p].enabled)
			rte_eth_dev_stop(p);
	dpsec_free(gw.ctx);
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++)
		if (gw.port[p].enabled)
			rte_eth_dev_close(p);
out_pool:
	if (!demo_pool_back(gw.indir, "indirect mbufs"))
		ret = 1;
	avail = gw.mp != NULL ? rte_mempool_avail_count(gw.mp) : 0;
	if (!demo_pool_back(gw.mp, "mbufs"))
		ret = 1;
	else if (gw.mp != NULL && ret == 0 && !gw.check_only)
		printf("mbufs: all %u back in the pool\n", avail);
	rte_mempool_free(gw.indir);
	rte_mempool_free(gw.mp);
out_eal:
	rte_free(gw.lc);
	demo_eal_exit(memif);
	return ret;
}
