/* SPDX-License-Identifier: BSD-3-Clause */
/* Segment arrival, in the order of RFC 9293 3.10.7: validation, LISTEN,
 * SYN-SENT, then for synchronized states the sequence check (with PAWS,
 * RFC 7323), RST and SYN (with RFC 5961's challenge ACKs), ACK processing
 * (with NewReno loss recovery, RFC 6582), data (zero copy, out-of-order
 * queue, delayed ACKs) and FIN. */
#include <errno.h>
#include <string.h>

#include "tcpstack/tcp_conn.h"

/* One arriving segment, parsed. */
struct seg {
	struct rte_mbuf *m; /* whole frame; becomes the payload mbuf */
	struct tcp_tuple t; /* from our side: laddr = dst */
	uint32_t seq, ack, len; /* len: payload bytes */
	uint16_t wnd;
	uint8_t flags;
	struct tcp_opts o;
	const uint8_t *opts; /* options area, for the user's hook */
	unsigned opts_len;
	uint32_t hdrs; /* bytes before the payload in the frame */
};

#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_ACK RTE_TCP_ACK_FLAG
#define F_PSH RTE_TCP_PSH_FLAG

static uint32_t seg_span(const struct seg *g)
{
	return g->len + ((g->flags & F_SYN) ? 1 : 0) + ((g->flags & F_FIN) ? 1 : 0);
}

static void drop(struct tcpstack_tcp *s, struct seg *g, enum tcpstack_mib why)
{
	tcp_count(s, why);
	rte_pktmbuf_free(g->m);
}

static void user_options(struct tcpstack_conn *c, const struct seg *g, uint64_t now)
{
	if (c->closed_by_user || c->ops == NULL || c->ops->read_opt == NULL)
		return;
	enum tcpstack_seg_kind kind =
		(g->flags & F_RST)   ? TCPSTACK_SEG_RST
		: (g->flags & F_SYN) ? ((g->flags & F_ACK) ? TCPSTACK_SEG_SYNACK : TCPSTACK_SEG_SYN)
		: (g->flags & F_FIN) ? TCPSTACK_SEG_FIN
		: g->len != 0	     ? TCPSTACK_SEG_DATA
				     : TCPSTACK_SEG_ACK;
	/* One option may make the user close or abort (MPTCP ends a subflow
	 * on what it reads): no hook for the next ones then. */
	for (unsigned i = 0;
	     i < g->o.n_extra && !c->closed_by_user && c->ops != NULL && c->ops->read_opt != NULL;
	     i++)
		c->ops->read_opt(c->user, c, kind, g->seq, g->len, g->opts + g->o.extra[i].off,
				 g->o.extra[i].len, now);
}

/* A RST for a segment nobody owns, as RFC 9293 3.10.7.1 words it. */
static void reset_unowned(struct tcpstack_tcp *s, struct seg *g, uint64_t now)
{
	if (g->flags & F_RST)
		return;
	if (g->flags & F_ACK)
		tcp_reply_rst(s, &g->t, g->ack, 0, false, now);
	else
		tcp_reply_rst(s, &g->t, 0, g->seq + seg_span(g), true, now);
}

/* Options agreed by a SYN (ours sent with everything; the peer's decide). */
static void take_syn_options(struct tcpstack_conn *c, const struct seg *g, uint64_t now)
{
	uint16_t peer_mss = (g->o.present & TCP_OPTF_MSS) ? g->o.mss : 536;

	c->mss = RTE_MIN(peer_mss, c->s->p.mss);
	if (c->mss < 64)
		c->mss = 64;
	c->ws_ok = (g->o.present & TCP_OPTF_WS) != 0;
	c->snd_wscale = c->ws_ok ? RTE_MIN(g->o.wscale, TCP_WSCALE_MAX) : 0;
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	c->sack_ok = (g->o.present & TCP_OPTF_SACK_PERM) != 0;
	c->ts_ok = (g->o.present & TCP_OPTF_TS) != 0;
	if (c->ts_ok)
		c->ts_recent = g->o.ts_val;
	/* The initial window depends on the MSS, only now known (RFC 6928). */
	c->cc.mss = c->mss;
	c->cc.ops->init(&c->cc, now);
}

static void update_window(struct tcpstack_conn *c, const struct seg *g)
{
	/* RFC 9293 3.10.7.4: only from segments newer than the last update. */
	if (seq_lt(c->snd_wl1, g->seq) || (c->snd_wl1 == g->seq && seq_leq(c->snd_wl2, g->ack))) {
		c->snd_wnd = (uint32_t)g->wnd << ((g->flags & F_SYN) ? 0 : c->snd_wscale);
		c->snd_wl1 = g->seq;
		c->snd_wl2 = g->ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
	}
}

#define COOKIE_LIFETIME_NS (128ull * 1000000000ull)

static void synchronized_input(struct tcpstack_conn *c, struct seg *g, uint64_t now);

/* An ACK to a listener may complete a handshake we answered with a SYN
 * cookie: rebuild the connection in SYN-RECEIVED from the cookie and let
 * the ordinary path take it from there (accept, CONNECTED, data).
 * Returns true when it took the segment. */
