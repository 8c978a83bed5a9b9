/* SPDX-License-Identifier: BSD-3-Clause */
/* The sender's SACK scoreboard (RFC 6675), internal to tcpstack: which bytes
 * above snd_una the peer reported holding, so that loss recovery resends
 * only the holes, as many per RTT as the congestion window allows, instead
 * of NewReno's one per RTT. */
#ifndef MPGW_TCPSTACK_TCP_SACK_H
#define MPGW_TCPSTACK_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpstack/tcp_options.h"

#define TCP_SB_MAX 16 /* disjoint SACKed ranges kept */

struct tcp_scoreboard {
	struct tcp_sack_block b[TCP_SB_MAX]; /* sorted, disjoint, above snd_una */
	unsigned n;
	uint32_t sacked; /* bytes in b[] */
	uint32_t high_rxt; /* resent up to here in this recovery (RFC 6675 HighRxt) */
};

void tcp_sb_clear(struct tcp_scoreboard *sb);
/* Merge blocks from an ACK; those not within (snd_una, snd_max] are
 * ignored (RFC 2018: a receiver's report of old data, or nonsense). */
void tcp_sb_update(struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
		   const struct tcp_sack_block *blk, unsigned n);
/* snd_una moved: forget what lies below it. */
void tcp_sb_ack(struct tcp_scoreboard *sb, uint32_t snd_una);
/* One past the highest SACKed byte, or @snd_una if none. */
uint32_t tcp_sb_high(const struct tcp_scoreboard *sb, uint32_t snd_una);
/* SACKed bytes at or above @seq. */
uint32_t tcp_sb_sacked_above(const struct tcp_scoreboard *sb, uint32_t seq);
/* The first hole (unSACKed bytes) starting at or after @from, below the
 * highest SACKed byte: its start and length. false if none. */
bool tcp_sb_next_hole(const struct tcp_scoreboard *sb, uint32_t from, uint32_t *start,
		      uint32_t *len);
/* Bytes in holes at or above @from (below the highest SACKed byte). */
uint32_t tcp_sb_holes_above(const struct tcp_scoreboard *sb, uint32_t from);

#endif
