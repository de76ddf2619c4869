/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-bench-scale: how dpsec's costs grow with the size of its tables
 * (issue 14, targets 4 and 6; doc/benchmarks.md, "Scale and control
 * plane"), one lcore, no NIC:
 *
 * - table "sad": dpsec_inbound() per 64 B AES-128-GCM tunnel packet with
 *   1, 1k, 100k and 1M inbound SAs in the context (random SPIs, packets of
 *   random SAs in random order: a SAD lookup each, no two neighbours of a
 *   burst of the same SA), and dpsec_sa_lookup() alone per call; memory
 *   per SA (the EAL heap's growth, and the process's RSS growth for what
 *   lives outside it, divided by the SA count); SA create and destroy
 *   rates at that table size;
 * - table "spd": dpsec_spd_classify() per packet with 10, 1k, 10k and 100k
 *   IPv4 and IPv6 policies (random prefixes and port ranges), and the time
 *   of one dpsec_spd_commit() of that many;
 * - table "cp": SA create + destroy pairs per second in software.
 *
 * Every packet must be delivered by the right SA (dpsec_inbound()'s
 * count) and every classification must equal a brute-force match of the
 * same policies (first passes); anything else fails the run (exit 1).
 * Figures: median pass of a run, median of --runs runs, min..max.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <intel-ipsec-mb.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>
#include <rte_version.h>

#include "bench_util.h"
#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_spd.h"

#define PROG		"dpsec-bench-scale"
#define MAX_RUNS	15
#define MAX_RES		64
#define BURST		32
#define SETS		8
#define NPKT		(BURST * SETS)		/* per timed pass */
#define NTMPL		4096			/* distinct packets */
#define INNER		64
#define CT_LEN		68			/* 64 + pad 2 + trailer 2 */
#define ESP_LEN		(20 + 8 + 8 + CT_LEN + 16)
#define OUTER_SRC	RTE_IPV4(192, 0, 2, 1)
#define OUTER_DST	RTE_IPV4(192, 0, 2, 2)

static const uint8_t key[16] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
};
static const uint8_t salt[4] = { 0xca, 0xfe, 0xba, 0xbe };

static struct {
	unsigned int runs;
	double time_s;
	bool quick;
	const char *json;
	unsigned int lcore;
	unsigned int nb_sas, nb_rules;
	uint32_t sas[8], rules[8];
} opt = {
	.runs = 5, .time_s = 0.2, .lcore = 0,
	.nb_sas = 4, .sas = { 1, 1000, 100000, 1000000 },
	.nb_rules = 4, .rules = { 10, 1000, 10000, 100000 },
};

static uint64_t tsc_hz;
static bool failed;
static struct rte_mempool *mp;
static struct rte_mbuf *mb[NPKT];

/* ---- results ------------------------------------------------------------- */

struct result {
	char table[8], cell[96], contender[32], unit[8];
	double median, min, max, runs[MAX_RUNS];
	unsigned int n;
};
static struct result res[MAX_RES];
static unsigned int nb_res;

struct target {
	char table[8], cell[96], what[80];
	double value, target;
	bool le, pass;
};
static struct target tgt[16];
static unsigned int nb_tgt;

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct result *
result_add(const char *table, const char *cell, const char *who,
	   const char *unit, const double *runs, unsigned int n)
{
	struct result *r;
	double t[MAX_RUNS];

	if (nb_res == MAX_RES)
		return NULL;
	r = &res[nb_res++];
	snprintf(r->table, sizeof(r->table), "%s", table);
	snprintf(r->cell, sizeof(r->cell), "%s", cell);
	snprintf(r->contender, sizeof(r->contender), "%s", who);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	memcpy(r->runs, runs, n * sizeof(*runs));
	memcpy(t, runs, n * sizeof(*runs));
	r->n = n;
	r->median = median(t, n);
	r->min = t[0];
	r->max = t[n - 1];
	printf("%-4s %-34s %-16s %12.2f %-6s (%.2f..%.2f)\n", table, cell,
	       who, r->median, unit, r->min, r->max);
	return r;
}

