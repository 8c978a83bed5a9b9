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
#include "tcpstack/tcpstack.h"

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

/* The example's commented-out sections (the proxy's, the management
 * plane's), uncommented, parse too. */
static void check_example_proxy(const char *path)
{
	static struct mgmt_config c;
	char line[512], err[MGMT_ERR_MAX];
	size_t size = 1 << 16, n = 0;
	char *text = malloc(size);
	bool on = false;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(text);
	while (fgets(line, sizeof(line), f)) {
		const char *l = line;

		on = (on || strncmp(line, "# proxy:", 8) == 0 ||
		      strncmp(line, "# control:", 10) == 0) &&
		     line[0] == '#';
		if (on && line[0] == '#')
			l = line[1] == ' ' ? line + 2 : line + 1;
		n += (size_t)snprintf(text + n, size - n, "%s", l);
		assert_true(n < size);
	}
	fclose(f);
	if (mgmt_config_parse(text, n, path, &c, err) != 0)
		fail_msg("the example's proxy sections, uncommented: %s", err);
	free(text);
	assert_int_equal(c.proxy_port, 6543);
	assert_int_equal(c.n_peers, 1);
	assert_int_equal(c.peers[0].n_paths, 2);
	assert_non_null(strstr(c.peers[0].psk_file, "etc/gwb.key"));
	assert_int_equal(c.n_rules, 2);
	assert_int_equal(c.rules[1].action, MGMT_RULE_INTERCEPT);
	assert_int_equal(c.n_served, 1);
	assert_string_equal(c.ctl_socket, "/run/mpgwd.sock");
	assert_int_equal(c.ctl_owner, 0);
	assert_int_equal(c.ctl_group, 0);
	assert_int_equal(c.ctl_mode, 0660);
	assert_string_equal(c.metrics_listen, "127.0.0.1:9477");
	assert_int_equal(c.health_probe_interval_ms, 1000);
	assert_int_equal(c.health_degraded_loss_pct, 5);
	assert_int_equal(c.health_degraded_rtt_ms, 0);
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
	assert_int_equal(c.n_peers, 0);
	assert_string_equal(c.ctl_socket, "/run/mpgwd.sock"); /* commented out: defaults */
	assert_int_equal(c.ctl_owner, -1);
	assert_string_equal(c.metrics_listen, "127.0.0.1:9477");
	check_example_proxy(path);
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

/* ------------------------------------------------------------------------ */
/* Peers, rules, served prefixes and the proxy                              */

/* The cases start from a box with two addresses (lines 1-6). */
#define BOX                                                       \
	EAL "ports: [{name: w, devargs: d, role: wan}]\n"         \
	    "addresses:\n"                                        \
	    "  - {name: wan0, port: w, address: 198.18.1.1/24}\n" \
	    "  - {name: wan1, port: w, address: 198.18.3.1/24}\n" /* 1-6 */
#define K16 "00112233445566778899aabbccddeeff" /* a 16-byte key */
#define PEER(extra) BOX "peers:\n  - name: gwb\n" extra /* extra: 9 */
#define GW_PATHS(paths) PEER("    psk: " K16 "\n    paths:\n" paths) /* paths: 11 */
#define P0 "{name: p0, local: wan0, remote: 198.18.2.2}"
#define GWB GW_PATHS("      - " P0 "\n") /* 1-11 */
#define RULE(extra) GWB "rules:\n  - name: r\n" extra /* extra: 14 */
#define PROXY(extra) BOX "proxy:\n" extra /* extra: 8 */

static const char proxy_cfg[] = BOX
	"rules:\n"
	"  - name: web\n"
	"    dst: 198.18.2.0/24\n"
	"    src: 198.18.1.0/24\n"
	"    dport: 80\n"
	"    sport: \"1024-65535\"\n"
	"    action: intercept\n"
	"    peer: gwb            # a peer defined below\n"
	"  - {name: v6, dst: \"2001:db8::/32\", src: \"::/0\", dport: 0-65535, action: intercept,\n"
	"     peer: srv}\n"
	"  - {name: host6, dst: \"2001:db8::1\", sport: 00443, action: passthrough}\n"
	"  - {name: rest, dst: 0.0.0.0/0, action: deny}\n"
	"  - {name: one, dst: 10.1.2.3, dport: 22-22, action: deny}\n"
	"peers:\n"
	"  - name: gwb\n"
	"    kind: gateway\n"
	"    psk: 00112233445566778899AABBCCDDEEFF0011223344556677\n"
	"    scheduler: minrtt\n"
	"    cc: lia\n"
	"    paths:\n"
	"      - name: p0\n"
	"        local: wan0\n"
	"        remote: 198.18.2.2\n"
	"        backup: false\n"
	"      - {name: p1, local: wan1, remote: 198.18.4.2, backup: true}\n"
	"  - name: gwc\n"
	"    port: 6000\n"
	"    psk_file: keys/gwc.key\n"
	"    paths: [{name: p0, local: wan1, remote: 198.18.5.2}]\n"
	"  - name: srv\n"
	"    kind: mptcp-server\n"
	"    cc: olia\n"
	"    paths: [{name: a, local: wan1}, {name: b, local: wan0, backup: yes}]\n"
	"  - name: cl\n"
	"    kind: mptcp-clients\n"
	"    listen: 7000\n"
	"    backend: 198.18.2.10:80\n"
	"  - {name: cl2, kind: mptcp-clients, listen: 7001, backend: \"10.0.0.1:8080\",\n"
	"     paths: [{name: p, local: wan0, remote: 203.0.113.1}]}\n"
	"served: [198.18.2.0/24, \"2001:db8::/32\", 192.0.2.1, \"::/0\"]\n"
	"proxy:\n"
	"  port: 7777\n"
	"  max_connections: 1048576\n"
	"  buffer: 16384\n"
	"  connect_timeout_ms: 600000\n"
	"  idle_timeout_s: 0\n";

static void assert_prefix(const struct mgmt_prefix *p, const char *addr, unsigned len)
{
	struct mgmt_prefix want = { 0 };

	want.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	want.len = (uint8_t)len;
	assert_int_equal(inet_pton(want.family, addr, want.addr), 1);
	assert_memory_equal(p, &want, sizeof(want));
}

static void test_proxy_sections(void **state)
{
	static const uint8_t key[] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
				       0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	static struct mgmt_config c;
	const struct mgmt_peer *p;
	const struct mgmt_rule *r;

	(void)state;
	parse_ok(proxy_cfg, &c);

	assert_int_equal(c.n_peers, 5);
	p = &c.peers[0];
	assert_string_equal(p->name, "gwb");
	assert_int_equal(p->kind, MGMT_PEER_GATEWAY);
	assert_int_equal(p->port, 7777); /* the box's proxy.port */
	assert_int_equal(p->psk_len, sizeof(key));
	assert_memory_equal(p->psk, key, sizeof(key));
	assert_string_equal(p->psk_file, "");
	assert_string_equal(p->scheduler, "minrtt");
	assert_string_equal(p->cc, "lia");
	assert_int_equal(p->n_paths, 2);
	assert_string_equal(p->paths[0].name, "p0");
	assert_int_equal(p->paths[0].local, 0);
	assert_int_equal(p->paths[0].remote_ip, ip4("198.18.2.2"));
	assert_false(p->paths[0].backup);
	assert_string_equal(p->paths[1].name, "p1");
	assert_int_equal(p->paths[1].local, 1);
	assert_int_equal(p->paths[1].remote_ip, ip4("198.18.4.2"));
	assert_true(p->paths[1].backup);
	assert_int_equal(p->listen_port, 0);

	p = &c.peers[1];
	assert_int_equal(p->kind, MGMT_PEER_GATEWAY);
	assert_int_equal(p->port, 6000);
	assert_int_equal(p->psk_len, 0); /* read by mgmt_config_load() */
	assert_string_equal(p->psk_file, "keys/gwc.key");
	assert_string_equal(p->scheduler, "");
	assert_string_equal(p->cc, "");

	p = &c.peers[2];
	assert_int_equal(p->kind, MGMT_PEER_MPTCP_SERVER);
	assert_int_equal(p->port, 0);
	assert_int_equal(p->psk_len, 0);
	assert_string_equal(p->cc, "olia");
	assert_int_equal(p->n_paths, 2);
	assert_int_equal(p->paths[0].local, 1);
	assert_int_equal(p->paths[0].remote_ip, 0);
	assert_false(p->paths[0].backup);
	assert_int_equal(p->paths[1].local, 0);
	assert_true(p->paths[1].backup);

	p = &c.peers[3];
	assert_int_equal(p->kind, MGMT_PEER_MPTCP_CLIENTS);
	assert_int_equal(p->n_paths, 0);
	assert_int_equal(p->listen_port, 7000);
	assert_int_equal(p->backend_ip, ip4("198.18.2.10"));
	assert_int_equal(p->backend_port, 80);
	assert_int_equal(p->port, 0);
	p = &c.peers[4];
	assert_int_equal(p->listen_port, 7001);
	assert_int_equal(p->backend_port, 8080);
	assert_int_equal(p->n_paths, 1);
	assert_int_equal(p->paths[0].remote_ip, ip4("203.0.113.1"));

	/* rules keep their order; the peer is found whatever the key order */
	assert_int_equal(c.n_rules, 5);
	r = &c.rules[0];
	assert_string_equal(r->name, "web");
	assert_int_equal(r->action, MGMT_RULE_INTERCEPT);
	assert_int_equal(r->peer, 0);
	assert_prefix(&r->dst, "198.18.2.0", 24);
	assert_prefix(&r->src, "198.18.1.0", 24);
	assert_true(r->has_dport);
	assert_int_equal(r->dport_lo, 80);
	assert_int_equal(r->dport_hi, 80);
	assert_true(r->has_sport);
	assert_int_equal(r->sport_lo, 1024);
	assert_int_equal(r->sport_hi, 65535);
	r = &c.rules[1];
	assert_int_equal(r->peer, 2);
	assert_prefix(&r->dst, "2001:db8::", 32);
	assert_prefix(&r->src, "::", 0);
	assert_true(r->has_dport);
	assert_int_equal(r->dport_lo, 0);
	assert_int_equal(r->dport_hi, 65535);
	assert_false(r->has_sport);
	r = &c.rules[2];
	assert_int_equal(r->action, MGMT_RULE_PASSTHROUGH);
	assert_int_equal(r->peer, 0);
	assert_prefix(&r->dst, "2001:db8::1", 128); /* a bare address: a host */
	assert_int_equal(r->src.family, 0); /* any source */
	assert_false(r->has_dport);
	assert_int_equal(r->sport_lo, 443);
	assert_int_equal(r->sport_hi, 443);
	r = &c.rules[3];
	assert_int_equal(r->action, MGMT_RULE_DENY);
	assert_prefix(&r->dst, "0.0.0.0", 0);
	r = &c.rules[4];
	assert_prefix(&r->dst, "10.1.2.3", 32);
	assert_int_equal(r->dport_lo, 22);
	assert_int_equal(r->dport_hi, 22);

	assert_int_equal(c.n_served, 4);
	assert_prefix(&c.served[0], "198.18.2.0", 24);
	assert_prefix(&c.served[1], "2001:db8::", 32);
	assert_prefix(&c.served[2], "192.0.2.1", 32);
	assert_prefix(&c.served[3], "::", 0);

	assert_int_equal(c.proxy_port, 7777);
	assert_int_equal(c.proxy_max_conns, 1048576);
	assert_int_equal(c.proxy_buffer, 16384);
	assert_int_equal(c.proxy_connect_timeout_ms, 600000);
	assert_int_equal(c.proxy_idle_timeout_s, 0);
}

static void test_proxy_defaults(void **state)
{
	static const char *const texts[] = {
		EAL "ports: [{name: w, devargs: d, role: wan}]\n",
		EAL "ports: [{name: w, devargs: d, role: wan}]\n"
		    "peers: []\nrules: []\nserved: []\nproxy: {}\n",
	};
	static struct mgmt_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse_ok(texts[i], &c);
		assert_int_equal(c.n_peers, 0);
		assert_int_equal(c.n_rules, 0);
		assert_int_equal(c.n_served, 0);
		assert_int_equal(c.proxy_port, 6543);
		assert_int_equal(c.proxy_max_conns, 4096);
		assert_int_equal(c.proxy_buffer, 1048576);
		assert_int_equal(c.proxy_connect_timeout_ms, 3000);
		assert_int_equal(c.proxy_idle_timeout_s, 3600);
	}

	/* the other ends of the ranges; a peer's port defaults to 6543 */
	parse_ok(PROXY("  port: 1\n  max_connections: 1\n  buffer: 67108864\n"
		       "  connect_timeout_ms: 100\n  idle_timeout_s: 604800\n") "peers:\n"
										"  - {name: g, "
										"psk: " K16 K16 K16
											K16
										", paths: [{name: "
										"p, local: wan0, "
										"remote: "
										"192.0.2.1}]}\n",
		 &c);
	assert_int_equal(c.proxy_port, 1);
	assert_int_equal(c.proxy_max_conns, 1);
	assert_int_equal(c.proxy_buffer, 67108864);
	assert_int_equal(c.proxy_connect_timeout_ms, 100);
	assert_int_equal(c.proxy_idle_timeout_s, 604800);
	assert_int_equal(c.peers[0].port, 1);
	assert_int_equal(c.peers[0].psk_len, MGMT_PSK_MAX);
	parse_ok(GWB, &c);
	assert_int_equal(c.peers[0].port, 6543);
	assert_int_equal(c.peers[0].psk_len, MGMT_PSK_MIN);
}

