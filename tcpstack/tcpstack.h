/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * tcpstack — the box's own network stack: Ethernet, ARP, IPv4, ICMP and
 * checksums (and, from the tcpstack issue on, TCP).
 *
 * Protocol code only: frames and `now` (nanoseconds, any monotonic origin) go
 * in, frames to transmit come out. Nothing here reads a clock or touches a
 * port, so tests run it on virtual time without the EAL.
 *
 * One tcpstack_iface is one port's view of the stack on one lcore: the port's
 * MAC, the box's addresses on it, an ARP cache, and counters. It is not
 * shared between lcores.
 */
#ifndef MPGW_TCPSTACK_H
#define MPGW_TCPSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/*
 * Counters, one per event or drop reason (the Linux MIB habit). The X-macro
 * keeps the enum and the names that operators read in one list.
 */
#define TCPSTACK_MIB_LIST(X)                                       \
	X(ARP_RX_REQUEST, "arp_rx_request")                        \
	X(ARP_RX_REPLY, "arp_rx_reply")                            \
	X(ARP_TX_REQUEST, "arp_tx_request")                        \
	X(ARP_TX_REPLY, "arp_tx_reply")                            \
	X(ARP_BAD, "arp_drop_malformed")                           \
	X(ARP_NOT_FOR_US, "arp_drop_not_for_us")                   \
	X(ARP_TABLE_FULL, "arp_drop_table_full")                   \
	X(ARP_UNRESOLVED, "arp_drop_unresolved")                   \
	X(ARP_PENDING_REPLACED, "arp_drop_pending_replaced")       \
	X(ARP_EXPIRED, "arp_entries_expired")                      \
	X(IPV4_RX, "ipv4_rx")                                      \
	X(IPV4_BAD_HDR, "ipv4_drop_bad_header")                    \
	X(IPV4_BAD_CSUM, "ipv4_drop_bad_checksum")                 \
	X(IPV4_FRAGMENT, "ipv4_drop_fragment")                     \
	X(IPV4_NOT_FOR_US, "ipv4_drop_not_for_us")                 \
	X(IPV4_NO_ROUTE, "ipv4_drop_no_route")                     \
	X(IPV4_UNKNOWN_PROTO, "ipv4_drop_unknown_protocol")        \
	X(ICMP_BAD, "icmp_drop_malformed")                         \
	X(ICMP_BAD_CSUM, "icmp_drop_bad_checksum")                 \
	X(ICMP_NOT_ECHO, "icmp_drop_not_echo_request")             \
	X(ICMP_ECHO_REPLY_SENT, "icmp_tx_echo_reply")              \
	X(ICMP_ECHO_REQUEST_SENT, "icmp_tx_echo_request")          \
	X(ICMP_ECHO_REPLY_RX, "icmp_rx_echo_reply")                \
	X(ETH_NOT_HANDLED, "eth_drop_not_handled")                 \
	X(NO_MBUF, "drop_no_mbuf")                                 \
	X(OUT_OVERFLOW, "drop_output_overflow")                    \
	X(TCP_IN_SEGS, "tcp_in_segs")                              \
	X(TCP_OUT_SEGS, "tcp_out_segs")                            \
	X(TCP_RETRANS_SEGS, "tcp_retrans_segs")                    \
	X(TCP_ACTIVE_OPENS, "tcp_active_opens")                    \
	X(TCP_PASSIVE_OPENS, "tcp_passive_opens")                  \
	X(TCP_ESTABLISHED, "tcp_established")                      \
	X(TCP_BAD_HDR, "tcp_drop_bad_header")                      \
	X(TCP_BAD_CSUM, "tcp_drop_bad_checksum")                   \
	X(TCP_BAD_OPTIONS, "tcp_bad_options")                      \
	X(TCP_NO_SOCKET, "tcp_drop_no_socket")                     \
	X(TCP_RST_IN, "tcp_rst_in")                                \
	X(TCP_RST_OUT, "tcp_rst_out")                              \
	X(TCP_RST_IGNORED, "tcp_rst_ignored_out_of_window")        \
	X(TCP_CHALLENGE_ACK, "tcp_challenge_acks")                 \
	X(TCP_CHALLENGE_ACK_LIMITED, "tcp_challenge_acks_limited") \
	X(TCP_OUT_OF_WINDOW, "tcp_drop_out_of_window")             \
	X(TCP_PAWS, "tcp_drop_paws")                               \
	X(TCP_ACK_UNSENT, "tcp_drop_ack_of_unsent")                \
	X(TCP_ACK_OLD, "tcp_drop_ack_too_old")                     \
	X(TCP_NO_ACK, "tcp_drop_no_ack_flag")                      \
	X(TCP_DUP_DATA, "tcp_duplicate_data")                      \
	X(TCP_OOO, "tcp_out_of_order_queued")                      \
	X(TCP_OOO_FULL, "tcp_drop_out_of_order_full")              \
	X(TCP_RCV_BEYOND_WINDOW, "tcp_trim_beyond_window")         \
	X(TCP_FAST_RETRANS, "tcp_fast_retransmits")                \
	X(TCP_SACK_RETRANS, "tcp_sack_retransmits")                \
	X(TCP_SACK_RECOVERY, "tcp_sack_recoveries")                \
	X(TCP_RTO, "tcp_rto_expired")                              \
	X(TCP_TIMEOUT, "tcp_aborted_timeout")                      \
	X(TCP_HALF_OPEN_FULL, "tcp_drop_half_open_full")           \
	X(TCP_SYNCOOKIE_SENT, "tcp_syncookies_sent")               \
	X(TCP_SYNCOOKIE_OK, "tcp_syncookies_ok")                   \
	X(TCP_SYNCOOKIE_FAIL, "tcp_syncookies_failed")             \
	X(TCP_CONN_LIMIT, "tcp_drop_connection_limit")             \
	X(TCP_REFUSED_BY_APP, "tcp_refused_by_application")        \
	X(TCP_ZERO_WINDOW_PROBE, "tcp_zero_window_probes")         \
	X(TCP_KEEPALIVE_PROBE, "tcp_keepalive_probes")             \
	X(TCP_KEEPALIVE_TIMEOUT, "tcp_aborted_keepalive")          \
	X(TCP_TIME_WAIT_REUSED, "tcp_time_wait_reused")            \
	X(TCP_NO_MBUF, "tcp_drop_no_mbuf")                         \
	X(TCP_LOSS_PROBE, "tcp_loss_probes")

