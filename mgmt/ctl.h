/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control socket, the daemon's side (protocol: docs/control.md).
 *
 * A unix stream socket served on the management thread's libev loop: one
 * JSON object per line in, one per line out, answered in order. The server
 * does the framing, the limits and the credentials check; what a command
 * means is the caller's handler. Everything runs on the loop's thread; the
 * handler is called there and may take its time (the loop waits for it).
 */
#ifndef MPGW_MGMT_CTL_H
#define MPGW_MGMT_CTL_H

#include <stdint.h>
#include <sys/types.h>

#include <ev.h>
#include <jansson.h>

#define MGMT_CTL_REQUEST_MAX 65536 /**< bytes of one request line, without its '\n' */
#define MGMT_CTL_CLIENTS_MAX 32 /**< clients at once; more are answered and closed */
#define MGMT_CTL_IDLE_S 60.0 /**< a client silent this long is closed */
#define MGMT_CTL_BACKLOG 16

/** Who is calling: the peer's credentials from SO_PEERCRED, taken at connect(). */
struct mgmt_ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/**
 * Answer one request.
 *
 * @param request  a JSON object with a string member "command" (checked)
 * @return a new reference to the response object ({"ok": ...}); NULL is
 *         answered as an internal error
 */
typedef json_t *(*mgmt_ctl_handler)(void *ctx, const json_t *request,
				    const struct mgmt_ctl_peer *who);

struct mgmt_ctl_params {
	const char *path; /**< the socket file, e.g. "/run/mpgwd.sock" */
	mode_t mode; /**< its permission bits, e.g. 0660 */
	uid_t owner; /**< chown to this; (uid_t)-1: leave the daemon's */
	gid_t group; /**< likewise; (gid_t)-1: leave as created */
	mgmt_ctl_handler handle;
	void *ctx; /**< passed to handle */
	double idle_s; /**< 0: MGMT_CTL_IDLE_S (tests shorten it) */
};

/** What the server counted since it started. */
struct mgmt_ctl_stats {
	uint64_t accepted; /**< connections taken (refused and busy included) */
	uint64_t requests; /**< lines handed to the handler */
	uint64_t bad_requests; /**< not JSON, not an object, no "command", too long */
	uint64_t refused; /**< clients turned away by the credentials check */
	uint64_t busy; /**< clients turned away: MGMT_CTL_CLIENTS_MAX already open */
	uint64_t idle_closed; /**< clients closed after idle_s without a byte */
};

struct mgmt_ctl;

/**
 * Create the socket and start serving it on @p loop.
 *
 * A socket file already at the path is replaced only if nobody answers on it
 * (a daemon that died); a file that is not a socket, or a socket another
 * process listens on, is an error. The file is created with at most
 * p->mode's permissions (never wider, not even for a moment), then given
 * p->owner and p->group and exactly p->mode.
 *
 * A client is served if its uid is 0 or the file's owner, or the file's
 * group is its primary or a supplementary group; others get one error line
 * and are closed (counted in refused).
 *
 * @param err  on failure, "control.socket PATH: reason" (512 bytes)
 * @return the server, or NULL
 */
struct mgmt_ctl *mgmt_ctl_start(struct ev_loop *loop, const struct mgmt_ctl_params *p, char *err);

/** Close every client and the socket, and remove the socket file if it is still ours. */
void mgmt_ctl_stop(struct mgmt_ctl *ctl);

/** A copy of the counters. */
void mgmt_ctl_get_stats(const struct mgmt_ctl *ctl, struct mgmt_ctl_stats *out);

/** Clients open now (the credentials check passed). */
unsigned mgmt_ctl_clients(const struct mgmt_ctl *ctl);

#endif
