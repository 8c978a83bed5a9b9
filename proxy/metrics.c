/* SPDX-License-Identifier: BSD-3-Clause */
/* The data plane's metrics in Prometheus text (docs/metrics.md): summed
 * over lcores, named by the running configuration. Labels carry only names
 * the operator chose (port, peer, path, rule) or fixed words (reason, state,
 * result, pool, lcore number): never an address or a connection. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "mgmt/prom.h"
#include "proxy/health.h"
#include "proxy/worker.h"

typedef struct mgmt_prom_label label;

static void ports(const struct proxy_dataplane *dp, struct mgmt_buf *b)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "mpgw_port_received_packets_total", "Frames received on the port." },
		{ "mpgw_port_received_bytes_total", "Bytes received on the port." },
		{ "mpgw_port_sent_packets_total", "Frames sent on the port." },
		{ "mpgw_port_sent_bytes_total", "Bytes sent on the port." },
		{ "mpgw_port_rx_dropped_packets_total",
		  "Frames received and dropped by classification (reasons in "
		  "mpgw_dataplane_events_total)." },
		{ "mpgw_port_tx_dropped_packets_total",
		  "Frames dropped: the port's queue was full." },
		{ "mpgw_port_rx_missed_packets_total", "Frames the port missed (its counters)." },
		{ "mpgw_port_no_mbuf_total", "Frames lost for want of an mbuf." },
	};
	uint64_t v[RTE_DIM(fam)][MGMT_PORTS_MAX];

	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		struct rte_eth_stats hw;
		if (rte_eth_stats_get(dp->ports[pi].port_id, &hw) != 0)
			memset(&hw, 0, sizeof(hw));
		v[0][pi] = PROXY_SUM(dp, port[pi].rx_packets);
		v[1][pi] = PROXY_SUM(dp, port[pi].rx_bytes);
		v[2][pi] = PROXY_SUM(dp, port[pi].tx_packets);
		v[3][pi] = PROXY_SUM(dp, port[pi].tx_bytes);
		v[4][pi] = PROXY_SUM(dp, port[pi].rx_drops);
		v[5][pi] = PROXY_SUM(dp, port[pi].tx_drops);
		v[6][pi] = hw.imissed;
		v[7][pi] = hw.rx_nombuf + PROXY_SUM(dp, tcp[pi].v[TCPSTACK_MIB_NO_MBUF]);
	}
	for (unsigned f = 0; f < RTE_DIM(fam); f++) {
		mgmt_prom_family(b, fam[f].name, "counter", fam[f].help);
		for (unsigned pi = 0; pi < dp->n_ports; pi++) {
			const label l[] = { { "port", dp->ports[pi].name } };
			mgmt_prom_u64(b, fam[f].name, l, 1, v[f][pi]);
		}
	}
	mgmt_prom_family(b, "mpgw_stack_events_total", "counter",
			 "The box's own stack on each port: ARP, IPv4, ICMP, by event.");
	for (unsigned pi = 0; pi < dp->n_ports; pi++)
		for (unsigned k = 0; k < TCPSTACK_MIB_MAX; k++) {
			const label l[] = { { "port", dp->ports[pi].name },
					    { "reason", tcpstack_mib_names[k] } };
			mgmt_prom_u64(b, "mpgw_stack_events_total", l, 2,
				      PROXY_SUM(dp, tcp[pi].v[k]));
		}
}

static void engines(const struct proxy_dataplane *dp, struct mgmt_buf *b)
{
	mgmt_prom_family(b, "mpgw_dataplane_events_total", "counter",
			 "Data path events and drops, by reason.");
	for (unsigned k = 0; k < PROXY_MIB_MAX; k++) {
		const label l[] = { { "reason", proxy_mib_names[k] } };
		mgmt_prom_u64(b, "mpgw_dataplane_events_total", l, 1, PROXY_SUM(dp, mib[k]));
	}
	mgmt_prom_family(b, "mpgw_tcp_events_total", "counter",
			 "The TCP engine of the box's addresses, by event.");
	for (unsigned k = 0; k < TCPSTACK_MIB_MAX; k++) {
		const label l[] = { { "reason", tcpstack_mib_names[k] } };
		mgmt_prom_u64(b, "mpgw_tcp_events_total", l, 1, PROXY_SUM(dp, tcp_engine.v[k]));
	}
	mgmt_prom_family(b, "mpgw_mptcp_events_total", "counter", "The MPTCP engine, by event.");
	for (unsigned k = 0; k < MPTCP_MIB_MAX; k++) {
		const label l[] = { { "reason", mptcp_mib_names[k] } };
		mgmt_prom_u64(b, "mpgw_mptcp_events_total", l, 1, PROXY_SUM(dp, mptcp.v[k]));
	}

	static const struct {
		const char *result;
		enum mptcp_mib mib;
	} joins[] = {
		{ "ok", MPTCP_MIB_JOIN_OK },
		{ "unknown_token", MPTCP_MIB_JOIN_SYN_NO_TOKEN },
		{ "over_limit", MPTCP_MIB_JOIN_SYN_LIMIT },
		{ "address_removed", MPTCP_MIB_JOIN_SYN_REMOVED },
		{ "synack_bad_hmac", MPTCP_MIB_JOIN_SYNACK_BAD_HMAC },
		{ "ack_bad_hmac", MPTCP_MIB_JOIN_ACK_BAD_HMAC },
		{ "connection_gone", MPTCP_MIB_JOIN_ACK_CONN_GONE },
		{ "failed", MPTCP_MIB_JOIN_FAILED },
	};
	mgmt_prom_family(b, "mpgw_mptcp_joins_total", "counter",
			 "MP_JOIN subflows, by result (ours and the peers').");
	for (unsigned i = 0; i < RTE_DIM(joins); i++) {
		const label l[] = { { "result", joins[i].result } };
		mgmt_prom_u64(b, "mpgw_mptcp_joins_total", l, 1,
			      PROXY_SUM(dp, mptcp.v[joins[i].mib]));
	}
	static const struct {
		const char *reason;
		enum mptcp_mib mib;
	} fallbacks[] = {
		{ "synack_without_mp_capable", MPTCP_MIB_FALLBACK_SYNACK },
		{ "syn_blackhole", MPTCP_MIB_FALLBACK_BLACKHOLE },
		{ "no_dss", MPTCP_MIB_FALLBACK_NO_DSS },
		{ "checksum", MPTCP_MIB_FALLBACK_CSUM },
		{ "infinite_mapping", MPTCP_MIB_FALLBACK_INFINITE },
		{ "peer_without_mptcp", MPTCP_MIB_MPC_SYN_NO_MPC },
	};
	mgmt_prom_family(b, "mpgw_mptcp_fallbacks_total", "counter",
			 "Connections that fell back to plain TCP, by reason.");
	for (unsigned i = 0; i < RTE_DIM(fallbacks); i++) {
		const label l[] = { { "reason", fallbacks[i].reason } };
		mgmt_prom_u64(b, "mpgw_mptcp_fallbacks_total", l, 1,
			      PROXY_SUM(dp, mptcp.v[fallbacks[i].mib]));
	}
	mgmt_prom_family(b, "mpgw_mptcp_reinjected_bytes_total", "counter",
			 "Data sent again on another subflow.");
	mgmt_prom_u64(b, "mpgw_mptcp_reinjected_bytes_total", NULL, 0,
		      PROXY_SUM(dp, mptcp.v[MPTCP_MIB_REINJECT_BYTES]));
	static const struct {
		const char *result;
		enum tcpstack_mib mib;
	} cookies[] = {
		{ "sent", TCPSTACK_MIB_TCP_SYNCOOKIE_SENT },
		{ "valid", TCPSTACK_MIB_TCP_SYNCOOKIE_OK },
		{ "invalid", TCPSTACK_MIB_TCP_SYNCOOKIE_FAIL },
	};
	mgmt_prom_family(
		b, "mpgw_tcp_syncookies_total", "counter",
		"SYN cookies sent once the half-open table was full, and cookies returned.");
	for (unsigned i = 0; i < RTE_DIM(cookies); i++) {
		const label l[] = { { "result", cookies[i].result } };
		uint64_t v = PROXY_SUM(dp, tcp_engine.v[cookies[i].mib]);
		for (unsigned pi = 0; pi < dp->n_ports; pi++)
			v += PROXY_SUM(dp, tcp[pi].v[cookies[i].mib]);
		mgmt_prom_u64(b, "mpgw_tcp_syncookies_total", l, 1, v);
	}
}

static void hist(struct mgmt_buf *b, const char *name, const label *l, unsigned n,
		 const uint32_t *bounds_us, unsigned nb, const uint64_t *counts, uint64_t sum_ns)
{
	double bounds[16];

	for (unsigned i = 0; i < nb; i++)
		bounds[i] = bounds_us[i] / 1e6;
	const struct mgmt_prom_hist h = { nb, bounds, counts, (double)sum_ns / 1e9 };
	mgmt_prom_hist(b, name, l, n, &h);
}

static void peers(const struct proxy_dataplane *dp, const struct mgmt_config *cfg,
		  struct mgmt_buf *b)
{
	static const struct {
		const char *name, *help;
		enum proxy_mib mib;
	} fam[] = {
		{ "mpgw_proxy_intercepted_total", "SYNs intercepted for the peer.",
		  PROXY_MIB_PROXY_INTERCEPTED },
		{ "mpgw_proxy_spliced_total", "Connections proxied through the peer.",
		  PROXY_MIB_PROXY_SPLICED },
		{ "mpgw_proxy_refused_total",
		  "Connections the server refused (the client got a RST).",
		  PROXY_MIB_PROXY_REFUSED },
		{ "mpgw_proxy_aborted_total", "Proxied connections that ended by a reset.",
		  PROXY_MIB_PROXY_ABORTED },
		{ "mpgw_proxy_far_requests_total", "Conversion requests from the peer.",
		  PROXY_MIB_PROXY_FAR_REQUESTS },
	};
	static const struct {
		const char *reason;
		enum proxy_mib mib;
	} pass[] = {
		{ "peer_down", PROXY_MIB_PROXY_PASS_PEER_DOWN },
		{ "peer_timeout", PROXY_MIB_PROXY_PASS_PEER_TIMEOUT },
		{ "peer_failed", PROXY_MIB_PROXY_PASS_PEER_FAILED },
		{ "peer_refused_request", PROXY_MIB_PROXY_PASS_PEER_REFUSED },
		{ "limit", PROXY_MIB_PROXY_PASS_LIMIT },
		{ "no_memory", PROXY_MIB_PROXY_PASS_NO_MEMORY },
	};

	for (unsigned f = 0; f < RTE_DIM(fam); f++) {
		mgmt_prom_family(b, fam[f].name, "counter", fam[f].help);
		for (unsigned i = 0; i < cfg->n_peers; i++) {
			const label l[] = { { "peer", cfg->peers[i].name } };
			unsigned s = cfg->peers[i].slot;
			mgmt_prom_u64(b, fam[f].name, l, 1, PROXY_SUM(dp, peer[s].mib[fam[f].mib]));
		}
	}
	mgmt_prom_family(
		b, "mpgw_proxy_passthrough_total", "counter",
		"SYNs a rule sent to the peer but let through unproxied (fail open), by reason.");
	for (unsigned i = 0; i < cfg->n_peers; i++)
		for (unsigned k = 0; k < RTE_DIM(pass); k++) {
			const label l[] = { { "peer", cfg->peers[i].name },
					    { "reason", pass[k].reason } };
			mgmt_prom_u64(b, "mpgw_proxy_passthrough_total", l, 2,
				      PROXY_SUM(dp, peer[cfg->peers[i].slot].mib[pass[k].mib]));
		}
	mgmt_prom_family(b, "mpgw_proxy_connections", "gauge", "Proxied connections now.");
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const label l[] = { { "peer", cfg->peers[i].name } };
		mgmt_prom_u64(b, "mpgw_proxy_connections", l, 1,
			      PROXY_SUM(dp, peer[cfg->peers[i].slot].active));
	}
	mgmt_prom_family(
		b, "mpgw_proxy_connection_setup_seconds", "histogram",
		"From the client's SYN (or the peer's MPTCP connection) to bytes flowing.");
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const label l[] = { { "peer", cfg->peers[i].name } };
		unsigned s = cfg->peers[i].slot;
		uint64_t counts[PROXY_SETUP_BUCKETS + 1];
		for (unsigned k = 0; k <= PROXY_SETUP_BUCKETS; k++)
			counts[k] = PROXY_SUM(dp, peer[s].setup[k]);
		hist(b, "mpgw_proxy_connection_setup_seconds", l, 1, proxy_setup_bounds_us,
		     PROXY_SETUP_BUCKETS, counts, PROXY_SUM(dp, peer[s].setup_sum_ns));
	}
}

/* One family over every configured path. */
static void path_family(const struct proxy_dataplane *dp, const struct mgmt_config *cfg,
			struct mgmt_buf *b, const char *name, const char *type, const char *help,
			size_t off, double scale)
{
	mgmt_prom_family(b, name, type, help);
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct mgmt_peer *p = &cfg->peers[i];
		for (unsigned j = 0; j < p->n_paths; j++) {
			const label l[] = { { "peer", p->name }, { "path", p->paths[j].name } };
			uint64_t v = 0;
			for (unsigned w = 0; w < dp->n_workers; w++)
				v += *(const uint64_t *)((const char *)&dp->stats[w]
								 .path[p->slot][p->paths[j].slot] +
							 off);
			if (scale == 1)
				mgmt_prom_u64(b, name, l, 2, v);
			else
				mgmt_prom_double(b, name, l, 2, (double)v * scale);
		}
	}
}

