/* SPDX-License-Identifier: BSD-3-Clause */
/* The management loop's state and the control protocol's commands
 * (internal to mgmt: loop.c runs them, commands.c implements them). */
#ifndef MPGW_MGMT_COMMANDS_H
#define MPGW_MGMT_COMMANDS_H

#include <time.h>

#include <jansson.h>

#include "mgmt/config.h"
#include "mgmt/mgmt.h"

struct mgmt_state {
	const struct mgmt_hooks *hooks;
	const char *config_path;
	const char *version;
	unsigned workers;
	struct mgmt_config *running; /* what the data plane runs */
	unsigned caller_uid; /* of the request being run, for the log */
	time_t started;
	struct {
		bool ok; /* the last one (true before any) */
		time_t time, ok_time; /* of the last one, of the last that worked */
		uint64_t n_ok, n_failed;
		char error[MGMT_ERR_MAX];
	} reload;
};

/* Check, align and apply @next; then it is the running configuration (a
 * copy of it: @next stays the caller's). -1 and @err: nothing changed. */
int mgmt_change(struct mgmt_state *st, struct mgmt_config *next, char *err);

/* Re-read the file and apply it (SIGHUP, `reload`); the outcome is kept in
 * st->reload and logged. */
void mgmt_reload(struct mgmt_state *st, const char *why);

/* One request of the control protocol: its response (a new reference). */
json_t *mgmt_command(struct mgmt_state *st, const json_t *req, unsigned uid);

#endif
