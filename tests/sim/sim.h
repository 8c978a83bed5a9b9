/* SPDX-License-Identifier: BSD-3-Clause */
/* tests/sim: two TCP stacks in one process joined by emulated links, on
 * virtual time. Every frame crosses a link as a copy into a fresh mbuf (as
 * a wire does), after the link's loss, duplication, delay, jitter (which may
 * reorder), rate and outages have had their say, all drawn from one seed.
 *
 * The stacks may be joined by several paths (an MPTCP connection's
 * subflows): path i is the address pair 198.18.i.1 (stack 0) and 198.18.i.2
 * (stack 1) with a link of its own each way. A frame takes the path its
 * IPv4 addresses name, as a route would pick the interface. */
#ifndef MPGW_TESTS_SIM_H
#define MPGW_TESTS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "tcpstack/tcpstack.h"

#define SIM_MS 1000000ull
#define SIM_US 1000ull

#define SIM_PATHS_MAX 8
#define SIM_TIMER_SOURCES_MAX 8

struct sim_link_params {
	uint64_t delay_ns; /* one way */
	uint64_t jitter_ns; /* uniform in [0, jitter): reorders when large */
	double loss; /* probability a frame is dropped */
	double dup; /* probability a frame is delivered twice */
	uint64_t rate_bps; /* 0: unlimited */
	uint32_t queue_bytes; /* drop-tail queue at the rate limiter; 0: 256 KiB */
	uint64_t down_at_ns, up_at_ns; /* an outage [down, up), virtual time; 0,0: none */
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

/* One path between the stacks: an address each and a link each way. */
struct sim_path {
	uint32_t addr[2]; /* addr[i]: stack i's, network order */
	struct sim_dir dir[2]; /* dir[i]: frames sent by stack i */
	bool down; /* sim_path_down(): whatever is sent either way is dropped */
};

/* Timers of a layer above the stacks (MPTCP's), on the same virtual clock. */
struct sim_timer_source {
	uint64_t (*next)(void *ctx); /* next deadline; UINT64_MAX: none */
	void (*run)(void *ctx, uint64_t now);
	void *ctx;
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
	uint32_t addr[2]; /* path 0's, as path[0].addr */
	/* path[0].dir, so that single-path users keep reading dir[i]; it
	 * points into the struct, which must not move after sim_init(). */
	struct sim_dir *dir;
	struct sim_path path[SIM_PATHS_MAX];
	unsigned npaths;
	uint64_t misrouted; /* frames whose addresses match no path, dropped */
	struct sim_timer_source src[SIM_TIMER_SOURCES_MAX];
	unsigned nsrc;
	struct sim_pkt *q; /* in flight, a min-heap on (at, order) */
	unsigned qn, qcap;
	uint64_t order;
	uint64_t now;
	uint64_t rng;
};

/* A simulation of two stacks joined by one path, path 0 (198.18.0.1 and
 * 198.18.0.2). */
int sim_init(struct sim *sim, struct rte_mempool *pool, uint64_t seed,
	     const struct sim_link_params *a_to_b, const struct sim_link_params *b_to_a,
	     const struct tcpstack_tcp_params *tp);
void sim_fini(struct sim *sim);

/* Join the stacks by one more path, i (198.18.i.1 and 198.18.i.2).
 * @return i, or -1 when there are SIM_PATHS_MAX already. */
int sim_add_path(struct sim *sim, const struct sim_link_params *a_to_b,
		 const struct sim_link_params *b_to_a);
/* Stack @stack's address on path @path (network order); 0: no such path. */
uint32_t sim_addr(const struct sim *sim, int stack, int path);
/* Replace the link params of one direction of a path mid-run (@dir: the
 * sending stack). Frames already on the wire are not affected; an outage
 * is in virtual time, so "from now" is down_at_ns = sim->now. A path or
 * direction that does not exist aborts, here and in sim_path_down(). */
void sim_path_set(struct sim *sim, int path, int dir, const struct sim_link_params *p);
/* While down, drop everything sent on @path either way (dropped_down);
 * frames already on the wire still arrive. */
void sim_path_down(struct sim *sim, int path, bool down);

/* Have sim_step() run @run at the deadlines @next gives, as it runs the
 * stacks' timers: virtual time jumps to the deadline, and one already past
 * runs at once. At most SIM_TIMER_SOURCES_MAX sources: one more aborts. */
void sim_add_timer_source(struct sim *sim, uint64_t (*next)(void *ctx),
			  void (*run)(void *ctx, uint64_t now), void *ctx);

/* Advance to the next event (a delivery, a stack's timer or a timer
 * source's deadline) no later than @until;
 * @return false when there is nothing left to do before @until. */
bool sim_step(struct sim *sim, uint64_t until);

uint64_t sim_rand(struct sim *sim);
double sim_uniform(struct sim *sim);

#endif
