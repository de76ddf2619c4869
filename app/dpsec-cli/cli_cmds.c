/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The commands of dpsec-cli and the state they act on: one dpsec context
 * with one outbound and one inbound SPD, every port attached to it, the
 * SAs and policies created here (with their keys, for "save").
 *
 * Commands are "<noun> [<verb>] [<args>...]": DPDK's cmdline library
 * matches, completes and helps with the noun and the verb; each command
 * parses its arguments itself with a word cursor, so every error names the
 * word and what was expected (cfg_err_tok()). Nothing is changed before
 * every argument was checked, and a library call that fails leaves the
 * CLI's tables as they were.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_security.h>

#include "cli.h"
#include "dpsec_tls.h"
#include "rte_pmd_sim_inline.h"

unsigned int cli_failures;
volatile bool cli_quit;
struct cmdline *cli_cl;
bool cli_port_up[CLI_MAX_PORTS];

static struct cfg_sa sas[CLI_MAX_SA];
static struct cfg_sp sps[2 * CLI_MAX_SP];
static int last_rc;

enum { NB_MBUFS = 16 * 1024 - 1, MBUF_CACHE = 256, NB_DESC = 1024 };

#define REASON_NAME(n, s) #n,
static const char *const reason_name[DPSEC_R_MAX] = {
	DPSEC_REASONS(REASON_NAME)
};
#undef REASON_NAME
#define PLACE_NAME(n, s) #n,
static const char *const place_reason_name[DPSEC_PLACE_R_MAX] = {
	DPSEC_PLACE_REASONS(PLACE_NAME)
};
#undef PLACE_NAME

const char *
cli_reason_name(enum dpsec_reason r)
{
	return (unsigned int)r < DPSEC_R_MAX ? reason_name[r] : "?";
}

const char *
cli_place_reason_name(enum dpsec_place_reason r)
{
	return (unsigned int)r < DPSEC_PLACE_R_MAX ? place_reason_name[r] :
	       "?";
}

const char *const cli_placement_name[] = {
	[DPSEC_PLACE_SW] = "sw",
	[DPSEC_PLACE_INLINE_CRYPTO] = "inline-crypto",
	[DPSEC_PLACE_INLINE_PROTOCOL] = "inline-protocol",
};
static const char *const state_name[] = {
	[DPSEC_SA_ACTIVE] = "active",
	[DPSEC_SA_SOFT_EXPIRED] = "soft-expired",
	[DPSEC_SA_DEAD] = "dead",
};
static const char *const action_name[] = {
	[DPSEC_POLICY_DISCARD] = "discard",
	[DPSEC_POLICY_BYPASS] = "bypass",
	[DPSEC_POLICY_PROTECT] = "protect",
};

static const char *
dir_str(enum dpsec_sa_dir d)
{
	return d == DPSEC_SA_INBOUND ? "in" : "out";
}

static const char *
offload_str(const struct dpsec_sa_conf *c)
{
	if (c->offload == DPSEC_OFFLOAD_NONE)
		return "no-offload";
	if (c->offload == DPSEC_OFFLOAD_AUTO)
		return "auto";
	return c->flags & DPSEC_SA_F_NO_INLINE_PROTOCOL ?
	       "inline-crypto-offload" : "inline-protocol-offload";
}

/* ---- ports ---- */

static int
port_setup(uint16_t port)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info di;
	int rc;

	rc = rte_eth_dev_info_get(port, &di);
	if (rc != 0)
		return rc;
	conf.rxmode.offloads = di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SECURITY;
	/* TCP checksums: tls forwarding asks the NIC for them after it
	 * encrypted the records (cli_tls_fwd.c). */
	conf.txmode.offloads = di.tx_offload_capa &
		(RTE_ETH_TX_OFFLOAD_SECURITY | RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, NB_DESC,
				rte_eth_dev_socket_id(port), NULL, cli_fwd.mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, NB_DESC,
				rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = dpsec_port_attach(cli_fwd.ctx, port);
	if (rc == 0)
		rc = rte_eth_promiscuous_enable(port);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		cli_port_up[port] = true;
	return rc;
}

static struct dpsec_ctx_conf ctx_conf;

/* The CLI's two SPDs, empty. 0 or -1 (rte_errno set). */
static int
spds_create(void)
{
	cli_fwd.spd_out = dpsec_spd_create(cli_fwd.ctx, "cli-out",
					   DPSEC_SA_OUTBOUND, CLI_MAX_SP);
	cli_fwd.spd_in = dpsec_spd_create(cli_fwd.ctx, "cli-in",
					  DPSEC_SA_INBOUND, CLI_MAX_SP);
	return cli_fwd.spd_out == NULL || cli_fwd.spd_in == NULL ? -1 : 0;
}

/* Forwarding and capture stopped, the TLS contexts and the SPDs gone
 * (state_fini(), state_clear()). */
static void
state_release(void)
{
	if (cli_fwd.running)
		cli_fwd_stop();
	cli_capture_stop(NULL);
	cli_tls_cleanup();
	dpsec_spd_free(cli_fwd.spd_out);
	dpsec_spd_free(cli_fwd.spd_in);
	cli_fwd.spd_out = cli_fwd.spd_in = NULL;
}

/* The dpsec context, its SPDs and the ports configured, attached to it
 * and started (cli_init(), cli_reset()). */
