/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's ESP engine: what the NIC does to a packet of an SA it
 * holds. Inline protocol: the whole of ESP (RFC 4303) on the way out and
 * in. Inline crypto: only encryption/ICV of an ESP packet the application
 * built, and decryption/ICV check on the way in, headers left in place.
 */
#include <string.h>

#include <openssl/rand.h>

#include <rte_cycles.h>
#include <rte_esp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf_dyn.h>
#include <rte_net.h>
#include <rte_udp.h>

#include "esp_wire.h"
#include "sim_inline.h"
#include "sim_inline_sec.h"

/* Header fields at any alignment (UBSan: DPDK's unaligned_* are not). */
static inline uint32_t
get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
put_be16(uint8_t *p, uint16_t v)
{
	v = rte_cpu_to_be_16(v);
	memcpy(p, &v, sizeof(v));
}

static int
run_op(struct sim_sec *sec, struct dpsec_crypto_op *op)
{
	unsigned int lc = rte_lcore_id();
	int ret;

	if (lc < RTE_MAX_LCORE && sec->eng[lc] != NULL)
		return dpsec_crypto_run(sec->eng[lc], op);
	rte_spinlock_lock(&sec->eng_lock);
	ret = dpsec_crypto_run(sec->eng_any, op);
	rte_spinlock_unlock(&sec->eng_lock);
	return ret;
}

/* Raise an RTE_ETH_EVENT_IPSEC once per SA and subtype. */
void
sim_sec_sa_event(struct sim_sa *sa, enum rte_eth_event_ipsec_subtype st)
{
	struct rte_eth_event_ipsec_desc d = {
		.subtype = st,
		.metadata = sa->userdata,
	};
	uint8_t bit = (uint8_t)(1u << (st & 7));

	if (__atomic_fetch_or(&sa->events, bit, __ATOMIC_ACQ_REL) & bit)
		return;
	if (st == RTE_ETH_EVENT_IPSEC_SA_PKT_HARD_EXPIRY ||
	    st == RTE_ETH_EVENT_IPSEC_SA_BYTE_HARD_EXPIRY ||
	    st == RTE_ETH_EVENT_IPSEC_ESN_OVERFLOW)
		__atomic_store_n(&sa->dead, true, __ATOMIC_RELEASE);
	sim_count(sa->port, SIM_XS_sec_events, 1);
	rte_eth_dev_callback_process(sa->port->dev, RTE_ETH_EVENT_IPSEC, &d);
}

/* Count a processed packet; lifetimes in packets and bytes. */
static void
sa_account(struct sim_sa *sa, uint32_t bytes)
{
	const struct rte_security_ipsec_lifetime *l = &sa->x.life;
	uint64_t pk, by;

	rte_spinlock_lock(&sa->lock);
	pk = ++sa->pkts;
	by = sa->bytes += bytes;
	rte_spinlock_unlock(&sa->lock);
	if (l->packets_hard_limit && pk >= l->packets_hard_limit)
		sim_sec_sa_event(sa, RTE_ETH_EVENT_IPSEC_SA_PKT_HARD_EXPIRY);
	else if (l->packets_soft_limit && pk >= l->packets_soft_limit)
		sim_sec_sa_event(sa, RTE_ETH_EVENT_IPSEC_SA_PKT_EXPIRY);
	if (l->bytes_hard_limit && by >= l->bytes_hard_limit)
		sim_sec_sa_event(sa, RTE_ETH_EVENT_IPSEC_SA_BYTE_HARD_EXPIRY);
	else if (l->bytes_soft_limit && by >= l->bytes_soft_limit)
		sim_sec_sa_event(sa, RTE_ETH_EVENT_IPSEC_SA_BYTE_EXPIRY);
}

static void
sa_error(struct sim_sa *sa)
{
	rte_spinlock_lock(&sa->lock);
	sa->errors++;
	rte_spinlock_unlock(&sa->lock);
}

/*
 * Encrypt (and write the ICV) or verify (and decrypt) ESP in place: esp
 * points at the ESP header; len bytes of payload, padding and trailer
 * follow the IV; the ICV follows them.
 */
static int
esp_crypt(struct sim_sec *sec, const struct sim_sa *sa, uint8_t *esp,
	  uint32_t len, uint64_t seq, enum dpsec_crypto_dir dir)
{
	uint8_t *iv = esp + ESP_HDR_LEN, *pl = iv + sa->iv_len, *icv = pl + len;
	uint8_t nonce[12], aad[12], tag[DPSEC_CRYPTO_ICV_MAX];
	struct dpsec_crypto_op op = {
		.key = sa->key, .dir = dir,
		.src = pl, .dst = pl, .len = len, .icv = icv,
	};
	int ret;

	if (sa->aead) {
		memcpy(nonce, sa->salt, 4);
		memcpy(nonce + 4, iv, 8);
		op.iv = nonce;
		op.aad = aad;
		op.aad_len = esp_aad(aad, sa->spi_be, seq, sa->esn);
		return run_op(sec, &op);
	}
	op.iv = iv;
	op.auth_src = esp;
	op.auth_len = ESP_HDR_LEN + sa->iv_len + len;
	if (!sa->esn)
		return run_op(sec, &op);
	/* RFC 4303 §2.2.1: the SN high bits are MACed after the payload but
	 * not sent; they borrow the ICV's place, whose bytes wait in tag. */
	if (dir == DPSEC_CRYPTO_DECRYPT)
		memcpy(tag, icv, sa->icv_len);
	put_be32(icv, (uint32_t)(seq >> 32));
	op.auth_len += 4;
	op.icv = tag;
	ret = run_op(sec, &op);
	if (ret == 0 || dir == DPSEC_CRYPTO_DECRYPT)
		memcpy(icv, tag, sa->icv_len);
	return ret;
}

