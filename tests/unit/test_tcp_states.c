/* SPDX-License-Identifier: BSD-3-Clause */
/* Segment-level conformance of the TCP engine: one tcpstack_tcp driven with
 * hand-made frames on virtual time, the test playing the peer. Every frame
 * the engine sends is parsed (checksums verified, options decoded) and
 * checked against RFC 9293's state machine, RFC 5961's challenge ACKs,
 * RFC 7323's timestamps and window scaling, and the sender rules of
 * RFC 5681, 6582 and 6298. Numbers are chosen to cross 2^32 where it costs
 * nothing (the peer's ISS is just below it). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

#include "tcpstack/tcp_options.h"
#include "tcpstack/tcp_seq.h"
#include "tcpstack/tcpstack.h"
#include "tests/unit/ut.h"

/*
 * Tests that assert RFC behaviour the engine does not have yet. Each is
 * marked "BUG:" where it is defined, with the RFC section. While named here
 * it is skipped (not failed); the lead removes the name with the fix.
 * TCP_STATES_RUN_KNOWN_BUGS=1 in the environment runs them anyway.
 */
static const char *const known_bugs[] = {
	/* Empty: every bug this file found was fixed (see git log). */
	NULL,
};

static bool known_bug(const char *name)
{
	const char *run = getenv("TCP_STATES_RUN_KNOWN_BUGS");

	if (run != NULL && strcmp(run, "1") == 0)
		return false;
	for (unsigned i = 0; known_bugs[i] != NULL; i++)
		if (strcmp(known_bugs[i], name) == 0)
			return true;
	return false;
}

#define SKIP_IF_KNOWN_BUG(name)        \
	do {                           \
		if (known_bug(name)) { \
			skip();        \
		}                      \
	} while (0)

#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_PSH RTE_TCP_PSH_FLAG
#define F_ACK RTE_TCP_ACK_FLAG

#define MS 1000000ull
#define SEC 1000000000ull

#define L_IP UT_IP(10, 0, 0, 1) /* the engine */
#define R_IP UT_IP(10, 0, 0, 2) /* the peer (this test) */
#define L_PORT 80
#define R_PORT 40000
#define PEER_ISS 0xfffff800u /* 2 KiB below the wrap */
#define PEER_MSS 1460
#define PEER_WS 2
#define EMSS (1460 - 12) /* payload of a full segment with timestamps */
#define T0 (1000 * SEC) /* virtual time at the start of a test */

/* One segment the engine sent, decoded. */
struct seg {
	uint8_t flags;
	uint32_t seq, ack, len;
	uint16_t wnd;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	struct tcp_opts o;
	uint64_t at;
	uint8_t data[2048];
};

struct ev {
	void *user;
	struct tcpstack_conn *c;
	enum tcpstack_tcp_event ev;
	int err;
};

#define OUT_MAX 64
#define EV_MAX 64

/* The test's whole world: one stack, what it sent, what it told the user,
 * and the peer's side of the connection. One test at a time. */
static struct {
	struct rte_mempool *pool;
	struct tcpstack_tcp *s;
	struct tcpstack_mib_counters mib;
	uint64_t now;
	struct seg out[OUT_MAX];
	unsigned n_out, n_taken;
	struct ev ev[EV_MAX];
	unsigned n_ev;
	unsigned accepts, accepts_bad; /* bad: not on the listener's user */
	bool refuse;
	unsigned base_in_use; /* mbufs a failed earlier test may have left */
	struct tcpstack_conn *c;
	/* Ports on the engine's side and the peer's. */
	uint16_t lport, rport;
	/* Our side as seen on the wire. */
	uint32_t iss, our_max; /* our_max: highest seq + len sent, SYN/FIN counted */
	uint8_t wscale; /* the engine's receive window shift (its SYN) */
	/* The peer. */
	uint32_t p_nxt, p_ack; /* its next seq and what it acknowledges */
	uint16_t p_wnd; /* its window field (scaled by PEER_WS) */
	bool p_ts;
	uint32_t p_tsval, p_tsecr;
	/* Options the engine does not interpret, appended to what the peer
	 * sends; and what the user's read_opt hook saw of them. */
	const uint8_t *x_opts;
	unsigned x_len;
	unsigned n_ro;
	enum tcpstack_seg_kind ro_kind[8];
	unsigned ro_n_ev[8]; /* events told before each call */
	bool ro_abort; /* the hook aborts the connection on its next call */
} T;

static int listener_tag, accepted_tag, active_tag;

/* Peer payload: byte at sequence number s, so a byte out of place shows. */
static uint8_t pat(uint32_t s)
{
	return (uint8_t)((s * 2654435761u) >> 24 ^ s);
}

/* Payload the engine's user sends: byte at stream offset i. */
static uint8_t upat(uint32_t i)
{
	return (uint8_t)((i * 40503u) >> 8 ^ i ^ 0x5a);
}

/* ---- the engine's side: output capture and events */

static void on_output(void *ctx, struct rte_mbuf *m, uint64_t now)
{
	static uint8_t buf[4096];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct tcpstack_ipv4_view v;
	struct seg *g;

	(void)ctx;
	assert_true(T.n_out < OUT_MAX);
	assert_true(len <= sizeof(buf));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, buf);
	assert_non_null(p);
	if (p != buf)
		memcpy(buf, p, len);
	rte_pktmbuf_free(m);

	/* Ethernet (addresses are the caller's), IPv4, TCP: all well formed,
	 * both checksums right. */
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)buf;
	assert_true(len >= sizeof(*eth) + 40);
	assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(tcpstack_ipv4_parse(buf + sizeof(*eth), len - sizeof(*eth), &v), 0);
	assert_int_equal(v.hdr->next_proto_id, IPPROTO_TCP);
	assert_int_equal(sizeof(*eth) + v.hdr_len + v.l4_len, len);
	assert_true(tcpstack_l4_cksum_ok(&v));
	const struct rte_tcp_hdr *th = v.l4;
	unsigned thlen = (th->data_off >> 4) * 4u;
	assert_true(thlen >= sizeof(*th) && thlen <= v.l4_len);

	g = &T.out[T.n_out++];
	memset(g, 0, sizeof(*g));
	g->saddr = v.hdr->src_addr;
	g->daddr = v.hdr->dst_addr;
	g->sport = rte_be_to_cpu_16(th->src_port);
	g->dport = rte_be_to_cpu_16(th->dst_port);
	g->seq = rte_be_to_cpu_32(th->sent_seq);
	g->ack = rte_be_to_cpu_32(th->recv_ack);
	g->wnd = rte_be_to_cpu_16(th->rx_win);
	g->flags = th->tcp_flags;
	g->len = v.l4_len - thlen;
	g->at = now;
	assert_true(g->len <= sizeof(g->data));
	memcpy(g->data, (const uint8_t *)th + thlen, g->len);
	assert_int_equal(tcp_opts_parse((const uint8_t *)(th + 1), thlen - sizeof(*th),
					g->flags & F_SYN, &g->o),
			 TCP_OPTS_OK);

	/* What the peer would learn from it. */
	if (g->o.present & TCP_OPTF_TS)
		T.p_tsecr = g->o.ts_val;
	if (!(g->flags & F_RST)) {
		uint32_t end = g->seq + g->len + !!(g->flags & F_SYN) + !!(g->flags & F_FIN);
		if ((g->flags & F_SYN) || seq_gt(end, T.our_max))
			T.our_max = end;
	}
}

static void on_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	assert_true(T.n_ev < EV_MAX);
	T.ev[T.n_ev++] = (struct ev){ .user = user, .c = c, .ev = ev, .err = err };
}

static void *on_accept(void *listener_user, struct tcpstack_conn *c)
{
	/* Only a listener's connections are accepted, on the listener's user.
	 * Counted, not asserted: a failure must not unwind through the engine. */
	if (listener_user != &listener_tag)
		T.accepts_bad++;
	T.accepts++;
	if (T.refuse)
		return NULL;
	T.c = c;
	return &accepted_tag;
}

static const struct tcpstack_tcp_ops ops = {
	.event = on_event,
	.accept = on_accept,
};

/* For active opens: no accept hook, so nothing depends on it being skipped. */
static const struct tcpstack_tcp_ops ops_active = {
	.event = on_event,
};

static void on_read_opt(void *user, struct tcpstack_conn *c, enum tcpstack_seg_kind kind,
			uint32_t seq, uint32_t len, const uint8_t *opt, unsigned opt_len,
			uint64_t now)
{
	(void)user;
	(void)seq;
	(void)len;
	(void)opt;
	(void)opt_len;
	if (T.n_ro < 8) {
		T.ro_kind[T.n_ro] = kind;
		T.ro_n_ev[T.n_ro] = T.n_ev;
	}
	T.n_ro++;
	if (T.ro_abort) {
		T.ro_abort = false;
		tcpstack_tcp_abort(c, now);
	}
}

/* An active connection's user that reads options (as MPTCP does). */
static const struct tcpstack_tcp_ops ops_read_opt = {
	.event = on_event,
	.read_opt = on_read_opt,
};

/* Events of one kind so far. */
static unsigned n_events(enum tcpstack_tcp_event ev)
{
	unsigned n = 0;

	for (unsigned i = 0; i < T.n_ev; i++)
		n += T.ev[i].ev == ev;
	return n;
}

/* Index of the first event of a kind, or -1. */
static int event_at(enum tcpstack_tcp_event ev)
{
	for (unsigned i = 0; i < T.n_ev; i++)
		if (T.ev[i].ev == ev)
			return (int)i;
	return -1;
}

static const struct ev *last_event(enum tcpstack_tcp_event ev)
{
	for (unsigned i = T.n_ev; i-- > 0;)
		if (T.ev[i].ev == ev)
			return &T.ev[i];
	return NULL;
}

static uint64_t cnt(enum tcpstack_mib what)
{
	return T.mib.v[what];
}

static const char *state_of(const struct tcpstack_conn *c)
{
	struct tcpstack_tcp_info i;

	tcpstack_tcp_get_info(c, &i);
	return i.state;
}

static void expect_state(const char *st)
{
	if (strcmp(st, "SYN_RCVD") == 0 && T.c == NULL) {
		/* A passive half-open connection has no handle yet. */
		assert_int_equal(T.accepts, 0);
		assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);
		return;
	}
	assert_non_null(T.c);
	assert_string_equal(state_of(T.c), st);
}

/* ---- segments out of the engine */

static unsigned pending(void)
{
	return T.n_out - T.n_taken;
}

static struct seg pop(void)
{
	assert_true(pending() > 0);
	return T.out[T.n_taken++];
}

static void expect_none(void)
{
	if (pending() != 0) {
		const struct seg *g = &T.out[T.n_taken];
		print_error("unexpected segment: flags %#x seq %u ack %u len %u\n", g->flags,
			    g->seq, g->ack, g->len);
	}
	assert_int_equal(pending(), 0);
}

/* A pure ACK from the engine: seq = SND.NXT (the highest sent), ack given. */
static struct seg expect_ack(uint32_t ack)
{
	struct seg g = pop();

	assert_int_equal(g.flags, F_ACK);
	assert_int_equal(g.len, 0);
	assert_int_equal(g.seq, T.our_max);
	assert_int_equal(g.ack, ack);
	return g;
}

/* Window the segment advertises, in bytes (the SYN's field is unscaled). */
static uint32_t wnd_bytes(const struct seg *g)
{
	return (g->flags & F_SYN) ? g->wnd : (uint32_t)g->wnd << T.wscale;
}

/* ---- segments into the engine */

