/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Placement of SAs on NICs: ports attached to a context, capability
 * checks, rte_security sessions and the ingress rte_flow rules.
 *
 * SAs go on the NIC as inline crypto: the NIC encrypts/decrypts and checks
 * the ICV, software keeps the ESP framing, the sequence numbers and the
 * replay window. So there is one sequence space and one window per SA
 * whichever side does the crypto, and a packet the NIC did not process
 * (punted, no rule yet, fragments) is decrypted in software against the
 * same window (doc/programmers_guide.md, "Placement").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_mempool.h>
#include <rte_security.h>

#include "sa.h"

enum { SESS_POOL_MIN = 64 };

int
dpsec_port_attach(struct dpsec_ctx *ctx, uint16_t port_id)
{
	struct dpsec_port *pt;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int sz;

	if (ctx == NULL || !rte_eth_dev_is_valid_port(port_id))
		return -EINVAL;
	pt = &ctx->ports[port_id];
	if (pt->attached)
		return -EEXIST;
	pt->sec = rte_eth_dev_get_sec_ctx(port_id);
	if (pt->sec != NULL) {
		sz = rte_security_session_get_size(pt->sec);
		static uint32_t pool_seq;

		snprintf(name, sizeof(name), "dpsec_ss%u_%u",
			 __atomic_fetch_add(&pool_seq, 1, __ATOMIC_RELAXED),
			 (unsigned int)port_id);
		pt->sess_mp = rte_mempool_create(name,
			RTE_MAX(ctx->max_sa, (uint32_t)SESS_POOL_MIN),
			sz, 0, 0,
			NULL, NULL, NULL, NULL, ctx->socket_id, 0);
		if (pt->sess_mp == NULL)
			return -ENOMEM;
	}
	if (rte_eth_xstats_get_id_by_name(port_id, "sec_table_full",
					  &pt->xs_table_full) == 0)
		pt->has_xs_table_full = true;
	pt->attached = true;
	DPSEC_LOG(INFO, "%s: port %u attached%s", ctx->name, port_id,
		  pt->sec ? "" : " (no security context: software only)");
	return 0;
}

void
offload_ports_free(struct dpsec_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++) {
		rte_mempool_free(ctx->ports[i].sess_mp);
		memset(&ctx->ports[i], 0, sizeof(ctx->ports[i]));
	}
}

