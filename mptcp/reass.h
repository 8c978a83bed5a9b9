/* SPDX-License-Identifier: BSD-3-Clause */
/* Connection-level out-of-order queue (internal to mptcp): data that came in
 * on the subflows ahead of the connection's data-level rcv_nxt, by 64-bit
 * data sequence number (DSN, RFC 8684 3.3). As tcpstack/tcp_reass.h, but
 * with no SACK blocks (MPTCP acknowledges data cumulatively only) and a
 * capacity chosen at init: with several subflows of different delays the
 * data arrives in many more disjoint ranges than on one TCP connection.
 *
 * Payload stays in the mbufs it arrived in: an entry is an mbuf chain whose
 * data starts at its first payload byte (headers already trimmed) and holds
 * exactly `len` bytes, pkt_len included. No copies: overlaps are cut off
 * with mbuf trims, contiguous entries are chained. A chain has at most
 * RTE_MBUF_MAX_NB_SEGS segments; two touching entries whose chains together
 * would have more stay apart (the only case of touching entries).
 *
 * DSNs compare as (int64_t)(a - b) < 0: everything held lies within 2^63 of
 * rcv_nxt (the receive window does), so the queue works across 2^64 too. */
#ifndef MPGW_MPTCP_REASS_H
#define MPGW_MPTCP_REASS_H

#include <stdint.h>

#include <rte_mbuf.h>

struct mptcp_reass_ent {
	uint64_t dsn;
	uint32_t len; /* == m->pkt_len > 0; fits: 65535 segments of 65535 bytes */
	struct rte_mbuf *m;
	struct rte_mbuf *last; /* last segment of m: chaining onto it is O(1) */
};

struct mptcp_reass {
	struct mptcp_reass_ent *e; /* sorted by dsn, disjoint */
	unsigned n;
	unsigned max; /* capacity of e */
	uint64_t bytes; /* payload bytes held */
};

/* An empty queue for at most @p max_ranges disjoint ranges (> 0). @return 0,
 * -EINVAL or -ENOMEM (q is then empty with no room: every insert is FULL,
 * fini is still fine). */
int mptcp_reass_init(struct mptcp_reass *q, unsigned max_ranges);
/* Free every mbuf held and the array. Twice is fine. */
void mptcp_reass_fini(struct mptcp_reass *q);

/* Results of mptcp_reass_insert(). */
enum mptcp_reass_result {
	MPTCP_REASS_QUEUED, /* some new bytes held */
	MPTCP_REASS_DUPLICATE, /* nothing new: m freed */
	MPTCP_REASS_FULL, /* no room for another range: m freed */
};

/**
 * Hold @p m: @p len payload bytes starting at data sequence number @p dsn
 * (the caller hands in-order data to the application itself; what lies
 * below @p rcv_nxt is cut off). Bytes already held at either end of the
 * segment are trimmed off it; held ranges lying wholly inside it are freed,
 * its own bytes standing for theirs (a DSN carries the same data whichever
 * subflow it came on, RFC 8684 3.3.1). Touching ranges are chained. Consumes
 * @p m in every case. Finding the place is a binary search.
 */
enum mptcp_reass_result mptcp_reass_insert(struct mptcp_reass *q, uint64_t rcv_nxt, uint64_t dsn,
					   struct rte_mbuf *m, uint32_t len);

/**
 * Take the data that has become in order: if the first range starts at (or
 * before) *rcv_nxt, return its chain (trimmed to start at *rcv_nxt), store
 * its length in *len and advance *rcv_nxt. NULL if none. One chain at a
 * time: call again until NULL (touching ranges too long to chain come one
 * after the other).
 */
struct rte_mbuf *mptcp_reass_pop(struct mptcp_reass *q, uint64_t *rcv_nxt, uint32_t *len);

/* Payload bytes held. */
uint64_t mptcp_reass_bytes(const struct mptcp_reass *q);
/* Ranges (entries) held. */
unsigned mptcp_reass_ranges(const struct mptcp_reass *q);
/* DSN of the first byte held; 0 when empty (check ranges first). */
uint64_t mptcp_reass_first(const struct mptcp_reass *q);

#endif