static struct rte_mbuf *mkframe(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
				const struct tcp_opts *o, uint32_t len)
{
	uint8_t opts[TCP_OPTS_MAX_LEN];
	unsigned olen = o != NULL ? tcp_opts_write(opts, sizeof(opts), o) : 0;
	assert_true(olen + T.x_len + 3 <= sizeof(opts));
	if (T.x_len != 0)
		memcpy(opts + olen, T.x_opts, T.x_len);
	olen += T.x_len;
	while (olen % 4 != 0)
		opts[olen++] = 1; /* NOP */
	unsigned thlen = sizeof(struct rte_tcp_hdr) + olen;
	unsigned iplen = sizeof(struct rte_ipv4_hdr) + thlen + len;
	struct rte_mbuf *m = rte_pktmbuf_alloc(T.pool);

	assert_non_null(m);
	uint8_t *p =
		(uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(struct rte_ether_hdr) + iplen));
	assert_non_null(p);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *payload = (uint8_t *)th + thlen;

	memset(eth, 0, sizeof(*eth));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)iplen);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = R_IP;
	ip->dst_addr = L_IP;
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(T.rport);
	th->dst_port = rte_cpu_to_be_16(T.lport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	memcpy(th + 1, opts, olen);
	/* A SYN's first data byte is seq + 1. */
	for (uint32_t i = 0; i < len; i++)
		payload[i] = pat(seq + !!(flags & F_SYN) + i);
	struct tcpstack_ipv4_view v = {
		.hdr = ip, .l4 = th, .hdr_len = sizeof(*ip), .l4_len = (uint16_t)(thlen + len)
	};
	tcpstack_ipv4_set_cksum(ip);
	tcpstack_l4_set_cksum(&v);
	return m;
}

/* Feed a frame; returns it (consumed: compare the pointer, never use it). */
static struct rte_mbuf *inject(struct rte_mbuf *m)
{
	if (T.n_taken == T.n_out)
		T.n_taken = T.n_out = 0;
	tcpstack_tcp_input(T.s, m, T.now);
	return m;
}

/* The options the peer puts on a non-SYN segment: a timestamp if in use. */
static struct tcp_opts peer_opts(void)
{
	struct tcp_opts o = { 0 };

	if (T.p_ts) {
		o.present = TCP_OPTF_TS;
		o.ts_val = T.p_tsval;
		o.ts_ecr = T.p_tsecr;
	}
	return o;
}

/* The options of the peer's SYN or SYN-ACK: everything. */
static struct tcp_opts peer_syn_opts(void)
{
	struct tcp_opts o = peer_opts();

	o.present |= TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACK_PERM;
	o.mss = PEER_MSS;
	o.wscale = PEER_WS;
	return o;
}

static struct rte_mbuf *tx_o(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
			     const struct tcp_opts *o, uint32_t len)
{
	return inject(mkframe(flags, seq, ack, wnd, o, len));
}

/* A segment from the peer with its current window and timestamp. */
static struct rte_mbuf *tx(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	struct tcp_opts o = peer_opts();

	return tx_o(flags, seq, ack, T.p_wnd, &o, len);
}

/* The peer's next in-order data (with its current ACK). */
static struct rte_mbuf *tx_data(uint32_t len)
{
	struct rte_mbuf *m = tx(F_ACK | F_PSH, T.p_nxt, T.p_ack, len);

	T.p_nxt += len;
	return m;
}

/* The peer's pure ACK of everything the engine sent. */
static void tx_ack_all(void)
{
	T.p_ack = T.our_max;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
}

static void tx_fin(void)
{
	tx(F_FIN | F_ACK, T.p_nxt, T.p_ack, 0);
	T.p_nxt++;
}

/* ---- the engine's user */

/* Queue @len bytes (from stream offset @off) as full-segment mbufs. */
static int usend(uint32_t len, uint32_t off)
{
	struct rte_mbuf *head = NULL, *last = NULL;

	if (T.n_taken == T.n_out)
		T.n_taken = T.n_out = 0;
	for (uint32_t done = 0; done < len;) {
		uint32_t n = RTE_MIN(len - done, (uint32_t)EMSS);
		struct rte_mbuf *m = rte_pktmbuf_alloc(T.pool);
		assert_non_null(m);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		assert_non_null(p);
		for (uint32_t i = 0; i < n; i++)
			p[i] = upat(off + done + i);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
		done += n;
	}
	int rc = tcpstack_tcp_send(T.c, head, T.now);
	if (rc != 0)
		rte_pktmbuf_free(head);
	return rc;
}

/* Check that a data segment from the engine carries stream bytes from @off. */
static void check_payload(const struct seg *g, uint32_t off)
{
	for (uint32_t i = 0; i < g->len; i++)
		if (g->data[i] != upat(off + i))
			fail_msg("payload byte %u of segment seq %u is wrong", i, g->seq);
}

/* Take everything readable; check it is the peer's stream from seq @from. */
static uint32_t recv_all(uint32_t from)
{
	uint32_t got = 0;
	struct rte_mbuf *m;

	while ((m = tcpstack_tcp_recv(T.c, UINT32_MAX, T.now)) != NULL) {
		uint32_t in_chain = 0;
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
			for (uint16_t i = 0; i < s->data_len; i++)
				if (p[i] != pat(from + got + in_chain + i))
					fail_msg("received byte at seq %u is wrong",
						 from + got + in_chain + i);
			in_chain += s->data_len;
		}
		assert_int_equal(rte_pktmbuf_pkt_len(m), in_chain);
		got += in_chain;
		rte_pktmbuf_free(m);
	}
	return got;
}

/* ---- time */

/* Jump to the next timer and run it. */
static uint64_t fire(void)
{
	uint64_t t = tcpstack_tcp_next_timer(T.s);

	assert_true(t != UINT64_MAX);
	if (T.n_taken == T.n_out)
		T.n_taken = T.n_out = 0;
	if (t > T.now)
		T.now = t;
	tcpstack_tcp_timers(T.s, T.now);
	return T.now;
}

/* Let @ns pass, running every timer due on the way. */
static void advance(uint64_t ns)
{
	uint64_t end = T.now + ns, t;

	while ((t = tcpstack_tcp_next_timer(T.s)) <= end) {
		if (T.n_taken == T.n_out)
			T.n_taken = T.n_out = 0;
		if (t > T.now)
			T.now = t;
		tcpstack_tcp_timers(T.s, T.now);
	}
	T.now = end;
}

/* ---- set-up */

static const uint8_t isn_key[16] = { 0x6d, 0x70, 0x67, 0x77, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

static struct tcpstack_tcp *create(const struct tcpstack_tcp_params *p)
{
	struct tcpstack_tcp_params tp = { 0 };

	if (p != NULL)
		tp = *p;
	/* A fixed key makes ISNs (and so every run) reproducible. */
	memcpy(tp.isn_key, isn_key, sizeof(tp.isn_key));
	return tcpstack_tcp_create(&tp, T.pool, &T.mib, on_output, NULL);
}

static void begin(const struct tcpstack_tcp_params *p)
{
	struct rte_mempool *pool = ut_eal_pool();

	assert_non_null(pool);
	memset(&T, 0, sizeof(T));
	T.pool = pool;
	T.base_in_use = rte_mempool_in_use_count(pool); /* 0 unless a test failed */
	T.s = create(p);
	assert_non_null(T.s);
	T.now = T0;
	T.lport = L_PORT;
	T.rport = R_PORT;
	T.p_wnd = 16384; /* << PEER_WS: 64 KiB */
	T.p_ts = true;
	T.p_tsval = 7000;
}

/* Every connection aborted and every mbuf back in the pool. */
static void finish(void)
{
	tcpstack_tcp_destroy(T.s);
	T.s = NULL;
	assert_int_equal(rte_mempool_in_use_count(T.pool), T.base_in_use);
	assert_int_equal(T.accepts_bad, 0);
}

static int teardown(void **state)
{
	(void)state;
	/* After a failed assertion: free what the test left behind. */
	if (T.s != NULL) {
		tcpstack_tcp_destroy(T.s);
		T.s = NULL;
	}
	return 0;
}

/*
 * Set virtual time so that the next connection on the current ports gets
 * ISS @iss. The engine's ISN is RFC 6528's M + F(tuple, key) with M a 4 us
 * clock: F is read from a probe stack at time 0, and the clock set to
 * (iss - F) ticks. Checked after use (open_*), so a change of ISN scheme
 * fails loudly rather than testing the wrong numbers.
 */
static void at_isn(uint32_t iss)
{
	struct tcpstack_mib_counters mib;
	struct tcpstack_tcp_params tp = { 0 };
	struct tcpstack_tcp *probe;
	int err;

	memcpy(tp.isn_key, isn_key, sizeof(tp.isn_key));
	probe = tcpstack_tcp_create(&tp, T.pool, &mib, on_output, NULL);
	assert_non_null(probe);
	unsigned before = T.n_out;
	assert_non_null(
		tcpstack_tcp_connect(probe, L_IP, T.lport, R_IP, T.rport, NULL, NULL, 0, &err));
	assert_int_equal(T.n_out, before + 1);
	uint32_t f = T.out[--T.n_out].seq;
	tcpstack_tcp_destroy(probe);
	T.now = (uint64_t)(uint32_t)(iss - f) * 4000;
}

/* Passive open up to SYN-RECEIVED: the peer's SYN in, our SYN-ACK out. */
static void open_syn_rcvd(void)
{
	struct tcp_opts o = peer_syn_opts();

	assert_int_equal(tcpstack_tcp_listen(T.s, L_IP, L_PORT, &ops, &listener_tag), 0);
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.ack, PEER_ISS + 1);
	T.iss = g.seq;
	T.wscale = (g.o.present & TCP_OPTF_WS) ? g.o.wscale : 0;
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = T.iss + 1;
}

/* Passive open to ESTABLISHED (10 ms of handshake RTT: RTO = its 200 ms floor). */
static struct tcpstack_conn *open_passive(void)
{
	open_syn_rcvd();
	T.now += 10 * MS;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	expect_none();
	assert_int_equal(T.accepts, 1);
	assert_non_null(T.c);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CONNECTED), 1);
	expect_state("ESTABLISHED");
	return T.c;
}

/* Active open up to SYN-SENT. */
static struct tcpstack_conn *open_syn_sent(void)
{
	int err = -1;

	T.lport = 40001;
	T.rport = 443;
	T.c = tcpstack_tcp_connect(T.s, L_IP, T.lport, R_IP, T.rport, &ops_active, &active_tag,
				   T.now, &err);
	assert_non_null(T.c);
	assert_int_equal(err, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN);
	T.iss = g.seq;
	T.wscale = (g.o.present & TCP_OPTF_WS) ? g.o.wscale : 0;
	T.p_nxt = PEER_ISS;
	return T.c;
}

static struct tcpstack_conn *open_active(void)
{
	struct tcp_opts o = peer_syn_opts();

	open_syn_sent();
	T.now += 10 * MS;
	tx_o(F_SYN | F_ACK, PEER_ISS, T.iss + 1, 65535, &o, 0);
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = T.iss + 1;
	expect_ack(PEER_ISS + 1);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CONNECTED), 1);
	expect_state("ESTABLISHED");
	return T.c;
}

/* ---- passive open */

static void test_passive_open(void **state)
{
	(void)state;
	begin(NULL);
	struct tcp_opts o = peer_syn_opts();
	assert_int_equal(tcpstack_tcp_listen(T.s, L_IP, L_PORT, &ops, &listener_tag), 0);
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);

	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.saddr, L_IP);
	assert_int_equal(g.daddr, R_IP);
	assert_int_equal(g.sport, L_PORT);
	assert_int_equal(g.dport, R_PORT);
	assert_int_not_equal(g.seq, 0);
	assert_int_equal(g.ack, PEER_ISS + 1);
	assert_int_equal(g.len, 0);
	/* RFC 9293 3.7.1, RFC 7323 2-3, RFC 2018: everything the SYN offered. */
	assert_true(g.o.present & TCP_OPTF_MSS);
	assert_int_equal(g.o.mss, 1460);
	assert_true(g.o.present & TCP_OPTF_WS);
	assert_true(g.o.wscale <= TCP_WSCALE_MAX);
	assert_true((4u << 20) >> g.o.wscale <= 65535); /* the 4 MiB buffer fits */
	assert_true(g.o.present & TCP_OPTF_SACK_PERM);
	assert_true(g.o.present & TCP_OPTF_TS);
	assert_int_equal(g.o.ts_ecr, T.p_tsval);
	assert_false(g.o.present & TCP_OPTF_SACK);
	assert_int_equal(g.wnd, 65535); /* a SYN's window is never scaled */
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_PASSIVE_OPENS), 1);
	assert_int_equal(T.accepts, 0);
	assert_int_equal(T.n_ev, 0);

	/* The handshake's last ACK: ESTABLISHED, accepted, CONNECTED. */
	T.iss = g.seq;
	T.wscale = g.o.wscale;
	T.now += 10 * MS;
	tx(F_ACK, PEER_ISS + 1, T.iss + 1, 0);
	expect_none();
	assert_int_equal(T.accepts, 1);
	assert_int_equal(T.n_ev, 1);
	assert_int_equal(T.ev[0].ev, TCPSTACK_TCP_EV_CONNECTED);
	assert_ptr_equal(T.ev[0].user, &accepted_tag);
	assert_ptr_equal(T.ev[0].c, T.c);
	expect_state("ESTABLISHED");
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ESTABLISHED), 1);
	finish();
}

