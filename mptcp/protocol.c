/* SPDX-License-Identifier: BSD-3-Clause */
/* The data level of an MPTCP connection (RFC 8684 3.3): the send buffer
 * indexed by data sequence number, scheduling onto subflows, DATA_ACKs,
 * reinjection of what a stalled or failed subflow holds, reassembly of
 * what the subflows deliver, DATA_FIN, and the user's side of the API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "mptcp/options.h"
#include "mptcp/pm.h"
#include "mptcp/protocol.h"
#include "tcpstack/tcp_reass.h" /* mbuf chain helpers */

#define DEF_BUF (4u << 20)
#define MAP_MAX 65535u /* data-level length is 16 bits */
#define RTX_MIN_NS 200000000ull
#define RTX_HEAD_MAX (64u << 10) /* bytes sent again at once from the DATA_ACK */
#define RTX_BACKOFF_MAX 6u
#define OOO_RANGES 1024
#define FIN_LINGER_NS 60000000000ull /* a DATA_FIN unanswered: give up then */
#define RETIRE_NS 3000000000ull /* a retiring subflow waits that long for the peer's FIN */

const char *const mptcp_mib_names[MPTCP_MIB_MAX] = {
#define MPTCP_MIB_NAME(id, name) name,
	MPTCP_MIB_LIST(MPTCP_MIB_NAME)
#undef MPTCP_MIB_NAME
};

/* ---------------------------------------------------------------------- */
/* The send buffer: mbuf segments in dsn order, released by DATA_ACKs.     */

