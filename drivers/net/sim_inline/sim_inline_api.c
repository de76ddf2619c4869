/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's private API (rte_pmd_sim_inline.h): the SA table, its
 * reset, and fault injection, for tests and debugging.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>

#include "rte_pmd_sim_inline.h"
#include "sim_inline.h"
#include "sim_inline_sec.h"

static struct sim_port *
sim_port_of(uint16_t port)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port))
		return NULL;
	dev = &rte_eth_devices[port];
	if (!sim_is_sim_port(dev))
		return NULL;
	return dev->data->dev_private;
}

/* Snapshot of one SA; called with sec->lock held. */
static void
sa_snapshot(struct sim_sa *sa, struct rte_pmd_sim_inline_sa_state *st)
{
	memset(st, 0, sizeof(*st));
	st->spi = sa->x.spi;
	st->egress = sa->egress;
	st->dead = __atomic_load_n(&sa->dead, __ATOMIC_ACQUIRE);
	st->inline_protocol =
		sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL;
	st->tunnel = sa->tunnel;
	st->index = (uint32_t)sa->table_idx;
	rte_spinlock_lock(&sa->lock);
	st->seq = sa->egress ? sa->seq : dpsec_replay_top(sa->replay);
	st->packets = sa->pkts;
	st->bytes = sa->bytes;
	st->errors = sa->errors;
	rte_spinlock_unlock(&sa->lock);
}

int
rte_pmd_sim_inline_sa_dump(uint16_t port, FILE *f)
{
	struct sim_port *p = sim_port_of(port);
	struct sim_sec *sec;
	uint32_t i;

	if (p == NULL || p->sec == NULL)
		return -ENODEV;
	if (f == NULL)
		return -EINVAL;
	sec = p->sec;
	rte_spinlock_lock(&sec->lock);
	fprintf(f, "port %u (%s): %u of %u SAs\n", port, p->dev->data->name,
		sec->nb_sa, sec->max_sa);
	fprintf(f, "%6s %10s %-7s %-8s %-9s %20s %12s %14s %10s %s\n",
		"index", "spi", "dir", "action", "mode", "seq/top", "packets",
		"bytes", "errors", "dead");
	for (i = 0; i < sec->max_sa; i++) {
		struct rte_pmd_sim_inline_sa_state st;

		if (sec->table[i] == NULL)
			continue;
		sa_snapshot(sec->table[i], &st);
		fprintf(f, "%6u 0x%08x %-7s %-8s %-9s %20" PRIu64 " %12" PRIu64
			" %14" PRIu64 " %10" PRIu64 " %s\n", st.index, st.spi,
			st.egress ? "egress" : "ingress",
			st.inline_protocol ? "protocol" : "crypto",
			st.tunnel ? "tunnel" : "transport", st.seq,
			st.packets, st.bytes, st.errors,
			st.dead ? "yes" : "no");
	}
	rte_spinlock_unlock(&sec->lock);
	return 0;
}

/* The SA of @spi and direction in the lowest slot; sec->lock held. */
static struct sim_sa *
sa_find(struct sim_sec *sec, uint32_t spi, bool egress)
{
	uint32_t i;

	for (i = 0; i < sec->max_sa; i++) {
		struct sim_sa *sa = sec->table[i];

		if (sa != NULL && sa->x.spi == spi && sa->egress == egress)
			return sa;
	}
	return NULL;
}

int
rte_pmd_sim_inline_sa_state(uint16_t port, uint32_t spi, bool egress,
			    struct rte_pmd_sim_inline_sa_state *st)
{
	struct sim_port *p = sim_port_of(port);
	struct sim_sa *sa;

	if (p == NULL || p->sec == NULL)
		return -ENODEV;
	if (st == NULL)
		return -EINVAL;
	rte_spinlock_lock(&p->sec->lock);
	sa = sa_find(p->sec, spi, egress);
	if (sa != NULL)
		sa_snapshot(sa, st);
	rte_spinlock_unlock(&p->sec->lock);
	return sa != NULL ? 0 : -ENOENT;
}

