/* SPDX-License-Identifier: BSD-3-Clause */
#include "sim_pair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ether.h>

struct rte_mempool *
sim_pool(const char *what, unsigned int n, uint16_t data_room)
{
	static unsigned int seq;
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "t_%s_%u", what, seq++);
	return test_pool_create(name, n, data_room);
}

int
sim_pair_create(struct sim_pair *sp, unsigned int idx0, const char *args0,
		unsigned int idx1, const char *args1)
{
	const char *args[2] = { args0, args1 };
	unsigned int idx[2] = { idx0, idx1 };
	int ret;

	memset(sp, 0, sizeof(*sp));
	for (int i = 0; i < 2; i++) {
		snprintf(sp->name[i], sizeof(sp->name[i]), "net_sim_inline%u",
			 idx[i]);
		ret = test_vdev_create(sp->name[i], args[i], &sp->port[i]);
		if (ret < 0) {
			fprintf(stderr, "cannot create %s,%s: %d\n",
				sp->name[i], args[i] ? args[i] : "", ret);
			return ret;
		}
		sp->created[i] = true;
		sp->rx_pool[i] = sim_pool(i == 0 ? "rx0" : "rx1",
					  TEST_POOL_SIZE,
					  RTE_MBUF_DEFAULT_DATAROOM);
		if (sp->rx_pool[i] == NULL)
			return -ENOMEM;
	}
	sp->tx_pool = sim_pool("tx", TEST_POOL_SIZE, RTE_MBUF_DEFAULT_DATAROOM);
	return sp->tx_pool != NULL ? 0 : -ENOMEM;
}

int
sim_pair_create_default(struct sim_pair *sp)
{
	return sim_pair_create(sp, 0, NULL, 1, NULL);
}

static int
check_free_pool(struct rte_mempool **mpp)
{
	struct rte_mempool *mp = *mpp;
	int ret = 0;

	if (mp == NULL)
		return 0;
	if (!test_pool_full(mp))	/* says which and how many */
		ret = -1;
	rte_mempool_free(mp);
	*mpp = NULL;
	return ret;
}

int
sim_pair_destroy(struct sim_pair *sp)
{
	int ret = 0;

	for (int i = 0; i < 2; i++) {
		if (!sp->created[i])
			continue;
		if (test_vdev_destroy(sp->name[i]) != 0) {
			fprintf(stderr, "cannot remove %s\n", sp->name[i]);
			ret = -1;
		}
		sp->created[i] = false;
	}
	for (int i = 0; i < 2; i++)
		ret |= check_free_pool(&sp->rx_pool[i]);
	ret |= check_free_pool(&sp->tx_pool);
	return ret;
}

void
sim_frame_init(struct test_frame *f, uint16_t from, uint16_t to,
	       uint8_t ip_ver, enum test_l4 l4, uint16_t payload_len,
	       uint32_t tag)
{
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0x02 };

	memset(f, 0, sizeof(*f));
	/* No such port (frames for a capture file): zero addresses. */
	if (rte_eth_dev_is_valid_port(from))
		rte_eth_macaddr_get(from, &f->src_mac);
	if (rte_eth_dev_is_valid_port(to))
		rte_eth_macaddr_get(to, &f->dst_mac);
	f->ip_ver = ip_ver;
	f->l4 = l4;
	f->src4 = TEST_IPV4(192, 0, 2, 1);
	f->dst4 = TEST_IPV4(198, 51, 100, 2);
	memcpy(f->src6, src6, 16);
	memcpy(f->dst6, dst6, 16);
	f->sport = 1024 + (uint16_t)(tag & 0x3fff);
	f->dport = 4789;
	f->spi = 0x1000 + tag;
	f->esp_seq = tag + 1;
	f->payload_len = payload_len;
	f->tag = tag;
}

int
sim_pair_setup(void **state)
{
	struct sim_pair *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		return -1;
	*state = sp;
	return sim_pair_create_default(sp) == 0 ? 0 : -1;
}

int
sim_state_setup(void **state)
{
	*state = calloc(1, sizeof(struct sim_pair));
	return *state != NULL ? 0 : -1;
}

int
sim_pair_teardown(void **state)
{
	struct sim_pair *sp = *state;
	int ret;

	if (sp == NULL)
		return 0;
	ret = sim_pair_destroy(sp);
	free(sp);
	*state = NULL;
	return ret;
}

int
sim_eal_teardown(void **state)
{
	(void)state;
	return rte_eal_cleanup();
}