/* The congestion controls a peer or a service may name are the stack's. */
static void test_cc_names(void **state)
{
	static const char *const names[] = { "cubic", "newreno", "reno", "lia", "olia" };
	static struct mgmt_config c;
	char text[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), "%s    cc: %s\n", GWB, names[i]);
		parse_ok(text, &c);
		assert_string_equal(c.peers[0].cc, names[i]);
		assert_true(tcpstack_cc_known(names[i]));
	}
	assert_false(tcpstack_cc_known("bbr"));
	snprintf(text, sizeof(text), "%s    cc: bbr\n", GWB);
	expect_error(text, strlen(text),
		     L(12) "peers[0].cc: ", "unknown value 'bbr' (cubic|newreno|reno|lia|olia)");
}

static const char psk_file_cfg[] = PEER("    psk_file: gwb.key\n    paths: [" P0 "]\n");

/* psk_file: parse records the path, from the configuration's directory. */
static void test_psk_file_path(void **state)
{
	static const char *const text = psk_file_cfg;
	static const char abs_text[] = PEER("    psk_file: /k/gwb.key\n    paths: [" P0 "]\n");
	static struct mgmt_config c;
	char err[MGMT_ERR_MAX], path[512];

	(void)state;
	assert_int_equal(mgmt_config_parse(text, strlen(text), "/etc/mpgw/gw.yaml", &c, err), 0);
	assert_string_equal(c.peers[0].psk_file, "/etc/mpgw/gwb.key");
	assert_int_equal(c.peers[0].psk_len, 0);
	assert_int_equal(mgmt_config_parse(text, strlen(text), "conf/gw.yaml", &c, err), 0);
	assert_string_equal(c.peers[0].psk_file, "conf/gwb.key");
	assert_int_equal(mgmt_config_parse(text, strlen(text), "gw.yaml", &c, err), 0);
	assert_string_equal(c.peers[0].psk_file, "gwb.key");
	assert_int_equal(mgmt_config_parse(abs_text, strlen(abs_text), "/etc/gw.yaml", &c, err), 0);
	assert_string_equal(c.peers[0].psk_file, "/k/gwb.key");

	/* too long once the directory is in front */
	memset(path, 'd', 250);
	memcpy(path + 250, "/g.yaml", 8);
	assert_int_equal(mgmt_config_parse(text, strlen(text), path, &c, err), -1);
	assert_non_null(strstr(err, ":9: peers[0].psk_file: too long once taken from"));
	assert_true(all_zero(&c, sizeof(c)));
}

/* A fresh directory with the configuration (psk_file: gwb.key) in it. */
static const char *key_dir(char dir[64], char cfgpath[128])
{
	const char *text = psk_file_cfg;
	FILE *f;

	snprintf(dir, 64, "/tmp/test_config_keys_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(cfgpath, 128, "%s/gw.yaml", dir);
	f = fopen(cfgpath, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
	return cfgpath;
}

static void write_key(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Load, fail, and the message is "CFG:9: peers[0].psk_file: 'KEY': reason". */
static void expect_key_error(const char *cfgpath, const char *keypath, const char *reason)
{
	static struct mgmt_config c;
	char err[MGMT_ERR_MAX], want[MGMT_ERR_MAX + 400];

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(mgmt_config_load(cfgpath, &c, err), -1);
	assert_true(all_zero(&c, sizeof(c)));
	if (getenv("TEST_CONFIG_VERBOSE"))
		print_message("%s\n", err);
	snprintf(want, sizeof(want), "%s:9: peers[0].psk_file: ", cfgpath);
	if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, keypath) || !strstr(err, reason))
		fail_msg("got '%s', expected '%s...%s...%s'", err, want, keypath, reason);
}

static void test_psk_file_load(void **state)
{
	static struct mgmt_config c;
	char dir[64], cfgpath[128], keypath[160], err[MGMT_ERR_MAX], big[5000];

	(void)state;
	key_dir(dir, cfgpath);
	snprintf(keypath, sizeof(keypath), "%s/gwb.key", dir);

	/* hex text, whitespace around it ignored; the path relative to the file */
	write_key(keypath, "\n  00112233445566778899AABBccddeeff\r\n\n", 38, 0600);
	assert_int_equal(mgmt_config_load(cfgpath, &c, err), 0);
	assert_string_equal(err, "");
	assert_string_equal(c.peers[0].psk_file, keypath);
	assert_int_equal(c.peers[0].psk_len, 16);
	assert_memory_equal(c.peers[0].psk,
			    "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
	write_key(keypath, K16 K16 K16 K16, 128, 0440);
	assert_int_equal(mgmt_config_load(cfgpath, &c, err), 0);
	assert_int_equal(c.peers[0].psk_len, 64);

	/* a secret: refused when others may read it */
	write_key(keypath, K16, 32, 0644);
	expect_key_error(cfgpath, keypath, "is readable by others (mode 0644)");
	write_key(keypath, K16, 32, 0604);
	expect_key_error(cfgpath, keypath, "is readable by others (mode 0604)");

	/* the content is checked as an inline psk is */
	write_key(keypath, "0011 2233445566778899aabbccddeeff\n", 34, 0600);
	expect_key_error(cfgpath, keypath, "character 5 of the key is not a hex digit");
	write_key(keypath, K16 "0", 33, 0600);
	expect_key_error(cfgpath, keypath, "an odd number of hex digits (33)");
	write_key(keypath, "00112233", 8, 0600);
	expect_key_error(cfgpath, keypath, "a key of 4 bytes is out of range (16..64 bytes");
	write_key(keypath, " \n", 2, 0600);
	expect_key_error(cfgpath, keypath, "a key of 0 bytes is out of range");
	write_key(keypath, K16 "\0" K16, 65, 0600);
	expect_key_error(cfgpath, keypath, "character 33 of the key is not a hex digit");
	memset(big, ' ', sizeof(big));
	memcpy(big, K16, 32);
	write_key(keypath, big, sizeof(big), 0600);
	expect_key_error(cfgpath, keypath, "is larger than 4096 bytes");

	/* not a file one can read */
	assert_int_equal(unlink(keypath), 0);
	expect_key_error(cfgpath, keypath, "cannot read '");
	expect_key_error(cfgpath, keypath, "': No such file or directory");
	assert_int_equal(mkdir(keypath, 0700), 0);
	expect_key_error(cfgpath, keypath, "': Is a directory");
	assert_int_equal(rmdir(keypath), 0);

	/* parse alone never opens the file */
	assert_int_equal(mgmt_config_parse(psk_file_cfg, strlen(psk_file_cfg), cfgpath, &c, err),
			 0);
	assert_string_equal(c.peers[0].psk_file, keypath);
	assert_int_equal(unlink(cfgpath), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Neither the inline key nor a key file's is ever quoted in a message. */
static void test_psk_not_shown(void **state)
{
	static const char text[] = PEER("    psk: 0123456789abcdef0123456789abcdeX\n");
	char err[MGMT_ERR_MAX];
	static struct mgmt_config c;

	(void)state;
	assert_int_equal(parse(text, strlen(text), &c, err), -1);
	assert_non_null(strstr(err, L(9) "peers[0].psk: character 32 of the key"));
	assert_null(strstr(err, "0123456789"));
}

/* Lists at their limits: 1024 rules, 64 served prefixes, 8 peers, 8 paths. */
static void test_proxy_limits(void **state)
{
	static struct mgmt_config c;
	size_t size = 200000, n;
	char *text = malloc(size);

	(void)state;
	assert_non_null(text);
	for (unsigned extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(text, size, "%sserved:\n", GWB);
		for (unsigned i = 0; i < MGMT_PREFIXES_MAX + extra; i++)
			n += (size_t)snprintf(text + n, size - n, "  - 10.%u.0.0/16\n", i);
		n += (size_t)snprintf(text + n, size - n, "rules:\n");
		for (unsigned i = 0; i < MGMT_RULES_MAX + extra; i++)
			n += (size_t)snprintf(text + n, size - n,
					      "  - {name: r%u, dst: 10.%u.%u.0/24, action: "
					      "intercept, peer: gwb}\n",
					      i, i / 256, i % 256);
		assert_true(n < size);
		if (!extra) {
			parse_ok(text, &c);
			assert_int_equal(c.n_served, MGMT_PREFIXES_MAX);
			assert_int_equal(c.n_rules, MGMT_RULES_MAX);
			assert_string_equal(c.rules[MGMT_RULES_MAX - 1].name, "r1023");
			assert_prefix(&c.rules[MGMT_RULES_MAX - 1].dst, "10.3.255.0", 24);
		} else {
			expect_error(text, n, L(77) "served: ", "too many entries (at most 64)");
		}
	}
	/* too many rules: the line of the first one too many */
	n = (size_t)snprintf(text, size, "%srules:\n", GWB);
	for (unsigned i = 0; i <= MGMT_RULES_MAX; i++)
		n += (size_t)snprintf(text + n, size - n,
				      "  - {name: r%u, dst: 10.0.0.0/8, action: deny}\n", i);
	expect_error(text, n, L(1037) "rules: ", "too many entries (at most 1024)");

	for (unsigned extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(text, size, "%s", BOX "peers:\n");
		for (unsigned i = 0; i < MGMT_PEERS_MAX + extra; i++)
			n += (size_t)snprintf(text + n, size - n,
					      "  - {name: c%u, kind: mptcp-clients, listen: %u, "
					      "backend: \"10.0.0.1:80\"}\n",
					      i, 7000 + i);
		if (!extra) {
			parse_ok(text, &c);
			assert_int_equal(c.n_peers, MGMT_PEERS_MAX);
			assert_int_equal(c.peers[MGMT_PEERS_MAX - 1].listen_port, 7007);
		} else {
			expect_error(text, n, L(16) "peers: ", "too many entries (at most 8)");
		}
	}
	free(text);
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
/* The management plane: control, metrics, health                          */

static const char mgmt_cfg[] = BOX "peers: [{name: gwb, psk: " K16 ", paths: [" P0 "]}]\n"
				   "control:\n"
				   "  socket: /run/mpgw/gwa.sock\n"
				   "  owner: root\n"
				   "  group: 0\n"
				   "  mode: \"0640\"\n"
				   "metrics:\n"
				   "  listen: \"[::1]:9477\"\n"
				   "health:\n"
				   "  probe_interval_ms: 500\n"
				   "  probe_timeout_ms: 200\n"
				   "  down_after: 4\n"
				   "  up_after: 3\n"
				   "  loss_window: 50\n"
				   "  degraded_loss_pct: 10\n"
				   "  degraded_rtt_ms: 250\n";

static void test_mgmt_defaults(void **state)
{
	static const char *const texts[] = {
		EAL "ports: [{name: w, devargs: d, role: wan}]\n",
		EAL "ports: [{name: w, devargs: d, role: wan}]\ncontrol: {}\nmetrics: {}\n"
		    "health: {}\n",
	};
	static struct mgmt_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse_ok(texts[i], &c);
		assert_string_equal(c.ctl_socket, "/run/mpgwd.sock");
		assert_int_equal(c.ctl_owner, -1);
		assert_int_equal(c.ctl_group, -1);
		assert_int_equal(c.ctl_mode, 0660);
		assert_string_equal(c.metrics_listen, "127.0.0.1:9477");
		assert_int_equal(c.health_probe_interval_ms, 1000);
		assert_int_equal(c.health_probe_timeout_ms, 1000);
		assert_int_equal(c.health_down_after, 3);
		assert_int_equal(c.health_up_after, 2);
		assert_int_equal(c.health_loss_window, 20);
		assert_int_equal(c.health_degraded_loss_pct, 5);
		assert_int_equal(c.health_degraded_rtt_ms, 0);
	}
}

#define SOCK99 "/" S32 S32 S32 "aa" /* 99 bytes */

static void test_mgmt_values(void **state)
{
	static const struct {
		const char *control, *listen;
		int64_t owner, group;
		unsigned mode;
		const char *stored;
	} cases[] = {
		{ "{owner: root, group: root}", "\"127.0.0.1:9477\"", 0, 0, 0660,
		  "127.0.0.1:9477" },
		{ "{owner: 1234, group: \"4294967294\", mode: \"0600\"}", "off", 1234, 4294967294ll,
		  0600, "" },
		{ "{owner: \"0\", mode: 640}", "\"[::1]:9477\"", 0, -1, 0640, "[::1]:9477" },
		{ "{mode: 0660}", "\"[2001:db8::1]:65535\"", -1, -1, 0660, "[2001:db8::1]:65535" },
		{ "{mode: \"0000\"}", "10.0.0.1:1", -1, -1, 0, "10.0.0.1:1" },
		{ "{mode: \"750\"}", "\"[::ffff:10.0.0.1]:80\"", -1, -1, 0750,
		  "[::ffff:10.0.0.1]:80" },
		{ "{}", "\"[2001:DB8:0::0:1]:09477\"", -1, -1, 0660,
		  "[2001:db8::1]:9477" }, /* stored in one spelling */
		{ "{}", "127.0.0.1:009477", -1, -1, 0660, "127.0.0.1:9477" },
	};
	static struct mgmt_config c;
	char text[1024];

	(void)state;
	parse_ok(mgmt_cfg, &c);
	assert_string_equal(c.ctl_socket, "/run/mpgw/gwa.sock");
	assert_int_equal(c.ctl_owner, 0);
	assert_int_equal(c.ctl_group, 0);
	assert_int_equal(c.ctl_mode, 0640);
	assert_string_equal(c.metrics_listen, "[::1]:9477");
	assert_int_equal(c.health_probe_interval_ms, 500);
	assert_int_equal(c.health_probe_timeout_ms, 200);
	assert_int_equal(c.health_down_after, 4);
	assert_int_equal(c.health_up_after, 3);
	assert_int_equal(c.health_loss_window, 50);
	assert_int_equal(c.health_degraded_loss_pct, 10);
	assert_int_equal(c.health_degraded_rtt_ms, 250);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%scontrol: %s\nmetrics: {listen: %s}\n",
			 EAL "ports: [{name: w, devargs: d, role: wan}]\n", cases[i].control,
			 cases[i].listen);
		parse_ok(text, &c);
		assert_int_equal(c.ctl_owner, cases[i].owner);
		assert_int_equal(c.ctl_group, cases[i].group);
		assert_int_equal(c.ctl_mode, cases[i].mode);
		assert_string_equal(c.metrics_listen, cases[i].stored);
	}

	/* a socket path of 107 bytes fits sun_path exactly */
	parse_ok(EAL "ports: [{name: w, devargs: d, role: wan}]\n"
		     "control: {socket: " SOCK99 "/67.sock}\n",
		 &c);
	assert_int_equal(strlen(c.ctl_socket), MGMT_SOCKET_MAX - 1);
	assert_string_equal(c.ctl_socket, SOCK99 "/67.sock");

	/* health at both ends of its ranges */
	parse_ok(EAL "ports: [{name: w, devargs: d, role: wan}]\n"
		     "health: {probe_interval_ms: 0, probe_timeout_ms: 10, down_after: 1, "
		     "up_after: 100, loss_window: 4, degraded_loss_pct: 1, degraded_rtt_ms: 1}\n",
		 &c);
	assert_int_equal(c.health_probe_interval_ms, 0);
	assert_int_equal(c.health_probe_timeout_ms, 10);
	assert_int_equal(c.health_down_after, 1);
	assert_int_equal(c.health_up_after, 100);
	assert_int_equal(c.health_loss_window, 4);
	assert_int_equal(c.health_degraded_loss_pct, 1);
	assert_int_equal(c.health_degraded_rtt_ms, 1);
	parse_ok(EAL "ports: [{name: w, devargs: d, role: wan}]\n"
		     "health: {probe_interval_ms: 60000, probe_timeout_ms: 60000, down_after: 100, "
		     "up_after: 1, loss_window: 1000, degraded_loss_pct: 100, "
		     "degraded_rtt_ms: 60000}\n",
		 &c);
	assert_int_equal(c.health_probe_interval_ms, 60000);
	assert_int_equal(c.health_probe_timeout_ms, 60000);
	assert_int_equal(c.health_down_after, 100);
	assert_int_equal(c.health_up_after, 1);
	assert_int_equal(c.health_loss_window, 1000);
	assert_int_equal(c.health_degraded_loss_pct, 100);
	assert_int_equal(c.health_degraded_rtt_ms, 60000);
	parse_ok(EAL
		 "ports: [{name: w, devargs: d, role: wan}]\nhealth: {probe_interval_ms: 100}\n",
		 &c);
	assert_int_equal(c.health_probe_interval_ms, 100);
}

/* ------------------------------------------------------------------------ */
/* Counter slots                                                            */

/*
 * A box with gateway peers as @spec says: "a=p0,p1 b=q0" is peer a with
 * paths p0 and p1, then peer b with path q0. Parsed, every slot is then set
 * to 7 - index (so that align must set each), and aligned against @old.
 */
static void parse_aligned(const char *spec, const struct mgmt_config *old, struct mgmt_config *c)
{
	char text[4096], peer[MGMT_NAME_MAX], paths[256];
	size_t n = (size_t)snprintf(text, sizeof(text), "%speers:\n", BOX);
	const char *p = spec;
	int used;

	while (sscanf(p, " %31[^=]=%255s%n", peer, paths, &used) == 2) {
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "  - name: %s\n    psk: " K16 "\n    paths:\n", peer);
		for (char *q = strtok(paths, ","); q; q = strtok(NULL, ","))
			n += (size_t)snprintf(
				text + n, sizeof(text) - n,
				"      - {name: %s, local: wan0, remote: 198.18.2.2}\n", q);
		assert_true(n < sizeof(text));
		p += used;
	}
	parse_ok(text, c);
	for (unsigned i = 0; i < c->n_peers; i++) {
		c->peers[i].slot = (uint8_t)(7 - i);
		for (unsigned j = 0; j < c->peers[i].n_paths; j++)
			c->peers[i].paths[j].slot = (uint8_t)(7 - j);
	}
	mgmt_config_align(old, c);
	assert_int_equal(mgmt_config_check(c, NULL), 0);
}

/* Slots of the peers and, in "peer:slot=path-slots" form, e.g. "c:2=201". */
static void assert_slots(const struct mgmt_config *c, const char *want)
{
	char got[256];
	size_t n = 0;

	for (unsigned i = 0; i < c->n_peers; i++) {
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s:%u=", i ? " " : "",
				      c->peers[i].name, c->peers[i].slot);
		for (unsigned j = 0; j < c->peers[i].n_paths; j++)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%u",
					      c->peers[i].paths[j].slot);
	}
	assert_string_equal(got, want);
}

