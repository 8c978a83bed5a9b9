/* SPDX-License-Identifier: BSD-3-Clause */
/* The management thread's libev loop: signals (TERM/INT stop, HUP reload,
 * USR1 dump), the control socket, and /metrics. Everything it learns of the
 * data plane it asks through the hooks; nothing here blocks for long. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "mgmt/commands.h"
#include "mgmt/ctl.h"
#include "mgmt/http.h"
#include "mgmt/prom.h"

struct loop_ctx {
	struct mgmt_state st;
	struct mgmt_ctl *ctl;
	struct mgmt_http *http;
};

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	mgmt_log(LOG_NOTICE, "signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void on_dump(struct ev_loop *loop, ev_signal *w, int revents)
{
	const struct loop_ctx *lc = w->data;

	(void)loop;
	(void)revents;
	lc->st.hooks->dump_stats(lc->st.hooks->ctx, stdout);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct loop_ctx *lc = w->data;

	(void)loop;
	(void)revents;
	mgmt_reload(&lc->st, "SIGHUP");
}

static json_t *on_request(void *ctx, const json_t *req, const struct mgmt_ctl_peer *who)
{
	return mgmt_command(ctx, req, (unsigned)who->uid);
}

/* The management plane's own metrics, then the data plane's. */
static void metrics(struct loop_ctx *lc, struct mgmt_buf *b)
{
	const struct mgmt_state *st = &lc->st;
	const struct mgmt_prom_label v[] = { { "version", st->version } };

	mgmt_prom_family(b, "mpgw_build_info", "gauge", "mpgwd's version, as a label.");
	mgmt_prom_u64(b, "mpgw_build_info", v, 1, 1);
	mgmt_prom_family(b, "mpgw_start_time_seconds", "gauge", "When mpgwd started (Unix time).");
	mgmt_prom_u64(b, "mpgw_start_time_seconds", NULL, 0, (uint64_t)st->started);
	mgmt_prom_family(b, "mpgw_config_last_reload_successful", "gauge",
			 "1 if the last reload was applied, 0 if it was refused.");
	mgmt_prom_u64(b, "mpgw_config_last_reload_successful", NULL, 0, st->reload.ok);
	mgmt_prom_family(b, "mpgw_config_last_reload_success_timestamp_seconds", "gauge",
			 "When the running configuration was last loaded (Unix time).");
	mgmt_prom_u64(b, "mpgw_config_last_reload_success_timestamp_seconds", NULL, 0,
		      (uint64_t)st->reload.ok_time);
	mgmt_prom_family(b, "mpgw_config_reloads_total", "counter",
			 "Reloads (SIGHUP or the control socket), by result.");
	const struct mgmt_prom_label ok[] = { { "result", "applied" } };
	const struct mgmt_prom_label no[] = { { "result", "refused" } };
	mgmt_prom_u64(b, "mpgw_config_reloads_total", ok, 1, st->reload.n_ok);
	mgmt_prom_u64(b, "mpgw_config_reloads_total", no, 1, st->reload.n_failed);
	if (lc->ctl != NULL) {
		struct mgmt_ctl_stats cs;
		mgmt_ctl_get_stats(lc->ctl, &cs);
		mgmt_prom_family(b, "mpgw_control_requests_total", "counter",
				 "Requests on the control socket.");
		mgmt_prom_u64(b, "mpgw_control_requests_total", NULL, 0, cs.requests);
		mgmt_prom_family(b, "mpgw_control_refused_clients_total", "counter",
				 "Control clients refused by the credentials check.");
		mgmt_prom_u64(b, "mpgw_control_refused_clients_total", NULL, 0, cs.refused);
	}
	if (lc->http != NULL) {
		const struct mgmt_http_stats *hs = mgmt_http_stats(lc->http);
		mgmt_prom_family(b, "mpgw_metrics_requests_total", "counter",
				 "HTTP requests on the metrics port.");
		mgmt_prom_u64(b, "mpgw_metrics_requests_total", NULL, 0, hs->requests);
		mgmt_prom_family(b, "mpgw_metrics_bad_requests_total", "counter",
				 "HTTP requests on the metrics port the server answered itself "
				 "(400, 405, 408, 413, 431).");
		mgmt_prom_u64(b, "mpgw_metrics_bad_requests_total", NULL, 0, hs->bad_requests);
		mgmt_prom_family(b, "mpgw_metrics_timed_out_requests_total", "counter",
				 "Of those, 408: not whole 10 s after their first byte.");
		mgmt_prom_u64(b, "mpgw_metrics_timed_out_requests_total", NULL, 0, hs->timed_out);
		mgmt_prom_family(
			b, "mpgw_metrics_refused_clients_total", "counter",
			"Connections to the metrics port closed at accept: 64 open already.");
		mgmt_prom_u64(b, "mpgw_metrics_refused_clients_total", NULL, 0,
			      hs->clients_refused);
	}
	st->hooks->metrics(st->hooks->ctx, st->running, b);
}

