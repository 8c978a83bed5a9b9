/* SPDX-License-Identifier: BSD-3-Clause */
/* Sequence arithmetic modulo 2^32: across the wrap at 2^32, at the 2^31
 * boundary where "ahead" and "behind" meet, and against a model in 64-bit
 * integers on random pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpstack/tcp_seq.h"

#define HALF 0x80000000u /* 2^31 */

/* b lies d ahead of a (0 < d < 2^31): every comparison agrees. */
static void assert_ahead(uint32_t a, uint32_t b)
{
	assert_true(seq_lt(a, b));
	assert_true(seq_leq(a, b));
	assert_false(seq_gt(a, b));
	assert_false(seq_geq(a, b));
	assert_true(seq_gt(b, a));
	assert_true(seq_geq(b, a));
	assert_false(seq_lt(b, a));
	assert_false(seq_leq(b, a));
	assert_true(seq_diff(b, a) > 0);
	assert_true(seq_diff(a, b) < 0);
	assert_int_equal(seq_max(a, b), b);
	assert_int_equal(seq_max(b, a), b);
	assert_int_equal(seq_min(a, b), a);
	assert_int_equal(seq_min(b, a), a);
}

static void test_equal(void **state)
{
	static const uint32_t v[] = { 0, 1, HALF - 1, HALF, HALF + 1, UINT32_MAX };

	(void)state;
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(seq_diff(v[i], v[i]), 0);
		assert_false(seq_lt(v[i], v[i]));
		assert_false(seq_gt(v[i], v[i]));
		assert_true(seq_leq(v[i], v[i]));
		assert_true(seq_geq(v[i], v[i]));
		assert_int_equal(seq_max(v[i], v[i]), v[i]);
		assert_int_equal(seq_min(v[i], v[i]), v[i]);
	}
}

static void test_wrap_at_2_32(void **state)
{
	(void)state;
	/* 0 comes one after 0xffffffff, not 2^32 - 1 before it. */
	assert_ahead(UINT32_MAX, 0);
	assert_int_equal(seq_diff(0, UINT32_MAX), 1);
	assert_int_equal(seq_diff(UINT32_MAX, 0), -1);
	assert_ahead(0xfffffff0u, 0x10);
	assert_int_equal(seq_diff(0x10, 0xfffffff0u), 0x20);
	assert_ahead(0xffff0000u, 0x0000ffffu);
	/* A window of 64 KiB starting 100 bytes before the wrap. */
	uint32_t snd_una = (uint32_t)-100;
	uint32_t snd_nxt = snd_una + 65536;
	assert_ahead(snd_una, snd_nxt);
	assert_int_equal(seq_diff(snd_nxt, snd_una), 65536);
	/* And the same far from the wrap, for contrast. */
	assert_ahead(1000, 2000);
	assert_ahead(HALF - 10, HALF + 10);
}

static void test_2_31_boundary(void **state)
{
	static const uint32_t bases[] = { 0, 1, 12345, HALF - 1, HALF, UINT32_MAX };

	(void)state;
	for (unsigned i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		uint32_t a = bases[i];

		/* 2^31 - 1 ahead is the farthest that is still ahead. */
		assert_ahead(a, a + HALF - 1);
		assert_int_equal(seq_diff(a + HALF - 1, a), INT32_MAX);
		/* 2^31 + 1 ahead reads as 2^31 - 1 behind. */
		assert_ahead(a + HALF + 1, a);
		assert_int_equal(seq_diff(a + HALF + 1, a), -INT32_MAX);
		/* Exactly 2^31 apart is undefined in RFC 9293's sense: the
		 * difference is INT32_MIN both ways, so each is "before" the
		 * other. Pinned here so that a change is seen, and so that
		 * callers know never to let a window reach 2^31. */
		uint32_t b = a + HALF;
		assert_int_equal(seq_diff(a, b), INT32_MIN);
		assert_int_equal(seq_diff(b, a), INT32_MIN);
		assert_true(seq_lt(a, b));
		assert_true(seq_lt(b, a));
		assert_false(seq_gt(a, b));
		assert_false(seq_gt(b, a));
		/* Hence min and max depend on the order of their arguments. */
		assert_int_equal(seq_max(a, b), b);
		assert_int_equal(seq_min(a, b), a);
		assert_int_equal(seq_max(b, a), a);
		assert_int_equal(seq_min(b, a), b);
	}
}

