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
 * 64) under a file prefix unique to the process, whose runtime directory
 * is removed at exit.
 *
 * Ciphers: null, aes-cbc-128, aes-cbc-256, aes-gcm-128, aes-gcm-256,
 * chacha20-poly1305 (AEAD keys include the 4-byte salt). Auth: none,
 * sha1-96, sha256-128. --natt gives the UDP ports as the packets carry
 * them (outbound: SPORT is ours; inbound: DPORT is ours). --seq-start:
 * outbound, the first SN is N+1; inbound, the replay window starts with
 * top N. Exit status: 0 if every packet went through (or
 * --allow-fail), 1 if some failed, 2 on usage/setup errors or when mbufs
 * are missing from the pool at exit (leaked by dpsec or the tool). Each
 * failed packet is reported as "packet N: REASON_NAME: text" on stderr.
 *
 * The options both tools take, EAL setup and the pcap files are
 * esp_tool_common.c's (shared with sim-esp-tool).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_tool_common.h"

static const char *const reason_name[DPSEC_R_MAX] = {
#define TOOL_REASON_NAME(n, s) [DPSEC_R_ ## n] = #n,
	DPSEC_REASONS(TOOL_REASON_NAME)
#undef TOOL_REASON_NAME
};

static const enum dpsec_cipher cipher_of[ESP_TOOL_CIPHER_MAX] = {
	[ESP_TOOL_CIPHER_NULL] = DPSEC_CIPHER_NULL,
	[ESP_TOOL_CIPHER_AES_CBC_128] = DPSEC_CIPHER_AES_CBC_128,
	[ESP_TOOL_CIPHER_AES_CBC_256] = DPSEC_CIPHER_AES_CBC_256,
	[ESP_TOOL_CIPHER_AES_GCM_128] = DPSEC_CIPHER_AES_GCM_128,
	[ESP_TOOL_CIPHER_AES_GCM_256] = DPSEC_CIPHER_AES_GCM_256,
	[ESP_TOOL_CIPHER_CHACHA20_POLY1305] = DPSEC_CIPHER_CHACHA20_POLY1305,
};

static const enum dpsec_auth auth_of[ESP_TOOL_AUTH_MAX] = {
	[ESP_TOOL_AUTH_NONE] = DPSEC_AUTH_NONE,
	[ESP_TOOL_AUTH_SHA1_96] = DPSEC_AUTH_HMAC_SHA1_96,
	[ESP_TOOL_AUTH_SHA256_128] = DPSEC_AUTH_HMAC_SHA256_128,
};

static const char usage[] =
	"usage: %s --dir out|in --mode tunnel|transport --cipher C\n"
	"  [--auth none|sha1-96|sha256-128] [--ckey HEX] [--akey HEX]\n"
	"  --spi N --src ADDR --dst ADDR [--esn] [--natt SPORT:DPORT]\n"
	"  [--seq-start N] [--window N] [--sad-key spi|dst|dst-src]\n"
	"  [--backend mb|openssl] [--burst N] [--allow-fail]\n"
	"  [--log-level LVL] [--mem MB] -i IN.pcap -o OUT.pcap\n"
	"ciphers: null aes-cbc-128 aes-cbc-256 aes-gcm-128 aes-gcm-256"
	" chacha20-poly1305\n";

/* The options only this tool takes. */
struct own_opts {
	uint64_t seq_start;
	enum dpsec_sad_key sad_key;
	enum dpsec_backend backend;
	unsigned int burst;
	bool allow_fail;
};

static const struct option own_lo[] = {
	{ "seq-start", required_argument, NULL, 'q' },
	{ "sad-key", required_argument, NULL, 'k' },
	{ "backend", required_argument, NULL, 'b' },
	{ "burst", required_argument, NULL, 'B' },
	{ "allow-fail", no_argument, NULL, 'F' },
	{ NULL, 0, NULL, 0 },
};

