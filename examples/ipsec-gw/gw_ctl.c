/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time control of the gateway through DPDK telemetry, so that a key
 * manager's scripts (or dpdk-telemetry.py) can key it while it forwards
 * (doc/ipsec_gw.md, "Control"):
 *
 *   /dpsec_gw/sa/add,<sa rule words>        e.g. "out 7 aead_algo ..."
 *   /dpsec_gw/sa/del,<in|out> <spi>
 *   /dpsec_gw/sa/move,<in|out> <spi> <nic|sw>
 *   /dpsec_gw/sp/add,<sp rule words>        e.g. "ipv4 out esp protect 7 ..."
 *   /dpsec_gw/sp/replace,<sp rule words with "id <n>">
 *   /dpsec_gw/sp/del,<in|out> <id>
 *   /dpsec_gw/sa/list, /dpsec_gw/sp/list, /dpsec_gw/ports, /dpsec_gw/events
 *   /dpsec_gw/fault,<port> punt|spurious_fail|drop|dup|reorder <rate>
 *   /dpsec_gw/fault,<port> sa_loss|recover
 *
 * Rules use the configuration file's syntax (lib/cfg). Each change is
 * whole or not at all; the answer is {"ok": ...} or {"error": ...}, and
 * the gateway logs it. Outbound SAs with a reqid take it over when added
 * (make-before-break: "protect reqid" policies move to the new SA
 * atomically; delete the old SA afterwards).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "gw.h"
#include "rte_pmd_sim_inline.h"

enum { CTL_WORDS = 128, CTL_ERR = 512 };

static const char *const place_name[] = {
	[DPSEC_PLACE_SW] = "software",
	[DPSEC_PLACE_INLINE_CRYPTO] = "nic-crypto",
	[DPSEC_PLACE_INLINE_PROTOCOL] = "nic-protocol",
};

/* Split params into words for the rule parsers. */
static int
words(const char *params, char *buf, size_t len, char **argv)
{
	if (params == NULL)
		params = "";
	if (strlen(params) >= len)
		return -1;
	strcpy(buf, params);
	return cfg_split(buf, argv, CTL_WORDS);
}

