/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port wire: the sim_inline port wraps another ethdev port (net_tap,
 * net_af_packet, net_memif, ...), which plays the PHY. sim_inline owns it,
 * configures and starts it, and closes it when it closes. The wrapped
 * port's carrier is ours: when it comes up or goes down later (a memif
 * peer connecting, a tap brought up), its link-status interrupt, where it
 * has one, refreshes our link at once; a port without one (net_memif) is
 * polled every 100 ms while we run, as a PHY's state machine would.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_alarm.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "sim_inline.h"

enum {
	PORT_POOL_SIZE = 4095,
	PORT_RX_DESC = 1024,
	PORT_TX_DESC = 1024,
	PORT_POLL_US = 100 * 1000,	/* carrier poll without LSC */
};

struct port_wire {
	uint16_t pid;			/* the wrapped port */
	uint64_t owner_id;
	uint16_t nb_txq;		/* its TX queues */
	bool shared_txq;		/* fewer than ours: lock them */
	bool running;
	bool lsc;			/* its LSC callback is registered */
	bool poll;			/* no LSC: the carrier alarm runs */
	struct rte_mempool *mp;		/* its RX buffers */
	rte_spinlock_t txq_lock[SIM_MAX_QUEUES];
};

static int
port_open(struct sim_port *p)
{
	const char *name = p->dev->data->name;
	struct rte_eth_dev_owner owner = { 0 };
	char pname[RTE_MEMPOOL_NAMESIZE];
	struct port_wire *w;
	unsigned int i;
	uint16_t pid;
	int ret;

	if (rte_eth_dev_get_port_by_name(p->da.port, &pid) != 0) {
		SIM_LOG(ERR, "%s: devarg 'port': no ethdev port named '%s' "
			"(create it earlier on the command line)", name,
			p->da.port);
		return -ENODEV;
	}
	if (sim_is_sim_port(&rte_eth_devices[pid])) {
		SIM_LOG(ERR, "%s: devarg 'port': '%s' is a sim_inline port; "
			"use wire=ring to connect two of them", name,
			p->da.port);
		return -EINVAL;
	}
	w = rte_zmalloc("sim_portwire", sizeof(*w), 0);
	if (w == NULL)
		return -ENOMEM;
	w->pid = pid;
	for (i = 0; i < SIM_MAX_QUEUES; i++)
		rte_spinlock_init(&w->txq_lock[i]);

	ret = rte_eth_dev_owner_new(&w->owner_id);
	if (ret == 0) {
		owner.id = w->owner_id;
		strlcpy(owner.name, name, sizeof(owner.name));
		ret = rte_eth_dev_owner_set(pid, &owner);
	}
	if (ret != 0) {
		SIM_LOG(ERR, "%s: devarg 'port': cannot own '%s' (already "
			"owned?): %s", name, p->da.port, rte_strerror(-ret));
		rte_free(w);
		return ret;
	}
	snprintf(pname, sizeof(pname), "simport%u", p->dev->data->port_id);
	w->mp = rte_pktmbuf_pool_create(pname, PORT_POOL_SIZE, 128, 0,
			RTE_PKTMBUF_HEADROOM + SIM_MAX_RX_PKTLEN,
			rte_eth_dev_socket_id(pid));
	if (w->mp == NULL) {
		SIM_LOG(ERR, "%s: cannot create mbuf pool for '%s': %s", name,
			p->da.port, rte_strerror(rte_errno));
		rte_eth_dev_owner_unset(pid, w->owner_id);
		rte_free(w);
		return -ENOMEM;
	}
	p->wire_priv = w;
	return 0;
}

/* The wrapped port's link changed: ours follows (interrupt thread). */
static int
port_lsc(uint16_t pid, enum rte_eth_event_type ev, void *arg, void *ret)
{
	(void)pid;
	(void)ev;
	(void)ret;
	sim_link_refresh(arg);
	return 0;
}

/* No LSC: look at the wrapped port's carrier now and then (alarm). */
static void
port_poll(void *arg)
{
	struct sim_port *p = arg;
	struct port_wire *w = p->wire_priv;

	if (w == NULL || !w->running)
		return;
	sim_link_refresh(p);
	if (rte_eal_alarm_set(PORT_POLL_US, port_poll, p) != 0)
		w->poll = false;
}

