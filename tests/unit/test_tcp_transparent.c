/* SPDX-License-Identifier: BSD-3-Clause */
/* What a transparent proxy asks of the TCP engine: a listener that takes a
 * SYN to any address and port (tcpstack_tcp_listen(s, 0, 0, ...)) behind
 * the ordinary ones, tcpstack_tcp_has_conn() on a 4-tuple, a RST for a SYN
 * it held (tcpstack_tcp_reset_segment()), and the data a client sent
 * before its FIN, still unread when the connection ends, taken from the
 * CLOSED handler. One engine driven with hand-made frames on virtual time,
 * the test playing the peers; every frame the engine sends is parsed with
 * its checksums verified. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

#include "tcpstack/tcp_options.h"
#include "tcpstack/tcpstack.h"
#include "tests/unit/ut.h"

#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_PSH RTE_TCP_PSH_FLAG
#define F_ACK RTE_TCP_ACK_FLAG

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)

#define L_IP UT_IP(10, 0, 0, 1) /* the engine's own address */
#define R_IP UT_IP(10, 0, 0, 2) /* a client (this test) */
#define X_IP UT_IP(203, 0, 113, 9) /* a server the client means to reach */
#define Y_IP UT_IP(198, 51, 100, 77) /* another one */
#define R_PORT 40000
#define PEER_ISS 0xfffff000u /* the data crosses 2^32 */

/* One segment the engine sent, decoded. */
struct seg {
	uint8_t flags;
	uint32_t seq, ack, len;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
};

struct ev {
	void *user;
	enum tcpstack_tcp_event ev;
	int err;
};

#define OUT_MAX 32
#define EV_MAX 32
#define RX_MAX 8192

static struct {
	struct rte_mempool *pool;
	struct tcpstack_tcp *s;
	struct tcpstack_mib_counters mib;
	uint64_t now;
	unsigned base_in_use;
	struct seg out[OUT_MAX];
	unsigned n_out, n_taken;
	struct ev ev[EV_MAX];
	unsigned n_ev;
	/* accept: which listener took each connection, and the last one */
	void *accepted_by[16];
	unsigned accepts;
	struct tcpstack_conn *c;
	/* The CLOSED handler (err 0) takes what waits, up to take_max bytes. */
	bool take_on_closed;
	uint32_t take_max;
	uint8_t rx[RX_MAX];
	uint32_t n_rx;
	unsigned closed_recv_calls;
	/* The connection under test, from the engine's side. */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t iss; /* the engine's */
	uint32_t p_nxt, p_ack; /* the client's next seq and its ACK */
} T;

static int tag_transparent, tag_port_any, tag_exact, tag_conn;

/* Client payload: byte at sequence number s. */
static uint8_t pat(uint32_t s)
{
	return (uint8_t)((s * 2654435761u) >> 24 ^ s);
}

/* ---- the engine's side */

static void on_output(void *ctx, struct rte_mbuf *m, uint64_t now)
{
	static uint8_t buf[4096];
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct tcpstack_ipv4_view v;

	(void)ctx;
	(void)now;
	assert_true(T.n_out < OUT_MAX);
	assert_true(len <= sizeof(buf));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, buf);
	assert_non_null(p);
	if (p != buf)
		memcpy(buf, p, len);
	rte_pktmbuf_free(m);

	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)buf;
	assert_true(len >= sizeof(*eth) + 40);
	assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(tcpstack_ipv4_parse(buf + sizeof(*eth), len - sizeof(*eth), &v), 0);
	assert_int_equal(v.hdr->next_proto_id, IPPROTO_TCP);
	assert_true(tcpstack_l4_cksum_ok(&v));
	const struct rte_tcp_hdr *th = v.l4;
	unsigned thlen = (th->data_off >> 4) * 4u;
	assert_true(thlen >= sizeof(*th) && thlen <= v.l4_len);

	struct seg *g = &T.out[T.n_out++];
	g->saddr = v.hdr->src_addr;
	g->daddr = v.hdr->dst_addr;
	g->sport = rte_be_to_cpu_16(th->src_port);
	g->dport = rte_be_to_cpu_16(th->dst_port);
	g->seq = rte_be_to_cpu_32(th->sent_seq);
	g->ack = rte_be_to_cpu_32(th->recv_ack);
	g->flags = th->tcp_flags;
	g->len = v.l4_len - thlen;
}

