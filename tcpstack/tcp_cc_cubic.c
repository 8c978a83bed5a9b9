/* SPDX-License-Identifier: BSD-3-Clause */
/* CUBIC, RFC 9438, in bytes (W in segments = bytes / mss where the RFC
 * counts segments). Slow start is NewReno's (RFC 5681 + ABC, RFC 3465);
 * the first one ends early when the RTT shows a queue building (HyStart's
 * delay increase). Section numbers below are RFC 9438's.
 *
 * Doubles: the cubic curve needs a cube root and a cube of a time in
 * seconds; double carries 53 bits, far more than any window (< 2^31 bytes)
 * and time (ns over years) here need, and is converted back to whole bytes
 * once per ACK. Everything accumulated across ACKs is an integer, so no
 * rounding builds up however long a connection lives. */
#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "tcpstack/tcp_cc.h"

#define CUBIC_C 0.4 /* segments / s^3, section 5.1 */
/* beta_cubic = 0.7 and (1 + beta) / 2 = 0.85 as exact fractions */
#define CUBIC_BETA_NUM 7u
#define CUBIC_BETA_DEN 10u
#define CUBIC_FC_NUM 17u
#define CUBIC_FC_DEN 20u
/* alpha_cubic = 3 * (1 - beta) / (1 + beta) = 0.9 / 1.7 = 9/17, and 1
 * once W_est has reached cwnd_prior (section 4.3): kept in 17ths. */
#define CUBIC_ALPHA_DEN 17u
#define CUBIC_ALPHA_NUM 9u
/* Fast convergence (section 4.7) is for links shared by many flows, which
 * is what a gateway sees; the RFC says to turn it off for a lone flow. */
#define CUBIC_FAST_CONVERGENCE true
/* ABC limit L in slow start, as NewReno (see tcp_cc_newreno.c). */
#define CUBIC_ABC_L 2u
#define CUBIC_ABC_L_AFTER_RTO 1u
#define DEFAULT_MSS 536u
/* The delay increase that ends the first slow start: RFC 9406's bounds. */
#define HS_MIN_RTT_THRESH_US 4000u
#define HS_MAX_RTT_THRESH_US 16000u
#define HS_MIN_RTT_DIVISOR 8u

struct cubic {
	uint64_t t_epoch_ns; /* start of the current congestion avoidance stage */
	uint64_t w_max; /* bytes; 0 = undefined: K = 0 at the next epoch */
	uint64_t cwnd_prior; /* bytes: cwnd when ssthresh was last set */
	uint64_t w_est; /* bytes: Reno-friendly estimate (section 4.3) */
	uint64_t w_est_rem; /* W_est growth not yet whole, in 1/(17*cwnd) bytes */
	/* Growth owed by (target - cwnd) * acked / cwnd not yet whole, as the
	 * numerator (in 1/cwnd bytes). */
	uint64_t credit;
	double k_s; /* K, seconds */
	bool epoch_valid; /* false: the next CA ACK starts an epoch */
	/* A reduction was made (loss or RTO) and no new data was acknowledged
	 * outside recovery since: a further signal is the same episode. */
	bool episode;
	bool after_rto; /* in the slow start that follows an RTO */
	bool hs_done; /* the first slow start is over (or a loss came) */
	uint32_t hs_min_rtt_us; /* the smallest RTT sample yet; 0: none */
};
static_assert(sizeof(struct cubic) <= sizeof(((struct tcp_cc *)0)->priv),
	      "CUBIC state must fit in tcp_cc.priv");

/* priv is uint64_t[]; going through memcpy keeps strict aliasing honest. */
static void cubic_load(const struct tcp_cc *cc, struct cubic *s)
{
	memcpy(s, cc->priv, sizeof(*s));
}

static void cubic_store(struct tcp_cc *cc, const struct cubic *s)
{
	memcpy(cc->priv, s, sizeof(*s));
}

static uint32_t cubic_mss(const struct tcp_cc *cc)
{
	return cc->mss != 0 ? cc->mss : DEFAULT_MSS;
}

static uint32_t cubic_cap(uint64_t w)
{
	return w < TCP_CC_SSTHRESH_INF ? (uint32_t)w : TCP_CC_SSTHRESH_INF;
}

/* Section 4.6: ssthresh = cwnd * beta, at least 2 segments. cwnd rather
 * than flight_size, as Linux and Windows do and as the RFC allows. */
static uint32_t cubic_ssthresh(uint32_t cwnd, uint32_t mss)
{
	uint64_t ss = (uint64_t)cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN;

	return ss > 2u * mss ? (uint32_t)ss : 2u * mss;
}

/* Equation 1, in bytes: W_cubic(t) = C * (t - K)^3 + W_max */
static double cubic_w(const struct cubic *s, uint32_t mss, double t_s)
{
	double d = t_s - s->k_s;

	return CUBIC_C * mss * d * d * d + (double)s->w_max;
}

