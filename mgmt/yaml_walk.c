/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML structure checks and key path -> line: see yaml_walk.h.
 *
 * One walk over libyaml's events keeps the key path of the current node and
 * a stack of the containers it is in. Without a target it stops at the first
 * structural problem; with one, at the nth node whose path is the target.
 */
#include "mgmt/yaml_walk.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Characters of a key written bare in a key path. */
#define WALK_PLAIN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

enum { WALK_MAP, WALK_SEQ };

struct walk_frame {
	unsigned char kind;
	bool expect_key; /* WALK_MAP: the next node is a key */
	bool path_ok; /* the container's own path fitted in walk.path */
	size_t path_len; /* length of the container's own path */
	unsigned idx; /* WALK_SEQ: index of the next entry */
	unsigned key_line;
};

struct walk {
	/* locate mode: the nth node whose path is target */
	const char *target;
	unsigned nth;
	unsigned hits;
	unsigned found_line;

	char path[MGMT_YAML_PATH_MAX]; /* path of the current node */
	bool path_ok; /* false: path was too long, or odd key */
	struct walk_frame fr[MGMT_YAML_DEPTH_MAX];
	unsigned depth;
	unsigned docs;
	bool root_seen;

	struct mgmt_yaml_error err; /* first structural problem */
};

__attribute__((format(printf, 3, 4))) static int walk_error(struct walk *w, unsigned line,
							    const char *fmt, ...)
{
	va_list ap;

	w->err.line = line;
	snprintf(w->err.key, sizeof(w->err.key), "%s%s", w->path, w->path_ok ? "" : "...");
	va_start(ap, fmt);
	vsnprintf(w->err.reason, sizeof(w->err.reason), fmt, ap);
	va_end(ap);
	return -1;
}

bool mgmt_yaml_plain_key(const char *k, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!k[i] || !strchr(WALK_PLAIN_CHARS, k[i]))
			return false;
	return true;
}

/* Set w->path to the path of frame f (NULL: root) plus one component. */
static void walk_set_path(struct walk *w, const struct walk_frame *f, const char *comp,
			  size_t comp_len, bool is_index)
{
	size_t base = f ? f->path_len : 0;
	size_t sep = (!is_index && base) ? 1 : 0;
	size_t quote = (!is_index && !mgmt_yaml_plain_key(comp, comp_len)) ? 1 : 0;
	char *p;

	w->path[base] = '\0';
	w->path_ok = f ? f->path_ok : true;
	if (!w->path_ok)
		return;
	if (memchr(comp, '\0', comp_len) || base + sep + comp_len + 2 * quote >= sizeof(w->path)) {
		w->path_ok = false;
		return;
	}
	p = w->path + base;
	if (sep)
		*p++ = '.';
	if (quote)
		*p++ = '"';
	memcpy(p, comp, comp_len);
	p += comp_len;
	if (quote)
		*p++ = '"';
	*p = '\0';
}

static unsigned walk_line(const yaml_mark_t *m)
{
	return m->line < UINT_MAX - 1 ? (unsigned)m->line + 1 : UINT_MAX;
}

/* A node event (scalar, alias, start of a sequence or mapping). 1: target found. */
static int walk_node(struct walk *w, const yaml_event_t *ev)
{
	struct walk_frame *top = w->depth ? &w->fr[w->depth - 1] : NULL;
	unsigned line = walk_line(&ev->start_mark);
	unsigned node_line = line;

	if (top && top->kind == WALK_MAP && top->expect_key) {
		if (ev->type != YAML_SCALAR_EVENT) {
			walk_set_path(w, top, "", 0, true); /* the mapping's own path */
			return walk_error(w, line, "a mapping key must be a plain value");
		}
		walk_set_path(w, top, (const char *)ev->data.scalar.value, ev->data.scalar.length,
			      false);
		top->key_line = line;
		top->expect_key = false;
		return 0;
	}
	if (top && top->kind == WALK_SEQ) {
		char ix[16];
		int n = snprintf(ix, sizeof(ix), "[%u]", top->idx);

		walk_set_path(w, top, ix, (size_t)n, true);
		if (top->idx < UINT_MAX)
			top->idx++;
	} else if (top) {
		node_line = top->key_line; /* the value of a key: report the key's line */
		top->expect_key = true;
	} else {
		w->path[0] = '\0';
		w->path_ok = true;
		w->root_seen = true;
	}
	if (ev->type == YAML_ALIAS_EVENT)
		return walk_error(w, line, "YAML aliases (*%.40s) are not supported",
				  (const char *)ev->data.alias.anchor);

	if (w->target && w->path_ok && strcmp(w->path, w->target) == 0 && ++w->hits == w->nth) {
		w->found_line = node_line;
		return 1;
	}

	if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
		struct walk_frame *f;

		if (w->depth >= MGMT_YAML_DEPTH_MAX)
			return walk_error(w, line, "nested deeper than %d levels",
					  MGMT_YAML_DEPTH_MAX);
		f = &w->fr[w->depth++];
		f->kind = ev->type == YAML_MAPPING_START_EVENT ? WALK_MAP : WALK_SEQ;
		f->expect_key = f->kind == WALK_MAP;
		f->path_ok = w->path_ok;
		f->path_len = strlen(w->path);
		f->idx = 0;
		f->key_line = line;
	}
	return 0;
}

