/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * mgmt_prom — a writer of the Prometheus text exposition format 0.0.4
 * (what /metrics serves), into a growable buffer.
 *
 * Names (metric and label) are the caller's constants and are written as
 * given; label values and HELP texts are escaped. A family is written as
 * mgmt_prom_family() then its samples, e.g.
 *
 *   # HELP mpgw_rx_packets_total Packets received.
 *   # TYPE mpgw_rx_packets_total counter
 *   mpgw_rx_packets_total{port="wan0"} 12
 */
#ifndef MPGW_MGMT_PROM_H
#define MPGW_MGMT_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * A growable text buffer. Zero-initialise it (`struct mgmt_buf b = { 0 };`);
 * p is NUL-terminated once anything was written. When memory runs out,
 * failed is set and the buffer keeps what it had: check it once at the end.
 */
struct mgmt_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

/** Append formatted text. @return 0, or -1 if the buffer has failed. */
int mgmt_buf_printf(struct mgmt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Append @p n bytes. @return 0, or -1 if the buffer has failed. */
int mgmt_buf_add(struct mgmt_buf *b, const void *data, size_t n);

/** Empty the buffer, keeping its memory; clears failed. */
void mgmt_buf_reset(struct mgmt_buf *b);

/** Free the memory; the buffer is zeroed and may be used again. */
void mgmt_buf_free(struct mgmt_buf *b);

/** One label; the value is escaped when written. */
struct mgmt_prom_label {
	const char *name, *value;
};

/**
 * `# HELP name help` (backslash and newline escaped) and `# TYPE name type`.
 * @p type is "counter", "gauge", "histogram", "summary" or "untyped" (0.0.4
 * has no "info": build information is a gauge of value 1).
 */
void mgmt_prom_family(struct mgmt_buf *b, const char *name, const char *type, const char *help);

/** `name{labels} v`; no braces when @p n is 0. */
void mgmt_prom_u64(struct mgmt_buf *b, const char *name, const struct mgmt_prom_label *labels,
		   unsigned n, uint64_t v);

/** `name{labels} v`, v as the shortest text that reads back the same; NaN, +Inf, -Inf. */
void mgmt_prom_double(struct mgmt_buf *b, const char *name, const struct mgmt_prom_label *labels,
		      unsigned n, double v);

/** A histogram as kept by its owner: per-bucket counts, not cumulative. */
struct mgmt_prom_hist {
	unsigned n; /**< number of bounds */
	const double *bounds; /**< n finite upper bounds, ascending */
	const uint64_t *counts; /**< n + 1 counts; the last is above bounds[n - 1] */
	double sum; /**< of every observed value */
};

/**
 * `name_bucket{labels,le="B"}` with cumulative counts for every bound and
 * le="+Inf", then `name_sum` and `name_count`. The family (mgmt_prom_family
 * with "histogram") is written by the caller, under the bare name.
 */
void mgmt_prom_hist(struct mgmt_buf *b, const char *name, const struct mgmt_prom_label *labels,
		    unsigned n, const struct mgmt_prom_hist *h);

/**
 * The bucket @p v falls in: the index of the first bound >= v, or @p n
 * (above every bound, and for NaN). @p bounds ascending.
 */
unsigned mgmt_prom_bucket(const double *bounds, unsigned n, double v);

#endif