enum tcpstack_mib {
#define TCPSTACK_MIB_ENUM(id, name) TCPSTACK_MIB_##id,
	TCPSTACK_MIB_LIST(TCPSTACK_MIB_ENUM)
#undef TCPSTACK_MIB_ENUM
		TCPSTACK_MIB_MAX
};

/** Counter names, indexed by enum tcpstack_mib. */
extern const char *const tcpstack_mib_names[TCPSTACK_MIB_MAX];

/** Per-lcore counters: only the owning lcore writes them. */
struct tcpstack_mib_counters {
	uint64_t v[TCPSTACK_MIB_MAX];
} __rte_cache_aligned;

/* ---- checksums and IPv4 validation (software; virtual ports offload none) */

/** A validated IPv4 packet: header, payload and their lengths. */
struct tcpstack_ipv4_view {
	struct rte_ipv4_hdr *hdr;
	void *l4;
	uint16_t hdr_len;
	uint16_t l4_len; /**< total_length - hdr_len */
};

/**
 * Validate the IPv4 packet at @p pkt (@p len bytes available): version,
 * header length, total length within @p len, header checksum.
 * @return 0 and fills @p v, or the tcpstack_mib reason it fails.
 */
int tcpstack_ipv4_parse(void *pkt, uint32_t len, struct tcpstack_ipv4_view *v);

/** Is the TCP, UDP or ICMP checksum of a validated packet right? UDP 0 = none. */
bool tcpstack_l4_cksum_ok(const struct tcpstack_ipv4_view *v);

