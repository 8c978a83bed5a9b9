/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition format 0.0.4, and the buffer it is written to. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/prom.h"

#define BUF_MIN 256 /* first allocation */

/* Room for @p n more bytes and a NUL; on failure the buffer fails for good. */
static int reserve(struct mgmt_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return -1;
	if (n < b->cap - b->len)
		return 0;
	if (n >= SIZE_MAX / 2 - b->len)
		goto fail;
	cap = b->cap < BUF_MIN ? BUF_MIN : b->cap;
	while (cap <= b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		goto fail;
	b->p = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = true;
	return -1;
}

int mgmt_buf_printf(struct mgmt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return -1;
	/* Most lines fit what is left; format once more only when not. */
	va_start(ap, fmt);
	n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return -1;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (reserve(b, (size_t)n) != 0) {
			if (b->p != NULL)
				b->p[b->len] = '\0';
			return -1;
		}
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

int mgmt_buf_add(struct mgmt_buf *b, const void *data, size_t n)
{
	if (reserve(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void mgmt_buf_reset(struct mgmt_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void mgmt_buf_free(struct mgmt_buf *b)
{
	free(b->p);
	*b = (struct mgmt_buf){ 0 };
}

/* @p s with backslash, newline and (in label values) double quote escaped. */
static void put_escaped(struct mgmt_buf *b, const char *s, bool quote)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (esc == NULL)
			continue;
		mgmt_buf_add(b, run, (size_t)(s - run));
		mgmt_buf_add(b, esc, 2);
		run = s + 1;
	}
	mgmt_buf_add(b, run, (size_t)(s - run));
}

/* The shortest of %.15g..%.17g that reads back as @p v (so 0.1 stays
 * "0.1"), and the spellings Prometheus parses for the rest. */
static void fmt_double(char *out, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(out, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, size, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* {a="x",b="y"} plus, if @p extra, extra="extra_value" last. */
static void put_labels(struct mgmt_buf *b, const struct mgmt_prom_label *labels, unsigned n,
		       const char *extra, const char *extra_value)
{
	if (n == 0 && extra == NULL)
		return;
	mgmt_buf_add(b, "{", 1);
	for (unsigned i = 0; i < n; i++) {
		mgmt_buf_printf(b, "%s%s=\"", i > 0 ? "," : "", labels[i].name);
		put_escaped(b, labels[i].value, true);
		mgmt_buf_add(b, "\"", 1);
	}
	if (extra != NULL) {
		mgmt_buf_printf(b, "%s%s=\"", n > 0 ? "," : "", extra);
		put_escaped(b, extra_value, true);
		mgmt_buf_add(b, "\"", 1);
	}
	mgmt_buf_add(b, "}", 1);
}

void mgmt_prom_family(struct mgmt_buf *b, const char *name, const char *type, const char *help)
{
	mgmt_buf_printf(b, "# HELP %s ", name);
	put_escaped(b, help, false);
	mgmt_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void mgmt_prom_u64(struct mgmt_buf *b, const char *name, const struct mgmt_prom_label *labels,
		   unsigned n, uint64_t v)
{
	mgmt_buf_printf(b, "%s", name);
	put_labels(b, labels, n, NULL, NULL);
	mgmt_buf_printf(b, " %" PRIu64 "\n", v);
}

void mgmt_prom_double(struct mgmt_buf *b, const char *name, const struct mgmt_prom_label *labels,
		      unsigned n, double v)
{
	char num[32];

	fmt_double(num, sizeof(num), v);
	mgmt_buf_printf(b, "%s", name);
	put_labels(b, labels, n, NULL, NULL);
	mgmt_buf_printf(b, " %s\n", num);
}

void mgmt_prom_hist(struct mgmt_buf *b, const char *name, const struct mgmt_prom_label *labels,
		    unsigned n, const struct mgmt_prom_hist *h)
{
	uint64_t cum = 0;
	char le[32];

	for (unsigned i = 0; i <= h->n; i++) {
		cum += h->counts[i];
		if (i < h->n)
			fmt_double(le, sizeof(le), h->bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		mgmt_buf_printf(b, "%s_bucket", name);
		put_labels(b, labels, n, "le", le);
		mgmt_buf_printf(b, " %" PRIu64 "\n", cum);
	}
	fmt_double(le, sizeof(le), h->sum);
	mgmt_buf_printf(b, "%s_sum", name);
	put_labels(b, labels, n, NULL, NULL);
	mgmt_buf_printf(b, " %s\n%s_count", le, name);
	put_labels(b, labels, n, NULL, NULL);
	mgmt_buf_printf(b, " %" PRIu64 "\n", cum);
}

unsigned mgmt_prom_bucket(const double *bounds, unsigned n, double v)
{
	unsigned lo = 0, hi = n;

	/* Lower bound; NaN compares false and so lands past the end. */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (bounds[mid] >= v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}
