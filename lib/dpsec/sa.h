/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_PRIV_SA_H
#define DPSEC_PRIV_SA_H

/*
 * Private state of contexts and SAs.
 *
 * Threading model (doc/programmers_guide.md): any lcore may run bursts on
 * any SA. Outbound sequence numbers are reserved a burst at a time with a
 * CAS on sa->seq, so no number is ever handed out twice and none past the
 * limit. Inbound, the replay check is read-only and lock-free; the window
 * update after ICV verification takes sa->replay_lock once per run of
 * consecutive packets of that SA in a burst (once per burst when the burst
 * is all one SA) and re-checks each number, so two lcores racing on a
 * duplicate deliver it once. SAs are freed only after an RCU grace period
 * (ctx->qsbr): every burst is an RCU read-side section (thread
 * online/offline).
 *
 * The SPD (spd.c) reads its rule sets and the reqid table under the same
 * ctx->qsbr but as thread id DPSEC_QSBR_SPD_ID(lcore): its section spans
 * calls to dpsec_sa_outbound(), whose own online/offline on the lcore id
 * would otherwise report a quiescent state in the middle of it.
 */

#include <assert.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>
#include <rte_spinlock.h>

#include "crypto.h"
#include "dpsec_sa.h"
#include "dpsec_tls.h"
#include "replay.h"

#define DPSEC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dpsec_logtype, "dpsec: " fmt "\n", \
		##__VA_ARGS__)

/* The same from the fast path: at most DPSEC_LOG_BURST lines a second
 * from one call site, so a misbehaving caller cannot flood the log. */
#define DPSEC_LOG_RL(level, fmt, ...) do { \
	static uint64_t rl_next_; \
	static uint32_t rl_n_; \
	if (log_ratelimit(&rl_next_, &rl_n_)) \
		DPSEC_LOG(level, fmt, ##__VA_ARGS__); \
	} while (0)

enum {
	DPSEC_MAX_BURST = 64,		/* bursts are processed in chunks */
	DPSEC_MAX_HDR = 40 + 8,		/* outer IPv6 + UDP */
	DPSEC_MAX_IV = 16,
	DPSEC_MAX_ICV = DPSEC_CRYPTO_ICV_MAX,	/* HMAC-SHA512-256: 32 */
	DPSEC_MAX_REPLAY_WINDOW = 1u << 20,
	DPSEC_QSBR_THREADS = 2 * RTE_MAX_LCORE,	/* lcore ids, then SPD ids */
	DPSEC_MAX_CTX = 64,		/* live contexts (ctx_reg[]) */
	DPSEC_LOG_BURST = 5,		/* DPSEC_LOG_RL lines per second */
};

/*
 * Handles (doc/programmers_guide.md, "Handles"). The `struct dpsec_sa *`
 * the API gives out and takes is never an SA's address: its value is the
 * SA's id, sa->uid, which is also the userdata of its NIC sessions:
 *
 *   bit 63      1 (a handle is never NULL and, on x86-64 and AArch64,
 *               not a canonical address: dereferencing one faults)
 *   bits 62..38 generation (25 bits, never 0), per ctx_reg[] index
 *   bits 37..32 index of the SA's context in ctx_reg[]
 *   bits 31..0  slot in ctx->slots[]
 *
 * sa_from_handle() turns a handle into the SA, or NULL when no live SA
 * has that id: a destroyed SA's slot (and memory) may hold a new SA, but
 * with another generation. Generations only repeat after 2^25 SAs have
 * been created at the same ctx_reg[] index. Code inside the library names
 * handles `h` (or *_h) and SA pointers `sa`; only sa_handle() and
 * sa_from_handle() convert between them.
 */
#define SA_ID_TAG	(UINT64_C(1) << 63)
#define SA_ID_GEN_SHIFT	38
#define SA_ID_GEN_MASK	((UINT32_C(1) << 25) - 1)
#define SA_ID_CTX_SHIFT	32
#define SA_ID_CTX_MASK	(DPSEC_MAX_CTX - 1u)
static_assert(sizeof(uintptr_t) == sizeof(uint64_t),
	      "SA handles carry a 64-bit id in a pointer");

