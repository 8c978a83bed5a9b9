/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP option codec: byte images in the layout the Linux kernel sends, every
 * malformed shape the parser must refuse, the writer's room limits, the
 * round trip over every combination, and random areas. Under ASan each
 * truncated or random area sits in a heap buffer of exactly its length, so
 * a read one byte too far is reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpstack/tcp_options.h"

#define ALL_OPTF (TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACK_PERM | TCP_OPTF_SACK | TCP_OPTF_TS)
#define SYN_ONLY_OPTF (TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACK_PERM)

/* Linux SYN: MSS 1460, SACK-permitted + TS, NOP + WS 7. */
static const uint8_t linux_syn[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x15, 0xd8,
	0x1f, 0x6c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};
/* Linux SYN with net.ipv4.tcp_timestamps=0. */
static const uint8_t linux_syn_nots[] = {
	0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03, 0x07,
};
/* Linux MPTCP SYN/ACK: as the SYN, then MP_CAPABLE v1 (flags A, H) with the
 * sender's key. */
static const uint8_t linux_synack_mpc[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x9a, 0x31, 0x4c,
	0x02, 0x15, 0xd8, 0x1f, 0x6c, 0x01, 0x03, 0x03, 0x07, 0x1e, 0x0c,
	0x01, 0x81, 0x3b, 0x5e, 0x11, 0xc2, 0x08, 0x77, 0xa4, 0x90,
};
/* Linux data ACK: NOP, NOP, TS. */
static const uint8_t linux_ack_ts[] = {
	0x01, 0x01, 0x08, 0x0a, 0x15, 0xd8, 0x20, 0x01, 0x9a, 0x31, 0x4c, 0x90,
};
/* Linux dup ACK: NOP, NOP, TS, NOP, NOP, SACK with one block. */
static const uint8_t linux_ack_ts_sack1[] = {
	0x01, 0x01, 0x08, 0x0a, 0x15, 0xd8, 0x20, 0x01, 0x9a, 0x31, 0x4c, 0x90,
	0x01, 0x01, 0x05, 0x0a, 0xb6, 0xaf, 0xa5, 0x3f, 0xb6, 0xaf, 0xaa, 0xdb,
};
/* Three blocks: the most that fit beside timestamps (40 bytes). The most
 * recent block comes first (RFC 2018), so they are not in ascending order. */
static const uint8_t linux_ack_ts_sack3[] = {
	0x01, 0x01, 0x08, 0x0a, 0x15, 0xd8, 0x20, 0x01, 0x9a, 0x31, 0x4c, 0x90, 0x01, 0x01,
	0x05, 0x1a, 0xb6, 0xaf, 0xc0, 0x1f, 0xb6, 0xaf, 0xc5, 0xbb, 0xb6, 0xaf, 0xa5, 0x3f,
	0xb6, 0xaf, 0xaa, 0xdb, 0xb6, 0xaf, 0xb0, 0x77, 0xb6, 0xaf, 0xb6, 0x13,
};
/* Without timestamps: NOP, NOP, SACK with one block, then with four. */
static const uint8_t linux_ack_sack1[] = {
	0x01, 0x01, 0x05, 0x0a, 0xff, 0xff, 0xfa, 0x00, 0x00, 0x00, 0x02, 0x00,
};
static const uint8_t linux_ack_sack4[] = {
	0x01, 0x01, 0x05, 0x22, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
	0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x50, 0x00,
	0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x70, 0x00, 0x00, 0x00, 0x80, 0x00,
};

struct image {
	const uint8_t *p;
	unsigned len;
	bool syn;
};

#define IMAGE(a, s)                       \
	{                                 \
		a, (unsigned)sizeof(a), s \
	}

static const struct image valid_images[] = {
	IMAGE(linux_syn, true),		  IMAGE(linux_syn_nots, true),
	IMAGE(linux_synack_mpc, true),	  IMAGE(linux_ack_ts, false),
	IMAGE(linux_ack_ts_sack1, false), IMAGE(linux_ack_ts_sack3, false),
	IMAGE(linux_ack_sack1, false),	  IMAGE(linux_ack_sack4, false),
};

/* The area copied into a heap buffer of exactly @p len bytes, so that ASan
 * reports any read past it (malloc(0) included). */
static enum tcp_opts_result parse_exact(const uint8_t *area, unsigned len, bool syn,
					struct tcp_opts *o)
{
	uint8_t *copy = malloc(len);
	enum tcp_opts_result res;

	assert_true(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, area, len);
	res = tcp_opts_parse(copy, len, syn, o);
	free(copy);
	return res;
}

