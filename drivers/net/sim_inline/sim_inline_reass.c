/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's inline IP reassembly (rte_eth_ip_reassembly_*): the RX
 * engine, after it has decapsulated a packet of an inline-protocol SA with
 * ip_reassembly_en, collects inner IPv4/IPv6 fragments per (SA, source,
 * destination, ID[, protocol]) and delivers the datagram as one packet
 * once it is whole. A set it gives up on (timeout, overlap, more than
 * max_frags fragments, too large, table full) is delivered as received:
 * the first fragment, flagged with the incomplete dynflag, its dynfield
 * linking the next fragment, and so on.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "sim_inline.h"
#include "sim_inline_sec.h"

#define REASS_FLAGS (RTE_ETH_DEV_REASSEMBLY_F_IPV4 | \
		     RTE_ETH_DEV_REASSEMBLY_F_IPV6)

enum { IPV6_FRAG_HDR = 8, MAX_IP_PAYLOAD = 65535 };

struct frag {
	struct rte_mbuf *m;
	uint64_t sn;		/* ESP SN of the packet that carried it */
	uint32_t off, len;	/* of the fragment's data in the datagram */
	uint16_t l2, l3;	/* header lengths (l3: up to the data) */
};

struct ctx {
	bool used;
	bool broken;		/* overlap or inconsistent: give up */
	bool v4;
	uint8_t proto;		/* IPv4 protocol, IPv6 frag next header */
	const void *sa;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t total;		/* 0 until the last fragment is seen */
	uint64_t start;		/* timer cycles at the first fragment */
	uint16_t n;
	struct frag f[SIM_REASS_MAX_FRAGS];	/* arrival order */
};

struct sim_reass {
	struct rte_eth_ip_reassembly_params conf;	/* flags 0: off */
	int field_off, flag_bit;
	uint64_t timeout_cyc;
	rte_spinlock_t lock;
	uint32_t pending;	/* contexts in use (under lock) */
	struct ctx ctx[SIM_REASS_CTX];
};

/* --- control ------------------------------------------------------------ */

static int
capa(const struct sim_port *p, struct rte_eth_ip_reassembly_params *c)
{
	/* Part of the inline IPsec engine: it needs RX security offload. */
	if (p->sec == NULL || !(p->rx_offloads & RTE_ETH_RX_OFFLOAD_SECURITY))
		return -ENOTSUP;
	c->timeout_ms = SIM_REASS_MAX_TIMEOUT_MS;
	c->max_frags = SIM_REASS_MAX_FRAGS;
	c->flags = REASS_FLAGS;
	return 0;
}

int
sim_reass_capability_get(struct rte_eth_dev *dev,
			 struct rte_eth_ip_reassembly_params *c)
{
	return capa(dev->data->dev_private, c);
}

bool
sim_reass_enabled(const struct sim_port *p)
{
	return p->reass != NULL && p->reass->conf.flags != 0;
}

int
sim_reass_conf_get(struct rte_eth_dev *dev,
		   struct rte_eth_ip_reassembly_params *conf)
{
	struct sim_port *p = dev->data->dev_private;

	if (!sim_reass_enabled(p))
		return -EINVAL;	/* not set (rte_ethdev.h) */
	*conf = p->reass->conf;
	return 0;
}

int
sim_reass_conf_set(struct rte_eth_dev *dev,
		   const struct rte_eth_ip_reassembly_params *conf)
{
	struct sim_port *p = dev->data->dev_private;
	struct rte_eth_ip_reassembly_params c;
	struct sim_reass *r = p->reass;
	int field, flag;

	if (conf->flags == 0) {
		/* Off. Nothing is held: the port is stopped. */
		if (r != NULL)
			memset(&r->conf, 0, sizeof(r->conf));
		return 0;
	}
	if (capa(p, &c) != 0)
		return -ENOTSUP;
	if ((conf->flags & ~c.flags) != 0 || conf->timeout_ms == 0 ||
	    conf->timeout_ms > c.timeout_ms || conf->max_frags < 2 ||
	    conf->max_frags > c.max_frags) {
		SIM_LOG(ERR, "%s: IP reassembly: flags 0x%x, timeout %u ms, "
			"%u fragments out of range (0x%x, 1..%u, 2..%u)",
			dev->data->name, conf->flags, conf->timeout_ms,
			conf->max_frags, c.flags, c.timeout_ms, c.max_frags);
		return -EINVAL;
	}
	if (rte_eth_ip_reassembly_dynfield_register(&field, &flag) < 0) {
		SIM_LOG(ERR, "%s: cannot register the IP reassembly dynfield",
			dev->data->name);
		return -EINVAL;
	}
	if (r == NULL) {
		r = rte_zmalloc_socket("sim_reass", sizeof(*r),
				       RTE_CACHE_LINE_SIZE,
				       dev->device->numa_node);
		if (r == NULL)
			return -ENOMEM;
		rte_spinlock_init(&r->lock);
		p->reass = r;
	}
	r->field_off = field;
	r->flag_bit = flag;
	r->timeout_cyc = (uint64_t)conf->timeout_ms * rte_get_timer_hz() / 1000;
	r->conf = *conf;
	return 0;
}

