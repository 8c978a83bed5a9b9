/* SPDX-License-Identifier: BSD-3-Clause */
/* tcpstack_tcp_set_low_latency(): no Nagle, a data segment with PSH
 * acknowledged at once, and tail loss probes (RFC 8985 7): with data in
 * flight and no ACK for PTO = SRTT + max(4 RTTVAR, SRTT / 2), when that is
 * before the RTO, the last segment sent goes again, once per flight, with
 * the congestion window untouched. One engine driven with hand-made frames
 * on virtual time, the test playing the peer (a client of a listener);
 * every frame the engine sends is parsed with its checksums verified, its
 * payload checked against what was queued, and the time it left recorded.
 *
 * RTTs are exact in virtual time, so the estimator's state is known (RFC
 * 6298, microseconds, as tcp_rtt.c rounds): a 10 ms handshake gives SRTT
 * 10 ms and RTTVAR 5 ms; each further 10 ms sample keeps SRTT and takes a
 * quarter off RTTVAR: 3750, 2812, 2109, 1582, 1186 us. The RTO is floored
 * at 200 ms all along. */
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

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)

#define L_IP UT_IP(10, 0, 0, 1) /* the engine's own address */
#define R_IP UT_IP(10, 0, 0, 2) /* the peer (this test) */
#define L_PORT 80
#define R_PORT 40000
#define PEER_ISS 0xfffff000u /* the peer's data crosses 2^32 */

#define MSS 1460u /* both SYNs say so; no timestamps: all of it is payload */
#define RTT (10 * MS)
#define RTO_MIN (200 * MS) /* the default floor */
#define DELACK (40 * MS) /* the default delayed ACK */
/* SRTT 10 ms: RTTVAR 3.75 ms after one data sample (4 RTTVAR counts), and
 * 1.186 ms after five (SRTT / 2 counts). */
#define PTO_1 ((10000 + 4 * 3750) * US) /* 25 ms */
#define PTO_5 ((10000 + 10000 / 2) * US) /* 15 ms */
#define SEG 1000u /* one data segment: above half an MSS, below one */

/* One segment the engine sent, decoded. */
struct seg {
	uint8_t flags;
	uint32_t seq, ack, len;
	uint64_t at; /* the now it was sent at */
	struct tcp_opts o;
	uint8_t data[MSS];
};

#define OUT_MAX 32

static struct {
	struct rte_mempool *pool;
	struct tcpstack_tcp *s;
	struct tcpstack_mib_counters mib;
	uint64_t now;
	unsigned base_in_use;
	struct seg out[OUT_MAX];
	unsigned n_out, n_taken;
	struct tcpstack_conn *c;
	uint32_t iss; /* the engine's */
	uint32_t snd_end; /* the engine's stream: seq after the last byte queued */
	uint32_t p_nxt, p_ack; /* the peer's next seq and its ACK */
} T;

static int tag_listener, tag_conn;

/* Payload, both ways: byte at sequence number s. */
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
	assert_int_equal(v.hdr->src_addr, L_IP);
	assert_int_equal(v.hdr->dst_addr, R_IP);
	const struct rte_tcp_hdr *th = v.l4;
	unsigned thlen = (th->data_off >> 4) * 4u;
	assert_true(thlen >= sizeof(*th) && thlen <= v.l4_len);
	assert_int_equal(rte_be_to_cpu_16(th->src_port), L_PORT);
	assert_int_equal(rte_be_to_cpu_16(th->dst_port), R_PORT);

	struct seg *g = &T.out[T.n_out++];
	g->seq = rte_be_to_cpu_32(th->sent_seq);
	g->ack = rte_be_to_cpu_32(th->recv_ack);
	g->flags = th->tcp_flags;
	g->len = v.l4_len - thlen;
	g->at = now;
	assert_int_equal(tcp_opts_parse((const uint8_t *)(th + 1), thlen - sizeof(*th),
					g->flags & F_SYN, &g->o),
			 TCP_OPTS_OK);
	assert_true(g->len <= MSS);
	memcpy(g->data, (const uint8_t *)th + thlen, g->len);
	/* The bytes queued at those sequence numbers, whatever the segment. */
	for (uint32_t i = 0; i < g->len; i++)
		if (g->data[i] != pat(g->seq + i))
			fail_msg("byte %u of a segment from seq %u is wrong", i, g->seq);
}

static void *on_accept(void *listener_user, struct tcpstack_conn *c)
{
	assert_ptr_equal(listener_user, &tag_listener);
	T.c = c;
	return &tag_conn;
}

