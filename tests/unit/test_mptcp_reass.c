/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPTCP data-level out-of-order queue (mptcp/reass.c): scripted cases
 * (every overlap shape, merges, FULL, pop trims, data below rcv_nxt,
 * multi-segment chains, DSNs across 2^64 and 2^32, chains at the mbuf
 * segment limit, many ranges) and seeded random runs against a byte-array
 * model. Every test ends with no mbuf in use. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mptcp/reass.h"
#include "tests/unit/ut.h"

static struct rte_mempool *pool;

static int setup(void **state)
{
	(void)state;
	if (ut_eal_pool() == NULL)
		return -1;
	/* Small buffers, many of them: the random run holds thousands of
	 * short segments. */
	pool = rte_pktmbuf_pool_create("mreass", 16383, 0, 0, RTE_PKTMBUF_HEADROOM + 1024,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

/* Payload byte at DSN s in the scripted tests: a function of all 64 bits of
 * s, so any byte in the wrong place shows, 2^32 away included. */
static uint8_t pat(uint64_t s)
{
	return (uint8_t)((s * 0x9e3779b97f4a7c15ull) >> 56 ^ s);
}

/* Seeded by each test that draws. */
static uint64_t rnd_state;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* One segment of data from src (len bytes) after `head` bytes of extra
 * headroom, so data_off varies. */
static struct rte_mbuf *seg_of(struct rte_mempool *mp, const uint8_t *src, uint16_t len,
			       uint16_t head)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(head + len));
	assert_non_null(p);
	memcpy(p + head, src, len);
	assert_non_null(rte_pktmbuf_adj(m, head));
	return m;
}

/* Append one segment; rte_pktmbuf_chain would walk the chain every time. */
static void add_seg(struct rte_mbuf **head, struct rte_mbuf **last, struct rte_mbuf *m)
{
	if (*head == NULL) {
		*head = m;
	} else {
		(*last)->next = m;
		(*head)->nb_segs++;
		(*head)->pkt_len += m->pkt_len;
	}
	*last = m;
}

/* [dsn, dsn + len) of the pattern from mp, as a chain of segments of `seg`
 * bytes (the last one shorter; seg 0: one segment). */
static struct rte_mbuf *mk_from(struct rte_mempool *mp, uint64_t dsn, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint8_t buf[1024];

	if (seg == 0)
		seg = len;
	for (uint32_t off = 0; off < len; off += seg) {
		uint32_t n = len - off < seg ? len - off : seg;

		assert_true(n <= sizeof(buf));
		for (uint32_t b = 0; b < n; b++)
			buf[b] = pat(dsn + off + b);
		add_seg(&head, &last, seg_of(mp, buf, (uint16_t)n, (uint16_t)(off % 13)));
	}
	return head;
}

static struct rte_mbuf *mk(uint64_t dsn, uint32_t len, uint32_t seg)
{
	return mk_from(pool, dsn, len, seg);
}

/* The chain is well formed (counts on the head) and holds the pattern for
 * [dsn, dsn + len) — or, with ref, ref's bytes. */
static void check_chain(const struct rte_mbuf *m, uint64_t dsn, uint32_t len, const uint8_t *ref)
{
	uint32_t total = 0, i = 0;
	unsigned segs = 0;

	assert_non_null(m);
	assert_int_equal(m->pkt_len, len);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		/* Trims free what they empty; merges make no empties. */
		assert_int_not_equal(s->data_len, 0);
		for (unsigned b = 0; b < s->data_len; b++, i++)
			if (p[b] != (ref ? ref[i] : pat(dsn + i)))
				fail_msg("byte %u of [%#" PRIx64 ", +%u) is %u", i, dsn, len, p[b]);
		total += s->data_len;
		segs++;
	}
	assert_int_equal(total, len);
	assert_int_equal(m->nb_segs, segs);
}

/* Invariants of the queue; with ref, payload from ref at dsn - base. */
static void check_q(const struct mptcp_reass *q, const uint8_t *ref, uint64_t base)
{
	uint64_t bytes = 0;

	assert_true(q->n <= q->max);
	for (unsigned k = 0; k < q->n; k++) {
		const struct mptcp_reass_ent *e = &q->e[k];

		assert_true(e->len > 0);
		check_chain(e->m, e->dsn, e->len, ref ? ref + (e->dsn - base) : NULL);
		assert_ptr_equal(e->last, rte_pktmbuf_lastseg(e->m));
		if (k > 0) {
			const struct mptcp_reass_ent *p = &q->e[k - 1];

			/* Disjoint; touching only if too long to chain. */
			assert_true((int64_t)(e->dsn - (p->dsn + p->len)) >= 0);
			if (e->dsn == p->dsn + p->len)
				assert_true((unsigned)p->m->nb_segs + e->m->nb_segs >
					    RTE_MBUF_MAX_NB_SEGS);
		}
		bytes += e->len;
	}
	assert_int_equal(q->bytes, bytes);
	assert_int_equal(mptcp_reass_bytes(q), bytes);
	assert_int_equal(mptcp_reass_ranges(q), q->n);
	assert_int_equal(mptcp_reass_first(q), q->n > 0 ? q->e[0].dsn : 0);
}

/* The queue holds exactly these ranges ([start, end) pairs). */
static void expect_ranges(const struct mptcp_reass *q, unsigned n, const uint64_t (*r)[2])
{
	check_q(q, NULL, 0);
	assert_int_equal(q->n, n);
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(q->e[k].dsn, r[k][0]);
		assert_int_equal(q->e[k].dsn + q->e[k].len, r[k][1]);
	}
}

