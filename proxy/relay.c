/* SPDX-License-Identifier: BSD-3-Clause */
/* The relay's context: rule sets from the configuration, the transparent TCP
 * engine (connections in other hosts' names, on the inside port), dispatch
 * of inside frames, timers, and each proxied connection's life. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_jhash.h>
#include <rte_tcp.h>

#include "mgmt/mgmt.h"
#include "proxy/relay_conn.h"
#include "proxy/segment.h"

#define SCAN_NS (100 * 1000 * 1000ull) /* idle and deadline scan */
#define F_SYN RTE_TCP_SYN_FLAG
#define F_ACK RTE_TCP_ACK_FLAG
#define F_RST RTE_TCP_RST_FLAG

_Static_assert(PROXY_CONVERT_REASON_MAX <= 32, "proxy_lcore_stats.convert is too small");

bool proxy_relay_wanted(const struct mgmt_config *cfg)
{
	return cfg->n_peers != 0 || cfg->n_rules != 0 || cfg->n_served != 0;
}

void relay_count(const struct proxy_relay *r, enum proxy_mib what)
{
	r->env.stats->mib[what]++;
}

void relay_log_rejected(struct proxy_relay *r, enum proxy_mib why, uint64_t now, const char *fmt,
			...)
{
	char msg[256];
	va_list ap;

	if (now < r->log_next[why]) {
		r->log_suppressed[why]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->log_suppressed[why] != 0)
		mgmt_log(LOG_NOTICE, "proxy: %s (and %u more like it in the last second)", msg,
			 r->log_suppressed[why]);
	else
		mgmt_log(LOG_NOTICE, "proxy: %s", msg);
	r->log_suppressed[why] = 0;
	r->log_next[why] = now + 1000000000ull;
}

const char *relay_endpoint(uint32_t ip, uint16_t port, char buf[24])
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, 24, "%u.%u.%u.%u:%u", b[0], b[1], b[2], b[3], port);
	return buf;
}

void relay_count_peer(const struct proxy_relay *r, unsigned peer, enum proxy_mib what)
{
	r->env.stats->mib[what]++;
	r->env.stats->peer[r->cfg->peers[peer].slot].mib[what]++;
}

void relay_count_rc(const struct relay_conn *rc, enum proxy_mib what)
{
	rc->r->env.stats->mib[what]++;
	if (rc->peer != RELAY_PEER_GONE)
		rc->r->env.stats->peer[rc->peer_slot].mib[what]++;
}

void relay_conn_set_peer(struct relay_conn *rc, unsigned peer)
{
	const struct mgmt_peer *p = &rc->r->cfg->peers[peer];

	rc->peer = (uint16_t)peer;
	rc->peer_slot = p->slot;
	snprintf(rc->peer_name, sizeof(rc->peer_name), "%s", p->name);
}

uint64_t relay_wall_ms(const struct proxy_relay *r, uint64_t now)
{
	return r->wall_ms + (now - r->wall_at) / 1000000;
}

/* ---- connections */

struct relay_conn *relay_conn_new(struct proxy_relay *r, bool origin, uint64_t now)
{
	struct relay_conn *rc = calloc(1, sizeof(*rc));

	if (rc == NULL)
		return NULL;
	rc->r = r;
	rc->origin = origin;
	rc->peer = RELAY_PEER_GONE; /* until set */
	rc->last_active = now;
	rc->started = now;
	rc->next = r->conns;
	if (r->conns != NULL)
		r->conns->prev = rc;
	r->conns = rc;
	r->n_conns++;
	return rc;
}

void relay_unhold(struct relay_conn *rc)
{
	if (rc->in_held) {
		/* held under the SYN's tuple: client to server */
		const struct relay_key k = { rc->caddr, rc->saddr, rc->cport, rc->sport };
		rte_hash_del_key(rc->r->held, &k);
		rc->in_held = false;
	}
}