static int
state_init(void)
{
	uint16_t p;
	int rc;

	cli_fwd.ctx = dpsec_create(&ctx_conf);
	if (cli_fwd.ctx == NULL) {
		fprintf(stderr, "error: dpsec context: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	if (spds_create() != 0) {
		fprintf(stderr, "error: SPD: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	RTE_ETH_FOREACH_DEV(p) {
		rc = port_setup(p);
		if (rc != 0) {
			fprintf(stderr, "error: port %u: %s\n", p,
				rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* Forwarding, capture, TLS contexts, SPDs, SAs and the context gone, the
 * ports stopped; keys wiped. */
static void
state_fini(void)
{
	uint16_t p;

	/* SPDs before the context; the context destroys its SAs and wipes
	 * their keys; then our copies of the keys. */
	state_release();
	RTE_ETH_FOREACH_DEV(p) {
		if (cli_port_up[p])
			rte_eth_dev_stop(p);
		cli_port_up[p] = false;
	}
	dpsec_free(cli_fwd.ctx);
	cli_fwd.ctx = NULL;
	explicit_bzero(sas, sizeof(sas));
	memset(sps, 0, sizeof(sps));
}

static void
settings_default(void)
{
	cli_fwd.mode = CLI_FWD_IO;
	cli_fwd.burst = 32;
	cli_fwd.pkt_len = 128;
	cli_fwd.txport = -1;
	cli_fwd.src = htonl(0x0a010001);	/* 10.1.0.1 */
	cli_fwd.dst = htonl(0x0a020001);	/* 10.2.0.1 */
	memset(cli_fwd.st, 0, sizeof(cli_fwd.st));
}

int
cli_init(const char *backend, uint32_t max_sa)
{
	ctx_conf = (struct dpsec_ctx_conf){
		.name = "cli",
		.socket_id = SOCKET_ID_ANY,
		.max_sa = max_sa,
		.backend = strcmp(backend, "openssl") == 0 ?
			   DPSEC_BACKEND_OPENSSL : DPSEC_BACKEND_IPSEC_MB,
	};
	settings_default();
	cli_fwd.mp = rte_pktmbuf_pool_create("cli_pool", NB_MBUFS, MBUF_CACHE,
					     0, RTE_MBUF_DEFAULT_BUF_SIZE,
					     rte_socket_id());
	if (cli_fwd.mp == NULL) {
		fprintf(stderr, "error: mbuf pool: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	return state_init();
}

/*
 * cli_reset() without a new dpsec context (whose crypto managers are most
 * of what a full reset costs): forwarding and capture stopped, the TLS
 * contexts, SPDs and SAs destroyed one by one through the API (the reqids
 * unbound first), the SPDs made again, every port stopped (what its
 * queues hold is dropped) and started. 0, or -1 if any step failed: the
 * caller then resets in full.
 */
static int
state_clear(void)
{
	int rc = 0;
	uint16_t p;

	state_release();
	memset(sps, 0, sizeof(sps));
	for (unsigned int i = 0; i < CLI_MAX_SA; i++) {
		struct cfg_sa *s = &sas[i];

		if (!s->used)
			continue;
		if (s->conf.dir == DPSEC_SA_OUTBOUND && s->conf.reqid != 0 &&
		    dpsec_reqid_get(cli_fwd.ctx, s->conf.reqid) != NULL &&
		    dpsec_reqid_set(cli_fwd.ctx, s->conf.reqid, NULL) != 0)
			rc = -1;
		if (dpsec_sa_destroy(cli_fwd.ctx, s->sa) != 0)
			rc = -1;
	}
	explicit_bzero(sas, sizeof(sas));
	RTE_ETH_FOREACH_DEV(p) {
		if (cli_port_up[p] && rte_eth_dev_stop(p) != 0)
			rc = -1;
		cli_port_up[p] = false;
	}
	RTE_ETH_FOREACH_DEV(p) {
		if (rte_eth_dev_start(p) != 0)
			rc = -1;
		else
			cli_port_up[p] = true;
	}
	if (spds_create() != 0)
		rc = -1;
	return rc;
}

int
cli_reset(void)
{
	struct rte_pmd_sim_inline_faults f = { 0 };
	uint16_t p;
	int rc = 0;

	RTE_ETH_FOREACH_DEV(p)
		(void)rte_pmd_sim_inline_fault_set(p, &f);	/* if a sim */
	if (cli_fwd.ctx == NULL || state_clear() != 0) {
		state_fini();
		rc = state_init();
	}
	/* Forwarding stopped: its settings and counters are ours now. */
	settings_default();
	cli_quit = false;
	cli_failures = 0;
	return rc;
}

unsigned int
cli_mbufs_out(void)
{
	return cli_fwd.mp->size - rte_mempool_avail_count(cli_fwd.mp);
}

void
cli_cleanup(void)
{
	uint16_t p;

	state_fini();
	RTE_ETH_FOREACH_DEV(p)
		rte_eth_dev_close(p);
	rte_mempool_free(cli_fwd.mp);
	cli_fwd.mp = NULL;
}

static int
parse_port(struct cfg_args *a, uint16_t *port, bool allow_all, bool *all)
{
	uint64_t n;

	if (allow_all && cfg_accept(a, "all")) {
		*all = true;
		return 0;
	}
	if (all != NULL)
		*all = false;
	if (cfg_peek(a) == NULL || cfg_u64(a, allow_all ?
				"a port id or 'all'" : "a port id", 0,
				RTE_MAX_ETHPORTS - 1, &n) != 0) {
		if (cfg_peek(a) == NULL)
			cfg_err_tok(a, allow_all ? "a port id or 'all'" :
				    "a port id");
		return -1;
	}
	if (!rte_eth_dev_is_valid_port((uint16_t)n)) {
		a->i--;
		cfg_err_tok(a, "an existing port (see 'port list')");
		return -1;
	}
	*port = (uint16_t)n;
	return 0;
}

static bool
want_json(struct cfg_args *a)
{
	if (a->argc > a->i && strcmp(a->argv[a->argc - 1], "json") == 0) {
		a->argc--;
		return true;
	}
	return false;
}

static int
h_port_list(struct cfg_args *a)
{
	uint16_t p;

	if (cfg_end(a) != 0)
		return -1;
	printf("%-4s %-20s %-16s %-17s %-7s\n", "PORT", "NAME", "DRIVER",
	       "MAC", "STATE");
	RTE_ETH_FOREACH_DEV(p) {
		struct rte_eth_dev_info di;
		struct rte_ether_addr mac;
		char name[RTE_ETH_NAME_MAX_LEN], ms[RTE_ETHER_ADDR_FMT_SIZE];

		if (rte_eth_dev_info_get(p, &di) != 0 ||
		    rte_eth_dev_get_name_by_port(p, name) != 0)
			continue;
		rte_eth_macaddr_get(p, &mac);
		rte_ether_format_addr(ms, sizeof(ms), &mac);
		printf("%-4u %-20s %-16s %-17s %-7s\n", p, name,
		       di.driver_name, ms, cli_port_up[p] ? "started" :
		       "stopped");
	}
	return 0;
}

static int
h_port_info(struct cfg_args *a)
{
	struct rte_pmd_sim_inline_faults f;
	struct rte_eth_dev_info di;
	struct rte_eth_link link;
	uint16_t p;

	if (parse_port(a, &p, false, NULL) != 0 || cfg_end(a) != 0)
		return -1;
	rte_eth_dev_info_get(p, &di);
	rte_eth_link_get_nowait(p, &link);
	printf("port %u: driver %s, %s, link %s, security context %s\n", p,
	       di.driver_name, cli_port_up[p] ? "started" : "stopped",
	       link.link_status ? "up" : "down",
	       rte_eth_dev_get_sec_ctx(p) != NULL ? "yes" : "no");
	printf("  rx security offload %s, tx security offload %s\n",
	       di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SECURITY ? "yes" : "no",
	       di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_SECURITY ? "yes" : "no");
	if (rte_pmd_sim_inline_fault_get(p, &f) == 0)
		printf("  faults: seed %" PRIu64 " punt %g spurious_fail %g "
		       "drop %g dup %g reorder %g\n", f.seed, f.punt,
		       f.spurious_fail, f.drop, f.dup, f.reorder);
	return 0;
}

static int
h_port_start_stop(struct cfg_args *a, bool start)
{
	uint16_t p, one = 0;
	bool all;
	int rc;

	if (parse_port(a, &one, true, &all) != 0 || cfg_end(a) != 0)
		return -1;
	if (cli_fwd.running) {
		cfg_err(a, "forwarding is running: 'stop' first");
		return -1;
	}
	RTE_ETH_FOREACH_DEV(p) {
		if (!all && p != one)
			continue;
		if (cli_port_up[p] == start)
			continue;
		rc = start ? rte_eth_dev_start(p) : rte_eth_dev_stop(p);
		if (rc != 0) {
			cfg_err(a, "port %u: %s", p, rte_strerror(-rc));
			return -1;
		}
		cli_port_up[p] = start;
		if (start) {
			/* A NIC may forget its SA table on stop. */
			rc = dpsec_port_resync(cli_fwd.ctx, p);
			printf("port %u started (%d SAs on the NIC)\n", p,
			       rc < 0 ? 0 : rc);
		} else {
			printf("port %u stopped\n", p);
		}
	}
	return 0;
}

static int
h_port_start(struct cfg_args *a)
{
	return h_port_start_stop(a, true);
}

static int
h_port_stop(struct cfg_args *a)
{
	return h_port_start_stop(a, false);
}

static const char *
cap_algo(const struct rte_cryptodev_capabilities *c)
{
	if (c->op != RTE_CRYPTO_OP_TYPE_SYMMETRIC)
		return NULL;
	switch (c->sym.xform_type) {
	case RTE_CRYPTO_SYM_XFORM_CIPHER:
		return rte_crypto_cipher_algorithm_strings[c->sym.cipher.algo];
	case RTE_CRYPTO_SYM_XFORM_AUTH:
		return rte_crypto_auth_algorithm_strings[c->sym.auth.algo];
	case RTE_CRYPTO_SYM_XFORM_AEAD:
		return rte_crypto_aead_algorithm_strings[c->sym.aead.algo];
	default:
		return NULL;
	}
}

/* The port's TLS record engine (dpsec_tls_port_caps_get()). */
static void
tls_caps_print(uint16_t p)
{
	struct dpsec_tls_port_caps c;
	char ciphers[96] = "";
	size_t off = 0;

	if (dpsec_tls_port_caps_get(p, &c) != 0 || (!c.tx && !c.rx)) {
		printf("port %u: TLS record offload: none (TLS contexts run in software)\n",
		       p);
		return;
	}
	for (unsigned int i = 0; i < 32 && off < sizeof(ciphers); i++)
		if (c.ciphers & (UINT32_C(1) << i))
			off += (size_t)snprintf(ciphers + off,
				sizeof(ciphers) - off, "%s%s", off ? "," : "",
				cfg_cipher_name((enum dpsec_cipher)i));
	printf("port %u: TLS record offload:%s%s, TLS%s%s, %s, contexts %u of %u in use\n",
	       p, c.tx ? " tx" : "", c.rx ? " rx" : "",
	       c.tls12 ? " 1.2" : "", c.tls13 ? " 1.3" : "",
	       ciphers[0] ? ciphers : "no cipher", c.used_ctx, c.max_ctx);
}

static int
h_port_caps(struct cfg_args *a)
{
	const struct rte_security_capability *cap;
	struct rte_security_ctx *sec;
	uint16_t p;

	if (parse_port(a, &p, false, NULL) != 0 || cfg_end(a) != 0)
		return -1;
	tls_caps_print(p);
	sec = rte_eth_dev_get_sec_ctx(p);
	if (sec == NULL) {
		printf("port %u: no security context (SAs run in software)\n",
		       p);
		return 0;
	}
	{
		struct dpsec_port_sa_table t;
		int rc = dpsec_port_sa_table_get(p, &t);

		if (rc == 0)
			printf("port %u: IPsec SA table: %u of %u in use\n", p,
			       t.used, t.size);
		else
			printf("port %u: IPsec SA table: size unknown (%s)\n", p,
			       rc == -ENOTSUP ? "the driver does not say" :
			       rte_strerror(-rc));
	}
	cap = rte_security_capabilities_get(sec);
	printf("%-16s %-9s %-8s %-7s %-8s %s\n", "ACTION", "MODE", "DIR",
	       "REPLAY", "OPTIONS", "ALGORITHMS");
	for (; cap != NULL && cap->action != RTE_SECURITY_ACTION_TYPE_NONE;
	     cap++) {
		const struct rte_cryptodev_capabilities *cc;
		char opts[64] = "", algos[256] = "";
		size_t off = 0;

		if (cap->protocol != RTE_SECURITY_PROTOCOL_IPSEC)
			continue;
		snprintf(opts, sizeof(opts), "%s%s%s%s",
			 cap->ipsec.options.esn ? "esn," : "",
			 cap->ipsec.options.udp_encap ? "udp," : "",
			 cap->ipsec.options.copy_dscp ? "dscp," : "",
			 cap->ipsec.options.copy_df ? "df," : "");
		for (cc = cap->crypto_capabilities;
		     cc != NULL && cc->op != RTE_CRYPTO_OP_TYPE_UNDEFINED;
		     cc++) {
			const char *n = cap_algo(cc);

			if (n != NULL && off < sizeof(algos))
				off += (size_t)snprintf(algos + off,
					sizeof(algos) - off, "%s%s",
					off ? "," : "", n);
		}
		printf("%-16s %-9s %-8s %-7" PRIu32 " %-8s %s\n",
		       cap->action == RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL ?
		       "inline-protocol" :
		       cap->action == RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO ?
		       "inline-crypto" : "other",
		       cap->ipsec.mode == RTE_SECURITY_IPSEC_SA_MODE_TUNNEL ?
		       "tunnel" : "transport",
		       cap->ipsec.direction ==
		       RTE_SECURITY_IPSEC_SA_DIR_EGRESS ? "egress" : "ingress",
		       cap->ipsec.replay_win_sz_max, opts[0] ? opts : "-",
		       algos);
	}
	return 0;
}

/* ---- SAs ---- */

static struct cfg_sa *
sa_find(enum dpsec_sa_dir dir, uint32_t spi)
{
	for (unsigned int i = 0; i < CLI_MAX_SA; i++)
		if (sas[i].used && sas[i].conf.dir == dir &&
		    sas[i].conf.spi == spi)
			return &sas[i];
	return NULL;
}

/* [in|out] <spi>: an existing SA. */
static struct cfg_sa *
sa_arg(struct cfg_args *a)
{
	enum dpsec_sa_dir dir = DPSEC_SA_OUTBOUND;
	struct cfg_sa *s, *o;
	bool have_dir = false;
	uint64_t n;

	if (cfg_peek(a) != NULL && (strcmp(cfg_peek(a), "in") == 0 ||
				    strcmp(cfg_peek(a), "out") == 0)) {
		cfg_dir(a, &dir);
		have_dir = true;
	}
	if (cfg_u64(a, "an SPI", 0, UINT32_MAX, &n) != 0)
		return NULL;
	if (have_dir) {
		s = sa_find(dir, (uint32_t)n);
	} else {
		s = sa_find(DPSEC_SA_OUTBOUND, (uint32_t)n);
		o = sa_find(DPSEC_SA_INBOUND, (uint32_t)n);
		if (s != NULL && o != NULL) {
			a->i--;
			cfg_err_tok(a, "in|out before an SPI used in both directions");
			return NULL;
		}
		if (s == NULL)
			s = o;
	}
	if (s == NULL) {
		a->i--;
		cfg_err_tok(a, "the SPI of an existing SA (see 'sa show')");
	}
	return s;
}

static bool
sa_used_by_sp(const struct cfg_sa *s, uint32_t *id)
{
	for (unsigned int i = 0; i < RTE_DIM(sps); i++) {
		if (sps[i].used && sps[i].pol.sa == s->sa) {
			*id = sps[i].pol.id;
			return true;
		}
	}
	return false;
}

/* Bind reqid to the newest outbound SA that has it (make-before-break),
 * or unbind it when there is none but @p except. */
static int
reqid_rebind(uint32_t reqid, const struct cfg_sa *except)
{
	struct dpsec_sa *to = NULL;

	for (unsigned int i = 0; i < CLI_MAX_SA; i++)
		if (sas[i].used && &sas[i] != except &&
		    sas[i].conf.dir == DPSEC_SA_OUTBOUND &&
		    sas[i].conf.reqid == reqid)
			to = sas[i].sa;
	if (to == NULL && dpsec_reqid_get(cli_fwd.ctx, reqid) == NULL)
		return 0;
	return dpsec_reqid_set(cli_fwd.ctx, reqid, to);
}

static void
print_sa_result(const struct cfg_sa *s, const char *what)
{
	struct dpsec_sa_info info;

	if (dpsec_sa_info(s->sa, &info) != 0)
		return;
	printf("sa %s %" PRIu32 ": %s, %s (%s)\n", dir_str(s->conf.dir),
	       s->conf.spi, what, cli_placement_name[info.placement],
	       dpsec_place_reason_str(info.place_reason));
}

static int
sa_add(struct cfg_args *a)
{
	struct cfg_sa *s = NULL, req;
	int rc;

	if (cfg_sa_parse(a, &req) != 0)
		return -1;
	if (sa_find(req.conf.dir, req.conf.spi) != NULL) {
		cfg_err(a, "SA %s %" PRIu32 " exists already",
			dir_str(req.conf.dir), req.conf.spi);
		explicit_bzero(&req, sizeof(req));
		return -1;
	}
	for (unsigned int i = 0; i < CLI_MAX_SA && s == NULL; i++)
		if (!sas[i].used)
			s = &sas[i];
	if (s == NULL) {
		cfg_err(a, "the CLI's table of %u SAs is full", CLI_MAX_SA);
		explicit_bzero(&req, sizeof(req));
		return -1;
	}
	*s = req;
	explicit_bzero(&req, sizeof(req));
	s->conf.cipher_key = s->conf.cipher_key_len ? s->ckey : NULL;
	s->conf.auth_key = s->conf.auth_key_len ? s->akey : NULL;
	s->sa = dpsec_sa_create(cli_fwd.ctx, &s->conf);
	if (s->sa == NULL) {
		rc = rte_errno;
		cfg_err(a, "dpsec_sa_create: %s (the log line above names the field)",
			rte_strerror(rc));
		explicit_bzero(s, sizeof(*s));
		return -1;
	}
	if (s->conf.dir == DPSEC_SA_OUTBOUND && s->conf.reqid != 0) {
		rc = dpsec_reqid_set(cli_fwd.ctx, s->conf.reqid, s->sa);
		if (rc != 0) {
			cfg_err(a, "dpsec_reqid_set(%" PRIu32 "): %s",
				s->conf.reqid, rte_strerror(-rc));
			dpsec_sa_destroy(cli_fwd.ctx, s->sa);
			explicit_bzero(s, sizeof(*s));
			return -1;
		}
	}
	s->used = true;
	print_sa_result(s, "created");
	return 0;
}

static int
h_sa_add(struct cfg_args *a)
{
	return sa_add(a);
}

static int
h_sa_del(struct cfg_args *a)
{
	struct cfg_sa *s = sa_arg(a);
	uint32_t id;
	int rc;

	if (s == NULL || cfg_end(a) != 0)
		return -1;
	if (sa_used_by_sp(s, &id)) {
		cfg_err(a, "SA %s %" PRIu32 " is used by policy %s %" PRIu32
			": 'sp del' it and 'sp commit' first",
			dir_str(s->conf.dir), s->conf.spi,
			dir_str(s->conf.dir), id);
		return -1;
	}
	if (s->conf.dir == DPSEC_SA_OUTBOUND && s->conf.reqid != 0 &&
	    dpsec_reqid_get(cli_fwd.ctx, s->conf.reqid) == s->sa) {
		rc = reqid_rebind(s->conf.reqid, s);
		if (rc != 0) {
			cfg_err(a, "reqid %" PRIu32 ": %s", s->conf.reqid,
				rte_strerror(-rc));
			return -1;
		}
	}
	rc = dpsec_sa_destroy(cli_fwd.ctx, s->sa);
	if (rc != 0) {
		cfg_err(a, "dpsec_sa_destroy: %s", rte_strerror(-rc));
		return -1;
	}
	printf("sa %s %" PRIu32 ": deleted\n", dir_str(s->conf.dir),
	       s->conf.spi);
	explicit_bzero(s, sizeof(*s));
	return 0;
}

static int
h_sa_move(struct cfg_args *a)
{
	struct cfg_sa *s = sa_arg(a);
	bool to_nic;
	int rc;

	if (s == NULL)
		return -1;
	if (cfg_accept(a, "nic"))
		to_nic = true;
	else if (cfg_accept(a, "sw"))
		to_nic = false;
	else {
		cfg_err_tok(a, "where to (nic|sw)");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	rc = dpsec_sa_move(cli_fwd.ctx, s->sa, to_nic);
	if (rc != 0) {
		struct dpsec_sa_info info;

		dpsec_sa_info(s->sa, &info);
		cfg_err(a, "dpsec_sa_move: %s; SA stays %s (%s)",
			rte_strerror(-rc), cli_placement_name[info.placement],
			dpsec_place_reason_str(info.place_reason));
		return -1;
	}
	print_sa_result(s, "moved");
	return 0;
}

/* sa update [in|out] <spi> (soft_|hard_ packets|bytes|seconds <n> |
 * userdata <n>)... */
static int
h_sa_update(struct cfg_args *a)
{
	static const char *const kinds[] = { "packets", "bytes", "seconds" };
	struct cfg_sa *s = sa_arg(a);
	struct dpsec_sa_update u = { 0 };
	int rc;

	if (s == NULL)
		return -1;
	u.soft = s->conf.soft;
	u.hard = s->conf.hard;
	u.userdata = s->conf.userdata;
	while (cfg_peek(a) != NULL) {
		const char *w = cfg_peek(a);
		uint64_t *v = NULL;
		uint32_t bit = 0;
		char what[48];

		for (unsigned int k = 0; k < RTE_DIM(kinds) && v == NULL; k++) {
			uint64_t *sv[] = { &u.soft.packets, &u.soft.bytes,
					   &u.soft.seconds };
			uint64_t *hv[] = { &u.hard.packets, &u.hard.bytes,
					   &u.hard.seconds };

			if (strncmp(w, "soft_", 5) == 0 &&
			    strcmp(w + 5, kinds[k]) == 0) {
				v = sv[k];
				bit = DPSEC_SA_UPD_SOFT;
			} else if (strncmp(w, "hard_", 5) == 0 &&
				   strcmp(w + 5, kinds[k]) == 0) {
				v = hv[k];
				bit = DPSEC_SA_UPD_HARD;
			}
		}
		if (v == NULL && strcmp(w, "userdata") == 0) {
			v = &u.userdata;
			bit = DPSEC_SA_UPD_USERDATA;
		}
		if (v == NULL) {
			cfg_err_tok(a, "soft_packets, soft_bytes, soft_seconds, hard_packets, hard_bytes, hard_seconds or userdata");
			return -1;
		}
		cfg_next(a);
		snprintf(what, sizeof(what), "a number for %s (0: none)", w);
		if (cfg_u64(a, what, 0, UINT64_MAX, v) != 0)
			return -1;
		u.mask |= bit;
	}
	if (u.mask == 0) {
		cfg_err(a, "nothing to update: soft_|hard_ packets|bytes|seconds <n> or userdata <n>");
		return -1;
	}
	rc = dpsec_sa_update(cli_fwd.ctx, s->sa, &u);
	if (rc != 0) {
		cfg_err(a, "dpsec_sa_update: %s", rc == -EPERM ?
			"the SA is dead (hard-expired or out of sequence numbers)" :
			rte_strerror(-rc));
		return -1;
	}
	s->conf.soft = u.soft;
	s->conf.hard = u.hard;
	s->conf.userdata = u.userdata;
	print_sa_result(s, "updated");
	return 0;
}

static int
h_sa_show(struct cfg_args *a)
{
	bool json = want_json(a), first = true;
	struct cfg_sa *one = NULL;

	if (cfg_peek(a) != NULL && (one = sa_arg(a)) == NULL)
		return -1;
	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"sas\": [");
	else
		printf("%-3s %-10s %-9s %-17s %-11s %-23s %-4s %-15s %-12s %-10s %s\n",
		       "DIR", "SPI", "MODE", "CIPHER", "AUTH", "TYPE", "PORT",
		       "PLACEMENT", "STATE", "SEQ", "REASON");
	for (unsigned int i = 0; i < CLI_MAX_SA; i++) {
		const struct cfg_sa *s = &sas[i];
		const struct dpsec_sa_conf *c = &s->conf;
		struct dpsec_sa_info info;

		if (!s->used || (one != NULL && s != one))
			continue;
		if (dpsec_sa_info(s->sa, &info) != 0)
			continue;
		if (json) {
			printf("%s{\"dir\": \"%s\", \"spi\": %" PRIu32
			       ", \"mode\": \"%s\", \"cipher\": \"%s\", "
			       "\"auth\": \"%s\", \"type\": \"%s\", "
			       "\"port\": %u, \"placement\": \"%s\", "
			       "\"reason\": \"%s\", \"reason_text\": \"%s\", "
			       "\"state\": \"%s\", \"seq\": %" PRIu64
			       ", \"reqid\": %" PRIu32 ", \"userdata\": %"
			       PRIu64 ", \"soft\": {\"packets\": %" PRIu64
			       ", \"bytes\": %" PRIu64 ", \"seconds\": %"
			       PRIu64 "}, \"hard\": {\"packets\": %" PRIu64
			       ", \"bytes\": %" PRIu64 ", \"seconds\": %"
			       PRIu64 "}}",
			       first ? "" : ",", dir_str(c->dir), c->spi,
			       c->mode == DPSEC_SA_TUNNEL ? "tunnel" :
			       "transport", cfg_cipher_name(c->cipher),
			       cfg_auth_name(c->auth), offload_str(c),
			       c->port_id, cli_placement_name[info.placement],
			       place_reason_name[info.place_reason],
			       dpsec_place_reason_str(info.place_reason),
			       state_name[info.state], info.seq, c->reqid,
			       info.userdata, c->soft.packets, c->soft.bytes,
			       c->soft.seconds, c->hard.packets, c->hard.bytes,
			       c->hard.seconds);
			first = false;
		} else {
			printf("%-3s %-10" PRIu32 " %-9s %-17s %-11s %-23s %-4u %-15s %-12s %-10" PRIu64 " %s\n",
			       dir_str(c->dir), c->spi,
			       c->mode == DPSEC_SA_TUNNEL ? "tunnel" :
			       "transport", cfg_cipher_name(c->cipher),
			       cfg_auth_name(c->auth), offload_str(c),
			       c->port_id, cli_placement_name[info.placement],
			       state_name[info.state], info.seq,
			       dpsec_place_reason_str(info.place_reason));
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}

/* ---- policies ---- */

static struct cfg_sp *
sp_find(enum dpsec_sa_dir dir, uint32_t id)
{
	for (unsigned int i = 0; i < RTE_DIM(sps); i++)
		if (sps[i].used && !sps[i].deleted && sps[i].dir == dir &&
		    sps[i].pol.id == id)
			return &sps[i];
	return NULL;
}

static struct dpsec_spd *
spd_of(enum dpsec_sa_dir dir)
{
	return dir == DPSEC_SA_INBOUND ? cli_fwd.spd_in : cli_fwd.spd_out;
}

static int
h_sp_add(struct cfg_args *a)
{
	struct cfg_sp req, *slot = NULL;
	uint32_t next = 1;
	bool by_spi;
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(sps); i++)
		if (sps[i].used && sps[i].pol.id >= next &&
		    sps[i].pol.id < UINT32_MAX - 1)
			next = sps[i].pol.id + 1;
	if (cfg_sp_parse(a, &req, &by_spi, next) != 0)
		return -1;
	if (by_spi) {
		struct cfg_sa *s = sa_find(req.dir, req.sa_spi);

		if (s == NULL) {
			cfg_err(a, "protect %" PRIu32 ": no %s SA with that SPI",
				req.sa_spi, dir_str(req.dir));
			return -1;
		}
		req.pol.sa = s->sa;
	}
	if (sp_find(req.dir, req.pol.id) != NULL) {
		cfg_err(a, "policy %s %" PRIu32 " exists already",
			dir_str(req.dir), req.pol.id);
		return -1;
	}
	for (unsigned int i = 0; i < RTE_DIM(sps) && slot == NULL; i++)
		if (!sps[i].used)
			slot = &sps[i];
	if (slot == NULL) {
		cfg_err(a, "the CLI's policy table is full");
		return -1;
	}
	rc = dpsec_spd_add(spd_of(req.dir), &req.pol);
	if (rc != 0) {
		cfg_err(a, "dpsec_spd_add: %s", rte_strerror(-rc));
		return -1;
	}
	*slot = req;
	slot->used = true;
	printf("sp %s %" PRIu32 ": added (pending until 'sp commit')\n",
	       dir_str(req.dir), req.pol.id);
	return 0;
}

static int
h_sp_del(struct cfg_args *a)
{
	enum dpsec_sa_dir dir;
	struct cfg_sp *p;
	uint64_t id;
	int rc;

	if (cfg_dir(a, &dir) != 0 ||
	    cfg_u64(a, "a policy id", 0, UINT32_MAX - 1, &id) != 0)
		return -1;
	p = sp_find(dir, (uint32_t)id);
	if (p == NULL) {
		a->i--;
		cfg_err_tok(a, "the id of an existing policy (see 'sp show')");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	rc = dpsec_spd_del(spd_of(dir), (uint32_t)id);
	if (rc != 0) {
		cfg_err(a, "dpsec_spd_del: %s", rte_strerror(-rc));
		return -1;
	}
	if (p->committed)
		p->deleted = true;	/* in effect until the commit */
	else
		memset(p, 0, sizeof(*p));
	printf("sp %s %" PRIu64 ": deleted (pending until 'sp commit')\n",
	       dir_str(dir), id);
	return 0;
}

static int
sp_commit(const struct cfg_args *a, enum dpsec_sa_dir dir)
{
	int rc = dpsec_spd_commit(spd_of(dir));

	if (rc != 0) {
		cfg_err(a, "dpsec_spd_commit(%s): %s; the published set is unchanged",
			dir_str(dir), rte_strerror(-rc));
		return -1;
	}
	for (unsigned int i = 0; i < RTE_DIM(sps); i++) {
		if (!sps[i].used || sps[i].dir != dir)
			continue;
		if (sps[i].deleted)
			memset(&sps[i], 0, sizeof(sps[i]));
		else
			sps[i].committed = true;
	}
	return 0;
}

static int
h_sp_commit(struct cfg_args *a)
{
	enum dpsec_sa_dir dir;
	bool both = cfg_peek(a) == NULL;

	if (!both && cfg_dir(a, &dir) != 0)
		return -1;
	if (cfg_end(a) != 0)
		return -1;
	if (both) {
		if (sp_commit(a, DPSEC_SA_OUTBOUND) != 0 ||
		    sp_commit(a, DPSEC_SA_INBOUND) != 0)
			return -1;
		printf("sp: committed in and out\n");
	} else {
		if (sp_commit(a, dir) != 0)
			return -1;
		printf("sp: committed %s\n", dir_str(dir));
	}
	return 0;
}

static int
h_sp_show(struct cfg_args *a)
{
	bool json = want_json(a), first = true, all = true;
	enum dpsec_sa_dir dir = DPSEC_SA_OUTBOUND;

	if (cfg_peek(a) != NULL) {
		if (cfg_dir(a, &dir) != 0)
			return -1;
		all = false;
	}
	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"sps\": [");
	else
		printf("%-3s %-6s %-10s %-8s %-12s %-20s %-20s %-5s %-11s %-11s %s\n",
		       "DIR", "ID", "PRI", "ACTION", "SA", "SRC", "DST",
		       "PROTO", "SPORT", "DPORT", "STATE");
	for (unsigned int i = 0; i < RTE_DIM(sps); i++) {
		const struct cfg_sp *p = &sps[i];
		const struct dpsec_selector *sel = &p->pol.sel;
		int af = sel->family == 6 ? AF_INET6 : AF_INET;
		char src[INET6_ADDRSTRLEN + 4], dst[INET6_ADDRSTRLEN + 4];
		char ad[INET6_ADDRSTRLEN], sa[24] = "-";
		char sp[12], dp[12];
		const char *state = p->deleted ? "deleting" :
				    p->committed ? "committed" : "pending";

		if (!p->used || (!all && p->dir != dir))
			continue;
		inet_ntop(af, sel->src, ad, sizeof(ad));
		snprintf(src, sizeof(src), "%s/%u", ad, sel->src_plen);
		inet_ntop(af, sel->dst, ad, sizeof(ad));
		snprintf(dst, sizeof(dst), "%s/%u", ad, sel->dst_plen);
		snprintf(sp, sizeof(sp), "%u:%u", sel->sport_lo, sel->sport_hi);
		snprintf(dp, sizeof(dp), "%u:%u", sel->dport_lo, sel->dport_hi);
		if (p->pol.action == DPSEC_POLICY_PROTECT && p->pol.sa != NULL)
			snprintf(sa, sizeof(sa), "spi %" PRIu32, p->sa_spi);
		else if (p->pol.action == DPSEC_POLICY_PROTECT)
			snprintf(sa, sizeof(sa), "reqid %" PRIu32,
				 p->pol.reqid);
		if (json) {
			printf("%s{\"dir\": \"%s\", \"id\": %" PRIu32
			       ", \"pri\": %" PRIu32 ", \"action\": \"%s\", "
			       "\"sa\": \"%s\", \"src\": \"%s\", \"dst\": \"%s\", "
			       "\"proto\": %u, \"sport\": \"%s\", "
			       "\"dport\": \"%s\", \"state\": \"%s\"}",
			       first ? "" : ",", dir_str(p->dir), p->pol.id,
			       p->pol.priority, action_name[p->pol.action],
			       sa, src, dst, sel->proto, sp, dp, state);
			first = false;
		} else {
			printf("%-3s %-6" PRIu32 " %-10" PRIu32 " %-8s %-12s %-20s %-20s %-5u %-11s %-11s %s\n",
			       dir_str(p->dir), p->pol.id, p->pol.priority,
			       action_name[p->pol.action], sa, src, dst,
			       sel->proto, sp, dp, state);
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}

/* ---- set ---- */

static int
h_set_fwd(struct cfg_args *a)
{
	enum cli_fwd_mode m;

	if (cfg_accept(a, "io"))
		m = CLI_FWD_IO;
	else if (cfg_accept(a, "ipsec"))
		m = CLI_FWD_IPSEC;
	else if (cfg_accept(a, "tls"))
		m = CLI_FWD_TLS;
	else {
		cfg_err_tok(a, "a forwarding mode (io|ipsec|tls)");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	if (cli_fwd.running) {
		cfg_err(a, "forwarding is running: 'stop' first");
		return -1;
	}
	cli_fwd.mode = m;
	printf("forwarding mode: %s\n", cli_fwd_mode_name[m]);
	return 0;
}

static int
h_set_burst(struct cfg_args *a)
{
	uint64_t n;

	if (cfg_u64(a, "a burst size", 1, CLI_BURST_MAX, &n) != 0 ||
	    cfg_end(a) != 0)
		return -1;
	if (cli_fwd.running) {
		cfg_err(a, "forwarding is running: 'stop' first");
		return -1;
	}
	cli_fwd.burst = (uint16_t)n;
	printf("burst: %" PRIu64 "\n", n);
	return 0;
}

static int
parse_ip4(struct cfg_args *a, uint32_t *out)
{
	const char *s = cfg_peek(a);

	if (s == NULL || inet_pton(AF_INET, s, out) != 1) {
		cfg_err_tok(a, "an IPv4 address");
		return -1;
	}
	a->i++;
	return 0;
}

static int
h_set_txpkts(struct cfg_args *a)
{
	uint32_t src = cli_fwd.src, dst = cli_fwd.dst;
	uint64_t n;

	if (cfg_u64(a, "a packet length in bytes (IPv4/UDP)", CLI_PKT_MIN,
		    CLI_PKT_MAX, &n) != 0)
		return -1;
	if (cfg_peek(a) != NULL &&
	    (parse_ip4(a, &src) != 0 || parse_ip4(a, &dst) != 0))
		return -1;
	if (cfg_end(a) != 0)
		return -1;
	if (cli_fwd.running) {
		cfg_err(a, "forwarding is running: 'stop' first");
		return -1;
	}
	cli_fwd.pkt_len = (uint16_t)n;
	cli_fwd.src = src;
	cli_fwd.dst = dst;
	printf("txpkts: %" PRIu64 " bytes\n", n);
	return 0;
}

static int
h_set_txport(struct cfg_args *a)
{
	uint16_t p = 0;
	bool all;

	if (parse_port(a, &p, true, &all) != 0 || cfg_end(a) != 0)
		return -1;
	cli_fwd.txport = all ? -1 : p;
	if (all)
		printf("txport: all\n");
	else
		printf("txport: %u\n", p);
	return 0;
}

static int
h_set_fault(struct cfg_args *a)
{
	struct rte_pmd_sim_inline_faults f;
	const char *kind;
	double v = 0, *field = NULL;
	uint64_t count = 0;
	uint16_t p;
	char *end;
	int rc;

	if (parse_port(a, &p, false, NULL) != 0)
		return -1;
	rc = rte_pmd_sim_inline_fault_get(p, &f);
	if (rc != 0) {
		a->i--;
		cfg_err_tok(a, "a net_sim_inline port");
		return -1;
	}
	kind = cfg_peek(a);
	if (kind == NULL)
		goto bad_kind;
	if (strcmp(kind, "punt") == 0)
		field = &f.punt;
	else if (strcmp(kind, "spurious_fail") == 0)
		field = &f.spurious_fail;
	else if (strcmp(kind, "drop") == 0)
		field = &f.drop;
	else if (strcmp(kind, "dup") == 0)
		field = &f.dup;
	else if (strcmp(kind, "reorder") == 0)
		field = &f.reorder;
	else if (strcmp(kind, "seed") != 0 && strcmp(kind, "sa_loss") != 0 &&
		 strcmp(kind, "recover") != 0)
		goto bad_kind;
	a->i++;
	if (field != NULL) {
		const char *s = cfg_peek(a);

		errno = 0;
		v = s != NULL ? strtod(s, &end) : -1;
		if (s == NULL || errno != 0 || *end != '\0' || !(v >= 0) ||
		    v > 1) {
			cfg_err_tok(a, "a rate (probability 0..1)");
			return -1;
		}
		a->i++;
		*field = v;
	} else if (strcmp(kind, "seed") == 0) {
		if (cfg_u64(a, "a seed", 0, UINT64_MAX, &f.seed) != 0)
			return -1;
	} else if (cfg_u64(a, "a count", 1, 1000, &count) != 0) {
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	if (strcmp(kind, "sa_loss") == 0) {
		/* The NIC forgets its SA table; dpsec_port_resync() pushes
		 * the SAs back, as after a NIC reset. */
		for (uint64_t i = 0; i < count; i++) {
			rc = rte_pmd_sim_inline_sec_reset(p);
			if (rc == 0)
				rc = dpsec_port_resync(cli_fwd.ctx, p);
			if (rc < 0) {
				cfg_err(a, "%s", rte_strerror(-rc));
				return -1;
			}
		}
		printf("port %u: SA table lost %" PRIu64 " time(s), %d SAs back on the NIC\n",
		       p, count, rc);
		return 0;
	}
	if (strcmp(kind, "recover") == 0) {
		for (uint64_t i = 0; i < count; i++) {
			rc = rte_pmd_sim_inline_recover(p);
			if (rc != 0) {
				cfg_err(a, "%s", rte_strerror(-rc));
				return -1;
			}
		}
		printf("port %u: %" PRIu64 " error recovery(ies)\n", p, count);
		return 0;
	}
	rc = rte_pmd_sim_inline_fault_set(p, &f);
	if (rc != 0) {
		cfg_err(a, "rte_pmd_sim_inline_fault_set: %s",
			rte_strerror(-rc));
		return -1;
	}
	printf("port %u: fault %s set\n", p, kind);
	return 0;
bad_kind:
	cfg_err_tok(a, "a fault kind (punt|spurious_fail|drop|dup|reorder <rate>, seed <n>, sa_loss|recover <count>)");
	return -1;
}

/* ---- show ---- */

static int
h_show_port(struct cfg_args *a)
{
	bool json = want_json(a), xstats, all, first = true;
	uint16_t one = 0, p;

	if (cfg_accept(a, "stats"))
		xstats = false;
	else if (cfg_accept(a, "xstats"))
		xstats = true;
	else {
		cfg_err_tok(a, "stats|xstats");
		return -1;
	}
	if (parse_port(a, &one, true, &all) != 0 || cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"ports\": [");
	else if (!xstats)
		printf("%-4s %12s %12s %14s %14s %10s %10s %10s\n", "PORT",
		       "RX-PACKETS", "TX-PACKETS", "RX-BYTES", "TX-BYTES",
		       "RX-MISSED", "RX-ERRORS", "TX-ERRORS");
	RTE_ETH_FOREACH_DEV(p) {
		if (!all && p != one)
			continue;
		if (!xstats) {
			struct rte_eth_stats s;

			if (rte_eth_stats_get(p, &s) != 0)
				continue;
			if (json)
				printf("%s{\"port\": %u, \"ipackets\": %" PRIu64
				       ", \"opackets\": %" PRIu64 ", \"ibytes\": %"
				       PRIu64 ", \"obytes\": %" PRIu64
				       ", \"imissed\": %" PRIu64 ", \"ierrors\": %"
				       PRIu64 ", \"oerrors\": %" PRIu64 "}",
				       first ? "" : ",", p, s.ipackets,
				       s.opackets, s.ibytes, s.obytes,
				       s.imissed, s.ierrors, s.oerrors);
			else
				printf("%-4u %12" PRIu64 " %12" PRIu64 " %14" PRIu64
				       " %14" PRIu64 " %10" PRIu64 " %10" PRIu64
				       " %10" PRIu64 "\n", p, s.ipackets,
				       s.opackets, s.ibytes, s.obytes,
				       s.imissed, s.ierrors, s.oerrors);
		} else {
			int n = rte_eth_xstats_get(p, NULL, 0);
			struct rte_eth_xstat *xs;
			struct rte_eth_xstat_name *xn;

			if (n <= 0)
				continue;
			xs = calloc((size_t)n, sizeof(*xs));
			xn = calloc((size_t)n, sizeof(*xn));
			if (xs == NULL || xn == NULL ||
			    rte_eth_xstats_get(p, xs, (unsigned int)n) != n ||
			    rte_eth_xstats_get_names(p, xn,
						     (unsigned int)n) != n) {
				free(xs);
				free(xn);
				cfg_err(a, "port %u: cannot read xstats", p);
				return -1;
			}
			if (json)
				printf("%s{\"port\": %u, \"xstats\": {",
				       first ? "" : ",", p);
			else
				printf("port %u xstats:\n", p);
			for (int i = 0; i < n; i++) {
				if (json)
					printf("%s\"%s\": %" PRIu64,
					       i ? ", " : "",
					       xn[xs[i].id].name, xs[i].value);
				else
					printf("  %-32s %" PRIu64 "\n",
					       xn[xs[i].id].name, xs[i].value);
			}
			if (json)
				printf("}}");
			free(xs);
			free(xn);
		}
		first = false;
	}
	if (json)
		printf("]}\n");
	return 0;
}

static void
print_drops_json(const uint64_t *drops)
{
	bool first = true;

	printf("{");
	for (int r = 1; r < DPSEC_R_MAX; r++) {
		if (drops[r] == 0)
			continue;
		printf("%s\"%s\": %" PRIu64, first ? "" : ", ",
		       reason_name[r], drops[r]);
		first = false;
	}
	printf("}");
}

static void
print_drops_text(const uint64_t *drops)
{
	for (int r = 1; r < DPSEC_R_MAX; r++)
		if (drops[r] != 0)
			printf("    drop %-16s %" PRIu64 "  (%s)\n",
			       reason_name[r], drops[r],
			       dpsec_reason_str((enum dpsec_reason)r));
}

static uint64_t
drops_total(const uint64_t *drops)
{
	uint64_t t = 0;

	for (int r = 1; r < DPSEC_R_MAX; r++)
		t += drops[r];
	return t;
}

static int
h_show_sa(struct cfg_args *a)
{
	bool json = want_json(a), first = true;
	struct cfg_sa *one = NULL;

	if (!cfg_accept(a, "stats")) {
		cfg_err_tok(a, "'stats'");
		return -1;
	}
	if (cfg_peek(a) != NULL && (one = sa_arg(a)) == NULL)
		return -1;
	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"sa_stats\": [");
	else
		printf("%-3s %-10s %-15s %14s %16s %10s\n", "DIR", "SPI",
		       "PLACEMENT", "PACKETS", "BYTES", "DROPS");
	for (unsigned int i = 0; i < CLI_MAX_SA; i++) {
		const struct cfg_sa *s = &sas[i];
		struct dpsec_sa_stats st;
		struct dpsec_sa_info info;

		if (!s->used || (one != NULL && s != one))
			continue;
		if (dpsec_sa_stats_get(s->sa, &st) != 0 ||
		    dpsec_sa_info(s->sa, &info) != 0)
			continue;
		if (json) {
			printf("%s{\"dir\": \"%s\", \"spi\": %" PRIu32
			       ", \"placement\": \"%s\", \"packets\": %" PRIu64
			       ", \"bytes\": %" PRIu64 ", \"drops_total\": %"
			       PRIu64 ", \"drops\": ", first ? "" : ",",
			       dir_str(s->conf.dir), s->conf.spi,
			       cli_placement_name[info.placement], st.packets,
			       st.bytes, drops_total(st.drops));
			print_drops_json(st.drops);
			printf("}");
			first = false;
		} else {
			printf("%-3s %-10" PRIu32 " %-15s %14" PRIu64 " %16" PRIu64
			       " %10" PRIu64 "\n", dir_str(s->conf.dir),
			       s->conf.spi, cli_placement_name[info.placement],
			       st.packets, st.bytes, drops_total(st.drops));
			print_drops_text(st.drops);
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}

static int
h_show_sp(struct cfg_args *a)
{
	bool json = want_json(a);

	if (!cfg_accept(a, "stats")) {
		cfg_err_tok(a, "'stats'");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"sp_stats\": [");
	for (int d = 0; d < 2; d++) {
		enum dpsec_sa_dir dir = d ? DPSEC_SA_INBOUND :
				       DPSEC_SA_OUTBOUND;
		struct dpsec_spd_stats st;

		if (dpsec_spd_stats_get(spd_of(dir), &st) != 0)
			continue;
		if (json) {
			printf("%s{\"dir\": \"%s\", \"lookups\": %" PRIu64
			       ", \"protect\": %" PRIu64 ", \"bypass\": %"
			       PRIu64 ", \"discard\": %" PRIu64
			       ", \"misses\": %" PRIu64 ", \"passed\": %"
			       PRIu64 ", \"commits\": %" PRIu64
			       ", \"drops_total\": %" PRIu64 ", \"drops\": ",
			       d ? "," : "", dir_str(dir), st.lookups,
			       st.hits[DPSEC_POLICY_PROTECT],
			       st.hits[DPSEC_POLICY_BYPASS],
			       st.hits[DPSEC_POLICY_DISCARD], st.misses,
			       st.passed, st.commits, drops_total(st.drops));
			print_drops_json(st.drops);
			printf("}");
		} else {
			printf("sp %-3s lookups %" PRIu64 " protect %" PRIu64
			       " bypass %" PRIu64 " discard %" PRIu64
			       " misses %" PRIu64 " passed %" PRIu64
			       " commits %" PRIu64 "\n", dir_str(dir),
			       st.lookups, st.hits[DPSEC_POLICY_PROTECT],
			       st.hits[DPSEC_POLICY_BYPASS],
			       st.hits[DPSEC_POLICY_DISCARD], st.misses,
			       st.passed, st.commits);
			print_drops_text(st.drops);
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}

static int
h_show_fwd(struct cfg_args *a)
{
	bool json = want_json(a), first = true;
	uint64_t inj = 0, drained = 0, dropped = 0, refused = 0, not_ip = 0;
	uint16_t p;

	if (!cfg_accept(a, "stats")) {
		cfg_err_tok(a, "'stats'");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"mode\": \"%s\", \"running\": %s, \"ports\": [",
		       cli_fwd_mode_name[cli_fwd.mode],
		       cli_fwd.running ? "true" : "false");
	else
		printf("mode %s, %s\n%-4s %12s %12s %10s %10s %10s %10s %8s\n",
		       cli_fwd_mode_name[cli_fwd.mode],
		       cli_fwd.running ? "running" : "stopped", "PORT", "RX",
		       "TX", "INJECTED", "DRAINED", "DROPPED", "REFUSED",
		       "NOT-IP");
	RTE_ETH_FOREACH_DEV(p) {
		const struct cli_port_fwd *s = &cli_fwd.st[p];
		uint64_t d = drops_total(s->drops);

		inj += s->injected;
		drained += s->drained;
		dropped += d;
		refused += s->tx_refused;
		not_ip += s->not_ip;
		if (json) {
			printf("%s{\"port\": %u, \"rx\": %" PRIu64
			       ", \"tx\": %" PRIu64 ", \"injected\": %" PRIu64
			       ", \"drained\": %" PRIu64 ", \"dropped\": %"
			       PRIu64 ", \"tx_refused\": %" PRIu64
			       ", \"not_ip\": %" PRIu64 ", \"tls_records\": %"
			       PRIu64 ", \"tls_bad\": %" PRIu64
			       ", \"drops\": ",
			       first ? "" : ",", p, s->rx, s->tx, s->injected,
			       s->drained, d, s->tx_refused, s->not_ip,
			       s->tls_records, s->tls_bad);
			print_drops_json(s->drops);
			printf("}");
		} else {
			printf("%-4u %12" PRIu64 " %12" PRIu64 " %10" PRIu64
			       " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			       " %8" PRIu64 "\n", p, s->rx, s->tx, s->injected,
			       s->drained, d, s->tx_refused, s->not_ip);
			print_drops_text(s->drops);
		}
		first = false;
	}
	/* Packets neither drained nor counted as dropped: lost on the wire
	 * (fault injection) or still circulating while running. */
	{
		uint64_t acc = drained + dropped + refused + not_ip;
		uint64_t lost = inj > acc ? inj - acc : 0;

		if (json)
			printf("], \"total\": {\"injected\": %" PRIu64
			       ", \"drained\": %" PRIu64 ", \"dropped\": %"
			       PRIu64 ", \"tx_refused\": %" PRIu64
			       ", \"not_ip\": %" PRIu64 ", \"unaccounted\": %"
			       PRIu64 "}}\n", inj, drained, dropped, refused,
			       not_ip, lost);
		else
			printf("total: injected %" PRIu64 " drained %" PRIu64
			       " dropped %" PRIu64 " refused %" PRIu64
			       " unaccounted %" PRIu64 "\n", inj, drained,
			       dropped, refused, lost);
	}
	return 0;
}

static int
h_show_mempool(struct cfg_args *a)
{
	bool json = want_json(a);
	unsigned int out = cli_mbufs_out();

	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"mempool\": {\"name\": \"%s\", \"size\": %u, "
		       "\"in_use\": %u, \"available\": %u}}\n",
		       cli_fwd.mp->name, cli_fwd.mp->size, out,
		       cli_fwd.mp->size - out);
	else
		printf("mempool %s: %u mbufs, %u in use, %u available\n",
		       cli_fwd.mp->name, cli_fwd.mp->size, out,
		       cli_fwd.mp->size - out);
	return 0;
}

static int
h_clear(struct cfg_args *a)
{
	uint16_t p;

	if (!cfg_accept(a, "stats")) {
		cfg_err_tok(a, "'stats'");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	if (cli_fwd.running) {
		cfg_err(a, "forwarding is running: 'stop' first");
		return -1;
	}
	memset(cli_fwd.st, 0, sizeof(cli_fwd.st));
	RTE_ETH_FOREACH_DEV(p) {
		rte_eth_stats_reset(p);
		rte_eth_xstats_reset(p);
	}
	printf("port and forwarding counters cleared (SA and SP counters are cumulative)\n");
	return 0;
}

/* ---- start / stop ---- */

static int
h_start(struct cfg_args *a)
{
	bool tx_first = false;
	uint64_t n = 1;
	int rc;

	if (cfg_accept(a, "tx_first")) {
		tx_first = true;
		if (cfg_peek(a) != NULL &&
		    cfg_u64(a, "a number of bursts", 1, 64, &n) != 0)
			return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	rc = cli_fwd_start((unsigned int)n, tx_first);
	if (rc != 0) {
		cfg_err(a, "%s", rc == -EBUSY ? "forwarding is running already" :
			rc == -ENODEV ? "no worker lcore: give EAL two lcores (-l 0,1)" :
			rte_strerror(-rc));
		return -1;
	}
	printf("forwarding started (%s) on lcore %u\n",
	       cli_fwd_mode_name[cli_fwd.mode], cli_fwd.lcore);
	return 0;
}

static int
h_stop(struct cfg_args *a)
{
	if (cfg_end(a) != 0)
		return -1;
	if (cli_fwd_stop() != 0) {
		cfg_err(a, "forwarding is not running");
		return -1;
	}
	printf("forwarding stopped\n");
	return 0;
}

/* ---- capture ---- */

static int
h_capture_start(struct cfg_args *a)
{
	const char *file = cfg_next(a);
	unsigned int what = CLI_CAP_FWD;
	char err[320];

	if (file == NULL) {
		cfg_err_tok(a, "a file name");
		return -1;
	}
	if (cfg_accept(a, "drops"))
		what = CLI_CAP_DROPS;
	else if (cfg_accept(a, "all"))
		what = CLI_CAP_FWD | CLI_CAP_DROPS;
	else if (cfg_peek(a) != NULL && !cfg_accept(a, "fwd")) {
		cfg_err_tok(a, "fwd, drops or all");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	if (cli_capture_start(file, what, err, sizeof(err)) != 0) {
		cfg_err(a, "%s", err);
		return -1;
	}
	printf("capture started: %s packets to %s\n",
	       what == CLI_CAP_FWD ? "forwarded" : what == CLI_CAP_DROPS ?
	       "dropped" : "forwarded and dropped", file);
	return 0;
}

static int
h_capture_stop(struct cfg_args *a)
{
	struct cli_capture_result r;

	if (cfg_end(a) != 0)
		return -1;
	if (cli_capture_stop(&r) != 0) {
		cfg_err(a, "no capture is running");
		return -1;
	}
	printf("capture stopped: %" PRIu64 " forwarded, %" PRIu64
	       " dropped, %" PRIu64 " not captured, %" PRIu64
	       " bytes written to %s\n", r.fwd, r.drops, r.lost, r.bytes,
	       r.file);
	return 0;
}

/* ---- load / save ---- */

/* One rule of a loaded file; pass 0 adds the SAs, pass 1 the policies
 * (ipsec-secgw files often list a policy before the SA it protects with). */
struct load_pass {
	int pass;
	unsigned int nsa, nsp;
};

static int
load_rule(struct cfg_args *la, void *arg)
{
	struct load_pass *lp = arg;
	const char *noun = la->argv[0];

	if (strcmp(noun, "sa") == 0) {
		if (lp->pass != 0)
			return 0;
		if (sa_add(la) != 0)
			return -1;
		lp->nsa++;
	} else if (strcmp(noun, "sp") == 0) {
		if (lp->pass != 1)
			return 0;
		if (h_sp_add(la) != 0)
			return -1;
		lp->nsp++;
	} else if (strcmp(noun, "rt") == 0 || strcmp(noun, "neigh") == 0) {
		/* ipsec-secgw routing: checked, not used by the CLI */
		struct cfg_rt rt;
		struct cfg_neigh nb;

		if (lp->pass != 0)
			return 0;
		return noun[0] == 'r' ? cfg_rt_parse(la, &rt) :
					cfg_neigh_parse(la, &nb);
	} else if (lp->pass == 0) {
		la->i = 0;
		cfg_err_tok(la, "a rule (sa|sp|rt|neigh; rt and neigh are checked and ignored)");
		return -1;
	}
	return 0;
}

static int
h_load(struct cfg_args *a)
{
	const char *path = cfg_next(a);
	struct load_pass lp = { 0 };
	int errs = 0, rc;

	if (path == NULL) {
		cfg_err_tok(a, "a file name");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	for (lp.pass = 0; lp.pass < 2; lp.pass++) {
		rc = cfg_file_read(path, lp.pass == 0, load_rule, &lp);
		if (rc < 0)
			return -1;
		errs += rc;
	}
	if (sp_commit(a, DPSEC_SA_OUTBOUND) != 0 ||
	    sp_commit(a, DPSEC_SA_INBOUND) != 0)
		errs++;
	printf("load %s: %u SAs, %u policies, %d errors\n", path, lp.nsa,
	       lp.nsp, errs);
	return errs ? -1 : 0;
}

static int
h_save(struct cfg_args *a)
{
	const char *path = cfg_next(a);
	char line[1024];
	FILE *f;
	int fd;

	if (path == NULL) {
		cfg_err_tok(a, "a file name");
		return -1;
	}
	if (cfg_end(a) != 0)
		return -1;
	/* Keys in clear: readable by the owner only. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f == NULL) {
		cfg_err(a, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# dpsec-cli configuration (ipsec-secgw syntax, doc/cli.md)\n");
	for (unsigned int i = 0; i < CLI_MAX_SA; i++) {
		if (!sas[i].used)
			continue;
		cfg_sa_format(&sas[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	for (unsigned int i = 0; i < RTE_DIM(sps); i++) {
		if (!sps[i].used || sps[i].deleted)
			continue;
		cfg_sp_format(&sps[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	explicit_bzero(line, sizeof(line));
	if (fclose(f) != 0) {
		cfg_err(a, "%s: %s", path, strerror(errno));
		return -1;
	}
	printf("saved to %s\n", path);
	return 0;
}

/* ---- sleep, quit, help ---- */

/* For command files: let traffic run between two commands. */
static int
h_sleep(struct cfg_args *a)
{
	uint64_t ms;

	if (cfg_u64(a, "milliseconds", 0, 60000, &ms) != 0 ||
	    cfg_end(a) != 0)
		return -1;
	rte_delay_us_sleep((unsigned int)(ms * 1000));
	return 0;
}

static int
h_quit(struct cfg_args *a)
{
	if (cfg_end(a) != 0)
		return -1;
	cli_quit = true;
	return 0;
}

static int h_help(struct cfg_args *a);

/* ---- the command table ---- */

enum rest { R_NONE, R_OPT, R_REQ };

struct cli_cmd {
	const char *noun;
	const char *verb;		/* NULL: none */
	enum rest rest;
	int (*fn)(struct cfg_args *a);
	const char *usage;
	const char *help;
};

static const struct cli_cmd cmds[] = {
	{ "help", NULL, R_OPT, h_help, "help [<command>]", "list commands, or those of one noun" },
	{ "port", "list", R_NONE, h_port_list, "port list", "ports, drivers, MACs, state" },
	{ "port", "info", R_REQ, h_port_info, "port info <port>", "driver, link, security offloads, faults" },
	{ "port", "start", R_REQ, h_port_start, "port start <port|all>", "start a port (SAs pushed back to its NIC)" },
	{ "port", "stop", R_REQ, h_port_stop, "port stop <port|all>", "stop a port" },
	{ "port", "caps", R_REQ, h_port_caps, "port caps <port>", "rte_security capabilities and the TLS record engine of a port" },
	{ "sa", "add", R_REQ, h_sa_add, "sa add <in|out> <spi> <param>...", "create an SA (ipsec-secgw syntax, doc/cli.md)" },
	{ "sa", "del", R_REQ, h_sa_del, "sa del [in|out] <spi>", "destroy an SA (keys wiped)" },
	{ "sa", "show", R_OPT, h_sa_show, "sa show [[in|out] <spi>] [json]", "SAs with placement and its reason" },
	{ "sa", "update", R_REQ, h_sa_update, "sa update [in|out] <spi> [soft_|hard_ packets|bytes|seconds <n>]... [userdata <n>]", "change an SA's lifetimes or userdata (live)" },
	{ "sa", "move", R_REQ, h_sa_move, "sa move [in|out] <spi> nic|sw", "move an SA between NIC and software" },
	{ "sp", "add", R_REQ, h_sp_add, "sp add <ipv4|ipv6> <in|out> esp <protect <spi>|protect reqid <n>|bypass|discard> [id <n>] [pri <n>] [src <prefix>] [dst <prefix>] [proto <p>] [sport <lo:hi>] [dport <lo:hi>]", "add a policy (pending)" },
	{ "sp", "del", R_REQ, h_sp_del, "sp del <in|out> <id>", "delete a policy (pending)" },
	{ "sp", "show", R_OPT, h_sp_show, "sp show [in|out] [json]", "policies and their state" },
	{ "sp", "commit", R_OPT, h_sp_commit, "sp commit [in|out]", "publish the pending policies" },
	{ "tls", "add", R_REQ, cli_tls_add, "tls add <id> read|write 1.2|1.3 <aead> key <hex> iv <hex> local <ip> <port> remote <ip> <port> [tcp_seq <n>] [seq <n>] [type no-offload|auto|inline] [port_id <n>] [soft_records <n>] [hard_records <n>] [userdata <n>] [rx_resync hint|device] [tx_resync dump|sw] [tx_sw_threshold <n>]", "create a TLS record context" },
	{ "tls", "del", R_REQ, cli_tls_del, "tls del <id>", "destroy a TLS context (keys wiped)" },
	{ "tls", "keyupdate", R_REQ, cli_tls_keyupdate, "tls keyupdate <id> (secret <hex> | key <hex> iv <hex>) tcp_seq <n>", "change the traffic key at a record boundary (TLS 1.3 KeyUpdate: the next secret)" },
	{ "tls", "resync", R_REQ, cli_tls_resync, "tls resync <id>", "put a NIC context back in step with its NIC now (dpsec_tls_resync)" },
	{ "tls", "show", R_OPT, cli_tls_show, "tls show [<id>] [json]", "TLS contexts with placement and state" },
	{ "set", "fwd", R_REQ, h_set_fwd, "set fwd io|ipsec|tls", "forwarding mode" },
	{ "set", "burst", R_REQ, h_set_burst, "set burst <1..512>", "RX/TX burst size" },
	{ "set", "txpkts", R_REQ, h_set_txpkts, "set txpkts <64..1500> [<src-ip> <dst-ip>]", "packets of start tx_first" },
	{ "set", "txport", R_REQ, h_set_txport, "set txport <port|all>", "ports start tx_first sends on" },
	{ "set", "fault", R_REQ, h_set_fault, "set fault <port> punt|spurious_fail|drop|dup|reorder <rate> | seed <n> | sa_loss|recover <count>", "sim_inline fault injection" },
	{ "show", "port", R_REQ, h_show_port, "show port stats|xstats <port|all> [json]", "port counters" },
	{ "show", "sa", R_REQ, h_show_sa, "show sa stats [[in|out] <spi>] [json]", "SA counters" },
	{ "show", "sp", R_REQ, h_show_sp, "show sp stats [json]", "SPD counters" },
	{ "show", "tls", R_REQ, cli_tls_stats, "show tls stats [<id>] [json]", "TLS context counters" },
	{ "show", "mempool", R_OPT, h_show_mempool, "show mempool [json]", "mbufs of the CLI's pool in use (in flight or held)" },
	{ "show", "fwd", R_REQ, h_show_fwd, "show fwd stats [json]", "forwarding counters" },
	{ "clear", NULL, R_REQ, h_clear, "clear stats", "reset port and forwarding counters" },
	{ "start", NULL, R_OPT, h_start, "start [tx_first [<1..64>]]", "start forwarding on a worker lcore" },
	{ "stop", NULL, R_NONE, h_stop, "stop", "stop forwarding, drain the wires" },
	{ "capture", "start", R_REQ, h_capture_start, "capture start <file> [fwd|drops|all]", "pcapng of forwarded and/or dropped packets (drops with their reason)" },
	{ "capture", "stop", R_NONE, h_capture_stop, "capture stop", "close the capture file" },
	{ "load", NULL, R_REQ, h_load, "load <file>", "add the sa/sp rules of an ipsec-secgw config" },
	{ "save", NULL, R_REQ, h_save, "save <file>", "write the SAs and policies as ipsec-secgw rules" },
	{ "sleep", NULL, R_REQ, h_sleep, "sleep <ms>", "wait (command files: let traffic run)" },
	{ "quit", NULL, R_NONE, h_quit, "quit", "stop, destroy, wipe, free, exit" },
};

static int
h_help(struct cfg_args *a)
{
	const char *noun = cfg_next(a);
	bool found = false;

	if (cfg_end(a) != 0)
		return -1;
	for (unsigned int i = 0; i < RTE_DIM(cmds); i++) {
		if (noun != NULL && strcmp(noun, cmds[i].noun) != 0)
			continue;
		printf("  %-44s %s\n", cmds[i].usage, cmds[i].help);
		found = true;
	}
	if (!found) {
		a->i--;
		cfg_err_tok(a, "a command noun (port|sa|sp|tls|set|show|clear|start|stop|capture|load|save|sleep|quit)");
		return -1;
	}
	return 0;
}

struct cmd_res {
	cmdline_fixed_string_t noun;
	cmdline_fixed_string_t verb;
	cmdline_multi_string_t rest;
};

static int
run_cmd(const struct cli_cmd *c, char *rest)
{
	char *argv[CLI_MAX_ARGS];
	char name[64];
	struct cfg_args a = { .cmd = name };
	int n;

	snprintf(name, sizeof(name), "%s%s%s", c->noun, c->verb ? " " : "",
		 c->verb ? c->verb : "");
	n = rest != NULL ? cfg_split(rest, argv, CLI_MAX_ARGS) : 0;
	if (n < 0) {
		cfg_err(&a, "more than %d words", CLI_MAX_ARGS);
		return -1;
	}
	a.argc = n;
	a.argv = argv;
	return c->fn(&a);
}

static void
cmd_cb(void *res, struct cmdline *cl, void *data)
{
	struct cmd_res *r = res;
	const struct cli_cmd *c = data;
	bool has_rest = r->rest[0] != '\0';

	(void)cl;
	last_rc = run_cmd(c, has_rest ? r->rest : NULL);
	/* Keys typed on the line are not kept in the parse buffer. */
	explicit_bzero(r->rest, sizeof(r->rest));
	if (last_rc != 0)
		cli_failures++;
	fflush(stdout);
}

static cmdline_parse_ctx_t *parse_ctx;

/*
 * Completion. Each command is matched and run by an instruction whose
 * last token takes all its arguments (one multi-word string). Tab and '?'
 * inside the arguments come from a second instruction per command, after
 * all of those (so it never runs a line): the noun, the verb, then
 * CLI_COMPLETE_WORDS one-word tokens and one that matches nothing. The
 * word tokens know their command and position and offer what fits there
 * given the words before (cli_complete() keeps the line being edited):
 * ports, SPIs, policy and TLS ids that exist now, the keywords and the
 * values of keywords.
 */
enum { CLI_COMPLETE_WORDS = 48 };

struct word_tok {
	struct cmdline_token_string t;	/* first: string ops cast to it */
	const struct cli_cmd *cmd;
	unsigned int pos;		/* argument index after the verb */
};

static const char *complete_line;	/* the line being completed */

enum { NB_CAND = 128, CAND_LEN = 24 };
static char cands[NB_CAND][CAND_LEN];

static void
cand_add(unsigned int *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
cand_add(unsigned int *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= NB_CAND)
		return;
	va_start(ap, fmt);
	vsnprintf(cands[*n], CAND_LEN, fmt, ap);
	va_end(ap);
	(*n)++;
}

static void
cand_words(unsigned int *n, const char *words)
{
	char buf[512], *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", words);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save))
		cand_add(n, "%s", w);
}

static bool
is(const struct cli_cmd *c, const char *noun, const char *verb)
{
	return strcmp(c->noun, noun) == 0 &&
	       (verb == NULL ? c->verb == NULL :
		c->verb != NULL && strcmp(c->verb, verb) == 0);
}

static bool
word_in(const char *w, const char *list)
{
	size_t l = strlen(w);
	const char *p = list;

	while (l > 0 && (p = strstr(p, w)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[l] == ' ' || p[l] == '\0'))
			return true;
		p += l;
	}
	return false;
}

static void
cand_ports(unsigned int *n, bool all)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p)
		cand_add(n, "%u", p);
	if (all)
		cand_words(n, "all");
}

/* SPIs of the SAs of a direction (-1: both). */
static void
cand_spis(unsigned int *n, int dir)
{
	for (unsigned int i = 0; i < CLI_MAX_SA; i++)
		if (sas[i].used && (dir < 0 || (int)sas[i].conf.dir == dir))
			cand_add(n, "%" PRIu32, sas[i].conf.spi);
}

static void
cand_tls_ids(unsigned int *n)
{
	uint32_t ids[NB_CAND];
	unsigned int k = cli_tls_ids(ids, NB_CAND);

	for (unsigned int i = 0; i < k; i++)
		cand_add(n, "%" PRIu32, ids[i]);
}

static int
dir_word(const char *w)
{
	return strcmp(w, "in") == 0 ? DPSEC_SA_INBOUND :
	       strcmp(w, "out") == 0 ? DPSEC_SA_OUTBOUND : -1;
}

/* "sa add": after <dir> <spi>, the parameters (w: those words). */
static void
cand_sa_params(unsigned int *n, char **w, int nw)
{
	char values[256];
	int back;

	/* The keyword whose arguments are being typed, if any. */
	for (back = 1; back <= 2 && back <= nw; back++) {
		int args = cfg_sa_keyword_args(w[nw - back], values,
					       sizeof(values));

		if (args >= back) {
			if (back == 1 && strcmp(w[nw - 1], "port_id") == 0)
				cand_ports(n, false);
			else if (back == 1)
				cand_words(n, values);
			return;
		}
		if (args >= 0)
			break;		/* a keyword whose arguments are done */
	}
	cand_words(n, cfg_sa_keywords);
}

/* "[in|out] <spi>" at w[0..]: the index after it, or -1 while inside. */
static int
cand_sa_ref(unsigned int *n, char **w, int nw)
{
	if (nw == 0) {
		cand_words(n, "in out");
		cand_spis(n, -1);
		return -1;
	}
	if (dir_word(w[0]) >= 0) {
		if (nw == 1) {
			cand_spis(n, dir_word(w[0]));
			return -1;
		}
		return 2;
	}
	return 1;
}

static unsigned int
cand_fill(const struct cli_cmd *c, char **w, int nw)
{
	const char *prev = nw > 0 ? w[nw - 1] : "";
	unsigned int n = 0, i;
	char vals[128];
	int k;

	if (is(c, "help", NULL)) {
		for (i = 0; nw == 0 && i < RTE_DIM(cmds); i++)
			if (i == 0 || strcmp(cmds[i].noun,
					     cmds[i - 1].noun) != 0)
				cand_add(&n, "%s", cmds[i].noun);
	} else if (is(c, "port", "info") || is(c, "port", "caps")) {
		if (nw == 0)
			cand_ports(&n, false);
	} else if (is(c, "port", "start") || is(c, "port", "stop") ||
		   is(c, "set", "txport")) {
		if (nw == 0)
			cand_ports(&n, true);
	} else if (is(c, "set", "fault")) {
		if (nw == 0)
			cand_ports(&n, false);
		else if (nw == 1)
			cand_words(&n, "punt spurious_fail drop dup reorder seed sa_loss recover");
	} else if (is(c, "sa", "add")) {
		if (nw == 0)
			cand_words(&n, "in out");
		else if (nw >= 2)
			cand_sa_params(&n, w + 2, nw - 2);
	} else if (is(c, "sa", "del") || is(c, "sa", "show") ||
		   is(c, "sa", "move") || is(c, "sa", "update")) {
		k = cand_sa_ref(&n, w, nw);
		if (k < 0)
			;
		else if (is(c, "sa", "move") && nw == k)
			cand_words(&n, "nic sw");
		else if (is(c, "sa", "show") && nw == k)
			cand_words(&n, "json");
		else if (is(c, "sa", "update") && !word_in(prev,
			 "soft_packets soft_bytes soft_seconds hard_packets hard_bytes hard_seconds userdata"))
			cand_words(&n, "soft_packets soft_bytes soft_seconds hard_packets hard_bytes hard_seconds userdata");
		if (is(c, "sa", "show") && nw == 0)
			cand_words(&n, "json");
	} else if (is(c, "sp", "add")) {
		if (nw == 0)
			cand_words(&n, "ipv4 ipv6");
		else if (nw == 1)
			cand_words(&n, "in out");
		else if (nw == 2)
			cand_words(&n, "esp");
		else if (nw == 3)
			cand_words(&n, "protect bypass discard");
		else if (nw == 4 && strcmp(w[3], "protect") == 0) {
			cand_words(&n, "reqid");
			cand_spis(&n, dir_word(w[1]));
		} else if (strcmp(prev, "proto") == 0)
			cand_words(&n, "tcp udp sctp icmp");
		else if (!word_in(prev, "reqid id pri src dst sport dport"))
			cand_words(&n, "id pri src dst proto sport dport");
	} else if (is(c, "sp", "del")) {
		if (nw == 0)
			cand_words(&n, "in out");
		else if (nw == 1)
			for (i = 0; i < RTE_DIM(sps); i++)
				if (sps[i].used && !sps[i].deleted &&
				    (int)sps[i].dir == dir_word(w[0]))
					cand_add(&n, "%" PRIu32,
						 sps[i].pol.id);
	} else if (is(c, "sp", "show")) {
		if (nw == 0)
			cand_words(&n, "in out json");
		else if (nw == 1 && dir_word(w[0]) >= 0)
			cand_words(&n, "json");
	} else if (is(c, "sp", "commit")) {
		if (nw == 0)
			cand_words(&n, "in out");
	} else if (is(c, "tls", "add")) {
		if (nw == 1)
			cand_words(&n, "read write");
		else if (nw == 2)
			cand_words(&n, "1.2 1.3");
		else if (nw == 3)
			cand_words(&n, "aes-128-gcm aes-256-gcm chacha20-poly1305");
		else if (nw > 3 && strcmp(prev, "port_id") == 0)
			cand_ports(&n, false);
		else if (nw > 3 && cli_tls_values(prev, vals, sizeof(vals)))
			cand_words(&n, vals);
		else if (nw > 3 && !word_in(prev, "key iv local remote tcp_seq seq soft_records hard_records userdata tx_sw_threshold") &&
			 !word_in(w[nw - 2], "local remote"))
			cand_words(&n, cli_tls_keywords);
	} else if (is(c, "tls", "del") || is(c, "tls", "keyupdate") ||
		   is(c, "tls", "show") || is(c, "tls", "resync")) {
		if (nw == 0)
			cand_tls_ids(&n);
		if (is(c, "tls", "show") && nw <= 1)
			cand_words(&n, "json");
		else if (is(c, "tls", "keyupdate") && nw > 0 &&
			 !word_in(prev, "secret key iv tcp_seq"))
			cand_words(&n, "secret key iv tcp_seq");
	} else if (is(c, "set", "fwd")) {
		if (nw == 0)
			cand_words(&n, "io ipsec tls");
	} else if (is(c, "show", "port")) {
		if (nw == 0)
			cand_words(&n, "stats xstats");
		else if (nw == 1)
			cand_ports(&n, true);
		else if (nw == 2)
			cand_words(&n, "json");
	} else if (is(c, "show", "sa")) {
		if (nw == 0)
			cand_words(&n, "stats");
		else if ((k = cand_sa_ref(&n, w + 1, nw - 1)) >= 0 &&
			 nw - 1 == k)
			cand_words(&n, "json");
		if (nw == 1)
			cand_words(&n, "json");
	} else if (is(c, "show", "tls")) {
		if (nw == 0)
			cand_words(&n, "stats");
		else if (nw == 1)
			cand_tls_ids(&n);
		if (nw == 1 || nw == 2)
			cand_words(&n, "json");
	} else if (is(c, "show", "mempool")) {
		if (nw == 0)
			cand_words(&n, "json");
	} else if (is(c, "show", "sp") || is(c, "show", "fwd")) {
		if (nw == 0)
			cand_words(&n, "stats");
		else if (nw == 1)
			cand_words(&n, "json");
	} else if (is(c, "clear", NULL)) {
		if (nw == 0)
			cand_words(&n, "stats");
	} else if (is(c, "start", NULL)) {
		if (nw == 0)
			cand_words(&n, "tx_first");
	} else if (is(c, "capture", "start")) {
		if (nw == 1)
			cand_words(&n, "fwd drops all");
	}
	return n;
}

/* Candidates for the word token @tk: split the line being completed. */
static unsigned int
word_cands(cmdline_parse_token_hdr_t *tk)
{
	const struct word_tok *t = (const struct word_tok *)tk;
	char buf[STR_MULTI_TOKEN_SIZE], *argv[CLI_COMPLETE_WORDS + 4];
	unsigned int skip = t->cmd->verb != NULL ? 2 : 1;
	int n;

	if (complete_line == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s", complete_line);
	n = cfg_split(buf, argv, RTE_DIM(argv));
	if (n < 0)
		return 0;
	/* The last word is the one being typed unless a blank ends it. */
	if (n > 0 && complete_line[0] != '\0' &&
	    !isblank((unsigned char)complete_line[strlen(complete_line) - 1]))
		n--;
	if (n != (int)(skip + t->pos))
		return 0;
	return cand_fill(t->cmd, argv + skip, (int)t->pos);
}

static int
word_nb(cmdline_parse_token_hdr_t *tk)
{
	return (int)word_cands(tk);
}

static int
word_elt(cmdline_parse_token_hdr_t *tk, int idx, char *dst, unsigned int size)
{
	unsigned int n = word_cands(tk);

	if (idx < 0 || (unsigned int)idx >= n)
		return -1;
	strlcpy(dst, cands[idx], size);
	return 0;
}

static int
args_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned int size)
{
	(void)tk;
	strlcpy(dst, "arguments", size);
	return 0;
}

/* One word, never stored (the instruction only completes). */
static int
word_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res,
	   unsigned int ressize)
{
	(void)res;
	(void)ressize;
	return cmdline_parse_string(tk, buf, NULL, 0);
}

static int
never_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res,
	    unsigned int ressize)
{
	(void)tk;
	(void)buf;
	(void)res;
	(void)ressize;
	return -1;
}

static struct cmdline_token_ops rest_ops = {
	.parse = cmdline_parse_string,
	.get_help = args_help,
};

static struct cmdline_token_ops word_ops = {
	.parse = word_parse,
	.complete_get_nb = word_nb,
	.complete_get_elt = word_elt,
	.get_help = args_help,
};

static struct cmdline_token_ops never_ops = {
	.parse = never_parse,
};

static cmdline_parse_token_hdr_t *
rest_tok_new(unsigned int offset)
{
	struct cmdline_token_string *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->hdr.ops = &rest_ops;
	t->hdr.offset = offset;
	t->string_data.str = TOKEN_STRING_MULTI;
	return &t->hdr;
}

static cmdline_parse_token_hdr_t *
word_tok_new(const struct cli_cmd *c, unsigned int pos)
{
	struct word_tok *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->t.hdr.ops = pos < CLI_COMPLETE_WORDS ? &word_ops : &never_ops;
	t->t.string_data.str = NULL;	/* any one word */
	t->cmd = c;
	t->pos = pos;
	return &t->t.hdr;
}

static struct cmdline_token_string *
tok_new(const char *str, unsigned int offset)
{
	struct cmdline_token_string *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->hdr.ops = &cmdline_token_string_ops;
	t->hdr.offset = offset;
	t->string_data.str = str;
	return t;
}

static void cmd_cb(void *res, struct cmdline *cl, void *data);

/* An instruction for @c: with its arguments token (the one that runs),
 * with none, or (complete) with the word tokens. */
static cmdline_parse_inst_t *
inst_new(const struct cli_cmd *c, bool with, bool complete)
{
	unsigned int nb = 3 + (complete ? CLI_COMPLETE_WORDS + 1 : 1), t = 0;
	cmdline_parse_inst_t *inst = calloc(1, sizeof(*inst) +
					    nb * sizeof(inst->tokens[0]));

	if (inst == NULL)
		return NULL;
	inst->f = cmd_cb;
	inst->data = (void *)(uintptr_t)c;
	inst->help_str = c->usage;
	inst->tokens[t++] = (cmdline_parse_token_hdr_t *)
		tok_new(c->noun, offsetof(struct cmd_res, noun));
	if (c->verb != NULL)
		inst->tokens[t++] = (cmdline_parse_token_hdr_t *)
			tok_new(c->verb, offsetof(struct cmd_res, verb));
	if (complete)
		for (unsigned int i = 0; i <= CLI_COMPLETE_WORDS; i++)
			inst->tokens[t++] = word_tok_new(c, i);
	else if (with)
		inst->tokens[t++] = rest_tok_new(offsetof(struct cmd_res, rest));
	for (unsigned int j = 0; j < t; j++)
		if (inst->tokens[j] == NULL)
			return NULL;
	inst->tokens[t] = NULL;
	return inst;
}

/* Per command: without arguments (R_NONE, R_OPT), with (R_OPT, R_REQ);
 * then, after all of them, the completion instructions. */
static int
build_ctx(void)
{
	unsigned int n = 0, k = 0;

	for (unsigned int i = 0; i < RTE_DIM(cmds); i++)
		n += (cmds[i].rest == R_OPT ? 2 : 1) +
		     (cmds[i].rest != R_NONE ? 1 : 0);
	parse_ctx = calloc(n + 1, sizeof(*parse_ctx));
	if (parse_ctx == NULL)
		return -1;
	for (unsigned int i = 0; i < RTE_DIM(cmds); i++) {
		for (int with = 0; with < 2; with++) {
			if ((with && cmds[i].rest == R_NONE) ||
			    (!with && cmds[i].rest == R_REQ))
				continue;
			parse_ctx[k] = inst_new(&cmds[i], with, false);
			if (parse_ctx[k++] == NULL)
				return -1;
		}
	}
	for (unsigned int i = 0; i < RTE_DIM(cmds); i++) {
		if (cmds[i].rest == R_NONE)
			continue;
		parse_ctx[k] = inst_new(&cmds[i], true, true);
		if (parse_ctx[k++] == NULL)
			return -1;
	}
	parse_ctx[k] = NULL;
	return 0;
}

struct cmdline *
cli_cmdline_new(int fd_in, int fd_out, const char *prompt)
{
	if (parse_ctx == NULL && build_ctx() != 0)
		return NULL;
	return cmdline_new(parse_ctx, prompt, fd_in, fd_out);
}

int
cli_complete(const char *buf, int *state, char *dst, unsigned int size)
{
	int rc;

	complete_line = buf;
	rc = cmdline_complete(cli_cl, buf, state, dst, size);
	complete_line = NULL;
	return rc;
}

/* Why a line matched no instruction: the first word that is wrong. */
static void
diagnose(char *line)
{
	char *argv[4];
	struct cfg_args a = { .cmd = "command", .argv = argv };
	const struct cli_cmd *match = NULL;
	bool noun_ok = false;
	char exp[256];
	size_t off = 0;

	a.argc = cfg_split(line, argv, 3);
	if (a.argc < 0)
		a.argc = 3;
	for (unsigned int i = 0; i < RTE_DIM(cmds); i++) {
		if (strcmp(argv[0], cmds[i].noun) != 0)
			continue;
		noun_ok = true;
		if (cmds[i].verb == NULL ||
		    (a.argc > 1 && strcmp(argv[1], cmds[i].verb) == 0))
			match = &cmds[i];
	}
	if (!noun_ok) {
		cfg_err_tok(&a, "a command (help|port|sa|sp|tls|set|show|clear|start|stop|capture|sleep|load|save|quit)");
		return;
	}
	if (match == NULL) {
		off = (size_t)snprintf(exp, sizeof(exp), "one of");
		for (unsigned int i = 0; i < RTE_DIM(cmds); i++)
			if (strcmp(argv[0], cmds[i].noun) == 0 &&
			    off < sizeof(exp))
				off += (size_t)snprintf(exp + off,
					sizeof(exp) - off, " %s",
					cmds[i].verb);
		a.i = 1;
		a.cmd = argv[0];
		cfg_err_tok(&a, exp);
		return;
	}
	a.cmd = match->noun;
	a.i = a.argc;
	snprintf(exp, sizeof(exp), "arguments: %s", match->usage);
	cfg_err(&a, "%s", match->rest == R_NONE ?
		"takes no arguments" : exp);
}

int
cli_exec(const char *line)
{
	char buf[STR_MULTI_TOKEN_SIZE + 256];
	size_t len = strlen(line);
	int rc;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len + 2 > sizeof(buf) || len >= STR_MULTI_TOKEN_SIZE - 64) {
		struct cfg_args a = { .cmd = "command" };

		cfg_err(&a, "line longer than %d bytes",
			STR_MULTI_TOKEN_SIZE - 64);
		cli_failures++;
		return -1;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	last_rc = 0;
	rc = cmdline_parse(cli_cl, buf);
	if (rc < 0) {
		buf[len] = '\0';
		diagnose(buf);
		cli_failures++;
		last_rc = -1;
	}
	explicit_bzero(buf, sizeof(buf));
	fflush(stdout);
	return last_rc;
}
