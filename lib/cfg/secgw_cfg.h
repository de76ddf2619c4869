/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_SECGW_CFG_H
#define DPSEC_SECGW_CFG_H

/*
 * DPDK ipsec-secgw's configuration syntax (its sa, sp, rt and neigh
 * rules, comments and '\' continuations) plus dpsec's keywords, shared by
 * examples/ipsec-gw and app/dpsec-cli (doc/ipsec_gw.md lists every
 * keyword). The parsers fill structs and create nothing; the printers
 * write the canonical form, which the parsers read back to the same
 * struct. Errors go to stderr as "error: <where>: word <n> '<token>':
 * expected <what>", <where> being the command or "file:line".
 *
 * An internal static library of the tools, not part of libdpsec's API.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_spd.h"

enum {
	CFG_KEY_MAX = 64,		/* bytes of a cipher or auth key */
	CFG_MAX_WORDS = 256,		/* words in one rule */
	CFG_LINE_MAX = 4096,		/* bytes of one rule, joined */
};

/* One word cursor over a rule's words, for precise errors. */
struct cfg_args {
	const char *cmd;		/* "sa add", "ep0.cfg:69": for messages */
	int argc;
	char **argv;
	int i;				/* next word */
	/* If set, errors go here ("<cmd>: <message>") instead of stderr. */
	char *err;
	size_t err_len;
};

/* How an SA line asked for offload ("type"). */
enum cfg_sa_type {
	CFG_TYPE_NONE,			/* no type word: secgw's no-offload */
	CFG_TYPE_NO_OFFLOAD,
	CFG_TYPE_CPU_CRYPTO,
	CFG_TYPE_LOOKASIDE_PROTOCOL,
	CFG_TYPE_INLINE_CRYPTO,
	CFG_TYPE_INLINE_PROTOCOL,
	CFG_TYPE_AUTO,			/* dpsec's "type auto" */
};

/* An SA line: its conf with its own copy of the keys. */
struct cfg_sa {
	bool used;			/* for the tools' tables */
	struct dpsec_sa_conf conf;
	uint8_t ckey[CFG_KEY_MAX];
	uint8_t akey[CFG_KEY_MAX];
	struct dpsec_sa *sa;		/* library handle, once created */
	enum cfg_sa_type type;
	bool offload_set;		/* "offload auto|require|none" given */
	/* secgw keywords kept for the gateway (doc/ipsec_gw.md). */
	bool fdir;			/* flow-direction <port> <queue> */
	uint16_t fdir_port, fdir_queue;
	uint16_t mss;			/* 0: not given */
	bool telemetry, reassembly, fallback;
};

/* An SP line: what the library takes, plus how the line named its SA. */
struct cfg_sp {
	bool used;
	bool committed;			/* in the published set */
	bool deleted;			/* del pending until commit */
	enum dpsec_sa_dir dir;
	struct dpsec_policy pol;
	uint32_t sa_spi;		/* protect <spi> (by_spi) */
};

/* rt <ipv4|ipv6> dst <prefix> port <n> */
struct cfg_rt {
	uint8_t family;			/* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16];		/* network order; IPv4 in the first 4 */
	uint16_t port;
};

/* neigh port <n> <mac> */
struct cfg_neigh {
	uint16_t port;
	struct rte_ether_addr mac;
};

/* Errors: "error: <cmd>: <message>" on stderr, or into a->err. */
void cfg_err(const struct cfg_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Error about the word at a->i (or "end of line"). */
void cfg_err_tok(const struct cfg_args *a, const char *expected);

const char *cfg_peek(const struct cfg_args *a);
const char *cfg_next(struct cfg_args *a);
bool cfg_accept(struct cfg_args *a, const char *word);
int cfg_u64(struct cfg_args *a, const char *what, uint64_t min, uint64_t max,
	    uint64_t *out);
int cfg_dir(struct cfg_args *a, enum dpsec_sa_dir *dir);
int cfg_end(const struct cfg_args *a);
/* Split in place at blanks, '#' ends the line; the word count, or -1 if
 * more than max. */
int cfg_split(char *line, char **argv, int max);

int cfg_key(struct cfg_args *a, uint8_t *key, uint16_t *len);
int cfg_addr(struct cfg_args *a, int family, struct dpsec_addr *ad);
void cfg_addr_str(const struct dpsec_addr *ad, char *buf, size_t len);
const char *cfg_cipher_name(enum dpsec_cipher c);
const char *cfg_auth_name(enum dpsec_auth a);

/* After "sa": <in|out> <spi> <param>... */
int cfg_sa_parse(struct cfg_args *a, struct cfg_sa *out);
void cfg_sa_format(const struct cfg_sa *s, char *buf, size_t len);
/* What dpsec does differently from secgw for this SA's keywords, for one
 * log line ("" when nothing). */
void cfg_sa_notes(const struct cfg_sa *s, char *buf, size_t len);
/* For completion (dpsec-cli): every sa parameter keyword, space
 * separated; and for one keyword, how many words follow it (0: a flag;
 * -1: not a keyword) and, in @values, the names the first may be (""
 * when it is a number, key or address). */
extern const char cfg_sa_keywords[];
int cfg_sa_keyword_args(const char *kw, char *values, size_t len);
/* After "sp". next_id: the id when none is given. */
int cfg_sp_parse(struct cfg_args *a, struct cfg_sp *out, bool *by_spi,
		 uint32_t next_id);
void cfg_sp_format(const struct cfg_sp *p, char *buf, size_t len);
/* After "rt" and "neigh". */
int cfg_rt_parse(struct cfg_args *a, struct cfg_rt *out);
void cfg_rt_format(const struct cfg_rt *r, char *buf, size_t len);
int cfg_neigh_parse(struct cfg_args *a, struct cfg_neigh *out);

/*
 * Read a configuration file rule by rule: '#' starts a comment, a line
 * ending in '\' continues on the next one, joined as ipsec-secgw joins
 * them (no blank added: a key may be split inside). For each rule, cb gets
 * its words (argv[0] is the rule's noun, a->i = 1) and a->cmd
 * "<path>:<first line>". The file's own faults (a '\' not at the end of
 * a line, a rule longer than CFG_LINE_MAX or with more than CFG_MAX_WORDS
 * words, a continuation at the end of the file) are reported when
 * report is true and counted.
 *
 * @return
 *   The number of faults plus the number of rules cb failed (returned
 *   non-zero), or -1 if the file cannot be read (reported).
 */
typedef int (*cfg_rule_cb)(struct cfg_args *a, void *arg);
int cfg_file_read(const char *path, bool report, cfg_rule_cb cb, void *arg);
/* The same on an open stream named @name in messages (not closed). */
int cfg_stream_read(FILE *f, const char *name, bool report, cfg_rule_cb cb,
		    void *arg);

#endif /* DPSEC_SECGW_CFG_H */