/* Set the DSCP of an IPv4/IPv6 header to that of @tos, keeping its ECN. */
static void
inner_dscp_set(uint8_t *ip, uint8_t tos)
{
	if ((ip[0] >> 4) == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		h->type_of_service = (uint8_t)((tos & ~3u) |
					       (h->type_of_service & 3u));
		ipv4_fix(h, rte_be_to_cpu_16(h->total_length));
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;
		uint32_t v = rte_be_to_cpu_32(h->vtc_flow);

		v = (v & ~(0xfcu << 20)) | ((uint32_t)(tos & ~3u) << 20);
		h->vtc_flow = rte_cpu_to_be_32(v);
	}
}

/* Mark an ECN-capable IPv4/IPv6 header Congestion Experienced. */
static void
inner_ecn_ce(uint8_t *ip)
{
	if ((ip[0] >> 4) == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		h->type_of_service |= 3u;
		ipv4_fix(h, rte_be_to_cpu_16(h->total_length));
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

		h->vtc_flow |= rte_cpu_to_be_32(3u << 20);
	}
}

/* Next SN for an egress SA, or 0 when its space is used up. */
static uint64_t
next_seq(struct sim_sa *sa)
{
	uint64_t s = 0, max = sa->esn ? UINT64_MAX : UINT32_MAX;

	rte_spinlock_lock(&sa->lock);
	if (sa->seq < max)
		s = ++sa->seq;
	rte_spinlock_unlock(&sa->lock);
	if (s == 0)
		sim_sec_sa_event(sa, RTE_ETH_EVENT_IPSEC_ESN_OVERFLOW);
	return s;
}

/*
 * ip_csum_enable / l4_csum_enable on egress: the NIC fills in the inner
 * checksums before it encrypts (rte_security.h).
 */
static void
inner_csum(const struct sim_sa *sa, uint8_t *ip, uint32_t len)
{
	uint8_t proto;
	uint32_t l3;
	uint16_t *ck = NULL;

	if ((ip[0] >> 4) == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		if (sa->x.options.ip_csum_enable) {
			h->hdr_checksum = 0;
			h->hdr_checksum = rte_ipv4_cksum(h);
		}
		l3 = rte_ipv4_hdr_len(h);
		proto = h->next_proto_id;
	} else {
		l3 = sizeof(struct rte_ipv6_hdr);
		proto = ((struct rte_ipv6_hdr *)ip)->proto;
	}
	if (!sa->x.options.l4_csum_enable || len < l3 + 20)
		return;
	if (proto == IPPROTO_TCP)
		ck = (uint16_t *)(ip + l3 + 16);
	else if (proto == IPPROTO_UDP)
		ck = (uint16_t *)(ip + l3 + 6);
	else
		return;
	*ck = 0;
	*ck = (ip[0] >> 4) == 4 ?
	      rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)ip, ip + l3) :
	      rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)ip, ip + l3);
}

/* What the TX engine takes from the mbuf and checks against the frame. */
struct egr {
	uint32_t l2, l3;	/* L2 and IP header lengths of the frame */
	uint32_t dgram;		/* the IP datagram's own length */
	uint8_t proto;		/* after the IP header (IPv6: and extensions) */
};

/* The port's "bad lengths" log line, at most once a second. */
static void
bad_len_log(struct sim_port *p, const char *what, uint32_t got, uint32_t want)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t t = __atomic_load_n(&p->sec->bad_len_tsc, __ATOMIC_RELAXED);

	if (now < t || !__atomic_compare_exchange_n(&p->sec->bad_len_tsc, &t,
			now + rte_get_timer_hz(), false, __ATOMIC_RELAXED,
			__ATOMIC_RELAXED))
		return;
	SIM_LOG(WARNING, "%s: TX security offload: %s is %u, the frame needs %u;"
		" dropped (tx_sec_bad_len)", p->dev->data->name, what, got, want);
}

/*
 * Header lengths, as hardware takes them: from the mbuf, never guessed.
 * l2_len must be the frame's Ethernet header plus its VLAN tags (where
 * every engine finds the IP header). With @need_l3 (inline crypto: ixgbe's
 * context descriptor says where ESP is by l2_len + l3_len) l3_len must be
 * the IP header (IPv4: IHL * 4; IPv6: 40 plus the extension headers before
 * ESP/UDP); inline protocol parses the header itself, as cnxk does. The IP
 * datagram must fit in the frame; what follows it (link padding) is not
 * the packet's. 0 or the xstat.
 */
static int
egress_lens(struct sim_port *p, const struct rte_mbuf *m, bool need_l3,
	    struct egr *e)
{
	uint8_t b[40];
	const uint8_t *ip;
	uint32_t hl, l2 = sim_l2_overhead(m);
	unsigned int i;

