/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The API's handles and error paths (doc/programmers_guide.md, "Handles
 * and errors"):
 * - an SA handle that names no live SA (destroyed, even when its memory
 *   and slot went to a new SA) fails with -ENOENT / reason BAD_HANDLE and
 *   never touches another SA; a context freed once is refused afterwards;
 * - every bad call says what was wrong: a return code or rte_errno, a
 *   reason on each packet of a refused burst, and a log line (captured
 *   here through rte_openlog_stream()).
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
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "dpsec_sa.h"
#include "dpsec_spd.h"
#include "eal_fixture.h"
#include "esp_test.h"

enum {
	NB_REUSE = 48,		/* SAs created after a destroy: reuse is sure */
	MAX_SA = 64,
	PKT_LEN = 120,
	NB_PKT = 4,
};

static struct rte_mempool *pool;
static struct dpsec_ctx *ctx;
static struct espt_keys kbuf;
static uint32_t next_spi = 0x7000;

/* ---- log capture ---- */

static char *log_buf;
static size_t log_len;
static FILE *log_mem;

static void
log_start(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
	log_mem = open_memstream(&log_buf, &log_len);
	assert_non_null(log_mem);
	rte_openlog_stream(log_mem);
}

/* Stop capturing; true if the captured log contains @needle. */
static bool
log_has(const char *needle)
{
	bool found;

	rte_openlog_stream(NULL);
	fclose(log_mem);
	log_mem = NULL;
	found = log_buf != NULL && strstr(log_buf, needle) != NULL;
	if (!found)
		fprintf(stderr, "log lacks \"%s\"; it holds: [%s]\n", needle,
			log_buf != NULL ? log_buf : "");
	return found;
}

/* ---- helpers ---- */

static void
conf_make(struct dpsec_sa_conf *c, enum dpsec_sa_dir dir, uint32_t spi)
{
	espt_conf(c, espt_alg_find("gcm128"), &kbuf, dir, DPSEC_SA_TUNNEL, 4,
		  spi, 0);
}

static struct dpsec_sa *
sa_make(enum dpsec_sa_dir dir, uint32_t spi)
{
	struct dpsec_sa_conf c;
	struct dpsec_sa *sa;

	conf_make(&c, dir, spi);
	c.userdata = spi;
	sa = dpsec_sa_create(ctx, &c);
	assert_non_null(sa);
	return sa;
}

static void
pkts_make(struct rte_mbuf *m[], unsigned int n)
{
	uint8_t buf[ESPT_PKT_MAX];
	size_t len;

	for (unsigned int i = 0; i < n; i++) {
		len = espt_pkt_build(buf, 4, IPPROTO_UDP, PKT_LEN, 100 + i);
		m[i] = espt_mbuf(pool, buf, len);
		assert_non_null(m[i]);
		dpsec_mbuf_set_reason(m[i], DPSEC_R_NONE);
	}
}

static void
pkts_free(struct rte_mbuf *m[], unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
}

/* Outbound through @sa: how many packets of a fresh burst went on; the
 * others must carry @why. */
static uint16_t
outb_try(struct dpsec_sa *sa, enum dpsec_reason why)
{
	struct rte_mbuf *m[NB_PKT];
	uint16_t n;

	pkts_make(m, NB_PKT);
	n = dpsec_sa_outbound(sa, m, NB_PKT);
	for (unsigned int i = n; i < NB_PKT; i++)
		assert_int_equal(dpsec_mbuf_reason(m[i]), why);
	pkts_free(m, NB_PKT);
	return n;
}

/* The SA is alive, works and is what its SPI says. */
static void
sa_alive(struct dpsec_sa *sa, uint32_t spi, enum dpsec_sa_dir dir)
{
	struct dpsec_sa_info info;
	struct dpsec_sa_stats st;

	assert_int_equal(dpsec_sa_info(sa, &info), 0);
	assert_int_equal(info.spi, spi);
	assert_int_equal(info.userdata, spi);
	assert_int_equal(info.state, DPSEC_SA_ACTIVE);
	assert_int_equal(dpsec_sa_stats_get(sa, &st), 0);
	if (dir == DPSEC_SA_OUTBOUND)
		assert_int_equal(outb_try(sa, DPSEC_R_NONE), NB_PKT);
	else
		assert_ptr_equal(dpsec_sa_lookup(ctx, spi, NULL, NULL), sa);
}

