/* SPDX-License-Identifier: BSD-3-Clause */
/* The intercepting box's end of a proxied connection. A new SYN from an
 * inside host that a rule intercepts is held, not answered: the box opens
 * an MPTCP connection to the rule's peer and asks it (the conversion
 * request) to connect to the destination in the client's name. Only when
 * the peer answers "connected" does the held SYN go to the transparent
 * engine, which completes the client's handshake as the server; "refused"
 * gets the client a RST, as the server would have sent. A peer that does
 * not answer in time, or cannot be reached, lets the SYN through untouched
 * (fail open), and its next SYNs too for a while.
 *
 * An mptcp-server peer has no far box: the MPTCP connection goes to the
 * destination itself and the handshake completes once it is up. */
#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "mgmt/mgmt.h"
#include "proxy/relay_conn.h"
#include "proxy/segment.h"

#define PEER_DOWN_NS (10 * 1000000000ull) /* fail open this long after a timeout */
#define ASKED_NS (150 * 1000000000ull) /* the far box's own connect gives up sooner */

static const struct mgmt_peer *peer_of(const struct relay_conn *rc)
{
	return &rc->r->cfg->peers[rc->peer];
}

static int open_mptcp(struct relay_conn *rc, uint64_t now)
{
	struct proxy_relay *r = rc->r;
	const struct mgmt_config *cfg = r->cfg;
	const struct mgmt_peer *p = peer_of(rc);
	bool gw = p->kind == MGMT_PEER_GATEWAY;
	/* The first path not down starts; the others join (a down one
	 * with backoff, until it is up again). */
	const unsigned first = relay_paths_first(r, p);
	uint32_t raddr = gw ? p->paths[first].remote_ip : rc->saddr;
	uint16_t rport = gw ? p->port : rc->sport;
	int err = 0;

	rc->m = mptcp_connect(r->env.mp, cfg->addrs[p->paths[first].local].ip, 0, raddr, rport,
			      &r->mp_ops, rc, now, &err);
	if (rc->m == NULL)
		return err;
	mptcp_set_paths_only(rc->m, true);
	if (gw) /* both ends are boxes: see tcpstack_tcp_set_low_latency() */
		mptcp_set_nodelay(rc->m, true);
	if (p->scheduler[0] != '\0')
		mptcp_set_scheduler(rc->m, p->scheduler);
	if (p->cc[0] != '\0')
		mptcp_set_cc(rc->m, p->cc, now);
	for (unsigned i = 0; i < p->n_paths; i++)
		if (i != first)
			mptcp_add_subflow(rc->m, cfg->addrs[p->paths[i].local].ip,
					  gw ? p->paths[i].remote_ip : rc->saddr, rport,
					  p->paths[i].backup, now);
	return 0;
}

bool relay_origin_syn(struct proxy_relay *r, struct rte_mbuf *m, const struct proxy_segment *sg,
		      uint64_t now)
{
	const struct mgmt_config *cfg = r->cfg;
	const struct relay_key k = { sg->src, sg->dst, sg->sport, sg->dport };
	int idx = proxy_rules_lookup4(r->rules, k.src, k.dst, k.sport, k.dport);

	if (idx == PROXY_RULES_NONE)
		return false;
	r->env.stats->rule_hits[cfg->rules[idx].slot]++;
	const struct proxy_rules_rule *rule = proxy_rules_get(r->rules, idx);
	if (rule->action == PROXY_RULES_PASSTHROUGH) {
		relay_count(r, PROXY_MIB_PROXY_PASS_RULE);
		return false;
	}
	char cs[24], ss[24];
#define TUPLE relay_endpoint(k.src, k.sport, cs), relay_endpoint(k.dst, k.dport, ss)
	if (rule->action == PROXY_RULES_DENY) {
		relay_count(r, PROXY_MIB_PROXY_DENIED);
		relay_log_rejected(r, PROXY_MIB_PROXY_DENIED, now, "%s -> %s: denied by rule %s",
				   TUPLE, rule->name);
		rte_pktmbuf_free(m);
		return true;
	}
	if (now < r->peer_down_until[cfg->peers[rule->peer].slot]) {
		relay_count_peer(r, rule->peer, PROXY_MIB_PROXY_PASS_PEER_DOWN);
		relay_log_rejected(r, PROXY_MIB_PROXY_PASS_PEER_DOWN, now,
				   "%s -> %s: let through unproxied: peer %s is down", TUPLE,
				   cfg->peers[rule->peer].name);
		return false;
	}
	if (r->n_conns >= cfg->proxy_max_conns) {
		relay_count_peer(r, rule->peer, PROXY_MIB_PROXY_PASS_LIMIT);
		relay_log_rejected(r, PROXY_MIB_PROXY_PASS_LIMIT, now,
				   "%s -> %s: let through unproxied: %u connections already"
				   " (proxy.max_connections)",
				   TUPLE, cfg->proxy_max_conns);
		return false;
	}
	struct relay_conn *rc = relay_conn_new(r, true, now);
	if (rc == NULL) {
		relay_count_peer(r, rule->peer, PROXY_MIB_PROXY_PASS_NO_MEMORY);
		relay_log_rejected(r, PROXY_MIB_PROXY_PASS_NO_MEMORY, now,
				   "%s -> %s: let through unproxied: out of memory", TUPLE);
		return false;
	}
	relay_conn_set_peer(rc, rule->peer);
	rc->caddr = k.src;
	rc->cport = k.sport;
	rc->saddr = k.dst;
	rc->sport = k.dport;
	rc->cmac = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
	rc->copts = sg->opts;
	if (rte_hash_add_key_data(r->held, &k, rc) < 0) {
		relay_count_rc(rc, PROXY_MIB_PROXY_PASS_NO_MEMORY);
		relay_log_rejected(r, PROXY_MIB_PROXY_PASS_NO_MEMORY, now,
				   "%s -> %s: let through unproxied: the held-SYN table is full",
				   TUPLE);
		relay_conn_maybe_free(rc);
		return false;
	}
	rc->in_held = true;
	rc->busy++;
	int err = open_mptcp(rc, now);
	rc->busy--;
	if (err != 0) {
		relay_unhold(rc);
		relay_count_rc(rc, PROXY_MIB_PROXY_PASS_PEER_FAILED);
		relay_conn_maybe_free(rc);
		return false;
	}
	rc->syn = m;
	rc->state = RELAY_HELD;
	rc->deadline = now + (uint64_t)cfg->proxy_connect_timeout_ms * 1000000;
	relay_count_rc(rc, PROXY_MIB_PROXY_INTERCEPTED);
	return true;
}

