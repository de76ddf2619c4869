/* SPDX-License-Identifier: BSD-3-Clause */
#include "esp_test.h"
#include "eal_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>
#include <rte_udp.h>

const struct espt_alg espt_algs[] = {
	{ "null-sha1", DPSEC_CIPHER_NULL, DPSEC_AUTH_HMAC_SHA1_96,
	  0, 20, 0, 12, 4, false },
	{ "null-sha256", DPSEC_CIPHER_NULL, DPSEC_AUTH_HMAC_SHA256_128,
	  0, 32, 0, 16, 4, false },
	{ "cbc128-sha1", DPSEC_CIPHER_AES_CBC_128, DPSEC_AUTH_HMAC_SHA1_96,
	  16, 20, 16, 12, 16, false },
	{ "cbc256-sha256", DPSEC_CIPHER_AES_CBC_256, DPSEC_AUTH_HMAC_SHA256_128,
	  32, 32, 16, 16, 16, false },
	/* RFC 4868 §2.1: key as long as the hash output, ICV its half */
	{ "null-sha512", DPSEC_CIPHER_NULL, DPSEC_AUTH_HMAC_SHA512_256,
	  0, 64, 0, 32, 4, false },
	{ "cbc128-sha384", DPSEC_CIPHER_AES_CBC_128, DPSEC_AUTH_HMAC_SHA384_192,
	  16, 48, 16, 24, 16, false },
	{ "cbc256-sha512", DPSEC_CIPHER_AES_CBC_256, DPSEC_AUTH_HMAC_SHA512_256,
	  32, 64, 16, 32, 16, false },
	{ "gcm128", DPSEC_CIPHER_AES_GCM_128, DPSEC_AUTH_NONE,
	  20, 0, 8, 16, 4, true },
	{ "gcm256", DPSEC_CIPHER_AES_GCM_256, DPSEC_AUTH_NONE,
	  36, 0, 8, 16, 4, true },
	{ "chacha20poly1305", DPSEC_CIPHER_CHACHA20_POLY1305, DPSEC_AUTH_NONE,
	  36, 0, 8, 16, 4, true },
};
const unsigned int espt_nb_algs = RTE_DIM(espt_algs);

const struct espt_alg *
espt_alg_find(const char *name)
{
	for (unsigned int i = 0; i < espt_nb_algs; i++)
		if (strcmp(espt_algs[i].name, name) == 0)
			return &espt_algs[i];
	return NULL;
}

void
espt_keys_fill(struct espt_keys *k, uint32_t seed)
{
	for (unsigned int i = 0; i < sizeof(k->ckey); i++)
		k->ckey[i] = (uint8_t)(seed * 29u + i * 13u + 1u);
	for (unsigned int i = 0; i < sizeof(k->akey); i++)
		k->akey[i] = (uint8_t)(seed * 17u + i * 7u + 3u);
}

static const uint8_t outer6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t outer6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t inner6_src[16] = { 0xfd, 0x00, [15] = 1 };
static const uint8_t inner6_dst[16] = { 0xfd, 0x00, [15] = 2 };
#define OUTER4_SRC 0xc0000201u	/* 192.0.2.1 */
#define OUTER4_DST 0xc6336401u	/* 198.51.100.1 */
#define INNER4_SRC 0x0a000001u	/* 10.0.0.1 */
#define INNER4_DST 0x0a000101u	/* 10.0.1.1 */

void
espt_outer_addr(struct dpsec_addr *src, struct dpsec_addr *dst,
		uint8_t family)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	src->family = dst->family = family;
	if (family == 4) {
		src->v4 = rte_cpu_to_be_32(OUTER4_SRC);
		dst->v4 = rte_cpu_to_be_32(OUTER4_DST);
	} else {
		memcpy(src->v6, outer6_src, 16);
		memcpy(dst->v6, outer6_dst, 16);
	}
}

static void
inner_addr(struct dpsec_addr *src, struct dpsec_addr *dst, uint8_t family)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	src->family = dst->family = family;
	if (family == 4) {
		src->v4 = rte_cpu_to_be_32(INNER4_SRC);
		dst->v4 = rte_cpu_to_be_32(INNER4_DST);
	} else {
		memcpy(src->v6, inner6_src, 16);
		memcpy(dst->v6, inner6_dst, 16);
	}
}

