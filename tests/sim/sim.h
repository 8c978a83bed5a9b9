/* SPDX-License-Identifier: BSD-3-Clause */
/* tests/sim: two TCP stacks in one process joined by an emulated link, on
 * virtual time. Every frame crosses the link as a copy into a fresh mbuf (as
 * a wire does), after the link's loss, duplication, delay, jitter (which may
 * reorder), rate and outages have had their say, all drawn from one seed. */
#ifndef MPGW_TESTS_SIM_H
#define MPGW_TESTS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "tcpstack/tcpstack.h"

#define SIM_MS 1000000ull
#define SIM_US 1000ull

struct sim_link_params {
	uint64_t delay_ns; /* one way */
	uint64_t jitter_ns; /* uniform in [0, jitter): reorders when large */
	double loss; /* probability a frame is dropped */
	double dup; /* probability a frame is delivered twice */
	uint64_t rate_bps; /* 0: unlimited */
	uint32_t queue_bytes; /* drop-tail queue at the rate limiter; 0: 256 KiB */
	uint64_t down_at_ns, up_at_ns; /* an outage [down, up); 0,0: none */
};

struct sim_pkt {
	uint64_t at;
	uint64_t order; /* ties keep send order */
	struct rte_mbuf *m;
	int to;
};

struct sim_dir {
	struct sim_link_params p;
	uint64_t busy_until; /* rate limiter: when the wire frees */
	uint64_t sent, dropped_loss, dropped_queue, dropped_down, duplicated;
};

struct sim;
struct sim_out {
	struct sim *sim;
	int from;
};

struct sim {
	struct rte_mempool *pool;
	struct sim_out out[2]; /* output callback contexts */
	struct tcpstack_tcp *stack[2];
	struct tcpstack_mib_counters mib[2];
	uint32_t addr[2];
	struct sim_dir dir[2]; /* dir[i]: frames sent by stack i */
	struct sim_pkt *q; /* in flight, a min-heap on (at, order) */
	unsigned qn, qcap;
	uint64_t order;
	uint64_t now;
	uint64_t rng;
};

/* A simulation of two stacks (198.18.0.1 and 198.18.0.2). */
int sim_init(struct sim *sim, struct rte_mempool *pool, uint64_t seed,
	     const struct sim_link_params *a_to_b, const struct sim_link_params *b_to_a,
	     const struct tcpstack_tcp_params *tp);
void sim_fini(struct sim *sim);

/* Advance to the next event (a delivery or a timer) no later than @until;
 * @return false when there is nothing left to do before @until. */
bool sim_step(struct sim *sim, uint64_t until);

uint64_t sim_rand(struct sim *sim);
double sim_uniform(struct sim *sim);

#endif
