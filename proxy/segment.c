/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside TCP frames as the relay reads them: see segment.h. */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "proxy/segment.h"

enum { OPT_END = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACK_PERM = 4, OPT_TS = 8 };

static void options(const uint8_t *p, uint32_t len, struct proxy_convert_tcpopts *o)
{
	uint32_t off = 0;

	while (off < len) {
		uint8_t kind = p[off];
		if (kind == OPT_END)
			return;
		if (kind == OPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= len || p[off + 1] < 2 || p[off + 1] > len - off)
			return;
		uint8_t olen = p[off + 1];
		if (kind == OPT_MSS && olen == 4) {
			o->flags |= PROXY_CONVERT_OPT_MSS;
			o->mss = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
		} else if (kind == OPT_WS && olen == 3 && p[off + 2] <= 14) {
			o->flags |= PROXY_CONVERT_OPT_WSCALE;
			o->wscale = p[off + 2];
		} else if (kind == OPT_SACK_PERM && olen == 2) {
			o->flags |= PROXY_CONVERT_OPT_SACK_PERM;
		} else if (kind == OPT_TS && olen == 10) {
			o->flags |= PROXY_CONVERT_OPT_TS;
		}
		off += olen;
	}
}

bool proxy_segment_parse(const void *frame, uint32_t len, struct proxy_segment *s)
{
	const uint8_t *p = frame;
	const uint32_t eth = sizeof(struct rte_ether_hdr);

	memset(s, 0, sizeof(*s));
	if (len < eth + sizeof(struct rte_ipv4_hdr) ||
	    ((const struct rte_ether_hdr *)p)->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + eth);
	uint32_t ihl = (ip->version_ihl & 0x0f) * 4u;
	uint32_t total = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || ip->next_proto_id != IPPROTO_TCP ||
	    (rte_be_to_cpu_16(ip->fragment_offset) &
	     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	if (total < ihl + sizeof(struct rte_tcp_hdr) || total > len - eth)
		return false;
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(p + eth + ihl);
	uint32_t thlen = (th->data_off >> 4) * 4u;
	if (thlen < sizeof(*th) || thlen > total - ihl)
		return false;
	s->src = ip->src_addr;
	s->dst = ip->dst_addr;
	s->sport = rte_be_to_cpu_16(th->src_port);
	s->dport = rte_be_to_cpu_16(th->dst_port);
	s->flags = th->tcp_flags;
	if (th->tcp_flags & RTE_TCP_SYN_FLAG)
		options((const uint8_t *)(th + 1), thlen - (uint32_t)sizeof(*th), &s->opts);
	return true;
}
