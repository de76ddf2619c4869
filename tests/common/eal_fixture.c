/* SPDX-License-Identifier: BSD-3-Clause */
#include "eal_fixture.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_esp.h>
#include <rte_ip.h>
#include <rte_pause.h>
#include <rte_tcp.h>
#include <rte_udp.h>

enum {
	EAL_MAX_ARGS = 64,
	BURST = 32,
	TEST_ETHERTYPE_LOCAL = 0x88b5,	/* IEEE 802 local experimental */
	TEST_IPPROTO_OTHER = 253,	/* RFC 3692 experimentation */
};

/* EAL's runtime directory of this process, removed at exit. */
static char eal_rundir[PATH_MAX];

/* nftw() callback: remove one entry of the EAL's runtime directory. */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * EAL leaves its runtime directory (config, multi-process and telemetry
 * sockets) behind; every test run would add one to /var/run/dpdk.
 */
static void
rundir_remove(void)
{
	if (eal_rundir[0] != '\0')
		nftw(eal_rundir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int
test_eal_init(const char *test_name, const char *const extra_args[],
	      int n_extra)
{
	static char prefix[128];
	char *argv[EAL_MAX_ARGS];
	const char *rundir, *base;
	int argc = 0, ret;

	if (n_extra < 0 || n_extra > EAL_MAX_ARGS - 12)
		return -EINVAL;
	snprintf(prefix, sizeof(prefix), "dpsec-%s-%d", test_name,
		 (int)getpid());
	argv[argc++] = (char *)(uintptr_t)test_name;
	argv[argc++] = (char *)(uintptr_t)"--no-huge";
	argv[argc++] = (char *)(uintptr_t)"--no-pci";
	argv[argc++] = (char *)(uintptr_t)"-m";
	argv[argc++] = (char *)(uintptr_t)"512";
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = prefix;
	/* Quiet by default; the driver's own warnings still show. */
	argv[argc++] = (char *)(uintptr_t)"--log-level=lib.*:error";
	argv[argc++] = (char *)(uintptr_t)"--log-level=pmd.net.sim_inline*:warning";
	for (int i = 0; i < n_extra; i++)
		argv[argc++] = (char *)(uintptr_t)extra_args[i];
	argv[argc] = NULL;
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return ret;
	/* Only our own prefix's directory, never anything else. */
	rundir = rte_eal_get_runtime_dir();
	base = strrchr(rundir, '/');
	if (base != NULL && strcmp(base + 1, prefix) == 0 &&
	    strlen(rundir) < sizeof(eal_rundir)) {
		strcpy(eal_rundir, rundir);
		atexit(rundir_remove);
	}
	return ret;
}

struct rte_mempool *
test_pool_create(const char *name, unsigned int n, uint16_t data_room)
{
	return rte_pktmbuf_pool_create(name, n, 32, 0,
				       RTE_PKTMBUF_HEADROOM + data_room,
				       rte_socket_id());
}

unsigned int
test_pool_avail(const struct rte_mempool *mp)
{
	return rte_mempool_avail_count(mp);
}

bool
test_pool_full(const struct rte_mempool *mp)
{
	unsigned int avail = rte_mempool_avail_count(mp);

	if (avail == mp->size)
		return true;
	fprintf(stderr, "pool %s: %u of %u back, %u missing\n", mp->name,
		avail, mp->size, mp->size - avail);
	return false;
}

int
test_vdev_create(const char *name, const char *args, uint16_t *port)
{
	int ret = rte_vdev_init(name, args);

	if (ret < 0)
		return ret;
	if (port != NULL && rte_eth_dev_get_port_by_name(name, port) != 0)
		return -ENODEV;
	return 0;
}

int
test_vdev_destroy(const char *name)
{
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(name, &port) == 0) {
		(void)rte_eth_dev_stop(port);
		(void)rte_eth_dev_close(port);
	}
	return rte_vdev_uninit(name);
}

int
test_port_start(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
		const struct rte_eth_conf *conf,
		struct rte_mempool *const rx_pools[], uint16_t nb_pools)
{
	struct rte_eth_conf zero = {0};
	int ret;

	ret = rte_eth_dev_configure(port, nb_rxq, nb_txq,
				    conf != NULL ? conf : &zero);
	if (ret < 0)
		return ret;
	for (uint16_t q = 0; q < nb_rxq; q++) {
		struct rte_mempool *mp = rx_pools[nb_pools > 1 ? q : 0];

		ret = rte_eth_rx_queue_setup(port, q, TEST_RXTX_DESC,
					     rte_eth_dev_socket_id(port),
					     NULL, mp);
		if (ret < 0)
			return ret;
	}
	for (uint16_t q = 0; q < nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, TEST_RXTX_DESC,
					     rte_eth_dev_socket_id(port),
					     NULL);
		if (ret < 0)
			return ret;
	}
	return rte_eth_dev_start(port);
}