/* Take what waits in the receive queue into T.rx (at most T.take_max more). */
static void take(struct tcpstack_conn *c)
{
	struct rte_mbuf *m;
	uint32_t limit = T.take_max > RX_MAX - T.n_rx ? RX_MAX : T.n_rx + T.take_max;

	while (T.n_rx < limit && (m = tcpstack_tcp_recv(c, limit - T.n_rx, T.now)) != NULL) {
		for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
			const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
			for (uint16_t i = 0; i < s->data_len; i++)
				if (T.n_rx < RX_MAX)
					T.rx[T.n_rx++] = p[i];
		}
		rte_pktmbuf_free(m);
	}
}

static void on_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	/* Recorded, not asserted: a failure must not unwind through the engine. */
	if (T.n_ev < EV_MAX)
		T.ev[T.n_ev++] = (struct ev){ .user = user, .ev = ev, .err = err };
	if (ev == TCPSTACK_TCP_EV_CLOSED && err == 0 && T.take_on_closed) {
		T.closed_recv_calls++;
		take(c);
	}
}

static void *on_accept(void *listener_user, struct tcpstack_conn *c)
{
	if (T.accepts < RTE_DIM(T.accepted_by))
		T.accepted_by[T.accepts] = listener_user;
	T.accepts++;
	T.c = c;
	return &tag_conn;
}

static const struct tcpstack_tcp_ops ops = { .event = on_event, .accept = on_accept };

static unsigned n_events(enum tcpstack_tcp_event ev)
{
	unsigned n = 0;

	for (unsigned i = 0; i < T.n_ev; i++)
		n += T.ev[i].ev == ev;
	return n;
}

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

/* ---- frames into the engine */

/* Ethernet + IPv4 + TCP from @saddr:@sport to @daddr:@dport, checksums right. */
static struct rte_mbuf *mkframe(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
				uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	const unsigned olen = (flags & F_SYN) ? 4 : 0; /* a SYN says MSS 1460 */
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
	ip->src_addr = saddr;
	ip->dst_addr = daddr;
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	if (olen != 0) {
		const uint8_t mss[4] = { TCP_OPT_MSS, 4, 1460 >> 8, 1460 & 0xff };
		memcpy(th + 1, mss, sizeof(mss));
	}
	for (uint32_t i = 0; i < len; i++)
		payload[i] = pat(seq + !!(flags & F_SYN) + i);
	struct tcpstack_ipv4_view v = {
		.hdr = ip, .l4 = th, .hdr_len = sizeof(*ip), .l4_len = (uint16_t)(thlen + len)
	};
	tcpstack_ipv4_set_cksum(ip);
	tcpstack_l4_set_cksum(&v);
	return m;
}

static void fresh_out(void)
{
	if (T.n_taken == T.n_out)
		T.n_taken = T.n_out = 0;
}

/* A segment from the client of the connection under test. */
static void tx(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	fresh_out();
	tcpstack_tcp_input(T.s, mkframe(T.raddr, T.rport, T.laddr, T.lport, flags, seq, ack, len),
			   T.now);
}

static void tx_data(uint32_t len)
{
	tx(F_ACK | F_PSH, T.p_nxt, T.p_ack, len);
	T.p_nxt += len;
}

static void tx_fin(void)
{
	tx(F_FIN | F_ACK, T.p_nxt, T.p_ack, 0);
	T.p_nxt++;
}

/* ---- set-up */