static int sndbuf_push(struct mptcp_sndbuf *b, struct rte_mbuf *seg)
{
	if (b->n == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 256;
		struct rte_mbuf **v = malloc(cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		for (unsigned i = 0; i < b->n; i++)
			v[i] = b->m[(b->head + i) % b->cap];
		free(b->m);
		b->m = v;
		b->head = 0;
		b->cap = cap;
	}
	b->m[(b->head + b->n) % b->cap] = seg;
	b->n++;
	b->bytes += seg->data_len;
	return 0;
}

/* Free whole segments below @una; a segment partly acknowledged stays. */
static void sndbuf_release(struct mptcp_sndbuf *b, uint64_t una)
{
	while (b->n != 0) {
		struct rte_mbuf *s = b->m[b->head];
		if (b->dsn0 + s->data_len > una)
			break;
		b->dsn0 += s->data_len;
		b->bytes -= s->data_len;
		rte_pktmbuf_free_seg(s);
		b->head = (b->head + 1) % b->cap;
		b->n--;
	}
}

static void sndbuf_clear(struct mptcp_sndbuf *b)
{
	sndbuf_release(b, UINT64_MAX);
	free(b->m);
	memset(b, 0, sizeof(*b));
}

/* Index (from head) of the segment holding @dsn, and that segment's dsn. */
static unsigned sndbuf_find(const struct mptcp_sndbuf *b, uint64_t dsn, uint64_t *seg_dsn)
{
	uint64_t d = b->dsn0;
	unsigned i = 0;

	while (i < b->n && d + b->m[(b->head + i) % b->cap]->data_len <= dsn) {
		d += b->m[(b->head + i) % b->cap]->data_len;
		i++;
	}
	*seg_dsn = d;
	return i;
}

struct rte_mbuf *mptcp_sndbuf_clone(struct mptcp_sock *m, uint64_t dsn, uint32_t len)
{
	const struct mptcp_sndbuf *b = &m->sndq;
	struct rte_mbuf *head = NULL, *last = NULL;
	uint64_t d;
	unsigned i = sndbuf_find(b, dsn, &d);

	while (len != 0 && i < b->n) {
		struct rte_mbuf *s = b->m[(b->head + i) % b->cap];
		uint32_t off = (uint32_t)(dsn - d);
		uint32_t n = RTE_MIN(len, (uint32_t)s->data_len - off);
		struct rte_mbuf *mi = rte_pktmbuf_alloc(m->st->pool);

		if (mi == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		rte_pktmbuf_attach(mi, s);
		mi->data_off = (uint16_t)(mi->data_off + off);
		mi->data_len = (uint16_t)n;
		mi->pkt_len = n;
		if (head == NULL) {
			head = mi;
		} else {
			last->next = mi;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = mi;
		dsn += n;
		len -= n;
		d += s->data_len;
		i++;
	}
	if (len != 0) {
		rte_pktmbuf_free(head);
		return NULL;
	}
	return head;
}

uint32_t mptcp_csum_add(uint32_t sum, const uint8_t *p, uint32_t n, uint64_t off)
{
	uint32_t s = rte_be_to_cpu_16(tcpstack_cksum_raw(p, n));
	if (off & 1)
		s = ((s & 0xff) << 8) | (s >> 8);
	sum += s;
	return (sum & 0xffff) + (sum >> 16);
}

uint32_t mptcp_sndbuf_sum(const struct mptcp_sock *m, uint64_t dsn, uint32_t len)
{
	const struct mptcp_sndbuf *b = &m->sndq;
	uint64_t d, off = 0;
	unsigned i = sndbuf_find(b, dsn, &d);
	uint32_t sum = 0;

	while (len != 0 && i < b->n) {
		const struct rte_mbuf *s = b->m[(b->head + i) % b->cap];
		uint32_t o = (uint32_t)(dsn - d);
		uint32_t n = RTE_MIN(len, (uint32_t)s->data_len - o);
		sum = mptcp_csum_add(sum, rte_pktmbuf_mtod_offset(s, const uint8_t *, o), n, off);
		off += n;
		dsn += n;
		len -= n;
		d += s->data_len;
		i++;
	}
	return sum;
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                               */

struct mptcp_sock *mptcp_sock_new(struct mptcp_stack *st, const struct mptcp_ops *ops, void *user)
{
	struct mptcp_sock *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if (mptcp_reass_init(&m->ooo, OOO_RANGES) != 0) {
		free(m);
		return NULL;
	}
	m->st = st;
	m->ops = ops;
	m->user = user;
	m->sndbuf = st->p.sndbuf ? st->p.sndbuf : DEF_BUF;
	m->rcvbuf = st->p.rcvbuf ? st->p.rcvbuf : DEF_BUF;
	m->sched = st->sched;
	if (st->p.cc != NULL && mptcp_set_cc(m, st->p.cc, 0) != 0) {
		mptcp_reass_fini(&m->ooo);
		free(m);
		return NULL;
	}
	m->next = st->conns;
	if (st->conns != NULL)
		st->conns->prev = m;
	st->conns = m;
	st->n_conns++;
	return m;
}

void mptcp_sock_event(struct mptcp_sock *m, enum mptcp_event ev, int err)
{
	if (m->closed_by_user || m->dead || m->ops == NULL || m->ops->event == NULL)
		return;
	m->ops->event(m->user, m, ev, err);
}

static void sock_free(struct mptcp_sock *m)
{
	struct mptcp_stack *st = m->st;

	sndbuf_clear(&m->sndq);
	rte_pktmbuf_free(m->rcvq_head);
	mptcp_reass_fini(&m->ooo);
	free(m->rj);
	tcpstack_cc_group_destroy(m->ccg); /* subflows left go on uncoupled */
	if (m->local_token != 0 && !m->fallback)
		mptcp_token_remove(st->tokens, m->local_token, m);
	free(m);
}

void mptcp_reap(struct mptcp_stack *st)
{
	if (st->busy != 0)
		return;
	while (st->dead_subflows != NULL) {
		struct mptcp_subflow *sf = st->dead_subflows;
		st->dead_subflows = sf->next;
		mptcp_subflow_free(sf);
	}
	while (st->dead_socks != NULL) {
		struct mptcp_sock *m = st->dead_socks;
		st->dead_socks = m->next;
		sock_free(m);
	}
}

/* The connection is over at the data level: subflows closed (gracefully
 * unless @err), the user told, the structure freed when calls unwind. */
void mptcp_sock_done(struct mptcp_sock *m, int err)
{
	struct mptcp_stack *st = m->st;
	uint64_t now = st->now;

	if (m->dead)
		return;
	m->state = MSK_CLOSED;
	m->err_fastclose = err != 0 && !m->fallback;
	while (m->subflows != NULL) {
		struct mptcp_subflow *sf = m->subflows;
		m->subflows = sf->next;
		m->n_subflows--;
		/* still linked to m while the RST is built (MP_FASTCLOSE);
		 * a stale subflow still holding data the peer has at the
		 * data level (a dead path's) is reset rather than left to
		 * retry, its MP_TCPRST saying "too much outstanding data"
		 * (RFC 8684 3.6: data to send that the connection level
		 * acknowledged). A working one closes with a FIN after its
		 * data: a RST could overtake the DATA_ACK of the peer's
		 * DATA_FIN (reordering) and leave the peer reset. */
		if (err != 0 ||
		    (sf->tc != NULL && tcpstack_tcp_sndq_bytes(sf->tc) != 0 && sf->stale))
			mptcp_subflow_reset(sf, MPTCP_RST_EWQ2BIG, false, now);
		else
			mptcp_subflow_close(sf, now);
		sf->msk = NULL;
	}
	mptcp_sock_event(m, MPTCP_EV_CLOSED, err);
	m->dead = true;
	/* out of st->conns, onto the dead list */
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		st->conns = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	st->n_conns--;
	m->next = st->dead_socks;
	st->dead_socks = m;
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */

static uint64_t snd_end(const struct mptcp_sock *m)
{
	return m->sndq.dsn0 + m->sndq.bytes;
}

static void rj_add(struct mptcp_sock *m, uint64_t dsn, uint32_t len)
{
	if (dsn + len <= m->snd_una)
		return;
	if (dsn < m->snd_una) {
		len -= (uint32_t)(m->snd_una - dsn);
		dsn = m->snd_una;
	}
	if (m->rj_n == m->rj_cap) {
		unsigned cap = m->rj_cap ? m->rj_cap * 2 : 64;
		struct mptcp_reinject *v = realloc(m->rj, cap * sizeof(*v));
		if (v == NULL)
			return; /* the data-level timer tries again */
		m->rj = v;
		m->rj_cap = cap;
	}
	m->rj[m->rj_n].dsn = dsn;
	m->rj[m->rj_n].len = len;
	m->rj_n++;
	m->reinjected += len;
	mptcp_count_n(m->st, MPTCP_MIB_REINJECT_BYTES, len);
}

/* Drop what the DATA_ACK covers from the reinjection list. */
static void rj_prune(struct mptcp_sock *m)
{
	unsigned j = 0;

	for (unsigned i = 0; i < m->rj_n; i++) {
		struct mptcp_reinject r = m->rj[i];
		if (r.dsn + r.len <= m->snd_una)
			continue;
		if (r.dsn < m->snd_una) {
			r.len -= (uint32_t)(m->snd_una - r.dsn);
			r.dsn = m->snd_una;
		}
		m->rj[j++] = r;
	}
	m->rj_n = j;
}

/* Subflows that may carry data now; backups only when no regular one
 * works (RFC 8684 3.3.8). */
static unsigned candidates(struct mptcp_sock *m, struct mptcp_sched_cand *c,
			   const struct mptcp_subflow * not )
{
	unsigned n = 0, regular_usable = 0, fresh = 0;

	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next) {
		if (!mptcp_subflow_usable(sf))
			continue;
		mptcp_subflow_prune(sf); /* a stale one that delivers again is not */
		if (!sf->stale)
			fresh++;
		if (!sf->backup && !sf->peer_backup && !sf->stale)
			regular_usable++;
	}
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL && n < 16; sf = sf->next) {
		/* stale ones only when nothing else is left */
		if (!mptcp_subflow_usable(sf) || sf == not || (sf->stale && fresh != 0))
			continue;
		if (regular_usable != 0 && (sf->backup || sf->peer_backup))
			continue;
		uint32_t room = mptcp_subflow_room(sf);
		if (room == 0)
			continue;
		struct tcpstack_tcp_info ti;
		tcpstack_tcp_get_info(sf->tc, &ti);
		c[n].sf = sf;
		c[n].srtt_us = ti.srtt_us;
		c[n].room = room;
		n++;
	}
	return n;
}

static void arm_rtx(struct mptcp_sock *m, uint64_t now)
{
	uint32_t rto = 0;

	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next) {
		struct tcpstack_tcp_info ti;
		tcpstack_tcp_get_info(sf->tc, &ti);
		rto = RTE_MAX(rto, ti.rto_us);
	}
	m->rtx_at = now + (RTE_MAX((uint64_t)rto * 1000, RTX_MIN_NS) << m->rtx_backoff);
}

/* The peer's window is full and its left edge, the DATA_ACK, waits for a
 * byte one subflow holds (lost there, in recovery): every other subflow
 * idles until that one repairs it, a whole RTO when its retransmission is
 * lost too. Send the held mapping from the DATA_ACK again at once on the
 * fastest other subflow: opportunistic retransmission (Raiciu et al.,
 * "How Hard Can It Be?", NSDI 2012), once per DATA_ACK value. */
static void retransmit_blocking_head(struct mptcp_sock *m, uint64_t now)
{
	struct mptcp_sched_cand c[16];
	struct mptcp_subflow *holder = NULL;
	uint32_t held = 0;

	if (m->orx_una == m->snd_una + 1)
		return;
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL && held == 0; sf = sf->next)
		if (mptcp_subflow_usable(sf) && (held = mptcp_subflow_held(sf, m->snd_una)) != 0)
			holder = sf;
	if (holder == NULL)
		return;
	unsigned n = candidates(m, c, holder), best = 0;
	if (n == 0)
		return;
	for (unsigned i = 1; i < n; i++)
		if (c[i].srtt_us != 0 && (c[best].srtt_us == 0 || c[i].srtt_us < c[best].srtt_us))
			best = i;
	uint32_t len = RTE_MIN(held, c[best].room);
	len = RTE_MIN(len, (uint32_t)MAP_MAX);
	if (mptcp_subflow_send(c[best].sf, m->snd_una, len, now) != 0)
		return;
	m->orx_una = m->snd_una + 1;
	mptcp_count(m->st, MPTCP_MIB_OPPORTUNISTIC_RTX);
	mptcp_count_n(m->st, MPTCP_MIB_REINJECT_BYTES, len);
	m->reinjected += len;
}

/* Reinjections first (on a subflow other than the stale ones), then new
 * data within the peer's window, chunk by chunk as the scheduler says. */
void mptcp_sock_push(struct mptcp_sock *m, uint64_t now)
{
	struct mptcp_sched_cand c[16];
	unsigned pick[16];

	if (m->dead || m->state != MSK_ESTABLISHED)
		return;
	for (;;) {
		unsigned n = candidates(m, c, NULL);
		if (n == 0)
			break;
		if (m->rj_n != 0) {
			struct mptcp_reinject *r = &m->rj[0];
			struct mptcp_subflow *sf = c[0].sf;
			uint32_t len = RTE_MIN(r->len, c[0].room);
			len = RTE_MIN(len, MAP_MAX);
			if (mptcp_subflow_send(sf, r->dsn, len, now) != 0)
				break;
			r->dsn += len;
			r->len -= len;
			if (r->len == 0) {
				memmove(m->rj, m->rj + 1, (m->rj_n - 1) * sizeof(*m->rj));
				m->rj_n--;
			}
			continue;
		}
		uint64_t end = snd_end(m);
		if (!m->fallback && m->wnd_end < end)
			end = m->wnd_end;
		if (m->snd_nxt >= end) {
			if (end == m->wnd_end && end < snd_end(m))
				retransmit_blocking_head(m, now);
			break;
		}
		unsigned k = m->sched->pick(c, n, &m->rr_next, pick);
		uint32_t len = (uint32_t)RTE_MIN(end - m->snd_nxt, (uint64_t)MAP_MAX);
		uint32_t room = 0;
		for (unsigned i = 0; i < k; i++)
			room = RTE_MAX(room, c[pick[i]].room);
		len = RTE_MIN(len, room);
		unsigned sent = 0;
		for (unsigned i = 0; i < k; i++) {
			uint32_t l = RTE_MIN(len, c[pick[i]].room);
			if (l == len &&
			    mptcp_subflow_send(c[pick[i]].sf, m->snd_nxt, len, now) == 0)
				sent++;
		}
		if (sent == 0)
			break;
		if (m->snd_una == m->snd_nxt)
			arm_rtx(m, now);
		m->snd_nxt += len;
		m->bytes_sent += len;
	}
	/* Data left that no subflow would take, and nothing in flight to
	 * bring an ACK that retries: the timer retries. */
	if ((m->snd_nxt != snd_end(m) || m->rj_n != 0) && m->rtx_at == 0)
		arm_rtx(m, now);
	/* All data out and a DATA_FIN due: it rides on a pure ACK (and on
	 * every ACK until acknowledged; see subflow.c). */
	if (m->fin_queued && m->fallback && m->snd_nxt == snd_end(m) && m->fin_sent_at == 0 &&
	    m->subflows != NULL) {
		/* Plain TCP: the DATA_FIN is the subflow's FIN. */
		m->fin_sent_at = now;
		tcpstack_tcp_shutdown(m->subflows->tc, now);
	} else if (m->fin_queued && !m->fin_acked && m->snd_nxt == snd_end(m) &&
		   m->fin_sent_at == 0 && !m->fallback) {
		for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
			if (mptcp_subflow_usable(sf)) {
				m->fin_sent_at = now;
				tcpstack_tcp_ack_now(sf->tc, now);
				arm_rtx(m, now);
				break;
			}
	}
}

void mptcp_sock_data_acked(struct mptcp_sock *m, uint64_t ack, struct mptcp_subflow *sf,
			   uint64_t now)
{
	uint64_t end = snd_end(m);

	(void)sf;
	if (m->fin_queued && m->fin_sent_at != 0 && ack == end + 1) {
		if (!m->fin_acked) {
			m->fin_acked = true;
			ack = end;
		}
	}
	if (ack <= m->snd_una || ack > m->snd_nxt)
		goto done;
	uint64_t before = m->sndq.bytes;
	sndbuf_release(&m->sndq, ack);
	/* A partly acknowledged head segment stays whole; snd_una is exact. */
	m->snd_una = ack;
	rj_prune(m);
	m->rtx_at = 0;
	m->rtx_backoff = 0;
	if (m->snd_una != m->snd_nxt || (m->fin_sent_at != 0 && !m->fin_acked))
		arm_rtx(m, now);
	if ((m->want_writable || before > m->sndbuf / 2) && mptcp_send_space(m) >= m->sndbuf / 2) {
		m->want_writable = false;
		mptcp_sock_event(m, MPTCP_EV_WRITABLE, 0);
	}
done:
	if (m->fin_acked && m->rcv_fin && m->snd_una == snd_end(m)) {
		mptcp_sock_done(m, 0);
		return;
	}
	/* Every ACK from the peer carries a DATA_ACK: a subflow's room may
	 * have grown, the peer's window may have opened. */
	if (m->snd_nxt != snd_end(m) || m->rj_n != 0)
		mptcp_sock_push(m, now);
}

/* ---------------------------------------------------------------------- */
/* Receiving                                                               */

static void rcvq_append(struct mptcp_sock *m, struct rte_mbuf *seg)
{
	/* The queue is a list of segments (not a chain with pkt_len). */
	while (seg != NULL) {
		struct rte_mbuf *next = seg->next;
		seg->next = NULL;
		seg->nb_segs = 1;
		seg->pkt_len = seg->data_len;
		if (seg->data_len == 0) {
			rte_pktmbuf_free_seg(seg);
		} else {
			if (m->rcvq_tail != NULL)
				m->rcvq_tail->next = seg;
			else
				m->rcvq_head = seg;
			m->rcvq_tail = seg;
			m->rcvq_bytes += seg->data_len;
		}
		seg = next;
	}
}

static void check_fin(struct mptcp_sock *m, uint64_t now)
{
	if (!m->rcv_fin_known || m->rcv_fin || m->rcv_nxt != m->rcv_fin_dsn)
		return;
	m->rcv_nxt++;
	m->rcv_fin = true;
	/* Acknowledge the DATA_FIN at once, on every subflow that can. */
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (sf->state == SF_ESTABLISHED)
			tcpstack_tcp_ack_now(sf->tc, now);
	mptcp_sock_event(m, MPTCP_EV_PEER_FIN, 0);
	if (!m->dead && m->fin_acked && m->snd_una == snd_end(m))
		mptcp_sock_done(m, 0);
}

void mptcp_sock_rx(struct mptcp_sock *m, uint64_t dsn, struct rte_mbuf *seg, uint32_t len,
		   uint64_t now)
{
	struct mptcp_stack *st = m->st;
	uint32_t before = m->rcvq_bytes;

	if (m->dead || len == 0 || (m->rcv_fin && dsn >= m->rcv_nxt)) {
		rte_pktmbuf_free(seg);
		return;
	}
	if (dsn + len <= m->rcv_nxt) {
		mptcp_count(st, MPTCP_MIB_DATA_DUP);
		rte_pktmbuf_free(seg);
		return;
	}
	if (dsn > m->rcv_nxt) {
		if (mptcp_reass_insert(&m->ooo, m->rcv_nxt, dsn, seg, len) == MPTCP_REASS_FULL)
			mptcp_count(st, MPTCP_MIB_DATA_OFO_FULL);
		return;
	}
	if (dsn < m->rcv_nxt) {
		uint32_t cut = (uint32_t)(m->rcv_nxt - dsn);
		seg = tcp_mbuf_trim_front(seg, cut);
		len -= cut;
	}
	rcvq_append(m, seg);
	m->rcv_nxt += len;
	for (;;) {
		uint32_t l;
		struct rte_mbuf *more = mptcp_reass_pop(&m->ooo, &m->rcv_nxt, &l);
		if (more == NULL)
			break;
		rcvq_append(m, more);
	}
	m->bytes_received += m->rcvq_bytes - before;
	if (m->rcvq_bytes != before && !m->in_recv)
		mptcp_sock_event(m, MPTCP_EV_READABLE, 0);
	if (!m->dead)
		check_fin(m, now);
}

void mptcp_sock_rx_fin(struct mptcp_sock *m, uint64_t fin_dsn, uint64_t now)
{
	if (m->rcv_fin_known)
		return;
	m->rcv_fin_known = true;
	m->rcv_fin_dsn = fin_dsn;
	check_fin(m, now);
}

/* ---------------------------------------------------------------------- */
/* Subflows coming and going                                               */

void mptcp_sock_established(struct mptcp_sock *m, uint64_t now)
{
	if (m->state != MSK_CONNECTING)
		return;
	m->state = MSK_ESTABLISHED;
	m->snd_una = m->snd_nxt = m->sndq.dsn0 = m->local_idsn + 1;
	m->wnd_end = m->snd_una + 65535;
	m->rcv_nxt = m->remote_idsn + 1;
	if (!m->connected_told) {
		m->connected_told = true;
		mptcp_sock_event(m, MPTCP_EV_CONNECTED, 0);
	}
	/* A server announces at once; a client opens its other subflows
	 * once the server shows it has the keys (its first DSS), or the
	 * joins would race the third ACK and find no token. */
	if (!m->dead && !m->fallback && m->server)
		mptcp_pm_established(m, now);
}

/* Plain TCP from now on, on the one subflow there is: the subflow's bytes
 * are the data, so dsn and subflow sequence stay a fixed distance apart. */
void mptcp_sock_fallback(struct mptcp_sock *m, enum mptcp_mib why)
{
	if (m->fallback)
		return;
	m->fallback = true;
	mptcp_count(m->st, why);
	if (m->local_token != 0) {
		mptcp_token_remove(m->st->tokens, m->local_token, m);
		m->local_token = 0;
	}
}

static void collect_unacked(struct mptcp_sock *m, uint64_t dsn, uint32_t len)
{
	rj_add(m, dsn, len);
}

void mptcp_sock_subflow_gone(struct mptcp_sock *m, struct mptcp_subflow *sf, int err, uint64_t now)
{
	struct mptcp_subflow **pp = &m->subflows;

	while (*pp != NULL && *pp != sf)
		pp = &(*pp)->next;
	if (*pp == NULL)
		return;
	*pp = sf->next;
	m->n_subflows--;
	mptcp_count(m->st, MPTCP_MIB_SUBFLOW_CLOSED);
	if (!m->fallback && sf->state == SF_ESTABLISHED && !sf->retiring) {
		unsigned before = m->rj_n;
		mptcp_subflow_unacked(sf, collect_unacked, m->snd_una);
		if (m->rj_n != before)
			mptcp_count(m->st, MPTCP_MIB_REINJECT_EVENTS);
	}
	sf->msk = NULL;
	mptcp_pm_subflow_closed(m, sf, err, now);
	if (m->subflows == NULL) {
		if (m->state == MSK_CONNECTING)
			mptcp_sock_done(m, err ? err : ECONNREFUSED);
		else if (m->rcv_fin && (m->fin_acked || (m->fin_sent_at != 0 && err == 0)))
			/* The peer closes its subflows once both DATA_FINs
			 * are acknowledged (RFC 8684 3.3.3): its FIN says
			 * ours arrived even if that DATA_ACK was lost. */
			mptcp_sock_done(m, 0);
		else
			mptcp_sock_done(m, err ? err : ECONNRESET);
		return;
	}
	mptcp_sock_push(m, now);
}

/* Closing at once would reset the subflow when the peer's data in flight
 * on it arrives (nobody would read it: RFC 9293 3.6.1), and drop that
 * data; a half-close takes it in, and the peer's FIN (it closes its side
 * on our FIN or on the REMOVE_ADDR) ends the subflow with no RST. */
void mptcp_sock_subflow_retire(struct mptcp_sock *m, struct mptcp_subflow *sf, uint64_t now)
{
	if (sf->retiring || sf->dead)
		return;
	if (m->fallback || sf->state != SF_ESTABLISHED || sf->tc == NULL) {
		mptcp_sock_subflow_gone(m, sf, 0, now);
		mptcp_subflow_close(sf, now);
		return;
	}
	sf->retiring = true;
	sf->retire_at = now + RETIRE_NS;
	unsigned before = m->rj_n;
	mptcp_subflow_unacked(sf, collect_unacked, m->snd_una);
	if (m->rj_n != before)
		mptcp_count(m->st, MPTCP_MIB_REINJECT_EVENTS);
	tcpstack_tcp_shutdown(sf->tc, now); /* FIN after what it holds */
	mptcp_sock_push(m, now);
}

/* A retiring subflow whose peer never closes its side (a peer that keeps
 * subflows half-open until the connection ends) is closed for good. */
static void retire_timers(struct mptcp_sock *m, uint64_t now)
{
	struct mptcp_subflow *sf = m->subflows;

	while (sf != NULL && !m->dead) {
		struct mptcp_subflow *next = sf->next;
		if (sf->retiring && now >= sf->retire_at) {
			mptcp_sock_subflow_gone(m, sf, 0, now);
			mptcp_subflow_close(sf, now);
		}
		sf = next;
	}
}

/* ---------------------------------------------------------------------- */
/* Timers: the data-level retransmission check                             */

static void mark_stale_and_reinject(struct mptcp_sock *m, uint64_t now)
{
	unsigned usable = 0;

	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (mptcp_subflow_usable(sf) && !sf->stale)
			usable++;
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next) {
		if (sf->state != SF_ESTABLISHED || sf->stale || sf->retiring)
			continue;
		uint32_t una = tcpstack_tcp_snd_una(sf->tc);
		bool holds = tcpstack_tcp_sndq_bytes(sf->tc) != 0;
		if (holds && una == sf->snd_una_seen && usable > 1) {
			/* Nothing acknowledged on it for a whole data-level
			 * RTO while data waits: move its data elsewhere. */
			sf->stale = true;
			usable--;
			mptcp_count(m->st, MPTCP_MIB_SUBFLOW_STALE);
			unsigned before = m->rj_n;
			mptcp_subflow_unacked(sf, collect_unacked, m->snd_una);
			if (m->rj_n != before)
				mptcp_count(m->st, MPTCP_MIB_REINJECT_EVENTS);
		}
		sf->snd_una_seen = una;
	}
	(void)now;
}

