/* SPDX-License-Identifier: BSD-3-Clause */
/* Interception rules: first-match order, every field's edges, IPv6, build
 * errors, served prefixes, and the fast lookup against a linear scan on
 * random rule sets (RULES_SEED=N replays another seed, RULES_ROUNDS=N runs
 * more). Prints ns per lookup for 10,000 rules, fast and linear. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "proxy/rules.h"

#define IN PROXY_RULES_INTERCEPT
#define PASS PROXY_RULES_PASSTHROUGH
#define DENY PROXY_RULES_DENY
#define NONE PROXY_RULES_NONE

/* "10.1.0.0/16" or "2001:db8::/32", as written (host bits kept). */
static struct proxy_rules_prefix pfx(const char *s)
{
	struct proxy_rules_prefix p = { 0 };
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	p.len = (uint8_t)atoi(slash + 1);
	p.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(p.family, buf, p.addr), 1);
	return p;
}

static struct proxy_rules_rule rule(const char *name, uint8_t action, const char *dst)
{
	struct proxy_rules_rule r = { .action = action, .dst = pfx(dst) };

	snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

static struct proxy_rules_key key(const char *src, const char *dst, uint16_t sport, uint16_t dport)
{
	struct proxy_rules_key k = { .sport = sport, .dport = dport };

	k.family = strchr(dst, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(k.family, src, k.src), 1);
	assert_int_equal(inet_pton(k.family, dst, k.dst), 1);
	return k;
}

/* ---- the reference: a plain linear scan, written independently ---- */

static bool ref_prefix(const struct proxy_rules_prefix *p, const uint8_t *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, a, full) != 0)
		return false;
	return rest == 0 || ((p->addr[full] ^ a[full]) & (0xff00 >> rest) & 0xff) == 0;
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
	return NONE;
}

static bool ref_serves(const struct proxy_rules_rule *r, unsigned n, int family, const uint8_t *a)
{
	for (unsigned i = 0; i < n; i++)
		if (r[i].dst.family == family && ref_prefix(&r[i].dst, a))
			return true;
	return false;
}

/* Looks k up and checks it against the reference and, for IPv4, lookup4. */
static int look(const struct proxy_rules *set, const struct proxy_rules_rule *r, unsigned n,
		const struct proxy_rules_key *k)
{
	int got = proxy_rules_lookup(set, k);

	assert_int_equal(got, ref_lookup(r, n, k));
	if (k->family == AF_INET) {
		uint32_t s, d;

		memcpy(&s, k->src, 4);
		memcpy(&d, k->dst, 4);
		assert_int_equal(proxy_rules_lookup4(set, s, d, k->sport, k->dport), got);
	}
	return got;
}

static struct proxy_rules *build_ok(const struct proxy_rules_rule *r, unsigned n)
{
	struct proxy_rules_error err;
	struct proxy_rules *set = proxy_rules_build(r, n, &err);

	if (set == NULL)
		fail_msg("build: rule %d: %s", err.rule, err.reason);
	assert_int_equal(proxy_rules_count(set), n);
	return set;
}

#define LOOK(src, dst, sp, dp) (k = key(src, dst, sp, dp), look(set, r, n, &k))

/* A narrow deny before a broad intercept wins for its range only; the
 * other way round it can never match. */
static void test_first_match(void **state)
{
	struct proxy_rules_rule r[] = {
		rule("narrow_deny", DENY, "10.1.2.0/24"),
		rule("broad", IN, "10.0.0.0/8"),
		rule("later_pass", PASS, "10.1.2.0/24"),
	};
	unsigned n = 3;
	struct proxy_rules *set = build_ok(r, n);
	struct proxy_rules_key k;

	(void)state;
	assert_int_equal(LOOK("192.0.2.1", "10.1.2.5", 1234, 80), 0);
	assert_int_equal(LOOK("192.0.2.1", "10.1.2.0", 1234, 80), 0);
	assert_int_equal(LOOK("192.0.2.1", "10.1.2.255", 1234, 80), 0);
	assert_int_equal(LOOK("192.0.2.1", "10.1.1.255", 1234, 80), 1);
	assert_int_equal(LOOK("192.0.2.1", "10.1.3.0", 1234, 80), 1);
	assert_int_equal(LOOK("192.0.2.1", "10.255.255.255", 1234, 80), 1);
	assert_int_equal(LOOK("192.0.2.1", "11.0.0.0", 1234, 80), NONE);
	assert_int_equal(LOOK("192.0.2.1", "9.255.255.255", 1234, 80), NONE);
	assert_int_equal(proxy_rules_get(set, 0)->action, DENY);
	assert_string_equal(proxy_rules_get(set, 1)->name, "broad");
	assert_null(proxy_rules_get(set, 3));
	assert_null(proxy_rules_get(set, NONE));
	proxy_rules_free(set);

	/* Broad first: the narrow rules are shadowed. */
	struct proxy_rules_rule r2[] = { r[1], r[0], r[2] };
	set = build_ok(r2, n);
	assert_int_equal(look(set, r2, n, &(struct proxy_rules_key){ 0 }), NONE);
	k = key("192.0.2.1", "10.1.2.5", 1, 2);
	assert_int_equal(look(set, r2, n, &k), 0);
	proxy_rules_free(set);

	/* The same destination, told apart by port: order within a group. */
	struct proxy_rules_rule r3[] = { rule("a", PASS, "10.0.0.0/8"),
					 rule("b", DENY, "10.0.0.0/8") };
	r3[0].has_dport = true;
	r3[0].dport = (struct proxy_rules_range){ 22, 22 };
	set = build_ok(r3, 2);
	k = key("1.1.1.1", "10.9.9.9", 1, 22);
	assert_int_equal(look(set, r3, 2, &k), 0);
	k.dport = 23;
	assert_int_equal(look(set, r3, 2, &k), 1);
	proxy_rules_free(set);
}