/* ---- item 8: stale handles ---- */

static void
test_destroy_twice(void **state)
{
	struct dpsec_sa *sa = sa_make(DPSEC_SA_OUTBOUND, next_spi++);

	(void)state;
	assert_int_equal(dpsec_sa_destroy(ctx, sa), 0);
	log_start();
	assert_int_equal(dpsec_sa_destroy(ctx, sa), -ENOENT);
	assert_true(log_has("dpsec_sa_destroy"));
}

/*
 * Destroy an SA, then create many: one takes its memory and its slot. The
 * old handle must fail everywhere and leave every new SA as it was.
 */
static void
stale_reuse(enum dpsec_sa_dir dir)
{
	struct dpsec_sa *old, *sa[NB_REUSE];
	uint32_t spi[NB_REUSE], old_spi = next_spi++;
	struct dpsec_sa_info info;
	struct dpsec_sa_stats st;

	old = sa_make(dir, old_spi);
	assert_int_equal(dpsec_sa_destroy(ctx, old), 0);
	for (unsigned int i = 0; i < NB_REUSE; i++) {
		spi[i] = next_spi++;
		sa[i] = sa_make(dir, spi[i]);
	}

	log_start();
	assert_int_equal(dpsec_sa_destroy(ctx, old), -ENOENT);
	assert_true(log_has("no live SA"));
	assert_int_equal(dpsec_sa_info(old, &info), -ENOENT);
	assert_int_equal(dpsec_sa_stats_get(old, &st), -ENOENT);
	assert_int_equal(dpsec_sa_move(ctx, old, false), -ENOENT);
	assert_int_equal(dpsec_sa_move(ctx, old, true), -ENOENT);
	assert_int_equal(outb_try(old, DPSEC_R_BAD_HANDLE), 0);
	if (dir == DPSEC_SA_OUTBOUND)
		assert_int_equal(dpsec_reqid_set(ctx, 77, old), -ENOENT);

	for (unsigned int i = 0; i < NB_REUSE; i++)
		sa_alive(sa[i], spi[i], dir);
	for (unsigned int i = 0; i < NB_REUSE; i++)
		assert_int_equal(dpsec_sa_destroy(ctx, sa[i]), 0);
}

static void
test_stale_reuse_outbound(void **state)
{
	(void)state;
	stale_reuse(DPSEC_SA_OUTBOUND);
}

static void
test_stale_reuse_inbound(void **state)
{
	(void)state;
	stale_reuse(DPSEC_SA_INBOUND);
}

/* Handles that name no SA at all: NULL, garbage, another context's SA. */
static void
test_bad_handles(void **state)
{
	struct dpsec_sa *sa = sa_make(DPSEC_SA_OUTBOUND, next_spi++);
	struct dpsec_sa *junk = (struct dpsec_sa *)(uintptr_t)0x1234;
	struct dpsec_ctx *other;
	struct dpsec_sa_info info;
	struct dpsec_sa_stats st;

	(void)state;
	assert_int_equal(dpsec_sa_destroy(ctx, NULL), -EINVAL);
	assert_int_equal(dpsec_sa_destroy(NULL, sa), -EINVAL);
	assert_int_equal(dpsec_sa_info(NULL, &info), -EINVAL);
	assert_int_equal(dpsec_sa_info(sa, NULL), -EINVAL);
	assert_int_equal(dpsec_sa_stats_get(NULL, &st), -EINVAL);
	assert_int_equal(dpsec_sa_move(ctx, NULL, false), -EINVAL);
	assert_int_equal(outb_try(NULL, DPSEC_R_BAD_HANDLE), 0);
	assert_int_equal(dpsec_reqid_set(ctx, 5, junk), -EINVAL);

	assert_int_equal(dpsec_sa_destroy(ctx, junk), -EINVAL);
	assert_int_equal(dpsec_sa_info(junk, &info), -EINVAL);
	assert_int_equal(dpsec_sa_stats_get(junk, &st), -EINVAL);
	assert_int_equal(outb_try(junk, DPSEC_R_BAD_HANDLE), 0);

	other = espt_ctx("hdl_other", DPSEC_BACKEND_IPSEC_MB, 4);
	assert_non_null(other);
	log_start();
	assert_int_equal(dpsec_sa_destroy(other, sa), -EINVAL);
	assert_true(log_has("another context"));
	assert_int_equal(dpsec_sa_move(other, sa, false), -EINVAL);
	assert_int_equal(dpsec_reqid_set(other, 5, sa), -EINVAL);
	dpsec_free(other);

	sa_alive(sa, next_spi - 1, DPSEC_SA_OUTBOUND);
	assert_int_equal(dpsec_sa_destroy(ctx, sa), 0);
}

