/* SPDX-License-Identifier: BSD-3-Clause */
/* mpgwctl's grammar (object, verb, then keywords as `ip mptcp` has them)
 * and its output; docs/control.md, "mpgwctl". */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mgmt/config.h"
#include "mgmt/ctl_cli.h"

/* ---- the grammar ---- */

enum obj { O_STATUS, O_PEER, O_PATH, O_RULE, O_CONN, O_COUNTERS, O_RELOAD, O_MAX };
enum verb { V_NONE, V_SHOW, V_ADD, V_DEL };
enum vtype {
	T_NAME, /* a name: 1..MGMT_NAME_MAX-1 bytes */
	T_WORD, /* any non-empty word (scheduler, cc: the daemon knows the names) */
	T_FILE, /* a path, sent absolute */
	T_PORT, /* 1..65535, a number */
	T_INDEX, /* >= 0, a number */
	T_KIND, /* a peer's kind */
	T_ACTION, /* a rule's action */
	T_IPV4, /* a.b.c.d */
	T_ENDPOINT, /* a.b.c.d:port */
	T_PREFIX, /* address[/len], sent as address/len */
	T_RANGE, /* n or lo-hi, 0..65535, sent as a string */
	T_FLAG, /* no value: true when given, false otherwise */
};

struct kw {
	const char *word; /* as written on the command line */
	const char *member; /* in the request */
	enum vtype type;
	bool required;
	bool top; /* a member of the request itself, not of the nested object */
};

struct cmd {
	enum obj obj;
	enum verb verb;
	const char *command; /* the request's "command" */
	const char *nest; /* the object the NAME and non-top keywords go in; NULL: none */
	enum { NAME_NO, NAME_OPTIONAL, NAME_REQUIRED } name;
	const struct kw *kws; /* NULL-terminated, or NULL */
};

#define KW_MAX 16

static const struct kw peer_add_kws[] = {
	{ "kind", "kind", T_KIND, true, false },
	{ "port", "port", T_PORT, false, false },
	{ "psk-file", "psk_file", T_FILE, false, false },
	{ "scheduler", "scheduler", T_WORD, false, false },
	{ "cc", "cc", T_WORD, false, false },
	{ "listen", "listen", T_PORT, false, false },
	{ "backend", "backend", T_ENDPOINT, false, false },
	{ NULL, NULL, T_NAME, false, false },
};

static const struct kw peer_of_kws[] = {
	{ "peer", "peer", T_NAME, false, true },
	{ NULL, NULL, T_NAME, false, false },
};

static const struct kw path_add_kws[] = {
	{ "peer", "peer", T_NAME, true, true },	      { "local", "local", T_NAME, true, false },
	{ "remote", "remote", T_IPV4, false, false }, { "backup", "backup", T_FLAG, false, false },
	{ NULL, NULL, T_NAME, false, false },
};

static const struct kw path_del_kws[] = {
	{ "peer", "peer", T_NAME, true, true },
	{ NULL, NULL, T_NAME, false, false },
};

static const struct kw rule_add_kws[] = {
	{ "dst", "dst", T_PREFIX, true, false },       { "src", "src", T_PREFIX, false, false },
	{ "dport", "dport", T_RANGE, false, false },   { "sport", "sport", T_RANGE, false, false },
	{ "action", "action", T_ACTION, true, false }, { "peer", "peer", T_NAME, false, false },
	{ "index", "index", T_INDEX, false, true },    { NULL, NULL, T_NAME, false, false },
};

static const struct cmd cmds[] = {
	{ O_STATUS, V_SHOW, "status", NULL, NAME_NO, NULL },
	{ O_PEER, V_SHOW, "peer show", NULL, NAME_OPTIONAL, NULL },
	{ O_PEER, V_ADD, "peer add", "peer", NAME_REQUIRED, peer_add_kws },
	{ O_PEER, V_DEL, "peer remove", NULL, NAME_REQUIRED, NULL },
	{ O_PATH, V_SHOW, "path show", NULL, NAME_NO, peer_of_kws },
	{ O_PATH, V_ADD, "path add", "path", NAME_REQUIRED, path_add_kws },
	{ O_PATH, V_DEL, "path remove", NULL, NAME_REQUIRED, path_del_kws },
	{ O_RULE, V_SHOW, "rule show", NULL, NAME_NO, NULL },
	{ O_RULE, V_ADD, "rule add", "rule", NAME_REQUIRED, rule_add_kws },
	{ O_RULE, V_DEL, "rule remove", NULL, NAME_REQUIRED, NULL },
	{ O_CONN, V_SHOW, "connection show", NULL, NAME_NO, peer_of_kws },
	{ O_COUNTERS, V_SHOW, "counters show", NULL, NAME_NO, NULL },
	{ O_RELOAD, V_NONE, "reload", NULL, NAME_NO, NULL },
};