/** One's-complement sum of @p len bytes, folded (not complemented). */
uint16_t tcpstack_cksum_raw(const void *buf, size_t len);
/** The same over @p len bytes of an mbuf chain from offset @p off. */
uint16_t tcpstack_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len);

/** Compute and store the IPv4 header checksum. */
void tcpstack_ipv4_set_cksum(struct rte_ipv4_hdr *ip);

/** Compute and store the TCP, UDP or ICMP checksum of a validated packet. */
void tcpstack_l4_set_cksum(const struct tcpstack_ipv4_view *v);

/* ---- interfaces */

/** One address the box owns on a port. */
struct tcpstack_addr {
	uint32_t ip; /**< network byte order */
	uint32_t mask; /**< network byte order */
	uint32_t gateway; /**< network byte order; 0 = none (on-link only) */
};

#define TCPSTACK_IFACE_ADDRS_MAX 16

struct tcpstack_arp_cache;
struct tcpstack_tcp;

struct tcpstack_iface {
	struct rte_ether_addr mac;
	struct tcpstack_addr addrs[TCPSTACK_IFACE_ADDRS_MAX];
	unsigned n_addrs;
	struct tcpstack_arp_cache *arp;
	struct rte_mempool *pool; /**< for frames the stack originates */
	struct tcpstack_mib_counters *mib;
	struct tcpstack_tcp *tcp; /**< takes TCP to our addresses; NULL: dropped */
	/** Echo replies to our addresses (path probes); NULL: dropped. */
	void (*echo_reply)(void *ctx, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
			   uint64_t now);
	void *echo_ctx;
};

/** ARP cache parameters. */
struct tcpstack_arp_params {
	unsigned entries; /**< power of 2 */
	uint64_t reachable_ns; /**< lifetime of a confirmed entry */
	uint64_t retrans_ns; /**< between requests for an unresolved address */
	unsigned max_probes; /**< requests before giving up */
};

/**
 * Create an iface. @p addrs are copied. The ARP cache is allocated with
 * calloc (no EAL needed). @return NULL on allocation failure.
 */
struct tcpstack_iface *tcpstack_iface_create(const struct rte_ether_addr *mac,
					     const struct tcpstack_addr *addrs, unsigned n_addrs,
					     const struct tcpstack_arp_params *arp,
					     struct rte_mempool *pool,
					     struct tcpstack_mib_counters *mib);

/** Free an iface, its cache and any frame still waiting for resolution. */
void tcpstack_iface_destroy(struct tcpstack_iface *ifc);

/** Is @p ip (network order) one of this iface's addresses? */
bool tcpstack_iface_owns(const struct tcpstack_iface *ifc, uint32_t ip);

/**
 * Handle a frame addressed to the box on this iface (ARP, IPv4 to one of
 * its addresses). Consumes @p m. Frames to send on the same port are
 * written to @p out (at most @p out_max; the rest are freed and counted).
 * @return the number of frames written to @p out.
 */
unsigned tcpstack_iface_input(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
			      struct rte_mbuf **out, unsigned out_max);

/**
 * Learn from an ARP frame seen on the wire but not addressed to us
 * (RFC 826: refresh an entry we already hold). Does not consume or change
 * @p m. A frame that was waiting for the sender's address is released to
 * @p out. @return frames for @p out.
 */
unsigned tcpstack_iface_snoop_arp(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
				  struct rte_mbuf **out, unsigned out_max);

/**
 * Learn that @p ip is at @p mac, as an ARP reply would teach (creating the
 * entry): a transparent proxy knows its client's MAC from the SYN. A frame
 * held for @p ip is released to @p out. @return frames for @p out.
 */
unsigned tcpstack_iface_learn(struct tcpstack_iface *ifc, uint32_t ip,
			      const struct rte_ether_addr *mac, uint64_t now, struct rte_mbuf **out,
			      unsigned out_max);

