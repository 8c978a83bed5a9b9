/* SPDX-License-Identifier: BSD-3-Clause */
/* The out-of-order queue, SACK blocks and mbuf chain helpers: scripted cases
 * (overlaps, multi-segment trims, wrap-around, FULL, RFC 2018 §5 examples)
 * and a seeded random run against a byte-array model. */
#include <stdbool.h>
#include <stdlib.h>

#include "tcpstack/tcp_reass.h"
#include "tcpstack/tcp_seq.h"
#include "tests/unit/ut.h"

static struct rte_mempool *pool;

static int setup(void **state)
{
	(void)state;
	if (ut_eal_pool() == NULL)
		return -1;
	/* Small buffers, many of them: the random run holds thousands of
	 * short segments. */
	pool = rte_pktmbuf_pool_create("reass", 16383, 0, 0, RTE_PKTMBUF_HEADROOM + 1024,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

/* Payload byte at sequence number s in the scripted tests: a function of s,
 * so any byte in the wrong place shows. */
static uint8_t pat(uint32_t s)
{
	return (uint8_t)((s * 2654435761u) >> 24 ^ s);
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

/* Append one segment; tcp_mbuf_chain would walk the chain every time. */
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

/* [seq, seq + len) of the pattern as a chain of segments of `seg` bytes
 * (the last one shorter; seg 0: one segment). */
static struct rte_mbuf *mk(uint32_t seq, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint8_t buf[1024];

	if (seg == 0)
		seg = len;
	for (uint32_t off = 0; off < len; off += seg) {
		uint32_t n = len - off < seg ? len - off : seg;

		assert_true(n <= sizeof(buf));
		for (uint32_t b = 0; b < n; b++)
			buf[b] = pat(seq + off + b);
		add_seg(&head, &last, seg_of(pool, buf, (uint16_t)n, (uint16_t)(off % 13)));
	}
	return head;
}

/* The chain is well formed (counts on the head) and holds the pattern for
 * [seq, seq + len) — or, with ref, ref's bytes. */
static void check_chain(const struct rte_mbuf *m, uint32_t seq, uint32_t len, const uint8_t *ref)
{
	uint32_t total = 0, i = 0;
	unsigned segs = 0;

	assert_non_null(m);
	assert_int_equal(m->pkt_len, len);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		/* Trims free what they empty; splits and merges make no empties. */
		assert_int_not_equal(s->data_len, 0);
		for (unsigned b = 0; b < s->data_len; b++, i++)
			if (p[b] != (ref ? ref[i] : pat(seq + i)))
				fail_msg("byte %u of [%u, +%u) is %u", i, seq, len, p[b]);
		total += s->data_len;
		segs++;
	}
	assert_int_equal(total, len);
	assert_int_equal(m->nb_segs, segs);
}

/* Invariants of the queue; with ref, payload from ref at seq - base. */
static void check_q(const struct tcp_reass *q, const uint8_t *ref, uint32_t base)
{
	uint32_t bytes = 0;

	assert_true(q->n <= TCP_REASS_MAX);
	for (unsigned k = 0; k < q->n; k++) {
		const struct tcp_reass_ent *e = &q->e[k];

		assert_true(e->len > 0);
		check_chain(e->m, e->seq, e->len, ref ? ref + (e->seq - base) : NULL);
		if (k > 0) /* disjoint and never adjacent */
			assert_true(seq_gt(e->seq, q->e[k - 1].seq + q->e[k - 1].len));
		bytes += e->len;
	}
	assert_int_equal(q->bytes, bytes);
	assert_true(q->n_recent <= TCP_OPTS_SACK_MAX && q->n_recent <= q->n);
	for (unsigned r = 0; r < q->n_recent; r++) {
		unsigned k;

		for (k = 0; k < q->n && q->e[k].seq != q->recent[r]; k++)
			;
		assert_true(k < q->n);
		for (unsigned r2 = 0; r2 < r; r2++)
			assert_int_not_equal(q->recent[r2], q->recent[r]);
	}
}

/* The queue holds exactly these ranges ([start, end) pairs). */
static void expect_ranges(const struct tcp_reass *q, unsigned n, const uint32_t (*r)[2])
{
	check_q(q, NULL, 0);
	assert_int_equal(q->n, n);
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(q->e[k].seq, r[k][0]);
		assert_int_equal(q->e[k].seq + q->e[k].len, r[k][1]);
	}
}

static void expect_sack(const struct tcp_reass *q, unsigned max, unsigned n, const uint32_t (*r)[2])
{
	struct tcp_sack_block b[TCP_REASS_MAX];

	assert_int_equal(tcp_reass_sack(q, b, max), n);
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(b[k].start, r[k][0]);
		assert_int_equal(b[k].end, r[k][1]);
	}
}

