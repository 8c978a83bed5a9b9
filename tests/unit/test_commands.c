/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol's commands (mgmt/commands.c) against a fake data
 * plane: what each shows, each change applied once and then running, each
 * refusal saying why and changing nothing (not even the data plane), and
 * reloads of good and broken files.
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
#include <unistd.h>

#include "mgmt/commands.h"

static const char base[] = "eal: {args: [--no-huge]}\n"
			   "ports:\n"
			   "  - {name: inside, devargs: net_null0, role: inside}\n"
			   "  - {name: outside, devargs: net_null1, role: outside}\n"
			   "  - {name: wan1, devargs: net_null2, role: wan}\n"
			   "addresses:\n"
			   "  - {name: wan0, port: outside, address: 198.18.1.2/24}\n"
			   "  - {name: wan1, port: wan1, address: 198.18.11.2/24}\n"
			   "peers:\n"
			   "  - name: gwb\n"
			   "    psk: 00112233445566778899aabbccddeeff\n"
			   "    paths:\n"
			   "      - {name: p0, local: wan0, remote: 198.18.2.2}\n"
			   "  - name: spare\n"
			   "    psk: 00112233445566778899aabbccddeeff\n"
			   "    paths: [{name: p0, local: wan1, remote: 198.18.9.9}]\n"
			   "rules:\n"
			   "  - {name: to-b, dst: 198.18.2.0/24, action: intercept, peer: gwb}\n"
			   "served: [198.18.1.0/24]\n";

/* The fake data plane. */
static struct {
	unsigned applied, fail_next;
	struct mgmt_config last;
} dp;

static int fake_apply(void *ctx, struct mgmt_config *cfg, char *err)
{
	(void)ctx;
	if (dp.fail_next) {
		dp.fail_next = 0;
		snprintf(err, MGMT_ERR_MAX, "the data plane said no");
		return -1;
	}
	dp.applied++;
	dp.last = *cfg;
	free(cfg); /* it is the hook's */
	return 0;
}

static void fake_counters(void *ctx, void (*fn)(void *, const char *, uint64_t), void *fctx)
{
	(void)ctx;
	fn(fctx, "proxy_spliced", 7);
	fn(fctx, "bridged", 0);
}

static int fake_conns(void *ctx, struct mgmt_conn_info *out, unsigned max, char *err)
{
	(void)ctx, (void)err;
	assert_true(max >= 1);
	memset(out, 0, sizeof(*out));
	snprintf(out->peer, sizeof(out->peer), "gwb");
	out->role = "origin";
	out->state = "spliced";
	out->caddr = htonl(0xc612010a);
	out->cport = 40000;
	out->saddr = htonl(0xc612020a);
	out->sport = 80;
	out->n_subflows = 1;
	snprintf(out->sf[0].path, sizeof(out->sf[0].path), "p0");
	out->sf[0].state = "ESTABLISHED";
	out->sf[0].srtt_us = 10500;
	return 1;
}

static void fake_path_status(void *ctx, unsigned peer_slot, unsigned path_slot,
			     struct mgmt_path_status *out)
{
	(void)ctx;
	out->state = peer_slot == 0 && path_slot == 0 ? "up" : "unknown";
	out->rtt_ms = 10.25;
	out->loss_pct = 0;
	out->subflows = 1;
}

static unsigned fake_peer_conns(void *ctx, unsigned slot)
{
	(void)ctx;
	return slot == 0 ? 3 : 0;
}

/* Every rule has hits 100 + its slot. */
static uint64_t fake_rule_hits(void *ctx, unsigned slot)
{
	(void)ctx;
	return 100 + slot;
}

static const struct mgmt_hooks hooks = {
	.apply = fake_apply,
	.counters = fake_counters,
	.connections = fake_conns,
	.path_status = fake_path_status,
	.peer_connections = fake_peer_conns,
	.rule_hits = fake_rule_hits,
};

static struct mgmt_state st;
static char path[64];

static int setup(void **state)
{
	char err[MGMT_ERR_MAX];

	(void)state;
	memset(&dp, 0, sizeof(dp));
	memset(&st, 0, sizeof(st));
	st.hooks = &hooks;
	st.version = "test";
	st.reload.ok = true;
	st.running = calloc(1, sizeof(*st.running));
	assert_non_null(st.running);
	assert_int_equal(mgmt_config_parse(base, strlen(base), "t.yaml", st.running, err), 0);
	snprintf(path, sizeof(path), "/tmp/mpgw-test-commands-%d.yaml", (int)getpid());
	st.config_path = path;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(st.running);
	unlink(path);
	return 0;
}

