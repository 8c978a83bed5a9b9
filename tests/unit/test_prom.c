/* SPDX-License-Identifier: BSD-3-Clause */
/* The Prometheus text writer: exact text of each kind of sample, escaping,
 * special floats, bucket choice, and the buffer growing and failing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mgmt/prom.h"

static void test_counter(void **state)
{
	struct mgmt_buf b = { 0 };

	(void)state;
	mgmt_prom_family(&b, "mpgw_rx_packets_total", "counter", "Packets received.");
	mgmt_prom_u64(&b, "mpgw_rx_packets_total", NULL, 0, 18446744073709551615u);
	assert_false(b.failed);
	assert_string_equal(b.p, "# HELP mpgw_rx_packets_total Packets received.\n"
				 "# TYPE mpgw_rx_packets_total counter\n"
				 "mpgw_rx_packets_total 18446744073709551615\n");
	assert_int_equal(b.len, strlen(b.p));
	mgmt_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

static void test_gauge(void **state)
{
	struct mgmt_buf b = { 0 };
	const struct mgmt_prom_label l[] = { { "version", "0.1" }, { "commit", "567b504" } };

	(void)state;
	mgmt_prom_family(&b, "mpgw_build_info", "gauge", "Build of the running mpgwd.");
	mgmt_prom_u64(&b, "mpgw_build_info", l, 2, 1);
	mgmt_prom_family(&b, "mpgw_path_rtt_seconds", "gauge", "Smoothed RTT.");
	mgmt_prom_double(&b, "mpgw_path_rtt_seconds", l, 1, 0.0125);
	mgmt_prom_double(&b, "mpgw_path_rtt_seconds", NULL, 0, 0);
	assert_string_equal(b.p, "# HELP mpgw_build_info Build of the running mpgwd.\n"
				 "# TYPE mpgw_build_info gauge\n"
				 "mpgw_build_info{version=\"0.1\",commit=\"567b504\"} 1\n"
				 "# HELP mpgw_path_rtt_seconds Smoothed RTT.\n"
				 "# TYPE mpgw_path_rtt_seconds gauge\n"
				 "mpgw_path_rtt_seconds{version=\"0.1\"} 0.0125\n"
				 "mpgw_path_rtt_seconds 0\n");
	mgmt_buf_free(&b);
}

/* Label values escape \ " and newline; HELP escapes \ and newline only. */
static void test_escaping(void **state)
{
	struct mgmt_buf b = { 0 };
	const struct mgmt_prom_label l[] = {
		{ "a", "back\\slash" },
		{ "b", "say \"hi\"\nbye" },
		{ "c", "" },
		{ "d", "\\\"\n" },
	};

	(void)state;
	mgmt_prom_family(&b, "x", "untyped", "C:\\dir \"q\"\nnext");
	mgmt_prom_u64(&b, "x", l, 4, 7);
	assert_string_equal(
		b.p,
		"# HELP x C:\\\\dir \"q\"\\nnext\n"
		"# TYPE x untyped\n"
		"x{a=\"back\\\\slash\",b=\"say \\\"hi\\\"\\nbye\",c=\"\",d=\"\\\\\\\"\\n\"} 7\n");
	mgmt_buf_free(&b);
}

static void test_histogram(void **state)
{
	struct mgmt_buf b = { 0 };
	const double bounds[] = { 0.005, 0.1, 1 };
	const uint64_t counts[] = { 1, 2, 0, 3 };
	const struct mgmt_prom_hist h = {
		.n = 3, .bounds = bounds, .counts = counts, .sum = 12.75
	};
	const struct mgmt_prom_label l[] = { { "path", "wan\"0" } };
	const struct mgmt_prom_hist empty = { .n = 0, .counts = (const uint64_t[]){ 0 } };

	(void)state;
	mgmt_prom_family(&b, "rtt_seconds", "histogram", "RTT samples.");
	mgmt_prom_hist(&b, "rtt_seconds", l, 1, &h);
	mgmt_prom_hist(&b, "e", NULL, 0, &empty);
	assert_string_equal(b.p, "# HELP rtt_seconds RTT samples.\n"
				 "# TYPE rtt_seconds histogram\n"
				 "rtt_seconds_bucket{path=\"wan\\\"0\",le=\"0.005\"} 1\n"
				 "rtt_seconds_bucket{path=\"wan\\\"0\",le=\"0.1\"} 3\n"
				 "rtt_seconds_bucket{path=\"wan\\\"0\",le=\"1\"} 3\n"
				 "rtt_seconds_bucket{path=\"wan\\\"0\",le=\"+Inf\"} 6\n"
				 "rtt_seconds_sum{path=\"wan\\\"0\"} 12.75\n"
				 "rtt_seconds_count{path=\"wan\\\"0\"} 6\n"
				 "e_bucket{le=\"+Inf\"} 0\n"
				 "e_sum 0\n"
				 "e_count 0\n");
	mgmt_buf_free(&b);
}

