/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpsec's RX resync state machine on its own, as tables of cases (issue
 * 11, doc/tls_offload.md "RX"): a scripted driver on a net_null port
 * records what dpsec asks of it, and each case is a stream of TLS 1.3
 * records, one per segment, each either decrypted by the "NIC" (its body
 * already plaintext, the packet marked) or not (ciphertext, unmarked),
 * some carrying a NIC resync request, with a KeyUpdate where the case
 * says. Expected, exactly and in order: the next-record hints (HINT mode:
 * the record's TCP sequence and number, with the back-off of 1, 2, 4 ...
 * records after each hint the NIC did not take), the answers to requests
 * (DEVICE mode: yes with the record's number at a record start, no
 * inside a record, none before dpsec's parsing reaches it, and after a
 * KeyUpdate only once the new key is in, numbered from 0), and the rekey
 * op at the KeyUpdate's boundary. Every record is delivered intact.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dpsec.h"
#include "dpsec_driver.h"
#include "dpsec_tls.h"
#include "eal_fixture.h"
#include "tls_test.h"

struct rte_mempool *tlst_pool;
static struct dpsec_ctx *ctx;

enum { MAXREC = 24, MAXEV = 32, SEQ0 = 1000 };

/* ---- the scripted driver: what dpsec asked ---------------------------- */

struct ev {
	char op;		/* 'h' hint, 'y'/'n' answer, 'k' rekey */
	uint32_t rec_idx;	/* the record (index in the case) at seq */
	uint64_t rec_seq;
};

static struct ev evs[MAXEV];
static unsigned int nev;
static uint32_t rec_start[MAXREC + 1];	/* TCP sequence of each record */

static uint32_t
idx_of(uint32_t seq)
{
	for (uint32_t i = 0; i <= MAXREC; i++)
		if (rec_start[i] == seq)
			return i;
	return 1000 + (seq - SEQ0);	/* not a record start */
}

static void
ev_add(char op, uint32_t seq, uint64_t rec_seq)
{
	assert_true(nev < MAXEV);
	evs[nev++] = (struct ev){ op, idx_of(seq), rec_seq };
}

static int
f_caps(uint16_t port_id, struct dpsec_drv_tls_caps *caps)
{
	(void)port_id;
	memset(caps, 0, sizeof(*caps));
	caps->max_ctx = 8;
	caps->ciphers = UINT64_MAX;
	caps->tls12 = 1;
	caps->tls13 = 1;
	return 0;
}

static int
f_add(uint16_t port_id, const struct dpsec_drv_tls_conf *conf,
      uint32_t *hw_id)
{
	(void)port_id;
	(void)conf;
	*hw_id = 7;
	return 0;
}

static int
f_del(uint16_t port_id, uint32_t hw_id)
{
	(void)port_id;
	(void)hw_id;
	return 0;
}

static int
f_resync(uint16_t port_id, uint32_t hw_id, uint32_t tcp_seq,
	 uint64_t rec_seq)
{
	(void)port_id;
	(void)hw_id;
	ev_add('h', tcp_seq, rec_seq);
	return 0;
}

static int
f_response(uint16_t port_id, uint32_t hw_id, uint32_t tcp_seq, bool ok,
	   uint64_t rec_seq)
{
	(void)port_id;
	(void)hw_id;
	ev_add(ok ? 'y' : 'n', tcp_seq, rec_seq);
	return 0;
}

static int
f_rekey(uint16_t port_id, uint32_t hw_id,
	const struct dpsec_drv_tls_conf *conf)
{
	(void)port_id;
	(void)hw_id;
	ev_add('k', conf->tcp_seq, conf->rec_seq);
	return 0;
}

static const struct dpsec_drv_tls_ops f_ops = {
	.caps = f_caps, .add = f_add, .del = f_del, .resync = f_resync,
	.rx_resync_response = f_response, .rekey = f_rekey,
};

/* ---- the cases ---------------------------------------------------------- */

