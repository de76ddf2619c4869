/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP outbound in software (RFC 4303 §3.3): sequence numbers reserved for
 * the whole burst at once, headers and trailers built per packet, then one
 * crypto burst for all of them.
 */

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_security.h>

#include "esp.h"

/*
 * Reserve up to @n sequence numbers: returns how many, the first being
 * *first. Never hands out a number past sa->seq_max, never twice (CAS).
 */
static uint16_t
seq_reserve(struct dpsec_sa *sa, uint16_t n, uint64_t *first)
{
	uint64_t cur = __atomic_load_n(&sa->seq, __ATOMIC_RELAXED);
	uint64_t take;

	do {
		if (cur >= sa->seq_max)
			return 0;
		take = RTE_MIN((uint64_t)n, sa->seq_max - cur);
	} while (!__atomic_compare_exchange_n(&sa->seq, &cur, cur + take,
					      true, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	*first = cur + 1;
	return (uint16_t)take;
}

/*
 * What the packet is to the SA: the next header ESP will carry, the length
 * it protects and, transport, the IP header length. Shared by software
 * framing and inline protocol, so both refuse the same packets. ESP
 * protects the IP datagram as its header gives its length, in every
 * placement: bytes after it in the mbuf (link-layer padding) are trimmed
 * here, before anything is framed or handed to the NIC.
 */
static __rte_always_inline enum dpsec_reason
outb_classify(const struct dpsec_sa *sa, struct rte_mbuf *m, uint8_t mode,
	      uint8_t *nhp, uint32_t *lenp, uint32_t *l3p)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t l3, total;
	enum dpsec_reason r;
	uint8_t nh, ver;

	if (m->data_len < 1)
		return DPSEC_R_BAD_IP;
	ver = ip[0] >> 4;
	if (ver == 4) {
		const struct rte_ipv4_hdr *h = (const void *)ip;

		if (m->data_len < sizeof(*h))
			return DPSEC_R_BAD_IP;
		l3 = rte_ipv4_hdr_len(h);
		total = rte_be_to_cpu_16(h->total_length);
		if (l3 < sizeof(*h) || l3 > m->data_len || total < l3)
			return DPSEC_R_BAD_IP;
		nh = h->next_proto_id;
		if (mode == DPSEC_SA_TRANSPORT &&
		    (h->fragment_offset & rte_cpu_to_be_16(
			RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return DPSEC_R_UNSUPPORTED;	/* RFC 4303 §3.3.4 */
	} else if (ver == 6 && m->data_len >= sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *h = (const void *)ip;

		l3 = sizeof(*h);
		total = l3 + rte_be_to_cpu_16(h->payload_len);
		nh = h->proto;
		if (mode == DPSEC_SA_TRANSPORT && ipv6_ext(nh))
			return DPSEC_R_UNSUPPORTED;
	} else {
		return DPSEC_R_BAD_IP;
	}
	if (mode == DPSEC_SA_TRANSPORT && sa->dst_family != 0 &&
	    ver != sa->dst_family)
		return DPSEC_R_POLICY;
	r = ip_trim(m, total);
	if (r != DPSEC_R_NONE)
		return r;
	if (mode == DPSEC_SA_TUNNEL) {
		*nhp = ver == 4 ? ESP_NH_IPV4 : ESP_NH_IPV6;
		*lenp = total;
		*l3p = 0;
	} else {
		*nhp = nh;
		*lenp = total - l3;
		*l3p = l3;
	}
	return DPSEC_R_NONE;
}

/*
 * The TX metadata of a packet dpsec hands back (doc/programmers_guide.md,
 * "What dpsec_sa_outbound() hands back"): no L2 header yet (l2_len 0, the
 * application sets it when it prepends one, as a NIC needs it to find
 * the IP header: ixgbe builds its context descriptor from l2_len and
 * l3_len), the length of the IP header at the front, its version, and
 * none of the application's checksum requests: they were about the
 * plaintext packet, which ESP now hides (software, inline crypto: dpsec
 * computed the outer IPv4 checksum) or which the NIC encrypts as it is
 * (inline protocol: dpsec asks no session for inner checksums), so the
 * application computes its checksums before outbound. The NIC mark is
 * the caller's to set.
 */
static inline void
outb_tx_meta(struct rte_mbuf *m, bool v4, uint32_t l3, uint32_t ptype)
{
	m->l2_len = 0;
	m->l3_len = l3;
	m->packet_type = (v4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6) | ptype;
	m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM |
			 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 |
			 RTE_MBUF_F_TX_SEC_OFFLOAD);
	m->ol_flags |= v4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
}

/*
 * Inline protocol: the NIC builds all of ESP with the number software
 * reserved for the packet; software checks and marks it.
 */
static enum dpsec_reason
outb_proto(const struct dpsec_sa *sa, struct rte_mbuf *m, uint32_t *inner_len)
{
	const uint8_t *ip;
	enum dpsec_reason r;
	uint32_t l3;
	uint8_t nh;

	r = outb_classify(sa, m, sa->mode, &nh, inner_len, &l3);
	if (r != DPSEC_R_NONE)
		return r;
	ip = rte_pktmbuf_mtod(m, const uint8_t *);
	/* The IP header the NIC's ESP goes after (transport) or around
	 * (tunnel): the packet's own. */
	outb_tx_meta(m, (ip[0] >> 4) == 4, (ip[0] >> 4) == 4 ?
		     rte_ipv4_hdr_len((const struct rte_ipv4_hdr *)ip) :
		     sizeof(struct rte_ipv6_hdr), 0);
	rte_security_set_pkt_metadata(sa->sec, sa->sess, m, NULL);
	m->ol_flags |= RTE_MBUF_F_TX_SEC_OFFLOAD;
	return DPSEC_R_NONE;
}

/*
 * Tunnel (RFC 4303 §3.1.2): the SA's outer header template in front of
 * ESP, its DSCP/ECN (RFC 6040), DF and lengths from the inner packet at
 * @ip (next header @nh). Returns the outer IP header length.
 */
static uint32_t
outb_tun_hdr(const struct dpsec_sa *sa, uint8_t *hdr, const uint8_t *ip,
	     uint8_t nh, uint64_t seq, uint32_t pkt_len)
{
	uint8_t tos = ip_tos(ip);

	if (sa->outer_family == 4) {
		const struct rte_ipv4_hdr *t =
			(const struct rte_ipv4_hdr *)sa->hdr;
		struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)hdr;
		uint8_t otos = t->type_of_service;
		rte_be16_t frag = t->fragment_offset;

		/* Constant sizes: no libc call (with NAT-T, the UDP header
		 * follows the IPv4 one in the template). */
		if (sa->hdr_len == sizeof(*o))
			memcpy(hdr, sa->hdr, sizeof(*o));
		else
			memcpy(hdr, sa->hdr, sizeof(*o) +
			       sizeof(struct rte_udp_hdr));
		if (sa->flags & DPSEC_SA_F_COPY_DSCP)
			otos = tos & ~0x3u;
		otos |= tos & 0x3u;  /* ECN, RFC 6040 */
		if ((sa->flags & DPSEC_SA_F_COPY_DF) && nh == ESP_NH_IPV4 &&
		    (((const struct rte_ipv4_hdr *)ip)->fragment_offset &
		     rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)))
			frag = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		o->type_of_service = otos;
		o->fragment_offset = frag;
		o->packet_id = rte_cpu_to_be_16((uint16_t)seq);
		o->total_length = rte_cpu_to_be_16((uint16_t)pkt_len);
		o->hdr_checksum = ipv4_cksum_tmpl(t, sa->hdr_sum, otos,
						  o->total_length,
						  o->packet_id, frag);
		return sizeof(struct rte_ipv4_hdr);
	} else {
		struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)hdr;
		uint8_t tc = tos & 0x3u;

		if (sa->hdr_len == sizeof(*o))
			memcpy(hdr, sa->hdr, sizeof(*o));
		else
			memcpy(hdr, sa->hdr, sizeof(*o) +
			       sizeof(struct rte_udp_hdr));
		if (sa->flags & DPSEC_SA_F_COPY_DSCP)
			tc |= tos & ~0x3u;
		ip_set_tos(o, tc);
		o->payload_len = rte_cpu_to_be_16(
			(uint16_t)(pkt_len - sizeof(*o)));
		return sizeof(struct rte_ipv6_hdr);
	}
}