	if (m->l2_len != l2) {
		bad_len_log(p, "l2_len", m->l2_len, l2);
		return SIM_XS_tx_sec_bad_len;
	}
	e->l2 = l2;
	e->l3 = m->l3_len;
	ip = rte_pktmbuf_read(m, l2, sizeof(struct rte_ipv4_hdr), b);
	if (ip == NULL)
		return SIM_XS_tx_sec_bad;
	if ((ip[0] >> 4) == 4) {
		hl = (ip[0] & 0xfu) * 4u;
		e->dgram = (uint32_t)ip[2] << 8 | ip[3];
		e->proto = ip[9];
		if (hl < sizeof(struct rte_ipv4_hdr) || e->dgram < hl)
			return SIM_XS_tx_sec_bad;
	} else if ((ip[0] >> 4) == 6) {
		ip = rte_pktmbuf_read(m, l2, sizeof(struct rte_ipv6_hdr), b);
		if (ip == NULL)
			return SIM_XS_tx_sec_bad;
		hl = sizeof(struct rte_ipv6_hdr);
		e->dgram = hl + ((uint32_t)ip[4] << 8 | ip[5]);
		e->proto = ip[6];
		/* Extension headers before ESP (RFC 8200 section 4.1). */
		for (i = 0; i < 8; i++) {
			size_t ext_len;
			int nx;

			ip = rte_pktmbuf_read(m, l2 + hl, 2, b);
			if (ip == NULL || hl + 2 > e->dgram)
				break;
			nx = rte_ipv6_get_next_ext(ip, e->proto, &ext_len);
			if (nx < 0)
				break;
			hl += (uint32_t)ext_len;
			e->proto = (uint8_t)nx;
		}
		if (hl > e->dgram)
			return SIM_XS_tx_sec_bad;
	} else {
		return SIM_XS_tx_sec_bad;
	}
	if (l2 + e->dgram > m->pkt_len)
		return SIM_XS_tx_sec_bad;
	if (need_l3 && m->l3_len != hl) {
		bad_len_log(p, "l3_len", m->l3_len, hl);
		return SIM_XS_tx_sec_bad_len;
	}
	e->l3 = hl;
	return 0;
}

/* Inline protocol egress: the IP packet after L2 becomes ESP. */
static int
proto_egress(struct sim_port *p, struct sim_sa *sa, struct rte_mbuf *m,
	     const struct egr *e)
{
	uint32_t l2 = e->l2;
	const struct rte_security_ipsec_tunnel_param *t = &sa->x.tunnel;
	uint8_t l2h[32], *ip, *hdr, *tail, nh, tos, *esp;
	uint32_t len, padded, pad, l3 = 0, tail_len, hdr_len;
	uint16_t udp_len = sa->udp ? sizeof(struct rte_udp_hdr) : 0;
	uint64_t seq;

	memcpy(l2h, rte_pktmbuf_mtod(m, void *), l2);
	rte_pktmbuf_adj(m, (uint16_t)l2);
	ip = rte_pktmbuf_mtod(m, uint8_t *);
	if (m->data_len < sizeof(struct rte_ipv4_hdr))
		return SIM_XS_tx_sec_bad;
	inner_csum(sa, ip, m->data_len);
	tos = ip_tos(ip);
	if (sa->tunnel) {
		nh = (ip[0] >> 4) == 4 ? ESP_NH_IPV4 : ESP_NH_IPV6;
		len = m->pkt_len;
	} else if ((ip[0] >> 4) == 4) {
		l3 = rte_ipv4_hdr_len((const struct rte_ipv4_hdr *)ip);
		nh = ((const struct rte_ipv4_hdr *)ip)->next_proto_id;
		len = m->pkt_len - l3;
	} else {
		l3 = sizeof(struct rte_ipv6_hdr);
		nh = ((const struct rte_ipv6_hdr *)ip)->proto;
		len = m->pkt_len - l3;
	}
	seq = next_seq(sa);
	if (seq == 0)
		return SIM_XS_tx_sec_dead;

	padded = RTE_ALIGN_CEIL(len + ESP_TRAILER_LEN, sa->pad_align);
	pad = padded - len - ESP_TRAILER_LEN;
	tail_len = pad + ESP_TRAILER_LEN + sa->icv_len;
	hdr_len = (sa->tunnel ? sa->hdr_len : 0) + udp_len + ESP_HDR_LEN +
		  sa->iv_len;
	if (rte_pktmbuf_tailroom(m) < tail_len ||
	    rte_pktmbuf_headroom(m) < hdr_len + l2)
		return SIM_XS_tx_sec_bad;
	tail = (uint8_t *)rte_pktmbuf_append(m, tail_len);
	esp_pad_fill(tail, pad, nh, tail_len);
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hdr_len);

	if (sa->tunnel) {
		memcpy(hdr, sa->hdr, sa->hdr_len);
		l3 = sa->hdr_len;
		if (t->type == RTE_SECURITY_IPSEC_TUNNEL_IPV4) {
			struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)hdr;
			bool df = t->ipv4.df;

			o->type_of_service = sa->x.options.copy_dscp ?
				(tos & ~3u) : (uint8_t)(t->ipv4.dscp << 2);
			/* ecn: the inner ECN field outside (RFC 6040 §4.1) */
			if (sa->x.options.ecn)
				o->type_of_service |= tos & 3u;
			if (sa->x.options.copy_df)
				df = nh == ESP_NH_IPV4 &&
				     (((const struct rte_ipv4_hdr *)(hdr + hdr_len))
				      ->fragment_offset &
				      rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG));
			o->fragment_offset = df ?
				rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
			o->packet_id = rte_cpu_to_be_16((uint16_t)seq);
			ipv4_fix(o, (uint16_t)m->pkt_len);
		} else {
			struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)hdr;
			const uint8_t *in = hdr + hdr_len;
			uint32_t v = 6u << 28, fl = t->ipv6.flabel & 0xfffff;
			uint8_t tc = sa->x.options.copy_dscp ? (tos & ~3u) :
				     (uint8_t)(t->ipv6.dscp << 2);

			if (sa->x.options.ecn)
				tc |= tos & 3u;

			if (sa->x.options.copy_flabel && (in[0] >> 4) == 6)
				fl = rte_be_to_cpu_32(((const struct rte_ipv6_hdr *)
					in)->vtc_flow) & 0xfffff;
			v |= (uint32_t)tc << 20 | fl;
			o->vtc_flow = rte_cpu_to_be_32(v);
			o->payload_len = rte_cpu_to_be_16(
				(uint16_t)(m->pkt_len - sizeof(*o)));
		}
	} else {
		memmove(hdr, ip, l3);
		ip_transport_set(hdr, udp_len ? IPPROTO_UDP : IPPROTO_ESP,
				 m->pkt_len);
	}
	if (udp_len) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(hdr + l3);

		u->src_port = rte_cpu_to_be_16(sa->x.udp.sport);
		u->dst_port = rte_cpu_to_be_16(sa->x.udp.dport);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - l3));
		u->dgram_cksum = 0;
	}
	esp = hdr + l3 + udp_len;
	memcpy(esp, &sa->spi_be, 4);
	put_be32(esp + 4, (uint32_t)seq);
	if (sa->iv_ovr) {
		memcpy(esp + ESP_HDR_LEN, sa->iv_ovr_val, sa->iv_len);
	} else if (sa->aead) {
		uint64_t be = rte_cpu_to_be_64(seq);

		memcpy(esp + ESP_HDR_LEN, &be, 8);
	} else if (sa->iv_len &&
		   RAND_bytes(esp + ESP_HDR_LEN, sa->iv_len) != 1) {
		return SIM_XS_tx_sec_bad;
	}
	if (esp_crypt(p->sec, sa, esp, padded, seq, DPSEC_CRYPTO_ENCRYPT) != 0)
		return SIM_XS_tx_sec_bad;

	/* Back on the wire: the Ethernet header, with the outer type. */
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)l2);
	memcpy(hdr, l2h, l2);
	put_be16(hdr + l2 - 2, (hdr[l2] >> 4) == 4 ? RTE_ETHER_TYPE_IPV4 :
						       RTE_ETHER_TYPE_IPV6);
	m->l2_len = l2;
	m->l3_len = (hdr[l2] >> 4) == 4 ?
		    rte_ipv4_hdr_len((struct rte_ipv4_hdr *)(hdr + l2)) : 40;
	sa_account(sa, len);
	return 0;
}