/* Live contexts, process-wide (ctx.c). An entry keeps its last SA
 * generation when its context is freed, so the next context at that
 * index never re-issues an id a stale handle may still hold. */
struct ctx_reg_entry {
	struct dpsec_ctx *ctx;		/* NULL: free; atomic */
	uint32_t sa_gen;		/* last generation of the index */
};
extern struct ctx_reg_entry ctx_reg[DPSEC_MAX_CTX];
extern uint32_t ctx_reg_hwm;		/* entries ever used: scan bound */

/* RCU thread id of the SPD bursts of an lcore (see the threading model). */
#define DPSEC_QSBR_SPD_ID(lcore) (RTE_MAX_LCORE + (lcore))

/* Inbound SAD key: one table, three key shapes (sa->sad_key). */
struct sad_key {
	uint32_t spi;			/* network order */
	uint8_t kind;			/* enum dpsec_sad_key */
	uint8_t family;
	uint8_t pad[2];
	uint8_t dst[16];
	uint8_t src[16];
};

/* A port attached to a context (offload.c). */
struct dpsec_port {
	bool attached;
	bool has_xs_table_full;
	bool rx_sn;			/* NIC fills DPSEC_MBUF_DYNFIELD_ESP_SN */
	bool events_cb;			/* RECOVERY_SUCCESS, IPSEC callbacks */
	struct rte_security_ctx *sec;	/* NULL: no inline crypto */
	struct rte_mempool *sess_mp;
	uint64_t xs_table_full;		/* xstat id, if the NIC has one */
};

/*
 * A NIC session of an SA that was destroyed, kept for a grace period
 * before rte_security_session_destroy() (offload.c): frames dpsec marked
 * for it may still be on their way to the NIC (the application's
 * tx_burst after dpsec_sa_outbound(), the NIC's TX queue), and the NIC's
 * RX engine may still be using it on the lcore that polls it.
 */
struct dpsec_drv_tls_ops;

/* A NIC object waiting out its grace: an rte_security session, or (tls_ops
 * set) a TLS TX context of the driver's table. */
struct sess_grave {
	TAILQ_ENTRY(sess_grave) next;
	struct rte_security_ctx *sec;
	void *sess;
	const struct dpsec_drv_tls_ops *tls_ops;
	uint64_t *tls_del;		/* the port's tx_tls_del, counted then */
	uint32_t hw_id;
	uint64_t due;			/* TSC: destroy from then on */
	uint16_t port;
};

struct dpsec_ctx {
	char name[32];
	int socket_id;
	uint32_t max_sa;
	enum dpsec_backend backend;
	struct rte_hash *sad;
	uint32_t nb_sad_kind[3];	/* SAs per key shape: skip empty */
	uint32_t nb_sa;
	/* SA ids for NIC metadata: slots[id & 0xffffffff] is the SA whose
	 * uid is id; the high half is a generation, so a stale id in a
	 * recycled mbuf names no SA (esp_inb.c). */
	struct dpsec_sa **slots;	/* [max_sa] */
	uint32_t slot_gen;		/* last SA generation given out */
	uint32_t reg_idx;		/* in ctx_reg[] */
	uint32_t nb_proto_in;		/* inbound SAs with a protocol session */
	uint32_t nb_natt_in;		/* inbound NAT-T SAs */
	struct rte_rcu_qsbr *qsbr;	/* DPSEC_QSBR_THREADS thread ids */
	struct rte_hash *reqids;	/* reqid -> outbound SA (spd.c) */
	dpsec_event_cb event_cb;
	void *event_arg;
	rte_spinlock_t ctl_lock;	/* control path */
	TAILQ_HEAD(, dpsec_sa) sas;	/* every SA, for dpsec_free() */
	struct dpsec_port ports[RTE_MAX_ETHPORTS];
	struct dpsec_crypto_engine *engine[RTE_MAX_LCORE];
	/* Counter slot of each lcore (sa->cnt[]): 0..nb_lc-1 for the EAL
	 * lcores the context serves, nb_lc (shared, atomic) for others. */
	uint16_t lc_slot[RTE_MAX_LCORE];
	uint16_t nb_lc;
	TAILQ_ENTRY(dpsec_ctx) list;	/* every context (telemetry.c) */
	bool listed;			/* ... under its mutex */
	/* TLS record contexts (tls.c), under ctl_lock. */
	TAILQ_HEAD(, dpsec_tls) tlss;
	uint32_t nb_tls;
	dpsec_tls_event_cb tls_event_cb;
	void *tls_event_arg;
	/* Sessions waiting out their grace (offload.c), under grave_lock. */
	rte_spinlock_t grave_lock;
	TAILQ_HEAD(, sess_grave) graves;
	uint32_t nb_graves;
	bool grave_alarm;		/* rte_eal_alarm set to reap them */
	/* Per-port TLS counters (dpsec_tls_port_stats_get), atomics. */
	struct dpsec_tls_port_stats tls_port[RTE_MAX_ETHPORTS];
};

