/* SPDX-License-Identifier: BSD-3-Clause */
/* Congestion control algorithms by name (configuration, per route or peer). */
#include <stddef.h>
#include <string.h>

#include "tcpstack/tcp_cc.h"
#include "tcpstack/tcpstack.h"

struct tcp_cc_name {
	const char *name;
	const struct tcp_cc_ops *ops;
};

static const struct tcp_cc_name tcp_cc_names[] = {
	{ "newreno", &tcp_cc_newreno },
	{ "reno", &tcp_cc_newreno }, /* what Linux calls the same algorithm */
	{ "cubic", &tcp_cc_cubic },
	{ "lia", &tcp_cc_lia }, /* MPTCP coupled (tcp_cc_coupled.c) */
	{ "olia", &tcp_cc_olia },
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

bool tcpstack_cc_known(const char *name)
{
	return tcp_cc_find(name) != NULL;
}
