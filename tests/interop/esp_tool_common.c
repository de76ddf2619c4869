/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by dpsec-esp-tool and sim-esp-tool: see esp_tool_common.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "esp_tool_common.h"

enum { MAX_OPTS = 40 };

static const char *const cipher_name[ESP_TOOL_CIPHER_MAX] = {
	[ESP_TOOL_CIPHER_NULL] = "null",
	[ESP_TOOL_CIPHER_AES_CBC_128] = "aes-cbc-128",
	[ESP_TOOL_CIPHER_AES_CBC_256] = "aes-cbc-256",
	[ESP_TOOL_CIPHER_AES_GCM_128] = "aes-gcm-128",
	[ESP_TOOL_CIPHER_AES_GCM_256] = "aes-gcm-256",
	[ESP_TOOL_CIPHER_CHACHA20_POLY1305] = "chacha20-poly1305",
};

static const char *const auth_name[ESP_TOOL_AUTH_MAX] = {
	[ESP_TOOL_AUTH_NONE] = "none",
	[ESP_TOOL_AUTH_SHA1_96] = "sha1-96",
	[ESP_TOOL_AUTH_SHA256_128] = "sha256-128",
};

static const struct option shared_opts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "mode", required_argument, NULL, 'm' },
	{ "cipher", required_argument, NULL, 'c' },
	{ "auth", required_argument, NULL, 'a' },
	{ "ckey", required_argument, NULL, 'K' },
	{ "akey", required_argument, NULL, 'A' },
	{ "spi", required_argument, NULL, 's' },
	{ "src", required_argument, NULL, 'S' },
	{ "dst", required_argument, NULL, 'D' },
	{ "esn", no_argument, NULL, 'E' },
	{ "natt", required_argument, NULL, 'N' },
	{ "window", required_argument, NULL, 'w' },
	{ "log-level", required_argument, NULL, 'L' },
	{ "mem", required_argument, NULL, 'M' },
	{ "in", required_argument, NULL, 'i' },
	{ "out", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
};

static const char *const mode_name[] = { "transport", "tunnel" };

/* *k = the index of s in names[0..n): 0, or -1 if s is not there. */
static int
parse_name(const char *const *names, int n, const char *s, int *k)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0) {
			*k = i;
			return 0;
		}
	return -1;
}

static int
parse_hex(const char *s, uint8_t *out, int max)
{
	int n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (strlen(s) % 2 != 0)
		return -1;
	while (*s != '\0') {
		unsigned int b;

		if (n >= max || sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = (uint8_t)b;
		s += 2;
	}
	return n;
}

/* The address family, 4 or 6, or -1. */
static int
parse_addr(const char *s, uint8_t *a)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, a) == 1)
		return 6;
	return -1;
}

int
esp_tool_parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || x > max)
		return -1;
	*v = x;
	return 0;
}

static int
parse_dir(const char *s, bool aliases, bool *egress)
{
	if (strcmp(s, "out") == 0 || (aliases && strcmp(s, "egress") == 0))
		*egress = true;
	else if (strcmp(s, "in") == 0 ||
		 (aliases && strcmp(s, "ingress") == 0))
		*egress = false;
	else
		return -1;
	return 0;
}

static int
parse_natt(const char *s, struct esp_tool_opts *o)
{
	unsigned int sp, dp;
	char tail;

	if (sscanf(s, "%u:%u%c", &sp, &dp, &tail) != 2 ||
	    sp == 0 || dp == 0 || sp > 65535 || dp > 65535)
		return -1;
	o->natt = true;
	o->natt_sport = (uint16_t)sp;
	o->natt_dport = (uint16_t)dp;
	return 0;
}

/* One shared option: 0, or -1 for a bad value. */
static int
parse_shared(int c, const char *arg, const struct esp_tool_opt_spec *spec,
	     struct esp_tool_opts *o)
{
	uint64_t v;
	int k;