/* A SYN without options: no WS, SACK-permitted or timestamps back (RFC 7323
 * 2.2/3.2, RFC 2018), and the peer's MSS taken as 536 (RFC 9293 3.7.1). */
static void test_passive_open_no_options(void **state)
{
	struct tcp_opts none = { 0 };

	(void)state;
	begin(NULL);
	T.p_ts = false;
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, L_PORT, &ops, &listener_tag), 0);
	tx_o(F_SYN, PEER_ISS, 0, 65535, &none, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.o.present, TCP_OPTF_MSS);
	T.iss = g.seq;
	T.wscale = 0;
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = T.iss + 1;
	tx_o(F_ACK, T.p_nxt, T.p_ack, 65535, &none, 0);
	expect_state("ESTABLISHED");

	/* Data: segments of 536 bytes, no options at all, window unscaled. */
	assert_int_equal(usend(1200, 0), 0);
	for (uint32_t i = 0; i < 2; i++) {
		g = pop();
		assert_int_equal(g.len, 536);
		assert_int_equal(g.o.present, 0);
		assert_int_equal(g.seq, T.iss + 1 + i * 536);
		assert_int_equal(g.wnd, 65535);
		check_payload(&g, i * 536);
	}
	expect_none(); /* Nagle: the short tail waits for the ACK */
	tx_o(F_ACK, T.p_nxt, T.iss + 1 + 1072, 65535, &none, 0);
	g = pop();
	assert_int_equal(g.len, 1200 - 1072);
	check_payload(&g, 1072);
	finish();
}

/* RFC 9293 3.10.7.1 and 3.10.7.2: what nobody owns is answered with a RST. */
static void test_no_listener(void **state)
{
	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, L_IP, L_PORT, &ops, &listener_tag), 0);

	/* SYN (with 10 bytes) to a closed port: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK> */
	T.lport = 81;
	tx(F_SYN, 1000, 0, 10);
	struct seg g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.seq, 0);
	assert_int_equal(g.ack, 1000 + 1 + 10);
	assert_int_equal(g.sport, 81);
	assert_int_equal(g.dport, R_PORT);
	expect_none();

	/* An ACK to a closed port: <SEQ=SEG.ACK><CTL=RST> */
	tx(F_ACK, 5000, 777, 0);
	g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, 777);
	expect_none();

	/* A FIN without ACK to a closed port: RST|ACK acknowledging the FIN. */
	tx(F_FIN, 6000, 0, 0);
	g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.ack, 6001);

	/* A RST is never answered. */
	tx(F_RST, 5000, 0, 0);
	tx(F_RST | F_ACK, 5000, 1, 0);
	expect_none();

	/* An ACK to a listening port (LISTEN state): RST, no connection. */
	T.lport = L_PORT;
	tx(F_ACK, 5000, 888, 0);
	g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, 888);
	expect_none();

	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_OUT), 4);
	assert_true(cnt(TCPSTACK_MIB_TCP_NO_SOCKET) >= 4);
	assert_int_equal(T.n_ev, 0);
	finish();
}

/* RFC 9293 3.10.7.4 SYN-RECEIVED: an unacceptable ACK gets <SEQ=SEG.ACK><RST>
 * and the half-open connection goes on. */
static void test_syn_rcvd_bad_ack(void **state)
{
	(void)state;
	begin(NULL);
	open_syn_rcvd();
	tx(F_ACK, T.p_nxt, T.iss + 5, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, T.iss + 5);
	expect_none();
	tx(F_ACK, T.p_nxt, T.iss, 0); /* acks nothing: as bad */
	g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, T.iss);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ACK_UNSENT), 2);
	assert_int_equal(T.accepts, 0);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);

	tx(F_ACK, T.p_nxt, T.iss + 1, 0);
	assert_int_equal(T.accepts, 1);
	expect_state("ESTABLISHED");
	finish();
}

/* The final ACK may carry data: CONNECTED comes first, then the data. */
static void test_syn_rcvd_ack_with_data(void **state)
{
	(void)state;
	begin(NULL);
	open_syn_rcvd();
	struct rte_mbuf *m = tx_data(100);
	expect_state("ESTABLISHED");
	int conn = event_at(TCPSTACK_TCP_EV_CONNECTED), rd = event_at(TCPSTACK_TCP_EV_READABLE);
	assert_true(conn >= 0 && rd > conn);
	struct rte_mbuf *got = tcpstack_tcp_recv(T.c, UINT32_MAX, T.now);
	assert_ptr_equal(got, m);
	assert_int_equal(rte_pktmbuf_pkt_len(got), 100);
	rte_pktmbuf_free(got);
	finish();
}

/* RFC 9293 3.8.4 / RFC 1122 4.2.3.6: keepalive probes after the idle time,
 * an answer starts the clock over, and unanswered probes end the
 * connection with ETIMEDOUT after a RST. Off unless asked for. */
static void test_keepalive(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX); /* off by default */
	tcpstack_tcp_set_keepalive(T.c, 10, 2, 3, T.now);
	uint64_t t = T.now;
	fire();
	assert_int_equal(T.now - t, 10 * SEC);
	struct seg g = pop();
	assert_int_equal(g.flags, F_ACK);
	assert_int_equal(g.seq, T.iss); /* SND.UNA - 1: the peer must answer */
	assert_int_equal(g.len, 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_KEEPALIVE_PROBE), 1);
	/* The peer answers: the next probe is a whole idle time away. */
	T.now += 1 * MS;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	t = T.now;
	fire();
	assert_int_equal(T.now - t, 10 * SEC);
	pop();
	/* Silence: two more probes two seconds apart, then the end. */
	for (int i = 0; i < 2; i++) {
		t = T.now;
		fire();
		assert_int_equal(T.now - t, 2 * SEC);
		g = pop();
		assert_int_equal(g.seq, T.iss);
	}
	fire();
	g = pop();
	assert_true(g.flags & F_RST);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_int_equal(last_event(TCPSTACK_TCP_EV_CLOSED)->err, ETIMEDOUT);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_KEEPALIVE_TIMEOUT), 1);
	finish();
}

/* RFC 4987 3.6: with the half-open table full, a SYN gets a SYN cookie and
 * leaves no state; the ACK that returns it rebuilds the connection (MSS
 * only); a forged or stale cookie gets a RST. */
static void test_syn_cookies(void **state)
{
	struct tcpstack_tcp_params p = { .max_half_open = 1 };
	struct tcp_opts o = peer_syn_opts();

	(void)state;
	begin(&p);
	open_syn_rcvd(); /* the one half-open slot */
	unsigned conns = tcpstack_tcp_conn_count(T.s);

	T.rport = R_PORT + 1;
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.ack, PEER_ISS + 1);
	assert_int_equal(g.o.present, TCP_OPTF_MSS); /* nothing else can be kept */
	assert_int_equal(g.o.mss, 1460);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_SYNCOOKIE_SENT), 1);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), conns);
	uint32_t cookie = g.seq;

	/* The ACK comes back a little later: a connection, accepted. */
	T.now += 5 * MS;
	T.p_ts = false;
	T.c = NULL;
	tx(F_ACK, PEER_ISS + 1, cookie + 1, 0);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_SYNCOOKIE_OK), 1);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), conns + 1);
	assert_non_null(T.c);
	expect_state("ESTABLISHED");
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CONNECTED), 1);
	/* And it carries data both ways. */
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = cookie + 1;
	struct rte_mbuf *m = tx_data(100);
	struct rte_mbuf *got = tcpstack_tcp_recv(T.c, UINT32_MAX, T.now);
	assert_ptr_equal(got, m);
	rte_pktmbuf_free(got);
	g = pop(); /* a small segment is ACKed at once */
	assert_int_equal(g.ack, PEER_ISS + 101);
	expect_none();

	/* A forged cookie: RST, counted. */
	T.rport = R_PORT + 2;
	tx(F_ACK, PEER_ISS + 1, cookie + 1, 0);
	g = pop();
	assert_true(g.flags & F_RST);
	assert_int_equal(g.dport, R_PORT + 2);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_SYNCOOKIE_FAIL), 1);

	/* A stale one (two periods later): RST too. */
	T.rport = R_PORT + 3;
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);
	cookie = pop().seq;
	T.now += 130 * SEC;
	tx(F_ACK, PEER_ISS + 1, cookie + 1, 0);
	while (pending() > 0) {
		g = pop();
		if (g.dport == T.rport)
			break;
	}
	assert_true(g.flags & F_RST);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_SYNCOOKIE_OK), 1);
	finish();
}

/* With cookies off, a full half-open table drops SYNs, counted. */
static void test_half_open_full_without_cookies(void **state)
{
	struct tcpstack_tcp_params p = { .max_half_open = 1, .syncookies_off = true };
	struct tcp_opts o = peer_syn_opts();

	(void)state;
	begin(&p);
	open_syn_rcvd();
	T.rport = R_PORT + 1;
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_HALF_OPEN_FULL), 1);
	finish();
}

/* The user refuses: RST, nothing surfaces, the counter says why. */
static void test_accept_refused(void **state)
{
	(void)state;
	begin(NULL);
	T.refuse = true;
	open_syn_rcvd();
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	struct seg g = pop();
	assert_true(g.flags & F_RST);
	assert_int_equal(g.seq, T.iss + 1);
	assert_int_equal(T.accepts, 1);
	assert_int_equal(T.n_ev, 0);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_REFUSED_BY_APP), 1);
	finish();
}

/* An unanswered SYN-ACK is resent with backoff, then dropped silently. */
static void test_syn_ack_retransmit_and_give_up(void **state)
{
	struct tcpstack_tcp_params p = { .syn_retries = 2 };

	(void)state;
	begin(&p);
	open_syn_rcvd();
	uint64_t t0 = T.now;
	for (unsigned i = 0; i < 2; i++) {
		fire();
		assert_int_equal(T.now - t0, (1ull << i) * SEC);
		t0 = T.now;
		struct seg g = pop();
		assert_int_equal(g.flags, F_SYN | F_ACK);
		assert_int_equal(g.seq, T.iss);
		assert_int_equal(g.ack, PEER_ISS + 1);
	}
	fire();
	assert_int_equal(T.now - t0, 4 * SEC);
	expect_none();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(T.n_ev, 0);
	assert_int_equal(T.accepts, 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_TIMEOUT), 1);
	finish();
}

/* ---- active open */

