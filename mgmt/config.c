/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mpgwd configuration: YAML text -> struct mgmt_config.
 *
 * Three passes over the same bytes, all bounded by the length given:
 *
 *  1. mgmt_yaml_check() (yaml_walk.c), a small libyaml event walk, checks
 *     what libcyaml reports badly or not at all: syntax errors (with their
 *     line), aliases, nesting too deep, non-scalar keys, several documents.
 *     libcyaml keeps no line numbers in the loaded data, so every error's
 *     line comes from the same walk given the key path, such as
 *     "ports[1].role" (mgmt_yaml_locate()).
 *  2. libcyaml loads the document against a schema in which every scalar is
 *     a string (struct raw_config).  Its error messages and backtrace are
 *     captured by a log function and turned into "KEY: reason".
 *  3. cfg_convert() parses numbers, roles and addresses itself (decimal only,
 *     range-checked, so "-5", "0x10" and 10^30 get the same clear message)
 *     and checks the rules that span several keys.
 *
 * Every error is "FILE:LINE: KEY: reason", or "FILE: reason" for I/O errors.
 */
#include "mgmt/config.h"
#include "mgmt/yaml_walk.h"

#include <arpa/inet.h>
#include <cyaml/cyaml.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define CFG_PATH_MAX MGMT_YAML_PATH_MAX /* longest key path tracked */
#define CFG_REASON_MAX 320 /* one reason, before "FILE:LINE: KEY: " */
#define CFG_SHOW_MAX 48 /* bytes of a user value quoted in a message */
#define CFG_NUM_LEN_MAX 255 /* longest number string accepted from libcyaml */
#define CFG_ADDR_LEN_MAX 63 /* longest address string accepted */
#define CFG_BT_MAX 16 /* libcyaml backtrace frames kept */
#define CFG_FILE_MAX (1u << 20) /* largest configuration file read */
#define CFG_KEY_FILE_MAX 4096 /* largest key file read */
#define CFG_SPACE " \t\r\n\v\f" /* around a key in its file */
#define CFG_ROOT_KEY "(document)"
#define CFG_NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

/* ------------------------------------------------------------------------ */
/* Error reporting                                                          */

/* name NULL: a value checked outside a file (mgmt_config_check(), the
 * string parsers): the message is "KEY: reason", or the reason alone. */
struct cfg_ctx {
	const char *buf;
	size_t len;
	const char *name;
	char *err;
};

/* Replace control characters so that a message is always one printable line. */
static void cfg_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Quote at most CFG_SHOW_MAX bytes of a user value for a message. */
static const char *cfg_show(char out[CFG_SHOW_MAX + 4], const char *s)
{
	size_t n = strnlen(s, CFG_SHOW_MAX + 1);

	if (n > CFG_SHOW_MAX) {
		n = CFG_SHOW_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* do not cut a UTF-8 sequence */
		memcpy(out, s, n);
		memcpy(out + n, "...", 4);
	} else {
		memcpy(out, s, n + 1);
	}
	cfg_sanitize(out);
	return out;
}

__attribute__((format(printf, 4, 5))) static int cfg_fail_at(const struct cfg_ctx *c, unsigned line,
							     const char *key, const char *fmt, ...)
{
	char reason[CFG_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (!c->name) {
		snprintf(c->err, MGMT_ERR_MAX, "%s%s%s", key && *key ? key : "",
			 key && *key ? ": " : "", reason);
		cfg_sanitize(c->err);
		return -1;
	}
	if (c->buf && line > 1) {
		/* libyaml's marks at the end of the text may name a line past it */
		unsigned last = mgmt_yaml_last_line(c->buf, c->len);

		if (line > last)
			line = last;
	}
	snprintf(c->err, MGMT_ERR_MAX, "%s:%u: %s: %s", c->name, line ? line : 1,
		 key && *key ? key : CFG_ROOT_KEY, reason);
	cfg_sanitize(c->err);
	return -1;
}

__attribute__((format(printf, 4, 5))) static int
cfg_fail_nth(const struct cfg_ctx *c, const char *key, unsigned nth, const char *fmt, ...)
{
	char reason[CFG_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (!c->name)
		return cfg_fail_at(c, 0, key, "%s", reason);
	return cfg_fail_at(c, mgmt_yaml_locate(c->buf, c->len, key, nth), key, "%s", reason);
}

#define cfg_fail(c, key, ...) cfg_fail_nth(c, key, 1, __VA_ARGS__)

/* ------------------------------------------------------------------------ */
/* libcyaml schema: every scalar is loaded as a string                      */

struct raw_eal {
	char **args;
	unsigned args_count;
};

struct raw_port {
	char *name;
	char *devargs;
	char *role;
	char *mtu;
	char *rx_desc;
	char *tx_desc;
};

struct raw_addr {
	char *name;
	char *port;
	char *address;
	char *gateway;
};

struct raw_workers {
	char *count;
	char *idle_sleep_us;
	char *burst;
};

struct raw_mempool {
	char *mbufs;
	char *cache;
};

struct raw_arp {
	char *timeout_s;
	char *entries;
};

struct raw_tcp {
	char *max_connections;
	char *max_half_open;
	char *syncookies;
};

struct raw_log {
	char *level;
	char *syslog;
};

struct raw_service {
	char *name;
	char *kind;
	char *listen;
	char *connect;
	char *from;
	char *connections;
	char *bytes;
	char *sndbuf;
	char *rcvbuf;
	char *cc;
	char *mptcp;
	char *scheduler;
};

struct raw_path {
	char *name;
	char *local;
	char *remote;
	char *backup;
};

struct raw_peer {
	char *name;
	char *kind;
	char *port;
	char *psk;
	char *psk_file;
	char *scheduler;
	char *cc;
	struct raw_path *paths;
	unsigned paths_count;
	char *listen;
	char *backend;
};

struct raw_rule {
	char *name;
	char *dst;
	char *src;
	char *dport;
	char *sport;
	char *action;
	char *peer;
};

struct raw_proxy {
	char *port;
	char *max_connections;
	char *buffer;
	char *connect_timeout_ms;
	char *idle_timeout_s;
};

struct raw_control {
	char *socket;
	char *owner;
	char *group;
	char *mode;
};

struct raw_metrics {
	char *listen;
};

struct raw_health {
	char *probe_interval_ms;
	char *probe_timeout_ms;
	char *down_after;
	char *up_after;
	char *loss_window;
	char *degraded_loss_pct;
	char *degraded_rtt_ms;
};

struct raw_config {
	struct raw_eal eal;
	struct raw_port *ports;
	unsigned ports_count;
	struct raw_addr *addresses;
	unsigned addresses_count;
	struct raw_service *services;
	unsigned services_count;
	struct raw_peer *peers;
	unsigned peers_count;
	struct raw_rule *rules;
	unsigned rules_count;
	char **served;
	unsigned served_count;
	struct raw_proxy proxy;
	struct raw_workers workers;
	struct raw_mempool mempool;
	struct raw_arp arp;
	struct raw_tcp tcp;
	struct raw_log log;
	struct raw_control control;
	struct raw_metrics metrics;
	struct raw_health health;
};

#define STR(key, flags, type, member, min, max) \
	CYAML_FIELD_STRING_PTR(key, flags, type, member, min, max)
#define NUM(key, type, member) STR(key, CYAML_FLAG_OPTIONAL, type, member, 0, CFG_NUM_LEN_MAX)

static const cyaml_schema_value_t eal_arg_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, MGMT_EAL_ARG_LEN - 1),
};