/* The words that name an object. Tier 1, the objects proper, may be cut to
 * any prefix that no other object shares (`pe`, `pa`, `r`, `c`), as `ip`
 * does; tier 2 only when no object matches (`s`, `cou`). `reload` must be
 * written in full: it throws away every change made through this socket. */
static const struct {
	const char *word;
	enum obj obj;
	int tier; /* 0: the exact word only */
} objects[] = {
	{ "peer", O_PEER, 1 },	       { "path", O_PATH, 1 },	   { "rule", O_RULE, 1 },
	{ "connection", O_CONN, 1 },   { "conn", O_CONN, 0 },	   { "status", O_STATUS, 2 },
	{ "counters", O_COUNTERS, 2 }, { "stats", O_COUNTERS, 0 }, { "reload", O_RELOAD, 0 },
};

static const char *const obj_names[O_MAX] = {
	[O_STATUS] = "status", [O_PEER] = "peer",	[O_PATH] = "path",
	[O_RULE] = "rule",     [O_CONN] = "connection", [O_COUNTERS] = "counters",
	[O_RELOAD] = "reload",
};

static const struct {
	const char *word;
	enum verb verb;
} verbs[] = {
	{ "show", V_SHOW }, { "list", V_SHOW },	 { "add", V_ADD },
	{ "del", V_DEL },   { "delete", V_DEL }, { "remove", V_DEL },
};

static const char *const verb_names[] = { "", "show", "add", "del" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct perr {
	char *buf;
	size_t len;
};

static void fail(struct perr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct perr *e, const char *fmt, ...)
{
	va_list ap;

	if (e->buf == NULL || e->len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
}

static bool is_prefix(const char *w, const char *of)
{
	size_t n = strlen(w);

	return n > 0 && strncmp(w, of, n) == 0;
}

static int find_object(const char *w, struct perr *e)
{
	char list[128] = "";
	int found = -1, n = 0;

	for (size_t i = 0; i < N(objects); i++)
		if (strcmp(w, objects[i].word) == 0)
			return (int)objects[i].obj;
	for (int tier = 1; tier <= 2 && n == 0; tier++) {
		for (size_t i = 0; i < N(objects); i++) {
			if (objects[i].tier != tier || !is_prefix(w, objects[i].word))
				continue;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 n > 0 ? ", " : "", objects[i].word);
			found = (int)objects[i].obj;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n > 1)
		fail(e, "'%s' is ambiguous: %s", w, list);
	else if (is_prefix(w, "reload"))
		fail(e, "'%s': write 'reload' in full (it undoes every change made here)", w);
	else
		fail(e,
		     "unknown object '%s' (status, peer, path, rule, connection, counters, "
		     "reload)",
		     w);
	return -1;
}

static const struct cmd *find_cmd(enum obj o, enum verb v)
{
	for (size_t i = 0; i < N(cmds); i++)
		if (cmds[i].obj == o && cmds[i].verb == v)
			return &cmds[i];
	return NULL;
}

/* The verb w names for object o (a prefix will do if all it could mean is
 * one verb), or V_NONE with the error set. */
static enum verb find_verb(enum obj o, const char *w, struct perr *e)
{
	enum verb found = V_NONE;
	char list[64] = "";
	bool amb = false;

	for (size_t i = 0; i < N(verbs); i++)
		if (strcmp(w, verbs[i].word) == 0 && find_cmd(o, verbs[i].verb) != NULL)
			return verbs[i].verb;
	for (size_t i = 0; i < N(verbs); i++) {
		if (!is_prefix(w, verbs[i].word) || find_cmd(o, verbs[i].verb) == NULL)
			continue;
		if (found != V_NONE && found != verbs[i].verb)
			amb = true;
		found = verbs[i].verb;
	}
	if (found != V_NONE && !amb)
		return found;
	for (enum verb v = V_SHOW; v <= V_DEL; v++)
		if (find_cmd(o, v) != NULL)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] != '\0' ? ", " : "", verb_names[v]);
	fail(e, "unknown verb '%s' after '%s' (%s)", w, obj_names[o], list);
	return V_NONE;
}

