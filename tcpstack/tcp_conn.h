/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP engine's own structures (internal to tcpstack): the control block
 * of a connection, the per-lcore table, and the functions the engine's files
 * share (tcp_conn.c: table and API; tcp_input.c: segment arrival;
 * tcp_output.c: segments out; tcp_timer.c: timers; tcp_isn.c: ISNs). */
#ifndef MPGW_TCPSTACK_TCP_CONN_H
#define MPGW_TCPSTACK_TCP_CONN_H

#include <rte_tcp.h>

#include "tcpstack/tcp_cc.h"
#include "tcpstack/tcp_options.h"
#include "tcpstack/tcp_reass.h"
#include "tcpstack/tcp_rtt.h"
#include "tcpstack/tcp_sack.h"
#include "tcpstack/tcp_seq.h"
#include "tcpstack/tcpstack.h"

enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

extern const char *const tcp_state_names[];

/* Timers of a connection; each a deadline in ns, 0 = off. */
enum tcp_timer {
	TCP_T_RTO, /* retransmission (SYN, SYN-ACK and data) */
	TCP_T_DELACK, /* delayed ACK */
	TCP_T_PERSIST, /* zero-window probe */
	TCP_T_CLOSE, /* TIME_WAIT end, FIN_WAIT_2 orphan limit */
	TCP_T_KEEPALIVE, /* idle probe (RFC 9293 3.8.4), when enabled */
	TCP_T_PROBE, /* tail loss probe (RFC 8985 7), low-latency connections */
	TCP_T_MAX,
};

struct tcp_tuple {
	uint32_t laddr, raddr; /* network order */
	uint16_t lport, rport; /* host order */
};

/* A plain singly-linked list of mbuf segments (m->next), each holding
 * payload only. Free segments with rte_pktmbuf_free_seg, never whole. */
struct tcp_segq {
	struct rte_mbuf *head, *tail;
	uint32_t bytes;
};

struct tcp_listener {
	uint32_t laddr;
	uint16_t lport;
	bool used;
	const struct tcpstack_tcp_ops *ops;
	void *user;
};

#define TCP_LISTENERS_MAX 16
#define TCP_HEAP_NONE (~0u)

struct tcpstack_conn {
	struct tcpstack_conn *hnext; /* hash chain */
	struct tcpstack_tcp *s;
	struct tcp_tuple t;
	enum tcp_state state;

	const struct tcpstack_tcp_ops *ops;
	void *user;
	uint8_t opt_room; /* payload bytes given to the user's options */
	bool adopted; /* set_user() while half-open: CLOSED is told */
	bool closed_by_user; /* tcpstack_tcp_close(): no more events */
	bool notified_peer_fin;
	bool want_writable;
	bool passive;

	/* Options agreed in the handshake. */
	bool ts_ok, sack_ok, ws_ok, nagle;
	bool low_latency; /* tail loss probes; PSH acknowledged at once */
	bool tlp_out; /* a probe is out for this flight (RFC 8985 TLPRxtOut) */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss; /* SMSS: the peer's MSS, capped by ours */

	/* Send side (RFC 9293 3.3.1). sndq holds snd_una .. snd_una+bytes. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd;
	struct tcp_segq sndq;
	uint32_t sndbuf;
	bool fin_queued; /* user shut down: FIN after sndq */
	bool fin_sent; /* FIN occupies seq snd_una+sndq.bytes */
	/* Cursor: the sndq segment holding byte snd_nxt, and its offset. */
	struct rte_mbuf *cur;
	uint32_t cur_seq; /* seq of cur's first byte */

	/* Receive side. rcvq: in-order data not yet taken by the user. */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge advertised */
	uint32_t last_ack_sent; /* RFC 7323's Last.ACK.sent */
	struct tcp_segq rcvq;
	uint32_t rcvbuf;
	struct tcp_reass reass;
	bool fin_rcvd;
	uint32_t ts_recent;
	uint64_t ts_recent_at;
	unsigned unacked_segs; /* full segments received since our last ACK */

	/* Loss recovery: SACK-based (RFC 6675) when the peer SACKs, NewReno
	 * (RFC 6582) otherwise. */
	struct tcp_scoreboard sb;
	unsigned dupacks;
	bool in_recovery;
	uint32_t recover;
	unsigned rto_count; /* RTOs in a row */
	uint32_t rtt_seq; /* timing this seq (no timestamps); 0: none */
	uint64_t rtt_start;

	struct tcp_rtt rtt;
	struct tcp_cc cc;

	uint64_t timer[TCP_T_MAX];
	unsigned persist_backoff;
	/* Keepalive: off when ka_idle_ns is 0. */
	uint64_t ka_idle_ns, ka_intvl_ns;
	unsigned ka_count, ka_sent;
	unsigned heap_idx; /* in s->heap, or TCP_HEAP_NONE */
	uint64_t heap_at; /* earliest of timer[] */

	/* Statistics. */
	uint64_t bytes_acked, bytes_received, retrans_segs;
	uint64_t retrans_bytes; /* payload sent again (SYN and FIN not counted) */
};

struct tcpstack_tcp {
	struct tcpstack_tcp_params p;
	const struct tcp_cc_ops *cc_ops;
	struct rte_mempool *pool;
	struct tcpstack_mib_counters *mib;
	tcpstack_tcp_output_fn output;
	void *output_ctx;