/* The interpreted fields, which are only meaningful when present. */
static void assert_same_opts(const struct tcp_opts *a, const struct tcp_opts *b)
{
	assert_int_equal(a->present, b->present);
	if (a->present & TCP_OPTF_MSS)
		assert_int_equal(a->mss, b->mss);
	if (a->present & TCP_OPTF_WS)
		assert_int_equal(a->wscale, b->wscale);
	if (a->present & TCP_OPTF_TS) {
		assert_int_equal(a->ts_val, b->ts_val);
		assert_int_equal(a->ts_ecr, b->ts_ecr);
	}
	if (a->present & TCP_OPTF_SACK) {
		assert_int_equal(a->n_sack, b->n_sack);
		for (unsigned i = 0; i < a->n_sack; i++) {
			assert_int_equal(a->sack[i].start, b->sack[i].start);
			assert_int_equal(a->sack[i].end, b->sack[i].end);
		}
	}
}

/* What parse(write(o)) gives, worked out from the layout rather than from
 * the writer: the fixed options take 4 (MSS) + 12 (TS, SACK_PERM in its NOPs)
 * or 4 (SACK_PERM alone) + 4 (WS); SACK gets what is left of 40, 4 + 8n. */
static struct tcp_opts expected_round_trip(const struct tcp_opts *o)
{
	struct tcp_opts e;
	unsigned used = 0, fit = 0, n;

	memset(&e, 0, sizeof(e));
	e.present = o->present & ALL_OPTF;
	e.mss = o->mss;
	e.wscale = o->wscale > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : o->wscale;
	e.ts_val = o->ts_val;
	e.ts_ecr = o->ts_ecr;
	if (e.present & TCP_OPTF_MSS)
		used += 4;
	if (e.present & TCP_OPTF_TS)
		used += 12;
	else if (e.present & TCP_OPTF_SACK_PERM)
		used += 4;
	if (e.present & TCP_OPTF_WS)
		used += 4;
	if (TCP_OPTS_MAX_LEN - used >= 12)
		fit = (TCP_OPTS_MAX_LEN - used - 4) / 8;
	n = o->n_sack < TCP_OPTS_SACK_MAX ? o->n_sack : TCP_OPTS_SACK_MAX;
	n = n < fit ? n : fit;
	if (!(e.present & TCP_OPTF_SACK) || n == 0) {
		e.present &= ~TCP_OPTF_SACK;
		n = 0;
	}
	e.n_sack = (uint8_t)n;
	memcpy(e.sack, o->sack, n * sizeof(e.sack[0]));
	return e;
}

static void check_write_image(const struct tcp_opts *o, const uint8_t *img, unsigned len)
{
	uint8_t buf[64];

	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(tcp_opts_write(buf, sizeof(buf), o), len);
	assert_memory_equal(buf, img, len);
	assert_int_equal(buf[len], 0xa5);
}

