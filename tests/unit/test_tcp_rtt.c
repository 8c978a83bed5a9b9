/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of tcpstack/tcp_rtt.c against RFC 6298 arithmetic done by hand
 * (values chosen so that the RFC's fractions are exact, plus one case that
 * shows the rounding rule), clamping, and the backoff sequence. */
#include <setjmp.h> /* before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcpstack/tcp_rtt.h"

#define MS 1000u
#define S 1000000u

static void test_init(void **state)
{
	struct tcp_rtt r;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 200 * MS, 60 * S);
	assert_false(r.valid);
	assert_int_equal(r.rto_us, 1 * S); /* RFC 6298 (2.1): 1 s */
	assert_int_equal(tcp_rtt_rto(&r), 1 * S);
	assert_int_equal(r.backoff, 0);
	assert_int_equal(r.rto_min_us, 200 * MS);
	assert_int_equal(r.rto_max_us, 60 * S);

	/* the initial value is clamped too */
	tcp_rtt_init(&r, 100 * MS, 200 * MS, 60 * S);
	assert_int_equal(r.rto_us, 200 * MS);
	tcp_rtt_init(&r, 100 * S, 200 * MS, 60 * S);
	assert_int_equal(r.rto_us, 60 * S);
	/* a max below the min: the min wins */
	tcp_rtt_init(&r, 1 * S, 200 * MS, 100 * MS);
	assert_int_equal(r.rto_max_us, 200 * MS);
	assert_int_equal(r.rto_us, 200 * MS);
}

static void test_first_sample(void **state)
{
	struct tcp_rtt r;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 0, 60 * S);
	tcp_rtt_sample(&r, 100 * MS);
	assert_true(r.valid);
	/* (2.2): SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4*RTTVAR) */
	assert_int_equal(r.srtt_us, 100000);
	assert_int_equal(r.rttvar_us, 50000);
	assert_int_equal(r.rto_us, 300000);
	assert_int_equal(tcp_rtt_rto(&r), 300000);
	assert_int_equal(r.min_rtt_us, 100000);
	assert_int_equal(r.latest_us, 100000);

	/* an odd first sample: R/2 rounds half up */
	tcp_rtt_init(&r, 1 * S, 0, 60 * S);
	tcp_rtt_sample(&r, 3);
	assert_int_equal(r.rttvar_us, 2);
	assert_int_equal(r.rto_us, 3 + 8);

	/* a zero RTT (same-host peer): RTO = 0 + max(G = 1 us, 0) */
	tcp_rtt_init(&r, 1 * S, 0, 60 * S);
	tcp_rtt_sample(&r, 0);
	assert_int_equal(r.srtt_us, 0);
	assert_int_equal(r.rttvar_us, 0);
	assert_int_equal(r.rto_us, 1);
}

/* (2.3) by hand: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then
 * SRTT = 7/8 SRTT + 1/8 R, RTO = SRTT + 4 RTTVAR. */
static void test_spike(void **state)
{
	struct tcp_rtt r;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 0, 60 * S);
	tcp_rtt_sample(&r, 100000);
	/* spike to 200 ms: RTTVAR = 37500 + 25000, SRTT = 87500 + 25000 */
	tcp_rtt_sample(&r, 200000);
	assert_int_equal(r.rttvar_us, 62500);
	assert_int_equal(r.srtt_us, 112500);
	assert_int_equal(r.rto_us, 112500 + 4 * 62500);
	assert_int_equal(r.latest_us, 200000);
	assert_int_equal(r.min_rtt_us, 100000);

	/* back to 100 ms: |SRTT - R| = 12500, RTTVAR = 46875 + 3125 = 50000;
	 * SRTT = 98437.5 + 12500 = 110937.5: the step -1562.5 rounds away
	 * from zero, to 110937. */
	tcp_rtt_sample(&r, 100000);
	assert_int_equal(r.rttvar_us, 50000);
	assert_int_equal(r.srtt_us, 110937);
	assert_int_equal(r.rto_us, 110937 + 200000);
}

