/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK ipsec-secgw's configuration syntax (sa, sp, rt, neigh) plus dpsec's
 * own keywords for what secgw does not have (secgw_cfg.h; doc/ipsec_gw.md,
 * "Configuration"). The parsers fill structs and create nothing; the
 * printers write the canonical form, which the parsers read back to the
 * same struct (save -> load).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_common.h>

#include "secgw_cfg.h"

/* ---- word cursor ---- */

void
cfg_err(const struct cfg_args *a, const char *fmt, ...)
{
	va_list ap;

	if (a->err != NULL && a->err_len > 0) {
		int n = snprintf(a->err, a->err_len, "%s: ", a->cmd);

		if (n >= 0 && (size_t)n < a->err_len) {
			va_start(ap, fmt);
			vsnprintf(a->err + n, a->err_len - (size_t)n, fmt, ap);
			va_end(ap);
		}
		return;
	}
	fflush(stdout);
	fprintf(stderr, "error: %s: ", a->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cfg_err_tok(const struct cfg_args *a, const char *expected)
{
	if (a->i < a->argc)
		cfg_err(a, "word %d '%s': expected %s", a->i + 1,
			a->argv[a->i], expected);
	else
		cfg_err(a, "end of line: expected %s", expected);
}

const char *
cfg_peek(const struct cfg_args *a)
{
	return a->i < a->argc ? a->argv[a->i] : NULL;
}

const char *
cfg_next(struct cfg_args *a)
{
	return a->i < a->argc ? a->argv[a->i++] : NULL;
}

bool
cfg_accept(struct cfg_args *a, const char *word)
{
	if (a->i < a->argc && strcmp(a->argv[a->i], word) == 0) {
		a->i++;
		return true;
	}
	return false;
}

/* A number, decimal or 0x hex, in [min, max]. */
int
cfg_u64(struct cfg_args *a, const char *what, uint64_t min, uint64_t max,
	uint64_t *out)
{
	const char *s = cfg_peek(a);
	char exp[96];
	unsigned long long v;
	char *end;

	snprintf(exp, sizeof(exp), "%s (%" PRIu64 "..%" PRIu64 ")", what, min,
		 max);
	if (s == NULL || s[0] == '-' || s[0] == '+' || s[0] == '\0') {
		cfg_err_tok(a, exp);
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		cfg_err_tok(a, exp);
		return -1;
	}
	a->i++;
	*out = v;
	return 0;
}

int
cfg_dir(struct cfg_args *a, enum dpsec_sa_dir *dir)
{
	if (cfg_accept(a, "in"))
		*dir = DPSEC_SA_INBOUND;
	else if (cfg_accept(a, "out"))
		*dir = DPSEC_SA_OUTBOUND;
	else {
		cfg_err_tok(a, "a direction (in|out)");
		return -1;
	}
	return 0;
}

int
cfg_end(const struct cfg_args *a)
{
	if (a->i < a->argc) {
		cfg_err(a, "word %d '%s': unexpected (nothing more expected)",
			a->i + 1, a->argv[a->i]);
		return -1;
	}
	return 0;
}

/* Split in place at blanks; returns the word count or -1 if too many. */
int
cfg_split(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0' || *p == '#')
			break;
		if (n == max)
			return -1;
		argv[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '\n')
			p++;
	}
	if (*p == '#')
		*p = '\0';
	return n;
}

/* ---- names ---- */

struct name_map {
	const char *name;
	int val;
};

static const struct name_map ciphers[] = {
	{ "null", DPSEC_CIPHER_NULL },
	{ "aes-128-cbc", DPSEC_CIPHER_AES_CBC_128 },
	{ "aes-256-cbc", DPSEC_CIPHER_AES_CBC_256 },
};

static const struct name_map aeads[] = {
	{ "aes-128-gcm", DPSEC_CIPHER_AES_GCM_128 },
	{ "aes-256-gcm", DPSEC_CIPHER_AES_GCM_256 },
	{ "chacha20-poly1305", DPSEC_CIPHER_CHACHA20_POLY1305 },
};

static const struct name_map auths[] = {
	{ "null", DPSEC_AUTH_NONE },
	{ "sha1-hmac", DPSEC_AUTH_HMAC_SHA1_96 },
	{ "sha256-hmac", DPSEC_AUTH_HMAC_SHA256_128 },
	{ "sha384-hmac", DPSEC_AUTH_HMAC_SHA384_192 },
	{ "sha512-hmac", DPSEC_AUTH_HMAC_SHA512_256 },
};

static const struct name_map types[] = {
	{ "no-offload", CFG_TYPE_NO_OFFLOAD },
	{ "cpu-crypto", CFG_TYPE_CPU_CRYPTO },
	{ "lookaside-protocol-offload", CFG_TYPE_LOOKASIDE_PROTOCOL },
	{ "inline-crypto-offload", CFG_TYPE_INLINE_CRYPTO },
	{ "inline-protocol-offload", CFG_TYPE_INLINE_PROTOCOL },
	{ "auto", CFG_TYPE_AUTO },
};

static const struct name_map offloads[] = {
	{ "none", DPSEC_OFFLOAD_NONE },
	{ "auto", DPSEC_OFFLOAD_AUTO },
	{ "require", DPSEC_OFFLOAD_REQUIRE },
};

static const struct name_map sad_keys[] = {
	{ "spi", DPSEC_SAD_SPI },
	{ "spi-dst", DPSEC_SAD_SPI_DST },
	{ "spi-dst-src", DPSEC_SAD_SPI_DST_SRC },
};

const char cfg_sa_keywords[] =
	"cipher_algo cipher_key aead_algo aead_key auth_algo auth_key mode "
	"src dst type offload port_id esn udp-encap flow-direction fallback "
	"mss telemetry reassembly_en natt_sport natt_dport copy_dscp copy_df "
	"no_inline_protocol sad_key replay_window ttl seq_start reqid "
	"userdata soft_packets soft_bytes soft_seconds hard_packets "
	"hard_bytes hard_seconds";

static void
names_of(const struct name_map *m, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					off ? " " : "", m[i].name);
}

