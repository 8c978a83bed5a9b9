/* SPDX-License-Identifier: BSD-3-Clause */
/* The WAN paths as the relay sees them: their health from echo probes
 * (health.h), what their subflows carry (counted by a sweep over the
 * connections, since the engines count per subflow), which path a new
 * connection starts on, and paths added or removed at run time. Counters
 * go to the lcore's stats by peer and path slot, which a reload keeps. */
#include <string.h>

#include "mgmt/mgmt.h"
#include "proxy/relay_conn.h"

#define SWEEP_NS 1000000000ull /* accounting of subflows' bytes */
#define PROBE_ID_BASE 0x4d00 /* 'M', and the peer and path slots below */
#define PROBE_PAYLOAD 16

static uint16_t probe_id(unsigned peer_slot, unsigned path_slot)
{
	return (uint16_t)(PROBE_ID_BASE | peer_slot << 3 | path_slot);
}

static struct proxy_path_stats *path_stats(const struct proxy_relay *r, unsigned peer_slot,
					   unsigned path_slot)
{
	return &r->env.stats->path[peer_slot][path_slot];
}

/* Probed: gateway peers' paths (an mptcp-server's far end is each
 * connection's destination, an mptcp-clients' are the clients). */
static bool probed(const struct mgmt_peer *p, const struct mgmt_path *q)
{
	return p->kind == MGMT_PEER_GATEWAY && q->remote_ip != 0;
}

static void publish(struct proxy_relay *r, const struct mgmt_peer *p, const struct mgmt_path *q)
{
	const struct proxy_health *h = &r->health[p->slot][q->slot];
	struct proxy_path_stats *ps = path_stats(r, p->slot, q->slot);

	/* (a path known by its subflows comes and goes with its traffic:
	 * that is no news) */
	bool by_probes = probed(p, q) && r->cfg->health_probe_interval_ms != 0;
	if (ps->state != h->state)
		mgmt_log(h->state == PROXY_HEALTH_DOWN ? LOG_WARNING
			 : by_probes		       ? LOG_NOTICE
						       : LOG_INFO,
			 "path %s/%s: %s -> %s (loss %u %%, rtt %.1f ms)", p->name, q->name,
			 proxy_health_state_names[ps->state], proxy_health_state_names[h->state],
			 proxy_health_loss_pct(h), (double)h->srtt_ns / 1e6);
	ps->state = h->state;
	ps->state_changes = h->state_changes;
	ps->probes_sent = h->probes_sent;
	ps->probes_lost = h->probes_lost;
	ps->rtt_ns = h->srtt_ns;
	ps->loss_pct = proxy_health_loss_pct(h);
}

static void rtt_sample(struct proxy_path_stats *ps, uint64_t rtt_ns)
{
	unsigned b = 0;

	while (b < PROXY_RTT_BUCKETS && rtt_ns > proxy_rtt_bounds_us[b] * 1000ull)
		b++;
	ps->rtt[b]++;
	ps->rtt_sum_ns += rtt_ns;
}

static void send_probe(struct proxy_relay *r, const struct mgmt_peer *p, const struct mgmt_path *q,
		       uint64_t now)
{
	const struct mgmt_addr *a = &r->cfg->addrs[q->local];
	struct tcpstack_iface *ifc = r->env.box_ifc[a->port];
	struct rte_mbuf *out[8];

	if (ifc == NULL)
		return;
	uint16_t seq = proxy_health_sent(&r->health[p->slot][q->slot], &r->health_params, now);
	unsigned n = tcpstack_iface_send_echo(ifc, a->ip, q->remote_ip, probe_id(p->slot, q->slot),
					      seq, PROBE_PAYLOAD, now, out, RTE_DIM(out));
	for (unsigned i = 0; i < n; i++)
		r->env.tx(r->env.tx_ctx, a->port, out[i]);
}

void relay_paths_echo_reply(void *ctx, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
			    uint64_t now)
{
	struct proxy_relay *r = ctx;
	const struct mgmt_config *cfg = r->cfg;

	if ((id & 0xffc0) != PROBE_ID_BASE)
		return;
	unsigned peer_slot = (id >> 3) & 7, path_slot = id & 7;
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct mgmt_peer *p = &cfg->peers[i];
		if (p->slot != peer_slot)
			continue;
		for (unsigned j = 0; j < p->n_paths; j++) {
			const struct mgmt_path *q = &p->paths[j];
			uint64_t rtt;
			if (q->slot != path_slot || q->remote_ip != src ||
			    cfg->addrs[q->local].ip != dst || !probed(p, q))
				continue;
			if (proxy_health_answered(&r->health[p->slot][q->slot], &r->health_params,
						  seq, now, &rtt)) {
				rtt_sample(path_stats(r, p->slot, q->slot), rtt);
				publish(r, p, q);
			}
			return;
		}
	}
}