static void
target_add(const char *table, const char *cell, const char *what,
	   double value, bool le, double target)
{
	struct target *t;

	if (nb_tgt == RTE_DIM(tgt))
		return;
	t = &tgt[nb_tgt++];
	snprintf(t->table, sizeof(t->table), "%s", table);
	snprintf(t->cell, sizeof(t->cell), "%s", cell);
	snprintf(t->what, sizeof(t->what), "%s", what);
	t->value = value;
	t->le = le;
	t->target = target;
	t->pass = le ? value <= target : value >= target;
	printf("target %-4s %-30s %-40s %8.3f (%s %g) %s\n", table, cell,
	       what, value, le ? "<=" : ">=", target,
	       t->pass ? "PASS" : "MISS");
}

static int
json_write(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i, j;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	fprintf(f, "{\n  \"schema\": \"dpsec-bench/1\",\n  \"program\": "
		"\"%s\",\n  \"machine\": {\"dpdk\": \"%s\", \"ipsec_mb\": "
		"\"%s\", \"dpsec\": \"%s\"},\n  \"settings\": {\"runs\": %u, "
		"\"time_s\": %g, \"quick\": %s},\n  \"results\": [\n", PROG,
		rte_version() + strlen("DPDK "), imb_get_version_str(),
		dpsec_version(), opt.runs, opt.time_s,
		opt.quick ? "true" : "false");
	for (i = 0; i < nb_res; i++) {
		const struct result *r = &res[i];

		fprintf(f, "    {\"table\": \"%s\", \"cell\": {%s}, "
			"\"contender\": \"%s\", \"unit\": \"%s\", \"median\": "
			"%.4f, \"min\": %.4f, \"max\": %.4f, \"runs\": [",
			r->table, r->cell, r->contender, r->unit, r->median,
			r->min, r->max);
		for (j = 0; j < r->n; j++)
			fprintf(f, "%s%.4f", j ? ", " : "", r->runs[j]);
		fprintf(f, "]}%s\n", i + 1 < nb_res ? "," : "");
	}
	fprintf(f, "  ],\n  \"targets\": [\n");
	for (i = 0; i < nb_tgt; i++) {
		const struct target *t = &tgt[i];

		fprintf(f, "    {\"table\": \"%s\", \"cell\": {%s}, \"what\": "
			"\"%s\", \"value\": %.4f, \"op\": \"%s\", \"target\": "
			"%g, \"pass\": %s}%s\n", t->table, t->cell, t->what,
			t->value, t->le ? "<=" : ">=", t->target,
			t->pass ? "true" : "false", i + 1 < nb_tgt ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	/* splitmix64: reproducible runs */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* SPI of SA number i: a bijection of i (distinct), never below 256. */
static uint32_t
spi_of(uint32_t i)
{
	uint32_t x = i * 0x9e3779b1u + 0x7f4a7c15u;

	x ^= x >> 15;
	return x < 256 ? x + 0x80000000u : x;
}

static long
rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static size_t
heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;
	int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

static void
progress(const char *what)
{
	static uint64_t t0;

	if (t0 == 0)
		t0 = rte_rdtsc();
	fprintf(stderr, "[%s] ... %.1f s\n", what,
		(double)(rte_rdtsc() - t0) / (double)tsc_hz);
}

/* ---- SAD ----------------------------------------------------------------- */

static uint8_t tmpl[NTMPL][ESP_LEN];
static uint32_t tmpl_sa[NTMPL];

/* ESP packet of SA @i (its SPI), SN @sn, inner IPv4/UDP of INNER bytes. */
static void
esp_build(IMB_MGR *m, const struct gcm_key_data *gk, uint8_t *p, uint32_t spi,
	  uint32_t sn)
{
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)p, *in;
	struct gcm_context_data gc;
	uint8_t *esp = p + 20, *ct = esp + 16, nonce[12], aad[8];
	uint32_t spi_be = rte_cpu_to_be_32(spi), sn_be = rte_cpu_to_be_32(sn);
	uint64_t iv = rte_cpu_to_be_64(sn);
	unsigned int k;

	memset(p, 0, ESP_LEN);
	o->version_ihl = RTE_IPV4_VHL_DEF;
	o->total_length = rte_cpu_to_be_16(ESP_LEN);
	o->time_to_live = 64;
	o->next_proto_id = IPPROTO_ESP;
	o->src_addr = rte_cpu_to_be_32(OUTER_SRC);
	o->dst_addr = rte_cpu_to_be_32(OUTER_DST);
	o->hdr_checksum = rte_ipv4_cksum(o);
	memcpy(esp, &spi_be, 4);
	memcpy(esp + 4, &sn_be, 4);
	memcpy(esp + 8, &iv, 8);
	in = (struct rte_ipv4_hdr *)ct;
	in->version_ihl = RTE_IPV4_VHL_DEF;
	in->total_length = rte_cpu_to_be_16(INNER);
	in->time_to_live = 64;
	in->next_proto_id = IPPROTO_UDP;
	in->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 51, 100, 1));
	in->dst_addr = rte_cpu_to_be_32(RTE_IPV4(203, 0, 113, 1));
	in->hdr_checksum = rte_ipv4_cksum(in);
	for (k = 28; k < INNER; k++)
		ct[k] = (uint8_t)(k + sn);
	ct[INNER] = 1;			/* padding 1, 2 */
	ct[INNER + 1] = 2;
	ct[INNER + 2] = 2;		/* pad length */
	ct[INNER + 3] = 4;		/* next header: IPv4 */
	memcpy(nonce, salt, 4);
	memcpy(nonce + 4, &iv, 8);
	memcpy(aad, &spi_be, 4);
	memcpy(aad + 4, &sn_be, 4);
	IMB_AES128_GCM_ENC(m, gk, &gc, ct, ct, CT_LEN, nonce, aad, 8,
			   ct + CT_LEN, 16);
}