int
cfg_sa_keyword_args(const char *kw, char *values, size_t len)
{
	static const char *const flags[] = {
		"esn", "udp-encap", "telemetry", "reassembly_en", "copy_dscp",
		"copy_df", "no_inline_protocol",
	};
	static const struct {
		const char *kw;
		const struct name_map *m;
		size_t n;
	} sets[] = {
		{ "cipher_algo", ciphers, RTE_DIM(ciphers) },
		{ "aead_algo", aeads, RTE_DIM(aeads) },
		{ "auth_algo", auths, RTE_DIM(auths) },
		{ "type", types, RTE_DIM(types) },
		{ "offload", offloads, RTE_DIM(offloads) },
		{ "sad_key", sad_keys, RTE_DIM(sad_keys) },
	};
	const char *p = cfg_sa_keywords;
	size_t kl = strlen(kw);
	bool known = false;

	if (len > 0)
		values[0] = '\0';
	while ((p = strstr(p, kw)) != NULL) {
		if ((p == cfg_sa_keywords || p[-1] == ' ') &&
		    (p[kl] == ' ' || p[kl] == '\0')) {
			known = true;
			break;
		}
		p += kl > 0 ? kl : 1;
	}
	if (!known || kl == 0)
		return -1;
	for (size_t i = 0; i < RTE_DIM(flags); i++)
		if (strcmp(kw, flags[i]) == 0)
			return 0;
	for (size_t i = 0; i < RTE_DIM(sets); i++)
		if (strcmp(kw, sets[i].kw) == 0)
			names_of(sets[i].m, sets[i].n, values, len);
	if (strcmp(kw, "mode") == 0)
		snprintf(values, len, "ipv4-tunnel ipv6-tunnel transport");
	else if (strcmp(kw, "fallback") == 0)
		snprintf(values, len, "lookaside-none cpu-crypto");
	return strcmp(kw, "flow-direction") == 0 ? 2 : 1;
}

static int
map_word(struct cfg_args *a, const struct name_map *m, size_t n,
	 const char *what, int *val)
{
	const char *w = cfg_peek(a);
	char exp[256];
	size_t i, off;

	for (i = 0; w != NULL && i < n; i++) {
		if (strcmp(w, m[i].name) == 0) {
			a->i++;
			*val = m[i].val;
			return 0;
		}
	}
	off = (size_t)snprintf(exp, sizeof(exp), "%s (", what);
	for (i = 0; i < n && off < sizeof(exp); i++)
		off += (size_t)snprintf(exp + off, sizeof(exp) - off, "%s%s",
					i ? "|" : "", m[i].name);
	if (off < sizeof(exp))
		snprintf(exp + off, sizeof(exp) - off, ")");
	cfg_err_tok(a, exp);
	return -1;
}

static const char *
map_name(const struct name_map *m, size_t n, int val)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].val == val)
			return m[i].name;
	return "?";
}

const char *
cfg_cipher_name(enum dpsec_cipher c)
{
	const char *s = map_name(ciphers, RTE_DIM(ciphers), (int)c);

	return strcmp(s, "?") ? s : map_name(aeads, RTE_DIM(aeads), (int)c);
}

const char *
cfg_auth_name(enum dpsec_auth a)
{
	return map_name(auths, RTE_DIM(auths), (int)a);
}

static bool
is_aead(enum dpsec_cipher c)
{
	return c == DPSEC_CIPHER_AES_GCM_128 || c == DPSEC_CIPHER_AES_GCM_256 ||
	       c == DPSEC_CIPHER_CHACHA20_POLY1305;
}

/* ---- values ---- */

/* "2b:7e:15" (or secgw's "0:0:a0") -> bytes; 1..CFG_KEY_MAX of them. */
int
cfg_key(struct cfg_args *a, uint8_t *key, uint16_t *len)
{
	const char *s = cfg_peek(a);
	uint16_t n = 0;

	if (s == NULL || *s == '\0')
		goto bad;
	for (;;) {
		unsigned int v = 0, d = 0;

		while (d < 2 && ((*s >= '0' && *s <= '9') ||
				 (*s >= 'a' && *s <= 'f') ||
				 (*s >= 'A' && *s <= 'F'))) {
			v = v * 16 + (unsigned int)(*s <= '9' ? *s - '0' :
				(*s | 0x20) - 'a' + 10);
			s++;
			d++;
		}
		if (d == 0 || n == CFG_KEY_MAX)
			goto bad;
		key[n++] = (uint8_t)v;
		if (*s == '\0')
			break;
		if (*s != ':' || s[1] == '\0')
			goto bad;
		s++;
	}
	a->i++;
	*len = n;
	return 0;
bad:
	cfg_err_tok(a, "a key as hex bytes separated by ':' (1..64 bytes)");
	return -1;
}