static const cyaml_schema_field_t eal_fields[] = {
	CYAML_FIELD_SEQUENCE("args", CYAML_FLAG_POINTER, struct raw_eal, args, &eal_arg_schema, 0,
			     MGMT_EAL_ARGS_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t port_fields[] = {
	STR("name", CYAML_FLAG_DEFAULT, struct raw_port, name, 1, MGMT_NAME_MAX - 1),
	STR("devargs", CYAML_FLAG_DEFAULT, struct raw_port, devargs, 1, MGMT_DEVARGS_MAX - 1),
	STR("role", CYAML_FLAG_DEFAULT, struct raw_port, role, 0, CFG_NUM_LEN_MAX),
	NUM("mtu", struct raw_port, mtu),
	NUM("rx_desc", struct raw_port, rx_desc),
	NUM("tx_desc", struct raw_port, tx_desc),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t port_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_port, port_fields),
};

static const cyaml_schema_field_t addr_fields[] = {
	STR("name", CYAML_FLAG_DEFAULT, struct raw_addr, name, 1, MGMT_NAME_MAX - 1),
	STR("port", CYAML_FLAG_DEFAULT, struct raw_addr, port, 1, MGMT_NAME_MAX - 1),
	STR("address", CYAML_FLAG_DEFAULT, struct raw_addr, address, 0, CFG_ADDR_LEN_MAX),
	STR("gateway", CYAML_FLAG_OPTIONAL, struct raw_addr, gateway, 0, CFG_ADDR_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t addr_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_addr, addr_fields),
};

static const cyaml_schema_field_t workers_fields[] = {
	NUM("count", struct raw_workers, count),
	NUM("idle_sleep_us", struct raw_workers, idle_sleep_us),
	NUM("burst", struct raw_workers, burst),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t mempool_fields[] = {
	NUM("mbufs", struct raw_mempool, mbufs),
	NUM("cache", struct raw_mempool, cache),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t arp_fields[] = {
	NUM("timeout_s", struct raw_arp, timeout_s),
	NUM("entries", struct raw_arp, entries),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t tcp_fields[] = {
	NUM("max_connections", struct raw_tcp, max_connections),
	NUM("max_half_open", struct raw_tcp, max_half_open),
	STR("syncookies", CYAML_FLAG_OPTIONAL, struct raw_tcp, syncookies, 0, CFG_NUM_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t log_fields[] = {
	STR("level", CYAML_FLAG_OPTIONAL, struct raw_log, level, 0, CFG_NUM_LEN_MAX),
	STR("syslog", CYAML_FLAG_OPTIONAL, struct raw_log, syslog, 0, CFG_NUM_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t service_fields[] = {
	STR("name", CYAML_FLAG_DEFAULT, struct raw_service, name, 1, MGMT_NAME_MAX - 1),
	STR("kind", CYAML_FLAG_DEFAULT, struct raw_service, kind, 1, 16),
	NUM("listen", struct raw_service, listen),
	STR("connect", CYAML_FLAG_OPTIONAL, struct raw_service, connect, 0, CFG_ADDR_LEN_MAX),
	STR("from", CYAML_FLAG_OPTIONAL, struct raw_service, from, 1, MGMT_NAME_MAX - 1),
	NUM("connections", struct raw_service, connections),
	NUM("bytes", struct raw_service, bytes),
	NUM("sndbuf", struct raw_service, sndbuf),
	NUM("rcvbuf", struct raw_service, rcvbuf),
	STR("cc", CYAML_FLAG_OPTIONAL, struct raw_service, cc, 1, 15),
	STR("mptcp", CYAML_FLAG_OPTIONAL, struct raw_service, mptcp, 0, CFG_NUM_LEN_MAX),
	STR("scheduler", CYAML_FLAG_OPTIONAL, struct raw_service, scheduler, 1, 15),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t service_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_service, service_fields),
};

static const cyaml_schema_field_t path_fields[] = {
	STR("name", CYAML_FLAG_DEFAULT, struct raw_path, name, 1, MGMT_NAME_MAX - 1),
	STR("local", CYAML_FLAG_DEFAULT, struct raw_path, local, 1, MGMT_NAME_MAX - 1),
	STR("remote", CYAML_FLAG_OPTIONAL, struct raw_path, remote, 0, CFG_ADDR_LEN_MAX),
	STR("backup", CYAML_FLAG_OPTIONAL, struct raw_path, backup, 0, CFG_NUM_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t path_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_path, path_fields),
};

static const cyaml_schema_field_t peer_fields[] = {
	STR("name", CYAML_FLAG_DEFAULT, struct raw_peer, name, 1, MGMT_NAME_MAX - 1),
	STR("kind", CYAML_FLAG_OPTIONAL, struct raw_peer, kind, 1, CFG_NUM_LEN_MAX),
	NUM("port", struct raw_peer, port),
	STR("psk", CYAML_FLAG_OPTIONAL, struct raw_peer, psk, 1, CFG_NUM_LEN_MAX),
	STR("psk_file", CYAML_FLAG_OPTIONAL, struct raw_peer, psk_file, 1, MGMT_FILE_MAX - 1),
	STR("scheduler", CYAML_FLAG_OPTIONAL, struct raw_peer, scheduler, 1, 15),
	STR("cc", CYAML_FLAG_OPTIONAL, struct raw_peer, cc, 1, 15),
	CYAML_FIELD_SEQUENCE("paths", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_peer,
			     paths, &path_schema, 0, MGMT_PATHS_MAX),
	NUM("listen", struct raw_peer, listen),
	STR("backend", CYAML_FLAG_OPTIONAL, struct raw_peer, backend, 0, CFG_ADDR_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t peer_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_peer, peer_fields),
};

static const cyaml_schema_field_t rule_fields[] = {
	STR("name", CYAML_FLAG_DEFAULT, struct raw_rule, name, 1, MGMT_NAME_MAX - 1),
	STR("dst", CYAML_FLAG_DEFAULT, struct raw_rule, dst, 0, CFG_ADDR_LEN_MAX),
	STR("src", CYAML_FLAG_OPTIONAL, struct raw_rule, src, 0, CFG_ADDR_LEN_MAX),
	NUM("dport", struct raw_rule, dport),
	NUM("sport", struct raw_rule, sport),
	STR("action", CYAML_FLAG_DEFAULT, struct raw_rule, action, 0, CFG_NUM_LEN_MAX),
	STR("peer", CYAML_FLAG_OPTIONAL, struct raw_rule, peer, 1, MGMT_NAME_MAX - 1),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t rule_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_rule, rule_fields),
};

static const cyaml_schema_value_t prefix_schema = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CFG_ADDR_LEN_MAX),
};

static const cyaml_schema_field_t proxy_fields[] = {
	NUM("port", struct raw_proxy, port),
	NUM("max_connections", struct raw_proxy, max_connections),
	NUM("buffer", struct raw_proxy, buffer),
	NUM("connect_timeout_ms", struct raw_proxy, connect_timeout_ms),
	NUM("idle_timeout_s", struct raw_proxy, idle_timeout_s),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t control_fields[] = {
	STR("socket", CYAML_FLAG_OPTIONAL, struct raw_control, socket, 1, MGMT_FILE_MAX - 1),
	STR("owner", CYAML_FLAG_OPTIONAL, struct raw_control, owner, 1, CFG_NUM_LEN_MAX),
	STR("group", CYAML_FLAG_OPTIONAL, struct raw_control, group, 1, CFG_NUM_LEN_MAX),
	NUM("mode", struct raw_control, mode),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t metrics_fields[] = {
	STR("listen", CYAML_FLAG_OPTIONAL, struct raw_metrics, listen, 0, CFG_ADDR_LEN_MAX),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t health_fields[] = {
	NUM("probe_interval_ms", struct raw_health, probe_interval_ms),
	NUM("probe_timeout_ms", struct raw_health, probe_timeout_ms),
	NUM("down_after", struct raw_health, down_after),
	NUM("up_after", struct raw_health, up_after),
	NUM("loss_window", struct raw_health, loss_window),
	NUM("degraded_loss_pct", struct raw_health, degraded_loss_pct),
	NUM("degraded_rtt_ms", struct raw_health, degraded_rtt_ms),
	CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_MAPPING("eal", CYAML_FLAG_DEFAULT, struct raw_config, eal, eal_fields),
	CYAML_FIELD_SEQUENCE("ports", CYAML_FLAG_POINTER, struct raw_config, ports, &port_schema, 1,
			     MGMT_PORTS_MAX),
	CYAML_FIELD_SEQUENCE("addresses", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct raw_config, addresses, &addr_schema, 0, MGMT_ADDRS_MAX),
	CYAML_FIELD_SEQUENCE("services", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct raw_config, services, &service_schema, 0, MGMT_SERVICES_MAX),
	CYAML_FIELD_SEQUENCE("peers", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_config,
			     peers, &peer_schema, 0, MGMT_PEERS_MAX),
	CYAML_FIELD_SEQUENCE("rules", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_config,
			     rules, &rule_schema, 0, MGMT_RULES_MAX),
	CYAML_FIELD_SEQUENCE("served", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_config,
			     served, &prefix_schema, 0, MGMT_PREFIXES_MAX),
	CYAML_FIELD_MAPPING("proxy", CYAML_FLAG_OPTIONAL, struct raw_config, proxy, proxy_fields),
	CYAML_FIELD_MAPPING("workers", CYAML_FLAG_OPTIONAL, struct raw_config, workers,
			    workers_fields),
	CYAML_FIELD_MAPPING("mempool", CYAML_FLAG_OPTIONAL, struct raw_config, mempool,
			    mempool_fields),
	CYAML_FIELD_MAPPING("arp", CYAML_FLAG_OPTIONAL, struct raw_config, arp, arp_fields),
	CYAML_FIELD_MAPPING("tcp", CYAML_FLAG_OPTIONAL, struct raw_config, tcp, tcp_fields),
	CYAML_FIELD_MAPPING("log", CYAML_FLAG_OPTIONAL, struct raw_config, log, log_fields),
	CYAML_FIELD_MAPPING("control", CYAML_FLAG_OPTIONAL, struct raw_config, control,
			    control_fields),
	CYAML_FIELD_MAPPING("metrics", CYAML_FLAG_OPTIONAL, struct raw_config, metrics,
			    metrics_fields),
	CYAML_FIELD_MAPPING("health", CYAML_FLAG_OPTIONAL, struct raw_config, health,
			    health_fields),
	CYAML_FIELD_END,
};

static const cyaml_schema_value_t top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, top_fields),
};

/* ------------------------------------------------------------------------ */
/* libcyaml error capture                                                   */

enum { BT_MAPPING, BT_FIELD, BT_ENTRY };

struct bt_frame {
	unsigned char kind;
	unsigned idx; /* BT_ENTRY: as printed (entries seen so far) */
	unsigned line; /* as printed, 1-based */
	char field[MGMT_NAME_MAX];
};

struct cyaml_capture {
	char reason[CFG_REASON_MAX]; /* first error message, "Load: " removed */
	bool have_reason;
	bool bt_started;
	bool in_bt;
	unsigned n; /* frames, innermost first */
	struct bt_frame fr[CFG_BT_MAX];
};

static unsigned bt_number(const char *s, const char *tag)
{
	const char *p = strstr(s, tag);
	unsigned long v;

	if (!p)
		return 0;
	v = strtoul(p + strlen(tag), NULL, 10);
	return v > UINT_MAX ? UINT_MAX : (unsigned)v;
}

/* "  in mapping field 'X' (line: L, ...)", "  in sequence entry 'N' (...)", "  in mapping (...)" */
static void bt_parse(struct cyaml_capture *cap, const char *s)
{
	struct bt_frame *f;
	static const char fld[] = "in mapping field '";
	static const char ent[] = "in sequence entry '";

	if (cap->n >= CFG_BT_MAX)
		return;
	f = &cap->fr[cap->n];
	memset(f, 0, sizeof(*f));
	s += strspn(s, " ");
	if (strncmp(s, fld, sizeof(fld) - 1) == 0) {
		const char *name = s + sizeof(fld) - 1;
		const char *end = strstr(name, "' (line: ");
		size_t n = end ? (size_t)(end - name) : strcspn(name, "'");

		if (n >= sizeof(f->field))
			n = sizeof(f->field) - 1;
		memcpy(f->field, name, n);
		f->field[n] = '\0';
		f->kind = BT_FIELD;
	} else if (strncmp(s, ent, sizeof(ent) - 1) == 0) {
		unsigned long v = strtoul(s + sizeof(ent) - 1, NULL, 10);

		f->idx = v > UINT_MAX ? UINT_MAX : (unsigned)v;
		f->kind = BT_ENTRY;
	} else if (strncmp(s, "in mapping", 10) == 0) {
		f->kind = BT_MAPPING;
	} else {
		return;
	}
	f->line = bt_number(s, "(line: ");
	cap->n++;
}

static void cfg_cyaml_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct cyaml_capture *cap = ctx;
	char line[CFG_REASON_MAX];
	const char *s = line;
	size_t n;

	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, args);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (strncmp(s, "Load: ", 6) == 0)
		s += 6;
	if (strcmp(s, "Backtrace:") == 0) {
		cap->in_bt = !cap->bt_started;
		cap->bt_started = true;
		return;
	}
	if (cap->in_bt && strncmp(s, "  in ", 5) == 0) {
		bt_parse(cap, s);
		return;
	}
	cap->in_bt = false;
	if (!cap->have_reason) {
		snprintf(cap->reason, sizeof(cap->reason), "%s", s);
		cap->have_reason = true;
	}
}

/* Key path of backtrace frames [from, n), outermost first. */
static void bt_path(const struct cyaml_capture *cap, unsigned from, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (unsigned i = cap->n; i-- > from;) {
		const struct bt_frame *f = &cap->fr[i];
		int k = 0;

		if (f->kind == BT_FIELD)
			k = snprintf(out + len, size - len, "%s%s", len ? "." : "", f->field);
		else if (f->kind == BT_ENTRY && f->idx > 0)
			k = snprintf(out + len, size - len, "[%u]", f->idx - 1);
		if (k < 0 || (size_t)k >= size - len) {
			out[len] = '\0';
			return;
		}
		len += (size_t)k;
	}
}

static const char *cyaml_kind(const char *s)
{
	if (strncmp(s, "STRING", 6) == 0 || strncmp(s, "SCALAR", 6) == 0)
		return "a single value";
	if (strncmp(s, "MAPPING", 7) == 0)
		return "a mapping";
	if (strncmp(s, "SEQUENCE", 8) == 0)
		return "a list";
	return NULL;
}

static int cfg_cyaml_error(const struct cfg_ctx *c, const struct cyaml_capture *cap, cyaml_err_t rc)
{
	char path[CFG_PATH_MAX], raw[CFG_PATH_MAX], show[CFG_SHOW_MAX + 4];
	char key[CFG_PATH_MAX + CFG_SHOW_MAX + 8];
	const char *r = cap->have_reason ? cap->reason : "";
	unsigned inner = cap->n ? cap->fr[0].line : 1;
	unsigned u1, u2;
	const char *arg, *q;
	int k;

	/* Errors at a key: the innermost "mapping field" frame is stale. */
	static const char *const at_key[] = {
		"Unexpected key: ",
		"Missing required mapping field: ",
		"Mapping field already seen: ",
	};
	for (unsigned i = 0; i < 3; i++) {
		size_t pl = strlen(at_key[i]);

		if (strncmp(r, at_key[i], pl) != 0)
			continue;
		arg = r + pl;
		bt_path(cap, cap->n && cap->fr[0].kind == BT_FIELD ? 1 : 0, path, sizeof(path));
		/* raw: to find the key, as the walk spells it; key: to show it */
		q = mgmt_yaml_plain_key(arg, strlen(arg)) ? "" : "\"";
		k = snprintf(raw, sizeof(raw), "%s%s%s%s%s", path, *path ? "." : "", q, arg, q);
		if (k < 0 || (size_t)k >= sizeof(raw))
			memcpy(raw, path, sizeof(raw)); /* too long to find: find its mapping */
		snprintf(key, sizeof(key), "%s%s%s%s%s", path, *path ? "." : "", q,
			 cfg_show(show, arg), q);
		if (i == 0)
			return cfg_fail_at(c, mgmt_yaml_locate(c->buf, c->len, raw, 1), key,
					   "unknown key");
		if (i == 1)
			return cfg_fail_at(c, mgmt_yaml_locate(c->buf, c->len, path, 1), key,
					   "required key missing");
		return cfg_fail_at(c, mgmt_yaml_locate(c->buf, c->len, raw, 2), key,
				   "duplicate key");
	}

	bt_path(cap, 0, path, sizeof(path));
	if (strncmp(r, "Expecting ", 10) == 0) {
		const char *want = cyaml_kind(r + 10);
		const char *got = strstr(r, "got event: ");
		const char *gk = got ? cyaml_kind(got + 11) : NULL;

		if (want && gk)
			return cfg_fail(c, path, "expected %s, got %s", want, gk);
		if (want)
			return cfg_fail(c, path, "expected %s", want);
	}
	if (sscanf(r, "STRING length > %u", &u1) == 1)
		return cfg_fail(c, path, "too long (at most %u characters)", u1);
	if (sscanf(r, "STRING length < %u", &u1) == 1) {
		if (u1 == 1)
			return cfg_fail(c, path, "must not be empty");
		return cfg_fail(c, path, "too short (at least %u characters)", u1);
	}
	if (sscanf(r, "Insufficient entries (%u of %u min)", &u1, &u2) == 2) {
		bt_path(cap, cap->n && cap->fr[0].kind == BT_ENTRY ? 1 : 0, path, sizeof(path));
		return cfg_fail(c, path, "needs at least %u entr%s", u2, u2 == 1 ? "y" : "ies");
	}
	if (sscanf(r, "Excessive entries (%u max)", &u1) == 1) {
		/* Name the list, point at the first entry too many. */
		char entry[CFG_PATH_MAX + 16];

		bt_path(cap, cap->n && cap->fr[0].kind == BT_ENTRY ? 1 : 0, path, sizeof(path));
		snprintf(entry, sizeof(entry), "%s[%u]", path, u1);
		return cfg_fail_at(c, mgmt_yaml_locate(c->buf, c->len, entry, 1), path,
				   "too many entries (at most %u)", u1);
	}
	if (rc == CYAML_ERR_ALIAS)
		return cfg_fail_at(c, inner, path, "YAML aliases are not supported");
	if (rc == CYAML_ERR_OOM)
		return cfg_fail_at(c, inner, path, "out of memory");
	if (*r)
		return cfg_fail_at(c, inner, path, "%s", r);
	return cfg_fail_at(c, inner, path, "%s", cyaml_strerror(rc));
}

/* ------------------------------------------------------------------------ */
/* Values                                                                   */

static bool cfg_is_pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

/*
 * A decimal number in lo..hi (or 0 when zero_ok); absent: dflt.
 * Anything else, including signs, hex and huge values, is an error.
 */
static int cfg_uint(const struct cfg_ctx *c, const char *key, const char *s, unsigned lo,
		    unsigned hi, bool zero_ok, unsigned dflt, unsigned *out)
{
	char show[CFG_SHOW_MAX + 4], range[48];
	unsigned long long v = 0;
	const char *p = s;
	bool neg = false;

	if (!s) {
		*out = dflt;
		return 0;
	}
	snprintf(range, sizeof(range), "%s%u..%u", zero_ok ? "0 or " : "", lo, hi);
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!*p)
		return cfg_fail(c, key, "missing number (%s)", range);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return cfg_fail(c, key, "'%s' is not a decimal number (%s)",
					cfg_show(show, s), range);
		if (v <= UINT_MAX)
			v = v * 10 + (unsigned)(*p - '0');
	}
	if (neg)
		return cfg_fail(c, key, "%s is out of range (%s)", cfg_show(show, s), range);
	if (v == 0 && zero_ok) {
		*out = 0;
		return 0;
	}
	if (v < lo || v > hi)
		return cfg_fail(c, key, "%s is out of range (%s)", cfg_show(show, s), range);
	*out = (unsigned)v;
	return 0;
}

/* YAML 1.1's booleans as an operator writes them; absent: dflt. */
static int cfg_bool(const struct cfg_ctx *c, const char *key, const char *s, bool dflt, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char show[CFG_SHOW_MAX + 4];

	*out = dflt;
	if (!s)
		return 0;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return cfg_fail(c, key, "'%s' is not a boolean (true|false)", cfg_show(show, s));
}

static int cfg_pow2(const struct cfg_ctx *c, const char *key, const char *s, unsigned lo,
		    unsigned hi, unsigned dflt, unsigned *out)
{
	if (cfg_uint(c, key, s, lo, hi, false, dflt, out) < 0)
		return -1;
	if (!cfg_is_pow2(*out))
		return cfg_fail(c, key, "%u is not a power of 2 (%u..%u)", *out, lo, hi);
	return 0;
}

/* Dotted-quad IPv4 address, strictly: four decimal octets, no leading zeros. */
static const char *cfg_parse_ipv4(const char *s, uint32_t *ip)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned o = 0, digits = 0;

		if (i && *s++ != '.')
			return NULL;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			o = o * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (!digits || digits > 3 || o > 255 || (digits > 1 && s[-(int)digits] == '0'))
			return NULL;
		v = (v << 8) | o;
	}
	*ip = v;
	return s;
}

