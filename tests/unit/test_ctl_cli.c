/* SPDX-License-Identifier: BSD-3-Clause */
/* mpgwctl's grammar and output (mgmt/ctl_cli.c): every command's request
 * against docs/control.md, abbreviations, every error message, and the
 * rendering of sample responses, tables to the byte. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mgmt/ctl_cli.h"

#define ARGS_MAX 64

/* Split line on spaces into argv (in buf); returns argc. */
static int split(const char *line, char *buf, size_t len, char **argv)
{
	int argc = 0;

	snprintf(buf, len, "%s", line);
	for (char *t = strtok(buf, " "); t != NULL && argc < ARGS_MAX; t = strtok(NULL, " "))
		argv[argc++] = t;
	return argc;
}

static json_t *parse(const char *line, char *err, size_t errlen)
{
	char buf[1024], *argv[ARGS_MAX];
	int argc = split(line, buf, sizeof(buf), argv);

	return mgmt_ctl_cli_parse(argc, argv, err, errlen);
}

static void expect(const char *line, const char *want_text)
{
	char err[256] = "";
	json_error_t je;
	json_t *got = parse(line, err, sizeof(err));
	json_t *want = json_loads(want_text, 0, &je);

	if (want == NULL)
		fail_msg("bad expected JSON for '%s': %s", line, je.text);
	if (got == NULL)
		fail_msg("'%s': refused: %s", line, err);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

		fail_msg("'%s':\n   got %s\n  want %s", line, g, want_text);
	}
	json_decref(got);
	json_decref(want);
}

static void expect_err(const char *line, const char *msg)
{
	char err[256] = "";
	json_t *got = parse(line, err, sizeof(err));

	if (got != NULL) {
		char *g = json_dumps(got, JSON_COMPACT);

		fail_msg("'%s': taken as %s, want error '%s'", line, g, msg);
	}
	if (strcmp(err, msg) != 0)
		fail_msg("'%s':\n   got error '%s'\n  want error '%s'", line, err, msg);
}

static void test_status_counters_reload(void **state)
{
	(void)state;
	expect("status", "{\"command\": \"status\"}");
	expect("status show", "{\"command\": \"status\"}");
	expect("s", "{\"command\": \"status\"}");
	expect("stat", "{\"command\": \"status\"}");
	expect("counters", "{\"command\": \"counters show\"}");
	expect("counters show", "{\"command\": \"counters show\"}");
	expect("stats", "{\"command\": \"counters show\"}");
	expect("stats list", "{\"command\": \"counters show\"}");
	expect("cou", "{\"command\": \"counters show\"}");
	expect("reload", "{\"command\": \"reload\"}");
}

static void test_peer(void **state)
{
	(void)state;
	expect("peer", "{\"command\": \"peer show\"}");
	expect("peer show", "{\"command\": \"peer show\"}");
	expect("peer list", "{\"command\": \"peer show\"}");
	expect("peer show gwb", "{\"command\": \"peer show\", \"name\": \"gwb\"}");
	expect("pe sh gwb", "{\"command\": \"peer show\", \"name\": \"gwb\"}");
	expect("peer add gwb kind gateway",
	       "{\"command\": \"peer add\", \"peer\": {\"name\": \"gwb\", \"kind\": \"gateway\"}}");
	expect("peer add gwb kind gateway port 6543 psk-file /etc/mpgw/gwb.key scheduler minrtt "
	       "cc olia",
	       "{\"command\": \"peer add\", \"peer\": {\"name\": \"gwb\", \"kind\": \"gateway\", "
	       "\"port\": 6543, \"psk_file\": \"/etc/mpgw/gwb.key\", \"scheduler\": \"minrtt\", "
	       "\"cc\": \"olia\"}}");
	/* keywords in any order */
	expect("peer add srv cc cubic kind mptcp-server",
	       "{\"command\": \"peer add\", \"peer\": {\"name\": \"srv\", \"kind\": "
	       "\"mptcp-server\", \"cc\": \"cubic\"}}");
	expect("peer add cl kind mptcp-clients listen 8443 backend 10.1.0.5:443",
	       "{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
	       "\"mptcp-clients\", \"listen\": 8443, \"backend\": \"10.1.0.5:443\"}}");
	expect("peer del gwb", "{\"command\": \"peer remove\", \"name\": \"gwb\"}");
	expect("peer delete gwb", "{\"command\": \"peer remove\", \"name\": \"gwb\"}");
	expect("peer remove gwb", "{\"command\": \"peer remove\", \"name\": \"gwb\"}");
	expect("pe d gwb", "{\"command\": \"peer remove\", \"name\": \"gwb\"}");
	expect("pe rem gwb", "{\"command\": \"peer remove\", \"name\": \"gwb\"}");
	expect("peer a x kind gateway",
	       "{\"command\": \"peer add\", \"peer\": {\"name\": \"x\", \"kind\": \"gateway\"}}");
}

