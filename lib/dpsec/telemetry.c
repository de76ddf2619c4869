/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: the global list of contexts and the /dpsec/... commands of
 * rte_telemetry (read with usertools/dpdk-telemetry.py).
 *
 *   /dpsec/ctx/list                      context names
 *   /dpsec/sa/list,<ctx>                 {"out": [spi...], "in": [spi...]}
 *   /dpsec/sa/info,<ctx>,<spi>[,in|out]  one SA: placement, state, counters
 *   /dpsec/stats,<ctx>                   totals over the context's SAs
 *   /dpsec/tls/list,<ctx>                its TLS contexts
 *   /dpsec/tls/port,<ctx>,<port>         a port's TLS counters
 *
 * Callbacks run on the telemetry thread. They hold ctx_mutex for as long
 * as they use a context (dpsec_free() takes the context out of the list
 * under it first), and the context's ctl_lock while they walk its SAs
 * (dpsec_sa_destroy() unlinks an SA under ctl_lock before freeing it).
 * Lock order: ctx_mutex, then ctl_lock. Bad parameters return -EINVAL;
 * telemetry then answers null.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_string_fns.h>
#include <rte_telemetry.h>

#include "sa.h"
#include "tls.h"

static pthread_mutex_t ctx_mutex = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, dpsec_ctx) ctx_head = TAILQ_HEAD_INITIALIZER(ctx_head);

/* Dictionary keys must be [A-Za-z0-9_/]: the enum names, not the text. */
static const char *const reason_name[DPSEC_R_MAX] = {
#define DPSEC_REASON_NAME(n, s) [DPSEC_R_ ## n] = #n,
	DPSEC_REASONS(DPSEC_REASON_NAME)
#undef DPSEC_REASON_NAME
};

/* Algorithm names come from the algorithm table (crypto_algos.h). */
static const char *
cipher_str(enum dpsec_cipher c)
{
	const struct dpsec_crypto_cipher_info *ci =
		dpsec_crypto_cipher_info_get(sa_cipher_alg(c));

	return ci != NULL ? ci->name : "unknown";
}

static const char *
auth_str(enum dpsec_auth a)
{
	const struct dpsec_crypto_auth_info *ai =
		dpsec_crypto_auth_info_get(sa_auth_alg(a));

	if (a == DPSEC_AUTH_NONE)
		return "none";		/* AEAD: no separate integrity */
	return ai != NULL ? ai->name : "unknown";
}

static const char *const placement_name[] = {
	[DPSEC_PLACE_SW] = "sw",
	[DPSEC_PLACE_INLINE_CRYPTO] = "inline-crypto",
	[DPSEC_PLACE_INLINE_PROTOCOL] = "inline-protocol",
};

static const char *const state_name[] = {
	[DPSEC_SA_ACTIVE] = "active",
	[DPSEC_SA_SOFT_EXPIRED] = "soft-expired",
	[DPSEC_SA_DEAD] = "dead",
};

#define NAME_OF(tbl, v) \
	((unsigned int)(v) < RTE_DIM(tbl) && (tbl)[v] != NULL ? (tbl)[v] : \
	 "unknown")

static const char *
dir_name(uint8_t dir)
{
	return dir == DPSEC_SA_OUTBOUND ? "out" : "in";
}

int
ctx_list_add(struct dpsec_ctx *ctx)
{
	struct dpsec_ctx *c;
	int ret = 0;

	pthread_mutex_lock(&ctx_mutex);
	TAILQ_FOREACH(c, &ctx_head, list)
		if (strcmp(c->name, ctx->name) == 0) {
			ret = -EEXIST;
			break;
		}
	if (ret == 0) {
		TAILQ_INSERT_TAIL(&ctx_head, ctx, list);
		ctx->listed = true;
	}
	pthread_mutex_unlock(&ctx_mutex);
	return ret;
}

void
ctx_list_del(struct dpsec_ctx *ctx)
{
	pthread_mutex_lock(&ctx_mutex);
	if (ctx->listed) {
		TAILQ_REMOVE(&ctx_head, ctx, list);
		ctx->listed = false;
	}
	pthread_mutex_unlock(&ctx_mutex);
}

