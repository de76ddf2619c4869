/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-bench-tls: dpsec's TLS record layer against the raw AEAD on the
 * same bytes, in the same run (issue 14, target 7).
 *
 * Tables:
 *  - "record": software record encryption (dpsec_tls_tx() on TCP
 *    segments, each one record) and decryption (dpsec_tls_rx()) at 16 KiB
 *    and 1 KiB records, TLS 1.3 AES-128-GCM, AES-256-GCM,
 *    ChaCha20-Poly1305 and TLS 1.2 AES-128-GCM. Contenders: the raw AEAD
 *    of IPsec-MB's direct API (IMB_AESx_GCM_ENC/DEC, IMB_CHACHA20_POLY1305
 *    init/update/finalize) and OpenSSL EVP over the same record bytes
 *    (nonce and additional data included); the faster is the limit.
 *  - "mixed": records that reach dpsec_tls_rx() as a NIC with TLS offload
 *    delivers them after it lost the stream mid-record: cut into 1448-byte
 *    segments, some of which the NIC decrypted (body bytes in clear, the
 *    DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED mark set), the others as on the
 *    wire. dpsec re-encrypts the NIC's parts (the AEAD keystream) and
 *    opens the whole record. Against the raw AEAD of the record.
 *  - "install": create + destroy of a read and of a write context, in
 *    software and on net_sim_inline0 (linked in), per second.
 *
 * Every timed pass is one burst of records (about 128 KiB); a run's figure
 * is the median pass; each cell shows the median of the runs and their
 * min..max. Contexts are created fresh for each pass outside the timed
 * region (same record numbers and TCP sequences every pass: the bytes of
 * every pass are the same), and so are the inputs (plaintext copied back,
 * received segments allocated and filled).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>
#include <rte_version.h>

#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#include "bench_util.h"
#include "dpsec.h"
#include "dpsec_driver.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"

#define NIC_VDEV "net_sim_inline0"
/* Write contexts' NIC entries outlive them by 100 ms: their install runs
 * need a table with room for a run's worth of them. */
#define NIC_VDEV_TX "net_sim_inline1"
#define PROG "dpsec-bench-tls"

enum {
	HDRS = 14 + 20 + 20,		/* Ethernet, IPv4, TCP */
	MSS = 1448,			/* segments of the MIXED table */
	PASS_BYTES = 128 * 1024,	/* plaintext per timed pass */
	MAX_REC = 16384 + 5 + 8 + 1 + 16,
	MAX_NREC = 64,
	MAX_SEGS = 256,
	MBUF_ROOM = RTE_PKTMBUF_HEADROOM + HDRS + MAX_REC + 64,
	MAX_RUNS = 64,
	TCP_SEQ0 = 1000000,
};

static struct {
	unsigned int runs;
	double time_s;		/* timed seconds per run and contender */
	unsigned int iters;	/* passes per run (0: by time) */
	bool quick;
	const char *json;
	const char *only;	/* table filter */
} opt = { .runs = 5, .time_s = 0.15 };

/* ---- suites ------------------------------------------------------------ */

struct suite {
	const char *name;
	enum dpsec_tls_version ver;
	enum dpsec_cipher cipher;
	uint8_t key_len;
};

static const struct suite suites[] = {
	{ "tls13-aes128gcm", DPSEC_TLS_VERSION_1_3, DPSEC_CIPHER_AES_GCM_128, 16 },
	{ "tls13-aes256gcm", DPSEC_TLS_VERSION_1_3, DPSEC_CIPHER_AES_GCM_256, 32 },
	{ "tls13-chacha20poly1305", DPSEC_TLS_VERSION_1_3,
	  DPSEC_CIPHER_CHACHA20_POLY1305, 32 },
	{ "tls12-aes128gcm", DPSEC_TLS_VERSION_1_2, DPSEC_CIPHER_AES_GCM_128, 16 },
};

static const uint8_t key_bytes[32] = {
	0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe,
	0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
	0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
	0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};
static const uint8_t iv_bytes[12] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad,
	0xde, 0xca, 0xf8, 0x88,
};

static bool
explicit_nonce(const struct suite *s)
{
	return s->ver == DPSEC_TLS_VERSION_1_2 &&
	       s->cipher != DPSEC_CIPHER_CHACHA20_POLY1305;
}

/* Bytes before the (inner) plaintext of a record. */
static uint32_t
rec_prefix(const struct suite *s)
{
	return 5 + (explicit_nonce(s) ? 8 : 0);
}

/* Encrypted bytes of a record of @size content bytes. */
static uint32_t
rec_body(const struct suite *s, uint32_t size)
{
	return size + (s->ver == DPSEC_TLS_VERSION_1_3 ? 1 : 0);
}

static uint32_t
rec_len(const struct suite *s, uint32_t size)
{
	return rec_prefix(s) + rec_body(s, size) + 16;
}

/* RFC 5288 §3 (explicit = the record number, as dpsec writes it);
 * RFC 8446 §5.3, RFC 7905 §2. */