static void test_spike_from_steady_state(void **state)
{
	struct tcp_rtt r;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 0, 60 * S);
	for (int i = 0; i < 200; i++)
		tcp_rtt_sample(&r, 100000);
	assert_int_equal(r.srtt_us, 100000);
	assert_int_equal(r.rttvar_us, 0);
	/* one 500 ms sample: RTTVAR = 0 + 400000/4, SRTT = 100000 + 400000/8 */
	tcp_rtt_sample(&r, 500000);
	assert_int_equal(r.rttvar_us, 100000);
	assert_int_equal(r.srtt_us, 150000);
	assert_int_equal(r.rto_us, 550000);
	/* then 100 ms again: RTTVAR = 75000 + 12500, SRTT = 131250 + 12500 */
	tcp_rtt_sample(&r, 100000);
	assert_int_equal(r.rttvar_us, 87500);
	assert_int_equal(r.srtt_us, 143750);
	assert_int_equal(r.rto_us, 143750 + 350000);
}

/* A constant RTT after a different first sample: SRTT reaches it exactly,
 * RTTVAR decays to 0, the RTO ends at SRTT + G. Each step is within 1 us of
 * the real-valued step from the same state (rounding, or the 1 us minimum
 * step), and the whole run stays within the bound that follows from it
 * (per-step error over the contraction: 0.875 / (1/8) = 7 us for SRTT,
 * (1 + 7/4) / (1/4) = 11 us for RTTVAR) of the real-valued recursion. */
static double dist(double a, double b)
{
	return a > b ? a - b : b - a;
}

static void test_convergence(void **state)
{
	struct tcp_rtt r;
	double srtt = 10000, rttvar = 5000;
	int i;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 0, 60 * S);
	tcp_rtt_sample(&r, 10000);
	for (i = 0; i < 300; i++) {
		double step_var = 0.75 * r.rttvar_us + 0.25 * dist(r.srtt_us, 50000);
		double step_srtt = 0.875 * r.srtt_us + 0.125 * 50000;

		tcp_rtt_sample(&r, 50000);
		assert_true(dist(r.rttvar_us, step_var) <= 1);
		assert_true(dist(r.srtt_us, step_srtt) <= 1);
		rttvar = 0.75 * rttvar + 0.25 * dist(srtt, 50000);
		srtt = 0.875 * srtt + 0.125 * 50000;
		assert_true(dist(r.srtt_us, srtt) <= 7);
		assert_true(dist(r.rttvar_us, rttvar) <= 11);
	}
	assert_int_equal(r.srtt_us, 50000);
	assert_int_equal(r.rttvar_us, 0);
	assert_int_equal(r.rto_us, 50001); /* SRTT + max(G, 0) */

	/* with Linux's 200 ms floor */
	tcp_rtt_init(&r, 1 * S, 200 * MS, 60 * S);
	for (i = 0; i < 300; i++)
		tcp_rtt_sample(&r, 50000);
	assert_int_equal(r.srtt_us, 50000);
	assert_int_equal(r.rto_us, 200 * MS);
}

static void test_clamp(void **state)
{
	struct tcp_rtt r;

	(void)state;
	/* min: 1 ms RTT gives 3 ms, raised to 200 ms */
	tcp_rtt_init(&r, 1 * S, 200 * MS, 60 * S);
	tcp_rtt_sample(&r, 1000);
	assert_int_equal(r.srtt_us, 1000);
	assert_int_equal(r.rto_us, 200 * MS);
	/* max: 30 s RTT gives 90 s, lowered to 60 s */
	tcp_rtt_init(&r, 1 * S, 200 * MS, 60 * S);
	tcp_rtt_sample(&r, 30 * S);
	assert_int_equal(r.srtt_us, 30 * S);
	assert_int_equal(r.rttvar_us, 15 * S);
	assert_int_equal(r.rto_us, 60 * S);
	/* no 32-bit overflow at the extreme: 4 * RTTVAR > 2^32 */
	tcp_rtt_init(&r, 1 * S, 200 * MS, UINT32_MAX);
	tcp_rtt_sample(&r, UINT32_MAX);
	assert_int_equal(r.rttvar_us, 2147483648u);
	assert_int_equal(r.rto_us, UINT32_MAX);
	tcp_rtt_sample(&r, 0);
	assert_true(r.srtt_us > 3 * (UINT32_MAX / 4) && r.srtt_us < UINT32_MAX);
	assert_int_equal(r.rto_us, UINT32_MAX);
	assert_int_equal(r.min_rtt_us, 0);
}