static void test_linux_syn(void **state)
{
	struct tcp_opts o;

	(void)state;
	assert_int_equal(tcp_opts_parse(linux_syn, sizeof(linux_syn), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_MSS | TCP_OPTF_SACK_PERM | TCP_OPTF_TS | TCP_OPTF_WS);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.ts_val, 0x15d81f6c);
	assert_int_equal(o.ts_ecr, 0);
	assert_int_equal(o.n_sack, 0);
	assert_int_equal(o.n_extra, 0);
	check_write_image(&o, linux_syn, sizeof(linux_syn));

	/* The same area on a segment without SYN: only the timestamps count. */
	assert_int_equal(tcp_opts_parse(linux_syn, sizeof(linux_syn), false, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_TS);
	assert_int_equal(o.mss, 0);
	assert_int_equal(o.wscale, 0);

	assert_int_equal(tcp_opts_parse(linux_syn_nots, sizeof(linux_syn_nots), true, &o),
			 TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_MSS | TCP_OPTF_SACK_PERM | TCP_OPTF_WS);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	check_write_image(&o, linux_syn_nots, sizeof(linux_syn_nots));
}

static void test_linux_ack_ts(void **state)
{
	struct tcp_opts o;

	(void)state;
	assert_int_equal(tcp_opts_parse(linux_ack_ts, sizeof(linux_ack_ts), false, &o),
			 TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_TS);
	assert_int_equal(o.ts_val, 0x15d82001);
	assert_int_equal(o.ts_ecr, 0x9a314c90);
	check_write_image(&o, linux_ack_ts, sizeof(linux_ack_ts));
}

static void test_linux_ack_sack(void **state)
{
	struct tcp_opts o;

	(void)state;
	assert_int_equal(tcp_opts_parse(linux_ack_ts_sack1, sizeof(linux_ack_ts_sack1), false, &o),
			 TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_TS | TCP_OPTF_SACK);
	assert_int_equal(o.n_sack, 1);
	assert_int_equal(o.sack[0].start, 0xb6afa53f);
	assert_int_equal(o.sack[0].end, 0xb6afaadb);
	check_write_image(&o, linux_ack_ts_sack1, sizeof(linux_ack_ts_sack1));

	/* Blocks kept in the order they appear, not sorted. */
	assert_int_equal(tcp_opts_parse(linux_ack_ts_sack3, sizeof(linux_ack_ts_sack3), false, &o),
			 TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_TS | TCP_OPTF_SACK);
	assert_int_equal(o.n_sack, 3);
	assert_int_equal(o.sack[0].start, 0xb6afc01f);
	assert_int_equal(o.sack[0].end, 0xb6afc5bb);
	assert_int_equal(o.sack[1].start, 0xb6afa53f);
	assert_int_equal(o.sack[1].end, 0xb6afaadb);
	assert_int_equal(o.sack[2].start, 0xb6afb077);
	assert_int_equal(o.sack[2].end, 0xb6afb613);
	check_write_image(&o, linux_ack_ts_sack3, sizeof(linux_ack_ts_sack3));

	/* A block across the wrap of the sequence space. */
	assert_int_equal(tcp_opts_parse(linux_ack_sack1, sizeof(linux_ack_sack1), false, &o),
			 TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_SACK);
	assert_int_equal(o.n_sack, 1);
	assert_int_equal(o.sack[0].start, 0xfffffa00);
	assert_int_equal(o.sack[0].end, 0x00000200);
	check_write_image(&o, linux_ack_sack1, sizeof(linux_ack_sack1));

	assert_int_equal(tcp_opts_parse(linux_ack_sack4, sizeof(linux_ack_sack4), false, &o),
			 TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_SACK);
	assert_int_equal(o.n_sack, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(o.sack[i].start, 0x1000 + 0x2000 * i);
		assert_int_equal(o.sack[i].end, 0x2000 + 0x2000 * i);
	}
	check_write_image(&o, linux_ack_sack4, sizeof(linux_ack_sack4));
}

static void test_mptcp_located(void **state)
{
	struct tcp_opts o;
	uint8_t area[40];
	unsigned n;

	(void)state;
	assert_int_equal(tcp_opts_parse(linux_synack_mpc, sizeof(linux_synack_mpc), true, &o),
			 TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_MSS | TCP_OPTF_SACK_PERM | TCP_OPTF_TS | TCP_OPTF_WS);
	assert_int_equal(o.ts_val, 0x9a314c02);
	assert_int_equal(o.ts_ecr, 0x15d81f6c);
	assert_int_equal(o.n_extra, 1);
	assert_int_equal(o.extra[0].kind, TCP_OPT_MPTCP);
	assert_int_equal(o.extra[0].off, 20);
	assert_int_equal(o.extra[0].len, 12);
	/* The hook reads the option in place: subtype/version, flags, key. */
	assert_int_equal(linux_synack_mpc[o.extra[0].off + 2], 0x01);
	assert_int_equal(linux_synack_mpc[o.extra[0].off + 3], 0x81);
	/* The writer leaves room for the hooks: the known part is what Linux
	 * wrote before MP_CAPABLE. */
	check_write_image(&o, linux_synack_mpc, 20);

	/* MPTCP on a data segment (DSS, 1e 08 20 01 + 4-byte data ACK) after
	 * the timestamps, and an odd-length option before it. */
	static const uint8_t dss[] = {
		0x01, 0x01, 0x08, 0x0a, 0,    0,    0,	  1,	0,    0,    0,	  2,
		0xfd, 0x03, 0x7e, 0x1e, 0x08, 0x20, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x00,
	};
	assert_int_equal(tcp_opts_parse(dss, sizeof(dss), false, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_TS);
	assert_int_equal(o.n_extra, 2);
	assert_int_equal(o.extra[0].kind, 253);
	assert_int_equal(o.extra[0].off, 12);
	assert_int_equal(o.extra[0].len, 3);
	assert_int_equal(o.extra[1].kind, TCP_OPT_MPTCP);
	assert_int_equal(o.extra[1].off, 15);
	assert_int_equal(o.extra[1].len, 8);

	/* Room after the written options, as a caller adding MPTCP sees it. */
	n = tcp_opts_write(area, sizeof(area), &o);
	assert_int_equal(n, 12);
}

static void test_extra_limit(void **state)
{
	/* TFO cookie (34), experimental TFO (254, magic f989), 253, MPTCP
	 * twice: five unknown options, only the first four located. */
	static const uint8_t area[] = {
		0x22, 0x06, 0xa1, 0xa2, 0xa3, 0xa4, 0xfe, 0x04, 0xf9, 0x89, 0xfd,
		0x02, 0x1e, 0x04, 0x00, 0x81, 0x1e, 0x04, 0x01, 0x81, 0x08, 0x0a,
		0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09, 0x01, 0x01,
	};
	static const uint8_t kinds[] = { 34, 254, 253, 30 };
	static const uint8_t offs[] = { 0, 6, 10, 12 };
	static const uint8_t lens[] = { 6, 4, 2, 4 };
	struct tcp_opts o;

	(void)state;
	assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.n_extra, TCP_OPTS_EXTRA_MAX);
	for (unsigned i = 0; i < TCP_OPTS_EXTRA_MAX; i++) {
		assert_int_equal(o.extra[i].kind, kinds[i]);
		assert_int_equal(o.extra[i].off, offs[i]);
		assert_int_equal(o.extra[i].len, lens[i]);
	}
	/* Parsing went on past the ignored fifth. */
	assert_int_equal(o.present, TCP_OPTF_TS);
	assert_int_equal(o.ts_val, 7);
	assert_int_equal(o.ts_ecr, 9);
}

struct bad_case {
	const char *what;
	uint8_t area[48];
	unsigned len;
	bool syn;
	enum tcp_opts_result res;
	uint32_t present; /* what was kept */
};

/* Each area ends in NOP, NOP, TS(7, 9) where parsing is meant to go on. */
#define TS_TAIL 0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 7, 0, 0, 0, 9

static const struct bad_case bad_cases[] = {
	{ "kind without length byte", { 0x08 }, 1, true, TCP_OPTS_MALFORMED, 0 },
	{ "unknown kind without length byte", { 0x01, 0x1e }, 2, true, TCP_OPTS_MALFORMED, 0 },
	{ "MSS then kind without length byte",
	  { 0x02, 0x04, 0x05, 0xb4, 0x03 },
	  5,
	  true,
	  TCP_OPTS_MALFORMED,
	  TCP_OPTF_MSS },
	{ "length 0", { 0x08, 0x00, TS_TAIL }, 14, false, TCP_OPTS_MALFORMED, 0 },
	{ "length 1", { 0x08, 0x01, TS_TAIL }, 14, false, TCP_OPTS_MALFORMED, 0 },
	{ "unknown kind, length 0", { 0x1e, 0x00, TS_TAIL }, 14, false, TCP_OPTS_MALFORMED, 0 },
	{ "unknown kind, length 1", { 0xfe, 0x01, TS_TAIL }, 14, false, TCP_OPTS_MALFORMED, 0 },
	{ "TS runs past the end",
	  { 0x01, 0x01, 0x08, 0x0a, 1, 2, 3, 4, 5, 6, 7 },
	  11,
	  false,
	  TCP_OPTS_MALFORMED,
	  0 },
	{ "MP_CAPABLE runs past the end",
	  { TS_TAIL, 0x1e, 0x0c, 0x01, 0x81, 1, 2, 3, 4 },
	  20,
	  false,
	  TCP_OPTS_MALFORMED,
	  TCP_OPTF_TS },
	{ "SACK runs past the end",
	  { TS_TAIL, 0x05, 0x0a, 0, 0 },
	  16,
	  false,
	  TCP_OPTS_MALFORMED,
	  TCP_OPTF_TS },
	{ "TS then length 1",
	  { TS_TAIL, 0x03, 0x01, 0x01, 0x01 },
	  16,
	  true,
	  TCP_OPTS_MALFORMED,
	  TCP_OPTF_TS },
	{ "bad length, then malformed: malformed wins",
	  { 0x02, 0x03, 0x05, 0x08, 0x01 },
	  5,
	  true,
	  TCP_OPTS_MALFORMED,
	  0 },
	{ "MSS length 2", { 0x02, 0x02, TS_TAIL }, 14, true, TCP_OPTS_BAD_LEN, TCP_OPTF_TS },
	{ "MSS length 3", { 0x02, 0x03, 0x05, TS_TAIL }, 15, true, TCP_OPTS_BAD_LEN, TCP_OPTF_TS },
	{ "MSS length 5",
	  { 0x02, 0x05, 0x05, 0xb4, 0x00, TS_TAIL },
	  17,
	  true,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "WS length 2", { 0x03, 0x02, TS_TAIL }, 14, true, TCP_OPTS_BAD_LEN, TCP_OPTF_TS },
	{ "WS length 4",
	  { 0x03, 0x04, 0x07, 0x00, TS_TAIL },
	  16,
	  true,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "SACK_PERM length 3",
	  { 0x04, 0x03, 0x00, TS_TAIL },
	  15,
	  true,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "SACK_PERM length 4",
	  { 0x04, 0x04, 0x00, 0x00, TS_TAIL },
	  16,
	  true,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "TS length 2, then MSS",
	  { 0x08, 0x02, 0x02, 0x04, 0x05, 0xb4 },
	  6,
	  true,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_MSS },
	{ "TS length 8",
	  { 0x08, 0x08, 0, 0, 0, 1, 0, 0, TS_TAIL },
	  20,
	  false,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "TS length 12",
	  { 0x08, 0x0c, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, TS_TAIL },
	  24,
	  false,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "SACK length 2", { 0x05, 0x02, TS_TAIL }, 14, false, TCP_OPTS_BAD_LEN, TCP_OPTF_TS },
	{ "SACK length 6",
	  { 0x05, 0x06, 0, 0, 0, 1, TS_TAIL },
	  18,
	  false,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "SACK length 9",
	  { 0x05, 0x09, 0, 0, 0, 1, 0, 0, 0, TS_TAIL },
	  21,
	  false,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "SACK length 11",
	  { 0x05, 0x0b, 0, 0, 0, 1, 0, 0, 0, 2, 0, TS_TAIL },
	  23,
	  false,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	{ "SACK with 5 blocks (length 42)", { 0x05, 0x2a }, 42, false, TCP_OPTS_BAD_LEN, 0 },
	{ "bad TS length keeps the earlier TS",
	  { TS_TAIL, 0x08, 0x03, 0x00 },
	  15,
	  false,
	  TCP_OPTS_BAD_LEN,
	  TCP_OPTF_TS },
	/* Not a SYN: MSS, WS and SACK_PERM are skipped unexamined, so a bad
	 * length there is no error. */
	{ "MSS length 3 on a non-SYN",
	  { 0x02, 0x03, 0x05, TS_TAIL },
	  15,
	  false,
	  TCP_OPTS_OK,
	  TCP_OPTF_TS },
	{ "WS length 4 on a non-SYN",
	  { 0x03, 0x04, 0x07, 0x00, TS_TAIL },
	  16,
	  false,
	  TCP_OPTS_OK,
	  TCP_OPTF_TS },
};

static void test_malformed(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct tcp_opts o;
		enum tcp_opts_result res = parse_exact(c->area, c->len, c->syn, &o);

		if (res != c->res || o.present != c->present)
			fail_msg("%s: result %d present %#x, expected %d %#x", c->what, res,
				 o.present, c->res, c->present);
		if (o.present & TCP_OPTF_MSS)
			assert_int_equal(o.mss, 1460);
		/* TS(1, 2) of a bad option never leaks into the fields. */
		if (o.present & TCP_OPTF_TS) {
			assert_int_equal(o.ts_val, 7);
			assert_int_equal(o.ts_ecr, 9);
		}
		assert_int_equal(o.n_sack, 0);
		assert_int_equal(o.n_extra, 0);
	}
}

static void test_syn_only_options(void **state)
{
	/* MSS, WS, SACK_PERM, TS on a non-SYN: silently ignored but TS. */
	static const uint8_t area[] = {
		0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07, 0x04, 0x02,
		0x08, 0x0a, 0,	  0,	0,    5,    0,	  0,	0,    6,
	};
	struct tcp_opts o;

	(void)state;
	assert_int_equal(parse_exact(area, sizeof(area), false, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_TS);
	assert_int_equal(o.mss, 0);
	assert_int_equal(o.wscale, 0);
	assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACK_PERM | TCP_OPTF_TS);
}

static void test_wscale_clamped(void **state)
{
	static const uint8_t shifts[] = { 0, 1, 13, 14, 15, 16, 100, 255 };
	uint8_t area[] = { 0x01, 0x03, 0x03, 0x00 };
	struct tcp_opts o;

	(void)state;
	for (unsigned i = 0; i < sizeof(shifts); i++) {
		area[3] = shifts[i];
		assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_OK);
		assert_int_equal(o.present, TCP_OPTF_WS);
		assert_int_equal(o.wscale, shifts[i] > 14 ? 14 : shifts[i]);
	}
}

