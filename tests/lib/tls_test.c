/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the TLS tests share: an independent TLS record layer on OpenSSL
 * EVP, written from the RFCs (not from lib/common/tls_rec.c), and TCP
 * segment builders. See tls_test.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <openssl/evp.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dpsec.h"
#include "eal_fixture.h"
#include "tls_test.h"

/* ------------------------------------------- independent record layer */


static const EVP_CIPHER *
ref_evp(enum dpsec_cipher c)
{
	return c == DPSEC_CIPHER_AES_GCM_128 ? EVP_aes_128_gcm() :
	       c == DPSEC_CIPHER_AES_GCM_256 ? EVP_aes_256_gcm() :
	       EVP_chacha20_poly1305();
}

bool
ref_explicit(const struct ref_suite *s)
{
	return s->ver == 0x0303 && s->cipher != DPSEC_CIPHER_CHACHA20_POLY1305;
}

void
ref_nonce(const struct ref_suite *s, uint64_t seq, const uint8_t *expl,
	  uint8_t nonce[12])
{
	if (ref_explicit(s)) {		/* RFC 5288 §3: salt || explicit */
		memcpy(nonce, s->iv, 4);
		memcpy(nonce + 4, expl, 8);
		return;
	}
	memcpy(nonce, s->iv, 12);	/* RFC 8446 §5.3, RFC 7905 §2 */
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* Seal a record: returns its wire length. @pt is the content. */
size_t
ref_seal(const struct ref_suite *s, uint64_t seq, uint8_t type,
	 const uint8_t *pt, size_t len, uint16_t pad, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12], aad[13], expl[8], inner[20000];
	size_t ilen = len, body, hl = 5;
	int n;

	assert_non_null(c);
	memcpy(inner, pt, len);
	if (s->ver == 0x0304) {
		inner[ilen++] = type;
		memset(inner + ilen, 0, pad);
		ilen += pad;
	}
	for (int i = 0; i < 8; i++)
		expl[i] = (uint8_t)(seq >> (56 - 8 * i)) ^ 0x5a;
	body = (ref_explicit(s) ? 8 : 0) + ilen + 16;
	out[0] = s->ver == 0x0304 ? 23 : type;
	out[1] = 3;
	out[2] = 3;
	out[3] = (uint8_t)(body >> 8);
	out[4] = (uint8_t)body;
	if (ref_explicit(s)) {
		memcpy(out + 5, expl, 8);
		hl += 8;
	}
	ref_nonce(s, seq, expl, nonce);
	if (s->ver == 0x0304) {
		memcpy(aad, out, 5);
	} else {
		for (int i = 0; i < 8; i++)
			aad[i] = (uint8_t)(seq >> (56 - 8 * i));
		aad[8] = type;
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = (uint8_t)(len >> 8);
		aad[12] = (uint8_t)len;
	}
	assert_int_equal(EVP_EncryptInit_ex(c, ref_evp(s->cipher), NULL, NULL,
					    NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12,
					     NULL), 1);
	assert_int_equal(EVP_EncryptInit_ex(c, NULL, NULL, s->key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &n, aad,
			 s->ver == 0x0304 ? 5 : 13), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out + hl, &n, inner, (int)ilen),
			 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + hl + n, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
					     out + hl + ilen), 1);
	EVP_CIPHER_CTX_free(c);
	return 5 + body;
}

