/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: a whole Ethernet frame as a port receives it.
 *
 * The frame is classified (proxy_classify) as it would be on each kind of
 * port: inside, outside and wan, each with and without addresses of the
 * box. Where the port has addresses, the harness then does what a worker
 * does with the verdict: PROXY_LOCAL and PROXY_SNOOP_DROP go to
 * tcpstack_iface_input(), PROXY_SNOOP_BRIDGE to tcpstack_iface_snoop_arp()
 * (then the frame is bridged, here freed). The outside and wan ports share
 * one iface, so a frame the box takes reaches its stack twice. Once more,
 * unclassified, the frame goes straight to tcpstack_iface_input(): the stack
 * must survive any frame, whatever the classifier lets through.
 * Then time moves on: ARP retransmissions, (in half the runs) the ARP
 * replies that release frames waiting for their next hop, give-up, expiry;
 * and the iface is destroyed. Every frame is run so against four states of
 * the stack: ARP cache empty, warm (a fresh and a stale entry), full, and
 * an iface whose only address has no gateway.
 *
 * Once more, on the inside port of a box that proxies: only IPv4 TCP may
 * go to the relay (and is read by proxy_segment_parse()), only ARP as ARP,
 * the rest is bridged or, if a runt, dropped.
 * Each frame goes in as given and, if it is IPv4, again with its IP
 * header and ICMP checksums repaired, so that mutations reach ICMP.
 *
 * Checks:
 *  - verdicts: inside bridges, wan never bridges, drops name a drop reason,
 *    and only a port with addresses gets LOCAL or SNOOP verdicts (the
 *    worker hands those to the port's iface, which a port without
 *    addresses does not have);
 *  - everything the stack sends is a well-formed frame from the box: ARP
 *    from one of its addresses, or an ICMP echo reply with good checksums,
 *    from one of its addresses, to a unicast MAC, not longer than needed;
 *  - no mbuf leaks or is freed twice: after each input every mbuf of the
 *    pool is free, exactly once;
 *  - nothing is read outside the frame or after it is freed: the frame's
 *    mbuf has an exactly sized malloc'ed external buffer (ASan).
 *
 * The mbufs need the EAL: initialised once, without hugepages or devices,
 * its runtime directory removed at once (it is empty and nothing needs it;
 * removing it then also covers runs that end in abort()).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_mbuf.h>

#include "proxy/classify.h"
#include "proxy/segment.h"
#include "tcpstack/tcpstack.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/ut_eal.h"

#define SEC 1000000000ull
#define POOL_SIZE 127 /* ring of 128: a double free shows as a duplicate */
#define OUT_MAX 8

#define IP4(a, b, c, d) \
	RTE_BE32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct rte_mempool *pool;
/* FUZZ_FRAME_NO_ADDR_PORTS=0: leave out the ports without addresses (to
 * fuzz the rest while a bug only they show is open). */
static bool no_addr_ports = true;
static struct tcpstack_mib_counters mib;

static const struct rte_ether_addr box_mac = { { 0x02, 0xb0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0xee, 0, 0, 0, 0x02 } };
static const struct tcpstack_addr box_addrs[] = {
	/* as in the corpus: 198.18.1.2/24 via 198.18.1.1, 203.0.113.2/24 on-link only */
	{ .ip = IP4(198, 18, 1, 2), .mask = IP4(255, 255, 255, 0), .gateway = IP4(198, 18, 1, 1) },
	{ .ip = IP4(203, 0, 113, 2), .mask = IP4(255, 255, 255, 0), .gateway = 0 },
};
static const struct tcpstack_arp_params arp_params = {
	.entries = 16, /* small: the table fills (12 entries) */
	.reachable_ns = 300 * SEC,
	.retrans_ns = SEC,
	.max_probes = 3,
};

/* ---- EAL ------------------------------------------------------------------ */

