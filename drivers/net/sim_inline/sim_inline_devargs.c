/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devargs of net_sim_inline: every key checked, every value parsed strictly,
 * and the first problem reported in one line that names the key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_kvargs.h>
#include <rte_string_fns.h>

#include "sim_inline.h"
#include "sim_inline_sec.h"
#include "sim_inline_tls.h"

enum key_scope { ANY_WIRE, RING_ONLY, PCAP_ONLY, PORT_ONLY };

static const struct {
	const char *key;
	enum key_scope scope;
} known_keys[] = {
	{ "wire", ANY_WIRE },
	{ "peer", RING_ONLY },
	{ "rx_pcap", PCAP_ONLY },
	{ "tx_pcap", PCAP_ONLY },
	{ "infinite_rx", PCAP_ONLY },
	{ "port", PORT_ONLY },
	{ "mac", ANY_WIRE },
	{ "ring_size", ANY_WIRE },
	{ "max_sa", ANY_WIRE },
	{ "max_tls", ANY_WIRE },
	{ "tls_hold_ms", ANY_WIRE },
	{ "tls_hold_pkts", ANY_WIRE },
	{ "tls_chacha", ANY_WIRE },
	{ "sec_reset_on_stop", ANY_WIRE },
	{ "fault_seed", ANY_WIRE },
	{ "fault_punt", ANY_WIRE },
	{ "fault_spurious_fail", ANY_WIRE },
	{ "fault_drop", ANY_WIRE },
	{ "fault_dup", ANY_WIRE },
	{ "fault_reorder", ANY_WIRE },
};

/* Probability devargs, by enum sim_fault. */
static const char *const fault_keys[SIM_FAULT_MAX] = {
	[SIM_FAULT_PUNT] = "fault_punt",
	[SIM_FAULT_SPURIOUS_FAIL] = "fault_spurious_fail",
	[SIM_FAULT_DROP] = "fault_drop",
	[SIM_FAULT_DUP] = "fault_dup",
	[SIM_FAULT_REORDER] = "fault_reorder",
};

static const char *const wire_names[] = {
	[SIM_WIRE_RING] = "ring",
	[SIM_WIRE_PCAP] = "pcap",
	[SIM_WIRE_PORT] = "port",
};

#define FAIL(...) do { snprintf(err, err_sz, __VA_ARGS__); \
	ret = -EINVAL; goto out; } while (0)

static int
find_key(const char *key)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(known_keys); i++)
		if (strcmp(known_keys[i].key, key) == 0)
			return (int)i;
	return -1;
}

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*v = (uint64_t)x;
	return 0;
}

/*
 * A probability written as a plain decimal in 0..1: "0", "1", "0.25",
 * ".5", "1.0". No sign, exponent, hex, inf or nan.
 */
int
sim_parse_prob(const char *s, double *v)
{
	const char *c;
	unsigned int digits = 0, dots = 0;
	double x;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (c = s; *c != '\0'; c++) {
		if (*c >= '0' && *c <= '9')
			digits++;
		else if (*c == '.' && dots++ == 0)
			continue;
		else
			return -EINVAL;
	}
	if (digits == 0)
		return -EINVAL;
	x = strtod(s, NULL);
	if (!(x >= 0.0 && x <= 1.0))
		return -EINVAL;
	*v = x;
	return 0;
}

/* "Default peer": ports pair by index, net_sim_inline0 <-> net_sim_inline1. */
static void
default_peer(const char *name, char *peer, size_t sz)
{
	size_t n = strlen(name), i = n;
	unsigned long idx;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == n || n - i > 6) {
		peer[0] = '\0';
		return;
	}
	idx = strtoul(name + i, NULL, 10);
	snprintf(peer, sz, "%.*s%lu", (int)i, name, idx ^ 1);
}

