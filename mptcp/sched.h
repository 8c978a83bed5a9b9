/* SPDX-License-Identifier: BSD-3-Clause */
/* Packet schedulers as an ops table (internal to mptcp): which subflow
 * carries the next chunk of new data. The connection hands over the
 * subflows that can take data now (regular ones, or the backups when no
 * regular one works); the scheduler picks. */
#ifndef MPGW_MPTCP_SCHED_H
#define MPGW_MPTCP_SCHED_H

#include <stdint.h>

struct mptcp_sched_cand {
	void *sf;
	uint32_t srtt_us; /* 0: no sample yet */
	uint32_t room; /* bytes it takes now, > 0 */
};

struct mptcp_sched_ops {
	const char *name;
	/* Choose among @n (>= 1) candidates: indexes into @c in @out, return
	 * how many (1, or more when every chosen one carries the same data).
	 * @cursor is the connection's own state for the scheduler. */
	unsigned (*pick)(const struct mptcp_sched_cand *c, unsigned n, unsigned *cursor,
			 unsigned *out);
};

/* "roundrobin" (default), "minrtt", "redundant"; NULL if unknown. */
const struct mptcp_sched_ops *mptcp_sched_find(const char *name);

#endif
