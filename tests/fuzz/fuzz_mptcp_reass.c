/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the MPTCP data-level out-of-order queue (mptcp/reass.c)
 * against a byte-map model.
 *
 * Input: 8 bytes of initial rcv_nxt (big-endian; missing bytes are 0), one
 * byte of capacity (1 + byte % 64 ranges), then 4-byte operations
 * [op, a, b, c]:
 *   op & 7 in 0..5  insert [rcv_nxt - 256 + (a << 8 | b) % (WIN + 256), + len)
 *                   with len = c + 1, or 8 * c + 1 if op & 7 == 5 (covering
 *                   many ranges), as a chain of pieces of size
 *                   PIECE[op >> 3 & 7], as indirect clones if op & 0x40, with
 *                   c % 8 extra bytes beyond the announced length if op & 0x80;
 *   op & 7 == 6     the caller delivers a + 1 in-order bytes itself, then pops;
 *   op & 7 == 7     pop.
 * After every operation: the result is the model's, the queue holds exactly
 * the model's ranges (no chain comes near the segment limit here, so
 * touching ranges are always joined) with the right bytes, and the
 * accounting is consistent; at the end, fini gives every mbuf back.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "mptcp/reass.h"
#include "tests/unit/ut_eal.h"
#include "tests/fuzz/fuzz.h"

#define WIN 4096u /* insertions start below rcv_nxt + WIN */
#define SPAN (WIN + 256u) /* inserts start in [rcv_nxt - 256, rcv_nxt + WIN) */
#define LEN_MAX (8u * 255 + 1) /* longest insert */
/* The model's byte map covers [base, base + MAP); it slides by MAP / 2 once
 * rcv_nxt is past the first half, so it always covers what can be held. */
#define MAP 16384u
#define SEG_MAX 512u /* bytes per segment at most */
#define FULL_CHECK 16 /* every so many operations, check every held byte */
#define MAX_OPS 256 /* operations per input; the rest is ignored (run time) */
#define HDR 9 /* rcv_nxt and capacity */

_Static_assert(MAP / 2 + WIN + LEN_MAX <= MAP, "byte map too small");

static struct rte_mempool *pool;

/* Once, from the first input: libFuzzer and the standalone driver alike. */
static void setup(void)
{
	if (pool != NULL)
		return;
	FUZZ_CHECK(ut_eal_start("fuzz-mreass") == 0, "rte_eal_init failed");
	/* One byte per mbuf over all that can be held, twice (clones keep
	 * their direct mbufs), and an insert as large again. The per-lcore
	 * cache hands back recently freed (warm) mbufs; in-use counts
	 * include it. */
	pool = rte_pktmbuf_pool_create("fuzz_mreass", 16383, 256, 0,
				       RTE_PKTMBUF_HEADROOM + SEG_MAX + 16, SOCKET_ID_ANY);
	FUZZ_CHECK(pool != NULL, "cannot create the mbuf pool");
}

static bool lt(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

/* The stream's byte at DSN s: depends on all 64 bits. */
static uint8_t pat(uint64_t s)
{
	return (uint8_t)((s * 0x9e3779b97f4a7c15ull) >> 56 ^ s);
}

struct model {
	uint64_t nxt; /* rcv_nxt */
	uint64_t hi; /* one past the highest byte ever held */
	uint64_t bytes; /* held */
	uint64_t base; /* DSN of have[0]; nxt - base < MAP / 2 */
	uint8_t have[MAP]; /* 1: held; 0 below nxt and from hi on */
};

static bool has(const struct model *md, uint64_t s)
{
	return !lt(s, md->nxt) && lt(s, md->hi) && md->have[s - md->base];
}

static void set(struct model *md, uint64_t s, uint8_t v)
{
	md->have[s - md->base] = v;
}

/* Keep what can be held inside the map. */
static void slide(struct model *md)
{
	if (md->nxt - md->base < MAP / 2)
		return;
	memmove(md->have, md->have + MAP / 2, MAP / 2);
	memset(md->have + MAP / 2, 0, MAP / 2);
	md->base += MAP / 2;
}

static struct rte_mbuf *build(uint64_t dsn, uint32_t len, uint32_t piece, bool clone,
			      uint32_t extra)
{
	struct rte_mbuf *head = NULL, *last = NULL;

	if (piece == 0)
		piece = SEG_MAX;
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
			p[b] = o + b < len ? pat(dsn + o + b) : (uint8_t)~pat(dsn + o + b);
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

/* A well-formed chain holding the stream's [dsn, dsn + len). */
static void check_chain(const struct rte_mbuf *m, uint64_t dsn, uint32_t len)
{
	uint32_t i = 0;
	unsigned segs = 0;

	FUZZ_CHECK(m != NULL, "no chain for %#llx", (unsigned long long)dsn);
	FUZZ_CHECK(m->pkt_len == len, "pkt_len %u, len %u", m->pkt_len, len);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next, segs++) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		/* Trims free what they empty; merges make no empties. */
		FUZZ_CHECK(s->data_len > 0, "empty segment %u", segs);
		for (unsigned b = 0; b < s->data_len; b++, i++)
			FUZZ_CHECK(p[b] == pat(dsn + i), "byte at %#llx",
				   (unsigned long long)(dsn + i));
	}
	FUZZ_CHECK(i == len, "chain holds %u, pkt_len %u", i, len);
	FUZZ_CHECK(m->nb_segs == segs, "nb_segs %u, %u segments", m->nb_segs, segs);
}

