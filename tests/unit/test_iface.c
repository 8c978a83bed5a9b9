/* SPDX-License-Identifier: BSD-3-Clause */
/* The box's own stack on one port: answering ARP, answering ping (with the
 * reply waiting for ARP when the next hop is unknown), routing through the
 * gateway, and a counter for every frame it refuses. */
#include <rte_arp.h>

#include "tcpstack/arp.h"
#include "tests/unit/ut.h"

#define SEC 1000000000ull

static struct rte_mempool *pool;
static struct tcpstack_mib_counters mib;
static const struct rte_ether_addr box = { { 2, 0xb0, 0, 0, 0, 1 } };
static const struct rte_ether_addr peer = { { 2, 0xee, 0, 0, 0, 2 } };
static const struct rte_ether_addr gwmac = { { 2, 0x99, 0, 0, 0, 3 } };
static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero = { { 0 } };
#define BOX_IP UT_IP(198, 18, 1, 2)
#define PEER_IP UT_IP(198, 18, 1, 7)
#define GW_IP UT_IP(198, 18, 1, 1)
#define FAR_IP UT_IP(198, 18, 2, 10)

static int setup(void **state)
{
	(void)state;
	pool = ut_eal_pool();
	return pool == NULL ? -1 : 0;
}

static struct tcpstack_iface *make(bool with_gateway)
{
	const struct tcpstack_addr a = {
		.ip = BOX_IP,
		.mask = UT_IP(255, 255, 255, 0),
		.gateway = with_gateway ? GW_IP : 0,
	};
	const struct tcpstack_arp_params p = {
		.entries = 64,
		.reachable_ns = 300 * SEC,
		.retrans_ns = SEC,
		.max_probes = 3,
	};
	memset(&mib, 0, sizeof(mib));
	struct tcpstack_iface *ifc = tcpstack_iface_create(&box, &a, 1, &p, pool, &mib);
	assert_non_null(ifc);
	return ifc;
}

static unsigned input(struct tcpstack_iface *ifc, const uint8_t *f, uint16_t len, uint64_t now,
		      struct rte_mbuf **out)
{
	return tcpstack_iface_input(ifc, ut_mbuf(pool, f, len), now, out, 8);
}

static const struct rte_arp_hdr *arp_of(struct rte_mbuf *m)
{
	assert_true(rte_pktmbuf_data_len(m) >= 42);
	return rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, 14);
}

static void free_all(struct rte_mbuf **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(v[i]);
}

static void test_arp_request_answered(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	uint8_t f[64];
	uint16_t len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &peer, PEER_IP, &zero, BOX_IP);

	(void)state;
	assert_int_equal(input(ifc, f, len, 0, out), 1);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(out[0], const struct rte_ether_hdr *);
	const struct rte_arp_hdr *r = arp_of(out[0]);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &peer));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &box));
	assert_int_equal(rte_be_to_cpu_16(r->arp_opcode), RTE_ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&r->arp_data.arp_sha, &box));
	assert_int_equal(r->arp_data.arp_sip, BOX_IP);
	assert_true(rte_is_same_ether_addr(&r->arp_data.arp_tha, &peer));
	assert_int_equal(r->arp_data.arp_tip, PEER_IP);
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_TX_REPLY], 1);
	/* We were the target: the asker is now known (RFC 826). */
	assert_non_null(arp_cache_find(ifc->arp, PEER_IP));
	free_all(out, 1);

	/* Requests for someone else: nothing sent, counted, not learnt. */
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &gwmac, GW_IP, &zero, PEER_IP);
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_NOT_FOR_US], 1);
	assert_null(arp_cache_find(ifc->arp, GW_IP));

	/* Malformed: wrong hardware length; and truncated. */
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &peer, PEER_IP, &zero, BOX_IP);
	f[14 + 4] = 8;
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(input(ifc, f, 30, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_BAD], 2);
	tcpstack_iface_destroy(ifc);
}

static void check_echo_reply(struct rte_mbuf *m, const struct rte_ether_addr *dst, uint32_t to)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct tcpstack_ipv4_view v;

	assert_true(rte_is_same_ether_addr(&eth->dst_addr, dst));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &box));
	assert_int_equal(tcpstack_ipv4_parse(rte_pktmbuf_mtod_offset(m, void *, 14),
					     rte_pktmbuf_data_len(m) - 14, &v),
			 0);
	assert_int_equal(v.hdr->src_addr, BOX_IP);
	assert_int_equal(v.hdr->dst_addr, to);
	assert_true(tcpstack_l4_cksum_ok(&v));
	const struct rte_icmp_hdr *icmp = v.l4;
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(rte_be_to_cpu_16(icmp->icmp_ident), 77);
	for (uint16_t i = 0; i < v.l4_len - 8; i++)
		assert_int_equal(((const uint8_t *)(icmp + 1))[i], (uint8_t)i);
}

