/* SPDX-License-Identifier: BSD-3-Clause */
#include "demo_common.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

enum { NB_RXD = 1024, NB_TXD = 1024 };

volatile sig_atomic_t demo_quit;

static void
on_signal(int sig)
{
	(void)sig;
	demo_quit = 1;
}

void
demo_signals_init(void)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

int
demo_eal_init(struct demo_eal *de, const char *name, int argc, char **argv,
	      char *vdevs[], unsigned int nb_vdevs)
{
	static char *const fixed[] = {
		"--no-huge", "--no-pci", "-m", "512", "--file-prefix",
	};
	int nb = (int)RTE_DIM(fixed) + 1 + 2 * (int)nb_vdevs;
	int i, k = 0, ret;

	memset(de, 0, sizeof(*de));
	snprintf(de->prefix, sizeof(de->prefix), "%s-%ld", name,
		 (long)getpid());
	de->argv = calloc((size_t)argc + (size_t)nb + 1, sizeof(*de->argv));
	if (de->argv == NULL)
		return -1;
	de->argv[k++] = argv[0];
	for (i = 0; i < (int)RTE_DIM(fixed); i++)
		de->argv[k++] = fixed[i];
	de->argv[k++] = de->prefix;
	for (i = 0; i < (int)nb_vdevs; i++) {
		de->argv[k++] = "--vdev";
		de->argv[k++] = vdevs[i];
	}
	for (i = 1; i < argc; i++)
		de->argv[k++] = argv[i];

	ret = rte_eal_init(k, de->argv);
	if (ret < 0) {
		fprintf(stderr, "error: cannot initialise EAL: %s\n",
			rte_strerror(rte_errno));
		free(de->argv);
		de->argv = NULL;
		return -1;
	}
	snprintf(de->runtime_dir, sizeof(de->runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	/* rte_eal_init() leaves the program name at argv[ret]. */
	de->app_argc = k - ret;
	de->app_argv = de->argv + ret;
	de->app_argv[0] = argv[0];
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
demo_rundir_remove(const char *runtime_dir, const char *prefix)
{
	const char *base = strrchr(runtime_dir, '/');

	/* EAL leaves /var/run/dpdk/<prefix> behind: remove it, but only
	 * when it is our per-process one, not one the user chose. */
	if (base != NULL && strcmp(base + 1, prefix) == 0)
		nftw(runtime_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

void
demo_eal_cleanup(struct demo_eal *de)
{
	rte_eal_cleanup();
	demo_rundir_remove(de->runtime_dir, de->prefix);
	free(de->argv);
	de->argv = NULL;
}

int
demo_port_start(uint16_t port, struct rte_mempool *mp, uint64_t rx_offloads,
		uint64_t tx_offloads)
{
	struct rte_eth_conf conf = {
		.rxmode.offloads = rx_offloads,
		.txmode.offloads = tx_offloads,
	};
	struct rte_eth_dev_info info;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (strcmp(info.driver_name, "net_sim_inline") != 0) {
		fprintf(stderr, "port %u is %s, not net_sim_inline\n",
			port, info.driver_name);
		return -EINVAL;
	}
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, NB_RXD,
				rte_eth_dev_socket_id(port), NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, NB_TXD,
				rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

bool
demo_has_memif(void)
{
	uint16_t p;

	RTE_ETH_FOREACH_DEV(p) {
		struct rte_eth_dev_info di;

		if (rte_eth_dev_info_get(p, &di) == 0 &&
		    strcmp(di.driver_name, "net_memif") == 0)
			return true;
	}
	return false;
}

void
demo_eal_exit(bool memif)
{
	if (!memif)
		rte_eal_cleanup();
}

bool
demo_pool_back(const struct rte_mempool *mp, const char *what)
{
	unsigned int avail;

	if (mp == NULL)
		return true;
	avail = rte_mempool_avail_count(mp);
	if (avail == mp->size)
		return true;
	fprintf(stderr, "error: %u of %u %s not returned to pool %s\n",
		mp->size - avail, mp->size, what, mp->name);
	return false;
}

int
demo_parse_ulong(const char *s, unsigned long min, unsigned long max,
		 unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