static void pool_free(void)
{
	rte_mempool_free(pool);
	pool = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (pool != NULL)
		return 0;
	if (getenv("FUZZ_FRAME_NO_ADDR_PORTS") &&
	    strcmp(getenv("FUZZ_FRAME_NO_ADDR_PORTS"), "0") == 0)
		no_addr_ports = false;
	FUZZ_CHECK(ut_eal_start("fuzz-frame") == 0, "rte_eal_init failed");
	atexit(pool_free); /* runs before the EAL's own cleanup */
	pool = rte_pktmbuf_pool_create("fuzz", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	FUZZ_CHECK(pool != NULL, "cannot create the mbuf pool");
	return 0;
}

/* ---- mbufs ------------------------------------------------------------------ */

static void ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/* The frame in an mbuf whose data is an exactly sized heap buffer. */
static struct rte_mbuf *frame_mbuf(const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *buf = malloc(len ? len : 1);
	struct rte_mbuf_ext_shared_info *sh = calloc(1, sizeof(*sh));

	FUZZ_CHECK(m != NULL, "the pool is empty");
	FUZZ_CHECK(buf != NULL && sh != NULL, "out of memory");
	memcpy(buf, f, len);
	sh->free_cb = ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf, (uint16_t)len, sh);
	FUZZ_CHECK(rte_pktmbuf_append(m, (uint16_t)len) != NULL || len == 0, "append");
	return m;
}

/* Every mbuf back in the pool, each once. */
static void check_pool(void)
{
	struct rte_mbuf *all[POOL_SIZE + 1];

	FUZZ_CHECK(rte_mempool_in_use_count(pool) == 0, "%u mbufs leaked",
		   rte_mempool_in_use_count(pool));
	FUZZ_CHECK(rte_pktmbuf_alloc_bulk(pool, all, POOL_SIZE) == 0, "pool short");
	all[POOL_SIZE] = rte_pktmbuf_alloc(pool);
	FUZZ_CHECK(all[POOL_SIZE] == NULL, "more mbufs in the pool than it holds: a double free");
	for (unsigned i = 0; i < POOL_SIZE; i++)
		for (unsigned j = 0; j < i; j++)
			FUZZ_CHECK(all[i] != all[j], "an mbuf is in the pool twice: a double free");
	rte_pktmbuf_free_bulk(all, POOL_SIZE);
}

/* ---- what the stack sends ----------------------------------------------------- */

static void check_sent(const struct tcpstack_iface *ifc, struct rte_mbuf **out, unsigned n,
		       unsigned max)
{
	FUZZ_CHECK(n <= max, "%u frames out, room for %u", n, max);
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = out[i];

		FUZZ_CHECK(m != NULL, "NULL frame out");
		FUZZ_CHECK(rte_pktmbuf_is_contiguous(m) && m->data_len == m->pkt_len,
			   "segmented frame out");
		FUZZ_CHECK(m->data_len >= sizeof(struct rte_ether_hdr), "runt out");

		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		uint32_t l3_len = m->data_len - (uint32_t)sizeof(*eth);

		FUZZ_CHECK(rte_is_same_ether_addr(&eth->src_addr, &box_mac),
			   "sent from another MAC");
		switch (rte_be_to_cpu_16(eth->ether_type)) {
		case RTE_ETHER_TYPE_ARP: {
			const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(eth + 1);
			uint16_t op;

			FUZZ_CHECK(l3_len >= sizeof(*a), "ARP of %u bytes", l3_len);
			op = rte_be_to_cpu_16(a->arp_opcode);
			FUZZ_CHECK(a->arp_hardware == rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) &&
					   a->arp_protocol ==
						   rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
					   a->arp_hlen == 6 && a->arp_plen == 4,
				   "bad ARP header");
			FUZZ_CHECK(rte_is_same_ether_addr(&a->arp_data.arp_sha, &box_mac),
				   "ARP for another MAC");
			FUZZ_CHECK(tcpstack_iface_owns(ifc, a->arp_data.arp_sip),
				   "ARP from an address not the box's");
			if (op == RTE_ARP_OP_REQUEST)
				FUZZ_CHECK(rte_is_broadcast_ether_addr(&eth->dst_addr),
					   "ARP request not broadcast");
			else
				FUZZ_CHECK(op == RTE_ARP_OP_REPLY &&
						   rte_is_same_ether_addr(&eth->dst_addr,
									  &a->arp_data.arp_tha),
					   "ARP op %u", op);
			break;
		}
		case RTE_ETHER_TYPE_IPV4: {
			struct tcpstack_ipv4_view v;
			int rc = tcpstack_ipv4_parse((void *)(eth + 1), l3_len, &v);

			FUZZ_CHECK(rc == 0, "sent an IPv4 packet that does not parse (%d)", rc);
			FUZZ_CHECK((uint32_t)v.hdr_len + v.l4_len == l3_len,
				   "IPv4 packet of %u bytes in a frame of %u",
				   (unsigned)v.hdr_len + v.l4_len, m->data_len);
			FUZZ_CHECK(rte_is_unicast_ether_addr(&eth->dst_addr),
				   "IPv4 sent to a group MAC");
			FUZZ_CHECK(tcpstack_iface_owns(ifc, v.hdr->src_addr),
				   "IPv4 from an address not the box's");
			FUZZ_CHECK(v.hdr->next_proto_id == IPPROTO_ICMP && tcpstack_l4_cksum_ok(&v),
				   "IPv4 out: protocol %u or checksum", v.hdr->next_proto_id);
			FUZZ_CHECK(((const struct rte_icmp_hdr *)v.l4)->icmp_type ==
					   RTE_IP_ICMP_ECHO_REPLY,
				   "ICMP type %u out",
				   ((const struct rte_icmp_hdr *)v.l4)->icmp_type);
			FUZZ_CHECK((rte_be_to_cpu_16(v.hdr->fragment_offset) &
				    (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) == 0,
				   "fragment out");
			break;
		}
		default:
			FUZZ_CHECK(false, "sent ethertype %#x", rte_be_to_cpu_16(eth->ether_type));
		}
		rte_pktmbuf_free(m);
	}
}

