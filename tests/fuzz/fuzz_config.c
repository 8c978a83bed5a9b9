/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: mgmt_config_parse() on arbitrary bytes.
 *
 * Checks, besides "no crash, no sanitizer report":
 *  - the same input gives the same result twice (no dependence on the
 *    caller's memory or on state left by an earlier call);
 *  - on failure: -1, cfg all zero, err "fuzz.yaml:LINE: KEY: reason", one
 *    printable line, LINE a line the input has;
 *  - on success: err empty and every rule config.h and the schema promise
 *    (ranges, names, roles, address/port/service consistency), and a round
 *    trip: the configuration written back as YAML parses to the same bytes;
 *    and what the control socket relies on: mgmt_config_check() passes, the
 *    configuration may reload as itself, mgmt_config_align() follows names,
 *    rule prefixes and ports format and parse back the same.
 *    (A new configuration key must be added to write_yaml(), or the round
 *    trip fails: that is the point.)
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "mgmt/config.h"
#include "tests/fuzz/fuzz.h"

#define NAME "fuzz.yaml"
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* A NUL within the array, and only bytes >= 0x20 other than DEL before it. */
static bool printable_string(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Length of the UTF-8 sequence at s and its code point; 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, min = 0x80, *cp = s[0] & 0x1fu;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, min = 0x800, *cp = s[0] & 0x0fu;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, min = 0x10000, *cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3fu);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* ---- writing a configuration back as YAML ------------------------------- */

struct out {
	char b[256 * 1024];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(o->b + o->n, sizeof(o->b) - o->n, fmt, ap);
	va_end(ap);
	FUZZ_CHECK(k >= 0 && (size_t)k < sizeof(o->b) - o->n, "round-trip buffer too small");
	o->n += (size_t)k;
}

/* A double-quoted YAML scalar; everything outside printable ASCII escaped. */
static void emit_str(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	emit(o, "\"");
	while (*p) {
		uint32_t cp;
		size_t n = utf8_seq(p, &cp);

		FUZZ_CHECK(n > 0, "string '%s' in the configuration is not valid UTF-8", s);
		if (cp == '"' || cp == '\\')
			emit(o, "\\%c", (char)cp);
		else if (cp >= 0x20 && cp < 0x7f)
			emit(o, "%c", (char)cp);
		else if (cp <= 0xffff)
			emit(o, "\\u%04x", (unsigned)cp);
		else
			emit(o, "\\U%08x", (unsigned)cp);
		p += n;
	}
	emit(o, "\"");
}

static void emit_ip(struct out *o, uint32_t ip_be)
{
	const uint8_t *b = (const uint8_t *)&ip_be;

	emit(o, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* A prefix as "address/len", quoted. */
static void emit_prefix(struct out *o, const struct mgmt_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	FUZZ_CHECK(inet_ntop(p->family, p->addr, a, sizeof(a)) != NULL, "prefix family %u",
		   p->family);
	emit(o, "\"%s/%u\"", a, p->len);
}

static void emit_peer(const struct mgmt_config *c, const struct mgmt_peer *p, struct out *o)
{
	static const char *const kinds[] = { "gateway", "mptcp-server", "mptcp-clients" };

	emit(o, "  - name: ");
	emit_str(o, p->name);
	emit(o, "\n    kind: %s\n", kinds[p->kind]);
	if (p->kind == MGMT_PEER_GATEWAY) {
		emit(o, "    port: %u\n", p->port);
		if (p->psk_file[0]) {
			emit(o, "    psk_file: ");
			emit_str(o, p->psk_file);
		} else {
			emit(o, "    psk: ");
			for (unsigned i = 0; i < p->psk_len; i++)
				emit(o, "%02x", p->psk[i]);
		}
		emit(o, "\n");
	}
	if (p->scheduler[0])
		emit(o, "    scheduler: %s\n", p->scheduler);
	if (p->cc[0])
		emit(o, "    cc: %s\n", p->cc);
	emit(o, "    paths: [");
	for (unsigned j = 0; j < p->n_paths; j++) {
		const struct mgmt_path *q = &p->paths[j];

		emit(o, "%s{name: ", j ? ", " : "");
		emit_str(o, q->name);
		emit(o, ", local: ");
		emit_str(o, c->addrs[q->local].name);
		if (q->remote_ip) {
			emit(o, ", remote: ");
			emit_ip(o, q->remote_ip);
		}
		emit(o, ", backup: %s}", q->backup ? "true" : "false");
	}
	emit(o, "]\n");
	if (p->kind == MGMT_PEER_MPTCP_CLIENTS) {
		emit(o, "    listen: %u\n    backend: \"", p->listen_port);
		emit_ip(o, p->backend_ip);
		emit(o, ":%u\"\n", p->backend_port);
	}
}

static void emit_rule(const struct mgmt_config *c, const struct mgmt_rule *r, struct out *o)
{
	static const char *const actions[] = { "intercept", "passthrough", "deny" };

	emit(o, "  - name: ");
	emit_str(o, r->name);
	emit(o, "\n    dst: ");
	emit_prefix(o, &r->dst);
	if (r->src.family) {
		emit(o, "\n    src: ");
		emit_prefix(o, &r->src);
	}
	if (r->has_dport)
		emit(o, "\n    dport: %u-%u", r->dport_lo, r->dport_hi);
	if (r->has_sport)
		emit(o, "\n    sport: %u-%u", r->sport_lo, r->sport_hi);
	emit(o, "\n    action: %s\n", actions[r->action]);
	if (r->action == MGMT_RULE_INTERCEPT) {
		emit(o, "    peer: ");
		emit_str(o, c->peers[r->peer].name);
		emit(o, "\n");
	}
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_ERR:
		return "err";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	case LOG_DEBUG:
		return "debug";
	}
	return NULL;
}

static void write_yaml(const struct mgmt_config *c, struct out *o)
{
	static const char *const roles[] = { "inside", "outside", "wan" };

	o->n = 0;
	emit(o, "eal:\n  args: [");
	for (unsigned i = 0; i < c->eal_argc; i++) {
		emit(o, "%s", i ? ", " : "");
		emit_str(o, c->eal_args[i]);
	}
	emit(o, "]\nports:\n");
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct mgmt_port *p = &c->ports[i];

		emit(o, "  - name: ");
		emit_str(o, p->name);
		emit(o, "\n    devargs: ");
		emit_str(o, p->devargs);
		emit(o, "\n    role: %s\n    mtu: %u\n    rx_desc: %u\n    tx_desc: %u\n",
		     roles[p->role], p->mtu, p->rx_desc, p->tx_desc);
	}
	if (c->n_addrs)
		emit(o, "addresses:\n");
	for (unsigned i = 0; i < c->n_addrs; i++) {
		const struct mgmt_addr *a = &c->addrs[i];

		emit(o, "  - name: ");
		emit_str(o, a->name);
		emit(o, "\n    port: ");
		emit_str(o, c->ports[a->port].name);
		emit(o, "\n    address: ");
		emit_ip(o, a->ip);
		emit(o, "/%u\n", a->prefix_len);
		if (a->has_gateway) {
			emit(o, "    gateway: ");
			emit_ip(o, a->gateway);
			emit(o, "\n");
		}
	}
	if (c->n_services)
		emit(o, "services:\n");
	for (unsigned i = 0; i < c->n_services; i++) {
		static const char *const kinds[] = { "echo", "sink", "source" };
		const struct mgmt_service *sv = &c->services[i];

		emit(o, "  - name: ");
		emit_str(o, sv->name);
		emit(o, "\n    kind: %s\n", kinds[sv->kind]);
		if (sv->listen_port) {
			emit(o, "    listen: %u\n", sv->listen_port);
		} else {
			emit(o, "    connect: ");
			emit_ip(o, sv->connect_ip);
			emit(o, ":%u\n", sv->connect_port);
		}
		emit(o, "    from: ");
		emit_str(o, c->addrs[sv->from_addr].name);
		emit(o, "\n    connections: %u\n    bytes: %llu\n    sndbuf: %u\n    rcvbuf: %u\n",
		     sv->connections, (unsigned long long)sv->bytes, sv->sndbuf, sv->rcvbuf);
		if (sv->cc[0]) {
			emit(o, "    cc: ");
			emit_str(o, sv->cc);
			emit(o, "\n");
		}
		emit(o, "    mptcp: %s\n", sv->mptcp ? "true" : "false");
		if (sv->scheduler[0])
			emit(o, "    scheduler: %s\n", sv->scheduler);
	}
	if (c->n_peers)
		emit(o, "peers:\n");
	for (unsigned i = 0; i < c->n_peers; i++)
		emit_peer(c, &c->peers[i], o);
	if (c->n_rules)
		emit(o, "rules:\n");
	for (unsigned i = 0; i < c->n_rules; i++)
		emit_rule(c, &c->rules[i], o);
	emit(o, "served: [");
	for (unsigned i = 0; i < c->n_served; i++) {
		emit(o, "%s", i ? ", " : "");
		emit_prefix(o, &c->served[i]);
	}
	emit(o,
	     "]\nproxy: {port: %u, max_connections: %u, buffer: %u, connect_timeout_ms: %u, "
	     "idle_timeout_s: %u}\n",
	     c->proxy_port, c->proxy_max_conns, c->proxy_buffer, c->proxy_connect_timeout_ms,
	     c->proxy_idle_timeout_s);
	emit(o, "tcp: {max_connections: %u, max_half_open: %u, syncookies: %s}\n", c->tcp_max_conns,
	     c->tcp_max_half_open, c->tcp_syncookies ? "true" : "false");
	emit(o, "workers: {count: %u, idle_sleep_us: %u, burst: %u}\n", c->workers,
	     c->idle_sleep_us, c->burst);
	emit(o, "mempool: {mbufs: %u, cache: %u}\n", c->mbufs, c->mbuf_cache);
	emit(o, "arp: {timeout_s: %u, entries: %u}\n", c->arp_timeout_s, c->arp_entries);
	emit(o, "log: {level: %s, syslog: %s}\n", level_name(c->log_level),
	     c->log_syslog ? "true" : "false");
	emit(o, "control:\n  socket: ");
	emit_str(o, c->ctl_socket);
	emit(o, "\n  mode: \"%04o\"\n", c->ctl_mode);
	if (c->ctl_owner >= 0)
		emit(o, "  owner: %lld\n", (long long)c->ctl_owner);
	if (c->ctl_group >= 0)
		emit(o, "  group: \"%lld\"\n", (long long)c->ctl_group);
	emit(o, "metrics: {listen: ");
	if (c->metrics_listen[0])
		emit_str(o, c->metrics_listen);
	else
		emit(o, "off");
	emit(o,
	     "}\nhealth:\n  probe_interval_ms: %u\n  probe_timeout_ms: %u\n  down_after: %u\n"
	     "  up_after: %u\n  loss_window: %u\n  degraded_loss_pct: %u\n"
	     "  degraded_rtt_ms: %u\n",
	     c->health_probe_interval_ms, c->health_probe_timeout_ms, c->health_down_after,
	     c->health_up_after, c->health_loss_window, c->health_degraded_loss_pct,
	     c->health_degraded_rtt_ms);
}

/* ---- checks ---------------------------------------------------------------- */

static bool pow2_in(unsigned v, unsigned lo, unsigned hi)
{
	return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

static bool valid_name(const char *s)
{
	size_t n = strnlen(s, MGMT_NAME_MAX);

	return n > 0 && n < MGMT_NAME_MAX && strspn(s, NAME_CHARS) == n;
}

static bool valid_prefix(const struct mgmt_prefix *p)
{
	unsigned max = p->family == AF_INET ? 32 : 128;

	if ((p->family != AF_INET && p->family != AF_INET6) || p->len > max)
		return false;
	for (unsigned bit = p->len; bit < 128; bit = (bit | 7) + 1)
		if (p->addr[bit / 8] & ~(uint8_t)(bit % 8 ? 0xff00 >> (bit % 8) : 0))
			return false;
	return true;
}

static void check_peer(const struct mgmt_config *c, unsigned i)
{
	const struct mgmt_peer *p = &c->peers[i];
	bool gw = p->kind == MGMT_PEER_GATEWAY, clients = p->kind == MGMT_PEER_MPTCP_CLIENTS;

	FUZZ_CHECK(valid_name(p->name), "peer %u name", i);
	FUZZ_CHECK(p->kind <= MGMT_PEER_MPTCP_CLIENTS, "peer %u kind %d", i, (int)p->kind);
	FUZZ_CHECK(gw == (p->port != 0), "peer %u port %u", i, p->port);
	FUZZ_CHECK(p->psk_len == 0 || (p->psk_len >= MGMT_PSK_MIN && p->psk_len <= MGMT_PSK_MAX),
		   "peer %u psk_len %u", i, p->psk_len);
	FUZZ_CHECK(printable_string(p->psk_file, MGMT_FILE_MAX), "peer %u psk_file", i);
	FUZZ_CHECK(gw == ((p->psk_len != 0) != (p->psk_file[0] != '\0')),
		   "peer %u: a gateway has one key, the others none", i);
	FUZZ_CHECK(p->n_paths <= MGMT_PATHS_MAX && (clients || p->n_paths >= 1),
		   "peer %u: %u paths", i, p->n_paths);
	for (unsigned j = 0; j < p->n_paths; j++) {
		const struct mgmt_path *q = &p->paths[j];

		FUZZ_CHECK(valid_name(q->name), "peer %u path %u name", i, j);
		FUZZ_CHECK(q->local < c->n_addrs, "peer %u path %u local %u", i, j, q->local);
		FUZZ_CHECK(gw ? q->remote_ip != 0 : clients || q->remote_ip == 0,
			   "peer %u path %u remote", i, j);
		for (unsigned k = 0; k < j; k++)
			FUZZ_CHECK(strcmp(p->paths[k].name, q->name) != 0, "peer %u paths %u %u", i,
				   k, j);
	}
	for (unsigned j = p->n_paths; j < MGMT_PATHS_MAX; j++)
		FUZZ_CHECK(all_zero(&p->paths[j], sizeof(p->paths[j])), "peer %u path %u", i, j);
	FUZZ_CHECK(clients == (p->listen_port != 0) && clients == (p->backend_port != 0),
		   "peer %u listen/backend", i);
	FUZZ_CHECK(p->listen_port == 0 || p->listen_port != c->proxy_port,
		   "peer %u listens on the proxy port", i);
	for (unsigned k = 0; k < i; k++) {
		FUZZ_CHECK(strcmp(c->peers[k].name, p->name) != 0, "peer names %u %u", k, i);
		FUZZ_CHECK(!p->listen_port || c->peers[k].listen_port != p->listen_port,
			   "peers %u %u listen on one port", k, i);
	}
	for (unsigned k = 0; k < c->n_services; k++)
		FUZZ_CHECK(!p->listen_port || c->services[k].listen_port != p->listen_port,
			   "peer %u and service %u listen on one port", i, k);
}

static void check_proxy(const struct mgmt_config *c)
{
	static const struct mgmt_prefix none;

	FUZZ_CHECK(c->n_peers <= MGMT_PEERS_MAX, "%u peers", c->n_peers);
	for (unsigned i = 0; i < c->n_peers; i++)
		check_peer(c, i);
	for (unsigned i = c->n_peers; i < MGMT_PEERS_MAX; i++)
		FUZZ_CHECK(all_zero(&c->peers[i], sizeof(c->peers[i])), "peer %u not zero", i);

	FUZZ_CHECK(c->n_rules <= MGMT_RULES_MAX, "%u rules", c->n_rules);
	for (unsigned i = 0; i < c->n_rules; i++) {
		const struct mgmt_rule *r = &c->rules[i];

		FUZZ_CHECK(valid_name(r->name), "rule %u name", i);
		FUZZ_CHECK(valid_prefix(&r->dst), "rule %u dst", i);
		FUZZ_CHECK(memcmp(&r->src, &none, sizeof(none)) == 0 ||
				   (valid_prefix(&r->src) && r->src.family == r->dst.family),
			   "rule %u src", i);
		FUZZ_CHECK(r->has_dport ? r->dport_lo <= r->dport_hi : !r->dport_lo && !r->dport_hi,
			   "rule %u dport", i);
		FUZZ_CHECK(r->has_sport ? r->sport_lo <= r->sport_hi : !r->sport_lo && !r->sport_hi,
			   "rule %u sport", i);
		FUZZ_CHECK(r->action <= MGMT_RULE_DENY, "rule %u action", i);
		if (r->action == MGMT_RULE_INTERCEPT)
			FUZZ_CHECK(r->peer < c->n_peers &&
					   c->peers[r->peer].kind != MGMT_PEER_MPTCP_CLIENTS,
				   "rule %u peer %u", i, r->peer);
		else
			FUZZ_CHECK(r->peer == 0, "rule %u peer %u", i, r->peer);
		for (unsigned k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(c->rules[k].name, r->name) != 0, "rule names %u %u", k,
				   i);
	}
	for (unsigned i = c->n_rules; i < MGMT_RULES_MAX; i++)
		FUZZ_CHECK(all_zero(&c->rules[i], sizeof(c->rules[i])), "rule %u not zero", i);

	FUZZ_CHECK(c->n_served <= MGMT_PREFIXES_MAX, "%u served", c->n_served);
	for (unsigned i = 0; i < MGMT_PREFIXES_MAX; i++)
		FUZZ_CHECK(i < c->n_served ? valid_prefix(&c->served[i])
					   : all_zero(&c->served[i], sizeof(c->served[i])),
			   "served %u", i);

	FUZZ_CHECK(c->proxy_port != 0, "proxy port 0");
	for (unsigned k = 0; k < c->n_services; k++)
		FUZZ_CHECK(c->services[k].listen_port != c->proxy_port,
			   "service %u listens on the proxy port", k);
	FUZZ_CHECK(c->proxy_max_conns >= 1 && c->proxy_max_conns <= 1048576, "max_conns %u",
		   c->proxy_max_conns);
	FUZZ_CHECK(c->proxy_buffer >= 16384 && c->proxy_buffer <= 67108864, "buffer %u",
		   c->proxy_buffer);
	FUZZ_CHECK(c->proxy_connect_timeout_ms >= 100 && c->proxy_connect_timeout_ms <= 600000,
		   "connect_timeout_ms %u", c->proxy_connect_timeout_ms);
	FUZZ_CHECK(c->proxy_idle_timeout_s <= 604800, "idle_timeout_s %u", c->proxy_idle_timeout_s);
}

/* The management plane's sections. */
static void check_mgmt(const struct mgmt_config *c)
{
	size_t n = strnlen(c->ctl_socket, sizeof(c->ctl_socket));

	FUZZ_CHECK(printable_string(c->ctl_socket, sizeof(c->ctl_socket)) && n > 0 &&
			   c->ctl_socket[0] == '/',
		   "control.socket '%.*s'", (int)n, c->ctl_socket);
	FUZZ_CHECK(c->ctl_owner >= -1 && c->ctl_owner < 0xffffffffll, "owner %lld",
		   (long long)c->ctl_owner);
	FUZZ_CHECK(c->ctl_group >= -1 && c->ctl_group < 0xffffffffll, "group %lld",
		   (long long)c->ctl_group);
	FUZZ_CHECK(c->ctl_mode <= 0777 && (c->ctl_mode & 07) == 0, "mode %o", c->ctl_mode);
	FUZZ_CHECK(printable_string(c->metrics_listen, sizeof(c->metrics_listen)),
		   "metrics.listen");
	FUZZ_CHECK(c->health_probe_interval_ms == 0 || (c->health_probe_interval_ms >= 100 &&
							c->health_probe_interval_ms <= 60000),
		   "probe_interval_ms %u", c->health_probe_interval_ms);
	FUZZ_CHECK(c->health_probe_timeout_ms >= 10 && c->health_probe_timeout_ms <= 60000,
		   "probe_timeout_ms %u", c->health_probe_timeout_ms);
	FUZZ_CHECK(c->health_down_after >= 1 && c->health_down_after <= 100, "down_after %u",
		   c->health_down_after);
	FUZZ_CHECK(c->health_up_after >= 1 && c->health_up_after <= 100, "up_after %u",
		   c->health_up_after);
	FUZZ_CHECK(c->health_loss_window >= 4 && c->health_loss_window <= 1000, "loss_window %u",
		   c->health_loss_window);
	FUZZ_CHECK(c->health_degraded_loss_pct >= 1 && c->health_degraded_loss_pct <= 100,
		   "degraded_loss_pct %u", c->health_degraded_loss_pct);
	FUZZ_CHECK(c->health_degraded_rtt_ms <= 60000, "degraded_rtt_ms %u",
		   c->health_degraded_rtt_ms);
}

/* What the control socket's handlers rely on, on a parsed configuration. */
static void check_edit_api(const struct mgmt_config *c)
{
	static struct mgmt_config moved;
	char err[MGMT_ERR_MAX], text[64];
	unsigned n = c->n_peers;

	FUZZ_CHECK(mgmt_config_check(c, err) == 0, "a parsed configuration fails the check: %s",
		   err);
	FUZZ_CHECK(mgmt_config_reloadable(c, c, err) == 0, "not reloadable as itself: %s", err);
	for (unsigned i = 0; i < n; i++) {
		FUZZ_CHECK(c->peers[i].slot == i, "peer %u slot %u", i, c->peers[i].slot);
		FUZZ_CHECK(mgmt_config_peer_index(c, c->peers[i].name) == (int)i, "peer index %u",
			   i);
		for (unsigned j = 0; j < c->peers[i].n_paths; j++)
			FUZZ_CHECK(c->peers[i].paths[j].slot == j &&
					   mgmt_config_path_index(&c->peers[i],
								  c->peers[i].paths[j].name) ==
						   (int)j,
				   "peer %u path %u slot", i, j);
	}
	/* the peers in reverse order: each keeps its slot under align */
	moved = *c;
	for (unsigned i = 0; i < n; i++)
		moved.peers[i] = c->peers[n - 1 - i];
	for (unsigned i = 0; i < n; i++)
		moved.peers[i].slot = (uint8_t)(7 - i % 8);
	mgmt_config_align(c, &moved);
	for (unsigned i = 0; i < n; i++)
		FUZZ_CHECK(moved.peers[i].slot == n - 1 - i, "aligned slot of peer %u: %u", i,
			   moved.peers[i].slot);
	for (unsigned i = 0; i < c->n_rules; i++) {
		const struct mgmt_rule *r = &c->rules[i];
		struct mgmt_prefix pf;
		uint16_t lo, hi;

		FUZZ_CHECK(mgmt_config_rule_index(c, r->name) == (int)i, "rule index %u", i);
		mgmt_prefix_format(&r->dst, text, sizeof(text));
		FUZZ_CHECK(mgmt_prefix_parse(text, &pf, err) == 0 &&
				   memcmp(&pf, &r->dst, sizeof(pf)) == 0,
			   "rule %u: dst '%s' parsed back differs", i, text);
		if (r->has_dport) {
			snprintf(text, sizeof(text), "%u-%u", r->dport_lo, r->dport_hi);
			FUZZ_CHECK(mgmt_port_range_parse(text, &lo, &hi, err) == 0 &&
					   lo == r->dport_lo && hi == r->dport_hi,
				   "rule %u: dport '%s'", i, text);
		}
		FUZZ_CHECK(mgmt_rule_action_name(r->action) != NULL, "rule %u action", i);
	}
}

static void check_good(const struct mgmt_config *c)
{
	int first[3] = { -1, -1, -1 };

	FUZZ_CHECK(c->eal_argc <= MGMT_EAL_ARGS_MAX, "%u", c->eal_argc);
	for (unsigned i = 0; i < MGMT_EAL_ARGS_MAX; i++) {
		if (i < c->eal_argc)
			FUZZ_CHECK(printable_string(c->eal_args[i], MGMT_EAL_ARG_LEN), "eal arg %u",
				   i);
		else
			FUZZ_CHECK(all_zero(c->eal_args[i], MGMT_EAL_ARG_LEN), "eal arg %u", i);
	}

	FUZZ_CHECK(c->n_ports >= 1 && c->n_ports <= MGMT_PORTS_MAX, "%u ports", c->n_ports);
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct mgmt_port *p = &c->ports[i];

		FUZZ_CHECK(valid_name(p->name), "port %u name", i);
		FUZZ_CHECK(mgmt_config_port_index(c, p->name) == (int)i, "port %u: index of '%s'",
			   i, p->name);
		FUZZ_CHECK(printable_string(p->devargs, MGMT_DEVARGS_MAX) && p->devargs[0],
			   "port %u devargs", i);
		FUZZ_CHECK(p->role <= MGMT_PORT_WAN, "port %u role %d", i, (int)p->role);
		FUZZ_CHECK(p->mtu == 0 || (p->mtu >= 68 && p->mtu <= 9600), "mtu %u", p->mtu);
		FUZZ_CHECK(pow2_in(p->rx_desc, 64, 16384), "rx_desc %u", p->rx_desc);
		FUZZ_CHECK(pow2_in(p->tx_desc, 64, 16384), "tx_desc %u", p->tx_desc);
		if (p->role != MGMT_PORT_WAN) {
			FUZZ_CHECK(first[p->role] < 0, "two ports with role %d", (int)p->role);
			first[p->role] = (int)i;
		}
	}
	FUZZ_CHECK((first[MGMT_PORT_INSIDE] < 0) == (first[MGMT_PORT_OUTSIDE] < 0),
		   "inside without outside or the reverse");
	FUZZ_CHECK(mgmt_config_port_by_role(c, MGMT_PORT_INSIDE) == first[MGMT_PORT_INSIDE],
		   "port_by_role(inside)");
	FUZZ_CHECK(mgmt_config_port_by_role(c, MGMT_PORT_OUTSIDE) == first[MGMT_PORT_OUTSIDE],
		   "port_by_role(outside)");
	for (unsigned i = c->n_ports; i < MGMT_PORTS_MAX; i++)
		FUZZ_CHECK(all_zero(&c->ports[i], sizeof(c->ports[i])), "port %u not zero", i);

	FUZZ_CHECK(c->n_addrs <= MGMT_ADDRS_MAX, "%u addresses", c->n_addrs);
	for (unsigned i = 0; i < c->n_addrs; i++) {
		const struct mgmt_addr *a = &c->addrs[i];
		uint32_t ip = ntohl(a->ip), gw = ntohl(a->gateway), mask;

		FUZZ_CHECK(valid_name(a->name), "address %u name", i);
		FUZZ_CHECK(a->port < c->n_ports, "address %u port %u", i, a->port);
		FUZZ_CHECK(c->ports[a->port].role != MGMT_PORT_INSIDE, "address %u on inside", i);
		FUZZ_CHECK(a->prefix_len >= 1 && a->prefix_len <= 32, "prefix %u", a->prefix_len);
		mask = a->prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> a->prefix_len);
		if (a->prefix_len < 31)
			FUZZ_CHECK((ip & ~mask) != 0 && (ip & ~mask) != ~mask,
				   "address %u is its network's or broadcast address", i);
		if (a->has_gateway) {
			FUZZ_CHECK((gw & mask) == (ip & mask) && gw != ip,
				   "address %u: gateway off its prefix, or itself", i);
		} else {
			FUZZ_CHECK(a->gateway == 0, "address %u: gateway without has_gateway", i);
		}
		for (unsigned j = 0; j < i; j++) {
			FUZZ_CHECK(strcmp(c->addrs[j].name, a->name) != 0, "address names %u %u", j,
				   i);
			FUZZ_CHECK(c->addrs[j].ip != a->ip, "addresses %u %u share an IP", j, i);
		}
	}
	for (unsigned i = c->n_addrs; i < MGMT_ADDRS_MAX; i++)
		FUZZ_CHECK(all_zero(&c->addrs[i], sizeof(c->addrs[i])), "address %u not zero", i);

	FUZZ_CHECK(c->n_services <= MGMT_SERVICES_MAX, "%u services", c->n_services);
	for (unsigned i = 0; i < c->n_services; i++) {
		const struct mgmt_service *sv = &c->services[i];

		FUZZ_CHECK(valid_name(sv->name), "service %u name", i);
		FUZZ_CHECK(sv->kind <= MGMT_SVC_SOURCE, "service %u kind %d", i, (int)sv->kind);
		if (sv->listen_port)
			FUZZ_CHECK(sv->connect_ip == 0 && sv->connect_port == 0,
				   "service %u listens and connects", i);
		else
			FUZZ_CHECK(sv->connect_port != 0, "service %u neither listens nor connects",
				   i);
		FUZZ_CHECK(sv->from_addr < c->n_addrs, "service %u from address %u", i,
			   sv->from_addr);
		FUZZ_CHECK(sv->connections >= 1 && sv->connections <= 100000,
			   "service %u connections %u", i, sv->connections);
		FUZZ_CHECK(sv->bytes >= 1 && sv->bytes <= (1ull << 50), "service %u bytes %llu", i,
			   (unsigned long long)sv->bytes);
		FUZZ_CHECK(sv->sndbuf == 0 || (sv->sndbuf >= 4096 && sv->sndbuf <= (1u << 30)),
			   "service %u sndbuf %u", i, sv->sndbuf);
		FUZZ_CHECK(sv->rcvbuf == 0 || (sv->rcvbuf >= 4096 && sv->rcvbuf <= (1u << 30)),
			   "service %u rcvbuf %u", i, sv->rcvbuf);
		FUZZ_CHECK(sv->cc[0] == '\0' || strcmp(sv->cc, "cubic") == 0 ||
				   strcmp(sv->cc, "newreno") == 0 || strcmp(sv->cc, "reno") == 0 ||
				   (sv->mptcp &&
				    (strcmp(sv->cc, "lia") == 0 || strcmp(sv->cc, "olia") == 0)),
			   "service %u cc", i);
		FUZZ_CHECK(sv->scheduler[0] == '\0' || sv->mptcp, "service %u scheduler", i);
		for (unsigned j = 0; j < i; j++) {
			FUZZ_CHECK(strcmp(c->services[j].name, sv->name) != 0,
				   "service names %u %u", j, i);
			FUZZ_CHECK(!sv->listen_port ||
					   c->services[j].listen_port != sv->listen_port,
				   "services %u %u listen on one port", j, i);
		}
	}
	for (unsigned i = c->n_services; i < MGMT_SERVICES_MAX; i++)
		FUZZ_CHECK(all_zero(&c->services[i], sizeof(c->services[i])), "service %u not zero",
			   i);

	check_proxy(c);

	FUZZ_CHECK(c->workers >= 1 && c->workers <= 16, "workers %u", c->workers);
	FUZZ_CHECK(c->idle_sleep_us <= 100000, "idle_sleep_us %u", c->idle_sleep_us);
	FUZZ_CHECK(c->burst >= 1 && c->burst <= 256, "burst %u", c->burst);
	FUZZ_CHECK(c->mbufs >= 512 && c->mbufs <= 1048575, "mbufs %u", c->mbufs);
	FUZZ_CHECK(c->mbuf_cache <= 512 && 3ull * c->mbuf_cache <= 2ull * c->mbufs, "cache %u",
		   c->mbuf_cache);
	FUZZ_CHECK(c->arp_timeout_s >= 1 && c->arp_timeout_s <= 86400, "timeout %u",
		   c->arp_timeout_s);
	FUZZ_CHECK(pow2_in(c->arp_entries, 16, 65536), "arp entries %u", c->arp_entries);
	FUZZ_CHECK(level_name(c->log_level) != NULL, "log level %d", c->log_level);
	check_mgmt(c);
	check_edit_api(c);
}

