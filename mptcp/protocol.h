/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPTCP engine's structures (internal to mptcp): the per-lcore stack,
 * the connection (data level, protocol.c) and its subflows (subflow.c).
 *
 * Lifetimes: a connection or subflow that ends is marked dead and freed
 * when the outermost call into this module returns (st->busy back to 0),
 * the same rule as tcpstack's, so a user's event handler may close or abort
 * from anywhere. */
#ifndef MPGW_MPTCP_PROTOCOL_H
#define MPGW_MPTCP_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "mptcp/mptcp.h"
#include "mptcp/reass.h"
#include "mptcp/sched.h"
#include "mptcp/token.h"

#define MPTCP_ADDRS_MAX 16
#define MPTCP_PATHS_MAX 8
#define MPTCP_RM_PENDING 8 /* ids waiting for a REMOVE_ADDR, per connection */

struct mptcp_path {
	uint32_t laddr, raddr;
	uint16_t rport;
	bool backup;
	uint8_t remote_id; /* announced by the peer; 0: configured */
	uint16_t peer_id1; /* the peer's id for raddr (a join's SYN-ACK), + 1; 0: not known */
	struct mptcp_subflow *sf; /* the attempt or subflow now; NULL between */
	uint64_t retry_at;
	uint32_t backoff_ms;
};

struct mptcp_listener {
	struct mptcp_stack *st;
	const struct mptcp_ops *ops;
	void *user;
	uint32_t laddr;
	uint16_t lport;
	bool open;
	uint32_t gen; /* bumped by each listen in this slot: what a passive
		       * subflow took at its SYN must match at its accept */
	/* a join refused at its SYN: the RST being sent carries MP_TCPRST */
	bool rst_armed;
	uint8_t rst_flags, rst_reason;
};

struct mptcp_stack {
	struct mptcp_params p;
	struct tcpstack_tcp *tcp;
	struct rte_mempool *pool;
	struct mptcp_mib_counters *mib;
	struct mptcp_token_table *tokens;
	const struct mptcp_sched_ops *sched;
	struct {
		uint32_t addr;
		uint8_t id;
		bool announce;
		bool backup; /* subflows from it are backup (MP_JOIN's B, MP_PRIO) */
	} addrs[MPTCP_ADDRS_MAX];
	unsigned n_addrs;
	uint32_t removed[MPTCP_ADDRS_MAX]; /* addresses removed: joins to them refused */
	unsigned n_removed;
	struct mptcp_listener listeners[16]; /* the far side's, services', peers' */
	unsigned n_listeners;
	struct mptcp_sock *conns; /* every live connection (timers walk it) */
	unsigned n_conns;
	unsigned busy; /* calls in progress: frees wait for 0 */
	struct mptcp_sock *dead_socks;
	struct mptcp_subflow *dead_subflows;
	uint64_t now; /* of the call in progress, for hooks that get none */
};

/* One DSS mapping: subflow bytes [seq, seq + len) carry data [dsn, ...). */
struct mptcp_map {
	uint32_t seq; /* absolute subflow sequence number */
	uint32_t len; /* payload bytes (a DATA_FIN is not counted here) */
	uint64_t dsn;
	uint16_t csum; /* tx: computed when mapped, if checksums are on */
	bool fin; /* rx: the mapping ends with a DATA_FIN */
};

struct mptcp_maps {
	struct mptcp_map *v;
	unsigned head, n, cap; /* ring */
};

enum mptcp_sf_state {
	SF_CONNECTING, /* SYN sent or received */
	SF_PREEST, /* active join: third ACK sent, waiting for the peer's ACK */
	SF_ESTABLISHED,
	SF_CLOSED,
};

