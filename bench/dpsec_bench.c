/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-bench: software ESP (tunnel IPv4, AES-128-GCM, one lcore, bursts of
 * prepared mbufs, no NIC I/O) against
 *   - the limit: IPsec-MB's AES-GCM-128 on the same buffers and lengths
 *     (direct IMB_AES128_GCM_ENC/DEC calls, and the job API), and
 *   - the peer: DPDK's rte_ipsec with RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO on
 *     a crypto_ipsec_mb vdev,
 * all measured in the same process, interleaved run by run.
 *
 * Also the CPU cost of dpsec's own work when the SA is placed on a NIC
 * (net_sim_inline0, built in), as inline crypto and as inline protocol:
 * outbound dpsec_sa_outbound() (inline crypto: frames the packets; inline
 * protocol: checks them, reserves their SNs) and sets the TX security
 * metadata (the frames are not sent); inbound dpsec_inbound() takes
 * packets as the NIC delivered them (inline crypto: decrypted, ESP framing
 * kept, flagged RTE_MBUF_F_RX_SEC_OFFLOAD; inline protocol: decapsulated,
 * also the SA's id in the security dynfield and the SN in "dpsec_esp_sn").
 * The NIC's (simulated) crypto is outside every timed region.
 *
 * Method (doc/benchmarks.md): S sets of B mbufs are restored from byte
 * templates (memcpy + header reset) outside the timed region; the timed
 * region processes the S bursts back to back. The restore cost is measured
 * separately and printed, never included. Median of R runs.
 *
 * Exit status: 0 when every contender processed every packet correctly
 * (whatever the figures), 1 on a functional failure, 2 on a setup error.
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

#include <rte_common.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ipsec.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_security.h>
#include <rte_udp.h>
#include <rte_version.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#include "demo_common.h"
#include "dpsec_sa.h"

#define SPI		0x1000u
#define SPI_PROTO	0x1001u	/* the NIC SAs placed as inline protocol */
/* DPDK 22.11's RTE_IPV4 shifts a signed int: UB for octets >= 128. */
#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			  (uint32_t)(c) << 8 | (uint32_t)(d))
#define OUTER_SRC	IPV4(192, 0, 2, 1)
#define OUTER_DST	IPV4(192, 0, 2, 2)
#define INNER_SRC	IPV4(10, 0, 0, 1)
#define INNER_DST	IPV4(10, 0, 1, 1)
#define ESP_OFF		20u	/* outer IPv4 header, no options */
#define ESP_HDR		8u
#define GCM_IV		8u
#define GCM_ICV		16u
#define MAX_BURST	64u
#define MAX_SIZES	8u
#define MBUF_ROOM	(2048 + RTE_PKTMBUF_HEADROOM)
#define IV_OFFSET	(sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))

static const uint8_t gcm_key[16] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
};
static const uint8_t gcm_salt[4] = { 0xca, 0xfe, 0xba, 0xbe };

/* ---- options ---------------------------------------------------------- */

static struct {
	unsigned int runs;
	unsigned int burst;
	unsigned int sets;
	double time_s;
	unsigned int iters;	/* fixed timed regions per cell (profiling) */
	unsigned int lcore;
	const char *vdev;
	unsigned int sizes[MAX_SIZES];
	unsigned int nb_sizes;
	bool quick;
} opt = {
	.runs = 5, .burst = 32, .sets = 8, .time_s = 0.3, .lcore = 0,
	.vdev = "crypto_aesni_gcm0", .sizes = { 64, 1420 }, .nb_sizes = 2,
};

static void
usage(const char *prg)
{
	printf("usage: %s [options] [-- extra EAL args]\n"
	       "  --runs N      runs per cell, median reported (default 5)\n"
	       "  --time S      seconds of timed processing per cell (0.3)\n"
	       "  --burst N     packets per burst, <= %u (32)\n"
	       "  --sets N      bursts restored per timed region (8)\n"
	       "  --sizes L,..  inner IPv4 packet sizes, 48..1460 (64,1420)\n"
	       "  --vdev NAME   crypto vdev for rte_ipsec (crypto_aesni_gcm0)\n"
	       "  --lcore N     CPU to run on (0)\n"
	       "  --iters N     exactly N timed passes per cell instead of\n"
	       "                --time (for callgrind: equal work per cell;\n"
	       "                with --collect-atstart=no, one dump per cell\n"
	       "                counting only the contender's calls)\n"
	       "  --quick       functional smoke run: tiny time, 2 sets\n",
	       prg, MAX_BURST);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "burst", required_argument, NULL, 'b' },
		{ "sets", required_argument, NULL, 's' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "vdev", required_argument, NULL, 'v' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "iters", required_argument, NULL, 'i' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': opt.runs = (unsigned int)atoi(optarg); break;
		case 't': opt.time_s = atof(optarg); break;
		case 'b': opt.burst = (unsigned int)atoi(optarg); break;
		case 's': opt.sets = (unsigned int)atoi(optarg); break;
		case 'v': opt.vdev = optarg; break;
		case 'l': opt.lcore = (unsigned int)atoi(optarg); break;
		case 'i': opt.iters = (unsigned int)atoi(optarg); break;
		case 'q': opt.quick = true; break;
		case 'z': {
			char *s = optarg, *e;

			opt.nb_sizes = 0;
			while (*s != '\0' && opt.nb_sizes < MAX_SIZES) {
				unsigned long v = strtoul(s, &e, 10);

				if (e == s || v < 48 || v > 1460)
					return -1;
				opt.sizes[opt.nb_sizes++] = (unsigned int)v;
				s = *e == ',' ? e + 1 : e;
				if (*e != ',' && *e != '\0')
					return -1;
			}
			break;
		}
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			return -1;
		}
	}
	if (opt.quick) {
		opt.time_s = 0.01;
		opt.sets = 2;
	}
	if (opt.runs < 1 || opt.burst < 1 || opt.burst > MAX_BURST ||
	    opt.sets < 1 || opt.time_s <= 0 || opt.nb_sizes == 0)
		return -1;
	return optind;
}

/* ---- templates and mbuf sets ------------------------------------------ */

/* One packet's bytes, and the per-packet metadata a NIC gives it. */
struct tpkt {
	uint8_t *data;
	uint16_t len;
	uint64_t sec_md;	/* rte_security dynfield (if tset.dyn) */
	uint64_t esp_sn;	/* "dpsec_esp_sn" dynfield (if tset.dyn) */
};

/* Templates for one inner size: every packet of every set differs. */
struct tset {
	struct tpkt *p;		/* opt.sets * opt.burst */
	uint64_t ol_flags;	/* restored into every mbuf (0: none) */
	uint16_t port;		/* restored into m->port */
	bool dyn;		/* restore sec_md and esp_sn too */
};

static struct rte_mempool *pool;
static struct rte_mbuf **mb;	/* opt.sets * opt.burst working mbufs */
static unsigned int nb_pkt;	/* opt.sets * opt.burst */
static int esp_sn_off = -1;	/* DPSEC_MBUF_DYNFIELD_ESP_SN's offset */

static void
tset_alloc(struct tset *t)
{
	unsigned int i;

	t->p = calloc(nb_pkt, sizeof(*t->p));
	t->ol_flags = 0;
	t->port = RTE_MBUF_PORT_INVALID;
	t->dyn = false;
	for (i = 0; t->p != NULL && i < nb_pkt; i++)
		t->p[i].data = calloc(1, MBUF_ROOM);
	if (t->p == NULL || (nb_pkt > 0 && t->p[nb_pkt - 1].data == NULL)) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
}

