/* SPDX-License-Identifier: BSD-3-Clause */
/* MPTCP coupled congestion control: LIA (RFC 6356) and OLIA (Khalili et
 * al., draft-khalili-mptcp-congestion-control). Both are NewReno but for
 * the increase in congestion avoidance, which looks at the other subflows
 * of the group (tcp_cc.coupled): the multipath connection as a whole takes
 * no more than one TCP flow would on its best path, and moves traffic away
 * from the more congested paths. Slow start, recovery and RTO are
 * NewReno's own code (tcp_cc_newreno.c), which counts the increase here
 * given as a gain relative to its own.
 *
 * Who is weighed: the members of the group running the same algorithm (a
 * member switched to another is not coupled) and having an RTT sample (no
 * rate to weigh without one). A subflow weighed alone, not in a group, or
 * without an RTT sample of its own is NewReno exactly, as both algorithms
 * are with one path.
 *
 * Doubles, as CUBIC's curve: the sums mix windows (< 2^31 bytes) with
 * squared RTTs (< 2^64 us^2) and would overflow 64-bit fixed point; a double
 * carries them with 53 bits of precision. The result is turned into a
 * fixed-point gain once per ACK, and what accumulates across ACKs is
 * NewReno's integer credit, so nothing rounds away over time. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tcpstack/tcp_cc_coupled.h"
#include "tcpstack/tcpstack.h"

#define DEFAULT_MSS 536u

/* ---- the group */

struct tcpstack_cc_group *tcpstack_cc_group_create(void)
{
	return calloc(1, sizeof(struct tcpstack_cc_group));
}

void tcpstack_cc_group_destroy(struct tcpstack_cc_group *g)
{
	if (g == NULL)
		return;
	/* MPTCP may go before its subflows have closed: they carry on alone. */
	for (unsigned i = 0; i < g->n; i++)
		g->member[i]->coupled = NULL;
	free(g);
}

int tcp_cc_group_add(struct tcpstack_cc_group *g, struct tcp_cc *cc)
{
	if (cc->coupled == g)
		return 0;
	if (g->n == TCP_CC_GROUP_MAX)
		return -ENOSPC;
	tcp_cc_group_del(cc);
	g->member[g->n++] = cc;
	cc->coupled = g;
	return 0;
}

void tcp_cc_group_del(struct tcp_cc *cc)
{
	struct tcpstack_cc_group *g = cc->coupled;

	if (g == NULL)
		return;
	for (unsigned i = 0; i < g->n; i++) {
		if (g->member[i] == cc) {
			g->member[i] = g->member[--g->n]; /* order does not matter */
			break;
		}
	}
	cc->coupled = NULL;
}

/* ---- who is weighed */

struct weighed {
	const struct tcp_cc *m[TCP_CC_GROUP_MAX];
	unsigned n;
	unsigned self; /* index of the subflow asking */
};

/* @return false when @cc acts alone (NewReno). */
static bool weigh(const struct tcp_cc *cc, struct weighed *w)
{
	const struct tcpstack_cc_group *g = cc->coupled;

	w->n = 0;
	w->self = 0;
	if (g == NULL || cc->srtt_us == 0)
		return false;
	for (unsigned i = 0; i < g->n; i++) {
		const struct tcp_cc *m = g->member[i];

		if (m->ops != cc->ops || m->srtt_us == 0)
			continue;
		if (m == cc)
			w->self = w->n;
		w->m[w->n++] = m;
	}
	return w->n >= 2;
}

static uint32_t cc_mss(const struct tcp_cc *cc)
{
	return cc->mss != 0 ? cc->mss : DEFAULT_MSS;
}

static int64_t to_gain(double g)
{
	return (int64_t)(g * (double)TCP_CC_GAIN_ONE);
}

/* ---- LIA, RFC 6356 section 3 (cwnd in bytes, rtt in us) */

struct lia_sums {
	double total; /* cwnd_total */
	double rate; /* sum_i cwnd_i / rtt_i */
	double best; /* max_i cwnd_i / rtt_i^2 */
};