/* Caller holds ctx_mutex. */
static struct dpsec_ctx *
ctx_find(const char *name)
{
	struct dpsec_ctx *c;

	TAILQ_FOREACH(c, &ctx_head, list)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Split "a,b,c" (a copy in @buf) into at most @max fields. */
static int
split_params(const char *params, char *buf, size_t sz, char *f[], int max)
{
	char *save = NULL, *tok;
	int n = 0;

	if (params == NULL || params[0] == '\0' ||
	    strlcpy(buf, params, sz) >= sz)
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			return -EINVAL;
		f[n++] = tok;
	}
	return n;
}

static int
parse_spi(const char *s, uint32_t *spi)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v > UINT32_MAX)
		return -EINVAL;
	*spi = (uint32_t)v;
	return 0;
}

/* A dict of the non-zero drop counters, added to @d as "drops". */
static int
add_drops(struct rte_tel_data *d, const uint64_t drops[DPSEC_R_MAX])
{
	struct rte_tel_data *dd = rte_tel_data_alloc();
	unsigned int i;

	if (dd == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(dd);
	for (i = DPSEC_R_NONE + 1; i < DPSEC_R_MAX; i++)
		if (drops[i] != 0)
			rte_tel_data_add_dict_u64(dd, reason_name[i], drops[i]);
	if (rte_tel_data_add_dict_container(d, "drops", dd, 0) != 0) {
		rte_tel_data_free(dd);
		return -ENOMEM;
	}
	return 0;
}

static int
tel_ctx_list(const char *cmd __rte_unused, const char *params __rte_unused,
	     struct rte_tel_data *d)
{
	struct dpsec_ctx *c;

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&ctx_mutex);
	TAILQ_FOREACH(c, &ctx_head, list)
		if (rte_tel_data_add_array_string(d, c->name) != 0)
			break;		/* RTE_TEL_MAX_ARRAY_ENTRIES */
	pthread_mutex_unlock(&ctx_mutex);
	return 0;
}

static int
tel_sa_list(const char *cmd __rte_unused, const char *params,
	    struct rte_tel_data *d)
{
	struct rte_tel_data *arr[2];
	struct dpsec_ctx *ctx;
	struct dpsec_sa *sa;
	char buf[64], *f[1];
	int i;

	if (split_params(params, buf, sizeof(buf), f, 1) != 1)
		return -EINVAL;
	arr[0] = rte_tel_data_alloc();
	arr[1] = rte_tel_data_alloc();
	if (arr[0] == NULL || arr[1] == NULL) {
		rte_tel_data_free(arr[0]);
		rte_tel_data_free(arr[1]);
		return -ENOMEM;
	}
	rte_tel_data_start_array(arr[0], RTE_TEL_U64_VAL);
	rte_tel_data_start_array(arr[1], RTE_TEL_U64_VAL);

	pthread_mutex_lock(&ctx_mutex);
	ctx = ctx_find(f[0]);
	if (ctx != NULL) {
		rte_spinlock_lock(&ctx->ctl_lock);
		/* Beyond RTE_TEL_MAX_ARRAY_ENTRIES per direction: cut. */
		TAILQ_FOREACH(sa, &ctx->sas, next)
			rte_tel_data_add_array_u64(arr[sa->dir ==
				DPSEC_SA_INBOUND], sa->conf.spi);
		rte_spinlock_unlock(&ctx->ctl_lock);
	}
	pthread_mutex_unlock(&ctx_mutex);
	if (ctx == NULL) {
		rte_tel_data_free(arr[0]);
		rte_tel_data_free(arr[1]);
		return -EINVAL;
	}

	rte_tel_data_start_dict(d);
	for (i = 0; i < 2; i++)
		if (rte_tel_data_add_dict_container(d, dir_name(i), arr[i],
						    0) != 0)
			rte_tel_data_free(arr[i]);
	return 0;
}

static void
addr_str(const struct dpsec_addr *a, char *buf, size_t sz)
{
	if (a->family == 4)
		inet_ntop(AF_INET, &a->v4, buf, sz);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->v6, buf, sz);
	else
		strlcpy(buf, "", sz);
}

/* What /dpsec/sa/info reports, copied under ctl_lock. */
struct sa_snap {
	struct dpsec_sa_info info;
	struct dpsec_sa_stats st;
	struct dpsec_sa_conf conf;	/* key pointers are NULL */
	uint64_t created_tsc;
};

