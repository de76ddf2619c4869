/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS record contexts (dpsec_tls.h): create, show, count, destroy. A read
 * context needs the connection's TCP segments, which the forwarding loop
 * does not carry, so the CLI only manages and shows contexts.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "cli.h"
#include "dpsec_tls.h"

struct cli_tls cli_tlss[CLI_MAX_TLS];
#define tlss cli_tlss

static struct cli_tls *
tls_find(uint32_t id)
{
	for (unsigned int i = 0; i < CLI_MAX_TLS; i++)
		if (tlss[i].used && tlss[i].id == id)
			return &tlss[i];
	return NULL;
}

unsigned int
cli_tls_ids(uint32_t *ids, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < CLI_MAX_TLS && n < max; i++)
		if (tlss[i].used)
			ids[n++] = tlss[i].id;
	return n;
}

static const char *
tls_cipher(enum dpsec_cipher c)
{
	return cfg_cipher_name(c);
}

static int
tcp_port(struct cfg_args *a, uint16_t *port)
{
	uint64_t n;

	if (cfg_u64(a, "a TCP port", 1, 65535, &n) != 0)
		return -1;
	*port = (uint16_t)n;
	return 0;
}

/*
 * "key <hex>" or "iv <hex>" at the cursor, into @key / @iv (the IV at most
 * 12 bytes: a TLS implicit nonce). 1: taken, 0: neither word, -1: error.
 */
static int
key_iv(struct cfg_args *a, uint8_t *key, uint16_t *key_len, uint8_t *iv,
       uint16_t *iv_len)
{
	if (cfg_accept(a, "key"))
		return cfg_key(a, key, key_len) == 0 ? 1 : -1;
	if (!cfg_accept(a, "iv"))
		return 0;
	if (cfg_key(a, iv, iv_len) != 0)
		return -1;
	if (*iv_len > 12) {
		a->i--;
		cfg_err_tok(a, "an implicit nonce of 4 (TLS 1.2 AES-GCM) or 12 bytes");
		return -1;
	}
	return 1;
}

/* The tls add keywords (the parser's error and Tab completion). */
const char cli_tls_keywords[] =
	"key iv local remote tcp_seq seq type port_id soft_records "
	"hard_records userdata rx_resync tx_resync tx_sw_threshold";

/* tls add keywords followed by one of a few names. */
static const struct tls_choice {
	const char *kw;
	const char *what;
	const char *names[3];
	int vals[3];
} tls_choices[] = {
	{ "type", "a type (no-offload|auto|inline)",
	  { "no-offload", "auto", "inline" },
	  { DPSEC_OFFLOAD_NONE, DPSEC_OFFLOAD_AUTO, DPSEC_OFFLOAD_REQUIRE } },
	{ "rx_resync", "an RX resync mode (hint|device)", { "hint", "device" },
	  { DPSEC_TLS_RX_RESYNC_HINT, DPSEC_TLS_RX_RESYNC_DEVICE } },
	{ "tx_resync", "a TX resync mode (dump|sw)", { "dump", "sw" },
	  { DPSEC_TLS_TX_RESYNC_DUMP, DPSEC_TLS_TX_RESYNC_SW } },
};

static const struct tls_choice *
choice_of(const char *kw)
{
	for (unsigned int i = 0; i < RTE_DIM(tls_choices); i++)
		if (strcmp(kw, tls_choices[i].kw) == 0)
			return &tls_choices[i];
	return NULL;
}

/* After a choice keyword: its name's value, or -1 (error printed). */
static int
choice_parse(struct cfg_args *a, const struct tls_choice *ch)
{
	for (unsigned int i = 0; i < RTE_DIM(ch->names); i++)
		if (ch->names[i] != NULL && cfg_accept(a, ch->names[i]))
			return ch->vals[i];
	cfg_err_tok(a, ch->what);
	return -1;
}

bool
cli_tls_values(const char *kw, char *buf, size_t len)
{
	const struct tls_choice *ch = choice_of(kw);
	size_t off = 0;

	if (ch == NULL || len == 0)
		return false;
	buf[0] = '\0';
	for (unsigned int i = 0; i < RTE_DIM(ch->names) && off < len; i++)
		if (ch->names[i] != NULL)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						off ? " " : "", ch->names[i]);
	return true;
}

/*
 * tls add <id> <read|write> <1.2|1.3> <aead> key <hex> iv <hex>
 *   local <ip> <port> remote <ip> <port> [tcp_seq <n>] [seq <n>]
 *   [type no-offload|auto|inline] [port_id <n>] [soft_records <n>]
 *   [hard_records <n>] [userdata <n>] [rx_resync hint|device]
 *   [tx_resync dump|sw] [tx_sw_threshold <n>]
 */
