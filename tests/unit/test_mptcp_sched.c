/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet schedulers: round-robin takes turns (and survives the set of
 * candidates changing size), min-RTT takes the fastest with a sample,
 * redundant takes all; unknown names are refused, the default is
 * round-robin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mptcp/sched.h"

static void test_find(void **state)
{
	(void)state;
	assert_string_equal(mptcp_sched_find(NULL)->name, "roundrobin");
	assert_string_equal(mptcp_sched_find("")->name, "roundrobin");
	assert_string_equal(mptcp_sched_find("minrtt")->name, "minrtt");
	assert_string_equal(mptcp_sched_find("redundant")->name, "redundant");
	assert_null(mptcp_sched_find("blest"));
}

static void test_roundrobin(void **state)
{
	const struct mptcp_sched_ops *rr = mptcp_sched_find("roundrobin");
	struct mptcp_sched_cand c[3] = { { .room = 1 }, { .room = 1 }, { .room = 1 } };
	unsigned cursor = 0, out[3], seen[3] = { 0 };

	(void)state;
	for (int i = 0; i < 30; i++) {
		assert_int_equal(rr->pick(c, 3, &cursor, out), 1);
		assert_true(out[0] < 3);
		seen[out[0]]++;
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(seen[i], 10); /* each its turn */
	/* one candidate fewer (a subflow full or gone): still in range */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(rr->pick(c, 2, &cursor, out), 1);
		assert_true(out[0] < 2);
	}
}

static void test_minrtt(void **state)
{
	const struct mptcp_sched_ops *mr = mptcp_sched_find("minrtt");
	struct mptcp_sched_cand c[3] = {
		{ .srtt_us = 30000, .room = 1 },
		{ .srtt_us = 0, .room = 1 }, /* no sample: last resort */
		{ .srtt_us = 10000, .room = 1 },
	};
	unsigned cursor = 0, out[3];

	(void)state;
	assert_int_equal(mr->pick(c, 3, &cursor, out), 1);
	assert_int_equal(out[0], 2);
	assert_int_equal(mr->pick(c, 2, &cursor, out), 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(mr->pick(&c[1], 1, &cursor, out), 1);
	assert_int_equal(out[0], 0);
}

static void test_redundant(void **state)
{
	const struct mptcp_sched_ops *rd = mptcp_sched_find("redundant");
	struct mptcp_sched_cand c[3] = { { .room = 1 }, { .room = 1 }, { .room = 1 } };
	unsigned cursor = 0, out[3];

	(void)state;
	assert_int_equal(rd->pick(c, 3, &cursor, out), 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(out[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_roundrobin),
		cmocka_unit_test(test_minrtt),
		cmocka_unit_test(test_redundant),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
