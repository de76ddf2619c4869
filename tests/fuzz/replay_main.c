/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main() of the harnesses when they are not built with libFuzzer (gcc, or
 * clang without -Dfuzz=true): runs every file named on the command line,
 * and every regular file of every directory named, through
 * LLVMFuzzerTestOneInput, in name order, once each. A crash or a broken
 * invariant aborts, as under libFuzzer; a clean run prints how many
 * inputs ran and exits 0. With no input at all it fails: a replay test
 * whose corpus went missing must not pass.
 *
 *   fuzz-esp-inbound-replay tests/fuzz/corpus/fuzz-esp-inbound
 *   DPSEC_FUZZ_SEED_DIR=dir fuzz-esp-inbound-replay   (writes the seeds)
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

enum { INPUT_MAX = 1 << 20 };

static unsigned long nb_run;

static int
run_file(const char *path)
{
	static uint8_t buf[INPUT_MAX];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "replay: %s: unreadable or over %d bytes\n",
			path, INPUT_MAX);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* A copy of exactly n bytes: ASan sees a read past the input. */
	{
		uint8_t *in = malloc(n > 0 ? n : 1);

		if (in == NULL)
			return -1;
		memcpy(in, buf, n);
		LLVMFuzzerTestOneInput(in, n);
		free(in);
	}
	nb_run++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_dir(const char *dir)
{
	struct dirent *de;
	char **names = NULL;
	size_t nb = 0, cap = 0, i;
	DIR *d = opendir(dir);
	int ret = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (nb == cap) {
			char **nn;

			cap = cap ? 2 * cap : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL) {
				ret = -1;
				break;
			}
			names = nn;
		}
		names[nb] = malloc(strlen(dir) + strlen(de->d_name) + 2);
		if (names[nb] == NULL) {
			ret = -1;
			break;
		}
		sprintf(names[nb], "%s/%s", dir, de->d_name);
		nb++;
	}
	closedir(d);
	if (ret == 0 && nb > 0)
		qsort(names, nb, sizeof(*names), name_cmp);
	for (i = 0; i < nb; i++) {
		struct stat st;

		if (ret == 0 && stat(names[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			ret = run_file(names[i]);
		free(names[i]);
	}
	free(names);
	return ret;
}

int
main(int argc, char **argv)
{
	int i;

	if (LLVMFuzzerInitialize(&argc, &argv) != 0) {
		fprintf(stderr, "replay: initialization failed\n");
		return 1;
	}
	if (fuzz_seed_dir() != NULL)
		return 0;	/* the generator ran in LLVMFuzzerInitialize */
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (argv[i][0] == '-')
			continue;	/* libFuzzer flags: none apply here */
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			return 1;
		}
		if ((S_ISDIR(st.st_mode) ? run_dir(argv[i]) :
		     run_file(argv[i])) != 0)
			return 1;
	}
	printf("replay: %lu inputs ran\n", nb_run);
	return nb_run > 0 ? 0 : 1;
}
