/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging, from any thread: each message is formatted once and written
 * with one write(2), so lines from workers and the management thread never
 * mix. Under systemd stderr is journald's, which reads a "<N>" prefix as the
 * priority; elsewhere a level word is written. syslog(3) on request. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mgmt/mgmt.h"

static int threshold = LOG_INFO;
static bool to_syslog;
static bool journald;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",	  [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

void mgmt_log_set_level(int level)
{
	threshold = level;
}

void mgmt_log_open(bool use_syslog)
{
	/* systemd sets JOURNAL_STREAM when stdout or stderr is the journal */
	journald = getenv("JOURNAL_STREAM") != NULL;
	if (use_syslog && !to_syslog)
		openlog("mpgwd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = use_syslog;
}

void mgmt_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (level > threshold || level < 0 || level > LOG_DEBUG)
		return;
	if (journald)
		n = snprintf(line, sizeof(line), "<%d>", level);
	else
		n = snprintf(line, sizeof(line), "mpgwd: %s: ", level_names[level]);
	size_t head = (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + head, sizeof(line) - head - 1, fmt, ap);
	va_end(ap);
	size_t len =
		head + (n < 0 ? 0
			      : ((size_t)n < sizeof(line) - head - 2 ? (size_t)n
								     : sizeof(line) - head - 2));
	if (to_syslog)
		syslog(level, "%.*s", (int)(len - head), line + head);
	line[len++] = '\n';
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere else to say it */
	}
}
