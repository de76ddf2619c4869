/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-bench: software ESP (tunnel IPv4, one lcore, bursts of prepared
 * mbufs, no NIC I/O) for AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 and
 * AES-128-CBC + HMAC-SHA256-128, against
 *   - the limit: IPsec-MB on the same buffers and lengths (direct calls
 *     where IPsec-MB 1.3 has them, and the job API), and
 *   - the peer: DPDK's rte_ipsec with RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO on
 *     a crypto_ipsec_mb vdev (crypto_aesni_gcm for GCM, crypto_aesni_mb for
 *     the others),
 * all measured in the same process, interleaved run by run. Inbound also
 * with the replay window on (1024, ESN: "dpsec-win"), on packets whose
 * sequence numbers increase across passes.
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
 * And with --lcores A,B: one SA driven by two lcores at once against one
 * lcore, outbound and inbound (window on), SNs and the window checked.
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
#include <math.h>
#include <sched.h>
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
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_security.h>
#include <rte_udp.h>
#include <rte_version.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#include "bench_util.h"
#include "demo_common.h"
#include "dpsec_sa.h"

#define SPI		0x1000u	/* aes-128-gcm; algorithm a: SPI + a * 0x100 */
#define SPI_PROTO	0x1001u	/* the NIC SAs placed as inline protocol */
#define SPI_WIN_OFF	0x10u	/* + the algorithm's SPI: window-on SAs */
#define SPI_LC		0x3000u	/* the SA shared by two lcores */
/* DPDK 22.11's RTE_IPV4 shifts a signed int: UB for octets >= 128. */
#define IPV4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			  (uint32_t)(c) << 8 | (uint32_t)(d))
#define OUTER_SRC	IPV4(192, 0, 2, 1)
#define OUTER_DST	IPV4(192, 0, 2, 2)
#define INNER_SRC	IPV4(10, 0, 0, 1)
#define INNER_DST	IPV4(10, 0, 1, 1)
#define ESP_OFF		20u	/* outer IPv4 header, no options */
#define ESP_HDR		8u
#define ICV_MAX		16u
#define MAX_BURST	64u
#define MAX_SIZES	8u
#define MBUF_ROOM	(2048 + RTE_PKTMBUF_HEADROOM)
#define IV_OFFSET	(sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))
#define MB_VDEV		"crypto_aesni_mb0"
/* Replay window of the window-on contenders (RFC 4303 §3.4.3, ESN). */
#define WIN_SIZE	1024u
#define WIN_SETS	8u	/* template passes per window SA lifetime */
/* The window SAs' first SN is WIN_SEQ0 + 1: ESN's high half changes
 * within the first passes of every lifetime. */
#define WIN_SEQ0	((1ull << 32) - 600)
#define LC_SETS		8u	/* two-lcore inbound: passes per lifetime */
#define LC_BITS		(1u << 26)	/* two-lcore outbound: SNs checked */

static const uint8_t key_bytes[32] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88,
	0x97, 0xa6, 0xb5, 0xc4, 0xd3, 0xe2, 0xf1, 0x00,
};
static const uint8_t gcm_salt[4] = { 0xca, 0xfe, 0xba, 0xbe };
static const uint8_t auth_key[32] = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};

/* ---- algorithms ------------------------------------------------------- */

enum { A_GCM128, A_GCM256, A_CHACHA, A_CBC_SHA256, A_MAX };

struct algo {
	const char *name;
	enum dpsec_cipher cipher;
	enum dpsec_auth auth;
	uint8_t key_len;	/* cipher key, bytes */
	uint8_t salt_len;	/* after the key (AEAD) */
	uint8_t akey_len;	/* HMAC key */
	uint8_t iv_len;		/* in the packet */
	uint8_t icv_len;
	uint8_t align;		/* ESP payload alignment */
	bool mb_vdev;		/* peer on MB_VDEV, else on --vdev */
};

static const struct algo algos[A_MAX] = {
	[A_GCM128] = { "aes-128-gcm", DPSEC_CIPHER_AES_GCM_128,
		DPSEC_AUTH_NONE, 16, 4, 0, 8, 16, 4, false },
	[A_GCM256] = { "aes-256-gcm", DPSEC_CIPHER_AES_GCM_256,
		DPSEC_AUTH_NONE, 32, 4, 0, 8, 16, 4, false },
	[A_CHACHA] = { "chacha20-poly1305", DPSEC_CIPHER_CHACHA20_POLY1305,
		DPSEC_AUTH_NONE, 32, 4, 0, 8, 16, 4, true },
	/* RFC 3602 + RFC 4868 (HMAC-SHA-256-128, 32-byte key) */
	[A_CBC_SHA256] = { "aes-128-cbc+hmac-sha256", DPSEC_CIPHER_AES_CBC_128,
		DPSEC_AUTH_HMAC_SHA256_128, 16, 0, 32, 16, 16, 16, true },
};

/* ---- options ---------------------------------------------------------- */

static struct {
	unsigned int runs;
	unsigned int burst;
	unsigned int sets;
	double time_s;
	unsigned int iters;	/* fixed timed regions per cell (profiling) */
	unsigned int lcore;
	int lcore2;		/* --lcores A,B: B (-1: no two-lcore table) */
	const char *vdev;
	unsigned int sizes[MAX_SIZES];
	unsigned int nb_sizes;
	bool algo_on[A_MAX];
	const char *only;	/* run only cells whose name contains it */
	const char *json;
	bool quick;
} opt = {
	.runs = 5, .burst = 32, .sets = 8, .time_s = 0.3, .lcore = 0,
	.lcore2 = -1, .vdev = "crypto_aesni_gcm0", .sizes = { 64, 1420 },
	.nb_sizes = 2, .algo_on = { true, true, true, true },
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
	       "  --algos L,..  aes-128-gcm, aes-256-gcm, chacha20-poly1305,\n"
	       "                aes-128-cbc+hmac-sha256, or all (all)\n"
	       "  --vdev NAME   crypto vdev of rte_ipsec for GCM\n"
	       "                (crypto_aesni_gcm0; the others: %s)\n"
	       "  --lcore N     CPU to run on (0)\n"
	       "  --lcores A,B  also one SA on lcores A and B at once vs A\n"
	       "                alone (A == B allowed: time-shared)\n"
	       "  --only STR    measure only cells whose name (as the\n"
	       "                callgrind dumps: 'dpsec out 64B') contains STR\n"
	       "  --json FILE   write the results (dpsec-bench/1) to FILE\n"
	       "  --iters N     exactly N timed passes per cell instead of\n"
	       "                --time (for callgrind: equal work per cell;\n"
	       "                with --collect-atstart=no, one dump per cell\n"
	       "                counting only the contender's calls)\n"
	       "  --quick       functional smoke run: tiny time, 2 sets\n",
	       prg, MAX_BURST, MB_VDEV);
}

static int
parse_list(const char *arg, unsigned long *v, unsigned int max)
{
	const char *s = arg;
	char *e;
	unsigned int n = 0;

	while (*s != '\0') {
		if (n == max)
			return -1;
		v[n++] = strtoul(s, &e, 10);
		if (e == s || (*e != ',' && *e != '\0'))
			return -1;
		s = *e == ',' ? e + 1 : e;
	}
	return (int)n;
}