static void test_prefix_edges_v4(void **state)
{
	struct proxy_rules_rule r[] = {
		rule("host", IN, "192.0.2.7/32"), rule("half", IN, "128.0.0.0/1"),
		rule("p16", IN, "10.1.0.0/16"),	  rule("p31", DENY, "100.64.0.2/31"),
		rule("p23", PASS, "1.2.2.0/23"),  rule("all", PASS, "0.0.0.0/0"),
	};
	unsigned n = 6;
	struct proxy_rules *set = build_ok(r, n);
	struct proxy_rules_key k;

	(void)state;
	assert_int_equal(LOOK("1.1.1.1", "192.0.2.7", 1, 1), 0);
	assert_int_equal(LOOK("1.1.1.1", "192.0.2.6", 1, 1), 1);
	assert_int_equal(LOOK("1.1.1.1", "192.0.2.8", 1, 1), 1);
	assert_int_equal(LOOK("1.1.1.1", "128.0.0.0", 1, 1), 1);
	assert_int_equal(LOOK("1.1.1.1", "255.255.255.255", 1, 1), 1);
	assert_int_equal(LOOK("1.1.1.1", "127.255.255.255", 1, 1), 5);
	assert_int_equal(LOOK("1.1.1.1", "10.0.255.255", 1, 1), 5);
	assert_int_equal(LOOK("1.1.1.1", "10.1.0.0", 1, 1), 2);
	assert_int_equal(LOOK("1.1.1.1", "10.1.255.255", 1, 1), 2);
	assert_int_equal(LOOK("1.1.1.1", "10.2.0.0", 1, 1), 5);
	assert_int_equal(LOOK("1.1.1.1", "100.64.0.1", 1, 1), 5);
	assert_int_equal(LOOK("1.1.1.1", "100.64.0.2", 1, 1), 3);
	assert_int_equal(LOOK("1.1.1.1", "100.64.0.3", 1, 1), 3);
	assert_int_equal(LOOK("1.1.1.1", "100.64.0.4", 1, 1), 5);
	assert_int_equal(LOOK("1.1.1.1", "1.2.1.255", 1, 1), 5);
	assert_int_equal(LOOK("1.1.1.1", "1.2.2.0", 1, 1), 4);
	assert_int_equal(LOOK("1.1.1.1", "1.2.3.255", 1, 1), 4);
	assert_int_equal(LOOK("1.1.1.1", "1.2.4.0", 1, 1), 5);
	assert_int_equal(LOOK("1.1.1.1", "0.0.0.0", 0, 0), 5);
	/* /0 does not cover the other family. */
	assert_int_equal(LOOK("::1", "::", 1, 1), NONE);
	/* An unknown family matches nothing. */
	k = key("1.1.1.1", "10.1.0.0", 1, 1);
	k.family = 99;
	assert_int_equal(proxy_rules_lookup(set, &k), NONE);
	assert_false(proxy_rules_serves(set, 99, k.dst));
	proxy_rules_free(set);
}

