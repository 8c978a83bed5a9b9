/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of MPTCP's coupled congestion control (tcpstack/tcp_cc_coupled.c):
 * LIA (RFC 6356) and OLIA on groups of bare struct tcp_cc, ACK by ACK on
 * virtual time, against the formulas written out again here in floating
 * point; and the group's membership through connections of a real stack
 * (leaving on close, on destroy, when full). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcpstack/tcp_cc.h"
#include "tcpstack/tcp_cc_coupled.h"
#include "tests/unit/ut.h"

#define MSS 1460u
#define MS 1000u /* srtt_us per millisecond */

static void cc_setup(struct tcp_cc *cc, const struct tcp_cc_ops *ops, uint32_t mss)
{
	memset(cc, 0, sizeof(*cc));
	cc->ops = ops;
	cc->mss = mss;
	ops->init(cc, 0);
}

/* In congestion avoidance at @segs segments, as after a loss. */
static void cc_at(struct tcp_cc *cc, uint32_t segs, uint32_t rtt_us)
{
	cc->cwnd = cc->ssthresh = segs * cc->mss;
	cc->srtt_us = cc->min_rtt_us = rtt_us;
}

/* A group of two subflows running @ops, in congestion avoidance at @wa
 * and @wb segments with RTTs of @ra and @rb us. */
static struct tcpstack_cc_group *pair(const struct tcp_cc_ops *ops, struct tcp_cc *a, uint32_t wa,
				      uint32_t ra, struct tcp_cc *b, uint32_t wb, uint32_t rb)
{
	struct tcpstack_cc_group *g = tcpstack_cc_group_create();

	assert_non_null(g);
	cc_setup(a, ops, MSS);
	cc_setup(b, ops, MSS);
	cc_at(a, wa, ra);
	cc_at(b, wb, rb);
	assert_int_equal(tcp_cc_group_add(g, a), 0);
	assert_int_equal(tcp_cc_group_add(g, b), 0);
	return g;
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* The group's member count, the way the tests read it. */
static unsigned members(const struct tcpstack_cc_group *g)
{
	return g->n;
}

/* RFC 6356 equation (2), written out again: cwnd in bytes, rtt in us. */
static double rfc_alpha(const double *cwnd, const double *rtt, unsigned n)
{
	double total = 0, best = 0, sum = 0;

	for (unsigned i = 0; i < n; i++) {
		total += cwnd[i];
		sum += cwnd[i] / rtt[i];
		best = fmax(best, cwnd[i] / (rtt[i] * rtt[i]));
	}
	return total * best / (sum * sum);
}

/* ---- alone: NewReno exactly -------------------------------------------- */

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(tcp_cc_find("lia"), &tcp_cc_lia);
	assert_ptr_equal(tcp_cc_find("olia"), &tcp_cc_olia);
	assert_string_equal(tcp_cc_lia.name, "lia");
	assert_string_equal(tcp_cc_olia.name, "olia");
	assert_ptr_equal(tcp_cc_find("cubic"), &tcp_cc_cubic); /* the others still there */
}

/* A random life (slow start, CA with ACKs of any size, losses, RTOs,
 * repeated RTOs, RTT changes) run on @cc and on a NewReno side by side:
 * cwnd and ssthresh equal after every event. */
static void run_beside_newreno(struct tcp_cc *cc, uint64_t seed)
{
	struct tcp_cc nr;
	uint64_t now = 0;

	cc_setup(&nr, &tcp_cc_newreno, cc->mss);
	assert_int_equal(cc->cwnd, nr.cwnd);
	for (int i = 0; i < 20000; i++) {
		uint32_t r = rnd(&seed) % 1000;
		uint32_t flight = rnd(&seed) % (cc->cwnd + 1);

		now += 1000000;
		cc->srtt_us = nr.srtt_us = 1000 + rnd(&seed) % 200000;
		cc->flight = nr.flight = flight;
		if (r < 950) {
			uint32_t acked = rnd(&seed) % 4 == 0 ? rnd(&seed) % 200000
							     : rnd(&seed) % (3 * cc->mss);
			cc->ops->cong_avoid(cc, acked, now);
			nr.ops->cong_avoid(&nr, acked, now);
		} else if (r < 985) {
			cc->ops->enter_recovery(cc, now);
			nr.ops->enter_recovery(&nr, now);
			cc->ops->exit_recovery(cc, now);
			nr.ops->exit_recovery(&nr, now);
		} else {
			cc->ops->on_rto(cc, now);
			nr.ops->on_rto(&nr, now);
		}
		assert_int_equal(cc->cwnd, nr.cwnd);
		assert_int_equal(cc->ssthresh, nr.ssthresh);
	}
}

