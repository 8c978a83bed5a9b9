/* SPDX-License-Identifier: BSD-3-Clause */
/* The emulated link and the virtual clock of tests/sim. */
#include <stdlib.h>
#include <string.h>

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
static void trace(const struct sim *sim, int from, const struct rte_mbuf *m, uint64_t now,
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
	printf("%10.6f %s %c%c%c%c seq %u ack %u len %u win %u %s\n",
	       (double)(now - 1000 * SIM_MS) / 1e9, from ? "b>a" : "a>b",
	       th->tcp_flags & RTE_TCP_SYN_FLAG ? 'S' : '.',
	       th->tcp_flags & RTE_TCP_FIN_FLAG ? 'F' : '.',
	       th->tcp_flags & RTE_TCP_RST_FLAG ? 'R' : '.',
	       th->tcp_flags & RTE_TCP_ACK_FLAG ? 'A' : '.', rte_be_to_cpu_32(th->sent_seq),
	       rte_be_to_cpu_32(th->recv_ack), len, rte_be_to_cpu_16(th->rx_win), fate);
	(void)sim;
}

static void output(void *ctx, struct rte_mbuf *m, uint64_t now)
{
	struct sim_out *o = ctx;
	struct sim *sim = o->sim;
	int from = o->from;
	struct sim_dir *d = &sim->dir[from];
	uint32_t len = rte_pktmbuf_pkt_len(m);

	d->sent++;
	if (d->p.down_at_ns != d->p.up_at_ns && now >= d->p.down_at_ns && now < d->p.up_at_ns) {
		trace(sim, from, m, now, "DOWN");
		d->dropped_down++;
		rte_pktmbuf_free(m);
		return;
	}
	if (d->p.loss > 0 && sim_uniform(sim) < d->p.loss) {
		trace(sim, from, m, now, "LOST");
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
			trace(sim, from, m, now, "QDROP");
			d->dropped_queue++;
			rte_pktmbuf_free(m);
			return;
		}
		d->busy_until = (d->busy_until > now ? d->busy_until : now) + ser;
		depart = d->busy_until;
	}
	trace(sim, from, m, now, "");
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

int sim_init(struct sim *sim, struct rte_mempool *pool, uint64_t seed,
	     const struct sim_link_params *a_to_b, const struct sim_link_params *b_to_a,
	     const struct tcpstack_tcp_params *tp)
{
	memset(sim, 0, sizeof(*sim));
	sim->pool = pool;
	sim->rng = seed;
	sim->now = 1000 * SIM_MS; /* not zero: zero means "off" in places */
	sim->dir[0].p = *a_to_b;
	sim->dir[1].p = *b_to_a;
	sim->addr[0] = rte_cpu_to_be_32(0xc6120001); /* 198.18.0.1 */
	sim->addr[1] = rte_cpu_to_be_32(0xc6120002);
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
	return true;
}
