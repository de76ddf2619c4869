/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-sim-rx: net_sim_inline's receive engine (sim_ingress(): Ethernet,
 * VLAN, IPv4/IPv6 and NAT-T parsing, rte_flow SECURITY matching, inline
 * protocol ESP decapsulation and inline crypto decryption, replay window,
 * and inline IP reassembly of the inner packets) on hostile frames.
 *
 * The driver is linked in statically (as the pmd suite does). Ports 0 and
 * 1 are a wire=ring pair; port 1 has reassembly configured (15 s, never
 * reached within an input). Each input gets a fresh ingress session on
 * port 1 with a flow rule for its SPI; its frames are sent unmarked by
 * port 0 (the wire carries them as they are) and received on port 1.
 * Destroying the session at the end drops the fragments it still holds,
 * so no input sees what another one left.
 *
 * Input: byte 0 picks the SA (SA_* bits), then frames, each a 2-byte
 * length (% FRAME_MAX + 1) and its bytes, at most MAX_FRAMES.
 *
 * Invariants: every received mbuf is a sane chain, never
 * RX_SEC_OFFLOAD_FAILED without RX_SEC_OFFLOAD (doc/sim_inline.md), an
 * incomplete reassembly set is a proper list of fragments (next_frag NULL
 * exactly when nb_frags is 0), and every pool (TX, both RX, sessions) is
 * full again after every input.
 *
 * Seeds: with DPSEC_FUZZ_SEED_DIR, frames that port 0 protects with an
 * egress session of the same SA (whole UDP packets, and inner IPv4
 * fragments for the tunnel reassembly shapes), captured on port 1 before
 * any ingress session exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_security.h>

#include "eal_fixture.h"
#include "fuzz_common.h"
#include "sec_util.h"
#include "sim_pair.h"

enum {
	FRAME_MAX = 1518,	/* Ethernet, MTU 1500, one VLAN tag */
	MAX_FRAMES = 16,
	RX_MAX = 64,
	SPI = 0x4242,
	NB_SESS = 8,
};

/* Byte 0. */
enum {
	SA_CRYPTO = 1 << 0,	/* inline crypto, else inline protocol */
	SA_TUNNEL = 1 << 1,
	SA_OUTER_V6 = 1 << 2,
	SA_CBC = 1 << 3,	/* AES-CBC + HMAC-SHA256, else AES-GCM */
	SA_ESN = 1 << 4,
	SA_NATT = 1 << 5,
	SA_REASS = 1 << 6,	/* ip_reassembly_en (inline protocol) */
	SA_CHAIN = 1 << 7,	/* frames sent as 2-mbuf chains */
};

static struct sim_pair sp;
static struct rte_mempool *sess_mp[2];
static uint64_t incomplete_flag;
static int reass_off = -1;
static bool verbose;		/* DPSEC_FUZZ_VERBOSE: a line per packet */

static void
sa_get(uint8_t b, struct sec_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->action = b & SA_CRYPTO ? RTE_SECURITY_ACTION_TYPE_INLINE_CRYPTO :
		     RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL;
	sa->tunnel = (b & SA_TUNNEL) != 0;
	sa->outer_v6 = (b & SA_OUTER_V6) != 0;
	sa->cbc = (b & SA_CBC) != 0;
	sa->esn = (b & SA_ESN) != 0;
	sa->natt = (b & SA_NATT) != 0;
	sa->spi = SPI;
	sa->win = 64;
	sa->userdata = 0x5151;
}

static void *
session(uint16_t port, bool egress, const struct sec_sa *sa, bool reass)
{
	struct rte_security_session_conf conf;
	struct rte_crypto_sym_xform xf[2];

	sec_conf(sa, egress, &conf, xf);
	conf.ipsec.options.ip_reassembly_en = reass;
	return rte_security_session_create(sec_ctx(port), &conf,
					   sess_mp[egress ? 0 : 1]);
}

static void
cleanup(void)
{
	sim_pair_destroy(&sp);
	for (int i = 0; i < 2; i++)
		rte_mempool_free(sess_mp[i]);
	rte_eal_cleanup();
}

static struct rte_mbuf *
frame_mbuf(const uint8_t *p, uint16_t len, bool chain)
{
	if (len == 0)
		return rte_pktmbuf_alloc(sp.tx_pool);
	return test_mbuf_from_bytes(sp.tx_pool, p, len,
				    chain && len >= 2 ? 2 : 1);
}

/* Check and free one received packet, or the fragments of an incomplete
 * reassembly set linked from it (rte_eth_ip_reassembly_dynfield_t). */
