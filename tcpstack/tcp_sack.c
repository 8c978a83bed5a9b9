/* SPDX-License-Identifier: BSD-3-Clause */
/* The sender's SACK scoreboard: see tcp_sack.h. */
#include <string.h>

#include "tcpstack/tcp_sack.h"
#include "tcpstack/tcp_seq.h"

void tcp_sb_clear(struct tcp_scoreboard *sb)
{
	memset(sb, 0, sizeof(*sb));
}

static void recount(struct tcp_scoreboard *sb)
{
	sb->sacked = 0;
	for (unsigned i = 0; i < sb->n; i++)
		sb->sacked += sb->b[i].end - sb->b[i].start;
}

/* Insert one block, keeping b[] sorted and disjoint (merging neighbours). */
static void insert(struct tcp_scoreboard *sb, uint32_t start, uint32_t end)
{
	unsigned i = 0, j;

	while (i < sb->n && seq_lt(sb->b[i].end, start))
		i++;
	/* b[i..j) touch or overlap [start, end): they merge into one. */
	for (j = i; j < sb->n && seq_leq(sb->b[j].start, end); j++) {
		start = seq_min(start, sb->b[j].start);
		end = seq_max(end, sb->b[j].end);
	}
	if (j == i) {
		if (sb->n == TCP_SB_MAX) {
			/* Full: keep the lowest ranges, which recovery needs first. */
			if (i == sb->n)
				return;
			sb->n--;
		}
		memmove(&sb->b[i + 1], &sb->b[i], (sb->n - i) * sizeof(sb->b[0]));
		sb->n++;
	} else if (j > i + 1) {
		memmove(&sb->b[i + 1], &sb->b[j], (sb->n - j) * sizeof(sb->b[0]));
		sb->n -= j - i - 1;
	}
	sb->b[i].start = start;
	sb->b[i].end = end;
}

void tcp_sb_update(struct tcp_scoreboard *sb, uint32_t snd_una, uint32_t snd_max,
		   const struct tcp_sack_block *blk, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint32_t s = blk[k].start, e = blk[k].end;
		if (!seq_lt(s, e) || seq_leq(e, snd_una) || seq_gt(e, snd_max))
			continue;
		insert(sb, seq_max(s, snd_una), e);
	}
	recount(sb);
}

void tcp_sb_ack(struct tcp_scoreboard *sb, uint32_t snd_una)
{
	unsigned drop = 0;

	while (drop < sb->n && seq_leq(sb->b[drop].end, snd_una))
		drop++;
	memmove(&sb->b[0], &sb->b[drop], (sb->n - drop) * sizeof(sb->b[0]));
	sb->n -= drop;
	if (sb->n != 0 && seq_lt(sb->b[0].start, snd_una))
		sb->b[0].start = snd_una;
	if (seq_lt(sb->high_rxt, snd_una))
		sb->high_rxt = snd_una;
	recount(sb);
}

uint32_t tcp_sb_high(const struct tcp_scoreboard *sb, uint32_t snd_una)
{
	return sb->n == 0 ? snd_una : sb->b[sb->n - 1].end;
}

uint32_t tcp_sb_sacked_above(const struct tcp_scoreboard *sb, uint32_t seq)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < sb->n; i++)
		if (seq_gt(sb->b[i].end, seq))
			sum += sb->b[i].end - seq_max(sb->b[i].start, seq);
	return sum;
}

bool tcp_sb_next_hole(const struct tcp_scoreboard *sb, uint32_t from, uint32_t *start,
		      uint32_t *len)
{
	for (unsigned i = 0; i < sb->n; i++) {
		if (seq_leq(sb->b[i].end, from))
			continue;
		if (seq_lt(from, sb->b[i].start)) {
			*start = from;
			*len = sb->b[i].start - from;
			return true;
		}
		from = sb->b[i].end; /* inside a SACKed range: skip past it */
	}
	return false;
}

uint32_t tcp_sb_holes_above(const struct tcp_scoreboard *sb, uint32_t from)
{
	uint32_t sum = 0, s, l;

	while (tcp_sb_next_hole(sb, from, &s, &l)) {
		sum += l;
		from = s + l;
	}
	return sum;
}
