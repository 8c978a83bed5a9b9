/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interception rules: first-match lookup by tuple space search on the
 * destination prefix length (the idea of Srinivasan et al., as Open vSwitch
 * classifies).
 *
 * Rules are grouped by (family, destination prefix length, destination
 * prefix). One hash table holds every group; a group lists its rules in build
 * order (ascending index). Each family keeps the lengths that occur, sorted by
 * the smallest rule index of that length. A lookup visits the lengths in that
 * order, masks the destination, probes the table, and scans the group for the
 * first rule whose source prefix and port ranges match; the answer is the
 * smallest index found. A length whose smallest index is not below the best
 * found so far cannot improve on it, and nor can any later length: the walk
 * stops there. So the cost is at most one probe per distinct length (33 for
 * IPv4, 129 for IPv6, a handful in practice) plus the rules that share the
 * destination prefix.
 *
 * Why not rte_lpm/rte_lpm6: they answer the longest prefix, with one next hop
 * per prefix, while rules are ordered by the operator (a broad deny before a
 * narrow intercept must win) and carry source and port conditions; they also
 * allocate from the EAL's heap, which the unit tests and fuzz harness should
 * not need. A binary trie walk would touch up to 32 or 128 nodes per lookup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/rules.h"

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define NFAM 2 /* 0: IPv4, 1: IPv6 */
#define NLEN 129

/* An address as a 128-bit number; IPv4 in the top 32 bits, so the first len
 * bits are the prefix in both families. */
struct a128 {
	uint64_t hi, lo;
};

/* What a lookup checks once the destination prefix matched (48 bytes). */
struct cand {
	uint64_t src_hi, src_lo, smask_hi, smask_lo;
	uint16_t sp_lo, sp_hi, dp_lo, dp_hi;
	uint32_t idx;
};

/* A group: every rule with one (family, length, destination prefix). */
struct slot {
	uint64_t hi, lo; /* the destination prefix, host bits zero */
	uint32_t first, count; /* its rules: cands[first .. first + count) */
	uint8_t fam, len, used;
};

struct lenb {
	struct a128 mask;
	uint32_t min_idx; /* smallest rule index with this length */
	uint8_t len;
};