int
cfg_addr(struct cfg_args *a, int family, struct dpsec_addr *ad)
{
	const char *s = cfg_peek(a);

	memset(ad, 0, sizeof(*ad));
	if (s != NULL && (family == 0 || family == 4) &&
	    inet_pton(AF_INET, s, &ad->v4) == 1) {
		ad->family = 4;
	} else if (s != NULL && (family == 0 || family == 6) &&
		   inet_pton(AF_INET6, s, ad->v6) == 1) {
		ad->family = 6;
	} else {
		cfg_err_tok(a, family == 4 ? "an IPv4 address" :
			       family == 6 ? "an IPv6 address" :
			       "an IPv4 or IPv6 address");
		return -1;
	}
	a->i++;
	return 0;
}

void
cfg_addr_str(const struct dpsec_addr *ad, char *buf, size_t len)
{
	if (ad->family == 6)
		inet_ntop(AF_INET6, ad->v6, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET, &ad->v4, buf, (socklen_t)len);
}

/* ---- SA ---- */

/*
 * <in|out> <spi> <param>... (doc/cli.md). Fills out->conf and the keys;
 * out->conf's key pointers point into out.
 */
int
cfg_sa_parse(struct cfg_args *a, struct cfg_sa *out)
{
	struct dpsec_sa_conf *c = &out->conf;
	bool have_mode = false, have_cipher = false, have_auth = false;
	bool have_src = false, have_dst = false;
	int family = 0, v;
	uint64_t n;
	const char *w;

	memset(out, 0, sizeof(*out));
	c->offload = DPSEC_OFFLOAD_NONE;
	if (cfg_dir(a, &c->dir) != 0)
		return -1;
	if (cfg_u64(a, "an SPI", 1, UINT32_MAX, &n) != 0)
		return -1;
	c->spi = (uint32_t)n;
	while ((w = cfg_peek(a)) != NULL) {
		if (cfg_accept(a, "cipher_algo")) {
			if (have_cipher) {
				a->i--;
				cfg_err_tok(a, "one cipher_algo or aead_algo");
				return -1;
			}
			if (map_word(a, ciphers, RTE_DIM(ciphers),
				     "a cipher", &v) != 0)
				return -1;
			c->cipher = (enum dpsec_cipher)v;
			have_cipher = true;
		} else if (cfg_accept(a, "aead_algo")) {
			if (have_cipher || have_auth) {
				a->i--;
				cfg_err_tok(a, "no aead_algo with cipher_algo or auth_algo");
				return -1;
			}
			if (map_word(a, aeads, RTE_DIM(aeads), "an AEAD",
				     &v) != 0)
				return -1;
			c->cipher = (enum dpsec_cipher)v;
			have_cipher = true;
		} else if (cfg_accept(a, "auth_algo")) {
			if (have_cipher && is_aead(c->cipher)) {
				a->i--;
				cfg_err_tok(a, "no auth_algo with aead_algo");
				return -1;
			}
			if (map_word(a, auths, RTE_DIM(auths),
				     "an auth algorithm", &v) != 0)
				return -1;
			c->auth = (enum dpsec_auth)v;
			have_auth = true;
		} else if (cfg_accept(a, "cipher_key") ||
			   cfg_accept(a, "aead_key")) {
			if (cfg_key(a, out->ckey, &c->cipher_key_len) != 0)
				return -1;
		} else if (cfg_accept(a, "auth_key")) {
			if (cfg_key(a, out->akey, &c->auth_key_len) != 0)
				return -1;
		} else if (cfg_accept(a, "mode")) {
			if (cfg_accept(a, "ipv4-tunnel")) {
				c->mode = DPSEC_SA_TUNNEL;
				family = 4;
			} else if (cfg_accept(a, "ipv6-tunnel")) {
				c->mode = DPSEC_SA_TUNNEL;
				family = 6;
			} else if (cfg_accept(a, "transport")) {
				c->mode = DPSEC_SA_TRANSPORT;
				family = 0;
			} else {
				cfg_err_tok(a, "a mode (ipv4-tunnel|ipv6-tunnel|transport)");
				return -1;
			}
			have_mode = true;
		} else if (cfg_accept(a, "src")) {
			if (cfg_addr(a, family, &c->src) != 0)
				return -1;
			have_src = true;
		} else if (cfg_accept(a, "dst")) {
			if (cfg_addr(a, family, &c->dst) != 0)
				return -1;
			have_dst = true;
		} else if (cfg_accept(a, "type")) {
			if (map_word(a, types, RTE_DIM(types), "a type",
				     &v) != 0)
				return -1;
			out->type = (enum cfg_sa_type)v;
		} else if (cfg_accept(a, "offload")) {
			if (map_word(a, offloads, RTE_DIM(offloads),
				     "an offload policy", &v) != 0)
				return -1;
			c->offload = (enum dpsec_offload)v;
			out->offload_set = true;
		} else if (cfg_accept(a, "port_id")) {
			if (cfg_u64(a, "a port id", 0, RTE_MAX_ETHPORTS - 1,
				    &n) != 0)
				return -1;
			c->port_id = (uint16_t)n;
		} else if (cfg_accept(a, "esn")) {
			/* secgw: "esn <n>", n > 0 the first ESN; dpsec
			 * also takes "esn" alone. */
			c->flags |= DPSEC_SA_F_ESN;
			w = cfg_peek(a);
			if (w != NULL && w[0] >= '0' && w[0] <= '9' &&
			    cfg_u64(a, "an initial sequence number", 0,
				    UINT64_MAX, &c->seq_start) != 0)
				return -1;
		} else if (cfg_accept(a, "udp-encap")) {
			c->flags |= DPSEC_SA_F_NATT;
		} else if (cfg_accept(a, "copy_dscp")) {
			c->flags |= DPSEC_SA_F_COPY_DSCP;
		} else if (cfg_accept(a, "copy_df")) {
			c->flags |= DPSEC_SA_F_COPY_DF;
		} else if (cfg_accept(a, "no_inline_protocol")) {
			c->flags |= DPSEC_SA_F_NO_INLINE_PROTOCOL;
		} else if (cfg_accept(a, "natt_sport")) {
			if (cfg_u64(a, "a UDP port", 1, 65535, &n) != 0)
				return -1;
			c->natt_sport = (uint16_t)n;
		} else if (cfg_accept(a, "natt_dport")) {
			if (cfg_u64(a, "a UDP port", 1, 65535, &n) != 0)
				return -1;
			c->natt_dport = (uint16_t)n;
		} else if (cfg_accept(a, "sad_key")) {
			if (map_word(a, sad_keys, RTE_DIM(sad_keys),
				     "a SAD key", &v) != 0)
				return -1;
			c->sad_key = (enum dpsec_sad_key)v;
		} else if (cfg_accept(a, "replay_window")) {
			if (cfg_u64(a, "a window in packets", 0, UINT32_MAX,
				    &n) != 0)
				return -1;
			c->replay_window = (uint32_t)n;
		} else if (cfg_accept(a, "ttl")) {
			if (cfg_u64(a, "a TTL", 0, 255, &n) != 0)
				return -1;
			c->ttl = (uint8_t)n;
		} else if (cfg_accept(a, "seq_start")) {
			if (cfg_u64(a, "a sequence number", 0, UINT64_MAX,
				    &c->seq_start) != 0)
				return -1;
		} else if (cfg_accept(a, "reqid")) {
			if (cfg_u64(a, "a reqid", 0, UINT32_MAX, &n) != 0)
				return -1;
			c->reqid = (uint32_t)n;
		} else if (cfg_accept(a, "userdata")) {
			if (cfg_u64(a, "a number", 0, UINT64_MAX,
				    &c->userdata) != 0)
				return -1;
		} else if (cfg_accept(a, "soft_packets")) {
			if (cfg_u64(a, "packets", 0, UINT64_MAX,
				    &c->soft.packets) != 0)
				return -1;
		} else if (cfg_accept(a, "soft_bytes")) {
			if (cfg_u64(a, "bytes", 0, UINT64_MAX,
				    &c->soft.bytes) != 0)
				return -1;
		} else if (cfg_accept(a, "soft_seconds")) {
			if (cfg_u64(a, "seconds", 0, UINT64_MAX,
				    &c->soft.seconds) != 0)
				return -1;
		} else if (cfg_accept(a, "hard_packets")) {
			if (cfg_u64(a, "packets", 0, UINT64_MAX,
				    &c->hard.packets) != 0)
				return -1;
		} else if (cfg_accept(a, "hard_bytes")) {
			if (cfg_u64(a, "bytes", 0, UINT64_MAX,
				    &c->hard.bytes) != 0)
				return -1;
		} else if (cfg_accept(a, "hard_seconds")) {
			if (cfg_u64(a, "seconds", 0, UINT64_MAX,
				    &c->hard.seconds) != 0)
				return -1;
		} else if (cfg_accept(a, "flow-direction")) {
			if (cfg_u64(a, "a port id", 0, RTE_MAX_ETHPORTS - 1,
				    &n) != 0)
				return -1;
			out->fdir_port = (uint16_t)n;
			if (cfg_u64(a, "a queue id", 0, UINT16_MAX - 1,
				    &n) != 0)
				return -1;
			out->fdir_queue = (uint16_t)n;
			out->fdir = true;
		} else if (cfg_accept(a, "mss")) {
			if (cfg_u64(a, "a segment size", 1, UINT16_MAX,
				    &n) != 0)
				return -1;
			out->mss = (uint16_t)n;
		} else if (cfg_accept(a, "telemetry")) {
			out->telemetry = true;
		} else if (cfg_accept(a, "reassembly_en")) {
			out->reassembly = true;
		} else if (cfg_accept(a, "fallback")) {
			if (!cfg_accept(a, "lookaside-none") &&
			    !cfg_accept(a, "cpu-crypto")) {
				cfg_err_tok(a, "a fallback type (lookaside-none|cpu-crypto)");
				return -1;
			}
			out->fallback = true;
		} else {
			cfg_err_tok(a, "an SA parameter (cipher_algo, cipher_key, aead_algo, aead_key, auth_algo, auth_key, mode, src, dst, type, offload, port_id, esn, udp-encap, flow-direction, fallback, mss, telemetry, reassembly_en, natt_sport, natt_dport, copy_dscp, copy_df, no_inline_protocol, sad_key, replay_window, ttl, seq_start, reqid, userdata, soft_|hard_ packets|bytes|seconds)");
			return -1;
		}
	}
	if (!have_cipher) {
		cfg_err_tok(a, "cipher_algo or aead_algo");
		return -1;
	}
	if (!have_mode) {
		cfg_err_tok(a, "mode (ipv4-tunnel|ipv6-tunnel|transport)");
		return -1;
	}
	if (c->mode == DPSEC_SA_TUNNEL && (!have_src || !have_dst)) {
		cfg_err_tok(a, "src and dst for a tunnel SA");
		return -1;
	}
	if (have_src && have_dst && c->src.family != c->dst.family) {
		cfg_err(a, "src and dst of different address families");
		return -1;
	}
	if (c->mode == DPSEC_SA_TRANSPORT) {
		/* No address: the SA carries IPv4 and IPv6 (as secgw's). */
		uint8_t f = have_src ? c->src.family :
			    have_dst ? c->dst.family : 0;

		c->src.family = f;
		c->dst.family = f;
	}
	if (!is_aead(c->cipher) && !have_auth) {
		cfg_err_tok(a, "auth_algo for cipher_algo (null for none)");
		return -1;
	}
	if (c->cipher != DPSEC_CIPHER_NULL && c->cipher_key_len == 0) {
		cfg_err_tok(a, is_aead(c->cipher) ? "aead_key" : "cipher_key");
		return -1;
	}
	if (c->auth != DPSEC_AUTH_NONE && c->auth_key_len == 0) {
		cfg_err_tok(a, "auth_key");
		return -1;
	}
	/* A key the algorithms do not use would be dropped silently. */
	if (c->auth_key_len != 0 &&
	    (is_aead(c->cipher) || c->auth == DPSEC_AUTH_NONE)) {
		cfg_err(a, "auth_key with %s: it takes no authentication key",
			is_aead(c->cipher) ? "aead_algo" : "auth_algo null");
		return -1;
	}
	if (c->cipher_key_len != 0 && c->cipher == DPSEC_CIPHER_NULL) {
		cfg_err(a, "cipher_key with cipher_algo null: it takes no key");
		return -1;
	}
	if ((c->flags & DPSEC_SA_F_NATT) == 0 &&
	    (c->natt_sport != 0 || c->natt_dport != 0)) {
		cfg_err(a, "natt_sport/natt_dport need udp-encap");
		return -1;
	}
	if (c->flags & DPSEC_SA_F_NATT) {
		/* RFC 3948 §2.1: UDP port 4500 unless told otherwise. */
		if (c->natt_sport == 0)
			c->natt_sport = 4500;
		if (c->natt_dport == 0)
			c->natt_dport = 4500;
	}
	if (out->fallback && out->type != CFG_TYPE_INLINE_CRYPTO) {
		cfg_err(a, "fallback needs type inline-crypto-offload (as in ipsec-secgw)");
		return -1;
	}
	/* secgw's inline types: on the NIC when it can, else software with
	 * the reason logged; "offload require" refuses instead. */
	if (out->type == CFG_TYPE_INLINE_CRYPTO)
		c->flags |= DPSEC_SA_F_NO_INLINE_PROTOCOL;
	if (!out->offload_set)
		c->offload = out->type >= CFG_TYPE_INLINE_CRYPTO ?
			     DPSEC_OFFLOAD_AUTO : DPSEC_OFFLOAD_NONE;
	c->cipher_key = c->cipher_key_len ? out->ckey : NULL;
	c->auth_key = c->auth_key_len ? out->akey : NULL;
	return 0;
}

