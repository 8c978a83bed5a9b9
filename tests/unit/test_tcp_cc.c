/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the congestion control ops (tcpstack/tcp_cc*.c), all on
 * virtual time: initial windows, NewReno's slow start / linear increase /
 * halving / RTO, CUBIC's curve against RFC 9438's formulas, its
 * Reno-friendly region, fast convergence and RTO, and a fluid model of one
 * flow through a drop-tail bottleneck that checks the dynamics keep the
 * link busy. */
#include <setjmp.h> /* before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tcpstack/tcp_cc.h"

#define MSS 1460u
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* RFC 9438 constants, written out again so that the tests check the code
 * against the RFC rather than against itself. */
#define C_CUBIC 0.4
#define BETA_CUBIC 0.7
#define ALPHA_CUBIC (3 * (1 - BETA_CUBIC) / (1 + BETA_CUBIC))

static void cc_setup(struct tcp_cc *cc, const struct tcp_cc_ops *ops, uint32_t mss)
{
	memset(cc, 0, sizeof(*cc));
	cc->ops = ops;
	cc->mss = mss;
	ops->init(cc, 0);
}

/* One round trip in which the window of this round, @w bytes, is
 * acknowledged by ACKs of @ack bytes (the last one what is left), spread
 * evenly over @rtt_ns. */
static void ack_window(struct tcp_cc *cc, uint64_t *now, uint64_t rtt_ns, uint32_t w, uint32_t ack)
{
	uint32_t n = (w + ack - 1) / ack, done = 0;
	uint64_t t0 = *now;

	cc->srtt_us = (uint32_t)(rtt_ns / 1000);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = w - done < ack ? w - done : ack;

		*now = t0 + rtt_ns * (i + 1) / n;
		cc->flight = w - done;
		cc->ops->cong_avoid(cc, a, *now);
		done += a;
	}
}

static void round_trip(struct tcp_cc *cc, uint64_t *now, uint64_t rtt_ns)
{
	ack_window(cc, now, rtt_ns, cc->cwnd, 2 * cc->mss); /* delayed ACKs */
}

/* A loss with @flight in flight, one RTT of recovery, recovery over. */
static void loss(struct tcp_cc *cc, uint64_t *now, uint32_t flight, uint64_t rtt_ns)
{
	cc->flight = flight;
	cc->ops->enter_recovery(cc, *now);
	*now += rtt_ns;
	cc->ops->exit_recovery(cc, *now);
}

static double seg(const struct tcp_cc *cc)
{
	return (double)cc->cwnd / cc->mss;
}

static bool near(double x, double want, double rel)
{
	return fabs(x - want) <= rel * fabs(want);
}

/* RFC 9438 equation 1, in segments */
static double w_cubic(double t, double k, double w_max)
{
	return C_CUBIC * pow(t - k, 3) + w_max;
}

/* ---- both algorithms ---------------------------------------------------- */

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(tcp_cc_find("newreno"), &tcp_cc_newreno);
	assert_ptr_equal(tcp_cc_find("reno"), &tcp_cc_newreno);
	assert_ptr_equal(tcp_cc_find("cubic"), &tcp_cc_cubic);
	assert_null(tcp_cc_find("bbr"));
	assert_null(tcp_cc_find("CUBIC"));
	assert_null(tcp_cc_find(""));
	assert_null(tcp_cc_find(NULL));
	assert_string_equal(tcp_cc_newreno.name, "newreno");
	assert_string_equal(tcp_cc_cubic.name, "cubic");
}

static void test_initial_window(void **state)
{
	const struct tcp_cc_ops *ops[] = { &tcp_cc_newreno, &tcp_cc_cubic };
	/* RFC 6928: min(10*MSS, max(2*MSS, 14600)) */
	const uint32_t mss[] = { 536, 1460, 9000 }, iw[] = { 5360, 14600, 18000 };
	struct tcp_cc cc;

	(void)state;
	for (int a = 0; a < 2; a++) {
		for (int i = 0; i < 3; i++) {
			memset(cc.priv, 0xa5, sizeof(cc.priv)); /* init must reset it */
			cc_setup(&cc, ops[a], mss[i]);
			assert_int_equal(cc.cwnd, iw[i]);
			assert_int_equal(cc.ssthresh, TCP_CC_SSTHRESH_INF);
		}
	}
}