static const struct tcpstack_tcp_ops ops = { .accept = on_accept };

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
		print_error("unexpected segment: flags %#x seq %u ack %u len %u at +%llu us\n",
			    g->flags, g->seq, g->ack, g->len,
			    (unsigned long long)((g->at - T0) / US));
	}
	assert_int_equal(pending(), 0);
}

static void fresh_out(void)
{
	if (T.n_taken == T.n_out)
		T.n_taken = T.n_out = 0;
}

static uint64_t cnt(enum tcpstack_mib what)
{
	return T.mib.v[what];
}

static struct tcpstack_tcp_info info(void)
{
	struct tcpstack_tcp_info i;

	tcpstack_tcp_get_info(T.c, &i);
	return i;
}

/* A data segment of @len bytes at @seq (just sent, or sent again). */
static void expect_data(const struct seg *g, uint32_t seq, uint32_t len)
{
	assert_int_equal(g->seq, seq);
	assert_int_equal(g->len, len);
	assert_true(g->flags & F_ACK);
	assert_false(g->flags & (F_SYN | F_RST | F_FIN));
	assert_int_equal(g->ack, T.p_nxt);
}

/* Sent again from @seq: at least the @len bytes there, an MSS at most. */
static void expect_resend(const struct seg *g, uint32_t seq, uint32_t len)
{
	assert_true(g->len >= len && g->len <= MSS);
	expect_data(g, seq, g->len);
}

/* A probe of a flight whose last segment is @last: it ends at the highest
 * sequence number sent and carries all of that segment, the same bytes
 * (the engine may add earlier ones, up to an MSS). */
static void expect_tail_probe(const struct seg *p, const struct seg *last)
{
	uint32_t end = last->seq + last->len;

	assert_true(p->len >= last->len && p->len <= MSS);
	expect_data(p, end - p->len, p->len);
	assert_memory_equal(p->data + (p->len - last->len), last->data, last->len);
}

/* A pure ACK, up to all the peer sent. */
static void expect_ack(const struct seg *g)
{
	assert_int_equal(g->flags, F_ACK);
	assert_int_equal(g->len, 0);
	assert_int_equal(g->ack, T.p_nxt);
}

/* ---- virtual time */

/* Let time pass up to @t, running each timer when it is due. */
static void run_to(uint64_t t)
{
	uint64_t next;

	assert_true(t >= T.now);
	fresh_out();
	while ((next = tcpstack_tcp_next_timer(T.s)) <= t) {
		if (next > T.now)
			T.now = next;
		tcpstack_tcp_timers(T.s, T.now);
	}
	T.now = t;
}

/* ---- frames into the engine */

/* Ethernet + IPv4 + TCP from the peer, with options @o, checksums right. */
static struct rte_mbuf *mkframe(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
				const struct tcp_opts *o)
{
	uint8_t opts[40];
	unsigned olen = o != NULL ? tcp_opts_write(opts, sizeof(opts), o) : 0;
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
	th->src_port = rte_cpu_to_be_16(R_PORT);
	th->dst_port = rte_cpu_to_be_16(L_PORT);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	memcpy(th + 1, opts, olen);
	for (uint32_t i = 0; i < len; i++)
		payload[i] = pat(seq + !!(flags & F_SYN) + i);
	struct tcpstack_ipv4_view v = {
		.hdr = ip, .l4 = th, .hdr_len = sizeof(*ip), .l4_len = (uint16_t)(thlen + len)
	};
	tcpstack_ipv4_set_cksum(ip);
	tcpstack_l4_set_cksum(&v);
	return m;
}

static void tx_opts(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
		    const struct tcp_opts *o)
{
	fresh_out();
	tcpstack_tcp_input(T.s, mkframe(flags, seq, ack, len, o), T.now);
}

/* Data from the peer, with the flags given (ACK, with or without PSH). */
static void tx_data(uint8_t flags, uint32_t len)
{
	tx_opts(flags, T.p_nxt, T.p_ack, len, NULL);
	T.p_nxt += len;
}

/* The peer acknowledges our stream up to @ack (a duplicate if nothing new). */
static void ack_to(uint32_t ack)
{
	T.p_ack = ack;
	tx_opts(F_ACK, T.p_nxt, ack, 0, NULL);
}