void
cfg_sa_notes(const struct cfg_sa *s, char *buf, size_t len)
{
	size_t off = 0;

#define NOTE(...) do { \
		if (off < len) \
			off += (size_t)snprintf(buf + off, len - off, \
				"%s", off ? "; " : ""); \
		if (off < len) \
			off += (size_t)snprintf(buf + off, len - off, \
						__VA_ARGS__); \
	} while (0)
	if (len > 0)
		buf[0] = '\0';
	if (s->type == CFG_TYPE_LOOKASIDE_PROTOCOL)
		NOTE("type lookaside-protocol-offload: dpsec has no lookaside engine, the SA runs in software on the lcore");
	if (s->type == CFG_TYPE_NO_OFFLOAD && s->conf.offload != DPSEC_OFFLOAD_NONE)
		NOTE("type no-offload with offload %s: the offload keyword wins",
		     s->conf.offload == DPSEC_OFFLOAD_AUTO ? "auto" : "require");
	if (s->fallback)
		NOTE("fallback: dpsec always falls back to software when the NIC cannot take the SA (offload auto)");
	if (s->mss)
		NOTE("mss %u: ignored (no TSO of ESP)", s->mss);
	if (s->telemetry)
		NOTE("telemetry: every SA is in dpsec's telemetry");
	if (s->reassembly)
		NOTE("reassembly_en: no inline reassembly (the gateway reassembles ESP fragments itself)");