/*
 * Transport (RFC 4303 §3.1.1): the packet's IP header (@l3 bytes at @ip)
 * moves to the front, ESP (in UDP with NAT-T) after it.
 */
static void
outb_trs_hdr(const struct dpsec_sa *sa, uint8_t *hdr, const uint8_t *ip,
	     uint32_t l3, bool udp, uint32_t pkt_len)
{
	memmove(hdr, ip, l3);
	if ((hdr[0] >> 4) == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)hdr;

		h->next_proto_id = udp ? IPPROTO_UDP : IPPROTO_ESP;
		ipv4_fix(h, (uint16_t)pkt_len);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)hdr;

		h->proto = udp ? IPPROTO_UDP : IPPROTO_ESP;
		h->payload_len = rte_cpu_to_be_16(
			(uint16_t)(pkt_len - sizeof(*h)));
	}
	if (udp) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(hdr + l3);

		u->src_port = rte_cpu_to_be_16(sa->natt_sport);
		u->dst_port = rte_cpu_to_be_16(sa->natt_dport);
	}
}

/*
 * Build the ESP packet around the payload, for an SA of mode @mode (a
 * constant in each specialised path). On return *esp points at the ESP
 * header, *pl at the payload to encrypt (plen bytes, padded).
 */
static __rte_always_inline enum dpsec_reason
outb_frame(const struct dpsec_sa *sa, struct rte_mbuf *m, uint8_t mode,
	   uint64_t seq, uint8_t **esp, uint32_t *plen, uint32_t *inner_len)
{
	uint8_t *ip, *tail, nh, *hdr;
	uint32_t len, padded, pad, l3 = 0, tail_len, hdr_len;
	uint16_t udp_len = (sa->flags & DPSEC_SA_F_NATT) ?
			   sizeof(struct rte_udp_hdr) : 0;
	struct rte_esp_hdr *eh;
	enum dpsec_reason r;

	if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0)
		return DPSEC_R_NOMEM;
	r = outb_classify(sa, m, mode, &nh, &len, &l3);
	if (r != DPSEC_R_NONE)
		return r;
	ip = rte_pktmbuf_mtod(m, uint8_t *);

	/* RFC 4303 §2.4: payload + pad + 2 aligned to the cipher's block. */
	padded = RTE_ALIGN_CEIL(len + ESP_TRAILER_LEN, sa->pad_align);
	pad = padded - len - ESP_TRAILER_LEN;
	tail_len = pad + ESP_TRAILER_LEN + sa->icv_len;
	hdr_len = (mode == DPSEC_SA_TUNNEL ? sa->hdr_len : udp_len) +
		  ESP_HDR_LEN + sa->iv_len;

	if (rte_pktmbuf_tailroom(m) < tail_len ||
	    rte_pktmbuf_headroom(m) < hdr_len)
		return DPSEC_R_NOMEM;
	tail = (uint8_t *)rte_pktmbuf_append(m, tail_len);
	esp_pad_fill(tail, pad, nh, tail_len);

	hdr = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hdr_len);
	if (mode == DPSEC_SA_TUNNEL)
		l3 = outb_tun_hdr(sa, hdr, ip, nh, seq, m->pkt_len);
	else
		outb_trs_hdr(sa, hdr, ip, l3, udp_len != 0, m->pkt_len);
	if (udp_len) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(hdr + l3);

		u->dgram_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - l3));
		u->dgram_cksum = 0;	/* RFC 3948 §2.1 */
	}

	eh = (struct rte_esp_hdr *)(hdr + l3 + udp_len);
	eh->spi = sa->spi_be;
	eh->seq = rte_cpu_to_be_32((uint32_t)seq);
	*esp = (uint8_t *)eh;
	*plen = padded;
	*inner_len = len;

	/* The outer (tunnel) or the packet's (transport) IP header, then
	 * ESP, in UDP with NAT-T. */
	outb_tx_meta(m, (hdr[0] >> 4) == 4, l3, RTE_PTYPE_TUNNEL_ESP |
		     (udp_len ? RTE_PTYPE_L4_UDP : 0));
	return DPSEC_R_NONE;
}

