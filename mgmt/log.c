/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging to stderr with a level tag (journald keeps stderr of a unit). */
#include <stdarg.h>

#include "mgmt/mgmt.h"

static int threshold = LOG_INFO;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",	  [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

void mgmt_log_set_level(int level)
{
	threshold = level;
}

void mgmt_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > threshold || level < 0 || level > LOG_DEBUG)
		return;
	fprintf(stderr, "mpgwd: %s: ", level_names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
