/* SPDX-License-Identifier: BSD-3-Clause */
/* The MPTCP token table (mptcp/token.c): collisions, a full table, keys
 * drawn again on a taken token, removal by the owner only, and the table
 * against a plain array under random operations, both with a random hash
 * key and with one that sends every token to the same home slot (one long
 * run: what deletion without tombstones must get right). */
#include <errno.h>
#include <setjmp.h> /* before cmocka.h */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mptcp/crypto.h"
#include "mptcp/token.h"

static int conns[4096]; /* their addresses stand for connections */

/* A generator that replays a list of keys, then fails; also counts calls.
 * With no keys at all it gives zero bytes: a hash key of zero sends every
 * token home to slot 0. */
struct rigged {
	const uint64_t *keys;
	unsigned n, next, calls;
};

static int rigged_rand(void *ctx, void *buf, size_t len)
{
	struct rigged *r = ctx;

	r->calls++;
	if (r->n == 0) {
		memset(buf, 0, len);
		return 0;
	}
	if (r->next >= r->n || len != sizeof(uint64_t))
		return -EIO;
	memcpy(buf, &r->keys[r->next++], len);
	return 0;
}

static int zero_rand(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0, len);
	return 0;
}

/* A fixed mul and add for the hash, for tests whose tokens are not random. */
static int fixed_rand(void *ctx, void *buf, size_t len)
{
	const uint64_t k[2] = { 0x9e3779b97f4a7c15ull, 0x2545f4914f6cdd1dull };

	(void)ctx;
	if (len != sizeof(k))
		return -EIO;
	memcpy(buf, k, len);
	return 0;
}

/* Invariants: used matches the occupied slots; every entry is within
 * MAX_PROBE of its home with no free slot on the way. */
static void check_layout(const struct mptcp_token_table *t)
{
	unsigned used = 0;

	for (unsigned i = 0; i <= t->mask; i++) {
		if (t->s[i].conn == NULL)
			continue;
		used++;
		unsigned home = (unsigned)((t->mul * t->s[i].token + t->add) >> t->shift);
		unsigned d = (i - home) & t->mask;
		assert_true(d < MPTCP_TOKEN_MAX_PROBE);
		for (unsigned j = home; j != i; j = (j + 1) & t->mask)
			assert_non_null(t->s[j].conn);
	}
	assert_int_equal(used, t->used);
}

static void test_insert_lookup_remove(void **state)
{
	struct mptcp_token_table *t = mptcp_token_table_create(8, NULL, NULL);

	(void)state;
	assert_non_null(t);
	assert_int_equal(mptcp_token_capacity(t), 8);
	assert_int_equal(mptcp_token_count(t), 0);
	assert_null(mptcp_token_lookup(t, 42));
	assert_int_equal(mptcp_token_insert(t, 42, &conns[0]), 0);
	assert_int_equal(mptcp_token_insert(t, 0, &conns[1]), 0); /* 0 is a token like any */
	assert_ptr_equal(mptcp_token_lookup(t, 42), &conns[0]);
	assert_ptr_equal(mptcp_token_lookup(t, 0), &conns[1]);
	assert_int_equal(mptcp_token_count(t), 2);
	/* Taken, whoever asks. */
	assert_int_equal(mptcp_token_insert(t, 42, &conns[2]), -EEXIST);
	assert_int_equal(mptcp_token_insert(t, 42, &conns[0]), -EEXIST);
	assert_int_equal(mptcp_token_insert(t, 7, NULL), -EINVAL);
	/* Only the owner removes it. */
	assert_int_equal(mptcp_token_remove(t, 42, &conns[2]), -EPERM);
	assert_ptr_equal(mptcp_token_lookup(t, 42), &conns[0]);
	assert_int_equal(mptcp_token_remove(t, 42, &conns[0]), 0);
	assert_null(mptcp_token_lookup(t, 42));
	assert_int_equal(mptcp_token_remove(t, 42, &conns[0]), -ENOENT);
	assert_int_equal(mptcp_token_count(t), 1);
	/* Free again. */
	assert_int_equal(mptcp_token_insert(t, 42, &conns[2]), 0);
	assert_ptr_equal(mptcp_token_lookup(t, 42), &conns[2]);
	check_layout(t);
	mptcp_token_table_destroy(t);
	mptcp_token_table_destroy(NULL);
}

