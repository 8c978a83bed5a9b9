/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker lcore loop: rx burst -> classify -> act -> tx burst, timers,
 * and an adaptive sleep when idle so a small machine is not burnt. */
#include <sys/prctl.h>
#include <time.h>

#include <string.h>

#include <rte_cycles.h>

#include "mgmt/mgmt.h"
#include "proxy/worker.h"

#define TICK_NS (10 * 1000 * 1000ull)
#define EMPTY_POLLS_BEFORE_SLEEP 16

static uint64_t cycles_to_ns(uint64_t c, uint64_t hz)
{
	return (c / hz) * 1000000000ull + (c % hz) * 1000000000ull / hz;
}

static void tx_flush(struct proxy_worker *w, unsigned pi)
{
	struct proxy_txbuf *b = &w->tx[pi];
	struct proxy_port_counters *pc = &w->stats->port[pi];
	const struct proxy_port *p = &w->dp->ports[pi];
	uint16_t sent;

	if (b->n == 0)
		return;
	/* Count bytes before the PMD frees the mbufs. */
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < b->n; i++)
		bytes += rte_pktmbuf_pkt_len(b->m[i]);
	sent = rte_eth_tx_burst(p->port_id, (uint16_t)w->id, b->m, b->n);
	for (uint16_t i = sent; i < b->n; i++) {
		bytes -= rte_pktmbuf_pkt_len(b->m[i]);
		rte_pktmbuf_free(b->m[i]);
	}
	pc->tx_packets += sent;
	pc->tx_bytes += bytes;
	pc->tx_drops += (uint64_t)(b->n - sent);
	b->n = 0;
}

static void tx_add(struct proxy_worker *w, unsigned pi, struct rte_mbuf *m)
{
	struct proxy_txbuf *b = &w->tx[pi];

	if (b->n == PROXY_TXBUF)
		tx_flush(w, pi);
	b->m[b->n++] = m;
}

void proxy_worker_tx(void *ctx, unsigned port, struct rte_mbuf *m)
{
	tx_add(ctx, port, m);
}

static void tx_add_all(struct proxy_worker *w, unsigned pi, struct rte_mbuf **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		tx_add(w, pi, v[i]);
}

/* A frame for the box's own stack, on worker 0. */
static void local_input(struct proxy_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now)
{
	struct rte_mbuf *out[8];
	unsigned n = tcpstack_iface_input(w->ifc[pi], m, now, out, RTE_DIM(out));
	tx_add_all(w, pi, out, n);
}

/* To worker 0, which owns the box's stack and the relay, through its ring. */
static void redirect(struct proxy_worker *w, struct rte_mbuf *m)
{
	if (rte_ring_mp_enqueue(w->dp->workers[0].redirect, m) != 0) {
		w->stats->mib[PROXY_MIB_DROP_REDIRECT_FULL]++;
		rte_pktmbuf_free(m);
		return;
	}
	w->stats->mib[PROXY_MIB_REDIRECTED]++;
}

static void local_or_redirect(struct proxy_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now)
{
	w->stats->mib[PROXY_MIB_LOCAL]++;
	if (w->id == 0)
		local_input(w, pi, m, now);
	else
		redirect(w, m);
}

/* An inside frame the proxy may want (TCP, ARP): the relay lives on
 * worker 0, whose ring takes it from the others. */
static void inside_input(struct proxy_worker *w, unsigned pi, struct rte_mbuf *m, bool tcp,
			 uint64_t now)
{
	const struct proxy_port *p = &w->dp->ports[pi];
	bool taken;

	if (w->id != 0) {
		redirect(w, m);
		return;
	}
	taken = tcp ? proxy_relay_inside_tcp(w->relay, m, now)
		    : proxy_relay_inside_arp(w->relay, m, now);
	if (!taken) {
		w->stats->mib[PROXY_MIB_BRIDGED]++;
		tx_add(w, (unsigned)p->peer, m);
	}
}