int
test_port_start_simple(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
		       const struct rte_eth_conf *conf,
		       struct rte_mempool *rx_pool)
{
	struct rte_mempool *pools[1] = { rx_pool };

	return test_port_start(port, nb_rxq, nb_txq, conf, pools, 1);
}

/* ---- frames ---- */

uint16_t
test_frame_l3_hdr_len(const struct test_frame *f)
{
	if (f->l4 == TEST_L4_NONE)
		return 0;
	return f->ip_ver == 6 ? sizeof(struct rte_ipv6_hdr) :
				sizeof(struct rte_ipv4_hdr);
}

uint16_t
test_frame_l4_hdr_len(const struct test_frame *f)
{
	switch (f->l4) {
	case TEST_L4_UDP:
		return sizeof(struct rte_udp_hdr);
	case TEST_L4_TCP:
		return sizeof(struct rte_tcp_hdr);
	case TEST_L4_ESP:
		return sizeof(struct rte_esp_hdr);
	default:
		return 0;
	}
}

uint16_t
test_frame_l3_len(const struct test_frame *f)
{
	if (f->l4 == TEST_L4_NONE)
		return 0;
	return test_frame_l3_hdr_len(f) + test_frame_l4_hdr_len(f) +
	       f->payload_len;
}

uint16_t
test_frame_payload_for_l3(const struct test_frame *f, uint16_t l3_len)
{
	return l3_len - test_frame_l3_hdr_len(f) - test_frame_l4_hdr_len(f);
}

static uint8_t
ip_proto(const struct test_frame *f)
{
	switch (f->l4) {
	case TEST_L4_UDP:
		return IPPROTO_UDP;
	case TEST_L4_TCP:
		return IPPROTO_TCP;
	case TEST_L4_ESP:
		return IPPROTO_ESP;
	default:
		return TEST_IPPROTO_OTHER;
	}
}

static uint8_t
payload_byte(uint32_t tag, size_t i)
{
	return (uint8_t)(tag * 131u + i * 7u + (i >> 8));
}

size_t
test_frame_write(const struct test_frame *f, uint8_t *buf, size_t cap)
{
	uint16_t l3 = test_frame_l3_hdr_len(f);
	uint16_t l4 = test_frame_l4_hdr_len(f);
	size_t len = sizeof(struct rte_ether_hdr) + l3 + l4 + f->payload_len;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint8_t *l3p = buf + sizeof(*eth);
	uint8_t *l4p = l3p + l3;
	uint8_t *pl = l4p + l4;

	if (len > cap || len < RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN)
		return 0;
	memset(buf, 0, len);
	rte_ether_addr_copy(&f->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&f->src_mac, &eth->src_addr);

	for (size_t i = 0; i < f->payload_len; i++)
		pl[i] = payload_byte(f->tag, i);
	for (size_t i = 0; i < 4 && i < f->payload_len; i++)
		pl[i] = (uint8_t)(f->tag >> (24 - 8 * i));

	if (f->l4 == TEST_L4_NONE) {
		eth->ether_type = rte_cpu_to_be_16(TEST_ETHERTYPE_LOCAL);
		return len;
	}

	if (f->l4 == TEST_L4_UDP) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)l4p;

		udp->src_port = rte_cpu_to_be_16(f->sport);
		udp->dst_port = rte_cpu_to_be_16(f->dport);
		udp->dgram_len = rte_cpu_to_be_16(l4 + f->payload_len);
	} else if (f->l4 == TEST_L4_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)l4p;

		tcp->src_port = rte_cpu_to_be_16(f->sport);
		tcp->dst_port = rte_cpu_to_be_16(f->dport);
		tcp->sent_seq = rte_cpu_to_be_32(f->tag);
		tcp->data_off = (sizeof(*tcp) / 4) << 4;
		tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		tcp->rx_win = rte_cpu_to_be_16(65535);
	} else if (f->l4 == TEST_L4_ESP) {
		struct rte_esp_hdr *esp = (struct rte_esp_hdr *)l4p;

		esp->spi = rte_cpu_to_be_32(f->spi);
		esp->seq = rte_cpu_to_be_32(f->esp_seq);
	}

	if (f->ip_ver == 6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3p;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(l4 + f->payload_len);
		ip6->proto = ip_proto(f);
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, f->src6, 16);
		memcpy(ip6->dst_addr, f->dst6, 16);
		if (f->l4 == TEST_L4_UDP)
			((struct rte_udp_hdr *)l4p)->dgram_cksum =
				rte_ipv6_udptcp_cksum(ip6, l4p);
		else if (f->l4 == TEST_L4_TCP)
			((struct rte_tcp_hdr *)l4p)->cksum =
				rte_ipv6_udptcp_cksum(ip6, l4p);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3p;

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(l3 + l4 + f->payload_len);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)f->tag);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = ip_proto(f);
		ip->src_addr = rte_cpu_to_be_32(f->src4);
		ip->dst_addr = rte_cpu_to_be_32(f->dst4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (f->l4 == TEST_L4_UDP)
			((struct rte_udp_hdr *)l4p)->dgram_cksum =
				rte_ipv4_udptcp_cksum(ip, l4p);
		else if (f->l4 == TEST_L4_TCP)
			((struct rte_tcp_hdr *)l4p)->cksum =
				rte_ipv4_udptcp_cksum(ip, l4p);
	}
	return len;
}