static void walk_parse_error(struct walk *w, const yaml_parser_t *p, const char *buf, size_t len)
{
	unsigned line, last;

	if (p->error == YAML_MEMORY_ERROR) {
		walk_error(w, 1, "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* The reader gives a byte offset, no mark: count the lines. */
		line = mgmt_yaml_last_line(buf, p->problem_offset < len ? p->problem_offset : len);
		if (p->problem_value >= 0)
			walk_error(w, line, "invalid input: %s (0x%02X)",
				   p->problem ? p->problem : "bad byte",
				   (unsigned)p->problem_value);
		else
			walk_error(w, line, "invalid input: %s",
				   p->problem ? p->problem : "bad byte");
		return;
	}
	/* Marks at the end of the text may be one line past it. */
	last = mgmt_yaml_last_line(buf, len);
	line = walk_line(&p->problem_mark);
	if (line > last)
		line = last;
	if (p->context) {
		unsigned ctx = walk_line(&p->context_mark);

		walk_error(w, line, "YAML syntax error: %s (%s on line %u)",
			   p->problem ? p->problem : "unknown", p->context,
			   ctx < last ? ctx : last);
		return;
	}
	walk_error(w, line, "YAML syntax error: %s", p->problem ? p->problem : "unknown");
}

/*
 * Walk the YAML events of buf[0..len).  Without a target: return -1 with
 * w->err set on the first structural problem, else 0.  With a target: stop
 * at its nth occurrence (return 1, w->found_line), errors are ignored.
 */
static int walk_run(const char *buf, size_t len, const char *target, unsigned nth, struct walk *w)
{
	yaml_parser_t p;
	yaml_event_t ev;
	bool end;
	int rc = 0;

	memset(w, 0, sizeof(*w));
	w->target = target;
	w->nth = nth ? nth : 1;
	w->path_ok = true;
	if (!yaml_parser_initialize(&p))
		return walk_error(w, 1, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)(len ? buf : ""), len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			walk_parse_error(w, &p, buf, len);
			rc = -1;
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			w->path[0] = '\0';
			w->path_ok = true;
			if (++w->docs > 1)
				rc = walk_error(w, walk_line(&ev.start_mark),
						"only one YAML document is allowed");
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			rc = walk_node(w, &ev);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (w->depth)
				w->depth--;
			break;
		default:
			break;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (rc || end)
			break;
	}
	yaml_parser_delete(&p);
	return rc;
}

unsigned mgmt_yaml_last_line(const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	enum { UTF8, UTF16LE, UTF16BE } enc = UTF8;
	unsigned line = 1;
	uint32_t prev = 0;
	size_t i = 0;

	if (len >= 2 && b[0] == 0xff && b[1] == 0xfe)
		enc = UTF16LE, i = 2;
	else if (len >= 2 && b[0] == 0xfe && b[1] == 0xff)
		enc = UTF16BE, i = 2;
	while (i < len) {
		uint32_t ch;
		size_t step = 1;

		if (enc != UTF8) {
			if (i + 1 >= len)
				break;
			ch = enc == UTF16LE ? (uint32_t)(b[i] | b[i + 1] << 8)
					    : (uint32_t)(b[i] << 8 | b[i + 1]);
			step = 2;
		} else if (b[i] == 0xc2 && i + 1 < len && b[i + 1] == 0x85) {
			ch = 0x85, step = 2;
		} else if (b[i] == 0xe2 && i + 2 < len && b[i + 1] == 0x80 &&
			   (b[i + 2] == 0xa8 || b[i + 2] == 0xa9)) {
			ch = 0x2028, step = 3;
		} else {
			ch = b[i];
		}
		if ((ch == '\n' && prev != '\r') || ch == '\r' || ch == 0x85 || ch == 0x2028 ||
		    ch == 0x2029)
			if (line < UINT_MAX)
				line++;
		prev = ch;
		i += step;
	}
	return line;
}

int mgmt_yaml_check(const char *buf, size_t len, bool *has_root, struct mgmt_yaml_error *e)
{
	struct walk *w = malloc(sizeof(*w)); /* ~2 KiB: not on the stack */
	int rc;

	*has_root = false;
	if (!w) {
		memset(e, 0, sizeof(*e));
		e->line = 1;
		snprintf(e->reason, sizeof(e->reason), "out of memory");
		return -1;
	}
	rc = walk_run(buf, len, NULL, 0, w);
	if (rc < 0)
		*e = w->err;
	else
		*has_root = w->root_seen;
	free(w);
	return rc < 0 ? -1 : 0;
}

unsigned mgmt_yaml_locate(const char *buf, size_t len, const char *path, unsigned nth)
{
	char p[MGMT_YAML_PATH_MAX];
	struct walk *w = malloc(sizeof(*w));
	unsigned line = 1;

	if (!w)
		return 1;
	snprintf(p, sizeof(p), "%s", path);
	for (;;) {
		char *dot, *br, *cut;

		if (walk_run(buf, len, p, nth, w) > 0) {
			line = w->found_line;
			break;
		}
		if (!*p)
			break;
		/* drop the last component: ".key" or "[n]" */
		dot = strrchr(p, '.');
		br = strrchr(p, '[');
		cut = !dot || (br && br > dot) ? br : dot;
		if (cut)
			*cut = '\0';
		else
			p[0] = '\0';
		nth = 1;
	}
	free(w);
	return line;
}
