/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_FWD_STEP_H
#define DPSEC_FWD_STEP_H

/*
 * The receive step of a port where ESP arrives, shared by the tools that
 * forward (dpsec-ipsec-gw, dpsec-cli's ipsec mode): dpsec_inbound()
 * decrypts ESP (on the NIC or in software), packets that are not ESP go on
 * in clear, and dpsec_inbound_policy_check() lets a decrypted packet pass
 * only if a policy names its SA, a clear one only under a bypass policy
 * (RFC 4301 §5.2).
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_spd.h"

enum { FWD_STEP_MAX = 512 };		/* packets per call at most */

/*
 * @pkts: IP packets (no L2 header), n <= FWD_STEP_MAX. Returns how many
 * passed, in pkts[0..ret), their RX offload flags cleared (they leave as
 * new packets); pkts[ret..n) are the others, not freed, each with its
 * reason (dpsec_mbuf_reason()).
 */
static inline uint16_t
fwd_inbound_step(struct dpsec_ctx *ctx, struct dpsec_spd *spd_in,
		 struct rte_mbuf *pkts[], uint16_t n)
{
	struct dpsec_sa *sas[FWD_STEP_MAX];
	struct rte_mbuf *bad[FWD_STEP_MAX];
	uint16_t i, k, nb = 0, ok;

	ok = dpsec_inbound(ctx, pkts, n, sas);
	/* Clear packets (not ESP) go to the policy check with no SA. */
	for (i = ok, k = ok; i < n; i++) {
		if (dpsec_mbuf_reason(pkts[i]) == DPSEC_R_NOT_ESP) {
			pkts[k] = pkts[i];
			sas[k++] = NULL;
		} else {
			bad[nb++] = pkts[i];
		}
	}
	ok = dpsec_inbound_policy_check(spd_in, pkts, sas, k);
	for (i = 0; i < nb; i++)
		pkts[k + i] = bad[i];
	for (i = 0; i < ok; i++)
		pkts[i]->ol_flags &= RTE_MBUF_F_EXTERNAL;
	return ok;
}

#endif /* DPSEC_FWD_STEP_H */