static void test_peer_psk_relative(void **state)
{
	char cwd[PATH_MAX], want[PATH_MAX + 200];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want),
		 "{\"command\": \"peer add\", \"peer\": {\"name\": \"g\", \"kind\": \"gateway\", "
		 "\"psk_file\": \"%s/keys/g.key\"}}",
		 cwd);
	expect("peer add g kind gateway psk-file keys/g.key", want);
}

static void test_path(void **state)
{
	(void)state;
	expect("path", "{\"command\": \"path show\"}");
	expect("path show", "{\"command\": \"path show\"}");
	expect("path show peer gwb", "{\"command\": \"path show\", \"peer\": \"gwb\"}");
	expect("pa", "{\"command\": \"path show\"}");
	expect("path add p3 peer gwb local wan2 remote 198.18.22.2",
	       "{\"command\": \"path add\", \"peer\": \"gwb\", \"path\": {\"name\": \"p3\", "
	       "\"local\": \"wan2\", \"remote\": \"198.18.22.2\", \"backup\": false}}");
	expect("pa a p3 local wan2 remote 198.18.22.2 backup peer gwb",
	       "{\"command\": \"path add\", \"peer\": \"gwb\", \"path\": {\"name\": \"p3\", "
	       "\"local\": \"wan2\", \"remote\": \"198.18.22.2\", \"backup\": true}}");
	/* an mptcp-server peer's path has no remote end of its own */
	expect("path add s1 peer srv local wan0",
	       "{\"command\": \"path add\", \"peer\": \"srv\", \"path\": {\"name\": \"s1\", "
	       "\"local\": \"wan0\", \"backup\": false}}");
	expect("path del p3 peer gwb",
	       "{\"command\": \"path remove\", \"peer\": \"gwb\", \"name\": \"p3\"}");
	expect("path remove p3 peer gwb",
	       "{\"command\": \"path remove\", \"peer\": \"gwb\", \"name\": \"p3\"}");
}

static void test_rule(void **state)
{
	(void)state;
	expect("rule", "{\"command\": \"rule show\"}");
	expect("rule show", "{\"command\": \"rule show\"}");
	expect("r", "{\"command\": \"rule show\"}");
	expect("ru l", "{\"command\": \"rule show\"}");
	expect("rule add web dst 198.18.2.0/24 dport 443 action intercept peer gwb",
	       "{\"command\": \"rule add\", \"rule\": {\"name\": \"web\", \"dst\": "
	       "\"198.18.2.0/24\", \"dport\": \"443\", \"action\": \"intercept\", \"peer\": "
	       "\"gwb\"}}");
	expect("rule add all dst 10.0.0.0/8 src 10.1.0.0/16 dport 8000-8080 sport 1024-65535 "
	       "action passthrough index 0",
	       "{\"command\": \"rule add\", \"index\": 0, \"rule\": {\"name\": \"all\", \"dst\": "
	       "\"10.0.0.0/8\", \"src\": \"10.1.0.0/16\", \"dport\": \"8000-8080\", \"sport\": "
	       "\"1024-65535\", \"action\": \"passthrough\"}}");
	/* a bare address is a host; IPv6; port 0 is a port a rule may name */
	expect("rule add h dst 10.0.0.1 action deny dport 0 index 12",
	       "{\"command\": \"rule add\", \"index\": 12, \"rule\": {\"name\": \"h\", \"dst\": "
	       "\"10.0.0.1/32\", \"dport\": \"0\", \"action\": \"deny\"}}");
	expect("rule add v6 dst 2001:db8::/32 src 2001:db8:1:: action deny",
	       "{\"command\": \"rule add\", \"rule\": {\"name\": \"v6\", \"dst\": "
	       "\"2001:db8::/32\", \"src\": \"2001:db8:1::/128\", \"action\": \"deny\"}}");
	expect("rule del web", "{\"command\": \"rule remove\", \"name\": \"web\"}");
	expect("r rem web", "{\"command\": \"rule remove\", \"name\": \"web\"}");
}

