/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SIM_INLINE_H
#define SIM_INLINE_H

/*
 * Private state of the simulated inline-offload NIC.
 *
 * Data path model: a "wire" delivers raw frames (mbufs from any pool) to the
 * port's ingress pipeline, which plays the NIC's RX engine: link/MAC/MTU
 * filters, packet type, checksum check, RSS, then a copy into the target RX
 * queue's mempool and an enqueue on that queue's ring. rx_burst of queue q
 * first pulls what the wire has (one poller at a time, trylock) and then
 * dequeues its own ring. tx_burst plays the TX engine (checks, checksum
 * offload) and hands frames to the wire, or to the port's own ingress in
 * loopback mode.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

extern int sim_inline_logtype;
#define SIM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, sim_inline_logtype, \
		"sim_inline: " fmt "\n", ##__VA_ARGS__)

enum {
	SIM_MAX_QUEUES = 16,
	SIM_MAX_MAC_ADDRS = 16,
	SIM_RETA_SIZE = 128,
	SIM_RSS_KEY_SIZE = 40,
	SIM_BURST = 32,
	SIM_DEFAULT_RING_SIZE = 4096,
	SIM_MIN_RING_SIZE = 64,
	SIM_MAX_RING_SIZE = 65536,
	SIM_MIN_MTU = 68,
	SIM_MAX_MTU = 9600,
	SIM_MAX_RX_PKTLEN = SIM_MAX_MTU + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 8,
	SIM_REORDER_MAX_MS = 1,	/* fault_reorder: then an empty burst sends */
};

enum sim_wire_type {
	SIM_WIRE_RING,
	SIM_WIRE_PCAP,
	SIM_WIRE_PORT,
};

/*
 * Fault injection (devargs fault_*, rte_pmd_sim_inline_fault_set()). Each
 * probability is kept as given (p[], for _get) and as a 53-bit threshold:
 * a fault happens when the next 53 bits of the port's PRNG are below it.
 */
enum sim_fault {
	SIM_FAULT_PUNT,
	SIM_FAULT_SPURIOUS_FAIL,
	SIM_FAULT_DROP,
	SIM_FAULT_DUP,
	SIM_FAULT_REORDER,
	SIM_FAULT_MAX
};

struct sim_fault_cfg {
	uint64_t seed;
	double p[SIM_FAULT_MAX];
	uint64_t thr[SIM_FAULT_MAX];	/* read with relaxed atomics */
};

/* 53-bit threshold of probability @p in [0, 1]. */
static inline uint64_t
sim_fault_thr(double p)
{
	return (uint64_t)(p * 9007199254740992.0);	/* p * 2^53 */
}