/* RFC 3602 §2: CBC IVs must be unpredictable; false if none could be had. */
static inline bool
outb_cbc_ivs(const struct dpsec_sa *sa, struct dpsec_crypto_engine *eng,
	     uint8_t *rnd, uint16_t n)
{
	return sa->aead || sa->iv_len == 0 || n == 0 ||
	       dpsec_crypto_rand(eng, rnd, (size_t)n * sa->iv_len) == 0;
}

/*
 * The burst functions of an outbound SA, one per [placement][mode]
 * (outb_select), chosen when the SA is placed or moved: each gets @n
 * packets with the sequence numbers first.. reserved for them and
 * returns how many went on, reason[] set for every packet.
 */

/* Inline protocol: the NIC builds all of ESP (both modes). */
static uint16_t
outb_proto_burst(struct dpsec_sa *sa, struct dpsec_crypto_engine *eng,
		 struct rte_mbuf *pkts[], uint16_t n, uint8_t reason[],
		 uint64_t first, uint64_t *bytes)
{
	uint16_t i, good = 0;
	uint32_t len;

	RTE_SET_USED(eng);
	RTE_SET_USED(first);
	for (i = 0; i < n; i++) {
		/* first + i is reserved for it: the NIC's count never
		 * passes ours (dpsec_sa_move()). */
		reason[i] = outb_proto(sa, pkts[i], &len);
		if (reason[i] == DPSEC_R_NONE) {
			*bytes += len;
			good++;
		}
	}
	return good;
}

