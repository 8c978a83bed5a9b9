/* SPDX-License-Identifier: BSD-3-Clause */
/* A port's view of the stack: ARP (answer, learn, resolve) and IPv4 to the
 * box's own addresses (ICMP echo). Frames in, frames out; no clock, no port. */
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>

#include "tcpstack/arp.h"
#include "tcpstack/tcpstack.h"

#define IPV4_DEFAULT_TTL 64

/* Where the frames a call produces go. */
struct outq {
	struct tcpstack_iface *ifc;
	struct rte_mbuf **v;
	unsigned n, max;
	uint64_t now;
};

static void count(const struct tcpstack_iface *ifc, enum tcpstack_mib what)
{
	ifc->mib->v[what]++;
}

static void push(struct outq *q, struct rte_mbuf *m)
{
	if (q->n < q->max) {
		q->v[q->n++] = m;
		return;
	}
	count(q->ifc, TCPSTACK_MIB_OUT_OVERFLOW);
	rte_pktmbuf_free(m);
}

static void drop(struct tcpstack_iface *ifc, struct rte_mbuf *m, enum tcpstack_mib why)
{
	count(ifc, why);
	rte_pktmbuf_free(m);
}

struct tcpstack_iface *tcpstack_iface_create(const struct rte_ether_addr *mac,
					     const struct tcpstack_addr *addrs, unsigned n_addrs,
					     const struct tcpstack_arp_params *arp,
					     struct rte_mempool *pool,
					     struct tcpstack_mib_counters *mib)
{
	if (n_addrs > TCPSTACK_IFACE_ADDRS_MAX)
		return NULL;
	struct tcpstack_iface *ifc = calloc(1, sizeof(*ifc));
	if (ifc == NULL)
		return NULL;
	ifc->arp = arp_cache_create(arp);
	if (ifc->arp == NULL) {
		free(ifc);
		return NULL;
	}
	ifc->mac = *mac;
	memcpy(ifc->addrs, addrs, n_addrs * sizeof(*addrs));
	ifc->n_addrs = n_addrs;
	ifc->pool = pool;
	ifc->mib = mib;
	return ifc;
}

void tcpstack_iface_destroy(struct tcpstack_iface *ifc)
{
	if (ifc == NULL)
		return;
	arp_cache_destroy(ifc->arp);
	free(ifc);
}

bool tcpstack_iface_owns(const struct tcpstack_iface *ifc, uint32_t ip)
{
	for (unsigned i = 0; i < ifc->n_addrs; i++)
		if (ifc->addrs[i].ip == ip)
			return true;
	return false;
}

/* The address whose prefix holds @ip, or NULL: is @ip on-link? */
static const struct tcpstack_addr *on_link(const struct tcpstack_iface *ifc, uint32_t ip)
{
	for (unsigned i = 0; i < ifc->n_addrs; i++) {
		const struct tcpstack_addr *a = &ifc->addrs[i];
		if ((ip & a->mask) == (a->ip & a->mask))
			return a;
	}
	return NULL;
}

static void arp_send_request(struct outq *q, uint32_t target)
{
	struct tcpstack_iface *ifc = q->ifc;
	const struct tcpstack_addr *src = on_link(ifc, target);
	struct rte_mbuf *m = rte_pktmbuf_alloc(ifc->pool);

	if (m == NULL) {
		count(ifc, TCPSTACK_MIB_NO_MBUF);
		return;
	}
	if (src == NULL)
		src = &ifc->addrs[0];
	const uint16_t len = sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = ifc->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = ifc->mac;
	arp->arp_data.arp_sip = src->ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = target;
	count(ifc, TCPSTACK_MIB_ARP_TX_REQUEST);
	push(q, m);
}

/* A held IPv4 frame whose next hop is now known. */
static void send_resolved(struct outq *q, struct rte_mbuf *m, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth->dst_addr = *mac;
	eth->src_addr = q->ifc->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	push(q, m);
}

