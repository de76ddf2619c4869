/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pcap wire: receive the frames of rx_pcap once, in order (or, with
 * infinite_rx=1, over and over: the file is read into memory at probe);
 * write what is transmitted to tx_pcap (Ethernet link type, microsecond
 * timestamps).
 */
#include <errno.h>
#include <sys/time.h>

#include <pcap/pcap.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "sim_inline.h"

enum { PCAP_POOL_SIZE = 511, PCAP_SNAPLEN = 65535 };
/* infinite_rx: at most this much of rx_pcap is held in memory. */
#define PCAP_LOOP_MAX_FRAMES 65535u	/* a uint16_t reference count each */
#define PCAP_LOOP_MAX_BYTES (256u << 20)

/* One frame of rx_pcap held for infinite_rx. */
struct loop_frame {
	uint32_t off, len;
};

struct pcap_wire {
	pcap_t *rx;
	bool rx_eof;
	pcap_t *dead;
	pcap_dumper_t *tx;
	rte_spinlock_t tx_lock;
	struct rte_mempool *mp;		/* frames read from rx_pcap */
	/* infinite_rx: the frames of rx_pcap, replayed round robin, each an
	 * mbuf over the file's bytes (an external buffer) that the wire
	 * lends: one more reference per frame on the wire, none copied. The
	 * RX engine never writes a shared buffer (it copies one it must
	 * change, as it copies any frame that is not its own). lf: where
	 * each frame is in ldata, while the file is read. */
	struct loop_frame *lf;
	uint8_t *ldata;
	uint32_t nb_lf, next_lf;
	struct rte_mempool *lpool;
	struct rte_mbuf **lm;
	struct rte_mbuf_ext_shared_info lshinfo;
	uint8_t lin[PCAP_SNAPLEN];	/* a chained frame made linear */
};

static void
pw_lend_free_cb(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(opaque);	/* the bytes go with the wire (pw_close) */
}

/* infinite_rx: one mbuf per frame, over the frame's bytes. */
static int
pw_lend_init(struct sim_port *p, struct pcap_wire *w)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	rte_iova_t iova = rte_malloc_virt2iova(w->ldata);

	snprintf(pname, sizeof(pname), "simloop%u", p->dev->data->port_id);
	w->lpool = rte_pktmbuf_pool_create(pname, w->nb_lf, 0, 0, 0,
					   p->dev->device->numa_node);
	w->lm = rte_zmalloc("sim_pcap_loop", w->nb_lf * sizeof(*w->lm), 0);
	if (w->lpool == NULL || w->lm == NULL ||
	    rte_pktmbuf_alloc_bulk(w->lpool, w->lm, w->nb_lf) != 0) {
		SIM_LOG(ERR, "%s: infinite_rx: no memory for %u frames",
			p->dev->data->name, w->nb_lf);
		return -1;
	}
	w->lshinfo.free_cb = pw_lend_free_cb;
	w->lshinfo.fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&w->lshinfo, (uint16_t)RTE_MIN(w->nb_lf,
						UINT16_MAX));
	for (uint32_t i = 0; i < w->nb_lf; i++) {
		struct rte_mbuf *m = w->lm[i];
		uint8_t *d = w->ldata + w->lf[i].off;

		rte_pktmbuf_attach_extbuf(m, d, iova == RTE_BAD_IOVA ?
					  RTE_BAD_IOVA : iova + w->lf[i].off,
					  (uint16_t)w->lf[i].len, &w->lshinfo);
		m->data_len = (uint16_t)w->lf[i].len;
		m->pkt_len = w->lf[i].len;
	}
	return 0;
}

/*
 * infinite_rx: read every frame of rx_pcap into memory. A frame the port
 * could not receive (truncated record, runt, beyond the port's frame
 * limit) refuses the file: replayed forever it would be counted forever.
 */
