/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP inbound in software (RFC 4303 §3.4): parse, SAD lookup, read-only
 * replay check, one crypto burst, then per packet: window update (only
 * after the ICV verified, §3.4.3), trailer checks and decapsulation.
 */
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_security.h>

#include "esp.h"
#include "sad.h"

/* What parsing the outer headers found. */
struct inb_pkt {
	struct dpsec_sa *sa;
	uint32_t l3;			/* outer IP header length */
	uint32_t esp_off;		/* ESP header offset */
	uint32_t ct_len;		/* ciphertext (payload+pad+trailer) */
	uint64_t seq;			/* full sequence number */
	uint8_t udp;			/* NAT-T encapsulated */
	uint8_t proto;			/* decapsulated by the NIC */
	uint8_t v4;			/* proto: the inner packet is IPv4 */
};

/* Outer headers and ESP framing checks; no SA state is touched. (Inlined
 * in both groups of inb_chunk(): a call per packet showed in callgrind.) */
static __rte_always_inline enum dpsec_reason
inb_parse(struct dpsec_ctx *ctx, struct sad_cache *sc, struct rte_mbuf *m,
	  struct inb_pkt *p)
{
	const uint8_t *ip;
	const struct rte_esp_hdr *eh;
	struct dpsec_sa *sa;
	uint32_t total, min_ct;
	uint8_t proto;
	bool v4;
	int r;