static void output(struct outq *q, struct rte_mbuf *m)
{
	struct tcpstack_iface *ifc = q->ifc;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								sizeof(struct rte_ether_hdr));
	uint32_t nh = ip->dst_addr;

	if (on_link(ifc, nh) == NULL) {
		/* Off-link: the gateway of the source address, else of any. */
		nh = 0;
		for (unsigned i = 0; i < ifc->n_addrs && nh == 0; i++)
			if (ifc->addrs[i].ip == ip->src_addr)
				nh = ifc->addrs[i].gateway;
		for (unsigned i = 0; i < ifc->n_addrs && nh == 0; i++)
			nh = ifc->addrs[i].gateway;
		if (nh == 0) {
			drop(ifc, m, TCPSTACK_MIB_IPV4_NO_ROUTE);
			return;
		}
	}

	struct rte_ether_addr mac;
	struct rte_mbuf *dropped;
	switch (arp_resolve(ifc->arp, nh, q->now, m, &mac, &dropped)) {
	case ARP_HIT:
		send_resolved(q, m, &mac);
		break;
	case ARP_HIT_REQUEST:
		send_resolved(q, m, &mac);
		arp_send_request(q, nh);
		break;
	case ARP_MISS_REQUEST:
		arp_send_request(q, nh);
		break;
	case ARP_MISS_HELD:
		if (dropped != NULL)
			drop(ifc, dropped, TCPSTACK_MIB_ARP_PENDING_REPLACED);
		break;
	case ARP_MISS_FULL:
		drop(ifc, m, TCPSTACK_MIB_ARP_TABLE_FULL);
		break;
	}
}

/* Validate an Ethernet/IPv4 ARP packet; NULL if malformed. */
static struct rte_arp_hdr *arp_parse(struct rte_mbuf *m)
{
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))
		return NULL;
	struct rte_arp_hdr *arp =
		rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return NULL;
	uint16_t op = rte_be_to_cpu_16(arp->arp_opcode);
	if (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)
		return NULL;
	return arp;
}

/* RFC 826 merge, then release whatever was waiting for the sender. */
static void arp_learn_sender(struct outq *q, const struct rte_arp_hdr *arp, bool for_us)
{
	struct tcpstack_iface *ifc = q->ifc;
	uint32_t sip = arp->arp_data.arp_sip;
	bool full;

	if (sip == 0 || !rte_is_unicast_ether_addr(&arp->arp_data.arp_sha))
		return;
	struct rte_mbuf *ready = arp_learn(ifc->arp, sip, &arp->arp_data.arp_sha, q->now,
					   for_us && on_link(ifc, sip) != NULL, &full);
	if (full)
		count(ifc, TCPSTACK_MIB_ARP_TABLE_FULL);
	if (ready != NULL)
		send_resolved(q, ready, &arp->arp_data.arp_sha);
}

static void arp_input(struct outq *q, struct rte_mbuf *m)
{
	struct tcpstack_iface *ifc = q->ifc;
	struct rte_arp_hdr *arp = arp_parse(m);

	if (arp == NULL) {
		drop(ifc, m, TCPSTACK_MIB_ARP_BAD);
		return;
	}
	bool request = arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	bool for_us = tcpstack_iface_owns(ifc, arp->arp_data.arp_tip);

	count(ifc, request ? TCPSTACK_MIB_ARP_RX_REQUEST : TCPSTACK_MIB_ARP_RX_REPLY);
	arp_learn_sender(q, arp, for_us);
	if (!for_us) {
		drop(ifc, m, TCPSTACK_MIB_ARP_NOT_FOR_US);
		return;
	}
	if (!request) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Answer in place. */
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_ipv4 *d = &arp->arp_data;
	uint32_t tip = d->arp_tip;

	eth->dst_addr = d->arp_sha;
	eth->src_addr = ifc->mac;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	d->arp_tip = d->arp_sip;
	d->arp_sha = ifc->mac;
	d->arp_sip = tip;
	count(ifc, TCPSTACK_MIB_ARP_TX_REPLY);
	push(q, m);
}