/*
 * An SA's counters on one lcore (doc/programmers_guide.md, "Counters"):
 * each lcore the context serves writes its own slot with plain stores
 * (one writer), so counting costs no atomic and no cache line that other
 * lcores write; readers sum the slots. A slot is cache aligned: two
 * lcores never write the same line.
 */
struct sa_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t drops[DPSEC_R_MAX];
} __rte_cache_aligned;

struct dpsec_sa;

/*
 * An outbound SA's burst function (esp_outb.c), one per [placement][mode],
 * published in sa->outb by sa_placement_set(): @n packets, their sequence
 * numbers first.. reserved; returns how many went on, reason[] set for
 * each, the inner bytes of the good ones added to *bytes.
 */
typedef uint16_t (*sa_outb_fn)(struct dpsec_sa *sa,
			       struct dpsec_crypto_engine *eng,
			       struct rte_mbuf *pkts[], uint16_t n,
			       uint8_t reason[], uint64_t first,
			       uint64_t *bytes);

/*
 * An SA, laid out by temperature (as rte_ipsec_sa, VPP's runtime SA):
 * first what every packet reads, then the outbound sequence number alone
 * on its cache line (lcores CAS it), then what bursts write only when an
 * SA has volume lifetimes, then the cold control state, then the replay
 * window (variable size, last). The static asserts below keep it so.
 * The crypto key and the per-lcore counters follow in the same
 * allocation (dpsec_sa_create()).
 */
struct dpsec_sa {
	/* Hot: read by every packet. */
	struct dpsec_ctx *ctx;
	struct dpsec_crypto_key *key;
	sa_outb_fn outb;		/* outbound; atomic (sa_placement_set) */
	struct sa_counters *cnt;	/* [ctx->nb_lc + 1] */
	struct rte_security_ctx *sec;	/* NIC placement */
	void *sess;
	uint32_t spi_be;
	uint32_t flags;			/* DPSEC_SA_F_* */
	uint32_t state;			/* enum dpsec_sa_state, atomic */
	uint8_t dir;			/* enum dpsec_sa_dir */
	uint8_t mode;			/* enum dpsec_sa_mode */
	uint8_t aead;			/* GCM / ChaCha20-Poly1305 */
	uint8_t iv_len;			/* on the wire */
	uint8_t icv_len;
	uint8_t pad_align;		/* ESP payload alignment */
	uint8_t outer_family;		/* tunnel: 4 or 6 */
	uint8_t ttl;
	uint16_t hdr_len;		/* outer IP (+UDP) template length */
	uint16_t port_id;		/* conf.port_id */
	uint16_t natt_sport;		/* conf.natt_sport */
	uint16_t natt_dport;		/* conf.natt_dport */
	uint8_t salt[4];
	uint8_t hdr[DPSEC_MAX_HDR];	/* tunnel outer header template */
	uint32_t hdr_sum;		/* IPv4: ipv4_cksum_base(hdr) */
	uint64_t seq_max;		/* last usable outbound SN */
	/* Outbound inline protocol: the last SN software may use itself
	 * (atomic; UINT64_MAX: no limit). Set when a NIC session takes the
	 * numbers above it (offload.c, seq_nic_start()); a software chunk
	 * that reserved above it waits for the NIC path instead. */
	uint64_t sw_ceiling;
	/* Lifetimes in seconds as TSC deadlines: the earlier one,
	 * UINT64_MAX when there is none (sa_time_check). */
	uint64_t time_first;
	uint64_t uid;			/* session userdata (slots) */
	enum dpsec_placement placement;	/* atomic (sa_placement_set) */
	uint8_t dst_family;		/* conf.dst.family */
	bool vol_limits;		/* has a packet or byte lifetime */
	bool sess_md;			/* security dynfield usable */
	bool proto;			/* sess is inline protocol */
	/* Sticky until the SA is destroyed, for packets a NIC processed
	 * with an earlier session (a move or a re-push since). */
	bool proto_seen;		/* has had an inline-protocol session */
	bool nic_ok;			/* has had a session on conf.port_id */