	if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0)
		return DPSEC_R_NOMEM;
	ip = rte_pktmbuf_mtod(m, const uint8_t *);
	if (m->data_len < sizeof(struct rte_ipv4_hdr))
		return DPSEC_R_TRUNCATED;
	v4 = (ip[0] >> 4) == 4;
	if (v4) {
		const struct rte_ipv4_hdr *h = (const void *)ip;

		p->l3 = rte_ipv4_hdr_len(h);
		total = rte_be_to_cpu_16(h->total_length);
		if (p->l3 < sizeof(*h) || total < p->l3 || total > m->pkt_len)
			return DPSEC_R_BAD_IP;
		if (h->fragment_offset & rte_cpu_to_be_16(
			RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
			return DPSEC_R_UNSUPPORTED;	/* reassemble first */
		proto = h->next_proto_id;
	} else if ((ip[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *h = (const void *)ip;

		if (m->data_len < sizeof(*h))
			return DPSEC_R_TRUNCATED;
		p->l3 = sizeof(*h);
		total = sizeof(*h) + rte_be_to_cpu_16(h->payload_len);
		if (total > m->pkt_len)
			return DPSEC_R_BAD_IP;
		proto = h->proto;
	} else {
		return DPSEC_R_BAD_IP;
	}
	/* Link-layer padding past the IP datagram is not ours. */
	if (m->pkt_len > total)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - total));

	p->udp = 0;
	p->esp_off = p->l3;
	if (proto == IPPROTO_UDP) {
		const struct rte_udp_hdr *u = (const void *)(ip + p->l3);
		uint32_t zero = 0;

		/* RFC 3948 §2.2: a zero SPI is the non-ESP marker (IKE). */
		if (total < p->l3 + sizeof(*u) + 4 ||
		    rte_be_to_cpu_16(u->dgram_len) != total - p->l3)
			return DPSEC_R_BAD_UDP;
		if (memcmp(ip + p->l3 + sizeof(*u), &zero, 4) == 0)
			return DPSEC_R_NOT_ESP;
		p->udp = 1;
		p->esp_off += sizeof(*u);
	} else if (proto != IPPROTO_ESP) {
		return DPSEC_R_NOT_ESP;
	}
	if (total < p->esp_off + ESP_HDR_LEN)
		return DPSEC_R_TRUNCATED;
	eh = (const struct rte_esp_hdr *)(ip + p->esp_off);

	sa = sad_lookup_cached(ctx, sc, eh->spi, ip, v4);
	if (sa == NULL) {
		/* UDP off the IKE NAT-T port that belongs to no SA is just
		 * UDP (RFC 3948 §2.1); on port 4500 it is ESP we can't use. */
		const struct rte_udp_hdr *u = (const void *)(ip + p->l3);

		if (p->udp && u->dst_port != RTE_BE16(4500))
			return DPSEC_R_NOT_ESP;
		return DPSEC_R_NO_SA;
	}
	p->sa = sa;
	/* Lifetimes in seconds: once per run of packets of one SA. */
	if (sa != sc->timed) {
		sc->timed = sa;
		sa_time_check(sa);
	}
	if (unlikely(__atomic_load_n(&sa->state, __ATOMIC_ACQUIRE) ==
		     DPSEC_SA_DEAD))
		return DPSEC_R_SA_DEAD;
	if (p->udp) {
		const struct rte_udp_hdr *u = (const void *)(ip + p->l3);

		/* UDP is ESP only on the SA's NAT-T port (RFC 3948 §2.1). */
		if (!(sa->flags & DPSEC_SA_F_NATT))
			return DPSEC_R_BAD_UDP;
		if (rte_be_to_cpu_16(u->dst_port) != sa->natt_dport)
			return DPSEC_R_NOT_ESP;
	} else if (sa->flags & DPSEC_SA_F_NATT) {
		return DPSEC_R_BAD_UDP;
	}

	min_ct = RTE_MAX((uint32_t)sa->pad_align, (uint32_t)ESP_TRAILER_LEN);
	if (total < p->esp_off + ESP_HDR_LEN + sa->iv_len + min_ct +
		    sa->icv_len)
		return DPSEC_R_TRUNCATED;
	p->ct_len = total - p->esp_off - ESP_HDR_LEN - sa->iv_len -
		    sa->icv_len;
	/* pad_align is a power of two (crypto.c asserts it) */
	if ((p->ct_len & (sa->pad_align - 1u)) != 0)
		return DPSEC_R_BAD_LENGTH;

	r = dpsec_replay_check(&sa->replay, rte_be_to_cpu_32(eh->seq),
			       &p->seq);
	if (r != 0)
		return DPSEC_R_REPLAY;
	return DPSEC_R_NONE;
}

static __rte_always_inline void
inb_op(const struct inb_pkt *p, struct rte_mbuf *m, struct dpsec_crypto_op *o,
       struct esp_op_buf *b)
{
	const struct dpsec_sa *sa = p->sa;
	uint8_t *esp = rte_pktmbuf_mtod_offset(m, uint8_t *, p->esp_off);
	uint8_t *iv = esp + ESP_HDR_LEN;
	uint8_t *ct = iv + sa->iv_len;
	uint8_t *icv = ct + p->ct_len;
	bool esn = sa->flags & DPSEC_SA_F_ESN;

	memset(o, 0, sizeof(*o));
	o->key = sa->key;
	o->dir = DPSEC_CRYPTO_DECRYPT;
	o->src = ct;
	o->dst = ct;
	o->len = p->ct_len;
	if (sa->aead) {
		memcpy(b->nonce, sa->salt, 4);
		memcpy(b->nonce + 4, iv, 8);
		o->iv = b->nonce;
		o->aad_len = esp_aad(b->aad, sa->spi_be, p->seq, esn);
		o->aad = b->aad;
		o->icv = icv;
		return;
	}
	o->iv = iv;
	o->auth_src = esp;
	o->auth_len = ESP_HDR_LEN + sa->iv_len + p->ct_len;
	if (esn) {
		/* RFC 4303 §2.2.1: MAC covers SN high bits after the
		 * payload; borrow the ICV's place, verify against a copy. */
		uint32_t hi = rte_cpu_to_be_32((uint32_t)(p->seq >> 32));

		memcpy(b->icv, icv, sa->icv_len);
		memcpy(icv, &hi, 4);
		o->auth_len += 4;
		o->icv = b->icv;
	} else {
		o->icv = icv;
	}
}

/*
 * RFC 6040 §4.2 (normal mode): congestion marked on the outer header
 * (CE) reaches an ECN-capable inner header. (A Not-ECT inner packet under
 * a CE outer one is left as it is rather than dropped.)
 */
static inline bool
ecn_ce(uint8_t outer_tos, uint8_t inner_tos)
{
	return (outer_tos & 0x3u) == 0x3u && (inner_tos & 0x3u) != 0 &&
	       (inner_tos & 0x3u) != 0x3u;
}

/* After the ICV verified: trailer, then strip ESP (and the outer header). */
static enum dpsec_reason
inb_decap(const struct inb_pkt *p, struct rte_mbuf *m, uint32_t *inner_len)
{
	const struct dpsec_sa *sa = p->sa;
	uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ct = ip + p->esp_off + ESP_HDR_LEN + sa->iv_len;
	uint8_t pad = ct[p->ct_len - 2], nh = ct[p->ct_len - 1];
	uint32_t len, hdr = p->esp_off + ESP_HDR_LEN + sa->iv_len;
	uint8_t outer_tos = ip_tos(ip);

	if ((uint32_t)pad + ESP_TRAILER_LEN > p->ct_len)
		return DPSEC_R_BAD_PAD;
	if (!esp_pad_ok(ct + p->ct_len - ESP_TRAILER_LEN, pad))
		return DPSEC_R_BAD_PAD;	/* RFC 4303 §2.4 */
	len = p->ct_len - pad - ESP_TRAILER_LEN;
	/* one segment since inb_parse(); the trailer and ICV are within it */
	seg1_trim(m, (uint16_t)(pad + ESP_TRAILER_LEN + sa->icv_len));

	if (sa->mode == DPSEC_SA_TUNNEL) {
		uint8_t *in = ct;

		if (nh == ESP_NH_NONE)
			return DPSEC_R_BAD_NEXT_HDR;	/* TFC dummy */
		if (nh == ESP_NH_IPV4) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)in;
			uint8_t tos;

			/* Every field checked against the bytes present
			 * before the checksum below reads IHL * 4 of them
			 * (invariant 6, doc/security_model.md). */
			if (len < sizeof(*h) || (in[0] >> 4) != 4 ||
			    rte_ipv4_hdr_len(h) < sizeof(*h) ||
			    rte_ipv4_hdr_len(h) > len ||
			    rte_be_to_cpu_16(h->total_length) != len)
				return DPSEC_R_BAD_IP;
			tos = h->type_of_service;
			if (sa->flags & DPSEC_SA_F_COPY_DSCP)
				tos = (outer_tos & ~0x3u) | (tos & 0x3u);
			if (ecn_ce(outer_tos, tos))
				tos |= 0x3u;
			if (tos != h->type_of_service) {
				h->type_of_service = tos;
				ipv4_fix(h, (uint16_t)len);
			}
		} else if (nh == ESP_NH_IPV6) {
			struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)in;

			if (len < sizeof(*h) || (in[0] >> 4) != 6 ||
			    rte_be_to_cpu_16(h->payload_len) + sizeof(*h) != len)
				return DPSEC_R_BAD_IP;
			if (sa->flags & DPSEC_SA_F_COPY_DSCP)
				ip_set_tos(h, (outer_tos & ~0x3u) |
					      (ip_tos(h) & 0x3u));
			if (ecn_ce(outer_tos, ip_tos(h)))
				ip_set_tos(h, ip_tos(h) | 0x3u);
		} else {
			return DPSEC_R_BAD_NEXT_HDR;
		}
		seg1_adj(m, (uint16_t)hdr);
		m->packet_type = nh == ESP_NH_IPV4 ? RTE_PTYPE_L3_IPV4 :
						     RTE_PTYPE_L3_IPV6;
		/* The inner header, as for the NIC's (proto_done()). */
		m->l3_len = nh == ESP_NH_IPV4 ?
			    rte_ipv4_hdr_len((const struct rte_ipv4_hdr *)in) :
			    sizeof(struct rte_ipv6_hdr);
	} else {
		if (nh == ESP_NH_NONE)
			return DPSEC_R_BAD_NEXT_HDR;
		/* Transport: slide the IP header up over UDP/ESP/IV. */
		memmove(ip + hdr - p->l3, ip, p->l3);
		ip = seg1_adj(m, (uint16_t)(hdr - p->l3));
		if ((ip[0] >> 4) == 4) {
			struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

			h->next_proto_id = nh;
			ipv4_fix(h, (uint16_t)m->pkt_len);
			m->packet_type = RTE_PTYPE_L3_IPV4;
		} else {
			struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;

			h->proto = nh;
			h->payload_len = rte_cpu_to_be_16(
				(uint16_t)(m->pkt_len - sizeof(*h)));
			m->packet_type = RTE_PTYPE_L3_IPV6;
		}
		m->l3_len = p->l3;
	}
	m->l2_len = 0;
	*inner_len = len;
	return DPSEC_R_NONE;
}