static void
sa_info_fill(const struct sa_snap *sn, struct rte_tel_data *d)
{
	const struct dpsec_sa_conf *c = &sn->conf;
	uint64_t hz = rte_get_tsc_hz();
	char s[INET6_ADDRSTRLEN + 1];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "spi", sn->info.spi);
	snprintf(s, sizeof(s), "0x%08" PRIx32, sn->info.spi);
	rte_tel_data_add_dict_string(d, "spi_hex", s);
	rte_tel_data_add_dict_string(d, "dir", dir_name(c->dir));
	rte_tel_data_add_dict_string(d, "mode", c->mode == DPSEC_SA_TUNNEL ?
				     "tunnel" : "transport");
	addr_str(&c->src, s, sizeof(s));
	rte_tel_data_add_dict_string(d, "src", s);
	addr_str(&c->dst, s, sizeof(s));
	rte_tel_data_add_dict_string(d, "dst", s);
	rte_tel_data_add_dict_string(d, "cipher",
				     cipher_str(c->cipher));
	rte_tel_data_add_dict_string(d, "auth", auth_str(c->auth));
	rte_tel_data_add_dict_int(d, "esn", !!(c->flags & DPSEC_SA_F_ESN));
	rte_tel_data_add_dict_int(d, "natt", !!(c->flags & DPSEC_SA_F_NATT));
	rte_tel_data_add_dict_string(d, "placement",
				     NAME_OF(placement_name, sn->info.placement));
	rte_tel_data_add_dict_string(d, "place_reason",
			dpsec_place_reason_str(sn->info.place_reason));
	rte_tel_data_add_dict_int(d, "port", sn->info.port_id);
	rte_tel_data_add_dict_string(d, "state",
				     NAME_OF(state_name, sn->info.state));
	if (c->dir == DPSEC_SA_OUTBOUND) {
		rte_tel_data_add_dict_u64(d, "seq", sn->info.seq);
	} else {
		rte_tel_data_add_dict_u64(d, "top", sn->info.seq);
		rte_tel_data_add_dict_u64(d, "replay_window", c->replay_window);
	}
	rte_tel_data_add_dict_u64(d, "age_s", hz == 0 ? 0 :
				  (rte_get_tsc_cycles() - sn->created_tsc) / hz);
	rte_tel_data_add_dict_u64(d, "packets", sn->st.packets);
	rte_tel_data_add_dict_u64(d, "bytes", sn->st.bytes);
	rte_tel_data_add_dict_u64(d, "userdata", sn->info.userdata);
}

static int
tel_sa_info(const char *cmd __rte_unused, const char *params,
	    struct rte_tel_data *d)
{
	struct dpsec_ctx *ctx;
	struct dpsec_sa *sa, *found = NULL;
	struct sa_snap sn;
	char buf[96], *f[3];
	unsigned int matches = 0;
	uint32_t spi;
	int dir = -1, n;

	n = split_params(params, buf, sizeof(buf), f, 3);
	if (n < 2 || parse_spi(f[1], &spi) != 0)
		return -EINVAL;
	if (n == 3) {
		if (strcmp(f[2], "out") == 0)
			dir = DPSEC_SA_OUTBOUND;
		else if (strcmp(f[2], "in") == 0)
			dir = DPSEC_SA_INBOUND;
		else
			return -EINVAL;
	}

	pthread_mutex_lock(&ctx_mutex);
	ctx = ctx_find(f[0]);
	if (ctx != NULL) {
		rte_spinlock_lock(&ctx->ctl_lock);
		TAILQ_FOREACH(sa, &ctx->sas, next)
			if (sa->conf.spi == spi && (dir < 0 || sa->dir == dir)) {
				found = sa;
				matches++;
			}
		if (matches == 1) {
			sa_info_read(found, &sn.info);
			sa_stats_read(found, &sn.st);
			sn.conf = found->conf;
			sn.created_tsc = found->created_tsc;
		}
		rte_spinlock_unlock(&ctx->ctl_lock);
	}
	pthread_mutex_unlock(&ctx_mutex);
	/* An SPI used both ways (or by several inbound SAs keyed on
	 * addresses) needs the direction: ambiguity is an error. */
	if (matches != 1)
		return -EINVAL;
	sa_info_fill(&sn, d);
	return add_drops(d, sn.st.drops);
}

static int
tel_stats(const char *cmd __rte_unused, const char *params,
	  struct rte_tel_data *d)
{
	uint64_t drops[DPSEC_R_MAX] = { 0 };
	uint64_t pkts[2] = { 0 }, bytes[2] = { 0 };
	unsigned int place[RTE_DIM(placement_name)] = { 0 };
	unsigned int state[RTE_DIM(state_name)] = { 0 };
	unsigned int nb[2] = { 0 }, i;
	struct dpsec_sa_stats st;
	struct dpsec_ctx *ctx;
	struct dpsec_sa *sa;
	char buf[64], *f[1];
	uint32_t max_sa = 0;