static void lia_sum(const struct weighed *w, struct lia_sums *s)
{
	*s = (struct lia_sums){ 0 };
	for (unsigned i = 0; i < w->n; i++) {
		double c = w->m[i]->cwnd, r = w->m[i]->srtt_us;

		s->total += c;
		s->rate += c / r;
		if (c / (r * r) > s->best)
			s->best = c / (r * r);
	}
}

double tcp_cc_lia_alpha(const struct tcp_cc *cc)
{
	struct weighed w;
	struct lia_sums s;

	if (!weigh(cc, &w))
		return 1.0;
	lia_sum(&w, &s);
	/* Equation (2): alpha = cwnd_total * max(cwnd_i/rtt_i^2) / (sum cwnd_i/rtt_i)^2 */
	return s.total * s.best / (s.rate * s.rate);
}

/* Equation (1): cwnd_i += min(alpha * acked * mss_i / cwnd_total,
 * acked * mss_i / cwnd_i), which is NewReno's acked * mss_i / cwnd_i times
 * min(alpha * cwnd_i / cwnd_total, 1); cwnd_total cancels with alpha's. */
static int64_t lia_gain(const struct tcp_cc *cc)
{
	struct weighed w;
	struct lia_sums s;
	double g;

	if (!weigh(cc, &w))
		return TCP_CC_GAIN_ONE;
	lia_sum(&w, &s);
	g = (double)cc->cwnd * s.best / (s.rate * s.rate);
	return g >= 1.0 ? TCP_CC_GAIN_ONE : to_gain(g);
}

static void lia_cong_avoid(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns)
{
	(void)now_ns;
	tcp_cc_reno_cong_avoid(cc, acked, lia_gain);
}

const struct tcp_cc_ops tcp_cc_lia = {
	.name = "lia",
	.init = tcp_cc_reno_init,
	.cong_avoid = lia_cong_avoid,
	.enter_recovery = tcp_cc_reno_enter_recovery,
	.exit_recovery = tcp_cc_reno_exit_recovery,
	.on_rto = tcp_cc_reno_on_rto,
	.on_rtt = NULL, /* reads cc->srtt_us, kept by the engine */
};

/* ---- OLIA (w_r in packets, as the draft counts) */

/* After NewReno's words in priv. l_r = max(between_losses, since_loss):
 * the draft's inter-loss distance, in bytes acknowledged outside recovery. */
struct olia {
	uint64_t since_loss; /* bytes acknowledged since the last loss */
	uint64_t between_losses; /* bytes acknowledged between the last two */
};
static_assert(TCP_CC_RENO_PRIV_WORDS * sizeof(uint64_t) + sizeof(struct olia) <=
		      sizeof(((struct tcp_cc *)0)->priv),
	      "OLIA state must fit in tcp_cc.priv after NewReno's");

static void olia_load(const struct tcp_cc *cc, struct olia *o)
{
	memcpy(o, &cc->priv[TCP_CC_RENO_PRIV_WORDS], sizeof(*o));
}

static void olia_store(struct tcp_cc *cc, const struct olia *o)
{
	memcpy(&cc->priv[TCP_CC_RENO_PRIV_WORDS], o, sizeof(*o));
}

static uint64_t olia_l(const struct tcp_cc *cc)
{
	struct olia o;

	olia_load(cc, &o);
	return o.since_loss > o.between_losses ? o.since_loss : o.between_losses;
}

/* w_a vs w_b in packets (cwnd / mss), exactly: <0, 0, >0 */
static int olia_wcmp(const struct tcp_cc *a, const struct tcp_cc *b)
{
	uint64_t x = (uint64_t)a->cwnd * cc_mss(b), y = (uint64_t)b->cwnd * cc_mss(a);

	return x < y ? -1 : x > y;
}