#define PATH_FIELD(f) offsetof(struct proxy_path_stats, f)

static void paths(const struct proxy_dataplane *dp, const struct mgmt_config *cfg,
		  struct mgmt_buf *b)
{
	path_family(dp, cfg, b, "mpgw_path_subflows", "gauge",
		    "Subflows established on the path now.", PATH_FIELD(subflows), 1);
	path_family(dp, cfg, b, "mpgw_path_sent_bytes_total", "counter",
		    "Bytes its subflows sent and had acknowledged.", PATH_FIELD(bytes_sent), 1);
	path_family(dp, cfg, b, "mpgw_path_received_bytes_total", "counter",
		    "Bytes its subflows received in order.", PATH_FIELD(bytes_received), 1);
	path_family(dp, cfg, b, "mpgw_path_retransmitted_segments_total", "counter",
		    "Segments its subflows sent again.", PATH_FIELD(retrans_segs), 1);
	path_family(dp, cfg, b, "mpgw_path_retransmitted_bytes_total", "counter",
		    "Payload bytes its subflows sent again.", PATH_FIELD(retrans_bytes), 1);
	path_family(dp, cfg, b, "mpgw_path_state_changes_total", "counter",
		    "Changes of the path's health state.", PATH_FIELD(state_changes), 1);
	path_family(dp, cfg, b, "mpgw_path_probes_sent_total", "counter",
		    "Echo probes sent along the path.", PATH_FIELD(probes_sent), 1);
	path_family(dp, cfg, b, "mpgw_path_probes_lost_total", "counter",
		    "Echo probes not answered in time.", PATH_FIELD(probes_lost), 1);
	path_family(dp, cfg, b, "mpgw_path_smoothed_rtt_seconds", "gauge",
		    "Smoothed round trip time of the probes.", PATH_FIELD(rtt_ns), 1e-9);
	path_family(dp, cfg, b, "mpgw_path_loss_ratio", "gauge",
		    "Probes lost over the health window.", PATH_FIELD(loss_pct), 0.01);