static int
parse_algos(char *arg)
{
	char *tok, *save = NULL;
	unsigned int a;

	memset(opt.algo_on, 0, sizeof(opt.algo_on));
	for (tok = strtok_r(arg, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		for (a = 0; a < A_MAX; a++) {
			if (strcmp(tok, "all") == 0 ||
			    strcmp(tok, algos[a].name) == 0) {
				opt.algo_on[a] = true;
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "unknown algorithm '%s'\n", tok);
			return -1;
		}
	}
	for (a = 0; a < A_MAX; a++)
		if (opt.algo_on[a])
			return 0;
	return -1;
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
		{ "algos", required_argument, NULL, 'a' },
		{ "vdev", required_argument, NULL, 'v' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "lcores", required_argument, NULL, 'L' },
		{ "only", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "iters", required_argument, NULL, 'i' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v[MAX_SIZES];
	int c, n, k;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': opt.runs = (unsigned int)atoi(optarg); break;
		case 't': opt.time_s = atof(optarg); break;
		case 'b': opt.burst = (unsigned int)atoi(optarg); break;
		case 's': opt.sets = (unsigned int)atoi(optarg); break;
		case 'v': opt.vdev = optarg; break;
		case 'l': opt.lcore = (unsigned int)atoi(optarg); break;
		case 'i': opt.iters = (unsigned int)atoi(optarg); break;
		case 'o': opt.only = optarg; break;
		case 'j': opt.json = optarg; break;
		case 'q': opt.quick = true; break;
		case 'a':
			if (parse_algos(optarg) != 0)
				return -1;
			break;
		case 'L':
			n = parse_list(optarg, v, 2);
			if (n != 2 || v[0] >= RTE_MAX_LCORE ||
			    v[1] >= RTE_MAX_LCORE)
				return -1;
			opt.lcore = (unsigned int)v[0];
			opt.lcore2 = (int)v[1];
			break;
		case 'z':
			n = parse_list(optarg, v, MAX_SIZES);
			if (n <= 0)
				return -1;
			for (k = 0; k < n; k++) {
				/* room for the largest trailer, IV and ICV
				 * in MBUF_ROOM and an MTU of 1500 at most */
				if (v[k] < 48 || v[k] > 1460)
					return -1;
				opt.sizes[k] = (unsigned int)v[k];
			}
			opt.nb_sizes = (unsigned int)n;
			break;
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
	bool view;		/* p[].data belong to another tset */
};

static struct rte_mempool *pool;
static struct rte_mbuf **mb;	/* opt.sets * opt.burst working mbufs */
static struct rte_mbuf **mb2;	/* the second lcore's (--lcores) */
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
	t->view = false;
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

	for (i = 0; !t->view && t->p != NULL && i < nb_pkt; i++)
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

/* Copy mbufs into a template set (setup only). */
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

/* (a) the limit: IPsec-MB on the ESP payload region, same lengths. */
struct raw {
	IMB_MGR *mgr;
	const struct algo *a;
	unsigned int id;	/* A_* */
	struct gcm_key_data key __rte_aligned(64);
	struct gcm_context_data gctx __rte_aligned(64);
	struct chacha20_poly1305_context_data cctx __rte_aligned(64);
	uint8_t enc_keys[16 * 15] __rte_aligned(16);	/* AES-CBC */
	uint8_t dec_keys[16 * 15] __rte_aligned(16);
	uint8_t ipad[32] __rte_aligned(16);	/* HMAC-SHA256 states */
	uint8_t opad[32] __rte_aligned(16);
	uint64_t seq;
	uint32_t spi_be;
	uint8_t tag[MAX_BURST][ICV_MAX];
};

static inline uint32_t
esp_ct_len(const struct algo *a, uint32_t inner)
{
	return RTE_ALIGN_CEIL(inner + 2, a->align);
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

/* Nonce (salt || IV = SN) and AAD (SPI || SN) of the next outbound packet. */
static inline void
raw_next(struct raw *r, uint8_t nonce[16], uint8_t aad[8])
{
	uint64_t seq = ++r->seq;
	uint64_t be = rte_cpu_to_be_64(seq);
	uint32_t lo = rte_cpu_to_be_32((uint32_t)seq);

	memcpy(nonce, gcm_salt, 4);
	memcpy(nonce + 4, &be, 8);
	memset(nonce + 12, 0, 4);
	memcpy(aad, &r->spi_be, 4);
	memcpy(aad + 4, &lo, 4);
}

/*
 * Direct calls (no job): AES-GCM's one-shot IMB_AES{128,256}_GCM_ENC/DEC,
 * ChaCha20-Poly1305's init/update/finalize (IPsec-MB 1.3 has no one-shot
 * direct call for it). Encrypt the inner packet + pad + trailer length,
 * tag after it. AES-CBC + HMAC has no direct path (raw_direct_na()).
 */
static unsigned int
raw_enc(void *arg, struct rte_mbuf **m, unsigned int n)
{
	struct raw *r = arg;
	uint8_t nonce[16], aad[8];
	unsigned int i;

	switch (r->id) {
	case A_GCM128:
	case A_GCM256:
		for (i = 0; i < n; i++) {
			uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
			uint32_t len = esp_ct_len(r->a, m[i]->pkt_len);

			raw_next(r, nonce, aad);
			if (r->id == A_GCM128)
				IMB_AES128_GCM_ENC(r->mgr, &r->key, &r->gctx,
						   p, p, len, nonce, aad, 8,
						   p + len, 16);
			else
				IMB_AES256_GCM_ENC(r->mgr, &r->key, &r->gctx,
						   p, p, len, nonce, aad, 8,
						   p + len, 16);
		}
		return n;
	case A_CHACHA:
		for (i = 0; i < n; i++) {
			uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
			uint32_t len = esp_ct_len(r->a, m[i]->pkt_len);

			raw_next(r, nonce, aad);
			IMB_CHACHA20_POLY1305_INIT(r->mgr, key_bytes, &r->cctx,
						   nonce, aad, 8);
			IMB_CHACHA20_POLY1305_ENC_UPDATE(r->mgr, key_bytes,
							 &r->cctx, p, p, len);
			IMB_CHACHA20_POLY1305_ENC_FINALIZE(r->mgr, &r->cctx,
							   p + len, 16);
		}
		return n;
	default:
		return 0;
	}
}

/* Decrypt an ESP packet's ciphertext in place and verify its ICV. */
static unsigned int
raw_dec(void *arg, struct rte_mbuf **m, unsigned int n)
{
	struct raw *r = arg;
	const unsigned int iv = r->a->iv_len;
	unsigned int i, ok = 0;

	if (r->id == A_CBC_SHA256)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t *esp = rte_pktmbuf_mtod_offset(m[i], uint8_t *,
						       ESP_OFF);
		uint8_t *ct = esp + ESP_HDR + iv;
		uint32_t len = m[i]->pkt_len - ESP_OFF - ESP_HDR - iv - 16;
		uint8_t nonce[12], tag[16];

		memcpy(nonce, gcm_salt, 4);
		memcpy(nonce + 4, esp + ESP_HDR, 8);
		switch (r->id) {
		case A_GCM128:
			IMB_AES128_GCM_DEC(r->mgr, &r->key, &r->gctx, ct, ct,
					   len, nonce, esp, 8, tag, 16);
			break;
		case A_GCM256:
			IMB_AES256_GCM_DEC(r->mgr, &r->key, &r->gctx, ct, ct,
					   len, nonce, esp, 8, tag, 16);
			break;
		default:
			IMB_CHACHA20_POLY1305_INIT(r->mgr, key_bytes, &r->cctx,
						   nonce, esp, 8);
			IMB_CHACHA20_POLY1305_DEC_UPDATE(r->mgr, key_bytes,
							 &r->cctx, ct, ct,
							 len);
			IMB_CHACHA20_POLY1305_DEC_FINALIZE(r->mgr, &r->cctx,
							   tag, 16);
			break;
		}
		ok += !ct_neq(tag, ct + len, 16);
	}
	return ok;
}

static const char *
raw_direct_na(unsigned int id)
{
	return id == A_CBC_SHA256 ? "IPsec-MB 1.3 has no direct HMAC-SHA256 "
		"call with a precomputed key (job API only)" : NULL;
}

/*
 * Same work through the job API, one unchecked submit per packet, one
 * flush per burst. AES-CBC + HMAC: the HMAC covers ESP header + IV + ciphertext
 * (outbound: the 24 bytes before the payload are the mbuf's headroom).
 */
static unsigned int
raw_job(struct raw *r, struct rte_mbuf **m, unsigned int n, bool enc)
{
	IMB_MGR *mgr = r->mgr;
	const struct algo *a = r->a;
	const unsigned int ivl = a->iv_len, icv = a->icv_len;
	uint8_t nonce[MAX_BURST][16], aad[MAX_BURST][8];
	unsigned int i, ok = 0;
	IMB_JOB *job;

	for (i = 0; i < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);
		uint8_t *ct, *esp;
		uint32_t len;

		if (enc) {
			raw_next(r, nonce[i], aad[i]);
			ct = p;
			esp = p - ESP_HDR - ivl;
			len = esp_ct_len(a, m[i]->pkt_len);
		} else {
			esp = p + ESP_OFF;
			ct = esp + ESP_HDR + ivl;
			len = m[i]->pkt_len - ESP_OFF - ESP_HDR - ivl - icv;
			memcpy(nonce[i], gcm_salt, 4);
			memcpy(nonce[i] + 4, esp + ESP_HDR, 8);
			memcpy(aad[i], esp, 8);
		}
		job = IMB_GET_NEXT_JOB(mgr);
		job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
		job->chain_order = enc ? IMB_ORDER_CIPHER_HASH :
					 IMB_ORDER_HASH_CIPHER;
		job->src = ct;
		job->dst = ct;
		job->cipher_start_src_offset_in_bytes = 0;
		job->msg_len_to_cipher_in_bytes = len;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = len;
		job->iv = nonce[i];
		job->iv_len_in_bytes = 12;
		switch (r->id) {
		case A_GCM128:
		case A_GCM256:
			job->cipher_mode = IMB_CIPHER_GCM;
			job->hash_alg = IMB_AUTH_AES_GMAC;
			job->enc_keys = &r->key;
			job->dec_keys = &r->key;
			job->key_len_in_bytes = a->key_len;
			job->u.GCM.aad = aad[i];
			job->u.GCM.aad_len_in_bytes = 8;
			break;
		case A_CHACHA:
			job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
			job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
			job->enc_keys = key_bytes;
			job->dec_keys = key_bytes;
			job->key_len_in_bytes = 32;
			job->u.CHACHA20_POLY1305.aad = aad[i];
			job->u.CHACHA20_POLY1305.aad_len_in_bytes = 8;
			job->u.CHACHA20_POLY1305.ctx = NULL;
			break;
		default:
			job->cipher_mode = IMB_CIPHER_CBC;
			job->hash_alg = IMB_AUTH_HMAC_SHA_256;
			job->enc_keys = r->enc_keys;
			job->dec_keys = r->dec_keys;
			job->key_len_in_bytes = 16;
			job->iv = enc ? nonce[i] : esp + ESP_HDR;
			job->iv_len_in_bytes = 16;
			job->src = esp;
			job->cipher_start_src_offset_in_bytes = ESP_HDR + ivl;
			job->hash_start_src_offset_in_bytes = 0;
			job->msg_len_to_hash_in_bytes = ESP_HDR + ivl + len;
			job->u.HMAC._hashed_auth_key_xor_ipad = r->ipad;
			job->u.HMAC._hashed_auth_key_xor_opad = r->opad;
			break;
		}
		job->auth_tag_output = enc ? ct + len : r->tag[i];
		job->auth_tag_output_len_in_bytes = icv;
		job->user_data = enc ? NULL : ct + len;
		/* unchecked, as the aesni_mb PMD: the job is right by
		 * construction (and verifies dpsec's ICVs in the sanity) */
		job = IMB_SUBMIT_JOB_NOCHECK(mgr);
		while (job != NULL) {
			ok += job->status == IMB_STATUS_COMPLETED &&
			      (enc || !ct_neq(job->auth_tag_output,
					      job->user_data, icv));
			job = IMB_GET_COMPLETED_JOB(mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		ok += job->status == IMB_STATUS_COMPLETED &&
		      (enc || !ct_neq(job->auth_tag_output, job->user_data,
				      icv));
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

/* HMAC-SHA256 ipad/opad states (RFC 2104), as the job API wants them. */
static void
raw_hmac_precompute(struct raw *r)
{
	uint8_t blk[64];
	unsigned int i;

	memset(blk, 0, sizeof(blk));
	memcpy(blk, auth_key, sizeof(auth_key));
	for (i = 0; i < sizeof(blk); i++)
		blk[i] ^= 0x36;
	IMB_SHA256_ONE_BLOCK(r->mgr, blk, r->ipad);
	for (i = 0; i < sizeof(blk); i++)
		blk[i] ^= 0x36 ^ 0x5c;
	IMB_SHA256_ONE_BLOCK(r->mgr, blk, r->opad);
}

static void
raw_init(struct raw *r, IMB_MGR *mgr, unsigned int id, uint32_t spi)
{
	r->mgr = mgr;
	r->id = id;
	r->a = &algos[id];
	r->spi_be = rte_cpu_to_be_32(spi);
	if (id == A_GCM128)
		IMB_AES128_GCM_PRE(mgr, key_bytes, &r->key);
	else if (id == A_GCM256)
		IMB_AES256_GCM_PRE(mgr, key_bytes, &r->key);
	else if (id == A_CBC_SHA256) {
		IMB_AES_KEYEXP_128(mgr, key_bytes, r->enc_keys, r->dec_keys);
		raw_hmac_precompute(r);
	}
}

/* dpsec */
static struct dpsec_ctx *dp_ctx;

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
static unsigned int
rte_ipsec_fn(void *arg, struct rte_mbuf **m, unsigned int n)
{
	const struct rte_ipsec_session *ss = arg;
	uint16_t k;

	k = rte_ipsec_pkt_cpu_prepare(ss, m, (uint16_t)n);
	return rte_ipsec_pkt_process(ss, m, k);
}

/* ---- results ---------------------------------------------------------- */

enum { T_SW, T_NIC, T_LC, T_MAX };
static const char *const tname[T_MAX] = {
	"esp-sw", "esp-nic", "esp-lcores",
};
enum { D_OUT, D_IN, D_MAX };
static const char *const dname[D_MAX] = { "out", "in" };

/* One contender in one cell: a value per run. */
struct series {
	unsigned int table, dir, size, algo, lcores;
	const char *contender;
	const char *unit;
	double *v;		/* opt.runs values (NAN: not measured) */
	const char *na;		/* why the contender cannot run the cell */
	double med, lo, hi;	/* over the measured runs (NAN: none) */
};

#define MAX_SERIES	512u
static struct series ser[MAX_SERIES];
static unsigned int nb_ser;

static struct series *
series_get(unsigned int table, unsigned int dir, unsigned int size,
	   unsigned int algo, unsigned int lcores, const char *con,
	   const char *unit)
{
	struct series *s;
	unsigned int i;

	for (i = 0; i < nb_ser; i++) {
		s = &ser[i];
		if (s->table == table && s->dir == dir && s->size == size &&
		    s->algo == algo && s->lcores == lcores &&
		    strcmp(s->contender, con) == 0)
			return s;
	}
	if (nb_ser == MAX_SERIES) {
		fprintf(stderr, "too many result series\n");
		exit(2);
	}
	s = &ser[nb_ser++];
	s->table = table;
	s->dir = dir;
	s->size = size;
	s->algo = algo;
	s->lcores = lcores;
	s->contender = con;
	s->unit = unit;
	s->v = malloc(opt.runs * sizeof(*s->v));
	if (s->v == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (i = 0; i < opt.runs; i++)
		s->v[i] = NAN;
	s->na = NULL;
	s->med = s->lo = s->hi = NAN;
	return s;
}

/* Lookup of a finished series' median (NAN if absent or not measured). */
static double
med_of(unsigned int table, unsigned int dir, unsigned int size,
       unsigned int algo, unsigned int lcores, const char *con)
{
	unsigned int i;

	for (i = 0; i < nb_ser; i++) {
		const struct series *s = &ser[i];

		if (s->table == table && s->dir == dir && s->size == size &&
		    s->algo == algo && s->lcores == lcores &&
		    strcmp(s->contender, con) == 0)
			return s->med;
	}
	return NAN;
}

/* "<contender> <dir> <size>B[ <algo>]": the callgrind dump's name. */
static void
cell_name(const struct series *s, char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "%s %s %uB", s->contender, dname[s->dir],
			 s->size);

	if (s->algo != A_GCM128 && n > 0 && (size_t)n < sz)
		snprintf(buf + n, sz - (size_t)n, " %s", algos[s->algo].name);
	if (s->table == T_LC && n > 0 && strlen(buf) + 12 < sz)
		snprintf(buf + strlen(buf), sz - strlen(buf), " %ulc",
			 s->lcores);
}

static uint64_t tsc_hz;
static uint64_t t_start;
static unsigned int cell_k, cell_n;
static bool functional_fail;

static void
progress(const struct series *s, unsigned int r)
{
	char name[128];

	cell_name(s, name, sizeof(name));
	cell_k++;
	fprintf(stderr, "[%u/%u] %s dir=%s size=%u algo=%s", cell_k, cell_n,
		tname[s->table], dname[s->dir], s->size, algos[s->algo].name);
	if (s->table == T_LC)
		fprintf(stderr, " lcores=%u", s->lcores);
	if (s->na != NULL)
		fprintf(stderr, " %s ... n/a", s->contender);
	else if (isnan(s->v[r]))
		fprintf(stderr, " %s ... skipped (--only)", s->contender);
	else
		fprintf(stderr, " %s ... %.2f %s", s->contender, s->v[r],
			s->unit);
	fprintf(stderr, " %.1f s\n",
		(double)(rte_rdtsc() - t_start) / (double)tsc_hz);
}

static bool
selected(const struct series *s)
{
	char name[128];

	if (opt.only == NULL)
		return true;
	cell_name(s, name, sizeof(name));
	return strstr(name, opt.only) != NULL;
}

/* ---- measurement ------------------------------------------------------ */

static uint64_t *samples;	/* cycles of each timed region of a cell */
static size_t max_samples;

/*
 * Where a cell's packets come from: nt template sets used in turn. With
 * renew (the window-on contenders), each set is used once per SA lifetime
 * (sequence numbers increase across the sets); when all are used, renew()
 * re-creates the SA, untimed, after checking it accepted all @fed packets.
 */
struct feed {
	const struct tset *t;
	unsigned int nt, cur;
	int (*renew)(struct feed *f);
	struct dpsec_sa **sa;	/* renew: the SA it re-creates */
	unsigned int algo;	/* renew: its algorithm */
	uint32_t spi;		/* renew: its SPI */
	uint64_t fed;		/* packets given to the current SA */
	unsigned int renewals;
};

#define FEED1(ts) (&(struct feed){ .t = (ts), .nt = 1 })

static const struct tset *
feed_next(struct feed *f)
{
	if (f->cur == f->nt) {
		if (f->renew != NULL) {
			if (f->renew(f) != 0)
				return NULL;
			f->renewals++;
		}
		f->cur = 0;
	}
	f->fed += nb_pkt;
	return &f->t[f->cur++];
}

/*
 * Run fn over all sets, restoring outside the timed region, until
 * opt.time_s of processing has been timed. Each timed region (all sets, one
 * pass) is one sample; the cell's figure is the median sample in ns per
 * packet, which a preemption or an interrupt cannot move much (this runs
 * on shared 2-core machines).
 */
static double
measure(proc_fn fn, void *arg, struct feed *f, const char *who)
{
	uint64_t target = (uint64_t)(opt.time_s * (double)tsc_hz);
	uint64_t cyc = 0, bad = 0;
	const struct tset *t;
	size_t ns = 0;
	unsigned int s;

	if (f->renew != NULL) {
		f->cur = f->nt;	/* a fresh SA for the cell */
		f->renewals = 0;
	}
	/* one warm-up pass */
	t = feed_next(f);
	if (t == NULL)
		goto fail;
	restore(t);
	for (s = 0; s < opt.sets; s++)
		bad += opt.burst - fn(arg, mb + s * opt.burst, opt.burst);
	while (opt.iters ? ns < opt.iters :
	       cyc < target && ns < max_samples) {
		uint64_t t0, t1;

		t = feed_next(f);
		if (t == NULL)
			goto fail;
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
	/* the window SA's last lifetime: every packet accepted? */
	if (f->renew != NULL && f->renew(f) != 0)
		goto fail;
	if (bad != 0) {
		fprintf(stderr, "FAIL: %s: %" PRIu64 " packets not processed\n",
			who, bad);
		functional_fail = true;
	}
	qsort(samples, ns, sizeof(*samples), cmp_u64);
	return (double)samples[ns / 2] * 1e9 / (double)tsc_hz /
	       (double)nb_pkt;
fail:
	fprintf(stderr, "FAIL: %s: cannot renew the SA\n", who);
	functional_fail = true;
	return NAN;
}

/* Measure one cell of run r (or print why it cannot run). */
static void
cell(struct series *s, unsigned int r, proc_fn fn, void *arg,
     struct feed *f)
{
	char who[128];

	cell_name(s, who, sizeof(who));
	if (s->na == NULL && selected(s))
		s->v[r] = measure(fn, arg, f, who);
	progress(s, r);
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

/* Median, min and max of the measured (non-NAN) runs. */
static void
series_finish(struct series *s)
{
	double v[opt.runs];
	unsigned int i, n = 0;

	for (i = 0; i < opt.runs; i++)
		if (!isnan(s->v[i]))
			v[n++] = s->v[i];
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_dbl);
	s->med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s->lo = v[0];
	s->hi = v[n - 1];
}

/* ---- setup ------------------------------------------------------------ */

/* The benchmarks' SA: tunnel IPv4, algorithm @a, keys from key_bytes,
 * gcm_salt and auth_key; the caller sets dir (and port_id, flags,
 * replay_window as needed). */
static void
sa_conf(struct dpsec_sa_conf *sc, const struct algo *a, uint8_t keymat[40],
	uint32_t spi, enum dpsec_offload off)
{
	memset(sc, 0, sizeof(*sc));
	sc->spi = spi;
	sc->mode = DPSEC_SA_TUNNEL;
	sc->src.family = 4;
	sc->src.v4 = rte_cpu_to_be_32(OUTER_SRC);
	sc->dst.family = 4;
	sc->dst.v4 = rte_cpu_to_be_32(OUTER_DST);
	sc->sad_key = DPSEC_SAD_SPI_DST;
	sc->cipher = a->cipher;
	memcpy(keymat, key_bytes, a->key_len);
	memcpy(keymat + a->key_len, gcm_salt, a->salt_len);
	sc->cipher_key = keymat;
	sc->cipher_key_len = (uint16_t)(a->key_len + a->salt_len);
	sc->auth = a->auth;
	if (a->akey_len != 0) {
		sc->auth_key = auth_key;
		sc->auth_key_len = a->akey_len;
	}
	sc->ttl = 64;
	sc->offload = off;
}

/* A software SA with ESN and, inbound, the replay window on. */
static struct dpsec_sa *
win_sa_create(unsigned int algo, enum dpsec_sa_dir dir, uint32_t spi)
{
	uint8_t keymat[40];
	struct dpsec_sa_conf sc;
	struct dpsec_sa *sa;

	sa_conf(&sc, &algos[algo], keymat, spi, DPSEC_OFFLOAD_NONE);
	sc.dir = dir;
	sc.flags = DPSEC_SA_F_ESN;
	sc.seq_start = WIN_SEQ0;
	sc.replay_window = dir == DPSEC_SA_INBOUND ? WIN_SIZE : 0;
	sa = dpsec_sa_create(dp_ctx, &sc);
	if (sa == NULL)
		fprintf(stderr, "dpsec_sa_create (window, SPI 0x%x): %s\n",
			spi, rte_strerror(rte_errno));
	return sa;
}

/* feed.renew of the window-on contenders: check, destroy, create. */
static int
win_renew(struct feed *f)
{
	struct dpsec_sa_stats st;

	if (*f->sa != NULL) {
		if (dpsec_sa_stats_get(*f->sa, &st) != 0 ||
		    st.packets != f->fed) {
			fprintf(stderr, "FAIL: window SA 0x%x accepted %" PRIu64
				" of %" PRIu64 " packets (replay drops %"
				PRIu64 ")\n", f->spi, st.packets, f->fed,
				st.drops[DPSEC_R_REPLAY]);
			return -1;
		}
		if (dpsec_sa_destroy(dp_ctx, *f->sa) != 0)
			return -1;
	}
	*f->sa = win_sa_create(f->algo, DPSEC_SA_INBOUND, f->spi);
	f->fed = 0;
	return *f->sa == NULL ? -1 : 0;
}

/* Per inner size, shared by the algorithms: the inner packets and the
 * NIC's (aes-128-gcm) inbound templates. */
struct size_ctx {
	unsigned int size;
	struct tset inner;	/* plaintext inner packets */
	struct tset nic_in;	/* as the NIC delivers them, inline crypto:
				 * decrypted, ESP framing kept,
				 * RX_SEC_OFFLOAD, m->port */
	struct tset nic_pin;	/* inline protocol: decapsulated, also the
				 * SA id (security dynfield) and the SN */
};

/* Per algorithm and size. */
struct asz {
	struct tset dp_esp;	/* dpsec outbound output (dpsec in, raw dec) */
	struct tset rte_esp;	/* rte_ipsec outbound output (rte_ipsec in) */
	struct tset wt[WIN_SETS];	/* ESN, SN increasing across sets */
};

/* Per algorithm. */
struct algo_ctx {
	unsigned int id;
	const struct algo *a;
	uint32_t spi;
	struct raw raw;
	struct dpsec_sa *out, *in;	/* window off */
	struct dpsec_sa *win;		/* inbound, window on (renewed) */
	struct rte_ipsec_session rs_out, rs_in;
	struct rte_crypto_sym_xform xf[4];
	char rte_na[192];		/* empty: the peer runs */
	struct asz sz[MAX_SIZES];
};

static struct algo_ctx *actx[A_MAX];

static int
dpsec_setup(void)
{
	struct dpsec_ctx_conf cc = {
		.name = "bench", .socket_id = SOCKET_ID_ANY, .max_sa = 32,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};

	dp_ctx = dpsec_create(&cc);
	if (dp_ctx == NULL) {
		fprintf(stderr, "dpsec_create: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
dpsec_algo_setup(struct algo_ctx *x)
{
	uint8_t keymat[40];
	struct dpsec_sa_conf sc;

	sa_conf(&sc, x->a, keymat, x->spi, DPSEC_OFFLOAD_NONE);
	sc.dir = DPSEC_SA_OUTBOUND;
	x->out = dpsec_sa_create(dp_ctx, &sc);
	/* Replay window off: the same packets are decrypted again and
	 * again (rte_ipsec's SA gets the same). */
	sc.dir = DPSEC_SA_INBOUND;
	sc.replay_window = 0;
	x->in = dpsec_sa_create(dp_ctx, &sc);
	if (x->out == NULL || x->in == NULL) {
		fprintf(stderr, "dpsec_sa_create (%s): %s\n", x->a->name,
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

/* The peer's crypto devices: [0] --vdev (GCM), [1] MB_VDEV (the others). */
static int peer_dev[2] = { -1, -1 };
static const char *peer_dev_name[2];
static char peer_dev_na[2][128];
static struct rte_mempool *sess_mp;

static int
rte_ipsec_sa_setup(struct algo_ctx *x, struct rte_ipsec_session *ss,
		   bool outbound)
{
	struct rte_crypto_sym_xform *xf = &x->xf[outbound ? 0 : 2];
	unsigned int di = x->a->mb_vdev;
	struct rte_ipsec_sa_prm prm;
	uint32_t salt;
	int sz, rc;

	memset(xf, 0, 2 * sizeof(*xf));
	if (x->id != A_CBC_SHA256) {
		xf->type = RTE_CRYPTO_SYM_XFORM_AEAD;
		xf->aead.op = outbound ? RTE_CRYPTO_AEAD_OP_ENCRYPT :
					 RTE_CRYPTO_AEAD_OP_DECRYPT;
		xf->aead.algo = x->id == A_CHACHA ?
			RTE_CRYPTO_AEAD_CHACHA20_POLY1305 :
			RTE_CRYPTO_AEAD_AES_GCM;
		xf->aead.key.data = key_bytes;
		xf->aead.key.length = x->a->key_len;
		xf->aead.iv.offset = IV_OFFSET;
		xf->aead.iv.length = 12;
		xf->aead.digest_length = x->a->icv_len;
		xf->aead.aad_length = 8;
	} else {
		/* lib/ipsec: outbound cipher then auth, inbound the
		 * reverse */
		struct rte_crypto_sym_xform *c = &xf[outbound ? 0 : 1];
		struct rte_crypto_sym_xform *au = &xf[outbound ? 1 : 0];

		c->type = RTE_CRYPTO_SYM_XFORM_CIPHER;
		c->cipher.op = outbound ? RTE_CRYPTO_CIPHER_OP_ENCRYPT :
					  RTE_CRYPTO_CIPHER_OP_DECRYPT;
		c->cipher.algo = RTE_CRYPTO_CIPHER_AES_CBC;
		c->cipher.key.data = key_bytes;
		c->cipher.key.length = x->a->key_len;
		c->cipher.iv.offset = IV_OFFSET;
		c->cipher.iv.length = 16;
		au->type = RTE_CRYPTO_SYM_XFORM_AUTH;
		au->auth.op = outbound ? RTE_CRYPTO_AUTH_OP_GENERATE :
					 RTE_CRYPTO_AUTH_OP_VERIFY;
		au->auth.algo = RTE_CRYPTO_AUTH_SHA256_HMAC;
		au->auth.key.data = auth_key;
		au->auth.key.length = x->a->akey_len;
		au->auth.digest_length = x->a->icv_len;
		xf[0].next = &xf[1];
	}

	memset(&prm, 0, sizeof(prm));
	if (x->a->salt_len != 0) {
		memcpy(&salt, gcm_salt, 4);	/* lib/ipsec keeps memory */
		prm.ipsec_xform.salt = salt;
	}
	prm.ipsec_xform.spi = x->spi;
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
	prm.crypto_xform = xf;

	memset(ss, 0, sizeof(*ss));
	if (peer_dev[di] < 0) {
		snprintf(x->rte_na, sizeof(x->rte_na), "%s", peer_dev_na[di]);
		return -1;
	}
	sz = rte_ipsec_sa_size(&prm);
	if (sz <= 0) {
		snprintf(x->rte_na, sizeof(x->rte_na), "rte_ipsec_sa_size: %s",
			 strerror(-sz));
		return -1;
	}
	ss->sa = rte_zmalloc("bench_ipsec_sa", sz, RTE_CACHE_LINE_SIZE);
	if (ss->sa == NULL)
		return -1;
	rc = rte_ipsec_sa_init(ss->sa, &prm, sz);
	if (rc < 0) {
		snprintf(x->rte_na, sizeof(x->rte_na), "rte_ipsec_sa_init: %s",
			 strerror(-rc));
		return -1;
	}
	ss->type = RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO;
	ss->crypto.dev_id = (uint8_t)peer_dev[di];
	ss->crypto.ses = rte_cryptodev_sym_session_create(
		(uint8_t)peer_dev[di], xf, sess_mp);
	if (ss->crypto.ses == NULL) {
		snprintf(x->rte_na, sizeof(x->rte_na), "%s: no session for %s "
			 "(%s)", peer_dev_name[di], x->a->name,
			 rte_strerror(rte_errno));
		return -1;
	}
	rc = rte_ipsec_session_prepare(ss);
	if (rc != 0) {
		snprintf(x->rte_na, sizeof(x->rte_na), "%s: "
			 "rte_ipsec_session_prepare: %s", peer_dev_name[di],
			 strerror(-rc));
		return -1;
	}
	return 0;
}

static void
rte_ipsec_algo_setup(struct algo_ctx *x)
{
	x->rte_na[0] = '\0';
	if (rte_ipsec_sa_setup(x, &x->rs_out, true) != 0 ||
	    rte_ipsec_sa_setup(x, &x->rs_in, false) != 0) {
		if (x->rte_na[0] == '\0')
			snprintf(x->rte_na, sizeof(x->rte_na), "out of memory");
	}
}

/* Start the peer's devices; one that cannot run is n/a, not an error. */
static int
rte_ipsec_setup(void)
{
	struct rte_cryptodev_config conf = {
		.socket_id = (int)rte_socket_id(), .nb_queue_pairs = 1,
	};
	struct rte_cryptodev_info info;
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 128 };
	unsigned int i, psz = 0;
	int dev;

	peer_dev_name[0] = opt.vdev;
	peer_dev_name[1] = MB_VDEV;
	for (i = 0; i < 2; i++) {
		dev = rte_cryptodev_get_dev_id(peer_dev_name[i]);
		if (dev < 0) {
			snprintf(peer_dev_na[i], sizeof(peer_dev_na[i]),
				 "crypto device %s not found", peer_dev_name[i]);
			continue;
		}
		rte_cryptodev_info_get((uint8_t)dev, &info);
		if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO)) {
			snprintf(peer_dev_na[i], sizeof(peer_dev_na[i]),
				 "%s (%s) has no RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO",
				 peer_dev_name[i], info.driver_name);
			continue;
		}
		psz = RTE_MAX(psz, rte_cryptodev_sym_get_private_session_size(
			(uint8_t)dev));
		peer_dev[i] = dev;
	}
	sess_mp = rte_cryptodev_sym_session_pool_create("bench_sess", 32,
		psz, 0, 0, (int)rte_socket_id());
	if (sess_mp == NULL)
		return -1;
	qp.mp_session = sess_mp;
	for (i = 0; i < 2; i++) {
		dev = peer_dev[i];
		if (dev < 0 || (i == 1 && peer_dev[1] == peer_dev[0]))
			continue;
		if (rte_cryptodev_configure((uint8_t)dev, &conf) != 0 ||
		    rte_cryptodev_queue_pair_setup((uint8_t)dev, 0, &qp,
						   (int)rte_socket_id()) != 0 ||
		    rte_cryptodev_start((uint8_t)dev) != 0) {
			fprintf(stderr, "cannot start %s\n", peer_dev_name[i]);
			return -1;
		}
		rte_cryptodev_info_get((uint8_t)dev, &info);
		printf("rte_ipsec peer: %s (driver %s), CPU crypto\n",
		       peer_dev_name[i], info.driver_name);
	}
	return 0;
}

static void
rte_ipsec_stop(void)
{
	if (peer_dev[0] >= 0)
		rte_cryptodev_stop((uint8_t)peer_dev[0]);
	if (peer_dev[1] >= 0 && peer_dev[1] != peer_dev[0])
		rte_cryptodev_stop((uint8_t)peer_dev[1]);
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
	uint8_t keymat[40];
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
	sa_conf(&sc, &algos[A_GCM128], keymat, SPI, DPSEC_OFFLOAD_REQUIRE);
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


/* Every packet of the working mbufs' sets through fn; -1 unless all. */
static int
run_all(proc_fn fn, void *arg, const char *who)
{
	unsigned int s, n = opt.burst;

	for (s = 0; s < opt.sets; s++) {
		unsigned int k = fn(arg, mb + s * n, n);

		if (k != n) {
			fprintf(stderr, "FAIL: %s: %u/%u, reason %s\n", who, k,
				n, k < n ? dpsec_reason_str(dpsec_mbuf_reason(
					mb[s * n + k])) : "-");
			return -1;
		}
	}
	return 0;
}

/* dpsec_inbound() on the working mbufs gives back the inner packets. */
static int
dpsec_in_check(const struct tset *inner, const char *what, unsigned int size)
{
	unsigned int s, n = opt.burst;
	char who[96];

	snprintf(who, sizeof(who), "%s %uB", what, size);
	if (run_all(dpsec_in_fn, dp_ctx, who) != 0)
		return -1;
	for (s = 0; s < opt.sets; s++)
		if (check_inner(inner, mb + s * n, n, s * n, who) != 0)
			return -1;
	return 0;
}

/* A replayed copy: every packet of the set rejected as a replay. */
static int
replay_rejected(const struct tset *t, const char *who)
{
	unsigned int s, i, n = opt.burst;

	restore(t);
	for (s = 0; s < opt.sets; s++) {
		uint16_t k = dpsec_inbound(dp_ctx, mb + s * n, (uint16_t)n,
					   NULL);

		for (i = k; i < n; i++)
			if (dpsec_mbuf_reason(mb[s * n + i]) != DPSEC_R_REPLAY)
				break;
		if (k != 0 || i != n) {
			fprintf(stderr, "FAIL: %s: a replayed copy: %u of %u "
				"accepted, or rejected for another reason\n",
				who, k, n);
			return -1;
		}
	}
	return 0;
}

/*
 * Build one algorithm's ESP templates for one size, and check each side
 * decrypts its own output back to the original, IPsec-MB verifies dpsec's
 * ICVs, dpsec decrypts the peer's packets, and the window-on SA accepts
 * each of its packets once (ESN crossing 2^32) and rejects a replay.
 * A peer that cannot round-trip is n/a (x->rte_na), not a failure.
 */
static int
prepare_algo_size(struct algo_ctx *x, struct size_ctx *z, struct asz *q)
{
	struct feed wf = { .renew = win_renew, .sa = &x->win, .algo = x->id,
			   .spi = x->spi + SPI_WIN_OFF };
	const char *an = x->a->name;
	struct dpsec_sa *wout;
	unsigned int k;
	char who[128];

	tset_alloc(&q->dp_esp);
	tset_alloc(&q->rte_esp);
	for (k = 0; k < WIN_SETS; k++)
		tset_alloc(&q->wt[k]);

	/* dpsec out -> templates -> dpsec in == inner */
	restore(&z->inner);
	snprintf(who, sizeof(who), "dpsec outbound %s", an);
	if (run_all(dpsec_out_fn, x->out, who) != 0 ||
	    capture(&q->dp_esp, mb) != 0)
		return -1;
	snprintf(who, sizeof(who), "dpsec in(dpsec out) %s", an);
	if (dpsec_in_check(&z->inner, who, z->size) != 0)
		return -1;
	/* raw IPsec-MB decrypt verifies dpsec's tags (both ways it has) */
	if (raw_direct_na(x->id) == NULL) {
		restore(&q->dp_esp);
		snprintf(who, sizeof(who), "IPsec-MB (direct) verifies dpsec's "
			 "ICVs, %s", an);
		if (run_all(raw_dec, &x->raw, who) != 0)
			return -1;
	}
	restore(&q->dp_esp);
	snprintf(who, sizeof(who), "IPsec-MB (job) verifies dpsec's ICVs, %s",
		 an);
	if (run_all(raw_job_dec, &x->raw, who) != 0)
		return -1;

	/* rte_ipsec out -> templates -> rte_ipsec in == inner */
	if (x->rte_na[0] == '\0') {
		unsigned int s, n = opt.burst;
		bool ok = true;

		restore(&z->inner);
		for (s = 0; s < opt.sets && ok; s++)
			ok = rte_ipsec_fn(&x->rs_out, mb + s * n, n) == n;
		ok = ok && capture(&q->rte_esp, mb) == 0;
		for (s = 0; s < opt.sets && ok; s++)
			ok = rte_ipsec_fn(&x->rs_in, mb + s * n, n) == n &&
			     check_inner(&z->inner, mb + s * n, n, s * n,
					 "rte_ipsec in(rte_ipsec out)") == 0;
		if (!ok)
			snprintf(x->rte_na, sizeof(x->rte_na), "rte_ipsec "
				 "does not round-trip %s at %uB (%s)", an,
				 z->size, rte_strerror(rte_errno));
	}
	/* interop: dpsec decrypts the peer's packets */
	if (x->rte_na[0] == '\0') {
		restore(&q->rte_esp);
		snprintf(who, sizeof(who), "dpsec in(rte_ipsec out) %s", an);
		if (dpsec_in_check(&z->inner, who, z->size) != 0)
			return -1;
	}

	/* window on: WIN_SETS passes of increasing SNs (ESN), an outbound
	 * SA of the same SPI created for the purpose */
	wout = win_sa_create(x->id, DPSEC_SA_OUTBOUND, wf.spi);
	if (wout == NULL)
		return -1;
	for (k = 0; k < WIN_SETS; k++) {
		restore(&z->inner);
		snprintf(who, sizeof(who), "dpsec outbound (ESN) %s", an);
		if (run_all(dpsec_out_fn, wout, who) != 0 ||
		    capture(&q->wt[k], mb) != 0) {
			dpsec_sa_destroy(dp_ctx, wout);
			return -1;
		}
	}
	dpsec_sa_destroy(dp_ctx, wout);
	if (win_renew(&wf) != 0)
		return -1;
	for (k = 0; k < WIN_SETS; k++) {
		restore(&q->wt[k]);
		wf.fed += nb_pkt;
		snprintf(who, sizeof(who), "dpsec in(window %u, ESN) %s",
			 WIN_SIZE, an);
		if (dpsec_in_check(&z->inner, who, z->size) != 0)
			return -1;
	}
	snprintf(who, sizeof(who), "dpsec in(window %u, ESN) %s %uB",
		 WIN_SIZE, an, z->size);
	if (replay_rejected(&q->wt[WIN_SETS - 1], who) != 0)
		return -1;
	return win_renew(&wf);	/* checks the count, leaves a fresh SA */
}

/* ---- one SA on two lcores (--lcores) ---------------------------------- */

/* Per size: SN-ordered ESN packets of the shared SA, and per-lane views. */
struct lcz {
	struct tset s[2 * LC_SETS];	/* one lane: pass p uses s[p] */
	struct tset v[2][LC_SETS];	/* two lanes: pass p, lane j: the
					 * bursts j, j+2, .. of s[2p], s[2p+1] */
};

struct lane {
	unsigned int id;
	struct rte_mbuf **m;
	const struct tset *t;	/* outbound: one set; inbound: per pass */
	uint64_t dur;		/* cycles of the last pass */
	unsigned int ok;	/* packets processed in the last pass */
	uint64_t dup, over;	/* outbound: SNs seen twice, out of range */
	uint64_t max_idx;	/* outbound: highest SN - base */
};

static struct {
	unsigned int L;		/* lanes (lcores) in the cell */
	bool out;
	bool raw;		/* raw-aead lanes, nothing shared: the
				 * machine's own two-lcore scaling */
	struct raw *lraw[2];	/* raw: one per lane */
	struct dpsec_sa *out_sa;	/* the shared outbound SA */
	struct dpsec_sa *in_sa;		/* the shared inbound SA (renewed) */
	bool stop;
	unsigned int tidx;	/* inbound: templates of the next pass */
	unsigned int cnt, gen;	/* barrier */
	uint64_t *bits;		/* outbound: SN - base seen */
	uint64_t base;		/* outbound: first SN of the cell */
	struct lane lane[2];
	struct lcz *z;		/* per size */
} lc;

static void
lc_barrier(void)
{
	unsigned int gen = __atomic_load_n(&lc.gen, __ATOMIC_ACQUIRE);
	unsigned int spins = 0;

	if (__atomic_add_fetch(&lc.cnt, 1, __ATOMIC_ACQ_REL) == lc.L) {
		__atomic_store_n(&lc.cnt, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&lc.gen, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	/* yield after a while: the two lanes may share a CPU */
	while (__atomic_load_n(&lc.gen, __ATOMIC_ACQUIRE) == gen) {
		if (++spins < 2000)
			rte_pause();
		else
			sched_yield();
	}
}

/* Outbound, untimed: mark each packet's SN; a second mark is a dup. */
static void
lane_sn_record(struct lane *l, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const uint8_t *esp = rte_pktmbuf_mtod_offset(l->m[i],
			const uint8_t *, ESP_OFF);
		uint32_t lo;
		uint64_t idx, bit;

		if (l->m[i]->data_len < ESP_OFF + ESP_HDR) {
			l->over++;
			continue;
		}
		memcpy(&lo, esp + 4, 4);
		/* ESN: the low half on the wire, the rest from base */
		idx = (uint32_t)(rte_be_to_cpu_32(lo) - (uint32_t)lc.base);
		if (idx >= LC_BITS) {
			l->over++;
			continue;
		}
		bit = 1ull << (idx & 63);
		if (__atomic_fetch_or(&lc.bits[idx >> 6], bit,
				      __ATOMIC_RELAXED) & bit)
			l->dup++;
		l->max_idx = RTE_MAX(l->max_idx, idx);
	}
}

/* One pass of a lane: restore, (all lanes) go, time, check. */
static void
lane_pass(struct lane *l)
{
	unsigned int s, n = opt.burst, ok = 0;
	uint64_t t0, t1;

	restore_to(l->m, lc.out || lc.raw ? l->t : &l->t[lc.tidx]);
	lc_barrier();			/* 2: all lanes restored */
	t0 = rte_rdtsc_precise();
	for (s = 0; s < opt.sets; s++)
		ok += lc.raw ? (lc.out ? raw_enc : raw_dec)(lc.lraw[l->id],
							 l->m + s * n, n) :
		      lc.out ?
			dpsec_sa_outbound(lc.out_sa, l->m + s * n,
					  (uint16_t)n) :
			dpsec_inbound(dp_ctx, l->m + s * n, (uint16_t)n,
				      NULL);
	t1 = rte_rdtsc_precise();
	l->dur = t1 - t0;
	l->ok = ok;
	if (lc.out && !lc.raw)
		lane_sn_record(l, nb_pkt);
	lc_barrier();			/* 3: all lanes done */
}

static int
lane_loop(void *arg)
{
	struct lane *l = arg;

	for (;;) {
		lc_barrier();		/* 1: lc.stop and lc.tidx set */
		if (__atomic_load_n(&lc.stop, __ATOMIC_ACQUIRE))
			break;
		lane_pass(l);
	}
	return 0;
}

/*
 * One cell: L lanes drive the shared SA for opt.time_s of timed passes
 * (or opt.iters), in lockstep (barriers outside the timed region). A
 * pass's sample is its slowest lane; the figure is L * nb_pkt packets per
 * median sample, in Mpps. Outbound: every SN once, none missing. Inbound
 * (window on): every packet accepted, the SA renewed when the templates
 * run out. @feed: the inbound lifetime accounting (win_renew()).
 */
static double
lc_measure(bool out, bool raw, unsigned int L, struct lcz *z,
	   const struct tset *inner, const struct tset *esp, const char *who)
{
	struct feed f = { .renew = win_renew, .sa = &lc.in_sa,
			  .algo = A_GCM128, .spi = SPI_LC };
	uint64_t target = (uint64_t)(opt.time_s * (double)tsc_hz);
	uint64_t cyc = 0, total = 0, dup = 0, over = 0, max_idx = 0;
	unsigned int nt = L == 1 ? 2 * LC_SETS : LC_SETS;
	unsigned int j, pass = 0;
	struct dpsec_sa_info info;
	size_t ns = 0;
	bool fail = false;

	lc.L = L;
	lc.out = out;
	lc.raw = raw;
	lc.stop = false;
	lc.tidx = 0;
	lc.cnt = 0;
	for (j = 0; j < L; j++) {
		struct lane *l = &lc.lane[j];

		l->id = j;
		l->m = j == 0 ? mb : mb2;
		l->t = raw ? (out ? inner : esp) : out ? inner :
		       L == 1 ? z->s : z->v[j];
		l->dup = l->over = l->max_idx = 0;
	}
	if (raw) {
		/* nothing shared, nothing to check but the count */
	} else if (out) {
		if (dpsec_sa_info(lc.out_sa, &info) != 0)
			return NAN;
		lc.base = info.seq + 1;
		memset(lc.bits, 0, LC_BITS / 8);
	} else if (win_renew(&f) != 0) {
		return NAN;
	}
	if (L == 2 && rte_eal_remote_launch(lane_loop, &lc.lane[1], 1) != 0) {
		fprintf(stderr, "cannot launch lcore 1\n");
		return NAN;
	}
	for (;;) {
		uint64_t smp = 0;

		if (fail || (opt.iters ? ns >= opt.iters :
			     cyc >= target || ns >= max_samples) ||
		    (uint64_t)(pass + 1) * L * nb_pkt >= LC_BITS)
			__atomic_store_n(&lc.stop, true, __ATOMIC_RELEASE);
		lc_barrier();		/* 1 */
		if (lc.stop)
			break;
		lane_pass(&lc.lane[0]);
		for (j = 0; j < L; j++) {
			smp = RTE_MAX(smp, lc.lane[j].dur);
			total += lc.lane[j].ok;
			if (lc.lane[j].ok != nb_pkt) {
				fprintf(stderr, "FAIL: %s: lane %u processed "
					"%u of %u (%s)\n", who, j,
					lc.lane[j].ok, nb_pkt, dpsec_reason_str(
					dpsec_mbuf_reason(lc.lane[j].m[
					lc.lane[j].ok % nb_pkt])));
				fail = true;
			}
		}
		if (pass++ > 0) {	/* the first pass warms up */
			cyc += smp;
			samples[ns++] = smp;
		}
		if (!out && !raw) {
			f.fed += (uint64_t)L * nb_pkt;
			if (++lc.tidx == nt) {
				if (win_renew(&f) != 0)
					fail = true;
				lc.tidx = 0;
			}
		}
	}
	if (L == 2)
		rte_eal_wait_lcore(1);
	if (raw) {
		/* no SA */
	} else if (out) {
		for (j = 0; j < L; j++) {
			dup += lc.lane[j].dup;
			over += lc.lane[j].over;
			max_idx = RTE_MAX(max_idx, lc.lane[j].max_idx);
		}
		/* unique, and as many as were handed out from base on: none
		 * missing (contiguous) */
		if (dpsec_sa_info(lc.out_sa, &info) != 0 || dup != 0 ||
		    over != 0 || (total != 0 && max_idx != total - 1) ||
		    info.seq != lc.base - 1 + total) {
			fprintf(stderr, "FAIL: %s: SNs: %" PRIu64 " handed out "
				"from %" PRIu64 ", %" PRIu64 " twice, %" PRIu64
				" out of range, highest +%" PRIu64 ", SA at %"
				PRIu64 "\n", who, total, lc.base, dup, over,
				max_idx, info.seq);
			fail = true;
		}
	} else if (!fail && win_renew(&f) != 0) {
		fail = true;
	}
	if (fail || ns == 0) {
		functional_fail = true;
		return NAN;
	}
	qsort(samples, ns, sizeof(*samples), cmp_u64);
	return (double)L * nb_pkt * (double)tsc_hz / 1e6 /
	       (double)samples[ns / 2];
}

/*
 * Templates of the shared SA (SPI_LC, ESN, window on inbound) for one
 * size, and the sanity of the inbound window under two lcores: both lanes
 * given the same packets at once deliver each exactly once (the other copy
 * a replay), and a replayed copy afterwards is rejected.
 */
static int
prepare_lc(struct lcz *z, const struct size_ctx *sc)
{
	struct feed f = { .renew = win_renew, .sa = &lc.in_sa,
			  .algo = A_GCM128, .spi = SPI_LC };
	unsigned int k, j, p, i, n = opt.burst;
	struct dpsec_sa_stats st = { .packets = 0 };
	struct dpsec_sa *tout;
	uint64_t ok = 0;
	char who[96];

	/* an outbound SA of the same SPI, numbered as the inbound expects */
	tout = win_sa_create(A_GCM128, DPSEC_SA_OUTBOUND, SPI_LC);
	if (tout == NULL)
		return -1;
	for (k = 0; k < 2 * LC_SETS; k++) {
		tset_alloc(&z->s[k]);
		restore(&sc->inner);
		if (run_all(dpsec_out_fn, tout, "dpsec outbound (shared "
			    "SA)") != 0 || capture(&z->s[k], mb) != 0) {
			dpsec_sa_destroy(dp_ctx, tout);
			return -1;
		}
	}
	dpsec_sa_destroy(dp_ctx, tout);
	for (j = 0; j < 2; j++) {
		for (p = 0; p < LC_SETS; p++) {
			struct tset *v = &z->v[j][p];

			*v = z->s[0];
			v->view = true;
			v->p = calloc(nb_pkt, sizeof(*v->p));
			if (v->p == NULL)
				return -1;
			/* burst b of the pair's 2 * sets bursts: b % 2 */
			for (i = 0; i < nb_pkt; i++) {
				unsigned int b = (i / n) * 2 + j;
				const struct tset *src =
					&z->s[2 * p + b / opt.sets];

				v->p[i] = src->p[(b % opt.sets) * n + i % n];
			}
		}
	}
	/* the same packets on both lanes at once: each delivered once */
	if (win_renew(&f) != 0)
		return -1;
	lc.L = 2;
	lc.out = false;
	lc.raw = false;
	lc.stop = false;
	lc.tidx = 0;
	lc.cnt = 0;
	for (j = 0; j < 2; j++) {
		lc.lane[j].id = j;
		lc.lane[j].m = j == 0 ? mb : mb2;
		lc.lane[j].t = &z->s[0];
	}
	if (rte_eal_remote_launch(lane_loop, &lc.lane[1], 1) != 0)
		return -1;
	lc_barrier();
	lane_pass(&lc.lane[0]);
	__atomic_store_n(&lc.stop, true, __ATOMIC_RELEASE);
	lc_barrier();
	rte_eal_wait_lcore(1);
	for (j = 0; j < 2; j++)
		ok += lc.lane[j].ok;
	f.fed = nb_pkt;
	snprintf(who, sizeof(who), "shared SA, the same %u packets on two "
		 "lcores at once, %uB", nb_pkt, sc->size);
	if (ok != nb_pkt || dpsec_sa_stats_get(lc.in_sa, &st) != 0 ||
	    st.drops[DPSEC_R_REPLAY] != nb_pkt) {
		fprintf(stderr, "FAIL: %s: %" PRIu64 " accepted, %" PRIu64
			" rejected as replays (want %u and %u)\n", who, ok,
			st.drops[DPSEC_R_REPLAY], nb_pkt, nb_pkt);
		return -1;
	}
	if (replay_rejected(&z->s[0], who) != 0)
		return -1;
	return win_renew(&f);
}

/* ---- report ----------------------------------------------------------- */

struct target {
	unsigned int table, dir, size, algo, lcores;
	char what[64];
	double value, goal;
	bool ge;		/* value >= goal (else <=) */
	bool pass;
};

#define MAX_TARGETS	256u
static struct target tgt[MAX_TARGETS];
static unsigned int nb_tgt;

/* A target (value NAN: the cell was not measured: "n/a", not counted). */
static void
target_add(unsigned int table, unsigned int dir, unsigned int size,
	   unsigned int algo, unsigned int lcores, const char *what,
	   double value, bool ge, double goal)
{
	struct target *t;

	printf("  %-4s %5uB %-24s %-26s ", dname[dir], size, algos[algo].name,
	       what);
	if (isnan(value)) {
		printf("   n/a  (target %s %.2f)\n", ge ? ">=" : "<=", goal);
		return;
	}
	if (nb_tgt == MAX_TARGETS)
		return;
	t = &tgt[nb_tgt++];
	t->table = table;
	t->dir = dir;
	t->size = size;
	t->algo = algo;
	t->lcores = lcores;
	snprintf(t->what, sizeof(t->what), "%s", what);
	t->value = value;
	t->goal = goal;
	t->ge = ge;
	t->pass = ge ? value >= goal : value <= goal;
	printf("%6.2f%s (target %s %.2f%s) %s\n", value,
	       strstr(what, " ns") != NULL ? "" : "x", ge ? ">=" : "<=", goal,
	       strstr(what, " ns") != NULL ? "" : "x",
	       t->pass ? "PASS" : "MISS");
}

static void
print_series(const struct series *s, double base, const char *base_name)
{
	char mm[40];

	printf("%-4s %5uB  %-10s", dname[s->dir], s->size, s->contender);
	if (s->na != NULL) {
		printf(" %9s  n/a: %s\n", "", s->na);
		return;
	}
	if (isnan(s->med)) {
		printf(" %9s  (not measured)\n", "-");
		return;
	}
	snprintf(mm, sizeof(mm), "(%.1f..%.1f)", s->lo, s->hi);
	printf(" %9.1f %8.2f   %-16s", s->med, 1e3 / s->med, mm);
	if (base_name != NULL && !isnan(base))
		printf(" %6.3fx of %s", s->med / base, base_name);
	printf("\n");
}

/* The smaller of two figures, NAN only when both are (as fmin()). */
static double
min_of(double a, double b)
{
	if (isnan(a))
		return b;
	if (isnan(b))
		return a;
	return a < b ? a : b;
}

static bool
is_big(unsigned int size)
{
	return size >= 1024;
}

static void
report(struct size_ctx *szc, const double *restore_ns, bool with_lc)
{
	static const char *const con_out[] = {
		"raw-aead", "raw-job", "dpsec", "rte_ipsec",
	};
	static const char *const con_in[] = {
		"raw-aead", "raw-job", "dpsec", "dpsec-win", "rte_ipsec",
	};
	unsigned int a, z, d, c, i;

	for (i = 0; i < nb_ser; i++)
		series_finish(&ser[i]);
	for (a = 0; a < A_MAX; a++) {
		if (!opt.algo_on[a])
			continue;
		printf("\n== %s (ESP tunnel IPv4, ICV %u) ==\n", algos[a].name,
		       algos[a].icv_len);
		printf("%-4s %6s  %-10s %9s %8s   %s\n", "dir", "inner",
		       "contender", "ns/pkt", "Mpps",
		       "(median of runs; min..max ns/pkt)");
		for (z = 0; z < opt.nb_sizes; z++) {
			for (d = 0; d < D_MAX; d++) {
				const char *const *cn = d == D_OUT ? con_out :
							con_in;
				unsigned int nc = d == D_OUT ?
					RTE_DIM(con_out) : RTE_DIM(con_in);

				for (c = 0; c < nc; c++)
					print_series(series_get(T_SW, d,
						szc[z].size, a, 1, cn[c],
						"ns/pkt"), NAN, NULL);
			}
		}
	}
	printf("\nrestore (memcpy of template + mbuf reset, excluded from all "
	       "figures):");
	for (z = 0; z < opt.nb_sizes; z++)
		printf(" %uB plain %.1f / ESP %.1f ns/pkt;", szc[z].size,
		       restore_ns[z * 2], restore_ns[z * 2 + 1]);
	printf("\n");

	printf("\nSA on the NIC (%s, aes-128-gcm; nic-crypto: inline crypto, "
	       "nic-proto: inline protocol): dpsec's CPU work per packet, "
	       "the NIC's crypto not timed\n"
	       "(out: dpsec_sa_outbound, frames not sent; in: dpsec_inbound "
	       "on packets as the NIC delivered them)\n", NIC_VDEV);
	printf("%-4s %6s  %-10s %9s %8s   %-16s %s\n", "dir", "inner",
	       "contender", "ns/pkt", "Mpps", "(min..max)",
	       "fraction of dpsec software");
	for (z = 0; z < opt.nb_sizes; z++)
		for (d = 0; d < D_MAX; d++)
			for (c = 0; c < 2; c++)
				print_series(series_get(T_NIC, d, szc[z].size,
					A_GCM128, 1, c ? "nic-proto" :
					"nic-crypto", "ns/pkt"),
					med_of(T_SW, d, szc[z].size, A_GCM128,
					       1, "dpsec"), "dpsec");

	printf("\nOne SA on two lcores (aes-128-gcm, ESN; inbound window "
	       "%u on), Mpps of the SA (median of runs; min..max)\n",
	       WIN_SIZE);
	if (!with_lc) {
		printf("  n/a: needs --lcores A,B\n");
	} else {
		for (z = 0; z < opt.nb_sizes; z++) {
			for (d = 0; d < D_MAX; d++) {
				for (c = 0; c < 4; c++) {
					const struct series *s = series_get(
						T_LC, d, szc[z].size, A_GCM128,
						1 + c % 2, c < 2 ? "dpsec" :
						"raw-aead", "Mpps");

					printf("%-4s %5uB  %-9s %u lcore(s)",
					       dname[d], szc[z].size,
					       s->contender, s->lcores);
					if (s->na != NULL)
						printf("  n/a: %s\n", s->na);
					else if (isnan(s->med))
						printf("  -\n");
					else
						printf(" %8.2f Mpps (%.2f..%.2f)"
						       "\n", s->med, s->lo,
						       s->hi);
				}
				printf("%-4s %5uB  2/1 lcores: dpsec %.2fx, "
				       "raw-aead (nothing shared) %.2fx\n",
				       dname[d], szc[z].size,
				       med_of(T_LC, d, szc[z].size, A_GCM128,
					      2, "dpsec") /
				       med_of(T_LC, d, szc[z].size, A_GCM128,
					      1, "dpsec"),
				       med_of(T_LC, d, szc[z].size, A_GCM128,
					      2, "raw-aead") /
				       med_of(T_LC, d, szc[z].size, A_GCM128,
					      1, "raw-aead"));
			}
		}
	}

	/* targets (issue 14); limit = the faster of raw-aead and raw-job */
	printf("\ntargets (issue 14; limit = faster of raw-aead and raw-job; "
	       "ratios of medians of this run)\n");
	for (a = 0; a < A_MAX; a++) {
		if (!opt.algo_on[a])
			continue;
		for (z = 0; z < opt.nb_sizes; z++) {
			unsigned int sz = szc[z].size;
			bool big = is_big(sz);

			for (d = 0; d < D_MAX; d++) {
				double dp = med_of(T_SW, d, sz, a, 1, "dpsec");
				double rte = med_of(T_SW, d, sz, a, 1,
						    "rte_ipsec");
				double lim = min_of(med_of(T_SW, d, sz, a, 1,
							   "raw-aead"),
						    med_of(T_SW, d, sz, a, 1,
							   "raw-job"));

				target_add(T_SW, d, sz, a, 1,
					   "dpsec/rte_ipsec pps", rte / dp,
					   true, big ? 1.0 : 1.15);
				target_add(T_SW, d, sz, a, 1,
					   "dpsec/raw time", dp / lim, false,
					   big ? 1.08 : 1.35);
				if (d == D_IN)
					target_add(T_SW, d, sz, a, 1,
						   "dpsec-win/raw time",
						   med_of(T_SW, d, sz, a, 1,
							  "dpsec-win") / lim,
						   false, big ? 1.12 : 1.45);
			}
		}
	}
	for (z = 0; z < opt.nb_sizes; z++) {
		unsigned int sz = szc[z].size;

		for (d = 0; d < D_MAX; d++) {
			double sw = med_of(T_SW, d, sz, A_GCM128, 1, "dpsec");
			double nc = med_of(T_NIC, d, sz, A_GCM128, 1,
					   "nic-crypto");
			double np = med_of(T_NIC, d, sz, A_GCM128, 1,
					   "nic-proto");

			if (is_big(sz)) {
				target_add(T_NIC, d, sz, A_GCM128, 1,
					   "nic-crypto/software", nc / sw,
					   false, 0.12);
				target_add(T_NIC, d, sz, A_GCM128, 1,
					   "nic-proto/software", np / sw,
					   false, 0.08);
			} else {
				target_add(T_NIC, d, sz, A_GCM128, 1,
					   "nic-proto ns/pkt", np, false,
					   d == D_OUT ? 12 : 14);
			}
		}
	}
	for (z = 0; with_lc && z < opt.nb_sizes; z++)
		for (d = 0; d < D_MAX; d++)
			target_add(T_LC, d, szc[z].size, A_GCM128, 2,
				   "2 lcores/1 lcore Mpps",
				   med_of(T_LC, d, szc[z].size, A_GCM128, 2,
					  "dpsec") /
				   med_of(T_LC, d, szc[z].size, A_GCM128, 1,
					  "dpsec"), true, 1.8);
	{
		unsigned int pass = 0;

		for (i = 0; i < nb_tgt; i++)
			pass += tgt[i].pass;
		printf("targets: %u PASS, %u MISS%s\n", pass, nb_tgt - pass,
		       opt.quick ? " (--quick: figures not meaningful)" : "");
	}
}

/* ---- JSON (schema dpsec-bench/1) -------------------------------------- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

static void
json_cell(FILE *f, unsigned int table, unsigned int dir, unsigned int size,
	  unsigned int algo, unsigned int lcores)
{
	fprintf(f, "{\"dir\": \"%s\", \"size\": %u, \"algo\": ", dname[dir],
		size);
	json_str(f, algos[algo].name);
	fprintf(f, ", \"lcores\": %u}", table == T_LC ? lcores : 1);
}

static char cpu_name[128] = "?";
static char imb_desc[64] = "?";

static int
write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	const char *dv = rte_version();
	unsigned int i, r, z, a;
	bool first;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (strncmp(dv, "DPDK ", 5) == 0)
		dv += 5;
	fprintf(f, "{\n  \"schema\": \"dpsec-bench/1\",\n"
		"  \"program\": \"dpsec-bench\",\n  \"machine\": {\"cpu\": ");
	json_str(f, cpu_name);
	fprintf(f, ", \"dpdk\": ");
	json_str(f, dv);
	fprintf(f, ", \"ipsec_mb\": ");
	json_str(f, imb_desc);
	fprintf(f, ", \"dpsec\": ");
	json_str(f, dpsec_version());
	fprintf(f, "},\n  \"settings\": {\"runs\": %u, \"time_s\": ",
		opt.runs);
	json_num(f, opt.time_s);
	fprintf(f, ", \"burst\": %u, \"sets\": %u, \"iters\": %u, "
		"\"sizes\": [", opt.burst, opt.sets, opt.iters);
	for (z = 0; z < opt.nb_sizes; z++)
		fprintf(f, "%s%u", z ? ", " : "", opt.sizes[z]);
	fprintf(f, "], \"algos\": [");
	for (a = 0, first = true; a < A_MAX; a++) {
		if (!opt.algo_on[a])
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		json_str(f, algos[a].name);
		first = false;
	}
	fprintf(f, "], \"vdev\": ");
	json_str(f, opt.vdev);
	fprintf(f, ", \"mb_vdev\": \"%s\", \"lcore\": %u, \"lcores\": ",
		MB_VDEV, opt.lcore);
	if (opt.lcore2 >= 0)
		fprintf(f, "[%u, %d]", opt.lcore, opt.lcore2);
	else
		fprintf(f, "null");
	fprintf(f, ", \"window\": %u, \"quick\": %s, \"only\": ", WIN_SIZE,
		opt.quick ? "true" : "false");
	if (opt.only != NULL)
		json_str(f, opt.only);
	else
		fprintf(f, "null");
	fprintf(f, "},\n  \"results\": [");
	for (i = 0, first = true; i < nb_ser; i++) {
		const struct series *s = &ser[i];

		if (s->na != NULL || isnan(s->med))
			continue;
		fprintf(f, "%s\n    {\"table\": \"%s\", \"cell\": ",
			first ? "" : ",", tname[s->table]);
		json_cell(f, s->table, s->dir, s->size, s->algo, s->lcores);
		fprintf(f, ", \"contender\": ");
		json_str(f, s->contender);
		fprintf(f, ", \"unit\": \"%s\", \"median\": ", s->unit);
		json_num(f, s->med);
		fprintf(f, ", \"min\": ");
		json_num(f, s->lo);
		fprintf(f, ", \"max\": ");
		json_num(f, s->hi);
		fprintf(f, ", \"runs\": [");
		for (r = 0; r < opt.runs; r++) {
			fprintf(f, "%s", r ? ", " : "");
			json_num(f, s->v[r]);
		}
		fprintf(f, "]}");
		first = false;
	}
	fprintf(f, "\n  ],\n  \"na\": [");
	for (i = 0, first = true; i < nb_ser; i++) {
		const struct series *s = &ser[i];

		if (s->na == NULL)
			continue;
		fprintf(f, "%s\n    {\"table\": \"%s\", \"cell\": ",
			first ? "" : ",", tname[s->table]);
		json_cell(f, s->table, s->dir, s->size, s->algo, s->lcores);
		fprintf(f, ", \"contender\": ");
		json_str(f, s->contender);
		fprintf(f, ", \"reason\": ");
		json_str(f, s->na);
		fprintf(f, "}");
		first = false;
	}
	fprintf(f, "\n  ],\n  \"targets\": [");
	for (i = 0; i < nb_tgt; i++) {
		const struct target *t = &tgt[i];

		fprintf(f, "%s\n    {\"table\": \"%s\", \"cell\": ",
			i ? "," : "", tname[t->table]);
		json_cell(f, t->table, t->dir, t->size, t->algo, t->lcores);
		fprintf(f, ", \"what\": ");
		json_str(f, t->what);
		fprintf(f, ", \"value\": ");
		json_num(f, t->value);
		fprintf(f, ", \"op\": \"%s\", \"target\": ", t->ge ? ">=" :
			"<=");
		json_num(f, t->goal);
		fprintf(f, ", \"pass\": %s}", t->pass ? "true" : "false");
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
read_cpu(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');

			const char *v = c != NULL ? c + 2 : line;
			size_t l = strnlen(v, sizeof(cpu_name) - 1);

			memcpy(cpu_name, v, l);
			cpu_name[l] = '\0';
			cpu_name[strcspn(cpu_name, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}


int
main(int argc, char **argv)
{
	char prefix[64], lcores[48], loglvl[] = "--log-level=4";
	char rundir[PATH_MAX];
	char *eal_argv[64];
	int eal_argc = 0, rest, i;
	unsigned int z, a, r, k, j, d;
	struct size_ctx *szc;
	struct lcz *lcz = NULL;
	double *restore_ns;
	bool leaked = false, with_lc;
	IMB_MGR *mgr, *lmgr[2] = { NULL, NULL };
	IMB_ARCH larch;

	rest = parse_args(argc, argv);
	if (rest < 0) {
		usage(argv[0]);
		return 2;
	}
	with_lc = opt.lcore2 >= 0;
	snprintf(prefix, sizeof(prefix), "bench-%d", (int)getpid());
	eal_argv[eal_argc++] = argv[0];
	eal_argv[eal_argc++] = (char *)"--no-huge";
	eal_argv[eal_argc++] = (char *)"--no-pci";
	eal_argv[eal_argc++] = (char *)"-m";
	eal_argv[eal_argc++] = (char *)"1024";
	eal_argv[eal_argc++] = (char *)"--file-prefix";
	eal_argv[eal_argc++] = prefix;
	if (with_lc) {
		/* lcore 0 (main) on CPU A, lcore 1 on CPU B */
		snprintf(lcores, sizeof(lcores), "0@%u,1@%d", opt.lcore,
			 opt.lcore2);
		eal_argv[eal_argc++] = (char *)"--lcores";
	} else {
		snprintf(lcores, sizeof(lcores), "%u", opt.lcore);
		eal_argv[eal_argc++] = (char *)"-l";
	}
	eal_argv[eal_argc++] = lcores;
	eal_argv[eal_argc++] = (char *)"--vdev";
	eal_argv[eal_argc++] = (char *)opt.vdev;
	if (strcmp(opt.vdev, MB_VDEV) != 0) {
		eal_argv[eal_argc++] = (char *)"--vdev";
		eal_argv[eal_argc++] = (char *)MB_VDEV;
	}
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
	t_start = rte_rdtsc();
	nb_pkt = opt.sets * opt.burst;
	max_samples = RTE_MAX(1u << 20, opt.iters + 1);
	samples = malloc(max_samples * sizeof(*samples));

	pool = rte_pktmbuf_pool_create("bench_mb", 2 * nb_pkt + 64, 0, 0,
				       MBUF_ROOM, (int)rte_socket_id());
	mb = calloc(nb_pkt, sizeof(*mb));
	mb2 = calloc(nb_pkt, sizeof(*mb2));
	if (pool == NULL || mb == NULL || mb2 == NULL || samples == NULL ||
	    rte_pktmbuf_alloc_bulk(pool, mb, nb_pkt) != 0 ||
	    rte_pktmbuf_alloc_bulk(pool, mb2, nb_pkt) != 0) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return 2;
	}

	mgr = alloc_mb_mgr(0);
	if (mgr == NULL)
		return 2;
	init_mb_mgr_auto(mgr, NULL);

	if (dpsec_setup() != 0 || rte_ipsec_setup() != 0 || nic_setup() != 0)
		return 2;
	for (a = 0; a < A_MAX; a++) {
		struct algo_ctx *x;

		if (!opt.algo_on[a])
			continue;
		x = rte_zmalloc("bench_algo", sizeof(*x), 64);
		if (x == NULL)
			return 2;
		actx[a] = x;
		x->id = a;
		x->a = &algos[a];
		x->spi = SPI + a * 0x100;
		raw_init(&x->raw, mgr, a, x->spi);
		if (dpsec_algo_setup(x) != 0)
			return 2;
		rte_ipsec_algo_setup(x);
	}
	if (with_lc) {
		lc.out_sa = win_sa_create(A_GCM128, DPSEC_SA_OUTBOUND, SPI_LC);
		for (j = 0; j < 2; j++) {
			/* raw-aead lanes: a manager each (its own state) */
			lc.lraw[j] = rte_zmalloc("bench_raw", sizeof(struct raw),
						 64);
			lmgr[j] = alloc_mb_mgr(0);
			if (lc.lraw[j] == NULL || lmgr[j] == NULL)
				return 2;
			init_mb_mgr_auto(lmgr[j], &larch);
			raw_init(lc.lraw[j], lmgr[j], A_GCM128, SPI);
		}
		lc.bits = calloc(LC_BITS / 64, sizeof(uint64_t));
		lcz = calloc(opt.nb_sizes, sizeof(*lcz));
		if (lc.out_sa == NULL || lc.bits == NULL || lcz == NULL)
			return 2;
	}

	read_cpu();
	snprintf(imb_desc, sizeof(imb_desc), "%s (%s)", imb_get_version_str(),
		 imb_arch_name(mgr));
	printf("CPU: %s\n%s, IPsec-MB %s, dpsec %s\n", cpu_name, rte_version(),
	       imb_desc, dpsec_version());
	printf("ESP tunnel IPv4, lcore %u%s, burst %u, %u sets (%u mbufs), "
	       "%.2f s timed per cell, %u run(s)\n", opt.lcore,
	       with_lc ? " (and 2 lcores: --lcores)" : "", opt.burst,
	       opt.sets, nb_pkt, opt.time_s, opt.runs);

	szc = calloc(opt.nb_sizes, sizeof(*szc));
	restore_ns = calloc(opt.nb_sizes * 2, sizeof(double));
	if (szc == NULL || restore_ns == NULL)
		return 2;
	for (z = 0; z < opt.nb_sizes; z++) {
		szc[z].size = opt.sizes[z];
		tset_alloc(&szc[z].inner);
		build_inner(&szc[z].inner, szc[z].size);
		for (a = 0; a < A_MAX; a++)
			if (actx[a] != NULL &&
			    prepare_algo_size(actx[a], &szc[z],
					      &actx[a]->sz[z]) != 0)
				return 1;
		if (prepare_nic(&szc[z], false) != 0 ||
		    prepare_nic(&szc[z], true) != 0)
			return 1;
		if (with_lc && prepare_lc(&lcz[z], &szc[z]) != 0)
			return 1;
	}
	printf("sanity, per algorithm and size: dpsec in(dpsec out), "
	       "rte_ipsec in(rte_ipsec out), dpsec in(rte_ipsec out) restore "
	       "the inner packets; IPsec-MB verifies dpsec's ICVs; the window-"
	       "on SA (%u, ESN across 2^32) accepts every packet once and "
	       "rejects a replay; NIC SAs: %s encrypts dpsec's framing "
	       "(inline crypto) / builds ESP (inline protocol) and decrypts it "
	       "back, dpsec in(NIC) restores the inner packets on the right "
	       "SA%s: OK\n", WIN_SIZE, NIC_VDEV, with_lc ? "; shared SA on "
	       "two lcores: the same packets at once delivered once, a replay "
	       "rejected" : "");
	for (a = 0; a < A_MAX; a++)
		if (actx[a] != NULL && actx[a]->rte_na[0] != '\0')
			printf("rte_ipsec n/a for %s: %s\n", algos[a].name,
			       actx[a]->rte_na);
	printf("\n");
	fflush(stdout);

	cell_n = 0;
	for (a = 0; a < A_MAX; a++)
		cell_n += actx[a] != NULL ? 9 : 0;
	cell_n = (cell_n + 4 + (with_lc ? 8 : 0)) * opt.nb_sizes * opt.runs;

	for (r = 0; r < opt.runs; r++) {
		for (z = 0; z < opt.nb_sizes; z++) {
			unsigned int sz = szc[z].size;
			struct size_ctx *y = &szc[z];
			struct series *s;

			for (a = 0; a < A_MAX; a++) {
				struct algo_ctx *x = actx[a];
				struct asz *q;
				struct feed wf;
				const char *rna;

				if (x == NULL)
					continue;
				q = &x->sz[z];
				rna = x->rte_na[0] != '\0' ? x->rte_na : NULL;
				wf = (struct feed){ .t = q->wt, .nt = WIN_SETS,
					.renew = win_renew, .sa = &x->win,
					.algo = a,
					.spi = x->spi + SPI_WIN_OFF };
#define SW(dir, con, na_, fn, arg, f) do { \
	s = series_get(T_SW, dir, sz, a, 1, con, "ns/pkt"); \
	s->na = (na_); \
	cell(s, r, fn, arg, f); } while (0)
				SW(D_OUT, "raw-aead", raw_direct_na(a),
				   raw_enc, &x->raw, FEED1(&y->inner));
				SW(D_OUT, "raw-job", NULL, raw_job_enc,
				   &x->raw, FEED1(&y->inner));
				SW(D_OUT, "dpsec", NULL, dpsec_out_fn, x->out,
				   FEED1(&y->inner));
				SW(D_OUT, "rte_ipsec", rna, rte_ipsec_fn,
				   &x->rs_out, FEED1(&y->inner));
				SW(D_IN, "raw-aead", raw_direct_na(a),
				   raw_dec, &x->raw, FEED1(&q->dp_esp));
				SW(D_IN, "raw-job", NULL, raw_job_dec,
				   &x->raw, FEED1(&q->dp_esp));
				SW(D_IN, "dpsec", NULL, dpsec_in_fn, dp_ctx,
				   FEED1(&q->dp_esp));
				SW(D_IN, "dpsec-win", NULL, dpsec_in_fn,
				   dp_ctx, &wf);
				SW(D_IN, "rte_ipsec", rna, rte_ipsec_fn,
				   &x->rs_in, FEED1(&q->rte_esp));
#undef SW
			}
			/* SA on the NIC: dpsec's own work only. */
#define N(con, dir, fn, arg, t) do { \
	s = series_get(T_NIC, dir, sz, A_GCM128, 1, con, "ns/pkt"); \
	cell(s, r, fn, arg, FEED1(t)); } while (0)
			N("nic-crypto", D_OUT, dpsec_out_fn, nic_out,
			  &y->inner);
			N("nic-crypto", D_IN, dpsec_in_fn, nic_ctx,
			  &y->nic_in);
			N("nic-proto", D_OUT, dpsec_out_fn, nic_pout,
			  &y->inner);
			N("nic-proto", D_IN, dpsec_in_fn, nic_ctx,
			  &y->nic_pin);
#undef N
			/* One SA on 1 and on 2 lcores; raw-aead lanes
			 * (nothing shared) give the machine's scaling. */
			for (d = 0; with_lc && d < D_MAX; d++) {
				for (k = 0; k < 4; k++) {
					unsigned int nl = 1 + k % 2;
					bool raw = k >= 2;
					const struct tset *esp =
						actx[A_GCM128] != NULL ?
						&actx[A_GCM128]->sz[z].dp_esp :
						NULL;
					char who[128];

					s = series_get(T_LC, d, sz, A_GCM128, nl,
						       raw ? "raw-aead" :
						       "dpsec", "Mpps");
					if (raw && d == D_IN && esp == NULL)
						s->na = "needs --algos "
							"aes-128-gcm";
					cell_name(s, who, sizeof(who));
					if (s->na == NULL && selected(s))
						s->v[r] = lc_measure(d == D_OUT,
							raw, nl, &lcz[z],
							&y->inner, esp, who);
					progress(s, r);
				}
			}
			if (r == 0) {
				restore_ns[z * 2] = measure_restore(&y->inner);
				restore_ns[z * 2 + 1] = actx[A_GCM128] != NULL ?
					measure_restore(
					&actx[A_GCM128]->sz[z].dp_esp) : NAN;
			}
		}
	}

	report(szc, restore_ns, with_lc);
	if (opt.json != NULL && write_json(opt.json) != 0)
		functional_fail = true;

	if (functional_fail) {
		printf("FUNCTIONAL FAILURE (see stderr)\n");
		return 1;
	}
	dpsec_free(dp_ctx);
	nic_close();
	/* The working mbufs freed and the NIC port closed, both pools are
	 * full again: bench-smoke fails on a leak. */
	rte_pktmbuf_free_bulk(mb, nb_pkt);
	rte_pktmbuf_free_bulk(mb2, nb_pkt);
	if (!demo_pool_back(pool, "mbufs"))
		leaked = true;
	if (!demo_pool_back(nic_pool, "NIC mbufs"))
		leaked = true;
	rte_ipsec_stop();
	for (z = 0; z < opt.nb_sizes; z++) {
		tset_free(&szc[z].inner);
		tset_free(&szc[z].nic_in);
		tset_free(&szc[z].nic_pin);
		for (a = 0; a < A_MAX; a++) {
			if (actx[a] == NULL)
				continue;
			tset_free(&actx[a]->sz[z].dp_esp);
			tset_free(&actx[a]->sz[z].rte_esp);
			for (k = 0; k < WIN_SETS; k++)
				tset_free(&actx[a]->sz[z].wt[k]);
		}
		for (k = 0; with_lc && k < 2 * LC_SETS; k++)
			tset_free(&lcz[z].s[k]);
		for (j = 0; with_lc && j < 2; j++)
			for (k = 0; k < LC_SETS; k++)
				tset_free(&lcz[z].v[j][k]);
	}
	for (a = 0; a < A_MAX; a++)
		rte_free(actx[a]);
	for (k = 0; k < nb_ser; k++)
		free(ser[k].v);
	free_mb_mgr(mgr);
	for (j = 0; j < 2; j++) {
		if (lmgr[j] != NULL)
			free_mb_mgr(lmgr[j]);
		rte_free(lc.lraw[j]);
	}
	free(lc.bits);
	free(lcz);
	free(szc);
	free(restore_ns);
	free(samples);
	free(mb);
	free(mb2);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	demo_rundir_remove(rundir, prefix);	/* EAL leaves it behind */
	return leaked ? 1 : 0;
}