void
sim_reass_link(const struct sim_port *p, struct rte_mbuf *m,
	       struct rte_mbuf *next, uint16_t left, uint16_t time_spent)
{
	rte_eth_ip_reassembly_dynfield_t *d;

	d = RTE_MBUF_DYNFIELD(m, p->reass->field_off,
			      rte_eth_ip_reassembly_dynfield_t *);
	d->next_frag = next;
	d->nb_frags = left;
	d->time_spent = time_spent;
	m->ol_flags |= RTE_BIT64(p->reass->flag_bit);
}

static void
ctx_free(struct sim_reass *r, struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	__atomic_fetch_sub(&r->pending, 1, __ATOMIC_RELAXED);
}

void
sim_reass_flush(struct sim_port *p, const void *sa, enum sim_xstat_id why)
{
	struct sim_reass *r = p->reass;
	unsigned int i, k;

	if (r == NULL)
		return;
	rte_spinlock_lock(&r->lock);
	for (i = 0; i < SIM_REASS_CTX; i++) {
		struct ctx *c = &r->ctx[i];

		if (!c->used || (sa != NULL && c->sa != sa))
			continue;
		for (k = 0; k < c->n; k++)
			rte_pktmbuf_free(c->f[k].m);
		sim_count(p, why, c->n);
		ctx_free(r, c);
	}
	rte_spinlock_unlock(&r->lock);
}

void
sim_reass_fini(struct sim_port *p)
{
	sim_reass_flush(p, NULL, SIM_XS_rx_stop_discard);
	rte_free(p->reass);
	p->reass = NULL;
}

/* --- data path ---------------------------------------------------------- */