/**
 * Send an IPv4 packet (mbuf starting at an Ethernet header whose addresses
 * the stack fills): resolves the next hop, holding the frame while ARP
 * resolves it. Consumes @p m. @return frames for @p out, as above.
 */
unsigned tcpstack_iface_output(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
			       struct rte_mbuf **out, unsigned out_max);

/**
 * Send an ICMP echo request from our @p src to @p dst (network order) with
 * identifier @p id and sequence @p seq (host order) and @p len bytes of
 * payload (at most 64): a liveness and RTT probe along one path. The reply
 * goes to the iface's echo_reply hook. @return frames for @p out.
 */
unsigned tcpstack_iface_send_echo(struct tcpstack_iface *ifc, uint32_t src, uint32_t dst,
				  uint16_t id, uint16_t seq, unsigned len, uint64_t now,
				  struct rte_mbuf **out, unsigned out_max);

/**
 * Timers: age the ARP cache, retransmit requests, give up on unresolved
 * addresses. Call every few milliseconds. @return frames for @p out.
 */
unsigned tcpstack_iface_tick(struct tcpstack_iface *ifc, uint64_t now, struct rte_mbuf **out,
			     unsigned out_max);

/* ---- TCP: the adaptation interface
 *
 * The only way MPTCP and the proxy reach TCP. One struct tcpstack_tcp per
 * lcore holds its connections, listeners and timers. Segments come in as
 * frames (tcpstack_tcp_input); segments go out through the output callback
 * as frames whose Ethernet addresses the caller fills (tcpstack_iface_output
 * does). Payload is never copied: tcpstack_tcp_send() takes an mbuf chain by
 * reference and keeps it for retransmission, tcpstack_tcp_recv() hands back
 * the mbufs the data arrived in.
 *
 * Events come through the user's ops table, from inside input, timers or
 * API calls; a handler may call the API on the same connection. After
 * TCPSTACK_TCP_EV_CLOSED the user must not touch the connection again (the
 * engine may keep it a while, e.g. in TIME_WAIT).
 */
struct tcpstack_tcp;
struct tcpstack_conn;
struct tcpstack_cc_group;

enum tcpstack_tcp_event {
	TCPSTACK_TCP_EV_CONNECTED, /**< handshake complete (either side) */
	TCPSTACK_TCP_EV_READABLE, /**< in-order data waits in the receive queue */
	TCPSTACK_TCP_EV_WRITABLE, /**< the send queue drained below half, after
				    *   being fuller or refusing a send */
	TCPSTACK_TCP_EV_PEER_FIN, /**< the peer will send nothing more */
	TCPSTACK_TCP_EV_CLOSED, /**< over; err 0 (orderly), ECONNRESET,
				    *   ECONNREFUSED, ETIMEDOUT or ECONNABORTED.
				    *   The handler may still take what waits
				    *   in the receive queue (tcpstack_tcp_recv),
				    *   and only then: it is freed after */
};

/** Which segment an option hook is about. */
enum tcpstack_seg_kind {
	TCPSTACK_SEG_SYN,
	TCPSTACK_SEG_SYNACK,
	TCPSTACK_SEG_ACK, /**< no payload, no SYN */
	TCPSTACK_SEG_DATA, /**< carries payload (or FIN, to write_opts) */
	TCPSTACK_SEG_RST, /**< a RST the connection sends (abort, refusal), or one
			    *   received that resets it (read_opt, before CLOSED) */
	TCPSTACK_SEG_FIN, /**< read_opt only: a segment with FIN, payload or not
			    *   (write_opts is told DATA for those) */
};

/**
 * What a connection's user gives the engine. Any hook may be NULL. After
 * tcpstack_tcp_close() or _abort() (the RST of an abort excepted) no hook
 * is called again, so the user may free what @p user points to at once.
 */
