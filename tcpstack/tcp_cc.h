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
/* MPTCP coupled congestion control (tcp_cc_coupled.c): LIA (RFC 6356) and
 * OLIA; NewReno when not coupled to another subflow. */
extern const struct tcp_cc_ops tcp_cc_lia;
extern const struct tcp_cc_ops tcp_cc_olia;

/* By name ("newreno", "reno", "cubic", "lia", "olia"); NULL if unknown. */
const struct tcp_cc_ops *tcp_cc_find(const char *name);

/* NewReno's pieces, for algorithms that differ from it only in the gain of
 * congestion avoidance (tcp_cc_coupled.c). Its state takes the first
 * TCP_CC_RENO_PRIV_WORDS words of priv; the words after are the caller's
 * (zeroed by tcp_cc_reno_init, left alone by the others). */
#define TCP_CC_RENO_PRIV_WORDS 2
/* Gains are fixed point: TCP_CC_GAIN_ONE is NewReno's, one SMSS per cwnd
 * acknowledged. */
#define TCP_CC_GAIN_SHIFT 24
#define TCP_CC_GAIN_ONE ((int64_t)1 << TCP_CC_GAIN_SHIFT)
/* The gain for the ACK at hand, asked only when the ACK reaches congestion
 * avoidance: cwnd moves by gain * mss * acked / cwnd bytes (counted exactly
 * across ACKs). A negative gain shrinks cwnd, never below 2 mss, and takes
 * ssthresh down with it. */
typedef int64_t (*tcp_cc_gain_fn)(const struct tcp_cc *cc);
void tcp_cc_reno_init(struct tcp_cc *cc, uint64_t now_ns);
/* NewReno's cong_avoid with the CA gain from @gain (NULL: one). */
void tcp_cc_reno_cong_avoid(struct tcp_cc *cc, uint32_t acked, tcp_cc_gain_fn gain);
void tcp_cc_reno_enter_recovery(struct tcp_cc *cc, uint64_t now_ns);
void tcp_cc_reno_exit_recovery(struct tcp_cc *cc, uint64_t now_ns);
void tcp_cc_reno_on_rto(struct tcp_cc *cc, uint64_t now_ns);

#endif