struct proxy_rules {
	unsigned n;
	struct proxy_rules_rule *rules;
	struct cand *cands;
	struct slot *slots;
	uint32_t slot_mask;
	unsigned nlens[NFAM];
	struct lenb lens[NFAM][NLEN];
};

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint32_t be32_to_host(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline int fam_index(int family)
{
	return family == AF_INET ? 0 : family == AF_INET6 ? 1 : -1;
}

static inline struct a128 load_addr(int fi, const uint8_t *addr)
{
	struct a128 a;
	uint32_t v4;

	if (fi == 0) {
		memcpy(&v4, addr, sizeof(v4));
		a.hi = (uint64_t)be32_to_host(v4) << 32;
		a.lo = 0;
	} else {
		a.hi = load_be64(addr);
		a.lo = load_be64(addr + 8);
	}
	return a;
}

static struct a128 mask_of(unsigned len)
{
	struct a128 m;

	m.hi = len == 0 ? 0 : len >= 64 ? ~0ull : ~0ull << (64 - len);
	m.lo = len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
	return m;
}

/* murmur3's finaliser: every input bit moves every output bit, so prefixes
 * that differ in a few bits (10.0.0.0/24, 10.0.1.0/24, ...) spread out. */
static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline uint32_t slot_hash(uint64_t hi, uint64_t lo, unsigned fi, unsigned len)
{
	uint64_t l = lo * 0x9e3779b97f4a7c15ull;

	return (uint32_t)mix(hi ^ (l << 32 | l >> 32) ^ (len << 1 | fi));
}

static inline const struct slot *find(const struct proxy_rules *set, unsigned fi, unsigned len,
				      uint64_t hi, uint64_t lo)
{
	uint32_t h = slot_hash(hi, lo, fi, len);

	for (;; h++) {
		const struct slot *s = &set->slots[h & set->slot_mask];

		if (!s->used)
			return NULL;
		if (s->hi == hi && s->lo == lo && s->len == len && s->fam == fi)
			return s;
	}
}

static inline bool cand_match(const struct cand *c, struct a128 src, uint16_t sport, uint16_t dport)
{
	return (src.hi & c->smask_hi) == c->src_hi && (src.lo & c->smask_lo) == c->src_lo &&
	       sport >= c->sp_lo && sport <= c->sp_hi && dport >= c->dp_lo && dport <= c->dp_hi;
}

static inline int lookup(const struct proxy_rules *set, int fi, struct a128 src, struct a128 dst,
			 uint16_t sport, uint16_t dport)
{
	uint32_t best = UINT32_MAX;

	for (unsigned i = 0; i < set->nlens[fi]; i++) {
		const struct lenb *b = &set->lens[fi][i];
		const struct slot *s;

		/* Lengths are sorted by their smallest index: none further on
		 * can beat what we hold. */
		if (b->min_idx >= best)
			break;
		s = find(set, (unsigned)fi, b->len, dst.hi & b->mask.hi, dst.lo & b->mask.lo);
		if (s == NULL)
			continue;
		for (uint32_t j = 0; j < s->count; j++) {
			const struct cand *c = &set->cands[s->first + j];

			if (c->idx >= best)
				break;
			if (cand_match(c, src, sport, dport)) {
				best = c->idx;
				break;
			}
		}
	}
	return best == UINT32_MAX ? PROXY_RULES_NONE : (int)best;
}

int proxy_rules_lookup(const struct proxy_rules *set, const struct proxy_rules_key *k)
{
	int fi = fam_index(k->family);

	if (fi < 0)
		return PROXY_RULES_NONE;
	return lookup(set, fi, load_addr(fi, k->src), load_addr(fi, k->dst), k->sport, k->dport);
}

int proxy_rules_lookup4(const struct proxy_rules *set, uint32_t src, uint32_t dst, uint16_t sport,
			uint16_t dport)
{
	struct a128 s = { (uint64_t)be32_to_host(src) << 32, 0 };
	struct a128 d = { (uint64_t)be32_to_host(dst) << 32, 0 };

	return lookup(set, 0, s, d, sport, dport);
}

bool proxy_rules_serves(const struct proxy_rules *set, int family, const void *addr)
{
	int fi = fam_index(family);
	struct a128 a;

	if (fi < 0)
		return false;
	a = load_addr(fi, addr);
	for (unsigned i = 0; i < set->nlens[fi]; i++) {
		const struct lenb *b = &set->lens[fi][i];

		if (find(set, (unsigned)fi, b->len, a.hi & b->mask.hi, a.lo & b->mask.lo) != NULL)
			return true;
	}
	return false;
}

unsigned proxy_rules_count(const struct proxy_rules *set)
{
	return set->n;
}

const struct proxy_rules_rule *proxy_rules_get(const struct proxy_rules *set, int idx)
{
	if (idx < 0 || (unsigned)idx >= set->n)
		return NULL;
	return &set->rules[idx];
}

void proxy_rules_free(struct proxy_rules *set)
{
	if (set == NULL)
		return;
	free(set->rules);
	free(set->cands);
	free(set->slots);
	free(set);
}

/* ---- build ---- */

/* Reasons, by prefix role: [0] destination (or served prefix), [1] source. */
static const char *const bad_family[2] = { "destination family is neither IPv4 nor IPv6",
					   "source family differs from the destination's" };
static const char *const bad_len[2] = { "destination prefix length beyond the address",
					"source prefix length beyond the address" };
static const char *const bad_host[2] = { "destination has host bits set beyond its length",
					 "source has host bits set beyond its length" };

static const char *check_prefix(const struct proxy_rules_prefix *p, int role)
{
	unsigned max = p->family == AF_INET ? 32 : 128;

	if (p->len > max)
		return bad_len[role];
	/* Every bit from p->len on is zero; IPv4's bytes 4..15 included. */
	for (unsigned bit = p->len; bit < 128; bit = (bit | 7) + 1) {
		uint8_t keep = (uint8_t)(bit % 8 ? 0xff00 >> (bit % 8) : 0);

		if (p->addr[bit / 8] & ~keep)
			return bad_host[role];
	}
	return NULL;
}

static const char *check_rule(const struct proxy_rules_rule *r, bool named)
{
	static const uint8_t zero[16];
	const char *why;
	size_t n;

	if (r->dst.family != AF_INET && r->dst.family != AF_INET6)
		return bad_family[0];
	if ((why = check_prefix(&r->dst, 0)) != NULL)
		return why;
	if (r->src.family == 0) {
		if (r->src.len != 0 || memcmp(r->src.addr, zero, sizeof(zero)) != 0)
			return "source prefix without a family";
	} else if (r->src.family != r->dst.family) {
		return bad_family[1];
	} else if ((why = check_prefix(&r->src, 1)) != NULL) {
		return why;
	}
	if (r->has_sport && r->sport.lo > r->sport.hi)
		return "source port range with lo > hi";
	if (r->has_dport && r->dport.lo > r->dport.hi)
		return "destination port range with lo > hi";
	if (r->action >= PROXY_RULES_ACTION_MAX)
		return "unknown action";
	if (!named)
		return NULL;
	n = strnlen(r->name, sizeof(r->name));
	if (n == 0)
		return "name empty";
	if (n == sizeof(r->name))
		return "name too long";
	if (strspn(r->name, NAME_CHARS) != n)
		return "name has characters other than [A-Za-z0-9_-]";
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	const struct proxy_rules_rule *x = *(const struct proxy_rules_rule *const *)a;
	const struct proxy_rules_rule *y = *(const struct proxy_rules_rule *const *)b;
	int c = strcmp(x->name, y->name);

	/* Ties by position, so each name's run starts with its first use. */
	return c != 0 ? c : (x > y) - (x < y);
}

/* The first rule (in order) whose name an earlier rule uses, or -1. */
static int first_duplicate(const struct proxy_rules_rule *rules, unsigned n, int *dup)
{
	const struct proxy_rules_rule **v;

	*dup = -1;
	if (n < 2)
		return 0;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		v[i] = &rules[i];
	qsort(v, n, sizeof(*v), by_name);
	for (unsigned i = 1; i < n; i++) {
		int idx = (int)(v[i] - rules);

		if (strcmp(v[i - 1]->name, v[i]->name) == 0 && (*dup < 0 || idx < *dup))
			*dup = idx;
	}
	free(v);
	return 0;
}

static struct proxy_rules *fail(struct proxy_rules *set, struct proxy_rules_error *err, int rule,
				const char *why)
{
	proxy_rules_free(set);
	if (err != NULL) {
		err->rule = rule;
		err->reason = why;
	}
	return NULL;
}

/* Groups the (already valid) rules of set->rules into the table. */
static int index_rules(struct proxy_rules *set)
{
	unsigned n = set->n, cap = 8;
	uint32_t *rslot = NULL, next = 0;
	bool seen[NFAM][NLEN] = { { false } };

	/* At most half full: most probes miss (one per length), and a miss
	 * ends at the first empty slot. */
	while (cap < 2 * n)
		cap *= 2;
	set->slots = calloc(cap, sizeof(*set->slots));
	set->cands = calloc(n ? n : 1, sizeof(*set->cands));
	rslot = malloc((n ? n : 1) * sizeof(*rslot));
	if (set->slots == NULL || set->cands == NULL || rslot == NULL) {
		free(rslot);
		return -ENOMEM;
	}
	set->slot_mask = cap - 1;

	for (unsigned i = 0; i < n; i++) {
		const struct proxy_rules_rule *r = &set->rules[i];
		unsigned fi = (unsigned)fam_index(r->dst.family), len = r->dst.len;
		struct a128 d = load_addr((int)fi, r->dst.addr);
		uint32_t h = slot_hash(d.hi, d.lo, fi, len);
		struct slot *s;

		for (;; h++) {
			s = &set->slots[h & set->slot_mask];
			if (!s->used ||
			    (s->hi == d.hi && s->lo == d.lo && s->len == len && s->fam == fi))
				break;
		}
		if (!s->used) {
			s->used = 1;
			s->hi = d.hi;
			s->lo = d.lo;
			s->fam = (uint8_t)fi;
			s->len = (uint8_t)len;
		}
		s->count++;
		rslot[i] = (uint32_t)(s - set->slots);
		if (!seen[fi][len]) {
			/* The first rule of a length has its smallest index. */
			struct lenb *b = &set->lens[fi][set->nlens[fi]++];

			seen[fi][len] = true;
			b->len = (uint8_t)len;
			b->mask = mask_of(len);
			b->min_idx = i;
		}
	}
	for (unsigned i = 0; i < cap; i++) {
		struct slot *s = &set->slots[i];

		if (s->used) {
			s->first = next;
			next += s->count;
			s->count = 0;
		}
	}
	/* In rule order, so each group lists ascending indices. */
	for (unsigned i = 0; i < n; i++) {
		const struct proxy_rules_rule *r = &set->rules[i];
		struct slot *s = &set->slots[rslot[i]];
		struct cand *c = &set->cands[s->first + s->count++];
		int fi = fam_index(r->dst.family);
		struct a128 src = { 0, 0 }, m = { 0, 0 };

		if (r->src.family != 0) {
			src = load_addr(fi, r->src.addr);
			m = mask_of(r->src.len);
		}
		c->src_hi = src.hi;
		c->src_lo = src.lo;
		c->smask_hi = m.hi;
		c->smask_lo = m.lo;
		c->sp_lo = r->has_sport ? r->sport.lo : 0;
		c->sp_hi = r->has_sport ? r->sport.hi : UINT16_MAX;
		c->dp_lo = r->has_dport ? r->dport.lo : 0;
		c->dp_hi = r->has_dport ? r->dport.hi : UINT16_MAX;
		c->idx = i;
	}
	free(rslot);
	/* lens[] was filled in order of first appearance, which is the order
	 * of smallest index already. */
	return 0;
}

static struct proxy_rules *build(const struct proxy_rules_rule *rules,
				 const struct proxy_rules_prefix *prefixes, unsigned n,
				 struct proxy_rules_error *err)
{
	struct proxy_rules *set;
	int dup;

	if (n > PROXY_RULES_MAX)
		return fail(NULL, err, -1, "too many rules");
	if (n > 0 && rules == NULL && prefixes == NULL)
		return fail(NULL, err, -1, "no rules given");
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return fail(NULL, err, -1, "out of memory");
	set->n = n;
	set->rules = calloc(n ? n : 1, sizeof(*set->rules));
	if (set->rules == NULL)
		return fail(set, err, -1, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		const char *why;

		if (rules != NULL) {
			set->rules[i] = rules[i];
		} else {
			set->rules[i].action = PROXY_RULES_INTERCEPT;
			set->rules[i].dst = prefixes[i];
		}
		why = check_rule(&set->rules[i], rules != NULL);
		if (why != NULL)
			return fail(set, err, (int)i, why);
	}
	if (rules != NULL) {
		if (first_duplicate(set->rules, n, &dup) != 0)
			return fail(set, err, -1, "out of memory");
		if (dup >= 0)
			return fail(set, err, dup, "name used by an earlier rule");
	}
	if (index_rules(set) != 0)
		return fail(set, err, -1, "out of memory");
	if (err != NULL) {
		err->rule = -1;
		err->reason = NULL;
	}
	return set;
}

struct proxy_rules *proxy_rules_build(const struct proxy_rules_rule *rules, unsigned n,
				      struct proxy_rules_error *err)
{
	return build(rules, NULL, n, err);
}

struct proxy_rules *proxy_rules_build_served(const struct proxy_rules_prefix *prefixes, unsigned n,
					     struct proxy_rules_error *err)
{
	return build(NULL, prefixes, n, err);
}