static void test_align(void **state)
{
	static struct mgmt_config old, c;

	(void)state;
	/* a parse gives slot = index */
	parse_aligned("a=p0,p1 b=q0 c=r0,r1,r2", NULL, &old);
	assert_slots(&old, "a:0=01 b:1=0 c:2=012");

	/* the same names in another order keep their slots; the order stays */
	parse_aligned("c=r2,r0,r1 a=p1,p0 b=q0", &old, &c);
	assert_slots(&c, "c:2=201 a:0=10 b:1=0");
	assert_string_equal(c.peers[0].paths[0].name, "r2");

	/* a removed; new peers take the lowest slots left (0, then 3); in c,
	 * r1 removed and r3 added: r3 takes the slot r1 left; a new path of b's */
	parse_aligned("new1=x c=r3,r0,r2 b=q1,q0 new2=y,z", &old, &c);
	assert_slots(&c, "new1:0=0 c:2=102 b:1=10 new2:3=01");

	/* a rename is a removal and an addition: the lowest free slot */
	parse_aligned("b=q0 a2=p0 c=r0", &old, &c);
	assert_slots(&c, "b:1=0 a2:0=0 c:2=0");

	/* the full tables: every slot used once (kept r2 and r0 first) */
	parse_aligned("c=r2,x1,x2,x3,r0,x5,x6,x7 p1=a p2=a p3=a p4=a p5=a p6=a p7=a", &old, &c);
	assert_slots(&c, "c:2=21340567 p1:0=0 p2:1=0 p3:3=0 p4:4=0 p5:5=0 p6:6=0 p7:7=0");

	/* no old configuration: slots by index; a NULL cfg is harmless */
	parse_aligned("a=p0,p1 b=q0", NULL, &c);
	assert_slots(&c, "a:0=01 b:1=0");
	mgmt_config_align(&old, NULL);

	/* an edit in memory: remove a path, add a path at the front */
	c = old;
	c.peers[0].paths[0] = c.peers[0].paths[1];
	memset(&c.peers[0].paths[1], 0, sizeof(c.peers[0].paths[1]));
	c.peers[0].n_paths = 1;
	memmove(&c.peers[2].paths[1], &c.peers[2].paths[0], 3 * sizeof(c.peers[2].paths[0]));
	memset(&c.peers[2].paths[0], 0, sizeof(c.peers[2].paths[0]));
	snprintf(c.peers[2].paths[0].name, MGMT_NAME_MAX, "new");
	c.peers[2].paths[0].remote_ip = ip4("198.18.9.9");
	c.peers[2].n_paths = 4;
	mgmt_config_align(&old, &c);
	assert_int_equal(mgmt_config_check(&c, NULL), 0);
	assert_slots(&c, "a:0=1 b:1=0 c:2=3012");
	assert_string_equal(c.peers[2].paths[0].name, "new");
}

/* Rules named as in @spec ("a b c", all deny), their slots set to 1000 -
 * index, then aligned against @old. */
static void rules_aligned(const char *spec, const struct mgmt_config *old, struct mgmt_config *c)
{
	char text[4096], name[MGMT_NAME_MAX];
	size_t n = (size_t)snprintf(text, sizeof(text), "%srules:\n", BOX);
	int used;

	for (const char *p = spec; sscanf(p, " %31s%n", name, &used) == 1; p += used)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "  - {name: %s, dst: 198.18.2.0/24, action: deny}\n", name);
	assert_true(n < sizeof(text));
	parse_ok(text, c);
	for (unsigned i = 0; i < c->n_rules; i++)
		c->rules[i].slot = (uint16_t)(1000 - i);
	mgmt_config_align(old, c);
	assert_int_equal(mgmt_config_check(c, NULL), 0);
}

static void assert_rule_slots(const struct mgmt_config *c, const char *want)
{
	char got[256];
	size_t n = 0;

	for (unsigned i = 0; i < c->n_rules; i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s:%u", i ? " " : "",
				      c->rules[i].name, c->rules[i].slot);
	assert_string_equal(got, want);
}

static void test_align_rules(void **state)
{
	static struct mgmt_config old, c;

	(void)state;
	rules_aligned("a b c d", NULL, &old);
	assert_rule_slots(&old, "a:0 b:1 c:2 d:3");
	/* reordered: each keeps its hit counter */
	rules_aligned("d c a b", &old, &c);
	assert_rule_slots(&c, "d:3 c:2 a:0 b:1");
	/* b removed, x and y new (x first): x takes the slot b left, y the next */
	rules_aligned("x d c y a", &old, &c);
	assert_rule_slots(&c, "x:1 d:3 c:2 y:4 a:0");
	/* a rename is a removal and an addition */
	rules_aligned("a b2 c d", &old, &c);
	assert_rule_slots(&c, "a:0 b2:1 c:2 d:3");
}

/* ------------------------------------------------------------------------ */
/* What a reload may change                                                 */

static const char reload_cfg[] =
	BOX "services: [{name: e, kind: echo, listen: 7}]\n"
	    "peers:\n"
	    "  - {name: gwb, psk: " K16 ", paths: [" P0 "]}\n"
	    "  - {name: cl, kind: mptcp-clients, listen: 7100, backend: \"10.0.0.1:80\"}\n"
	    "rules: [{name: r, dst: 198.18.2.0/24, action: intercept, peer: gwb}]\n"
	    "served: [198.18.1.0/24]\n"
	    "control: {owner: 0, group: 0}\n";

static void expect_restart(const struct mgmt_config *old, const struct mgmt_config *c,
			   const char *want)
{
	char err[MGMT_ERR_MAX];

	memset(err, 'x', sizeof(err));
	assert_int_equal(mgmt_config_reloadable(old, c, err), -1);
	if (getenv("TEST_CONFIG_VERBOSE"))
		print_message("%s\n", err);
	assert_string_equal(err, want);
}