	mgmt_prom_family(b, "mpgw_path_up", "gauge",
			 "1 while the path is up or degraded, 0 when down or not known.");
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct mgmt_peer *p = &cfg->peers[i];
		for (unsigned j = 0; j < p->n_paths; j++) {
			const label l[] = { { "peer", p->name }, { "path", p->paths[j].name } };
			uint64_t s = dp->stats[0].path[p->slot][p->paths[j].slot].state;
			mgmt_prom_u64(b, "mpgw_path_up", l, 2,
				      s == PROXY_HEALTH_UP || s == PROXY_HEALTH_DEGRADED);
		}
	}
	mgmt_prom_family(b, "mpgw_path_state", "gauge", "1 for the path's health state now.");
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct mgmt_peer *p = &cfg->peers[i];
		for (unsigned j = 0; j < p->n_paths; j++) {
			uint64_t s = dp->stats[0].path[p->slot][p->paths[j].slot].state;
			for (unsigned k = 0; k < PROXY_HEALTH_STATES; k++) {
				const label l[] = { { "peer", p->name },
						    { "path", p->paths[j].name },
						    { "state", proxy_health_state_names[k] } };
				mgmt_prom_u64(b, "mpgw_path_state", l, 3, s == k);
			}
		}
	}
	mgmt_prom_family(b, "mpgw_path_rtt_seconds", "histogram",
			 "Round trip times of the echo probes along the path.");
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct mgmt_peer *p = &cfg->peers[i];
		for (unsigned j = 0; j < p->n_paths; j++) {
			const struct proxy_path_stats *ps =
				&dp->stats[0].path[p->slot][p->paths[j].slot];
			const label l[] = { { "peer", p->name }, { "path", p->paths[j].name } };
			hist(b, "mpgw_path_rtt_seconds", l, 2, proxy_rtt_bounds_us,
			     PROXY_RTT_BUCKETS, ps->rtt, ps->rtt_sum_ns);
		}
	}
}