bool relay_conn_maybe_free(struct relay_conn *rc)
{
	struct proxy_relay *r = rc->r;

	if (rc->c != NULL || rc->m != NULL || rc->syn != NULL || rc->busy != 0)
		return false;
	relay_unhold(rc);
	if (rc->state == RELAY_SPLICED) {
		const uint8_t *c = (const uint8_t *)&rc->caddr, *s = (const uint8_t *)&rc->saddr;
		mgmt_log(LOG_INFO,
			 "proxy: %s %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u via %s closed (%s):"
			 " client->server %" PRIu64 " bytes, server->client %" PRIu64
			 " bytes, subflows %u (bytes/resent/srtt ms: %s)",
			 rc->origin    ? "intercepted"
			 : rc->service ? "service"
				       : "far",
			 c[0], c[1], c[2], c[3], rc->cport, s[0], s[1], s[2], s[3], rc->sport,
			 rc->peer_name, rc->aborted ? "aborted" : "ok",
			 rc->origin ? rc->bytes_to_m : rc->bytes_to_c,
			 rc->origin ? rc->bytes_to_c : rc->bytes_to_m, rc->subflows, rc->paths);
	}
	rte_pktmbuf_free(rc->to_m);
	rte_pktmbuf_free(rc->to_c);
	if (rc->prev != NULL)
		rc->prev->next = rc->next;
	else
		r->conns = rc->next;
	if (rc->next != NULL)
		rc->next->prev = rc->prev;
	r->n_conns--;
	free(rc);
	return true;
}

void relay_pass_syn(struct relay_conn *rc, enum proxy_mib why)
{
	struct proxy_relay *r = rc->r;

	relay_count_rc(rc, why);
	relay_unhold(rc);
	if (rc->syn != NULL) {
		r->env.tx(r->env.tx_ctx, r->env.outside, rc->syn);
		rc->syn = NULL;
	}
}

struct rte_mbuf *relay_msg_mbuf(struct proxy_relay *r, const void *buf, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(r->env.pool);

	if (m == NULL)
		return NULL;
	void *p = rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, buf, len);
	return m;
}

struct rte_mbuf *relay_msg_take(struct relay_conn *rc, struct rte_mbuf *m)
{
	while (m != NULL) {
		uint16_t room = (uint16_t)(sizeof(rc->msg) - rc->msg_len);
		uint16_t n = RTE_MIN(room, rte_pktmbuf_data_len(m));
		memcpy(rc->msg + rc->msg_len, rte_pktmbuf_mtod(m, void *), n);
		rc->msg_len = (uint16_t)(rc->msg_len + n);
		if (n < rte_pktmbuf_data_len(m))
			return m; /* full: the caller decides what the rest is */
		struct rte_mbuf *next = m->next;
		if (next != NULL) {
			next->nb_segs = (uint16_t)(m->nb_segs - 1);
			next->pkt_len = m->pkt_len - m->data_len;
		}
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	return NULL;
}

void relay_auth(const struct relay_conn *rc, enum proxy_convert_role role,
		struct proxy_convert_auth *a)
{
	static const struct mgmt_peer none; /* a removed peer's: no key */
	const struct mgmt_peer *p =
		rc->peer == RELAY_PEER_GONE ? &none : &rc->r->cfg->peers[rc->peer];

	memset(a, 0, sizeof(*a));
	a->psk = p->psk;
	a->psk_len = p->psk_len;
	a->role = role;
	if (rc->m == NULL || mptcp_get_keys(rc->m, &a->key_local, &a->key_remote) != 0)
		a->key_local = a->key_remote = 0;
}

int relay_msg_read(struct relay_conn *rc, enum proxy_convert_kind kind,
		   struct proxy_convert_msg *msg, enum proxy_convert_reason *why,
		   struct rte_mbuf **rest, uint64_t now)
{
	struct rte_mbuf *data = mptcp_recv(rc->m, UINT32_MAX, now);

