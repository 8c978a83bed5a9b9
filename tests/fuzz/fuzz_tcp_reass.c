/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the out-of-order queue (tcpstack/tcp_reass.c) against a
 * byte-map model.
 *
 * Input: 4 bytes of initial sequence number (big-endian; missing bytes are
 * 0), then 4-byte operations [op, a, b, c]:
 *   op & 7 in 0..5  insert [rcv_nxt - 256 + (a << 8 | b) % (WIN + 256), + c + 1)
 *                   as a chain of pieces of size PIECE[op >> 3 & 7] (0: one
 *                   segment), as indirect clones if op & 0x40, with c % 8
 *                   extra bytes beyond the announced length if op & 0x80;
 *   op & 7 == 6     the caller delivers a + 1 in-order bytes itself, then pops;
 *   op & 7 == 7     pop.
 * After every operation: the result is the model's, the queue holds exactly
 * the model's ranges with the right bytes, accounting and SACK blocks are
 * consistent; at the end, clearing the queue gives every mbuf back.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "tcpstack/tcp_reass.h"
#include "tests/unit/ut_eal.h"
#include "tcpstack/tcp_seq.h"
#include "tests/fuzz/fuzz.h"

#define WIN 4096u /* insertions start below rcv_nxt + WIN */
#define SPAN (WIN + 256u) /* held data lies in [rcv_nxt, rcv_nxt + SPAN) */
/* The model's byte map covers [base, base + MAP); it slides by MAP / 2 once
 * rcv_nxt is past the first half, so it always covers [nxt, nxt + SPAN). */
#define MAP 16384u
#define FULL_CHECK 16 /* every so many operations, check every held byte */
#define MAX_OPS 256 /* operations per input; the rest is ignored (run time) */

_Static_assert(MAP / 2 + SPAN <= MAP, "byte map too small");

static struct rte_mempool *pool;

/* Once, from the first input: libFuzzer and the standalone driver alike. */
static void setup(void)
{
	if (pool != NULL)
		return;
	FUZZ_CHECK(ut_eal_start("fuzz-reass") == 0, "rte_eal_init failed");
	/* One byte per mbuf over the whole span fits. The per-lcore cache
	 * hands back recently freed (warm) mbufs; in-use counts include it. */
	pool = rte_pktmbuf_pool_create("fuzz_reass", 8191, 256, 0, RTE_PKTMBUF_HEADROOM + 512,
				       SOCKET_ID_ANY);
	FUZZ_CHECK(pool != NULL, "cannot create the mbuf pool");
}

/* The stream's byte at sequence number s. */
static uint8_t pat(uint32_t s)
{
	return (uint8_t)((s * 2654435761u) >> 24 ^ s);
}

struct model {
	uint32_t nxt; /* rcv_nxt */
	uint32_t hi; /* one past the highest byte ever held */
	uint32_t bytes; /* held */
	uint32_t last_start, last_end; /* the last segment that landed in a range */
	bool last_valid;
	uint32_t clock; /* insertions that landed in a range so far */
	uint32_t base; /* sequence number of have[0]; nxt - base < MAP / 2 */
	uint8_t have[MAP]; /* 1: held; 0 below nxt and from hi on */
	/* When each byte last came in: a range was changed (RFC 2018's "most
	 * recently reported") as late as its latest byte. */
	uint32_t stamp[MAP];
};

static bool has(const struct model *md, uint32_t s)
{
	return seq_geq(s, md->nxt) && seq_lt(s, md->hi) && md->have[s - md->base];
}

static void set(struct model *md, uint32_t s, uint8_t v)
{
	md->have[s - md->base] = v;
}

/* Keep [nxt, nxt + SPAN) inside the map. */
static void slide(struct model *md)
{
	if (md->nxt - md->base < MAP / 2)
		return;
	memmove(md->have, md->have + MAP / 2, MAP / 2);
	memset(md->have + MAP / 2, 0, MAP / 2);
	memmove(md->stamp, md->stamp + MAP / 2, MAP / 2 * sizeof(md->stamp[0]));
	md->base += MAP / 2;
}

