/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "set fwd tls": a TLS echo over the CLI's TLS contexts, on the NIC or in
 * software (doc/cli.md, "Forwarding").
 *
 * A connection has two ends, each a pair of contexts with the same local
 * and remote endpoints: a write context that sends and a read context
 * that receives. "start tx_first n" makes every write context on a
 * txport send n bursts of TCP segments, one TLS application-data record
 * each (dpsec_tls_record_frame(), dpsec_tls_tx(): sealed in software or
 * marked for the NIC). The loop hands the segments a port receives to the
 * read context of their connection (dpsec_tls_rx()) in TCP order - a
 * segment that arrives ahead of a missing one waits, up to CLI_TLS_OOO of
 * them; an old one is a duplicate and dropped (TLS_DUP) -, checks each
 * record's data, acknowledges the write context at the other end
 * (dpsec_tls_tx_ack(): the CLI is both TCP peers) and sends the data back
 * in a new record by the write context of the receiving end, on the port
 * it came in by. No TCP beyond that: a segment lost on the wire stops its
 * connection (the read context sees a gap).
 *
 * Test data: each record carries its 64-bit number (big endian) and then
 * the bytes (number + i): a record that comes back different is counted
 * tls_bad.
 */
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "cli.h"

enum { TLS_DATA_MIN = 16, TLS_DATA_MAX = 1400, RECS_MAX = 32 };

static bool
addr_eq(const struct dpsec_addr *a, const struct dpsec_addr *b)
{
	return a->family == b->family &&
	       (a->family == 4 ? a->v4 == b->v4 :
		memcmp(a->v6, b->v6, sizeof(a->v6)) == 0);
}

/* The context of a direction with these endpoints, or NULL. */
static struct cli_tls *
ctx_find(bool rx, const struct dpsec_addr *local, uint16_t lport,
	 const struct dpsec_addr *remote, uint16_t rport)
{
	for (unsigned int i = 0; i < CLI_MAX_TLS; i++) {
		struct cli_tls *t = &cli_tlss[i];

		if (t->used && t->rx == rx && t->lport == lport &&
		    t->rport == rport && addr_eq(&t->local, local) &&
		    addr_eq(&t->remote, remote))
			return t;
	}
	return NULL;
}

/* Data bytes per record for txpkts: the IP datagram is txpkts long. */
static uint16_t
data_len(const struct cli_tls *w)
{
	int len = (int)cli_fwd.pkt_len - (w->local.family == 6 ? 40 : 20) -
		  (int)sizeof(struct rte_tcp_hdr) -
		  (int)dpsec_tls_record_len(w->tls, 0, 0);

	return (uint16_t)RTE_MAX(RTE_MIN(len, TLS_DATA_MAX), TLS_DATA_MIN);
}

static void
data_fill(uint8_t *d, uint16_t len, uint64_t tag)
{
	uint64_t be = rte_cpu_to_be_64(tag);

	memcpy(d, &be, sizeof(be));
	for (uint16_t i = sizeof(be); i < len; i++)
		d[i] = (uint8_t)(tag + i);
}

static bool
data_ok(const uint8_t *d, uint16_t len)
{
	uint64_t be, tag;

	if (len < sizeof(be))
		return false;
	memcpy(&be, d, sizeof(be));
	tag = rte_be_to_cpu_64(be);
	for (uint16_t i = sizeof(be); i < len; i++)
		if (d[i] != (uint8_t)(tag + i))
			return false;
	return true;
}

/*
 * One segment of write context @w carrying one record of @len data bytes
 * (@d), Ethernet from @port's MAC to its peer's; NULL if no mbuf. The TCP
 * checksum: the NIC's (pseudo-header sum here) when the NIC encrypts,
 * else computed by seal() after encryption.
 */
