/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security invariants of doc/security_model.md as named tests (more of
 * each in the tests that table lists).
 *
 * inv5_*: the inbound policy check holds for every placement of the SA a
 * packet came in on (software, inline crypto, inline protocol on
 * net_sim_inline): a packet decrypted on an SA passes
 * dpsec_inbound_policy_check() only if its inner header matches a PROTECT
 * policy of that SA, else POLICY; a clear packet a PROTECT policy covers
 * is POLICY too.
 *
 * inv4_*: key material is wiped when an SA or a TLS context is destroyed,
 * and when its context is freed with it still in it.
 *
 * No hook inside the library. Each case makes keys of distinct random
 * bytes and checks that DPDK's memory holds them while the SA or context
 * lives (the library's copy, the crypto engine's key schedule - AES's
 * first round key is the key itself -, the NIC's session on
 * net_sim_inline). Then, when it is destroyed:
 * - every block given back to rte_free() must hold no 12-byte run of the
 *   keys: the test interposes rte_free() (its definition here comes
 *   before EAL's for libdpsec and the driver) and reads each block before
 *   EAL's rte_free() clears it - so a copy freed without being wiped is
 *   caught, although DPDK 22.11 zeroes freed memory itself;
 * - no allocated DPDK memory segment (rte_memseg_contig_walk()) may hold
 *   one either: a copy kept after destroy is caught.
 * The application's own copies (here on the stack) are the application's.
 * Placements: software, inline crypto and inline protocol (NIC), both
 * directions, AEAD and AES-CBC + HMAC; TLS write and read contexts in
 * software and on the NIC.
 *
 * Not covered: memory outside DPDK's (OpenSSL's EVP contexts live in the
 * C heap: the cases use the IPsec-MB backend).
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "dpsec_sa.h"
#include "dpsec_spd.h"
#include "dpsec_tls.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum { RUN = 12, P0 = 0, P1 = 1 };

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static void
rand_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		b[i] = (uint8_t)(rng >> 24);
	}
}

/* Keys being watched in freed blocks (rte_free() below). */
static struct {
	const uint8_t *key[8];
	size_t len[8];
	unsigned int nb;
	unsigned int freed_with_key;	/* blocks freed holding a key run */
	unsigned int checked;		/* blocks looked at */
} watch;

static void
watch_key(const uint8_t *key, size_t len)
{
	assert_true(watch.nb < RTE_DIM(watch.key) && len >= RUN);
	watch.key[watch.nb] = key;
	watch.len[watch.nb++] = len;
}

static void
watch_reset(void)
{
	memset(&watch, 0, sizeof(watch));
}

/* EAL's rte_free(), after a look at the block for the watched keys. */
void
rte_free(void *ptr)
{
	static void (*eal_free)(void *);
	size_t size;

	if (eal_free == NULL)
		*(void **)&eal_free = dlsym(RTLD_NEXT, "rte_free");
	if (ptr != NULL && watch.nb > 0 && rte_malloc_validate(ptr, &size) == 0) {
		watch.checked++;
		for (unsigned int k = 0; k < watch.nb; k++)
			for (size_t off = 0; off + RUN <= watch.len[k];
			     off += RUN)
				if (memmem(ptr, size, watch.key[k] + off,
					   RUN) != NULL) {
					watch.freed_with_key++;
					k = watch.nb;
					break;
				}
	}
	eal_free(ptr);
}

struct scan {
	const uint8_t *key;
	size_t len;
	unsigned int hits;
};

/* Count the windows of RUN bytes of the key found in one VA-contiguous
 * stretch of allocated DPDK memory. */
static int
scan_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
	 size_t len, void *arg)
{
	struct scan *s = arg;

	(void)msl;
	for (size_t off = 0; off + RUN <= s->len; off += RUN) {
		const uint8_t *p = ms->addr, *end = p + len;

		while (p < end) {
			p = memmem(p, (size_t)(end - p), s->key + off, RUN);
			if (p == NULL)
				break;
			s->hits++;
			p++;
		}
	}
	return 0;
}

