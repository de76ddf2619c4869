/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring wire: two sim_inline ports back to back in one process. A port's
 * wire_ring holds the frames in flight to it; its peer enqueues there.
 */
#include "sim_inline.h"

static int
ring_nop(struct sim_port *p)
{
	RTE_SET_USED(p);
	return 0;
}

static void
ring_void(struct sim_port *p)
{
	RTE_SET_USED(p);
}

static uint16_t
ring_tx(struct sim_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t nb)
{
	struct sim_port *peer = __atomic_load_n(&p->peer, __ATOMIC_ACQUIRE);

	RTE_SET_USED(qid);
	if (unlikely(peer == NULL)) {
		rte_pktmbuf_free_bulk(pkts, nb);
		sim_count(p, SIM_XS_tx_link_down, nb);
		return nb;
	}
	return rte_ring_enqueue_burst(peer->wire_ring, (void **)pkts, nb, NULL);
}

static uint16_t
ring_rx(struct sim_port *p, struct rte_mbuf **pkts, uint16_t nb)
{
	return rte_ring_dequeue_burst(p->wire_ring, (void **)pkts, nb, NULL);
}

static bool
ring_carrier(const struct sim_port *p)
{
	const struct sim_port *peer = __atomic_load_n(&p->peer, __ATOMIC_ACQUIRE);

	return peer != NULL && __atomic_load_n(&peer->started, __ATOMIC_ACQUIRE) &&
	       peer->admin_up;
}

const struct sim_wire_ops sim_wire_ring_ops = {
	.name = "ring",
	.open = ring_nop,
	.start = ring_nop,
	.stop = ring_void,
	.close = ring_void,
	.tx = ring_tx,
	.rx = ring_rx,
	.carrier = ring_carrier,
};