static void expect_reloadable(const struct mgmt_config *old, const struct mgmt_config *c)
{
	char err[MGMT_ERR_MAX];

	memset(err, 'x', sizeof(err));
	if (mgmt_config_reloadable(old, c, err) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(err, "");
}

#define RESTART "; a restart is needed"

static void test_reload_refused(void **state)
{
	static struct mgmt_config old, c;
	char text[2048];

	(void)state;
	parse_ok(reload_cfg, &old);
	expect_reloadable(&old, &old);

#define REFUSE(change, want)                    \
	do {                                    \
		c = old;                        \
		change;                         \
		expect_restart(&old, &c, want); \
	} while (0)

	REFUSE(snprintf(c.eal_args[0], MGMT_EAL_ARG_LEN, "--huge"), "eal.args: changed" RESTART);
	REFUSE(c.eal_argc = 0, "eal.args: changed" RESTART);
	REFUSE(c.ports[0].mtu = 1400, "ports: changed" RESTART);
	REFUSE(snprintf(c.ports[0].devargs, MGMT_DEVARGS_MAX, "x"), "ports: changed" RESTART);
	REFUSE(c.addrs[1].has_gateway = true, "addresses: changed" RESTART);
	REFUSE(c.n_addrs = 1, "addresses: changed" RESTART);
	REFUSE(c.services[0].mptcp = true, "services: changed" RESTART);
	REFUSE(c.n_services = 0, "services: changed" RESTART);
	REFUSE(c.workers = 2, "workers.count: changed from 1 to 2" RESTART);
	REFUSE(c.idle_sleep_us = 0, "workers.idle_sleep_us: changed from 100 to 0" RESTART);
	REFUSE(c.burst = 64, "workers.burst: changed from 32 to 64" RESTART);
	REFUSE(c.mbufs = 16383, "mempool.mbufs: changed from 8191 to 16383" RESTART);
	REFUSE(c.mbuf_cache = 0, "mempool.cache: changed from 256 to 0" RESTART);
	REFUSE(c.arp_timeout_s = 60, "arp.timeout_s: changed from 300 to 60" RESTART);
	REFUSE(c.arp_entries = 2048, "arp.entries: changed from 1024 to 2048" RESTART);
	REFUSE(c.tcp_max_conns = 1, "tcp.max_connections: changed from 65536 to 1" RESTART);
	REFUSE(c.tcp_max_half_open = 1, "tcp.max_half_open: changed from 4096 to 1" RESTART);
	REFUSE(c.tcp_syncookies = false, "tcp.syncookies: changed from true to false" RESTART);
	REFUSE(c.proxy_port = 7000, "proxy.port: changed from 6543 to 7000" RESTART);
	REFUSE(snprintf(c.ctl_socket, MGMT_SOCKET_MAX, "/run/x.sock"),
	       "control.socket: changed from '/run/mpgwd.sock' to '/run/x.sock'" RESTART);
	REFUSE(c.ctl_owner = -1, "control.owner: changed from 0 to unset" RESTART);
	REFUSE(c.ctl_group = 100, "control.group: changed from 0 to 100" RESTART);
	REFUSE(c.ctl_mode = 0600, "control.mode: changed from 0660 to 0600" RESTART);
	REFUSE(c.metrics_listen[0] = '\0',
	       "metrics.listen: changed from '127.0.0.1:9477' to 'off'" RESTART);
	REFUSE(snprintf(c.metrics_listen, MGMT_LISTEN_MAX, "[::1]:9477"),
	       "metrics.listen: changed from '127.0.0.1:9477' to '[::1]:9477'" RESTART);

	/* the proxy as a whole, and the far side's listener */
	REFUSE((c.n_peers = 0, c.n_rules = 0, c.n_served = 0),
	       "peers/rules/served: the proxy was on at start and would be off" RESTART);
	c = old;
	c.n_peers = c.n_rules = c.n_served = 0;
	expect_restart(&c, &old, "peers/rules/served: the proxy was off at start" RESTART);
	c = old;
	c.n_served = 0; /* served prefixes may come later: the listener is always there */
	assert_int_equal(mgmt_config_reloadable(&c, &old, NULL), 0);

#undef REFUSE

	/* from two files, as a reload sees them */
	snprintf(text, sizeof(text), "%sproxy: {port: 7000}\n", reload_cfg);
	parse_ok(text, &c);
	expect_restart(&old, &c, "proxy.port: changed from 6543 to 7000" RESTART);

	/* the first key that needs a restart is named */
	c = old;
	c.workers = 2;
	c.proxy_port = 1;
	expect_restart(&old, &c, "workers.count: changed from 1 to 2" RESTART);

	assert_int_equal(mgmt_config_reloadable(NULL, &c, NULL), -1);
	assert_int_equal(mgmt_config_reloadable(&old, &c, NULL), -1);
}

static void test_reload_accepted(void **state)
{
	static struct mgmt_config old, c;
	char text[4096];

	(void)state;
	parse_ok(reload_cfg, &old);

#define ACCEPT(change)                       \
	do {                                 \
		c = old;                     \
		change;                      \
		expect_reloadable(&old, &c); \
	} while (0)

	ACCEPT(c.proxy_max_conns = 1);
	ACCEPT(c.proxy_buffer = 16384);
	ACCEPT(c.proxy_connect_timeout_ms = 100);
	ACCEPT(c.proxy_idle_timeout_s = 0);
	ACCEPT(c.health_probe_interval_ms = 0);
	ACCEPT(c.health_probe_timeout_ms = 10);
	ACCEPT(c.health_down_after = 1);
	ACCEPT(c.health_up_after = 1);
	ACCEPT(c.health_loss_window = 4);
	ACCEPT(c.health_degraded_loss_pct = 1);
	ACCEPT(c.health_degraded_rtt_ms = 200);
	ACCEPT(c.log_level = LOG_DEBUG);
	ACCEPT(memset(c.peers[0].psk, 0x42, MGMT_PSK_MIN)); /* a new key */
	ACCEPT((c.peers[0].psk_len = 0, snprintf(c.peers[0].psk_file, MGMT_FILE_MAX, "/k")));
	ACCEPT(c.peers[0].port = 7000);
	/* mptcp-clients peers: listeners open and close with them */
	ACCEPT(c.peers[1].listen_port = 7001);
	ACCEPT(c.peers[1].backend_port = 81);
	ACCEPT(c.peers[1].backend_ip = ip4("10.0.0.2"));
	ACCEPT(c.n_peers = 1);
	ACCEPT(snprintf(c.peers[1].name, MGMT_NAME_MAX, "cl2"));
	ACCEPT(c.peers[1].kind = MGMT_PEER_MPTCP_SERVER);
	ACCEPT((c.peers[2] = c.peers[1], snprintf(c.peers[2].name, MGMT_NAME_MAX, "cl3"),
		c.peers[2].listen_port = 7101, c.n_peers = 3));
	ACCEPT(snprintf(c.peers[0].scheduler, 16, "minrtt"));
	ACCEPT(c.peers[0].paths[0].backup = true);
	ACCEPT(c.peers[0].paths[0].remote_ip = ip4("198.18.9.9"));
	ACCEPT(c.peers[1].paths[0] = c.peers[0].paths[0]); /* mptcp-clients: a path */
	ACCEPT(c.n_rules = 0);
	ACCEPT(c.rules[0].action = MGMT_RULE_DENY);
	ACCEPT(c.n_served = 0); /* the listener stays; it refuses every destination */
	ACCEPT(c.served[0].len = 16);
	/* a peer removed, another added (the clients peer moves: order is free) */
	ACCEPT((c.peers[0] = c.peers[1], c.n_peers = 1, c.n_rules = 0));
	ACCEPT((c.peers[2] = c.peers[0], snprintf(c.peers[2].name, MGMT_NAME_MAX, "gwc"),
		c.n_peers = 3));
	/* the proxy stays on with only peers */
	ACCEPT((c.n_rules = 0, c.n_served = 0));
#undef ACCEPT

	/* from the file, every reloadable key at once */
	snprintf(text, sizeof(text),
		 "%s"
		 "proxy: {max_connections: 10, buffer: 65536, connect_timeout_ms: 500, "
		 "idle_timeout_s: 60}\n"
		 "health: {probe_interval_ms: 200, probe_timeout_ms: 100, down_after: 5, "
		 "up_after: 5, loss_window: 100, degraded_loss_pct: 10, degraded_rtt_ms: 300}\n"
		 "log: {level: debug}\n",
		 reload_cfg);
	parse_ok(text, &c);
	expect_reloadable(&old, &c);
	expect_reloadable(&c, &old);
}

/* ------------------------------------------------------------------------ */
/* Checks of a configuration built in memory                                */

static const char check_cfg[] =
	BOX "peers:\n"
	    "  - name: gwb\n"
	    "    psk: " K16 "\n"
	    "    paths:\n"
	    "      - {name: p0, local: wan0, remote: 198.18.2.2}\n"
	    "      - {name: p3, local: wan1, remote: 198.18.4.2}\n"
	    "  - {name: srv, kind: mptcp-server, paths: [{name: a, local: wan1}]}\n"
	    "  - {name: cl, kind: mptcp-clients, listen: 7000, backend: \"10.0.0.1:80\"}\n"
	    "rules:\n"
	    "  - {name: to-b, dst: 198.18.2.0/24, src: 198.18.1.0/24, dport: 80-90, action: "
	    "intercept, peer: gwb}\n"
	    "  - {name: srv, dst: \"2001:db8::/32\", action: intercept, peer: srv}\n"
	    "served: [198.18.1.0/24]\n";

static void expect_check_error(const struct mgmt_config *c, const char *want)
{
	char err[MGMT_ERR_MAX];

	memset(err, 'x', sizeof(err));
	assert_int_equal(mgmt_config_check(c, err), -1);
	if (getenv("TEST_CONFIG_VERBOSE"))
		print_message("%s\n", err);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got      '%s'\nexpected '%s...'", err, want);
}

static void test_check(void **state)
{
	static struct mgmt_config good, c;
	char err[MGMT_ERR_MAX];

	(void)state;
	parse_ok(check_cfg, &good);
	memset(err, 'x', sizeof(err));
	assert_int_equal(mgmt_config_check(&good, err), 0);
	assert_string_equal(err, "");
	assert_int_equal(mgmt_config_check(&good, NULL), 0);
	assert_int_equal(mgmt_config_check(NULL, err), -1);
	assert_string_equal(err, "no configuration");

#define CHECK(change, want)                   \
	do {                                  \
		c = good;                     \
		change;                       \
		expect_check_error(&c, want); \
	} while (0)

	/* names */
	CHECK(snprintf(c.peers[1].name, MGMT_NAME_MAX, "gw b"),
	      "peers[1].name: 'gw b' has a character other than A-Z a-z 0-9 _ -");
	CHECK(c.peers[1].name[0] = '\0', "peers[1].name: must not be empty");
	CHECK(memset(c.peers[0].name, 'a', MGMT_NAME_MAX),
	      "peers[0].name: too long (at most 31 characters)");
	CHECK(snprintf(c.peers[1].name, MGMT_NAME_MAX, "gwb"),
	      "peers[1].name: duplicate peer name 'gwb' (also peers[0])");
	CHECK(snprintf(c.peers[0].paths[1].name, MGMT_NAME_MAX, "p0"),
	      "peers.gwb.paths[1].name: duplicate path name 'p0' (also peers.gwb.paths[0])");
	CHECK(snprintf(c.peers[0].paths[1].name, MGMT_NAME_MAX, "p/3"),
	      "peers.gwb.paths[1].name: 'p/3' has a character other than");
	CHECK(snprintf(c.rules[1].name, MGMT_NAME_MAX, "to-b"),
	      "rules[1].name: duplicate rule name 'to-b' (also rules[0])");
	CHECK(c.rules[0].name[0] = '\0', "rules[0].name: must not be empty");

	/* counts */
	CHECK(c.n_peers = MGMT_PEERS_MAX + 1, "peers: too many entries (9, at most 8)");
	CHECK(c.n_rules = MGMT_RULES_MAX + 1, "rules: too many entries (1025, at most 1024)");
	CHECK(c.n_served = MGMT_PREFIXES_MAX + 1, "served: too many entries (65, at most 64)");
	CHECK(c.n_addrs = MGMT_ADDRS_MAX + 1, "addresses: too many entries (17, at most 16)");
	CHECK(c.peers[0].n_paths = MGMT_PATHS_MAX + 1,
	      "peers.gwb.paths: too many entries (at most 8)");
	CHECK(c.peers[0].n_paths = 0, "peers.gwb.paths: a peer of kind gateway needs 1..8 paths");
	CHECK(c.peers[1].n_paths = 0,
	      "peers.srv.paths: a peer of kind mptcp-server needs 1..8 paths");

	/* paths */
	CHECK(c.peers[0].paths[1].local = 9,
	      "peers.gwb.paths.p3: local address index 9: no such address");
	CHECK(c.n_addrs = 1, "peers.gwb.paths.p3: local address index 1: no such address");
	CHECK(c.peers[0].paths[0].remote_ip = 0,
	      "peers.gwb.paths.p0: no remote address (required for a peer of kind gateway)");
	CHECK(c.peers[1].paths[0].remote_ip = ip4("198.18.2.2"),
	      "peers.srv.paths.a: not for a peer of kind mptcp-server (a remote address");

	/* peers */
	CHECK(c.peers[0].kind = (enum mgmt_peer_kind)7, "peers.gwb: kind 7: no such kind");
	CHECK(c.peers[0].port = 0, "peers.gwb: port 0: a gateway's proxy port is 1..65535");
	CHECK(c.peers[0].psk_len = 0,
	      "peers.gwb: a gateway needs a pre-shared key (psk or psk_file)");
	CHECK(c.peers[0].psk_len = MGMT_PSK_MIN - 1,
	      "peers.gwb: a key of 15 bytes is out of range (16..64 bytes)");
	CHECK(c.peers[0].psk_len = MGMT_PSK_MAX + 1,
	      "peers.gwb: a key of 65 bytes is out of range (16..64 bytes)");
	CHECK(memset(c.peers[0].psk_file, 'k', MGMT_FILE_MAX),
	      "peers.gwb.psk_file: too long (at most 255 characters)");
	CHECK(c.peers[1].psk_len = MGMT_PSK_MIN,
	      "peers.srv: not for a peer of kind mptcp-server (a key is only for a gateway)");
	CHECK(snprintf(c.peers[0].scheduler, 16, "fastest"),
	      "peers.gwb.scheduler: unknown value 'fastest' (roundrobin|minrtt|redundant)");
	CHECK(snprintf(c.peers[0].cc, 16, "bbr"),
	      "peers.gwb.cc: unknown value 'bbr' (cubic|newreno|reno|lia|olia)");
	CHECK(c.peers[2].listen_port = 0, "peers.cl.listen: 0 is out of range (1..65535)");
	CHECK(c.peers[2].listen_port = 6543,
	      "peers.cl.listen: port 6543 is also the proxy's (proxy.port)");
	CHECK(c.peers[2].backend_port = 0, "peers.cl.backend: port 0 is out of range (1..65535)");

	/* counter slots */
	CHECK(c.peers[2].slot = 0, "peers.cl: counter slot 0 is also peer gwb's");
	CHECK(c.peers[1].slot = MGMT_PEERS_MAX, "peers.srv: counter slot 8 is out of range (0..7)");
	CHECK(c.peers[0].paths[1].slot = 0, "peers.gwb.paths.p3: counter slot 0 is also path p0's");
	CHECK(c.peers[0].paths[0].slot = 200,
	      "peers.gwb.paths.p0: counter slot 200 is out of range (0..7)");
	CHECK(c.rules[1].slot = 0, "rules[1]: counter slot 0 is another rule's");
	CHECK(c.rules[0].slot = MGMT_RULES_MAX,
	      "rules[0]: counter slot 1024 is out of range (0..1023)");

	/* rules */
	CHECK(c.rules[0].peer = 5, "rules.to-b: peer index 5: no such peer");
	CHECK(c.rules[0].peer = 2,
	      "rules.to-b: peer 'cl' is of kind mptcp-clients, which connect to this box");
	CHECK(c.n_peers = 1, "rules.srv: peer index 1: no such peer");
	CHECK(c.rules[0].action = (enum mgmt_rule_action)3, "rules.to-b: action 3: no such action");
	CHECK(c.rules[0].dst.addr[3] = 1,
	      "rules.to-b.dst: has bits set past its length (the prefix is 198.18.2.0/24)");
	CHECK(c.rules[1].dst.addr[15] = 1,
	      "rules.srv.dst: has bits set past its length (the prefix is 2001:db8::/32)");
	CHECK(c.rules[0].dst.addr[8] = 1, "rules.to-b.dst: has bits set past its length");
	CHECK(c.rules[0].dst.family = 0,
	      "rules.to-b.dst: no prefix (family 0: neither IPv4 nor IPv6)");
	CHECK(c.rules[0].dst.len = 33, "rules.to-b.dst: prefix length 33 is out of range (0..32)");
	CHECK(c.rules[0].src.len = 8,
	      "rules.to-b.src: has bits set past its length (the prefix is 198.0.0.0/8)");
	CHECK(c.rules[0].src = c.rules[1].dst,
	      "rules.to-b.src: an IPv6 prefix, but dst is IPv4 (one family in a rule)");
	CHECK((c.rules[0].dport_lo = 90, c.rules[0].dport_hi = 80),
	      "rules.to-b.dport: '90-80' is an empty range (lo-hi with lo <= hi)");
	CHECK((c.rules[0].has_sport = true, c.rules[0].sport_lo = 2),
	      "rules.to-b.sport: '2-0' is an empty range");

	/* served */
	CHECK(c.served[0].len = 16,
	      "served[0]: has bits set past its length (the prefix is 198.18.0.0/16)");
	CHECK(c.n_served = 2, "served[1]: no prefix (family 0");
#undef CHECK

	/* what passes: the edits the control socket makes */
	c = good;
	c.rules[0].dport_lo = c.rules[0].dport_hi = 80;
	c.rules[1].action = MGMT_RULE_DENY;
	c.rules[1].peer = 77; /* not looked at but for intercept */
	c.peers[0].psk_len = 0;
	snprintf(c.peers[0].psk_file, MGMT_FILE_MAX, "/etc/mpgw/gwb.key");
	c.peers[2].paths[0] = c.peers[0].paths[0]; /* mptcp-clients: a remote is optional */
	c.peers[2].n_paths = 1;
	assert_int_equal(mgmt_config_check(&c, err), 0);
}

/* Every configuration the parser accepts passes mgmt_config_check(). */
static void test_check_parsed(void **state)
{
	static const char *const texts[] = { good_cfg, proxy_cfg, check_cfg, reload_cfg };
	static struct mgmt_config c;
	char err[MGMT_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse_ok(texts[i], &c);
		if (mgmt_config_check(&c, err) != 0)
			fail_msg("text %zu: %s", i, err);
	}
}

/* ------------------------------------------------------------------------ */
/* Lookups, values from strings, names                                      */

static void test_lookups(void **state)
{
	static struct mgmt_config c;

	(void)state;
	parse_ok(proxy_cfg, &c);
	assert_int_equal(mgmt_config_addr_index(&c, "wan0"), 0);
	assert_int_equal(mgmt_config_addr_index(&c, "wan1"), 1);
	assert_int_equal(mgmt_config_addr_index(&c, "wan2"), -1);
	assert_int_equal(mgmt_config_peer_index(&c, "gwb"), 0);
	assert_int_equal(mgmt_config_peer_index(&c, "cl2"), 4);
	assert_int_equal(mgmt_config_peer_index(&c, "gw"), -1);
	assert_int_equal(mgmt_config_rule_index(&c, "web"), 0);
	assert_int_equal(mgmt_config_rule_index(&c, "one"), 4);
	assert_int_equal(mgmt_config_rule_index(&c, "two"), -1);
	assert_int_equal(mgmt_config_path_index(&c.peers[0], "p0"), 0);
	assert_int_equal(mgmt_config_path_index(&c.peers[0], "p1"), 1);
	assert_int_equal(mgmt_config_path_index(&c.peers[2], "b"), 1);
	assert_int_equal(mgmt_config_path_index(&c.peers[3], "p0"), -1); /* no paths */
	assert_int_equal(mgmt_config_path_index(&c.peers[0], "P0"), -1);
	assert_int_equal(mgmt_config_addr_index(NULL, "wan0"), -1);
	assert_int_equal(mgmt_config_peer_index(&c, NULL), -1);
	assert_int_equal(mgmt_config_rule_index(NULL, NULL), -1);
	assert_int_equal(mgmt_config_path_index(NULL, "p0"), -1);
	/* only the entries in use */
	c.n_peers = 1;
	assert_int_equal(mgmt_config_peer_index(&c, "srv"), -1);
	c.peers[0].n_paths = 1;
	assert_int_equal(mgmt_config_path_index(&c.peers[0], "p1"), -1);
}

static void test_prefix_parse(void **state)
{
	static const struct {
		const char *s, *addr;
		unsigned len;
	} good[] = {
		{ "198.18.2.0/24", "198.18.2.0", 24 },
		{ "10.1.2.3", "10.1.2.3", 32 },
		{ "0.0.0.0/0", "0.0.0.0", 0 },
		{ "2001:db8::/32", "2001:db8::", 32 },
		{ "::/0", "::", 0 },
		{ "2001:db8::1", "2001:db8::1", 128 },
	};
	static const struct {
		const char *s, *err;
	} bad[] = {
		{ "198.18.2.1/24",
		  "'198.18.2.1/24' has bits set past its length (the prefix is 198.18.2.0/24)" },
		{ "10.0.0/8", "'10.0.0/8' is not an IPv4 or IPv6 prefix (address or address/len)" },
		{ "10.0.0.0/33", "prefix length 33 is out of range (0..32)" },
		{ "2001:db8::/129", "prefix length 129 is out of range (0..128)" },
		{ "", "'' is not an IPv4 or IPv6 prefix (address or address/len)" },
		{ "any", "'any' is not an IPv4 or IPv6 prefix (address or address/len)" },
		{ "10.0.0.0/8\n",
		  "'10.0.0.0/8?' is not an IPv4 or IPv6 prefix (address or address/len)" },
	};
	struct mgmt_prefix p, keep;
	char err[MGMT_ERR_MAX], text[64];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(err, 'x', sizeof(err));
		assert_int_equal(mgmt_prefix_parse(good[i].s, &p, err), 0);
		assert_string_equal(err, "");
		assert_prefix(&p, good[i].addr, good[i].len);
		/* formatted as written (a host with its length), and back */
		mgmt_prefix_format(&p, text, sizeof(text));
		snprintf(err, sizeof(err), "%s/%u", good[i].addr, good[i].len);
		assert_string_equal(text, err);
		assert_int_equal(mgmt_prefix_parse(text, &keep, NULL), 0);
		assert_memory_equal(&keep, &p, sizeof(p));
	}
	memset(&keep, 0x5a, sizeof(keep));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = keep;
		assert_int_equal(mgmt_prefix_parse(bad[i].s, &p, err), -1);
		assert_string_equal(err, bad[i].err);
		assert_memory_equal(&p, &keep, sizeof(p)); /* untouched */
	}
	assert_int_equal(mgmt_prefix_parse(NULL, &p, err), -1);
	assert_string_equal(err, "no value");
	assert_int_equal(mgmt_prefix_parse("10.0.0.0/8", NULL, NULL), -1);

	/* formatting */
	memset(&p, 0, sizeof(p));
	mgmt_prefix_format(&p, text, sizeof(text));
	assert_string_equal(text, "any");
	mgmt_prefix_format(NULL, text, sizeof(text));
	assert_string_equal(text, "any");
	p.family = 99;
	mgmt_prefix_format(&p, text, sizeof(text));
	assert_string_equal(text, "invalid");
	assert_int_equal(mgmt_prefix_parse("198.18.2.0/24", &p, NULL), 0);
	mgmt_prefix_format(&p, text, 8);
	assert_string_equal(text, "198.18.");
	text[0] = 'z';
	mgmt_prefix_format(&p, text, 0);
	assert_int_equal(text[0], 'z');
	mgmt_prefix_format(&p, NULL, 10);
}