static bool cookie_ack(struct tcpstack_tcp *s, const struct tcp_listener *l, struct seg *g,
		       uint64_t now)
{
	uint16_t mss;

	if (s->last_cookie == 0 || now - s->last_cookie > COOKIE_LIFETIME_NS)
		return false; /* no cookie out: spare every stray ACK the hash */
	if (!tcp_syncookie_check(s, &g->t, g->seq - 1, g->ack - 1, now, &mss)) {
		tcp_count(s, TCPSTACK_MIB_TCP_SYNCOOKIE_FAIL);
		return false;
	}
	struct tcpstack_conn *c = tcp_conn_new(s, &g->t, l->ops, l->user, now);
	if (c == NULL)
		return false;
	tcp_count(s, TCPSTACK_MIB_TCP_SYNCOOKIE_OK);
	tcp_count(s, TCPSTACK_MIB_TCP_PASSIVE_OPENS);
	c->passive = true;
	c->iss = g->ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->recover = c->iss;
	c->irs = g->seq - 1;
	c->rcv_nxt = g->seq;
	c->last_ack_sent = g->seq;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(c->rcvbuf, 0xffffu); /* what the SYN-ACK said */
	c->mss = RTE_MIN(mss, s->p.mss);
	c->rcv_wscale = 0; /* nothing but the MSS was agreed */
	c->cc.mss = c->mss;
	c->cc.ops->init(&c->cc, now);
	tcp_conn_set_state(c, TCP_SYN_RCVD);
	synchronized_input(c, g, now);
	return true;
}

static void listen_input(struct tcpstack_tcp *s, const struct tcp_listener *l, struct seg *g,
			 uint64_t now)
{
	if (g->flags & F_RST) {
		rte_pktmbuf_free(g->m);
		return;
	}
	if ((g->flags & (F_ACK | F_SYN)) == F_ACK && cookie_ack(s, l, g, now))
		return;
	if (g->flags & F_ACK) {
		reset_unowned(s, g, now);
		drop(s, g, TCPSTACK_MIB_TCP_NO_SOCKET);
		return;
	}
	if (!(g->flags & F_SYN)) {
		drop(s, g, TCPSTACK_MIB_TCP_NO_SOCKET);
		return;
	}
	if (s->n_half_open >= s->p.max_half_open) {
		if (s->p.syncookies_off) {
			drop(s, g, TCPSTACK_MIB_TCP_HALF_OPEN_FULL);
			return;
		}
		/* Keep nothing: the SYN-ACK's ISN carries what we need. */
		uint16_t peer_mss = (g->o.present & TCP_OPTF_MSS) ? g->o.mss : 536;
		uint32_t cookie = tcp_syncookie_make(s, &g->t, g->seq, peer_mss, now);
		tcp_reply_synack_cookie(s, &g->t, cookie, g->seq + 1, now);
		tcp_count(s, TCPSTACK_MIB_TCP_SYNCOOKIE_SENT);
		s->last_cookie = now;
		rte_pktmbuf_free(g->m);
		return;
	}
	struct tcpstack_conn *c = tcp_conn_new(s, &g->t, l->ops, l->user, now);
	if (c == NULL) {
		rte_pktmbuf_free(g->m);
		return;
	}
	c->passive = true;
	c->irs = g->seq;
	c->rcv_nxt = g->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	take_syn_options(c, g, now);
	c->snd_wnd = g->wnd; /* unscaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = g->seq;
	c->snd_wl2 = c->iss;
	tcp_conn_set_state(c, TCP_SYN_RCVD);
	tcp_count(s, TCPSTACK_MIB_TCP_PASSIVE_OPENS);
	user_options(c, g, now);
	rte_pktmbuf_free(g->m); /* data on a SYN is not taken (no TFO) */
	if (c->state == TCP_CLOSED)
		return; /* the user refused it (tcpstack_tcp_abort) */
	tcp_send_syn(c, now);
}

/* The timed segment is acknowledged: one RTT sample, for the RTO and for
 * the congestion control (the handshake's too: coupled algorithms weigh a
 * subflow by its RTT from the start). */
static void rtt_sample(struct tcpstack_conn *c, uint64_t now)
{
	uint32_t rtt_us = (uint32_t)((now - c->rtt_start) / 1000);

	if (rtt_us == 0)
		rtt_us = 1;
	tcp_rtt_sample(&c->rtt, rtt_us);
	c->cc.srtt_us = c->rtt.srtt_us;
	c->cc.min_rtt_us = c->rtt.min_rtt_us;
	if (c->cc.ops->on_rtt != NULL)
		c->cc.ops->on_rtt(&c->cc, rtt_us, now);
	c->rtt_seq = 0;
}

static void established(struct tcpstack_conn *c)
{
	tcp_conn_set_state(c, TCP_ESTABLISHED);
	tcp_count(c->s, TCPSTACK_MIB_TCP_ESTABLISHED);
	/* RFC 6298 5.7: a SYN timed out and no RTT was measured: data starts
	 * from a 3 s RTO rather than the backed-off 1 s. */
	if (c->rto_count != 0 && !c->rtt.valid) {
		c->rtt.rto_us = RTE_MAX(3000000u, c->rtt.rto_min_us);
		c->rtt.backoff = 0;
	}
	c->rto_count = 0;
}

/* Our SYN is acknowledged: the send side starts after it, the handshake
 * gives an RTT sample unless the SYN was resent (Karn), and we are in. */
