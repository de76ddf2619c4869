/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPSEC_REPLAY_H
#define DPSEC_REPLAY_H

/**
 * @file
 * ESP inbound anti-replay window with extended sequence numbers: pure C11,
 * no DPDK dependency, header-only.
 *
 * - Window: RFC 4303 §3.4.3 and Appendix A2.2/A3. With top T (the highest
 *   authenticated sequence number) and size W, a number s is new if s > T,
 *   checked against the bitmap if T - W < s <= T, and too old otherwise.
 *   W is enforced exactly, whatever the bitmap size.
 * - Bitmap: RFC 6479. An array of 64-bit buckets, a power-of-two count
 *   indexed by mask, with at least one bucket more than W needs, so that
 *   sliding the window only ever clears whole buckets.
 * - ESN: RFC 4303 §2.2.1 and Appendix A2.1 infer the high 32 bits of the
 *   sequence number from T and W (dpsec_replay_esn_infer()).
 *
 * Two steps, per invariant 2 of doc/security_model.md (RFC 4303 §3.4.3): before
 * decryption, dpsec_replay_check() infers the 64-bit number and says
 * whether it would be accepted, reading the window only; after the ICV
 * verified, dpsec_replay_update() marks the number and moves the window.
 *
 * State touched (the caller supplies any synchronisation; nothing here
 * locks or uses atomics):
 * - dpsec_replay_check() reads @c top, @c window, @c esn, @c bucket_mask
 *   and one word of @c bitmap; it writes nothing.
 * - dpsec_replay_update() reads the same, writes @c top and up to
 *   @c nb_bucket words of @c bitmap. Updates of one window must be
 *   serialised (per-SA lock, or one writer). Because update re-checks the
 *   number itself, a check that ran before another lcore's update can never
 *   let one number be accepted twice: the second update fails with
 *   -DPSEC_REPLAY_DUP or -DPSEC_REPLAY_OLD and changes nothing. A check
 *   that runs concurrently with an update without a read lock may give a
 *   wrong verdict (a data race); only exact verdicts need the lock.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Limits and bitmap geometry. */
enum {
	/** Largest window, in packets (bitmap of 128 KiB + 8 bytes). */
	DPSEC_REPLAY_WINDOW_MAX = 1 << 20,
	/** log2 of the bits in a bucket (RFC 6479: 64-bit buckets). */
	DPSEC_REPLAY_BUCKET_SHIFT = 6,
	/** Bits in a bucket. */
	DPSEC_REPLAY_BUCKET_BITS = 1 << DPSEC_REPLAY_BUCKET_SHIFT,
};

/**
 * Window used to infer ESN high bits when the replay check is off (W = 0).
 *
 * RFC 4303 A2.1 needs a window to place the sequence space's boundary.
 * With the replay check off every number is accepted, so late packets must
 * still get the right high bits or their ICV fails: the boundary goes half
 * the 32-bit space behind T (RFC 1982 serial arithmetic), i.e. a number is
 * taken as the one nearest to T. (DPDK lib/ipsec instead forces W >= 64 and
 * so enforces replay; a window of 1 would lose every reordered packet.)
 */
#define DPSEC_REPLAY_ESN_W0_INFER (UINT32_C(1) << 31)

/**
 * Results of dpsec_replay_check() and dpsec_replay_update(), declared once:
 * the enum and the strings are generated from this list. The functions
 * return 0 or the negative of one of these. This is its own error space,
 * not errno (only dpsec_replay_init() returns an errno).
 *
 * - OK: accepted (check: would be accepted; update: marked).
 * - DUP: already marked in the window (RFC 4303 §3.4.3 duplicate).
 * - OLD: left of the window, s <= T - W (RFC 4303 §3.4.3). With ESN, check
 *   never returns it: A2.1 maps every number left of the window into the
 *   next 2^32 block, where the ICV check rejects it; update may return it
 *   when another lcore moved the window meanwhile.
 * - ZERO: sequence number 0 is never sent (RFC 4303 §2.2: the first packet
 *   carries 1); with ESN, the 64-bit number 0.
 * - OVERFLOW: beyond the sequence space: with ESN, the inferred high bits
 *   would exceed 2^32 - 1 (T is in the last 2^32 block and the number
 *   would be in the next one); without ESN, a 64-bit number above
 *   2^32 - 1 given to update. The space never wraps (RFC 4303 §3.3.3).
 */
