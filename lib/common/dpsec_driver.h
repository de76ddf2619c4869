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
 * The registry has one entry per port: capability bits and, for a port
 * with a TLS record engine, its operations (dpsec_drv_tls_ops_set()),
 * and for a port with an inline IPsec engine, what rte_security cannot
 * tell about it (dpsec_drv_ipsec_ops_set()).
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_bitops.h>
#include <rte_config.h>
#include <rte_errno.h>
#include <rte_mbuf_dyn.h>
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

/*
 * TLS record offload (kTLS-style, Linux Documentation/networking/
 * tls-offload.rst): the driver ops dpsec calls to put one direction of a
 * TCP connection's record stream on the NIC, and the mbuf marks both use.
 *
 * TX: dpsec gives the NIC segments of a record stream whose records are
 * framed and in plaintext (header, TLS 1.2 explicit nonce, content, for
 * 1.3 the inner type and padding, tag room), sets the dynamic flag
 * DPSEC_MBUF_DYNFLAG_TX_TLS and writes the context's hw_id into the
 * dynamic field DPSEC_MBUF_DYNFIELD_TLS_ID. The NIC encrypts the records'
 * bodies and writes their tags as the segments leave, following the
 * records across segments (and across the segments it cuts itself for
 * TSO) in TCP order from the sequence number given at add time.
 *
 * RX: for a context it holds, the NIC follows the connection's record
 * stream in TCP order, decrypts and authenticates records in place and
 * sets DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED on each packet whose record
 * bytes it decrypted (the headers, explicit nonces and tags are left as
 * they came). A packet it could not handle (out of order, a record it
 * cannot authenticate, no context) is delivered as it came, unmarked.
 * The flag is only set on packets whose record bytes all belong to
 * records the NIC authenticated or will authenticate in that packet's
 * stream order; dpsec checks in software whatever is not marked.
 */

/** The port can encrypt TLS records on transmit (ops->tls_add TX). */
#define DPSEC_DRV_CAP_TLS_TX RTE_BIT64(1)
/** The port can decrypt TLS records on receive (ops->tls_add RX). */
#define DPSEC_DRV_CAP_TLS_RX RTE_BIT64(2)

/** Mbuf dynamic flag: this TX segment carries records for the NIC. */
#define DPSEC_MBUF_DYNFLAG_TX_TLS "dpsec_tx_tls_offload"
/** Mbuf dynamic flag: the NIC decrypted this RX packet's record bytes. */
#define DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED "dpsec_rx_tls_decrypted"
/** Mbuf dynamic field (uint32_t): the hw_id of the TX segment's context. */
#define DPSEC_MBUF_DYNFIELD_TLS_ID "dpsec_tls_hw_id"
/**
 * Mbuf dynamic flag, RX, device-driven resynchronisation
 * (tls-offload.rst "Resync"): the NIC lost the stream of a context it
 * holds, found what looks like a record header in this packet and asks
 * dpsec to confirm it. The header's TCP sequence number is in
 * DPSEC_MBUF_DYNFIELD_TLS_RESYNC_SEQ; dpsec answers with
 * ops->rx_resync_response() once it has parsed the stream up to there.
 */
#define DPSEC_MBUF_DYNFLAG_RX_TLS_RESYNC_REQ "dpsec_rx_tls_resync_req"
/** Mbuf dynamic field (uint32_t): the TCP sequence number of a resync
 *  request's candidate header. */
#define DPSEC_MBUF_DYNFIELD_TLS_RESYNC_SEQ "dpsec_tls_resync_seq"

/** Where the TLS mbuf marks live once registered. */
struct dpsec_drv_tls_marks {
	int tx_bit;	/**< DPSEC_MBUF_DYNFLAG_TX_TLS */
	int rx_bit;	/**< DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED */
	int id_off;	/**< DPSEC_MBUF_DYNFIELD_TLS_ID */
	int req_bit;	/**< DPSEC_MBUF_DYNFLAG_RX_TLS_RESYNC_REQ */
	int req_off;	/**< DPSEC_MBUF_DYNFIELD_TLS_RESYNC_SEQ */
};