static const uint8_t isn_key[16] = { 0x74, 0x72, 0x61, 0x6e, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static void begin(const struct tcpstack_tcp_params *p)
{
	struct tcpstack_tcp_params tp = { 0 };
	struct rte_mempool *pool = ut_eal_pool();

	assert_non_null(pool);
	memset(&T, 0, sizeof(T));
	T.pool = pool;
	T.base_in_use = rte_mempool_in_use_count(pool);
	if (p != NULL)
		tp = *p;
	memcpy(tp.isn_key, isn_key, sizeof(tp.isn_key));
	T.s = tcpstack_tcp_create(&tp, T.pool, &T.mib, on_output, NULL);
	assert_non_null(T.s);
	T.now = T0;
	T.take_max = UINT32_MAX;
}

static void finish(void)
{
	tcpstack_tcp_destroy(T.s);
	T.s = NULL;
	assert_int_equal(rte_mempool_in_use_count(T.pool), T.base_in_use);
}

static int teardown(void **state)
{
	(void)state;
	if (T.s != NULL) {
		tcpstack_tcp_destroy(T.s);
		T.s = NULL;
	}
	return 0;
}

/* The client's SYN to @laddr:@lport: the engine must answer with a SYN-ACK
 * from exactly that address and port. */
static void syn_to(uint32_t laddr, uint16_t lport, uint16_t rport)
{
	T.laddr = laddr;
	T.lport = lport;
	T.raddr = R_IP;
	T.rport = rport;
	T.c = NULL;
	tx(F_SYN, PEER_ISS, 0, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.saddr, laddr);
	assert_int_equal(g.sport, lport);
	assert_int_equal(g.daddr, R_IP);
	assert_int_equal(g.dport, rport);
	assert_int_equal(g.ack, PEER_ISS + 1);
	expect_none();
	T.iss = g.seq;
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = T.iss + 1;
}

/* ... and the handshake's last ACK: accepted, ESTABLISHED. @return the
 * user of the listener that took it. */
static void *open_to(uint32_t laddr, uint16_t lport, uint16_t rport)
{
	unsigned accepts = T.accepts;

	syn_to(laddr, lport, rport);
	T.now += 10 * MS;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	expect_none();
	assert_int_equal(T.accepts, accepts + 1);
	assert_non_null(T.c);
	assert_string_equal(state_of(T.c), "ESTABLISHED");
	struct tcpstack_tcp_info i;
	tcpstack_tcp_get_info(T.c, &i);
	assert_int_equal(i.laddr, laddr);
	assert_int_equal(i.lport, lport);
	assert_int_equal(i.raddr, R_IP);
	assert_int_equal(i.rport, rport);
	return T.accepted_by[accepts];
}

/* A SYN nobody takes: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>, no state kept. */
static void expect_refused(uint32_t laddr, uint16_t lport, uint16_t rport)
{
	unsigned conns = tcpstack_tcp_conn_count(T.s);

	T.laddr = laddr;
	T.lport = lport;
	T.raddr = R_IP;
	T.rport = rport;
	tx(F_SYN, PEER_ISS, 0, 0);
	struct seg g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.seq, 0);
	assert_int_equal(g.ack, PEER_ISS + 1);
	assert_int_equal(g.saddr, laddr);
	assert_int_equal(g.sport, lport);
	expect_none();
	assert_int_equal(tcpstack_tcp_conn_count(T.s), conns);
}

/* ---- 1. the transparent listener */

/* tcpstack_tcp_listen(s, 0, 0): SYNs to addresses that are not ours, on
 * any port, are taken; each connection answers from the address and port
 * the client meant. */
static void test_transparent_takes_any_address_and_port(void **state)
{
	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), -EADDRINUSE);

	assert_ptr_equal(open_to(X_IP, 443, R_PORT), &tag_transparent);
	assert_ptr_equal(open_to(Y_IP, 22, R_PORT), &tag_transparent);
	assert_ptr_equal(open_to(L_IP, 8080, R_PORT + 1), &tag_transparent);
	assert_ptr_equal(open_to(X_IP, 1, R_PORT + 2), &tag_transparent);
	assert_ptr_equal(open_to(X_IP, 65535, R_PORT + 3), &tag_transparent);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 5);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CONNECTED), 5);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_OUT), 0);
	finish();
}

/* A listener on the port (any address, or the exact one) is preferred to
 * the transparent one, whichever was set up first; the transparent one
 * takes the rest. */
static void specific_preferred(bool transparent_first)
{
	begin(NULL);
	if (transparent_first)
		assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 80, &ops, &tag_port_any), 0);
	assert_int_equal(tcpstack_tcp_listen(T.s, L_IP, 22, &ops, &tag_exact), 0);
	if (!transparent_first)
		assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);

	assert_ptr_equal(open_to(L_IP, 80, R_PORT), &tag_port_any);
	assert_ptr_equal(open_to(X_IP, 80, R_PORT), &tag_port_any);
	assert_ptr_equal(open_to(L_IP, 22, R_PORT), &tag_exact);
	/* port 22 on another address: only the transparent listener matches */
	assert_ptr_equal(open_to(X_IP, 22, R_PORT), &tag_transparent);
	assert_ptr_equal(open_to(L_IP, 8080, R_PORT), &tag_transparent);
	assert_ptr_equal(open_to(X_IP, 8080, R_PORT), &tag_transparent);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 6);

	/* Without the specific ones, the transparent listener takes their
	 * ports too. */
	tcpstack_tcp_unlisten(T.s, 0, 80);
	tcpstack_tcp_unlisten(T.s, L_IP, 22);
	assert_ptr_equal(open_to(L_IP, 80, R_PORT + 1), &tag_transparent);
	assert_ptr_equal(open_to(L_IP, 22, R_PORT + 1), &tag_transparent);
	finish();
}