static void finish(struct mptcp_reass *q)
{
	mptcp_reass_fini(q);
	assert_int_equal(q->n, 0);
	assert_int_equal(q->bytes, 0);
	assert_null(q->e);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static void init(struct mptcp_reass *q, unsigned max)
{
	assert_int_equal(mptcp_reass_init(q, max), 0);
	assert_int_equal(q->max, max);
}

static enum mptcp_reass_result ins(struct mptcp_reass *q, uint64_t rcv_nxt, uint64_t dsn,
				   uint32_t len, uint32_t seg)
{
	return mptcp_reass_insert(q, rcv_nxt, dsn, mk(dsn, len, seg), len);
}

/* Pop and check one chain of len bytes from *nxt. */
static void pop_expect(struct mptcp_reass *q, uint64_t *nxt, uint32_t want)
{
	uint64_t from = *nxt;
	uint32_t len = 0;
	struct rte_mbuf *m = mptcp_reass_pop(q, nxt, &len);

	check_chain(m, from, want, NULL);
	assert_int_equal(len, want);
	assert_int_equal(*nxt, from + want);
	rte_pktmbuf_free(m);
}

/* --- scripted cases --------------------------------------------------------- */

static void test_init_fini(void **state)
{
	struct mptcp_reass q;
	uint64_t nxt = 7;
	uint32_t len = 99;

	(void)state;
	assert_int_equal(mptcp_reass_init(&q, 0), -EINVAL);
	/* No room at all: everything is FULL, and freed. */
	assert_int_equal(ins(&q, 0, 0, 10, 0), MPTCP_REASS_FULL);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	mptcp_reass_fini(&q);

	init(&q, 3);
	assert_int_equal(mptcp_reass_ranges(&q), 0);
	assert_int_equal(mptcp_reass_bytes(&q), 0);
	assert_int_equal(mptcp_reass_first(&q), 0);
	assert_null(mptcp_reass_pop(&q, &nxt, &len));
	assert_int_equal(len, 0);
	assert_int_equal(nxt, 7);
	assert_int_equal(ins(&q, nxt, 20, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(mptcp_reass_first(&q), 20);
	mptcp_reass_fini(&q); /* frees what is held */
	finish(&q); /* and again */
}

static void test_in_order(void **state)
{
	struct mptcp_reass q;
	uint64_t nxt = 5000;

	(void)state;
	init(&q, 4);
	for (unsigned k = 0; k < 5; k++) {
		assert_int_equal(ins(&q, nxt, nxt, 100, 0), MPTCP_REASS_QUEUED);
		assert_int_equal(mptcp_reass_bytes(&q), 100);
		pop_expect(&q, &nxt, 100);
		assert_int_equal(nxt, 5100 + 100 * k);
		assert_int_equal(q.n, 0);
		assert_int_equal(q.bytes, 0);
	}
	finish(&q);
}

static void test_hole_filled(void **state)
{
	struct mptcp_reass q;
	uint64_t nxt = 1000;
	uint32_t len;

	(void)state;
	init(&q, 4);
	assert_int_equal(ins(&q, nxt, 1100, 100, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 1300, 100, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 1500, 100, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 3,
		      (const uint64_t[][2]){ { 1100, 1200 }, { 1300, 1400 }, { 1500, 1600 } });
	assert_int_equal(ins(&q, nxt, 1200, 100, 0), MPTCP_REASS_QUEUED); /* joins two */
	expect_ranges(&q, 2, (const uint64_t[][2]){ { 1100, 1400 }, { 1500, 1600 } });
	assert_int_equal(q.e[0].m->nb_segs, 3); /* chained, not copied */
	assert_null(mptcp_reass_pop(&q, &nxt, &len));
	assert_int_equal(len, 0);
	assert_int_equal(ins(&q, nxt, 1000, 100, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 2, (const uint64_t[][2]){ { 1000, 1400 }, { 1500, 1600 } });
	assert_int_equal(q.e[0].m->nb_segs, 4);
	assert_int_equal(mptcp_reass_bytes(&q), 500);
	pop_expect(&q, &nxt, 400);
	assert_null(mptcp_reass_pop(&q, &nxt, &len));
	assert_int_equal(ins(&q, nxt, 1400, 100, 0), MPTCP_REASS_QUEUED);
	pop_expect(&q, &nxt, 200);
	finish(&q);
}

static void test_duplicates(void **state)
{
	struct mptcp_reass q;

	(void)state;
	init(&q, 4);
	assert_int_equal(ins(&q, 0, 100, 50, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(rte_mempool_in_use_count(pool), 1);
	assert_int_equal(ins(&q, 0, 100, 50, 0), MPTCP_REASS_DUPLICATE); /* exact */
	assert_int_equal(ins(&q, 0, 110, 20, 7), MPTCP_REASS_DUPLICATE); /* inside */
	assert_int_equal(ins(&q, 0, 100, 10, 0), MPTCP_REASS_DUPLICATE); /* at the start */
	assert_int_equal(ins(&q, 0, 140, 10, 3), MPTCP_REASS_DUPLICATE); /* at the end */
	assert_int_equal(ins(&q, 0, 100, 0, 0), MPTCP_REASS_DUPLICATE); /* empty */
	assert_int_equal(mptcp_reass_insert(&q, 0, 100, mk(100, 10, 0), 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(mptcp_reass_insert(&q, 0, 100, NULL, 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(rte_mempool_in_use_count(pool), 1);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 100, 150 } });
	assert_int_equal(q.bytes, 50);
	finish(&q);
}

static void test_partial_overlaps(void **state)
{
	struct mptcp_reass q;
	struct rte_mbuf *held;

	(void)state;
	init(&q, 4);
	assert_int_equal(ins(&q, 0, 100, 50, 0), MPTCP_REASS_QUEUED);
	held = q.e[0].m;
	/* Over the right edge: the held part is trimmed off the new one. */
	assert_int_equal(ins(&q, 0, 140, 30, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 100, 170 } });
	assert_int_equal(q.bytes, 70);
	/* Over the left edge. */
	assert_int_equal(ins(&q, 0, 80, 30, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 80, 170 } });
	assert_int_equal(q.bytes, 90);
	assert_ptr_equal(q.e[0].m->next, held); /* held bytes stay held */
	/* Touching on either side merges too. */
	assert_int_equal(ins(&q, 0, 170, 5, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 75, 5, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 75, 175 } });
	assert_int_equal(q.bytes, 100);
	assert_int_equal(q.e[0].m->nb_segs, 5);
	assert_int_equal(rte_mempool_in_use_count(pool), 5);
	/* Over both edges at once: the range lies inside the new segment,
	 * whose one mbuf now stands for all of it. */
	assert_int_equal(ins(&q, 0, 70, 110, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 70, 180 } });
	assert_int_equal(q.bytes, 110);
	assert_int_equal(q.e[0].m->nb_segs, 1);
	assert_int_equal(rte_mempool_in_use_count(pool), 1);
	finish(&q);
}

/* A segment sharing a range's start or end: the range covers that edge,
 * so its bytes stay and the segment is cut (not the other way round). */
static void test_shared_edges(void **state)
{
	struct mptcp_reass q;
	struct rte_mbuf *held;

	(void)state;
	init(&q, 4);
	assert_int_equal(ins(&q, 0, 100, 50, 0), MPTCP_REASS_QUEUED);
	held = q.e[0].m;
	assert_int_equal(ins(&q, 0, 80, 70, 0), MPTCP_REASS_QUEUED); /* same end */
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 80, 150 } });
	assert_ptr_equal(q.e[0].m->next, held);
	assert_int_equal(q.e[0].m->data_len, 20);
	held = q.e[0].m;
	assert_int_equal(ins(&q, 0, 80, 90, 0), MPTCP_REASS_QUEUED); /* same start */
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 80, 170 } });
	assert_ptr_equal(q.e[0].m, held);
	assert_int_equal(q.e[0].m->nb_segs, 3);
	assert_int_equal(rte_pktmbuf_lastseg(q.e[0].m)->data_len, 20);
	assert_int_equal(q.bytes, 90);
	assert_int_equal(rte_mempool_in_use_count(pool), 3);
	finish(&q);
}

