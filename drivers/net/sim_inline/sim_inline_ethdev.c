/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline: probe/remove and the ethdev control operations.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "dpsec_driver.h"
#include "sim_inline.h"
#include "sim_inline_sec.h"
#include "sim_inline_tls.h"

RTE_LOG_REGISTER(sim_inline_logtype, pmd.net.sim_inline, NOTICE);

static const struct eth_dev_ops sim_ops;

/*
 * Every sim_inline port of the process, so that ring-wired ports can find
 * their peer by name. Control path only; the data path reads p->peer.
 */
static TAILQ_HEAD(, sim_port) sim_ports = TAILQ_HEAD_INITIALIZER(sim_ports);
static pthread_mutex_t sim_ports_lock = PTHREAD_MUTEX_INITIALIZER;

/* The Microsoft RSS verification key, the default of most NICs. */
static const uint8_t default_rss_key[SIM_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define SIM_RSS_OFFLOADS (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | \
	RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP | \
	RTE_ETH_RSS_NONFRAG_IPV4_OTHER | RTE_ETH_RSS_IPV6 | \
	RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP | \
	RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_NONFRAG_IPV6_OTHER | \
	RTE_ETH_RSS_ESP)

#define SIM_RX_OFFLOADS (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | \
	RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
	RTE_ETH_RX_OFFLOAD_RSS_HASH | RTE_ETH_RX_OFFLOAD_SCATTER | \
	RTE_ETH_RX_OFFLOAD_SECURITY)

#define SIM_TX_OFFLOADS (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
	RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
	RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_SECURITY | \
	RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE | RTE_ETH_TX_OFFLOAD_TCP_TSO)

bool
sim_is_sim_port(const struct rte_eth_dev *dev)
{
	return dev != NULL && dev->dev_ops == &sim_ops;
}

/* Point every ring-wired port at its peer, if that peer exists now. */
static void
rewire_locked(void)
{
	struct sim_port *p, *q;

	TAILQ_FOREACH(p, &sim_ports, next) {
		struct sim_port *peer = NULL;

		if (p->da.wire != SIM_WIRE_RING)
			continue;
		TAILQ_FOREACH(q, &sim_ports, next)
			if (q != p && strcmp(q->dev->data->name, p->da.peer) == 0)
				peer = q;
		__atomic_store_n(&p->peer, peer, __ATOMIC_RELEASE);
	}
}

bool
sim_link_is_up(const struct sim_port *p)
{
	if (!p->started || !p->admin_up)
		return false;
	if (p->lpbk)
		return true;
	return p->wire->carrier(p);
}

/* Recompute the link; raise LSC when it changed and the app asked for it. */
void
sim_link_refresh(struct sim_port *p)
{
	struct rte_eth_dev *dev = p->dev;
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_100G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = sim_link_is_up(p) ? RTE_ETH_LINK_UP :
						   RTE_ETH_LINK_DOWN,
	};

	if (link.link_status == RTE_ETH_LINK_DOWN)
		link.link_speed = RTE_ETH_SPEED_NUM_NONE;
	/* rte_eth_linkstatus_set() returns 0 only when the status changed. */
	if (rte_eth_linkstatus_set(dev, &link) != 0)
		return;
	if (dev->data->dev_conf.intr_conf.lsc) {
		sim_count(p, SIM_XS_lsc_events, 1);
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
	}
}

/* A port's state changed: it and whoever sends to it see a new link. */
static void
link_changed(struct sim_port *p)
{
	struct sim_port *q;

	sim_link_refresh(p);
	pthread_mutex_lock(&sim_ports_lock);
	TAILQ_FOREACH(q, &sim_ports, next)
		if (q != p && q->peer == p)
			sim_link_refresh(q);
	pthread_mutex_unlock(&sim_ports_lock);
}

