/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPD: classification tables (IPv4/IPv6 prefixes /0../128, protocols, port
 * ranges, overlapping rules decided by priority whatever the insertion
 * order), the outbound burst (BYPASS/DISCARD/PROTECT by SA and by reqid,
 * unbound reqid, no match, malformed: counts, order, reasons, and a round
 * trip through dpsec_inbound), the inbound policy check (invariant 5, doc/security_model.md),
 * reqid rekey under traffic on a second lcore (make-before-break: no loss,
 * one SPI switch per rekey) and commits under traffic.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "dpsec_spd.h"
#include "eal_fixture.h"

enum {
	PKT_MAX = 256,
	BURST = 100,		/* > the library's 64-packet chunks */
	WORKER_BURST = 32,
	NB_REKEY = 300,
	NB_COMMIT = 40,
	PROTO_GRE = 47,
	PROTO_ICMP = 1,
};

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;

/* ---- Packets ---------------------------------------------------------- */

/* A plain IP packet (no L2). Addresses as text; ports host order. */
struct pkt_spec {
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t opts;		/* IPv4: 4-byte NOP options; IPv6: a HBH hdr */
	uint8_t bad;		/* not IP: version 0 */
};

static size_t
pkt_write(const struct pkt_spec *s, uint32_t tag, uint8_t *b)
{
	bool v6 = strchr(s->src, ':') != NULL;
	size_t l3 = v6 ? 40 : 20, off, len;
	uint8_t nh = s->proto;

	memset(b, 0, PKT_MAX);
	if (!v6 && s->opts) {
		memset(b + 20, 1, 4);		/* NOP options */
		l3 += 4;
	}
	off = l3;
	if (v6 && s->opts) {
		b[off] = s->proto;		/* hop-by-hop, 8 bytes, PadN */
		b[off + 2] = 1;
		b[off + 3] = 4;
		off += 8;
		nh = IPPROTO_HOPOPTS;
	}
	/* Ports (or ICMP type/code) then a tagged payload. */
	b[off] = (uint8_t)(s->sport >> 8);
	b[off + 1] = (uint8_t)s->sport;
	b[off + 2] = (uint8_t)(s->dport >> 8);
	b[off + 3] = (uint8_t)s->dport;
	if (s->proto == IPPROTO_UDP) {
		b[off + 4] = 0;
		b[off + 5] = 8 + 32;
	}
	memcpy(b + off + 8, &tag, sizeof(tag));
	len = off + 8 + 32;
	if (v6) {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)b;

		h->vtc_flow = rte_cpu_to_be_32(6u << 28);
		h->payload_len = rte_cpu_to_be_16((uint16_t)(len - 40));
		h->proto = nh;
		h->hop_limits = 64;
		assert_int_equal(inet_pton(AF_INET6, s->src, h->src_addr), 1);
		assert_int_equal(inet_pton(AF_INET6, s->dst, h->dst_addr), 1);
	} else {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)b;

		h->version_ihl = (uint8_t)(0x40 | (l3 / 4));
		h->total_length = rte_cpu_to_be_16((uint16_t)len);
		h->time_to_live = 64;
		h->next_proto_id = nh;
		assert_int_equal(inet_pton(AF_INET, s->src, &h->src_addr), 1);
		assert_int_equal(inet_pton(AF_INET, s->dst, &h->dst_addr), 1);
		h->hdr_checksum = rte_ipv4_cksum(h);
	}
	if (s->bad)
		b[0] = 0x05;
	return len;
}

static struct rte_mbuf *
pkt_mbuf(const uint8_t *b, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), b, len);
	return m;
}

static struct rte_mbuf *
pkt_make(const struct pkt_spec *s, uint32_t tag)
{
	uint8_t b[PKT_MAX];

	return pkt_mbuf(b, pkt_write(s, tag, b));
}

static uint32_t
pkt_tag(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t off = m->pkt_len - 32;
	uint32_t tag;

	memcpy(&tag, p + off, sizeof(tag));
	return tag;
}

/* SPI of an ESP packet with a 20-byte outer IPv4 header. */
static uint32_t
esp_spi(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t spi;

	if (m->pkt_len < 28 || p[0] != 0x45 || p[9] != IPPROTO_ESP)
		return 0;
	memcpy(&spi, p + 20, 4);
	return rte_be_to_cpu_32(spi);
}

/* ---- SAs and policies -------------------------------------------------- */

static struct dpsec_sa *
sa_make(enum dpsec_sa_dir dir, uint32_t spi, uint32_t reqid)
{
	uint8_t key[20];
	struct dpsec_sa_conf c = { 0 };
	struct dpsec_sa *sa;

	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(spi * 7 + i);
	c.spi = spi;
	c.dir = dir;
	c.mode = DPSEC_SA_TUNNEL;
	c.src.family = c.dst.family = 4;
	c.src.v4 = rte_cpu_to_be_32(TEST_IPV4(192, 0, 2, 1));
	c.dst.v4 = rte_cpu_to_be_32(TEST_IPV4(192, 0, 2, 2));
	c.sad_key = DPSEC_SAD_SPI;
	c.cipher = DPSEC_CIPHER_AES_GCM_128;
	c.cipher_key = key;
	c.cipher_key_len = sizeof(key);
	c.replay_window = 64;
	c.reqid = reqid;
	c.offload = DPSEC_OFFLOAD_NONE;
	sa = dpsec_sa_create(ctx, &c);
	assert_non_null(sa);
	return sa;
}

