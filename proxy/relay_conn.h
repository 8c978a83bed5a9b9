/* SPDX-License-Identifier: BSD-3-Clause */
/* One proxied connection and the relay that holds them (internal to the
 * relay's files: relay.c the context and dispatch, origin.c the
 * intercepting box, far.c the far box, splice.c the byte pump). */
#ifndef MPGW_PROXY_RELAY_CONN_H
#define MPGW_PROXY_RELAY_CONN_H

#include <rte_hash.h>

#include "proxy/convert.h"
#include "proxy/health.h"
#include "proxy/relay.h"
#include "proxy/rules.h"

/* A held SYN's 4-tuple as the client sent it (addresses network order,
 * ports host order): the key of the held table. */
struct relay_key {
	uint32_t src, dst;
	uint16_t sport, dport;
};

enum relay_state {
	RELAY_HELD, /* origin: the client's SYN held, MPTCP opening */
	RELAY_ASKED, /* origin: request sent, waiting for the answer */
	RELAY_ACCEPTING, /* origin: the SYN went to the engine, handshake on */
	RELAY_REQUEST, /* far: waiting for the request */
	RELAY_CONNECTING, /* far: connecting to the server as the client */
	RELAY_SPLICED, /* both sides up: bytes flow */
};

struct relay_conn;
struct proxy_relay;

/* An mptcp-clients peer's listener: which relay, which peer. */
struct relay_service {
	struct proxy_relay *r;
	uint8_t slot; /* the peer's */
};

struct proxy_relay {
	struct proxy_relay_env env;
	const struct mgmt_config *cfg;
	struct tcpstack_tcp *tcp; /* transparent: connections as others' addresses */
	struct tcpstack_iface *ifc; /* the inside port, every address on-link */
	struct tcpstack_tcp_ops listen_ops, conn_ops;
	struct mptcp_ops mp_ops, far_listen_ops, service_listen_ops;
	struct relay_service services[MGMT_PEERS_MAX];
	struct proxy_rules *rules, *served;
	struct proxy_convert_replay replay;
	struct rte_hash *held; /* relay_key -> origin relay_conn until accepted */
	struct relay_conn *conns; /* every one, doubly linked */
	unsigned n_conns;
	uint64_t peer_down_until[MGMT_PEERS_MAX]; /* by peer slot: fail open until then */
	/* Path health and accounting, by peer and path slot (paths.c). */
	struct proxy_health health[MGMT_PEERS_MAX][MGMT_PATHS_MAX];
	struct proxy_health_params health_params;
	uint64_t next_probe, next_sweep;
	/* Rejections are logged at most once a second per reason. */
	uint64_t log_next[PROXY_MIB_MAX];
	unsigned log_suppressed[PROXY_MIB_MAX];
	uint64_t wall_ms, wall_at; /* wall clock at monotonic wall_at */
	uint64_t next_scan;
};

/* A subflow as the last accounting sweep saw it (paths.c). */
struct relay_sf_seen {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint64_t sent, received, retrans, retrans_bytes;
	uint32_t srtt_us;
	bool established;
	int8_t path; /* slot, or -1: on no configured path */
};

#define RELAY_PEER_GONE 0xffff /* the peer left the configuration */
#define RELAY_SF_SEEN_MAX 8

struct relay_conn {
	struct proxy_relay *r;
	struct relay_conn *prev, *next;
	enum relay_state state;
	bool origin; /* the intercepting box's end (else the far box's) */
	bool service; /* far: an mptcp-clients peer's, no conversion */
	bool in_held;
	uint16_t peer; /* index in r->cfg->peers, or RELAY_PEER_GONE */
	uint8_t peer_slot;
	char peer_name[MGMT_NAME_MAX];
	uint64_t started; /* monotonic ns */
	/* The client and the server, whichever box this is. */
	uint32_t caddr, saddr;
	uint16_t cport, sport;
	struct rte_mbuf *syn; /* origin: the client's SYN, held */
	struct rte_ether_addr cmac; /* origin: the client's MAC, from its SYN */
	struct tcpstack_conn *c; /* the TCP side */
	struct mptcp_sock *m; /* the MPTCP side */
	struct rte_mbuf *to_m, *to_c; /* taken from one side, refused by the other */
	bool c_fin, m_fin; /* the side sends no more */
	bool c_shut, m_shut; /* we told the side we send no more */
	struct proxy_convert_tcpopts copts; /* the client's SYN options */
	uint8_t nonce[PROXY_CONVERT_NONCE_LEN];
	uint8_t msg[PROXY_CONVERT_MSG_MAX]; /* a conversion message, arriving */
	uint16_t msg_len;
	uint64_t deadline; /* HELD, ASKED, ACCEPTING: give up then */
	uint64_t last_active;
	unsigned busy; /* handlers running: not freed before they return */
	bool settling, settle_again; /* splice.c: a pass runs; run another */
	uint64_t bytes_to_m, bytes_to_c; /* spliced, each way */
	unsigned subflows; /* MPTCP subflows ever established */
	char paths[160]; /* what each subflow carried, for the log */
	struct relay_sf_seen seen[RELAY_SF_SEEN_MAX];
	unsigned n_seen;
	bool aborted;
};

/* relay.c */
struct relay_conn *relay_conn_new(struct proxy_relay *r, bool origin, uint64_t now);
/* Free @rc once neither side nor a held SYN is left and no handler runs
 * on it. @return true if freed. */