static const struct kw *find_kw(const struct cmd *c, const char *w)
{
	for (const struct kw *k = c->kws; k != NULL && k->word != NULL; k++)
		if (strcmp(w, k->word) == 0)
			return k;
	return NULL;
}

/* A decimal number without sign, at most max; -1 if not. */
static long long number(const char *s, long long max)
{
	long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

static json_t *bad_value(struct perr *e, const struct kw *k, const char *v, const char *want)
{
	fail(e, "invalid value '%s' for '%s': %s", v, k->word, want);
	return NULL;
}

/* JSON strings are UTF-8: a word that is not cannot be sent. */
static json_t *str_value(struct perr *e, const struct kw *k, const char *v)
{
	json_t *s = json_string(v);

	return s != NULL ? s : bad_value(e, k, v, "not UTF-8 text");
}

static json_t *prefix_value(struct perr *e, const struct kw *k, const char *v)
{
	char addr[INET6_ADDRSTRLEN + 1], out[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(v, '/');
	size_t alen = slash != NULL ? (size_t)(slash - v) : strlen(v);
	uint8_t bin[16];
	int family, max;
	long long len;

	if (alen == 0 || alen >= sizeof(addr))
		return bad_value(e, k, v, "a prefix (a.b.c.d/len or an IPv6 one)");
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, bin) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, addr, bin) == 1)
		family = AF_INET6;
	else
		return bad_value(e, k, v, "a prefix (a.b.c.d/len or an IPv6 one)");
	max = family == AF_INET ? 32 : 128;
	len = slash != NULL ? number(slash + 1, max) : max; /* a bare address: a host */
	if (len < 0)
		return bad_value(e, k, v,
				 family == AF_INET ? "the length is 0..32"
						   : "the length is 0..128");
	snprintf(out, sizeof(out), "%s/%u", addr, (unsigned)len);
	return json_string(out);
}

static json_t *range_value(struct perr *e, const struct kw *k, const char *v)
{
	const char *dash = strchr(v, '-');
	char lo_s[8], out[16];
	long long lo, hi;

	if (dash == NULL) {
		lo = number(v, 65535);
		if (lo < 0)
			return bad_value(e, k, v, "a port 0..65535 or a range lo-hi");
		snprintf(out, sizeof(out), "%u", (unsigned)lo);
		return json_string(out);
	}
	if ((size_t)(dash - v) >= sizeof(lo_s))
		return bad_value(e, k, v, "a port 0..65535 or a range lo-hi");
	memcpy(lo_s, v, (size_t)(dash - v));
	lo_s[dash - v] = '\0';
	lo = number(lo_s, 65535);
	hi = number(dash + 1, 65535);
	if (lo < 0 || hi < 0)
		return bad_value(e, k, v, "a port 0..65535 or a range lo-hi");
	if (lo > hi)
		return bad_value(e, k, v, "the range is backwards (lo-hi, lo <= hi)");
	snprintf(out, sizeof(out), "%u-%u", (unsigned)lo, (unsigned)hi);
	return json_string(out);
}

static json_t *file_value(struct perr *e, const struct kw *k, const char *v)
{
	char cwd[MGMT_FILE_MAX], out[MGMT_FILE_MAX];
	int n;

	if (*v == '\0')
		return bad_value(e, k, v, "a file name");
	/* The daemon would take a relative name from its configuration file's
	 * directory; the operator means the one here. */
	if (v[0] == '/')
		n = snprintf(out, sizeof(out), "%s", v);
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		n = snprintf(out, sizeof(out), "%s/%s", cwd, v);
	else
		n = -1;
	if (n < 0 || (size_t)n >= sizeof(out))
		return bad_value(e, k, v, "a file name (at most 255 bytes from the root)");
	return str_value(e, k, out);
}

