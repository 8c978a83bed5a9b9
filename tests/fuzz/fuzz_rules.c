/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the interception rule matcher (proxy/rules.c): a rule set
 * built from the input, then packets from the input looked up in it, each
 * answer checked against a linear scan written here.
 *
 * Input: byte 0 gives the number of rules (% 65), then one 16-byte record
 * per rule, then 8-byte packet records until the input ends (at most 256).
 *
 * Rule record: [flags, dlen, slen, dst seed x4, src seed x4, sport lo, sport
 * hi, dport lo, dport hi, name]
 *   flags bit 0 IPv6, 1 source prefix, 2 source ports, 3 destination ports,
 *   bits 4-5 action; bit 6 "raw": lengths, addresses, ranges and action as
 *   given (so possibly invalid; otherwise they are made valid: lengths
 *   reduced, host bits cleared, ranges ordered, action 3 -> 0), and with
 *   raw, dlen 0xff is a bad family and slen 0xff a source of the other
 *   family; bits 6 and 7 both: the name byte picks a bad name (an earlier
 *   rule's, empty, with a space, too long) instead of "r<index>".
 *   Ports: a byte b is PORTS[b & 15] + (b >> 4) - 8.
 *   Addresses from 4 seed bytes s: IPv4 s0.s1.s2.s3, IPv6
 *   s0s1::s2 at byte 7 ... s3 at byte 15 (the rest zero).
 * Packet record: [mode, rule, a0, a1, a2, a3, sport, dport]
 *   mode bit 7 and rules exist: addresses near rule (rule % n)'s prefixes
 *   (mode bits 0-1 for the destination, 2-3 for the source: first
 *   address, last, seed-filled inside, one prefix bit wrong), ports near its
 *   ranges (byte & 3: lo, hi, lo - 1, hi + 1; byte & 4: the byte as port);
 *   otherwise family mode bit 0, addresses from the seed, ports as above.
 *
 * Checks: the build fails exactly when the reference validation does, naming
 * the same rule; a built set keeps every rule as given; every lookup (and
 * lookup4) equals the linear scan; serves() equals "some destination
 * prefix holds it", on the set and on a served set of the same prefixes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proxy/rules.h"
#include "tests/fuzz/fuzz.h"

#define MAX_RULES 64
#define MAX_PKTS 256
#define RULE_LEN 16
#define PKT_LEN 8
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static const uint16_t PORTS[16] = { 0,	  1,	 22,	80,    443,   1023,  1024,  2000,
				    8080, 10000, 30000, 32768, 49152, 60000, 65534, 65535 };

static uint16_t port_of(uint8_t b)
{
	return (uint16_t)(PORTS[b & 15] + (b >> 4) - 8);
}

static void addr_of(int family, const uint8_t *s, uint8_t *a)
{
	memset(a, 0, 16);
	if (family == AF_INET) {
		memcpy(a, s, 4);
	} else {
		a[0] = s[0];
		a[1] = s[1];
		a[7] = s[2];
		a[15] = s[3];
	}
}

static unsigned max_len(int family)
{
	return family == AF_INET ? 32 : 128;
}

static void flip(uint8_t *a, unsigned b)
{
	a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
}

static bool bit(const uint8_t *a, unsigned b)
{
	return a[b / 8] & (0x80 >> (b % 8));
}

/* ---- the reference ---- */

static bool ref_prefix(const struct proxy_rules_prefix *p, const uint8_t *a)
{
	for (unsigned b = 0; b < p->len; b++)
		if (bit(p->addr, b) != bit(a, b))
			return false;
	return true;
}

static bool ref_match(const struct proxy_rules_rule *r, const struct proxy_rules_key *k)
{
	return r->dst.family == k->family && ref_prefix(&r->dst, k->dst) &&
	       (r->src.family == 0 || ref_prefix(&r->src, k->src)) &&
	       (!r->has_sport || (k->sport >= r->sport.lo && k->sport <= r->sport.hi)) &&
	       (!r->has_dport || (k->dport >= r->dport.lo && k->dport <= r->dport.hi));
}

static int ref_lookup(const struct proxy_rules_rule *r, unsigned n, const struct proxy_rules_key *k)
{
	for (unsigned i = 0; i < n; i++)
		if (ref_match(&r[i], k))
			return (int)i;
	return PROXY_RULES_NONE;
}

static bool ref_serves(const struct proxy_rules_rule *r, unsigned n, int family, const uint8_t *a)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].dst.family == family && ref_prefix(&r[i].dst, a))
			return true;
	return false;
}

