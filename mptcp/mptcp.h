/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * MPTCP (RFC 8684, version 1) over the tcpstack adaptation interface.
 *
 * An mptcp_sock is one byte stream carried by one or more TCP subflows,
 * each a tcpstack connection whose option hooks this module fills. The
 * user's side mirrors tcpstack's: listen, connect, send and receive mbuf
 * chains, shutdown, close, abort, events. A peer without MPTCP, or a path
 * that strips its options, leaves a connection that works as plain TCP
 * (fallback); the user sees no difference but in the info.
 *
 * Like tcpstack, this is protocol code: packets (through tcpstack) and
 * `now` in, packets and timer deadlines out; no clock, no port.
 */
#ifndef MPGW_MPTCP_MPTCP_H
#define MPGW_MPTCP_MPTCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "tcpstack/tcpstack.h"

/* Counters, one per reason (the Linux MIB habit). */
#define MPTCP_MIB_LIST(X)                                                         \
	X(MPC_ACTIVE, "mptcp_mpc_active") /* connects offering MPTCP */           \
	X(MPC_PASSIVE, "mptcp_mpc_passive") /* MPTCP connections accepted */      \
	X(MPC_SYN_NO_MPC, "mptcp_passive_plain_tcp") /* SYN without MP_CAPABLE */ \
	X(FALLBACK_SYNACK, "mptcp_fallback_synack_no_mpc")                        \
	X(FALLBACK_BLACKHOLE, "mptcp_fallback_syn_blackhole")                     \
	X(FALLBACK_NO_DSS, "mptcp_fallback_no_dss")                               \
	X(FALLBACK_CSUM, "mptcp_fallback_csum")                                   \
	X(FALLBACK_INFINITE, "mptcp_fallback_infinite_map_rx")                    \
	X(MPC_BAD_KEY, "mptcp_drop_mpc_bad_key")                                  \
	X(MPC_VERSION, "mptcp_mpc_version_not_1")                                 \
	/* its listener closed during the handshake */                            \
	X(LISTENER_GONE, "mptcp_accept_listener_gone")                            \
	X(TOKEN_COLLISION, "mptcp_token_collision")                               \
	X(TOKEN_FULL, "mptcp_token_table_full")                                   \
	X(JOIN_SYN_RX, "mptcp_join_syn_rx")                                       \
	X(JOIN_SYN_NO_TOKEN, "mptcp_join_syn_unknown_token")                      \
	X(JOIN_SYN_LIMIT, "mptcp_join_syn_over_limit")                            \
	X(JOIN_SYN_REMOVED, "mptcp_join_syn_addr_removed")                        \
	X(JOIN_SYNACK_BAD_HMAC, "mptcp_join_synack_bad_hmac")                     \
	X(JOIN_ACK_BAD_HMAC, "mptcp_join_ack_bad_hmac")                           \
	/* a join's third ACK after its connection ended */                       \
	X(JOIN_ACK_CONN_GONE, "mptcp_join_ack_conn_gone")                         \
	X(JOIN_OK, "mptcp_join_ok")                                               \
	X(JOIN_TX, "mptcp_join_syn_tx")                                           \
	X(JOIN_FAILED, "mptcp_join_failed")                                       \
	X(OPT_MALFORMED, "mptcp_drop_option_malformed")                           \
	X(DSS_NO_MAP, "mptcp_data_without_mapping")                               \
	X(DSS_BAD_MAP, "mptcp_dss_mapping_bad")                                   \
	X(DSS_CSUM_BAD, "mptcp_dss_checksum_bad")                                 \
	X(DATA_DUP, "mptcp_data_duplicate")                                       \
	X(DATA_OFO_FULL, "mptcp_drop_ofo_full")                                   \
	X(REINJECT_BYTES, "mptcp_reinjected_bytes")                               \
	X(REINJECT_EVENTS, "mptcp_reinjections")                                  \
	/* acknowledged by a subflow, never by the DATA_ACK: sent again */        \
	X(DATA_RTX, "mptcp_data_retransmits")                                     \
	/* the peer's window is full behind a byte one subflow is slow to    */   \
	/* deliver: that byte sent again on another                          */   \
	X(OPPORTUNISTIC_RTX, "mptcp_opportunistic_retransmits")                   \
	X(SUBFLOW_STALE, "mptcp_subflow_stale")                                   \
	X(SUBFLOW_CLOSED, "mptcp_subflow_closed")                                 \
	X(ADD_ADDR_TX, "mptcp_add_addr_tx")                                       \
	X(ADD_ADDR_RX, "mptcp_add_addr_rx")                                       \
	X(ADD_ADDR_BAD_HMAC, "mptcp_add_addr_bad_hmac")                           \
	X(RM_ADDR_TX, "mptcp_rm_addr_tx")                                         \
	X(RM_ADDR_RX, "mptcp_rm_addr_rx")                                         \
	X(PRIO_TX, "mptcp_mp_prio_tx")                                            \
	X(PRIO_RX, "mptcp_mp_prio_rx")                                            \
	X(FAIL_RX, "mptcp_mp_fail_rx")                                            \
	X(FASTCLOSE_TX, "mptcp_fastclose_tx")                                     \
	X(FASTCLOSE_RX, "mptcp_fastclose_rx")                                     \
	X(TCPRST_TX, "mptcp_tcprst_tx")                                           \
	X(TCPRST_RX, "mptcp_tcprst_rx")                                           \
	/* a path the peer refused for good (MP_TCPRST without T): no retry */    \
	X(PATH_REFUSED, "mptcp_path_refused")                                     \
	X(NO_MBUF, "mptcp_no_mbuf")