uint32_t
test_frame_tag(const struct rte_mbuf *m)
{
	uint8_t tmp[64];
	const struct rte_ether_hdr *eth;
	size_t off = sizeof(*eth);
	uint8_t proto;
	const uint8_t *p;

	eth = rte_pktmbuf_read(m, 0, sizeof(*eth), tmp);
	if (eth == NULL)
		return UINT32_MAX;
	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_IPV4: {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_read(m, off, sizeof(*ip), tmp);

		if (ip == NULL)
			return UINT32_MAX;
		proto = ip->next_proto_id;
		off += (ip->version_ihl & 0xf) * 4u;
		break;
	}
	case RTE_ETHER_TYPE_IPV6: {
		const struct rte_ipv6_hdr *ip6 =
			rte_pktmbuf_read(m, off, sizeof(*ip6), tmp);

		if (ip6 == NULL)
			return UINT32_MAX;
		proto = ip6->proto;
		off += sizeof(*ip6);
		break;
	}
	case TEST_ETHERTYPE_LOCAL:
		proto = 0;
		break;
	default:
		return UINT32_MAX;
	}
	if (proto == IPPROTO_UDP)
		off += sizeof(struct rte_udp_hdr);
	else if (proto == IPPROTO_TCP)
		off += sizeof(struct rte_tcp_hdr);
	else if (proto == IPPROTO_ESP)
		off += sizeof(struct rte_esp_hdr);
	p = rte_pktmbuf_read(m, off, 4, tmp);
	if (p == NULL)
		return UINT32_MAX;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

struct rte_mbuf *
test_mbuf_from_bytes(struct rte_mempool *mp, const uint8_t *buf, size_t len,
		     unsigned int nb_segs)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	size_t off = 0;

	if (nb_segs == 0 || len < nb_segs)
		return NULL;
	for (unsigned int s = 0; s < nb_segs; s++) {
		size_t chunk = s + 1 == nb_segs ? len - off : len / nb_segs;
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		char *dst;

		if (m == NULL)
			goto fail;
		dst = rte_pktmbuf_append(m, (uint16_t)chunk);
		if (dst == NULL || chunk > UINT16_MAX) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		memcpy(dst, buf + off, chunk);
		off += chunk;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
		last = m;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

struct rte_mbuf *
test_frame_mbuf(struct rte_mempool *mp, const struct test_frame *f)
{
	uint8_t buf[TEST_FRAME_MAX];	/* on the stack: used from workers */
	size_t len = test_frame_write(f, buf, sizeof(buf));
	struct rte_mbuf *m;

	if (len == 0)
		return NULL;
	m = test_mbuf_from_bytes(mp, buf, len, 1);
	if (m != NULL) {
		m->l2_len = sizeof(struct rte_ether_hdr);
		m->l3_len = test_frame_l3_hdr_len(f);
		m->l4_len = test_frame_l4_hdr_len(f);
	}
	return m;
}

size_t
test_mbuf_copy(const struct rte_mbuf *m, uint8_t *buf, size_t cap)
{
	size_t off = 0;

	if (m->pkt_len > cap)
		return 0;
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		if (off + s->data_len > cap)
			return 0;
		memcpy(buf + off, rte_pktmbuf_mtod(s, const uint8_t *),
		       s->data_len);
		off += s->data_len;
	}
	return off == m->pkt_len ? off : 0;
}