static void test_port_edges(void **state)
{
	struct proxy_rules_rule r[] = {
		rule("dports", IN, "10.0.0.0/8"),
		rule("sports", DENY, "10.0.0.0/8"),
		rule("one", PASS, "10.0.0.0/8"),
		rule("extremes", DENY, "10.0.0.0/8"),
	};
	unsigned n = 4;
	struct proxy_rules_key k;

	(void)state;
	r[0].has_dport = true;
	r[0].dport = (struct proxy_rules_range){ 1000, 2000 };
	r[1].has_sport = true;
	r[1].sport = (struct proxy_rules_range){ 30000, 30009 };
	r[2].has_dport = true;
	r[2].dport = (struct proxy_rules_range){ 443, 443 };
	r[3].has_sport = r[3].has_dport = true;
	r[3].sport = (struct proxy_rules_range){ 0, 0 };
	r[3].dport = (struct proxy_rules_range){ 65535, 65535 };

	struct proxy_rules *set = build_ok(r, n);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 5, 999), NONE);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 5, 1000), 0);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 5, 2000), 0);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 5, 2001), NONE);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 29999, 80), NONE);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 30000, 80), 1);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 30009, 80), 1);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 30010, 80), NONE);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 30005, 1500), 0);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 5, 442), NONE);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 5, 443), 2);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 5, 444), NONE);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 0, 65535), 3);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 1, 65535), NONE);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 0, 65534), NONE);
	/* Without a range every port matches, 0 and 65535 included. */
	r[0].has_dport = false;
	proxy_rules_free(set);
	set = build_ok(r, n);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 0, 0), 0);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 65535, 65535), 0);
	proxy_rules_free(set);
}