/* ... with a SACK block [@start, @end). */
static void ack_sack(uint32_t ack, uint32_t start, uint32_t end)
{
	struct tcp_opts o = { .present = TCP_OPTF_SACK, .n_sack = 1 };

	o.sack[0].start = start;
	o.sack[0].end = end;
	T.p_ack = ack;
	tx_opts(F_ACK, T.p_nxt, ack, 0, &o);
}

/* The user queues @len bytes: the pattern at our next sequence numbers,
 * in a chain of mbufs of 1024 bytes at most. */
static void send_bytes(uint32_t len)
{
	struct rte_mbuf *m = NULL;

	for (uint32_t off = 0; off < len; off += 1024) {
		uint32_t n = RTE_MIN(len - off, 1024u);
		struct rte_mbuf *part = rte_pktmbuf_alloc(T.pool);
		assert_non_null(part);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(part, (uint16_t)n);
		assert_non_null(p);
		for (uint32_t i = 0; i < n; i++)
			p[i] = pat(T.snd_end + off + i);
		if (m == NULL)
			m = part;
		else
			assert_int_equal(rte_pktmbuf_chain(m, part), 0);
	}
	assert_non_null(m);
	fresh_out();
	assert_int_equal(tcpstack_tcp_send(T.c, m, T.now), 0);
	T.snd_end += len;
}

/* Queue @len bytes that leave at once, in one segment: @return it. */
static struct seg send_seg(uint32_t len)
{
	uint32_t seq = T.snd_end;

	send_bytes(len);
	struct seg g = pop();
	expect_data(&g, seq, len);
	assert_true(g.flags & F_PSH); /* all there was */
	assert_int_equal(g.at, T.now);
	expect_none();
	return g;
}

/* ---- set-up */

static const uint8_t isn_key[16] = { 0x6c, 0x6f, 0x77, 0x6c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static void begin(void)
{
	struct tcpstack_tcp_params tp = { 0 };
	struct rte_mempool *pool = ut_eal_pool();

	assert_non_null(pool);
	memset(&T, 0, sizeof(T));
	T.pool = pool;
	T.base_in_use = rte_mempool_in_use_count(pool);
	memcpy(tp.isn_key, isn_key, sizeof(tp.isn_key));
	T.s = tcpstack_tcp_create(&tp, T.pool, &T.mib, on_output, NULL);
	assert_non_null(T.s);
	T.now = T0;
	assert_int_equal(tcpstack_tcp_listen(T.s, L_IP, L_PORT, &ops, &tag_listener), 0);
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

/* The peer's SYN (MSS 1460, SACK-permitted if @sack); the engine's SYN-ACK. */
static void syn(bool sack)
{
	struct tcp_opts o = { .present = TCP_OPTF_MSS, .mss = MSS };

	if (sack)
		o.present |= TCP_OPTF_SACK_PERM;
	tx_opts(F_SYN, PEER_ISS, 0, 0, &o);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	assert_int_equal(g.ack, PEER_ISS + 1);
	assert_int_equal(!!(g.o.present & TCP_OPTF_SACK_PERM), sack);
	expect_none();
	T.iss = g.seq;
	T.snd_end = T.iss + 1;
	T.p_nxt = PEER_ISS + 1;
	T.p_ack = T.iss + 1;
}

/* The handshake's last ACK @rtt after the SYN-ACK: ESTABLISHED. */
static void handshake_ack(uint64_t rtt)
{
	T.now += rtt;
	ack_to(T.iss + 1);
	expect_none();
	assert_non_null(T.c);
	assert_string_equal(info().state, "ESTABLISHED");
}

/* A connection whose handshake and @samples data segments each took @rtt,
 * in low-latency mode if @ll; nothing in flight. */
static void setup_rtt(bool ll, bool sack, unsigned samples, uint64_t rtt)
{
	begin();
	syn(sack);
	handshake_ack(rtt);
	if (ll)
		tcpstack_tcp_set_low_latency(T.c, true);
	for (unsigned i = 0; i < samples; i++) {
		struct seg g = send_seg(SEG);
		T.now += rtt;
		ack_to(g.seq + g.len);
		expect_none();
	}
	assert_int_equal(info().srtt_us, rtt / US);
	assert_int_equal(info().inflight, 0);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
}

static void setup(bool ll, bool sack, unsigned samples)
{
	setup_rtt(ll, sack, samples, RTT);
	assert_int_equal(info().rto_us, RTO_MIN / US);
}

/* ---- 1. off by default */

/* Without the mode: Nagle holds a second small segment; a lost segment
 * waits for the RTO (200 ms at least), no probe before; a full-ish data
 * segment with PSH is acknowledged by the delayed-ACK timer only. */
static void test_off_by_default(void **state)
{
	(void)state;
	setup(false, false, 1);

	/* Nagle: the second 100 bytes wait for the ACK of the first. */
	struct seg a = send_seg(100);
	send_bytes(100);
	expect_none();
	T.now += RTT;
	ack_to(a.seq + a.len);
	struct seg b = pop();
	expect_data(&b, a.seq + 100, 100);
	expect_none();
	T.now += RTT;
	ack_to(b.seq + b.len);
	expect_none();
	assert_int_equal(info().rto_us, RTO_MIN / US);

	/* A lost segment: nothing until the RTO. */
	uint64_t t = T.now;
	struct seg g = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + RTO_MIN);
	run_to(t + RTO_MIN - 1);
	expect_none();
	run_to(t + RTO_MIN);
	struct seg r = pop();
	expect_data(&r, g.seq, SEG);
	assert_int_equal(r.at, t + RTO_MIN);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	T.now += RTT;
	ack_to(g.seq + SEG);
	expect_none();

	/* 1000 bytes with PSH: not acknowledged at once, but after 40 ms. */
	tx_data(F_ACK | F_PSH, SEG);
	expect_none();
	t = T.now;
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + DELACK);
	run_to(t + DELACK - 1);
	expect_none();
	run_to(t + DELACK);
	struct seg ack = pop();
	expect_ack(&ack);
	assert_int_equal(ack.at, t + DELACK);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	finish();
}