/* How many copies of @key's pieces DPDK's memory holds. */
static unsigned int
key_hits(const uint8_t *key, size_t len)
{
	struct scan s = { .key = key, .len = len };

	assert_true(len >= RUN);
	assert_int_equal(rte_memseg_contig_walk(scan_seg, &s), 0);
	return s.hits;
}

struct sa_row {
	const char *name;
	const char *alg;
	enum dpsec_sa_dir dir;
	enum dpsec_offload offload;
	uint32_t flags;			/* DPSEC_SA_F_NO_INLINE_PROTOCOL */
	enum dpsec_placement want;
};

static const struct sa_row sa_rows[] = {
	{ "gcm128-out-sw", "gcm128", DPSEC_SA_OUTBOUND, DPSEC_OFFLOAD_NONE,
	  0, DPSEC_PLACE_SW },
	{ "gcm256-in-sw", "gcm256", DPSEC_SA_INBOUND, DPSEC_OFFLOAD_NONE, 0,
	  DPSEC_PLACE_SW },
	{ "chacha-in-sw", "chacha20poly1305", DPSEC_SA_INBOUND,
	  DPSEC_OFFLOAD_NONE, 0, DPSEC_PLACE_SW },
	{ "cbc-sha256-out-sw", "cbc256-sha256", DPSEC_SA_OUTBOUND,
	  DPSEC_OFFLOAD_NONE, 0, DPSEC_PLACE_SW },
	{ "gcm128-out-proto", "gcm128", DPSEC_SA_OUTBOUND, DPSEC_OFFLOAD_AUTO,
	  0, DPSEC_PLACE_INLINE_PROTOCOL },
	{ "gcm128-in-proto", "gcm128", DPSEC_SA_INBOUND, DPSEC_OFFLOAD_AUTO,
	  0, DPSEC_PLACE_INLINE_PROTOCOL },
	{ "gcm256-in-crypto", "gcm256", DPSEC_SA_INBOUND, DPSEC_OFFLOAD_AUTO,
	  DPSEC_SA_F_NO_INLINE_PROTOCOL, DPSEC_PLACE_INLINE_CRYPTO },
	{ "cbc-sha256-out-crypto", "cbc256-sha256", DPSEC_SA_OUTBOUND,
	  DPSEC_OFFLOAD_AUTO, DPSEC_SA_F_NO_INLINE_PROTOCOL,
	  DPSEC_PLACE_INLINE_CRYPTO },
};

static struct dpsec_sa *
sa_new(const struct sa_row *r, struct espt_keys *k, uint32_t spi)
{
	const struct espt_alg *a = espt_alg_find(r->alg);
	struct dpsec_sa_conf c;
	struct dpsec_sa_info info;
	struct dpsec_sa *sa;

	assert_non_null(a);
	rand_bytes(k->ckey, sizeof(k->ckey));
	rand_bytes(k->akey, sizeof(k->akey));
	espt_conf(&c, a, k, r->dir, DPSEC_SA_TUNNEL, 4, spi, r->flags);
	c.offload = r->offload;
	c.port_id = r->dir == DPSEC_SA_OUTBOUND ? P0 : P1;
	sa = dpsec_sa_create(ctx, &c);
	if (sa == NULL)
		fail_msg("%s: %s", r->name, rte_strerror(rte_errno));
	assert_int_equal(dpsec_sa_info(sa, &info), 0);
	if (info.placement != r->want)
		fail_msg("%s: placed %d, want %d", r->name, info.placement,
			 r->want);
	return sa;
}

/* The cipher key (without salt) is in DPDK memory while the SA lives:
 * the scan can see a key, so "none after" means something. */
static size_t
ckey_len(const struct sa_row *r)
{
	const struct espt_alg *a = espt_alg_find(r->alg);

	return a->cipher == DPSEC_CIPHER_AES_GCM_128 ||
	       a->cipher == DPSEC_CIPHER_AES_GCM_256 ||
	       a->cipher == DPSEC_CIPHER_CHACHA20_POLY1305 ?
	       a->ckey_len - 4u : a->ckey_len;
}