static void syn_acked(struct tcpstack_conn *c, const struct seg *g, uint32_t wnd, uint64_t now)
{
	c->snd_una = g->ack;
	c->snd_wnd = wnd;
	c->max_snd_wnd = wnd;
	c->snd_wl1 = g->seq;
	c->snd_wl2 = g->ack;
	tcp_timer_clear(c, TCP_T_RTO);
	if (c->rtt_seq != 0)
		rtt_sample(c, now);
	established(c);
}

static void syn_sent_input(struct tcpstack_conn *c, struct seg *g, uint64_t now)
{
	struct tcpstack_tcp *s = c->s;
	bool ack_ok = false;

	if (g->flags & F_ACK) {
		if (seq_leq(g->ack, c->iss) || seq_gt(g->ack, c->snd_max)) {
			reset_unowned(s, g, now);
			drop(s, g, TCPSTACK_MIB_TCP_ACK_UNSENT);
			return;
		}
		ack_ok = true;
	}
	if (g->flags & F_RST) {
		tcp_count(s, TCPSTACK_MIB_TCP_RST_IN);
		if (ack_ok)
			user_options(c, g, now); /* why (MPTCP's MP_TCPRST) */
		rte_pktmbuf_free(g->m);
		if (ack_ok && c->state != TCP_CLOSED)
			tcp_conn_done(c, ECONNREFUSED);
		return;
	}
	if (!(g->flags & F_SYN)) {
		rte_pktmbuf_free(g->m);
		return;
	}
	c->irs = g->seq;
	c->rcv_nxt = g->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	take_syn_options(c, g, now);
	user_options(c, g, now);
	rte_pktmbuf_free(g->m);
	if (c->state == TCP_CLOSED)
		return; /* the user aborted on reading the options */
	if (ack_ok) {
		syn_acked(c, g, (uint32_t)g->wnd /* unscaled in a SYN */, now);
		tcp_send_ack(c, now);
		tcp_conn_event(c, TCPSTACK_TCP_EV_CONNECTED, 0);
		if (c->state != TCP_CLOSED)
			tcp_output(c, now); /* a FIN queued before the handshake */
		return;
	}
	/* Simultaneous open: answer with a SYN-ACK from SYN-RECEIVED. */
	tcp_conn_set_state(c, TCP_SYN_RCVD);
	c->snd_wnd = g->wnd;
	c->snd_wl1 = g->seq;
	tcp_send_syn(c, now);
}