static void test_eol_and_padding(void **state)
{
	/* EOL ends the area: what follows, even garbage, is not looked at. */
	static const uint8_t area[] = {
		0x02, 0x04, 0x05, 0xb4, 0x00, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2, 0x08, 0x01,
	};
	static const uint8_t nops[] = { 0x01, 0x01, 0x01, 0x01 };
	static const uint8_t eols[] = { 0x00, 0x00, 0x00, 0x00 };
	struct tcp_opts o;

	(void)state;
	assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_MSS);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(parse_exact(nops, sizeof(nops), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, 0);
	assert_int_equal(parse_exact(eols, sizeof(eols), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, 0);
	assert_int_equal(parse_exact(NULL, 0, true, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, 0);
}

static void test_duplicates_last_wins(void **state)
{
	static const uint8_t area[] = {
		0x02, 0x04, 0x03, 0xe8, 0x02, 0x04, 0x05, 0xb4, 0x03, 0x03, 0x02, 0x03,
		0x03, 0x09, 0x08, 0x0a, 0,    0,    0,	  1,	0,    0,    0,	  2,
		0x08, 0x0a, 0,	  0,	0,    3,    0,	  0,	0,    4,
	};
	static const uint8_t sacks[] = {
		0x05, 0x12, 0, 0,    0,	   1, 0, 0, 0, 2, 0, 0, 0, 3,	 0,
		0,    0,    4, 0x05, 0x0a, 0, 0, 0, 5, 0, 0, 0, 6, 0x01, 0x01,
	};
	struct tcp_opts o;

	(void)state;
	assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 9);
	assert_int_equal(o.ts_val, 3);
	assert_int_equal(o.ts_ecr, 4);
	assert_int_equal(parse_exact(sacks, sizeof(sacks), false, &o), TCP_OPTS_OK);
	assert_int_equal(o.n_sack, 1);
	assert_int_equal(o.sack[0].start, 5);
	assert_int_equal(o.sack[0].end, 6);
}

static void test_long_area(void **state)
{
	/* Longer than any header allows, up to what a length byte can say:
	 * still walked with the same checks, offsets still right. */
	uint8_t area[255];
	struct tcp_opts o;

	(void)state;
	memset(area, TCP_OPT_NOP, sizeof(area));
	area[200] = 0x1e;
	area[201] = 0x05;
	area[250] = 0x02;
	area[251] = 0x04;
	area[252] = 0x05;
	area[253] = 0xb4;
	assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.present, TCP_OPTF_MSS);
	assert_int_equal(o.n_extra, 1);
	assert_int_equal(o.extra[0].off, 200);
	assert_int_equal(o.extra[0].len, 5);
	/* A 255-byte option filling the whole area. */
	area[0] = 0xfd;
	area[1] = 0xff;
	assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_OK);
	assert_int_equal(o.n_extra, 1);
	assert_int_equal(o.extra[0].len, 255);
	/* The last byte a kind with no room left for its length. */
	area[1] = 0xfe;
	area[254] = TCP_OPT_TS;
	assert_int_equal(parse_exact(area, sizeof(area), true, &o), TCP_OPTS_MALFORMED);
	assert_int_equal(o.n_extra, 1);
}