#undef NOTE
}

#define PUT(...) do { \
		if (off < len) \
			off += (size_t)snprintf(buf + off, len - off, \
						__VA_ARGS__); \
	} while (0)

static size_t
put_key(char *buf, size_t off, size_t len, const uint8_t *k, uint16_t n)
{
	for (uint16_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%02x",
					i ? ":" : "", k[i]);
	return off;
}

/* Canonical "sa ..." line (no newline). */
void
cfg_sa_format(const struct cfg_sa *s, char *buf, size_t len)
{
	const struct dpsec_sa_conf *c = &s->conf;
	uint32_t fl = c->flags;
	size_t off = 0;
	char ad[INET6_ADDRSTRLEN];

	PUT("sa %s %" PRIu32, c->dir == DPSEC_SA_INBOUND ? "in" : "out",
	    c->spi);
	if (is_aead(c->cipher)) {
		PUT(" aead_algo %s aead_key ", cfg_cipher_name(c->cipher));
		off = put_key(buf, off, len, s->ckey, c->cipher_key_len);
	} else {
		PUT(" cipher_algo %s", cfg_cipher_name(c->cipher));
		if (c->cipher_key_len) {
			PUT(" cipher_key ");
			off = put_key(buf, off, len, s->ckey,
				      c->cipher_key_len);
		}
		PUT(" auth_algo %s", cfg_auth_name(c->auth));
		if (c->auth_key_len) {
			PUT(" auth_key ");
			off = put_key(buf, off, len, s->akey, c->auth_key_len);
		}
	}
	if (c->mode == DPSEC_SA_TUNNEL)
		PUT(" mode ipv%d-tunnel", c->src.family == 6 ? 6 : 4);
	else
		PUT(" mode transport");
	if (c->dst.family != 0) {
		cfg_addr_str(&c->src, ad, sizeof(ad));
		PUT(" src %s", ad);
		cfg_addr_str(&c->dst, ad, sizeof(ad));
		PUT(" dst %s", ad);
	}
	if (c->offload == DPSEC_OFFLOAD_NONE) {
		PUT(" type no-offload");
	} else if (fl & DPSEC_SA_F_NO_INLINE_PROTOCOL) {
		PUT(" type inline-crypto-offload");
		fl &= ~(uint32_t)DPSEC_SA_F_NO_INLINE_PROTOCOL;
	} else {
		PUT(" type inline-protocol-offload");
	}
	if (c->offload == DPSEC_OFFLOAD_REQUIRE)
		PUT(" offload require");
	if (c->offload != DPSEC_OFFLOAD_NONE || c->port_id != 0)
		PUT(" port_id %u", c->port_id);
	if (fl & DPSEC_SA_F_ESN)
		PUT(" esn");
	if (fl & DPSEC_SA_F_NATT) {
		PUT(" udp-encap");
		if (c->natt_sport != 4500)
			PUT(" natt_sport %u", c->natt_sport);
		if (c->natt_dport != 4500)
			PUT(" natt_dport %u", c->natt_dport);
	}
	if (fl & DPSEC_SA_F_COPY_DSCP)
		PUT(" copy_dscp");
	if (fl & DPSEC_SA_F_COPY_DF)
		PUT(" copy_df");
	if (fl & DPSEC_SA_F_NO_INLINE_PROTOCOL)
		PUT(" no_inline_protocol");
	if (c->sad_key != DPSEC_SAD_SPI)
		PUT(" sad_key %s", map_name(sad_keys, RTE_DIM(sad_keys),
					    (int)c->sad_key));
	if (c->replay_window)
		PUT(" replay_window %" PRIu32, c->replay_window);
	if (c->ttl)
		PUT(" ttl %u", c->ttl);
	if (c->seq_start)
		PUT(" seq_start %" PRIu64, c->seq_start);
	if (c->reqid)
		PUT(" reqid %" PRIu32, c->reqid);
	if (c->userdata)
		PUT(" userdata %" PRIu64, c->userdata);
	if (c->soft.packets)
		PUT(" soft_packets %" PRIu64, c->soft.packets);
	if (c->soft.bytes)
		PUT(" soft_bytes %" PRIu64, c->soft.bytes);
	if (c->soft.seconds)
		PUT(" soft_seconds %" PRIu64, c->soft.seconds);
	if (c->hard.packets)
		PUT(" hard_packets %" PRIu64, c->hard.packets);
	if (c->hard.bytes)
		PUT(" hard_bytes %" PRIu64, c->hard.bytes);
	if (c->hard.seconds)
		PUT(" hard_seconds %" PRIu64, c->hard.seconds);
}

