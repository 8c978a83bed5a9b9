/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interception rules (internal to proxy): which new TCP SYN the box
 * intercepts towards a peer, bridges untouched, or refuses; and, for the far
 * box, whether a destination lies inside the prefixes it serves.
 *
 * A set is built once from an ordered array of rules and is immutable after:
 * a reload builds a new set and swaps a pointer. Lookups only read the set,
 * so any number of lcores may use one set at once without locks. The caller
 * frees an old set only when no lcore can still be using it (a grace period,
 * e.g. rte_rcu_qsbr: publish the new pointer, wait until every worker has
 * reported a quiescent state, then proxy_rules_free() the old one).
 *
 * Semantics, order and cost: docs/rules.md.
 */
#ifndef MPGW_PROXY_RULES_H
#define MPGW_PROXY_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

#define PROXY_RULES_NAME_MAX 32 /* rule names, incl. NUL (as MGMT_NAME_MAX) */
#define PROXY_RULES_MAX (1u << 20) /* rules per set */
#define PROXY_RULES_NONE (-1) /* no rule matched: the default, passthrough */

enum proxy_rules_action {
	PROXY_RULES_INTERCEPT, /* the box answers the SYN and carries it to the peer */
	PROXY_RULES_PASSTHROUGH, /* bridged untouched (also the default) */
	PROXY_RULES_DENY, /* neither intercepted nor bridged */
	PROXY_RULES_ACTION_MAX,
};

/* An address prefix. Addresses are in network byte order; an IPv4 address
 * is in addr[0..3], the rest zero. Bits beyond len must be zero. */
struct proxy_rules_prefix {
	uint8_t family; /* AF_INET or AF_INET6; 0 in a rule's src: any source */
	uint8_t len; /* 0..32 or 0..128 */
	uint8_t addr[16];
};

/* An inclusive port range, host byte order. */
struct proxy_rules_range {
	uint16_t lo, hi;
};

/* One rule. A zeroed field means "any" wherever that is possible: no
 * source prefix (src.family 0), no port range (has_sport, has_dport false). */
struct proxy_rules_rule {
	char name[PROXY_RULES_NAME_MAX]; /* [A-Za-z0-9_-]+, unique in its set */
	uint16_t peer; /* the peer an INTERCEPT carries to (the caller's index) */
	uint8_t action; /* enum proxy_rules_action */
	bool has_sport, has_dport;
	struct proxy_rules_range sport, dport;
	struct proxy_rules_prefix dst; /* required */
	struct proxy_rules_prefix src;
};

/* Why a build failed. reason is a static string; rule is the index of the
 * offending rule, or -1 (too many rules, out of memory). */
struct proxy_rules_error {
	int rule;
	const char *reason;
};

/* A new SYN, as the lookup sees it. Addresses as in proxy_rules_prefix. */
struct proxy_rules_key {
	uint8_t family;
	uint16_t sport, dport; /* host byte order */
	uint8_t src[16], dst[16];
};

struct proxy_rules;

/**
 * Build an immutable set from @p n rules, in order (first match wins).
 * Rejects (NULL, @p err filled): a destination family other than AF_INET or
 * AF_INET6, a source family other than 0 or the destination's, a prefix
 * length beyond the family's, host bits set beyond a prefix length (a typo
 * more often than not, so not silently cleared), a port range with lo > hi,
 * an unknown action, a name empty, too long, with other characters than
 * [A-Za-z0-9_-], or used twice, more than PROXY_RULES_MAX rules. n may be 0
 * (every lookup then finds nothing). @p rules is not kept.
 */
struct proxy_rules *proxy_rules_build(const struct proxy_rules_rule *rules, unsigned n,
				      struct proxy_rules_error *err);

/**
 * Build a served-prefix set (what the far box may connect to) from @p n
 * prefixes, validated as rule destinations are. Its rules have no name and
 * are only meant for proxy_rules_serves().
 */
struct proxy_rules *proxy_rules_build_served(const struct proxy_rules_prefix *prefixes, unsigned n,
					     struct proxy_rules_error *err);

/* Frees a set (NULL is fine). Only once no lcore can be looking it up. */
void proxy_rules_free(struct proxy_rules *set);

/* Number of rules, to size the caller's per-lcore hit counters. */
unsigned proxy_rules_count(const struct proxy_rules *set);

/* Rule @p idx (0 <= idx < count) as given to the build. */
const struct proxy_rules_rule *proxy_rules_get(const struct proxy_rules *set, int idx);

/**
 * The first rule, in build order, that matches @p k, or PROXY_RULES_NONE
 * (the default: passthrough). The index is stable for the set's lifetime,
 * so the caller counts hits in its own per-lcore array, without atomics.
 */
int proxy_rules_lookup(const struct proxy_rules *set, const struct proxy_rules_key *k);

/* The same for IPv4, addresses in network byte order, ports in host order. */
int proxy_rules_lookup4(const struct proxy_rules *set, uint32_t src, uint32_t dst, uint16_t sport,
			uint16_t dport);

/**
 * True if @p addr (network byte order, 4 or 16 bytes by @p family) lies
 * inside some rule's destination prefix, whatever its action, source or
 * ports: for a set from proxy_rules_build_served(), "do I serve it".
 */
bool proxy_rules_serves(const struct proxy_rules *set, int family, const void *addr);

#endif
