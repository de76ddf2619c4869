/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The gateway's configuration: ipsec-secgw's file (lib/cfg parses each
 * rule) checked as a whole, then applied: SAs, the two SPDs, the routes
 * (rte_lpm, rte_lpm6) and the next hops. Any error - in a rule, between
 * rules (a policy naming a missing SA, a port not enabled), or from the
 * library - leaves nothing applied: the gateway does not start
 * half-configured.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_errno.h>
#include <rte_flow.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "gw.h"

/* What the file said, with where it said it. */
struct load {
	char (*sa_at)[PATH_MAX + 16];	/* "file:line" of each SA */
	char (*sp_at)[PATH_MAX + 16];
	char (*rt_at)[PATH_MAX + 16];
};

static struct load ld;

/* An error about a rule: "error: <file:line>: <message>" (cfg_err()). */
#define where_err(at, ...) \
	cfg_err(&(const struct cfg_args){ .cmd = (at) }, __VA_ARGS__)

static const char *
dir_str(enum dpsec_sa_dir d)
{
	return d == DPSEC_SA_INBOUND ? "in" : "out";
}

struct cfg_sa *
gw_sa_find(enum dpsec_sa_dir dir, uint32_t spi, unsigned int *idx)
{
	for (unsigned int i = 0; i < gw.nb_sa; i++) {
		if (gw.sas[i].used && gw.sas[i].conf.dir == dir &&
		    gw.sas[i].conf.spi == spi) {
			if (idx != NULL)
				*idx = i;
			return &gw.sas[i];
		}
	}
	return NULL;
}

static int
rule(struct cfg_args *a, void *arg)
{
	const char *noun = a->argv[0];
	bool by_spi;

	(void)arg;
	if (strcmp(noun, "sa") == 0) {
		struct cfg_sa *s;
		unsigned int prev;

		if (gw.nb_sa == GW_MAX_SA) {
			cfg_err(a, "more than %d SAs", GW_MAX_SA);
			return -1;
		}
		s = &gw.sas[gw.nb_sa];
		if (cfg_sa_parse(a, s) != 0)
			return -1;
		if (gw_sa_find(s->conf.dir, s->conf.spi, &prev) != NULL) {
			cfg_err(a, "sa %s %" PRIu32 " is defined already at %s",
				dir_str(s->conf.dir), s->conf.spi,
				ld.sa_at[prev]);
			explicit_bzero(s, sizeof(*s));
			return -1;
		}
		snprintf(ld.sa_at[gw.nb_sa], sizeof(ld.sa_at[0]), "%s", a->cmd);
		s->used = true;
		gw.nb_sa++;
	} else if (strcmp(noun, "sp") == 0) {
		struct cfg_sp *p;

		if (gw.nb_sp == GW_MAX_SP) {
			cfg_err(a, "more than %d policies", GW_MAX_SP);
			return -1;
		}
		p = &gw.sps[gw.nb_sp];
		if (cfg_sp_parse(a, p, &by_spi, gw.nb_sp + 1) != 0)
			return -1;
		p->used = true;
		snprintf(ld.sp_at[gw.nb_sp], sizeof(ld.sp_at[0]), "%s", a->cmd);
		gw.nb_sp++;
	} else if (strcmp(noun, "rt") == 0) {
		if (gw.nb_rt == GW_MAX_RT) {
			cfg_err(a, "more than %d routes", GW_MAX_RT);
			return -1;
		}
		if (cfg_rt_parse(a, &gw.rts[gw.nb_rt]) != 0)
			return -1;
		snprintf(ld.rt_at[gw.nb_rt], sizeof(ld.rt_at[0]), "%s", a->cmd);
		gw.nb_rt++;
	} else if (strcmp(noun, "neigh") == 0) {
		struct cfg_neigh nb;

		if (cfg_neigh_parse(a, &nb) != 0)
			return -1;
		if (nb.port >= GW_MAX_PORTS || !gw.port[nb.port].enabled) {
			cfg_err(a, "neigh port %u: port not enabled (-p)",
				nb.port);
			return -1;
		}
		gw.port[nb.port].dst = nb.mac;
		gw.port[nb.port].has_neigh = true;
	} else {
		a->i = 0;
		cfg_err_tok(a, "a rule (sa|sp|rt|neigh)");
		return -1;
	}
	return 0;
}

/*
 * Policies with the same selector and priority: the same policy twice
 * (ipsec-secgw's ep0.cfg has two) is kept once; two that disagree (action
 * or SA) would leave the winner to chance, which is an error.
 * Returns the index of the earlier one, or -1.
 */