static int
sim_dev_configure(struct rte_eth_dev *dev)
{
	struct sim_port *p = dev->data->dev_private;
	const struct rte_eth_conf *conf = &dev->data->dev_conf;
	const struct rte_eth_rss_conf *rss = &conf->rx_adv_conf.rss_conf;
	unsigned int i;

	if (conf->lpbk_mode > 1) {
		SIM_LOG(ERR, "%s: lpbk_mode %u not supported (0 or 1)",
			dev->data->name, conf->lpbk_mode);
		return -EINVAL;
	}
	if (rss->rss_key != NULL && rss->rss_key_len != 0 &&
	    rss->rss_key_len != SIM_RSS_KEY_SIZE) {
		SIM_LOG(ERR, "%s: RSS key must be %u bytes, not %u",
			dev->data->name, SIM_RSS_KEY_SIZE, rss->rss_key_len);
		return -EINVAL;
	}
	p->lpbk = conf->lpbk_mode == 1;
	p->rx_offloads = conf->rxmode.offloads;
	p->tx_offloads = conf->txmode.offloads;
	p->rss_hf = (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) ?
		    (rss->rss_hf & SIM_RSS_OFFLOADS) : 0;
	if (rss->rss_key != NULL && rss->rss_key_len == SIM_RSS_KEY_SIZE)
		memcpy(p->rss_key, rss->rss_key, SIM_RSS_KEY_SIZE);
	for (i = 0; i < SIM_RETA_SIZE; i++)
		p->reta[i] = dev->data->nb_rx_queues ?
			     i % dev->data->nb_rx_queues : 0;
	return 0;
}

static int
sim_dev_start(struct rte_eth_dev *dev)
{
	struct sim_port *p = dev->data->dev_private;
	uint16_t i;
	int ret;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		if (p->rxq[i] == NULL) {
			SIM_LOG(ERR, "%s: RX queue %u not set up",
				dev->data->name, i);
			return -EINVAL;
		}
	ret = p->wire->start(p);
	if (ret != 0)
		return ret;
	sim_tls_start(p);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	__atomic_store_n(&p->started, true, __ATOMIC_RELEASE);
	link_changed(p);
	return 0;
}

static int
sim_dev_stop(struct rte_eth_dev *dev)
{
	struct sim_port *p = dev->data->dev_private;
	uint16_t i;

	__atomic_store_n(&p->started, false, __ATOMIC_RELEASE);
	p->wire->stop(p);
	sim_rx_flush(p);
	sim_tx_flush_held(p);
	sim_reass_flush(p, NULL, SIM_XS_rx_stop_discard);
	sim_tls_flush(p);
	if (p->da.sec_reset_on_stop)
		sim_sec_reset(p);	/* the NIC forgets its SAs */
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	link_changed(p);
	return 0;
}

static int
sim_set_link(struct rte_eth_dev *dev, bool up)
{
	struct sim_port *p = dev->data->dev_private;

	p->admin_up = up;
	link_changed(p);
	return 0;
}

static int
sim_dev_set_link_up(struct rte_eth_dev *dev)
{
	return sim_set_link(dev, true);
}

static int
sim_dev_set_link_down(struct rte_eth_dev *dev)
{
	return sim_set_link(dev, false);
}

static int
sim_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	sim_link_refresh(dev->data->dev_private);
	return 0;
}

static void
sim_rxq_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct sim_port *p = dev->data->dev_private;
	struct sim_rxq *q = p->rxq[qid];
	struct rte_mbuf *m;

	if (q == NULL)
		return;
	p->rxq[qid] = NULL;
	dev->data->rx_queues[qid] = NULL;
	while (rte_ring_dequeue(q->ring, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(q->ring);
	rte_free(q);
}

static void
sim_txq_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct sim_port *p = dev->data->dev_private;

	if (p->txq[qid] != NULL)
		rte_pktmbuf_free(p->txq[qid]->held);
	rte_free(p->txq[qid]);
	p->txq[qid] = NULL;
	dev->data->tx_queues[qid] = NULL;
}

static int
sim_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		   unsigned int socket, const struct rte_eth_rxconf *conf,
		   struct rte_mempool *mp)
{
	struct sim_port *p = dev->data->dev_private;
	char name[RTE_RING_NAMESIZE];
	struct sim_rxq *q;