/* Open the record at @rec: returns the content length or -1. */
int
ref_open(const struct ref_suite *s, uint64_t seq, const uint8_t *rec,
	 uint8_t *type, uint8_t *pt)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint16_t body = (uint16_t)(rec[3] << 8 | rec[4]);
	size_t hl = ref_explicit(s) ? 13 : 5, ct = 5 + body - hl - 16;
	uint8_t nonce[12], aad[13], tag[16];
	int n, ok, len = (int)ct;

	assert_non_null(c);
	ref_nonce(s, seq, rec + 5, nonce);
	if (s->ver == 0x0304) {
		memcpy(aad, rec, 5);
	} else {
		for (int i = 0; i < 8; i++)
			aad[i] = (uint8_t)(seq >> (56 - 8 * i));
		aad[8] = rec[0];
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = (uint8_t)(ct >> 8);
		aad[12] = (uint8_t)ct;
	}
	memcpy(tag, rec + hl + ct, 16);
	EVP_DecryptInit_ex(c, ref_evp(s->cipher), NULL, NULL, NULL);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
	EVP_DecryptInit_ex(c, NULL, NULL, s->key, nonce);
	EVP_DecryptUpdate(c, NULL, &n, aad, s->ver == 0x0304 ? 5 : 13);
	EVP_DecryptUpdate(c, pt, &n, rec + hl, (int)ct);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag);
	ok = EVP_DecryptFinal_ex(c, pt + n, &n);
	EVP_CIPHER_CTX_free(c);
	if (ok != 1)
		return -1;
	if (s->ver == 0x0304) {
		while (len > 0 && pt[len - 1] == 0)
			len--;
		if (len == 0)
			return -1;
		*type = pt[--len];
	} else {
		*type = rec[0];
	}
	return len;
}

/* --------------------------------------------------------- segments */


void
conn_init(struct conn *c, uint8_t family)
{
	memset(c, 0, sizeof(*c));
	c->family = family;
	c->a.family = c->b.family = family;
	if (family == 4) {
		c->a.v4 = rte_cpu_to_be_32(TEST_IPV4(192, 0, 2, 1));
		c->b.v4 = rte_cpu_to_be_32(TEST_IPV4(198, 51, 100, 7));
	} else {
		c->a.v6[0] = 0x20; c->a.v6[1] = 0x01; c->a.v6[2] = 0x0d;
		c->a.v6[3] = 0xb8; c->a.v6[15] = 1;
		memcpy(c->b.v6, c->a.v6, 16);
		c->b.v6[15] = 2;
	}
	c->pa = 443;
	c->pb = 50123;
}

/* A TCP segment from @src to @dst carrying @len bytes of @p, split in
 * @nseg mbuf segments. */
struct rte_mbuf *
seg_make(const struct conn *c, bool from_a, uint32_t seq, const uint8_t *p,
	 uint32_t len, unsigned int nseg)
{
	uint8_t buf[20000];
	size_t l3 = c->family == 4 ? 20 : 40, off = 14 + l3 + 20;
	const struct dpsec_addr *src = from_a ? &c->a : &c->b;
	const struct dpsec_addr *dst = from_a ? &c->b : &c->a;
	struct rte_tcp_hdr *th = (void *)(buf + 14 + l3);
	struct rte_mbuf *m;

	memset(buf, 0, off);
	buf[12] = c->family == 4 ? 0x08 : 0x86;
	buf[13] = c->family == 4 ? 0x00 : 0xdd;
	if (c->family == 4) {
		struct rte_ipv4_hdr *ip = (void *)(buf + 14);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + 20 + len));
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = src->v4;
		ip->dst_addr = dst->v4;
	} else {
		struct rte_ipv6_hdr *ip = (void *)(buf + 14);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(20 + len));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, src->v6, 16);
		memcpy(ip->dst_addr, dst->v6, 16);
	}
	th->src_port = rte_cpu_to_be_16(from_a ? c->pa : c->pb);
	th->dst_port = rte_cpu_to_be_16(from_a ? c->pb : c->pa);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	memcpy(buf + off, p, len);
	if (nseg > 1 + len / 64)
		nseg = 1 + len / 64;
	/* Each mbuf holds at most ~1900 bytes of the tlst_pool's 2048. */
	if (nseg < (off + len + 1899) / 1900)
		nseg = (unsigned int)((off + len + 1899) / 1900);
	if (nseg < 1)
		nseg = 1;
	m = test_mbuf_from_bytes(tlst_pool, buf, off + len, nseg);
	assert_non_null(m);
	m->l2_len = 14;
	m->l3_len = (uint16_t)l3;
	m->l4_len = 20;
	return m;
}

uint32_t cut_rand_max = 3000;

/* Cut [0, len) of @stream into segments: sizes from @mss (0: random
 * 1..3000), each of @nseg mbuf segments; returns how many. */
