/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK port set-up and tear-down (internal to proxy). */
#ifndef MPGW_PROXY_PORT_H
#define MPGW_PROXY_PORT_H

#include <rte_mempool.h>

#include "proxy/proxy.h"

/* Probe the device named by the config's devargs, configure @n_queues rx and
 * tx queues (no offloads: the software paths are complete), start it.
 * Inside and outside ports are made promiscuous, since they bridge frames
 * for other hosts' MACs. */
int proxy_port_open(const struct mgmt_port *cfg, uint16_t n_queues, struct rte_mempool *pool,
		    struct proxy_port *out, char *err);

/* Stop and close; the PMD hands its mbufs back to the pool. */
void proxy_port_close(struct proxy_port *p);

#endif