/* What the library hands out is the handle the calls take. */
static struct dpsec_sa *ev_sa;

static void
ev_cb(struct dpsec_ctx *c, struct dpsec_sa *sa, enum dpsec_event e,
      uint64_t userdata, void *arg)
{
	struct dpsec_sa_info info;

	(void)c; (void)e; (void)arg;
	/* the handle works from the callback (no lock to take) */
	if (dpsec_sa_info(sa, &info) == 0 && info.userdata == userdata)
		ev_sa = sa;
}

static void
test_handles_given_out(void **state)
{
	struct dpsec_sa_conf c;
	struct dpsec_sa *o, *i;
	struct rte_mbuf *m[NB_PKT];
	struct dpsec_sa *out[NB_PKT];
	uint32_t spi = next_spi++;

	(void)state;
	conf_make(&c, DPSEC_SA_OUTBOUND, spi);
	c.userdata = spi;
	c.hard.packets = 2;
	o = dpsec_sa_create(ctx, &c);
	assert_non_null(o);
	i = sa_make(DPSEC_SA_INBOUND, spi);
	assert_ptr_equal(dpsec_sa_lookup(ctx, spi, NULL, NULL), i);
	assert_int_equal(dpsec_reqid_set(ctx, 9, o), 0);
	assert_ptr_equal(dpsec_reqid_get(ctx, 9), o);

	ev_sa = NULL;
	assert_int_equal(dpsec_event_cb_set(ctx, ev_cb, NULL), 0);
	pkts_make(m, NB_PKT);
	assert_int_equal(dpsec_sa_outbound(o, m, 2), 2);
	assert_ptr_equal(ev_sa, o);
	assert_int_equal(dpsec_event_cb_set(ctx, NULL, NULL), 0);
	assert_int_equal(dpsec_inbound(ctx, m, 2, out), 2);
	assert_ptr_equal(out[0], i);
	assert_ptr_equal(out[1], i);
	pkts_free(m, NB_PKT);

	/* a reqid whose SA is gone names none */
	assert_int_equal(dpsec_sa_destroy(ctx, o), 0);
	assert_null(dpsec_reqid_get(ctx, 9));
	assert_int_equal(rte_errno, ENOENT);
	assert_int_equal(dpsec_reqid_set(ctx, 9, NULL), 0);
	assert_int_equal(dpsec_sa_destroy(ctx, i), 0);
}