/* Option boundaries of a well-formed image: cutting there loses whole
 * options only; cutting anywhere else leaves a broken one. */
static bool at_boundary(const struct image *img, unsigned cut)
{
	unsigned i = 0;

	while (i < cut)
		i += img->p[i] == TCP_OPT_NOP ? 1 : img->p[i + 1];
	return i == cut;
}

static void test_truncations(void **state)
{
	(void)state;
	for (unsigned k = 0; k < sizeof(valid_images) / sizeof(valid_images[0]); k++) {
		const struct image *img = &valid_images[k];
		struct tcp_opts full, o;

		assert_int_equal(tcp_opts_parse(img->p, img->len, img->syn, &full), TCP_OPTS_OK);
		for (unsigned cut = 0; cut <= img->len; cut++) {
			enum tcp_opts_result res = parse_exact(img->p, cut, img->syn, &o);

			assert_int_equal(res,
					 at_boundary(img, cut) ? TCP_OPTS_OK : TCP_OPTS_MALFORMED);
			assert_int_equal(o.present & ~full.present, 0);
			assert_true(o.n_sack <= full.n_sack);
			assert_true(o.n_extra <= full.n_extra);
			if (o.present & TCP_OPTF_MSS)
				assert_int_equal(o.mss, full.mss);
			if (o.present & TCP_OPTF_TS)
				assert_int_equal(o.ts_val, full.ts_val);
		}
		/* And the same area cut with the other SYN flag. */
		for (unsigned cut = 0; cut <= img->len; cut++)
			(void)parse_exact(img->p, cut, !img->syn, &o);
	}
}

