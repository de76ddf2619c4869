/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_sim_inline's inline IPsec control path at its limits: the bounded SA
 * table (max_sa, -ENOSPC), create/destroy cycles without leaks, refused
 * configurations, foreign sessions, and rte_flow rules that must be refused.
 * Contract: doc/sim_inline.md, "Inline IPsec".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_malloc.h>
#include <rte_security.h>

#include "eal_fixture.h"
#include "rte_pmd_sim_inline.h"
#include "sec_util.h"
#include "sim_pair.h"

enum { MAX_SA = 16 };

static int
limits_setup(void **state)
{
	struct sim_pair *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		return -1;
	*state = sp;
	return sim_pair_create(sp, 0, "max_sa=16", 1, "max_sa=16") == 0 ?
	       0 : -1;
}

static struct sec_sa
sa_of(uint32_t spi, bool tunnel)
{
	struct sec_sa sa = {
		.action = RTE_SECURITY_ACTION_TYPE_INLINE_PROTOCOL,
		.tunnel = tunnel, .spi = spi, .userdata = spi,
	};
	return sa;
}

static void
test_table_full(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_mempool *mp = sec_sess_pool(sp->port[0], MAX_SA + 4);
	void *sess[MAX_SA + 1];
	struct sec_sa sa;
	struct rte_pmd_sim_inline_sa_state st;

	assert_non_null(mp);
	for (uint32_t i = 0; i < MAX_SA; i++) {
		sa = sa_of(0x100 + i, i & 1);
		sess[i] = sec_session(sp->port[0], mp, &sa, i & 2);
		assert_non_null(sess[i]);
	}
	assert_int_equal(test_xstat(sp->port[0], "sec_sessions"), MAX_SA);
	assert_int_equal(test_xstat(sp->port[0], "sec_table_full"), 0);
	/* The 17th: refused, ENOSPC in rte_errno, the pool object back. */
	sa = sa_of(0x200, true);
	rte_errno = 0;
	assert_null(sec_session(sp->port[0], mp, &sa, true));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(test_xstat(sp->port[0], "sec_table_full"), 1);
	assert_int_equal(test_xstat(sp->port[0], "sec_sessions"), MAX_SA);
	assert_int_equal(rte_mempool_avail_count(mp), 4);
	/* The other port's table is its own. */
	assert_int_equal(test_xstat(sp->port[1], "sec_sessions"), 0);
	/* Destroying one makes room, in the freed slot. */
	assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[0], 0x105,
						      false, &st), 0);
	assert_int_equal(st.index, 5);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[0]),
						      sess[5]), 0);
	assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[0], 0x105,
						      false, &st), -ENOENT);
	assert_int_equal(test_xstat(sp->port[0], "sec_sessions"), MAX_SA - 1);
	sess[5] = sec_session(sp->port[0], mp, &sa, true);
	assert_non_null(sess[5]);
	assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[0], 0x200,
						      true, &st), 0);
	assert_int_equal(st.index, 5);
	assert_true(st.egress);
	assert_true(st.tunnel);
	assert_int_equal(st.packets, 0);
	assert_int_equal(rte_pmd_sim_inline_sa_dump(sp->port[0], stderr), 0);
	for (uint32_t i = 0; i < MAX_SA; i++)
		assert_int_equal(rte_security_session_destroy(
			sec_ctx(sp->port[0]), sess[i]), 0);
	assert_int_equal(test_xstat(sp->port[0], "sec_sessions"), 0);
	assert_int_equal(rte_mempool_avail_count(mp), MAX_SA + 4);
	rte_mempool_free(mp);
}

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t used = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			used += st.heap_allocsz_bytes;
	return used;
}

