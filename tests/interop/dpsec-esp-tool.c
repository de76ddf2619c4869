/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-esp-tool: run a pcap of Ethernet frames through one dpsec SA.
 *
 * The interop tests (esp_interop.py, tshark_esp.sh) use it to let dpsec
 * encrypt packets that scapy/tshark then decrypt, and to let dpsec decrypt
 * packets that scapy encrypted. Each frame's 14-byte Ethernet header is
 * stripped, the IP packet goes through dpsec_sa_outbound() (--dir out) or
 * dpsec_inbound() (--dir in), and the result is written with the original
 * Ethernet addresses and an ethertype for its IP version.
 *
 *   dpsec-esp-tool --dir out|in --mode tunnel|transport --cipher C
 *       [--auth A] [--ckey HEX] [--akey HEX] --spi N --src ADDR --dst ADDR
 *       [--esn] [--natt SPORT:DPORT] [--seq-start N] [--window N]
 *       [--sad-key spi|dst|dst-src] [--backend mb|openssl] [--burst N]
 *       [--allow-fail] [--log-level LVL] [--mem MB] -i IN.pcap -o OUT.pcap
 *
 * EAL runs without hugepages or PCI (--no-huge --no-pci -m MB, default
 * 512) under a file prefix unique to the process, whose runtime directory
 * is removed at exit.
 *
 * Ciphers: null, aes-cbc-128, aes-cbc-256, aes-gcm-128, aes-gcm-256,
 * chacha20-poly1305 (AEAD keys include the 4-byte salt). Auth: none,
 * sha1-96, sha256-128. --natt gives the UDP ports as the packets carry
 * them (outbound: SPORT is ours; inbound: DPORT is ours). --seq-start:
 * outbound, the first SN is N+1; inbound, the replay window starts with
 * top N. Exit status: 0 if every packet went through (or
 * --allow-fail), 1 if some failed, 2 on usage/setup errors. Each failed
 * packet is reported as "packet N: REASON_NAME: text" on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dpsec.h"
#include "dpsec_sa.h"

#define ETH_LEN 14
#define MAX_PKTS 1024
#define MAX_KEY 64
#define DATA_ROOM 4096

static const char *const reason_name[DPSEC_R_MAX] = {
#define TOOL_REASON_NAME(n, s) [DPSEC_R_ ## n] = #n,
	DPSEC_REASONS(TOOL_REASON_NAME)
#undef TOOL_REASON_NAME
};

struct tool_opts {
	enum dpsec_sa_dir dir;
	bool dir_set;
	enum dpsec_sa_mode mode;
	bool mode_set;
	enum dpsec_cipher cipher;
	bool cipher_set;
	enum dpsec_auth auth;
	uint8_t ckey[MAX_KEY], akey[MAX_KEY];
	int ckey_len, akey_len;
	uint32_t spi;
	struct dpsec_addr src, dst;
	bool esn;
	bool natt;
	uint16_t natt_sport, natt_dport;
	uint64_t seq_start;
	uint32_t window;
	enum dpsec_sad_key sad_key;
	enum dpsec_backend backend;
	unsigned int burst;
	bool allow_fail;
	const char *log_level;
	const char *mem;
	const char *in, *out;
};

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --dir out|in --mode tunnel|transport --cipher C\n"
		"  [--auth none|sha1-96|sha256-128] [--ckey HEX] [--akey HEX]\n"
		"  --spi N --src ADDR --dst ADDR [--esn] [--natt SPORT:DPORT]\n"
		"  [--seq-start N] [--window N] [--sad-key spi|dst|dst-src]\n"
		"  [--backend mb|openssl] [--burst N] [--allow-fail]\n"
		"  [--log-level LVL] [--mem MB] -i IN.pcap -o OUT.pcap\n"
		"ciphers: null aes-cbc-128 aes-cbc-256 aes-gcm-128 aes-gcm-256"
		" chacha20-poly1305\n", prog);
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