/* ---- one frame ------------------------------------------------------------------ */

struct port_kind {
	enum mgmt_port_role role;
	bool has_peer;
	bool has_addrs;
	bool direct; /* not classified: straight to the stack */
	const char *name;
};

static const struct port_kind kinds[] = {
	{ MGMT_PORT_INSIDE, true, false, false, "inside" },
	{ MGMT_PORT_OUTSIDE, true, true, false, "outside" },
	{ MGMT_PORT_OUTSIDE, true, false, false, "outside without addresses" },
	{ MGMT_PORT_WAN, false, true, false, "wan" },
	{ MGMT_PORT_WAN, false, false, false, "wan without addresses" },
	/* The stack must survive any frame, whatever the classifier lets in. */
	{ MGMT_PORT_OUTSIDE, true, true, true, "any frame to the stack" },
};

static void check_verdict(const struct port_kind *k, const uint8_t *f, size_t len,
			  enum proxy_verdict v, enum proxy_mib why)
{
	uint16_t type = len >= 14 ? (uint16_t)(f[12] << 8 | f[13]) : 0;

	FUZZ_CHECK(v <= PROXY_DROP, "%s: verdict %d", k->name, (int)v);
	if (v == PROXY_DROP)
		FUZZ_CHECK(why == PROXY_MIB_DROP_RUNT || why == PROXY_MIB_DROP_NO_PEER_PORT ||
				   why == PROXY_MIB_DROP_TO_BOX_NOT_LOCAL ||
				   why == PROXY_MIB_DROP_WAN_NOT_FOR_US,
			   "%s: dropped for '%s'", k->name,
			   why < PROXY_MIB_MAX ? proxy_mib_names[why] : "?");
	if (len < sizeof(struct rte_ether_hdr)) {
		FUZZ_CHECK(v == PROXY_DROP && why == PROXY_MIB_DROP_RUNT, "%s: runt not dropped",
			   k->name);
		return;
	}
	if (k->role == MGMT_PORT_INSIDE)
		FUZZ_CHECK(v == PROXY_BRIDGE, "inside: verdict %d", (int)v);
	if (k->role == MGMT_PORT_WAN)
		FUZZ_CHECK(v != PROXY_BRIDGE && v != PROXY_SNOOP_BRIDGE, "wan port bridges");
	if (v == PROXY_LOCAL || v == PROXY_SNOOP_BRIDGE || v == PROXY_SNOOP_DROP) {
		FUZZ_CHECK(k->has_addrs,
			   "%s: verdict %d for a port without an iface (ethertype %#x, %zu bytes): "
			   "the worker would pass a NULL iface to the stack",
			   k->name, (int)v, type, len);
		FUZZ_CHECK(type == RTE_ETHER_TYPE_ARP || type == RTE_ETHER_TYPE_IPV4,
			   "%s: ethertype %#x for the stack", k->name, type);
	}
}

/* An ARP reply from @ip at @mac to the box's first address. */
static void arp_reply_from(struct tcpstack_iface *ifc, uint32_t ip,
			   const struct rte_ether_addr *mac, uint64_t now)
{
	uint8_t f[sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr)];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	struct rte_mbuf *out[OUT_MAX];
	unsigned n;

	eth->dst_addr = box_mac;
	eth->src_addr = *mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_sha = *mac;
	a->arp_data.arp_sip = ip;
	a->arp_data.arp_tha = box_mac;
	a->arp_data.arp_tip = ifc->addrs[0].ip;
	n = tcpstack_iface_input(ifc, frame_mbuf(f, sizeof(f)), now, out, OUT_MAX);
	check_sent(ifc, out, n, OUT_MAX);
}