static struct rte_mbuf *
seg_build(struct cli_tls *w, uint16_t port, const uint8_t *d, uint16_t len)
{
	uint32_t rlen = dpsec_tls_record_len(w->tls, len, 0);
	bool v6 = w->local.family == 6;
	uint16_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) :
			   sizeof(struct rte_ipv4_hdr);
	uint16_t l4 = sizeof(struct rte_tcp_hdr);
	struct rte_mbuf *m = rte_pktmbuf_alloc(cli_fwd.mp);
	struct rte_ether_hdr *eh;
	struct rte_tcp_hdr *tcp;
	uint8_t *p, *rec;
	int off;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + l3 + l4 +
					  rlen);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, RTE_ETHER_HDR_LEN + l3 + l4);
	eh = (struct rte_ether_hdr *)p;
	rte_eth_macaddr_get(port, &eh->src_addr);
	rte_eth_macaddr_get(cli_fwd_peer(port), &eh->dst_addr);
	tcp = (struct rte_tcp_hdr *)(p + RTE_ETHER_HDR_LEN + l3);
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(l4 + rlen);
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, w->local.v6, 16);
		memcpy(ip6->dst_addr, w->remote.v6, 16);
		m->ol_flags |= RTE_MBUF_F_TX_IPV6;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(l3 + l4 + rlen);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = w->local.v4;
		ip->dst_addr = w->remote.v4;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	}
	tcp->src_port = rte_cpu_to_be_16(w->lport);
	tcp->dst_port = rte_cpu_to_be_16(w->rport);
	tcp->sent_seq = rte_cpu_to_be_32(w->nxt);
	tcp->data_off = (uint8_t)((l4 / 4) << 4);
	tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	tcp->rx_win = rte_cpu_to_be_16(65535);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = l3;
	m->l4_len = l4;
	rec = (uint8_t *)(tcp + 1);
	off = dpsec_tls_record_frame(w->tls, rec, DPSEC_TLS_TYPE_DATA, len, 0);
	if (off <= 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(rec + off, d, len);
	w->nxt += rlen;
	return m;
}

/* After dpsec_tls_tx(): the TCP checksum over what goes on the wire. */
static void
seg_cksum(struct rte_mbuf *m, bool nic)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	void *ip = p + m->l2_len;
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(p + m->l2_len +
							 m->l3_len);
	bool v6 = (m->ol_flags & RTE_MBUF_F_TX_IPV6) != 0;

	tcp->cksum = 0;
	if (nic) {
		/* The NIC sums the payload after it encrypts it. */
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		tcp->cksum = v6 ? rte_ipv6_phdr_cksum(ip, m->ol_flags) :
				  rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		tcp->cksum = v6 ?
			rte_ipv6_udptcp_cksum_mbuf(m, ip, m->l2_len +
						   m->l3_len) :
			rte_ipv4_udptcp_cksum_mbuf(m, ip, m->l2_len +
						   m->l3_len);
	}
}

/* Seal and send segs[0..n) of @w on @port. */
static void
seal_send(struct cli_tls *w, uint16_t port, struct rte_mbuf *segs[],
	  uint16_t n)
{
	struct dpsec_tls_info info;
	bool nic = dpsec_tls_info(w->tls, &info) == 0 &&
		   info.placement != DPSEC_PLACE_SW;
	uint16_t ok = dpsec_tls_tx(w->tls, segs, n);

	for (uint16_t i = 0; i < ok; i++)
		seg_cksum(segs[i], nic);
	if (ok < n)
		cli_fwd_drop(port, false, segs + ok, n - ok);
	cli_fwd_tx(port, segs, ok);
}

int
cli_tls_fwd_inject(uint16_t port, unsigned int bursts)
{
	static uint64_t tag;
	struct rte_mbuf *segs[CLI_BURST_MAX];
	uint8_t d[TLS_DATA_MAX];

	for (unsigned int i = 0; i < CLI_MAX_TLS; i++) {
		struct cli_tls *w = &cli_tlss[i];

		if (!w->used || w->rx || w->port_id != port)
			continue;
		for (unsigned int b = 0; b < bursts; b++) {
			uint16_t n;

			for (n = 0; n < cli_fwd.burst; n++) {
				uint16_t len = data_len(w);

				data_fill(d, len, tag++);
				segs[n] = seg_build(w, port, d, len);
				if (segs[n] == NULL) {
					rte_pktmbuf_free_bulk(segs, n);
					return -ENOMEM;
				}
			}
			cli_fwd.st[port].injected += n;
			seal_send(w, port, segs, n);
		}
	}
	return 0;
}

