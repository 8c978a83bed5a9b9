/* SPDX-License-Identifier: BSD-3-Clause */
/* Path health: up after answers, down after losses in a row (and not up
 * again on one answer), degraded by loss over the window or by RTT, late
 * and stray answers ignored, every change counted. */
#include "proxy/health.h"
#include "tests/unit/ut.h"

#define MS 1000000ull

static const struct proxy_health_params P = {
	.timeout_ns = 1000 * MS,
	.down_after = 3,
	.up_after = 2,
	.loss_window = 20,
	.degraded_loss_pct = 10,
	.degraded_rtt_ns = 0,
};

/* One probe a second, answered after @rtt ms or (rtt 0) never. */
static void probe(struct proxy_health *h, const struct proxy_health_params *p, uint64_t *now,
		  unsigned rtt_ms)
{
	uint64_t rtt;
	uint16_t seq = proxy_health_sent(h, p, *now);

	if (rtt_ms != 0) {
		assert_true(proxy_health_answered(h, p, seq, *now + rtt_ms * MS, &rtt));
		assert_int_equal(rtt, rtt_ms * MS);
	}
	*now += 1000 * MS;
	proxy_health_expire(h, p, *now);
}

static void test_up_down_up(void **state)
{
	struct proxy_health h;
	uint64_t now = 1;

	(void)state;
	proxy_health_init(&h);
	assert_int_equal(h.state, PROXY_HEALTH_UNKNOWN);
	probe(&h, &P, &now, 10);
	assert_int_equal(h.state, PROXY_HEALTH_UNKNOWN); /* one answer is not enough */
	probe(&h, &P, &now, 10);
	assert_int_equal(h.state, PROXY_HEALTH_UP);
	probe(&h, &P, &now, 0);
	probe(&h, &P, &now, 0);
	assert_int_equal(h.state, PROXY_HEALTH_DEGRADED); /* 2 of 4 lost: not yet down */
	assert_int_equal(h.lost_run, 2);
	probe(&h, &P, &now, 0);
	assert_int_equal(h.state, PROXY_HEALTH_DOWN);
	probe(&h, &P, &now, 10);
	assert_int_equal(h.state, PROXY_HEALTH_DOWN); /* not up on one answer */
	probe(&h, &P, &now, 10);
	assert_int_not_equal(h.state, PROXY_HEALTH_DOWN);
	assert_int_equal(h.probes_sent, 7);
	assert_int_equal(h.probes_lost, 3);
}

static void test_degraded_by_loss(void **state)
{
	struct proxy_health h;
	uint64_t now = 1;

	(void)state;
	proxy_health_init(&h);
	for (unsigned i = 0; i < 20; i++)
		probe(&h, &P, &now, 5);
	assert_int_equal(h.state, PROXY_HEALTH_UP);
	/* one in five lost: 20 % over the window, never three in a row */
	for (unsigned i = 0; i < 20; i++)
		probe(&h, &P, &now, i % 5 == 0 ? 0 : 5);
	assert_int_equal(h.state, PROXY_HEALTH_DEGRADED);
	assert_int_equal(proxy_health_loss_pct(&h), 20);
	/* a clean window again */
	for (unsigned i = 0; i < 20; i++)
		probe(&h, &P, &now, 5);
	assert_int_equal(h.state, PROXY_HEALTH_UP);
	assert_int_equal(proxy_health_loss_pct(&h), 0);
	assert_int_equal(h.state_changes, 3); /* unknown->up->degraded->up */
}

static void test_degraded_by_rtt(void **state)
{
	struct proxy_health_params p = P;
	struct proxy_health h;
	uint64_t now = 1;

	(void)state;
	p.degraded_rtt_ns = 50 * MS;
	proxy_health_init(&h);
	for (unsigned i = 0; i < 5; i++)
		probe(&h, &p, &now, 20);
	assert_int_equal(h.state, PROXY_HEALTH_UP);
	for (unsigned i = 0; i < 20; i++)
		probe(&h, &p, &now, 200);
	assert_int_equal(h.state, PROXY_HEALTH_DEGRADED);
	assert_true(h.srtt_ns > 50 * MS);
}

static void test_stray_answers(void **state)
{
	struct proxy_health h;
	uint64_t rtt, now = 1;

	(void)state;
	proxy_health_init(&h);
	uint16_t seq = proxy_health_sent(&h, &P, now);
	assert_false(proxy_health_answered(&h, &P, (uint16_t)(seq + 1), now + MS, &rtt));
	proxy_health_expire(&h, &P, now + 1000 * MS);
	assert_int_equal(h.probes_lost, 1);
	/* the answer after it was counted lost changes nothing */
	assert_false(proxy_health_answered(&h, &P, seq, now + 1001 * MS, &rtt));
	assert_int_equal(h.ok_run, 0);
	/* answered twice: once */
	seq = proxy_health_sent(&h, &P, now + 2000 * MS);
	assert_true(proxy_health_answered(&h, &P, seq, now + 2001 * MS, &rtt));
	assert_false(proxy_health_answered(&h, &P, seq, now + 2002 * MS, &rtt));
	assert_int_equal(h.ok_run, 1);
}

/* Losses before the path was ever known up do not make it lossy later,
 * but enough of them make it down. */
static void test_start(void **state)
{
	struct proxy_health h;
	uint64_t now = 1;

	(void)state;
	proxy_health_init(&h);
	probe(&h, &P, &now, 0); /* ARP, a peer starting */
	probe(&h, &P, &now, 10);
	probe(&h, &P, &now, 10);
	assert_int_equal(h.state, PROXY_HEALTH_UP);
	assert_int_equal(proxy_health_loss_pct(&h), 0);
	assert_int_equal(h.probes_lost, 1);

	proxy_health_init(&h);
	for (unsigned i = 0; i < 3; i++)
		probe(&h, &P, &now, 0);
	assert_int_equal(h.state, PROXY_HEALTH_DOWN);
}

/* Not probed: what the subflows show. */
static void test_subflows(void **state)
{
	struct proxy_health_params p = P;
	struct proxy_health h;

	(void)state;
	p.degraded_rtt_ns = 50 * MS;
	proxy_health_init(&h);
	proxy_health_subflows(&h, &p, 0, 0);
	assert_int_equal(h.state, PROXY_HEALTH_UNKNOWN);
	proxy_health_subflows(&h, &p, 2, 20 * MS);
	assert_int_equal(h.state, PROXY_HEALTH_UP);
	assert_int_equal(h.srtt_ns, 20 * MS);
	proxy_health_subflows(&h, &p, 2, 80 * MS);
	assert_int_equal(h.state, PROXY_HEALTH_DEGRADED);
	proxy_health_subflows(&h, &p, 0, 0);
	assert_int_equal(h.state, PROXY_HEALTH_UNKNOWN);
	assert_int_equal(h.state_changes, 3);
}

/* More probes out than slots: the oldest, still awaited, counts lost. */
static void test_slot_reuse_counts_lost(void **state)
{
	struct proxy_health h;

	(void)state;
	proxy_health_init(&h);
	for (unsigned i = 0; i < PROXY_HEALTH_INFLIGHT + 2; i++)
		proxy_health_sent(&h, &P, 1 + i * MS);
	assert_int_equal(h.probes_lost, 2);
	assert_int_equal(h.lost_run, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_down_up),
		cmocka_unit_test(test_degraded_by_loss),
		cmocka_unit_test(test_degraded_by_rtt),
		cmocka_unit_test(test_stray_answers),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_subflows),
		cmocka_unit_test(test_slot_reuse_counts_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