static void test_active_open(void **state)
{
	struct tcp_opts o;
	int err = -1;

	(void)state;
	begin(NULL);
	T.lport = 40001;
	T.rport = 443;
	T.c = tcpstack_tcp_connect(T.s, L_IP, T.lport, R_IP, T.rport, &ops_active, &active_tag,
				   T.now, &err);
	assert_non_null(T.c);
	assert_int_equal(err, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN);
	assert_int_not_equal(g.seq, 0);
	assert_int_equal(g.len, 0);
	assert_int_equal(g.sport, 40001);
	assert_int_equal(g.dport, 443);
	assert_true(g.o.present & TCP_OPTF_MSS);
	assert_int_equal(g.o.mss, 1460);
	assert_true(g.o.present & TCP_OPTF_WS);
	assert_true(g.o.present & TCP_OPTF_SACK_PERM);
	assert_true(g.o.present & TCP_OPTF_TS);
	assert_int_equal(g.wnd, 65535);
	expect_none();
	expect_state("SYN_SENT");
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ACTIVE_OPENS), 1);
	assert_int_equal(tcpstack_tcp_send_space(T.c) > 0, 1);
	assert_int_equal(usend(10, 0), -ENOTCONN);
	T.iss = g.seq;
	T.wscale = g.o.wscale;

	/* SYN-ACK (the peer's MSS 1400): ACK, CONNECTED. */
	o = peer_syn_opts();
	o.mss = 1400;
	T.now += 10 * MS;
	tx_o(F_SYN | F_ACK, PEER_ISS, T.iss + 1, 65535, &o, 0);
	g = pop();
	assert_int_equal(g.flags, F_ACK);
	assert_int_equal(g.seq, T.iss + 1);
	assert_int_equal(g.ack, PEER_ISS + 1);
	assert_true(g.o.present & TCP_OPTF_TS);
	assert_int_equal(g.o.ts_ecr, T.p_tsval);
	assert_true(wnd_bytes(&g) > 65535); /* scaled from now on */
	expect_none();
	assert_int_equal(T.n_ev, 1);
	assert_int_equal(T.ev[0].ev, TCPSTACK_TCP_EV_CONNECTED);
	assert_ptr_equal(T.ev[0].user, &active_tag);
	expect_state("ESTABLISHED");
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ESTABLISHED), 1);

	/* Segments fit the peer's MSS less our timestamp option. */
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = T.iss + 1;
	assert_int_equal(usend(2000, 0), 0);
	g = pop();
	assert_int_equal(g.len, 1400 - 12);
	assert_int_equal(g.seq, T.iss + 1);
	assert_int_equal(g.ack, PEER_ISS + 1);
	check_payload(&g, 0);
	finish();
}

/* RFC 9293 3.10.7.3: RST with an acceptable ACK refuses; without ACK, or
 * with a bad one, it is dropped. */
static void test_syn_sent_rst(void **state)
{
	(void)state;
	begin(NULL);
	open_syn_sent();
	tx(F_RST, PEER_ISS, 0, 0);
	tx(F_RST | F_ACK, PEER_ISS, T.iss + 100, 0);
	tx(F_RST | F_ACK, PEER_ISS, T.iss, 0);
	expect_none();
	expect_state("SYN_SENT");
	assert_int_equal(T.n_ev, 0);

	tx(F_RST | F_ACK, 0, T.iss + 1, 0);
	expect_none();
	assert_int_equal(T.n_ev, 1);
	assert_int_equal(T.ev[0].ev, TCPSTACK_TCP_EV_CLOSED);
	assert_int_equal(T.ev[0].err, ECONNREFUSED);
	assert_ptr_equal(T.ev[0].user, &active_tag);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

/* RFC 9293 3.10.7.3: SEG.ACK =< ISS or > SND.NXT gets <SEQ=SEG.ACK><RST>. */
static void test_syn_sent_bad_ack(void **state)
{
	struct tcp_opts o;

	(void)state;
	begin(NULL);
	open_syn_sent();
	tx(F_ACK, PEER_ISS, T.iss, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, T.iss);
	o = peer_syn_opts();
	tx_o(F_SYN | F_ACK, PEER_ISS, T.iss + 2, 65535, &o, 0);
	g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, T.iss + 2);
	/* An acceptable ACK without SYN or RST: dropped. */
	tx(F_ACK, PEER_ISS, T.iss + 1, 0);
	expect_none();
	expect_state("SYN_SENT");
	assert_int_equal(T.n_ev, 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ACK_UNSENT), 2);

	tx_o(F_SYN | F_ACK, PEER_ISS, T.iss + 1, 65535, &o, 0);
	T.p_nxt = PEER_ISS + 1;
	expect_ack(PEER_ISS + 1);
	expect_state("ESTABLISHED");
	finish();
}

/* SYNs go out again with backoff; after syn_retries, ETIMEDOUT. */
static void test_syn_retransmit_and_give_up(void **state)
{
	struct tcpstack_tcp_params p = { .syn_retries = 2 };

	(void)state;
	begin(&p);
	open_syn_sent();
	uint64_t t0 = T.now;
	for (unsigned i = 0; i < 2; i++) {
		fire();
		assert_int_equal(T.now - t0, (1ull << i) * SEC);
		t0 = T.now;
		struct seg g = pop();
		assert_int_equal(g.flags, F_SYN);
		assert_int_equal(g.seq, T.iss);
	}
	fire();
	assert_int_equal(T.now - t0, 4 * SEC);
	expect_none();
	assert_int_equal(T.n_ev, 1);
	assert_int_equal(T.ev[0].ev, TCPSTACK_TCP_EV_CLOSED);
	assert_int_equal(T.ev[0].err, ETIMEDOUT);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RETRANS_SEGS), 2);
	finish();
}

/* RFC 9293 3.5 figure 8: SYN in SYN-SENT -> SYN-ACK from SYN-RECEIVED; the
 * peer's SYN-ACK and ACK then bring ESTABLISHED, CONNECTED once. */
static void test_simultaneous_open(void **state)
{
	struct tcp_opts o;

	(void)state;
	begin(NULL);
	open_syn_sent();
	o = peer_syn_opts();
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.seq, T.iss);
	assert_int_equal(g.ack, PEER_ISS + 1);
	assert_true(g.o.present & TCP_OPTF_MSS);
	assert_true(g.o.present & TCP_OPTF_WS);
	assert_true(g.o.present & TCP_OPTF_SACK_PERM);
	assert_true(g.o.present & TCP_OPTF_TS);
	assert_int_equal(g.o.ts_ecr, T.p_tsval);
	expect_none();
	expect_state("SYN_RCVD");
	assert_int_equal(T.n_ev, 0);

	/* The peer's own SYN-ACK (it is in SYN-RECEIVED too): whether it
	 * completes the handshake here (as Linux) or is answered as an old
	 * duplicate (RFC 9293's letter), all we may send is an ACK of its SYN. */
	tx_o(F_SYN | F_ACK, PEER_ISS, T.iss + 1, 65535, &o, 0);
	while (pending() != 0) {
		g = pop();
		assert_int_equal(g.flags, F_ACK);
		assert_int_equal(g.seq, T.iss + 1);
		assert_int_equal(g.ack, PEER_ISS + 1);
	}
	/* Its ACK of our SYN-ACK. */
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = T.iss + 1;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	expect_none();
	expect_state("ESTABLISHED");
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CONNECTED), 1);
	assert_int_equal(T.n_ev, 1);
	assert_ptr_equal(T.ev[0].user, &active_tag);

	/* And data flows. */
	assert_int_equal(usend(100, 0), 0);
	g = pop();
	assert_int_equal(g.seq, T.iss + 1);
	assert_int_equal(g.len, 100);
	finish();
}

/* BUG: RFC 9293 3.5 / the adaptation interface (tcpstack.h: accept is "a
 * listener's connection finished its handshake"). A simultaneous open goes
 * through SYN-RECEIVED, and process_ack() (tcp_input.c, the SYN_RCVD branch)
 * calls ops->accept for it as if it came from a listener, handing the
 * connection's own user pointer as "listener_user" and replacing c->user
 * with what accept returns (or refusing the connection on NULL). It should
 * only do so when c->passive. */
static void test_simultaneous_open_accept_hook(void **state)
{
	struct tcp_opts o;
	int err = -1;

	(void)state;
	SKIP_IF_KNOWN_BUG("simultaneous_open_accept_hook");
	begin(NULL);
	T.lport = 40001;
	T.rport = 443;
	/* The same ops table as the listener's, as a proxy would use. */
	T.c = tcpstack_tcp_connect(T.s, L_IP, T.lport, R_IP, T.rport, &ops, &active_tag, T.now,
				   &err);
	assert_non_null(T.c);
	T.iss = pop().seq;
	o = peer_syn_opts();
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);
	pop();
	tx(F_ACK, PEER_ISS + 1, T.iss + 1, 0);
	assert_int_equal(T.accepts, 0);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CONNECTED), 1);
	assert_ptr_equal(last_event(TCPSTACK_TCP_EV_CONNECTED)->user, &active_tag);
	finish();
}

/* RFC 9293 3.10.7.4: RST in SYN-RECEIVED reached from SYN-SENT: refused. */
static void test_simultaneous_open_rst(void **state)
{
	struct tcp_opts o;

	(void)state;
	begin(NULL);
	open_syn_sent();
	o = peer_syn_opts();
	tx_o(F_SYN, PEER_ISS, 0, 65535, &o, 0);
	pop();
	tx(F_RST, PEER_ISS + 1, 0, 0);
	expect_none();
	assert_int_equal(T.n_ev, 1);
	assert_int_equal(T.ev[0].ev, TCPSTACK_TCP_EV_CLOSED);
	assert_int_equal(T.ev[0].err, ECONNREFUSED);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* ---- the synchronized states, one by one */

enum st {
	ST_SYN_RCVD,
	ST_ESTABLISHED,
	ST_FIN_WAIT_1,
	ST_FIN_WAIT_2,
	ST_CLOSE_WAIT,
	ST_CLOSING,
	ST_LAST_ACK,
	ST_TIME_WAIT,
};

static const char *const st_names[] = {
	[ST_SYN_RCVD] = "SYN_RCVD",	[ST_ESTABLISHED] = "ESTABLISHED",
	[ST_FIN_WAIT_1] = "FIN_WAIT_1", [ST_FIN_WAIT_2] = "FIN_WAIT_2",
	[ST_CLOSE_WAIT] = "CLOSE_WAIT", [ST_CLOSING] = "CLOSING",
	[ST_LAST_ACK] = "LAST_ACK",	[ST_TIME_WAIT] = "TIME_WAIT",
};

/* Our FIN: sent, and (FIN-WAIT-1) not yet acknowledged. */
static uint32_t shutdown_fin(void)
{
	tcpstack_tcp_shutdown(T.c, T.now);
	struct seg g = pop();
	assert_int_equal(g.flags & (F_FIN | F_SYN | F_RST), F_FIN);
	assert_true(g.flags & F_ACK);
	assert_int_equal(g.len, 0);
	assert_int_equal(g.ack, T.p_nxt);
	expect_none();
	return g.seq;
}

/* A fresh passive connection brought to @st by the usual segments. */
static void go(enum st st)
{
	uint32_t fin;

	if (st == ST_SYN_RCVD) {
		open_syn_rcvd();
		return;
	}
	open_passive();
	T.now += 10 * MS;
	switch (st) {
	case ST_FIN_WAIT_1:
		shutdown_fin();
		break;
	case ST_FIN_WAIT_2:
	case ST_TIME_WAIT:
		fin = shutdown_fin();
		tx_ack_all();
		assert_int_equal(T.p_ack, fin + 1);
		expect_none();
		if (st == ST_TIME_WAIT) {
			tx_fin();
			expect_ack(T.p_nxt);
		}
		break;
	case ST_CLOSE_WAIT:
	case ST_LAST_ACK:
		tx_fin();
		expect_ack(T.p_nxt);
		if (st == ST_LAST_ACK)
			shutdown_fin();
		break;
	case ST_CLOSING:
		shutdown_fin();
		tx_fin(); /* does not acknowledge ours */
		expect_ack(T.p_nxt);
		break;
	default:
		break;
	}
	expect_state(st_names[st]);
	expect_none();
}

enum rst_kind { RST_EXACT, RST_IN_WINDOW, RST_OUT_OF_WINDOW };

/* RFC 9293 3.10.7.4 with RFC 5961 3.2: exact RST closes, in-window RST gets
 * a challenge ACK, out-of-window RST is dropped silently. */
static void rst_case(enum st st, enum rst_kind k)
{
	begin(NULL);
	go(st);
	unsigned evs = T.n_ev;
	uint32_t rcv_nxt = T.p_nxt;

	switch (k) {
	case RST_EXACT:
		tx(F_RST, rcv_nxt, 0, 0);
		expect_none();
		assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
		assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_IN), 1);
		if (st == ST_SYN_RCVD || st == ST_TIME_WAIT) {
			/* Never surfaced (passive half-open), or CLOSED already. */
			assert_int_equal(T.n_ev, evs);
		} else {
			assert_int_equal(T.n_ev, evs + 1);
			assert_int_equal(T.ev[evs].ev, TCPSTACK_TCP_EV_CLOSED);
			assert_int_equal(T.ev[evs].err, ECONNRESET);
		}
		assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
		break;
	case RST_IN_WINDOW:
		tx(F_RST, rcv_nxt + 1, 0, 0);
		expect_ack(rcv_nxt);
		tx(F_RST | F_ACK, rcv_nxt + 1000, T.p_ack, 0);
		expect_ack(rcv_nxt);
		expect_none();
		assert_int_equal(cnt(TCPSTACK_MIB_TCP_CHALLENGE_ACK), 2);
		assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_IN), 0);
		assert_int_equal(T.n_ev, evs);
		assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);
		expect_state(st_names[st]);
		break;
	case RST_OUT_OF_WINDOW:
		tx(F_RST, rcv_nxt + 0x10000000, 0, 0);
		tx(F_RST, rcv_nxt - 1, 0, 0);
		expect_none();
		assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_IGNORED), 2);
		assert_int_equal(cnt(TCPSTACK_MIB_TCP_CHALLENGE_ACK), 0);
		assert_int_equal(T.n_ev, evs);
		expect_state(st_names[st]);
		break;
	}
	finish();
}