static struct rte_mbuf *build(uint32_t seq, uint32_t len, uint32_t piece, bool clone,
			      uint32_t extra)
{
	struct rte_mbuf *head = NULL, *last = NULL;

	if (piece == 0)
		piece = len + extra;
	for (uint32_t o = 0; o < len + extra;) {
		uint32_t n = len + extra - o < piece ? len + extra - o : piece;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *p;

		FUZZ_CHECK(m != NULL, "pool empty");
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(n + o % 17));
		FUZZ_CHECK(p != NULL, "no room");
		rte_pktmbuf_adj(m, (uint16_t)(o % 17)); /* vary data_off */
		p = rte_pktmbuf_mtod(m, uint8_t *);
		for (uint32_t b = 0; b < n; b++)
			p[b] = o + b < len ? pat(seq + o + b) : (uint8_t)~pat(seq + o + b);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
		o += n;
	}
	if (clone) {
		struct rte_mbuf *c = rte_pktmbuf_clone(head, pool);

		FUZZ_CHECK(c != NULL, "pool empty");
		rte_pktmbuf_free(head);
		head = c;
	}
	return head;
}

/* A well-formed chain holding the stream's [seq, seq + len). */
static void check_chain(const struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	uint32_t i = 0;
	unsigned segs = 0;

	FUZZ_CHECK(m != NULL, "no chain for %u", seq);
	FUZZ_CHECK(m->pkt_len == len, "pkt_len %u, len %u", m->pkt_len, len);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next, segs++) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		/* Trims free what they empty; splits and merges make no empties. */
		FUZZ_CHECK(s->data_len > 0, "empty segment %u", segs);
		for (unsigned b = 0; b < s->data_len; b++, i++)
			FUZZ_CHECK(p[b] == pat(seq + i), "byte at %u", seq + i);
	}
	FUZZ_CHECK(i == len, "chain holds %u, pkt_len %u", i, len);
	FUZZ_CHECK(m->nb_segs == segs, "nb_segs %u, %u segments", m->nb_segs, segs);
}

/* The model's next range at or after *pos: false if none. */
static bool next_range(const struct model *md, uint32_t *pos, uint32_t *start, uint32_t *len)
{
	const uint8_t *p = md->have + (*pos - md->base), *hi = md->have + (md->hi - md->base);
	const uint8_t *r, *r_end;

	if (p >= hi || (r = memchr(p, 1, (size_t)(hi - p))) == NULL)
		return false;
	r_end = memchr(r, 0, (size_t)(hi - r));
	if (r_end == NULL)
		r_end = hi;
	*start = md->base + (uint32_t)(r - md->have);
	*len = (uint32_t)(r_end - r);
	*pos = *start + *len;
	return true;
}

/* Blocks are held ranges, each once, as many as fit, the first holding the
 * latest segment. With when (each range's latest change), RFC 2018 order:
 * the n_recent most recently changed ranges, latest first, then the
 * others, lowest first. */
static void check_sack(const struct tcp_reass *q, const struct model *md, const uint32_t *when,
		       unsigned max)
{
	struct tcp_sack_block b[TCP_REASS_MAX];
	bool used[TCP_REASS_MAX] = { false };
	unsigned n = tcp_reass_sack(q, b, max), k, e;

	FUZZ_CHECK(n == (q->n < max ? q->n : max), "%u SACK blocks of at most %u", n, max);
	if (n > 0 && md->last_valid)
		FUZZ_CHECK(seq_leq(b[0].start, md->last_start) && seq_geq(b[0].end, md->last_end),
			   "first block [%u, %u) misses [%u, %u)", b[0].start, b[0].end,
			   md->last_start, md->last_end);
	for (k = 0; k < n; k++) {
		if (when == NULL || k >= q->n_recent) {
			for (e = 0; e < q->n && (used[e] || q->e[e].seq != b[k].start); e++)
				;
		} else {
			e = q->n;
			for (unsigned x = 0; x < q->n; x++)
				if (!used[x] && (e == q->n || when[x] > when[e]))
					e = x;
		}
		FUZZ_CHECK(e < q->n && !used[e] && b[k].start == q->e[e].seq &&
				   b[k].end == q->e[e].seq + q->e[e].len,
			   "block %u [%u, %u) of %u", k, b[k].start, b[k].end, n);
		used[e] = true;
	}
	/* The others: lowest first. */
	if (when != NULL)
		for (k = q->n_recent + 1; k < n; k++)
			FUZZ_CHECK(seq_lt(b[k - 1].start, b[k].start), "block %u out of order", k);
}

