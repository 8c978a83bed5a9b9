/* SPDX-License-Identifier: BSD-3-Clause */
/* NewReno: RFC 5681 slow start and congestion avoidance, with Appropriate
 * Byte Counting (RFC 3465) and the RFC 6928 initial window. Fast recovery
 * itself (RFC 6582/6675, paced by PRR) is the engine's; this file only says
 * where ssthresh and cwnd land. All in bytes. Its pieces also serve the
 * MPTCP coupled algorithms (tcp_cc_coupled.c), which differ from it only
 * in the gain of congestion avoidance. */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "tcpstack/tcp_cc.h"

/* RFC 3465: L = 2*SMSS in slow start, but 1*SMSS in the slow start that
 * follows an RTO, where one ACK can cover much data the receiver already
 * held and L = 2 would make a burst (FreeBSD does the same). */
#define NEWRENO_ABC_L 2u
#define NEWRENO_ABC_L_AFTER_RTO 1u
#define DEFAULT_MSS 536u /* RFC 9293: assumed when none is known */

struct newreno {
	/* Congestion avoidance, RFC 3465 section 2.1: bytes acknowledged
	 * since cwnd last grew, times the gain (in 1/TCP_CC_GAIN_ONE); one
	 * SMSS per cwnd's worth. Counting bytes rather than adding
	 * mss*mss/cwnd keeps the growth exact at any window (that fraction
	 * rounds to 0 above mss*mss bytes). Signed: a coupled algorithm's
	 * gain may be negative (OLIA). */
	int64_t credit;
	bool rto_pending; /* RTO taken, no new data acknowledged since */
	bool after_rto; /* in the slow start that follows an RTO */
};
static_assert(sizeof(struct newreno) <= TCP_CC_RENO_PRIV_WORDS * sizeof(uint64_t),
	      "NewReno state must fit in the words of tcp_cc.priv it claims");
/* |gain| bound: acked (< 2^32) * gain and cwnd << TCP_CC_GAIN_SHIFT stay
 * far inside int64_t. */
#define GAIN_MAX (4 * TCP_CC_GAIN_ONE)

/* priv is uint64_t[]; going through memcpy keeps strict aliasing honest. */
static void nr_load(const struct tcp_cc *cc, struct newreno *s)
{
	memcpy(s, cc->priv, sizeof(*s));
}

static void nr_store(struct tcp_cc *cc, const struct newreno *s)
{
	memcpy(cc->priv, s, sizeof(*s));
}

static uint32_t nr_mss(const struct tcp_cc *cc)
{
	return cc->mss != 0 ? cc->mss : DEFAULT_MSS;
}

static uint32_t nr_max2mss(uint32_t a, uint32_t mss)
{
	return a > 2 * mss ? a : 2 * mss;
}

static uint32_t nr_cwnd_add(uint32_t cwnd, uint64_t inc)
{
	uint64_t w = (uint64_t)cwnd + inc;

	return w < TCP_CC_SSTHRESH_INF ? (uint32_t)w : TCP_CC_SSTHRESH_INF;
}

void tcp_cc_reno_init(struct tcp_cc *cc, uint64_t now_ns)
{
	uint32_t mss = nr_mss(cc);
	uint32_t cap = nr_max2mss(14600, mss);

	(void)now_ns;
	/* RFC 6928: min(10*MSS, max(2*MSS, 14600)) */
	cc->cwnd = 10 * mss < cap ? 10 * mss : cap;
	cc->ssthresh = TCP_CC_SSTHRESH_INF;
	memset(cc->priv, 0, sizeof(cc->priv)); /* all-zero is the fresh state */
}

/* Congestion avoidance: cwnd moves one SMSS each time the credit reaches
 * one cwnd's worth (either way). */
