/* SPDX-License-Identifier: BSD-3-Clause */
/* The emulated links and the virtual clock of tests/sim. */
#include <stdlib.h>
#include <string.h>

#include <rte_debug.h>

#include "tests/sim/sim.h"

uint64_t sim_rand(struct sim *sim)
{
	/* splitmix64: small, seedable, good enough for test scenarios. */
	uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double sim_uniform(struct sim *sim)
{
	return (double)(sim_rand(sim) >> 11) / (double)(1ull << 53);
}

static bool pkt_before(const struct sim_pkt *a, const struct sim_pkt *b)
{
	return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void q_push(struct sim *sim, struct sim_pkt p)
{
	if (sim->qn == sim->qcap) {
		sim->qcap = sim->qcap ? sim->qcap * 2 : 1024;
		sim->q = realloc(sim->q, sim->qcap * sizeof(*sim->q));
	}
	unsigned i = sim->qn++;
	sim->q[i] = p;
	while (i > 0 && pkt_before(&sim->q[i], &sim->q[(i - 1) / 2])) {
		struct sim_pkt t = sim->q[i];
		sim->q[i] = sim->q[(i - 1) / 2];
		sim->q[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct sim_pkt q_pop(struct sim *sim)
{
	struct sim_pkt top = sim->q[0];
	unsigned i = 0;

	sim->q[0] = sim->q[--sim->qn];
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < sim->qn && pkt_before(&sim->q[l], &sim->q[m]))
			m = l;
		if (r < sim->qn && pkt_before(&sim->q[r], &sim->q[m]))
			m = r;
		if (m == i)
			break;
		struct sim_pkt t = sim->q[i];
		sim->q[i] = sim->q[m];
		sim->q[m] = t;
		i = m;
	}
	return top;
}

/* A wire carries bits, not buffers: copy the frame, free the original. */
static struct rte_mbuf *copy_frame(struct sim *sim, const struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(sim->pool);
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (c == NULL)
		return NULL;
	char *p = rte_pktmbuf_append(c, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	/* read copies a chain into p, or points into a contiguous m */
	const void *src = rte_pktmbuf_read(m, 0, len, p);
	if (src != p)
		memcpy(p, src, len);
	return c;
}

#include <rte_tcp.h>
#include <stdio.h>

/* SIM_TRACE=1: one line per frame sent, with what the link did to it. */
static void trace(const struct sim *sim, int from, int path, const struct rte_mbuf *m, uint64_t now,
		  const char *fate)
{
	static int on = -1;
	uint8_t buf[80];

	if (on < 0)
		on = getenv("SIM_TRACE") != NULL;
	if (!on)
		return;
	const uint8_t *p = rte_pktmbuf_read(m, 0, RTE_MIN(74u, rte_pktmbuf_pkt_len(m)), buf);
	if (p == NULL)
		return;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + 14);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
	unsigned len = rte_be_to_cpu_16(ip->total_length) - 20 - (th->data_off >> 4) * 4;
	/* Path 0 unmarked, as before there were paths; -1: no path. */
	char via[16] = "";
	if (path != 0)
		snprintf(via, sizeof(via), "/%d", path);
	printf("%10.6f %s%s %c%c%c%c seq %u ack %u len %u win %u %s\n",
	       (double)(now - 1000 * SIM_MS) / 1e9, from ? "b>a" : "a>b", via,
	       th->tcp_flags & RTE_TCP_SYN_FLAG ? 'S' : '.',
	       th->tcp_flags & RTE_TCP_FIN_FLAG ? 'F' : '.',
	       th->tcp_flags & RTE_TCP_RST_FLAG ? 'R' : '.',
	       th->tcp_flags & RTE_TCP_ACK_FLAG ? 'A' : '.', rte_be_to_cpu_32(th->sent_seq),
	       rte_be_to_cpu_32(th->recv_ack), len, rte_be_to_cpu_16(th->rx_win), fate);
	(void)sim;
}

/* The path whose addresses the frame carries, from stack @from; -1: none. */
static int route(const struct sim *sim, int from, const struct rte_mbuf *m)
{
	struct rte_ipv4_hdr buf;
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_read(m, sizeof(struct rte_ether_hdr), sizeof(buf), &buf);

	if (ip == NULL)
		return -1;
	for (unsigned i = 0; i < sim->npaths; i++)
		if (sim->path[i].addr[from] == ip->src_addr &&
		    sim->path[i].addr[1 - from] == ip->dst_addr)
			return (int)i;
	return -1;
}

static void output(void *ctx, struct rte_mbuf *m, uint64_t now)
{
	struct sim_out *o = ctx;
	struct sim *sim = o->sim;
	int from = o->from;
	int path = route(sim, from, m);
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (path < 0) {
		/* No route: a test that meant the frame for some path has
		 * mixed up its addresses, and hears so from the counter. */
		trace(sim, from, path, m, now, "MISROUTED");
		sim->misrouted++;
		rte_pktmbuf_free(m);
		return;
	}
	struct sim_dir *d = &sim->path[path].dir[from];
	d->sent++;
	/* Neither check draws from the rng, so a seed replays the same
	 * whether or not a test uses them. */
	if (sim->path[path].down ||
	    (d->p.down_at_ns != d->p.up_at_ns && now >= d->p.down_at_ns && now < d->p.up_at_ns)) {
		trace(sim, from, path, m, now, "DOWN");
		d->dropped_down++;
		rte_pktmbuf_free(m);
		return;
	}
	if (d->p.loss > 0 && sim_uniform(sim) < d->p.loss) {
		trace(sim, from, path, m, now, "LOST");
		d->dropped_loss++;
		rte_pktmbuf_free(m);
		return;
	}
	uint64_t depart = now;
	if (d->p.rate_bps != 0) {
		uint64_t ser = (uint64_t)len * 8 * 1000000000ull / d->p.rate_bps;
		uint32_t qmax = d->p.queue_bytes ? d->p.queue_bytes : 256u << 10;
		uint64_t backlog_ns = d->busy_until > now ? d->busy_until - now : 0;
		if (backlog_ns * d->p.rate_bps / 8 / 1000000000ull > qmax) {
			trace(sim, from, path, m, now, "QDROP");
			d->dropped_queue++;
			rte_pktmbuf_free(m);
			return;
		}
		d->busy_until = (d->busy_until > now ? d->busy_until : now) + ser;
		depart = d->busy_until;
	}
	trace(sim, from, path, m, now, "");
	unsigned copies = (d->p.dup > 0 && sim_uniform(sim) < d->p.dup) ? 2 : 1;
	d->duplicated += copies - 1;
	for (unsigned i = 0; i < copies; i++) {
		struct rte_mbuf *c = copy_frame(sim, m);
		if (c == NULL)
			continue;
		uint64_t jit = d->p.jitter_ns ? sim_rand(sim) % d->p.jitter_ns : 0;
		q_push(sim, (struct sim_pkt){ .at = depart + d->p.delay_ns + jit,
					      .order = sim->order++,
					      .m = c,
					      .to = 1 - from });
	}
	rte_pktmbuf_free(m);
}

static void path_init(struct sim *sim, unsigned i, const struct sim_link_params *a_to_b,
		      const struct sim_link_params *b_to_a)
{
	struct sim_path *p = &sim->path[i];

	memset(p, 0, sizeof(*p));
	p->dir[0].p = *a_to_b;
	p->dir[1].p = *b_to_a;
	for (int k = 0; k < 2; k++)
		p->addr[k] = rte_cpu_to_be_32(0xc6120000 | i << 8 | (uint32_t)(k + 1));
}

int sim_init(struct sim *sim, struct rte_mempool *pool, uint64_t seed,
	     const struct sim_link_params *a_to_b, const struct sim_link_params *b_to_a,
	     const struct tcpstack_tcp_params *tp)
{
	memset(sim, 0, sizeof(*sim));
	sim->pool = pool;
	sim->rng = seed;
	sim->now = 1000 * SIM_MS; /* not zero: zero means "off" in places */
	path_init(sim, 0, a_to_b, b_to_a); /* 198.18.0.1 and 198.18.0.2 */
	sim->npaths = 1;
	sim->dir = sim->path[0].dir;
	sim->addr[0] = sim->path[0].addr[0];
	sim->addr[1] = sim->path[0].addr[1];
	for (int i = 0; i < 2; i++) {
		struct tcpstack_tcp_params p = *tp;
		for (unsigned k = 0; k < sizeof(p.isn_key); k++)
			p.isn_key[k] = (uint8_t)(sim_rand(sim) | 1);
		sim->out[i] = (struct sim_out){ .sim = sim, .from = i };
		sim->stack[i] = tcpstack_tcp_create(&p, pool, &sim->mib[i], output, &sim->out[i]);
		if (sim->stack[i] == NULL)
			return -1;
	}
	return 0;
}

void sim_fini(struct sim *sim)
{
	for (int i = 0; i < 2; i++)
		tcpstack_tcp_destroy(sim->stack[i]);
	while (sim->qn != 0)
		rte_pktmbuf_free(q_pop(sim).m);
	free(sim->q);
	sim->q = NULL;
}

int sim_add_path(struct sim *sim, const struct sim_link_params *a_to_b,
		 const struct sim_link_params *b_to_a)
{
	if (sim->npaths == SIM_PATHS_MAX)
		return -1;
	path_init(sim, sim->npaths, a_to_b, b_to_a);
	return (int)sim->npaths++;
}

uint32_t sim_addr(const struct sim *sim, int stack, int path)
{
	if (stack < 0 || stack > 1 || path < 0 || (unsigned)path >= sim->npaths)
		return 0;
	return sim->path[path].addr[stack];
}

/* A path or direction that does not exist is the test's bug: stop there
 * rather than run a scenario other than the one written. */
static struct sim_path *path_of(struct sim *sim, int path)
{
	RTE_VERIFY(path >= 0 && (unsigned)path < sim->npaths);
	return &sim->path[path];
}

void sim_path_set(struct sim *sim, int path, int dir, const struct sim_link_params *p)
{
	struct sim_path *sp = path_of(sim, path);

	RTE_VERIFY(dir == 0 || dir == 1);
	/* The rate limiter's backlog stays: those frames are queued already. */
	sp->dir[dir].p = *p;
}

void sim_path_down(struct sim *sim, int path, bool down)
{
	path_of(sim, path)->down = down;
}

void sim_add_timer_source(struct sim *sim, uint64_t (*next)(void *ctx),
			  void (*run)(void *ctx, uint64_t now), void *ctx)
{
	RTE_VERIFY(sim->nsrc < SIM_TIMER_SOURCES_MAX);
	sim->src[sim->nsrc++] = (struct sim_timer_source){ .next = next, .run = run, .ctx = ctx };
}

bool sim_step(struct sim *sim, uint64_t until)
{
	uint64_t next = UINT64_MAX;

	if (sim->qn != 0)
		next = sim->q[0].at;
	for (int i = 0; i < 2; i++) {
		uint64_t t = tcpstack_tcp_next_timer(sim->stack[i]);
		if (t < next)
			next = t;
	}
	for (unsigned i = 0; i < sim->nsrc; i++) {
		uint64_t t = sim->src[i].next(sim->src[i].ctx);
		if (t < next)
			next = t;
	}
	if (next == UINT64_MAX || next > until)
		return false;
	if (next > sim->now)
		sim->now = next;
	while (sim->qn != 0 && sim->q[0].at <= sim->now) {
		struct sim_pkt p = q_pop(sim);
		tcpstack_tcp_input(sim->stack[p.to], p.m, sim->now);
	}
	for (int i = 0; i < 2; i++)
		tcpstack_tcp_timers(sim->stack[i], sim->now);
	/* After the stacks, so a source sees what arrived at this instant;
	 * asked again, as a delivery or timer may have moved its deadline. */
	for (unsigned i = 0; i < sim->nsrc; i++)
		if (sim->src[i].next(sim->src[i].ctx) <= sim->now)
			sim->src[i].run(sim->src[i].ctx, sim->now);
	return true;
}
