/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order receive queue and SACK blocks: see tcp_reass.h.
 *
 * Invariants kept between calls: e[0..n) sorted by seq, disjoint and never
 * adjacent (touching ranges are merged); e[k].len == e[k].m->pkt_len > 0;
 * bytes is the sum of the lengths; recent[] holds distinct starts of
 * existing ranges, most recently changed first.
 *
 * Shared mbufs: trimming and splitting edit data_off, data_len and next of
 * the segments they cut. For an indirect mbuf (a clone) these fields are its
 * own, so other holders of the same buffer see nothing. A direct mbuf whose
 * refcnt was raised to share the very same struct would have them changed
 * for every holder; the stack never shares received mbufs that way (it
 * shares payload through clones), so this is fine here, but callers must not
 * hand such chains in.
 */
#include <stdbool.h>
#include <string.h>

#include "tcpstack/tcp_reass.h"
#include "tcpstack/tcp_seq.h"

static uint32_t ent_end(const struct tcp_reass_ent *e)
{
	return e->seq + e->len;
}

/* --- mbuf chain helpers ---------------------------------------------------- */

struct rte_mbuf *tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n)
{
	struct rte_mbuf *seg = m;
	uint32_t pkt_len;
	uint16_t nb_segs;

	if (m == NULL || n == 0)
		return m;
	if (n >= m->pkt_len) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	pkt_len = m->pkt_len - n;
	nb_segs = m->nb_segs;
	/* Some later segment holds bytes past n, so this stops on one. Empty
	 * leading segments go too, so the new head carries data. */
	while (seg != NULL && seg->data_len <= n) {
		struct rte_mbuf *next = seg->next;

		n -= seg->data_len;
		/* free_seg clears next only if it really frees the segment:
		 * another holder of a shared segment keeps its chain. */
		rte_pktmbuf_free_seg(seg);
		nb_segs--;
		seg = next;
	}
	if (seg == NULL) /* pkt_len larger than the chain: not ours to fix */
		return NULL;
	seg->data_off = (uint16_t)(seg->data_off + n);
	seg->data_len = (uint16_t)(seg->data_len - n);
	seg->pkt_len = pkt_len;
	seg->nb_segs = nb_segs;
	return seg;
}

void tcp_mbuf_trim_back(struct rte_mbuf *m, uint32_t n)
{
	struct rte_mbuf *seg = m;
	uint32_t keep, pos = 0;
	uint16_t nb_segs = 1;

	if (m == NULL || n == 0)
		return;
	keep = n >= m->pkt_len ? 0 : m->pkt_len - n;
	/* Find the segment holding the last kept byte (the head if none). */
	while (seg->next != NULL && pos + seg->data_len < keep) {
		pos += seg->data_len;
		seg = seg->next;
		nb_segs++;
	}
	seg->data_len = (uint16_t)(keep - pos);
	rte_pktmbuf_free(seg->next); /* NULL-safe */
	seg->next = NULL;
	m->pkt_len = keep;
	m->nb_segs = nb_segs;
}

/* Chain without the segment-count check: callers have made sure it fits.
 * Returns the last segment of the result, for the next append. */
static struct rte_mbuf *chain_unchecked(struct rte_mbuf *head, struct rte_mbuf *last,
					struct rte_mbuf *tail)
{
	if (last == NULL)
		last = rte_pktmbuf_lastseg(head);
	last->next = tail;
	head->nb_segs = (uint16_t)(head->nb_segs + tail->nb_segs);
	head->pkt_len += tail->pkt_len;
	/* As rte_pktmbuf_chain: only the head carries packet-level counts. */
	tail->pkt_len = tail->data_len;
	tail->nb_segs = 1;
	return rte_pktmbuf_lastseg(last);
}

int tcp_mbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail)
{
	if (tail == NULL)
		return 0;
	if ((uint32_t)head->nb_segs + tail->nb_segs > RTE_MBUF_MAX_NB_SEGS)
		return -1;
	chain_unchecked(head, NULL, tail);
	return 0;
}

/*
 * Cut chain m after its first off bytes (0 < off < pkt_len): m keeps them,
 * the rest is returned. A segment straddling the cut is shared with an
 * indirect mbuf from that segment's own pool instead of being copied. NULL
 * when that mbuf cannot be had; m is then unchanged.
 */
static struct rte_mbuf *mbuf_split(struct rte_mbuf *m, uint32_t off)
{
	struct rte_mbuf *s = m, *prev = NULL, *t;
	uint32_t pos = 0;
	uint16_t before = 0, nb_segs = m->nb_segs; /* before: wholly before the cut */

