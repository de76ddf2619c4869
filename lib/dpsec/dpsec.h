/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_H
#define DPSEC_H

/**
 * @file
 * dpsec: IPsec ESP and TLS records for DPDK applications, on a NIC's inline
 * crypto engine where one exists and in software on the lcore where not.
 */

#ifdef __cplusplus
extern "C" {
#endif

/** Major version of the library. */
#define DPSEC_VERSION_MAJOR 0
/** Minor version of the library. */
#define DPSEC_VERSION_MINOR 1

/**
 * The library's version as a string, e.g. "0.1.0".
 *
 * @return
 *   A static string; never NULL.
 */
const char *dpsec_version(void);

/**
 * The rte_log dynamic type of the library ("dpsec"), registered when the
 * library is loaded.
 */
extern int dpsec_logtype;

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_H */