/* Lines a message may name: 1 + every byte that may end a line (LF, CR, and
 * the last bytes of NEL, LS and PS in UTF-8 and UTF-16), an upper bound. */
static unsigned long max_line(const uint8_t *d, size_t n)
{
	unsigned long lines = 1;

	for (size_t i = 0; i < n; i++)
		if (d[i] == '\n' || d[i] == '\r' || d[i] == 0x85 || d[i] == 0xa8 || d[i] == 0xa9 ||
		    d[i] == 0x28 || d[i] == 0x29)
			lines++;
	return lines;
}

static void check_bad(const uint8_t *data, size_t size, const struct mgmt_config *c,
		      const char *err)
{
	const char *p = err + strlen(NAME ":");
	unsigned long line = 0;
	size_t digits;

	FUZZ_CHECK(all_zero(c, sizeof(*c)), "cfg not zeroed on failure (%s)", err);
	FUZZ_CHECK(!strstr(err, "internal error"), "the parse's safety net fired: %s", err);
	FUZZ_CHECK(printable_string(err, MGMT_ERR_MAX), "err not one printable line");
	FUZZ_CHECK(strncmp(err, NAME ":", strlen(NAME ":")) == 0, "err '%s'", err);
	digits = strspn(p, "0123456789");
	FUZZ_CHECK(digits > 0 && digits < 11 && p[0] != '0', "no line in '%s'", err);
	for (size_t i = 0; i < digits; i++)
		line = line * 10 + (unsigned long)(p[i] - '0');
	FUZZ_CHECK(line <= max_line(data, size), "line %lu past the end (%zu bytes): '%s'", line,
		   size, err);
	p += digits;
	FUZZ_CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0' && strstr(p + 2, ": ") != NULL,
		   "not 'FILE:LINE: KEY: reason': '%s'", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mgmt_config c1, c2;
	static struct out yaml;
	char err1[MGMT_ERR_MAX], err2[MGMT_ERR_MAX];
	int rc1, rc2;

	memset(&c1, 0xa5, sizeof(c1));
	memset(err1, 'x', sizeof(err1));
	rc1 = mgmt_config_parse((const char *)data, size, NAME, &c1, err1);

	memset(&c2, 0x5a, sizeof(c2));
	memset(err2, 'y', sizeof(err2));
	rc2 = mgmt_config_parse((const char *)data, size, NAME, &c2, err2);
	FUZZ_CHECK(rc1 == rc2 && strcmp(err1, err2) == 0 && memcmp(&c1, &c2, sizeof(c1)) == 0,
		   "two parses differ: %d '%s' / %d '%s'", rc1, err1, rc2, err2);

	if (rc1 != 0) {
		FUZZ_CHECK(rc1 == -1, "rc %d", rc1);
		check_bad(data, size, &c1, err1);
		return 0;
	}
	FUZZ_CHECK(err1[0] == '\0', "success with err '%s'", err1);
	check_good(&c1);

	write_yaml(&c1, &yaml);
	rc2 = mgmt_config_parse(yaml.b, yaml.n, "roundtrip.yaml", &c2, err2);
	FUZZ_CHECK(rc2 == 0, "written back, the configuration fails: %s\n%.*s", err2, (int)yaml.n,
		   yaml.b);
	FUZZ_CHECK(memcmp(&c1, &c2, sizeof(c1)) == 0,
		   "written back, the configuration reads differently:\n%.*s", (int)yaml.n, yaml.b);
	return 0;
}
