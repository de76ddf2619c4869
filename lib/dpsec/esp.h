/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_PRIV_ESP_H
#define DPSEC_PRIV_ESP_H

/* ESP wire format helpers shared by esp_outb.c and esp_inb.c (RFC 4303). */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_esp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "sa.h"

enum {
	ESP_HDR_LEN = sizeof(struct rte_esp_hdr),	/* SPI + SN */
	ESP_TRAILER_LEN = 2,				/* pad len + NH */
	ESP_NH_IPV4 = IPPROTO_IPIP,
	ESP_NH_IPV6 = IPPROTO_IPV6,
	ESP_NH_NONE = 59,	/* dummy packet, RFC 4303 §2.6 */
};

/* Per-packet scratch for one crypto op of a burst. */
struct esp_op_buf {
	uint8_t nonce[16];		/* AEAD salt||IV; CBC IV copy */
	uint8_t aad[12];		/* SPI || [SN high] || SN low */
	uint8_t icv[DPSEC_MAX_ICV];	/* tag out (encrypt) / copy (decrypt) */
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

static inline void
ipv4_fix(struct rte_ipv4_hdr *ip, uint16_t total_len)
{
	ip->total_length = rte_cpu_to_be_16(total_len);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/*
 * The IP datagram at the front of @m ends at @total (IPv4 total length,
 * IPv6 40 + payload length); what follows it in the mbuf is link-layer
 * padding or trailer (Ethernet pads a frame to 60 bytes), not part of
 * the packet. Trim it; a datagram longer than the mbuf is malformed.
 */
static inline enum dpsec_reason
ip_trim(struct rte_mbuf *m, uint32_t total)
{
	uint32_t extra;

	if (total > m->pkt_len)
		return DPSEC_R_BAD_IP;
	extra = m->pkt_len - total;
	if (extra == 0)
		return DPSEC_R_NONE;
	if (extra > UINT16_MAX)
		return DPSEC_R_BAD_IP;
	/* The bytes to drop may span segments: linearize first then. */
	if (rte_pktmbuf_trim(m, (uint16_t)extra) != 0 &&
	    (rte_pktmbuf_linearize(m) != 0 ||
	     rte_pktmbuf_trim(m, (uint16_t)extra) != 0))
		return DPSEC_R_NOMEM;
	return DPSEC_R_NONE;
}

/* An IPv6 next header we cannot step over to find the transport header. */
static inline bool
ipv6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_AH || nh == 135 /* mobility */;
}

/* Refuse a whole burst the library cannot process (bad handle, no
 * crypto engine): every packet gets @r, none goes on. */
static inline uint16_t
burst_refuse(struct rte_mbuf *pkts[], uint16_t nb, enum dpsec_reason r)
{
	uint16_t i;

	for (i = 0; i < nb; i++)
		dpsec_mbuf_set_reason(pkts[i], r);
	return 0;
}

/* Move pkts with reason != NONE behind the good ones of this chunk, then
 * behind the good ones of earlier chunks ([0, good) already final). */
static inline uint16_t
esp_settle(struct rte_mbuf *pkts[], uint16_t good, uint16_t off, uint16_t n,
	   const uint8_t reason[])
{
	struct rte_mbuf *tmp[DPSEC_MAX_BURST];
	uint16_t g = compact_bad(pkts + off, reason, n, tmp);

	if (g > 0 && off > good) {
		/* [good, off) holds earlier bad ones: rotate this chunk's
		 * good ones in front of them. */
		memcpy(tmp, pkts + off, g * sizeof(*tmp));
		memmove(pkts + good + g, pkts + good,
			(off - good) * sizeof(*tmp));
		memcpy(pkts + good, tmp, g * sizeof(*tmp));
	}
	return good + g;
}

#endif /* DPSEC_PRIV_ESP_H */