/* RFC 9293 3.10.7.4 first check, with a zero window's special cases. */
static bool acceptable(const struct tcpstack_conn *c, const struct seg *g)
{
	uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t span = seg_span(g);

	if (span == 0)
		return wnd == 0 ? g->seq == c->rcv_nxt
				: seq_in(g->seq, c->rcv_nxt, c->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return seq_in(g->seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
	       seq_in(g->seq + span - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

#define CHALLENGE_ACKS_PER_SECOND 1000

static void challenge_ack(struct tcpstack_conn *c, uint64_t now)
{
	struct tcpstack_tcp *s = c->s;

	/* RFC 5961 7: bounded, so they cannot be turned into a flood. */
	if (now / 1000000000ull != s->chack_second) {
		s->chack_second = now / 1000000000ull;
		s->chack_count = 0;
	}
	if (++s->chack_count > CHALLENGE_ACKS_PER_SECOND) {
		tcp_count(s, TCPSTACK_MIB_TCP_CHALLENGE_ACK_LIMITED);
		return;
	}
	tcp_count(s, TCPSTACK_MIB_TCP_CHALLENGE_ACK);
	tcp_send_ack(c, now);
}

/* Our FIN's sequence number has been acknowledged. */
static bool fin_acked(const struct tcpstack_conn *c)
{
	return c->fin_sent && c->sndq.bytes == 0 && c->snd_una == c->snd_max;
}

static void enter_time_wait(struct tcpstack_conn *c, uint64_t now)
{
	if (c->state != TCP_TIME_WAIT) {
		/* Both directions are done: the user is, too. The control
		 * block stays for 2 MSL to absorb old duplicates. */
		tcp_conn_event(c, TCPSTACK_TCP_EV_CLOSED, 0);
		c->closed_by_user = true;
	}
	tcp_conn_set_state(c, TCP_TIME_WAIT);
	tcp_timer_clear(c, TCP_T_RTO);
	tcp_timer_clear(c, TCP_T_PERSIST);
	tcp_timer_set(c, TCP_T_CLOSE, now + (uint64_t)c->s->p.time_wait_us * 1000);
}

/* New data acknowledged: free it, sample the RTT, grow cwnd, recovery. */
static void ack_new_data(struct tcpstack_conn *c, struct seg *g, uint64_t now)
{
	uint32_t acked = g->ack - c->snd_una;
	uint32_t data_acked = RTE_MIN(acked, c->sndq.bytes);
	uint32_t flight_before = c->snd_max - c->snd_una;
	uint32_t queued_before = c->sndq.bytes;
	/* Grow cwnd only while it was what limited us (RFC 9438 5.8, RFC
	 * 7661): an application-limited sender has not shown the path can
	 * take more. Slow start counts as limited from half the window. */
	bool cwnd_limited = c->cc.cwnd < c->cc.ssthresh ? flight_before * 2 >= c->cc.cwnd
							: flight_before + c->mss >= c->cc.cwnd;

	tcp_sndq_ack(c, data_acked);
	c->tlp_out = false; /* the flight moved: a new probe may go */
	c->bytes_acked += data_acked;
	c->snd_una = g->ack;
	tcp_sb_ack(&c->sb, c->snd_una);
	if (seq_lt(c->snd_nxt, c->snd_una)) {
		/* Acked past what we resent since an RTO: skip ahead. */
		c->snd_nxt = c->snd_una;
		tcp_sndq_rewind(c);
	} else if (c->cur != NULL && c->cur == c->sndq.head) {
		c->cur_seq = c->snd_una; /* its acked front was trimmed */
	}
	if (c->rtt_seq != 0 && seq_geq(g->ack, c->rtt_seq))
		rtt_sample(c, now);
	c->rto_count = 0;
	c->rtt.backoff = 0;

	if (c->in_recovery) {
		if (seq_geq(g->ack, c->recover)) {
			c->in_recovery = false;
			c->dupacks = 0;
			c->cc.ops->exit_recovery(&c->cc, now);
		} else if (c->sack_ok && c->sb.n != 0) {
			tcp_sack_recover(c, now); /* the scoreboard knows the holes */
		} else {
			/* Partial ACK (RFC 6582): the next hole is lost too. */
			tcp_retransmit_first(c, now);
			c->dupacks = c->dupacks > acked / c->mss ? c->dupacks - acked / c->mss : 0;
		}
	} else {
		c->dupacks = 0;
		c->cc.flight = c->snd_max - c->snd_una;
		if (cwnd_limited)
			c->cc.ops->cong_avoid(&c->cc, data_acked, now);
	}
	if (c->snd_una == c->snd_max) {
		tcp_timer_clear(c, TCP_T_RTO);
		tcp_timer_clear(c, TCP_T_PROBE);
	} else {
		tcp_timer_rto_restart(c, now);
	}
	/* WRITABLE when the queue drains below half: after a refused send,
	 * or when it had been filled past half (the user stops at the limit
	 * and waits for this). */
	if ((c->want_writable || queued_before > c->sndbuf / 2) &&
	    tcpstack_tcp_send_space(c) >= c->sndbuf / 2) {
		c->want_writable = false;
		tcp_conn_event(c, TCPSTACK_TCP_EV_WRITABLE, 0);
	}
}

static void duplicate_ack(struct tcpstack_conn *c, struct seg *g, uint32_t old_wnd, uint64_t now)
{
	/* RFC 5681's duplicate: nothing new, no data, same window, data
	 * outstanding. A SACK block naming new data counts even when the
	 * window moved (the receiver sent it because a segment arrived). */
	bool dup = g->len == 0 && !(g->flags & (F_SYN | F_FIN)) && c->snd_una != c->snd_max &&
		   (c->snd_wnd == old_wnd || (g->o.present & TCP_OPTF_SACK));
	if (!dup)
		return;
	c->dupacks++;
	if (c->in_recovery) {
		if (c->sack_ok)
			tcp_sack_recover(c, now);
		else
			tcp_output(c, now); /* the inflated window may let new data go */
		return;
	}
	/* RFC 6675 5: three duplicates, or more than two segments' worth of
	 * bytes SACKed above snd_una, mean loss. */
	bool lost = c->dupacks >= 3 || (c->sack_ok && c->sb.sacked > 2u * c->mss);
	if (lost && seq_gt(g->ack, c->recover - 1)) {
		c->in_recovery = true;
		c->recover = c->snd_max;
		c->cc.flight = c->snd_max - c->snd_una;
		c->cc.ops->enter_recovery(&c->cc, now);
		c->rtt_seq = 0; /* Karn: resent bytes time nothing */
		tcp_count(c->s, TCPSTACK_MIB_TCP_FAST_RETRANS);
		/* RFC 6675 5 (4.3): the first segment goes at once; with SACK,
		 * further holes follow as the pipe allows. */
		uint32_t first = tcp_retransmit_first(c, now);
		if (c->sack_ok) {
			tcp_count(c->s, TCPSTACK_MIB_TCP_SACK_RECOVERY);
			c->sb.high_rxt = c->snd_una + first;
			tcp_sack_recover(c, now);
		}
		tcp_timer_rto_restart(c, now);
	}
}

/* Returns false when the connection is gone or the segment consumed. */
static bool process_ack(struct tcpstack_conn *c, struct seg *g, uint64_t now)
{
	struct tcpstack_tcp *s = c->s;

	if (!(g->flags & F_ACK)) {
		drop(s, g, TCPSTACK_MIB_TCP_NO_ACK);
		return false;
	}
	if (c->state == TCP_SYN_RCVD) {
		if (!seq_in(g->ack, c->snd_una + 1, c->snd_max + 1)) {
			reset_unowned(s, g, now);
			drop(s, g, TCPSTACK_MIB_TCP_ACK_UNSENT);
			return false;
		}
		/* Before the user (told CONNECTED below) may queue data. */
		syn_acked(c, g, (uint32_t)g->wnd << c->snd_wscale, now);
		if (c->passive && c->ops != NULL && c->ops->accept != NULL) {
			void *u = c->ops->accept(c->user, c);
			if (u == NULL) {
				tcp_count(s, TCPSTACK_MIB_TCP_REFUSED_BY_APP);
				rte_pktmbuf_free(g->m);
				tcp_send_rst(c, now);
				c->closed_by_user = true;
				tcp_conn_done(c, ECONNABORTED);
				return false;
			}
			c->user = u;
		}
		tcp_conn_event(c, TCPSTACK_TCP_EV_CONNECTED, 0);
		if (c->state == TCP_CLOSED) {
			rte_pktmbuf_free(g->m);
			return false;
		}
		tcp_output(c, now); /* a FIN queued before the handshake */
	}
	/* RFC 5961 5.2: an ACK too old to be plausible gets a challenge. */
	if (seq_lt(g->ack, c->snd_una - c->max_snd_wnd)) {
		challenge_ack(c, now);
		drop(s, g, TCPSTACK_MIB_TCP_ACK_OLD);
		return false;
	}
	if (seq_gt(g->ack, c->snd_max)) {
		tcp_send_ack(c, now);
		drop(s, g, TCPSTACK_MIB_TCP_ACK_UNSENT);
		return false;
	}
	if (c->sack_ok && (g->o.present & TCP_OPTF_SACK))
		tcp_sb_update(&c->sb, seq_max(c->snd_una, g->ack), c->snd_max, g->o.sack,
			      g->o.n_sack);
	uint32_t old_wnd = c->snd_wnd;
	if (seq_gt(g->ack, c->snd_una)) {
		update_window(c, g);
		ack_new_data(c, g, now);
		if (c->state == TCP_CLOSED) { /* closed from the WRITABLE event */
			rte_pktmbuf_free(g->m);
			return false;
		}
	} else {
		update_window(c, g);
		if (g->ack == c->snd_una)
			duplicate_ack(c, g, old_wnd, now);
	}
	if (c->snd_wnd != 0) {
		tcp_timer_clear(c, TCP_T_PERSIST);
		c->persist_backoff = 0;
	}

	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked(c)) {
			tcp_conn_set_state(c, TCP_FIN_WAIT_2);
			tcp_timer_clear(c, TCP_T_RTO);
			/* An orphan must not wait forever for the peer's FIN. */
			if (c->closed_by_user)
				tcp_timer_set(c, TCP_T_CLOSE,
					      now + (uint64_t)s->p.time_wait_us * 1000);
		}
		break;
	case TCP_CLOSING:
		if (fin_acked(c))
			enter_time_wait(c, now);
		break;
	case TCP_LAST_ACK:
		if (fin_acked(c)) {
			rte_pktmbuf_free(g->m);
			tcp_conn_done(c, 0);
			return false;
		}
		break;
	case TCP_TIME_WAIT:
		/* A retransmitted FIN: ACK it and restart the 2 MSL wait. */
		if (g->flags & F_FIN) {
			tcp_send_ack(c, now);
			enter_time_wait(c, now);
		}
		rte_pktmbuf_free(g->m);
		return false;
	default:
		break;
	}
	return true;
}

/* Payload (and FIN) of an acceptable segment. Consumes g->m. */
static void process_data(struct tcpstack_conn *c, struct seg *g, uint64_t now)
{
	struct tcpstack_tcp *s = c->s;
	bool fin = g->flags & F_FIN;
	bool ack_now = false;
	struct rte_mbuf *m = g->m;

	g->m = NULL;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 &&
	    c->state != TCP_FIN_WAIT_2) {
		/* Data after the peer's FIN, or in closing states: ignored. */
		rte_pktmbuf_free(m);
		return;
	}
	uint32_t seq = g->seq, len = g->len;
	if (len != 0 && c->closed_by_user) {
		/* Nobody will read it (RFC 9293 3.6.1): reset, as Linux does. */
		rte_pktmbuf_free(m);
		tcp_send_rst(c, now);
		tcp_conn_done(c, ECONNABORTED);
		return;
	}
	/* The frame becomes the payload mbuf: headers and padding cut off. */
	if (len != 0) {
		rte_pktmbuf_adj(m, (uint16_t)g->hdrs);
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - len));
		if (seq_lt(seq, c->rcv_nxt)) {
			uint32_t old = c->rcv_nxt - seq;
			tcp_count(s, TCPSTACK_MIB_TCP_DUP_DATA);
			m = tcp_mbuf_trim_front(m, old);
			seq += old;
			len -= old;
		}
		uint32_t wnd_end = c->rcv_adv;
		if (len != 0 && seq_gt(seq + len, wnd_end)) {
			uint32_t over = seq + len - wnd_end;
			tcp_count(s, TCPSTACK_MIB_TCP_RCV_BEYOND_WINDOW);
			over = RTE_MIN(over, len);
			tcp_mbuf_trim_back(m, over);
			len -= over;
			fin = false; /* the FIN lies beyond what we take */
		}
	}
	if (len == 0) {
		rte_pktmbuf_free(m);
		m = NULL;
	}

	if (m != NULL && seq == c->rcv_nxt) {
		bool hole_filled = c->reass.n != 0;
		tcp_segq_push(&c->rcvq, m);
		c->rcv_nxt += len;
		c->bytes_received += len;
		uint32_t more;
		struct rte_mbuf *next;
		while ((next = tcp_reass_pop(&c->reass, &c->rcv_nxt, &more)) != NULL) {
			tcp_segq_push(&c->rcvq, next);
			c->bytes_received += more;
		}
		c->unacked_segs++;
		/* RFC 5681 4.2: ACK at least every second full segment, and at
		 * once when a hole is filled. */
		if (hole_filled || c->unacked_segs >= 2 || len < c->mss / 2 ||
		    (c->low_latency && (g->flags & F_PSH)))
			ack_now = true;
		tcp_conn_event(c, TCPSTACK_TCP_EV_READABLE, 0);
		if (c->state == TCP_CLOSED)
			return;
	} else if (m != NULL) {
		/* Out of order: keep it, and say so at once (dup ACK + SACK). */
		if (tcp_reass_insert(&c->reass, c->rcv_nxt, seq, m, len) == TCP_REASS_FULL)
			tcp_count(s, TCPSTACK_MIB_TCP_OOO_FULL);
		else
			tcp_count(s, TCPSTACK_MIB_TCP_OOO);
		ack_now = true;
		fin = false; /* kept only in order; the peer resends it */
	} else if (g->len != 0) {
		ack_now = true; /* a duplicate: the peer missed our ACK */
	}

	if (fin && seq + len == c->rcv_nxt) {
		c->rcv_nxt++;
		c->fin_rcvd = true;
		ack_now = true;
		if (c->state == TCP_ESTABLISHED)
			tcp_conn_set_state(c, TCP_CLOSE_WAIT);
		/* Before any CLOSED the FIN may bring (TIME_WAIT below). */
		c->notified_peer_fin = true;
		tcp_conn_event(c, TCPSTACK_TCP_EV_PEER_FIN, 0);
		if (c->state == TCP_CLOSED)
			return;
		if (c->state == TCP_FIN_WAIT_1) {
			if (fin_acked(c))
				enter_time_wait(c, now);
			else
				tcp_conn_set_state(c, TCP_CLOSING);
		} else if (c->state == TCP_FIN_WAIT_2) {
			enter_time_wait(c, now);
		}
	}
	if (ack_now)
		tcp_send_ack(c, now);
	else if (c->unacked_segs != 0 && c->timer[TCP_T_DELACK] == 0)
		tcp_timer_set(c, TCP_T_DELACK, now + (uint64_t)s->p.delack_us * 1000);
}