static void test_ipv6(void **state)
{
	struct proxy_rules_rule r[] = {
		rule("host", DENY, "2001:db8::1/128"),
		rule("p65", PASS, "2001:db8:0:1:8000::/65"),
		rule("p64", IN, "2001:db8:0:1::/64"),
		rule("p127", DENY, "2001:db8::2/127"),
		rule("p32", IN, "2001:db8::/32"),
		rule("v4", IN, "0.0.0.0/0"),
		rule("all", PASS, "::/0"),
	};
	unsigned n = 7;
	struct proxy_rules *set = build_ok(r, n);
	struct proxy_rules_key k;

	(void)state;
	assert_int_equal(LOOK("::1", "2001:db8::1", 1, 1), 0);
	assert_int_equal(LOOK("::1", "2001:db8::", 1, 1), 4);
	assert_int_equal(LOOK("::1", "2001:db8::2", 1, 1), 3);
	assert_int_equal(LOOK("::1", "2001:db8::3", 1, 1), 3);
	assert_int_equal(LOOK("::1", "2001:db8::4", 1, 1), 4);
	assert_int_equal(LOOK("::1", "2001:db8:0:1::", 1, 1), 2);
	assert_int_equal(LOOK("::1", "2001:db8:0:1:7fff:ffff:ffff:ffff", 1, 1), 2);
	assert_int_equal(LOOK("::1", "2001:db8:0:1:8000::", 1, 1), 1);
	assert_int_equal(LOOK("::1", "2001:db8:0:1:ffff:ffff:ffff:ffff", 1, 1), 1);
	assert_int_equal(LOOK("::1", "2001:db8:0:2::", 1, 1), 4);
	assert_int_equal(LOOK("::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1, 1), 4);
	assert_int_equal(LOOK("::1", "2001:db9::", 1, 1), 6);
	assert_int_equal(LOOK("::1", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 1, 1), 6);
	assert_int_equal(LOOK("::1", "::", 1, 1), 6);
	assert_int_equal(LOOK("::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, 1), 6);
	/* A v4-mapped address is IPv6, not IPv4. */
	assert_int_equal(LOOK("::1", "::ffff:10.0.0.1", 1, 1), 6);
	assert_int_equal(LOOK("1.1.1.1", "10.0.0.1", 1, 1), 5);
	proxy_rules_free(set);
}

static void test_source_prefix(void **state)
{
	struct proxy_rules_rule r[] = {
		rule("from_lan", IN, "10.0.0.0/8"),
		rule("from_host", DENY, "10.0.0.0/8"),
		rule("v6_from", IN, "2001:db8::/32"),
		rule("anyone", PASS, "10.0.0.0/8"),
	};
	unsigned n = 4;
	struct proxy_rules_key k;

	(void)state;
	r[0].src = pfx("192.168.1.0/24");
	r[1].src = pfx("172.16.0.9/32");
	r[2].src = pfx("fd00::/8");
	struct proxy_rules *set = build_ok(r, n);
	assert_int_equal(LOOK("192.168.1.0", "10.0.0.1", 1, 1), 0);
	assert_int_equal(LOOK("192.168.1.255", "10.0.0.1", 1, 1), 0);
	assert_int_equal(LOOK("192.168.0.255", "10.0.0.1", 1, 1), 3);
	assert_int_equal(LOOK("192.168.2.0", "10.0.0.1", 1, 1), 3);
	assert_int_equal(LOOK("172.16.0.9", "10.0.0.1", 1, 1), 1);
	assert_int_equal(LOOK("172.16.0.8", "10.0.0.1", 1, 1), 3);
	assert_int_equal(LOOK("172.16.0.10", "10.0.0.1", 1, 1), 3);
	assert_int_equal(LOOK("fd12::1", "2001:db8::1", 1, 1), 2);
	assert_int_equal(LOOK("fc00::1", "2001:db8::1", 1, 1), NONE);
	assert_int_equal(LOOK("fe00::", "2001:db8::1", 1, 1), NONE);
	proxy_rules_free(set);
}

static void expect_error(const struct proxy_rules_rule *r, unsigned n, int rule, const char *reason)
{
	struct proxy_rules_error err = { 0 };

	assert_null(proxy_rules_build(r, n, &err));
	assert_int_equal(err.rule, rule);
	assert_string_equal(err.reason, reason);
	/* err may be NULL too. */
	assert_null(proxy_rules_build(r, n, NULL));
}

static void test_invalid(void **state)
{
	struct proxy_rules_rule good = rule("ok", IN, "10.0.0.0/8");
	struct proxy_rules_rule r[3];

	(void)state;
#define BAD(field_set, reason)                   \
	do {                                     \
		r[0] = good;                     \
		r[1] = good;                     \
		r[2] = good;                     \
		strcpy(r[0].name, "first");      \
		strcpy(r[2].name, "third");      \
		field_set;                       \
		expect_error(r, 3, 1, (reason)); \
	} while (0)
	BAD(r[1].dst.family = 0, "destination family is neither IPv4 nor IPv6");
	BAD(r[1].dst.family = AF_UNIX, "destination family is neither IPv4 nor IPv6");
	BAD(r[1].dst.len = 33, "destination prefix length beyond the address");
	BAD(r[1].dst = pfx("::/129"), "destination prefix length beyond the address");
	BAD(r[1].dst = pfx("10.1.0.0/8"), "destination has host bits set beyond its length");
	BAD(r[1].dst = pfx("10.0.0.1/31"), "destination has host bits set beyond its length");
	BAD(r[1].dst = pfx("0.0.0.1/0"), "destination has host bits set beyond its length");
	BAD(r[1].dst.addr[4] = 1, "destination has host bits set beyond its length");
	BAD(r[1].dst = pfx("2001:db8::1/127"), "destination has host bits set beyond its length");
	BAD(r[1].dst = pfx("2001:db8::8000:0:0:0/64"),
	    "destination has host bits set beyond its length");
	BAD(r[1].src.len = 8, "source prefix without a family");
	BAD(r[1].src.addr[0] = 10, "source prefix without a family");
	BAD(r[1].src = pfx("2001:db8::/32"), "source family differs from the destination's");
	BAD((r[1].src = pfx("10.0.0.0/8"), r[1].src.len = 40),
	    "source prefix length beyond the address");
	BAD(r[1].src = pfx("10.0.0.1/24"), "source has host bits set beyond its length");
	BAD((r[1].has_sport = true, r[1].sport = (struct proxy_rules_range){ 2, 1 }),
	    "source port range with lo > hi");
	BAD((r[1].has_dport = true, r[1].dport = (struct proxy_rules_range){ 65535, 0 }),
	    "destination port range with lo > hi");
	BAD(r[1].action = PROXY_RULES_ACTION_MAX, "unknown action");
	BAD(r[1].name[0] = '\0', "name empty");
	BAD(memset(r[1].name, 'a', sizeof(r[1].name)), "name too long");
	BAD(strcpy(r[1].name, "a b"), "name has characters other than [A-Za-z0-9_-]");
	BAD(strcpy(r[1].name, "a.b"), "name has characters other than [A-Za-z0-9_-]");
	BAD(strcpy(r[1].name, "first"), "name used by an earlier rule");
	BAD((strcpy(r[0].name, "y"), strcpy(r[1].name, "y"), strcpy(r[2].name, "y")),
	    "name used by an earlier rule");
#undef BAD
	/* The later of two duplicates is named, even when it sorts first. */
	struct proxy_rules_rule d[4] = { rule("b", IN, "10.0.0.0/8"), rule("a", IN, "10.0.0.0/8"),
					 rule("b", IN, "10.0.0.0/8"), rule("a", IN, "10.0.0.0/8") };
	expect_error(d, 4, 2, "name used by an earlier rule");
	/* Ranges with lo == hi, and unused ranges with any values, are fine. */
	r[0] = good;
	r[0].has_sport = false;
	r[0].sport = (struct proxy_rules_range){ 9, 1 };
	r[0].has_dport = true;
	r[0].dport = (struct proxy_rules_range){ 7, 7 };
	proxy_rules_free(build_ok(r, 1));
	/* A longest valid name. */
	memset(r[0].name, 'z', sizeof(r[0].name) - 1);
	r[0].name[sizeof(r[0].name) - 1] = '\0';
	proxy_rules_free(build_ok(r, 1));

	struct proxy_rules_error err;
	assert_null(proxy_rules_build(r, PROXY_RULES_MAX + 1, &err));
	assert_int_equal(err.rule, -1);
	assert_string_equal(err.reason, "too many rules");
	assert_null(proxy_rules_build(NULL, 1, &err));
	assert_int_equal(err.rule, -1);
}

static void test_empty(void **state)
{
	struct proxy_rules_error err;
	struct proxy_rules *set = proxy_rules_build(NULL, 0, &err);
	struct proxy_rules_key k = key("1.1.1.1", "10.0.0.1", 1, 1);
	struct proxy_rules_key k6 = key("::1", "::2", 1, 1);

	(void)state;
	assert_non_null(set);
	assert_int_equal(err.rule, -1);
	assert_null(err.reason);
	assert_int_equal(proxy_rules_count(set), 0);
	assert_int_equal(proxy_rules_lookup(set, &k), NONE);
	assert_int_equal(proxy_rules_lookup(set, &k6), NONE);
	assert_int_equal(proxy_rules_lookup4(set, 0, 0, 0, 0), NONE);
	assert_false(proxy_rules_serves(set, AF_INET, k.dst));
	assert_null(proxy_rules_get(set, 0));
	proxy_rules_free(set);
	set = proxy_rules_build_served(NULL, 0, NULL);
	assert_non_null(set);
	assert_false(proxy_rules_serves(set, AF_INET6, k6.dst));
	proxy_rules_free(set);
	proxy_rules_free(NULL);
}

static void test_served(void **state)
{
	struct proxy_rules_prefix p[] = {
		pfx("10.0.0.0/8"),    pfx("192.0.2.0/24"), pfx("198.51.100.9/32"),
		pfx("2001:db8::/32"), pfx("10.1.0.0/16"), /* inside another: harmless */
	};
	struct proxy_rules_error err;
	struct proxy_rules *set = proxy_rules_build_served(p, 5, &err);
	uint8_t a[16];

	(void)state;
	assert_non_null(set);
#define SERVES(fam, s) (inet_pton(fam, s, a) == 1 && proxy_rules_serves(set, fam, a))
	assert_true(SERVES(AF_INET, "10.0.0.0"));
	assert_true(SERVES(AF_INET, "10.255.255.255"));
	assert_true(SERVES(AF_INET, "10.1.2.3"));
	assert_false(SERVES(AF_INET, "9.255.255.255"));
	assert_false(SERVES(AF_INET, "11.0.0.0"));
	assert_true(SERVES(AF_INET, "192.0.2.0"));
	assert_true(SERVES(AF_INET, "192.0.2.255"));
	assert_false(SERVES(AF_INET, "192.0.3.0"));
	assert_true(SERVES(AF_INET, "198.51.100.9"));
	assert_false(SERVES(AF_INET, "198.51.100.8"));
	assert_false(SERVES(AF_INET, "198.51.100.10"));
	assert_true(SERVES(AF_INET6, "2001:db8::"));
	assert_true(SERVES(AF_INET6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_false(SERVES(AF_INET6, "2001:db9::"));
	assert_false(SERVES(AF_INET6, "::ffff:10.0.0.1")); /* IPv6, not 10/8 */
	/* Never an open relay: nothing else, and no family confusion. */
	assert_false(SERVES(AF_INET, "0.0.0.0"));
	assert_false(SERVES(AF_INET6, "::"));
	proxy_rules_free(set);
	/* A served set has one unnamed rule per prefix. */
	set = proxy_rules_build_served(p, 1, NULL);
	assert_int_equal(proxy_rules_count(set), 1);
	assert_string_equal(proxy_rules_get(set, 0)->name, "");
	proxy_rules_free(set);
	/* Validated as rule destinations are. */
	p[2] = pfx("198.51.100.9/24");
	assert_null(proxy_rules_build_served(p, 5, &err));
	assert_int_equal(err.rule, 2);
	assert_string_equal(err.reason, "destination has host bits set beyond its length");
	p[2] = pfx("0.0.0.0/0");
	set = proxy_rules_build_served(p, 5, &err);
	assert_true(SERVES(AF_INET, "1.2.3.4"));
	assert_false(SERVES(AF_INET6, "::1"));
#undef SERVES
	proxy_rules_free(set);
	/* On a rule set: any rule's destination counts, whatever its action. */
	struct proxy_rules_rule r[] = { rule("d", DENY, "10.0.0.0/8") };
	r[0].has_dport = true;
	r[0].dport = (struct proxy_rules_range){ 1, 1 };
	set = build_ok(r, 1);
	assert_true(inet_pton(AF_INET, "10.2.3.4", a) == 1 && proxy_rules_serves(set, AF_INET, a));
	proxy_rules_free(set);
}

/* Per-lcore hit counters the caller keeps, indexed by what lookup returns. */
static void test_counters(void **state)
{
	struct proxy_rules_rule r[] = { rule("a", IN, "10.0.0.0/8"), rule("b", DENY, "0.0.0.0/0") };
	struct proxy_rules *set = build_ok(r, 2);
	uint64_t hits[2][2] = { { 0 } }, dflt[2] = { 0 }; /* [lcore][rule] */
	struct proxy_rules_key k[] = { key("1.1.1.1", "10.0.0.1", 1, 1),
				       key("1.1.1.1", "11.0.0.1", 1, 1), key("::1", "::2", 1, 1) };

	(void)state;
	for (unsigned i = 0; i < 30; i++) {
		unsigned lcore = i % 2;
		int idx = proxy_rules_lookup(set, &k[i % 3]);

		if (idx == NONE)
			dflt[lcore]++;
		else
			hits[lcore][idx]++;
	}
	assert_int_equal(hits[0][0] + hits[1][0], 10);
	assert_int_equal(hits[0][1] + hits[1][1], 10);
	assert_int_equal(dflt[0] + dflt[1], 10);
	proxy_rules_free(set);
}

/* ---- random rule sets ---- */

static uint64_t rng_state = 0x5eed0f2u;

static uint64_t rnd(void)
{
	/* xorshift64*: the same seed gives the same sets on every libc. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static const uint8_t bases[][16] = {
	{ 10 },
	{ 10, 1, 2 },
	{ 192, 0, 2, 0 },
	{ 172, 16 },
	{ 0x20, 0x01, 0x0d, 0xb8 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0x80 },
	{ 0xfd },
	{ 0 },
};
static const uint16_t ports[] = { 0, 1, 22, 80, 443, 1023, 1024, 8080, 30000, 65534, 65535 };

/* Bit b of a (b = 0 is the top bit of byte 0). */
static void flip(uint8_t *a, unsigned b)
{
	a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
}

static void clear_host(struct proxy_rules_prefix *p)
{
	for (unsigned b = p->len; b < 128; b++)
		p->addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
}

static struct proxy_rules_prefix rnd_prefix(int family, bool flat)
{
	struct proxy_rules_prefix p = { .family = (uint8_t)family };
	unsigned max = family == AF_INET ? 32 : 128;

	if (flat) {
		/* Every length as likely, every bit random. */
		p.len = (uint8_t)rndn(max + 1);
		for (unsigned i = 0; i < max / 8; i++)
			p.addr[i] = (uint8_t)rnd();
	} else {
		/* Near a few bases, so that rules overlap and packets hit. */
		memcpy(p.addr, bases[rndn(4) + (family == AF_INET6 ? 4 : 0)], 16);
		if (family == AF_INET)
			memset(p.addr + 4, 0, 12);
		p.len = (uint8_t)(rndn(4) == 0 ? rndn(max + 1) : rndn(max * 3 / 4 + 1) + max / 4);
		for (unsigned i = rndn(3); i > 0; i--)
			flip(p.addr, rndn(max));
	}
	clear_host(&p);
	return p;
}

static struct proxy_rules_range rnd_range(void)
{
	uint16_t a = ports[rndn(sizeof(ports) / sizeof(ports[0]))];
	uint16_t b = rndn(2) ? a : (uint16_t)(a + rndn(3000));

	if (b < a)
		b = 65535;
	return (struct proxy_rules_range){ a, b };
}

static void rnd_rule(struct proxy_rules_rule *r, unsigned i, bool flat)
{
	int family = rndn(3) == 0 ? AF_INET6 : AF_INET;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "r%u", i);
	r->action = (uint8_t)rndn(PROXY_RULES_ACTION_MAX);
	r->peer = (uint16_t)rndn(4);
	r->dst = rnd_prefix(family, flat);
	if (rndn(4) == 0)
		r->src = rnd_prefix(family, flat);
	if ((r->has_dport = rndn(3) == 0))
		r->dport = rnd_range();
	if ((r->has_sport = rndn(6) == 0))
		r->sport = rnd_range();
}

/* An address in, at the edge of, or just outside prefix p. */
static void rnd_addr_near(const struct proxy_rules_prefix *p, uint8_t *a)
{
	unsigned max = p->family == AF_INET ? 32 : 128;

	memcpy(a, p->addr, 16);
	switch (rndn(4)) {
	case 0: /* the first address */
		break;
	case 1: /* the last */
		for (unsigned b = p->len; b < max; b++)
			flip(a, b);
		break;
	case 2: /* anywhere inside */
		for (unsigned b = p->len; b < max; b++)
			if (rndn(2))
				flip(a, b);
		break;
	default: /* one bit of the prefix wrong: just outside */
		if (p->len > 0)
			flip(a, p->len - 1 - rndn(p->len < 3 ? p->len : 3));
		break;
	}
}

static uint16_t rnd_port_near(bool has, struct proxy_rules_range r)
{
	if (!has || rndn(4) == 0)
		return (uint16_t)(rndn(2) ? ports[rndn(sizeof(ports) / sizeof(ports[0]))] : rnd());
	switch (rndn(4)) {
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

static void rnd_key(const struct proxy_rules_rule *rules, unsigned n, struct proxy_rules_key *k)
{
	memset(k, 0, sizeof(*k));
	if (n == 0 || rndn(5) == 0) {
		struct proxy_rules_prefix d = rnd_prefix(rndn(3) ? AF_INET : AF_INET6, false);
		struct proxy_rules_prefix s = rnd_prefix(d.family, false);

		k->family = d.family;
		rnd_addr_near(&d, k->dst);
		rnd_addr_near(&s, k->src);
		k->sport = (uint16_t)rnd();
		k->dport = ports[rndn(sizeof(ports) / sizeof(ports[0]))];
		return;
	}
	const struct proxy_rules_rule *r = &rules[rndn(n)];
	k->family = r->dst.family;
	rnd_addr_near(&r->dst, k->dst);
	if (r->src.family != 0) {
		rnd_addr_near(&r->src, k->src);
	} else {
		for (unsigned i = 0; i < (k->family == AF_INET ? 4u : 16u); i++)
			k->src[i] = (uint8_t)rnd();
	}
	k->sport = rnd_port_near(r->has_sport, r->sport);
	k->dport = rnd_port_near(r->has_dport, r->dport);
}

static void test_random_vs_reference(void **state)
{
	static const unsigned sizes[] = { 1, 2, 5, 20, 100, 500, 2000, 5000 };
	const char *env = getenv("RULES_ROUNDS");
	unsigned rounds = env ? (unsigned)atoi(env) : 2;
	struct proxy_rules_rule *r = calloc(5000, sizeof(*r));
	unsigned long hits = 0, total = 0;

	(void)state;
	if (getenv("RULES_SEED"))
		rng_state = strtoull(getenv("RULES_SEED"), NULL, 0) | 1;
	assert_non_null(r);
	for (unsigned round = 0; round < rounds; round++) {
		for (unsigned si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			unsigned n = sizes[si];
			bool flat = (round + si) % 3 == 0;
			struct proxy_rules *set;

			for (unsigned i = 0; i < n; i++)
				rnd_rule(&r[i], i, flat);
			set = build_ok(r, n);
			for (unsigned i = 0; i < 3000; i++) {
				struct proxy_rules_key k;

				rnd_key(r, n, &k);
				hits += look(set, r, n, &k) != NONE;
				total++;
				assert_int_equal(proxy_rules_serves(set, k.family, k.dst),
						 ref_serves(r, n, k.family, k.dst));
			}
			proxy_rules_free(set);
		}
	}
	printf("random: %lu lookups agree with the linear scan, %lu%% hit a rule\n", total,
	       hits * 100 / (total ? total : 1));
	/* Hits and misses both get exercised. */
	assert_true(hits > total / 5 && hits < total * 95 / 100);
	free(r);
}

/* ---- how fast, for 10,000 rules (printed, not asserted) ---- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A plausible large set: a few broad denies first, then mostly /24 and /32
 * destinations under 10/8 and 2001:db8::/32, some with ports or sources,
 * and a catch-all at the end. */
static void bench_rules(struct proxy_rules_rule *r, unsigned n)
{
	static const uint8_t lens4[] = { 16, 20, 24, 24, 24, 28, 32, 32 };
	static const uint8_t lens6[] = { 48, 56, 64, 64, 128 };

	for (unsigned i = 0; i < n; i++) {
		struct proxy_rules_prefix *d = &r[i].dst;

		memset(&r[i], 0, sizeof(r[i]));
		snprintf(r[i].name, sizeof(r[i].name), "b%u", i);
		r[i].action = i < 4 ? DENY : rndn(8) == 0 ? PASS : IN;
		if (rndn(5) == 0) {
			d->family = AF_INET6;
			d->len = lens6[rndn(sizeof(lens6))];
			memcpy(d->addr, bases[4], 4);
			for (unsigned b = 4; b < 16; b++)
				d->addr[b] = (uint8_t)rnd();
		} else {
			d->family = AF_INET;
			d->len = i < 4 ? 12 : lens4[rndn(sizeof(lens4))];
			d->addr[0] = 10;
			for (unsigned b = 1; b < 4; b++)
				d->addr[b] = (uint8_t)rnd();
		}
		clear_host(d);
		if ((r[i].has_dport = rndn(5) == 0))
			r[i].dport = rnd_range();
		if (rndn(10) == 0) {
			r[i].src = rnd_prefix(d->family, false);
			r[i].src.len = (uint8_t)(d->family == AF_INET ? 16 : 48);
			clear_host(&r[i].src);
		}
	}
	r[n - 1] = rule("catch_all", PASS, "10.0.0.0/8");
}

static double bench_fast(const struct proxy_rules *set, const struct proxy_rules_key *k,
			 unsigned nk, unsigned reps, long *sum)
{
	double t0 = now_ns();

	for (unsigned rep = 0; rep < reps; rep++)
		for (unsigned i = 0; i < nk; i++)
			*sum += proxy_rules_lookup(set, &k[i]);
	return (now_ns() - t0) / ((double)reps * nk);
}

static double bench_linear(const struct proxy_rules_rule *r, unsigned n,
			   const struct proxy_rules_key *k, unsigned nk, long *sum)
{
	double t0 = now_ns();

	for (unsigned i = 0; i < nk; i++)
		*sum += ref_lookup(r, n, &k[i]);
	return (now_ns() - t0) / nk;
}

static void test_bench(void **state)
{
	enum { N = 10000, NK = 4096 };
	struct proxy_rules_rule *r = calloc(N, sizeof(*r));
	struct proxy_rules_key *k = calloc(NK, sizeof(*k));
	struct proxy_rules *set;
	volatile long sink;
	long sum = 0;
	double fast, lin;

	(void)state;
	assert_non_null(r);
	assert_non_null(k);
	rng_state = 0xbe9c4;
	bench_rules(r, N);
	fast = now_ns();
	set = build_ok(r, N);
	printf("10000 rules: built in %.2f ms\n", (now_ns() - fast) / 1e6);
	for (unsigned i = 0; i < NK; i++)
		rnd_key(r, N, &k[i]);
	for (unsigned i = 0; i < NK; i++)
		assert_int_equal(proxy_rules_lookup(set, &k[i]), ref_lookup(r, N, &k[i]));
	fast = bench_fast(set, k, NK, 200, &sum);
	lin = bench_linear(r, N, k, NK, &sum);
	printf("10000 rules, realistic mix: %.1f ns/lookup, linear scan %.1f ns/lookup\n", fast,
	       lin);
	/* SYNs to elsewhere (the Internet): every length probed, no match. */
	for (unsigned i = 0; i < NK; i++) {
		k[i] = key("10.9.8.7", "10.0.0.0", (uint16_t)rnd(), 443);
		k[i].dst[0] = (uint8_t)(11 + rndn(200));
		for (unsigned b = 1; b < 4; b++)
			k[i].dst[b] = (uint8_t)rnd();
		assert_int_equal(proxy_rules_lookup(set, &k[i]), NONE);
	}
	fast = bench_fast(set, k, NK, 200, &sum);
	lin = bench_linear(r, N, k, NK, &sum);
	printf("10000 rules, destinations outside them: %.1f ns/lookup, linear scan %.1f\n", fast,
	       lin);
	proxy_rules_free(set);

	/* The bad case: every rule on one destination, told apart by port
	 * only, the packet matching the last: the group is scanned linearly. */
	for (unsigned i = 0; i < N; i++) {
		r[i] = rule("", IN, "10.0.0.0/8");
		snprintf(r[i].name, sizeof(r[i].name), "w%u", i);
		r[i].has_dport = true;
		r[i].dport = (struct proxy_rules_range){ (uint16_t)i, (uint16_t)i };
	}
	set = build_ok(r, N);
	for (unsigned i = 0; i < NK; i++)
		k[i] = key("1.1.1.1", "10.1.2.3", 1, N - 1);
	assert_int_equal(proxy_rules_lookup(set, &k[0]), N - 1);
	fast = bench_fast(set, k, NK, 5, &sum);
	lin = bench_linear(r, N, k, NK, &sum);
	printf("10000 rules, one destination (worst case): %.1f ns/lookup, linear %.1f\n", fast,
	       lin);
	sink = sum;
	(void)sink;
	proxy_rules_free(set);
	free(k);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_match),   cmocka_unit_test(test_prefix_edges_v4),
		cmocka_unit_test(test_port_edges),    cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_source_prefix), cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_empty),	      cmocka_unit_test(test_served),
		cmocka_unit_test(test_counters),      cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_bench),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