	switch (c) {
	case 'd':
		return parse_dir(arg, spec->dir_egress_ingress, &o->egress);
	case 'm':
		if (parse_name(mode_name, 2, arg, &k) != 0)
			return -1;
		o->tunnel = k == 1;
		return 0;
	case 'c':
		if (parse_name(cipher_name, ESP_TOOL_CIPHER_MAX, arg, &k) != 0)
			return -1;
		o->cipher = (enum esp_tool_cipher)k;
		return 0;
	case 'a':
		if (parse_name(auth_name, ESP_TOOL_AUTH_MAX, arg, &k) != 0)
			return -1;
		o->auth = (enum esp_tool_auth)k;
		return 0;
	case 'K':
		o->ckey_len = parse_hex(arg, o->ckey, ESP_TOOL_MAX_KEY);
		return o->ckey_len < 0 ? -1 : 0;
	case 'A':
		o->akey_len = parse_hex(arg, o->akey, ESP_TOOL_MAX_KEY);
		return o->akey_len < 0 ? -1 : 0;
	case 's':
		if (esp_tool_parse_u64(arg, UINT32_MAX, &v) != 0 || v == 0)
			return -1;
		o->spi = (uint32_t)v;
		return 0;
	case 'S':
		o->src_fam = parse_addr(arg, o->src);
		return o->src_fam < 0 ? -1 : 0;
	case 'D':
		o->dst_fam = parse_addr(arg, o->dst);
		return o->dst_fam < 0 ? -1 : 0;
	case 'E':
		o->esn = true;
		return 0;
	case 'N':
		return parse_natt(arg, o);
	case 'w':
		if (esp_tool_parse_u64(arg, spec->window_max, &v) != 0)
			return -1;
		o->window = (uint32_t)v;
		return 0;
	case 'L':
		o->log_level = arg;
		return 0;
	case 'M':
		if (esp_tool_parse_u64(arg, 65536, &v) != 0 || v < 16)
			return -1;
		o->mem = arg;
		return 0;
	case 'i':
		o->in = arg;
		return 0;
	case 'o':
		o->out = arg;
		return 0;
	default:
		if (spec->own_opt == NULL)
			return -1;
		return spec->own_opt(c, arg, spec->ctx);
	}
}

int
esp_tool_parse_opts(int argc, char **argv,
		    const struct esp_tool_opt_spec *spec,
		    struct esp_tool_opts *o)
{
	const int nshared = (int)RTE_DIM(shared_opts);
	struct option lo[MAX_OPTS];
	bool dir_set = false, mode_set = false, cipher_set = false;
	int n = 0, c, j;

	memcpy(lo, shared_opts, sizeof(shared_opts));
	for (n = nshared; spec->own != NULL && spec->own[n - nshared].name;
	     n++) {
		if (n == MAX_OPTS - 1) {
			fprintf(stderr, "%s: too many options\n", argv[0]);
			return -1;
		}
		lo[n] = spec->own[n - nshared];
	}
	memset(&lo[n], 0, sizeof(lo[n]));

	memset(o, 0, sizeof(*o));
	o->window = 64;
	o->log_level = "*:warning";
	o->mem = "64";
	o->auth = ESP_TOOL_AUTH_NONE;

	while ((c = getopt_long(argc, argv, "i:o:h", lo, NULL)) != -1) {
		const char *name = "?";

		if (c == 'h') {
			fprintf(stderr, spec->usage, argv[0]);
			exit(0);
		}
		if (c == '?') {
			fprintf(stderr, spec->usage, argv[0]);
			return -1;
		}
		if (parse_shared(c, optarg, spec, o) == 0) {
			dir_set |= c == 'd';
			mode_set |= c == 'm';
			cipher_set |= c == 'c';
			continue;
		}
		for (j = 0; lo[j].name != NULL; j++)
			if (lo[j].val == c)
				name = lo[j].name;
		fprintf(stderr, "%s: bad value for --%s: '%s'\n", argv[0],
			name, optarg);
		return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
			argv[optind]);
		return -1;
	}
	if (!dir_set || !mode_set || !cipher_set || o->spi == 0 ||
	    o->in == NULL || o->out == NULL || o->src_fam == 0 ||
	    o->dst_fam == 0) {
		fprintf(stderr, "%s: --dir, --mode, --cipher, --spi, --src, "
			"--dst, -i and -o are required\n", argv[0]);
		fprintf(stderr, spec->usage, argv[0]);
		return -1;
	}
	return 0;
}

