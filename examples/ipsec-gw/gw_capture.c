/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --capture FILE: a pcapng of the packets the gateway drops, each with
 * its reason as the packet's comment ("drop: REPLAY: replayed or left of
 * the window"), readable by tshark and Wireshark (frame.comment).
 *
 * Workers hand a dropped mbuf to a ring instead of freeing it (when the
 * ring is full it is freed and counted as not captured); the main lcore
 * writes the ring out every few milliseconds and at the stop. DPDK 22.11's
 * rte_pcapng writes no per-packet comment, so the blocks are written here
 * (pcapng: section header, one interface per port and kind, enhanced
 * packet blocks with opt_comment). Two interfaces per port: the frame as
 * it arrived (Ethernet, for drops before the Ethernet header came off)
 * and the IP packet (raw IP, for drops after it: in the state the packet
 * had when it was dropped, e.g. ESP, or decrypted for a policy drop).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "gw.h"

enum {
	CAP_RING = 4096,
	CAP_SNAP = 65535,
	LINKTYPE_ETHERNET = 1,
	LINKTYPE_RAW = 101,
};

static FILE *cap;
static struct rte_ring *ring;
static uint64_t lost, written;

/* One block: type, length, body (padded to 4), options, length. */
static int
block(uint32_t type, const void *body, uint32_t blen, const void *opts,
      uint32_t olen)
{
	static const uint8_t pad[4];
	uint32_t bpad = (4 - blen % 4) % 4;
	uint32_t len = 12 + blen + bpad + olen;

	if (fwrite(&type, 4, 1, cap) != 1 || fwrite(&len, 4, 1, cap) != 1 ||
	    fwrite(body, 1, blen, cap) != blen ||
	    fwrite(pad, 1, bpad, cap) != bpad ||
	    (olen && fwrite(opts, 1, olen, cap) != olen) ||
	    fwrite(&len, 4, 1, cap) != 1)
		return -1;
	return 0;
}

/* Append option @code with @len bytes to @o (at *off), padded. */
static void
opt(uint8_t *o, size_t *off, uint16_t code, const void *v, uint16_t len)
{
	memcpy(o + *off, &code, 2);
	memcpy(o + *off + 2, &len, 2);
	memcpy(o + *off + 4, v, len);
	*off += 4 + len;
	while (*off % 4)
		o[(*off)++] = 0;
}

static int
header(void)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int64_t section_len;
	} __attribute__((packed)) shb = { 0x1a2b3c4d, 1, 0, -1 };
	uint8_t o[256];
	size_t off = 0;
	const char *app = "dpsec-ipsec-gw --capture";

	opt(o, &off, 4, app, (uint16_t)strlen(app));	/* shb_userappl */
	memset(o + off, 0, 4);				/* opt_endofopt */
	if (block(0x0a0d0d0a, &shb, sizeof(shb), o, (uint32_t)off + 4) != 0)
		return -1;
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		if (!gw.port[p].enabled)
			continue;
		for (int ip = 0; ip < 2; ip++) {
			struct {
				uint16_t linktype, reserved;
				uint32_t snaplen;
			} idb = { ip ? LINKTYPE_RAW : LINKTYPE_ETHERNET, 0,
				  CAP_SNAP };
			char name[48];

			snprintf(name, sizeof(name), "port%u-%s", p,
				 ip ? "ip" : "frame");
			off = 0;
			opt(o, &off, 2, name, (uint16_t)strlen(name));
			memset(o + off, 0, 4);
			if (block(1, &idb, sizeof(idb), o,
				  (uint32_t)off + 4) != 0)
				return -1;
		}
	}
	return 0;
}

int
gw_capture_open(const char *path)
{
	cap = fopen(path, "wb");
	if (cap == NULL) {
		fprintf(stderr, "error: --capture %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	ring = rte_ring_create("gw_capture", CAP_RING, SOCKET_ID_ANY,
			       RING_F_SC_DEQ);
	if (ring == NULL || header() != 0) {
		fprintf(stderr, "error: --capture %s: cannot start\n", path);
		gw_capture_close();
		return -1;
	}
	return 0;
}

bool
gw_capture_on(void)
{
	return ring != NULL;
}

/* Worker: keep @m for the capture (or free it). */
void
gw_capture_put(struct rte_mbuf *m, uint16_t port, unsigned int code,
	       bool is_ip)
{
	m->hash.usr = code | (is_ip ? GW_CAP_IP : 0) |
		      (uint32_t)port << GW_CAP_PORT_SHIFT;
	if (rte_ring_enqueue(ring, m) != 0) {
		__atomic_fetch_add(&lost, 1, __ATOMIC_RELAXED);
		rte_pktmbuf_free(m);
	}
}

static void
write_one(struct rte_mbuf *m)
{
	static uint8_t data[CAP_SNAP];
	uint32_t meta = m->hash.usr, code = meta & GW_CAP_CODE_MASK;
	uint16_t port = (uint16_t)(meta >> GW_CAP_PORT_SHIFT);
	bool is_ip = meta & GW_CAP_IP;
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)CAP_SNAP);
	const void *d = rte_pktmbuf_read(m, 0, len, data);
	static uint8_t body[20 + CAP_SNAP];
	uint8_t o[512];
	char text[300];
	struct timespec ts;
	uint64_t us;
	uint32_t w[5], ifid = 0;
	size_t off = 0;

	/* interface: the port's index among the enabled ones, x2 (+1 IP) */
	for (uint16_t p = 0; p < port; p++)
		ifid += gw.port[p].enabled ? 2 : 0;
	ifid += is_ip ? 1 : 0;
	if (code >= GW_CAP_GW)
		snprintf(text, sizeof(text), "drop: %s: %s",
			 gw_drop_name[code - GW_CAP_GW],
			 gw_drop_text[code - GW_CAP_GW]);
	else
		snprintf(text, sizeof(text), "drop: %s: %s",
			 code < DPSEC_R_MAX ? gw_reason_name[code] : "?",
			 dpsec_reason_str((enum dpsec_reason)code));
	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	w[0] = ifid;
	w[1] = (uint32_t)(us >> 32);
	w[2] = (uint32_t)us;
	w[3] = len;
	w[4] = rte_pktmbuf_pkt_len(m);
	memcpy(body, w, sizeof(w));
	if (d != NULL)
		memcpy(body + sizeof(w), d, len);
	else
		len = w[3] = 0;
	opt(o, &off, 1, text, (uint16_t)strlen(text));	/* opt_comment */
	memset(o + off, 0, 4);
	if (block(6, body, (uint32_t)sizeof(w) + len, o,
		  (uint32_t)off + 4) == 0)
		written++;
}

/* Main lcore: write what the workers queued. */
void
gw_capture_drain(void)
{
	struct rte_mbuf *m[64];
	unsigned int n;

	if (ring == NULL)
		return;
	while ((n = rte_ring_dequeue_burst(ring, (void **)m, RTE_DIM(m),
					   NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++)
			write_one(m[i]);
		rte_pktmbuf_free_bulk(m, n);
	}
}

void
gw_capture_close(void)
{
	gw_capture_drain();
	if (cap != NULL) {
		fclose(cap);
		printf("capture: %" PRIu64 " dropped packets written, %" PRIu64 " not captured (queue full)\n",
		       written, lost);
	}
	rte_ring_free(ring);
	ring = NULL;
	cap = NULL;
}