/* A policy whose SA was destroyed drops its packets as NO_SA. */
static void
test_policy_stale_sa(void **state)
{
	struct dpsec_policy p = { .id = 1, .action = DPSEC_POLICY_PROTECT };
	struct dpsec_sa *sa = sa_make(DPSEC_SA_OUTBOUND, next_spi++);
	struct dpsec_sa *fresh[8];
	struct dpsec_spd *spd;
	struct rte_mbuf *m[NB_PKT];

	(void)state;
	spd = dpsec_spd_create(ctx, "hdl_spd", DPSEC_SA_OUTBOUND, 4);
	assert_non_null(spd);
	p.sel.family = 4;
	p.sa = sa;
	assert_int_equal(dpsec_spd_add(spd, &p), 0);
	assert_int_equal(dpsec_spd_commit(spd), 0);
	pkts_make(m, NB_PKT);
	assert_int_equal(dpsec_outbound(ctx, spd, m, 1), 1);
	assert_int_equal(dpsec_sa_destroy(ctx, sa), 0);
	/* memory and slot taken again */
	for (unsigned int i = 0; i < RTE_DIM(fresh); i++)
		fresh[i] = sa_make(DPSEC_SA_OUTBOUND, next_spi++);
	assert_int_equal(dpsec_outbound(ctx, spd, m + 1, 3), 0);
	for (unsigned int i = 1; i < NB_PKT; i++)
		assert_int_equal(dpsec_mbuf_reason(m[i]), DPSEC_R_NO_SA);
	pkts_free(m, NB_PKT);
	dpsec_spd_free(spd);
	for (unsigned int i = 0; i < RTE_DIM(fresh); i++)
		assert_int_equal(dpsec_sa_destroy(ctx, fresh[i]), 0);
}

static void
test_free_twice(void **state)
{
	struct dpsec_ctx *c = espt_ctx("hdl_twice", DPSEC_BACKEND_IPSEC_MB, 4);
	struct dpsec_sa_conf sc;
	struct rte_mbuf *m[NB_PKT];

	(void)state;
	assert_non_null(c);
	dpsec_free(c);
	log_start();
	dpsec_free(c);
	assert_true(log_has("not a live context"));
	/* any call with it is refused */
	conf_make(&sc, DPSEC_SA_OUTBOUND, next_spi++);
	rte_errno = 0;
	assert_null(dpsec_sa_create(c, &sc));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(dpsec_sa_expire_check(c), -EINVAL);
	assert_int_equal(dpsec_event_cb_set(c, NULL, NULL), -EINVAL);
	pkts_make(m, NB_PKT);
	assert_int_equal(dpsec_inbound(c, m, NB_PKT, NULL), 0);
	for (unsigned int i = 0; i < NB_PKT; i++)
		assert_int_equal(dpsec_mbuf_reason(m[i]), DPSEC_R_BAD_HANDLE);
	pkts_free(m, NB_PKT);
	dpsec_free(NULL);	/* still a no-op */
}

/*
 * A context freed and another created: the new one likely takes the old
 * one's registry index and memory. The old context's SA handles stay
 * stale and name none of the new context's SAs.
 */
static void
test_ctx_reuse(void **state)
{
	struct dpsec_ctx *a, *b;
	struct dpsec_sa *old[4], *fresh[4];
	struct dpsec_sa_conf c;
	struct dpsec_sa_info info;

	(void)state;
	a = espt_ctx("hdl_reuse_a", DPSEC_BACKEND_IPSEC_MB, 4);
	assert_non_null(a);
	for (unsigned int i = 0; i < RTE_DIM(old); i++) {
		conf_make(&c, DPSEC_SA_OUTBOUND, 0x8000 + i);
		c.userdata = 0x8000 + i;
		old[i] = dpsec_sa_create(a, &c);
		assert_non_null(old[i]);
	}
	dpsec_free(a);
	b = espt_ctx("hdl_reuse_b", DPSEC_BACKEND_IPSEC_MB, 4);
	assert_non_null(b);
	for (unsigned int i = 0; i < RTE_DIM(fresh); i++) {
		conf_make(&c, DPSEC_SA_OUTBOUND, 0x8100 + i);
		c.userdata = 0x8100 + i;
		fresh[i] = dpsec_sa_create(b, &c);
		assert_non_null(fresh[i]);
	}
	for (unsigned int i = 0; i < RTE_DIM(old); i++) {
		assert_int_equal(dpsec_sa_info(old[i], &info), -ENOENT);
		assert_int_equal(dpsec_sa_destroy(b, old[i]), -ENOENT);
		assert_int_equal(outb_try(old[i], DPSEC_R_BAD_HANDLE), 0);
	}
	for (unsigned int i = 0; i < RTE_DIM(fresh); i++) {
		assert_int_equal(dpsec_sa_info(fresh[i], &info), 0);
		assert_int_equal(info.userdata, 0x8100 + i);
		assert_int_equal(outb_try(fresh[i], DPSEC_R_NONE), NB_PKT);
	}
	dpsec_free(b);
}