	*rest = NULL;
	*why = PROXY_CONVERT_OK;
	if (data == NULL)
		return 0;
	struct rte_mbuf *more = relay_msg_take(rc, data);
	int n = proxy_convert_decode(rc->msg, rc->msg_len, kind, msg, why);
	if (n == 0 && more == NULL)
		return 0; /* more to come */
	if (n <= 0) {
		if (n == 0) /* the buffer is full and holds no whole message */
			*why = PROXY_CONVERT_OVERSIZED;
		rte_pktmbuf_free(more);
		return -1;
	}
	/* What followed the message, in rc->msg and beyond. */
	if (rc->msg_len > n) {
		struct rte_mbuf *early =
			relay_msg_mbuf(rc->r, rc->msg + n, (uint16_t)(rc->msg_len - n));
		if (early == NULL || (more != NULL && rte_pktmbuf_chain(early, more) != 0)) {
			rte_pktmbuf_free(early);
			rte_pktmbuf_free(more);
			*why = PROXY_CONVERT_OK; /* no memory: not the peer's fault */
			return -1;
		}
		more = early;
	}
	*rest = more;
	return n;
}

struct relay_conn *relay_far_new(struct proxy_relay *r, struct mptcp_sock *m, uint16_t peer,
				 uint64_t now)
{
	struct relay_conn *rc = NULL;

	if (r->n_conns < r->cfg->proxy_max_conns)
		rc = relay_conn_new(r, false, now);
	if (rc == NULL) {
		relay_count(r, PROXY_MIB_PROXY_FAR_BUSY);
		return NULL;
	}
	rc->m = m;
	relay_conn_set_peer(rc, peer);
	return rc;
}

/* ---- the transparent engine's events, routed by the connection's state */

static void tcp_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	struct relay_conn *rc = user;
	uint64_t now = tcpstack_tcp_now(rc->r->tcp);

	(void)c;
	rc->last_active = now;
	rc->busy++;
	if (rc->state == RELAY_CONNECTING)
		relay_far_tcp_event(rc, ev, err, now);
	else
		relay_splice_tcp_event(rc, ev, err, now);
	rc->busy--;
	relay_conn_maybe_free(rc);
}

static void listener_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	(void)user, (void)c, (void)ev, (void)err;
}

static void mp_event(void *user, struct mptcp_sock *m, enum mptcp_event ev, int err)
{
	struct relay_conn *rc = user;
	uint64_t now = tcpstack_tcp_now(rc->r->env.tcp);

	(void)m;
	rc->last_active = now;
	rc->busy++;
	if (rc->state == RELAY_SPLICED)
		relay_splice_mp_event(rc, ev, err, now);
	else if (rc->origin)
		relay_origin_mp_event(rc, ev, err, now);
	else
		relay_far_mp_event(rc, ev, err, now);
	rc->busy--;
	relay_conn_maybe_free(rc);
}

/* The engine's frames leave by the inside port, to the MAC the inside
 * host answers ARP with (learned from the client's SYN at the intercepting
 * box); ARP requests ask from 0.0.0.0, so no host learns a wrong owner. */
static void output(void *ctx, struct rte_mbuf *m, uint64_t now)
{
	struct proxy_relay *r = ctx;
	struct rte_mbuf *out[8];
	unsigned n = tcpstack_iface_output(r->ifc, m, now, out, RTE_DIM(out));

	for (unsigned i = 0; i < n; i++)
		r->env.tx(r->env.tx_ctx, r->env.inside, out[i]);
}

/* ---- inside frames */

bool proxy_relay_inside_tcp(struct proxy_relay *r, struct rte_mbuf *m, uint64_t now)
{
	struct proxy_segment sg;

	if (!rte_pktmbuf_is_contiguous(m) ||
	    !proxy_segment_parse(rte_pktmbuf_mtod(m, const void *), rte_pktmbuf_data_len(m), &sg))
		return false;
	const struct relay_key k = { sg.src, sg.dst, sg.sport, sg.dport };
	uint8_t flags = sg.flags;
	/* A connection the box holds in someone's name: the engine's. */
	if (tcpstack_tcp_has_conn(r->tcp, k.dst, k.dport, k.src, k.sport)) {
		tcpstack_tcp_input(r->tcp, m, now);
		return true;
	}
	void *data;
	if (rte_hash_lookup_data(r->held, &k, &data) >= 0) {
		struct relay_conn *rc = data;
		if (flags & F_RST) {
			/* The client gave up: so do we. */
			relay_count(r, PROXY_MIB_PROXY_CLIENT_GONE);
			relay_unhold(rc);
			rte_pktmbuf_free(rc->syn);
			rc->syn = NULL;
			relay_abort(rc, now);
		} else {
			relay_count(r, PROXY_MIB_PROXY_SYN_DUPLICATE);
		}
		rte_pktmbuf_free(m);
		return true;
	}
	if ((flags & (F_SYN | F_ACK | F_RST)) != F_SYN)
		return false;
	return relay_origin_syn(r, m, &sg, now);
}

