/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame classification: see classify.h.
 *
 * Inline pair: everything is bridged except what is addressed to the box
 * itself (ARP for its addresses, IPv4 to them at its MAC), so ARP, ND, UDP,
 * ICMP and TCP between the hosts and the router pass unchanged. VLAN-tagged
 * frames are always bridged: the box's addresses are untagged.
 * WAN ports: only what is for the box; the rest is dropped and counted. */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "proxy/classify.h"

const char *const proxy_mib_names[PROXY_MIB_MAX] = {
#define PROXY_MIB_NAME(id, name) [PROXY_MIB_##id] = name,
	PROXY_MIB_LIST(PROXY_MIB_NAME)
#undef PROXY_MIB_NAME
};

static bool owns(const struct proxy_classify_port *p, uint32_t ip)
{
	return p->ifc != NULL && tcpstack_iface_owns(p->ifc, ip);
}

/* Is the frame, by its ARP or IPv4 content, for the box? Sets *snoop for
 * ARP the box may learn from though it is not the target. */
static bool for_box(const struct proxy_classify_port *p, const struct rte_ether_hdr *eth,
		    uint32_t len, bool *snoop)
{
	const uint8_t *l3 = (const uint8_t *)(eth + 1);
	uint32_t l3_len = len - sizeof(*eth);
	bool to_mac = rte_is_same_ether_addr(&eth->dst_addr, &p->mac);

	*snoop = false;
	if (p->ifc == NULL)
		return false; /* no addresses here: nothing is for the box */
	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_ARP: {
		if (l3_len < sizeof(struct rte_arp_hdr))
			return to_mac; /* malformed: the stack counts it */
		const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)l3;
		if (owns(p, arp->arp_data.arp_tip))
			return true;
		*snoop = p->ifc != NULL;
		return to_mac;
	}
	case RTE_ETHER_TYPE_IPV4: {
		if (l3_len < sizeof(struct rte_ipv4_hdr))
			return to_mac;
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;
		/* To one of our addresses, and to our MAC or a broadcast. */
		return owns(p, ip->dst_addr) &&
		       (to_mac || rte_is_broadcast_ether_addr(&eth->dst_addr));
	}
	default:
		return false;
	}
}

enum proxy_verdict proxy_classify(const struct proxy_classify_port *p, const void *frame,
				  uint32_t len, enum proxy_mib *why)
{
	const struct rte_ether_hdr *eth = frame;
	bool snoop;

	if (len < sizeof(*eth)) {
		*why = PROXY_MIB_DROP_RUNT;
		return PROXY_DROP;
	}
	if (p->role == MGMT_PORT_INSIDE) {
		if (p->proxy && p->has_peer) {
			uint16_t type = rte_be_to_cpu_16(eth->ether_type);
			const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
			if (type == RTE_ETHER_TYPE_ARP)
				return PROXY_INSIDE_ARP;
			if (type == RTE_ETHER_TYPE_IPV4 && len >= sizeof(*eth) + sizeof(*ip) &&
			    ip->next_proto_id == IPPROTO_TCP)
				return PROXY_INSIDE_TCP;
		}
		goto bridge;
	}

	if (for_box(p, eth, len, &snoop))
		return PROXY_LOCAL;
	if (p->role == MGMT_PORT_WAN) {
		if (snoop)
			return PROXY_SNOOP_DROP;
		*why = PROXY_MIB_DROP_WAN_NOT_FOR_US;
		return PROXY_DROP;
	}
	/* Outside port. A unicast frame to the box's own MAC that the stack
	 * does not take is nobody else's either: the hosts never see it. */
	if (rte_is_same_ether_addr(&eth->dst_addr, &p->mac)) {
		*why = PROXY_MIB_DROP_TO_BOX_NOT_LOCAL;
		return PROXY_DROP;
	}
	if (snoop && p->has_peer)
		return PROXY_SNOOP_BRIDGE;
bridge:
	if (!p->has_peer) {
		*why = PROXY_MIB_DROP_NO_PEER_PORT;
		return PROXY_DROP;
	}
	return PROXY_BRIDGE;
}