/* Slow start with an ACK every 2 segments doubles cwnd each RTT (ABC,
 * L = 2*SMSS); a stretch ACK counts for at most 2*SMSS; cwnd stops at
 * ssthresh. Identical for both algorithms. */
static void test_slow_start(void **state)
{
	const struct tcp_cc_ops *ops[] = { &tcp_cc_newreno, &tcp_cc_cubic };
	struct tcp_cc cc;
	uint64_t now = 0;

	(void)state;
	for (int a = 0; a < 2; a++) {
		cc_setup(&cc, ops[a], MSS);
		for (int k = 1; k <= 8; k++) {
			round_trip(&cc, &now, 50 * NS_PER_MS);
			assert_int_equal(cc.cwnd, 14600u << k);
		}

		cc_setup(&cc, ops[a], MSS);
		cc.ops->cong_avoid(&cc, 5 * MSS, now);
		assert_int_equal(cc.cwnd, 12 * MSS);
		cc.ops->cong_avoid(&cc, 100, now); /* a small ACK counts its bytes */
		assert_int_equal(cc.cwnd, 12 * MSS + 100);
		cc.ops->cong_avoid(&cc, 0, now);
		assert_int_equal(cc.cwnd, 12 * MSS + 100);

		cc_setup(&cc, ops[a], MSS);
		cc.ssthresh = 15 * MSS;
		for (int i = 0; i < 10; i++)
			cc.ops->cong_avoid(&cc, 2 * MSS, now);
		/* ssthresh reached, then linear or cubic: well below 30 */
		assert_true(cc.cwnd >= 15 * MSS && cc.cwnd <= 17 * MSS);
	}
}

static void test_ssthresh_floor(void **state)
{
	struct tcp_cc cc;

	(void)state;
	cc_setup(&cc, &tcp_cc_newreno, MSS);
	cc.flight = 3 * MSS; /* flight / 2 = 1.5 segments */
	cc.ops->enter_recovery(&cc, 0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, 2 * MSS);
	cc_setup(&cc, &tcp_cc_newreno, MSS);
	cc.flight = 0;
	cc.ops->on_rto(&cc, 0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, MSS);

	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 2 * MSS; /* beta * cwnd = 1.4 segments */
	cc.ops->enter_recovery(&cc, 0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, 2 * MSS);
}

/* ---- NewReno ------------------------------------------------------------ */

/* Congestion avoidance: exactly one MSS per RTT, at small and large
 * windows, with 2-segment ACKs and with ACK sizes unrelated to the MSS. */
static void test_newreno_linear(void **state)
{
	struct tcp_cc cc;
	uint64_t now = 0;

	(void)state;
	cc_setup(&cc, &tcp_cc_newreno, MSS);
	loss(&cc, &now, 100 * MSS, 50 * NS_PER_MS);
	assert_int_equal(cc.cwnd, 50 * MSS);
	assert_int_equal(cc.ssthresh, 50 * MSS);
	for (uint32_t k = 1; k <= 40; k++) {
		round_trip(&cc, &now, 50 * NS_PER_MS);
		assert_int_equal(cc.cwnd, (50 + k) * MSS);
	}

	/* 10000 segments: mss*mss/cwnd would be 0.146 byte per ACK */
	cc_setup(&cc, &tcp_cc_newreno, MSS);
	loss(&cc, &now, 20000 * MSS, 50 * NS_PER_MS);
	for (uint32_t k = 1; k <= 5; k++) {
		round_trip(&cc, &now, 50 * NS_PER_MS);
		assert_int_equal(cc.cwnd, (10000 + k) * MSS);
	}

	/* 1000-byte ACKs: a window's worth of bytes acknowledged is one MSS */
	cc_setup(&cc, &tcp_cc_newreno, MSS);
	loss(&cc, &now, 64 * MSS, 50 * NS_PER_MS);
	for (uint32_t k = 1; k <= 20; k++) {
		ack_window(&cc, &now, 50 * NS_PER_MS, cc.cwnd, 1000);
		assert_int_equal(cc.cwnd, (32 + k) * MSS);
	}

	/* one stretch ACK of two windows: two MSS (ACK division cannot cheat
	 * the other way: many tiny ACKs add up to the same bytes) */
	cc.ops->cong_avoid(&cc, 2 * cc.cwnd, now);
	assert_int_equal(cc.cwnd, 54 * MSS);
	for (int i = 0; i < 54 * 1460; i++)
		cc.ops->cong_avoid(&cc, 1, now);
	assert_int_equal(cc.cwnd, 55 * MSS);
}

