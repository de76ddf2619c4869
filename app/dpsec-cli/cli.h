/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_CLI_H
#define DPSEC_CLI_H

/*
 * dpsec-cli: a testpmd-style interactive CLI for dpsec security sessions
 * (doc/cli.md). cli_cmds.c holds the state and the commands (SA, SP, rt
 * and neigh lines are parsed by lib/cfg/secgw_cfg.h, shared with the
 * gateway), cli_tls.c the TLS contexts, cli_fwd.c the forwarding lcore,
 * cli_capture.c the pcapng capture, main.c EAL, the options and the
 * terminal loop.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>

#include "dpsec.h"
#include "dpsec_sa.h"
#include "dpsec_spd.h"
#include "dpsec_tls.h"
#include "secgw_cfg.h"

enum {
	CLI_MAX_SA = 1024,		/* SAs the CLI keeps (both directions) */
	CLI_MAX_SP = 1024,		/* policies per direction */
	CLI_MAX_ARGS = 256,		/* words on one command line */
	CLI_MAX_PORTS = RTE_MAX_ETHPORTS,
	CLI_BURST_MAX = 512,
	CLI_PKT_MIN = 64,		/* txpkts length, IPv4 + UDP + tag */
	CLI_PKT_MAX = 1500,
};

/* cli_cmds.c */
int cli_init(const char *backend, uint32_t max_sa);
void cli_cleanup(void);
/* Back to the state right after cli_init(): no SA, policy, TLS context,
 * capture or fault, default settings, counters 0, ports started again
 * (the fuzz harness runs each input from there). The dpsec context stays
 * (its SAs, SPDs and TLS contexts destroyed one by one); made again only
 * if that fails. 0 or -1. */
int cli_reset(void);
/* Mbufs of the CLI's pool not in it (0 when nothing is in flight). */
unsigned int cli_mbufs_out(void);
/* Run one command line; 0 if it succeeded, -1 if not (error printed). */
int cli_exec(const char *line);
/* Failed commands so far. */
extern unsigned int cli_failures;
/* Set by "quit". */
extern volatile bool cli_quit;
struct cmdline;
struct cmdline *cli_cmdline_new(int fd_in, int fd_out, const char *prompt);
/* rdline's completion: cmdline_complete() on cli_cl, knowing the line. */
int cli_complete(const char *buf, int *state, char *dst, unsigned int size);
extern struct cmdline *cli_cl;

/* cli_tls.c: TLS record contexts (create, show, destroy). */
enum { CLI_MAX_TLS = 256, CLI_TLS_OOO = 16 };
struct cli_tls {
	bool used;
	uint32_t id;
	struct dpsec_tls *tls;
	/* The connection, for tls forwarding (cli_tls_fwd.c). */
	bool rx;			/* read context */
	struct dpsec_addr local, remote;
	uint16_t lport, rport, port_id;
	uint32_t nxt;			/* write: next TCP seq to send;
					 * read: next expected */
	uint16_t nb_ooo;		/* read: segments held back */
	struct rte_mbuf *ooo[CLI_TLS_OOO];
};
extern struct cli_tls cli_tlss[CLI_MAX_TLS];
int cli_tls_add(struct cfg_args *a);
int cli_tls_del(struct cfg_args *a);
int cli_tls_keyupdate(struct cfg_args *a);
int cli_tls_resync(struct cfg_args *a);
int cli_tls_show(struct cfg_args *a);
int cli_tls_stats(struct cfg_args *a);
void cli_tls_cleanup(void);
/* For completion: tls add's keywords; the names a keyword takes, space
 * separated in @buf (false: not such a keyword). */
extern const char cli_tls_keywords[];
bool cli_tls_values(const char *kw, char *buf, size_t len);
/* The ids of the TLS contexts (for completion); how many. */
unsigned int cli_tls_ids(uint32_t *ids, unsigned int max);
extern const char *const cli_placement_name[];
const char *cli_place_reason_name(enum dpsec_place_reason r);
/* DPSEC_R_ name without the prefix ("SPD_DISCARD"). */
const char *cli_reason_name(enum dpsec_reason r);

/* cli_fwd.c */
enum cli_fwd_mode { CLI_FWD_IO, CLI_FWD_IPSEC, CLI_FWD_TLS };

