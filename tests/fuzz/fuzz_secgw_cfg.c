/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-secgw-cfg: ipsec-secgw's configuration syntax as the gateway and
 * the CLI read it (lib/cfg/secgw_cfg.c): the file reader ('#' comments,
 * '\' continuations, long lines and rules) and the sa, sp, rt and neigh
 * parsers, on arbitrary bytes. No EAL: the parser is pure code.
 *
 * Input: a configuration file. Invariants: every rule parses or fails
 * with a message naming where (into the error buffer, never past it); a
 * parsed sa, sp or rt rule printed in the canonical form parses back to
 * the same values (SA: every dpsec_sa_conf field and the key bytes;
 * policy; route); reading is deterministic (twice, same rule count and
 * errors); nothing reads or writes out of bounds (ASan). At start, the
 * keyword list dpsec-cli completes from is checked against the parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "fuzz_common.h"
#include "secgw_cfg.h"

struct stats {
	unsigned int rules, ok;
};

static void
sa_same(const struct cfg_sa *x, const struct cfg_sa *y, const char *line)
{
	struct dpsec_sa_conf a = x->conf, b = y->conf;

	FUZZ_CHECK(a.cipher_key_len == b.cipher_key_len &&
		   a.auth_key_len == b.auth_key_len &&
		   memcmp(x->ckey, y->ckey, a.cipher_key_len) == 0 &&
		   memcmp(x->akey, y->akey, a.auth_key_len) == 0,
		   "keys differ after '%s'", line);
	a.cipher_key = b.cipher_key = NULL;
	a.auth_key = b.auth_key = NULL;
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0, "conf differs after '%s'",
		   line);
}

/* Print @line's words again and parse them (argv[0] is the noun). */
static int
reparse(char *line, struct cfg_args *b, char **argv, char *err, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->cmd = "reparse";
	b->argv = argv;
	b->err = err;
	b->err_len = len;
	b->argc = cfg_split(line, argv, CFG_MAX_WORDS);
	b->i = 1;
	return b->argc;
}

static int
rule(struct cfg_args *a, void *arg)
{
	struct stats *st = arg;
	char err[512] = "", err2[512] = "", line[CFG_LINE_MAX * 2];
	char copy[CFG_LINE_MAX * 2], *argv[CFG_MAX_WORDS];
	const char *noun = a->argv[0];
	struct cfg_args b;
	int rc = -1;

	a->err = err;
	a->err_len = sizeof(err);
	st->rules++;
	if (strcmp(noun, "sa") == 0) {
		static struct cfg_sa s, s2;

		rc = cfg_sa_parse(a, &s);
		if (rc == 0) {
			cfg_sa_format(&s, line, sizeof(line));
			strcpy(copy, line);
			FUZZ_CHECK(reparse(line, &b, argv, err2, sizeof(err2)) > 1,
				   "'%s' does not split", copy);
			FUZZ_CHECK(cfg_sa_parse(&b, &s2) == 0,
				   "'%s' does not parse back: %s", copy, err2);
			sa_same(&s, &s2, copy);
		}
	} else if (strcmp(noun, "sp") == 0) {
		struct cfg_sp p, p2;
		bool by_spi, by_spi2;

		rc = cfg_sp_parse(a, &p, &by_spi, 7);
		if (rc == 0) {
			/* the printer says "protect <spi>" for an SA handle */
			if (by_spi)
				p.pol.sa = (struct dpsec_sa *)(uintptr_t)1;
			cfg_sp_format(&p, line, sizeof(line));
			strcpy(copy, line);
			FUZZ_CHECK(reparse(line, &b, argv, err2, sizeof(err2)) > 1,
				   "'%s' does not split", copy);
			FUZZ_CHECK(cfg_sp_parse(&b, &p2, &by_spi2, 9) == 0,
				   "'%s' does not parse back: %s", copy, err2);
			p.pol.sa = NULL;
			FUZZ_CHECK(by_spi == by_spi2 && p.sa_spi == p2.sa_spi &&
				   p.dir == p2.dir &&
				   memcmp(&p.pol, &p2.pol, sizeof(p.pol)) == 0,
				   "policy differs after '%s'", copy);
		}
	} else if (strcmp(noun, "rt") == 0) {
		struct cfg_rt r, r2;

		rc = cfg_rt_parse(a, &r);
		if (rc == 0) {
			cfg_rt_format(&r, line, sizeof(line));
			strcpy(copy, line);
			FUZZ_CHECK(reparse(line, &b, argv, err2, sizeof(err2)) > 1,
				   "'%s' does not split", copy);
			FUZZ_CHECK(cfg_rt_parse(&b, &r2) == 0,
				   "'%s' does not parse back: %s", copy, err2);
			FUZZ_CHECK(memcmp(&r, &r2, sizeof(r)) == 0,
				   "route differs after '%s'", copy);
		}
	} else if (strcmp(noun, "neigh") == 0) {
		struct cfg_neigh nb;

		rc = cfg_neigh_parse(a, &nb);
	} else {
		a->i = 0;
		cfg_err_tok(a, "a rule");
	}
	if (rc == 0) {
		st->ok++;
	} else {
		FUZZ_CHECK(err[0] != '\0' && strlen(err) < sizeof(err),
			   "a failed rule left no message");
		FUZZ_CHECK(strncmp(err, a->cmd, strlen(a->cmd)) == 0,
			   "message '%s' does not name '%s'", err, a->cmd);
	}
	return rc;
}

