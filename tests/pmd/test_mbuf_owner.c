/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who owns a transmitted mbuf's buffer: net_sim_inline must release clones
 * (rte_pktmbuf_clone: the parent's refcount) and external buffers
 * (rte_pktmbuf_attach_extbuf: the free callback) the way the mbuf library
 * says, on every wire (ring pair, wire=port, wire=pcap) and every TX path
 * (plain, checksum offload, inline crypto, inline protocol, TSO plain and
 * through an SA, fault_dup). After each frame: the parent's refcount is
 * back to 1, the callback ran exactly once, every pool is back where it
 * started. Contract: doc/sim_inline.md, "NIC behaviour".
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_security.h>

#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "sec_util.h"
#include "sim_pair.h"

enum { MAX_PKTS = 16, FRAME = 4096, EXT_ROOM = 4096 + 256 };

enum owner { OWN_CLONE, OWN_EXTBUF };

enum path {
	P_PLAIN, P_CKSUM, P_CRYPTO, P_PROTO, P_TSO, P_TSO_PROTO, P_DUP,
	P_MAX
};

static const char *const path_name[P_MAX] = {
	"plain", "checksum", "inline crypto", "inline protocol", "TSO",
	"TSO through an SA", "fault_dup",
};

/* Frames that reach the other end for one packet sent. */
static const uint16_t path_frames[P_MAX] = { 1, 1, 1, 1, 3, 3, 2 };

static struct rte_mbuf *rx[MAX_PKTS];
static struct rte_mempool *sess_mp[2];
static struct rte_mempool *clone_pool, *hdr_pool;
static unsigned int ext_freed;
static char tmpdir[64];

static void
ext_free_cb(void *addr, void *opaque)
{
	(void)opaque;
	ext_freed++;
	free(addr);
}

static int
port_start(uint16_t port, struct rte_mempool *rx_pool, bool sec)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = sec ? RTE_ETH_RX_OFFLOAD_SECURITY : 0;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_TX_OFFLOAD_UDP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			       RTE_ETH_TX_OFFLOAD_TCP_TSO |
			       RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
			       (sec ? RTE_ETH_TX_OFFLOAD_SECURITY : 0);
	return test_port_start_simple(port, 1, 1, &conf, rx_pool);
}

static int
pools_create(void)
{
	clone_pool = sim_pool("clone", 1023, RTE_MBUF_DEFAULT_DATAROOM);
	hdr_pool = sim_pool("hdr", 255, RTE_MBUF_DEFAULT_DATAROOM);
	return clone_pool != NULL && hdr_pool != NULL ? 0 : -1;
}

static int
pools_check_free(void)
{
	int ret = 0;

	if (!test_pool_full(clone_pool) || !test_pool_full(hdr_pool)) {
		fprintf(stderr, "clone/hdr pools: %u, %u mbufs out\n",
			clone_pool->size - test_pool_avail(clone_pool),
			hdr_pool->size - test_pool_avail(hdr_pool));
		ret = -1;
	}
	rte_mempool_free(clone_pool);
	rte_mempool_free(hdr_pool);
	clone_pool = hdr_pool = NULL;
	return ret;
}

static int
ring_setup(void **state)
{
	struct sim_pair *sp;

	if (sim_pair_setup(state) != 0 || pools_create() != 0)
		return -1;
	sp = *state;
	for (int i = 0; i < 2; i++) {
		if (port_start(sp->port[i], sp->rx_pool[i], true) != 0)
			return -1;
		sess_mp[i] = sec_sess_pool(sp->port[i], 8);
		if (sess_mp[i] == NULL)
			return -1;
	}
	return 0;
}

static int
ring_teardown(void **state)
{
	int ret = sec_pair_teardown(state, sess_mp);

	return pools_check_free() != 0 ? -1 : ret;
}

/*
 * The frame of @path: IPv4/UDP (TCP with 3000 bytes of payload for TSO),
 * or for inline crypto an ESP packet (GCM, SPI @spi, SN 1) around it.
 */