static void
test_spd_free_twice(void **state)
{
	struct dpsec_policy p = { .id = 1, .action = DPSEC_POLICY_BYPASS };
	struct dpsec_spd_stats st;
	struct dpsec_spd *spd;

	(void)state;
	spd = dpsec_spd_create(ctx, "hdl_spd2", DPSEC_SA_INBOUND, 4);
	assert_non_null(spd);
	dpsec_spd_free(spd);
	log_start();
	dpsec_spd_free(spd);
	assert_true(log_has("not a live SPD"));
	p.sel.family = 4;
	assert_int_equal(dpsec_spd_add(spd, &p), -EINVAL);
	assert_int_equal(dpsec_spd_del(spd, 1), -EINVAL);
	assert_int_equal(dpsec_spd_commit(spd), -EINVAL);
	assert_int_equal(dpsec_spd_stats_get(spd, &st), -EINVAL);
	dpsec_spd_free(NULL);
}

/* ---- item 9: every bad call says what was wrong ---- */

/* One bad call: its return as an int (-errno, 0, or a count), rte_errno
 * set by it (-1: not checked), and the reason given to its packets. */
struct bad_row {
	const char *name;
	int (*call)(struct rte_mbuf *m[]);
	int ret;
	int err;
	enum dpsec_reason reason;	/* NONE: the call takes no packets */
	const char *log;
};

static struct dpsec_sa *row_in_sa;
static struct dpsec_ctx *row_full;

static int
call_outb_null(struct rte_mbuf *m[])
{
	return dpsec_sa_outbound(NULL, m, NB_PKT);
}

static int
call_outb_inbound_sa(struct rte_mbuf *m[])
{
	return dpsec_sa_outbound(row_in_sa, m, NB_PKT);
}

static int
call_inb_null_ctx(struct rte_mbuf *m[])
{
	return dpsec_inbound(NULL, m, NB_PKT, NULL);
}

static int
call_spd_outb_null(struct rte_mbuf *m[])
{
	return dpsec_outbound(NULL, NULL, m, NB_PKT);
}

static int
call_policy_null(struct rte_mbuf *m[])
{
	return dpsec_inbound_policy_check(NULL, m, NULL, NB_PKT);
}

static int
sa_create_ret(struct dpsec_ctx *c, const struct dpsec_sa_conf *conf)
{
	struct dpsec_sa *sa = dpsec_sa_create(c, conf);

	if (sa != NULL) {
		dpsec_sa_destroy(c, sa);
		return 0;
	}
	return -1;
}

static int
call_create_full(struct rte_mbuf *m[])
{
	struct dpsec_sa_conf c;

	(void)m;
	conf_make(&c, DPSEC_SA_OUTBOUND, 0x9999);
	return sa_create_ret(row_full, &c);
}

static int
call_create_null_key(struct rte_mbuf *m[])
{
	struct dpsec_sa_conf c;

	(void)m;
	conf_make(&c, DPSEC_SA_OUTBOUND, 0x9998);
	c.cipher_key = NULL;
	return sa_create_ret(ctx, &c);
}

static int
call_create_null_auth_key(struct rte_mbuf *m[])
{
	struct dpsec_sa_conf c;

	(void)m;
	espt_conf(&c, espt_alg_find("cbc128-sha1"), &kbuf, DPSEC_SA_OUTBOUND,
		  DPSEC_SA_TUNNEL, 4, 0x9997, 0);
	c.auth_key = NULL;
	return sa_create_ret(ctx, &c);
}