/* ---- 2. Nagle off, PSH acknowledged at once */

static void test_nagle_off_psh_acked_at_once(void **state)
{
	(void)state;
	setup(true, false, 1);

	/* Two small sends: the second leaves with the first unacknowledged. */
	struct seg a = send_seg(100);
	struct seg b = send_seg(100);
	assert_int_equal(b.seq, a.seq + 100);
	assert_int_equal(info().inflight, 200);
	T.now += RTT;
	ack_to(b.seq + b.len);
	expect_none();

	/* 1000 bytes with PSH: the ACK leaves in the same call. */
	tx_data(F_ACK | F_PSH, SEG);
	struct seg g = pop();
	expect_ack(&g);
	assert_int_equal(g.at, T.now);
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);

	/* 1000 bytes without PSH (above half an MSS): delayed as usual. */
	tx_data(F_ACK, SEG);
	expect_none();
	uint64_t t = T.now;
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + DELACK);
	run_to(t + DELACK - 1);
	expect_none();
	run_to(t + DELACK);
	g = pop();
	expect_ack(&g);
	assert_int_equal(g.at, t + DELACK);
	expect_none();

	/* PSH still counts after a delayed one: at once again. */
	T.now += MS;
	tx_data(F_ACK | F_PSH, SEG);
	g = pop();
	expect_ack(&g);
	assert_int_equal(g.at, T.now);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	finish();
}

/* ---- 3. the tail loss probe */

/* One segment sent and never acknowledged, with PTO @pto: one probe, the
 * same bytes, at send + PTO, the window untouched; then nothing more but
 * the RTO, which still fires, then backs off. */
static void single_segment_probe(unsigned samples, uint64_t pto)
{
	setup(true, false, samples);
	assert_string_equal(tcpstack_mib_names[TCPSTACK_MIB_TCP_LOSS_PROBE], "tcp_loss_probes");
	struct tcpstack_tcp_info before = info();
	/* PTO = SRTT + max(4 RTTVAR, SRTT / 2): between 1.5 SRTT and the RTO */
	assert_true(pto >= (uint64_t)before.srtt_us * US * 3 / 2);
	assert_true(pto < (uint64_t)before.rto_us * US);

	uint64_t t = T.now;
	struct seg g = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + pto);
	run_to(t + pto - 1);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	run_to(t + pto);
	struct seg p = pop();
	expect_none();
	expect_data(&p, g.seq, g.len);
	assert_memory_equal(p.data, g.data, g.len);
	assert_int_equal(p.at, t + pto);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RETRANS_SEGS), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 0);
	struct tcpstack_tcp_info after = info();
	assert_int_equal(after.cwnd, before.cwnd);
	assert_int_equal(after.ssthresh, before.ssthresh);
	assert_int_equal(after.retrans_segs, 1);
	assert_int_equal(after.retrans_bytes, g.len);
	assert_int_equal(after.snd_una, g.seq);
	assert_int_equal(after.inflight, SEG);

	/* No second probe: the RTO is next, at send + 200 ms. */
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + RTO_MIN);
	run_to(t + RTO_MIN - 1);
	expect_none();
	run_to(t + RTO_MIN);
	struct seg r = pop();
	expect_none();
	expect_data(&r, g.seq, g.len);
	assert_int_equal(r.at, t + RTO_MIN);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);

	/* The probe is still unanswered: no probe after the RTO either, the
	 * next RTO backed off to 400 ms. */
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + 3 * RTO_MIN);
	run_to(t + 3 * RTO_MIN - 1);
	expect_none();
	run_to(t + 3 * RTO_MIN);
	r = pop();
	expect_none();
	expect_data(&r, g.seq, g.len);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 2);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);

	T.now += RTT;
	ack_to(g.seq + g.len);
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