static void test_newreno_loss(void **state)
{
	struct tcp_cc cc;
	uint64_t now = 0;

	(void)state;
	cc_setup(&cc, &tcp_cc_newreno, MSS);
	cc.cwnd = 80 * MSS;
	cc.flight = 80 * MSS;
	cc.ops->enter_recovery(&cc, now);
	assert_int_equal(cc.ssthresh, 40 * MSS);
	assert_int_equal(cc.cwnd, 40 * MSS);
	/* the engine paces by PRR meanwhile; recovery over: cwnd = ssthresh */
	cc.cwnd = 13 * MSS;
	cc.ops->exit_recovery(&cc, now);
	assert_int_equal(cc.cwnd, 40 * MSS);
	/* FlightSize, not cwnd: an application-limited sender */
	cc.flight = 10 * MSS;
	cc.ops->enter_recovery(&cc, now);
	assert_int_equal(cc.ssthresh, 5 * MSS);
	assert_int_equal(cc.cwnd, 5 * MSS);
	cc.ops->exit_recovery(&cc, now);
	/* and CA carries on from there */
	round_trip(&cc, &now, 50 * NS_PER_MS);
	assert_int_equal(cc.cwnd, 6 * MSS);
}

static void test_newreno_rto(void **state)
{
	struct tcp_cc cc;
	uint64_t now = 0;

	(void)state;
	cc_setup(&cc, &tcp_cc_newreno, MSS);
	cc.cwnd = 60 * MSS;
	cc.flight = 60 * MSS;
	cc.ops->on_rto(&cc, now);
	assert_int_equal(cc.cwnd, MSS);
	assert_int_equal(cc.ssthresh, 30 * MSS);

	/* the timer fires again before any progress: ssthresh is held even
	 * if the engine now counts less in flight (RFC 5681 section 3.1) */
	cc.flight = 4 * MSS;
	cc.ops->on_rto(&cc, now);
	assert_int_equal(cc.ssthresh, 30 * MSS);
	assert_int_equal(cc.cwnd, MSS);

	/* a loss seen meanwhile does not lift cwnd to ssthresh */
	cc.ops->enter_recovery(&cc, now);
	assert_int_equal(cc.ssthresh, 30 * MSS);
	assert_int_equal(cc.cwnd, MSS);

	/* slow start after an RTO counts at most 1 SMSS per ACK */
	cc.ops->cong_avoid(&cc, 2 * MSS, now);
	assert_int_equal(cc.cwnd, 2 * MSS);
	while (cc.cwnd < cc.ssthresh)
		cc.ops->cong_avoid(&cc, 2 * MSS, now);
	assert_int_equal(cc.cwnd, 30 * MSS);
	/* back to normal: the next slow start uses L = 2*SMSS again */
	cc.flight = 30 * MSS;
	cc.ops->enter_recovery(&cc, now);
	cc.ops->exit_recovery(&cc, now);
	cc.ssthresh = 100 * MSS;
	cc.ops->cong_avoid(&cc, 2 * MSS, now);
	assert_int_equal(cc.cwnd, 17 * MSS);

	/* progress, then a new RTO: ssthresh from the flight again */
	cc.flight = 40 * MSS;
	cc.ops->on_rto(&cc, now);
	assert_int_equal(cc.ssthresh, 20 * MSS);
}