static bool ref_prefix_ok(const struct proxy_rules_prefix *p)
{
	if (p->len > max_len(p->family))
		return false;
	for (unsigned b = p->len; b < 128; b++)
		if (bit(p->addr, b))
			return false;
	return true;
}

static bool ref_rule_ok(const struct proxy_rules_rule *r)
{
	static const uint8_t zero[16];
	size_t n = strnlen(r->name, sizeof(r->name));

	if (r->dst.family != AF_INET && r->dst.family != AF_INET6)
		return false;
	if (!ref_prefix_ok(&r->dst))
		return false;
	if (r->src.family == 0 ? r->src.len != 0 || memcmp(r->src.addr, zero, 16) != 0
			       : r->src.family != r->dst.family || !ref_prefix_ok(&r->src))
		return false;
	if ((r->has_sport && r->sport.lo > r->sport.hi) ||
	    (r->has_dport && r->dport.lo > r->dport.hi))
		return false;
	if (r->action >= PROXY_RULES_ACTION_MAX)
		return false;
	return n > 0 && n < sizeof(r->name) && strspn(r->name, NAME_CHARS) == n;
}

/* The rule the build must name, or -1 if it must succeed. */
static int ref_first_bad(const struct proxy_rules_rule *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!ref_rule_ok(&r[i]))
			return (int)i;
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (strcmp(r[i].name, r[j].name) == 0)
				return (int)i;
	return -1;
}

/* ---- decoding ---- */

static void clear_host(struct proxy_rules_prefix *p)
{
	for (unsigned b = p->len; b < 128; b++)
		if (bit(p->addr, b))
			flip(p->addr, b);
}

static struct proxy_rules_range range_of(uint8_t a, uint8_t b, bool raw)
{
	uint16_t lo = port_of(a), hi = port_of(b);

	if (!raw && lo > hi)
		return (struct proxy_rules_range){ hi, lo };
	return (struct proxy_rules_range){ lo, hi };
}

static void decode_rule(const uint8_t *d, unsigned i, struct proxy_rules_rule *r,
			const struct proxy_rules_rule *earlier)
{
	uint8_t f = d[0];
	bool raw = f & 0x40;
	int family = f & 1 ? AF_INET6 : AF_INET;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "r%u", i);
	r->peer = d[15];
	r->action = (uint8_t)(f >> 4 & 3);
	r->dst.family = (uint8_t)family;
	r->dst.len = d[1];
	addr_of(family, d + 3, r->dst.addr);
	if (f & 2) {
		r->src.family = (uint8_t)family;
		r->src.len = d[2];
		addr_of(family, d + 7, r->src.addr);
	}
	if ((r->has_sport = f & 4))
		r->sport = range_of(d[11], d[12], raw);
	if ((r->has_dport = f & 8))
		r->dport = range_of(d[13], d[14], raw);
	if (!raw) {
		if (r->action == PROXY_RULES_ACTION_MAX)
			r->action = 0;
		r->dst.len = (uint8_t)(r->dst.len % (max_len(family) + 1));
		clear_host(&r->dst);
		if (f & 2) {
			r->src.len = (uint8_t)(r->src.len % (max_len(family) + 1));
			clear_host(&r->src);
		}
		return;
	}
	if (d[1] == 0xff)
		r->dst.family = 0;
	if ((f & 2) && d[2] == 0xff)
		r->src.family = family == AF_INET ? AF_INET6 : AF_INET;
	if (f & 0x80) {
		switch (d[15] & 3) {
		case 0:
			if (i > 0)
				memcpy(r->name, earlier[(d[15] >> 2) % i].name, sizeof(r->name));
			break;
		case 1:
			r->name[0] = '\0';
			break;
		case 2:
			snprintf(r->name, sizeof(r->name), "r %u", i);
			break;
		default:
			memset(r->name, 'x', sizeof(r->name));
			break;
		}
	}
}

/* An address near p (how: 0 first, 1 last, 2 seed-filled, 3 just outside). */
static void addr_near(const struct proxy_rules_prefix *p, unsigned how, const uint8_t *seed,
		      uint8_t *a)
{
	unsigned max = max_len(p->family);

	memcpy(a, p->addr, 16);
	switch (how & 3) {
	case 0:
		break;
	case 1:
		for (unsigned b = p->len; b < max; b++)
			flip(a, b);
		break;
	case 2:
		for (unsigned b = p->len; b < max; b++)
			if (bit(seed, b % 32))
				flip(a, b);
		break;
	default:
		if (p->len > 0)
			flip(a, p->len - 1 - seed[0] % (p->len < 3 ? p->len : 3));
		break;
	}
}