/* The DATA_ACK stood still for a whole RTO while every working subflow
 * is idle, acknowledged to its last byte: the peer acknowledged data on a
 * subflow and then lost it (Linux drops what arrives over its
 * connection-level receive buffer after the subflow acknowledged it), and
 * no subflow will ever send it again. Send the head again, with backoff,
 * as Linux's own MPTCP retransmission timer does. While a subflow still
 * holds data, its own recovery (or the stale check) moves things on. */
static void retransmit_head(struct mptcp_sock *m)
{
	for (unsigned i = 0; i < m->rj_n; i++)
		if (m->rj[i].dsn <= m->snd_una && m->snd_una < m->rj[i].dsn + m->rj[i].len)
			return; /* on its way again already */
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (mptcp_subflow_usable(sf) && !sf->stale && tcpstack_tcp_sndq_bytes(sf->tc) != 0)
			return;
	uint64_t len = RTE_MIN(m->snd_nxt - m->snd_una, (uint64_t)RTX_HEAD_MAX);
	rj_add(m, m->snd_una, (uint32_t)len);
	mptcp_count(m->st, MPTCP_MIB_DATA_RTX);
	if (m->rtx_backoff < RTX_BACKOFF_MAX)
		m->rtx_backoff++;
}

/* RFC 8684 3.7: "an ACK received for data without a DSS option containing
 * a DATA_ACK" on the first subflow, before any other: the path does not
 * carry MPTCP (a middlebox strips our options, and the peer, seeing none,
 * fell back). Fall back too; checked when the data-level timer fires, so
 * a whole RTO of subflow ACKs came and not one DATA_ACK. */