static void test_probe_single_segment(void **state)
{
	(void)state;
	single_segment_probe(1, PTO_1); /* 4 RTTVAR > SRTT / 2 */
	single_segment_probe(5, PTO_5); /* SRTT / 2 > 4 RTTVAR */
}

/* Three segments in flight, or one send cut in three: the probe carries
 * the last segment (the highest sequence numbers), not the first. */
static void test_probe_carries_last_segment(void **state)
{
	(void)state;
	setup(true, false, 1);
	uint64_t t = T.now;
	struct seg g[3];
	for (unsigned i = 0; i < 3; i++)
		g[i] = send_seg(SEG);
	assert_int_equal(g[2].seq, g[0].seq + 2 * SEG);
	uint32_t cwnd = info().cwnd;
	run_to(t + PTO_1);
	struct seg p = pop();
	expect_none();
	expect_tail_probe(&p, &g[2]);
	assert_true(p.seq > g[0].seq); /* not the first */
	assert_int_equal(p.at, t + PTO_1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);
	assert_int_equal(info().cwnd, cwnd);
	run_to(t + RTO_MIN - 1);
	expect_none();
	T.now += RTT;
	ack_to(g[2].seq + SEG);
	finish();

	setup(true, false, 1);
	t = T.now;
	uint32_t from = T.snd_end;
	send_bytes(3 * SEG); /* 1460 + 1460 + 80 */
	for (uint32_t off = 0; off < 3 * SEG; off += MSS) {
		g[0] = pop();
		expect_data(&g[0], from + off, RTE_MIN(MSS, 3 * SEG - off));
	}
	expect_none();
	run_to(t + PTO_1);
	p = pop();
	expect_none();
	expect_tail_probe(&p, &g[0]);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);
	finish();
}

/* ---- 4. the ACK after a probe */

static void test_probe_ack_rearms(void **state)
{
	(void)state;
	setup(true, false, 1);

	/* Probed; the peer had the original and acknowledges it. The ACKs
	 * after a probe give no RTT sample (Karn), so the PTO stays 25 ms. */
	uint64_t t = T.now;
	uint32_t srtt = info().srtt_us;
	struct seg a = send_seg(SEG);
	run_to(t + PTO_1);
	struct seg p = pop();
	expect_data(&p, a.seq, SEG);
	run_to(t + PTO_1 + 5 * MS);
	ack_to(a.seq + SEG);
	expect_none();
	assert_int_equal(info().snd_una, a.seq + SEG);
	assert_int_equal(info().inflight, 0);
	assert_int_equal(info().srtt_us, srtt); /* Karn: the ACK may be the probe's */
	/* All acknowledged: no probe, no RTO, however long. */
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	run_to(T.now + 2 * SEC);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);

	/* A new flight is probed again. */
	t = T.now;
	struct seg b = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + PTO_1);
	run_to(t + PTO_1);
	p = pop();
	expect_none();
	expect_data(&p, b.seq, SEG);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 2);
	T.now += RTT;
	ack_to(b.seq + SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	run_to(T.now + 2 * SEC);
	expect_none();

	/* Two segments, the second probed; an ACK for the first only moves
	 * snd_una: another probe may go, a PTO after that ACK. */
	t = T.now;
	struct seg c = send_seg(SEG);
	struct seg d = send_seg(SEG);
	run_to(t + PTO_1);
	p = pop();
	expect_none();
	expect_tail_probe(&p, &d);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 3);
	run_to(t + PTO_1 + 5 * MS);
	ack_to(c.seq + SEG);
	expect_none();
	assert_int_equal(info().snd_una, d.seq);
	uint64_t acked_at = T.now;
	assert_int_equal(tcpstack_tcp_next_timer(T.s), acked_at + PTO_1);
	run_to(acked_at + PTO_1 - 1);
	expect_none();
	run_to(acked_at + PTO_1);
	p = pop();
	expect_none();
	expect_tail_probe(&p, &d);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 4);
	T.now += RTT;
	ack_to(d.seq + SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	run_to(T.now + 2 * SEC);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 4);

	/* Acknowledged before the PTO: nothing pending, nothing ever sent. */
	t = T.now;
	a = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + PTO_1);
	T.now += RTT;
	ack_to(a.seq + SEG);
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	run_to(T.now + 2 * SEC);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 4);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 0);
	finish();
}