/* The model's next range at or after *pos: false if none. */
static bool next_range(const struct model *md, uint64_t *pos, uint64_t *start, uint32_t *len)
{
	const uint8_t *p = md->have + (*pos - md->base), *hi = md->have + (md->hi - md->base);
	const uint8_t *r, *r_end;

	if (p >= hi || (r = memchr(p, 1, (size_t)(hi - p))) == NULL)
		return false;
	r_end = memchr(r, 0, (size_t)(hi - r));
	if (r_end == NULL)
		r_end = hi;
	*start = md->base + (uint64_t)(r - md->have);
	*len = (uint32_t)(r_end - r);
	*pos = *start + *len;
	return true;
}

static unsigned model_ranges(const struct model *md)
{
	uint64_t pos = md->nxt, start;
	unsigned n = 0;
	uint32_t len;

	while (next_range(md, &pos, &start, &len))
		n++;
	return n;
}

/* The model's ranges, in order, are the queue's entries. With all, every
 * chain's bytes are checked, else only lengths (a long chain takes a while
 * to walk). */
static void check_queue(const struct mptcp_reass *q, const struct model *md, bool all)
{
	uint64_t pos = md->nxt, start, bytes = 0;
	uint32_t len;
	unsigned k = 0;

	FUZZ_CHECK(q->n <= q->max, "%u ranges, room for %u", q->n, q->max);
	while (next_range(md, &pos, &start, &len)) {
		FUZZ_CHECK(k < q->n, "queue lacks [%#llx, +%u)", (unsigned long long)start, len);
		const struct mptcp_reass_ent *e = &q->e[k];

		FUZZ_CHECK(e->dsn == start && e->len == len,
			   "entry %u is [%#llx, +%u), model [%#llx, +%u)", k,
			   (unsigned long long)e->dsn, e->len, (unsigned long long)start, len);
		if (all)
			check_chain(e->m, start, len);
		else
			FUZZ_CHECK(e->m != NULL && e->m->pkt_len == len, "entry %u pkt_len", k);
		/* Walking to the end is what check_chain costs: only then. */
		FUZZ_CHECK(e->last != NULL && e->last->next == NULL &&
				   (!all || e->last == rte_pktmbuf_lastseg(e->m)),
			   "entry %u: last is not last", k);
		bytes += len;
		k++;
	}
	FUZZ_CHECK(k == q->n, "queue has %u ranges, model %u", q->n, k);
	FUZZ_CHECK(q->bytes == bytes && bytes == md->bytes && mptcp_reass_bytes(q) == bytes,
		   "bytes %llu, model %llu/%llu", (unsigned long long)q->bytes,
		   (unsigned long long)bytes, (unsigned long long)md->bytes);
	FUZZ_CHECK(mptcp_reass_ranges(q) == q->n, "ranges()");
	FUZZ_CHECK(mptcp_reass_first(q) == (q->n > 0 ? q->e[0].dsn : 0), "first()");
}