	/* Written by every outbound burst, alone on its line. */
	alignas(RTE_CACHE_LINE_SIZE) uint64_t seq; /* last SN handed out */

	/* Volume lifetimes (vol_limits): totals over all lcores, to see
	 * the limits crossed; events raised. */
	alignas(RTE_CACHE_LINE_SIZE) uint64_t life_packets; /* atomic */
	uint64_t life_bytes;		/* atomic */
	uint64_t hard_bytes, soft_bytes, soft_packets, hard_packets;
	uint32_t events_sent;		/* bit per enum dpsec_event */

	/* Cold: control path. */
	alignas(RTE_CACHE_LINE_SIZE) struct dpsec_sa_conf conf;
					/* keys pointers cleared */
	bool seq_max_is_hard;		/* ... set by hard.packets */
	bool keys_kept;			/* nic_key/nic_akey hold the keys */
	bool resync, resync_back;	/* dpsec_port_resync() scratch */
	enum dpsec_place_reason place_reason;
	enum dpsec_place_reason nic_reason;	/* place_reason on the NIC */
	struct rte_flow *flow;		/* inbound rule */
	uint32_t slot;
	int32_t sad_pos;		/* rte_hash position, inbound */
	struct sad_key sad_key;
	uint8_t nic_key[36];		/* cipher key + salt, for sessions */
	uint8_t nic_akey[64];		/* HMAC key */
	TAILQ_ENTRY(dpsec_sa) next;
	uint64_t created_tsc;
	uint64_t soft_tsc, hard_tsc;	/* 0: none */

	/* Inbound replay window, last: its bitmap follows. */
	alignas(RTE_CACHE_LINE_SIZE) rte_spinlock_t replay_lock;
	struct dpsec_replay replay;
};

/* The hot part: at most three cache lines, all before seq. */
#define SA_HOT(f) (offsetof(struct dpsec_sa, f) + \
		   sizeof(((struct dpsec_sa *)0)->f) <= \
		   offsetof(struct dpsec_sa, seq))
static_assert(SA_HOT(ctx) && SA_HOT(key) && SA_HOT(outb) && SA_HOT(cnt) &&
	      SA_HOT(sec) && SA_HOT(sess) && SA_HOT(spi_be) &&
	      SA_HOT(flags) && SA_HOT(state) && SA_HOT(icv_len) &&
	      SA_HOT(hdr_len) && SA_HOT(port_id) && SA_HOT(natt_dport) &&
	      SA_HOT(salt) && SA_HOT(hdr) && SA_HOT(hdr_sum) && SA_HOT(seq_max) && SA_HOT(sw_ceiling) &&
	      SA_HOT(time_first) && SA_HOT(uid) && SA_HOT(placement) &&
	      SA_HOT(nic_ok), "a hot SA field after seq");
static_assert(offsetof(struct dpsec_sa, seq) <= 3 * RTE_CACHE_LINE_SIZE,
	      "the hot part of an SA grew past three cache lines");
/* seq alone on its line: nothing lcores only read shares it. */
static_assert(offsetof(struct dpsec_sa, seq) % RTE_CACHE_LINE_SIZE == 0 &&
	      offsetof(struct dpsec_sa, life_packets) ==
	      offsetof(struct dpsec_sa, seq) + RTE_CACHE_LINE_SIZE,
	      "seq does not have its cache line to itself");