static void test_alone_is_newreno(void **state)
{
	const struct tcp_cc_ops *ops[] = { &tcp_cc_lia, &tcp_cc_olia };
	struct tcp_cc cc, other_alg, no_rtt;

	(void)state;
	for (int a = 0; a < 2; a++) {
		/* not in a group */
		cc_setup(&cc, ops[a], MSS);
		run_beside_newreno(&cc, 1);

		/* alone in its group */
		struct tcpstack_cc_group *g = tcpstack_cc_group_create();
		assert_non_null(g);
		cc_setup(&cc, ops[a], 536);
		assert_int_equal(tcp_cc_group_add(g, &cc), 0);
		run_beside_newreno(&cc, 2);

		/* with members nobody weighs: one switched to another algorithm,
		 * one of its own kind without an RTT sample yet */
		cc_setup(&other_alg, &tcp_cc_newreno, MSS);
		cc_at(&other_alg, 50, 5 * MS);
		cc_setup(&no_rtt, ops[a], MSS);
		no_rtt.cwnd = 100 * MSS;
		assert_int_equal(tcp_cc_group_add(g, &other_alg), 0);
		assert_int_equal(tcp_cc_group_add(g, &no_rtt), 0);
		tcp_cc_group_del(&cc); /* before cc_setup() forgets its group */
		cc_setup(&cc, ops[a], MSS);
		assert_int_equal(tcp_cc_group_add(g, &cc), 0);
		assert_int_equal(members(g), 3);
		run_beside_newreno(&cc, 3);
		assert_true(tcp_cc_lia_alpha(&cc) == 1.0);
		assert_true(tcp_cc_olia_alpha(&cc) == 0.0);
		tcpstack_cc_group_destroy(g);
	}
}

/* ---- LIA ----------------------------------------------------------------- */

/* One RTT on each subflow of @cc: each acknowledges the window it had at
 * the start of the round, in ACKs of @ack bytes, the subflows' ACKs
 * interleaved. */
static void lia_round(struct tcp_cc **cc, unsigned n, uint32_t ack)
{
	uint32_t left[8];
	bool any = true;

	for (unsigned i = 0; i < n; i++)
		left[i] = cc[i]->cwnd;
	while (any) {
		any = false;
		for (unsigned i = 0; i < n; i++) {
			uint32_t a = left[i] < ack ? left[i] : ack;

			if (a == 0)
				continue;
			cc[i]->flight = left[i];
			cc[i]->ops->cong_avoid(cc[i], a, 0);
			left[i] -= a;
			any = true;
		}
	}
}

/* Two equal subflows (same RTT, same window): alpha = 2c*(c/r^2)/(2c/r)^2
 * = 1/2, so the group grows alpha = half an MSS per RTT in all, a quarter
 * on each, where a NewReno subflow grows one. Not one MSS for the group:
 * the decrease halves only the subflow that lost, a quarter of the total,
 * and with it the group's equilibrium is one TCP's (test_lia_equilibrium). */