int
cli_tls_add(struct cfg_args *a)
{
	struct dpsec_tls_conf c = { .offload = DPSEC_OFFLOAD_NONE };
	uint8_t key[CFG_KEY_MAX], iv[CFG_KEY_MAX];
	uint16_t key_len = 0, iv_len = 0;
	bool have_local = false, have_remote = false;
	const struct tls_choice *ch;
	struct cli_tls *slot = NULL;
	struct dpsec_tls_info info;
	uint64_t id, n;
	int rc = -1;

	if (cfg_u64(a, "a TLS context id", 0, UINT32_MAX, &id) != 0)
		return -1;
	if (cli_fwd.running && cli_fwd.mode == CLI_FWD_TLS) {
		cfg_err(a, "not while tls forwarding runs (stop first)");
		return -1;
	}
	if (cfg_accept(a, "read"))
		c.type = DPSEC_TLS_READ;
	else if (cfg_accept(a, "write"))
		c.type = DPSEC_TLS_WRITE;
	else {
		cfg_err_tok(a, "a direction (read|write)");
		return -1;
	}
	if (cfg_accept(a, "1.2"))
		c.ver = DPSEC_TLS_VERSION_1_2;
	else if (cfg_accept(a, "1.3"))
		c.ver = DPSEC_TLS_VERSION_1_3;
	else {
		cfg_err_tok(a, "a TLS version (1.2|1.3)");
		return -1;
	}
	if (cfg_accept(a, "aes-128-gcm"))
		c.cipher = DPSEC_CIPHER_AES_GCM_128;
	else if (cfg_accept(a, "aes-256-gcm"))
		c.cipher = DPSEC_CIPHER_AES_GCM_256;
	else if (cfg_accept(a, "chacha20-poly1305"))
		c.cipher = DPSEC_CIPHER_CHACHA20_POLY1305;
	else {
		cfg_err_tok(a, "an AEAD (aes-128-gcm|aes-256-gcm|chacha20-poly1305)");
		return -1;
	}
	while (cfg_peek(a) != NULL) {
		int kv = key_iv(a, key, &key_len, iv, &iv_len);

		if (kv < 0)
			goto out;
		if (kv > 0) {
			continue;
		} else if (cfg_accept(a, "local")) {
			if (cfg_addr(a, 0, &c.local) != 0 ||
			    tcp_port(a, &c.local_port) != 0)
				goto out;
			have_local = true;
		} else if (cfg_accept(a, "remote")) {
			if (cfg_addr(a, 0, &c.remote) != 0 ||
			    tcp_port(a, &c.remote_port) != 0)
				goto out;
			have_remote = true;
		} else if (cfg_accept(a, "tcp_seq")) {
			if (cfg_u64(a, "a TCP sequence number", 0, UINT32_MAX,
				    &n) != 0)
				goto out;
			c.tcp_seq = (uint32_t)n;
		} else if (cfg_accept(a, "seq")) {
			if (cfg_u64(a, "a record number", 0, UINT64_MAX,
				    &c.seq_no) != 0)
				goto out;
		} else if (cfg_accept(a, "port_id")) {
			if (cfg_u64(a, "a port id", 0, RTE_MAX_ETHPORTS - 1,
				    &n) != 0)
				goto out;
			c.port_id = (uint16_t)n;
		} else if (cfg_accept(a, "soft_records")) {
			if (cfg_u64(a, "records", 0, UINT64_MAX,
				    &c.life.packets_soft_limit) != 0)
				goto out;
		} else if (cfg_accept(a, "hard_records")) {
			if (cfg_u64(a, "records", 0, UINT64_MAX,
				    &c.life.packets_hard_limit) != 0)
				goto out;
		} else if (cfg_accept(a, "userdata")) {
			if (cfg_u64(a, "a number", 0, UINT64_MAX,
				    &c.userdata) != 0)
				goto out;
		} else if (cfg_accept(a, "tx_sw_threshold")) {
			if (cfg_u64(a, "segments of 1024", 0, 1024, &n) != 0)
				goto out;
			c.tx_sw_threshold = (uint16_t)n;
		} else if (cfg_peek(a) != NULL &&
			   (ch = choice_of(cfg_peek(a))) != NULL) {
			int v;

			cfg_next(a);
			v = choice_parse(a, ch);
			if (v < 0)
				goto out;
			if (strcmp(ch->kw, "type") == 0)
				c.offload = (enum dpsec_offload)v;
			else if (strcmp(ch->kw, "rx_resync") == 0)
				c.rx_resync = (enum dpsec_tls_rx_resync)v;
			else
				c.tx_resync = (enum dpsec_tls_tx_resync)v;
		} else {
			char exp[200];

			snprintf(exp, sizeof(exp), "a TLS parameter (%s)",
				 cli_tls_keywords);
			cfg_err_tok(a, exp);
			goto out;
		}
	}
	if (key_len == 0 || iv_len == 0 || !have_local || !have_remote) {
		cfg_err_tok(a, key_len == 0 ? "key" : iv_len == 0 ? "iv" :
			    !have_local ? "local <ip> <port>" :
			    "remote <ip> <port>");
		goto out;
	}
	if (tls_find((uint32_t)id) != NULL) {
		cfg_err(a, "TLS context %" PRIu64 " exists already", id);
		goto out;
	}
	for (unsigned int i = 0; i < CLI_MAX_TLS && slot == NULL; i++)
		if (!tlss[i].used)
			slot = &tlss[i];
	if (slot == NULL) {
		cfg_err(a, "the CLI's table of %u TLS contexts is full",
			CLI_MAX_TLS);
		goto out;
	}
	memcpy(c.imp_nonce, iv, iv_len);
	c.key = key;
	c.key_len = key_len;
	slot->tls = dpsec_tls_create(cli_fwd.ctx, &c);
	if (slot->tls == NULL) {
		cfg_err(a, "dpsec_tls_create: %s (the log line above names the field)",
			rte_strerror(rte_errno));
		goto out;
	}
	slot->id = (uint32_t)id;
	slot->rx = c.type == DPSEC_TLS_READ;
	slot->local = c.local;
	slot->remote = c.remote;
	slot->lport = c.local_port;
	slot->rport = c.remote_port;
	slot->port_id = c.port_id;
	slot->nxt = c.tcp_seq;
	slot->used = true;
	dpsec_tls_info(slot->tls, &info);
	printf("tls %" PRIu64 ": created, %s (%s)\n", id,
	       cli_placement_name[info.placement],
	       dpsec_place_reason_str(info.place_reason));
	rc = 0;
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(iv, sizeof(iv));
	explicit_bzero(&c, sizeof(c));
	return rc;
}

