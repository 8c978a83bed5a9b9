/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of mgmt/config.c: good configurations, defaults, every kind of
 * error with its exact "FILE:LINE: KEY:" prefix, file I/O, and a loop of
 * pseudo-random mutations that must never crash (run it under ASan).
 */
#include <setjmp.h> /* before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "mgmt/config.h"

#define NAME "t.yaml"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr; /* network byte order */
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Parse from an exactly sized heap copy, so ASan sees any read past len. */
static int parse(const char *text, size_t len, struct mgmt_config *cfg, char *err)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = mgmt_config_parse(copy, len, NAME, cfg, err);
	free(copy);
	return rc;
}

static void parse_ok(const char *text, struct mgmt_config *cfg)
{
	char err[MGMT_ERR_MAX];

	memset(err, 'x', sizeof(err));
	if (parse(text, strlen(text), cfg, err) != 0)
		fail_msg("unexpected error: %s", err);
	assert_string_equal(err, "");
}

/* Write text to a fresh temporary file; returns its path (static buffer). */
static const char *temp_file(const char *text, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_config_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* ------------------------------------------------------------------------ */
/* Good configurations                                                      */

static const char good_cfg[] =
	"eal:\n"
	"  args: [--no-huge, --no-pci, -m, \"256\", --file-prefix, gwa, -l, \"0-1\"]\n"
	"ports:\n"
	"  - name: inside\n"
	"    devargs: net_af_packet0,iface=gwa-in\n"
	"    role: inside\n"
	"  - name: outside\n"
	"    devargs: net_af_packet1,iface=gwa-out\n"
	"    role: outside\n"
	"    mtu: 1500\n"
	"  - name: wan_1\n"
	"    devargs: 'net_tap0,iface=wan1'\n"
	"    role: wan\n"
	"    rx_desc: 512\n"
	"    tx_desc: 2048\n"
	"addresses:\n"
	"  - name: wan0\n"
	"    port: outside\n"
	"    address: 198.18.10.1/24\n"
	"    gateway: 198.18.10.254\n"
	"  - name: wan-1\n"
	"    port: wan_1\n"
	"    address: 10.0.0.0/31 # a /31 may use both addresses\n"
	"    gateway: 10.0.0.1\n"
	"  - name: host\n"
	"    port: wan_1\n"
	"    address: 192.0.2.7/32\n"
	"workers:\n"
	"  count: 4\n"
	"  idle_sleep_us: 0\n"
	"  burst: 256\n"
	"mempool:\n"
	"  mbufs: 1048575\n"
	"  cache: 512\n"
	"arp:\n"
	"  timeout_s: 86400\n"
	"  entries: 65536\n"
	"tcp:\n"
	"  max_connections: 1048576\n"
	"  max_half_open: 1\n"
	"  syncookies: off\n"
	"log:\n"
	"  level: debug\n";

static void check_good(const struct mgmt_config *c)
{
	static const char *const args[] = { "--no-huge",     "--no-pci", "-m", "256",
					    "--file-prefix", "gwa",	 "-l", "0-1" };

	assert_int_equal(c->eal_argc, 8);
	for (unsigned i = 0; i < 8; i++)
		assert_string_equal(c->eal_args[i], args[i]);

	assert_int_equal(c->n_ports, 3);
	assert_string_equal(c->ports[0].name, "inside");
	assert_string_equal(c->ports[0].devargs, "net_af_packet0,iface=gwa-in");
	assert_int_equal(c->ports[0].role, MGMT_PORT_INSIDE);
	assert_int_equal(c->ports[0].mtu, 0);
	assert_int_equal(c->ports[0].rx_desc, 1024);
	assert_int_equal(c->ports[0].tx_desc, 1024);
	assert_string_equal(c->ports[1].name, "outside");
	assert_int_equal(c->ports[1].role, MGMT_PORT_OUTSIDE);
	assert_int_equal(c->ports[1].mtu, 1500);
	assert_string_equal(c->ports[2].name, "wan_1");
	assert_string_equal(c->ports[2].devargs, "net_tap0,iface=wan1");
	assert_int_equal(c->ports[2].role, MGMT_PORT_WAN);
	assert_int_equal(c->ports[2].rx_desc, 512);
	assert_int_equal(c->ports[2].tx_desc, 2048);

	assert_int_equal(c->n_addrs, 3);
	assert_string_equal(c->addrs[0].name, "wan0");
	assert_int_equal(c->addrs[0].port, 1);
	assert_int_equal(c->addrs[0].ip, ip4("198.18.10.1"));
	assert_int_equal(c->addrs[0].prefix_len, 24);
	assert_true(c->addrs[0].has_gateway);
	assert_int_equal(c->addrs[0].gateway, ip4("198.18.10.254"));
	assert_string_equal(c->addrs[1].name, "wan-1");
	assert_int_equal(c->addrs[1].port, 2);
	assert_int_equal(c->addrs[1].ip, ip4("10.0.0.0"));
	assert_int_equal(c->addrs[1].prefix_len, 31);
	assert_int_equal(c->addrs[1].gateway, ip4("10.0.0.1"));
	assert_int_equal(c->addrs[2].ip, ip4("192.0.2.7"));
	assert_int_equal(c->addrs[2].prefix_len, 32);
	assert_false(c->addrs[2].has_gateway);
	assert_int_equal(c->addrs[2].gateway, 0);

	assert_int_equal(c->workers, 4);
	assert_int_equal(c->idle_sleep_us, 0);
	assert_int_equal(c->burst, 256);
	assert_int_equal(c->mbufs, 1048575);
	assert_int_equal(c->mbuf_cache, 512);
	assert_int_equal(c->arp_timeout_s, 86400);
	assert_int_equal(c->arp_entries, 65536);
	assert_int_equal(c->tcp_max_conns, 1048576);
	assert_int_equal(c->tcp_max_half_open, 1);
	assert_false(c->tcp_syncookies);
	assert_int_equal(c->log_level, LOG_DEBUG);
}

static void test_good_string(void **state)
{
	struct mgmt_config c;

	(void)state;
	parse_ok(good_cfg, &c);
	check_good(&c);
}

static void test_good_file(void **state)
{
	struct mgmt_config c;
	char err[MGMT_ERR_MAX];
	const char *path = temp_file(good_cfg, strlen(good_cfg));

	(void)state;
	assert_int_equal(mgmt_config_load(path, &c, err), 0);
	assert_string_equal(err, "");
	unlink(path);
	check_good(&c);
}

static void test_defaults(void **state)
{
	struct mgmt_config c;

	(void)state;
	parse_ok("eal:\n  args: []\nports:\n  - {name: p, devargs: net_null0, role: wan}\n", &c);
	assert_int_equal(c.eal_argc, 0);
	assert_int_equal(c.n_ports, 1);
	assert_int_equal(c.ports[0].role, MGMT_PORT_WAN);
	assert_int_equal(c.ports[0].mtu, 0);
	assert_int_equal(c.ports[0].rx_desc, 1024);
	assert_int_equal(c.ports[0].tx_desc, 1024);
	assert_int_equal(c.n_addrs, 0);
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.idle_sleep_us, 100);
	assert_int_equal(c.burst, 32);
	assert_int_equal(c.mbufs, 8191);
	assert_int_equal(c.mbuf_cache, 256);
	assert_int_equal(c.arp_timeout_s, 300);
	assert_int_equal(c.arp_entries, 1024);
	assert_int_equal(c.tcp_max_conns, 65536);
	assert_int_equal(c.tcp_max_half_open, 4096);
	assert_true(c.tcp_syncookies);
	assert_int_equal(c.log_level, LOG_INFO);

	/* empty optional sections and lists keep the defaults too */
	parse_ok("eal: {args: [a]}\nports: [{name: p, devargs: d, role: wan}]\naddresses: []\n"
		 "workers: {}\nmempool: {}\narp: {}\nlog: {}\n",
		 &c);
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.mbufs, 8191);
	assert_int_equal(c.arp_entries, 1024);
	assert_int_equal(c.log_level, LOG_INFO);
}