struct mptcp_subflow {
	struct mptcp_stack *st;
	struct mptcp_sock *msk; /* NULL for a passive one until accepted */
	struct mptcp_listener *lst; /* passive: where it came in */
	uint32_t lst_gen; /* lst->gen then */
	struct tcpstack_conn *tc;
	struct mptcp_subflow *next; /* in msk->subflows, or the dead list */
	enum mptcp_sf_state state;
	bool active; /* we sent the SYN */
	bool join; /* MP_JOIN, not the initial subflow */
	bool mpc; /* MP_CAPABLE agreed (initial subflow) */
	bool mpc_ack_seen; /* passive: the third ACK's MP_CAPABLE arrived */
	bool dss_early; /* passive: a DSS before the handshake completed */
	bool join_ok; /* join: HMAC verified */
	bool peer_spoke; /* a DSS or data from the peer after the handshake */
	bool backup, peer_backup;
	bool prio_pending; /* our backup flag changed: MP_PRIO on the next ACK */
	bool rst_tcprst; /* our RST for it carries MP_TCPRST (not a FASTCLOSE) */
	bool peer_refused; /* the peer's RST said MP_TCPRST without T: not again */
	bool peer_fastclose; /* the peer's RST carried our key in MP_FASTCLOSE */
	uint8_t rst_flags, rst_reason;
	bool stale; /* holds data it does not deliver: nothing new scheduled */
	bool retiring; /* leaving (address removed): FIN sent, still reading */
	bool fin_dss; /* the peer's FIN came with a DSS: it still speaks MPTCP here */
	uint64_t retire_at; /* closed for good then, if the peer's FIN is late */
	bool dead;
	uint8_t local_id, remote_id;
	uint8_t syn_tx;
	uint32_t local_nonce, remote_nonce;
	uint64_t remote_key; /* passive initial: from the third ACK */
	uint64_t local_key; /* passive initial: drawn at the SYN */
	bool csum; /* the peer asked for checksums (passive initial) */
	uint16_t first_data_len; /* passive initial: MP_CAPABLE with data */
	bool first_has_csum;
	uint16_t first_csum;
	uint32_t join_token; /* passive join: the connection it joins */
	uint64_t join_thmac; /* passive join: our SYN-ACK's HMAC */
	uint8_t join_hmac[20]; /* active join: our third ACK's HMAC */
	uint32_t fb_seq; /* fallen back: subflow byte fb_seq is data fb_dsn */
	uint64_t fb_dsn;
	uint32_t iss, irs;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	/* tx: mappings of the data queued on this subflow, in seq order */
	struct mptcp_maps tx;
	uint32_t tx_seq; /* where the next byte queued will go */
	uint32_t snd_una_seen; /* for stall detection */
	uint64_t stall_since;
	/* rx: mappings announced, in seq order, not yet fully read */
	struct mptcp_maps rx;
	uint32_t rx_seq; /* the next subflow byte to read */
	struct rte_mbuf *hold; /* checksums on: this mapping's bytes so far */
	uint32_t hold_len;
	uint32_t hold_sum; /* one's-complement sum of hold, as read */
	uint64_t bytes_mapped;
	uint64_t rx_end_dsn; /* the data sequence just after the last byte read */
	int path; /* index in msk->paths of an active join, or -1 */
};

enum mptcp_msk_state {
	MSK_CONNECTING,
	MSK_ESTABLISHED,
	MSK_CLOSED,
};

/* Data waiting for its DATA_ACK: one mbuf segment each (a user's chain is
 * split into its segments), in dsn order. */
struct mptcp_sndbuf {
	struct rte_mbuf **m;
	unsigned head, n, cap; /* ring */
	uint64_t dsn0; /* dsn of m[head]'s first byte */
	uint64_t bytes;
};

struct mptcp_reinject {
	uint64_t dsn;
	uint32_t len;
};

struct mptcp_sock {
	struct mptcp_stack *st;
	const struct mptcp_ops *ops;
	void *user;
	struct mptcp_sock *next, *prev; /* st->conns */
	struct mptcp_subflow *subflows;
	unsigned n_subflows, subflows_ever;
	enum mptcp_msk_state state;
	bool server;
	bool fallback;
	bool csum;
	bool closed_by_user; /* no more events */
	bool dead;
	bool connected_told;
	bool err_fastclose; /* resets carry MP_FASTCLOSE */
	bool nodelay; /* subflows without Nagle (mptcp_set_nodelay) */
	bool paths_only; /* joins only along mptcp_add_subflow()'s paths */
	bool keys_pending; /* server: the third ACK was lost, data came with a
			    * DSS; the client's key comes with its resent
			    * first data (MP_CAPABLE) */