/* The state of the box's stack when the frame arrives. */
enum stack_state {
	COLD, /* both addresses, nothing in the ARP cache */
	WARM, /* the corpus's host known, the gateway's entry past its lifetime */
	FULL, /* no room for another ARP entry */
	NO_GATEWAY, /* only 203.0.113.2/24, no gateway: off-link has no route */
	N_STATES
};

static struct tcpstack_iface *make_iface(enum stack_state st, uint64_t t0)
{
	struct tcpstack_iface *ifc;

	memset(&mib, 0, sizeof(mib));
	if (st == NO_GATEWAY)
		ifc = tcpstack_iface_create(&box_mac, &box_addrs[1], 1, &arp_params, pool, &mib);
	else
		ifc = tcpstack_iface_create(&box_mac, box_addrs, RTE_DIM(box_addrs), &arp_params,
					    pool, &mib);
	FUZZ_CHECK(ifc != NULL, "cannot create the iface");
	if (st == WARM) {
		arp_reply_from(ifc, IP4(198, 18, 1, 7), &peer_mac, t0 - SEC);
		arp_reply_from(ifc, IP4(198, 18, 1, 1), &peer_mac, t0 - 400 * SEC);
	} else if (st == FULL) {
		/* 3/4 of 16 entries; hosts .101 to .112 */
		for (unsigned i = 0; i < arp_params.entries * 3 / 4; i++) {
			struct rte_ether_addr mac = peer_mac;

			mac.addr_bytes[5] = (uint8_t)(0x10 + i);
			arp_reply_from(ifc, IP4(198, 18, 1, 101 + i), &mac, t0 - SEC);
		}
	}
	return ifc;
}

static void run_frame(const uint8_t *f, size_t len, enum stack_state st, bool answer)
{
	const uint64_t t0 = 1000 * SEC;
	struct rte_mbuf *out[OUT_MAX];
	struct tcpstack_iface *ifc = make_iface(st, t0);
	unsigned n;

	for (size_t i = 0; i < RTE_DIM(kinds); i++) {
		const struct port_kind *k = &kinds[i];
		/* room for one frame only, at times: overflow */
		const unsigned room = k->role == MGMT_PORT_WAN || st == WARM ? 1 : OUT_MAX;

		if (!k->has_addrs && (!no_addr_ports || st != COLD || answer))
			continue; /* classified once is enough */
		if (k->direct) {
			if (st == COLD && !answer && len >= sizeof(struct rte_ether_hdr)) {
				n = tcpstack_iface_input(ifc, frame_mbuf(f, len), t0, out, room);
				check_sent(ifc, out, n, room);
			}
			continue;
		}

		const struct proxy_classify_port cp = {
			.role = k->role,
			.has_peer = k->has_peer,
			.mac = box_mac,
			.ifc = k->has_addrs ? ifc : NULL,
		};
		enum proxy_mib why = PROXY_MIB_MAX;
		enum proxy_verdict v = proxy_classify(&cp, f, (uint32_t)len, &why);

		check_verdict(k, f, len, v, why);
		if (!k->has_addrs)
			continue;
		switch (v) {
		case PROXY_LOCAL:
		case PROXY_SNOOP_DROP:
			n = tcpstack_iface_input(ifc, frame_mbuf(f, len), t0, out, room);
			check_sent(ifc, out, n, room);
			break;
		case PROXY_SNOOP_BRIDGE: {
			struct rte_mbuf *m = frame_mbuf(f, len);

			n = tcpstack_iface_snoop_arp(ifc, m, t0, out, room);
			check_sent(ifc, out, n, room);
			FUZZ_CHECK(rte_pktmbuf_data_len(m) == len &&
					   memcmp(rte_pktmbuf_mtod(m, void *), f, len) == 0,
				   "snoop changed the frame it bridges");
			rte_pktmbuf_free(m); /* bridged */
			break;
		}
		case PROXY_BRIDGE:
		case PROXY_DROP:
			break;
		case PROXY_INSIDE_TCP:
		case PROXY_INSIDE_ARP:
			FUZZ_CHECK(false, "a relay verdict (%d) from a port of no proxy", v);
			break;
		}
	}

	/* Time passes: requests are repeated, answered (if @answer: by the
	 * frame's IPv4 source and the gateway), given up, entries expire. */
	static const uint64_t later[] = { 1, 2, 3, 5, 301, 700, 2000 };
	for (size_t i = 0; i < RTE_DIM(later); i++) {
		uint64_t now = t0 + later[i] * SEC;

		if (i == 1 && answer) {
			if (len >= 14 + 20 && f[12] == 0x08 && f[13] == 0x00) {
				uint32_t src;

				memcpy(&src, f + 14 + 12, 4);
				arp_reply_from(ifc, src, &peer_mac, now);
			}
			arp_reply_from(ifc, box_addrs[0].gateway, &peer_mac, now);
		}
		n = tcpstack_iface_tick(ifc, now, out, 2);
		check_sent(ifc, out, n, 2);
	}
	tcpstack_iface_destroy(ifc);
	check_pool();
}