static void rst_all(enum st st)
{
	rst_case(st, RST_EXACT);
	rst_case(st, RST_IN_WINDOW);
	rst_case(st, RST_OUT_OF_WINDOW);
}

/* RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK and
 * changes nothing (in TIME-WAIT: a SYN that is not newer, RFC 6191). */
static void syn_case(enum st st)
{
	begin(NULL);
	go(st);
	unsigned evs = T.n_ev, conns = tcpstack_tcp_conn_count(T.s);
	uint32_t rcv_nxt = T.p_nxt;
	struct tcp_opts o = peer_syn_opts();

	tx_o(F_SYN, rcv_nxt + 100, 0, 65535, &o, 0);
	expect_ack(rcv_nxt);
	tx_o(F_SYN | F_ACK, rcv_nxt + 200, T.p_ack, 65535, &o, 0);
	expect_ack(rcv_nxt);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_CHALLENGE_ACK), 2);
	assert_int_equal(T.n_ev, evs);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), conns);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_TIME_WAIT_REUSED), 0);
	expect_state(st_names[st]);

	/* Still the same connection: it goes on where it was. */
	if (st == ST_ESTABLISHED) {
		struct rte_mbuf *m = tx_data(10);
		struct rte_mbuf *got = tcpstack_tcp_recv(T.c, UINT32_MAX, T.now);
		assert_ptr_equal(got, m);
		rte_pktmbuf_free(got);
	}
	finish();
}

#define STATE_TESTS(name, ST)                     \
	static void test_rst_##name(void **state) \
	{                                         \
		(void)state;                      \
		rst_all(ST);                      \
	}                                         \
	static void test_syn_##name(void **state) \
	{                                         \
		(void)state;                      \
		syn_case(ST);                     \
	}

STATE_TESTS(syn_rcvd, ST_SYN_RCVD)
STATE_TESTS(established, ST_ESTABLISHED)
STATE_TESTS(fin_wait_1, ST_FIN_WAIT_1)
STATE_TESTS(fin_wait_2, ST_FIN_WAIT_2)
STATE_TESTS(close_wait, ST_CLOSE_WAIT)
STATE_TESTS(closing, ST_CLOSING)
STATE_TESTS(last_ack, ST_LAST_ACK)
STATE_TESTS(time_wait, ST_TIME_WAIT)

/* RFC 6191 (and RFC 9293 3.10.7.4 TIME-WAIT): a SYN clearly newer than the
 * old incarnation (by timestamp) opens a new connection at once. An old
 * one (older timestamp) is answered with an ACK and changes nothing. */
static void test_time_wait_reuse(void **state)
{
	struct tcp_opts o;

	(void)state;
	begin(NULL);
	go(ST_TIME_WAIT);
	uint32_t old_rcv_nxt = T.p_nxt;
	T.now += 1 * SEC;

	/* Old: PAWS rejects it, with an ACK. */
	o = peer_syn_opts();
	o.ts_val = T.p_tsval - 1;
	tx_o(F_SYN, old_rcv_nxt + 5000, 0, 65535, &o, 0);
	expect_ack(old_rcv_nxt);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_TIME_WAIT_REUSED), 0);
	expect_state("TIME_WAIT");

	/* New. */
	T.p_tsval += 1000;
	o = peer_syn_opts();
	uint32_t new_iss = old_rcv_nxt + 100000;
	tx_o(F_SYN, new_iss, 0, 65535, &o, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.ack, new_iss + 1);
	assert_int_equal(g.o.ts_ecr, T.p_tsval);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_TIME_WAIT_REUSED), 1);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);

	unsigned accepts = T.accepts, evs = T.n_ev;
	tx(F_ACK, new_iss + 1, g.seq + 1, 0);
	expect_none();
	assert_int_equal(T.accepts, accepts + 1);
	assert_int_equal(T.n_ev, evs + 1);
	assert_int_equal(T.ev[evs].ev, TCPSTACK_TCP_EV_CONNECTED);
	expect_state("ESTABLISHED");
	finish();
}

/* ---- closing */

/* RFC 9293 3.6 case 1: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED. */
static void test_active_close(void **state)
{
	struct tcpstack_tcp_params p = { .time_wait_us = 2000000 };

	(void)state;
	begin(&p);
	open_passive();
	uint32_t fin = shutdown_fin();
	assert_int_equal(fin, T.iss + 1);
	expect_state("FIN_WAIT_1");
	assert_int_equal(usend(10, 0), -EPIPE);

	T.now += 10 * MS;
	tx_ack_all();
	expect_none();
	expect_state("FIN_WAIT_2");

	unsigned evs = T.n_ev;
	tx_fin();
	expect_ack(T.p_nxt);
	expect_none();
	assert_int_equal(T.n_ev, evs + 2);
	assert_int_equal(T.ev[evs].ev, TCPSTACK_TCP_EV_PEER_FIN);
	assert_int_equal(T.ev[evs + 1].ev, TCPSTACK_TCP_EV_CLOSED);
	assert_int_equal(T.ev[evs + 1].err, 0);
	expect_state("TIME_WAIT");
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), T.now + 2 * SEC);

	/* In TIME-WAIT an ACK changes nothing. */
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	expect_none();
	fire();
	expect_none();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(T.n_ev, evs + 2);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

/* RFC 9293 3.6 case 2: CLOSE-WAIT -> LAST-ACK -> CLOSED. */
static void test_passive_close(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	tx_fin();
	expect_ack(T.p_nxt); /* at once, not delayed */
	expect_state("CLOSE_WAIT");
	assert_int_equal(n_events(TCPSTACK_TCP_EV_PEER_FIN), 1);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 0);

	uint32_t fin = shutdown_fin();
	assert_int_equal(fin, T.iss + 1);
	expect_state("LAST_ACK");
	T.now += 10 * MS;
	tx_ack_all();
	expect_none();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	const struct ev *e = last_event(TCPSTACK_TCP_EV_CLOSED);
	assert_non_null(e);
	assert_int_equal(e->err, 0);
	assert_true(event_at(TCPSTACK_TCP_EV_PEER_FIN) < event_at(TCPSTACK_TCP_EV_CLOSED));
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

/* The FIN is retransmitted on RTO in LAST-ACK. */
static void test_last_ack_fin_retransmit(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	tx_fin();
	pop();
	uint32_t fin = shutdown_fin();
	uint64_t t0 = T.now;
	fire();
	assert_int_equal(T.now - t0, 200 * MS);
	struct seg g = pop();
	assert_true(g.flags & F_FIN);
	assert_int_equal(g.seq, fin);
	expect_state("LAST_ACK");
	tx_ack_all();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* RFC 9293 3.6 case 3: FIN-WAIT-1 -> CLOSING -> TIME-WAIT. */
static void test_simultaneous_close(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t fin = shutdown_fin();
	unsigned evs = T.n_ev;
	tx_fin(); /* crosses ours: acknowledges nothing new */
	expect_ack(T.p_nxt);
	expect_state("CLOSING");
	assert_int_equal(T.n_ev, evs + 1);
	assert_int_equal(T.ev[evs].ev, TCPSTACK_TCP_EV_PEER_FIN);

	tx_ack_all();
	assert_int_equal(T.p_ack, fin + 1);
	expect_none();
	expect_state("TIME_WAIT");
	assert_int_equal(T.n_ev, evs + 2);
	assert_int_equal(T.ev[evs + 1].ev, TCPSTACK_TCP_EV_CLOSED);
	assert_int_equal(T.ev[evs + 1].err, 0);
	fire();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* FIN-WAIT-1: a FIN that also acknowledges ours goes straight to TIME-WAIT. */
static void test_fin_ack_in_fin_wait_1(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t fin = shutdown_fin();
	unsigned evs = T.n_ev;
	T.p_ack = fin + 1;
	tx_fin();
	expect_ack(T.p_nxt);
	expect_none();
	expect_state("TIME_WAIT");
	assert_int_equal(T.n_ev, evs + 2);
	assert_int_equal(T.ev[evs].ev, TCPSTACK_TCP_EV_PEER_FIN);
	assert_int_equal(T.ev[evs + 1].ev, TCPSTACK_TCP_EV_CLOSED);
	finish();
}

/* Half-close: after our FIN the peer's data still arrives (FIN-WAIT-2). */
static void test_half_close_receive(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t from = T.p_nxt;
	shutdown_fin();
	T.now += 10 * MS;
	tx_ack_all();
	expect_state("FIN_WAIT_2");
	tx_data(EMSS);
	tx_data(EMSS);
	expect_ack(T.p_nxt);
	assert_int_equal(recv_all(from), 2 * EMSS);
	tx_fin();
	expect_ack(T.p_nxt);
	expect_state("TIME_WAIT");
	finish();
}

/* Half-close: after the peer's FIN we still send (CLOSE-WAIT), then close. */
static void test_half_close_send(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	tx_fin();
	pop();
	expect_state("CLOSE_WAIT");
	assert_int_equal(usend(3000, 0), 0);
	uint32_t off = 0;
	for (int round = 0; round < 2; round++) {
		/* Nagle holds the short tail until the full ones are acked. */
		while (pending() != 0) {
			struct seg g = pop();
			assert_int_equal(g.seq, T.iss + 1 + off);
			assert_int_equal(g.ack, T.p_nxt);
			check_payload(&g, off);
			off += g.len;
		}
		tx_ack_all();
	}
	assert_int_equal(off, 3000);
	expect_state("CLOSE_WAIT");
	uint32_t fin = shutdown_fin();
	assert_int_equal(fin, T.iss + 1 + 3000);
	tx_ack_all();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(last_event(TCPSTACK_TCP_EV_CLOSED)->err, 0);
	finish();
}

/* A FIN on data already received (a retransmission that adds only the FIN)
 * is taken: RFC 9293 3.10.7.4 trims the old part and keeps the rest. */
static void test_fin_on_old_data(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t from = T.p_nxt;
	tx_data(500);
	expect_ack(T.p_nxt); /* short segment: ACKed at once */
	assert_int_equal(recv_all(from), 500);
	tx(F_FIN | F_ACK | F_PSH, from, T.p_ack, 500);
	T.p_nxt++;
	struct seg g = pop();
	assert_int_equal(g.flags, F_ACK);
	assert_int_equal(g.ack, T.p_nxt);
	expect_state("CLOSE_WAIT");
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 0);
	finish();
}

/* BUG: RFC 9293 3.10.7.4 (TIME-WAIT: "The only thing that can arrive in
 * this state is a retransmission of the remote FIN. Acknowledge it, and
 * restart the 2 MSL timeout"); BSD and Linux both do. A retransmitted FIN
 * (seq = RCV.NXT - 1) fails the acceptability test in synchronized_input()
 * and is only ACKed, so the restart in process_ack()'s TIME_WAIT case (whose
 * comment says exactly this) never runs for it: the control block leaves
 * at the first deadline while the peer, whose LAST-ACK lost our ACK, may
 * still be retransmitting. */
static void test_time_wait_fin_restarts_timer(void **state)
{
	struct tcpstack_tcp_params p = { .time_wait_us = 10000000 };

	(void)state;
	SKIP_IF_KNOWN_BUG("time_wait_fin_restarts_timer");
	begin(&p);
	go(ST_TIME_WAIT);
	uint64_t first_deadline = T.now + 10 * SEC;
	assert_int_equal(tcpstack_tcp_next_timer(T.s), first_deadline);
	T.now += 6 * SEC;
	tx(F_FIN | F_ACK, T.p_nxt - 1, T.p_ack, 0);
	expect_ack(T.p_nxt);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), T.now + 10 * SEC);
	advance(5 * SEC); /* past the first deadline */
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);
	finish();
}