static int cfg_name(const struct cfg_ctx *c, const char *key, const char *s, char *out)
{
	char show[CFG_SHOW_MAX + 4];
	size_t n = strlen(s);

	if (n == 0)
		return cfg_fail(c, key, "must not be empty");
	if (n >= MGMT_NAME_MAX)
		return cfg_fail(c, key, "too long (at most %d characters)", MGMT_NAME_MAX - 1);
	if (strspn(s, CFG_NAME_CHARS) != n)
		return cfg_fail(c, key, "'%s' has a character other than A-Z a-z 0-9 _ -",
				cfg_show(show, s));
	memcpy(out, s, n + 1);
	return 0;
}

static int cfg_text(const struct cfg_ctx *c, const char *key, const char *s, char *out, size_t size)
{
	size_t n = strlen(s);

	if (n >= size)
		return cfg_fail(c, key, "too long (at most %zu characters)", size - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return cfg_fail(c, key, "contains a control character");
	memcpy(out, s, n + 1);
	return 0;
}

static const char *const role_names[] = {
	[MGMT_PORT_INSIDE] = "inside",
	[MGMT_PORT_OUTSIDE] = "outside",
	[MGMT_PORT_WAN] = "wan",
};

static const char *const peer_kind_names[] = {
	[MGMT_PEER_GATEWAY] = "gateway",
	[MGMT_PEER_MPTCP_SERVER] = "mptcp-server",
	[MGMT_PEER_MPTCP_CLIENTS] = "mptcp-clients",
};

static const char *const rule_action_names[] = {
	[MGMT_RULE_INTERCEPT] = "intercept",
	[MGMT_RULE_PASSTHROUGH] = "passthrough",
	[MGMT_RULE_DENY] = "deny",
};

/* Congestion controls; those from index CFG_CC_COUPLED on couple MPTCP
 * subflows. The same names as tcpstack_cc_known() (test_config checks). */
static const char *const cc_names[] = { "cubic", "newreno", "reno", "lia", "olia" };
#define CFG_CC_COUPLED 3

static const char *const scheduler_names[] = { "roundrobin", "minrtt", "redundant" };

#define CFG_COUNT(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

static const char *role_name(enum mgmt_port_role r)
{
	return role_names[r];
}

/* One of @n names, its index in @out; else "unknown value 'x' (a|b|c)". */
static int cfg_enum(const struct cfg_ctx *c, const char *key, const char *s,
		    const char *const *names, unsigned n, unsigned *out)
{
	char show[CFG_SHOW_MAX + 4], list[128];
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	list[0] = '\0';
	for (unsigned i = 0; i < n && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? "|" : "",
					names[i]);
	return cfg_fail(c, key, "unknown value '%s' (%s)", cfg_show(show, s), list);
}

/* Index of the entry named @name among @n whose names lie @stride bytes
 * apart from @first, or -1. */
static int cfg_find(const char *first, size_t stride, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(first + i * stride, name) == 0)
			return (int)i;
	return -1;
}

/* KEY names an entry of another section (a @noun, among @n as cfg_find()
 * takes them): required, and it must exist. Its index goes to @out. */
static int cfg_ref(const struct cfg_ctx *c, const char *key, const char *noun, const char *s,
		   const char *first, size_t stride, unsigned n, uint16_t *out)
{
	char show[CFG_SHOW_MAX + 4];
	int k;

	if (!s)
		return cfg_fail(c, key, "required key missing");
	k = cfg_find(first, stride, n, s);
	if (k < 0)
		return cfg_fail(c, key, "no %s named '%s'", noun, cfg_show(show, s));
	*out = (uint16_t)k;
	return 0;
}

/* The whole string is one IPv4 address; @ip in host order. */
static int cfg_ipv4(const struct cfg_ctx *c, const char *key, const char *s, uint32_t *ip)
{
	char show[CFG_SHOW_MAX + 4];
	const char *e = cfg_parse_ipv4(s, ip);

	if (!e || *e)
		return cfg_fail(c, key, "'%s' is not an IPv4 address (a.b.c.d)", cfg_show(show, s));
	return 0;
}

/* "a.b.c.d:port", the port 1..65535; @ip in network order. */
static int cfg_ipv4_port(const struct cfg_ctx *c, const char *key, const char *s, uint32_t *ip,
			 uint16_t *port)
{
	char show[CFG_SHOW_MAX + 4];
	const char *p = cfg_parse_ipv4(s, ip);
	unsigned v;

	if (!p || *p != ':')
		return cfg_fail(c, key, "'%s' is not a.b.c.d:port", cfg_show(show, s));
	if (cfg_uint(c, key, p + 1, 1, 65535, false, 0, &v) < 0)
		return -1;
	*ip = htonl(*ip);
	*port = (uint16_t)v;
	return 0;
}

/* Clear the bits of @pf past its length (len <= the family's); were there any? */
static bool cfg_prefix_clear(struct mgmt_prefix *pf)
{
	unsigned max = pf->family == AF_INET ? 32 : 128;
	bool host_bits = false;

	for (unsigned i = 0; i < max / 8; i++) {
		unsigned keep = pf->len >= 8 * (i + 1) ? 8 : pf->len > 8 * i ? pf->len - 8 * i : 0;
		uint8_t mask = (uint8_t)(0xff00u >> keep);

		host_bits |= (pf->addr[i] & (uint8_t)~mask) != 0;
		pf->addr[i] &= mask;
	}
	for (unsigned i = max / 8; i < sizeof(pf->addr); i++) {
		host_bits |= pf->addr[i] != 0; /* an IPv4 prefix uses addr[0..3] */
		pf->addr[i] = 0;
	}
	return host_bits;
}

/*
 * An IPv4 or IPv6 prefix, "address/len" (inet_pton() syntax, len decimal),
 * or a bare address: a host (/32, /128). Bits set past the length are an
 * error, not silently cleared: 198.18.2.1/24 is a typo for one or the other.
 */
static int cfg_prefix(const struct cfg_ctx *c, const char *key, const char *s,
		      struct mgmt_prefix *out)
{
	char show[CFG_SHOW_MAX + 4], a[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct mgmt_prefix pf = { 0 };
	unsigned max, len = 0;

	if (n >= sizeof(a))
		goto syntax;
	memcpy(a, s, n);
	a[n] = '\0';
	pf.family = strchr(a, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(pf.family, a, pf.addr) != 1)
		goto syntax;
	max = pf.family == AF_INET ? 32 : 128;
	len = max;
	if (slash) {
		const char *p = slash + 1;
		size_t digits = strspn(p, "0123456789");

		if (digits == 0 || p[digits] != '\0')
			goto syntax;
		len = 0;
		for (size_t i = 0; i < digits; i++)
			if (len <= max)
				len = len * 10 + (unsigned)(p[i] - '0');
		if (len > max)
			return cfg_fail(c, key, "prefix length %s is out of range (0..%u)",
					cfg_show(show, p), max);
	}
	pf.len = (uint8_t)len;
	if (cfg_prefix_clear(&pf)) {
		inet_ntop(pf.family, pf.addr, net, sizeof(net));
		return cfg_fail(c, key, "'%s' has bits set past its length (the prefix is %s/%u)",
				cfg_show(show, s), net, len);
	}
	*out = pf;
	return 0;

syntax:
	return cfg_fail(c, key, "'%s' is not an IPv4 or IPv6 prefix (address or address/len)",
			cfg_show(show, s));
}

/* A port "80" or an inclusive range "8000-8080", 0..65535; absent: any. */
static int cfg_port_range(const struct cfg_ctx *c, const char *key, const char *s, bool *has,
			  uint16_t *lo, uint16_t *hi)
{
	char show[CFG_SHOW_MAX + 4];
	unsigned long v[2] = { 0, 0 };
	const char *p = s;
	unsigned k = 0;

	if (!s)
		return 0;
	for (;;) {
		size_t digits = strspn(p, "0123456789");

		if (digits == 0 || k == 2)
			goto syntax;
		for (size_t i = 0; i < digits; i++)
			if (v[k] <= 65535)
				v[k] = v[k] * 10 + (unsigned long)(p[i] - '0');
		if (v[k] > 65535)
			return cfg_fail(c, key, "'%s' is out of range (ports are 0..65535)",
					cfg_show(show, s));
		p += digits;
		k++;
		if (*p == '\0')
			break;
		if (*p++ != '-')
			goto syntax;
	}
	if (k == 1)
		v[1] = v[0];
	if (v[0] > v[1])
		return cfg_fail(c, key, "'%s' is an empty range (lo-hi with lo <= hi)",
				cfg_show(show, s));
	*has = true;
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return 0;

syntax:
	return cfg_fail(c, key, "'%s' is not a port or a port range (0..65535, or lo-hi)",
			cfg_show(show, s));
}

static int cfg_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * A pre-shared key as hex text, s[0..n): MGMT_PSK_MIN..MGMT_PSK_MAX bytes.
 * @from: NULL for a key written in the configuration, else the path of the
 * file it was read from. No message quotes the key.
 */
static int cfg_hex_key(const struct cfg_ctx *c, const char *key, const char *from, const char *s,
		       size_t n, uint8_t *out, unsigned *out_len)
{
	char pre[MGMT_FILE_MAX + 8] = "";

	if (from)
		snprintf(pre, sizeof(pre), "'%s': ", from);
	for (size_t i = 0; i < n; i++)
		if (cfg_hex_digit(s[i]) < 0)
			return cfg_fail(c, key,
					"%scharacter %zu of the key is not a hex digit "
					"(0-9 a-f A-F)",
					pre, i + 1);
	if (n % 2)
		return cfg_fail(c, key, "%san odd number of hex digits (%zu): two make a byte", pre,
				n);
	if (n < 2 * MGMT_PSK_MIN || n > 2 * MGMT_PSK_MAX)
		return cfg_fail(c, key,
				"%sa key of %zu bytes is out of range (%d..%d bytes, "
				"%d..%d hex digits)",
				pre, n / 2, MGMT_PSK_MIN, MGMT_PSK_MAX, 2 * MGMT_PSK_MIN,
				2 * MGMT_PSK_MAX);
	for (size_t i = 0; i < n; i += 2)
		out[i / 2] = (uint8_t)(cfg_hex_digit(s[i]) << 4 | cfg_hex_digit(s[i + 1]));
	*out_len = (unsigned)(n / 2);
	return 0;
}

/* Congestion control; the coupled ones (lia, olia) only over MPTCP. */
static int cfg_cc(const struct cfg_ctx *c, const char *key, const char *s, bool mptcp, char out[16])
{
	unsigned k;

	if (!s)
		return 0;
	if (cfg_enum(c, key, s, cc_names, CFG_COUNT(cc_names), &k) < 0)
		return -1;
	if (k >= CFG_CC_COUPLED && !mptcp)
		return cfg_fail(c, key, "'%s' couples MPTCP subflows: needs mptcp: true", s);
	snprintf(out, 16, "%s", s);
	return 0;
}

/* MPTCP packet scheduler. */
static int cfg_scheduler(const struct cfg_ctx *c, const char *key, const char *s, bool mptcp,
			 char out[16])
{
	unsigned k;

	if (!s)
		return 0;
	if (cfg_enum(c, key, s, scheduler_names, CFG_COUNT(scheduler_names), &k) < 0)
		return -1;
	if (!mptcp)
		return cfg_fail(c, key, "a packet scheduler is for MPTCP: needs mptcp: true");
	snprintf(out, 16, "%s", s);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Conversion and cross-key rules                                           */

static int cfg_eal(const struct cfg_ctx *c, const struct raw_eal *r, struct mgmt_config *cfg)
{
	char key[64];

	if (r->args_count > MGMT_EAL_ARGS_MAX)
		return cfg_fail(c, "eal.args", "too many entries (at most %d)", MGMT_EAL_ARGS_MAX);
	for (unsigned i = 0; i < r->args_count; i++) {
		snprintf(key, sizeof(key), "eal.args[%u]", i);
		if (!r->args[i])
			return cfg_fail(c, key, "missing value");
		if (cfg_text(c, key, r->args[i], cfg->eal_args[i], MGMT_EAL_ARG_LEN) < 0)
			return -1;
	}
	cfg->eal_argc = r->args_count;
	return 0;
}

/* SECTION[i].name: required, a valid name, unique among the entries before
 * it (whose names lie @stride bytes apart from @first). */
static int cfg_entry_name(const struct cfg_ctx *c, const char *section, const char *noun,
			  unsigned i, const char *raw, char *out, const char *first, size_t stride)
{
	char key[64];
	int j;

	snprintf(key, sizeof(key), "%s[%u].name", section, i);
	if (!raw)
		return cfg_fail(c, key, "required key missing");
	if (cfg_name(c, key, raw, out) < 0)
		return -1;
	j = cfg_find(first, stride, i, out);
	if (j >= 0)
		return cfg_fail(c, key, "duplicate %s name '%s' (also %s[%d])", noun, out, section,
				j);
	return 0;
}

static int cfg_ports(const struct cfg_ctx *c, const struct raw_config *r, struct mgmt_config *cfg)
{
	int first[3] = { -1, -1, -1 };
	char key[64];

	if (r->ports_count < 1 || r->ports_count > MGMT_PORTS_MAX)
		return cfg_fail(c, "ports", "needs 1..%d entries", MGMT_PORTS_MAX);
	for (unsigned i = 0; i < r->ports_count; i++) {
		const struct raw_port *rp = &r->ports[i];
		struct mgmt_port *p = &cfg->ports[i];
		unsigned v;

		if (cfg_entry_name(c, "ports", "port", i, rp->name, p->name, cfg->ports[0].name,
				   sizeof(cfg->ports[0])) < 0)
			return -1;

		snprintf(key, sizeof(key), "ports[%u].devargs", i);
		if (!rp->devargs)
			return cfg_fail(c, key, "required key missing");
		if (!*rp->devargs)
			return cfg_fail(c, key, "must not be empty");
		if (cfg_text(c, key, rp->devargs, p->devargs, sizeof(p->devargs)) < 0)
			return -1;

		snprintf(key, sizeof(key), "ports[%u].role", i);
		if (!rp->role)
			return cfg_fail(c, key, "required key missing");
		if (cfg_enum(c, key, rp->role, role_names, CFG_COUNT(role_names), &v) < 0)
			return -1;
		p->role = (enum mgmt_port_role)v;
		if (p->role != MGMT_PORT_WAN) {
			if (first[p->role] >= 0)
				return cfg_fail(c, key,
						"a second port with role %s (first: ports[%d])",
						role_name(p->role), first[p->role]);
			first[p->role] = (int)i;
		}

		snprintf(key, sizeof(key), "ports[%u].mtu", i);
		if (cfg_uint(c, key, rp->mtu, 68, 9600, true, 0, &v) < 0)
			return -1;
		p->mtu = (uint16_t)v;
		snprintf(key, sizeof(key), "ports[%u].rx_desc", i);
		if (cfg_pow2(c, key, rp->rx_desc, 64, 16384, 1024, &v) < 0)
			return -1;
		p->rx_desc = (uint16_t)v;
		snprintf(key, sizeof(key), "ports[%u].tx_desc", i);
		if (cfg_pow2(c, key, rp->tx_desc, 64, 16384, 1024, &v) < 0)
			return -1;
		p->tx_desc = (uint16_t)v;
		cfg->n_ports = i + 1;
	}

	if (first[MGMT_PORT_INSIDE] >= 0 && first[MGMT_PORT_OUTSIDE] < 0) {
		snprintf(key, sizeof(key), "ports[%d].role", first[MGMT_PORT_INSIDE]);
		return cfg_fail(c, key, "an inside port needs an outside port, and there is none");
	}
	if (first[MGMT_PORT_OUTSIDE] >= 0 && first[MGMT_PORT_INSIDE] < 0) {
		snprintf(key, sizeof(key), "ports[%d].role", first[MGMT_PORT_OUTSIDE]);
		return cfg_fail(c, key, "an outside port needs an inside port, and there is none");
	}
	return 0;
}

static int cfg_addr(const struct cfg_ctx *c, unsigned i, const struct raw_addr *ra,
		    struct mgmt_config *cfg)
{
	struct mgmt_addr *a = &cfg->addrs[i];
	char key[64], show[CFG_SHOW_MAX + 4];
	uint32_t ip, gw, mask;
	const char *s;
	uint16_t port;

	if (cfg_entry_name(c, "addresses", "address", i, ra->name, a->name, cfg->addrs[0].name,
			   sizeof(cfg->addrs[0])) < 0)
		return -1;

	snprintf(key, sizeof(key), "addresses[%u].port", i);
	if (cfg_ref(c, key, "port", ra->port, cfg->ports[0].name, sizeof(cfg->ports[0]),
		    cfg->n_ports, &port) < 0)
		return -1;
	if (cfg->ports[port].role != MGMT_PORT_OUTSIDE && cfg->ports[port].role != MGMT_PORT_WAN)
		return cfg_fail(c, key, "port '%s' has role %s (must be outside or wan)",
				cfg->ports[port].name, role_name(cfg->ports[port].role));
	a->port = port;

	snprintf(key, sizeof(key), "addresses[%u].address", i);
	if (!ra->address)
		return cfg_fail(c, key, "required key missing");
	s = cfg_parse_ipv4(ra->address, &ip);
	if (!s || *s != '/' || s[1] < '0' || s[1] > '9')
		return cfg_fail(c, key,
				"'%s' is not an IPv4 address with a prefix length (a.b.c.d/len)",
				cfg_show(show, ra->address));
	{
		unsigned len = 0, digits = 0;

		for (s++; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			len = len * 10 + (unsigned)(*s - '0');
		if (*s)
			return cfg_fail(
				c, key,
				"'%s' is not an IPv4 address with a prefix length (a.b.c.d/len)",
				cfg_show(show, ra->address));
		if (len < 1 || len > 32)
			return cfg_fail(c, key, "prefix length %u is out of range (1..32)", len);
		a->prefix_len = (uint8_t)len;
	}
	mask = a->prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> a->prefix_len);
	if (a->prefix_len < 31) {
		if ((ip & ~mask) == 0)
			return cfg_fail(c, key, "%s is the network address of its prefix",
					cfg_show(show, ra->address));
		if ((ip & ~mask) == ~mask)
			return cfg_fail(c, key, "%s is the broadcast address of its prefix",
					cfg_show(show, ra->address));
	}
	for (unsigned j = 0; j < i; j++)
		if (cfg->addrs[j].ip == htonl(ip))
			return cfg_fail(c, key, "the address is also used by addresses[%u] ('%s')",
					j, cfg->addrs[j].name);
	a->ip = htonl(ip);

	if (ra->gateway) {
		snprintf(key, sizeof(key), "addresses[%u].gateway", i);
		if (cfg_ipv4(c, key, ra->gateway, &gw) < 0)
			return -1;
		if ((gw & mask) != (ip & mask))
			return cfg_fail(c, key, "%s is outside the address's prefix %s",
					ra->gateway, ra->address);
		if (gw == ip)
			return cfg_fail(c, key, "%s is the address itself", ra->gateway);
		if (a->prefix_len < 31 && ((gw & ~mask) == 0 || (gw & ~mask) == ~mask))
			return cfg_fail(c, key, "%s is the network or broadcast address of %s",
					ra->gateway, ra->address);
		a->has_gateway = true;
		a->gateway = htonl(gw);
	}
	cfg->n_addrs = i + 1;
	return 0;
}

/* A byte count: decimal, at most 2^50 (a petabyte). */
static int cfg_bytes(const struct cfg_ctx *c, const char *key, const char *s, uint64_t dflt,
		     uint64_t *out)
{
	char show[CFG_SHOW_MAX + 4];
	uint64_t v = 0;

	if (!s) {
		*out = dflt;
		return 0;
	}
	if (!*s)
		return cfg_fail(c, key, "missing number (1..2^50)");
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return cfg_fail(c, key, "'%s' is not a decimal number (1..2^50)",
					cfg_show(show, s));
		if (v > (1ull << 50))
			break;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < 1 || v > (1ull << 50))
		return cfg_fail(c, key, "%s is out of range (1..2^50)", cfg_show(show, s));
	*out = v;
	return 0;
}

static int cfg_service(const struct cfg_ctx *c, unsigned i, const struct raw_service *rs,
		       struct mgmt_config *cfg)
{
	static const char *const kinds[] = {
		[MGMT_SVC_ECHO] = "echo", [MGMT_SVC_SINK] = "sink", [MGMT_SVC_SOURCE] = "source"
	};
	struct mgmt_service *sv = &cfg->services[i];
	char key[64];
	unsigned v;