/* The inside port of a box that proxies: IPv4 TCP and ARP go to the relay,
 * which reads the TCP ones (proxy_segment_parse); the rest is bridged. */
static void run_inside_proxy(const uint8_t *f, size_t len)
{
	const struct proxy_classify_port cp = {
		.role = MGMT_PORT_INSIDE,
		.has_peer = true,
		.mac = box_mac,
		.proxy = true,
	};
	enum proxy_mib why = PROXY_MIB_MAX;
	enum proxy_verdict v = proxy_classify(&cp, f, (uint32_t)len, &why);
	struct proxy_segment sg;

	switch (v) {
	case PROXY_INSIDE_TCP:
		FUZZ_CHECK(len >= 14 + 20 && f[12] == 0x08 && f[13] == 0x00 && f[14 + 9] == 6,
			   "INSIDE_TCP for a frame that is not IPv4 TCP");
		if (proxy_segment_parse(f, (uint32_t)len, &sg))
			FUZZ_CHECK((sg.opts.flags & ~PROXY_CONVERT_OPT_ALL) == 0, "option flags");
		break;
	case PROXY_INSIDE_ARP:
		FUZZ_CHECK(len >= 14 && f[12] == 0x08 && f[13] == 0x06, "INSIDE_ARP for no ARP");
		break;
	case PROXY_BRIDGE:
		break;
	case PROXY_DROP:
		FUZZ_CHECK(why == PROXY_MIB_DROP_RUNT, "inside drops only runts");
		break;
	default:
		FUZZ_CHECK(false, "verdict %d on an inside port", v);
	}
}

static void run_all(const uint8_t *f, size_t len)
{
	run_inside_proxy(f, len);
	for (int st = 0; st < N_STATES; st++) {
		run_frame(f, len, (enum stack_state)st, false);
		run_frame(f, len, (enum stack_state)st, true);
	}
}

/* RFC 1071 checksum of n bytes. */
static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An IPv4 frame with a good header (version, lengths, checksum) and, for
 * ICMP, a good ICMP checksum. False if it is not IPv4 or cannot be. */
static bool repair(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14;
	size_t hlen, tlen, room = len - 14;
	uint16_t c;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
		return false;
	ip[0] = (uint8_t)(0x40 | (ip[0] & 15));
	hlen = (size_t)(ip[0] & 15) * 4;
	if (hlen < 20 || hlen > room)
		return false;
	tlen = (size_t)(ip[2] << 8 | ip[3]);
	if (tlen < hlen || tlen > room) {
		tlen = room > 0xffff ? 0xffff : room;
		ip[2] = (uint8_t)(tlen >> 8);
		ip[3] = (uint8_t)tlen;
	}
	ip[10] = ip[11] = 0;
	c = sum16(ip, hlen);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	if (ip[9] == IPPROTO_ICMP && tlen - hlen >= 4) {
		ip[hlen + 2] = ip[hlen + 3] = 0;
		c = sum16(ip + hlen, tlen - hlen);
		ip[hlen + 2] = (uint8_t)(c >> 8);
		ip[hlen + 3] = (uint8_t)c;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	if (size > UINT16_MAX)
		return 0; /* no mbuf holds more */
	if (pool == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	run_all(data, size);

	fixed = malloc(size ? size : 1);
	FUZZ_CHECK(fixed != NULL, "out of memory");
	memcpy(fixed, data, size);
	if (repair(fixed, size) && memcmp(fixed, data, size) != 0)
		run_all(fixed, size);
	free(fixed);
	return 0;
}