/* A frame with a bad TCP checksum is dropped, unanswered and counted. */
static void test_bad_checksum(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	struct rte_mbuf *m = mkframe(F_ACK | F_PSH, T.p_nxt, T.p_ack, T.p_wnd, NULL, 100);
	rte_pktmbuf_mtod(m, uint8_t *)[rte_pktmbuf_pkt_len(m) - 1] ^= 0x40;
	inject(m);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_BAD_CSUM), 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 0);
	finish();
}

/* RFC 9293 3.10.7.4 fifth check: a segment without ACK is dropped. */
static void test_no_ack_flag(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	tx(F_PSH, T.p_nxt, 0, 100);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_NO_ACK), 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 0);
	expect_state("ESTABLISHED");
	finish();
}

/* The handshake's last ACK carries a FIN: CONNECTED, then PEER_FIN, in
 * CLOSE-WAIT, the FIN acknowledged. */
static void test_syn_rcvd_ack_with_fin(void **state)
{
	(void)state;
	begin(NULL);
	open_syn_rcvd();
	tx_fin();
	expect_ack(T.p_nxt);
	expect_state("CLOSE_WAIT");
	int conn = event_at(TCPSTACK_TCP_EV_CONNECTED), fin = event_at(TCPSTACK_TCP_EV_PEER_FIN);
	assert_true(conn >= 0 && fin > conn);
	finish();
}

/* The peer missed our handshake ACK and resends its SYN-ACK: it is an old
 * duplicate (SEG.SEQ < RCV.NXT), answered with an ACK, nothing else. */
static void test_syn_ack_retransmitted_when_established(void **state)
{
	struct tcp_opts o;

	(void)state;
	begin(NULL);
	open_active();
	o = peer_syn_opts();
	tx_o(F_SYN | F_ACK, PEER_ISS, T.iss + 1, 65535, &o, 0);
	expect_ack(PEER_ISS + 1);
	expect_none();
	expect_state("ESTABLISHED");
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CONNECTED), 1);
	finish();
}

/* RFC 9293 3.8.6: never more in flight than the peer's window offers. */
static void test_send_window_respected(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	T.p_wnd = 1000 >> PEER_WS;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	assert_int_equal(usend(3000, 0), 0);
	uint32_t sent = 0;
	while (pending() != 0)
		sent += pop().len;
	assert_int_equal(sent, 1000);
	T.p_ack = T.iss + 1 + 1000;
	T.p_wnd = 16384;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	struct seg g = pop();
	assert_int_equal(g.seq, T.iss + 1 + 1000);
	check_payload(&g, 1000);
	finish();
}

/* RFC 9293 3.6.1 (SHLD-2): closing with received data unread resets. */
static void test_close_with_unread_data(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	tx_data(EMSS);
	unsigned evs = T.n_ev;
	tcpstack_tcp_close(T.c, T.now);
	T.c = NULL;
	struct seg g = pop();
	assert_true(g.flags & F_RST);
	assert_int_equal(g.seq, T.iss + 1);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(T.n_ev, evs);
	finish();
}

/* After close() the engine finishes alone: FIN, and a FIN-WAIT-2 that
 * nobody holds ends after its timeout, silently. */
static void test_close_orphan(void **state)
{
	struct tcpstack_tcp_params p = { .time_wait_us = 3000000 };

	(void)state;
	begin(&p);
	open_passive();
	unsigned evs = T.n_ev;
	tcpstack_tcp_close(T.c, T.now);
	T.c = NULL;
	struct seg g = pop();
	assert_int_equal(g.flags, F_FIN | F_ACK);
	tx_ack_all();
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), T.now + 3 * SEC);
	fire();
	expect_none();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(T.n_ev, evs);
	finish();
}

/* BUG: the engine's own rule (tcp_input.c, process_ack(): "An orphan must
 * not wait forever for the peer's FIN") misses one path. The FIN-WAIT-2
 * timer is armed only on the FIN-WAIT-1 -> FIN-WAIT-2 transition, and only
 * if closed_by_user is already set. A user who half-closes (shutdown), sees
 * the FIN acknowledged and only then calls tcpstack_tcp_close() leaves an
 * orphan in FIN-WAIT-2 with no timer: tcpstack_tcp_close() -> shutdown_conn()
 * does nothing there. If the peer never sends its FIN the control block and
 * its slot in max_conns are held forever. */
static void test_orphan_fin_wait_2_timeout(void **state)
{
	struct tcpstack_tcp_params p = { .time_wait_us = 3000000 };

	(void)state;
	SKIP_IF_KNOWN_BUG("orphan_fin_wait_2_timeout");
	begin(&p);
	open_passive();
	shutdown_fin();
	tx_ack_all();
	expect_state("FIN_WAIT_2");
	tcpstack_tcp_close(T.c, T.now);
	T.c = NULL;
	assert_true(tcpstack_tcp_next_timer(T.s) != UINT64_MAX);
	advance(10 * SEC);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* BUG: RFC 9293 3.6.1 (SHLD-2, after RFC 1122 4.2.2.13): "If such a host
 * issues a CLOSE call while received data is still pending in TCP, or if
 * new data is received after CLOSE is called, its TCP SHOULD send a RST to
 * show that data was lost." tcpstack_tcp_close() handles the first half;
 * for the second, process_data() (tcp_input.c) queues data arriving in
 * FIN-WAIT-1/2 on an orphan exactly as for a live user: it is ACKed (the
 * peer believes it delivered), nobody will ever read it, and it sits in
 * rcvq (up to rcvbuf, 4 MiB by default) until the FIN-WAIT-2 timeout.
 * Linux resets here (LINUX_MIB_TCPABORTONDATA). */
static void test_data_after_close_resets(void **state)
{
	(void)state;
	SKIP_IF_KNOWN_BUG("data_after_close_resets");
	begin(NULL);
	open_passive();
	tcpstack_tcp_close(T.c, T.now);
	T.c = NULL;
	uint32_t fin = pop().seq;
	tx_ack_all();
	expect_none();
	tx_data(100);
	struct seg g = pop();
	assert_true(g.flags & F_RST);
	assert_int_equal(g.seq, fin + 1);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* ---- options for the user (read_opt) */

/* Options the engine does not interpret reach read_opt with what the
 * segment is: ACK, DATA, FIN (with or without payload), and RST for a RST
 * that is accepted, before CLOSED (MPTCP's MP_TCPRST says why a subflow is
 * reset); a RST that is not accepted shows nothing. */
static void test_read_opt_kinds(void **state)
{
	static const uint8_t mp[] = { 30, 4, 0x80, 0x01 }; /* MP_TCPRST, reason 1 */

	(void)state;
	begin(NULL);
	open_active();
	tcpstack_tcp_set_user(T.c, &ops_read_opt, &active_tag);
	T.x_opts = mp;
	T.x_len = sizeof(mp);
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	tx_data(100);
	tx_fin();
	assert_int_equal(T.n_ro, 3);
	assert_int_equal(T.ro_kind[0], TCPSTACK_SEG_ACK);
	assert_int_equal(T.ro_kind[1], TCPSTACK_SEG_DATA);
	assert_int_equal(T.ro_kind[2], TCPSTACK_SEG_FIN);
	T.n_taken = T.n_out; /* the ACKs */
	tx(F_RST, T.p_nxt + 1, 0, 0); /* not RCV.NXT: challenged, not read */
	assert_int_equal(T.n_ro, 3);
	expect_ack(T.p_nxt);
	unsigned ev = T.n_ev;
	tx(F_RST, T.p_nxt, 0, 0);
	assert_int_equal(T.n_ro, 4);
	assert_int_equal(T.ro_kind[3], TCPSTACK_SEG_RST);
	assert_int_equal(T.ro_n_ev[3], ev); /* before CLOSED */
	assert_int_equal(T.n_ev, ev + 1);
	assert_int_equal(T.ev[ev].ev, TCPSTACK_TCP_EV_CLOSED);
	assert_int_equal(T.ev[ev].err, ECONNRESET);
	expect_none();
	finish();
}

/* In SYN-SENT, the RST that refuses the connection (its ACK acceptable)
 * is read; one with an unacceptable ACK is not. */
static void test_read_opt_syn_sent_rst(void **state)
{
	static const uint8_t mp[] = { 30, 4, 0x81, 0x03 }; /* MP_TCPRST T, reason 3 */

	(void)state;
	begin(NULL);
	open_syn_sent();
	tcpstack_tcp_set_user(T.c, &ops_read_opt, &active_tag);
	T.x_opts = mp;
	T.x_len = sizeof(mp);
	tx(F_RST | F_ACK, PEER_ISS, T.iss + 100, 0);
	assert_int_equal(T.n_ro, 0);
	tx(F_RST | F_ACK, 0, T.iss + 1, 0);
	assert_int_equal(T.n_ro, 1);
	assert_int_equal(T.ro_kind[0], TCPSTACK_SEG_RST);
	assert_int_equal(T.ro_n_ev[0], 0);
	assert_int_equal(T.n_ev, 1);
	assert_int_equal(T.ev[0].err, ECONNREFUSED);
	finish();
}

/* A user that aborts on one option hears of no other option of that
 * segment (after abort no hook is called again: MPTCP frees its subflow
 * then). */
static void test_read_opt_abort(void **state)
{
	static const uint8_t two[] = { 30, 4, 0x80, 0x01, 30, 4, 0x80, 0x02 };

	(void)state;
	begin(NULL);
	open_active();
	tcpstack_tcp_set_user(T.c, &ops_read_opt, &active_tag);
	T.x_opts = two;
	T.x_len = sizeof(two);
	T.ro_abort = true;
	tx_data(100);
	assert_int_equal(T.n_ro, 1);
	struct seg g = pop();
	assert_true(g.flags & F_RST);
	expect_none();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* ---- receiving data */

/* In-order data lands in the mbuf it arrived in (headers trimmed). */
static void test_recv_zero_copy(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t from = T.p_nxt;
	struct rte_mbuf *m1 = tx_data(EMSS);
	struct rte_mbuf *m2 = tx_data(700);
	assert_true(n_events(TCPSTACK_TCP_EV_READABLE) >= 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), EMSS + 700);

	/* Whole segments only: a limit below the first still yields it. */
	struct rte_mbuf *got = tcpstack_tcp_recv(T.c, 10, T.now);
	assert_ptr_equal(got, m1);
	assert_int_equal(rte_pktmbuf_pkt_len(got), EMSS);
	assert_null(got->next);
	for (uint32_t i = 0; i < EMSS; i++)
		assert_int_equal(rte_pktmbuf_mtod(got, uint8_t *)[i], pat(from + i));
	rte_pktmbuf_free(got);
	got = tcpstack_tcp_recv(T.c, UINT32_MAX, T.now);
	assert_ptr_equal(got, m2);
	assert_int_equal(rte_pktmbuf_pkt_len(got), 700);
	for (uint32_t i = 0; i < 700; i++)
		assert_int_equal(rte_pktmbuf_mtod(got, uint8_t *)[i], pat(from + EMSS + i));
	rte_pktmbuf_free(got);
	assert_null(tcpstack_tcp_recv(T.c, UINT32_MAX, T.now));

	struct tcpstack_tcp_info i;
	tcpstack_tcp_get_info(T.c, &i);
	assert_int_equal(i.bytes_received, EMSS + 700);
	finish();
}

/* RFC 5681 4.2 / RFC 9293 3.8.6.3: one full segment waits for the delayed
 * ACK timer; every second full segment is ACKed at once. */
static void test_delayed_ack(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint64_t t = T.now;
	tx_data(EMSS);
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + 40 * MS);
	fire();
	struct seg g = expect_ack(T.p_nxt);
	assert_int_equal(g.at, t + 40 * MS);
	assert_int_equal(g.o.ts_ecr, T.p_tsval);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);

	T.now += 100 * MS;
	tx_data(EMSS);
	expect_none();
	tx_data(EMSS);
	expect_ack(T.p_nxt);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX); /* delack cancelled */
	for (int i = 0; i < 3; i++) {
		tx_data(EMSS);
		expect_none();
		tx_data(EMSS);
		expect_ack(T.p_nxt);
	}
	tx_data(EMSS);
	expect_none();
	advance(39 * MS);
	expect_none();
	advance(1 * MS);
	expect_ack(T.p_nxt);
	finish();
}

