/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_log.h>

#include "dpsec.h"

RTE_LOG_REGISTER(dpsec_logtype, dpsec, NOTICE);

const char *
dpsec_version(void)
{
	return DPSEC_VERSION_STRING;
}