/* Run @req (JSON text); the response. */
static json_t *run(const char *req)
{
	json_error_t e;
	json_t *r = json_loads(req, 0, &e);

	assert_non_null(r);
	json_t *resp = mgmt_command(&st, r, 0);
	json_decref(r);
	assert_non_null(resp);
	return resp;
}

static void expect_ok(const char *req)
{
	json_t *r = run(req);

	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("%s: %s", req, json_string_value(json_object_get(r, "error")));
	json_decref(r);
}

/* Refused, with @why in the error, and nothing applied. */
static void expect_error(const char *req, const char *why)
{
	unsigned before = dp.applied;
	json_t *r = run(req);
	const char *e = json_string_value(json_object_get(r, "error"));

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_non_null(e);
	if (strstr(e, why) == NULL)
		fail_msg("%s: error '%s' lacks '%s'", req, e, why);
	assert_int_equal(dp.applied, before);
	json_decref(r);
}

static void test_show(void **state)
{
	(void)state;
	json_t *r = run("{\"command\": \"peer show\"}");
	json_t *p = json_array_get(json_object_get(r, "peers"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "gwb");
	assert_int_equal(json_integer_value(json_object_get(p, "connections")), 3);
	json_t *q = json_array_get(json_object_get(p, "paths"), 0);
	assert_string_equal(json_string_value(json_object_get(q, "state")), "up");
	assert_string_equal(json_string_value(json_object_get(q, "local_address")), "198.18.1.2");
	assert_string_equal(json_string_value(json_object_get(q, "remote")), "198.18.2.2");
	json_decref(r);

	r = run("{\"command\": \"rule show\"}");
	json_t *rule = json_array_get(json_object_get(r, "rules"), 0);
	assert_string_equal(json_string_value(json_object_get(rule, "dst")), "198.18.2.0/24");
	assert_string_equal(json_string_value(json_object_get(rule, "peer")), "gwb");
	assert_true(json_is_null(json_object_get(rule, "dport")));
	json_decref(r);

	r = run("{\"command\": \"connection show\"}");
	json_t *c = json_array_get(json_object_get(r, "connections"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "client")), "198.18.1.10:40000");
	json_t *sf = json_array_get(json_object_get(c, "subflows"), 0);
	assert_string_equal(json_string_value(json_object_get(sf, "path")), "p0");
	json_decref(r);

	r = run("{\"command\": \"counters show\"}");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(r, "counters"), "proxy_spliced")),
			 7);
	json_decref(r);

	r = run("{\"command\": \"status\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "connections")), 3);
	json_decref(r);

	expect_error("{\"command\": \"peer show\", \"name\": \"nope\"}", "no such peer");
	expect_error("{\"command\": \"frobnicate\"}", "unknown command 'frobnicate'");
	assert_int_equal(dp.applied, 0);
}

static void test_paths(void **state)
{
	(void)state;
	expect_ok("{\"command\": \"path add\", \"peer\": \"gwb\", \"path\": {\"name\": \"p1\", "
		  "\"local\": \"wan1\", \"remote\": \"198.18.21.2\"}}");
	assert_int_equal(dp.applied, 1);
	assert_int_equal(st.running->peers[0].n_paths, 2);
	assert_int_equal(dp.last.peers[0].n_paths, 2);
	/* a new path takes a slot of its own */
	assert_int_not_equal(st.running->peers[0].paths[1].slot,
			     st.running->peers[0].paths[0].slot);

	expect_error("{\"command\": \"path add\", \"peer\": \"gwb\", \"path\": {\"name\": \"p1\", "
		     "\"local\": \"wan1\", \"remote\": \"198.18.21.2\"}}",
		     "already configured");
	expect_error("{\"command\": \"path add\", \"peer\": \"gwb\", \"path\": {\"name\": \"p2\", "
		     "\"local\": \"wan9\", \"remote\": \"198.18.21.2\"}}",
		     "local 'wan9': no such address");
	expect_error("{\"command\": \"path add\", \"peer\": \"gwb\", \"path\": {\"name\": \"p2\", "
		     "\"local\": \"wan1\", \"remote\": \"198.18.21.300\"}}",
		     "remote");
	expect_error("{\"command\": \"path add\", \"peer\": \"nope\", \"path\": {\"name\": \"p2\", "
		     "\"local\": \"wan1\"}}",
		     "no such peer");

	uint8_t slot1 = st.running->peers[0].paths[1].slot;
	expect_ok("{\"command\": \"path remove\", \"peer\": \"gwb\", \"name\": \"p0\"}");
	assert_int_equal(st.running->peers[0].n_paths, 1);
	assert_string_equal(st.running->peers[0].paths[0].name, "p1");
	assert_int_equal(st.running->peers[0].paths[0].slot, slot1); /* kept */
	expect_error("{\"command\": \"path remove\", \"peer\": \"gwb\", \"name\": \"p1\"}",
		     "last path");
	expect_error("{\"command\": \"path remove\", \"peer\": \"gwb\", \"name\": \"p0\"}",
		     "no such path");

	/* the data plane refuses: nothing changes */
	dp.fail_next = 1;
	expect_error("{\"command\": \"path add\", \"peer\": \"gwb\", \"path\": {\"name\": \"p5\", "
		     "\"local\": \"wan0\", \"remote\": \"198.18.2.2\"}}",
		     "the data plane said no");
	assert_int_equal(st.running->peers[0].n_paths, 1);
}