/* A policy row: selectors as text prefixes ("10.0.0.0/8"). */
struct pol_spec {
	uint32_t id, prio;
	const char *src, *dst;
	uint8_t proto;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	enum dpsec_policy_action action;
	uint32_t reqid;
	int sa;			/* index into the test's SA array, or -1 */
};

static void
prefix_parse(const char *txt, uint8_t *family, uint8_t addr[16],
	     uint8_t *plen)
{
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", txt);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	*plen = (uint8_t)atoi(slash + 1);
	memset(addr, 0, 16);
	if (strchr(buf, ':') != NULL) {
		*family = 6;
		assert_int_equal(inet_pton(AF_INET6, buf, addr), 1);
	} else {
		*family = 4;
		assert_int_equal(inet_pton(AF_INET, buf, addr), 1);
	}
}

static void
pol_fill(struct dpsec_policy *p, const struct pol_spec *s,
	 struct dpsec_sa *const sas[])
{
	uint8_t fam2;

	memset(p, 0, sizeof(*p));
	p->id = s->id;
	p->priority = s->prio;
	prefix_parse(s->src, &p->sel.family, p->sel.src, &p->sel.src_plen);
	prefix_parse(s->dst, &fam2, p->sel.dst, &p->sel.dst_plen);
	assert_int_equal(fam2, p->sel.family);
	p->sel.proto = s->proto;
	p->sel.sport_lo = s->sport_lo;
	p->sel.sport_hi = s->sport_hi;
	p->sel.dport_lo = s->dport_lo;
	p->sel.dport_hi = s->dport_hi;
	p->action = s->action;
	p->reqid = s->reqid;
	p->sa = s->sa >= 0 ? sas[s->sa] : NULL;
}

static struct dpsec_spd *
spd_make(const char *name, enum dpsec_sa_dir dir, const struct pol_spec *ps,
	 unsigned int n, bool reverse, struct dpsec_sa *const sas[])
{
	struct dpsec_spd *spd = dpsec_spd_create(ctx, name, dir, 64);
	struct dpsec_policy p;

	assert_non_null(spd);
	for (unsigned int i = 0; i < n; i++) {
		pol_fill(&p, &ps[reverse ? n - 1 - i : i], sas);
		assert_int_equal(dpsec_spd_add(spd, &p), 0);
	}
	assert_int_equal(dpsec_spd_commit(spd), 0);
	return spd;
}

static void
free_all(struct rte_mbuf *pkts[], unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
}

/* ---- Classification table -------------------------------------------- */

