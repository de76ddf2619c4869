/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline data path: the NIC's RX engine (sim_ingress) and TX engine
 * (sim_tx_burst). See the model in sim_inline.h.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_thash.h>
#include <rte_udp.h>

#include "sim_inline.h"
#include "sim_inline_sec.h"
#include "sim_inline_tls.h"

static inline bool
link_up(const struct sim_port *p)
{
	return p->dev->data->dev_link.link_status == RTE_ETH_LINK_UP;
}

uint32_t
sim_l2_overhead(const struct rte_mbuf *m)
{
	struct rte_ether_hdr eb;
	struct rte_vlan_hdr vb;
	const struct rte_ether_hdr *eh;
	const struct rte_vlan_hdr *vh;
	uint32_t off = sizeof(*eh);
	uint16_t type;

	eh = rte_pktmbuf_read(m, 0, sizeof(eb), &eb);
	if (eh == NULL)
		return off;
	type = eh->ether_type;
	while ((type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) && off < 4 * 4 + 14) {
		vh = rte_pktmbuf_read(m, off, sizeof(vb), &vb);
		if (vh == NULL)
			break;
		type = vh->eth_proto;
		off += sizeof(*vh);
	}
	return off;
}

/*
 * Toeplitz hash over the fields rss_hf selects: addresses, then TCP/UDP
 * ports or the ESP SPI (in the ports' place), as NICs do.
 */