static void synchronized_input(struct tcpstack_conn *c, struct seg *g, uint64_t now)
{
	struct tcpstack_tcp *s = c->s;

	/* PAWS (RFC 7323 5.3): an old timestamp marks an old duplicate. */
	if (c->ts_ok && (g->o.present & TCP_OPTF_TS) && !(g->flags & F_RST) &&
	    seq_lt(g->o.ts_val, c->ts_recent)) {
		tcp_send_ack(c, now);
		drop(s, g, TCPSTACK_MIB_TCP_PAWS);
		return;
	}
	if (c->state == TCP_TIME_WAIT && (g->flags & F_FIN) && !(g->flags & F_RST) &&
	    g->seq + g->len + 1 == c->rcv_nxt) {
		/* The peer resends its FIN: our last ACK was lost. ACK it
		 * again and restart the 2 MSL wait (as BSD and Linux do). */
		tcp_send_ack(c, now);
		enter_time_wait(c, now);
		rte_pktmbuf_free(g->m);
		return;
	}
	if (!acceptable(c, g)) {
		bool zero_wnd = !seq_gt(c->rcv_adv, c->rcv_nxt);
		if (zero_wnd && g->seq == c->rcv_nxt && (g->flags & F_ACK) &&
		    !(g->flags & (F_RST | F_SYN))) {
			/* RFC 9293 3.10.7.4: with a zero window no data is
			 * acceptable, but valid ACKs still are. */
			tcp_count(s, TCPSTACK_MIB_TCP_RCV_BEYOND_WINDOW);
			g->len = 0;
			g->flags &= (uint8_t)~F_FIN;
			tcp_send_ack(c, now);
		} else {
			if (!(g->flags & F_RST))
				tcp_send_ack(c, now);
			drop(s, g,
			     (g->flags & F_RST) ? TCPSTACK_MIB_TCP_RST_IGNORED
						: TCPSTACK_MIB_TCP_OUT_OF_WINDOW);
			return;
		}
	}
	/* RFC 7323 4.3: the timestamp to echo is that of the segment our
	 * next ACK acknowledges: SEG.SEQ <= Last.ACK.sent. */
	if (c->ts_ok && (g->o.present & TCP_OPTF_TS) && seq_leq(g->seq, c->last_ack_sent))
		c->ts_recent = g->o.ts_val;

	if (g->flags & F_RST) {
		/* RFC 5961 3.2: only an exact match resets; else challenge. */
		if (g->seq != c->rcv_nxt) {
			challenge_ack(c, now);
			drop(s, g, TCPSTACK_MIB_TCP_RST_IGNORED);
			return;
		}
		tcp_count(s, TCPSTACK_MIB_TCP_RST_IN);
		/* An accepted RST's options say why (MPTCP's MP_TCPRST). */
		user_options(c, g, now);
		rte_pktmbuf_free(g->m);
		if (c->state == TCP_CLOSED)
			return; /* the user aborted on reading them */
		if (c->state == TCP_SYN_RCVD && c->passive && !c->adopted) {
			c->closed_by_user = true; /* never surfaced to the user */
			tcp_conn_done(c, ECONNREFUSED);
		} else {
			tcp_conn_done(c, c->state == TCP_SYN_RCVD ? ECONNREFUSED : ECONNRESET);
		}
		return;
	}
	if (g->flags & F_SYN) {
		rte_pktmbuf_free(g->m);
		if (c->state == TCP_SYN_RCVD && g->seq == c->irs && !(g->flags & F_ACK)) {
			/* Our SYN-ACK was lost: answer at once, not after an RTO. */
			tcp_send_syn(c, now);
			return;
		}
		/* RFC 5961 4.2: a SYN in a synchronized state is challenged. */
		challenge_ack(c, now);
		return;
	}
	user_options(c, g, now);
	if (c->state == TCP_CLOSED) {
		rte_pktmbuf_free(g->m); /* the user aborted on reading the options */
		return;
	}
	if (!process_ack(c, g, now))
		return;
	process_data(c, g, now);
	if (c->state != TCP_CLOSED)
		tcp_output(c, now);
}

