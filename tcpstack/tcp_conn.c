/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-lcore TCP: connection table, listeners, connection lifecycle and
 * the adaptation interface's calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcpstack/tcp_cc_coupled.h"
#include "tcpstack/tcp_conn.h"

const char *const tcp_state_names[] = {
	[TCP_CLOSED] = "CLOSED",	   [TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",	   [TCP_SYN_RCVD] = "SYN_RCVD",
	[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2",   [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",	   [TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

#define PORT_EPHEMERAL_LO 32768
#define PORT_EPHEMERAL_HI 60999

static void defaults(struct tcpstack_tcp_params *p)
{
#define DEF(f, v)      \
	if (p->f == 0) \
	p->f = (v)
	DEF(max_conns, 65536);
	DEF(max_half_open, 4096);
	DEF(sndbuf, 4u << 20);
	DEF(rcvbuf, 4u << 20);
	DEF(mss, 1460);
	DEF(delack_us, 40000);
	DEF(rto_initial_us, 1000000);
	DEF(rto_min_us, 200000);
	DEF(rto_max_us, 60000000);
	DEF(syn_retries, 6);
	DEF(retries, 15);
	DEF(time_wait_us, 60000000);
#undef DEF
	if (p->cc == NULL)
		p->cc = "cubic";
}

struct tcpstack_tcp *tcpstack_tcp_create(const struct tcpstack_tcp_params *p,
					 struct rte_mempool *pool,
					 struct tcpstack_mib_counters *mib,
					 tcpstack_tcp_output_fn output, void *output_ctx)
{
	struct tcpstack_tcp *s = calloc(1, sizeof(*s));
	unsigned buckets = 1;

	if (s == NULL)
		return NULL;
	s->p = *p;
	defaults(&s->p);
	s->cc_ops = tcp_cc_find(s->p.cc);
	while (buckets < s->p.max_conns)
		buckets <<= 1;
	s->hash = calloc(buckets, sizeof(*s->hash));
	s->heap = calloc(s->p.max_conns, sizeof(*s->heap));
	if (s->cc_ops == NULL || s->hash == NULL || s->heap == NULL || tcp_isn_init(s) != 0) {
		free(s->hash);
		free(s->heap);
		free(s);
		return NULL;
	}
	s->hash_mask = buckets - 1;
	s->pool = pool;
	s->mib = mib;
	s->output = output;
	s->output_ctx = output_ctx;
	s->next_port = PORT_EPHEMERAL_LO;
	return s;
}

void tcpstack_tcp_destroy(struct tcpstack_tcp *s)
{
	if (s == NULL)
		return;
	/* Users still holding a connection hear CLOSED, so they free theirs. */
	s->busy++;
	for (unsigned b = 0; b <= s->hash_mask; b++)
		while (s->hash[b] != NULL)
			tcp_conn_done(s->hash[b], ECONNABORTED);
	s->busy = 0;
	tcp_reap(s);
	tcp_isn_free(s);
	free(s->hash);
	free(s->heap);
	free(s);
}

unsigned tcpstack_tcp_conn_count(const struct tcpstack_tcp *s)
{
	return s->n_conns;
}

static unsigned hash_of(const struct tcpstack_tcp *s, const struct tcp_tuple *t)
{
	uint32_t h = t->raddr * 2654435761u;

	h ^= ((uint32_t)t->rport << 16 | t->lport) * 2246822519u;
	h ^= t->laddr * 3266489917u;
	h ^= h >> 15;
	return h & s->hash_mask;
}

static bool tuple_eq(const struct tcp_tuple *a, const struct tcp_tuple *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
	       a->rport == b->rport;
}

struct tcpstack_conn *tcp_conn_lookup(struct tcpstack_tcp *s, const struct tcp_tuple *t)
{
	for (struct tcpstack_conn *c = s->hash[hash_of(s, t)]; c != NULL; c = c->hnext)
		if (tuple_eq(&c->t, t))
			return c;
	return NULL;
}

struct tcpstack_conn *tcp_conn_new(struct tcpstack_tcp *s, const struct tcp_tuple *t,
				   const struct tcpstack_tcp_ops *ops, void *user, uint64_t now)
{
	if (s->n_conns >= s->p.max_conns) {
		tcp_count(s, TCPSTACK_MIB_TCP_CONN_LIMIT);
		return NULL;
	}
	struct tcpstack_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		tcp_count(s, TCPSTACK_MIB_TCP_CONN_LIMIT);
		return NULL;
	}
	c->s = s;
	c->t = *t;
	c->ops = ops;
	c->user = user;
	c->state = TCP_CLOSED;
	c->heap_idx = TCP_HEAP_NONE;
	c->nagle = !s->p.nagle_off;
	c->sndbuf = s->p.sndbuf;
	c->rcvbuf = s->p.rcvbuf;
	c->mss = 536; /* RFC 9293 default until the peer says otherwise */
	tcp_reass_init(&c->reass);
	tcp_rtt_init(&c->rtt, s->p.rto_initial_us, s->p.rto_min_us, s->p.rto_max_us);
	c->cc.ops = s->cc_ops;
	c->cc.mss = c->mss;
	c->cc.ops->init(&c->cc, now);
	c->iss = tcp_isn(s, t, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss; /* RFC 6582: no recovery point before any data */
	/* Our window scale: enough for the receive buffer (RFC 7323). */
	while (c->rcv_wscale < TCP_WSCALE_MAX && (c->rcvbuf >> c->rcv_wscale) > 0xffff)
		c->rcv_wscale++;

	unsigned b = hash_of(s, t);
	c->hnext = s->hash[b];
	s->hash[b] = c;
	s->n_conns++;
	return c;
}

static void conn_unlink(struct tcpstack_conn *c)
{
	struct tcpstack_conn **pp = &c->s->hash[hash_of(c->s, &c->t)];

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp == c)
		*pp = c->hnext;
}

/* Out of the table and the timers, buffers freed; memory kept until reaped. */
static void conn_retire(struct tcpstack_conn *c)
{
	struct tcpstack_tcp *s = c->s;

	tcp_conn_set_state(c, TCP_CLOSED);
	conn_unlink(c);
	tcp_conn_drop_timers(c);
	tcp_segq_clear(&c->sndq);
	tcp_segq_clear(&c->rcvq);
	tcp_reass_clear(&c->reass);
	c->cur = NULL;
	s->n_conns--;
}

void tcp_reap(struct tcpstack_tcp *s)
{
	if (s->busy != 0)
		return;
	while (s->dead != NULL) {
		struct tcpstack_conn *c = s->dead;
		s->dead = c->hnext;
		free(c);
	}
}

void tcp_conn_event(struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	if (!c->closed_by_user && c->ops != NULL && c->ops->event != NULL)
		c->ops->event(c->user, c, ev, err);
}

void tcp_conn_done(struct tcpstack_conn *c, int err)
{
	struct tcpstack_tcp *s = c->s;

	if (c->state == TCP_CLOSED)
		return; /* already retired */
	/* What the user has not read yet stays readable from its CLOSED
	 * handler (a relay hands it on), and is freed after. */
	struct tcp_segq rcvq = c->rcvq;
	c->rcvq = (struct tcp_segq){ 0 };
	conn_retire(c);
	c->rcvq = rcvq;
	tcp_conn_event(c, TCPSTACK_TCP_EV_CLOSED, err);
	tcp_segq_clear(&c->rcvq);
	c->closed_by_user = true;
	c->hnext = s->dead;
	s->dead = c;
}

/* Our side sends no more data (its FIN is acknowledged), or the
 * connection is retired. */
static bool sends_no_more(enum tcp_state st)
{
	return st == TCP_FIN_WAIT_2 || st == TCP_TIME_WAIT || st == TCP_CLOSED;
}

void tcp_conn_set_state(struct tcpstack_conn *c, enum tcp_state st)
{
	if (c->state == TCP_SYN_RCVD && st != TCP_SYN_RCVD)
		c->s->n_half_open--;
	else if (st == TCP_SYN_RCVD && c->state != TCP_SYN_RCVD)
		c->s->n_half_open++;
	c->state = st;
	/* A window that no longer sends must not weigh on the coupled
	 * subflows (TIME_WAIT lasts a minute), and the group must not keep a
	 * pointer into memory about to be freed (CLOSED is retirement). */
	if (sends_no_more(st))
		tcp_cc_group_del(&c->cc);
}

const struct tcp_listener *tcp_listener_find(const struct tcpstack_tcp *s, uint32_t laddr,
					     uint16_t lport)
{
	const struct tcp_listener *any = NULL, *any_port = NULL;

	for (unsigned i = 0; i < TCP_LISTENERS_MAX; i++) {
		const struct tcp_listener *l = &s->listeners[i];
		if (!l->used)
			continue;
		if (l->lport == 0) { /* transparent: any address, any port */
			any_port = l;
			continue;
		}
		if (l->lport != lport)
			continue;
		if (l->laddr == laddr)
			return l;
		if (l->laddr == 0)
			any = l;
	}
	return any != NULL ? any : any_port;
}

struct rte_mbuf *tcp_segq_push(struct tcp_segq *q, struct rte_mbuf *m)
{
	struct rte_mbuf *first = NULL;

	/* m may be a chain: link its segments one by one into the list. */
	while (m != NULL) {
		struct rte_mbuf *next = m->next;
		m->next = NULL;
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
		} else {
			if (q->tail != NULL)
				q->tail->next = m;
			else
				q->head = m;
			q->tail = m;
			q->bytes += m->data_len;
			if (first == NULL)
				first = m;
		}
		m = next;
	}
	return first;
}

void tcp_segq_clear(struct tcp_segq *q)
{
	while (q->head != NULL) {
		struct rte_mbuf *next = q->head->next;
		rte_pktmbuf_free_seg(q->head);
		q->head = next;
	}
	q->tail = NULL;
	q->bytes = 0;
}

uint32_t tcp_rcv_window(const struct tcpstack_conn *c)
{
	uint32_t used = c->rcvq.bytes + c->reass.bytes;
	return used >= c->rcvbuf ? 0 : c->rcvbuf - used;
}

/* ---- the adaptation interface */

int tcpstack_tcp_listen(struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport,
			const struct tcpstack_tcp_ops *ops, void *user)
{
	struct tcp_listener *free_slot = NULL;

	if (lport == 0 && laddr != 0)
		return -EINVAL; /* port 0 means transparent: every address */
	for (unsigned i = 0; i < TCP_LISTENERS_MAX; i++) {
		struct tcp_listener *l = &s->listeners[i];
		if (l->used && l->laddr == laddr && l->lport == lport)
			return -EADDRINUSE;
		if (!l->used && free_slot == NULL)
			free_slot = l;
	}
	if (free_slot == NULL)
		return -ENOSPC;
	*free_slot = (struct tcp_listener){
		.laddr = laddr, .lport = lport, .used = true, .ops = ops, .user = user
	};
	return 0;
}

bool tcpstack_tcp_has_conn(const struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport)
{
	struct tcp_tuple t = { .laddr = laddr, .raddr = raddr, .lport = lport, .rport = rport };

	return tcp_conn_lookup((struct tcpstack_tcp *)s, &t) != NULL;
}

void tcpstack_tcp_unlisten(struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport)
{
	for (unsigned i = 0; i < TCP_LISTENERS_MAX; i++) {
		struct tcp_listener *l = &s->listeners[i];
		if (l->used && l->laddr == laddr && l->lport == lport)
			l->used = false;
	}
}

static uint16_t pick_port(struct tcpstack_tcp *s, struct tcp_tuple *t)
{
	for (unsigned tries = 0; tries <= PORT_EPHEMERAL_HI - PORT_EPHEMERAL_LO; tries++) {
		t->lport = s->next_port;
		s->next_port = s->next_port == PORT_EPHEMERAL_HI ? PORT_EPHEMERAL_LO
								 : (uint16_t)(s->next_port + 1);
		if (tcp_conn_lookup(s, t) == NULL)
			return t->lport;
	}
	return 0;
}

struct tcpstack_conn *tcpstack_tcp_connect(struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport,
					   uint32_t raddr, uint16_t rport,
					   const struct tcpstack_tcp_ops *ops, void *user,
					   uint64_t now, int *err)
{
	struct tcp_tuple t = { .laddr = laddr, .raddr = raddr, .lport = lport, .rport = rport };
	struct tcpstack_conn *c;

	s->now = now;
	if (lport == 0 && pick_port(s, &t) == 0) {
		*err = -EADDRNOTAVAIL;
		return NULL;
	}
	if (tcp_conn_lookup(s, &t) != NULL) {
		*err = -EADDRINUSE;
		return NULL;
	}
	c = tcp_conn_new(s, &t, ops, user, now);
	if (c == NULL) {
		*err = -ENOBUFS;
		return NULL;
	}
	tcp_conn_set_state(c, TCP_SYN_SENT);
	tcp_count(s, TCPSTACK_MIB_TCP_ACTIVE_OPENS);
	s->busy++;
	tcp_send_syn(c, now);
	s->busy--;
	*err = 0;
	return c;
}

uint32_t tcpstack_tcp_send_space(const struct tcpstack_conn *c)
{
	return c->sndq.bytes >= c->sndbuf ? 0 : c->sndbuf - c->sndq.bytes;
}

int tcpstack_tcp_send(struct tcpstack_conn *c, struct rte_mbuf *m, uint64_t now)
{
	c->s->now = now;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD)
		return -ENOTCONN; /* data waits for CONNECTED */
	if (c->fin_queued || (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return -EPIPE;
	if (rte_pktmbuf_pkt_len(m) > tcpstack_tcp_send_space(c)) {
		c->want_writable = true;
		return -ENOBUFS;
	}
	uint32_t old_end = c->snd_una + c->sndq.bytes;
	struct rte_mbuf *first = tcp_segq_push(&c->sndq, m);
	if (c->cur == NULL && first != NULL && c->snd_nxt == old_end) {
		/* Everything before was sent: the new data is next. */
		c->cur = first;
		c->cur_seq = old_end;
	}
	c->s->busy++;
	tcp_output(c, now);
	c->s->busy--;
	tcp_reap(c->s);
	return 0;
}

struct rte_mbuf *tcpstack_tcp_recv(struct tcpstack_conn *c, uint32_t max, uint64_t now)
{
	c->s->now = now;
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t got = 0, before = tcp_rcv_window(c);
	uint16_t segs = 0;

	while (c->rcvq.head != NULL && (got == 0 || got + c->rcvq.head->data_len <= max)) {
		struct rte_mbuf *m = c->rcvq.head;
		c->rcvq.head = m->next;
		c->rcvq.bytes -= m->data_len;
		m->next = NULL;
		got += m->data_len;
		segs++;
		if (last != NULL)
			last->next = m;
		else
			head = m;
		last = m;
	}
	if (c->rcvq.head == NULL)
		c->rcvq.tail = NULL;
	if (head == NULL)
		return NULL;
	c->s->busy++;
	head->pkt_len = got;
	head->nb_segs = segs;
	/* Tell the peer when the window opened by a useful amount, rather
	 * than letting it wait for a probe (receiver-side SWS avoidance). */
	uint32_t after = tcp_rcv_window(c);
	uint32_t step = RTE_MIN(c->rcvbuf / 2, 2u * c->mss);
	if ((c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	     c->state == TCP_FIN_WAIT_2) &&
	    after >= before + step && seq_diff(c->rcv_adv, c->rcv_nxt) < (int32_t)step)
		tcp_send_ack(c, now);
	c->s->busy--;
	return head;
}

uint32_t tcpstack_tcp_recv_avail(const struct tcpstack_conn *c)
{
	return c->rcvq.bytes;
}

static void shutdown_conn(struct tcpstack_conn *c, uint64_t now)
{
	if (c->fin_queued)
		return;
	switch (c->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		/* Before the handshake ends the FIN waits for it. */
		c->fin_queued = true;
		tcp_output(c, now);
		return;
	default:
		return;
	}
}

void tcpstack_tcp_shutdown(struct tcpstack_conn *c, uint64_t now)
{
	c->s->now = now;
	struct tcpstack_tcp *s = c->s;

	s->busy++;
	shutdown_conn(c, now);
	s->busy--;
	tcp_reap(s);
}

static void abort_conn(struct tcpstack_conn *c, uint64_t now)
{
	if (c->state != TCP_SYN_SENT && c->state != TCP_CLOSED && c->state != TCP_TIME_WAIT)
		tcp_send_rst(c, now);
	c->closed_by_user = true;
	tcp_conn_done(c, ECONNABORTED);
}

void tcpstack_tcp_close(struct tcpstack_conn *c, uint64_t now)
{
	c->s->now = now;
	struct tcpstack_tcp *s = c->s;

	s->busy++;
	if (c->state == TCP_SYN_SENT) {
		/* Nothing to say goodbye to yet (RFC 9293 3.10.4). */
		c->closed_by_user = true;
		tcp_conn_done(c, 0);
	} else if (c->rcvq.bytes != 0) {
		/* Data the user will never read: RFC 9293 says reset the peer. */
		abort_conn(c, now);
	} else {
		c->closed_by_user = true;
		shutdown_conn(c, now);
		/* An orphan must not wait forever for the peer's FIN. */
		if (c->state == TCP_FIN_WAIT_2 && c->timer[TCP_T_CLOSE] == 0)
			tcp_timer_set(c, TCP_T_CLOSE, now + (uint64_t)s->p.time_wait_us * 1000);
	}
	s->busy--;
	tcp_reap(s);
}

void tcpstack_tcp_abort(struct tcpstack_conn *c, uint64_t now)
{
	c->s->now = now;
	struct tcpstack_tcp *s = c->s;

	s->busy++;
	abort_conn(c, now);
	s->busy--;
	tcp_reap(s);
}

void tcpstack_tcp_set_opt_room(struct tcpstack_conn *c, unsigned bytes)
{
	c->opt_room = (uint8_t)RTE_MIN(bytes, (unsigned)TCP_OPTS_MAX_LEN);
}

uint64_t tcpstack_tcp_now(const struct tcpstack_tcp *s)
{
	return s->now;
}

void tcpstack_tcp_ack_now(struct tcpstack_conn *c, uint64_t now)
{
	c->s->now = now;
	if (c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
		return;
	c->s->busy++;
	tcp_send_ack(c, now);
	c->s->busy--;
	tcp_reap(c->s);
}

uint32_t tcpstack_tcp_snd_una(const struct tcpstack_conn *c)
{
	return c->snd_una;
}

uint32_t tcpstack_tcp_sndq_bytes(const struct tcpstack_conn *c)
{
	return c->sndq.bytes;
}

void tcpstack_tcp_set_low_latency(struct tcpstack_conn *c, bool on)
{
	c->low_latency = on;
	c->nagle = on ? false : !c->s->p.nagle_off;
	if (!on)
		tcp_timer_clear(c, TCP_T_PROBE);
}

void tcpstack_tcp_set_nagle(struct tcpstack_conn *c, bool on)
{
	c->nagle = on;
}

int tcpstack_tcp_set_cc(struct tcpstack_conn *c, const char *name, uint64_t now)
{
	const struct tcp_cc_ops *ops = tcp_cc_find(name);

	if (ops == NULL)
		return -ENOENT;
	c->cc.ops = ops;
	c->cc.mss = c->mss;
	ops->init(&c->cc, now); /* group membership (cc.coupled) is kept */
	return 0;
}

int tcpstack_tcp_set_cc_group(struct tcpstack_conn *c, struct tcpstack_cc_group *g)
{
	if (g == NULL) {
		tcp_cc_group_del(&c->cc);
		return 0;
	}
	if (sends_no_more(c->state))
		return -ENOTCONN; /* it would never leave again */
	return tcp_cc_group_add(g, &c->cc);
}

void tcpstack_tcp_set_bufs(struct tcpstack_conn *c, uint32_t sndbuf, uint32_t rcvbuf)
{
	if (sndbuf != 0)
		c->sndbuf = sndbuf;
	if (rcvbuf == 0)
		return;
	c->rcvbuf = rcvbuf;
	/* The window scale is fixed by the SYN; later, a larger buffer is
	 * advertised only up to 65535 << scale. */
	if (c->state == TCP_CLOSED) {
		c->rcv_wscale = 0;
		while (c->rcv_wscale < TCP_WSCALE_MAX && (c->rcvbuf >> c->rcv_wscale) > 0xffff)
			c->rcv_wscale++;
	}
}

void tcpstack_tcp_set_keepalive(struct tcpstack_conn *c, uint32_t idle_s, uint32_t intvl_s,
				unsigned count, uint64_t now)
{
	c->ka_idle_ns = (uint64_t)idle_s * 1000000000ull;
	c->ka_intvl_ns = (uint64_t)(intvl_s ? intvl_s : 75) * 1000000000ull;
	c->ka_count = count ? count : 9;
	if (idle_s == 0)
		tcp_timer_clear(c, TCP_T_KEEPALIVE);
	else
		tcp_keepalive_reset(c, now);
}

void tcpstack_tcp_set_user(struct tcpstack_conn *c, const struct tcpstack_tcp_ops *ops, void *user)
{
	c->ops = ops;
	c->user = user;
	/* A half-open connection given a user of its own is surfaced: that
	 * user hears CLOSED if it dies before the handshake completes. */
	if (c->state == TCP_SYN_RCVD && ops != NULL)
		c->adopted = true;
}

void tcpstack_tcp_get_info(const struct tcpstack_conn *c, struct tcpstack_tcp_info *i)
{
	i->state = tcp_state_names[c->state];
	i->laddr = c->t.laddr;
	i->raddr = c->t.raddr;
	i->lport = c->t.lport;
	i->rport = c->t.rport;
	i->srtt_us = c->rtt.srtt_us;
	i->rto_us = tcp_rtt_rto(&c->rtt);
	i->cwnd = c->cc.cwnd;
	i->ssthresh = c->cc.ssthresh;
	i->snd_wnd = c->snd_wnd;
	i->rcv_wnd = tcp_rcv_window(c);
	i->mss = c->mss;
	i->bytes_acked = c->bytes_acked;
	i->bytes_received = c->bytes_received;
	i->retrans_segs = c->retrans_segs;
	i->retrans_bytes = c->retrans_bytes;
	i->iss = c->iss;
	i->irs = c->irs;
	i->snd_una = c->snd_una;
	i->sndq_bytes = c->sndq.bytes;
	i->inflight = c->snd_max - c->snd_una;
}