static void test_lia_two_equal(void **state)
{
	struct tcp_cc a, b, nr;
	struct tcp_cc *both[] = { &a, &b }, *one[] = { &nr };
	const unsigned rtts = 80, start = 40;
	struct tcpstack_cc_group *g = pair(&tcp_cc_lia, &a, start, 50 * MS, &b, start, 50 * MS);

	(void)state;
	cc_setup(&nr, &tcp_cc_newreno, MSS);
	cc_at(&nr, start, 50 * MS);
	assert_true(fabs(tcp_cc_lia_alpha(&a) - 0.5) < 1e-12);

	for (unsigned k = 0; k < rtts; k++) {
		lia_round(both, 2, 2 * MSS);
		lia_round(one, 1, 2 * MSS);
	}
	double ga = ((double)a.cwnd - start * MSS) / MSS, gb = ((double)b.cwnd - start * MSS) / MSS;
	double gn = ((double)nr.cwnd - start * MSS) / MSS;
	printf("lia: 2 equal subflows, %u RTTs: +%.0f +%.0f segments (group %.3f/RTT), "
	       "newreno +%.0f\n",
	       rtts, ga, gb, (ga + gb) / rtts, gn);
	assert_int_equal(gn, rtts);
	/* Growth is in whole segments: within one of rtts/4 each, so the
	 * group within 2 of rtts/2 (5 % here). */
	assert_true(fabs(ga - rtts / 4.0) <= 1 && fabs(gb - rtts / 4.0) <= 1);
	assert_true(fabs(ga + gb - rtts / 2.0) <= 2);
	tcpstack_cc_group_destroy(g);
}

/* The reason for 1/2 above: two LIA subflows through one bottleneck that
 * drops every Nth packet hold, together, the window one NewReno flow holds
 * there (RFC 6356 goal 2, "do no harm"). Rounds of one RTT; a drop halves
 * the subflow whose packet it was. */
static double avg_total_window(struct tcp_cc **cc, unsigned n, uint32_t every)
{
	uint64_t pkts = 0, rounds = 0;
	double sum = 0;

	for (unsigned k = 0; k < 30000; k++) {
		for (unsigned i = 0; i < n; i++) {
			uint32_t w = cc[i]->cwnd, segs = w / MSS;
			bool lost = false;

			for (uint32_t s = 0; s < segs && !lost; s++) {
				if (++pkts % every == 0) {
					cc[i]->flight = w;
					cc[i]->ops->enter_recovery(cc[i], 0);
					lost = true;
				} else {
					cc[i]->ops->cong_avoid(cc[i], MSS, 0);
				}
			}
			if (lost)
				cc[i]->ops->exit_recovery(cc[i], 0);
		}
		if (k >= 5000) { /* past the start */
			for (unsigned i = 0; i < n; i++)
				sum += (double)cc[i]->cwnd / MSS;
			rounds++;
		}
	}
	return sum / rounds;
}

static void test_lia_equilibrium(void **state)
{
	struct tcp_cc a, b, nr;
	struct tcp_cc *both[] = { &a, &b }, *one[] = { &nr };
	struct tcpstack_cc_group *g = pair(&tcp_cc_lia, &a, 10, 20 * MS, &b, 10, 20 * MS);

	(void)state;
	cc_setup(&nr, &tcp_cc_newreno, MSS);
	a.ssthresh = b.ssthresh = TCP_CC_SSTHRESH_INF; /* from slow start, all three */
	nr.srtt_us = 20 * MS;
	double wl = avg_total_window(both, 2, 2000), wn = avg_total_window(one, 1, 2000);
	printf("lia: drop 1 in 2000 packets: 2 lia subflows hold %.1f segments, newreno %.1f\n", wl,
	       wn);
	assert_true(fabs(wl / wn - 1) < 0.15);
	tcpstack_cc_group_destroy(g);
}

/* RFC 6356's alpha with different RTTs, against the formula by hand, and
 * the increase it makes: in MSS and ms, windows 20 and 10 at 10 and 40 ms:
 * alpha = 30 * (20/10^2) / (20/10 + 10/40)^2 = 6 / 2.25^2 = 32/27. Per
 * byte acknowledged every uncapped subflow grows alpha*mss/cwnd_total, so
 * both grow one MSS per 30*MSS*27/32 = 36956.25 bytes. */