static uint32_t
rss_hash(const struct sim_port *p, const struct rte_mbuf *m, uint32_t ptype,
	 const struct rte_net_hdr_lens *hl, bool *hashed)
{
	union rte_thash_tuple t;
	uint64_t hf = p->rss_hf;
	uint32_t l4_off = hl->l2_len + hl->l3_len;
	uint32_t proto, len, spi_buf, spi_v;
	uint16_t pbuf[2], pv[2];
	const uint16_t *ports;
	const uint32_t *spi;
	uint64_t tcp, udp, l3;
	bool frag = (ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_FRAG;

	*hashed = false;
	memset(&t, 0, sizeof(t));
	if (RTE_ETH_IS_IPV4_HDR(ptype)) {
		struct rte_ipv4_hdr b;
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_read(m, hl->l2_len, sizeof(b), &b);

		if (ip == NULL)
			return 0;
		t.v4.src_addr = rte_be_to_cpu_32(ip->src_addr);
		t.v4.dst_addr = rte_be_to_cpu_32(ip->dst_addr);
		proto = ip->next_proto_id;
		tcp = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
		udp = RTE_ETH_RSS_NONFRAG_IPV4_UDP;
		l3 = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 |
		     RTE_ETH_RSS_NONFRAG_IPV4_OTHER;
		len = RTE_THASH_V4_L3_LEN;
	} else if (RTE_ETH_IS_IPV6_HDR(ptype)) {
		struct rte_ipv6_hdr b;
		const struct rte_ipv6_hdr *ip =
			rte_pktmbuf_read(m, hl->l2_len, sizeof(b), &b);

		if (ip == NULL)
			return 0;
		rte_thash_load_v6_addrs(ip, &t);
		/* The SPI is found only right after a plain IPv6 header. */
		proto = hl->l3_len == sizeof(*ip) ? ip->proto : 0;
		tcp = RTE_ETH_RSS_NONFRAG_IPV6_TCP;
		udp = RTE_ETH_RSS_NONFRAG_IPV6_UDP;
		l3 = RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 |
		     RTE_ETH_RSS_NONFRAG_IPV6_OTHER;
		len = RTE_THASH_V6_L3_LEN;
	} else {
		return 0;
	}

	if (!frag && (((ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP &&
		       (hf & tcp)) ||
		      ((ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_UDP &&
		       (hf & udp)))) {
		ports = rte_pktmbuf_read(m, l4_off, sizeof(pbuf), pbuf);
		if (ports == NULL)
			return 0;
		memcpy(pv, ports, sizeof(pv));
		ports = pv;
		if (RTE_ETH_IS_IPV4_HDR(ptype)) {
			t.v4.sport = rte_be_to_cpu_16(ports[0]);
			t.v4.dport = rte_be_to_cpu_16(ports[1]);
		} else {
			t.v6.sport = rte_be_to_cpu_16(ports[0]);
			t.v6.dport = rte_be_to_cpu_16(ports[1]);
		}
		len += 1;
	} else if (!frag && proto == IPPROTO_ESP && (hf & RTE_ETH_RSS_ESP)) {
		spi = rte_pktmbuf_read(m, l4_off, sizeof(spi_buf), &spi_buf);
		if (spi == NULL)
			return 0;
		memcpy(&spi_v, spi, sizeof(spi_v));	/* may be unaligned */
		if (RTE_ETH_IS_IPV4_HDR(ptype))
			t.v4.sctp_tag = rte_be_to_cpu_32(spi_v);
		else
			t.v6.sctp_tag = rte_be_to_cpu_32(spi_v);
		len += 1;
	} else if (!(hf & l3)) {
		return 0;
	}
	*hashed = true;
	return rte_softrss((uint32_t *)&t, len, p->rss_key);
}

uint32_t
sim_rss_hash(const struct sim_port *p, const struct rte_mbuf *m)
{
	struct rte_net_hdr_lens hl;
	uint32_t ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_ALL_MASK);
	bool hashed;

	return rss_hash(p, m, ptype, &hl, &hashed);
}

/*
 * Copy a frame into the RX queue's mempool, as the NIC's DMA would, chaining
 * mbufs when the frame is larger than one and scatter is on (or @chain: a
 * reassembled packet, which NICs deliver as a chain of buffers).
 */
static struct rte_mbuf *
copy_frame(struct sim_port *p, const struct rte_mbuf *m, struct sim_rxq *q,
	   bool chain)
{
	struct rte_mbuf *d, *cur, *seg;
	uint32_t off = 0, len = m->pkt_len;
	uint16_t room = rte_pktmbuf_data_room_size(q->mp) - RTE_PKTMBUF_HEADROOM;

	if (len > room && !chain &&
	    !(p->rx_offloads & RTE_ETH_RX_OFFLOAD_SCATTER)) {
		sim_count(p, SIM_XS_rx_no_scatter, 1);
		return NULL;
	}
	d = rte_pktmbuf_alloc(q->mp);
	if (unlikely(d == NULL))
		goto nombuf;
	cur = d;
	while (off < len) {
		uint32_t n;
		uint8_t *dst;
		const void *src;

		if (rte_pktmbuf_tailroom(cur) == 0) {
			seg = rte_pktmbuf_alloc(q->mp);
			if (unlikely(seg == NULL)) {
				rte_pktmbuf_free(d);
				goto nombuf;
			}
			cur->next = seg;
			cur = seg;
			d->nb_segs++;
		}
		n = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(cur), len - off);
		dst = rte_pktmbuf_mtod_offset(cur, uint8_t *, cur->data_len);
		src = rte_pktmbuf_read(m, off, n, dst);
		if (src != dst)
			memcpy(dst, src, n);
		cur->data_len += n;
		off += n;
	}
	d->pkt_len = len;
	return d;
nombuf:
	__atomic_fetch_add(&p->rx_nombuf, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* RX checksum check, as a NIC with the offloads enabled reports it. */
static uint64_t
rx_cksum_flags(struct sim_port *p, const struct rte_mbuf *m, uint32_t ptype,
	       const struct rte_net_hdr_lens *hl)
{
	uint64_t off = p->rx_offloads, fl = 0;
	uint32_t l4 = ptype & RTE_PTYPE_L4_MASK;
	uint32_t l4_off = hl->l2_len + hl->l3_len;
	bool want_l4 = (l4 == RTE_PTYPE_L4_UDP &&
			(off & RTE_ETH_RX_OFFLOAD_UDP_CKSUM)) ||
		       (l4 == RTE_PTYPE_L4_TCP &&
			(off & RTE_ETH_RX_OFFLOAD_TCP_CKSUM));
	uint16_t ubuf[4];
	const uint16_t *udp;
	int bad_l4 = 0;

	if (RTE_ETH_IS_IPV4_HDR(ptype)) {
		uint8_t b[60];
		const struct rte_ipv4_hdr *ip;

		if (hl->l3_len < sizeof(*ip) || hl->l3_len > sizeof(b))
			return 0;
		ip = rte_pktmbuf_read(m, hl->l2_len, hl->l3_len, b);
		if (ip == NULL)
			return 0;
		if (off & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
			if (rte_raw_cksum(ip, hl->l3_len) == 0xffff) {
				fl |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
			} else {
				fl |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
				sim_count(p, SIM_XS_rx_ip_cksum_bad, 1);
			}
		}
		if (!want_l4)
			return fl;
		/* A zero UDP checksum over IPv4 means "not computed". */
		udp = rte_pktmbuf_read(m, l4_off, sizeof(ubuf), ubuf);
		if (udp == NULL)
			return fl;
		if (l4 == RTE_PTYPE_L4_UDP &&
		    ((const uint8_t *)udp)[6] == 0 && ((const uint8_t *)udp)[7] == 0)
			bad_l4 = 0;
		else
			bad_l4 = rte_ipv4_udptcp_cksum_mbuf_verify(m, ip,
								   l4_off);
	} else if (RTE_ETH_IS_IPV6_HDR(ptype) && want_l4) {
		struct rte_ipv6_hdr b;
		const struct rte_ipv6_hdr *ip =
			rte_pktmbuf_read(m, hl->l2_len, sizeof(b), &b);

		if (ip == NULL)
			return 0;
		bad_l4 = rte_ipv6_udptcp_cksum_mbuf_verify(m, ip, l4_off);
	} else {
		return fl;
	}
	if (bad_l4 == 0) {
		fl |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	} else {
		fl |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
		sim_count(p, SIM_XS_rx_l4_cksum_bad, 1);
	}
	return fl;
}

/* Does the MAC filter let this destination in? */
static bool
mac_accept(const struct rte_eth_dev_data *data, const struct rte_ether_addr *dst)
{
	unsigned int i;

	if (data->promiscuous)
		return true;
	if (rte_is_broadcast_ether_addr(dst))
		return true;
	if (rte_is_multicast_ether_addr(dst))
		return data->all_multicast;
	for (i = 0; i < SIM_MAX_MAC_ADDRS; i++)
		if (rte_is_same_ether_addr(dst, &data->mac_addrs[i]))
			return true;
	return false;
}

/* Frames ready for the RX queues, enqueued in bursts. */
struct rx_batch {
	struct rte_mbuf *out[SIM_MAX_QUEUES][SIM_BURST];
	uint16_t nq[SIM_MAX_QUEUES];
};

static void
batch_flush(struct sim_port *p, struct rx_batch *b)
{
	uint16_t q, k;

	for (q = 0; q < SIM_MAX_QUEUES; q++) {
		if (b->nq[q] == 0)
			continue;
		k = rte_ring_enqueue_burst(p->rxq[q]->ring,
					   (void **)b->out[q], b->nq[q], NULL);
		if (k < b->nq[q]) {
			sim_count(p, SIM_XS_rx_queue_full, b->nq[q] - k);
			rte_pktmbuf_free_bulk(&b->out[q][k], b->nq[q] - k);
		}
		b->nq[q] = 0;
	}
}

static void
batch_put(struct sim_port *p, struct rx_batch *b, uint16_t q,
	  struct rte_mbuf *d)
{
	if (b->nq[q] == SIM_BURST)
		batch_flush(p, b);
	b->out[q][b->nq[q]++] = d;
}

/*
 * The RX engine after IPsec: packet type, RSS (unless @pick_q is false:
 * *qid is then kept), the DMA into the queue's pool and the flags, and
 * @sn, the ESP SN the engine accepted (0: none). src is not consumed.
 * @chain: see copy_frame().
 */
static struct rte_mbuf *
to_queue(struct sim_port *p, struct rte_mbuf *src, uint16_t *qid,
	 bool pick_q, bool chain, uint64_t sn)
{
	const struct rte_eth_dev_data *data = p->dev->data;
	struct rte_net_hdr_lens hl;
	struct rte_mbuf *d;
	struct sim_rxq *q;
	uint32_t ptype, hash = 0;
	uint16_t nb_rxq = data->nb_rx_queues;
	bool hashed = false;
	bool want_hash = p->rx_offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH;

	ptype = rte_net_get_ptype(src, &hl, RTE_PTYPE_ALL_MASK);
	/* The hash in software only where it is seen: a queue to pick or
	 * the RSS_HASH offload. */
	if (p->rss_hf != 0 && ((pick_q && nb_rxq > 1) || want_hash)) {
		/* Frames RSS does not cover go to queue 0, as on NICs. */
		hash = rss_hash(p, src, ptype, &hl, &hashed);
		if (pick_q && hashed && nb_rxq > 1)
			*qid = p->reta[hash % SIM_RETA_SIZE];
	}
	if (*qid >= nb_rxq || p->rxq[*qid] == NULL)
		*qid = 0;
	q = p->rxq[*qid];
	if (unlikely(q == NULL)) {
		sim_count(p, SIM_XS_rx_stop_discard, 1);
		return NULL;
	}
	d = copy_frame(p, src, q, chain);
	if (d == NULL)
		return NULL;
	d->port = data->port_id;
	d->packet_type = ptype;
	d->ol_flags = rx_cksum_flags(p, d, ptype, &hl);
	if (src->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD) {
		/* The engine's verdict, and its checksum checks if it ran
		 * them, take precedence. */
		uint64_t sf = src->ol_flags;

		if (sf & RTE_MBUF_F_RX_IP_CKSUM_MASK)
			d->ol_flags &= ~RTE_MBUF_F_RX_IP_CKSUM_MASK;
		if (sf & RTE_MBUF_F_RX_L4_CKSUM_MASK)
			d->ol_flags &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
		d->ol_flags |= sf & ~SIM_MBUF_F_BUF;
		*rte_security_dynfield(d) = *rte_security_dynfield(src);
		sim_sec_rx_sn_set(p, d, sn);
	}
	if (p->rss_hf != 0 && want_hash) {
		d->hash.rss = hash;
		d->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	}
	return d;
}

/*
 * A set of fragments the reassembly gave up on: each one goes through the
 * rest of the RX engine on its own, all to the first one's queue; only the
 * first is enqueued, the others hang off its reassembly dynfield. The set
 * is consumed.
 */
static void
deliver_set(struct sim_port *p, struct rx_batch *b, struct sim_reass_set *s)
{
	struct rte_mbuf *d[SIM_REASS_MAX_FRAGS];
	uint16_t qid = 0, i, n = 0;

	for (i = 0; i < s->n; i++) {
		d[i] = to_queue(p, s->m[i], &qid, i == 0, false, s->sn[i]);
		if (d[i] == NULL)
			break;
		n++;
	}
	if (n < s->n) {
		rte_pktmbuf_free_bulk(d, n);
		sim_count(p, SIM_XS_rx_reass_drop, s->n);
	} else {
		for (i = 0; i < n; i++)
			sim_reass_link(p, d[i], i + 1 < n ? d[i + 1] : NULL,
				       (uint16_t)(n - 1 - i), s->time_spent);
		batch_put(p, b, qid, d[0]);
	}
	rte_pktmbuf_free_bulk(s->m, s->n);
	s->n = 0;
}

/* The TLS engine hands a packet over for delivery (sim_tls_put_t). */
struct tls_put_arg {
	struct sim_port *p;
	struct rx_batch *b;
};

static void
tls_put(void *arg, uint16_t qid, struct rte_mbuf *m)
{
	struct tls_put_arg *a = arg;

	batch_put(a->p, a->b, qid, m);
}

/* A delivered copy through the TLS engine (after the checksum checks on
 * the wire bytes, as NICs do) and into its queue's batch. */
static void
deliver(struct sim_port *p, struct rx_batch *b, uint16_t qid,
	struct rte_mbuf *d)
{
	struct tls_put_arg a = { .p = p, .b = b };

	if (p->tls != NULL)
		sim_tls_ingress(p, d, qid, tls_put, &a);
	else
		batch_put(p, b, qid, d);
}

/* One frame through the RX engine; src is consumed. */
static void
ingress_one(struct sim_port *p, struct rte_mbuf *src, struct rx_batch *b)
{
	const struct rte_eth_dev_data *data = p->dev->data;
	struct rte_ether_hdr eb;
	const struct rte_ether_hdr *eh;
	struct sim_sec_rx sr = { .reass_sa = NULL, .esp_sn = 0 };
	struct rte_mbuf *d;
	uint16_t qid = 0;
	bool whole = false;

	if (unlikely(!__atomic_load_n(&p->started, __ATOMIC_ACQUIRE))) {
		sim_count(p, SIM_XS_rx_stop_discard, 1);
		goto out;
	}
	eh = rte_pktmbuf_read(src, 0, sizeof(eb), &eb);
	if (unlikely(eh == NULL)) {
		sim_count(p, SIM_XS_rx_runt, 1);
		goto out;
	}
	if (!mac_accept(data, &eh->dst_addr)) {
		sim_count(p, SIM_XS_rx_mac_filtered, 1);
		goto out;
	}
	if (src->pkt_len - sim_l2_overhead(src) > data->mtu) {
		sim_count(p, SIM_XS_rx_oversize, 1);
		goto out;
	}
	/* The inline IPsec engine sees the frame before RSS and the DMA. */
	if (p->rx_offloads & RTE_ETH_RX_OFFLOAD_SECURITY)
		src = sim_sec_ingress(p, src, &sr);
	else
		src->ol_flags &= SIM_MBUF_F_BUF;
	if (sr.reass_sa != NULL) {
		/* An SA with ip_reassembly_en: inner fragments are held. */
		struct sim_reass_set set;
		struct rte_mbuf *m = sim_reass_input(p, sr.reass_sa, src,
						     &sr.esp_sn, &set);

		if (set.n != 0)
			deliver_set(p, b, &set);
		if (m == NULL)
			return;
		whole = m != src;
		src = m;
	}
	d = to_queue(p, src, &qid, true, whole, sr.esp_sn);
	if (d != NULL)
		deliver(p, b, qid, d);
out:
	rte_pktmbuf_free(src);
}

void
sim_ingress(struct sim_port *p, struct rte_mbuf **pkts, uint16_t nb)
{
	struct rx_batch b;
	struct sim_reass_set set;
	uint16_t i;

	memset(b.nq, 0, sizeof(b.nq));
	for (i = 0; i < nb; i++)
		ingress_one(p, pkts[i], &b);
	/* Reassembly timeouts: the sets waiting too long come up as they
	 * are. */
	if (p->reass != NULL && __atomic_load_n(&p->started, __ATOMIC_ACQUIRE))
		while (sim_reass_expired(p, &set))
			deliver_set(p, &b, &set);
	if (nb == 0 && __atomic_load_n(&p->started, __ATOMIC_ACQUIRE)) {
		struct tls_put_arg a = { .p = p, .b = &b };

		sim_tls_idle(p, tls_put, &a);
	}
	batch_flush(p, &b);
}

uint16_t
sim_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb)
{
	struct sim_rxq *q = queue;
	struct sim_port *p = q->port;
	struct rte_mbuf *w[SIM_BURST];
	uint64_t bytes = 0;
	uint16_t i, n;

	/* One poller at a time plays the NIC's RX engine for all queues. */
	if (rte_spinlock_trylock(&p->rx_lock)) {
		n = p->wire->rx(p, w, SIM_BURST);
		if (n > 0 || p->reass != NULL || sim_tls_holding(p))
			sim_ingress(p, w, n);
		rte_spinlock_unlock(&p->rx_lock);
	}
	n = rte_ring_dequeue_burst(q->ring, (void **)pkts, nb, NULL);
	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	q->pkts += n;
	q->bytes += bytes;
	return n;
}

void
sim_rx_flush(struct sim_port *p)
{
	struct rte_mbuf *m[SIM_BURST];
	unsigned int i, n;

	rte_spinlock_lock(&p->rx_lock);
	while (p->wire_ring != NULL &&
	       (n = rte_ring_dequeue_burst(p->wire_ring, (void **)m,
					   SIM_BURST, NULL)) > 0) {
		sim_count(p, SIM_XS_rx_stop_discard, n);
		rte_pktmbuf_free_bulk(m, n);
	}
	for (i = 0; i < SIM_MAX_QUEUES; i++) {
		while (p->rxq[i] != NULL &&
		       (n = rte_ring_dequeue_burst(p->rxq[i]->ring, (void **)m,
						   SIM_BURST, NULL)) > 0) {
			sim_count(p, SIM_XS_rx_stop_discard, n);
			rte_pktmbuf_free_bulk(m, n);
		}
	}
	rte_spinlock_unlock(&p->rx_lock);
}

/* Segment chain consistent with pkt_len and nb_segs? */
static bool
mbuf_sane(const struct rte_mbuf *m)
{
	const struct rte_mbuf *s;
	uint32_t len = 0;
	uint16_t segs = 0;

	for (s = m; s != NULL && segs <= m->nb_segs; s = s->next) {
		len += s->data_len;
		segs++;
	}
	return s == NULL && segs == m->nb_segs && len == m->pkt_len &&
	       m->pkt_len >= RTE_ETHER_HDR_LEN;
}

/* Can the NIC write checksums into this mbuf without touching shared data? */
static bool
mbuf_writable(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return false;
	return true;
}

/* Checksum offloads @ol asks for that the port has enabled. */
static inline void
cksum_wanted(const struct sim_port *p, uint64_t ol, bool *ip_ck, bool *l4_ck)
{
	uint64_t off = p->tx_offloads, l4 = ol & RTE_MBUF_F_TX_L4_MASK;

	*ip_ck = (ol & RTE_MBUF_F_TX_IP_CKSUM) &&
		 (off & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	*l4_ck = (l4 == RTE_MBUF_F_TX_UDP_CKSUM &&
		  (off & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) ||
		 (l4 == RTE_MBUF_F_TX_TCP_CKSUM &&
		  (off & RTE_ETH_TX_OFFLOAD_TCP_CKSUM));
}

int
sim_tx_cksum_apply(struct sim_port *p, struct rte_mbuf *w, uint8_t l4_proto)
{
	uint64_t ol = w->ol_flags;
	uint64_t l4 = ol & RTE_MBUF_F_TX_L4_MASK;
	bool ip_ck, l4_ck;
	uint32_t l4_off = w->l2_len + w->l3_len;
	uint32_t l4_hdr = l4 == RTE_MBUF_F_TX_TCP_CKSUM ?
			  sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);
	uint16_t *ck;
	void *ip;

	cksum_wanted(p, ol, &ip_ck, &l4_ck);
	if (!ip_ck && !l4_ck)
		return 0;
	if (w->l2_len == 0 || w->l3_len == 0 ||
	    l4_off + (l4_ck ? l4_hdr : 0) > w->data_len)
		return -EINVAL;
	/* The L4 the checksum goes into must be the one asked for. */
	if (l4_ck && l4_proto != 0 &&
	    l4_proto != (l4 == RTE_MBUF_F_TX_TCP_CKSUM ? IPPROTO_TCP :
							  IPPROTO_UDP))
		return -EINVAL;
	ip = rte_pktmbuf_mtod_offset(w, void *, w->l2_len);
	if (ip_ck && (ol & RTE_MBUF_F_TX_IPV4)) {
		struct rte_ipv4_hdr *h = ip;

		if (rte_ipv4_hdr_len(h) != w->l3_len)
			return -EINVAL;
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
		sim_count(p, SIM_XS_tx_ip_cksum_offload, 1);
	}
	if (l4_ck) {
		ck = rte_pktmbuf_mtod_offset(w, uint16_t *, l4_off +
			(l4 == RTE_MBUF_F_TX_TCP_CKSUM ?
			 offsetof(struct rte_tcp_hdr, cksum) :
			 offsetof(struct rte_udp_hdr, dgram_cksum)));
		*ck = 0;
		if (ol & RTE_MBUF_F_TX_IPV4)
			*ck = rte_ipv4_udptcp_cksum_mbuf(w, ip, l4_off);
		else if (ol & RTE_MBUF_F_TX_IPV6)
			*ck = rte_ipv6_udptcp_cksum_mbuf(w, ip, l4_off);
		else
			return -EINVAL;
		sim_count(p, SIM_XS_tx_l4_cksum_offload, 1);
	}
	return 0;
}

/*
 * TX checksum offload. Returns the mbuf to put on the wire (m itself, or a
 * private copy when m's data is shared), or NULL when the request is invalid.
 */
static struct rte_mbuf *
tx_cksum(struct sim_port *p, struct rte_mbuf *m)
{
	struct rte_mbuf *w = m;
	bool ip_ck, l4_ck;

	cksum_wanted(p, m->ol_flags, &ip_ck, &l4_ck);
	if (!ip_ck && !l4_ck)
		return m;
	if (!mbuf_writable(m)) {
		w = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (w == NULL)
			return NULL;
		/* The copy is a plain mbuf: only the offload requests. */
		w->ol_flags = m->ol_flags & ~SIM_MBUF_F_BUF;
		w->tx_offload = m->tx_offload;
	}
	if (sim_tx_cksum_apply(p, w, 0) != 0) {
		if (w != m)
			rte_pktmbuf_free(w);
		return NULL;
	}
	return w;
}

/*
 * TX engine checks for one frame: SIM_XS_MAX and *w set when it may go on the
 * wire, else the reason it must be dropped (m is left to the caller).
 */
static enum sim_xstat_id
egress_one(struct sim_port *p, struct sim_txq *q, struct rte_mbuf *m,
	   struct rte_mbuf **w)
{
	if (unlikely(!mbuf_sane(m)))
		return SIM_XS_tx_bad_mbuf;
	if (m->pkt_len - sim_l2_overhead(m) > p->dev->data->mtu &&
	    !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		return SIM_XS_tx_oversize;
	if (m->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD) {
		int r = sim_sec_egress(p, &q->prng, m, w);

		return r != 0 ? (enum sim_xstat_id)r : SIM_XS_MAX;
	}
	*w = tx_cksum(p, m);
	if (unlikely(*w == NULL))
		return SIM_XS_tx_bad_mbuf;
	return SIM_XS_MAX;
}

/* --- TSO ------------------------------------------------------------ */

enum { SIM_TSO_MAX_SEGS = 64, SIM_TSO_MAX_HDR = 256 };

/* Does the NIC segment this packet? TSO asked and enabled on the port. */
static inline bool
tso_wanted(const struct sim_port *p, const struct rte_mbuf *m)
{
	return (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) &&
	       (p->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO);
}

/* Append @len bytes of @src at @off to the chain @head (tail *cur). */
static int
seg_append(struct rte_mbuf *head, struct rte_mbuf **cur,
	   const struct rte_mbuf *src, uint32_t off, uint32_t len)
{
	while (len > 0) {
		struct rte_mbuf *c = *cur;
		uint32_t n;
		uint8_t *dst;
		const void *from;

		if (rte_pktmbuf_tailroom(c) == 0) {
			struct rte_mbuf *nx = rte_pktmbuf_alloc(head->pool);

			if (nx == NULL)
				return -1;
			c->next = nx;
			head->nb_segs++;
			*cur = c = nx;
		}
		n = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(c), len);
		dst = rte_pktmbuf_mtod_offset(c, uint8_t *, c->data_len);
		from = rte_pktmbuf_read(src, off, n, dst);
		if (from == NULL)
			return -1;
		if (from != dst)
			memcpy(dst, from, n);
		c->data_len += n;
		head->pkt_len += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* The TCP checksum of a segment whose headers sit in its first mbuf. */
static void
tcp_cksum_set(struct rte_mbuf *s, uint32_t l2, uint32_t l3)
{
	uint8_t *sip = rte_pktmbuf_mtod_offset(s, uint8_t *, l2);
	uint8_t *sth = sip + l3;
	uint16_t ck;

	memset(sth + 16, 0, 2);
	ck = (sip[0] >> 4) == 4 ?
	     rte_ipv4_udptcp_cksum_mbuf(s, (void *)sip, l2 + l3) :
	     rte_ipv6_udptcp_cksum_mbuf(s, (void *)sip, l2 + l3);
	memcpy(sth + 16, &ck, 2);
}

/*
 * The NIC's TSO: cut @m (headers l2_len + l3_len + l4_len, then the TCP
 * payload) into segments of at most tso_segsz payload bytes, each with its
 * own headers: IPv4 total length, ID + k and header checksum, IPv6 payload
 * length, TCP sequence number + offset, PSH/FIN on the last only, CWR on
 * the first only, TCP checksum. The segments come from m's pool; m is
 * left alone. SIM_XS_MAX and *nb set, else the xstat to count.
 */
static enum sim_xstat_id
tso_segment(struct rte_mbuf *m, struct rte_mbuf **segs, uint16_t *nb)
{
	uint8_t hb[SIM_TSO_MAX_HDR], *ip, *th;
	const uint8_t *h;
	uint32_t l2 = m->l2_len, l3 = m->l3_len, l4 = m->l4_len;
	uint32_t hdr = l2 + l3 + l4, mss = m->tso_segsz, plen, off, seq;
	uint16_t n, k, id = 0;
	bool v4;

	*nb = 0;
	if (l2 < RTE_ETHER_HDR_LEN || l3 < sizeof(struct rte_ipv4_hdr) ||
	    l4 < sizeof(struct rte_tcp_hdr) || mss == 0 ||
	    hdr > sizeof(hb) || hdr > m->pkt_len)
		return SIM_XS_tx_bad_mbuf;
	h = rte_pktmbuf_read(m, 0, hdr, hb);
	if (h == NULL)
		return SIM_XS_tx_bad_mbuf;
	if (h != hb)
		memcpy(hb, h, hdr);
	ip = hb + l2;
	th = ip + l3;
	v4 = (ip[0] >> 4) == 4;
	if (v4) {
		const struct rte_ipv4_hdr *h4 = (const void *)ip;

		if (h4->next_proto_id != IPPROTO_TCP ||
		    rte_ipv4_hdr_len(h4) != l3)
			return SIM_XS_tx_bad_mbuf;
		id = rte_be_to_cpu_16(h4->packet_id);
	} else if ((ip[0] >> 4) == 6) {
		if (l3 == sizeof(struct rte_ipv6_hdr) &&
		    ((const struct rte_ipv6_hdr *)ip)->proto != IPPROTO_TCP)
			return SIM_XS_tx_bad_mbuf;
	} else {
		return SIM_XS_tx_bad_mbuf;
	}
	if ((uint32_t)((th[12] >> 4) * 4) != l4)
		return SIM_XS_tx_bad_mbuf;
	plen = m->pkt_len - hdr;
	n = plen == 0 ? 1 : (uint16_t)RTE_MIN((plen + mss - 1) / mss,
					       (uint32_t)SIM_TSO_MAX_SEGS + 1);
	if (n > SIM_TSO_MAX_SEGS || (v4 && l3 + l4 + RTE_MIN(plen, mss) > 65535))
		return SIM_XS_tx_bad_mbuf;
	memcpy(&seq, th + 4, 4);
	seq = rte_be_to_cpu_32(seq);

	for (k = 0, off = 0; k < n; k++, off += mss) {
		uint32_t len = RTE_MIN(mss, plen - off);
		struct rte_mbuf *s = rte_pktmbuf_alloc(m->pool), *cur = s;
		uint8_t *sip, *sth, fl;
		uint32_t v;

		if (s == NULL || seg_append(s, &cur, m, 0, hdr) != 0 ||
		    seg_append(s, &cur, m, hdr + off, len) != 0 ||
		    s->data_len < hdr) {
			rte_pktmbuf_free(s);
			rte_pktmbuf_free_bulk(segs, k);
			return SIM_XS_tx_bad_mbuf;
		}
		sip = rte_pktmbuf_mtod_offset(s, uint8_t *, l2);
		sth = sip + l3;
		if (v4) {
			struct rte_ipv4_hdr *h4 = (struct rte_ipv4_hdr *)sip;

			h4->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 +
								       len));
			h4->packet_id = rte_cpu_to_be_16((uint16_t)(id + k));
			h4->hdr_checksum = 0;
			h4->hdr_checksum = rte_ipv4_cksum(h4);
		} else {
			struct rte_ipv6_hdr *h6 = (struct rte_ipv6_hdr *)sip;

			h6->payload_len = rte_cpu_to_be_16((uint16_t)(l3 -
				sizeof(*h6) + l4 + len));
		}
		v = rte_cpu_to_be_32(seq + off);
		memcpy(sth + 4, &v, 4);
		fl = sth[13];
		if (k + 1 < n)
			fl &= (uint8_t)~(RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
		if (k > 0)
			fl &= (uint8_t)~RTE_TCP_CWR_FLAG;
		sth[13] = fl;
		tcp_cksum_set(s, l2, l3);
		s->port = m->port;
		s->ol_flags = m->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD;
		s->l2_len = l2;
		s->l3_len = l3;
		s->l4_len = l4;
		if (rte_security_dynfield_is_registered())
			*rte_security_dynfield(s) = *rte_security_dynfield(m);
		segs[k] = s;
	}
	*nb = n;
	return SIM_XS_MAX;
}

static uint16_t
wire_out(struct sim_port *p, struct sim_txq *q, struct rte_mbuf **pkts,
	 uint16_t nb)
{
	if (p->lpbk) {
		sim_ingress(p, pkts, nb);
		return nb;
	}
	return p->wire->tx(p, q->qid, pkts, nb);
}

static inline bool
wire_faults_on(const struct sim_port *p)
{
	return (__atomic_load_n(&p->faults.thr[SIM_FAULT_DROP],
				__ATOMIC_RELAXED) |
		__atomic_load_n(&p->faults.thr[SIM_FAULT_DUP],
				__ATOMIC_RELAXED) |
		__atomic_load_n(&p->faults.thr[SIM_FAULT_REORDER],
				__ATOMIC_RELAXED)) != 0;
}

/*
 * Put frames on the wire (or the port's own RX in loopback), through the
 * wire faults when any is enabled. Per frame, in order: fault_drop loses
 * it; fault_dup puts a copy right after it; otherwise, when the queue holds
 * nothing back, fault_reorder holds it back. A frame held back goes out
 * right after the next frame of the queue, or at an empty tx_burst() once
 * it has waited SIM_REORDER_MAX_MS (tx_held_expire()). Same contract as
 * wire->tx: returns how many of pkts the NIC took.
 */
static uint16_t
xmit(struct sim_port *p, struct sim_txq *q, struct rte_mbuf **pkts,
     uint16_t nb)
{
	uint16_t i;

	/* (A frame held back when fault_reorder was switched off still goes
	 * out behind the next one: through the loop, the faults off.) */
	if (likely(!wire_faults_on(p) && q->held == NULL))
		return wire_out(p, q, pkts, nb);
	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i], *dup = NULL, *l[3];
		uint16_t n = 0, k;

		if (sim_fault_hit(p, &q->prng, SIM_FAULT_DROP)) {
			sim_count(p, SIM_XS_tx_fault_drop, 1);
			rte_pktmbuf_free(m);
			continue;
		}
		if (sim_fault_hit(p, &q->prng, SIM_FAULT_DUP)) {
			dup = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (dup != NULL)
				dup->ol_flags = m->ol_flags & ~SIM_MBUF_F_BUF;
		}
		if (dup == NULL && q->held == NULL &&
		    sim_fault_hit(p, &q->prng, SIM_FAULT_REORDER)) {
			sim_count(p, SIM_XS_tx_fault_reorder, 1);
			q->held = m;
			q->held_tsc = rte_get_timer_cycles();
			continue;
		}
		l[n++] = m;
		if (dup != NULL)
			l[n++] = dup;
		if (q->held != NULL)
			l[n++] = q->held;
		k = wire_out(p, q, l, n);
		if (k == 0) {
			/* Back-pressure: the caller keeps m, we the held one. */
			rte_pktmbuf_free(dup);
			return i;
		}
		if (dup != NULL) {
			if (k >= 2)
				sim_count(p, SIM_XS_tx_fault_dup, 1);
			else
				rte_pktmbuf_free(dup);
		}
		if (q->held != NULL && k == n)
			q->held = NULL;
	}
	return nb;
}

/*
 * One TSO packet: its segments go through the engine (ESP with their own
 * sequence numbers for an SA) and on the wire as frames of their own; a
 * segment the engine fails is dropped alone. Returns false on back-pressure
 * (the wire took none of them: the caller keeps m), else m is consumed.
 */
static bool
tx_tso(struct sim_port *p, struct sim_txq *q, struct rte_mbuf *m)
{
	struct rte_mbuf *segs[SIM_TSO_MAX_SEGS], *out[SIM_TSO_MAX_SEGS];
	uint32_t len[SIM_TSO_MAX_SEGS];
	enum sim_xstat_id why = SIM_XS_MAX;
	uint16_t n = 0, k, g = 0, sent;
	uint64_t bytes = 0;
	bool tls = sim_tls_tx_marked(p, m);
	uint32_t hw_id = tls ? sim_tls_tx_id(p, m) : 0;

	if (m->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD) {
		int r = sim_sec_tso_check(p, m);

		if (r != 0)
			why = (enum sim_xstat_id)r;
	}
	if (why == SIM_XS_MAX && !mbuf_sane(m))
		why = SIM_XS_tx_bad_mbuf;
	if (why == SIM_XS_MAX)
		why = tso_segment(m, segs, &n);
	if (why != SIM_XS_MAX) {
		sim_count(p, why, 1);
		rte_pktmbuf_free(m);
		return true;
	}
	for (k = 0; k < n; k++) {
		struct rte_mbuf *w = segs[k];

		if (tls) {
			/* The segments the NIC cut, in order, through the
			 * TLS engine; their TCP checksum after it. */
			int r = sim_tls_egress(p, segs[k], hw_id);

			if (r != SIM_XS_MAX) {
				sim_count(p, (enum sim_xstat_id)r, 1);
				rte_pktmbuf_free(segs[k]);
				continue;
			}
			tcp_cksum_set(segs[k], m->l2_len, m->l3_len);
		}
		if (segs[k]->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD) {
			int r = sim_sec_egress(p, &q->prng, segs[k], &w);

			if (r != 0) {
				sim_count(p, (enum sim_xstat_id)r, 1);
				rte_pktmbuf_free(segs[k]);
				continue;
			}
			if (w != segs[k])
				rte_pktmbuf_free(segs[k]);
		}
		len[g] = w->pkt_len;
		out[g++] = w;
	}
	sent = g > 0 ? xmit(p, q, out, g) : 0;
	if (g > 0 && sent == 0 && !tls) {
		rte_pktmbuf_free_bulk(out, g);
		return false;
	}
	if (tls && sent < g) {
		/* The record stream moved past them: lost, not pushed
		 * back (see tx_tls()). */
		sim_count(p, SIM_XS_tx_tls_drop_wire_full, g - sent);
		rte_pktmbuf_free_bulk(&out[sent], g - sent);
		g = sent;
	}
	if (sent < g) {
		/* The wire took only part of the packet: the rest is lost. */
		sim_count(p, SIM_XS_tx_tso_wire_full, g - sent);
		rte_pktmbuf_free_bulk(&out[sent], g - sent);
	}
	for (k = 0; k < sent; k++)
		bytes += len[k];
	sim_count(p, SIM_XS_tx_tso_segments, sent);
	q->pkts += sent;
	q->bytes += bytes;
	rte_pktmbuf_free(m);
	return true;
}

/*
 * A segment for the TLS engine, on a run of its own: encrypted in place
 * (on a private copy when m's data is shared), then through an SA too or
 * the checksum offloads (computed after encryption), onto the wire. m is
 * always consumed: once encrypted, the context's record stream has moved
 * past it, so a frame the wire refuses is lost as on the cable
 * (tx_tls_drop_wire_full) rather than pushed back; TCP sends it again and
 * dpsec resyncs. Returns false when the wire refused it.
 */
static bool
tx_tls(struct sim_port *p, struct sim_txq *q, struct rte_mbuf *m)
{
	struct rte_mbuf *w = m, *e = NULL, *x;
	uint32_t hw_id = sim_tls_tx_id(p, m), len;
	int why = SIM_XS_MAX;
	bool sent = false;

	if (unlikely(!mbuf_sane(m))) {
		why = SIM_XS_tx_bad_mbuf;
		goto out;
	}
	if (m->pkt_len - sim_l2_overhead(m) > p->dev->data->mtu) {
		why = SIM_XS_tx_oversize;
		goto out;
	}
	if (!mbuf_writable(m)) {
		w = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (w == NULL) {
			w = m;
			why = SIM_XS_tx_bad_mbuf;
			goto out;
		}
		w->ol_flags = m->ol_flags & ~SIM_MBUF_F_BUF;
		w->tx_offload = m->tx_offload;
	}
	why = sim_tls_egress(p, w, hw_id);
	if (why != SIM_XS_MAX)
		goto out;
	w->ol_flags &= ~sim_tls_tx_mask(p);
	if (w->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD) {
		why = sim_sec_egress(p, &q->prng, w, &x);
		if (why != 0)
			goto out;
		e = x;
	} else if (sim_tx_cksum_apply(p, w, IPPROTO_TCP) != 0) {
		why = SIM_XS_tx_bad_mbuf;
		goto out;
	} else {
		e = w;
	}
	why = SIM_XS_MAX;
	len = e->pkt_len;
	sent = xmit(p, q, &e, 1) == 1;
	if (sent) {
		q->pkts++;
		q->bytes += len;
	} else {
		why = SIM_XS_tx_tls_drop_wire_full;
	}
out:
	if (why != SIM_XS_MAX)
		sim_count(p, (enum sim_xstat_id)why, 1);
	if (e != NULL && !sent)
		rte_pktmbuf_free(e);
	if (w != e && w != m)
		rte_pktmbuf_free(w);
	if (m != e)
		rte_pktmbuf_free(m);
	return why != SIM_XS_tx_tls_drop_wire_full;
}

void
sim_tx_flush_held(struct sim_port *p)
{
	unsigned int i;

	for (i = 0; i < SIM_MAX_QUEUES; i++) {
		if (p->txq[i] != NULL && p->txq[i]->held != NULL) {
			rte_pktmbuf_free(p->txq[i]->held);
			p->txq[i]->held = NULL;
		}
	}
}

/*
 * An empty tx_burst() (an application flushing its queue, or draining
 * before it stops) sends a frame fault_reorder held back once it has
 * waited SIM_REORDER_MAX_MS with no next frame to go after: a reordered
 * frame is late, not lost.
 */
static void
tx_held_expire(struct sim_port *p, struct sim_txq *q)
{
	if (rte_get_timer_cycles() - q->held_tsc <
	    rte_get_timer_hz() * SIM_REORDER_MAX_MS / 1000)
		return;
	if (wire_out(p, q, &q->held, 1) == 1)
		q->held = NULL;
}

/*
 * Frames are sent in runs of good ones; a bad frame is dropped (counted) in
 * its place. If the wire takes only part of a run, we stop there: the
 * caller still owns pkts[return value..nb). A run is all plain packets or
 * all packets for the inline IPsec engine: the engine transforms a packet
 * (in place, with a sequence number of its own) before the wire sees it,
 * so one the wire then refuses cannot go back to the caller - sent again
 * it would be protected twice - and is lost as on a cable
 * (tx_sec_drop_wire_full), as a NIC's frame that its link partner cannot
 * take.
 */
uint16_t
sim_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb)
{
	struct sim_txq *q = queue;
	struct sim_port *p = q->port;
	struct rte_mbuf *run[SIM_BURST];
	uint32_t len[SIM_BURST];
	uint16_t i = 0, k, n, sent;
	uint64_t bytes;

	if (unlikely(!link_up(p))) {
		rte_pktmbuf_free_bulk(pkts, nb);
		sim_count(p, SIM_XS_tx_link_down, nb);
		return nb;
	}
	if (unlikely(nb == 0 && q->held != NULL))
		tx_held_expire(p, q);
	while (i < nb) {
		enum sim_xstat_id why = SIM_XS_MAX;
		uint64_t sec = pkts[i]->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD;

		n = 0;
		while (i + n < nb && n < SIM_BURST &&
		       (pkts[i + n]->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD) ==
		       sec &&
		       !tso_wanted(p, pkts[i + n]) &&
		       !sim_tls_tx_marked(p, pkts[i + n])) {
			why = egress_one(p, q, pkts[i + n], &run[n]);
			if (why != SIM_XS_MAX)
				break;	/* a bad frame ends the run */
			len[n] = run[n]->pkt_len;
			n++;
		}
		bytes = 0;
		sent = n > 0 ? xmit(p, q, run, n) : 0;
		for (k = 0; k < n; k++) {
			if (run[k] == pkts[i + k]) {
				if (k >= sent && sec)
					rte_pktmbuf_free(run[k]);
				continue;
			}
			/* A private copy was made (checksum offload, or the
			 * engine's linear copy). */
			if (k < sent || sec)
				rte_pktmbuf_free(pkts[i + k]);
			if (k >= sent)
				rte_pktmbuf_free(run[k]);
		}
		for (k = 0; k < sent; k++)
			bytes += len[k];
		q->pkts += sent;
		q->bytes += bytes;
		i += sent;
		if (sent < n && sec) {
			/* protected already: lost, not pushed back */
			sim_count(p, SIM_XS_tx_sec_drop_wire_full, n - sent);
			return i + (n - sent);
		}
		if (sent < n)
			return i;	/* wire full: back-pressure */
		if (why != SIM_XS_MAX) {
			/* Dropped only now: had the wire pushed back, the
			 * caller would still own it. */
			sim_count(p, why, 1);
			rte_pktmbuf_free(pkts[i++]);
		} else if (i < nb && tso_wanted(p, pkts[i])) {
			/* The NIC cuts it into frames of its own. */
			if (!tx_tso(p, q, pkts[i]))
				return i;	/* wire full: back-pressure */
			i++;
		} else if (i < nb && sim_tls_tx_marked(p, pkts[i])) {
			/* The TLS engine's, on a run of its own. */
			if (!tx_tls(p, q, pkts[i++]))
				return i;	/* wire full: back-pressure */
		}
	}
	return nb;
}