	if (cfg_entry_name(c, "services", "service", i, rs->name, sv->name, cfg->services[0].name,
			   sizeof(cfg->services[0])) < 0)
		return -1;
	snprintf(key, sizeof(key), "services[%u].kind", i);
	if (!rs->kind)
		return cfg_fail(c, key, "required key missing");
	if (cfg_enum(c, key, rs->kind, kinds, CFG_COUNT(kinds), &v) < 0)
		return -1;
	sv->kind = (enum mgmt_service_kind)v;

	snprintf(key, sizeof(key), "services[%u]", i);
	if ((rs->listen != NULL) == (rs->connect != NULL))
		return cfg_fail(c, key,
				"needs exactly one of 'listen' (a port) and 'connect' "
				"(a.b.c.d:port)");
	if (rs->listen) {
		snprintf(key, sizeof(key), "services[%u].listen", i);
		if (cfg_uint(c, key, rs->listen, 1, 65535, false, 0, &v) < 0)
			return -1;
		sv->listen_port = (uint16_t)v;
		for (unsigned j = 0; j < i; j++)
			if (cfg->services[j].listen_port == sv->listen_port)
				return cfg_fail(c, key, "port %u is also services[%u]'s", v, j);
	} else {
		snprintf(key, sizeof(key), "services[%u].connect", i);
		if (cfg_ipv4_port(c, key, rs->connect, &sv->connect_ip, &sv->connect_port) < 0)
			return -1;
	}
	snprintf(key, sizeof(key), "services[%u].from", i);
	if (rs->from) {
		if (cfg_ref(c, key, "address", rs->from, cfg->addrs[0].name, sizeof(cfg->addrs[0]),
			    cfg->n_addrs, &sv->from_addr) < 0)
			return -1;
	} else if (cfg->n_addrs == 0) {
		return cfg_fail(c, key, "services need an address of the box ('addresses')");
	}
	snprintf(key, sizeof(key), "services[%u].connections", i);
	if (cfg_uint(c, key, rs->connections, 1, 100000, false, 1, &sv->connections) < 0)
		return -1;
	snprintf(key, sizeof(key), "services[%u].bytes", i);
	if (cfg_bytes(c, key, rs->bytes, 1ull << 30, &sv->bytes) < 0)
		return -1;
	snprintf(key, sizeof(key), "services[%u].sndbuf", i);
	if (cfg_uint(c, key, rs->sndbuf, 4096, 1u << 30, true, 0, &sv->sndbuf) < 0)
		return -1;
	snprintf(key, sizeof(key), "services[%u].rcvbuf", i);
	if (cfg_uint(c, key, rs->rcvbuf, 4096, 1u << 30, true, 0, &sv->rcvbuf) < 0)
		return -1;
	snprintf(key, sizeof(key), "services[%u].mptcp", i);
	if (cfg_bool(c, key, rs->mptcp, false, &sv->mptcp) < 0)
		return -1;
	snprintf(key, sizeof(key), "services[%u].cc", i);
	if (cfg_cc(c, key, rs->cc, sv->mptcp, sv->cc) < 0)
		return -1;
	snprintf(key, sizeof(key), "services[%u].scheduler", i);
	if (cfg_scheduler(c, key, rs->scheduler, sv->mptcp, sv->scheduler) < 0)
		return -1;
	cfg->n_services = i + 1;
	return 0;
}

static int cfg_not_for(const struct cfg_ctx *c, const char *key, enum mgmt_peer_kind kind,
		       const char *why)
{
	return cfg_fail(c, key, "not for a peer of kind %s (%s)", peer_kind_names[kind], why);
}

/* A file named in the configuration; a relative path is taken from the
 * directory of the configuration file (c->name). Nothing is opened here. */
static int cfg_file_path(const struct cfg_ctx *c, const char *key, const char *s,
			 char out[MGMT_FILE_MAX])
{
	const char *slash = strrchr(c->name, '/');
	int dir = s[0] != '/' && slash ? (int)(slash - c->name + 1) : 0;
	int k;

	if (cfg_text(c, key, s, out, MGMT_FILE_MAX) < 0)
		return -1;
	k = snprintf(out, MGMT_FILE_MAX, "%.*s%s", dir, c->name, s);
	if (k < 0 || k >= MGMT_FILE_MAX)
		return cfg_fail(c, key,
				"too long once taken from the configuration file's directory "
				"(at most %d characters)",
				MGMT_FILE_MAX - 1);
	return 0;
}

/* A gateway's pre-shared key: exactly one of psk and psk_file (read later,
 * by mgmt_config_load()). The other kinds take none. */
static int cfg_peer_key(const struct cfg_ctx *c, unsigned i, const struct raw_peer *rp,
			struct mgmt_peer *p)
{
	char key[64];

	if (p->kind != MGMT_PEER_GATEWAY) {
		if (!rp->psk && !rp->psk_file)
			return 0;
		snprintf(key, sizeof(key), "peers[%u].%s", i, rp->psk ? "psk" : "psk_file");
		return cfg_not_for(c, key, p->kind, "a key is only for a gateway");
	}
	snprintf(key, sizeof(key), "peers[%u]", i);
	if ((rp->psk != NULL) == (rp->psk_file != NULL))
		return cfg_fail(c, key,
				"a gateway needs exactly one of 'psk' (hex) and 'psk_file'");
	if (rp->psk) {
		snprintf(key, sizeof(key), "peers[%u].psk", i);
		return cfg_hex_key(c, key, NULL, rp->psk, strlen(rp->psk), p->psk, &p->psk_len);
	}
	snprintf(key, sizeof(key), "peers[%u].psk_file", i);
	return cfg_file_path(c, key, rp->psk_file, p->psk_file);
}

static int cfg_path(const struct cfg_ctx *c, unsigned i, unsigned j, const struct raw_path *rq,
		    struct mgmt_config *cfg)
{
	struct mgmt_peer *p = &cfg->peers[i];
	struct mgmt_path *q = &p->paths[j];
	char section[32], key[64];
	uint32_t ip;

	snprintf(section, sizeof(section), "peers[%u].paths", i);
	if (cfg_entry_name(c, section, "path", j, rq->name, q->name, p->paths[0].name,
			   sizeof(p->paths[0])) < 0)
		return -1;
	snprintf(key, sizeof(key), "%s[%u].local", section, j);
	if (cfg_ref(c, key, "address", rq->local, cfg->addrs[0].name, sizeof(cfg->addrs[0]),
		    cfg->n_addrs, &q->local) < 0)
		return -1;
	snprintf(key, sizeof(key), "%s[%u].remote", section, j);
	if (rq->remote && p->kind == MGMT_PEER_MPTCP_SERVER)
		return cfg_not_for(c, key, p->kind, "the destination is the intercepted SYN's");
	if (!rq->remote && p->kind == MGMT_PEER_GATEWAY)
		return cfg_fail(c, key, "required for a peer of kind gateway");
	if (rq->remote) {
		if (cfg_ipv4(c, key, rq->remote, &ip) < 0)
			return -1;
		if (ip == 0)
			return cfg_fail(c, key, "0.0.0.0 is not a host address");
		q->remote_ip = htonl(ip);
	}
	q->slot = (uint8_t)j;
	snprintf(key, sizeof(key), "%s[%u].backup", section, j);
	return cfg_bool(c, key, rq->backup, false, &q->backup);
}

/* A gateway or an mptcp-server needs a path; mptcp-clients need none. */
static int cfg_paths_count(const struct cfg_ctx *c, const char *key, enum mgmt_peer_kind kind,
			   unsigned n)
{
	if (n > MGMT_PATHS_MAX)
		return cfg_fail(c, key, "too many entries (at most %d)", MGMT_PATHS_MAX);
	if (n == 0 && kind != MGMT_PEER_MPTCP_CLIENTS)
		return cfg_fail(c, key, "a peer of kind %s needs 1..%d paths",
				peer_kind_names[kind], MGMT_PATHS_MAX);
	return 0;
}

static int cfg_peer_paths(const struct cfg_ctx *c, unsigned i, const struct raw_peer *rp,
			  struct mgmt_config *cfg)
{
	struct mgmt_peer *p = &cfg->peers[i];
	char key[64];