/* The server said yes: the client's handshake completes, with the box as
 * the server. */
static void complete_handshake(struct relay_conn *rc, uint64_t now)
{
	struct proxy_relay *r = rc->r;
	struct rte_mbuf *out[8];
	unsigned n = tcpstack_iface_learn(r->ifc, rc->caddr, &rc->cmac, now, out, RTE_DIM(out));

	for (unsigned i = 0; i < n; i++)
		r->env.tx(r->env.tx_ctx, r->env.inside, out[i]);
	rc->state = RELAY_ACCEPTING;
	rc->deadline = now + (uint64_t)r->cfg->proxy_connect_timeout_ms * 1000000;
	struct rte_mbuf *syn = rc->syn;
	rc->syn = NULL;
	tcpstack_tcp_input(r->tcp, syn, now);
}

/* The peer answered something other than "connected". */
static void answered_no(struct relay_conn *rc, uint8_t result, uint64_t now)
{
	struct proxy_relay *r = rc->r;

	switch (result) {
	case PROXY_CONVERT_REFUSED:
		/* As the server did: a RST for the client's SYN. */
		relay_count_rc(rc, PROXY_MIB_PROXY_REFUSED);
		relay_unhold(rc);
		tcpstack_tcp_reset_segment(r->tcp, rc->syn, now);
		rc->syn = NULL;
		break;
	case PROXY_CONVERT_TIMED_OUT:
	case PROXY_CONVERT_UNREACHABLE:
		/* As a direct connection would: no answer; the client's next
		 * SYN starts over. */
		relay_count_rc(rc, result == PROXY_CONVERT_TIMED_OUT ? PROXY_MIB_PROXY_TIMED_OUT
								     : PROXY_MIB_PROXY_UNREACHABLE);
		relay_unhold(rc);
		rte_pktmbuf_free(rc->syn);
		rc->syn = NULL;
		break;
	default: /* not allowed, bad request, busy, unknown: the ordinary way */
		relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_PEER_REFUSED);
		break;
	}
	mptcp_close(rc->m, now);
	rc->m = NULL;
}

static void send_request(struct relay_conn *rc, uint64_t now)
{
	struct proxy_relay *r = rc->r;
	struct proxy_convert_request req = { .opts = rc->copts };
	struct proxy_convert_auth a;
	uint8_t buf[PROXY_CONVERT_REQUEST_MAX];
	struct rte_mbuf *m = NULL;

	req.client.family = req.dest.family = PROXY_CONVERT_AF_INET;
	memcpy(req.client.addr, &rc->caddr, 4);
	memcpy(req.dest.addr, &rc->saddr, 4);
	req.client.port = rc->cport;
	req.dest.port = rc->sport;
	req.time_ms = relay_wall_ms(r, now);
	relay_auth(rc, PROXY_CONVERT_ROLE_ORIGIN, &a);
	int len = -1;
	if (RAND_bytes(rc->nonce, sizeof(rc->nonce)) == 1) {
		memcpy(req.nonce, rc->nonce, sizeof(req.nonce));
		len = proxy_convert_encode_request(buf, sizeof(buf), &req, &a);
	}
	if (len > 0)
		m = relay_msg_mbuf(r, buf, (uint16_t)len);
	if (m == NULL || mptcp_send(rc->m, m, now) != 0) {
		rte_pktmbuf_free(m);
		relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_NO_MEMORY);
		mptcp_abort(rc->m, now);
		rc->m = NULL;
		return;
	}
	rc->state = RELAY_ASKED;
	rc->deadline = now + ASKED_NS;
}

