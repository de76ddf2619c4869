/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Placement of SAs on NICs: ports attached to a context, capability
 * checks, rte_security sessions, the ingress rte_flow rules, moves and
 * re-pushes after a NIC reset.
 *
 * An SA goes on the NIC as inline protocol when the NIC can run its exact
 * combination (and, inbound, reports each packet's sequence number), else
 * as inline crypto. Either way software keeps the one sequence space and
 * the one replay window of the SA (doc/programmers_guide.md, "Placement"):
 * outbound it reserves a number for every packet it hands to the NIC, and
 * a NIC session is (re)started from software's count; inbound every packet
 * the NIC accepted is checked against, and marks, software's window with
 * the number the NIC reports (inline protocol) or the ESP header still
 * carries (inline crypto), and a packet the NIC did not process is
 * decrypted in software against the same window.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_mempool.h>
#include <rte_security.h>

#include "dpsec_driver.h"
#include "sa.h"
#include "tls.h"

enum {
	SESS_POOL_MIN = 64,
	TX_DEPTH_UNKNOWN = 4096,
	SESS_GRACE_US = 100000,		/* a destroyed SA's session lives on */
};

/*
 * Does the port's driver write each inline-protocol packet's sequence
 * number into DPSEC_MBUF_DYNFIELD_ESP_SN? DPDK 22.11 has no capability bit
 * for it, and a driver that does not fill the field leaves stale bytes
 * there, so it cannot be discovered from the packets: the driver declares
 * it through dpsec_driver.h (doc/programmers_guide.md, "For driver
 * writers").
 */
static bool
port_reports_sn(uint16_t port)
{
	return dpsec_esp_sn_dynfield_offset >= 0 &&
	       (dpsec_drv_caps_get(port) & DPSEC_DRV_CAP_ESP_RX_SN) != 0;
}

/*
 * Is the port configured (not only able) to run this direction's ESP on
 * its engine? A NIC whose RTE_ETH_TX_OFFLOAD_SECURITY is off drops or
 * sends in clear the frames marked for it; with RTE_ETH_RX_OFFLOAD_SECURITY
 * off it never decrypts. Read at each placement: the application may
 * reconfigure the port after attaching it.
 */
static bool
port_sec_offload_on(uint16_t port, enum dpsec_sa_dir dir, const char **what)
{
	struct rte_eth_conf conf;

	*what = dir == DPSEC_SA_OUTBOUND ? "RTE_ETH_TX_OFFLOAD_SECURITY" :
					   "RTE_ETH_RX_OFFLOAD_SECURITY";
	if (rte_eth_dev_conf_get(port, &conf) != 0)
		return false;
	return dir == DPSEC_SA_OUTBOUND ?
	       (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_SECURITY) != 0 :
	       (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_SECURITY) != 0;
}

/*
 * A port that recovered from an error (RTE_ETH_EVENT_RECOVERY_SUCCESS) is
 * "the same as a restart": its NIC lost the sessions and rules; put them
 * back. Runs on the thread that reports the event.
 */
static int
recovery_cb(uint16_t port_id, enum rte_eth_event_type ev, void *arg,
	    void *ret_param)
{
	struct dpsec_ctx *ctx = arg;
	int n;

	RTE_SET_USED(ev);
	RTE_SET_USED(ret_param);
	n = dpsec_port_resync(ctx, port_id);
	DPSEC_LOG(NOTICE, "%s: port %u recovered: %d SA(s) back on the NIC",
		  ctx->name, port_id, n);
	return 0;
}

/*
 * The NIC reports a limit for one of our sessions (RTE_ETH_EVENT_IPSEC,
 * metadata = the session's userdata, our SA id). dpsec gives NICs no
 * lifetimes and counts every packet itself, so this is a backstop: a NIC
 * that ran out of numbers, or was given limits by someone else, stops the
 * SA in software too. Runs on the NIC's (the reporting) thread.
 */
static int
ipsec_event_cb(uint16_t port_id, enum rte_eth_event_type ev, void *arg,
	       void *ret_param)
{
	const struct rte_eth_event_ipsec_desc *d = ret_param;
	struct dpsec_ctx *ctx = arg;
	enum dpsec_event what;
	struct dpsec_sa *sa;

	RTE_SET_USED(ev);
	if (d == NULL)
		return 0;
	switch (d->subtype) {
	case RTE_ETH_EVENT_IPSEC_ESN_OVERFLOW:
		what = DPSEC_EV_SEQ_EXHAUSTED;
		break;
	case RTE_ETH_EVENT_IPSEC_SA_TIME_EXPIRY:
	case RTE_ETH_EVENT_IPSEC_SA_BYTE_EXPIRY:
	case RTE_ETH_EVENT_IPSEC_SA_PKT_EXPIRY:
		what = DPSEC_EV_SOFT_EXPIRED;
		break;
	case RTE_ETH_EVENT_IPSEC_SA_BYTE_HARD_EXPIRY:
	case RTE_ETH_EVENT_IPSEC_SA_PKT_HARD_EXPIRY:
		what = DPSEC_EV_HARD_EXPIRED;
		break;
	default:
		return 0;
	}
	/* Under the control lock: a destroy cannot free the SA meanwhile. */
	rte_spinlock_lock(&ctx->ctl_lock);
	sa = sa_of_uid(ctx, d->metadata);
	if (sa != NULL && sa->nic_ok && sa->conf.port_id == port_id) {
		DPSEC_LOG(NOTICE, "SA 0x%08x: NIC event %d on port %u",
			  sa->conf.spi, (int)d->subtype, port_id);
		sa_raise(sa, what);
	}
	rte_spinlock_unlock(&ctx->ctl_lock);
	return 0;
}

int
dpsec_port_attach(struct dpsec_ctx *ctx, uint16_t port_id)
{
	struct dpsec_port *pt;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int sz;

	if (!ctx_ok(ctx, __func__))
		return -EINVAL;
	if (!rte_eth_dev_is_valid_port(port_id)) {
		DPSEC_LOG(ERR, "%s: port %u: no such port", __func__, port_id);
		return -EINVAL;
	}
	pt = &ctx->ports[port_id];
	if (pt->attached) {
		DPSEC_LOG(ERR, "%s: port %u: attached to %s already",
			  __func__, port_id, ctx->name);
		return -EEXIST;
	}
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
	pt->rx_sn = port_reports_sn(port_id);
	if (pt->sec != NULL) {
		int ret = rte_eth_dev_callback_register(port_id,
				RTE_ETH_EVENT_RECOVERY_SUCCESS, recovery_cb, ctx);

		if (ret == 0) {
			ret = rte_eth_dev_callback_register(port_id,
				RTE_ETH_EVENT_IPSEC, ipsec_event_cb, ctx);
			if (ret != 0)
				rte_eth_dev_callback_unregister(port_id,
					RTE_ETH_EVENT_RECOVERY_SUCCESS,
					recovery_cb, ctx);
		}
		if (ret != 0) {
			rte_mempool_free(pt->sess_mp);
			pt->sess_mp = NULL;
			return ret;
		}
		pt->events_cb = true;
	}
	pt->attached = true;
	DPSEC_LOG(INFO, "%s: port %u attached%s", ctx->name, port_id,
		  pt->sec ? "" : " (no security context: software only)");
	if (pt->sec != NULL) {
		const char *rx, *tx;
		bool rx_on = port_sec_offload_on(port_id, DPSEC_SA_INBOUND, &rx);
		bool tx_on = port_sec_offload_on(port_id, DPSEC_SA_OUTBOUND, &tx);

		if (!rx_on || !tx_on)
			DPSEC_LOG(NOTICE, "%s: port %u is configured without %s%s%s: "
				  "SAs that need it run in software",
				  ctx->name, port_id, !rx_on ? rx : "",
				  !rx_on && !tx_on ? " and " : "",
				  !tx_on ? tx : "");
	}
	return 0;
}

void
offload_events_off(struct dpsec_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++) {
		if (!ctx->ports[i].events_cb)
			continue;
		/* -EAGAIN while a callback runs: wait for it to finish. */
		while (rte_eth_dev_callback_unregister((uint16_t)i,
				RTE_ETH_EVENT_RECOVERY_SUCCESS, recovery_cb,
				ctx) == -EAGAIN)
			rte_delay_us_sleep(100);
		while (rte_eth_dev_callback_unregister((uint16_t)i,
				RTE_ETH_EVENT_IPSEC, ipsec_event_cb,
				ctx) == -EAGAIN)
			rte_delay_us_sleep(100);
		ctx->ports[i].events_cb = false;
	}
}