unsigned int
cut(const struct conn *c, bool from_a, uint32_t seq0, const uint8_t *stream,
    uint32_t len, uint32_t mss, unsigned int nseg, struct rte_mbuf **out,
    unsigned int cap)
{
	uint32_t off = 0;
	unsigned int n = 0;

	while (off < len) {
		uint32_t k = mss != 0 ? mss :
			     1 + (uint32_t)rand() % cut_rand_max;

		k = RTE_MIN(k, len - off);
		assert_true(n < cap);
		out[n++] = seg_make(c, from_a, seq0 + off, stream + off, k, nseg);
		off += k;
	}
	return n;
}

/* Payload of a segment into @dst; returns its length. */
uint32_t
seg_payload(const struct rte_mbuf *m, uint8_t *dst)
{
	uint8_t buf[20000];
	uint32_t off = m->l2_len + m->l3_len + m->l4_len;
	size_t n = test_mbuf_copy(m, buf, sizeof(buf));

	assert_true(n >= off);
	memcpy(dst, buf + off, n - off);
	return (uint32_t)(n - off);
}


bool
rec_equals(const struct rte_mbuf *m, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	if (m == NULL || m->pkt_len != len)
		return false;
	for (; m != NULL; m = m->next) {
		if (off + m->data_len > len ||
		    memcmp(rte_pktmbuf_mtod(m, const uint8_t *), buf + off,
			   m->data_len) != 0)
			return false;
		off += m->data_len;
	}
	return off == len;
}

void
ref_conf_fill(struct dpsec_tls_conf *tc, const struct ref_suite *s,
	      const struct conn *c, bool rx, uint16_t port,
	      enum dpsec_offload off, uint32_t tcp_seq)
{
	memset(tc, 0, sizeof(*tc));
	tc->ver = s->ver;
	tc->type = rx ? DPSEC_TLS_READ : DPSEC_TLS_WRITE;
	tc->cipher = s->cipher;
	tc->key = s->key;
	tc->key_len = s->key_len;
	memcpy(tc->imp_nonce, s->iv, 12);
	tc->local = rx ? c->b : c->a;
	tc->remote = rx ? c->a : c->b;
	tc->local_port = rx ? c->pb : c->pa;
	tc->remote_port = rx ? c->pa : c->pb;
	tc->tcp_seq = tcp_seq;
	tc->port_id = port;
	tc->offload = off;
}

int
tls_two_ports_up(const char *prog, const char *pool_name,
		 const char *ctx_name, struct dpsec_ctx **ctx)
{
	static const char *const args[] = {
		"--vdev", "net_sim_inline0,max_sa=16",
		"--vdev", "net_sim_inline1,max_sa=4,max_tls=2",
	};
	struct dpsec_ctx_conf cc = {
		.name = ctx_name, .socket_id = SOCKET_ID_ANY, .max_sa = 16,
	};

	if (test_eal_init(prog, args, (int)RTE_DIM(args)) < 0)
		return -1;
	tlst_pool = test_pool_create(pool_name, 8191, 2048);
	/* Segments fit the ports' 1500-byte MTU and one RX buffer. */
	cut_rand_max = 1400;
	if (tlst_pool == NULL)
		return -1;
	for (uint16_t p = 0; p < 2; p++)
		if (test_port_start_simple(p, 1, 1, NULL, tlst_pool) != 0 ||
		    rte_eth_promiscuous_enable(p) != 0)
			return -1;
	*ctx = dpsec_create(&cc);
	if (*ctx == NULL || dpsec_port_attach(*ctx, 0) != 0 ||
	    dpsec_port_attach(*ctx, 1) != 0)
		return -1;
	return 0;
}

bool
tls_two_ports_down(struct dpsec_ctx *ctx)
{
	bool ok;

	dpsec_free(ctx);
	for (uint16_t p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	ok = test_pool_full(tlst_pool);
	if (!ok)
		fprintf(stderr, "mbufs leaked\n");
	rte_mempool_free(tlst_pool);
	rte_eal_cleanup();
	return ok;
}

int
tls_sendbuf_read(void *arg, uint32_t seq, uint8_t *buf, uint32_t len)
{
	const struct tls_sendbuf *sb = arg;
	uint32_t off = seq - sb->seq0;

	if (off > sb->size || len > sb->size - off)
		return -1;
	memcpy(buf, sb->data + off, len);
	return 0;
}