static int
reply(struct rte_tel_data *d, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
reply(struct rte_tel_data *d, bool ok, const char *fmt, ...)
{
	char msg[CTL_ERR];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("control: %s: %s\n", ok ? "ok" : "error", msg);
	fflush(stdout);
	rte_tel_data_start_dict(d);
	/* telemetry strings are short: the whole text is in the log */
	msg[RTE_TEL_MAX_STRING_LEN - 1] = '\0';
	rte_tel_data_add_dict_string(d, ok ? "ok" : "error", msg);
	return 0;
}

/* Lock and check the gateway still takes changes. */
static bool
enter(struct rte_tel_data *d)
{
	pthread_mutex_lock(&gw.lock);
	if (gw.closing || gw.sas == NULL) {
		pthread_mutex_unlock(&gw.lock);
		reply(d, false, "the gateway is stopping");
		return false;
	}
	return true;
}

static int
sa_dir_spi(struct cfg_args *a, unsigned int *idx)
{
	enum dpsec_sa_dir dir;
	uint64_t spi;

	if (cfg_dir(a, &dir) != 0 ||
	    cfg_u64(a, "an SPI", 1, UINT32_MAX, &spi) != 0)
		return -1;
	if (gw_sa_find(dir, (uint32_t)spi, idx) == NULL) {
		cfg_err(a, "no sa %s %" PRIu64, dir == DPSEC_SA_INBOUND ?
			"in" : "out", spi);
		return -1;
	}
	return 0;
}

static int
ctl_sa_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[CFG_LINE_MAX], err[CTL_ERR] = "", *argv[CTL_WORDS];
	struct cfg_args a = { .cmd = "sa add", .argv = argv, .err = err,
			      .err_len = sizeof(err) };
	struct cfg_sa s, *slot = NULL;
	char what[48] = "";
	unsigned int i;
	int rc = -1;

	(void)cmd;
	a.argc = words(params, buf, sizeof(buf), argv);
	if (a.argc < 0)
		return reply(d, false, "sa add: rule too long");
	if (!enter(d))
		return 0;
	if (cfg_sa_parse(&a, &s) != 0)
		goto out;
	if (gw_sa_find(s.conf.dir, s.conf.spi, NULL) != NULL) {
		snprintf(err, sizeof(err), "sa add: sa %s %" PRIu32 " exists",
			 s.conf.dir == DPSEC_SA_INBOUND ? "in" : "out",
			 s.conf.spi);
		goto out;
	}
	if (s.conf.offload != DPSEC_OFFLOAD_NONE &&
	    (s.conf.port_id >= GW_MAX_PORTS ||
	     !gw.port[s.conf.port_id].enabled)) {
		snprintf(err, sizeof(err), "sa add: port_id %u is not an enabled port",
			 s.conf.port_id);
		goto out;
	}
	for (i = 0; i < gw.nb_sa && slot == NULL; i++)
		if (!gw.sas[i].used)
			slot = &gw.sas[i];
	if (slot == NULL && gw.nb_sa < GW_MAX_SA)
		slot = &gw.sas[gw.nb_sa];
	if (slot == NULL) {
		snprintf(err, sizeof(err), "sa add: %d SAs already", GW_MAX_SA);
		goto out;
	}
	/* keys point into the struct: fix them up in the slot */
	*slot = s;
	slot->conf.cipher_key = s.conf.cipher_key ? slot->ckey : NULL;
	slot->conf.auth_key = s.conf.auth_key ? slot->akey : NULL;
	if (gw_sa_create(slot, "sa add", err, sizeof(err)) != 0) {
		explicit_bzero(slot, sizeof(*slot));
		goto out;
	}
	slot->used = true;
	if (slot == &gw.sas[gw.nb_sa])
		gw.nb_sa++;
	snprintf(what, sizeof(what), "sa %s %" PRIu32,
		 s.conf.dir == DPSEC_SA_INBOUND ? "in" : "out", s.conf.spi);
	rc = 0;
out:
	explicit_bzero(&s, sizeof(s));
	explicit_bzero(buf, sizeof(buf));
	pthread_mutex_unlock(&gw.lock);
	if (rc != 0)
		return reply(d, false, "%s", err);
	return reply(d, true, "%s added", what);
}

static int
ctl_sa_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[256], err[CTL_ERR] = "", *argv[CTL_WORDS];
	struct cfg_args a = { .cmd = "sa del", .argv = argv, .err = err,
			      .err_len = sizeof(err) };
	struct cfg_sa *s;
	unsigned int idx;
	int rc;

	(void)cmd;
	a.argc = words(params, buf, sizeof(buf), argv);
	if (!enter(d))
		return 0;
	if (a.argc < 0 || sa_dir_spi(&a, &idx) != 0 || cfg_end(&a) != 0) {
		pthread_mutex_unlock(&gw.lock);
		return reply(d, false, "%s", err[0] ? err :
			     "sa del: <in|out> <spi>");
	}
	s = &gw.sas[idx];
	for (unsigned int i = 0; i < gw.nb_sp; i++) {
		const struct cfg_sp *p = &gw.sps[i];

		if (p->used && s->sa != NULL && p->pol.sa == s->sa) {
			pthread_mutex_unlock(&gw.lock);
			return reply(d, false, "sa del: policy %s %" PRIu32 " protects with it: delete the policy first",
				     p->dir == DPSEC_SA_INBOUND ? "in" : "out",
				     p->pol.id);
		}
	}
	if (s->sa != NULL && s->conf.dir == DPSEC_SA_OUTBOUND &&
	    s->conf.reqid != 0 &&
	    dpsec_reqid_get(gw.ctx, s->conf.reqid) == s->sa)
		dpsec_reqid_set(gw.ctx, s->conf.reqid, NULL);
	rc = s->sa != NULL ? dpsec_sa_destroy(gw.ctx, s->sa) : 0;
	explicit_bzero(s, sizeof(*s));	/* keys; used = false */
	pthread_mutex_unlock(&gw.lock);
	if (rc != 0)
		return reply(d, false, "sa del: dpsec_sa_destroy: %s",
			     strerror(-rc));
	return reply(d, true, "sa %s deleted", params);
}

