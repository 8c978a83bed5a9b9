/* SPDX-License-Identifier: BSD-3-Clause */
/* The control protocol's commands (docs/control.md): show what runs, and
 * change it. Every change, from a command or a reload, goes the same way:
 * a copy of the running configuration is edited (or the file read),
 * checked, refused if it needs a restart, aligned so that counters keep
 * their slots, applied by the data plane, and only then is it the running
 * one. A refusal leaves everything as it was and says why in one line. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmt/commands.h"

static json_t *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *fail(const char *fmt, ...)
{
	char msg[MGMT_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void ip_str(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	inet_ntop(AF_INET, &ip, out, INET_ADDRSTRLEN);
}

static json_t *endpoint(uint32_t ip, uint16_t port)
{
	char a[INET_ADDRSTRLEN];

	ip_str(ip, a);
	return json_sprintf("%s:%u", a, port);
}

/* ---- changing the running configuration */

int mgmt_change(struct mgmt_state *st, struct mgmt_config *next, char *err)
{
	/* Slots first: the check wants them, and counters follow names. */
	mgmt_config_align(st->running, next);
	if (mgmt_config_check(next, err) != 0 ||
	    mgmt_config_reloadable(st->running, next, err) != 0)
		return -1;
	struct mgmt_config *copy = malloc(sizeof(*copy));
	if (copy == NULL) {
		snprintf(err, MGMT_ERR_MAX, "out of memory");
		return -1;
	}
	*copy = *next;
	if (st->hooks->apply(st->hooks->ctx, copy, err) != 0) {
		free(copy);
		return -1;
	}
	*st->running = *next;
	mgmt_log_set_level(next->log_level);
	mgmt_log_open(next->log_syslog);
	/* copy is the data plane's now */
	// cppcheck-suppress memleak
	return 0;
}

/* A copy of the running configuration to edit (NULL: out of memory). */
static struct mgmt_config *draft(const struct mgmt_state *st)
{
	struct mgmt_config *d = malloc(sizeof(*d));

	if (d != NULL)
		*d = *st->running;
	return d;
}

/* Apply @d (freed), answering ok or why not; @fmt says what, for the log. */
static json_t *commit(struct mgmt_state *st, struct mgmt_config *d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_t *commit(struct mgmt_state *st, struct mgmt_config *d, const char *fmt, ...)
{
	char err[MGMT_ERR_MAX], what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	int rc = mgmt_change(st, d, err);

	free(d);
	if (rc != 0) {
		mgmt_log(LOG_WARNING, "control (uid %u): %s refused: %s", st->caller_uid, what,
			 err);
		return fail("%s", err);
	}
	mgmt_log(LOG_NOTICE, "control (uid %u): %s", st->caller_uid, what);
	return ok();
}

void mgmt_reload(struct mgmt_state *st, const char *why)
{
	struct mgmt_config *next = malloc(sizeof(*next));
	char err[MGMT_ERR_MAX];
	int rc = -1;

	if (next == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else if (mgmt_config_load(st->config_path, next, err) == 0)
		rc = mgmt_change(st, next, err);
	free(next);
	st->reload.time = time(NULL);
	st->reload.ok = rc == 0;
	if (rc == 0) {
		st->reload.ok_time = st->reload.time;
		st->reload.n_ok++;
		st->reload.error[0] = '\0';
		mgmt_log(LOG_NOTICE, "reload (%s): %s applied", why, st->config_path);
	} else {
		st->reload.n_failed++;
		snprintf(st->reload.error, sizeof(st->reload.error), "%s", err);
		mgmt_log(LOG_ERR, "reload (%s) refused, the running configuration stays: %s", why,
			 err);
	}
}

/* ---- show */

static json_t *path_json(const struct mgmt_state *st, const struct mgmt_peer *p,
			 const struct mgmt_path *q)
{
	const struct mgmt_config *cfg = st->running;
	struct mgmt_path_status s;
	char local[INET_ADDRSTRLEN], remote[INET_ADDRSTRLEN];

	st->hooks->path_status(st->hooks->ctx, p->slot, q->slot, &s);
	ip_str(cfg->addrs[q->local].ip, local);
	ip_str(q->remote_ip, remote);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:f, s:i, s:i}", "peer", p->name,
			 "name", q->name, "local", cfg->addrs[q->local].name, "local_address",
			 local, "remote", q->remote_ip ? remote : "", "backup", q->backup, "state",
			 s.state, "rtt_ms", s.rtt_ms, "loss_pct", (json_int_t)s.loss_pct,
			 "subflows", (json_int_t)s.subflows);
}

