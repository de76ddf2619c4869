/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "capture start <file> [fwd|drops|all]" / "capture stop": a pcapng file
 * (DPDK's rte_pcapng: one interface per port) of the frames the
 * forwarding loop sends (outbound, on the port they leave by) and of the
 * packets it drops (inbound on the port they came in by, or outbound for
 * tx_first packets the outbound SPD refused), each drop with a comment
 * giving its reason: "dpsec: SPD_DISCARD: ...", "tx refused", "not IP".
 *
 * DPDK 22.11's rte_pcapng_copy() has no comment argument (23.11 added
 * one): the comment option is inserted into the block it built, before
 * its trailing length, so the file stays rte_pcapng's.
 *
 * The worker lcore reads the capture under an RCU read-side section
 * (rte_rcu_qsbr, quiescent once per loop); "capture stop" unpublishes it,
 * waits for the grace period, then closes the file. The main lcore (tx_first, drain) uses it directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_rcu_qsbr.h>

#include "cli.h"

enum {
	CAP_MBUFS = 2 * CLI_BURST_MAX + 63,	/* two bursts of copies */
	CAP_DATA = 10 * 1024,			/* any frame in one segment */
	PCAPNG_OPT_COMMENT = 1,
	COMMENT_MAX = 160,
};

struct cli_capture {
	rte_pcapng_t *pcapng;
	struct rte_mempool *mp;
	unsigned int what;		/* CLI_CAP_FWD | CLI_CAP_DROPS */
	char file[256];
	uint64_t fwd, drops, lost, bytes;
};

/* Published capture (NULL: none), read by the worker under qsbr. */
static struct cli_capture *cap_pub;
static struct cli_capture *cap;		/* main lcore's handle */
static struct rte_rcu_qsbr *cap_qs;

static struct cli_capture *
cap_get(void)
{
	return __atomic_load_n(&cap_pub, __ATOMIC_ACQUIRE);
}

int
cli_capture_reader_init(void)
{
	size_t sz;

	if (cap_qs != NULL)
		return 0;
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	cap_qs = rte_zmalloc("cli_cap_qs", sz, RTE_CACHE_LINE_SIZE);
	if (cap_qs == NULL)
		return -ENOMEM;
	return rte_rcu_qsbr_init(cap_qs, RTE_MAX_LCORE);
}

void
cli_capture_reader_online(unsigned int lcore)
{
	rte_rcu_qsbr_thread_register(cap_qs, lcore);
	rte_rcu_qsbr_thread_online(cap_qs, lcore);
}

void
cli_capture_reader_quiescent(unsigned int lcore)
{
	rte_rcu_qsbr_quiescent(cap_qs, lcore);
}

void
cli_capture_reader_offline(unsigned int lcore)
{
	rte_rcu_qsbr_thread_offline(cap_qs, lcore);
	rte_rcu_qsbr_thread_unregister(cap_qs, lcore);
}

bool
cli_capture_wants(unsigned int what)
{
	struct cli_capture *c = cap_get();

	return c != NULL && (c->what & what) != 0;
}

/*
 * Insert a comment option, and the end-of-options rte_pcapng leaves out
 * (readers such as scapy want it after a comment), before the block's
 * trailing length.
 */
static int
epb_comment(struct rte_mbuf *mc, const char *text)
{
	uint32_t *blen = rte_pktmbuf_mtod_offset(mc, uint32_t *,
						 sizeof(uint32_t));
	uint16_t len = (uint16_t)strnlen(text, COMMENT_MAX);
	uint16_t padded = RTE_ALIGN(len, sizeof(uint32_t));
	uint16_t add = 2 * sizeof(uint16_t) + padded + sizeof(uint32_t);
	uint8_t *p;

	if (rte_pktmbuf_trim(mc, sizeof(uint32_t)) != 0)
		return -1;
	p = (uint8_t *)rte_pktmbuf_append(mc, add + sizeof(uint32_t));
	if (p == NULL)
		return -1;
	((uint16_t *)p)[0] = PCAPNG_OPT_COMMENT;
	((uint16_t *)p)[1] = len;
	memcpy(p + 4, text, len);
	memset(p + 4 + len, 0, padded - len + sizeof(uint32_t)); /* endofopt */
	*blen = rte_pktmbuf_pkt_len(mc);
	memcpy(p + add, blen, sizeof(uint32_t));
	return 0;
}

