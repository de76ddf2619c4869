/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf_dyn.h>

#include "dpsec.h"

RTE_LOG_REGISTER(dpsec_logtype, dpsec, NOTICE);

int dpsec_reason_dynfield_offset = -1;
int dpsec_esp_sn_dynfield_offset = -1;

static const char *const reason_str[DPSEC_R_MAX] = {
#define DPSEC_REASON_STR(n, s) [DPSEC_R_ ## n] = s,
	DPSEC_REASONS(DPSEC_REASON_STR)
#undef DPSEC_REASON_STR
};

const char *
dpsec_version(void)
{
	return DPSEC_VERSION_STRING;
}

const char *
dpsec_reason_str(enum dpsec_reason r)
{
	return (unsigned int)r < DPSEC_R_MAX ? reason_str[r] : "unknown";
}

int
dpsec_mbuf_dynfield_init(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = DPSEC_MBUF_DYNFIELD_REASON,
		.size = sizeof(uint8_t),
		.align = __alignof__(uint8_t),
	};
	static const struct rte_mbuf_dynfield sn = {
		.name = DPSEC_MBUF_DYNFIELD_ESP_SN,
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};
	int off;

	if (dpsec_reason_dynfield_offset >= 0 &&
	    dpsec_esp_sn_dynfield_offset >= 0)
		return 0;
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	dpsec_reason_dynfield_offset = off;
	off = rte_mbuf_dynfield_register(&sn);
	if (off < 0)
		return -rte_errno;
	dpsec_esp_sn_dynfield_offset = off;
	return 0;
}