static json_t *peer_json(const struct mgmt_state *st, const struct mgmt_peer *p)
{
	json_t *paths = json_array();

	for (unsigned j = 0; j < p->n_paths; j++)
		json_array_append_new(paths, path_json(st, p, &p->paths[j]));
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:i, s:o}", "name", p->name, "kind",
			      mgmt_peer_kind_name(p->kind), "port", (json_int_t)p->port,
			      "scheduler", p->scheduler, "cc", p->cc, "connections",
			      (json_int_t)st->hooks->peer_connections(st->hooks->ctx, p->slot),
			      "paths", paths);
	if (p->kind == MGMT_PEER_MPTCP_CLIENTS) {
		json_object_set_new(o, "listen", json_integer(p->listen_port));
		json_object_set_new(o, "backend", endpoint(p->backend_ip, p->backend_port));
	}
	return o;
}

static json_t *cmd_peer_show(struct mgmt_state *st, const json_t *req)
{
	const char *name = str(req, "name");
	json_t *v = json_array();

	for (unsigned i = 0; i < st->running->n_peers; i++)
		if (name == NULL || strcmp(name, st->running->peers[i].name) == 0)
			json_array_append_new(v, peer_json(st, &st->running->peers[i]));
	if (name != NULL && json_array_size(v) == 0) {
		json_decref(v);
		return fail("peer '%s': no such peer", name);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "peers", v);
}

static json_t *cmd_path_show(struct mgmt_state *st, const json_t *req)
{
	const char *peer = str(req, "peer");
	json_t *v = json_array();

	if (peer != NULL && mgmt_config_peer_index(st->running, peer) < 0) {
		json_decref(v);
		return fail("peer '%s': no such peer", peer);
	}
	for (unsigned i = 0; i < st->running->n_peers; i++) {
		const struct mgmt_peer *p = &st->running->peers[i];
		if (peer != NULL && strcmp(peer, p->name) != 0)
			continue;
		for (unsigned j = 0; j < p->n_paths; j++)
			json_array_append_new(v, path_json(st, p, &p->paths[j]));
	}
	return json_pack("{s:b, s:o}", "ok", 1, "paths", v);
}

static json_t *range_json(bool has, uint16_t lo, uint16_t hi)
{
	if (!has)
		return json_null();
	return lo == hi ? json_sprintf("%u", lo) : json_sprintf("%u-%u", lo, hi);
}

static json_t *cmd_rule_show(struct mgmt_state *st, const json_t *req)
{
	const struct mgmt_config *cfg = st->running;
	json_t *v = json_array();

	(void)req;
	for (unsigned i = 0; i < cfg->n_rules; i++) {
		const struct mgmt_rule *r = &cfg->rules[i];
		char dst[64], src[64];
		mgmt_prefix_format(&r->dst, dst, sizeof(dst));
		mgmt_prefix_format(&r->src, src, sizeof(src));
		json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "name", r->name, "dst", dst,
				      "src", src, "dport",
				      range_json(r->has_dport, r->dport_lo, r->dport_hi), "sport",
				      range_json(r->has_sport, r->sport_lo, r->sport_hi), "action",
				      mgmt_rule_action_name(r->action));
		if (r->action == MGMT_RULE_INTERCEPT)
			json_object_set_new(o, "peer", json_string(cfg->peers[r->peer].name));
		json_object_set_new(
			o, "hits",
			json_integer((json_int_t)st->hooks->rule_hits(st->hooks->ctx, r->slot)));
		json_array_append_new(v, o);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "rules", v);
}