static int
call_create_null_ctx(struct rte_mbuf *m[])
{
	struct dpsec_sa_conf c;

	(void)m;
	conf_make(&c, DPSEC_SA_OUTBOUND, 0x9996);
	return sa_create_ret(NULL, &c);
}

static int
call_create_null_conf(struct rte_mbuf *m[])
{
	(void)m;
	return sa_create_ret(ctx, NULL);
}

static int
call_ctx_bad_conf(struct rte_mbuf *m[])
{
	struct dpsec_ctx_conf cc = { .name = "hdl_zero", .max_sa = 0 };

	(void)m;
	return dpsec_create(&cc) != NULL ? 0 : -1;
}

static int
call_ctx_dup_name(struct rte_mbuf *m[])
{
	(void)m;
	return espt_ctx("hdl_main", DPSEC_BACKEND_IPSEC_MB, 4) != NULL ? 0 : -1;
}

static int
call_cb_set_null(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_event_cb_set(NULL, NULL, NULL);
}

static int
call_expire_null(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_sa_expire_check(NULL);
}

static int
call_attach_bad_port(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_port_attach(ctx, 4000);
}

static int
call_resync_unattached(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_port_resync(ctx, 3);
}

static int
call_move_sw_only(struct rte_mbuf *m[])
{
	struct dpsec_sa *sa = sa_make(DPSEC_SA_OUTBOUND, 0x6ffd);
	int ret;

	(void)m;
	/* offload NONE: its keys are not kept, it cannot go to a NIC */
	ret = dpsec_sa_move(ctx, sa, true);
	dpsec_sa_destroy(ctx, sa);
	return ret;
}

static int
call_lookup_null(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_sa_lookup(NULL, 0x1000, NULL, NULL) != NULL ? 0 : -1;
}

static int
call_reqid_zero(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_reqid_set(ctx, 0, NULL);
}

static int
call_reqid_inbound(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_reqid_set(ctx, 3, row_in_sa);
}

static int
call_reqid_get_null(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_reqid_get(NULL, 3) != NULL ? 0 : -1;
}

static int
call_spd_create_bad(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_spd_create(ctx, "hdl_bad", DPSEC_SA_OUTBOUND, 0) != NULL ?
	       0 : -1;
}

static int
call_spd_create_null_ctx(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_spd_create(NULL, "hdl_bad", DPSEC_SA_OUTBOUND, 4) !=
	       NULL ? 0 : -1;
}

static struct dpsec_spd *row_spd;

static int
call_spd_add_bad(struct rte_mbuf *m[])
{
	struct dpsec_policy p = { .id = 1, .action = DPSEC_POLICY_PROTECT };

	(void)m;
	p.sel.family = 4;
	p.reqid = 0;		/* PROTECT needs an SA or a reqid */
	return dpsec_spd_add(row_spd, &p);
}

static int
call_spd_add_wrong_dir_sa(struct rte_mbuf *m[])
{
	struct dpsec_policy p = { .id = 2, .action = DPSEC_POLICY_PROTECT };

	(void)m;
	p.sel.family = 4;
	p.sa = row_in_sa;	/* inbound SA in an outbound SPD */
	return dpsec_spd_add(row_spd, &p);
}

static int
call_spd_add_null(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_spd_add(NULL, NULL);
}

static int
call_spd_del_missing(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_spd_del(row_spd, 12345);
}

static int
call_spd_commit_null(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_spd_commit(NULL);
}

static int
call_spd_stats_null(struct rte_mbuf *m[])
{
	(void)m;
	return dpsec_spd_stats_get(NULL, NULL);
}

