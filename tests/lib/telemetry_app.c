/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helper of test_telemetry.py: a small dpsec application to query with
 * dpdk-telemetry.py. Usage: telemetry_app <file-prefix> <dir>.
 *
 * Context "tel0" (port 0 = a sim_inline vdev, attached):
 *   0x1001 out  cbc128-sha1  offload none            userdata 42
 *   0x1001 in   cbc128-sha1  offload none            10 delivered, 10 replays
 *   0x1002 out  gcm128       offload auto, port 0    on the NIC (inline
 *                                                     protocol), 5 packets
 *   0x1003 out  gcm128       offload auto, port 5    not attached
 * Context "tel1": empty. Context "churn": SAs created and destroyed in a
 * loop (and a context "churn2" created and freed) while the test queries,
 * so that a telemetry callback racing SA/context removal shows up under
 * ASan.
 *
 * Writes <dir>/ready when set up, runs until <dir>/done exists (at most
 * 60 s), then frees everything and exits 0, or 1 if its pool is not full
 * again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum {
	NB_PKTS = 10,
	NB_NIC_PKTS = 5,
	PKT_LEN = 120,
	CHURN_SA = 8,
	WAIT_S = 60,
};

#define DIE(...) do { \
	fprintf(stderr, "telemetry_app: " __VA_ARGS__); \
	fprintf(stderr, "\n"); \
	exit(1); } while (0)

static struct rte_mempool *pool;
static struct espt_keys keys;

static struct dpsec_sa *
make_sa(struct dpsec_ctx *ctx, const char *alg, enum dpsec_sa_dir dir,
	uint32_t spi, enum dpsec_offload off, uint16_t port)
{
	struct dpsec_sa_conf c;
	struct dpsec_sa *sa;

	espt_conf(&c, espt_alg_find(alg), &keys, dir, DPSEC_SA_TUNNEL, 4,
		  spi, 0);
	c.offload = off;
	c.port_id = port;
	if (spi == 0x1001 && dir == DPSEC_SA_OUTBOUND)
		c.userdata = 42;
	sa = dpsec_sa_create(ctx, &c);
	if (sa == NULL)
		DIE("SA 0x%x: %s", spi, rte_strerror(rte_errno));
	return sa;
}

static void
burst_build(struct rte_mbuf *m[], unsigned int n)
{
	uint8_t buf[ESPT_PKT_MAX];

	for (unsigned int i = 0; i < n; i++) {
		size_t len = espt_pkt_build(buf, 4, IPPROTO_UDP, PKT_LEN, i);

		m[i] = espt_mbuf(pool, buf, len);
		if (m[i] == NULL)
			DIE("no mbuf");
	}
}

