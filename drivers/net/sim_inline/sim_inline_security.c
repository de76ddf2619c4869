/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's rte_security control path: capabilities, sessions in a
 * bounded SA table (-ENOSPC when full, like real silicon), session stats,
 * and the rte_flow SECURITY rules that steer ingress ESP to the engine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <stdio.h>

#include "dpsec_driver.h"
#include "rte_pmd_sim_inline.h"
#include "sim_inline.h"
#include "sim_inline_sec.h"
#include "sim_inline_tls.h"

/* What the engine computes, as cryptodev capabilities. */
static const struct rte_cryptodev_capabilities sim_crypto_caps[] = {
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_AEAD, .aead = {
			.algo = RTE_CRYPTO_AEAD_AES_GCM, .block_size = 16,
			.key_size = { .min = 16, .max = 32, .increment = 8 },
			.digest_size = { .min = 16, .max = 16, .increment = 0 },
			.aad_size = { .min = 8, .max = 12, .increment = 4 },
			.iv_size = { .min = 12, .max = 12, .increment = 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_AEAD, .aead = {
			.algo = RTE_CRYPTO_AEAD_CHACHA20_POLY1305,
			.block_size = 64,
			.key_size = { .min = 32, .max = 32, .increment = 0 },
			.digest_size = { .min = 16, .max = 16, .increment = 0 },
			.aad_size = { .min = 8, .max = 12, .increment = 4 },
			.iv_size = { .min = 12, .max = 12, .increment = 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_CIPHER, .cipher = {
			.algo = RTE_CRYPTO_CIPHER_AES_CBC, .block_size = 16,
			.key_size = { .min = 16, .max = 32, .increment = 8 },
			.iv_size = { .min = 16, .max = 16, .increment = 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_CIPHER, .cipher = {
			.algo = RTE_CRYPTO_CIPHER_NULL, .block_size = 1,
			.key_size = { .min = 0, .max = 0, .increment = 0 },
			.iv_size = { .min = 0, .max = 0, .increment = 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_AUTH, .auth = {
			.algo = RTE_CRYPTO_AUTH_SHA1_HMAC, .block_size = 64,
			.key_size = { .min = 1, .max = 64, .increment = 1 },
			.digest_size = { .min = 12, .max = 12, .increment = 0 },
			.iv_size = { 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_AUTH, .auth = {
			.algo = RTE_CRYPTO_AUTH_SHA256_HMAC, .block_size = 64,
			.key_size = { .min = 1, .max = 64, .increment = 1 },
			.digest_size = { .min = 16, .max = 16, .increment = 0 },
			.iv_size = { 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_AUTH, .auth = {
			.algo = RTE_CRYPTO_AUTH_SHA384_HMAC, .block_size = 128,
			.key_size = { .min = 1, .max = 128, .increment = 1 },
			.digest_size = { .min = 24, .max = 24, .increment = 0 },
			.iv_size = { 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_SYMMETRIC, .sym = {
		.xform_type = RTE_CRYPTO_SYM_XFORM_AUTH, .auth = {
			.algo = RTE_CRYPTO_AUTH_SHA512_HMAC, .block_size = 128,
			.key_size = { .min = 1, .max = 128, .increment = 1 },
			.digest_size = { .min = 32, .max = 32, .increment = 0 },
			.iv_size = { 0 } } } },
	{ .op = RTE_CRYPTO_OP_TYPE_UNDEFINED },
};

#define SIM_SA_OPTIONS { \
	.esn = 1, .udp_encap = 1, .copy_dscp = 1, .copy_flabel = 1, \
	.copy_df = 1, .dec_ttl = 1, .ecn = 1, .stats = 1, .iv_gen_disable = 1, \
	.tunnel_hdr_verify = RTE_SECURITY_IPSEC_TUNNEL_VERIFY_SRC_DST_ADDR, \
	.udp_ports_verify = 1, .ip_csum_enable = 1, .l4_csum_enable = 1, \
	.ip_reassembly_en = 1 }

#define SIM_CAP(act, m, dir) { \
	.action = RTE_SECURITY_ACTION_TYPE_ ## act, \
	.protocol = RTE_SECURITY_PROTOCOL_IPSEC, \
	.ipsec = { .proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP, \
		   .mode = RTE_SECURITY_IPSEC_SA_MODE_ ## m, \
		   .direction = RTE_SECURITY_IPSEC_SA_DIR_ ## dir, \
		   .replay_win_sz_max = SIM_SEC_MAX_REPLAY, \
		   .options = SIM_SA_OPTIONS }, \
	.crypto_capabilities = sim_crypto_caps, \
	.ol_flags = RTE_SECURITY_TX_OLOAD_NEED_MDATA }

static const struct rte_security_capability sim_sec_caps[] = {
	SIM_CAP(INLINE_PROTOCOL, TUNNEL, EGRESS),
	SIM_CAP(INLINE_PROTOCOL, TUNNEL, INGRESS),
	SIM_CAP(INLINE_PROTOCOL, TRANSPORT, EGRESS),
	SIM_CAP(INLINE_PROTOCOL, TRANSPORT, INGRESS),
	SIM_CAP(INLINE_CRYPTO, TUNNEL, EGRESS),
	SIM_CAP(INLINE_CRYPTO, TUNNEL, INGRESS),
	SIM_CAP(INLINE_CRYPTO, TRANSPORT, EGRESS),
	SIM_CAP(INLINE_CRYPTO, TRANSPORT, INGRESS),
	{ .action = RTE_SECURITY_ACTION_TYPE_NONE },
};

static const struct rte_security_capability *
sim_capabilities_get(void *device)
{
	RTE_SET_USED(device);
	return sim_sec_caps;
}

static unsigned int
sim_session_get_size(void *device)
{
	RTE_SET_USED(device);
	return sizeof(struct sim_sa);
}

/* Which crypto transforms, mapped onto the engine's algorithms. */
static int
parse_crypto(const struct rte_crypto_sym_xform *x, enum dpsec_crypto_cipher *c,
	     const uint8_t **ckey, uint16_t *ckey_len,
	     enum dpsec_crypto_auth *a, const uint8_t **akey,
	     uint16_t *akey_len, uint8_t *icv_len)
{
	const struct rte_crypto_cipher_xform *cx = NULL;
	const struct rte_crypto_auth_xform *ax = NULL;

	*a = DPSEC_CRYPTO_AUTH_NULL;
	*akey = NULL;
	*akey_len = 0;
	if (x == NULL)
		return -EINVAL;
	if (x->type == RTE_CRYPTO_SYM_XFORM_AEAD) {
		const struct rte_crypto_aead_xform *ae = &x->aead;

		if (x->next != NULL || ae->digest_length != 16)
			return -ENOTSUP;
		if (dpsec_crypto_cipher_from_rte(x->type, ae->algo,
						 ae->key.length, c) != 0)
			/* AES with a key length it has not: bad input */
			return ae->algo == RTE_CRYPTO_AEAD_AES_GCM ? -EINVAL :
								     -ENOTSUP;
		*ckey = ae->key.data;
		*ckey_len = ae->key.length;
		*icv_len = 16;
		return 0;
	}
	for (; x != NULL; x = x->next) {
		if (x->type == RTE_CRYPTO_SYM_XFORM_CIPHER && cx == NULL)
			cx = &x->cipher;
		else if (x->type == RTE_CRYPTO_SYM_XFORM_AUTH && ax == NULL)
			ax = &x->auth;
		else
			return -EINVAL;
	}
	if (cx == NULL || ax == NULL)
		return -ENOTSUP;	/* ESP without integrity */
	/* The NULL cipher takes any key it is given (and ignores it). */
	if (dpsec_crypto_cipher_from_rte(RTE_CRYPTO_SYM_XFORM_CIPHER, cx->algo,
			cx->algo == RTE_CRYPTO_CIPHER_NULL ? 0 : cx->key.length,
			c) != 0)
		return cx->algo == RTE_CRYPTO_CIPHER_AES_CBC ? -EINVAL :
							       -ENOTSUP;
	if (dpsec_crypto_auth_from_rte(ax->algo, ax->digest_length, a) != 0)
		return -ENOTSUP;
	*ckey = cx->key.data;
	*ckey_len = cx->key.length;
	*akey = ax->key.data;
	*akey_len = ax->key.length;
	*icv_len = ax->digest_length;
	return 0;
}

/*
 * With iv_gen_disable the IV comes from ETH_SEC_IV_OVR, "0x12, 0x34, ...",
 * as the cnxk PMDs take it (DPDK's suite uses it for known vectors).
 */
static int
parse_iv_ovr(struct sim_sa *sa)
{
	const char *s = getenv("ETH_SEC_IV_OVR");
	unsigned int n = 0;
	char *end;

	if (s == NULL)
		return -EINVAL;
	while (*s != '\0' && n < sa->iv_len) {
		unsigned long v;

		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		v = strtoul(s, &end, 0);
		if (end == s || v > 0xff)
			return -EINVAL;
		sa->iv_ovr_val[n++] = (uint8_t)v;
		s = end;
	}
	return n == sa->iv_len ? 0 : -EINVAL;
}

static int
check_options(const struct rte_security_ipsec_xform *x)
{
	struct rte_security_ipsec_sa_options o = x->options;
	struct rte_security_ipsec_sa_options none;

	/* Clear what we support; anything left is not ours. */
	o.esn = o.udp_encap = o.copy_dscp = o.copy_flabel = o.copy_df = 0;
	o.dec_ttl = o.ecn = o.stats = o.iv_gen_disable = o.udp_ports_verify = 0;
	o.ip_csum_enable = o.l4_csum_enable = 0;
	o.tunnel_hdr_verify = 0;
	o.ip_reassembly_en = 0;	/* checked in session_create */
	memset(&none, 0, sizeof(none));
	if (memcmp(&o, &none, sizeof(o)) != 0)
		return -ENOTSUP;
	if (x->proto != RTE_SECURITY_IPSEC_SA_PROTO_ESP)
		return -ENOTSUP;
	if (x->replay_win_sz > SIM_SEC_MAX_REPLAY)
		return -ENOTSUP;
	if ((x->direction != RTE_SECURITY_IPSEC_SA_DIR_EGRESS &&
	     x->direction != RTE_SECURITY_IPSEC_SA_DIR_INGRESS) ||
	    (x->mode != RTE_SECURITY_IPSEC_SA_MODE_TUNNEL &&
	     x->mode != RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT) ||
	    (x->mode == RTE_SECURITY_IPSEC_SA_MODE_TUNNEL &&
	     x->tunnel.type != RTE_SECURITY_IPSEC_TUNNEL_IPV4 &&
	     x->tunnel.type != RTE_SECURITY_IPSEC_TUNNEL_IPV6))
		return -EINVAL;
	return 0;
}

static void
build_tunnel_hdr(struct sim_sa *sa)
{
	const struct rte_security_ipsec_tunnel_param *t = &sa->x.tunnel;
	uint8_t proto = sa->udp ? IPPROTO_UDP : IPPROTO_ESP;

	if (t->type == RTE_SECURITY_IPSEC_TUNNEL_IPV4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)sa->hdr;

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->time_to_live = t->ipv4.ttl ? t->ipv4.ttl : 64;
		ip->next_proto_id = proto;
		memcpy(&ip->src_addr, &t->ipv4.src_ip, 4);
		memcpy(&ip->dst_addr, &t->ipv4.dst_ip, 4);
		sa->hdr_len = sizeof(*ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)sa->hdr;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->proto = proto;
		ip->hop_limits = t->ipv6.hlimit ? t->ipv6.hlimit : 64;
		memcpy(ip->src_addr, &t->ipv6.src_addr, 16);
		memcpy(ip->dst_addr, &t->ipv6.dst_addr, 16);
		sa->hdr_len = sizeof(*ip);
	}
}

/*
 * The application's RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN, when it registered
 * one of the contract's shape (a uint64_t at an 8-byte aligned offset).
 * Looked up when an ingress inline-protocol SA arrives, never per packet.
 */
static void
esp_sn_lookup(struct sim_port *p)
{
	struct rte_mbuf_dynfield d;
	int off = rte_mbuf_dynfield_lookup(RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN,
					   &d);

	if (off >= 0 && (d.size != sizeof(uint64_t) ||
			 off % __alignof__(uint64_t) != 0)) {
		SIM_LOG(ERR, "%s: dynfield %s is not a uint64_t: not filled",
			p->dev->data->name, RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN);
		off = -1;
	}
	__atomic_store_n(&p->sec->esp_sn_off, off < 0 ? -1 : off,
			 __ATOMIC_RELAXED);
}

/* Is @sa in @sec's table? Pointers only: handles are not trusted. Called
 * with sec->lock held. */
static bool
sa_live(const struct sim_sec *sec, const struct sim_sa *sa)
{
	return sa->table_idx >= 0 && (uint32_t)sa->table_idx < sec->max_sa &&
	       sec->table[sa->table_idx] == sa;
}

/* Is @sa one of the SAs a reset took out of @sec's table? Called with
 * sec->lock held. */
static bool
sa_lost(const struct sim_sec *sec, const struct sim_sa *sa)
{
	const struct sim_sa *l;

	TAILQ_FOREACH(l, &sec->lost, lost_next)
		if (l == sa)
			return true;
	return false;
}

bool
sim_sec_is_lost(struct sim_sec *sec, uint64_t md)
{
	bool lost;

	rte_spinlock_lock(&sec->lock);
	lost = sa_lost(sec, (const struct sim_sa *)(uintptr_t)md);
	rte_spinlock_unlock(&sec->lock);
	return lost;
}

static int
session_create(void *device, struct rte_security_session_conf *conf,
	       struct rte_security_session *sess);

/*
 * DPDK 22.11's rte_security_session_create() returns NULL without the
 * driver's reason: leave it in rte_errno (ENOSPC: table full; ENOTSUP;
 * EINVAL; ENOMEM), as the library itself does not touch it.
 */
static int
sim_session_create(void *device, struct rte_security_session_conf *conf,
		   struct rte_security_session *sess)
{
	int ret = session_create(device, conf, sess);

	if (ret != 0)
		rte_errno = -ret;
	return ret;
}

/*
 * The engine's crypto state (IPsec-MB managers, one per EAL lcore and one
 * shared) is made when the first SA needs it, not at probe: it lives in
 * the C heap, outside DPDK's memory, and an application whose
 * rte_eal_init() fails after the probe and exits without rte_eal_cleanup()
 * would leave it behind. sim_sec_fini() (close, remove, rte_eal_cleanup())
 * frees it. 0 or -ENOMEM.
 */
static int
engines_start(struct sim_port *p)
{
	struct sim_sec *sec = p->sec;
	struct dpsec_crypto_engine *any;
	unsigned int lc;
	int ret = 0;

	if (__atomic_load_n(&sec->eng_any, __ATOMIC_ACQUIRE) != NULL)
		return 0;
	rte_spinlock_lock(&sec->eng_lock);
	if (sec->eng_any != NULL)
		goto out;
	RTE_LCORE_FOREACH(lc) {
		if (sec->eng[lc] != NULL)
			continue;
		sec->eng[lc] = dpsec_crypto_engine_create(DPSEC_CRYPTO_IPSEC_MB);
		if (sec->eng[lc] == NULL)
			goto nomem;
	}
	any = dpsec_crypto_engine_create(DPSEC_CRYPTO_IPSEC_MB);
	if (any == NULL)
		goto nomem;
	__atomic_store_n(&sec->eng_any, any, __ATOMIC_RELEASE);
	goto out;
nomem:
	/* What was made stays for the next try; fini frees it. */
	SIM_LOG(ERR, "%s: cannot create the crypto engine",
		p->dev->data->name);
	ret = -ENOMEM;
out:
	rte_spinlock_unlock(&sec->eng_lock);
	return ret;
}

static int
session_create(void *device, struct rte_security_session_conf *conf,
	       struct rte_security_session *sess)
{
	struct rte_eth_dev *dev = device;
	struct sim_port *p = dev->data->dev_private;
	struct sim_sec *sec = p->sec;
	struct sim_sa *sa = SECURITY_GET_SESS_PRIV(sess);
	const struct rte_security_ipsec_xform *x = &conf->ipsec;
	enum dpsec_crypto_cipher c;
	enum dpsec_crypto_auth a;
	const struct dpsec_crypto_cipher_info *ci;
	const uint8_t *ckey, *akey;
	uint16_t ckey_len, akey_len;
	uint8_t icv_len;
	size_t rsz = 0;
	uint32_t i;
	int ret;

	if ((conf->action_type != RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL &&
	     conf->action_type != RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO) ||
	    conf->protocol != RTE_SECURITY_PROTOCOL_IPSEC)
		return -ENOTSUP;
	ret = check_options(x);
	/* ip_reassembly_en on ingress: inline protocol, on a port whose
	 * reassembly is configured (rte_eth_ip_reassembly_conf_set). Egress
	 * SAs ignore it. */
	if (ret == 0 && x->options.ip_reassembly_en &&
	    x->direction == RTE_SECURITY_IPSEC_SA_DIR_INGRESS &&
	    (conf->action_type != RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL ||
	     !sim_reass_enabled(p)))
		ret = -ENOTSUP;
	if (ret == 0)
		ret = parse_crypto(conf->crypto_xform, &c, &ckey, &ckey_len,
				   &a, &akey, &akey_len, &icv_len);
	if (ret != 0) {
		SIM_LOG(ERR, "%s: session for SPI 0x%x: %s", dev->data->name,
			x->spi, ret == -ENOTSUP ? "unsupported algorithm or "
			"option" : "invalid transform");
		return ret;
	}
	ret = engines_start(p);
	if (ret != 0)
		return ret;
	memset(sa, 0, sizeof(*sa));
	ci = dpsec_crypto_cipher_info_get(c);
	sa->port = p;
	sa->sess = sess;
	sa->userdata = (uint64_t)(uintptr_t)conf->userdata;
	sa->action = conf->action_type;
	sa->x = *x;
	sa->spi_be = rte_cpu_to_be_32(x->spi);
	sa->egress = x->direction == RTE_SECURITY_IPSEC_SA_DIR_EGRESS;
	sa->tunnel = x->mode == RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
	sa->aead = ci->aead;
	sa->esn = x->options.esn;
	sa->udp = x->options.udp_encap;
	sa->iv_len = ci->iv_len;
	sa->icv_len = icv_len;
	sa->pad_align = ci->pad_align;
	memcpy(sa->salt, &x->salt, 4);
	/* esn.value is the first SN to use (as cnxk reads it); 0: start. */
	sa->seq = x->esn.value ? x->esn.value - 1 : 0;
	sa->table_idx = -1;
	rte_spinlock_init(&sa->lock);
	if (sa->udp && sa->x.udp.sport == 0)
		sa->x.udp.sport = 4500;
	if (sa->udp && sa->x.udp.dport == 0)
		sa->x.udp.dport = 4500;
	if (sa->tunnel)
		build_tunnel_hdr(sa);
	if (sa->egress && x->options.iv_gen_disable && sa->iv_len > 0) {
		if (parse_iv_ovr(sa) != 0) {
			SIM_LOG(ERR, "%s: iv_gen_disable needs ETH_SEC_IV_OVR "
				"with %u bytes", dev->data->name, sa->iv_len);
			return -EINVAL;
		}
		sa->iv_ovr = true;
	}

	if (!sa->egress)
		rsz = dpsec_replay_size(x->replay_win_sz);
	sa->key = rte_zmalloc("sim_sa_key", dpsec_crypto_key_size() + rsz,
			      RTE_CACHE_LINE_SIZE);
	if (sa->key == NULL)
		return -ENOMEM;
	ret = dpsec_crypto_key_init(sa->key, DPSEC_CRYPTO_IPSEC_MB, c, ckey,
				    ckey_len, a, akey, akey_len);
	if (ret != 0)
		goto fail;
	if (!sa->egress) {
		sa->replay = (struct dpsec_replay *)((uint8_t *)sa->key +
						     dpsec_crypto_key_size());
		ret = dpsec_replay_init(sa->replay, rsz, x->replay_win_sz,
					sa->esn);
		if (ret != 0)
			goto fail;
		dpsec_replay_start(sa->replay, sa->seq);
		if (sa->action == RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL)
			esp_sn_lookup(p);
	}

	rte_spinlock_lock(&sec->lock);
	if (sec->nb_sa >= sec->max_sa) {
		rte_spinlock_unlock(&sec->lock);
		sim_count(p, SIM_XS_sec_table_full, 1);
		ret = -ENOSPC;
		goto fail;
	}
	for (i = 0; i < sec->nb_sa + 1 && sec->table[i] != NULL; i++)
		;
	sa->table_idx = (int32_t)i;
	sec->table[i] = sa;
	sec->nb_sa++;
	rte_spinlock_unlock(&sec->lock);

	sess->fast_mdata = (uint64_t)(uintptr_t)sa;
	return 0;
fail:
	dpsec_crypto_key_wipe(sa->key);
	rte_free(sa->key);
	sa->key = NULL;
	return ret;
}

/*
 * A non-zero esn.value on update is read as at create: the first SN to
 * use. Egress: the next packet gets @v, within the sequence space, also
 * backwards (as cnxk rewrites its SA, and as DPDK's anti-replay tests
 * need): not reusing a number is the application's duty (RFC 4303
 * section 3.3.3; dpsec only moves it forward). Ingress: the window's top moves up to @v - 1 as if that number
 * had been received (the bits of the new range clear), never down, so ESN
 * inference (RFC 4303 A2.1) works near @v. Called with sa->lock held;
 * -EINVAL leaves the SA as it was.
 */
static int
seq_move(struct sim_sa *sa, uint64_t v)
{
	if (!sa->esn && v > UINT32_MAX)
		return -EINVAL;
	if (sa->egress) {
		sa->seq = v - 1;
		return 0;
	}
	if (v - 1 > dpsec_replay_top(sa->replay) &&
	    dpsec_replay_update(sa->replay, v - 1) != 0)
		return -EINVAL;
	return 0;
}

static int
sim_session_update(void *device, struct rte_security_session *sess,
		   struct rte_security_session_conf *conf)
{
	struct rte_eth_dev *dev = device;
	struct sim_port *p = dev->data->dev_private;
	struct sim_sec *sec = p->sec;
	struct sim_sa *sa = SECURITY_GET_SESS_PRIV(sess);
	int ret = 0;

	rte_spinlock_lock(&sec->lock);
	if (sa_lost(sec, sa)) {
		ret = -ENOENT;	/* a reset took it out of the NIC */
	} else if (!sa_live(sec, sa)) {
		ret = -EINVAL;
	} else if (conf->ipsec.spi != sa->x.spi ||
		   conf->ipsec.direction != sa->x.direction ||
		   conf->ipsec.mode != sa->x.mode) {
		/* Keys and selectors are fixed. */
		ret = -ENOTSUP;
	} else {
		/* Sequence state, lifetimes and userdata may change, all
		 * or nothing. */
		rte_spinlock_lock(&sa->lock);
		if (conf->ipsec.esn.value != 0)
			ret = seq_move(sa, conf->ipsec.esn.value);
		if (ret == 0) {
			sa->x.life = conf->ipsec.life;
			sa->userdata = (uint64_t)(uintptr_t)conf->userdata;
		}
		rte_spinlock_unlock(&sa->lock);
	}
	rte_spinlock_unlock(&sec->lock);
	return ret;
}

static int
sim_session_stats_get(void *device, struct rte_security_session *sess,
		      struct rte_security_stats *st)
{
	struct sim_sa *sa;

	RTE_SET_USED(device);
	if (sess == NULL)
		return -EINVAL;
	sa = SECURITY_GET_SESS_PRIV(sess);
	memset(st, 0, sizeof(*st));
	st->protocol = RTE_SECURITY_PROTOCOL_IPSEC;
	rte_spinlock_lock(&sa->lock);
	if (sa->egress) {
		st->ipsec.opackets = sa->pkts;
		st->ipsec.obytes = sa->bytes;
		st->ipsec.oerrors = sa->errors;
	} else {
		st->ipsec.ipackets = sa->pkts;
		st->ipsec.ibytes = sa->bytes;
		st->ipsec.ierrors = sa->errors;
	}
	rte_spinlock_unlock(&sa->lock);
	return 0;
}

static int
sim_session_destroy(void *device, struct rte_security_session *sess)
{
	struct rte_eth_dev *dev = device;
	struct sim_port *p = dev->data->dev_private;
	struct sim_sec *sec = p->sec;
	struct sim_sa *sa = SECURITY_GET_SESS_PRIV(sess);
	struct rte_flow *f;

	rte_spinlock_lock(&sec->lock);
	if (sa_lost(sec, sa)) {
		/* The NIC forgot it in a reset; free what is left. */
		TAILQ_REMOVE(&sec->lost, sa, lost_next);
	} else if (sa_live(sec, sa)) {
		sec->table[sa->table_idx] = NULL;
		sec->nb_sa--;
	} else {
		rte_spinlock_unlock(&sec->lock);
		return -EINVAL;	/* not one of ours: netdevsim's rule */
	}
	TAILQ_FOREACH(f, &sec->flows, next)
		if (f->sa == sa)
			f->sa = NULL, f->has_spi = true,
			f->spi_be = 0;	/* the rule now matches nothing */
	rte_spinlock_unlock(&sec->lock);
	sim_reass_flush(p, sa, SIM_XS_rx_reass_drop);	/* its fragments */

	dpsec_crypto_key_wipe(sa->key);
	rte_free(sa->key);
	memset(sa, 0, sizeof(*sa));
	return 0;
}

static int
sim_set_pkt_metadata(void *device, struct rte_security_session *sess,
		     struct rte_mbuf *m, void *params)
{
	RTE_SET_USED(device);
	RTE_SET_USED(params);
	*rte_security_dynfield(m) = sess->fast_mdata;
	return 0;
}

static const struct rte_security_ops sim_sec_ops = {
	.session_create = sim_session_create,
	.session_update = sim_session_update,
	.session_get_size = sim_session_get_size,
	.session_stats_get = sim_session_stats_get,
	.session_destroy = sim_session_destroy,
	.set_pkt_metadata = sim_set_pkt_metadata,
	.capabilities_get = sim_capabilities_get,
};

/* The SA an ingress ESP packet belongs to, by SPI, or NULL. */
struct sim_sa *
sim_sec_lookup_spi(struct sim_sec *sec, uint32_t spi_be)
{
	uint32_t i;

	for (i = 0; i < sec->max_sa; i++) {
		struct sim_sa *sa = sec->table[i];

		if (sa != NULL && !sa->egress && sa->spi_be == spi_be)
			return sa;
	}
	return NULL;
}

int
sim_sec_init(struct sim_port *p)
{
	struct rte_eth_dev *dev = p->dev;
	struct sim_sec *sec;

	if (rte_security_dynfield_register() < 0) {
		SIM_LOG(ERR, "%s: cannot register the security dynfield",
			dev->data->name);
		return -rte_errno;
	}
	sec = rte_zmalloc("sim_sec", sizeof(*sec), RTE_CACHE_LINE_SIZE);
	if (sec == NULL)
		return -ENOMEM;
	sec->max_sa = p->da.max_sa;
	sec->table = rte_zmalloc("sim_sa_table",
				 sec->max_sa * sizeof(sec->table[0]), 0);
	if (sec->table == NULL)
		goto nomem;
	rte_spinlock_init(&sec->lock);
	rte_spinlock_init(&sec->eng_lock);
	TAILQ_INIT(&sec->flows);
	TAILQ_INIT(&sec->lost);
	sec->esp_sn_off = -1;
	/* The crypto engines come with the first SA (engines_start()). */
	{
		char name[RTE_MEMPOOL_NAMESIZE];

		snprintf(name, sizeof(name), "simsec%u", dev->data->port_id);
		sec->jumbo = rte_pktmbuf_pool_create(name, SIM_JUMBO_POOL, 32,
				0, RTE_PKTMBUF_HEADROOM + SIM_JUMBO_ROOM,
				dev->device->numa_node);
		if (sec->jumbo == NULL)
			goto nomem;
	}
	sec->ctx.device = dev;
	sec->ctx.ops = &sim_sec_ops;
	sec->ctx.flags = RTE_SEC_CTX_F_FAST_SET_MDATA;
	p->sec = sec;
	dev->security_ctx = &sec->ctx;
	return 0;
nomem:
	p->sec = sec;
	sim_sec_fini(p);
	return -ENOMEM;
}

/* dpsec's driver interface: the SA table rte_security cannot report. */
static int
sim_sa_table(uint16_t port_id, uint32_t *size, uint32_t *used)
{
	struct rte_eth_dev *dev;
	struct sim_sec *sec;

	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	dev = &rte_eth_devices[port_id];
	if (!sim_is_sim_port(dev))
		return -ENODEV;
	sec = ((struct sim_port *)dev->data->dev_private)->sec;
	if (sec == NULL)
		return -ENODEV;
	rte_spinlock_lock(&sec->lock);
	*size = sec->max_sa;
	*used = sec->nb_sa;
	rte_spinlock_unlock(&sec->lock);
	return 0;
}

const struct dpsec_drv_ipsec_ops sim_ipsec_ops = {
	.sa_table = sim_sa_table,
};

/*
 * Like a NIC or firmware reset: the SA table and the flow rules are gone,
 * and so are the TLS contexts (sim_tls_reset()).
 * The application still holds its session and flow handles: they stay on
 * the lost list and the flow list (marked lost: they match nothing) until
 * it destroys them, which then frees what is left.
 */
void
sim_sec_reset(struct sim_port *p)
{
	struct sim_sec *sec = p->sec;
	struct rte_flow *f;
	uint32_t i, n = 0;

	if (sec == NULL)
		return;
	rte_spinlock_lock(&sec->lock);
	for (i = 0; i < sec->max_sa; i++) {
		struct sim_sa *sa = sec->table[i];

		if (sa == NULL)
			continue;
		sec->table[i] = NULL;
		sa->table_idx = -1;
		sa->lost = true;
		TAILQ_INSERT_TAIL(&sec->lost, sa, lost_next);
		n++;
	}
	sec->nb_sa = 0;
	TAILQ_FOREACH(f, &sec->flows, next)
		f->lost = true;
	rte_spinlock_unlock(&sec->lock);
	sim_reass_flush(p, NULL, SIM_XS_rx_reass_drop);	/* their frags */
	sim_tls_reset(p);
	SIM_LOG(INFO, "%s: inline IPsec engine reset: %u SAs lost",
		p->dev->data->name, n);
}

/* Wipe and free an SA's keys (and window) at close: the application
 * leaked its session. */
static void
sa_key_free(struct sim_sa *sa)
{
	dpsec_crypto_key_wipe(sa->key);
	rte_free(sa->key);
	sa->key = NULL;
}

void
sim_sec_fini(struct sim_port *p)
{
	struct sim_sec *sec = p->sec;
	struct rte_flow *f;
	struct sim_sa *sa;
	unsigned int i;

	if (sec == NULL)
		return;
	while ((f = TAILQ_FIRST(&sec->flows)) != NULL) {
		TAILQ_REMOVE(&sec->flows, f, next);
		rte_free(f);
	}
	for (i = 0; sec->table != NULL && i < sec->max_sa; i++)
		if (sec->table[i] != NULL)
			sa_key_free(sec->table[i]);
	while ((sa = TAILQ_FIRST(&sec->lost)) != NULL) {
		TAILQ_REMOVE(&sec->lost, sa, lost_next);
		sa_key_free(sa);
	}
	for (i = 0; i < RTE_MAX_LCORE; i++)
		dpsec_crypto_engine_free(sec->eng[i]);
	dpsec_crypto_engine_free(sec->eng_any);
	rte_mempool_free(sec->jumbo);
	rte_free(sec->table);
	rte_free(sec);
	p->sec = NULL;
	p->dev->security_ctx = NULL;
}

/* --- rte_flow: ingress SECURITY rules --------------------------------- */

static int
flow_err(struct rte_flow_error *e, int code, const void *cause,
	 const char *msg)
{
	return rte_flow_error_set(e, code, RTE_FLOW_ERROR_TYPE_UNSPECIFIED,
				  cause, msg);
}

static int
flow_parse(struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
	   const struct rte_flow_item items[],
	   const struct rte_flow_action actions[], struct rte_flow *f,
	   struct rte_flow_error *e)
{
	struct sim_port *p = dev->data->dev_private;
	const struct rte_flow_item *it;
	const struct rte_flow_action *ac;
	bool esp = false, sec = false;

	memset(f, 0, sizeof(*f));
	if (attr == NULL || items == NULL || actions == NULL)
		return flow_err(e, EINVAL, NULL, "attr, pattern and actions needed");
	if (!attr->ingress || attr->egress || attr->transfer || attr->group)
		return flow_err(e, ENOTSUP, attr, "only ingress, group 0");
	for (it = items; it->type != RTE_FLOW_ITEM_TYPE_END; it++) {
		if (it->last != NULL)
			return flow_err(e, ENOTSUP, it, "ranges not supported");
		switch (it->type) {
		case RTE_FLOW_ITEM_TYPE_ETH:
		case RTE_FLOW_ITEM_TYPE_VOID:
			break;
		case RTE_FLOW_ITEM_TYPE_IPV4: {
			const struct rte_flow_item_ipv4 *s = it->spec, *m = it->mask;

			f->family = 4;
			if (s != NULL) {
				if (m == NULL)
					m = &rte_flow_item_ipv4_mask;
				if (m->hdr.dst_addr) {
					f->has_dst = true;
					memcpy(f->dst, &s->hdr.dst_addr, 4);
				}
				if (m->hdr.src_addr) {
					f->has_src = true;
					memcpy(f->src, &s->hdr.src_addr, 4);
				}
			}
			break;
		}
		case RTE_FLOW_ITEM_TYPE_IPV6: {
			const struct rte_flow_item_ipv6 *s = it->spec, *m = it->mask;
			static const uint8_t zero[16];

			f->family = 6;
			if (s != NULL) {
				if (m == NULL)
					m = &rte_flow_item_ipv6_mask;
				if (memcmp(m->hdr.dst_addr, zero, 16)) {
					f->has_dst = true;
					memcpy(f->dst, s->hdr.dst_addr, 16);
				}
				if (memcmp(m->hdr.src_addr, zero, 16)) {
					f->has_src = true;
					memcpy(f->src, s->hdr.src_addr, 16);
				}
			}
			break;
		}
		case RTE_FLOW_ITEM_TYPE_UDP:
			f->udp = true;
			break;
		case RTE_FLOW_ITEM_TYPE_ESP: {
			const struct rte_flow_item_esp *s = it->spec, *m = it->mask;

			esp = true;
			if (s != NULL && (m == NULL || m->hdr.spi != 0)) {
				f->has_spi = true;
				f->spi_be = s->hdr.spi;
			}
			break;
		}
		default:
			return flow_err(e, ENOTSUP, it, "pattern item not supported: "
					"ETH / IPV4|IPV6 / [UDP] / ESP");
		}
	}
	if (!esp)
		return flow_err(e, ENOTSUP, items, "pattern must end in ESP");
	for (ac = actions; ac->type != RTE_FLOW_ACTION_TYPE_END; ac++) {
		if (ac->type == RTE_FLOW_ACTION_TYPE_VOID)
			continue;
		if (ac->type != RTE_FLOW_ACTION_TYPE_SECURITY || sec)
			return flow_err(e, ENOTSUP, ac, "one SECURITY action only");
		sec = true;
		if (ac->conf != NULL) {
			const struct rte_flow_action_security *as = ac->conf;
			struct sim_sa *sa;

			if (as->security_session == NULL)
				return flow_err(e, EINVAL, ac, "NULL session");
			sa = SECURITY_GET_SESS_PRIV(as->security_session);
			if (sa->port != p || sa->egress || sa->key == NULL)
				return flow_err(e, EINVAL, ac, "not an ingress "
						"session of this port");
			if (sa->lost)
				return flow_err(e, EINVAL, ac, "session lost "
						"in a reset: destroy it");
			if (f->has_spi && f->spi_be != sa->spi_be)
				return flow_err(e, EINVAL, ac, "ESP spec SPI is "
						"not the session's");
			f->sa = sa;
		}
	}
	if (!sec)
		return flow_err(e, ENOTSUP, actions, "SECURITY action needed");
	return 0;
}

static int
sim_flow_validate(struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
		  const struct rte_flow_item items[],
		  const struct rte_flow_action actions[],
		  struct rte_flow_error *e)
{
	struct rte_flow f;

	return flow_parse(dev, attr, items, actions, &f, e);
}

static struct rte_flow *
sim_flow_create(struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
		const struct rte_flow_item items[],
		const struct rte_flow_action actions[],
		struct rte_flow_error *e)
{
	struct sim_port *p = dev->data->dev_private;
	struct sim_sec *sec = p->sec;
	struct rte_flow *f, *o;

	f = rte_zmalloc("sim_flow", sizeof(*f), 0);
	if (f == NULL) {
		flow_err(e, ENOMEM, NULL, "no memory");
		return NULL;
	}
	if (flow_parse(dev, attr, items, actions, f, e) != 0) {
		rte_free(f);
		return NULL;
	}
	rte_spinlock_lock(&sec->lock);
	/* The session may have gone (destroy, reset) since the parse. */
	if (f->sa != NULL && !sa_live(sec, f->sa)) {
		rte_spinlock_unlock(&sec->lock);
		rte_free(f);
		flow_err(e, EINVAL, NULL, "session not in the NIC");
		return NULL;
	}
	/* One flow per ingress session (rte_security.rst). */
	TAILQ_FOREACH(o, &sec->flows, next)
		if (f->sa != NULL && o->sa == f->sa)
			break;
	if (o != NULL) {
		rte_spinlock_unlock(&sec->lock);
		rte_free(f);
		flow_err(e, EEXIST, NULL, "session already has a flow");
		return NULL;
	}
	TAILQ_INSERT_TAIL(&sec->flows, f, next);
	rte_spinlock_unlock(&sec->lock);
	return f;
}

static int
sim_flow_destroy(struct rte_eth_dev *dev, struct rte_flow *flow,
		 struct rte_flow_error *e)
{
	struct sim_port *p = dev->data->dev_private;
	struct sim_sec *sec = p->sec;
	struct rte_flow *f;

	rte_spinlock_lock(&sec->lock);
	TAILQ_FOREACH(f, &sec->flows, next)
		if (f == flow)
			break;
	if (f == NULL) {
		rte_spinlock_unlock(&sec->lock);
		return flow_err(e, EINVAL, flow, "unknown flow");
	}
	TAILQ_REMOVE(&sec->flows, f, next);
	rte_spinlock_unlock(&sec->lock);
	rte_free(f);
	return 0;
}

static int
sim_flow_flush(struct rte_eth_dev *dev, struct rte_flow_error *e)
{
	struct sim_port *p = dev->data->dev_private;
	struct sim_sec *sec = p->sec;
	struct rte_flow *f;

	RTE_SET_USED(e);
	rte_spinlock_lock(&sec->lock);
	while ((f = TAILQ_FIRST(&sec->flows)) != NULL) {
		TAILQ_REMOVE(&sec->flows, f, next);
		rte_free(f);
	}
	rte_spinlock_unlock(&sec->lock);
	return 0;
}

const struct rte_flow_ops sim_flow_ops = {
	.validate = sim_flow_validate,
	.create = sim_flow_create,
	.destroy = sim_flow_destroy,
	.flush = sim_flow_flush,
};