static uint16_t port_near(uint8_t b, bool has, struct proxy_rules_range r)
{
	if (!has || (b & 4))
		return port_of(b);
	switch (b & 3) {
	case 0:
		return r.lo;
	case 1:
		return r.hi;
	case 2:
		return (uint16_t)(r.lo - 1);
	default:
		return (uint16_t)(r.hi + 1);
	}
}

static void decode_pkt(const uint8_t *d, const struct proxy_rules_rule *rules, unsigned n,
		       struct proxy_rules_key *k)
{
	memset(k, 0, sizeof(*k));
	if ((d[0] & 0x80) && n > 0) {
		const struct proxy_rules_rule *r = &rules[d[1] % n];

		k->family = r->dst.family;
		addr_near(&r->dst, d[0], d + 2, k->dst);
		if (r->src.family != 0)
			addr_near(&r->src, d[0] >> 2, d + 2, k->src);
		else
			addr_of(k->family, d + 2, k->src);
		k->sport = port_near(d[6], r->has_sport, r->sport);
		k->dport = port_near(d[7], r->has_dport, r->dport);
		return;
	}
	k->family = d[0] & 1 ? AF_INET6 : AF_INET;
	addr_of(k->family, d + 2, k->dst);
	addr_of(k->family, d + 1, k->src);
	k->sport = port_of(d[6]);
	k->dport = port_of(d[7]);
}

static void check_pkt(const struct proxy_rules *set, const struct proxy_rules *served,
		      const struct proxy_rules_rule *rules, unsigned n,
		      const struct proxy_rules_key *k)
{
	int got = proxy_rules_lookup(set, k), want = ref_lookup(rules, n, k);
	bool serves = ref_serves(rules, n, k->family, k->dst);

	FUZZ_CHECK(got == want, "lookup %d, linear scan %d", got, want);
	if (k->family == AF_INET) {
		uint32_t s, d;

		memcpy(&s, k->src, 4);
		memcpy(&d, k->dst, 4);
		got = proxy_rules_lookup4(set, s, d, k->sport, k->dport);
		FUZZ_CHECK(got == want, "lookup4 %d, linear scan %d", got, want);
	}
	FUZZ_CHECK(proxy_rules_serves(set, k->family, k->dst) == serves, "serves on the rules");
	FUZZ_CHECK(proxy_rules_serves(served, k->family, k->dst) == serves, "serves on prefixes");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proxy_rules_rule rules[MAX_RULES];
	static struct proxy_rules_prefix prefixes[MAX_RULES];
	struct proxy_rules_error err = { 0 };
	struct proxy_rules *set, *served;
	unsigned n;

	if (size < 1)
		return 0;
	n = data[0] % (MAX_RULES + 1);
	if (size < 1 + (size_t)n * RULE_LEN)
		n = (unsigned)((size - 1) / RULE_LEN);
	for (unsigned i = 0; i < n; i++)
		decode_rule(data + 1 + i * RULE_LEN, i, &rules[i], rules);
	data += 1 + n * RULE_LEN;
	size -= 1 + n * RULE_LEN;

	/* Until the rules left are valid; each failure must name the first
	 * bad rule, and the rules before it are tried again. */
	for (;;) {
		int bad;

		set = proxy_rules_build(rules, n, &err);
		bad = ref_first_bad(rules, n);
		if (bad < 0)
			break;
		FUZZ_CHECK(set == NULL, "rule %d is invalid but the build took it", bad);
		FUZZ_CHECK(err.rule == bad && err.reason != NULL, "build names rule %d, not %d",
			   err.rule, bad);
		n = (unsigned)bad;
	}
	FUZZ_CHECK(set != NULL, "valid rules refused: rule %d: %s", err.rule, err.reason);
	FUZZ_CHECK(proxy_rules_count(set) == n, "count");
	for (unsigned i = 0; i < n; i++) {
		FUZZ_CHECK(memcmp(proxy_rules_get(set, (int)i), &rules[i], sizeof(rules[i])) == 0,
			   "rule %u not kept as given", i);
		prefixes[i] = rules[i].dst;
	}
	FUZZ_CHECK(proxy_rules_get(set, (int)n) == NULL, "rule past the end");
	served = proxy_rules_build_served(prefixes, n, &err);
	FUZZ_CHECK(served != NULL, "served prefixes refused: %d: %s", err.rule, err.reason);

	for (size_t p = 0; p < MAX_PKTS && size >= PKT_LEN; p++, data += PKT_LEN, size -= PKT_LEN) {
		struct proxy_rules_key k;

		decode_pkt(data, rules, n, &k);
		check_pkt(set, served, rules, n, &k);
	}
	proxy_rules_free(served);
	proxy_rules_free(set);
	return 0;
}