bool proxy_relay_inside_arp(struct proxy_relay *r, struct rte_mbuf *m, uint64_t now)
{
	struct rte_mbuf *out[8];
	unsigned n;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (rte_is_same_ether_addr(&eth->dst_addr, &r->env.inside_mac)) {
		/* An answer to our own request (asked from 0.0.0.0). */
		n = tcpstack_iface_input(r->ifc, m, now, out, RTE_DIM(out));
		for (unsigned i = 0; i < n; i++)
			r->env.tx(r->env.tx_ctx, r->env.inside, out[i]);
		return true;
	}
	n = tcpstack_iface_snoop_arp(r->ifc, m, now, out, RTE_DIM(out));
	for (unsigned i = 0; i < n; i++)
		r->env.tx(r->env.tx_ctx, r->env.inside, out[i]);
	return false;
}

/* ---- timers */

static void scan(struct proxy_relay *r, uint64_t now)
{
	uint64_t idle_ns = (uint64_t)r->cfg->proxy_idle_timeout_s * 1000000000ull;
	struct relay_conn *rc = r->conns;

	while (rc != NULL) {
		struct relay_conn *next = rc->next;
		bool due = rc->deadline != 0 && now >= rc->deadline;
		if (rc->state != RELAY_SPLICED) {
			if (due && rc->origin)
				relay_origin_timeout(rc, now);
			else if (due)
				relay_far_timeout(rc, now);
		} else if (idle_ns != 0 && now - rc->last_active >= idle_ns) {
			relay_count_rc(rc, PROXY_MIB_PROXY_IDLE_TIMEOUT);
			relay_abort(rc, now);
		}
		rc = next;
	}
}

void proxy_relay_timers(struct proxy_relay *r, uint64_t now, uint64_t wall_ms)
{
	struct rte_mbuf *out[32];

	r->wall_ms = wall_ms;
	r->wall_at = now;
	if (tcpstack_tcp_next_timer(r->tcp) <= now)
		tcpstack_tcp_timers(r->tcp, now);
	if (now >= r->next_scan) {
		scan(r, now);
		unsigned n = tcpstack_iface_tick(r->ifc, now, out, RTE_DIM(out));
		for (unsigned i = 0; i < n; i++)
			r->env.tx(r->env.tx_ctx, r->env.inside, out[i]);
		r->next_scan = now + SCAN_NS;
	}
	if (relay_paths_next_timer(r) <= now)
		relay_paths_timers(r, now);
}

uint64_t proxy_relay_next_timer(const struct proxy_relay *r)
{
	uint64_t t = tcpstack_tcp_next_timer(r->tcp);
	t = RTE_MIN(t, relay_paths_next_timer(r));
	return RTE_MIN(t, r->next_scan);
}

static const char *const state_names[] = {
	[RELAY_HELD] = "held",
	[RELAY_ASKED] = "asked",
	[RELAY_ACCEPTING] = "accepting",
	[RELAY_REQUEST] = "request",
	[RELAY_CONNECTING] = "connecting",
	[RELAY_SPLICED] = "spliced",
};

