/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_GW_H
#define DPSEC_GW_H

/*
 * dpsec-ipsec-gw: an IPsec gateway configured like DPDK's ipsec-secgw
 * (doc/ipsec_gw.md). main.c: options, EAL, ports, lcores, console and
 * shutdown; gw_cfg.c: the configuration file (lib/cfg's parser) turned
 * into SAs, SPDs, routes and next hops, all or nothing; gw_fwd.c: the
 * worker lcores' packet path.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mempool.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_spd.h"
#include "secgw_cfg.h"

enum {
	GW_MAX_PORTS = 32,		/* port ids 0..31 (32-bit port masks) */
	GW_MAX_RXQ = 16,		/* (port, queue) pairs per lcore */
	GW_BURST_MAX = 256,
	GW_MAX_SA = 4096,		/* SA lines */
	GW_MAX_SP = 8192,		/* SP lines, both directions */
	GW_MAX_RT = 4096,		/* rt lines */
};

/* The gateway's own drop reasons (dpsec's are counted by dpsec_reason). */
#define GW_DROPS(X) \
	X(NOT_IP,	"not-ip",	"not IPv4/IPv6 over Ethernet") \
	X(NO_ROUTE,	"no-route",	"no rt rule for the destination") \
	X(L2_NOMEM,	"l2-nomem",	"no headroom for the Ethernet header") \
	X(MTU,		"mtu",		"larger than the output port's MTU (not fragmented)") \
	X(FRAG,		"frag",		"fragment not reassembled (timeout, overlap, table full)") \
	X(TX_FULL,	"tx-full",	"the port's TX queue was full")

enum gw_drop {
#define GW_DROP_ENUM(n, s, t) GW_D_ ## n,
	GW_DROPS(GW_DROP_ENUM)
#undef GW_DROP_ENUM
	GW_D_MAX
};

/* Names: the gateway's reasons (short, and what they mean), dpsec's. */
extern const char *const gw_drop_name[GW_D_MAX];
extern const char *const gw_drop_text[GW_D_MAX];
extern const char *const gw_reason_name[DPSEC_R_MAX];

/* Per port, per lcore: written by one worker only. */
struct gw_port_stats {
	uint64_t rx, rx_bytes;
	uint64_t tx, tx_bytes;
	uint64_t inbound, outbound;	/* packets into each path */
	uint64_t frag_in;		/* fragments taken for reassembly */
	uint64_t reassembled;		/* packets made of them */
	uint64_t frag_merged;		/* fragments in those packets */
	uint64_t fragmented;		/* packets over the MTU fragmented */
	uint64_t frag_out;		/* fragments they made (TX port) */
	uint64_t drops[DPSEC_R_MAX];	/* by dpsec reason, on RX port */
	uint64_t gw_drops[GW_D_MAX];	/* by gateway reason, on RX port */
};

struct gw_lcore {
	unsigned int lcore_id;
	uint16_t txq;			/* this lcore's TX queue on each port */
	uint16_t rxp;			/* the port of the burst at work */
	uint16_t nb_rx;
	struct {
		uint16_t port, queue;
	} rx[GW_MAX_RXQ];
	struct rte_ip_frag_tbl *frag;	/* inbound ESP reassembly */
	struct rte_ip_frag_death_row dr;
	struct gw_port_stats st[GW_MAX_PORTS];
	struct rte_mbuf *txb[GW_MAX_PORTS][GW_BURST_MAX];
	uint16_t txn[GW_MAX_PORTS];
	uint32_t txmask;		/* ports with frames in txb */
	bool tx_stuck[GW_MAX_PORTS];	/* TX full past the retry time */
} __rte_cache_aligned;

struct gw_port {
	bool enabled;
	bool unprotected;		/* -u: ESP arrives here (inbound) */
	bool has_neigh;
	uint16_t nb_rxq, nb_txq;
	struct rte_ether_addr mac;	/* ours */
	struct rte_ether_addr dst;	/* next hop's (neigh), else broadcast */
	bool sec_rx, sec_tx;		/* security offloads enabled */
	uint16_t mtu;
};