/* The JSON value of keyword k's argument v, or NULL with the error set. */
static json_t *value(struct perr *e, const struct kw *k, const char *v)
{
	uint8_t bin[4];
	long long n;

	switch (k->type) {
	case T_NAME:
		if (*v == '\0' || strlen(v) >= MGMT_NAME_MAX)
			return bad_value(e, k, v, "a name of 1..31 bytes");
		return str_value(e, k, v);
	case T_WORD:
		if (*v == '\0')
			return bad_value(e, k, v, "not empty");
		return str_value(e, k, v);
	case T_FILE:
		return file_value(e, k, v);
	case T_PORT:
		n = number(v, 65535);
		if (n < 1)
			return bad_value(e, k, v, "a port 1..65535");
		return json_integer(n);
	case T_INDEX:
		n = number(v, INT_MAX);
		if (n < 0)
			return bad_value(e, k, v, "a whole number >= 0");
		return json_integer(n);
	case T_KIND:
		if (strcmp(v, "gateway") != 0 && strcmp(v, "mptcp-server") != 0 &&
		    strcmp(v, "mptcp-clients") != 0)
			return bad_value(e, k, v, "gateway, mptcp-server or mptcp-clients");
		return json_string(v);
	case T_ACTION:
		if (strcmp(v, "intercept") != 0 && strcmp(v, "passthrough") != 0 &&
		    strcmp(v, "deny") != 0)
			return bad_value(e, k, v, "intercept, passthrough or deny");
		return json_string(v);
	case T_IPV4:
		if (inet_pton(AF_INET, v, bin) != 1)
			return bad_value(e, k, v, "an IPv4 address a.b.c.d");
		return json_string(v);
	case T_ENDPOINT: {
		const char *colon = strrchr(v, ':');
		char addr[INET_ADDRSTRLEN];

		if (colon == NULL || (size_t)(colon - v) >= sizeof(addr))
			return bad_value(e, k, v, "a.b.c.d:port");
		memcpy(addr, v, (size_t)(colon - v));
		addr[colon - v] = '\0';
		if (inet_pton(AF_INET, addr, bin) != 1 || number(colon + 1, 65535) < 1)
			return bad_value(e, k, v, "a.b.c.d:port, port 1..65535");
		return json_string(v);
	}
	case T_PREFIX:
		return prefix_value(e, k, v);
	case T_RANGE:
		return range_value(e, k, v);
	case T_FLAG:
		return json_true();
	}
	return NULL;
}

static bool set(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0;
}

json_t *mgmt_ctl_cli_parse(int argc, char **argv, char *err, size_t errlen)
{
	struct perr e = { err, errlen };
	const struct cmd *c;
	json_t *req = NULL, *nest = NULL, *dst;
	bool seen[KW_MAX] = { false };
	char ctx[64];
	enum verb v = V_NONE;
	int o, i = 1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		fail(&e, "missing command (status, peer, path, rule, connection, counters, "
			 "reload)");
		return NULL;
	}
	o = find_object(argv[0], &e);
	if (o < 0)
		return NULL;
	if (o != O_RELOAD) {
		v = V_SHOW; /* the default verb, as `ip` has it */
		if (argc > 1) {
			v = find_verb((enum obj)o, argv[1], &e);
			if (v == V_NONE)
				return NULL;
			i = 2;
		}
	}
	c = find_cmd((enum obj)o, v);
	if (c == NULL)
		return NULL; /* not reached: every object has its default */
	snprintf(ctx, sizeof(ctx), "%s%s%s", obj_names[o], v == V_NONE ? "" : " ", verb_names[v]);

	req = json_object();
	if (req == NULL || !set(req, "command", json_string(c->command)))
		goto nomem;
	if (c->nest != NULL) {
		nest = json_object();
		if (!set(req, c->nest, nest))
			goto nomem;
	}
	dst = nest != NULL ? nest : req;

	if (c->name != NAME_NO) {
		const struct kw name_kw = { "name", "name", T_NAME, true, false };

		if (i < argc && find_kw(c, argv[i]) == NULL) {
			json_t *jv = value(&e, &name_kw, argv[i]);

			if (jv == NULL)
				goto fail;
			if (!set(dst, "name", jv))
				goto nomem;
			i++;
		} else if (c->name == NAME_REQUIRED) {
			fail(&e, "missing NAME after '%s'", ctx);
			goto fail;
		}
	}
	while (i < argc) {
		const struct kw *k = find_kw(c, argv[i]);
		json_t *jv;

		if (k == NULL) {
			fail(&e, "unknown keyword '%s' after '%s'", argv[i], ctx);
			goto fail;
		}
		if (seen[k - c->kws]) {
			fail(&e, "'%s' given twice", k->word);
			goto fail;
		}
		seen[k - c->kws] = true;
		if (k->type == T_FLAG) {
			jv = json_true();
			i++;
		} else if (i + 1 >= argc) {
			fail(&e, "missing value for '%s'", k->word);
			goto fail;
		} else {
			jv = value(&e, k, argv[i + 1]);
			if (jv == NULL)
				goto fail;
			i += 2;
		}
		if (!set(k->top ? req : dst, k->member, jv))
			goto nomem;
	}
	for (const struct kw *k = c->kws; k != NULL && k->word != NULL; k++) {
		if (seen[k - c->kws])
			continue;
		if (k->required) {
			fail(&e, "'%s' needs '%s'", ctx, k->word);
			goto fail;
		}
		if (k->type == T_FLAG && !set(k->top ? req : dst, k->member, json_false()))
			goto nomem;
	}
	return req;