static void
restore(unsigned int first)
{
	unsigned int i;

	for (i = 0; i < NPKT; i++) {
		struct rte_mbuf *m = mb[i];

		rte_pktmbuf_reset(m);
		memcpy(rte_pktmbuf_mtod(m, uint8_t *),
		       tmpl[(first + i) % NTMPL], ESP_LEN);
		m->data_len = ESP_LEN;
		m->pkt_len = ESP_LEN;
	}
}

static void
sad_conf(struct dpsec_sa_conf *sc, uint8_t keymat[20], uint32_t spi)
{
	memset(sc, 0, sizeof(*sc));
	sc->spi = spi;
	sc->dir = DPSEC_SA_INBOUND;
	sc->mode = DPSEC_SA_TUNNEL;
	sc->src.family = 4;
	sc->src.v4 = rte_cpu_to_be_32(OUTER_SRC);
	sc->dst.family = 4;
	sc->dst.v4 = rte_cpu_to_be_32(OUTER_DST);
	sc->sad_key = DPSEC_SAD_SPI_DST;
	sc->cipher = DPSEC_CIPHER_AES_GCM_128;
	memcpy(keymat, key, 16);
	memcpy(keymat + 16, salt, 4);
	sc->cipher_key = keymat;
	sc->cipher_key_len = 20;
	sc->auth = DPSEC_AUTH_NONE;
	sc->replay_window = 0;	/* the same packets again and again */
	sc->ttl = 64;
	sc->offload = DPSEC_OFFLOAD_NONE;
}