static void
test_create_destroy_cycles(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_mempool *mp = sec_sess_pool(sp->port[0], 8);
	struct rte_security_ctx *ctx = sec_ctx(sp->port[0]);
	size_t before;

	assert_non_null(mp);
	/* Warm up whatever is allocated once (none expected, but fair). */
	for (int i = 0; i < 2; i++) {
		struct sec_sa sa = sa_of(1, false);
		void *s = sec_session(sp->port[0], mp, &sa, false);

		assert_non_null(s);
		assert_int_equal(rte_security_session_destroy(ctx, s), 0);
	}
	before = heap_used();
	for (uint32_t i = 0; i < 100000; i++) {
		struct sec_sa sa = sa_of(1 + i, i & 1);
		void *s;

		sa.cbc = i & 2;
		sa.esn = i & 4;
		s = sec_session(sp->port[0], mp, &sa, i & 8);
		if (s == NULL)
			fail_msg("cycle %u: create failed (%d)", i, rte_errno);
		if (rte_security_session_destroy(ctx, s) != 0)
			fail_msg("cycle %u: destroy failed", i);
	}
	assert_int_equal(rte_mempool_avail_count(mp), 8);
	assert_int_equal(heap_used(), before);
	assert_int_equal(test_xstat(sp->port[0], "sec_sessions"), 0);
	rte_mempool_free(mp);
}

static void
test_bad_configs(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_mempool *mp = sec_sess_pool(sp->port[0], 4);
	struct rte_security_ctx *ctx = sec_ctx(sp->port[0]);
	unsigned int rows = 0;

	assert_non_null(mp);
	for (int row = 0; ; row++) {
		struct sec_sa sa = sa_of(0x77, row & 1);
		struct rte_security_session_conf conf;
		struct rte_crypto_sym_xform xf[2];
		const char *what;
		void *s;

		sa.cbc = (row == 2 || row == 3 || row == 4 || row == 10);
		sec_conf(&sa, true, &conf, xf);
		switch (row) {
		case 0: what = "AH";
			conf.ipsec.proto = RTE_SECURITY_IPSEC_SA_PROTO_AH; break;
		case 1: what = "AES-CTR";
			xf[0].type = RTE_CRYPTO_SYM_XFORM_CIPHER;
			memset(&xf[0].cipher, 0, sizeof(xf[0].cipher));
			xf[0].cipher.algo = RTE_CRYPTO_CIPHER_AES_CTR;
			xf[0].cipher.key.data = sec_cipher_key;
			xf[0].cipher.key.length = 16;
			xf[0].next = &xf[1];
			xf[1].type = RTE_CRYPTO_SYM_XFORM_AUTH;
			xf[1].auth.algo = RTE_CRYPTO_AUTH_SHA256_HMAC;
			xf[1].auth.key.data = sec_auth_key;
			xf[1].auth.key.length = 32;
			xf[1].auth.digest_length = 16;
			break;
		case 2: what = "HMAC-SHA384 with a 16-byte digest";
			xf[1].auth.algo = RTE_CRYPTO_AUTH_SHA384_HMAC;
			xf[1].auth.digest_length = 16; break;
		case 3: what = "SHA256 with a 12-byte digest";
			xf[1].auth.digest_length = 12; break;
		case 4: what = "CBC without integrity";
			xf[0].next = NULL; break;
		case 5: what = "GCM with a 12-byte tag";
			xf[0].aead.digest_length = 12; break;
		case 6: what = "GCM with a 20-byte key";
			xf[0].aead.key.length = 20; break;
		case 7: what = "replay window 4097";
			conf.ipsec.direction = RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
			conf.ipsec.replay_win_sz = 4097; break;
		case 8: what = "a reserved option bit";
			conf.ipsec.options.reserved_opts = 1; break;
		case 9: what = "ingress ip_reassembly_en, reassembly off";
			conf.ipsec.direction = RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
			conf.ipsec.options.ip_reassembly_en = 1; break;
		case 10: what = "two cipher transforms";
			xf[1] = xf[0]; xf[1].next = NULL; break;
		case 11: what = "no crypto transform";
			conf.crypto_xform = NULL; break;
		case 12: what = "lookaside action";
			conf.action_type =
				RTE_SECURITY_ACTION_TYPE_LOOKASIDE_PROTOCOL;
			break;
		case 13: what = "bad direction";
			conf.ipsec.direction = 7; break;
		case 14: what = "bad tunnel type";
			conf.ipsec.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
			conf.ipsec.tunnel.type = 9; break;
		case 15: what = "MACsec protocol";
			conf.protocol = RTE_SECURITY_PROTOCOL_MACSEC; break;
		default: what = NULL; break;
		}
		if (what == NULL)
			break;
		rte_errno = 0;
		s = rte_security_session_create(ctx, &conf, mp);
		if (s != NULL)
			fail_msg("%s: session created", what);
		if (rte_errno != ENOTSUP && rte_errno != EINVAL)
			fail_msg("%s: rte_errno %d, want ENOTSUP or EINVAL",
				 what, rte_errno);
		rows++;
	}
	assert_int_equal(rows, 16);
	assert_int_equal(test_xstat(sp->port[0], "sec_sessions"), 0);
	assert_int_equal(test_xstat(sp->port[0], "sec_table_full"), 0);
	assert_int_equal(rte_mempool_avail_count(mp), 4);
	rte_mempool_free(mp);
}