static int
parse_addr(const char *s, struct dpsec_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->v6) == 1) {
		a->family = 6;
		return 0;
	}
	return -1;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
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
parse_opts(int argc, char **argv, struct tool_opts *o)
{
	static const struct option lo[] = {
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
		{ "seq-start", required_argument, NULL, 'q' },
		{ "window", required_argument, NULL, 'w' },
		{ "sad-key", required_argument, NULL, 'k' },
		{ "backend", required_argument, NULL, 'b' },
		{ "burst", required_argument, NULL, 'B' },
		{ "allow-fail", no_argument, NULL, 'F' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "mem", required_argument, NULL, 'M' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->window = 64;
	o->sad_key = DPSEC_SAD_SPI_DST;
	o->backend = DPSEC_BACKEND_IPSEC_MB;
	o->burst = 32;
	o->log_level = "*:warning";
	o->mem = "512";
	o->auth = DPSEC_AUTH_NONE;

	while ((c = getopt_long(argc, argv, "i:o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (strcmp(optarg, "out") == 0)
				o->dir = DPSEC_SA_OUTBOUND;
			else if (strcmp(optarg, "in") == 0)
				o->dir = DPSEC_SA_INBOUND;
			else
				goto bad;
			o->dir_set = true;
			break;
		case 'm':
			if (strcmp(optarg, "tunnel") == 0)
				o->mode = DPSEC_SA_TUNNEL;
			else if (strcmp(optarg, "transport") == 0)
				o->mode = DPSEC_SA_TRANSPORT;
			else
				goto bad;
			o->mode_set = true;
			break;
		case 'c':
			if (strcmp(optarg, "null") == 0)
				o->cipher = DPSEC_CIPHER_NULL;
			else if (strcmp(optarg, "aes-cbc-128") == 0)
				o->cipher = DPSEC_CIPHER_AES_CBC_128;
			else if (strcmp(optarg, "aes-cbc-256") == 0)
				o->cipher = DPSEC_CIPHER_AES_CBC_256;
			else if (strcmp(optarg, "aes-gcm-128") == 0)
				o->cipher = DPSEC_CIPHER_AES_GCM_128;
			else if (strcmp(optarg, "aes-gcm-256") == 0)
				o->cipher = DPSEC_CIPHER_AES_GCM_256;
			else if (strcmp(optarg, "chacha20-poly1305") == 0)
				o->cipher = DPSEC_CIPHER_CHACHA20_POLY1305;
			else
				goto bad;
			o->cipher_set = true;
			break;
		case 'a':
			if (strcmp(optarg, "none") == 0)
				o->auth = DPSEC_AUTH_NONE;
			else if (strcmp(optarg, "sha1-96") == 0)
				o->auth = DPSEC_AUTH_HMAC_SHA1_96;
			else if (strcmp(optarg, "sha256-128") == 0)
				o->auth = DPSEC_AUTH_HMAC_SHA256_128;
			else
				goto bad;
			break;
		case 'K':
			o->ckey_len = parse_hex(optarg, o->ckey, MAX_KEY);
			if (o->ckey_len < 0)
				goto bad;
			break;
		case 'A':
			o->akey_len = parse_hex(optarg, o->akey, MAX_KEY);
			if (o->akey_len < 0)
				goto bad;
			break;
		case 's':
			if (parse_u64(optarg, UINT32_MAX, &v) != 0)
				goto bad;
			o->spi = (uint32_t)v;
			break;
		case 'S':
			if (parse_addr(optarg, &o->src) != 0)
				goto bad;
			break;
		case 'D':
			if (parse_addr(optarg, &o->dst) != 0)
				goto bad;
			break;
		case 'E':
			o->esn = true;
			break;
		case 'N': {
			unsigned int sp, dp;
			char tail;

			if (sscanf(optarg, "%u:%u%c", &sp, &dp, &tail) != 2 ||
			    sp == 0 || dp == 0 || sp > 65535 || dp > 65535)
				goto bad;
			o->natt = true;
			o->natt_sport = (uint16_t)sp;
			o->natt_dport = (uint16_t)dp;
			break;
		}
		case 'q':
			if (parse_u64(optarg, UINT64_MAX, &o->seq_start) != 0)
				goto bad;
			break;
		case 'w':
			if (parse_u64(optarg, UINT32_MAX, &v) != 0)
				goto bad;
			o->window = (uint32_t)v;
			break;
		case 'k':
			if (strcmp(optarg, "spi") == 0)
				o->sad_key = DPSEC_SAD_SPI;
			else if (strcmp(optarg, "dst") == 0)
				o->sad_key = DPSEC_SAD_SPI_DST;
			else if (strcmp(optarg, "dst-src") == 0)
				o->sad_key = DPSEC_SAD_SPI_DST_SRC;
			else
				goto bad;
			break;
		case 'b':
			if (strcmp(optarg, "mb") == 0)
				o->backend = DPSEC_BACKEND_IPSEC_MB;
			else if (strcmp(optarg, "openssl") == 0)
				o->backend = DPSEC_BACKEND_OPENSSL;
			else
				goto bad;
			break;
		case 'B':
			if (parse_u64(optarg, 1024, &v) != 0 || v == 0)
				goto bad;
			o->burst = (unsigned int)v;
			break;
		case 'F':
			o->allow_fail = true;
			break;
		case 'L':
			o->log_level = optarg;
			break;
		case 'M':
			if (parse_u64(optarg, 65536, &v) != 0 || v < 16)
				goto bad;
			o->mem = optarg;
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -1;
		}
		continue;
bad:
		{
			const char *name = "?";
			int j;

			for (j = 0; lo[j].name != NULL; j++)
				if (lo[j].val == c)
					name = lo[j].name;
			fprintf(stderr, "%s: bad value for --%s: '%s'\n",
				argv[0], name, optarg);
		}
		return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
			argv[optind]);
		return -1;
	}
	if (!o->dir_set || !o->mode_set || !o->cipher_set || o->spi == 0 ||
	    o->in == NULL || o->out == NULL) {
		fprintf(stderr, "%s: --dir, --mode, --cipher, --spi, -i and -o "
			"are required\n", argv[0]);
		usage(argv[0]);
		return -1;
	}
	if (o->src.family == 0 || o->dst.family == 0) {
		fprintf(stderr, "%s: --src and --dst are required\n", argv[0]);
		return -1;
	}
	return 0;
}

/* EAL's runtime directory for our file prefix: removed at exit. */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
eal_start(const char *prog, const char *log_level, const char *mem,
	  char *prefix, size_t plen)
{
	char *eal_argv[16];
	int n = 0;

	snprintf(prefix, plen, "dpsec-esp-tool-%d", (int)getpid());
	eal_argv[n++] = (char *)(uintptr_t)prog;
	eal_argv[n++] = (char *)(uintptr_t)"--no-huge";
	eal_argv[n++] = (char *)(uintptr_t)"--no-pci";
	eal_argv[n++] = (char *)(uintptr_t)"-m";
	eal_argv[n++] = (char *)(uintptr_t)mem;
	eal_argv[n++] = (char *)(uintptr_t)"--no-telemetry";
	eal_argv[n++] = (char *)(uintptr_t)"--file-prefix";
	eal_argv[n++] = prefix;
	eal_argv[n++] = (char *)(uintptr_t)"--log-level";
	eal_argv[n++] = (char *)(uintptr_t)log_level;
	eal_argv[n] = NULL;
	return rte_eal_init(n, eal_argv);
}

struct frame {
	uint8_t eth[ETH_LEN];
	struct pcap_pkthdr hdr;
};

static int
read_pcap(const char *path, struct rte_mempool *mp, struct rte_mbuf **pkts,
	  struct frame *fr, unsigned int *nb)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	unsigned int n = 0;
	int rc;

	p = pcap_open_offline(path, err);
	if (p == NULL) {
		fprintf(stderr, "cannot open %s: %s\n", path, err);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "%s: link type %d is not Ethernet\n", path,
			pcap_datalink(p));
		pcap_close(p);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		struct rte_mbuf *m;
		uint16_t et;
		char *d;

		if (n >= MAX_PKTS) {
			fprintf(stderr, "%s: more than %d frames\n", path,
				MAX_PKTS);
			goto fail;
		}
		if (h->caplen != h->len || h->caplen <= ETH_LEN) {
			fprintf(stderr, "%s: frame %u truncated (%u of %u)\n",
				path, n, h->caplen, h->len);
			goto fail;
		}
		et = (uint16_t)(data[12] << 8 | data[13]);
		if (et != 0x0800 && et != 0x86dd) {
			fprintf(stderr, "%s: frame %u: ethertype 0x%04x is not "
				"IPv4/IPv6\n", path, n, et);
			goto fail;
		}
		if (h->caplen - ETH_LEN > DATA_ROOM - 256) {
			fprintf(stderr, "%s: frame %u too large (%u)\n", path,
				n, h->caplen);
			goto fail;
		}
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL) {
			fprintf(stderr, "out of mbufs\n");
			goto fail;
		}
		pkts[n] = m;
		d = rte_pktmbuf_append(m, (uint16_t)(h->caplen - ETH_LEN));
		memcpy(d, data + ETH_LEN, h->caplen - ETH_LEN);
		memcpy(fr[n].eth, data, ETH_LEN);
		fr[n].hdr = *h;
		n++;
		*nb = n;
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "%s: read error: %s\n", path, pcap_geterr(p));
		goto fail;
	}
	pcap_close(p);
	*nb = n;
	return 0;