/* Does the NIC's capability list cover this crypto transform? */
static bool
crypto_cap_ok(const struct rte_cryptodev_capabilities *c,
	      const struct rte_crypto_sym_xform *x)
{
	for (; c->op != RTE_CRYPTO_OP_TYPE_UNDEFINED; c++) {
		const struct rte_cryptodev_symmetric_capability *s = &c->sym;

		if (c->op != RTE_CRYPTO_OP_TYPE_SYMMETRIC ||
		    s->xform_type != x->type)
			continue;
		switch (x->type) {
		case RTE_CRYPTO_SYM_XFORM_AEAD:
			if (s->aead.algo == x->aead.algo &&
			    rte_cryptodev_sym_capability_check_aead(s,
				x->aead.key.length, x->aead.digest_length,
				x->aead.aad_length, x->aead.iv.length) == 0)
				return true;
			break;
		case RTE_CRYPTO_SYM_XFORM_CIPHER:
			if (s->cipher.algo == x->cipher.algo &&
			    rte_cryptodev_sym_capability_check_cipher(s,
				x->cipher.key.length, x->cipher.iv.length) == 0)
				return true;
			break;
		case RTE_CRYPTO_SYM_XFORM_AUTH:
			if (s->auth.algo == x->auth.algo &&
			    rte_cryptodev_sym_capability_check_auth(s,
				x->auth.key.length, x->auth.digest_length,
				0) == 0)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

/* rte_security view of an SA; keys point into the caller's conf. */
struct sec_conf {
	struct rte_security_session_conf sc;
	struct rte_crypto_sym_xform x[2];
};

static int
build_sec_conf(const struct dpsec_sa *sa, const struct dpsec_sa_conf *c,
	       struct sec_conf *s)
{
	struct rte_security_ipsec_xform *ip = &s->sc.ipsec;
	struct rte_crypto_sym_xform *cx, *ax;

	memset(s, 0, sizeof(*s));
	s->sc.action_type = RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO;
	s->sc.protocol = RTE_SECURITY_PROTOCOL_IPSEC;
	s->sc.userdata = (void *)(uintptr_t)sa;
	ip->spi = c->spi;
	memcpy(&ip->salt, sa->salt, 4);
	ip->options.esn = !!(c->flags & DPSEC_SA_F_ESN);
	ip->options.udp_encap = !!(c->flags & DPSEC_SA_F_NATT);
	ip->direction = c->dir == DPSEC_SA_OUTBOUND ?
			RTE_SECURITY_IPSEC_SA_DIR_EGRESS :
			RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
	ip->proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	ip->mode = c->mode == DPSEC_SA_TUNNEL ?
		   RTE_SECURITY_IPSEC_SA_MODE_TUNNEL :
		   RTE_SECURITY_IPSEC_SA_MODE_TRANSPORT;
	if (c->mode == DPSEC_SA_TUNNEL) {
		if (c->dst.family == 4) {
			ip->tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
			memcpy(&ip->tunnel.ipv4.src_ip, &c->src.v4, 4);
			memcpy(&ip->tunnel.ipv4.dst_ip, &c->dst.v4, 4);
			ip->tunnel.ipv4.ttl = sa->ttl;
		} else {
			ip->tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV6;
			memcpy(&ip->tunnel.ipv6.src_addr, c->src.v6, 16);
			memcpy(&ip->tunnel.ipv6.dst_addr, c->dst.v6, 16);
			ip->tunnel.ipv6.hlimit = sa->ttl;
		}
	}
	/* The NIC's SN state follows ours; software owns the window. */
	ip->esn.value = c->seq_start + 1;
	ip->udp.sport = c->natt_sport;
	ip->udp.dport = c->natt_dport;

	cx = &s->x[0];
	ax = &s->x[1];
	switch (c->cipher) {
	case DPSEC_CIPHER_AES_GCM_128:
	case DPSEC_CIPHER_AES_GCM_256:
	case DPSEC_CIPHER_CHACHA20_POLY1305:
		cx->type = RTE_CRYPTO_SYM_XFORM_AEAD;
		cx->aead.op = c->dir == DPSEC_SA_OUTBOUND ?
			      RTE_CRYPTO_AEAD_OP_ENCRYPT :
			      RTE_CRYPTO_AEAD_OP_DECRYPT;
		cx->aead.algo = c->cipher == DPSEC_CIPHER_CHACHA20_POLY1305 ?
				RTE_CRYPTO_AEAD_CHACHA20_POLY1305 :
				RTE_CRYPTO_AEAD_AES_GCM;
		cx->aead.key.data = c->cipher_key;
		cx->aead.key.length = c->cipher_key_len - 4;
		cx->aead.iv.length = 12;
		cx->aead.digest_length = 16;
		cx->aead.aad_length = ip->options.esn ? 12 : 8;
		s->sc.crypto_xform = cx;
		return 0;
	case DPSEC_CIPHER_NULL:
		cx->cipher.algo = RTE_CRYPTO_CIPHER_NULL;
		break;
	case DPSEC_CIPHER_AES_CBC_128:
	case DPSEC_CIPHER_AES_CBC_256:
		cx->cipher.algo = RTE_CRYPTO_CIPHER_AES_CBC;
		cx->cipher.iv.length = 16;
		break;
	default:
		return -ENOTSUP;
	}
	cx->type = RTE_CRYPTO_SYM_XFORM_CIPHER;
	cx->cipher.op = c->dir == DPSEC_SA_OUTBOUND ?
			RTE_CRYPTO_CIPHER_OP_ENCRYPT :
			RTE_CRYPTO_CIPHER_OP_DECRYPT;
	cx->cipher.key.data = c->cipher_key;
	cx->cipher.key.length = c->cipher_key_len;
	ax->type = RTE_CRYPTO_SYM_XFORM_AUTH;
	ax->auth.op = c->dir == DPSEC_SA_OUTBOUND ?
		      RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY;
	switch (c->auth) {
	case DPSEC_AUTH_HMAC_SHA1_96:
		ax->auth.algo = RTE_CRYPTO_AUTH_SHA1_HMAC;
		break;
	case DPSEC_AUTH_HMAC_SHA256_128:
		ax->auth.algo = RTE_CRYPTO_AUTH_SHA256_HMAC;
		break;
	case DPSEC_AUTH_HMAC_SHA384_192:
		ax->auth.algo = RTE_CRYPTO_AUTH_SHA384_HMAC;
		break;
	case DPSEC_AUTH_HMAC_SHA512_256:
		ax->auth.algo = RTE_CRYPTO_AUTH_SHA512_HMAC;
		break;
	default:
		return -ENOTSUP;
	}
	ax->auth.key.data = c->auth_key;
	ax->auth.key.length = c->auth_key_len;
	ax->auth.digest_length = sa->icv_len;
	/* Egress: encrypt then MAC; ingress: verify then decrypt. */
	if (c->dir == DPSEC_SA_OUTBOUND) {
		s->sc.crypto_xform = cx;
		cx->next = ax;
	} else {
		s->sc.crypto_xform = ax;
		ax->next = cx;
	}
	return 0;
}

static bool
sec_cap_ok(struct rte_security_ctx *sec, const struct sec_conf *s)
{
	const struct rte_security_ipsec_xform *ip = &s->sc.ipsec;
	struct rte_security_capability_idx idx = {
		.action = s->sc.action_type,
		.protocol = RTE_SECURITY_PROTOCOL_IPSEC,
		.ipsec = { .proto = ip->proto, .mode = ip->mode,
			   .direction = ip->direction },
	};
	const struct rte_security_capability *cap;
	const struct rte_crypto_sym_xform *x;

	cap = rte_security_capability_get(sec, &idx);
	if (cap == NULL)
		return false;
	if ((ip->options.esn && !cap->ipsec.options.esn) ||
	    (ip->options.udp_encap && !cap->ipsec.options.udp_encap))
		return false;
	for (x = s->sc.crypto_xform; x != NULL; x = x->next)
		if (!crypto_cap_ok(cap->crypto_capabilities, x))
			return false;
	return true;
}

static uint64_t
xstat(uint16_t port, uint64_t id)
{
	uint64_t v = 0;

	rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

/* Ingress rule: this SA's ESP to the NIC's engine. */
static struct rte_flow *
ingress_flow(const struct dpsec_sa_conf *c, void *sess)
{
	struct rte_flow_item_esp esp_spec = {
		.hdr.spi = rte_cpu_to_be_32(c->spi) };
	struct rte_flow_item_esp esp_mask = { .hdr.spi = RTE_BE32(0xffffffff) };
	struct rte_flow_action_security act = { .security_session = sess };
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item pattern[5];
	struct rte_flow_action actions[2];
	struct rte_flow_error err;
	unsigned int n = 0;

	memset(pattern, 0, sizeof(pattern));
	memset(actions, 0, sizeof(actions));
	pattern[n++].type = RTE_FLOW_ITEM_TYPE_ETH;
	pattern[n++].type = c->dst.family == 6 ? RTE_FLOW_ITEM_TYPE_IPV6 :
						 RTE_FLOW_ITEM_TYPE_IPV4;
	if (c->flags & DPSEC_SA_F_NATT)
		pattern[n++].type = RTE_FLOW_ITEM_TYPE_UDP;
	pattern[n].type = RTE_FLOW_ITEM_TYPE_ESP;
	pattern[n].spec = &esp_spec;
	pattern[n++].mask = &esp_mask;
	pattern[n].type = RTE_FLOW_ITEM_TYPE_END;
	actions[0].type = RTE_FLOW_ACTION_TYPE_SECURITY;
	actions[0].conf = &act;
	actions[1].type = RTE_FLOW_ACTION_TYPE_END;
	return rte_flow_create(c->port_id, &attr, pattern, actions, &err);
}

int
offload_place(struct dpsec_ctx *ctx, struct dpsec_sa *sa,
	      const struct dpsec_sa_conf *c)
{
	struct dpsec_port *pt;
	struct sec_conf s;
	uint64_t full = 0;

	sa->placement = DPSEC_PLACE_SW;
	if (c->offload == DPSEC_OFFLOAD_NONE) {
		sa->place_reason = DPSEC_PLACE_R_OFFLOAD_NONE;
		return 0;
	}
	pt = c->port_id < RTE_MAX_ETHPORTS ? &ctx->ports[c->port_id] : NULL;
	if (pt == NULL || !pt->attached)
		sa->place_reason = DPSEC_PLACE_R_NO_PORT;
	else if (pt->sec == NULL)
		sa->place_reason = DPSEC_PLACE_R_NO_SEC_CTX;
	else if (build_sec_conf(sa, c, &s) != 0 || !sec_cap_ok(pt->sec, &s))
		sa->place_reason = DPSEC_PLACE_R_UNSUPPORTED;
	else {
		if (pt->has_xs_table_full)
			full = xstat(c->port_id, pt->xs_table_full);
		rte_errno = 0;
		sa->sess = rte_security_session_create(pt->sec, &s.sc,
						       pt->sess_mp);
		if (sa->sess == NULL) {
			/* 22.11 drops the driver's error code: a driver that
			 * sets rte_errno, or counts refusals for a full table,
			 * tells us which it was. */
			sa->place_reason = rte_errno == ENOSPC ||
				(pt->has_xs_table_full &&
				 xstat(c->port_id, pt->xs_table_full) > full) ?
				DPSEC_PLACE_R_TABLE_FULL :
				DPSEC_PLACE_R_SESSION_FAILED;
		} else if (c->dir == DPSEC_SA_INBOUND &&
			   (sa->flow = ingress_flow(c, sa->sess)) == NULL) {
			rte_security_session_destroy(pt->sec, sa->sess);
			sa->sess = NULL;
			sa->place_reason = DPSEC_PLACE_R_SESSION_FAILED;
		} else {
			sa->placement = DPSEC_PLACE_INLINE_CRYPTO;
			sa->place_reason = DPSEC_PLACE_R_NONE;
			sa->sec = pt->sec;
			sa->sess_md = rte_security_dynfield_is_registered();
			return 0;
		}
	}
	if (c->offload == DPSEC_OFFLOAD_REQUIRE) {
		DPSEC_LOG(ERR, "SA 0x%08x: offload required but %s", c->spi,
			  dpsec_place_reason_str(sa->place_reason));
		return -ENOTSUP;
	}
	DPSEC_LOG(INFO, "SA 0x%08x: in software: %s", c->spi,
		  dpsec_place_reason_str(sa->place_reason));
	return 0;
}

void
offload_unplace(struct dpsec_sa *sa)
{
	struct rte_flow_error err;

	if (sa->flow != NULL)
		rte_flow_destroy(sa->conf.port_id, sa->flow, &err);
	if (sa->sess != NULL)
		rte_security_session_destroy(sa->sec, sa->sess);
	sa->flow = NULL;
	sa->sess = NULL;
	sa->placement = DPSEC_PLACE_SW;
}

int
dpsec_sa_move(struct dpsec_ctx *ctx, struct dpsec_sa *sa, bool to_nic)
{
	struct rte_flow_error err;
	int ret = 0;

	if (ctx == NULL || sa == NULL || sa->ctx != ctx)
		return -EINVAL;
	rte_spinlock_lock(&ctx->ctl_lock);
	if (!to_nic && sa->placement != DPSEC_PLACE_SW) {
		/* New packets go to software from now on; the session
		 * stays for frames already marked or decrypted. */
		__atomic_store_n(&sa->placement, DPSEC_PLACE_SW,
				 __ATOMIC_RELEASE);
		sa->place_reason = DPSEC_PLACE_R_MOVED;
		if (sa->flow != NULL) {
			rte_flow_destroy(sa->conf.port_id, sa->flow, &err);
			sa->flow = NULL;
		}
	} else if (to_nic && sa->placement == DPSEC_PLACE_SW) {
		if (sa->sess == NULL) {
			ret = -ENOTSUP;
		} else if (sa->dir == DPSEC_SA_INBOUND &&
			   (sa->flow = ingress_flow(&sa->conf,
						    sa->sess)) == NULL) {
			ret = -ENOTSUP;
		} else {
			sa->place_reason = DPSEC_PLACE_R_NONE;
			__atomic_store_n(&sa->placement,
					 DPSEC_PLACE_INLINE_CRYPTO,
					 __ATOMIC_RELEASE);
		}
	}
	rte_spinlock_unlock(&ctx->ctl_lock);
	return ret;
}
