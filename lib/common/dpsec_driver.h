/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_DRIVER_H
#define DPSEC_DRIVER_H

/**
 * @file
 * dpsec's interface for NIC drivers: what a driver declares, per port,
 * that it does for dpsec beyond what rte_security and ethdev can say.
 *
 * The declarations live in a registry in a named memzone
 * (#DPSEC_DRV_REGISTRY_MZ), found by name at run time the way mbuf
 * dynamic fields are: the driver and dpsec only share this header, so
 * neither links against the other, and a port whose driver declares
 * nothing is simply treated as one without the capability. Everything
 * here is static inline.
 *
 * A driver declares with dpsec_drv_caps_set() when its port is created
 * (probe) and clears with dpsec_drv_caps_set(port, 0) when the port goes
 * away (port ids are reused). dpsec reads the declaration with
 * dpsec_drv_caps_get() when the port is attached (dpsec_port_attach()).
 *
 * The registry has one entry per port so that it can also carry the TLS
 * record offload operations (add, update, delete, resync) a driver will
 * provide; only capability bits are defined today.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_bitops.h>
#include <rte_config.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the memzone holding struct dpsec_drv_registry. */
#define DPSEC_DRV_REGISTRY_MZ "dpsec_drv_registry"

/**
 * The port writes, for every packet its inline protocol engine
 * decapsulated (RTE_MBUF_F_RX_SEC_OFFLOAD without _FAILED), the 64-bit
 * ESP sequence number it authenticated into the mbuf dynamic field
 * named DPSEC_MBUF_DYNFIELD_ESP_SN ("dpsec_esp_sn", a uint64_t), when an
 * application registered that field before the SA was created. dpsec
 * needs it to keep one replay window for the NIC's packets and its own
 * (RFC 4303 §3.4.3); without it an inbound SA goes on the NIC as inline
 * crypto only (reason PROTO_NO_SN). DPDK 22.11 has no capability for
 * this, and a driver that does not fill the field leaves stale bytes
 * there, so it cannot be discovered from the packets.
 */
#define DPSEC_DRV_CAP_ESP_RX_SN RTE_BIT64(0)

/** What one port's driver declared. */
struct dpsec_drv_port {
	uint64_t caps;		/**< DPSEC_DRV_CAP_* bits; 0: nothing */
	uint64_t reserved[7];	/**< for the TLS driver ops; zero */
};

/** The registry: an entry per ethdev port id. */
struct dpsec_drv_registry {
	struct dpsec_drv_port port[RTE_MAX_ETHPORTS]; /**< by port id */
};

/**
 * The registry, created on first use when @p create is set.
 *
 * @param create
 *   Reserve the memzone if no one has yet (a driver declaring).
 * @return
 *   The registry, or NULL (none yet, or no memory: rte_errno set).
 */
static inline struct dpsec_drv_registry *
dpsec_drv_registry(bool create)
{
	const struct rte_memzone *mz = rte_memzone_lookup(DPSEC_DRV_REGISTRY_MZ);

	if (mz == NULL && create) {
		/* DPDK hands out zeroed memory: every port declares
		 * nothing until its driver says so. */
		mz = rte_memzone_reserve(DPSEC_DRV_REGISTRY_MZ,
					 sizeof(struct dpsec_drv_registry),
					 SOCKET_ID_ANY, 0);
		if (mz == NULL && rte_errno == EEXIST)	/* lost the race */
			mz = rte_memzone_lookup(DPSEC_DRV_REGISTRY_MZ);
	}
	return mz != NULL ? (struct dpsec_drv_registry *)mz->addr : NULL;
}

/**
 * Declare what port @p port_id does for dpsec (a driver, at probe), or
 * withdraw it with @p caps 0 (at close or remove).
 *
 * @param port_id
 *   The ethdev port id.
 * @param caps
 *   DPSEC_DRV_CAP_* bits, replacing any declared before.
 * @return
 *   0, -EINVAL for a port id out of range, -ENOMEM when the registry
 *   cannot be created.
 */
static inline int
dpsec_drv_caps_set(uint16_t port_id, uint64_t caps)
{
	struct dpsec_drv_registry *r;

	if (port_id >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	r = dpsec_drv_registry(caps != 0);
	if (r == NULL)
		return caps != 0 ? -ENOMEM : 0;
	__atomic_store_n(&r->port[port_id].caps, caps, __ATOMIC_RELEASE);
	return 0;
}

/**
 * What port @p port_id's driver declared.
 *
 * @param port_id
 *   The ethdev port id.
 * @return
 *   DPSEC_DRV_CAP_* bits; 0 for a port that declared nothing, a port id
 *   out of range, or no registry.
 */
static inline uint64_t
dpsec_drv_caps_get(uint16_t port_id)
{
	struct dpsec_drv_registry *r;

	if (port_id >= RTE_MAX_ETHPORTS)
		return 0;
	r = dpsec_drv_registry(false);
	return r != NULL ?
	       __atomic_load_n(&r->port[port_id].caps, __ATOMIC_ACQUIRE) : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_DRIVER_H */