	while (pos + s->data_len <= off) {
		pos += s->data_len;
		prev = s;
		s = s->next;
		before++;
	}
	if (pos == off) {
		/* On a boundary (off > 0, so prev exists): just unlink. */
		prev->next = NULL;
		t = s;
		m->nb_segs = before;
	} else {
		t = rte_pktmbuf_alloc(s->pool);
		if (t == NULL)
			return NULL;
		rte_pktmbuf_attach(t, s);
		t->data_off = (uint16_t)(t->data_off + (off - pos));
		t->data_len = (uint16_t)(t->data_len - (off - pos));
		t->next = s->next;
		s->data_len = (uint16_t)(off - pos);
		s->next = NULL;
		m->nb_segs = (uint16_t)(before + 1);
	}
	/* Either way the tail has every segment from the cut one on. */
	t->nb_segs = (uint16_t)(nb_segs - before);
	t->pkt_len = m->pkt_len - off;
	m->pkt_len = off;
	return t;
}

/* --- recently changed ranges ----------------------------------------------- */

static int recent_find(const struct tcp_reass *q, uint32_t start)
{
	for (unsigned r = 0; r < q->n_recent; r++)
		if (q->recent[r] == start)
			return (int)r;
	return -1;
}

static void recent_remove(struct tcp_reass *q, uint32_t start)
{
	int r = recent_find(q, start);

	if (r < 0)
		return;
	memmove(&q->recent[r], &q->recent[r + 1],
		(q->n_recent - (unsigned)r - 1) * sizeof(uint32_t));
	q->n_recent--;
}

/* The range starting at start just changed (or got a segment): first. */
static void recent_touch(struct tcp_reass *q, uint32_t start)
{
	recent_remove(q, start);
	if (q->n_recent == TCP_OPTS_SACK_MAX)
		q->n_recent--; /* the least recent one goes */
	memmove(&q->recent[1], &q->recent[0], q->n_recent * sizeof(uint32_t));
	q->recent[0] = start;
	q->n_recent++;
}

/* --- the queue ------------------------------------------------------------- */

void tcp_reass_init(struct tcp_reass *q)
{
	memset(q, 0, sizeof(*q));
}

void tcp_reass_clear(struct tcp_reass *q)
{
	for (unsigned k = 0; k < q->n; k++)
		rte_pktmbuf_free(q->e[k].m);
	tcp_reass_init(q);
}

static void ent_remove(struct tcp_reass *q, unsigned k, unsigned count)
{
	memmove(&q->e[k], &q->e[k + count], (q->n - k - count) * sizeof(q->e[0]));
	q->n -= count;
}

static struct rte_mbuf *append(struct rte_mbuf **head, struct rte_mbuf *last, struct rte_mbuf *m)
{
	if (*head == NULL) {
		*head = m;
		return rte_pktmbuf_lastseg(m);
	}
	return chain_unchecked(*head, last, m);
}

/*
 * The segment [seq, seq + len) in m touches e[i..j): keep every held byte,
 * fill the gaps from m and chain it all into one range. Finding the end of
 * each chain walks its segments (an entry has no tail pointer), so a merge
 * costs one pass over the merged range's segments.
 */
static enum tcp_reass_result merge(struct tcp_reass *q, unsigned i, unsigned j, uint32_t seq,
				   struct rte_mbuf *m, uint32_t len)
{
	uint32_t end = seq + len, cur = seq, start = seq_min(seq, q->e[i].seq);
	uint32_t span = seq_max(end, ent_end(&q->e[j - 1])) - start, held = 0, added = 0;
	uint32_t segs = m->nb_segs + (j - i + 1); /* each split adds at most one */
	struct rte_mbuf *res = NULL, *last = NULL, *rest = m;
	unsigned k, upto = j - 1;

	for (k = i; k < j; k++) {
		held += q->e[k].len;
		segs += q->e[k].m->nb_segs;
	}
	if (span == held) {
		/* Inside one range (ranges never touch, so i + 1 == j). It is
		 * still the block holding the latest segment (RFC 2018 §4). */
		rte_pktmbuf_free(m);
		recent_touch(q, q->e[i].seq);
		return TCP_REASS_DUPLICATE;
	}
	if (segs > RTE_MBUF_MAX_NB_SEGS) {
		/* Only tens of thousands of tiny segments get here; refusing is
		 * safe, the peer retransmits. */
		rte_pktmbuf_free(m);
		return TCP_REASS_FULL;
	}

	for (k = i; k < j; k++) {
		struct tcp_reass_ent *e = &q->e[k];

		if (rest != NULL && seq_lt(cur, e->seq)) {
			uint32_t gap = e->seq - cur;
			struct rte_mbuf *piece = rest;

			if (gap >= rest->pkt_len) {
				rest = NULL;
			} else {
				rest = mbuf_split(piece, gap);
				/* No mbuf to share the cut segment: keep this
				 * piece, drop what follows (it will come again). */
				if (rest == NULL)
					tcp_mbuf_trim_back(piece, piece->pkt_len - gap);
			}
			last = append(&res, last, piece);
			added += gap;
			cur = e->seq;
		}
		last = append(&res, last, e->m);
		if (rest != NULL) {
			uint32_t drop = ent_end(e) - cur; /* cur lies in e */

			if (drop >= rest->pkt_len) {
				rte_pktmbuf_free(rest);
				rest = NULL;
			} else {
				rest = tcp_mbuf_trim_front(rest, drop);
				cur = ent_end(e);
			}
		}
		if (rest == NULL) {
			upto = k;
			break;
		}
	}
	if (rest != NULL) {
		added += rest->pkt_len;
		append(&res, last, rest);
	}