static void test_connection(void **state)
{
	(void)state;
	expect("connection", "{\"command\": \"connection show\"}");
	expect("connection show", "{\"command\": \"connection show\"}");
	expect("conn", "{\"command\": \"connection show\"}");
	expect("c", "{\"command\": \"connection show\"}");
	expect("co", "{\"command\": \"connection show\"}");
	expect("conn show peer gwb", "{\"command\": \"connection show\", \"peer\": \"gwb\"}");
	expect("c s peer gwb", "{\"command\": \"connection show\", \"peer\": \"gwb\"}");
}

static void test_errors(void **state)
{
	char err[256];

	(void)state;
	assert_null(mgmt_ctl_cli_parse(0, NULL, err, sizeof(err)));
	assert_string_equal(err, "missing command (status, peer, path, rule, connection, "
				 "counters, reload)");
	expect_err("p", "'p' is ambiguous: peer, path");
	expect_err("foo", "unknown object 'foo' (status, peer, path, rule, connection, counters, "
			  "reload)");
	expect_err("re", "'re': write 'reload' in full (it undoes every change made here)");
	expect_err("reload now", "unknown keyword 'now' after 'reload'");
	expect_err("status foo", "unknown verb 'foo' after 'status' (show)");
	expect_err("counters add", "unknown verb 'add' after 'counters' (show)");
	expect_err("conn del x", "unknown verb 'del' after 'connection' (show)");
	expect_err("peer gwb", "unknown verb 'gwb' after 'peer' (show, add, del)");
	expect_err("peer show gwb extra", "unknown keyword 'extra' after 'peer show'");
	expect_err("path add p3 peer gwb local wan2 foo 1",
		   "unknown keyword 'foo' after 'path add'");
	expect_err("path add p3 peer gwb local wan2 remote", "missing value for 'remote'");
	expect_err("path add p3 peer gwb remote 198.18.22.2", "'path add' needs 'local'");
	expect_err("path add p3 local wan2", "'path add' needs 'peer'");
	expect_err("path add", "missing NAME after 'path add'");
	expect_err("path add peer gwb local wan2", "missing NAME after 'path add'");
	expect_err("path del p3", "'path del' needs 'peer'");
	expect_err("path add p3 peer gwb local wan2 remote 198.18.22",
		   "invalid value '198.18.22' for 'remote': an IPv4 address a.b.c.d");
	expect_err("path add p3 peer gwb peer gwc local wan2", "'peer' given twice");
	expect_err("path add p3 peer gwb local wan2 backup backup", "'backup' given twice");
	expect_err("path show peer", "missing value for 'peer'");
	expect_err("peer add gwb", "'peer add' needs 'kind'");
	expect_err("peer add gwb kind router",
		   "invalid value 'router' for 'kind': gateway, mptcp-server or mptcp-clients");
	expect_err("peer add gwb kind gateway port 0",
		   "invalid value '0' for 'port': a port 1..65535");
	expect_err("peer add gwb kind gateway port 65536",
		   "invalid value '65536' for 'port': a port 1..65535");
	expect_err("peer add gwb kind gateway port -1",
		   "invalid value '-1' for 'port': a port 1..65535");
	expect_err("peer add gwb kind gateway port 8x",
		   "invalid value '8x' for 'port': a port 1..65535");
	expect_err("peer add gwb kind mptcp-clients backend 10.0.0.1",
		   "invalid value '10.0.0.1' for 'backend': a.b.c.d:port");
	expect_err("peer add gwb kind mptcp-clients backend 10.0.0.1:0",
		   "invalid value '10.0.0.1:0' for 'backend': a.b.c.d:port, port 1..65535");
	expect_err("peer add a23456789012345678901234567890123 kind gateway",
		   "invalid value 'a23456789012345678901234567890123' for 'name': a name of 1..31 "
		   "bytes");
	expect_err("peer del", "missing NAME after 'peer del'");
	expect_err("peer del g\xff", "invalid value 'g\xff' for 'name': not UTF-8 text");
	expect_err("peer add g kind gateway cc \xc3",
		   "invalid value '\xc3' for 'cc': not UTF-8 text");
	expect_err("rule add r dst 10.0.0.0/8 action deny index -1",
		   "invalid value '-1' for 'index': a whole number >= 0");
	expect_err("rule add r dst 10.0.0.0/8 action deny index 99999999999",
		   "invalid value '99999999999' for 'index': a whole number >= 0");
	expect_err("rule add r dst 10.0.0.0/33 action deny",
		   "invalid value '10.0.0.0/33' for 'dst': the length is 0..32");
	expect_err("rule add r dst 10.0.0.0/ action deny",
		   "invalid value '10.0.0.0/' for 'dst': the length is 0..32");
	expect_err("rule add r dst 2001:db8::/129 action deny",
		   "invalid value '2001:db8::/129' for 'dst': the length is 0..128");
	expect_err("rule add r dst 10.0.0/8 action deny",
		   "invalid value '10.0.0/8' for 'dst': a prefix (a.b.c.d/len or an IPv6 one)");
	expect_err("rule add r dst 10.0.0.0/8 action deny dport 90-80",
		   "invalid value '90-80' for 'dport': the range is backwards (lo-hi, lo <= hi)");
	expect_err("rule add r dst 10.0.0.0/8 action deny sport 1-65536",
		   "invalid value '1-65536' for 'sport': a port 0..65535 or a range lo-hi");
	expect_err("rule add r dst 10.0.0.0/8 action deny sport 1-",
		   "invalid value '1-' for 'sport': a port 0..65535 or a range lo-hi");
	expect_err("rule add r dst 10.0.0.0/8 action allow",
		   "invalid value 'allow' for 'action': intercept, passthrough or deny");
	expect_err("rule add r dst 10.0.0.0/8", "'rule add' needs 'action'");
	expect_err("rule add r action deny", "'rule add' needs 'dst'");
	expect_err("rule del", "missing NAME after 'rule del'");
}