static int
ctl_sa_move(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[256], err[CTL_ERR] = "", *argv[CTL_WORDS];
	struct cfg_args a = { .cmd = "sa move", .argv = argv, .err = err,
			      .err_len = sizeof(err) };
	struct dpsec_sa_info info;
	unsigned int idx;
	bool to_nic;
	int rc;

	(void)cmd;
	a.argc = words(params, buf, sizeof(buf), argv);
	if (!enter(d))
		return 0;
	if (a.argc < 0 || sa_dir_spi(&a, &idx) != 0)
		goto bad;
	if (cfg_accept(&a, "nic")) {
		to_nic = true;
	} else if (cfg_accept(&a, "sw")) {
		to_nic = false;
	} else {
		cfg_err_tok(&a, "where to (nic|sw)");
		goto bad;
	}
	if (cfg_end(&a) != 0 || gw.sas[idx].sa == NULL)
		goto bad;
	rc = dpsec_sa_move(gw.ctx, gw.sas[idx].sa, to_nic);
	dpsec_sa_info(gw.sas[idx].sa, &info);
	pthread_mutex_unlock(&gw.lock);
	if (rc != 0)
		return reply(d, false, "sa move: %s (%s)", strerror(-rc),
			     dpsec_place_reason_str(info.place_reason));
	return reply(d, true, "sa %s: %s", params, place_name[info.placement]);
bad:
	pthread_mutex_unlock(&gw.lock);
	return reply(d, false, "%s", err[0] ? err :
		     "sa move: <in|out> <spi> <nic|sw>");
}

static struct dpsec_spd *
spd_of(enum dpsec_sa_dir dir)
{
	return dir == DPSEC_SA_OUTBOUND ? gw.spd_out : gw.spd_in;
}

/*
 * sp/add, and sp/replace (@old: the rule's "id <n>" names a policy of the
 * same direction, which the new one takes the place of in one commit:
 * the data path sees the old policy or the new one, never neither).
 */
static int
sp_set(const char *params, struct rte_tel_data *d, bool replace)
{
	const char *what = replace ? "sp replace" : "sp add";
	char buf[1024], err[CTL_ERR] = "", *argv[CTL_WORDS];
	struct cfg_args a = { .cmd = what, .argv = argv, .err = err,
			      .err_len = sizeof(err) };
	struct dpsec_spd *spd;
	struct cfg_sp p, *old = NULL;
	uint32_t next = 1;
	bool by_spi;
	int rc;

	a.argc = words(params, buf, sizeof(buf), argv);
	if (!enter(d))
		return 0;
	for (unsigned int i = 0; i < gw.nb_sp; i++)
		if (gw.sps[i].pol.id >= next)
			next = gw.sps[i].pol.id + 1;
	/* replace: no default id (UINT32_MAX is no policy's) */
	if (a.argc < 0 || cfg_sp_parse(&a, &p, &by_spi,
				       replace ? UINT32_MAX : next) != 0)
		goto bad;
	if (replace && p.pol.id == UINT32_MAX) {
		snprintf(err, sizeof(err), "sp replace: the rule needs 'id <n>', the policy it replaces");
		goto bad;
	}
	for (unsigned int i = 0; i < gw.nb_sp; i++)
		if (gw.sps[i].used && gw.sps[i].dir == p.dir &&
		    gw.sps[i].pol.id == p.pol.id)
			old = &gw.sps[i];
	if (!replace && old != NULL) {
		snprintf(err, sizeof(err), "sp add: policy id %" PRIu32 " exists (sp/replace changes it)",
			 p.pol.id);
		goto bad;
	}
	if (replace && old == NULL) {
		snprintf(err, sizeof(err), "sp replace: no policy %s %" PRIu32,
			 p.dir == DPSEC_SA_INBOUND ? "in" : "out", p.pol.id);
		goto bad;
	}
	if (by_spi) {
		struct cfg_sa *s = gw_sa_find(p.dir, p.sa_spi, NULL);

		if (s == NULL || s->sa == NULL) {
			snprintf(err, sizeof(err), "%s: protect %" PRIu32 ": no sa %s %" PRIu32,
				 what, p.sa_spi, p.dir == DPSEC_SA_INBOUND ?
				 "in" : "out", p.sa_spi);
			goto bad;
		}
		p.pol.sa = s->sa;
	}
	if (!replace && gw.nb_sp == GW_MAX_SP) {
		snprintf(err, sizeof(err), "sp add: %d policies already",
			 GW_MAX_SP);
		goto bad;
	}
	spd = spd_of(p.dir);
	rc = replace ? dpsec_spd_del(spd, p.pol.id) : 0;
	if (rc == 0) {
		rc = dpsec_spd_add(spd, &p.pol);
		if (rc == 0) {
			rc = dpsec_spd_commit(spd);
			if (rc != 0)
				dpsec_spd_del(spd, p.pol.id);
		}
		/* Failed: the pending set as it was (the published one
		 * never changed). */
		if (rc != 0 && replace)
			dpsec_spd_add(spd, &old->pol);
	}
	if (rc != 0) {
		snprintf(err, sizeof(err), "%s: %s", what, strerror(-rc));
		goto bad;
	}
	p.used = true;
	p.committed = true;
	if (replace)
		*old = p;
	else
		gw.sps[gw.nb_sp++] = p;
	pthread_mutex_unlock(&gw.lock);
	return reply(d, true, "sp %s %" PRIu32 " %s",
		     p.dir == DPSEC_SA_INBOUND ? "in" : "out", p.pol.id,
		     replace ? "replaced" : "added");
bad:
	pthread_mutex_unlock(&gw.lock);
	return reply(d, false, "%s", err);
}