static int
sad_cell(IMB_MGR *imb, const struct gcm_key_data *gk, uint32_t n,
	 double *base_in)
{
	struct dpsec_ctx_conf cc = {
		.name = "scale", .socket_id = SOCKET_ID_ANY, .max_sa = n,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	double in[MAX_RUNS], lk[MAX_RUNS], crt[MAX_RUNS], dst[MAX_RUNS];
	double mem_heap, mem_rss, t;
	struct dpsec_sa **sas;
	struct dpsec_ctx *ctx;
	struct dpsec_sa_conf sc;
	struct dpsec_addr dstaddr = { .family = 4 };
	uint8_t keymat[20];
	char cell[96], what[80];
	size_t h0;
	long r0;
	uint64_t t0, samples[4096], lookups = 0;
	unsigned int r, i, s, ns, nlk = opt.quick ? 20000 : 200000;

	snprintf(cell, sizeof(cell), "\"sas\": %u", n);
	dstaddr.v4 = rte_cpu_to_be_32(OUTER_DST);
	sas = calloc(n, sizeof(*sas));
	if (sas == NULL)
		return -1;
	for (i = 0; i < NTMPL; i++) {
		tmpl_sa[i] = (uint32_t)(rnd() % n);
		esp_build(imb, gk, tmpl[i], spi_of(tmpl_sa[i]), i + 1);
	}
	for (r = 0; r < opt.runs; r++) {
		h0 = heap_bytes();
		r0 = rss_kb();
		ctx = dpsec_create(&cc);
		if (ctx == NULL) {
			fprintf(stderr, "dpsec_create(max_sa %u): %s\n", n,
				rte_strerror(rte_errno));
			free(sas);
			return -1;
		}
		t0 = rte_rdtsc_precise();
		for (i = 0; i < n; i++) {
			sad_conf(&sc, keymat, spi_of(i));
			sas[i] = dpsec_sa_create(ctx, &sc);
			if (sas[i] == NULL) {
				fprintf(stderr, "dpsec_sa_create #%u of %u: "
					"%s\n", i, n, rte_strerror(rte_errno));
				failed = true;
				n = i;
				break;
			}
		}
		crt[r] = (double)n * (double)tsc_hz /
			 (double)(rte_rdtsc_precise() - t0);
		mem_heap = (double)(heap_bytes() - h0) / n;
		mem_rss = (double)(rss_kb() - r0) * 1024.0 / n;

		/* inbound: one untimed pass (the lcore's crypto engine is
		 * made on its first burst), then timed passes over the
		 * templates, restored outside */
		restore(0);
		for (s = 0; s < SETS; s++)
			(void)dpsec_inbound(ctx, mb + s * BURST, BURST, NULL);
		t = 0;
		ns = 0;
		for (s = 0; t < opt.time_s * (double)tsc_hz &&
		     ns < RTE_DIM(samples); s += NPKT) {
			uint64_t a, b;
			unsigned int got = 0, k;

			restore(s);
			a = rte_rdtsc_precise();
			for (k = 0; k < SETS; k++)
				got += dpsec_inbound(ctx, mb + k * BURST,
						     BURST, NULL);
			b = rte_rdtsc_precise();
			if (got != NPKT) {
				fprintf(stderr, "FAIL: sad %u SAs: %u of %u "
					"packets delivered\n", n, got, NPKT);
				failed = true;
			}
			samples[ns++] = b - a;
			t += (double)(b - a);
		}
		qsort(samples, ns, sizeof(*samples), cmp_u64);
		in[r] = (double)samples[ns / 2] * 1e9 / (double)tsc_hz / NPKT;

		/* dpsec_sa_lookup() alone, SAs in the templates' order */
		t0 = rte_rdtsc_precise();
		for (i = 0; i < nlk; i++) {
			uint32_t spi = spi_of(tmpl_sa[i % NTMPL]);

			lookups += dpsec_sa_lookup(ctx, spi, &dstaddr,
						   NULL) != NULL;
		}
		lk[r] = (double)(rte_rdtsc_precise() - t0) * 1e9 /
			(double)tsc_hz / nlk;

		t0 = rte_rdtsc_precise();
		for (i = 0; i < n; i++)
			dpsec_sa_destroy(ctx, sas[i]);
		dst[r] = (double)n * (double)tsc_hz /
			 (double)(rte_rdtsc_precise() - t0);
		dpsec_free(ctx);
		if (r == 0 && n >= 1000) {
			snprintf(what, sizeof(what), "sad %u", n);
			progress(what);
			/* Not heap + RSS: without hugepages the EAL heap is
			 * the process's own memory, so the RSS growth holds
			 * the heap pages the SAs touched (the two agree to a
			 * few percent with the IPsec-MB backend). The larger
			 * of the two: the heap counts pages an earlier cell
			 * touched already, RSS what lives outside the heap. */
			double tot = RTE_MAX(mem_heap, mem_rss);

			result_add("sadmem", cell, "eal-heap", "B/SA",
				   &mem_heap, 1);
			result_add("sadmem", cell, "rss", "B/SA", &mem_rss,
				   1);
			if (n >= 1000)
				target_add("sadmem", cell, "bytes per SA "
					   "(max of heap and RSS, window off)", tot,
					   true, 512);
		}
	}
	if (lookups != (uint64_t)opt.runs * nlk) {
		fprintf(stderr, "FAIL: sad %u SAs: dpsec_sa_lookup() found "
			"%" PRIu64 " of %u\n", n, lookups, opt.runs * nlk);
		failed = true;
	}
	free(sas);
	result_add("sad", cell, "dpsec_inbound", "ns/pkt", in, opt.runs);
	result_add("sad", cell, "dpsec_sa_lookup", "ns/op", lk, opt.runs);
	t = res[nb_res - 2].median;
	if (n >= 1000) {	/* rates of a few SAs say nothing */
		result_add("sad", cell, "sa_create", "ops/s", crt, opt.runs);
		result_add("sad", cell, "sa_destroy", "ops/s", dst, opt.runs);
	}
	if (*base_in == 0)
		*base_in = t;
	else if (n >= 1000000 || n == opt.sas[opt.nb_sas - 1])
		target_add("sad", cell, "dpsec_inbound ns/pkt, largest / 1 SA",
			   t / *base_in, true, 1.5);
	return 0;
}

/* ---- SPD ----------------------------------------------------------------- */

struct flow {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

static struct dpsec_policy *pols;
static struct flow flows[NPKT];

static bool
prefix_match(const uint8_t *a, const uint8_t *p, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < plen / 8; i++)
		if (a[i] != p[i])
			return false;
	if (plen % 8 != 0) {
		uint8_t m = (uint8_t)(0xff << (8 - plen % 8));

		if ((a[i] & m) != (p[i] & m))
			return false;
	}
	return true;
}

/* The id a brute-force search gives (lowest priority, then lowest id). */
static uint32_t
spd_ref(uint32_t nr, const struct flow *f)
{
	uint32_t i, best = DPSEC_POLICY_ID_NONE, bprio = UINT32_MAX;

	for (i = 0; i < nr; i++) {
		const struct dpsec_selector *s = &pols[i].sel;

		if (!prefix_match(f->src, s->src, s->src_plen) ||
		    !prefix_match(f->dst, s->dst, s->dst_plen) ||
		    f->sport < s->sport_lo || f->sport > s->sport_hi ||
		    f->dport < s->dport_lo || f->dport > s->dport_hi)
			continue;
		if (pols[i].priority < bprio ||
		    (pols[i].priority == bprio && pols[i].id < best)) {
			bprio = pols[i].priority;
			best = pols[i].id;
		}
	}
	return best;
}

static void
pkt_build(struct rte_mbuf *m, unsigned int fam, const struct flow *f)
{
	uint8_t *p;
	struct rte_udp_hdr *u;
	unsigned int l3 = fam == 4 ? 20 : 40;

	rte_pktmbuf_reset(m);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memset(p, 0, l3 + 8 + 8);
	if (fam == 4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)p;

		h->version_ihl = RTE_IPV4_VHL_DEF;
		h->total_length = rte_cpu_to_be_16(l3 + 16);
		h->time_to_live = 64;
		h->next_proto_id = IPPROTO_UDP;
		memcpy(&h->src_addr, f->src, 4);
		memcpy(&h->dst_addr, f->dst, 4);
		h->hdr_checksum = rte_ipv4_cksum(h);
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)p;

		h->vtc_flow = rte_cpu_to_be_32(6u << 28);
		h->payload_len = rte_cpu_to_be_16(16);
		h->proto = IPPROTO_UDP;
		h->hop_limits = 64;
		memcpy(h->src_addr, f->src, 16);
		memcpy(h->dst_addr, f->dst, 16);
	}
	u = (struct rte_udp_hdr *)(p + l3);
	u->src_port = rte_cpu_to_be_16(f->sport);
	u->dst_port = rte_cpu_to_be_16(f->dport);
	u->dgram_len = rte_cpu_to_be_16(16);
	m->data_len = m->pkt_len = l3 + 16;
}