/* One segment over several ranges and the gaps around them. */
static void test_cover_several(void **state)
{
	struct mptcp_reass q;
	struct rte_mbuf *l, *r, *s;

	(void)state;
	init(&q, 8);
	assert_int_equal(ins(&q, 0, 20, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 40, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 60, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 90, 10, 0), MPTCP_REASS_QUEUED);
	/* [10, 80) covers the first three wholly: they go, the new segment
	 * holds [10, 80) in one piece; [90, 100) is left alone. */
	assert_int_equal(ins(&q, 0, 10, 70, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 2, (const uint64_t[][2]){ { 10, 80 }, { 90, 100 } });
	assert_int_equal(q.bytes, 80);
	assert_int_equal(q.e[0].m->nb_segs, 1);
	assert_int_equal(rte_mempool_in_use_count(pool), 2);

	/* From inside the first range to inside the second: both ends are
	 * cut off the new segment, the held mbufs stay. */
	l = q.e[0].m;
	r = q.e[1].m;
	assert_int_equal(ins(&q, 0, 75, 20, 4), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 10, 100 } });
	assert_int_equal(q.bytes, 90);
	s = q.e[0].m;
	assert_ptr_equal(s, l);
	s = s->next;
	assert_int_equal(s->data_len, 3); /* [80, 83) of the segment [79, 83) */
	s = s->next;
	assert_int_equal(s->data_len, 4);
	s = s->next;
	assert_int_equal(s->data_len, 3); /* [87, 90) of [87, 91) */
	assert_ptr_equal(s->next, r);
	assert_int_equal(rte_mempool_in_use_count(pool), 5);
	mptcp_reass_fini(&q);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);

	/* Both: held at the ends trimmed off, held inside dropped, and the
	 * result is one range. */
	init(&q, 8);
	assert_int_equal(ins(&q, 0, 20, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 40, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 55, 5, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 70, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 200, 10, 0), MPTCP_REASS_QUEUED);
	l = q.e[0].m;
	r = q.e[3].m;
	assert_int_equal(ins(&q, 0, 25, 50, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 2, (const uint64_t[][2]){ { 20, 80 }, { 200, 210 } });
	assert_int_equal(q.bytes, 70);
	assert_ptr_equal(q.e[0].m, l);
	assert_int_equal(q.e[0].m->nb_segs, 3);
	assert_ptr_equal(q.e[0].m->next->next, r);
	assert_int_equal(rte_mempool_in_use_count(pool), 4);
	finish(&q);
}

