/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for mpgwctl's grammar (mgmt/ctl_cli.c): the input is a
 * command line, its words separated by NUL bytes (a NUL at the very end
 * ends the last word; at most MAX_WORDS words, MAX_INPUT bytes).
 *
 * Checks: refused exactly when an error is written; a request is an object
 * whose "command" is one of the protocol's, it is one line once encoded
 * (the framing) and well under the server's limit, and it encodes and
 * decodes to itself; rendering an ok and a failed answer to it returns 0
 * and 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mgmt/ctl.h"
#include "mgmt/ctl_cli.h"
#include "tests/fuzz/fuzz.h"

#define MAX_WORDS 32
#define MAX_INPUT 4096

static const char *const commands[] = {
	"status",	   "peer show",	    "peer add",	 "peer remove", "path show",
	"path add",	   "path remove",   "rule show", "rule add",	"rule remove",
	"connection show", "counters show", "reload",
};

static bool known(const char *cmd)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i]) == 0)
			return true;
	return false;
}

static void check_render(FILE *devnull, const json_t *req)
{
	json_t *ok = json_pack("{s:b}", "ok", 1);
	json_t *no = json_pack("{s:b, s:s}", "ok", 0, "error", "no");

	FUZZ_CHECK(mgmt_ctl_cli_render(devnull, req, ok) == 0, "ok rendered as a failure");
	FUZZ_CHECK(mgmt_ctl_cli_render(devnull, req, no) == 1, "a failure rendered as ok");
	json_decref(ok);
	json_decref(no);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[MAX_INPUT + 1];
	static FILE *devnull;
	char *argv[MAX_WORDS + 1], err[256], *line;
	const char *cmd;
	size_t pos = 0;
	json_t *req, *back;
	int argc = 0;

	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	FUZZ_CHECK(devnull != NULL, "/dev/null");
	if (size > MAX_INPUT)
		size = MAX_INPUT;
	memcpy(buf, data, size);
	buf[size] = '\0';
	while (pos < size && argc < MAX_WORDS) {
		argv[argc++] = buf + pos;
		pos += strlen(buf + pos) + 1;
	}
	argv[argc] = NULL;

	memset(err, 'x', sizeof(err));
	req = mgmt_ctl_cli_parse(argc, argv, err, sizeof(err));
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL, "error message not terminated");
	if (req == NULL) {
		FUZZ_CHECK(err[0] != '\0', "refused without a reason");
		return 0;
	}
	FUZZ_CHECK(err[0] == '\0', "taken, yet an error: %s", err);
	FUZZ_CHECK(json_is_object(req), "not an object");
	cmd = json_string_value(json_object_get(req, "command"));
	FUZZ_CHECK(cmd != NULL && known(cmd), "command %s", cmd != NULL ? cmd : "(none)");

	line = json_dumps(req, JSON_COMPACT);
	FUZZ_CHECK(line != NULL, "cannot encode");
	FUZZ_CHECK(strchr(line, '\n') == NULL, "a request of more than one line: %s", line);
	FUZZ_CHECK(strlen(line) < MGMT_CTL_REQUEST_MAX, "a request too long to send");
	back = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(back != NULL && json_equal(back, req), "does not decode to itself: %s", line);
	json_decref(back);
	free(line);

	check_render(devnull, req);
	json_decref(req);
	return 0;
}
