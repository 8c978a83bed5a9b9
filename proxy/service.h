/* SPDX-License-Identifier: BSD-3-Clause */
/* Built-in TCP and MPTCP services (internal to proxy): see service.c. */
#ifndef MPGW_PROXY_SERVICE_H
#define MPGW_PROXY_SERVICE_H

#include "mgmt/config.h"
#include "mptcp/mptcp.h"
#include "tcpstack/tcpstack.h"

struct proxy_service {
	struct mgmt_service cfg;
	struct tcpstack_tcp *tcp;
	struct rte_mempool *pool;
	struct tcpstack_tcp_ops listen_ops, conn_ops;
	struct mptcp_ops mp_ops;
	uint64_t now; /* the worker's clock, set before each burst */
	unsigned active, done, failed;
};

/*
 * Listen, or open cfg->connections connections from @from_ip. With
 * cfg->mptcp, over @mp: an MPTCP connection also opens one subflow from
 * each of the @n_more addresses in @more_from.
 */
int proxy_service_start(struct proxy_service *svc, const struct mgmt_service *cfg,
			struct tcpstack_tcp *tcp, struct mptcp_stack *mp, struct rte_mempool *pool,
			uint32_t from_ip, const uint32_t *more_from, unsigned n_more, uint64_t now);

#endif