static void test_below_rcv_nxt(void **state)
{
	struct mptcp_reass q;

	(void)state;
	init(&q, 4);
	assert_int_equal(ins(&q, 500, 400, 100, 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(ins(&q, 500, 400, 50, 0), MPTCP_REASS_DUPLICATE);
	/* Far below (more than 2^32): still below, not ahead; and 2^32 + 10
	 * below, all of it (not 10 bytes of it). */
	assert_int_equal(ins(&q, 1ull << 40, 500, 100, 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(ins(&q, (1ull << 32) + 510, 500, 100, 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	assert_int_equal(ins(&q, 500, 450, 100, 16), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 500, 550 } });
	assert_int_equal(q.bytes, 50);
	assert_int_equal(q.e[0].m->nb_segs, 4); /* 14 of 16, 16, 16, 4 */
	finish(&q);
}

/* Chains of short segments cut at both ends and in the middle, never on a
 * segment boundary; announced lengths that disagree with pkt_len. */
static void test_multiseg_trims(void **state)
{
	struct mptcp_reass q;

	(void)state;
	init(&q, 4);
	assert_int_equal(ins(&q, 0, 20, 10, 3), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 50, 10, 4), MPTCP_REASS_QUEUED);
	/* [3, 30): below rcv_nxt 10 (cut 7, on a boundary), then [20, 30)
	 * cut off the back inside a segment. */
	assert_int_equal(ins(&q, 10, 3, 27, 7), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 2, (const uint64_t[][2]){ { 10, 30 }, { 50, 60 } });
	/* [25, 55): both ends cut mid-segment. */
	assert_int_equal(ins(&q, 10, 25, 30, 6), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 10, 60 } });
	assert_int_equal(q.bytes, 50);
	/* Below rcv_nxt cut mid-segment, 50 held bytes cut off the front
	 * across many segments. */
	assert_int_equal(ins(&q, 10, 1, 120, 6), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 10, 121 } });
	/* pkt_len longer than announced: the extra is not held. */
	assert_int_equal(mptcp_reass_insert(&q, 10, 130, mk(130, 40, 6), 25), MPTCP_REASS_QUEUED);
	/* pkt_len shorter than announced: only what is there. */
	assert_int_equal(mptcp_reass_insert(&q, 10, 200, mk(200, 10, 0), 30), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 3, (const uint64_t[][2]){ { 10, 121 }, { 130, 155 }, { 200, 210 } });
	assert_int_equal(q.bytes, 111 + 25 + 10);
	finish(&q);
}

/* Pop hands out the first range trimmed to rcv_nxt, and drops what the
 * caller delivered by itself. */
static void test_pop_trims(void **state)
{
	struct mptcp_reass q;
	uint64_t nxt = 100;
	uint32_t len;

	(void)state;
	init(&q, 4);
	assert_int_equal(ins(&q, nxt, 110, 10, 3), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 130, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 150, 10, 0), MPTCP_REASS_QUEUED);
	nxt = 115; /* mid-segment */
	pop_expect(&q, &nxt, 5);
	assert_int_equal(q.bytes, 20);
	nxt = 155; /* past a whole range */
	pop_expect(&q, &nxt, 5);
	assert_int_equal(q.n, 0);
	assert_int_equal(q.bytes, 0);
	/* Straddling rcv_nxt with nothing at rcv_nxt itself afterwards. */
	assert_int_equal(ins(&q, nxt, 170, 10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 190, 10, 0), MPTCP_REASS_QUEUED);
	nxt = 175;
	pop_expect(&q, &nxt, 5);
	nxt = 185;
	assert_null(mptcp_reass_pop(&q, &nxt, &len));
	assert_int_equal(len, 0);
	assert_int_equal(nxt, 185);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 190, 200 } });
	mptcp_reass_fini(&q);

	/* Held data the caller has since delivered: an insert with the new
	 * rcv_nxt still joins it, pop then drops the stale front. */
	init(&q, 4);
	nxt = 100;
	assert_int_equal(ins(&q, nxt, 150, 50, 0), MPTCP_REASS_QUEUED);
	nxt = 170;
	assert_int_equal(ins(&q, nxt, 160, 60, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 150, 220 } });
	pop_expect(&q, &nxt, 50);
	assert_int_equal(q.bytes, 0);
	finish(&q);
}

