/* SPDX-License-Identifier: BSD-3-Clause */
/* Path health from echo probes (health.h). */
#include <string.h>

#include "proxy/health.h"

const char *const proxy_health_state_names[PROXY_HEALTH_STATES] = {
	[PROXY_HEALTH_UNKNOWN] = "unknown",
	[PROXY_HEALTH_UP] = "up",
	[PROXY_HEALTH_DEGRADED] = "degraded",
	[PROXY_HEALTH_DOWN] = "down",
};

void proxy_health_init(struct proxy_health *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned window_len(const struct proxy_health_params *p)
{
	unsigned n = p->loss_window;

	return n == 0 ? 1 : n > PROXY_HEALTH_WINDOW_MAX ? PROXY_HEALTH_WINDOW_MAX : n;
}

unsigned proxy_health_loss_pct(const struct proxy_health *h)
{
	return h->window_fill == 0 ? 0 : h->window_lost * 100 / h->window_fill;
}

static void set_state(struct proxy_health *h, enum proxy_health_state s)
{
	if (h->state != s) {
		h->state = s;
		h->state_changes++;
	}
}

/* What the numbers say now. Down is left only after up_after answers in
 * a row, so that a path that answers one probe in three does not flap. */
static void evaluate(struct proxy_health *h, const struct proxy_health_params *p)
{
	if (h->lost_run >= p->down_after) {
		set_state(h, PROXY_HEALTH_DOWN);
		return;
	}
	if ((h->state == PROXY_HEALTH_DOWN || h->state == PROXY_HEALTH_UNKNOWN) &&
	    h->ok_run < p->up_after)
		return;
	bool lossy = h->window_fill != 0 && proxy_health_loss_pct(h) >= p->degraded_loss_pct;
	bool slow = p->degraded_rtt_ns != 0 && h->srtt_ns > p->degraded_rtt_ns;
	set_state(h, lossy || slow ? PROXY_HEALTH_DEGRADED : PROXY_HEALTH_UP);
}

static void record(struct proxy_health *h, const struct proxy_health_params *p, bool lost)
{
	const unsigned n = window_len(p);

	if (lost && h->state == PROXY_HEALTH_UNKNOWN) {
		/* Before the first answers (ARP, a peer still starting) a loss
		 * says the path may be down, not that it is lossy. */
		h->probes_lost++;
		h->lost_run++;
		h->ok_run = 0;
		evaluate(h, p);
		return;
	}
	unsigned i = h->window_pos % n;
	uint64_t bit = 1ull << (i % 64);

	if (h->window_fill == n) { /* the oldest leaves */
		if (h->window[i / 64] & bit)
			h->window_lost--;
	} else {
		h->window_fill++;
	}
	if (lost) {
		h->window[i / 64] |= bit;
		h->window_lost++;
		h->probes_lost++;
		h->lost_run++;
		h->ok_run = 0;
	} else {
		h->window[i / 64] &= ~bit;
		h->ok_run++;
		h->lost_run = 0;
	}
	h->window_pos = (i + 1) % n;
	evaluate(h, p);
}

uint16_t proxy_health_sent(struct proxy_health *h, const struct proxy_health_params *p,
			   uint64_t now)
{
	uint16_t seq = h->next_seq++;
	unsigned slot = seq % PROXY_HEALTH_INFLIGHT;

	if (h->sent_at[slot] != 0)
		record(h, p, true);
	h->sent_at[slot] = now ? now : 1;
	h->sent_seq[slot] = seq;
	h->probes_sent++;
	return seq;
}

bool proxy_health_answered(struct proxy_health *h, const struct proxy_health_params *p,
			   uint16_t seq, uint64_t now, uint64_t *rtt_ns)
{
	unsigned slot = seq % PROXY_HEALTH_INFLIGHT;

	if (h->sent_at[slot] == 0 || h->sent_seq[slot] != seq || now < h->sent_at[slot])
		return false; /* late (already lost), duplicated, or not ours */
	uint64_t rtt = now - h->sent_at[slot];
	h->sent_at[slot] = 0;
	h->last_rtt_ns = rtt;
	/* RFC 6298's smoothing, as TCP's; not before the path is known
	 * (the first probe waited for ARP) */
	h->srtt_ns = h->srtt_ns == 0 || h->state == PROXY_HEALTH_UNKNOWN
			     ? rtt
			     : h->srtt_ns - h->srtt_ns / 8 + rtt / 8;
	*rtt_ns = rtt;
	record(h, p, false);
	return true;
}

void proxy_health_expire(struct proxy_health *h, const struct proxy_health_params *p, uint64_t now)
{
	/* Oldest first, so that the run of losses counts in order. */
	for (;;) {
		unsigned oldest = PROXY_HEALTH_INFLIGHT;
		for (unsigned i = 0; i < PROXY_HEALTH_INFLIGHT; i++)
			if (h->sent_at[i] != 0 && now >= h->sent_at[i] + p->timeout_ns &&
			    (oldest == PROXY_HEALTH_INFLIGHT || h->sent_at[i] < h->sent_at[oldest]))
				oldest = i;
		if (oldest == PROXY_HEALTH_INFLIGHT)
			return;
		h->sent_at[oldest] = 0;
		record(h, p, true);
	}
}

void proxy_health_subflows(struct proxy_health *h, const struct proxy_health_params *p, unsigned n,
			   uint64_t srtt_ns)
{
	if (n == 0) {
		set_state(h, PROXY_HEALTH_UNKNOWN);
		return;
	}
	h->srtt_ns = srtt_ns;
	set_state(h, p->degraded_rtt_ns != 0 && srtt_ns > p->degraded_rtt_ns ? PROXY_HEALTH_DEGRADED
									     : PROXY_HEALTH_UP);
}