	snprintf(key, sizeof(key), "peers[%u].paths", i);
	if (cfg_paths_count(c, key, p->kind, rp->paths_count) < 0)
		return -1;
	for (unsigned j = 0; j < rp->paths_count; j++)
		if (cfg_path(c, i, j, &rp->paths[j], cfg) < 0)
			return -1;
	p->n_paths = rp->paths_count;
	return 0;
}

/* Port @v, where peers[i] (mptcp-clients) listens, is no other listener's:
 * not a service's, not the proxy's, not a peer's before it. */
static int cfg_listen_free(const struct cfg_ctx *c, const char *key, const struct mgmt_config *cfg,
			   unsigned i, unsigned v)
{
	for (unsigned j = 0; j < cfg->n_services && j < MGMT_SERVICES_MAX; j++)
		if (cfg->services[j].listen_port == v)
			return cfg_fail(c, key, "port %u is also services[%u]'s", v, j);
	if (cfg->proxy_port == v)
		return cfg_fail(c, key, "port %u is also the proxy's (proxy.port)", v);
	for (unsigned j = 0; j < i; j++)
		if (cfg->peers[j].listen_port == v)
			return cfg_fail(c, key, "port %u is also peers[%u]'s", v, j);
	return 0;
}

/* mptcp-clients: the port they connect to, the TCP server they reach. */
static int cfg_peer_clients(const struct cfg_ctx *c, unsigned i, const struct raw_peer *rp,
			    struct mgmt_config *cfg)
{
	struct mgmt_peer *p = &cfg->peers[i];
	char key[64];
	unsigned v;

	if (p->kind != MGMT_PEER_MPTCP_CLIENTS) {
		if (!rp->listen && !rp->backend)
			return 0;
		snprintf(key, sizeof(key), "peers[%u].%s", i, rp->listen ? "listen" : "backend");
		return cfg_not_for(c, key, p->kind, "only for mptcp-clients");
	}
	snprintf(key, sizeof(key), "peers[%u].listen", i);
	if (!rp->listen)
		return cfg_fail(c, key, "required for a peer of kind mptcp-clients");
	if (cfg_uint(c, key, rp->listen, 1, 65535, false, 0, &v) < 0 ||
	    cfg_listen_free(c, key, cfg, i, v) < 0)
		return -1;
	p->listen_port = (uint16_t)v;
	snprintf(key, sizeof(key), "peers[%u].backend", i);
	if (!rp->backend)
		return cfg_fail(c, key, "required for a peer of kind mptcp-clients");
	return cfg_ipv4_port(c, key, rp->backend, &p->backend_ip, &p->backend_port);
}

static int cfg_peer(const struct cfg_ctx *c, unsigned i, const struct raw_peer *rp,
		    struct mgmt_config *cfg)
{
	struct mgmt_peer *p = &cfg->peers[i];
	unsigned v = MGMT_PEER_GATEWAY;
	char key[64];

	if (cfg_entry_name(c, "peers", "peer", i, rp->name, p->name, cfg->peers[0].name,
			   sizeof(cfg->peers[0])) < 0)
		return -1;
	snprintf(key, sizeof(key), "peers[%u].kind", i);
	if (rp->kind &&
	    cfg_enum(c, key, rp->kind, peer_kind_names, CFG_COUNT(peer_kind_names), &v) < 0)
		return -1;
	p->kind = (enum mgmt_peer_kind)v;
	snprintf(key, sizeof(key), "peers[%u].port", i);
	if (p->kind != MGMT_PEER_GATEWAY && rp->port)
		return cfg_not_for(c, key, p->kind, "the proxy port of another mpgw box");
	if (p->kind == MGMT_PEER_GATEWAY) {
		if (cfg_uint(c, key, rp->port, 1, 65535, false, cfg->proxy_port, &v) < 0)
			return -1;
		p->port = (uint16_t)v;
	}
	snprintf(key, sizeof(key), "peers[%u].scheduler", i);
	if (cfg_scheduler(c, key, rp->scheduler, true, p->scheduler) < 0)
		return -1;
	snprintf(key, sizeof(key), "peers[%u].cc", i);
	if (cfg_cc(c, key, rp->cc, true, p->cc) < 0)
		return -1;
	if (cfg_peer_key(c, i, rp, p) < 0 || cfg_peer_paths(c, i, rp, cfg) < 0 ||
	    cfg_peer_clients(c, i, rp, cfg) < 0)
		return -1;
	p->slot = (uint8_t)i;
	cfg->n_peers = i + 1;
	return 0;
}

/* The peer an intercept rule sends to: one this box can connect to. */
static int cfg_intercept_to(const struct cfg_ctx *c, const char *key, const struct mgmt_peer *p)
{
	if (p->kind == MGMT_PEER_MPTCP_CLIENTS)
		return cfg_fail(c, key,
				"peer '%s' is of kind mptcp-clients, which connect to this box: "
				"intercept to a gateway or an mptcp-server",
				p->name);
	return 0;
}

/* intercept: the peer's name (a gateway or an mptcp-server); others: none. */
static int cfg_rule_peer(const struct cfg_ctx *c, unsigned i, const struct raw_rule *rr,
			 struct mgmt_config *cfg, const char *action)
{
	struct mgmt_rule *u = &cfg->rules[i];
	char key[64];

	snprintf(key, sizeof(key), "rules[%u].peer", i);
	if (u->action != MGMT_RULE_INTERCEPT) {
		if (rr->peer)
			return cfg_fail(c, key, "only for action intercept (not %s)", action);
		return 0;
	}
	if (cfg_ref(c, key, "peer", rr->peer, cfg->peers[0].name, sizeof(cfg->peers[0]),
		    cfg->n_peers, &u->peer) < 0)
		return -1;
	return cfg_intercept_to(c, key, &cfg->peers[u->peer]);
}

static int cfg_rule(const struct cfg_ctx *c, unsigned i, const struct raw_rule *rr,
		    struct mgmt_config *cfg)
{
	struct mgmt_rule *u = &cfg->rules[i];
	char key[64];
	unsigned v;

	if (cfg_entry_name(c, "rules", "rule", i, rr->name, u->name, cfg->rules[0].name,
			   sizeof(cfg->rules[0])) < 0)
		return -1;
	u->slot = (uint16_t)i;
	snprintf(key, sizeof(key), "rules[%u].dst", i);
	if (!rr->dst)
		return cfg_fail(c, key, "required key missing");
	if (cfg_prefix(c, key, rr->dst, &u->dst) < 0)
		return -1;
	if (rr->src) {
		snprintf(key, sizeof(key), "rules[%u].src", i);
		if (cfg_prefix(c, key, rr->src, &u->src) < 0)
			return -1;
		if (u->src.family != u->dst.family)
			return cfg_fail(
				c, key, "an IPv%d prefix, but dst is IPv%d (one family in a rule)",
				u->src.family == AF_INET ? 4 : 6, u->dst.family == AF_INET ? 4 : 6);
	}
	snprintf(key, sizeof(key), "rules[%u].dport", i);
	if (cfg_port_range(c, key, rr->dport, &u->has_dport, &u->dport_lo, &u->dport_hi) < 0)
		return -1;
	snprintf(key, sizeof(key), "rules[%u].sport", i);
	if (cfg_port_range(c, key, rr->sport, &u->has_sport, &u->sport_lo, &u->sport_hi) < 0)
		return -1;
	snprintf(key, sizeof(key), "rules[%u].action", i);
	if (!rr->action)
		return cfg_fail(c, key, "required key missing");
	if (cfg_enum(c, key, rr->action, rule_action_names, CFG_COUNT(rule_action_names), &v) < 0)
		return -1;
	u->action = (enum mgmt_rule_action)v;
	if (cfg_rule_peer(c, i, rr, cfg, rule_action_names[v]) < 0)
		return -1;
	cfg->n_rules = i + 1;
	return 0;
}

static int cfg_proxy(const struct cfg_ctx *c, const struct raw_proxy *rp, struct mgmt_config *cfg)
{
	unsigned v;

	if (cfg_uint(c, "proxy.port", rp->port, 1, 65535, false, 6543, &v) < 0)
		return -1;
	for (unsigned j = 0; j < cfg->n_services; j++) {
		char key[64];

		if (cfg->services[j].listen_port != v)
			continue;
		if (rp->port)
			return cfg_fail(c, "proxy.port", "port %u is also services[%u]'s", v, j);
		snprintf(key, sizeof(key), "services[%u].listen", j);
		return cfg_fail(c, key, "port %u is the proxy's (proxy.port, default %u)", v, v);
	}
	cfg->proxy_port = (uint16_t)v;
	if (cfg_uint(c, "proxy.max_connections", rp->max_connections, 1, 1048576, false, 4096,
		     &cfg->proxy_max_conns) < 0 ||
	    cfg_uint(c, "proxy.buffer", rp->buffer, 16384, 67108864, false, 1048576,
		     &cfg->proxy_buffer) < 0 ||
	    cfg_uint(c, "proxy.connect_timeout_ms", rp->connect_timeout_ms, 100, 600000, false,
		     3000, &cfg->proxy_connect_timeout_ms) < 0 ||
	    cfg_uint(c, "proxy.idle_timeout_s", rp->idle_timeout_s, 0, 604800, false, 3600,
		     &cfg->proxy_idle_timeout_s) < 0)
		return -1;
	return 0;
}

/* The proxy: its settings, then peers (which rules name), rules, served. */
static int cfg_proxy_sections(const struct cfg_ctx *c, const struct raw_config *r,
			      struct mgmt_config *cfg)
{
	char key[64];