static void
rec_nonce(const struct suite *s, uint64_t seq, uint8_t nonce[12])
{
	int i;

	if (explicit_nonce(s)) {
		memcpy(nonce, iv_bytes, 4);
		for (i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
		return;
	}
	memcpy(nonce, iv_bytes, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* RFC 5246 §6.2.3.3 (1.2), RFC 8446 §5.2 (1.3: the header). */
static uint32_t
rec_aad(const struct suite *s, uint64_t seq, const uint8_t *rec, uint32_t size,
	uint8_t aad[13])
{
	int i;

	if (s->ver == DPSEC_TLS_VERSION_1_3) {
		memcpy(aad, rec, 5);
		return 5;
	}
	for (i = 0; i < 8; i++)
		aad[i] = (uint8_t)(seq >> (56 - 8 * i));
	aad[8] = rec[0];
	aad[9] = 3;
	aad[10] = 3;
	aad[11] = (uint8_t)(size >> 8);
	aad[12] = (uint8_t)size;
	return 13;
}

/* ---- raw AEADs ----------------------------------------------------------- */

static IMB_MGR *mgr;

struct raw_key {
	const struct suite *s;
	struct gcm_key_data gkey;
	EVP_CIPHER_CTX *enc, *dec;
};

static int
raw_key_init(struct raw_key *k, const struct suite *s)
{
	const EVP_CIPHER *c;

	memset(k, 0, sizeof(*k));
	k->s = s;
	if (s->cipher == DPSEC_CIPHER_AES_GCM_128) {
		IMB_AES128_GCM_PRE(mgr, key_bytes, &k->gkey);
		c = EVP_aes_128_gcm();
	} else if (s->cipher == DPSEC_CIPHER_AES_GCM_256) {
		IMB_AES256_GCM_PRE(mgr, key_bytes, &k->gkey);
		c = EVP_aes_256_gcm();
	} else {
		c = EVP_chacha20_poly1305();
	}
	k->enc = EVP_CIPHER_CTX_new();
	k->dec = EVP_CIPHER_CTX_new();
	if (k->enc == NULL || k->dec == NULL ||
	    EVP_EncryptInit_ex(k->enc, c, NULL, key_bytes, NULL) != 1 ||
	    EVP_DecryptInit_ex(k->dec, c, NULL, key_bytes, NULL) != 1)
		return -1;
	return 0;
}

static void
raw_key_fini(struct raw_key *k)
{
	EVP_CIPHER_CTX_free(k->enc);
	EVP_CIPHER_CTX_free(k->dec);
	OPENSSL_cleanse(&k->gkey, sizeof(k->gkey));
}

/* Seal (or open) record number @seq at @rec in place with IPsec-MB.
 * Open: 0 when the tag matches. */
static int
raw_mb(struct raw_key *k, uint64_t seq, uint8_t *rec, uint32_t size, bool enc)
{
	const struct suite *s = k->s;
	uint8_t nonce[12], aad[13], tag[16];
	uint32_t alen = rec_aad(s, seq, rec, size, aad);
	uint32_t body = rec_body(s, size);
	uint8_t *p = rec + rec_prefix(s), *t = enc ? p + body : tag;
	struct gcm_context_data gctx;
	struct chacha20_poly1305_context_data cctx;

	rec_nonce(s, seq, nonce);
	switch (s->cipher) {
	case DPSEC_CIPHER_AES_GCM_128:
		if (enc)
			IMB_AES128_GCM_ENC(mgr, &k->gkey, &gctx, p, p, body,
					   nonce, aad, alen, t, 16);
		else
			IMB_AES128_GCM_DEC(mgr, &k->gkey, &gctx, p, p, body,
					   nonce, aad, alen, t, 16);
		break;
	case DPSEC_CIPHER_AES_GCM_256:
		if (enc)
			IMB_AES256_GCM_ENC(mgr, &k->gkey, &gctx, p, p, body,
					   nonce, aad, alen, t, 16);
		else
			IMB_AES256_GCM_DEC(mgr, &k->gkey, &gctx, p, p, body,
					   nonce, aad, alen, t, 16);
		break;
	default:
		IMB_CHACHA20_POLY1305_INIT(mgr, key_bytes, &cctx, nonce, aad,
					   alen);
		if (enc) {
			IMB_CHACHA20_POLY1305_ENC_UPDATE(mgr, key_bytes, &cctx,
							 p, p, body);
			IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &cctx, t, 16);
		} else {
			IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, key_bytes, &cctx,
							 p, p, body);
			IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, &cctx, t, 16);
		}
		break;
	}
	if (enc)
		return 0;
	return CRYPTO_memcmp(tag, p + body, 16) == 0 ? 0 : -1;
}

/*
 * Open record @i of cell stream @stream (for its header and tag) whose body
 * lies in the MSS segments @m at stream offsets @off[], with IPsec-MB's
 * streaming calls, one update per segment: the limit of any record layer
 * that opens records in the pieces they arrive in.
 */
static int
raw_mb_pieces(struct raw_key *k, uint64_t seq, const uint8_t *rec,
	      uint32_t rec_off, uint32_t size, struct rte_mbuf **m,
	      const uint32_t *off, unsigned int nseg)
{
	const struct suite *s = k->s;
	uint8_t nonce[12], aad[13], tag[16];
	uint32_t alen = rec_aad(s, seq, rec, size, aad);
	uint32_t b0 = rec_off + rec_prefix(s), b1 = b0 + rec_body(s, size);
	struct gcm_context_data gctx;
	struct chacha20_poly1305_context_data cctx;
	unsigned int j;

	rec_nonce(s, seq, nonce);
	if (s->cipher == DPSEC_CIPHER_AES_GCM_128)
		IMB_AES128_GCM_INIT(mgr, &k->gkey, &gctx, nonce, aad, alen);
	else if (s->cipher == DPSEC_CIPHER_AES_GCM_256)
		IMB_AES256_GCM_INIT(mgr, &k->gkey, &gctx, nonce, aad, alen);
	else
		IMB_CHACHA20_POLY1305_INIT(mgr, key_bytes, &cctx, nonce, aad,
					   alen);
	for (j = 0; j < nseg; j++) {
		uint32_t a = RTE_MAX(off[j], b0), b = RTE_MIN(off[j + 1], b1);
		uint8_t *p;

		if (a >= b)
			continue;
		p = rte_pktmbuf_mtod_offset(m[j], uint8_t *,
					    HDRS + (a - off[j]));
		if (s->cipher == DPSEC_CIPHER_AES_GCM_128)
			IMB_AES128_GCM_DEC_UPDATE(mgr, &k->gkey, &gctx, p, p,
						  b - a);
		else if (s->cipher == DPSEC_CIPHER_AES_GCM_256)
			IMB_AES256_GCM_DEC_UPDATE(mgr, &k->gkey, &gctx, p, p,
						  b - a);
		else
			IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, key_bytes,
							 &cctx, p, p, b - a);
	}
	if (s->cipher == DPSEC_CIPHER_AES_GCM_128)
		IMB_AES128_GCM_DEC_FINALIZE(mgr, &k->gkey, &gctx, tag, 16);
	else if (s->cipher == DPSEC_CIPHER_AES_GCM_256)
		IMB_AES256_GCM_DEC_FINALIZE(mgr, &k->gkey, &gctx, tag, 16);
	else
		IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, &cctx, tag, 16);
	/* The received tag, as dpsec collects it from the segments. */
	return CRYPTO_memcmp(tag, rec + (b1 - rec_off), 16) == 0 ? 0 : -1;
}

/* ChaCha20-Poly1305 through IPsec-MB's job API (one job, submitted and
 * flushed), which on some CPUs beats its init/update/finalize calls. */