static json_t *subflow_json(const struct mgmt_subflow_info *f)
{
	return json_pack("{s:s, s:o, s:o, s:s, s:f, s:i, s:I, s:I, s:I, s:b}", "path", f->path,
			 "local", endpoint(f->laddr, f->lport), "remote",
			 endpoint(f->raddr, f->rport), "state", f->state, "rtt_ms",
			 f->srtt_us / 1000.0, "cwnd", (json_int_t)f->cwnd, "bytes_sent",
			 (json_int_t)f->bytes_sent, "bytes_received", (json_int_t)f->bytes_received,
			 "retrans_segs", (json_int_t)f->retrans_segs, "backup", f->backup);
}

static json_t *cmd_conn_show(struct mgmt_state *st, const json_t *req)
{
	const char *peer = str(req, "peer");
	unsigned max = st->running->proxy_max_conns + 64;
	struct mgmt_conn_info *v = calloc(max, sizeof(*v));
	char err[MGMT_ERR_MAX];

	if (v == NULL)
		return fail("out of memory");
	int n = st->hooks->connections(st->hooks->ctx, v, max, err);
	if (n < 0) {
		free(v);
		return fail("%s", err);
	}
	json_t *a = json_array();
	for (int i = 0; i < n; i++) {
		const struct mgmt_conn_info *c = &v[i];
		if (peer != NULL && strcmp(peer, c->peer) != 0)
			continue;
		json_t *sf = json_array();
		for (unsigned k = 0; k < c->n_subflows; k++)
			json_array_append_new(sf, subflow_json(&c->sf[k]));
		json_array_append_new(
			a, json_pack("{s:s, s:s, s:s, s:o, s:o, s:f, s:I, s:I, s:s, s:o}", "peer",
				     c->peer, "role", c->role, "state", c->state, "client",
				     endpoint(c->caddr, c->cport), "server",
				     endpoint(c->saddr, c->sport), "age_s", c->age_ms / 1000.0,
				     "bytes_in", (json_int_t)c->bytes_to_server, "bytes_out",
				     (json_int_t)c->bytes_to_client, "scheduler", c->scheduler,
				     "subflows", sf));
	}
	free(v);
	return json_pack("{s:b, s:o}", "ok", 1, "connections", a);
}

static void add_counter(void *ctx, const char *name, uint64_t v)
{
	json_object_set_new(ctx, name, json_integer((json_int_t)v));
}

static json_t *cmd_counters(struct mgmt_state *st, const json_t *req)
{
	json_t *o = json_object();

	(void)req;
	st->hooks->counters(st->hooks->ctx, add_counter, o);
	return json_pack("{s:b, s:o}", "ok", 1, "counters", o);
}

static json_t *cmd_status(struct mgmt_state *st, const json_t *req)
{
	unsigned conns = 0;

	(void)req;
	for (unsigned i = 0; i < st->running->n_peers; i++)
		conns += st->hooks->peer_connections(st->hooks->ctx, st->running->peers[i].slot);
	json_t *reload =
		json_pack("{s:b, s:I}", "ok", st->reload.ok, "time", (json_int_t)st->reload.time);
	if (!st->reload.ok)
		json_object_set_new(reload, "error", json_string(st->reload.error));
	return json_pack("{s:b, s:s, s:s, s:I, s:o, s:i, s:i}", "ok", 1, "version", st->version,
			 "config", st->config_path, "started", (json_int_t)st->started, "reload",
			 reload, "workers", (json_int_t)st->workers, "connections",
			 (json_int_t)conns);
}

static json_t *cmd_reload(struct mgmt_state *st, const json_t *req)
{
	(void)req;
	mgmt_reload(st, "control");
	if (!st->reload.ok)
		return fail("%s", st->reload.error);
	return json_pack("{s:b, s:I}", "ok", 1, "time", (json_int_t)st->reload.time);
}

/* ---- change */

