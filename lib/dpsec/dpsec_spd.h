/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_SPD_H
#define DPSEC_SPD_H

/**
 * @file
 * dpsec security policy databases (RFC 4301 §4.4.1) and the policy-driven
 * bursts.
 *
 * An SPD holds the policies of one direction. Policies are edited in a
 * pending set (dpsec_spd_add(), dpsec_spd_del()) that the fast path does not
 * see; dpsec_spd_commit() compiles it into new rte_acl tries (one for IPv4,
 * one for IPv6), publishes them with one atomic pointer store and frees the
 * old ones after an RCU grace period. Lookups never stop and never see a
 * half-built set: each burst chunk uses either the old or the new set.
 *
 * Matching: the policy with the lowest priority value among those whose
 * selector matches wins; among equal priorities the lowest id wins.
 *
 * PROTECT policies name their SA directly or through a reqid. Outbound, a
 * reqid resolves through the context's reqid table (dpsec_reqid_set()),
 * which is how a rekey switches SAs without stopping traffic
 * (make-before-break): create the new SA, dpsec_reqid_set() to it, then
 * destroy the old one. Inbound, a reqid policy accepts packets of every SA
 * whose dpsec_sa_conf.reqid is that reqid, so the old inbound SA keeps
 * working until it is destroyed or expires.
 *
 * Lifetime rules: an SA named by a committed policy (dpsec_policy.sa) or by
 * the reqid table must not be destroyed before it is unreferenced
 * (dpsec_spd_del() + dpsec_spd_commit(), or dpsec_reqid_set()); both of
 * those return after a grace period, so destroying the SA then is safe.
 * SPDs must be freed before their context.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "dpsec.h"
#include "dpsec_sa.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dpsec_spd;

/** What a policy does with the packets it matches. */
enum dpsec_policy_action {
	DPSEC_POLICY_DISCARD = 0,	/**< drop (reason DISCARD) */
	DPSEC_POLICY_BYPASS,		/**< pass in clear */
	DPSEC_POLICY_PROTECT,		/**< through an SA (by sa or reqid) */
	DPSEC_POLICY_ACTION_MAX		/**< number of actions */
};

/** dpsec_spd_classify() result for a packet that no policy matches. */
#define DPSEC_POLICY_ID_NONE UINT32_MAX

/**
 * Traffic selector (RFC 4301 §4.4.1.1).
 *
 * Ports are compared for TCP, UDP and SCTP packets that carry them (not
 * for IPv4 or IPv6 non-first fragments); any other packet is seen with
 * both ports 0, so a selector with a port range that excludes 0 never
 * matches it.
 */
struct dpsec_selector {
	uint8_t family;			/**< 4 or 6 */
	/** Source prefix, network order; IPv4 in the first 4 bytes. Bits
	 *  beyond src_plen are ignored. */
	uint8_t src[16];
	uint8_t dst[16];		/**< destination prefix, likewise */
	uint8_t src_plen;		/**< 0..32 (IPv4) or 0..128 (IPv6) */
	uint8_t dst_plen;		/**< likewise */
	uint8_t proto;			/**< IP protocol; 0 means any */
	uint16_t sport_lo;	/**< source ports from, host order; 0..0: any */
	uint16_t sport_hi;	/**< source ports to (inclusive) */
	uint16_t dport_lo;	/**< destination ports from; 0..0: any */
	uint16_t dport_hi;	/**< destination ports to (inclusive) */
};

/** A policy. */
struct dpsec_policy {
	uint32_t id;			/**< unique in the SPD, not UINT32_MAX */
	/** Lower value wins when several policies match; ties go to the
	 *  lower id. Any uint32_t value is allowed. */
	uint32_t priority;
	struct dpsec_selector sel;	/**< which packets */
	enum dpsec_policy_action action;	/**< what to do with them */
	/** PROTECT without sa: outbound, the reqid table entry to use;
	 *  inbound, the dpsec_sa_conf.reqid the packet's SA must have.
	 *  Not 0. */
	uint32_t reqid;
	/** PROTECT by this SA handle (a live SA of the SPD's context and
	 *  direction when added) if not NULL; reqid is then ignored. */
	struct dpsec_sa *sa;
};

/** SPD counters. Each packet of a burst is counted once in lookups and
 *  then once in passed or in drops. */