enum mptcp_mib {
#define MPTCP_MIB_ENUM(id, name) MPTCP_MIB_##id,
	MPTCP_MIB_LIST(MPTCP_MIB_ENUM)
#undef MPTCP_MIB_ENUM
		MPTCP_MIB_MAX
};

extern const char *const mptcp_mib_names[MPTCP_MIB_MAX];

struct mptcp_mib_counters {
	uint64_t v[MPTCP_MIB_MAX];
};

struct mptcp_stack;
struct mptcp_sock;

enum mptcp_event {
	MPTCP_EV_CONNECTED, /**< first subflow up (MPTCP or fallen back) */
	MPTCP_EV_READABLE, /**< in-order data waits */
	MPTCP_EV_WRITABLE, /**< room to send again after a refusal or a fill */
	MPTCP_EV_PEER_FIN, /**< DATA_FIN (or FIN, fallen back): nothing more comes */
	MPTCP_EV_CLOSED, /**< over: err 0, ECONNRESET, ECONNREFUSED, ETIMEDOUT,
			   *   ECONNABORTED */
};

struct mptcp_ops {
	void (*event)(void *user, struct mptcp_sock *m, enum mptcp_event ev, int err);
	/** A listener's connection is up: user pointer for it, or NULL to refuse. */
	void *(*accept)(void *listener_user, struct mptcp_sock *m);
};

/** Per-lcore parameters; zero fields take the defaults in brackets. */
struct mptcp_params {
	unsigned max_conns; /**< token table [65536] */
	unsigned max_subflows; /**< per connection, the first included [8] */
	uint32_t sndbuf, rcvbuf; /**< connection level [4 MiB each] */
	bool checksum; /**< ask for DSS checksums (the peer may too) */
	const char *scheduler; /**< "roundrobin" [default], "minrtt", "redundant" */
	const char *cc; /**< subflows' congestion control [the stack's] */
	unsigned mpc_syn_tries; /**< SYNs with MP_CAPABLE before one without [3] */
	/** Keys and nonces; NULL: OpenSSL's RAND_bytes. */
	int (*rand)(void *ctx, void *buf, size_t len);
	void *rand_ctx;
};

struct mptcp_stack *mptcp_stack_create(const struct mptcp_params *p, struct tcpstack_tcp *tcp,
				       struct rte_mempool *pool, struct mptcp_mib_counters *mib);
/** Connections still open end (ECONNABORTED); then everything is freed. */
void mptcp_stack_destroy(struct mptcp_stack *st);

/**
 * An address of ours with its MPTCP address id (1..255; 0 is the initial
 * subflow's). With @p announce, connections accepted on another address
 * tell peers about it (ADD_ADDR), so they may join to it.
 */
int mptcp_stack_add_addr(struct mptcp_stack *st, uint32_t addr, uint8_t id, bool announce);