/* Random address under 10.0.0.0/8 or 2001:db8::/32 (few bits vary, so
 * that random flows hit random policies). */
static void
addr_rnd(uint8_t *a, unsigned int fam)
{
	uint64_t x = rnd();

	memset(a, 0, 16);
	if (fam == 4) {
		a[0] = 10;
		a[1] = (uint8_t)(x & 0x3f);
		a[2] = (uint8_t)(x >> 8);
		a[3] = (uint8_t)(x >> 16);
	} else {
		a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
		a[4] = (uint8_t)(x & 0x3f);
		a[5] = (uint8_t)(x >> 8);
		a[15] = (uint8_t)(x >> 16);
	}
}

static int
spd_cell(struct dpsec_ctx *ctx, unsigned int fam, uint32_t nr,
	 double *base)
{
	double cl[MAX_RUNS], cm[MAX_RUNS];
	uint32_t ids[BURST];
	char cell[96];
	unsigned int r, i, k;
	uint64_t samples[4096];

	snprintf(cell, sizeof(cell), "\"family\": \"ipv%u\", \"rules\": %u",
		 fam, nr);
	for (i = 0; i < nr; i++) {
		struct dpsec_policy *p = &pols[i];
		unsigned int lo = (unsigned int)(rnd() % 60000);

		memset(p, 0, sizeof(*p));
		p->id = i + 1;
		p->priority = (uint32_t)(rnd() % 1000);
		p->action = (i & 1) ? DPSEC_POLICY_BYPASS :
				      DPSEC_POLICY_DISCARD;
		p->sel.family = (uint8_t)fam;
		addr_rnd(p->sel.src, fam);
		addr_rnd(p->sel.dst, fam);
		p->sel.src_plen = (uint8_t)(fam == 4 ? 8 + rnd() % 17 :
					    32 + rnd() % 17);
		p->sel.dst_plen = (uint8_t)(fam == 4 ? 8 + rnd() % 17 :
					    32 + rnd() % 17);
		p->sel.proto = IPPROTO_UDP;
		/* As gateways' policies: subnets to subnets, any port or
		 * one service port. */
		p->sel.sport_lo = 0;
		p->sel.sport_hi = 65535;
		if (i % 2) {
			p->sel.dport_lo = 0;
			p->sel.dport_hi = 65535;
		} else {
			p->sel.dport_lo = p->sel.dport_hi = (uint16_t)lo;
		}
	}
	for (i = 0; i < NPKT; i++) {
		addr_rnd(flows[i].src, fam);
		addr_rnd(flows[i].dst, fam);
		flows[i].sport = (uint16_t)rnd();
		flows[i].dport = (uint16_t)(rnd() % 65000);
	}
	for (r = 0; r < opt.runs; r++) {
		struct dpsec_spd *spd = dpsec_spd_create(ctx, "scale",
				DPSEC_SA_OUTBOUND, nr);
		uint64_t t0;
		double t = 0;
		unsigned int ns = 0;

		if (spd == NULL) {
			fprintf(stderr, "dpsec_spd_create: %s\n",
				rte_strerror(rte_errno));
			return -1;
		}
		for (i = 0; i < nr; i++)
			if (dpsec_spd_add(spd, &pols[i]) != 0) {
				fprintf(stderr, "dpsec_spd_add #%u failed\n",
					i);
				dpsec_spd_free(spd);
				return -1;
			}
		t0 = rte_rdtsc_precise();
		if (dpsec_spd_commit(spd) != 0) {
			fprintf(stderr, "dpsec_spd_commit of %u failed\n", nr);
			dpsec_spd_free(spd);
			return -1;
		}
		cm[r] = (double)(rte_rdtsc_precise() - t0) * 1e3 /
			(double)tsc_hz;
		while (t < opt.time_s * (double)tsc_hz &&
		       ns < RTE_DIM(samples)) {
			uint64_t a, b = 0;

			for (i = 0; i < NPKT; i++)
				pkt_build(mb[i], fam, &flows[i]);
			for (k = 0; k < SETS; k++) {
				a = rte_rdtsc_precise();
				dpsec_spd_classify(spd, mb + k * BURST, BURST,
						   ids);
				b += rte_rdtsc_precise() - a;
				/* first pass of the first run: every packet
				 * against the brute-force reference */
				if (r == 0 && ns == 0)
					for (i = 0; i < BURST; i++)
						if (ids[i] != spd_ref(nr,
						    &flows[k * BURST + i])) {
							fprintf(stderr, "FAIL:"
								" spd %s: "
								"packet %u "
								"got %u\n",
								cell, i,
								ids[i]);
							failed = true;
						}
			}
			samples[ns++] = b;
			t += (double)b;
		}
		qsort(samples, ns, sizeof(*samples), cmp_u64);
		cl[r] = (double)samples[ns / 2] * 1e9 / (double)tsc_hz / NPKT;
		dpsec_spd_free(spd);
	}
	result_add("spd", cell, "dpsec_spd_classify", "ns/pkt", cl, opt.runs);
	result_add("spd", cell, "dpsec_spd_commit", "ms", cm, opt.runs);
	if (nr == opt.rules[0])
		*base = res[nb_res - 2].median;
	else if (nr == opt.rules[opt.nb_rules - 1])
		target_add("spd", cell, "classify ns/pkt, largest / smallest",
			   res[nb_res - 2].median / *base, true, 2.0);
	if (nr == 10000)
		target_add("spd", cell, "commit of 10k rules, ms",
			   res[nb_res - 1].median, true, 100);
	return 0;
}