static void test_lia_alpha(void **state)
{
	struct tcp_cc cc[3];
	struct tcpstack_cc_group *g = tcpstack_cc_group_create();
	const uint32_t segs[] = { 20, 10, 40 }, rtt_ms[] = { 10, 40, 100 };
	double cw[3], rt[3];

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		cc_setup(&cc[i], &tcp_cc_lia, MSS);
		cc_at(&cc[i], segs[i], rtt_ms[i] * MS);
		cw[i] = segs[i] * MSS;
		rt[i] = rtt_ms[i] * MS;
	}
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(tcp_cc_group_add(g, &cc[i]), 0);
	assert_true(fabs(tcp_cc_lia_alpha(&cc[0]) - 32.0 / 27) < 1e-12);
	assert_true(fabs(rfc_alpha(cw, rt, 2) - 32.0 / 27) < 1e-12);

	for (unsigned i = 0; i < 2; i++) {
		uint32_t w0 = cc[i].cwnd, bytes = 0;

		while (cc[i].cwnd == w0) {
			cc[i].ops->cong_avoid(&cc[i], 100, 0);
			bytes += 100;
		}
		assert_int_equal(cc[i].cwnd, w0 + MSS);
		/* the 100-byte ACK that crossed 36956.25 */
		assert_int_equal(bytes, 37000);
		cc[i].cwnd = w0; /* as it was, for the next one */
	}

	/* A third path: alpha from all three, as the formula says. */
	assert_int_equal(tcp_cc_group_add(g, &cc[2]), 0);
	double want = rfc_alpha(cw, rt, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_true(fabs(tcp_cc_lia_alpha(&cc[i]) - want) < 1e-12 * want);
	printf("lia: alpha 2 paths %.6f (32/27 = %.6f), 3 paths %.6f\n", 32.0 / 27, 32.0 / 27,
	       want);
	tcpstack_cc_group_destroy(g);
}

/* The min() of equation (1): a subflow never grows faster than NewReno
 * would grow it. Random groups; each member beside a NewReno copy of
 * itself, ACK by ACK. And a case where alpha*cwnd_i/cwnd_total is 2, so
 * without the cap it would grow twice as fast: it grows as NewReno. */
static void test_lia_capped_by_newreno(void **state)
{
	uint64_t seed = 7;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct tcp_cc cc[8], nr;
		struct tcpstack_cc_group *g = tcpstack_cc_group_create();
		unsigned n = 2 + rnd(&seed) % 7, me = rnd(&seed) % n;

		for (unsigned i = 0; i < n; i++) {
			cc_setup(&cc[i], &tcp_cc_lia, MSS);
			cc_at(&cc[i], 2 + rnd(&seed) % 300, 100 + rnd(&seed) % 300000);
			assert_int_equal(tcp_cc_group_add(g, &cc[i]), 0);
		}
		nr = cc[me];
		nr.ops = &tcp_cc_newreno;
		nr.coupled = NULL;
		for (int k = 0; k < 3000; k++) {
			uint32_t acked = 1 + rnd(&seed) % (2 * MSS);

			cc[me].ops->cong_avoid(&cc[me], acked, 0);
			nr.ops->cong_avoid(&nr, acked, 0);
			assert_true(cc[me].cwnd <= nr.cwnd);
		}
		tcpstack_cc_group_destroy(g);
	}

	/* Equal rates, the second path 8 times the RTT (and so the window):
	 * alpha*cwnd_1/cwnd_total = 80 * (10/10^2) / (1 + 1)^2 = 2. */
	struct tcp_cc fast, slow, nr;
	struct tcpstack_cc_group *g = pair(&tcp_cc_lia, &fast, 10, 10 * MS, &slow, 80, 80 * MS);

	assert_true(fabs(tcp_cc_lia_alpha(&slow) * 80 / 90 - 2) < 1e-12);
	nr = slow;
	nr.ops = &tcp_cc_newreno;
	nr.coupled = NULL;
	for (int k = 0; k < 4000; k++) {
		slow.ops->cong_avoid(&slow, MSS, 0);
		nr.ops->cong_avoid(&nr, MSS, 0);
		assert_int_equal(slow.cwnd, nr.cwnd);
	}
	assert_true(slow.cwnd > 80 * MSS);
	tcpstack_cc_group_destroy(g);
}