static void insert(struct mptcp_reass *q, struct model *md, const uint8_t *op)
{
	static const uint32_t piece_sz[8] = { 0, 1, 2, 7, 16, 64, 128, 255 };
	uint64_t dsn = md->nxt - 256 + (uint32_t)(op[1] << 8 | op[2]) % SPAN;
	uint32_t len = (op[0] & 7) == 5 ? 8u * op[3] + 1 : 1u + op[3], fresh = 0;
	uint64_t end = dsn + len, a = lt(dsn, md->nxt) ? md->nxt : dsn;
	uint32_t extra = op[0] & 0x80 ? op[3] % 8 : 0;
	bool touch = false;
	enum mptcp_reass_result want, got;

	for (uint64_t s = a; lt(s, end); s++)
		fresh += !has(md, s);
	for (uint64_t s = a - 1; !lt(end, s) && !touch; s++)
		touch = has(md, s);
	if (fresh == 0)
		want = MPTCP_REASS_DUPLICATE;
	else if (!touch && model_ranges(md) == q->max)
		want = MPTCP_REASS_FULL;
	else
		want = MPTCP_REASS_QUEUED;

	got = mptcp_reass_insert(q, md->nxt, dsn,
				 build(dsn, len, piece_sz[op[0] >> 3 & 7], op[0] & 0x40, extra),
				 len);
	FUZZ_CHECK(got == want, "insert [%#llx, %#llx) at rcv_nxt %#llx: %d, model %d",
		   (unsigned long long)dsn, (unsigned long long)end, (unsigned long long)md->nxt,
		   got, want);
	if (got != MPTCP_REASS_QUEUED)
		return;
	for (uint64_t s = a; lt(s, end); s++)
		set(md, s, 1);
	md->bytes += fresh;
	if (lt(md->hi, end))
		md->hi = end;
}

static void pop(struct mptcp_reass *q, struct model *md)
{
	uint64_t nxt = md->nxt;
	uint32_t len = 0, run = 0;
	struct rte_mbuf *m;

	while (has(md, md->nxt + run))
		run++;
	m = mptcp_reass_pop(q, &nxt, &len);
	if (run == 0) {
		FUZZ_CHECK(m == NULL && len == 0 && nxt == md->nxt, "pop gave %u bytes", len);
		return;
	}
	FUZZ_CHECK(m != NULL && len == run && nxt == md->nxt + run, "pop %u bytes, model %u", len,
		   run);
	check_chain(m, md->nxt, len);
	rte_pktmbuf_free(m);
	for (uint64_t s = md->nxt; s != nxt; s++)
		set(md, s, 0);
	md->nxt = nxt;
	slide(md);
	md->bytes -= run;
}

/* The caller hands n in-order bytes to the application without the queue:
 * the queue drops what it held of them when next popped. */
static void deliver(struct mptcp_reass *q, struct model *md, uint32_t n)
{
	for (uint64_t s = md->nxt; s != md->nxt + n; s++) {
		if (has(md, s)) {
			md->bytes--;
			set(md, s, 0);
		}
	}
	md->nxt += n;
	if (lt(md->hi, md->nxt))
		md->hi = md->nxt;
	slide(md);
	pop(q, md);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model md; /* 16 KiB: not on the stack */
	struct mptcp_reass q;
	size_t ops = size > HDR ? (size - HDR) / 4 : 0;

	setup();
	memset(&md, 0, sizeof(md));
	for (size_t i = 0; i < 8; i++)
		md.nxt = md.nxt << 8 | (i < size ? data[i] : 0);
	md.hi = md.nxt;
	md.base = md.nxt;
	FUZZ_CHECK(mptcp_reass_init(&q, 1u + (size > 8 ? data[8] % 64u : 0)) == 0, "init");
	if (ops > MAX_OPS)
		ops = MAX_OPS;
	for (size_t k = 0; k < ops; k++) {
		const uint8_t *op = data + HDR + 4 * k;

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
	mptcp_reass_fini(&q);
	FUZZ_CHECK(q.n == 0 && q.bytes == 0 && q.e == NULL, "fini left %u ranges", q.n);
	FUZZ_CHECK(rte_mempool_in_use_count(pool) == 0, "%u mbufs leaked",
		   rte_mempool_in_use_count(pool));
	return 0;
}