/**
 * Register the TLS mbuf marks (or look them up: whoever comes first, dpsec,
 * a driver or the application, registers them; the same bits for all).
 * @param m  Out: the flag bits and field offsets.
 * @return 0, or -rte_errno of the registration that failed.
 */
static inline int
dpsec_drv_tls_marks_register(struct dpsec_drv_tls_marks *m)
{
	static const struct rte_mbuf_dynflag txf = {
		.name = DPSEC_MBUF_DYNFLAG_TX_TLS,
	};
	static const struct rte_mbuf_dynflag rxf = {
		.name = DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED,
	};
	static const struct rte_mbuf_dynflag reqf = {
		.name = DPSEC_MBUF_DYNFLAG_RX_TLS_RESYNC_REQ,
	};
	static const struct rte_mbuf_dynfield idf = {
		.name = DPSEC_MBUF_DYNFIELD_TLS_ID,
		.size = sizeof(uint32_t),
		.align = __alignof__(uint32_t),
	};
	static const struct rte_mbuf_dynfield reqd = {
		.name = DPSEC_MBUF_DYNFIELD_TLS_RESYNC_SEQ,
		.size = sizeof(uint32_t),
		.align = __alignof__(uint32_t),
	};

	m->tx_bit = rte_mbuf_dynflag_register(&txf);
	m->rx_bit = rte_mbuf_dynflag_register(&rxf);
	m->req_bit = rte_mbuf_dynflag_register(&reqf);
	m->id_off = rte_mbuf_dynfield_register(&idf);
	m->req_off = rte_mbuf_dynfield_register(&reqd);
	if (m->tx_bit < 0 || m->rx_bit < 0 || m->req_bit < 0 ||
	    m->id_off < 0 || m->req_off < 0)
		return -rte_errno;
	return 0;
}

/** One direction of a connection, as dpsec hands it to a driver. */
struct dpsec_drv_tls_conf {
	uint16_t version;	/**< 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3) */
	uint8_t rx;		/**< 0: transmit (write), 1: receive (read) */
	uint8_t cipher;		/**< enum dpsec_crypto_cipher of the
				 *   shared crypto layer (crypto_algos.h) */
	uint8_t key_len;	/**< 16 or 32 */
	uint8_t key[32];	/**< AEAD key */
	/** Implicit nonce: TLS 1.2 AES-GCM salt in iv[0..4), else the
	 *  12-byte IV. */
	uint8_t iv[12];
	uint8_t family;		/**< 4 or 6 */
	/** Addresses of the packets this context's direction carries
	 *  (network order: TX our address first, RX the peer's). */
	uint8_t src[16];
	uint8_t dst[16];	/**< destination address, same convention */
	uint16_t sport;		/**< TCP source port of those packets, host order */
	uint16_t dport;		/**< TCP destination port, host order */
	uint32_t tcp_seq;	/**< TCP sequence of the next record's header */
	uint64_t rec_seq;	/**< that record's number */
	/** RX: after a loss of sync the NIC searches the stream for record
	 *  headers and asks (DPSEC_MBUF_DYNFLAG_RX_TLS_RESYNC_REQ); 0: it
	 *  waits for dpsec's next-record hint (ops->resync). */
	uint8_t rx_resync_device;
};

/** What a port's TLS engine offers. */
struct dpsec_drv_tls_caps {
	uint32_t max_ctx;	/**< contexts the table holds (TX + RX) */
	uint32_t used_ctx;	/**< contexts in it now */
	/** Bit (1 << enum dpsec_crypto_cipher) per cipher it offloads. */
	uint64_t ciphers;
	uint8_t tls12;		/**< 1 if TLS 1.2 */
	uint8_t tls13;		/**< 1 if TLS 1.3 */
};