/* dpsec destroys the NIC session of a destroyed SA a grace (100 ms)
 * later, from an EAL alarm (doc/programmers_guide.md, "Placement"). */
static void
grace_wait(void)
{
	rte_delay_ms(250);
}

/* inv4: every row's SA, destroyed: no piece of its keys is left. */
static void
test_inv4_sa_keys_wiped_on_destroy(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(sa_rows); i++) {
		const struct sa_row *r = &sa_rows[i];
		const struct espt_alg *a = espt_alg_find(r->alg);
		struct espt_keys k;
		struct dpsec_sa *sa = sa_new(r, &k, 0x7100 + i);

		if (key_hits(k.ckey, ckey_len(r)) == 0)
			fail_msg("%s: the key is nowhere while the SA lives: "
				 "the scan cannot see it", r->name);
		watch_reset();
		watch_key(k.ckey, ckey_len(r));
		if (a->akey_len != 0)
			watch_key(k.akey, a->akey_len);
		assert_int_equal(dpsec_sa_destroy(ctx, sa), 0);
		grace_wait();
		if (watch.checked == 0 || watch.freed_with_key != 0)
			fail_msg("%s: %u of %u blocks freed held key bytes",
				 r->name, watch.freed_with_key, watch.checked);
		watch_reset();
		if (key_hits(k.ckey, a->ckey_len) != 0)
			fail_msg("%s: cipher key bytes left after destroy",
				 r->name);
		if (a->akey_len != 0 && key_hits(k.akey, a->akey_len) != 0)
			fail_msg("%s: HMAC key bytes left after destroy",
				 r->name);
	}
}

/* inv4: SAs still in a context when dpsec_free() frees it. */
static void
test_inv4_ctx_free_wipes_its_sas(void **state)
{
	struct espt_keys k[RTE_DIM(sa_rows)];
	struct dpsec_ctx *saved = ctx;

	(void)state;
	ctx = espt_ctx("inv4free", DPSEC_BACKEND_IPSEC_MB, 64);
	assert_non_null(ctx);
	assert_int_equal(dpsec_port_attach(ctx, P0), 0);
	assert_int_equal(dpsec_port_attach(ctx, P1), 0);
	for (unsigned int i = 0; i < RTE_DIM(sa_rows); i++)
		(void)sa_new(&sa_rows[i], &k[i], 0x7200 + i);
	watch_reset();
	for (unsigned int i = 0; i < RTE_DIM(sa_rows); i++) {
		assert_true(key_hits(k[i].ckey, ckey_len(&sa_rows[i])) > 0);
		watch_key(k[i].ckey, ckey_len(&sa_rows[i]));
	}
	dpsec_free(ctx);
	ctx = saved;
	if (watch.checked == 0 || watch.freed_with_key != 0)
		fail_msg("dpsec_free(): %u of %u blocks freed held key bytes",
			 watch.freed_with_key, watch.checked);
	watch_reset();
	for (unsigned int i = 0; i < RTE_DIM(sa_rows); i++) {
		const struct espt_alg *a = espt_alg_find(sa_rows[i].alg);

		if (key_hits(k[i].ckey, a->ckey_len) != 0 ||
		    (a->akey_len && key_hits(k[i].akey, a->akey_len) != 0))
			fail_msg("%s: key bytes left after dpsec_free()",
				 sa_rows[i].name);
	}
}

struct tls_row {
	const char *name;
	enum dpsec_tls_version ver;
	enum dpsec_tls_sess_type type;
	enum dpsec_cipher cipher;
	uint16_t key_len;
	enum dpsec_offload offload;
	bool nic;			/* placed on the NIC */
};