static void test_echo_waits_for_arp(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	uint8_t f[1600];
	uint16_t len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 100);

	(void)state;
	/* Unknown on-link sender: the reply waits, an ARP request goes out. */
	assert_int_equal(input(ifc, f, len, 0, out), 1);
	const struct rte_arp_hdr *r = arp_of(out[0]);
	assert_int_equal(rte_be_to_cpu_16(r->arp_opcode), RTE_ARP_OP_REQUEST);
	assert_int_equal(r->arp_data.arp_tip, PEER_IP);
	assert_int_equal(r->arp_data.arp_sip, BOX_IP);
	assert_true(rte_is_broadcast_ether_addr(
		&rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *)->dst_addr));
	free_all(out, 1);
	/* The answer releases the reply to the learnt MAC. */
	len = ut_arp(f, RTE_ARP_OP_REPLY, &box, &peer, PEER_IP, &box, BOX_IP);
	assert_int_equal(input(ifc, f, len, 1000, out), 1);
	check_echo_reply(out[0], &peer, PEER_IP);
	free_all(out, 1);
	/* Now known: the next ping is answered at once, padding trimmed. */
	len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 10);
	memset(f + len, 0xab, 8); /* Ethernet padding after the IP packet */
	assert_int_equal(input(ifc, f, (uint16_t)(len + 8), 2000, out), 1);
	assert_int_equal(rte_pktmbuf_data_len(out[0]), len);
	check_echo_reply(out[0], &peer, PEER_IP);
	free_all(out, 1);
	assert_int_equal(mib.v[TCPSTACK_MIB_ICMP_ECHO_REPLY_SENT], 2);
	tcpstack_iface_destroy(ifc);
}

static void test_off_link_via_gateway(void **state)
{
	struct tcpstack_iface *ifc = make(true);
	struct rte_mbuf *out[8];
	uint8_t f[256];
	uint16_t len = ut_echo(f, &box, &gwmac, FAR_IP, BOX_IP, 20);

	(void)state;
	assert_int_equal(input(ifc, f, len, 0, out), 1);
	assert_int_equal(arp_of(out[0])->arp_data.arp_tip, GW_IP);
	free_all(out, 1);
	len = ut_arp(f, RTE_ARP_OP_REPLY, &box, &gwmac, GW_IP, &box, BOX_IP);
	assert_int_equal(input(ifc, f, len, 0, out), 1);
	check_echo_reply(out[0], &gwmac, FAR_IP);
	free_all(out, 1);
	tcpstack_iface_destroy(ifc);

	/* Without a gateway there is no route off-link. */
	ifc = make(false);
	len = ut_echo(f, &box, &gwmac, FAR_IP, BOX_IP, 20);
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_IPV4_NO_ROUTE], 1);
	tcpstack_iface_destroy(ifc);
}

static void test_unresolved_reply_dropped_and_counted(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	uint8_t f[256];
	uint16_t len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 20);
	unsigned sent = 0;

	(void)state;
	sent += input(ifc, f, len, 0, out);
	free_all(out, sent);
	for (uint64_t t = 1; t <= 4; t++) {
		unsigned n = tcpstack_iface_tick(ifc, t * SEC, out, 8);
		sent += n;
		free_all(out, n);
	}
	assert_int_equal(sent, 3); /* max_probes requests */
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_TX_REQUEST], 3);
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_UNRESOLVED], 1);
	tcpstack_iface_destroy(ifc);
}

