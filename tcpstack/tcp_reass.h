/* SPDX-License-Identifier: BSD-3-Clause */
/* Out-of-order receive queue and the SACK blocks it implies (RFC 2018),
 * internal to tcpstack. Payload stays in the mbufs it arrived in: an entry
 * is an mbuf chain whose data starts at its first payload byte (headers
 * already trimmed) and holds exactly `len` bytes. No copies: overlaps are
 * cut off with mbuf trims, contiguous entries are chained. */
#ifndef MPGW_TCPSTACK_TCP_REASS_H
#define MPGW_TCPSTACK_TCP_REASS_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "tcpstack/tcp_options.h"

#define TCP_REASS_MAX 64 /* disjoint ranges held at most */

struct tcp_reass_ent {
	uint32_t seq;
	uint32_t len;
	struct rte_mbuf *m;
};

struct tcp_reass {
	struct tcp_reass_ent e[TCP_REASS_MAX]; /* sorted by seq, disjoint */
	unsigned n;
	uint32_t bytes; /* payload bytes held */
	/* Starts of ranges, most recently changed first: RFC 2018 wants the
	 * block holding the latest segment first, then the others recently
	 * reported, most recent first. */
	uint32_t recent[TCP_OPTS_SACK_MAX];
	unsigned n_recent;
};

void tcp_reass_init(struct tcp_reass *q);
/* Free every mbuf held. */
void tcp_reass_clear(struct tcp_reass *q);

/* Results of tcp_reass_insert(). */
enum tcp_reass_result {
	TCP_REASS_QUEUED, /* some new bytes held */
	TCP_REASS_DUPLICATE, /* nothing new: m freed */
	TCP_REASS_FULL, /* no room for another range: m freed */
};

/**
 * Hold segment @p m (@p len payload bytes starting at @p seq, all above
 * @p rcv_nxt — the caller hands in-order data to the application itself).
 * Bytes already held, or below rcv_nxt, are trimmed off; adjacent ranges
 * merge. Consumes @p m in every case.
 */
enum tcp_reass_result tcp_reass_insert(struct tcp_reass *q, uint32_t rcv_nxt, uint32_t seq,
				       struct rte_mbuf *m, uint32_t len);

/**
 * Take the data that has become in order: if the first range starts at (or
 * before) *rcv_nxt, return it as one mbuf chain (trimmed to start at
 * *rcv_nxt), store its length in *len and advance *rcv_nxt. NULL if none.
 */
struct rte_mbuf *tcp_reass_pop(struct tcp_reass *q, uint32_t *rcv_nxt, uint32_t *len);

/** SACK blocks to send, RFC 2018 order, at most @p max. @return count. */
unsigned tcp_reass_sack(const struct tcp_reass *q, struct tcp_sack_block *out, unsigned max);

/* mbuf chain helpers, also used by the engine. */
/* Remove @p n bytes from the front of chain @p m; emptied leading segments
 * are freed. @return the new head (NULL if the chain is now empty). */
struct rte_mbuf *tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n);
/* Remove @p n bytes from the end of chain @p m (emptied trailing segments are
 * freed); the head stays. */
void tcp_mbuf_trim_back(struct rte_mbuf *m, uint32_t n);
/* Append chain @p tail to chain @p head (rte_pktmbuf_chain without its
 * segment-count limit failing silently). @return 0, or -1 if too many segments. */
int tcp_mbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail);

#endif