/* Built-in services: TCP by default, MPTCP when asked. */
static void test_services(void **state)
{
	struct mgmt_config c;
	char err[MGMT_ERR_MAX];
	static const char base[] =
		"eal: {args: [x]}\nports: [{name: p, devargs: d, role: wan}]\n"
		"addresses: [{name: a, port: p, address: 192.0.2.1/24}]\nservices:\n";
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "%s%s", base,
		 "  - {name: s1, kind: sink, listen: 5001}\n"
		 "  - {name: s2, kind: source, listen: 5002, mptcp: true, bytes: 1024}\n"
		 "  - {name: s3, kind: echo, connect: \"192.0.2.9:7\", from: a, mptcp: off}\n");
	parse_ok(text, &c);
	assert_int_equal(c.n_services, 3);
	assert_false(c.services[0].mptcp);
	assert_true(c.services[1].mptcp);
	assert_int_equal(c.services[1].listen_port, 5002);
	assert_false(c.services[2].mptcp);

	snprintf(text, sizeof(text), "%s%s", base,
		 "  - {name: s1, kind: sink, listen: 5001, mptcp: maybe}\n");
	assert_int_equal(parse(text, strlen(text), &c, err), -1);
	assert_non_null(strstr(err, "services[0].mptcp: 'maybe' is not a boolean"));

	/* per service: the scheduler, and coupled congestion control */
	snprintf(text, sizeof(text), "%s%s", base,
		 "  - {name: s1, kind: sink, listen: 5001, mptcp: true, scheduler: minrtt, cc: "
		 "lia}\n"
		 "  - {name: s2, kind: sink, listen: 5002, mptcp: true, cc: olia}\n");
	parse_ok(text, &c);
	assert_string_equal(c.services[0].scheduler, "minrtt");
	assert_string_equal(c.services[0].cc, "lia");
	assert_string_equal(c.services[1].scheduler, "");
	assert_string_equal(c.services[1].cc, "olia");
	static const struct {
		const char *svc, *reason;
	} bad[] = {
		{ "{name: s, kind: sink, listen: 1, mptcp: true, scheduler: fastest}",
		  "services[0].scheduler: unknown value 'fastest'" },
		{ "{name: s, kind: sink, listen: 1, scheduler: minrtt}",
		  "services[0].scheduler: a packet scheduler is for MPTCP" },
		{ "{name: s, kind: sink, listen: 1, cc: lia}",
		  "services[0].cc: 'lia' couples MPTCP subflows" },
		{ "{name: s, kind: sink, listen: 1, mptcp: true, cc: bbr}",
		  "services[0].cc: unknown value 'bbr'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s  - %s\n", base, bad[i].svc);
		assert_int_equal(parse(text, strlen(text), &c, err), -1);
		if (strstr(err, bad[i].reason) == NULL)
			fail_msg("%s: got '%s'", bad[i].svc, err);
	}
}

