/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control algorithms by name (configuration, per route or peer). */
#include <stddef.h>
#include <string.h>

#include "tcpstack/tcp_cc.h"

static const struct {
	const char *name;
	const struct tcp_cc_ops *ops;
} tcp_cc_names[] = {
	{ "newreno", &tcp_cc_newreno },
	{ "reno", &tcp_cc_newreno }, /* what Linux calls the same algorithm */
	{ "cubic", &tcp_cc_cubic },
};

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(tcp_cc_names) / sizeof(tcp_cc_names[0]); i++)
		if (strcmp(tcp_cc_names[i].name, name) == 0)
			return tcp_cc_names[i].ops;
	return NULL;
}
