/* SPDX-License-Identifier: BSD-3-Clause */
/* NewReno: RFC 5681 slow start and congestion avoidance, with Appropriate
 * Byte Counting (RFC 3465) and the RFC 6928 initial window. Fast recovery
 * itself (RFC 6582/6675, paced by PRR) is the engine's; this file only says
 * where ssthresh and cwnd land. All in bytes. */
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
	 * since cwnd last grew; one SMSS per cwnd's worth. Counting bytes
	 * rather than adding mss*mss/cwnd keeps the growth exact at any
	 * window (that fraction rounds to 0 above mss*mss bytes). */
	uint64_t bytes_acked;
	bool rto_pending; /* RTO taken, no new data acknowledged since */
	bool after_rto; /* in the slow start that follows an RTO */
};
static_assert(sizeof(struct newreno) <= sizeof(((struct tcp_cc *)0)->priv),
	      "NewReno state must fit in tcp_cc.priv");

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

static void nr_init(struct tcp_cc *cc, uint64_t now_ns)
{
	uint32_t mss = nr_mss(cc);
	uint32_t cap = nr_max2mss(14600, mss);

	(void)now_ns;
	/* RFC 6928: min(10*MSS, max(2*MSS, 14600)) */
	cc->cwnd = 10 * mss < cap ? 10 * mss : cap;
	cc->ssthresh = TCP_CC_SSTHRESH_INF;
	memset(cc->priv, 0, sizeof(cc->priv)); /* all-zero is the fresh state */
}

static void nr_cong_avoid(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns)
{
	uint32_t mss = nr_mss(cc);
	struct newreno s;

	(void)now_ns;
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

	s.bytes_acked += acked;
	if (s.bytes_acked >= cc->cwnd) {
		/* More than one cwnd at once only from a stretch ACK covering
		 * more than a window: still one SMSS per cwnd acknowledged. */
		uint64_t n = s.bytes_acked / cc->cwnd;

		s.bytes_acked -= n * cc->cwnd;
		cc->cwnd = nr_cwnd_add(cc->cwnd, n * mss);
	}
	nr_store(cc, &s);
}

static void nr_enter_recovery(struct tcp_cc *cc, uint64_t now_ns)
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
	s.bytes_acked = 0;
	nr_store(cc, &s);
}

static void nr_exit_recovery(struct tcp_cc *cc, uint64_t now_ns)
{
	struct newreno s;

	(void)now_ns;
	nr_load(cc, &s);
	cc->cwnd = cc->ssthresh; /* RFC 6582 section 3.2 step 3, "full" option */
	s.bytes_acked = 0;
	nr_store(cc, &s);
}

static void nr_on_rto(struct tcp_cc *cc, uint64_t now_ns)
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
	s.bytes_acked = 0;
	s.rto_pending = true;
	s.after_rto = true;
	nr_store(cc, &s);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = nr_init,
	.cong_avoid = nr_cong_avoid,
	.enter_recovery = nr_enter_recovery,
	.exit_recovery = nr_exit_recovery,
	.on_rto = nr_on_rto,
	.on_rtt = NULL,
};