static void fill_opts(struct tcp_opts *o, uint32_t present, unsigned n_sack, uint32_t salt)
{
	memset(o, 0, sizeof(*o));
	o->present = present;
	o->mss = (uint16_t)(536 + salt * 7);
	o->wscale = (uint8_t)(salt % (TCP_WSCALE_MAX + 1));
	o->ts_val = 0x80000000u ^ (salt * 0x9e3779b9u);
	o->ts_ecr = 0xfffffff0u + salt;
	o->n_sack = (uint8_t)n_sack;
	for (unsigned i = 0; i < TCP_OPTS_SACK_MAX; i++) {
		o->sack[i].start = 0xfffff000u + salt * 0x10000u + i * 0x3000u;
		o->sack[i].end = o->sack[i].start + 0x1000u + i;
	}
}

static void test_round_trip_all(void **state)
{
	(void)state;
	for (uint32_t present = 0; present <= ALL_OPTF; present++) {
		for (unsigned n = 0; n <= TCP_OPTS_SACK_MAX; n++) {
			struct tcp_opts o, back, want;
			uint8_t buf[TCP_OPTS_MAX_LEN + 8];
			unsigned len;

			fill_opts(&o, present, n, present * 5 + n);
			want = expected_round_trip(&o);
			memset(buf, 0xa5, sizeof(buf));
			len = tcp_opts_write(buf, TCP_OPTS_MAX_LEN, &o);
			assert_true(len <= TCP_OPTS_MAX_LEN);
			assert_int_equal(len % 4, 0);
			assert_int_equal(buf[TCP_OPTS_MAX_LEN], 0xa5);
			assert_int_equal(parse_exact(buf, len, true, &back), TCP_OPTS_OK);
			assert_same_opts(&back, &want);
			assert_int_equal(back.n_extra, 0);
			/* Nothing is lost to the writer but SACK blocks. */
			assert_int_equal(back.present | TCP_OPTF_SACK, present | TCP_OPTF_SACK);
			if (present & TCP_OPTF_SACK)
				assert_int_equal(back.n_sack, want.n_sack);
			/* Everything fits when there are few enough blocks. */
			if (n <= 2 && (present & TCP_OPTF_SACK) && n > 0)
				assert_int_equal(back.n_sack, n);
			/* More room than 40 changes nothing. */
			uint8_t big[64];
			assert_int_equal(tcp_opts_write(big, sizeof(big), &o), len);
			assert_memory_equal(big, buf, len);
			/* On a non-SYN segment only TS and SACK come back. */
			assert_int_equal(parse_exact(buf, len, false, &back), TCP_OPTS_OK);
			assert_int_equal(back.present, want.present & ~SYN_ONLY_OPTF);
		}
	}
}