static void
rx_free(struct rte_mbuf *m)
{
	const uint64_t failed = RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
	unsigned int k = 0;

	do {
		struct rte_mbuf *next = NULL;
		const char *why = NULL;

		FUZZ_CHECK(rte_mbuf_check(m, 1, &why) == 0, "bad mbuf: %s",
			   why);
		FUZZ_CHECK(!(m->ol_flags & failed) ||
			   (m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD),
			   "SEC_OFFLOAD_FAILED alone");
		if (verbose)
			printf("rx len %u sec %d failed %d incomplete %d\n",
			       m->pkt_len,
			       !!(m->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD),
			       !!(m->ol_flags & failed),
			       !!(m->ol_flags & incomplete_flag));
		if (m->ol_flags & incomplete_flag) {
			rte_eth_ip_reassembly_dynfield_t *d =
				RTE_MBUF_DYNFIELD(m, reass_off,
					rte_eth_ip_reassembly_dynfield_t *);

			next = d->next_frag;
			FUZZ_CHECK((next == NULL) == (d->nb_frags == 0),
				   "next_frag %p, %u left", (void *)next,
				   d->nb_frags);
		}
		rte_pktmbuf_free(m);
		m = next;
		FUZZ_CHECK(++k <= 64, "fragment list too long");
	} while (m != NULL);
}

/* Receive on port 1 until it is quiet; check and free what came. */
static void
rx_drain(void)
{
	struct rte_mbuf *rx[RX_MAX];
	unsigned int idle = 0;

	while (idle < 2) {
		uint16_t n = rte_eth_rx_burst(sp.port[1], 0, rx, RX_MAX);

		idle = n == 0 ? idle + 1 : 0;
		for (uint16_t i = 0; i < n; i++)
			rx_free(rx[i]);
	}
}