void
espt_conf(struct dpsec_sa_conf *c, const struct espt_alg *a,
	  const struct espt_keys *k, enum dpsec_sa_dir dir,
	  enum dpsec_sa_mode mode, uint8_t family, uint32_t spi,
	  uint32_t flags)
{
	memset(c, 0, sizeof(*c));
	c->spi = spi;
	c->dir = dir;
	c->mode = mode;
	if (mode == DPSEC_SA_TUNNEL)
		espt_outer_addr(&c->src, &c->dst, family);
	else
		inner_addr(&c->src, &c->dst, family);
	c->sad_key = DPSEC_SAD_SPI;
	c->cipher = a->cipher;
	c->cipher_key = a->ckey_len ? k->ckey : NULL;
	c->cipher_key_len = a->ckey_len;
	c->auth = a->auth;
	c->auth_key = a->akey_len ? k->akey : NULL;
	c->auth_key_len = a->akey_len;
	c->flags = flags;
	c->replay_window = dir == DPSEC_SA_INBOUND ? 64 : 0;
	if (flags & DPSEC_SA_F_NATT) {
		c->natt_sport = 4500;
		c->natt_dport = 4500;
	}
	c->offload = DPSEC_OFFLOAD_NONE;
	c->userdata = spi;
}

struct dpsec_ctx *
espt_ctx(const char *name, enum dpsec_backend b, uint32_t max_sa)
{
	struct dpsec_ctx_conf cc = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.max_sa = max_sa,
		.backend = b,
	};

	return dpsec_create(&cc);
}

/* ---- plain IP packets ---- */

static uint8_t
payload_byte(uint32_t tag, size_t i)
{
	return (uint8_t)(tag * 151u + i * 11u + (i >> 7));
}

size_t
espt_pkt_build(uint8_t *buf, uint8_t family, uint8_t proto, uint16_t total,
	       uint32_t tag)
{
	uint16_t l3 = family == 4 ? sizeof(struct rte_ipv4_hdr) :
				    sizeof(struct rte_ipv6_hdr);
	uint16_t l4 = proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) :
		      proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) : 0;
	uint8_t *l4p = buf + l3, *pl = l4p + l4;
	size_t plen;

	if (total < l3 + l4)
		total = l3 + l4;
	if (total > ESPT_PKT_MAX)
		total = ESPT_PKT_MAX;
	plen = total - l3 - l4;
	memset(buf, 0, total);
	for (size_t i = 0; i < plen; i++)
		pl[i] = payload_byte(tag, i);
	for (size_t i = 0; i < 4 && i < plen; i++)
		pl[i] = (uint8_t)(tag >> (24 - 8 * i));

	if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)l4p;

		u->src_port = rte_cpu_to_be_16((uint16_t)tag);
		u->dst_port = rte_cpu_to_be_16(2000);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(l4 + plen));
	} else if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)l4p;

		t->src_port = rte_cpu_to_be_16((uint16_t)tag);
		t->dst_port = rte_cpu_to_be_16(80);
		t->sent_seq = rte_cpu_to_be_32(tag);
		t->data_off = (sizeof(*t) / 4) << 4;
		t->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		t->rx_win = rte_cpu_to_be_16(65535);
	}
	if (family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = (uint8_t)(tag & 0xfc);
		ip->total_length = rte_cpu_to_be_16(total);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)tag);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 63;
		ip->next_proto_id = proto;
		ip->src_addr = rte_cpu_to_be_32(INNER4_SRC);
		ip->dst_addr = rte_cpu_to_be_32(INNER4_DST);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (proto == IPPROTO_UDP)
			((struct rte_udp_hdr *)l4p)->dgram_cksum =
				rte_ipv4_udptcp_cksum(ip, l4p);
		else if (proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4p)->cksum =
				rte_ipv4_udptcp_cksum(ip, l4p);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)buf;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28 |
						(tag & 0xfcu) << 20 |
						(tag & 0xfffffu));
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(total - l3));
		ip->proto = proto;
		ip->hop_limits = 63;
		memcpy(ip->src_addr, inner6_src, 16);
		memcpy(ip->dst_addr, inner6_dst, 16);
		if (proto == IPPROTO_UDP)
			((struct rte_udp_hdr *)l4p)->dgram_cksum =
				rte_ipv6_udptcp_cksum(ip, l4p);
		else if (proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4p)->cksum =
				rte_ipv6_udptcp_cksum(ip, l4p);
	}
	return total;
}