#define NOPKT DPSEC_R_NONE
static const struct bad_row bad_rows[] = {
	{ "outbound NULL SA", call_outb_null, 0, -1, DPSEC_R_BAD_HANDLE,
	  "dpsec_sa_outbound: NULL SA" },
	{ "outbound inbound SA", call_outb_inbound_sa, 0, -1,
	  DPSEC_R_BAD_HANDLE, "not an outbound SA" },
	{ "inbound NULL ctx", call_inb_null_ctx, 0, -1, DPSEC_R_BAD_HANDLE,
	  "dpsec_inbound: NULL context" },
	{ "spd outbound NULL ctx", call_spd_outb_null, 0, -1,
	  DPSEC_R_BAD_HANDLE, "dpsec_outbound: NULL context" },
	{ "policy check NULL spd", call_policy_null, 0, -1,
	  DPSEC_R_BAD_HANDLE, "dpsec_inbound_policy_check: NULL SPD" },
	{ "create in full ctx", call_create_full, -1, ENOSPC, NOPKT,
	  "context hdl_full full (max_sa 1)" },
	{ "create NULL cipher_key", call_create_null_key, -1, EINVAL, NOPKT,
	  "cipher_key: NULL" },
	{ "create NULL auth_key", call_create_null_auth_key, -1, EINVAL, NOPKT,
	  "auth_key: NULL" },
	{ "create NULL ctx", call_create_null_ctx, -1, EINVAL, NOPKT,
	  "dpsec_sa_create: NULL context" },
	{ "create NULL conf", call_create_null_conf, -1, EINVAL, NOPKT,
	  "dpsec_sa_create: NULL conf" },
	{ "ctx max_sa 0", call_ctx_bad_conf, -1, EINVAL, NOPKT,
	  "max_sa" },
	{ "ctx name taken", call_ctx_dup_name, -1, EEXIST, NOPKT,
	  "hdl_main" },
	{ "cb_set NULL ctx", call_cb_set_null, -EINVAL, -1, NOPKT,
	  "dpsec_event_cb_set: NULL context" },
	{ "expire_check NULL ctx", call_expire_null, -EINVAL, -1, NOPKT,
	  "dpsec_sa_expire_check: NULL context" },
	{ "attach bad port", call_attach_bad_port, -EINVAL, -1, NOPKT,
	  "port 4000" },
	{ "resync unattached port", call_resync_unattached, -EINVAL, -1,
	  NOPKT, "port 3" },
	{ "move software-only SA to the NIC", call_move_sw_only, -ENOTSUP, -1,
	  NOPKT, "SA 0x00006ffd stays in software" },
	{ "lookup NULL ctx", call_lookup_null, -1, EINVAL, NOPKT,
	  "dpsec_sa_lookup: NULL context" },
	{ "reqid 0", call_reqid_zero, -EINVAL, -1, NOPKT, "reqid 0" },
	{ "reqid inbound SA", call_reqid_inbound, -EINVAL, -1, NOPKT,
	  "not an outbound SA" },
	{ "reqid_get NULL ctx", call_reqid_get_null, -1, EINVAL, NOPKT,
	  "dpsec_reqid_get: NULL context" },
	{ "spd max_rules 0", call_spd_create_bad, -1, EINVAL, NOPKT,
	  "max_rules" },
	{ "spd NULL ctx", call_spd_create_null_ctx, -1, EINVAL, NOPKT,
	  "dpsec_spd_create: NULL context" },
	{ "spd_add no SA/reqid", call_spd_add_bad, -EINVAL, -1, NOPKT,
	  "policy 1" },
	{ "spd_add wrong-dir SA", call_spd_add_wrong_dir_sa, -EINVAL, -1,
	  NOPKT, "policy 2" },
	{ "spd_add NULL", call_spd_add_null, -EINVAL, -1, NOPKT,
	  "dpsec_spd_add: NULL" },
	{ "spd_del missing", call_spd_del_missing, -ENOENT, -1, NOPKT,
	  "policy 12345" },
	{ "spd_commit NULL", call_spd_commit_null, -EINVAL, -1, NOPKT,
	  "dpsec_spd_commit: NULL" },
	{ "spd_stats NULL", call_spd_stats_null, -EINVAL, -1, NOPKT,
	  "dpsec_spd_stats_get: NULL" },
};