struct dpsec_spd_stats {
	uint64_t lookups;		/**< packets classified */
	/** Packets matched, by action of the winning policy. */
	uint64_t hits[DPSEC_POLICY_ACTION_MAX];
	uint64_t misses;		/**< packets no policy matched */
	uint64_t passed;		/**< packets the bursts passed on */
	uint64_t drops[DPSEC_R_MAX];	/**< packets held back, by reason */
	uint64_t commits;		/**< rule sets published */
};

/**
 * Create an empty SPD for one direction. Control path.
 *
 * @param ctx
 *   The context whose SAs and reqid table the policies refer to.
 * @param name
 *   Name for the logs, 1..31 characters.
 * @param dir
 *   DPSEC_SA_OUTBOUND (dpsec_outbound()) or DPSEC_SA_INBOUND
 *   (dpsec_inbound_policy_check()).
 * @param max_rules
 *   Capacity of the SPD, 1..2^24.
 * @return
 *   The SPD, or NULL with rte_errno: EINVAL (bad argument), ENOMEM.
 */
struct dpsec_spd *dpsec_spd_create(struct dpsec_ctx *ctx, const char *name,
				   enum dpsec_sa_dir dir, uint32_t max_rules);

/**
 * Free an SPD and its rule sets. No lcore may be inside a burst on it. An
 * SPD that is not live (freed already) is not touched: the call logs "not
 * a live SPD" and sets rte_errno to EINVAL.
 *
 * @param spd
 *   The SPD; NULL is a no-op.
 */
void dpsec_spd_free(struct dpsec_spd *spd);

/**
 * Add a policy to the pending set; it takes effect at the next
 * dpsec_spd_commit(). Control path; calls on one SPD are serialised.
 *
 * @param spd
 *   The SPD.
 * @param pol
 *   The policy, copied.
 * @return
 *   0; -EINVAL (NULL or freed SPD; bad selector, action, reqid 0 without
 *   sa, a stale SA handle, or an SA of another context or direction);
 *   -EEXIST (id already pending); -ENOSPC
 *   (max_rules reached).
 */
int dpsec_spd_add(struct dpsec_spd *spd, const struct dpsec_policy *pol);

/**
 * Remove a policy from the pending set; it stays in effect until the next
 * dpsec_spd_commit().
 *
 * @param spd
 *   The SPD.
 * @param id
 *   The policy's id.
 * @return
 *   0, -EINVAL (NULL or freed spd) or -ENOENT (no pending policy with
 *   that id).
 */
int dpsec_spd_del(struct dpsec_spd *spd, uint32_t id);

/**
 * Compile the pending set and publish it atomically. Bursts running on
 * other lcores go on with the old set and switch at their next burst; the
 * old set is freed after an RCU grace period, before this returns. On
 * failure the published set is unchanged. Control path; must not be called
 * from inside a dpsec burst.
 *
 * @param spd
 *   The SPD.
 * @return
 *   0; -EINVAL (NULL or freed spd); -ENOMEM (allocation or rte_acl build
 *   failed).
 */
int dpsec_spd_commit(struct dpsec_spd *spd);

/**
 * Classify packets without acting on them (not counted in the SPD's
 * statistics).
 *
 * @param spd
 *   The SPD.
 * @param pkts
 *   Plain IPv4/IPv6 packets (no L2 header).
 * @param nb
 *   Number of packets.
 * @param ids
 *   ids[i] receives the id of the policy pkts[i] matches in the published
 *   set, or DPSEC_POLICY_ID_NONE (no match or not a valid IP packet).
 * @return
 *   The number of packets that matched a policy.
 */
uint16_t dpsec_spd_classify(struct dpsec_spd *spd, struct rte_mbuf *pkts[],
			    uint16_t nb, uint32_t ids[]);

/**
 * Counters of an SPD.
 *
 * @param spd
 *   The SPD.
 * @param st
 *   Filled with its counters.
 * @return
 *   0 or -EINVAL.
 */
int dpsec_spd_stats_get(const struct dpsec_spd *spd,
			struct dpsec_spd_stats *st);