	uint64_t local_key, remote_key;
	uint32_t local_token, remote_token;
	uint64_t local_idsn, remote_idsn;

	/* send, data level */
	struct mptcp_sndbuf sndq; /* snd_una .. snd_una + bytes */
	uint64_t snd_una, snd_nxt; /* acked; next to map */
	uint64_t wnd_end; /* the peer's window: send below this */
	uint32_t sndbuf;
	bool want_writable;
	bool fin_queued; /* user shut down: DATA_FIN at snd_una + sndq.bytes */
	bool fin_acked;
	uint64_t fin_sent_at;
	struct mptcp_reinject *rj; /* ranges to send again, on other subflows */
	unsigned rj_n, rj_cap;
	uint64_t rtx_at; /* data-level retransmission check */
	unsigned rtx_backoff; /* head retransmissions since the DATA_ACK moved */
	uint64_t orx_una; /* the DATA_ACK an opportunistic retransmission was for, + 1 */
	unsigned rr_next; /* round robin cursor */
	void *sched_priv[2];
	const struct mptcp_sched_ops *sched; /* the stack's unless set */
	char cc[16]; /* subflows' congestion control; "": the stack's */
	struct tcpstack_cc_group *ccg; /* coupled ("lia", "olia"): the subflows */

	/* receive, data level */
	uint64_t rcv_nxt;
	struct rte_mbuf *rcvq_head, *rcvq_tail;
	uint32_t rcvq_bytes;
	uint32_t rcvbuf;
	bool rx_throttled; /* a subflow's data waits for room here */
	bool in_recv; /* mptcp_recv() is taking in held-back data */
	struct mptcp_reass ooo;
	bool rcv_fin; /* DATA_FIN received (in order) */
	bool rcv_fin_known;
	uint64_t rcv_fin_dsn;

	/* paths the path manager keeps open (pm.c) */
	struct mptcp_path paths[MPTCP_PATHS_MAX];
	unsigned n_paths;
	bool dss_sent; /* our first DSS went out */
	uint32_t announce_todo; /* st->addrs to put in an ADD_ADDR (bits) */
	uint32_t announce_unechoed; /* sent, echo not seen */
	uint32_t announce_sent; /* sent at least once: the peer knows them */
	uint64_t announce_at; /* (re)send then */
	unsigned announce_tries;
	bool announce_armed; /* the pure ACK being built carries an ADD_ADDR */
	uint8_t echo_id; /* ADD_ADDR echo to send, id + 1 (0: none) */
	uint32_t echo_addr;
	uint16_t echo_port;
	uint8_t rm_ids[MPTCP_RM_PENDING]; /* our ids to put in a REMOVE_ADDR */
	unsigned rm_n;
	uint32_t laddr0; /* the initial subflow's address: our id 0 */

	uint64_t bytes_sent, bytes_received, reinjected;
};

static inline void mptcp_count(struct mptcp_stack *st, enum mptcp_mib w)
{
	st->mib->v[w]++;
}

static inline void mptcp_count_n(struct mptcp_stack *st, enum mptcp_mib w, uint64_t n)
{
	st->mib->v[w] += n;
}

/* protocol.c: the data level */
struct mptcp_sock *mptcp_sock_new(struct mptcp_stack *st, const struct mptcp_ops *ops, void *user);
void mptcp_sock_event(struct mptcp_sock *m, enum mptcp_event ev, int err);
void mptcp_sock_established(struct mptcp_sock *m, uint64_t now);
void mptcp_sock_fallback(struct mptcp_sock *m, enum mptcp_mib why);
void mptcp_sock_push(struct mptcp_sock *m, uint64_t now);
void mptcp_sock_data_acked(struct mptcp_sock *m, uint64_t data_ack, struct mptcp_subflow *sf,
			   uint64_t now);
void mptcp_sock_rx(struct mptcp_sock *m, uint64_t dsn, struct rte_mbuf *seg, uint32_t len,
		   uint64_t now);
void mptcp_sock_rx_fin(struct mptcp_sock *m, uint64_t fin_dsn, uint64_t now);
void mptcp_sock_subflow_gone(struct mptcp_sock *m, struct mptcp_subflow *sf, int err, uint64_t now);
/* @sf leaves gracefully: nothing new on it, what it holds goes on the
 * others, FIN; what the peer still sends on it is taken in until its FIN. */