static void
test_foreign_destroy(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_mempool *mp = sec_sess_pool(sp->port[0], 4);
	struct rte_security_ctx *c0 = sec_ctx(sp->port[0]);
	struct rte_security_ctx *c1 = sec_ctx(sp->port[1]);
	struct sec_sa sa = sa_of(0x42, true);
	void *s1, *fake;

	assert_non_null(mp);
	s1 = sec_session(sp->port[1], mp, &sa, false);
	assert_non_null(s1);
	/* Port 1's session through port 0's context: not ours. */
	assert_int_not_equal(rte_security_session_destroy(c0, s1), 0);
	assert_int_equal(test_xstat(sp->port[1], "sec_sessions"), 1);
	/* A zeroed object that never was a session. */
	assert_int_equal(rte_mempool_get(mp, &fake), 0);
	memset(fake, 0, mp->elt_size);
	assert_int_not_equal(rte_security_session_destroy(c0, fake), 0);
	assert_int_not_equal(rte_security_session_destroy(c1, fake), 0);
	rte_mempool_put(mp, fake);
	assert_int_equal(rte_security_session_destroy(c1, s1), 0);
	/* Destroyed twice: the object is back in the pool, zeroed by us. */
	assert_int_equal(test_xstat(sp->port[1], "sec_sessions"), 0);
	assert_int_equal(rte_mempool_avail_count(mp), 4);
	/* The PMD API on ports that are not sim_inline, or no port. */
	assert_int_equal(rte_pmd_sim_inline_sa_dump(RTE_MAX_ETHPORTS, stderr),
			 -ENODEV);
	assert_int_equal(rte_pmd_sim_inline_sa_state(sp->port[0], 0x42, false,
						      &(struct rte_pmd_sim_inline_sa_state){0}),
			 -ENOENT);
	rte_mempool_free(mp);
}

static int
try_flow(uint16_t port, const struct rte_flow_attr *attr,
	 const struct rte_flow_item *pat, const struct rte_flow_action *act,
	 const char *what)
{
	struct rte_flow_error err;
	struct rte_flow *f;
	int v;

	memset(&err, 0, sizeof(err));
	v = rte_flow_validate(port, attr, pat, act, &err);
	if (v == 0)
		fail_msg("%s: validate accepted it", what);
	if (err.message == NULL)
		fail_msg("%s: no error message", what);
	f = rte_flow_create(port, attr, pat, act, &err);
	if (f != NULL)
		fail_msg("%s: create accepted it", what);
	return v;
}