static void test_edge_values(void **state)
{
	struct mgmt_config c;

	(void)state;
	/* lower bounds, mtu 0, quoted numbers, the DPDK cache rule at its limit */
	parse_ok("eal: {args: [x]}\n"
		 "ports: [{name: p, devargs: d, role: wan, mtu: 68, rx_desc: 64, tx_desc: "
		 "\"16384\"}]\n"
		 "workers: {count: 1, idle_sleep_us: 100000, burst: 1}\n"
		 "mempool: {mbufs: 600, cache: 400}\n"
		 "arp: {timeout_s: 1, entries: 16}\n"
		 "log: {level: err}\n",
		 &c);
	assert_int_equal(c.ports[0].mtu, 68);
	assert_int_equal(c.ports[0].rx_desc, 64);
	assert_int_equal(c.ports[0].tx_desc, 16384);
	assert_int_equal(c.idle_sleep_us, 100000);
	assert_int_equal(c.burst, 1);
	assert_int_equal(c.mbufs, 600);
	assert_int_equal(c.mbuf_cache, 400);
	assert_int_equal(c.arp_timeout_s, 1);
	assert_int_equal(c.arp_entries, 16);
	assert_int_equal(c.log_level, LOG_ERR);

	parse_ok("eal: {args: [x]}\nports: [{name: p, devargs: d, role: wan, mtu: 0}]\n"
		 "mempool: {cache: 0}\nlog: {level: warning}\n",
		 &c);
	assert_int_equal(c.ports[0].mtu, 0);
	assert_int_equal(c.mbuf_cache, 0);
	assert_int_equal(c.log_level, LOG_WARNING);

	parse_ok("eal: {args: [x]}\nports: [{name: p, devargs: d, role: wan, mtu: 9600}]\n"
		 "log: {level: notice}\n",
		 &c);
	assert_int_equal(c.ports[0].mtu, 9600);
	assert_int_equal(c.log_level, LOG_NOTICE);

	/* a 31-character name and a 127-character EAL argument fit exactly */
	parse_ok("eal: {args: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]}\n"
		 "ports: [{name: abcdefghijklmnopqrstuvwxyz01234, devargs: d, role: wan}]\n",
		 &c);
	assert_int_equal(strlen(c.eal_args[0]), MGMT_EAL_ARG_LEN - 1);
	assert_int_equal(strlen(c.ports[0].name), MGMT_NAME_MAX - 1);
}

static void test_not_nul_terminated(void **state)
{
	struct mgmt_config c;
	char err[MGMT_ERR_MAX];
	size_t n = strlen(good_cfg);

	(void)state;
	/* exact-length heap copy without a NUL; ASan flags any read past it */
	assert_int_equal(parse(good_cfg, n, &c, err), 0);
	check_good(&c);
	/* a prefix of the text is parsed as exactly that prefix */
	assert_int_equal(parse(good_cfg, 4, &c, err), -1);
	assert_string_equal(err, NAME ":1: eal: expected a mapping, got a single value");
}

/*
 * The shipped example, etc/mpgwd.yaml.  Found from this file's compile-time
 * path, $MPGW_SRCDIR, or by walking up from the cwd and from the test binary
 * to a directory that has mgmt/config.h (so it runs from anywhere).
 */
static bool find_example(char *out, size_t size)
{
	char dirs[3][512] = { "", "", "" };
	const char *src = __FILE__, *cut = strstr(src, "tests/unit/");
	struct stat st;
	ssize_t n;

	snprintf(out, size, "%.*setc/mpgwd.yaml", cut ? (int)(cut - src) : 0, src);
	if (stat(out, &st) == 0)
		return true;
	if (getenv("MPGW_SRCDIR"))
		snprintf(dirs[0], sizeof(dirs[0]), "%s", getenv("MPGW_SRCDIR"));
	if (!getcwd(dirs[1], sizeof(dirs[1])))
		dirs[1][0] = '\0';
	n = readlink("/proc/self/exe", dirs[2], sizeof(dirs[2]) - 1);
	dirs[2][n > 0 ? n : 0] = '\0';
	for (int d = 0; d < 3; d++) {
		char dir[512], marker[600];

		memcpy(dir, dirs[d], sizeof(dir));
		while (*dir) {
			char *slash;

			snprintf(marker, sizeof(marker), "%s/mgmt/config.h", dir);
			if (stat(marker, &st) == 0) {
				snprintf(out, size, "%s/etc/mpgwd.yaml", dir);
				return true;
			}
			slash = strrchr(dir, '/');
			if (!slash)
				break;
			*slash = '\0';
		}
	}
	return false;
}

static void test_example_file(void **state)
{
	char path[1200], err[MGMT_ERR_MAX];
	struct mgmt_config c;

	(void)state;
	if (!find_example(path, sizeof(path)))
		fail_msg("etc/mpgwd.yaml not found (set MPGW_SRCDIR to the source tree)");
	if (mgmt_config_load(path, &c, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.eal_argc, 8);
	assert_string_equal(c.eal_args[0], "--no-huge");
	assert_string_equal(c.eal_args[3], "256");
	assert_int_equal(c.n_ports, 3);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_INSIDE), 0);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_OUTSIDE), 1);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_WAN), 2);
	assert_string_equal(c.ports[0].devargs, "net_af_packet0,iface=gwa-in");
	assert_int_equal(c.ports[1].mtu, 1500);
	assert_int_equal(c.n_addrs, 2);
	assert_string_equal(c.addrs[0].name, "wan0");
	assert_int_equal(c.addrs[0].port, 1);
	assert_int_equal(c.addrs[0].ip, ip4("198.18.10.1"));
	assert_int_equal(c.addrs[0].prefix_len, 24);
	assert_int_equal(c.addrs[0].gateway, ip4("198.18.10.254"));
	assert_int_equal(c.addrs[1].port, 2);
	assert_int_equal(c.workers, 1);
	assert_int_equal(c.idle_sleep_us, 100);
	assert_int_equal(c.burst, 32);
	assert_int_equal(c.mbufs, 8191);
	assert_int_equal(c.mbuf_cache, 256);
	assert_int_equal(c.arp_timeout_s, 300);
	assert_int_equal(c.arp_entries, 1024);
	assert_int_equal(c.log_level, LOG_INFO);
}

static void test_port_lookup(void **state)
{
	struct mgmt_config c;

	(void)state;
	parse_ok(good_cfg, &c);
	assert_int_equal(mgmt_config_port_index(&c, "inside"), 0);
	assert_int_equal(mgmt_config_port_index(&c, "outside"), 1);
	assert_int_equal(mgmt_config_port_index(&c, "wan_1"), 2);
	assert_int_equal(mgmt_config_port_index(&c, "wan"), -1);
	assert_int_equal(mgmt_config_port_index(&c, ""), -1);
	assert_int_equal(mgmt_config_port_index(&c, NULL), -1);
	assert_int_equal(mgmt_config_port_index(NULL, "inside"), -1);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_INSIDE), 0);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_OUTSIDE), 1);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_WAN), 2);
	assert_int_equal(mgmt_config_port_by_role(NULL, MGMT_PORT_WAN), -1);

	/* first port of a role; none of a role */
	parse_ok("eal: {args: []}\nports:\n"
		 "  - {name: a, devargs: d, role: wan}\n"
		 "  - {name: b, devargs: d, role: wan}\n",
		 &c);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_WAN), 0);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_INSIDE), -1);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_OUTSIDE), -1);
	assert_int_equal(mgmt_config_port_index(&c, "b"), 1);

	memset(&c, 0, sizeof(c));
	assert_int_equal(mgmt_config_port_index(&c, ""), -1);
	assert_int_equal(mgmt_config_port_by_role(&c, MGMT_PORT_INSIDE), -1);
}