static size_t
path_frame(struct sim_pair *sp, enum path path, uint32_t spi, uint8_t *buf)
{
	bool tso = path == P_TSO || path == P_TSO_PROTO;
	struct test_frame f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	uint8_t inner[FRAME];
	size_t len, in_len, padded, off;
	uint32_t v;

	sim_frame_init(&f, sp->port[0], sp->port[1], 4,
		       tso ? TEST_L4_TCP : TEST_L4_UDP, tso ? 3000 : 100, 9);
	len = test_frame_write(&f, buf, FRAME);
	assert_true(len > 0);
	if (path != P_CRYPTO)
		return len;
	in_len = len - 14;
	memcpy(inner, buf + 14, in_len);
	padded = RTE_ALIGN_CEIL(in_len + 2, 4);
	off = 14 + 20;
	v = rte_cpu_to_be_32(spi);
	memcpy(buf + off, &v, 4);
	v = rte_cpu_to_be_32(1);
	memcpy(buf + off + 4, &v, 4);
	memset(buf + off + 8, 0xa5, 8);
	memcpy(buf + off + 16, inner, in_len);
	for (size_t i = 0; i < padded - in_len - 2; i++)
		buf[off + 16 + in_len + i] = (uint8_t)(i + 1);
	buf[off + 16 + padded - 2] = (uint8_t)(padded - in_len - 2);
	buf[off + 16 + padded - 1] = 4;
	memset(buf + off + 16 + padded, 0, 16);
	memset(ip, 0, 20);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ESP;
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 16 + padded + 16));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return 14 + 20 + 16 + padded + 16;
}

/*
 * An mbuf holding @buf that does not own its data: a clone of *parent
 * (built in @mp), or an mbuf of hdr_pool attached to a malloc'd external
 * buffer whose free callback counts.
 */
static struct rte_mbuf *
foreign_mbuf(enum owner own, struct rte_mempool *mp, const uint8_t *buf,
	     size_t len, struct rte_mbuf **parent)
{
	struct rte_mbuf_ext_shared_info *shinfo;
	struct rte_mbuf *m;
	uint16_t blen = EXT_ROOM;
	void *ext;

	*parent = NULL;
	if (own == OWN_CLONE) {
		*parent = test_mbuf_from_bytes(mp, buf, len, len > 2000 ? 2 : 1);
		assert_non_null(*parent);
		m = rte_pktmbuf_clone(*parent, clone_pool);
		assert_non_null(m);
		assert_int_equal(rte_mbuf_refcnt_read(*parent), 2);
		return m;
	}
	ext = malloc(EXT_ROOM);
	assert_non_null(ext);
	shinfo = rte_pktmbuf_ext_shinfo_init_helper(ext, &blen, ext_free_cb,
						    NULL);
	assert_non_null(shinfo);
	m = rte_pktmbuf_alloc(hdr_pool);
	assert_non_null(m);
	rte_pktmbuf_attach_extbuf(m, ext, 0, blen, shinfo);
	rte_pktmbuf_reset_headroom(m);
	assert_non_null(rte_pktmbuf_append(m, (uint16_t)len));
	memcpy(rte_pktmbuf_mtod(m, void *), buf, len);
	return m;
}

/* Mark @m for @path: offload flags, lengths, session. */
static void
path_mark(struct sim_pair *sp, enum path path, void *sess, struct rte_mbuf *m)
{
	sec_lens_set(m);
	switch (path) {
	case P_CKSUM:
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_UDP_CKSUM;
		break;
	case P_TSO:
	case P_TSO_PROTO:
		m->l4_len = 20;
		m->tso_segsz = 1000;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
			       RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
		break;
	default:
		break;
	}
	if (sess != NULL)
		sec_mark(sp->port[0], sess, m);
}

/* Starting values of the pools a frame's journey touches. */
struct pool_marks {
	unsigned int tx, rx1, clone, hdr;
};