/*
 * Inline crypto egress: the application built the ESP packet (header, IV,
 * padding, trailer, room for the ICV); the NIC encrypts and writes the ICV.
 * Like ixgbe, it finds ESP at l2_len + l3_len (checked by egress_lens()).
 */
static int
crypto_egress(struct sim_port *p, struct sim_sa *sa, struct rte_mbuf *m,
	      const struct egr *e)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, e->l2);
	uint32_t esp_off, total = e->dgram, plen;
	uint64_t seq;

	esp_off = e->l3 + (e->proto == IPPROTO_UDP ?
			   sizeof(struct rte_udp_hdr) : 0);
	if ((e->proto != IPPROTO_ESP && e->proto != IPPROTO_UDP) ||
	    total + e->l2 > m->pkt_len ||
	    total < esp_off + ESP_HDR_LEN + sa->iv_len + sa->icv_len + ESP_TRAILER_LEN)
		return SIM_XS_tx_sec_bad;
	plen = total - esp_off - ESP_HDR_LEN - sa->iv_len - sa->icv_len;
	if (plen % sa->pad_align)
		return SIM_XS_tx_sec_bad;
	seq = get_be32(ip + esp_off + 4);
	if (sa->esn) {
		/* The NIC keeps the high bits; the packet carries the low. */
		rte_spinlock_lock(&sa->lock);
		if ((uint32_t)seq < (uint32_t)sa->seq)
			seq |= ((sa->seq >> 32) + 1) << 32;
		else
			seq |= sa->seq & ~(uint64_t)UINT32_MAX;
		sa->seq = RTE_MAX(sa->seq, seq);
		rte_spinlock_unlock(&sa->lock);
	}
	if (esp_crypt(p->sec, sa, ip + esp_off, plen, seq,
		      DPSEC_CRYPTO_ENCRYPT) != 0)
		return SIM_XS_tx_sec_bad;
	sa_account(sa, plen);
	return 0;
}

/*
 * The engine works on one contiguous, private buffer, as a NIC works on
 * its own SRAM: chained or shared frames are copied into a jumbo mbuf.
 */
static struct rte_mbuf *
linear(struct sim_sec *sec, struct rte_mbuf *m, bool room)
{
	struct rte_mbuf *j;
	const void *src;
	void *dst;

	/* Egress adds headers and a trailer (@room); ingress only cuts. */
	if (m->nb_segs == 1 && RTE_MBUF_DIRECT(m) &&
	    rte_mbuf_refcnt_read(m) == 1 &&
	    (!room || (rte_pktmbuf_tailroom(m) >= 64 &&
		       rte_pktmbuf_headroom(m) >= 96)))
		return m;
	if (m->pkt_len > SIM_JUMBO_ROOM - 128)
		return NULL;
	j = rte_pktmbuf_alloc(sec->jumbo);
	if (j == NULL)
		return NULL;
	dst = rte_pktmbuf_append(j, (uint16_t)m->pkt_len);
	src = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
	if (src != dst)
		memcpy(dst, src, m->pkt_len);
	j->ol_flags = m->ol_flags & ~SIM_MBUF_F_BUF;	/* j is plain */
	j->tx_offload = m->tx_offload;
	j->port = m->port;
	*rte_security_dynfield(j) = *rte_security_dynfield(m);
	return j;
}