/* The model's ranges, in order, are the queue's entries. With all, every
 * chain's bytes and the SACK order are checked, else only the chain with the
 * latest segment and the first block. */
static void check_queue(const struct tcp_reass *q, const struct model *md, bool all)
{
	static const unsigned maxes[] = { 0, 1, 3, TCP_OPTS_SACK_MAX, TCP_REASS_MAX };
	uint32_t pos = md->nxt, start, len, bytes = 0, when[TCP_REASS_MAX];
	unsigned k = 0;

	while (next_range(md, &pos, &start, &len)) {
		FUZZ_CHECK(k < q->n, "queue lacks [%u, +%u)", start, len);
		FUZZ_CHECK(q->e[k].seq == start && q->e[k].len == len,
			   "entry %u is [%u, +%u), model [%u, +%u)", k, q->e[k].seq, q->e[k].len,
			   start, len);
		if (all || (md->last_valid && seq_in(md->last_start, start, start + len)))
			check_chain(q->e[k].m, start, len);
		else
			FUZZ_CHECK(q->e[k].m != NULL && q->e[k].m->pkt_len == len,
				   "entry %u pkt_len", k);
		when[k] = 0;
		for (uint32_t i = start - md->base; all && i < start - md->base + len; i++)
			when[k] = md->stamp[i] > when[k] ? md->stamp[i] : when[k];
		bytes += len;
		k++;
	}
	FUZZ_CHECK(k == q->n, "queue has %u ranges, model %u", q->n, k);
	FUZZ_CHECK(q->bytes == bytes && bytes == md->bytes, "bytes %u, model %u/%u", q->bytes,
		   bytes, md->bytes);

	/* recent[]: distinct starts of held ranges, the latest change first. */
	FUZZ_CHECK(q->n_recent <= TCP_OPTS_SACK_MAX && q->n_recent <= q->n, "n_recent %u",
		   q->n_recent);
	for (unsigned r = 0; r < q->n_recent; r++) {
		unsigned e;

		for (e = 0; e < q->n && q->e[e].seq != q->recent[r]; e++)
			;
		FUZZ_CHECK(e < q->n, "recent[%u] = %u is no range", r, q->recent[r]);
		for (unsigned r2 = 0; r2 < r; r2++)
			FUZZ_CHECK(q->recent[r2] != q->recent[r], "recent[%u] twice", r);
	}
	if (md->last_valid)
		FUZZ_CHECK(q->n_recent > 0, "the latest range is not in recent[]");
	for (unsigned x = 0; x < sizeof(maxes) / sizeof(maxes[0]); x++)
		check_sack(q, md, all ? when : NULL, maxes[x]);
}