static bool peer_fell_back(struct mptcp_sock *m, uint64_t now)
{
	struct mptcp_subflow *sf = m->subflows;

	if (m->subflows_ever > 1 || sf == NULL || sf->next != NULL || sf->join || sf->peer_spoke ||
	    sf->tc == NULL || m->snd_una != m->local_idsn + 1 ||
	    (int32_t)(tcpstack_tcp_snd_una(sf->tc) - (sf->iss + 1)) <= 0)
		return false;
	mptcp_sock_fallback(m, MPTCP_MIB_FALLBACK_NO_DSS);
	mptcp_subflow_fallback_acked(sf, now);
	return true;
}

void mptcp_sock_timers(struct mptcp_sock *m, uint64_t now)
{
	if (m->dead)
		return;
	mptcp_pm_timers(m, now);
	retire_timers(m, now);
	if (m->dead || m->state != MSK_ESTABLISHED || m->fallback)
		return;
	if (m->rtx_at != 0 && now >= m->rtx_at) {
		m->rtx_at = 0;
		if (peer_fell_back(m, now)) {
			mptcp_sock_push(m, now);
			return;
		}
		if (m->snd_una != m->snd_nxt) {
			mark_stale_and_reinject(m, now);
			retransmit_head(m);
		}
		if (m->fin_sent_at != 0 && !m->fin_acked) {
			if (now - m->fin_sent_at > FIN_LINGER_NS) {
				mptcp_sock_done(m, ETIMEDOUT);
				return;
			}
			for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
				if (mptcp_subflow_usable(sf))
					tcpstack_tcp_ack_now(sf->tc, now);
		}
		if (m->snd_una != m->snd_nxt || (m->fin_sent_at != 0 && !m->fin_acked))
			arm_rtx(m, now);
		mptcp_sock_push(m, now);
	}
}