bool relay_conn_maybe_free(struct relay_conn *rc);
void relay_count(const struct proxy_relay *r, enum proxy_mib what);
/* One line for a connection refused or let through unproxied, why, at
 * most once a second per reason (the lines skipped are counted in the
 * next): rejections come in floods. */
void relay_log_rejected(struct proxy_relay *r, enum proxy_mib why, uint64_t now, const char *fmt,
			...) __attribute__((format(printf, 4, 5)));
/* "a.b.c.d:port" of @ip (network order), @port. */
const char *relay_endpoint(uint32_t ip, uint16_t port, char buf[24]);
/* Counted for peer @peer (an index in r->cfg->peers) too. */
void relay_count_peer(const struct proxy_relay *r, unsigned peer, enum proxy_mib what);
/* Counted for the connection's peer too, while it is configured. */
void relay_count_rc(const struct relay_conn *rc, enum proxy_mib what);
/* @rc belongs to peer @peer (an index in r->cfg->peers) from now. */
void relay_conn_set_peer(struct relay_conn *rc, unsigned peer);
uint64_t relay_wall_ms(const struct proxy_relay *r, uint64_t now);
void relay_unhold(struct relay_conn *rc);
/* Bridge the held SYN out of the outside port, as if the box were not
 * there (fail open), counted under @why. */
void relay_pass_syn(struct relay_conn *rc, enum proxy_mib why);
/* A message into an mbuf of the pool; NULL if none. */
struct rte_mbuf *relay_msg_mbuf(struct proxy_relay *r, const void *buf, uint16_t len);
/* Append what @m_data brings to rc->msg (at most the room left). Whatever
 * does not fit stays in the returned chain; NULL when all fitted. */
struct rte_mbuf *relay_msg_take(struct relay_conn *rc, struct rte_mbuf *m_data);
/* The conversion message of @kind as far as it arrived on the MPTCP side.
 * @return 0: more to come; > 0: its length, *rest the bytes after it (a
 * chain, or NULL); < 0: not one, *why the reason (OK: out of memory). The
 * HMAC is the caller's to check. */
int relay_msg_read(struct relay_conn *rc, enum proxy_convert_kind kind,
		   struct proxy_convert_msg *msg, enum proxy_convert_reason *why,
		   struct rte_mbuf **rest, uint64_t now);
/* The peer's key and this connection's MPTCP keys, for @role. */
void relay_auth(const struct relay_conn *rc, enum proxy_convert_role role,
		struct proxy_convert_auth *a);
/* A far end (gateway peer or mptcp-clients) for @m, within the limit;
 * NULL (counted busy) otherwise. */
struct relay_conn *relay_far_new(struct proxy_relay *r, struct mptcp_sock *m, uint16_t peer,
				 uint64_t now);

/* origin.c */
struct proxy_segment;
bool relay_origin_syn(struct proxy_relay *r, struct rte_mbuf *m, const struct proxy_segment *sg,
		      uint64_t now);
void relay_origin_mp_event(struct relay_conn *rc, enum mptcp_event ev, int err, uint64_t now);
void *relay_origin_accept(void *listener_user, struct tcpstack_conn *c);
/* A held connection's deadline passed (HELD, ASKED, ACCEPTING). */
void relay_origin_timeout(struct relay_conn *rc, uint64_t now);

/* far.c */
void *relay_far_accept(void *listener_user, struct mptcp_sock *m);
/* An MPTCP client of an mptcp-clients peer (listener_user: its
 * relay_service): connect to the backend as the client. */
void *relay_service_accept(void *listener_user, struct mptcp_sock *m);
void relay_far_mp_event(struct relay_conn *rc, enum mptcp_event ev, int err, uint64_t now);
/* The request did not come whole in time (REQUEST). */
void relay_far_timeout(struct relay_conn *rc, uint64_t now);
void relay_far_tcp_event(struct relay_conn *rc, enum tcpstack_tcp_event ev, int err, uint64_t now);

/* paths.c */
/* Probes and accounting due (from proxy_relay_timers). */
void relay_paths_timers(struct proxy_relay *r, uint64_t now);
uint64_t relay_paths_next_timer(const struct proxy_relay *r);
/* An echo reply at one of the box's addresses (the ifaces' hook). */
void relay_paths_echo_reply(void *ctx, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
			    uint64_t now);
/* The path of @p the initial subflow takes: the first not down. */
unsigned relay_paths_first(const struct proxy_relay *r, const struct mgmt_peer *p);
/* What @rc's subflows carried since the last sweep, to their paths. */
void relay_paths_account(struct relay_conn *rc);
/* The paths of the peers that stay, as @cfg has them against r->cfg: the
 * subflows of removed paths close, added paths are joined. */
void relay_paths_apply(struct proxy_relay *r, const struct mgmt_config *cfg, uint64_t now);

/* splice.c */
void relay_splice_start(struct relay_conn *rc, uint64_t now);
void relay_splice_tcp_event(struct relay_conn *rc, enum tcpstack_tcp_event ev, int err,
			    uint64_t now);
void relay_splice_mp_event(struct relay_conn *rc, enum mptcp_event ev, int err, uint64_t now);
/* End both sides: RST and MP_FASTCLOSE (abort), or let them close. */
void relay_abort(struct relay_conn *rc, uint64_t now);

#endif