int
rte_pmd_sim_inline_sa_event(uint16_t port, uint32_t spi, bool egress,
			    enum rte_eth_event_ipsec_subtype subtype)
{
	struct sim_port *p = sim_port_of(port);
	struct sim_sa *sa;

	if (p == NULL || p->sec == NULL)
		return -ENODEV;
	if (subtype <= RTE_ETH_EVENT_IPSEC_UNKNOWN ||
	    subtype >= RTE_ETH_EVENT_IPSEC_MAX)
		return -EINVAL;
	rte_spinlock_lock(&p->sec->lock);
	sa = sa_find(p->sec, spi, egress);
	rte_spinlock_unlock(&p->sec->lock);
	if (sa == NULL)
		return -ENOENT;
	/* The callbacks run without the table lock, as from the engine. */
	sim_sec_sa_event(sa, subtype);
	return 0;
}

int
rte_pmd_sim_inline_sec_reset(uint16_t port)
{
	struct sim_port *p = sim_port_of(port);

	if (p == NULL || p->sec == NULL)
		return -ENODEV;
	sim_sec_reset(p);
	return 0;
}

int
rte_pmd_sim_inline_recover(uint16_t port)
{
	struct sim_port *p = sim_port_of(port);

	if (p == NULL || p->sec == NULL)
		return -ENODEV;
	rte_eth_dev_callback_process(&rte_eth_devices[port],
				     RTE_ETH_EVENT_ERR_RECOVERING, NULL);
	sim_sec_reset(p);
	rte_eth_dev_callback_process(&rte_eth_devices[port],
				     RTE_ETH_EVENT_RECOVERY_SUCCESS, NULL);
	return 0;
}

static bool
prob_ok(double p)
{
	return p >= 0.0 && p <= 1.0;	/* false for NaN */
}

int
rte_pmd_sim_inline_fault_set(uint16_t port,
			     const struct rte_pmd_sim_inline_faults *f)
{
	struct sim_port *p = sim_port_of(port);
	double pr[SIM_FAULT_MAX];
	unsigned int i;

	if (p == NULL)
		return -ENODEV;
	if (f == NULL)
		return -EINVAL;
	pr[SIM_FAULT_PUNT] = f->punt;
	pr[SIM_FAULT_SPURIOUS_FAIL] = f->spurious_fail;
	pr[SIM_FAULT_DROP] = f->drop;
	pr[SIM_FAULT_DUP] = f->dup;
	pr[SIM_FAULT_REORDER] = f->reorder;
	for (i = 0; i < SIM_FAULT_MAX; i++)
		if (!prob_ok(pr[i]))
			return -EINVAL;
	p->faults.seed = f->seed;
	for (i = 0; i < SIM_FAULT_MAX; i++) {
		p->faults.p[i] = pr[i];
		__atomic_store_n(&p->faults.thr[i], sim_fault_thr(pr[i]),
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&p->rx_prng, f->seed, __ATOMIC_RELAXED);
	for (i = 0; i < SIM_MAX_QUEUES; i++)
		if (p->txq[i] != NULL)
			__atomic_store_n(&p->txq[i]->prng,
					 sim_prng_txq_seed(f->seed, (uint16_t)i),
					 __ATOMIC_RELAXED);
	return 0;
}

int
rte_pmd_sim_inline_fault_get(uint16_t port,
			     struct rte_pmd_sim_inline_faults *f)
{
	struct sim_port *p = sim_port_of(port);

	if (p == NULL)
		return -ENODEV;
	if (f == NULL)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->seed = p->faults.seed;
	f->punt = p->faults.p[SIM_FAULT_PUNT];
	f->spurious_fail = p->faults.p[SIM_FAULT_SPURIOUS_FAIL];
	f->drop = p->faults.p[SIM_FAULT_DROP];
	f->dup = p->faults.p[SIM_FAULT_DUP];
	f->reorder = p->faults.p[SIM_FAULT_REORDER];
	return 0;
}