/**
 * Address @p id leaves the stack: it is announced no more, no subflow is
 * opened from it, and joins to it are refused (until it is added again).
 * In every connection its subflows close gracefully: nothing new goes on
 * them, what they hold that is not DATA_ACKed goes again on the others,
 * they send FIN and take in what the peer still sends until its FIN; the
 * peer is told with REMOVE_ADDR (RFC 8684 3.4.2) if it knows the address
 * (announced to it, or a subflow's). A connection with no working subflow
 * on another address keeps its subflows from it and says nothing: closing
 * them would end it (that is mptcp_abort()'s job).
 * @return 0, or -ENOENT (no such id).
 */
int mptcp_stack_remove_addr(struct mptcp_stack *st, uint8_t id, uint64_t now);

/**
 * Subflows from our address @p laddr become backup (or regular again), in
 * every connection and in those to come (RFC 8684 3.3.8): a backup one
 * carries data only when no regular one works. Each subflow that changes
 * tells the peer with MP_PRIO, so that it stops (or starts) sending on it
 * too. @p laddr must have been added (mptcp_stack_add_addr()).
 * @return 0, or -ENOENT.
 */
int mptcp_stack_set_addr_backup(struct mptcp_stack *st, uint32_t laddr, bool backup, uint64_t now);

/** Run due timers (tcpstack's are run by its owner). */
void mptcp_stack_timers(struct mptcp_stack *st, uint64_t now);
uint64_t mptcp_stack_next_timer(const struct mptcp_stack *st);
unsigned mptcp_stack_conn_count(const struct mptcp_stack *st);

/** Accept MPTCP (and plain TCP, fallen back) at @p laddr (0: any) : @p lport. */
int mptcp_listen(struct mptcp_stack *st, uint32_t laddr, uint16_t lport,
		 const struct mptcp_ops *ops, void *user);

/**
 * Stop accepting at @p laddr : @p lport. Connections accepted go on; one
 * still in its handshake is reset when it completes (counted as
 * mptcp_accept_listener_gone), so that no accept reaches the listener's
 * user after this returns. @return 0, or -ENOENT.
 */
int mptcp_unlisten(struct mptcp_stack *st, uint32_t laddr, uint16_t lport);

/** Open a connection; its first subflow's SYN leaves at once. NULL: *err. */
struct mptcp_sock *mptcp_connect(struct mptcp_stack *st, uint32_t laddr, uint16_t lport,
				 uint32_t raddr, uint16_t rport, const struct mptcp_ops *ops,
				 void *user, uint64_t now, int *err);

/**
 * One more subflow from @p laddr (port chosen) to @p raddr : @p rport
 * (MP_JOIN), once the connection is established with MPTCP; before that
 * it is remembered and opened then. With @p backup it carries data only
 * when no regular subflow can. @return 0 or -errno.
 */
int mptcp_add_subflow(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint16_t rport,
		      bool backup, uint64_t now);

/**
 * The path from our @p laddr to the peer's @p raddr leaves this connection
 * (an operator removed it): it is not opened again, and its subflows close
 * gracefully as for mptcp_stack_remove_addr(): nothing new on them, what
 * they hold not DATA_ACKed goes again on the others, FIN, and what the
 * peer still sends is taken in. Unless no other subflow works: then they
 * stay (the connection would end). Both addresses stay in use by other
 * paths, so the peer hears FIN, not REMOVE_ADDR. @return 0, -ENOENT (no
 * such path or subflow), -ENOTCONN.
 */
int mptcp_remove_path(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint64_t now);

/**
 * This connection's subflows from our address @p laddr become backup (or
 * regular): by address rather than by subflow, as indexes change when
 * subflows come and go, and so that the paths the connection reopens from
 * @p laddr keep it. Each subflow that changes sends MP_PRIO once, on its
 * next segment (a pure ACK at once when it can; MP_PRIO has no ack); one
 * still in its handshake sends it once established. @return 0; -ENOENT
 * when no subflow or path of the connection uses @p laddr; -EOPNOTSUPP
 * when it fell back to plain TCP.
 */
int mptcp_set_backup(struct mptcp_sock *m, uint32_t laddr, bool backup, uint64_t now);

