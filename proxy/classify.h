/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame classification (internal to proxy): what the box does with a frame,
 * decided from the frame and the port alone. A pure function, unit-tested
 * on byte buffers. */
#ifndef MPGW_PROXY_CLASSIFY_H
#define MPGW_PROXY_CLASSIFY_H

#include "proxy/proxy.h"

enum proxy_verdict {
	PROXY_BRIDGE, /* forward unchanged to the peer port */
	PROXY_LOCAL, /* for the box's own stack */
	PROXY_SNOOP_BRIDGE, /* ARP the stack may learn from, then bridge */
	PROXY_SNOOP_DROP, /* ARP the stack may learn from, then drop */
	PROXY_INSIDE_TCP, /* IPv4 TCP from an inside host: the relay's, or bridged */
	PROXY_INSIDE_ARP, /* ARP on the inside port: the relay learns, or bridged */
	PROXY_DROP, /* *why says why */
};

/* What classification needs to know of a port. */
struct proxy_classify_port {
	enum mgmt_port_role role;
	bool has_peer;
	struct rte_ether_addr mac;
	const struct tcpstack_iface *ifc; /* the box's addresses; NULL if none */
	bool proxy; /* inside port of a box that proxies */
};

enum proxy_verdict proxy_classify(const struct proxy_classify_port *p, const void *frame,
				  uint32_t len, enum proxy_mib *why);

#endif
