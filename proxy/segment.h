/* SPDX-License-Identifier: BSD-3-Clause */
/* What the relay reads of an inside TCP frame (internal to proxy): the
 * 4-tuple, the flags and, for a SYN, the options of note. A pure function
 * of (buffer, length), bounds-checked: frames come from the wire. */
#ifndef MPGW_PROXY_SEGMENT_H
#define MPGW_PROXY_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy/convert.h"

struct proxy_segment {
	uint32_t src, dst; /* network order */
	uint16_t sport, dport; /* host order */
	uint8_t flags; /* TCP flags byte */
	struct proxy_convert_tcpopts opts; /* MSS, window scale, SACK, TS */
};

/*
 * Read the Ethernet + IPv4 + TCP frame @frame of @len bytes. @return false
 * when it is not one the relay can act on: too short, not IPv4 or not TCP,
 * a fragment, header lengths that do not fit. Options are read only as far
 * as the TCP header goes and the frame holds; a malformed option ends the
 * walk (what was read before it stays).
 */
bool proxy_segment_parse(const void *frame, uint32_t len, struct proxy_segment *s);

#endif