static void finish(struct tcp_reass *q)
{
	tcp_reass_clear(q);
	assert_int_equal(q->n, 0);
	assert_int_equal(q->bytes, 0);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static enum tcp_reass_result ins(struct tcp_reass *q, uint32_t rcv_nxt, uint32_t seq, uint32_t len,
				 uint32_t seg)
{
	return tcp_reass_insert(q, rcv_nxt, seq, mk(seq, len, seg), len);
}

/* --- chain helpers --------------------------------------------------------- */

static void test_trim_front(void **state)
{
	struct rte_mbuf *m = mk(1000, 60, 0);

	(void)state;
	/* 10 + 20 + 30 bytes; cut 25: the first segment goes, 15 off the
	 * second. */
	tcp_mbuf_trim_back(m, 50);
	assert_int_equal(tcp_mbuf_chain(m, mk(1010, 20, 0)), 0);
	assert_int_equal(tcp_mbuf_chain(m, mk(1030, 30, 0)), 0);
	check_chain(m, 1000, 60, NULL);
	assert_int_equal(rte_mempool_in_use_count(pool), 3);
	m = tcp_mbuf_trim_front(m, 25);
	check_chain(m, 1025, 35, NULL);
	assert_int_equal(m->nb_segs, 2);
	assert_int_equal(rte_mempool_in_use_count(pool), 2);
	/* Exactly on a boundary. */
	m = tcp_mbuf_trim_front(m, 5);
	check_chain(m, 1030, 30, NULL);
	assert_int_equal(rte_mempool_in_use_count(pool), 1);
	assert_ptr_equal(tcp_mbuf_trim_front(m, 0), m);
	assert_null(tcp_mbuf_trim_front(m, 30));
	assert_int_equal(rte_mempool_in_use_count(pool), 0);

	/* Empty leading segments go as well; more than held frees it all. */
	m = mk(0, 10, 0);
	tcp_mbuf_trim_back(m, 10);
	assert_int_equal(m->data_len, 0);
	assert_int_equal(tcp_mbuf_chain(m, mk(0, 10, 3)), 0);
	m = tcp_mbuf_trim_front(m, 4);
	check_chain(m, 4, 6, NULL);
	assert_int_equal(m->nb_segs, 3);
	assert_null(tcp_mbuf_trim_front(m, 1000));
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static void test_trim_back(void **state)
{
	struct rte_mbuf *m = mk(7, 50, 10);

	(void)state;
	tcp_mbuf_trim_back(m, 0);
	check_chain(m, 7, 50, NULL);
	tcp_mbuf_trim_back(m, 15); /* into the fourth segment */
	check_chain(m, 7, 35, NULL);
	assert_int_equal(rte_mempool_in_use_count(pool), 4);
	tcp_mbuf_trim_back(m, 5); /* onto a boundary */
	check_chain(m, 7, 30, NULL);
	assert_int_equal(rte_mempool_in_use_count(pool), 3);
	tcp_mbuf_trim_back(m, 29);
	check_chain(m, 7, 1, NULL);
	assert_int_equal(rte_mempool_in_use_count(pool), 1);
	tcp_mbuf_trim_back(m, 100); /* the head stays, empty */
	assert_int_equal(m->pkt_len, 0);
	assert_int_equal(m->data_len, 0);
	assert_int_equal(m->nb_segs, 1);
	assert_null(m->next);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

static void test_chain_limit(void **state)
{
	struct rte_mbuf *a = mk(0, 10, 0), *b = mk(10, 10, 5);

	(void)state;
	assert_int_equal(tcp_mbuf_chain(a, NULL), 0);
	a->nb_segs = RTE_MBUF_MAX_NB_SEGS - 1; /* pretend; restored below */
	assert_int_equal(tcp_mbuf_chain(a, b), -1);
	assert_null(a->next);
	assert_int_equal(a->pkt_len, 10);
	a->nb_segs = 1;
	assert_int_equal(tcp_mbuf_chain(a, b), 0);
	check_chain(a, 0, 20, NULL);
	assert_int_equal(b->pkt_len, 5); /* only the head carries totals */
	rte_pktmbuf_free(a);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* Trimming an indirect chain leaves the mbufs it shares buffers with alone. */
static void test_trim_clone(void **state)
{
	struct tcp_reass q;
	struct rte_mbuf *orig = mk(100, 30, 10), *c = rte_pktmbuf_clone(orig, pool);
	uint32_t nxt = 105, len;

	(void)state;
	tcp_reass_init(&q);
	assert_non_null(c);
	assert_int_equal(ins(&q, nxt, 115, 10, 0), TCP_REASS_QUEUED);
	/* The clone is cut below rcv_nxt, split at 115 (inside its second
	 * segment, with an indirect mbuf of an indirect one) and trimmed. */
	assert_int_equal(tcp_reass_insert(&q, nxt, 100, c, 30), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 105, 130 } });
	check_chain(orig, 100, 30, NULL);
	assert_int_equal(orig->data_len, 10);
	assert_int_equal(orig->next->data_len, 10);
	c = tcp_reass_pop(&q, &nxt, &len);
	check_chain(c, 105, 25, NULL);
	tcp_mbuf_trim_back(c, 12);
	check_chain(c, 105, 13, NULL);
	check_chain(orig, 100, 30, NULL);
	rte_pktmbuf_free(orig);
	check_chain(c, 105, 13, NULL); /* the buffers live on through c */
	rte_pktmbuf_free(c);
	finish(&q);
}

/* --- the queue ------------------------------------------------------------- */

static void test_in_order(void **state)
{
	struct tcp_reass q;
	struct rte_mbuf *m;
	uint32_t nxt = 5000, len = 99;

	(void)state;
	tcp_reass_init(&q);
	assert_null(tcp_reass_pop(&q, &nxt, &len));
	assert_int_equal(len, 0);
	for (unsigned k = 0; k < 5; k++) {
		assert_int_equal(ins(&q, nxt, nxt, 100, 0), TCP_REASS_QUEUED);
		assert_int_equal(q.bytes, 100);
		m = tcp_reass_pop(&q, &nxt, &len);
		check_chain(m, 5000 + 100 * k, 100, NULL);
		assert_int_equal(len, 100);
		assert_int_equal(nxt, 5100 + 100 * k);
		assert_int_equal(q.n, 0);
		assert_int_equal(q.bytes, 0);
		assert_int_equal(q.n_recent, 0);
		rte_pktmbuf_free(m);
	}
	finish(&q);
}

static void test_hole_filled(void **state)
{
	struct tcp_reass q;
	struct rte_mbuf *m;
	uint32_t nxt = 1000, len;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, nxt, 1100, 100, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 1300, 100, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 1200, 100, 0), TCP_REASS_QUEUED); /* joins both */
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 1100, 1400 } });
	assert_null(tcp_reass_pop(&q, &nxt, &len));
	assert_int_equal(ins(&q, nxt, 1000, 100, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 1000, 1400 } });
	assert_int_equal(q.e[0].m->nb_segs, 4); /* chained, not copied */
	m = tcp_reass_pop(&q, &nxt, &len);
	check_chain(m, 1000, 400, NULL);
	assert_int_equal(nxt, 1400);
	rte_pktmbuf_free(m);
	finish(&q);
}

