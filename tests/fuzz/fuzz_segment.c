/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for proxy_segment_parse() (proxy/segment.c): the input is an
 * inside frame. Checks: nothing is read outside it (the input is copied
 * into an exactly sized heap buffer, for ASan); a frame accepted has its
 * IPv4 and TCP headers inside it, names TCP, is no fragment; the options
 * reported are consistent (a window scale of at most 14, nothing for a
 * segment without SYN); and the answer is the same on a second call.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "proxy/segment.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(size ? size : 1);
	struct proxy_segment s, again;

	FUZZ_CHECK(f != NULL, "out of memory");
	memcpy(f, data, size);
	bool ok = proxy_segment_parse(f, (uint32_t)size, &s);
	FUZZ_CHECK(ok == proxy_segment_parse(f, (uint32_t)size, &again), "not repeatable");
	if (ok) {
		FUZZ_CHECK(memcmp(&s, &again, sizeof(s)) == 0, "different answers");
		const struct rte_ipv4_hdr *ip = (const void *)(f + sizeof(struct rte_ether_hdr));
		uint32_t ihl = (ip->version_ihl & 0x0f) * 4u;
		FUZZ_CHECK(size >= sizeof(struct rte_ether_hdr) + ihl + sizeof(struct rte_tcp_hdr),
			   "accepted a frame without a whole TCP header (%zu bytes)", size);
		FUZZ_CHECK(ip->next_proto_id == IPPROTO_TCP, "not TCP");
		FUZZ_CHECK((rte_be_to_cpu_16(ip->fragment_offset) & 0x3fff) == 0, "a fragment");
		FUZZ_CHECK(s.opts.wscale <= 14, "window scale %u", s.opts.wscale);
		FUZZ_CHECK((s.flags & RTE_TCP_SYN_FLAG) || s.opts.flags == 0,
			   "options without SYN");
		FUZZ_CHECK((s.opts.flags & ~PROXY_CONVERT_OPT_ALL) == 0, "unknown option flag");
	}
	free(f);
	return 0;
}