static int
parse_own(int c, const char *arg, void *ctx)
{
	struct own_opts *x = ctx;
	uint64_t v;

	switch (c) {
	case 'q':
		return esp_tool_parse_u64(arg, UINT64_MAX, &x->seq_start);
	case 'k':
		if (strcmp(arg, "spi") == 0)
			x->sad_key = DPSEC_SAD_SPI;
		else if (strcmp(arg, "dst") == 0)
			x->sad_key = DPSEC_SAD_SPI_DST;
		else if (strcmp(arg, "dst-src") == 0)
			x->sad_key = DPSEC_SAD_SPI_DST_SRC;
		else
			return -1;
		return 0;
	case 'b':
		if (strcmp(arg, "mb") == 0)
			x->backend = DPSEC_BACKEND_IPSEC_MB;
		else if (strcmp(arg, "openssl") == 0)
			x->backend = DPSEC_BACKEND_OPENSSL;
		else
			return -1;
		return 0;
	case 'B':
		if (esp_tool_parse_u64(arg, ESP_TOOL_MAX_PKTS, &v) != 0 ||
		    v == 0)
			return -1;
		x->burst = (unsigned int)v;
		return 0;
	case 'F':
		x->allow_fail = true;
		return 0;
	default:
		return -1;
	}
}

static void
addr_of(int fam, const uint8_t *a, struct dpsec_addr *d)
{
	memset(d, 0, sizeof(*d));
	d->family = (uint8_t)fam;
	memcpy(d->v6, a, fam == 4 ? 4 : 16);	/* v4 shares the bytes */
}

/* What the output frames keep of the input's. */
struct frame {
	uint8_t eth[ESP_TOOL_ETH_LEN];
	struct timeval ts;
};

/* Where read_frame() puts the IP packets and their Ethernet headers. */
struct input {
	struct rte_mempool *mp;
	struct rte_mbuf **pkts;
	struct frame *fr;
	unsigned int nb;
	const char *path;
};