static void snapshot_subflows(const struct relay_conn *rc, struct mgmt_conn_info *o)
{
	const struct mgmt_config *cfg = rc->r->cfg;
	const struct mgmt_peer *p = rc->peer == RELAY_PEER_GONE ? NULL : &cfg->peers[rc->peer];
	struct mptcp_subflow_info si;
	struct mptcp_info mi;

	mptcp_get_info(rc->m, &mi);
	snprintf(o->scheduler, sizeof(o->scheduler), "%s", mi.scheduler ? mi.scheduler : "");
	for (unsigned i = 0;
	     o->n_subflows < MGMT_CONN_SUBFLOWS && mptcp_get_subflow_info(rc->m, i, &si) == 0;
	     i++) {
		struct mgmt_subflow_info *f = &o->sf[o->n_subflows++];
		f->laddr = si.tcp.laddr;
		f->raddr = si.tcp.raddr;
		f->lport = si.tcp.lport;
		f->rport = si.tcp.rport;
		f->state = si.closing ? "closing" : si.tcp.state;
		f->srtt_us = si.tcp.srtt_us;
		f->cwnd = si.tcp.cwnd;
		f->bytes_sent = si.tcp.bytes_acked;
		f->bytes_received = si.tcp.bytes_received;
		f->retrans_segs = si.tcp.retrans_segs;
		f->backup = si.backup;
		f->closing = si.closing;
		for (unsigned j = 0; p != NULL && j < p->n_paths; j++) {
			const struct mgmt_path *q = &p->paths[j];
			if (cfg->addrs[q->local].ip == f->laddr &&
			    (q->remote_ip == 0 || q->remote_ip == f->raddr)) {
				snprintf(f->path, sizeof(f->path), "%s", q->name);
				break;
			}
		}
	}
}

unsigned proxy_relay_snapshot(const struct proxy_relay *r, struct mgmt_conn_info *out, unsigned max,
			      uint64_t now)
{
	unsigned n = 0;

	for (const struct relay_conn *rc = r->conns; rc != NULL && n < max; rc = rc->next) {
		struct mgmt_conn_info *o = &out[n++];
		memset(o, 0, sizeof(*o));
		snprintf(o->peer, sizeof(o->peer), "%s", rc->peer_name);
		o->role = rc->origin ? "origin" : rc->service ? "service" : "far";
		o->state = state_names[rc->state];
		o->caddr = rc->caddr;
		o->cport = rc->cport;
		o->saddr = rc->saddr;
		o->sport = rc->sport;
		o->age_ms = (now - rc->started) / 1000000;
		o->bytes_to_server = rc->origin ? rc->bytes_to_m : rc->bytes_to_c;
		o->bytes_to_client = rc->origin ? rc->bytes_to_c : rc->bytes_to_m;
		if (rc->m != NULL)
			snapshot_subflows(rc, o);
	}
	return n;
}

unsigned proxy_relay_active(const struct proxy_relay *r)
{
	return r->n_conns;
}

/* ---- build */

static void health_params(struct proxy_relay *r, const struct mgmt_config *cfg)
{
	r->health_params = (struct proxy_health_params){
		.timeout_ns = (uint64_t)cfg->health_probe_timeout_ms * 1000000,
		.down_after = cfg->health_down_after,
		.up_after = cfg->health_up_after,
		.loss_window = cfg->health_loss_window,
		.degraded_loss_pct = cfg->health_degraded_loss_pct,
		.degraded_rtt_ns = (uint64_t)cfg->health_degraded_rtt_ms * 1000000,
	};
}

static void copy_prefix(struct proxy_rules_prefix *to, const struct mgmt_prefix *from)
{
	to->family = from->family;
	to->len = from->len;
	memcpy(to->addr, from->addr, sizeof(to->addr));
}

static int build_rules(const struct mgmt_config *cfg, struct proxy_rules **rules,
		       struct proxy_rules **served_set, char *err)
{
	struct proxy_rules_rule *v = calloc(cfg->n_rules + 1, sizeof(*v));
	struct proxy_rules_prefix served[MGMT_PREFIXES_MAX];
	struct proxy_rules_error e = { 0 };
	static const uint8_t action[] = {
		[MGMT_RULE_INTERCEPT] = PROXY_RULES_INTERCEPT,
		[MGMT_RULE_PASSTHROUGH] = PROXY_RULES_PASSTHROUGH,
		[MGMT_RULE_DENY] = PROXY_RULES_DENY,
	};