/* ---- OLIA ---------------------------------------------------------------- */

/* @bytes acknowledged in 1-MSS ACKs (then the window is set again: only
 * the loss bookkeeping matters here). */
static void olia_ack(struct tcp_cc *cc, uint32_t bytes)
{
	uint32_t w = cc->cwnd, ss = cc->ssthresh;

	for (uint32_t done = 0; done < bytes; done += MSS)
		cc->ops->cong_avoid(cc, MSS, 0);
	cc->cwnd = w;
	cc->ssthresh = ss;
}

static void olia_loss(struct tcp_cc *cc)
{
	uint32_t w = cc->cwnd;

	cc->flight = w;
	cc->ops->enter_recovery(cc, 0);
	cc->ops->exit_recovery(cc, 0);
	cc->cwnd = cc->ssthresh = w;
}

static void test_olia_alpha(void **state)
{
	struct tcp_cc a, b, c;
	struct tcpstack_cc_group *g = pair(&tcp_cc_olia, &a, 40, 100 * MS, &b, 20, 20 * MS);

	(void)state;
	cc_setup(&c, &tcp_cc_olia, MSS);
	cc_at(&c, 20, 20 * MS);

	/* a: the larger window but recent losses, l_a = max(73000, 14600);
	 * b: no loss in 1460000 bytes. b is best (l/rtt^2) and not of the
	 * largest windows: +1/(2*1) on b, -1/(2*1) on a. */
	olia_ack(&a, 100 * MSS);
	olia_loss(&a);
	olia_ack(&a, 50 * MSS);
	olia_loss(&a);
	olia_ack(&a, 10 * MSS);
	olia_ack(&b, 1000 * MSS);
	double aa = tcp_cc_olia_alpha(&a), ab = tcp_cc_olia_alpha(&b);
	assert_true(fabs(ab - 0.5) < 1e-12);
	assert_true(fabs(aa + 0.5) < 1e-12);
	assert_true(fabs(aa + ab) < 1e-12);

	/* w/rtt: a 40/100, b 20/20. Per ACK, a: (0.4/1.4)^2 - 1/2 < 0,
	 * b: (1/1.4)^2 + 1/2: window moves from a to b. */
	uint32_t wa = a.cwnd, wb = b.cwnd;
	for (int k = 0; k < 200; k++) {
		a.ops->cong_avoid(&a, MSS, 0);
		b.ops->cong_avoid(&b, MSS, 0);
	}
	printf("olia: alpha a %.3f b %.3f; 200 ACKs each: a %+d b %+d segments\n", aa, ab,
	       (int)(a.cwnd - wa) / (int)MSS, (int)(b.cwnd - wb) / (int)MSS);
	assert_true(a.cwnd < wa);
	assert_true(b.cwnd > wb + 3 * MSS);
	a.cwnd = a.ssthresh = wa;
	b.cwnd = b.ssthresh = wb;

	/* c joins as good as b (same l, RTT, window): B\M = {b, c}, each
	 * 1/(3*2); a -1/(3*1); the sum still 0. */
	olia_ack(&c, 1200 * MSS); /* as much as b, and no loss either */
	assert_int_equal(tcp_cc_group_add(g, &c), 0);
	aa = tcp_cc_olia_alpha(&a);
	ab = tcp_cc_olia_alpha(&b);
	double ac = tcp_cc_olia_alpha(&c);
	assert_true(fabs(ab - 1.0 / 6) < 1e-12 && fabs(ac - 1.0 / 6) < 1e-12);
	assert_true(fabs(aa + 1.0 / 3) < 1e-12);
	assert_true(fabs(aa + ab + ac) < 1e-12);

	/* The best paths have the largest window: nothing to move, all 0. */
	b.cwnd = b.ssthresh = 50 * MSS;
	c.cwnd = c.ssthresh = 50 * MSS;
	assert_true(tcp_cc_olia_alpha(&a) == 0 && tcp_cc_olia_alpha(&b) == 0 &&
		    tcp_cc_olia_alpha(&c) == 0);
	tcpstack_cc_group_destroy(g);
}