/* ---- 5. when no probe goes */

/* Four segments out, the first lost; the duplicate ACKs (three, or one
 * with SACK blocks for the other three) start recovery before the PTO:
 * the first is resent, and no probe follows, not at the PTO armed when
 * they were sent, nor after a partial ACK. */
static void no_probe_in_recovery(bool sack)
{
	setup(true, sack, 1);
	uint64_t t = T.now;
	struct seg g[4];
	for (unsigned i = 0; i < 4; i++)
		g[i] = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + PTO_1);

	T.now = t + 5 * MS;
	if (sack) {
		ack_sack(g[0].seq, g[1].seq, g[3].seq + SEG);
	} else {
		ack_to(g[0].seq);
		expect_none();
		ack_to(g[0].seq);
		expect_none();
		ack_to(g[0].seq);
	}
	struct seg r = pop();
	expect_none();
	expect_resend(&r, g[0].seq, SEG);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_FAST_RETRANS), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_SACK_RECOVERY), sack);
	uint64_t rto_at = T.now + RTO_MIN;

	/* The PTO armed at the send passes: nothing. Then only the RTO. */
	run_to(t + PTO_1);
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), rto_at);
	run_to(t + PTO_1 + 10 * MS);
	expect_none();

	if (!sack) {
		/* A partial ACK (NewReno): the next hole goes, the RTO
		 * restarts, still no probe. */
		ack_to(g[1].seq);
		r = pop();
		expect_none();
		expect_resend(&r, g[1].seq, SEG);
		rto_at = T.now + RTO_MIN;
		assert_int_equal(tcpstack_tcp_next_timer(T.s), rto_at);
	}
	run_to(rto_at - 1);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	ack_to(g[3].seq + SEG);
	expect_none();
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

static void test_no_probe_in_recovery(void **state)
{
	(void)state;
	no_probe_in_recovery(false);
	no_probe_in_recovery(true);
}

/* Only our FIN outstanding: the RTO resends it, no probe before. A FIN
 * behind data still in flight goes with the probe of that data. */
static void test_no_probe_for_fin_alone(void **state)
{
	(void)state;
	/* FIN alone from the start */
	setup(true, false, 1);
	uint64_t t = T.now;
	tcpstack_tcp_shutdown(T.c, T.now);
	struct seg f = pop();
	expect_none();
	assert_int_equal(f.flags, F_FIN | F_ACK);
	assert_int_equal(f.seq, T.snd_end);
	assert_string_equal(info().state, "FIN_WAIT_1");
	run_to(t + RTO_MIN - 1);
	expect_none();
	run_to(t + RTO_MIN);
	struct seg r = pop();
	expect_none();
	assert_int_equal(r.flags, F_FIN | F_ACK);
	assert_int_equal(r.seq, f.seq);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	finish();

	/* Data and FIN; the data is acknowledged, the FIN is not. */
	setup(true, false, 1);
	t = T.now;
	struct seg a = send_seg(SEG);
	tcpstack_tcp_shutdown(T.c, T.now);
	f = pop();
	expect_none();
	assert_int_equal(f.flags, F_FIN | F_ACK);
	assert_int_equal(f.seq, a.seq + SEG);
	T.now = t + RTT;
	ack_to(a.seq + SEG);
	expect_none();
	run_to(t + RTT + RTO_MIN - 1);
	expect_none();
	run_to(t + RTT + RTO_MIN);
	r = pop();
	expect_none();
	assert_int_equal(r.flags, F_FIN | F_ACK);
	assert_int_equal(r.seq, f.seq);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	finish();

	/* Data and FIN, neither acknowledged: the probe carries both. */
	setup(true, false, 1);
	t = T.now;
	a = send_seg(SEG);
	tcpstack_tcp_shutdown(T.c, T.now);
	f = pop();
	expect_none();
	run_to(t + PTO_1);
	struct seg p = pop();
	expect_none();
	assert_int_equal(p.flags, F_FIN | F_ACK);
	assert_int_equal(p.seq, a.seq);
	assert_int_equal(p.len, SEG);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);
	T.now += RTT;
	ack_to(f.seq + 1);
	assert_string_equal(info().state, "FIN_WAIT_2");
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);
	finish();
}

