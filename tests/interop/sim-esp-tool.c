/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sim-esp-tool: run a pcap of Ethernet frames through ONE rte_security
 * INLINE_PROTOCOL session of the sim_inline PMD (linked in statically).
 *
 * pmd_interop.py and tshark_esp.sh use it to let the PMD's inline engine
 * encrypt packets that scapy/tshark then decrypt, and to let it decrypt
 * packets that scapy encrypted. The port is
 *   --vdev net_sim_inline0,wire=pcap,rx_pcap=IN[,tx_pcap=OUT]
 * with RTE_ETH_RX_OFFLOAD_SECURITY and RTE_ETH_TX_OFFLOAD_SECURITY, in
 * promiscuous mode, one RX and one TX queue.
 *
 *   egress:  the plaintext frames of IN are received from the port (the
 *            pcap wire delivers them), marked RTE_MBUF_F_TX_SEC_OFFLOAD
 *            with the session in their metadata and sent one at a time:
 *            the NIC's engine encrypts and tx_pcap writes OUT.
 *   ingress: an rte_flow rule ETH / IPV4|IPV6 (dst) / ESP (SPI) ->
 *            SECURITY(session) steers the ESP frames of IN to the engine;
 *            every received frame must carry RTE_MBUF_F_RX_SEC_OFFLOAD and
 *            not ..._FAILED; the decrypted frames are written to OUT with
 *            libpcap, in arrival order.
 *
 *   sim-esp-tool --dir egress|ingress --mode tunnel|transport --cipher C
 *       [--auth A] [--ckey HEX] [--akey HEX] --spi N --src ADDR --dst ADDR
 *       [--esn] [--esn-start N] [--natt SPORT:DPORT] [--window N]
 *       [--log-level LVL] [--mem MB] -i IN.pcap -o OUT.pcap
 *
 * Ciphers: null, aes-cbc-128, aes-cbc-256, aes-gcm-128, aes-gcm-256,
 * chacha20-poly1305 (AEAD keys end with the 4-byte salt, which goes to
 * ipsec.salt). Auth: none, sha1-96, sha256-128. --src/--dst: the tunnel
 * endpoints (their family is the tunnel's), or in transport mode the
 * hosts' addresses (used for the ingress flow rule only). --esn-start is
 * rte_security's esn.value: the first sequence number the SA uses
 * (egress), or one above the replay window's initial top (ingress); 0:
 * the start. --natt gives the UDP ports as the packets carry them (SA
 * udp.sport/udp.dport; ingress: DPORT is ours). --window: the ingress
 * replay window (default 64).
 *
 * EAL: --no-huge --no-pci -m MB (default 64) under a file prefix unique
 * to the process, whose runtime directory is removed at exit. Paths must
 * not contain ',' (they are devargs).
 *
 * Exit status: 0 if every packet went through, 1 if some failed, 2 on
 * usage/setup errors or when mbufs or sessions are missing from their
 * pools once the port is closed. Each failed packet is reported on
 * stderr as "packet N: WHAT", then the port's non-zero error xstats as
 * "xstat NAME=VALUE".
 *
 * The options both tools take, EAL setup and the pcap files are
 * esp_tool_common.c's (shared with dpsec-esp-tool).
 */
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_security.h>

#include "crypto.h"
#include "eal_fixture.h"
#include "esp_tool_common.h"

#define PORT_NAME "net_sim_inline0"

static const char usage[] =
	"usage: %s --dir egress|ingress --mode tunnel|transport --cipher C\n"
	"  [--auth none|sha1-96|sha256-128] [--ckey HEX] [--akey HEX]\n"
	"  --spi N --src ADDR --dst ADDR [--esn] [--esn-start N]\n"
	"  [--natt SPORT:DPORT] [--window N] [--log-level LVL]\n"
	"  [--mem MB] -i IN.pcap -o OUT.pcap\n"
	"ciphers: null aes-cbc-128 aes-cbc-256 aes-gcm-128 aes-gcm-256"
	" chacha20-poly1305\n";

static const struct option own_lo[] = {
	{ "esn-start", required_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 },
};

/* --esn-start, the only option of this tool's own. */
static int
parse_own(int c, const char *arg, void *ctx)
{
	return c == 'q' ? esp_tool_parse_u64(arg, UINT64_MAX, ctx) : -1;
}

/* The tool's algorithms in the crypto layer's table (crypto_algos.h),
 * where their sizes and rte_crypto ids are. */
static const enum dpsec_crypto_cipher tool_cipher[ESP_TOOL_CIPHER_MAX] = {
	[ESP_TOOL_CIPHER_NULL] = DPSEC_CRYPTO_CIPHER_NULL,
	[ESP_TOOL_CIPHER_AES_CBC_128] = DPSEC_CRYPTO_CIPHER_AES_CBC_128,
	[ESP_TOOL_CIPHER_AES_CBC_256] = DPSEC_CRYPTO_CIPHER_AES_CBC_256,
	[ESP_TOOL_CIPHER_AES_GCM_128] = DPSEC_CRYPTO_CIPHER_AES_GCM_128,
	[ESP_TOOL_CIPHER_AES_GCM_256] = DPSEC_CRYPTO_CIPHER_AES_GCM_256,
	[ESP_TOOL_CIPHER_CHACHA20_POLY1305] =
		DPSEC_CRYPTO_CIPHER_CHACHA20_POLY1305,
};

static const enum dpsec_crypto_auth tool_auth[ESP_TOOL_AUTH_MAX] = {
	[ESP_TOOL_AUTH_NONE] = DPSEC_CRYPTO_AUTH_NULL,
	[ESP_TOOL_AUTH_SHA1_96] = DPSEC_CRYPTO_AUTH_HMAC_SHA1_96,
	[ESP_TOOL_AUTH_SHA256_128] = DPSEC_CRYPTO_AUTH_HMAC_SHA256_128,
};

static void *
make_session(uint16_t port, struct rte_mempool *sess_mp,
	     const struct esp_tool_opts *o, uint64_t esn_start)
{
	struct rte_security_ctx *ctx = rte_eth_dev_get_sec_ctx(port);
	struct rte_security_session_conf conf;
	struct rte_security_ipsec_xform *x = &conf.ipsec;
	struct rte_crypto_sym_xform xf[2];
	const struct dpsec_crypto_cipher_info *ci =
		dpsec_crypto_cipher_info_get(tool_cipher[o->cipher]);
	const struct dpsec_crypto_auth_info *ai =
		dpsec_crypto_auth_info_get(tool_auth[o->auth]);
	bool aead = ci->aead;
	int want_ck = ci->key_len + ci->salt_len;	/* AEAD: key || salt */
	int algo;
	void *s;

	memset(&conf, 0, sizeof(conf));
	memset(xf, 0, sizeof(xf));
	if (o->ckey_len != want_ck) {
		fprintf(stderr, "--ckey: %d bytes, the cipher needs %d%s\n",
			o->ckey_len, want_ck, aead ? " (key + 4-byte salt)" : "");
		return NULL;
	}
	if (aead != (o->auth == ESP_TOOL_AUTH_NONE)) {
		fprintf(stderr, "--auth: AEAD ciphers take none, the others "
			"an HMAC\n");
		return NULL;
	}
	if (!aead && o->akey_len != ai->key_len) {
		fprintf(stderr, "--akey: %d bytes\n", o->akey_len);
		return NULL;
	}

	conf.action_type = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL;
	conf.protocol = RTE_SECURITY_PROTOCOL_IPSEC;
	conf.userdata = (void *)(uintptr_t)0x5e55;
	x->spi = o->spi;
	x->proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	x->direction = o->egress ? RTE_SECURITY_IPSEC_SA_DIR_EGRESS :
				   RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
	x->mode = o->tunnel ? RTE_SECURITY_IPSEC_SA_MODE_TUNNEL :
			      RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT;
	x->options.esn = o->esn;
	x->options.udp_encap = o->natt;
	x->esn.value = esn_start;
	x->replay_win_sz = o->egress ? 0 : o->window;
	if (o->natt) {
		x->udp.sport = o->natt_sport;
		x->udp.dport = o->natt_dport;
	}
	if (o->tunnel && o->dst_fam == 4) {
		x->tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
		memcpy(&x->tunnel.ipv4.src_ip, o->src, 4);
		memcpy(&x->tunnel.ipv4.dst_ip, o->dst, 4);
		x->tunnel.ipv4.ttl = 64;
	} else if (o->tunnel) {
		x->tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV6;
		memcpy(&x->tunnel.ipv6.src_addr, o->src, 16);
		memcpy(&x->tunnel.ipv6.dst_addr, o->dst, 16);
		x->tunnel.ipv6.hlimit = 64;
	}
	if (aead) {
		memcpy(&x->salt, o->ckey + o->ckey_len - 4, 4);
		dpsec_crypto_cipher_to_rte(tool_cipher[o->cipher], &xf[0].type,
					   &algo);
		xf[0].aead.algo = (enum rte_crypto_aead_algorithm)algo;
		xf[0].aead.op = o->egress ? RTE_CRYPTO_AEAD_OP_ENCRYPT :
					    RTE_CRYPTO_AEAD_OP_DECRYPT;
		xf[0].aead.key.data = o->ckey;
		xf[0].aead.key.length = ci->key_len;
		xf[0].aead.digest_length = ci->icv_len;
		xf[0].aead.aad_length = o->esn ? 12 : 8;
		xf[0].aead.iv.length = ci->nonce_len;
	} else {
		dpsec_crypto_cipher_to_rte(tool_cipher[o->cipher], &xf[0].type,
					   &algo);
		xf[0].cipher.algo = (enum rte_crypto_cipher_algorithm)algo;
		xf[0].cipher.op = o->egress ? RTE_CRYPTO_CIPHER_OP_ENCRYPT :
					      RTE_CRYPTO_CIPHER_OP_DECRYPT;
		xf[0].cipher.key.data = o->ckey_len ? o->ckey : NULL;
		xf[0].cipher.key.length = (uint16_t)o->ckey_len;
		xf[0].cipher.iv.length = ci->iv_len;
		xf[1].type = RTE_CRYPTO_SYM_XFORM_AUTH;
		dpsec_crypto_auth_to_rte(tool_auth[o->auth], &xf[1].auth.algo);
		xf[1].auth.op = o->egress ? RTE_CRYPTO_AUTH_OP_GENERATE :
					    RTE_CRYPTO_AUTH_OP_VERIFY;
		xf[1].auth.key.data = o->akey;
		xf[1].auth.key.length = (uint16_t)o->akey_len;
		xf[1].auth.digest_length = ai->icv_len;
		/* ESP order: encrypt then MAC, verify then decrypt. */
		if (o->egress) {
			xf[0].next = &xf[1];
		} else {
			struct rte_crypto_sym_xform t = xf[0];

			xf[0] = xf[1];
			xf[1] = t;
			xf[0].next = &xf[1];
		}
	}
	conf.crypto_xform = &xf[0];
	rte_errno = 0;
	s = rte_security_session_create(ctx, &conf, sess_mp);
	if (s == NULL)
		fprintf(stderr, "rte_security_session_create: %s\n",
			rte_errno ? rte_strerror(rte_errno) : "failed");
	return s;
}

static struct rte_flow *
make_flow(uint16_t port, void *sess, const struct esp_tool_opts *o)
{
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item_ipv4 v4 = { 0 }, v4m = { 0 };
	struct rte_flow_item_ipv6 v6 = { 0 }, v6m = { 0 };
	struct rte_flow_item_esp esp = { .hdr.spi = rte_cpu_to_be_32(o->spi) };
	struct rte_flow_item_esp esp_mask = { .hdr.spi = RTE_BE32(0xffffffff) };
	struct rte_flow_item pattern[4];
	struct rte_flow_action_security as = { .security_session = sess };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &as },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_error err;
	struct rte_flow *f;

	memset(pattern, 0, sizeof(pattern));
	pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
	if (o->dst_fam == 4) {
		memcpy(&v4.hdr.dst_addr, o->dst, 4);
		v4m.hdr.dst_addr = RTE_BE32(0xffffffff);
		pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV4;
		pattern[1].spec = &v4;
		pattern[1].mask = &v4m;
	} else {
		memcpy(v6.hdr.dst_addr, o->dst, 16);
		memset(v6m.hdr.dst_addr, 0xff, 16);
		pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV6;
		pattern[1].spec = &v6;
		pattern[1].mask = &v6m;
	}
	/* No UDP item: the rule covers NAT-T too (on the SA's port). */
	pattern[2].type = RTE_FLOW_ITEM_TYPE_ESP;
	pattern[2].spec = &esp;
	pattern[2].mask = &esp_mask;
	pattern[3].type = RTE_FLOW_ITEM_TYPE_END;
	memset(&err, 0, sizeof(err));
	f = rte_flow_create(port, &attr, pattern, actions, &err);
	if (f == NULL)
		fprintf(stderr, "rte_flow_create: %s\n",
			err.message ? err.message : "?");
	return f;
}