static void cubic_init(struct tcp_cc *cc, uint64_t now_ns)
{
	uint32_t mss = cubic_mss(cc);
	uint32_t cap = 14600 > 2 * mss ? 14600 : 2 * mss;

	(void)now_ns;
	cc->cwnd = 10 * mss < cap ? 10 * mss : cap; /* RFC 6928 */
	cc->ssthresh = TCP_CC_SSTHRESH_INF;
	memset(cc->priv, 0, sizeof(cc->priv)); /* all-zero is the fresh state */
}

/* Section 4.2: a congestion avoidance stage begins. */
static void cubic_epoch_start(struct cubic *s, const struct tcp_cc *cc, uint32_t mss,
			      uint64_t now_ns)
{
	s->t_epoch_ns = now_ns;
	/* Left the first slow start without a loss (section 4.10). */
	if (s->cwnd_prior == 0)
		s->cwnd_prior = cc->cwnd;
	if (s->w_max > cc->cwnd) {
		/* Equation 2: K = cbrt((W_max - cwnd_epoch) / C) */
		s->k_s = cbrt((double)(s->w_max - cc->cwnd) / mss / CUBIC_C);
	} else {
		/* No W_max above us (after an RTO, section 4.8, or no loss
		 * yet): the curve starts at its plateau, here. */
		s->k_s = 0;
		s->w_max = cc->cwnd;
	}
	s->w_est = cc->cwnd;
	s->w_est_rem = 0;
	s->credit = 0;
	s->epoch_valid = true;
}

/* One ACK in congestion avoidance, sections 4.2 to 4.5. */
static void cubic_update(struct cubic *s, struct tcp_cc *cc, uint32_t mss, uint32_t acked,
			 uint64_t now_ns)
{
	uint64_t cwnd = cc->cwnd;
	double t_s = (now_ns > s->t_epoch_ns ? now_ns - s->t_epoch_ns : 0) * 1e-9;
	double rtt_s = cc->srtt_us * 1e-6;
	uint64_t alpha = s->w_est >= s->cwnd_prior ? CUBIC_ALPHA_DEN : CUBIC_ALPHA_NUM;
	uint64_t num, den;

	/* Equation 4 with bytes: W_est += alpha * mss * acked / cwnd */
	num = s->w_est_rem + alpha * mss * acked;
	den = CUBIC_ALPHA_DEN * cwnd;
	s->w_est += num / den;
	s->w_est_rem = num % den;

	if (cubic_w(s, mss, t_s) < (double)s->w_est) {
		/* Reno-friendly region: cwnd = W_est (never lowered by an ACK) */
		if (s->w_est > cwnd)
			cwnd = s->w_est;
	} else {
		/* Concave or convex region: cwnd += (target - cwnd) / cwnd per
		 * segment acknowledged, target = W_cubic(t + RTT) kept within
		 * [cwnd, 1.5 * cwnd]. */
		double w = cubic_w(s, mss, t_s + rtt_s);
		uint64_t target, inc;

		if (w <= (double)cwnd)
			target = cwnd;
		else if (w >= 1.5 * (double)cwnd)
			target = cwnd + cwnd / 2;
		else
			target = (uint64_t)w;
		/* Byte by byte, not in whole segments: a segment step would
		 * overshoot the target by up to one mss, which on the plateau
		 * is seconds early. A stretch ACK larger than cwnd must not
		 * carry cwnd past the target either. */
		s->credit += (target - cwnd) * acked;
		inc = s->credit / cwnd;
		s->credit %= cwnd;
		cwnd = cwnd + inc < target ? cwnd + inc : target;
	}
	cc->cwnd = cubic_cap(cwnd);
}

static void cubic_cong_avoid(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns)
{
	uint32_t mss = cubic_mss(cc);
	struct cubic s;

	if (acked == 0)
		return;
	cubic_load(cc, &s);
	s.episode = false;
	if (cc->cwnd < mss) /* not a state the ops create; avoids a 0 divisor */
		cc->cwnd = mss;

	if (cc->cwnd < cc->ssthresh) {
		uint32_t l = (s.after_rto ? CUBIC_ABC_L_AFTER_RTO : CUBIC_ABC_L) * mss;
		uint32_t inc = acked < l ? acked : l;
		uint32_t room = cc->ssthresh - cc->cwnd;

		/* Whatever slow start is doing (after an RTO, or a restart
		 * the engine made by lowering cwnd), the CA stage that follows
		 * is a new epoch. */
		s.epoch_valid = false;
		if (inc < room) {
			cc->cwnd += inc;
			cubic_store(cc, &s);
			return;
		}
		cc->cwnd = cc->ssthresh;
		s.after_rto = false;
		acked = inc - room;
		if (acked == 0) {
			cubic_store(cc, &s);
			return;
		}
	}

	if (!s.epoch_valid)
		cubic_epoch_start(&s, cc, mss, now_ns);
	cubic_update(&s, cc, mss, acked, now_ns);
	cubic_store(cc, &s);
}