/* The NIC's inner (tunnel) or restored (transport) packet, as we give it
 * (its header was parsed by proto_sa()). */
static enum dpsec_reason
proto_done(const struct inb_pkt *p, struct rte_mbuf *m, uint32_t *inner_len)
{
	m->packet_type = p->v4 ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV6;
	m->l3_len = p->l3;
	m->l2_len = 0;
	*inner_len = m->pkt_len;
	return DPSEC_R_NONE;
}

/* A drop of @sa (NULL: none found), on the lcore of counter slot @slot. */
static inline void
count_drop(struct dpsec_sa *sa, uint32_t slot, enum dpsec_reason r)
{
	if (sa != NULL)
		sa_count_drops(sa, slot, r, 1);
}

/*
 * Did the NIC decrypt this packet? Its flags count only for an SA that
 * has a session on the port it came in on: a NIC cannot vouch for an SA
 * it does not hold. (Not the current placement: packets the NIC decrypted
 * just before dpsec_sa_move() took the SA to software are still good.)
 * A failure it reports is final (invariant 3, doc/security_model.md).
 */
static inline bool
nic_verdict(const struct inb_pkt *p, const struct rte_mbuf *m,
	    uint8_t *reason)
{
	/* Called for packets with RTE_MBUF_F_RX_SEC_OFFLOAD only. */
	if (!p->sa->nic_ok ||
	    m->port != p->sa->port_id)
		return false;
	*reason = (m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED) ?
		  DPSEC_R_NIC_FAILED : DPSEC_R_NONE;
	return true;
}