static int
raw_mb_job(struct raw_key *k, uint64_t seq, uint8_t *rec, uint32_t size,
	   bool enc)
{
	const struct suite *s = k->s;
	uint8_t nonce[12], aad[13], tag[16];
	uint32_t alen = rec_aad(s, seq, rec, size, aad);
	uint32_t body = rec_body(s, size);
	uint8_t *p = rec + rec_prefix(s);
	IMB_JOB *job;
	int ok = 0;

	rec_nonce(s, seq, nonce);
	job = IMB_GET_NEXT_JOB(mgr);
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->enc_keys = key_bytes;
	job->dec_keys = key_bytes;
	job->key_len_in_bytes = 32;
	job->src = p;
	job->dst = p;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = body;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = body;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->u.CHACHA20_POLY1305.aad = aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = alen;
	job->u.CHACHA20_POLY1305.ctx = NULL;
	job->auth_tag_output = enc ? p + body : tag;
	job->auth_tag_output_len_in_bytes = 16;
	job = IMB_SUBMIT_JOB(mgr);
	while (job != NULL) {
		ok += job->status == IMB_STATUS_COMPLETED;
		job = IMB_GET_COMPLETED_JOB(mgr);
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		ok += job->status == IMB_STATUS_COMPLETED;
	if (ok != 1)
		return -1;
	if (enc)
		return 0;
	return CRYPTO_memcmp(tag, p + body, 16) == 0 ? 0 : -1;
}

/* The same with OpenSSL EVP (key schedule done once per cell). */
static int
raw_ossl(struct raw_key *k, uint64_t seq, uint8_t *rec, uint32_t size,
	 bool enc)
{
	const struct suite *s = k->s;
	uint8_t nonce[12], aad[13];
	uint32_t alen = rec_aad(s, seq, rec, size, aad);
	uint32_t body = rec_body(s, size);
	uint8_t *p = rec + rec_prefix(s);
	EVP_CIPHER_CTX *c = enc ? k->enc : k->dec;
	int n, ok;

	rec_nonce(s, seq, nonce);
	if (enc) {
		ok = EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) == 1 &&
		     EVP_EncryptUpdate(c, NULL, &n, aad, (int)alen) == 1 &&
		     EVP_EncryptUpdate(c, p, &n, p, (int)body) == 1 &&
		     EVP_EncryptFinal_ex(c, p + n, &n) == 1 &&
		     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
					 p + body) == 1;
	} else {
		ok = EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) == 1 &&
		     EVP_DecryptUpdate(c, NULL, &n, aad, (int)alen) == 1 &&
		     EVP_DecryptUpdate(c, p, &n, p, (int)body) == 1 &&
		     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16,
					 p + body) == 1 &&
		     EVP_DecryptFinal_ex(c, p + n, &n) == 1;
	}
	return ok ? 0 : -1;
}

/* ---- segments ------------------------------------------------------------ */

/* Segments of one record each (up to 16 KiB: as LRO or a large-buffer
 * RX pool gives them), and MSS-sized ones (a NIC's usual RX pool). Both
 * with a per-lcore cache, as applications create them. */
static struct rte_mempool *pool, *pool_small;
static unsigned int pool_size, pool_small_size;
static uint64_t rx_mark;		/* DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED */

static const uint32_t ip_a = RTE_IPV4(192, 0, 2, 1);	/* writer */
static const uint32_t ip_b = RTE_IPV4(198, 51, 100, 7);	/* reader */
static const uint16_t port_a = 443, port_b = 50123;

/* Ethernet/IPv4/TCP headers of a segment a -> b at @seq with @plen bytes. */
static void
hdrs_write(uint8_t *h, uint32_t seq, uint32_t plen)
{
	struct rte_ipv4_hdr *ip = (void *)(h + 14);
	struct rte_tcp_hdr *th = (void *)(h + 34);

	memset(h, 0, HDRS);
	h[12] = 0x08;
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(ip_a);
	ip->dst_addr = rte_cpu_to_be_32(ip_b);
	th->src_port = rte_cpu_to_be_16(port_a);
	th->dst_port = rte_cpu_to_be_16(port_b);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
}

/* A segment of @len payload bytes of @p at TCP sequence @seq. */
static struct rte_mbuf *
seg_make(uint32_t seq, const uint8_t *p, uint32_t len, bool marked)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(HDRS + len <=
			RTE_MBUF_DEFAULT_DATAROOM ? pool_small : pool);
	uint8_t *d;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(HDRS + len));
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	hdrs_write(d, seq, len);
	memcpy(d + HDRS, p, len);
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	if (marked)
		m->ol_flags |= rx_mark;
	return m;
}

static void
segs_free(struct rte_mbuf **m, unsigned int n)
{
	rte_pktmbuf_free_bulk(m, n);
	memset(m, 0, n * sizeof(*m));
}

/* ---- dpsec --------------------------------------------------------------- */

static struct dpsec_ctx *dctx;
static uint16_t nic_port, nic_port_tx;

static void
tls_conf(struct dpsec_tls_conf *c, const struct suite *s, bool rx,
	 enum dpsec_offload off)
{
	memset(c, 0, sizeof(*c));
	c->ver = s->ver;
	c->type = rx ? DPSEC_TLS_READ : DPSEC_TLS_WRITE;
	c->cipher = s->cipher;
	c->key = key_bytes;
	c->key_len = s->key_len;
	memcpy(c->imp_nonce, iv_bytes, 12);
	c->local.family = c->remote.family = 4;
	c->local.v4 = rte_cpu_to_be_32(rx ? ip_b : ip_a);
	c->remote.v4 = rte_cpu_to_be_32(rx ? ip_a : ip_b);
	c->local_port = rx ? port_b : port_a;
	c->remote_port = rx ? port_a : port_b;
	c->tcp_seq = TCP_SEQ0;
	c->port_id = nic_port;
	c->offload = off;
}

static struct dpsec_tls *
tls_new(const struct suite *s, bool rx)
{
	struct dpsec_tls_conf c;
	struct dpsec_tls *t;

	tls_conf(&c, s, rx, DPSEC_OFFLOAD_NONE);
	t = dpsec_tls_create(dctx, &c);
	if (t == NULL)
		fprintf(stderr, "dpsec_tls_create: %s\n",
			rte_strerror(rte_errno));
	return t;
}

/* ---- results ------------------------------------------------------------- */

struct result {
	char table[16];
	char cell[160];		/* JSON members */
	char contender[24];
	const char *unit;
	double median, min, max;
	double runs[MAX_RUNS];
	unsigned int nruns;
};

struct target {
	char table[16];
	char cell[160];
	const char *what;
	double value, target;
	bool le, pass;
	double min, max;
};

static struct result *results;
static unsigned int nb_results, cap_results;
static struct target targets[256];
static unsigned int nb_targets;
static bool functional_fail;
static uint64_t tsc_hz;