static int
port_start(struct sim_port *p)
{
	struct port_wire *w = p->wire_priv;
	const char *name = p->dev->data->name;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t q, ours = RTE_MAX(p->dev->data->nb_tx_queues, 1);
	int ret;

	ret = rte_eth_dev_info_get(w->pid, &info);
	if (ret != 0)
		goto fail;
	w->nb_txq = RTE_MIN(ours, RTE_MAX(info.max_tx_queues, 1));
	w->shared_txq = w->nb_txq < ours;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (info.dev_flags != NULL && (*info.dev_flags & RTE_ETH_DEV_INTR_LSC)) {
		conf.intr_conf.lsc = 1;
		if (!w->lsc &&
		    rte_eth_dev_callback_register(w->pid,
				RTE_ETH_EVENT_INTR_LSC, port_lsc, p) == 0)
			w->lsc = true;
	}
	ret = rte_eth_dev_configure(w->pid, 1, w->nb_txq, &conf);
	if (ret != 0)
		goto fail;
	ret = rte_eth_rx_queue_setup(w->pid, 0, PORT_RX_DESC,
				     rte_eth_dev_socket_id(w->pid), NULL, w->mp);
	for (q = 0; ret == 0 && q < w->nb_txq; q++)
		ret = rte_eth_tx_queue_setup(w->pid, q, PORT_TX_DESC,
				rte_eth_dev_socket_id(w->pid), NULL);
	if (ret != 0)
		goto fail;
	ret = rte_eth_dev_start(w->pid);
	if (ret != 0)
		goto fail;
	/* The MAC filter is ours: let the PHY pass everything up. */
	ret = rte_eth_promiscuous_enable(w->pid);
	if (ret != 0 && ret != -ENOTSUP)
		SIM_LOG(WARNING, "%s: '%s' refused promiscuous mode: %s",
			name, p->da.port, rte_strerror(-ret));
	w->running = true;
	if (!w->lsc && rte_eal_alarm_set(PORT_POLL_US, port_poll, p) == 0)
		w->poll = true;
	return 0;
fail:
	SIM_LOG(ERR, "%s: cannot start wrapped port '%s': %s", name,
		p->da.port, rte_strerror(-ret));
	return ret;
}

static void
port_stop(struct sim_port *p)
{
	struct port_wire *w = p->wire_priv;

	if (!w->running)
		return;
	w->running = false;
	if (w->poll) {
		rte_eal_alarm_cancel(port_poll, p);
		w->poll = false;
	}
	rte_eth_dev_stop(w->pid);
}

static void
port_close(struct sim_port *p)
{
	struct port_wire *w = p->wire_priv;

	if (w == NULL)
		return;
	port_stop(p);
	if (w->lsc)
		rte_eth_dev_callback_unregister(w->pid, RTE_ETH_EVENT_INTR_LSC,
						port_lsc, p);
	/* Closing it returns the buffers its RX queue holds to w->mp. */
	rte_eth_dev_owner_unset(w->pid, w->owner_id);
	rte_eth_dev_close(w->pid);
	rte_mempool_free(w->mp);
	rte_free(w);
	p->wire_priv = NULL;
}

static uint16_t
port_tx(struct sim_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t nb)
{
	struct port_wire *w = p->wire_priv;
	uint16_t q = qid % w->nb_txq, n;

	if (!w->shared_txq)
		return rte_eth_tx_burst(w->pid, q, pkts, nb);
	rte_spinlock_lock(&w->txq_lock[q]);
	n = rte_eth_tx_burst(w->pid, q, pkts, nb);
	rte_spinlock_unlock(&w->txq_lock[q]);
	return n;
}

static uint16_t
port_rx(struct sim_port *p, struct rte_mbuf **pkts, uint16_t nb)
{
	struct port_wire *w = p->wire_priv;

	return rte_eth_rx_burst(w->pid, 0, pkts, nb);
}

/* Called on the control path only (start, stop, link_update). */
static bool
port_carrier(const struct sim_port *p)
{
	struct port_wire *w = p->wire_priv;
	struct rte_eth_link link;

	if (w == NULL || !w->running ||
	    rte_eth_link_get_nowait(w->pid, &link) != 0)
		return false;
	return link.link_status == RTE_ETH_LINK_UP;
}

const struct sim_wire_ops sim_wire_port_ops = {
	.name = "port",
	.open = port_open,
	.start = port_start,
	.stop = port_stop,
	.close = port_close,
	.tx = port_tx,
	.rx = port_rx,
	.carrier = port_carrier,
};
