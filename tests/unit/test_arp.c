/* SPDX-License-Identifier: BSD-3-Clause */
/* The ARP cache: states and timers, and the table itself against a
 * reference model under random insertions and deletions. */
#include <stdlib.h>

#include "tcpstack/arp.h"
#include "tests/unit/ut.h"

#define SEC 1000000000ull

static struct rte_mempool *pool;
static const struct tcpstack_arp_params params = {
	.entries = 16,
	.reachable_ns = 30 * SEC,
	.retrans_ns = SEC,
	.max_probes = 3,
};
static const struct rte_ether_addr mac1 = { { 2, 0, 0, 0, 0, 1 } };
static const struct rte_ether_addr mac2 = { { 2, 0, 0, 0, 0, 2 } };

static int setup(void **state)
{
	(void)state;
	pool = ut_eal_pool();
	return pool == NULL ? -1 : 0;
}

static unsigned requests, give_ups;
static uint32_t last_request;
static void on_request(void *ctx, uint32_t ip)
{
	(void)ctx;
	requests++;
	last_request = ip;
}
static void on_give_up(void *ctx, struct rte_mbuf *m)
{
	(void)ctx;
	give_ups++;
	rte_pktmbuf_free(m);
}

static void test_resolve_learn_hit(void **state)
{
	struct tcpstack_arp_cache *c = arp_cache_create(&params);
	struct rte_ether_addr mac;
	struct rte_mbuf *dropped, *m1 = rte_pktmbuf_alloc(pool), *m2 = rte_pktmbuf_alloc(pool);
	uint32_t ip = UT_IP(198, 18, 1, 1);
	bool full;

	(void)state;
	assert_int_equal(arp_resolve(c, ip, 0, m1, &mac, &dropped), ARP_MISS_REQUEST);
	assert_null(dropped);
	/* A second frame replaces the first: one frame held per address. */
	assert_int_equal(arp_resolve(c, ip, 1, m2, &mac, &dropped), ARP_MISS_HELD);
	assert_ptr_equal(dropped, m1);
	rte_pktmbuf_free(m1);
	/* Learning releases the held frame. */
	assert_ptr_equal(arp_learn(c, ip, &mac1, 2, false, &full), m2);
	assert_false(full);
	rte_pktmbuf_free(m2);
	assert_int_equal(arp_resolve(c, ip, 3, NULL, &mac, &dropped), ARP_HIT);
	assert_true(rte_is_same_ether_addr(&mac, &mac1));
	/* An update of an existing entry needs no "create". */
	assert_null(arp_learn(c, ip, &mac2, 4, false, &full));
	assert_int_equal(arp_resolve(c, ip, 5, NULL, &mac, &dropped), ARP_HIT);
	assert_true(rte_is_same_ether_addr(&mac, &mac2));
	/* Unknown senders are not learnt unless we are the target. */
	assert_null(arp_learn(c, UT_IP(198, 18, 1, 9), &mac1, 6, false, &full));
	assert_null(arp_cache_find(c, UT_IP(198, 18, 1, 9)));
	arp_cache_destroy(c);
}

static void test_unresolved_gives_up(void **state)
{
	struct tcpstack_arp_cache *c = arp_cache_create(&params);
	struct rte_ether_addr mac;
	struct rte_mbuf *dropped;
	uint32_t ip = UT_IP(198, 18, 1, 2);

	(void)state;
	requests = give_ups = 0;
	assert_int_equal(arp_resolve(c, ip, 0, rte_pktmbuf_alloc(pool), &mac, &dropped),
			 ARP_MISS_REQUEST);
	arp_cache_age(c, SEC / 2, on_request, on_give_up, NULL);
	assert_int_equal(requests, 0); /* not due yet */
	arp_cache_age(c, SEC, on_request, on_give_up, NULL);
	assert_int_equal(requests, 1);
	assert_int_equal(last_request, ip);
	arp_cache_age(c, 2 * SEC, on_request, on_give_up, NULL);
	assert_int_equal(requests, 2); /* the 3rd request in all */
	assert_int_equal(give_ups, 0);
	arp_cache_age(c, 3 * SEC, on_request, on_give_up, NULL);
	assert_int_equal(give_ups, 1);
	assert_null(arp_cache_find(c, ip));
	assert_int_equal(c->used, 0);
	arp_cache_destroy(c);
}