/* ---- SP ---- */

static int
parse_prefix(struct cfg_args *a, int family, uint8_t *addr, uint8_t *plen)
{
	const char *s = cfg_peek(a);
	char tmp[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long p;
	int max = family == 4 ? 32 : 128;

	if (s == NULL || strlen(s) >= sizeof(tmp))
		goto bad;
	strcpy(tmp, s);
	slash = strchr(tmp, '/');
	if (slash == NULL)
		goto bad;
	*slash++ = '\0';
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, tmp, addr) != 1)
		goto bad;
	if (*slash < '0' || *slash > '9')
		goto bad;
	p = strtoul(slash, &end, 10);
	if (*end != '\0' || p > (unsigned long)max)
		goto bad;
	*plen = (uint8_t)p;
	a->i++;
	return 0;
bad:
	cfg_err_tok(a, family == 4 ? "an IPv4 prefix (a.b.c.d/0..32)" :
		       "an IPv6 prefix (addr/0..128)");
	return -1;
}

static int
parse_range(struct cfg_args *a, uint16_t *lo, uint16_t *hi)
{
	const char *s = cfg_peek(a);
	unsigned long l, h;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		goto bad;
	l = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		goto bad;
	h = strtoul(end + 1, &end, 10);
	if (*end != '\0' || l > 65535 || h > 65535 || l > h)
		goto bad;
	*lo = (uint16_t)l;
	*hi = (uint16_t)h;
	a->i++;
	return 0;
bad:
	cfg_err_tok(a, "a port range lo:hi (0..65535, lo <= hi)");
	return -1;
}

/*
 * <ipv4|ipv6> <in|out> esp <protect <spi>|protect reqid <n>|bypass|discard>
 * [id <n>] [pri <n>] [src <prefix>] [dst <prefix>] [proto <n|tcp|udp|...>]
 * [sport <lo:hi>] [dport <lo:hi>]. next_id: the id when none is given.
 */
