/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection-level out-of-order queue: see reass.h.
 *
 * Invariants kept between calls: e[0..n) sorted by dsn and disjoint; two
 * entries touch only if their chains together would pass
 * RTE_MBUF_MAX_NB_SEGS; e[k].len == e[k].m->pkt_len > 0 and e[k].last is the
 * chain's last segment; bytes is the sum of the lengths.
 *
 * The mbuf trims are tcpstack's (tcp_mbuf_trim_front/back, declared in
 * tcpstack/tcp_reass.h, internal to tcpstack but shared with mptcp on
 * purpose: one implementation of the chain surgery). Chaining is local: an
 * entry keeps its last segment, so appending does not walk a chain that may
 * hold thousands of segments, as tcp_mbuf_chain would.
 *
 * No insert splits the new chain: held ranges at its ends are cut off it,
 * those inside it are dropped instead (as Linux's tcp_data_queue_ofo and
 * mptcp_data_queue_ofo do). So an insert allocates nothing and cannot half
 * fail; the bytes are the same ones either way.
 *
 * Shared mbufs: as in tcp_reass.c, trims edit data_off, data_len and next
 * of the segments they cut, which is fine for indirect mbufs (clones) but
 * not for a direct mbuf shared by raising its refcnt; callers do not hand
 * such chains in.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/reass.h"
#include "tcpstack/tcp_reass.h"

static bool dsn_lt(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static bool dsn_leq(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) <= 0;
}

static uint64_t ent_end(const struct mptcp_reass_ent *e)
{
	return e->dsn + e->len;
}

int mptcp_reass_init(struct mptcp_reass *q, unsigned max_ranges)
{
	memset(q, 0, sizeof(*q));
	if (max_ranges == 0)
		return -EINVAL;
	q->e = calloc(max_ranges, sizeof(q->e[0]));
	if (q->e == NULL)
		return -ENOMEM;
	q->max = max_ranges;
	return 0;
}

void mptcp_reass_fini(struct mptcp_reass *q)
{
	for (unsigned k = 0; k < q->n; k++)
		rte_pktmbuf_free(q->e[k].m);
	free(q->e);
	memset(q, 0, sizeof(*q));
}

uint64_t mptcp_reass_bytes(const struct mptcp_reass *q)
{
	return q->bytes;
}

unsigned mptcp_reass_ranges(const struct mptcp_reass *q)
{
	return q->n;
}

uint64_t mptcp_reass_first(const struct mptcp_reass *q)
{
	return q->n > 0 ? q->e[0].dsn : 0;
}

/* Replace the `remove` entries at e[at] by room for `add` ones. */
static void ent_splice(struct mptcp_reass *q, unsigned at, unsigned remove, unsigned add)
{
	memmove(&q->e[at + add], &q->e[at + remove], (q->n - at - remove) * sizeof(q->e[0]));
	q->n = q->n - remove + add;
}

/* Append chain tail (last segment tail_last) to head, whose last segment is
 * head_last; the caller has checked the segment count. As
 * rte_pktmbuf_chain: only the head carries packet-level counts. */
static void chain(struct rte_mbuf *head, struct rte_mbuf *head_last, struct rte_mbuf *tail)
{
	head_last->next = tail;
	head->nb_segs = (uint16_t)(head->nb_segs + tail->nb_segs);
	head->pkt_len += tail->pkt_len;
	tail->pkt_len = tail->data_len;
	tail->nb_segs = 1;
}

static bool fits(uint32_t segs_a, uint32_t segs_b)
{
	return segs_a + segs_b <= RTE_MBUF_MAX_NB_SEGS;
}

/* The first entry that ends at or after dsn. Ends grow with starts (the
 * entries are disjoint and not empty), so this bisects. */