static_assert(offsetof(struct dpsec_sa, events_sent) <
	      offsetof(struct dpsec_sa, life_packets) + RTE_CACHE_LINE_SIZE,
	      "the volume lifetime line overflowed");
static_assert(offsetof(struct dpsec_sa, conf) % RTE_CACHE_LINE_SIZE == 0 &&
	      offsetof(struct dpsec_sa, created_tsc) <
	      offsetof(struct dpsec_sa, replay_lock) &&
	      offsetof(struct dpsec_sa, replay) + sizeof(struct dpsec_replay) >=
	      sizeof(struct dpsec_sa) - RTE_CACHE_LINE_SIZE,
	      "cold fields before the replay window, the window last");
#undef SA_HOT

/* esp_outb.c */
void sa_placement_set(struct dpsec_sa *sa, enum dpsec_placement p);

/* Software may use every number again (the NIC does not take over). */
static inline void
sa_ceiling_lift(struct dpsec_sa *sa)
{
	__atomic_store_n(&sa->sw_ceiling, UINT64_MAX, __ATOMIC_SEQ_CST);
}
/* The crypto layer's algorithm of a public one (crypto_algos.h has the
 * rest of its facts); DPSEC_CRYPTO_CIPHER_MAX / _AUTH_MAX if unknown. */
enum dpsec_crypto_cipher sa_cipher_alg(enum dpsec_cipher c);
enum dpsec_crypto_auth sa_auth_alg(enum dpsec_auth a);

/* offload.c */
int offload_place(struct dpsec_ctx *ctx, struct dpsec_sa *sa);
void offload_unplace(struct dpsec_sa *sa);
/* Destroy the sessions whose grace is over (all: every one of @port, or
 * of every port if @port is RTE_MAX_ETHPORTS; no lcore may use them
 * then). Returns how many. */
unsigned int offload_graves_reap(struct dpsec_ctx *ctx, bool all,
				 uint16_t port);
/* At dpsec_free(): the reaping alarm cancelled, every session destroyed. */
void offload_graves_fini(struct dpsec_ctx *ctx);
void offload_grave_tls(struct dpsec_ctx *ctx,
		       const struct dpsec_drv_tls_ops *ops, uint16_t port,
		       uint32_t hw_id, uint64_t *del_count);
void offload_ports_free(struct dpsec_ctx *ctx);
void offload_events_off(struct dpsec_ctx *ctx);

/* sa.c */
void sa_destroy_all(struct dpsec_ctx *ctx);
bool sa_raise(struct dpsec_sa *sa, enum dpsec_event ev);
void sa_account(struct dpsec_sa *sa, uint32_t slot, uint64_t packets,
		uint64_t bytes);
unsigned int sa_expire_time(struct dpsec_sa *sa, uint64_t now);

bool log_ratelimit(uint64_t *next, uint32_t *n);
int sa_resolve(struct dpsec_ctx *ctx, const struct dpsec_sa *h,
	       const char *fn, struct dpsec_sa **sap);
int sa_resolve_lock(struct dpsec_ctx *ctx, const struct dpsec_sa *h,
		    const char *fn, struct dpsec_sa **sap);
void sa_info_read(const struct dpsec_sa *sa, struct dpsec_sa_info *info);
void sa_stats_read(const struct dpsec_sa *sa, struct dpsec_sa_stats *st);

/* ctx.c */
bool ctx_ok(const struct dpsec_ctx *ctx, const char *fn);

/* telemetry.c: the global list of contexts, by name. */
int ctx_list_add(struct dpsec_ctx *ctx);
void ctx_list_del(struct dpsec_ctx *ctx);

/*
 * Lifetimes in seconds, checked once per burst (per run of one SA's
 * packets inbound): one TSC read, and only for SAs that have one.
 */
static inline void
sa_time_check(struct dpsec_sa *sa)
{
	uint64_t now;

	if (likely(sa->time_first == UINT64_MAX))
		return;
	now = rte_get_tsc_cycles();
	if (unlikely(now >= sa->time_first))
		sa_expire_time(sa, now);
}