static json_t *cmd_peer_add(struct mgmt_state *st, const json_t *req)
{
	const json_t *o = json_object_get(req, "peer");
	const char *name = str(o, "name"), *kind = str(o, "kind");
	char err[MGMT_ERR_MAX];

	if (!json_is_object(o) || name == NULL || kind == NULL)
		return fail("peer add: needs peer.name and peer.kind");
	if (mgmt_config_peer_index(st->running, name) >= 0)
		return fail("peer '%s': already configured", name);
	if (st->running->n_peers == MGMT_PEERS_MAX)
		return fail("peer '%s': already %d peers", name, MGMT_PEERS_MAX);
	struct mgmt_peer p = { 0 };
	snprintf(p.name, sizeof(p.name), "%s", name);
	if (strlen(name) >= sizeof(p.name))
		return fail("peer '%s': name longer than %d", name, MGMT_NAME_MAX - 1);
	if (mgmt_peer_kind_parse(kind, &p.kind) != 0)
		return fail("peer '%s': kind '%s': gateway, mptcp-server or mptcp-clients", name,
			    kind);
	const json_t *listen = json_object_get(o, "listen");
	const char *backend = str(o, "backend");
	if ((listen != NULL || backend != NULL) != (p.kind == MGMT_PEER_MPTCP_CLIENTS))
		return fail(p.kind == MGMT_PEER_MPTCP_CLIENTS
				    ? "peer '%s': an mptcp-clients peer needs listen and backend"
				    : "peer '%s': listen and backend are for mptcp-clients only",
			    name);
	if (p.kind == MGMT_PEER_MPTCP_CLIENTS) {
		json_int_t lp = json_integer_value(listen);
		if (!json_is_integer(listen) || lp < 1 || lp > 65535)
			return fail("peer '%s': listen: a port 1..65535", name);
		p.listen_port = (uint16_t)lp;
		if (mgmt_endpoint_parse(backend, &p.backend_ip, &p.backend_port, err) != 0)
			return fail("peer '%s': backend '%s': %s", name, backend ? backend : "",
				    err);
	}
	json_int_t port = json_integer_value(json_object_get(o, "port"));
	p.port = json_object_get(o, "port") ? (uint16_t)port : st->running->proxy_port;
	if (port < 0 || port > 65535)
		return fail("peer '%s': port %lld: not 1..65535", name, (long long)port);
	const char *psk_file = str(o, "psk_file");
	if (psk_file != NULL) {
		/* relative: to the configuration file's directory, as in it */
		const char *slash = strrchr(st->config_path, '/');
		if (psk_file[0] != '/' && slash != NULL)
			snprintf(p.psk_file, sizeof(p.psk_file), "%.*s/%s",
				 (int)(slash - st->config_path), st->config_path, psk_file);
		else
			snprintf(p.psk_file, sizeof(p.psk_file), "%s", psk_file);
		psk_file = p.psk_file;
		if (mgmt_config_read_psk_file(psk_file, p.psk, &p.psk_len, err) != 0)
			return fail("peer '%s': %s", name, err);
	}
	const char *sched = str(o, "scheduler"), *cc = str(o, "cc");
	snprintf(p.scheduler, sizeof(p.scheduler), "%s", sched ? sched : "");
	snprintf(p.cc, sizeof(p.cc), "%s", cc ? cc : "");
	struct mgmt_config *d = draft(st);
	if (d == NULL)
		return fail("out of memory");
	d->peers[d->n_peers++] = p;
	return commit(st, d, "peer add %s", name);
}

static json_t *cmd_peer_remove(struct mgmt_state *st, const json_t *req)
{
	const char *name = str(req, "name");
	int i = name ? mgmt_config_peer_index(st->running, name) : -1;

	if (i < 0)
		return fail("peer '%s': no such peer", name ? name : "");
	for (unsigned k = 0; k < st->running->n_rules; k++)
		if (st->running->rules[k].action == MGMT_RULE_INTERCEPT &&
		    st->running->rules[k].peer == i)
			return fail("peer '%s': rule '%s' sends to it: remove the rule first", name,
				    st->running->rules[k].name);
	struct mgmt_config *d = draft(st);
	if (d == NULL)
		return fail("out of memory");
	memmove(&d->peers[i], &d->peers[i + 1],
		(d->n_peers - (unsigned)i - 1) * sizeof(d->peers[0]));
	d->n_peers--;
	for (unsigned k = 0; k < d->n_rules; k++)
		if (d->rules[k].action == MGMT_RULE_INTERCEPT && d->rules[k].peer > i)
			d->rules[k].peer--;
	return commit(st, d, "peer remove %s", name);
}

