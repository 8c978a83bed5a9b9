/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: an IPv4 packet (no Ethernet header) through
 * tcpstack_ipv4_parse(), tcpstack_l4_cksum_ok() and tcpstack_l4_set_cksum().
 *
 * Each input is tried as given and, so that mutations reach past the header
 * checksum, again with its header repaired (version 4, total length at most
 * what arrived, header checksum recomputed). Checks, against a plain
 * reference written here from RFC 791/1071:
 *  - parse accepts exactly the packets the reference accepts, with the
 *    right reason when it does not, and a view inside the buffer;
 *  - cksum_ok agrees with the reference sum (UDP 0 = none);
 *  - set_cksum writes the checksum field and nothing else; afterwards
 *    cksum_ok holds for every TCP, UDP and ICMP packet long enough to have
 *    that header, and a UDP checksum is never 0 (RFC 768);
 *  - nothing is read or written outside the packet (ASan: exact-size copy).
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpstack/tcpstack.h"
#include "tests/fuzz/fuzz.h"

/* RFC 1071 sum of n bytes (odd: padded with a zero byte), not folded. */
static uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

enum ref_verdict { REF_OK, REF_BAD_HDR, REF_BAD_CSUM };

static enum ref_verdict ref_parse(const uint8_t *p, size_t len)
{
	size_t hlen, tlen;

	if (len < 20 || p[0] >> 4 != 4)
		return REF_BAD_HDR;
	hlen = (size_t)(p[0] & 15) * 4;
	tlen = (size_t)(p[2] << 8 | p[3]);
	if (hlen < 20 || tlen < hlen || tlen > len)
		return REF_BAD_HDR;
	return ref_fold(ref_sum(p, hlen, 0)) == 0xffff ? REF_OK : REF_BAD_CSUM;
}

/* Offset of the checksum in the L4 header, and its minimum size. */
static bool ref_l4(uint8_t proto, size_t *off, size_t *min)
{
	switch (proto) {
	case IPPROTO_TCP:
		*off = 16, *min = 20;
		return true;
	case IPPROTO_UDP:
		*off = 6, *min = 8;
		return true;
	case IPPROTO_ICMP:
		*off = 2, *min = 8;
		return true;
	}
	return false;
}

static bool ref_l4_ok(const uint8_t *ip, size_t hlen, size_t l4_len)
{
	const uint8_t *l4 = ip + hlen;
	size_t off, min;
	uint32_t sum = 0;

	if (!ref_l4(ip[9], &off, &min) || l4_len < min)
		return false;
	if (ip[9] == IPPROTO_UDP && l4[6] == 0 && l4[7] == 0)
		return true;
	if (ip[9] != IPPROTO_ICMP) {
		sum = ref_sum(ip + 12, 8, 0); /* pseudo-header: addresses, */
		sum += ip[9]; /* protocol, */
		sum += (uint32_t)l4_len; /* L4 length */
	}
	return ref_fold(ref_sum(l4, l4_len, sum)) == 0xffff;
}

