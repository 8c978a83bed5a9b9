/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-lcore table from an MPTCP token to its connection (internal to mptcp).
 *
 * An MP_JOIN SYN names the connection it joins by the token, the receiver's
 * SHA-256(key) truncated to 32 bits, and RFC 8684 3.2 has the host keep
 * tokens unique: a key whose token is taken is drawn again
 * (mptcp_token_new_key). One table per lcore, used by that lcore only, no
 * locks.
 *
 * Layout: open addressing, linear probing, backward-shift deletion (no
 * tombstones), as tcpstack/arp.c. A plain calloc rather than rte_hash: it runs
 * without the EAL (unit tests, simulator, fuzzers), it holds exactly the
 * capacity asked for (rte_hash's cuckoo buckets may refuse an insert before
 * that), and it is short.
 *
 * Lookups take O(1) even against a peer that picks the tokens it sends:
 *   - the home slot is a keyed multiply-add-shift hash (strongly universal
 *     for 32-bit tokens, Dietzfelbinger 1996), keyed from the random source
 *     at create, so a peer cannot aim at the longest runs;
 *   - at most a quarter of the slots are used (4 * capacity, rounded up to a
 *     power of two), so runs are short;
 *   - no entry sits more than MPTCP_TOKEN_MAX_PROBE slots from its home: an
 *     insert that would is refused with -EBUSY (new_key then draws another
 *     key), and backward shifts only move entries closer. A lookup therefore
 *     reads at most MPTCP_TOKEN_MAX_PROBE slots, whatever the tokens. */
#ifndef MPGW_MPTCP_TOKEN_H
#define MPGW_MPTCP_TOKEN_H

#include <stdint.h>

#include "mptcp/crypto.h"

#define MPTCP_TOKEN_MAX_PROBE 32 /* slots a lookup reads at most */
#define MPTCP_TOKEN_NEW_KEY_TRIES 16 /* keys new_key draws before -EAGAIN */
#define MPTCP_TOKEN_MAX_CAPACITY (1u << 29) /* slots stay <= 2^31 */

struct mptcp_token_slot {
	uint32_t token;
	void *conn; /* NULL: free */
};

struct mptcp_token_table {
	uint64_t mul, add; /* hash key: home = (mul * token + add) >> shift */
	unsigned shift; /* 64 - log2(slots) */
	unsigned mask; /* slots - 1 */
	unsigned capacity; /* entries at most */
	unsigned used;
	struct mptcp_token_slot s[];
};

/* A table for @capacity connections (1 .. MPTCP_TOKEN_MAX_CAPACITY). The hash
 * key is drawn from @rand_fn (NULL: mptcp_crypto_rand_default) so that a
 * simulation is reproducible end to end. @return NULL on a bad capacity, no
 * memory or a failed draw. */
struct mptcp_token_table *mptcp_token_table_create(unsigned capacity, mptcp_rand_fn *rand_fn,
						   void *ctx);
/* Frees the table, not the connections. NULL is fine. */
void mptcp_token_table_destroy(struct mptcp_token_table *t);

/* Map @token to @conn (not NULL). @return 0; -EEXIST if @token is mapped
 * (to anything); -ENOSPC if the table holds its capacity; -EBUSY if the run
 * at @token's home is too long (another token will most likely fit);
 * -EINVAL if @conn is NULL. */
int mptcp_token_insert(struct mptcp_token_table *t, uint32_t token, void *conn);
/* @return the connection of @token, or NULL. */
void *mptcp_token_lookup(const struct mptcp_token_table *t, uint32_t token);
/* Unmap @token, only if it maps to @conn: a connection never removes
 * another's token. @return 0, -ENOENT if @token is not mapped, -EPERM if it
 * maps to another connection. */
int mptcp_token_remove(struct mptcp_token_table *t, uint32_t token, const void *conn);
unsigned mptcp_token_count(const struct mptcp_token_table *t);
unsigned mptcp_token_capacity(const struct mptcp_token_table *t);

/* Draw a key (8 bytes from @rand_fn, NULL: the default) until its token is
 * free, map that token to @conn and return key, token and IDSN. @return 0;
 * -EAGAIN after MPTCP_TOKEN_NEW_KEY_TRIES keys whose tokens were taken (or
 * in too long a run); -ENOSPC when the table is full; -EINVAL if @conn is
 * NULL; or the error of @rand_fn or of the derivation. Outputs are written
 * on success only. */
int mptcp_token_new_key(struct mptcp_token_table *t, mptcp_rand_fn *rand_fn, void *ctx, void *conn,
			uint64_t *key, uint32_t *token, uint64_t *idsn);

#endif