/* Deliver one in-order segment to read context @r; echo its records. */
static void
deliver(struct cli_tls *r, uint16_t port, struct rte_mbuf *m, bool echo)
{
	struct cli_port_fwd *st = &cli_fwd.st[port];
	struct dpsec_tls_rec recs[RECS_MAX];
	struct cli_tls *w = NULL, *peer;
	struct dpsec_tls_info info;
	uint8_t d[TLS_DATA_MAX];
	uint16_t nr;

	nr = dpsec_tls_rx(r->tls, m != NULL ? &m : NULL, m != NULL, recs,
			  RECS_MAX);
	if (echo)
		w = ctx_find(false, &r->local, r->lport, &r->remote,
			     r->rport);
	for (uint16_t i = 0; i < nr; i++) {
		struct rte_mbuf *e;
		const uint8_t *data;

		if (recs[i].status != 0 || recs[i].len > sizeof(d) ||
		    recs[i].m == NULL) {
			st->tls_bad++;
			st->drops[DPSEC_R_TLS_BAD_RECORD]++;
			rte_pktmbuf_free(recs[i].m);
			continue;
		}
		data = rte_pktmbuf_read(recs[i].m, 0, recs[i].len, d);
		if (data == NULL || !data_ok(data, recs[i].len)) {
			st->tls_bad++;
			st->drops[DPSEC_R_TLS_BAD_RECORD]++;
			rte_pktmbuf_free(recs[i].m);
			continue;
		}
		st->tls_records++;
		if (data != d)
			memcpy(d, data, recs[i].len);
		rte_pktmbuf_free(recs[i].m);
		if (!echo)
			continue;
		e = w != NULL ? seg_build(w, port, d, recs[i].len) : NULL;
		if (e == NULL) {
			st->drops[w == NULL ? DPSEC_R_TLS_NOT_CONN :
				  DPSEC_R_NOMEM]++;
			continue;
		}
		seal_send(w, port, &e, 1);
	}
	/* The other end's write context: everything before what this end
	 * has now received is acknowledged. */
	peer = ctx_find(false, &r->remote, r->rport, &r->local, r->lport);
	if (peer != NULL && dpsec_tls_info(r->tls, &info) == 0)
		dpsec_tls_tx_ack(peer->tls, info.next_tcp_seq);
}

/* TCP sequence comparison (RFC 1982 style). */
static inline int32_t
seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* A segment of read context @r: in order, early (held) or old. */
static void
segment(struct cli_tls *r, uint16_t port, struct rte_mbuf *m, uint32_t seq,
	uint32_t len, bool echo)
{
	int32_t d = seq_diff(seq, r->nxt);

	if (d < 0) {
		dpsec_mbuf_set_reason(m, DPSEC_R_TLS_DUP);
		cli_fwd_drop(port, true, &m, 1);
		return;
	}
	if (d > 0) {
		if (r->nb_ooo == CLI_TLS_OOO) {
			dpsec_mbuf_set_reason(m, DPSEC_R_TLS_OOO);
			cli_fwd_drop(port, true, &m, 1);
			return;
		}
		r->ooo[r->nb_ooo++] = m;
		return;
	}
	r->nxt += len;
	deliver(r, port, m, echo);
	/* Segments held back that are now next. */
	for (bool more = true; more;) {
		more = false;
		for (uint16_t i = 0; i < r->nb_ooo; i++) {
			struct rte_mbuf *h = r->ooo[i];
			const struct rte_tcp_hdr *tcp = rte_pktmbuf_mtod_offset(
				h, const struct rte_tcp_hdr *,
				h->l2_len + h->l3_len);
			uint32_t hseq = rte_be_to_cpu_32(tcp->sent_seq);

			if (seq_diff(hseq, r->nxt) > 0)
				continue;
			r->ooo[i] = r->ooo[--r->nb_ooo];
			if (seq_diff(hseq, r->nxt) < 0) {
				dpsec_mbuf_set_reason(h, DPSEC_R_TLS_DUP);
				cli_fwd_drop(port, true, &h, 1);
			} else {
				r->nxt += (uint32_t)(rte_pktmbuf_pkt_len(h) -
					h->l2_len - h->l3_len - h->l4_len);
				deliver(r, port, h, echo);
			}
			more = true;
			break;
		}
	}
}

