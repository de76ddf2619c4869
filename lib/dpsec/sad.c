/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inbound SAD: SAs keyed by SPI, SPI + destination or SPI +
 * destination + source (RFC 4301 §4.1), one key builder for all of them.
 * Writers hold ctx->ctl_lock; readers are lock-free (the hash is
 * RW_CONCURRENCY_LF, key slots are freed after an RCU grace period).
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_errno.h>

#include "sad.h"

/*
 * The key of shape @kind for SPI @spi_be (network order) and, as the
 * shape needs them, the @family addresses @dst and @src (4 or 16 bytes,
 * network order). Unused bytes are zero: keys compare as bytes.
 */
void
sad_key_make(struct sad_key *k, uint32_t spi_be, enum dpsec_sad_key kind,
	     uint8_t family, const void *dst, const void *src)
{
	size_t alen = family == 4 ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->spi = spi_be;
	k->kind = (uint8_t)kind;
	if (kind >= DPSEC_SAD_SPI_DST) {
		k->family = family;
		memcpy(k->dst, dst, alen);
	}
	if (kind == DPSEC_SAD_SPI_DST_SRC)
		memcpy(k->src, src, alen);
}

static const void *
addr_bytes(const struct dpsec_addr *a)
{
	return a->family == 4 ? (const void *)&a->v4 : (const void *)a->v6;
}

/*
 * Under ctx->ctl_lock: put inbound @sa in the SAD under the key its
 * configuration gives (kept in sa->sad_key for sad_del()). 0, -EEXIST
 * (key taken) or the hash's error; logged.
 */
int
sad_add(struct dpsec_ctx *ctx, struct dpsec_sa *sa)
{
	const struct dpsec_sa_conf *c = &sa->conf;
	int pos;

	sad_key_make(&sa->sad_key, sa->spi_be, c->sad_key, c->dst.family,
		     addr_bytes(&c->dst), addr_bytes(&c->src));
	if (rte_hash_lookup(ctx->sad, &sa->sad_key) >= 0) {
		DPSEC_LOG(ERR, "SA 0x%08x: inbound SAD key already used",
			  c->spi);
		return -EEXIST;
	}
	pos = rte_hash_add_key_data(ctx->sad, &sa->sad_key, sa);
	if (pos != 0) {
		pos = pos < 0 ? pos : -ENOSPC;
		DPSEC_LOG(ERR, "SA 0x%08x: SAD insert failed: %s", c->spi,
			  rte_strerror(-pos));
		return pos;
	}
	ctx->nb_sad_kind[c->sad_key]++;
	if (c->flags & DPSEC_SA_F_NATT)
		ctx->nb_natt_in++;
	return 0;
}

/*
 * Under ctx->ctl_lock: take inbound @sa out of the SAD. Returns its key
 * position, to free with rte_hash_free_key_with_position() after a grace
 * period, or a negative value.
 */
int32_t
sad_del(struct dpsec_ctx *ctx, struct dpsec_sa *sa)
{
	int32_t pos = rte_hash_del_key(ctx->sad, &sa->sad_key);

	if (sa->flags & DPSEC_SA_F_NATT)
		ctx->nb_natt_in--;
	ctx->nb_sad_kind[sa->conf.sad_key]--;
	return pos;
}

/*
 * The SA for SPI @spi_be with, for the shapes that use them, destination
 * @dst and source @src of @family (NULL: that shape is skipped); most
 * specific shape first, empty shapes not looked at. NULL: none.
 */
struct dpsec_sa *
sad_lookup(const struct dpsec_ctx *ctx, uint32_t spi_be, uint8_t family,
	   const void *dst, const void *src)
{
	struct sad_key k;
	void *data;
	int kind;

	for (kind = DPSEC_SAD_SPI_DST_SRC; kind >= DPSEC_SAD_SPI; kind--) {
		if (ctx->nb_sad_kind[kind] == 0 ||
		    (kind >= DPSEC_SAD_SPI_DST && dst == NULL) ||
		    (kind == DPSEC_SAD_SPI_DST_SRC && src == NULL))
			continue;
		sad_key_make(&k, spi_be, (enum dpsec_sad_key)kind, family,
			     dst, src);
		if (rte_hash_lookup_data(ctx->sad, &k, &data) >= 0)
			return data;
	}
	return NULL;
}
