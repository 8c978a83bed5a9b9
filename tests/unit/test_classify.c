/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame classification on each kind of port: what is bridged unchanged,
 * what the box takes, what it drops, and why. */
#include <rte_arp.h>

#include "proxy/classify.h"
#include "tests/unit/ut.h"

static const struct rte_ether_addr box = { { 2, 0xb0, 0, 0, 0, 1 } };
static const struct rte_ether_addr host = { { 2, 0xee, 0, 0, 0, 2 } };
static const struct rte_ether_addr other = { { 2, 0x77, 0, 0, 0, 3 } };
static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct rte_ether_addr zero = { { 0 } };
#define BOX_IP UT_IP(198, 18, 1, 2)
#define HOST_IP UT_IP(198, 18, 1, 7)
#define OTHER_IP UT_IP(198, 18, 1, 9)

static struct tcpstack_mib_counters mib;
static struct tcpstack_iface *ifc;

static int setup(void **state)
{
	const struct tcpstack_addr a = { .ip = BOX_IP, .mask = UT_IP(255, 255, 255, 0) };
	const struct tcpstack_arp_params p = { .entries = 16, .max_probes = 1 };

	(void)state;
	ifc = tcpstack_iface_create(&box, &a, 1, &p, NULL, &mib);
	return ifc == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	tcpstack_iface_destroy(ifc);
	return 0;
}

static struct proxy_classify_port port(enum mgmt_port_role role, bool addrs)
{
	struct proxy_classify_port p = {
		.role = role,
		.has_peer = role != MGMT_PORT_WAN,
		.mac = box,
		.ifc = addrs ? ifc : NULL,
	};
	return p;
}

static enum proxy_verdict classify(const struct proxy_classify_port *p, const uint8_t *f,
				   uint16_t len, enum proxy_mib *why)
{
	*why = PROXY_MIB_MAX;
	return proxy_classify(p, f, len, why);
}

static void test_inside_bridges_everything(void **state)
{
	struct proxy_classify_port in = port(MGMT_PORT_INSIDE, false);
	enum proxy_mib why;
	uint8_t f[256];
	uint16_t len;

	(void)state;
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, BOX_IP);
	assert_int_equal(classify(&in, f, len, &why), PROXY_BRIDGE);
	len = ut_echo(f, &box, &host, HOST_IP, BOX_IP, 8);
	assert_int_equal(classify(&in, f, len, &why), PROXY_BRIDGE);
	assert_int_equal(classify(&in, f, 13, &why), PROXY_DROP);
	assert_int_equal(why, PROXY_MIB_DROP_RUNT);
	in.has_peer = false;
	assert_int_equal(classify(&in, f, len, &why), PROXY_DROP);
	assert_int_equal(why, PROXY_MIB_DROP_NO_PEER_PORT);
}

/* An inside port of a box that proxies hands IPv4 TCP and ARP to the
 * relay; the rest, and everything when the box does not proxy, is bridged. */
static void test_inside_proxy(void **state)
{
	struct proxy_classify_port in = port(MGMT_PORT_INSIDE, false);
	enum proxy_mib why;
	uint8_t f[256], arp[256];
	uint16_t len, arp_len;

	(void)state;
	in.proxy = true;
	arp_len = ut_arp(arp, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, BOX_IP);
	assert_int_equal(classify(&in, arp, arp_len, &why), PROXY_INSIDE_ARP);
	len = ut_echo(f, &other, &host, HOST_IP, BOX_IP, 8);
	assert_int_equal(classify(&in, f, len, &why), PROXY_BRIDGE); /* ICMP */
	f[14 + 9] = IPPROTO_TCP;
	assert_int_equal(classify(&in, f, len, &why), PROXY_INSIDE_TCP);
	f[14 + 9] = IPPROTO_UDP;
	assert_int_equal(classify(&in, f, len, &why), PROXY_BRIDGE);
	f[14 + 9] = IPPROTO_TCP;
	assert_int_equal(classify(&in, f, 14 + 19, &why), PROXY_BRIDGE); /* no whole IP header */
	f[12] = 0x86, f[13] = 0xdd; /* IPv6: not yet the relay's */
	assert_int_equal(classify(&in, f, len, &why), PROXY_BRIDGE);
	in.has_peer = false; /* the relay bridges what it does not take */
	assert_int_equal(classify(&in, arp, arp_len, &why), PROXY_DROP);
	in.has_peer = true;
	in.proxy = false;
	assert_int_equal(classify(&in, arp, arp_len, &why), PROXY_BRIDGE);
	f[12] = 0x08, f[13] = 0x00;
	assert_int_equal(classify(&in, f, len, &why), PROXY_BRIDGE);
}