/* Print the port's non-zero xstats that are errors; return how many. */
static int
print_error_xstats(uint16_t port)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *xs = NULL;
	int n, i, k = 0;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n <= 0)
		return 0;
	names = calloc((size_t)n, sizeof(*names));
	xs = calloc((size_t)n, sizeof(*xs));
	if (names == NULL || xs == NULL ||
	    rte_eth_xstats_get_names(port, names, (unsigned int)n) != n ||
	    rte_eth_xstats_get(port, xs, (unsigned int)n) != n)
		goto out;
	for (i = 0; i < n; i++) {
		const char *s = names[xs[i].id].name;

		if (xs[i].value == 0)
			continue;
		if (strstr(s, "error") || strstr(s, "_bad") ||
		    strstr(s, "fail") || strstr(s, "replay") ||
		    strstr(s, "dead") || strstr(s, "no_sa") ||
		    strstr(s, "oversize") || strstr(s, "runt") ||
		    strstr(s, "filtered") || strstr(s, "missed") ||
		    strstr(s, "nombuf") || strstr(s, "full") ||
		    strstr(s, "discard") || strstr(s, "drop")) {
			fprintf(stderr, "xstat %s=%" PRIu64 "\n", s,
				xs[i].value);
			k++;
		}
	}
out:
	free(names);
	free(xs);
	return k;
}

