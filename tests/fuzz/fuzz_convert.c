/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: the conversion exchange between boxes (proxy/convert.c).
 * Each input is used three ways.
 *
 * 1. As the bytes of the stream, decoded as a request and as a response.
 *    The prefix of each length is decoded from the end of a heap buffer,
 *    so ASan sees a read past it. Checks:
 *     - the result is the one a reference decoder written here from
 *       docs/convert.md gives (need more, which reason, what length);
 *       the errno agrees with the reason; on anything but success the
 *       message struct is zeroed;
 *     - every shorter prefix of a message asks for more; every prefix of a
 *       refused input asks for more or gives the same refusal;
 *     - what decodes encodes again (with this harness's key) and decodes
 *       to the same fields;
 *     - signed with the PSK, it passes the check of its kind; one bit
 *       flipped in the covered bytes (chosen by the input), it does not.
 * 2. As the fields of a request and of a response: the encoder refuses
 *    exactly what the format cannot carry, writes nothing then nor with a
 *    byte too little room, and what it writes decodes to the same fields.
 * 3. As a script of replay-cache operations, 4 bytes each
 *    [id, clock, dt, dt'], against a log of what was accepted:
 *    STALE/FUTURE exactly outside the window; no (nonce, time) accepted
 *    twice, whatever the clock does; REPLAY only for a nonce accepted
 *    before; a new nonce inside the window and above the floor always
 *    accepted; the floor never goes down; what is older than the window
 *    is dropped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/convert.h"
#include "tests/fuzz/fuzz.h"

#define INPUT_MAX 1100 /* a whole message and then some */
#define HDR PROXY_CONVERT_HDR_LEN
#define AUTH_LEN PROXY_CONVERT_AUTH_TLV_LEN

static const uint8_t psk[] = "fuzz_convert pre-shared key";

static const struct proxy_convert_auth origin = {
	.psk = psk,
	.psk_len = sizeof(psk) - 1,
	.role = PROXY_CONVERT_ROLE_ORIGIN,
	.key_local = 0x0123456789abcdefull,
	.key_remote = 0x3b5e11c20877a490ull,
};

static const struct proxy_convert_auth far = {
	.psk = psk,
	.psk_len = sizeof(psk) - 1,
	.role = PROXY_CONVERT_ROLE_FAR,
	.key_local = 0x3b5e11c20877a490ull,
	.key_remote = 0x0123456789abcdefull,
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* --- 1. the reference decoder ---------------------------------------------- */

struct ref {
	int ret; /* > 0 length, 0 more, < 0 error */
	enum proxy_convert_reason why;
	size_t total; /* from the header, once it is whole and good */
};

static struct ref ref_fail(enum proxy_convert_reason why)
{
	return (struct ref){ .ret = why == PROXY_CONVERT_BAD_VERSION ? -EPROTONOSUPPORT : -EBADMSG,
			     .why = why };
}

/* The value of a known TLV (docs/convert.md, "TLVs"): is it well formed? */
static bool ref_value_ok(const uint8_t *t, size_t len)
{
	switch (t[0]) {
	case 0x81:
	case 0x82:
		return (len == 12 || len == 24) &&
		       ((t[4] == 1 && len == 12) || (t[4] == 2 && len == 24)) && be16(t + 2) != 0;
	case 0x03:
		return len == 8 && (!(t[4] & 0x02) || t[5] <= 14);
	case 0x84:
		return len == 20;
	case 0x85:
		return len == 12;
	case 0x86:
		return len == 4;
	case 0x87:
		return len == 36 && t[2] == 0 && t[3] == 0;
	default:
		return false;
	}
}

static struct ref ref_decode(const uint8_t *p, size_t n, uint8_t kind)
{
	/* Types allowed per kind; required ones. */
	static const uint8_t req_ok[] = { 0x81, 0x82, 0x03, 0x84, 0x85, 0x87 };
	static const uint8_t resp_ok[] = { 0x86, 0x03, 0x84, 0x87 };
	const uint8_t *allowed = kind == 1 ? req_ok : resp_ok;
	size_t n_allowed = kind == 1 ? sizeof(req_ok) : sizeof(resp_ok);
	bool seen[256] = { false }, after_auth = false;
	uint8_t fam[2] = { 0, 0 }, result = 0;
	struct ref r = { 0 };
	size_t total, off;

	if (n < HDR)
		return r;
	if (p[2] != 0x6d || p[3] != 0x67)
		return ref_fail(PROXY_CONVERT_BAD_MAGIC);
	if (p[0] != 1)
		return ref_fail(PROXY_CONVERT_BAD_VERSION);
	if (p[4] != kind)
		return ref_fail(PROXY_CONVERT_BAD_KIND);
	total = 4u * p[1];
	if (total < HDR)
		return ref_fail(PROXY_CONVERT_BAD_LENGTH);
	if (total > 512)
		return ref_fail(PROXY_CONVERT_OVERSIZED);
	r.total = total;
	if (n < total)
		return r;
	for (off = HDR; off < total;) {
		const uint8_t *t = p + off;
		size_t len = 4u * t[1];
		bool known = false;

		if (after_auth)
			return ref_fail(PROXY_CONVERT_AUTH_NOT_LAST);
		if (len == 0)
			return ref_fail(PROXY_CONVERT_TLV_BAD_LENGTH);
		if (off + len > total)
			return ref_fail(PROXY_CONVERT_TLV_OVERRUN);
		for (size_t i = 0; i < sizeof(req_ok); i++)
			known |= t[0] == req_ok[i];
		known |= t[0] == 0x86;
		if (!known) {
			if (t[0] >= 0x80)
				return ref_fail(PROXY_CONVERT_TLV_UNKNOWN_CRITICAL);
			off += len;
			continue;
		}
		if (memchr(allowed, t[0], n_allowed) == NULL)
			return ref_fail(PROXY_CONVERT_TLV_UNEXPECTED);
		if (seen[t[0]])
			return ref_fail(PROXY_CONVERT_TLV_DUPLICATE);
		seen[t[0]] = true;
		if (!ref_value_ok(t, len))
			return ref_fail(PROXY_CONVERT_TLV_MALFORMED);
		if (t[0] == 0x81 || t[0] == 0x82)
			fam[t[0] - 0x81] = t[4];
		if (t[0] == 0x86)
			result = t[2];
		after_auth = t[0] == 0x87;
		off += len;
	}
	if (!seen[0x87])
		return ref_fail(PROXY_CONVERT_AUTH_MISSING);
	if (kind == 1 ? !(seen[0x81] && seen[0x82] && seen[0x84] && seen[0x85])
		      : !(seen[0x86] && seen[0x84]))
		return ref_fail(PROXY_CONVERT_TLV_MISSING);
	if (kind == 1 && fam[0] != fam[1])
		return ref_fail(PROXY_CONVERT_FAMILY_MISMATCH);
	if (kind == 2 && seen[0x03] && result != 0)
		return ref_fail(PROXY_CONVERT_TLV_UNEXPECTED);
	r.ret = (int)total;
	return r;
}

/* Decode the first @len bytes of @data placed at the end of @heap (of
 * @cap bytes): a read past them is a read past the allocation. */
static int decode_tail(uint8_t *heap, size_t cap, const uint8_t *data, size_t len, uint8_t kind,
		       struct proxy_convert_msg *m, enum proxy_convert_reason *why)
{
	uint8_t *at = heap + cap - len;

	memmove(at, data, len);
	return proxy_convert_decode(at, len, (enum proxy_convert_kind)kind, m, why);
}

static void check_request_fields(const struct proxy_convert_request *a,
				 const struct proxy_convert_request *b)
{
	FUZZ_CHECK(memcmp(&a->client, &b->client, sizeof(a->client)) == 0 &&
			   memcmp(&a->dest, &b->dest, sizeof(a->dest)) == 0 &&
			   memcmp(&a->opts, &b->opts, sizeof(a->opts)) == 0 &&
			   memcmp(a->nonce, b->nonce, sizeof(a->nonce)) == 0 &&
			   a->time_ms == b->time_ms,
		   "request fields differ after a round trip");
}

static void check_response_fields(const struct proxy_convert_response *a,
				  const struct proxy_convert_response *b)
{
	FUZZ_CHECK(a->result == b->result && a->detail == b->detail &&
			   memcmp(&a->opts, &b->opts, sizeof(a->opts)) == 0 &&
			   memcmp(a->nonce, b->nonce, sizeof(a->nonce)) == 0,
		   "response fields differ after a round trip");
}

/* A decoded message: its fields survive a round trip, and the MAC decides. */
static void check_message(const uint8_t *msg, const struct proxy_convert_msg *m, size_t flip)
{
	uint8_t out[PROXY_CONVERT_MSG_MAX], signed_[PROXY_CONVERT_MSG_MAX];
	struct proxy_convert_msg back;
	struct proxy_convert_replay rc;
	enum proxy_convert_reason why, r;
	bool req = m->kind == PROXY_CONVERT_REQUEST;
	int n;

	FUZZ_CHECK(m->covered == m->len - AUTH_LEN, "covered %u of %u", m->covered, m->len);
	FUZZ_CHECK(memcmp(m->mac, msg + m->covered + 4, PROXY_CONVERT_MAC_LEN) == 0, "MAC");
	FUZZ_CHECK(all_zero(req ? (const void *)&m->resp : (const void *)&m->req,
			    req ? sizeof(m->resp) : sizeof(m->req)),
		   "the other kind's fields are set");
	FUZZ_CHECK(req || m->has_opts || all_zero(&m->resp.opts, sizeof(m->resp.opts)),
		   "options without a TCPOPTS TLV");
	FUZZ_CHECK(!req || m->has_opts || all_zero(&m->req.opts, sizeof(m->req.opts)),
		   "options without a TCPOPTS TLV");

	/* Round trip through the encoder. */
	n = req ? proxy_convert_encode_request(out, sizeof(out), &m->req, &origin)
		: proxy_convert_encode_response(out, sizeof(out), &m->resp, &far);
	FUZZ_CHECK(n > 0, "a decoded message does not encode: %d", n);
	FUZZ_CHECK(proxy_convert_decode(out, (size_t)n, m->kind, &back, &why) == n,
		   "own output refused: %s", proxy_convert_reason_names[why]);
	if (req)
		check_request_fields(&m->req, &back.req);
	else
		check_response_fields(&m->resp, &back.resp);

	/* Signed by the sender, the receiver's check passes. */
	memcpy(signed_, msg, m->len);
	FUZZ_CHECK(proxy_convert_auth_mac(req ? &origin : &far, signed_, m->covered,
					  signed_ + m->covered + 4) == 0,
		   "MAC");
	FUZZ_CHECK(proxy_convert_decode(signed_, m->len, m->kind, &back, &why) == m->len,
		   "signed: %s", proxy_convert_reason_names[why]);
	FUZZ_CHECK(proxy_convert_replay_init(&rc, 4, PROXY_CONVERT_WINDOW_MS) == 0, "init");
	r = req ? proxy_convert_check_request(&far, &rc, back.req.time_ms, signed_, &back)
		: proxy_convert_check_response(&origin, back.resp.nonce, signed_, &back);
	FUZZ_CHECK(r == PROXY_CONVERT_OK, "signed message refused: %s",
		   proxy_convert_reason_names[r]);

	/* One bit of the covered bytes flipped: refused, one way or another. */
	signed_[flip / 8 % m->covered] ^= (uint8_t)(1u << (flip % 8));
	n = proxy_convert_decode(signed_, m->len, m->kind, &back, &why);
	if (n > 0) {
		r = req ? proxy_convert_check_request(&far, &rc, back.req.time_ms, signed_, &back)
			: proxy_convert_check_response(&origin, back.resp.nonce, signed_, &back);
		FUZZ_CHECK(r == PROXY_CONVERT_AUTH_FAILED, "bit %zu flipped: %s",
			   flip / 8 % m->covered * 8 + flip % 8, proxy_convert_reason_names[r]);
	}
	proxy_convert_replay_free(&rc);
}

static void fuzz_stream(const uint8_t *data, size_t n, uint8_t *heap, uint8_t kind, size_t flip)
{
	struct proxy_convert_msg m;
	enum proxy_convert_reason why;
	struct ref want = ref_decode(data, n, kind);
	int got = decode_tail(heap, n, data, n, kind, &m, &why);
	size_t upto;

	FUZZ_CHECK(got == want.ret && (got < 0 ? why == want.why : why == PROXY_CONVERT_OK),
		   "kind %u, %zu bytes: %d %s, the reference says %d %s", kind, n, got,
		   proxy_convert_reason_names[why], want.ret, proxy_convert_reason_names[want.why]);
	FUZZ_CHECK(got > 0 ? m.len == (size_t)got && m.kind == kind : all_zero(&m, sizeof(m)),
		   "struct after %d", got);

	/* Prefixes: up to the announced length (beyond it nothing is read). */
	upto = want.total ? (want.total < n ? want.total : n) : n;
	for (size_t len = 0; len <= upto; len++) {
		int r = decode_tail(heap, n, data, len, kind, &m, &why);

		if (got > 0 && len < (size_t)got)
			FUZZ_CHECK(r == 0, "prefix %zu of a %d-byte message: %d", len, got, r);
		else
			FUZZ_CHECK(r == 0 || (r == got && why == want.why),
				   "prefix %zu: %d %s, the whole gives %d %s", len, r,
				   proxy_convert_reason_names[why], got,
				   proxy_convert_reason_names[want.why]);
	}
	if (got > 0) {
		FUZZ_CHECK(decode_tail(heap, n, data, n, kind, &m, &why) == got, "again");
		check_message(data, &m, flip);
	}
}

/* --- 2. the encoders ------------------------------------------------------- */

static bool opts_valid(const struct proxy_convert_tcpopts *o)
{
	return (o->flags & ~0x0f) == 0 && (!(o->flags & 0x02) || o->wscale <= 14);
}

static void opts_from(struct proxy_convert_tcpopts *o, const uint8_t *b)
{
	o->flags = b[0] & 0x80 ? b[0] : b[0] & 0x0f; /* sometimes invalid */
	o->wscale = (uint8_t)(b[1] % 17);
	o->mss = be16(b + 2);
}

/* What the decoder gives back for options the encoder was given. */
static struct proxy_convert_tcpopts opts_carried(struct proxy_convert_tcpopts o)
{
	if (!(o.flags & PROXY_CONVERT_OPT_MSS))
		o.mss = 0;
	if (!(o.flags & PROXY_CONVERT_OPT_WSCALE))
		o.wscale = 0;
	return o;
}

static void check_untouched(const uint8_t *buf, size_t from, size_t to, const char *what)
{
	for (size_t i = from; i < to; i++)
		FUZZ_CHECK(buf[i] == 0xa5, "%s: byte %zu written", what, i);
}

static void fuzz_encoders(const uint8_t *data, size_t n)
{
	uint8_t f[64] = { 0 }, buf[PROXY_CONVERT_MSG_MAX];
	struct proxy_convert_request rq, rq_back;
	struct proxy_convert_response rs, rs_back;
	struct proxy_convert_msg m;
	enum proxy_convert_reason why;
	bool valid;
	int len;

	memcpy(f, data, n < sizeof(f) ? n : sizeof(f));

	memset(&rq, 0, sizeof(rq));
	rq.client.family = f[0] % 4; /* 0 and 3: unknown */
	rq.dest.family = f[1] & 1 ? rq.client.family : (uint8_t)(3 - rq.client.family);
	rq.client.port = be16(f + 2);
	rq.dest.port = be16(f + 4);
	memcpy(rq.client.addr, f + 6, rq.client.family == PROXY_CONVERT_AF_INET ? 4 : 16);
	memcpy(rq.dest.addr, f + 22, rq.dest.family == PROXY_CONVERT_AF_INET ? 4 : 16);
	opts_from(&rq.opts, f + 38);
	memcpy(rq.nonce, f + 42, sizeof(rq.nonce));
	for (int i = 0; i < 8; i++)
		rq.time_ms = rq.time_ms << 8 | f[56 + i];
	valid = (rq.client.family == 1 || rq.client.family == 2) &&
		rq.dest.family == rq.client.family && rq.client.port && rq.dest.port &&
		opts_valid(&rq.opts);

	memset(buf, 0xa5, sizeof(buf));
	len = proxy_convert_encode_request(buf, sizeof(buf), &rq, &origin);
	if (!valid) {
		FUZZ_CHECK(len == -EINVAL, "request: %d for fields it cannot carry", len);
		check_untouched(buf, 0, sizeof(buf), "refused request");
	} else {
		FUZZ_CHECK(len == (rq.client.family == 1 ? 108 : 132), "request length %d", len);
		check_untouched(buf, (size_t)len, sizeof(buf), "request");
		FUZZ_CHECK(proxy_convert_decode(buf, (size_t)len, PROXY_CONVERT_REQUEST, &m,
						&why) == len,
			   "request refused: %s", proxy_convert_reason_names[why]);
		rq_back = rq;
		rq_back.opts = opts_carried(rq.opts);
		check_request_fields(&rq_back, &m.req);
		FUZZ_CHECK(proxy_convert_auth_verify(&far, buf, m.covered, m.mac) == 0,
			   "request MAC");
		memset(buf, 0xa5, sizeof(buf));
		FUZZ_CHECK(proxy_convert_encode_request(buf, (size_t)len - 1, &rq, &origin) ==
				   -ENOSPC,
			   "request in too little room");
		check_untouched(buf, 0, sizeof(buf), "request without room");
	}

	memset(&rs, 0, sizeof(rs));
	rs.result = f[0] & 0x08 ? f[1] : 0; /* CONNECTED half the time */
	rs.detail = f[2];
	opts_from(&rs.opts, f + 38);
	memcpy(rs.nonce, f + 42, sizeof(rs.nonce));
	valid = rs.result != PROXY_CONVERT_CONNECTED || opts_valid(&rs.opts);
	memset(buf, 0xa5, sizeof(buf));
	len = proxy_convert_encode_response(buf, sizeof(buf), &rs, &far);
	if (!valid) {
		FUZZ_CHECK(len == -EINVAL, "response: %d for options it cannot carry", len);
		check_untouched(buf, 0, sizeof(buf), "refused response");
		return;
	}
	FUZZ_CHECK(len == (rs.result == PROXY_CONVERT_CONNECTED ? 76 : 68), "response length %d",
		   len);
	check_untouched(buf, (size_t)len, sizeof(buf), "response");
	FUZZ_CHECK(proxy_convert_decode(buf, (size_t)len, PROXY_CONVERT_RESPONSE, &m, &why) == len,
		   "response refused: %s", proxy_convert_reason_names[why]);
	rs_back = rs;
	if (rs.result == PROXY_CONVERT_CONNECTED)
		rs_back.opts = opts_carried(rs.opts);
	else
		memset(&rs_back.opts, 0, sizeof(rs_back.opts));
	check_response_fields(&rs_back, &m.resp);
	FUZZ_CHECK(proxy_convert_check_response(&origin, rs.nonce, buf, &m) == PROXY_CONVERT_OK,
		   "response check");
	memset(buf, 0xa5, sizeof(buf));
	FUZZ_CHECK(proxy_convert_encode_response(buf, (size_t)len - 1, &rs, &far) == -ENOSPC,
		   "response in too little room");
	check_untouched(buf, 0, sizeof(buf), "response without room");
}

/* --- 3. the replay cache --------------------------------------------------- */

#define IDS 16
#define OPS_MAX 256
#define WINDOW 1000

static void nonce_of(uint8_t n[PROXY_CONVERT_NONCE_LEN], unsigned id)
{
	memset(n, 0x5c, PROXY_CONVERT_NONCE_LEN);
	n[0] = (uint8_t)id;
	n[15] = (uint8_t)(id * 37);
}

static void fuzz_replay(const uint8_t *data, size_t n)
{
	struct proxy_convert_replay rc;
	struct {
		unsigned id;
		uint64_t t;
	} acc[OPS_MAX]; /* accepted, in order */
	unsigned n_log = 0, cap = n ? 1 + data[0] % 8u : 1;
	bool ever[IDS] = { false };
	uint64_t now = 3000; /* near 0: the arithmetic at the bottom too */

	FUZZ_CHECK(proxy_convert_replay_init(&rc, cap, WINDOW) == 0, "init");
	for (size_t off = 1; off + 4 <= n && n_log < OPS_MAX && off / 4 < OPS_MAX; off += 4) {
		const uint8_t *op = data + off;
		unsigned id = op[0] % IDS;
		uint8_t nonce[PROXY_CONVERT_NONCE_LEN];
		uint64_t floor = rc.floor_ms, evicted = rc.evicted_full, t;
		bool has_floor = rc.has_floor, stale, future, dup = false;
		enum proxy_convert_reason r;

		if (op[0] & 0x80) /* the clock steps back */
			now = now > op[1] * 16u ? now - op[1] * 16u : 0;
		else
			now += op[1] * 8u;
		t = now + (uint64_t)(int64_t)((int8_t)op[2] * 16 + (op[3] & 15));
		if ((int8_t)op[2] < 0 && now < (uint64_t)(-(int8_t)op[2] * 16))
			t = op[3]; /* would be below 0 */
		stale = t < now && now - t > WINDOW;
		future = t > now && t - now > WINDOW;
		nonce_of(nonce, id);
		r = proxy_convert_replay_check(&rc, nonce, t, now);

		FUZZ_CHECK(r == PROXY_CONVERT_OK || r == PROXY_CONVERT_STALE ||
				   r == PROXY_CONVERT_FUTURE || r == PROXY_CONVERT_REPLAY ||
				   r == PROXY_CONVERT_REPLAY_FLOOR,
			   "reason %d", r);
		FUZZ_CHECK((r == PROXY_CONVERT_STALE) == stale &&
				   (r == PROXY_CONVERT_FUTURE) == future,
			   "t %llu now %llu: %s", (unsigned long long)t, (unsigned long long)now,
			   proxy_convert_reason_names[r]);
		FUZZ_CHECK(r != PROXY_CONVERT_REPLAY || ever[id],
			   "REPLAY of a nonce never accepted");
		if (!stale && !future && !ever[id] && (!has_floor || t > floor))
			FUZZ_CHECK(r == PROXY_CONVERT_OK, "a new nonce in the window refused: %s",
				   proxy_convert_reason_names[r]);
		if (r == PROXY_CONVERT_OK) {
			FUZZ_CHECK(!has_floor || t > floor, "accepted at or below the floor");
			for (unsigned i = 0; i < n_log; i++)
				dup |= acc[i].id == id && acc[i].t == t;
			FUZZ_CHECK(!dup, "(nonce %u, time %llu) accepted twice", id,
				   (unsigned long long)t);
			acc[n_log].id = id;
			acc[n_log].t = t;
			n_log++;
			ever[id] = true;
			FUZZ_CHECK(proxy_convert_replay_has(&rc, nonce), "accepted, not cached");
		}
		FUZZ_CHECK(!has_floor || (rc.has_floor && rc.floor_ms >= floor), "floor went down");
		/* The oldest entry is within the window, unless pushing one out
		 * of a full cache just uncovered an older one. */
		FUZZ_CHECK(rc.count == 0 || rc.evicted_full != evicted ||
				   !(rc.ring[rc.head].time_ms < now &&
				     now - rc.ring[rc.head].time_ms > WINDOW),
			   "an entry older than the window was kept");
		FUZZ_CHECK(rc.count <= cap && (r != PROXY_CONVERT_OK || rc.count >= 1),
			   "count %u of %u", rc.count, cap);
	}
	proxy_convert_replay_free(&rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < INPUT_MAX ? size : INPUT_MAX;
	uint8_t *heap = malloc(n ? n : 1);
	size_t flip = 0;

	FUZZ_CHECK(heap != NULL, "out of memory");
	/* Which bit to flip: from the input, so the corpus explores them. */
	for (size_t i = 0; i < n; i++)
		flip = flip * 131 + data[i];
	fuzz_stream(data, n, heap, PROXY_CONVERT_REQUEST, flip);
	fuzz_stream(data, n, heap, PROXY_CONVERT_RESPONSE, flip);
	free(heap);
	fuzz_encoders(data, n);
	fuzz_replay(data, n);
	return 0;
}