static void test_value_parse(void **state)
{
	static const struct {
		const char *s, *err;
	} bad_ports[] = {
		{ "8080-80", "'8080-80' is an empty range (lo-hi with lo <= hi)" },
		{ "http", "'http' is not a port or a port range (0..65535, or lo-hi)" },
		{ "65536", "'65536' is out of range (ports are 0..65535)" },
		{ "1-2-3", "'1-2-3' is not a port or a port range (0..65535, or lo-hi)" },
		{ "", "'' is not a port or a port range (0..65535, or lo-hi)" },
	};
	static const struct {
		const char *s, *err;
	} bad_ips[] = {
		{ "198.18.2", "'198.18.2' is not an IPv4 address (a.b.c.d)" },
		{ "198.018.2.1", "'198.018.2.1' is not an IPv4 address (a.b.c.d)" },
		{ "198.18.2.1/32", "'198.18.2.1/32' is not an IPv4 address (a.b.c.d)" },
		{ "::1", "'::1' is not an IPv4 address (a.b.c.d)" },
	};
	char err[MGMT_ERR_MAX];
	uint16_t lo = 1, hi = 2;
	uint32_t ip = 7;

	(void)state;
	assert_int_equal(mgmt_port_range_parse("80", &lo, &hi, err), 0);
	assert_string_equal(err, "");
	assert_int_equal(lo, 80);
	assert_int_equal(hi, 80);
	assert_int_equal(mgmt_port_range_parse("8000-8080", &lo, &hi, NULL), 0);
	assert_int_equal(lo, 8000);
	assert_int_equal(hi, 8080);
	assert_int_equal(mgmt_port_range_parse("0-65535", &lo, &hi, NULL), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 65535);
	for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		lo = 1, hi = 2;
		assert_int_equal(mgmt_port_range_parse(bad_ports[i].s, &lo, &hi, err), -1);
		assert_string_equal(err, bad_ports[i].err);
		assert_int_equal(lo, 1);
		assert_int_equal(hi, 2);
	}
	assert_int_equal(mgmt_port_range_parse(NULL, &lo, &hi, err), -1);
	assert_string_equal(err, "no value");

	assert_int_equal(mgmt_ipv4_parse("198.18.2.2", &ip, err), 0);
	assert_string_equal(err, "");
	assert_int_equal(ip, ip4("198.18.2.2")); /* network order */
	assert_int_equal(mgmt_ipv4_parse("0.0.0.0", &ip, NULL), 0);
	assert_int_equal(ip, 0);
	for (size_t i = 0; i < sizeof(bad_ips) / sizeof(bad_ips[0]); i++) {
		ip = 7;
		assert_int_equal(mgmt_ipv4_parse(bad_ips[i].s, &ip, err), -1);
		assert_string_equal(err, bad_ips[i].err);
		assert_int_equal(ip, 7);
	}
	assert_int_equal(mgmt_ipv4_parse(NULL, &ip, err), -1);
}

static void test_names(void **state)
{
	static const char *const kinds[] = { "gateway", "mptcp-server", "mptcp-clients" };
	static const char *const actions[] = { "intercept", "passthrough", "deny" };
	enum mgmt_peer_kind k = MGMT_PEER_MPTCP_SERVER;
	enum mgmt_rule_action a = MGMT_RULE_DENY;

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		assert_string_equal(mgmt_peer_kind_name((enum mgmt_peer_kind)i), kinds[i]);
		assert_int_equal(mgmt_peer_kind_parse(kinds[i], &k), 0);
		assert_int_equal(k, i);
		assert_string_equal(mgmt_rule_action_name((enum mgmt_rule_action)i), actions[i]);
		assert_int_equal(mgmt_rule_action_parse(actions[i], &a), 0);
		assert_int_equal(a, i);
	}
	assert_int_equal(MGMT_PEER_GATEWAY, 0);
	assert_int_equal(MGMT_RULE_INTERCEPT, 0);
	assert_null(mgmt_peer_kind_name((enum mgmt_peer_kind)3));
	assert_null(mgmt_peer_kind_name((enum mgmt_peer_kind) - 1));
	assert_null(mgmt_rule_action_name((enum mgmt_rule_action)3));
	k = MGMT_PEER_MPTCP_SERVER;
	assert_int_equal(mgmt_peer_kind_parse("Gateway", &k), -1);
	assert_int_equal(mgmt_peer_kind_parse("", &k), -1);
	assert_int_equal(mgmt_peer_kind_parse(NULL, &k), -1);
	assert_int_equal(mgmt_peer_kind_parse("gateway", NULL), -1);
	assert_int_equal(k, MGMT_PEER_MPTCP_SERVER);
	a = MGMT_RULE_DENY;
	assert_int_equal(mgmt_rule_action_parse("allow", &a), -1);
	assert_int_equal(mgmt_rule_action_parse(NULL, &a), -1);
	assert_int_equal(a, MGMT_RULE_DENY);
}