static int
pw_load(struct sim_port *p, struct pcap_wire *w)
{
	const char *name = p->dev->data->name;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint32_t cap = 256, used = 0, bytes_cap = 1u << 20;
	int r;

	w->lf = rte_malloc("sim_pcap_loop", cap * sizeof(*w->lf), 0);
	w->ldata = rte_malloc("sim_pcap_loop", bytes_cap, 0);
	if (w->lf == NULL || w->ldata == NULL)
		goto nomem;
	while ((r = pcap_next_ex(w->rx, &h, &data)) == 1) {
		if (h->caplen < h->len || h->caplen < RTE_ETHER_HDR_LEN ||
		    h->caplen > SIM_MAX_RX_PKTLEN) {
			SIM_LOG(ERR, "%s: infinite_rx: frame %u of %s is %s (%u "
				"of %u bytes): cannot replay it", name,
				w->nb_lf + 1, p->da.rx_pcap,
				h->caplen < h->len ? "truncated" :
				h->caplen < RTE_ETHER_HDR_LEN ? "a runt" :
				"too long", h->caplen, h->len);
			return -1;
		}
		if (w->nb_lf == PCAP_LOOP_MAX_FRAMES ||
		    used + h->caplen > PCAP_LOOP_MAX_BYTES) {
			SIM_LOG(ERR, "%s: infinite_rx: %s holds more than %u "
				"frames or %u MiB", name, p->da.rx_pcap,
				PCAP_LOOP_MAX_FRAMES, PCAP_LOOP_MAX_BYTES >> 20);
			return -1;
		}
		if (w->nb_lf == cap) {
			void *n = rte_realloc(w->lf, 2 * cap * sizeof(*w->lf),
					      0);

			if (n == NULL)
				goto nomem;
			w->lf = n;
			cap *= 2;
		}
		while (used + h->caplen > bytes_cap) {
			void *n = rte_realloc(w->ldata, 2 * bytes_cap, 0);

			if (n == NULL)
				goto nomem;
			w->ldata = n;
			bytes_cap *= 2;
		}
		memcpy(w->ldata + used, data, h->caplen);
		w->lf[w->nb_lf].off = used;
		w->lf[w->nb_lf].len = h->caplen;
		w->nb_lf++;
		/* each frame on a cache line, as in a NIC's buffer */
		used = RTE_ALIGN_CEIL(used + h->caplen, RTE_CACHE_LINE_SIZE);
	}
	if (r == PCAP_ERROR) {
		SIM_LOG(ERR, "%s: rx_pcap: %s", name, pcap_geterr(w->rx));
		return -1;
	}
	if (w->nb_lf == 0) {
		SIM_LOG(ERR, "%s: infinite_rx: %s holds no frame", name,
			p->da.rx_pcap);
		return -1;
	}
	if (pw_lend_init(p, w) != 0)
		return -1;
	rte_free(w->lf);	/* the mbufs carry the frames from now on */
	w->lf = NULL;
	return 0;
nomem:
	SIM_LOG(ERR, "%s: infinite_rx: no memory for %s", name, p->da.rx_pcap);
	return -1;
}

static int
pw_open(struct sim_port *p)
{
	const char *name = p->dev->data->name;
	char errbuf[PCAP_ERRBUF_SIZE], pname[RTE_MEMPOOL_NAMESIZE];
	struct pcap_wire *w;

	w = rte_zmalloc("sim_pcap", sizeof(*w), 0);
	if (w == NULL)
		return -ENOMEM;
	rte_spinlock_init(&w->tx_lock);
	p->wire_priv = w;

	if (p->da.rx_pcap[0] != '\0') {
		w->rx = pcap_open_offline(p->da.rx_pcap, errbuf);
		if (w->rx == NULL) {
			SIM_LOG(ERR, "%s: devarg 'rx_pcap': %s", name, errbuf);
			goto fail;
		}
		if (pcap_datalink(w->rx) != DLT_EN10MB) {
			SIM_LOG(ERR, "%s: devarg 'rx_pcap': %s is not an "
				"Ethernet capture", name, p->da.rx_pcap);
			goto fail;
		}
		snprintf(pname, sizeof(pname), "simpcap%u",
			 p->dev->data->port_id);
		w->mp = rte_pktmbuf_pool_create(pname, PCAP_POOL_SIZE, 0, 0,
				RTE_PKTMBUF_HEADROOM + SIM_MAX_RX_PKTLEN,
				p->dev->device->numa_node);
		if (w->mp == NULL) {
			SIM_LOG(ERR, "%s: cannot create pcap mbuf pool: %s",
				name, rte_strerror(rte_errno));
			goto fail;
		}
	}
	if (p->da.tx_pcap[0] != '\0') {
		w->dead = pcap_open_dead(DLT_EN10MB, PCAP_SNAPLEN);
		w->tx = w->dead ? pcap_dump_open(w->dead, p->da.tx_pcap) : NULL;
		if (w->tx == NULL) {
			SIM_LOG(ERR, "%s: devarg 'tx_pcap': cannot write %s: %s",
				name, p->da.tx_pcap,
				w->dead ? pcap_geterr(w->dead) : "no memory");
			goto fail;
		}
	}
	if (p->da.infinite_rx && pw_load(p, w) != 0)
		goto fail;
	return 0;
fail:
	p->wire->close(p);
	return -EINVAL;
}