static void test_backoff(void **state)
{
	struct tcp_rtt r;
	uint32_t expect = 300000;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 200 * MS, 60 * S);
	tcp_rtt_sample(&r, 100 * MS); /* RTO 300 ms */
	assert_int_equal(tcp_rtt_rto(&r), 300000);
	/* 0.3, 0.6, 1.2, ... 38.4 s, then the 60 s cap */
	for (int i = 1; i <= 12; i++) {
		tcp_rtt_backoff(&r);
		expect = expect * 2 > 60 * S ? 60 * S : expect * 2;
		assert_int_equal(r.backoff, i);
		assert_int_equal(tcp_rtt_rto(&r), expect);
		assert_int_equal(r.rto_us, 300000); /* the base is untouched */
	}
	assert_int_equal(tcp_rtt_rto(&r), 60 * S);

	/* a sample clears the backoff */
	tcp_rtt_sample(&r, 100 * MS);
	assert_int_equal(r.backoff, 0);
	assert_int_equal(tcp_rtt_rto(&r), r.rto_us);

	/* before any sample too: 1, 2, 4 s from the initial 1 s */
	tcp_rtt_init(&r, 1 * S, 200 * MS, 60 * S);
	tcp_rtt_backoff(&r);
	assert_int_equal(tcp_rtt_rto(&r), 2 * S);
	tcp_rtt_backoff(&r);
	assert_int_equal(tcp_rtt_rto(&r), 4 * S);
}

static void test_backoff_saturates(void **state)
{
	struct tcp_rtt r;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 200 * MS, UINT32_MAX);
	tcp_rtt_sample(&r, 1);
	for (int i = 0; i < 40; i++) {
		tcp_rtt_backoff(&r);
		assert_true(tcp_rtt_rto(&r) >= r.rto_us);
	}
	assert_int_equal(tcp_rtt_rto(&r), UINT32_MAX);
	for (int i = 0; i < 300; i++)
		tcp_rtt_backoff(&r);
	assert_int_equal(r.backoff, UINT8_MAX); /* counts, never wraps to 0 */
	assert_int_equal(tcp_rtt_rto(&r), UINT32_MAX);
}

static void test_min_rtt(void **state)
{
	struct tcp_rtt r;

	(void)state;
	tcp_rtt_init(&r, 1 * S, 0, 60 * S);
	assert_int_equal(r.min_rtt_us, 0); /* none yet */
	tcp_rtt_sample(&r, 80000);
	assert_int_equal(r.min_rtt_us, 80000);
	tcp_rtt_sample(&r, 50000);
	tcp_rtt_sample(&r, 90000);
	assert_int_equal(r.min_rtt_us, 50000);
	assert_int_equal(r.latest_us, 90000);
	tcp_rtt_sample(&r, 49999);
	assert_int_equal(r.min_rtt_us, 49999);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),	    cmocka_unit_test(test_first_sample),
		cmocka_unit_test(test_spike),	    cmocka_unit_test(test_spike_from_steady_state),
		cmocka_unit_test(test_convergence), cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_backoff),	    cmocka_unit_test(test_backoff_saturates),
		cmocka_unit_test(test_min_rtt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