static void test_specific_listener_preferred(void **state)
{
	(void)state;
	specific_preferred(true);
	specific_preferred(false);
}

/* Without a transparent listener a SYN to a port nobody listens on gets a
 * RST, as before; with one it gets a SYN-ACK; once it is gone, a RST again
 * (connections it took go on). */
static void test_without_transparent_listener_rst(void **state)
{
	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, L_IP, 80, &ops, &tag_exact), 0);
	expect_refused(L_IP, 81, R_PORT);
	expect_refused(X_IP, 80, R_PORT);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_OUT), 2);

	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	assert_ptr_equal(open_to(L_IP, 81, R_PORT), &tag_transparent);
	struct tcpstack_conn *kept = T.c;

	tcpstack_tcp_unlisten(T.s, 0, 0);
	expect_refused(L_IP, 82, R_PORT);
	expect_refused(X_IP, 443, R_PORT);
	assert_ptr_equal(open_to(L_IP, 80, R_PORT), &tag_exact);
	assert_string_equal(state_of(kept), "ESTABLISHED");
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 2);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_OUT), 4);
	finish();
}

/* ---- 2. tcpstack_tcp_has_conn() */

/* The 4-tuple of the connection under test, and others that are not. */
static bool has(void)
{
	return tcpstack_tcp_has_conn(T.s, T.laddr, T.lport, T.raddr, T.rport);
}

static void expect_only_exact_tuple(void)
{
	assert_true(has());
	assert_false(tcpstack_tcp_has_conn(T.s, T.laddr, T.rport, T.raddr, T.lport)); /* ports */
	assert_false(tcpstack_tcp_has_conn(T.s, T.raddr, T.lport, T.laddr, T.rport)); /* addrs */
	assert_false(tcpstack_tcp_has_conn(T.s, T.raddr, T.rport, T.laddr, T.lport)); /* both */
	assert_false(tcpstack_tcp_has_conn(T.s, T.laddr, T.lport, T.raddr, T.rport + 1));
	assert_false(tcpstack_tcp_has_conn(T.s, T.laddr, T.lport + 1, T.raddr, T.rport));
	assert_false(tcpstack_tcp_has_conn(T.s, Y_IP, T.lport, T.raddr, T.rport));
	assert_false(tcpstack_tcp_has_conn(T.s, 0, T.lport, T.raddr, T.rport));
	/* host-order ports: the byte-swapped ones are other ports */
	assert_false(tcpstack_tcp_has_conn(T.s, T.laddr, rte_cpu_to_be_16(T.lport), T.raddr,
					   rte_cpu_to_be_16(T.rport)));
}

/* SYN_RCVD, ESTABLISHED and TIME_WAIT (after CLOSED was told): there;
 * after TIME_WAIT, gone. Only for its own 4-tuple. */
static void test_has_conn_through_time_wait(void **state)
{
	struct tcpstack_tcp_params p = { .time_wait_us = 2000000 };

	(void)state;
	begin(&p);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	T.laddr = X_IP;
	T.lport = 443;
	T.raddr = R_IP;
	T.rport = R_PORT;
	assert_false(has());

	syn_to(X_IP, 443, R_PORT);
	assert_int_equal(T.accepts, 0); /* half-open: SYN_RCVD */
	expect_only_exact_tuple();

	T.now += 10 * MS;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	assert_string_equal(state_of(T.c), "ESTABLISHED");
	expect_only_exact_tuple();

	/* We close first; the client acknowledges, then sends its FIN. */
	tcpstack_tcp_shutdown(T.c, T.now);
	struct seg g = pop();
	assert_true(g.flags & F_FIN);
	T.p_ack = g.seq + 1;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	tx_fin();
	assert_int_equal(pop().flags, F_ACK);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_string_equal(state_of(T.c), "TIME_WAIT");
	expect_only_exact_tuple();

	/* 2 MSL later: gone. */
	T.now += 2 * SEC;
	tcpstack_tcp_timers(T.s, T.now);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_false(has());
	finish();
}

/* An active open (SYN_SENT) is there too; a connection reset, or refused,
 * is gone at once. */