static int
sp_same_selector(unsigned int i, bool *conflict)
{
	const struct cfg_sp *p = &gw.sps[i];

	for (unsigned int j = 0; j < i; j++) {
		const struct cfg_sp *q = &gw.sps[j];

		if (q->dir != p->dir || q->pol.priority != p->pol.priority ||
		    memcmp(&q->pol.sel, &p->pol.sel, sizeof(p->pol.sel)) != 0)
			continue;
		*conflict = q->pol.action != p->pol.action ||
			    q->sa_spi != p->sa_spi ||
			    q->pol.reqid != p->pol.reqid;
		return (int)j;
	}
	return -1;
}

static bool
port_ok(uint16_t p)
{
	return p < GW_MAX_PORTS && gw.port[p].enabled;
}

/* What the file's rules say of each other and of the ports. */
static unsigned int
cross_check(void)
{
	unsigned int errs = 0;

	for (unsigned int i = 0; i < gw.nb_sa; i++) {
		const struct cfg_sa *s = &gw.sas[i];

		if (s->conf.offload != DPSEC_OFFLOAD_NONE &&
		    !port_ok(s->conf.port_id)) {
			where_err(ld.sa_at[i], "sa %s %" PRIu32 ": port_id %u is not an enabled port (-p)",
				  dir_str(s->conf.dir), s->conf.spi,
				  s->conf.port_id);
			errs++;
		}
		if (s->fdir && (!port_ok(s->fdir_port) ||
				s->fdir_queue >= gw.port[s->fdir_port].nb_rxq)) {
			where_err(ld.sa_at[i], "sa %s %" PRIu32 ": flow-direction %u %u: no such enabled port and RX queue (--config)",
				  dir_str(s->conf.dir), s->conf.spi,
				  s->fdir_port, s->fdir_queue);
			errs++;
		}
	}
	for (unsigned int i = 0; i < gw.nb_sp; i++) {
		const struct cfg_sp *p = &gw.sps[i];
		bool conflict = false;
		int j = sp_same_selector(i, &conflict);

		if (j >= 0 && conflict) {
			where_err(ld.sp_at[i], "same selector and priority as %s with another action or SA: which one wins would be chance",
				  ld.sp_at[j]);
			errs++;
		}
		if (gw_sp_by_spi(p) &&
		    gw_sa_find(p->dir, p->sa_spi, NULL) == NULL) {
			where_err(ld.sp_at[i], "protect %" PRIu32 ": no sa %s %" PRIu32 " in the file",
				  p->sa_spi, dir_str(p->dir), p->sa_spi);
			errs++;
		}
	}
	for (unsigned int i = 0; i < gw.nb_rt; i++) {
		if (!port_ok(gw.rts[i].port)) {
			where_err(ld.rt_at[i], "rt: port %u is not an enabled port (-p)",
				  gw.rts[i].port);
			errs++;
		}
	}
	return errs;
}