fail:
	pcap_close(p);
	return -1;
}

int
main(int argc, char **argv)
{
	static struct rte_mbuf *pkts[MAX_PKTS], *orig[MAX_PKTS];
	static struct frame fr[MAX_PKTS];
	static bool ok[MAX_PKTS];
	struct tool_opts o;
	struct dpsec_ctx_conf cc;
	struct dpsec_sa_conf sc;
	struct dpsec_ctx *ctx = NULL;
	struct dpsec_sa *sa = NULL;
	struct rte_mempool *mp = NULL;
	char prefix[64], rundir[PATH_MAX] = "";
	unsigned int nb = 0, i, off, nfail = 0, nok = 0;
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	int status = 2;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (eal_start(argv[0], o.log_level, o.mem, prefix, sizeof(prefix)) < 0) {
		fprintf(stderr, "rte_eal_init failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());

	mp = rte_pktmbuf_pool_create("esp_tool_pool", MAX_PKTS + 63, 0, 0,
				     RTE_PKTMBUF_HEADROOM + DATA_ROOM,
				     (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	memset(&cc, 0, sizeof(cc));
	cc.name = "esp_tool";
	cc.socket_id = SOCKET_ID_ANY;
	cc.max_sa = 4;
	cc.backend = o.backend;
	ctx = dpsec_create(&cc);
	if (ctx == NULL) {
		fprintf(stderr, "dpsec_create: %s\n", rte_strerror(rte_errno));
		goto out;
	}

	memset(&sc, 0, sizeof(sc));
	sc.spi = o.spi;
	sc.dir = o.dir;
	sc.mode = o.mode;
	sc.src = o.src;
	sc.dst = o.dst;
	sc.sad_key = o.sad_key;
	sc.cipher = o.cipher;
	sc.cipher_key = o.ckey_len ? o.ckey : NULL;
	sc.cipher_key_len = (uint16_t)o.ckey_len;
	sc.auth = o.auth;
	sc.auth_key = o.akey_len ? o.akey : NULL;
	sc.auth_key_len = (uint16_t)o.akey_len;
	sc.flags = (o.esn ? DPSEC_SA_F_ESN : 0) | (o.natt ? DPSEC_SA_F_NATT : 0);
	sc.replay_window = o.dir == DPSEC_SA_INBOUND ? o.window : 0;
	sc.natt_sport = o.natt_sport;
	sc.natt_dport = o.natt_dport;
	sc.seq_start = o.seq_start;
	sc.offload = DPSEC_OFFLOAD_NONE;
	sa = dpsec_sa_create(ctx, &sc);
	if (sa == NULL) {
		fprintf(stderr, "dpsec_sa_create: %s\n",
			rte_strerror(rte_errno));
		goto out;
	}

	if (read_pcap(o.in, mp, pkts, fr, &nb) != 0)
		goto out;
	memcpy(orig, pkts, nb * sizeof(*pkts));

	for (off = 0; off < nb; off += o.burst) {
		uint16_t n = (uint16_t)RTE_MIN(o.burst, nb - off), good, j;

		if (o.dir == DPSEC_SA_OUTBOUND)
			good = dpsec_sa_outbound(sa, pkts + off, n);
		else
			good = dpsec_inbound(ctx, pkts + off, n, NULL);
		if (good > n) {
			fprintf(stderr, "burst returned %u > %u\n", good, n);
			goto out;
		}
		for (j = 0; j < n; j++) {
			struct rte_mbuf *m = pkts[off + j];
			unsigned int k;

			/* Which input packet is this? */
			for (k = off; k < off + n; k++)
				if (orig[k] == m)
					break;
			if (k == off + n) {
				fprintf(stderr, "burst returned an unknown "
					"mbuf %p\n", (void *)m);
				goto out;
			}
			ok[k] = j < good;
			if (!ok[k]) {
				enum dpsec_reason r = dpsec_mbuf_reason(m);

				fprintf(stderr, "packet %u: %s: %s\n", k,
					(unsigned int)r < DPSEC_R_MAX ?
					reason_name[r] : "?",
					dpsec_reason_str(r));
				nfail++;
			} else {
				nok++;
			}
		}
	}

	dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (dead == NULL) {
		fprintf(stderr, "pcap_open_dead failed\n");
		goto out;
	}
	dump = pcap_dump_open(dead, o.out);
	if (dump == NULL) {
		fprintf(stderr, "cannot write %s: %s\n", o.out,
			pcap_geterr(dead));
		goto out;
	}
	for (i = 0; i < nb; i++) {
		static uint8_t buf[ETH_LEN + DATA_ROOM + 256];
		struct rte_mbuf *m = orig[i];
		struct pcap_pkthdr h = fr[i].hdr;
		const uint8_t *d;
		uint32_t len = rte_pktmbuf_pkt_len(m);

		if (!ok[i])
			continue;
		if (len < 1 || len > sizeof(buf) - ETH_LEN) {
			fprintf(stderr, "packet %u: output length %u\n", i,
				len);
			goto out;
		}
		memcpy(buf, fr[i].eth, ETH_LEN);
		d = rte_pktmbuf_read(m, 0, len, buf + ETH_LEN);
		if (d != buf + ETH_LEN)
			memcpy(buf + ETH_LEN, d, len);
		switch (buf[ETH_LEN] >> 4) {
		case 4:
			buf[12] = 0x08;
			buf[13] = 0x00;
			break;
		case 6:
			buf[12] = 0x86;
			buf[13] = 0xdd;
			break;
		default:
			fprintf(stderr, "packet %u: output is not IP "
				"(version %u)\n", i, buf[ETH_LEN] >> 4);
			goto out;
		}
		h.caplen = h.len = len + ETH_LEN;
		pcap_dump((u_char *)dump, &h, buf);
	}
	if (pcap_dump_flush(dump) != 0) {
		fprintf(stderr, "cannot write %s\n", o.out);
		goto out;
	}
	printf("dpsec-esp-tool: %s %u packets: %u ok, %u failed\n",
	       o.dir == DPSEC_SA_OUTBOUND ? "outbound" : "inbound", nb, nok,
	       nfail);
	status = (nfail == 0 || o.allow_fail) ? 0 : 1;
out:
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	for (i = 0; i < nb; i++)
		rte_pktmbuf_free(orig[i]);
	dpsec_free(ctx);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	/* Only our own prefix's directory, never anything else. */
	if (rundir[0] != '\0' && strstr(rundir, prefix) != NULL)
		nftw(rundir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return status;
}
