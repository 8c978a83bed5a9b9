/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control as a small ops table (internal to tcpstack; MPTCP's
 * coupled algorithms plug in here too). All sizes in bytes, times in ns/us.
 *
 * The engine keeps cwnd/ssthresh here and calls the ops at the events of
 * RFC 5681: new data acknowledged outside recovery (cong_avoid), loss
 * detected and recovery entered, recovery left, RTO. During recovery the
 * engine itself paces by PRR (RFC 6937) towards the ssthresh the algorithm
 * chose; the algorithm is not called for ACKs inside recovery. */
#ifndef MPGW_TCPSTACK_TCP_CC_H
#define MPGW_TCPSTACK_TCP_CC_H

#include <stdint.h>

struct tcp_cc;

struct tcp_cc_ops {
	const char *name;
	/* cwnd = initial window (RFC 6928: min(10*mss, max(2*mss, 14600))),
	 * ssthresh = "infinite", private state reset. */
	void (*init)(struct tcp_cc *cc, uint64_t now_ns);
	/* @acked bytes newly acknowledged (cumulative or SACKed) by one ACK,
	 * outside recovery: slow start or congestion avoidance. */
	void (*cong_avoid)(struct tcp_cc *cc, uint32_t acked, uint64_t now_ns);
	/* Loss detected (fast retransmit or RACK): set ssthresh (and cwnd to
	 * it); cc->flight holds the bytes in flight when the loss was seen. */
	void (*enter_recovery)(struct tcp_cc *cc, uint64_t now_ns);
	/* Recovery over: cwnd = ssthresh (the RFC 6582 "full" variant). */
	void (*exit_recovery)(struct tcp_cc *cc, uint64_t now_ns);
	/* Retransmission timeout: ssthresh from flight, cwnd = 1 mss (RFC 5681). */
	void (*on_rto)(struct tcp_cc *cc, uint64_t now_ns);
	/* A new RTT sample (optional: NULL when unused). */
	void (*on_rtt)(struct tcp_cc *cc, uint32_t rtt_us, uint64_t now_ns);
};

struct tcp_cc {
	const struct tcp_cc_ops *ops;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t mss; /* sender MSS (SMSS), set by the engine */
	uint32_t flight; /* bytes in flight, set by the engine before calls */
	uint32_t srtt_us; /* set by the engine as samples come */
	uint32_t min_rtt_us; /* set by the engine as samples come */
	void *coupled; /* MPTCP: the group of coupled subflows, else NULL */
	uint64_t priv[12]; /* the algorithm's own state */
};

#define TCP_CC_SSTHRESH_INF 0x7fffffffu

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* By name ("newreno", "reno", "cubic"); NULL if unknown. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);

#endif