/* An Ethernet frame of IP into an mbuf, without the Ethernet header. */
static int
read_frame(void *ctx, unsigned int n, const struct pcap_pkthdr *h,
	   const u_char *data)
{
	struct input *in = ctx;
	struct rte_mbuf *m;
	uint16_t et;
	char *d;

	if (h->caplen != h->len || h->caplen <= ESP_TOOL_ETH_LEN) {
		fprintf(stderr, "%s: frame %u truncated (%u of %u)\n",
			in->path, n, h->caplen, h->len);
		return -1;
	}
	et = (uint16_t)(data[12] << 8 | data[13]);
	if (et != 0x0800 && et != 0x86dd) {
		fprintf(stderr, "%s: frame %u: ethertype 0x%04x is not "
			"IPv4/IPv6\n", in->path, n, et);
		return -1;
	}
	if (h->caplen - ESP_TOOL_ETH_LEN > ESP_TOOL_DATA_ROOM - 256) {
		fprintf(stderr, "%s: frame %u too large (%u)\n", in->path, n,
			h->caplen);
		return -1;
	}
	m = rte_pktmbuf_alloc(in->mp);
	if (m == NULL) {
		fprintf(stderr, "out of mbufs\n");
		return -1;
	}
	in->pkts[n] = m;
	in->nb = n + 1;
	d = rte_pktmbuf_append(m, (uint16_t)(h->caplen - ESP_TOOL_ETH_LEN));
	memcpy(d, data + ESP_TOOL_ETH_LEN, h->caplen - ESP_TOOL_ETH_LEN);
	memcpy(in->fr[n].eth, data, ESP_TOOL_ETH_LEN);
	in->fr[n].ts = h->ts;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct rte_mbuf *pkts[ESP_TOOL_MAX_PKTS];
	static struct rte_mbuf *orig[ESP_TOOL_MAX_PKTS];
	static struct frame fr[ESP_TOOL_MAX_PKTS];
	static bool ok[ESP_TOOL_MAX_PKTS];
	static struct esp_tool_pcap_out w;
	struct own_opts x = {
		.sad_key = DPSEC_SAD_SPI_DST,
		.backend = DPSEC_BACKEND_IPSEC_MB,
		.burst = 32,
	};
	const struct esp_tool_opt_spec spec = {
		.usage = usage,
		.window_max = UINT32_MAX,
		.own = own_lo,
		.own_opt = parse_own,
		.ctx = &x,
	};
	struct esp_tool_opts o;
	struct esp_tool_eal eal;
	struct dpsec_ctx_conf cc;
	struct dpsec_sa_conf sc;
	struct dpsec_ctx *ctx = NULL;
	struct dpsec_sa *sa = NULL;
	struct rte_mempool *mp = NULL;
	struct input in = { .pkts = pkts, .fr = fr };
	unsigned int nb = 0, i, off, nfail = 0, nok = 0;
	int rc, status = 2;

	if (esp_tool_parse_opts(argc, argv, &spec, &o) != 0)
		return 2;
	if (esp_tool_eal_init(&eal, argv[0], "dpsec-esp-tool", &o, NULL) != 0)
		return 2;

	mp = esp_tool_mbuf_pool("esp_tool_pool", ESP_TOOL_MAX_PKTS + 63);
	if (mp == NULL)
		goto out;
	memset(&cc, 0, sizeof(cc));
	cc.name = "esp_tool";
	cc.socket_id = SOCKET_ID_ANY;
	cc.max_sa = 4;
	cc.backend = x.backend;
	ctx = dpsec_create(&cc);
	if (ctx == NULL) {
		fprintf(stderr, "dpsec_create: %s\n", rte_strerror(rte_errno));
		goto out;
	}

	memset(&sc, 0, sizeof(sc));
	sc.spi = o.spi;
	sc.dir = o.egress ? DPSEC_SA_OUTBOUND : DPSEC_SA_INBOUND;
	sc.mode = o.tunnel ? DPSEC_SA_TUNNEL : DPSEC_SA_TRANSPORT;
	addr_of(o.src_fam, o.src, &sc.src);
	addr_of(o.dst_fam, o.dst, &sc.dst);
	sc.sad_key = x.sad_key;
	sc.cipher = cipher_of[o.cipher];
	sc.cipher_key = o.ckey_len ? o.ckey : NULL;
	sc.cipher_key_len = (uint16_t)o.ckey_len;
	sc.auth = auth_of[o.auth];
	sc.auth_key = o.akey_len ? o.akey : NULL;
	sc.auth_key_len = (uint16_t)o.akey_len;
	sc.flags = (o.esn ? DPSEC_SA_F_ESN : 0) | (o.natt ? DPSEC_SA_F_NATT : 0);
	sc.replay_window = o.egress ? 0 : o.window;
	sc.natt_sport = o.natt_sport;
	sc.natt_dport = o.natt_dport;
	sc.seq_start = x.seq_start;
	sc.offload = DPSEC_OFFLOAD_NONE;
	sa = dpsec_sa_create(ctx, &sc);
	if (sa == NULL) {
		fprintf(stderr, "dpsec_sa_create: %s\n",
			rte_strerror(rte_errno));
		goto out;
	}

	in.mp = mp;
	in.path = o.in;
	rc = esp_tool_pcap_read(o.in, read_frame, &in);
	nb = in.nb;
	memcpy(orig, pkts, nb * sizeof(*pkts));
	if (rc < 0)
		goto out;

	for (off = 0; off < nb; off += x.burst) {
		uint16_t n = (uint16_t)RTE_MIN(x.burst, nb - off), good, j;

		if (o.egress)
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

	if (esp_tool_pcap_create(&w, o.out) != 0)
		goto out;
	for (i = 0; i < nb; i++) {
		if (ok[i] && esp_tool_pcap_write(&w, i, &fr[i].ts, fr[i].eth,
						 orig[i]) != 0)
			goto out;
	}
	if (esp_tool_pcap_flush(&w) != 0)
		goto out;
	printf("dpsec-esp-tool: %s %u packets: %u ok, %u failed\n",
	       o.egress ? "outbound" : "inbound", nb, nok, nfail);
	status = (nfail == 0 || x.allow_fail) ? 0 : 1;
out:
	esp_tool_pcap_close(&w);
	for (i = 0; i < nb; i++)
		rte_pktmbuf_free(orig[i]);
	dpsec_free(ctx);
	/* Every packet the tool read went back (test_pool_full() says
	 * how many did not). */
	if (mp != NULL && !test_pool_full(mp)) {
		fprintf(stderr, "dpsec-esp-tool: mbufs missing at exit\n");
		status = 2;
	}
	rte_mempool_free(mp);
	esp_tool_eal_cleanup(&eal);
	return status;
}