static const struct tls_row tls_rows[] = {
	{ "tls13-write-sw", DPSEC_TLS_VERSION_1_3, DPSEC_TLS_WRITE,
	  DPSEC_CIPHER_AES_GCM_128, 16, DPSEC_OFFLOAD_NONE, false },
	{ "tls12-read-sw", DPSEC_TLS_VERSION_1_2, DPSEC_TLS_READ,
	  DPSEC_CIPHER_AES_GCM_256, 32, DPSEC_OFFLOAD_NONE, false },
	{ "tls13-read-chacha-sw", DPSEC_TLS_VERSION_1_3, DPSEC_TLS_READ,
	  DPSEC_CIPHER_CHACHA20_POLY1305, 32, DPSEC_OFFLOAD_NONE, false },
	{ "tls13-write-nic", DPSEC_TLS_VERSION_1_3, DPSEC_TLS_WRITE,
	  DPSEC_CIPHER_AES_GCM_128, 16, DPSEC_OFFLOAD_REQUIRE, true },
	{ "tls12-read-nic", DPSEC_TLS_VERSION_1_2, DPSEC_TLS_READ,
	  DPSEC_CIPHER_AES_GCM_256, 32, DPSEC_OFFLOAD_REQUIRE, true },
};

static struct dpsec_tls *
tls_new(struct dpsec_ctx *c, const struct tls_row *r, uint8_t key[32],
	uint16_t lport)
{
	struct dpsec_tls_conf tc;
	struct dpsec_tls_info info;
	struct dpsec_tls *t;

	rand_bytes(key, 32);
	memset(&tc, 0, sizeof(tc));
	tc.ver = r->ver;
	tc.type = r->type;
	tc.cipher = r->cipher;
	tc.key = key;
	tc.key_len = r->key_len;
	rand_bytes(tc.imp_nonce, sizeof(tc.imp_nonce));
	tc.local.family = 4;
	tc.local.v4 = rte_cpu_to_be_32(0xc0000201);	/* 192.0.2.1 */
	tc.remote.family = 4;
	tc.remote.v4 = rte_cpu_to_be_32(0xc6336401);	/* 198.51.100.1 */
	tc.local_port = lport;
	tc.remote_port = 443;
	tc.tcp_seq = 1000;
	tc.port_id = r->type == DPSEC_TLS_WRITE ? P0 : P1;
	tc.offload = r->offload;
	t = dpsec_tls_create(c, &tc);
	if (t == NULL)
		fail_msg("%s: %s", r->name, rte_strerror(rte_errno));
	assert_int_equal(dpsec_tls_info(t, &info), 0);
	if ((info.placement != DPSEC_PLACE_SW) != r->nic)
		fail_msg("%s: placement %d", r->name, info.placement);
	return t;
}

/* inv4 for TLS: contexts destroyed, and contexts left to dpsec_free(). */
static void
test_inv4_tls_keys_wiped_on_destroy(void **state)
{
	uint8_t key[RTE_DIM(tls_rows)][32];
	struct dpsec_tls *t[RTE_DIM(tls_rows)];
	struct dpsec_ctx *c;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(tls_rows); i++) {
		t[i] = tls_new(ctx, &tls_rows[i], key[i], 40000 + i);
		if (key_hits(key[i], tls_rows[i].key_len) == 0)
			fail_msg("%s: the key is nowhere while the context "
				 "lives", tls_rows[i].name);
		watch_reset();
		watch_key(key[i], tls_rows[i].key_len);
		assert_int_equal(dpsec_tls_destroy(ctx, t[i]), 0);
		grace_wait();	/* a write context's NIC entry */
		if (watch.checked == 0 || watch.freed_with_key != 0)
			fail_msg("%s: %u of %u blocks freed held key bytes",
				 tls_rows[i].name, watch.freed_with_key,
				 watch.checked);
		watch_reset();
		if (key_hits(key[i], tls_rows[i].key_len) != 0)
			fail_msg("%s: key bytes left after destroy",
				 tls_rows[i].name);
	}

	c = espt_ctx("inv4tls", DPSEC_BACKEND_IPSEC_MB, 64);
	assert_non_null(c);
	assert_int_equal(dpsec_port_attach(c, P0), 0);
	assert_int_equal(dpsec_port_attach(c, P1), 0);
	watch_reset();
	for (unsigned int i = 0; i < RTE_DIM(tls_rows); i++) {
		t[i] = tls_new(c, &tls_rows[i], key[i], 41000 + i);
		watch_key(key[i], tls_rows[i].key_len);
	}
	dpsec_free(c);
	if (watch.checked == 0 || watch.freed_with_key != 0)
		fail_msg("dpsec_free(): %u of %u blocks freed held TLS key "
			 "bytes", watch.freed_with_key, watch.checked);
	watch_reset();
	for (unsigned int i = 0; i < RTE_DIM(tls_rows); i++)
		if (key_hits(key[i], tls_rows[i].key_len) != 0)
			fail_msg("%s: key bytes left after dpsec_free()",
				 tls_rows[i].name);
}