static void check(uint8_t *pkt, size_t len)
{
	struct tcpstack_ipv4_view v;
	enum ref_verdict want = ref_parse(pkt, len);
	int rc = tcpstack_ipv4_parse(pkt, (uint32_t)len, &v);
	size_t off = 0, min = 0;

	if (want != REF_OK) {
		FUZZ_CHECK(rc == (want == REF_BAD_HDR ? TCPSTACK_MIB_IPV4_BAD_HDR
						      : TCPSTACK_MIB_IPV4_BAD_CSUM),
			   "parse returned %d, the reference says %d", rc, (int)want);
		return;
	}
	FUZZ_CHECK(rc == 0, "parse refused a good header (%d)", rc);
	FUZZ_CHECK((uint8_t *)v.hdr == pkt, "view not at the packet");
	FUZZ_CHECK(v.hdr_len == (pkt[0] & 15) * 4, "hdr_len %u", v.hdr_len);
	FUZZ_CHECK((uint8_t *)v.l4 == pkt + v.hdr_len, "l4 not after the header");
	FUZZ_CHECK((size_t)v.hdr_len + v.l4_len == (size_t)(pkt[2] << 8 | pkt[3]),
		   "lengths %u + %u", v.hdr_len, v.l4_len);

	bool ok = tcpstack_l4_cksum_ok(&v);
	bool ref_ok = ref_l4_ok(pkt, v.hdr_len, v.l4_len);
	FUZZ_CHECK(ok == ref_ok, "cksum_ok %d, the reference says %d (proto %u, l4_len %u)", ok,
		   ref_ok, pkt[9], v.l4_len);

	/* set_cksum: only the checksum field changes, and then it is right. */
	uint8_t *before = malloc(len ? len : 1);
	FUZZ_CHECK(before != NULL, "out of memory");
	memcpy(before, pkt, len);
	tcpstack_l4_set_cksum(&v);
	bool settable = ref_l4(pkt[9], &off, &min) && v.l4_len >= min;
	for (size_t i = 0; i < len; i++) {
		bool field = settable && i >= v.hdr_len + off && i < v.hdr_len + off + 2;
		FUZZ_CHECK(field || pkt[i] == before[i], "set_cksum changed byte %zu", i);
	}
	free(before);
	if (settable) {
		FUZZ_CHECK(tcpstack_l4_cksum_ok(&v), "wrong after set_cksum (proto %u, l4_len %u)",
			   pkt[9], v.l4_len);
		FUZZ_CHECK(ref_l4_ok(pkt, v.hdr_len, v.l4_len),
			   "the reference disagrees after set_cksum (proto %u, l4_len %u)", pkt[9],
			   v.l4_len);
		if (pkt[9] == IPPROTO_UDP)
			FUZZ_CHECK(pkt[v.hdr_len + 6] || pkt[v.hdr_len + 7],
				   "UDP checksum computed as 0 (must be sent as 0xffff)");
	} else {
		FUZZ_CHECK(!tcpstack_l4_cksum_ok(&v), "cksum_ok on proto %u, l4_len %u", pkt[9],
			   v.l4_len);
	}

	/* The header checksum recomputed: still a good header. */
	tcpstack_ipv4_set_cksum(v.hdr);
	FUZZ_CHECK(ref_parse(pkt, len) == REF_OK, "set_cksum broke the header checksum");
	FUZZ_CHECK(tcpstack_ipv4_parse(pkt, (uint32_t)len, &v) == 0, "parse after set_cksum");
}

/* Make the header pass: version 4, total length within what arrived, the
 * header checksum right. False if the header length cannot fit. */
static bool repair(uint8_t *p, size_t len)
{
	size_t hlen, tlen;
	uint16_t c;

	if (len < 20)
		return false;
	p[0] = (uint8_t)(0x40 | (p[0] & 15));
	hlen = (size_t)(p[0] & 15) * 4;
	if (hlen < 20 || hlen > len)
		return false;
	tlen = (size_t)(p[2] << 8 | p[3]);
	if (tlen < hlen || tlen > len) {
		tlen = len > 0xffff ? 0xffff : len;
		p[2] = (uint8_t)(tlen >> 8);
		p[3] = (uint8_t)tlen;
	}
	p[10] = p[11] = 0;
	c = (uint16_t)~ref_fold(ref_sum(p, hlen, 0));
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *pkt;

	if (size > UINT16_MAX + 64)
		return 0; /* more than any IPv4 packet plus padding */
	pkt = malloc(size ? size : 1); /* exactly sized: ASan sees overreads */
	FUZZ_CHECK(pkt != NULL, "out of memory");
	memcpy(pkt, data, size);
	check(pkt, size);
	memcpy(pkt, data, size);
	if (repair(pkt, size)) {
		FUZZ_CHECK(ref_parse(pkt, size) == REF_OK, "repair failed");
		check(pkt, size);
	}
	free(pkt);
	return 0;
}