uint64_t mptcp_sock_next_timer(const struct mptcp_sock *m)
{
	uint64_t t = mptcp_pm_next_timer(m);

	for (const struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (sf->retiring && sf->retire_at < t)
			t = sf->retire_at;

	if (m->rtx_at != 0 && m->rtx_at < t && !m->fallback && m->state == MSK_ESTABLISHED)
		t = m->rtx_at;
	return t;
}

/* ---------------------------------------------------------------------- */
/* The user's API                                                          */

void mptcp_sock_subflow_tune(struct mptcp_sock *m, struct mptcp_subflow *sf, uint64_t now)
{
	if (sf->tc == NULL)
		return;
	if (m->nodelay)
		tcpstack_tcp_set_low_latency(sf->tc, true);
	if (m->cc[0] == '\0')
		return;
	tcpstack_tcp_set_cc(sf->tc, m->cc, now);
	/* full (more subflows than a group holds): that one is uncoupled */
	if (m->ccg != NULL)
		(void)tcpstack_tcp_set_cc_group(sf->tc, m->ccg);
}

void mptcp_set_nodelay(struct mptcp_sock *m, bool on)
{
	m->nodelay = on;
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (sf->tc != NULL)
			tcpstack_tcp_set_low_latency(sf->tc, on);
}

int mptcp_set_scheduler(struct mptcp_sock *m, const char *name)
{
	const struct mptcp_sched_ops *ops = mptcp_sched_find(name);

	if (ops == NULL)
		return -ENOENT;
	m->sched = ops;
	return 0;
}

int mptcp_set_cc(struct mptcp_sock *m, const char *name, uint64_t now)
{
	if (name == NULL || strlen(name) >= sizeof(m->cc) || !tcpstack_cc_known(name))
		return -ENOENT;
	bool coupled = strcmp(name, "lia") == 0 || strcmp(name, "olia") == 0;
	if (coupled && m->ccg == NULL) {
		m->ccg = tcpstack_cc_group_create();
		if (m->ccg == NULL)
			return -ENOMEM;
	}
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (sf->tc != NULL && tcpstack_tcp_set_cc(sf->tc, name, now) != 0)
			return -ENOENT;
	snprintf(m->cc, sizeof(m->cc), "%s", name);
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (sf->tc != NULL)
			(void)tcpstack_tcp_set_cc_group(sf->tc, coupled ? m->ccg : NULL);
	return 0;
}

#define ENTER(st, now)             \
	do {                       \
		(st)->busy++;      \
		(st)->now = (now); \
	} while (0)
#define LEAVE(st)               \
	do {                    \
		(st)->busy--;   \
		mptcp_reap(st); \
	} while (0)

uint32_t mptcp_send_space(const struct mptcp_sock *m)
{
	if (m->fallback && m->subflows != NULL) {
		/* acknowledged by the subflow, not yet released here */
		uint64_t una = mptcp_subflow_fallback_una(m->subflows);
		uint64_t held = snd_end(m) - (una > m->snd_una ? una : m->snd_una);
		return held >= m->sndbuf ? 0 : m->sndbuf - (uint32_t)held;
	}
	return m->sndq.bytes >= m->sndbuf ? 0 : m->sndbuf - (uint32_t)m->sndq.bytes;
}

int mptcp_send(struct mptcp_sock *m, struct rte_mbuf *data, uint64_t now)
{
	struct mptcp_stack *st = m->st;

	if (m->state == MSK_CONNECTING)
		return -ENOTCONN;
	if (m->state != MSK_ESTABLISHED || m->fin_queued)
		return -EPIPE;
	if (m->fallback && m->subflows != NULL) {
		ENTER(st, now);
		mptcp_subflow_fallback_acked(m->subflows, now);
		LEAVE(st);
		if (m->dead)
			return -EPIPE;
	}
	if (rte_pktmbuf_pkt_len(data) > mptcp_send_space(m)) {
		m->want_writable = true;
		return -ENOBUFS;
	}
	while (data != NULL) {
		struct rte_mbuf *next = data->next;
		data->next = NULL;
		data->nb_segs = 1;
		data->pkt_len = data->data_len;
		if (data->data_len == 0 || sndbuf_push(&m->sndq, data) != 0) {
			/* ENOMEM on the ring is as good as a full buffer */
			rte_pktmbuf_free_seg(data);
		}
		data = next;
	}
	ENTER(st, now);
	mptcp_sock_push(m, now);
	LEAVE(st);
	return 0;
}

struct rte_mbuf *mptcp_recv(struct mptcp_sock *m, uint32_t max, uint64_t now)
{
	struct mptcp_stack *st = m->st;
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t got = 0;
	uint16_t segs = 0;

	if (m->rx_throttled && !m->dead) {
		/* Data the subflows held back while the queue was full: in
		 * first, without telling the user who is reading anyway (an
		 * event here would hand later data to a nested read before
		 * this one returns). */
		m->rx_throttled = false;
		m->in_recv = true;
		ENTER(st, now);
		for (struct mptcp_subflow *sf = m->subflows; sf != NULL && !m->dead; sf = sf->next)
			mptcp_subflow_drain(sf, now);
		m->in_recv = false;
		LEAVE(st);
	}
	while (m->rcvq_head != NULL && (got == 0 || got + m->rcvq_head->data_len <= max)) {
		struct rte_mbuf *s = m->rcvq_head;
		m->rcvq_head = s->next;
		s->next = NULL;
		got += s->data_len;
		segs++;
		if (last != NULL)
			last->next = s;
		else
			head = s;
		last = s;
	}
	if (m->rcvq_head == NULL)
		m->rcvq_tail = NULL;
	if (head == NULL)
		return NULL;
	m->rcvq_bytes -= got;
	head->pkt_len = got;
	head->nb_segs = segs;
	return head;
}

uint32_t mptcp_recv_avail(const struct mptcp_sock *m)
{
	return m->rcvq_bytes;
}

void mptcp_shutdown(struct mptcp_sock *m, uint64_t now)
{
	struct mptcp_stack *st = m->st;

	if (m->fin_queued || m->dead)
		return;
	m->fin_queued = true;
	ENTER(st, now);
	if (m->state == MSK_ESTABLISHED)
		mptcp_sock_push(m, now);
	LEAVE(st);
}

void mptcp_close(struct mptcp_sock *m, uint64_t now)
{
	struct mptcp_stack *st = m->st;

	if (m->dead)
		return;
	ENTER(st, now);
	if (m->rcvq_bytes != 0 || m->state == MSK_CONNECTING) {
		m->closed_by_user = true;
		mptcp_abort(m, now);
	} else {
		mptcp_shutdown(m, now);
		m->closed_by_user = true;
	}
	LEAVE(st);
}

void mptcp_abort(struct mptcp_sock *m, uint64_t now)
{
	struct mptcp_stack *st = m->st;

	if (m->dead)
		return;
	ENTER(st, now);
	m->closed_by_user = true;
	if (!m->fallback && m->state == MSK_ESTABLISHED)
		mptcp_count(st, MPTCP_MIB_FASTCLOSE_TX);
	mptcp_sock_done(m, ECONNABORTED); /* resets carry MP_FASTCLOSE */
	LEAVE(st);
}

void mptcp_get_info(const struct mptcp_sock *m, struct mptcp_info *i)
{
	memset(i, 0, sizeof(*i));
	i->fallback = m->fallback;
	i->checksum = m->csum;
	for (const struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (sf->state == SF_ESTABLISHED && !sf->retiring)
			i->subflows++;
	i->subflows_ever = m->subflows_ever;
	i->bytes_sent = m->bytes_sent;
	i->bytes_acked = m->fallback ? 0 : m->snd_una - (m->local_idsn + 1);
	i->bytes_received = m->bytes_received;
	i->reinjected_bytes = m->reinjected;
	i->scheduler = m->sched->name;
	i->cc = m->cc;
	i->local_token = m->local_token;
	i->remote_token = m->remote_token;
}

void mptcp_set_paths_only(struct mptcp_sock *m, bool on)
{
	m->paths_only = on;
}

int mptcp_get_keys(const struct mptcp_sock *m, uint64_t *local, uint64_t *remote)
{
	if (m->keys_pending)
		return -EAGAIN;
	if (m->fallback && m->remote_key == 0) {
		/* fell back before the keys were exchanged: neither counts */
		*local = *remote = 0;
		return 0;
	}
	*local = m->local_key;
	*remote = m->remote_key;
	return 0;
}

int mptcp_get_subflow_info(const struct mptcp_sock *m, unsigned idx, struct mptcp_subflow_info *i)
{
	const struct mptcp_subflow *sf = m->subflows;

	while (sf != NULL && idx-- != 0)
		sf = sf->next;
	if (sf == NULL)
		return -ENOENT;
	memset(i, 0, sizeof(*i));
	tcpstack_tcp_get_info(sf->tc, &i->tcp);
	i->local_id = sf->local_id;
	i->remote_id = sf->remote_id;
	i->backup = sf->backup || sf->peer_backup;
	i->local_backup = sf->backup;
	i->peer_backup = sf->peer_backup;
	i->join = sf->join;
	i->established = sf->state == SF_ESTABLISHED && !sf->retiring;
	i->closing = sf->retiring;
	i->bytes_mapped = sf->bytes_mapped;
	return 0;
}
