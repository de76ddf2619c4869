/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_COMMON_ESP_WIRE_H
#define DPSEC_COMMON_ESP_WIRE_H

/*
 * ESP wire format helpers (RFC 4303), written once for the two engines
 * that build and take apart ESP: libdpsec's software datapath and
 * net_sim_inline's simulated inline engine. Header-only, no state, no
 * dependency on either side's structures.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_esp.h>
#include <rte_ip.h>

enum {
	ESP_HDR_LEN = sizeof(struct rte_esp_hdr),	/* SPI + SN */
	ESP_TRAILER_LEN = 2,				/* pad len + NH */
	ESP_NH_IPV4 = IPPROTO_IPIP,
	ESP_NH_IPV6 = IPPROTO_IPV6,
	ESP_NH_NONE = 59,	/* dummy packet, RFC 4303 §2.6 */
};

/* RFC 4106 §5 / RFC 7634 §2.1 AAD; 12 bytes with ESN, else 8. */
static inline uint16_t
esp_aad(uint8_t *aad, uint32_t spi_be, uint64_t seq, bool esn)
{
	uint32_t hi = rte_cpu_to_be_32((uint32_t)(seq >> 32));
	uint32_t lo = rte_cpu_to_be_32((uint32_t)seq);

	memcpy(aad, &spi_be, 4);
	if (esn) {
		memcpy(aad + 4, &hi, 4);
		memcpy(aad + 8, &lo, 4);
		return 12;
	}
	memcpy(aad + 4, &lo, 4);
	return 8;
}

/* RFC 4303 §2.4 default padding, 8 zero bytes in front (esp_pad_ok()). */
static const uint8_t esp_pad_seq[8 + 16] = {
	0, 0, 0, 0, 0, 0, 0, 0,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
};

/*
 * RFC 4303 §2.4: @pad bytes of the default padding 1, 2, 3, ... then the
 * Pad Length and Next Header fields, at @tail. With @room >= 16 writable
 * bytes at @tail (the trailer and an ICV follow the padding), a padding
 * of up to 14 bytes is one 16-byte copy; the fields then overwrite it.
 */
static inline void
esp_pad_fill(uint8_t *tail, uint32_t pad, uint8_t nh, uint32_t room)
{
	uint32_t i;

	if (pad + ESP_TRAILER_LEN <= 16 && room >= 16) {
		memcpy(tail, esp_pad_seq + 8, 16);
	} else {
		for (i = 0; i < pad; i++)
			tail[i] = (uint8_t)(i + 1);
	}
	tail[pad] = (uint8_t)pad;
	tail[pad + 1] = nh;
}

/*
 * Are the @pad bytes before @end 1, 2, ..., pad (RFC 4303 §2.4)? The 8
 * bytes before @end must be readable (ESP's header is always in front of
 * its payload): a padding of up to 8 bytes is then one masked compare.
 */