struct cli_port_fwd {
	uint64_t rx, tx, injected, drained, tx_refused, not_ip;
	uint64_t tls_records, tls_bad;	/* tls: records delivered, wrong */
	uint64_t drops[DPSEC_R_MAX];
};

struct cli_fwd {
	enum cli_fwd_mode mode;
	uint16_t burst;
	uint16_t pkt_len;
	uint32_t src, dst;		/* txpkts addresses, network order */
	int txport;			/* -1: all */
	volatile bool running;
	unsigned int lcore;
	struct cli_port_fwd st[CLI_MAX_PORTS];
	struct rte_mempool *mp;
	struct dpsec_ctx *ctx;
	struct dpsec_spd *spd_out, *spd_in;
};

extern struct cli_fwd cli_fwd;
extern const char *const cli_fwd_mode_name[];
/* Ports started by the CLI (port start/stop keep it). */
extern bool cli_port_up[CLI_MAX_PORTS];
int cli_fwd_start(unsigned int tx_bursts, bool tx_first);
int cli_fwd_stop(void);
uint16_t cli_fwd_peer(uint16_t port);
/* Send Ethernet frames on port (captured, counted as tx or refused). */
void cli_fwd_tx(uint16_t port, struct rte_mbuf *pkts[], uint16_t n);
/* Count and free pkts[0..n) of port with the reason in each mbuf. */
void cli_fwd_drop(uint16_t port, bool inbound, struct rte_mbuf *pkts[],
		  uint16_t n);

/*
 * cli_tls_fwd.c: "set fwd tls", a TLS echo over the CLI's contexts. Each
 * write context sends records of test data on its port; a read context
 * receives its connection's segments (in TCP order: out-of-order ones are
 * held back, up to CLI_TLS_OOO), dpsec_tls_rx() returns the records, the
 * data is checked and sent back by the write context of the same local
 * and remote endpoints, and the sending context is acknowledged.
 */
int cli_tls_fwd_inject(uint16_t port, unsigned int bursts);
/* Frames received on port; echo: false at stop (drain: deliver only). */
void cli_tls_fwd_rx(uint16_t port, struct rte_mbuf *pkts[], uint16_t n,
		    bool echo);
/* At stop, after the drain: segments still held back wait for one that
 * never came (lost): dropped as TLS_OOO. */
void cli_tls_fwd_flush(void);
/* Free what a context holds back (delete, quit). Returns how many. */
unsigned int cli_tls_fwd_forget(struct cli_tls *t);

/*
 * cli_capture.c: pcapng of what the forwarding loop sends and drops
 * (rte_pcapng; drops carry their reason as a comment).
 */
enum { CLI_CAP_FWD = 1, CLI_CAP_DROPS = 2 };
struct cli_capture_result {
	uint64_t fwd, drops, lost, bytes;
	char file[256];
};
int cli_capture_start(const char *file, unsigned int what, char *err,
		      size_t err_len);
int cli_capture_stop(struct cli_capture_result *res);
bool cli_capture_running(void);
/* The forwarding lcore reads the capture under RCU (rte_rcu_qsbr). */
int cli_capture_reader_init(void);
void cli_capture_reader_online(unsigned int lcore);
void cli_capture_reader_quiescent(unsigned int lcore);
void cli_capture_reader_offline(unsigned int lcore);
/* Frames about to be sent on port: copied before rte_eth_tx_burst(),
 * written after it as sent (forwarded) or refused (dropped). */
struct cli_cap_tx {
	struct cli_capture *c;
	uint16_t port, n;
	struct rte_mbuf *mc[CLI_BURST_MAX];
};
void cli_capture_tx_prep(struct cli_cap_tx *t, uint16_t port,
			 struct rte_mbuf *const pkts[], uint16_t n);
void cli_capture_tx_done(struct cli_cap_tx *t, uint16_t sent);
/* Packets dropped on port, before they are freed; why NULL: their dpsec
 * reason; has_l2: they still carry their Ethernet header. */
void cli_capture_drops(uint16_t port, struct rte_mbuf *pkts[], uint16_t n,
		       bool inbound, bool has_l2, const char *why);

#endif /* DPSEC_CLI_H */