static void test_write_layout(void **state)
{
	static const uint8_t all[] = {
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0,    0,    0, 1, 0, 0,
		0,    2,    0x01, 0x03, 0x03, 0x0e, 0x01, 0x01, 0x05, 0x12, 0, 0, 0, 3,
		0,    0,    0,	  4,	0,    0,    0,	  5,	0,    0,    0, 6,
	};
	static const uint8_t sp_ws[] = { 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03, 0x00 };
	struct tcp_opts o;

	(void)state;
	/* All five, four blocks and a shift of 200: two blocks fit, shift 14. */
	memset(&o, 0, sizeof(o));
	o.present = ALL_OPTF;
	o.mss = 1460;
	o.wscale = 200;
	o.ts_val = 1;
	o.ts_ecr = 2;
	o.n_sack = 4;
	for (unsigned i = 0; i < 4; i++) {
		o.sack[i].start = 3 + 2 * i;
		o.sack[i].end = 4 + 2 * i;
	}
	check_write_image(&o, all, sizeof(all));
	/* An n_sack out of range is read as the most there can be. */
	o.n_sack = 200;
	check_write_image(&o, all, sizeof(all));

	memset(&o, 0, sizeof(o));
	o.present = TCP_OPTF_SACK_PERM | TCP_OPTF_WS;
	check_write_image(&o, sp_ws, sizeof(sp_ws));
	/* SACK present with no block: nothing to write. */
	o.present = TCP_OPTF_SACK;
	check_write_image(&o, sp_ws, 0);
	o.present = 0;
	check_write_image(&o, sp_ws, 0);
}

static void test_write_room(void **state)
{
	struct tcp_opts o;
	uint8_t buf[64];

	(void)state;
	/* Each option written only if it fits, in the layout's order. */
	memset(&o, 0, sizeof(o));
	o.present = ALL_OPTF;
	o.mss = 1460;
	o.n_sack = 4;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(tcp_opts_write(buf, 0, &o), 0);
	assert_int_equal(buf[0], 0xa5);
	assert_int_equal(tcp_opts_write(buf, 3, &o), 0);
	assert_int_equal(buf[0], 0xa5);
	assert_int_equal(tcp_opts_write(buf, 4, &o), 4);
	assert_int_equal(buf[0], TCP_OPT_MSS);
	assert_int_equal(buf[4], 0xa5);
	/* 8: MSS and, TS (12) not fitting, SACK_PERM on its own. */
	assert_int_equal(tcp_opts_write(buf, 8, &o), 8);
	assert_int_equal(buf[4], TCP_OPT_NOP);
	assert_int_equal(buf[6], TCP_OPT_SACK_PERM);
	assert_int_equal(buf[8], 0xa5);
	/* 12: MSS, then SACK_PERM alone, then WS. */
	assert_int_equal(tcp_opts_write(buf, 12, &o), 12);
	assert_int_equal(buf[6], TCP_OPT_SACK_PERM);
	assert_int_equal(buf[9], TCP_OPT_WS);
	/* 16: MSS, SACK_PERM + TS; no room for WS. */
	assert_int_equal(tcp_opts_write(buf, 19, &o), 16);
	assert_int_equal(buf[4], TCP_OPT_SACK_PERM);
	assert_int_equal(buf[6], TCP_OPT_TS);
	/* 31: MSS, SACK_PERM + TS, WS, one block (20 + 12). */
	assert_int_equal(tcp_opts_write(buf, 31, &o), 20);
	assert_int_equal(tcp_opts_write(buf, 32, &o), 32);
	assert_int_equal(buf[22], TCP_OPT_SACK);
	assert_int_equal(buf[23], 10);

	/* Every combination at every room: whole options only, multiple of
	 * 4, never past room or 40, and what is read back was asked for. */
	for (uint32_t present = 0; present <= ALL_OPTF; present++) {
		for (unsigned room = 0; room <= 48; room++) {
			struct tcp_opts back;
			unsigned len;

			fill_opts(&o, present, 4, room);
			memset(buf, 0xa5, sizeof(buf));
			len = tcp_opts_write(buf, room, &o);
			assert_true(len <= room && len <= TCP_OPTS_MAX_LEN);
			assert_int_equal(len % 4, 0);
			for (unsigned i = len; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 0xa5);
			assert_int_equal(parse_exact(buf, len, true, &back), TCP_OPTS_OK);
			assert_int_equal(back.present & ~present, 0);
			if (room >= TCP_OPTS_MAX_LEN) {
				struct tcp_opts want = expected_round_trip(&o);

				assert_same_opts(&back, &want);
			}
		}
	}
}

/* xorshift64*: the same areas on every run and every machine. */
static uint64_t rng_state = 0x6d7067772d6f7074ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Mostly option-shaped bytes: known and unknown kinds with right, nearly
 * right and wrong lengths, NOPs and EOLs; sometimes plain noise. */