/* RFC 5681 4.2 + RFC 2018: out of order -> immediate duplicate ACK with a
 * SACK block; the hole filled -> immediate ACK of everything. */
static void test_out_of_order_sack(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t a = T.p_nxt, b = a + EMSS, c = b + EMSS, d = c + EMSS;

	tx_data(EMSS); /* A */
	expect_none();
	tx(F_ACK | F_PSH, c, T.p_ack, EMSS); /* C, B missing */
	struct seg g = expect_ack(b);
	assert_true(g.o.present & TCP_OPTF_SACK);
	assert_int_equal(g.o.n_sack, 1);
	assert_int_equal(g.o.sack[0].start, c);
	assert_int_equal(g.o.sack[0].end, d);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_OOO), 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), EMSS);

	/* Another hole: blocks most recent first (RFC 2018 4). */
	tx(F_ACK | F_PSH, d + EMSS, T.p_ack, 100); /* E, D missing */
	g = expect_ack(b);
	assert_int_equal(g.o.n_sack, 2);
	assert_int_equal(g.o.sack[0].start, d + EMSS);
	assert_int_equal(g.o.sack[0].end, d + EMSS + 100);
	assert_int_equal(g.o.sack[1].start, c);
	assert_int_equal(g.o.sack[1].end, d);

	/* B fills the first hole: ACK up to D at once, E still SACKed. */
	tx(F_ACK | F_PSH, b, T.p_ack, EMSS);
	g = expect_ack(d);
	assert_int_equal(g.o.n_sack, 1);
	assert_int_equal(g.o.sack[0].start, d + EMSS);
	/* D fills the last: everything, no SACK left. */
	tx(F_ACK | F_PSH, d, T.p_ack, EMSS);
	g = expect_ack(d + EMSS + 100);
	assert_false(g.o.present & TCP_OPTF_SACK);
	T.p_nxt = d + EMSS + 100;
	assert_int_equal(recv_all(a), 4 * EMSS + 100);
	finish();
}

/* Old data: a full duplicate is answered with an ACK (the peer missed
 * ours); a partial one is trimmed and only its new bytes taken. */
static void test_duplicate_data(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t a = T.p_nxt;
	tx_data(1000);
	tx_data(1000);
	expect_ack(a + 2000);
	tx(F_ACK | F_PSH, a, T.p_ack, 1000);
	expect_ack(a + 2000);
	tx(F_ACK | F_PSH, a + 1000, T.p_ack, 1000);
	expect_ack(a + 2000);
	assert_int_equal(recv_all(a), 2000);

	/* Overlapping: [a+1500, a+3000) brings 1000 new bytes. */
	tx(F_ACK | F_PSH, a + 1500, T.p_ack, 1500);
	T.p_nxt = a + 3000;
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_DUP_DATA), 1);
	assert_int_equal(recv_all(a + 2000), 1000);
	finish();
}

/* RFC 9293 3.10.7.4: data beyond RCV.NXT + RCV.WND is trimmed, not taken;
 * wholly beyond: not acceptable, ACKed. */
static void test_beyond_window(void **state)
{
	struct tcpstack_tcp_params p = { .rcvbuf = 4000 };

	(void)state;
	begin(&p);
	open_passive();
	assert_int_equal(T.wscale, 0);
	uint32_t a = T.p_nxt;
	tx_data(EMSS);
	tx_data(EMSS);
	struct seg g = expect_ack(a + 2 * EMSS);
	assert_int_equal(g.ack + g.wnd, a + 4000); /* the right edge stays */
	tx(F_ACK | F_PSH, a + 2 * EMSS, T.p_ack, EMSS);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RCV_BEYOND_WINDOW), 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 4000);
	T.p_nxt = a + 4000;

	/* The window is closed now: the next byte is not acceptable. */
	advance(40 * MS);
	g = expect_ack(a + 4000);
	assert_int_equal(g.wnd, 0);
	tx(F_ACK | F_PSH, a + 4000, T.p_ack, 100);
	g = expect_ack(a + 4000);
	assert_int_equal(g.wnd, 0);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 4000);
	/* Counted as unacceptable (or, were its ACK processed, as trimmed). */
	assert_true(cnt(TCPSTACK_MIB_TCP_OUT_OF_WINDOW) == 1 ||
		    cnt(TCPSTACK_MIB_TCP_RCV_BEYOND_WINDOW) == 2);

	/* Reading opens it, and the engine says so (a window update). */
	assert_int_equal(recv_all(a), 4000);
	g = expect_ack(a + 4000);
	assert_int_equal(g.wnd, 4000);
	finish();
}

/* RFC 7323 5.3: a segment whose timestamp is older than TS.Recent is an
 * old duplicate: ACK it, drop it. */
static void test_paws(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	uint32_t a = T.p_nxt;
	T.p_tsval += 10;
	tx_data(100);
	expect_ack(a + 100);
	T.p_tsval -= 5;
	tx(F_ACK | F_PSH, a + 100, T.p_ack, 100);
	expect_ack(a + 100);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_PAWS), 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 100);
	/* A RST is exempt (RFC 7323 5.3 R1). */
	tx(F_RST, a + 100, 0, 0);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* RFC 9293 3.8.6.2.2: shrinking the buffer never moves the advertised
 * right edge left. Unscaled window here, so no rounding intervenes. */
static void test_window_edge_on_shrink(void **state)
{
	struct tcpstack_tcp_params p = { .rcvbuf = 60000 };
	uint32_t edge = 0;

	(void)state;
	begin(&p);
	open_passive();
	assert_int_equal(T.wscale, 0);
	for (int i = 0; i < 6; i++) {
		if (i == 2)
			tcpstack_tcp_set_bufs(T.c, 0, 3000);
		tx_data(EMSS);
		tx_data(EMSS);
		struct seg g = expect_ack(T.p_nxt);
		uint32_t e = g.ack + g.wnd;
		if (i != 0)
			assert_true(seq_geq(e, edge));
		edge = e;
	}
	finish();
}

/* BUG: RFC 9293 3.8.6.2.2 (SHLD-14, the receiver should not shrink the
 * window) and RFC 7323 2.4 (a scaled window must be rounded so it does not
 * retract; Linux rounds up). window_field() (tcp_output.c) keeps rcv_adv,
 * but then rounds the advertised value down to a multiple of 2^rcv_wscale:
 * when it advertises the old edge (win = edge) that edge is not a multiple
 * of the scale unit, and the right edge on the wire moves left by up to
 * 2^wscale - 1 bytes (48 here, with the default 4 MiB buffer, scale 7). */
static void test_window_edge_scaled(void **state)
{
	uint32_t edge = 0;

	(void)state;
	SKIP_IF_KNOWN_BUG("window_edge_scaled");
	begin(NULL);
	open_passive();
	assert_true(T.wscale > 0);
	for (int i = 0; i < 8; i++) {
		tx_data(EMSS);
		tx_data(EMSS);
		struct seg g = expect_ack(T.p_nxt);
		uint32_t e = g.ack + wnd_bytes(&g);
		if (i != 0 && !seq_geq(e, edge))
			fail_msg("ACK %d: right edge %u is %u bytes left of %u", i, e, edge - e,
				 edge);
		edge = e;
	}
	finish();
}

/* BUG: RFC 7323 4.3 rule (2) and case (A): TS.Recent is updated only by a
 * segment with SEG.SEQ =< Last.ACK.sent, so that with a delayed ACK the
 * echoed TSval is the earliest unacknowledged segment's. The engine
 * compares with RCV.NXT instead (tcp_input.c, synchronized_input(),
 * "seq_leq(g->seq, c->rcv_nxt)"), which the delayed segment has already
 * moved: the ACK echoes the latest TSval and the peer's RTT samples miss
 * the delay. It needs Last.ACK.sent (rcv_nxt saved when an ACK is sent). */
static void test_ts_echo_delayed_ack(void **state)
{
	(void)state;
	SKIP_IF_KNOWN_BUG("ts_echo_delayed_ack");
	begin(NULL);
	open_passive();
	uint32_t first = ++T.p_tsval;
	tx_data(EMSS);
	expect_none();
	T.now += 5 * MS;
	T.p_tsval += 5;
	tx_data(EMSS);
	struct seg g = expect_ack(T.p_nxt);
	assert_int_equal(g.o.ts_ecr, first);
	finish();
}

/* BUG: RFC 9293 3.10.7.4 ("If the RCV.WND is zero, no segments will be
 * acceptable, but special allowance should be made to accept valid ACKs,
 * URGs, and RSTs"); BSD and Linux process the ACK of such a segment (a
 * zero-window probe carrying one byte) and drop only its data. acceptable()
 * (tcp_input.c) returns false for any segment with data when the window is
 * zero, and synchronized_input() drops it whole: the ACK it carries for our
 * data is lost, the retransmission timer keeps running. */
static void test_zero_window_ack_processed(void **state)
{
	struct tcpstack_tcp_params p = { .rcvbuf = 2000 };
	struct tcpstack_tcp_info i;

	(void)state;
	SKIP_IF_KNOWN_BUG("zero_window_ack_processed");
	begin(&p);
	open_passive();
	assert_int_equal(usend(100, 0), 0);
	pop();
	/* The peer fills our window without acknowledging our data yet. */
	tx_data(1000);
	tx_data(1000);
	struct seg g = expect_ack(T.p_nxt);
	assert_int_equal(g.wnd, 0);
	/* Its probe: one byte at RCV.NXT, acknowledging our 100 bytes. */
	tx(F_ACK, T.p_nxt, T.iss + 1 + 100, 1);
	g = expect_ack(T.p_nxt);
	assert_int_equal(g.wnd, 0);
	tcpstack_tcp_get_info(T.c, &i);
	assert_int_equal(i.bytes_acked, 100);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX); /* no RTO left */
	finish();
}

/* ---- sending */

/* RFC 5681 3.2 / RFC 6582: the third duplicate ACK retransmits SND.UNA. */
static void fast_retransmit(uint32_t iss)
{
	begin(NULL);
	at_isn(iss);
	open_passive();
	assert_int_equal(T.iss, iss);
	assert_int_equal(usend(3 * EMSS, 0), 0);
	for (uint32_t i = 0; i < 3; i++) {
		struct seg g = pop();
		assert_int_equal(g.seq, iss + 1 + i * EMSS);
		assert_int_equal(g.len, EMSS);
	}
	expect_none();
	T.now += 10 * MS;
	T.p_ack = iss + 1 + EMSS;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	expect_none();
	for (int d = 1; d <= 3; d++) {
		tx(F_ACK, T.p_nxt, T.p_ack, 0);
		if (d < 3)
			expect_none();
	}
	struct seg g = pop();
	assert_int_equal(g.seq, iss + 1 + EMSS);
	assert_int_equal(g.len, EMSS);
	check_payload(&g, EMSS);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_FAST_RETRANS), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RETRANS_SEGS), 1);

	/* Everything acknowledged: recovery over, nothing more to send. */
	tx_ack_all();
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