static void icmp_input(struct outq *q, struct rte_mbuf *m, struct tcpstack_ipv4_view *v)
{
	struct tcpstack_iface *ifc = q->ifc;

	if (v->l4_len < sizeof(struct rte_icmp_hdr)) {
		drop(ifc, m, TCPSTACK_MIB_ICMP_BAD);
		return;
	}
	if (!tcpstack_l4_cksum_ok(v)) {
		drop(ifc, m, TCPSTACK_MIB_ICMP_BAD_CSUM);
		return;
	}
	struct rte_icmp_hdr *icmp = v->l4;
	if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REPLY && icmp->icmp_code == 0 &&
	    ifc->echo_reply != NULL) {
		count(ifc, TCPSTACK_MIB_ICMP_ECHO_REPLY_RX);
		ifc->echo_reply(ifc->echo_ctx, v->hdr->src_addr, v->hdr->dst_addr,
				rte_be_to_cpu_16(icmp->icmp_ident),
				rte_be_to_cpu_16(icmp->icmp_seq_nb), q->now);
		rte_pktmbuf_free(m);
		return;
	}
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		drop(ifc, m, TCPSTACK_MIB_ICMP_NOT_ECHO);
		return;
	}
	/* Echo reply in place; drop Ethernet padding past the IP packet. */
	struct rte_ipv4_hdr *ip = v->hdr;
	uint32_t src = ip->src_addr;
	uint16_t tlen = rte_be_to_cpu_16(ip->total_length);

	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr) - tlen);
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = src;
	ip->time_to_live = IPV4_DEFAULT_TTL;
	ip->fragment_offset = 0;
	tcpstack_ipv4_set_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_code = 0;
	tcpstack_l4_set_cksum(v);
	count(ifc, TCPSTACK_MIB_ICMP_ECHO_REPLY_SENT);
	output(q, m);
}

static void ipv4_input(struct outq *q, struct rte_mbuf *m)
{
	struct tcpstack_iface *ifc = q->ifc;
	struct tcpstack_ipv4_view v;
	uint32_t len = rte_pktmbuf_data_len(m) - sizeof(struct rte_ether_hdr);
	int err = tcpstack_ipv4_parse(
		rte_pktmbuf_mtod_offset(m, void *, sizeof(struct rte_ether_hdr)), len, &v);

	count(ifc, TCPSTACK_MIB_IPV4_RX);
	if (err != 0) {
		drop(ifc, m, (enum tcpstack_mib)err);
		return;
	}
	if (!tcpstack_iface_owns(ifc, v.hdr->dst_addr)) {
		drop(ifc, m, TCPSTACK_MIB_IPV4_NOT_FOR_US);
		return;
	}
	/* No reassembly for the box's own traffic (yet): MF set or offset. */
	if ((rte_be_to_cpu_16(v.hdr->fragment_offset) &
	     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
		drop(ifc, m, TCPSTACK_MIB_IPV4_FRAGMENT);
		return;
	}
	switch (v.hdr->next_proto_id) {
	case IPPROTO_ICMP:
		icmp_input(q, m, &v);
		break;
	case IPPROTO_TCP:
		if (ifc->tcp == NULL) {
			drop(ifc, m, TCPSTACK_MIB_IPV4_UNKNOWN_PROTO);
			break;
		}
		/* Answers leave through the TCP output callback. */
		tcpstack_tcp_input(ifc->tcp, m, q->now);
		break;
	default:
		drop(ifc, m, TCPSTACK_MIB_IPV4_UNKNOWN_PROTO);
		break;
	}
}

unsigned tcpstack_iface_input(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
			      struct rte_mbuf **out, unsigned out_max)
{
	struct outq q = { .ifc = ifc, .v = out, .max = out_max, .now = now };

	/* Parsers below read the first segment only. */
	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) != 0) {
		drop(ifc, m, TCPSTACK_MIB_ETH_NOT_HANDLED);
		return 0;
	}
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)) {
		drop(ifc, m, TCPSTACK_MIB_ETH_NOT_HANDLED);
		return 0;
	}
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		arp_input(&q, m);
		break;
	case RTE_ETHER_TYPE_IPV4:
		ipv4_input(&q, m);
		break;
	default:
		drop(ifc, m, TCPSTACK_MIB_ETH_NOT_HANDLED);
		break;
	}
	return q.n;
}