/* The fragment's key and place, or false if m is not a fragment. */
static bool
frag_parse(const struct sim_reass *r, struct rte_mbuf *m, struct ctx *key,
	   struct frag *fr, bool *last)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t l2 = RTE_ETHER_HDR_LEN, len = m->data_len;
	uint16_t type;

	if (len < l2 + sizeof(struct rte_ipv4_hdr))
		return false;
	type = (uint16_t)(d[12] << 8 | d[13]);
	if (type == RTE_ETHER_TYPE_VLAN) {
		l2 += 4;
		type = (uint16_t)(d[16] << 8 | d[17]);
	}
	memset(key, 0, sizeof(*key));
	if (type == RTE_ETHER_TYPE_IPV4 &&
	    (r->conf.flags & RTE_ETH_DEV_REASSEMBLY_F_IPV4) &&
	    len >= l2 + sizeof(struct rte_ipv4_hdr) && (d[l2] >> 4) == 4) {
		const struct rte_ipv4_hdr *h = (const void *)(d + l2);
		uint16_t fo = rte_be_to_cpu_16(h->fragment_offset);
		uint32_t ihl = rte_ipv4_hdr_len(h);
		uint32_t tot = rte_be_to_cpu_16(h->total_length);

		if (!(fo & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return false;
		if (ihl < sizeof(*h) || tot <= ihl || l2 + tot > len)
			return false;
		key->v4 = true;
		key->proto = h->next_proto_id;
		memcpy(key->src, &h->src_addr, 4);
		memcpy(key->dst, &h->dst_addr, 4);
		key->id = h->packet_id;
		fr->off = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
		fr->len = tot - ihl;
		fr->l3 = (uint16_t)ihl;
		*last = !(fo & RTE_IPV4_HDR_MF_FLAG);
	} else if (type == RTE_ETHER_TYPE_IPV6 &&
		   (r->conf.flags & RTE_ETH_DEV_REASSEMBLY_F_IPV6) &&
		   len >= l2 + sizeof(struct rte_ipv6_hdr) + IPV6_FRAG_HDR &&
		   (d[l2] >> 4) == 6) {
		const struct rte_ipv6_hdr *h = (const void *)(d + l2);
		const uint8_t *fh = d + l2 + sizeof(*h);
		uint32_t pl = rte_be_to_cpu_16(h->payload_len);
		uint16_t of = (uint16_t)(fh[2] << 8 | fh[3]);

		/* Only a fragment header right after the fixed header. */
		if (h->proto != IPPROTO_FRAGMENT)
			return false;
		if ((of & 0xfff9) == 0)
			return false;	/* atomic fragment: a whole packet */
		if (pl <= IPV6_FRAG_HDR ||
		    l2 + sizeof(*h) + pl > len)
			return false;
		key->v4 = false;
		key->proto = fh[0];
		memcpy(key->src, h->src_addr, 16);
		memcpy(key->dst, h->dst_addr, 16);
		memcpy(&key->id, fh + 4, 4);
		fr->off = (uint32_t)(of & 0xfff8);
		fr->len = pl - IPV6_FRAG_HDR;
		fr->l3 = sizeof(*h) + IPV6_FRAG_HDR;
		*last = !(of & 1);
	} else {
		return false;
	}
	fr->l2 = (uint16_t)l2;
	fr->m = m;
	return true;
}

static bool
same_dgram(const struct ctx *c, const struct ctx *k)
{
	return c->used && c->sa == k->sa && c->v4 == k->v4 &&
	       c->id == k->id && (!c->v4 || c->proto == k->proto) &&
	       memcmp(c->src, k->src, 16) == 0 &&
	       memcmp(c->dst, k->dst, 16) == 0;
}

/* Fragment order by offset (n <= SIM_REASS_MAX_FRAGS: insertion sort). */
static void
by_offset(const struct ctx *c, uint16_t *idx)
{
	uint16_t i, j, t;

	for (i = 0; i < c->n; i++)
		idx[i] = i;
	for (i = 1; i < c->n; i++)
		for (j = i; j > 0 && c->f[idx[j - 1]].off > c->f[idx[j]].off;
		     j--) {
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

/* Are bytes 0..total all there (the last fragment seen)? */
static bool
covered(const struct ctx *c)
{
	uint16_t idx[SIM_REASS_MAX_FRAGS], i;
	uint32_t end = 0;

	if (c->total == 0)
		return false;
	by_offset(c, idx);
	for (i = 0; i < c->n; i++) {
		const struct frag *f = &c->f[idx[i]];

		if (f->off > end)
			return false;
		end = RTE_MAX(end, f->off + f->len);
	}
	return end >= c->total;
}

static uint16_t
elapsed_ms(const struct ctx *c, uint64_t now)
{
	uint64_t ms = (now - c->start) * 1000 / rte_get_timer_hz();

	return (uint16_t)RTE_MIN(ms, (uint64_t)UINT16_MAX);
}

/* Hand the set over as incomplete and free the context. */
static void
give_up(struct sim_port *p, struct ctx *c, uint64_t now,
	struct sim_reass_set *out)
{
	uint16_t i;

	for (i = 0; i < c->n; i++) {
		out->m[i] = c->f[i].m;
		out->sn[i] = c->f[i].sn;
	}
	out->n = c->n;
	out->time_spent = elapsed_ms(c, now);
	sim_count(p, SIM_XS_rx_reass_incomplete, 1);
	ctx_free(p->reass, c);
}

/*
 * The whole datagram in one linear buffer of the engine's pool: L2 and the
 * IP header of the first fragment (IPv4: total length, no MF/offset, new
 * checksum; IPv6: without the fragment header), then every fragment's data
 * at its offset. NULL when it does not fit or no buffer is free.
 */
static struct rte_mbuf *
build(struct sim_port *p, const struct sim_sa *sa, const struct ctx *c,
      uint64_t *sn)
{
	const struct frag *first = NULL;
	struct rte_mbuf *j;
	uint32_t hdr, i;
	uint8_t *d, *ip;

	for (i = 0; i < c->n; i++)
		if (c->f[i].off == 0)
			first = &c->f[i];
	if (first == NULL)
		return NULL;
	hdr = first->l2 + (c->v4 ? first->l3 : sizeof(struct rte_ipv6_hdr));
	if (c->total > MAX_IP_PAYLOAD - (hdr - first->l2) ||
	    hdr + c->total > (uint32_t)(rte_pktmbuf_data_room_size(
			p->sec->jumbo) - RTE_PKTMBUF_HEADROOM))
		return NULL;
	j = rte_pktmbuf_alloc(p->sec->jumbo);
	if (j == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(j, (uint16_t)(hdr + c->total));
	memcpy(d, rte_pktmbuf_mtod(first->m, uint8_t *), hdr);
	for (i = 0; i < c->n; i++) {
		const struct frag *f = &c->f[i];

		memcpy(d + hdr + f->off, rte_pktmbuf_mtod_offset(f->m,
			uint8_t *, f->l2 + f->l3), f->len);
	}
	ip = d + first->l2;
	if (c->v4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		h->total_length = rte_cpu_to_be_16((uint16_t)(hdr - first->l2 +
							      c->total));
		h->fragment_offset &= rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

		h->proto = c->proto;
		h->payload_len = rte_cpu_to_be_16((uint16_t)c->total);
	}
	j->port = first->m->port;
	*sn = first->sn;
	j->ol_flags = RTE_MBUF_F_RX_SEC_OFFLOAD;
	*rte_security_dynfield(j) = *rte_security_dynfield(first->m);
	if (sa->x.options.ip_csum_enable && c->v4)
		j->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;	/* written */
	if (sa->x.options.l4_csum_enable &&
	    (c->proto == IPPROTO_UDP || c->proto == IPPROTO_TCP)) {
		int bad = c->v4 ?
			rte_ipv4_udptcp_cksum_mbuf_verify(j,
				(const struct rte_ipv4_hdr *)ip, hdr) :
			rte_ipv6_udptcp_cksum_mbuf_verify(j,
				(const struct rte_ipv6_hdr *)ip, hdr);

		j->ol_flags |= bad ? RTE_MBUF_F_RX_L4_CKSUM_BAD :
				     RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	return j;
}

struct rte_mbuf *
sim_reass_input(struct sim_port *p, const void *sa, struct rte_mbuf *m,
		uint64_t *sn, struct sim_reass_set *out)
{
	struct sim_reass *r = p->reass;
	struct ctx key, *c = NULL, *oldest = NULL;
	struct rte_mbuf *whole = NULL;
	struct frag fr;
	uint64_t now;
	bool last;
	uint16_t i;

	out->n = 0;
	if (!sim_reass_enabled(p) || m->nb_segs != 1 ||
	    !frag_parse(r, m, &key, &fr, &last))
		return m;
	fr.sn = *sn;
	key.sa = sa;
	key.used = true;
	now = rte_get_timer_cycles();
	rte_spinlock_lock(&r->lock);
	for (i = 0; i < SIM_REASS_CTX; i++) {
		struct ctx *x = &r->ctx[i];

		if (same_dgram(x, &key)) {
			c = x;
			break;
		}
		if (!x->used) {
			if (oldest == NULL || oldest->used)
				oldest = x;
		} else if (oldest == NULL ||
			   (oldest->used && x->start < oldest->start)) {
			oldest = x;
		}
	}
	if (c == NULL) {
		/* A new datagram; the table full: the oldest is given up. */
		c = oldest;
		if (c->used)
			give_up(p, c, now, out);
		*c = key;
		c->start = now;
		__atomic_fetch_add(&r->pending, 1, __ATOMIC_RELAXED);
	}
	/* Overlaps (duplicates too) and a moving end break the set. */
	for (i = 0; i < c->n; i++)
		if (fr.off < c->f[i].off + c->f[i].len &&
		    c->f[i].off < fr.off + fr.len)
			c->broken = true;
	if ((last && c->total != 0 && c->total != fr.off + fr.len) ||
	    (c->total != 0 && fr.off + fr.len > c->total) ||
	    (!last && fr.len % 8 != 0) ||
	    fr.off + fr.len > MAX_IP_PAYLOAD)
		c->broken = true;
	if (last && c->total == 0)
		c->total = fr.off + fr.len;
	c->f[c->n++] = fr;

	if (covered(c) && !c->broken) {
		whole = build(p, sa, c, sn);
		if (whole != NULL) {
			for (i = 0; i < c->n; i++)
				rte_pktmbuf_free(c->f[i].m);
			sim_count(p, SIM_XS_rx_reass_ok, 1);
			ctx_free(r, c);
		} else {
			c->broken = true;	/* too large, or no buffer */
		}
	}
	/* Given up: broken and nothing more to wait for, or full. */
	if (whole == NULL &&
	    ((c->broken && covered(c)) || c->n >= r->conf.max_frags)) {
		if (out->n != 0) {
			/* An evicted set is already out: drop this one. */
			for (i = 0; i < c->n; i++)
				rte_pktmbuf_free(c->f[i].m);
			sim_count(p, SIM_XS_rx_reass_drop, c->n);
			ctx_free(r, c);
		} else {
			give_up(p, c, now, out);
		}
	}
	rte_spinlock_unlock(&r->lock);
	return whole;
}

bool
sim_reass_expired(struct sim_port *p, struct sim_reass_set *out)
{
	struct sim_reass *r = p->reass;
	uint64_t now;
	unsigned int i;
	bool found = false;

	out->n = 0;
	if (r == NULL || __atomic_load_n(&r->pending, __ATOMIC_RELAXED) == 0)
		return false;
	now = rte_get_timer_cycles();
	rte_spinlock_lock(&r->lock);
	for (i = 0; i < SIM_REASS_CTX && !found; i++) {
		struct ctx *c = &r->ctx[i];

		if (c->used && now - c->start >= r->timeout_cyc) {
			give_up(p, c, now, out);
			found = true;
		}
	}
	rte_spinlock_unlock(&r->lock);
	return found;
}