/* ---- inv5: the inbound policy check, every placement ---- */

/* Put IP packets on port 0's wire; collect them from port 1 without L2. */
static uint16_t
wire(struct rte_mbuf *m[], uint16_t n, struct rte_mbuf *out[])
{
	uint16_t got = 0;

	for (uint16_t i = 0; i < n; i++)
		assert_int_equal(espt_add_l2(m[i]), 0);
	assert_int_equal(rte_eth_tx_burst(P0, 0, m, n), n);
	for (unsigned int tries = 0; got < n && tries < 1000; tries++)
		got += rte_eth_rx_burst(P1, 0, out + got, n - got);
	for (uint16_t i = 0; i < got; i++)
		rte_pktmbuf_adj(out[i], RTE_ETHER_HDR_LEN);
	return got;
}

/* An IPv4/UDP packet from espt_pkt_build() (10.0.0.1 -> 10.0.1.1), its
 * destination changed to @dst (host order). */
static struct rte_mbuf *
pkt_to(uint32_t dst, uint32_t tag)
{
	uint8_t buf[ESPT_PKT_MAX];
	size_t len = espt_pkt_build(buf, 4, IPPROTO_UDP, 100, tag);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	struct rte_mbuf *m;

	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	m = espt_mbuf(pool, buf, len);
	assert_non_null(m);
	return m;
}

static const struct inv5_row {
	const char *name;
	enum dpsec_offload offload;
	uint32_t flags;
	enum dpsec_placement want;
	const char *xstat;		/* the NIC's count, or NULL */
} inv5_rows[] = {
	{ "software", DPSEC_OFFLOAD_NONE, 0, DPSEC_PLACE_SW, NULL },
	{ "inline-crypto", DPSEC_OFFLOAD_REQUIRE,
	  DPSEC_SA_F_NO_INLINE_PROTOCOL, DPSEC_PLACE_INLINE_CRYPTO,
	  "sec_rx_packets" },
	{ "inline-protocol", DPSEC_OFFLOAD_REQUIRE, 0,
	  DPSEC_PLACE_INLINE_PROTOCOL, "sec_rx_packets" },
};

