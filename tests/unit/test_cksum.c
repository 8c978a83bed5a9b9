/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 validation and checksums against packets the Linux kernel sent
 * (captured on a veth with offloads off; tshark called each checksum
 * correct) and against a plain RFC 1071 sum on random packets. */
#include <stdlib.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include "tests/unit/ut.h"

/* UDP 198.18.250.1:4242 -> .2:9999, "mpgw checksum vector"; UDP csum 0x5ced. */
static const uint8_t udp_pkt[] = {
	0x45, 0x00, 0x00, 0x30, 0xa1, 0x19, 0x40, 0x00, 0x40, 0x11, 0x19, 0x7a,
	0xc6, 0x12, 0xfa, 0x01, 0xc6, 0x12, 0xfa, 0x02, 0x10, 0x92, 0x27, 0x0f,
	0x00, 0x1c, 0x5c, 0xed, 0x6d, 0x70, 0x67, 0x77, 0x20, 0x63, 0x68, 0x65,
	0x63, 0x6b, 0x73, 0x75, 0x6d, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72,
};
/* TCP SYN 198.18.250.1:4343 -> .2:8080 with MSS, SACK-perm, TS, WS; 0x1730. */
static const uint8_t syn_pkt[] = {
	0x45, 0x00, 0x00, 0x3c, 0xda, 0x56, 0x40, 0x00, 0x40, 0x06, 0xe0, 0x3b, 0xc6, 0x12, 0xfa,
	0x01, 0xc6, 0x12, 0xfa, 0x02, 0x10, 0xf7, 0x1f, 0x90, 0xb6, 0xaf, 0x99, 0x37, 0x00, 0x00,
	0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x17, 0x30, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
	0x02, 0x08, 0x0a, 0x15, 0xd8, 0x1f, 0x6c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};
/* The RST+ACK the kernel answered with; TCP csum 0xaf37. */
static const uint8_t rst_pkt[] = {
	0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0xba, 0xa6, 0xc6, 0x12,
	0xfa, 0x02, 0xc6, 0x12, 0xfa, 0x01, 0x1f, 0x90, 0x10, 0xf7, 0x00, 0x00, 0x00, 0x00,
	0xb6, 0xaf, 0x99, 0x38, 0x50, 0x14, 0x00, 0x00, 0xaf, 0x37, 0x00, 0x00,
};
/* The classic textbook header (checksum 0xb861) of a 115-byte packet. */
static const uint8_t hdr_example[] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void check_vector(const uint8_t *pkt, size_t len, size_t l4_cksum_off, uint16_t ip_csum,
			 uint16_t l4_csum)
{
	uint8_t buf[128];
	struct tcpstack_ipv4_view v;

	memcpy(buf, pkt, len);
	assert_int_equal(tcpstack_ipv4_parse(buf, (uint32_t)len, &v), 0);
	assert_true(tcpstack_l4_cksum_ok(&v));
	/* Recompute both from zero: the kernel's values come back. */
	buf[10] = buf[11] = 0;
	buf[l4_cksum_off] = buf[l4_cksum_off + 1] = 0;
	tcpstack_ipv4_set_cksum(v.hdr);
	tcpstack_l4_set_cksum(&v);
	assert_int_equal(rte_be_to_cpu_16(v.hdr->hdr_checksum), ip_csum);
	assert_int_equal((buf[l4_cksum_off] << 8) | buf[l4_cksum_off + 1], l4_csum);
	/* Any flipped payload bit is caught. */
	buf[len - 1] ^= 0x10;
	assert_false(tcpstack_l4_cksum_ok(&v));
}

static void test_kernel_vectors(void **state)
{
	(void)state;
	check_vector(udp_pkt, sizeof(udp_pkt), 26, 0x197a, 0x5ced);
	check_vector(syn_pkt, sizeof(syn_pkt), 36, 0xe03b, 0x1730);
	check_vector(rst_pkt, sizeof(rst_pkt), 36, 0xbaa6, 0xaf37);
}

static void test_header_example(void **state)
{
	uint8_t buf[0x73] = { 0 };
	struct tcpstack_ipv4_view v;

	(void)state;
	memcpy(buf, hdr_example, sizeof(hdr_example));
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf), &v), 0);
	assert_int_equal(v.l4_len, 0x73 - 20);
	buf[10] = buf[11] = 0;
	tcpstack_ipv4_set_cksum(v.hdr);
	assert_int_equal(rte_be_to_cpu_16(v.hdr->hdr_checksum), 0xb861);
}

static void test_parse_rejects(void **state)
{
	uint8_t buf[sizeof(syn_pkt)];
	struct tcpstack_ipv4_view v;

	(void)state;
	memcpy(buf, syn_pkt, sizeof(buf));
	for (uint32_t len = 0; len < 20; len++)
		assert_int_equal(tcpstack_ipv4_parse(buf, len, &v), TCPSTACK_MIB_IPV4_BAD_HDR);
	/* total_length beyond what arrived */
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf) - 1, &v), TCPSTACK_MIB_IPV4_BAD_HDR);
	buf[0] = 0x65; /* version 6 */
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf), &v), TCPSTACK_MIB_IPV4_BAD_HDR);
	buf[0] = 0x44; /* ihl 4 */
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf), &v), TCPSTACK_MIB_IPV4_BAD_HDR);
	buf[0] = 0x4f; /* ihl 15 = 60 bytes > total_length 60? equal: header only */
	buf[2] = 0x00;
	buf[3] = 0x10; /* total_length 16 < ihl */
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf), &v), TCPSTACK_MIB_IPV4_BAD_HDR);
	memcpy(buf, syn_pkt, sizeof(buf));
	buf[8] = 63; /* TTL changed, checksum not */
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf), &v), TCPSTACK_MIB_IPV4_BAD_CSUM);
}