/* ------------------------------------------------------------------------ */
/* Errors: one table row per case, each run as its own cmocka test          */

struct bad_case {
	const char *yaml;
	size_t len; /* 0: strlen(yaml) */
	const char *prefix; /* exact start of the message: "t.yaml:LINE: KEY: " */
	const char *reason; /* must occur in the rest of the message */
};

static void expect_error(const char *text, size_t len, const char *prefix, const char *reason)
{
	struct mgmt_config c;
	char err[MGMT_ERR_MAX];

	memset(&c, 0xa5, sizeof(c));
	memset(err, 'x', sizeof(err));
	if (parse(text, len, &c, err) != -1)
		fail_msg("no error, expected '%s%s'", prefix, reason);
	assert_true(all_zero(&c, sizeof(c)));
	assert_non_null(memchr(err, '\0', MGMT_ERR_MAX));
	if (getenv("TEST_CONFIG_VERBOSE"))
		print_message("%s\n", err);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err + strlen(prefix), reason))
		fail_msg("got      '%s'\nexpected '%s...%s...'", err, prefix, reason);
}

static void test_bad(void **state)
{
	const struct bad_case *b = *state;

	expect_error(b->yaml, b->len ? b->len : strlen(b->yaml), b->prefix, b->reason);
}

/* Each case starts from these; the comments give the line numbers they take. */
#define EAL "eal:\n  args: [--no-huge]\n" /* 1-2 */
#define PAIR                       \
	"ports:\n"                 \
	"  - name: in\n"           \
	"    devargs: net_null0\n" \
	"    role: inside\n"       \
	"  - name: out\n"          \
	"    devargs: net_null1\n" \
	"    role: outside\n" /* 3-9 */
#define SECTION(s) EAL PAIR s /* s starts on line 10 */
#define PORT(extra) EAL "ports:\n  - name: p\n    devargs: d\n    role: wan\n" extra /* extra: 7 */
#define ADDR(a) EAL PAIR "addresses:\n  - name: a\n    port: out\n    address: " a "\n" /* a: 13 */
#define GW(g) ADDR("198.18.10.1/24") "    gateway: " g "\n" /* g: 14 */

#define L(n) NAME ":" #n ": "
#define S16 "aaaaaaaaaaaaaaaa"
#define S32 S16 S16
#define S128 S32 S32 S32 S32
#define P8 "  - {name: p, devargs: d, role: wan}\n"
#define A8 "a, a, a, a, a, a, a, a, "

#define BADN(nm, y, n, p, r)                                                     \
	{                                                                        \
		.name = "bad_" nm, .test_func = test_bad,                        \
		.initial_state = (void *)&(const struct bad_case){ y, n, p, r }, \
	}
#define BAD(nm, y, p, r) BADN(nm, y, 0, p, r)

/* ------------------------------------------------------------------------ */
/* Errors that need more than one table row                                 */

static void test_crlf_bom(void **state)
{
	char buf[sizeof(good_cfg) * 2 + 8];
	struct mgmt_config c;
	char err[MGMT_ERR_MAX];
	size_t n = 0;

	(void)state;
	memcpy(buf, "\xef\xbb\xbf", 3); /* UTF-8 byte order mark */
	n = 3;
	for (const char *p = good_cfg; *p; p++) {
		if (*p == '\n')
			buf[n++] = '\r';
		buf[n++] = *p;
	}
	assert_int_equal(parse(buf, n, &c, err), 0);
	check_good(&c);

	/* lines are still counted right */
	n = (size_t)snprintf(buf, sizeof(buf), "%s", "eal:\r\n  args: []\r\nports: []\r\n");
	expect_error(buf, n, L(3) "ports: ", "needs at least 1 entry");
}

static void test_load_errors(void **state)
{
	struct mgmt_config c;
	char err[MGMT_ERR_MAX], want[MGMT_ERR_MAX + 64];
	const char *path;
	char *big;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(mgmt_config_load("/nonexistent/mpgwd.yaml", &c, err), -1);
	assert_string_equal(err, "/nonexistent/mpgwd.yaml: cannot open: No such file or directory");
	assert_true(all_zero(&c, sizeof(c)));

	assert_int_equal(mgmt_config_load("/", &c, err), -1);
	assert_string_equal(err, "/: cannot read: Is a directory");

	assert_int_equal(mgmt_config_load(NULL, &c, err), -1);
	assert_non_null(strstr(err, "no configuration file"));

	/* empty file: names the file and line 1 */
	path = temp_file("", 0);
	assert_int_equal(mgmt_config_load(path, &c, err), -1);
	snprintf(want, sizeof(want), "%s:1: (document): empty configuration", path);
	assert_memory_equal(err, want, strlen(want));
	unlink(path);

	/* a bad file: the message carries the path given */
	path = temp_file(PORT("    mtu: 70000\n"), strlen(PORT("    mtu: 70000\n")));
	assert_int_equal(mgmt_config_load(path, &c, err), -1);
	snprintf(want, sizeof(want), "%s:7: ports[0].mtu: 70000 is out of range (0 or 68..9600)",
		 path);
	assert_string_equal(err, want);
	assert_true(all_zero(&c, sizeof(c)));
	unlink(path);

	/* larger than 1 MiB: refused before parsing */
	big = malloc((1u << 20) + 2);
	assert_non_null(big);
	memset(big, '#', (1u << 20) + 1);
	path = temp_file(big, (1u << 20) + 1);
	free(big);
	assert_int_equal(mgmt_config_load(path, &c, err), -1);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(err, want);
	unlink(path);
}

