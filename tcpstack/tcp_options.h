/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP option codec (internal to tcpstack): MSS, window scale (RFC 7323),
 * SACK-permitted and SACK blocks (RFC 2018), timestamps (RFC 7323); other
 * kinds (MPTCP's 30 among them) are located, not interpreted, so that the
 * adaptation layer's option hooks can read them without walking again.
 * Bounds-checked on every byte: the parser takes a buffer and a length. */
#ifndef MPGW_TCPSTACK_TCP_OPTIONS_H
#define MPGW_TCPSTACK_TCP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum {
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,
	TCP_OPT_WS = 3,
	TCP_OPT_SACK_PERM = 4,
	TCP_OPT_SACK = 5,
	TCP_OPT_TS = 8,
	TCP_OPT_MPTCP = 30,
};

#define TCP_OPTS_MAX_LEN 40 /* (15 - 5) * 4 bytes */
#define TCP_OPTS_SACK_MAX 4 /* blocks in one option (3 with timestamps) */
#define TCP_OPTS_EXTRA_MAX 4 /* uninterpreted options located per segment */
#define TCP_WSCALE_MAX 14 /* RFC 7323: larger shifts are taken as 14 */

/* Bits of tcp_opts.present. */
#define TCP_OPTF_MSS (1u << 0)
#define TCP_OPTF_WS (1u << 1)
#define TCP_OPTF_SACK_PERM (1u << 2)
#define TCP_OPTF_SACK (1u << 3)
#define TCP_OPTF_TS (1u << 4)

struct tcp_sack_block {
	uint32_t start; /* first byte */
	uint32_t end; /* one past the last byte */
};

struct tcp_opts {
	uint32_t present; /* TCP_OPTF_* */
	uint16_t mss;
	uint8_t wscale; /* as received; clamped to TCP_WSCALE_MAX */
	uint8_t n_sack;
	uint32_t ts_val, ts_ecr;
	struct tcp_sack_block sack[TCP_OPTS_SACK_MAX];
	uint8_t n_extra;
	struct {
		uint8_t kind;
		uint8_t off; /* offset of the kind byte in the options area */
		uint8_t len; /* whole option, kind and length bytes included */
	} extra[TCP_OPTS_EXTRA_MAX];
};

/* Results of tcp_opts_parse(). */
enum tcp_opts_result {
	TCP_OPTS_OK = 0,
	TCP_OPTS_MALFORMED, /* a length byte runs past the area or is < 2: the
			     * rest of the area is ignored, what came before kept */
	TCP_OPTS_BAD_LEN, /* a known kind with the wrong length: that option
			     * is ignored, parsing goes on */
};

/**
 * Parse the options area of a segment (@p len bytes after the 20-byte fixed
 * header). MSS and window scale are only taken when @p syn is set (RFC 9293,
 * RFC 7323); SACK-permitted likewise. Fills @p o (zeroed first).
 */
enum tcp_opts_result tcp_opts_parse(const uint8_t *buf, unsigned len, bool syn, struct tcp_opts *o);

/**
 * Write the options in @p o (MSS, WS, SACK_PERM, TS, SACK blocks, as
 * o->present says) into @p buf in the layout Linux uses, padded with NOPs to
 * a multiple of 4. SACK blocks that do not fit in @p room are left out.
 * @return bytes written (a multiple of 4, at most @p room and 40).
 */
unsigned tcp_opts_write(uint8_t *buf, unsigned room, const struct tcp_opts *o);

#endif