nomem:
	fail(&e, "out of memory");
fail:
	json_decref(req);
	return NULL;
}

void mgmt_ctl_cli_usage(FILE *f)
{
	fputs("usage: mpgwctl [-s SOCKET] [-j] [-t SECONDS] OBJECT [VERB [ARGUMENTS]]\n"
	      "\n"
	      "  status\n"
	      "  peer [show [NAME]]\n"
	      "  peer add NAME kind gateway|mptcp-server|mptcp-clients [port N]\n"
	      "           [psk-file FILE] [scheduler S] [cc C] [listen N] [backend A.B.C.D:PORT]\n"
	      "  peer del NAME\n"
	      "  path [show [peer NAME]]\n"
	      "  path add NAME peer P local ADDRNAME [remote A.B.C.D] [backup]\n"
	      "  path del NAME peer P\n"
	      "  rule [show]\n"
	      "  rule add NAME dst PFX [src PFX] [dport N[-M]] [sport N[-M]]\n"
	      "           action intercept|passthrough|deny [peer P] [index N]\n"
	      "  rule del NAME\n"
	      "  connection|conn [show [peer NAME]]\n"
	      "  counters|stats [show]\n"
	      "  reload\n"
	      "\n"
	      "Objects and verbs may be shortened while unambiguous (pe, pa, r, c, s);\n"
	      "verbs: show|list (the default), add, del|delete|remove. `reload` (which\n"
	      "undoes every change made here) must be written in full.\n"
	      "\n"
	      "  -s, --socket PATH    the control socket [$MPGWCTL_SOCKET or /run/mpgwd.sock]\n"
	      "  -j, --json           print the daemon's response as JSON\n"
	      "  -t, --timeout SECS   wait this long for the answer [10]\n"
	      "  -h, --help           this text\n"
	      "\n"
	      "Exit status: 0 done, 1 the daemon said no, 2 usage error, 3 no answer\n"
	      "(cannot connect, or the connection failed).\n",
	      f);
}

/* ---- the pictures ---- */

/* A table: cells by row, printed with each column as wide as its widest
 * cell, two spaces apart, numbers right-aligned, no trailing blanks. */
struct table {
	unsigned ncol;
	const char *right; /* per column: 'r' right-aligned, else left */
	char **cell;
	size_t n, cap; /* cells */
	size_t width[16];
};

static void tab_init(struct table *t, unsigned ncol, const char *right)
{
	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
	t->right = right;
}