static void
pool_marks(const struct sim_pair *sp, struct pool_marks *pm)
{
	pm->tx = rte_mempool_avail_count(sp->tx_pool);
	pm->rx1 = rte_mempool_avail_count(sp->rx_pool[1]);
	pm->clone = rte_mempool_avail_count(clone_pool);
	pm->hdr = rte_mempool_avail_count(hdr_pool);
}

/* After the journey (received frames freed): every owner released. */
static void
check_released(const struct sim_pair *sp, const struct pool_marks *pm,
	       enum owner own, struct rte_mbuf *parent, unsigned int ext0,
	       const char *what)
{
	struct pool_marks now;

	if (own == OWN_CLONE) {
		if (rte_mbuf_refcnt_read(parent) != 1)
			fail_msg("%s: clone's parent refcnt %u, want 1", what,
				 rte_mbuf_refcnt_read(parent));
		rte_pktmbuf_free(parent);
	} else if (ext_freed != ext0 + 1) {
		fail_msg("%s: extbuf free callback ran %u times, want 1", what,
			 ext_freed - ext0);
	}
	pool_marks(sp, &now);
	if (now.tx != pm->tx || now.rx1 != pm->rx1 ||
	    now.clone != pm->clone || now.hdr != pm->hdr)
		fail_msg("%s: pools tx %u/%u rx %u/%u clone %u/%u hdr %u/%u",
			 what, now.tx, pm->tx, now.rx1, pm->rx1, now.clone,
			 pm->clone, now.hdr, pm->hdr);
}

/* Every path x owner over the ring pair (port 1 decrypts with a rule). */
static void
test_ring_paths(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME];

	for (int own = OWN_CLONE; own <= OWN_EXTBUF; own++) {
		for (int path = 0; path < P_MAX; path++) {
			struct sec_sa sa = {
				.action = path == P_CRYPTO ?
					RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO :
					RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
				.tunnel = true,
				.spi = 0x9000 + (uint32_t)(own * 16 + path),
			};
			bool sec = path == P_CRYPTO || path == P_PROTO ||
				   path == P_TSO_PROTO;
			struct rte_pmd_sim_inline_faults fa = { .seed = 1 };
			struct sec_sa_pair sap = { 0 };
			struct rte_mbuf *m, *parent;
			struct pool_marks pm;
			unsigned int ext0 = ext_freed;
			char what[96];
			size_t len;
			uint16_t got;

			snprintf(what, sizeof(what), "%s, %s",
				 own == OWN_CLONE ? "clone" : "extbuf",
				 path_name[path]);
			if (sec)
				assert_int_equal(sec_sa_pair_make(sp, sess_mp,
						 &sa, NULL, &sap), 0);
			if (path == P_DUP) {
				fa.dup = 1;
				assert_int_equal(rte_pmd_sim_inline_fault_set(
					sp->port[0], &fa), 0);
			}
			pool_marks(sp, &pm);
			len = path_frame(sp, (enum path)path, sa.spi, buf);
			m = foreign_mbuf((enum owner)own, sp->tx_pool, buf, len,
					 &parent);
			path_mark(sp, (enum path)path, sec ? sap.out : NULL, m);
			assert_int_equal(test_tx_all(sp->port[0], 0, &m, 1,
						     1000), 1);
			got = sec_recv(sp->port[1], rx, path_frames[path],
				       MAX_PKTS);
			if (got != path_frames[path])
				fail_msg("%s: %u frames, want %u", what, got,
					 path_frames[path]);
			for (uint16_t k = 0; k < got; k++)
				if (sec && (rx[k]->ol_flags &
					    (RTE_MBUF_F_RX_SEC_OFFLOAD |
					     RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED))
				    != RTE_MBUF_F_RX_SEC_OFFLOAD)
					fail_msg("%s: frame %u not decrypted",
						 what, k);
			test_free_bulk(rx, got);
			if (path == P_DUP) {
				fa.dup = 0;
				assert_int_equal(rte_pmd_sim_inline_fault_set(
					sp->port[0], &fa), 0);
			}
			check_released(sp, &pm, (enum owner)own, parent, ext0,
				       what);
			if (sec)
				assert_int_equal(sec_sa_pair_free(sp, &sap), 0);
		}
	}
}

