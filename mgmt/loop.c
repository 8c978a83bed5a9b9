/* SPDX-License-Identifier: BSD-3-Clause */
/* The management thread's libev loop. */
#include <stdint.h>

#include <ev.h>

#include "mgmt/mgmt.h"

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	mgmt_log(LOG_NOTICE, "signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void on_dump(struct ev_loop *loop, ev_signal *w, int revents)
{
	const struct mgmt_hooks *h = w->data;

	(void)loop;
	(void)revents;
	h->dump_stats(h->ctx, stdout);
}

int mgmt_run(const struct mgmt_hooks *hooks)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_SIGNALFD);
	ev_signal term, intr, usr1;

	if (loop == NULL) {
		mgmt_log(LOG_ERR, "cannot create the event loop");
		return -1;
	}
	ev_signal_init(&term, on_stop, SIGTERM);
	ev_signal_init(&intr, on_stop, SIGINT);
	ev_signal_init(&usr1, on_dump, SIGUSR1);
	usr1.data = (void *)(uintptr_t)hooks;
	ev_signal_start(loop, &term);
	ev_signal_start(loop, &intr);
	ev_signal_start(loop, &usr1);
	ev_run(loop, 0);
	ev_signal_stop(loop, &term);
	ev_signal_stop(loop, &intr);
	ev_signal_stop(loop, &usr1);
	return 0;
}