static void
burst_free(struct rte_mbuf *m[], unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

/* 10 out on 0x1001, in on 0x1001, the same wire packets in again. */
static void
traffic(struct dpsec_ctx *ctx, struct dpsec_sa *out, struct dpsec_sa *nic)
{
	static uint8_t wire[NB_PKTS][ESPT_PKT_MAX];
	size_t len[NB_PKTS];
	struct rte_mbuf *m[NB_PKTS];

	burst_build(m, NB_PKTS);
	if (dpsec_sa_outbound(out, m, NB_PKTS) != NB_PKTS)
		DIE("outbound");
	for (unsigned int i = 0; i < NB_PKTS; i++)
		len[i] = espt_mbuf_bytes(m[i], wire[i]);
	if (dpsec_inbound(ctx, m, NB_PKTS, NULL) != NB_PKTS)
		DIE("inbound");
	burst_free(m, NB_PKTS);

	for (unsigned int i = 0; i < NB_PKTS; i++) {
		m[i] = espt_mbuf(pool, wire[i], len[i]);
		if (m[i] == NULL)
			DIE("no mbuf");
	}
	if (dpsec_inbound(ctx, m, NB_PKTS, NULL) != 0)
		DIE("replays delivered");
	burst_free(m, NB_PKTS);

	/* Inline protocol: checked and counted here, the NIC would do
	 * ESP on TX. */
	burst_build(m, NB_NIC_PKTS);
	if (dpsec_sa_outbound(nic, m, NB_NIC_PKTS) != NB_NIC_PKTS)
		DIE("outbound on the NIC");
	burst_free(m, NB_NIC_PKTS);
}

static void
port_start(uint16_t port)
{
	struct rte_eth_conf conf = {
		.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SECURITY,
		.txmode.offloads = RTE_ETH_TX_OFFLOAD_SECURITY,
	};

	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, 0, NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		DIE("port %u", port);
}

/* One round of SA and context churn. */
static void
churn(struct dpsec_ctx *ctx, uint32_t round)
{
	struct dpsec_sa *sa[CHURN_SA];
	struct dpsec_ctx *c2;
	unsigned int i;

	for (i = 0; i < CHURN_SA; i++)
		sa[i] = make_sa(ctx, "gcm128", i & 1 ? DPSEC_SA_INBOUND :
				DPSEC_SA_OUTBOUND, 0x2000 + (round % 64) * 16 + i,
				DPSEC_OFFLOAD_NONE, 0);
	for (i = 0; i < CHURN_SA; i++)
		if (dpsec_sa_destroy(ctx, sa[i]) != 0)
			DIE("destroy");
	c2 = espt_ctx("churn2", DPSEC_BACKEND_IPSEC_MB, 4);
	if (c2 == NULL)
		DIE("churn2: %s", rte_strerror(rte_errno));
	make_sa(c2, "gcm128", DPSEC_SA_OUTBOUND, 0x3000, DPSEC_OFFLOAD_NONE, 0);
	dpsec_free(c2);
}

int
main(int argc, char **argv)
{
	char path[4096], *eal[16];
	struct dpsec_ctx *tel0, *tel1, *cc;
	struct dpsec_sa *out, *nic;
	uint64_t end;
	uint32_t round = 0;
	FILE *f;
	int n = 0;

	if (argc != 3)
		DIE("usage: telemetry_app <file-prefix> <dir>");
	eal[n++] = argv[0];
	eal[n++] = (char *)(uintptr_t)"--no-huge";
	eal[n++] = (char *)(uintptr_t)"--no-pci";
	eal[n++] = (char *)(uintptr_t)"-m";
	eal[n++] = (char *)(uintptr_t)"512";
	eal[n++] = (char *)(uintptr_t)"-l";
	eal[n++] = (char *)(uintptr_t)"0";
	eal[n++] = (char *)(uintptr_t)"--file-prefix";
	eal[n++] = argv[1];
	eal[n++] = (char *)(uintptr_t)"--log-level=lib.*:error";
	eal[n++] = (char *)(uintptr_t)"--vdev";
	eal[n++] = (char *)(uintptr_t)"net_sim_inline0,max_sa=16";
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0)
		DIE("EAL: %s", rte_strerror(rte_errno));

	pool = rte_pktmbuf_pool_create("tel", 1023, 32, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		DIE("pool");
	port_start(0);
	espt_keys_fill(&keys, 3);
	tel0 = espt_ctx("tel0", DPSEC_BACKEND_IPSEC_MB, 16);
	tel1 = espt_ctx("tel1", DPSEC_BACKEND_OPENSSL, 4);
	cc = espt_ctx("churn", DPSEC_BACKEND_IPSEC_MB, 2 * CHURN_SA);
	if (tel0 == NULL || tel1 == NULL || cc == NULL ||
	    dpsec_port_attach(tel0, 0) != 0)
		DIE("contexts");
	out = make_sa(tel0, "cbc128-sha1", DPSEC_SA_OUTBOUND, 0x1001,
		      DPSEC_OFFLOAD_NONE, 0);
	make_sa(tel0, "cbc128-sha1", DPSEC_SA_INBOUND, 0x1001,
		DPSEC_OFFLOAD_NONE, 0);
	nic = make_sa(tel0, "gcm128", DPSEC_SA_OUTBOUND, 0x1002,
		      DPSEC_OFFLOAD_AUTO, 0);
	make_sa(tel0, "gcm128", DPSEC_SA_OUTBOUND, 0x1003,
		DPSEC_OFFLOAD_AUTO, 5);
	traffic(tel0, out, nic);

	snprintf(path, sizeof(path), "%s/ready", argv[2]);
	f = fopen(path, "w");
	if (f == NULL || fclose(f) != 0)
		DIE("%s", path);

	snprintf(path, sizeof(path), "%s/done", argv[2]);
	end = rte_get_tsc_cycles() + WAIT_S * rte_get_tsc_hz();
	while (access(path, F_OK) != 0) {
		if (rte_get_tsc_cycles() > end)
			DIE("no %s after %d s", path, WAIT_S);
		churn(cc, round++);
		usleep(1000);
	}

	dpsec_free(cc);
	dpsec_free(tel1);
	dpsec_free(tel0);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	/* Every packet of traffic() back (test_pool_full says how many are
	 * not): the test reads the exit status. */
	if (!test_pool_full(pool))
		DIE("mbufs missing at exit");
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}