static void test_fast_retransmit(void **state)
{
	(void)state;
	fast_retransmit(0x00100000u);
}

/* BUG: RFC 6582 3.2 (step 1 and the initialisation: "recover" is set to
 * the ISS when the connection starts). c->recover is never initialised
 * (0 from calloc in tcp_conn_new()), and duplicate_ack() requires
 * seq_gt(ack, recover - 1) = seq_gt(ack, 0xffffffff): false whenever the
 * ACK lies in [2^31 - 1, 2^32), i.e. for about half of all ISNs. Then the
 * third duplicate ACK does nothing (and dupacks passes 3, so no later one
 * does either) until an RTO sets recover; fast retransmit is lost. */
static void test_fast_retransmit_high_iss(void **state)
{
	(void)state;
	SKIP_IF_KNOWN_BUG("fast_retransmit_high_iss");
	fast_retransmit(0x90000000u);
}

/* RFC 6298 5.4-5.6 and RFC 9293 3.8.3: RTO resends SND.UNA, doubling the
 * interval each time; after `retries` the connection is aborted. */
static void test_rto_backoff_and_timeout(void **state)
{
	struct tcpstack_tcp_params p = { .retries = 3 };

	(void)state;
	begin(&p);
	at_isn(0xfffffc00u); /* the data crosses 2^32 */
	open_passive();
	assert_int_equal(T.iss, 0xfffffc00u);
	assert_int_equal(usend(1000, 0), 0);
	struct seg g = pop();
	assert_int_equal(g.len, 1000);
	uint64_t t = T.now, interval = 200 * MS; /* RTT 10 ms: RTO at its floor */
	for (int i = 0; i < 3; i++) {
		fire();
		assert_int_equal(T.now - t, interval);
		g = pop();
		assert_int_equal(g.seq, T.iss + 1);
		assert_int_equal(g.len, 1000);
		check_payload(&g, 0);
		expect_none();
		t = T.now;
		interval *= 2;
	}
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RETRANS_SEGS), 3);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 0);
	fire();
	assert_int_equal(T.now - t, interval);
	g = pop();
	assert_true(g.flags & F_RST);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_int_equal(last_event(TCPSTACK_TCP_EV_CLOSED)->err, ETIMEDOUT);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 4);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_TIMEOUT), 1);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* An ACK of new data ends the backoff: the next loss waits one RTO again. */
static void test_rto_backoff_reset_by_ack(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	assert_int_equal(usend(100, 0), 0);
	pop();
	fire();
	pop();
	fire();
	pop();
	T.now += 1 * MS;
	tx_ack_all();
	expect_none();
	assert_int_equal(usend(100, 100), 0);
	pop();
	uint64_t t = T.now;
	fire();
	assert_true(T.now - t <= 400 * MS); /* back to about one RTO */
	struct seg g = pop();
	assert_int_equal(g.seq, T.iss + 101);
	finish();
}

/* RFC 9293 3.8.6.1 / RFC 1122 4.2.2.17: a zero window is probed, at
 * exponentially growing intervals, and sending resumes when it opens. */
static void test_persist(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	T.p_wnd = 0;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	expect_none();
	assert_int_equal(usend(500, 0), 0);
	expect_none();
	uint64_t t = T.now, interval = 200 * MS;
	for (int i = 0; i < 4; i++) {
		fire();
		assert_int_equal(T.now - t, interval);
		struct seg g = pop();
		/* A probe: no new data committed, answers force an ACK. */
		assert_true(g.flags & F_ACK);
		assert_true(seq_lt(g.seq, T.iss + 1) || g.len <= 1);
		expect_none();
		tx(F_ACK, T.p_nxt, T.p_ack, 0); /* still closed */
		expect_none();
		t = T.now;
		interval *= 2;
	}
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ZERO_WINDOW_PROBE), 4);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_TIMEOUT), 0);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 1);

	T.p_wnd = 16384;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	struct seg g = pop();
	assert_int_equal(g.seq, T.iss + 1);
	assert_int_equal(g.len, 500);
	check_payload(&g, 0);
	expect_none();
	tx_ack_all();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

/* RFC 9293 3.7.4 (Nagle): a second small segment waits until the first is
 * acknowledged; with Nagle off it goes at once. */
static void test_nagle(void **state)
{
	(void)state;
	begin(NULL);
	open_active(); /* the sending side of an active open, for a change */
	assert_int_equal(usend(100, 0), 0);
	struct seg g = pop();
	assert_int_equal(g.len, 100);
	assert_int_equal(usend(100, 100), 0);
	expect_none();
	assert_int_equal(usend(100, 200), 0);
	expect_none();
	T.now += 10 * MS;
	T.p_ack = T.iss + 101;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	g = pop();
	assert_int_equal(g.seq, T.iss + 101);
	assert_int_equal(g.len, 200); /* the two held pieces together */
	check_payload(&g, 100);
	expect_none();
	tx_ack_all();

	tcpstack_tcp_set_nagle(T.c, false);
	assert_int_equal(usend(100, 300), 0);
	g = pop();
	assert_int_equal(g.len, 100);
	assert_int_equal(usend(100, 400), 0);
	g = pop();
	assert_int_equal(g.seq, T.iss + 401);
	assert_int_equal(g.len, 100);
	check_payload(&g, 400);
	finish();
}

/* RFC 9293 3.10.7.4: SEG.ACK > SND.NXT -> send an ACK, drop the segment. */
static void test_ack_of_unsent(void **state)
{
	(void)state;
	begin(NULL);
	open_passive();
	assert_int_equal(usend(100, 0), 0);
	pop();
	tx(F_ACK | F_PSH, T.p_nxt, T.iss + 1 + 5000, 100);
	expect_ack(T.p_nxt);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ACK_UNSENT), 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 0);
	struct tcpstack_tcp_info i;
	tcpstack_tcp_get_info(T.c, &i);
	assert_int_equal(i.bytes_acked, 0);
	finish();
}

/* RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND -> challenge ACK, drop; an
 * old ACK within that range is merely a duplicate. */
static void test_ack_too_old(void **state)
{
	(void)state;
	begin(NULL);
	at_isn(0x00200000u);
	open_passive();
	assert_int_equal(T.iss, 0x00200000u);
	uint32_t max_wnd = (uint32_t)T.p_wnd << PEER_WS;
	tx(F_ACK | F_PSH, T.p_nxt, T.iss + 1 - max_wnd - 1000, 100);
	expect_ack(T.p_nxt);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ACK_OLD), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_CHALLENGE_ACK), 1);
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), 0);

	tx(F_ACK, T.p_nxt, T.iss + 1 - 1000, 0);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_ACK_OLD), 1);
	expect_state("ESTABLISHED");
	finish();
}

/* BUG: RFC 6298 5.7: "If the timer expires awaiting the ACK of a SYN
 * segment and the TCP implementation is using an RTO less than 3 seconds,
 * the RTO MUST be re-initialized to 3 seconds when data transmission
 * begins." After one SYN timeout the engine keeps rtt.backoff = 1 and
 * rto_us = 1 s (no sample: Karn), so the first data RTO is 2 s; nothing in
 * syn_sent_input()/established() applies the 3 s fallback. */
static void test_syn_timeout_rto_3s(void **state)
{
	struct tcp_opts o;

	(void)state;
	SKIP_IF_KNOWN_BUG("syn_timeout_rto_3s");
	begin(NULL);
	open_syn_sent();
	fire();
	assert_int_equal(pop().flags, F_SYN);
	T.now += 10 * MS;
	o = peer_syn_opts();
	tx_o(F_SYN | F_ACK, PEER_ISS, T.iss + 1, 65535, &o, 0);
	T.p_nxt = PEER_ISS + 1;
	expect_ack(PEER_ISS + 1);
	assert_int_equal(usend(100, 0), 0);
	pop();
	uint64_t t = T.now;
	fire();
	assert_true(T.now - t >= 3 * SEC);
	finish();
}

/* BUG: RFC 6928 / RFC 5681 3.1, and the engine's own design (tcp_cc.h:
 * "cwnd = initial window (RFC 6928: min(10*mss, max(2*mss, 14600)))"): the
 * initial window is computed from the sender MSS. tcp_conn_new() calls
 * cc.ops->init() while c->mss is still the 536-byte default, and
 * take_syn_options() later sets cc.mss without recomputing cwnd: with a
 * 1460-byte MSS the first flight is 5360 bytes (3 segments), not 14600
 * (10 segments). Conservative, so safe, but a third of the intended IW. */
static void test_initial_window(void **state)
{
	(void)state;
	SKIP_IF_KNOWN_BUG("initial_window");
	begin(NULL);
	open_passive();
	assert_int_equal(usend(10 * EMSS, 0), 0);
	for (uint32_t i = 0; i < 10; i++) {
		struct seg g = pop();
		assert_int_equal(g.seq, T.iss + 1 + i * EMSS);
		assert_int_equal(g.len, EMSS);
	}
	expect_none();
	finish();
}

int main(void)
{
#define T_(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_passive_open),
		T_(test_passive_open_no_options),
		T_(test_no_listener),
		T_(test_syn_rcvd_bad_ack),
		T_(test_syn_rcvd_ack_with_data),
		T_(test_accept_refused),
		T_(test_syn_cookies),
		T_(test_keepalive),
		T_(test_half_open_full_without_cookies),
		T_(test_syn_ack_retransmit_and_give_up),
		T_(test_active_open),
		T_(test_syn_sent_rst),
		T_(test_syn_sent_bad_ack),
		T_(test_syn_retransmit_and_give_up),
		T_(test_simultaneous_open),
		T_(test_simultaneous_open_accept_hook),
		T_(test_simultaneous_open_rst),
		T_(test_rst_syn_rcvd),
		T_(test_rst_established),
		T_(test_rst_fin_wait_1),
		T_(test_rst_fin_wait_2),
		T_(test_rst_close_wait),
		T_(test_rst_closing),
		T_(test_rst_last_ack),
		T_(test_rst_time_wait),
		T_(test_syn_syn_rcvd),
		T_(test_syn_established),
		T_(test_syn_fin_wait_1),
		T_(test_syn_fin_wait_2),
		T_(test_syn_close_wait),
		T_(test_syn_closing),
		T_(test_syn_last_ack),
		T_(test_syn_time_wait),
		T_(test_time_wait_reuse),
		T_(test_active_close),
		T_(test_passive_close),
		T_(test_last_ack_fin_retransmit),
		T_(test_simultaneous_close),
		T_(test_fin_ack_in_fin_wait_1),
		T_(test_half_close_receive),
		T_(test_half_close_send),
		T_(test_fin_on_old_data),
		T_(test_time_wait_fin_restarts_timer),
		T_(test_bad_checksum),
		T_(test_no_ack_flag),
		T_(test_syn_rcvd_ack_with_fin),
		T_(test_syn_ack_retransmitted_when_established),
		T_(test_send_window_respected),
		T_(test_close_with_unread_data),
		T_(test_close_orphan),
		T_(test_orphan_fin_wait_2_timeout),
		T_(test_data_after_close_resets),
		T_(test_read_opt_kinds),
		T_(test_read_opt_syn_sent_rst),
		T_(test_read_opt_abort),
		T_(test_recv_zero_copy),
		T_(test_delayed_ack),
		T_(test_out_of_order_sack),
		T_(test_duplicate_data),
		T_(test_beyond_window),
		T_(test_paws),
		T_(test_window_edge_on_shrink),
		T_(test_window_edge_scaled),
		T_(test_ts_echo_delayed_ack),
		T_(test_zero_window_ack_processed),
		T_(test_fast_retransmit),
		T_(test_fast_retransmit_high_iss),
		T_(test_rto_backoff_and_timeout),
		T_(test_rto_backoff_reset_by_ack),
		T_(test_persist),
		T_(test_nagle),
		T_(test_ack_of_unsent),
		T_(test_ack_too_old),
		T_(test_syn_timeout_rto_3s),
		T_(test_initial_window),
	};
#undef T_

	return cmocka_run_group_tests(tests, NULL, NULL);
}
