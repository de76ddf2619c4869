/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_BENCH_UTIL_H
#define DPSEC_BENCH_UTIL_H

/*
 * What the bench programs (dpsec_bench.c, tls_bench.c, scale_bench.c)
 * share: sort comparators for their samples and the name of the code
 * path IPsec-MB picked, as their headers and JSON print it.
 */

#include <stdbool.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* "avx512+vaes", "avx2", ...: the code path of an initialised manager. */
static inline const char *
imb_arch_name(const IMB_MGR *m)
{
	bool vaes = (m->features & IMB_FEATURE_VAES) != 0;

	switch (m->used_arch) {
	case IMB_ARCH_AVX512: return vaes ? "avx512+vaes" : "avx512";
	case IMB_ARCH_AVX2: return vaes ? "avx2+vaes" : "avx2";
	case IMB_ARCH_AVX: return "avx";
	case IMB_ARCH_SSE: return "sse";
	default: return "?";
	}
}

#endif /* DPSEC_BENCH_UTIL_H */
