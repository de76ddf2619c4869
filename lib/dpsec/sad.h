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
 * IPv4 addresses are compared as one 8-byte word under a mask of the
 * bytes the lookup depends on (none, dst, src||dst).
 */
struct sad_cache {
	struct dpsec_sa *sa;		/* NULL: nothing cached */
	uint32_t spi;			/* network order */
	uint8_t v4;
	uint8_t want;			/* 0 SPI only, 1 + dst, 2 + src */
	uint64_t mask4;			/* IPv4 src||dst bytes that count */
	uint64_t addr4;			/* IPv4 src||dst of the cached SA */
	uint8_t addr6[32];		/* IPv6 src||dst of the cached SA */
	struct dpsec_sa *timed;		/* last SA sa_time_check() saw */
};

static inline void
sad_cache_init(const struct dpsec_ctx *ctx, struct sad_cache *c)
{
	static const uint8_t masks[3][8] = {
		{ 0 },					/* SPI */
		{ 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },	/* + dst */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};

	c->sa = NULL;
	c->timed = NULL;
	c->want = ctx->nb_sad_kind[DPSEC_SAD_SPI_DST_SRC] != 0 ? 2 :
		  ctx->nb_sad_kind[DPSEC_SAD_SPI_DST] != 0 ? 1 : 0;
	memcpy(&c->mask4, masks[c->want], sizeof(c->mask4));
}

/* Does the IPv6 header at @ip have the cached addresses the lookup
 * depends on? Constant sizes (a libc memcmp showed in the profile). */
static inline bool
sad_cache_eq6(const struct sad_cache *c, const uint8_t *ip)
{
	switch (c->want) {
	case 0:
		return true;
	case 1:
		return memcmp(c->addr6 + 16, ip + 24, 16) == 0;
	default:
		return memcmp(c->addr6, ip + 8, 32) == 0;
	}
}

/* sad_lookup_ip() through the chunk's cache @c. */
static inline struct dpsec_sa *
sad_lookup_cached(const struct dpsec_ctx *ctx, struct sad_cache *c,
		  uint32_t spi_be, const uint8_t *ip, bool v4)
{
	struct dpsec_sa *sa;
	uint64_t a4 = 0;

	if (v4)
		memcpy(&a4, ip + 12, sizeof(a4));	/* src || dst */
	if (c->sa != NULL && c->spi == spi_be && c->v4 == v4 &&
	    (v4 ? ((a4 ^ c->addr4) & c->mask4) == 0 : sad_cache_eq6(c, ip)))
		return c->sa;
	sa = sad_lookup_ip(ctx, spi_be, ip, v4);
	if (sa != NULL) {
		c->sa = sa;
		c->spi = spi_be;
		c->v4 = v4;
		if (v4)
			c->addr4 = a4;
		else
			memcpy(c->addr6, ip + 8, sizeof(c->addr6));
	}
	return sa;
}

#endif /* DPSEC_PRIV_SAD_H */