static void tab_add(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tab_add(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (t->n == t->cap) {
		size_t cap = t->cap != 0 ? t->cap * 2 : 64;
		char **p = realloc(t->cell, cap * sizeof(*p));

		if (p == NULL)
			return;
		t->cell = p;
		t->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	t->cell[t->n++] = s;
}

static void tab_widths(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		size_t w = t->cell[i] != NULL ? strlen(t->cell[i]) : 0;

		if (w > t->width[i % t->ncol])
			t->width[i % t->ncol] = w;
	}
}

static const char *tab_cell(const struct table *t, size_t row, unsigned c)
{
	size_t i = row * t->ncol + c;

	/* short only after running out of memory */
	return i < t->n && t->cell[i] != NULL ? t->cell[i] : "";
}

static void tab_row(FILE *f, const struct table *t, size_t row, const char *indent)
{
	unsigned end = 0; /* after the last non-empty cell: nothing trails */

	for (unsigned c = 0; c < t->ncol; c++)
		if (tab_cell(t, row, c)[0] != '\0')
			end = c + 1;
	fputs(indent, f);
	for (unsigned c = 0; c < end; c++) {
		const char *s = tab_cell(t, row, c);
		int w = (int)t->width[c];

		if (t->right[c] == 'r')
			fprintf(f, "%*s", w, s);
		else if (c + 1 < end)
			fprintf(f, "%-*s", w, s);
		else
			fputs(s, f);
		if (c + 1 < end)
			fputs("  ", f);
	}
	fputc('\n', f);
}

static void tab_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
}

static void tab_print(FILE *f, struct table *t)
{
	tab_widths(t);
	for (size_t r = 0; r < t->n / t->ncol; r++)
		tab_row(f, t, r, "");
	tab_free(t);
}

/* A member as text: "-" when absent or null. */
static const char *text(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.1f", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(buf, len, "%s", s != NULL ? s : "?");
		free(s);
	}
	return buf;
}

/* A cell: pre, the member as text, post. */
static void tab_val(struct table *t, const char *pre, const json_t *o, const char *key,
		    const char *post)
{
	char b[256];

	tab_add(t, "%s%s%s", pre, text(o, key, b, sizeof(b)), post);
}

/* A cell for an optional match: absent is "any". */
static void tab_any(struct table *t, const json_t *o, const char *key)
{
	char b[256];
	const char *s = text(o, key, b, sizeof(b));

	tab_add(t, "%s", strcmp(s, "-") == 0 ? "any" : s);
}