static inline bool
esp_pad_ok(const uint8_t *end, uint32_t pad)
{
	static const uint8_t mask[8 + 8] = {
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	uint64_t v, want, m;
	uint32_t i;

	if (pad <= 8) {
		memcpy(&v, end - 8, 8);
		memcpy(&want, esp_pad_seq + pad, 8);
		memcpy(&m, mask + pad, 8);
		return ((v ^ want) & m) == 0;
	}
	end -= pad;
	for (i = 0; i < pad; i++)
		if (end[i] != (uint8_t)(i + 1))
			return false;
	return true;
}

/*
 * The decrypted payload, padding and trailer at @ct (@ct_len bytes):
 * true with *@len the payload's length and *@nh its Next Header when the
 * Pad Length fits and the padding is the default one (RFC 4303 §2.4).
 */
static inline bool
esp_pad_check(const uint8_t *ct, uint32_t ct_len, uint32_t *len, uint8_t *nh)
{
	uint32_t i, pad;

	if (ct_len < ESP_TRAILER_LEN)
		return false;
	pad = ct[ct_len - 2];
	if (pad + ESP_TRAILER_LEN > ct_len)
		return false;
	for (i = 0; i < pad; i++)
		if (ct[ct_len - 2 - pad + i] != (uint8_t)(i + 1))
			return false;
	*len = ct_len - pad - ESP_TRAILER_LEN;
	*nh = ct[ct_len - 1];
	return true;
}

/* DSCP of an IPv4 TOS or IPv6 traffic class byte. */
static inline uint8_t
ip_tos(const void *ip)
{
	const uint8_t *b = ip;

	if ((b[0] >> 4) == 4)
		return ((const struct rte_ipv4_hdr *)ip)->type_of_service;
	return (uint8_t)(rte_be_to_cpu_32(
		((const struct rte_ipv6_hdr *)ip)->vtc_flow) >> 20);
}

static inline void
ip_set_tos(void *ip, uint8_t tos)
{
	uint8_t *b = ip;

	if ((b[0] >> 4) == 4) {
		((struct rte_ipv4_hdr *)ip)->type_of_service = tos;
	} else {
		struct rte_ipv6_hdr *h = ip;
		uint32_t v = rte_be_to_cpu_32(h->vtc_flow);

		v = (v & ~(0xffu << 20)) | ((uint32_t)tos << 20);
		h->vtc_flow = rte_cpu_to_be_32(v);
	}
}

/*
 * RFC 6040 §4.2 (normal mode): congestion marked on the outer header
 * (CE) reaches an ECN-capable inner header. (A Not-ECT inner packet under
 * a CE outer one is left as it is rather than dropped.)
 */
static inline bool
esp_ecn_ce(uint8_t outer_tos, uint8_t inner_tos)
{
	return (outer_tos & 0x3u) == 0x3u && (inner_tos & 0x3u) != 0 &&
	       (inner_tos & 0x3u) != 0x3u;
}

static inline void
ipv4_fix(struct rte_ipv4_hdr *ip, uint16_t total_len)
{
	ip->total_length = rte_cpu_to_be_16(total_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/*
 * The part of an option-less IPv4 header's checksum sum that a tunnel's
 * outer header template @t fixes for every packet: TTL and protocol,
 * source and destination (unfolded; ipv4_cksum_tmpl() adds the rest).
 */
static inline uint32_t
ipv4_cksum_base(const struct rte_ipv4_hdr *t)
{
	uint32_t s;
	uint16_t w;

	memcpy(&w, &t->time_to_live, sizeof(w));	/* with next_proto_id */
	s = w;
	s += (t->src_addr & 0xffff) + (t->src_addr >> 16);
	s += (t->dst_addr & 0xffff) + (t->dst_addr >> 16);
	return s;
}

/*
 * The checksum of an option-less IPv4 header that is template @t (whose
 * ipv4_cksum_base() is @base) with @tos, @len, @id and @frag in place of
 * its own: summed from the template's precomputed part and the new
 * values, never from the header just written - a vector load over those
 * fresh narrow stores stalls on store forwarding (half of the tunnel
 * header's cost at 64 B).
 */
static inline rte_be16_t
ipv4_cksum_tmpl(const struct rte_ipv4_hdr *t, uint32_t base, uint8_t tos,
		rte_be16_t len, rte_be16_t id, rte_be16_t frag)
{
	const uint8_t w0[2] = { t->version_ihl, tos };
	uint32_t s = base + len + id + frag;
	uint16_t w;

	memcpy(&w, w0, sizeof(w));
	s += w;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (rte_be16_t)~s;
}

/*
 * Transport mode: the IP header at @ip now carries @proto (ESP or UDP on
 * the way out, the payload's protocol on the way in) and the datagram is
 * @total bytes long; its length fields (and IPv4 checksum) follow.
 */
static inline void
ip_transport_set(void *ip, uint8_t proto, uint32_t total)
{
	if ((*(const uint8_t *)ip >> 4) == 4) {
		struct rte_ipv4_hdr *h = ip;

		h->next_proto_id = proto;
		ipv4_fix(h, (uint16_t)total);
	} else {
		struct rte_ipv6_hdr *h = ip;

		h->proto = proto;
		h->payload_len = rte_cpu_to_be_16(
			(uint16_t)(total - sizeof(*h)));
	}
}

/* An IPv6 next header we cannot step over to find the transport header. */
static inline bool
ipv6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_AH || nh == 135 /* mobility */;
}

#endif /* DPSEC_COMMON_ESP_WIRE_H */