static void handle(struct proxy_worker *w, unsigned pi, struct rte_mbuf *m, uint64_t now)
{
	const struct proxy_port *p = &w->dp->ports[pi];
	enum proxy_mib why = PROXY_MIB_DROP_RUNT;
	struct rte_mbuf *out[4];
	unsigned n;

	enum proxy_verdict v = proxy_classify(&w->cls[pi], rte_pktmbuf_mtod(m, void *),
					      rte_pktmbuf_data_len(m), &why);
	switch (v) {
	case PROXY_BRIDGE:
		w->stats->mib[PROXY_MIB_BRIDGED]++;
		tx_add(w, (unsigned)p->peer, m);
		return;
	case PROXY_LOCAL:
		local_or_redirect(w, pi, m, now);
		return;
	case PROXY_SNOOP_BRIDGE:
		if (w->id == 0) {
			n = tcpstack_iface_snoop_arp(w->ifc[pi], m, now, out, RTE_DIM(out));
			tx_add_all(w, pi, out, n);
		}
		w->stats->mib[PROXY_MIB_BRIDGED]++;
		tx_add(w, (unsigned)p->peer, m);
		return;
	case PROXY_SNOOP_DROP:
		/* Worker 0's stack takes it whole (and counts it as not for
		 * us once learned from). */
		local_or_redirect(w, pi, m, now);
		return;
	case PROXY_INSIDE_TCP:
	case PROXY_INSIDE_ARP:
		inside_input(w, pi, m, v == PROXY_INSIDE_TCP, now);
		return;
	case PROXY_DROP:
		w->stats->mib[why]++;
		w->stats->port[pi].rx_drops++;
		rte_pktmbuf_free(m);
		return;
	}
}

/* The TCP engine's output: out of the port that owns the source address. */
void proxy_worker_tcp_output(void *ctx, struct rte_mbuf *m, uint64_t now)
{
	struct proxy_worker *w = ctx;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								sizeof(struct rte_ether_hdr));
	struct rte_mbuf *out[8];

	for (unsigned pi = 0; pi < w->dp->n_ports; pi++) {
		if (w->ifc[pi] == NULL || !tcpstack_iface_owns(w->ifc[pi], ip->src_addr))
			continue;
		unsigned n = tcpstack_iface_output(w->ifc[pi], m, now, out, RTE_DIM(out));
		tx_add_all(w, pi, out, n);
		return;
	}
	w->stats->mib[PROXY_MIB_DROP_TCP_NO_PORT]++;
	rte_pktmbuf_free(m);
}

static unsigned poll_ports(struct proxy_worker *w, uint64_t now)
{
	struct proxy_dataplane *dp = w->dp;
	struct rte_mbuf *pkts[PROXY_BURST_MAX];
	unsigned total = 0;

	for (unsigned pi = 0; pi < dp->n_ports; pi++) {
		uint16_t n = rte_eth_rx_burst(dp->ports[pi].port_id, (uint16_t)w->id, pkts,
					      (uint16_t)dp->cfg.burst);
		struct proxy_port_counters *pc = &w->stats->port[pi];

		pc->rx_packets += n;
		for (uint16_t i = 0; i < n; i++) {
			pc->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
			handle(w, pi, pkts[i], now);
		}
		total += n;
	}
	if (w->redirect != NULL) {
		unsigned n =
			rte_ring_sc_dequeue_burst(w->redirect, (void **)pkts, dp->cfg.burst, NULL);
		for (unsigned i = 0; i < n; i++) {
			unsigned pi = dp->port_index[pkts[i]->port];
			if (dp->ports[pi].role == MGMT_PORT_INSIDE && w->relay != NULL)
				handle(w, pi, pkts[i], now); /* classified again, here */
			else
				local_input(w, pi, pkts[i], now);
		}
		total += n;
	}
	for (unsigned pi = 0; pi < dp->n_ports; pi++)
		tx_flush(w, pi);
	return total;
}

static void timers(struct proxy_worker *w, uint64_t now)
{
	struct rte_mbuf *out[32];

	for (unsigned pi = 0; pi < w->dp->n_ports; pi++) {
		if (w->ifc[pi] == NULL)
			continue;
		unsigned n = tcpstack_iface_tick(w->ifc[pi], now, out, RTE_DIM(out));
		tx_add_all(w, pi, out, n);
		tx_flush(w, pi);
	}
}