static void random_area(uint8_t *a, unsigned len)
{
	static const uint8_t kinds[] = { 0, 1, 1, 2, 3, 4, 5, 8, 30, 34, 253, 254, 77 };
	static const uint8_t right[] = { 1, 1, 1, 4, 3, 2, 10, 10, 12, 10, 4, 4, 6 };
	unsigned i = 0;

	if (rnd() % 8 == 0) {
		for (i = 0; i < len; i++)
			a[i] = (uint8_t)rnd();
		return;
	}
	while (i < len) {
		unsigned k = rnd() % sizeof(kinds);
		unsigned olen = right[k];

		if (kinds[k] == TCP_OPT_SACK)
			olen = 2 + 8 * (1 + rnd() % 4);
		switch (rnd() % 16) {
		case 0:
			olen = rnd() % 256;
			break;
		case 1:
		case 2:
		case 3:
			olen += rnd() % 3 - 1;
			break;
		default:
			break;
		}
		/* Usually padded out as a sender would, sometimes cut short. */
		if (kinds[k] > TCP_OPT_NOP && olen > len - i && rnd() % 4 != 0) {
			memset(a + i, rnd() % 2 ? TCP_OPT_NOP : TCP_OPT_EOL, len - i);
			return;
		}
		a[i++] = kinds[k];
		if (kinds[k] <= TCP_OPT_NOP)
			continue;
		if (i < len)
			a[i++] = (uint8_t)olen;
		for (unsigned j = 2; j < olen && i < len; j++)
			a[i++] = (uint8_t)rnd();
	}
}

static void check_invariants(const struct tcp_opts *o, enum tcp_opts_result res, unsigned len,
			     bool syn)
{
	assert_true(res == TCP_OPTS_OK || res == TCP_OPTS_MALFORMED || res == TCP_OPTS_BAD_LEN);
	assert_int_equal(o->present & ~ALL_OPTF, 0);
	if (!syn)
		assert_int_equal(o->present & SYN_ONLY_OPTF, 0);
	assert_true(o->n_sack <= TCP_OPTS_SACK_MAX);
	assert_int_equal(o->n_sack > 0, !!(o->present & TCP_OPTF_SACK));
	assert_true(o->wscale <= TCP_WSCALE_MAX);
	assert_true(o->n_extra <= TCP_OPTS_EXTRA_MAX);
	for (unsigned i = 0; i < o->n_extra; i++) {
		assert_true(o->extra[i].len >= 2);
		assert_true((unsigned)o->extra[i].off + o->extra[i].len <= len);
		assert_true(o->extra[i].kind > TCP_OPT_NOP);
		assert_true(o->extra[i].kind != TCP_OPT_MSS && o->extra[i].kind != TCP_OPT_WS &&
			    o->extra[i].kind != TCP_OPT_SACK_PERM &&
			    o->extra[i].kind != TCP_OPT_SACK && o->extra[i].kind != TCP_OPT_TS);
	}
}

static void test_random_areas(void **state)
{
	unsigned counts[3] = { 0 };
	uint8_t area[255];

	(void)state;
	for (unsigned iter = 0; iter < 100000; iter++) {
		unsigned len = rnd() % 16 == 0 ? rnd() % 256 : rnd() % (TCP_OPTS_MAX_LEN + 1);
		bool syn = rnd() & 1;
		struct tcp_opts o, back, want;
		enum tcp_opts_result res;
		uint8_t out[TCP_OPTS_MAX_LEN];
		unsigned wlen;

		random_area(area, len);
		res = parse_exact(area, len, syn, &o);
		check_invariants(&o, res, len, syn);
		counts[res]++;
		/* Whatever was understood can be said again, and means the same. */
		wlen = tcp_opts_write(out, sizeof(out), &o);
		assert_int_equal(parse_exact(out, wlen, syn, &back), TCP_OPTS_OK);
		want = expected_round_trip(&o);
		assert_same_opts(&back, &want);
	}
	/* The generator reaches every outcome often. */
	print_message("random areas: %u ok, %u malformed, %u bad length\n", counts[TCP_OPTS_OK],
		      counts[TCP_OPTS_MALFORMED], counts[TCP_OPTS_BAD_LEN]);
	for (unsigned i = 0; i < 3; i++)
		assert_true(counts[i] > 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_syn),
		cmocka_unit_test(test_linux_ack_ts),
		cmocka_unit_test(test_linux_ack_sack),
		cmocka_unit_test(test_mptcp_located),
		cmocka_unit_test(test_extra_limit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_syn_only_options),
		cmocka_unit_test(test_wscale_clamped),
		cmocka_unit_test(test_eol_and_padding),
		cmocka_unit_test(test_duplicates_last_wins),
		cmocka_unit_test(test_long_area),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_round_trip_all),
		cmocka_unit_test(test_write_layout),
		cmocka_unit_test(test_write_room),
		cmocka_unit_test(test_random_areas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