void
cli_tls_fwd_rx(uint16_t port, struct rte_mbuf *pkts[], uint16_t n, bool echo)
{
	struct cli_port_fwd *st = &cli_fwd.st[port];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;
		const struct rte_tcp_hdr *tcp;
		struct dpsec_addr src = { 0 }, dst = { 0 };
		uint32_t plen, l3, l4, iplen;
		struct cli_tls *r;
		uint8_t proto;

		if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + 40 + 20)
			goto not_tls;
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
			const struct rte_ipv4_hdr *ip =
				(const struct rte_ipv4_hdr *)(eh + 1);

			l3 = (ip->version_ihl & 0xf) * 4u;
			iplen = rte_be_to_cpu_16(ip->total_length);
			proto = ip->next_proto_id;
			src.family = dst.family = 4;
			src.v4 = ip->src_addr;
			dst.v4 = ip->dst_addr;
		} else if (eh->ether_type ==
			   rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
			const struct rte_ipv6_hdr *ip6 =
				(const struct rte_ipv6_hdr *)(eh + 1);

			l3 = sizeof(*ip6);
			iplen = l3 + rte_be_to_cpu_16(ip6->payload_len);
			proto = ip6->proto;
			src.family = dst.family = 6;
			memcpy(src.v6, ip6->src_addr, 16);
			memcpy(dst.v6, ip6->dst_addr, 16);
		} else {
			goto not_tls;
		}
		if (proto != IPPROTO_TCP || l3 < 20 ||
		    RTE_ETHER_HDR_LEN + iplen > rte_pktmbuf_pkt_len(m) ||
		    iplen < l3 + sizeof(*tcp) ||
		    RTE_ETHER_HDR_LEN + l3 + sizeof(*tcp) >
		    rte_pktmbuf_data_len(m))
			goto not_tls;
		tcp = (const struct rte_tcp_hdr *)((const uint8_t *)(eh + 1) +
						   l3);
		l4 = (tcp->data_off >> 4) * 4u;
		if (l4 < sizeof(*tcp) || l3 + l4 > iplen)
			goto not_tls;
		r = ctx_find(true, &dst, rte_be_to_cpu_16(tcp->dst_port),
			     &src, rte_be_to_cpu_16(tcp->src_port));
		if (r == NULL)
			goto not_tls;
		/* Link padding off: the segment is the IP datagram. */
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) -
				 (RTE_ETHER_HDR_LEN + iplen));
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = l3;
		m->l4_len = l4;
		plen = iplen - l3 - l4;
		segment(r, port, m, rte_be_to_cpu_32(tcp->sent_seq), plen,
			echo);
		continue;
not_tls:
		st->not_ip++;
		cli_capture_drops(port, &m, 1, true, true,
				  "not TLS: no read context has this frame's connection");
		rte_pktmbuf_free(m);
	}
}

void
cli_tls_fwd_flush(void)
{
	for (unsigned int i = 0; i < CLI_MAX_TLS; i++) {
		struct cli_tls *r = &cli_tlss[i];

		for (uint16_t k = 0; r->used && k < r->nb_ooo; k++)
			dpsec_mbuf_set_reason(r->ooo[k], DPSEC_R_TLS_OOO);
		if (r->used && r->nb_ooo > 0)
			cli_fwd_drop(r->port_id, true, r->ooo, r->nb_ooo);
		r->nb_ooo = 0;
	}
}

unsigned int
cli_tls_fwd_forget(struct cli_tls *t)
{
	unsigned int n = t->nb_ooo;

	rte_pktmbuf_free_bulk(t->ooo, t->nb_ooo);
	t->nb_ooo = 0;
	return n;
}
