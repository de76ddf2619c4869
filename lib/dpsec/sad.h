/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_PRIV_SAD_H
#define DPSEC_PRIV_SAD_H

/*
 * The inbound SAD (sad.c): one rte_hash per context, three key shapes
 * (struct sad_key, enum dpsec_sad_key), most specific first on lookup
 * (RFC 4301 §4.1). Every key, whether from an SA's configuration, a
 * packet's outer header or dpsec_sa_lookup()'s arguments, is built by
 * sad_key_make().
 */

#include <string.h>

#include "sa.h"

void sad_key_make(struct sad_key *k, uint32_t spi_be, enum dpsec_sad_key kind,
		  uint8_t family, const void *dst, const void *src);
int sad_add(struct dpsec_ctx *ctx, struct dpsec_sa *sa);
int32_t sad_del(struct dpsec_ctx *ctx, struct dpsec_sa *sa);
struct dpsec_sa *sad_lookup(const struct dpsec_ctx *ctx, uint32_t spi_be,
			    uint8_t family, const void *dst, const void *src);

/* The SA of an outer IP header @ip and ESP SPI @spi_be, or NULL. */
static inline struct dpsec_sa *
sad_lookup_ip(const struct dpsec_ctx *ctx, uint32_t spi_be, const uint8_t *ip,
	      bool v4)
{
	/* IPv4 src at 12, dst at 16; IPv6 src at 8, dst at 24. */
	return v4 ? sad_lookup(ctx, spi_be, 4, ip + 16, ip + 12) :
		    sad_lookup(ctx, spi_be, 6, ip + 24, ip + 8);
}

/*
 * The SA the previous packet of a chunk resolved to, and what its lookup
 * depended on: SPI, IP version and, if SAs keyed on addresses exist, the
 * outer addresses (IPv4 src||dst, IPv6 src||dst, contiguous in the
 * header). A packet that matches all of it gets the same SA without a
 * hash lookup; anything else (a mixed-SA burst) is looked up as usual.
 */
struct sad_cache {
	struct dpsec_sa *sa;		/* NULL: nothing cached */
	uint32_t spi;			/* network order */
	uint8_t v4;
	uint8_t addr[32];
	uint8_t want;			/* 0 SPI only, 1 + dst, 2 + src */
	struct dpsec_sa *timed;		/* last SA sa_time_check() saw */
};

static inline void
sad_cache_init(const struct dpsec_ctx *ctx, struct sad_cache *c)
{
	c->sa = NULL;
	c->timed = NULL;
	c->want = ctx->nb_sad_kind[DPSEC_SAD_SPI_DST_SRC] != 0 ? 2 :
		  ctx->nb_sad_kind[DPSEC_SAD_SPI_DST] != 0 ? 1 : 0;
}

/* Address bytes the lookup depends on: src||dst or dst alone. */
static inline const uint8_t *
sad_cache_addr(const struct sad_cache *c, const uint8_t *ip, bool v4,
	       uint8_t *len)
{
	uint8_t alen = v4 ? 4 : 16;
	const uint8_t *src = ip + (v4 ? 12 : 8);	/* dst follows src */

	if (c->want == 0) {
		*len = 0;
		return src;
	}
	if (c->want == 1) {
		*len = alen;
		return src + alen;
	}
	*len = 2 * alen;
	return src;
}

/* a[0..len) == b[0..len) for the lengths sad_cache_addr() gives; constant
 * sizes so the compiler inlines them (a libc memcmp showed in the profile). */
static inline bool
sad_addr_eq(const uint8_t *a, const uint8_t *b, uint8_t len)
{
	switch (len) {
	case 0:
		return true;
	case 4:
		return memcmp(a, b, 4) == 0;
	case 8:
		return memcmp(a, b, 8) == 0;
	case 16:
		return memcmp(a, b, 16) == 0;
	default:
		return memcmp(a, b, 32) == 0;
	}
}

/* sad_lookup_ip() through the chunk's cache @c. */
static inline struct dpsec_sa *
sad_lookup_cached(const struct dpsec_ctx *ctx, struct sad_cache *c,
		  uint32_t spi_be, const uint8_t *ip, bool v4)
{
	const uint8_t *a;
	struct dpsec_sa *sa;
	uint8_t alen;

	a = sad_cache_addr(c, ip, v4, &alen);
	if (c->sa != NULL && c->spi == spi_be && c->v4 == v4 &&
	    sad_addr_eq(c->addr, a, alen))
		return c->sa;
	sa = sad_lookup_ip(ctx, spi_be, ip, v4);
	if (sa != NULL) {
		c->sa = sa;
		c->spi = spi_be;
		c->v4 = v4;
		memcpy(c->addr, a, alen);
	}
	return sa;
}

#endif /* DPSEC_PRIV_SAD_H */