static void resources(const struct proxy_dataplane *dp, struct mgmt_buf *b)
{
	const struct {
		const char *name;
		const struct rte_mempool *mp;
	} pools[] = { { "rx", dp->pool }, { "tx", dp->tx_pool } };
	char lc[12];

	mgmt_prom_family(b, "mpgw_mempool_in_use_mbufs", "gauge", "Mbufs taken from the pool.");
	for (unsigned i = 0; i < RTE_DIM(pools); i++) {
		const label l[] = { { "pool", pools[i].name } };
		mgmt_prom_u64(b, "mpgw_mempool_in_use_mbufs", l, 1,
			      rte_mempool_in_use_count(pools[i].mp));
	}
	mgmt_prom_family(b, "mpgw_mempool_size_mbufs", "gauge", "Mbufs in the pool.");
	for (unsigned i = 0; i < RTE_DIM(pools); i++) {
		const label l[] = { { "pool", pools[i].name } };
		mgmt_prom_u64(b, "mpgw_mempool_size_mbufs", l, 1, pools[i].mp->size);
	}
	const double hz = (double)rte_get_timer_hz();
	mgmt_prom_family(b, "mpgw_lcore_busy_seconds_total", "counter",
			 "Time the worker spent in loops that moved packets.");
	for (unsigned w = 0; w < dp->n_workers; w++) {
		snprintf(lc, sizeof(lc), "%u", dp->workers[w].lcore);
		const label l[] = { { "lcore", lc } };
		mgmt_prom_double(b, "mpgw_lcore_busy_seconds_total", l, 1,
				 (double)dp->stats[w].busy_cycles / hz);
	}
	mgmt_prom_family(b, "mpgw_lcore_idle_seconds_total", "counter",
			 "Time the worker spent in empty loops and idle sleeps.");
	for (unsigned w = 0; w < dp->n_workers; w++) {
		snprintf(lc, sizeof(lc), "%u", dp->workers[w].lcore);
		const label l[] = { { "lcore", lc } };
		mgmt_prom_double(b, "mpgw_lcore_idle_seconds_total", l, 1,
				 (double)dp->stats[w].idle_cycles / hz);
	}
}

static void rules(const struct proxy_dataplane *dp, const struct mgmt_config *cfg,
		  struct mgmt_buf *b)
{
	mgmt_prom_family(b, "mpgw_rule_hits_total", "counter",
			 "New SYNs each interception rule decided (the first that matched).");
	for (unsigned i = 0; i < cfg->n_rules; i++) {
		const label l[] = { { "rule", cfg->rules[i].name } };
		mgmt_prom_u64(b, "mpgw_rule_hits_total", l, 1,
			      PROXY_SUM(dp, rule_hits[cfg->rules[i].slot]));
	}
}

void proxy_dataplane_metrics(const struct proxy_dataplane *dp, const struct mgmt_config *cfg,
			     struct mgmt_buf *b)
{
	ports(dp, b);
	engines(dp, b);
	peers(dp, cfg, b);
	rules(dp, cfg, b);
	paths(dp, cfg, b);
	resources(dp, b);
}