static int
ctl_sp_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return sp_set(params, d, false);
}

static int
ctl_sp_replace(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return sp_set(params, d, true);
}

static int
ctl_sp_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[256], err[CTL_ERR] = "", *argv[CTL_WORDS];
	struct cfg_args a = { .cmd = "sp del", .argv = argv, .err = err,
			      .err_len = sizeof(err) };
	enum dpsec_sa_dir dir;
	uint64_t id;
	int rc;

	(void)cmd;
	a.argc = words(params, buf, sizeof(buf), argv);
	if (!enter(d))
		return 0;
	if (a.argc < 0 || cfg_dir(&a, &dir) != 0 ||
	    cfg_u64(&a, "a policy id", 0, UINT32_MAX, &id) != 0 ||
	    cfg_end(&a) != 0)
		goto bad;
	for (unsigned int i = 0; i < gw.nb_sp; i++) {
		struct cfg_sp *p = &gw.sps[i];

		if (!p->used || p->dir != dir || p->pol.id != id)
			continue;
		rc = dpsec_spd_del(spd_of(dir), p->pol.id);
		if (rc == 0)
			rc = dpsec_spd_commit(spd_of(dir));
		if (rc != 0) {
			snprintf(err, sizeof(err), "sp del: %s",
				 strerror(-rc));
			goto bad;
		}
		p->used = false;
		pthread_mutex_unlock(&gw.lock);
		return reply(d, true, "sp %s deleted", params);
	}
	snprintf(err, sizeof(err), "sp del: no policy %s %" PRIu64,
		 dir == DPSEC_SA_INBOUND ? "in" : "out", id);
bad:
	pthread_mutex_unlock(&gw.lock);
	return reply(d, false, "%s", err[0] ? err : "sp del: <in|out> <id>");
}

static int
ctl_sa_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	pthread_mutex_lock(&gw.lock);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; gw.sas != NULL && i < gw.nb_sa; i++) {
		const struct cfg_sa *s = &gw.sas[i];
		struct dpsec_sa_info info;
		struct dpsec_sa_stats st;
		char name[32], val[RTE_TEL_MAX_STRING_LEN];
		uint64_t drops = 0;

		if (!s->used || s->sa == NULL ||
		    dpsec_sa_info(s->sa, &info) != 0 ||
		    dpsec_sa_stats_get(s->sa, &st) != 0)
			continue;
		for (unsigned int r = 0; r < DPSEC_R_MAX; r++)
			drops += st.drops[r];
		snprintf(name, sizeof(name), "%s_%" PRIu32,
			 info.dir == DPSEC_SA_INBOUND ? "in" : "out",
			 info.spi);
		snprintf(val, sizeof(val), "%s packets %" PRIu64 " bytes %" PRIu64 " drops %" PRIu64 " seq %" PRIu64,
			 place_name[info.placement], st.packets, st.bytes,
			 drops, info.seq);
		rte_tel_data_add_dict_string(d, name, val);
	}
	pthread_mutex_unlock(&gw.lock);
	return 0;
}