static void test_refusals_counted(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	uint8_t f[256];
	uint16_t len;

	(void)state;
	len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 20);
	f[14 + 8]--; /* TTL: header checksum now wrong */
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_IPV4_BAD_CSUM], 1);

	len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 20);
	f[len - 1] ^= 1; /* ICMP payload */
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_ICMP_BAD_CSUM], 1);

	len = ut_echo(f, &box, &peer, PEER_IP, PEER_IP, 20); /* not our address */
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_IPV4_NOT_FOR_US], 1);

	len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 20);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	tcpstack_ipv4_set_cksum(ip);
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_IPV4_FRAGMENT], 1);

	len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 20);
	ip->next_proto_id = IPPROTO_UDP;
	tcpstack_ipv4_set_cksum(ip);
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_IPV4_UNKNOWN_PROTO], 1);

	len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 20);
	((struct rte_icmp_hdr *)(ip + 1))->icmp_type = 13; /* timestamp */
	struct tcpstack_ipv4_view v = { .hdr = ip, .l4 = ip + 1, .hdr_len = 20, .l4_len = 28 };
	tcpstack_l4_set_cksum(&v);
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_ICMP_NOT_ECHO], 1);

	len = ut_echo(f, &box, &peer, PEER_IP, BOX_IP, 20);
	f[12] = 0x86; /* IPv6 ethertype */
	f[13] = 0xdd;
	assert_int_equal(input(ifc, f, len, 0, out), 0);
	assert_int_equal(input(ifc, f, 10, 0, out), 0); /* runt */
	assert_int_equal(mib.v[TCPSTACK_MIB_ETH_NOT_HANDLED], 2);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	tcpstack_iface_destroy(ifc);
}

static struct {
	unsigned calls;
	uint32_t src, dst;
	uint16_t id, seq;
	uint64_t now;
} echo_seen;

static void on_echo_reply(void *ctx, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
			  uint64_t now)
{
	(void)ctx;
	echo_seen.calls++;
	echo_seen.src = src;
	echo_seen.dst = dst;
	echo_seen.id = id;
	echo_seen.seq = seq;
	echo_seen.now = now;
}

/* A path probe: the echo request leaves well formed towards the peer's
 * MAC; the peer's answer reaches the hook (and without one, is counted
 * as not a request). */
static void test_echo_probe(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];

	(void)state;
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &peer, 0, out, 8), 0);
	assert_int_equal(tcpstack_iface_send_echo(ifc, BOX_IP, PEER_IP, 0x4d01, 7, 16, 0, out, 8),
			 1);
	assert_int_equal(mib.v[TCPSTACK_MIB_ICMP_ECHO_REQUEST_SENT], 1);
	struct rte_mbuf *m = out[0];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &peer));
	struct tcpstack_ipv4_view v;
	assert_int_equal(rte_pktmbuf_data_len(m), 14 + 20 + 8 + 16);
	assert_int_equal(tcpstack_ipv4_parse(eth + 1, rte_pktmbuf_data_len(m) - 14, &v), 0);
	assert_true(tcpstack_l4_cksum_ok(&v));
	assert_int_equal(v.hdr->src_addr, BOX_IP);
	assert_int_equal(v.hdr->dst_addr, PEER_IP);
	struct rte_icmp_hdr *icmp = v.l4;
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REQUEST);

	/* the peer answers: same frame, turned round */
	eth->dst_addr = box;
	eth->src_addr = peer;
	v.hdr->src_addr = PEER_IP;
	v.hdr->dst_addr = BOX_IP;
	tcpstack_ipv4_set_cksum(v.hdr);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	tcpstack_l4_set_cksum(&v);
	struct rte_mbuf *again = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);
	assert_non_null(again);
	assert_int_equal(tcpstack_iface_input(ifc, m, 0, out, 8), 0); /* no hook */
	assert_int_equal(mib.v[TCPSTACK_MIB_ICMP_NOT_ECHO], 1);
	memset(&echo_seen, 0, sizeof(echo_seen));
	ifc->echo_reply = on_echo_reply;
	assert_int_equal(tcpstack_iface_input(ifc, again, 5 * SEC, out, 8), 0);
	assert_int_equal(echo_seen.calls, 1);
	assert_int_equal(echo_seen.src, PEER_IP);
	assert_int_equal(echo_seen.dst, BOX_IP);
	assert_int_equal(echo_seen.id, 0x4d01);
	assert_int_equal(echo_seen.seq, 7);
	assert_int_equal(echo_seen.now, 5 * SEC);
	assert_int_equal(mib.v[TCPSTACK_MIB_ICMP_ECHO_REPLY_RX], 1);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	tcpstack_iface_destroy(ifc);
}