static void test_duplicates(void **state)
{
	struct tcp_reass q;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, 0, 100, 50, 0), TCP_REASS_QUEUED);
	assert_int_equal(rte_mempool_in_use_count(pool), 1);
	assert_int_equal(ins(&q, 0, 100, 50, 0), TCP_REASS_DUPLICATE);
	assert_int_equal(ins(&q, 0, 110, 20, 7), TCP_REASS_DUPLICATE);
	assert_int_equal(ins(&q, 0, 100, 0, 0), TCP_REASS_DUPLICATE); /* empty */
	assert_int_equal(tcp_reass_insert(&q, 0, 100, NULL, 0), TCP_REASS_DUPLICATE);
	assert_int_equal(rte_mempool_in_use_count(pool), 1);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 100, 150 } });
	assert_int_equal(q.bytes, 50);
	finish(&q);
}

static void test_partial_overlaps(void **state)
{
	struct tcp_reass q;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, 0, 100, 50, 0), TCP_REASS_QUEUED);
	/* Over the right edge: the held part is trimmed off the new one. */
	assert_int_equal(ins(&q, 0, 140, 30, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 100, 170 } });
	assert_int_equal(q.bytes, 70);
	/* Over the left edge. */
	assert_int_equal(ins(&q, 0, 80, 30, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 80, 170 } });
	assert_int_equal(q.bytes, 90);
	/* Touching on either side merges too. */
	assert_int_equal(ins(&q, 0, 170, 5, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 75, 5, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 75, 175 } });
	assert_int_equal(q.bytes, 100);
	/* Over both edges at once. */
	assert_int_equal(ins(&q, 0, 70, 110, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 70, 180 } });
	assert_int_equal(q.bytes, 110);
	finish(&q);
}

/* One segment over three ranges and the gaps around them: the held bytes
 * stay, the new one is cut into its four missing pieces. */
static void test_cover_several(void **state)
{
	struct tcp_reass q;
	struct rte_mbuf *held[3];

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, 0, 20, 10, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 40, 10, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 60, 10, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 90, 10, 0), TCP_REASS_QUEUED);
	for (unsigned k = 0; k < 3; k++)
		held[k] = q.e[k].m;
	assert_int_equal(ins(&q, 0, 10, 70, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 2, (const uint32_t[][2]){ { 10, 80 }, { 90, 100 } });
	assert_int_equal(q.bytes, 80);
	/* Held mbufs kept, in order: piece, held, piece, held, piece, held,
	 * piece. Three of the pieces share the new buffer (indirect). */
	struct rte_mbuf *s = q.e[0].m;
	for (unsigned k = 0; k < 7; k++, s = s->next) {
		assert_non_null(s);
		if (k % 2)
			assert_ptr_equal(s, held[k / 2]);
		else
			assert_int_equal(s->data_len, 10);
	}
	assert_null(s);

	/* From inside the first range to inside the second. */
	assert_int_equal(ins(&q, 0, 75, 20, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 10, 100 } });
	assert_int_equal(q.bytes, 90);
	finish(&q);
}