/*
 * @nic: one character per record (one record per segment), 'N' decrypted
 * by the NIC (marked), '.' not. @req: NIC requests as (carrier, target,
 * off): record carrier's segment asks about record target's start + off
 * (carrier -1 ends the list). @ku: the KeyUpdate's record (0: none).
 * @want: what the driver saw, in order: "h5:5" a hint for record 5
 * numbered 5, "y6:6" yes for record 6 numbered 6, "k7:0" the rekey op at
 * record 7 numbered 0; "n6+3" alone: one no, for record 6's start + 3.
 */
struct rcase {
	const char *name;
	enum dpsec_tls_rx_resync mode;
	const char *nic;
	struct { int carrier, target, off; } req[3];
	int ku;
	const char *want;
};

static const struct rcase cases[] = {
	/* HINT: nothing while the NIC decrypts everything. */
	{ "hint-all-nic", DPSEC_TLS_RX_RESYNC_HINT, "NNNNNNNNNNNN",
	  {{ -1, 0, 0 }}, 0, "" },
	/* One record missed: at the next header, a hint for the record
	 * after it; the NIC takes it (record 5 decrypted). */
	{ "hint-one-miss", DPSEC_TLS_RX_RESYNC_HINT, "NNN.NNNNNNNN",
	  {{ -1, 0, 0 }}, 0, "h5:5" },
	/* Hints not taken back off: after the hint for 5 fails, 1 header
	 * is skipped (6), after 8 fails 2 (9, 10), after 12 fails 4
	 * (13-16): hinted 5, 8, 12, 18. */
	{ "hint-backoff", DPSEC_TLS_RX_RESYNC_HINT, "NNN..............NNNNNN",
	  {{ -1, 0, 0 }}, 0, "h5:5 h8:8 h12:12 h18:18" },
	/* The NIC back in step (record 6) clears the back-off the failed
	 * hint for 5 had set: the next miss (11) is hinted at once. */
	{ "hint-backoff-reset", DPSEC_TLS_RX_RESYNC_HINT,
	  "NNN...NNNNN.NNNNNN", {{ -1, 0, 0 }}, 0, "h5:5 h13:13" },
	/* A KeyUpdate (record 6): the hint given at its header names the
	 * next record by the old count (dpsec cannot see inside yet; the
	 * rekey op then tells the NIC that record is number 0). */
	{ "hint-keyupdate", DPSEC_TLS_RX_RESYNC_HINT, "NNNN.N.NNNNN",
	  {{ -1, 0, 0 }}, 6, "h6:6 k7:0" },
	/* DEVICE: no hints; a request at a record start is answered yes
	 * with its number once dpsec's parsing reaches it. */
	{ "device-yes", DPSEC_TLS_RX_RESYNC_DEVICE, "NNN.....NNNN",
	  {{ 4, 6, 0 }, { -1, 0, 0 }}, 0, "y6:6" },
	/* A request for a sequence inside a record: no. */
	{ "device-no", DPSEC_TLS_RX_RESYNC_DEVICE, "NNN.........",
	  {{ 4, 6, 3 }, { -1, 0, 0 }}, 0, "n6+3" },
	/* Two requests: the later one replaces the earlier. */
	{ "device-latest", DPSEC_TLS_RX_RESYNC_DEVICE, "NN..........",
	  {{ 3, 5, 0 }, { 4, 7, 0 }, { -1, 0, 0 }}, 0, "y7:7" },
	/* A request for the record after a KeyUpdate (record 5): answered
	 * only once the new key is in, numbered 0; the rekey op first. */
	{ "device-keyupdate", DPSEC_TLS_RX_RESYNC_DEVICE, "NNNN.....NNN",
	  {{ 4, 6, 0 }, { -1, 0, 0 }}, 5, "k6:0 y6:0" },
	/* ... and for one two records after it: number 1. */
	{ "device-after-keyupdate", DPSEC_TLS_RX_RESYNC_DEVICE,
	  "NNNN.....NNN", {{ 5, 7, 0 }, { -1, 0, 0 }}, 5, "k6:0 y7:1" },
};

static void
want_str(char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < nev && off < n; i++) {
		const struct ev *e = &evs[i];

		if (e->rec_idx >= 1000)
			off += (size_t)snprintf(buf + off, n - off, "%s%c?%u",
				i ? " " : "", e->op, e->rec_idx - 1000);
		else if (e->op == 'n')
			off += (size_t)snprintf(buf + off, n - off, "%sn%u",
				i ? " " : "", e->rec_idx);
		else
			off += (size_t)snprintf(buf + off, n - off,
				"%s%c%u:%" PRIu64, i ? " " : "", e->op,
				e->rec_idx, e->rec_seq);
	}
}