struct tcpstack_tcp_ops {
	void (*event)(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err);
	/**
	 * A listener's connection finished its handshake: return the user
	 * pointer for it (its ops stay the listener's), or NULL to refuse it
	 * with a RST.
	 */
	void *(*accept)(void *listener_user, struct tcpstack_conn *c);
	/**
	 * Extra options for an outgoing segment (MPTCP's): write at most
	 * @p room bytes at @p buf; @return bytes written. @p seq and @p len
	 * describe the payload.
	 */
	unsigned (*write_opts)(void *user, struct tcpstack_conn *c, enum tcpstack_seg_kind kind,
			       uint32_t seq, uint32_t len, uint8_t *buf, unsigned room);
	/**
	 * An option the engine does not interpret (kind, length, bytes), on
	 * a segment that passed the engine's checks (on a SYN to a listener,
	 * before the SYN-ACK is built: the handler may tcpstack_tcp_set_user()
	 * the new connection, or tcpstack_tcp_abort() it to refuse the SYN).
	 */
	void (*read_opt)(void *user, struct tcpstack_conn *c, enum tcpstack_seg_kind kind,
			 uint32_t seq, uint32_t len, const uint8_t *opt, unsigned opt_len,
			 uint64_t now);
	/**
	 * How much of the @p len queued bytes from @p seq one segment may
	 * carry (1..len): a user whose options describe ranges of the stream
	 * (MPTCP's DSS mappings) keeps a segment inside one range. NULL: all.
	 */
	uint32_t (*seg_limit)(void *user, struct tcpstack_conn *c, uint32_t seq, uint32_t len);
};

/** Per-lcore TCP parameters; zero fields take the defaults in brackets. */
struct tcpstack_tcp_params {
	unsigned max_conns; /**< [65536] */
	unsigned max_half_open; /**< [4096] */
	uint32_t sndbuf; /**< default send buffer, bytes [4 MiB] */
	uint32_t rcvbuf; /**< default receive buffer, bytes [4 MiB] */
	uint16_t mss; /**< MSS we advertise [1460] */
	const char *cc; /**< congestion control [cubic] */
	uint32_t delack_us; /**< delayed ACK [40000] */
	uint32_t rto_initial_us; /**< [1000000] */
	uint32_t rto_min_us; /**< [200000] */
	uint32_t rto_max_us; /**< [60000000] */
	unsigned syn_retries; /**< [6] */
	unsigned retries; /**< RTOs in a row before giving up [15] */
	uint32_t time_wait_us; /**< [60000000] */
	uint8_t isn_key[16]; /**< RFC 6528 secret; all zero: random */
	bool nagle_off; /**< Nagle's algorithm is on unless set */
	bool syncookies_off; /**< SYN cookies when half-open is full, unless set */
};

/** Send a frame (starts at a blank Ethernet header). Consumes @p m. */
typedef void (*tcpstack_tcp_output_fn)(void *ctx, struct rte_mbuf *m, uint64_t now);

struct tcpstack_tcp *tcpstack_tcp_create(const struct tcpstack_tcp_params *p,
					 struct rte_mempool *pool,
					 struct tcpstack_mib_counters *mib,
					 tcpstack_tcp_output_fn output, void *output_ctx);
/**
 * Free everything. Connections still open end without a RST; their users
 * hear CLOSED (ECONNABORTED) so they can free what they hold.
 */
void tcpstack_tcp_destroy(struct tcpstack_tcp *s);

/** A frame carrying IPv4/TCP for this stack. Consumes @p m. */
void tcpstack_tcp_input(struct tcpstack_tcp *s, struct rte_mbuf *m, uint64_t now);
/**
 * The `now` of the call in progress (input, timers or an API call): what
 * an event handler, which gets none, passes on to the calls it makes.
 */
uint64_t tcpstack_tcp_now(const struct tcpstack_tcp *s);
/** Run due timers. */
void tcpstack_tcp_timers(struct tcpstack_tcp *s, uint64_t now);
/** When the next timer is due (UINT64_MAX if none): virtual time jumps there. */
uint64_t tcpstack_tcp_next_timer(const struct tcpstack_tcp *s);
/** Connections in the table, TIME_WAIT included. */
unsigned tcpstack_tcp_conn_count(const struct tcpstack_tcp *s);