/* Frames protected by an egress session of each shape, captured. */
static void
seeds_write(void)
{
	static uint8_t file[2 + MAX_FRAMES * (2 + FRAME_MAX)];
	unsigned int b;

	for (b = 0; b < 0x80; b++) {
		struct sec_sa sa;
		struct rte_mbuf *tx[4], *rx[RX_MAX];
		unsigned int nb_tx = 0, i, got = 0;
		size_t n = 0;
		void *out;
		char name[32];

		if ((b & SA_REASS) && (b & SA_CRYPTO))
			continue;	/* reassembly: inline protocol only */
		/* Inline crypto egress needs ESP framing from software:
		 * the inline protocol egress of the same SA writes the
		 * same wire packets. */
		sa_get((uint8_t)(b & ~SA_CRYPTO), &sa);
		out = session(sp.port[0], true, &sa, false);
		if (out == NULL) {
			fprintf(stderr, "seeds: shape 0x%x: no session\n", b);
			exit(1);
		}
		if ((b & SA_REASS) && (b & SA_TUNNEL)) {
			/* Two IPv4 fragments of one 100-byte UDP payload:
			 * 56 bytes at offset 0 (MF), 52 at offset 7. */
			struct test_frame f;
			uint8_t whole[TEST_FRAME_MAX];
			size_t wl;

			sim_frame_init(&f, sp.port[0], sp.port[1], 4,
				       TEST_L4_UDP, 100, b);
			wl = test_frame_write(&f, whole, sizeof(whole));
			for (i = 0; i < 2; i++) {
				uint8_t fr[200];
				struct rte_ipv4_hdr *ip = (void *)(fr + 14);
				size_t pl = i == 0 ? 56 : wl - 14 - 20 - 56;

				memcpy(fr, whole, 14 + 20);
				memcpy(fr + 34, whole + 34 + i * 56, pl);
				ip->total_length =
					rte_cpu_to_be_16((uint16_t)(20 + pl));
				ip->fragment_offset = rte_cpu_to_be_16(
					i == 0 ? RTE_IPV4_HDR_MF_FLAG : 7);
				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
				tx[nb_tx] = test_mbuf_from_bytes(sp.tx_pool,
						fr, 34 + pl, 1);
				nb_tx++;
			}
		} else {
			for (i = 0; i < 2; i++) {
				struct test_frame f;

				sim_frame_init(&f, sp.port[0], sp.port[1],
					       i ? 6 : 4, TEST_L4_UDP,
					       (uint16_t)(20 + 90 * i), b);
				tx[nb_tx++] = test_frame_mbuf(sp.tx_pool, &f);
			}
		}
		for (i = 0; i < nb_tx; i++)
			sec_mark(sp.port[0], out, tx[i]);
		if (test_tx_all(sp.port[0], 0, tx, (uint16_t)nb_tx, 1000) !=
		    nb_tx) {
			fprintf(stderr, "seeds: shape 0x%x: TX failed\n", b);
			exit(1);
		}
		got = test_rx_poll(sp.port[1], 0, rx, (uint16_t)nb_tx, RX_MAX,
				   1000);
		file[n++] = (uint8_t)b;
		for (i = 0; i < got; i++) {
			uint16_t l = (uint16_t)rx[i]->pkt_len;

			file[n++] = (uint8_t)(l >> 8);
			file[n++] = (uint8_t)l;
			n += test_mbuf_copy(rx[i], file + n, FRAME_MAX);
		}
		test_free_bulk(rx, got);
		rte_security_session_destroy(sec_ctx(sp.port[0]), out);
		snprintf(name, sizeof(name), "seed-sa%02x", b);
		if (got != nb_tx || fuzz_seed_write(name, file, n) != 0) {
			fprintf(stderr, "seeds: shape 0x%x: %u of %u frames\n",
				b, got, nb_tx);
			exit(1);
		}
	}
	exit(0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const eal_args[] = {
		"-l", "0", "--log-level=*:emerg",
	};
	struct rte_eth_ip_reassembly_params rp = {
		.timeout_ms = 15000,
		.max_frags = 8,
		.flags = RTE_ETH_DEV_REASSEMBLY_F_IPV4 |
			 RTE_ETH_DEV_REASSEMBLY_F_IPV6,
	};
	int bit;

	(void)argc;
	(void)argv;
	if (test_eal_init("fuzz-sim-rx", eal_args,
			  (int)RTE_DIM(eal_args)) < 0 ||
	    sim_pair_create(&sp, 0, NULL, 1, NULL) != 0 ||
	    sec_port_start(sp.port[0], sp.rx_pool[0]) != 0 ||
	    sec_port_start(sp.port[1], sp.rx_pool[1]) != 0) {
		fprintf(stderr, "fuzz-sim-rx: ports not started\n");
		exit(1);
	}
	atexit(cleanup);
	sess_mp[0] = sec_sess_pool(sp.port[0], NB_SESS);
	sess_mp[1] = sec_sess_pool(sp.port[1], NB_SESS);
	if (sess_mp[0] == NULL || sess_mp[1] == NULL ||
	    rte_eth_dev_stop(sp.port[1]) != 0 ||
	    rte_eth_ip_reassembly_conf_set(sp.port[1], &rp) != 0 ||
	    rte_eth_dev_start(sp.port[1]) != 0) {
		fprintf(stderr, "fuzz-sim-rx: reassembly not configured\n");
		exit(1);
	}
	bit = rte_mbuf_dynflag_lookup(
		RTE_MBUF_DYNFLAG_IP_REASSEMBLY_INCOMPLETE_NAME, NULL);
	reass_off = rte_mbuf_dynfield_lookup(
		RTE_MBUF_DYNFIELD_IP_REASSEMBLY_NAME, NULL);
	if (bit < 0 || reass_off < 0) {
		fprintf(stderr, "fuzz-sim-rx: no reassembly dynfield\n");
		exit(1);
	}
	incomplete_flag = RTE_BIT64(bit);
	verbose = getenv("DPSEC_FUZZ_VERBOSE") != NULL;
	if (fuzz_seed_dir() != NULL)
		seeds_write();
	return 0;
}

static void
pool_check(struct rte_mempool *mp, const char *what)
{
	FUZZ_CHECK(rte_mempool_avail_count(mp) == mp->size,
		   "%s pool: %u of %u back", what,
		   rte_mempool_avail_count(mp), mp->size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct rte_mbuf *tx[MAX_FRAMES];
	uint8_t b = fuzz_u8(&in);
	struct sec_sa sa;
	struct rte_flow *fl;
	uint16_t nb = 0, sent;
	void *sess;

	sa_get(b, &sa);
	sess = session(sp.port[1], false, &sa,
		       (b & SA_REASS) && !(b & SA_CRYPTO));
	FUZZ_CHECK(sess != NULL, "ingress session 0x%x refused: %d", b,
		   rte_errno);
	fl = sec_flow(sp.port[1], sess, SPI);
	FUZZ_CHECK(fl != NULL, "flow refused");

	while (in.n > 0 && nb < MAX_FRAMES) {
		uint16_t len = (uint16_t)(fuzz_u16(&in) % (FRAME_MAX + 1));

		if (len > in.n)
			len = (uint16_t)in.n;
		tx[nb] = frame_mbuf(in.p, len, b & SA_CHAIN);
		FUZZ_CHECK(tx[nb] != NULL, "no mbuf");
		in.p += len;
		in.n -= len;
		nb++;
	}
	sent = rte_eth_tx_burst(sp.port[0], 0, tx, nb);
	test_free_bulk(tx + sent, nb - sent);
	rx_drain();

	FUZZ_CHECK(rte_flow_destroy(sp.port[1], fl, NULL) == 0,
		   "flow destroy failed");
	FUZZ_CHECK(rte_security_session_destroy(sec_ctx(sp.port[1]),
						sess) == 0,
		   "session destroy failed");
	rx_drain();
	pool_check(sp.tx_pool, "TX");
	pool_check(sp.rx_pool[0], "RX 0");
	pool_check(sp.rx_pool[1], "RX 1");
	pool_check(sess_mp[1], "session");
	return 0;
}