static const char *when(const json_t *v, char *buf, size_t len)
{
	struct tm tm;
	time_t t;

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return "never";
	t = (time_t)json_integer_value(v);
	if (localtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return buf;
}

/* 3725 -> "1h02m05s": an age an operator reads at a glance. */
static const char *age(const json_t *v, char *buf, size_t len)
{
	long long s;

	if (json_is_integer(v))
		s = json_integer_value(v);
	else if (json_is_real(v))
		s = (long long)json_real_value(v);
	else
		return "-";
	if (s >= 86400)
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm%02llds", s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

static void render_peers(FILE *f, const json_t *peers)
{
	struct table t;
	const json_t *p;
	size_t i;

	tab_init(&t, 7, "..r..r.");
	tab_add(&t, "NAME");
	tab_add(&t, "KIND");
	tab_add(&t, "PORT");
	tab_add(&t, "SCHEDULER");
	tab_add(&t, "CC");
	tab_add(&t, "CONNS");
	tab_add(&t, "PATHS");
	json_array_foreach(peers, i, p)
	{
		const json_t *path;
		char paths[512] = "";
		size_t j;

		json_array_foreach(json_object_get(p, "paths"), j, path)
		{
			size_t used = strlen(paths);
			char nb[64], sb[64];

			snprintf(paths + used, sizeof(paths) - used, "%s%s(%s)", j > 0 ? "," : "",
				 text(path, "name", nb, sizeof(nb)),
				 text(path, "state", sb, sizeof(sb)));
		}
		tab_val(&t, "", p, "name", "");
		tab_val(&t, "", p, "kind", "");
		tab_val(&t, "", p, "port", "");
		tab_val(&t, "", p, "scheduler", "");
		tab_val(&t, "", p, "cc", "");
		tab_val(&t, "", p, "connections", "");
		tab_add(&t, "%s", paths[0] != '\0' ? paths : "-");
	}
	tab_print(f, &t);
}

static void render_paths(FILE *f, const json_t *paths)
{
	struct table t;
	const json_t *p;
	size_t i;

	tab_init(&t, 10, "......rrr.");
	tab_add(&t, "PEER");
	tab_add(&t, "NAME");
	tab_add(&t, "LOCAL");
	tab_add(&t, "ADDRESS");
	tab_add(&t, "REMOTE");
	tab_add(&t, "STATE");
	tab_add(&t, "RTT_MS");
	tab_add(&t, "LOSS_%%");
	tab_add(&t, "SUBFLOWS");
	tab_add(&t, "BACKUP");
	json_array_foreach(paths, i, p)
	{
		tab_val(&t, "", p, "peer", "");
		tab_val(&t, "", p, "name", "");
		tab_val(&t, "", p, "local", "");
		tab_val(&t, "", p, "local_address", "");
		tab_val(&t, "", p, "remote", "");
		tab_val(&t, "", p, "state", "");
		tab_val(&t, "", p, "rtt_ms", "");
		tab_val(&t, "", p, "loss_pct", "");
		tab_val(&t, "", p, "subflows", "");
		tab_val(&t, "", p, "backup", "");
	}
	tab_print(f, &t);
}

static void render_rules(FILE *f, const json_t *rules)
{
	struct table t;
	const json_t *r;
	size_t i;

	tab_init(&t, 9, "r.......r");
	tab_add(&t, "#");
	tab_add(&t, "NAME");
	tab_add(&t, "DST");
	tab_add(&t, "SRC");
	tab_add(&t, "DPORT");
	tab_add(&t, "SPORT");
	tab_add(&t, "ACTION");
	tab_add(&t, "PEER");
	tab_add(&t, "HITS");
	json_array_foreach(rules, i, r)
	{
		tab_add(&t, "%zu", i);
		tab_val(&t, "", r, "name", "");
		tab_val(&t, "", r, "dst", "");
		tab_any(&t, r, "src");
		tab_any(&t, r, "dport");
		tab_any(&t, r, "sport");
		tab_val(&t, "", r, "action", "");
		tab_val(&t, "", r, "peer", "");
		tab_val(&t, "", r, "hits", "");
	}
	tab_print(f, &t);
}

/* A row per connection and, under it, an indented row per subflow: two
 * tables, each aligned in itself, printed interleaved. */
static void render_conns(FILE *f, const json_t *conns)
{
	struct table c, s;
	const json_t *conn, *sf;
	size_t i, j, *first, row = 0;

	first = calloc(json_array_size(conns) + 1, sizeof(*first));
	if (first == NULL)
		return;
	tab_init(&c, 8, "....rrr.");
	tab_init(&s, 10, "..........");
	tab_add(&c, "PEER");
	tab_add(&c, "CLIENT");
	tab_add(&c, "SERVER");
	tab_add(&c, "ROLE");
	tab_add(&c, "AGE");
	tab_add(&c, "BYTES_IN");
	tab_add(&c, "BYTES_OUT");
	tab_add(&c, "SCHEDULER");
	json_array_foreach(conns, i, conn)
	{
		char b[32];

		tab_val(&c, "", conn, "peer", "");
		tab_val(&c, "", conn, "client", "");
		tab_val(&c, "", conn, "server", "");
		tab_val(&c, "", conn, "role", "");
		tab_add(&c, "%s", age(json_object_get(conn, "age_s"), b, sizeof(b)));
		tab_val(&c, "", conn, "bytes_in", "");
		tab_val(&c, "", conn, "bytes_out", "");
		tab_val(&c, "", conn, "scheduler", "");
		first[i] = row;
		json_array_foreach(json_object_get(conn, "subflows"), j, sf)
		{
			tab_val(&s, "subflow ", sf, "path", "");
			tab_val(&s, "", sf, "local", "");
			tab_val(&s, "-> ", sf, "remote", "");
			tab_val(&s, "", sf, "state", "");
			tab_val(&s, "rtt ", sf, "rtt_ms", " ms");
			tab_val(&s, "cwnd ", sf, "cwnd", "");
			tab_val(&s, "sent ", sf, "bytes_sent", "");
			tab_val(&s, "received ", sf, "bytes_received", "");
			tab_val(&s, "retrans ", sf, "retrans_segs", "");
			tab_add(&s, "%s",
				json_is_true(json_object_get(sf, "backup")) ? "backup" : "");
			row++;
		}
	}
	first[json_array_size(conns)] = row;
	tab_widths(&c);
	tab_widths(&s);
	tab_row(f, &c, 0, "");
	for (i = 0; i < json_array_size(conns); i++) {
		tab_row(f, &c, i + 1, "");
		for (row = first[i]; row < first[i + 1]; row++)
			tab_row(f, &s, row, "    ");
	}
	tab_free(&c);
	tab_free(&s);
	free(first);
}

static void render_counters(FILE *f, const json_t *counters)
{
	struct table t;
	const char *key;
	const json_t *v;

	tab_init(&t, 2, ".r");
	json_object_foreach((json_t *)counters, key, v)
	{
		char b[64];

		tab_add(&t, "%s", key);
		tab_add(&t, "%s", text(counters, key, b, sizeof(b)));
	}
	tab_print(f, &t);
}

/* key: value lines, the values in one column; the known keys first, in
 * the contract's order, then whatever else the daemon said. */
static void render_status(FILE *f, const json_t *resp)
{
	static const char *const order[] = { "version", "config",  "started",
					     "reload",	"workers", "connections" };
	struct table t;
	const char *key;
	const json_t *v;

	tab_init(&t, 2, "..");
	for (size_t i = 0; i < N(order); i++) {
		if (json_object_get(resp, order[i]) == NULL)
			continue;
		tab_add(&t, "%s:", order[i]);
		v = json_object_get(resp, order[i]);
		if (strcmp(order[i], "started") == 0) {
			char b[64];

			tab_add(&t, "%s", when(v, b, sizeof(b)));
		} else if (strcmp(order[i], "reload") == 0) {
			const json_t *err = json_object_get(v, "error");
			char b[64];

			when(json_object_get(v, "time"), b, sizeof(b));
			if (json_object_get(v, "time") == NULL && json_object_get(v, "ok") == NULL)
				tab_add(&t, "never");
			else if (json_is_false(json_object_get(v, "ok")))
				tab_add(&t, "failed %s: %s", b,
					json_is_string(err) ? json_string_value(err) : "?");
			else
				tab_add(&t, "ok %s", b);
		} else {
			tab_val(&t, "", resp, order[i], "");
		}
	}
	json_object_foreach((json_t *)resp, key, v)
	{
		bool known = strcmp(key, "ok") == 0;

		for (size_t i = 0; i < N(order); i++)
			known = known || strcmp(key, order[i]) == 0;
		if (known)
			continue;
		tab_add(&t, "%s:", key);
		tab_val(&t, "", resp, key, "");
	}
	tab_print(f, &t);
}

int mgmt_ctl_cli_render(FILE *f, const json_t *request, const json_t *response)
{
	const json_t *ok = json_object_get(response, "ok");
	const char *cmd = json_string_value(json_object_get(request, "command"));

	if (!json_is_boolean(ok)) {
		fprintf(f, "mpgwctl: not a response (no \"ok\")\n");
		return 1;
	}
	if (json_is_false(ok)) {
		const json_t *e = json_object_get(response, "error");

		fprintf(f, "mpgwctl: %s\n", json_is_string(e) ? json_string_value(e) : "failed");
		return 1;
	}
	if (cmd == NULL)
		cmd = "";
	if (strcmp(cmd, "peer show") == 0)
		render_peers(f, json_object_get(response, "peers"));
	else if (strcmp(cmd, "path show") == 0)
		render_paths(f, json_object_get(response, "paths"));
	else if (strcmp(cmd, "rule show") == 0)
		render_rules(f, json_object_get(response, "rules"));
	else if (strcmp(cmd, "connection show") == 0)
		render_conns(f, json_object_get(response, "connections"));
	else if (strcmp(cmd, "counters show") == 0)
		render_counters(f, json_object_get(response, "counters"));
	else if (strcmp(cmd, "status") == 0)
		render_status(f, response);
	else if (strstr(cmd, " add") != NULL || strstr(cmd, " remove") != NULL ||
		 strcmp(cmd, "reload") == 0 || json_object_size(response) == 1)
		fputs("ok\n", f);
	else
		render_status(f, response); /* a command this client does not know */
	return 0;
}