static json_t *cmd_path_add(struct mgmt_state *st, const json_t *req)
{
	const char *peer = str(req, "peer");
	const json_t *o = json_object_get(req, "path");
	const char *name = str(o, "name"), *local = str(o, "local"), *remote = str(o, "remote");
	int pi = peer ? mgmt_config_peer_index(st->running, peer) : -1;
	char err[MGMT_ERR_MAX];

	if (pi < 0)
		return fail("peer '%s': no such peer", peer ? peer : "");
	if (!json_is_object(o) || name == NULL || local == NULL)
		return fail("path add: needs path.name and path.local");
	const struct mgmt_peer *p = &st->running->peers[pi];
	if (mgmt_config_path_index(p, name) >= 0)
		return fail("path %s/%s: already configured", peer, name);
	if (p->n_paths == MGMT_PATHS_MAX)
		return fail("peer '%s': already %d paths", peer, MGMT_PATHS_MAX);
	struct mgmt_path q = { 0 };
	if (strlen(name) >= sizeof(q.name))
		return fail("path '%s': name longer than %d", name, MGMT_NAME_MAX - 1);
	snprintf(q.name, sizeof(q.name), "%s", name);
	int a = mgmt_config_addr_index(st->running, local);
	if (a < 0)
		return fail("path %s/%s: local '%s': no such address", peer, name, local);
	q.local = (uint16_t)a;
	if (remote != NULL && remote[0] != '\0' && mgmt_ipv4_parse(remote, &q.remote_ip, err) != 0)
		return fail("path %s/%s: remote: %s", peer, name, err);
	q.backup = json_is_true(json_object_get(o, "backup"));
	struct mgmt_config *d = draft(st);
	if (d == NULL)
		return fail("out of memory");
	struct mgmt_peer *dp = &d->peers[pi];
	dp->paths[dp->n_paths++] = q;
	return commit(st, d, "path add %s/%s", peer, name);
}

static json_t *cmd_path_remove(struct mgmt_state *st, const json_t *req)
{
	const char *peer = str(req, "peer"), *name = str(req, "name");
	int pi = peer ? mgmt_config_peer_index(st->running, peer) : -1;

	if (pi < 0)
		return fail("peer '%s': no such peer", peer ? peer : "");
	int j = name ? mgmt_config_path_index(&st->running->peers[pi], name) : -1;
	if (j < 0)
		return fail("path %s/%s: no such path", peer, name ? name : "");
	if (st->running->peers[pi].n_paths == 1)
		return fail("path %s/%s: the peer's last path (remove the peer instead)", peer,
			    name);
	struct mgmt_config *d = draft(st);
	if (d == NULL)
		return fail("out of memory");
	struct mgmt_peer *p = &d->peers[pi];
	memmove(&p->paths[j], &p->paths[j + 1],
		(p->n_paths - (unsigned)j - 1) * sizeof(p->paths[0]));
	p->n_paths--;
	return commit(st, d, "path remove %s/%s", peer, name);
}