static struct sim_sa *
valid_sa(struct sim_sec *sec, uint64_t md)
{
	struct sim_sa *sa = (struct sim_sa *)(uintptr_t)md;
	uint32_t i;

	/* Handles are checked on every use, as netdevsim does. */
	for (i = 0; sa != NULL && i < sec->max_sa; i++)
		if (sec->table[i] == sa)
			return sa;
	return NULL;
}

/*
 * The live egress SA in @m's security dynfield: 0 and *sap set, else the
 * xstat of the reason m must be dropped. A session a reset took out of
 * the NIC drops the packet: it is never sent in the clear.
 */
static int
egress_sa(struct sim_port *p, const struct rte_mbuf *m, struct sim_sa **sap)
{
	struct sim_sa *sa;
	uint64_t md;

	if (p->sec == NULL || !(p->tx_offloads & RTE_ETH_TX_OFFLOAD_SECURITY) ||
	    !rte_security_dynfield_is_registered())
		return SIM_XS_tx_sec_bad;
	md = *rte_security_dynfield((struct rte_mbuf *)(uintptr_t)m);
	sa = valid_sa(p->sec, md);
	if (sa == NULL)
		return sim_sec_is_lost(p->sec, md) ? SIM_XS_tx_sec_lost :
						     SIM_XS_tx_sec_bad;
	if (!sa->egress)
		return SIM_XS_tx_sec_bad;
	if (__atomic_load_n(&sa->dead, __ATOMIC_ACQUIRE))
		return SIM_XS_tx_sec_dead;
	*sap = sa;
	return 0;
}

int
sim_sec_tso_check(struct sim_port *p, const struct rte_mbuf *m)
{
	struct sim_sa *sa;
	int r = egress_sa(p, m, &sa);

	if (r != 0)
		return r;
	if (sa->action != RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL)
		return SIM_XS_tx_sec_bad;
	return 0;
}

int
sim_sec_egress(struct sim_port *p, uint64_t *prng, struct rte_mbuf *m,
	       struct rte_mbuf **out)
{
	struct sim_sa *sa;
	struct rte_mbuf *w;
	struct egr e;
	int r;

	r = egress_sa(p, m, &sa);
	if (r != 0)
		return r;
	r = egress_lens(p, m,
			sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO, &e);
	if (r != 0)
		return r;
	/* The engine fails it: a NIC cannot send it in the clear. */
	if (sim_fault_hit(p, prng, SIM_FAULT_PUNT))
		return SIM_XS_tx_fault_punt;
	w = linear(p->sec, m, true);
	if (w == NULL)
		return SIM_XS_tx_sec_bad;
	sim_count(p, SIM_XS_sec_tx_packets, 1);
	/* The packet is the IP datagram: link padding after it (a 40-byte
	 * TCP ACK in a 60-byte frame) is neither protected nor sent. */
	if (w->pkt_len > e.l2 + e.dgram)
		rte_pktmbuf_trim(w, (uint16_t)(w->pkt_len - e.l2 - e.dgram));
	if (sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO) {
		/* The checksums asked for are the outer ones (the inner
		 * packet is the application's, inside ESP): computed over
		 * the frame as it leaves, after the ICV is in (NAT-T UDP). */
		r = crypto_egress(p, sa, w, &e);
		if (r == 0 && sim_tx_cksum_apply(p, w, e.proto) != 0)
			r = SIM_XS_tx_bad_mbuf;
	} else {
		/* The packet given is the one ESP protects: its checksums
		 * first, then the engine builds and sums the outer header. */
		r = sim_tx_cksum_apply(p, w, e.proto) != 0 ?
		    SIM_XS_tx_bad_mbuf : proto_egress(p, sa, w, &e);
	}
	if (r != 0) {
		if (w != m)
			rte_pktmbuf_free(w);
		return r;
	}
	sim_count(p, SIM_XS_sec_tx_bytes, w->pkt_len);
	*out = w;
	return 0;
}

/* --- ingress ------------------------------------------------------------ */

struct ing {
	uint32_t l2, l3, esp_off, total;
	uint8_t *ip;
	bool v4, udp;
	uint32_t spi_be;
};

static bool
flow_match(const struct rte_flow *f, const struct ing *g)
{
	const uint8_t *dst, *src;
	unsigned int alen = g->v4 ? 4 : 16;

	if (f->lost)
		return false;	/* a reset took the rule out of the NIC */
	if ((f->family == 4 && !g->v4) || (f->family == 6 && g->v4))
		return false;
	if (f->udp && !g->udp)
		return false;	/* no UDP item: plain and NAT-T ESP both */
	if (f->has_spi && f->spi_be != g->spi_be)
		return false;
	if (f->sa != NULL && f->sa->spi_be != g->spi_be)
		return false;
	dst = g->v4 ? (const uint8_t *)&((struct rte_ipv4_hdr *)g->ip)->dst_addr :
		      ((struct rte_ipv6_hdr *)g->ip)->dst_addr;
	src = g->v4 ? (const uint8_t *)&((struct rte_ipv4_hdr *)g->ip)->src_addr :
		      ((struct rte_ipv6_hdr *)g->ip)->src_addr;
	if (f->has_dst && memcmp(f->dst, dst, alen) != 0)
		return false;
	if (f->has_src && memcmp(f->src, src, alen) != 0)
		return false;
	return true;
}