/**
 * Accept connections to @p laddr (0 = any of ours) : @p lport. With both 0
 * the listener is transparent: it takes a SYN to any address and port that
 * no other listener takes (a proxy feeds such an engine only the SYNs it
 * intercepts); port 0 with an address is -EINVAL. @return 0 or -errno.
 */
int tcpstack_tcp_listen(struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport,
			const struct tcpstack_tcp_ops *ops, void *user);
/** Is there a connection (TIME_WAIT included) for this 4-tuple? */
bool tcpstack_tcp_has_conn(const struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport,
			   uint32_t raddr, uint16_t rport);
/**
 * Answer the segment in frame @p m with a RST, as a closed port would
 * (RFC 9293 3.10.7.1), whatever listeners exist: how a proxy refuses a
 * SYN it held. Consumes @p m.
 */
void tcpstack_tcp_reset_segment(struct tcpstack_tcp *s, struct rte_mbuf *m, uint64_t now);
/** Stop accepting (existing connections go on). */
void tcpstack_tcp_unlisten(struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport);

/**
 * Open a connection (addresses network order, ports host order; lport 0
 * picks a free one). The SYN leaves at once. @return NULL and sets *err.
 */
struct tcpstack_conn *tcpstack_tcp_connect(struct tcpstack_tcp *s, uint32_t laddr, uint16_t lport,
					   uint32_t raddr, uint16_t rport,
					   const struct tcpstack_tcp_ops *ops, void *user,
					   uint64_t now, int *err);

/** Bytes tcpstack_tcp_send() would take now. */
uint32_t tcpstack_tcp_send_space(const struct tcpstack_conn *c);
/**
 * Queue the payload chain @p m (all of it, or none: -ENOBUFS if it does not
 * fit, -ENOTCONN before CONNECTED, -EPIPE after shutdown). Consumes @p m on
 * success.
 */
int tcpstack_tcp_send(struct tcpstack_conn *c, struct rte_mbuf *m, uint64_t now);
/**
 * Take in-order data: whole received segments, up to @p max bytes (at least
 * one segment if any). @return a chain (pkt_len set) or NULL.
 */
struct rte_mbuf *tcpstack_tcp_recv(struct tcpstack_conn *c, uint32_t max, uint64_t now);
/** Bytes waiting in the receive queue. */
uint32_t tcpstack_tcp_recv_avail(const struct tcpstack_conn *c);
/** Send FIN after queued data (half-close). */
void tcpstack_tcp_shutdown(struct tcpstack_conn *c, uint64_t now);
/**
 * Shut down and let the engine finish the close on its own; the user gets
 * no more events (and must not touch @p c again).
 */
void tcpstack_tcp_close(struct tcpstack_conn *c, uint64_t now);
/** Send RST and free now; no event follows. */
void tcpstack_tcp_abort(struct tcpstack_conn *c, uint64_t now);

/** Per-connection knobs. */
void tcpstack_tcp_set_nagle(struct tcpstack_conn *c, bool on);
/**
 * Low latency (off by default): no Nagle (off again: the stack's default);
 * a data segment with PSH (the end of what the sender had) is acknowledged
 * at once instead of after the delayed-ACK timer; and a tail loss probe
 * (RFC 8985 7) when no ACK came for SRTT + max(4 RTTVAR, SRTT / 2) with
 * data in flight (not in loss recovery): the last MSS sent goes again,
 * once per flight, with no change to the congestion window, so a lost last
 * segment costs about 3 RTTs rather than an RTO (200 ms at least). The
 * timeout has no delayed-ACK allowance: for connections both ends of
 * which are boxes (MPTCP subflows between gateways), which acknowledge a
 * PSH at once.
 */
void tcpstack_tcp_set_low_latency(struct tcpstack_conn *c, bool on);
/**
 * Congestion control by name: "cubic", "newreno" ("reno"), or MPTCP's
 * coupled "lia" (RFC 6356) and "olia", which act as NewReno unless the
 * connection shares a group (tcpstack_tcp_set_cc_group()) with others
 * running the same one. @return 0, or -ENOENT for an unknown name.
 */