/* Once per RTT sample, that is per round trip (the engine times one
 * segment per round: no timestamps). In the first slow start, a sample
 * risen over the smallest yet by RFC 9406's threshold (an eighth of it,
 * within 4..16 ms) is the queue starting to build: slow start ends here
 * (ssthresh = cwnd), as Linux's HyStart does on a delay increase, before
 * the buffer overflows. Doubling on past that point costs a burst of
 * losses, and on a multipath connection a stall behind the hole.
 * RFC 9406's Conservative Slow Start is left out: with one sample per
 * round the rise is seen a round late, and five more rounds of 25 %
 * growth overflowed a buffer of five BDPs in the tests. */
static void cubic_on_rtt(struct tcp_cc *cc, uint32_t rtt_us, uint64_t now_ns)
{
	struct cubic s;

	(void)now_ns;
	cubic_load(cc, &s);
	if (s.hs_done || cc->ssthresh != TCP_CC_SSTHRESH_INF)
		return;
	uint32_t base = s.hs_min_rtt_us;
	if (base != 0) {
		uint32_t thresh = base / HS_MIN_RTT_DIVISOR;
		if (thresh < HS_MIN_RTT_THRESH_US)
			thresh = HS_MIN_RTT_THRESH_US;
		if (thresh > HS_MAX_RTT_THRESH_US)
			thresh = HS_MAX_RTT_THRESH_US;
		if (rtt_us >= base + thresh) {
			cc->ssthresh = cc->cwnd; /* congestion avoidance from here */
			s.hs_done = true;
		}
	}
	if (base == 0 || rtt_us < base)
		s.hs_min_rtt_us = rtt_us;
	cubic_store(cc, &s);
}

static void cubic_enter_recovery(struct tcp_cc *cc, uint64_t now_ns)
{
	uint32_t mss = cubic_mss(cc);
	struct cubic s;

	(void)now_ns;
	cubic_load(cc, &s);
	s.hs_done = true;
	if (s.episode) {
		/* Same episode as a reduction not yet followed by progress
		 * (e.g. an RTO): do not reduce twice, never raise cwnd. */
		if (cc->cwnd > cc->ssthresh)
			cc->cwnd = cc->ssthresh;
	} else {
		/* Section 4.7, before the reduction of section 4.6. */
		if (CUBIC_FAST_CONVERGENCE && cc->cwnd < s.w_max)
			s.w_max = (uint64_t)cc->cwnd * CUBIC_FC_NUM / CUBIC_FC_DEN;
		else
			s.w_max = cc->cwnd;
		s.cwnd_prior = cc->cwnd;
		cc->ssthresh = cubic_ssthresh(cc->cwnd, mss);
		cc->cwnd = cc->ssthresh;
		s.after_rto = false;
	}
	s.episode = true;
	s.epoch_valid = false; /* the epoch starts at the first ACK after */
	cubic_store(cc, &s);
}

static void cubic_exit_recovery(struct tcp_cc *cc, uint64_t now_ns)
{
	struct cubic s;

	(void)now_ns;
	cubic_load(cc, &s);
	cc->cwnd = cc->ssthresh;
	s.episode = false; /* a loss after recovery is a new congestion event */
	cubic_store(cc, &s);
}

static void cubic_on_rto(struct tcp_cc *cc, uint64_t now_ns)
{
	uint32_t mss = cubic_mss(cc);
	struct cubic s;

	(void)now_ns;
	cubic_load(cc, &s);
	s.hs_done = true;
	/* Section 4.8: ssthresh as on a loss, cwnd as Reno (one segment).
	 * An RTO inside an episode (during fast recovery, or the timer firing
	 * again with no progress) keeps that episode's ssthresh: applying beta
	 * to an already reduced cwnd would compound the decrease (Linux holds
	 * it too; RFC 5681 section 3.1 holds it for repeated RTOs). */
	if (!s.episode) {
		s.cwnd_prior = cc->cwnd;
		cc->ssthresh = cubic_ssthresh(cc->cwnd, mss);
	}
	cc->cwnd = mss;
	/* The first CA stage after an RTO uses K = 0 and W_max = its own
	 * starting cwnd, W_est likewise (section 4.8). */
	s.w_max = 0;
	s.epoch_valid = false;
	s.episode = true;
	s.after_rto = true;
	cubic_store(cc, &s);
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.cong_avoid = cubic_cong_avoid,
	.enter_recovery = cubic_enter_recovery,
	.exit_recovery = cubic_exit_recovery,
	.on_rto = cubic_on_rto,
	.on_rtt = cubic_on_rtt, /* slow start's exit; CA reads cc->srtt_us */
};