static int rule_from_json(const struct mgmt_config *cfg, const json_t *o, struct mgmt_rule *r,
			  char *err)
{
	const char *name = str(o, "name"), *dst = str(o, "dst"), *src = str(o, "src");
	const char *action = str(o, "action"), *peer = str(o, "peer");
	const char *dport = str(o, "dport"), *sport = str(o, "sport");
	char why[MGMT_ERR_MAX];

	memset(r, 0, sizeof(*r));
	if (name == NULL || dst == NULL || action == NULL) {
		snprintf(err, MGMT_ERR_MAX, "rule add: needs rule.name, rule.dst and rule.action");
		return -1;
	}
	if (strlen(name) >= sizeof(r->name)) {
		snprintf(err, MGMT_ERR_MAX, "rule '%s': name longer than %d", name,
			 MGMT_NAME_MAX - 1);
		return -1;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (mgmt_rule_action_parse(action, &r->action) != 0) {
		snprintf(err, MGMT_ERR_MAX,
			 "rule '%s': action '%s': intercept, passthrough or deny", name, action);
		return -1;
	}
	if (mgmt_prefix_parse(dst, &r->dst, why) != 0) {
		snprintf(err, MGMT_ERR_MAX, "rule '%s': dst: %.400s", name, why);
		return -1;
	}
	if (src != NULL && strcmp(src, "any") != 0 && mgmt_prefix_parse(src, &r->src, why) != 0) {
		snprintf(err, MGMT_ERR_MAX, "rule '%s': src: %.400s", name, why);
		return -1;
	}
	if (dport != NULL) {
		r->has_dport = true;
		if (mgmt_port_range_parse(dport, &r->dport_lo, &r->dport_hi, why) != 0) {
			snprintf(err, MGMT_ERR_MAX, "rule '%s': dport: %.400s", name, why);
			return -1;
		}
	}
	if (sport != NULL) {
		r->has_sport = true;
		if (mgmt_port_range_parse(sport, &r->sport_lo, &r->sport_hi, why) != 0) {
			snprintf(err, MGMT_ERR_MAX, "rule '%s': sport: %.400s", name, why);
			return -1;
		}
	}
	if (r->action == MGMT_RULE_INTERCEPT) {
		int p = peer ? mgmt_config_peer_index(cfg, peer) : -1;
		if (p < 0) {
			snprintf(err, MGMT_ERR_MAX, "rule '%s': peer '%s': no such peer", name,
				 peer ? peer : "");
			return -1;
		}
		r->peer = (uint16_t)p;
	} else if (peer != NULL) {
		snprintf(err, MGMT_ERR_MAX, "rule '%s': peer: only for action intercept", name);
		return -1;
	}
	return 0;
}

static json_t *cmd_rule_add(struct mgmt_state *st, const json_t *req)
{
	struct mgmt_rule r;
	char err[MGMT_ERR_MAX];
	const json_t *idx = json_object_get(req, "index");

	if (rule_from_json(st->running, json_object_get(req, "rule"), &r, err) != 0)
		return fail("%s", err);
	if (mgmt_config_rule_index(st->running, r.name) >= 0)
		return fail("rule '%s': already configured", r.name);
	if (st->running->n_rules == MGMT_RULES_MAX)
		return fail("rule '%s': already %d rules", r.name, MGMT_RULES_MAX);
	unsigned at = st->running->n_rules;
	if (idx != NULL) {
		json_int_t i = json_integer_value(idx);
		if (!json_is_integer(idx) || i < 0 || i > (json_int_t)st->running->n_rules)
			return fail("rule '%s': index: 0..%u", r.name, st->running->n_rules);
		at = (unsigned)i;
	}
	struct mgmt_config *d = draft(st);
	if (d == NULL)
		return fail("out of memory");
	memmove(&d->rules[at + 1], &d->rules[at], (d->n_rules - at) * sizeof(d->rules[0]));
	d->rules[at] = r;
	d->n_rules++;
	return commit(st, d, "rule add %s at %u", r.name, at);
}

static json_t *cmd_rule_remove(struct mgmt_state *st, const json_t *req)
{
	const char *name = str(req, "name");
	int i = name ? mgmt_config_rule_index(st->running, name) : -1;

	if (i < 0)
		return fail("rule '%s': no such rule", name ? name : "");
	struct mgmt_config *d = draft(st);
	if (d == NULL)
		return fail("out of memory");
	memmove(&d->rules[i], &d->rules[i + 1],
		(d->n_rules - (unsigned)i - 1) * sizeof(d->rules[0]));
	d->n_rules--;
	return commit(st, d, "rule remove %s", name);
}

static const struct {
	const char *name;
	json_t *(*fn)(struct mgmt_state *st, const json_t *req);
} commands[] = {
	{ "status", cmd_status },
	{ "peer show", cmd_peer_show },
	{ "peer add", cmd_peer_add },
	{ "peer remove", cmd_peer_remove },
	{ "path show", cmd_path_show },
	{ "path add", cmd_path_add },
	{ "path remove", cmd_path_remove },
	{ "rule show", cmd_rule_show },
	{ "rule add", cmd_rule_add },
	{ "rule remove", cmd_rule_remove },
	{ "connection show", cmd_conn_show },
	{ "counters show", cmd_counters },
	{ "reload", cmd_reload },
};

json_t *mgmt_command(struct mgmt_state *st, const json_t *req, unsigned uid)
{
	const char *cmd = str(req, "command");

	st->caller_uid = uid;
	for (unsigned i = 0; cmd != NULL && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(st, req);
	return fail("unknown command '%s'", cmd ? cmd : "");
}