	if (split_params(params, buf, sizeof(buf), f, 1) != 1)
		return -EINVAL;
	pthread_mutex_lock(&ctx_mutex);
	ctx = ctx_find(f[0]);
	if (ctx != NULL) {
		max_sa = ctx->max_sa;
		rte_spinlock_lock(&ctx->ctl_lock);
		TAILQ_FOREACH(sa, &ctx->sas, next) {
			unsigned int dir = sa->dir == DPSEC_SA_INBOUND;
			uint32_t s = __atomic_load_n(&sa->state,
						     __ATOMIC_ACQUIRE);

			sa_stats_read(sa, &st);
			nb[dir]++;
			pkts[dir] += st.packets;
			bytes[dir] += st.bytes;
			for (i = 0; i < DPSEC_R_MAX; i++)
				drops[i] += st.drops[i];
			if ((unsigned int)sa->placement < RTE_DIM(place))
				place[sa->placement]++;
			if (s < RTE_DIM(state))
				state[s]++;
		}
		rte_spinlock_unlock(&ctx->ctl_lock);
	}
	pthread_mutex_unlock(&ctx_mutex);
	if (ctx == NULL)
		return -EINVAL;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", f[0]);
	rte_tel_data_add_dict_u64(d, "max_sa", max_sa);
	rte_tel_data_add_dict_u64(d, "sa_out", nb[0]);
	rte_tel_data_add_dict_u64(d, "sa_in", nb[1]);
	rte_tel_data_add_dict_u64(d, "sa_sw", place[DPSEC_PLACE_SW]);
	rte_tel_data_add_dict_u64(d, "sa_inline_crypto",
				  place[DPSEC_PLACE_INLINE_CRYPTO]);
	rte_tel_data_add_dict_u64(d, "sa_inline_protocol",
				  place[DPSEC_PLACE_INLINE_PROTOCOL]);
	rte_tel_data_add_dict_u64(d, "sa_active", state[DPSEC_SA_ACTIVE]);
	rte_tel_data_add_dict_u64(d, "sa_soft_expired",
				  state[DPSEC_SA_SOFT_EXPIRED]);
	rte_tel_data_add_dict_u64(d, "sa_dead", state[DPSEC_SA_DEAD]);
	rte_tel_data_add_dict_u64(d, "packets_out", pkts[0]);
	rte_tel_data_add_dict_u64(d, "bytes_out", bytes[0]);
	rte_tel_data_add_dict_u64(d, "packets_in", pkts[1]);
	rte_tel_data_add_dict_u64(d, "bytes_in", bytes[1]);
	return add_drops(d, drops);
}

/* /dpsec/tls/list,<ctx>: one dictionary per TLS context, in creation
 * order, keyed "0", "1", ... */
static int
tel_tls_list(const char *cmd __rte_unused, const char *params,
	     struct rte_tel_data *d)
{
	struct dpsec_ctx *ctx;
	struct dpsec_tls *t;
	char buf[64], *f[1], key[16];
	unsigned int i = 0;
	int ret = 0;