uint32_t
espt_pkt_tag(const uint8_t *pkt, size_t len)
{
	size_t l3;
	uint8_t proto;

	if (len < 1)
		return UINT32_MAX;
	if ((pkt[0] >> 4) == 4) {
		l3 = (pkt[0] & 0xfu) * 4u;
		if (len < 20)
			return UINT32_MAX;
		proto = pkt[9];
	} else if ((pkt[0] >> 4) == 6) {
		l3 = 40;
		if (len < 40)
			return UINT32_MAX;
		proto = pkt[6];
	} else {
		return UINT32_MAX;
	}
	if (proto == IPPROTO_UDP || proto == IPPROTO_TCP) {
		if (len < l3 + 2)
			return UINT32_MAX;
		return (uint32_t)pkt[l3] << 8 | pkt[l3 + 1];
	}
	if (len < l3 + 4)
		return UINT32_MAX;
	return (uint32_t)pkt[l3] << 24 | (uint32_t)pkt[l3 + 1] << 16 |
	       (uint32_t)pkt[l3 + 2] << 8 | pkt[l3 + 3];
}

uint32_t
espt_mbuf_tag(const struct rte_mbuf *m)
{
	return espt_pkt_tag(rte_pktmbuf_mtod(m, const uint8_t *),
			    rte_pktmbuf_data_len(m));
}

struct rte_mbuf *
espt_mbuf(struct rte_mempool *mp, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *d;

	if (m == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, buf, len);
	return m;
}

enum { EXACT_HEADROOM = 64 };

static void
exact_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

struct rte_mbuf *
espt_mbuf_exact(struct rte_mempool *mp, const uint8_t *buf, size_t len)
{
	struct rte_mbuf_ext_shared_info *sh;
	struct rte_mbuf *m;
	uint8_t *data;

	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	sh = calloc(1, sizeof(*sh));
	data = malloc(EXACT_HEADROOM + len);
	if (sh == NULL || data == NULL) {
		free(sh);
		free(data);
		rte_pktmbuf_free(m);
		return NULL;
	}
	sh->free_cb = exact_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, data, (rte_iova_t)(uintptr_t)data,
				  (uint16_t)(EXACT_HEADROOM + len), sh);
	m->data_off = EXACT_HEADROOM;
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	memcpy(data + EXACT_HEADROOM, buf, len);
	return m;
}

size_t
espt_mbuf_bytes(const struct rte_mbuf *m, uint8_t *buf)
{
	const void *p;

	if (rte_pktmbuf_pkt_len(m) > ESPT_PKT_MAX)
		return 0;
	p = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), buf);
	if (p != NULL && p != buf)
		memcpy(buf, p, rte_pktmbuf_pkt_len(m));
	return rte_pktmbuf_pkt_len(m);
}

bool
espt_mbuf_equals(const struct rte_mbuf *m, const uint8_t *buf, size_t len)
{
	uint8_t tmp[ESPT_PKT_MAX];

	if (rte_pktmbuf_pkt_len(m) != len)
		return false;
	return espt_mbuf_bytes(m, tmp) == len && memcmp(tmp, buf, len) == 0;
}

/* ---- wire ---- */

