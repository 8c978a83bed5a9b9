/* SPDX-License-Identifier: BSD-3-Clause */
/* proxy/segment.c: what the relay reads of an inside TCP frame. Frames are
 * byte arrays written out by hand, so a layout mistake in the parser shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/segment.h"

/* Ethernet, IPv4 (20 bytes, total length 60), TCP with 20 bytes of options:
 * MSS 1460, SACK permitted, timestamps, NOP, window scale 7. SYN. */
static const uint8_t SYN[] = {
	/* Ethernet */
	0x02, 0, 0, 0, 0, 0xbb, 0x02, 0, 0, 0, 0, 0xaa, 0x08, 0x00,
	/* IPv4: 45, tos, len 60, id, DF, ttl 64, TCP, csum, 198.18.1.10 -> 198.18.2.10 */
	0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 198, 18, 1, 10, 198, 18, 2, 10,
	/* TCP: 40000 -> 8080, seq, ack 0, data offset 10 words, SYN, window, csum, urg */
	0x9c, 0x40, 0x1f, 0x90, 1, 2, 3, 4, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
	/* options */
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7
};

static void copy(uint8_t *f, const uint8_t *from, size_t n)
{
	memcpy(f, from, n);
}

static void test_syn(void **state)
{
	struct proxy_segment s;
	(void)state;

	assert_true(proxy_segment_parse(SYN, sizeof(SYN), &s));
	const uint8_t src[] = { 198, 18, 1, 10 }, dst[] = { 198, 18, 2, 10 };
	assert_memory_equal(&s.src, src, 4);
	assert_memory_equal(&s.dst, dst, 4);
	assert_int_equal(s.sport, 40000);
	assert_int_equal(s.dport, 8080);
	assert_int_equal(s.flags, 0x02);
	assert_int_equal(s.opts.flags, PROXY_CONVERT_OPT_ALL);
	assert_int_equal(s.opts.mss, 1460);
	assert_int_equal(s.opts.wscale, 7);
}

static void test_not_syn_no_options(void **state)
{
	uint8_t f[sizeof(SYN)];
	struct proxy_segment s;
	(void)state;

	copy(f, SYN, sizeof(f));
	f[14 + 20 + 13] = 0x10; /* ACK */
	assert_true(proxy_segment_parse(f, sizeof(f), &s));
	assert_int_equal(s.flags, 0x10);
	assert_int_equal(s.opts.flags, 0); /* only a SYN's options are of note */
}

static void test_refused(void **state)
{
	uint8_t f[sizeof(SYN)];
	struct proxy_segment s;
	(void)state;

	/* every prefix of the frame short of the whole TCP header */
	for (uint32_t n = 0; n < sizeof(SYN); n++)
		assert_false(proxy_segment_parse(SYN, n, &s));
	struct {
		unsigned off;
		uint8_t v;
	} bad[] = {
		{ 12, 0x86 }, /* not IPv4 (ethertype) */
		{ 14, 0x65 }, /* IP version 6 */
		{ 14, 0x44 }, /* IHL 4 */
		{ 14, 0x4f }, /* IHL 15: beyond the total length */
		{ 23, 17 }, /* UDP */
		{ 20, 0x20 }, /* more fragments */
		{ 21, 0x01 }, /* fragment offset */
		{ 17, 61 }, /* total length beyond the frame */
		{ 17, 39 }, /* total length below IP + TCP headers */
		{ 14 + 20 + 12, 0x40 }, /* TCP data offset 4 words */
		{ 14 + 20 + 12, 0xb0 }, /* TCP data offset beyond the total length */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		copy(f, SYN, sizeof(f));
		f[bad[i].off] = bad[i].v;
		assert_false(proxy_segment_parse(f, sizeof(f), &s));
	}
	/* a frame longer than the IP total length (Ethernet padding) is fine */
	uint8_t padded[sizeof(SYN) + 6] = { 0 };
	copy(padded, SYN, sizeof(SYN));
	assert_true(proxy_segment_parse(padded, sizeof(padded), &s));
	assert_int_equal(s.opts.flags, PROXY_CONVERT_OPT_ALL);
}

static void test_bad_options(void **state)
{
	uint8_t f[sizeof(SYN)];
	struct proxy_segment s;
	const unsigned o = 14 + 20 + 20; /* the first option */
	(void)state;

	/* window scale 15: not RFC 7323's, ignored; the others stay */
	copy(f, SYN, sizeof(f));
	f[o + 19] = 15;
	assert_true(proxy_segment_parse(f, sizeof(f), &s));
	assert_int_equal(s.opts.flags, PROXY_CONVERT_OPT_ALL & ~PROXY_CONVERT_OPT_WSCALE);
	/* a length running past the header ends the walk: MSS is read */
	copy(f, SYN, sizeof(f));
	f[o + 5] = 40;
	assert_true(proxy_segment_parse(f, sizeof(f), &s));
	assert_int_equal(s.opts.flags, PROXY_CONVERT_OPT_MSS);
	/* a length of 1 (or 0) ends it too */
	copy(f, SYN, sizeof(f));
	f[o + 1] = 1;
	assert_true(proxy_segment_parse(f, sizeof(f), &s));
	assert_int_equal(s.opts.flags, 0);
	/* MSS of the wrong length is not an MSS */
	copy(f, SYN, sizeof(f));
	f[o + 1] = 3;
	f[o + 3] = 4; /* SACK_PERM right after it */
	f[o + 4] = 2;
	assert_true(proxy_segment_parse(f, sizeof(f), &s));
	assert_false(s.opts.flags & PROXY_CONVERT_OPT_MSS);
	/* end of options: nothing after it is read */
	copy(f, SYN, sizeof(f));
	f[o] = 0;
	assert_true(proxy_segment_parse(f, sizeof(f), &s));
	assert_int_equal(s.opts.flags, 0);
	/* options are read only within the data offset */
	copy(f, SYN, sizeof(f));
	f[14 + 20 + 12] = 0x60; /* 4 bytes of options: MSS only */
	assert_true(proxy_segment_parse(f, sizeof(f), &s));
	assert_int_equal(s.opts.flags, PROXY_CONVERT_OPT_MSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn),
		cmocka_unit_test(test_not_syn_no_options),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
