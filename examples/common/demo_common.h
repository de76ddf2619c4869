/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DEMO_COMMON_H
#define DEMO_COMMON_H

/*
 * What dpsec's examples share: EAL started without hugepages or PCI in a
 * private runtime directory (removed again at exit), sim_inline ports
 * started with one queue pair, the pool check at exit, number parsing and
 * Ctrl-C.
 */

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/** An EAL started by demo_eal_init(). */
struct demo_eal {
	char prefix[64];		/**< our --file-prefix */
	char runtime_dir[PATH_MAX];	/**< EAL's, to remove at exit */
	char **argv;			/**< what rte_eal_init() got */
	int app_argc;			/**< application arguments ... */
	char **app_argv;		/**< ... [0] is the program name */
};

/** Set by SIGINT/SIGTERM once demo_signals_init() ran. */
extern volatile sig_atomic_t demo_quit;

/*
 * Start EAL with "--no-huge --no-pci -m 512 --file-prefix <name>-<pid>"
 * and one "--vdev" per entry of vdevs, then the user's arguments (which
 * come later and so override ours). On success de->app_argv holds what
 * followed "--". Returns 0 or -1 (message printed).
 */
int demo_eal_init(struct demo_eal *de, const char *name, int argc,
		  char **argv, char *vdevs[], unsigned int nb_vdevs);

/* rte_eal_cleanup() and removal of our own runtime directory. */
void demo_eal_cleanup(struct demo_eal *de);

/* Remove EAL's @runtime_dir (rte_eal_get_runtime_dir(), copied before
 * rte_eal_cleanup()) if it is our own @prefix's, else nothing. */
void demo_rundir_remove(const char *runtime_dir, const char *prefix);

/*
 * Configure and start a net_sim_inline port with one RX and one TX queue
 * (RX into mp) and the given offloads. Returns 0 or a negative errno.
 */
int demo_port_start(uint16_t port, struct rte_mempool *mp,
		    uint64_t rx_offloads, uint64_t tx_offloads);

/* Has the process a net_memif port? (Before the ports are closed.) */
bool demo_has_memif(void);

/*
 * At the end, the ports closed and the pools checked: rte_eal_cleanup(),
 * unless @memif (demo_has_memif()). DPDK 22.11's memif can leave EAL's
 * interrupt thread an interrupt source whose handle is in EAL memory when
 * a close races the peer's disconnect message;
 * rte_eal_cleanup() unmaps that memory under the thread, which crashes in
 * rte_intr_fd_get() on its next event (core dumps: main thread in
 * rte_mem_unmap(), the interrupt thread in rte_intr_fd_get()). Seen in
 * the demo's gateways at exit in 2 runs of 5 on a quiet machine and in
 * nearly every run beside a soak, also after waiting for two EAL alarms
 * to run on that thread. A process with memif ports exits without it:
 * nothing of it is left but the address space exit() takes back.
 */
void demo_eal_exit(bool memif);

/*
 * True when every mbuf of @mp is back (NULL: nothing to check); else
 * "error: N of M @what not returned to pool NAME" on stderr. For the
 * clean exit, after the ports are closed: a program that leaked mbufs
 * exits non-zero.
 */
bool demo_pool_back(const struct rte_mempool *mp, const char *what);

/* Parse a decimal in [min, max]. Returns 0 or -1. */
int demo_parse_ulong(const char *s, unsigned long min, unsigned long max,
		     unsigned long *out);

/* SIGINT and SIGTERM set demo_quit. */
void demo_signals_init(void);

#endif /* DEMO_COMMON_H */