/* Receive up to want frames: stop when idle for 300 ms after the last. */
static unsigned int
rx_all(uint16_t port, struct rte_mbuf **pkts, unsigned int want)
{
	uint64_t hz = rte_get_timer_hz(), last = rte_get_timer_cycles();
	unsigned int n = 0;

	while (n < want) {
		uint16_t k = rte_eth_rx_burst(port, 0, pkts + n,
					      (uint16_t)RTE_MIN(32u, want - n));

		if (k > 0) {
			n += k;
			last = rte_get_timer_cycles();
		} else if (rte_get_timer_cycles() - last > hz * 3 / 10) {
			break;
		} else {
			rte_delay_us_sleep(100);
		}
	}
	return n;
}

int
main(int argc, char **argv)
{
	static struct rte_mbuf *pkts[ESP_TOOL_MAX_PKTS];
	static struct esp_tool_pcap_out w;
	static char vdev[2 * PATH_MAX + 128];
	uint64_t esn_start = 0;
	const struct esp_tool_opt_spec spec = {
		.usage = usage,
		.dir_egress_ingress = true,
		.window_max = 4096,
		.own = own_lo,
		.own_opt = parse_own,
		.ctx = &esn_start,
	};
	struct esp_tool_opts o;
	struct esp_tool_eal eal;
	struct rte_mempool *mp = NULL, *sess_mp = NULL;
	struct rte_eth_conf pc;
	struct rte_eth_dev_info info;
	struct rte_security_ctx *sctx;
	struct rte_flow *flow = NULL;
	struct rte_flow_error ferr;
	void *sess = NULL;
	unsigned int nb = 0, i, nfail = 0, nok = 0;
	uint16_t port = RTE_MAX_ETHPORTS;
	bool port_up = false;
	int want, status = 2, ret;

	if (esp_tool_parse_opts(argc, argv, &spec, &o) != 0)
		return 2;
	if (o.src_fam != o.dst_fam) {
		fprintf(stderr, "%s: --src and --dst of different families\n",
			argv[0]);
		return 2;
	}
	if (strchr(o.in, ',') != NULL || strchr(o.out, ',') != NULL) {
		fprintf(stderr, "%s: pcap paths must not contain ','\n",
			argv[0]);
		return 2;
	}
	want = esp_tool_pcap_read(o.in, NULL, NULL);
	if (want < 0)
		return 2;
	if (o.egress)
		snprintf(vdev, sizeof(vdev), PORT_NAME ",wire=pcap,rx_pcap=%s,"
			 "tx_pcap=%s", o.in, o.out);
	else
		snprintf(vdev, sizeof(vdev), PORT_NAME ",wire=pcap,rx_pcap=%s",
			 o.in);
	if (esp_tool_eal_init(&eal, argv[0], "sim-esp-tool", &o, vdev) != 0)
		return 2;

	if (rte_eth_dev_get_port_by_name(PORT_NAME, &port) != 0) {
		fprintf(stderr, "no port %s\n", PORT_NAME);
		goto out;
	}
	mp = esp_tool_mbuf_pool("sim_tool_pool", 2 * ESP_TOOL_MAX_PKTS + 511);
	if (mp == NULL)
		goto out;
	if (rte_eth_dev_info_get(port, &info) != 0 ||
	    !(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SECURITY) ||
	    !(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_SECURITY)) {
		fprintf(stderr, "port %u: no SECURITY offloads\n", port);
		goto out;
	}
	memset(&pc, 0, sizeof(pc));
	pc.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SECURITY;
	pc.txmode.offloads = RTE_ETH_TX_OFFLOAD_SECURITY;
	ret = rte_eth_dev_configure(port, 1, 1, &pc);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(),
					     NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(),
					     NULL);
	if (ret != 0) {
		fprintf(stderr, "port setup: %s\n", rte_strerror(-ret));
		goto out;
	}
	sctx = rte_eth_dev_get_sec_ctx(port);
	if (sctx == NULL) {
		fprintf(stderr, "port %u: no security context\n", port);
		goto out;
	}
	sess_mp = rte_mempool_create("sim_tool_sess", 15,
				     rte_security_session_get_size(sctx),
				     0, 0, NULL, NULL, NULL, NULL,
				     SOCKET_ID_ANY, 0);
	if (sess_mp == NULL) {
		fprintf(stderr, "session pool: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	sess = make_session(port, sess_mp, &o, esn_start);
	if (sess == NULL)
		goto out;
	/* The rule before the port starts: no frame can slip past it. */
	if (!o.egress) {
		flow = make_flow(port, sess, &o);
		if (flow == NULL)
			goto out;
	}
	ret = rte_eth_promiscuous_enable(port);
	if (ret != 0) {
		fprintf(stderr, "promiscuous: %s\n", rte_strerror(-ret));
		goto out;
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0) {
		fprintf(stderr, "port start: %s\n", rte_strerror(-ret));
		goto out;
	}
	port_up = true;

	nb = rx_all(port, pkts, (unsigned int)want);
	if (nb != (unsigned int)want) {
		fprintf(stderr, "received %u of the %d frames of %s\n", nb,
			want, o.in);
		print_error_xstats(port);
		goto out;
	}

	if (o.egress) {
		struct rte_eth_stats st;
		uint64_t oerr = 0, opk = 0;

		rte_eth_stats_reset(port);
		for (i = 0; i < nb; i++) {
			struct rte_mbuf *m = pkts[i];
			uint16_t sent = 0;
			int tries = 0;

			pkts[i] = NULL;
			m->ol_flags = RTE_MBUF_F_TX_SEC_OFFLOAD;
			m->l2_len = RTE_ETHER_HDR_LEN;
			rte_security_set_pkt_metadata(sctx, sess, m, NULL);
			while (sent == 0 && tries++ < 1000) {
				sent = rte_eth_tx_burst(port, 0, &m, 1);
				if (sent == 0)
					rte_delay_us_sleep(100);
			}
			if (sent == 0) {
				rte_pktmbuf_free(m);
				fprintf(stderr, "packet %u: TX refused\n", i);
				nfail++;
				continue;
			}
			/* The engine runs in tx_burst: the drop is counted. */
			if (rte_eth_stats_get(port, &st) != 0) {
				fprintf(stderr, "stats_get failed\n");
				goto out;
			}
			if (st.oerrors != oerr) {
				fprintf(stderr, "packet %u: dropped by the "
					"TX engine (oerrors %" PRIu64 ")\n",
					i, st.oerrors);
				nfail++;
			} else if (st.opackets != opk + 1) {
				fprintf(stderr, "packet %u: not on the wire "
					"(opackets %" PRIu64 ")\n", i,
					st.opackets);
				nfail++;
			} else {
				nok++;
			}
			oerr = st.oerrors;
			opk = st.opackets;
		}
	} else {
		if (esp_tool_pcap_create(&w, o.out) != 0)
			goto out;
		for (i = 0; i < nb; i++) {
			struct rte_mbuf *m = pkts[i];
			struct timeval ts = { .tv_sec = (time_t)i };
			uint64_t fl = m->ol_flags;

			if (!(fl & RTE_MBUF_F_RX_SEC_OFFLOAD)) {
				fprintf(stderr, "packet %u: not processed by "
					"the inline engine (no "
					"RX_SEC_OFFLOAD)\n", i);
				nfail++;
				continue;
			}
			if (fl & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED) {
				fprintf(stderr, "packet %u: "
					"RX_SEC_OFFLOAD_FAILED\n", i);
				nfail++;
				continue;
			}
			if (*rte_security_dynfield(m) != 0x5e55) {
				fprintf(stderr, "packet %u: userdata 0x%" PRIx64
					" is not the session's\n", i,
					*rte_security_dynfield(m));
				nfail++;
				continue;
			}
			if (esp_tool_pcap_write(&w, i, &ts, NULL, m) != 0) {
				nfail++;
				continue;
			}
			nok++;
		}
		if (esp_tool_pcap_flush(&w) != 0)
			goto out;
	}
	if (nfail > 0)
		print_error_xstats(port);
	printf("sim-esp-tool: %s %u packets: %u ok, %u failed\n",
	       o.egress ? "egress" : "ingress", nb, nok, nfail);
	status = nfail == 0 ? 0 : 1;
out:
	for (i = 0; i < nb; i++)
		rte_pktmbuf_free(pkts[i]);
	esp_tool_pcap_close(&w);
	if (flow != NULL && rte_flow_destroy(port, flow, &ferr) != 0) {
		fprintf(stderr, "rte_flow_destroy failed\n");
		status = 2;
	}
	if (sess != NULL &&
	    rte_security_session_destroy(rte_eth_dev_get_sec_ctx(port),
					 sess) != 0) {
		fprintf(stderr, "rte_security_session_destroy failed\n");
		status = 2;
	}
	if (port_up && rte_eth_dev_stop(port) != 0) {
		fprintf(stderr, "port stop failed\n");
		status = 2;
	}
	/* close flushes and closes tx_pcap */
	if (port < RTE_MAX_ETHPORTS && rte_eth_dev_close(port) != 0) {
		fprintf(stderr, "port close failed\n");
		status = 2;
	}
	/* Everything back once the port is closed (test_pool_full() says
	 * which pool and how many are missing). */
	if ((mp != NULL && !test_pool_full(mp)) ||
	    (sess_mp != NULL && !test_pool_full(sess_mp))) {
		fprintf(stderr, "sim-esp-tool: mbufs or sessions missing at "
			"exit\n");
		status = 2;
	}
	rte_mempool_free(sess_mp);
	rte_mempool_free(mp);
	esp_tool_eal_cleanup(&eal);
	return status;
}