static void test_bad_arguments(void **state)
{
	struct mgmt_config c;
	char err[MGMT_ERR_MAX];

	(void)state;
	assert_int_equal(mgmt_config_parse(NULL, 0, NAME, &c, err), -1);
	assert_string_equal(err,
			    L(1) "(document): empty configuration (eal and ports are required)");
	assert_int_equal(mgmt_config_parse(NULL, 5, NAME, &c, err), -1);
	assert_int_equal(mgmt_config_parse(good_cfg, strlen(good_cfg), NAME, NULL, err), -1);
	assert_int_equal(mgmt_config_parse(good_cfg, strlen(good_cfg), NAME, &c, NULL), -1);
	assert_true(all_zero(&c, sizeof(c)));
	assert_int_equal(mgmt_config_parse("x: 1\n", 5, NULL, &c, err), -1);
	assert_string_equal(err, "(config):1: x: unknown key");
	assert_int_equal(mgmt_config_load(NULL, NULL, err), -1);
}

static void test_deep_nesting(void **state)
{
	enum { DEPTH = 100000 };
	char *buf = malloc(2 * DEPTH + 16);
	size_t n = 0;

	(void)state;
	assert_non_null(buf);
	for (int i = 0; i < DEPTH; i++)
		buf[n++] = '[';
	expect_error(buf, n, L(1), "nested deeper than 32 levels");

	n = 0;
	for (int i = 0; i < DEPTH / 4; i++) {
		memcpy(buf + n, "{a: ", 4);
		n += 4;
	}
	expect_error(buf, n, L(1), "nested deeper than 32 levels");

	/* block style: one level per line, the error names the line */
	n = (size_t)sprintf(buf, "eal:\n");
	for (int i = 0; i < 40; i++)
		n += (size_t)sprintf(buf + n, "%*sk:\n", 2 * (i + 1), "");
	expect_error(buf, n, L(33), "nested deeper than 32 levels");
	free(buf);
}

/* ------------------------------------------------------------------------ */
/* Mutation loop: never crash, leak or read out of bounds; errors well formed */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static void check_message_form(const char *err)
{
	const char *p = err + strlen(NAME);
	char *end;
	unsigned long line;

	if (strncmp(err, NAME ":", strlen(NAME) + 1) != 0)
		fail_msg("bad message: %s", err);
	line = strtoul(p + 1, &end, 10);
	if (line < 1 || end == p + 1 || strncmp(end, ": ", 2) != 0)
		fail_msg("bad line in message: %s", err);
	/* KEY, then ": reason" */
	if (!strstr(end + 2, ": ") || end[2] == ' ' || end[2] == ':' || end[2] == '\0')
		fail_msg("bad key in message: %s", err);
	for (const char *q = err; *q; q++)
		if ((unsigned char)*q < 0x20)
			fail_msg("control character in message: %s", err);
}