/* wire=port over net_ring0 (frames come back to the same port), no
 * security offload on RX: the RX engine's plain path. */
static void
test_port_wire(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME];
	uint16_t port;

	assert_int_equal(test_vdev_create("net_sim_inline5",
					  "wire=port,port=net_ring0", &port),
			 0);
	assert_int_equal(port_start(port, sp->rx_pool[1], false), 0);
	for (int i = 0; i < 1000; i++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			break;
		test_delay_ms(1);
	}
	for (int own = OWN_CLONE; own <= OWN_EXTBUF; own++) {
		for (int path = P_PLAIN; path <= P_CKSUM; path++) {
			struct rte_mbuf *m, *parent;
			struct pool_marks pm;
			unsigned int ext0 = ext_freed;
			size_t len;
			uint16_t got;

			pool_marks(sp, &pm);
			len = path_frame(sp, (enum path)path, 0, buf);
			/* To the port's own MAC: it comes back to it. */
			rte_eth_macaddr_get(port, (struct rte_ether_addr *)buf);
			m = foreign_mbuf((enum owner)own, sp->tx_pool, buf, len,
					 &parent);
			path_mark(sp, (enum path)path, NULL, m);
			assert_int_equal(test_tx_all(port, 0, &m, 1, 1000), 1);
			got = sec_recv(port, rx, 1, MAX_PKTS);
			assert_int_equal(got, 1);
			test_free_bulk(rx, got);
			check_released(sp, &pm, (enum owner)own, parent, ext0,
				       path_name[path]);
		}
	}
	assert_int_equal(test_vdev_destroy("net_sim_inline5"), 0);
}

/* wire=pcap: the frames are written to a file and released. */
static void
test_pcap_wire(void **state)
{
	struct sim_pair *sp = *state;
	static uint8_t buf[FRAME];
	char path_s[128], args[200];
	uint16_t port;

	snprintf(path_s, sizeof(path_s), "%s/owner.pcap", tmpdir);
	snprintf(args, sizeof(args), "wire=pcap,tx_pcap=%s", path_s);
	assert_int_equal(test_vdev_create("net_sim_inline6", args, &port), 0);
	assert_int_equal(port_start(port, sp->rx_pool[1], false), 0);
	for (int own = OWN_CLONE; own <= OWN_EXTBUF; own++) {
		for (int path = P_PLAIN; path <= P_CKSUM; path++) {
			struct rte_mbuf *m, *parent;
			struct pool_marks pm;
			unsigned int ext0 = ext_freed;
			size_t len;

			pool_marks(sp, &pm);
			len = path_frame(sp, (enum path)path, 0, buf);
			m = foreign_mbuf((enum owner)own, sp->tx_pool, buf, len,
					 &parent);
			path_mark(sp, (enum path)path, NULL, m);
			assert_int_equal(test_tx_all(port, 0, &m, 1, 1000), 1);
			check_released(sp, &pm, (enum owner)own, parent, ext0,
				       path_name[path]);
		}
	}
	assert_int_equal(test_vdev_destroy("net_sim_inline6"), 0);
	assert_int_equal(unlink(path_s), 0);
}

static int
group_setup(void **state)
{
	static const char *const args[] = { "--vdev", "net_ring0" };

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dpsec-pmd-owner-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return test_eal_init("pmd-mbuf-owner", args, RTE_DIM(args)) < 0 ?
	       -1 : 0;
}

static int
group_teardown(void **state)
{
	rmdir(tmpdir);
	return sim_eal_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ring_paths,
			ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_port_wire,
			ring_setup, ring_teardown),
		cmocka_unit_test_setup_teardown(test_pcap_wire,
			ring_setup, ring_teardown),
	};

	return cmocka_run_group_tests_name("pmd-mbuf-owner", tests,
					   group_setup, group_teardown);
}