static void test_has_conn_gone_after_reset(void **state)
{
	int err = -1;

	(void)state;
	begin(NULL);
	struct tcpstack_conn *c =
		tcpstack_tcp_connect(T.s, L_IP, 40001, X_IP, 443, &ops, &tag_conn, T.now, &err);
	assert_non_null(c);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN);
	assert_true(tcpstack_tcp_has_conn(T.s, L_IP, 40001, X_IP, 443));
	assert_false(tcpstack_tcp_has_conn(T.s, X_IP, 443, L_IP, 40001));
	/* the server refuses */
	fresh_out();
	tcpstack_tcp_input(T.s, mkframe(X_IP, 443, L_IP, 40001, F_RST | F_ACK, 0, g.seq + 1, 0),
			   T.now);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_int_equal(T.ev[T.n_ev - 1].err, ECONNREFUSED);
	assert_false(tcpstack_tcp_has_conn(T.s, L_IP, 40001, X_IP, 443));

	/* an established connection reset by the client */
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	open_to(X_IP, 80, R_PORT);
	assert_true(has());
	tx(F_RST, T.p_nxt, 0, 0);
	assert_int_equal(T.ev[T.n_ev - 1].ev, TCPSTACK_TCP_EV_CLOSED);
	assert_int_equal(T.ev[T.n_ev - 1].err, ECONNRESET);
	assert_false(has());

	/* and one the user aborts */
	open_to(X_IP, 80, R_PORT + 1);
	assert_true(has());
	tcpstack_tcp_abort(T.c, T.now);
	assert_false(has());
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	finish();
}

/* ---- 3. tcpstack_tcp_reset_segment() */

static void reset(struct rte_mbuf *m)
{
	fresh_out();
	tcpstack_tcp_reset_segment(T.s, m, T.now);
}

/* A SYN (no ACK), to a port a listener would take: <SEQ=0><ACK=SEG.SEQ+1>
 * <CTL=RST,ACK> from the address and port the SYN was for; no connection,
 * nothing told to any listener, the frame consumed. */
static void test_reset_segment_syn(void **state)
{
	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 443, &ops, &tag_port_any), 0);
	assert_int_equal(tcpstack_tcp_listen(T.s, X_IP, 443, &ops, &tag_exact), 0);

	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_SYN, 1000, 0, 0));
	struct seg g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.seq, 0);
	assert_int_equal(g.ack, 1001);
	assert_int_equal(g.len, 0);
	assert_int_equal(g.saddr, X_IP);
	assert_int_equal(g.sport, 443);
	assert_int_equal(g.daddr, R_IP);
	assert_int_equal(g.dport, R_PORT);
	expect_none();

	/* Across 2^32, and to a port only the transparent listener takes. */
	reset(mkframe(R_IP, R_PORT + 1, Y_IP, 8443, F_SYN, 0xffffffffu, 0, 0));
	g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.seq, 0);
	assert_int_equal(g.ack, 0);
	assert_int_equal(g.saddr, Y_IP);
	assert_int_equal(g.sport, 8443);
	assert_int_equal(g.dport, R_PORT + 1);
	expect_none();

	/* A SYN with data: RFC 9293 3.10.7.1, ACK = SEG.SEQ + SEG.LEN. */
	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_SYN, 5000, 0, 10));
	g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.seq, 0);
	assert_int_equal(g.ack, 5000 + 1 + 10);
	expect_none();

	/* A SYN in a chain of two mbufs (header and payload apart). */
	struct rte_mbuf *m = mkframe(R_IP, R_PORT, X_IP, 443, F_SYN, 7000, 0, 0);
	struct rte_mbuf *tail = rte_pktmbuf_alloc(T.pool);
	assert_non_null(tail);
	uint16_t cut = (uint16_t)(rte_pktmbuf_data_len(m) - 10);
	uint8_t *dst = (uint8_t *)rte_pktmbuf_append(tail, 10);
	assert_non_null(dst);
	memcpy(dst, rte_pktmbuf_mtod_offset(m, uint8_t *, cut), 10);
	rte_pktmbuf_trim(m, 10);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	reset(m);
	g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.ack, 7001);
	expect_none();

	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(T.accepts, 0);
	assert_int_equal(T.n_ev, 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_OUT), 4);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_SYNCOOKIE_SENT), 0);
	assert_int_equal(rte_mempool_in_use_count(T.pool), T.base_in_use);

	/* The listeners are untouched: the same SYN through input is taken. */
	assert_ptr_equal(open_to(X_IP, 443, R_PORT), &tag_exact);
	finish();
}

/* A segment with ACK: <SEQ=SEG.ACK><CTL=RST>; FIN without ACK: RST|ACK
 * acknowledging it. */
