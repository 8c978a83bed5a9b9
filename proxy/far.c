/* SPDX-License-Identifier: BSD-3-Clause */
/* The far box's end of a proxied connection, and an mptcp-clients peer's
 * connections (MPTCP clients of the box, forwarded to a backend in the
 * client's name, without a conversion exchange). It accepts MPTCP on its proxy
 * port only from its configured peers' addresses, and acts on a conversion
 * request only once it proves the peer's pre-shared key (HMAC over both
 * MPTCP keys and the request, fresh, never seen before). It connects only to
 * destinations inside its own served prefixes, as the client (the client's
 * address and port, on the inside port), and answers with what the server
 * did: connected, refused, timed out, unreachable. */
#include <errno.h>
#include <string.h>

#include <sys/socket.h>

#include "mgmt/mgmt.h"
#include "proxy/relay_conn.h"

#define REQUEST_NS (10 * 1000000000ull) /* the request must come whole by then */

/* The peer whose path ends at @raddr, or -1. */
static int peer_by_addr(const struct mgmt_config *cfg, uint32_t raddr)
{
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct mgmt_peer *p = &cfg->peers[i];
		if (p->kind != MGMT_PEER_GATEWAY)
			continue;
		for (unsigned k = 0; k < p->n_paths; k++)
			if (p->paths[k].remote_ip == raddr)
				return (int)i;
	}
	return -1;
}

void *relay_far_accept(void *listener_user, struct mptcp_sock *m)
{
	struct proxy_relay *r = listener_user;
	struct mptcp_subflow_info si;
	uint32_t raddr = 0;
	uint16_t rport = 0;
	uint64_t now = tcpstack_tcp_now(r->env.tcp);

	/* The initial subflow is the last in the list. */
	for (unsigned i = 0; mptcp_get_subflow_info(m, i, &si) == 0; i++) {
		raddr = si.tcp.raddr;
		rport = si.tcp.rport;
	}
	int peer = peer_by_addr(r->cfg, raddr);
	if (peer < 0) {
		char a[24];
		relay_count(r, PROXY_MIB_PROXY_FAR_NOT_PEER);
		relay_log_rejected(r, PROXY_MIB_PROXY_FAR_NOT_PEER, now,
				   "refused MPTCP from %s: not a configured peer",
				   relay_endpoint(raddr, rport, a));
		return NULL;
	}
	struct relay_conn *rc = relay_far_new(r, m, (uint16_t)peer, now);
	if (rc == NULL)
		return NULL;
	mptcp_set_nodelay(m, true);
	rc->state = RELAY_REQUEST;
	rc->deadline = now + REQUEST_NS;
	return rc;
}

void *relay_service_accept(void *listener_user, struct mptcp_sock *m)
{
	const struct relay_service *svc = listener_user;
	struct proxy_relay *r = svc->r;
	struct mptcp_subflow_info si;
	uint64_t now = tcpstack_tcp_now(r->env.tcp);
	int err = 0;
	unsigned peer = 0;

	/* By slot: a reload may have moved the peer in the list. */
	while (peer < r->cfg->n_peers && r->cfg->peers[peer].slot != svc->slot)
		peer++;
	if (peer == r->cfg->n_peers)
		return NULL; /* cannot be: a removed peer's listener is closed with it */
	const struct mgmt_peer *p = &r->cfg->peers[peer];
	struct relay_conn *rc = relay_far_new(r, m, (uint16_t)peer, now);
	if (rc == NULL)
		return NULL;
	/* The client as the initial subflow (the last in the list) shows it. */
	for (unsigned i = 0; mptcp_get_subflow_info(m, i, &si) == 0; i++) {
		rc->caddr = si.tcp.raddr;
		rc->cport = si.tcp.rport;
	}
	rc->service = true;
	rc->saddr = p->backend_ip;
	rc->sport = p->backend_port;
	if (p->scheduler[0] != '\0')
		mptcp_set_scheduler(m, p->scheduler);
	if (p->cc[0] != '\0')
		mptcp_set_cc(m, p->cc, now);
	rc->state = RELAY_CONNECTING;
	relay_count_rc(rc, PROXY_MIB_PROXY_FAR_REQUESTS);
	if (!tcpstack_tcp_has_conn(r->tcp, rc->caddr, rc->cport, rc->saddr, rc->sport))
		rc->c = tcpstack_tcp_connect(r->tcp, rc->caddr, rc->cport, rc->saddr, rc->sport,
					     &r->conn_ops, rc, now, &err);
	if (rc->c == NULL) {
		/* The client is told by a reset, as by a backend that refused. */
		relay_count_rc(rc, PROXY_MIB_PROXY_FAR_BUSY);
		rc->m = NULL;
		relay_conn_maybe_free(rc);
		return NULL;
	}
	return rc;
}

