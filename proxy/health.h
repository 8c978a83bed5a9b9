/* SPDX-License-Identifier: BSD-3-Clause */
/* Path health (internal to proxy): each WAN path's state, up, degraded or
 * down, from echo probes sent along it every interval: down after
 * `down_after` lost in a row, up again after `up_after` answered in a row,
 * degraded while the loss over the last `loss_window` probes or the
 * smoothed RTT passes its threshold. Pure: probes and `now` in, states
 * out; the relay sends the probes and reads the states. */
#ifndef MPGW_PROXY_HEALTH_H
#define MPGW_PROXY_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

enum proxy_health_state {
	PROXY_HEALTH_UNKNOWN, /* no probe answered or lost yet, or not probed */
	PROXY_HEALTH_UP,
	PROXY_HEALTH_DEGRADED,
	PROXY_HEALTH_DOWN,
};
#define PROXY_HEALTH_STATES 4

extern const char *const proxy_health_state_names[PROXY_HEALTH_STATES];

struct proxy_health_params {
	uint64_t timeout_ns; /* a probe unanswered this long is lost */
	unsigned down_after, up_after;
	unsigned loss_window; /* probes, at most PROXY_HEALTH_WINDOW_MAX */
	unsigned degraded_loss_pct; /* 1..100 */
	uint64_t degraded_rtt_ns; /* 0: off */
};

#define PROXY_HEALTH_WINDOW_MAX 1024
#define PROXY_HEALTH_INFLIGHT 16 /* probes awaited at once */

struct proxy_health {
	enum proxy_health_state state;
	uint16_t next_seq;
	uint64_t sent_at[PROXY_HEALTH_INFLIGHT]; /* by seq % INFLIGHT; 0: none */
	uint16_t sent_seq[PROXY_HEALTH_INFLIGHT];
	unsigned lost_run, ok_run;
	uint64_t window[PROXY_HEALTH_WINDOW_MAX / 64]; /* 1: lost */
	unsigned window_pos, window_fill, window_lost;
	uint64_t srtt_ns, last_rtt_ns;
	uint64_t probes_sent, probes_lost, state_changes;
};

void proxy_health_init(struct proxy_health *h);
/* A probe leaves now: @return its sequence number. One still awaited in
 * its slot is counted lost first. */
uint16_t proxy_health_sent(struct proxy_health *h, const struct proxy_health_params *p,
			   uint64_t now);
/* The answer to probe @seq came at @now. @return true if it was awaited
 * (then *rtt_ns is its round trip). */
bool proxy_health_answered(struct proxy_health *h, const struct proxy_health_params *p,
			   uint16_t seq, uint64_t now, uint64_t *rtt_ns);
/* Probes awaited past the timeout are lost. */
void proxy_health_expire(struct proxy_health *h, const struct proxy_health_params *p, uint64_t now);
/* A path that is not probed, as its @n established subflows (of mean
 * smoothed RTT @srtt_ns) show it: up (or degraded by RTT) while it has
 * some; unknown without: no traffic says nothing. */
void proxy_health_subflows(struct proxy_health *h, const struct proxy_health_params *p, unsigned n,
			   uint64_t srtt_ns);
/* Loss over the window, in percent (0 while empty). */
unsigned proxy_health_loss_pct(const struct proxy_health *h);

#endif