static double
median_of(const double *v, unsigned int n, double *mn, double *mx)
{
	double t[MAX_RUNS];

	memcpy(t, v, n * sizeof(*t));
	qsort(t, n, sizeof(*t), cmp_dbl);
	if (mn != NULL)
		*mn = t[0];
	if (mx != NULL)
		*mx = t[n - 1];
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static struct result *
result_add(const char *table, const char *cell, const char *contender,
	   const char *unit, const double *runs, unsigned int n)
{
	struct result *r;

	if (nb_results == cap_results) {
		unsigned int cap = cap_results ? cap_results * 2 : 64;
		struct result *nr = realloc(results, cap * sizeof(*nr));

		if (nr == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		results = nr;
		cap_results = cap;
	}
	r = &results[nb_results++];
	memset(r, 0, sizeof(*r));
	snprintf(r->table, sizeof(r->table), "%s", table);
	snprintf(r->cell, sizeof(r->cell), "%s", cell);
	snprintf(r->contender, sizeof(r->contender), "%s", contender);
	r->unit = unit;
	r->nruns = n;
	memcpy(r->runs, runs, n * sizeof(*runs));
	r->median = median_of(runs, n, &r->min, &r->max);
	return r;
}

static void
target_add(const char *table, const char *cell, const char *what,
	   const double *runs, unsigned int n, bool le, double target)
{
	struct target *t;

	if (nb_targets == RTE_DIM(targets))
		return;
	t = &targets[nb_targets++];
	snprintf(t->table, sizeof(t->table), "%s", table);
	snprintf(t->cell, sizeof(t->cell), "%s", cell);
	t->what = what;
	t->value = median_of(runs, n, &t->min, &t->max);
	t->le = le;
	t->target = target;
	t->pass = le ? t->value <= target : t->value >= target;
}

static void
cpu_name(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "?");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			snprintf(buf, len, "%s", c + 2);
			buf[strcspn(buf, "\n")] = 0;
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}

static int
json_write(const char *path)
{
	FILE *f = fopen(path, "w");
	char cpu[128];
	unsigned int i, j;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	cpu_name(cpu, sizeof(cpu));
	fprintf(f, "{\n  \"schema\": \"dpsec-bench/1\",\n"
		"  \"program\": \"%s\",\n  \"machine\": {\"cpu\": \"%s\", "
		"\"dpdk\": \"%s\", \"ipsec_mb\": \"%s (%s)\", \"openssl\": "
		"\"%s\", \"dpsec\": \"%s\"},\n", PROG, cpu,
		rte_version() + strlen("DPDK "), imb_get_version_str(),
		imb_arch_name(mgr), OpenSSL_version(OPENSSL_VERSION),
		dpsec_version());
	fprintf(f, "  \"settings\": {\"runs\": %u, \"time_s\": %g, "
		"\"iters\": %u, \"quick\": %s, \"pass_bytes\": %u, "
		"\"mss_mixed\": %u},\n", opt.runs, opt.time_s, opt.iters,
		opt.quick ? "true" : "false", PASS_BYTES, MSS);
	fprintf(f, "  \"results\": [\n");
	for (i = 0; i < nb_results; i++) {
		const struct result *r = &results[i];

		fprintf(f, "    {\"table\": \"%s\", \"cell\": {%s}, "
			"\"contender\": \"%s\", \"unit\": \"%s\", "
			"\"median\": %.4f, \"min\": %.4f, \"max\": %.4f, "
			"\"runs\": [", r->table, r->cell, r->contender, r->unit,
			r->median, r->min, r->max);
		for (j = 0; j < r->nruns; j++)
			fprintf(f, "%s%.4f", j ? ", " : "", r->runs[j]);
		fprintf(f, "]}%s\n", i + 1 < nb_results ? "," : "");
	}
	fprintf(f, "  ],\n  \"targets\": [\n");
	for (i = 0; i < nb_targets; i++) {
		const struct target *t = &targets[i];

		fprintf(f, "    {\"table\": \"%s\", \"cell\": {%s}, "
			"\"what\": \"%s\", \"value\": %.4f, \"min\": %.4f, "
			"\"max\": %.4f, \"op\": \"%s\", \"target\": %g, "
			"\"pass\": %s}%s\n", t->table, t->cell, t->what,
			t->value, t->min, t->max, t->le ? "<=" : ">=",
			t->target, t->pass ? "true" : "false",
			i + 1 < nb_targets ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* ---- record cells -------------------------------------------------------- */

enum {
	K_RAW_MB, K_RAW_JOB, K_RAW_OSSL, K_RAW_PIECES, K_DPSEC, K_DPSEC_SEGS,
	K_MAX
};
static const char *const kname[K_MAX] = {
	"raw-ipsec-mb", "raw-mb-job", "raw-openssl", "raw-mb-pieces", "dpsec",
	"dpsec-sw-segs",
};

static bool
is_raw(int k)
{
	return k == K_RAW_MB || k == K_RAW_JOB || k == K_RAW_OSSL;
}

enum mode { M_ENC, M_DEC, M_MIXED_HALF, M_MIXED_WORST };
static const char *const mname[] = {
	"enc", "dec", "dec-mixed-half", "dec-mixed-worst",
};

/* One cell's inputs. */
struct cell {
	const struct suite *s;
	enum mode mode;
	uint32_t size;			/* content bytes per record */
	uint32_t rlen;			/* wire bytes per record */
	unsigned int nrec;		/* records per pass */
	uint32_t stream_len;		/* nrec * rlen */
	uint8_t *plain;			/* framed plaintext stream */
	uint8_t *cipher;		/* the same sealed (raw IPsec-MB) */
	uint8_t *content;		/* one record's content */
	/* segments of the receive side: offsets in the stream, marks */
	unsigned int nseg;
	uint32_t seg_off[MAX_SEGS + 1];
	bool seg_mark[MAX_SEGS];
	uint8_t *rx_stream;		/* cipher with the NIC's parts in clear */
	struct raw_key key;
	struct rte_mbuf *m[MAX_SEGS];	/* working segments */
	struct dpsec_tls *tls;
	char desc[160];
};

static uint64_t *samples;
static size_t max_samples;
static unsigned int done_cells, total_cells;
static uint64_t t_start;

static void
cell_fail(const struct cell *c, const char *who, const char *what)
{
	fprintf(stderr, "FAIL: %s %s %u B %s: %s\n", c->s->name,
		mname[c->mode], c->size, who, what);
	functional_fail = true;
}

/* Prepare the inputs of one pass (untimed). */
static int
pass_prepare(struct cell *c, int k)
{
	unsigned int i;

	if (c->mode == M_ENC) {
		for (i = 0; i < c->nrec; i++) {
			struct rte_mbuf *m = c->m[i];

			memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, HDRS),
			       c->plain + i * c->rlen, c->rlen);
		}
		if (k == K_DPSEC) {
			c->tls = tls_new(c->s, false);
			return c->tls == NULL ? -1 : 0;
		}
		return 0;
	}
	for (i = 0; i < c->nseg; i++) {
		/* Raw AEADs open whole records: the wire's bytes, one
		 * record per segment. */
		bool raw = is_raw(k);
		uint32_t a = raw ? i * c->rlen : c->seg_off[i];
		uint32_t b = raw ? a + c->rlen : c->seg_off[i + 1];

		if (raw && i >= c->nrec)
			break;
		c->m[i] = seg_make(TCP_SEQ0 + a, (raw || k == K_DPSEC_SEGS ||
				   k == K_RAW_PIECES ?
				   c->cipher : c->rx_stream) + a, b - a,
				   !raw && k == K_DPSEC && c->seg_mark[i]);
		if (c->m[i] == NULL)
			return -1;
	}
	if (k == K_DPSEC || k == K_DPSEC_SEGS) {
		c->tls = tls_new(c->s, true);
		return c->tls == NULL ? -1 : 0;
	}
	return 0;
}

static struct dpsec_tls_rec recs[MAX_NREC + 1];
static unsigned int nb_recs;

/* The timed work of one pass; the number of records done. */
static unsigned int
pass_run(struct cell *c, int k)
{
	unsigned int i, ok = 0;

	switch (k) {
	case K_RAW_PIECES:
		for (i = 0; i < c->nrec; i++)
			ok += raw_mb_pieces(&c->key, i, c->cipher + i * c->rlen,
					    i * c->rlen, c->size, c->m,
					    c->seg_off, c->nseg) == 0;
		return ok;
	case K_RAW_MB:
	case K_RAW_JOB:
	case K_RAW_OSSL:
		for (i = 0; i < c->nrec; i++) {
			uint8_t *rec = rte_pktmbuf_mtod_offset(c->m[i],
					uint8_t *, HDRS);
			bool enc = c->mode == M_ENC;

			ok += (k == K_RAW_MB ?
			       raw_mb(&c->key, i, rec, c->size, enc) :
			       k == K_RAW_JOB ?
			       raw_mb_job(&c->key, i, rec, c->size, enc) :
			       raw_ossl(&c->key, i, rec, c->size, enc)) == 0;
		}
		return ok;
	default:
		if (c->mode == M_ENC)
			return dpsec_tls_tx(c->tls, c->m, (uint16_t)c->nrec);
		nb_recs = dpsec_tls_rx(c->tls, c->m, (uint16_t)c->nseg, recs,
				       RTE_DIM(recs));
		return nb_recs;
	}
}

/* Check a pass's output (untimed, when @check) and release its inputs. */
static void
pass_finish(struct cell *c, int k, bool check)
{
	unsigned int i;

	if (c->mode == M_ENC) {
		for (i = 0; check && i < c->nrec; i++)
			if (memcmp(rte_pktmbuf_mtod_offset(c->m[i], uint8_t *,
				   HDRS), c->cipher + i * c->rlen,
				   c->rlen) != 0) {
				cell_fail(c, kname[k], "ciphertext differs "
					  "from IPsec-MB's");
				break;
			}
		if (c->tls != NULL)
			dpsec_tls_destroy(dctx, c->tls);
		c->tls = NULL;
		return;
	}
	if (k == K_RAW_PIECES) {
		for (i = 0; check && i < c->nrec; i++) {
			uint32_t b0 = i * c->rlen + rec_prefix(c->s), j;
			uint32_t b1 = b0 + c->size;

			for (j = 0; check && j < c->nseg; j++) {
				uint32_t a = RTE_MAX(c->seg_off[j], b0);
				uint32_t b = RTE_MIN(c->seg_off[j + 1], b1);

				if (a < b && memcmp(rte_pktmbuf_mtod_offset(
					c->m[j], uint8_t *, HDRS +
					(a - c->seg_off[j])), c->content +
					(a - b0), b - a) != 0) {
					cell_fail(c, kname[k],
						  "wrong plaintext");
					check = false;
				}
			}
		}
		segs_free(c->m, c->nseg);
		return;
	}
	if (is_raw(k)) {
		for (i = 0; check && i < c->nrec; i++)
			if (memcmp(rte_pktmbuf_mtod_offset(c->m[i], uint8_t *,
				   HDRS + rec_prefix(c->s)), c->content,
				   c->size) != 0) {
				cell_fail(c, kname[k], "wrong plaintext");
				break;
			}
		segs_free(c->m, c->nrec);
		return;
	}
	/* dpsec took the segments. */
	memset(c->m, 0, c->nseg * sizeof(c->m[0]));
	for (i = 0; i < nb_recs; i++) {
		uint8_t want = c->mode == M_DEC || k == K_DPSEC_SEGS ?
			       DPSEC_TLS_ENCRYPTED : DPSEC_TLS_MIXED;

		if (check && (recs[i].status != 0 || recs[i].len != c->size ||
		    recs[i].rec_seq != i || recs[i].how != want ||
		    recs[i].type != DPSEC_TLS_TYPE_DATA ||
		    recs[i].m == NULL ||
		    recs[i].m->pkt_len != c->size)) {
			cell_fail(c, kname[k], "bad record");
			check = false;
		}
		if (check) {
			uint32_t off = 0;
			const struct rte_mbuf *s;

			for (s = recs[i].m; s != NULL; s = s->next) {
				if (off + s->data_len > c->size ||
				    memcmp(rte_pktmbuf_mtod(s, const void *),
					   c->content + off, s->data_len)) {
					cell_fail(c, kname[k],
						  "wrong plaintext");
					check = false;
					break;
				}
				off += s->data_len;
			}
		}
		rte_pktmbuf_free(recs[i].m);
	}
	nb_recs = 0;
	dpsec_tls_destroy(dctx, c->tls);
	c->tls = NULL;
}

/* One run of contender @k: warm-up pass (checked), then timed passes.
 * Returns the median pass in ns per record, or < 0. */
static double
run_one(struct cell *c, int k, const char *who)
{
	uint64_t target = (uint64_t)(opt.time_s * (double)tsc_hz), cyc = 0;
	unsigned int want = c->nrec, got;
	size_t ns = 0;

	if (pass_prepare(c, k) != 0)
		goto fail;
	got = pass_run(c, k);
	if (got != want)
		cell_fail(c, kname[k], "records not processed");
	pass_finish(c, k, true);
	while (opt.iters ? ns < opt.iters : cyc < target && ns < max_samples) {
		uint64_t t0, t1;

		if (pass_prepare(c, k) != 0)
			goto fail;
		CALLGRIND_TOGGLE_COLLECT;
		t0 = rte_rdtsc_precise();
		got = pass_run(c, k);
		t1 = rte_rdtsc_precise();
		CALLGRIND_TOGGLE_COLLECT;
		if (got != want)
			cell_fail(c, kname[k], "records not processed");
		pass_finish(c, k, opt.quick);
		cyc += t1 - t0;
		samples[ns++] = t1 - t0;
	}
	CALLGRIND_DUMP_STATS_AT(who);
	{
		double *d = malloc(ns * sizeof(*d));
		double med;
		size_t i;

		if (d == NULL)
			return -1;
		for (i = 0; i < ns; i++)
			d[i] = (double)samples[i];
		qsort(d, ns, sizeof(*d), cmp_dbl);
		med = d[ns / 2];
		free(d);
		return med * 1e9 / (double)tsc_hz / (double)c->nrec;
	}
fail:
	cell_fail(c, kname[k], "cannot prepare a pass");
	return -1;
}

static int
cell_build(struct cell *c)
{
	struct dpsec_tls *fr = tls_new(c->s, false);
	unsigned int i, j;
	uint32_t off;

	if (fr == NULL)
		return -1;
	c->rlen = rec_len(c->s, c->size);
	if (c->mode == M_ENC || c->mode == M_DEC)
		c->nrec = RTE_MAX(1u, RTE_MIN((unsigned int)MAX_NREC,
					      PASS_BYTES / c->size));
	else
		c->nrec = RTE_MAX(1u, RTE_MIN((unsigned int)MAX_NREC,
					      PASS_BYTES / c->size));
	c->stream_len = c->nrec * c->rlen;
	c->plain = malloc(c->stream_len);
	c->cipher = malloc(c->stream_len);
	c->rx_stream = malloc(c->stream_len);
	c->content = malloc(c->size);
	if (c->plain == NULL || c->cipher == NULL || c->rx_stream == NULL ||
	    c->content == NULL || raw_key_init(&c->key, c->s) != 0)
		goto fail;
	for (i = 0; i < c->size; i++)
		c->content[i] = (uint8_t)(i * 7 + (i >> 8));
	/* The application frames its records (header, explicit nonce,
	 * inner type) in its send buffer. */
	for (i = 0; i < c->nrec; i++) {
		uint8_t *rec = c->plain + i * c->rlen;
		int pre;

		if (dpsec_tls_record_len(fr, (uint16_t)c->size, 0) != c->rlen)
			goto fail;
		pre = dpsec_tls_record_frame(fr, rec, DPSEC_TLS_TYPE_DATA,
					     (uint16_t)c->size, 0);
		if (pre != (int)rec_prefix(c->s))
			goto fail;
		memcpy(rec + pre, c->content, c->size);
		/* TLS 1.2 AES-GCM: frame() writes the context's next record
		 * number, dpsec_tls_tx() the record's own (RFC 5288 §3). */
		for (j = 0; explicit_nonce(c->s) && j < 8; j++)
			rec[5 + j] = (uint8_t)((uint64_t)i >> (56 - 8 * j));
		memset(rec + c->rlen - 16, 0, 16);
		memcpy(c->cipher + i * c->rlen, rec, c->rlen);
		if (raw_mb(&c->key, i, c->cipher + i * c->rlen, c->size,
			   true) != 0)
			goto fail;
	}
	dpsec_tls_destroy(dctx, fr);
	fr = NULL;
	/* Cross-check: OpenSSL (and IPsec-MB's job API) seal the same
	 * records to the same bytes. */
	for (i = 0; i < c->nrec; i++) {
		uint8_t *tmp = malloc(2 * c->rlen);
		bool same;

		if (tmp == NULL)
			goto fail;
		memcpy(tmp, c->plain + i * c->rlen, c->rlen);
		memcpy(tmp + c->rlen, c->plain + i * c->rlen, c->rlen);
		same = raw_ossl(&c->key, i, tmp, c->size, true) == 0 &&
		       memcmp(tmp, c->cipher + i * c->rlen, c->rlen) == 0;
		if (c->s->cipher == DPSEC_CIPHER_CHACHA20_POLY1305)
			same = same && raw_mb_job(&c->key, i, tmp + c->rlen,
						  c->size, true) == 0 &&
			       memcmp(tmp + c->rlen, c->cipher + i * c->rlen,
				      c->rlen) == 0;
		free(tmp);
		if (!same) {
			cell_fail(c, "raw", "IPsec-MB and OpenSSL differ");
			break;
		}
	}
	/* Receive segments: one record each, or MSS-sized pieces of the
	 * stream (MIXED). */
	memcpy(c->rx_stream, c->cipher, c->stream_len);
	c->nseg = 0;
	if (c->mode == M_ENC || c->mode == M_DEC) {
		for (i = 0; i <= c->nrec; i++)
			c->seg_off[i] = i * c->rlen;
		c->nseg = c->nrec;
		for (i = 0; i < c->nseg; i++)
			c->seg_mark[i] = false;
	} else {
		for (i = 0; i < c->nrec; i++) {
			uint32_t r0 = i * c->rlen, r1 = r0 + c->rlen;
			unsigned int first = c->nseg;

			for (off = r0; off < r1; off += MSS) {
				if (c->nseg >= MAX_SEGS)
					goto fail;
				c->seg_off[c->nseg++] = off;
			}
			/* The NIC decrypted: every other segment (half),
			 * or all but the last (worst: it lost the stream
			 * at the record's last segment). */
			for (j = first; j < c->nseg; j++)
				c->seg_mark[j] = c->mode == M_MIXED_HALF ?
					(j - first) % 2 == 0 :
					j + 1 < c->nseg;
		}
		c->seg_off[c->nseg] = c->stream_len;
		/* The NIC's segments carry their body bytes in clear. */
		for (i = 0; i < c->nrec; i++) {
			uint32_t b0 = i * c->rlen + rec_prefix(c->s);
			uint32_t b1 = b0 + rec_body(c->s, c->size);

			for (j = 0; j < c->nseg; j++) {
				uint32_t a = RTE_MAX(c->seg_off[j], b0);
				uint32_t b = RTE_MIN(c->seg_off[j + 1], b1);

				if (c->seg_mark[j] && a < b)
					memcpy(c->rx_stream + a,
					       c->plain + a, b - a);
			}
		}
	}
	if (c->mode == M_ENC) {
		for (i = 0; i < c->nrec; i++) {
			c->m[i] = seg_make(TCP_SEQ0 + i * c->rlen, c->plain +
					   i * c->rlen, c->rlen, false);
			if (c->m[i] == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	if (fr != NULL)
		dpsec_tls_destroy(dctx, fr);
	cell_fail(c, "setup", "cannot build the cell");
	return -1;
}

static void
cell_free(struct cell *c)
{
	if (c->mode == M_ENC)
		segs_free(c->m, c->nrec);
	free(c->plain);
	free(c->cipher);
	free(c->rx_stream);
	free(c->content);
	raw_key_fini(&c->key);
}

static void
progress(const char *table, const char *cell, const char *who)
{
	fprintf(stderr, "[%u/%u] %s %s %s ... %.1f s\n", ++done_cells,
		total_cells, table, cell, who,
		(double)(rte_rdtsc() - t_start) / (double)tsc_hz);
}

static void
cell_run(const struct suite *s, uint32_t size, enum mode mode)
{
	static struct cell c;
	const char *table = mode <= M_DEC ? "record" : "mixed";
	double runs[K_MAX][MAX_RUNS], ratio[MAX_RUNS], perb[MAX_RUNS];
	double limit;
	int ks[K_MAX], nk = 0, k, i;
	unsigned int r;
	char who[128];

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.size = size;
	c.mode = mode;
	snprintf(c.desc, sizeof(c.desc), "\"dir\": \"%s\", \"suite\": \"%s\", "
		 "\"size\": %u", mname[mode], s->name, size);
	if (cell_build(&c) != 0) {
		cell_free(&c);
		return;
	}
	ks[nk++] = K_RAW_MB;
	if (s->cipher == DPSEC_CIPHER_CHACHA20_POLY1305)
		ks[nk++] = K_RAW_JOB;
	ks[nk++] = K_RAW_OSSL;
	ks[nk++] = K_DPSEC;
	if (mode >= M_MIXED_HALF) {
		ks[nk++] = K_RAW_PIECES;
		ks[nk++] = K_DPSEC_SEGS;
	}
	/* Contenders interleaved in every run: drifts hit them alike. */
	for (r = 0; r < opt.runs; r++)
		for (i = 0; i < nk; i++) {
			k = ks[i];
			snprintf(who, sizeof(who), "%s/%s/%s/%u/%s", table,
				 mname[mode], s->name, size, kname[k]);
			if (r == 0)
				progress(table, c.desc, kname[k]);
			runs[k][r] = run_one(&c, k, who);
		}
	printf("%-16s %-23s %5u B", mname[mode], s->name, size);
	for (i = 0; i < nk; i++) {
		k = ks[i];
		for (r = 0; r < opt.runs; r++)
			perb[r] = runs[k][r] / size;
		result_add(table, c.desc, kname[k], "ns/rec", runs[k],
			   opt.runs);
		result_add(table, c.desc, kname[k], "ns/B", perb, opt.runs);
		printf("  %s %8.1f", kname[k],
		       results[nb_results - 2].median);
	}
	for (r = 0; r < opt.runs; r++) {
		limit = RTE_MIN(runs[K_RAW_MB][r], runs[K_RAW_OSSL][r]);
		if (s->cipher == DPSEC_CIPHER_CHACHA20_POLY1305)
			limit = RTE_MIN(limit, runs[K_RAW_JOB][r]);
		ratio[r] = runs[K_DPSEC][r] / limit;
	}
	target_add(table, c.desc, mode <= M_DEC ?
		   "dpsec / fastest raw AEAD time per record" :
		   "dpsec MIXED / fastest raw AEAD time per record", ratio, opt.runs, true,
		   mode >= M_MIXED_HALF ? 2.3 : size >= 16384 ? 1.10 : 1.3);
	printf("  ratio %.3f (%.3f..%.3f) %s\n", targets[nb_targets - 1].value,
	       targets[nb_targets - 1].min, targets[nb_targets - 1].max,
	       targets[nb_targets - 1].pass ? "ok" : "MISS");
	cell_free(&c);
}

/* ---- install ------------------------------------------------------------- */

static void
install_run(const struct suite *s, bool nic, bool rx)
{
	unsigned int n = opt.quick ? 200 : 2000, i, r;
	double runs[MAX_RUNS];
	struct dpsec_tls_conf tc;
	struct dpsec_tls_info info;
	char cell[160];
	uint64_t t0, t1;

	snprintf(cell, sizeof(cell), "\"place\": \"%s\", \"type\": \"%s\", "
		 "\"suite\": \"%s\"", nic ? "nic" : "sw", rx ? "read" : "write",
		 s->name);
	progress("install", cell, "dpsec");
	tls_conf(&tc, s, rx, nic ? DPSEC_OFFLOAD_REQUIRE : DPSEC_OFFLOAD_NONE);
	if (!rx)
		tc.port_id = nic_port_tx;
	for (r = 0; r < opt.runs; r++) {
		/* A write context's NIC entry outlives it by 100 ms
		 * (dpsec_tls_destroy()): start each run with them gone. */
		if (nic && !rx)
			rte_delay_us_sleep(150 * 1000);
		CALLGRIND_TOGGLE_COLLECT;
		t0 = rte_rdtsc_precise();
		for (i = 0; i < n; i++) {
			struct dpsec_tls *t = dpsec_tls_create(dctx, &tc);

			if (t == NULL) {
				CALLGRIND_TOGGLE_COLLECT;
				fprintf(stderr, "FAIL: install %s: create: "
					"%s\n", cell, rte_strerror(rte_errno));
				functional_fail = true;
				return;
			}
			if (i == 0 && r == 0 &&
			    (dpsec_tls_info(t, &info) != 0 ||
			     info.placement != (nic ? DPSEC_PLACE_INLINE_CRYPTO :
						DPSEC_PLACE_SW))) {
				fprintf(stderr, "FAIL: install %s: placement "
					"%d\n", cell, (int)info.placement);
				functional_fail = true;
			}
			dpsec_tls_destroy(dctx, t);
		}
		t1 = rte_rdtsc_precise();
		CALLGRIND_TOGGLE_COLLECT;
		runs[r] = (double)n * (double)tsc_hz / (double)(t1 - t0);
	}
	CALLGRIND_DUMP_STATS_AT(cell);
	result_add("install", cell, "dpsec", "ops/s", runs, opt.runs);
	target_add("install", cell, "create + destroy per second", runs,
		   opt.runs, false, 100000);
	printf("install %-5s %-5s %-23s %10.0f /s (%.0f..%.0f) %s\n",
	       nic ? "nic" : "sw", rx ? "read" : "write", s->name,
	       targets[nb_targets - 1].value, targets[nb_targets - 1].min,
	       targets[nb_targets - 1].max,
	       targets[nb_targets - 1].pass ? "ok" : "MISS");
}

/* ---- setup --------------------------------------------------------------- */

static int
nic_setup(const char *name, uint16_t *port)
{
	struct rte_eth_conf conf = { 0 };
	int sock = (int)rte_socket_id();

	if (rte_eth_dev_get_port_by_name(name, port) != 0 ||
	    rte_eth_dev_configure(*port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(*port, 0, 256, sock, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(*port, 0, 256, sock, NULL) != 0 ||
	    rte_eth_dev_start(*port) != 0) {
		fprintf(stderr, "cannot start %s\n", name);
		return -1;
	}
	if (dpsec_port_attach(dctx, *port) != 0) {
		fprintf(stderr, "dpsec_port_attach(%s) failed\n", name);
		return -1;
	}
	return 0;
}

static void
nic_close(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}

static void
usage(const char *prg)
{
	printf("Usage: %s [options] [-- EAL options]\n"
	       "  --runs N      runs per cell (default 5, at most %d)\n"
	       "  --time S      timed seconds per run and contender "
	       "(default 0.15)\n"
	       "  --iters N     timed passes per run instead (callgrind)\n"
	       "  --only T      one table: record, mixed or install\n"
	       "  --quick       functional smoke run (1 run, few passes, "
	       "every pass checked)\n"
	       "  --json FILE   write the results (schema dpsec-bench/1)\n",
	       prg, MAX_RUNS);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "iters", required_argument, NULL, 'i' },
		{ "only", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			opt.runs = (unsigned int)strtoul(optarg, NULL, 0);
			if (opt.runs < 1 || opt.runs > MAX_RUNS)
				return -1;
			break;
		case 't':
			opt.time_s = strtod(optarg, NULL);
			if (!(opt.time_s > 0))
				return -1;
			break;
		case 'i':
			opt.iters = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'q':
			opt.quick = true;
			break;
		case 'j':
			opt.json = optarg;
			break;
		default:
			return -1;
		}
	}
	if (opt.quick) {
		opt.runs = 1;
		if (opt.iters == 0)
			opt.iters = 2;
	}
	return optind;
}

static bool
want(const char *table)
{
	return opt.only == NULL || strcmp(opt.only, table) == 0;
}

int
main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 16384, 1024 };
	char prefix[64], loglvl[] = "--log-level=4";
	char vdev[] = NIC_VDEV, vdev_tx[] = NIC_VDEV_TX ",max_tls=4096";
	char *eal_argv[64];
	int eal_argc = 0, rest, i;
	struct dpsec_ctx_conf cc = {
		.name = "bench-tls", .socket_id = SOCKET_ID_ANY, .max_sa = 16,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	unsigned int si, zi, mi;
	int dyn;
	bool leaked;

	rest = parse_args(argc, argv);
	if (rest < 0) {
		usage(argv[0]);
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "bench-tls-%d", (int)getpid());
	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = (char *)"--no-huge";
	eal_argv[eal_argc++] = (char *)"--no-pci";
	eal_argv[eal_argc++] = (char *)"-m";
	eal_argv[eal_argc++] = (char *)"512";
	eal_argv[eal_argc++] = (char *)"--file-prefix";
	eal_argv[eal_argc++] = prefix;
	eal_argv[eal_argc++] = (char *)"-l";
	eal_argv[eal_argc++] = (char *)"0";
	eal_argv[eal_argc++] = (char *)"--vdev";
	eal_argv[eal_argc++] = vdev;
	eal_argv[eal_argc++] = (char *)"--vdev";
	eal_argv[eal_argc++] = vdev_tx;
	eal_argv[eal_argc++] = loglvl;
	for (i = rest; i < argc && eal_argc < 63; i++)
		eal_argv[eal_argc++] = argv[i];
	eal_argv[eal_argc] = NULL;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	tsc_hz = rte_get_tsc_hz();
	t_start = rte_rdtsc();
	max_samples = RTE_MAX(1u << 16, opt.iters);
	samples = malloc(max_samples * sizeof(*samples));
	/* Segments of a pass, the record pieces dpsec_tls_rx() attaches,
	 * the NIC's RX ring. */
	pool_size = 3 * MAX_SEGS + 1024;
	pool = rte_pktmbuf_pool_create("bench_tls", pool_size, 256, 0,
				       MBUF_ROOM, (int)rte_socket_id());
	pool_small_size = 4 * MAX_SEGS + 1024;
	pool_small = rte_pktmbuf_pool_create("bench_tls_small",
			pool_small_size, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
			(int)rte_socket_id());
	mgr = alloc_mb_mgr(0);
	if (pool == NULL || pool_small == NULL || samples == NULL ||
	    mgr == NULL) {
		fprintf(stderr, "setup: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	init_mb_mgr_auto(mgr, NULL);
	dctx = dpsec_create(&cc);
	if (dctx == NULL || nic_setup(NIC_VDEV, &nic_port) != 0 ||
	    nic_setup(NIC_VDEV_TX, &nic_port_tx) != 0)
		return 2;
	/* The marks are registered with the first TLS context. */
	{
		struct dpsec_tls *t = tls_new(&suites[0], true);

		if (t == NULL)
			return 2;
		dpsec_tls_destroy(dctx, t);
	}
	dyn = rte_mbuf_dynflag_lookup(DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED,
				      NULL);
	if (dyn < 0) {
		fprintf(stderr, "mbuf flag %s not registered\n",
			DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED);
		return 2;
	}
	rx_mark = UINT64_C(1) << dyn;
	{
		char cpu[128];

		cpu_name(cpu, sizeof(cpu));
		printf("CPU: %s\n%s, IPsec-MB %s (%s), %s, dpsec %s\n", cpu,
		       rte_version(), imb_get_version_str(), imb_arch_name(mgr),
		       OpenSSL_version(OPENSSL_VERSION), dpsec_version());
	}
	printf("ns per record (median of %u run(s)); ratio = dpsec / the "
	       "fastest raw AEAD (IPsec-MB direct, its job API for "
	       "ChaCha20-Poly1305, OpenSSL EVP), median (min..max) of the "
	       "runs' ratios\n", opt.runs);
	/* Progress lines: contenders of each cell (one more raw AEAD for
	 * ChaCha20-Poly1305), install cases. */
	total_cells = (want("record") ? RTE_DIM(suites) * RTE_DIM(sizes) * 2 *
		       3 + RTE_DIM(sizes) * 2 : 0) +
		      (want("mixed") ? RTE_DIM(suites) * 2 * 5 + 2 : 0) +
		      (want("install") ? 2 * 2 : 0);
	for (si = 0; want("record") && si < RTE_DIM(suites); si++)
		for (zi = 0; zi < RTE_DIM(sizes); zi++)
			for (mi = M_ENC; mi <= M_DEC; mi++)
				cell_run(&suites[si], sizes[zi], mi);
	for (si = 0; want("mixed") && si < RTE_DIM(suites); si++)
		for (mi = M_MIXED_HALF; mi <= M_MIXED_WORST; mi++)
			cell_run(&suites[si], 16384, mi);
	for (zi = 0; want("install") && zi < 4; zi++)
		install_run(&suites[0], zi >= 2, zi % 2 == 1);

	dpsec_free(dctx);
	nic_close(nic_port);
	nic_close(nic_port_tx);
	leaked = rte_mempool_avail_count(pool) != pool_size ||
		 rte_mempool_avail_count(pool_small) != pool_small_size;
	if (leaked) {
		fprintf(stderr, "FAIL: %u mbufs not back in their pools\n",
			pool_size + pool_small_size -
			rte_mempool_avail_count(pool) -
			rte_mempool_avail_count(pool_small));
		functional_fail = true;
	}
	if (opt.json != NULL && json_write(opt.json) != 0)
		functional_fail = true;
	{
		unsigned int pass = 0, t;

		for (t = 0; t < nb_targets; t++)
			pass += targets[t].pass;
		printf("targets: %u of %u met%s\n", pass, nb_targets,
		       opt.quick ? " (quick run: figures mean nothing)" : "");
	}
	free(samples);
	free(results);
	rte_mempool_free(pool);
	rte_mempool_free(pool_small);
	free_mb_mgr(mgr);
	rte_eal_cleanup();
	if (functional_fail) {
		fprintf(stderr, "FAIL: functional check\n");
		return 1;
	}
	return 0;
}