static void test_below_rcv_nxt(void **state)
{
	struct tcp_reass q;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, 500, 400, 100, 0), TCP_REASS_DUPLICATE);
	assert_int_equal(ins(&q, 500, 400, 50, 0), TCP_REASS_DUPLICATE);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	assert_int_equal(ins(&q, 500, 450, 100, 16), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 500, 550 } });
	assert_int_equal(q.bytes, 50);
	finish(&q);
}

/* A chain of 7-byte segments cut at both ends and in the middle, never on a
 * segment boundary. */
static void test_multiseg_trims(void **state)
{
	struct tcp_reass q;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, 0, 20, 10, 3), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 50, 10, 4), TCP_REASS_QUEUED);
	/* [3, 80): below rcv_nxt 10 (cut 7, on a boundary), then pieces
	 * [10,20) [30,50) [60,80) cut at 20, 30, 50, 60. */
	assert_int_equal(ins(&q, 10, 3, 77, 7), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 10, 80 } });
	assert_int_equal(q.bytes, 70);
	/* Below rcv_nxt cut mid-segment, then 70 bytes held dropped from the
	 * front across many segments. */
	assert_int_equal(ins(&q, 10, 1, 120, 6), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 10, 121 } });
	/* pkt_len longer than announced: the extra is not held. */
	assert_int_equal(tcp_reass_insert(&q, 10, 130, mk(130, 40, 6), 25), TCP_REASS_QUEUED);
	/* pkt_len shorter than announced: only what is there. */
	assert_int_equal(tcp_reass_insert(&q, 10, 200, mk(200, 10, 0), 30), TCP_REASS_QUEUED);
	expect_ranges(&q, 3, (const uint32_t[][2]){ { 10, 121 }, { 130, 155 }, { 200, 210 } });
	assert_int_equal(q.bytes, 111 + 25 + 10);
	finish(&q);
}

static void test_wrap(void **state)
{
	struct tcp_reass q;
	struct rte_mbuf *m;
	uint32_t nxt = 0xffffff00u, len;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, nxt, 0xfffffff0u, 0x20, 5), TCP_REASS_QUEUED); /* across 2^32 */
	assert_int_equal(ins(&q, nxt, 0x40, 0x10, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 0xffffff80u, 0x10, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 3,
		      (const uint32_t[][2]){ { 0xffffff80u, 0xffffff90u },
					     { 0xfffffff0u, 0x10 },
					     { 0x40, 0x50 } });
	expect_sack(&q, 4, 3,
		    (const uint32_t[][2]){
			    { 0xffffff80u, 0xffffff90u }, { 0x40, 0x50 }, { 0xfffffff0u, 0x10 } });
	assert_int_equal(ins(&q, nxt, 0xffffffe0u, 0x70, 0), TCP_REASS_QUEUED);
	expect_ranges(&q, 2,
		      (const uint32_t[][2]){ { 0xffffff80u, 0xffffff90u }, { 0xffffffe0u, 0x50 } });
	assert_int_equal(q.bytes, 0x10 + 0x70);
	assert_int_equal(ins(&q, nxt, 0xfffffe00u, 0x1e0, 0), TCP_REASS_QUEUED);
	m = tcp_reass_pop(&q, &nxt, &len);
	check_chain(m, 0xffffff00u, 0x150, NULL);
	assert_int_equal(nxt, 0x50);
	assert_int_equal(q.n, 0);
	rte_pktmbuf_free(m);
	finish(&q);
}

static void test_full(void **state)
{
	struct tcp_reass q;
	const uint32_t b = 0xffffffc0u; /* and across 2^32 */

	(void)state;
	tcp_reass_init(&q);
	for (uint32_t k = 0; k < TCP_REASS_MAX; k++)
		assert_int_equal(ins(&q, b, b + 1 + 2 * k, 1, 0), TCP_REASS_QUEUED);
	assert_int_equal(q.n, TCP_REASS_MAX);
	check_q(&q, NULL, 0);
	unsigned used = rte_mempool_in_use_count(pool);
	/* Beyond all ranges: no room, freed. */
	assert_int_equal(ins(&q, b, b + 200, 5, 2), TCP_REASS_FULL);
	assert_int_equal(ins(&q, b, b, 1, 0), TCP_REASS_QUEUED); /* adjacent: not FULL */
	assert_int_equal(q.n, TCP_REASS_MAX);
	assert_int_equal(rte_mempool_in_use_count(pool), used + 1);
	/* Adjacent to the last, overlapping one, bridging two. */
	assert_int_equal(ins(&q, b, b + 2 * TCP_REASS_MAX, 3, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, b, b + 5, 1, 0), TCP_REASS_DUPLICATE);
	assert_int_equal(q.n, TCP_REASS_MAX);
	assert_int_equal(ins(&q, b, b + 2, 1, 0), TCP_REASS_QUEUED);
	assert_int_equal(q.n, TCP_REASS_MAX - 1);
	assert_int_equal(ins(&q, b, b + 300, 1, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, b, b + 400, 1, 0), TCP_REASS_FULL);
	check_q(&q, NULL, 0);
	assert_int_equal(q.bytes, TCP_REASS_MAX + 1 + 3 + 1 + 1);
	finish(&q);
}