	RTE_SET_USED(conf);
	if (mp == NULL)
		return -EINVAL;
	sim_rxq_release(dev, qid);
	q = rte_zmalloc_socket("sim_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "simrx%u_%u", dev->data->port_id, qid);
	q->ring = rte_ring_create(name, p->da.ring_size, socket,
				  RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (q->ring == NULL) {
		rte_free(q);
		return -rte_errno;
	}
	q->port = p;
	q->mp = mp;
	q->qid = qid;
	q->nb_desc = nb_desc;
	p->rxq[qid] = q;
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
sim_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		   unsigned int socket, const struct rte_eth_txconf *conf)
{
	struct sim_port *p = dev->data->dev_private;
	struct sim_txq *q;

	RTE_SET_USED(conf);
	sim_txq_release(dev, qid);
	q = rte_zmalloc_socket("sim_txq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = p;
	q->qid = qid;
	q->nb_desc = nb_desc;
	q->prng = sim_prng_txq_seed(p->faults.seed, qid);
	p->txq[qid] = q;
	dev->data->tx_queues[qid] = q;
	return 0;
}

/*
 * Queue info: the descriptors the application asked for. A TX queue holds
 * no frames once tx_burst returns (but one held back by fault_reorder),
 * so nb_desc bounds what it can still have queued, as on a real NIC.
 */
static void
sim_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		 struct rte_eth_rxq_info *qi)
{
	const struct sim_rxq *q = dev->data->rx_queues[qid];

	qi->mp = q->mp;
	qi->nb_desc = q->nb_desc;
	qi->scattered_rx = dev->data->scattered_rx;
	qi->conf.offloads = dev->data->dev_conf.rxmode.offloads;
}

static void
sim_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		 struct rte_eth_txq_info *qi)
{
	const struct sim_txq *q = dev->data->tx_queues[qid];

	qi->nb_desc = q->nb_desc;
	qi->conf.offloads = dev->data->dev_conf.txmode.offloads;
}

static int
sim_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	RTE_SET_USED(dev);
	info->max_mac_addrs = SIM_MAX_MAC_ADDRS;
	info->max_rx_pktlen = SIM_MAX_RX_PKTLEN;
	info->min_rx_bufsize = 64;
	info->min_mtu = SIM_MIN_MTU;
	info->max_mtu = SIM_MAX_MTU;
	info->max_rx_queues = SIM_MAX_QUEUES;
	info->max_tx_queues = SIM_MAX_QUEUES;
	info->rx_offload_capa = SIM_RX_OFFLOADS;
	info->tx_offload_capa = SIM_TX_OFFLOADS;
	info->rx_queue_offload_capa = 0;
	info->tx_queue_offload_capa = 0;
	info->hash_key_size = SIM_RSS_KEY_SIZE;
	info->reta_size = SIM_RETA_SIZE;
	info->flow_type_rss_offloads = SIM_RSS_OFFLOADS;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	info->rx_desc_lim.nb_max = UINT16_MAX;
	info->rx_desc_lim.nb_min = 1;
	info->rx_desc_lim.nb_align = 1;
	/* Chains of up to 8 segments; DPDK's SG suite sizes packets by it. */
	info->rx_desc_lim.nb_seg_max = 8;
	info->rx_desc_lim.nb_mtu_seg_max = 8;
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxportconf.ring_size = 1024;
	info->default_txportconf.ring_size = 1024;
	info->dev_capa = 0;
	return 0;
}

static int
sim_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	if (mtu < SIM_MIN_MTU || mtu > SIM_MAX_MTU) {
		SIM_LOG(ERR, "%s: MTU %u outside %u..%u", dev->data->name, mtu,
			SIM_MIN_MTU, SIM_MAX_MTU);
		return -EINVAL;
	}
	return 0;	/* ethdev stores it in dev->data->mtu */
}

/* Filters live in dev->data (promiscuous, all_multicast, mac_addrs); the
 * RX engine reads them there, so these ops only have to accept. */
static int
sim_accept(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static int
sim_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	RTE_SET_USED(dev);
	return rte_is_unicast_ether_addr(addr) ? 0 : -EINVAL;
}