static void test_rules(void **state)
{
	(void)state;
	expect_ok("{\"command\": \"rule add\", \"rule\": {\"name\": \"ssh\", \"dst\": "
		  "\"198.18.2.0/24\", \"dport\": \"22\", \"action\": \"passthrough\"}, \"index\": "
		  "0}");
	assert_int_equal(st.running->n_rules, 2);
	assert_string_equal(st.running->rules[0].name, "ssh");
	assert_true(st.running->rules[0].has_dport);
	assert_int_equal(st.running->rules[0].dport_lo, 22);
	expect_ok("{\"command\": \"rule add\", \"rule\": {\"name\": \"web\", \"dst\": "
		  "\"198.18.2.0/24\", \"dport\": \"80-443\", \"action\": \"intercept\", \"peer\": "
		  "\"spare\"}}");
	assert_string_equal(st.running->rules[2].name, "web");
	assert_int_equal(st.running->rules[2].peer, 1);

	expect_error("{\"command\": \"rule add\", \"rule\": {\"name\": \"x\", \"dst\": "
		     "\"198.18.2.1/24\", \"action\": \"deny\"}}",
		     "dst");
	expect_error("{\"command\": \"rule add\", \"rule\": {\"name\": \"x\", \"dst\": "
		     "\"198.18.2.0/24\", \"action\": \"intercept\", \"peer\": \"nope\"}}",
		     "no such peer");
	expect_error("{\"command\": \"rule add\", \"rule\": {\"name\": \"x\", \"dst\": "
		     "\"198.18.2.0/24\", \"action\": \"drop\"}}",
		     "action 'drop'");
	expect_error("{\"command\": \"rule add\", \"rule\": {\"name\": \"x\", \"dst\": "
		     "\"198.18.2.0/24\", \"dport\": \"9-3\", \"action\": \"deny\"}}",
		     "dport");
	expect_error("{\"command\": \"rule add\", \"rule\": {\"name\": \"ssh\", \"dst\": "
		     "\"198.18.2.0/24\", \"action\": \"deny\"}}",
		     "already configured");
	expect_error("{\"command\": \"rule add\", \"rule\": {\"name\": \"x\", \"dst\": "
		     "\"198.18.2.0/24\", \"action\": \"deny\"}, \"index\": 9}",
		     "index");

	/* a peer a rule sends to stays; once the rule is gone it may go, and
	 * the rules after it still name the right peer */
	expect_error("{\"command\": \"peer remove\", \"name\": \"gwb\"}", "rule 'to-b'");
	expect_ok("{\"command\": \"rule remove\", \"name\": \"to-b\"}");
	expect_ok("{\"command\": \"peer remove\", \"name\": \"gwb\"}");
	assert_int_equal(st.running->n_peers, 1);
	int web = mgmt_config_rule_index(st.running, "web");
	assert_true(web >= 0);
	assert_string_equal(st.running->peers[st.running->rules[web].peer].name, "spare");
	expect_error("{\"command\": \"rule remove\", \"name\": \"to-b\"}", "no such rule");

	/* Hit counters follow their rule by name: ssh and web kept theirs
	 * (slots 1 and 2) through the edits, now first and second; a new
	 * rule, last, takes the slot to-b left, 0. */
	expect_ok("{\"command\": \"rule add\", \"rule\": {\"name\": \"new\", \"dst\": "
		  "\"198.18.3.0/24\", \"action\": \"deny\"}}");
	json_t *r = run("{\"command\": \"rule show\"}");
	const char *want[] = { "ssh", "web", "new" };
	const json_int_t hits[] = { 101, 102, 100 };
	json_t *rules = json_object_get(r, "rules");
	assert_int_equal(json_array_size(rules), 3);
	for (unsigned i = 0; i < 3; i++) {
		json_t *o = json_array_get(rules, i);
		assert_string_equal(json_string_value(json_object_get(o, "name")), want[i]);
		assert_int_equal(json_integer_value(json_object_get(o, "hits")), hits[i]);
	}
	json_decref(r);
}