/* A repeated RTO (no progress since the last) is the same loss episode:
 * it must not close an empty inter-loss interval and wipe l_r. */
static void test_olia_repeated_rto(void **state)
{
	struct tcp_cc a, b;
	struct tcpstack_cc_group *g = pair(&tcp_cc_olia, &a, 40, 20 * MS, &b, 20, 20 * MS);

	(void)state;
	olia_ack(&a, 100 * MSS);
	olia_ack(&b, 60 * MSS);
	a.flight = a.cwnd;
	a.ops->on_rto(&a, 0);
	a.ops->on_rto(&a, 0);
	a.ops->enter_recovery(&a, 0); /* a loss seen before the RTO is repaired */
	a.cwnd = a.ssthresh = 40 * MSS;
	/* l_a = 100 MSS > l_b = 60: a is best, and of the largest: all 0 */
	assert_true(tcp_cc_olia_alpha(&a) == 0 && tcp_cc_olia_alpha(&b) == 0);
	tcpstack_cc_group_destroy(g);
}

/* A large window with little of the rate shrinks, down to 2 MSS and no
 * further, ssthresh following (else slow start would undo it at once). */
static void test_olia_floor(void **state)
{
	struct tcp_cc a, b;
	struct tcpstack_cc_group *g = pair(&tcp_cc_olia, &a, 4, 200 * MS, &b, 2, 10 * MS);

	(void)state;
	olia_ack(&a, 10 * MSS);
	olia_loss(&a);
	olia_ack(&b, 500 * MSS);
	b.flight = b.cwnd;
	b.ops->on_rto(&b, 0); /* b: one segment, in slow start, still best */
	assert_int_equal(b.cwnd, MSS);
	assert_true(fabs(tcp_cc_olia_alpha(&a) + 0.5) < 1e-12);
	for (int k = 0; k < 5000; k++) {
		a.flight = a.cwnd;
		a.ops->cong_avoid(&a, MSS, 0);
		assert_true(a.cwnd >= 2 * MSS);
		assert_true(a.ssthresh <= a.cwnd);
	}
	assert_int_equal(a.cwnd, 2 * MSS);
	tcpstack_cc_group_destroy(g);
}

/* Random events on random members of LIA and OLIA groups: cwnd stays a
 * sane number of bytes (never below 1 MSS, never wrapped). */
static void test_coupled_stress(void **state)
{
	const struct tcp_cc_ops *ops[] = { &tcp_cc_lia, &tcp_cc_olia };
	uint64_t seed = 11;

	(void)state;
	for (int a = 0; a < 2; a++) {
		struct tcp_cc cc[8];
		struct tcpstack_cc_group *g = tcpstack_cc_group_create();

		for (unsigned i = 0; i < 8; i++) {
			cc_setup(&cc[i], ops[a], 500 + rnd(&seed) % 9000);
			assert_int_equal(tcp_cc_group_add(g, &cc[i]), 0);
		}
		for (int k = 0; k < 200000; k++) {
			struct tcp_cc *c = &cc[rnd(&seed) % 8];
			uint32_t r = rnd(&seed) % 1000;

			c->srtt_us = rnd(&seed) % 16 == 0 ? 0 : 1 + rnd(&seed) % 500000;
			c->flight = rnd(&seed) % (c->cwnd + 1);
			if (r < 960)
				c->ops->cong_avoid(c, rnd(&seed) % (4 * c->mss), 0);
			else if (r < 990)
				c->ops->enter_recovery(c, 0);
			else if (r < 995)
				c->ops->exit_recovery(c, 0);
			else
				c->ops->on_rto(c, 0);
			assert_true(c->cwnd >= c->mss && c->cwnd <= TCP_CC_SSTHRESH_INF);
			assert_true(c->ssthresh >= 2 * c->mss);
		}
		tcpstack_cc_group_destroy(g);
	}
}

