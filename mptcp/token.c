/* SPDX-License-Identifier: BSD-3-Clause */
/* Token table: see token.h for the layout and why lookups stay O(1). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/token.h"

static unsigned home_of(const struct mptcp_token_table *t, uint32_t token)
{
	/* Multiply-add-shift: the top log2(slots) bits of a 64-bit affine map
	 * of the token, with random mul and add. */
	return (unsigned)((t->mul * token + t->add) >> t->shift);
}

/* How far slot @i lies after @home, cyclically. */
static unsigned dist(const struct mptcp_token_table *t, unsigned home, unsigned i)
{
	return (i - home) & t->mask;
}

struct mptcp_token_table *mptcp_token_table_create(unsigned capacity, mptcp_rand_fn *rand_fn,
						   void *ctx)
{
	unsigned bits = 1;
	uint64_t k[2];

	if (capacity == 0 || capacity > MPTCP_TOKEN_MAX_CAPACITY)
		return NULL;
	while ((1u << bits) < 4 * capacity)
		bits++;
	if (rand_fn == NULL)
		rand_fn = mptcp_crypto_rand_default;
	if (rand_fn(ctx, k, sizeof(k)) != 0)
		return NULL;
	struct mptcp_token_table *t =
		calloc(1, sizeof(*t) + ((size_t)1 << bits) * sizeof(struct mptcp_token_slot));
	if (t == NULL)
		return NULL;
	t->mul = k[0];
	t->add = k[1];
	t->shift = 64 - bits;
	t->mask = (1u << bits) - 1;
	t->capacity = capacity;
	return t;
}

void mptcp_token_table_destroy(struct mptcp_token_table *t)
{
	free(t);
}

/* The slot holding @token, or -1. Every entry lies within MAX_PROBE of its
 * home with no free slot in between, so neither a free slot nor MAX_PROBE
 * slots read can hide it. */
static int find(const struct mptcp_token_table *t, uint32_t token)
{
	unsigned i = home_of(t, token);

	for (unsigned n = 0; n < MPTCP_TOKEN_MAX_PROBE; n++, i = (i + 1) & t->mask) {
		if (t->s[i].conn == NULL)
			return -1;
		if (t->s[i].token == token)
			return (int)i;
	}
	return -1;
}

int mptcp_token_insert(struct mptcp_token_table *t, uint32_t token, void *conn)
{
	if (conn == NULL)
		return -EINVAL;
	if (find(t, token) >= 0)
		return -EEXIST;
	if (t->used >= t->capacity)
		return -ENOSPC;
	unsigned i = home_of(t, token);
	for (unsigned n = 0; t->s[i].conn != NULL; n++, i = (i + 1) & t->mask)
		if (n + 1 >= MPTCP_TOKEN_MAX_PROBE)
			return -EBUSY;
	t->s[i].token = token;
	t->s[i].conn = conn;
	t->used++;
	return 0;
}

void *mptcp_token_lookup(const struct mptcp_token_table *t, uint32_t token)
{
	int i = find(t, token);

	return i < 0 ? NULL : t->s[i].conn;
}

/* Backward-shift deletion: pull later members of the run into the gap, so
 * that no lookup stops early at it. An entry moves only towards its home,
 * which keeps it within MAX_PROBE. */
static void slot_del(struct mptcp_token_table *t, unsigned gap)
{
	unsigned i = gap;

	for (;;) {
		i = (i + 1) & t->mask;
		if (t->s[i].conn == NULL)
			break;
		unsigned home = home_of(t, t->s[i].token);
		/* Movable if the gap lies on its way from home to i. */
		if (dist(t, home, gap) < dist(t, home, i)) {
			t->s[gap] = t->s[i];
			gap = i;
		}
	}
	t->s[gap].conn = NULL;
	t->s[gap].token = 0;
	t->used--;
}

int mptcp_token_remove(struct mptcp_token_table *t, uint32_t token, const void *conn)
{
	int i = find(t, token);

	if (i < 0)
		return -ENOENT;
	if (t->s[i].conn != conn)
		return -EPERM;
	slot_del(t, (unsigned)i);
	return 0;
}

unsigned mptcp_token_count(const struct mptcp_token_table *t)
{
	return t->used;
}

unsigned mptcp_token_capacity(const struct mptcp_token_table *t)
{
	return t->capacity;
}

int mptcp_token_new_key(struct mptcp_token_table *t, mptcp_rand_fn *rand_fn, void *ctx, void *conn,
			uint64_t *key, uint32_t *token, uint64_t *idsn)
{
	if (conn == NULL)
		return -EINVAL;
	if (rand_fn == NULL)
		rand_fn = mptcp_crypto_rand_default;
	for (int tries = 0; tries < MPTCP_TOKEN_NEW_KEY_TRIES; tries++) {
		uint64_t k, n;
		uint32_t tk;
		int rc = rand_fn(ctx, &k, sizeof(k));

		if (rc == 0)
			rc = mptcp_crypto_key_derive(k, &tk, &n);
		if (rc == 0)
			rc = mptcp_token_insert(t, tk, conn);
		if (rc == -EEXIST || rc == -EBUSY)
			continue; /* another key, another token */
		if (rc != 0)
			return rc; /* drawing again would not help */
		*key = k;
		*token = tk;
		*idsn = n;
		return 0;
	}
	/* With n tokens mapped a fresh key collides with probability
	 * n / 2^32: 16 in a row means the generator repeats itself. */
	return -EAGAIN;
}