int
sim_devargs_parse(const char *name, const char *args, struct sim_devargs *da,
		  char *err, size_t err_sz)
{
	struct rte_kvargs *kv = NULL;
	bool seen[RTE_DIM(known_keys)] = { false };
	unsigned int i;
	int ret = 0;

	memset(da, 0, sizeof(*da));
	da->wire = SIM_WIRE_RING;
	da->ring_size = SIM_DEFAULT_RING_SIZE;
	da->max_sa = SIM_DEFAULT_MAX_SA;
	da->max_tls = SIM_TLS_DEFAULT_MAX;
	da->tls_hold_ms = SIM_TLS_DEFAULT_HOLD_MS;
	da->tls_hold_pkts = SIM_TLS_RX_HOLD;
	err[0] = '\0';
	memset(&da->faults, 0, sizeof(da->faults));

	if (args != NULL && args[0] != '\0') {
		/* No key list here: rte_kvargs would reject an unknown key
		 * without saying which one. We check each key ourselves. */
		kv = rte_kvargs_parse(args, NULL);
		if (kv == NULL)
			FAIL("%s: devargs '%s' do not parse as key=value,...",
			     name, args);
	}

	/* Pass 1: every key known, none twice, wire first. */
	for (i = 0; kv != NULL && i < kv->count; i++) {
		const struct rte_kvargs_pair *pr = &kv->pairs[i];
		int k = find_key(pr->key);

		if (k < 0)
			FAIL("%s: unknown devarg '%s' (known: wire, peer, "
			     "rx_pcap, tx_pcap, infinite_rx, port, mac, "
			     "ring_size, max_sa, max_tls, tls_hold_ms, "
			     "tls_hold_pkts, "
			     "tls_chacha, "
			     "sec_reset_on_stop, fault_seed, fault_punt, "
			     "fault_spurious_fail, fault_drop, fault_dup, "
			     "fault_reorder)",
			     name, pr->key);
		if (seen[k])
			FAIL("%s: devarg '%s' given twice", name, pr->key);
		seen[k] = true;
		if (pr->value == NULL || pr->value[0] == '\0')
			FAIL("%s: devarg '%s' needs a value", name, pr->key);
		if (strcmp(pr->key, "wire") == 0) {
			unsigned int w;

			for (w = 0; w < RTE_DIM(wire_names); w++)
				if (strcmp(pr->value, wire_names[w]) == 0)
					break;
			if (w == RTE_DIM(wire_names))
				FAIL("%s: devarg 'wire' must be ring, pcap or "
				     "port, not '%s'", name, pr->value);
			da->wire = (enum sim_wire_type)w;
		}
	}

	/* Pass 2: values, and keys that belong to another wire. */
	for (i = 0; kv != NULL && i < kv->count; i++) {
		const struct rte_kvargs_pair *pr = &kv->pairs[i];
		int k = find_key(pr->key);
		const char *key = pr->key, *val = pr->value;
		enum key_scope scope = known_keys[k].scope;

		if ((scope == RING_ONLY && da->wire != SIM_WIRE_RING) ||
		    (scope == PCAP_ONLY && da->wire != SIM_WIRE_PCAP) ||
		    (scope == PORT_ONLY && da->wire != SIM_WIRE_PORT))
			FAIL("%s: devarg '%s' does not apply to wire=%s",
			     name, key, wire_names[da->wire]);

		if (strcmp(key, "peer") == 0) {
			if (strlcpy(da->peer, val, sizeof(da->peer)) >=
			    sizeof(da->peer))
				FAIL("%s: devarg 'peer' is too long", name);
			if (strcmp(val, name) == 0)
				FAIL("%s: devarg 'peer' names the port itself "
				     "(use lpbk_mode for loopback)", name);
		} else if (strcmp(key, "rx_pcap") == 0) {
			if (strlcpy(da->rx_pcap, val, sizeof(da->rx_pcap)) >=
			    sizeof(da->rx_pcap))
				FAIL("%s: devarg 'rx_pcap' is too long", name);
		} else if (strcmp(key, "tx_pcap") == 0) {
			if (strlcpy(da->tx_pcap, val, sizeof(da->tx_pcap)) >=
			    sizeof(da->tx_pcap))
				FAIL("%s: devarg 'tx_pcap' is too long", name);
		} else if (strcmp(key, "infinite_rx") == 0) {
			if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
				FAIL("%s: devarg 'infinite_rx' must be 0 or 1, "
				     "not '%s'", name, val);
			da->infinite_rx = val[0] == '1';
		} else if (strcmp(key, "port") == 0) {
			if (strlcpy(da->port, val, sizeof(da->port)) >=
			    sizeof(da->port))
				FAIL("%s: devarg 'port' is too long", name);
		} else if (strcmp(key, "mac") == 0) {
			if (rte_ether_unformat_addr(val, &da->mac) != 0 ||
			    strlen(val) != RTE_ETHER_ADDR_FMT_SIZE - 1)
				FAIL("%s: devarg 'mac' must be "
				     "xx:xx:xx:xx:xx:xx, not '%s'", name, val);
			if (!rte_is_unicast_ether_addr(&da->mac))
				FAIL("%s: devarg 'mac' must be a unicast "
				     "address, not '%s'", name, val);
			da->mac_set = true;
		} else if (strcmp(key, "ring_size") == 0) {
			if (parse_u32(val, &da->ring_size) != 0 ||
			    !rte_is_power_of_2(da->ring_size) ||
			    da->ring_size < SIM_MIN_RING_SIZE ||
			    da->ring_size > SIM_MAX_RING_SIZE)
				FAIL("%s: devarg 'ring_size' must be a power of "
				     "two in %u..%u, not '%s'", name,
				     SIM_MIN_RING_SIZE, SIM_MAX_RING_SIZE, val);
		} else if (strcmp(key, "max_sa") == 0) {
			if (parse_u32(val, &da->max_sa) != 0 ||
			    da->max_sa < 1 || da->max_sa > SIM_MAX_SA)
				FAIL("%s: devarg 'max_sa' must be in 1..%u, "
				     "not '%s'", name, SIM_MAX_SA, val);
		} else if (strcmp(key, "max_tls") == 0) {
			if (parse_u32(val, &da->max_tls) != 0 ||
			    da->max_tls > SIM_TLS_MAX)
				FAIL("%s: devarg 'max_tls' must be in 0..%u, "
				     "not '%s'", name, SIM_TLS_MAX, val);
		} else if (strcmp(key, "tls_chacha") == 0) {
			if (strcmp(val, "0") == 0)
				da->tls_chacha = 0;
			else if (strcmp(val, "1") == 0)
				da->tls_chacha = 1;
			else
				FAIL("%s: devarg 'tls_chacha' must be 0 or 1, "
				     "not '%s'", name, val);
		} else if (strcmp(key, "tls_hold_ms") == 0) {
			if (parse_u32(val, &da->tls_hold_ms) != 0 ||
			    da->tls_hold_ms > SIM_TLS_MAX_HOLD_MS)
				FAIL("%s: devarg 'tls_hold_ms' must be in "
				     "0..%u, not '%s'", name,
				     SIM_TLS_MAX_HOLD_MS, val);
		} else if (strcmp(key, "tls_hold_pkts") == 0) {
			if (parse_u32(val, &da->tls_hold_pkts) != 0 ||
			    da->tls_hold_pkts < 1 ||
			    da->tls_hold_pkts > SIM_TLS_RX_HOLD)
				FAIL("%s: devarg 'tls_hold_pkts' must be in "
				     "1..%u, not '%s'", name, SIM_TLS_RX_HOLD,
				     val);
		} else if (strcmp(key, "sec_reset_on_stop") == 0) {
			if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
				FAIL("%s: devarg 'sec_reset_on_stop' must be 0 "
				     "or 1, not '%s'", name, val);
			da->sec_reset_on_stop = val[0] == '1';
		} else if (strcmp(key, "fault_seed") == 0) {
			if (parse_u64(val, &da->faults.seed) != 0)
				FAIL("%s: devarg 'fault_seed' must be an "
				     "unsigned 64-bit integer, not '%s'",
				     name, val);
		} else if (strncmp(key, "fault_", 6) == 0) {
			unsigned int f;

			for (f = 0; f < SIM_FAULT_MAX; f++)
				if (strcmp(key, fault_keys[f]) == 0)
					break;
			if (f == SIM_FAULT_MAX ||
			    sim_parse_prob(val, &da->faults.p[f]) != 0)
				FAIL("%s: devarg '%s' must be a probability "
				     "0..1 written as a decimal (e.g. 0.25), "
				     "not '%s'", name, key, val);
			da->faults.thr[f] = sim_fault_thr(da->faults.p[f]);
		}
	}

	switch (da->wire) {
	case SIM_WIRE_RING:
		if (da->peer[0] == '\0')
			default_peer(name, da->peer, sizeof(da->peer));
		if (da->peer[0] == '\0')
			FAIL("%s: devarg 'peer' is needed: the name has no "
			     "index to pair by", name);
		break;
	case SIM_WIRE_PCAP:
		if (da->rx_pcap[0] == '\0' && da->tx_pcap[0] == '\0')
			FAIL("%s: wire=pcap needs devarg 'rx_pcap' or "
			     "'tx_pcap'", name);
		if (da->infinite_rx && da->rx_pcap[0] == '\0')
			FAIL("%s: devarg 'infinite_rx' needs 'rx_pcap'", name);
		break;
	case SIM_WIRE_PORT:
		if (da->port[0] == '\0')
			FAIL("%s: wire=port needs devarg 'port'", name);
		break;
	}
out:
	rte_kvargs_free(kv);
	return ret;
}