/* ---- CUBIC -------------------------------------------------------------- */

static void test_cubic_reduction(void **state)
{
	struct tcp_cc cc;

	(void)state;
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 100 * MSS;
	cc.flight = 100 * MSS;
	cc.ops->enter_recovery(&cc, 0);
	assert_int_equal(cc.ssthresh, 70 * MSS);
	assert_int_equal(cc.cwnd, 70 * MSS);
	cc.cwnd = 50 * MSS;
	cc.ops->exit_recovery(&cc, 0);
	assert_int_equal(cc.cwnd, 70 * MSS);
}

/* Loss at W_max = 100 segments, RTT 200 ms (CUBIC's own region: W_est
 * stays far below the curve). Concave growth back to W_max, reached at
 * t = K = cbrt(100 * 0.3 / 0.4) = 4.217 s; plateau; convex beyond. cwnd
 * follows equation 1 throughout. */
static void test_cubic_curve(void **state)
{
	const uint64_t rtt = 200 * NS_PER_MS;
	const double k = cbrt(100 * (1 - BETA_CUBIC) / C_CUBIC);
	struct tcp_cc cc;
	uint64_t now = 0, t0;
	double reach = -1, at_k = 0, at_k1 = 0, at_k2 = 0, at_k3 = 0;

	(void)state;
	assert_true(near(k, 4.217, 0.001));
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 100 * MSS;
	loss(&cc, &now, 100 * MSS, rtt);
	assert_int_equal(cc.cwnd, 70 * MSS);
	t0 = now; /* the epoch starts with the next ACK: within 6 ms */

	while (now - t0 < 9 * NS_PER_S) {
		uint32_t w = cc.cwnd, n = (w + 2 * MSS - 1) / (2 * MSS), done = 0;
		uint64_t r0 = now;

		cc.srtt_us = (uint32_t)(rtt / 1000);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t a = w - done < 2 * MSS ? w - done : 2 * MSS;
			double t;

			now = r0 + rtt * (i + 1) / n;
			cc.ops->cong_avoid(&cc, a, now);
			done += a;
			t = (double)(now - t0) / NS_PER_S;
			if (reach < 0 && cc.cwnd >= 100 * MSS)
				reach = t;
		}
		double t = (double)(now - t0) / NS_PER_S;
		/* equation 1, within 2% (a few segments) at every RTT */
		assert_true(near(seg(&cc), w_cubic(t, k, 100), 0.02));
		if (at_k == 0 && t >= k)
			at_k = seg(&cc);
		if (at_k1 == 0 && t >= k + 1)
			at_k1 = seg(&cc);
		if (at_k2 == 0 && t >= k + 2)
			at_k2 = seg(&cc);
		if (at_k3 == 0 && t >= k + 3)
			at_k3 = seg(&cc);
	}
	printf("cubic: W_max 100 seg, K %.3f s, W_max reached at %.3f s (%+.1f%%)\n", k, reach,
	       100 * (reach - k) / k);
	assert_true(near(reach, k, 0.05));
	/* plateau: about W_max at K, a segment or so one second later */
	assert_true(near(at_k, 100, 0.01));
	assert_true(at_k1 - at_k < 2);
	/* convex: beyond W_max and accelerating (0.4, 2.8, 7.6 seg/s) */
	assert_true(at_k2 - at_k1 > 2 * (at_k1 - at_k));
	assert_true(at_k3 - at_k2 > 1.5 * (at_k2 - at_k1));
	assert_true(near(at_k3, w_cubic(3, 0, 100), 0.02));
}

/* At 10000-segment windows each ACK's share of (target - cwnd) is a few
 * bytes; the byte credit must still deliver equation 1 exactly. */
static void test_cubic_large_window(void **state)
{
	const uint64_t rtt = 100 * NS_PER_MS;
	const double k = cbrt(10000 * (1 - BETA_CUBIC) / C_CUBIC);
	struct tcp_cc cc;
	uint64_t now = 0, t0;

	(void)state;
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 10000 * MSS;
	loss(&cc, &now, 10000 * MSS, rtt);
	t0 = now;
	while (now - t0 < 25 * NS_PER_S) {
		double t;

		round_trip(&cc, &now, rtt);
		t = (double)(now - t0) / NS_PER_S;
		assert_true(near(seg(&cc), w_cubic(t, k, 10000), 0.005));
	}
	assert_true(seg(&cc) > 10000);
}

