/* SPDX-License-Identifier: BSD-3-Clause */
/* The data plane: mempool, ports, bridge pairing, per-worker state, and the
 * lifecycle the daemon drives (create, start, stop, destroy). */
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "proxy/convert.h"
#include "proxy/port.h"
#include "proxy/worker.h"

#define ARP_RETRANS_NS (1000 * 1000 * 1000ull)
#define ARP_MAX_PROBES 3

static int make_ifaces(struct proxy_dataplane *dp, char *err)
{
	const struct mgmt_config *cfg = &dp->cfg;
	struct proxy_worker *w0 = &dp->workers[0];
	const struct tcpstack_arp_params arp = {
		.entries = cfg->arp_entries,
		.reachable_ns = cfg->arp_timeout_s * 1000000000ull,
		.retrans_ns = ARP_RETRANS_NS,
		.max_probes = ARP_MAX_PROBES,
	};

	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		struct tcpstack_addr addrs[TCPSTACK_IFACE_ADDRS_MAX];
		unsigned n = 0;

		for (unsigned a = 0; a < cfg->n_addrs; a++) {
			const struct mgmt_addr *ca = &cfg->addrs[a];
			if (ca->port != pi || n == TCPSTACK_IFACE_ADDRS_MAX)
				continue;
			addrs[n].ip = ca->ip;
			addrs[n].mask = ca->prefix_len == 0
						? 0
						: rte_cpu_to_be_32(~0u << (32 - ca->prefix_len));
			addrs[n].gateway = ca->has_gateway ? ca->gateway : 0;
			n++;
		}
		if (n == 0)
			continue;
		w0->ifc[pi] = tcpstack_iface_create(&dp->ports[pi].mac, addrs, n, &arp, dp->tx_pool,
						    &w0->stats->tcp[pi]);
		if (w0->ifc[pi] == NULL) {
			snprintf(err, MGMT_ERR_MAX, "port %s: cannot create its stack",
				 dp->ports[pi].name);
			return -1;
		}
	}
	return 0;
}

/* The proxy, on worker 0 beside the box's own stack, if configured. */
static int make_relay(struct proxy_dataplane *dp, char *err)
{
	struct proxy_worker *w0 = &dp->workers[0];
	int in = mgmt_config_port_by_role(&dp->cfg, MGMT_PORT_INSIDE);
	int out = mgmt_config_port_by_role(&dp->cfg, MGMT_PORT_OUTSIDE);

	if (!proxy_relay_wanted(&dp->cfg))
		return 0;
	if (in < 0 || out < 0) {
		snprintf(err, MGMT_ERR_MAX, "the proxy needs an inside and an outside port");
		return -1;
	}
	struct proxy_relay_env env = {
		.cfg = dp->live,
		.mp = w0->mp,
		.tcp = w0->tcp,
		.pool = dp->tx_pool,
		.stats = w0->stats,
		.inside = (unsigned)in,
		.outside = (unsigned)out,
		.inside_mac = dp->ports[in].mac,
		.tx = proxy_worker_tx,
		.tx_ctx = w0,
	};
	memcpy(env.box_ifc, w0->ifc, sizeof(env.box_ifc));
	w0->relay = proxy_relay_create(&env, 0, err);
	return w0->relay != NULL ? 0 : -1;
}

static int make_workers(struct proxy_dataplane *dp, char *err)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct proxy_worker *w = &dp->workers[i];
		char name[RTE_RING_NAMESIZE];
		w->id = i;
		w->dp = dp;
		w->stats = &dp->stats[i];
		snprintf(name, sizeof(name), "mpgw_cmds%u", i);
		w->cmds = rte_ring_create(name, 16, (int)rte_socket_id(), RING_F_SC_DEQ);
		if (w->cmds == NULL) {
			snprintf(err, MGMT_ERR_MAX, "cannot create worker %u's command ring", i);
			return -1;
		}
	}
	if (make_ifaces(dp, err) != 0)
		return -1;
	/* One TCP for the box's addresses, on worker 0 with the rest of the
	 * box's own stack (its counters live with port 0's). */
	struct proxy_worker *w0 = &dp->workers[0];
	struct tcpstack_tcp_params tp = {
		.max_conns = dp->cfg.tcp_max_conns,
		.max_half_open = dp->cfg.tcp_max_half_open,
		.syncookies_off = !dp->cfg.tcp_syncookies,
	};
	w0->tcp = tcpstack_tcp_create(&tp, dp->tx_pool, &w0->stats->tcp_engine,
				      proxy_worker_tcp_output, w0);
	if (w0->tcp == NULL) {
		snprintf(err, MGMT_ERR_MAX, "cannot create the TCP engine");
		return -1;
	}
	for (unsigned pi = 0; pi < dp->n_ports; pi++)
		if (w0->ifc[pi] != NULL)
			w0->ifc[pi]->tcp = w0->tcp;
	/* MPTCP on the same TCP: every box address, announced to peers. */
	struct mptcp_params mpp = { 0 };
	if (proxy_relay_wanted(&dp->cfg)) /* the proxy's per-connection limit */
		mpp.sndbuf = mpp.rcvbuf = dp->cfg.proxy_buffer;
	w0->mp = mptcp_stack_create(&mpp, w0->tcp, dp->tx_pool, &w0->stats->mptcp);
	if (w0->mp == NULL) {
		snprintf(err, MGMT_ERR_MAX, "cannot create the MPTCP engine");
		return -1;
	}
	for (unsigned a = 0; a < dp->cfg.n_addrs; a++) /* ids 1..16 */
		mptcp_stack_add_addr(w0->mp, dp->cfg.addrs[a].ip, (uint8_t)(a + 1), true);
	if (dp->n_workers > 1) {
		dp->workers[0].redirect = rte_ring_create("mpgw_redirect0", 1024,
							  (int)rte_socket_id(), RING_F_SC_DEQ);
		if (dp->workers[0].redirect == NULL) {
			snprintf(err, MGMT_ERR_MAX, "cannot create the redirect ring");
			return -1;
		}
	}
	if (make_relay(dp, err) != 0)
		return -1;
	for (unsigned i = 0; i < dp->n_workers; i++) {
		for (unsigned pi = 0; pi < dp->n_ports; pi++) {
			struct proxy_classify_port *c = &dp->workers[i].cls[pi];
			c->proxy = w0->relay != NULL;
			c->role = dp->ports[pi].role;
			c->has_peer = dp->ports[pi].peer >= 0;
			c->mac = dp->ports[pi].mac;
			/* Addresses never change after start: shared read-only. */
			c->ifc = dp->workers[0].ifc[pi];
		}
	}
	return 0;
}