static void test_reset_segment_ack(void **state)
{
	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);

	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_ACK, 5000, 777, 0));
	struct seg g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, 777);
	assert_int_equal(g.saddr, X_IP);
	assert_int_equal(g.sport, 443);
	assert_int_equal(g.daddr, R_IP);
	assert_int_equal(g.dport, R_PORT);
	expect_none();

	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_ACK | F_PSH, 5000, 0xfffffff0u, 100));
	g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, 0xfffffff0u);
	expect_none();

	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_SYN | F_ACK, 5000, 31337, 0));
	g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, 31337);
	expect_none();

	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_FIN, 6000, 0, 0));
	g = pop();
	assert_int_equal(g.flags, F_RST | F_ACK);
	assert_int_equal(g.seq, 0);
	assert_int_equal(g.ack, 6001);
	expect_none();

	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_OUT), 4);
	assert_int_equal(rte_mempool_in_use_count(T.pool), T.base_in_use);
	finish();
}

/* A RST is never answered, with or without ACK. */
static void test_reset_segment_rst_silent(void **state)
{
	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_RST, 5000, 0, 0));
	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_RST | F_ACK, 5000, 1, 0));
	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_RST | F_SYN, 5000, 0, 0));
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RST_OUT), 0);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(rte_mempool_in_use_count(T.pool), T.base_in_use);
	finish();
}

/* A malformed frame: nothing sent, its reason counted once, freed. */
static void malformed(struct rte_mbuf *m, enum tcpstack_mib why)
{
	uint64_t before[TCPSTACK_MIB_MAX];

	memcpy(before, T.mib.v, sizeof(before));
	reset(m);
	expect_none();
	for (unsigned k = 0; k < TCPSTACK_MIB_MAX; k++)
		if (k == why)
			assert_int_equal(T.mib.v[k], before[k] + 1);
		else if (T.mib.v[k] != before[k])
			fail_msg("counter %s moved too", tcpstack_mib_names[k]);
	assert_int_equal(rte_mempool_in_use_count(T.pool), T.base_in_use);
}

static struct rte_mbuf *syn_frame(void)
{
	return mkframe(R_IP, R_PORT, X_IP, 443, F_SYN, 1000, 0, 20);
}

static struct rte_ipv4_hdr *ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static struct rte_tcp_hdr *tcp_of(struct rte_mbuf *m)
{
	return (struct rte_tcp_hdr *)(ip_of(m) + 1);
}

static void test_reset_segment_malformed(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);

	/* a payload byte flipped: the TCP checksum is wrong */
	m = syn_frame();
	rte_pktmbuf_mtod(m, uint8_t *)[rte_pktmbuf_pkt_len(m) - 1] ^= 0x40;
	malformed(m, TCPSTACK_MIB_TCP_BAD_CSUM);

	/* the IPv4 header checksum wrong */
	m = syn_frame();
	ip_of(m)->time_to_live--;
	malformed(m, TCPSTACK_MIB_IPV4_BAD_CSUM);

	/* not IPv4 version 4 */
	m = syn_frame();
	ip_of(m)->version_ihl = 0x65;
	tcpstack_ipv4_set_cksum(ip_of(m));
	malformed(m, TCPSTACK_MIB_IPV4_BAD_HDR);

	/* IPv4 total length past the frame */
	m = syn_frame();
	ip_of(m)->total_length = rte_cpu_to_be_16(1400);
	tcpstack_ipv4_set_cksum(ip_of(m));
	malformed(m, TCPSTACK_MIB_IPV4_BAD_HDR);

	/* shorter than an Ethernet header, and than an IPv4 one */
	m = syn_frame();
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 10));
	malformed(m, TCPSTACK_MIB_IPV4_BAD_HDR);
	m = syn_frame();
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - 30));
	malformed(m, TCPSTACK_MIB_IPV4_BAD_HDR);

	/* TCP data offset below 5 words, and past the packet */
	m = syn_frame();
	tcp_of(m)->data_off = 4 << 4;
	malformed(m, TCPSTACK_MIB_TCP_BAD_HDR);
	m = syn_frame();
	tcp_of(m)->data_off = 15 << 4;
	malformed(m, TCPSTACK_MIB_TCP_BAD_HDR);

	/* UDP, not TCP */
	m = syn_frame();
	ip_of(m)->next_proto_id = IPPROTO_UDP;
	tcpstack_ipv4_set_cksum(ip_of(m));
	malformed(m, TCPSTACK_MIB_TCP_BAD_HDR);

	/* an IPv4 packet too short for a TCP header */
	m = syn_frame();
	ip_of(m)->total_length = rte_cpu_to_be_16(20 + 12);
	tcpstack_ipv4_set_cksum(ip_of(m));
	malformed(m, TCPSTACK_MIB_TCP_BAD_HDR);

	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(T.n_ev, 0);
	/* A good one after all that is still answered. */
	reset(syn_frame());
	assert_int_equal(pop().flags, F_RST | F_ACK);
	finish();
}