/* Small RTT * W: W_max 20 segments, RTT 10 ms. The cubic curve barely
 * moves in 0.5 s (K = 2.47 s) while the Reno-friendly estimate of
 * equation 4 grows alpha_cubic = 9/17 segment per RTT up to cwnd_prior =
 * 20, then 1 per RTT: cwnd must be W_est. */
static void test_cubic_reno_friendly(void **state)
{
	const uint64_t rtt = 10 * NS_PER_MS;
	const double k = cbrt(20 * (1 - BETA_CUBIC) / C_CUBIC);
	const double n_prior = (20 - 14) / ALPHA_CUBIC; /* RTTs to reach 20 */
	struct tcp_cc cc;
	uint64_t now = 0, t0;

	(void)state;
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 20 * MSS;
	loss(&cc, &now, 20 * MSS, rtt);
	assert_int_equal(cc.cwnd, 14 * MSS);
	t0 = now;
	for (int n = 1; n <= 50; n++) {
		double w_est = n < n_prior ? 14 + ALPHA_CUBIC * n : 20 + (n - n_prior);
		double t;

		round_trip(&cc, &now, rtt);
		t = (double)(now - t0) / NS_PER_S;
		/* within a quarter segment plus 2%: alpha/cwnd is applied per ACK
		 * while cwnd grows within the RTT, the formula per RTT */
		assert_true(fabs(seg(&cc) - w_est) <= 0.25 + 0.02 * w_est);
		if (n == 10 || n == 50)
			printf("cubic: Reno-friendly, RTT 10 ms, after %d RTTs cwnd %.2f seg, "
			       "W_est formula %.2f, W_cubic(t) %.2f\n",
			       n, seg(&cc), w_est, w_cubic(t, k, 20));
		if (n == 50)
			assert_true(seg(&cc) > 3 * w_cubic(t, k, 20));
	}
}

/* Fast convergence (section 4.7): a loss below the previous W_max sets
 * W_max = cwnd * (1 + beta) / 2, and the next plateau is there. A loss at
 * or above W_max remembers cwnd itself. */
static void test_cubic_fast_convergence(void **state)
{
	const uint64_t rtt = 200 * NS_PER_MS;
	struct tcp_cc cc;
	uint64_t now = 0, t0;
	double c, w_max, k;
	uint32_t w;

	(void)state;
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 100 * MSS;
	loss(&cc, &now, 100 * MSS, rtt);
	while (cc.cwnd < 80 * MSS)
		round_trip(&cc, &now, rtt);
	c = seg(&cc);
	w = cc.cwnd;
	loss(&cc, &now, cc.cwnd, rtt);
	assert_int_equal(cc.ssthresh, (uint64_t)w * 7 / 10);
	w_max = c * (1 + BETA_CUBIC) / 2;
	k = cbrt((w_max - seg(&cc)) / C_CUBIC);
	t0 = now;
	while ((double)(now - t0) / NS_PER_S < k)
		round_trip(&cc, &now, rtt);
	printf("cubic: fast convergence, loss at %.1f seg < W_max 100: W_max %.1f, "
	       "cwnd %.1f at K %.2f s\n",
	       c, w_max, seg(&cc), k);
	/* the plateau is at 0.85 c; without fast convergence it would be c */
	assert_true(near(seg(&cc), w_max, 0.03));
	assert_true(seg(&cc) < c - 5);

	/* the next loss comes above this W_max: no further reduction of it */
	while (seg(&cc) < w_max + 5)
		round_trip(&cc, &now, rtt);
	c = seg(&cc);
	loss(&cc, &now, cc.cwnd, rtt);
	k = cbrt((c - seg(&cc)) / C_CUBIC);
	t0 = now;
	while ((double)(now - t0) / NS_PER_S < k)
		round_trip(&cc, &now, rtt);
	assert_true(near(seg(&cc), c, 0.03));
}