int tcpstack_tcp_set_cc(struct tcpstack_conn *c, const char *name, uint64_t now);
/** Whether tcpstack_tcp_set_cc() knows @p name. */
bool tcpstack_cc_known(const char *name);

/**
 * A group of connections (MPTCP subflows, at most 8) whose coupled
 * congestion control ("lia", "olia") weighs them together. Used from one
 * lcore, like its connections. @return NULL when out of memory.
 */
struct tcpstack_cc_group *tcpstack_cc_group_create(void);
/**
 * Free @p g (NULL: nothing). Connections still in it leave it and carry on
 * uncoupled, so the group may go before its subflows have closed.
 */
void tcpstack_cc_group_destroy(struct tcpstack_cc_group *g);
/**
 * Put @p c in group @p g (leaving the one it was in), or take it out of its
 * group with @p g NULL. Membership outlives tcpstack_tcp_set_cc(): members
 * running another algorithm are simply not weighed. A connection leaves by
 * itself once it sends no more data (FIN_WAIT_2, TIME_WAIT) and before it
 * is freed. @return 0; -ENOSPC when @p g is full, -ENOTCONN for such a
 * finished connection (membership unchanged in both cases).
 */
int tcpstack_tcp_set_cc_group(struct tcpstack_conn *c, struct tcpstack_cc_group *g);
void tcpstack_tcp_set_bufs(struct tcpstack_conn *c, uint32_t sndbuf, uint32_t rcvbuf);
/**
 * Keepalive (RFC 9293 3.8.4, RFC 1122 4.2.3.6; off by default): after
 * @p idle_s seconds without a segment from the peer, probe every
 * @p intvl_s seconds [75]; after @p count [9] unanswered probes, reset the
 * connection (CLOSED with ETIMEDOUT). idle_s 0 turns it off.
 */
void tcpstack_tcp_set_keepalive(struct tcpstack_conn *c, uint32_t idle_s, uint32_t intvl_s,
				unsigned count, uint64_t now);
/**
 * Give @p c another user (and ops). Done on a listener's connection while
 * it is half-open (from read_opt on its SYN), it also makes the engine tell
 * that user CLOSED should the handshake never complete.
 */
void tcpstack_tcp_set_user(struct tcpstack_conn *c, const struct tcpstack_tcp_ops *ops, void *user);
/**
 * Option bytes the user's write_opts may add to a data segment: payload
 * shrinks by as much, so the segment still fits the MSS (MPTCP's DSS).
 */
void tcpstack_tcp_set_opt_room(struct tcpstack_conn *c, unsigned bytes);
/**
 * Send a pure ACK now (synchronized states only), so that what the user's
 * write_opts has to say (a DATA_ACK, a DATA_FIN, an ADD_ADDR) goes out
 * without waiting for data.
 */
void tcpstack_tcp_ack_now(struct tcpstack_conn *c, uint64_t now);
/** SND.UNA: the stream is acknowledged up to here (for users mapping it). */
uint32_t tcpstack_tcp_snd_una(const struct tcpstack_conn *c);
/** Bytes queued to send and not yet acknowledged (sent or not). */
uint32_t tcpstack_tcp_sndq_bytes(const struct tcpstack_conn *c);

/** What mgmt and tests may read of a connection. */
struct tcpstack_tcp_info {
	const char *state;
	uint32_t laddr, raddr; /**< network order */
	uint16_t lport, rport; /**< host order */
	uint32_t srtt_us, rto_us, cwnd, ssthresh, snd_wnd, rcv_wnd, mss;
	uint32_t iss, irs; /**< initial sequence numbers, ours and the peer's */
	uint32_t snd_una, sndq_bytes, inflight;
	uint64_t bytes_acked, bytes_received, retrans_segs;
	uint64_t retrans_bytes; /**< payload sent again */
};
void tcpstack_tcp_get_info(const struct tcpstack_conn *c, struct tcpstack_tcp_info *i);

#endif