int
espt_wire_parse(const uint8_t *pkt, size_t len, struct espt_wire *w)
{
	uint8_t proto;
	size_t total;

	memset(w, 0, sizeof(*w));
	if (len < 20)
		return -1;
	if ((pkt[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const void *)pkt;

		w->family = 4;
		w->l3 = rte_ipv4_hdr_len(ip);
		if (w->l3 != 20)
			return -2;
		if (rte_raw_cksum(ip, 20) != 0xffff)
			return -3;
		total = rte_be_to_cpu_16(ip->total_length);
		proto = ip->next_proto_id;
	} else if ((pkt[0] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip = (const void *)pkt;

		if (len < 40)
			return -4;
		w->family = 6;
		w->l3 = 40;
		total = 40u + rte_be_to_cpu_16(ip->payload_len);
		proto = ip->proto;
	} else {
		return -5;
	}
	if (total != len)
		return -6;
	w->esp_off = w->l3;
	if (proto == IPPROTO_UDP) {
		const struct rte_udp_hdr *u = (const void *)(pkt + w->l3);

		if (len < w->l3 + 8)
			return -7;
		if (rte_be_to_cpu_16(u->dgram_len) != len - w->l3)
			return -8;
		if (u->dgram_cksum != 0)
			return -9;
		w->udp = true;
		w->sport = rte_be_to_cpu_16(u->src_port);
		w->dport = rte_be_to_cpu_16(u->dst_port);
		w->esp_off += 8;
	} else if (proto != IPPROTO_ESP) {
		return -10;
	}
	if (len < w->esp_off + 8)
		return -11;
	w->esp_len = (uint32_t)(len - w->esp_off);
	w->spi = (uint32_t)pkt[w->esp_off] << 24 |
		 (uint32_t)pkt[w->esp_off + 1] << 16 |
		 (uint32_t)pkt[w->esp_off + 2] << 8 | pkt[w->esp_off + 3];
	w->sn = (uint32_t)pkt[w->esp_off + 4] << 24 |
		(uint32_t)pkt[w->esp_off + 5] << 16 |
		(uint32_t)pkt[w->esp_off + 6] << 8 | pkt[w->esp_off + 7];
	return 0;
}

void
espt_ip_set_len(uint8_t *pkt, size_t len)
{
	if ((pkt[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;

		ip->total_length = rte_cpu_to_be_16((uint16_t)len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)pkt;

		ip->payload_len = rte_cpu_to_be_16((uint16_t)(len - 40));
	}
}

/* ---- reference ESP on OpenSSL ---- */

static const EVP_CIPHER *
evp_cipher(const struct espt_alg *a)
{
	switch (a->cipher) {
	case DPSEC_CIPHER_AES_CBC_128:
		return EVP_aes_128_cbc();
	case DPSEC_CIPHER_AES_CBC_256:
		return EVP_aes_256_cbc();
	case DPSEC_CIPHER_AES_GCM_128:
		return EVP_aes_128_gcm();
	case DPSEC_CIPHER_AES_GCM_256:
		return EVP_aes_256_gcm();
	case DPSEC_CIPHER_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

/* The hash of each HMAC transform (RFC 2404, RFC 4868). */
static const EVP_MD *(*const evp_md[])(void) = {
	[DPSEC_AUTH_HMAC_SHA1_96] = EVP_sha1,
	[DPSEC_AUTH_HMAC_SHA256_128] = EVP_sha256,
	[DPSEC_AUTH_HMAC_SHA384_192] = EVP_sha384,
	[DPSEC_AUTH_HMAC_SHA512_256] = EVP_sha512,
};

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/*
 * HMAC over ESP header .. ciphertext (+ SN high bits with ESN, RFC 4303
 * §2.2.1), truncated to the ICV: the leftmost bytes (RFC 2404, RFC 4868).
 */
static void
ref_hmac(const struct espt_ref *r, const uint8_t *data, size_t len,
	 uint64_t seq64, uint8_t *icv)
{
	uint8_t tmp[ESPT_PKT_MAX + 4], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	memcpy(tmp, data, len);
	if (r->esn) {
		put_be32(tmp + len, (uint32_t)(seq64 >> 32));
		len += 4;
	}
	HMAC(evp_md[r->alg->auth](), r->keys->akey, r->alg->akey_len, tmp,
	     len, md, &mdlen);
	memcpy(icv, md, r->alg->icv_len);
}

static size_t
ref_aad(const struct espt_ref *r, const uint8_t *esp, uint64_t seq64,
	uint8_t *aad)
{
	memcpy(aad, esp, 4);
	if (r->esn) {
		put_be64(aad + 4, seq64);
		return 12;
	}
	put_be32(aad + 4, (uint32_t)seq64);
	return 8;
}

int
espt_ref_open(const struct espt_ref *r, const uint8_t *esp, size_t len,
	      uint64_t seq64, uint8_t *pt)
{
	const struct espt_alg *a = r->alg;
	size_t hdr = ESPT_ESP_HDR + a->iv_len, ct_len;
	const uint8_t *iv = esp + ESPT_ESP_HDR, *ct = esp + hdr;
	EVP_CIPHER_CTX *c;
	int ok = 0, outl = 0, fl = 0;

	if (len < hdr + a->icv_len)
		return -1;
	ct_len = len - hdr - a->icv_len;
	if (!a->aead) {
		uint8_t icv[ESPT_MAX_ICV];

		ref_hmac(r, esp, hdr + ct_len, seq64, icv);
		if (memcmp(icv, ct + ct_len, a->icv_len) != 0)
			return -1;
		if (a->cipher == DPSEC_CIPHER_NULL) {
			memcpy(pt, ct, ct_len);
			return (int)ct_len;
		}
		c = EVP_CIPHER_CTX_new();
		ok = EVP_DecryptInit_ex(c, evp_cipher(a), NULL, r->keys->ckey,
					iv) &&
		     EVP_CIPHER_CTX_set_padding(c, 0) &&
		     EVP_DecryptUpdate(c, pt, &outl, ct, (int)ct_len) &&
		     EVP_DecryptFinal_ex(c, pt + outl, &fl);
		EVP_CIPHER_CTX_free(c);
		return ok ? outl + fl : -1;
	} else {
		uint8_t nonce[12], aad[12], tag[16];
		int aad_len = (int)ref_aad(r, esp, seq64, aad);

		memcpy(nonce, r->keys->ckey + a->ckey_len - 4, 4);
		memcpy(nonce + 4, iv, 8);
		memcpy(tag, ct + ct_len, 16);
		c = EVP_CIPHER_CTX_new();
		ok = EVP_DecryptInit_ex(c, evp_cipher(a), NULL, NULL, NULL) &&
		     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12,
					 NULL) &&
		     EVP_DecryptInit_ex(c, NULL, NULL, r->keys->ckey, nonce) &&
		     EVP_DecryptUpdate(c, NULL, &outl, aad, aad_len) &&
		     EVP_DecryptUpdate(c, pt, &outl, ct, (int)ct_len) &&
		     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) &&
		     EVP_DecryptFinal_ex(c, pt + outl, &fl) > 0;
		EVP_CIPHER_CTX_free(c);
		return ok ? outl + fl : -1;
	}
}

size_t
espt_ref_seal(const struct espt_ref *r, uint32_t spi, uint64_t seq64,
	      const uint8_t *iv_in, const uint8_t *pt, size_t pt_len,
	      uint8_t *out)
{
	const struct espt_alg *a = r->alg;
	size_t hdr = ESPT_ESP_HDR + a->iv_len;
	uint8_t *iv = out + ESPT_ESP_HDR, *ct = out + hdr;
	EVP_CIPHER_CTX *c;
	int outl = 0, fl = 0;

	put_be32(out, spi);
	put_be32(out + 4, (uint32_t)seq64);
	if (!a->aead) {
		if (a->cipher == DPSEC_CIPHER_NULL) {
			memmove(ct, pt, pt_len);
		} else {
			if (iv_in != NULL)
				memmove(iv, iv_in, a->iv_len);
			else
				RAND_bytes(iv, a->iv_len);
			c = EVP_CIPHER_CTX_new();
			EVP_EncryptInit_ex(c, evp_cipher(a), NULL,
					   r->keys->ckey, iv);
			EVP_CIPHER_CTX_set_padding(c, 0);
			EVP_EncryptUpdate(c, ct, &outl, pt, (int)pt_len);
			EVP_EncryptFinal_ex(c, ct + outl, &fl);
			EVP_CIPHER_CTX_free(c);
		}
		ref_hmac(r, out, hdr + pt_len, seq64, ct + pt_len);
	} else {
		uint8_t nonce[12], aad[12];
		int aad_len = (int)ref_aad(r, out, seq64, aad);

		put_be64(iv, seq64);
		memcpy(nonce, r->keys->ckey + a->ckey_len - 4, 4);
		memcpy(nonce + 4, iv, 8);
		c = EVP_CIPHER_CTX_new();
		EVP_EncryptInit_ex(c, evp_cipher(a), NULL, NULL, NULL);
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
		EVP_EncryptInit_ex(c, NULL, NULL, r->keys->ckey, nonce);
		EVP_EncryptUpdate(c, NULL, &outl, aad, aad_len);
		EVP_EncryptUpdate(c, ct, &outl, pt, (int)pt_len);
		EVP_EncryptFinal_ex(c, ct + outl, &fl);
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
				    ct + pt_len);
		EVP_CIPHER_CTX_free(c);
	}
	return hdr + pt_len + a->icv_len;
}

size_t
espt_reseal(const struct espt_ref *r, uint8_t *pkt, size_t len,
	    uint64_t seq64, espt_pt_edit edit, void *arg)
{
	struct espt_wire w;
	uint8_t pt[ESPT_PKT_MAX], iv[16];
	size_t pt_len, nlen;
	int n;

	if (espt_wire_parse(pkt, len, &w) != 0)
		return 0;
	n = espt_ref_open(r, pkt + w.esp_off, w.esp_len, seq64, pt);
	if (n < 0)
		return 0;
	pt_len = (size_t)n;
	memcpy(iv, pkt + w.esp_off + ESPT_ESP_HDR, r->alg->iv_len);
	edit(pt, &pt_len, arg);
	nlen = w.esp_off + espt_ref_seal(r, w.spi, seq64,
					 r->alg->aead ? NULL : iv, pt, pt_len,
					 pkt + w.esp_off);
	espt_ip_set_len(pkt, nlen);
	if (w.udp) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(pkt + w.l3);

		u->dgram_len = rte_cpu_to_be_16((uint16_t)(nlen - w.l3));
	}
	return nlen;
}

int
espt_nic_pair_setup(const char *name, const char *const args[],
		    unsigned int nb_args, unsigned int nb_mbufs,
		    struct rte_mempool **pool, struct dpsec_ctx **ctx)
{
	if (test_eal_init(name, args, nb_args) < 0)
		return -1;
	*pool = rte_pktmbuf_pool_create(name, nb_mbufs, 64, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (*pool == NULL || espt_sec_port_start(0, *pool) != 0 ||
	    espt_sec_port_start(1, *pool) != 0)
		return -1;
	*ctx = espt_ctx(name, DPSEC_BACKEND_IPSEC_MB, 64);
	if (*ctx == NULL || dpsec_port_attach(*ctx, 0) != 0 ||
	    dpsec_port_attach(*ctx, 1) != 0)
		return -1;
	return 0;
}

int
espt_nic_pair_teardown(struct dpsec_ctx *ctx, struct rte_mempool *pool)
{
	uint16_t port;
	int ret = 0;

	if (pool == NULL)	/* setup failed early: EAL may be half up */
		return -1;
	dpsec_free(ctx);
	for (port = 0; port < 2; port++) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	/* After the close: nothing may be left in the NIC's queues. */
	if (!test_pool_full(pool))
		ret = -1;
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return ret;
}

int
espt_sec_port_start(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = {
		.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SECURITY,
		.txmode.offloads = RTE_ETH_TX_OFFLOAD_SECURITY,
	};
	int ret = test_port_start_simple(port, 1, 1, &conf, mp);

	return ret != 0 ? ret : rte_eth_promiscuous_enable(port);
}

int
espt_add_l2(struct rte_mbuf *m)
{
	struct rte_ether_hdr *e;
	uint8_t ver;

	if (m->data_len == 0)
		return -EINVAL;
	ver = rte_pktmbuf_mtod(m, const uint8_t *)[0] >> 4;
	e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*e));
	if (e == NULL)
		return -ENOSPC;
	memset(e, 0, sizeof(*e));
	e->ether_type = rte_cpu_to_be_16(ver == 4 ? RTE_ETHER_TYPE_IPV4 :
						    RTE_ETHER_TYPE_IPV6);
	m->l2_len = sizeof(*e);
	return 0;
}