static void test_l4_too_short(void **state)
{
	uint8_t buf[28];
	struct tcpstack_ipv4_view v;

	(void)state;
	memcpy(buf, syn_pkt, 20);
	buf[2] = 0;
	buf[3] = 28; /* 8 bytes of "TCP": shorter than a TCP header */
	buf[10] = buf[11] = 0;
	tcpstack_ipv4_set_cksum((struct rte_ipv4_hdr *)buf);
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf), &v), 0);
	assert_false(tcpstack_l4_cksum_ok(&v));
}

static void test_udp_zero_means_none(void **state)
{
	uint8_t buf[sizeof(udp_pkt)];
	struct tcpstack_ipv4_view v;

	(void)state;
	memcpy(buf, udp_pkt, sizeof(buf));
	buf[26] = buf[27] = 0;
	assert_int_equal(tcpstack_ipv4_parse(buf, sizeof(buf), &v), 0);
	assert_true(tcpstack_l4_cksum_ok(&v));
}

/* RFC 1071, written the slow obvious way. */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_random_against_reference(void **state)
{
	uint8_t buf[1600];

	(void)state;
	srand(12345);
	for (int iter = 0; iter < 2000; iter++) {
		const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
		uint8_t proto = protos[iter % 3];
		uint16_t l4len = (uint16_t)(20 + rand() % 1400);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
		struct tcpstack_ipv4_view v;

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rand();
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + l4len));
		ip->next_proto_id = proto;
		tcpstack_ipv4_set_cksum(ip);
		assert_int_equal(ref_sum(buf, 20, 0), 0xffff);
		assert_int_equal(tcpstack_ipv4_parse(buf, 20u + l4len, &v), 0);
		tcpstack_l4_set_cksum(&v);
		uint8_t *l4 = buf + 20;
		if (proto == IPPROTO_ICMP) {
			assert_int_equal(ref_sum(l4, l4len, 0), 0xffff);
		} else {
			uint32_t ph = (uint32_t)(buf[12] << 8 | buf[13]) +
				      (uint32_t)(buf[14] << 8 | buf[15]) +
				      (uint32_t)(buf[16] << 8 | buf[17]) +
				      (uint32_t)(buf[18] << 8 | buf[19]) + proto + l4len;
			assert_int_equal(ref_sum(l4, l4len, ph), 0xffff);
		}
		assert_true(tcpstack_l4_cksum_ok(&v));
	}
}

/* The fast sum against the RFC 1071 reference, every length and alignment. */
static void test_raw_sum_every_length_and_alignment(void **state)
{
	uint8_t buf[600];

	(void)state;
	srand(99);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t align = 0; align < 8; align++)
		for (size_t len = 0; len <= 520; len++) {
			/* ref_sum reads big-endian words: compare in that order */
			uint16_t want = ref_sum(buf + align, len, 0);
			uint16_t got = rte_be_to_cpu_16(tcpstack_cksum_raw(buf + align, len));
			if (want == 0xffff && got == 0)
				got = 0xffff; /* +0 and -0 are the same sum */
			if (want == 0 && got == 0xffff)
				got = 0;
			assert_int_equal(got, want);
		}
}

/* Chains with odd segment lengths: bytes shift within 16-bit words. */
static void test_mbuf_sum_odd_segments(void **state)
{
	struct rte_mempool *pool = ut_eal_pool();
	uint8_t flat[3000];

	(void)state;
	assert_non_null(pool);
	srand(7);
	for (int iter = 0; iter < 200; iter++) {
		unsigned nseg = 1 + (unsigned)rand() % 5, total = 0;
		struct rte_mbuf *head = NULL;
		for (unsigned k = 0; k < nseg; k++) {
			unsigned n = 1 + (unsigned)rand() % 500;
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			assert_non_null(m);
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
			for (unsigned i = 0; i < n; i++)
				flat[total + i] = p[i] = (uint8_t)rand();
			total += n;
			if (head == NULL)
				head = m;
			else
				assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		}
		unsigned off = (unsigned)rand() % total;
		unsigned len = (unsigned)rand() % (total - off + 1);
		uint16_t want = tcpstack_cksum_raw(flat + off, len);
		uint16_t got = tcpstack_cksum_mbuf(head, off, len);
		assert_int_equal(got == 0 ? 0xffff : got, want == 0 ? 0xffff : want);
		if (getenv("CKSUM_COMPARE_DPDK") != NULL) {
			uint16_t dpdk = 0;
			rte_raw_cksum_mbuf(head, off, len, &dpdk);
			printf("segs %u off %u len %u: ours %04x dpdk %04x%s\n", nseg, off, len,
			       got, dpdk, got == dpdk ? "" : "  DIFFERENT");
		}
		rte_pktmbuf_free(head);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_vectors),
		cmocka_unit_test(test_header_example),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_l4_too_short),
		cmocka_unit_test(test_udp_zero_means_none),
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_raw_sum_every_length_and_alignment),
		cmocka_unit_test(test_mbuf_sum_odd_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