static void test_outside(void **state)
{
	struct proxy_classify_port out = port(MGMT_PORT_OUTSIDE, true);
	enum proxy_mib why;
	uint8_t f[256];
	uint16_t len;

	(void)state;
	/* ARP for the box: its own, not bridged. */
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, BOX_IP);
	assert_int_equal(classify(&out, f, len, &why), PROXY_LOCAL);
	len = ut_arp(f, RTE_ARP_OP_REPLY, &box, &host, HOST_IP, &box, BOX_IP);
	assert_int_equal(classify(&out, f, len, &why), PROXY_LOCAL);
	/* ARP between others: learnt from, and bridged. */
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, OTHER_IP);
	assert_int_equal(classify(&out, f, len, &why), PROXY_SNOOP_BRIDGE);
	len = ut_arp(f, RTE_ARP_OP_REPLY, &other, &host, HOST_IP, &other, OTHER_IP);
	assert_int_equal(classify(&out, f, len, &why), PROXY_SNOOP_BRIDGE);
	/* IPv4 to the box's address and MAC (or broadcast MAC): local. */
	len = ut_echo(f, &box, &host, HOST_IP, BOX_IP, 8);
	assert_int_equal(classify(&out, f, len, &why), PROXY_LOCAL);
	len = ut_echo(f, &bcast, &host, HOST_IP, BOX_IP, 8);
	assert_int_equal(classify(&out, f, len, &why), PROXY_LOCAL);
	/* The box's address at another MAC is someone else's business. */
	len = ut_echo(f, &other, &host, HOST_IP, BOX_IP, 8);
	assert_int_equal(classify(&out, f, len, &why), PROXY_BRIDGE);
	/* To another address: bridged, unless sent to the box's MAC. */
	len = ut_echo(f, &other, &host, HOST_IP, OTHER_IP, 8);
	assert_int_equal(classify(&out, f, len, &why), PROXY_BRIDGE);
	len = ut_echo(f, &box, &host, HOST_IP, OTHER_IP, 8);
	assert_int_equal(classify(&out, f, len, &why), PROXY_DROP);
	assert_int_equal(why, PROXY_MIB_DROP_TO_BOX_NOT_LOCAL);
	/* IPv6 and VLAN-tagged frames pass. */
	len = ut_echo(f, &other, &host, HOST_IP, BOX_IP, 8);
	f[12] = 0x86, f[13] = 0xdd;
	assert_int_equal(classify(&out, f, len, &why), PROXY_BRIDGE);
	len = ut_echo(f, &box, &host, HOST_IP, BOX_IP, 8);
	f[12] = 0x81, f[13] = 0x00;
	assert_int_equal(classify(&out, f, len, &why), PROXY_DROP); /* our MAC, tagged */
	len = ut_echo(f, &bcast, &host, HOST_IP, BOX_IP, 8);
	f[12] = 0x81, f[13] = 0x00;
	assert_int_equal(classify(&out, f, len, &why), PROXY_BRIDGE);
	/* Truncated ARP/IPv4 headers are not read past the frame; to the box's
	 * MAC they go to its stack, which counts them as malformed. */
	ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, BOX_IP);
	assert_int_equal(classify(&out, f, 20, &why), PROXY_BRIDGE);
	ut_echo(f, &box, &host, HOST_IP, BOX_IP, 8);
	assert_int_equal(classify(&out, f, 20, &why), PROXY_LOCAL);
}

static void test_wan(void **state)
{
	struct proxy_classify_port wan = port(MGMT_PORT_WAN, true);
	enum proxy_mib why;
	uint8_t f[256];
	uint16_t len;

	(void)state;
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, BOX_IP);
	assert_int_equal(classify(&wan, f, len, &why), PROXY_LOCAL);
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, OTHER_IP);
	assert_int_equal(classify(&wan, f, len, &why), PROXY_SNOOP_DROP);
	len = ut_echo(f, &box, &host, HOST_IP, BOX_IP, 8);
	assert_int_equal(classify(&wan, f, len, &why), PROXY_LOCAL);
	len = ut_echo(f, &other, &host, HOST_IP, OTHER_IP, 8);
	assert_int_equal(classify(&wan, f, len, &why), PROXY_DROP);
	assert_int_equal(why, PROXY_MIB_DROP_WAN_NOT_FOR_US);
	/* A WAN port without addresses takes nothing. */
	struct proxy_classify_port bare = port(MGMT_PORT_WAN, false);
	len = ut_arp(f, RTE_ARP_OP_REQUEST, &bcast, &host, HOST_IP, &zero, BOX_IP);
	assert_int_equal(classify(&bare, f, len, &why), PROXY_DROP);
	assert_int_equal(why, PROXY_MIB_DROP_WAN_NOT_FOR_US);
}

static void test_mib_names(void **state)
{
	(void)state;
	for (unsigned i = 0; i < PROXY_MIB_MAX; i++)
		assert_non_null(proxy_mib_names[i]);
	for (unsigned i = 0; i < TCPSTACK_MIB_MAX; i++)
		assert_non_null(tcpstack_mib_names[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_bridges_everything),
		cmocka_unit_test(test_inside_proxy),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_wan),
		cmocka_unit_test(test_mib_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