/* The loader's key file checks, on a file named in a command. */
static void test_read_psk_file(void **state)
{
	char dir[64], path[96], err[MGMT_ERR_MAX], want[MGMT_ERR_MAX];
	uint8_t psk[MGMT_PSK_MAX], keep[MGMT_PSK_MAX];
	unsigned len = 99;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_config_psk_XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);

	write_key(path, " " K16 K16 "\n", 66, 0600);
	memset(err, 'x', sizeof(err));
	assert_int_equal(mgmt_config_read_psk_file(path, psk, &len, err), 0);
	assert_string_equal(err, "");
	assert_int_equal(len, 32);
	assert_memory_equal(psk, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff",
			    16);

	memset(keep, 0x5a, sizeof(keep));
	memcpy(psk, keep, sizeof(psk));
	len = 99;
	write_key(path, K16, 32, 0644);
	assert_int_equal(mgmt_config_read_psk_file(path, psk, &len, err), -1);
	snprintf(want, sizeof(want),
		 "'%s' is readable by others (mode 0644): a key must be secret (chmod o-r)", path);
	assert_string_equal(err, want);
	write_key(path, K16 "0", 33, 0600);
	assert_int_equal(mgmt_config_read_psk_file(path, psk, &len, err), -1);
	snprintf(want, sizeof(want), "'%s': an odd number of hex digits (33): two make a byte",
		 path);
	assert_string_equal(err, want);
	write_key(path, "00112233", 8, 0600);
	assert_int_equal(mgmt_config_read_psk_file(path, psk, &len, err), -1);
	assert_non_null(strstr(err, "a key of 4 bytes is out of range (16..64 bytes"));
	assert_memory_equal(psk, keep, sizeof(psk));
	assert_int_equal(len, 99);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(mgmt_config_read_psk_file(path, psk, &len, err), -1);
	snprintf(want, sizeof(want), "cannot read '%s': No such file or directory", path);
	assert_string_equal(err, want);
	assert_int_equal(mgmt_config_read_psk_file(dir, psk, &len, err), -1);
	assert_non_null(strstr(err, "': Is a directory"));
	assert_int_equal(mgmt_config_read_psk_file("", psk, &len, err), -1);
	assert_string_equal(err, "no key file given");
	assert_int_equal(mgmt_config_read_psk_file(NULL, psk, &len, NULL), -1);
	assert_int_equal(rmdir(dir), 0);
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

