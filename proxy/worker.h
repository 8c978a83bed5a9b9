/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker lcores and the data plane that owns them (internal to proxy). */
#ifndef MPGW_PROXY_WORKER_H
#define MPGW_PROXY_WORKER_H

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "proxy/classify.h"
#include "proxy/proxy.h"
#include "proxy/relay.h"
#include "proxy/service.h"

#define PROXY_BURST_MAX 256
#define PROXY_TXBUF 512

struct proxy_txbuf {
	uint16_t n;
	struct rte_mbuf *m[PROXY_TXBUF];
};

struct proxy_worker {
	unsigned id; /* also the rx/tx queue it polls on every port */
	unsigned lcore;
	struct proxy_dataplane *dp;
	struct proxy_lcore_stats *stats;
	/* The box's own stack, on worker 0 only: other workers hand frames for
	 * it over through worker 0's redirect ring (one ARP cache per port). */
	struct tcpstack_iface *ifc[MGMT_PORTS_MAX];
	struct tcpstack_tcp *tcp; /* TCP to the box's addresses (worker 0) */
	struct mptcp_stack *mp; /* MPTCP over that TCP (worker 0) */
	struct proxy_relay *relay; /* the proxy (worker 0, when configured) */
	struct proxy_service services[MGMT_SERVICES_MAX];
	unsigned n_services;
	struct rte_ring *redirect;
	struct rte_ring *cmds; /* the management thread's requests (control.c) */
	struct proxy_classify_port cls[MGMT_PORTS_MAX];
	struct proxy_txbuf tx[MGMT_PORTS_MAX];
};

struct proxy_dataplane {
	struct mgmt_config cfg; /* as loaded at start; its static parts stay */
	struct mgmt_config *live; /* what the relay runs: &cfg, or the last applied */
	/* Two pools, so that what the box originates (TCP send queues, which
	 * can be large) never starves the ports' receive rings: a sender
	 * that cannot receive ACKs would deadlock. */
	struct rte_mempool *pool; /* ports' receive rings */
	struct rte_mempool *tx_pool; /* frames and payload the box originates */
	struct proxy_port ports[MGMT_PORTS_MAX];
	unsigned n_ports;
	uint8_t port_index[RTE_MAX_ETHPORTS]; /* port_id -> index in ports[] */
	struct proxy_worker workers[PROXY_WORKERS_MAX];
	unsigned n_workers;
	struct proxy_lcore_stats *stats; /* one per worker */
	volatile int quit;
};

/* One counter summed over the workers' blocks: PROXY_SUM(dp, mib[k]). */
#define PROXY_SUM(dp, expr)                                       \
	({                                                        \
		uint64_t sum_ = 0;                                \
		for (unsigned i_ = 0; i_ < (dp)->n_workers; i_++) \
			sum_ += (dp)->stats[i_].expr;             \
		sum_;                                             \
	})

/* The lcore entry point; @arg is a struct proxy_worker. */
int proxy_worker_main(void *arg);

/* The TCP engine's output callback; ctx is the worker. */
void proxy_worker_tcp_output(void *ctx, struct rte_mbuf *m, uint64_t now);
/* Listen or connect for each configured service (on the worker's lcore). */
void proxy_worker_start_services(struct proxy_worker *w, uint64_t now);

/* The relay's transmit hook; ctx is the worker. */
void proxy_worker_tx(void *ctx, unsigned port, struct rte_mbuf *m);

/* Run the management thread's requests waiting on the worker's ring. */
void proxy_control_run(struct proxy_worker *w, uint64_t now);

/* Free what a worker still holds (its tx buffers, its ring, its stack). */
void proxy_worker_release(struct proxy_worker *w);

#endif