static void test_cubic_rto(void **state)
{
	const uint64_t rtt = 200 * NS_PER_MS;
	struct tcp_cc cc;
	uint64_t now = 0, t0;
	double t, e;
	uint32_t w;

	(void)state;
	/* a loss at 100 segments first (W_max = 100), some progress at 70 */
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 100 * MSS;
	loss(&cc, &now, 100 * MSS, rtt);
	round_trip(&cc, &now, rtt);
	w = cc.cwnd;
	cc.flight = w;
	cc.ops->on_rto(&cc, now);
	assert_int_equal(cc.ssthresh, (uint64_t)w * 7 / 10);
	assert_int_equal(cc.cwnd, MSS);
	e = (double)cc.ssthresh / MSS;
	/* again without progress: held, not 0.7 * 1 segment */
	cc.ops->on_rto(&cc, now);
	assert_int_equal(cc.ssthresh, (uint64_t)w * 7 / 10);
	assert_int_equal(cc.cwnd, MSS);
	/* slow start after an RTO: L = 1*SMSS */
	cc.ops->cong_avoid(&cc, 2 * MSS, now);
	assert_int_equal(cc.cwnd, 2 * MSS);
	while (cc.cwnd < cc.ssthresh) {
		now += rtt / 40;
		cc.ops->cong_avoid(&cc, 2 * MSS, now);
	}
	/* ssthresh, plus what the last ACK counted beyond it in CA */
	assert_true(cc.cwnd >= cc.ssthresh && cc.cwnd < cc.ssthresh + 100);

	/* First CA stage after an RTO (section 4.8): K = 0 and W_max =
	 * cwnd_epoch = e, not the 100 of the earlier loss, so no concave rush
	 * back there: W_cubic = e + 0.4 t^3, W_est = e + 9/17 per RTT (it
	 * stays below cwnd_prior = 70 for 8 s), the larger wins. */
	t0 = now;
	do {
		round_trip(&cc, &now, rtt);
		t = (double)(now - t0) / NS_PER_S;
		double want = fmax(e + C_CUBIC * t * t * t, e + ALPHA_CUBIC * t / 0.2);

		assert_true(near(seg(&cc), want, 0.03));
	} while (t < 5);
	assert_true(near(seg(&cc), e + C_CUBIC * t * t * t, 0.03));

	/* an RTO during fast recovery does not apply beta twice */
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.cwnd = 100 * MSS;
	cc.ops->enter_recovery(&cc, now);
	assert_int_equal(cc.ssthresh, 70 * MSS);
	cc.ops->on_rto(&cc, now);
	assert_int_equal(cc.ssthresh, 70 * MSS);
	assert_int_equal(cc.cwnd, MSS);
	/* nor does a loss seen before the RTO is repaired lift cwnd */
	cc.ops->enter_recovery(&cc, now);
	assert_int_equal(cc.ssthresh, 70 * MSS);
	assert_int_equal(cc.cwnd, MSS);
}

/* ---- fluid model ---------------------------------------------------------- */

/* One flow through a bottleneck of capacity BDP / base RTT with a drop-tail
 * buffer, RTT by RTT: a window w keeps a standing queue of w - BDP; the
 * round lasts the base RTT plus that queue's delay and its ACKs (one per 2
 * segments, spread over the round) each call cong_avoid. A window beyond
 * BDP + buffer overflows: the round delivers what the link carries, the
 * loss is seen (enter_recovery with the window in flight), one round of
 * recovery at cwnd = ssthresh (PRR), exit_recovery. Utilisation = bytes
 * delivered / (capacity * time), counted from the end of the second
 * recovery: the initial slow start overshoots up to twice BDP + buffer,
 * and the first reduction (CUBIC: to 0.7 of that) can overflow again;
 * neither is the steady state. */
#define FLUID_WARMUP_LOSSES 2
struct link {
	const char *name;
	uint32_t bdp_seg;
	uint32_t buf_seg;
	uint64_t rtt_ns;
	unsigned rounds;
};