struct proxy_dataplane *proxy_dataplane_create(const struct mgmt_config *cfg, char *err)
{
	struct proxy_dataplane *dp = calloc(1, sizeof(*dp));

	if (dp == NULL) {
		snprintf(err, MGMT_ERR_MAX, "out of memory");
		return NULL;
	}
	dp->cfg = *cfg;
	dp->live = &dp->cfg;
	dp->n_workers = cfg->workers;
	if (dp->n_workers > PROXY_WORKERS_MAX || rte_lcore_count() < dp->n_workers + 1) {
		snprintf(err, MGMT_ERR_MAX,
			 "%u workers need %u lcores (one for management), the EAL has %u:"
			 " widen eal -l/--lcores",
			 dp->n_workers, dp->n_workers + 1, rte_lcore_count());
		free(dp);
		return NULL;
	}
	dp->stats =
		rte_zmalloc("mpgw_stats", sizeof(*dp->stats) * dp->n_workers, RTE_CACHE_LINE_SIZE);
	dp->pool = rte_pktmbuf_pool_create("mpgw_mbufs", cfg->mbufs, cfg->mbuf_cache, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	dp->tx_pool = rte_pktmbuf_pool_create("mpgw_tx_mbufs", cfg->mbufs, cfg->mbuf_cache, 0,
					      RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->stats == NULL || dp->pool == NULL || dp->tx_pool == NULL) {
		snprintf(err, MGMT_ERR_MAX, "cannot allocate 2 x %u mbufs (%s): raise eal -m",
			 cfg->mbufs, rte_strerror(rte_errno));
		goto fail;
	}
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		if (proxy_port_open(&cfg->ports[i], (uint16_t)dp->n_workers, dp->pool,
				    &dp->ports[i], err) != 0)
			goto fail;
		dp->port_index[dp->ports[i].port_id] = (uint8_t)i;
		dp->n_ports++;
	}
	int in = mgmt_config_port_by_role(cfg, MGMT_PORT_INSIDE);
	int out = mgmt_config_port_by_role(cfg, MGMT_PORT_OUTSIDE);
	if (in >= 0 && out >= 0) {
		dp->ports[in].peer = out;
		dp->ports[out].peer = in;
	}
	if (make_workers(dp, err) != 0)
		goto fail;
	return dp;
fail:
	proxy_dataplane_destroy(dp);
	return NULL;
}

int proxy_dataplane_start(struct proxy_dataplane *dp, char *err)
{
	unsigned i = 0, lcore;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (i == dp->n_workers)
			break;
		dp->workers[i].lcore = lcore;
		int rc = rte_eal_remote_launch(proxy_worker_main, &dp->workers[i], lcore);
		if (rc != 0) {
			snprintf(err, MGMT_ERR_MAX, "cannot launch worker %u on lcore %u: %s", i,
				 lcore, strerror(-rc));
			proxy_dataplane_stop(dp);
			return -1;
		}
		i++;
	}
	return 0;
}

void proxy_dataplane_stop(struct proxy_dataplane *dp)
{
	__atomic_store_n(&dp->quit, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
}

unsigned proxy_dataplane_destroy(struct proxy_dataplane *dp)
{
	unsigned leaked = 0;

	if (dp == NULL)
		return 0;
	for (unsigned i = 0; i < dp->n_workers; i++)
		proxy_worker_release(&dp->workers[i]);
	for (unsigned i = 0; i < dp->n_ports; i++)
		proxy_port_close(&dp->ports[i]);
	if (dp->pool != NULL) {
		leaked = rte_mempool_in_use_count(dp->pool);
		rte_mempool_free(dp->pool);
	}
	if (dp->tx_pool != NULL) {
		leaked += rte_mempool_in_use_count(dp->tx_pool);
		rte_mempool_free(dp->tx_pool);
	}
	rte_free(dp->stats);
	if (dp->live != &dp->cfg)
		free(dp->live);
	free(dp);
	return leaked;
}