/* Which path of @p a subflow from @laddr to @raddr is on (slot), or -1. */
static int path_of(const struct proxy_relay *r, const struct mgmt_peer *p, uint32_t laddr,
		   uint32_t raddr)
{
	for (unsigned j = 0; j < p->n_paths; j++) {
		const struct mgmt_path *q = &p->paths[j];
		if (r->cfg->addrs[q->local].ip == laddr &&
		    (q->remote_ip == 0 || q->remote_ip == raddr))
			return q->slot;
	}
	return -1;
}

void relay_paths_account(struct relay_conn *rc)
{
	struct proxy_relay *r = rc->r;
	struct relay_sf_seen now_seen[RELAY_SF_SEEN_MAX];
	struct mptcp_subflow_info si;
	unsigned n = 0;

	if (rc->m == NULL || rc->peer == RELAY_PEER_GONE)
		return;
	const struct mgmt_peer *p = &r->cfg->peers[rc->peer];
	for (unsigned i = 0; n < RELAY_SF_SEEN_MAX && mptcp_get_subflow_info(rc->m, i, &si) == 0;
	     i++) {
		struct relay_sf_seen cur = {
			.laddr = si.tcp.laddr,
			.raddr = si.tcp.raddr,
			.lport = si.tcp.lport,
			.rport = si.tcp.rport,
			.sent = si.tcp.bytes_acked,
			.received = si.tcp.bytes_received,
			.retrans = si.tcp.retrans_segs,
			.retrans_bytes = si.tcp.retrans_bytes,
			.srtt_us = si.tcp.srtt_us,
			.established = si.established && !si.closing,
			.path = (int8_t)path_of(r, p, si.tcp.laddr, si.tcp.raddr),
		};
		const struct relay_sf_seen *old = NULL;
		for (unsigned k = 0; k < rc->n_seen; k++)
			if (rc->seen[k].lport == cur.lport && rc->seen[k].rport == cur.rport &&
			    rc->seen[k].laddr == cur.laddr && rc->seen[k].raddr == cur.raddr)
				old = &rc->seen[k];
		if (cur.path >= 0) {
			struct proxy_path_stats *ps =
				path_stats(r, rc->peer_slot, (unsigned)cur.path);
			ps->bytes_sent += cur.sent - (old ? old->sent : 0);
			ps->bytes_received += cur.received - (old ? old->received : 0);
			ps->retrans_segs += cur.retrans - (old ? old->retrans : 0);
			ps->retrans_bytes += cur.retrans_bytes - (old ? old->retrans_bytes : 0);
		}
		now_seen[n++] = cur;
	}
	memcpy(rc->seen, now_seen, n * sizeof(now_seen[0]));
	rc->n_seen = n;
}

/* Subflows now established on each path, and the sweep's accounting. */
static void sweep(struct proxy_relay *r)
{
	uint64_t subflows[MGMT_PEERS_MAX][MGMT_PATHS_MAX] = { { 0 } };
	uint64_t srtt_sum[MGMT_PEERS_MAX][MGMT_PATHS_MAX] = { { 0 } };

	for (struct relay_conn *rc = r->conns; rc != NULL; rc = rc->next) {
		relay_paths_account(rc);
		for (unsigned k = 0; k < rc->n_seen; k++) {
			const struct relay_sf_seen *f = &rc->seen[k];
			if (f->path < 0 || !f->established)
				continue;
			subflows[rc->peer_slot][f->path]++;
			srtt_sum[rc->peer_slot][f->path] += (uint64_t)f->srtt_us * 1000;
		}
	}
	for (unsigned s = 0; s < MGMT_PEERS_MAX; s++)
		for (unsigned t = 0; t < MGMT_PATHS_MAX; t++)
			path_stats(r, s, t)->subflows = subflows[s][t];
	/* Paths not probed are known by their subflows alone. */
	for (unsigned i = 0; i < r->cfg->n_peers; i++) {
		const struct mgmt_peer *p = &r->cfg->peers[i];
		for (unsigned j = 0; j < p->n_paths; j++) {
			const struct mgmt_path *q = &p->paths[j];
			unsigned n = (unsigned)subflows[p->slot][q->slot];
			if (probed(p, q) && r->cfg->health_probe_interval_ms != 0)
				continue;
			proxy_health_subflows(&r->health[p->slot][q->slot], &r->health_params, n,
					      n ? srtt_sum[p->slot][q->slot] / n : 0);
			publish(r, p, q);
		}
	}
	for (unsigned i = 0; i < r->cfg->n_peers; i++) {
		const struct mgmt_peer *p = &r->cfg->peers[i];
		unsigned active = 0;
		for (const struct relay_conn *rc = r->conns; rc != NULL; rc = rc->next)
			active += rc->peer == i;
		r->env.stats->peer[p->slot].active = active;
	}
}