/* splitmix64: one step of a stream (lock-free, deterministic per stream). */
static inline uint64_t
sim_prng_next(uint64_t *state)
{
	uint64_t z = __atomic_add_fetch(state, 0x9e3779b97f4a7c15ULL,
					__ATOMIC_RELAXED);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Initial state of TX queue @qid's stream (RX uses the seed itself). */
static inline uint64_t
sim_prng_txq_seed(uint64_t seed, uint16_t qid)
{
	return seed ^ ((uint64_t)(qid + 1) * 0xd1b54a32d192ed03ULL);
}

/* Validated devargs; see doc/sim_inline.md. */
struct sim_devargs {
	enum sim_wire_type wire;
	char peer[RTE_DEV_NAME_MAX_LEN];
	char rx_pcap[PATH_MAX];
	char tx_pcap[PATH_MAX];
	bool infinite_rx;		/* pcap wire: replay rx_pcap forever */
	char port[RTE_DEV_NAME_MAX_LEN];
	struct rte_ether_addr mac;
	bool mac_set;
	uint32_t ring_size;
	uint32_t max_sa;
	uint32_t max_tls;		/* TLS contexts; 0: no TLS engine */
	uint32_t tls_hold_ms;		/* RX hold limit; 0: none */
	uint32_t tls_hold_pkts;		/* RX: packets held per record */
	/* The TLS engine also offloads ChaCha20-Poly1305 (no real NIC
	 * does: off by default, on for tests of the engine). */
	uint8_t tls_chacha;
	bool sec_reset_on_stop;		/* dev_stop resets the engine */
	struct sim_fault_cfg faults;
};

/*
 * Parse and validate the devargs string of device @name. On error, writes a
 * one-line reason naming the offending key into @err and returns -EINVAL.
 */
int sim_devargs_parse(const char *name, const char *args,
		      struct sim_devargs *da, char *err, size_t err_sz);

/* A probability "0".."1" as a plain decimal; 0 or -EINVAL. */
int sim_parse_prob(const char *s, double *v);

/* Per-port counters beyond the per-queue ones (xstats). */
#define SIM_XSTATS(X) \
	X(rx_mac_filtered) \
	X(rx_runt) \
	X(rx_oversize) \
	X(rx_no_scatter) \
	X(rx_queue_full) \
	X(rx_ip_cksum_bad) \
	X(rx_l4_cksum_bad) \
	X(rx_stop_discard) \
	X(tx_ip_cksum_offload) \
	X(tx_l4_cksum_offload) \
	X(tx_oversize) \
	X(tx_bad_mbuf) \
	X(tx_link_down) \
	X(lsc_events) \
	X(sec_sessions) \
	X(sec_table_full) \
	X(sec_tx_packets) \
	X(sec_rx_packets) \
	X(sec_tx_bytes) \
	X(sec_rx_bytes) \
	X(tx_sec_bad) \
	X(tx_sec_bad_len) \
	X(tx_sec_dead) \
	X(tx_sec_lost) \
	X(rx_sec_bad) \
	X(rx_sec_inner_bad) \
	X(rx_sec_replay) \
	X(rx_sec_icv_fail) \
	X(rx_sec_dead) \
	X(rx_sec_no_sa) \
	X(sec_events) \
	X(rx_fault_punt) \
	X(rx_fault_spurious_fail) \
	X(tx_fault_punt) \
	X(tx_fault_drop) \
	X(tx_fault_dup) \
	X(tx_fault_reorder) \
	X(rx_reass_ok) \
	X(rx_reass_incomplete) \
	X(rx_reass_drop) \
	X(tx_tso_segments) \
	X(tx_tso_wire_full) \
	X(tx_sec_drop_wire_full) \
	X(tls_table_full) \
	X(tx_tls_ctx) \
	X(tx_tls_del) \
	X(tx_tls_encrypted_packets) \
	X(tx_tls_encrypted_bytes) \
	X(tx_tls_ooo) \
	X(tx_tls_skip_no_sync_data) \
	X(tx_tls_drop_no_sync_data) \
	X(tx_tls_drop_bypass_req) \
	X(tx_tls_drop_bad_record) \
	X(tx_tls_drop_wire_full) \
	X(tx_tls_resync) \
	X(tx_tls_rekey) \
	X(rx_tls_rekey) \
	X(tx_tls_rekey_late) \
	X(rx_tls_rekey_late) \
	X(tls_ctx_lost) \
	X(tx_tls_resync_dump) \
	X(tx_tls_resync_bytes) \
	X(rx_tls_ctx) \
	X(rx_tls_del) \
	X(rx_tls_decrypted_packets) \
	X(rx_tls_decrypted_bytes) \
	X(rx_tls_ooo) \
	X(rx_tls_auth_fail) \
	X(rx_tls_err) \
	X(rx_tls_hold_full) \
	X(rx_tls_hold_timeout) \
	X(rx_tls_resync) \
	X(rx_tls_resync_req_pkt) \
	X(rx_tls_resync_req_start) \
	X(rx_tls_resync_req_end) \
	X(rx_tls_resync_req_skip) \
	X(rx_tls_resync_res_ok) \
	X(rx_tls_resync_res_skip)

enum sim_xstat_id {
#define SIM_XSTAT_ENUM(n) SIM_XS_ ## n,
	SIM_XSTATS(SIM_XSTAT_ENUM)
#undef SIM_XSTAT_ENUM
	SIM_XS_MAX
};

struct sim_port;
struct sim_sec;
struct sim_reass;
struct sim_tls;

struct sim_rxq {
	struct sim_port *port;
	struct rte_mempool *mp;
	struct rte_ring *ring;		/* frames steered to this queue */
	uint16_t qid;
	uint16_t nb_desc;		/* as set up (rxq_info_get) */
	uint64_t pkts, bytes, nombuf;
} __rte_cache_aligned;

struct sim_txq {
	struct sim_port *port;
	uint16_t qid;
	uint16_t nb_desc;		/* as set up (txq_info_get) */
	uint64_t pkts, bytes, errors;
	uint64_t prng;			/* fault stream of this queue */
	struct rte_mbuf *held;		/* fault_reorder: the frame held back */
	uint64_t held_tsc;		/* since when */
} __rte_cache_aligned;

/* What the port's cable is plugged into. */
struct sim_wire_ops {
	const char *name;
	/* Probe time: open files, find the wrapped port. */
	int (*open)(struct sim_port *p);
	/* dev_start / dev_stop. */
	int (*start)(struct sim_port *p);
	void (*stop)(struct sim_port *p);
	/* dev_close: release everything open() took. */
	void (*close)(struct sim_port *p);
	/* Put frames on the wire; returns how many it took (and now owns). */
	uint16_t (*tx)(struct sim_port *p, uint16_t qid,
		       struct rte_mbuf **pkts, uint16_t nb);
	/* Take up to @nb frames off the wire (called under p->rx_lock). */
	uint16_t (*rx)(struct sim_port *p, struct rte_mbuf **pkts, uint16_t nb);
	/* Carrier: is the other end there? */
	bool (*carrier)(const struct sim_port *p);
};

extern const struct sim_wire_ops sim_wire_ring_ops;
extern const struct sim_wire_ops sim_wire_pcap_ops;
extern const struct sim_wire_ops sim_wire_port_ops;

struct sim_port {
	TAILQ_ENTRY(sim_port) next;
	struct rte_eth_dev *dev;
	struct sim_port *peer;		/* ring wire: who receives our TX */
	struct sim_devargs da;
	const struct sim_wire_ops *wire;
	void *wire_priv;

	struct rte_ring *wire_ring;	/* ring wire: frames in flight to us */
	rte_spinlock_t rx_lock;		/* one ingress poller at a time */

	bool started;
	bool admin_up;
	bool lpbk;
	bool promisc, allmulti;
	uint16_t mtu;
	uint64_t rx_offloads, tx_offloads;
	uint64_t rss_hf;
	uint8_t rss_key[SIM_RSS_KEY_SIZE];
	uint16_t reta[SIM_RETA_SIZE];

	struct sim_sec *sec;		/* the inline IPsec engine */
	struct sim_reass *reass;	/* inline IP reassembly, once set */
	struct sim_tls *tls;		/* the TLS record engine (max_tls) */
	/* dpsec's TX mark and hw_id field, once registered (also without
	 * an engine: marked frames are then dropped, never sent as they
	 * are); the offset is stored before the mask is published. */
	uint64_t tls_tx_mask;
	int32_t tls_id_off;
	struct sim_rxq *rxq[SIM_MAX_QUEUES];
	struct sim_txq *txq[SIM_MAX_QUEUES];

	struct sim_fault_cfg faults;	/* current; see sim_fault_hit() */
	uint64_t rx_prng;		/* RX engine's fault stream */

	uint64_t xs[SIM_XS_MAX];	/* updated with atomics */
	uint64_t rx_nombuf;		/* atomic */
};

static inline void
sim_count(struct sim_port *p, enum sim_xstat_id id, uint64_t n)
{
	__atomic_fetch_add(&p->xs[id], n, __ATOMIC_RELAXED);
}

/* Does fault @f strike now? Draws from @stream only when it is enabled. */
static inline bool
sim_fault_hit(struct sim_port *p, uint64_t *stream, enum sim_fault f)
{
	uint64_t thr = __atomic_load_n(&p->faults.thr[f], __ATOMIC_RELAXED);

	return thr != 0 && (sim_prng_next(stream) >> 11) < thr;
}

/* sim_inline_ethdev.c */
bool sim_is_sim_port(const struct rte_eth_dev *dev);
bool sim_link_is_up(const struct sim_port *p);
void sim_link_refresh(struct sim_port *p);

/*
 * Bits of an mbuf's ol_flags that say how its buffer is attached (a clone,
 * an external buffer): they belong to the mbuf library, not to the NIC,
 * and decide how rte_pktmbuf_free() releases it. A NIC clears or sets the
 * offload bits only; a plain copy never inherits these.
 */
#define SIM_MBUF_F_BUF (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

/* sim_inline_rxtx.c */
/* L2 overhead before the L3 header: Ethernet plus any VLAN tags. */
uint32_t sim_l2_overhead(const struct rte_mbuf *m);
/*
 * The TX checksum offloads @w asks for (and the port enabled), in place:
 * w is private and its headers contiguous. @l4_proto: the IP protocol of
 * the L4 header at l2_len + l3_len (0: not checked). 0 or -EINVAL.
 */
int sim_tx_cksum_apply(struct sim_port *p, struct rte_mbuf *w,
		       uint8_t l4_proto);
uint16_t sim_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t nb);
uint16_t sim_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t nb);
/* NIC RX engine: consumes every frame (delivered to a queue or dropped). */
void sim_ingress(struct sim_port *p, struct rte_mbuf **pkts, uint16_t nb);
/* Discard what sits in the wire and RX rings (dev_stop). */
void sim_rx_flush(struct sim_port *p);
/* Free the frames TX queues hold back for fault_reorder (dev_stop). */
void sim_tx_flush_held(struct sim_port *p);
uint32_t sim_rss_hash(const struct sim_port *p, const struct rte_mbuf *m);