/* A range whose chain would pass the mbuf segment limit is not grown. */
static void test_segment_limit(void **state)
{
	struct tcp_reass q;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, 0, 100, 10, 0), TCP_REASS_QUEUED);
	q.e[0].m->nb_segs = RTE_MBUF_MAX_NB_SEGS - 5; /* pretend; restored below */
	assert_int_equal(ins(&q, 0, 110, 10, 2), TCP_REASS_FULL);
	assert_int_equal(q.bytes, 10);
	assert_int_equal(ins(&q, 0, 200, 10, 2), TCP_REASS_QUEUED); /* a new range is fine */
	q.e[0].m->nb_segs = 1;
	assert_int_equal(ins(&q, 0, 110, 10, 2), TCP_REASS_QUEUED);
	expect_ranges(&q, 2, (const uint32_t[][2]){ { 100, 120 }, { 200, 210 } });
	finish(&q);
}

/* No mbuf to split the new segment with: the piece before the cut is held,
 * the rest dropped, and nothing leaks. */
static void test_split_no_mbuf(void **state)
{
	struct rte_mempool *tiny = rte_pktmbuf_pool_create(
		"reass-tiny", 3, 0, 0, RTE_PKTMBUF_HEADROOM + 256, SOCKET_ID_ANY);
	struct tcp_reass q;
	struct rte_mbuf *m, *hog[2];
	uint8_t buf[40];

	(void)state;
	assert_non_null(tiny);
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, 0, 10, 10, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, 0, 30, 10, 0), TCP_REASS_QUEUED);
	for (unsigned b = 0; b < sizeof(buf); b++)
		buf[b] = pat(b);
	m = seg_of(tiny, buf, 40, 0);
	assert_int_equal(rte_pktmbuf_alloc_bulk(tiny, hog, 2), 0);
	assert_int_equal(tcp_reass_insert(&q, 0, 0, m, 40), TCP_REASS_QUEUED);
	expect_ranges(&q, 2, (const uint32_t[][2]){ { 0, 20 }, { 30, 40 } });
	assert_int_equal(q.bytes, 30);
	assert_int_equal(rte_mempool_in_use_count(tiny), 3);
	/* With mbufs to spare the rest goes in (split at 30, then the piece
	 * beyond 30 freed as held). */
	rte_pktmbuf_free(hog[0]);
	rte_pktmbuf_free(hog[1]);
	m = seg_of(tiny, buf, 40, 0);
	assert_int_equal(tcp_reass_insert(&q, 0, 0, m, 40), TCP_REASS_QUEUED);
	expect_ranges(&q, 1, (const uint32_t[][2]){ { 0, 40 } });
	assert_int_equal(rte_mempool_in_use_count(tiny), 2);
	tcp_reass_clear(&q);
	assert_int_equal(rte_mempool_in_use_count(tiny), 0);
	rte_mempool_free(tiny);
	finish(&q);
}

/* Data the caller delivered itself is dropped by pop. */
static void test_pop_robust(void **state)
{
	struct tcp_reass q;
	struct rte_mbuf *m;
	uint32_t nxt = 100, len;

	(void)state;
	tcp_reass_init(&q);
	assert_int_equal(ins(&q, nxt, 110, 10, 3), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 130, 10, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 150, 10, 0), TCP_REASS_QUEUED);
	nxt = 115;
	m = tcp_reass_pop(&q, &nxt, &len);
	check_chain(m, 115, 5, NULL);
	assert_int_equal(len, 5);
	assert_int_equal(nxt, 120);
	rte_pktmbuf_free(m);
	assert_int_equal(q.bytes, 20);
	nxt = 155;
	m = tcp_reass_pop(&q, &nxt, &len);
	check_chain(m, 155, 5, NULL);
	assert_int_equal(nxt, 160);
	rte_pktmbuf_free(m);
	assert_int_equal(q.n, 0);
	assert_int_equal(q.bytes, 0);
	assert_int_equal(q.n_recent, 0);
	/* Straddling rcv_nxt with nothing at rcv_nxt itself afterwards. */
	assert_int_equal(ins(&q, nxt, 170, 10, 0), TCP_REASS_QUEUED);
	assert_int_equal(ins(&q, nxt, 190, 10, 0), TCP_REASS_QUEUED);
	nxt = 175;
	m = tcp_reass_pop(&q, &nxt, &len);
	check_chain(m, 175, 5, NULL);
	rte_pktmbuf_free(m);
	nxt = 185;
	assert_null(tcp_reass_pop(&q, &nxt, &len));
	assert_int_equal(len, 0);
	assert_int_equal(nxt, 185);
	expect_sack(&q, 4, 1, (const uint32_t[][2]){ { 190, 200 } });
	finish(&q);
}

