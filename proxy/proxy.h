/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * proxy — the gateway's data path: classification of every frame (bridge,
 * local, drop; interception comes with the proxy issue), the worker lcore
 * loop, and the ports it polls.
 *
 * Counters are per lcore, cache-line aligned, written only by their lcore
 * and read by the management thread (a torn read of a 64-bit counter cannot
 * happen on the 64-bit targets DPDK supports).
 */
#ifndef MPGW_PROXY_H
#define MPGW_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "mgmt/config.h"
#include "mgmt/mgmt.h"
#include "mptcp/mptcp.h"
#include "tcpstack/tcpstack.h"

#define PROXY_WORKERS_MAX 16

/* Data-path events and drop reasons not owned by tcpstack. */
#define PROXY_MIB_LIST(X)                                                    \
	X(BRIDGED, "bridged")                                                \
	X(LOCAL, "local")                                                    \
	X(REDIRECTED, "redirected_to_worker0")                               \
	X(DROP_RUNT, "drop_runt")                                            \
	X(DROP_NO_PEER_PORT, "drop_no_peer_port")                            \
	X(DROP_TO_BOX_NOT_LOCAL, "drop_to_box_mac_not_local")                \
	X(DROP_WAN_NOT_FOR_US, "drop_wan_not_for_us")                        \
	X(DROP_REDIRECT_FULL, "drop_redirect_ring_full")                     \
	X(DROP_TCP_NO_PORT, "drop_tcp_source_not_ours")                      \
	X(PROXY_INTERCEPTED, "proxy_intercepted")                            \
	X(PROXY_SPLICED, "proxy_spliced")                                    \
	X(PROXY_DENIED, "proxy_denied_by_rule")                              \
	X(PROXY_PASS_RULE, "proxy_passthrough_rule")                         \
	X(PROXY_PASS_PEER_DOWN, "proxy_passthrough_peer_down")               \
	X(PROXY_PASS_PEER_TIMEOUT, "proxy_passthrough_peer_timeout")         \
	X(PROXY_PASS_PEER_FAILED, "proxy_passthrough_peer_failed")           \
	X(PROXY_PASS_PEER_REFUSED, "proxy_passthrough_peer_refused_request") \
	X(PROXY_PASS_LIMIT, "proxy_passthrough_limit")                       \
	X(PROXY_PASS_NO_MEMORY, "proxy_passthrough_no_memory")               \
	X(PROXY_SYN_DUPLICATE, "proxy_syn_duplicate_while_held")             \
	X(PROXY_REFUSED, "proxy_refused_by_server")                          \
	X(PROXY_UNREACHABLE, "proxy_server_unreachable")                     \
	X(PROXY_TIMED_OUT, "proxy_server_timed_out")                         \
	X(PROXY_CLIENT_GONE, "proxy_client_gone_before_accept")              \
	X(PROXY_ABORTED, "proxy_aborted")                                    \
	X(PROXY_IDLE_TIMEOUT, "proxy_idle_timeouts")                         \
	X(PROXY_FAR_REQUESTS, "proxy_far_requests")                          \
	X(PROXY_FAR_NOT_PEER, "proxy_far_refused_not_a_peer")                \
	X(PROXY_FAR_BAD_REQUEST, "proxy_far_bad_request")                    \
	X(PROXY_FAR_NOT_SERVED, "proxy_far_not_served")                      \
	X(PROXY_FAR_BUSY, "proxy_far_busy")                                  \
	X(PROXY_FAR_CONNECTED, "proxy_far_connected")                        \
	X(PROXY_FAR_FAILED, "proxy_far_connect_failed")

enum proxy_mib {
#define PROXY_MIB_ENUM(id, name) PROXY_MIB_##id,
	PROXY_MIB_LIST(PROXY_MIB_ENUM)
#undef PROXY_MIB_ENUM
		PROXY_MIB_MAX
};

extern const char *const proxy_mib_names[PROXY_MIB_MAX];

struct proxy_port_counters {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_drops; /**< dropped by classification (reason in mib) */
	uint64_t tx_drops; /**< the port's tx queue was full */
};

/* Histogram bounds (upper, inclusive), in microseconds. */
#define PROXY_SETUP_BUCKETS 12
#define PROXY_RTT_BUCKETS 12
extern const uint32_t proxy_setup_bounds_us[PROXY_SETUP_BUCKETS];
extern const uint32_t proxy_rtt_bounds_us[PROXY_RTT_BUCKETS];

/** One peer's share (by its slot, which a reload keeps with its name). */
struct proxy_peer_stats {
	uint64_t mib[PROXY_MIB_MAX]; /**< the proxy's events of this peer's connections */
	uint64_t active; /**< gauge: proxied connections now */
	uint64_t setup[PROXY_SETUP_BUCKETS + 1]; /**< SYN (or accept) to spliced */
	uint64_t setup_sum_ns;
};