#define DPSEC_REPLAY_RESULTS(X) \
	X(OK,		"accepted") \
	X(DUP,		"already received") \
	X(OLD,		"left of the window") \
	X(ZERO,		"sequence number 0") \
	X(OVERFLOW,	"beyond the sequence number space")

/** Result codes; see DPSEC_REPLAY_RESULTS. */
enum dpsec_replay_result {
#define DPSEC_REPLAY_RESULT_ENUM(n, s) DPSEC_REPLAY_ ## n,
	DPSEC_REPLAY_RESULTS(DPSEC_REPLAY_RESULT_ENUM)
#undef DPSEC_REPLAY_RESULT_ENUM
	DPSEC_REPLAY_RESULT_MAX
};

/**
 * Text for a result of dpsec_replay_check() or dpsec_replay_update().
 *
 * @param rc
 *   0 or a negative enum dpsec_replay_result.
 * @return
 *   A static string; "unknown" for anything else. Never NULL.
 */
static inline const char *
dpsec_replay_strerror(int rc)
{
	static const char *const str[] = {
#define DPSEC_REPLAY_RESULT_STR(n, s) [DPSEC_REPLAY_ ## n] = s,
		DPSEC_REPLAY_RESULTS(DPSEC_REPLAY_RESULT_STR)
#undef DPSEC_REPLAY_RESULT_STR
	};

	if (rc > 0 || rc <= -DPSEC_REPLAY_RESULT_MAX)
		return "unknown";
	return str[-rc];
}

/**
 * An inbound anti-replay window (RFC 4303 §3.4.3, RFC 6479) in memory the
 * caller provides: dpsec_replay_size() bytes, set up by dpsec_replay_init().
 * Fields are private to this header; read T with dpsec_replay_top().
 */
struct dpsec_replay {
	uint64_t top;		/**< T: highest marked number; 0 = none yet */
	uint32_t window;	/**< W: s is in the window if T - W < s <= T */
	uint32_t nb_bucket;	/**< bitmap buckets: power of two, or 0 */
	uint32_t bucket_mask;	/**< nb_bucket - 1 */
	bool esn;		/**< 64-bit numbers, ESN (RFC 4303 §2.2.1) */
	/**
	 * RFC 6479 bitmap: number s is bit (s % 64) of bucket
	 * (s / 64) & bucket_mask. Valid for the window only.
	 */
	uint64_t bitmap[];
};

/**
 * Number of 64-bit buckets for a window: enough to hold W bits starting at
 * any bit of a bucket plus one spare (RFC 6479 §2), rounded up to a power
 * of two for mask indexing. 0 when W is 0.
 *
 * @param window
 *   W, at most DPSEC_REPLAY_WINDOW_MAX.
 * @return
 *   The bucket count.
 */
static inline uint32_t
dpsec_replay_nb_bucket(uint32_t window)
{
	uint32_t need, n;

	if (window == 0)
		return 0;
	need = (window + DPSEC_REPLAY_BUCKET_BITS - 1) /
		DPSEC_REPLAY_BUCKET_BITS + 1;
	for (n = 1; n < need; n <<= 1)
		;
	return n;
}

/**
 * Bytes needed for a window of @p window packets.
 *
 * @param window
 *   W: 0 turns the replay check off (RFC 4303 §3.4.3 lets the receiver
 *   disable it); at most DPSEC_REPLAY_WINDOW_MAX. Need not be a power of
 *   two: the bitmap is rounded up, W is still enforced exactly.
 * @return
 *   The size, or 0 if @p window is too large.
 */
static inline size_t
dpsec_replay_size(uint32_t window)
{
	if (window > DPSEC_REPLAY_WINDOW_MAX)
		return 0;
	return sizeof(struct dpsec_replay) +
		(size_t)dpsec_replay_nb_bucket(window) * sizeof(uint64_t);
}