static void read_response(struct relay_conn *rc, uint64_t now)
{
	struct proxy_convert_msg msg;
	enum proxy_convert_reason why;
	struct proxy_convert_auth a;
	struct rte_mbuf *rest;
	int n = relay_msg_read(rc, PROXY_CONVERT_RESPONSE, &msg, &why, &rest, now);

	if (n == 0)
		return;
	if (n > 0) {
		relay_auth(rc, PROXY_CONVERT_ROLE_ORIGIN, &a);
		why = proxy_convert_check_response(&a, rc->nonce, rc->msg, &msg);
	}
	if (n < 0 && why == PROXY_CONVERT_OK) { /* out of memory */
		relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_NO_MEMORY);
		mptcp_abort(rc->m, now);
		rc->m = NULL;
		return;
	}
	if (n < 0 || why != PROXY_CONVERT_OK) {
		rc->r->env.stats->convert[why]++;
		mgmt_log(LOG_WARNING,
			 "proxy: peer %s: bad answer (%s): letting the connection through",
			 rc->peer_name, proxy_convert_reason_names[why]);
		rte_pktmbuf_free(rest);
		relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_PEER_FAILED);
		mptcp_abort(rc->m, now);
		rc->m = NULL;
		return;
	}
	rc->to_c = rest; /* the server's first bytes */
	if (msg.resp.result == PROXY_CONVERT_CONNECTED)
		complete_handshake(rc, now);
	else
		answered_no(rc, msg.resp.result, now);
}

void relay_origin_mp_event(struct relay_conn *rc, enum mptcp_event ev, int err, uint64_t now)
{
	struct proxy_relay *r = rc->r;
	bool gw = peer_of(rc)->kind == MGMT_PEER_GATEWAY;

	switch (ev) {
	case MPTCP_EV_CONNECTED:
		r->peer_down_until[rc->peer_slot] = 0;
		if (rc->state != RELAY_HELD)
			break;
		if (gw)
			send_request(rc, now);
		else
			complete_handshake(rc, now);
		break;
	case MPTCP_EV_READABLE:
		if (rc->state == RELAY_ASKED)
			read_response(rc, now);
		break;
	case MPTCP_EV_CLOSED:
		rc->m = NULL;
		if (rc->state == RELAY_HELD && !gw && err == ECONNREFUSED) {
			/* an mptcp-server peer is the server: it refused */
			rc->r->env.stats->mib[PROXY_MIB_PROXY_REFUSED]++;
			relay_unhold(rc);
			tcpstack_tcp_reset_segment(r->tcp, rc->syn, now);
			rc->syn = NULL;
		} else if (rc->syn != NULL) {
			relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_PEER_FAILED);
		}
		relay_abort(rc, now);
		break;
	case MPTCP_EV_PEER_FIN:
		if (rc->state == RELAY_ACCEPTING)
			rc->m_fin = true; /* the splice passes it on */
		else if (rc->syn != NULL) {
			relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_PEER_FAILED);
			relay_abort(rc, now);
		}
		break;
	default:
		break;
	}
}

void *relay_origin_accept(void *listener_user, struct tcpstack_conn *c)
{
	struct proxy_relay *r = listener_user;
	struct tcpstack_tcp_info i;
	void *data;

	tcpstack_tcp_get_info(c, &i);
	struct relay_key k = { .src = i.raddr, .dst = i.laddr, .sport = i.rport, .dport = i.lport };
	if (rte_hash_lookup_data(r->held, &k, &data) < 0)
		return NULL; /* given up on meanwhile: the engine resets it */
	struct relay_conn *rc = data;
	if (rc->state != RELAY_ACCEPTING || rc->m == NULL)
		return NULL;
	relay_unhold(rc);
	rc->c = c;
	tcpstack_tcp_set_user(c, &r->conn_ops, rc);
	return rc;
}

void relay_origin_timeout(struct relay_conn *rc, uint64_t now)
{
	struct proxy_relay *r = rc->r;

	rc->busy++;
	switch (rc->state) {
	case RELAY_HELD:
		/* The peer did not answer the MPTCP handshake: it is down, as
		 * far as new connections go, for a while. */
		r->peer_down_until[rc->peer_slot] = now + PEER_DOWN_NS;
		mgmt_log(LOG_WARNING, "proxy: peer %s does not answer: failing open for %llu s",
			 rc->peer_name, PEER_DOWN_NS / 1000000000ull);
		relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_PEER_TIMEOUT);
		break;
	case RELAY_ASKED:
		relay_count_rc(rc, PROXY_MIB_PROXY_TIMED_OUT);
		break;
	default: /* ACCEPTING */
		relay_count_rc(rc, PROXY_MIB_PROXY_CLIENT_GONE);
		break;
	}
	rc->busy--;
	relay_abort(rc, now);
}
