/* SPDX-License-Identifier: BSD-3-Clause */
/* Seed writer of the harnesses' generators (fuzz_common.h). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

const char *
fuzz_seed_dir(void)
{
	const char *d = getenv("DPSEC_FUZZ_SEED_DIR");

	return d != NULL && d[0] != '\0' ? d : NULL;
}

int
fuzz_seed_write(const char *name, const void *buf, size_t len)
{
	const char *dir = fuzz_seed_dir();
	char path[4096];
	FILE *f;
	int ret = 0;

	if (dir == NULL)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -1;
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	if (len > 0 && fwrite(buf, 1, len, f) != len)
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}