/*
 * The keyword list dpsec-cli completes from (cfg_sa_keywords) and the
 * values cfg_sa_keyword_args() offers are the parser's: "sa out 5000
 * <keyword> <value>" fails, if at all, on neither of those two words.
 */
static void
keywords_check(void)
{
	char kws[1024], *save = NULL, *kw;

	FUZZ_CHECK(strlen(cfg_sa_keywords) < sizeof(kws), "keyword list");
	snprintf(kws, sizeof(kws), "%s", cfg_sa_keywords);
	for (kw = strtok_r(kws, " ", &save); kw != NULL;
	     kw = strtok_r(NULL, " ", &save)) {
		char values[256], *vsave = NULL, *v;
		int nargs = cfg_sa_keyword_args(kw, values, sizeof(values));

		FUZZ_CHECK(nargs >= 0, "keyword %s: not a keyword", kw);
		v = strtok_r(values, " ", &vsave);
		do {
			char line[320], err[512], bad[96], *argv[8];
			struct cfg_args a = { .cmd = "kw", .err = err,
					      .err_len = sizeof(err) };
			struct cfg_sa sa;

			snprintf(line, sizeof(line), "sa out 5000 %s %s", kw,
				 v != NULL ? v : "1");
			a.argv = argv;
			a.argc = cfg_split(line, argv, 8);
			a.i = 1;
			err[0] = '\0';
			if (cfg_sa_parse(&a, &sa) == 0)
				continue;
			snprintf(bad, sizeof(bad), " '%s': ", kw);
			FUZZ_CHECK(strstr(err, bad) == NULL,
				   "the parser refuses keyword %s: %s", kw, err);
			if (v != NULL) {
				snprintf(bad, sizeof(bad), " '%s': ", v);
				FUZZ_CHECK(strstr(err, bad) == NULL,
					   "the parser refuses %s %s: %s", kw,
					   v, err);
			}
		} while (v != NULL && (v = strtok_r(NULL, " ", &vsave)) !=
			 NULL);
	}
	FUZZ_CHECK(cfg_sa_keyword_args("bogus", NULL, 0) == -1 &&
		   cfg_sa_keyword_args("esn", NULL, 0) == 0 &&
		   cfg_sa_keyword_args("flow-direction", NULL, 0) == 2,
		   "cfg_sa_keyword_args: argument counts");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	keywords_check();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stats st[2] = { { 0 } };
	int errs[2];

	for (int k = 0; k < 2; k++) {
		FILE *f = fmemopen((void *)(uintptr_t)data, size, "r");

		if (f == NULL)
			return 0;	/* size 0 */
		errs[k] = cfg_stream_read(f, "fuzz.cfg", false, rule, &st[k]);
		fclose(f);
		FUZZ_CHECK(errs[k] >= 0, "stream read failed");
	}
	FUZZ_CHECK(errs[0] == errs[1] && st[0].rules == st[1].rules &&
		   st[0].ok == st[1].ok, "two reads differ");
	return 0;
}
