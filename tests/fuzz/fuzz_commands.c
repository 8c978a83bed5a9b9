/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: one control request (JSON bytes) through mgmt_command()
 * against a fake data plane, on a fresh copy of a small configuration.
 *
 * Checks, besides "no crash, no sanitizer report":
 *  - the response is an object with a boolean "ok"; a refusal has a
 *    non-empty one-line "error" and leaves the running configuration as it
 *    was, byte for byte;
 *  - whatever a change left running passes mgmt_config_check(), and the
 *    data plane was given exactly that.
 * Requests naming a key file, and reloads, are skipped: the harness reads
 * no files.
 */
#include <stdlib.h>
#include <string.h>

#include "mgmt/commands.h"
#include "tests/fuzz/fuzz.h"

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
			   "      - {name: p1, local: wan1, remote: 198.18.21.2}\n"
			   "  - name: srv\n"
			   "    kind: mptcp-server\n"
			   "    paths: [{name: p0, local: wan0}]\n"
			   "rules:\n"
			   "  - {name: ssh, dst: 198.18.2.0/24, dport: 22, action: passthrough}\n"
			   "  - {name: to-b, dst: 198.18.2.0/24, action: intercept, peer: gwb}\n"
			   "served: [198.18.1.0/24]\n"
			   "log: {level: err}\n";

static struct mgmt_config start;
static struct mgmt_config applied;
static unsigned n_applied;

static int fake_apply(void *ctx, struct mgmt_config *cfg, char *err)
{
	(void)ctx, (void)err;
	applied = *cfg;
	n_applied++;
	free(cfg);
	return 0;
}

static void fake_counters(void *ctx, void (*fn)(void *, const char *, uint64_t), void *fctx)
{
	(void)ctx;
	fn(fctx, "bridged", 1);
}

static int fake_conns(void *ctx, struct mgmt_conn_info *out, unsigned max, char *err)
{
	(void)ctx, (void)err;
	if (max == 0)
		return 0;
	memset(out, 0, sizeof(*out));
	snprintf(out->peer, sizeof(out->peer), "gwb");
	out->role = "origin";
	out->state = "spliced";
	out->n_subflows = 1;
	out->sf[0].state = "ESTABLISHED";
	return 1;
}

static void fake_path_status(void *ctx, unsigned a, unsigned b, struct mgmt_path_status *out)
{
	(void)ctx, (void)a, (void)b;
	out->state = "up";
	out->rtt_ms = 1;
	out->loss_pct = 0;
	out->subflows = 0;
}

static unsigned fake_peer_conns(void *ctx, unsigned slot)
{
	(void)ctx, (void)slot;
	return 0;
}

static uint64_t fake_rule_hits(void *ctx, unsigned slot)
{
	(void)ctx;
	return slot;
}

static const struct mgmt_hooks hooks = {
	.apply = fake_apply,
	.counters = fake_counters,
	.connections = fake_conns,
	.path_status = fake_path_status,
	.peer_connections = fake_peer_conns,
	.rule_hits = fake_rule_hits,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[MGMT_ERR_MAX];

	(void)argc, (void)argv;
	mgmt_log_set_level(LOG_ERR); /* as the configuration says: refusals are no news */
	FUZZ_CHECK(mgmt_config_parse(base, strlen(base), "fuzz.yaml", &start, err) == 0, "%s", err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mgmt_config running;
	json_error_t je;

	if (memmem(data, size, "psk_file", 8) != NULL)
		return 0;
	json_t *req = json_loadb((const char *)data, size, 0, &je);
	const char *cmd = json_string_value(json_object_get(req, "command"));
	if (!json_is_object(req) || (cmd != NULL && strcmp(cmd, "reload") == 0)) {
		json_decref(req); /* a reload reads the file: unit-tested instead */
		return 0;
	}
	running = start;
	struct mgmt_state st = {
		.hooks = &hooks,
		.config_path = "/nonexistent/fuzz.yaml",
		.version = "fuzz",
		.running = &running,
		.reload = { .ok = true },
	};
	unsigned before = n_applied;
	json_t *resp = mgmt_command(&st, req, 0);
	FUZZ_CHECK(json_is_object(resp), "no response object");
	json_t *ok = json_object_get(resp, "ok");
	FUZZ_CHECK(json_is_boolean(ok), "no boolean ok");
	if (json_is_false(ok)) {
		const char *e = json_string_value(json_object_get(resp, "error"));
		FUZZ_CHECK(e != NULL && e[0] != '\0' && strchr(e, '\n') == NULL, "bad error");
		FUZZ_CHECK(n_applied == before, "a refusal reached the data plane");
		FUZZ_CHECK(memcmp(&running, &start, sizeof(running)) == 0,
			   "a refusal changed the running configuration");
	} else if (n_applied != before) {
		char err[MGMT_ERR_MAX];
		FUZZ_CHECK(mgmt_config_check(&running, err) == 0, "running: %s", err);
		FUZZ_CHECK(memcmp(&running, &applied, sizeof(running)) == 0,
			   "running is not what was applied");
	}
	json_decref(resp);
	json_decref(req);
	return 0;
}