static void
pw_close(struct sim_port *p)
{
	struct pcap_wire *w = p->wire_priv;

	if (w == NULL)
		return;
	if (w->tx != NULL)
		pcap_dump_close(w->tx);
	if (w->dead != NULL)
		pcap_close(w->dead);
	if (w->rx != NULL)
		pcap_close(w->rx);
	rte_mempool_free(w->mp);
	if (w->lm != NULL) {
		for (uint32_t i = 0; i < w->nb_lf; i++)
			if (w->lm[i] != NULL)
				rte_pktmbuf_free(w->lm[i]);
		rte_free(w->lm);
	}
	rte_mempool_free(w->lpool);
	rte_free(w->lf);
	rte_free(w->ldata);
	rte_free(w);
	p->wire_priv = NULL;
}

static int
pw_start(struct sim_port *p)
{
	RTE_SET_USED(p);
	return 0;
}

static void
pw_stop(struct sim_port *p)
{
	struct pcap_wire *w = p->wire_priv;

	if (w->tx != NULL) {
		rte_spinlock_lock(&w->tx_lock);
		pcap_dump_flush(w->tx);
		rte_spinlock_unlock(&w->tx_lock);
	}
}

static uint16_t
pw_tx(struct sim_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t nb)
{
	struct pcap_wire *w = p->wire_priv;
	struct pcap_pkthdr h;
	struct timeval tv;
	uint16_t i;

	RTE_SET_USED(qid);
	if (w->tx != NULL) {
		gettimeofday(&tv, NULL);
		rte_spinlock_lock(&w->tx_lock);
		for (i = 0; i < nb; i++) {
			struct rte_mbuf *m = pkts[i];
			uint32_t len = RTE_MIN(m->pkt_len, (uint32_t)PCAP_SNAPLEN);
			const uint8_t *d = rte_pktmbuf_read(m, 0, len, w->lin);

			h.ts = tv;
			h.caplen = len;
			h.len = m->pkt_len;
			pcap_dump((u_char *)w->tx, &h, d);
		}
		rte_spinlock_unlock(&w->tx_lock);
	}
	rte_pktmbuf_free_bulk(pkts, nb);
	return nb;
}

/* infinite_rx: the next @nb frames of the file, from the first after the
 * last, lent (a reference each). */
static uint16_t
pw_rx_loop(struct pcap_wire *w, struct rte_mbuf **pkts, uint16_t nb)
{
	uint32_t i = w->next_lf;

	for (uint16_t n = 0; n < nb; n++) {
		pkts[n] = w->lm[i];
		rte_mbuf_refcnt_update(pkts[n], 1);
		if (++i == w->nb_lf)
			i = 0;
	}
	w->next_lf = i;
	return nb;
}

static uint16_t
pw_rx(struct sim_port *p, struct rte_mbuf **pkts, uint16_t nb)
{
	struct pcap_wire *w = p->wire_priv;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint16_t n = 0;
	int r;

	if (w->lm != NULL)
		return pw_rx_loop(w, pkts, nb);
	if (w->rx == NULL || w->rx_eof)
		return 0;
	while (n < nb) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(w->mp);

		if (m == NULL)
			break;	/* ingress gives them back; read on later */
		r = pcap_next_ex(w->rx, &h, &data);
		if (r != 1) {
			rte_pktmbuf_free(m);
			if (r != 0) {
				if (r == PCAP_ERROR)
					SIM_LOG(ERR, "%s: rx_pcap: %s",
						p->dev->data->name,
						pcap_geterr(w->rx));
				w->rx_eof = true;
			}
			break;
		}
		if (h->caplen > rte_pktmbuf_tailroom(m) || h->caplen < h->len) {
			/* Truncated capture or jumbo beyond the NIC's limit. */
			rte_pktmbuf_free(m);
			sim_count(p, h->caplen < h->len ? SIM_XS_rx_runt :
				  SIM_XS_rx_oversize, 1);
			continue;
		}
		memcpy(rte_pktmbuf_append(m, h->caplen), data, h->caplen);
		pkts[n++] = m;
	}
	return n;
}

static bool
pw_carrier(const struct sim_port *p)
{
	RTE_SET_USED(p);
	return true;
}

const struct sim_wire_ops sim_wire_pcap_ops = {
	.name = "pcap",
	.open = pw_open,
	.start = pw_start,
	.stop = pw_stop,
	.close = pw_close,
	.tx = pw_tx,
	.rx = pw_rx,
	.carrier = pw_carrier,
};