void relay_paths_timers(struct proxy_relay *r, uint64_t now)
{
	const struct mgmt_config *cfg = r->cfg;

	if (now >= r->next_sweep) {
		sweep(r);
		r->next_sweep = now + SWEEP_NS;
	}
	if (cfg->health_probe_interval_ms == 0 || now < r->next_probe)
		return;
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct mgmt_peer *p = &cfg->peers[i];
		for (unsigned j = 0; j < p->n_paths; j++) {
			const struct mgmt_path *q = &p->paths[j];
			if (!probed(p, q))
				continue;
			proxy_health_expire(&r->health[p->slot][q->slot], &r->health_params, now);
			publish(r, p, q);
			send_probe(r, p, q, now);
		}
	}
	r->next_probe = now + (uint64_t)cfg->health_probe_interval_ms * 1000000;
}

uint64_t relay_paths_next_timer(const struct proxy_relay *r)
{
	uint64_t t = r->next_sweep;

	if (r->cfg->health_probe_interval_ms != 0 && r->next_probe < t)
		t = r->next_probe;
	return t;
}

unsigned relay_paths_first(const struct proxy_relay *r, const struct mgmt_peer *p)
{
	for (unsigned j = 0; j < p->n_paths; j++)
		if (r->health[p->slot][p->paths[j].slot].state != PROXY_HEALTH_DOWN)
			return j;
	return 0; /* all down: the first, as configured */
}

/* The same peer in @cfg: its slot, and its name (a new peer may take the
 * slot a removed one left). */
static const struct mgmt_peer *same_peer(const struct mgmt_config *cfg, const struct mgmt_peer *p)
{
	for (unsigned i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].slot == p->slot && strcmp(cfg->peers[i].name, p->name) == 0)
			return &cfg->peers[i];
	return NULL;
}

static const struct mgmt_path *path_by_slot(const struct mgmt_peer *p, unsigned slot)
{
	for (unsigned j = 0; j < p->n_paths; j++)
		if (p->paths[j].slot == slot)
			return &p->paths[j];
	return NULL;
}

static bool same_path(const struct mgmt_config *a, const struct mgmt_path *p,
		      const struct mgmt_config *b, const struct mgmt_path *q)
{
	return a->addrs[p->local].ip == b->addrs[q->local].ip && p->remote_ip == q->remote_ip;
}

void relay_paths_apply(struct proxy_relay *r, const struct mgmt_config *cfg, uint64_t now)
{
	const struct mgmt_config *old = r->cfg;

	for (unsigned i = 0; i < old->n_peers; i++) {
		const struct mgmt_peer *op = &old->peers[i];
		const struct mgmt_peer *np = same_peer(cfg, op);
		if (np == NULL) /* its slot may go to a new peer: start that from zero */
			memset(&r->env.stats->peer[op->slot], 0, sizeof(struct proxy_peer_stats));
		/* What leaves: a path gone, or moved to other addresses. */
		for (unsigned j = 0; j < op->n_paths; j++) {
			const struct mgmt_path *oq = &op->paths[j];
			const struct mgmt_path *nq = np ? path_by_slot(np, oq->slot) : NULL;
			if (nq != NULL && same_path(old, oq, cfg, nq))
				continue;
			proxy_health_init(&r->health[op->slot][oq->slot]);
			memset(path_stats(r, op->slot, oq->slot), 0,
			       sizeof(struct proxy_path_stats));
			if (np == NULL)
				continue; /* a peer removed: its connections go on as they are */
			mgmt_log(LOG_NOTICE, "path %s/%s: removed, closing its subflows", op->name,
				 oq->name);
			for (struct relay_conn *rc = r->conns; rc != NULL; rc = rc->next)
				if (rc->peer == i && rc->m != NULL)
					mptcp_remove_path(rc->m, old->addrs[oq->local].ip,
							  oq->remote_ip ? oq->remote_ip : rc->saddr,
							  now);
		}
		if (np == NULL)
			continue;
		/* What comes: joined by the connections this box opened. */
		bool gw = np->kind == MGMT_PEER_GATEWAY;
		for (unsigned j = 0; j < np->n_paths; j++) {
			const struct mgmt_path *nq = &np->paths[j];
			const struct mgmt_path *oq = path_by_slot(op, nq->slot);
			if (oq != NULL && same_path(old, oq, cfg, nq))
				continue;
			mgmt_log(LOG_NOTICE, "path %s/%s: added", np->name, nq->name);
			for (struct relay_conn *rc = r->conns; rc != NULL; rc = rc->next)
				if (rc->peer == i && rc->origin && rc->m != NULL &&
				    np->kind != MGMT_PEER_MPTCP_CLIENTS)
					mptcp_add_subflow(rc->m, cfg->addrs[nq->local].ip,
							  gw ? nq->remote_ip : rc->saddr,
							  gw ? np->port : rc->sport, nq->backup,
							  now);
		}
	}
}
