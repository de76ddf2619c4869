/* SPDX-License-Identifier: BSD-3-Clause */
#include "sec_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "crypto.h"

const uint8_t sec_cipher_key[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
const uint8_t sec_auth_key[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};
const uint32_t sec_salt = 0xcafebabe;

struct rte_security_ctx *
sec_ctx(uint16_t port)
{
	return rte_eth_dev_get_sec_ctx(port);
}

struct rte_mempool *
sec_sess_pool(uint16_t port, unsigned int n)
{
	static unsigned int seq;
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "t_sess_%u", seq++);
	return rte_mempool_create(name, n,
				  rte_security_session_get_size(sec_ctx(port)),
				  0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY,
				  0);
}

void
sec_conf(const struct sec_sa *sa, bool egress,
	 struct rte_security_session_conf *conf,
	 struct rte_crypto_sym_xform xf[2])
{
	struct rte_security_ipsec_xform *x = &conf->ipsec;
	enum dpsec_crypto_cipher cc = sa->cbc ? DPSEC_CRYPTO_CIPHER_AES_CBC_128 :
						DPSEC_CRYPTO_CIPHER_AES_GCM_128;
	enum dpsec_crypto_auth ca = DPSEC_CRYPTO_AUTH_HMAC_SHA256_128;
	const struct dpsec_crypto_cipher_info *ci;
	int algo;

	memset(conf, 0, sizeof(*conf));
	memset(xf, 0, 2 * sizeof(*xf));
	conf->action_type = sa->action;
	conf->protocol = RTE_SECURITY_PROTOCOL_IPSEC;
	conf->userdata = (void *)(uintptr_t)sa->userdata;
	x->spi = sa->spi;
	x->salt = sec_salt;
	x->proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	x->direction = egress ? RTE_SECURITY_IPSEC_SA_DIR_EGRESS :
				RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
	x->mode = sa->tunnel ? RTE_SECURITY_IPSEC_SA_MODE_TUNNEL :
			       RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT;
	x->options.esn = sa->esn;
	x->options.udp_encap = sa->natt;
	x->esn.value = sa->esn_start;
	x->replay_win_sz = egress ? 0 : (sa->win ? sa->win : 64);
	x->life.packets_hard_limit = sa->pkt_hard;
	if (sa->tunnel && !sa->outer_v6) {
		x->tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
		x->tunnel.ipv4.src_ip.s_addr = rte_cpu_to_be_32(0x0a000001);
		x->tunnel.ipv4.dst_ip.s_addr = rte_cpu_to_be_32(0x0a000002);
		x->tunnel.ipv4.ttl = 64;
	} else if (sa->tunnel) {
		x->tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV6;
		x->tunnel.ipv6.src_addr.s6_addr[0] = 0xfd;
		x->tunnel.ipv6.src_addr.s6_addr[15] = 1;
		x->tunnel.ipv6.dst_addr.s6_addr[0] = 0xfd;
		x->tunnel.ipv6.dst_addr.s6_addr[15] = 2;
		x->tunnel.ipv6.hlimit = 64;
	}
	/* Sizes and rte_crypto ids from the one table (crypto_algos.h). */
	ci = dpsec_crypto_cipher_info_get(cc);
	if (dpsec_crypto_cipher_to_rte(cc, &xf[0].type, &algo) != 0)
		abort();
	if (!sa->cbc) {
		xf[0].aead.algo = (enum rte_crypto_aead_algorithm)algo;
		xf[0].aead.op = egress ? RTE_CRYPTO_AEAD_OP_ENCRYPT :
					 RTE_CRYPTO_AEAD_OP_DECRYPT;
		xf[0].aead.key.data = sec_cipher_key;
		xf[0].aead.key.length = ci->key_len;
		xf[0].aead.digest_length = ci->icv_len;
		xf[0].aead.aad_length = sa->esn ? 12 : 8;
		xf[0].aead.iv.length = ci->nonce_len;
	} else {
		xf[0].cipher.algo = (enum rte_crypto_cipher_algorithm)algo;
		xf[0].cipher.op = egress ? RTE_CRYPTO_CIPHER_OP_ENCRYPT :
					   RTE_CRYPTO_CIPHER_OP_DECRYPT;
		xf[0].cipher.key.data = sec_cipher_key;
		xf[0].cipher.key.length = ci->key_len;
		xf[0].cipher.iv.length = ci->iv_len;
		xf[0].next = &xf[1];
		xf[1].type = RTE_CRYPTO_SYM_XFORM_AUTH;
		if (dpsec_crypto_auth_to_rte(ca, &xf[1].auth.algo) != 0)
			abort();
		xf[1].auth.op = egress ? RTE_CRYPTO_AUTH_OP_GENERATE :
					 RTE_CRYPTO_AUTH_OP_VERIFY;
		xf[1].auth.key.data = sec_auth_key;
		xf[1].auth.key.length = dpsec_crypto_auth_info_get(ca)->key_len;
		xf[1].auth.digest_length =
			dpsec_crypto_auth_info_get(ca)->icv_len;
	}
	conf->crypto_xform = &xf[0];
}

void *
sec_session(uint16_t port, struct rte_mempool *mp, const struct sec_sa *sa,
	    bool egress)
{
	struct rte_security_session_conf conf;
	struct rte_crypto_sym_xform xf[2];

	sec_conf(sa, egress, &conf, xf);
	return rte_security_session_create(sec_ctx(port), &conf, mp);
}