	struct tcpstack_conn **hash;
	unsigned hash_mask;
	unsigned n_conns, n_half_open;
	struct tcp_listener listeners[TCP_LISTENERS_MAX];
	uint16_t next_port;
	/* RFC 5961 7: challenge ACKs at most this many per second per lcore. */
	uint64_t chack_second;
	unsigned chack_count;
	uint64_t last_cookie; /* when we last answered a SYN with a cookie */
	uint64_t now; /* of the outermost call in progress (tcpstack_tcp_now) */
	/* Timers: a binary min-heap of connections by their earliest
	 * deadline. Exact deadlines, O(log n) updates, and the next deadline in
	 * O(1), which virtual-time simulation needs to jump ahead. */
	struct tcpstack_conn **heap;
	unsigned heap_n;
	/* Connections closed while a call is under way (input, timers, or an
	 * API call made from an event handler) are freed when the outermost
	 * call returns, so no caller up the stack holds a dangling pointer. */
	struct tcpstack_conn *dead;
	unsigned busy;
	void *isn_mac; /* OpenSSL MAC context for RFC 6528 */
};

static inline void tcp_count(const struct tcpstack_tcp *s, enum tcpstack_mib what)
{
	s->mib->v[what]++;
}

/* tcp_conn.c */
struct tcpstack_conn *tcp_conn_lookup(struct tcpstack_tcp *s, const struct tcp_tuple *t);
struct tcpstack_conn *tcp_conn_new(struct tcpstack_tcp *s, const struct tcp_tuple *t,
				   const struct tcpstack_tcp_ops *ops, void *user, uint64_t now);
void tcp_conn_set_state(struct tcpstack_conn *c, enum tcp_state st);
/* Over: the user hears CLOSED with @err unless it closed already; the
 * connection leaves the table at once (state CLOSED) and its memory goes
 * when the outermost call returns (tcp_reap). */
void tcp_conn_done(struct tcpstack_conn *c, int err);
void tcp_reap(struct tcpstack_tcp *s);
void tcp_conn_event(struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err);
const struct tcp_listener *tcp_listener_find(const struct tcpstack_tcp *s, uint32_t laddr,
					     uint16_t lport);
/* Link chain @m's non-empty segments at the tail. @return the first linked
 * segment (NULL if all were empty). */
struct rte_mbuf *tcp_segq_push(struct tcp_segq *q, struct rte_mbuf *m);
void tcp_segq_clear(struct tcp_segq *q);
uint32_t tcp_rcv_window(const struct tcpstack_conn *c);

/* tcp_output.c */
/* Send what window and cwnd allow (and a FIN when due). */
void tcp_output(struct tcpstack_conn *c, uint64_t now);
void tcp_send_ack(struct tcpstack_conn *c, uint64_t now);
void tcp_send_syn(struct tcpstack_conn *c, uint64_t now); /* SYN or SYN-ACK by state */
void tcp_send_rst(struct tcpstack_conn *c, uint64_t now);
/* Retransmit the first unacknowledged segment. @return its payload bytes. */
uint32_t tcp_retransmit_first(struct tcpstack_conn *c, uint64_t now);
/* The tail loss probe is due: the last segment sent goes again. */
void tcp_loss_probe(struct tcpstack_conn *c, uint64_t now);
/* In SACK recovery: resend lost holes while the pipe has room, then new
 * data (RFC 6675 5, NextSeg and the pipe). */
void tcp_sack_recover(struct tcpstack_conn *c, uint64_t now);
void tcp_send_window_probe(struct tcpstack_conn *c, uint64_t now);
/* A stateless SYN-ACK carrying a SYN cookie (MSS only: no state keeps the
 * other options). */
void tcp_reply_synack_cookie(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t iss,
			     uint32_t ack, uint64_t now);
/* A RST answering a segment no connection owns (RFC 9293 3.10.7.1). */
void tcp_reply_rst(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t seq, uint32_t ack,
		   bool with_ack, uint64_t now);
/* Drop acknowledged bytes from the send queue. */
void tcp_sndq_ack(struct tcpstack_conn *c, uint32_t acked);
/* Restart sending from snd_una (after an RTO). */
void tcp_sndq_rewind(struct tcpstack_conn *c);

/* tcp_timer.c */
void tcp_timer_set(struct tcpstack_conn *c, enum tcp_timer t, uint64_t when);
void tcp_timer_clear(struct tcpstack_conn *c, enum tcp_timer t);
/* (Re)start the retransmission timer from now with the current RTO. */
void tcp_timer_rto_restart(struct tcpstack_conn *c, uint64_t now);
void tcp_conn_timers(struct tcpstack_conn *c, uint64_t now);
void tcp_conn_drop_timers(struct tcpstack_conn *c);
/* Something arrived: the keepalive clock starts over. */
void tcp_keepalive_reset(struct tcpstack_conn *c, uint64_t now);

/* tcp_isn.c */
int tcp_isn_init(struct tcpstack_tcp *s);
void tcp_isn_free(struct tcpstack_tcp *s);
uint32_t tcp_isn(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint64_t now);
/* SipHash-2-4 of the tuple and @extra under the stack's secret key. */
uint64_t tcp_keyed_hash(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t extra);

/* tcp_syncookie.c: SYN cookies when the half-open table is full. */
uint32_t tcp_syncookie_make(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t peer_isn,
			    uint16_t peer_mss, uint64_t now);
/* Is @cookie (our ISN) one we made for this tuple and peer ISN within the
 * last two periods? Sets *mss to the MSS it encodes. */
bool tcp_syncookie_check(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t peer_isn,
			 uint32_t cookie, uint64_t now, uint16_t *mss);

/* tcp_input.c (the entry is tcpstack_tcp_input) */

#endif