/**
 * TLS record offload operations a driver provides for its port. dpsec
 * calls add/del/caps/rekey from the control thread, resync,
 * tx_resync_dump and rx_resync_response from the lcore that runs the
 * context's bursts, and del of a TX context from EAL's alarm thread
 * after a grace (frames marked for it may still be in a TX queue when
 * the application destroys the context): a driver serialises its table
 * per port itself (net_sim_inline holds one lock per port engine). Each
 * returns 0 or -errno.
 */
struct dpsec_drv_tls_ops {
	/** Capabilities and table use. */
	int (*caps)(uint16_t port_id, struct dpsec_drv_tls_caps *caps);
	/** Add a context; -ENOSPC when the table is full, -ENOTSUP for a
	 *  version or cipher the engine lacks. *hw_id identifies it in
	 *  the other ops and in DPSEC_MBUF_DYNFIELD_TLS_ID. */
	int (*add)(uint16_t port_id, const struct dpsec_drv_tls_conf *conf,
		   uint32_t *hw_id);
	/** Remove a context (its key material is wiped). */
	int (*del)(uint16_t port_id, uint32_t hw_id);
	/** Tell the context that the record starting at TCP sequence
	 *  tcp_seq is number rec_seq (RX: the next-record hint after a
	 *  loss of sync; TX: the state for the next marked segment). */
	int (*resync)(uint16_t port_id, uint32_t hw_id, uint32_t tcp_seq,
		      uint64_t rec_seq);
	/** TX resync dump (what mlx5 does for a retransmission): the
	 *  record that starts at TCP sequence rec_tcp_seq is number
	 *  rec_seq; data holds its first len bytes as framed (header,
	 *  explicit nonce written, plaintext), which the NIC runs through
	 *  the record's AEAD without sending them. The next marked segment
	 *  starts at rec_tcp_seq + len. NULL: not supported (dpsec then
	 *  encrypts such segments in software). */
	int (*tx_resync_dump)(uint16_t port_id, uint32_t hw_id,
			      uint32_t rec_tcp_seq, uint64_t rec_seq,
			      const uint8_t *data, uint32_t len);
	/** RX device-driven resync: dpsec's answer to a request for TCP
	 *  sequence tcp_seq: ok, a record numbered rec_seq starts there
	 *  (the NIC resumes from it); !ok, none does (the NIC searches on).
	 *  NULL: the driver never asks. */
	int (*rx_resync_response)(uint16_t port_id, uint32_t hw_id,
				  uint32_t tcp_seq, bool ok, uint64_t rec_seq);
	/** New traffic key (TLS 1.3 KeyUpdate, TLS 1.2 rekey): from the
	 *  record that starts at TCP sequence conf->tcp_seq on (numbered
	 *  conf->rec_seq, 0 for a KeyUpdate) the context uses conf->key and
	 *  conf->iv; the records before it keep the old key (TX: a
	 *  retransmission of one of them is dumped with it). The other
	 *  fields are those of add. NULL: not supported (dpsec moves the
	 *  context to software at a key change). */
	int (*rekey)(uint16_t port_id, uint32_t hw_id,
		     const struct dpsec_drv_tls_conf *conf);
};

/**
 * What an inline IPsec engine tells dpsec beyond rte_security (DPDK 22.11
 * has no way to ask a NIC the size of its SA table).
 */
struct dpsec_drv_ipsec_ops {
	/** The SA table: the sessions (either direction) the engine can
	 *  hold at most, and holds now (any application's). 0 or -errno. */
	int (*sa_table)(uint16_t port_id, uint32_t *size, uint32_t *used);
};