/* TIME-WAIT and a new SYN: reuse if it is clearly newer (RFC 6191). */
static bool time_wait_reusable(const struct tcpstack_conn *c, const struct seg *g)
{
	if (c->state != TCP_TIME_WAIT || (g->flags & (F_SYN | F_ACK | F_RST)) != F_SYN)
		return false;
	if (c->ts_ok && (g->o.present & TCP_OPTF_TS))
		return seq_gt(g->o.ts_val, c->ts_recent);
	return seq_gt(g->seq, c->rcv_nxt);
}

static int parse(struct seg *g)
{
	struct rte_mbuf *m = g->m;
	struct tcpstack_ipv4_view v;
	const uint32_t eth = sizeof(struct rte_ether_hdr);

	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) != 0)
		return TCPSTACK_MIB_TCP_BAD_HDR;
	if (rte_pktmbuf_data_len(m) < eth)
		return TCPSTACK_MIB_IPV4_BAD_HDR;
	int err = tcpstack_ipv4_parse(rte_pktmbuf_mtod_offset(m, void *, eth),
				      rte_pktmbuf_data_len(m) - eth, &v);
	if (err != 0)
		return err;
	if (v.hdr->next_proto_id != IPPROTO_TCP || v.l4_len < sizeof(struct rte_tcp_hdr))
		return TCPSTACK_MIB_TCP_BAD_HDR;
	const struct rte_tcp_hdr *th = v.l4;
	unsigned thlen = (th->data_off >> 4) * 4u;
	if (thlen < sizeof(*th) || thlen > v.l4_len)
		return TCPSTACK_MIB_TCP_BAD_HDR;
	if (!tcpstack_l4_cksum_ok(&v))
		return TCPSTACK_MIB_TCP_BAD_CSUM;
	g->t.laddr = v.hdr->dst_addr;
	g->t.raddr = v.hdr->src_addr;
	g->t.lport = rte_be_to_cpu_16(th->dst_port);
	g->t.rport = rte_be_to_cpu_16(th->src_port);
	g->seq = rte_be_to_cpu_32(th->sent_seq);
	g->ack = rte_be_to_cpu_32(th->recv_ack);
	g->wnd = rte_be_to_cpu_16(th->rx_win);
	g->flags = th->tcp_flags;
	g->len = v.l4_len - thlen;
	g->hdrs = eth + v.hdr_len + thlen;
	g->opts = (const uint8_t *)(th + 1);
	g->opts_len = thlen - sizeof(*th);
	return 0;
}