static void test_snoop_refreshes_only(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	uint8_t f[64];
	bool full;
	uint16_t len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &gwmac, GW_IP, &zero, PEER_IP);
	struct rte_mbuf *m = ut_mbuf(pool, f, len);

	(void)state;
	/* Not known: a snoop creates nothing. */
	assert_int_equal(tcpstack_iface_snoop_arp(ifc, m, 0, out, 8), 0);
	assert_null(arp_cache_find(ifc->arp, GW_IP));
	/* Known: its MAC is refreshed. */
	const struct rte_ether_addr old = { { 2, 1, 1, 1, 1, 1 } };
	arp_learn(ifc->arp, GW_IP, &old, 0, true, &full);
	assert_int_equal(tcpstack_iface_snoop_arp(ifc, m, 0, out, 8), 0);
	assert_true(rte_is_same_ether_addr(&arp_cache_find(ifc->arp, GW_IP)->mac, &gwmac));
	rte_pktmbuf_free(m);
	tcpstack_iface_destroy(ifc);
}

/* An IPv4 frame from the box to @to (Ethernet addresses left for the stack). */
static struct rte_mbuf *frame_to(uint32_t to, uint16_t plen)
{
	uint8_t f[256];
	uint16_t len = ut_echo(f, &zero, &zero, BOX_IP, to, plen);

	return ut_mbuf(pool, f, len);
}

/* The released frame: to @mac from the box, IPv4 to @to, unchanged. */
static void check_sent_to(struct rte_mbuf *m, const struct rte_ether_addr *mac, uint32_t to,
			  uint16_t plen)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct tcpstack_ipv4_view v;

	assert_true(rte_is_same_ether_addr(&eth->dst_addr, mac));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &box));
	assert_int_equal(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(tcpstack_ipv4_parse(rte_pktmbuf_mtod_offset(m, void *, 14),
					     rte_pktmbuf_data_len(m) - 14, &v),
			 0);
	assert_int_equal(v.hdr->src_addr, BOX_IP);
	assert_int_equal(v.hdr->dst_addr, to);
	assert_int_equal(v.l4_len, 8 + plen);
	assert_true(tcpstack_l4_cksum_ok(&v));
}

/* tcpstack_iface_learn(): the frame held while an address resolves goes
 * out to the MAC learnt (no ARP reply needed), the entry is made and
 * used from then on; an entry is made for an address nobody asked for
 * too, and a known one's MAC is replaced. */
static void test_learn_releases_held_frame(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	const struct rte_ether_addr other = { { 2, 0x11, 0x22, 0x33, 0x44, 0x55 } };
	const uint32_t client = UT_IP(198, 18, 1, 50);

	(void)state;
	/* Held: an ARP request goes out instead. */
	assert_int_equal(tcpstack_iface_output(ifc, frame_to(PEER_IP, 30), 0, out, 8), 1);
	assert_int_equal(rte_be_to_cpu_16(arp_of(out[0])->arp_opcode), RTE_ARP_OP_REQUEST);
	free_all(out, 1);
	const struct arp_entry *e = arp_cache_find(ifc->arp, PEER_IP);
	assert_non_null(e);
	assert_int_equal(e->state, ARP_INCOMPLETE);

	/* Learnt: the held frame leaves, to that MAC. */
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &peer, 1000, out, 8), 1);
	check_sent_to(out[0], &peer, PEER_IP, 30);
	free_all(out, 1);
	e = arp_cache_find(ifc->arp, PEER_IP);
	assert_non_null(e);
	assert_int_equal(e->state, ARP_REACHABLE);
	assert_true(rte_is_same_ether_addr(&e->mac, &peer));
	assert_null(e->pending);
	/* Only once; and what is sent next goes at once, no request. */
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &peer, 2000, out, 8), 0);
	assert_int_equal(tcpstack_iface_output(ifc, frame_to(PEER_IP, 12), 3000, out, 8), 1);
	check_sent_to(out[0], &peer, PEER_IP, 12);
	free_all(out, 1);
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_TX_REQUEST], 1);

	/* An address nothing was sent to: the entry is made (unlike a
	 * snooped ARP), and used at once. */
	assert_null(arp_cache_find(ifc->arp, client));
	assert_int_equal(tcpstack_iface_learn(ifc, client, &other, 4000, out, 8), 0);
	e = arp_cache_find(ifc->arp, client);
	assert_non_null(e);
	assert_int_equal(e->state, ARP_REACHABLE);
	assert_true(rte_is_same_ether_addr(&e->mac, &other));
	assert_int_equal(tcpstack_iface_output(ifc, frame_to(client, 5), 5000, out, 8), 1);
	check_sent_to(out[0], &other, client, 5);
	free_all(out, 1);

	/* A known address moves to another MAC. */
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &other, 6000, out, 8), 0);
	assert_true(rte_is_same_ether_addr(&arp_cache_find(ifc->arp, PEER_IP)->mac, &other));
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_TX_REQUEST], 1);
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_RX_REPLY], 0);
	tcpstack_iface_destroy(ifc);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* Address 0, a multicast or a broadcast MAC: ignored, no entry made or
 * changed, a held frame stays held (and goes with the next good one). */