/* ---- control plane ------------------------------------------------------- */

static int
cp_cell(void)
{
	struct dpsec_ctx_conf cc = {
		.name = "cp", .socket_id = SOCKET_ID_ANY, .max_sa = 1024,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	struct dpsec_ctx *ctx = dpsec_create(&cc);
	unsigned int r, i, n = opt.quick ? 1000 : 50000;
	struct dpsec_sa_conf sc;
	uint8_t keymat[20];
	double v[MAX_RUNS];

	if (ctx == NULL)
		return -1;
	for (r = 0; r < opt.runs; r++) {
		uint64_t t0 = rte_rdtsc_precise();

		for (i = 0; i < n; i++) {
			struct dpsec_sa *sa;

			sad_conf(&sc, keymat, spi_of(i));
			sa = dpsec_sa_create(ctx, &sc);
			if (sa == NULL) {
				fprintf(stderr, "FAIL: cp: create #%u: %s\n",
					i, rte_strerror(rte_errno));
				failed = true;
				break;
			}
			dpsec_sa_destroy(ctx, sa);
		}
		v[r] = (double)n * (double)tsc_hz /
		       (double)(rte_rdtsc_precise() - t0);
	}
	dpsec_free(ctx);
	result_add("cp", "\"placement\": \"software\"", "create+destroy",
		   "ops/s", v, opt.runs);
	target_add("cp", "\"placement\": \"software\"",
		   "SA create + destroy per second", res[nb_res - 1].median,
		   false, 100000);
	return 0;
}

/* ---- main ---------------------------------------------------------------- */

static void
usage(const char *prg)
{
	printf("usage: %s [options]\n"
	       "  --runs N      runs per cell, median reported (5, <= %u)\n"
	       "  --time S      seconds of timed passes per cell and run (0.2)\n"
	       "  --sas L,..    inbound SA counts (1,1000,100000,1000000)\n"
	       "  --rules L,..  policy counts (10,1000,10000,100000)\n"
	       "  --lcore N     CPU to run on (0)\n"
	       "  --json FILE   write the results (dpsec-bench/1) to FILE\n"
	       "  --quick       functional smoke run: small tables, 1 run\n",
	       prg, MAX_RUNS);
}

static int
list_parse(const char *s, uint32_t *v, unsigned int *n, uint32_t max)
{
	char *e;

	*n = 0;
	while (*s != '\0' && *n < 8) {
		unsigned long x = strtoul(s, &e, 10);

		if (e == s || x < 1 || x > max)
			return -1;
		v[(*n)++] = (uint32_t)x;
		if (*e != ',' && *e != '\0')
			return -1;
		s = *e == ',' ? e + 1 : e;
	}
	return *n > 0 ? 0 : -1;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "sas", required_argument, NULL, 's' },
		{ "rules", required_argument, NULL, 'R' },
		{ "lcore", required_argument, NULL, 'l' },
		{ "json", required_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': opt.runs = (unsigned int)atoi(optarg); break;
		case 't': opt.time_s = atof(optarg); break;
		case 'l': opt.lcore = (unsigned int)atoi(optarg); break;
		case 'j': opt.json = optarg; break;
		case 'q': opt.quick = true; break;
		case 's':
			if (list_parse(optarg, opt.sas, &opt.nb_sas,
				       1u << 22) != 0)
				return -1;
			break;
		case 'R':
			if (list_parse(optarg, opt.rules, &opt.nb_rules,
				       1u << 20) != 0)
				return -1;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			return -1;
		}
	}
	if (opt.quick) {
		opt.runs = 1;
		opt.time_s = 0.01;
		opt.nb_sas = 2;
		opt.sas[0] = 1;
		opt.sas[1] = 1000;
		opt.nb_rules = 2;
		opt.rules[0] = 10;
		opt.rules[1] = 1000;
	}
	if (opt.runs < 1 || opt.runs > MAX_RUNS || opt.time_s <= 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	char lc[16], pfx[32];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", NULL,
			"--file-prefix", pfx, "-l", lc, "--log-level=4" };
	IMB_MGR *imb;
	struct gcm_key_data gk;
	struct dpsec_ctx *ctx;
	struct dpsec_ctx_conf cc = {
		.name = "spd", .socket_id = SOCKET_ID_ANY, .max_sa = 16,
		.backend = DPSEC_BACKEND_IPSEC_MB,
	};
	uint32_t max_sas = 0, max_rules = 0;
	double base_in = 0, base_spd[2] = { 0, 0 };
	unsigned int i, fam, before;
	int ret = 0;

	if (parse_args(argc, argv) != 0) {
		usage(argv[0]);
		return 2;
	}
	for (i = 0; i < opt.nb_sas; i++)
		max_sas = RTE_MAX(max_sas, opt.sas[i]);
	for (i = 0; i < opt.nb_rules; i++)
		max_rules = RTE_MAX(max_rules, opt.rules[i]);
	/* SAs need about 2 KiB of EAL heap each (see doc/benchmarks.md). */
	eal[4] = max_sas > 200000 ? "6144" : "1024";
	snprintf(lc, sizeof(lc), "%u", opt.lcore);
	snprintf(pfx, sizeof(pfx), "bench-scale-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	tsc_hz = rte_get_tsc_hz();
	mp = rte_pktmbuf_pool_create("scale", NPKT * 2, 0, 0, 2048,
				     SOCKET_ID_ANY);
	pols = calloc(max_rules, sizeof(*pols));
	imb = alloc_mb_mgr(0);
	if (mp == NULL || pols == NULL || imb == NULL ||
	    rte_pktmbuf_alloc_bulk(mp, mb, NPKT) != 0) {
		fprintf(stderr, "setup: out of memory\n");
		return 2;
	}
	init_mb_mgr_auto(imb, NULL);
	IMB_AES128_GCM_PRE(imb, key, &gk);
	printf("%s: DPDK %s, IPsec-MB %s, dpsec %s, lcore %u, %u run(s), "
	       "%.2f s timed per cell and run\n", PROG,
	       rte_version() + strlen("DPDK "), imb_get_version_str(),
	       dpsec_version(), opt.lcore, opt.runs, opt.time_s);

	for (i = 0; i < opt.nb_sas && !failed; i++)
		if (sad_cell(imb, &gk, opt.sas[i], &base_in) != 0)
			ret = 2;
	ctx = dpsec_create(&cc);
	if (ctx == NULL)
		ret = 2;
	for (fam = 4; ctx != NULL && fam <= 6 && ret == 0; fam += 2)
		for (i = 0; i < opt.nb_rules && ret == 0; i++) {
			char what[32];

			snprintf(what, sizeof(what), "spd ipv%u %u", fam,
				 opt.rules[i]);
			progress(what);
			if (spd_cell(ctx, fam, opt.rules[i],
				     &base_spd[fam == 6]) != 0)
				ret = 2;
		}
	dpsec_free(ctx);
	progress("cp");
	if (ret == 0 && cp_cell() != 0)
		ret = 2;

	before = NPKT * 2;
	rte_pktmbuf_free_bulk(mb, NPKT);
	if (rte_mempool_avail_count(mp) != before) {
		fprintf(stderr, "FAIL: %u of %u mbufs back in the pool\n",
			rte_mempool_avail_count(mp), before);
		failed = true;
	}
	if (opt.json != NULL && json_write(opt.json) != 0)
		ret = 2;
	free(pols);
	free_mb_mgr(imb);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	if (ret == 0 && failed)
		ret = 1;
	return ret;
}