static void test_create_limits(void **state)
{
	struct rigged fail = { .keys = NULL, .n = 1, .next = 1 };

	(void)state;
	assert_null(mptcp_token_table_create(0, NULL, NULL));
	assert_null(mptcp_token_table_create(MPTCP_TOKEN_MAX_CAPACITY + 1, NULL, NULL));
	/* A failed draw of the hash key fails the creation. */
	assert_null(mptcp_token_table_create(8, rigged_rand, &fail));
	/* Four slots per entry, a power of two. */
	struct mptcp_token_table *t = mptcp_token_table_create(5, NULL, NULL);
	assert_non_null(t);
	assert_int_equal(t->mask + 1, 32);
	mptcp_token_table_destroy(t);
	t = mptcp_token_table_create(1, NULL, NULL);
	assert_non_null(t);
	assert_int_equal(t->mask + 1, 4);
	assert_int_equal(mptcp_token_insert(t, 1, &conns[0]), 0);
	assert_int_equal(mptcp_token_insert(t, 2, &conns[1]), -ENOSPC);
	mptcp_token_table_destroy(t);
}

static void test_full(void **state)
{
	/* A fixed hash key: these tokens are an arithmetic progression, and
	 * about one random key in 1500 piles them into a run past MAX_PROBE
	 * (-EBUSY, which new_key answers by drawing again). */
	struct mptcp_token_table *t = mptcp_token_table_create(100, fixed_rand, NULL);

	(void)state;
	assert_non_null(t);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(mptcp_token_insert(t, i * 0x9e3779b9u, &conns[i]), 0);
	assert_int_equal(mptcp_token_insert(t, 0xdeadbeef, &conns[100]), -ENOSPC);
	/* A taken token says so even when full. */
	assert_int_equal(mptcp_token_insert(t, 5 * 0x9e3779b9u, &conns[100]), -EEXIST);
	assert_int_equal(mptcp_token_count(t), 100);
	for (uint32_t i = 0; i < 100; i++)
		assert_ptr_equal(mptcp_token_lookup(t, i * 0x9e3779b9u), &conns[i]);
	/* One out, one in. */
	assert_int_equal(mptcp_token_remove(t, 0, &conns[0]), 0);
	assert_int_equal(mptcp_token_insert(t, 0xdeadbeef, &conns[100]), 0);
	check_layout(t);
	mptcp_token_table_destroy(t);
}

static void test_one_home_run(void **state)
{
	/* All tokens share slot 0 as home: the run is bounded at MAX_PROBE. */
	struct mptcp_token_table *t = mptcp_token_table_create(64, zero_rand, NULL);
	uint32_t i;

	(void)state;
	for (i = 0; i < MPTCP_TOKEN_MAX_PROBE; i++)
		assert_int_equal(mptcp_token_insert(t, 1000 + i, &conns[i]), 0);
	assert_int_equal(mptcp_token_insert(t, 1000 + i, &conns[i]), -EBUSY);
	check_layout(t);
	/* Remove from the front, the middle and the end: every other entry
	 * must still be found (clearing the slot alone would cut the run). */
	assert_int_equal(mptcp_token_remove(t, 1000, &conns[0]), 0);
	assert_int_equal(mptcp_token_remove(t, 1000 + 15, &conns[15]), 0);
	assert_int_equal(mptcp_token_remove(t, 1000 + 31, &conns[31]), 0);
	check_layout(t);
	for (i = 0; i < MPTCP_TOKEN_MAX_PROBE; i++) {
		bool gone = i == 0 || i == 15 || i == 31;
		assert_ptr_equal(mptcp_token_lookup(t, 1000 + i), gone ? NULL : &conns[i]);
	}
	/* The run shrank to 29: three more fit, then no more. */
	for (i = 0; i < 3; i++)
		assert_int_equal(mptcp_token_insert(t, 2000 + i, &conns[100 + i]), 0);
	assert_int_equal(mptcp_token_insert(t, 3000, &conns[200]), -EBUSY);
	check_layout(t);
	mptcp_token_table_destroy(t);
}