/* What a mutated configuration that parses must hold in the proxy sections. */
static void check_fuzz_proxy(const struct mgmt_config *c)
{
	assert_in_range(c->n_peers, 0, MGMT_PEERS_MAX);
	assert_in_range(c->n_rules, 0, MGMT_RULES_MAX);
	assert_in_range(c->n_served, 0, MGMT_PREFIXES_MAX);
	assert_int_not_equal(c->proxy_port, 0);
	for (unsigned i = 0; i < c->n_peers; i++) {
		const struct mgmt_peer *p = &c->peers[i];

		assert_in_range(p->n_paths, p->kind == MGMT_PEER_MPTCP_CLIENTS ? 0 : 1,
				MGMT_PATHS_MAX);
		for (unsigned j = 0; j < p->n_paths; j++)
			assert_in_range(p->paths[j].local, 0, c->n_addrs - 1);
		if (p->kind == MGMT_PEER_GATEWAY)
			assert_true(p->port && (p->psk_len || p->psk_file[0]));
		else
			assert_true(!p->port && !p->psk_len && !p->psk_file[0]);
		assert_true(p->psk_len == 0 ||
			    (p->psk_len >= MGMT_PSK_MIN && p->psk_len <= MGMT_PSK_MAX));
		assert_true((p->kind == MGMT_PEER_MPTCP_CLIENTS) == (p->listen_port != 0));
	}
	for (unsigned i = 0; i < c->n_rules; i++) {
		const struct mgmt_rule *r = &c->rules[i];

		assert_true(r->dst.family == AF_INET || r->dst.family == AF_INET6);
		assert_true(r->src.family == 0 || r->src.family == r->dst.family);
		assert_true(r->dport_lo <= r->dport_hi && r->sport_lo <= r->sport_hi);
		if (r->action == MGMT_RULE_INTERCEPT) {
			assert_in_range(r->peer, 0, c->n_peers - 1);
			assert_int_not_equal(c->peers[r->peer].kind, MGMT_PEER_MPTCP_CLIENTS);
		}
	}
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
		"peers",
		"rules",
		"served",
		"proxy",
		"psk",
		"paths",
		"local",
		"remote",
		"dst",
		"src",
		"dport",
		"action",
		"intercept",
		"mptcp-clients",
		"mptcp-server",
		"/24",
		"::",
		"-65535",
		"control",
		"socket",
		"owner",
		"group",
		"root",
		"mode",
		"0666",
		"metrics",
		"listen",
		"[::1]:",
		"off",
		"health",
		"probe_interval_ms",
		"down_after",
		"loss_window",
		"degraded_rtt_ms",
	};
	enum { MAXLEN = 8192 };
	const char *env = getenv("TEST_CONFIG_FUZZ_ROUNDS"); /* for longer runs */
	const int ROUNDS = env ? atoi(env) : 5000;
	const char *const bases[] = { good_cfg, proxy_cfg, mgmt_cfg };
	char *buf = malloc(MAXLEN + 64);
	unsigned ok = 0, bad = 0;

	(void)state;
	assert_non_null(buf);
	if (getenv("TEST_CONFIG_FUZZ_SEED"))
		rng_state = strtoull(getenv("TEST_CONFIG_FUZZ_SEED"), NULL, 0) | 1;
	for (int round = 0; round < ROUNDS; round++) {
		struct mgmt_config c;
		char err[MGMT_ERR_MAX];
		const char *base = bases[round % 3];
		size_t len = strlen(base);
		int ops = 1 + (int)rnd(round % 10 == 0 ? 40 : 4);

		memcpy(buf, base, len);
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
			check_fuzz_proxy(&c);
			if (mgmt_config_check(&c, err) != 0)
				fail_msg("parsed, but the check fails: %s", err);
		} else {
			bad++;
			if (strstr(err, "internal error"))
				fail_msg("the parse's safety net fired: %s", err);
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
		cmocka_unit_test(test_proxy_sections),
		cmocka_unit_test(test_proxy_defaults),
		cmocka_unit_test(test_cc_names),
		cmocka_unit_test(test_psk_file_path),
		cmocka_unit_test(test_psk_file_load),
		cmocka_unit_test(test_psk_not_shown),
		cmocka_unit_test(test_proxy_limits),
		cmocka_unit_test(test_mgmt_defaults),
		cmocka_unit_test(test_mgmt_values),
		cmocka_unit_test(test_align),
		cmocka_unit_test(test_align_rules),
		cmocka_unit_test(test_reload_refused),
		cmocka_unit_test(test_reload_accepted),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_parsed),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_value_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_read_psk_file),

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

		/* peers */
		BAD("peer_unknown_key", PEER("    colour: blue\n"),
		    L(9) "peers[0].colour: ", "unknown key"),
		BAD("peer_name_missing", BOX "peers:\n  - kind: gateway\n",
		    L(8) "peers[0].name: ", "required key missing"),
		BAD("peer_name_chars", BOX "peers:\n  - name: gw b\n",
		    L(8) "peers[0].name: ", "'gw b' has a character other than A-Z a-z 0-9 _ -"),
		BAD("peer_duplicate_name", GWB "  - name: gwb\n",
		    L(12) "peers[1].name: ", "duplicate peer name 'gwb' (also peers[0])"),
		BAD("peer_kind", PEER("    kind: router\n"), L(9) "peers[0].kind: ",
		    "unknown value 'router' (gateway|mptcp-server|mptcp-clients)"),
		BAD("peer_port_0", PEER("    port: 0\n"),
		    L(9) "peers[0].port: ", "0 is out of range (1..65535)"),
		BAD("peer_port_high", PEER("    port: 65536\n"),
		    L(9) "peers[0].port: ", "65536 is out of range (1..65535)"),
		BAD("peer_port_server", PEER("    kind: mptcp-server\n    port: 80\n"),
		    L(10) "peers[0].port: ", "not for a peer of kind mptcp-server"),
		BAD("peer_scheduler", PEER("    scheduler: fastest\n"), L(9) "peers[0].scheduler: ",
		    "unknown value 'fastest' (roundrobin|minrtt|redundant)"),
		BAD("peer_cc", PEER("    cc: bbr\n"), L(9) "peers[0].cc: ", "unknown value 'bbr'"),
		BAD("peer_no_key", PEER("    paths: [" P0 "]\n"),
		    L(8) "peers[0]: ", "a gateway needs exactly one of 'psk' (hex) and 'psk_file'"),
		BAD("peer_two_keys", PEER("    psk: " K16 "\n    psk_file: k\n"),
		    L(8) "peers[0]: ", "needs exactly one of 'psk' (hex) and 'psk_file'"),
		BAD("psk_odd", PEER("    psk: " K16 "0\n"),
		    L(9) "peers[0].psk: ", "an odd number of hex digits (33)"),
		BAD("psk_short", PEER("    psk: 00112233445566778899aabbccddee\n"),
		    L(9) "peers[0].psk: ",
		    "a key of 15 bytes is out of range (16..64 bytes, 32..128 hex digits)"),
		BAD("psk_long", PEER("    psk: " K16 K16 K16 K16 "00\n"),
		    L(9) "peers[0].psk: ", "a key of 65 bytes is out of range"),
		BAD("psk_not_hex", PEER("    psk: 0x112233445566778899aabbccddeeff\n"),
		    L(9) "peers[0].psk: ",
		    "character 2 of the key is not a hex digit (0-9 a-f A-F)"),
		BAD("psk_empty", PEER("    psk: \"\"\n"),
		    L(9) "peers[0].psk: ", "must not be empty"),
		BAD("psk_list", PEER("    psk: [" K16 "]\n"),
		    L(9) "peers[0].psk: ", "expected a single value, got a list"),
		BAD("psk_server", PEER("    kind: mptcp-server\n    psk: " K16 "\n"),
		    L(10) "peers[0].psk: ",
		    "not for a peer of kind mptcp-server (a key is only for a gateway)"),
		BAD("psk_file_clients", PEER("    kind: mptcp-clients\n    psk_file: k\n"),
		    L(10) "peers[0].psk_file: ", "not for a peer of kind mptcp-clients"),
		BAD("psk_file_control", PEER("    psk_file: \"a\\tb\"\n"),
		    L(9) "peers[0].psk_file: ", "contains a control character"),
		BAD("psk_file_empty", PEER("    psk_file: ''\n"),
		    L(9) "peers[0].psk_file: ", "must not be empty"),
		BAD("peer_paths_missing", PEER("    psk: " K16 "\n"),
		    L(8) "peers[0].paths: ", "a peer of kind gateway needs 1..8 paths"),
		BAD("peer_paths_empty", PEER("    kind: mptcp-server\n    paths: []\n"),
		    L(10) "peers[0].paths: ", "a peer of kind mptcp-server needs 1..8 paths"),
		BAD("peer_paths_too_many",
		    GW_PATHS("      - " P0 "\n      - " P0 "\n      - " P0 "\n      - " P0
			     "\n      - " P0 "\n      - " P0 "\n      - " P0 "\n      - " P0
			     "\n      - " P0 "\n"),
		    L(19) "peers[0].paths: ", "too many entries (at most 8)"),
		BAD("path_unknown_key",
		    GW_PATHS("      - {name: p0, local: wan0, remote: 198.18.2.2, mtu: 1}\n"),
		    L(11) "peers[0].paths[0].mtu: ", "unknown key"),
		BAD("path_name_missing", GW_PATHS("      - {local: wan0}\n"),
		    L(11) "peers[0].paths[0].name: ", "required key missing"),
		BAD("path_duplicate_name",
		    GW_PATHS("      - " P0
			     "\n      - {name: p0, local: wan1, remote: 198.18.2.3}\n"),
		    L(12) "peers[0].paths[1].name: ",
		    "duplicate path name 'p0' (also peers[0].paths[0])"),
		BAD("path_local_missing", GW_PATHS("      - {name: p0, remote: 198.18.2.2}\n"),
		    L(11) "peers[0].paths[0].local: ", "required key missing"),
		BAD("path_local_unknown",
		    GW_PATHS("      - {name: p0, local: wan9, remote: 198.18.2.2}\n"),
		    L(11) "peers[0].paths[0].local: ", "no address named 'wan9'"),
		BAD("path_no_addresses",
		    EAL "ports: [{name: w, devargs: d, role: wan}]\npeers:\n"
			"  - {name: s, kind: mptcp-server, paths: [{name: p, local: wan0}]}\n",
		    L(5) "peers[0].paths[0].local: ", "no address named 'wan0'"),
		BAD("path_remote_missing", GW_PATHS("      - {name: p0, local: wan0}\n"),
		    L(11) "peers[0].paths[0].remote: ", "required for a peer of kind gateway"),
		BAD("path_remote_server",
		    PEER("    kind: mptcp-server\n    paths:\n      - " P0 "\n"),
		    L(11) "peers[0].paths[0].remote: ",
		    "not for a peer of kind mptcp-server (the destination is the intercepted "
		    "SYN's)"),
		BAD("path_remote_syntax",
		    GW_PATHS("      - {name: p0, local: wan0, remote: 198.18.2}\n"),
		    L(11) "peers[0].paths[0].remote: ",
		    "'198.18.2' is not an IPv4 address (a.b.c.d)"),
		BAD("path_remote_prefix",
		    GW_PATHS("      - {name: p0, local: wan0, remote: 198.18.2.2/24}\n"),
		    L(11) "peers[0].paths[0].remote: ", "is not an IPv4 address"),
		BAD("path_remote_zero",
		    GW_PATHS("      - {name: p0, local: wan0, remote: 0.0.0.0}\n"),
		    L(11) "peers[0].paths[0].remote: ", "0.0.0.0 is not a host address"),
		BAD("path_backup",
		    GW_PATHS(
			    "      - {name: p0, local: wan0, remote: 198.18.2.2, backup: maybe}\n"),
		    L(11) "peers[0].paths[0].backup: ", "'maybe' is not a boolean (true|false)"),
		BAD("listen_gateway", GWB "    listen: 7000\n", L(12) "peers[0].listen: ",
		    "not for a peer of kind gateway (only for mptcp-clients)"),
		BAD("backend_server",
		    PEER("    kind: mptcp-server\n    paths: [{name: p, local: wan0}]\n"
			 "    backend: 10.0.0.1:80\n"),
		    L(11) "peers[0].backend: ", "not for a peer of kind mptcp-server"),
		BAD("clients_listen_missing",
		    PEER("    kind: mptcp-clients\n    backend: 10.0.0.1:80\n"),
		    L(8) "peers[0].listen: ", "required for a peer of kind mptcp-clients"),
		BAD("clients_backend_missing", PEER("    kind: mptcp-clients\n    listen: 7000\n"),
		    L(8) "peers[0].backend: ", "required for a peer of kind mptcp-clients"),
		BAD("clients_listen_0", PEER("    kind: mptcp-clients\n    listen: 0\n"),
		    L(10) "peers[0].listen: ", "0 is out of range (1..65535)"),
		BAD("clients_backend_syntax",
		    PEER("    kind: mptcp-clients\n    listen: 7000\n    backend: 10.0.0.1\n"),
		    L(11) "peers[0].backend: ", "'10.0.0.1' is not a.b.c.d:port"),
		BAD("clients_backend_port",
		    PEER("    kind: mptcp-clients\n    listen: 7000\n    backend: 10.0.0.1:0\n"),
		    L(11) "peers[0].backend: ", "0 is out of range (1..65535)"),
		BAD("clients_listen_proxy", PEER("    kind: mptcp-clients\n    listen: 6543\n"),
		    L(10) "peers[0].listen: ", "port 6543 is also the proxy's (proxy.port)"),
		BAD("clients_listen_proxy_set",
		    PROXY("  port: 7000\n") "peers:\n  - {name: c, kind: mptcp-clients, listen: "
					    "7000, backend: \"10.0.0.1:80\"}\n",
		    L(10) "peers[0].listen: ", "port 7000 is also the proxy's (proxy.port)"),
		BAD("clients_listen_service",
		    BOX "services: [{name: e, kind: echo, listen: 7000}]\npeers:\n  - {name: c, "
			"kind: mptcp-clients, listen: 7000, backend: \"10.0.0.1:80\"}\n",
		    L(9) "peers[0].listen: ", "port 7000 is also services[0]'s"),
		BAD("clients_listen_twice",
		    BOX
		    "peers:\n"
		    "  - {name: c, kind: mptcp-clients, listen: 7000, backend: \"10.0.0.1:80\"}\n"
		    "  - {name: d, kind: mptcp-clients, listen: 7000, backend: \"10.0.0.1:80\"}\n",
		    L(9) "peers[1].listen: ", "port 7000 is also peers[0]'s"),
		BAD("peers_mapping", BOX "peers: {name: x}\n",
		    L(7) "peers: ", "expected a list, got a mapping"),

		/* rules */
		BAD("rule_unknown_key",
		    RULE("    dst: 10.0.0.0/8\n    action: deny\n    proto: tcp\n"),
		    L(16) "rules[0].proto: ", "unknown key"),
		BAD("rule_name_missing", GWB "rules:\n  - {dst: 10.0.0.0/8, action: deny}\n",
		    L(13) "rules[0].name: ", "required key missing"),
		BAD("rule_duplicate_name",
		    RULE("    dst: 10.0.0.0/8\n    action: deny\n") "  - {name: r, dst: "
								    "10.0.0.0/8, "
								    "action: deny}\n",
		    L(16) "rules[1].name: ", "duplicate rule name 'r' (also rules[0])"),
		BAD("rule_dst_missing", RULE("    action: deny\n"),
		    L(13) "rules[0].dst: ", "required key missing"),
		BAD("rule_action_missing", RULE("    dst: 10.0.0.0/8\n"),
		    L(13) "rules[0].action: ", "required key missing"),
		BAD("rule_action", RULE("    dst: 10.0.0.0/8\n    action: allow\n"),
		    L(15) "rules[0].action: ",
		    "unknown value 'allow' (intercept|passthrough|deny)"),
		BAD("rule_dst_syntax", RULE("    dst: 10.0.0/8\n    action: deny\n"),
		    L(14) "rules[0].dst: ",
		    "'10.0.0/8' is not an IPv4 or IPv6 prefix (address or address/len)"),
		BAD("rule_dst_no_len", RULE("    dst: 10.0.0.0/\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "is not an IPv4 or IPv6 prefix"),
		BAD("rule_dst_len_sign", RULE("    dst: 10.0.0.0/+8\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "is not an IPv4 or IPv6 prefix"),
		BAD("rule_dst_two_lens", RULE("    dst: 10.0.0.0/8/8\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "is not an IPv4 or IPv6 prefix"),
		BAD("rule_dst_leading_zero", RULE("    dst: 10.0.0.010\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "is not an IPv4 or IPv6 prefix"),
		BAD("rule_dst_zone", RULE("    dst: \"fe80::1%eth0\"\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "is not an IPv4 or IPv6 prefix"),
		BAD("rule_dst_empty", RULE("    dst: \"\"\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "'' is not an IPv4 or IPv6 prefix"),
		BAD("rule_dst_len_33", RULE("    dst: 10.0.0.0/33\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "prefix length 33 is out of range (0..32)"),
		BAD("rule_dst_len_129", RULE("    dst: \"2001:db8::/129\"\n    action: deny\n"),
		    L(14) "rules[0].dst: ", "prefix length 129 is out of range (0..128)"),
		BAD("rule_dst_len_huge",
		    RULE("    dst: 10.0.0.0/99999999999999999999\n    action: deny\n"),
		    L(14) "rules[0].dst: ",
		    "prefix length 99999999999999999999 is out of range (0..32)"),
		BAD("rule_dst_host_bits", RULE("    dst: 198.18.2.1/24\n    action: deny\n"),
		    L(14) "rules[0].dst: ",
		    "'198.18.2.1/24' has bits set past its length (the prefix is 198.18.2.0/24)"),
		BAD("rule_dst_host_bits6", RULE("    dst: \"2001:db8::1/32\"\n    action: deny\n"),
		    L(14) "rules[0].dst: ",
		    "has bits set past its length (the prefix is 2001:db8::/32)"),
		BAD("rule_dst_host_bits_0", RULE("    dst: 10.0.0.0/0\n    action: deny\n"),
		    L(14) "rules[0].dst: ",
		    "has bits set past its length (the prefix is 0.0.0.0/0)"),
		BAD("rule_src_host_bits",
		    RULE("    dst: 10.0.0.0/8\n    src: 10.1.0.0/8\n    action: deny\n"),
		    L(15) "rules[0].src: ", "(the prefix is 10.0.0.0/8)"),
		BAD("rule_src_family",
		    RULE("    dst: 10.0.0.0/8\n    src: \"::/0\"\n    action: deny\n"),
		    L(15) "rules[0].src: ", "an IPv6 prefix, but dst is IPv4"),
		BAD("rule_src_family6",
		    RULE("    dst: \"::/0\"\n    src: 10.0.0.0/8\n    action: deny\n"),
		    L(15) "rules[0].src: ", "an IPv4 prefix, but dst is IPv6"),
		BAD("rule_dport_name",
		    RULE("    dst: 10.0.0.0/8\n    dport: http\n    action: deny\n"),
		    L(15) "rules[0].dport: ",
		    "'http' is not a port or a port range (0..65535, or lo-hi)"),
		BAD("rule_dport_high",
		    RULE("    dst: 10.0.0.0/8\n    dport: 65536\n    action: deny\n"),
		    L(15) "rules[0].dport: ", "'65536' is out of range (ports are 0..65535)"),
		BAD("rule_dport_huge",
		    RULE("    dst: 10.0.0.0/8\n    dport: 1-99999999999999999999\n    action: "
			 "deny\n"),
		    L(15) "rules[0].dport: ", "is out of range (ports are 0..65535)"),
		BAD("rule_dport_reversed",
		    RULE("    dst: 10.0.0.0/8\n    dport: 8080-80\n    action: deny\n"),
		    L(15) "rules[0].dport: ", "'8080-80' is an empty range (lo-hi with lo <= hi)"),
		BAD("rule_dport_open",
		    RULE("    dst: 10.0.0.0/8\n    dport: 80-\n    action: deny\n"),
		    L(15) "rules[0].dport: ", "'80-' is not a port or a port range"),
		BAD("rule_dport_three",
		    RULE("    dst: 10.0.0.0/8\n    dport: 1-2-3\n    action: deny\n"),
		    L(15) "rules[0].dport: ", "'1-2-3' is not a port or a port range"),
		BAD("rule_dport_negative",
		    RULE("    dst: 10.0.0.0/8\n    dport: -5\n    action: deny\n"),
		    L(15) "rules[0].dport: ", "'-5' is not a port or a port range"),
		BAD("rule_dport_spaces",
		    RULE("    dst: 10.0.0.0/8\n    dport: \"80 - 90\"\n    action: deny\n"),
		    L(15) "rules[0].dport: ", "'80 - 90' is not a port or a port range"),
		BAD("rule_dport_empty", RULE("    dst: 10.0.0.0/8\n    dport:\n    action: deny\n"),
		    L(15) "rules[0].dport: ", "'' is not a port or a port range"),
		BAD("rule_sport_reversed",
		    RULE("    dst: 10.0.0.0/8\n    sport: 2-1\n    action: deny\n"),
		    L(15) "rules[0].sport: ", "'2-1' is an empty range"),
		BAD("rule_sport_list",
		    RULE("    dst: 10.0.0.0/8\n    sport: [80]\n    action: deny\n"),
		    L(15) "rules[0].sport: ", "expected a single value, got a list"),
		BAD("rule_peer_missing", RULE("    dst: 10.0.0.0/8\n    action: intercept\n"),
		    L(13) "rules[0].peer: ", "required key missing"),
		BAD("rule_peer_unknown",
		    RULE("    dst: 10.0.0.0/8\n    action: intercept\n    peer: gwc\n"),
		    L(16) "rules[0].peer: ", "no peer named 'gwc'"),
		BAD("rule_peer_no_peers",
		    BOX "rules: [{name: r, dst: 10.0.0.0/8, action: intercept, peer: gwb}]\n",
		    L(7) "rules[0].peer: ", "no peer named 'gwb'"),
		BAD("rule_peer_clients",
		    BOX "peers: [{name: c, kind: mptcp-clients, listen: 7000, backend: "
			"\"10.0.0.1:80\"}]\n"
			"rules: [{name: r, dst: 10.0.0.0/8, action: intercept, peer: c}]\n",
		    L(8) "rules[0].peer: ", "peer 'c' is of kind mptcp-clients"),
		BAD("rule_peer_passthrough",
		    RULE("    dst: 10.0.0.0/8\n    action: passthrough\n    peer: gwb\n"),
		    L(16) "rules[0].peer: ", "only for action intercept (not passthrough)"),
		BAD("rule_peer_deny",
		    RULE("    dst: 10.0.0.0/8\n    action: deny\n    peer: gwb\n"),
		    L(16) "rules[0].peer: ", "only for action intercept (not deny)"),
		BAD("rules_scalar", GWB "rules: web\n",
		    L(12) "rules: ", "expected a list, got a single value"),

		/* served */
		BAD("served_syntax", BOX "served: [10.0.0.0/8, nowhere]\n",
		    L(7) "served[1]: ", "'nowhere' is not an IPv4 or IPv6 prefix"),
		BAD("served_host_bits", BOX "served:\n  - 10.0.0.0/8\n  - \"2001:db8::1/64\"\n",
		    L(9) "served[1]: ",
		    "has bits set past its length (the prefix is 2001:db8::/64)"),
		BAD("served_len", BOX "served: [10.0.0.0/40]\n",
		    L(7) "served[0]: ", "prefix length 40 is out of range (0..32)"),
		BAD("served_scalar", BOX "served: 10.0.0.0/8\n",
		    L(7) "served: ", "expected a list, got a single value"),
		BAD("served_mapping_entry", BOX "served: [{a: b}]\n",
		    L(7) "served[0]: ", "expected a single value, got a mapping"),

		/* proxy */
		BAD("proxy_unknown_key", PROXY("  ports: 1\n"),
		    L(8) "proxy.ports: ", "unknown key"),
		BAD("proxy_scalar", BOX "proxy: 6543\n",
		    L(7) "proxy: ", "expected a mapping, got a single value"),
		BAD("proxy_port_0", PROXY("  port: 0\n"),
		    L(8) "proxy.port: ", "0 is out of range (1..65535)"),
		BAD("proxy_port_high", PROXY("  port: 65536\n"),
		    L(8) "proxy.port: ", "65536 is out of range (1..65535)"),
		BAD("proxy_port_service",
		    BOX "services: [{name: e, kind: echo, listen: 7000}]\nproxy: {port: 7000}\n",
		    L(8) "proxy.port: ", "port 7000 is also services[0]'s"),
		BAD("proxy_port_default_service",
		    BOX "services:\n  - {name: e, kind: echo, listen: 7}\n"
			"  - {name: f, kind: echo, listen: 6543}\n",
		    L(9) "services[1].listen: ",
		    "port 6543 is the proxy's (proxy.port, default 6543)"),
		BAD("proxy_max_conns_0", PROXY("  max_connections: 0\n"),
		    L(8) "proxy.max_connections: ", "0 is out of range (1..1048576)"),
		BAD("proxy_max_conns_high", PROXY("  max_connections: 1048577\n"),
		    L(8) "proxy.max_connections: ", "1048577 is out of range"),
		BAD("proxy_buffer_low", PROXY("  buffer: 16383\n"),
		    L(8) "proxy.buffer: ", "16383 is out of range (16384..67108864)"),
		BAD("proxy_buffer_high", PROXY("  buffer: 67108865\n"),
		    L(8) "proxy.buffer: ", "67108865 is out of range"),
		BAD("proxy_buffer_hex", PROXY("  buffer: 0x4000\n"),
		    L(8) "proxy.buffer: ", "'0x4000' is not a decimal number"),
		BAD("proxy_connect_timeout_low", PROXY("  connect_timeout_ms: 99\n"),
		    L(8) "proxy.connect_timeout_ms: ", "99 is out of range (100..600000)"),
		BAD("proxy_connect_timeout_high", PROXY("  connect_timeout_ms: 600001\n"),
		    L(8) "proxy.connect_timeout_ms: ", "600001 is out of range"),
		BAD("proxy_idle_timeout_high", PROXY("  idle_timeout_s: 604801\n"),
		    L(8) "proxy.idle_timeout_s: ", "604801 is out of range (0..604800)"),
		BAD("proxy_idle_timeout_negative", PROXY("  idle_timeout_s: -1\n"),
		    L(8) "proxy.idle_timeout_s: ", "-1 is out of range"),

		/* control */
		BAD("control_unknown_key", SECTION("control:\n  path: /run/x.sock\n"),
		    L(11) "control.path: ", "unknown key"),
		BAD("control_scalar", SECTION("control: /run/x.sock\n"),
		    L(10) "control: ", "expected a mapping, got a single value"),
		BAD("control_socket_relative", SECTION("control:\n  socket: run/mpgwd.sock\n"),
		    L(11) "control.socket: ", "'run/mpgwd.sock' is not an absolute path"),
		BAD("control_socket_long", SECTION("control:\n  socket: " SOCK99 "/678.sock\n"),
		    L(11) "control.socket: ",
		    "too long for a unix socket (108 bytes, at most 107)"),
		BAD("control_socket_empty", SECTION("control:\n  socket: \"\"\n"),
		    L(11) "control.socket: ", "must not be empty"),
		BAD("control_socket_control", SECTION("control:\n  socket: \"/run/a\\tb\"\n"),
		    L(11) "control.socket: ", "contains a control character"),
		BAD("control_owner_unknown", SECTION("control:\n  owner: no-such-user-mpgw\n"),
		    L(11) "control.owner: ",
		    "no user named 'no-such-user-mpgw' (a name, or a number)"),
		BAD("control_owner_huge", SECTION("control:\n  owner: 4294967295\n"),
		    L(11) "control.owner: ", "4294967295 is out of range (0..4294967294)"),
		BAD("control_owner_negative", SECTION("control:\n  owner: -1\n"),
		    L(11) "control.owner: ", "no user named '-1'"),
		BAD("control_owner_empty", SECTION("control:\n  owner: ''\n"),
		    L(11) "control.owner: ", "must not be empty"),
		BAD("control_group_unknown", SECTION("control:\n  group: no-such-group-mpgw\n"),
		    L(11) "control.group: ",
		    "no group named 'no-such-group-mpgw' (a name, or a number)"),
		BAD("control_group_huge", SECTION("control:\n  group: 99999999999999999999\n"),
		    L(11) "control.group: ", "99999999999999999999 is out of range"),
		BAD("control_mode_others_rw", SECTION("control:\n  mode: \"0666\"\n"),
		    L(11) "control.mode: ",
		    "0666 gives others access (o+rw): anyone who can open the socket can change "
		    "the box"),
		BAD("control_mode_others_r", SECTION("control:\n  mode: \"644\"\n"),
		    L(11) "control.mode: ", "0644 gives others access (o+r)"),
		BAD("control_mode_others_x", SECTION("control:\n  mode: \"0661\"\n"),
		    L(11) "control.mode: ", "0661 gives others access (o+x)"),
		BAD("control_mode_others_rwx", SECTION("control:\n  mode: \"0777\"\n"),
		    L(11) "control.mode: ", "0777 gives others access (o+rwx)"),
		BAD("control_mode_sticky", SECTION("control:\n  mode: \"1660\"\n"),
		    L(11) "control.mode: ", "'1660' sets more than permission bits (at most 0777)"),
		BAD("control_mode_digits", SECTION("control:\n  mode: \"66\"\n"),
		    L(11) "control.mode: ", "'66' is not an octal mode of 3 or 4 digits"),
		BAD("control_mode_five", SECTION("control:\n  mode: \"00660\"\n"),
		    L(11) "control.mode: ", "'00660' is not an octal mode of 3 or 4 digits"),
		BAD("control_mode_not_octal", SECTION("control:\n  mode: \"0680\"\n"),
		    L(11) "control.mode: ", "'0680' is not an octal mode"),
		BAD("control_mode_symbolic", SECTION("control:\n  mode: ug+rw\n"),
		    L(11) "control.mode: ", "'ug+rw' is not an octal mode"),
		BAD("control_mode_empty", SECTION("control:\n  mode:\n"),
		    L(11) "control.mode: ", "'' is not an octal mode"),

		/* metrics */
		BAD("metrics_unknown_key", SECTION("metrics:\n  port: 9477\n"),
		    L(11) "metrics.port: ", "unknown key"),
		BAD("metrics_no_port", SECTION("metrics:\n  listen: 127.0.0.1\n"),
		    L(11) "metrics.listen: ",
		    "'127.0.0.1' is not ADDR:PORT (a.b.c.d:port or [IPv6]:port) or off"),
		BAD("metrics_port_0", SECTION("metrics:\n  listen: 127.0.0.1:0\n"),
		    L(11) "metrics.listen: ", "0 is out of range (1..65535)"),
		BAD("metrics_port_high", SECTION("metrics:\n  listen: \"[::1]:65536\"\n"),
		    L(11) "metrics.listen: ", "65536 is out of range (1..65535)"),
		BAD("metrics_port_name", SECTION("metrics:\n  listen: 127.0.0.1:http\n"),
		    L(11) "metrics.listen: ", "'http' is not a decimal number (1..65535)"),
		BAD("metrics_v6_unbracketed", SECTION("metrics:\n  listen: \"::1:9477\"\n"),
		    L(11) "metrics.listen: ", "'::1:9477' is not ADDR:PORT"),
		BAD("metrics_v6_no_colon", SECTION("metrics:\n  listen: \"[::1]9477\"\n"),
		    L(11) "metrics.listen: ", "'[::1]9477' is not ADDR:PORT"),
		BAD("metrics_v6_empty", SECTION("metrics:\n  listen: \"[]:9477\"\n"),
		    L(11) "metrics.listen: ", "'[]:9477' is not ADDR:PORT"),
		BAD("metrics_v4_in_brackets", SECTION("metrics:\n  listen: \"[127.0.0.1]:9477\"\n"),
		    L(11) "metrics.listen: ", "is not ADDR:PORT"),
		BAD("metrics_hostname", SECTION("metrics:\n  listen: localhost:9477\n"),
		    L(11) "metrics.listen: ", "'localhost:9477' is not ADDR:PORT"),
		BAD("metrics_leading_zero", SECTION("metrics:\n  listen: 127.0.0.01:9477\n"),
		    L(11) "metrics.listen: ", "is not ADDR:PORT"),
		BAD("metrics_off_case", SECTION("metrics:\n  listen: \"OFF\"\n"),
		    L(11) "metrics.listen: ", "'OFF' is not ADDR:PORT"),
		BAD("metrics_empty", SECTION("metrics:\n  listen: ''\n"),
		    L(11) "metrics.listen: ", "'' is not ADDR:PORT"),

		/* health */
		BAD("health_unknown_key", SECTION("health:\n  interval_ms: 100\n"),
		    L(11) "health.interval_ms: ", "unknown key"),
		BAD("health_scalar", SECTION("health: on\n"),
		    L(10) "health: ", "expected a mapping, got a single value"),
		BAD("health_interval_low", SECTION("health:\n  probe_interval_ms: 99\n"),
		    L(11) "health.probe_interval_ms: ", "99 is out of range (0 or 100..60000)"),
		BAD("health_interval_high", SECTION("health:\n  probe_interval_ms: 60001\n"),
		    L(11) "health.probe_interval_ms: ", "60001 is out of range (0 or 100..60000)"),
		BAD("health_timeout_0", SECTION("health:\n  probe_timeout_ms: 0\n"),
		    L(11) "health.probe_timeout_ms: ", "0 is out of range (10..60000)"),
		BAD("health_timeout_low", SECTION("health:\n  probe_timeout_ms: 9\n"),
		    L(11) "health.probe_timeout_ms: ", "9 is out of range (10..60000)"),
		BAD("health_timeout_high", SECTION("health:\n  probe_timeout_ms: 60001\n"),
		    L(11) "health.probe_timeout_ms: ", "60001 is out of range (10..60000)"),
		BAD("health_down_after_0", SECTION("health:\n  down_after: 0\n"),
		    L(11) "health.down_after: ", "0 is out of range (1..100)"),
		BAD("health_down_after_high", SECTION("health:\n  down_after: 101\n"),
		    L(11) "health.down_after: ", "101 is out of range (1..100)"),
		BAD("health_up_after_0", SECTION("health:\n  up_after: 0\n"),
		    L(11) "health.up_after: ", "0 is out of range (1..100)"),
		BAD("health_up_after_high", SECTION("health:\n  up_after: 101\n"),
		    L(11) "health.up_after: ", "101 is out of range (1..100)"),
		BAD("health_loss_window_low", SECTION("health:\n  loss_window: 3\n"),
		    L(11) "health.loss_window: ", "3 is out of range (4..1000)"),
		BAD("health_loss_window_high", SECTION("health:\n  loss_window: 1001\n"),
		    L(11) "health.loss_window: ", "1001 is out of range (4..1000)"),
		BAD("health_loss_pct_0", SECTION("health:\n  degraded_loss_pct: 0\n"),
		    L(11) "health.degraded_loss_pct: ", "0 is out of range (1..100)"),
		BAD("health_loss_pct_high", SECTION("health:\n  degraded_loss_pct: 101\n"),
		    L(11) "health.degraded_loss_pct: ", "101 is out of range (1..100)"),
		BAD("health_rtt_high", SECTION("health:\n  degraded_rtt_ms: 60001\n"),
		    L(11) "health.degraded_rtt_ms: ", "60001 is out of range (0 or 1..60000)"),
		BAD("health_rtt_negative", SECTION("health:\n  degraded_rtt_ms: -1\n"),
		    L(11) "health.degraded_rtt_ms: ", "-1 is out of range"),
		BAD("health_hex", SECTION("health:\n  loss_window: 0x10\n"),
		    L(11) "health.loss_window: ", "'0x10' is not a decimal number (4..1000)"),
		BAD("health_second_key_line",
		    SECTION("health:\n  down_after: 3\n  # comment\n  up_after: 500\n"),
		    L(13) "health.up_after: ", "500 is out of range (1..100)"),

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