void mptcp_sock_subflow_retire(struct mptcp_sock *m, struct mptcp_subflow *sf, uint64_t now);
void mptcp_sock_done(struct mptcp_sock *m, int err);
void mptcp_sock_timers(struct mptcp_sock *m, uint64_t now);
uint64_t mptcp_sock_next_timer(const struct mptcp_sock *m);
void mptcp_reap(struct mptcp_stack *st);

/* subflow.c: one TCP connection's MPTCP side */
extern const struct tcpstack_tcp_ops mptcp_subflow_ops;
extern const struct tcpstack_tcp_ops mptcp_listener_ops;
struct mptcp_subflow *mptcp_subflow_new(struct mptcp_stack *st);
int mptcp_subflow_connect(struct mptcp_sock *m, struct mptcp_subflow *sf, uint32_t laddr,
			  uint16_t lport, uint32_t raddr, uint16_t rport, uint64_t now);
/* Queue data [dsn, dsn + len) of the connection's send buffer on @sf as one
 * mapping. @return 0, or -errno (nothing queued). */
int mptcp_subflow_send(struct mptcp_subflow *sf, uint64_t dsn, uint32_t len, uint64_t now);
/* Bytes the subflow takes now. */
uint32_t mptcp_subflow_room(struct mptcp_subflow *sf);
bool mptcp_subflow_usable(const struct mptcp_subflow *sf);
void mptcp_subflow_drain(struct mptcp_subflow *sf, uint64_t now);
void mptcp_subflow_close(struct mptcp_subflow *sf, uint64_t now);
/* RST: with MP_FASTCLOSE when the whole connection is being torn down,
 * else with MP_TCPRST saying @reason (MPTCP_RST_E*; @transient: the T
 * flag, the peer may try the subflow again). */
void mptcp_subflow_reset(struct mptcp_subflow *sf, uint8_t reason, bool transient, uint64_t now);
/* Our backup flag for @sf changed: tell the peer (MP_PRIO) on its next
 * pure ACK, sent now if the subflow can. */
void mptcp_subflow_set_backup(struct mptcp_subflow *sf, bool backup, uint64_t now);
void mptcp_subflow_free(struct mptcp_subflow *sf);
/* Mappings above @dsn_una not yet acknowledged at the subflow level. */
void mptcp_subflow_unacked(struct mptcp_subflow *sf,
			   void (*fn)(struct mptcp_sock *, uint64_t, uint32_t), uint64_t dsn_una);
void mptcp_subflow_prune(struct mptcp_subflow *sf);
/* Data byte @dsn is mapped on @sf and not yet acknowledged there: the bytes
 * from it to the end of its mapping; else 0. */
uint32_t mptcp_subflow_held(const struct mptcp_subflow *sf, uint64_t dsn);
/* A new subflow's connection exists: give it the connection's congestion
 * control (and coupling group). */
void mptcp_sock_subflow_tune(struct mptcp_sock *m, struct mptcp_subflow *sf, uint64_t now);
/* Fallen back: the dsn the subflow's SND.UNA stands for (0: unknown), and
 * the data level told so. */
uint64_t mptcp_subflow_fallback_una(const struct mptcp_subflow *sf);
void mptcp_subflow_fallback_acked(struct mptcp_subflow *sf, uint64_t now);

/* An indirect chain over [dsn, dsn + len) of @m's send buffer (NULL: no mbuf). */
struct rte_mbuf *mptcp_sndbuf_clone(struct mptcp_sock *m, uint64_t dsn, uint32_t len);
/* Add @n bytes at @p to the one's-complement sum @sum of a stream whose
 * first byte was at offset 0 (@p's first byte is at @off: an odd offset
 * swaps the halves). The form mptcp_dss_csum() takes. */
uint32_t mptcp_csum_add(uint32_t sum, const uint8_t *p, uint32_t n, uint64_t off);
/* One's-complement sum of that range, as mptcp_dss_csum() wants it. */
uint32_t mptcp_sndbuf_sum(const struct mptcp_sock *m, uint64_t dsn, uint32_t len);

#endif