static void test_fuzz(void **state)
{
	static const char *const tokens[] = {
		"-1",
		"-",
		"99999999999999999999",
		"4294967296",
		"0x10",
		"[",
		"]",
		"{",
		"}",
		"&a ",
		"*a",
		"!!str ",
		"!!int ",
		"~",
		"---\n",
		"...\n",
		"? ",
		": ",
		"- ",
		",",
		"\n",
		"\n  ",
		"\n    - ",
		"\t",
		"#",
		"\"",
		"'",
		"\\",
		"|\n",
		">\n",
		"%YAML 1.2\n",
		"\xff",
		"\xc3\xa9",
		"\xef\xbb\xbf",
		"ports",
		"addresses",
		"name",
		"role",
		"inside",
		"outside",
		"wan",
		"/33",
		"/0",
		".255",
		"256",
		"0",
		"1024",
		"1.5",
		"eal",
		"args",
		"workers",
		"mempool",
		"arp",
		"log",
		"level",
		"gateway",
		"port",
		"mtu",
	};
	enum { MAXLEN = 8192 };
	const char *env = getenv("TEST_CONFIG_FUZZ_ROUNDS"); /* for longer runs */
	const int ROUNDS = env ? atoi(env) : 5000;
	const size_t base_len = strlen(good_cfg);
	char *buf = malloc(MAXLEN + 64);
	unsigned ok = 0, bad = 0;

	(void)state;
	assert_non_null(buf);
	if (getenv("TEST_CONFIG_FUZZ_SEED"))
		rng_state = strtoull(getenv("TEST_CONFIG_FUZZ_SEED"), NULL, 0) | 1;
	for (int round = 0; round < ROUNDS; round++) {
		struct mgmt_config c;
		char err[MGMT_ERR_MAX];
		size_t len = base_len;
		int ops = 1 + (int)rnd(round % 10 == 0 ? 40 : 4);

		memcpy(buf, good_cfg, len);
		for (int k = 0; k < ops; k++) {
			size_t pos = rnd((uint32_t)len + 1);

			switch (rnd(7)) {
			case 0: /* random byte */
				if (len)
					buf[rnd((uint32_t)len)] = (char)rnd(256);
				break;
			case 1: /* delete a range */
				if (len) {
					size_t n = 1 + rnd(pos < len ? (uint32_t)(len - pos) : 1);

					if (pos + n > len)
						n = len - pos;
					memmove(buf + pos, buf + pos + n, len - pos - n);
					len -= n;
				}
				break;
			case 2:
			case 3: { /* insert a token */
				const char *t = tokens[rnd(sizeof(tokens) / sizeof(tokens[0]))];
				size_t n = strlen(t);

				if (len + n > MAXLEN)
					break;
				memmove(buf + pos + n, buf + pos, len - pos);
				memcpy(buf + pos, t, n);
				len += n;
				break;
			}
			case 4: /* duplicate a range elsewhere */
				if (len) {
					size_t from = rnd((uint32_t)len), n = 1 + rnd(64);

					if (from + n > len)
						n = len - from;
					if (len + n > MAXLEN)
						break;
					memmove(buf + pos + n, buf + pos, len - pos);
					memmove(buf + pos, buf + (from < pos ? from : from + n), n);
					len += n;
				}
				break;
			case 5: /* truncate */
				len = pos;
				break;
			default: /* NUL or newline somewhere */
				if (len)
					buf[rnd((uint32_t)len)] = rnd(2) ? '\0' : '\n';
				break;
			}
		}

		memset(err, 'x', sizeof(err));
		memset(&c, 0xa5, sizeof(c));
		if (parse(buf, len, &c, err) == 0) {
			ok++;
			assert_string_equal(err, "");
			assert_in_range(c.n_ports, 1, MGMT_PORTS_MAX);
			assert_in_range(c.n_addrs, 0, MGMT_ADDRS_MAX);
			assert_in_range(c.eal_argc, 0, MGMT_EAL_ARGS_MAX);
			for (unsigned i = 0; i < c.n_ports; i++) {
				assert_non_null(memchr(c.ports[i].name, '\0', MGMT_NAME_MAX));
				assert_non_null(memchr(c.ports[i].devargs, '\0', MGMT_DEVARGS_MAX));
				assert_int_equal(mgmt_config_port_index(&c, c.ports[i].name), i);
			}
			for (unsigned i = 0; i < c.n_addrs; i++)
				assert_in_range(c.addrs[i].port, 0, c.n_ports - 1);
			assert_in_range(c.workers, 1, 16);
			assert_in_range(c.log_level, LOG_ERR, LOG_DEBUG);
		} else {
			bad++;
			assert_true(all_zero(&c, sizeof(c)));
			assert_non_null(memchr(err, '\0', sizeof(err)));
			check_message_form(err);
		}
	}
	free(buf);
	print_message("fuzz: %u accepted, %u rejected\n", ok, bad);
	assert_true(ok > (unsigned)ROUNDS / 50);
	assert_true(bad > (unsigned)ROUNDS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_string),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_edge_values),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_port_lookup),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_deep_nesting),

		/* unknown keys */
		BAD("unknown_key_top", SECTION("colour: blue\n"), L(10) "colour: ", "unknown key"),
		BAD("unknown_key_case", EAL "Ports: []\n", L(3) "Ports: ", "unknown key"),
		BAD("unknown_key_port", PORT("    speed: 10\n"),
		    L(7) "ports[0].speed: ", "unknown key"),
		BAD("unknown_key_second_port", EAL PAIR "    vlan: 7\n",
		    L(10) "ports[1].vlan: ", "unknown key"),
		BAD("unknown_key_workers", SECTION("workers:\n  count: 2\n  threads: 3\n"),
		    L(12) "workers.threads: ", "unknown key"),
		BAD("unknown_key_eal", "eal:\n  args: []\n  argv: []\n",
		    L(3) "eal.argv: ", "unknown key"),
		BAD("unknown_key_address", ADDR("198.18.10.1/24") "    mask: 24\n",
		    L(14) "addresses[0].mask: ", "unknown key"),

		/* missing keys */
		BAD("missing_eal", "\n# no eal\nports: [{name: p, devargs: d, role: wan}]\n",
		    L(3) "eal: ", "required key missing"),
		BAD("missing_ports", EAL, L(1) "ports: ", "required key missing"),
		BAD("missing_args", "eal: {}\nports: [{name: p, devargs: d, role: wan}]\n",
		    L(1) "eal.args: ", "required key missing"),
		BAD("missing_devargs",
		    EAL "ports:\n  - name: p\n    role: wan\n  - name: q\n    role: wan\n",
		    L(4) "ports[0].devargs: ", "required key missing"),
		BAD("missing_role", EAL "ports:\n" P8 "  - name: q\n    devargs: e\n",
		    L(5) "ports[1].role: ", "required key missing"),
		BAD("missing_address", EAL PAIR "addresses:\n  - name: a\n    port: out\n",
		    L(11) "addresses[0].address: ", "required key missing"),

		/* duplicates */
		BAD("duplicate_key", PORT("    role: wan\n"),
		    L(7) "ports[0].role: ", "duplicate key"),
		BAD("duplicate_section", SECTION("log: {level: info}\nlog: {level: err}\n"),
		    L(11) "log: ", "duplicate key"),
		BAD("duplicate_port_name",
		    EAL "ports:\n" P8 "\n  - name: p\n    devargs: e\n    role: wan\n",
		    L(6) "ports[1].name: ", "duplicate port name 'p' (also ports[0])"),
		BAD("duplicate_address_name",
		    ADDR("198.18.10.1/24") "  - name: a\n    port: out\n    address: "
					   "198.18.10.2/24\n",
		    L(14) "addresses[1].name: ", "duplicate address name 'a' (also addresses[0])"),
		BAD("duplicate_address_ip",
		    ADDR("198.18.10.1/24") "  - name: b\n    port: out\n    address: "
					   "198.18.10.1/16\n",
		    L(16) "addresses[1].address: ", "also used by addresses[0]"),

		/* roles and ports */
		BAD("role_unknown", EAL "ports:\n  - name: p\n    devargs: d\n    role: insde\n",
		    L(6) "ports[0].role: ", "unknown value 'insde' (inside|outside|wan)"),
		BAD("role_inside_without_outside",
		    EAL "ports:\n" P8 "  - name: i\n    devargs: e\n    role: inside\n",
		    L(7) "ports[1].role: ", "an inside port needs an outside port"),
		BAD("role_outside_without_inside",
		    EAL "ports:\n  - name: o\n    devargs: d\n    role: outside\n",
		    L(6) "ports[0].role: ", "an outside port needs an inside port"),
		BAD("role_two_inside", EAL PAIR "  - name: in2\n    devargs: x\n    role: inside\n",
		    L(12) "ports[2].role: ", "a second port with role inside (first: ports[0])"),
		BAD("role_two_outside", EAL PAIR "  - {name: o2, devargs: x, role: outside}\n",
		    L(10) "ports[2].role: ", "a second port with role outside (first: ports[1])"),
		BAD("address_unknown_port",
		    EAL PAIR
		    "addresses:\n  - name: a\n    port: nope\n    address: 198.18.10.1/24\n",
		    L(12) "addresses[0].port: ", "no port named 'nope'"),
		BAD("address_on_inside_port",
		    EAL PAIR "addresses:\n  - name: a\n    port: in\n    address: 198.18.10.1/24\n",
		    L(12) "addresses[0].port: ",
		    "port 'in' has role inside (must be outside or wan)"),

		/* addresses */
		BAD("address_syntax", ADDR("198.18.10/24"), L(13) "addresses[0].address: ",
		    "'198.18.10/24' is not an IPv4 address with a prefix length (a.b.c.d/len)"),
		BAD("address_no_prefix", ADDR("198.18.10.1"),
		    L(13) "addresses[0].address: ", "is not an IPv4 address with a prefix length"),
		BAD("address_octet", ADDR("198.18.256.1/24"),
		    L(13) "addresses[0].address: ", "is not an IPv4 address"),
		BAD("address_leading_zero", ADDR("198.018.10.1/24"),
		    L(13) "addresses[0].address: ", "is not an IPv4 address"),
		BAD("address_trailing", ADDR("198.18.10.1/24x"),
		    L(13) "addresses[0].address: ", "is not an IPv4 address"),
		BAD("address_prefix_33", ADDR("198.18.10.1/33"),
		    L(13) "addresses[0].address: ", "prefix length 33 is out of range (1..32)"),
		BAD("address_prefix_0", ADDR("198.18.10.1/0"),
		    L(13) "addresses[0].address: ", "prefix length 0 is out of range (1..32)"),
		BAD("address_network", ADDR("198.18.10.0/24"), L(13) "addresses[0].address: ",
		    "198.18.10.0/24 is the network address of its prefix"),
		BAD("address_broadcast", ADDR("198.18.10.255/24"),
		    L(13) "addresses[0].address: ", "is the broadcast address of its prefix"),
		BAD("address_list", ADDR("[198.18.10.1/24]"),
		    L(13) "addresses[0].address: ", "expected a single value, got a list"),
		BAD("gateway_outside_prefix", GW("198.18.11.254"), L(14) "addresses[0].gateway: ",
		    "198.18.11.254 is outside the address's prefix 198.18.10.1/24"),
		BAD("gateway_is_address", GW("198.18.10.1"),
		    L(14) "addresses[0].gateway: ", "is the address itself"),
		BAD("gateway_with_prefix", GW("198.18.10.254/24"),
		    L(14) "addresses[0].gateway: ", "is not an IPv4 address (a.b.c.d)"),
		BAD("gateway_broadcast", GW("198.18.10.255"),
		    L(14) "addresses[0].gateway: ", "network or broadcast"),

		/* numbers */
		BAD("mtu_low", PORT("    mtu: 67\n"),
		    L(7) "ports[0].mtu: ", "67 is out of range (0 or 68..9600)"),
		BAD("mtu_high", PORT("    mtu: 9601\n"),
		    L(7) "ports[0].mtu: ", "9601 is out of range"),
		BAD("mtu_negative", PORT("    mtu: -5\n"),
		    L(7) "ports[0].mtu: ", "-5 is out of range"),
		BAD("mtu_huge", PORT("    mtu: 99999999999999999999999\n"),
		    L(7) "ports[0].mtu: ", "99999999999999999999999 is out of range"),
		BAD("mtu_hex", PORT("    mtu: 0x10\n"),
		    L(7) "ports[0].mtu: ", "'0x10' is not a decimal number"),
		BAD("mtu_float", PORT("    mtu: 1500.0\n"),
		    L(7) "ports[0].mtu: ", "'1500.0' is not a decimal number"),
		BAD("mtu_empty", PORT("    mtu:\n"), L(7) "ports[0].mtu: ", "missing number"),
		BAD("mtu_list", PORT("    mtu: [1]\n"),
		    L(7) "ports[0].mtu: ", "expected a single value, got a list"),
		BAD("rx_desc_not_pow2", PORT("    rx_desc: 1000\n"),
		    L(7) "ports[0].rx_desc: ", "1000 is not a power of 2 (64..16384)"),
		BAD("rx_desc_low", PORT("    rx_desc: 32\n"),
		    L(7) "ports[0].rx_desc: ", "32 is out of range (64..16384)"),
		BAD("tx_desc_high", PORT("    tx_desc: 32768\n"),
		    L(7) "ports[0].tx_desc: ", "32768 is out of range"),
		BAD("workers_count_0", SECTION("workers:\n  count: 0\n"),
		    L(11) "workers.count: ", "0 is out of range (1..16)"),
		BAD("workers_count_17", SECTION("workers:\n  count: 17\n"),
		    L(11) "workers.count: ", "17 is out of range (1..16)"),
		BAD("idle_sleep_high", SECTION("workers: {idle_sleep_us: 100001}\n"),
		    L(10) "workers.idle_sleep_us: ", "100001 is out of range (0..100000)"),
		BAD("burst_0", SECTION("workers:\n  burst: 0\n"),
		    L(11) "workers.burst: ", "0 is out of range (1..256)"),
		BAD("burst_257", SECTION("workers:\n  burst: 257\n"),
		    L(11) "workers.burst: ", "257 is out of range (1..256)"),
		BAD("mbufs_low", SECTION("mempool:\n  mbufs: 511\n"),
		    L(11) "mempool.mbufs: ", "511 is out of range (512..1048575)"),
		BAD("mbufs_high", SECTION("mempool:\n  mbufs: 1048576\n"),
		    L(11) "mempool.mbufs: ", "out of range"),
		BAD("cache_high", SECTION("mempool:\n  cache: 513\n"),
		    L(11) "mempool.cache: ", "513 is out of range (0..512)"),
		BAD("cache_above_dpdk_rule", SECTION("mempool:\n  mbufs: 600\n  cache: 401\n"),
		    L(12) "mempool.cache: ", "(cache <= mbufs / 1.5)"),
		BAD("arp_timeout_0", SECTION("arp:\n  timeout_s: 0\n"),
		    L(11) "arp.timeout_s: ", "0 is out of range (1..86400)"),
		BAD("arp_timeout_high", SECTION("arp:\n  timeout_s: 86401\n"),
		    L(11) "arp.timeout_s: ", "out of range"),
		BAD("arp_entries_not_pow2", SECTION("arp:\n  entries: 1000\n"),
		    L(11) "arp.entries: ", "1000 is not a power of 2 (16..65536)"),
		BAD("arp_entries_low", SECTION("arp:\n  entries: 8\n"),
		    L(11) "arp.entries: ", "8 is out of range (16..65536)"),
		BAD("arp_entries_high", SECTION("arp:\n  entries: 131072\n"),
		    L(11) "arp.entries: ", "out of range"),
		BAD("tcp_max_conns_0", SECTION("tcp:\n  max_connections: 0\n"),
		    L(11) "tcp.max_connections: ", "0 is out of range (1..1048576)"),
		BAD("tcp_half_open_high", SECTION("tcp:\n  max_half_open: 1048577\n"),
		    L(11) "tcp.max_half_open: ", "out of range"),
		BAD("tcp_syncookies", SECTION("tcp:\n  syncookies: maybe\n"),
		    L(11) "tcp.syncookies: ", "'maybe' is not a boolean (true|false)"),
		BAD("log_level", SECTION("log:\n  level: verbose\n"),
		    L(11) "log.level: ", "unknown value 'verbose' (err|warning|notice|info|debug)"),

		/* strings and lists */
		BAD("ports_empty", EAL "ports: []\n", L(3) "ports: ", "needs at least 1 entry"),
		BAD("ports_too_many", EAL "ports:\n" P8 P8 P8 P8 P8 P8 P8 P8 P8,
		    L(12) "ports: ", "too many entries (at most 8)"),
		BAD("eal_too_many", "eal:\n  args: [" A8 A8 A8 A8 "a]\n",
		    L(2) "eal.args: ", "too many entries (at most 32)"),
		BAD("eal_arg_long", "eal:\n  args: [x, " S128 "]\n",
		    L(2) "eal.args[1]: ", "too long (at most 127 characters)"),
		BAD("eal_arg_control", "eal:\n  args: [\"a\\tb\"]\n" PAIR,
		    L(2) "eal.args[0]: ", "contains a control character"),
		BAD("eal_args_scalar", "eal:\n  args: --no-huge\n",
		    L(2) "eal.args: ", "expected a list, got a single value"),
		BAD("name_long", EAL "ports:\n  - name: " S32 "\n",
		    L(4) "ports[0].name: ", "too long (at most 31 characters)"),
		BAD("name_chars", EAL "ports:\n  - name: in side\n    devargs: d\n    role: wan\n",
		    L(4) "ports[0].name: ", "'in side' has a character other than A-Z a-z 0-9 _ -"),
		BAD("name_empty", EAL "ports:\n  - name: \"\"\n    devargs: d\n    role: wan\n",
		    L(4) "ports[0].name: ", "must not be empty"),
		BAD("devargs_long", EAL "ports:\n  - name: p\n    devargs: " S128 S128 "\n",
		    L(5) "ports[0].devargs: ", "too long (at most 255 characters)"),

		/* structure */
		BAD("workers_scalar", SECTION("workers: 5\n"),
		    L(10) "workers: ", "expected a mapping, got a single value"),
		BAD("ports_mapping", EAL "ports: {a: b}\n",
		    L(3) "ports: ", "expected a list, got a mapping"),
		BAD("top_list", "- a\n- b\n",
		    L(1) "(document): ", "expected a mapping, got a list"),
		BAD("top_scalar", "\n\nhello\n", L(3) "(document): ", "expected a mapping"),
		BAD("odd_key", EAL PAIR "\"a.b\": 1\n", L(10) "\"a.b\": ", "unknown key"),
		BAD("odd_key_nested", PORT("    \"\": 1\n"), L(7) "ports[0].\"\": ", "unknown key"),
		BAD("odd_key_syntax", EAL "\" :\": [\n", L(4) "\" :\": ", "YAML syntax error"),
		BAD("complex_key", EAL "? [a]\n: b\n",
		    L(3) "(document): ", "a mapping key must be a plain value"),
		BAD("alias", EAL "ports: &p\n  - {name: a, devargs: d, role: wan}\naddresses: *p\n",
		    L(5) "addresses: ", "YAML aliases (*p) are not supported"),
		BAD("two_documents", "---\n" EAL PAIR "---\nfoo: 1\n",
		    L(11) "(document): ", "only one YAML document is allowed"),

		/* YAML syntax and encoding */
		BAD("syntax_unclosed_flow",
		    EAL "ports: [{name: p, devargs: d, role: wan}\n"
			"addresses: []\n",
		    L(4) "", "YAML syntax error"),
		BAD("syntax_indent", EAL "ports:\n  - name: p\n   devargs: d\n", L(5) "",
		    "YAML syntax error"),
		BAD("syntax_unclosed_quote", PORT("    mtu: \"15\n"), L(8) "",
		    "YAML syntax error: found unexpected end of stream"),
		BAD("syntax_tab", "eal:\n\targs: []\n", L(2) "", "YAML syntax error"),
		BADN("nul_byte", "eal:\n  args: [a\0b]\n", 19, L(2) "",
		     "invalid input: control characters are not allowed"),
		BAD("invalid_utf8", "eal:\n  args: [\xff]\n", L(2) "", "invalid input"),
		BAD("empty", "",
		    L(1) "(document): ", "empty configuration (eal and ports are required)"),
		BAD("comments_only", "# nothing here\n\n",
		    L(1) "(document): ", "empty configuration"),
		BAD("null_document", "~\n", L(1) "(document): ", ""),

		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
