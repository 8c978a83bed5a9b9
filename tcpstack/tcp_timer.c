/* SPDX-License-Identifier: BSD-3-Clause */
/* Connection timers: per connection, one deadline per purpose; across
 * connections, a min-heap on each connection's earliest deadline. */
#include "tcpstack/tcp_conn.h"
#include "tcpstack/tcp_seq.h"

static bool heap_less(const struct tcpstack_tcp *s, unsigned a, unsigned b)
{
	return s->heap[a]->heap_at < s->heap[b]->heap_at;
}

static void heap_swap(struct tcpstack_tcp *s, unsigned a, unsigned b)
{
	struct tcpstack_conn *t = s->heap[a];

	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->heap[a]->heap_idx = a;
	s->heap[b]->heap_idx = b;
}

static void heap_up(struct tcpstack_tcp *s, unsigned i)
{
	while (i > 0 && heap_less(s, i, (i - 1) / 2)) {
		heap_swap(s, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct tcpstack_tcp *s, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->heap_n && heap_less(s, l, m))
			m = l;
		if (r < s->heap_n && heap_less(s, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(s, i, m);
		i = m;
	}
}

static void heap_remove(struct tcpstack_tcp *s, struct tcpstack_conn *c)
{
	unsigned i = c->heap_idx;

	if (i == TCP_HEAP_NONE)
		return;
	c->heap_idx = TCP_HEAP_NONE;
	if (--s->heap_n == i)
		return;
	s->heap[i] = s->heap[s->heap_n];
	s->heap[i]->heap_idx = i;
	heap_up(s, i);
	heap_down(s, s->heap[i]->heap_idx);
}

/* Recompute the connection's earliest deadline and its heap position. */
static void heap_update(struct tcpstack_conn *c)
{
	struct tcpstack_tcp *s = c->s;
	uint64_t at = 0;

	for (unsigned t = 0; t < TCP_T_MAX; t++)
		if (c->timer[t] != 0 && (at == 0 || c->timer[t] < at))
			at = c->timer[t];
	if (at == 0) {
		heap_remove(s, c);
		return;
	}
	c->heap_at = at;
	if (c->heap_idx == TCP_HEAP_NONE) {
		/* The heap has room for every connection (sized at creation). */
		c->heap_idx = s->heap_n++;
		s->heap[c->heap_idx] = c;
	}
	heap_up(s, c->heap_idx);
	heap_down(s, c->heap_idx);
}

void tcp_timer_set(struct tcpstack_conn *c, enum tcp_timer t, uint64_t when)
{
	c->timer[t] = when == 0 ? 1 : when;
	heap_update(c);
}

void tcp_timer_clear(struct tcpstack_conn *c, enum tcp_timer t)
{
	if (c->timer[t] == 0)
		return;
	c->timer[t] = 0;
	heap_update(c);
}

void tcp_timer_rto_restart(struct tcpstack_conn *c, uint64_t now)
{
	uint32_t rto = tcp_rtt_rto(&c->rtt);

	tcp_timer_set(c, TCP_T_RTO, now + (uint64_t)rto * 1000);
	/* A tail loss probe (RFC 8985 7) when that comes before the RTO;
	 * none in loss recovery or with one out. RFC 8985 waits two
	 * smoothed RTTs, plus a delayed-ACK allowance for a single segment;
	 * a low-latency peer acknowledges a PSH at once, so the timeout here
	 * is the RTO's formula without its floor, and at least 1.5 SRTT. */
	if (c->low_latency && c->rtt.valid && !c->in_recovery && !c->tlp_out &&
	    !seq_lt(c->snd_una, c->recover)) { /* nor after an RTO, till repaired */
		uint32_t pto = c->rtt.srtt_us + RTE_MAX(4 * c->rtt.rttvar_us, c->rtt.srtt_us / 2);
		if (pto < rto)
			tcp_timer_set(c, TCP_T_PROBE, now + (uint64_t)pto * 1000);
		else
			tcp_timer_clear(c, TCP_T_PROBE);
	}
}

void tcp_conn_drop_timers(struct tcpstack_conn *c)
{
	for (unsigned t = 0; t < TCP_T_MAX; t++)
		c->timer[t] = 0;
	heap_remove(c->s, c);
}

uint64_t tcpstack_tcp_next_timer(const struct tcpstack_tcp *s)
{
	return s->heap_n == 0 ? UINT64_MAX : s->heap[0]->heap_at;
}

void tcpstack_tcp_timers(struct tcpstack_tcp *s, uint64_t now)
{
	/* Each round handles the earliest connection; its handler either
	 * clears or moves its timers forward (or frees it), so this ends. */
	s->now = now;
	s->busy++;
	while (s->heap_n != 0 && s->heap[0]->heap_at <= now)
		tcp_conn_timers(s->heap[0], now);
	s->busy--;
	tcp_reap(s);
}

void tcp_keepalive_reset(struct tcpstack_conn *c, uint64_t now)
{
	if (c->ka_idle_ns == 0)
		return;
	c->ka_sent = 0;
	tcp_timer_set(c, TCP_T_KEEPALIVE, now + c->ka_idle_ns);
}