/* The segment's tuple belongs to a connection: the RST is sent all the
 * same (the proxy decides), and the connection is not touched. */
static void test_reset_segment_leaves_connections(void **state)
{
	(void)state;
	begin(NULL);
	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	open_to(X_IP, 443, R_PORT);
	unsigned evs = T.n_ev;
	reset(mkframe(R_IP, R_PORT, X_IP, 443, F_ACK, T.p_nxt, T.p_ack, 0));
	struct seg g = pop();
	assert_int_equal(g.flags, F_RST);
	assert_int_equal(g.seq, T.p_ack);
	expect_none();
	assert_string_equal(state_of(T.c), "ESTABLISHED");
	assert_int_equal(T.n_ev, evs);
	assert_true(has());
	finish();
}

/* ---- 4. CLOSED (err 0) and the data still unread */

/* A connection through the transparent listener; the client sends @n
 * segments of @sizes bytes, which the user leaves unread.
 * @return bytes the client sent. */
static uint32_t unread_then_close(const uint32_t *sizes, unsigned n)
{
	uint32_t sent = 0;

	assert_int_equal(tcpstack_tcp_listen(T.s, 0, 0, &ops, &tag_transparent), 0);
	open_to(X_IP, 443, R_PORT);
	for (unsigned i = 0; i < n; i++) {
		tx_data(sizes[i]);
		sent += sizes[i];
	}
	while (pending() != 0) /* the ACKs */
		pop();
	assert_int_equal(tcpstack_tcp_recv_avail(T.c), sent);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_READABLE), n);
	return sent;
}

static void check_rx(uint32_t from, uint32_t n)
{
	assert_int_equal(T.n_rx, n);
	for (uint32_t i = 0; i < n; i++)
		if (T.rx[i] != pat(from + i))
			fail_msg("byte %u taken in CLOSED is wrong", i);
}

static const struct ev *closed_event(void)
{
	for (unsigned i = 0; i < T.n_ev; i++)
		if (T.ev[i].ev == TCPSTACK_TCP_EV_CLOSED)
			return &T.ev[i];
	return NULL;
}

/* We send FIN first (FIN_WAIT_1), the client acknowledges it (FIN_WAIT_2),
 * then its FIN arrives: TIME_WAIT, CLOSED with err 0, and the handler
 * takes every byte the client sent before its FIN, in order. */
static void test_closed_handler_reads_unread_fin_wait_2(void **state)
{
	static const uint32_t sizes[] = { 100, 1000, 1, 733 };

	(void)state;
	begin(NULL);
	uint32_t sent = unread_then_close(sizes, RTE_DIM(sizes));
	uint32_t from = PEER_ISS + 1;
	T.take_on_closed = true;

	tcpstack_tcp_shutdown(T.c, T.now);
	struct seg g = pop();
	assert_true(g.flags & F_FIN);
	assert_int_equal(g.ack, T.p_nxt);
	T.p_ack = g.seq + 1;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	assert_string_equal(state_of(T.c), "FIN_WAIT_2");
	assert_int_equal(T.n_rx, 0);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 0);

	/* The client's FIN carries 50 bytes more. */
	tx(F_FIN | F_ACK | F_PSH, T.p_nxt, T.p_ack, 50);
	T.p_nxt += 50 + 1;
	sent += 50;
	const struct ev *e = closed_event();
	assert_non_null(e);
	assert_int_equal(e->err, 0);
	assert_ptr_equal(e->user, &tag_conn);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_int_equal(T.closed_recv_calls, 1);
	check_rx(from, sent);
	/* the FIN is acknowledged, once; TIME_WAIT */
	g = pop();
	assert_int_equal(g.flags, F_ACK);
	assert_int_equal(g.ack, T.p_nxt);
	expect_none();
	assert_string_equal(state_of(T.c), "TIME_WAIT");
	assert_true(has());
	finish();
}

/* The client's FIN acknowledges ours in one segment (FIN_WAIT_1 straight
 * to TIME_WAIT); and a simultaneous close (CLOSING, then our FIN acked):
 * CLOSED comes with the ACK, and the data is there to take all the same. */