struct gw {
	/* options */
	uint32_t portmask, unprotmask;
	const char *cfg_file;
	uint16_t burst;
	uint32_t tx_wait_us;		/* --tx-wait-us */
	uint32_t nb_mbufs;
	uint32_t replay_window;		/* -w: default for inbound SAs */
	bool esn_all;			/* -e */
	bool busy_poll;
	bool check_only;
	bool skip_bad_sa;		/* --skip-bad-sa */
	unsigned int stats_period;	/* console, seconds; 0 = off */
	unsigned int seconds;		/* run time; 0 = until signal */
	unsigned int idle_exit_ms;	/* 0 = off */
	const char *capture;		/* --capture FILE */
	uint32_t max_sa;
	uint32_t frag_tbl;		/* --reassemble: entries; 0: default */
	bool fragment;			/* --reassemble: fragment over MTU */
	/* state */
	struct gw_port port[GW_MAX_PORTS];
	struct gw_lcore *lc;		/* nb_lc workers */
	unsigned int nb_lc;
	struct rte_mempool *mp;
	struct rte_mempool *indir;	/* --reassemble: fragments' data */
	struct dpsec_ctx *ctx;
	struct dpsec_spd *spd_out, *spd_in;
	struct rte_lpm *lpm;
	struct rte_lpm6 *lpm6;
	/* the configuration, as loaded */
	struct cfg_sa *sas;
	unsigned int nb_sa;
	unsigned int nb_skipped;	/* SAs left out (--skip-bad-sa) */
	struct cfg_sp *sps;
	unsigned int nb_sp;
	struct cfg_rt *rts;
	unsigned int nb_rt;
	struct rte_flow **flows;	/* flow-direction rules, by SA */
	volatile bool quit;
	/* The configuration's tables (sas, sps) and their library objects
	 * change under this lock: the telemetry thread (gw_ctl.c) and the
	 * main lcore's console take it; workers only run bursts. */
	pthread_mutex_t lock;
	bool closing;			/* no more run-time changes */
};

extern struct gw gw;

/* A policy names its SA by SPI (else by reqid, or it has none). */
static inline bool
gw_sp_by_spi(const struct cfg_sp *p)
{
	return p->pol.action == DPSEC_POLICY_PROTECT && p->pol.reqid == 0;
}

/* main.c: a port's counters summed over the workers (control path) */
void gw_port_sum(uint16_t p, struct gw_port_stats *sum);
uint64_t gw_drops_of(const struct gw_port_stats *s);

/* gw_cfg.c */
/* The SA of that direction and SPI (a slot in use), or NULL. */
struct cfg_sa *gw_sa_find(enum dpsec_sa_dir dir, uint32_t spi,
			  unsigned int *idx);
/* Create one parsed SA (defaults of -e/-w applied, reqid bound); at is
 * "file:line" for messages. 0, or -1 with the reason in err. */
int gw_sa_create(struct cfg_sa *s, const char *at, char *err, size_t len);
/* Load gw.cfg_file and apply it (SAs, SPDs, routes, neighbours); on any
 * error nothing stays applied. Returns 0 or -1 (errors printed). */
int gw_cfg_apply(void);
/* Destroy what gw_cfg_apply() made (SAs' keys wiped). */
void gw_cfg_release(void);

/* gw_capture.c: --capture FILE, the dropped packets as pcapng. A
 * packet's code is its dpsec reason, or GW_CAP_GW + its gw_drop. */
enum {
	GW_CAP_GW = 0x100,
	GW_CAP_CODE_MASK = 0xfff,
	GW_CAP_IP = 0x1000,		/* data starts at IP (else Ethernet) */
	GW_CAP_PORT_SHIFT = 16,
};
int gw_capture_open(const char *path);
bool gw_capture_on(void);
void gw_capture_put(struct rte_mbuf *m, uint16_t port, unsigned int code,
		    bool is_ip);
void gw_capture_drain(void);
void gw_capture_close(void);

/* SA events (lifetimes, sequence numbers) as the library raised them:
 * counted by kind, the last GW_EV_LOG kept for the log and telemetry. */
enum { GW_EV_KINDS = DPSEC_EV_SEQ_EXHAUSTED + 1, GW_EV_LOG = 64 };

struct gw_event {
	uint32_t spi;
	uint8_t dir;			/* enum dpsec_sa_dir */
	uint8_t ev;			/* enum dpsec_event */
};

struct gw_events {
	uint64_t count[GW_EV_KINDS];
	uint64_t next;			/* events raised so far */
	struct gw_event log[GW_EV_LOG];	/* log[n % GW_EV_LOG] */
};

extern struct gw_events gw_events;
const char *gw_event_name(unsigned int ev);

/* gw_ctl.c: run-time control through DPDK telemetry (/dpsec_gw/...). */
int gw_ctl_init(void);

/* gw_fwd.c */
int gw_worker(void *arg);

#endif /* DPSEC_GW_H */