/* No RTT sample yet (the SYN-ACK was resent: Karn): no probe, the RTO
 * (3 s, RFC 6298 5.7) only. */
static void test_no_probe_without_rtt(void **state)
{
	(void)state;
	begin();
	syn(false);
	run_to(T0 + 1 * SEC);
	struct seg g = pop();
	assert_int_equal(g.flags, F_SYN | F_ACK);
	handshake_ack(RTT);
	tcpstack_tcp_set_low_latency(T.c, true);
	assert_int_equal(info().srtt_us, 0);
	uint64_t t = T.now;
	struct seg a = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + 3 * SEC);
	run_to(t + 3 * SEC - 1);
	expect_none();
	run_to(t + 3 * SEC);
	g = pop();
	expect_none();
	expect_data(&g, a.seq, SEG);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	finish();
}

/* A long RTT: the PTO would not come before the RTO (150 ms samples: SRTT
 * 150 ms, RTTVAR 56.25 ms, PTO = RTO = 375 ms): no probe, the RTO alone. */
static void test_no_probe_when_rto_first(void **state)
{
	(void)state;
	setup_rtt(true, false, 1, 150 * MS);
	assert_int_equal(info().rto_us, 375000);
	uint64_t t = T.now;
	struct seg a = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + 375 * MS);
	run_to(t + 375 * MS);
	struct seg r = pop();
	expect_none();
	expect_data(&r, a.seq, SEG);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	finish();
}

/* A probe pending (PTO 21 ms) while ACKs keep coming, each before it: each
 * puts it off. Then a long sample (190 ms) takes the PTO past the RTO: the
 * pending probe is called off, not left to go. */
static void test_rtt_growth_calls_probe_off(void **state)
{
	(void)state;
	setup(true, false, 1);
	uint64_t t = T.now;
	struct seg s[10];
	for (unsigned i = 0; i < 10; i++)
		s[i] = send_seg(SEG); /* s[0] timed */
	T.now = t + RTT;
	ack_to(s[0].seq + SEG); /* SRTT 10 ms, RTTVAR 2812 us: PTO 21.248 ms */
	struct seg timed = send_seg(SEG);
	struct seg last = send_seg(SEG);
	for (unsigned i = 1; i < 10; i++) {
		run_to(T.now + 20 * MS);
		expect_none();
		ack_to(s[i].seq + SEG);
		expect_none();
	}
	run_to(T.now + 10 * MS);
	expect_none();
	ack_to(timed.seq + SEG); /* a 190 ms sample */
	expect_none();
	struct tcpstack_tcp_info i = info();
	assert_true(i.srtt_us > 20000);
	assert_true(i.rto_us > RTO_MIN / US);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), T.now + (uint64_t)i.rto_us * US);
	run_to(T.now + (uint64_t)i.rto_us * US - 1);
	expect_none();
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	T.now += RTT;
	ack_to(last.seq + SEG);
	finish();
}

/* ---- 6. turning it off */

static void test_off_clears_probe(void **state)
{
	(void)state;
	setup(true, false, 1);
	uint64_t t = T.now;
	struct seg a = send_seg(SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + PTO_1);
	T.now = t + 5 * MS;
	tcpstack_tcp_set_low_latency(T.c, false);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), t + RTO_MIN);
	run_to(t + RTO_MIN - 1);
	expect_none();
	run_to(t + RTO_MIN);
	struct seg r = pop();
	expect_none();
	expect_data(&r, a.seq, SEG);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	T.now += RTT;
	ack_to(a.seq + SEG);
	assert_int_equal(tcpstack_tcp_next_timer(T.s), UINT64_MAX);

	/* Nagle is back, and PSH waits for the delayed ACK again. */
	struct seg b = send_seg(100);
	send_bytes(100);
	expect_none();
	tx_data(F_ACK | F_PSH, SEG);
	expect_none();
	T.now += RTT;
	ack_to(b.seq + 100);
	struct seg c = pop(); /* with the ACK of the peer's data */
	expect_data(&c, b.seq + 100, 100);
	expect_none();

	/* And on again: probes again. */
	tcpstack_tcp_set_low_latency(T.c, true);
	T.now += RTT;
	ack_to(c.seq + c.len);
	t = T.now;
	a = send_seg(SEG);
	run_to(t + RTO_MIN - 1);
	r = pop();
	expect_none();
	expect_data(&r, a.seq, SEG);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_RTO), 1);
	finish();
}

