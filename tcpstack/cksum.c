/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 header validation and software checksums. The arithmetic is DPDK's
 * (rte_ip.h); what this file adds is the bounds checking that must come
 * before it, since rte_ipv4_udptcp_cksum trusts total_length. */
#include <string.h>

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

/* The one's-complement sum, unfolded: 32-bit words into a 64-bit
 * accumulator (no carries to track for 2^32 words), eight bytes a load,
 * four loads a round. Folded, it equals rte_raw_cksum()'s 16-bit sum
 * (2^16 is 1 modulo 2^16 - 1) at a fraction of its cost; checksums were a
 * third of the TCP engine's time on virtual ports. */
static uint64_t sum_words(const uint8_t *p, size_t len, uint64_t sum)
{
	uint64_t a, b, c, d;

	for (; len >= 32; p += 32, len -= 32) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		sum += (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) +
		       (c & 0xffffffff) + (c >> 32) + (d & 0xffffffff) + (d >> 32);
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&a, p, 8);
		sum += (a & 0xffffffff) + (a >> 32);
	}
	for (; len >= 2; p += 2, len -= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		sum += w;
	}
	if (len != 0) {
		uint16_t w = 0;
		memcpy(&w, p, 1); /* the odd byte, at its place in a 16-bit word */
		sum += w;
	}
	return sum;
}

static uint16_t fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t tcpstack_cksum_raw(const void *buf, size_t len)
{
	return fold(sum_words(buf, len, 0));
}

uint16_t tcpstack_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint64_t sum = 0;
	bool odd = false; /* bytes summed so far: odd? then swap this part */

	for (; m != NULL && off >= m->data_len; m = m->next)
		off -= m->data_len;
	for (; m != NULL && len != 0; m = m->next, off = 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);
		uint16_t part =
			fold(sum_words(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n, 0));
		sum += odd ? rte_bswap16(part) : part;
		odd ^= n & 1;
		len -= n;
	}
	return fold(sum);
}

/* Pseudo-header + segment, folded (0xffff when a checksum in it is right). */
static uint16_t l4_sum(const struct tcpstack_ipv4_view *v)
{
	return fold((uint64_t)rte_ipv4_phdr_cksum(v->hdr, 0) + sum_words(v->l4, v->l4_len, 0));
}

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
	if (tcpstack_cksum_raw(ip, hlen) != 0xffff)
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
		return tcpstack_cksum_raw(v->l4, v->l4_len) == 0xffff;
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
		icmp->icmp_cksum = (uint16_t)~tcpstack_cksum_raw(icmp, v->l4_len);
		break;
	}
	case IPPROTO_UDP: {
		struct rte_udp_hdr *udp = v->l4;
		udp->dgram_cksum = 0;
		udp->dgram_cksum = (uint16_t)~l4_sum(v);
		if (udp->dgram_cksum == 0)
			udp->dgram_cksum = 0xffff; /* 0 means "none" in UDP */
		break;
	}
	case IPPROTO_TCP: {
		struct rte_tcp_hdr *tcp = v->l4;
		tcp->cksum = 0;
		tcp->cksum = (uint16_t)~l4_sum(v);
		break;
	}
	}
}