static void
test_resync_case(void **state)
{
	const struct rcase *rc = *state;
	const unsigned int nrec = (unsigned int)strlen(rc->nic);
	static uint8_t pt[MAXREC][600], wire[MAXREC][700];
	struct ref_suite s1, s2;
	struct dpsec_tls_conf conf;
	struct dpsec_tls_rec recs[MAXREC];
	struct dpsec_tls_info info;
	struct dpsec_tls *rx;
	struct conn c;
	int rx_bit, req_bit, req_off;
	uint32_t len[MAXREC], plen[MAXREC], seq = SEQ0;
	unsigned int got = 0, i;
	char have[512];

	assert_true(nrec <= MAXREC);
	nev = 0;
	memset(&s1, 0, sizeof(s1));
	s1.ver = 0x0304;
	s1.cipher = DPSEC_CIPHER_AES_GCM_128;
	s1.key_len = 16;
	for (i = 0; i < 16; i++)
		s1.key[i] = (uint8_t)(i + 1);
	for (i = 0; i < 12; i++)
		s1.iv[i] = (uint8_t)(i * 5 + 3);
	s2 = s1;
	s2.key[0] ^= 0xff;
	s2.iv[0] ^= 0xff;
	/* Records: data of 100 + 13 i bytes, or the KeyUpdate. */
	for (i = 0; i < nrec; i++) {
		const bool is_ku = rc->ku != 0 && i == (unsigned int)rc->ku;
		const bool new_key = rc->ku != 0 && i > (unsigned int)rc->ku;
		uint64_t rs = new_key ? i - (unsigned int)rc->ku - 1 : i;

		plen[i] = is_ku ? 5 : 100 + 13 * i;
		for (uint32_t j = 0; j < plen[i]; j++)
			pt[i][j] = (uint8_t)(i * 31 + j);
		if (is_ku)
			memcpy(pt[i], (const uint8_t[]){ 24, 0, 0, 1, 0 }, 5);
		len[i] = (uint32_t)ref_seal(new_key ? &s2 : &s1, rs,
			is_ku ? DPSEC_TLS_TYPE_HANDSHAKE : DPSEC_TLS_TYPE_DATA,
			pt[i], plen[i], 0, wire[i]);
		rec_start[i] = seq;
		seq += len[i];
		if (rc->nic[i] == 'N') {
			/* What the NIC leaves: the body decrypted (content
			 * and inner type), header and tag as they were. */
			memcpy(wire[i] + 5, pt[i], plen[i]);
			wire[i][5 + plen[i]] = is_ku ? DPSEC_TLS_TYPE_HANDSHAKE :
						       DPSEC_TLS_TYPE_DATA;
		}
	}
	rec_start[nrec] = seq;
	for (i = nrec + 1; i <= MAXREC; i++)
		rec_start[i] = UINT32_MAX;

	conn_init(&c, 4);
	ref_conf_fill(&conf, &s1, &c, true, 0, DPSEC_OFFLOAD_REQUIRE, SEQ0);
	conf.rx_resync = rc->mode;
	rx = dpsec_tls_create(ctx, &conf);
	assert_non_null(rx);
	rx_bit = rte_mbuf_dynflag_lookup(DPSEC_MBUF_DYNFLAG_RX_TLS_DECRYPTED,
					 NULL);
	req_bit = rte_mbuf_dynflag_lookup(
		DPSEC_MBUF_DYNFLAG_RX_TLS_RESYNC_REQ, NULL);
	req_off = rte_mbuf_dynfield_lookup(
		DPSEC_MBUF_DYNFIELD_TLS_RESYNC_SEQ, NULL);
	assert_true(rx_bit >= 0 && req_bit >= 0 && req_off >= 0);

	for (i = 0; i < nrec; i++) {
		struct rte_mbuf *m = seg_make(&c, true, rec_start[i],
					      wire[i], len[i], 1);

		assert_non_null(m);
		if (rc->nic[i] == 'N')
			m->ol_flags |= UINT64_C(1) << rx_bit;
		for (unsigned int q = 0; q < RTE_DIM(rc->req) &&
		     rc->req[q].carrier >= 0; q++) {
			if ((unsigned int)rc->req[q].carrier != i)
				continue;
			m->ol_flags |= UINT64_C(1) << req_bit;
			*RTE_MBUF_DYNFIELD(m, req_off, uint32_t *) =
				rec_start[rc->req[q].target] +
				(uint32_t)rc->req[q].off;
		}
		got += dpsec_tls_rx(rx, &m, 1, recs + got,
				    (uint16_t)(MAXREC - got));
		assert_int_equal(dpsec_tls_info(rx, &info), 0);
		if (info.state == DPSEC_TLS_KEY_WAIT) {
			assert_int_equal(info.next_tcp_seq, rec_start[i + 1]);
			assert_int_equal(dpsec_tls_rekey(rx, s2.key, s2.key_len,
							 s2.iv,
							 rec_start[i + 1]), 0);
			got += dpsec_tls_rx(rx, NULL, 0, recs + got,
					    (uint16_t)(MAXREC - got));
		}
	}
	assert_int_equal(got, nrec);
	for (i = 0; i < nrec; i++) {
		assert_int_equal(recs[i].status, 0);
		assert_true(rec_equals(recs[i].m, pt[i], plen[i]));
		assert_int_equal(recs[i].how, rc->nic[i] == 'N' ?
				 DPSEC_TLS_DECRYPTED : DPSEC_TLS_ENCRYPTED);
		rte_pktmbuf_free(recs[i].m);
	}
	want_str(have, sizeof(have));
	if (strchr(rc->want, '+') == NULL) {
		if (strcmp(have, rc->want) != 0)
			print_message("%s: the driver saw \"%s\"\n", rc->name,
				      have);
		assert_string_equal(have, rc->want);
	} else {
		/* "nR+O": one answer, no, for record R's start + O. */
		unsigned int r, o;

		assert_int_equal(sscanf(rc->want, "n%u+%u", &r, &o), 2);
		assert_int_equal(nev, 1);
		assert_int_equal(evs[0].op, 'n');
		assert_int_equal(evs[0].rec_idx,
				 1000 + rec_start[r] + o - SEQ0);
	}
	assert_int_equal(dpsec_tls_destroy(ctx, rx), 0);
	assert_true(test_pool_full(tlst_pool));
}