static void
tset_free(struct tset *t)
{
	unsigned int i;

	for (i = 0; t->p != NULL && i < nb_pkt; i++)
		free(t->p[i].data);
	free(t->p);
	t->p = NULL;
}

/* Put mbufs back to the template's bytes (untimed). */
static inline void
restore_to(struct rte_mbuf **arr, const struct tset *t)
{
	unsigned int i;

	for (i = 0; i < nb_pkt; i++) {
		struct rte_mbuf *m = arr[i];

		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = t->p[i].len;
		m->pkt_len = t->p[i].len;
		m->nb_segs = 1;
		m->next = NULL;
		m->ol_flags = t->ol_flags;
		m->port = t->port;
		m->packet_type = RTE_PTYPE_L3_IPV4;
		m->tx_offload = 0;
		m->l2_len = 0;
		m->l3_len = sizeof(struct rte_ipv4_hdr);
		rte_memcpy(rte_pktmbuf_mtod(m, void *), t->p[i].data,
			   t->p[i].len);
		if (t->dyn) {
			/* as the NIC delivered them: inline protocol, the
			 * SA's id and the SN; inline crypto, whatever the
			 * NIC left there */
			*rte_security_dynfield(m) = t->p[i].sec_md;
			*RTE_MBUF_DYNFIELD(m, esp_sn_off, uint64_t *) =
				t->p[i].esp_sn;
		}
	}
}

/* Put every working mbuf back to the template's bytes (untimed). */
static inline void
restore(const struct tset *t)
{
	restore_to(mb, t);
}

/* Copy the working mbufs into a template set (setup only). */
static int
capture(struct tset *t, struct rte_mbuf **src)
{
	unsigned int i;

	for (i = 0; i < nb_pkt; i++) {
		if (src[i]->nb_segs != 1 || src[i]->data_len > MBUF_ROOM -
		    RTE_PKTMBUF_HEADROOM)
			return -1;
		t->p[i].len = src[i]->data_len;
		memcpy(t->p[i].data, rte_pktmbuf_mtod(src[i], void *),
		       t->p[i].len);
	}
	return 0;
}

/* Inner IPv4/UDP packet of @len bytes, distinct per index. */
static void
build_inner(struct tset *t, unsigned int len)
{
	unsigned int i, j;

	for (i = 0; i < nb_pkt; i++) {
		uint8_t *d = t->p[i].data;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)d;
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)len);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)i);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(INNER_SRC);
		ip->dst_addr = rte_cpu_to_be_32(INNER_DST + (i & 255));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		u->src_port = rte_cpu_to_be_16(1024 + (i & 1023));
		u->dst_port = rte_cpu_to_be_16(9);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*ip)));
		u->dgram_cksum = 0;
		for (j = sizeof(*ip) + sizeof(*u); j < len; j++)
			d[j] = (uint8_t)(i * 7 + j);
		t->p[i].len = (uint16_t)len;
	}
}

/* Working mbufs equal to the inner templates? (after inbound) */
static int
check_inner(const struct tset *inner, struct rte_mbuf **m, unsigned int n,
	    unsigned int first, const char *who)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct tpkt *t = &inner->p[first + i];

		if (m[i]->pkt_len != t->len || m[i]->data_len != t->len ||
		    memcmp(rte_pktmbuf_mtod(m[i], void *), t->data,
			   t->len) != 0) {
			fprintf(stderr, "FAIL: %s: packet %u differs from the "
				"original inner packet (len %u vs %u)\n", who,
				first + i, m[i]->pkt_len, t->len);
			return -1;
		}
	}
	return 0;
}

/* ---- contenders ------------------------------------------------------- */

typedef unsigned int (*proc_fn)(void *arg, struct rte_mbuf **m,
				unsigned int n);

/* (a) the limit: IPsec-MB AES-GCM-128 on the ESP payload region. */
struct raw {
	IMB_MGR *mgr;
	struct gcm_key_data key __rte_aligned(64);
	struct gcm_context_data gctx __rte_aligned(64);
	uint64_t seq;
	uint32_t spi_be;
	uint8_t tag[MAX_BURST][GCM_ICV];
};

static struct raw raw;

static inline uint32_t
esp_ct_len(uint32_t inner)
{
	return RTE_ALIGN_CEIL(inner + 2, 4);
}

/* Encrypt the inner packet + pad + trailer length, tag after it. */
static unsigned int
raw_enc(void *arg, struct rte_mbuf **m, unsigned int n)
{
	struct raw *r = arg;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint32_t len = esp_ct_len(m[i]->pkt_len);
		uint64_t seq = ++r->seq;
		uint64_t be = rte_cpu_to_be_64(seq);
		uint32_t lo = rte_cpu_to_be_32((uint32_t)seq);
		uint8_t nonce[12], aad[8];

		memcpy(nonce, gcm_salt, 4);
		memcpy(nonce + 4, &be, 8);
		memcpy(aad, &r->spi_be, 4);
		memcpy(aad + 4, &lo, 4);
		IMB_AES128_GCM_ENC(r->mgr, &r->key, &r->gctx, p, p, len, nonce,
				   aad, 8, p + len, GCM_ICV);
	}
	return n;
}

static inline int
ct_neq(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint8_t acc = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		acc |= a[i] ^ b[i];
	return acc != 0;
}

/* Decrypt an ESP packet's ciphertext in place and verify its ICV. */
static unsigned int
raw_dec(void *arg, struct rte_mbuf **m, unsigned int n)
{
	struct raw *r = arg;
	unsigned int i, ok = 0;

	for (i = 0; i < n; i++) {
		uint8_t *esp = rte_pktmbuf_mtod_offset(m[i], uint8_t *,
						       ESP_OFF);
		uint8_t *ct = esp + ESP_HDR + GCM_IV;
		uint32_t len = m[i]->pkt_len - ESP_OFF - ESP_HDR - GCM_IV -
			       GCM_ICV;
		uint8_t nonce[12], tag[GCM_ICV];

		memcpy(nonce, gcm_salt, 4);
		memcpy(nonce + 4, esp + ESP_HDR, 8);
		IMB_AES128_GCM_DEC(r->mgr, &r->key, &r->gctx, ct, ct, len,
				   nonce, esp, 8, tag, GCM_ICV);
		ok += !ct_neq(tag, ct + len, GCM_ICV);
	}
	return ok;
}

