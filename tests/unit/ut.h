/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by unit tests: an EAL without hugepages or devices (for
 * mbufs), and builders of the frames the tests feed in. Header-only so each
 * test stays one file. */
#ifndef MPGW_TESTS_UT_H
#define MPGW_TESTS_UT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "tcpstack/tcpstack.h"
#include "tests/unit/ut_eal.h"

#define UT_IP(a, b, c, d)                                                                 \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
			 (uint32_t)(d))

static inline struct rte_mempool *ut_eal_pool_sized(unsigned n)
{
	static struct rte_mempool *pool;

	if (pool != NULL)
		return pool;
	if (ut_eal_start("ut") != 0)
		return NULL;
	pool = rte_pktmbuf_pool_create("ut", n, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool;
}

static inline struct rte_mempool *ut_eal_pool(void)
{
	return ut_eal_pool_sized(1023);
}

static inline struct rte_mbuf *ut_mbuf(struct rte_mempool *pool, const void *data, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	void *p = rte_pktmbuf_append(m, len);
	assert_non_null(p);
	memcpy(p, data, len);
	return m;
}

/* Ethernet + ARP into buf; returns the frame length. */
static inline uint16_t ut_arp(uint8_t *buf, uint16_t op, const struct rte_ether_addr *dst,
			      const struct rte_ether_addr *sha, uint32_t sip,
			      const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	eth->dst_addr = *dst;
	eth->src_addr = *sha;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *sha;
	arp->arp_data.arp_sip = sip;
	arp->arp_data.arp_tha = *tha;
	arp->arp_data.arp_tip = tip;
	return sizeof(*eth) + sizeof(*arp);
}

/* Ethernet + IPv4 + ICMP echo request with @plen payload bytes. */
static inline uint16_t ut_echo(uint8_t *buf, const struct rte_ether_addr *dst,
			       const struct rte_ether_addr *src, uint32_t sip, uint32_t dip,
			       uint16_t plen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint16_t tlen = (uint16_t)(sizeof(*ip) + sizeof(*icmp) + plen);

	eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(tlen);
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = sip;
	ip->dst_addr = dip;
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(77);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(1);
	for (uint16_t i = 0; i < plen; i++)
		((uint8_t *)(icmp + 1))[i] = (uint8_t)i;
	struct tcpstack_ipv4_view v = {
		.hdr = ip, .l4 = icmp, .hdr_len = 20, .l4_len = (uint16_t)(tlen - 20)
	};
	tcpstack_ipv4_set_cksum(ip);
	tcpstack_l4_set_cksum(&v);
	return (uint16_t)(sizeof(*eth) + tlen);
}

#endif