static void nr_credit(struct tcp_cc *cc, struct newreno *s, uint32_t mss, uint32_t acked,
		      int64_t gain)
{
	int64_t unit = (int64_t)cc->cwnd << TCP_CC_GAIN_SHIFT;

	if (gain > GAIN_MAX)
		gain = GAIN_MAX;
	else if (gain < -GAIN_MAX)
		gain = -GAIN_MAX;
	s->credit += (int64_t)acked * gain;
	if (s->credit >= unit) {
		/* More than one cwnd at once only from a stretch ACK covering
		 * more than a window: still one SMSS per cwnd acknowledged. */
		uint64_t n = (uint64_t)(s->credit / unit);

		s->credit -= (int64_t)n * unit;
		cc->cwnd = nr_cwnd_add(cc->cwnd, n * mss);
	} else if (s->credit <= -unit) {
		uint64_t dec = (uint64_t)(-s->credit / unit) * mss;
		uint32_t floor = 2 * mss; /* RFC 5681's smallest ssthresh */

		s->credit %= unit;
		if (cc->cwnd > floor)
			cc->cwnd = cc->cwnd - floor > dec ? cc->cwnd - (uint32_t)dec : floor;
		/* Below ssthresh, the next ACK would slow-start straight back:
		 * a deliberate decrease takes ssthresh down with it. */
		if (cc->ssthresh > cc->cwnd)
			cc->ssthresh = cc->cwnd;
	}
}

void tcp_cc_reno_cong_avoid(struct tcp_cc *cc, uint32_t acked, tcp_cc_gain_fn gain)
{
	uint32_t mss = nr_mss(cc);
	struct newreno s;

	if (acked == 0)
		return;
	nr_load(cc, &s);
	s.rto_pending = false;
	if (cc->cwnd < mss) /* not a state the ops create; avoids a 0 divisor */
		cc->cwnd = mss;

	if (cc->cwnd < cc->ssthresh) {
		uint32_t l = (s.after_rto ? NEWRENO_ABC_L_AFTER_RTO : NEWRENO_ABC_L) * mss;
		uint32_t inc = acked < l ? acked : l;
		uint32_t room = cc->ssthresh - cc->cwnd;

		if (inc < room) {
			cc->cwnd += inc;
			nr_store(cc, &s);
			return;
		}
		/* ssthresh reached: what this ACK counted beyond it goes on
		 * into congestion avoidance. */
		cc->cwnd = cc->ssthresh;
		s.after_rto = false;
		acked = inc - room;
	}

	if (acked != 0)
		nr_credit(cc, &s, mss, acked, gain != NULL ? gain(cc) : TCP_CC_GAIN_ONE);
	nr_store(cc, &s);
}

static void nr_cong_avoid(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns)
{
	(void)now_ns;
	tcp_cc_reno_cong_avoid(cc, acked, NULL);
}

void tcp_cc_reno_enter_recovery(struct tcp_cc *cc, uint64_t now_ns)
{
	struct newreno s;

	(void)now_ns;
	nr_load(cc, &s);
	if (s.rto_pending) {
		/* Loss seen while the RTO is not repaired yet: part of the
		 * same episode. Keep its ssthresh, and never raise cwnd. */
		if (cc->cwnd > cc->ssthresh)
			cc->cwnd = cc->ssthresh;
	} else {
		/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2*SMSS) */
		cc->ssthresh = nr_max2mss(cc->flight / 2, nr_mss(cc));
		cc->cwnd = cc->ssthresh;
		s.after_rto = false;
	}
	s.credit = 0;
	nr_store(cc, &s);
}

void tcp_cc_reno_exit_recovery(struct tcp_cc *cc, uint64_t now_ns)
{
	struct newreno s;

	(void)now_ns;
	nr_load(cc, &s);
	cc->cwnd = cc->ssthresh; /* RFC 6582 section 3.2 step 3, "full" option */
	s.credit = 0;
	nr_store(cc, &s);
}

void tcp_cc_reno_on_rto(struct tcp_cc *cc, uint64_t now_ns)
{
	uint32_t mss = nr_mss(cc);
	struct newreno s;

	(void)now_ns;
	nr_load(cc, &s);
	/* RFC 5681 section 3.1: when the timer fires again for a segment it
	 * already retransmitted (no progress since), ssthresh is held. */
	if (!s.rto_pending)
		cc->ssthresh = nr_max2mss(cc->flight / 2, mss);
	cc->cwnd = mss; /* loss window, RFC 5681 section 3.1 */
	s.credit = 0;
	s.rto_pending = true;
	s.after_rto = true;
	nr_store(cc, &s);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = tcp_cc_reno_init,
	.cong_avoid = nr_cong_avoid,
	.enter_recovery = tcp_cc_reno_enter_recovery,
	.exit_recovery = tcp_cc_reno_exit_recovery,
	.on_rto = tcp_cc_reno_on_rto,
	.on_rtt = NULL,
};
