/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TEST_FUZZ_COMMON_H
#define DPSEC_TEST_FUZZ_COMMON_H

/*
 * What the libFuzzer harnesses of tests/fuzz share: the two entry points
 * libFuzzer calls, a reader that takes the harness's choices from the
 * front of an input, a check that turns a broken invariant into a crash
 * libFuzzer reports, and the seed writer of the harnesses' generators.
 *
 * Every harness builds twice: with clang's -fsanitize=fuzzer (libFuzzer's
 * main) and as a plain program with replay_main.c, which runs the files
 * and directories it is given through the same entry points (the
 * fuzz-*-replay tests of every build, and the seed generators).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The front of an input, consumed byte by byte; 0 once it is empty. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = in->p[0];
	in->p++;
	in->n--;
	return v;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t hi = fuzz_u8(in);

	return (uint16_t)(hi << 8 | fuzz_u8(in));
}

/* A broken invariant: report it and abort (libFuzzer saves the input). */
#define FUZZ_CHECK(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant '%s' broken: ", \
			__FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/*
 * Seed generators: a harness writes its seeds when the environment has
 * DPSEC_FUZZ_SEED_DIR (an existing directory). fuzz_seed_dir() returns it
 * or NULL; fuzz_seed_write() writes @len bytes as DIR/@name (0 or -1).
 */
const char *fuzz_seed_dir(void);
int fuzz_seed_write(const char *name, const void *buf, size_t len);

#endif /* DPSEC_TEST_FUZZ_COMMON_H */
