/* SPDX-License-Identifier: BSD-3-Clause */
/* The path manager (internal to mptcp): which subflows a connection opens
 * and when (the configured pairs, addresses the peer announces), opening
 * them again with backoff when they fail, announcing our own addresses
 * (ADD_ADDR, resent until echoed) and acting on REMOVE_ADDR. */
#ifndef MPGW_MPTCP_PM_H
#define MPGW_MPTCP_PM_H

#include <stdbool.h>
#include <stdint.h>

struct mptcp_sock;
struct mptcp_stack;
struct mptcp_subflow;

/* The connection is up with MPTCP: open the paths, plan announcements. */
void mptcp_pm_established(struct mptcp_sock *m, uint64_t now);
/* @sf left the connection (already unlinked); @err as tcpstack said. */
void mptcp_pm_subflow_closed(struct mptcp_sock *m, struct mptcp_subflow *sf, int err, uint64_t now);
/* Our first DSS is out: the peer (Linux's in-kernel PM acts on an ADD_ADDR
 * only once it saw one) can take our announcements from the next segment. */
void mptcp_pm_dss_sent(struct mptcp_sock *m, uint64_t now);
void mptcp_pm_timers(struct mptcp_sock *m, uint64_t now);
uint64_t mptcp_pm_next_timer(const struct mptcp_sock *m);

/* Announcements: the next address to put in an ADD_ADDR (index into the
 * stack's addresses) or -1; it went out; the peer echoed id. */
int mptcp_pm_next_announce(const struct mptcp_sock *m);
void mptcp_pm_announced(struct mptcp_sock *m, int idx);
void mptcp_pm_echo_seen(struct mptcp_sock *m, uint8_t id);

/* The peer announced (id, addr, port) / removed id. */
void mptcp_pm_add_addr(struct mptcp_sock *m, uint8_t id, uint32_t addr, uint16_t port,
		       uint64_t now);
void mptcp_pm_rm_addr(struct mptcp_sock *m, uint8_t id, uint64_t now);

/* Our address id for @laddr (0: the initial subflow's, or unknown). */
uint8_t mptcp_pm_local_id(const struct mptcp_stack *st, uint32_t laddr);
/* Whether subflows from our @laddr are backup (mptcp_stack_set_addr_backup). */
bool mptcp_pm_addr_backup(const struct mptcp_stack *st, uint32_t laddr);
/* Whether our @laddr was removed (mptcp_stack_remove_addr) and not added again. */
bool mptcp_pm_addr_removed_p(const struct mptcp_stack *st, uint32_t laddr);

/* Our subflows and paths from @laddr become backup or regular; MP_PRIO
 * tells the peer. @return 0, or -ENOENT when none uses @laddr. */
/* The path @p laddr -> @p raddr is forgotten and its subflows retire
 * (mptcp_remove_path()). */
int mptcp_pm_remove_path(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint64_t now);
int mptcp_pm_set_backup(struct mptcp_sock *m, uint32_t laddr, bool backup, uint64_t now);
/* Our address @laddr, id @id, was st->addrs[@idx] and has left the stack
 * (its entry removed already, the later ones moved down by one): no more
 * announcements or subflows from it; its subflows close and the peer is
 * told (REMOVE_ADDR), unless no other subflow would carry the connection. */
void mptcp_pm_addr_removed(struct mptcp_sock *m, unsigned idx, uint8_t id, uint32_t laddr,
			   uint64_t now);

/* A path for mptcp_add_subflow(). @return 0 or -errno. */
int mptcp_pm_add_path(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint16_t rport,
		      bool backup, uint8_t remote_id, uint64_t now);

#endif