static void input(struct tcpstack_tcp *s, struct rte_mbuf *m, uint64_t now);

void tcpstack_tcp_reset_segment(struct tcpstack_tcp *s, struct rte_mbuf *m, uint64_t now)
{
	struct seg g = { .m = m };
	int err;

	s->now = now;
	s->busy++;
	err = parse(&g);
	if (err != 0)
		tcp_count(s, (enum tcpstack_mib)err);
	else
		reset_unowned(s, &g, now);
	rte_pktmbuf_free(m);
	s->busy--;
	tcp_reap(s);
}

void tcpstack_tcp_input(struct tcpstack_tcp *s, struct rte_mbuf *m, uint64_t now)
{
	s->now = now;
	s->busy++;
	input(s, m, now);
	s->busy--;
	tcp_reap(s);
}

static void input(struct tcpstack_tcp *s, struct rte_mbuf *m, uint64_t now)
{
	struct seg g = { .m = m };
	int err = parse(&g);

	if (err != 0) {
		tcp_count(s, (enum tcpstack_mib)err);
		rte_pktmbuf_free(m);
		return;
	}
	tcp_count(s, TCPSTACK_MIB_TCP_IN_SEGS);
	if (tcp_opts_parse(g.opts, g.opts_len, g.flags & F_SYN, &g.o) != TCP_OPTS_OK)
		tcp_count(s, TCPSTACK_MIB_TCP_BAD_OPTIONS);

	struct tcpstack_conn *c = tcp_conn_lookup(s, &g.t);
	if (c != NULL && time_wait_reusable(c, &g)) {
		tcp_count(s, TCPSTACK_MIB_TCP_TIME_WAIT_REUSED);
		tcp_conn_done(c, 0);
		c = NULL;
	}
	if (c == NULL) {
		const struct tcp_listener *l = tcp_listener_find(s, g.t.laddr, g.t.lport);
		if (l != NULL) {
			listen_input(s, l, &g, now);
			return;
		}
		reset_unowned(s, &g, now);
		drop(s, &g, TCPSTACK_MIB_TCP_NO_SOCKET);
		return;
	}
	if (c->state == TCP_SYN_SENT) {
		syn_sent_input(c, &g, now);
		return;
	}
	tcp_keepalive_reset(c, now);
	synchronized_input(c, &g, now);
}