static struct cli_tls *
tls_arg(struct cfg_args *a)
{
	struct cli_tls *t;
	uint64_t id;

	if (cfg_u64(a, "a TLS context id", 0, UINT32_MAX, &id) != 0)
		return NULL;
	t = tls_find((uint32_t)id);
	if (t == NULL) {
		a->i--;
		cfg_err_tok(a, "the id of an existing TLS context (see 'tls show')");
	}
	return t;
}

int
cli_tls_del(struct cfg_args *a)
{
	struct cli_tls *t = tls_arg(a);
	int rc;

	if (t == NULL || cfg_end(a) != 0)
		return -1;
	if (cli_fwd.running && cli_fwd.mode == CLI_FWD_TLS) {
		cfg_err(a, "not while tls forwarding runs (stop first)");
		return -1;
	}
	cli_tls_fwd_forget(t);
	rc = dpsec_tls_destroy(cli_fwd.ctx, t->tls);
	if (rc != 0) {
		cfg_err(a, "dpsec_tls_destroy: %s", rte_strerror(-rc));
		return -1;
	}
	printf("tls %" PRIu32 ": deleted\n", t->id);
	memset(t, 0, sizeof(*t));
	return 0;
}

/* tls resync <id>: dpsec_tls_resync(). */
int
cli_tls_resync(struct cfg_args *a)
{
	struct cli_tls *t = tls_arg(a);
	int rc;

	if (t == NULL || cfg_end(a) != 0)
		return -1;
	rc = dpsec_tls_resync(t->tls);
	if (rc != 0) {
		cfg_err(a, "dpsec_tls_resync: %s", rc == -ENOTSUP ?
			"the context is in software: no NIC to resynchronise" :
			rte_strerror(-rc));
		return -1;
	}
	printf("tls %" PRIu32 ": resynchronisation with the NIC requested (taken at its next burst)\n",
	       t->id);
	return 0;
}

/*
 * tls keyupdate <id> (key <hex> iv <hex> | secret <hex>) tcp_seq <n>:
 * dpsec_tls_rekey(). "secret" is TLS 1.3's next application traffic
 * secret (RFC 8446 §7.2), from which the key and IV are derived (§7.3);
 * "key"/"iv" give them directly (TLS 1.2 or 1.3). The record at tcp_seq
 * and the ones after it use the new key.
 */
