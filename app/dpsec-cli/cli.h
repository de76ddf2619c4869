/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_CLI_H
#define DPSEC_CLI_H

/*
 * dpsec-cli: a testpmd-style interactive CLI for dpsec security sessions
 * (doc/cli.md). cli_cfg.c parses and prints SA and SP lines (the
 * ipsec-secgw config syntax plus dpsec's extensions), cli_cmds.c holds the
 * state and the commands, cli_tls.c the TLS contexts, cli_fwd.c the
 * forwarding lcore, main.c EAL, the options and the terminal loop.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_spd.h"

enum {
	CLI_MAX_SA = 1024,		/* SAs the CLI keeps (both directions) */
	CLI_MAX_SP = 1024,		/* policies per direction */
	CLI_MAX_ARGS = 256,		/* words on one command line */
	CLI_KEY_MAX = 64,		/* bytes of a cipher or auth key */
	CLI_MAX_PORTS = RTE_MAX_ETHPORTS,
	CLI_BURST_MAX = 512,
	CLI_PKT_MIN = 64,		/* txpkts length, IPv4 + UDP + tag */
	CLI_PKT_MAX = 1500,
};

/* One word cursor over a command's arguments, for precise errors. */
struct cli_args {
	const char *cmd;		/* "sa add", for messages */
	int argc;
	char **argv;
	int i;				/* next word */
};

/* An SA as the CLI knows it: its conf with its own copy of the keys. */
struct cli_sa {
	bool used;
	struct dpsec_sa_conf conf;
	uint8_t ckey[CLI_KEY_MAX];
	uint8_t akey[CLI_KEY_MAX];
	struct dpsec_sa *sa;		/* library handle */
};

/* A policy: what the library has, plus how the line named its SA. */
struct cli_sp {
	bool used;
	bool committed;			/* in the published set */
	bool deleted;			/* del pending until commit */
	enum dpsec_sa_dir dir;
	struct dpsec_policy pol;
	uint32_t sa_spi;		/* protect <spi> (pol.sa set) */
};

/* Errors: "error: <cmd>: <message>" on stderr. */
void cli_err(const struct cli_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Error about the word at a->i (or "end of line"). */
void cli_err_tok(const struct cli_args *a, const char *expected);

const char *cli_peek(const struct cli_args *a);
const char *cli_next(struct cli_args *a);
bool cli_accept(struct cli_args *a, const char *word);
int cli_u64(struct cli_args *a, const char *what, uint64_t min, uint64_t max,
	    uint64_t *out);
int cli_dir(struct cli_args *a, enum dpsec_sa_dir *dir);
int cli_end(const struct cli_args *a);
int cli_split(char *line, char **argv, int max);

/* cli_cfg.c */
int cli_key(struct cli_args *a, uint8_t *key, uint16_t *len);
int cli_addr(struct cli_args *a, int family, struct dpsec_addr *ad);
int cli_sa_parse(struct cli_args *a, struct cli_sa *out);
void cli_sa_format(const struct cli_sa *s, char *buf, size_t len);
int cli_sp_parse(struct cli_args *a, struct cli_sp *out, bool *by_spi,
		 uint32_t next_id);
void cli_sp_format(const struct cli_sp *p, char *buf, size_t len);
const char *cli_cipher_name(enum dpsec_cipher c);
const char *cli_auth_name(enum dpsec_auth a);
void cli_addr_str(const struct dpsec_addr *ad, char *buf, size_t len);

/* cli_cmds.c */
int cli_init(const char *backend, uint32_t max_sa);
void cli_cleanup(void);
/* Run one command line; 0 if it succeeded, -1 if not (error printed). */
int cli_exec(const char *line);
/* Failed commands so far. */
extern unsigned int cli_failures;
/* Set by "quit". */
extern volatile bool cli_quit;
struct cmdline;
struct cmdline *cli_cmdline_new(int fd_in, int fd_out, const char *prompt);
extern struct cmdline *cli_cl;

/* cli_tls.c: TLS record contexts (create, show, destroy). */
int cli_tls_add(struct cli_args *a);
int cli_tls_del(struct cli_args *a);
int cli_tls_show(struct cli_args *a);
int cli_tls_stats(struct cli_args *a);
void cli_tls_cleanup(void);
extern const char *const cli_placement_name[];
const char *cli_place_reason_name(enum dpsec_place_reason r);

/* cli_fwd.c */
enum cli_fwd_mode { CLI_FWD_IO, CLI_FWD_IPSEC };

struct cli_port_fwd {
	uint64_t rx, tx, injected, drained, tx_refused, not_ip;
	uint64_t drops[DPSEC_R_MAX];
};

struct cli_fwd {
	enum cli_fwd_mode mode;
	uint16_t burst;
	uint16_t pkt_len;
	uint32_t src, dst;		/* txpkts addresses, network order */
	int txport;			/* -1: all */
	volatile bool running;
	unsigned int lcore;
	struct cli_port_fwd st[CLI_MAX_PORTS];
	struct rte_mempool *mp;
	struct dpsec_ctx *ctx;
	struct dpsec_spd *spd_out, *spd_in;
};

extern struct cli_fwd cli_fwd;
/* Ports started by the CLI (port start/stop keep it). */
extern bool cli_port_up[CLI_MAX_PORTS];
int cli_fwd_start(unsigned int tx_bursts, bool tx_first);
int cli_fwd_stop(void);
uint16_t cli_fwd_peer(uint16_t port);

#endif /* DPSEC_CLI_H */