static void test_seq_in(void **state)
{
	(void)state;
	/* lo is in, hi is not. */
	assert_true(seq_in(100, 100, 200));
	assert_true(seq_in(199, 100, 200));
	assert_false(seq_in(200, 100, 200));
	assert_false(seq_in(99, 100, 200));
	/* An empty range holds nothing. */
	assert_false(seq_in(100, 100, 100));
	/* A range across the wrap. */
	uint32_t lo = 0xffffff00u, hi = 0x100;
	assert_true(seq_in(lo, lo, hi));
	assert_true(seq_in(UINT32_MAX, lo, hi));
	assert_true(seq_in(0, lo, hi));
	assert_true(seq_in(0xff, lo, hi));
	assert_false(seq_in(0x100, lo, hi));
	assert_false(seq_in(lo - 1, lo, hi));
	assert_false(seq_in(HALF, lo, hi));
	/* The widest range, 2^31 - 1 long. */
	assert_true(seq_in(5 + HALF - 2, 5, 5 + HALF - 1));
	assert_false(seq_in(5 + HALF - 1, 5, 5 + HALF - 1));
	assert_false(seq_in(4, 5, 5 + HALF - 1));
}

static void test_min_max_across_wrap(void **state)
{
	(void)state;
	assert_int_equal(seq_max(UINT32_MAX, 1), 1);
	assert_int_equal(seq_min(UINT32_MAX, 1), UINT32_MAX);
	assert_int_equal(seq_max(0xfffffff0u, 0x10), 0x10);
	assert_int_equal(seq_min(0x10, 0xfffffff0u), 0xfffffff0u);
	/* Plain unsigned order would say the opposite. */
	assert_true(0xfffffff0u > 0x10u);
	/* Folding max over a run that wraps ends at its last value. */
	uint32_t m = 0xfffffffau;
	for (uint32_t s = 0xfffffffau, i = 0; i < 20; i++, s++)
		m = seq_max(m, s);
	assert_int_equal(m, 0xfffffffau + 19);
}

/* xorshift64*, fixed seed. */
static uint64_t rng_state = 0x7463702d73657121ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* The model: a and b as points on an unbounded line, a at 2^32 + x so
 * that b = a + d for |d| < 2^31 without any wrap in 64 bits. */
static void test_random_against_model(void **state)
{
	(void)state;
	for (unsigned iter = 0; iter < 200000; iter++) {
		uint32_t a = rnd();
		/* Small steps most of the time, where bugs near 0 hide. */
		int64_t d =
			iter % 2 ? (int64_t)(rnd() % (HALF - 1)) + 1 : (int64_t)(rnd() % 64) + 1;
		if (rnd() & 1)
			d = -d;
		int64_t la = (int64_t)1 << 32 | a;
		int64_t lb = la + d;
		uint32_t b = (uint32_t)lb;

		assert_int_equal(seq_diff(b, a), d);
		assert_int_equal(seq_lt(a, b), la < lb);
		assert_int_equal(seq_leq(a, b), la <= lb);
		assert_int_equal(seq_gt(a, b), la > lb);
		assert_int_equal(seq_geq(a, b), la >= lb);
		assert_int_equal(seq_max(a, b), (uint32_t)(la > lb ? la : lb));
		assert_int_equal(seq_min(a, b), (uint32_t)(la < lb ? la : lb));
		/* s in [lo, hi) for a random s around them. */
		int64_t lo = la < lb ? la : lb, hi = la < lb ? lb : la;
		int64_t ls = lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 2)) - 1;
		assert_int_equal(seq_in((uint32_t)ls, (uint32_t)lo, (uint32_t)hi),
				 ls >= lo && ls < hi);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_wrap_at_2_32),
		cmocka_unit_test(test_2_31_boundary),
		cmocka_unit_test(test_seq_in),
		cmocka_unit_test(test_min_max_across_wrap),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