/** What one port's driver declared. */
struct dpsec_drv_port {
	uint64_t caps;		/**< DPSEC_DRV_CAP_* bits; 0: nothing */
	/** TLS ops (process-local pointer: the registry is for the primary
	 *  process; NULL when the port has no TLS engine). */
	const struct dpsec_drv_tls_ops *tls_ops;
	/** Inline IPsec ops (process-local pointer, like tls_ops; NULL when
	 *  the driver declares none). */
	const struct dpsec_drv_ipsec_ops *ipsec_ops;
	uint64_t reserved[5];	/**< zero */
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

/**
 * Publish (or withdraw, with NULL) one ops pointer of a port's entry
 * (dpsec_drv_tls_ops_set(), dpsec_drv_ipsec_ops_set()).
 * @param port_id  the ethdev port
 * @param field    the pointer's offset in struct dpsec_drv_port
 * @param ops      the ops (static storage), or NULL
 * @return 0, -EINVAL (bad port), -ENOMEM (no registry memory).
 */
static inline int
dpsec_drv_ops_store(uint16_t port_id, size_t field, const void *ops)
{
	struct dpsec_drv_registry *r;

	if (port_id >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	r = dpsec_drv_registry(ops != NULL);
	if (r == NULL)
		return ops != NULL ? -ENOMEM : 0;
	__atomic_store_n((const void **)((uint8_t *)&r->port[port_id] + field),
			 ops, __ATOMIC_RELEASE);
	return 0;
}

/**
 * The ops pointer at @p field of a port's entry.
 * @param port_id  the ethdev port
 * @param field    the pointer's offset in struct dpsec_drv_port
 * @return the pointer, or NULL (none declared, no registry, bad port).
 */
static inline const void *
dpsec_drv_ops_load(uint16_t port_id, size_t field)
{
	struct dpsec_drv_registry *r;

	if (port_id >= RTE_MAX_ETHPORTS)
		return NULL;
	r = dpsec_drv_registry(false);
	return r != NULL ? __atomic_load_n((const void **)
		((uint8_t *)&r->port[port_id] + field), __ATOMIC_ACQUIRE) :
		NULL;
}

/**
 * Declare (or withdraw, with NULL) the TLS ops of a port; the driver also
 * sets DPSEC_DRV_CAP_TLS_TX / _RX with dpsec_drv_caps_set().
 * @param port_id  the ethdev port
 * @param ops      the driver's TLS ops (static storage), or NULL
 * @return 0, -EINVAL (bad port), -ENOMEM (no registry memory).
 */
static inline int
dpsec_drv_tls_ops_set(uint16_t port_id, const struct dpsec_drv_tls_ops *ops)
{
	return dpsec_drv_ops_store(port_id,
				   offsetof(struct dpsec_drv_port, tls_ops),
				   ops);
}

/**
 * The TLS ops a port's driver declared.
 * @param port_id  the ethdev port
 * @return the ops, or NULL when none are declared.
 */
static inline const struct dpsec_drv_tls_ops *
dpsec_drv_tls_ops_get(uint16_t port_id)
{
	return (const struct dpsec_drv_tls_ops *)dpsec_drv_ops_load(port_id,
		offsetof(struct dpsec_drv_port, tls_ops));
}

/**
 * Declare (or withdraw, with NULL, when the port goes away) the inline
 * IPsec ops of a port.
 * @param port_id  the ethdev port
 * @param ops      the driver's ops (static storage), or NULL
 * @return 0, -EINVAL (bad port), -ENOMEM (no registry memory).
 */
static inline int
dpsec_drv_ipsec_ops_set(uint16_t port_id,
			const struct dpsec_drv_ipsec_ops *ops)
{
	return dpsec_drv_ops_store(port_id,
				   offsetof(struct dpsec_drv_port, ipsec_ops),
				   ops);
}

/**
 * The inline IPsec ops a port's driver declared.
 * @param port_id  the ethdev port
 * @return the ops, or NULL when none are declared.
 */
static inline const struct dpsec_drv_ipsec_ops *
dpsec_drv_ipsec_ops_get(uint16_t port_id)
{
	return (const struct dpsec_drv_ipsec_ops *)dpsec_drv_ops_load(port_id,
		offsetof(struct dpsec_drv_port, ipsec_ops));
}

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_DRIVER_H */