static void test_churn(void **state)
{
	/* Far more inserts and removals than slots, at a low load, in one
	 * run and with a random key. Tombstones would pile up until inserts
	 * failed or lookups read the whole table. */
	for (int zero = 0; zero <= 1; zero++) {
		struct mptcp_token_table *t =
			mptcp_token_table_create(64, zero ? zero_rand : NULL, NULL);
		const unsigned live = 16;

		(void)state;
		for (uint32_t i = 0; i < 50000; i++) {
			assert_int_equal(mptcp_token_insert(t, i, &conns[i % 4096]), 0);
			if (i >= live)
				assert_int_equal(
					mptcp_token_remove(t, i - live, &conns[(i - live) % 4096]),
					0);
			if (i % 997 == 0) {
				check_layout(t);
				for (uint32_t j = i >= live ? i - live + 1 : 0; j <= i; j++)
					assert_ptr_equal(mptcp_token_lookup(t, j),
							 &conns[j % 4096]);
			}
		}
		assert_int_equal(mptcp_token_count(t), live);
		mptcp_token_table_destroy(t);
	}
}

static void test_new_key(void **state)
{
	struct mptcp_token_table *t = mptcp_token_table_create(16, NULL, NULL);
	const uint64_t k1 = 0x3b5e11c20877a490ull, k2 = 0x0123456789abcdefull;
	uint32_t t1, t2, token;
	uint64_t i2, key, idsn;

	(void)state;
	assert_int_equal(mptcp_crypto_key_derive(k1, &t1, NULL), 0);
	assert_int_equal(mptcp_crypto_key_derive(k2, &t2, &i2), 0);
	/* k1's token belongs to another connection: k2 is drawn next. */
	assert_int_equal(mptcp_token_insert(t, t1, &conns[1]), 0);
	const uint64_t keys[] = { k1, k2 };
	struct rigged r = { .keys = keys, .n = 2 };
	assert_int_equal(mptcp_token_new_key(t, rigged_rand, &r, &conns[2], &key, &token, &idsn),
			 0);
	assert_int_equal(r.calls, 2);
	assert_int_equal(key, k2);
	assert_int_equal(token, t2);
	assert_int_equal(idsn, i2);
	assert_ptr_equal(mptcp_token_lookup(t, t2), &conns[2]);
	assert_ptr_equal(mptcp_token_lookup(t, t1), &conns[1]);

	/* A generator stuck on a taken key: bounded tries, then -EAGAIN, and
	 * nothing written. */
	const uint64_t same[MPTCP_TOKEN_NEW_KEY_TRIES + 4] = {
		k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1,
	};
	struct rigged s = { .keys = same, .n = MPTCP_TOKEN_NEW_KEY_TRIES + 4 };
	key = 7;
	assert_int_equal(mptcp_token_new_key(t, rigged_rand, &s, &conns[3], &key, &token, &idsn),
			 -EAGAIN);
	assert_int_equal(s.calls, MPTCP_TOKEN_NEW_KEY_TRIES);
	assert_int_equal(key, 7);
	assert_int_equal(mptcp_token_count(t), 2);

	/* The generator's error is passed on. */
	struct rigged dry = { .keys = keys, .n = 2, .next = 2 };
	assert_int_equal(mptcp_token_new_key(t, rigged_rand, &dry, &conns[3], &key, &token, &idsn),
			 -EIO);
	assert_int_equal(mptcp_token_new_key(t, NULL, NULL, NULL, &key, &token, &idsn), -EINVAL);

	/* The default generator fills the table; then -ENOSPC at once. */
	for (unsigned i = 2; i < 16; i++) {
		assert_int_equal(
			mptcp_token_new_key(t, NULL, NULL, &conns[10 + i], &key, &token, &idsn), 0);
		uint32_t tk;
		uint64_t n;
		assert_int_equal(mptcp_crypto_key_derive(key, &tk, &n), 0);
		assert_int_equal(tk, token);
		assert_int_equal(n, idsn);
		assert_ptr_equal(mptcp_token_lookup(t, token), &conns[10 + i]);
	}
	const uint64_t fresh = ~0ull;
	struct rigged one = { .keys = &fresh, .n = 1 };
	assert_int_equal(mptcp_token_new_key(t, rigged_rand, &one, &conns[3], &key, &token, &idsn),
			 -ENOSPC);
	assert_int_equal(one.calls, 1);
	check_layout(t);
	mptcp_token_table_destroy(t);

	/* A run at its bound also makes new_key draw again (every token
	 * homes to slot 0 here, so every draw meets it). */
	t = mptcp_token_table_create(64, zero_rand, NULL);
	for (uint32_t i = 0; i < MPTCP_TOKEN_MAX_PROBE; i++)
		assert_int_equal(mptcp_token_insert(t, i, &conns[i]), 0);
	struct rigged busy = { .keys = same, .n = MPTCP_TOKEN_NEW_KEY_TRIES + 4 };
	assert_int_equal(
		mptcp_token_new_key(t, rigged_rand, &busy, &conns[99], &key, &token, &idsn),
		-EAGAIN);
	assert_int_equal(busy.calls, MPTCP_TOKEN_NEW_KEY_TRIES);
	mptcp_token_table_destroy(t);
}