static int
ctl_sp_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	pthread_mutex_lock(&gw.lock);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; gw.sps != NULL && i < gw.nb_sp; i++) {
		const struct cfg_sp *p = &gw.sps[i];
		char name[32], line[512];

		if (!p->used)
			continue;
		snprintf(name, sizeof(name), "%s_%" PRIu32,
			 p->dir == DPSEC_SA_INBOUND ? "in" : "out", p->pol.id);
		cfg_sp_format(p, line, sizeof(line));
		line[RTE_TEL_MAX_STRING_LEN - 1] = '\0';
		rte_tel_data_add_dict_string(d, name, line);
	}
	pthread_mutex_unlock(&gw.lock);
	return 0;
}

static int
ctl_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (uint16_t p = 0; p < GW_MAX_PORTS; p++) {
		struct gw_port_stats s;
		char name[16], val[RTE_TEL_MAX_STRING_LEN];

		if (!gw.port[p].enabled)
			continue;
		gw_port_sum(p, &s);
		snprintf(name, sizeof(name), "port_%u", p);
		snprintf(val, sizeof(val), "%s rx %" PRIu64 " tx %" PRIu64 " dropped %" PRIu64,
			 gw.port[p].unprotected ? "unprotected" : "protected",
			 s.rx, s.tx, gw_drops_of(&s));
		rte_tel_data_add_dict_string(d, name, val);
	}
	return 0;
}

static int
ctl_events(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t n = __atomic_load_n(&gw_events.next, __ATOMIC_ACQUIRE);
	uint64_t from = n > 16 ? n - 16 : 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "soft_expired",
				  gw_events.count[DPSEC_EV_SOFT_EXPIRED]);
	rte_tel_data_add_dict_u64(d, "hard_expired",
				  gw_events.count[DPSEC_EV_HARD_EXPIRED]);
	rte_tel_data_add_dict_u64(d, "seq_exhausted",
				  gw_events.count[DPSEC_EV_SEQ_EXHAUSTED]);
	for (uint64_t i = from; i < n; i++) {
		const struct gw_event *e = &gw_events.log[i % GW_EV_LOG];
		char name[32], val[RTE_TEL_MAX_STRING_LEN];

		snprintf(name, sizeof(name), "event_%" PRIu64, i);
		snprintf(val, sizeof(val), "sa %s %" PRIu32 ": %s",
			 e->dir == DPSEC_SA_INBOUND ? "in" : "out", e->spi,
			 gw_event_name(e->ev));
		rte_tel_data_add_dict_string(d, name, val);
	}
	return 0;
}

