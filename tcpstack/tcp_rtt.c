/* SPDX-License-Identifier: BSD-3-Clause */
/* RTT estimation and the retransmission timer's value, RFC 6298 section 2:
 * alpha = 1/8, beta = 1/4, K = 4, G = 1 us.
 *
 * The fields hold whole microseconds (the header's contract), so each
 * smoothing step is rounded: to the nearest microsecond, halves away from
 * zero, but never to zero while the estimate differs from its target. A
 * step that rounds to zero would leave a dead band (+-4 us for SRTT, +-2 us
 * for RTTVAR) that a constant RTT never leaves; with the rule, a constant
 * RTT makes SRTT reach it exactly and RTTVAR decay to 0. The error against
 * real-valued RFC arithmetic is at most half a microsecond per step. */
#include <stddef.h>

#include "tcpstack/tcp_rtt.h"

#define RTT_G_US 1u /* clock granularity G: the stack's clock is in ns */
#define RTT_K 4u

static uint32_t clamp_u32(uint64_t v, uint32_t lo, uint32_t hi)
{
	if (v < lo)
		return lo;
	if (v > hi)
		return hi;
	return (uint32_t)v;
}

/* x + (target - x) / div, rounded as explained above. */
static uint32_t ewma_step(uint32_t x, uint32_t target, uint32_t div)
{
	uint64_t d = target > x ? (uint64_t)target - x : (uint64_t)x - target;
	uint64_t step = (d + div / 2) / div;

	if (d == 0)
		return x;
	if (step == 0)
		step = 1;
	return (uint32_t)(target > x ? x + step : x - step);
}

static void rtt_set_rto(struct tcp_rtt *r)
{
	uint64_t var = (uint64_t)RTT_K * r->rttvar_us;

	if (var < RTT_G_US)
		var = RTT_G_US;
	r->rto_us = clamp_u32((uint64_t)r->srtt_us + var, r->rto_min_us, r->rto_max_us);
}

void tcp_rtt_init(struct tcp_rtt *r, uint32_t initial_us, uint32_t min_us, uint32_t max_us)
{
	/* A max below the min is a configuration slip; the min wins, as the
	 * safer of the two for the network. */
	if (max_us < min_us)
		max_us = min_us;
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->min_rtt_us = 0; /* none yet: read it only once valid */
	r->latest_us = 0;
	r->rto_min_us = min_us;
	r->rto_max_us = max_us;
	r->rto_us = clamp_u32(initial_us, min_us, max_us);
	r->backoff = 0;
	r->valid = false;
}

void tcp_rtt_sample(struct tcp_rtt *r, uint32_t rtt_us)
{
	if (!r->valid) {
		/* RFC 6298 (2.2): SRTT <- R, RTTVAR <- R/2 */
		r->srtt_us = rtt_us;
		r->rttvar_us = (uint32_t)(((uint64_t)rtt_us + 1) / 2);
		r->min_rtt_us = rtt_us;
		r->valid = true;
	} else {
		/* RFC 6298 (2.3), in its order: RTTVAR uses the old SRTT. */
		uint32_t err = r->srtt_us > rtt_us ? r->srtt_us - rtt_us : rtt_us - r->srtt_us;

		r->rttvar_us = ewma_step(r->rttvar_us, err, 4);
		r->srtt_us = ewma_step(r->srtt_us, rtt_us, 8);
		if (rtt_us < r->min_rtt_us)
			r->min_rtt_us = rtt_us;
	}
	r->latest_us = rtt_us;
	rtt_set_rto(r);
	r->backoff = 0;
}

uint32_t tcp_rtt_rto(const struct tcp_rtt *r)
{
	/* rto_us is at most 2^32 - 1, so from 32 doublings on the max is
	 * reached whatever it is; no shift of 32 or more is ever done. */
	if (r->backoff >= 32)
		return r->rto_max_us;
	return clamp_u32((uint64_t)r->rto_us << r->backoff, 0, r->rto_max_us);
}

void tcp_rtt_backoff(struct tcp_rtt *r)
{
	/* backoff also counts RTOs in a row (the engine may give up after N),
	 * so it keeps counting after the timer value has hit the max; it
	 * saturates rather than wraps back to "no backoff". */
	if (r->backoff < UINT8_MAX)
		r->backoff++;
}