/* ---- timers (here because they drive the same state machine) */

void tcp_conn_timers(struct tcpstack_conn *c, uint64_t now)
{
	struct tcpstack_tcp *s = c->s;

	if (c->timer[TCP_T_KEEPALIVE] != 0 && c->timer[TCP_T_KEEPALIVE] <= now) {
		tcp_timer_clear(c, TCP_T_KEEPALIVE);
		if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
		    c->state == TCP_FIN_WAIT_2) {
			if (c->ka_sent >= c->ka_count) {
				/* RFC 1122 4.2.3.6: the peer is gone. */
				tcp_count(s, TCPSTACK_MIB_TCP_KEEPALIVE_TIMEOUT);
				tcp_send_rst(c, now);
				tcp_conn_done(c, ETIMEDOUT);
				return;
			}
			/* An old sequence number: the peer must answer with an
			 * ACK, and no data of ours is committed. */
			tcp_count(s, TCPSTACK_MIB_TCP_KEEPALIVE_PROBE);
			tcp_send_window_probe(c, now);
			c->ka_sent++;
			tcp_timer_set(c, TCP_T_KEEPALIVE, now + c->ka_intvl_ns);
		}
	}
	if (c->timer[TCP_T_CLOSE] != 0 && c->timer[TCP_T_CLOSE] <= now) {
		tcp_timer_clear(c, TCP_T_CLOSE);
		tcp_conn_done(c, c->state == TCP_TIME_WAIT ? 0 : ETIMEDOUT);
		return;
	}
	if (c->timer[TCP_T_DELACK] != 0 && c->timer[TCP_T_DELACK] <= now) {
		tcp_timer_clear(c, TCP_T_DELACK);
		if (c->unacked_segs != 0)
			tcp_send_ack(c, now);
	}
	if (c->timer[TCP_T_PERSIST] != 0 && c->timer[TCP_T_PERSIST] <= now) {
		tcp_timer_clear(c, TCP_T_PERSIST);
		if (c->snd_wnd == 0 && c->sndq.bytes != 0) {
			tcp_count(s, TCPSTACK_MIB_TCP_ZERO_WINDOW_PROBE);
			tcp_send_window_probe(c, now);
			if (c->persist_backoff < 10)
				c->persist_backoff++;
			uint64_t wait = (uint64_t)tcp_rtt_rto(&c->rtt) << c->persist_backoff;
			wait = RTE_MIN(wait, (uint64_t)s->p.rto_max_us);
			tcp_timer_set(c, TCP_T_PERSIST, now + wait * 1000);
		} else {
			c->persist_backoff = 0;
		}
	}
	if (c->timer[TCP_T_PROBE] != 0 && c->timer[TCP_T_PROBE] <= now) {
		tcp_timer_clear(c, TCP_T_PROBE);
		tcp_loss_probe(c, now);
	}
	if (c->timer[TCP_T_RTO] == 0 || c->timer[TCP_T_RTO] > now)
		return;
	tcp_timer_clear(c, TCP_T_RTO);
	tcp_timer_clear(c, TCP_T_PROBE);
	tcp_count(s, TCPSTACK_MIB_TCP_RTO);
	c->rto_count++;
	tcp_rtt_backoff(&c->rtt);
	c->rtt_seq = 0; /* Karn: nothing in flight times an RTT now */
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		if (c->rto_count > s->p.syn_retries) {
			tcp_count(s, TCPSTACK_MIB_TCP_TIMEOUT);
			if (c->state == TCP_SYN_RCVD && c->passive && !c->adopted)
				c->closed_by_user = true; /* never surfaced */
			tcp_conn_done(c, ETIMEDOUT);
			return;
		}
		c->retrans_segs++;
		tcp_count(s, TCPSTACK_MIB_TCP_RETRANS_SEGS);
		tcp_send_syn(c, now);
		return;
	case TCP_TIME_WAIT:
	case TCP_CLOSED:
	case TCP_LISTEN:
		return;
	default:
		break;
	}
	if (c->rto_count > s->p.retries) {
		tcp_count(s, TCPSTACK_MIB_TCP_TIMEOUT);
		tcp_send_rst(c, now);
		tcp_conn_done(c, ETIMEDOUT);
		return;
	}
	/* RFC 5681 3.1 / 6298 5.4-5.6: collapse cwnd, go back to snd_una. */
	c->cc.flight = c->snd_max - c->snd_una;
	c->cc.ops->on_rto(&c->cc, now);
	c->in_recovery = false;
	c->dupacks = 0;
	c->recover = c->snd_max;
	/* RFC 6675 5.1: after an RTO, SACK information may be reneged: start
	 * over from snd_una with a clean scoreboard. */
	tcp_sb_clear(&c->sb);
	c->snd_nxt = c->snd_una;
	tcp_sndq_rewind(c);
	tcp_output(c, now);
	if (c->snd_nxt == c->snd_una && c->snd_una != c->snd_max)
		tcp_retransmit_first(c, now); /* window closed: resend anyway */
	tcp_timer_rto_restart(c, now);
}
