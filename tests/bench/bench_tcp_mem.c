/* SPDX-License-Identifier: BSD-3-Clause */
/* tcpstack in memory, one core: two stacks joined by tests/sim's link with
 * no delay, loss or rate limit. Reports bulk goodput of one connection,
 * segments per second, and connections set up and torn down per second.
 * Wall-clock figures (the protocol code itself runs on virtual time); the
 * link copies each frame once, as a NIC would. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tests/sim/sim.h"
#include "tests/unit/ut.h"

#define PORT 9

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct peer {
	struct sim *sim;
	struct tcpstack_conn *c;
	uint64_t to_send, sent, received;
	bool closed, connected;
	struct rte_mbuf *proto; /* a payload buffer sent by reference, again and again */
};

static void pump(struct peer *p)
{
	while (p->c != NULL && p->connected && p->sent < p->to_send) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)p->proto->data_len, p->to_send - p->sent);
		if (tcpstack_tcp_send_space(p->c) < n)
			return;
		/* Zero copy both ways: the same bytes, referenced. */
		struct rte_mbuf *m = rte_pktmbuf_clone(p->proto, p->sim->pool);
		if (m == NULL)
			return;
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - n));
		if (tcpstack_tcp_send(p->c, m, p->sim->now) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		p->sent += n;
	}
	if (p->c != NULL && p->to_send != 0 && p->sent == p->to_send) {
		tcpstack_tcp_shutdown(p->c, p->sim->now);
		p->to_send = 0;
	}
}

static void on_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	struct peer *p = user;
	struct rte_mbuf *m;

	(void)err;
	p->c = c;
	switch (ev) {
	case TCPSTACK_TCP_EV_CONNECTED:
		p->connected = true;
		pump(p);
		break;
	case TCPSTACK_TCP_EV_WRITABLE:
		pump(p);
		break;
	case TCPSTACK_TCP_EV_READABLE:
		while ((m = tcpstack_tcp_recv(c, UINT32_MAX, p->sim->now)) != NULL) {
			p->received += rte_pktmbuf_pkt_len(m);
			rte_pktmbuf_free(m);
		}
		break;
	case TCPSTACK_TCP_EV_PEER_FIN:
		tcpstack_tcp_shutdown(c, p->sim->now);
		break;
	case TCPSTACK_TCP_EV_CLOSED:
		p->closed = true;
		p->c = NULL;
		break;
	}
}

static void *on_accept(void *u, struct tcpstack_conn *c)
{
	struct peer *p = u;
	p->c = c;
	p->connected = true;
	p->closed = false;
	return p;
}

static const struct tcpstack_tcp_ops ops = { .event = on_event, .accept = on_accept };

static int bulk(struct rte_mempool *pool, uint64_t bytes)
{
	struct sim_link_params link = { .delay_ns = 10 * SIM_US };
	struct tcpstack_tcp_params tp = { .sndbuf = 4u << 20, .rcvbuf = 4u << 20 };
	struct sim sim;
	struct peer a = { .sim = &sim, .to_send = bytes }, b = { .sim = &sim };
	int err;

	if (sim_init(&sim, pool, 1, &link, &link, &tp) != 0)
		return 1;
	a.proto = rte_pktmbuf_alloc(pool);
	rte_pktmbuf_append(a.proto, 1448);
	memset(rte_pktmbuf_mtod(a.proto, void *), 0x5a, 1448);
	tcpstack_tcp_listen(sim.stack[1], 0, PORT, &ops, &b);
	double t0 = wall();
	a.c = tcpstack_tcp_connect(sim.stack[0], sim.addr[0], 0, sim.addr[1], PORT, &ops, &a,
				   sim.now, &err);
	while (sim_step(&sim, UINT64_MAX)) {
		pump(&a);
		if (a.closed && b.closed)
			break;
	}
	double dt = wall() - t0;
	uint64_t segs =
		sim.mib[0].v[TCPSTACK_MIB_TCP_OUT_SEGS] + sim.mib[1].v[TCPSTACK_MIB_TCP_OUT_SEGS];
	printf("tcpstack in memory, one core: %" PRIu64 " MiB in %.2f s: %.2f Gbit/s goodput, "
	       "%.0f segments/s (both stacks)\n",
	       b.received >> 20, dt, (double)b.received * 8 / dt / 1e9, (double)segs / dt);
	rte_pktmbuf_free(a.proto);
	sim_fini(&sim);
	return b.received == bytes ? 0 : 1;
}

static int setup_rate(struct rte_mempool *pool, unsigned n)
{
	struct sim_link_params link = { .delay_ns = 10 * SIM_US };
	struct tcpstack_tcp_params tp = { .time_wait_us = 1, .max_conns = 65536 };
	struct sim sim;
	struct peer b = { .sim = &sim };
	unsigned done = 0;
	int err;

	if (sim_init(&sim, pool, 2, &link, &link, &tp) != 0)
		return 1;
	tcpstack_tcp_listen(sim.stack[1], 0, PORT, &ops, &b);
	double t0 = wall();
	for (unsigned i = 0; i < n; i++) {
		struct peer a = { .sim = &sim };
		/* Open, handshake, orderly close both ways, TIME_WAIT over. */
		a.c = tcpstack_tcp_connect(sim.stack[0], sim.addr[0], 0, sim.addr[1], PORT, &ops,
					   &a, sim.now, &err);
		if (a.c == NULL)
			break;
		while (sim_step(&sim, UINT64_MAX)) {
			if (a.connected && a.c != NULL && !a.closed && a.to_send == 0) {
				tcpstack_tcp_shutdown(a.c, sim.now);
				a.to_send = 1; /* once */
			}
		}
		if (a.closed && tcpstack_tcp_conn_count(sim.stack[0]) == 0 &&
		    tcpstack_tcp_conn_count(sim.stack[1]) == 0)
			done++;
	}
	double dt = wall() - t0;
	printf("tcpstack in memory, one core: %u connections set up and torn down in %.2f s: "
	       "%.0f per second\n",
	       done, dt, done / dt);
	sim_fini(&sim);
	return done == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct rte_mempool *pool = ut_eal_pool_sized(32767);
	uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 2048;
	unsigned conns = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 100000;

	if (pool == NULL) {
		fprintf(stderr, "bench_tcp_mem: no EAL or mempool\n");
		return 1;
	}
	int rc = bulk(pool, mib << 20);
	rc |= setup_rate(pool, conns);
	return rc;
}