struct fluid {
	double util;
	unsigned losses;
	double cwnd_lo, cwnd_hi; /* segments, after the first loss */
};

static uint64_t queue_delay(uint64_t w, uint64_t bdp, uint64_t buf, double cap)
{
	uint64_t q = w > bdp ? w - bdp : 0;

	return (uint64_t)((q < buf ? q : buf) / cap);
}

static struct fluid fluid_run(const struct tcp_cc_ops *ops, const struct link *l)
{
	const uint64_t bdp = (uint64_t)l->bdp_seg * MSS, buf = (uint64_t)l->buf_seg * MSS;
	const double cap = (double)bdp / l->rtt_ns; /* bytes per ns */
	struct fluid f = { .cwnd_lo = 1e9 };
	double delivered = 0, busy = 0;
	bool measuring = false;
	struct tcp_cc cc;
	uint64_t now = 0;

	cc_setup(&cc, ops, MSS);
	cc.min_rtt_us = (uint32_t)(l->rtt_ns / 1000);
	for (unsigned r = 0; r < l->rounds; r++) {
		uint64_t w = cc.cwnd, d = l->rtt_ns + queue_delay(w, bdp, buf, cap);

		if (measuring) {
			f.cwnd_lo = fmin(f.cwnd_lo, (double)w / MSS);
			f.cwnd_hi = fmax(f.cwnd_hi, (double)w / MSS);
		}
		if (w <= bdp + buf) {
			if (measuring) {
				delivered += (double)w;
				busy += cap * (double)d;
			}
			ack_window(&cc, &now, d, (uint32_t)w, 2 * MSS);
			continue;
		}
		/* overflow round: the link is saturated for the whole round */
		if (measuring) {
			delivered += (double)(bdp + buf);
			busy += cap * (double)d;
		}
		now += d;
		cc.srtt_us = (uint32_t)(d / 1000);
		cc.flight = (uint32_t)w;
		ops->enter_recovery(&cc, now);
		f.losses++;
		/* recovery round at the reduced window */
		w = cc.cwnd;
		d = l->rtt_ns + queue_delay(w, bdp, buf, cap);
		if (measuring) {
			delivered += (double)w;
			busy += cap * (double)d;
		}
		now += d;
		ops->exit_recovery(&cc, now);
		measuring = f.losses >= FLUID_WARMUP_LOSSES;
		r++;
	}
	f.util = delivered / busy;
	return f;
}

/* The first slow start ends on a delay increase (HyStart), one RTT sample
 * per round as the engine takes them, on a path of BDP 100 segments
 * (10 ms) with a 500-segment buffer: the queue's delay shows before the
 * buffer overflows, and slow start ends there without a loss. */