static void
test_bad_call(void **state)
{
	const struct bad_row *r = *state;
	struct rte_mbuf *m[NB_PKT];
	int ret;

	pkts_make(m, NB_PKT);
	rte_errno = 0;
	log_start();
	ret = r->call(m);
	assert_true(log_has(r->log));
	assert_int_equal(ret, r->ret);
	if (r->err >= 0)
		assert_int_equal(rte_errno, r->err);
	if (r->reason != NOPKT)
		for (unsigned int i = 0; i < NB_PKT; i++)
			assert_int_equal(dpsec_mbuf_reason(m[i]), r->reason);
	pkts_free(m, NB_PKT);
}

static int
rows_setup(void **state)
{
	struct dpsec_sa_conf c;

	(void)state;
	row_in_sa = sa_make(DPSEC_SA_INBOUND, 0x6fff);
	row_full = espt_ctx("hdl_full", DPSEC_BACKEND_IPSEC_MB, 1);
	if (row_full == NULL)
		return -1;
	conf_make(&c, DPSEC_SA_OUTBOUND, 0x6ffe);
	if (dpsec_sa_create(row_full, &c) == NULL)
		return -1;
	row_spd = dpsec_spd_create(ctx, "hdl_rows", DPSEC_SA_OUTBOUND, 4);
	return row_spd != NULL ? 0 : -1;
}

static int
rows_teardown(void **state)
{
	(void)state;
	dpsec_spd_free(row_spd);
	dpsec_free(row_full);
	return dpsec_sa_destroy(ctx, row_in_sa);
}

/* Every case gives back every mbuf: a bad call or a stale handle must not
 * make the library keep or free a packet. (Not in the group teardown:
 * CMocka 1.1 does not count its failure.) */
static int
case_teardown(void **state)
{
	(void)state;
	return test_pool_full(pool) ? 0 : -1;
}

static int
group_setup(void **state)
{
	(void)state;
	espt_keys_fill(&kbuf, 8);
	pool = test_pool_create("hdl_pool", 1024, 2048);
	if (pool == NULL)
		return -1;
	ctx = espt_ctx("hdl_main", DPSEC_BACKEND_IPSEC_MB, MAX_SA);
	return ctx != NULL ? rows_setup(state) : -1;
}

static int
group_teardown(void **state)
{
	rows_teardown(state);
	dpsec_free(ctx);
	rte_mempool_free(pool);
	free(log_buf);
	return 0;
}

int
main(void)
{
	static const char *const eal_args[] = { "-l", "0" };
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_teardown(test_stale_reuse_outbound,
					  case_teardown),
		cmocka_unit_test_teardown(test_stale_reuse_inbound,
					  case_teardown),
		cmocka_unit_test_teardown(test_destroy_twice, case_teardown),
		cmocka_unit_test_teardown(test_bad_handles, case_teardown),
		cmocka_unit_test_teardown(test_handles_given_out,
					  case_teardown),
		cmocka_unit_test_teardown(test_policy_stale_sa, case_teardown),
		cmocka_unit_test_teardown(test_free_twice, case_teardown),
		cmocka_unit_test_teardown(test_ctx_reuse, case_teardown),
		cmocka_unit_test_teardown(test_spd_free_twice, case_teardown),
	};
	struct CMUnitTest tests[RTE_DIM(fixed) + RTE_DIM(bad_rows)];
	unsigned int k = 0;
	int ret;

	if (test_eal_init("lib-api-handles", eal_args,
			  (int)RTE_DIM(eal_args)) < 0)
		return 1;
	for (unsigned int i = 0; i < RTE_DIM(fixed); i++)
		tests[k++] = fixed[i];
	for (unsigned int i = 0; i < RTE_DIM(bad_rows); i++) {
		tests[k].name = bad_rows[i].name;
		tests[k].test_func = test_bad_call;
		tests[k].setup_func = NULL;
		tests[k].teardown_func = case_teardown;
		tests[k].initial_state = (void *)(uintptr_t)&bad_rows[i];
		k++;
	}
	if (getenv("LIB_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("LIB_TEST_FILTER"));
	ret = _cmocka_run_group_tests("lib-api-handles", tests, k,
				      group_setup, group_teardown);
	rte_eal_cleanup();
	return ret;
}
