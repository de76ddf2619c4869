/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_PRIV_ESP_H
#define DPSEC_PRIV_ESP_H

/*
 * What esp_outb.c and esp_inb.c share beyond the wire format, which
 * lives in lib/common/esp_wire.h (shared with net_sim_inline).
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_esp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "esp_wire.h"
#include "sa.h"

/* Per-packet scratch for one crypto op of a burst. */
struct esp_op_buf {
	uint8_t nonce[16];		/* AEAD salt||IV; CBC IV copy */
	uint8_t aad[12];		/* SPI || [SN high] || SN low */
	uint8_t icv[DPSEC_MAX_ICV];	/* tag out (encrypt) / copy (decrypt) */
};

/*
 * rte_pktmbuf_trim() / rte_pktmbuf_adj() for a one-segment mbuf with at
 * least @len bytes (the inbound path linearizes before it parses): no
 * walk to the last segment, no checks left to make.
 */
static inline void
seg1_trim(struct rte_mbuf *m, uint16_t len)
{
	RTE_ASSERT(m->nb_segs == 1 && len <= m->data_len);
	m->data_len = (uint16_t)(m->data_len - len);
	m->pkt_len -= len;
}

static inline uint8_t *
seg1_adj(struct rte_mbuf *m, uint16_t len)
{
	RTE_ASSERT(m->nb_segs == 1 && len <= m->data_len);
	m->data_off = (uint16_t)(m->data_off + len);
	m->data_len = (uint16_t)(m->data_len - len);
	m->pkt_len -= len;
	return rte_pktmbuf_mtod(m, uint8_t *);
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