/* The SA whose uid (NIC session userdata) is @uid, or NULL. */
static inline struct dpsec_sa *
sa_of_uid(struct dpsec_ctx *ctx, uint64_t uid)
{
	struct dpsec_sa *sa;

	if ((uint32_t)uid >= ctx->max_sa)
		return NULL;
	sa = __atomic_load_n(&ctx->slots[(uint32_t)uid], __ATOMIC_ACQUIRE);
	return sa != NULL && sa->uid == uid ? sa : NULL;
}

/* The handle of @sa: what the API gives out for it. */
static inline struct dpsec_sa *
sa_handle(const struct dpsec_sa *sa)
{
	return (struct dpsec_sa *)(uintptr_t)sa->uid;
}

/* The live context an SA handle's id points into, or NULL. */
static inline struct dpsec_ctx *
ctx_of_handle(const struct dpsec_sa *h)
{
	uint64_t id = (uintptr_t)h;

	if (unlikely(!(id & SA_ID_TAG)))
		return NULL;
	return __atomic_load_n(&ctx_reg[(id >> SA_ID_CTX_SHIFT) &
					SA_ID_CTX_MASK].ctx, __ATOMIC_ACQUIRE);
}

/*
 * The SA handle @h names, or NULL (NULL, malformed or stale handle). The
 * SA stays valid as long as the caller holds its context's ctl_lock or
 * is online in its context's qsbr (dpsec_sa_destroy() empties the slot
 * under the lock, then waits for a grace period before freeing).
 */
static inline struct dpsec_sa *
sa_from_handle(const struct dpsec_sa *h)
{
	struct dpsec_ctx *ctx = ctx_of_handle(h);

	return ctx != NULL ? sa_of_uid(ctx, (uintptr_t)h) : NULL;
}

/* @ctx is a context dpsec_create() returned and dpsec_free() has not
 * freed: one pointer compare per live context (usually one or two),
 * without reading *ctx. */
static inline bool
ctx_live(const struct dpsec_ctx *ctx)
{
	uint32_t i, n = __atomic_load_n(&ctx_reg_hwm, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (__atomic_load_n(&ctx_reg[i].ctx, __ATOMIC_RELAXED) == ctx)
			return ctx != NULL;
	return false;
}

static inline struct dpsec_crypto_engine *
ctx_engine(struct dpsec_ctx *ctx)
{
	unsigned int id = rte_lcore_id();

	return id < RTE_MAX_LCORE ? ctx->engine[id] : NULL;
}

/* The counter slot (sa->cnt[]) of the calling lcore in @ctx. */
static inline uint32_t
ctx_lc_slot(const struct dpsec_ctx *ctx)
{
	unsigned int id = rte_lcore_id();

	return id < RTE_MAX_LCORE ? ctx->lc_slot[id] : ctx->nb_lc;
}

/* Add @v to counter @c of slot @slot: a plain read-modify-write by the
 * slot's only writer (relaxed atomics, so readers see no torn value),
 * an atomic add in the shared slot. */
static inline void
sa_cnt_add(const struct dpsec_sa *sa, uint32_t slot, uint64_t *c, uint64_t v)
{
	if (likely(slot != sa->ctx->nb_lc))
		__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
				 __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

/* Count @n drops for reason @r, by the lcore of slot @slot. */
static inline void
sa_count_drops(struct dpsec_sa *sa, uint32_t slot, enum dpsec_reason r,
	       uint64_t n)
{
	sa_cnt_add(sa, slot, &sa->cnt[slot].drops[r], n);
}

/* Move failed packets behind the good ones, keeping each group's order. */
static inline uint16_t
compact_bad(struct rte_mbuf *pkts[], const uint8_t reason[], uint16_t nb,
	    struct rte_mbuf *scratch[])
{
	uint16_t i, g = 0, b = 0;

	for (i = 0; i < nb; i++) {
		if (reason[i] == DPSEC_R_NONE) {
			pkts[g++] = pkts[i];
		} else {
			dpsec_mbuf_set_reason(pkts[i], (enum dpsec_reason)reason[i]);
			scratch[b++] = pkts[i];
		}
	}
	for (i = 0; i < b; i++)
		pkts[g + i] = scratch[i];
	return g;
}

#endif /* DPSEC_PRIV_SA_H */