static void test_cubic_hystart(void **state)
{
	const uint64_t rtt = 10 * NS_PER_MS, bdp = 100ull * MSS, buf = 500ull * MSS;
	const double cap = (double)bdp / (double)rtt;
	struct tcp_cc cc;
	uint64_t now = 0;
	unsigned r;

	(void)state;
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	cc.ops->on_rtt(&cc, 10000, now); /* the handshake's */
	for (r = 0; r < 40 && cc.ssthresh == TCP_CC_SSTHRESH_INF; r++) {
		uint64_t w = cc.cwnd, d = rtt + queue_delay(w, bdp, buf, cap);
		assert_true(w <= bdp + buf); /* never an overflow */
		ack_window(&cc, &now, d, (uint32_t)w, 2 * MSS);
		cc.ops->on_rtt(&cc, (uint32_t)(d / 1000), now);
	}
	printf("hystart: slow start left after %u rounds at %.0f segments (BDP 100, buffer "
	       "500)\n",
	       r, seg(&cc));
	assert_int_equal(cc.ssthresh, cc.cwnd);
	/* past the BDP (the delay rose), well short of BDP + buffer */
	assert_true(cc.cwnd > bdp && cc.cwnd < bdp + buf);

	/* Jitter under the threshold (an eighth, at least 4 ms) is no queue:
	 * slow start goes on; one sample at the threshold ends it. */
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	now = 0;
	cc.ops->on_rtt(&cc, 10000, now);
	for (int i = 0; i < 5; i++) {
		uint32_t w = cc.cwnd;
		round_trip(&cc, &now, rtt);
		cc.ops->on_rtt(&cc, i % 2 ? 13900 : 10000, now);
		assert_int_equal(cc.cwnd, 2 * w);
	}
	assert_int_equal(cc.ssthresh, TCP_CC_SSTHRESH_INF);
	cc.ops->on_rtt(&cc, 9000, now); /* a new minimum */
	assert_int_equal(cc.ssthresh, TCP_CC_SSTHRESH_INF);
	cc.ops->on_rtt(&cc, 13000, now); /* 9 + 4 ms */
	assert_int_equal(cc.ssthresh, cc.cwnd);

	/* Only the first slow start: after a loss the samples change nothing. */
	cc_setup(&cc, &tcp_cc_cubic, MSS);
	now = 0;
	loss(&cc, &now, cc.cwnd, rtt);
	uint32_t ss = cc.ssthresh;
	cc.ops->on_rtt(&cc, 10000, now);
	for (int i = 0; i < 10; i++)
		cc.ops->on_rtt(&cc, 50000, now);
	assert_int_equal(cc.ssthresh, ss);
}

static const struct link links[] = {
	{ "BDP 100 seg, 10 ms, buffer 10 seg", 100, 10, 10 * NS_PER_MS, 4000 },
	{ "BDP 1000 seg, 50 ms, buffer 100 seg", 1000, 100, 50 * NS_PER_MS, 4000 },
	{ "BDP 5000 seg, 100 ms, buffer 500 seg", 5000, 500, 100 * NS_PER_MS, 8000 },
};

static void test_fluid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct fluid nr = fluid_run(&tcp_cc_newreno, &links[i]);
		struct fluid cu = fluid_run(&tcp_cc_cubic, &links[i]);

		printf("fluid: %-38s %u RTTs: newreno util %5.1f%% (%3u losses, cwnd %4.0f..%4.0f)"
		       "  cubic util %5.1f%% (%3u losses, cwnd %4.0f..%4.0f)\n",
		       links[i].name, links[i].rounds, 100 * nr.util, nr.losses, nr.cwnd_lo,
		       nr.cwnd_hi, 100 * cu.util, cu.losses, cu.cwnd_lo, cu.cwnd_hi);
		assert_true(nr.losses >= FLUID_WARMUP_LOSSES + 2);
		assert_true(cu.losses >= FLUID_WARMUP_LOSSES + 2);
		assert_true(nr.util > 0.75 && nr.util <= 1.0);
		assert_true(cu.util > 0.80 && cu.util <= 1.0);
		/* the sawtooth spans what each algorithm's decrease predicts:
		 * from 1/2 (0.7) of BDP + buffer up to one step beyond it */
		double top = links[i].bdp_seg + links[i].buf_seg;

		assert_true(near(nr.cwnd_lo, 0.5 * top, 0.02));
		assert_true(near(cu.cwnd_lo, 0.7 * top, 0.02));
		assert_true(nr.cwnd_hi > top && nr.cwnd_hi < 1.02 * top);
		assert_true(cu.cwnd_hi > top && cu.cwnd_hi < 1.05 * top);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_initial_window),
		cmocka_unit_test(test_slow_start),
		cmocka_unit_test(test_ssthresh_floor),
		cmocka_unit_test(test_newreno_linear),
		cmocka_unit_test(test_newreno_loss),
		cmocka_unit_test(test_newreno_rto),
		cmocka_unit_test(test_cubic_reduction),
		cmocka_unit_test(test_cubic_curve),
		cmocka_unit_test(test_cubic_large_window),
		cmocka_unit_test(test_cubic_reno_friendly),
		cmocka_unit_test(test_cubic_fast_convergence),
		cmocka_unit_test(test_cubic_rto),
		cmocka_unit_test(test_fluid),
		cmocka_unit_test(test_cubic_hystart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