/* DSNs close to 2^64: ranges across it, sorted by (int64_t)(a - b). */
static void test_wrap_2_64(void **state)
{
	struct mptcp_reass q;
	uint64_t nxt = 0xffffffffffffff00ull;

	(void)state;
	init(&q, 8);
	assert_int_equal(ins(&q, nxt, 0xfffffffffffffff0ull, 0x20, 5), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 0x40, 0x10, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 0xffffffffffffff80ull, 0x10, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 3,
		      (const uint64_t[][2]){ { 0xffffffffffffff80ull, 0xffffffffffffff90ull },
					     { 0xfffffffffffffff0ull, 0x10 },
					     { 0x40, 0x50 } });
	assert_int_equal(mptcp_reass_first(&q), 0xffffffffffffff80ull);
	/* Below rcv_nxt across 2^64 (the segment lies at rcv_nxt - 2^8). */
	assert_int_equal(ins(&q, 0x10, 0xfffffffffffffff8ull, 0x10, 0), MPTCP_REASS_DUPLICATE);
	/* Covers [-16, 0x10) wholly and reaches into [0x40, 0x50). */
	assert_int_equal(ins(&q, nxt, 0xffffffffffffffe0ull, 0x70, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 2,
		      (const uint64_t[][2]){ { 0xffffffffffffff80ull, 0xffffffffffffff90ull },
					     { 0xffffffffffffffe0ull, 0x50 } });
	assert_int_equal(q.bytes, 0x10 + 0x70);
	/* From below rcv_nxt to the first range: everything joins. */
	assert_int_equal(ins(&q, nxt, 0xfffffffffffffe00ull, 0x1e0, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { nxt, 0x50 } });
	pop_expect(&q, &nxt, 0x150);
	assert_int_equal(nxt, 0x50);
	assert_int_equal(q.n, 0);
	finish(&q);
}

/* Around 2^32, where 32-bit arithmetic would go wrong: ranges across it,
 * and DSNs 2^32 apart, which are different bytes. */
static void test_2_32(void **state)
{
	struct mptcp_reass q;
	const uint64_t g = 1ull << 32;
	uint64_t nxt = g - 0x100;
	uint32_t len;

	(void)state;
	init(&q, 8);
	assert_int_equal(ins(&q, nxt, g - 0x10, 0x20, 3), MPTCP_REASS_QUEUED); /* across 2^32 */
	assert_int_equal(ins(&q, nxt, g + 0x40, 0x10, 0), MPTCP_REASS_QUEUED);
	/* The first range plus 2^32: far ahead, not a duplicate of it. */
	assert_int_equal(ins(&q, nxt, 2 * g - 0x10, 0x20, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, g - 0x80, 0x10, 0), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 4,
		      (const uint64_t[][2]){ { g - 0x80, g - 0x70 },
					     { g - 0x10, g + 0x10 },
					     { g + 0x40, g + 0x50 },
					     { 2 * g - 0x10, 2 * g + 0x10 } });
	/* The first range's own DSN less 2^32: below rcv_nxt. */
	assert_int_equal(ins(&q, nxt, g - 0x80 - g, 0x10, 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(ins(&q, nxt, g - 0x70, 0xd0, 0), MPTCP_REASS_QUEUED);
	expect_ranges(
		&q, 2,
		(const uint64_t[][2]){ { g - 0x80, g + 0x60 }, { 2 * g - 0x10, 2 * g + 0x10 } });
	assert_int_equal(ins(&q, nxt, nxt, 0x80, 0), MPTCP_REASS_QUEUED);
	pop_expect(&q, &nxt, 0x160);
	assert_int_equal(nxt, g + 0x60);
	assert_null(mptcp_reass_pop(&q, &nxt, &len));
	nxt = 2 * g;
	pop_expect(&q, &nxt, 0x10);
	finish(&q);
}

static void test_full(void **state)
{
	enum { MAX = 8 };
	struct mptcp_reass q;
	const uint64_t b = 0xffffffffffffffc0ull; /* and across 2^64 */

	(void)state;
	init(&q, MAX);
	for (uint64_t k = 0; k < MAX; k++)
		assert_int_equal(ins(&q, b, b + 1 + 2 * k, 1, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(q.n, MAX);
	check_q(&q, NULL, 0);
	unsigned used = rte_mempool_in_use_count(pool);
	/* Beyond all ranges (across 2^64 too): no room, freed. */
	assert_int_equal(ins(&q, b, b + 200, 5, 2), MPTCP_REASS_FULL);
	assert_int_equal(ins(&q, b, b + 1000, 1, 0), MPTCP_REASS_FULL);
	assert_int_equal(rte_mempool_in_use_count(pool), used);
	assert_int_equal(ins(&q, b, b, 1, 0), MPTCP_REASS_QUEUED); /* touching: not FULL */
	assert_int_equal(q.n, MAX);
	assert_int_equal(rte_mempool_in_use_count(pool), used + 1);
	/* Touching the last, overlapping one, bridging two. */
	assert_int_equal(ins(&q, b, b + 2 * MAX, 3, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, b, b + 5, 1, 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(q.n, MAX);
	assert_int_equal(ins(&q, b, b + 2, 1, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(q.n, MAX - 1);
	assert_int_equal(ins(&q, b, b + 300, 1, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, b, b + 400, 1, 0), MPTCP_REASS_FULL);
	check_q(&q, NULL, 0);
	assert_int_equal(q.bytes, MAX + 1 + 3 + 1 + 1);
	/* Touching [b+5, b+6) and [b+15, b+19), covering the four between:
	 * five ranges fewer. */
	assert_int_equal(ins(&q, b, b + 6, 9, 0), MPTCP_REASS_QUEUED);
	expect_ranges(
		&q, 3,
		(const uint64_t[][2]){ { b, b + 4 }, { b + 5, b + 19 }, { b + 300, b + 301 } });
	assert_int_equal(ins(&q, b, b + 400, 1, 0), MPTCP_REASS_QUEUED);
	check_q(&q, NULL, 0);
	finish(&q);
}

/* --- the mbuf segment limit, with real chains ------------------------------- */

#define SEGS_MAX RTE_MBUF_MAX_NB_SEGS

/* Chains of one-byte segments up to the segment limit, from their own pool
 * of small mbufs (about 20 MiB). */
static struct rte_mempool *big_pool(void)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("mreass-big", SEGS_MAX + 64, 0, 0,
							 RTE_PKTMBUF_HEADROOM + 16, SOCKET_ID_ANY);

	assert_non_null(mp);
	return mp;
}

/* Touching ranges whose chains together would pass the limit stay apart,
 * and come out of pop one after the other. */
static void test_segment_limit(void **state)
{
	struct rte_mempool *mp = big_pool();
	struct mptcp_reass q;
	uint64_t nxt = 0;
	struct rte_mbuf *m;

	(void)state;
	init(&q, 4);
	assert_int_equal(
		mptcp_reass_insert(&q, nxt, 0, mk_from(mp, 0, SEGS_MAX - 5, 1), SEGS_MAX - 5),
		MPTCP_REASS_QUEUED);
	/* 10 more segments touching it: 5 too many to chain. */
	assert_int_equal(ins(&q, nxt, SEGS_MAX - 5, 10, 1), MPTCP_REASS_QUEUED);
	expect_ranges(&q, 2,
		      (const uint64_t[][2]){ { 0, SEGS_MAX - 5 }, { SEGS_MAX - 5, SEGS_MAX + 5 } });
	/* Across the two: nothing new. */
	assert_int_equal(ins(&q, nxt, SEGS_MAX - 10, 10, 0), MPTCP_REASS_DUPLICATE);
	assert_int_equal(ins(&q, nxt, 0, SEGS_MAX + 5, 1000), MPTCP_REASS_DUPLICATE);
	/* From inside the first past the second: cut off at both, joins
	 * the second. */
	assert_int_equal(ins(&q, nxt, SEGS_MAX - 20, 30, 0), MPTCP_REASS_QUEUED);
	expect_ranges(
		&q, 2,
		(const uint64_t[][2]){ { 0, SEGS_MAX - 5 }, { SEGS_MAX - 5, SEGS_MAX + 10 } });
	assert_int_equal(q.e[1].m->nb_segs, 11);
	/* From the second's start: it covers the front (it touches the
	 * first, so it never lies inside a segment), the rest joins it. */
	assert_int_equal(ins(&q, nxt, SEGS_MAX - 5, 20, 0), MPTCP_REASS_QUEUED);
	expect_ranges(
		&q, 2,
		(const uint64_t[][2]){ { 0, SEGS_MAX - 5 }, { SEGS_MAX - 5, SEGS_MAX + 15 } });
	assert_int_equal(q.e[1].m->nb_segs, 12);
	pop_expect(&q, &nxt, SEGS_MAX - 5);
	pop_expect(&q, &nxt, 20);
	assert_null(mptcp_reass_pop(&q, &nxt, &(uint32_t){ 0 }));
	mptcp_reass_fini(&q);

	/* A hole between a long range and a short one: the segment joins
	 * the one it can. */
	init(&q, 4);
	nxt = 0;
	m = mk_from(mp, 0, SEGS_MAX - 5, 1);
	assert_int_equal(mptcp_reass_insert(&q, nxt, 0, m, SEGS_MAX - 5), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, SEGS_MAX + 5, 10, 0), MPTCP_REASS_QUEUED);
	m = mk(SEGS_MAX - 5, 10, 1);
	assert_int_equal(mptcp_reass_insert(&q, nxt, SEGS_MAX - 5, m, 10), MPTCP_REASS_QUEUED);
	expect_ranges(
		&q, 2,
		(const uint64_t[][2]){ { 0, SEGS_MAX - 5 }, { SEGS_MAX - 5, SEGS_MAX + 15 } });
	assert_ptr_equal(q.e[1].m, m);
	assert_int_equal(q.e[1].m->nb_segs, 11);
	mptcp_reass_fini(&q);

	/* The other way round, exactly at the limit: 1 + 1 + (limit - 2)
	 * segments make one range, one more segment does not. */
	for (uint32_t extra = 0; extra < 2; extra++) {
		uint32_t rlen = SEGS_MAX - 2 + extra;

		init(&q, 4);
		assert_int_equal(ins(&q, 0, 0, 10, 0), MPTCP_REASS_QUEUED);
		m = mk_from(mp, 20, rlen, 1);
		assert_int_equal(mptcp_reass_insert(&q, 0, 20, m, rlen), MPTCP_REASS_QUEUED);
		assert_int_equal(ins(&q, 0, 10, 10, 0), MPTCP_REASS_QUEUED);
		if (extra == 0) {
			expect_ranges(&q, 1, (const uint64_t[][2]){ { 0, 20 + rlen } });
			assert_int_equal(q.e[0].m->nb_segs, SEGS_MAX);
		} else {
			expect_ranges(&q, 2, (const uint64_t[][2]){ { 0, 20 }, { 20, 20 + rlen } });
			assert_ptr_equal(q.e[1].m, m);
		}
		mptcp_reass_fini(&q);
	}

	/* No room for the range it would take: FULL, even though it touches. */
	init(&q, 1);
	nxt = 0;
	m = mk_from(mp, 0, SEGS_MAX - 5, 1);
	assert_int_equal(mptcp_reass_insert(&q, nxt, 0, m, SEGS_MAX - 5), MPTCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, SEGS_MAX - 5, 10, 1), MPTCP_REASS_FULL);
	assert_int_equal(ins(&q, nxt, SEGS_MAX - 5, 5, 1), MPTCP_REASS_QUEUED); /* just fits */
	expect_ranges(&q, 1, (const uint64_t[][2]){ { 0, SEGS_MAX } });
	assert_int_equal(q.e[0].m->nb_segs, SEGS_MAX);
	pop_expect(&q, &nxt, SEGS_MAX);
	finish(&q);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
}

/* Thousands of ranges, in shuffled order: the binary search keeps them
 * sorted, filling each hole joins three into one. */
static void test_many_ranges(void **state)
{
	enum { N = 4000 };
	struct mptcp_reass q;
	static unsigned order[N];
	const uint64_t base = 0xfffffffffffff000ull; /* across 2^64 halfway */
	uint64_t nxt = base;

	(void)state;
	rnd_state = 4242;
	for (unsigned k = 0; k < N; k++)
		order[k] = k;
	for (unsigned k = N - 1; k > 0; k--) {
		unsigned x = rnd() % (k + 1), t = order[k];

		order[k] = order[x];
		order[x] = t;
	}
	init(&q, N);
	/* [base + 2k + 1, +1) for every k: N ranges, none touching. */
	for (unsigned k = 0; k < N; k++)
		assert_int_equal(ins(&q, nxt, base + 2 * order[k] + 1, 1, 0), MPTCP_REASS_QUEUED);
	assert_int_equal(q.n, N);
	for (unsigned k = 0; k < N; k++)
		assert_int_equal(q.e[k].dsn, base + 2 * k + 1);
	assert_int_equal(ins(&q, nxt, base + 2 * N + 1, 1, 0), MPTCP_REASS_FULL);
	assert_int_equal(ins(&q, nxt, base + 2 * order[7] + 1, 1, 0), MPTCP_REASS_DUPLICATE);
	/* Fill the holes between them in the same shuffled order. */
	for (unsigned k = 0; k < N; k++) {
		unsigned before = q.n, h = order[k];

		if (h == 0)
			continue; /* the hole at rcv_nxt, last */
		assert_int_equal(ins(&q, nxt, base + 2 * h, 1, 0), MPTCP_REASS_QUEUED);
		assert_int_equal(q.n, before - 1);
	}
	check_q(&q, NULL, 0);
	expect_ranges(&q, 1, (const uint64_t[][2]){ { base + 1, base + 2 * N } });
	assert_int_equal(ins(&q, nxt, base, 1, 0), MPTCP_REASS_QUEUED);
	pop_expect(&q, &nxt, 2 * N);
	finish(&q);
}

/* --- random runs against a model --------------------------------------------- */

#define RND_OPS 20000
#define RND_STREAM (8u << 20)
#define RND_WIN 12000u
#define RND_RECENT 16 /* inserts remembered, to send again as duplicates */

struct model {
	const uint8_t *stream;
	uint64_t isn; /* DSN of stream offset 0 */
	uint32_t nxt; /* stream offsets from here on are not delivered */
	uint32_t hi; /* one past the highest offset ever held */
	uint8_t *have;
	uint64_t bytes;
	uint32_t recent[RND_RECENT][2]; /* offset, length */
	unsigned n_recent;
};

/* Maximal runs of held bytes: with no chain near the segment limit, the
 * queue's ranges. r may be NULL (just count). */
static unsigned model_ranges(const struct model *md, uint32_t (*r)[2], unsigned max)
{
	unsigned n = 0;

	for (uint32_t o = md->nxt; o < md->hi; o++) {
		if (!md->have[o])
			continue;
		assert_true(n < max);
		if (r != NULL)
			r[n][0] = o;
		while (o < md->hi && md->have[o])
			o++;
		if (r != NULL)
			r[n][1] = o;
		n++;
	}
	return n;
}

/* A chain of the stream's bytes [off, off + len): random piece sizes and
 * headroom; sometimes indirect, sharing buffers with a freed original. */
static struct rte_mbuf *rnd_chain(const struct model *md, uint32_t off, uint32_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t maxp = rnd() % 4 == 0 ? 1 + rnd() % 16 : 1 + rnd() % 600;

	for (uint32_t o = 0; o < len;) {
		uint32_t n = 1 + rnd() % maxp;

		if (n > len - o)
			n = len - o;
		add_seg(&head, &last,
			seg_of(pool, md->stream + off + o, (uint16_t)n, (uint16_t)(rnd() % 64)));
		o += n;
	}
	if (rnd() % 8 == 0) {
		struct rte_mbuf *c = rte_pktmbuf_clone(head, pool);

		assert_non_null(c);
		rte_pktmbuf_free(head);
		head = c;
	}
	return head;
}

/* Offsets are stream offsets, DSNs md->isn + offset. */
static enum mptcp_reass_result rnd_insert(struct mptcp_reass *q, struct model *md, unsigned mode)
{
	uint32_t off, len, end, a, fresh = 0, touched = 0;
	enum mptcp_reass_result want, got;

	if (md->n_recent > 0 && rnd() % 10 == 0) {
		/* Again, as a retransmission on another subflow would. */
		const uint32_t *r = md->recent[rnd() % md->n_recent];

		off = r[0];
		len = r[1];
	} else {
		if (rnd() % 10 == 0)
			off = md->nxt + rnd() % 3; /* keeps the stream moving */
		else
			off = md->nxt - (md->nxt < 100 ? md->nxt : 100) + rnd() % (RND_WIN + 100);
		len = mode == 1 ? 1 + rnd() % 8 : mode == 2 ? 1 + rnd() % 4000 : 1 + rnd() % 1460;
		if (off + len > md->nxt + RND_WIN)
			len = md->nxt + RND_WIN > off ? md->nxt + RND_WIN - off : 0;
		if (len == 0)
			return MPTCP_REASS_DUPLICATE;
		unsigned slot = md->n_recent < RND_RECENT ? md->n_recent++ : rnd() % RND_RECENT;

		md->recent[slot][0] = off;
		md->recent[slot][1] = len;
	}
	end = off + len;

	a = off > md->nxt ? off : md->nxt;
	for (uint32_t o = a; o < end; o++)
		fresh += !md->have[o];
	/* Held runs this one overlaps or touches: they become one range. */
	for (uint32_t from = a > 0 ? a - 1 : 0, o = from; o <= end; o++)
		touched += md->have[o] && (o == from || !md->have[o - 1]);
	if (fresh == 0)
		want = MPTCP_REASS_DUPLICATE;
	else if (touched == 0 && model_ranges(md, NULL, q->max + 1) == q->max)
		want = MPTCP_REASS_FULL;
	else
		want = MPTCP_REASS_QUEUED;

	got = mptcp_reass_insert(q, md->isn + md->nxt, md->isn + off, rnd_chain(md, off, len), len);
	assert_int_equal(got, want);
	if (got == MPTCP_REASS_FULL)
		return got;
	memset(md->have + a, 1, a < end ? end - a : 0);
	md->bytes += fresh;
	if (end > md->hi)
		md->hi = end;
	assert_int_equal(q->bytes, md->bytes);
	return got;
}

/* Pop what is in order; the bytes go to out, compared at the end. */
static void rnd_pop(struct mptcp_reass *q, struct model *md, uint8_t *out)
{
	uint64_t dsn = md->isn + md->nxt;
	uint32_t len, run = 0;
	struct rte_mbuf *m;

	while (md->nxt + run < md->hi && md->have[md->nxt + run])
		run++;
	m = mptcp_reass_pop(q, &dsn, &len);
	if (run == 0) {
		assert_null(m);
		return;
	}
	assert_non_null(m);
	assert_int_equal(len, run);
	assert_int_equal(dsn, md->isn + md->nxt + run);
	assert_int_equal(m->pkt_len, run);
	uint8_t *p = out + md->nxt;
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		memcpy(p, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		p += s->data_len;
	}
	assert_ptr_equal(p, out + md->nxt + run);
	rte_pktmbuf_free(m);
	memset(md->have + md->nxt, 0, run);
	md->nxt += run;
	md->bytes -= run;
	assert_int_equal(q->bytes, md->bytes);
}

static void check_model(const struct mptcp_reass *q, const struct model *md)
{
	static uint32_t r[RND_WIN][2];
	unsigned n = model_ranges(md, r, RND_WIN);

	check_q(q, md->stream, md->isn);
	assert_int_equal(q->n, n);
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(q->e[k].dsn, md->isn + r[k][0]);
		assert_int_equal(q->e[k].dsn + q->e[k].len, md->isn + r[k][1]);
	}
}

static void rnd_run(uint64_t seed, uint64_t isn, unsigned max)
{
	struct mptcp_reass q;
	struct model md = { 0 };
	uint8_t *stream = malloc(RND_STREAM), *out = malloc(RND_STREAM);
	unsigned mode = 0, fulls = 0, dups = 0;

	assert_non_null(stream);
	assert_non_null(out);
	rnd_state = seed;
	for (uint32_t o = 0; o < RND_STREAM; o++)
		stream[o] = (uint8_t)rnd();
	md.stream = stream;
	md.isn = isn;
	md.have = calloc(RND_STREAM + 1, 1);
	assert_non_null(md.have);
	init(&q, max);

	for (uint32_t op = 1; op <= RND_OPS; op++) {
		enum mptcp_reass_result res;

		/* Phases: ordinary segments, tiny ones (many ranges, FULL),
		 * large ones (covering several ranges). */
		if (op % 1000 == 0)
			mode = rnd() % 3;
		if (md.nxt + RND_WIN + 8000 > RND_STREAM)
			break;
		if (rnd() % 100 < 15) {
			rnd_pop(&q, &md, out);
		} else {
			res = rnd_insert(&q, &md, mode);
			fulls += res == MPTCP_REASS_FULL;
			dups += res == MPTCP_REASS_DUPLICATE;
		}
		if (op % 8 == 0)
			check_model(&q, &md);
	}
	check_model(&q, &md);
	assert_true(fulls > 0);
	assert_true(dups > 0);
	/* Fill every hole in order and drain. */
	while (q.n > 0) {
		uint32_t len = (uint32_t)(q.e[0].dsn - (md.isn + md.nxt));

		if (len == 0) {
			rnd_pop(&q, &md, out);
			continue;
		}
		assert_int_equal(mptcp_reass_insert(&q, md.isn + md.nxt, md.isn + md.nxt,
						    rnd_chain(&md, md.nxt, len), len),
				 MPTCP_REASS_QUEUED);
		md.bytes += len;
		memset(md.have + md.nxt, 1, len);
	}
	assert_int_equal(q.bytes, 0);
	assert_int_equal(md.bytes, 0);
	assert_true(md.nxt > 200000); /* the run went somewhere */
	assert_memory_equal(out, stream, md.nxt);
	print_message("random from %#" PRIx64 ", %u ranges: %u bytes delivered, %u duplicates, "
		      "%u FULL\n",
		      isn, max, md.nxt, dups, fulls);
	free(md.have);
	free(stream);
	free(out);
	finish(&q);
}

static void test_random(void **state)
{
	(void)state;
	rnd_run(0x5eed8684u, UINT64_MAX - 30000, 64); /* across 2^64 early */
	rnd_run(0x5eed0032u, (1ull << 32) - 30000, 300); /* across 2^32 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_fini),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_hole_filled),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_partial_overlaps),
		cmocka_unit_test(test_shared_edges),
		cmocka_unit_test(test_cover_several),
		cmocka_unit_test(test_below_rcv_nxt),
		cmocka_unit_test(test_multiseg_trims),
		cmocka_unit_test(test_pop_trims),
		cmocka_unit_test(test_wrap_2_64),
		cmocka_unit_test(test_2_32),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_segment_limit),
		cmocka_unit_test(test_many_ranges),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
