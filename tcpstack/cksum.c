/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 header validation and software checksums. The arithmetic is DPDK's
 * (rte_ip.h); what this file adds is the bounds checking that must come
 * before it, since rte_ipv4_udptcp_cksum trusts total_length. */
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "tcpstack/tcpstack.h"

const char *const tcpstack_mib_names[TCPSTACK_MIB_MAX] = {
#define TCPSTACK_MIB_NAME(id, name) [TCPSTACK_MIB_##id] = name,
	TCPSTACK_MIB_LIST(TCPSTACK_MIB_NAME)
#undef TCPSTACK_MIB_NAME
};

int tcpstack_ipv4_parse(void *pkt, uint32_t len, struct tcpstack_ipv4_view *v)
{
	struct rte_ipv4_hdr *ip = pkt;

	if (len < sizeof(*ip))
		return TCPSTACK_MIB_IPV4_BAD_HDR;
	uint16_t hlen = (uint16_t)((ip->version_ihl & 0x0f) * 4);
	uint16_t tlen = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) || tlen < hlen || tlen > len)
		return TCPSTACK_MIB_IPV4_BAD_HDR;
	/* A correct header sums to 0xffff, i.e. its checksum is 0. */
	if (rte_raw_cksum(ip, hlen) != 0xffff)
		return TCPSTACK_MIB_IPV4_BAD_CSUM;
	v->hdr = ip;
	v->hdr_len = hlen;
	v->l4 = (uint8_t *)ip + hlen;
	v->l4_len = (uint16_t)(tlen - hlen);
	return 0;
}

/* Minimum L4 header sizes, so a checksum is never read past the packet. */
static bool l4_long_enough(const struct tcpstack_ipv4_view *v)
{
	switch (v->hdr->next_proto_id) {
	case IPPROTO_TCP:
		return v->l4_len >= sizeof(struct rte_tcp_hdr);
	case IPPROTO_UDP:
		return v->l4_len >= sizeof(struct rte_udp_hdr);
	case IPPROTO_ICMP:
		return v->l4_len >= sizeof(struct rte_icmp_hdr);
	default:
		return false;
	}
}

bool tcpstack_l4_cksum_ok(const struct tcpstack_ipv4_view *v)
{
	if (!l4_long_enough(v))
		return false;
	switch (v->hdr->next_proto_id) {
	case IPPROTO_ICMP:
		return rte_raw_cksum(v->l4, v->l4_len) == 0xffff;
	case IPPROTO_UDP:
		if (((const struct rte_udp_hdr *)v->l4)->dgram_cksum == 0)
			return true; /* sender computed none */
		/* fall through */
	default:
		break;
	}
	/* Pseudo-header plus segment sums to 0xffff when the checksum is right
	 * (rte_ipv4_udptcp_cksum_verify would do, but is still experimental). */
	uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(v->hdr, 0) + rte_raw_cksum(v->l4, v->l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

void tcpstack_ipv4_set_cksum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

void tcpstack_l4_set_cksum(const struct tcpstack_ipv4_view *v)
{
	if (!l4_long_enough(v))
		return;
	switch (v->hdr->next_proto_id) {
	case IPPROTO_ICMP: {
		struct rte_icmp_hdr *icmp = v->l4;
		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, v->l4_len);
		break;
	}
	case IPPROTO_UDP: {
		struct rte_udp_hdr *udp = v->l4;
		udp->dgram_cksum = 0;
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(v->hdr, udp);
		break;
	}
	case IPPROTO_TCP: {
		struct rte_tcp_hdr *tcp = v->l4;
		tcp->cksum = 0;
		tcp->cksum = rte_ipv4_udptcp_cksum(v->hdr, tcp);
		break;
	}
	}
}