int
cli_tls_keyupdate(struct cfg_args *a)
{
	struct cli_tls *t = tls_arg(a);
	uint8_t key[CFG_KEY_MAX], iv[CFG_KEY_MAX], secret[CFG_KEY_MAX];
	uint8_t nonce[12] = { 0 };
	uint16_t key_len = 0, iv_len = 0, secret_len = 0;
	struct dpsec_tls_info info;
	bool have_seq = false;
	uint64_t seq = 0;
	int rc = -1;

	if (t == NULL)
		return -1;
	while (cfg_peek(a) != NULL) {
		int kv = key_iv(a, key, &key_len, iv, &iv_len);

		if (kv < 0)
			goto out;
		if (kv > 0) {
			continue;
		} else if (cfg_accept(a, "secret")) {
			if (cfg_key(a, secret, &secret_len) != 0)
				goto out;
		} else if (cfg_accept(a, "tcp_seq")) {
			if (cfg_u64(a, "a TCP sequence number", 0, UINT32_MAX,
				    &seq) != 0)
				goto out;
			have_seq = true;
		} else {
			cfg_err_tok(a, "key, iv, secret or tcp_seq");
			goto out;
		}
	}
	if (!have_seq || (secret_len == 0) == (key_len == 0) ||
	    (secret_len != 0 && iv_len != 0)) {
		cfg_err(a, "give tcp_seq and either secret <hex> (TLS 1.3) or key <hex> iv <hex>");
		goto out;
	}
	if (dpsec_tls_info(t->tls, &info) != 0) {
		cfg_err(a, "dpsec_tls_info failed");
		goto out;
	}
	if (secret_len != 0) {
		key_len = info.cipher == DPSEC_CIPHER_AES_GCM_128 ? 16 : 32;
		rc = dpsec_tls13_keys(info.cipher, secret, secret_len, key,
				      nonce);
		if (rc != 0) {
			cfg_err(a, "secret: %u bytes do not fit %s (32, or 48 for aes-256-gcm)",
				secret_len, tls_cipher(info.cipher));
			rc = -1;
			goto out;
		}
	} else {
		memcpy(nonce, iv, iv_len);
	}
	rc = dpsec_tls_rekey(t->tls, key, key_len, nonce, (uint32_t)seq);
	if (rc != 0) {
		cfg_err(a, "dpsec_tls_rekey: %s", rte_strerror(-rc));
		rc = -1;
		goto out;
	}
	printf("tls %" PRIu32 ": new key from tcp_seq %" PRIu64 "\n", t->id,
	       seq);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(iv, sizeof(iv));
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(nonce, sizeof(nonce));
	return rc;
}

static const char *
tls_state(enum dpsec_tls_state st)
{
	switch (st) {
	case DPSEC_TLS_ACTIVE:
		return "active";
	case DPSEC_TLS_SOFT_LIMIT:
		return "soft-limit";
	case DPSEC_TLS_DEAD:
		return "dead";
	case DPSEC_TLS_FAILED:
		return "failed";
	case DPSEC_TLS_KEY_WAIT:
		return "key-wait";
	}
	return "?";
}

static bool
json_last(struct cfg_args *a)
{
	if (a->argc > a->i && strcmp(a->argv[a->argc - 1], "json") == 0) {
		a->argc--;
		return true;
	}
	return false;
}

