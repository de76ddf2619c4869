/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec-cli: testpmd-style interactive CLI for dpsec security sessions.
 *
 *   dpsec-cli [EAL args] -- [-i] [--cmdfile FILE] [--no-interactive]
 *             [--backend ipsec-mb|openssl] [--max-sa N]
 *
 * EAL starts without hugepages or PCI in a private runtime directory
 * (examples/common), then every port is configured with one queue pair
 * and the security offloads it has, attached to one dpsec context and
 * started. Commands come from --cmdfile, then from the terminal (-i, the
 * default) unless --no-interactive; with --no-interactive, or when
 * standard input is not a terminal, the exit status is 1 if any command
 * failed. doc/cli.md lists the commands.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <termios.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>

#include "cli.h"
#include "demo_common.h"

static void
usage(const char *prog)
{
	printf("usage: %s [EAL args] -- [-i] [--cmdfile FILE] [--no-interactive]\n"
	       "       [--backend ipsec-mb|openssl] [--max-sa N]\n"
	       "  -i                interactive prompt (the default)\n"
	       "  --cmdfile FILE    run FILE's commands first\n"
	       "  --no-interactive  exit after --cmdfile; status 1 if a command failed\n"
	       "  --backend B       software crypto (default ipsec-mb)\n"
	       "  --max-sa N        SAD capacity (default %u)\n",
	       prog, (unsigned int)CLI_MAX_SA);
}

/* Run each line of f through the parser; stops at "quit". */
static void
run_stream(FILE *f, bool echo)
{
	char line[STR_MULTI_TOKEN_SIZE];

	while (!cli_quit && fgets(line, sizeof(line), f) != NULL) {
		if (echo) {
			printf("dpsec> %s", line);
			if (strchr(line, '\n') == NULL)
				printf("\n");
		}
		cli_exec(line);
	}
	explicit_bzero(line, sizeof(line));
}

/*
 * The terminal: DPDK's rdline (editing, history, Tab and '?' through
 * cmdline_complete() on our instructions), but each validated line goes
 * through cli_exec(), so the interactive prompt reports errors exactly as
 * command files do (cmdline_interact() would only say "Bad arguments").
 */
static int
tty_write(struct rdline *rdl, char c)
{
	(void)rdl;
	return (int)write(1, &c, 1);
}

static void
tty_validate(struct rdline *rdl, const char *buf, unsigned int size)
{
	(void)rdl;
	(void)size;
	cli_exec(buf);
}

static int
tty_complete(struct rdline *rdl, const char *buf, char *dst,
	     unsigned int size, int *state)
{
	(void)rdl;
	return cli_complete(buf, state, dst, size);
}

static void
run_tty(void)
{
	static const char prompt[] = "dpsec> ";
	struct termios old, raw;
	struct rdline *rdl;
	char c;

	rdl = rdline_new(tty_write, tty_validate, tty_complete, NULL);
	if (rdl == NULL) {
		fprintf(stderr, "error: cannot open the terminal\n");
		cli_failures++;
		return;
	}
	tcgetattr(0, &old);
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	tcsetattr(0, TCSANOW, &raw);
	rdline_newline(rdl, prompt);
	while (!cli_quit && read(0, &c, 1) == 1) {
		int ret = rdline_char_in(rdl, c);

		if (ret == RDLINE_RES_VALIDATED) {
			const char *line = rdline_get_buffer(rdl);
			const char *prev = rdline_get_history_item(rdl, 0);

			/* History: each line once in a row, as testpmd. */
			if (strlen(line) > 1 &&
			    (prev == NULL || strncmp(line, prev, strlen(prev)) != 0 ||
			     line[strlen(prev)] != '\n'))
				rdline_add_history(rdl, line);
			if (!cli_quit)
				rdline_newline(rdl, prompt);
		} else if (ret == RDLINE_RES_EOF || ret == RDLINE_RES_EXITED) {
			break;
		}
	}
	tcsetattr(0, TCSANOW, &old);
	rdline_free(rdl);
	printf("\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cmdfile", required_argument, NULL, 'f' },
		{ "no-interactive", no_argument, NULL, 'n' },
		{ "backend", required_argument, NULL, 'b' },
		{ "max-sa", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmdfile = NULL, *backend = "ipsec-mb";
	unsigned long max_sa = CLI_MAX_SA;
	bool interactive = true;
	struct demo_eal de;
	int c, rc = EXIT_FAILURE;

	if (demo_eal_init(&de, "dpsec-cli", argc, argv, NULL, 0) != 0)
		return EXIT_FAILURE;
	optind = 1;
	while ((c = getopt_long(de.app_argc, de.app_argv, "ih", opts,
				NULL)) != -1) {
		switch (c) {
		case 'i':
			interactive = true;
			break;
		case 'f':
			cmdfile = optarg;
			break;
		case 'n':
			interactive = false;
			break;
		case 'b':
			if (strcmp(optarg, "ipsec-mb") != 0 &&
			    strcmp(optarg, "openssl") != 0) {
				fprintf(stderr, "error: --backend: '%s': expected ipsec-mb|openssl\n",
					optarg);
				goto out;
			}
			backend = optarg;
			break;
		case 'm':
			if (demo_parse_ulong(optarg, 1, 1u << 20, &max_sa)) {
				fprintf(stderr, "error: --max-sa: '%s': expected 1..1048576\n",
					optarg);
				goto out;
			}
			break;
		case 'h':
			usage(de.app_argv[0]);
			rc = EXIT_SUCCESS;
			goto out;
		default:
			usage(de.app_argv[0]);
			goto out;
		}
	}
	if (optind < de.app_argc) {
		fprintf(stderr, "error: unexpected argument '%s'\n",
			de.app_argv[optind]);
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cli_init(backend, (uint32_t)max_sa) != 0)
		goto cleanup;
	/* A prompt-less parser for files and pipes; the terminal's below. */
	cli_cl = cli_cmdline_new(-1, 1, "");
	if (cli_cl == NULL) {
		fprintf(stderr, "error: cannot create the command line\n");
		goto cleanup;
	}
	if (cmdfile != NULL) {
		FILE *f = fopen(cmdfile, "r");

		if (f == NULL) {
			fprintf(stderr, "error: --cmdfile %s: %s\n", cmdfile,
				strerror(errno));
			cli_failures++;
			interactive = false;
		} else {
			run_stream(f, true);
			fclose(f);
		}
	}
	if (interactive && !cli_quit) {
		if (isatty(0)) {
			run_tty();
			rc = EXIT_SUCCESS;
			goto cleanup;
		}
		/* Commands piped in: a script, judged like --cmdfile. */
		run_stream(stdin, false);
	}
	rc = cli_failures ? EXIT_FAILURE : EXIT_SUCCESS;
	if (cli_failures)
		fprintf(stderr, "dpsec-cli: %u command(s) failed\n",
			cli_failures);
cleanup:
	if (cli_cl != NULL)
		cmdline_free(cli_cl);
	cli_cleanup();
out:
	demo_eal_cleanup(&de);
	return rc;
}