#define P(id, prio, s, d, pr, sl, sh, dl, dh, act, rq) \
	{ id, prio, s, d, pr, sl, sh, dl, dh, DPSEC_POLICY_ ## act, rq, -1 }

static const struct pol_spec cls_pol[] = {
	/* IPv4 */
	P(1, 100, "10.0.0.0/8", "0.0.0.0/0", 0, 0, 0, 0, 0, BYPASS, 0),
	P(2, 50, "10.1.0.0/16", "192.168.0.0/16", IPPROTO_UDP,
	  0, 0, 1000, 2000, PROTECT, 1),
	P(3, 10, "10.1.2.3/32", "192.168.1.1/32", 0, 0, 0, 0, 0, DISCARD, 0),
	P(4, 60, "0.0.0.0/0", "172.16.0.0/12", IPPROTO_TCP,
	  80, 80, 0, 0, PROTECT, 2),
	P(5, 200, "0.0.0.0/0", "203.0.113.0/24", IPPROTO_UDP,
	  0, 0, 0, 0, BYPASS, 0),
	P(6, 50, "10.1.0.0/16", "192.168.0.0/16", 0, 0, 0, 0, 0, PROTECT, 6),
	P(8, 5, "0.0.0.0/0", "128.0.0.0/1", PROTO_GRE, 0, 0, 0, 0, DISCARD, 0),
	P(9, 20, "10.9.9.8/31", "0.0.0.0/0", 0, 0, 0, 0, 0, PROTECT, 3),
	P(10, 30, "0.0.0.0/0", "198.51.100.0/24", 0, 0, 0, 1, 65535,
	  DISCARD, 0),
	/* IPv6 */
	P(21, 100, "2001:db8::/32", "::/0", 0, 0, 0, 0, 0, BYPASS, 0),
	P(22, 40, "2001:db8:1::/48", "2001:db8:ff00::/40", IPPROTO_UDP,
	  0, 0, 500, 4500, PROTECT, 4),
	P(23, 10, "2001:db8:1::1/128", "2001:db8:ff00::1/128", 0,
	  0, 0, 0, 0, DISCARD, 0),
	P(24, 45, "::/0", "2001:db8:ff00::/40", IPPROTO_TCP,
	  1024, 65535, 0, 0, PROTECT, 5),
	P(25, 90, "2001:db8:1:0:8000::/65", "::/0", 0, 0, 0, 0, 0, DISCARD, 0),
	P(26, 70, "::/0", "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe/127", 0,
	  0, 0, 0, 0, DISCARD, 0),
};

static const struct cls_row {
	struct pkt_spec pkt;
	uint32_t want;		/* policy id, DPSEC_POLICY_ID_NONE: none */
} cls_tab[] = {
#define NONE DPSEC_POLICY_ID_NONE
	{ { "10.5.5.5", "8.8.8.8", IPPROTO_UDP, 1, 53, 0, 0 }, 1 },
	{ { "10.1.5.5", "192.168.5.5", IPPROTO_UDP, 7, 1500, 0, 0 }, 2 },
	{ { "10.1.5.5", "192.168.5.5", IPPROTO_UDP, 7, 1000, 0, 0 }, 2 },
	{ { "10.1.5.5", "192.168.5.5", IPPROTO_UDP, 7, 2000, 0, 0 }, 2 },
	/* dport outside 2: the tie at priority 50 is gone, 6 matches */
	{ { "10.1.5.5", "192.168.5.5", IPPROTO_UDP, 7, 2001, 0, 0 }, 6 },
	{ { "10.1.5.5", "192.168.5.5", IPPROTO_UDP, 7, 999, 0, 0 }, 6 },
	{ { "10.1.5.5", "192.168.5.5", IPPROTO_TCP, 7, 1500, 0, 0 }, 6 },
	/* IPv4 options do not move the ports */
	{ { "10.1.5.5", "192.168.5.5", IPPROTO_UDP, 7, 1500, 1, 0 }, 2 },
	{ { "10.1.2.3", "192.168.1.1", IPPROTO_UDP, 7, 1500, 0, 0 }, 3 },
	{ { "10.1.2.3", "192.168.1.2", IPPROTO_UDP, 7, 1500, 0, 0 }, 2 },
	{ { "11.1.1.1", "172.20.0.1", IPPROTO_TCP, 80, 9, 0, 0 }, 4 },
	{ { "11.1.1.1", "172.20.0.1", IPPROTO_TCP, 81, 9, 0, 0 }, NONE },
	{ { "11.1.1.1", "172.32.0.1", IPPROTO_TCP, 80, 9, 0, 0 }, NONE },
	{ { "11.1.1.1", "172.20.0.1", IPPROTO_UDP, 80, 9, 0, 0 }, NONE },
	{ { "1.1.1.1", "203.0.113.9", IPPROTO_UDP, 5, 5, 0, 0 }, 5 },
	{ { "1.1.1.1", "203.0.114.9", IPPROTO_UDP, 5, 5, 0, 0 }, NONE },
	{ { "10.5.5.5", "200.1.1.1", PROTO_GRE, 0, 0, 0, 0 }, 8 },
	{ { "10.5.5.5", "127.1.1.1", PROTO_GRE, 0, 0, 0, 0 }, 1 },
	{ { "10.9.9.9", "1.2.3.4", IPPROTO_UDP, 1, 1, 0, 0 }, 9 },
	{ { "10.9.9.8", "1.2.3.4", IPPROTO_UDP, 1, 1, 0, 0 }, 9 },
	{ { "10.9.9.10", "1.2.3.4", IPPROTO_UDP, 1, 1, 0, 0 }, 1 },
	/* ICMP is seen with ports 0: outside 1..65535 */
	{ { "10.3.3.3", "198.51.100.7", PROTO_ICMP, 0x0800, 0, 0, 0 }, 1 },
	{ { "10.3.3.3", "198.51.100.7", IPPROTO_UDP, 9, 53, 0, 0 }, 10 },
	{ { "10.3.3.3", "198.51.100.7", IPPROTO_UDP, 9, 0, 0, 0 }, 1 },
	{ { "1.1.1.1", "2.2.2.2", IPPROTO_UDP, 1, 1, 0, 0 }, NONE },
	{ { "1.1.1.1", "2.2.2.2", IPPROTO_UDP, 1, 1, 0, 1 }, NONE },
	/* IPv6 */
	{ { "2001:db8:5::1", "2001:db9::1", IPPROTO_UDP, 1, 1, 0, 0 }, 21 },
	{ { "2001:db8:1::2", "2001:db8:ff00::9", IPPROTO_UDP, 1, 500, 0, 0 },
	  22 },
	{ { "2001:db8:1::2", "2001:db8:ffff::9", IPPROTO_UDP, 1, 4500, 0, 0 },
	  22 },
	{ { "2001:db8:1::2", "2001:db8:ff00::9", IPPROTO_UDP, 1, 4501, 0, 0 },
	  21 },
	/* a hop-by-hop header does not hide the UDP ports */
	{ { "2001:db8:1::2", "2001:db8:ff00::9", IPPROTO_UDP, 1, 500, 1, 0 },
	  22 },
	{ { "2001:db8:1::1", "2001:db8:ff00::1", IPPROTO_UDP, 1, 500, 0, 0 },
	  23 },
	{ { "2001:db8:1::1", "2001:db8:ff00::2", IPPROTO_UDP, 1, 500, 0, 0 },
	  22 },
	{ { "3000::1", "2001:db8:ff00::2", IPPROTO_TCP, 1024, 1, 0, 0 }, 24 },
	{ { "3000::1", "2001:db8:ff00::2", IPPROTO_TCP, 1023, 1, 0, 0 }, NONE },
	{ { "3000::1", "2001:db8:fe00::2", IPPROTO_TCP, 1024, 1, 0, 0 }, NONE },
	/* /65 crosses a 32-bit word of the trie */
	{ { "2001:db8:1:0:8000::5", "2001:db8:aaaa::1", IPPROTO_UDP, 1, 1,
	    0, 0 }, 25 },
	{ { "2001:db8:1:0:7fff::5", "2001:db8:aaaa::1", IPPROTO_UDP, 1, 1,
	    0, 0 }, 21 },
	{ { "3000::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0x3b, 0, 0,
	    0, 0 }, 26 },
	{ { "3000::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", IPPROTO_UDP,
	    4, 4, 0, 0 }, 26 },
	{ { "3000::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:fffc", IPPROTO_UDP,
	    4, 4, 0, 0 }, NONE },
	{ { "3000::1", "3000::2", IPPROTO_UDP, 1, 1, 0, 0 }, NONE },
#undef NONE
};

static void
check_cls(struct dpsec_spd *spd, const char *what)
{
	struct rte_mbuf *pkts[RTE_DIM(cls_tab)];
	uint32_t ids[RTE_DIM(cls_tab)];
	unsigned int i, n = RTE_DIM(cls_tab), want_match = 0;

	for (i = 0; i < n; i++) {
		pkts[i] = pkt_make(&cls_tab[i].pkt, i);
		want_match += cls_tab[i].want != DPSEC_POLICY_ID_NONE;
	}
	assert_int_equal(dpsec_spd_classify(spd, pkts, (uint16_t)n, ids),
			 want_match);
	for (i = 0; i < n; i++) {
		if (ids[i] != cls_tab[i].want)
			print_error("%s: row %u (%s -> %s): policy %u, want %u\n",
				    what, i, cls_tab[i].pkt.src,
				    cls_tab[i].pkt.dst, ids[i],
				    cls_tab[i].want);
		assert_int_equal(ids[i], cls_tab[i].want);
	}
	free_all(pkts, n);
}

static void
test_classify_table(void **state)
{
	struct dpsec_spd *fwd, *rev;
	struct dpsec_policy p;
	struct rte_mbuf *m;
	uint32_t id;

	(void)state;
	fwd = spd_make("cls-fwd", DPSEC_SA_OUTBOUND, cls_pol,
		       RTE_DIM(cls_pol), false, NULL);
	rev = spd_make("cls-rev", DPSEC_SA_OUTBOUND, cls_pol,
		       RTE_DIM(cls_pol), true, NULL);
	check_cls(fwd, "forward insertion");
	check_cls(rev, "reverse insertion");

	/* Pending edits are invisible until commit. */
	m = pkt_make(&cls_tab[8].pkt, 0);
	assert_int_equal(dpsec_spd_del(fwd, 3), 0);
	assert_int_equal(dpsec_spd_del(fwd, 3), -ENOENT);
	assert_int_equal(dpsec_spd_classify(fwd, &m, 1, &id), 1);
	assert_int_equal(id, 3);
	assert_int_equal(dpsec_spd_commit(fwd), 0);
	assert_int_equal(dpsec_spd_classify(fwd, &m, 1, &id), 1);
	assert_int_equal(id, 2);
	rte_pktmbuf_free(m);

	/* Argument checks. */
	pol_fill(&p, &cls_pol[0], NULL);
	assert_int_equal(dpsec_spd_add(fwd, &p), -EEXIST);
	p.id = 77;
	p.sel.src_plen = 33;
	assert_int_equal(dpsec_spd_add(fwd, &p), -EINVAL);
	p.sel.src_plen = 8;
	p.sel.dport_lo = 9;
	p.sel.dport_hi = 8;
	assert_int_equal(dpsec_spd_add(fwd, &p), -EINVAL);
	p.sel.dport_lo = 0;
	p.action = DPSEC_POLICY_PROTECT;
	p.reqid = 0;
	assert_int_equal(dpsec_spd_add(fwd, &p), -EINVAL);
	p.id = DPSEC_POLICY_ID_NONE;
	p.action = DPSEC_POLICY_BYPASS;
	assert_int_equal(dpsec_spd_add(fwd, &p), -EINVAL);
	assert_null(dpsec_spd_create(ctx, "x", DPSEC_SA_OUTBOUND, 0));
	assert_null(dpsec_spd_create(NULL, "x", DPSEC_SA_OUTBOUND, 8));
	assert_int_equal(dpsec_reqid_set(ctx, 0, NULL), -EINVAL);
	assert_int_equal(dpsec_reqid_set(ctx, 12345, NULL), -ENOENT);

	dpsec_spd_free(fwd);
	dpsec_spd_free(rev);
}

/* ---- Outbound burst and inbound policy check --------------------------- */

enum { SA_OA, SA_OB, SA_IA, SA_IB, SA_IB_OLD, NB_SA };
enum { SPI_A = 0x2001, SPI_B = 0x2002, SPI_B_OLD = 0x2003, REQID_B = 7 };

#define PS(id, prio, s, d, act, rq, sa) \
	{ id, prio, s, d, 0, 0, 0, 0, 0, DPSEC_POLICY_ ## act, rq, sa }

static const struct pol_spec out_pol[] = {
	PS(1, 100, "10.0.0.0/8", "10.0.0.0/8", BYPASS, 0, -1),
	PS(2, 1, "0.0.0.0/0", "10.66.0.0/16", DISCARD, 0, -1),
	PS(3, 10, "0.0.0.0/0", "172.16.1.0/24", PROTECT, 0, SA_OA),
	PS(4, 10, "::/0", "2001:db8:2::/48", PROTECT, REQID_B, -1),
	PS(5, 10, "0.0.0.0/0", "172.16.9.0/24", PROTECT, 8, -1), /* unbound */
};

static const struct pol_spec in_pol[] = {
	PS(1, 100, "10.0.0.0/8", "10.0.0.0/8", BYPASS, 0, -1),
	PS(2, 1, "0.0.0.0/0", "10.66.0.0/16", DISCARD, 0, -1),
	PS(3, 10, "0.0.0.0/0", "172.16.1.0/24", PROTECT, 0, SA_IA),
	PS(4, 10, "::/0", "2001:db8:2::/48", PROTECT, REQID_B, -1),
};

/* The kinds of packet of the mixed burst. */
static const struct mix_kind {
	struct pkt_spec pkt;
	enum dpsec_reason reason;	/* NONE: goes on */
	uint32_t spi;			/* protected with this SPI; 0: clear */
} mix[] = {
	{ { "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 1, 2, 0, 0 }, DPSEC_R_NONE, 0 },
	{ { "10.1.1.1", "10.66.2.2", IPPROTO_UDP, 1, 2, 0, 0 },
	  DPSEC_R_DISCARD, 0 },
	{ { "10.1.1.1", "172.16.1.7", IPPROTO_TCP, 1, 2, 0, 0 },
	  DPSEC_R_NONE, SPI_A },
	{ { "2001:db8:1::1", "2001:db8:2::7", IPPROTO_UDP, 1, 2, 0, 0 },
	  DPSEC_R_NONE, SPI_B },
	{ { "10.1.1.1", "172.16.9.7", IPPROTO_UDP, 1, 2, 0, 0 },
	  DPSEC_R_NO_SA, 0 },
	{ { "10.1.1.1", "8.8.8.8", IPPROTO_UDP, 1, 2, 0, 0 },
	  DPSEC_R_NO_POLICY, 0 },
	{ { "2001:db8:1::1", "3000::7", IPPROTO_UDP, 1, 2, 0, 0 },
	  DPSEC_R_NO_POLICY, 0 },
	{ { "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 1, 2, 0, 1 },
	  DPSEC_R_BAD_IP, 0 },
};

static struct dpsec_sa *sas[NB_SA];

static void
sas_make(void)
{
	sas[SA_OA] = sa_make(DPSEC_SA_OUTBOUND, SPI_A, 0);
	sas[SA_OB] = sa_make(DPSEC_SA_OUTBOUND, SPI_B, REQID_B);
	sas[SA_IA] = sa_make(DPSEC_SA_INBOUND, SPI_A, 0);
	sas[SA_IB] = sa_make(DPSEC_SA_INBOUND, SPI_B, REQID_B);
	sas[SA_IB_OLD] = sa_make(DPSEC_SA_INBOUND, SPI_B_OLD, REQID_B);
}

static void
sas_free(void)
{
	for (unsigned int i = 0; i < NB_SA; i++)
		assert_int_equal(dpsec_sa_destroy(ctx, sas[i]), 0);
}

static void
test_outbound_burst(void **state)
{
	static uint8_t orig[BURST][PKT_MAX];
	static size_t orig_len[BURST];
	struct rte_mbuf *pkts[BURST], *prot[BURST];
	struct dpsec_sa *in_sa[BURST];
	unsigned int kind_of[BURST], want_good = 0, want_hits[3] = { 0 };
	unsigned int i, k, g, b, nprot = 0, want_miss = 0;
	uint64_t want_drops[DPSEC_R_MAX] = { 0 };
	struct dpsec_spd_stats st;
	struct dpsec_spd *spd;
	uint16_t n;

	(void)state;
	sas_make();
	spd = spd_make("out-mix", DPSEC_SA_OUTBOUND, out_pol, RTE_DIM(out_pol),
		       false, sas);
	assert_int_equal(dpsec_reqid_set(ctx, REQID_B, sas[SA_OB]), 0);
	assert_ptr_equal(dpsec_reqid_get(ctx, REQID_B), sas[SA_OB]);
	assert_int_equal(dpsec_reqid_set(ctx, REQID_B, sas[SA_IB]), -EINVAL);

	/* A pseudo-random mix so every kind lands in both chunks. */
	for (i = 0; i < BURST; i++) {
		k = (i * 7 + i / 3) % RTE_DIM(mix);
		kind_of[i] = k;
		orig_len[i] = pkt_write(&mix[k].pkt, i, orig[i]);
		pkts[i] = pkt_mbuf(orig[i], orig_len[i]);
		want_good += mix[k].reason == DPSEC_R_NONE;
		want_drops[mix[k].reason]++;
		if (mix[k].reason == DPSEC_R_NO_POLICY)
			want_miss++;
		else if (mix[k].reason == DPSEC_R_DISCARD)
			want_hits[DPSEC_POLICY_DISCARD]++;
		else if (mix[k].spi != 0 || mix[k].reason == DPSEC_R_NO_SA)
			want_hits[DPSEC_POLICY_PROTECT]++;
		else if (mix[k].reason == DPSEC_R_NONE)
			want_hits[DPSEC_POLICY_BYPASS]++;
	}
	n = dpsec_outbound(ctx, spd, pkts, BURST);
	assert_int_equal(n, want_good);

	/* Good ones first in input order, then the others in input order. */
	for (i = 0, g = 0, b = n; i < BURST; i++) {
		const struct mix_kind *mk = &mix[kind_of[i]];
		struct rte_mbuf *m;

		if (mk->reason == DPSEC_R_NONE) {
			m = pkts[g++];
			if (mk->spi == 0) {
				assert_true(test_mbuf_equals(m, orig[i],
							     orig_len[i]));
			} else {
				assert_int_equal(esp_spi(m), mk->spi);
				prot[nprot++] = m;
			}
		} else {
			m = pkts[b++];
			assert_int_equal(dpsec_mbuf_reason(m), mk->reason);
			assert_int_equal(pkt_tag(m), i);
			assert_true(test_mbuf_equals(m, orig[i], orig_len[i]));
		}
	}
	assert_int_equal(dpsec_spd_stats_get(spd, &st), 0);
	assert_int_equal(st.lookups, BURST);
	assert_int_equal(st.passed, want_good);
	assert_int_equal(st.misses, want_miss);
	for (i = 0; i < DPSEC_POLICY_ACTION_MAX; i++)
		assert_int_equal(st.hits[i], want_hits[i]);
	for (i = 1; i < DPSEC_R_MAX; i++)
		assert_int_equal(st.drops[i], want_drops[i]);

	/* The protected ones decrypt to the originals, in order, and pass
	 * the inbound policy check. */
	assert_int_equal(dpsec_inbound(ctx, prot, (uint16_t)nprot, in_sa),
			 nprot);
	for (i = 0, k = 0; i < BURST; i++) {
		const struct mix_kind *mk = &mix[kind_of[i]];

		if (mk->reason != DPSEC_R_NONE || mk->spi == 0)
			continue;
		assert_true(test_mbuf_equals(prot[k], orig[i], orig_len[i]));
		assert_ptr_equal(in_sa[k],
				 sas[mk->spi == SPI_A ? SA_IA : SA_IB]);
		k++;
	}
	{
		struct dpsec_spd *spd_in = spd_make("in-rt", DPSEC_SA_INBOUND,
						    in_pol, RTE_DIM(in_pol),
						    false, sas);

		assert_int_equal(dpsec_inbound_policy_check(spd_in, prot,
							    in_sa,
							    (uint16_t)nprot),
				 nprot);
		dpsec_spd_free(spd_in);
	}
	free_all(pkts, BURST);
	assert_int_equal(dpsec_reqid_set(ctx, REQID_B, NULL), 0);
	assert_null(dpsec_reqid_get(ctx, REQID_B));
	dpsec_spd_free(spd);
	sas_free();
}

static void
test_inv5_inbound_check(void **state)
{
	static const struct in_row {
		struct pkt_spec pkt;
		int sa;			/* index into sas[], -1: clear */
		enum dpsec_reason want;
	} tab[] = {
		{ { "1.1.1.1", "172.16.1.5", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IA,
		  DPSEC_R_NONE },
		{ { "1.1.1.1", "172.16.1.5", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IB,
		  DPSEC_R_POLICY },
		{ { "1.1.1.1", "172.16.1.5", IPPROTO_UDP, 1, 1, 0, 0 }, -1,
		  DPSEC_R_POLICY },
		{ { "3000::1", "2001:db8:2::5", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IB,
		  DPSEC_R_NONE },
		/* the old SA of the reqid keeps working until deleted */
		{ { "3000::1", "2001:db8:2::5", IPPROTO_UDP, 1, 1, 0, 0 },
		  SA_IB_OLD, DPSEC_R_NONE },
		{ { "3000::1", "2001:db8:2::5", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IA,
		  DPSEC_R_POLICY },
		{ { "3000::1", "2001:db8:3::5", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IB,
		  DPSEC_R_POLICY },
		{ { "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 1, 1, 0, 0 }, -1,
		  DPSEC_R_NONE },
		{ { "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IA,
		  DPSEC_R_POLICY },
		{ { "10.1.1.1", "10.66.2.2", IPPROTO_UDP, 1, 1, 0, 0 }, -1,
		  DPSEC_R_DISCARD },
		{ { "10.1.1.1", "10.66.2.2", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IA,
		  DPSEC_R_POLICY },
		{ { "10.1.1.1", "8.8.8.8", IPPROTO_UDP, 1, 1, 0, 0 }, -1,
		  DPSEC_R_NO_POLICY },
		{ { "10.1.1.1", "8.8.8.8", IPPROTO_UDP, 1, 1, 0, 0 }, SA_IA,
		  DPSEC_R_POLICY },
		{ { "10.1.1.1", "10.2.2.2", IPPROTO_UDP, 1, 1, 0, 1 }, -1,
		  DPSEC_R_BAD_IP },
		{ { "1.1.1.1", "172.16.1.6", IPPROTO_TCP, 1, 1, 0, 0 }, SA_IA,
		  DPSEC_R_NONE },
	};
	enum { N = RTE_DIM(tab) };
	struct rte_mbuf *pkts[N];
	struct dpsec_sa *psa[N];
	struct dpsec_spd *spd;
	unsigned int i, g, b, want_good = 0;
	uint16_t n;

	(void)state;
	sas_make();
	spd = spd_make("in-tab", DPSEC_SA_INBOUND, in_pol, RTE_DIM(in_pol),
		       true, sas);
	for (i = 0; i < N; i++) {
		pkts[i] = pkt_make(&tab[i].pkt, i);
		psa[i] = tab[i].sa >= 0 ? sas[tab[i].sa] : NULL;
		want_good += tab[i].want == DPSEC_R_NONE;
	}
	n = dpsec_inbound_policy_check(spd, pkts, psa, N);
	assert_int_equal(n, want_good);
	for (i = 0, g = 0, b = n; i < N; i++) {
		if (tab[i].want == DPSEC_R_NONE) {
			assert_int_equal(pkt_tag(pkts[g]), i);
			assert_ptr_equal(psa[g], tab[i].sa >= 0 ?
					 sas[tab[i].sa] : NULL);
			g++;
		} else {
			if (dpsec_mbuf_reason(pkts[b]) != tab[i].want)
				print_error("row %u: %s, want %s\n", i,
					    dpsec_reason_str(
						dpsec_mbuf_reason(pkts[b])),
					    dpsec_reason_str(tab[i].want));
			assert_int_equal(pkt_tag(pkts[b]), i);
			assert_int_equal(dpsec_mbuf_reason(pkts[b]),
					 tab[i].want);
			b++;
		}
	}
	free_all(pkts, N);
	dpsec_spd_free(spd);
	sas_free();
}

/* ---- Rekey under traffic ------------------------------------------------ */

static struct {
	struct dpsec_spd *spd;
	volatile uint32_t stop;
	uint32_t last_spi;	/* atomic: last SPI the worker saw */
	uint64_t bursts;	/* atomic */
	uint64_t failed;	/* packets not protected */
	uint64_t went_back;	/* SPI went back to an older SA */
	uint64_t switches;
	uint64_t classify_bad;	/* results of neither rule set */
	uint64_t sets_seen[2];
} wk;

static int
rekey_worker(void *arg)
{
	static const struct pkt_spec ps = {
		"10.1.1.1", "172.16.1.9", IPPROTO_UDP, 1, 2, 0, 0 };
	uint8_t b[PKT_MAX];
	size_t len = pkt_write(&ps, 0, b);
	struct rte_mbuf *pkts[WORKER_BURST];
	uint32_t prev = 0;
	uint16_t n, i;

	(void)arg;
	while (!wk.stop) {
		if (rte_pktmbuf_alloc_bulk(pool, pkts, WORKER_BURST) != 0)
			continue;
		for (i = 0; i < WORKER_BURST; i++)
			memcpy(rte_pktmbuf_append(pkts[i], (uint16_t)len), b,
			       len);
		n = dpsec_outbound(ctx, wk.spd, pkts, WORKER_BURST);
		wk.failed += WORKER_BURST - n;
		for (i = 0; i < n; i++) {
			uint32_t spi = esp_spi(pkts[i]);

			if (spi < prev)
				wk.went_back++;
			else if (spi > prev && prev != 0)
				wk.switches++;
			if (spi > prev)
				prev = spi;
		}
		__atomic_store_n(&wk.last_spi, prev, __ATOMIC_RELEASE);
		__atomic_fetch_add(&wk.bursts, 1, __ATOMIC_RELEASE);
		rte_pktmbuf_free_bulk(pkts, WORKER_BURST);
	}
	return 0;
}

static void
wait_bursts(uint64_t more)
{
	uint64_t until = __atomic_load_n(&wk.bursts, __ATOMIC_ACQUIRE) + more;
	uint64_t deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	while (__atomic_load_n(&wk.bursts, __ATOMIC_ACQUIRE) < until)
		assert_true(rte_get_timer_cycles() < deadline);
}

static unsigned int
worker_lcore(void)
{
	unsigned int lc = rte_get_next_lcore(-1, 1, 0);

	assert_true(lc < RTE_MAX_LCORE);
	return lc;
}

static void
test_inv1_rekey_under_traffic(void **state)
{
	static const struct pol_spec pol[] = {
		PS(1, 10, "10.0.0.0/8", "172.16.0.0/12", PROTECT, 42, -1),
	};
	struct dpsec_sa *cur, *next;
	unsigned int lc = worker_lcore(), r;
	uint32_t spi = 0x3000;
	uint64_t deadline;

	(void)state;
	memset(&wk, 0, sizeof(wk));
	wk.spd = spd_make("rekey", DPSEC_SA_OUTBOUND, pol, 1, false, NULL);
	cur = sa_make(DPSEC_SA_OUTBOUND, spi, 42);
	assert_int_equal(dpsec_reqid_set(ctx, 42, cur), 0);
	assert_int_equal(rte_eal_remote_launch(rekey_worker, NULL, lc), 0);
	wait_bursts(50);

	for (r = 0; r < NB_REKEY; r++) {
		/* Make before break: new SA, switch, destroy the old. */
		next = sa_make(DPSEC_SA_OUTBOUND, ++spi, 42);
		assert_int_equal(dpsec_reqid_set(ctx, 42, next), 0);
		assert_int_equal(dpsec_sa_destroy(ctx, cur), 0);
		cur = next;
		deadline = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
		while (__atomic_load_n(&wk.last_spi, __ATOMIC_ACQUIRE) != spi)
			assert_true(rte_get_timer_cycles() < deadline);
		wait_bursts(2);
	}
	wk.stop = 1;
	assert_int_equal(rte_eal_wait_lcore(lc), 0);
	print_message("rekey: %" PRIu64 " bursts, %" PRIu64 " switches\n",
		      wk.bursts, wk.switches);
	assert_int_equal(wk.failed, 0);
	assert_int_equal(wk.went_back, 0);
	assert_int_equal(wk.switches, NB_REKEY);

	assert_int_equal(dpsec_reqid_set(ctx, 42, NULL), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, cur), 0);
	dpsec_spd_free(wk.spd);
}

/* ---- Commits under traffic ---------------------------------------------- */

/* Set 0: X bypass, Y discard. Set 1: X discard, Y bypass. */
static const struct pol_spec set_pol[2][2] = {
	{ PS(1, 10, "10.0.0.0/8", "10.1.0.0/16", BYPASS, 0, -1),
	  PS(2, 10, "10.0.0.0/8", "10.2.0.0/16", DISCARD, 0, -1) },
	{ PS(3, 10, "10.0.0.0/8", "10.1.0.0/16", DISCARD, 0, -1),
	  PS(4, 10, "10.0.0.0/8", "10.2.0.0/16", BYPASS, 0, -1) },
};

enum { NB_X = 40, NB_Y = 24, NB_XY = NB_X + NB_Y };

static int
commit_worker(void *arg)
{
	static const struct pkt_spec x = {
		"10.9.9.9", "10.1.0.1", IPPROTO_UDP, 1, 2, 0, 0 };
	static const struct pkt_spec y = {
		"10.9.9.9", "10.2.0.1", IPPROTO_UDP, 1, 2, 0, 0 };
	uint8_t bx[PKT_MAX], by[PKT_MAX];
	size_t lx = pkt_write(&x, 0, bx), ly = pkt_write(&y, 1, by);
	struct rte_mbuf *all[NB_XY], *pkts[NB_XY];
	uint32_t ids[NB_XY];
	uint16_t i, n;

	(void)arg;
	for (i = 0; i < NB_XY; i++) {
		all[i] = rte_pktmbuf_alloc(pool);
		if (all[i] == NULL)
			return -1;
		if (i % 8 < 5)
			memcpy(rte_pktmbuf_append(all[i], (uint16_t)lx), bx, lx);
		else
			memcpy(rte_pktmbuf_append(all[i], (uint16_t)ly), by, ly);
	}
	while (!wk.stop) {
		/* classify: every id from one set or the other, per burst */
		dpsec_spd_classify(wk.spd, all, NB_XY, ids);
		for (i = 0; i < NB_XY; i++) {
			bool isx = i % 8 < 5;
			uint32_t want0 = isx ? 1 : 2, want1 = isx ? 3 : 4;
			bool in0 = ids[0] == 1 || ids[0] == 2;

			if (ids[i] != (in0 ? want0 : want1))
				wk.classify_bad++;
		}
		/* outbound: exactly the X or exactly the Y ones go on */
		memcpy(pkts, all, sizeof(pkts));
		n = dpsec_outbound(ctx, wk.spd, pkts, NB_XY);
		if (n == NB_X)
			wk.sets_seen[0]++;
		else if (n == NB_Y)
			wk.sets_seen[1]++;
		else
			wk.classify_bad++;
		__atomic_fetch_add(&wk.bursts, 1, __ATOMIC_RELEASE);
	}
	rte_pktmbuf_free_bulk(all, NB_XY);
	return 0;
}

static void
test_commit_under_traffic(void **state)
{
	unsigned int lc = worker_lcore(), c;
	struct dpsec_spd_stats st;
	struct dpsec_policy p;

	(void)state;
	memset(&wk, 0, sizeof(wk));
	wk.spd = spd_make("commit", DPSEC_SA_OUTBOUND, set_pol[0], 2, false,
			  NULL);
	assert_int_equal(rte_eal_remote_launch(commit_worker, NULL, lc), 0);
	wait_bursts(20);
	for (c = 1; c <= NB_COMMIT; c++) {
		const struct pol_spec *from = set_pol[(c - 1) % 2];
		const struct pol_spec *to = set_pol[c % 2];

		assert_int_equal(dpsec_spd_del(wk.spd, from[0].id), 0);
		assert_int_equal(dpsec_spd_del(wk.spd, from[1].id), 0);
		pol_fill(&p, &to[0], NULL);
		assert_int_equal(dpsec_spd_add(wk.spd, &p), 0);
		pol_fill(&p, &to[1], NULL);
		assert_int_equal(dpsec_spd_add(wk.spd, &p), 0);
		assert_int_equal(dpsec_spd_commit(wk.spd), 0);
		wait_bursts(5);
	}
	wk.stop = 1;
	assert_int_equal(rte_eal_wait_lcore(lc), 0);
	print_message("commits: %" PRIu64 " bursts, set0 %" PRIu64
		      ", set1 %" PRIu64 "\n", wk.bursts, wk.sets_seen[0],
		      wk.sets_seen[1]);
	assert_int_equal(wk.classify_bad, 0);
	assert_true(wk.sets_seen[0] > 0 && wk.sets_seen[1] > 0);
	assert_int_equal(dpsec_spd_stats_get(wk.spd, &st), 0);
	assert_int_equal(st.commits, NB_COMMIT + 1);
	assert_int_equal(st.lookups, st.passed + st.drops[DPSEC_R_DISCARD]);
	dpsec_spd_free(wk.spd);
}

/* ---- Suite --------------------------------------------------------------- */

static int
suite_setup(void **state)
{
	static const char *const args[] = { "-l", "0-1" };
	struct dpsec_ctx_conf cc = { .name = "spd", .socket_id = SOCKET_ID_ANY,
				     .max_sa = 64 };

	(void)state;
	if (test_eal_init("spd", args, RTE_DIM(args)) < 0)
		return -1;
	pool = test_pool_create("spd_pool", TEST_POOL_SIZE, 512);
	ctx = pool != NULL ? dpsec_create(&cc) : NULL;
	return ctx != NULL ? 0 : -1;
}

/* Every case, the workers' included, gives back all it took. (Not in
 * the suite teardown: CMocka 1.1 does not count its failure.) */
static int
case_teardown(void **state)
{
	(void)state;
	return test_pool_full(pool) ? 0 : -1;
}

static int
suite_teardown(void **state)
{
	(void)state;
	dpsec_free(ctx);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_classify_table, case_teardown),
		cmocka_unit_test_teardown(test_outbound_burst, case_teardown),
		cmocka_unit_test_teardown(test_inv5_inbound_check,
					  case_teardown),
		cmocka_unit_test_teardown(test_inv1_rekey_under_traffic,
					  case_teardown),
		cmocka_unit_test_teardown(test_commit_under_traffic,
					  case_teardown),
	};

	return cmocka_run_group_tests_name("spd", tests, suite_setup,
					   suite_teardown);
}