	for (k = i; k <= upto; k++)
		recent_remove(q, q->e[k].seq);
	q->e[i].seq = start;
	q->e[i].len = res->pkt_len;
	q->e[i].m = res;
	ent_remove(q, i + 1, upto - i);
	q->bytes += added;
	recent_touch(q, start);
	return TCP_REASS_QUEUED;
}

enum tcp_reass_result tcp_reass_insert(struct tcp_reass *q, uint32_t rcv_nxt, uint32_t seq,
				       struct rte_mbuf *m, uint32_t len)
{
	unsigned i, j;
	uint32_t end;

	if (m == NULL)
		return TCP_REASS_DUPLICATE;
	/* Hold exactly what is there and was announced. */
	if (m->pkt_len < len)
		len = m->pkt_len;
	else if (m->pkt_len > len)
		tcp_mbuf_trim_back(m, m->pkt_len - len);
	if (seq_lt(seq, rcv_nxt)) {
		uint32_t cut = rcv_nxt - seq;

		if (cut >= len) {
			rte_pktmbuf_free(m);
			return TCP_REASS_DUPLICATE;
		}
		m = tcp_mbuf_trim_front(m, cut);
		seq = rcv_nxt;
		len -= cut;
	}
	if (len == 0) {
		rte_pktmbuf_free(m);
		return TCP_REASS_DUPLICATE;
	}
	end = seq + len;

	/* e[i..j): the ranges that overlap or touch [seq, end). */
	for (i = 0; i < q->n && seq_lt(ent_end(&q->e[i]), seq); i++)
		;
	for (j = i; j < q->n && seq_leq(q->e[j].seq, end); j++)
		;
	if (i < j)
		return merge(q, i, j, seq, m, len);

	if (q->n == TCP_REASS_MAX) {
		rte_pktmbuf_free(m);
		return TCP_REASS_FULL;
	}
	memmove(&q->e[i + 1], &q->e[i], (q->n - i) * sizeof(q->e[0]));
	q->e[i].seq = seq;
	q->e[i].len = len;
	q->e[i].m = m;
	q->n++;
	q->bytes += len;
	recent_touch(q, seq);
	return TCP_REASS_QUEUED;
}

struct rte_mbuf *tcp_reass_pop(struct tcp_reass *q, uint32_t *rcv_nxt, uint32_t *len)
{
	struct rte_mbuf *m;

	*len = 0;
	/* Drop what the caller already delivered by itself: whole ranges
	 * below rcv_nxt, and the front of one straddling it. */
	while (q->n > 0) {
		struct tcp_reass_ent *e = &q->e[0];
		uint32_t cut;

		if (seq_geq(e->seq, *rcv_nxt))
			break;
		if (seq_leq(ent_end(e), *rcv_nxt)) {
			recent_remove(q, e->seq);
			q->bytes -= e->len;
			rte_pktmbuf_free(e->m);
			ent_remove(q, 0, 1);
			continue;
		}
		/* Popped right below, so it leaves recent[] now. */
		recent_remove(q, e->seq);
		cut = *rcv_nxt - e->seq;
		e->m = tcp_mbuf_trim_front(e->m, cut);
		e->len -= cut;
		q->bytes -= cut;
		e->seq = *rcv_nxt;
		break;
	}
	if (q->n == 0 || q->e[0].seq != *rcv_nxt)
		return NULL;
	m = q->e[0].m;
	*len = q->e[0].len;
	*rcv_nxt += q->e[0].len;
	q->bytes -= q->e[0].len;
	recent_remove(q, q->e[0].seq);
	ent_remove(q, 0, 1);
	return m;
}

unsigned tcp_reass_sack(const struct tcp_reass *q, struct tcp_sack_block *out, unsigned max)
{
	bool listed[TCP_REASS_MAX] = { false };
	unsigned cnt = 0, k;

	for (unsigned r = 0; r < q->n_recent && cnt < max; r++) {
		for (k = 0; k < q->n && q->e[k].seq != q->recent[r]; k++)
			;
		if (k == q->n || listed[k])
			continue;
		listed[k] = true;
		out[cnt].start = q->e[k].seq;
		out[cnt].end = ent_end(&q->e[k]);
		cnt++;
	}
	/* Ranges that fell out of recent[] are older than all in it; lowest
	 * first, as that hole is the one the sender must fill first. */
	for (k = 0; k < q->n && cnt < max; k++) {
		if (listed[k])
			continue;
		out[cnt].start = q->e[k].seq;
		out[cnt].end = ent_end(&q->e[k]);
		cnt++;
	}
	return cnt;
}