	if (cfg_proxy(c, &r->proxy, cfg) < 0)
		return -1;
	if (r->peers_count > MGMT_PEERS_MAX)
		return cfg_fail(c, "peers", "too many entries (at most %d)", MGMT_PEERS_MAX);
	for (unsigned i = 0; i < r->peers_count; i++)
		if (cfg_peer(c, i, &r->peers[i], cfg) < 0)
			return -1;
	if (r->rules_count > MGMT_RULES_MAX)
		return cfg_fail(c, "rules", "too many entries (at most %d)", MGMT_RULES_MAX);
	for (unsigned i = 0; i < r->rules_count; i++)
		if (cfg_rule(c, i, &r->rules[i], cfg) < 0)
			return -1;
	if (r->served_count > MGMT_PREFIXES_MAX)
		return cfg_fail(c, "served", "too many entries (at most %d)", MGMT_PREFIXES_MAX);
	for (unsigned i = 0; i < r->served_count; i++) {
		snprintf(key, sizeof(key), "served[%u]", i);
		if (!r->served[i])
			return cfg_fail(c, key, "missing value");
		if (cfg_prefix(c, key, r->served[i], &cfg->served[i]) < 0)
			return -1;
		cfg->n_served = i + 1;
	}
	return 0;
}

/* A user or a group: a decimal id as it is, else a name looked up now. */
static int cfg_id(const struct cfg_ctx *c, const char *key, const char *s, bool group, int64_t *out)
{
	const char *noun = group ? "group" : "user";
	char show[CFG_SHOW_MAX + 4], eb[128];
	size_t size = 4096;
	char *buf = NULL;
	int64_t id = -1;
	int rc;

	*out = -1;
	if (!s)
		return 0;
	if (strspn(s, "0123456789") == strlen(s)) {
		unsigned v;

		/* (uid_t)-1 means "no change" to chown(): not an id */
		if (cfg_uint(c, key, s, 0, UINT_MAX - 1, false, 0, &v) < 0)
			return -1;
		*out = v;
		return 0;
	}
	for (;;) {
		char *nb = realloc(buf, size);

		if (!nb) {
			rc = ENOMEM;
			break;
		}
		buf = nb;
		if (group) {
			struct group gr, *res = NULL;

			rc = getgrnam_r(s, &gr, buf, size, &res);
			if (rc == 0 && res)
				id = res->gr_gid;
		} else {
			struct passwd pw, *res = NULL;

			rc = getpwnam_r(s, &pw, buf, size, &res);
			if (rc == 0 && res)
				id = res->pw_uid;
		}
		if (rc != ERANGE || size >= CFG_FILE_MAX)
			break;
		size *= 2;
	}
	free(buf);
	if (id >= 0) {
		*out = id;
		return 0;
	}
	/* getpwnam_r(3): these mean "no such name" on some systems */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return cfg_fail(c, key, "no %s named '%s' (a name, or a number)", noun,
				cfg_show(show, s));
	return cfg_fail(c, key, "cannot look up %s '%s': %s", noun, cfg_show(show, s),
			strerror_r(rc, eb, sizeof(eb)));
}

/* The socket's mode: 3 or 4 octal digits, permission bits only, and none for
 * others: who may open the socket may change the box. */
static int cfg_mode(const struct cfg_ctx *c, const char *key, const char *s, unsigned *out)
{
	static const char *const rwx[] = { "", "x", "w", "wx", "r", "rx", "rw", "rwx" };
	char show[CFG_SHOW_MAX + 4];
	size_t n;
	unsigned v = 0;

	*out = 0660;
	if (!s)
		return 0;
	n = strlen(s);
	if ((n != 3 && n != 4) || strspn(s, "01234567") != n)
		return cfg_fail(c, key,
				"'%s' is not an octal mode of 3 or 4 digits (e.g. \"0660\")",
				cfg_show(show, s));
	for (size_t i = 0; i < n; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	if (v > 0777)
		return cfg_fail(c, key, "'%s' sets more than permission bits (at most 0777)", s);
	if (v & 07)
		return cfg_fail(c, key,
				"%04o gives others access (o+%s): anyone who can open the socket "
				"can change the box; use 0660 with a group, or 0600",
				v, rwx[v & 07]);
	*out = v;
	return 0;
}

static int cfg_control(const struct cfg_ctx *c, const struct raw_control *r,
		       struct mgmt_config *cfg)
{
	char show[CFG_SHOW_MAX + 4];
	const char *sock = r->socket ? r->socket : "/run/mpgwd.sock";

	if (sock[0] != '/')
		return cfg_fail(c, "control.socket", "'%s' is not an absolute path",
				cfg_show(show, sock));
	/* sun_path: longer paths cannot be bound */
	if (strlen(sock) >= MGMT_SOCKET_MAX)
		return cfg_fail(c, "control.socket",
				"too long for a unix socket (%zu bytes, at most %d)", strlen(sock),
				MGMT_SOCKET_MAX - 1);
	if (cfg_text(c, "control.socket", sock, cfg->ctl_socket, MGMT_SOCKET_MAX) < 0 ||
	    cfg_id(c, "control.owner", r->owner, false, &cfg->ctl_owner) < 0 ||
	    cfg_id(c, "control.group", r->group, true, &cfg->ctl_group) < 0 ||
	    cfg_mode(c, "control.mode", r->mode, &cfg->ctl_mode) < 0)
		return -1;
	return 0;
}

/* "a.b.c.d:port", "[v6]:port" (port 1..65535), or "off" (stored as "").
 * Stored in one spelling ("[::1]:9477", not "[0::1]:09477"), so that the
 * listener need not parse it leniently and a reload compares it as text. */
static int cfg_listen(const struct cfg_ctx *c, const char *key, const char *s,
		      char out[MGMT_LISTEN_MAX])
{
	char show[CFG_SHOW_MAX + 4], a[INET6_ADDRSTRLEN];
	uint8_t addr[16];
	const char *port;
	bool v6 = s[0] == '[';
	unsigned v;

	if (strcmp(s, "off") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (v6) {
		const char *end = strchr(s, ']');
		size_t n = end ? (size_t)(end - s - 1) : 0;

		if (!end || n == 0 || n >= sizeof(a) || end[1] != ':')
			goto syntax;
		memcpy(a, s + 1, n);
		a[n] = '\0';
		if (inet_pton(AF_INET6, a, addr) != 1)
			goto syntax;
		port = end + 2;
	} else {
		uint32_t ip;

		port = cfg_parse_ipv4(s, &ip);
		if (!port || *port++ != ':')
			goto syntax;
		ip = htonl(ip);
		memcpy(addr, &ip, 4);
	}
	if (cfg_uint(c, key, port, 1, 65535, false, 0, &v) < 0)
		return -1;
	inet_ntop(v6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	snprintf(out, MGMT_LISTEN_MAX, v6 ? "[%s]:%u" : "%s:%u", a, v);
	return 0;

syntax:
	return cfg_fail(c, key, "'%s' is not ADDR:PORT (a.b.c.d:port or [IPv6]:port) or off",
			cfg_show(show, s));
}

static int cfg_metrics(const struct cfg_ctx *c, const struct raw_metrics *r,
		       struct mgmt_config *cfg)
{
	return cfg_listen(c, "metrics.listen", r->listen ? r->listen : "127.0.0.1:9477",
			  cfg->metrics_listen);
}

static int cfg_health(const struct cfg_ctx *c, const struct raw_health *r, struct mgmt_config *cfg)
{
	if (cfg_uint(c, "health.probe_interval_ms", r->probe_interval_ms, 100, 60000, true, 1000,
		     &cfg->health_probe_interval_ms) < 0 ||
	    cfg_uint(c, "health.probe_timeout_ms", r->probe_timeout_ms, 10, 60000, false, 1000,
		     &cfg->health_probe_timeout_ms) < 0 ||
	    cfg_uint(c, "health.down_after", r->down_after, 1, 100, false, 3,
		     &cfg->health_down_after) < 0 ||
	    cfg_uint(c, "health.up_after", r->up_after, 1, 100, false, 2, &cfg->health_up_after) <
		    0 ||
	    cfg_uint(c, "health.loss_window", r->loss_window, 4, 1000, false, 20,
		     &cfg->health_loss_window) < 0 ||
	    cfg_uint(c, "health.degraded_loss_pct", r->degraded_loss_pct, 1, 100, false, 5,
		     &cfg->health_degraded_loss_pct) < 0 ||
	    cfg_uint(c, "health.degraded_rtt_ms", r->degraded_rtt_ms, 1, 60000, true, 0,
		     &cfg->health_degraded_rtt_ms) < 0)
		return -1;
	return 0;
}

static int cfg_convert(const struct cfg_ctx *c, const struct raw_config *r, struct mgmt_config *cfg)
{
	static const char *const level_names[] = { "err", "warning", "notice", "info", "debug" };
	static const int levels[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

	if (cfg_eal(c, &r->eal, cfg) < 0 || cfg_ports(c, r, cfg) < 0)
		return -1;
	if (r->addresses_count > MGMT_ADDRS_MAX)
		return cfg_fail(c, "addresses", "too many entries (at most %d)", MGMT_ADDRS_MAX);
	for (unsigned i = 0; i < r->addresses_count; i++)
		if (cfg_addr(c, i, &r->addresses[i], cfg) < 0)
			return -1;
	if (r->services_count > MGMT_SERVICES_MAX)
		return cfg_fail(c, "services", "too many entries (at most %d)", MGMT_SERVICES_MAX);
	for (unsigned i = 0; i < r->services_count; i++)
		if (cfg_service(c, i, &r->services[i], cfg) < 0)
			return -1;
	if (cfg_proxy_sections(c, r, cfg) < 0)
		return -1;

	if (cfg_uint(c, "workers.count", r->workers.count, 1, 16, false, 1, &cfg->workers) < 0 ||
	    cfg_uint(c, "workers.idle_sleep_us", r->workers.idle_sleep_us, 0, 100000, false, 100,
		     &cfg->idle_sleep_us) < 0 ||
	    cfg_uint(c, "workers.burst", r->workers.burst, 1, 256, false, 32, &cfg->burst) < 0 ||
	    cfg_uint(c, "mempool.mbufs", r->mempool.mbufs, 512, 1048575, false, 8191, &cfg->mbufs) <
		    0 ||
	    cfg_uint(c, "mempool.cache", r->mempool.cache, 0, 512, false, 256, &cfg->mbuf_cache) <
		    0 ||
	    cfg_uint(c, "arp.timeout_s", r->arp.timeout_s, 1, 86400, false, 300,
		     &cfg->arp_timeout_s) < 0 ||
	    cfg_pow2(c, "arp.entries", r->arp.entries, 16, 65536, 1024, &cfg->arp_entries) < 0 ||
	    cfg_uint(c, "tcp.max_connections", r->tcp.max_connections, 1, 1048576, false, 65536,
		     &cfg->tcp_max_conns) < 0 ||
	    cfg_uint(c, "tcp.max_half_open", r->tcp.max_half_open, 1, 1048576, false, 4096,
		     &cfg->tcp_max_half_open) < 0 ||
	    cfg_bool(c, "tcp.syncookies", r->tcp.syncookies, true, &cfg->tcp_syncookies) < 0)
		return -1;
	/* DPDK refuses a cache larger than mbufs / 1.5. */
	if ((unsigned long long)cfg->mbuf_cache * 3 > (unsigned long long)cfg->mbufs * 2)
		return cfg_fail(
			c, r->mempool.cache ? "mempool.cache" : "mempool.mbufs",
			"a cache of %u needs at least %u mbufs (cache <= mbufs / 1.5), have %u",
			cfg->mbuf_cache, (cfg->mbuf_cache * 3 + 1) / 2, cfg->mbufs);

	cfg->log_level = LOG_INFO;
	if (r->log.level) {
		unsigned k;

		if (cfg_enum(c, "log.level", r->log.level, level_names, CFG_COUNT(level_names),
			     &k) < 0)
			return -1;
		cfg->log_level = levels[k];
	}
	if (cfg_bool(c, "log.syslog", r->log.syslog, false, &cfg->log_syslog) < 0)
		return -1;
	if (cfg_control(c, &r->control, cfg) < 0 || cfg_metrics(c, &r->metrics, cfg) < 0 ||
	    cfg_health(c, &r->health, cfg) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */

int mgmt_config_parse(const char *buf, size_t len, const char *name, struct mgmt_config *cfg,
		      char *err)
{
	struct cfg_ctx c = { .buf = buf, .len = len, .name = name ? name : "(config)", .err = err };
	struct cyaml_capture cap;
	cyaml_config_t cy = {
		.log_fn = cfg_cyaml_log,
		.log_ctx = &cap,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
		.flags = CYAML_CFG_NO_ALIAS,
	};
	struct raw_config *raw = NULL;
	struct mgmt_yaml_error ye;
	bool has_root;
	cyaml_err_t rc;
	int ret;

	if (err)
		err[0] = '\0';
	if (cfg)
		memset(cfg, 0, sizeof(*cfg));
	if (!cfg || !err)
		return -1;
	if (!buf) {
		if (len)
			return cfg_fail_at(&c, 1, NULL, "no data");
		c.buf = buf = "";
	}

	if (mgmt_yaml_check(buf, len, &has_root, &ye) < 0)
		return cfg_fail_at(&c, ye.line, ye.key, "%s", ye.reason);
	if (!has_root)
		return cfg_fail_at(&c, 1, NULL, "empty configuration (eal and ports are required)");

	memset(&cap, 0, sizeof(cap));
	rc = cyaml_load_data((const uint8_t *)buf, len, &cy, &top_schema, (cyaml_data_t **)&raw,
			     NULL);
	if (rc != CYAML_OK)
		return cfg_cyaml_error(&c, &cap, rc);
	if (!raw)
		return cfg_fail_at(&c, 1, NULL, "empty configuration (eal and ports are required)");

	ret = cfg_convert(&c, raw, cfg);
	cyaml_free(&cy, &top_schema, raw, 0);
	if (ret == 0) {
		/* a safety net: what parses passes the checks of an edit */
		char why[MGMT_ERR_MAX];

		if (mgmt_config_check(cfg, why) < 0)
			ret = cfg_fail_at(&c, 1, NULL, "internal error, please report: %s", why);
	}
	if (ret < 0) {
		memset(cfg, 0, sizeof(*cfg));
		return -1;
	}
	return 0;
}

static bool cfg_is_space(char ch)
{
	return ch && strchr(CFG_SPACE, ch);
}

/* Open a key file: a regular file that others may not read (a secret). */
static int cfg_key_open(const struct cfg_ctx *c, const char *key, const char *path)
{
	char eb[128];
	struct stat st;
	int fd, e = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	if (e) {
		if (fd >= 0)
			close(fd);
		return cfg_fail(c, key, "cannot read '%s': %s", path,
				strerror_r(e, eb, sizeof(eb)));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cfg_fail(c, key, "'%s' is not a regular file", path);
	}
	if (st.st_mode & S_IROTH) {
		close(fd);
		return cfg_fail(c, key,
				"'%s' is readable by others (mode %04o): a key must be secret "
				"(chmod o-r)",
				path, (unsigned)(st.st_mode & 07777));
	}
	return fd;
}

/* Read a key file: hex text as psk takes it, whitespace around it ignored. */
static int cfg_key_read(const struct cfg_ctx *c, const char *key, const char *path, uint8_t *psk,
			unsigned *psk_len)
{
	char eb[128], text[CFG_KEY_FILE_MAX + 1];
	size_t len = 0, a = 0;
	int fd, rc, e = 0;

	fd = cfg_key_open(c, key, path);
	if (fd < 0)
		return -1;
	while (len < sizeof(text)) {
		ssize_t n = read(fd, text + len, sizeof(text) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (e) {
		rc = cfg_fail(c, key, "cannot read '%s': %s", path, strerror_r(e, eb, sizeof(eb)));
	} else if (len > CFG_KEY_FILE_MAX) {
		rc = cfg_fail(c, key, "'%s' is larger than %d bytes", path, CFG_KEY_FILE_MAX);
	} else {
		while (len && cfg_is_space(text[len - 1]))
			len--;
		while (a < len && cfg_is_space(text[a]))
			a++;
		rc = cfg_hex_key(c, key, path, text + a, len - a, psk, psk_len);
	}
	explicit_bzero(text, sizeof(text));
	return rc;
}

/* Read peers[i]'s key file. */
static int cfg_read_key(const struct cfg_ctx *c, unsigned i, struct mgmt_peer *p)
{
	char key[64];

	snprintf(key, sizeof(key), "peers[%u].psk_file", i);
	return cfg_key_read(c, key, p->psk_file, p->psk, &p->psk_len);
}

/* After a parse of buf[0..len): every peer's key file. */
static int cfg_read_keys(const char *buf, size_t len, const char *path, struct mgmt_config *cfg,
			 char *err)
{
	struct cfg_ctx c = { .buf = buf, .len = len, .name = path, .err = err };

	for (unsigned i = 0; i < cfg->n_peers; i++) {
		if (cfg->peers[i].psk_file[0] && cfg_read_key(&c, i, &cfg->peers[i]) < 0) {
			explicit_bzero(cfg, sizeof(*cfg));
			return -1;
		}
	}
	return 0;
}

int mgmt_config_load(const char *path, struct mgmt_config *cfg, char *err)
{
	char eb[128];
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int fd, ret, e = 0;

	if (err)
		err[0] = '\0';
	if (cfg)
		memset(cfg, 0, sizeof(*cfg));
	if (!cfg || !err)
		return -1;
	if (!path || !*path) {
		snprintf(err, MGMT_ERR_MAX, "(config): no configuration file given");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, MGMT_ERR_MAX, "%s: cannot open: %s", path,
			 strerror_r(e, eb, sizeof(eb)));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto io_error;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > CFG_FILE_MAX)
				break;
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				e = ENOMEM;
				goto io_error;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto io_error;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CFG_FILE_MAX) {
		close(fd);
		free(buf);
		snprintf(err, MGMT_ERR_MAX, "%s: larger than %u bytes", path, CFG_FILE_MAX);
		return -1;
	}
	close(fd);
	ret = mgmt_config_parse(buf, len, path, cfg, err);
	if (ret == 0)
		ret = cfg_read_keys(buf, len, path, cfg, err);
	free(buf);
	return ret;

io_error:
	close(fd);
	free(buf);
	snprintf(err, MGMT_ERR_MAX, "%s: cannot read: %s", path, strerror_r(e, eb, sizeof(eb)));
	return -1;
}

int mgmt_config_port_index(const struct mgmt_config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (unsigned i = 0; i < cfg->n_ports && i < MGMT_PORTS_MAX; i++)
		if (strncmp(cfg->ports[i].name, name, MGMT_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int mgmt_config_port_by_role(const struct mgmt_config *cfg, enum mgmt_port_role role)
{
	if (!cfg)
		return -1;
	for (unsigned i = 0; i < cfg->n_ports && i < MGMT_PORTS_MAX; i++)
		if (cfg->ports[i].role == role)
			return (int)i;
	return -1;
}

int mgmt_config_addr_index(const struct mgmt_config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (unsigned i = 0; i < cfg->n_addrs && i < MGMT_ADDRS_MAX; i++)
		if (strncmp(cfg->addrs[i].name, name, MGMT_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int mgmt_config_peer_index(const struct mgmt_config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (unsigned i = 0; i < cfg->n_peers && i < MGMT_PEERS_MAX; i++)
		if (strncmp(cfg->peers[i].name, name, MGMT_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int mgmt_config_rule_index(const struct mgmt_config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (unsigned i = 0; i < cfg->n_rules && i < MGMT_RULES_MAX; i++)
		if (strncmp(cfg->rules[i].name, name, MGMT_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int mgmt_config_path_index(const struct mgmt_peer *peer, const char *name)
{
	if (!peer || !name)
		return -1;
	for (unsigned i = 0; i < peer->n_paths && i < MGMT_PATHS_MAX; i++)
		if (strncmp(peer->paths[i].name, name, MGMT_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Counter slots                                                            */

/* Lowest slot below @n not in @used, taken; n entries never need more. */
static unsigned slot_take(bool *used, unsigned n)
{
	for (unsigned s = 0; s < n; s++) {
		if (!used[s]) {
			used[s] = true;
			return s;
		}
	}
	return 0; /* more entries than slots: mgmt_config_check() refuses that */
}

static void align_paths(const struct mgmt_peer *old, struct mgmt_peer *p)
{
	unsigned n = p->n_paths < MGMT_PATHS_MAX ? p->n_paths : MGMT_PATHS_MAX;
	bool used[MGMT_PATHS_MAX] = { false }, kept[MGMT_PATHS_MAX] = { false };

	for (unsigned j = 0; old && j < n; j++) {
		int k = mgmt_config_path_index(old, p->paths[j].name);
		unsigned s = k >= 0 ? old->paths[k].slot : MGMT_PATHS_MAX;

		if (s < MGMT_PATHS_MAX && !used[s]) {
			p->paths[j].slot = (uint8_t)s;
			used[s] = kept[j] = true;
		}
	}
	for (unsigned j = 0; j < n; j++)
		if (!kept[j])
			p->paths[j].slot = (uint8_t)slot_take(used, MGMT_PATHS_MAX);
}

static void align_rules(const struct mgmt_config *old, struct mgmt_config *cfg)
{
	bool used[MGMT_RULES_MAX] = { false }, kept[MGMT_RULES_MAX] = { false };
	unsigned n = cfg->n_rules < MGMT_RULES_MAX ? cfg->n_rules : MGMT_RULES_MAX;

	for (unsigned i = 0; i < n; i++) {
		int k = mgmt_config_rule_index(old, cfg->rules[i].name);
		unsigned s = k >= 0 ? old->rules[k].slot : MGMT_RULES_MAX;

		if (s < MGMT_RULES_MAX && !used[s]) {
			cfg->rules[i].slot = (uint16_t)s;
			used[s] = kept[i] = true;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (!kept[i])
			cfg->rules[i].slot = (uint16_t)slot_take(used, MGMT_RULES_MAX);
}

void mgmt_config_align(const struct mgmt_config *old, struct mgmt_config *cfg)
{
	bool used[MGMT_PEERS_MAX] = { false }, kept[MGMT_PEERS_MAX] = { false };
	unsigned n;

	if (!cfg)
		return;
	n = cfg->n_peers < MGMT_PEERS_MAX ? cfg->n_peers : MGMT_PEERS_MAX;
	/* first the peers that stay, so that a new one cannot take their slot */
	for (unsigned i = 0; i < n; i++) {
		struct mgmt_peer *p = &cfg->peers[i];
		int k = mgmt_config_peer_index(old, p->name);
		unsigned s = k >= 0 ? old->peers[k].slot : MGMT_PEERS_MAX;

		if (s < MGMT_PEERS_MAX && !used[s]) {
			p->slot = (uint8_t)s;
			used[s] = kept[i] = true;
			align_paths(&old->peers[k], p);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (kept[i])
			continue;
		cfg->peers[i].slot = (uint8_t)slot_take(used, MGMT_PEERS_MAX);
		align_paths(NULL, &cfg->peers[i]);
	}
	align_rules(old, cfg);
}

/* ------------------------------------------------------------------------ */
/* Checks of a configuration in memory                                      */

/* A name in a fixed array: NUL-terminated within it, and valid. */
static int chk_name(const struct cfg_ctx *c, const char *key, const char *name)
{
	char tmp[MGMT_NAME_MAX];

	if (!memchr(name, '\0', MGMT_NAME_MAX))
		return cfg_fail(c, key, "too long (at most %d characters)", MGMT_NAME_MAX - 1);
	return cfg_name(c, key, name, tmp);
}

/* A stored prefix: a family, a length within it, no bits past it. */
static int chk_prefix(const struct cfg_ctx *c, const char *key, const struct mgmt_prefix *pf)
{
	char text[INET6_ADDRSTRLEN + 8];
	struct mgmt_prefix net = *pf;

	if (pf->family != AF_INET && pf->family != AF_INET6)
		return cfg_fail(c, key, "no prefix (family %u: neither IPv4 nor IPv6)", pf->family);
	if (pf->len > (pf->family == AF_INET ? 32 : 128))
		return cfg_fail(c, key, "prefix length %u is out of range (0..%u)", pf->len,
				pf->family == AF_INET ? 32 : 128);
	if (cfg_prefix_clear(&net)) {
		mgmt_prefix_format(&net, text, sizeof(text));
		return cfg_fail(c, key, "has bits set past its length (the prefix is %s)", text);
	}
	return 0;
}

static int chk_range(const struct cfg_ctx *c, const char *key, bool has, uint16_t lo, uint16_t hi)
{
	if (has && lo > hi)
		return cfg_fail(c, key, "'%u-%u' is an empty range (lo-hi with lo <= hi)", lo, hi);
	return 0;
}

/* A fixed-size string: NUL-terminated within @size. */
static int chk_terminated(const struct cfg_ctx *c, const char *key, const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		return cfg_fail(c, key, "too long (at most %zu characters)", size - 1);
	return 0;
}

static int chk_path(const struct cfg_ctx *c, const struct mgmt_config *cfg,
		    const struct mgmt_peer *p, unsigned j)
{
	const struct mgmt_path *q = &p->paths[j];
	char section[MGMT_NAME_MAX + 16], key[2 * MGMT_NAME_MAX + 16];

	snprintf(section, sizeof(section), "peers.%s.paths", p->name);
	snprintf(key, sizeof(key), "%s[%u].name", section, j);
	if (chk_name(c, key, q->name) < 0 ||
	    cfg_entry_name(c, section, "path", j, q->name, key, p->paths[0].name,
			   sizeof(p->paths[0])) < 0)
		return -1;
	snprintf(key, sizeof(key), "%s.%s", section, q->name);
	if (q->local >= cfg->n_addrs)
		return cfg_fail(c, key, "local address index %u: no such address", q->local);
	if (p->kind == MGMT_PEER_GATEWAY && q->remote_ip == 0)
		return cfg_fail(c, key, "no remote address (required for a peer of kind gateway)");
	if (p->kind == MGMT_PEER_MPTCP_SERVER && q->remote_ip != 0)
		return cfg_not_for(c, key, p->kind,
				   "a remote address: the destination is the intercepted SYN's");
	if (q->slot >= MGMT_PATHS_MAX)
		return cfg_fail(c, key, "counter slot %u is out of range (0..%d)", q->slot,
				MGMT_PATHS_MAX - 1);
	for (unsigned k = 0; k < j; k++)
		if (p->paths[k].slot == q->slot)
			return cfg_fail(c, key, "counter slot %u is also path %s's", q->slot,
					p->paths[k].name);
	return 0;
}

/* A gateway's key: inline (MGMT_PSK_MIN..MGMT_PSK_MAX bytes) or a file's. */
static int chk_key(const struct cfg_ctx *c, const char *key, const struct mgmt_peer *p)
{
	char file_key[MGMT_NAME_MAX + 48];

	snprintf(file_key, sizeof(file_key), "%s.psk_file", key);
	if (chk_terminated(c, file_key, p->psk_file, sizeof(p->psk_file)) < 0)
		return -1;
	if (p->kind != MGMT_PEER_GATEWAY) {
		if (p->psk_len || p->psk_file[0])
			return cfg_not_for(c, key, p->kind, "a key is only for a gateway");
		return 0;
	}
	if (p->psk_len == 0 && !p->psk_file[0])
		return cfg_fail(c, key, "a gateway needs a pre-shared key (psk or psk_file)");
	if (p->psk_len && (p->psk_len < MGMT_PSK_MIN || p->psk_len > MGMT_PSK_MAX))
		return cfg_fail(c, key, "a key of %u bytes is out of range (%d..%d bytes)",
				p->psk_len, MGMT_PSK_MIN, MGMT_PSK_MAX);
	return 0;
}

static int chk_peer(const struct cfg_ctx *c, const struct mgmt_config *cfg, unsigned i)
{
	const struct mgmt_peer *p = &cfg->peers[i];
	char key[MGMT_NAME_MAX + 32], tmp[16];

	snprintf(key, sizeof(key), "peers[%u].name", i);
	if (chk_name(c, key, p->name) < 0 ||
	    cfg_entry_name(c, "peers", "peer", i, p->name, key, cfg->peers[0].name,
			   sizeof(cfg->peers[0])) < 0)
		return -1;
	snprintf(key, sizeof(key), "peers.%s", p->name);
	if ((unsigned)p->kind > MGMT_PEER_MPTCP_CLIENTS)
		return cfg_fail(c, key, "kind %u: no such kind", (unsigned)p->kind);
	if (p->slot >= MGMT_PEERS_MAX)
		return cfg_fail(c, key, "counter slot %u is out of range (0..%d)", p->slot,
				MGMT_PEERS_MAX - 1);
	for (unsigned k = 0; k < i; k++)
		if (cfg->peers[k].slot == p->slot)
			return cfg_fail(c, key, "counter slot %u is also peer %s's", p->slot,
					cfg->peers[k].name);
	if (p->kind == MGMT_PEER_GATEWAY && p->port == 0)
		return cfg_fail(c, key, "port 0: a gateway's proxy port is 1..65535");
	if (chk_key(c, key, p) < 0)
		return -1;
	snprintf(key, sizeof(key), "peers.%s.scheduler", p->name);
	if (chk_terminated(c, key, p->scheduler, sizeof(p->scheduler)) < 0 ||
	    cfg_scheduler(c, key, p->scheduler[0] ? p->scheduler : NULL, true, tmp) < 0)
		return -1;
	snprintf(key, sizeof(key), "peers.%s.cc", p->name);
	if (chk_terminated(c, key, p->cc, sizeof(p->cc)) < 0 ||
	    cfg_cc(c, key, p->cc[0] ? p->cc : NULL, true, tmp) < 0)
		return -1;
	snprintf(key, sizeof(key), "peers.%s.paths", p->name);
	if (cfg_paths_count(c, key, p->kind, p->n_paths) < 0)
		return -1;
	for (unsigned j = 0; j < p->n_paths; j++)
		if (chk_path(c, cfg, p, j) < 0)
			return -1;
	if (p->kind != MGMT_PEER_MPTCP_CLIENTS)
		return 0;
	snprintf(key, sizeof(key), "peers.%s.listen", p->name);
	if (p->listen_port == 0)
		return cfg_fail(c, key, "0 is out of range (1..65535)");
	if (cfg_listen_free(c, key, cfg, i, p->listen_port) < 0)
		return -1;
	snprintf(key, sizeof(key), "peers.%s.backend", p->name);
	if (p->backend_port == 0)
		return cfg_fail(c, key, "port 0 is out of range (1..65535)");
	return 0;
}

static int chk_rule(const struct cfg_ctx *c, const struct mgmt_config *cfg, unsigned i)
{
	const struct mgmt_rule *u = &cfg->rules[i];
	char key[MGMT_NAME_MAX + 32];

	snprintf(key, sizeof(key), "rules[%u].name", i);
	if (chk_name(c, key, u->name) < 0 ||
	    cfg_entry_name(c, "rules", "rule", i, u->name, key, cfg->rules[0].name,
			   sizeof(cfg->rules[0])) < 0)
		return -1;
	snprintf(key, sizeof(key), "rules.%s.dst", u->name);
	if (chk_prefix(c, key, &u->dst) < 0)
		return -1;
	snprintf(key, sizeof(key), "rules.%s.src", u->name);
	if (u->src.family != 0) {
		if (chk_prefix(c, key, &u->src) < 0)
			return -1;
		if (u->src.family != u->dst.family)
			return cfg_fail(
				c, key, "an IPv%d prefix, but dst is IPv%d (one family in a rule)",
				u->src.family == AF_INET ? 4 : 6, u->dst.family == AF_INET ? 4 : 6);
	}
	snprintf(key, sizeof(key), "rules.%s.dport", u->name);
	if (chk_range(c, key, u->has_dport, u->dport_lo, u->dport_hi) < 0)
		return -1;
	snprintf(key, sizeof(key), "rules.%s.sport", u->name);
	if (chk_range(c, key, u->has_sport, u->sport_lo, u->sport_hi) < 0)
		return -1;
	snprintf(key, sizeof(key), "rules.%s", u->name);
	if ((unsigned)u->action > MGMT_RULE_DENY)
		return cfg_fail(c, key, "action %u: no such action", (unsigned)u->action);
	if (u->action != MGMT_RULE_INTERCEPT)
		return 0;
	if (u->peer >= cfg->n_peers)
		return cfg_fail(c, key, "peer index %u: no such peer", u->peer);
	return cfg_intercept_to(c, key, &cfg->peers[u->peer]);
}

/* A list's count within its limit. */
static int chk_count(const struct cfg_ctx *c, const char *key, unsigned n, unsigned max)
{
	if (n > max)
		return cfg_fail(c, key, "too many entries (%u, at most %u)", n, max);
	return 0;
}

int mgmt_config_check(const struct mgmt_config *cfg, char *err)
{
	char local[MGMT_ERR_MAX], key[32];
	struct cfg_ctx c = { .err = err ? err : local };

	c.err[0] = '\0';
	if (!cfg)
		return cfg_fail(&c, NULL, "no configuration");
	if (chk_count(&c, "ports", cfg->n_ports, MGMT_PORTS_MAX) < 0 ||
	    chk_count(&c, "addresses", cfg->n_addrs, MGMT_ADDRS_MAX) < 0 ||
	    chk_count(&c, "services", cfg->n_services, MGMT_SERVICES_MAX) < 0 ||
	    chk_count(&c, "peers", cfg->n_peers, MGMT_PEERS_MAX) < 0 ||
	    chk_count(&c, "rules", cfg->n_rules, MGMT_RULES_MAX) < 0 ||
	    chk_count(&c, "served", cfg->n_served, MGMT_PREFIXES_MAX) < 0)
		return -1;
	for (unsigned i = 0; i < cfg->n_peers; i++)
		if (chk_peer(&c, cfg, i) < 0)
			return -1;
	bool slot_used[MGMT_RULES_MAX] = { false };
	for (unsigned i = 0; i < cfg->n_rules; i++) {
		if (chk_rule(&c, cfg, i) < 0)
			return -1;
		unsigned s = cfg->rules[i].slot;
		snprintf(key, sizeof(key), "rules[%u]", i);
		if (s >= MGMT_RULES_MAX)
			return cfg_fail(&c, key, "counter slot %u is out of range (0..%d)", s,
					MGMT_RULES_MAX - 1);
		if (slot_used[s])
			return cfg_fail(&c, key, "counter slot %u is another rule's", s);
		slot_used[s] = true;
	}
	for (unsigned i = 0; i < cfg->n_served; i++) {
		snprintf(key, sizeof(key), "served[%u]", i);
		if (chk_prefix(&c, key, &cfg->served[i]) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* What a reload may change                                                 */

#define RESTART "; a restart is needed"

__attribute__((format(printf, 2, 3))) static int rl_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, MGMT_ERR_MAX, fmt, ap);
	va_end(ap);
	cfg_sanitize(err);
	return -1;
}

static int rl_uint(char *err, const char *key, unsigned a, unsigned b)
{
	if (a == b)
		return 0;
	return rl_fail(err, "%s: changed from %u to %u" RESTART, key, a, b);
}

static int rl_bool(char *err, const char *key, bool a, bool b)
{
	if (a == b)
		return 0;
	return rl_fail(err, "%s: changed from %s to %s" RESTART, key, a ? "true" : "false",
		       b ? "true" : "false");
}

static int rl_str(char *err, const char *key, const char *a, const char *b, size_t size,
		  const char *empty)
{
	if (strncmp(a, b, size) == 0)
		return 0;
	return rl_fail(err, "%s: changed from '%.*s' to '%.*s'" RESTART, key, (int)size,
		       *a ? a : empty, (int)size, *b ? b : empty);
}

static int rl_id(char *err, const char *key, int64_t a, int64_t b)
{
	char sa[24] = "unset", sb[24] = "unset";

	if (a == b)
		return 0;
	if (a >= 0)
		snprintf(sa, sizeof(sa), "%lld", (long long)a);
	if (b >= 0)
		snprintf(sb, sizeof(sb), "%lld", (long long)b);
	return rl_fail(err, "%s: changed from %s to %s" RESTART, key, sa, sb);
}

static bool port_same(const struct mgmt_port *a, const struct mgmt_port *b)
{
	return strncmp(a->name, b->name, MGMT_NAME_MAX) == 0 &&
	       strncmp(a->devargs, b->devargs, MGMT_DEVARGS_MAX) == 0 && a->role == b->role &&
	       a->mtu == b->mtu && a->rx_desc == b->rx_desc && a->tx_desc == b->tx_desc;
}

static bool addr_same(const struct mgmt_addr *a, const struct mgmt_addr *b)
{
	return strncmp(a->name, b->name, MGMT_NAME_MAX) == 0 && a->port == b->port &&
	       a->ip == b->ip && a->prefix_len == b->prefix_len &&
	       a->has_gateway == b->has_gateway && a->gateway == b->gateway;
}

static bool service_same(const struct mgmt_service *a, const struct mgmt_service *b)
{
	return strncmp(a->name, b->name, MGMT_NAME_MAX) == 0 && a->kind == b->kind &&
	       a->listen_port == b->listen_port && a->connect_ip == b->connect_ip &&
	       a->connect_port == b->connect_port && a->from_addr == b->from_addr &&
	       a->connections == b->connections && a->bytes == b->bytes && a->sndbuf == b->sndbuf &&
	       a->rcvbuf == b->rcvbuf && strncmp(a->cc, b->cc, sizeof(a->cc)) == 0 &&
	       strncmp(a->scheduler, b->scheduler, sizeof(a->scheduler)) == 0 &&
	       a->mptcp == b->mptcp;
}

/* What is set up once, at start: the EAL, ports, addresses, services. */
static int rl_lists(const struct mgmt_config *old, const struct mgmt_config *cfg, char *err)
{
	bool same = old->eal_argc == cfg->eal_argc;

	for (unsigned i = 0; same && i < cfg->eal_argc && i < MGMT_EAL_ARGS_MAX; i++)
		same = strncmp(old->eal_args[i], cfg->eal_args[i], MGMT_EAL_ARG_LEN) == 0;
	if (!same)
		return rl_fail(err, "eal.args: changed" RESTART);
	same = old->n_ports == cfg->n_ports;
	for (unsigned i = 0; same && i < cfg->n_ports && i < MGMT_PORTS_MAX; i++)
		same = port_same(&old->ports[i], &cfg->ports[i]);
	if (!same)
		return rl_fail(err, "ports: changed" RESTART);
	same = old->n_addrs == cfg->n_addrs;
	for (unsigned i = 0; same && i < cfg->n_addrs && i < MGMT_ADDRS_MAX; i++)
		same = addr_same(&old->addrs[i], &cfg->addrs[i]);
	if (!same)
		return rl_fail(err, "addresses: changed" RESTART);
	same = old->n_services == cfg->n_services;
	for (unsigned i = 0; same && i < cfg->n_services && i < MGMT_SERVICES_MAX; i++)
		same = service_same(&old->services[i], &cfg->services[i]);
	if (!same)
		return rl_fail(err, "services: changed" RESTART);
	return 0;
}

static int rl_scalars(const struct mgmt_config *old, const struct mgmt_config *cfg, char *err)
{
	if (rl_uint(err, "workers.count", old->workers, cfg->workers) < 0 ||
	    rl_uint(err, "workers.idle_sleep_us", old->idle_sleep_us, cfg->idle_sleep_us) < 0 ||
	    rl_uint(err, "workers.burst", old->burst, cfg->burst) < 0 ||
	    rl_uint(err, "mempool.mbufs", old->mbufs, cfg->mbufs) < 0 ||
	    rl_uint(err, "mempool.cache", old->mbuf_cache, cfg->mbuf_cache) < 0 ||
	    rl_uint(err, "arp.timeout_s", old->arp_timeout_s, cfg->arp_timeout_s) < 0 ||
	    rl_uint(err, "arp.entries", old->arp_entries, cfg->arp_entries) < 0 ||
	    rl_uint(err, "tcp.max_connections", old->tcp_max_conns, cfg->tcp_max_conns) < 0 ||
	    rl_uint(err, "tcp.max_half_open", old->tcp_max_half_open, cfg->tcp_max_half_open) < 0 ||
	    rl_bool(err, "tcp.syncookies", old->tcp_syncookies, cfg->tcp_syncookies) < 0 ||
	    rl_uint(err, "proxy.port", old->proxy_port, cfg->proxy_port) < 0 ||
	    rl_str(err, "control.socket", old->ctl_socket, cfg->ctl_socket, MGMT_SOCKET_MAX, "") <
		    0 ||
	    rl_id(err, "control.owner", old->ctl_owner, cfg->ctl_owner) < 0 ||
	    rl_id(err, "control.group", old->ctl_group, cfg->ctl_group) < 0)
		return -1;
	if (old->ctl_mode != cfg->ctl_mode)
		return rl_fail(err, "control.mode: changed from %04o to %04o" RESTART,
			       old->ctl_mode, cfg->ctl_mode);
	return rl_str(err, "metrics.listen", old->metrics_listen, cfg->metrics_listen,
		      MGMT_LISTEN_MAX, "off");
}

int mgmt_config_reloadable(const struct mgmt_config *old, const struct mgmt_config *cfg, char *err)
{
	char local[MGMT_ERR_MAX];
	bool was, is;

	if (!err)
		err = local;
	err[0] = '\0';
	if (!old || !cfg)
		return rl_fail(err, "no configuration");
	if (rl_lists(old, cfg, err) < 0 || rl_scalars(old, cfg, err) < 0)
		return -1;
	/* the proxy's parts are made at start, or not at all */
	was = old->n_peers + old->n_rules + old->n_served != 0;
	is = cfg->n_peers + cfg->n_rules + cfg->n_served != 0;
	if (!was && is)
		return rl_fail(err, "peers/rules/served: the proxy was off at start" RESTART);
	if (was && !is)
		return rl_fail(err, "peers/rules/served: the proxy was on at start and would be "
				    "off" RESTART);
	/* (the far side listens on proxy.port whenever the proxy is on, so
	 * served prefixes may come with a reload; mptcp-clients peers'
	 * listeners open and close with them) */
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Values from strings, names of values                                     */

int mgmt_prefix_parse(const char *s, struct mgmt_prefix *out, char *err)
{
	char local[MGMT_ERR_MAX];
	struct cfg_ctx c = { .err = err ? err : local };

	c.err[0] = '\0';
	if (!s || !out)
		return cfg_fail(&c, NULL, "no value");
	return cfg_prefix(&c, NULL, s, out);
}

int mgmt_port_range_parse(const char *s, uint16_t *lo, uint16_t *hi, char *err)
{
	char local[MGMT_ERR_MAX];
	struct cfg_ctx c = { .err = err ? err : local };
	uint16_t l, h;
	bool has;

	c.err[0] = '\0';
	if (!s || !lo || !hi)
		return cfg_fail(&c, NULL, "no value");
	if (cfg_port_range(&c, NULL, s, &has, &l, &h) < 0)
		return -1;
	*lo = l;
	*hi = h;
	return 0;
}

int mgmt_endpoint_parse(const char *s, uint32_t *ip, uint16_t *port, char *err)
{
	char local[MGMT_ERR_MAX];
	struct cfg_ctx c = { .err = err ? err : local };
	uint32_t v;
	uint16_t p;

	c.err[0] = '\0';
	if (!s || !ip || !port)
		return cfg_fail(&c, NULL, "no value");
	if (cfg_ipv4_port(&c, NULL, s, &v, &p) < 0)
		return -1;
	*ip = v;
	*port = p;
	return 0;
}

int mgmt_ipv4_parse(const char *s, uint32_t *ip, char *err)
{
	char local[MGMT_ERR_MAX];
	struct cfg_ctx c = { .err = err ? err : local };
	uint32_t v;

	c.err[0] = '\0';
	if (!s || !ip)
		return cfg_fail(&c, NULL, "no value");
	if (cfg_ipv4(&c, NULL, s, &v) < 0)
		return -1;
	*ip = htonl(v);
	return 0;
}

int mgmt_config_read_psk_file(const char *path, uint8_t *psk, unsigned *len, char *err)
{
	char local[MGMT_ERR_MAX];
	struct cfg_ctx c = { .err = err ? err : local };

	c.err[0] = '\0';
	if (!path || !*path || !psk || !len)
		return cfg_fail(&c, NULL, "no key file given");
	return cfg_key_read(&c, NULL, path, psk, len);
}

void mgmt_prefix_format(const struct mgmt_prefix *p, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (!out || n == 0)
		return;
	if (!p || p->family == 0)
		snprintf(out, n, "any");
	else if ((p->family != AF_INET && p->family != AF_INET6) ||
		 !inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(out, n, "invalid");
	else
		snprintf(out, n, "%s/%u", a, p->len);
}

const char *mgmt_peer_kind_name(enum mgmt_peer_kind kind)
{
	return (unsigned)kind < CFG_COUNT(peer_kind_names) ? peer_kind_names[kind] : NULL;
}

int mgmt_peer_kind_parse(const char *s, enum mgmt_peer_kind *kind)
{
	for (unsigned i = 0; s && kind && i < CFG_COUNT(peer_kind_names); i++) {
		if (strcmp(s, peer_kind_names[i]) == 0) {
			*kind = (enum mgmt_peer_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *mgmt_rule_action_name(enum mgmt_rule_action action)
{
	return (unsigned)action < CFG_COUNT(rule_action_names) ? rule_action_names[action] : NULL;
}

int mgmt_rule_action_parse(const char *s, enum mgmt_rule_action *action)
{
	for (unsigned i = 0; s && action && i < CFG_COUNT(rule_action_names); i++) {
		if (strcmp(s, rule_action_names[i]) == 0) {
			*action = (enum mgmt_rule_action)i;
			return 0;
		}
	}
	return -1;
}