/* What a chunk's NIC checks depend on, read once per chunk (inb_chunk()):
 * a change of the context's SAs during a chunk is as if it came after. */
struct inb_env {
	bool proto_in;		/* some inbound SA had an inline-protocol
				 * session, the security dynfield exists */
	bool natt_in;		/* some inbound SA is NAT-T */
};

/* The IP header at the front of a packet (proto_sa()). */
struct ip_front {
	uint32_t l3;			/* header length */
	uint32_t total;			/* datagram length it gives */
	uint8_t proto;			/* next header */
	bool v4;
	bool ok;			/* a header within the first segment */
};

/*
 * Read the IP header at the front of @m, checked within the bytes present
 * (IPv4 IHL >= 5, IHL * 4 <= total length and within the segment; IPv6 40
 * bytes), for proto_sa()'s two questions: what the NIC decapsulated, and
 * whether it is ESP of one of our SAs.
 */
static inline void
ip_front_read(const struct rte_mbuf *m, struct ip_front *f)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);

	f->l3 = f->total = 0;
	f->proto = 0;
	f->v4 = f->ok = false;
	if (m->data_len < sizeof(struct rte_ipv4_hdr))
		return;
	f->v4 = (ip[0] >> 4) == 4;
	if (f->v4) {
		const struct rte_ipv4_hdr *h = (const void *)ip;

		f->l3 = rte_ipv4_hdr_len(h);
		f->total = rte_be_to_cpu_16(h->total_length);
		f->proto = h->next_proto_id;
		f->ok = f->l3 >= sizeof(*h) && f->total >= f->l3 &&
			f->l3 <= m->data_len;
	} else if ((ip[0] >> 4) == 6 &&
		   m->data_len >= sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *h = (const void *)ip;

		f->l3 = sizeof(*h);
		f->total = sizeof(*h) + rte_be_to_cpu_16(h->payload_len);
		f->proto = h->proto;
		f->ok = true;
	}
}

/*
 * Is a packet whose front header is @f ESP of one of our SAs (ESP or
 * UDP-ESP, an SPI in the SAD)? A NIC that decrypted it as inline crypto
 * leaves the security dynfield as it was, possibly the id of an
 * inline-protocol SA from the mbuf's previous life: such a packet must
 * not be taken for one the NIC decapsulated.
 */