int
cli_tls_show(struct cfg_args *a)
{
	bool json = json_last(a), first = true;
	struct cli_tls *one = NULL;

	if (cfg_peek(a) != NULL && (one = tls_arg(a)) == NULL)
		return -1;
	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"tls\": [");
	else
		printf("%-6s %-5s %-3s %-17s %-4s %-15s %-10s %-12s %-10s %s\n",
		       "ID", "DIR", "VER", "CIPHER", "PORT", "PLACEMENT",
		       "STATE", "NEXT-REC", "NEXT-TCP", "REASON");
	for (unsigned int i = 0; i < CLI_MAX_TLS; i++) {
		struct dpsec_tls_info in;
		const char *ver;

		if (!tlss[i].used || (one != NULL && &tlss[i] != one))
			continue;
		if (dpsec_tls_info(tlss[i].tls, &in) != 0)
			continue;
		ver = in.ver == DPSEC_TLS_VERSION_1_3 ? "1.3" : "1.2";
		if (json) {
			printf("%s{\"id\": %" PRIu32 ", \"dir\": \"%s\", "
			       "\"ver\": \"%s\", \"cipher\": \"%s\", "
			       "\"port\": %u, \"placement\": \"%s\", "
			       "\"reason\": \"%s\", "
			       "\"reason_text\": \"%s\", \"state\": \"%s\", "
			       "\"next_rec_seq\": %" PRIu64
			       ", \"next_tcp_seq\": %" PRIu32 "}",
			       first ? "" : ",", tlss[i].id,
			       in.type == DPSEC_TLS_READ ? "read" : "write",
			       ver, tls_cipher(in.cipher), in.port_id,
			       cli_placement_name[in.placement],
			       cli_place_reason_name(in.place_reason),
			       dpsec_place_reason_str(in.place_reason),
			       tls_state(in.state), in.next_rec_seq,
			       in.next_tcp_seq);
			first = false;
		} else {
			printf("%-6" PRIu32 " %-5s %-3s %-17s %-4u %-15s %-10s %-12" PRIu64 " %-10" PRIu32 " %s\n",
			       tlss[i].id,
			       in.type == DPSEC_TLS_READ ? "read" : "write",
			       ver, tls_cipher(in.cipher), in.port_id,
			       cli_placement_name[in.placement],
			       tls_state(in.state), in.next_rec_seq,
			       in.next_tcp_seq,
			       dpsec_place_reason_str(in.place_reason));
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}

/* show tls stats [<id>] [json] */
int
cli_tls_stats(struct cfg_args *a)
{
	bool json = json_last(a), first = true;
	struct cli_tls *one = NULL;

	if (!cfg_accept(a, "stats")) {
		cfg_err_tok(a, "'stats'");
		return -1;
	}
	if (cfg_peek(a) != NULL && (one = tls_arg(a)) == NULL)
		return -1;
	if (cfg_end(a) != 0)
		return -1;
	if (json)
		printf("{\"tls_stats\": [");
	else
		printf("%-6s %12s %12s %12s %10s %10s %10s %8s %8s\n", "ID",
		       "RECORDS-NIC", "RECORDS-SW", "SEGMENTS", "AUTH-FAIL",
		       "OOO", "DROPPED", "RESYNC", "RS-OK");
	for (unsigned int i = 0; i < CLI_MAX_TLS; i++) {
		struct dpsec_tls_stats s;

		if (!tlss[i].used || (one != NULL && &tlss[i] != one))
			continue;
		if (dpsec_tls_stats_get(tlss[i].tls, &s) != 0)
			continue;
		if (json) {
			printf("%s{\"id\": %" PRIu32 ", \"records_nic\": %" PRIu64
			       ", \"records_sw\": %" PRIu64
			       ", \"records_mixed\": %" PRIu64
			       ", \"bytes_nic\": %" PRIu64 ", \"bytes_sw\": %"
			       PRIu64 ", \"segments\": %" PRIu64
			       ", \"auth_failed\": %" PRIu64 ", \"ooo\": %"
			       PRIu64 ", \"dropped\": %" PRIu64
			       ", \"tx_retransmits\": %" PRIu64
			       ", \"tx_resync_dumps\": %" PRIu64
			       ", \"tx_sw_segments\": %" PRIu64
			       ", \"rx_resync_hints\": %" PRIu64
			       ", \"rx_resync_req\": %" PRIu64
			       ", \"rx_resync_ok\": %" PRIu64
			       ", \"rx_resync_skip\": %" PRIu64
			       ", \"key_updates\": %" PRIu64
			       ", \"resync_taken\": %" PRIu64
			       ", \"nic_readds\": %" PRIu64 "}",
			       first ? "" : ",", tlss[i].id, s.records_nic,
			       s.records_sw, s.records_mixed, s.bytes_nic,
			       s.bytes_sw, s.segments, s.auth_failed, s.ooo,
			       s.dropped, s.tx_retransmits, s.tx_resync_dumps,
			       s.tx_sw_segments, s.rx_resync_hints,
			       s.rx_resync_req, s.rx_resync_ok,
			       s.rx_resync_skip, s.key_updates,
			       s.resync_taken, s.nic_readds);
			first = false;
		} else {
			printf("%-6" PRIu32 " %12" PRIu64 " %12" PRIu64 " %12"
			       PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			       " %8" PRIu64 " %8" PRIu64 "\n", tlss[i].id,
			       s.records_nic, s.records_sw, s.segments,
			       s.auth_failed, s.ooo, s.dropped,
			       s.rx_resync_hints + s.rx_resync_req +
			       s.tx_resync_dumps, s.rx_resync_ok);
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}

void
cli_tls_cleanup(void)
{
	for (unsigned int i = 0; i < CLI_MAX_TLS; i++) {
		if (!tlss[i].used)
			continue;
		cli_tls_fwd_forget(&tlss[i]);
		dpsec_tls_destroy(cli_fwd.ctx, tlss[i].tls);
		memset(&tlss[i], 0, sizeof(tlss[i]));
	}
}