struct rte_flow *
sec_flow(uint16_t port, void *sess, uint32_t spi)
{
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item_esp esp = { .hdr.spi = rte_cpu_to_be_32(spi) };
	struct rte_flow_item_esp esp_mask = { .hdr.spi = RTE_BE32(0xffffffff) };
	struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_ESP, .spec = &esp,
		  .mask = &esp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_security as = { .security_session = sess };
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &as },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_error err;
	struct rte_flow *f = rte_flow_create(port, &attr, pattern, actions,
					     &err);

	if (f == NULL)
		fprintf(stderr, "flow for SPI 0x%x: %s\n", spi,
			err.message ? err.message : "?");
	return f;
}

int
sec_port_start(uint16_t port, struct rte_mempool *rx_pool)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SECURITY;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_SECURITY;
	return test_port_start_simple(port, 1, 1, &conf, rx_pool);
}

void
sec_lens_set(struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t l2 = RTE_ETHER_HDR_LEN;
	const uint8_t *ip;

	if (m->data_len >= 18 && d[12] == 0x81 && d[13] == 0x00)
		l2 += 4;
	m->l2_len = l2;
	m->l3_len = 0;
	if (m->data_len < l2 + 20u)
		return;
	ip = d + l2;
	if ((ip[0] >> 4) == 4)
		m->l3_len = (ip[0] & 0xfu) * 4u;
	else if ((ip[0] >> 4) == 6)
		m->l3_len = 40;
}

void
sec_mark(uint16_t port, void *sess, struct rte_mbuf *m)
{
	m->ol_flags |= RTE_MBUF_F_TX_SEC_OFFLOAD;
	/* The NIC takes the header lengths from the mbuf, as hardware. */
	sec_lens_set(m);
	rte_security_set_pkt_metadata(sec_ctx(port), sess, m, NULL);
}

void
sec_stats(uint16_t port, void *sess, uint64_t *pkts, uint64_t *errs)
{
	struct rte_security_stats st;

	memset(&st, 0, sizeof(st));
	if (rte_security_session_stats_get(sec_ctx(port), sess, &st) != 0) {
		*pkts = *errs = UINT64_MAX;
		return;
	}
	*pkts = st.ipsec.ipackets + st.ipsec.opackets;
	*errs = st.ipsec.ierrors + st.ipsec.oerrors;
}

int
sec_pair_setup(void **state, const char *args0, const char *args1,
	       struct rte_mempool *sess_mp[2], unsigned int nb_sess)
{
	struct sim_pair *sp = calloc(1, sizeof(*sp));

	*state = sp;
	if (sp == NULL || sim_pair_create(sp, 0, args0, 1, args1) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (sec_port_start(sp->port[i], sp->rx_pool[i]) != 0)
			return -1;
		sess_mp[i] = sec_sess_pool(sp->port[i], nb_sess);
		if (sess_mp[i] == NULL)
			return -1;
	}
	return 0;
}

int
sec_pair_teardown(void **state, struct rte_mempool *sess_mp[2])
{
	/* Close the ports first: sessions they still hold get wiped. */
	int ret = sim_pair_teardown(state);

	for (int i = 0; i < 2; i++) {
		if (sess_mp[i] != NULL &&
		    rte_mempool_avail_count(sess_mp[i]) != sess_mp[i]->size) {
			fprintf(stderr, "session pool %d: %u of %u back\n", i,
				rte_mempool_avail_count(sess_mp[i]),
				sess_mp[i]->size);
			ret = -1;
		}
		rte_mempool_free(sess_mp[i]);
		sess_mp[i] = NULL;
	}
	return ret;
}

int
sec_sa_pair_make(const struct sim_pair *sp,
		 struct rte_mempool *const sess_mp[2],
		 const struct sec_sa *sa, const struct sec_sa *in_sa,
		 struct sec_sa_pair *p)
{
	memset(p, 0, sizeof(*p));
	p->spi = sa->spi;
	p->out = sec_session(sp->port[0], sess_mp[0], sa, true);
	p->in = sec_session(sp->port[1], sess_mp[1],
			    in_sa != NULL ? in_sa : sa, false);
	if (p->out == NULL || p->in == NULL)
		return -1;
	p->fl = sec_flow(sp->port[1], p->in, sa->spi);
	return p->fl != NULL ? 0 : -1;
}

int
sec_sa_pair_free(const struct sim_pair *sp, struct sec_sa_pair *p)
{
	int ret = 0, r;

	if (p->fl != NULL)
		ret = rte_flow_destroy(sp->port[1], p->fl, NULL);
	r = rte_security_session_destroy(sec_ctx(sp->port[1]), p->in);
	ret = ret != 0 ? ret : r;
	r = rte_security_session_destroy(sec_ctx(sp->port[0]), p->out);
	ret = ret != 0 ? ret : r;
	memset(p, 0, sizeof(*p));
	return ret;
}

uint16_t
sec_send_tagged(const struct sim_pair *sp, void *sess, uint32_t tag0,
		uint16_t n)
{
	struct rte_mbuf *m[SEC_SEND_MAX];
	uint16_t sent;

	if (n > SEC_SEND_MAX)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		struct test_frame f;

		sim_frame_init(&f, sp->port[0], sp->port[1], 4, TEST_L4_UDP,
			       64, tag0 + i);
		m[i] = test_frame_mbuf(sp->tx_pool, &f);
		if (m[i] == NULL) {
			test_free_bulk(m, i);
			return 0;
		}
		if (sess != NULL)
			sec_mark(sp->port[0], sess, m[i]);
	}
	sent = test_tx_all(sp->port[0], 0, m, n, 1000);
	test_free_bulk(m + sent, n - sent);
	return sent;
}

uint16_t
sec_recv(uint16_t port, struct rte_mbuf **pkts, uint16_t want, uint16_t cap)
{
	uint16_t got = test_rx_poll(port, 0, pkts, want, cap,
				    TEST_RX_TIMEOUT_MS);

	return got + test_rx_poll(port, 0, pkts + got, cap - got, cap - got,
				  TEST_QUIET_MS);
}