/* Parse L2/L3/[UDP]/ESP; false if this is not an ESP packet we can see. */
static bool
ing_parse(struct rte_mbuf *m, struct ing *g)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t type;
	uint8_t proto;

	g->l2 = RTE_ETHER_HDR_LEN;
	if (m->data_len < g->l2 + sizeof(struct rte_ipv4_hdr))
		return false;
	type = rte_be_to_cpu_16(((struct rte_ether_hdr *)d)->ether_type);
	if (type == RTE_ETHER_TYPE_VLAN) {
		g->l2 += 4;
		if (m->data_len < g->l2 + sizeof(struct rte_ipv4_hdr))
			return false;
		type = (uint16_t)(d[16] << 8 | d[17]);
	}
	g->ip = d + g->l2;
	if (type == RTE_ETHER_TYPE_IPV4 && (g->ip[0] >> 4) == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)g->ip;

		g->v4 = true;
		g->l3 = rte_ipv4_hdr_len(h);
		g->total = rte_be_to_cpu_16(h->total_length);
		proto = h->next_proto_id;
		if (h->fragment_offset & rte_cpu_to_be_16(
			RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
			return false;	/* the NIC leaves fragments alone */
	} else if (type == RTE_ETHER_TYPE_IPV6 && (g->ip[0] >> 4) == 6 &&
		   m->data_len >= g->l2 + sizeof(struct rte_ipv6_hdr)) {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)g->ip;

		g->v4 = false;
		g->l3 = sizeof(*h);
		g->total = g->l3 + rte_be_to_cpu_16(h->payload_len);
		proto = h->proto;
	} else {
		return false;
	}
	if (g->l3 < sizeof(struct rte_ipv4_hdr) || g->total < g->l3 ||
	    g->l2 + g->total > m->data_len)
		return false;
	g->udp = proto == IPPROTO_UDP;
	g->esp_off = g->l3 + (g->udp ? sizeof(struct rte_udp_hdr) : 0);
	if ((proto != IPPROTO_ESP && !g->udp) || g->total < g->esp_off + ESP_HDR_LEN)
		return false;
	memcpy(&g->spi_be, g->ip + g->esp_off, 4);
	return g->spi_be != 0;	/* 0 after UDP: IKE's non-ESP marker */
}

static bool
tunnel_ok(const struct sim_sa *sa, const struct ing *g)
{
	const struct rte_security_ipsec_tunnel_param *t = &sa->x.tunnel;
	unsigned int v = sa->x.options.tunnel_hdr_verify;

	if (!sa->tunnel || v == 0)
		return true;
	if (g->v4 != (t->type == RTE_SECURITY_IPSEC_TUNNEL_IPV4))
		return false;
	if (g->v4) {
		const struct rte_ipv4_hdr *h = (const void *)g->ip;

		if (memcmp(&h->dst_addr, &t->ipv4.dst_ip, 4) != 0)
			return false;
		return v != RTE_SECURITY_IPSEC_TUNNEL_VERIFY_SRC_DST_ADDR ||
		       memcmp(&h->src_addr, &t->ipv4.src_ip, 4) == 0;
	}
	if (memcmp(((const struct rte_ipv6_hdr *)g->ip)->dst_addr,
		   &t->ipv6.dst_addr, 16) != 0)
		return false;
	return v != RTE_SECURITY_IPSEC_TUNNEL_VERIFY_SRC_DST_ADDR ||
	       memcmp(((const struct rte_ipv6_hdr *)g->ip)->src_addr,
		      &t->ipv6.src_addr, 16) == 0;
}

/*
 * The inner datagram at @ip, @len bytes decrypted: its own length when
 * its header is sound (IPv4: IHL >= 5, IHL * 4 <= total length <= len;
 * IPv6: 40 + payload length <= len, no jumbogram), else 0. Bytes after
 * it are TFC padding (RFC 4303 section 2.7).
 */
static uint32_t
inner_len(const uint8_t *ip, uint32_t len)
{
	uint32_t hl, total;

	if ((ip[0] >> 4) == 4) {
		hl = (ip[0] & 0xfu) * 4u;
		total = (uint32_t)ip[2] << 8 | ip[3];
		if (hl < sizeof(struct rte_ipv4_hdr) || hl > total)
			return 0;
	} else {
		total = sizeof(struct rte_ipv6_hdr) +
			((uint32_t)ip[4] << 8 | ip[5]);
		if (total == sizeof(struct rte_ipv6_hdr) && ip[6] == 0)
			return 0;	/* hop-by-hop jumbogram: not ours */
	}
	return total <= len ? total : 0;
}

/*
 * Inline protocol ingress; returns 0 with *sn the 64-bit SN authenticated,
 * or the xstat of the failure.
 */
static int
proto_ingress(struct sim_port *p, struct sim_sa *sa, struct rte_mbuf *m,
	      struct ing *g, uint64_t *sn)
{
	uint8_t *esp = g->ip + g->esp_off, *ct, nh;
	uint8_t saved[SIM_JUMBO_ROOM];	/* the received bytes, until accepted */
	uint32_t ct_len, hdr, len, min_ct;
	uint64_t seq;
	int r;

	if (!tunnel_ok(sa, g))
		return SIM_XS_rx_sec_bad;
	if (g->udp != sa->udp)
		return SIM_XS_rx_sec_bad;
	if (g->udp && sa->x.options.udp_ports_verify) {
		const struct rte_udp_hdr *u = (const void *)(g->ip + g->l3);

		if (rte_be_to_cpu_16(u->src_port) != sa->x.udp.sport ||
		    rte_be_to_cpu_16(u->dst_port) != sa->x.udp.dport)
			return SIM_XS_rx_sec_bad;
	}
	min_ct = RTE_MAX((uint32_t)sa->pad_align, (uint32_t)ESP_TRAILER_LEN);
	if (g->total < g->esp_off + ESP_HDR_LEN + sa->iv_len + min_ct + sa->icv_len)
		return SIM_XS_rx_sec_bad;
	ct_len = g->total - g->esp_off - ESP_HDR_LEN - sa->iv_len - sa->icv_len;
	if (ct_len % sa->pad_align || ct_len > sizeof(saved))
		return SIM_XS_rx_sec_bad;