bool
test_mbuf_equals(const struct rte_mbuf *m, const uint8_t *buf, size_t len)
{
	uint8_t tmp[TEST_FRAME_MAX];

	if (m->pkt_len != len)
		return false;
	return test_mbuf_copy(m, tmp, sizeof(tmp)) == len &&
	       memcmp(tmp, buf, len) == 0;
}

/* ---- bursts ---- */

uint64_t
test_ms_to_cycles(unsigned int ms)
{
	return rte_get_timer_hz() / 1000 * ms;
}

void
test_delay_ms(unsigned int ms)
{
	rte_delay_us_sleep(ms * 1000u);
}

uint16_t
test_tx_all(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
	    uint16_t nb, unsigned int timeout_ms)
{
	uint64_t end = rte_get_timer_cycles() + test_ms_to_cycles(timeout_ms);
	uint16_t sent = 0;

	while (sent < nb) {
		sent += rte_eth_tx_burst(port, queue, pkts + sent, nb - sent);
		if (sent < nb) {
			if (rte_get_timer_cycles() > end)
				break;
			rte_pause();
		}
	}
	return sent;
}

/* Poll queues @first .. @first + @count - 1 round robin. */
static uint16_t
rx_poll_range(uint16_t port, uint16_t first, uint16_t count,
	      struct rte_mbuf **pkts, uint16_t *queue_of, uint16_t want,
	      uint16_t cap, unsigned int timeout_ms)
{
	uint64_t end = rte_get_timer_cycles() + test_ms_to_cycles(timeout_ms);
	uint16_t got = 0;

	for (;;) {
		for (uint16_t q = first; q < first + count && got < cap; q++) {
			uint16_t n = rte_eth_rx_burst(port, q, pkts + got,
						      RTE_MIN(cap - got, BURST));

			if (queue_of != NULL)
				for (uint16_t i = 0; i < n; i++)
					queue_of[got + i] = q;
			got += n;
		}
		if (got >= want || got >= cap ||
		    rte_get_timer_cycles() > end)
			break;
		rte_pause();
	}
	return got;
}

uint16_t
test_rx_poll(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
	     uint16_t want, uint16_t cap, unsigned int timeout_ms)
{
	return rx_poll_range(port, queue, 1, pkts, NULL, want, cap,
			     timeout_ms);
}

uint16_t
test_rx_poll_all(uint16_t port, uint16_t nb_queues, struct rte_mbuf **pkts,
		 uint16_t *queue_of, uint16_t want, uint16_t cap,
		 unsigned int timeout_ms)
{
	return rx_poll_range(port, 0, nb_queues, pkts, queue_of, want, cap,
			     timeout_ms);
}

unsigned int
test_rx_drain(uint16_t port, uint16_t nb_queues, unsigned int ms)
{
	uint64_t end = rte_get_timer_cycles() + test_ms_to_cycles(ms);
	struct rte_mbuf *pkts[BURST];
	unsigned int total = 0;

	do {
		for (uint16_t q = 0; q < nb_queues; q++) {
			uint16_t n = rte_eth_rx_burst(port, q, pkts, BURST);

			test_free_bulk(pkts, n);
			total += n;
		}
		rte_pause();
	} while (rte_get_timer_cycles() < end);
	return total;
}

void
test_free_bulk(struct rte_mbuf **pkts, unsigned int nb)
{
	for (unsigned int i = 0; i < nb; i++) {
		rte_pktmbuf_free(pkts[i]);
		pkts[i] = NULL;
	}
}

/* ---- stats ---- */

int
test_xstat_get(uint16_t port, const char *name, uint64_t *value)
{
	uint64_t id;
	int ret = rte_eth_xstats_get_id_by_name(port, name, &id);

	if (ret != 0)
		return -ENOENT;
	ret = rte_eth_xstats_get_by_id(port, &id, value, 1);
	return ret == 1 ? 0 : (ret < 0 ? ret : -EIO);
}

uint64_t
test_xstat(uint16_t port, const char *name)
{
	uint64_t v;

	return test_xstat_get(port, name, &v) == 0 ? v : UINT64_MAX;
}