static void test_learn_ignores_bad(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	const struct rte_ether_addr mcast = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	const struct rte_ether_addr mcast2 = { { 0x03, 0x11, 0x22, 0x33, 0x44, 0x55 } };

	(void)state;
	assert_int_equal(tcpstack_iface_learn(ifc, 0, &peer, 0, out, 8), 0);
	assert_null(arp_cache_find(ifc->arp, 0));

	assert_int_equal(tcpstack_iface_output(ifc, frame_to(PEER_IP, 30), 0, out, 8), 1);
	free_all(out, 1);
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &mcast, 10, out, 8), 0);
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &mcast2, 10, out, 8), 0);
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &bcast, 10, out, 8), 0);
	const struct arp_entry *e = arp_cache_find(ifc->arp, PEER_IP);
	assert_non_null(e);
	assert_int_equal(e->state, ARP_INCOMPLETE);
	assert_non_null(e->pending);

	/* Unknown addresses with such MACs: no entry. */
	assert_int_equal(tcpstack_iface_learn(ifc, GW_IP, &mcast, 10, out, 8), 0);
	assert_int_equal(tcpstack_iface_learn(ifc, GW_IP, &bcast, 10, out, 8), 0);
	assert_null(arp_cache_find(ifc->arp, GW_IP));

	/* A known, resolved one keeps its MAC. */
	assert_int_equal(tcpstack_iface_learn(ifc, GW_IP, &gwmac, 20, out, 8), 0);
	assert_int_equal(tcpstack_iface_learn(ifc, GW_IP, &bcast, 30, out, 8), 0);
	assert_int_equal(tcpstack_iface_learn(ifc, GW_IP, &mcast, 30, out, 8), 0);
	assert_true(rte_is_same_ether_addr(&arp_cache_find(ifc->arp, GW_IP)->mac, &gwmac));

	/* The held frame is still there, for the right MAC. */
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &peer, 40, out, 8), 1);
	check_sent_to(out[0], &peer, PEER_IP, 30);
	free_all(out, 1);
	tcpstack_iface_destroy(ifc);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* No room in @out: the released frame is dropped and counted; a full
 * table is counted and makes no entry. Nothing leaks. */
static void test_learn_limits(void **state)
{
	struct tcpstack_iface *ifc = make(false);
	struct rte_mbuf *out[8];
	unsigned made = 0;

	(void)state;
	assert_int_equal(tcpstack_iface_output(ifc, frame_to(PEER_IP, 30), 0, out, 8), 1);
	free_all(out, 1);
	assert_int_equal(tcpstack_iface_learn(ifc, PEER_IP, &peer, 10, out, 0), 0);
	assert_int_equal(mib.v[TCPSTACK_MIB_OUT_OVERFLOW], 1);
	assert_null(arp_cache_find(ifc->arp, PEER_IP)->pending);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);

	/* 64 entries, three quarters usable: PEER_IP and 47 more. */
	for (uint32_t i = 1; i <= 64; i++) {
		const uint32_t ip = UT_IP(198, 18, 3, i);
		assert_int_equal(tcpstack_iface_learn(ifc, ip, &peer, 20, out, 8), 0);
		made += arp_cache_find(ifc->arp, ip) != NULL;
	}
	assert_int_equal(made, 47);
	assert_int_equal(mib.v[TCPSTACK_MIB_ARP_TABLE_FULL], 64 - 47);
	tcpstack_iface_destroy(ifc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request_answered),
		cmocka_unit_test(test_echo_waits_for_arp),
		cmocka_unit_test(test_off_link_via_gateway),
		cmocka_unit_test(test_unresolved_reply_dropped_and_counted),
		cmocka_unit_test(test_refusals_counted),
		cmocka_unit_test(test_snoop_refreshes_only),
		cmocka_unit_test(test_learn_releases_held_frame),
		cmocka_unit_test(test_learn_ignores_bad),
		cmocka_unit_test(test_learn_limits),
		cmocka_unit_test(test_echo_probe),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