static bool
is_our_esp(const struct dpsec_ctx *ctx, struct sad_cache *sc,
	   const struct rte_mbuf *m, const struct ip_front *f, bool natt_in)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off;

	/* UDP can be ESP only if some inbound SA is NAT-T: an inner UDP
	 * packet costs no SAD lookup otherwise. */
	if (!f->ok || (f->proto != IPPROTO_ESP &&
		       (f->proto != IPPROTO_UDP || !natt_in)))
		return false;
	off = f->l3 + (f->proto == IPPROTO_UDP ?
		       sizeof(struct rte_udp_hdr) : 0);
	if (m->data_len < off + ESP_HDR_LEN)
		return false;
	return sad_lookup_cached(ctx, sc,
			       ((const struct rte_esp_hdr *)(ip + off))->spi,
			       ip, f->v4) != NULL;
}

/*
 * The SA of a packet the NIC decapsulated as inline protocol: the id in
 * the security dynfield names a live inbound SA that has had a protocol
 * session (this one, or one before a move or a re-push: its packets may
 * still be in the RX queues) on the port it came in on, and the packet is
 * not ESP of one of ours. NULL for anything else. *f: its front header
 * (linearized first), for proto_parse().
 */
static inline struct dpsec_sa *
proto_sa(struct dpsec_ctx *ctx, const struct inb_env *env,
	 struct sad_cache *sc, struct rte_mbuf *m, struct ip_front *f)
{
	uint64_t uid;
	struct dpsec_sa *sa;

	/* Called for packets with RTE_MBUF_F_RX_SEC_OFFLOAD only. */
	if (!env->proto_in)
		return NULL;
	uid = *rte_security_dynfield(m);
	sa = sa_of_uid(ctx, uid);
	if (sa == NULL || sa->dir != DPSEC_SA_INBOUND ||
	    !sa->proto_seen || m->port != sa->port_id)
		return NULL;
	if (m->nb_segs == 1 || rte_pktmbuf_linearize(m) == 0)
		ip_front_read(m, f);
	else
		*f = (struct ip_front){ .ok = false };
	if (is_our_esp(ctx, sc, m, f, env->natt_in))
		return NULL;
	return sa;
}

/*
 * A packet the NIC decapsulated (front header @f): its verdict and its
 * IP header, checked as software checks what it decrypts (invariant 6 of
 * doc/security_model.md: nothing reads past the packet; bytes after the
 * datagram, a NIC's or the wire's padding, trimmed). The number it
 * reports goes to the window in inb_chunk()'s second pass, which checks
 * it there (no crypto to save by checking it earlier).
 */
static enum dpsec_reason
proto_parse(struct dpsec_sa *sa, struct sad_cache *sc, struct rte_mbuf *m,
	    const struct ip_front *f, struct inb_pkt *p)
{
	p->sa = sa;
	p->proto = 1;
	if (sa != sc->timed) {
		sc->timed = sa;
		sa_time_check(sa);
	}
	if (m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)
		return DPSEC_R_NIC_FAILED;	/* invariant 3, doc/security_model.md */
	if (unlikely(__atomic_load_n(&sa->state, __ATOMIC_ACQUIRE) ==
		     DPSEC_SA_DEAD))
		return DPSEC_R_SA_DEAD;
	if (!f->ok)
		return m->nb_segs > 1 ? DPSEC_R_NOMEM : DPSEC_R_BAD_IP;
	p->l3 = f->l3;
	p->v4 = f->v4;
	p->seq = *RTE_MBUF_DYNFIELD(m, dpsec_esp_sn_dynfield_offset,
				    const uint64_t *);
	return ip_trim(m, f->total);
}

/*
 * A packet the NIC flagged (RTE_MBUF_F_RX_SEC_OFFLOAD): decapsulated by
 * an inline-protocol session, decrypted by an inline-crypto one (its
 * verdict final), or, for an SA the NIC cannot vouch for, ESP that
 * software decrypts (*crypto set).
 */
static enum dpsec_reason
inb_nic_pkt(struct dpsec_ctx *ctx, const struct inb_env *env,
	    struct sad_cache *sc, uint32_t slot, struct rte_mbuf *m,
	    struct inb_pkt *p, bool *crypto)
{
	struct ip_front f;
	struct dpsec_sa *psa = proto_sa(ctx, env, sc, m, &f);
	enum dpsec_reason r;
	uint8_t v;