int
cfg_sp_parse(struct cfg_args *a, struct cfg_sp *out, bool *by_spi,
	     uint32_t next_id)
{
	struct dpsec_policy *p = &out->pol;
	struct dpsec_selector *sel = &p->sel;
	uint64_t n;
	int family;

	memset(out, 0, sizeof(*out));
	*by_spi = false;
	if (cfg_accept(a, "ipv4"))
		family = 4;
	else if (cfg_accept(a, "ipv6"))
		family = 6;
	else {
		cfg_err_tok(a, "an address family (ipv4|ipv6)");
		return -1;
	}
	sel->family = (uint8_t)family;
	if (cfg_dir(a, &out->dir) != 0)
		return -1;
	if (!cfg_accept(a, "esp")) {
		cfg_err_tok(a, "'esp'");
		return -1;
	}
	if (cfg_accept(a, "protect")) {
		p->action = DPSEC_POLICY_PROTECT;
		if (cfg_accept(a, "reqid")) {
			if (cfg_u64(a, "a reqid", 1, UINT32_MAX, &n) != 0)
				return -1;
			p->reqid = (uint32_t)n;
		} else {
			if (cfg_u64(a, "an SPI (or 'reqid <n>')", 1,
				    UINT32_MAX, &n) != 0)
				return -1;
			out->sa_spi = (uint32_t)n;
			*by_spi = true;
		}
	} else if (cfg_accept(a, "bypass")) {
		p->action = DPSEC_POLICY_BYPASS;
	} else if (cfg_accept(a, "discard")) {
		p->action = DPSEC_POLICY_DISCARD;
	} else {
		cfg_err_tok(a, "an action (protect|bypass|discard)");
		return -1;
	}
	p->id = next_id;
	while (cfg_peek(a) != NULL) {
		if (cfg_accept(a, "id")) {
			if (cfg_u64(a, "a policy id", 0, UINT32_MAX - 1,
				    &n) != 0)
				return -1;
			p->id = (uint32_t)n;
		} else if (cfg_accept(a, "pri")) {
			if (cfg_u64(a, "a priority", 0, UINT32_MAX, &n) != 0)
				return -1;
			p->priority = (uint32_t)n;
		} else if (cfg_accept(a, "src")) {
			if (parse_prefix(a, family, sel->src,
					 &sel->src_plen) != 0)
				return -1;
		} else if (cfg_accept(a, "dst")) {
			if (parse_prefix(a, family, sel->dst,
					 &sel->dst_plen) != 0)
				return -1;
		} else if (cfg_accept(a, "proto")) {
			if (cfg_accept(a, "tcp"))
				sel->proto = IPPROTO_TCP;
			else if (cfg_accept(a, "udp"))
				sel->proto = IPPROTO_UDP;
			else if (cfg_accept(a, "sctp"))
				sel->proto = IPPROTO_SCTP;
			else if (cfg_accept(a, "icmp"))
				sel->proto = IPPROTO_ICMP;
			else if (cfg_u64(a, "a protocol (0..255|tcp|udp|sctp|icmp)",
					 0, 255, &n) == 0)
				sel->proto = (uint8_t)n;
			else
				return -1;
		} else if (cfg_accept(a, "sport")) {
			if (parse_range(a, &sel->sport_lo, &sel->sport_hi))
				return -1;
		} else if (cfg_accept(a, "dport")) {
			if (parse_range(a, &sel->dport_lo, &sel->dport_hi))
				return -1;
		} else {
			cfg_err_tok(a, "a policy parameter (id|pri|src|dst|proto|sport|dport)");
			return -1;
		}
	}
	return 0;
}

void
cfg_sp_format(const struct cfg_sp *s, char *buf, size_t len)
{
	const struct dpsec_policy *p = &s->pol;
	const struct dpsec_selector *sel = &p->sel;
	int af = sel->family == 6 ? AF_INET6 : AF_INET;
	char ad[INET6_ADDRSTRLEN];
	size_t off = 0;

	PUT("sp ipv%d %s esp", sel->family == 6 ? 6 : 4,
	    s->dir == DPSEC_SA_INBOUND ? "in" : "out");
	if (p->action == DPSEC_POLICY_PROTECT && p->sa != NULL)
		PUT(" protect %" PRIu32, s->sa_spi);
	else if (p->action == DPSEC_POLICY_PROTECT)
		PUT(" protect reqid %" PRIu32, p->reqid);
	else if (p->action == DPSEC_POLICY_BYPASS)
		PUT(" bypass");
	else
		PUT(" discard");
	PUT(" id %" PRIu32 " pri %" PRIu32, p->id, p->priority);
	inet_ntop(af, sel->src, ad, sizeof(ad));
	PUT(" src %s/%u", ad, sel->src_plen);
	inet_ntop(af, sel->dst, ad, sizeof(ad));
	PUT(" dst %s/%u", ad, sel->dst_plen);
	if (sel->proto)
		PUT(" proto %u", sel->proto);
	if (sel->sport_lo || sel->sport_hi)
		PUT(" sport %u:%u", sel->sport_lo, sel->sport_hi);
	if (sel->dport_lo || sel->dport_hi)
		PUT(" dport %u:%u", sel->dport_lo, sel->dport_hi);
}

/* ---- rt, neigh ---- */