static void idle_sleep(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

int proxy_worker_main(void *arg)
{
	struct proxy_worker *w = arg;
	struct proxy_dataplane *dp = w->dp;
	const uint64_t hz = rte_get_timer_hz();
	uint64_t next_tick = 0, prev = rte_get_timer_cycles();
	unsigned empty = 0, sleep_us = 0;

	/* Sleeps of a few microseconds must not round up to the default 50. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	for (unsigned i = 0; i < w->n_services; i++)
		w->services[i].now = cycles_to_ns(prev, hz);
	proxy_worker_start_services(w, cycles_to_ns(prev, hz));
	while (!__atomic_load_n(&dp->quit, __ATOMIC_RELAXED)) {
		uint64_t now = cycles_to_ns(prev, hz);
		for (unsigned i = 0; i < w->n_services; i++)
			w->services[i].now = now;
		unsigned moved = poll_ports(w, now);

		if (w->tcp != NULL && tcpstack_tcp_next_timer(w->tcp) <= now) {
			tcpstack_tcp_timers(w->tcp, now);
			for (unsigned pi = 0; pi < dp->n_ports; pi++)
				tx_flush(w, pi);
		}
		if (w->mp != NULL && mptcp_stack_next_timer(w->mp) <= now) {
			mptcp_stack_timers(w->mp, now);
			for (unsigned pi = 0; pi < dp->n_ports; pi++)
				tx_flush(w, pi);
		}
		if (w->relay != NULL && proxy_relay_next_timer(w->relay) <= now) {
			struct timespec wall;
			clock_gettime(CLOCK_REALTIME, &wall);
			proxy_relay_timers(w->relay, now,
					   (uint64_t)wall.tv_sec * 1000 +
						   (uint64_t)wall.tv_nsec / 1000000);
			for (unsigned pi = 0; pi < dp->n_ports; pi++)
				tx_flush(w, pi);
		}

		if (w->cmds != NULL && rte_ring_count(w->cmds) != 0) {
			proxy_control_run(w, now);
			for (unsigned pi = 0; pi < dp->n_ports; pi++)
				tx_flush(w, pi);
		}
		if (now >= next_tick) {
			timers(w, now);
			next_tick = now + TICK_NS;
		}
		if (moved != 0) {
			empty = 0;
			sleep_us = 0;
		} else if (dp->cfg.idle_sleep_us != 0 && ++empty >= EMPTY_POLLS_BEFORE_SLEEP) {
			/* Back off exponentially up to the configured maximum. */
			sleep_us = sleep_us == 0 ? 1 : sleep_us * 2;
			if (sleep_us > dp->cfg.idle_sleep_us)
				sleep_us = dp->cfg.idle_sleep_us;
			unsigned us = sleep_us;
			if (w->tcp != NULL) {
				/* Never sleep through a TCP or MPTCP timer. */
				uint64_t due = tcpstack_tcp_next_timer(w->tcp);
				if (w->mp != NULL && mptcp_stack_next_timer(w->mp) < due)
					due = mptcp_stack_next_timer(w->mp);
				if (w->relay != NULL && proxy_relay_next_timer(w->relay) < due)
					due = proxy_relay_next_timer(w->relay);
				if (due <= now)
					us = 0;
				else if (due - now < (uint64_t)us * 1000)
					us = (unsigned)((due - now) / 1000);
			}
			if (us != 0)
				idle_sleep(us);
		}
		uint64_t cur = rte_get_timer_cycles();
		if (moved != 0)
			w->stats->busy_cycles += cur - prev;
		else
			w->stats->idle_cycles += cur - prev;
		prev = cur;
	}
	return 0;
}

void proxy_worker_start_services(struct proxy_worker *w, uint64_t now)
{
	const struct mgmt_config *cfg = &w->dp->cfg;

	if (w->tcp == NULL)
		return;
	for (unsigned i = 0; i < cfg->n_services; i++) {
		const struct mgmt_service *sc = &cfg->services[i];
		uint32_t more[MGMT_ADDRS_MAX];
		unsigned n_more = 0;
		for (unsigned a = 0; a < cfg->n_addrs; a++)
			if (a != sc->from_addr)
				more[n_more++] = cfg->addrs[a].ip;
		int rc = proxy_service_start(&w->services[i], sc, w->tcp, w->mp, w->dp->tx_pool,
					     cfg->addrs[sc->from_addr].ip, more, n_more, now);
		if (rc != 0)
			mgmt_log(LOG_ERR, "service %s: cannot start: %s", sc->name, strerror(-rc));
		else
			mgmt_log(LOG_INFO, "service %s: started", sc->name);
	}
	w->n_services = cfg->n_services;
	for (unsigned pi = 0; pi < w->dp->n_ports; pi++)
		tx_flush(w, pi);
}

void proxy_worker_release(struct proxy_worker *w)
{
	struct rte_mbuf *m;

	/* Connections first: their queues hold mbufs of the pool. The
	 * relay's use the MPTCP stack. */
	proxy_relay_destroy(w->relay);
	w->relay = NULL;
	mptcp_stack_destroy(w->mp);
	w->mp = NULL;
	tcpstack_tcp_destroy(w->tcp);
	w->tcp = NULL;

	for (unsigned pi = 0; pi < MGMT_PORTS_MAX; pi++) {
		for (uint16_t i = 0; i < w->tx[pi].n; i++)
			rte_pktmbuf_free(w->tx[pi].m[i]);
		w->tx[pi].n = 0;
		tcpstack_iface_destroy(w->ifc[pi]);
		w->ifc[pi] = NULL;
	}
	if (w->cmds != NULL) {
		/* Requests the management thread gave up on are ours to free. */
		proxy_control_run(w, 0);
		rte_ring_free(w->cmds);
		w->cmds = NULL;
	}
	if (w->redirect != NULL) {
		while (rte_ring_dequeue(w->redirect, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->redirect);
		w->redirect = NULL;
	}
}
