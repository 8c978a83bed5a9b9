/* SPDX-License-Identifier: BSD-3-Clause */
/* mpgwd: load the config (before touching anything), initialise the EAL
 * from it, bring up the data plane, run the management loop, and stop
 * cleanly: workers joined, ports closed, every mbuf back in its pool. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "mgmt/config.h"
#include "mgmt/mgmt.h"
#include "proxy/proxy.h"

#define EXIT_CONFIG 2
#define EXIT_STARTUP 3
#define EXIT_LEAK 4

#ifndef MPGW_VERSION
#define MPGW_VERSION "0.1"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mpgwd -c FILE        run with configuration FILE\n"
		"       mpgwd --check-config FILE\n"
		"                            validate FILE and exit (0: valid)\n"
		"       mpgwd --version\n"
		"Signals: TERM/INT stop, HUP reloads the file, USR1 writes every counter to "
		"stdout.\n"
		"Control: mpgwctl (docs/control.md); metrics: http://127.0.0.1:9477/metrics.\n"
		"Exit status: 0 clean, %d bad config, %d start-up failed, %d mbufs leaked.\n",
		EXIT_CONFIG, EXIT_STARTUP, EXIT_LEAK);
}

/* The management loop's hooks into the data plane. */
static void dump_stats(void *ctx, FILE *f)
{
	proxy_dataplane_dump_stats(ctx, f);
}

static int apply(void *ctx, struct mgmt_config *cfg, char *err)
{
	return proxy_dataplane_apply(ctx, cfg, err);
}

static void metrics(void *ctx, const struct mgmt_config *cfg, struct mgmt_buf *b)
{
	proxy_dataplane_metrics(ctx, cfg, b);
}

static void counters(void *ctx, void (*fn)(void *fctx, const char *name, uint64_t v), void *fctx)
{
	proxy_dataplane_counters(ctx, fn, fctx);
}

static int connections(void *ctx, struct mgmt_conn_info *out, unsigned max, char *err)
{
	return proxy_dataplane_connections(ctx, out, max, err);
}

static void path_status(void *ctx, unsigned peer_slot, unsigned path_slot,
			struct mgmt_path_status *out)
{
	proxy_dataplane_path_status(ctx, peer_slot, path_slot, out);
}

static unsigned peer_connections(void *ctx, unsigned peer_slot)
{
	return proxy_dataplane_peer_connections(ctx, peer_slot);
}

static uint64_t rule_hits(void *ctx, unsigned rule_slot)
{
	return proxy_dataplane_rule_hits(ctx, rule_slot);
}

/* Every signal the management loop handles is blocked before the EAL
 * starts its threads, so that they inherit the mask and only the loop's
 * signalfd ever sees these signals. */
static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int run(const struct mgmt_config *cfg, const char *path)
{
	char *argv[MGMT_EAL_ARGS_MAX + 2];
	char err[MGMT_ERR_MAX];
	int argc = 0;

	argv[argc++] = (char *)"mpgwd";
	for (unsigned i = 0; i < cfg->eal_argc; i++)
		argv[argc++] = (char *)cfg->eal_args[i];
	argv[argc] = NULL;

	block_signals();
	if (rte_eal_init(argc, argv) < 0) {
		mgmt_log(LOG_ERR, "EAL initialisation failed: %s", rte_strerror(rte_errno));
		return EXIT_STARTUP;
	}
	struct proxy_dataplane *dp = proxy_dataplane_create(cfg, err);
	if (dp == NULL) {
		mgmt_log(LOG_ERR, "%s", err);
		rte_eal_cleanup();
		return EXIT_STARTUP;
	}
	if (proxy_dataplane_start(dp, err) != 0) {
		mgmt_log(LOG_ERR, "%s", err);
		proxy_dataplane_destroy(dp);
		rte_eal_cleanup();
		return EXIT_STARTUP;
	}
	mgmt_log(LOG_NOTICE, "running: %u ports, %u workers", cfg->n_ports, cfg->workers);

	const struct mgmt_hooks hooks = {
		.ctx = dp,
		.dump_stats = dump_stats,
		.apply = apply,
		.metrics = metrics,
		.counters = counters,
		.connections = connections,
		.path_status = path_status,
		.peer_connections = peer_connections,
		.rule_hits = rule_hits,
	};
	const struct mgmt_params mp = {
		.config_path = path,
		.cfg = cfg,
		.version = MPGW_VERSION,
		.workers = cfg->workers,
	};
	int rc = EXIT_SUCCESS;
	if (mgmt_run(&mp, &hooks, err) != 0) {
		mgmt_log(LOG_ERR, "%s", err);
		rc = EXIT_STARTUP;
	}

	proxy_dataplane_stop(dp);
	proxy_dataplane_dump_stats(dp, stdout);
	unsigned leaked = proxy_dataplane_destroy(dp);
	if (leaked != 0) {
		mgmt_log(LOG_ERR, "%u mbufs did not come back to the pool", leaked);
		rc = EXIT_LEAK;
	} else {
		mgmt_log(LOG_NOTICE, "stopped; every mbuf is back in its pool");
	}
	rte_eal_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool check_only = false;
	int o;

	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			path = optarg;
			check_only = true;
			break;
		case 'V':
			printf("mpgwd %s\n", MPGW_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}

	static struct mgmt_config cfg; /* large: keep it off the stack */
	char err[MGMT_ERR_MAX];
	if (mgmt_config_load(path, &cfg, err) != 0) {
		fprintf(stderr, "mpgwd: %s\n", err);
		return EXIT_CONFIG;
	}
	if (check_only) {
		printf("%s: ok\n", path);
		return EXIT_SUCCESS;
	}
	mgmt_log_set_level(cfg.log_level);
	mgmt_log_open(cfg.log_syslog);
	return run(&cfg, path);
}