/**
 * The packet scheduler of this connection ("roundrobin", "minrtt",
 * "redundant"); the stack's until set. @return 0, or -ENOENT.
 */
int mptcp_set_scheduler(struct mptcp_sock *m, const char *name);
/**
 * Congestion control of this connection's subflows, as tcpstack names it;
 * "lia" (RFC 6356) and "olia" couple the subflows (uncoupled CUBIC, the
 * usual default, ramps faster on fast paths). Best set right after
 * connect or accept: a subflow's window starts over when it changes.
 * @return 0, -ENOENT (unknown name) or -ENOMEM.
 */
int mptcp_set_cc(struct mptcp_sock *m, const char *name, uint64_t now);

uint32_t mptcp_send_space(const struct mptcp_sock *m);
/** As tcpstack_tcp_send(): all of @p m or nothing (-ENOBUFS, -ENOTCONN, -EPIPE). */
int mptcp_send(struct mptcp_sock *m, struct rte_mbuf *m_data, uint64_t now);
/**
 * In-order data, up to @p max bytes (at least one segment if any). After
 * the queue was full, what the subflows held back comes in first, and that
 * may bring the peer's DATA_FIN: the user's PEER_FIN (and CLOSED) handler
 * can run for this connection before the call returns.
 */
struct rte_mbuf *mptcp_recv(struct mptcp_sock *m, uint32_t max, uint64_t now);
uint32_t mptcp_recv_avail(const struct mptcp_sock *m);
/** DATA_FIN after queued data. */
void mptcp_shutdown(struct mptcp_sock *m, uint64_t now);
/** Shut down and let the connection finish on its own; no more events. */
void mptcp_close(struct mptcp_sock *m, uint64_t now);
/** MP_FASTCLOSE: every subflow reset, now; no event follows. */
void mptcp_abort(struct mptcp_sock *m, uint64_t now);

struct mptcp_info {
	bool fallback; /**< plain TCP */
	bool checksum; /**< DSS checksums in use */
	unsigned subflows; /**< established now */
	unsigned subflows_ever; /**< established since the start */
	uint64_t bytes_sent, bytes_acked, bytes_received; /**< data level */
	uint64_t reinjected_bytes;
	uint32_t local_token, remote_token;
	const char *scheduler; /**< the packet scheduler's name */
	const char *cc; /**< the subflows' congestion control; "" the stack's */
};
void mptcp_get_info(const struct mptcp_sock *m, struct mptcp_info *i);

/**
 * With @p on, the connection's subflows, now and to come, run in
 * tcpstack's low-latency mode (tcpstack_tcp_set_low_latency()): no Nagle
 * (a relay's bytes were already coalesced by the host that sent them, and a
 * request held for a delayed ACK waits 40 ms), PSH acknowledged at once,
 * and tail loss probes, so that a lost last segment does not stall a
 * subflow for an RTO.
 */
void mptcp_set_nodelay(struct mptcp_sock *m, bool on);

/**
 * With @p on, the connection opens subflows only along the paths given by
 * mptcp_add_subflow(), not towards addresses the peer announces: for
 * peers whose paths are configured pairwise (a gateway and its peer).
 */
void mptcp_set_paths_only(struct mptcp_sock *m, bool on);

/**
 * The connection's MPTCP keys, ours and the peer's (RFC 8684 3.1), which a
 * user may bind its own authentication to. Both are 0 after a fallback
 * that happened before they were exchanged. @return 0, or -EAGAIN while
 * the peer's key is still to come (its third ACK was lost).
 */
int mptcp_get_keys(const struct mptcp_sock *m, uint64_t *local, uint64_t *remote);

struct mptcp_subflow_info {
	struct tcpstack_tcp_info tcp;
	uint8_t local_id, remote_id;
	bool backup; /**< ours or the peer's (MP_JOIN's B flag, MP_PRIO) */
	bool local_backup, peer_backup; /**< each side's, apart */
	bool join, established;
	bool closing; /**< leaving (address removed): FIN sent, still reading */
	uint64_t bytes_mapped; /**< data-level bytes sent on it, reinjections included */
};
/** Subflow @p idx (0..): 0, or -ENOENT past the last. */
int mptcp_get_subflow_info(const struct mptcp_sock *m, unsigned idx, struct mptcp_subflow_info *i);

#endif
