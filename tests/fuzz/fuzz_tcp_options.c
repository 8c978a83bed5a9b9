/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: a TCP options area through tcp_opts_parse() and
 * tcp_opts_write().
 *
 * The input is the area itself (cut to 255 bytes, the most a length byte
 * can describe), parsed as on a SYN and as on any other segment. Checks:
 *  - the result and every field agree with a reference parser written
 *    here from RFC 9293, 7323 and 2018 (a list of options first, then
 *    their meaning);
 *  - bounds: n_sack <= 4, n_extra <= 4, wscale <= 14, extra[] inside the
 *    area, SYN-only options only on a SYN;
 *  - whatever was parsed, written back (room 40) and parsed again, means
 *    the same, less the SACK blocks that did not fit beside the rest;
 *  - written at any room, the options take whole multiples of 4 bytes,
 *    never more than room or 40, and nothing after them is touched;
 *  - nothing is read outside the area (ASan: exact-size heap copy).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpstack/tcp_options.h"
#include "tests/fuzz/fuzz.h"

#define AREA_MAX 255
#define ALL_OPTF (TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACK_PERM | TCP_OPTF_SACK | TCP_OPTF_TS)
#define SYN_ONLY_OPTF (TCP_OPTF_MSS | TCP_OPTF_WS | TCP_OPTF_SACK_PERM)

struct ref_opt {
	size_t off, len; /* len 1 for NOP */
	uint8_t kind;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Step 1: split the area into options up to EOL, the end, or the first
 * option whose length cannot be believed (then *malformed). */
static size_t ref_split(const uint8_t *p, size_t n, struct ref_opt *v, bool *malformed)
{
	size_t count = 0, off = 0;

	*malformed = false;
	while (off < n && p[off] != TCP_OPT_EOL) {
		size_t len = 1;

		if (p[off] != TCP_OPT_NOP) {
			if (n - off < 2 || p[off + 1] < 2 || p[off + 1] > n - off) {
				*malformed = true;
				break;
			}
			len = p[off + 1];
		}
		v[count].off = off;
		v[count].len = len;
		v[count].kind = p[off];
		count++;
		off += len;
	}
	return count;
}

/* Step 2: what each option says. */
static enum tcp_opts_result ref_parse(const uint8_t *p, size_t n, bool syn, struct tcp_opts *o)
{
	struct ref_opt v[AREA_MAX];
	bool malformed, bad_len = false;
	size_t count = ref_split(p, n, v, &malformed);

	memset(o, 0, sizeof(*o));
	for (size_t k = 0; k < count; k++) {
		const uint8_t *q = p + v[k].off;
		size_t len = v[k].len;

		switch (v[k].kind) {
		case TCP_OPT_NOP:
			break;
		case TCP_OPT_MSS:
		case TCP_OPT_WS:
		case TCP_OPT_SACK_PERM: {
			static const size_t want[] = {
				[TCP_OPT_MSS] = 4, [TCP_OPT_WS] = 3, [TCP_OPT_SACK_PERM] = 2
			};
			if (!syn)
				break;
			if (len != want[v[k].kind]) {
				bad_len = true;
				break;
			}
			if (v[k].kind == TCP_OPT_MSS) {
				o->present |= TCP_OPTF_MSS;
				o->mss = (uint16_t)(q[2] << 8 | q[3]);
			} else if (v[k].kind == TCP_OPT_WS) {
				o->present |= TCP_OPTF_WS;
				o->wscale = q[2] < 14 ? q[2] : 14;
			} else {
				o->present |= TCP_OPTF_SACK_PERM;
			}
			break;
		}
		case TCP_OPT_TS:
			if (len != 10) {
				bad_len = true;
				break;
			}
			o->present |= TCP_OPTF_TS;
			o->ts_val = be32(q + 2);
			o->ts_ecr = be32(q + 6);
			break;
		case TCP_OPT_SACK:
			if (len != 10 && len != 18 && len != 26 && len != 34) {
				bad_len = true;
				break;
			}
			o->present |= TCP_OPTF_SACK;
			o->n_sack = (uint8_t)((len - 2) / 8);
			for (size_t b = 0; b < o->n_sack; b++) {
				o->sack[b].start = be32(q + 2 + 8 * b);
				o->sack[b].end = be32(q + 6 + 8 * b);
			}
			break;
		default:
			if (o->n_extra < TCP_OPTS_EXTRA_MAX) {
				o->extra[o->n_extra].kind = v[k].kind;
				o->extra[o->n_extra].off = (uint8_t)v[k].off;
				o->extra[o->n_extra].len = (uint8_t)len;
				o->n_extra++;
			}
			break;
		}
	}
	if (malformed)
		return TCP_OPTS_MALFORMED;
	return bad_len ? TCP_OPTS_BAD_LEN : TCP_OPTS_OK;
}

static void check_same(const struct tcp_opts *a, const struct tcp_opts *b, const char *what)
{
	FUZZ_CHECK(a->present == b->present, "%s: present %#x vs %#x", what, a->present,
		   b->present);
	if (a->present & TCP_OPTF_MSS)
		FUZZ_CHECK(a->mss == b->mss, "%s: mss %u vs %u", what, a->mss, b->mss);
	if (a->present & TCP_OPTF_WS)
		FUZZ_CHECK(a->wscale == b->wscale, "%s: wscale %u vs %u", what, a->wscale,
			   b->wscale);
	if (a->present & TCP_OPTF_TS)
		FUZZ_CHECK(a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr, "%s: timestamps",
			   what);
	FUZZ_CHECK(a->n_sack == b->n_sack, "%s: n_sack %u vs %u", what, a->n_sack, b->n_sack);
	for (unsigned i = 0; i < a->n_sack && i < TCP_OPTS_SACK_MAX; i++)
		FUZZ_CHECK(a->sack[i].start == b->sack[i].start && a->sack[i].end == b->sack[i].end,
			   "%s: SACK block %u", what, i);
}

static void check_invariants(const struct tcp_opts *o, size_t n, bool syn)
{
	FUZZ_CHECK((o->present & ~ALL_OPTF) == 0, "present %#x", o->present);
	FUZZ_CHECK(syn || (o->present & SYN_ONLY_OPTF) == 0, "SYN-only option on a non-SYN");
	FUZZ_CHECK(o->n_sack <= TCP_OPTS_SACK_MAX, "n_sack %u", o->n_sack);
	FUZZ_CHECK((o->n_sack > 0) == !!(o->present & TCP_OPTF_SACK), "n_sack %u, present %#x",
		   o->n_sack, o->present);
	FUZZ_CHECK(o->wscale <= TCP_WSCALE_MAX, "wscale %u", o->wscale);
	FUZZ_CHECK(o->n_extra <= TCP_OPTS_EXTRA_MAX, "n_extra %u", o->n_extra);
	for (unsigned i = 0; i < o->n_extra; i++)
		FUZZ_CHECK(o->extra[i].len >= 2 && (size_t)o->extra[i].off + o->extra[i].len <= n,
			   "extra %u at %u+%u, area %zu", i, o->extra[i].off, o->extra[i].len, n);
}

/* parse(write(o)) as the layout says it must be: 4 (MSS) + 12 (TS, with
 * SACK_PERM in its NOPs) or 4 (SACK_PERM alone) + 4 (WS), then as many
 * SACK blocks as fit in the rest of 40 (4 + 8 each). */
static struct tcp_opts after_round_trip(const struct tcp_opts *o)
{
	struct tcp_opts e = *o;
	unsigned used = 0, fit = 0;