	*crypto = false;
	if (unlikely(psa != NULL)) {
		r = proto_parse(psa, sc, m, &f, p);	/* decapsulated, verified */
		if (r != DPSEC_R_NONE)
			count_drop(psa, slot, r);
		return r;
	}
	r = inb_parse(ctx, sc, m, p);
	if (r != DPSEC_R_NONE) {
		count_drop(p->sa, slot, r);
		return r;
	}
	if (nic_verdict(p, m, &v)) {
		if (v != DPSEC_R_NONE)
			count_drop(p->sa, slot, (enum dpsec_reason)v);
		return (enum dpsec_reason)v;	/* decrypted, ICV checked */
	}
	*crypto = true;
	return DPSEC_R_NONE;
}

static uint16_t
inb_chunk(struct dpsec_ctx *ctx, struct dpsec_crypto_engine *eng,
	  struct rte_mbuf *pkts[], uint16_t n, uint8_t reason[],
	  struct dpsec_sa *sas[])
{
	struct inb_pkt p[DPSEC_MAX_BURST];
	struct esp_op_buf buf[DPSEC_MAX_BURST];
	struct dpsec_crypto_op op[DPSEC_MAX_BURST];
	struct dpsec_crypto_op *cops[DPSEC_MAX_BURST];
	/* Per packet: its crypto op, &nic_done, or NULL (dropped early). */
	struct dpsec_crypto_op *st[DPSEC_MAX_BURST];
	struct dpsec_crypto_op nic_done = { .status = 0 };
	uint16_t ncops = 0;
	struct dpsec_sa *run_sa = NULL, *locked = NULL;
	uint64_t run_pkts = 0, run_bytes = 0;
	struct sad_cache sc;
	struct inb_env env;
	uint16_t i, good = 0;
	uint32_t slot = ctx_lc_slot(ctx);
	bool crypto;

	/*
	 * Split by what the NIC did (the RTE_MBUF_F_RX_SEC_OFFLOAD flag, in
	 * the spirit of rte_ipsec_pkt_crypto_group()): packets it did not
	 * flag are plain ESP for software, parsed without the NIC checks;
	 * flagged ones go through them (inb_nic_pkt()). A branch per packet
	 * rather than two index lists: deferring the flagged ones to a
	 * second pass cost ~9 instructions a packet in callgrind. From the
	 * crypto burst on, packets are taken in their order in the burst.
	 */
	sad_cache_init(ctx, &sc);
	env.proto_in = __atomic_load_n(&ctx->nb_proto_in, __ATOMIC_RELAXED) != 0 &&
		       rte_security_dynfield_is_registered();
	env.natt_in = __atomic_load_n(&ctx->nb_natt_in, __ATOMIC_RELAXED) != 0;
	for (i = 0; i < n; i++) {
		p[i].sa = NULL;
		p[i].proto = 0;
		st[i] = NULL;
		if (pkts[i]->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD) {
			reason[i] = inb_nic_pkt(ctx, &env, &sc, slot, pkts[i],
						&p[i], &crypto);
			if (reason[i] != DPSEC_R_NONE)
				continue;
			if (!crypto) {
				st[i] = &nic_done;
				continue;
			}
		} else {
			reason[i] = inb_parse(ctx, &sc, pkts[i], &p[i]);
			if (reason[i] != DPSEC_R_NONE) {
				count_drop(p[i].sa, slot, reason[i]);
				continue;
			}
		}
		inb_op(&p[i], pkts[i], &op[ncops], &buf[ncops]);
		st[i] = cops[ncops] = &op[ncops];
		ncops++;
	}
	if (ncops > 0)
		dpsec_crypto_burst(eng, cops, ncops);

	/*
	 * Invariant 2 (doc/security_model.md): the window moves only now, for packets whose ICV
	 * verified; each number is re-checked under the SA's replay_lock so
	 * racing lcores deliver it once. The lock is taken once per run of
	 * consecutive packets of the same SA (once per burst for a one-SA
	 * burst), not per packet.
	 */
	for (i = 0; i < n; i++) {
		struct inb_pkt *pk = &p[i];

		if (st[i] == NULL)
			continue;
		if (st[i]->status != 0) {
			/* Invariant 3 (doc/security_model.md): dropped, never retried. */
			reason[i] = DPSEC_R_AUTH;
			continue;
		}
		if (pk->sa != locked) {
			if (locked != NULL)
				rte_spinlock_unlock(&locked->replay_lock);
			locked = pk->sa;
			rte_spinlock_lock(&locked->replay_lock);
		}
		if (dpsec_replay_update(&locked->replay, pk->seq) != 0)
			reason[i] = DPSEC_R_REPLAY;
	}
	if (locked != NULL)
		rte_spinlock_unlock(&locked->replay_lock);