static void test_reachable_ages_to_probe_then_expires(void **state)
{
	struct tcpstack_arp_cache *c = arp_cache_create(&params);
	struct rte_ether_addr mac;
	struct rte_mbuf *dropped;
	uint32_t a = UT_IP(198, 18, 1, 3), b = UT_IP(198, 18, 1, 4);
	bool full;

	(void)state;
	arp_learn(c, a, &mac1, 0, true, &full);
	arp_learn(c, b, &mac2, 0, true, &full);
	/* Used after its lifetime: still usable, and asks again. */
	assert_int_equal(arp_resolve(c, a, 31 * SEC, NULL, &mac, &dropped), ARP_HIT_REQUEST);
	assert_int_equal(arp_resolve(c, a, 31 * SEC, NULL, &mac, &dropped), ARP_HIT);
	/* Unanswered probes remove it; an answer would have confirmed it. */
	requests = 0;
	for (uint64_t t = 32; t <= 34; t++)
		arp_cache_age(c, t * SEC, on_request, on_give_up, NULL);
	assert_int_equal(requests, 2);
	assert_null(arp_cache_find(c, a));
	/* b was never used: gone one further lifetime after it ended. */
	assert_non_null(arp_cache_find(c, b));
	assert_int_equal(arp_cache_age(c, 59 * SEC, on_request, on_give_up, NULL), 0);
	assert_int_equal(arp_cache_age(c, 60 * SEC, on_request, on_give_up, NULL), 1);
	assert_null(arp_cache_find(c, b));
	arp_cache_destroy(c);
}

static void test_table_full(void **state)
{
	struct tcpstack_arp_cache *c = arp_cache_create(&params);
	struct rte_ether_addr mac;
	struct rte_mbuf *dropped;
	bool full = false;
	unsigned n = 0;

	(void)state;
	for (uint32_t i = 1; i <= 16; i++) {
		arp_learn(c, UT_IP(198, 18, 2, i), &mac1, 0, true, &full);
		if (full)
			break;
		n++;
	}
	assert_true(full);
	assert_int_equal(n, 12); /* three quarters of 16 */
	assert_int_equal(arp_resolve(c, UT_IP(198, 18, 3, 1), 0, NULL, &mac, &dropped),
			 ARP_MISS_FULL);
	arp_cache_destroy(c);
}

static void test_random_against_model(void **state)
{
	const struct tcpstack_arp_params p = {
		.entries = 64,
		.reachable_ns = 10,
		.retrans_ns = 1,
		.max_probes = 1,
	};
	struct tcpstack_arp_cache *c = arp_cache_create(&p);
	bool present[200] = { false };
	bool full;

	(void)state;
	srand(7);
	/* Learn (create) and age out at random; backward-shift deletion must
	 * never lose an entry that is still there. Age with now = 0 keeps
	 * everything; deletion happens by making entries INCOMPLETE-expired. */
	for (int step = 0; step < 20000; step++) {
		unsigned k = (unsigned)rand() % 200;
		uint32_t ip = UT_IP(198, 19, k / 100, k % 100 + 1);
		if (rand() % 3 != 0) {
			arp_learn(c, ip, &mac1, 0, true, &full);
			if (!full)
				present[k] = true;
		} else if (present[k]) {
			struct arp_entry *e = arp_cache_find(c, ip);
			assert_non_null(e);
			e->state = ARP_INCOMPLETE; /* due and out of probes */
			e->probes = 1;
			e->deadline = 0;
			arp_cache_age(c, 1, on_request, on_give_up, NULL);
			present[k] = false;
		}
		if (step % 97 == 0)
			for (unsigned j = 0; j < 200; j++) {
				uint32_t jip = UT_IP(198, 19, j / 100, j % 100 + 1);
				assert_int_equal(arp_cache_find(c, jip) != NULL, present[j]);
			}
	}
	arp_cache_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_learn_hit),
		cmocka_unit_test(test_unresolved_gives_up),
		cmocka_unit_test(test_reachable_ages_to_probe_then_expires),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