int
main(void)
{
	static const char *const args[] = { "--vdev", "net_null0" };
	static struct CMUnitTest tests[RTE_DIM(cases)];
	struct dpsec_ctx_conf cc = {
		.name = "tls-rs", .socket_id = SOCKET_ID_ANY, .max_sa = 4,
	};
	int ret;

	if (test_eal_init("lib-tls-resync-table", args, (int)RTE_DIM(args)) <
	    0)
		return 1;
	tlst_pool = test_pool_create("tls_rs", 1023, 2048);
	if (tlst_pool == NULL ||
	    test_port_start_simple(0, 1, 1, NULL, tlst_pool) != 0)
		return 1;
	/* The scripted driver takes net_null's port. */
	if (dpsec_drv_tls_ops_set(0, &f_ops) != 0 ||
	    dpsec_drv_caps_set(0, DPSEC_DRV_CAP_TLS_RX | DPSEC_DRV_CAP_TLS_TX)
	    != 0)
		return 1;
	ctx = dpsec_create(&cc);
	if (ctx == NULL || dpsec_port_attach(ctx, 0) != 0)
		return 1;
	for (unsigned int i = 0; i < RTE_DIM(cases); i++)
		tests[i] = (struct CMUnitTest){ cases[i].name,
			test_resync_case, NULL, NULL, (void *)&cases[i] };
	ret = _cmocka_run_group_tests("lib-tls-resync-table", tests,
				      RTE_DIM(cases), NULL, NULL);
	dpsec_free(ctx);
	dpsec_drv_caps_set(0, 0);
	dpsec_drv_tls_ops_set(0, NULL);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	if (!test_pool_full(tlst_pool))
		ret = 1;
	rte_mempool_free(tlst_pool);
	rte_eal_cleanup();
	return ret;
}
