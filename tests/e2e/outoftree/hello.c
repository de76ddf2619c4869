/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An out-of-tree program built against an installed dpsec with the command
 * of doc/building.md (pkg-config libdpsec): prints dpsec_version(),
 * registers the ESP sequence number dynfield named by sim_inline's
 * installed private header, finds the two sim_inline ports the EAL
 * arguments create, sends one burst from port 0 and receives it on port 1,
 * and fails unless every mbuf is back in its pool once the ports closed.
 * Usage: hello EAL-ARGS... (e.g. --vdev net_sim_inline0 --vdev net_sim_inline1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include <dpsec.h>
#include <rte_pmd_sim_inline.h>

#define NB_FRAMES 16
#define FRAME_LEN 128

static int
fail(const char *msg)
{
	fprintf(stderr, "hello: FAIL: %s\n", msg);
	return 1;
}

static int
port_up(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 512, rte_socket_id(), NULL, mp) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 512, rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		return -1;
	return 0;
}

static int
run(void)
{
	static const struct rte_mbuf_dynfield sn_field = {
		.name = RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN,
		.size = sizeof(uint64_t),
		.align = _Alignof(uint64_t),
	};
	struct rte_mbuf *tx[NB_FRAMES], *rx[NB_FRAMES];
	struct rte_ether_addr mac0, mac1;
	struct rte_eth_dev_info info;
	struct rte_mempool *mp;
	unsigned int got = 0, i;
	uint16_t sent;
	uint64_t deadline;

	printf("dpsec %s\n", dpsec_version());
	if (dpsec_version() == NULL || dpsec_version()[0] == '\0')
		return fail("empty dpsec_version()");

	/* From rte_pmd_sim_inline.h, next to dpsec.h under libdpsec.pc's -I. */
	if (rte_mbuf_dynfield_register(&sn_field) < 0)
		return fail("rte_mbuf_dynfield_register(" RTE_PMD_SIM_INLINE_DYNFIELD_ESP_SN ")");
	printf("dynfield %s registered\n", sn_field.name);

	printf("ports: %u\n", rte_eth_dev_count_avail());
	if (rte_eth_dev_count_avail() != 2)
		return fail("expected exactly 2 ethdev ports");
	if (rte_eth_dev_info_get(0, &info) != 0)
		return fail("rte_eth_dev_info_get(0)");
	printf("port 0 driver: %s\n", info.driver_name);
	if (strcmp(info.driver_name, "net_sim_inline") != 0)
		return fail("port 0 driver is not net_sim_inline");

	mp = rte_pktmbuf_pool_create("hello_pool", 1023, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL)
		return fail("rte_pktmbuf_pool_create");
	if (port_up(0, mp) != 0 || port_up(1, mp) != 0)
		return fail("cannot configure/start the ports");
	if (rte_eth_macaddr_get(0, &mac0) != 0 || rte_eth_macaddr_get(1, &mac1) != 0)
		return fail("rte_eth_macaddr_get");

	if (rte_pktmbuf_alloc_bulk(mp, tx, NB_FRAMES) != 0)
		return fail("rte_pktmbuf_alloc_bulk");
	for (i = 0; i < NB_FRAMES; i++) {
		struct rte_ether_hdr *eh;
		char *d = rte_pktmbuf_append(tx[i], FRAME_LEN);

		if (d == NULL)
			return fail("rte_pktmbuf_append");
		memset(d, 0, FRAME_LEN);
		eh = (struct rte_ether_hdr *)d;
		rte_ether_addr_copy(&mac1, &eh->dst_addr);
		rte_ether_addr_copy(&mac0, &eh->src_addr);
		eh->ether_type = rte_cpu_to_be_16(0x88b5); /* local experimental */
		snprintf(d + sizeof(*eh), FRAME_LEN - sizeof(*eh), "hello %u", i);
	}

	sent = rte_eth_tx_burst(0, 0, tx, NB_FRAMES);
	printf("sent %u frames on port 0\n", sent);
	if (sent != NB_FRAMES) {
		rte_pktmbuf_free_bulk(tx + sent, NB_FRAMES - sent);
		return fail("port 0 did not take the whole burst");
	}

	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (got < NB_FRAMES && rte_get_timer_cycles() < deadline)
		got += rte_eth_rx_burst(1, 0, rx + got, NB_FRAMES - got);
	printf("received %u frames on port 1\n", got);

	for (i = 0; i < got; i++) {
		const char *d = rte_pktmbuf_mtod(rx[i], const char *);
		char want[32];

		snprintf(want, sizeof(want), "hello %u", i);
		if (rte_pktmbuf_pkt_len(rx[i]) != FRAME_LEN ||
		    strcmp(d + sizeof(struct rte_ether_hdr), want) != 0) {
			rte_pktmbuf_free_bulk(rx, got);
			return fail("received frame differs from the one sent");
		}
	}
	rte_pktmbuf_free_bulk(rx, got);
	if (got != NB_FRAMES)
		return fail("port 1 did not receive the whole burst");

	for (i = 0; i < 2; i++) {
		if (rte_eth_dev_stop(i) != 0 || rte_eth_dev_close(i) != 0)
			return fail("cannot stop/close a port");
	}
	/* Ports closed: every mbuf is back in the pool. */
	if (rte_mempool_avail_count(mp) != mp->size) {
		fprintf(stderr, "hello: pool %s: %u of %u mbufs back\n",
			mp->name, rte_mempool_avail_count(mp), mp->size);
		return fail("mbufs missing at exit");
	}
	rte_mempool_free(mp);
	printf("hello: OK\n");
	return 0;
}

int
main(int argc, char **argv)
{
	int rc;

	if (rte_eal_init(argc, argv) < 0)
		return fail("rte_eal_init");
	rc = run();
	rte_eal_cleanup();
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
