/* SPDX-License-Identifier: BSD-3-Clause */
/* The management thread's requests to workers: a command goes on the
 * worker's ring, the worker runs it between bursts on its own lcore (so
 * nothing on the data path takes a lock) and marks it done; the caller
 * waits a bounded time. A command the caller gave up on is freed by the
 * worker when it gets to it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "mgmt/mgmt.h"
#include "proxy/worker.h"

#define WAIT_NS (5 * 1000000000ull)

enum { CMD_POSTED, CMD_DONE, CMD_ABANDONED };

enum cmd_kind { CMD_APPLY, CMD_SNAPSHOT };

struct proxy_cmd {
	enum cmd_kind kind;
	int state; /* atomic: CMD_* */
	int rc;
	char err[MGMT_ERR_MAX];
	struct mgmt_config *cfg; /* APPLY: the new one; after: the one replaced */
	unsigned max, n; /* SNAPSHOT */
	struct mgmt_conn_info out[];
};

static void cmd_free(struct proxy_cmd *c)
{
	free(c);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* On the worker's lcore. */
static void run(struct proxy_worker *w, struct proxy_cmd *c, uint64_t now)
{
	struct proxy_dataplane *dp = w->dp;

	switch (c->kind) {
	case CMD_APPLY:
		if (w->relay == NULL) {
			snprintf(c->err, sizeof(c->err), "the proxy is off (a restart is needed)");
			c->rc = -1;
			break;
		}
		c->rc = proxy_relay_apply(w->relay, c->cfg, now, c->err);
		if (c->rc == 0) { /* the old one goes back to be freed */
			struct mgmt_config *old = dp->live;
			dp->live = c->cfg;
			c->cfg = old;
		}
		break;
	case CMD_SNAPSHOT:
		c->n = w->relay ? proxy_relay_snapshot(w->relay, c->out, c->max, now) : 0;
		c->rc = 0;
		break;
	}
}

void proxy_control_run(struct proxy_worker *w, uint64_t now)
{
	struct proxy_cmd *c;

	while (rte_ring_sc_dequeue(w->cmds, (void **)&c) == 0) {
		run(w, c, now);
		int was = __atomic_exchange_n(&c->state, CMD_DONE, __ATOMIC_ACQ_REL);
		if (was == CMD_ABANDONED) {
			/* the one replaced, or the one refused: nobody else will */
			if (c->kind == CMD_APPLY && c->cfg != &w->dp->cfg)
				free(c->cfg);
			cmd_free(c);
		}
	}
}

/* Post @c to worker 0 and wait. @return 0 when it ran (c->rc says how),
 * -1 when the worker did not get to it in time (then it is the worker's). */
static int post_and_wait(struct proxy_dataplane *dp, struct proxy_cmd *c, char *err)
{
	struct proxy_worker *w0 = &dp->workers[0];

	c->state = CMD_POSTED;
	if (w0->cmds == NULL || rte_ring_mp_enqueue(w0->cmds, c) != 0) {
		snprintf(err, MGMT_ERR_MAX, "the data plane is busy: try again");
		return -2;
	}
	uint64_t until = mono_ns() + WAIT_NS;
	while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CMD_DONE) {
		if (mono_ns() >= until) {
			int was = CMD_POSTED;
			if (__atomic_compare_exchange_n(&c->state, &was, CMD_ABANDONED, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				snprintf(err, MGMT_ERR_MAX,
					 "the data plane did not answer within %llu s",
					 WAIT_NS / 1000000000ull);
				return -1;
			}
			break; /* done just now */
		}
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

int proxy_dataplane_apply(struct proxy_dataplane *dp, struct mgmt_config *cfg, char *err)
{
	struct proxy_cmd *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(err, MGMT_ERR_MAX, "out of memory");
		return -1;
	}
	c->kind = CMD_APPLY;
	c->cfg = cfg;
	int rc = post_and_wait(dp, c, err);
	if (rc == -1)
		return -1; /* the worker applies it later, and owns it */
	if (rc == -2) {
		cmd_free(c);
		return -1;
	}
	rc = c->rc;
	if (rc != 0)
		snprintf(err, MGMT_ERR_MAX, "%s", c->err);
	else if (c->cfg != &dp->cfg)
		free(c->cfg); /* the one replaced (the start-up one is dp's own) */
	cmd_free(c);
	return rc;
}

const struct mgmt_config *proxy_dataplane_config(const struct proxy_dataplane *dp)
{
	return dp->live;
}

int proxy_dataplane_connections(struct proxy_dataplane *dp, struct mgmt_conn_info *out,
				unsigned max, char *err)
{
	struct proxy_cmd *c = calloc(1, sizeof(*c) + (size_t)max * sizeof(c->out[0]));

	if (c == NULL) {
		snprintf(err, MGMT_ERR_MAX, "out of memory");
		return -1;
	}
	c->kind = CMD_SNAPSHOT;
	c->max = max;
	int rc = post_and_wait(dp, c, err);
	if (rc == -1)
		return -1;
	if (rc == -2) {
		cmd_free(c);
		return -1;
	}
	unsigned n = c->n;
	memcpy(out, c->out, (size_t)n * sizeof(out[0]));
	cmd_free(c);
	return (int)n;
}