static void respond(struct relay_conn *rc, uint8_t result, uint64_t now)
{
	struct proxy_convert_response resp = { .result = result };
	struct proxy_convert_auth a;
	uint8_t buf[PROXY_CONVERT_RESPONSE_MAX];
	struct rte_mbuf *m = NULL;

	if (result == PROXY_CONVERT_UNREACHABLE)
		resp.detail = PROXY_CONVERT_DETAIL_NO_ICMP;
	if (result == PROXY_CONVERT_CONNECTED && rc->c != NULL) {
		struct tcpstack_tcp_info i;
		tcpstack_tcp_get_info(rc->c, &i);
		resp.opts.flags = PROXY_CONVERT_OPT_MSS;
		resp.opts.mss = (uint16_t)i.mss;
	}
	memcpy(resp.nonce, rc->nonce, sizeof(resp.nonce));
	relay_auth(rc, PROXY_CONVERT_ROLE_FAR, &a);
	int len = proxy_convert_encode_response(buf, sizeof(buf), &resp, &a);
	if (len > 0)
		m = relay_msg_mbuf(rc->r, buf, (uint16_t)len);
	if (m == NULL || mptcp_send(rc->m, m, now) != 0) {
		rte_pktmbuf_free(m);
		relay_abort(rc, now);
	}
}

/* Answer without connecting, and end the MPTCP connection after it. */
static void respond_and_close(struct relay_conn *rc, uint8_t result, uint64_t now)
{
	respond(rc, result, now);
	if (rc->m != NULL) {
		mptcp_close(rc->m, now);
		rc->m = NULL;
	}
}

static void bad_request(struct relay_conn *rc, enum proxy_convert_reason why, uint64_t now)
{
	struct proxy_relay *r = rc->r;

	r->env.stats->convert[why]++;
	relay_count_rc(rc, PROXY_MIB_PROXY_FAR_BAD_REQUEST);
	mgmt_log(LOG_NOTICE, "proxy: peer %s: request refused (%s)", rc->peer_name,
		 proxy_convert_reason_names[why]);
	/* Nothing is said to who could not prove the key. */
	relay_abort(rc, now);
}