	r = dpsec_replay_check(sa->replay, get_be32(esp + 4), &seq);
	if (r != 0)
		return SIM_XS_rx_sec_replay;
	/*
	 * A failed packet is delivered as received: the crypto layer wipes
	 * plaintext that fails its ICV, and a bad trailer is found only after
	 * decryption, so the NIC keeps the ciphertext until it accepts.
	 */
	ct = esp + ESP_HDR_LEN + sa->iv_len;
	memcpy(saved, ct, ct_len);
	if (esp_crypt(p->sec, sa, esp, ct_len, seq, DPSEC_CRYPTO_DECRYPT) != 0) {
		r = SIM_XS_rx_sec_icv_fail;
		goto restore;
	}
	rte_spinlock_lock(&sa->lock);
	r = dpsec_replay_update(sa->replay, seq);
	rte_spinlock_unlock(&sa->lock);
	if (r != 0) {
		r = SIM_XS_rx_sec_replay;
		goto restore;
	}

	r = SIM_XS_rx_sec_bad;
	if (!esp_pad_check(ct, ct_len, &len, &nh))
		goto restore;
	hdr = g->esp_off + ESP_HDR_LEN + sa->iv_len;
	if (sa->tunnel &&
	    ((nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6) ||
	     len < (nh == ESP_NH_IPV4 ? sizeof(struct rte_ipv4_hdr) :
				    sizeof(struct rte_ipv6_hdr)) ||
	     (ct[0] >> 4) != (nh == ESP_NH_IPV4 ? 4 : 6)))
		goto restore;
	if (sa->tunnel) {
		/* Everything after here reads the inner header by its own
		 * fields: they must describe bytes that are there. */
		uint32_t in_len = inner_len(ct, len);

		if (in_len == 0) {
			r = SIM_XS_rx_sec_inner_bad;
			goto restore;
		}
		len = in_len;	/* TFC padding after it (RFC 4303 2.7) */
	}

	/* Accepted. Drop trailer, ICV and any link padding after it. */
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - (g->l2 + hdr + len)));
	if (sa->tunnel) {
		uint8_t l2h[32], otos = ip_tos(g->ip);

		memcpy(l2h, g->ip - g->l2, g->l2);
		rte_pktmbuf_adj(m, (uint16_t)hdr);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), l2h, g->l2);
		g->ip = rte_pktmbuf_mtod_offset(m, uint8_t *, g->l2);
		g->v4 = nh == ESP_NH_IPV4;
		/* copy_dscp on decapsulation: outer DSCP to the inner
		 * header (rte_security.h), the inner ECN kept. */
		if (sa->x.options.copy_dscp)
			inner_dscp_set(g->ip, otos);
		/* ecn: congestion marked outside reaches an ECN-capable
		 * inner header (RFC 6040 §4.2). */
		if (sa->x.options.ecn && esp_ecn_ce(otos, ip_tos(g->ip)))
			inner_ecn_ce(g->ip);
	} else {
		uint8_t *d = g->ip - g->l2;

		/* Transport: slide L2 + IP header up over UDP/ESP/IV. */
		memmove(d + hdr - g->l3, d, g->l2 + g->l3);
		rte_pktmbuf_adj(m, (uint16_t)(hdr - g->l3));
		g->ip = rte_pktmbuf_mtod_offset(m, uint8_t *, g->l2);
		ip_transport_set(g->ip, nh, m->pkt_len - g->l2);
	}
	put_be16(g->ip - 2, g->v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	if (sa->x.options.dec_ttl) {
		if (g->v4) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)g->ip;

			h->time_to_live--;
			h->hdr_checksum = 0;
			h->hdr_checksum = rte_ipv4_cksum(h);
		} else {
			((struct rte_ipv6_hdr *)g->ip)->hop_limits--;
		}
	}
	sa_account(sa, len);
	*sn = seq;
	return 0;
restore:
	memcpy(ct, saved, ct_len);
	return r;
}

/* Inline crypto ingress: decrypt in place, ESP framing left for SW. */
static int
crypto_ingress(struct sim_port *p, struct sim_sa *sa, struct ing *g)
{
	uint8_t *esp = g->ip + g->esp_off, *ct = esp + ESP_HDR_LEN + sa->iv_len;
	uint8_t saved[SIM_JUMBO_ROOM];
	uint32_t ct_len;
	uint64_t seq;

	if (g->total < g->esp_off + ESP_HDR_LEN + sa->iv_len + sa->icv_len + ESP_TRAILER_LEN)
		return SIM_XS_rx_sec_bad;
	ct_len = g->total - g->esp_off - ESP_HDR_LEN - sa->iv_len - sa->icv_len;
	if (ct_len % sa->pad_align || ct_len > sizeof(saved))
		return SIM_XS_rx_sec_bad;
	/* The window is software's; the NIC infers ESN from its top. */
	if (dpsec_replay_check(sa->replay, get_be32(esp + 4), &seq) != 0)
		seq = get_be32(esp + 4);
	memcpy(saved, ct, ct_len);
	if (esp_crypt(p->sec, sa, esp, ct_len, seq, DPSEC_CRYPTO_DECRYPT) != 0) {
		memcpy(ct, saved, ct_len);	/* delivered as received */
		return SIM_XS_rx_sec_icv_fail;
	}
	if (seq > dpsec_replay_top(sa->replay)) {
		rte_spinlock_lock(&sa->lock);
		dpsec_replay_update(sa->replay, seq);
		rte_spinlock_unlock(&sa->lock);
	}
	sa_account(sa, ct_len);
	return 0;
}