static void test_closed_handler_reads_unread_fin_wait_1(void **state)
{
	static const uint32_t sizes[] = { 1200, 300 };

	(void)state;
	begin(NULL);
	uint32_t sent = unread_then_close(sizes, RTE_DIM(sizes));
	T.take_on_closed = true;
	tcpstack_tcp_shutdown(T.c, T.now);
	struct seg g = pop();
	assert_true(g.flags & F_FIN);
	T.p_ack = g.seq + 1;
	tx_fin();
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_int_equal(closed_event()->err, 0);
	check_rx(PEER_ISS + 1, sent);
	assert_string_equal(state_of(T.c), "TIME_WAIT");
	finish();

	begin(NULL);
	sent = unread_then_close(sizes, RTE_DIM(sizes));
	T.take_on_closed = true;
	tcpstack_tcp_shutdown(T.c, T.now);
	g = pop();
	assert_true(g.flags & F_FIN);
	tx_fin(); /* crosses ours: acknowledges nothing new */
	assert_string_equal(state_of(T.c), "CLOSING");
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 0);
	assert_int_equal(T.n_rx, 0);
	T.p_ack = g.seq + 1;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_int_equal(closed_event()->err, 0);
	check_rx(PEER_ISS + 1, sent);
	assert_string_equal(state_of(T.c), "TIME_WAIT");
	finish();
}

/* The handler may take part of it only: the rest is freed with the
 * connection, nothing leaks, and nothing more is told. */
static void test_closed_handler_partial_take(void **state)
{
	static const uint32_t sizes[] = { 500, 500, 500 };
	struct tcpstack_tcp_params p = { .time_wait_us = 1000000 };

	(void)state;
	begin(&p);
	unread_then_close(sizes, RTE_DIM(sizes));
	T.take_on_closed = true;
	T.take_max = 500;
	tcpstack_tcp_shutdown(T.c, T.now);
	struct seg g = pop();
	T.p_ack = g.seq + 1;
	tx_fin();
	check_rx(PEER_ISS + 1, 500);
	unsigned evs = T.n_ev;
	T.now += 1 * SEC;
	tcpstack_tcp_timers(T.s, T.now);
	assert_int_equal(tcpstack_tcp_conn_count(T.s), 0);
	assert_int_equal(T.n_ev, evs);
	assert_int_equal(rte_mempool_in_use_count(T.pool), T.base_in_use);
	finish();
}

/* The peer closed first (CLOSE_WAIT, then our FIN: LAST_ACK): the ACK of
 * our FIN ends the connection through tcp_conn_done(), and what the peer
 * sent before its FIN, unread, is still there for the CLOSED handler (a
 * relay hands it on; it once was freed before the handler ran). */
static void test_closed_handler_reads_unread_last_ack(void **state)
{
	static const uint32_t sizes[] = { 700, 800 };

	(void)state;
	begin(NULL);
	uint32_t sent = unread_then_close(sizes, RTE_DIM(sizes));
	T.take_on_closed = true;
	tx_fin();
	assert_int_equal(pop().ack, T.p_nxt);
	assert_string_equal(state_of(T.c), "CLOSE_WAIT");
	tcpstack_tcp_shutdown(T.c, T.now);
	struct seg g = pop();
	assert_true(g.flags & F_FIN);
	assert_string_equal(state_of(T.c), "LAST_ACK");
	T.p_ack = g.seq + 1;
	tx(F_ACK, T.p_nxt, T.p_ack, 0);
	assert_int_equal(n_events(TCPSTACK_TCP_EV_CLOSED), 1);
	assert_int_equal(closed_event()->err, 0);
	check_rx(PEER_ISS + 1, sent);
	finish();
}

int main(void)
{
#define T_(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_transparent_takes_any_address_and_port),
		T_(test_specific_listener_preferred),
		T_(test_without_transparent_listener_rst),
		T_(test_has_conn_through_time_wait),
		T_(test_has_conn_gone_after_reset),
		T_(test_reset_segment_syn),
		T_(test_reset_segment_ack),
		T_(test_reset_segment_rst_silent),
		T_(test_reset_segment_malformed),
		T_(test_reset_segment_leaves_connections),
		T_(test_closed_handler_reads_unread_fin_wait_2),
		T_(test_closed_handler_reads_unread_fin_wait_1),
		T_(test_closed_handler_partial_take),
		T_(test_closed_handler_reads_unread_last_ack),
	};
#undef T_

	return cmocka_run_group_tests(tests, NULL, NULL);
}