/* In order data is handed to the queue and popped, as the engine may. */
static void arrive(struct tcp_reass *q, uint32_t *nxt, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m;
	uint32_t got;

	assert_int_not_equal(ins(q, *nxt, seq, len, 0), TCP_REASS_FULL);
	while ((m = tcp_reass_pop(q, nxt, &got)) != NULL)
		rte_pktmbuf_free(m);
}

/* RFC 2018 §5: eight 500-byte segments from 5000, ISN-shifted by base. */
static void rfc2018_case(uint32_t base)
{
	struct tcp_reass q;
	uint32_t nxt = base + 5000;

	tcp_reass_init(&q);
	/* Case 2: the first segment lost, the other seven arrive. */
	for (uint32_t k = 1; k < 8; k++) {
		arrive(&q, &nxt, base + 5000 + 500 * k, 500);
		assert_int_equal(nxt, base + 5000);
		expect_sack(&q, 4, 1,
			    (const uint32_t[][2]){ { base + 5500, base + 5500 + 500 * k } });
	}
	tcp_reass_clear(&q);

	/* Case 3: the 2nd, 4th, 6th and 8th lost. */
	nxt = base + 5000;
	arrive(&q, &nxt, base + 5000, 500);
	assert_int_equal(nxt, base + 5500);
	expect_sack(&q, 4, 0, NULL);
	arrive(&q, &nxt, base + 6000, 500);
	expect_sack(&q, 4, 1, (const uint32_t[][2]){ { base + 6000, base + 6500 } });
	arrive(&q, &nxt, base + 7000, 500);
	expect_sack(&q, 4, 2,
		    (const uint32_t[][2]){ { base + 7000, base + 7500 },
					   { base + 6000, base + 6500 } });
	arrive(&q, &nxt, base + 8000, 500);
	expect_sack(&q, 4, 3,
		    (const uint32_t[][2]){ { base + 8000, base + 8500 },
					   { base + 7000, base + 7500 },
					   { base + 6000, base + 6500 } });
	/* The 4th arrives: 6000-7500 first, then 8000-8500. */
	arrive(&q, &nxt, base + 6500, 500);
	assert_int_equal(nxt, base + 5500);
	expect_sack(&q, 4, 2,
		    (const uint32_t[][2]){ { base + 6000, base + 7500 },
					   { base + 8000, base + 8500 } });
	/* The 2nd arrives: ACK 7500, and 8000-8500 is left. */
	arrive(&q, &nxt, base + 5500, 500);
	assert_int_equal(nxt, base + 7500);
	expect_sack(&q, 4, 1, (const uint32_t[][2]){ { base + 8000, base + 8500 } });
	finish(&q);
}

static void test_sack_rfc2018(void **state)
{
	(void)state;
	rfc2018_case(0);
	rfc2018_case(0xffffe000u); /* the same across 2^32 */
	rfc2018_case(0x7fffec00u); /* and across 2^31 */
}

/* More ranges than blocks: most recently changed first, then the lowest of
 * those never or no longer among them; merges and pops keep it straight. */
static void test_sack_order(void **state)
{
	struct tcp_reass q;
	uint32_t nxt = 0;

	(void)state;
	tcp_reass_init(&q);
	for (uint32_t k = 1; k <= 6; k++)
		arrive(&q, &nxt, 100 * k, 10); /* [100,110) ... [600,610) */
	expect_sack(
		&q, 4, 4,
		(const uint32_t[][2]){ { 600, 610 }, { 500, 510 }, { 400, 410 }, { 300, 310 } });
	expect_sack(&q, 3, 3, (const uint32_t[][2]){ { 600, 610 }, { 500, 510 }, { 400, 410 } });
	expect_sack(&q, 8, 6,
		    (const uint32_t[][2]){ { 600, 610 },
					   { 500, 510 },
					   { 400, 410 },
					   { 300, 310 },
					   { 100, 110 },
					   { 200, 210 } });
	expect_sack(&q, 0, 0, NULL);
	/* A duplicate inside an old range makes it the first block. */
	arrive(&q, &nxt, 102, 3);
	expect_sack(
		&q, 4, 4,
		(const uint32_t[][2]){ { 100, 110 }, { 600, 610 }, { 500, 510 }, { 400, 410 } });
	/* Extending [200,210) at the front changes its start. */
	arrive(&q, &nxt, 195, 5);
	expect_sack(
		&q, 4, 4,
		(const uint32_t[][2]){ { 195, 210 }, { 100, 110 }, { 600, 610 }, { 500, 510 } });
	/* Joining [400,410) and [500,510): one block, first. */
	arrive(&q, &nxt, 405, 100);
	expect_sack(
		&q, 4, 4,
		(const uint32_t[][2]){ { 400, 510 }, { 195, 210 }, { 100, 110 }, { 600, 610 } });
	/* Popping [100,110) once the front fills: never reported again;
	 * [300,310) fills in, lowest of the rest. */
	arrive(&q, &nxt, 0, 150);
	assert_int_equal(nxt, 150);
	expect_sack(
		&q, 4, 4,
		(const uint32_t[][2]){ { 400, 510 }, { 195, 210 }, { 600, 610 }, { 300, 310 } });
	arrive(&q, &nxt, 150, 45);
	assert_int_equal(nxt, 210);
	expect_sack(&q, 4, 3, (const uint32_t[][2]){ { 400, 510 }, { 600, 610 }, { 300, 310 } });
	/* A segment below rcv_nxt changes nothing. */
	arrive(&q, &nxt, 0, 100);
	expect_sack(&q, 4, 3, (const uint32_t[][2]){ { 400, 510 }, { 600, 610 }, { 300, 310 } });
	finish(&q);
}