/* nftw() callback: remove one entry of the EAL's runtime directory. */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
esp_tool_eal_init(struct esp_tool_eal *e, const char *prog,
		  const char *name, const struct esp_tool_opts *o, char *vdev)
{
	char *eal_argv[16];
	int n = 0;

	e->rundir[0] = '\0';
	snprintf(e->prefix, sizeof(e->prefix), "%s-%d", name, (int)getpid());
	eal_argv[n++] = (char *)(uintptr_t)prog;
	eal_argv[n++] = (char *)(uintptr_t)"--no-huge";
	eal_argv[n++] = (char *)(uintptr_t)"--no-pci";
	eal_argv[n++] = (char *)(uintptr_t)"-m";
	eal_argv[n++] = (char *)(uintptr_t)o->mem;
	eal_argv[n++] = (char *)(uintptr_t)"--no-telemetry";
	eal_argv[n++] = (char *)(uintptr_t)"--file-prefix";
	eal_argv[n++] = e->prefix;
	eal_argv[n++] = (char *)(uintptr_t)"--log-level";
	eal_argv[n++] = (char *)(uintptr_t)o->log_level;
	if (vdev != NULL) {
		eal_argv[n++] = (char *)(uintptr_t)"--vdev";
		eal_argv[n++] = vdev;
	}
	eal_argv[n] = NULL;
	if (rte_eal_init(n, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	snprintf(e->rundir, sizeof(e->rundir), "%s",
		 rte_eal_get_runtime_dir());
	return 0;
}

void
esp_tool_eal_cleanup(struct esp_tool_eal *e)
{
	rte_eal_cleanup();
	/* Only our own prefix's directory, never anything else. */
	if (e->rundir[0] != '\0' && strstr(e->rundir, e->prefix) != NULL)
		nftw(e->rundir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

struct rte_mempool *
esp_tool_mbuf_pool(const char *name, unsigned int n)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, n, 0, 0,
				     RTE_PKTMBUF_HEADROOM + ESP_TOOL_DATA_ROOM,
				     (int)rte_socket_id());
	if (mp == NULL)
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
	return mp;
}

int
esp_tool_pcap_read(const char *path, esp_tool_frame_fn fn, void *ctx)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int n = 0, rc;

	p = pcap_open_offline(path, err);
	if (p == NULL) {
		fprintf(stderr, "cannot open %s: %s\n", path, err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "%s: link type %d is not Ethernet\n", path,
			pcap_datalink(p));
		goto fail;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (n >= ESP_TOOL_MAX_PKTS) {
			fprintf(stderr, "%s: more than %d frames\n", path,
				ESP_TOOL_MAX_PKTS);
			goto fail;
		}
		if (fn != NULL && fn(ctx, (unsigned int)n, h, data) != 0)
			goto fail;
		n++;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "%s: read error: %s\n", path, pcap_geterr(p));
		goto fail;
	}
	pcap_close(p);
	return n;
fail:
	pcap_close(p);
	return -1;
}

int
esp_tool_pcap_create(struct esp_tool_pcap_out *w, const char *path)
{
	w->path = path;
	w->dump = NULL;
	w->dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (w->dead == NULL) {
		fprintf(stderr, "pcap_open_dead failed\n");
		return -1;
	}
	w->dump = pcap_dump_open(w->dead, path);
	if (w->dump == NULL) {
		fprintf(stderr, "cannot write %s: %s\n", path,
			pcap_geterr(w->dead));
		return -1;
	}
	return 0;
}

int
esp_tool_pcap_write(struct esp_tool_pcap_out *w, unsigned int i,
		    const struct timeval *ts, const uint8_t *eth,
		    const struct rte_mbuf *m)
{
	uint32_t hl = eth != NULL ? ESP_TOOL_ETH_LEN : 0;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct pcap_pkthdr h;
	uint8_t *b = w->buf;
	const uint8_t *d;

	if (len < 1 || len > ESP_TOOL_PKT_MAX) {
		fprintf(stderr, "packet %u: output length %u\n", i, len);
		return -1;
	}
	d = rte_pktmbuf_read(m, 0, len, b + hl);
	if (d != b + hl)
		memcpy(b + hl, d, len);
	if (eth != NULL) {
		memcpy(b, eth, 12);
		switch (b[hl] >> 4) {
		case 4:
			b[12] = 0x08;
			b[13] = 0x00;
			break;
		case 6:
			b[12] = 0x86;
			b[13] = 0xdd;
			break;
		default:
			fprintf(stderr, "packet %u: output is not IP "
				"(version %u)\n", i, b[hl] >> 4);
			return -1;
		}
	}
	memset(&h, 0, sizeof(h));
	h.ts = *ts;
	h.caplen = h.len = hl + len;
	pcap_dump((u_char *)w->dump, &h, b);
	return 0;
}

int
esp_tool_pcap_flush(struct esp_tool_pcap_out *w)
{
	if (pcap_dump_flush(w->dump) != 0) {
		fprintf(stderr, "cannot write %s\n", w->path);
		return -1;
	}
	return 0;
}

void
esp_tool_pcap_close(struct esp_tool_pcap_out *w)
{
	if (w->dump != NULL)
		pcap_dump_close(w->dump);
	if (w->dead != NULL)
		pcap_close(w->dead);
	w->dump = NULL;
	w->dead = NULL;
}
