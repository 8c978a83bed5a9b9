/* SPDX-License-Identifier: BSD-3-Clause */
/* The sender's SACK scoreboard: merging, pruning, holes, the pipe's
 * inputs, sequence wrap, and a byte model under random reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpstack/tcp_sack.h"

static void update1(struct tcp_scoreboard *sb, uint32_t una, uint32_t max, uint32_t s, uint32_t e)
{
	struct tcp_sack_block b = { s, e };
	tcp_sb_update(sb, una, max, &b, 1);
}

static void test_merge_and_holes(void **state)
{
	struct tcp_scoreboard sb;
	uint32_t s, l;

	(void)state;
	tcp_sb_clear(&sb);
	update1(&sb, 1000, 9000, 3000, 4000);
	update1(&sb, 1000, 9000, 5000, 6000);
	assert_int_equal(sb.n, 2);
	assert_int_equal(sb.sacked, 2000);
	assert_true(tcp_sb_next_hole(&sb, 1000, &s, &l));
	assert_int_equal(s, 1000);
	assert_int_equal(l, 2000);
	assert_true(tcp_sb_next_hole(&sb, 3500, &s, &l)); /* inside a range: skip it */
	assert_int_equal(s, 4000);
	assert_int_equal(l, 1000);
	assert_false(tcp_sb_next_hole(&sb, 6000, &s, &l)); /* nothing SACKed above */
	assert_int_equal(tcp_sb_holes_above(&sb, 1000), 3000);
	assert_int_equal(tcp_sb_sacked_above(&sb, 3500), 1500);
	assert_int_equal(tcp_sb_high(&sb, 1000), 6000);
	/* A block bridging both merges them into one. */
	update1(&sb, 1000, 9000, 3500, 5500);
	assert_int_equal(sb.n, 1);
	assert_int_equal(sb.b[0].start, 3000);
	assert_int_equal(sb.b[0].end, 6000);
	assert_int_equal(sb.sacked, 3000);
	/* Adjacent blocks merge too. */
	update1(&sb, 1000, 9000, 6000, 7000);
	assert_int_equal(sb.n, 1);
	assert_int_equal(sb.sacked, 4000);
}

static void test_invalid_blocks_ignored(void **state)
{
	struct tcp_scoreboard sb;

	(void)state;
	tcp_sb_clear(&sb);
	update1(&sb, 1000, 9000, 500, 900); /* below snd_una */
	update1(&sb, 1000, 9000, 8000, 9500); /* beyond what was sent */
	update1(&sb, 1000, 9000, 5000, 5000); /* empty */
	update1(&sb, 1000, 9000, 6000, 5000); /* backwards */
	assert_int_equal(sb.n, 0);
	update1(&sb, 1000, 9000, 800, 1500); /* straddles snd_una: clipped */
	assert_int_equal(sb.n, 1);
	assert_int_equal(sb.b[0].start, 1000);
	assert_int_equal(sb.sacked, 500);
}

static void test_ack_prunes(void **state)
{
	struct tcp_scoreboard sb;

	(void)state;
	tcp_sb_clear(&sb);
	update1(&sb, 1000, 9000, 2000, 3000);
	update1(&sb, 1000, 9000, 4000, 5000);
	sb.high_rxt = 1500;
	tcp_sb_ack(&sb, 2500);
	assert_int_equal(sb.n, 2);
	assert_int_equal(sb.b[0].start, 2500);
	assert_int_equal(sb.sacked, 1500);
	assert_int_equal(sb.high_rxt, 2500);
	tcp_sb_ack(&sb, 5000);
	assert_int_equal(sb.n, 0);
	assert_int_equal(sb.sacked, 0);
}

static void test_wraps(void **state)
{
	struct tcp_scoreboard sb;
	uint32_t s, l;

	(void)state;
	tcp_sb_clear(&sb);
	uint32_t una = 0xfffff000u;
	update1(&sb, una, una + 0x4000, una + 0x1800, una + 0x2800);
	assert_true(tcp_sb_next_hole(&sb, una, &s, &l));
	assert_int_equal(s, una);
	assert_int_equal(l, 0x1800);
	tcp_sb_ack(&sb, una + 0x2000);
	assert_int_equal(sb.b[0].start, una + 0x2000);
	assert_int_equal(sb.sacked, 0x800);
}

static void test_full_keeps_lowest(void **state)
{
	struct tcp_scoreboard sb;

	(void)state;
	tcp_sb_clear(&sb);
	for (uint32_t i = 0; i < TCP_SB_MAX + 4; i++)
		update1(&sb, 0, 100000, 1000 + i * 2000, 2000 + i * 2000);
	assert_int_equal(sb.n, TCP_SB_MAX);
	assert_int_equal(sb.b[0].start, 1000);
	assert_int_equal(sb.b[TCP_SB_MAX - 1].start, 1000 + (TCP_SB_MAX - 1) * 2000);
	/* A new lowest range pushes out the highest. */
	update1(&sb, 0, 100000, 100, 200);
	assert_int_equal(sb.n, TCP_SB_MAX);
	assert_int_equal(sb.b[0].start, 100);
	assert_int_equal(sb.sacked, TCP_SB_MAX * 1000 - 1000 + 100);
}

/* Random reports against a byte map: while fewer than TCP_SB_MAX ranges
 * exist, the scoreboard is exact. */
static void test_random_against_model(void **state)
{
	enum { SPAN = 4000 };
	static bool model[SPAN];

	(void)state;
	srand(42);
	for (int round = 0; round < 300; round++) {
		struct tcp_scoreboard sb;
		uint32_t una = (uint32_t)rand() * 7919u;
		tcp_sb_clear(&sb);
		memset(model, 0, sizeof(model));
		for (int k = 0; k < 6; k++) {
			uint32_t s = (uint32_t)rand() % SPAN, e = s + 1 + (uint32_t)rand() % 300;
			if (e > SPAN)
				e = SPAN;
			update1(&sb, una, una + SPAN, una + s, una + e);
			for (uint32_t i = s; i < e; i++)
				model[i] = true;
		}
		uint32_t sacked = 0, holes = 0, high = 0;
		for (uint32_t i = 0; i < SPAN; i++)
			if (model[i]) {
				sacked++;
				high = i + 1;
			}
		for (uint32_t i = 0; i < high; i++)
			holes += !model[i];
		assert_int_equal(sb.sacked, sacked);
		assert_int_equal(tcp_sb_holes_above(&sb, una), holes);
		assert_int_equal(tcp_sb_high(&sb, una), una + high);
		uint32_t from = (uint32_t)rand() % SPAN, above = 0;
		for (uint32_t i = from; i < SPAN; i++)
			above += model[i];
		assert_int_equal(tcp_sb_sacked_above(&sb, una + from), above);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_and_holes),
		cmocka_unit_test(test_invalid_blocks_ignored),
		cmocka_unit_test(test_ack_prunes),
		cmocka_unit_test(test_wraps),
		cmocka_unit_test(test_full_keeps_lowest),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
