/* SPDX-License-Identifier: BSD-3-Clause */
/* Two TCP stacks over an emulated link on virtual time. Each seed draws a
 * scenario (loss up to 10%, delay, jitter that reorders, duplication, rate
 * limits, an outage, transfer sizes) and runs a transfer both ways at once:
 * every byte must arrive intact and in order, both sides must close in
 * order, and every mbuf must be back in the pool. A failing seed is printed;
 * SIM_SEED=N replays it alone, SIM_SEEDS=N sets how many run. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/sim/sim.h"
#include "tests/unit/ut.h"

#define PORT 80
#define CHUNK 1800

struct app {
	struct sim *sim;
	int side;
	struct tcpstack_conn *c;
	uint64_t to_send, sent, expect, received;
	bool shut, peer_fin, closed, corrupt;
	int close_err;
};

static uint8_t pattern(int side, uint64_t i)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull + (uint64_t)side * 0x632be59bd9b4e019ull;
	return (uint8_t)(x >> 56 ^ x >> 17 ^ i);
}

static void pump(struct app *a, uint64_t now)
{
	while (a->c != NULL && !a->closed && a->sent < a->to_send) {
		uint32_t room = tcpstack_tcp_send_space(a->c);
		uint64_t n = a->to_send - a->sent;
		if (n > CHUNK)
			n = CHUNK;
		if (n > room)
			return;
		struct rte_mbuf *m = rte_pktmbuf_alloc(a->sim->pool);
		if (m == NULL)
			return;
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		for (uint64_t i = 0; i < n; i++)
			p[i] = pattern(a->side, a->sent + i);
		if (tcpstack_tcp_send(a->c, m, now) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		a->sent += n;
	}
	if (a->c != NULL && !a->closed && !a->shut && a->sent == a->to_send) {
		a->shut = true;
		tcpstack_tcp_shutdown(a->c, now);
	}
}

static void drain(struct app *a, uint64_t now)
{
	struct rte_mbuf *m;

	while (a->c != NULL && !a->closed && (m = tcpstack_tcp_recv(a->c, 1u << 20, now)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
			for (uint16_t i = 0; i < s->data_len; i++)
				if (p[i] != pattern(1 - a->side, a->received + i))
					a->corrupt = true;
			a->received += s->data_len;
		}
		rte_pktmbuf_free(m);
	}
}

static void on_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	struct app *a = user;
	uint64_t now = a->sim->now;

	a->c = c;
	switch (ev) {
	case TCPSTACK_TCP_EV_CONNECTED:
	case TCPSTACK_TCP_EV_WRITABLE:
		pump(a, now);
		break;
	case TCPSTACK_TCP_EV_READABLE:
		drain(a, now);
		break;
	case TCPSTACK_TCP_EV_PEER_FIN:
		drain(a, now);
		a->peer_fin = true;
		break;
	case TCPSTACK_TCP_EV_CLOSED:
		a->closed = true;
		a->close_err = err;
		a->c = NULL;
		break;
	}
}

static void *accept_fn(void *listener_user, struct tcpstack_conn *c)
{
	struct app *a = listener_user;
	a->c = c;
	return a;
}

static const struct tcpstack_tcp_ops app_ops = {
	.event = on_event,
	.accept = accept_fn,
};

struct scenario {
	struct sim_link_params ab, ba;
	uint64_t bytes_ab, bytes_ba;
	const char *cc;
	uint32_t buf;
};

static void draw(uint64_t seed, struct scenario *sc)
{
	struct sim r = { .rng = seed * 0x2545f4914f6cdd1dull + 1 };
	struct sim_link_params *d[2] = { &sc->ab, &sc->ba };
	bool symmetric = sim_uniform(&r) < 0.5;

	memset(sc, 0, sizeof(*sc));
	for (int i = 0; i < 2; i++) {
		struct sim_link_params *p = d[i];
		if (i == 1 && symmetric) {
			*p = *d[0];
			break;
		}
		p->delay_ns = (uint64_t)(50 * SIM_US + sim_uniform(&r) * 50 * SIM_MS);
		if (sim_uniform(&r) < 0.5)
			p->jitter_ns = (uint64_t)(sim_uniform(&r) * (double)p->delay_ns);
		if (sim_uniform(&r) < 0.7)
			p->loss = sim_uniform(&r) * 0.10;
		if (sim_uniform(&r) < 0.3)
			p->dup = sim_uniform(&r) * 0.02;
		if (sim_uniform(&r) < 0.7)
			p->rate_bps = (uint64_t)(1e6 + sim_uniform(&r) * 199e6);
		if (sim_uniform(&r) < 0.2) {
			p->down_at_ns = 1000 * SIM_MS + (uint64_t)(sim_uniform(&r) * 2000) * SIM_MS;
			p->up_at_ns =
				p->down_at_ns + (uint64_t)(100 + sim_uniform(&r) * 2900) * SIM_MS;
		}
	}
	sc->bytes_ab = sim_rand(&r) % 400000;
	sc->bytes_ba = sim_rand(&r) % 400000;
	if (sim_uniform(&r) < 0.1)
		sc->bytes_ab = 0;
	sc->cc = sim_uniform(&r) < 0.5 ? "cubic" : "newreno";
	sc->buf = sim_uniform(&r) < 0.3 ? 16384 + (uint32_t)(sim_rand(&r) % 65536) : 262144;
}

static int run_seed(struct rte_mempool *pool, uint64_t seed, bool verbose)
{
	struct scenario sc;
	struct sim sim;
	struct app a = { .side = 0 }, b = { .side = 1 };
	int err = 0, fail = 0;

	draw(seed, &sc);
	struct tcpstack_tcp_params tp = { .sndbuf = sc.buf, .rcvbuf = sc.buf, .cc = sc.cc };
	if (sim_init(&sim, pool, seed, &sc.ab, &sc.ba, &tp) != 0) {
		printf("seed %" PRIu64 ": sim_init failed\n", seed);
		return 1;
	}
	a.sim = b.sim = &sim;
	a.to_send = b.expect = sc.bytes_ab;
	b.to_send = a.expect = sc.bytes_ba;
	if (tcpstack_tcp_listen(sim.stack[1], 0, PORT, &app_ops, &b) != 0)
		fail = 1;
	a.c = tcpstack_tcp_connect(sim.stack[0], sim.addr[0], 0, sim.addr[1], PORT, &app_ops, &a,
				   sim.now, &err);
	if (a.c == NULL)
		fail = 1;
	const uint64_t limit = sim.now + 900ull * 1000 * SIM_MS;
	while (!fail && sim_step(&sim, limit)) {
		/* Apps also pump when nothing happened to them (window opened). */
		pump(&a, sim.now);
		pump(&b, sim.now);
		if (a.closed && b.closed && tcpstack_tcp_conn_count(sim.stack[0]) == 0 &&
		    tcpstack_tcp_conn_count(sim.stack[1]) == 0)
			break;
	}
	bool ok = !fail && a.closed && b.closed && a.close_err == 0 && b.close_err == 0 &&
		  a.received == a.expect && b.received == b.expect && !a.corrupt && !b.corrupt &&
		  a.peer_fin && b.peer_fin;
	if (!ok || verbose) {
		printf("seed %" PRIu64 ": %s: a->b %" PRIu64 " B (got %" PRIu64 "%s), b->a %" PRIu64
		       " B (got %" PRIu64
		       "%s), closed %d/%d err %d/%d fin %d/%d, t=%.3f s, %s buf %u\n",
		       seed, ok ? "ok" : "FAIL", sc.bytes_ab, b.received,
		       b.corrupt ? " CORRUPT" : "", sc.bytes_ba, a.received,
		       a.corrupt ? " CORRUPT" : "", a.closed, b.closed, a.close_err, b.close_err,
		       a.peer_fin, b.peer_fin, (double)(sim.now - 1000 * SIM_MS) / 1e9, sc.cc,
		       sc.buf);
		for (int i = 0; i < 2; i++) {
			struct sim_link_params *p = i ? &sc.ba : &sc.ab;
			printf("  %s: delay %.2f ms jitter %.2f ms loss %.3f dup %.3f rate %.1f "
			       "Mbit/s "
			       "outage %.1f-%.1f s; sent %" PRIu64 " lost %" PRIu64
			       " qdrop %" PRIu64 " down %" PRIu64 "\n",
			       i ? "b->a" : "a->b", p->delay_ns / 1e6, p->jitter_ns / 1e6, p->loss,
			       p->dup, p->rate_bps / 1e6, p->down_at_ns / 1e9, p->up_at_ns / 1e9,
			       sim.dir[i].sent, sim.dir[i].dropped_loss, sim.dir[i].dropped_queue,
			       sim.dir[i].dropped_down);
		}
	}
	if (!ok || verbose)
		for (int i = 0; i < 2; i++) {
			printf("  %c:", 'a' + i);
			for (unsigned k = 0; k < TCPSTACK_MIB_MAX; k++)
				if (sim.mib[i].v[k] != 0)
					printf(" %s=%" PRIu64, tcpstack_mib_names[k],
					       sim.mib[i].v[k]);
			printf("\n");
		}
	sim_fini(&sim);
	unsigned leaked = rte_mempool_in_use_count(pool);
	if (leaked != 0) {
		printf("seed %" PRIu64 ": %u mbufs leaked\n", seed, leaked);
		ok = false;
		/* Start the next seed from a clean pool's point of view. */
	}
	return ok ? 0 : 1;
}

int main(void)
{
	struct rte_mempool *pool = ut_eal_pool_sized(16383);
	const char *one = getenv("SIM_SEED");
	const char *count = getenv("SIM_SEEDS");
	unsigned n = count ? (unsigned)strtoul(count, NULL, 10) : 1000;
	unsigned failed = 0;

	if (pool == NULL) {
		fprintf(stderr, "no EAL\n");
		return 1;
	}
	if (one != NULL)
		return run_seed(pool, strtoull(one, NULL, 10), true);
	for (unsigned i = 1; i <= n; i++) {
		if (run_seed(pool, i, false) != 0) {
			failed++;
			if (rte_mempool_in_use_count(pool) != 0)
				break; /* leaks would fail every later seed too */
		}
	}
	printf("sim_tcp: %u passed, %u failed\n", n - failed, failed);
	return failed == 0 ? 0 : 1;
}