/* The table against an array indexed by token, over a small universe of
 * tokens so that collisions, refusals and long runs happen often. */
#define UNIVERSE 1024

static void random_against_model(bool one_home, unsigned capacity, unsigned steps)
{
	struct mptcp_token_table *t =
		mptcp_token_table_create(capacity, one_home ? zero_rand : NULL, NULL);
	void *model[UNIVERSE] = { NULL };
	unsigned count = 0;

	assert_non_null(t);
	for (unsigned step = 0; step < steps; step++) {
		uint32_t tk = (uint32_t)rand() % UNIVERSE;
		void *c = &conns[(unsigned)rand() % 4096];
		int op = rand() % 8;

		/* Spread the universe over the whole 32-bit space too. */
		uint32_t token = tk * 0x01000193u;
		if (op < 4) {
			int want = 0;
			if (model[tk] != NULL)
				want = -EEXIST;
			else if (count >= capacity)
				want = -ENOSPC;
			else if (one_home && count >= MPTCP_TOKEN_MAX_PROBE)
				want = -EBUSY; /* the one run is at its bound */
			int rc = mptcp_token_insert(t, token, c);
			/* A random key may also, rarely, find a long run. */
			if (!one_home && want == 0 && rc == -EBUSY)
				continue;
			assert_int_equal(rc, want);
			if (rc == 0) {
				model[tk] = c;
				count++;
			}
		} else if (op < 7) {
			/* The owner half the time, someone else otherwise. */
			void *who = (rand() & 1) && model[tk] != NULL ? model[tk] : c;
			int want = model[tk] == NULL ? -ENOENT : model[tk] != who ? -EPERM : 0;
			assert_int_equal(mptcp_token_remove(t, token, who), want);
			if (want == 0) {
				model[tk] = NULL;
				count--;
			}
		} else {
			assert_ptr_equal(mptcp_token_lookup(t, token), model[tk]);
		}
		assert_int_equal(mptcp_token_count(t), count);
		if (step % 4099 == 0) {
			check_layout(t);
			for (uint32_t j = 0; j < UNIVERSE; j++)
				assert_ptr_equal(mptcp_token_lookup(t, j * 0x01000193u), model[j]);
		}
	}
	check_layout(t);
	mptcp_token_table_destroy(t);
}

static void test_random_against_model(void **state)
{
	(void)state;
	srand(7);
	/* Capacity below the universe: -ENOSPC shows up. */
	random_against_model(false, 300, 100000);
	/* Capacity above the run bound: -EBUSY instead. */
	random_against_model(true, 64, 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_create_limits),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_one_home_run),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_new_key),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