static void read_request(struct relay_conn *rc, uint64_t now)
{
	struct proxy_relay *r = rc->r;
	struct proxy_convert_msg msg;
	enum proxy_convert_reason why;
	struct proxy_convert_auth a;
	struct rte_mbuf *rest;
	int n = relay_msg_read(rc, PROXY_CONVERT_REQUEST, &msg, &why, &rest, now);

	if (n == 0)
		return;
	rte_pktmbuf_free(rest); /* the client sends nothing before "connected" */
	if (n > 0) {
		relay_auth(rc, PROXY_CONVERT_ROLE_FAR, &a);
		why = proxy_convert_check_request(&a, &r->replay, relay_wall_ms(r, now), rc->msg,
						  &msg);
	}
	if (n < 0 && why == PROXY_CONVERT_OK) {
		relay_abort(rc, now); /* out of memory */
		return;
	}
	if (n < 0 || why != PROXY_CONVERT_OK) {
		bad_request(rc, why, now);
		return;
	}
	relay_count_rc(rc, PROXY_MIB_PROXY_FAR_REQUESTS);
	memcpy(rc->nonce, msg.req.nonce, sizeof(rc->nonce));
	if (msg.req.dest.family != PROXY_CONVERT_AF_INET) {
		/* IPv6 is not in the data path yet. */
		respond_and_close(rc, PROXY_CONVERT_BAD_REQUEST, now);
		return;
	}
	memcpy(&rc->caddr, msg.req.client.addr, 4);
	memcpy(&rc->saddr, msg.req.dest.addr, 4);
	rc->cport = msg.req.client.port;
	rc->sport = msg.req.dest.port;
	char cs[24], ss[24];
	if (!proxy_rules_serves(r->served, AF_INET, &rc->saddr)) {
		relay_count_rc(rc, PROXY_MIB_PROXY_FAR_NOT_SERVED);
		relay_log_rejected(r, PROXY_MIB_PROXY_FAR_NOT_SERVED, now,
				   "peer %s asked for %s -> %s: not served here, refused",
				   rc->peer_name, relay_endpoint(rc->caddr, rc->cport, cs),
				   relay_endpoint(rc->saddr, rc->sport, ss));
		respond_and_close(rc, PROXY_CONVERT_NOT_ALLOWED, now);
		return;
	}
	int err = 0;
	if (tcpstack_tcp_has_conn(r->tcp, rc->caddr, rc->cport, rc->saddr, rc->sport))
		err = -EADDRINUSE;
	else
		rc->c = tcpstack_tcp_connect(r->tcp, rc->caddr, rc->cport, rc->saddr, rc->sport,
					     &r->conn_ops, rc, now, &err);
	if (rc->c == NULL) {
		relay_count_rc(rc, PROXY_MIB_PROXY_FAR_BUSY);
		relay_log_rejected(r, PROXY_MIB_PROXY_FAR_BUSY, now,
				   "peer %s asked for %s -> %s: refused, busy (%s)", rc->peer_name,
				   relay_endpoint(rc->caddr, rc->cport, cs),
				   relay_endpoint(rc->saddr, rc->sport, ss), strerror(-err));
		respond_and_close(rc, PROXY_CONVERT_BUSY, now);
		return;
	}
	rc->state = RELAY_CONNECTING;
	rc->deadline = 0; /* the engine's SYN retries decide */
}

void relay_far_timeout(struct relay_conn *rc, uint64_t now)
{
	/* the request never came whole */
	rc->r->env.stats->convert[PROXY_CONVERT_TRUNCATED]++;
	relay_count_rc(rc, PROXY_MIB_PROXY_FAR_BAD_REQUEST);
	relay_abort(rc, now);
}

void relay_far_mp_event(struct relay_conn *rc, enum mptcp_event ev, int err, uint64_t now)
{
	(void)err;
	switch (ev) {
	case MPTCP_EV_READABLE:
		if (rc->state == RELAY_REQUEST)
			read_request(rc, now);
		break;
	case MPTCP_EV_PEER_FIN:
		rc->m_fin = true;
		if (rc->state == RELAY_REQUEST)
			bad_request(rc, PROXY_CONVERT_TRUNCATED, now);
		break;
	case MPTCP_EV_CLOSED:
		rc->m = NULL;
		relay_abort(rc, now);
		break;
	default:
		break;
	}
}

void relay_far_tcp_event(struct relay_conn *rc, enum tcpstack_tcp_event ev, int err, uint64_t now)
{
	if (ev == TCPSTACK_TCP_EV_CONNECTED) {
		relay_count_rc(rc, PROXY_MIB_PROXY_FAR_CONNECTED);
		if (!rc->service)
			respond(rc, PROXY_CONVERT_CONNECTED, now);
		if (rc->m != NULL)
			relay_splice_start(rc, now);
		return;
	}
	if (ev != TCPSTACK_TCP_EV_CLOSED)
		return;
	rc->c = NULL;
	relay_count_rc(rc, PROXY_MIB_PROXY_FAR_FAILED);
	if (rc->service) {
		relay_abort(rc, now); /* the backend refused or is gone: reset */
		return;
	}
	respond_and_close(rc,
			  err == ECONNREFUSED ? PROXY_CONVERT_REFUSED
			  : err == ETIMEDOUT  ? PROXY_CONVERT_TIMED_OUT
					      : PROXY_CONVERT_UNREACHABLE,
			  now);
}