/* A copy of frame m (Ethernet) seen on port, with its comment or none. */
static struct rte_mbuf *
cap_copy(struct cli_capture *c, uint16_t port, const struct rte_mbuf *m,
	 const char *comment, enum rte_pcapng_direction dir)
{
	struct rte_mbuf *mc = rte_pcapng_copy(port, 0, m, c->mp, UINT32_MAX,
					      rte_get_tsc_cycles(), dir);

	if (mc != NULL && comment != NULL && epb_comment(mc, comment) != 0) {
		rte_pktmbuf_free(mc);
		mc = NULL;
	}
	if (mc == NULL)
		c->lost++;
	return mc;
}

/* Write n copies (NULLs skipped: lost), count them, free them. */
static void
cap_flush(struct cli_capture *c, struct rte_mbuf *mc[], uint16_t n, bool drop)
{
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++)
		if (mc[i] != NULL)
			mc[k++] = mc[i];
	if (k == 0)
		return;
	if (rte_pcapng_write_packets(c->pcapng, mc, k) < 0) {
		c->lost += k;
	} else {
		for (uint16_t i = 0; i < k; i++)
			c->bytes += rte_pktmbuf_pkt_len(mc[i]);
		if (drop)
			c->drops += k;
		else
			c->fwd += k;
	}
	rte_pktmbuf_free_bulk(mc, k);
}

void
cli_capture_tx_prep(struct cli_cap_tx *t, uint16_t port,
		    struct rte_mbuf *const pkts[], uint16_t n)
{
	struct cli_capture *c = cap_get();

	t->c = c;
	t->n = 0;
	t->port = port;
	if (c == NULL)
		return;
	for (uint16_t i = 0; i < n && i < CLI_BURST_MAX; i++)
		t->mc[t->n++] = cap_copy(c, port, pkts[i], NULL,
					 RTE_PCAPNG_DIRECTION_OUT);
}

void
cli_capture_tx_done(struct cli_cap_tx *t, uint16_t sent)
{
	struct cli_capture *c = t->c;

	if (c == NULL)
		return;
	sent = RTE_MIN(sent, t->n);
	if (c->what & CLI_CAP_FWD)
		cap_flush(c, t->mc, sent, false);
	else
		rte_pktmbuf_free_bulk(t->mc, sent);	/* NULLs skipped */
	for (uint16_t i = sent; i < t->n; i++) {
		if (t->mc[i] == NULL)
			continue;
		if (!(c->what & CLI_CAP_DROPS)) {
			rte_pktmbuf_free(t->mc[i]);
			t->mc[i] = NULL;
		} else if (epb_comment(t->mc[i],
				       "tx refused: the port's queue is full") != 0) {
			c->lost++;
			rte_pktmbuf_free(t->mc[i]);
			t->mc[i] = NULL;
		}
	}
	if (c->what & CLI_CAP_DROPS)
		cap_flush(c, t->mc + sent, t->n - sent, true);
}

/*
 * Dropped packets of port: ipsec mode hands them without their Ethernet
 * header (taken off at receive, or never built for tx_first packets), so
 * one is put back (from the peer's MAC to the port's when inbound), the
 * EtherType from the IP version.
 */