static void
test_inv5_inbound_policy_every_placement(void **state)
{
	struct espt_keys k;

	(void)state;
	espt_keys_fill(&k, 55);
	for (unsigned int r = 0; r < RTE_DIM(inv5_rows); r++) {
		const struct inv5_row *w = &inv5_rows[r];
		uint32_t spi = 0x7300 + r;
		struct dpsec_sa_conf oc, ic;
		struct dpsec_sa *osa, *isa, *sas[3];
		struct dpsec_sa_info info;
		struct dpsec_policy pol = { 0 };
		struct dpsec_spd *spd;
		struct rte_mbuf *m[3], *rx[3];
		uint64_t nic0 = 0;
		uint16_t n;

		espt_conf(&oc, espt_alg_find("gcm128"), &k, DPSEC_SA_OUTBOUND,
			  DPSEC_SA_TUNNEL, 4, spi, w->flags);
		espt_conf(&ic, espt_alg_find("gcm128"), &k, DPSEC_SA_INBOUND,
			  DPSEC_SA_TUNNEL, 4, spi, w->flags);
		oc.offload = ic.offload = w->offload;
		oc.port_id = P0;
		ic.port_id = P1;
		osa = dpsec_sa_create(ctx, &oc);
		isa = dpsec_sa_create(ctx, &ic);
		assert_non_null(osa);
		assert_non_null(isa);
		assert_int_equal(dpsec_sa_info(isa, &info), 0);
		if (info.placement != w->want)
			fail_msg("%s: inbound SA placed %d", w->name,
				 info.placement);

		/* PROTECT 10.0.0.1 -> 10.0.1.1 by this SA; nothing else. */
		spd = dpsec_spd_create(ctx, "inv5", DPSEC_SA_INBOUND, 8);
		assert_non_null(spd);
		pol.id = 1;
		pol.sel.family = 4;
		memcpy(pol.sel.src, (uint8_t[]){ 10, 0, 0, 1 }, 4);
		pol.sel.src_plen = 32;
		memcpy(pol.sel.dst, (uint8_t[]){ 10, 0, 1, 1 }, 4);
		pol.sel.dst_plen = 32;
		pol.action = DPSEC_POLICY_PROTECT;
		pol.sa = isa;
		assert_int_equal(dpsec_spd_add(spd, &pol), 0);
		assert_int_equal(dpsec_spd_commit(spd), 0);

		if (w->xstat != NULL)
			nic0 = test_xstat(P1, w->xstat);
		m[0] = pkt_to(0x0a000101, 0);	/* the SA's traffic */
		m[1] = pkt_to(0x0a000909, 1);	/* not the SA's */
		assert_int_equal(dpsec_sa_outbound(osa, m, 2), 2);
		assert_int_equal(wire(m, 2, rx), 2);
		rx[2] = pkt_to(0x0a000101, 2);	/* in clear */
		sas[2] = NULL;
		assert_int_equal(dpsec_inbound(ctx, rx, 2, sas), 2);
		assert_ptr_equal(sas[0], isa);
		assert_ptr_equal(sas[1], isa);
		if (w->xstat != NULL &&
		    test_xstat(P1, w->xstat) - nic0 != 2)
			fail_msg("%s: the NIC did not decrypt them", w->name);
		n = dpsec_inbound_policy_check(spd, rx, sas, 3);
		assert_int_equal(n, 1);
		assert_int_equal(espt_pkt_tag(rte_pktmbuf_mtod(rx[0],
			const uint8_t *), rte_pktmbuf_data_len(rx[0])), 0);
		assert_int_equal(dpsec_mbuf_reason(rx[1]), DPSEC_R_POLICY);
		assert_int_equal(dpsec_mbuf_reason(rx[2]), DPSEC_R_POLICY);
		rte_pktmbuf_free_bulk(rx, 3);
		dpsec_spd_free(spd);
		assert_int_equal(dpsec_sa_destroy(ctx, osa), 0);
		assert_int_equal(dpsec_sa_destroy(ctx, isa), 0);
	}
}

static int
setup(void **state)
{
	static const char *const args[] = {
		"--vdev", "net_sim_inline0",
		"--vdev", "net_sim_inline1",
	};

	(void)state;
	return espt_nic_pair_setup("lib-invariants", args, RTE_DIM(args),
				   1023, &pool, &ctx);
}

/* Every case gives back all it took: the pool is full again (a started
 * sim_inline port takes mbufs from it only for the frames it delivers). */
static int
case_teardown(void **state)
{
	(void)state;
	return test_pool_full(pool) ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
			test_inv5_inbound_policy_every_placement,
			case_teardown),
		cmocka_unit_test_teardown(test_inv4_sa_keys_wiped_on_destroy,
					  case_teardown),
		cmocka_unit_test_teardown(test_inv4_ctx_free_wipes_its_sas,
					  case_teardown),
		cmocka_unit_test_teardown(test_inv4_tls_keys_wiped_on_destroy,
					  case_teardown),
	};
	int ret;

	ret = cmocka_run_group_tests_name("lib-invariants", tests, setup,
					  NULL);
	/* Here, not as the group teardown, whose failure CMocka 1.1 does
	 * not count: the pool full once the ports are closed. */
	return espt_nic_pair_teardown(ctx, pool) != 0 ? 1 : ret;
}
