/* SPDX-License-Identifier: BSD-3-Clause */
/* The data plane's counters as the management thread reads them: summed
 * over lcores by name (counters show, the SIGUSR1 dump), and histogram
 * bounds. Workers write their own block only; 64-bit reads do not tear. */
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>

#include "proxy/convert.h"
#include "proxy/health.h"
#include "proxy/worker.h"

const uint32_t proxy_setup_bounds_us[PROXY_SETUP_BUCKETS] = {
	1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000, 5000000,
};
const uint32_t proxy_rtt_bounds_us[PROXY_RTT_BUCKETS] = {
	500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000, 2000000,
};

void proxy_setup_sample(struct proxy_peer_stats *ps, uint64_t d)
{
	unsigned b = 0;

	while (b < PROXY_SETUP_BUCKETS && d > proxy_setup_bounds_us[b] * 1000ull)
		b++;
	ps->setup[b]++;
	ps->setup_sum_ns += d;
}

const struct proxy_lcore_stats *proxy_dataplane_stats(const struct proxy_dataplane *dp,
						      unsigned *n_workers)
{
	*n_workers = dp->n_workers;
	return dp->stats;
}

void proxy_dataplane_counters(const struct proxy_dataplane *dp,
			      void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	char name[96];

	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		const char *pn = dp->ports[pi].name;
		for (unsigned k = 0; k < TCPSTACK_MIB_MAX; k++) {
			snprintf(name, sizeof(name), "%s.%s", pn, tcpstack_mib_names[k]);
			fn(ctx, name, PROXY_SUM(dp, tcp[pi].v[k]));
		}
	}
	for (unsigned k = 0; k < TCPSTACK_MIB_MAX; k++) {
		snprintf(name, sizeof(name), "tcp.%s", tcpstack_mib_names[k]);
		fn(ctx, name, PROXY_SUM(dp, tcp_engine.v[k]));
	}
	for (unsigned k = 0; k < MPTCP_MIB_MAX; k++) {
		snprintf(name, sizeof(name), "mptcp.%s", mptcp_mib_names[k]);
		fn(ctx, name, PROXY_SUM(dp, mptcp.v[k]));
	}
	for (unsigned k = 0; k < PROXY_MIB_MAX; k++)
		fn(ctx, proxy_mib_names[k], PROXY_SUM(dp, mib[k]));
	for (unsigned k = 1; k < PROXY_CONVERT_REASON_MAX; k++) {
		snprintf(name, sizeof(name), "proxy.%s", proxy_convert_reason_names[k]);
		fn(ctx, name, PROXY_SUM(dp, convert[k]));
	}
}

static void dump_one(void *ctx, const char *name, uint64_t v)
{
	fprintf(ctx, "counter %s %" PRIu64 "\n", name, v);
}

void proxy_dataplane_dump_stats(const struct proxy_dataplane *dp, FILE *f)
{
	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		const struct proxy_port *p = &dp->ports[pi];
		struct rte_eth_stats hw;

		if (rte_eth_stats_get(p->port_id, &hw) != 0)
			memset(&hw, 0, sizeof(hw));
		fprintf(f,
			"port %s rx_packets %" PRIu64 " rx_bytes %" PRIu64 " rx_drops %" PRIu64
			" tx_packets %" PRIu64 " tx_bytes %" PRIu64 " tx_drops %" PRIu64
			" no_mbuf %" PRIu64 " hw_missed %" PRIu64 " hw_rx_errors %" PRIu64
			" hw_tx_errors %" PRIu64 "\n",
			p->name, PROXY_SUM(dp, port[pi].rx_packets),
			PROXY_SUM(dp, port[pi].rx_bytes), PROXY_SUM(dp, port[pi].rx_drops),
			PROXY_SUM(dp, port[pi].tx_packets), PROXY_SUM(dp, port[pi].tx_bytes),
			PROXY_SUM(dp, port[pi].tx_drops),
			PROXY_SUM(dp, tcp[pi].v[TCPSTACK_MIB_NO_MBUF]) + hw.rx_nombuf, hw.imissed,
			hw.ierrors, hw.oerrors);
	}
	proxy_dataplane_counters(dp, dump_one, f);
	if (dp->workers[0].relay != NULL)
		fprintf(f, "gauge proxy_connections %u\n",
			proxy_relay_active(dp->workers[0].relay));
	for (unsigned i = 0; i < dp->n_workers; i++)
		fprintf(f, "lcore %u busy_cycles %" PRIu64 " idle_cycles %" PRIu64 "\n",
			dp->workers[i].lcore, dp->stats[i].busy_cycles, dp->stats[i].idle_cycles);
	fprintf(f, "mempool rx in_use %u size %u\n", rte_mempool_in_use_count(dp->pool),
		dp->pool->size);
	fprintf(f, "mempool tx in_use %u size %u\n", rte_mempool_in_use_count(dp->tx_pool),
		dp->tx_pool->size);
	fflush(f);
}

void proxy_dataplane_path_status(const struct proxy_dataplane *dp, unsigned peer_slot,
				 unsigned path_slot, struct mgmt_path_status *out)
{
	/* worker 0 probes and sweeps: its block holds the gauges */
	const struct proxy_path_stats *ps = &dp->stats[0].path[peer_slot][path_slot];
	uint64_t s = ps->state;

	out->state = proxy_health_state_names[s < PROXY_HEALTH_STATES ? s : 0];
	out->rtt_ms = (double)ps->rtt_ns / 1e6;
	out->loss_pct = (unsigned)ps->loss_pct;
	out->subflows = (unsigned)ps->subflows;
}

unsigned proxy_dataplane_peer_connections(const struct proxy_dataplane *dp, unsigned peer_slot)
{
	return (unsigned)dp->stats[0].peer[peer_slot].active;
}

uint64_t proxy_dataplane_rule_hits(const struct proxy_dataplane *dp, unsigned rule_slot)
{
	return rule_slot < MGMT_RULES_MAX ? PROXY_SUM(dp, rule_hits[rule_slot]) : 0;
}