static void insert(struct tcp_reass *q, struct model *md, const uint8_t *op)
{
	static const uint32_t piece_sz[8] = { 0, 1, 2, 7, 16, 64, 128, 255 };
	uint32_t seq = md->nxt - 256 + (uint32_t)(op[1] << 8 | op[2]) % SPAN;
	uint32_t len = 1 + op[3], end = seq + len, a = seq_max(seq, md->nxt), fresh = 0;
	uint32_t extra = op[0] & 0x80 ? op[3] % 8 : 0;
	bool touch = false;
	unsigned ranges = 0;
	enum tcp_reass_result want, got;

	for (uint32_t s = a; seq_lt(s, end); s++)
		fresh += !has(md, s);
	for (uint32_t s = a - 1; seq_leq(s, end) && !touch; s++)
		touch = has(md, s);
	if (fresh > 0 && !touch)
		for (uint32_t pos = md->nxt, start, n; next_range(md, &pos, &start, &n);)
			ranges++;
	if (fresh == 0)
		want = TCP_REASS_DUPLICATE;
	else if (!touch && ranges == TCP_REASS_MAX)
		want = TCP_REASS_FULL;
	else
		want = TCP_REASS_QUEUED;

	got = tcp_reass_insert(q, md->nxt, seq,
			       build(seq, len, piece_sz[op[0] >> 3 & 7], op[0] & 0x40, extra), len);
	FUZZ_CHECK(got == want, "insert [%u, %u) at rcv_nxt %u: %d, model %d", seq, end, md->nxt,
		   got, want);
	if (got == TCP_REASS_FULL || !seq_lt(a, end))
		return;
	md->clock++;
	for (uint32_t s = a; seq_lt(s, end); s++) {
		set(md, s, 1);
		md->stamp[s - md->base] = md->clock;
	}
	md->bytes += fresh;
	if (seq_gt(end, md->hi))
		md->hi = end;
	md->last_start = a;
	md->last_end = end;
	md->last_valid = true;
}

static void pop(struct tcp_reass *q, struct model *md)
{
	uint32_t nxt = md->nxt, len = 0, run = 0;
	struct rte_mbuf *m;

	while (has(md, md->nxt + run))
		run++;
	m = tcp_reass_pop(q, &nxt, &len);
	if (run == 0) {
		FUZZ_CHECK(m == NULL && len == 0 && nxt == md->nxt, "pop gave %u bytes", len);
		return;
	}
	FUZZ_CHECK(len == run && nxt == md->nxt + run, "pop %u bytes, model %u", len, run);
	check_chain(m, md->nxt, len);
	rte_pktmbuf_free(m);
	for (uint32_t s = md->nxt; s != nxt; s++)
		set(md, s, 0);
	md->nxt = nxt;
	slide(md);
	md->bytes -= run;
	if (md->last_valid && seq_lt(md->last_start, nxt))
		md->last_valid = false; /* popped: reported no more */
}

/* The caller hands n in-order bytes to the application without the queue:
 * the queue drops what it held of them when next popped. */
static void deliver(struct tcp_reass *q, struct model *md, uint32_t n)
{
	for (uint32_t s = md->nxt; s != md->nxt + n; s++) {
		if (has(md, s)) {
			md->bytes--;
			set(md, s, 0);
		}
	}
	md->nxt += n;
	if (seq_lt(md->hi, md->nxt))
		md->hi = md->nxt;
	slide(md);
	if (md->last_valid && seq_lt(md->last_start, md->nxt))
		md->last_valid = false;
	pop(q, md);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model md; /* 80 KiB: not on the stack */
	struct tcp_reass q;
	size_t ops = size > 4 ? (size - 4) / 4 : 0;

	setup();
	memset(&md, 0, sizeof(md));
	for (size_t i = 0; i < 4; i++)
		md.nxt = md.nxt << 8 | (i < size ? data[i] : 0);
	md.hi = md.nxt;
	md.base = md.nxt;
	tcp_reass_init(&q);
	if (ops > MAX_OPS)
		ops = MAX_OPS;
	for (size_t k = 0; k < ops; k++) {
		const uint8_t *op = data + 4 + 4 * k;

		switch (op[0] & 7) {
		case 6:
			deliver(&q, &md, 1u + op[1]);
			break;
		case 7:
			pop(&q, &md);
			break;
		default:
			insert(&q, &md, op);
			break;
		}
		check_queue(&q, &md, k % FULL_CHECK == FULL_CHECK - 1 || k + 1 == ops);
	}
	tcp_reass_clear(&q);
	FUZZ_CHECK(q.n == 0 && q.bytes == 0, "clear left %u ranges", q.n);
	FUZZ_CHECK(rte_mempool_in_use_count(pool) == 0, "%u mbufs leaked",
		   rte_mempool_in_use_count(pool));
	return 0;
}