	if (o->present & TCP_OPTF_MSS)
		used += 4;
	if (o->present & TCP_OPTF_TS)
		used += 12;
	else if (o->present & TCP_OPTF_SACK_PERM)
		used += 4;
	if (o->present & TCP_OPTF_WS)
		used += 4;
	if (TCP_OPTS_MAX_LEN - used >= 12)
		fit = (TCP_OPTS_MAX_LEN - used - 4) / 8;
	if (e.n_sack > fit)
		e.n_sack = (uint8_t)fit;
	if (e.n_sack == 0)
		e.present &= ~TCP_OPTF_SACK;
	return e;
}

static void check_write(const struct tcp_opts *o, unsigned room, bool syn)
{
	uint8_t out[64];
	struct tcp_opts back;
	unsigned len;

	memset(out, 0xa5, sizeof(out));
	len = tcp_opts_write(out, room, o);
	FUZZ_CHECK(len <= room && len <= TCP_OPTS_MAX_LEN && len % 4 == 0, "wrote %u in room %u",
		   len, room);
	for (unsigned i = len; i < sizeof(out); i++)
		FUZZ_CHECK(out[i] == 0xa5, "byte %u written past %u", i, len);
	FUZZ_CHECK(tcp_opts_parse(out, len, syn, &back) == TCP_OPTS_OK, "own output refused");
	FUZZ_CHECK((back.present & ~o->present) == 0, "wrote %#x, asked %#x", back.present,
		   o->present);
	if (room >= TCP_OPTS_MAX_LEN) {
		struct tcp_opts want = after_round_trip(o);

		check_same(&back, &want, "round trip");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < AREA_MAX ? size : AREA_MAX;
	uint8_t *area = malloc(n ? n : 1); /* exactly sized: ASan sees overreads */

	FUZZ_CHECK(area != NULL, "out of memory");
	memcpy(area, data, n);
	for (int syn = 0; syn <= 1; syn++) {
		struct tcp_opts o, ref;
		enum tcp_opts_result res = tcp_opts_parse(area, (unsigned)n, syn, &o);
		enum tcp_opts_result want = ref_parse(area, n, syn, &ref);

		FUZZ_CHECK(res == want, "syn %d: result %d, the reference says %d", syn, res, want);
		check_invariants(&o, n, syn);
		check_same(&o, &ref, "against the reference");
		FUZZ_CHECK(o.n_extra == ref.n_extra, "n_extra %u vs %u", o.n_extra, ref.n_extra);
		FUZZ_CHECK(memcmp(o.extra, ref.extra, o.n_extra * sizeof(o.extra[0])) == 0,
			   "extra[] differs");

		check_write(&o, TCP_OPTS_MAX_LEN, syn);
		check_write(&o, n > 0 ? area[0] % 48u : 0, syn);
	}
	free(area);
	return 0;
}