void
offload_ports_free(struct dpsec_ctx *ctx)
{
	unsigned int i;

	offload_events_off(ctx);
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

/* rte_security view of an SA; keys point into the SA. */
struct sec_conf {
	struct rte_security_session_conf sc;
	struct rte_crypto_sym_xform x[2];
};

static int
build_sec_conf(const struct dpsec_sa *sa, bool proto, uint64_t first,
	       struct sec_conf *s)
{
	const struct dpsec_sa_conf *c = &sa->conf;
	struct rte_security_ipsec_xform *ip = &s->sc.ipsec;
	struct rte_crypto_sym_xform *cx, *ax;
	const struct dpsec_crypto_cipher_info *ci;
	uint16_t ck_len = c->cipher_key_len;
	int algo;

	memset(s, 0, sizeof(*s));
	s->sc.action_type = proto ? RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL :
				    RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO;
	s->sc.protocol = RTE_SECURITY_PROTOCOL_IPSEC;
	/* Inline protocol hands it back with each packet (esp_inb.c). */
	s->sc.userdata = (void *)(uintptr_t)sa->uid;
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
		ip->options.copy_dscp = !!(c->flags & DPSEC_SA_F_COPY_DSCP);
		ip->options.copy_df = c->dst.family == 4 &&
				      (c->flags & DPSEC_SA_F_COPY_DF);
	}
	/*
	 * Egress: the first SN the NIC uses (cnxk's reading of esn.value).
	 * Ingress: one past the window's top, so the NIC infers ESN high
	 * bits near where software's window is. Software keeps the window:
	 * the NIC's own is off (replay_win_sz 0) unless set by the caller.
	 */
	ip->esn.value = first;
	ip->udp.sport = c->natt_sport;
	ip->udp.dport = c->natt_dport;

	cx = &s->x[0];
	ax = &s->x[1];
	/* The transforms from the SA's crypto key (crypto_algos.h). */
	if (dpsec_crypto_cipher_to_rte(sa->key->cipher, &cx->type, &algo) != 0)
		return -ENOTSUP;
	ci = dpsec_crypto_cipher_info_get(sa->key->cipher);
	if (cx->type == RTE_CRYPTO_SYM_XFORM_AEAD) {
		cx->aead.op = c->dir == DPSEC_SA_OUTBOUND ?
			      RTE_CRYPTO_AEAD_OP_ENCRYPT :
			      RTE_CRYPTO_AEAD_OP_DECRYPT;
		cx->aead.algo = (enum rte_crypto_aead_algorithm)algo;
		cx->aead.key.data = sa->nic_key;
		cx->aead.key.length = ck_len - ci->salt_len;
		cx->aead.iv.length = ci->nonce_len;
		cx->aead.digest_length = ci->icv_len;
		cx->aead.aad_length = ip->options.esn ? 12 : 8;
		s->sc.crypto_xform = cx;
		return 0;
	}
	cx->cipher.algo = (enum rte_crypto_cipher_algorithm)algo;
	cx->cipher.iv.length = ci->iv_len;
	cx->cipher.op = c->dir == DPSEC_SA_OUTBOUND ?
			RTE_CRYPTO_CIPHER_OP_ENCRYPT :
			RTE_CRYPTO_CIPHER_OP_DECRYPT;
	cx->cipher.key.data = sa->nic_key;
	cx->cipher.key.length = ck_len;
	ax->type = RTE_CRYPTO_SYM_XFORM_AUTH;
	ax->auth.op = c->dir == DPSEC_SA_OUTBOUND ?
		      RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY;
	if (sa->key->auth == DPSEC_CRYPTO_AUTH_NULL ||
	    dpsec_crypto_auth_to_rte(sa->key->auth, &ax->auth.algo) != 0)
		return -ENOTSUP;
	ax->auth.key.data = sa->nic_akey;
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

/* The NIC's capability for this SA's action, mode and direction. */
static const struct rte_security_capability *
sec_cap(struct rte_security_ctx *sec, const struct sec_conf *s)
{
	const struct rte_security_ipsec_xform *ip = &s->sc.ipsec;
	struct rte_security_capability_idx idx = {
		.action = s->sc.action_type,
		.protocol = RTE_SECURITY_PROTOCOL_IPSEC,
		.ipsec = { .proto = ip->proto, .mode = ip->mode,
			   .direction = ip->direction },
	};

	return rte_security_capability_get(sec, &idx);
}

static bool
sec_cap_ok(const struct rte_security_capability *cap, const struct sec_conf *s)
{
	const struct rte_security_ipsec_sa_options *o = &s->sc.ipsec.options;
	const struct rte_crypto_sym_xform *x;

	if (cap == NULL)
		return false;
	if ((o->esn && !cap->ipsec.options.esn) ||
	    (o->udp_encap && !cap->ipsec.options.udp_encap))
		return false;
	/* Inline protocol builds the outer header: it must do our options. */
	if (s->sc.action_type == RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL &&
	    ((o->copy_dscp && !cap->ipsec.options.copy_dscp) ||
	     (o->copy_df && !cap->ipsec.options.copy_df)))
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

/* Ingress rule: this SA's ESP to the NIC's engine, on its SAD key. */
static struct rte_flow *
ingress_flow(const struct dpsec_sa_conf *c, void *sess)
{
	struct rte_flow_item_esp esp_spec = {
		.hdr.spi = rte_cpu_to_be_32(c->spi) };
	struct rte_flow_item_esp esp_mask = { .hdr.spi = RTE_BE32(0xffffffff) };
	struct rte_flow_item_ipv4 v4_spec, v4_mask;
	struct rte_flow_item_ipv6 v6_spec, v6_mask;
	struct rte_flow_action_security act = { .security_session = sess };
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item pattern[5];
	struct rte_flow_action actions[2];
	struct rte_flow_error err;
	bool dst = c->sad_key >= DPSEC_SAD_SPI_DST;
	bool src = c->sad_key == DPSEC_SAD_SPI_DST_SRC;
	unsigned int n = 0;

	memset(pattern, 0, sizeof(pattern));
	memset(actions, 0, sizeof(actions));
	memset(&v4_spec, 0, sizeof(v4_spec));
	memset(&v4_mask, 0, sizeof(v4_mask));
	memset(&v6_spec, 0, sizeof(v6_spec));
	memset(&v6_mask, 0, sizeof(v6_mask));
	pattern[n++].type = RTE_FLOW_ITEM_TYPE_ETH;
	if (c->dst.family == 6) {
		pattern[n].type = RTE_FLOW_ITEM_TYPE_IPV6;
		if (dst) {
			memcpy(v6_spec.hdr.dst_addr, c->dst.v6, 16);
			memset(v6_mask.hdr.dst_addr, 0xff, 16);
		}
		if (src) {
			memcpy(v6_spec.hdr.src_addr, c->src.v6, 16);
			memset(v6_mask.hdr.src_addr, 0xff, 16);
		}
		if (dst || src) {
			pattern[n].spec = &v6_spec;
			pattern[n].mask = &v6_mask;
		}
	} else {
		pattern[n].type = RTE_FLOW_ITEM_TYPE_IPV4;
		if (dst) {
			v4_spec.hdr.dst_addr = c->dst.v4;
			v4_mask.hdr.dst_addr = RTE_BE32(0xffffffff);
		}
		if (src) {
			v4_spec.hdr.src_addr = c->src.v4;
			v4_mask.hdr.src_addr = RTE_BE32(0xffffffff);
		}
		if (dst || src) {
			pattern[n].spec = &v4_spec;
			pattern[n].mask = &v4_mask;
		}
	}
	n++;
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

/* TX frames a NIC may still hold: the depth of the port's TX queues. */
static uint64_t
tx_depth(uint16_t port)
{
	struct rte_eth_dev_info di;
	struct rte_eth_txq_info qi;
	uint64_t n = 0;
	uint16_t q;

	if (rte_eth_dev_info_get(port, &di) != 0)
		return TX_DEPTH_UNKNOWN;
	for (q = 0; q < di.nb_tx_queues; q++) {
		memset(&qi, 0, sizeof(qi));
		n += rte_eth_tx_queue_info_get(port, q, &qi) == 0 ?
		     qi.nb_desc + 1u : TX_DEPTH_UNKNOWN;
	}
	return n != 0 ? n : TX_DEPTH_UNKNOWN;
}

static uint64_t
seq_add_sat(uint64_t a, uint64_t b, uint64_t max)
{
	return b < max - RTE_MIN(a, max) ? a + b : max;
}

/*
 * The first SN an egress inline-protocol session may use while software
 * may still be sending on the SA (invariant 1, doc/security_model.md):
 *  - a ceiling: software uses no number above c itself from now on (a
 *    burst that reserved above it waits for the NIC path, outb_chunk(),
 *    which the caller publishes right after the session update); c is
 *    the last number software took before it saw the ceiling (the
 *    seq_cst store, then the re-read of seq: a reservation before the
 *    store is seen by the re-read, one after it sees the ceiling);
 *  - the NIC starts at c + 1;
 *  - software's count moves past c + @slack, so that the numbers it
 *    reserves for the NIC's frames stay @slack ahead of the NIC's own:
 *    when the SA comes back to software, frames the NIC still holds
 *    (@slack: the TX queue depth) take numbers below software's.
 * Returns 0 when the sequence space has no room for the NIC.
 */
static uint64_t
seq_nic_start(struct dpsec_sa *sa, uint64_t slack)
{
	uint64_t c, v, cur, next;

	c = __atomic_load_n(&sa->seq, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sa->sw_ceiling, c, __ATOMIC_SEQ_CST);
	v = __atomic_load_n(&sa->seq, __ATOMIC_SEQ_CST);
	if (v > c) {
		c = v;
		__atomic_store_n(&sa->sw_ceiling, c, __ATOMIC_SEQ_CST);
	}
	if (c >= sa->seq_max)
		return 0;
	cur = __atomic_load_n(&sa->seq, __ATOMIC_SEQ_CST);
	do {
		next = RTE_MAX(cur, seq_add_sat(c, slack, sa->seq_max));
	} while (!__atomic_compare_exchange_n(&sa->seq, &cur, next, false,
					      __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return c + 1;
}

/* Where this SA's NIC session starts its sequence state. */
static uint64_t
first_sn(struct dpsec_sa *sa, bool proto, bool fresh)
{
	if (sa->dir == DPSEC_SA_INBOUND)
		return dpsec_replay_top(&sa->replay) + 1;
	if (proto)
		return seq_nic_start(sa, fresh ? 0 :
				     tx_depth(sa->conf.port_id));
	return __atomic_load_n(&sa->seq, __ATOMIC_RELAXED) + 1;
}

/* Create a session; on failure, why (table full or refused). */
static void *
session_try(struct dpsec_ctx *ctx, struct dpsec_port *pt, uint16_t port,
	    struct sec_conf *s,
	    enum dpsec_place_reason *why)
{
	uint64_t full = 0;
	void *sess;

	if (pt->has_xs_table_full)
		full = xstat(port, pt->xs_table_full);
	rte_errno = 0;
	sess = rte_security_session_create(pt->sec, &s->sc, pt->sess_mp);
	if (sess == NULL && ctx->nb_graves > 0 &&
	    offload_graves_reap(ctx, true, port) > 0) {
		/* Sessions in their grace hold pool and table room: under
		 * such churn, this port's go now. */
		rte_errno = 0;
		sess = rte_security_session_create(pt->sec, &s->sc,
						   pt->sess_mp);
	}
	if (sess == NULL)
		/* 22.11 drops the driver's error code: a driver that sets
		 * rte_errno, or counts refusals for a full table, tells us
		 * which it was. */
		*why = rte_errno == ENOSPC ||
		       (pt->has_xs_table_full &&
			xstat(port, pt->xs_table_full) > full) ?
		       DPSEC_PLACE_R_TABLE_FULL : DPSEC_PLACE_R_SESSION_FAILED;
	return sess;
}

/*
 * Give @sa a NIC session (inline protocol if the NIC can, else inline
 * crypto) and, inbound, its flow rule. @fresh: the SA has never been on
 * the NIC (no frames of an earlier session can be queued). On success
 * the SA is on the NIC; else it is unchanged but for place_reason.
 * Called with ctx->ctl_lock held, or before the SA is visible.
 */
static int
nic_open(struct dpsec_ctx *ctx, struct dpsec_sa *sa, bool fresh)
{
	const struct dpsec_sa_conf *c = &sa->conf;
	enum dpsec_place_reason why = DPSEC_PLACE_R_NONE, proto_why;
	const struct rte_security_capability *cap;
	struct dpsec_port *pt;
	struct sec_conf s;
	void *sess = NULL;
	bool proto = false;
	const char *offl;

	pt = c->port_id < RTE_MAX_ETHPORTS ? &ctx->ports[c->port_id] : NULL;
	if (pt == NULL || !pt->attached)
		why = DPSEC_PLACE_R_NO_PORT;
	else if (pt->sec == NULL)
		why = DPSEC_PLACE_R_NO_SEC_CTX;
	else if (!sa->keys_kept)
		why = DPSEC_PLACE_R_OFFLOAD_NONE;
	else if (!port_sec_offload_on(c->port_id, c->dir, &offl)) {
		why = DPSEC_PLACE_R_SEC_OFFLOAD_OFF;
		rte_log(c->offload == DPSEC_OFFLOAD_REQUIRE ? RTE_LOG_ERR :
			RTE_LOG_INFO, dpsec_logtype,
			"dpsec: SA 0x%08x: port %u is not configured with "
			"%s: not on its NIC\n", c->spi, c->port_id, offl);
	}
	if (why != DPSEC_PLACE_R_NONE) {
		sa->place_reason = why;
		return -ENOTSUP;
	}

	/* Inline protocol first. */
	if (c->flags & DPSEC_SA_F_NO_INLINE_PROTOCOL)
		proto_why = DPSEC_PLACE_R_PROTO_DISABLED;
	else if (c->dir == DPSEC_SA_INBOUND && !pt->rx_sn)
		proto_why = DPSEC_PLACE_R_PROTO_NO_SN;
	else if (build_sec_conf(sa, true, 0, &s) != 0 ||
		 !sec_cap_ok(cap = sec_cap(pt->sec, &s), &s))
		proto_why = DPSEC_PLACE_R_PROTO_UNSUPPORTED;
	else {
		s.sc.ipsec.esn.value = first_sn(sa, true, fresh);
		/* Software copies the inner ECN field out (RFC 6040); the
		 * NIC does too when it can. */
		s.sc.ipsec.options.ecn = c->mode == DPSEC_SA_TUNNEL &&
					 cap->ipsec.options.ecn;
		/* The NIC's window, when it is as wide as ours, only filters
		 * early what software's would drop anyway. */
		if (c->dir == DPSEC_SA_INBOUND &&
		    c->replay_window <= cap->ipsec.replay_win_sz_max)
			s.sc.ipsec.replay_win_sz = c->replay_window;
		sess = session_try(ctx, pt, c->port_id, &s, &why);
		if (sess != NULL)
			proto = true;
		else if (why == DPSEC_PLACE_R_TABLE_FULL)
			goto fail;
		proto_why = DPSEC_PLACE_R_PROTO_UNSUPPORTED;
	}
	if (sess == NULL) {
		if (build_sec_conf(sa, false, first_sn(sa, false, fresh),
				   &s) != 0 ||
		    !sec_cap_ok(sec_cap(pt->sec, &s), &s)) {
			why = DPSEC_PLACE_R_UNSUPPORTED;
			goto fail;
		}
		sess = session_try(ctx, pt, c->port_id, &s, &why);
		if (sess == NULL)
			goto fail;
	}
	if (c->dir == DPSEC_SA_INBOUND &&
	    (sa->flow = ingress_flow(c, sess)) == NULL) {
		rte_security_session_destroy(pt->sec, sess);
		why = DPSEC_PLACE_R_SESSION_FAILED;
		goto fail;
	}
	sa->sec = pt->sec;
	sa->proto = proto;
	__atomic_store_n(&sa->sess, sess, __ATOMIC_RELEASE);
	sa->sess_md = rte_security_dynfield_is_registered();
	sa->nic_ok = true;
	if (proto && !sa->proto_seen) {
		sa->proto_seen = true;
		if (c->dir == DPSEC_SA_INBOUND)
			__atomic_fetch_add(&ctx->nb_proto_in, 1,
					   __ATOMIC_RELAXED);
	}
	sa->nic_reason = proto ? DPSEC_PLACE_R_NONE : proto_why;
	sa->place_reason = sa->nic_reason;
	sa_placement_set(sa, proto ? DPSEC_PLACE_INLINE_PROTOCOL :
			 DPSEC_PLACE_INLINE_CRYPTO);
	return 0;
fail:
	sa->place_reason = why;
	sa_ceiling_lift(sa);		/* software keeps the SA */
	return why == DPSEC_PLACE_R_TABLE_FULL ? -ENOSPC : -ENOTSUP;
}

int
offload_place(struct dpsec_ctx *ctx, struct dpsec_sa *sa)
{
	const struct dpsec_sa_conf *c = &sa->conf;

	sa_placement_set(sa, DPSEC_PLACE_SW);
	if (c->offload == DPSEC_OFFLOAD_NONE) {
		sa->place_reason = DPSEC_PLACE_R_OFFLOAD_NONE;
		return 0;
	}
	if (nic_open(ctx, sa, true) == 0)
		return 0;
	if (c->offload == DPSEC_OFFLOAD_REQUIRE) {
		DPSEC_LOG(ERR, "SA 0x%08x: offload required but %s", c->spi,
			  dpsec_place_reason_str(sa->place_reason));
		return -ENOTSUP;
	}
	DPSEC_LOG(INFO, "SA 0x%08x: in software: %s", c->spi,
		  dpsec_place_reason_str(sa->place_reason));
	return 0;
}

static void graves_alarm(void *arg);

/* Under grave_lock: the alarm for the first grave, unless one is set. */
static void
graves_alarm_arm(struct dpsec_ctx *ctx)
{
	struct sess_grave *g = TAILQ_FIRST(&ctx->graves);
	uint64_t now = rte_get_tsc_cycles(), us;

	if (g == NULL || ctx->grave_alarm)
		return;
	us = g->due > now ? (g->due - now) * 1000000 / rte_get_tsc_hz() : 0;
	if (rte_eal_alarm_set(us + 1, graves_alarm, ctx) == 0)
		ctx->grave_alarm = true;
}

/*
 * Destroy @g's NIC object after SESS_GRACE_US: no lcore is inside dpsec
 * with it any more (the caller waited for the RCU grace period, or the
 * application stopped using the TLS context), but frames dpsec marked for
 * it may not have reached the NIC yet, and the NIC's RX engine may be
 * running on an lcore (in the application's rx_burst). A NIC given a
 * destroyed session's frames drops them (counts them) at best, and at
 * worst, once the session's memory or table entry is reused, treats them
 * as another SA's or connection's. An EAL alarm destroys it when the
 * grace is over (its key with it), or the next control call that comes
 * first. @g is malloc()ed by the caller; NULL (no memory): the caller
 * destroys at once.
 */
static void
grave_add(struct dpsec_ctx *ctx, struct sess_grave *g)
{
	g->due = rte_get_tsc_cycles() +
		 rte_get_tsc_hz() * SESS_GRACE_US / 1000000;
	rte_spinlock_lock(&ctx->grave_lock);
	TAILQ_INSERT_TAIL(&ctx->graves, g, next);
	ctx->nb_graves++;
	graves_alarm_arm(ctx);
	rte_spinlock_unlock(&ctx->grave_lock);
}

static void
grave_destroy(struct sess_grave *g)
{
	if (g->tls_ops != NULL) {
		g->tls_ops->del(g->port, g->hw_id);
		__atomic_fetch_add(g->tls_del, 1, __ATOMIC_RELAXED);
	} else {
		rte_security_session_destroy(g->sec, g->sess);
	}
	free(g);
}

static void
grave_sess(struct dpsec_ctx *ctx, struct rte_security_ctx *sec, void *sess,
	   uint16_t port)
{
	struct sess_grave *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		rte_security_session_destroy(sec, sess);
		return;
	}
	g->sec = sec;
	g->sess = sess;
	g->port = port;
	grave_add(ctx, g);
}

/* A TLS TX context's NIC entry: frames marked with its hw_id may still be
 * on their way to the NIC (tls.c, dpsec_tls_destroy()). */
void
offload_grave_tls(struct dpsec_ctx *ctx, const struct dpsec_drv_tls_ops *ops,
		  uint16_t port, uint32_t hw_id, uint64_t *del_count)
{
	struct sess_grave *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		ops->del(port, hw_id);
		__atomic_fetch_add(del_count, 1, __ATOMIC_RELAXED);
		return;
	}
	g->tls_ops = ops;
	g->tls_del = del_count;
	g->hw_id = hw_id;
	g->port = port;
	grave_add(ctx, g);
}

unsigned int
offload_graves_reap(struct dpsec_ctx *ctx, bool all, uint16_t port)
{
	uint64_t now = rte_get_tsc_cycles();
	unsigned int n = 0;

	for (;;) {
		struct sess_grave *g;

		/* In order of their due time: the first not due ends it,
		 * unless all of a port go (then look through them). */
		rte_spinlock_lock(&ctx->grave_lock);
		TAILQ_FOREACH(g, &ctx->graves, next) {
			if (port != RTE_MAX_ETHPORTS && g->port != port)
				continue;
			if (all || now >= g->due)
				break;
			if (port == RTE_MAX_ETHPORTS) {
				g = NULL;
				break;
			}
		}
		if (g != NULL) {
			TAILQ_REMOVE(&ctx->graves, g, next);
			ctx->nb_graves--;
		}
		rte_spinlock_unlock(&ctx->grave_lock);
		if (g == NULL)
			return n;
		grave_destroy(g);
		n++;
	}
}

/* EAL's alarm thread: the graves that are due, then the next alarm. */
static void
graves_alarm(void *arg)
{
	struct dpsec_ctx *ctx = arg;

	offload_graves_reap(ctx, false, RTE_MAX_ETHPORTS);
	rte_spinlock_lock(&ctx->grave_lock);
	ctx->grave_alarm = false;
	graves_alarm_arm(ctx);
	rte_spinlock_unlock(&ctx->grave_lock);
}

void
offload_graves_fini(struct dpsec_ctx *ctx)
{
	/* Waits for a callback that is running. */
	rte_eal_alarm_cancel(graves_alarm, ctx);
	ctx->grave_alarm = false;
	offload_graves_reap(ctx, true, RTE_MAX_ETHPORTS);
}

/* Close the SA's flow rule at once and its session after a grace
 * (grave_add(); no lcore may be in dpsec with them). */
static void
nic_close(struct dpsec_sa *sa)
{
	struct rte_flow_error err;

	if (sa->flow != NULL)
		rte_flow_destroy(sa->conf.port_id, sa->flow, &err);
	sa->flow = NULL;
	if (sa->sess != NULL)
		grave_sess(sa->ctx, sa->sec, sa->sess, sa->conf.port_id);
	__atomic_store_n(&sa->sess, NULL, __ATOMIC_RELEASE);
	sa->proto = false;
}

void
offload_unplace(struct dpsec_sa *sa)
{
	nic_close(sa);
	sa_placement_set(sa, DPSEC_PLACE_SW);
	if (sa->proto_seen && sa->dir == DPSEC_SA_INBOUND)
		__atomic_fetch_sub(&sa->ctx->nb_proto_in, 1, __ATOMIC_RELAXED);
	sa->proto_seen = false;
}

/*
 * Continue the SA's sequence state on its existing session: the NIC was
 * away from it while software worked (rte_security_session_update() with
 * esn.value, read as at creation).
 */
static int
nic_continue(struct dpsec_sa *sa)
{
	struct sec_conf s;

	if (!sa->proto)
		return 0;	/* inline crypto: the packets carry the SNs */
	if (build_sec_conf(sa, true, first_sn(sa, true, false), &s) != 0)
		return -EIO;
	if (rte_security_session_update(sa->sec, sa->sess, &s.sc) != 0 &&
	    sa->dir == DPSEC_SA_OUTBOUND)
		return -EIO;	/* inbound: only ESN inference suffers */
	return 0;
}

int
dpsec_sa_move(struct dpsec_ctx *ctx, struct dpsec_sa *h, bool to_nic)
{
	struct rte_flow_error err;
	struct dpsec_sa *sa;
	int ret;

	offload_graves_reap(ctx, false, RTE_MAX_ETHPORTS);
	ret = sa_resolve_lock(ctx, h, __func__, &sa);
	if (ret != 0)
		return ret;
	if (!to_nic && sa->placement != DPSEC_PLACE_SW) {
		/* New packets go to software from now on; the session
		 * stays for frames already marked or decrypted. */
		sa_placement_set(sa, DPSEC_PLACE_SW);
		sa->place_reason = DPSEC_PLACE_R_MOVED;
		if (sa->flow != NULL) {
			rte_flow_destroy(sa->conf.port_id, sa->flow, &err);
			sa->flow = NULL;
		}
	} else if (to_nic && sa->placement == DPSEC_PLACE_SW) {
		if (sa->sess == NULL) {
			ret = nic_open(ctx, sa, !sa->nic_ok);
		} else if (nic_continue(sa) != 0) {
			ret = -EIO;
		} else if (sa->dir == DPSEC_SA_INBOUND &&
			   (sa->flow = ingress_flow(&sa->conf,
						    sa->sess)) == NULL) {
			ret = -ENOTSUP;
		} else {
			sa->place_reason = sa->nic_reason;
			sa_placement_set(sa, sa->proto ?
					 DPSEC_PLACE_INLINE_PROTOCOL :
					 DPSEC_PLACE_INLINE_CRYPTO);
		}
	}
	if (ret != 0) {
		sa_ceiling_lift(sa);	/* software keeps the SA */
		DPSEC_LOG(ERR, "dpsec_sa_move: SA 0x%08x stays in software: %s "
			  "(%s)", sa->conf.spi, rte_strerror(-ret),
			  dpsec_place_reason_str(sa->place_reason));
	}
	rte_spinlock_unlock(&ctx->ctl_lock);
	return ret;
}

int
dpsec_port_resync(struct dpsec_ctx *ctx, uint16_t port_id)
{
	struct dpsec_sa *sa;
	struct rte_flow_error err;
	int n = 0;

	if (!ctx_ok(ctx, __func__))
		return -EINVAL;
	if (port_id >= RTE_MAX_ETHPORTS || !ctx->ports[port_id].attached) {
		DPSEC_LOG(ERR, "%s: port %u: not attached to %s", __func__,
			  port_id, ctx->name);
		return -EINVAL;
	}
	rte_spinlock_lock(&ctx->ctl_lock);
	/* Software takes the SAs' traffic while their sessions change. */
	TAILQ_FOREACH(sa, &ctx->sas, next) {
		sa->resync = false;
		if (sa->conf.port_id != port_id || sa->sess == NULL)
			continue;
		sa->resync = true;
		sa->resync_back = sa->placement != DPSEC_PLACE_SW;
		sa_placement_set(sa, DPSEC_PLACE_SW);
		if (sa->flow != NULL) {
			rte_flow_destroy(port_id, sa->flow, &err);
			sa->flow = NULL;
		}
	}
	/* No lcore marks a frame with an old session after this. */
	rte_rcu_qsbr_synchronize(ctx->qsbr, RTE_QSBR_THRID_INVALID);
	TAILQ_FOREACH(sa, &ctx->sas, next) {
		if (!sa->resync)
			continue;
		nic_close(sa);
		if (nic_open(ctx, sa, false) != 0) {
			DPSEC_LOG(WARNING, "SA 0x%08x: not back on port %u: %s",
				  sa->conf.spi, port_id,
				  dpsec_place_reason_str(sa->place_reason));
			continue;
		}
		if (!sa->resync_back) {
			/* Moved to software by the application: stays. */
			sa_placement_set(sa, DPSEC_PLACE_SW);
			sa->place_reason = DPSEC_PLACE_R_MOVED;
			if (sa->flow != NULL) {
				rte_flow_destroy(port_id, sa->flow, &err);
				sa->flow = NULL;
			}
			continue;
		}
		n++;
	}
	tls_port_readd(ctx, port_id);
	rte_spinlock_unlock(&ctx->ctl_lock);
	return n;
}

int
dpsec_port_sa_table_get(uint16_t port_id, struct dpsec_port_sa_table *t)
{
	const struct dpsec_drv_ipsec_ops *ops;

	if (t == NULL)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if (!rte_eth_dev_is_valid_port(port_id))
		return -ENODEV;
	ops = dpsec_drv_ipsec_ops_get(port_id);
	if (ops == NULL || ops->sa_table == NULL)
		return -ENOTSUP;
	return ops->sa_table(port_id, &t->size, &t->used);
}