/**
 * Set up a window in caller-provided memory: no number received yet (T = 0),
 * so the first accepted number may be any non-zero one.
 *
 * @param w
 *   Memory of at least dpsec_replay_size(@p window) bytes, 8-byte aligned.
 * @param size
 *   Size of that memory.
 * @param window
 *   W, see dpsec_replay_size().
 * @param esn
 *   true for 64-bit extended sequence numbers (RFC 4303 §2.2.1, A2.1),
 *   false for 32-bit ones.
 * @return
 *   0, or -EINVAL if @p w is NULL, @p window too large or @p size too small.
 */
static inline int
dpsec_replay_init(struct dpsec_replay *w, size_t size, uint32_t window,
		  bool esn)
{
	size_t need = dpsec_replay_size(window);

	if (w == NULL || need == 0 || size < need)
		return -EINVAL;
	memset(w, 0, need);
	w->window = window;
	w->nb_bucket = dpsec_replay_nb_bucket(window);
	w->bucket_mask = w->nb_bucket - 1;
	w->esn = esn;
	return 0;
}

/**
 * Start the window at @p top with nothing marked: numbers up to and
 * including @p top - W are old. For an SA whose peer does not start at 1
 * (seq_start, SA migration): ESN inference needs a top near the numbers
 * that will arrive (RFC 4303 A2.1 works within 2^31 of T).
 *
 * @param w
 *   An initialised window.
 * @param top
 *   The new T.
 */
static inline void
dpsec_replay_start(struct dpsec_replay *w, uint64_t top)
{
	w->top = top;
	if (w->nb_bucket != 0)
		memset(w->bitmap, 0, w->nb_bucket * sizeof(w->bitmap[0]));
}

/**
 * T: the highest sequence number marked so far (RFC 4303 A2), 0 if none.
 *
 * @param w
 *   An initialised window.
 * @return
 *   T, 64 bits with or without ESN.
 */
static inline uint64_t
dpsec_replay_top(const struct dpsec_replay *w)
{
	return w->top;
}

/**
 * Infer a full 64-bit sequence number from its low 32 bits, per RFC 4303
 * Appendix A2.1. With Tl, Th the low and high halves of T:
 * - case A, Tl >= W - 1 (window within one 2^32 block): Th if
 *   seq_low >= Tl - W + 1, else Th + 1;
 * - case B, Tl < W - 1 (window spans two blocks): Th - 1 if
 *   seq_low >= Tl - W + 1 (mod 2^32) and Th > 0, else Th.
 * So the result lies in [T - W + 1, T - W + 2^32], except that in the first
 * block (Th = 0) nothing is placed below 0.
 *
 * @param top
 *   T.
 * @param seq_low
 *   The 32 bits from the ESP header.
 * @param window
 *   W, 1 to 2^31; the caller passes DPSEC_REPLAY_ESN_W0_INFER for W = 0.
 * @param[out] seq64
 *   The inferred number; 0 on overflow.
 * @return
 *   0, or -DPSEC_REPLAY_OVERFLOW if it would be above 2^64 - 1.
 */
static inline int
dpsec_replay_esn_infer(uint64_t top, uint32_t seq_low, uint32_t window,
		       uint64_t *seq64)
{
	uint32_t tl = (uint32_t)top;
	uint64_t th = top >> 32;
	uint32_t bl = tl - window + 1;	/* window's left edge, mod 2^32 */

	if (tl >= window - 1) {
		if (seq_low < bl)
			th++;
	} else if (seq_low >= bl && th > 0) {
		th--;
	}
	if (th > UINT32_MAX) {
		*seq64 = 0;
		return -DPSEC_REPLAY_OVERFLOW;
	}
	*seq64 = th << 32 | seq_low;
	return 0;
}

/**
 * Verdict on a 64-bit number against the window (RFC 4303 A2.2/A3);
 * shared by dpsec_replay_check() and dpsec_replay_update(). Read-only.
 *
 * @param w
 *   An initialised window.
 * @param seq64
 *   The number.
 * @return
 *   0 or a negative enum dpsec_replay_result.
 */