/*
 * sim_inline_reass.c: inline IP reassembly of the inner packets of
 * inline-protocol SAs with ip_reassembly_en (rte_eth_ip_reassembly_*).
 */
enum {
	SIM_REASS_MAX_FRAGS = 8,	/* capability max_frags */
	SIM_REASS_MAX_TIMEOUT_MS = 15000,	/* capability timeout_ms */
	SIM_REASS_CTX = 64,		/* datagrams in flight per port */
};

/* A set of fragments the NIC gives up on, in arrival order. */
struct sim_reass_set {
	struct rte_mbuf *m[SIM_REASS_MAX_FRAGS];
	uint64_t sn[SIM_REASS_MAX_FRAGS];	/* their ESP SNs */
	uint16_t n;
	uint16_t time_spent;		/* ms since the first fragment */
};

int sim_reass_capability_get(struct rte_eth_dev *dev,
			     struct rte_eth_ip_reassembly_params *capa);
int sim_reass_conf_get(struct rte_eth_dev *dev,
		       struct rte_eth_ip_reassembly_params *conf);
int sim_reass_conf_set(struct rte_eth_dev *dev,
		       const struct rte_eth_ip_reassembly_params *conf);
/* Is reassembly configured (conf_set with non-zero flags)? */
bool sim_reass_enabled(const struct sim_port *p);
/*
 * Offer a frame an SA with ip_reassembly_en has just decapsulated (linear,
 * one segment). Returns m when it is not a fragment the port reassembles,
 * NULL when m was taken (held, or now in *out), or a new mbuf holding the
 * reassembled packet (the fragments are freed). *sn is m's ESP SN; for a
 * reassembled packet it becomes the SN of the fragment at offset 0, whose
 * headers it carries. *out gets a set to deliver as incomplete, or n = 0.
 */
struct rte_mbuf *sim_reass_input(struct sim_port *p, const void *sa,
				 struct rte_mbuf *m, uint64_t *sn,
				 struct sim_reass_set *out);
/* Take out one set whose timeout passed; false when there is none. */
bool sim_reass_expired(struct sim_port *p, struct sim_reass_set *out);
/* Flag @m (delivered copy of an incomplete set's fragment) with the
 * incomplete dynflag; its dynfield links @next, @left fragments follow. */
void sim_reass_link(const struct sim_port *p, struct rte_mbuf *m,
		    struct rte_mbuf *next, uint16_t left, uint16_t time_spent);
/* Drop held fragments (of SA @sa, or all for NULL), counting them in
 * @why. */
void sim_reass_flush(struct sim_port *p, const void *sa, enum sim_xstat_id why);
void sim_reass_fini(struct sim_port *p);

#endif /* SIM_INLINE_H */