	if (split_params(params, buf, sizeof(buf), f, 1) != 1)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&ctx_mutex);
	ctx = ctx_find(f[0]);
	if (ctx == NULL) {
		pthread_mutex_unlock(&ctx_mutex);
		return -EINVAL;
	}
	rte_spinlock_lock(&ctx->ctl_lock);
	TAILQ_FOREACH(t, &ctx->tlss, next) {
		struct rte_tel_data *e = rte_tel_data_alloc();
		struct dpsec_tls_info info;
		struct dpsec_tls_stats st;

		if (e == NULL) {
			ret = -ENOMEM;
			break;
		}
		dpsec_tls_info(t, &info);
		dpsec_tls_stats_get(t, &st);
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "dir", t->rx ? "read" : "write");
		rte_tel_data_add_dict_string(e, "version",
			info.ver == DPSEC_TLS_VERSION_1_3 ? "1.3" : "1.2");
		rte_tel_data_add_dict_string(e, "cipher",
			cipher_str(info.cipher));
		rte_tel_data_add_dict_string(e, "placement",
			NAME_OF(placement_name, info.placement));
		rte_tel_data_add_dict_string(e, "place_reason",
			dpsec_place_reason_str(info.place_reason));
		rte_tel_data_add_dict_u64(e, "state", info.state);
		rte_tel_data_add_dict_u64(e, "port", info.port_id);
		rte_tel_data_add_dict_u64(e, "next_rec_seq", info.next_rec_seq);
		rte_tel_data_add_dict_u64(e, "next_tcp_seq", info.next_tcp_seq);
		rte_tel_data_add_dict_u64(e, "records_nic", st.records_nic);
		rte_tel_data_add_dict_u64(e, "records_sw", st.records_sw);
		rte_tel_data_add_dict_u64(e, "records_mixed", st.records_mixed);
		rte_tel_data_add_dict_u64(e, "bytes_nic", st.bytes_nic);
		rte_tel_data_add_dict_u64(e, "bytes_sw", st.bytes_sw);
		rte_tel_data_add_dict_u64(e, "auth_failed", st.auth_failed);
		rte_tel_data_add_dict_u64(e, "rec_too_long", st.rec_too_long);
		rte_tel_data_add_dict_u64(e, "bad_header", st.bad_header);
		rte_tel_data_add_dict_u64(e, "ooo", st.ooo);
		rte_tel_data_add_dict_u64(e, "dropped", st.dropped);
		rte_tel_data_add_dict_u64(e, "userdata", info.userdata);
		snprintf(key, sizeof(key), "%u", i++);
		if (rte_tel_data_add_dict_container(d, key, e, 0) != 0) {
			rte_tel_data_free(e);
			ret = -ENOSPC;
			break;
		}
	}
	rte_spinlock_unlock(&ctx->ctl_lock);
	pthread_mutex_unlock(&ctx_mutex);
	return ret;
}

/* /dpsec/tls/port,<ctx>,<port>: the port's TLS counters, named as in
 * Linux's Documentation/networking/tls-offload.rst. */
static int
tel_tls_port(const char *cmd __rte_unused, const char *params,
	     struct rte_tel_data *d)
{
	struct dpsec_tls_port_stats st;
	struct dpsec_ctx *ctx;
	char buf[64], *f[2], *end;
	unsigned long port;
	int ret = -EINVAL;

	if (split_params(params, buf, sizeof(buf), f, 2) != 2)
		return -EINVAL;
	port = strtoul(f[1], &end, 10);
	if (*end != '\0' || port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	pthread_mutex_lock(&ctx_mutex);
	ctx = ctx_find(f[0]);
	if (ctx != NULL)
		ret = dpsec_tls_port_stats_get(ctx, (uint16_t)port, &st);
	pthread_mutex_unlock(&ctx_mutex);
	if (ret != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
#define TLS_PORT_STAT(n) rte_tel_data_add_dict_u64(d, #n, st.n)
	TLS_PORT_STAT(tx_tls_encrypted_packets);
	TLS_PORT_STAT(tx_tls_encrypted_bytes);
	TLS_PORT_STAT(tx_tls_ctx);
	TLS_PORT_STAT(tx_tls_del);
	TLS_PORT_STAT(tx_tls_ooo);
	TLS_PORT_STAT(rx_tls_decrypted_packets);
	TLS_PORT_STAT(rx_tls_decrypted_bytes);
	TLS_PORT_STAT(rx_tls_ctx);
	TLS_PORT_STAT(rx_tls_del);
	TLS_PORT_STAT(rx_tls_err);
#undef TLS_PORT_STAT
	return 0;
}

/* Commands exist as soon as the library is loaded; they are safe before
 * rte_eal_init() (telemetry only stores them) and with no context. */
RTE_INIT(dpsec_telemetry_init)
{
	rte_telemetry_register_cmd("/dpsec/ctx/list", tel_ctx_list,
		"Names of the dpsec contexts. No parameters");
	rte_telemetry_register_cmd("/dpsec/sa/list", tel_sa_list,
		"SPIs of a context's SAs by direction. Parameters: ctx name");
	rte_telemetry_register_cmd("/dpsec/sa/info", tel_sa_info,
		"One SA. Parameters: ctx name, SPI, [in|out] if ambiguous");
	rte_telemetry_register_cmd("/dpsec/stats", tel_stats,
		"Totals over a context's SAs. Parameters: ctx name");
	rte_telemetry_register_cmd("/dpsec/tls/list", tel_tls_list,
		"A context's TLS record contexts. Parameters: ctx name");
	rte_telemetry_register_cmd("/dpsec/tls/port", tel_tls_port,
		"TLS counters of a port (Linux tls-offload names). "
		"Parameters: ctx name, port id");
}
