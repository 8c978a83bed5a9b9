/* SPDX-License-Identifier: BSD-3-Clause */
/* tests/sim's own machinery, checked before MPTCP leans on it: three plain
 * TCP connections at once, one on each of three paths whose delays differ
 * (drawn from the seed, whole microseconds, no loss or jitter, so each
 * handshake RTT is known exactly). Each connection's srtt must be its own
 * path's round trip, on both sides; a frame whose addresses name no path
 * must be dropped and counted as misrouted; path 1 going down mid-transfer
 * must stall its connection alone, which must finish once the path is up;
 * and two timer sources must run at each of their deadlines exactly, one of
 * them long after the stacks have gone idle. Every mbuf must be back in the
 * pool. A failing seed is printed; SIM_SEED=N replays it alone, SIM_SEEDS=N
 * sets how many run. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/sim/sim.h"
#include "tests/unit/ut.h"

#define PORT 80
#define PATHS 3
#define DOWN_NS (2000 * SIM_MS)
#define SRC_A_N 16
#define SRC_B_N 4

struct end {
	struct sim *sim;
	int path;
	struct tcpstack_conn *c;
	uint64_t to_send, sent, received;
	uint32_t srtt_us; /* as the handshake left it */
	bool connected, shut, closed, corrupt;
	int close_err;
};

struct world {
	struct sim *sim;
	struct end cli[PATHS], srv[PATHS];
	unsigned refused; /* accepted on an address that is no path's */
};

/* A timer source with a fixed list of deadlines, noting each run. */
struct tsrc {
	struct sim *sim;
	uint64_t at[SRC_A_N];
	unsigned n, fired;
	unsigned off_time; /* runs not at a deadline, or with sim->now elsewhere */
};

#define BYTES_MAX (64 * 1024)

/* What path p's connection carries, made once: filling and checking every
 * byte of every seed by hand would take most of a seed's time. */
static uint8_t payload[PATHS][BYTES_MAX];

static void payload_init(void)
{
	for (int p = 0; p < PATHS; p++)
		for (uint64_t i = 0; i < BYTES_MAX; i++) {
			uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull +
				     (uint64_t)p * 0x632be59bd9b4e019ull;
			payload[p][i] = (uint8_t)(x >> 56 ^ x >> 17 ^ i);
		}
}

static void pump(struct end *e, uint64_t now)
{
	while (e->c != NULL && e->connected && !e->closed && e->sent < e->to_send) {
		uint64_t n = RTE_MIN(e->to_send - e->sent, (uint64_t)1448);
		if (tcpstack_tcp_send_space(e->c) < n)
			return;
		struct rte_mbuf *m = rte_pktmbuf_alloc(e->sim->pool);
		if (m == NULL)
			return;
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), &payload[e->path][e->sent], n);
		if (tcpstack_tcp_send(e->c, m, now) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		e->sent += n;
	}
	if (e->c != NULL && e->connected && !e->closed && !e->shut && e->sent == e->to_send) {
		e->shut = true;
		tcpstack_tcp_shutdown(e->c, now);
	}
}

static void drain(struct end *e, uint64_t now)
{
	struct rte_mbuf *m;

	while ((m = tcpstack_tcp_recv(e->c, UINT32_MAX, now)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			if (e->received + s->data_len > BYTES_MAX ||
			    memcmp(rte_pktmbuf_mtod(s, const void *),
				   &payload[e->path][e->received], s->data_len) != 0)
				e->corrupt = true;
			e->received += s->data_len;
		}
		rte_pktmbuf_free(m);
	}
}

static void on_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	struct end *e = user;
	uint64_t now = e->sim->now;
	struct tcpstack_tcp_info info;

	e->c = c;
	switch (ev) {
	case TCPSTACK_TCP_EV_CONNECTED:
		tcpstack_tcp_get_info(c, &info);
		e->srtt_us = info.srtt_us;
		e->connected = true;
		pump(e, now);
		break;
	case TCPSTACK_TCP_EV_WRITABLE:
		pump(e, now);
		break;
	case TCPSTACK_TCP_EV_READABLE:
		drain(e, now);
		break;
	case TCPSTACK_TCP_EV_PEER_FIN:
		drain(e, now);
		/* The server sends nothing: its FIN answers the client's. */
		if (e->to_send == 0 && !e->shut) {
			e->shut = true;
			tcpstack_tcp_shutdown(c, now);
		}
		break;
	case TCPSTACK_TCP_EV_CLOSED:
		e->closed = true;
		e->close_err = err;
		e->c = NULL;
		break;
	}
}