/* <ipv4|ipv6> dst <prefix> port <n> (secgw's rt rule). */
int
cfg_rt_parse(struct cfg_args *a, struct cfg_rt *out)
{
	bool have_dst = false, have_port = false;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	if (cfg_accept(a, "ipv4"))
		out->family = 4;
	else if (cfg_accept(a, "ipv6"))
		out->family = 6;
	else {
		cfg_err_tok(a, "an address family (ipv4|ipv6)");
		return -1;
	}
	while (cfg_peek(a) != NULL) {
		if (!have_dst && cfg_accept(a, "dst")) {
			if (parse_prefix(a, out->family, out->addr,
					 &out->plen) != 0)
				return -1;
			have_dst = true;
		} else if (!have_port && cfg_accept(a, "port")) {
			if (cfg_u64(a, "a port id", 0, RTE_MAX_ETHPORTS - 1,
				    &n) != 0)
				return -1;
			out->port = (uint16_t)n;
			have_port = true;
		} else {
			cfg_err_tok(a, have_dst ? (have_port ? "end of rule" :
				    "port <n>") : "dst <prefix>");
			return -1;
		}
	}
	if (!have_dst || !have_port) {
		cfg_err_tok(a, have_dst ? "port <n>" : "dst <prefix>");
		return -1;
	}
	return 0;
}

void
cfg_rt_format(const struct cfg_rt *r, char *buf, size_t len)
{
	char ad[INET6_ADDRSTRLEN];
	size_t off = 0;

	inet_ntop(r->family == 6 ? AF_INET6 : AF_INET, r->addr, ad, sizeof(ad));
	PUT("rt ipv%d dst %s/%u port %u", r->family == 6 ? 6 : 4, ad, r->plen,
	    r->port);
}

/* port <n> <mac> (secgw's neigh rule). */
int
cfg_neigh_parse(struct cfg_args *a, struct cfg_neigh *out)
{
	uint64_t n;
	const char *s;

	memset(out, 0, sizeof(*out));
	if (!cfg_accept(a, "port")) {
		cfg_err_tok(a, "'port'");
		return -1;
	}
	if (cfg_u64(a, "a port id", 0, RTE_MAX_ETHPORTS - 1, &n) != 0)
		return -1;
	out->port = (uint16_t)n;
	s = cfg_peek(a);
	if (s == NULL || strlen(s) != 17 ||
	    rte_ether_unformat_addr(s, &out->mac) != 0) {
		cfg_err_tok(a, "a MAC address (xx:xx:xx:xx:xx:xx)");
		return -1;
	}
	a->i++;
	return cfg_end(a);
}

/* ---- files ---- */

static int
rule_run(const char *path, unsigned int first, char *rule, bool report,
	 cfg_rule_cb cb, void *arg)
{
	char where[PATH_MAX + 16], *argv[CFG_MAX_WORDS];
	struct cfg_args a = { .cmd = where, .argv = argv, .i = 1 };

	snprintf(where, sizeof(where), "%s:%u", path, first);
	a.argc = cfg_split(rule, argv, CFG_MAX_WORDS);
	if (a.argc == 0)
		return 0;
	if (a.argc < 0) {
		if (report)
			cfg_err(&a, "more than %d words in one rule",
				CFG_MAX_WORDS);
		return 1;
	}
	return cb(&a, arg) != 0 ? 1 : 0;
}

int
cfg_file_read(const char *path, bool report, cfg_rule_cb cb, void *arg)
{
	struct cfg_args la = { .cmd = path };
	FILE *f;
	int errs;

	f = fopen(path, "r");
	if (f == NULL) {
		cfg_err(&la, "%s", strerror(errno));
		return -1;
	}
	errs = cfg_stream_read(f, path, report, cb, arg);
	fclose(f);
	return errs;
}

int
cfg_stream_read(FILE *f, const char *path, bool report, cfg_rule_cb cb,
		void *arg)
{
	char line[CFG_LINE_MAX], rule[CFG_LINE_MAX];
	char where[PATH_MAX + 16];
	struct cfg_args la = { .cmd = where };
	unsigned int lineno = 0, first = 0;
	size_t rlen = 0;
	bool skip = false;		/* the rule being joined is broken */
	int errs = 0;

	rule[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *hash, *bs;
		bool cont = false;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (rlen == 0 && !skip)
			first = lineno;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n' &&
		    !feof(f)) {
			if (report)
				cfg_err(&la, "line longer than %d bytes",
					CFG_LINE_MAX - 2);
			errs++;
			/* skip the rest of it */
			while (fgets(line, sizeof(line), f) != NULL &&
			       strchr(line, '\n') == NULL)
				;
			skip = true;
			rlen = 0;
			continue;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' ||
				   line[len - 1] == '\r'))
			line[--len] = '\0';
		bs = strchr(line, '\\');
		if (bs != NULL) {
			if (bs != line + len - 1) {
				if (report)
					cfg_err(&la, "'\\' must end the line");
				errs++;
				skip = true;
			}
			line[--len] = '\0';
			cont = true;
		}
		if (!skip) {
			if (rlen + len >= sizeof(rule)) {
				if (report)
					cfg_err(&la, "rule longer than %d bytes",
						CFG_LINE_MAX - 1);
				errs++;
				skip = true;
			} else {
				memcpy(rule + rlen, line, len + 1);
				rlen += len;
			}
		}
		if (cont)
			continue;
		if (!skip)
			errs += rule_run(path, first, rule, report, cb, arg);
		skip = false;
		rlen = 0;
		rule[0] = '\0';
	}
	if (rlen > 0 || skip) {
		if (report)
			cfg_err(&la, "the file ends inside a '\\' continuation");
		errs++;
	}
	if (ferror(f)) {
		la.cmd = path;
		if (report)
			cfg_err(&la, "read error");
		errs++;
	}
	explicit_bzero(line, sizeof(line));	/* keys */
	explicit_bzero(rule, sizeof(rule));
	return errs;
}