void
cli_capture_drops(uint16_t port, struct rte_mbuf *pkts[], uint16_t n,
		  bool inbound, bool has_l2, const char *why)
{
	struct cli_capture *c = cap_get();
	struct rte_mbuf *mc[CLI_BURST_MAX];
	struct rte_ether_addr me, peer;
	char text[COMMENT_MAX];
	enum rte_pcapng_direction dir = inbound ? RTE_PCAPNG_DIRECTION_IN :
					RTE_PCAPNG_DIRECTION_OUT;
	uint16_t i;

	if (c == NULL || !(c->what & CLI_CAP_DROPS) || n == 0)
		return;
	n = RTE_MIN(n, (uint16_t)CLI_BURST_MAX);
	rte_eth_macaddr_get(port, &me);
	rte_eth_macaddr_get(cli_fwd_peer(port), &peer);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum dpsec_reason r = dpsec_mbuf_reason(m);

		mc[i] = NULL;
		if (why != NULL)
			snprintf(text, sizeof(text), "%s", why);
		else
			snprintf(text, sizeof(text), "dpsec: %s: %s",
				 cli_reason_name(r), dpsec_reason_str(r));
		if (!has_l2) {
			const uint8_t *ip = rte_pktmbuf_mtod(m,
							const uint8_t *);
			uint16_t et = rte_pktmbuf_data_len(m) > 0 &&
				(ip[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 :
				RTE_ETHER_TYPE_IPV4;
			struct rte_ether_hdr *eh = (struct rte_ether_hdr *)
				rte_pktmbuf_prepend(m, sizeof(*eh));

			if (eh == NULL) {
				c->lost++;	/* no room for the header */
				continue;
			}
			rte_ether_addr_copy(inbound ? &me : &peer,
					    &eh->dst_addr);
			rte_ether_addr_copy(inbound ? &peer : &me,
					    &eh->src_addr);
			eh->ether_type = rte_cpu_to_be_16(et);
		}
		mc[i] = cap_copy(c, port, m, text, dir);
	}
	cap_flush(c, mc, n, true);
}

int
cli_capture_start(const char *file, unsigned int what, char *err,
		  size_t err_len)
{
	struct cli_capture *c;
	struct utsname un;
	char os[2 * sizeof(un.release) + 2];
	int fd;

	if (cap != NULL) {
		snprintf(err, err_len, "a capture is running already (to %s)",
			 cap->file);
		return -EBUSY;
	}
	if (cli_capture_reader_init() != 0) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	c->what = what;
	snprintf(c->file, sizeof(c->file), "%s", file);
	c->mp = rte_pktmbuf_pool_create("cli_capture", CAP_MBUFS, 0, 0,
					RTE_PKTMBUF_HEADROOM + CAP_DATA,
					(int)rte_socket_id());
	if (c->mp == NULL) {
		snprintf(err, err_len, "capture pool: %s",
			 rte_strerror(rte_errno));
		free(c);
		return -ENOMEM;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		snprintf(err, err_len, "%s: %s", file, strerror(e));
		rte_mempool_free(c->mp);
		free(c);
		return -e;
	}
	if (uname(&un) == 0)
		snprintf(os, sizeof(os), "%s %s", un.sysname, un.release);
	else
		snprintf(os, sizeof(os), "Linux");
	c->pcapng = rte_pcapng_fdopen(fd, os, NULL, "dpsec-cli",
				      what == CLI_CAP_DROPS ? "dropped packets" :
				      what == CLI_CAP_FWD ? "forwarded packets" :
				      "forwarded and dropped packets");
	if (c->pcapng == NULL) {
		snprintf(err, err_len, "%s: %s", file,
			 rte_strerror(rte_errno));
		close(fd);
		rte_mempool_free(c->mp);
		free(c);
		return -EIO;
	}
	cap = c;
	__atomic_store_n(&cap_pub, c, __ATOMIC_RELEASE);
	return 0;
}

int
cli_capture_stop(struct cli_capture_result *res)
{
	struct cli_capture *c = cap;

	if (c == NULL)
		return -ENOENT;
	__atomic_store_n(&cap_pub, NULL, __ATOMIC_RELEASE);
	/* The worker, if any, is past any use of c after this. */
	rte_rcu_qsbr_synchronize(cap_qs, RTE_QSBR_THRID_INVALID);
	cap = NULL;
	rte_pcapng_close(c->pcapng);	/* closes the fd */
	if (res != NULL) {
		res->fwd = c->fwd;
		res->drops = c->drops;
		res->lost = c->lost;
		res->bytes = c->bytes;
		snprintf(res->file, sizeof(res->file), "%s", c->file);
	}
	rte_mempool_free(c->mp);
	free(c);
	return 0;
}

bool
cli_capture_running(void)
{
	return cap != NULL;
}