static int
ctl_fault(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char buf[256], err[CTL_ERR] = "", *argv[CTL_WORDS];
	struct cfg_args a = { .cmd = "fault", .argv = argv, .err = err,
			      .err_len = sizeof(err) };
	struct rte_pmd_sim_inline_faults f;
	const char *kind;
	uint64_t port;
	double rate;
	char *end;
	int rc;

	(void)cmd;
	a.argc = words(params, buf, sizeof(buf), argv);
	if (a.argc < 0 ||
	    cfg_u64(&a, "a port", 0, GW_MAX_PORTS - 1, &port) != 0)
		goto bad;
	if (!gw.port[port].enabled ||
	    rte_pmd_sim_inline_fault_get((uint16_t)port, &f) != 0) {
		snprintf(err, sizeof(err), "fault: port %" PRIu64 " is not an enabled sim_inline port",
			 port);
		goto bad;
	}
	kind = cfg_next(&a);
	if (kind == NULL) {
		cfg_err_tok(&a, "a fault (punt|spurious_fail|drop|dup|reorder <rate>, sa_loss, recover)");
		goto bad;
	}
	if (strcmp(kind, "sa_loss") == 0 || strcmp(kind, "recover") == 0) {
		if (cfg_end(&a) != 0)
			goto bad;
		if (!enter(d))
			return 0;
		/* The NIC forgets its SAs; dpsec puts them back (resync). */
		if (kind[0] == 's') {
			rc = rte_pmd_sim_inline_sec_reset((uint16_t)port);
			if (rc == 0)
				rc = dpsec_port_resync(gw.ctx, (uint16_t)port);
		} else {
			rc = rte_pmd_sim_inline_recover((uint16_t)port);
		}
		pthread_mutex_unlock(&gw.lock);
		if (rc < 0)
			return reply(d, false, "fault %s: %s", kind,
				     strerror(-rc));
		return reply(d, true, "port %" PRIu64 ": %s done", port, kind);
	}
	if (a.i >= a.argc) {
		cfg_err_tok(&a, "a rate (0..1)");
		goto bad;
	}
	rate = strtod(argv[a.i], &end);
	if (*end != '\0' || !(rate >= 0 && rate <= 1)) {
		cfg_err_tok(&a, "a rate (0..1)");
		goto bad;
	}
	a.i++;
	if (cfg_end(&a) != 0)
		goto bad;
	if (strcmp(kind, "punt") == 0)
		f.punt = rate;
	else if (strcmp(kind, "spurious_fail") == 0)
		f.spurious_fail = rate;
	else if (strcmp(kind, "drop") == 0)
		f.drop = rate;
	else if (strcmp(kind, "dup") == 0)
		f.dup = rate;
	else if (strcmp(kind, "reorder") == 0)
		f.reorder = rate;
	else {
		a.i -= 2;
		cfg_err_tok(&a, "a fault (punt|spurious_fail|drop|dup|reorder <rate>, sa_loss, recover)");
		goto bad;
	}
	rc = rte_pmd_sim_inline_fault_set((uint16_t)port, &f);
	if (rc != 0)
		return reply(d, false, "fault: %s", strerror(-rc));
	return reply(d, true, "port %" PRIu64 ": %s %g", port, kind, rate);
bad:
	return reply(d, false, "%s", err[0] ? err : "fault: <port> <kind> [rate]");
}

int
gw_ctl_init(void)
{
	static const struct {
		const char *cmd;
		telemetry_cb cb;
		const char *help;
	} cmds[] = {
		{ "/dpsec_gw/sa/add", ctl_sa_add, "Add an SA. Parameters: an sa rule without 'sa' (doc/ipsec_gw.md)" },
		{ "/dpsec_gw/sa/del", ctl_sa_del, "Delete an SA. Parameters: <in|out> <spi>" },
		{ "/dpsec_gw/sa/move", ctl_sa_move, "Move an SA. Parameters: <in|out> <spi> <nic|sw>" },
		{ "/dpsec_gw/sa/list", ctl_sa_list, "SAs: placement and counters" },
		{ "/dpsec_gw/sp/add", ctl_sp_add, "Add and commit a policy. Parameters: an sp rule without 'sp'" },
		{ "/dpsec_gw/sp/replace", ctl_sp_replace, "Replace policy <id> in one commit. Parameters: an sp rule without 'sp', with 'id <n>'" },
		{ "/dpsec_gw/sp/del", ctl_sp_del, "Delete and commit a policy. Parameters: <in|out> <id>" },
		{ "/dpsec_gw/sp/list", ctl_sp_list, "Policies" },
		{ "/dpsec_gw/ports", ctl_ports, "Ports: packets in, out and dropped" },
		{ "/dpsec_gw/events", ctl_events, "SA lifetime events: counts and the last 16" },
		{ "/dpsec_gw/fault", ctl_fault, "sim_inline faults. Parameters: <port> punt|spurious_fail|drop|dup|reorder <rate> | sa_loss | recover" },
	};

	for (unsigned int i = 0; i < RTE_DIM(cmds); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].cb,
						    cmds[i].help);

		if (rc != 0) {
			fprintf(stderr, "error: telemetry %s: %s\n",
				cmds[i].cmd, strerror(-rc));
			return -1;
		}
	}
	return 0;
}