/* Loss and RTO: NewReno's reduction, coupled or not. */
static void test_coupled_loss(void **state)
{
	const struct tcp_cc_ops *ops[] = { &tcp_cc_lia, &tcp_cc_olia };

	(void)state;
	for (int a = 0; a < 2; a++) {
		struct tcp_cc x, y;
		struct tcpstack_cc_group *g = pair(ops[a], &x, 60, 10 * MS, &y, 30, 30 * MS);

		x.flight = 41 * MSS; /* RFC 5681: max(flight/2, 2*mss) */
		x.ops->enter_recovery(&x, 0);
		assert_int_equal(x.ssthresh, 41 * MSS / 2);
		assert_int_equal(x.cwnd, 41 * MSS / 2);
		x.ops->exit_recovery(&x, 0);
		assert_int_equal(x.cwnd, 41 * MSS / 2);
		x.flight = 3 * MSS;
		x.ops->enter_recovery(&x, 0);
		assert_int_equal(x.ssthresh, 2 * MSS);
		y.flight = 30 * MSS;
		y.ops->on_rto(&y, 0);
		assert_int_equal(y.ssthresh, 15 * MSS);
		assert_int_equal(y.cwnd, MSS);
		y.ops->on_rto(&y, 0); /* again without progress: ssthresh held */
		assert_int_equal(y.ssthresh, 15 * MSS);
		tcpstack_cc_group_destroy(g);
	}
}

/* ---- the group ----------------------------------------------------------- */

static void test_group_bare(void **state)
{
	struct tcp_cc cc[TCP_CC_GROUP_MAX + 1];
	struct tcpstack_cc_group *g = tcpstack_cc_group_create(), *h = tcpstack_cc_group_create();

	(void)state;
	assert_non_null(g);
	assert_non_null(h);
	for (unsigned i = 0; i <= TCP_CC_GROUP_MAX; i++)
		cc_setup(&cc[i], &tcp_cc_lia, MSS);
	for (unsigned i = 0; i < TCP_CC_GROUP_MAX; i++)
		assert_int_equal(tcp_cc_group_add(g, &cc[i]), 0);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX);
	assert_int_equal(tcp_cc_group_add(g, &cc[0]), 0); /* already in: no change */
	assert_int_equal(members(g), TCP_CC_GROUP_MAX);
	assert_int_equal(tcp_cc_group_add(h, &cc[8]), 0);
	assert_int_equal(tcp_cc_group_add(g, &cc[8]), -ENOSPC); /* stays in h */
	assert_ptr_equal(cc[8].coupled, h);
	assert_int_equal(members(h), 1);

	/* moving from g to h */
	assert_int_equal(tcp_cc_group_add(h, &cc[3]), 0);
	assert_ptr_equal(cc[3].coupled, h);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX - 1);
	assert_int_equal(members(h), 2);
	tcp_cc_group_del(&cc[5]);
	tcp_cc_group_del(&cc[5]); /* not in a group: nothing */
	assert_null(cc[5].coupled);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX - 2);
	for (unsigned i = 0; i < members(g); i++)
		assert_ptr_equal(g->member[i]->coupled, g);

	/* destroyed with members: they are detached and run alone */
	tcpstack_cc_group_destroy(g);
	for (unsigned i = 0; i < TCP_CC_GROUP_MAX; i++)
		if (i != 3)
			assert_null(cc[i].coupled);
	cc[0].srtt_us = 10 * MS;
	cc[0].ops->cong_avoid(&cc[0], MSS, 0);
	assert_int_equal(cc[0].cwnd, 11 * MSS);
	tcpstack_cc_group_destroy(h);
	assert_null(cc[3].coupled);
	assert_null(cc[8].coupled);
	tcpstack_cc_group_destroy(NULL);
}

/* Through connections of a stack: set_cc_group, -ENOSPC, leaving on abort
 * and when the stack frees them, membership kept across set_cc, and no
 * joining once the connection is closed. Under ASan a pointer left in a
 * group to a freed connection would show. */
#define N_CONNS (TCP_CC_GROUP_MAX + 1)