/* Same work through the job API, one submit per packet, one flush. */
static unsigned int
raw_job(struct raw *r, struct rte_mbuf **m, unsigned int n, bool enc)
{
	IMB_MGR *mgr = r->mgr;
	uint8_t nonce[MAX_BURST][12], aad[MAX_BURST][8];
	unsigned int i, ok = 0;
	IMB_JOB *job;

	for (i = 0; i < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint8_t *ct;
		uint32_t len;

		memcpy(nonce[i], gcm_salt, 4);
		if (enc) {
			uint64_t seq = ++r->seq;
			uint64_t be = rte_cpu_to_be_64(seq);
			uint32_t lo = rte_cpu_to_be_32((uint32_t)seq);

			ct = p;
			len = esp_ct_len(m[i]->pkt_len);
			memcpy(nonce[i] + 4, &be, 8);
			memcpy(aad[i], &r->spi_be, 4);
			memcpy(aad[i] + 4, &lo, 4);
		} else {
			uint8_t *esp = p + ESP_OFF;

			ct = esp + ESP_HDR + GCM_IV;
			len = m[i]->pkt_len - ESP_OFF - ESP_HDR - GCM_IV -
			      GCM_ICV;
			memcpy(nonce[i] + 4, esp + ESP_HDR, 8);
			memcpy(aad[i], esp, 8);
		}
		job = IMB_GET_NEXT_JOB(mgr);
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
		job->chain_order = enc ? IMB_ORDER_CIPHER_HASH :
					 IMB_ORDER_HASH_CIPHER;
		job->enc_keys = &r->key;
		job->dec_keys = &r->key;
		job->key_len_in_bytes = IMB_KEY_128_BYTES;
		job->src = ct;
		job->dst = ct;
		job->cipher_start_src_offset_in_bytes = 0;
		job->msg_len_to_cipher_in_bytes = len;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = len;
		job->iv = nonce[i];
		job->iv_len_in_bytes = 12;
		job->u.GCM.aad = aad[i];
		job->u.GCM.aad_len_in_bytes = 8;
		job->auth_tag_output = enc ? ct + len : r->tag[i];
		job->auth_tag_output_len_in_bytes = GCM_ICV;
		job->user_data = enc ? NULL : ct + len;
		job = IMB_SUBMIT_JOB(mgr);
		while (job != NULL) {
			ok += job->status == IMB_STATUS_COMPLETED &&
			      (enc || !ct_neq(job->auth_tag_output,
					      job->user_data, GCM_ICV));
			job = IMB_GET_COMPLETED_JOB(mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		ok += job->status == IMB_STATUS_COMPLETED &&
		      (enc || !ct_neq(job->auth_tag_output, job->user_data,
				      GCM_ICV));
	return ok;
}

static unsigned int
raw_job_enc(void *arg, struct rte_mbuf **m, unsigned int n)
{
	return raw_job(arg, m, n, true);
}

static unsigned int
raw_job_dec(void *arg, struct rte_mbuf **m, unsigned int n)
{
	return raw_job(arg, m, n, false);
}

/* dpsec */
static struct dpsec_ctx *dp_ctx;
static struct dpsec_sa *dp_out, *dp_in;

static unsigned int
dpsec_out_fn(void *arg, struct rte_mbuf **m, unsigned int n)
{
	return dpsec_sa_outbound(arg, m, (uint16_t)n);
}

static unsigned int
dpsec_in_fn(void *arg, struct rte_mbuf **m, unsigned int n)
{
	return dpsec_inbound(arg, m, (uint16_t)n, NULL);
}

/* (b) the peer: rte_ipsec, CPU crypto. */
static struct rte_ipsec_session rs_out, rs_in;

static unsigned int
rte_ipsec_fn(void *arg, struct rte_mbuf **m, unsigned int n)
{
	const struct rte_ipsec_session *ss = arg;
	uint16_t k;

	k = rte_ipsec_pkt_cpu_prepare(ss, m, (uint16_t)n);
	return rte_ipsec_pkt_process(ss, m, k);
}

/* ---- setup ------------------------------------------------------------ */

/* The benchmarks' SA: tunnel IPv4, AES-128-GCM, key and salt in @keymat;
 * the caller sets dir (and port_id, flags, replay_window as needed). */
static void
sa_conf(struct dpsec_sa_conf *sc, uint8_t keymat[20], enum dpsec_offload off)
{
	memset(sc, 0, sizeof(*sc));
	sc->spi = SPI;
	sc->mode = DPSEC_SA_TUNNEL;
	sc->src.family = 4;
	sc->src.v4 = rte_cpu_to_be_32(OUTER_SRC);
	sc->dst.family = 4;
	sc->dst.v4 = rte_cpu_to_be_32(OUTER_DST);
	sc->sad_key = DPSEC_SAD_SPI_DST;
	sc->cipher = DPSEC_CIPHER_AES_GCM_128;
	memcpy(keymat, gcm_key, 16);
	memcpy(keymat + 16, gcm_salt, 4);
	sc->cipher_key = keymat;
	sc->cipher_key_len = 20;
	sc->auth = DPSEC_AUTH_NONE;
	sc->ttl = 64;
	sc->offload = off;
}

static int
dpsec_setup(void)
{
	struct dpsec_ctx_conf cc = {
		.name = "bench", .socket_id = SOCKET_ID_ANY, .max_sa = 8,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	uint8_t keymat[20];
	struct dpsec_sa_conf sc;

	sa_conf(&sc, keymat, DPSEC_OFFLOAD_NONE);
	dp_ctx = dpsec_create(&cc);
	if (dp_ctx == NULL) {
		fprintf(stderr, "dpsec_create: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	sc.dir = DPSEC_SA_OUTBOUND;
	dp_out = dpsec_sa_create(dp_ctx, &sc);
	/* Replay window off: the same packets are decrypted again and
	 * again (rte_ipsec's SA gets the same). */
	sc.dir = DPSEC_SA_INBOUND;
	sc.replay_window = 0;
	dp_in = dpsec_sa_create(dp_ctx, &sc);
	if (dp_out == NULL || dp_in == NULL) {
		fprintf(stderr, "dpsec_sa_create: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static struct rte_ipv4_hdr rte_outer = {
	.version_ihl = 0x45,
	.time_to_live = 64,
	.next_proto_id = IPPROTO_ESP,
};

static int
rte_ipsec_sa_setup(struct rte_ipsec_session *ss, uint8_t dev,
		   struct rte_mempool *sess_mp, bool outbound)
{
	static struct rte_crypto_sym_xform xf[2];
	struct rte_crypto_sym_xform *x = &xf[outbound ? 0 : 1];
	struct rte_ipsec_sa_prm prm;
	uint32_t salt;
	int sz, rc;

	memset(x, 0, sizeof(*x));
	x->type = RTE_CRYPTO_SYM_XFORM_AEAD;
	x->aead.op = outbound ? RTE_CRYPTO_AEAD_OP_ENCRYPT :
				RTE_CRYPTO_AEAD_OP_DECRYPT;
	x->aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
	x->aead.key.data = gcm_key;
	x->aead.key.length = sizeof(gcm_key);
	x->aead.iv.offset = IV_OFFSET;
	x->aead.iv.length = 12;
	x->aead.digest_length = GCM_ICV;
	x->aead.aad_length = 8;

	memset(&prm, 0, sizeof(prm));
	memcpy(&salt, gcm_salt, 4);	/* lib/ipsec stores it as memory */
	prm.ipsec_xform.spi = SPI;
	prm.ipsec_xform.salt = salt;
	prm.ipsec_xform.direction = outbound ?
		RTE_SECURITY_IPSEC_SA_DIR_EGRESS :
		RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
	prm.ipsec_xform.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	prm.ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
	prm.ipsec_xform.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
	prm.ipsec_xform.replay_win_sz = 0;
	rte_outer.src_addr = rte_cpu_to_be_32(OUTER_SRC);
	rte_outer.dst_addr = rte_cpu_to_be_32(OUTER_DST);
	prm.tun.hdr = &rte_outer;
	prm.tun.hdr_len = sizeof(rte_outer);
	prm.tun.next_proto = IPPROTO_IPIP;
	prm.crypto_xform = x;

	sz = rte_ipsec_sa_size(&prm);
	if (sz <= 0) {
		fprintf(stderr, "rte_ipsec_sa_size: %d\n", sz);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	ss->sa = rte_zmalloc("bench_ipsec_sa", sz, RTE_CACHE_LINE_SIZE);
	if (ss->sa == NULL)
		return -1;
	rc = rte_ipsec_sa_init(ss->sa, &prm, sz);
	if (rc < 0) {
		fprintf(stderr, "rte_ipsec_sa_init: %s\n", strerror(-rc));
		return -1;
	}
	ss->type = RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO;
	ss->crypto.dev_id = dev;
	ss->crypto.ses = rte_cryptodev_sym_session_create(dev, x, sess_mp);
	if (ss->crypto.ses == NULL) {
		fprintf(stderr, "rte_cryptodev_sym_session_create: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	rc = rte_ipsec_session_prepare(ss);
	if (rc != 0) {
		fprintf(stderr, "rte_ipsec_session_prepare: %s\n",
			strerror(-rc));
		return -1;
	}
	return 0;
}

static int
rte_ipsec_setup(void)
{
	struct rte_cryptodev_config conf = {
		.socket_id = (int)rte_socket_id(), .nb_queue_pairs = 1,
	};
	struct rte_cryptodev_info info;
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 128 };
	struct rte_mempool *sess_mp;
	int dev;

	dev = rte_cryptodev_get_dev_id(opt.vdev);
	if (dev < 0) {
		fprintf(stderr, "crypto device %s not found (pass --vdev)\n",
			opt.vdev);
		return -1;
	}
	rte_cryptodev_info_get((uint8_t)dev, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO)) {
		fprintf(stderr, "%s (%s) has no RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO\n",
			opt.vdev, info.driver_name);
		return -1;
	}
	sess_mp = rte_cryptodev_sym_session_pool_create("bench_sess", 16,
		rte_cryptodev_sym_get_private_session_size((uint8_t)dev), 0, 0,
		(int)rte_socket_id());
	if (sess_mp == NULL)
		return -1;
	qp.mp_session = sess_mp;
	if (rte_cryptodev_configure((uint8_t)dev, &conf) != 0 ||
	    rte_cryptodev_queue_pair_setup((uint8_t)dev, 0, &qp,
					   (int)rte_socket_id()) != 0 ||
	    rte_cryptodev_start((uint8_t)dev) != 0) {
		fprintf(stderr, "cannot start %s\n", opt.vdev);
		return -1;
	}
	if (rte_ipsec_sa_setup(&rs_out, (uint8_t)dev, sess_mp, true) != 0 ||
	    rte_ipsec_sa_setup(&rs_in, (uint8_t)dev, sess_mp, false) != 0)
		return -1;
	printf("rte_ipsec peer: %s (driver %s), CPU crypto\n", opt.vdev,
	       info.driver_name);
	return 0;
}

/*
 * SAs on the NIC: net_sim_inline0 in loopback (lpbk_mode 1: what it sends
 * comes back to its own RX), RX/TX security offloads, attached to a context
 * of its own with two pairs of AES-128-GCM tunnel SAs (same key, salt and
 * addresses as the software ones): an outbound and an inbound SA placed as
 * inline crypto (the software SAs' SPI, DPSEC_SA_F_NO_INLINE_PROTOCOL) and
 * an outbound and an inbound SA placed as inline protocol (the library's
 * default on this NIC; SPI_PROTO, so the SAD keys differ).
 */
#define NIC_VDEV	"net_sim_inline0"
static uint16_t nic_port;
static struct rte_mempool *nic_pool;
static struct dpsec_ctx *nic_ctx;
static struct dpsec_sa *nic_out, *nic_in;	/* inline crypto */
static struct dpsec_sa *nic_pout, *nic_pin;	/* inline protocol */

static int
nic_placed(struct dpsec_sa *sa, enum dpsec_placement want, const char *who)
{
	struct dpsec_sa_info info = { .placement = DPSEC_PLACE_SW };

	if (dpsec_sa_info(sa, &info) != 0 || info.placement != want) {
		fprintf(stderr, "%s SA not placed on %s as inline %s: "
			"placement %d, %s\n", who, NIC_VDEV,
			want == DPSEC_PLACE_INLINE_CRYPTO ? "crypto" :
			"protocol", (int)info.placement,
			dpsec_place_reason_str(info.place_reason));
		return -1;
	}
	return 0;
}

static int
nic_setup(void)
{
	struct rte_eth_conf conf = {
		.lpbk_mode = 1,
		.rxmode = { .offloads = RTE_ETH_RX_OFFLOAD_SECURITY,
			    .mtu = 2000 },
		.txmode = { .offloads = RTE_ETH_TX_OFFLOAD_SECURITY },
	};
	struct dpsec_ctx_conf cc = {
		.name = "bench-nic", .socket_id = SOCKET_ID_ANY, .max_sa = 8,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	uint8_t keymat[20];
	struct dpsec_sa_conf sc;
	struct rte_eth_dev_info info;
	int sock = (int)rte_socket_id();

	if (rte_eth_dev_get_port_by_name(NIC_VDEV, &nic_port) != 0) {
		fprintf(stderr, "port %s not found\n", NIC_VDEV);
		return -1;
	}
	if (rte_eth_dev_info_get(nic_port, &info) != 0 ||
	    !(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SECURITY) ||
	    !(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_SECURITY)) {
		fprintf(stderr, "%s: no RX/TX security offload\n", NIC_VDEV);
		return -1;
	}
	/* RX copies of one burst at a time, plus what the driver keeps. */
	nic_pool = rte_pktmbuf_pool_create("bench_nic", nb_pkt + 1024, 0, 0,
					   MBUF_ROOM, sock);
	if (nic_pool == NULL ||
	    rte_eth_dev_configure(nic_port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(nic_port, 0, 512, sock, NULL,
				   nic_pool) != 0 ||
	    rte_eth_tx_queue_setup(nic_port, 0, 512, sock, NULL) != 0 ||
	    rte_eth_dev_start(nic_port) != 0 ||
	    rte_eth_promiscuous_enable(nic_port) != 0) {
		fprintf(stderr, "cannot start %s\n", NIC_VDEV);
		return -1;
	}
	nic_ctx = dpsec_create(&cc);
	if (nic_ctx == NULL || dpsec_port_attach(nic_ctx, nic_port) != 0) {
		fprintf(stderr, "dpsec context / port attach failed\n");
		return -1;
	}
	sa_conf(&sc, keymat, DPSEC_OFFLOAD_REQUIRE);
	sc.port_id = nic_port;
	/* inline crypto: the library would choose inline protocol here */
	sc.flags = DPSEC_SA_F_NO_INLINE_PROTOCOL;
	sc.dir = DPSEC_SA_OUTBOUND;
	nic_out = dpsec_sa_create(nic_ctx, &sc);
	sc.dir = DPSEC_SA_INBOUND;
	sc.replay_window = 0;	/* as the software inbound SA */
	nic_in = dpsec_sa_create(nic_ctx, &sc);
	/* inline protocol (the default placement): own SPI */
	sc.spi = SPI_PROTO;
	sc.flags = 0;
	sc.dir = DPSEC_SA_OUTBOUND;
	sc.replay_window = 0;
	nic_pout = dpsec_sa_create(nic_ctx, &sc);
	sc.dir = DPSEC_SA_INBOUND;
	sc.replay_window = 0;	/* templates are replayed: window off */
	nic_pin = dpsec_sa_create(nic_ctx, &sc);
	if (nic_out == NULL || nic_in == NULL || nic_pout == NULL ||
	    nic_pin == NULL) {
		fprintf(stderr, "dpsec_sa_create on %s: %s\n", NIC_VDEV,
			rte_strerror(rte_errno));
		return -1;
	}
	if (nic_placed(nic_out, DPSEC_PLACE_INLINE_CRYPTO, "outbound") != 0 ||
	    nic_placed(nic_in, DPSEC_PLACE_INLINE_CRYPTO, "inbound") != 0 ||
	    nic_placed(nic_pout, DPSEC_PLACE_INLINE_PROTOCOL,
		       "outbound") != 0 ||
	    nic_placed(nic_pin, DPSEC_PLACE_INLINE_PROTOCOL, "inbound") != 0)
		return -1;
	esp_sn_off = rte_mbuf_dynfield_lookup(DPSEC_MBUF_DYNFIELD_ESP_SN,
					      NULL);
	if (esp_sn_off < 0 || !rte_security_dynfield_is_registered()) {
		fprintf(stderr, "mbuf dynfield %s or the security dynfield "
			"not registered\n", DPSEC_MBUF_DYNFIELD_ESP_SN);
		return -1;
	}
	printf("NIC: %s (driver %s), port %u, loopback, SAs placed as inline "
	       "crypto (SPI 0x%x) and inline protocol (SPI 0x%x)\n", NIC_VDEV,
	       info.driver_name, nic_port, SPI, SPI_PROTO);
	return 0;
}

static void
nic_close(void)
{
	dpsec_free(nic_ctx);
	rte_eth_dev_stop(nic_port);
	rte_eth_dev_close(nic_port);
}

/* ---- measurement ------------------------------------------------------ */

enum { C_RAW, C_RAWJOB, C_DPSEC, C_RTE, C_MAX };
static const char *const cname[C_MAX] = {
	"raw-aead", "raw-job", "dpsec", "rte_ipsec",
};
enum { D_OUT, D_IN, D_MAX };
static const char *const dname[D_MAX] = { "out", "in" };
/* SA on the NIC: placement */
enum { N_CRYPTO, N_PROTO, N_MAX };
static const char *const nname[N_MAX] = { "nic-crypto", "nic-proto" };

static uint64_t tsc_hz;
static bool functional_fail;

static uint64_t *samples;	/* cycles of each timed region of a cell */
static size_t max_samples;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Run fn over all sets, restoring outside the timed region, until
 * opt.time_s of processing has been timed. Each timed region (all sets, one
 * pass) is one sample; the cell's figure is the median sample in ns per
 * packet, which a preemption or an interrupt cannot move much (this runs
 * on shared 2-core machines).
 */
static double
measure(proc_fn fn, void *arg, const struct tset *t, const char *who)
{
	uint64_t target = (uint64_t)(opt.time_s * (double)tsc_hz);
	uint64_t cyc = 0, bad = 0;
	size_t ns = 0;
	unsigned int s;

	/* one warm-up pass */
	restore(t);
	for (s = 0; s < opt.sets; s++)
		bad += opt.burst - fn(arg, mb + s * opt.burst, opt.burst);
	while (opt.iters ? ns < opt.iters :
	       cyc < target && ns < max_samples) {
		uint64_t t0, t1;

		restore(t);
		/* Under callgrind (--collect-atstart=no), only the
		 * contender's calls are counted; a no-op otherwise. */
		CALLGRIND_TOGGLE_COLLECT;
		t0 = rte_rdtsc_precise();
		for (s = 0; s < opt.sets; s++)
			bad += opt.burst - fn(arg, mb + s * opt.burst,
					      opt.burst);
		t1 = rte_rdtsc_precise();
		CALLGRIND_TOGGLE_COLLECT;
		cyc += t1 - t0;
		samples[ns++] = t1 - t0;
	}
	/* One callgrind dump per cell, named after it: its instructions
	 * are those of ns timed passes of nb_pkt packets. */
	CALLGRIND_DUMP_STATS_AT(who);
	if (bad != 0) {
		fprintf(stderr, "FAIL: %s: %" PRIu64 " packets not processed\n",
			who, bad);
		functional_fail = true;
	}
	qsort(samples, ns, sizeof(*samples), cmp_u64);
	return (double)samples[ns / 2] * 1e9 / (double)tsc_hz /
	       (double)nb_pkt;
}

/* Cost of restore() alone, ns per packet, median pass (reported only). */
static double
measure_restore(const struct tset *t)
{
	uint64_t target = (uint64_t)(opt.time_s / 4 * (double)tsc_hz);
	uint64_t cyc = 0;
	size_t ns = 0;

	restore(t);
	while (cyc < target && ns < max_samples) {
		uint64_t t0 = rte_rdtsc_precise();

		restore(t);
		samples[ns] = rte_rdtsc_precise() - t0;
		cyc += samples[ns++];
	}
	qsort(samples, ns, sizeof(*samples), cmp_u64);
	return (double)samples[ns / 2] * 1e9 / (double)tsc_hz /
	       (double)nb_pkt;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Per inner size: templates for every contender and direction. */
struct size_ctx {
	unsigned int size;
	struct tset inner;	/* plaintext inner packets */
	struct tset dp_esp;	/* dpsec outbound output (dpsec in, raw dec) */
	struct tset rte_esp;	/* rte_ipsec outbound output (rte_ipsec in) */
	struct tset nic_in;	/* as the NIC delivers them, inline crypto:
				 * decrypted, ESP framing kept,
				 * RX_SEC_OFFLOAD, m->port */
	struct tset nic_pin;	/* inline protocol: decapsulated, also the
				 * SA id (security dynfield) and the SN */
};

static uint64_t
xstat(uint16_t port, const char *name)
{
	uint64_t id, v = 0;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1)
		return UINT64_MAX;
	return v;
}

/*
 * Inbound templates for a NIC SA pair, packets exactly as the NIC delivers
 * them (L2 stripped): the inner packets through the NIC outbound SA
 * (inline crypto: software frames, the NIC encrypts on TX; inline
 * protocol: software only marks them, the NIC builds all of ESP), looped
 * back into the NIC's RX, where the inbound SA's flow rule has the NIC
 * decrypt them (inline crypto: ESP framing kept; inline protocol:
 * decapsulated, the SA's id in the security dynfield, the SN in
 * "dpsec_esp_sn"). ol_flags, port and both dynfields are kept with the
 * bytes. Then check that dpsec_inbound() on them gives back the inner
 * packets, counted by the right SA, and that the NIC did the crypto.
 */
static int
prepare_nic(struct size_ctx *z, bool proto)
{
	struct dpsec_sa *out_sa = proto ? nic_pout : nic_out;
	struct dpsec_sa *in_sa = proto ? nic_pin : nic_in;
	struct tset *t = proto ? &z->nic_pin : &z->nic_in;
	const char *kind = proto ? "inline protocol" : "inline crypto";
	struct rte_mbuf **tx, *rx[MAX_BURST];
	unsigned int s, i, n = opt.burst;
	uint64_t tx0 = xstat(nic_port, "sec_tx_packets");
	uint64_t rx0 = xstat(nic_port, "sec_rx_packets");
	struct dpsec_sa_stats st0, st1;
	char who[64];
	int ret = -1;

	tset_alloc(t);
	tx = calloc(nb_pkt, sizeof(*tx));
	if (tx == NULL || rte_pktmbuf_alloc_bulk(nic_pool, tx, nb_pkt) != 0) {
		fprintf(stderr, "NIC mbufs: out of memory\n");
		free(tx);
		return -1;
	}
	restore_to(tx, &z->inner);
	for (s = 0; s < opt.sets; s++) {
		struct rte_mbuf **m = tx + s * n;
		uint16_t k = dpsec_sa_outbound(out_sa, m, (uint16_t)n);
		unsigned int got = 0, tries;

		if (k != n) {
			fprintf(stderr, "FAIL: dpsec outbound (NIC SA, %s): "
				"%s\n", kind,
				dpsec_reason_str(dpsec_mbuf_reason(m[k])));
			goto out;
		}
		/* inline protocol: dpsec leaves the packet to the NIC */
		snprintf(who, sizeof(who), "dpsec out(NIC, %s) %uB", kind,
			 z->size);
		if (proto && check_inner(&z->inner, m, n, s * n, who) != 0)
			goto out;
		for (i = 0; i < n; i++) {
			struct rte_ether_hdr *e = (struct rte_ether_hdr *)
				rte_pktmbuf_prepend(m[i], sizeof(*e));

			if (!(m[i]->ol_flags & RTE_MBUF_F_TX_SEC_OFFLOAD) ||
			    e == NULL) {
				fprintf(stderr, "FAIL: NIC SA (%s) outbound "
					"packet %u not marked for the NIC\n",
					kind, i);
				goto out;
			}
			memset(e, 0, sizeof(*e));
			e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
			m[i]->l2_len = sizeof(*e);
		}
		k = rte_eth_tx_burst(nic_port, 0, m, (uint16_t)n);
		for (i = 0; i < n; i++)
			m[i] = NULL;	/* the NIC has them (or freed them) */
		for (tries = 0; got < n && tries < 1000; tries++)
			got += rte_eth_rx_burst(nic_port, 0, rx + got,
						(uint16_t)(n - got));
		if (k != n || got != n) {
			fprintf(stderr, "FAIL: %s loopback (%s): sent %u, got "
				"%u of %u\n", NIC_VDEV, kind, k, got, n);
			rte_pktmbuf_free_bulk(rx, got);
			goto out;
		}
		if (s == 0)
			t->ol_flags = rx[0]->ol_flags;
		for (i = 0; i < n; i++) {
			uint64_t sn = *RTE_MBUF_DYNFIELD(rx[i], esp_sn_off,
							 uint64_t *);

			rte_pktmbuf_adj(rx[i], RTE_ETHER_HDR_LEN);
			if ((rx[i]->ol_flags & (RTE_MBUF_F_RX_SEC_OFFLOAD |
			     RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED)) !=
			    RTE_MBUF_F_RX_SEC_OFFLOAD ||
			    rx[i]->ol_flags != t->ol_flags ||
			    rx[i]->port != nic_port || (proto && sn == 0)) {
				fprintf(stderr, "FAIL: %s RX packet %u (%s): "
					"flags 0x%" PRIx64 " (first 0x%" PRIx64
					"), port %u, esp_sn %" PRIu64 "\n",
					NIC_VDEV, s * n + i, kind,
					rx[i]->ol_flags, t->ol_flags,
					rx[i]->port, sn);
				rte_pktmbuf_free_bulk(rx, n);
				goto out;
			}
		}
		for (i = 0; i < n; i++) {
			struct tpkt *p = &t->p[s * n + i];

			if (rx[i]->nb_segs != 1 ||
			    rx[i]->data_len > MBUF_ROOM - RTE_PKTMBUF_HEADROOM) {
				rte_pktmbuf_free_bulk(rx, n);
				goto out;
			}
			p->len = rx[i]->data_len;
			memcpy(p->data, rte_pktmbuf_mtod(rx[i], void *), p->len);
			p->sec_md = *rte_security_dynfield(rx[i]);
			p->esp_sn = *RTE_MBUF_DYNFIELD(rx[i], esp_sn_off,
						       uint64_t *);
		}
		rte_pktmbuf_free_bulk(rx, n);
	}
	t->port = nic_port;
	t->dyn = true;
	if (xstat(nic_port, "sec_tx_packets") - tx0 != nb_pkt ||
	    xstat(nic_port, "sec_rx_packets") - rx0 != nb_pkt) {
		fprintf(stderr, "FAIL: %s did not do the crypto of every "
			"packet (sec_tx/rx_packets, %s)\n", NIC_VDEV, kind);
		goto out;
	}
	/* dpsec in (as the NIC delivered them) == inner, on in_sa */
	if (dpsec_sa_stats_get(in_sa, &st0) != 0)
		goto out;
	restore(t);
	for (s = 0; s < opt.sets; s++) {
		uint16_t k = dpsec_inbound(nic_ctx, mb + s * n, (uint16_t)n,
					   NULL);

		if (k != n) {
			fprintf(stderr, "FAIL: dpsec inbound of NIC-processed "
				"packets (%s): %u/%u, reason %s\n", kind, k, n,
				dpsec_reason_str(dpsec_mbuf_reason(
					mb[s * n + k])));
			goto out;
		}
		snprintf(who, sizeof(who), "dpsec in(NIC, %s) %uB", kind,
			 z->size);
		if (check_inner(&z->inner, mb + s * n, n, s * n, who) != 0)
			goto out;
	}
	if (dpsec_sa_stats_get(in_sa, &st1) != 0 ||
	    st1.packets - st0.packets != nb_pkt) {
		fprintf(stderr, "FAIL: the %s inbound SA did not count every "
			"packet\n", kind);
		goto out;
	}
	ret = 0;
out:
	free(tx);
	return ret;
}

/* Build the ESP templates once, and check each side decrypts its own
 * output back to the original (and dpsec the peer's). */
static int
prepare_size(struct size_ctx *z)
{
	unsigned int s, n = opt.burst;
	char who[64];

	tset_alloc(&z->inner);
	tset_alloc(&z->dp_esp);
	tset_alloc(&z->rte_esp);
	build_inner(&z->inner, z->size);

	/* dpsec out -> templates -> dpsec in == inner */
	restore(&z->inner);
	for (s = 0; s < opt.sets; s++)
		if (dpsec_sa_outbound(dp_out, mb + s * n, (uint16_t)n) != n) {
			fprintf(stderr, "FAIL: dpsec outbound: %s\n",
				dpsec_reason_str(dpsec_mbuf_reason(
					mb[s * n])));
			return -1;
		}
	if (capture(&z->dp_esp, mb) != 0)
		return -1;
	for (s = 0; s < opt.sets; s++) {
		uint16_t k = dpsec_inbound(dp_ctx, mb + s * n, (uint16_t)n,
					   NULL);

		if (k != n) {
			fprintf(stderr, "FAIL: dpsec inbound of dpsec's "
				"output: %u/%u, reason %s\n", k, n,
				dpsec_reason_str(dpsec_mbuf_reason(
					mb[s * n + k])));
			return -1;
		}
		snprintf(who, sizeof(who), "dpsec in(dpsec out) %uB", z->size);
		if (check_inner(&z->inner, mb + s * n, n, s * n, who) != 0)
			return -1;
	}
	/* raw IPsec-MB decrypt verifies dpsec's tags */
	restore(&z->dp_esp);
	for (s = 0; s < opt.sets; s++)
		if (raw_dec(&raw, mb + s * n, n) != n) {
			fprintf(stderr, "FAIL: IPsec-MB rejects dpsec's ICV\n");
			return -1;
		}

	/* rte_ipsec out -> templates -> rte_ipsec in == inner */
	restore(&z->inner);
	for (s = 0; s < opt.sets; s++)
		if (rte_ipsec_fn(&rs_out, mb + s * n, n) != n) {
			fprintf(stderr, "FAIL: rte_ipsec outbound\n");
			return -1;
		}
	if (capture(&z->rte_esp, mb) != 0)
		return -1;
	for (s = 0; s < opt.sets; s++) {
		if (rte_ipsec_fn(&rs_in, mb + s * n, n) != n) {
			fprintf(stderr, "FAIL: rte_ipsec inbound of its own "
				"output\n");
			return -1;
		}
		snprintf(who, sizeof(who), "rte_ipsec in(rte_ipsec out) %uB",
			 z->size);
		if (check_inner(&z->inner, mb + s * n, n, s * n, who) != 0)
			return -1;
	}
	/* interop: dpsec decrypts the peer's packets */
	restore(&z->rte_esp);
	for (s = 0; s < opt.sets; s++) {
		uint16_t k = dpsec_inbound(dp_ctx, mb + s * n, (uint16_t)n,
					   NULL);

		if (k != n) {
			fprintf(stderr, "FAIL: dpsec inbound of rte_ipsec's "
				"output: %u/%u, reason %s\n", k, n,
				dpsec_reason_str(dpsec_mbuf_reason(
					mb[s * n + k])));
			return -1;
		}
		snprintf(who, sizeof(who), "dpsec in(rte_ipsec out) %uB",
			 z->size);
		if (check_inner(&z->inner, mb + s * n, n, s * n, who) != 0)
			return -1;
	}
	return 0;
}

static void
print_cpu(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');

			printf("CPU: %s", c != NULL ? c + 2 : line);
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}

static IMB_ARCH imb_arch;

static const char *
imb_arch_name(const IMB_MGR *m)
{
	bool vaes = (m->features & IMB_FEATURE_VAES) != 0;

	switch (imb_arch) {
	case IMB_ARCH_AVX512: return vaes ? "avx512+vaes" : "avx512";
	case IMB_ARCH_AVX2: return vaes ? "avx2+vaes" : "avx2";
	case IMB_ARCH_AVX: return "avx";
	case IMB_ARCH_SSE: return "sse";
	default: return "?";
	}
}

int
main(int argc, char **argv)
{
	char prefix[64], lcores[16], loglvl[] = "--log-level=4";
	char rundir[PATH_MAX];
	char *eal_argv[64];
	int eal_argc = 0, rest, i;
	unsigned int z, d, c, r;
	struct size_ctx *sz;
	double (*res)[D_MAX][C_MAX];	/* [size * runs][dir][contender] */
	/* [size * runs][placement][dir], SA on the NIC */
	double (*res_nic)[N_MAX][D_MAX];
	double *restore_ns;
	int pass = 0, miss = 0;
	bool leaked = false;

	rest = parse_args(argc, argv);
	if (rest < 0) {
		usage(argv[0]);
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "bench-%d", (int)getpid());
	snprintf(lcores, sizeof(lcores), "%u", opt.lcore);
	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = (char *)"--no-huge";
	eal_argv[eal_argc++] = (char *)"--no-pci";
	eal_argv[eal_argc++] = (char *)"-m";
	eal_argv[eal_argc++] = (char *)"1024";
	eal_argv[eal_argc++] = (char *)"--file-prefix";
	eal_argv[eal_argc++] = prefix;
	eal_argv[eal_argc++] = (char *)"-l";
	eal_argv[eal_argc++] = lcores;
	eal_argv[eal_argc++] = (char *)"--vdev";
	eal_argv[eal_argc++] = (char *)opt.vdev;
	eal_argv[eal_argc++] = (char *)"--vdev";
	eal_argv[eal_argc++] = (char *)NIC_VDEV;
	eal_argv[eal_argc++] = loglvl;
	for (i = rest; i < argc && eal_argc < 63; i++)
		eal_argv[eal_argc++] = argv[i];
	eal_argv[eal_argc] = NULL;

	printf("EAL:");
	for (i = 1; i < eal_argc; i++)
		printf(" %s", eal_argv[i]);
	printf("\n");
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	tsc_hz = rte_get_tsc_hz();
	nb_pkt = opt.sets * opt.burst;
	max_samples = RTE_MAX(1u << 20, opt.iters);
	samples = malloc(max_samples * sizeof(*samples));

	pool = rte_pktmbuf_pool_create("bench_mb", nb_pkt + 64, 0, 0,
				       MBUF_ROOM, (int)rte_socket_id());
	mb = calloc(nb_pkt, sizeof(*mb));
	if (pool == NULL || mb == NULL || samples == NULL ||
	    rte_pktmbuf_alloc_bulk(pool, mb, nb_pkt) != 0) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return 2;
	}

	raw.mgr = alloc_mb_mgr(0);
	if (raw.mgr == NULL)
		return 2;
	init_mb_mgr_auto(raw.mgr, &imb_arch);
	IMB_AES128_GCM_PRE(raw.mgr, gcm_key, &raw.key);
	raw.spi_be = rte_cpu_to_be_32(SPI);

	if (dpsec_setup() != 0 || rte_ipsec_setup() != 0 || nic_setup() != 0)
		return 2;

	print_cpu();
	printf("%s, IPsec-MB %s (%s), dpsec %s\n", rte_version(),
	       imb_get_version_str(), imb_arch_name(raw.mgr), dpsec_version());
	printf("ESP tunnel IPv4, AES-128-GCM (ICV 16), lcore %u, burst %u, "
	       "%u sets (%u mbufs), %.2f s timed per cell, %u run(s)\n",
	       opt.lcore, opt.burst, opt.sets, nb_pkt, opt.time_s, opt.runs);

	sz = calloc(opt.nb_sizes, sizeof(*sz));
	res = calloc((size_t)opt.nb_sizes * opt.runs, sizeof(*res));
	res_nic = calloc((size_t)opt.nb_sizes * opt.runs, sizeof(*res_nic));
	restore_ns = calloc(opt.nb_sizes * 2, sizeof(double));
	if (sz == NULL || res == NULL || res_nic == NULL || restore_ns == NULL)
		return 2;
	for (z = 0; z < opt.nb_sizes; z++) {
		sz[z].size = opt.sizes[z];
		if (prepare_size(&sz[z]) != 0 ||
		    prepare_nic(&sz[z], false) != 0 ||
		    prepare_nic(&sz[z], true) != 0)
			return 1;
	}
	printf("sanity: dpsec in(dpsec out), rte_ipsec in(rte_ipsec out), "
	       "dpsec in(rte_ipsec out) restore the inner packets; "
	       "IPsec-MB verifies dpsec's ICVs; NIC SAs: %s encrypts dpsec's "
	       "framing (inline crypto) / builds ESP (inline protocol) and "
	       "decrypts it back, dpsec in(NIC) restores the inner packets "
	       "on the right SA: OK\n\n", NIC_VDEV);

	for (r = 0; r < opt.runs; r++) {
		for (z = 0; z < opt.nb_sizes; z++) {
			struct size_ctx *x = &sz[z];
			double (*v)[C_MAX] = res[z * opt.runs + r];
			char who[64];

#define M(dir, con, fn, arg, t) do { \
	snprintf(who, sizeof(who), "%s %s %uB", cname[con], dname[dir], \
		 x->size); \
	v[dir][con] = measure(fn, arg, t, who); } while (0)
			M(D_OUT, C_RAW, raw_enc, &raw, &x->inner);
			M(D_OUT, C_RAWJOB, raw_job_enc, &raw, &x->inner);
			M(D_OUT, C_DPSEC, dpsec_out_fn, dp_out, &x->inner);
			M(D_OUT, C_RTE, rte_ipsec_fn, &rs_out, &x->inner);
			M(D_IN, C_RAW, raw_dec, &raw, &x->dp_esp);
			M(D_IN, C_RAWJOB, raw_job_dec, &raw, &x->dp_esp);
			M(D_IN, C_DPSEC, dpsec_in_fn, dp_ctx, &x->dp_esp);
			M(D_IN, C_RTE, rte_ipsec_fn, &rs_in, &x->rte_esp);
#undef M
			/* SA on the NIC: dpsec's own work only. */
#define N(pl, dir, fn, arg, t) do { \
	snprintf(who, sizeof(who), "%s %s %uB", nname[pl], dname[dir], \
		 x->size); \
	res_nic[z * opt.runs + r][pl][dir] = measure(fn, arg, t, who); \
	} while (0)
			N(N_CRYPTO, D_OUT, dpsec_out_fn, nic_out, &x->inner);
			N(N_CRYPTO, D_IN, dpsec_in_fn, nic_ctx, &x->nic_in);
			N(N_PROTO, D_OUT, dpsec_out_fn, nic_pout, &x->inner);
			N(N_PROTO, D_IN, dpsec_in_fn, nic_ctx, &x->nic_pin);
#undef N
			if (r == 0) {
				restore_ns[z * 2] = measure_restore(&x->inner);
				restore_ns[z * 2 + 1] =
					measure_restore(&x->dp_esp);
			}
		}
	}

	printf("%-4s %6s  %-10s %9s %8s   %s\n", "dir", "inner", "contender",
	       "ns/pkt", "Mpps", "(median of runs; min..max ns/pkt)");
	for (z = 0; z < opt.nb_sizes; z++) {
		double med[D_MAX][C_MAX];

		for (d = 0; d < D_MAX; d++) {
			for (c = 0; c < C_MAX; c++) {
				double v[opt.runs], lo, hi;

				for (r = 0; r < opt.runs; r++)
					v[r] = res[z * opt.runs + r][d][c];
				med[d][c] = median(v, opt.runs);
				lo = v[0];
				hi = v[opt.runs - 1];
				printf("%-4s %5uB  %-10s %9.1f %8.2f   "
				       "(%.1f..%.1f)\n", dname[d], sz[z].size,
				       cname[c], med[d][c], 1e3 / med[d][c],
				       lo, hi);
			}
		}
		memcpy(res[z * opt.runs], med, sizeof(med));	/* keep */
	}
	printf("restore (memcpy of template + mbuf reset, excluded from all "
	       "figures):");
	for (z = 0; z < opt.nb_sizes; z++)
		printf(" %uB plain %.1f / ESP %.1f ns/pkt;", sz[z].size,
		       restore_ns[z * 2], restore_ns[z * 2 + 1]);
	printf("\n\nratios (limit = faster of raw-aead and raw-job)\n");
	for (z = 0; z < opt.nb_sizes; z++) {
		double (*med)[C_MAX] = res[z * opt.runs];
		/* targets: limit <=1.25x at >=1024 B, <=2.0x below;
		 * peer >=1.2x at >=1024 B, >=1.5x below */
		bool big = sz[z].size >= 1024;
		double t_raw = big ? 1.25 : 2.0, t_rte = big ? 1.2 : 1.5;

		for (d = 0; d < D_MAX; d++) {
			double lim = RTE_MIN(med[d][C_RAW], med[d][C_RAWJOB]);
			double q_raw = med[d][C_DPSEC] / lim;
			double q_rte = med[d][C_RTE] / med[d][C_DPSEC];
			bool ok_raw = q_raw <= t_raw, ok_rte = q_rte >= t_rte;

			printf("%-3s %5uB  dpsec/raw time %5.2fx (target <= "
			       "%.2fx) %-4s   dpsec/rte_ipsec pps %5.2fx "
			       "(target >= %.2fx) %s\n", dname[d], sz[z].size,
			       q_raw, t_raw, ok_raw ? "PASS" : "MISS", q_rte,
			       t_rte, ok_rte ? "PASS" : "MISS");
			pass += ok_raw + ok_rte;
			miss += !ok_raw + !ok_rte;
		}
	}
	printf("targets: %d PASS, %d MISS%s\n", pass, miss,
	       opt.quick ? " (--quick: figures not meaningful)" : "");

	printf("\nSA on the NIC (%s; nic-crypto: inline crypto, nic-proto: "
	       "inline protocol): dpsec's CPU work per packet, the NIC's "
	       "crypto not timed\n"
	       "(out: dpsec_sa_outbound, frames not sent; in: dpsec_inbound "
	       "on packets as the NIC delivered them)\n", NIC_VDEV);
	printf("%-4s %6s  %-10s %9s %8s  %-14s %12s  %s\n", "dir", "inner",
	       "contender", "ns/pkt", "Mpps", "(min..max)", "software ns",
	       "nic/software");
	for (z = 0; z < opt.nb_sizes; z++) {
		double (*med)[C_MAX] = res[z * opt.runs];

		for (d = 0; d < D_MAX; d++) {
			for (c = 0; c < N_MAX; c++) {
				double v[opt.runs], m, lo, hi;
				char mm[32];

				for (r = 0; r < opt.runs; r++)
					v[r] = res_nic[z * opt.runs + r][c][d];
				m = median(v, opt.runs);
				lo = v[0];
				hi = v[opt.runs - 1];
				snprintf(mm, sizeof(mm), "(%.1f..%.1f)", lo,
					 hi);
				printf("%-4s %5uB  %-10s %9.1f %8.2f  %-14s "
				       "%12.1f  %10.3fx\n", dname[d],
				       sz[z].size, nname[c], m, 1e3 / m, mm,
				       med[d][C_DPSEC], m / med[d][C_DPSEC]);
			}
		}
	}

	if (functional_fail) {
		printf("FUNCTIONAL FAILURE (see stderr)\n");
		return 1;
	}
	dpsec_free(dp_ctx);
	nic_close();
	/* The working mbufs freed and the NIC port closed, both pools are
	 * full again: bench-smoke fails on a leak. */
	rte_pktmbuf_free_bulk(mb, nb_pkt);
	if (!demo_pool_back(pool, "mbufs"))
		leaked = true;
	if (!demo_pool_back(nic_pool, "NIC mbufs"))
		leaked = true;
	rte_cryptodev_stop(rs_out.crypto.dev_id);
	for (z = 0; z < opt.nb_sizes; z++) {
		tset_free(&sz[z].inner);
		tset_free(&sz[z].dp_esp);
		tset_free(&sz[z].rte_esp);
		tset_free(&sz[z].nic_in);
		tset_free(&sz[z].nic_pin);
	}
	free(sz);
	free(res);
	free(res_nic);
	free(restore_ns);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	demo_rundir_remove(rundir, prefix);	/* EAL leaves it behind */
	return leaked ? 1 : 0;
}