static int on_http(void *ctx, const char *method, const char *path, struct mgmt_buf *body,
		   const char **content_type)
{
	(void)method;
	if (strcmp(path, "/metrics") != 0) {
		mgmt_buf_printf(body, "not found: try /metrics\n");
		return 404;
	}
	*content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics(ctx, body);
	return body->failed ? 500 : 200;
}

static int start_servers(struct ev_loop *loop, struct loop_ctx *lc, char *err)
{
	const struct mgmt_config *cfg = lc->st.running;

	if (cfg->ctl_socket[0] != '\0') {
		const struct mgmt_ctl_params cp = {
			.path = cfg->ctl_socket,
			.mode = (mode_t)cfg->ctl_mode,
			.owner = cfg->ctl_owner < 0 ? (uid_t)-1 : (uid_t)cfg->ctl_owner,
			.group = cfg->ctl_group < 0 ? (gid_t)-1 : (gid_t)cfg->ctl_group,
			.handle = on_request,
			.ctx = &lc->st,
		};
		lc->ctl = mgmt_ctl_start(loop, &cp, err);
		if (lc->ctl == NULL)
			return -1;
		mgmt_log(LOG_INFO, "control socket %s", cfg->ctl_socket);
	}
	if (cfg->metrics_listen[0] != '\0') {
		lc->http = mgmt_http_start(loop, cfg->metrics_listen, on_http, lc, err);
		if (lc->http == NULL)
			return -1;
		mgmt_log(LOG_INFO, "metrics on http://%s/metrics", cfg->metrics_listen);
	}
	return 0;
}

int mgmt_run(const struct mgmt_params *p, const struct mgmt_hooks *hooks, char *err)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_SIGNALFD);
	static struct loop_ctx lc; /* holds a configuration: large */
	ev_signal term, intr, usr1, hup;
	int rc = 0;

	if (loop == NULL) {
		snprintf(err, MGMT_ERR_MAX, "cannot create the event loop");
		return -1;
	}
	memset(&lc, 0, sizeof(lc));
	lc.st.hooks = hooks;
	lc.st.config_path = p->config_path;
	lc.st.version = p->version;
	lc.st.workers = p->workers;
	lc.st.started = time(NULL);
	lc.st.reload.ok = true;
	lc.st.reload.time = lc.st.reload.ok_time = lc.st.started;
	lc.st.running = malloc(sizeof(*lc.st.running));
	if (lc.st.running == NULL) {
		snprintf(err, MGMT_ERR_MAX, "out of memory");
		return -1;
	}
	*lc.st.running = *p->cfg;
	if (start_servers(loop, &lc, err) != 0) {
		rc = -1;
		goto out;
	}
	ev_signal_init(&term, on_stop, SIGTERM);
	ev_signal_init(&intr, on_stop, SIGINT);
	ev_signal_init(&usr1, on_dump, SIGUSR1);
	ev_signal_init(&hup, on_hup, SIGHUP);
	usr1.data = hup.data = &lc;
	ev_signal_start(loop, &term);
	ev_signal_start(loop, &intr);
	ev_signal_start(loop, &usr1);
	ev_signal_start(loop, &hup);
	ev_run(loop, 0);
	ev_signal_stop(loop, &term);
	ev_signal_stop(loop, &intr);
	ev_signal_stop(loop, &usr1);
	ev_signal_stop(loop, &hup);
out:
	if (lc.ctl != NULL)
		mgmt_ctl_stop(lc.ctl);
	if (lc.http != NULL)
		mgmt_http_stop(lc.http);
	free(lc.st.running);
	return rc;
}