/* ---- what review found: with MPTCP's cuts, after an RTO, Nagle restored */

/* Mappings of 1000 bytes from iss + 1, as MPTCP's DSS cuts a subflow. */
static uint32_t limit_1000(void *user, struct tcpstack_conn *c, uint32_t seq, uint32_t len)
{
	(void)user;
	(void)c;
	uint32_t off = (seq - (T.iss + 1)) % 1000;
	return RTE_MIN(len, 1000 - off);
}
static const struct tcpstack_tcp_ops ops_limit = { .accept = on_accept, .seg_limit = limit_1000 };

/* The probe is the last segment whole, not the tail of the MSS before it
 * cut short by a mapping's end. */
static void test_probe_last_segment_with_cuts(void **state)
{
	(void)state;
	setup(true, false, 1);
	tcpstack_tcp_set_user(T.c, &ops_limit, &tag_conn);
	uint64_t t = T.now;
	struct seg g[3];
	for (unsigned i = 0; i < 3; i++)
		g[i] = send_seg(SEG);
	run_to(t + PTO_1);
	struct seg p = pop();
	expect_none();
	expect_data(&p, g[2].seq, g[2].len);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 1);
	T.now += RTT;
	ack_to(g[2].seq + g[2].len);
	finish();
}

/* After an RTO, until what was outstanding then is repaired, no probe:
 * RFC 8985 7.2 probes only outside loss recovery. */
static void test_no_probe_after_rto(void **state)
{
	(void)state;
	setup(true, false, 1);
	uint64_t t = T.now;
	struct seg g[4];
	for (unsigned i = 0; i < 4; i++)
		g[i] = send_seg(SEG);
	T.now = t + 5 * MS;
	ack_to(g[0].seq);
	ack_to(g[0].seq);
	ack_to(g[0].seq); /* fast retransmit: in recovery */
	run_to(t + 2 * SEC);
	while (pending())
		(void)pop();
	assert_true(cnt(TCPSTACK_MIB_TCP_RTO) >= 1);
	assert_int_equal(cnt(TCPSTACK_MIB_TCP_LOSS_PROBE), 0);
	T.now += RTT;
	ack_to(g[3].seq + g[3].len);
	finish();
}

/* Turning the mode off gives back the stack's own Nagle setting. */
static void test_off_restores_stack_nagle(void **state)
{
	struct tcpstack_tcp_params tp = { .nagle_off = true };

	(void)state;
	memset(&T, 0, sizeof(T));
	T.pool = ut_eal_pool();
	T.base_in_use = rte_mempool_in_use_count(T.pool);
	memcpy(tp.isn_key, isn_key, sizeof(tp.isn_key));
	T.s = tcpstack_tcp_create(&tp, T.pool, &T.mib, on_output, NULL);
	T.now = T0;
	tcpstack_tcp_listen(T.s, L_IP, L_PORT, &ops, &tag_listener);
	syn(false);
	handshake_ack(RTT);
	tcpstack_tcp_set_low_latency(T.c, true);
	tcpstack_tcp_set_low_latency(T.c, false);
	struct seg a = send_seg(100);
	send_bytes(100);
	struct seg b = pop(); /* the second small send goes: no Nagle */
	expect_data(&b, a.seq + 100, 100);
	T.now += RTT;
	ack_to(a.seq + 200);
	finish();
}

int main(void)
{
#define T_(f) cmocka_unit_test_teardown(f, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_off_by_default),	  T_(test_nagle_off_psh_acked_at_once),
		T_(test_probe_single_segment),	  T_(test_probe_carries_last_segment),
		T_(test_probe_ack_rearms),	  T_(test_no_probe_in_recovery),
		T_(test_no_probe_for_fin_alone),  T_(test_no_probe_without_rtt),
		T_(test_no_probe_when_rto_first), T_(test_rtt_growth_calls_probe_off),
		T_(test_off_clears_probe),	  T_(test_probe_last_segment_with_cuts),
		T_(test_no_probe_after_rto),	  T_(test_off_restores_stack_nagle),
	};
#undef T_

	return cmocka_run_group_tests(tests, NULL, NULL);
}