/**
 * Point a reqid at an outbound SA, or unbind it (sa NULL), atomically:
 * each packet of a running dpsec_outbound() resolves the reqid once, to
 * either the previous SA or the new one, and once a burst saw the new SA
 * no later packet uses the old one. Returns after an RCU grace period, so
 * no burst still uses the previous SA through this reqid: it can then be
 * destroyed without dropping a packet. Control path; must not be called
 * from inside a dpsec burst.
 *
 * The table is an rte_hash with lock-free readers, as large as the
 * context's max_sa.
 *
 * @param ctx
 *   The context.
 * @param reqid
 *   Not 0.
 * @param sa
 *   An outbound SA of @p ctx (its handle), or NULL to remove the binding.
 *   The table keeps the handle: once that SA is destroyed the reqid names
 *   no SA (dpsec_outbound(): NO_SA) until it is set again.
 * @return
 *   0; -EINVAL (bad argument: NULL or freed ctx, reqid 0, malformed
 *   handle, inbound SA or SA of another context); -ENOENT (stale handle,
 *   or sa NULL and reqid unbound); -ENOSPC (table full). Logged.
 */
int dpsec_reqid_set(struct dpsec_ctx *ctx, uint32_t reqid,
		    struct dpsec_sa *sa);

/**
 * The outbound SA a reqid resolves to. Control path: the SA may be
 * destroyed as soon as the caller owns no guarantee that it is not.
 *
 * @param ctx
 *   The context.
 * @param reqid
 *   The reqid.
 * @return
 *   The SA's handle, or NULL with rte_errno ENOENT (unbound, or its SA was
 *   destroyed) or EINVAL (NULL or freed ctx, reqid 0).
 */
struct dpsec_sa *dpsec_reqid_get(struct dpsec_ctx *ctx, uint32_t reqid);

/**
 * Apply an outbound SPD to a burst of plain IPv4/IPv6 packets (no L2
 * header), in one call whatever the mix of actions and SAs:
 * - BYPASS: the packet is left untouched;
 * - PROTECT: the packet goes through dpsec_sa_outbound() of the policy's
 *   SA or of the SA its reqid resolves to (reason NO_SA if unbound or if
 *   that SA was destroyed);
 * - DISCARD: reason DISCARD; no match: reason NO_POLICY (RFC 4301 §5.1
 *   default); unparsable IP header: reason BAD_IP.
 *
 * Output order: pkts[0..ret) hold the bypassed and the protected packets in
 * their input order; pkts[ret..nb) the others in their input order, each
 * with its reason (dpsec_mbuf_reason()), including the reasons
 * dpsec_sa_outbound() gave. Nothing is freed. A NULL or freed context, or
 * a NULL, foreign or inbound SPD refuses the whole burst: 0, every packet
 * with DPSEC_R_BAD_HANDLE, and a (rate-limited) log line.
 *
 * @param ctx
 *   The context of the SPD's SAs.
 * @param spd
 *   An outbound SPD.
 * @param pkts
 *   The packets.
 * @param nb
 *   Their number.
 * @return
 *   The number of packets to send: pkts[0..ret).
 */
uint16_t dpsec_outbound(struct dpsec_ctx *ctx, struct dpsec_spd *spd,
			struct rte_mbuf *pkts[], uint16_t nb);

/**
 * Inbound policy check (RFC 4301 §5.2; invariant 5 of
 * doc/security_model.md), after dpsec_inbound() and on the packets it
 * delivered:
 * - a decrypted packet (sas[i] != NULL) passes if the policy it matches is
 *   PROTECT with sa == sas[i], or with no sa and reqid equal to sas[i]'s
 *   dpsec_sa_conf.reqid; otherwise (no match included) reason POLICY;
 * - a packet that arrived in clear (sas NULL or sas[i] NULL) passes if the
 *   policy it matches is BYPASS; otherwise reason DISCARD (DISCARD
 *   policy), POLICY (PROTECT policy) or NO_POLICY (no match);
 * - unparsable inner IP header: reason BAD_IP.
 *
 * sas[] holds SA handles: a handle whose SA was destroyed since matches
 * only a policy naming that same handle, never a reqid. A NULL or outbound
 * SPD refuses the whole burst (DPSEC_R_BAD_HANDLE, logged).
 *
 * @param spd_in
 *   An inbound SPD.
 * @param pkts
 *   The packets; on return pkts[0..ret) the accepted ones in input order,
 *   the rest behind them in input order with their reason.
 * @param sas
 *   The sa_out array of dpsec_inbound(), or NULL if every packet arrived
 *   in clear. Compacted like pkts: sas[0..ret) stay paired with pkts;
 *   sas[ret..nb) are unspecified.
 * @param nb
 *   Number of packets.
 * @return
 *   The number of packets accepted.
 */
uint16_t dpsec_inbound_policy_check(struct dpsec_spd *spd_in,
				    struct rte_mbuf *pkts[],
				    struct dpsec_sa *sas[], uint16_t nb);

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_SPD_H */