unsigned tcpstack_iface_snoop_arp(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
				  struct rte_mbuf **out, unsigned out_max)
{
	struct outq q = { .ifc = ifc, .v = out, .max = out_max, .now = now };
	struct rte_arp_hdr *arp;

	if (!rte_pktmbuf_is_contiguous(m))
		return 0;
	arp = arp_parse(m);
	if (arp != NULL)
		arp_learn_sender(&q, arp, false);
	return q.n;
}

unsigned tcpstack_iface_learn(struct tcpstack_iface *ifc, uint32_t ip,
			      const struct rte_ether_addr *mac, uint64_t now, struct rte_mbuf **out,
			      unsigned out_max)
{
	struct outq q = { .ifc = ifc, .v = out, .max = out_max, .now = now };
	bool full;

	if (ip == 0 || !rte_is_valid_assigned_ether_addr(mac))
		return 0;
	struct rte_mbuf *ready = arp_learn(ifc->arp, ip, mac, now, true, &full);
	if (full)
		count(ifc, TCPSTACK_MIB_ARP_TABLE_FULL);
	if (ready != NULL)
		send_resolved(&q, ready, mac);
	return q.n;
}

unsigned tcpstack_iface_output(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
			       struct rte_mbuf **out, unsigned out_max)
{
	struct outq q = { .ifc = ifc, .v = out, .max = out_max, .now = now };

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr)) {
		drop(ifc, m, TCPSTACK_MIB_IPV4_BAD_HDR);
		return 0;
	}
	output(&q, m);
	return q.n;
}

unsigned tcpstack_iface_send_echo(struct tcpstack_iface *ifc, uint32_t src, uint32_t dst,
				  uint16_t id, uint16_t seq, unsigned len, uint64_t now,
				  struct rte_mbuf **out, unsigned out_max)
{
	struct outq q = { .ifc = ifc, .v = out, .max = out_max, .now = now };
	struct rte_mbuf *m = rte_pktmbuf_alloc(ifc->pool);

	if (m == NULL) {
		count(ifc, TCPSTACK_MIB_NO_MBUF);
		return 0;
	}
	len = RTE_MIN(len, 64u);
	const uint16_t l4 = (uint16_t)(sizeof(struct rte_icmp_hdr) + len);
	const uint16_t tot = (uint16_t)(sizeof(struct rte_ipv4_hdr) + l4);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, sizeof(struct rte_ether_hdr) + tot);
	if (p == NULL) {
		drop(ifc, m, TCPSTACK_MIB_NO_MBUF);
		return 0;
	}
	memset(p, 0, sizeof(struct rte_ether_hdr) + tot);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + sizeof(struct rte_ether_hdr));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(tot);
	ip->time_to_live = IPV4_DEFAULT_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	tcpstack_ipv4_set_cksum(ip);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_ident = rte_cpu_to_be_16(id);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	struct tcpstack_ipv4_view v;
	if (tcpstack_ipv4_parse(ip, tot, &v) != 0) { /* cannot be: built above */
		drop(ifc, m, TCPSTACK_MIB_IPV4_BAD_HDR);
		return 0;
	}
	tcpstack_l4_set_cksum(&v);
	count(ifc, TCPSTACK_MIB_ICMP_ECHO_REQUEST_SENT);
	output(&q, m);
	return q.n;
}

static void age_request(void *ctx, uint32_t ip)
{
	arp_send_request(ctx, ip);
}

static void age_give_up(void *ctx, struct rte_mbuf *m)
{
	struct outq *q = ctx;
	drop(q->ifc, m, TCPSTACK_MIB_ARP_UNRESOLVED);
}

unsigned tcpstack_iface_tick(struct tcpstack_iface *ifc, uint64_t now, struct rte_mbuf **out,
			     unsigned out_max)
{
	struct outq q = { .ifc = ifc, .v = out, .max = out_max, .now = now };

	ifc->mib->v[TCPSTACK_MIB_ARP_EXPIRED] +=
		arp_cache_age(ifc->arp, now, age_request, age_give_up, &q);
	return q.n;
}