static unsigned first_ending_from(const struct mptcp_reass *q, uint64_t dsn)
{
	unsigned lo = 0, hi = q->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (dsn_lt(ent_end(&q->e[mid]), dsn))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first entry from lo on that starts after dsn. */
static unsigned first_starting_after(const struct mptcp_reass *q, unsigned lo, uint64_t dsn)
{
	unsigned hi = q->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (dsn_leq(q->e[mid].dsn, dsn))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum mptcp_reass_result mptcp_reass_insert(struct mptcp_reass *q, uint64_t rcv_nxt, uint64_t dsn,
					   struct rte_mbuf *m, uint32_t len)
{
	unsigned i, j, lo, hi, count, segs;
	bool join_l = false, join_r = false;
	struct rte_mbuf *last;
	uint64_t end, inside = 0;

	if (m == NULL)
		return MPTCP_REASS_DUPLICATE;
	/* Hold exactly what is there and was announced. */
	if (m->pkt_len < len)
		len = m->pkt_len;
	else if (m->pkt_len > len)
		tcp_mbuf_trim_back(m, m->pkt_len - len);
	if (dsn_lt(dsn, rcv_nxt)) {
		uint64_t cut = rcv_nxt - dsn;

		if (cut >= len) {
			rte_pktmbuf_free(m);
			return MPTCP_REASS_DUPLICATE;
		}
		m = tcp_mbuf_trim_front(m, (uint32_t)cut);
		dsn = rcv_nxt;
		len -= (uint32_t)cut;
	}
	if (len == 0) {
		rte_pktmbuf_free(m);
		return MPTCP_REASS_DUPLICATE;
	}
	end = dsn + len;

	/* e[i..j): the ranges that overlap or touch [dsn, end). */
	i = first_ending_from(q, dsn);
	j = first_starting_after(q, i, end);

	/* Cut off what the ranges at the front hold: more than one only
	 * when touching ranges were kept apart. The last of them, if any,
	 * now ends at dsn: the left neighbour. */
	for (lo = i; lo < j && dsn_leq(q->e[lo].dsn, dsn); lo++) {
		uint64_t held_end = ent_end(&q->e[lo]);

		if (!dsn_lt(held_end, end)) {
			rte_pktmbuf_free(m);
			return MPTCP_REASS_DUPLICATE;
		}
		m = tcp_mbuf_trim_front(m, (uint32_t)(held_end - dsn));
		len -= (uint32_t)(held_end - dsn);
		dsn = held_end;
	}
	/* Likewise at the back (the first of these, e[hi], starts at end).
	 * Every range left starts after dsn, so the byte at dsn stays: the
	 * segment brings something new. */
	for (hi = j; hi > lo && dsn_leq(end, ent_end(&q->e[hi - 1])); hi--) {
		uint64_t held = q->e[hi - 1].dsn;

		tcp_mbuf_trim_back(m, (uint32_t)(end - held));
		len -= (uint32_t)(end - held);
		end = held;
	}
	/* e[lo..hi) lie inside [dsn, end): m's bytes replace theirs. The
	 * segment joins its neighbours where the chains stay short enough. */
	segs = m->nb_segs;
	if (lo > i && fits(q->e[lo - 1].m->nb_segs, segs)) {
		join_l = true;
		segs += q->e[lo - 1].m->nb_segs;
	}
	if (hi < j && fits(segs, q->e[hi].m->nb_segs))
		join_r = true;
	count = q->n - (hi - lo) + 1 - join_l - join_r;
	if (count > q->max) {
		rte_pktmbuf_free(m);
		return MPTCP_REASS_FULL;
	}

	for (unsigned k = lo; k < hi; k++) {
		inside += q->e[k].len;
		rte_pktmbuf_free(q->e[k].m);
	}
	q->bytes = q->bytes - inside + len;
	last = rte_pktmbuf_lastseg(m);
	if (join_l) {
		struct mptcp_reass_ent *l = &q->e[lo - 1];

		chain(l->m, l->last, m);
		l->len += len;
		l->last = last;
		if (join_r) {
			struct mptcp_reass_ent *r = &q->e[hi];

			chain(l->m, l->last, r->m);
			l->len += r->len;
			l->last = r->last;
			hi++;
		}
		ent_splice(q, lo, hi - lo, 0);
	} else if (join_r) {
		struct mptcp_reass_ent *r = &q->e[hi];

		chain(m, last, r->m);
		r->m = m;
		r->dsn = dsn;
		r->len += len;
		ent_splice(q, lo, hi - lo, 0);
	} else {
		ent_splice(q, lo, hi - lo, 1);
		q->e[lo] = (struct mptcp_reass_ent){ .dsn = dsn, .len = len, .m = m, .last = last };
	}
	return MPTCP_REASS_QUEUED;
}

struct rte_mbuf *mptcp_reass_pop(struct mptcp_reass *q, uint64_t *rcv_nxt, uint32_t *len)
{
	struct rte_mbuf *m;

	*len = 0;
	/* Drop what the caller already delivered by itself: whole ranges
	 * below rcv_nxt, and the front of one straddling it. */
	while (q->n > 0) {
		struct mptcp_reass_ent *e = &q->e[0];
		uint32_t cut;

		if (dsn_leq(*rcv_nxt, e->dsn))
			break;
		if (dsn_leq(ent_end(e), *rcv_nxt)) {
			q->bytes -= e->len;
			rte_pktmbuf_free(e->m);
			ent_splice(q, 0, 1, 0);
			continue;
		}
		/* The last segment holds the last byte, which stays: e->last
		 * survives the trim. */
		cut = (uint32_t)(*rcv_nxt - e->dsn);
		e->m = tcp_mbuf_trim_front(e->m, cut);
		e->len -= cut;
		q->bytes -= cut;
		e->dsn = *rcv_nxt;
		break;
	}
	if (q->n == 0 || q->e[0].dsn != *rcv_nxt)
		return NULL;
	m = q->e[0].m;
	*len = q->e[0].len;
	*rcv_nxt += q->e[0].len;
	q->bytes -= q->e[0].len;
	ent_splice(q, 0, 1, 0);
	return m;
}