static int
sim_mac_addr_add(struct rte_eth_dev *dev, struct rte_ether_addr *addr,
		 uint32_t index, uint32_t pool)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(index);
	RTE_SET_USED(pool);
	return rte_is_unicast_ether_addr(addr) ? 0 : -EINVAL;
}

static void
sim_mac_addr_remove(struct rte_eth_dev *dev, uint32_t index)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(index);
}

static int
sim_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct sim_port *p = dev->data->dev_private;
	const uint64_t *xs = p->xs;
	unsigned int i;

	for (i = 0; i < SIM_MAX_QUEUES; i++) {
		const struct sim_rxq *rq = p->rxq[i];
		const struct sim_txq *tq = p->txq[i];

		if (rq != NULL) {
			st->ipackets += rq->pkts;
			st->ibytes += rq->bytes;
			if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_ipackets[i] = rq->pkts;
				st->q_ibytes[i] = rq->bytes;
			}
		}
		if (tq != NULL) {
			st->opackets += tq->pkts;
			st->obytes += tq->bytes;
			if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_opackets[i] = tq->pkts;
				st->q_obytes[i] = tq->bytes;
			}
		}
	}
	st->imissed = xs[SIM_XS_rx_queue_full];
	st->ierrors = xs[SIM_XS_rx_oversize] + xs[SIM_XS_rx_no_scatter] +
		      xs[SIM_XS_rx_runt];
	st->oerrors = xs[SIM_XS_tx_oversize] + xs[SIM_XS_tx_bad_mbuf] +
		      xs[SIM_XS_tx_link_down] + xs[SIM_XS_tx_sec_bad] +
		      xs[SIM_XS_tx_sec_dead] + xs[SIM_XS_tx_sec_lost] +
		      xs[SIM_XS_tx_fault_punt] + xs[SIM_XS_tx_tso_wire_full] +
		      xs[SIM_XS_tx_sec_drop_wire_full] +
		      xs[SIM_XS_tx_tls_drop_no_sync_data] +
		      xs[SIM_XS_tx_tls_drop_bypass_req] +
		      xs[SIM_XS_tx_tls_drop_bad_record] +
		      xs[SIM_XS_tx_tls_drop_wire_full];
	st->rx_nombuf = p->rx_nombuf;
	return 0;
}

static int
sim_stats_reset(struct rte_eth_dev *dev)
{
	struct sim_port *p = dev->data->dev_private;
	unsigned int i;

	for (i = 0; i < SIM_MAX_QUEUES; i++) {
		if (p->rxq[i] != NULL)
			p->rxq[i]->pkts = p->rxq[i]->bytes = 0;
		if (p->txq[i] != NULL)
			p->txq[i]->pkts = p->txq[i]->bytes = 0;
	}
	/* Basic stats share the drop counters with xstats: reset both. */
	for (i = 0; i < SIM_XS_MAX; i++)
		__atomic_store_n(&p->xs[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&p->rx_nombuf, 0, __ATOMIC_RELAXED);
	return 0;
}

static const char *const xstat_names[SIM_XS_MAX] = {
#define SIM_XSTAT_NAME(n) [SIM_XS_ ## n] = #n,
	SIM_XSTATS(SIM_XSTAT_NAME)
#undef SIM_XSTAT_NAME
};

static int
sim_xstats_get_names(struct rte_eth_dev *dev,
		     struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int i;

	RTE_SET_USED(dev);
	if (names == NULL || size < SIM_XS_MAX)
		return SIM_XS_MAX;
	for (i = 0; i < SIM_XS_MAX; i++)
		strlcpy(names[i].name, xstat_names[i], sizeof(names[i].name));
	return SIM_XS_MAX;
}

static int
sim_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
	       unsigned int n)
{
	struct sim_port *p = dev->data->dev_private;
	unsigned int i;

	if (xstats == NULL || n < SIM_XS_MAX)
		return SIM_XS_MAX;
	for (i = 0; i < SIM_XS_MAX; i++) {
		xstats[i].id = i;
		xstats[i].value = __atomic_load_n(&p->xs[i], __ATOMIC_RELAXED);
	}
	/* A gauge, not a counter. */
	xstats[SIM_XS_sec_sessions].value = p->sec != NULL ? p->sec->nb_sa : 0;
	return SIM_XS_MAX;
}