static void test_error_buffer(void **state)
{
	char small[8];
	char *argv[] = { "p" };

	(void)state;
	/* a short buffer holds the message's start; none at all is fine */
	assert_null(mgmt_ctl_cli_parse(1, argv, small, sizeof(small)));
	assert_string_equal(small, "'p' is ");
	assert_null(mgmt_ctl_cli_parse(1, argv, NULL, 0));
}

/* ---- rendering ---- */

static char *render(const char *request, const char *response, int *rc)
{
	json_t *req = json_loads(request, 0, NULL), *resp = json_loads(response, 0, NULL);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(req);
	assert_non_null(resp);
	assert_non_null(f);
	*rc = mgmt_ctl_cli_render(f, req, resp);
	fclose(f);
	json_decref(req);
	json_decref(resp);
	return out;
}

static void expect_render(const char *request, const char *response, int want_rc, const char *want)
{
	int rc;
	char *got = render(request, response, &rc);

	if (strcmp(got, want) != 0)
		fail_msg("render of %s:\n--- got\n%s--- want\n%s---", request, got, want);
	assert_int_equal(rc, want_rc);
	free(got);
}

static void test_render_changes_and_errors(void **state)
{
	(void)state;
	expect_render("{\"command\": \"path add\"}", "{\"ok\": true}", 0, "ok\n");
	expect_render("{\"command\": \"rule remove\"}", "{\"ok\": true}", 0, "ok\n");
	expect_render("{\"command\": \"reload\"}", "{\"ok\": true, \"time\": 1714564800}", 0,
		      "ok\n");
	expect_render("{\"command\": \"peer remove\"}",
		      "{\"ok\": false, \"error\": \"peer gwb: rule web names it\"}", 1,
		      "mpgwctl: peer gwb: rule web names it\n");
	expect_render("{\"command\": \"status\"}", "{\"ok\": false}", 1, "mpgwctl: failed\n");
	expect_render("{\"command\": \"status\"}", "{\"error\": \"x\"}", 1,
		      "mpgwctl: not a response (no \"ok\")\n");
	expect_render("{\"command\": \"status\"}", "[1]", 1,
		      "mpgwctl: not a response (no \"ok\")\n");
	/* a command this client does not know: its members, as status's */
	expect_render("{\"command\": \"frobnicate\"}", "{\"ok\": true, \"n\": 3, \"what\": \"x\"}",
		      0, "n:     3\nwhat:  x\n");
}

