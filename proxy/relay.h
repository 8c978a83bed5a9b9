/* SPDX-License-Identifier: BSD-3-Clause */
/* The proxy proper (internal to proxy): interception of inside hosts' SYNs,
 * the conversion exchange with peer boxes, the far box's connection to the
 * server as the client, and the splice between each TCP connection and its
 * MPTCP connection. docs/proxy.md tells the story; this is what the worker
 * loop calls. One relay per worker that owns the box's stack (worker 0). */
#ifndef MPGW_PROXY_RELAY_H
#define MPGW_PROXY_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "proxy/proxy.h"

/* What the relay is given by its worker. */
struct proxy_relay_env {
	const struct mgmt_config *cfg;
	struct mptcp_stack *mp; /* MPTCP on the box's WAN addresses */
	struct tcpstack_tcp *tcp; /* the TCP under it (its clock for MPTCP events) */
	struct rte_mempool *pool; /* frames and messages the box originates */
	struct proxy_lcore_stats *stats;
	unsigned inside, outside; /* port indexes of the inline pair */
	struct rte_ether_addr inside_mac;
	/* The box's own stack per port (NULL: none): path probes leave by it. */
	struct tcpstack_iface *box_ifc[MGMT_PORTS_MAX];
	/* Transmit @m on port index @port (consumes it). */
	void (*tx)(void *ctx, unsigned port, struct rte_mbuf *m);
	void *tx_ctx;
};

struct proxy_relay;

/* Whether @cfg asks for a relay at all (peers, rules or served prefixes). */
bool proxy_relay_wanted(const struct mgmt_config *cfg);

/* Build the relay: rule sets, the transparent TCP engine, the far box's
 * listener. On failure NULL and a reason in @err (MGMT_ERR_MAX). */
struct proxy_relay *proxy_relay_create(const struct proxy_relay_env *env, uint64_t now, char *err);
/* Ends every proxied connection (no RST) and frees everything. */
void proxy_relay_destroy(struct proxy_relay *r);

/* An IPv4 TCP frame received on the inside port. @return true if the relay
 * took it (consumed); false: not the proxy's, the caller bridges it. */
bool proxy_relay_inside_tcp(struct proxy_relay *r, struct rte_mbuf *m, uint64_t now);
/* An ARP frame received on the inside port: the relay learns from it.
 * @return true if it was for the box (consumed); false: bridge it. */
bool proxy_relay_inside_arp(struct proxy_relay *r, struct rte_mbuf *m, uint64_t now);

/* Timers: the transparent TCP engine's, held SYNs, idle connections. The
 * wall clock (ms since the Unix epoch) stamps and checks conversion
 * requests; @now is the monotonic clock everything else runs on. */
void proxy_relay_timers(struct proxy_relay *r, uint64_t now, uint64_t wall_ms);
uint64_t proxy_relay_next_timer(const struct proxy_relay *r);

/* A new configuration (worker 0): rules and served prefixes for new SYNs,
 * paths added and removed on the open connections, peers followed by
 * slot. @cfg stays valid until the next apply. */
int proxy_relay_apply(struct proxy_relay *r, const struct mgmt_config *cfg, uint64_t now,
		      char *err);

/* Up to @max connections into @out. @return how many. */
unsigned proxy_relay_snapshot(const struct proxy_relay *r, struct mgmt_conn_info *out, unsigned max,
			      uint64_t now);

/* Proxied connections now (a gauge for the stats dump). */
unsigned proxy_relay_active(const struct proxy_relay *r);

#endif