	if (v == NULL) {
		snprintf(err, MGMT_ERR_MAX, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_rules; i++) {
		const struct mgmt_rule *mr = &cfg->rules[i];
		snprintf(v[i].name, sizeof(v[i].name), "%s", mr->name);
		v[i].peer = mr->peer;
		v[i].action = action[mr->action];
		v[i].has_sport = mr->has_sport;
		v[i].has_dport = mr->has_dport;
		v[i].sport = (struct proxy_rules_range){ mr->sport_lo, mr->sport_hi };
		v[i].dport = (struct proxy_rules_range){ mr->dport_lo, mr->dport_hi };
		copy_prefix(&v[i].dst, &mr->dst);
		copy_prefix(&v[i].src, &mr->src);
	}
	*rules = proxy_rules_build(v, cfg->n_rules, &e);
	free(v);
	if (*rules == NULL) {
		snprintf(err, MGMT_ERR_MAX, "rules[%d]: %s", e.rule, e.reason);
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_served; i++)
		copy_prefix(&served[i], &cfg->served[i]);
	*served_set = proxy_rules_build_served(served, cfg->n_served, &e);
	if (*served_set == NULL) {
		snprintf(err, MGMT_ERR_MAX, "served[%d]: %s", e.rule, e.reason);
		proxy_rules_free(*rules);
		*rules = NULL;
		return -1;
	}
	return 0;
}

static int build_engine(struct proxy_relay *r, char *err)
{
	const struct mgmt_config *cfg = r->cfg;
	/* Every address is on-link and asked for from 0.0.0.0 (an ARP probe,
	 * RFC 5227): hosts answer it without learning anything from it. */
	const struct tcpstack_addr any = { 0, 0, 0 };
	const struct tcpstack_arp_params arp = {
		.entries = cfg->arp_entries,
		.reachable_ns = cfg->arp_timeout_s * 1000000000ull,
		.retrans_ns = 1000000000ull,
		.max_probes = 3,
	};
	struct tcpstack_tcp_params tp = {
		.max_conns = cfg->proxy_max_conns * 2 + 16, /* and TIME_WAIT */
		.max_half_open = cfg->proxy_max_conns + 16,
		.sndbuf = cfg->proxy_buffer,
		.rcvbuf = cfg->proxy_buffer,
		.syncookies_off = true, /* only held SYNs come in */
	};

	r->ifc = tcpstack_iface_create(&r->env.inside_mac, &any, 1, &arp, r->env.pool,
				       &r->env.stats->tcp[r->env.inside]);
	r->tcp =
		tcpstack_tcp_create(&tp, r->env.pool, &r->env.stats->tcp[r->env.inside], output, r);
	if (r->ifc == NULL || r->tcp == NULL) {
		snprintf(err, MGMT_ERR_MAX, "cannot create the proxy's TCP engine");
		return -1;
	}
	r->listen_ops.event = listener_event;
	r->listen_ops.accept = relay_origin_accept;
	r->conn_ops.event = tcp_event;
	r->mp_ops.event = mp_event;
	r->far_listen_ops.event = mp_event;
	r->far_listen_ops.accept = relay_far_accept;
	r->service_listen_ops.event = mp_event;
	r->service_listen_ops.accept = relay_service_accept;
	if (tcpstack_tcp_listen(r->tcp, 0, 0, &r->listen_ops, r) != 0) {
		snprintf(err, MGMT_ERR_MAX, "cannot listen in the proxy's TCP engine");
		return -1;
	}
	return 0;
}

/* The mptcp-clients peer of @cfg with the slot, name and listen port of
 * @p (its listener stays as it is), or NULL. */
static const struct mgmt_peer *same_listener(const struct mgmt_config *cfg,
					     const struct mgmt_peer *p)
{
	for (unsigned i = 0; cfg != NULL && i < cfg->n_peers; i++) {
		const struct mgmt_peer *q = &cfg->peers[i];
		if (q->kind == MGMT_PEER_MPTCP_CLIENTS && q->slot == p->slot &&
		    q->listen_port == p->listen_port && strcmp(q->name, p->name) == 0)
			return q;
	}
	return NULL;
}

/* The listeners of mptcp-clients peers go from @old's (NULL: none) to
 * @cfg's: those gone are closed (their connections go on), the new ones
 * opened. All or nothing: on failure the old ones listen again, @err says
 * why, and -1. */
static int clients_listen(struct proxy_relay *r, const struct mgmt_config *old,
			  const struct mgmt_config *cfg, char *err)
{
	struct mptcp_stack *mp = r->env.mp;
	unsigned i, j;
	int rc = 0;

	for (i = 0; old != NULL && i < old->n_peers; i++) {
		const struct mgmt_peer *p = &old->peers[i];
		if (p->kind == MGMT_PEER_MPTCP_CLIENTS && same_listener(cfg, p) == NULL &&
		    mptcp_unlisten(mp, 0, p->listen_port) == 0)
			mgmt_log(LOG_NOTICE, "peer %s: port %u closed (its connections go on)",
				 p->name, p->listen_port);
	}
	for (j = 0; j < cfg->n_peers; j++) {
		const struct mgmt_peer *p = &cfg->peers[j];
		if (p->kind != MGMT_PEER_MPTCP_CLIENTS || same_listener(old, p) != NULL)
			continue;
		r->services[p->slot] = (struct relay_service){ r, p->slot };
		rc = mptcp_listen(mp, 0, p->listen_port, &r->service_listen_ops,
				  &r->services[p->slot]);
		if (rc != 0)
			break;
		if (old != NULL) /* (at start, the daemon says what runs) */
			mgmt_log(LOG_NOTICE, "peer %s: listening on port %u", p->name,
				 p->listen_port);
	}
	if (rc == 0)
		return 0;
	snprintf(err, MGMT_ERR_MAX, "peers.%s.listen %u: cannot listen: %s", cfg->peers[j].name,
		 cfg->peers[j].listen_port, strerror(-rc));
	while (j-- > 0) {
		const struct mgmt_peer *p = &cfg->peers[j];
		if (p->kind == MGMT_PEER_MPTCP_CLIENTS && same_listener(old, p) == NULL)
			mptcp_unlisten(mp, 0, p->listen_port);
	}
	for (i = 0; old != NULL && i < old->n_peers; i++) {
		const struct mgmt_peer *p = &old->peers[i];
		if (p->kind == MGMT_PEER_MPTCP_CLIENTS && same_listener(cfg, p) == NULL)
			mptcp_listen(mp, 0, p->listen_port, &r->service_listen_ops,
				     &r->services[p->slot]);
	}
	return -1;
}

struct proxy_relay *proxy_relay_create(const struct proxy_relay_env *env, uint64_t now, char *err)
{
	struct proxy_relay *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, MGMT_ERR_MAX, "out of memory");
		return NULL;
	}
	r->env = *env;
	r->cfg = env->cfg;
	r->wall_at = now;
	struct rte_hash_parameters hp = {
		.name = "mpgw_relay_held",
		.entries = RTE_MAX(r->cfg->proxy_max_conns, 64u),
		.key_len = sizeof(struct relay_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};
	r->held = rte_hash_create(&hp);
	if (r->held == NULL) {
		snprintf(err, MGMT_ERR_MAX, "cannot create the held-SYN table");
		goto fail;
	}
	if (build_rules(r->cfg, &r->rules, &r->served, err) != 0 || build_engine(r, err) != 0)
		goto fail;
	health_params(r, r->cfg);
	for (unsigned pi = 0; pi < MGMT_PORTS_MAX; pi++)
		if (env->box_ifc[pi] != NULL) {
			env->box_ifc[pi]->echo_reply = relay_paths_echo_reply;
			env->box_ifc[pi]->echo_ctx = r;
		}
	if (proxy_convert_replay_init(&r->replay, RTE_MAX(r->cfg->proxy_max_conns * 4, 1024u),
				      PROXY_CONVERT_WINDOW_MS) != 0) {
		snprintf(err, MGMT_ERR_MAX, "cannot create the replay cache");
		goto fail;
	}
	if (clients_listen(r, NULL, r->cfg, err) != 0)
		goto fail;
	/* Always: served prefixes may come with a reload. */
	{
		int rc = mptcp_listen(env->mp, 0, r->cfg->proxy_port, &r->far_listen_ops, r);
		if (rc != 0) {
			snprintf(err, MGMT_ERR_MAX, "proxy.port %u: cannot listen: %s",
				 r->cfg->proxy_port, strerror(-rc));
			goto fail;
		}
	}
	return r;
fail:
	proxy_relay_destroy(r);
	return NULL;
}