static void test_render_status(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	expect_render("{\"command\": \"status\"}",
		      "{\"ok\": true, \"connections\": 12, \"version\": \"0.6\", \"config\": "
		      "\"/etc/mpgw/mpgwd.yaml\", \"started\": 1714564800, \"reload\": {\"ok\": "
		      "true, \"time\": 1714568400}, \"workers\": 2}",
		      0,
		      "version:      0.6\n"
		      "config:       /etc/mpgw/mpgwd.yaml\n"
		      "started:      2024-05-01 12:00:00 +0000\n"
		      "reload:       ok 2024-05-01 13:00:00 +0000\n"
		      "workers:      2\n"
		      "connections:  12\n");
	expect_render("{\"command\": \"status\"}",
		      "{\"ok\": true, \"version\": \"0.6\", \"reload\": {\"ok\": false, \"time\": "
		      "1714568400, \"error\": \"gw.yaml:3: workers: too many\"}}",
		      0,
		      "version:  0.6\n"
		      "reload:   failed 2024-05-01 13:00:00 +0000: gw.yaml:3: workers: too many\n");
	expect_render("{\"command\": \"status\"}", "{\"ok\": true, \"started\": 0, \"reload\": {}}",
		      0, "started:  never\nreload:   never\n");
}

static void test_render_counters(void **state)
{
	(void)state;
	expect_render("{\"command\": \"counters show\"}",
		      "{\"ok\": true, \"counters\": {\"rx_packets\": 123456, \"tx_packets\": 7, "
		      "\"mptcp_subflows_established\": 42, \"drops\": 0}}",
		      0,
		      "rx_packets                  123456\n"
		      "tx_packets                       7\n"
		      "mptcp_subflows_established      42\n"
		      "drops                            0\n");
	expect_render("{\"command\": \"counters show\"}", "{\"ok\": true, \"counters\": {}}", 0,
		      "");
}

static void test_render_peers(void **state)
{
	(void)state;
	expect_render(
		"{\"command\": \"peer show\"}",
		"{\"ok\": true, \"peers\": [{\"name\": \"gwb\", \"kind\": \"gateway\", \"port\": "
		"6543, \"scheduler\": \"minrtt\", \"cc\": \"olia\", \"connections\": 120, "
		"\"paths\": [{\"name\": \"p1\", \"state\": \"up\"}, {\"name\": \"p2\", \"state\": "
		"\"down\"}]}, {\"name\": \"server-farm\", \"kind\": \"mptcp-server\", \"port\": 0, "
		"\"scheduler\": \"roundrobin\", \"cc\": \"cubic\", \"connections\": 3, \"paths\": "
		"[]}]}",
		0,
		"NAME         KIND          PORT  SCHEDULER   CC     CONNS  PATHS\n"
		"gwb          gateway       6543  minrtt      olia     120  p1(up),p2(down)\n"
		"server-farm  mptcp-server     0  roundrobin  cubic      3  -\n");
	expect_render("{\"command\": \"peer show\"}", "{\"ok\": true, \"peers\": []}", 0,
		      "NAME  KIND  PORT  SCHEDULER  CC  CONNS  PATHS\n");
}

static void test_render_paths(void **state)
{
	(void)state;
	expect_render(
		"{\"command\": \"path show\"}",
		"{\"ok\": true, \"paths\": [{\"peer\": \"gwb\", \"name\": \"p1\", \"local\": "
		"\"wan0\", \"local_address\": \"198.18.10.1\", \"remote\": \"198.18.20.1\", "
		"\"backup\": false, \"state\": \"up\", \"rtt_ms\": 12.3, \"loss_pct\": 0.0, "
		"\"subflows\": 120}, {\"peer\": \"gwb\", \"name\": \"backup-lte\", \"local\": "
		"\"lte\", \"local_address\": \"10.9.0.2\", \"remote\": \"198.18.22.2\", "
		"\"backup\": true, \"state\": \"unknown\", \"rtt_ms\": null, \"loss_pct\": null, "
		"\"subflows\": 0}]}",
		0,
		"PEER  NAME        LOCAL  ADDRESS      REMOTE       STATE    RTT_MS  LOSS_%  "
		"SUBFLOWS"
		"  BACKUP\n"
		"gwb   p1          wan0   198.18.10.1  198.18.20.1  up         12.3     0.0       "
		"120"
		"  no\n"
		"gwb   backup-lte  lte    10.9.0.2     198.18.22.2  unknown       -       -        "
		" 0"
		"  yes\n");
}