/* --- random run against a model ------------------------------------------- */

#define RND_OPS 20000
#define RND_STREAM (8u << 20)
#define RND_WIN 12000u

static uint64_t rnd_state;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 0x2545f4914f6cdd1dull) >> 32);
}

struct model {
	const uint8_t *stream;
	uint32_t isn;
	uint32_t nxt; /* stream offsets from here on are not delivered */
	uint32_t hi; /* one past the highest offset ever held */
	uint8_t *have;
	uint32_t *stamp; /* op that last brought this byte */
	uint32_t bytes;
};

struct mrange {
	uint32_t start, end, stamp;
};

static unsigned model_ranges(const struct model *md, struct mrange *r, unsigned max)
{
	unsigned n = 0;

	for (uint32_t o = md->nxt; o < md->hi; o++) {
		if (!md->have[o])
			continue;
		assert_true(n < max);
		r[n].start = o;
		r[n].stamp = 0;
		for (; o < md->hi && md->have[o]; o++)
			if (md->stamp[o] > r[n].stamp)
				r[n].stamp = md->stamp[o];
		r[n].end = o;
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

static void check_sack_model(const struct tcp_reass *q, const struct mrange *r, unsigned n,
			     unsigned max)
{
	struct tcp_sack_block b[TCP_REASS_MAX];
	bool used[TCP_REASS_MAX + 1] = { false };
	unsigned cnt = tcp_reass_sack(q, b, max), k = 0, rec = q->n_recent;

	assert_int_equal(cnt, n < max ? n : max);
	/* The first n_recent blocks: the most recently changed ranges, in
	 * that order. */
	for (; k < cnt && k < rec; k++) {
		unsigned best = n;

		for (unsigned x = 0; x < n; x++)
			if (!used[x] && (best == n || r[x].stamp > r[best].stamp))
				best = x;
		assert_true(best < n);
		used[best] = true;
		assert_int_equal(b[k].start, r[best].start);
		assert_int_equal(b[k].end, r[best].end);
	}
	/* Then the others, lowest first. */
	for (unsigned x = 0; x < n && k < cnt; x++) {
		if (used[x])
			continue;
		assert_int_equal(b[k].start, r[x].start);
		assert_int_equal(b[k].end, r[x].end);
		k++;
	}
}

/* Offsets are stream offsets, sequence numbers md->isn + offset. */
static enum tcp_reass_result rnd_insert(struct tcp_reass *q, struct model *md, uint32_t op,
					unsigned mode)
{
	uint32_t off, len, end, a, fresh = 0;
	bool touch = false;
	enum tcp_reass_result want, got;
	struct mrange r[TCP_REASS_MAX + 1];

	if (rnd() % 10 == 0)
		off = md->nxt + rnd() % 3; /* keeps the stream moving */
	else
		off = md->nxt - (md->nxt < 100 ? md->nxt : 100) + rnd() % (RND_WIN + 100);
	len = mode == 1 ? 1 + rnd() % 8 : mode == 2 ? 1 + rnd() % 4000 : 1 + rnd() % 1460;
	end = off + len;
	if (end > md->nxt + RND_WIN)
		end = md->nxt + RND_WIN;
	if (end <= off)
		return TCP_REASS_DUPLICATE;
	len = end - off;

	a = off > md->nxt ? off : md->nxt;
	for (uint32_t o = a; o < end; o++)
		fresh += !md->have[o];
	if (a > md->nxt && md->have[a - 1])
		touch = true;
	for (uint32_t o = a; o <= end && !touch; o++)
		touch = md->have[o];
	if (fresh == 0)
		want = TCP_REASS_DUPLICATE;
	else if (!touch && model_ranges(md, r, TCP_REASS_MAX + 1) == TCP_REASS_MAX)
		want = TCP_REASS_FULL;
	else
		want = TCP_REASS_QUEUED;

	got = tcp_reass_insert(q, md->isn + md->nxt, md->isn + off, rnd_chain(md, off, len), len);
	assert_int_equal(got, want);
	if (got == TCP_REASS_FULL)
		return got;
	for (uint32_t o = a; o < end; o++) {
		md->have[o] = 1;
		md->stamp[o] = op;
	}
	md->bytes += fresh;
	if (end > md->hi)
		md->hi = end;
	assert_int_equal(q->bytes, md->bytes);

	/* The block holding this segment comes first. */
	if (a < end) {
		struct tcp_sack_block b[1];

		assert_int_equal(tcp_reass_sack(q, b, 1), 1);
		assert_true(seq_leq(b[0].start, md->isn + a) && seq_geq(b[0].end, md->isn + end));
	}
	return got;
}

static void rnd_pop(struct tcp_reass *q, struct model *md, uint8_t *out)
{
	uint32_t seq = md->isn + md->nxt, len, run = 0;
	struct rte_mbuf *m;

	while (md->nxt + run < md->hi && md->have[md->nxt + run])
		run++;
	m = tcp_reass_pop(q, &seq, &len);
	if (run == 0) {
		assert_null(m);
		return;
	}
	assert_non_null(m);
	assert_int_equal(len, run);
	assert_int_equal(seq, md->isn + md->nxt + run);
	assert_int_equal(m->pkt_len, run);
	/* Copy out what the application would read; compared at the end. */
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

static void check_model(const struct tcp_reass *q, const struct model *md)
{
	struct mrange r[TCP_REASS_MAX + 1];
	unsigned n = model_ranges(md, r, TCP_REASS_MAX + 1);

	check_q(q, md->stream, md->isn);
	assert_int_equal(q->n, n);
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(q->e[k].seq, md->isn + r[k].start);
		assert_int_equal(q->e[k].seq + q->e[k].len, md->isn + r[k].end);
	}
	for (unsigned k = 0; k < n; k++) { /* the model in sequence numbers */
		r[k].start += md->isn;
		r[k].end += md->isn;
	}
	check_sack_model(q, r, n, 4);
	check_sack_model(q, r, n, 3);
}

static void test_random(void **state)
{
	struct tcp_reass q;
	struct model md = { 0 };
	uint8_t *stream = malloc(RND_STREAM), *out = malloc(RND_STREAM);
	unsigned mode = 0, fulls = 0;

	(void)state;
	assert_non_null(stream);
	assert_non_null(out);
	rnd_state = 0x5eed2018u;
	for (uint32_t o = 0; o < RND_STREAM; o++)
		stream[o] = (uint8_t)rnd();
	md.stream = stream;
	md.isn = 0xffffffffu - 30000; /* wraps early in the run */
	md.have = calloc(RND_STREAM + 1, 1);
	md.stamp = calloc(RND_STREAM + 1, sizeof(uint32_t));
	assert_non_null(md.have);
	assert_non_null(md.stamp);
	tcp_reass_init(&q);

	for (uint32_t op = 1; op <= RND_OPS; op++) {
		/* Phases: ordinary segments, tiny ones (many ranges, FULL),
		 * large ones (covering several ranges). */
		if (op % 1000 == 0)
			mode = rnd() % 3;
		if (md.nxt + RND_WIN + 8000 > RND_STREAM)
			break;
		if (rnd() % 100 < 15)
			rnd_pop(&q, &md, out);
		else
			fulls += rnd_insert(&q, &md, op, mode) == TCP_REASS_FULL;
		if (op % 8 == 0)
			check_model(&q, &md);
	}
	check_model(&q, &md);
	assert_true(fulls > 0);
	/* Fill every hole in order and drain. */
	while (q.n > 0) {
		uint32_t len = (uint32_t)(q.e[0].seq - (md.isn + md.nxt));
		if (len == 0) {
			rnd_pop(&q, &md, out);
			continue;
		}
		assert_int_equal(tcp_reass_insert(&q, md.isn + md.nxt, md.isn + md.nxt,
						  rnd_chain(&md, md.nxt, len), len),
				 TCP_REASS_QUEUED);
		md.bytes += len;
		for (uint32_t o = md.nxt; o < md.nxt + len; o++)
			md.have[o] = 1;
	}
	assert_int_equal(q.bytes, 0);
	assert_int_equal(md.bytes, 0);
	assert_true(md.nxt > 200000); /* the run went somewhere */
	assert_memory_equal(out, stream, md.nxt);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	print_message("random: %u bytes delivered, %u segments refused as FULL\n", md.nxt, fulls);
	free(md.have);
	free(md.stamp);
	free(stream);
	free(out);
	finish(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trim_front),     cmocka_unit_test(test_trim_back),
		cmocka_unit_test(test_chain_limit),    cmocka_unit_test(test_trim_clone),
		cmocka_unit_test(test_in_order),       cmocka_unit_test(test_hole_filled),
		cmocka_unit_test(test_duplicates),     cmocka_unit_test(test_partial_overlaps),
		cmocka_unit_test(test_cover_several),  cmocka_unit_test(test_below_rcv_nxt),
		cmocka_unit_test(test_multiseg_trims), cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_full),	       cmocka_unit_test(test_segment_limit),
		cmocka_unit_test(test_split_no_mbuf),  cmocka_unit_test(test_pop_robust),
		cmocka_unit_test(test_sack_rfc2018),   cmocka_unit_test(test_sack_order),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
