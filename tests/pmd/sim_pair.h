/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_TEST_SIM_PAIR_H
#define DPSEC_TEST_SIM_PAIR_H

/*
 * Two net_sim_inline ports (by default the wire=ring pair 0<->1) with one
 * RX pool each and a pool the test builds its frames in. Created in a
 * CMocka setup, destroyed in the teardown, which also checks that every
 * mbuf went back to its pool once the ports are closed.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "eal_fixture.h"

struct sim_pair {
	char name[2][RTE_ETH_NAME_MAX_LEN];
	uint16_t port[2];
	bool created[2];
	struct rte_mempool *rx_pool[2];
	struct rte_mempool *tx_pool;
};

/* Create net_sim_inline<idx0> with @args0 and net_sim_inline<idx1> with
 * @args1 (NULL or "" for none), and the pools. 0 or -errno. */
int sim_pair_create(struct sim_pair *sp, unsigned int idx0, const char *args0,
		    unsigned int idx1, const char *args1);
/* Ports 0,1 with no devargs. */
int sim_pair_create_default(struct sim_pair *sp);
/* Stop, close and remove both ports, then check and free the pools:
 * returns -1 (with a message) if a pool did not get all its mbufs back. */
int sim_pair_destroy(struct sim_pair *sp);

/* A pool with a unique name. */
struct rte_mempool *sim_pool(const char *what, unsigned int n,
			     uint16_t data_room);

/* Frame from port @from to the MAC of port @to (IPv4/6, UDP/TCP/ESP). */
void sim_frame_init(struct test_frame *f, uint16_t from, uint16_t to,
		    uint8_t ip_ver, enum test_l4 l4, uint16_t payload_len,
		    uint32_t tag);

/* CMocka setup/teardown wrappers storing a struct sim_pair in *state:
 * sim_pair_setup creates the default pair, sim_state_setup only allocates
 * an empty one for tests that create their own ports. */
int sim_pair_setup(void **state);
int sim_state_setup(void **state);
int sim_pair_teardown(void **state);
/* CMocka group teardown of the suite's programs: rte_eal_cleanup(). */
int sim_eal_teardown(void **state);

#endif /* DPSEC_TEST_SIM_PAIR_H */