	for (i = 0; i < n; i++) {
		struct inb_pkt *pk = &p[i];
		struct dpsec_sa *sa = pk->sa;
		uint32_t len = 0;

		if (st[i] == NULL)
			continue;
		if (reason[i] != DPSEC_R_NONE) {
			count_drop(sa, slot, reason[i]);
			continue;
		}
		if (pk->proto)
			reason[i] = proto_done(pk, pkts[i], &len);
		else
			reason[i] = inb_decap(pk, pkts[i], &len);
		if (reason[i] != DPSEC_R_NONE) {
			count_drop(sa, slot, reason[i]);
			continue;
		}
		if (sas != NULL)
			sas[good] = sa_handle(sa);
		good++;
		if (sa != run_sa) {
			if (run_sa != NULL)
				sa_account(run_sa, slot, run_pkts, run_bytes);
			run_sa = sa;
			run_pkts = run_bytes = 0;
		}
		run_pkts++;
		run_bytes += len;
	}
	if (run_sa != NULL)
		sa_account(run_sa, slot, run_pkts, run_bytes);
	return good;
}

uint16_t
dpsec_inbound(struct dpsec_ctx *ctx, struct rte_mbuf *pkts[], uint16_t nb,
	      struct dpsec_sa *sa_out[])
{
	struct dpsec_crypto_engine *eng;
	uint8_t reason[DPSEC_MAX_BURST];
	unsigned int lc = rte_lcore_id();
	uint16_t off, n, good = 0;

	if (unlikely(!ctx_live(ctx))) {
		DPSEC_LOG_RL(ERR, "dpsec_inbound: %s context %p",
			     ctx == NULL ? "NULL" : "freed or invalid",
			     (void *)ctx);
		return burst_refuse(pkts, nb, DPSEC_R_BAD_HANDLE);
	}
	eng = ctx_engine(ctx);
	if (unlikely(eng == NULL)) {
		DPSEC_LOG_RL(ERR, "dpsec_inbound: lcore %u has no crypto "
			     "engine in context %s", lc, ctx->name);
		return burst_refuse(pkts, nb, DPSEC_R_UNSUPPORTED);
	}
	rte_rcu_qsbr_thread_online(ctx->qsbr, lc);
	for (off = 0; off < nb; off += n) {
		n = RTE_MIN((uint16_t)(nb - off), (uint16_t)DPSEC_MAX_BURST);
		uint16_t g = inb_chunk(ctx, eng, pkts + off, n, reason,
				       sa_out != NULL ? sa_out + good : NULL);

		if (likely(g == n && good == off))
			good += n;	/* all delivered, nothing to move */
		else
			good = esp_settle(pkts, good, off, n, reason);
	}
	rte_rcu_qsbr_thread_offline(ctx->qsbr, lc);
	return good;
}

struct dpsec_sa *
dpsec_sa_lookup(struct dpsec_ctx *ctx, uint32_t spi,
		const struct dpsec_addr *dst, const struct dpsec_addr *src)
{
	struct dpsec_sa *sa;

	if (!ctx_ok(ctx, __func__)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (src != NULL && (dst == NULL || src->family != dst->family))
		src = NULL;	/* no SPI+dst+src key can match */
	sa = sad_lookup(ctx, rte_cpu_to_be_32(spi),
			dst != NULL ? dst->family : 0,
			dst == NULL ? NULL : dst->family == 4 ?
			(const void *)&dst->v4 : (const void *)dst->v6,
			src == NULL ? NULL : src->family == 4 ?
			(const void *)&src->v4 : (const void *)src->v6);
	if (sa != NULL)
		return sa_handle(sa);
	rte_errno = ENOENT;
	return NULL;
}
