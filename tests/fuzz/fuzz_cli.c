/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-cli: dpsec-cli's command parser and commands (app/dpsec-cli,
 * cli_exec()) on arbitrary command lines, with the CLI's real state: a
 * dpsec context, two net_sim_inline ports wired to each other, SAs,
 * policies, TLS contexts, faults, captures.
 *
 * Input: up to 64 command lines ('\n' separated). Each input starts from
 * the state right after start-up, so an input's outcome does not depend
 * on the ones before it: the CLI is reset (cli_reset(): SAs, policies,
 * TLS contexts, captures, settings, faults, ports) after every input
 * rather than before, as cli_init() leaves it in that state already, and
 * the files of the sandbox are removed before each input. The reset keeps
 * the dpsec context and destroys what the input made one by one (a new
 * context and its crypto managers were the largest part of an
 * execution's time);
 * what the commands show of the state must then be what they showed
 * right after start-up. EAL has one lcore: "start" cannot launch a
 * worker (cli_fwd_start() fails with -ENODEV before it sends anything),
 * so no packet moves and runs are deterministic.
 *
 * Sandbox: "load", "save" and "capture start" get a fixed absolute file
 * name in a private temporary directory instead of the one in the input
 * (they still run: save then load round trips); "sleep" sleeps 0 ms. The
 * harness does not chdir(): libFuzzer reads its relative paths (corpus,
 * -dict, -artifact_prefix, a crash file to reproduce) after
 * LLVMFuzzerInitialize().
 *
 * Invariants: cli_exec() returns 0 or -1, and the failure count grows by
 * one exactly when it returns -1; a command that fails (other than
 * "load", whose good rules stay) leaves the SAs, policies and TLS
 * contexts as they were ("sa show json", "sp show json" and "tls show
 * json" print the same before and after); after each input every mbuf is
 * back in the CLI's pool and those three, "port list" and "show fwd stats
 * json" print what they printed after start-up; no crash, no sanitizer
 * report, no leak.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_log.h>

#include <cmdline.h>

#include "cli.h"
#include "eal_fixture.h"
#include "fuzz_common.h"

enum { CLI_LINES_MAX = 64, CLI_INPUT_MAX = 8192, CLI_LINE_LEN = 1024 };

static FILE *devnull;
/* What start_state() printed right after cli_init(). */
static char *s_start;
static size_t l_start;

/* The output of @cmds (NULL-terminated), in a buffer to free(). */
static char *
dump(const char *const cmds[], size_t *len)
{
	FILE *saved = stdout;
	char *buf = NULL;
	FILE *m;

	m = open_memstream(&buf, len);
	FUZZ_CHECK(m != NULL, "open_memstream");
	stdout = m;
	for (; *cmds != NULL; cmds++)
		cli_exec(*cmds);
	fflush(m);
	stdout = saved;
	fclose(m);
	return buf;
}

/* What "sa show json", "sp show json" and "tls show json" print. */
static char *
state(size_t *len)
{
	static const char *const cmds[] = {
		"sa show json", "sp show json", "tls show json", NULL,
	};

	return dump(cmds, len);
}

/* The same, and the ports and the forwarding settings and counters. */
static char *
start_state(size_t *len)
{
	static const char *const cmds[] = {
		"sa show json", "sp show json", "tls show json", "port list",
		"show fwd stats json", NULL,
	};

	return dump(cmds, len);
}

static char tmpdir[] = "/tmp/dpsec-fuzz-cli-XXXXXX";
/* The only files the commands of an input may write or read. */
static char cfg_file[sizeof(tmpdir) + 16], cap_file[sizeof(tmpdir) + 16];

static void
files_remove(void)
{
	unlink(cfg_file);
	unlink(cap_file);
}

static void
tmpdir_remove(void)
{
	files_remove();
	rmdir(tmpdir);
}

/* At exit: everything the CLI holds freed (the crypto engines live in
 * malloc memory that only DPDK memory points to: LeakSanitizer, which
 * does not scan DPDK's memory, would take them for leaks), then EAL. */
static void
cli_fini(void)
{
	if (cli_cl != NULL)
		cmdline_free(cli_cl);
	cli_cl = NULL;
	cli_cleanup();
	rte_eal_cleanup();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const eal_args[] = {
		"-l", "0",
		"--vdev", "net_sim_inline0,wire=ring,peer=net_sim_inline1",
		"--vdev", "net_sim_inline1,wire=ring,peer=net_sim_inline0",
	};

	(void)argc;
	(void)argv;
	if (test_eal_init("fuzz-cli", eal_args, (int)RTE_DIM(eal_args)) < 0)
		abort();
	devnull = fopen("/dev/null", "w");
	if (devnull == NULL || mkdtemp(tmpdir) == NULL)
		abort();
	snprintf(cfg_file, sizeof(cfg_file), "%s/fuzz.cfg", tmpdir);
	snprintf(cap_file, sizeof(cap_file), "%s/fuzz.pcapng", tmpdir);
	atexit(tmpdir_remove);
	/* dpsec and the driver log every refused call: not here. */
	rte_openlog_stream(devnull);
	if (cli_init("ipsec-mb", 64) != 0)
		abort();
	cli_cl = cli_cmdline_new(-1, fileno(devnull), "");
	if (cli_cl == NULL)
		abort();
	s_start = start_state(&l_start);
	atexit(cli_fini);
	return 0;
}

/* The first words of @line (at most 3), each NUL-terminated in @buf. */
static int
words(const char *line, char buf[], size_t len, const char *w[3])
{
	int n = 0;
	size_t k = 0;

	while (*line != '\0' && n < 3) {
		while (isblank((unsigned char)*line))
			line++;
		if (*line == '\0' || *line == '#')
			break;
		w[n++] = buf + k;
		while (*line != '\0' && !isblank((unsigned char)*line) &&
		       k + 1 < len)
			buf[k++] = *line++;
		if (k + 1 >= len)
			break;
		buf[k++] = '\0';
	}
	return n;
}

/*
 * The line as it is run: file names and sleeps replaced (see the top).
 * Returns @line itself or @out.
 */
static const char *
sandbox(const char *line, char *out, size_t len)
{
	char buf[CLI_LINE_LEN];
	const char *w[3];
	int n = words(line, buf, sizeof(buf), w);

	if (n >= 1 && (strcmp(w[0], "load") == 0 ||
		       strcmp(w[0], "save") == 0)) {
		snprintf(out, len, "%s %s", w[0], cfg_file);
		return out;
	}
	if (n >= 1 && strcmp(w[0], "sleep") == 0) {
		snprintf(out, len, "sleep 0");
		return out;
	}
	if (n >= 2 && strcmp(w[0], "capture") == 0 &&
	    strcmp(w[1], "start") == 0) {
		/* Keep what follows the file name (fwd|drops|all, junk). */
		const char *rest = strstr(line, w[1]);

		rest += strlen(w[1]);
		while (isblank((unsigned char)*rest))
			rest++;
		while (*rest != '\0' && !isblank((unsigned char)*rest))
			rest++;
		snprintf(out, len, "capture start %s%s", cap_file, rest);
		return out;
	}
	return line;
}


static bool
is_load(const char *line)
{
	while (isblank((unsigned char)*line))
		line++;
	return strncmp(line, "load", 4) == 0 &&
	       (line[4] == '\0' || isblank((unsigned char)line[4]));
}

/*
 * Per line, the state before it is needed only if the line fails: the
 * state after a failed line is the one before it (checked), so it is
 * taken again only after a line that succeeded. One snapshot per line.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char input[CLI_INPUT_MAX + 1], line_buf[CLI_LINE_LEN + 64];
	FILE *out = stdout, *err = stderr;
	unsigned int lines = 0;
	char *p, *save = NULL, *s0 = NULL;
	size_t l0 = 0;

	if (size > CLI_INPUT_MAX)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	/* As cli_init() or the previous input's cli_reset() left it. */
	FUZZ_CHECK(cli_failures == 0 && !cli_quit && cli_mbufs_out() == 0,
		   "the CLI was not reset");
	files_remove();
	stdout = devnull;
	stderr = devnull;
	for (p = strtok_r(input, "\n", &save); p != NULL && lines < CLI_LINES_MAX;
	     p = strtok_r(NULL, "\n", &save), lines++) {
		const char *line = sandbox(p, line_buf, sizeof(line_buf));
		unsigned int before, after;
		size_t l1 = 0;
		char *s1;
		int rc;

		if (s0 == NULL)
			s0 = state(&l0);
		before = cli_failures;
		rc = cli_exec(line);
		after = cli_failures;
		stdout = out;
		stderr = err;
		FUZZ_CHECK(rc == 0 || rc == -1, "cli_exec('%s') = %d", line,
			   rc);
		FUZZ_CHECK(after == before + (rc != 0),
			   "'%s': %u failures counted for rc %d", line,
			   after - before, rc);
		stdout = devnull;
		stderr = devnull;
		if (rc == 0 || is_load(line)) {
			free(s0);
			s0 = NULL;	/* may have changed */
		} else {
			s1 = state(&l1);
			stdout = out;
			stderr = err;
			FUZZ_CHECK(l0 == l1 && memcmp(s0, s1, l0) == 0,
				   "'%s' failed but changed the state:\n%s\n->\n%s",
				   line, s0, s1);
			stdout = devnull;
			stderr = devnull;
			free(s1);
		}
		if (cli_quit)
			break;
	}
	free(s0);
	stdout = out;
	stderr = err;
	FUZZ_CHECK(cli_reset() == 0, "cli_reset failed");
	FUZZ_CHECK(cli_mbufs_out() == 0, "%u mbufs not back in the pool",
		   cli_mbufs_out());
	stdout = devnull;
	s0 = start_state(&l0);
	stdout = out;
	FUZZ_CHECK(l0 == l_start && memcmp(s0, s_start, l0) == 0,
		   "the reset did not restore the start-up state:\n%s\n->\n%s",
		   s_start, s0);
	free(s0);
	return 0;
}