static const char *dbl(struct mgmt_buf *b, double v)
{
	mgmt_buf_reset(b);
	mgmt_prom_double(b, "v", NULL, 0, v);
	assert_true(b->len > 3 && b->p[b->len - 1] == '\n');
	b->p[b->len - 1] = '\0';
	return b->p + 2;
}

/* Spellings Prometheus parses, and the shortest text that reads back. */
static void test_special_floats(void **state)
{
	struct mgmt_buf b = { 0 };
	const double round[] = {
		1.0 / 3, 2.0 / 3, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, 123456789012345678.0,
		-2.5e-9
	};

	(void)state;
	assert_string_equal(dbl(&b, NAN), "NaN");
	assert_string_equal(dbl(&b, INFINITY), "+Inf");
	assert_string_equal(dbl(&b, -INFINITY), "-Inf");
	assert_string_equal(dbl(&b, 0.1), "0.1");
	assert_string_equal(dbl(&b, -0.0), "-0");
	assert_string_equal(dbl(&b, 1e300), "1e+300");
	assert_string_equal(dbl(&b, 1.5), "1.5");
	assert_string_equal(dbl(&b, 0.1 + 0.2), "0.30000000000000004");
	for (size_t i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		const char *s = dbl(&b, round[i]);

		assert_true(strtod(s, NULL) == round[i]);
		assert_true(strlen(s) <= 24);
	}
	mgmt_buf_free(&b);
}

static void test_bucket(void **state)
{
	const double bounds[] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(mgmt_prom_bucket(bounds, 3, 0.5), 0);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, 1), 0);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, 1.5), 1);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, 2), 1);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, 3), 2);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, 3.5), 3);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, -INFINITY), 0);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, INFINITY), 3);
	assert_int_equal(mgmt_prom_bucket(bounds, 3, NAN), 3);
	assert_int_equal(mgmt_prom_bucket(bounds, 0, 1), 0);
	assert_int_equal(mgmt_prom_bucket(bounds, 1, 1), 0);
	assert_int_equal(mgmt_prom_bucket(bounds, 1, 2), 1);
}

/* Many small writes and one larger than everything so far. */
static void test_growth(void **state)
{
	struct mgmt_buf b = { 0 };
	char *big = malloc(100001);
	size_t want = 0;

	(void)state;
	assert_non_null(big);
	for (unsigned i = 0; i < 1000; i++) {
		assert_int_equal(mgmt_buf_printf(&b, "line %u\n", i), 0);
		want += (size_t)snprintf(NULL, 0, "line %u\n", i);
	}
	assert_int_equal(b.len, want);
	assert_true(b.cap > b.len);
	assert_int_equal(strlen(b.p), b.len);
	assert_memory_equal(b.p, "line 0\nline 1\n", 14);
	assert_string_equal(b.p + b.len - 9, "line 999\n");
	memset(big, 'z', 100000);
	big[100000] = '\0';
	assert_int_equal(mgmt_buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, want + 100002);
	assert_int_equal(b.p[want], '[');
	assert_int_equal(b.p[b.len - 1], ']');
	assert_int_equal(b.p[b.len], '\0');
	assert_int_equal(mgmt_buf_add(&b, "ab", 2), 0);
	assert_string_equal(b.p + b.len - 3, "]ab");
	mgmt_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	assert_int_equal(mgmt_buf_add(&b, "", 0), 0);
	assert_string_equal(b.p, "");
	free(big);
	mgmt_buf_free(&b);

	/* Adding to an empty buffer allocates and terminates. */
	assert_int_equal(mgmt_buf_add(&b, "x", 1), 0);
	assert_string_equal(b.p, "x");
	mgmt_buf_free(&b);
}

/* A size that cannot be allocated fails the buffer for good; what it held stays. */
static void test_failed(void **state)
{
	struct mgmt_buf b = { 0 };

	(void)state;
	mgmt_buf_printf(&b, "kept");
	assert_int_equal(mgmt_buf_add(&b, "x", SIZE_MAX / 2), -1);
	assert_true(b.failed);
	assert_int_equal(mgmt_buf_printf(&b, "more"), -1);
	mgmt_prom_u64(&b, "x", NULL, 0, 1);
	assert_string_equal(b.p, "kept");
	assert_int_equal(b.len, 4);
	mgmt_buf_reset(&b);
	assert_false(b.failed);
	mgmt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter),	       cmocka_unit_test(test_gauge),
		cmocka_unit_test(test_escaping),       cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_special_floats), cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_growth),	       cmocka_unit_test(test_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