static void test_peer_add(void **state)
{
	char key[64], req[256];

	(void)state;
	snprintf(key, sizeof(key), "/tmp/mpgw-test-commands-%d.key", (int)getpid());
	FILE *f = fopen(key, "w");
	assert_non_null(f);
	fputs("000102030405060708090a0b0c0d0e0f\n", f);
	fclose(f);
	chmod(key, 0644);
	snprintf(req, sizeof(req),
		 "{\"command\": \"peer add\", \"peer\": {\"name\": \"gwc\", \"kind\": \"gateway\", "
		 "\"psk_file\": \"%s\"}}",
		 key);
	expect_error(req, key); /* readable by others: refused, naming the file */
	chmod(key, 0600);
	json_t *r = run(req);
	bool ok = json_is_true(json_object_get(r, "ok"));
	const char *e = json_string_value(json_object_get(r, "error"));
	/* a gateway peer needs a path: the check may refuse it without one */
	if (ok) {
		int i = mgmt_config_peer_index(st.running, "gwc");
		assert_true(i >= 0);
		assert_int_equal(st.running->peers[i].psk_len, 16);
	} else {
		assert_non_null(strstr(e, "gwc"));
	}
	json_decref(r);
	unlink(key);
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"gwb\", \"kind\": "
		     "\"gateway\"}}",
		     "already configured");
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"x\", \"kind\": \"box\"}}",
		     "kind 'box'");

	/* mptcp-clients peers come and go at run time, with their listeners */
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
		     "\"mptcp-clients\", \"listen\": 7100}}",
		     "backend ''");
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
		     "\"mptcp-clients\"}}",
		     "needs listen and backend");
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
		     "\"gateway\", \"listen\": 7100}}",
		     "for mptcp-clients only");
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
		     "\"mptcp-clients\", \"listen\": 70000, \"backend\": \"10.0.0.1:80\"}}",
		     "listen");
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
		     "\"mptcp-clients\", \"listen\": 7100, \"backend\": \"10.0.0.1\"}}",
		     "backend '10.0.0.1'");
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
		     "\"mptcp-clients\", \"listen\": 7100, \"backend\": \"10.0.0.1:0\"}}",
		     "backend");
	unsigned before = dp.applied;
	expect_ok("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl\", \"kind\": "
		  "\"mptcp-clients\", \"listen\": 7100, \"backend\": \"10.0.0.1:80\"}}");
	assert_int_equal(dp.applied, before + 1);
	int i = mgmt_config_peer_index(st.running, "cl");
	assert_true(i >= 0);
	assert_int_equal(st.running->peers[i].listen_port, 7100);
	assert_int_equal(st.running->peers[i].backend_ip, htonl(0x0a000001));
	assert_int_equal(st.running->peers[i].backend_port, 80);
	/* a second on the same port: the check refuses it */
	expect_error("{\"command\": \"peer add\", \"peer\": {\"name\": \"cl2\", \"kind\": "
		     "\"mptcp-clients\", \"listen\": 7100, \"backend\": \"10.0.0.1:80\"}}",
		     "7100");
	expect_ok("{\"command\": \"peer remove\", \"name\": \"cl\"}");
	assert_true(mgmt_config_peer_index(st.running, "cl") < 0);
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_reload(void **state)
{
	(void)state;
	/* the file with a second rule: applied */
	char good[sizeof(base) + 128];
	const char *served = strstr(base, "served:");
	snprintf(good, sizeof(good), "%.*s%s%s", (int)(served - base), base,
		 "  - {name: ssh, dst: 198.18.2.0/24, dport: 22, action: deny}\n", served);
	write_file(good);
	char *at;
	json_t *r = run("{\"command\": \"reload\"}");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_int_equal(st.running->n_rules, 2);
	assert_true(st.reload.ok);

	/* a broken one: refused with its line, nothing changes */
	at = strstr(good, "action: deny");
	memcpy(at, "action: dany", 12);
	write_file(good);
	expect_error("{\"command\": \"reload\"}", ".yaml:19: rules[1].action");
	r = run("{\"command\": \"reload\"}");
	const char *e = json_string_value(json_object_get(r, "error"));
	assert_non_null(strstr(e, ":19:")); /* the ssh rule's line */
	assert_non_null(strstr(e, "dany"));
	json_decref(r);
	assert_false(st.reload.ok);
	assert_int_equal(st.reload.n_failed, 2);
	assert_int_equal(st.running->n_rules, 2);
	r = run("{\"command\": \"status\"}");
	assert_true(json_is_false(json_object_get(json_object_get(r, "reload"), "ok")));
	json_decref(r);

	/* a change that needs a restart */
	snprintf(good, sizeof(good), "%s", base);
	at = strstr(good, "net_null2");
	memcpy(at, "net_null7", 9);
	write_file(good);
	expect_error("{\"command\": \"reload\"}", "restart");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