/* flow-direction: steer the SA's ESP to one RX queue with rte_flow. */
static void
fdir_install(unsigned int i)
{
	const struct cfg_sa *s = &gw.sas[i];
	struct rte_flow_attr attr = { .ingress = 1 };
	struct rte_flow_item_esp esp = {
		.hdr.spi = rte_cpu_to_be_32(s->conf.spi),
	};
	struct rte_flow_item_esp esp_mask = { .hdr.spi = RTE_BE32(0xffffffff) };
	struct rte_flow_action_queue q = { .index = s->fdir_queue };
	struct rte_flow_item pattern[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = s->conf.dst.family == 6 ? RTE_FLOW_ITEM_TYPE_IPV6 :
						    RTE_FLOW_ITEM_TYPE_IPV4 },
		{ .type = RTE_FLOW_ITEM_TYPE_ESP, .spec = &esp,
		  .mask = &esp_mask },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action actions[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_error err = { 0 };

	gw.flows[i] = rte_flow_create(s->fdir_port, &attr, pattern, actions,
				      &err);
	if (gw.flows[i] == NULL)
		printf("%s: sa %s %" PRIu32 ": flow-direction %u %u not installed (port %u: %s): its packets go where RSS puts them\n",
		       ld.sa_at[i], dir_str(s->conf.dir), s->conf.spi,
		       s->fdir_port, s->fdir_queue, s->fdir_port,
		       err.message != NULL ? err.message : "no rte_flow");
}

static const char *const place_name[] = {
	[DPSEC_PLACE_SW] = "software",
	[DPSEC_PLACE_INLINE_CRYPTO] = "NIC inline crypto",
	[DPSEC_PLACE_INLINE_PROTOCOL] = "NIC inline protocol",
};

int
gw_sa_create(struct cfg_sa *s, const char *at, char *err, size_t len)
{
	int rc;

	if (gw.esn_all)
		s->conf.flags |= DPSEC_SA_F_ESN;
	if (s->conf.dir == DPSEC_SA_INBOUND && s->conf.replay_window == 0)
		s->conf.replay_window = gw.replay_window;
	s->sa = dpsec_sa_create(gw.ctx, &s->conf);
	if (s->sa == NULL) {
		int e = rte_errno;

		snprintf(err, len, "%s: sa %s %" PRIu32 ": dpsec_sa_create: %s (the log line above names the field)",
			 at, dir_str(s->conf.dir), s->conf.spi,
			 rte_strerror(e));
		rte_errno = e;
		return -1;
	}
	/* Policies "protect reqid <n>" use the SA that was added last with
	 * that reqid: adding the next one is make-before-break (rekey). */
	if (s->conf.dir == DPSEC_SA_OUTBOUND && s->conf.reqid != 0) {
		rc = dpsec_reqid_set(gw.ctx, s->conf.reqid, s->sa);
		if (rc != 0) {
			snprintf(err, len, "%s: sa out %" PRIu32 ": reqid %" PRIu32 ": %s",
				 at, s->conf.spi, s->conf.reqid, strerror(-rc));
			dpsec_sa_destroy(gw.ctx, s->sa);
			s->sa = NULL;
			rte_errno = -rc;
			return -1;
		}
	}
	return 0;
}

static int
sas_create(void)
{
	char notes[512];

	for (unsigned int i = 0; i < gw.nb_sa; i++) {
		struct cfg_sa *s = &gw.sas[i];
		struct dpsec_sa_info info;

		char err[256];

		if (gw_sa_create(s, ld.sa_at[i], err, sizeof(err)) != 0 &&
		    gw.skip_bad_sa && rte_errno == EINVAL) {
			/* The library's log line above says why. */
			printf("%s: sa %s %" PRIu32 ": skipped (--skip-bad-sa): dpsec refuses it (%s); its policies discard\n",
			       ld.sa_at[i], dir_str(s->conf.dir), s->conf.spi,
			       s->conf.cipher == DPSEC_CIPHER_NULL &&
			       s->conf.auth == DPSEC_AUTH_NONE ?
			       "null cipher with null integrity: RFC 4303 §3.2 forbids it" :
			       "invalid parameters");
			gw.nb_skipped++;
			continue;
		}
		if (s->sa == NULL) {
			fprintf(stderr, "error: %s\n", err);
			return -1;
		}
		cfg_sa_notes(s, notes, sizeof(notes));
		if (notes[0] != '\0')
			printf("%s: sa %s %" PRIu32 ": %s\n", ld.sa_at[i],
			       dir_str(s->conf.dir), s->conf.spi, notes);
		if (dpsec_sa_info(s->sa, &info) == 0 &&
		    s->conf.offload != DPSEC_OFFLOAD_NONE &&
		    info.placement != DPSEC_PLACE_INLINE_PROTOCOL)
			printf("%s: sa %s %" PRIu32 ": %s on port %u: %s\n",
			       ld.sa_at[i], dir_str(s->conf.dir), s->conf.spi,
			       place_name[info.placement], s->conf.port_id,
			       dpsec_place_reason_str(info.place_reason));
		if (s->fdir)
			fdir_install(i);
	}
	return 0;
}

static int
spd_fill(void)
{
	unsigned int dups = 0;
	int rc;

	for (unsigned int i = 0; i < gw.nb_sp; i++) {
		struct cfg_sp *p = &gw.sps[i];
		bool conflict = false;
		int d = sp_same_selector(i, &conflict);

		if (d >= 0) {
			printf("%s: the same policy as %s: one is kept\n",
			       ld.sp_at[i], ld.sp_at[d]);
			dups++;
			continue;
		}
		if (gw_sp_by_spi(p)) {
			p->pol.sa = gw_sa_find(p->dir, p->sa_spi, NULL)->sa;
			if (p->pol.sa == NULL)	/* its SA was skipped */
				p->pol.action = DPSEC_POLICY_DISCARD;
		}
		rc = dpsec_spd_add(p->dir == DPSEC_SA_OUTBOUND ? gw.spd_out :
				   gw.spd_in, &p->pol);
		if (rc != 0) {
			where_err(ld.sp_at[i], "dpsec_spd_add: %s",
				  strerror(-rc));
			return -1;
		}
	}
	rc = dpsec_spd_commit(gw.spd_out);
	if (rc == 0)
		rc = dpsec_spd_commit(gw.spd_in);
	if (rc != 0) {
		fprintf(stderr, "error: %s: SPD commit: %s\n", gw.cfg_file,
			strerror(-rc));
		return -1;
	}
	return 0;
}

static int
routes_fill(void)
{
	struct rte_lpm_config c4 = {
		.max_rules = GW_MAX_RT,
		.number_tbl8s = 256,
	};
	struct rte_lpm6_config c6 = {
		.max_rules = GW_MAX_RT,
		.number_tbl8s = 1 << 12,
	};
	int rc;

	gw.lpm = rte_lpm_create("gw_rt4", SOCKET_ID_ANY, &c4);
	gw.lpm6 = rte_lpm6_create("gw_rt6", SOCKET_ID_ANY, &c6);
	if (gw.lpm == NULL || gw.lpm6 == NULL) {
		fprintf(stderr, "error: routing tables: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned int i = 0; i < gw.nb_rt; i++) {
		const struct cfg_rt *r = &gw.rts[i];

		if (r->family == 4) {
			uint32_t a;

			memcpy(&a, r->addr, 4);
			rc = rte_lpm_add(gw.lpm, rte_be_to_cpu_32(a), r->plen,
					 r->port);
		} else {
			rc = rte_lpm6_add(gw.lpm6, r->addr, r->plen, r->port);
		}
		if (rc != 0) {
			where_err(ld.rt_at[i], "route not added: %s",
				  strerror(-rc));
			return -1;
		}
	}
	return 0;
}

static void
load_free(void)
{
	free(ld.sa_at);
	free(ld.sp_at);
	free(ld.rt_at);
	memset(&ld, 0, sizeof(ld));
}

int
gw_cfg_apply(void)
{
	int rc;

	gw.sas = calloc(GW_MAX_SA, sizeof(*gw.sas));
	gw.sps = calloc(GW_MAX_SP, sizeof(*gw.sps));
	gw.rts = calloc(GW_MAX_RT, sizeof(*gw.rts));
	gw.flows = calloc(GW_MAX_SA, sizeof(*gw.flows));
	ld.sa_at = calloc(GW_MAX_SA, sizeof(*ld.sa_at));
	ld.sp_at = calloc(GW_MAX_SP, sizeof(*ld.sp_at));
	ld.rt_at = calloc(GW_MAX_RT, sizeof(*ld.rt_at));
	if (gw.sas == NULL || gw.sps == NULL || gw.rts == NULL ||
	    gw.flows == NULL || ld.sa_at == NULL || ld.sp_at == NULL ||
	    ld.rt_at == NULL) {
		fprintf(stderr, "error: out of memory\n");
		goto fail;
	}
	rc = cfg_file_read(gw.cfg_file, true, rule, NULL);
	if (rc < 0)
		goto fail;
	rc += (int)cross_check();
	if (rc > 0) {
		fprintf(stderr, "error: %s: %d error%s, nothing applied\n",
			gw.cfg_file, rc, rc > 1 ? "s" : "");
		goto fail;
	}
	gw.spd_out = dpsec_spd_create(gw.ctx, "gw-out", DPSEC_SA_OUTBOUND,
				      GW_MAX_SP);
	gw.spd_in = dpsec_spd_create(gw.ctx, "gw-in", DPSEC_SA_INBOUND,
				     GW_MAX_SP);
	if (gw.spd_out == NULL || gw.spd_in == NULL) {
		fprintf(stderr, "error: SPD: %s\n", rte_strerror(rte_errno));
		goto fail;
	}
	if (sas_create() != 0 || spd_fill() != 0 || routes_fill() != 0) {
		fprintf(stderr, "error: %s: nothing applied\n", gw.cfg_file);
		goto fail;
	}
	printf("%s: %u SAs (%u skipped), %u policies, %u routes\n",
	       gw.cfg_file, gw.nb_sa, gw.nb_skipped, gw.nb_sp, gw.nb_rt);
	load_free();
	return 0;
fail:
	gw_cfg_release();
	load_free();
	return -1;
}

void
gw_cfg_release(void)
{
	struct rte_flow_error err;

	/* Policies refer to SAs: the SPDs go first. */
	dpsec_spd_free(gw.spd_out);
	dpsec_spd_free(gw.spd_in);
	gw.spd_out = gw.spd_in = NULL;
	for (unsigned int i = 0; gw.sas != NULL && i < gw.nb_sa; i++) {
		if (gw.flows != NULL && gw.flows[i] != NULL)
			rte_flow_destroy(gw.sas[i].fdir_port, gw.flows[i],
					 &err);
		if (gw.sas[i].sa != NULL)
			dpsec_sa_destroy(gw.ctx, gw.sas[i].sa);
	}
	if (gw.sas != NULL)
		explicit_bzero(gw.sas, GW_MAX_SA * sizeof(*gw.sas));
	rte_lpm_free(gw.lpm);
	rte_lpm6_free(gw.lpm6);
	gw.lpm = NULL;
	gw.lpm6 = NULL;
	free(gw.sas);
	free(gw.sps);
	free(gw.rts);
	free(gw.flows);
	gw.sas = NULL;
	gw.sps = NULL;
	gw.rts = NULL;
	gw.flows = NULL;
	gw.nb_sa = gw.nb_sp = gw.nb_rt = 0;
}
