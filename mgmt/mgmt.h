/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * mgmt — the management plane: the libev loop on the main lcore (signals,
 * the control socket, /metrics), the running configuration and its
 * changes, and logging. It never touches packets: what it needs of the
 * data plane it asks through the hooks below, which the daemon fills.
 */
#ifndef MPGW_MGMT_H
#define MPGW_MGMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>

#include "mgmt/config.h"

struct mgmt_buf;

/** One subflow of a proxied connection, as `connection show` lists it. */
struct mgmt_subflow_info {
	uint32_t laddr, raddr; /**< network order */
	uint16_t lport, rport;
	char path[MGMT_NAME_MAX]; /**< "" when on no configured path */
	const char *state; /**< a static string */
	uint32_t srtt_us, cwnd;
	uint64_t bytes_sent, bytes_received, retrans_segs;
	bool backup, closing;
};

#define MGMT_CONN_SUBFLOWS 8

/** One proxied connection. */
struct mgmt_conn_info {
	char peer[MGMT_NAME_MAX];
	const char *role; /**< "origin", "far", "service" */
	const char *state;
	uint32_t caddr, saddr; /**< network order */
	uint16_t cport, sport;
	uint64_t age_ms;
	uint64_t bytes_to_server, bytes_to_client;
	char scheduler[16];
	unsigned n_subflows;
	struct mgmt_subflow_info sf[MGMT_CONN_SUBFLOWS];
};

/** A path's health and use now. */
struct mgmt_path_status {
	const char *state; /**< "up", "degraded", "down", "unknown" */
	double rtt_ms;
	unsigned loss_pct;
	unsigned subflows;
};

/** What the loop calls back into the daemon for. */
struct mgmt_hooks {
	void *ctx;
	/** Write every counter to @p f (on SIGUSR1). */
	void (*dump_stats)(void *ctx, FILE *f);
	/** Run @p cfg (aligned and checked); on success it is the hook's. */
	int (*apply)(void *ctx, struct mgmt_config *cfg, char *err);
	/** The data plane's metrics, Prometheus text, named by @p cfg. */
	void (*metrics)(void *ctx, const struct mgmt_config *cfg, struct mgmt_buf *b);
	/** Every counter by name. */
	void (*counters)(void *ctx, void (*fn)(void *fctx, const char *name, uint64_t v),
			 void *fctx);
	/** Up to @p max proxied connections; -1 and @p err if it cannot say. */
	int (*connections)(void *ctx, struct mgmt_conn_info *out, unsigned max, char *err);
	/** The path in these slots (mgmt_peer.slot, mgmt_path.slot). */
	void (*path_status)(void *ctx, unsigned peer_slot, unsigned path_slot,
			    struct mgmt_path_status *out);
	/** Proxied connections of the peer in @p peer_slot now. */
	unsigned (*peer_connections)(void *ctx, unsigned peer_slot);
	/** New SYNs the rule in @p rule_slot decided (mgmt_rule.slot). */
	uint64_t (*rule_hits)(void *ctx, unsigned rule_slot);
};

/** What the loop is given to run with. */
struct mgmt_params {
	const char *config_path; /**< re-read by reload and SIGHUP */
	const struct mgmt_config *cfg; /**< as loaded at start (copied) */
	const char *version;
	unsigned workers;
};

/**
 * Run the management loop until SIGTERM or SIGINT: the control socket,
 * /metrics, SIGHUP (reload), SIGUSR1 (dump).
 * @return 0, or -1 if the loop could not be set up (err says why).
 */
int mgmt_run(const struct mgmt_params *p, const struct mgmt_hooks *hooks, char *err);

/** Log at syslog level @p level (LOG_ERR..LOG_DEBUG) if it passes the threshold. */
void mgmt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Only messages at @p level or more severe are written. */
void mgmt_log_set_level(int level);

/**
 * Where messages go: stderr (with a "<N>" priority prefix journald reads
 * when it is stderr's reader), and with @p use_syslog syslog(3) as well.
 */
void mgmt_log_open(bool use_syslog);

#endif