/* Inline crypto: software frames it (our SN space, our IV); the NIC
 * encrypts and writes the ICV on the way out. */
static __rte_always_inline uint16_t
outb_ic(struct dpsec_sa *sa, struct dpsec_crypto_engine *eng,
	struct rte_mbuf *pkts[], uint16_t n, uint8_t reason[], uint64_t first,
	uint64_t *bytes, uint8_t mode)
{
	uint8_t rnd[DPSEC_MAX_BURST * 16];
	uint16_t i, good = 0;

	if (!outb_cbc_ivs(sa, eng, rnd, n)) {
		memset(reason, DPSEC_R_NOMEM, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint64_t seq = first + i;
		uint8_t *esp = NULL, *iv;
		uint32_t plen = 0, len = 0;

		reason[i] = outb_frame(sa, m, mode, seq, &esp, &plen, &len);
		if (reason[i] != DPSEC_R_NONE)
			continue;
		iv = esp + ESP_HDR_LEN;
		if (sa->aead) {
			uint64_t be = rte_cpu_to_be_64(seq);

			memcpy(iv, &be, 8);
		} else {
			memcpy(iv, rnd + i * sa->iv_len, sa->iv_len);
		}
		rte_security_set_pkt_metadata(sa->sec, sa->sess, m, NULL);
		m->ol_flags |= RTE_MBUF_F_TX_SEC_OFFLOAD;
		*bytes += len;
		good++;
	}
	return good;
}

/* Software: frame every packet, then one crypto burst for all of them. */
static __rte_always_inline uint16_t
outb_sw(struct dpsec_sa *sa, struct dpsec_crypto_engine *eng,
	struct rte_mbuf *pkts[], uint16_t n, uint8_t reason[],
	uint64_t first, uint64_t *bytes, uint8_t mode)
{
	struct esp_op_buf buf[DPSEC_MAX_BURST];
	struct dpsec_crypto_op op[DPSEC_MAX_BURST];
	struct dpsec_crypto_op *ops[DPSEC_MAX_BURST];
	uint32_t idx[DPSEC_MAX_BURST], inner[DPSEC_MAX_BURST];
	uint8_t rnd[DPSEC_MAX_BURST * 16];
	bool esn = sa->flags & DPSEC_SA_F_ESN;
	uint16_t i, k, nops = 0, good = 0;

	if (!outb_cbc_ivs(sa, eng, rnd, n)) {
		memset(reason, DPSEC_R_NOMEM, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct dpsec_crypto_op *o = &op[nops];
		uint64_t seq = first + i;
		uint8_t *esp = NULL, *iv, *pl;
		uint32_t plen = 0;

		reason[i] = outb_frame(sa, pkts[i], mode, seq, &esp, &plen,
				       &inner[nops]);
		if (reason[i] != DPSEC_R_NONE)
			continue;
		iv = esp + ESP_HDR_LEN;
		pl = iv + sa->iv_len;
		memset(o, 0, sizeof(*o));
		o->key = sa->key;
		o->dir = DPSEC_CRYPTO_ENCRYPT;
		o->src = pl;
		o->dst = pl;
		o->len = plen;
		if (sa->aead) {
			/* RFC 4106 §3.1: the IV must not repeat under a key;
			 * the 64-bit sequence number never does. */
			uint64_t be = rte_cpu_to_be_64(seq);

			memcpy(iv, &be, 8);
			memcpy(buf[nops].nonce, sa->salt, 4);
			memcpy(buf[nops].nonce + 4, &be, 8);
			o->iv = buf[nops].nonce;
			o->aad_len = esp_aad(buf[nops].aad, sa->spi_be, seq, esn);
			o->aad = buf[nops].aad;
			o->icv = pl + plen;
		} else {
			uint8_t *icv = pl + plen;

			memcpy(iv, rnd + i * sa->iv_len, sa->iv_len);
			o->iv = iv;
			o->auth_src = esp;
			o->auth_len = ESP_HDR_LEN + sa->iv_len + plen;
			if (esn) {
				/* RFC 4303 §2.2.1: SN high bits are MACed
				 * after the payload but not sent; they sit
				 * where the ICV goes until it is written. */
				uint32_t hi = rte_cpu_to_be_32(
					(uint32_t)(seq >> 32));

				memcpy(icv, &hi, 4);
				o->auth_len += 4;
				o->icv = buf[nops].icv;
			} else {
				o->icv = icv;
			}
		}
		idx[nops] = i;
		ops[nops] = o;
		nops++;
	}

	if (nops > 0)
		dpsec_crypto_burst(eng, ops, nops);
	for (k = 0; k < nops; k++) {
		struct dpsec_crypto_op *o = ops[k];

		if (unlikely(o->status != 0)) {
			reason[idx[k]] = DPSEC_R_UNSUPPORTED;
			continue;
		}
		if (o->icv == buf[k].icv)
			memcpy(o->dst + o->len, buf[k].icv, sa->icv_len);
		*bytes += inner[k];
		good++;
	}
	return good;
}

#define OUTB_FN(name, body) \
static uint16_t \
name(struct dpsec_sa *sa, struct dpsec_crypto_engine *eng, \
     struct rte_mbuf *pkts[], uint16_t n, uint8_t reason[], uint64_t first, \
     uint64_t *bytes) \
{ \
	RTE_SET_USED(eng); \
	return body; \
}
OUTB_FN(outb_sw_tun, outb_sw(sa, eng, pkts, n, reason, first, bytes,
			     DPSEC_SA_TUNNEL))
OUTB_FN(outb_sw_trs, outb_sw(sa, eng, pkts, n, reason, first, bytes,
			     DPSEC_SA_TRANSPORT))
OUTB_FN(outb_ic_tun, outb_ic(sa, eng, pkts, n, reason, first, bytes,
			     DPSEC_SA_TUNNEL))
OUTB_FN(outb_ic_trs, outb_ic(sa, eng, pkts, n, reason, first, bytes,
			     DPSEC_SA_TRANSPORT))
#undef OUTB_FN

/* What an outbound SA's packets go through, by [placement][mode]. */
static const sa_outb_fn outb_fn[][2] = {
	[DPSEC_PLACE_SW] = {
		[DPSEC_SA_TUNNEL] = outb_sw_tun,
		[DPSEC_SA_TRANSPORT] = outb_sw_trs,
	},
	[DPSEC_PLACE_INLINE_CRYPTO] = {
		[DPSEC_SA_TUNNEL] = outb_ic_tun,
		[DPSEC_SA_TRANSPORT] = outb_ic_trs,
	},
	[DPSEC_PLACE_INLINE_PROTOCOL] = {
		[DPSEC_SA_TUNNEL] = outb_proto_burst,
		[DPSEC_SA_TRANSPORT] = outb_proto_burst,
	},
};

/*
 * Place @sa at @p: its burst function first, then the placement, both
 * with release stores, so a burst that reads sa->outb (acquire) sees the
 * session fields the function uses (set before this call). Inbound SAs
 * have no burst function: the NIC's flags on each packet decide there.
 */
void
sa_placement_set(struct dpsec_sa *sa, enum dpsec_placement p)
{
	/* Only an inline-protocol session numbers packets itself: any
	 * other placement lifts the ceiling before it takes the packets. */
	if (p != DPSEC_PLACE_INLINE_PROTOCOL)
		sa_ceiling_lift(sa);
	if (sa->dir == DPSEC_SA_OUTBOUND)
		__atomic_store_n(&sa->outb, outb_fn[p][sa->mode],
				 __ATOMIC_RELEASE);
	__atomic_store_n(&sa->placement, p, __ATOMIC_RELEASE);
}

/* How long a burst waits for an SA's move to its NIC (below), in
 * milliseconds: the control thread only updates a session meanwhile. */
#define OUTB_MOVE_WAIT_MS 20u

/*
 * A software chunk reserved numbers above the SA's software ceiling: an
 * inline-protocol session is taking the SA over (seq_nic_start()) and
 * those numbers are the NIC's to use. Wait for the NIC path (then the
 * reservation is only counted, as for every NIC frame), or for the
 * ceiling to go (the move failed). NULL: it took too long.
 */
static sa_outb_fn
outb_wait_nic(struct dpsec_sa *sa, uint64_t last)
{
	uint64_t end = 0;

	for (;;) {
		sa_outb_fn f = __atomic_load_n(&sa->outb, __ATOMIC_ACQUIRE);
		uint64_t now;

		if (f == outb_proto_burst ||
		    last <= __atomic_load_n(&sa->sw_ceiling, __ATOMIC_SEQ_CST))
			return f;
		now = rte_get_timer_cycles();
		if (end == 0)
			end = now + rte_get_timer_hz() / 1000 *
			      OUTB_MOVE_WAIT_MS;
		else if (now > end)
			return NULL;
		rte_pause();
	}
}

/*
 * One chunk: sequence numbers for all of it at once (a CAS), those past
 * the SA's last usable number dropped, then the SA's burst function.
 */
static uint16_t
outb_chunk(struct dpsec_sa *sa, sa_outb_fn *fnp,
	   struct dpsec_crypto_engine *eng, struct rte_mbuf *pkts[],
	   uint16_t n, uint8_t reason[], uint64_t *bytes, bool *exhausted)
{
	sa_outb_fn fn = *fnp;
	uint64_t first = 0;
	uint16_t i, take;

	if (unlikely(__atomic_load_n(&sa->state, __ATOMIC_ACQUIRE) ==
		     DPSEC_SA_DEAD)) {
		memset(reason, DPSEC_R_SA_DEAD, n);
		return 0;
	}
	take = seq_reserve(sa, n, &first);
	for (i = take; i < n; i++)
		reason[i] = DPSEC_R_SEQ_OVERFLOW;
	if (take < n)
		*exhausted = true;	/* raised after this burst's count */
	if (take == 0)
		return 0;
	/* Software must not use a number an inline-protocol session may
	 * take (invariant 1, doc/security_model.md): after a ceiling, the
	 * NIC path. */
	if (unlikely(first + take - 1 >
		     __atomic_load_n(&sa->sw_ceiling, __ATOMIC_SEQ_CST)) &&
	    fn != outb_proto_burst) {
		fn = outb_wait_nic(sa, first + take - 1);
		if (fn == NULL) {
			memset(reason, DPSEC_R_SA_MOVING, take);
			return 0;
		}
		*fnp = fn;
	}
	return fn(sa, eng, pkts, take, reason, first, bytes);
}

uint16_t
dpsec_sa_outbound(struct dpsec_sa *h, struct rte_mbuf *pkts[], uint16_t nb)
{
	struct dpsec_ctx *ctx;
	struct dpsec_sa *sa;
	struct dpsec_crypto_engine *eng;
	sa_outb_fn fn;
	uint8_t reason[DPSEC_MAX_BURST];
	uint64_t drops[DPSEC_R_MAX];
	uint64_t bytes = 0, ok = 0;
	bool dropped = false;
	unsigned int lc = rte_lcore_id();
	uint16_t off, n, good = 0, i;
	uint32_t slot;
	bool exhausted = false;

	/* The handle is resolved once per burst, online in the context's
	 * RCU: a concurrent destroy waits for this burst before it frees
	 * the SA (sa.h, "Handles"). */
	ctx = ctx_of_handle(h);
	if (unlikely(ctx == NULL)) {
		DPSEC_LOG_RL(ERR, "dpsec_sa_outbound: %s SA handle %p",
			     h == NULL ? "NULL" : "stale or invalid",
			     (void *)h);
		return burst_refuse(pkts, nb, DPSEC_R_BAD_HANDLE);
	}
	eng = ctx_engine(ctx);
	if (unlikely(eng == NULL)) {
		/* Not an lcore dpsec_create() saw: no crypto engine. */
		DPSEC_LOG_RL(ERR, "dpsec_sa_outbound: lcore %u has no crypto "
			     "engine in context %s", lc, ctx->name);
		return burst_refuse(pkts, nb, DPSEC_R_UNSUPPORTED);
	}
	rte_rcu_qsbr_thread_online(ctx->qsbr, lc);
	sa = sa_of_uid(ctx, (uintptr_t)h);
	if (unlikely(sa == NULL || sa->dir != DPSEC_SA_OUTBOUND)) {
		if (sa == NULL)
			DPSEC_LOG_RL(ERR, "dpsec_sa_outbound: stale SA handle "
				     "%p (destroyed?)", (void *)h);
		else
			DPSEC_LOG_RL(ERR, "dpsec_sa_outbound: SA 0x%08x is "
				     "not an outbound SA", sa->conf.spi);
		rte_rcu_qsbr_thread_offline(ctx->qsbr, lc);
		return burst_refuse(pkts, nb, DPSEC_R_BAD_HANDLE);
	}
	/* Before the packets: those after a hard deadline are SA_DEAD. */
	sa_time_check(sa);
	/* Read once: dpsec_sa_move() may change it under us. */
	fn = __atomic_load_n(&sa->outb, __ATOMIC_ACQUIRE);
	for (off = 0; off < nb; off += n) {
		n = RTE_MIN((uint16_t)(nb - off), (uint16_t)DPSEC_MAX_BURST);
		uint16_t c = outb_chunk(sa, &fn, eng, pkts + off, n, reason,
					&bytes, &exhausted);

		ok += c;
		if (likely(c == n && good == off)) {
			good += n;	/* all went on, nothing to move */
			continue;
		}
		if (!dropped) {
			memset(drops, 0, sizeof(drops));
			dropped = true;
		}
		for (i = 0; i < n; i++)
			drops[reason[i]]++;
		good = esp_settle(pkts, good, off, n, reason);
	}

	slot = ctx_lc_slot(ctx);
	for (i = 1; dropped && i < DPSEC_R_MAX; i++)
		if (drops[i])
			sa_count_drops(sa, slot, (enum dpsec_reason)i, drops[i]);
	sa_account(sa, slot, ok, bytes);
	if (exhausted)
		sa_raise(sa, sa->seq_max_is_hard ? DPSEC_EV_HARD_EXPIRED :
						   DPSEC_EV_SEQ_EXHAUSTED);
	/* Last: the SA may be freed as soon as this lcore is offline. */
	rte_rcu_qsbr_thread_offline(ctx->qsbr, lc);
	return good;
}