static struct tcpstack_cc_group *closing_g;
static int closing_rc[N_CONNS], n_closed;

static void drop_output(void *ctx, struct rte_mbuf *m, uint64_t now)
{
	(void)ctx;
	(void)now;
	rte_pktmbuf_free(m);
}

static void on_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	(void)user;
	(void)err;
	if (ev == TCPSTACK_TCP_EV_CLOSED && n_closed < N_CONNS)
		closing_rc[n_closed++] = tcpstack_tcp_set_cc_group(c, closing_g);
}

static const struct tcpstack_tcp_ops conn_ops = { .event = on_event };

static void test_group_conns(void **state)
{
	struct rte_mempool *pool = ut_eal_pool();
	struct tcpstack_tcp_params p = { 0 };
	struct tcpstack_mib_counters mib;
	struct tcpstack_conn *c[N_CONNS];
	struct tcpstack_cc_group *g = tcpstack_cc_group_create(), *h = tcpstack_cc_group_create();
	uint64_t now = 1000000000ull;
	int err;

	(void)state;
	assert_non_null(pool);
	memset(&mib, 0, sizeof(mib));
	struct tcpstack_tcp *s = tcpstack_tcp_create(&p, pool, &mib, drop_output, NULL);
	assert_non_null(s);
	for (unsigned i = 0; i < N_CONNS; i++) {
		c[i] = tcpstack_tcp_connect(s, UT_IP(10, 0, 0, 1), 0, UT_IP(10, 0, 1, 1 + i), 80,
					    &conn_ops, NULL, now, &err);
		assert_non_null(c[i]);
		assert_int_equal(tcpstack_tcp_set_cc(c[i], "lia", now), 0);
	}
	for (unsigned i = 0; i < TCP_CC_GROUP_MAX; i++)
		assert_int_equal(tcpstack_tcp_set_cc_group(c[i], g), 0);
	assert_int_equal(tcpstack_tcp_set_cc_group(c[8], g), -ENOSPC);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX);

	/* freed: it leaves, which makes room */
	tcpstack_tcp_abort(c[0], now);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX - 1);
	assert_int_equal(tcpstack_tcp_set_cc_group(c[8], g), 0);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX);

	/* another algorithm: still a member (not weighed); then out */
	assert_int_equal(tcpstack_tcp_set_cc(c[1], "cubic", now), 0);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX);
	assert_int_equal(tcpstack_tcp_set_cc_group(c[1], NULL), 0);
	assert_int_equal(tcpstack_tcp_set_cc_group(c[1], NULL), 0);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX - 1);
	assert_int_equal(tcpstack_tcp_set_cc(c[1], "nonesuch", now), -ENOENT);

	/* to another group */
	assert_int_equal(tcpstack_tcp_set_cc_group(c[2], h), 0);
	assert_int_equal(members(g), TCP_CC_GROUP_MAX - 2);
	assert_int_equal(members(h), 1);

	/* g goes first (MPTCP closing before its subflows); then the stack
	 * frees the connections, which leave h; a closed one cannot join. */
	tcpstack_cc_group_destroy(g);
	closing_g = h;
	n_closed = 0;
	tcpstack_tcp_destroy(s);
	assert_int_equal(n_closed, N_CONNS - 1);
	for (int i = 0; i < n_closed; i++)
		assert_int_equal(closing_rc[i], -ENOTCONN);
	assert_int_equal(members(h), 0);
	tcpstack_cc_group_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),	      cmocka_unit_test(test_alone_is_newreno),
		cmocka_unit_test(test_lia_two_equal), cmocka_unit_test(test_lia_equilibrium),
		cmocka_unit_test(test_lia_alpha),     cmocka_unit_test(test_lia_capped_by_newreno),
		cmocka_unit_test(test_olia_alpha),    cmocka_unit_test(test_olia_repeated_rto),
		cmocka_unit_test(test_olia_floor),    cmocka_unit_test(test_coupled_stress),
		cmocka_unit_test(test_coupled_loss),  cmocka_unit_test(test_group_bare),
		cmocka_unit_test(test_group_conns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