static int
sim_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rss)
{
	struct sim_port *p = dev->data->dev_private;

	if (rss->rss_hf & ~SIM_RSS_OFFLOADS)
		return -EINVAL;
	if (rss->rss_key != NULL) {
		if (rss->rss_key_len != SIM_RSS_KEY_SIZE)
			return -EINVAL;
		memcpy(p->rss_key, rss->rss_key, SIM_RSS_KEY_SIZE);
	}
	p->rss_hf = rss->rss_hf;
	return 0;
}

static int
sim_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rss)
{
	struct sim_port *p = dev->data->dev_private;

	if (rss->rss_key != NULL) {
		if (rss->rss_key_len < SIM_RSS_KEY_SIZE)
			return -EINVAL;
		memcpy(rss->rss_key, p->rss_key, SIM_RSS_KEY_SIZE);
	}
	rss->rss_key_len = SIM_RSS_KEY_SIZE;
	rss->rss_hf = p->rss_hf;
	return 0;
}

static int
sim_reta_update(struct rte_eth_dev *dev,
		struct rte_eth_rss_reta_entry64 *conf, uint16_t size)
{
	struct sim_port *p = dev->data->dev_private;
	unsigned int i;

	if (size != SIM_RETA_SIZE)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		const struct rte_eth_rss_reta_entry64 *e =
			&conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int b = i % RTE_ETH_RETA_GROUP_SIZE;

		if (!(e->mask & RTE_BIT64(b)))
			continue;
		if (e->reta[b] >= dev->data->nb_rx_queues)
			return -EINVAL;
	}
	for (i = 0; i < size; i++) {
		const struct rte_eth_rss_reta_entry64 *e =
			&conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int b = i % RTE_ETH_RETA_GROUP_SIZE;

		if (e->mask & RTE_BIT64(b))
			p->reta[i] = e->reta[b];
	}
	return 0;
}

static int
sim_reta_query(struct rte_eth_dev *dev,
	       struct rte_eth_rss_reta_entry64 *conf, uint16_t size)
{
	struct sim_port *p = dev->data->dev_private;
	unsigned int i;

	if (size != SIM_RETA_SIZE)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		struct rte_eth_rss_reta_entry64 *e =
			&conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int b = i % RTE_ETH_RETA_GROUP_SIZE;

		if (e->mask & RTE_BIT64(b))
			e->reta[b] = p->reta[i];
	}
	return 0;
}

static const uint32_t *
sim_ptypes_get(struct rte_eth_dev *dev)
{
	static const uint32_t ptypes[] = {
		RTE_PTYPE_L2_ETHER, RTE_PTYPE_L2_ETHER_VLAN,
		RTE_PTYPE_L3_IPV4, RTE_PTYPE_L3_IPV4_EXT,
		RTE_PTYPE_L3_IPV6, RTE_PTYPE_L3_IPV6_EXT,
		RTE_PTYPE_L4_TCP, RTE_PTYPE_L4_UDP, RTE_PTYPE_L4_FRAG,
		RTE_PTYPE_L4_ICMP, RTE_PTYPE_L4_SCTP, RTE_PTYPE_L4_NONFRAG,
		RTE_PTYPE_UNKNOWN,
	};

	RTE_SET_USED(dev);
	return ptypes;
}

static int
sim_dev_close(struct rte_eth_dev *dev)
{
	struct sim_port *p = dev->data->dev_private;
	uint16_t i;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	if (p->started)
		sim_dev_stop(dev);

	pthread_mutex_lock(&sim_ports_lock);
	TAILQ_REMOVE(&sim_ports, p, next);
	rewire_locked();
	pthread_mutex_unlock(&sim_ports_lock);

	for (i = 0; i < SIM_MAX_QUEUES; i++) {
		if (i < dev->data->nb_rx_queues)
			sim_rxq_release(dev, i);
		if (i < dev->data->nb_tx_queues)
			sim_txq_release(dev, i);
	}
	p->wire->close(p);
	sim_rx_flush(p);
	sim_reass_fini(p);
	sim_tls_fini(p);	/* keys wiped, ops withdrawn */
	sim_sec_fini(p);
	rte_ring_free(p->wire_ring);
	p->wire_ring = NULL;
	/* The port id goes to the next port created. */
	dpsec_drv_ipsec_ops_set(dev->data->port_id, NULL);
	dpsec_drv_caps_set(dev->data->port_id, 0);
	return 0;
}