/* alpha_r: with B the presumably best paths (largest l_p / rtt_p^2, TCP's
 * throughput being ~ sqrt(l)/rtt) and M those with the largest window,
 * 1/|R|/|B\M| on a path of B\M, -1/|R|/|M| on a path of M when B\M is not
 * empty, else 0. Window moves from the largest paths to the best ones
 * while the sum over all paths stays 0. */
static double olia_alpha(const struct weighed *w)
{
	const struct tcp_cc *wmax = w->m[0];
	double q[TCP_CC_GROUP_MAX], qbest = 0;
	unsigned in_m = 0, b_not_m = 0;
	bool self_m = false, self_b = false;

	for (unsigned i = 0; i < w->n; i++) {
		double r = w->m[i]->srtt_us;

		q[i] = (double)olia_l(w->m[i]) / (r * r);
		if (q[i] > qbest)
			qbest = q[i];
		if (olia_wcmp(w->m[i], wmax) > 0)
			wmax = w->m[i];
	}
	for (unsigned i = 0; i < w->n; i++) {
		bool m = olia_wcmp(w->m[i], wmax) == 0;
		bool b = !m && q[i] == qbest; /* the same computation: ties are exact */

		in_m += m;
		b_not_m += b;
		if (i == w->self) {
			self_m = m;
			self_b = b;
		}
	}
	if (b_not_m == 0)
		return 0;
	if (self_b)
		return 1.0 / (w->n * b_not_m);
	if (self_m)
		return -1.0 / (w->n * in_m);
	return 0;
}

double tcp_cc_olia_alpha(const struct tcp_cc *cc)
{
	struct weighed w;

	return weigh(cc, &w) ? olia_alpha(&w) : 0;
}

/* Per packet acknowledged on r the draft adds
 * (w_r / rtt_r^2) / (sum_p w_p / rtt_p)^2 + alpha_r / w_r; NewReno adds
 * 1 / w_r, so the gain is (w_r / rtt_r)^2 / (sum_p w_p / rtt_p)^2 + alpha_r,
 * negative on a large window with little of the rate. */
static int64_t olia_gain(const struct tcp_cc *cc)
{
	struct weighed w;
	double sum = 0, mine = 0;

	if (!weigh(cc, &w))
		return TCP_CC_GAIN_ONE;
	for (unsigned i = 0; i < w.n; i++) {
		const struct tcp_cc *m = w.m[i];
		double x = (double)m->cwnd / cc_mss(m) / m->srtt_us;

		sum += x;
		if (i == w.self)
			mine = x;
	}
	return to_gain(mine * mine / (sum * sum) + olia_alpha(&w));
}

/* A loss ends an inter-loss interval, if data was acknowledged since the
 * last one: a loss in the same episode (the RTO firing again, a loss seen
 * before the RTO was repaired) does not open a new, empty one. */
static void olia_loss(struct tcp_cc *cc)
{
	struct olia o;

	olia_load(cc, &o);
	if (o.since_loss != 0) {
		o.between_losses = o.since_loss;
		o.since_loss = 0;
	}
	olia_store(cc, &o);
}

static void olia_cong_avoid(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns)
{
	struct olia o;

	(void)now_ns;
	olia_load(cc, &o);
	o.since_loss += acked;
	olia_store(cc, &o);
	tcp_cc_reno_cong_avoid(cc, acked, olia_gain);
}

static void olia_enter_recovery(struct tcp_cc *cc, uint64_t now_ns)
{
	olia_loss(cc);
	tcp_cc_reno_enter_recovery(cc, now_ns);
}

static void olia_on_rto(struct tcp_cc *cc, uint64_t now_ns)
{
	olia_loss(cc);
	tcp_cc_reno_on_rto(cc, now_ns);
}

const struct tcp_cc_ops tcp_cc_olia = {
	.name = "olia",
	.init = tcp_cc_reno_init, /* zeroes the loss bookkeeping too */
	.cong_avoid = olia_cong_avoid,
	.enter_recovery = olia_enter_recovery,
	.exit_recovery = tcp_cc_reno_exit_recovery,
	.on_rto = olia_on_rto,
	.on_rtt = NULL,
};
