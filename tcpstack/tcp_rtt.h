/* SPDX-License-Identifier: BSD-3-Clause */
/* RTT estimation and the retransmission timer's value (RFC 6298), internal
 * to tcpstack. The engine feeds only unambiguous samples (Karn's rule:
 * timestamps, or segments never retransmitted). Times in microseconds. */
#ifndef MPGW_TCPSTACK_TCP_RTT_H
#define MPGW_TCPSTACK_TCP_RTT_H

#include <stdbool.h>
#include <stdint.h>

struct tcp_rtt {
	uint32_t srtt_us;
	uint32_t rttvar_us;
	uint32_t rto_us; /* without backoff */
	uint32_t min_rtt_us; /* lowest sample seen */
	uint32_t latest_us;
	uint32_t rto_min_us, rto_max_us;
	uint8_t backoff; /* RTOs in a row */
	bool valid; /* a sample has been taken */
};

/* RFC 6298: RTO 1 s until the first sample (@p initial_us), clamped to
 * [@p min_us, @p max_us] (RFC: max at least 60 s; Linux min 200 ms). */
void tcp_rtt_init(struct tcp_rtt *r, uint32_t initial_us, uint32_t min_us, uint32_t max_us);
/* A measurement: first sample sets SRTT=R, RTTVAR=R/2; then alpha 1/8,
 * beta 1/4; RTO = SRTT + max(G, 4*RTTVAR) with G = 1 us; clamped.
 * Clears the backoff (RFC 6298 5.7 is the caller's business: it feeds a
 * sample only for new data acknowledged). */
void tcp_rtt_sample(struct tcp_rtt *r, uint32_t rtt_us);
/* The timer value now: rto_us << backoff, clamped to rto_max_us. */
uint32_t tcp_rtt_rto(const struct tcp_rtt *r);
/* The timer expired: back off (exponentially, capped at the max). */
void tcp_rtt_backoff(struct tcp_rtt *r);

#endif