static int
sim_flow_ops_get(struct rte_eth_dev *dev, const struct rte_flow_ops **ops)
{
	RTE_SET_USED(dev);
	*ops = &sim_flow_ops;
	return 0;
}

static const struct eth_dev_ops sim_ops = {
	.flow_ops_get = sim_flow_ops_get,
	.dev_configure = sim_dev_configure,
	.dev_start = sim_dev_start,
	.dev_stop = sim_dev_stop,
	.dev_close = sim_dev_close,
	.dev_set_link_up = sim_dev_set_link_up,
	.dev_set_link_down = sim_dev_set_link_down,
	.link_update = sim_link_update,
	.dev_infos_get = sim_dev_infos_get,
	.dev_supported_ptypes_get = sim_ptypes_get,
	.mtu_set = sim_mtu_set,
	.promiscuous_enable = sim_accept,
	.promiscuous_disable = sim_accept,
	.allmulticast_enable = sim_accept,
	.allmulticast_disable = sim_accept,
	.mac_addr_set = sim_mac_addr_set,
	.mac_addr_add = sim_mac_addr_add,
	.mac_addr_remove = sim_mac_addr_remove,
	.rx_queue_setup = sim_rx_queue_setup,
	.tx_queue_setup = sim_tx_queue_setup,
	.rxq_info_get = sim_rxq_info_get,
	.txq_info_get = sim_txq_info_get,
	.rx_queue_release = sim_rxq_release,
	.tx_queue_release = sim_txq_release,
	.stats_get = sim_stats_get,
	.stats_reset = sim_stats_reset,
	.xstats_get = sim_xstats_get,
	.xstats_get_names = sim_xstats_get_names,
	.xstats_reset = sim_stats_reset,
	.rss_hash_update = sim_rss_hash_update,
	.rss_hash_conf_get = sim_rss_hash_conf_get,
	.reta_update = sim_reta_update,
	.reta_query = sim_reta_query,
	.ip_reassembly_capability_get = sim_reass_capability_get,
	.ip_reassembly_conf_get = sim_reass_conf_get,
	.ip_reassembly_conf_set = sim_reass_conf_set,
};

static unsigned long
name_index(const char *name, unsigned long dflt)
{
	const char *s = name + strlen(name);

	while (s > name && s[-1] >= '0' && s[-1] <= '9')
		s--;
	return *s != '\0' ? strtoul(s, NULL, 10) : dflt;
}

static const struct sim_wire_ops *const wires[] = {
	[SIM_WIRE_RING] = &sim_wire_ring_ops,
	[SIM_WIRE_PCAP] = &sim_wire_pcap_ops,
	[SIM_WIRE_PORT] = &sim_wire_port_ops,
};