/* One listener for every path: the address the SYN came to says which. */
static void *accept_fn(void *listener_user, struct tcpstack_conn *c)
{
	struct world *w = listener_user;
	struct tcpstack_tcp_info info;

	tcpstack_tcp_get_info(c, &info);
	for (int p = 0; p < PATHS; p++)
		if (info.laddr == sim_addr(w->sim, 1, p) && info.raddr == sim_addr(w->sim, 0, p)) {
			w->srv[p].c = c;
			return &w->srv[p];
		}
	w->refused++;
	return NULL;
}

static const struct tcpstack_tcp_ops ops = {
	.event = on_event,
	.accept = accept_fn,
};

static uint64_t tsrc_next(void *ctx)
{
	const struct tsrc *t = ctx;
	return t->fired < t->n ? t->at[t->fired] : UINT64_MAX;
}

static void tsrc_run(void *ctx, uint64_t now)
{
	struct tsrc *t = ctx;

	if (t->fired >= t->n || now != t->at[t->fired] || t->sim->now != now)
		t->off_time++;
	t->fired++;
}

static void pump_all(struct world *w)
{
	for (int p = 0; p < PATHS; p++)
		pump(&w->cli[p], w->sim->now);
}

static int run_seed(struct rte_mempool *pool, uint64_t seed, bool verbose)
{
	struct sim r = { .rng = seed * 0x2545f4914f6cdd1dull + 1 };
	struct sim_link_params ab[PATHS], ba[PATHS];
	/* Small tables: creating and freeing the defaults' would be most
	 * of the time a seed takes. */
	struct tcpstack_tcp_params tp = { .time_wait_us = 10000,
					  .max_conns = 64,
					  .max_half_open = 16 };
	struct sim sim;
	struct world w = { .sim = &sim };
	struct tsrc sa = { .sim = &sim, .n = SRC_A_N }, sb = { .sim = &sim, .n = SRC_B_N };
	unsigned fail = 0;
	int err;

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			printf("seed %" PRIu64 ": FAIL: ", seed); \
			printf(__VA_ARGS__);                      \
			printf("\n");                             \
			fail++;                                   \
		}                                                 \
	} while (0)

	/* Path p one way in [5, 7.5) ms times 2^p, each way drawn alone:
	 * the paths' round trips never overlap. */
	memset(ab, 0, sizeof(ab));
	memset(ba, 0, sizeof(ba));
	for (int p = 0; p < PATHS; p++) {
		uint64_t base = (5000ull << p) * SIM_US;
		ab[p].delay_ns = base + sim_rand(&r) % (base / 2 / SIM_US) * SIM_US;
		ba[p].delay_ns = base + sim_rand(&r) % (base / 2 / SIM_US) * SIM_US;
	}
	uint64_t bytes = BYTES_MAX / 2 + sim_rand(&r) % (BYTES_MAX / 2);

	if (sim_init(&sim, pool, seed, &ab[0], &ba[0], &tp) != 0) {
		printf("seed %" PRIu64 ": sim_init failed\n", seed);
		return 1;
	}
	const uint64_t t0 = sim.now;
	/* Path 2 starts on a link of its own and gets its drawn one by
	 * sim_path_set(): its srtt then tells whether the change took. */
	const struct sim_link_params fast = { .delay_ns = 1 * SIM_MS };
	CHECK(sim_add_path(&sim, &ab[1], &ba[1]) == 1, "path 1 not added");
	CHECK(sim_add_path(&sim, &fast, &fast) == 2, "path 2 not added");
	sim_path_set(&sim, 2, 0, &ab[2]);
	sim_path_set(&sim, 2, 1, &ba[2]);
	for (int p = 0; p < PATHS; p++)
		for (int s = 0; s < 2; s++)
			CHECK(sim_addr(&sim, s, p) == UT_IP(198, 18, p, s + 1),
			      "stack %d path %d address %08x", s, p, sim_addr(&sim, s, p));
	CHECK(sim.addr[0] == sim_addr(&sim, 0, 0) && sim.addr[1] == sim_addr(&sim, 1, 0) &&
		      sim.dir == sim.path[0].dir,
	      "sim.addr and sim.dir are not path 0's");
	CHECK(sim_addr(&sim, 0, PATHS) == 0, "an address on a path not added");

	/* Deadlines: A every few ms from the start, B irregular, one of them
	 * with A at the same instant and the last long after all is over. */
	uint64_t period = (7 + sim_rand(&r) % 13) * SIM_MS;
	for (unsigned k = 0; k < SRC_A_N; k++)
		sa.at[k] = t0 + (k + 1) * period;
	sb.at[0] = t0 + 1 + sim_rand(&r) % (3 * SIM_MS);
	sb.at[1] = sa.at[5];
	sb.at[2] = t0 + 1500 * SIM_MS + sim_rand(&r) % SIM_MS;
	sb.at[3] = t0 + 20000 * SIM_MS;
	sim_add_timer_source(&sim, tsrc_next, tsrc_run, &sa);
	sim_add_timer_source(&sim, tsrc_next, tsrc_run, &sb);

	/* Addresses of two paths in one frame: no path carries it. The SYN
	 * leaves at once; aborting in SYN_SENT sends nothing more. */
	struct tcpstack_conn *x =
		tcpstack_tcp_connect(sim.stack[0], sim_addr(&sim, 0, 1), 0, sim_addr(&sim, 1, 2),
				     PORT, &ops, NULL, sim.now, &err);
	if (x != NULL)
		tcpstack_tcp_abort(x, sim.now);
	x = tcpstack_tcp_connect(sim.stack[1], sim_addr(&sim, 1, 2), 0, sim_addr(&sim, 0, 0), PORT,
				 &ops, NULL, sim.now, &err);
	if (x != NULL)
		tcpstack_tcp_abort(x, sim.now);
	CHECK(sim.misrouted == 2, "misrouted %" PRIu64 ", want 2", sim.misrouted);
	for (int p = 0; p < PATHS; p++)
		CHECK(sim.path[p].dir[0].sent + sim.path[p].dir[1].sent == 0,
		      "a misrouted frame was sent on path %d", p);

	if (tcpstack_tcp_listen(sim.stack[1], 0, PORT, &ops, &w) != 0)
		fail++;
	for (int p = 0; p < PATHS; p++) {
		w.cli[p] = (struct end){ .sim = &sim, .path = p, .to_send = bytes };
		w.srv[p] = (struct end){ .sim = &sim, .path = p };
		w.cli[p].c = tcpstack_tcp_connect(sim.stack[0], sim_addr(&sim, 0, p), 0,
						  sim_addr(&sim, 1, p), PORT, &ops, &w.cli[p],
						  sim.now, &err);
		CHECK(w.cli[p].c != NULL, "connect on path %d: %d", p, err);
	}

	/* Until a quarter of path 1's bytes are in; then it goes down. */
	const uint64_t limit = t0 + 60000 * SIM_MS;
	while (!fail && w.srv[1].received < bytes / 4 && sim_step(&sim, limit))
		pump_all(&w);
	const uint64_t t_down = sim.now;
	sim_path_down(&sim, 1, true);
	/* Frames already on the wire still land: wait them out, then
	 * nothing more may arrive on path 1 while it is down. */
	while (!fail && sim_step(&sim, t_down + ab[1].delay_ns + ba[1].delay_ns))
		pump_all(&w);
	uint64_t stalled_at = w.srv[1].received;
	while (!fail && sim_step(&sim, t_down + DOWN_NS))
		pump_all(&w);
	CHECK(w.srv[1].received == stalled_at && stalled_at < bytes,
	      "path 1 delivered while down: %" PRIu64 " of %" PRIu64 " B, then %" PRIu64,
	      stalled_at, bytes, w.srv[1].received);
	CHECK(w.srv[0].received == bytes && w.srv[2].received == bytes,
	      "paths 0 and 2 stalled with path 1: %" PRIu64 " and %" PRIu64 " of %" PRIu64 " B",
	      w.srv[0].received, w.srv[2].received, bytes);
	CHECK(sim.path[1].dir[0].dropped_down != 0, "nothing dropped on path 1 while down");
	for (int p = 0; p < PATHS; p += 2)
		CHECK(sim.path[p].dir[0].dropped_down + sim.path[p].dir[1].dropped_down == 0,
		      "path %d dropped frames while path 1 was down", p);
	sim_path_down(&sim, 1, false);

	/* To the end: the stacks fall idle, the sources run out. */
	while (!fail && sim_step(&sim, limit))
		pump_all(&w);
	for (int p = 0; p < PATHS; p++) {
		const struct end *c = &w.cli[p], *s = &w.srv[p];
		CHECK(s->received == bytes && !s->corrupt && c->closed && s->closed &&
			      c->close_err == 0 && s->close_err == 0,
		      "path %d: got %" PRIu64 " of %" PRIu64 " B%s, closed %d/%d err %d/%d", p,
		      s->received, bytes, s->corrupt ? " CORRUPT" : "", c->closed, s->closed,
		      c->close_err, s->close_err);
	}
	/* Taken at CONNECTED: one sample, the handshake's, on each side. */
	for (int p = 0; p < PATHS; p++) {
		uint32_t rtt_us = (uint32_t)((ab[p].delay_ns + ba[p].delay_ns) / SIM_US);
		CHECK(w.cli[p].srtt_us == rtt_us && w.srv[p].srtt_us == rtt_us,
		      "path %d: srtt %u us (client), %u us (server), the path's RTT is %u us", p,
		      w.cli[p].srtt_us, w.srv[p].srtt_us, rtt_us);
	}
	CHECK(w.refused == 0, "%u connections accepted on no path's addresses", w.refused);
	CHECK(sim.misrouted == 2, "misrouted %" PRIu64 " after the transfers", sim.misrouted);
	CHECK(sa.fired == sa.n && sb.fired == sb.n && sa.off_time + sb.off_time == 0,
	      "timer sources: %u/%u and %u/%u run, %u off their deadlines", sa.fired, sa.n,
	      sb.fired, sb.n, sa.off_time + sb.off_time);
	CHECK(sim.now == sb.at[SRC_B_N - 1],
	      "idle until the last deadline, yet now is %+" PRId64 " ns",
	      (int64_t)(sim.now - sb.at[SRC_B_N - 1]));
	if (fail || verbose) {
		printf("seed %" PRIu64 ": %s: %" PRIu64 " B a path, path 1 down at %.3f s, "
		       "end %.3f s\n",
		       seed, fail ? "FAIL" : "ok", bytes, (double)(t_down - t0) / 1e9,
		       (double)(sim.now - t0) / 1e9);
		for (int p = 0; p < PATHS; p++) {
			const struct sim_path *sp = &sim.path[p];
			printf("  path %d: delay %.3f/%.3f ms, srtt %u/%u us; sent %" PRIu64
			       "/%" PRIu64 " down %" PRIu64 "/%" PRIu64 "\n",
			       p, ab[p].delay_ns / 1e6, ba[p].delay_ns / 1e6, w.cli[p].srtt_us,
			       w.srv[p].srtt_us, sp->dir[0].sent, sp->dir[1].sent,
			       sp->dir[0].dropped_down, sp->dir[1].dropped_down);
		}
	}
#undef CHECK
	sim_fini(&sim);
	unsigned leaked = rte_mempool_in_use_count(pool);
	if (leaked != 0) {
		printf("seed %" PRIu64 ": %u mbufs leaked\n", seed, leaked);
		fail++;
	}
	return fail == 0 ? 0 : 1;
}

int main(void)
{
	struct rte_mempool *pool = ut_eal_pool_sized(4095);
	const char *one = getenv("SIM_SEED");
	const char *count = getenv("SIM_SEEDS");
	unsigned n = count ? (unsigned)strtoul(count, NULL, 10) : 1000;
	unsigned failed = 0;

	if (pool == NULL) {
		fprintf(stderr, "no EAL\n");
		return 1;
	}
	payload_init();
	if (one != NULL)
		return run_seed(pool, strtoull(one, NULL, 10), true);
	for (unsigned i = 1; i <= n; i++) {
		if (run_seed(pool, i, false) != 0) {
			failed++;
			if (rte_mempool_in_use_count(pool) != 0)
				break; /* leaks would fail every later seed too */
		}
	}
	printf("sim_simlink: %u passed, %u failed\n", n - failed, failed);
	return failed == 0 ? 0 : 1;
}