static void test_render_rules(void **state)
{
	(void)state;
	expect_render(
		"{\"command\": \"rule show\"}",
		"{\"ok\": true, \"rules\": [{\"name\": \"web\", \"dst\": \"198.18.2.0/24\", "
		"\"dport\": \"443\", \"action\": \"intercept\", \"peer\": \"gwb\", \"hits\": "
		"123456}, {\"name\": \"ssh-from-admin\", \"dst\": \"10.0.0.0/8\", \"src\": "
		"\"10.1.0.0/16\", \"dport\": \"22\", \"sport\": \"1024-65535\", \"action\": "
		"\"passthrough\", \"hits\": 7}, {\"name\": \"rest\", \"dst\": \"0.0.0.0/0\", "
		"\"action\": \"deny\"}]}",
		0,
		"#  NAME            DST            SRC          DPORT  SPORT       ACTION       "
		"PEER    HITS\n"
		"0  web             198.18.2.0/24  any          443    any         intercept    "
		"gwb   123456\n"
		"1  ssh-from-admin  10.0.0.0/8     10.1.0.0/16  22     1024-65535  passthrough  "
		"-          7\n"
		"2  rest            0.0.0.0/0      any          any    any         deny         "
		"-          -\n");
}

static void test_render_connections(void **state)
{
	(void)state;
	expect_render(
		"{\"command\": \"connection show\"}",
		"{\"ok\": true, \"connections\": [{\"peer\": \"gwb\", \"client\": "
		"\"10.1.0.5:40000\", \"server\": \"198.18.2.10:443\", \"role\": \"origin\", "
		"\"age_s\": 3725, \"bytes_in\": 1048576, \"bytes_out\": 2000, \"scheduler\": "
		"\"minrtt\", \"subflows\": [{\"path\": \"p1\", \"local\": \"198.18.10.1:51000\", "
		"\"remote\": \"198.18.20.1:6543\", \"state\": \"established\", \"rtt_ms\": 12.5, "
		"\"cwnd\": 14480, \"bytes_sent\": 1500, \"bytes_received\": 700000, "
		"\"retrans_segs\": 2, \"backup\": false}, {\"path\": \"backup-lte\", \"local\": "
		"\"10.9.0.2:51001\", \"remote\": \"198.18.22.2:6543\", \"state\": \"established\", "
		"\"rtt_ms\": 80.0, \"cwnd\": 2896, \"bytes_sent\": 500, \"bytes_received\": "
		"348576, "
		"\"retrans_segs\": 0, \"backup\": true}]}, {\"peer\": \"gwb\", \"client\": "
		"\"10.1.0.6:40001\", \"server\": \"198.18.2.11:80\", \"role\": \"far\", \"age_s\": "
		"5, \"bytes_in\": 0, \"bytes_out\": 0, \"scheduler\": \"roundrobin\", "
		"\"subflows\": []}]}",
		0,
		"PEER  CLIENT          SERVER           ROLE         AGE  BYTES_IN  BYTES_OUT  "
		"SCHEDULER\n"
		"gwb   10.1.0.5:40000  198.18.2.10:443  origin  1h02m05s   1048576       2000  "
		"minrtt\n"
		"    subflow p1          198.18.10.1:51000  -> 198.18.20.1:6543  established  "
		"rtt 12.5 ms  cwnd 14480  sent 1500  received 700000  retrans 2\n"
		"    subflow backup-lte  10.9.0.2:51001     -> 198.18.22.2:6543  established  "
		"rtt 80.0 ms  cwnd 2896   sent 500   received 348576  retrans 0  backup\n"
		"gwb   10.1.0.6:40001  198.18.2.11:80   far           5s         0          0  "
		"roundrobin\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_counters_reload),
		cmocka_unit_test(test_peer),
		cmocka_unit_test(test_peer_psk_relative),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_connection),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_render_changes_and_errors),
		cmocka_unit_test(test_render_status),
		cmocka_unit_test(test_render_counters),
		cmocka_unit_test(test_render_peers),
		cmocka_unit_test(test_render_paths),
		cmocka_unit_test(test_render_rules),
		cmocka_unit_test(test_render_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