static int
sim_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;
	struct sim_devargs da;
	struct sim_port *p;
	char err[384], rname[RTE_RING_NAMESIZE];
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		SIM_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	ret = sim_devargs_parse(name, rte_vdev_device_args(vdev), &da,
				err, sizeof(err));
	if (ret != 0) {
		SIM_LOG(ERR, "%s", err);
		return ret;
	}

	dev = rte_eth_vdev_allocate(vdev, sizeof(*p));
	if (dev == NULL)
		return -ENOMEM;
	p = dev->data->dev_private;
	p->dev = dev;
	p->da = da;
	p->wire = wires[da.wire];
	p->admin_up = true;
	p->faults = da.faults;
	p->rx_prng = da.faults.seed;
	rte_spinlock_init(&p->rx_lock);
	memcpy(p->rss_key, default_rss_key, sizeof(p->rss_key));

	snprintf(rname, sizeof(rname), "simwire%u", dev->data->port_id);
	p->wire_ring = rte_ring_create(rname, da.ring_size, vdev->device.numa_node,
				       RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (p->wire_ring == NULL) {
		ret = -rte_errno;
		SIM_LOG(ERR, "%s: cannot create wire ring: %s", name,
			rte_strerror(rte_errno));
		goto out_release;
	}

	dev->data->mac_addrs = rte_zmalloc(name,
			SIM_MAX_MAC_ADDRS * sizeof(struct rte_ether_addr), 0);
	if (dev->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto out_ring;
	}
	if (da.mac_set) {
		dev->data->mac_addrs[0] = da.mac;
	} else {
		/* 02:53:49:4d ("SIM", locally administered), then the
		 * index in the device name (the port id if it has none). */
		struct rte_ether_addr mac = {
			{ 0x02, 0x53, 0x49, 0x4d, 0x00,
			  (uint8_t)name_index(name, dev->data->port_id) } };
		dev->data->mac_addrs[0] = mac;
	}

	ret = p->wire->open(p);
	if (ret != 0)
		goto out_ring;	/* mac_addrs goes with the port */
	ret = sim_sec_init(p);
	if (ret != 0) {
		p->wire->close(p);
		goto out_ring;
	}
	ret = sim_tls_init(p);
	if (ret != 0) {
		sim_sec_fini(p);
		p->wire->close(p);
		goto out_ring;
	}

	dev->dev_ops = &sim_ops;
	dev->rx_pkt_burst = sim_rx_burst;
	dev->tx_pkt_burst = sim_tx_burst;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC |
				RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	dev->data->mtu = RTE_ETHER_MTU;

	pthread_mutex_lock(&sim_ports_lock);
	TAILQ_INSERT_TAIL(&sim_ports, p, next);
	rewire_locked();
	pthread_mutex_unlock(&sim_ports_lock);

	/* What the engine does for dpsec that ethdev cannot say: it writes
	 * the authenticated SN of inline protocol packets (sim_inline_esp.c).
	 * Without the registry the port still works; dpsec then keeps
	 * inbound SAs to inline crypto. */
	ret = dpsec_drv_caps_set(dev->data->port_id, DPSEC_DRV_CAP_ESP_RX_SN |
		(p->tls != NULL ? DPSEC_DRV_CAP_TLS_TX | DPSEC_DRV_CAP_TLS_RX :
				  0));
	if (ret == 0)
		ret = dpsec_drv_ipsec_ops_set(dev->data->port_id,
					      &sim_ipsec_ops);
	if (ret != 0)
		SIM_LOG(WARNING, "%s: cannot declare to dpsec: %s", name,
			rte_strerror(-ret));

	rte_eth_dev_probing_finish(dev);
	SIM_LOG(INFO, "%s: port %u, wire=%s", name, dev->data->port_id,
		p->wire->name);
	return 0;

out_ring:
	rte_ring_free(p->wire_ring);
out_release:
	rte_eth_dev_release_port(dev);
	return ret;
}

static int
sim_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0;	/* already closed */
	return rte_eth_dev_close(dev->data->port_id);
}

static struct rte_vdev_driver sim_inline_drv = {
	.probe = sim_probe,
	.remove = sim_remove,
};

RTE_PMD_REGISTER_VDEV(net_sim_inline, sim_inline_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_sim_inline,
	"wire=<ring|pcap|port> "
	"peer=<name> "
	"rx_pcap=<file> "
	"tx_pcap=<file> "
	"infinite_rx=<0|1> "
	"port=<ethdev name> "
	"mac=<xx:xx:xx:xx:xx:xx> "
	"ring_size=<64..65536> "
	"max_sa=<1..65536> "
	"max_tls=<0..4096> "
	"tls_hold_ms=<0..10000> "
	"tls_hold_pkts=<1..64> "
	"tls_chacha=<0|1> "
	"sec_reset_on_stop=<0|1> "
	"fault_seed=<u64> "
	"fault_punt=<0..1> "
	"fault_spurious_fail=<0..1> "
	"fault_drop=<0..1> "
	"fault_dup=<0..1> "
	"fault_reorder=<0..1>");