int proxy_relay_apply(struct proxy_relay *r, const struct mgmt_config *cfg, uint64_t now, char *err)
{
	struct proxy_rules *rules, *served;

	if (build_rules(cfg, &rules, &served, err) != 0)
		return -1;
	if (clients_listen(r, r->cfg, cfg, err) != 0) {
		proxy_rules_free(rules);
		proxy_rules_free(served);
		return -1;
	}
	/* New SYNs see the new rules; what was decided stays decided. A
	 * rule gone leaves its slot to a new one, from zero. */
	uint16_t at[MGMT_RULES_MAX] = { 0 }; /* by slot: 1 + the new rule's index */
	for (unsigned i = 0; i < cfg->n_rules; i++)
		at[cfg->rules[i].slot] = (uint16_t)(i + 1);
	for (unsigned i = 0; i < r->cfg->n_rules; i++) {
		const struct mgmt_rule *o = &r->cfg->rules[i];
		if (at[o->slot] == 0 || strcmp(cfg->rules[at[o->slot] - 1].name, o->name) != 0)
			r->env.stats->rule_hits[o->slot] = 0;
	}
	proxy_rules_free(r->rules);
	proxy_rules_free(r->served);
	r->rules = rules;
	r->served = served;
	relay_paths_apply(r, cfg, now);
	/* Connections follow their peer to its new index (slots stay); a
	 * removed peer's go on if spliced, else end (nothing to finish them
	 * with). The per-connection handlers run under busy. */
	uint64_t down_until[MGMT_PEERS_MAX] = { 0 };
	for (unsigned i = 0; i < cfg->n_peers; i++)
		for (unsigned j = 0; j < r->cfg->n_peers; j++)
			if (cfg->peers[i].slot == r->cfg->peers[j].slot &&
			    strcmp(cfg->peers[i].name, r->cfg->peers[j].name) == 0)
				down_until[cfg->peers[i].slot] =
					r->peer_down_until[cfg->peers[i].slot];
	memcpy(r->peer_down_until, down_until, sizeof(down_until));
	struct relay_conn *orphans = NULL;
	for (struct relay_conn *rc = r->conns; rc != NULL; rc = rc->next) {
		if (rc->peer == RELAY_PEER_GONE)
			continue;
		unsigned i = 0;
		while (i < cfg->n_peers && (cfg->peers[i].slot != rc->peer_slot ||
					    strcmp(cfg->peers[i].name, rc->peer_name) != 0))
			i++;
		rc->peer = i < cfg->n_peers ? (uint16_t)i : RELAY_PEER_GONE;
		if (rc->peer == RELAY_PEER_GONE && rc->state != RELAY_SPLICED)
			orphans = rc; /* at least one */
	}
	r->cfg = cfg;
	health_params(r, cfg);
	for (struct relay_conn *rc = r->conns, *next; orphans != NULL && rc != NULL; rc = next) {
		rc->busy++;
		if (rc->peer == RELAY_PEER_GONE && rc->state != RELAY_SPLICED) {
			if (rc->syn != NULL)
				relay_pass_syn(rc, PROXY_MIB_PROXY_PASS_PEER_FAILED);
			relay_abort(rc, now);
		}
		rc->busy--;
		next = rc->next;
		relay_conn_maybe_free(rc);
	}
	r->next_probe = now; /* new paths probed at once */
	return 0;
}

void proxy_relay_destroy(struct proxy_relay *r)
{
	if (r == NULL)
		return;
	/* The MPTCP stack outlives the relay: its connections are reset (no
	 * event follows); the engine's end without a word, and their CLOSED
	 * frees what is left of each relay_conn. */
	for (struct relay_conn *rc = r->conns; rc != NULL; rc = rc->next) {
		relay_unhold(rc);
		rte_pktmbuf_free(rc->syn);
		rc->syn = NULL;
		if (rc->m != NULL)
			mptcp_abort(rc->m, r->wall_at);
		rc->m = NULL;
	}
	tcpstack_tcp_destroy(r->tcp);
	r->tcp = NULL;
	while (r->conns != NULL) {
		r->conns->c = NULL;
		relay_conn_maybe_free(r->conns);
	}
	tcpstack_iface_destroy(r->ifc);
	proxy_rules_free(r->rules);
	proxy_rules_free(r->served);
	proxy_convert_replay_free(&r->replay);
	rte_hash_free(r->held);
	free(r);
}
