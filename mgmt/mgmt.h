/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * mgmt — the management plane: the libev loop on the main lcore (signals
 * now; control socket and /metrics with the mgmt issue), and logging.
 * It never touches packets: it reads counters through the hooks below.
 */
#ifndef MPGW_MGMT_H
#define MPGW_MGMT_H

#include <stdio.h>
#include <syslog.h>

/** What the loop calls back into the daemon for. */
struct mgmt_hooks {
	void *ctx;
	/** Write every counter to @p f (on SIGUSR1). */
	void (*dump_stats)(void *ctx, FILE *f);
};

/**
 * Run the management loop until SIGTERM or SIGINT.
 * @return 0, or -1 if the loop could not be set up.
 */
int mgmt_run(const struct mgmt_hooks *hooks);

/** Log at syslog level @p level (LOG_ERR..LOG_DEBUG) if it passes the threshold. */
void mgmt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Only messages at @p level or more severe are written. */
void mgmt_log_set_level(int level);

#endif