/** One WAN path's (by peer and path slot). */
struct proxy_path_stats {
	uint64_t bytes_sent, bytes_received; /**< by its subflows, acknowledged / in order */
	uint64_t retrans_segs, retrans_bytes;
	uint64_t subflows; /**< gauge: established now */
	uint64_t state; /**< gauge: enum proxy_health_state (health.h) */
	uint64_t state_changes, probes_sent, probes_lost;
	uint64_t rtt_ns; /**< gauge: smoothed probe RTT */
	uint64_t loss_pct; /**< gauge: probes lost over the window */
	uint64_t rtt[PROXY_RTT_BUCKETS + 1]; /**< probe RTTs */
	uint64_t rtt_sum_ns;
};

/** Everything one worker lcore counts. */
struct proxy_lcore_stats {
	struct proxy_port_counters port[MGMT_PORTS_MAX];
	struct tcpstack_mib_counters tcp[MGMT_PORTS_MAX];
	struct tcpstack_mib_counters tcp_engine; /**< the TCP engine's own */
	struct mptcp_mib_counters mptcp; /**< the MPTCP engine's */
	uint64_t mib[PROXY_MIB_MAX];
	uint64_t convert[32]; /**< conversion messages refused, by reason (convert.h) */
	uint64_t busy_cycles; /**< TSC cycles of loops that moved packets */
	uint64_t idle_cycles; /**< TSC cycles of empty loops and sleeps */
	struct proxy_peer_stats peer[MGMT_PEERS_MAX];
	struct proxy_path_stats path[MGMT_PEERS_MAX][MGMT_PATHS_MAX];
	uint64_t rule_hits[MGMT_RULES_MAX]; /**< new SYNs each rule decided, by its slot */
} __rte_cache_aligned;

/** Count one connection set up in @p d ns. */
void proxy_setup_sample(struct proxy_peer_stats *ps, uint64_t d);

/** One DPDK port as the data path sees it. */
struct proxy_port {
	uint16_t port_id;
	enum mgmt_port_role role;
	int peer; /**< index of the port it is bridged with, or -1 */
	uint16_t n_queues;
	struct rte_ether_addr mac;
	char name[MGMT_NAME_MAX];
};

struct proxy_dataplane;

/**
 * Open the configured ports, create the mempool and the per-worker state.
 * Needs the EAL. On failure writes a reason to @p err (MGMT_ERR_MAX).
 */
struct proxy_dataplane *proxy_dataplane_create(const struct mgmt_config *cfg, char *err);
/** Launch one worker on each of the EAL's worker lcores. */
int proxy_dataplane_start(struct proxy_dataplane *dp, char *err);
/** Ask workers to stop and wait for them. */
void proxy_dataplane_stop(struct proxy_dataplane *dp);
/**
 * Close ports and free everything. @return the number of mbufs that did
 * not come back to the pool (0 when nothing leaked).
 */
unsigned proxy_dataplane_destroy(struct proxy_dataplane *dp);

/** Write every counter, summed over lcores, one "name value" per line. */
void proxy_dataplane_dump_stats(const struct proxy_dataplane *dp, FILE *f);

/** Every counter summed over lcores, one call of @p fn each (counters show). */
void proxy_dataplane_counters(const struct proxy_dataplane *dp,
			      void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx);

/** The per-lcore counters, one block per worker. */
const struct proxy_lcore_stats *proxy_dataplane_stats(const struct proxy_dataplane *dp,
						      unsigned *n_workers);

/** Every data-plane metric in Prometheus text, named by @p cfg (metrics.c). */
void proxy_dataplane_metrics(const struct proxy_dataplane *dp, const struct mgmt_config *cfg,
			     struct mgmt_buf *b);

/** A path's state now (by the slots of its peer and itself). */
void proxy_dataplane_path_status(const struct proxy_dataplane *dp, unsigned peer_slot,
				 unsigned path_slot, struct mgmt_path_status *out);

/** Proxied connections of the peer in @p peer_slot now. */
unsigned proxy_dataplane_peer_connections(const struct proxy_dataplane *dp, unsigned peer_slot);

/** New SYNs the rule in @p rule_slot has decided (mgmt_rule.slot). */
uint64_t proxy_dataplane_rule_hits(const struct proxy_dataplane *dp, unsigned rule_slot);

/**
 * Apply a new configuration: what differs from the running one in peers,
 * rules, served prefixes, proxy limits and health (the rest needs a
 * restart: mgmt_config_reloadable()). @p cfg must be mgmt_config_align()ed
 * against the running one, and is the data plane's from then on (it
 * frees it); on failure it stays the caller's and @p err says why.
 * Called from the management thread; waits for worker 0.
 */
int proxy_dataplane_apply(struct proxy_dataplane *dp, struct mgmt_config *cfg, char *err);

/** The configuration the data plane runs (the file's, or the last applied). */
const struct mgmt_config *proxy_dataplane_config(const struct proxy_dataplane *dp);

/**
 * Up to @p max proxied connections into @p out (from worker 0; waits).
 * @return how many, or -1 with @p err (e.g. the worker did not answer).
 */
int proxy_dataplane_connections(struct proxy_dataplane *dp, struct mgmt_conn_info *out,
				unsigned max, char *err);

#endif
