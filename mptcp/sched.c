/* SPDX-License-Identifier: BSD-3-Clause */
/* Round-robin, lowest-RTT-first and redundant schedulers. */
#include <stddef.h>
#include <string.h>

#include "mptcp/sched.h"

/* Each chunk to the next subflow in turn (the reference design's default):
 * with subflows that keep up, every path gets its share. */
static unsigned rr_pick(const struct mptcp_sched_cand *c, unsigned n, unsigned *cursor,
			unsigned *out)
{
	(void)c;
	out[0] = *cursor % n;
	*cursor = out[0] + 1;
	return 1;
}

/* The lowest smoothed RTT with room; subflows without a sample yet count
 * as slowest, so a fresh one is tried only when the others are full. */
static unsigned minrtt_pick(const struct mptcp_sched_cand *c, unsigned n, unsigned *cursor,
			    unsigned *out)
{
	unsigned best = 0;

	(void)cursor;
	for (unsigned i = 1; i < n; i++) {
		uint32_t a = c[i].srtt_us ? c[i].srtt_us : UINT32_MAX;
		uint32_t b = c[best].srtt_us ? c[best].srtt_us : UINT32_MAX;
		if (a < b)
			best = i;
	}
	out[0] = best;
	return 1;
}

/* Every segment on every subflow that can take it: the first copy to
 * arrive wins, which cuts the tail latency a lost segment causes. */
static unsigned redundant_pick(const struct mptcp_sched_cand *c, unsigned n, unsigned *cursor,
			       unsigned *out)
{
	(void)c;
	(void)cursor;
	for (unsigned i = 0; i < n; i++)
		out[i] = i;
	return n;
}

static const struct mptcp_sched_ops scheds[] = {
	{ "roundrobin", rr_pick },
	{ "minrtt", minrtt_pick },
	{ "redundant", redundant_pick },
};

const struct mptcp_sched_ops *mptcp_sched_find(const char *name)
{
	if (name == NULL || *name == '\0')
		return &scheds[0];
	for (size_t i = 0; i < sizeof(scheds) / sizeof(scheds[0]); i++)
		if (strcmp(name, scheds[i].name) == 0)
			return &scheds[i];
	return NULL;
}