static inline int
dpsec_replay_verdict(const struct dpsec_replay *w, uint64_t seq64)
{
	uint64_t bit;

	if (seq64 == 0)
		return -DPSEC_REPLAY_ZERO;
	if (!w->esn && seq64 > UINT32_MAX)
		return -DPSEC_REPLAY_OVERFLOW;
	if (w->window == 0 || seq64 > w->top)
		return 0;
	/* T - s >= W: left of [T - W + 1, T]; cannot wrap as s <= T */
	if (w->top - seq64 >= w->window)
		return -DPSEC_REPLAY_OLD;
	bit = UINT64_C(1) << (seq64 & (DPSEC_REPLAY_BUCKET_BITS - 1));
	if (w->bitmap[(seq64 >> DPSEC_REPLAY_BUCKET_SHIFT) &
		      w->bucket_mask] & bit)
		return -DPSEC_REPLAY_DUP;
	return 0;
}

/**
 * Replay check before decryption (RFC 4303 §3.4.3): infer the 64-bit
 * number and say whether it would be accepted. Reads the window only
 * (invariant 2, doc/security_model.md): the window moves in
 * dpsec_replay_update(), after the ICV verified with the high bits this
 * returns (RFC 4303 A2.1).
 *
 * @param w
 *   An initialised window.
 * @param seq_low
 *   The sequence number field of the ESP header, in host order.
 * @param[out] seq64
 *   Always written: without ESN, @p seq_low; with ESN, the number inferred
 *   by dpsec_replay_esn_infer() (with DPSEC_REPLAY_ESN_W0_INFER as the
 *   window when W = 0), or 0 on -DPSEC_REPLAY_OVERFLOW.
 * @return
 *   0 if the packet may be decrypted; -DPSEC_REPLAY_ZERO, -DPSEC_REPLAY_OLD,
 *   -DPSEC_REPLAY_DUP or (ESN) -DPSEC_REPLAY_OVERFLOW if it must be dropped.
 *   With W = 0 every non-zero number within the sequence space passes.
 */
static inline int
dpsec_replay_check(const struct dpsec_replay *w, uint32_t seq_low,
		   uint64_t *seq64)
{
	int rc;

	if (!w->esn) {
		*seq64 = seq_low;
	} else {
		rc = dpsec_replay_esn_infer(w->top, seq_low,
			w->window != 0 ? w->window : DPSEC_REPLAY_ESN_W0_INFER,
			seq64);
		if (rc != 0)
			return rc;
	}
	return dpsec_replay_verdict(w, *seq64);
}

/**
 * Mark a number after its ICV verified and move the window right if it is
 * new (RFC 4303 §3.4.3, A2.2/A3; RFC 6479 §2). Call it with the @p seq64 a
 * dpsec_replay_check() accepted. The number is checked again first: if
 * another lcore marked it, or moved the window past it, since that check,
 * nothing changes and the reason is returned. A jump of W or more clears
 * the whole bitmap; T never wraps.
 *
 * @param w
 *   An initialised window; updates of one window must be serialised.
 * @param seq64
 *   The authenticated 64-bit sequence number.
 * @return
 *   0 if marked; -DPSEC_REPLAY_DUP, -DPSEC_REPLAY_OLD, -DPSEC_REPLAY_ZERO,
 *   or (no ESN, @p seq64 > 2^32 - 1) -DPSEC_REPLAY_OVERFLOW, with the
 *   window unchanged.
 */
static inline int
dpsec_replay_update(struct dpsec_replay *w, uint64_t seq64)
{
	uint64_t top_bucket, new_bucket, diff, i;
	int rc;

	rc = dpsec_replay_verdict(w, seq64);
	if (rc != 0)
		return rc;
	if (w->window == 0) {
		if (seq64 > w->top)
			w->top = seq64;
		return 0;
	}
	if (seq64 > w->top) {
		/* RFC 6479: clear the buckets the window slides into */
		top_bucket = w->top >> DPSEC_REPLAY_BUCKET_SHIFT;
		new_bucket = seq64 >> DPSEC_REPLAY_BUCKET_SHIFT;
		diff = new_bucket - top_bucket;
		if (diff > w->nb_bucket)
			diff = w->nb_bucket;
		for (i = 1; i <= diff; i++)
			w->bitmap[(top_bucket + i) & w->bucket_mask] = 0;
		w->top = seq64;
	}
	w->bitmap[(seq64 >> DPSEC_REPLAY_BUCKET_SHIFT) & w->bucket_mask] |=
		UINT64_C(1) << (seq64 & (DPSEC_REPLAY_BUCKET_BITS - 1));
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* DPSEC_REPLAY_H */