static void
test_flow_garbage(void **state)
{
	struct sim_pair *sp = *state;
	struct rte_mempool *mp = sec_sess_pool(sp->port[0], 8);
	struct sec_sa sa = sa_of(0x99, true);
	void *in0, *in1, *out0;
	struct rte_flow_attr ing = { .ingress = 1 }, egr = { .egress = 1 };
	struct rte_flow_attr both = { .ingress = 1, .egress = 1 };
	struct rte_flow_item_esp esp = { .hdr.spi = RTE_BE32(0x99) };
	struct rte_flow_item_esp esp_other = { .hdr.spi = RTE_BE32(0x98) };
	struct rte_flow_item p_ok[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4 },
		{ .type = RTE_FLOW_ITEM_TYPE_ESP, .spec = &esp },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_item p_noesp[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_IPV4 },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_item p_tcp[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ETH },
		{ .type = RTE_FLOW_ITEM_TYPE_TCP },
		{ .type = RTE_FLOW_ITEM_TYPE_ESP },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_item p_unknown[] = {
		{ .type = (enum rte_flow_item_type)0x7fff0000 },
		{ .type = RTE_FLOW_ITEM_TYPE_ESP },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_item p_spi_other[] = {
		{ .type = RTE_FLOW_ITEM_TYPE_ESP, .spec = &esp_other },
		{ .type = RTE_FLOW_ITEM_TYPE_END },
	};
	struct rte_flow_action_security as0 = { 0 }, as1 = { 0 }, aso = { 0 };
	struct rte_flow_action_security as_null = { .security_session = NULL };
	struct rte_flow_action a_ok[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &as0 },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_action a_two[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &as0 },
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &as0 },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_action a_foreign[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &as1 },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_action a_egress_sa[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &aso },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_action a_null[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_SECURITY, .conf = &as_null },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_action a_drop[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_DROP },
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_action a_none[] = {
		{ .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_error err;
	struct rte_flow *f, *f2;
	uint16_t p0 = sp->port[0];

	assert_non_null(mp);
	in0 = sec_session(p0, mp, &sa, false);
	in1 = sec_session(sp->port[1], mp, &sa, false);
	out0 = sec_session(p0, mp, &sa, true);
	assert_non_null(in0);
	assert_non_null(in1);
	assert_non_null(out0);
	as0.security_session = in0;
	as1.security_session = in1;
	aso.security_session = out0;

	try_flow(p0, &ing, p_noesp, a_ok, "no ESP item");
	try_flow(p0, &egr, p_ok, a_ok, "egress attribute");
	try_flow(p0, &both, p_ok, a_ok, "ingress and egress");
	try_flow(p0, &ing, p_tcp, a_ok, "TCP item");
	try_flow(p0, &ing, p_unknown, a_ok, "unknown item");
	try_flow(p0, &ing, p_ok, a_two, "two SECURITY actions");
	try_flow(p0, &ing, p_ok, a_foreign, "session of another port");
	try_flow(p0, &ing, p_ok, a_egress_sa, "egress session");
	try_flow(p0, &ing, p_ok, a_null, "NULL session");
	try_flow(p0, &ing, p_ok, a_drop, "DROP action");
	try_flow(p0, &ing, p_ok, a_none, "no action");
	try_flow(p0, &ing, p_spi_other, a_ok, "SPI not the session's");
	assert_int_not_equal(rte_flow_validate(p0, NULL, p_ok, a_ok, &err), 0);

	/* The good rule, once per session. */
	assert_int_equal(rte_flow_validate(p0, &ing, p_ok, a_ok, &err), 0);
	f = rte_flow_create(p0, &ing, p_ok, a_ok, &err);
	assert_non_null(f);
	f2 = rte_flow_create(p0, &ing, p_ok, a_ok, &err);
	assert_null(f2);
	assert_non_null(err.message);
	assert_int_equal(rte_flow_destroy(p0, f, &err), 0);
	assert_int_not_equal(rte_flow_destroy(p0, f, &err), 0);
	f = rte_flow_create(p0, &ing, p_ok, a_ok, &err);
	assert_non_null(f);
	/* Destroying the session leaves a rule that matches nothing. */
	assert_int_equal(rte_security_session_destroy(sec_ctx(p0), in0), 0);
	assert_int_equal(rte_flow_flush(p0, &err), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(p0), out0), 0);
	assert_int_equal(rte_security_session_destroy(sec_ctx(sp->port[1]),
						      in1), 0);
	assert_int_equal(rte_mempool_avail_count(mp), 8);
	rte_mempool_free(mp);
}

static int
group_setup(void **state)
{
	(void)state;
	return test_eal_init("pmd-sec-limits", NULL, 0) < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_full,
			limits_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_create_destroy_cycles,
			limits_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_bad_configs,
			limits_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_foreign_destroy,
			limits_setup, sim_pair_teardown),
		cmocka_unit_test_setup_teardown(test_flow_garbage,
			limits_setup, sim_pair_teardown),
	};

	return cmocka_run_group_tests_name("pmd-sec-limits", tests,
					   group_setup, sim_eal_teardown);
}