void
sim_sec_rx_sn_set(const struct sim_port *p, struct rte_mbuf *m, uint64_t sn)
{
	int off;

	if (sn == 0 || p->sec == NULL)
		return;
	off = __atomic_load_n(&p->sec->esp_sn_off, __ATOMIC_RELAXED);
	if (off >= 0)
		*RTE_MBUF_DYNFIELD(m, off, uint64_t *) = sn;
}

struct rte_mbuf *
sim_sec_ingress(struct sim_port *p, struct rte_mbuf *m, struct sim_sec_rx *rx)
{
	struct sim_sec *sec = p->sec;
	struct rte_flow *f;
	struct sim_sa *sa = NULL;
	struct rte_mbuf *w;
	struct ing g;
	bool hit = false;
	uint64_t sn = 0;
	int r;

	/* Whatever the sender's TX flags were, they are not ours; how the
	 * buffer is attached is the mbuf's own business. */
	m->ol_flags &= SIM_MBUF_F_BUF;
	rx->reass_sa = NULL;
	rx->esp_sn = 0;
	if (sec == NULL || TAILQ_EMPTY(&sec->flows))
		return m;
	w = linear(sec, m, false);
	if (w == NULL)
		return m;	/* no buffer: the frame passes untouched */
	w->ol_flags &= SIM_MBUF_F_BUF;
	if (!ing_parse(w, &g))
		goto untouched;
	rte_spinlock_lock(&sec->lock);
	TAILQ_FOREACH(f, &sec->flows, next) {
		if (flow_match(f, &g)) {
			hit = true;
			sa = f->sa != NULL ? f->sa :
			     sim_sec_lookup_spi(sec, g.spi_be);
			break;
		}
	}
	rte_spinlock_unlock(&sec->lock);
	if (!hit)
		goto untouched;
	if (sa != NULL && g.udp) {
		const struct rte_udp_hdr *u = (const void *)(g.ip + g.l3);

		/* UDP is ESP only on the SA's NAT-T port (RFC 3948). */
		if (!sa->udp ||
		    rte_be_to_cpu_16(u->dst_port) != sa->x.udp.dport)
			goto untouched;
	}
	if (sa == NULL) {
		/* A rule but no SA: the NIC punts it untouched. */
		sim_count(p, SIM_XS_rx_sec_no_sa, 1);
		goto untouched;
	}
	/* fault_punt: the engine gives up on it, untouched, no flag. */
	if (sim_fault_hit(p, &p->rx_prng, SIM_FAULT_PUNT)) {
		sim_count(p, SIM_XS_rx_fault_punt, 1);
		goto untouched;
	}
	if (w != m)
		rte_pktmbuf_free(m);
	m = w;
	if (sim_fault_hit(p, &p->rx_prng, SIM_FAULT_SPURIOUS_FAIL))
		r = SIM_XS_rx_fault_spurious_fail;	/* not even looked at */
	else if (__atomic_load_n(&sa->dead, __ATOMIC_ACQUIRE))
		r = SIM_XS_rx_sec_dead;
	else if (sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO)
		r = crypto_ingress(p, sa, &g);
	else
		r = proto_ingress(p, sa, m, &g, &sn);

	m->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD;
	if (r != 0) {
		m->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
		sim_count(p, (enum sim_xstat_id)r, 1);
		sa_error(sa);
	} else {
		sim_count(p, SIM_XS_sec_rx_packets, 1);
		sim_count(p, SIM_XS_sec_rx_bytes, m->pkt_len);
		rx->esp_sn = sn;	/* 0 for inline crypto */
		if (sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL &&
		    sa->x.options.ip_reassembly_en && sim_reass_enabled(p))
			rx->reass_sa = sa;
	}
	if (sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL)
		*rte_security_dynfield(m) = sa->userdata;
	if (r == 0 && sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL) {
		struct rte_net_hdr_lens hl;
		uint32_t ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_ALL_MASK);
		uint32_t l4 = ptype & RTE_PTYPE_L4_MASK;
		int bad;

		if (sa->x.options.ip_csum_enable && g.v4)
			m->ol_flags |= rte_ipv4_cksum(
				(struct rte_ipv4_hdr *)g.ip) == 0 ?
				RTE_MBUF_F_RX_IP_CKSUM_GOOD :
				RTE_MBUF_F_RX_IP_CKSUM_BAD;
		if (sa->x.options.l4_csum_enable &&
		    (l4 == RTE_PTYPE_L4_UDP || l4 == RTE_PTYPE_L4_TCP)) {
			bad = g.v4 ? rte_ipv4_udptcp_cksum_mbuf_verify(m,
				(struct rte_ipv4_hdr *)g.ip, hl.l2_len + hl.l3_len) :
				rte_ipv6_udptcp_cksum_mbuf_verify(m,
				(struct rte_ipv6_hdr *)g.ip, hl.l2_len + hl.l3_len);
			m->ol_flags |= bad ? RTE_MBUF_F_RX_L4_CKSUM_BAD :
					     RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		}
	}
	return m;
untouched:
	if (w != m)
		rte_pktmbuf_free(w);
	return m;
}
