/* SPDX-License-Identifier: BSD-3-Clause */
/* MPTCP coupled congestion control (internal to tcpstack): the group of
 * subflows whose windows are coupled, and what LIA and OLIA compute from
 * it. The ops work on bare struct tcp_cc, so unit tests build groups
 * without connections.
 *
 * A group is used from one lcore, like the connections in it. It holds
 * pointers to its members' struct tcp_cc and each member points back
 * (tcp_cc.coupled): a member leaves before its memory goes (the engine does
 * it for connections), and a group destroyed first detaches its members. */
#ifndef MPGW_TCPSTACK_TCP_CC_COUPLED_H
#define MPGW_TCPSTACK_TCP_CC_COUPLED_H

#include "tcpstack/tcp_cc.h"

#define TCP_CC_GROUP_MAX 8 /* subflows of one MPTCP connection, at most */

struct tcpstack_cc_group {
	struct tcp_cc *member[TCP_CC_GROUP_MAX];
	unsigned n;
};

/* Created and destroyed by tcpstack_cc_group_create() and _destroy()
 * (tcpstack.h); a connection joins by tcpstack_tcp_set_cc_group(). */
/* @cc joins @g, leaving the group it was in. @return 0, or -ENOSPC when
 * @g is full (@cc then stays where it was). */
int tcp_cc_group_add(struct tcpstack_cc_group *g, struct tcp_cc *cc);
/* @cc leaves its group, if any. */
void tcp_cc_group_del(struct tcp_cc *cc);

/* RFC 6356's alpha for @cc's group (1 when @cc is weighed alone). */
double tcp_cc_lia_alpha(const struct tcp_cc *cc);
/* OLIA's alpha_r for @cc (0 when @cc is weighed alone). */
double tcp_cc_olia_alpha(const struct tcp_cc *cc);

#endif
