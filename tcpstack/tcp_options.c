/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP option codec. The parser reads one byte at a time and checks every
 * index against the length it was given before the read, so no option
 * area, however hostile, is read past its end. The writer reproduces the
 * layout Linux sends (tcp_options_write()), so that a peer, or a capture
 * compared against the kernel's, sees nothing unusual. */
#include <string.h>

#include "tcpstack/tcp_options.h"

#define TCPOLEN_MSS 4
#define TCPOLEN_WS 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TS 10
#define TCPOLEN_SACK_BASE 2
#define TCPOLEN_SACK_BLOCK 8

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Interprets one option whose @p olen bytes at @p p are known to lie inside
 * the area. Returns false when a known kind has the wrong length. */
static bool parse_one(const uint8_t *p, unsigned off, unsigned olen, bool syn, struct tcp_opts *o)
{
	switch (p[0]) {
	case TCP_OPT_MSS:
		/* Outside a SYN these mean nothing (RFC 9293 3.7.1, RFC 7323
		 * 2.2): skipped before their length is even judged. */
		if (!syn)
			return true;
		if (olen != TCPOLEN_MSS)
			return false;
		o->mss = get_be16(p + 2);
		o->present |= TCP_OPTF_MSS;
		return true;
	case TCP_OPT_WS:
		if (!syn)
			return true;
		if (olen != TCPOLEN_WS)
			return false;
		o->wscale = p[2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : p[2];
		o->present |= TCP_OPTF_WS;
		return true;
	case TCP_OPT_SACK_PERM:
		if (!syn)
			return true;
		if (olen != TCPOLEN_SACK_PERM)
			return false;
		o->present |= TCP_OPTF_SACK_PERM;
		return true;
	case TCP_OPT_TS:
		if (olen != TCPOLEN_TS)
			return false;
		o->ts_val = get_be32(p + 2);
		o->ts_ecr = get_be32(p + 6);
		o->present |= TCP_OPTF_TS;
		return true;
	case TCP_OPT_SACK: {
		unsigned n = (olen - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_BLOCK;

		if ((olen - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_BLOCK != 0 || n < 1 ||
		    n > TCP_OPTS_SACK_MAX)
			return false;
		/* A second SACK option replaces the first: last wins. */
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *b = p + TCPOLEN_SACK_BASE + i * TCPOLEN_SACK_BLOCK;

			o->sack[i].start = get_be32(b);
			o->sack[i].end = get_be32(b + 4);
		}
		o->n_sack = (uint8_t)n;
		o->present |= TCP_OPTF_SACK;
		return true;
	}
	default:
		/* Located for the option hooks (MPTCP, TFO, ...). An offset an
		 * uint8_t cannot hold only occurs past any real area (len > 255). */
		if (o->n_extra < TCP_OPTS_EXTRA_MAX && off <= UINT8_MAX) {
			o->extra[o->n_extra].kind = p[0];
			o->extra[o->n_extra].off = (uint8_t)off;
			o->extra[o->n_extra].len = (uint8_t)olen;
			o->n_extra++;
		}
		return true;
	}
}

enum tcp_opts_result tcp_opts_parse(const uint8_t *buf, unsigned len, bool syn, struct tcp_opts *o)
{
	enum tcp_opts_result res = TCP_OPTS_OK;
	unsigned i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = buf[i];

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return TCP_OPTS_MALFORMED; /* no length byte */
		unsigned olen = buf[i + 1];
		if (olen < 2 || olen > len - i)
			return TCP_OPTS_MALFORMED;
		if (!parse_one(buf + i, i, olen, syn, o))
			res = TCP_OPTS_BAD_LEN;
		i += olen;
	}
	return res;
}

/* Appends @p n bytes at *@p pos if they fit in @p room; the caller fills them. */
static uint8_t *reserve(uint8_t *buf, unsigned room, unsigned *pos, unsigned n)
{
	uint8_t *p;

	if (room - *pos < n)
		return NULL;
	p = buf + *pos;
	*pos += n;
	return p;
}

unsigned tcp_opts_write(uint8_t *buf, unsigned room, const struct tcp_opts *o)
{
	unsigned pos = 0;
	bool sack_perm = o->present & TCP_OPTF_SACK_PERM;
	uint8_t *p;

	if (room > TCP_OPTS_MAX_LEN)
		room = TCP_OPTS_MAX_LEN;

	if ((o->present & TCP_OPTF_MSS) && (p = reserve(buf, room, &pos, 4)) != NULL) {
		p[0] = TCP_OPT_MSS;
		p[1] = TCPOLEN_MSS;
		put_be16(p + 2, o->mss);
	}
	/* SACK-permitted takes the place of the two NOPs before the timestamps. */
	if ((o->present & TCP_OPTF_TS) && (p = reserve(buf, room, &pos, 12)) != NULL) {
		if (sack_perm) {
			p[0] = TCP_OPT_SACK_PERM;
			p[1] = TCPOLEN_SACK_PERM;
			sack_perm = false;
		} else {
			p[0] = TCP_OPT_NOP;
			p[1] = TCP_OPT_NOP;
		}
		p[2] = TCP_OPT_TS;
		p[3] = TCPOLEN_TS;
		put_be32(p + 4, o->ts_val);
		put_be32(p + 8, o->ts_ecr);
	}
	if (sack_perm && (p = reserve(buf, room, &pos, 4)) != NULL) {
		p[0] = TCP_OPT_NOP;
		p[1] = TCP_OPT_NOP;
		p[2] = TCP_OPT_SACK_PERM;
		p[3] = TCPOLEN_SACK_PERM;
	}
	if ((o->present & TCP_OPTF_WS) && (p = reserve(buf, room, &pos, 4)) != NULL) {
		p[0] = TCP_OPT_NOP;
		p[1] = TCP_OPT_WS;
		p[2] = TCPOLEN_WS;
		p[3] = o->wscale > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : o->wscale;
	}
	if ((o->present & TCP_OPTF_SACK) && room - pos >= 4 + TCPOLEN_SACK_BLOCK) {
		unsigned n = (room - pos - 4) / TCPOLEN_SACK_BLOCK;

		if (n > o->n_sack)
			n = o->n_sack;
		if (n > TCP_OPTS_SACK_MAX)
			n = TCP_OPTS_SACK_MAX;
		if (n > 0 && (p = reserve(buf, room, &pos, 4 + n * TCPOLEN_SACK_BLOCK)) != NULL) {
			p[0] = TCP_OPT_NOP;
			p[1] = TCP_OPT_NOP;
			p[2] = TCP_OPT_SACK;
			p[3] = (uint8_t)(TCPOLEN_SACK_BASE + n * TCPOLEN_SACK_BLOCK);
			for (unsigned i = 0; i < n; i++) {
				put_be32(p + 4 + i * TCPOLEN_SACK_BLOCK, o->sack[i].start);
				put_be32(p + 8 + i * TCPOLEN_SACK_BLOCK, o->sack[i].end);
			}
		}
	}
	return pos;
}
