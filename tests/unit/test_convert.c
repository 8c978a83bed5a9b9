/* SPDX-License-Identifier: BSD-3-Clause */
/* The conversion exchange (proxy/convert.c): one request and one response
 * against byte images written here from docs/convert.md, with HMACs
 * computed apart from this code by the OpenSSL command line; round trips of
 * every TLV with IPv4 and IPv6; every prefix of a message; each reject
 * path; the HMAC's coverage bit by bit; the replay cache against a plain
 * model. Under ASan every decoded buffer is a heap copy of exactly the
 * length given, so a read past it is reported. */
#include <errno.h>
#include <setjmp.h> /* before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/convert.h"

#define KEY_O 0x0123456789abcdefull /* the originating box's MPTCP key */
#define KEY_F 0x3b5e11c20877a490ull /* the far box's */
#define NOW 1700000000123ull /* ms since the epoch: 2023-11-14 */
#define NONCE_BYTES                                                                               \
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, \
		0xaf

static const uint8_t psk[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const struct proxy_convert_auth origin = {
	.psk = psk,
	.psk_len = sizeof(psk),
	.role = PROXY_CONVERT_ROLE_ORIGIN,
	.key_local = KEY_O,
	.key_remote = KEY_F,
};

static const struct proxy_convert_auth far = {
	.psk = psk,
	.psk_len = sizeof(psk),
	.role = PROXY_CONVERT_ROLE_FAR,
	.key_local = KEY_F,
	.key_remote = KEY_O,
};

/* 192.0.2.10:40000 -> 198.51.100.20:443, SYN with MSS 1460, wscale 7, SACK
 * permitted and timestamps; nonce a0..af; time NOW (0x18bcfe5687b). Each
 * TLV as docs/convert.md draws it. */
#define REQ_HDR_V4 0x01, 0x1b, 0x6d, 0x67, 0x01, 0x00, 0x00, 0x00 /* 27 words, REQUEST */
/* CLIENT: 3 words, port 40000, family IPv4, reserved, 192.0.2.10 */
#define CLIENT4 0x81, 0x03, 0x9c, 0x40, 0x01, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x0a
/* DEST: 3 words, port 443, family IPv4, reserved, 198.51.100.20 */
#define DEST4 0x82, 0x03, 0x01, 0xbb, 0x01, 0x00, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x14
/* DEST: 6 words, port 443, family IPv6, reserved, 2001:db8::1 */
#define DEST6                                                                                     \
	0x82, 0x06, 0x01, 0xbb, 0x02, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, \
		0, 0, 0, 0, 0, 1
/* TCPOPTS: 2 words, MSS 1460, flags MSS|WSCALE|SACK|TS, wscale 7, reserved */
#define OPTS 0x03, 0x02, 0x05, 0xb4, 0x0f, 0x07, 0x00, 0x00
#define NONCE 0x84, 0x05, 0x00, 0x00, NONCE_BYTES /* 5 words, reserved, nonce */
#define TIME 0x85, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b
/* AUTH: 9 words, reserved, the HMAC over the 16 key bytes and the 72 bytes
 * before this TLV:
 *   echo -n 0123456789abcdef3b5e11c20877a490 011b6d6701000000 \
 *     81039c4001000000c000020a 820301bb01000000c6336414 030205b40f070000 \
 *     84050000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf 850300000000018bcfe5687b \
 *     | tr -d ' ' | xxd -r -p | openssl dgst -sha256 -mac HMAC \
 *     -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
 *   6f86f0de52804971f60b9a32c6409efae84dcc816c38e42a339b5eee92cb6304 */
#define AUTH_V4                                                                                   \
	0x87, 0x09, 0x00, 0x00, 0x6f, 0x86, 0xf0, 0xde, 0x52, 0x80, 0x49, 0x71, 0xf6, 0x0b, 0x9a, \
		0x32, 0xc6, 0x40, 0x9e, 0xfa, 0xe8, 0x4d, 0xcc, 0x81, 0x6c, 0x38, 0xe4, 0x2a,     \
		0x33, 0x9b, 0x5e, 0xee, 0x92, 0xcb, 0x63, 0x04
static const uint8_t req_v4[] = {
	REQ_HDR_V4, CLIENT4, DEST4, OPTS, NONCE, TIME, AUTH_V4,
};

/* CONNECTED, the server's SYN/ACK had MSS 1400, SACK permitted and
 * timestamps, no window scale; the request's nonce.
 *   echo -n 0123456789abcdef3b5e11c20877a490 01136d6702000000 86010000 \
 *     030205780d000000 84050000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf \
 *     | tr -d ' ' | xxd -r -p | openssl dgst -sha256 -mac HMAC \
 *     -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
 *   ff9350f5a4db6b94ff2b97d1e853dce69f5b1c9913206c99322f3b6bebfadd9c */
#define RESP_HDR 0x01, 0x13, 0x6d, 0x67, 0x02, 0x00, 0x00, 0x00 /* 19 words, RESPONSE */
#define RESULT_OK 0x86, 0x01, 0x00, 0x00 /* RESULT: connected, detail 0 */
/* TCPOPTS: MSS 1400, flags MSS|SACK|TS, no wscale */
#define OPTS_SERVER 0x03, 0x02, 0x05, 0x78, 0x0d, 0x00, 0x00, 0x00
#define AUTH_RESP                                                                                 \
	0x87, 0x09, 0x00, 0x00, 0xff, 0x93, 0x50, 0xf5, 0xa4, 0xdb, 0x6b, 0x94, 0xff, 0x2b, 0x97, \
		0xd1, 0xe8, 0x53, 0xdc, 0xe6, 0x9f, 0x5b, 0x1c, 0x99, 0x13, 0x20, 0x6c, 0x99,     \
		0x32, 0x2f, 0x3b, 0x6b, 0xeb, 0xfa, 0xdd, 0x9c
static const uint8_t resp_connected[] = {
	RESP_HDR, RESULT_OK, OPTS_SERVER, NONCE, AUTH_RESP,
};

static const uint8_t nonce_a0[PROXY_CONVERT_NONCE_LEN] = { NONCE_BYTES };

static struct proxy_convert_request vec_request(void)
{
	struct proxy_convert_request r;

	memset(&r, 0, sizeof(r));
	r.client.family = PROXY_CONVERT_AF_INET;
	r.client.port = 40000;
	memcpy(r.client.addr, (const uint8_t[]){ 192, 0, 2, 10 }, 4);
	r.dest.family = PROXY_CONVERT_AF_INET;
	r.dest.port = 443;
	memcpy(r.dest.addr, (const uint8_t[]){ 198, 51, 100, 20 }, 4);
	r.opts.flags = PROXY_CONVERT_OPT_ALL;
	r.opts.mss = 1460;
	r.opts.wscale = 7;
	memcpy(r.nonce, nonce_a0, sizeof(r.nonce));
	r.time_ms = NOW;
	return r;
}

static struct proxy_convert_response vec_response(void)
{
	struct proxy_convert_response r;

	memset(&r, 0, sizeof(r));
	r.result = PROXY_CONVERT_CONNECTED;
	r.opts.flags = PROXY_CONVERT_OPT_MSS | PROXY_CONVERT_OPT_SACK_PERM | PROXY_CONVERT_OPT_TS;
	r.opts.mss = 1400;
	memcpy(r.nonce, nonce_a0, sizeof(r.nonce));
	return r;
}

/* Decode from an exactly sized heap copy (ASan sees overreads). */
static int decode(const uint8_t *p, size_t len, enum proxy_convert_kind kind,
		  struct proxy_convert_msg *m, enum proxy_convert_reason *why)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	rc = proxy_convert_decode(copy, len, kind, m, why);
	free(copy);
	return rc;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void assert_addr_equal(const struct proxy_convert_addr *a,
			      const struct proxy_convert_addr *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->port, b->port);
	assert_memory_equal(a->addr, b->addr, 16);
}

static void assert_opts_equal(const struct proxy_convert_tcpopts *a,
			      const struct proxy_convert_tcpopts *b)
{
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->wscale, b->wscale);
}

static void assert_request_equal(const struct proxy_convert_request *a,
				 const struct proxy_convert_request *b)
{
	assert_addr_equal(&a->client, &b->client);
	assert_addr_equal(&a->dest, &b->dest);
	assert_opts_equal(&a->opts, &b->opts);
	assert_memory_equal(a->nonce, b->nonce, PROXY_CONVERT_NONCE_LEN);
	assert_int_equal(a->time_ms, b->time_ms);
}

/* --- the documented layout --------------------------------------------------- */

static void test_request_layout(void **state)
{
	struct proxy_convert_request r = vec_request();
	struct proxy_convert_msg m;
	enum proxy_convert_reason why;
	uint8_t buf[PROXY_CONVERT_REQUEST_MAX];

	(void)state;
	assert_int_equal(sizeof(req_v4), 108);
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &origin), 108);
	assert_memory_equal(buf, req_v4, sizeof(req_v4));
	/* The far box, its keys the other way round, computes the same. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &far), 108);
	assert_memory_equal(buf, req_v4, sizeof(req_v4));

	assert_int_equal(decode(req_v4, sizeof(req_v4), PROXY_CONVERT_REQUEST, &m, &why), 108);
	assert_int_equal(why, PROXY_CONVERT_OK);
	assert_int_equal(m.kind, PROXY_CONVERT_REQUEST);
	assert_int_equal(m.len, 108);
	assert_int_equal(m.covered, 72);
	assert_int_equal(m.skipped, 0);
	assert_true(m.has_opts);
	assert_request_equal(&m.req, &r);
	assert_memory_equal(m.mac, req_v4 + 76, PROXY_CONVERT_MAC_LEN);
	assert_true(all_zero(&m.resp, sizeof(m.resp)));
	assert_int_equal(proxy_convert_auth_verify(&far, req_v4, m.covered, m.mac), 0);
	assert_int_equal(proxy_convert_auth_verify(&origin, req_v4, m.covered, m.mac), 0);
}

static void test_response_layout(void **state)
{
	struct proxy_convert_response r = vec_response();
	struct proxy_convert_msg m;
	enum proxy_convert_reason why;
	uint8_t buf[PROXY_CONVERT_RESPONSE_MAX];

	(void)state;
	assert_int_equal(sizeof(resp_connected), PROXY_CONVERT_RESPONSE_MAX);
	assert_int_equal(proxy_convert_encode_response(buf, sizeof(buf), &r, &far), 76);
	assert_memory_equal(buf, resp_connected, sizeof(resp_connected));

	assert_int_equal(decode(resp_connected, 76, PROXY_CONVERT_RESPONSE, &m, &why), 76);
	assert_int_equal(m.kind, PROXY_CONVERT_RESPONSE);
	assert_int_equal(m.covered, 40);
	assert_int_equal(m.resp.result, PROXY_CONVERT_CONNECTED);
	assert_int_equal(m.resp.detail, 0);
	assert_opts_equal(&m.resp.opts, &r.opts);
	assert_memory_equal(m.resp.nonce, nonce_a0, PROXY_CONVERT_NONCE_LEN);
	assert_true(all_zero(&m.req, sizeof(m.req)));
	assert_int_equal(proxy_convert_check_response(&origin, nonce_a0, resp_connected, &m),
			 PROXY_CONVERT_OK);
}

/* --- round trips ----------------------------------------------------------------- */

static void test_round_trip_request(void **state)
{
	static const uint8_t v6a[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	static const uint8_t v6b[16] = { 0xfd, 0x00, 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa,
					 0x99, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22 };

	(void)state;
	for (int v6 = 0; v6 <= 1; v6++) {
		for (unsigned flags = 0; flags <= PROXY_CONVERT_OPT_ALL; flags++) {
			struct proxy_convert_request r = vec_request(), back;
			struct proxy_convert_msg m;
			enum proxy_convert_reason why;
			uint8_t buf[PROXY_CONVERT_REQUEST_MAX + 16];
			int n;

			if (v6) {
				r.client.family = r.dest.family = PROXY_CONVERT_AF_INET6;
				memcpy(r.client.addr, v6a, 16);
				memcpy(r.dest.addr, v6b, 16);
			}
			r.client.port = (uint16_t)(1 + flags * 4099);
			r.dest.port = (uint16_t)(65535 - flags);
			r.opts.flags = (uint8_t)flags;
			r.opts.mss = (uint16_t)(536 + flags);
			r.opts.wscale = (uint8_t)(flags % 15);
			r.nonce[flags % 16] ^= 0xff;
			r.time_ms = NOW + flags * 1000003ull;
			n = proxy_convert_encode_request(buf, sizeof(buf), &r, &origin);
			assert_int_equal(n, v6 ? 132 : 108);
			/* The stream's data follows the message: not consumed. */
			memset(buf + n, 0xee, sizeof(buf) - (size_t)n);
			assert_int_equal(decode(buf, sizeof(buf), PROXY_CONVERT_REQUEST, &m, &why),
					 n);
			/* Fields without their flag are not carried. */
			back = r;
			if (!(flags & PROXY_CONVERT_OPT_MSS))
				back.opts.mss = 0;
			if (!(flags & PROXY_CONVERT_OPT_WSCALE))
				back.opts.wscale = 0;
			assert_request_equal(&m.req, &back);
			assert_int_equal(m.covered, n - PROXY_CONVERT_AUTH_TLV_LEN);
			assert_int_equal(proxy_convert_auth_verify(&far, buf, m.covered, m.mac), 0);
		}
	}
}

static void test_round_trip_response(void **state)
{
	(void)state;
	for (unsigned result = 0; result <= 8; result++) {
		struct proxy_convert_response r = vec_response();
		struct proxy_convert_msg m;
		enum proxy_convert_reason why;
		uint8_t buf[PROXY_CONVERT_RESPONSE_MAX];
		uint8_t code = (uint8_t)(result == 8 ? 200 : result); /* 200: unknown */
		int n;

		r.result = code;
		r.detail = code == PROXY_CONVERT_UNREACHABLE ? 3 : 0; /* port unreachable */
		r.opts.flags = PROXY_CONVERT_OPT_ALL;
		r.opts.wscale = 14;
		r.opts.mss = 65535;
		n = proxy_convert_encode_response(buf, sizeof(buf), &r, &far);
		/* Options only with CONNECTED. */
		assert_int_equal(n, code == PROXY_CONVERT_CONNECTED ? 76 : 68);
		assert_int_equal(decode(buf, (size_t)n, PROXY_CONVERT_RESPONSE, &m, &why), n);
		assert_int_equal(m.resp.result, code);
		assert_int_equal(m.resp.detail, r.detail);
		assert_int_equal(m.has_opts, code == PROXY_CONVERT_CONNECTED);
		if (code == PROXY_CONVERT_CONNECTED)
			assert_opts_equal(&m.resp.opts, &r.opts);
		else
			assert_true(all_zero(&m.resp.opts, sizeof(m.resp.opts)));
		assert_memory_equal(m.resp.nonce, r.nonce, PROXY_CONVERT_NONCE_LEN);
		assert_int_equal(proxy_convert_check_response(&origin, r.nonce, buf, &m),
				 PROXY_CONVERT_OK);
	}
	assert_string_equal(proxy_convert_result_name(PROXY_CONVERT_CONNECTED), "connected");
	assert_string_equal(proxy_convert_result_name(PROXY_CONVERT_BUSY), "busy");
	assert_string_equal(proxy_convert_result_name(200), "unknown");
}

/* --- streams and truncation ------------------------------------------------------ */

/* Every prefix of a whole message asks for more and leaves *m zeroed. */
static void test_every_prefix(void **state)
{
	static const struct {
		const uint8_t *p;
		size_t len;
		enum proxy_convert_kind kind;
	} msgs[] = {
		{ req_v4, sizeof(req_v4), PROXY_CONVERT_REQUEST },
		{ resp_connected, sizeof(resp_connected), PROXY_CONVERT_RESPONSE },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
		for (size_t len = 0; len < msgs[k].len; len++) {
			struct proxy_convert_msg m;
			enum proxy_convert_reason why = PROXY_CONVERT_REPLAY;

			memset(&m, 0x5a, sizeof(m));
			assert_int_equal(decode(msgs[k].p, len, msgs[k].kind, &m, &why), 0);
			assert_int_equal(why, PROXY_CONVERT_OK);
			assert_true(all_zero(&m, sizeof(m)));
		}
	}
}

/* A bad header: need more before its 8 bytes, the same error after. */
static void test_prefix_of_bad_header(void **state)
{
	uint8_t bad[sizeof(req_v4)];

	(void)state;
	memcpy(bad, req_v4, sizeof(bad));
	bad[0] = 2; /* version 2 */
	for (size_t len = 0; len <= sizeof(bad); len++) {
		struct proxy_convert_msg m;
		enum proxy_convert_reason why;
		int rc = decode(bad, len, PROXY_CONVERT_REQUEST, &m, &why);

		if (len < PROXY_CONVERT_HDR_LEN) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -EPROTONOSUPPORT);
			assert_int_equal(why, PROXY_CONVERT_BAD_VERSION);
		}
	}
	/* A bad TLV is seen once the whole message is there. */
	memcpy(bad, req_v4, sizeof(bad));
	bad[8] = 0xc1; /* CLIENT's type: unknown and critical */
	for (size_t len = 0; len <= sizeof(bad); len++) {
		struct proxy_convert_msg m;
		enum proxy_convert_reason why;
		int rc = decode(bad, len, PROXY_CONVERT_REQUEST, &m, &why);

		if (len < sizeof(bad)) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -EBADMSG);
			assert_int_equal(why, PROXY_CONVERT_TLV_UNKNOWN_CRITICAL);
		}
	}
}

/* --- hand-built messages ------------------------------------------------------------ */

/* Header of @kind, then @tlvs (whole TLVs), then an AUTH TLV (zero MAC)
 * unless @no_auth. @return the length. */
static size_t build(uint8_t *buf, uint8_t kind, const uint8_t *tlvs, size_t n, bool no_auth)
{
	size_t total = PROXY_CONVERT_HDR_LEN + n + (no_auth ? 0 : PROXY_CONVERT_AUTH_TLV_LEN);

	assert_true(total % 4 == 0 && total <= 1020);
	memset(buf, 0, total);
	buf[0] = PROXY_CONVERT_VERSION;
	buf[1] = (uint8_t)(total / 4);
	buf[2] = 0x6d;
	buf[3] = 0x67;
	buf[4] = kind;
	memcpy(buf + PROXY_CONVERT_HDR_LEN, tlvs, n);
	if (!no_auth) {
		buf[total - PROXY_CONVERT_AUTH_TLV_LEN] = PROXY_CONVERT_TLV_AUTH;
		buf[total - PROXY_CONVERT_AUTH_TLV_LEN + 1] = 9;
	}
	return total;
}

#define RESULT(c) 0x86, 0x01, (c), 0x00
#define ZERO8 0, 0, 0, 0, 0, 0, 0, 0
#define AUTH0 0x87, 0x09, 0, 0, ZERO8, ZERO8, ZERO8, ZERO8 /* MAC not checked here */

struct bad_case {
	const char *what;
	uint8_t kind;
	const uint8_t *tlvs;
	size_t n;
	bool no_auth;
	enum proxy_convert_reason want;
};

#define TLVS(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define REQ PROXY_CONVERT_REQUEST
#define RESP PROXY_CONVERT_RESPONSE

static const struct bad_case bad_cases[] = {
	{ "valid request", REQ, TLVS(CLIENT4, DEST4, OPTS, NONCE, TIME), false, PROXY_CONVERT_OK },
	{ "valid, another order", REQ, TLVS(TIME, NONCE, DEST4, CLIENT4), false, PROXY_CONVERT_OK },
	{ "valid response", RESP, TLVS(RESULT(1), NONCE), false, PROXY_CONVERT_OK },
	{ "TLV of length 0", REQ, TLVS(CLIENT4, DEST4, 0x10, 0x00, 0, 0, NONCE, TIME), false,
	  PROXY_CONVERT_TLV_BAD_LENGTH },
	{ "TLV past the end", REQ, TLVS(CLIENT4, DEST4, OPTS, NONCE, TIME, 0x10, 0x0b, 0, 0), false,
	  PROXY_CONVERT_TLV_OVERRUN },
	{ "AUTH past the end", REQ, TLVS(CLIENT4, DEST4, NONCE, TIME, 0x87, 0x0a, 0, 0), true,
	  PROXY_CONVERT_TLV_OVERRUN },
	{ "unknown critical", REQ, TLVS(CLIENT4, DEST4, 0x90, 0x01, 0, 0, NONCE, TIME), false,
	  PROXY_CONVERT_TLV_UNKNOWN_CRITICAL },
	{ "unknown critical 0xff", RESP, TLVS(RESULT(0), NONCE, 0xff, 0x01, 0, 0), false,
	  PROXY_CONVERT_TLV_UNKNOWN_CRITICAL },
	{ "CLIENT without its C bit: unknown, skipped; CLIENT missing", REQ,
	  TLVS(0x01, 0x03, 0x9c, 0x40, 0x01, 0, 0, 0, 0xc0, 0, 2, 10, DEST4, NONCE, TIME), false,
	  PROXY_CONVERT_TLV_MISSING },
	{ "RESULT in a request", REQ, TLVS(CLIENT4, DEST4, RESULT(0), NONCE, TIME), false,
	  PROXY_CONVERT_TLV_UNEXPECTED },
	{ "CLIENT in a response", RESP, TLVS(RESULT(0), CLIENT4, NONCE), false,
	  PROXY_CONVERT_TLV_UNEXPECTED },
	{ "TIME in a response", RESP, TLVS(RESULT(0), NONCE, TIME), false,
	  PROXY_CONVERT_TLV_UNEXPECTED },
	{ "options with REFUSED", RESP, TLVS(RESULT(1), OPTS, NONCE), false,
	  PROXY_CONVERT_TLV_UNEXPECTED },
	{ "options with CONNECTED", RESP, TLVS(RESULT(0), OPTS, NONCE), false, PROXY_CONVERT_OK },
	{ "NONCE twice", REQ, TLVS(CLIENT4, DEST4, NONCE, NONCE, TIME), false,
	  PROXY_CONVERT_TLV_DUPLICATE },
	{ "AUTH twice", RESP, TLVS(RESULT(0), NONCE, AUTH0), false, PROXY_CONVERT_AUTH_NOT_LAST },
	{ "TLV after AUTH", REQ, TLVS(CLIENT4, DEST4, NONCE, TIME, AUTH0, 0x10, 0x01, 0, 0), true,
	  PROXY_CONVERT_AUTH_NOT_LAST },
	{ "no AUTH", REQ, TLVS(CLIENT4, DEST4, NONCE, TIME), true, PROXY_CONVERT_AUTH_MISSING },
	{ "no TIME", REQ, TLVS(CLIENT4, DEST4, NONCE), false, PROXY_CONVERT_TLV_MISSING },
	{ "no DEST", REQ, TLVS(CLIENT4, NONCE, TIME), false, PROXY_CONVERT_TLV_MISSING },
	{ "no NONCE in a response", RESP, TLVS(RESULT(0)), false, PROXY_CONVERT_TLV_MISSING },
	{ "no RESULT", RESP, TLVS(NONCE), false, PROXY_CONVERT_TLV_MISSING },
	{ "IPv4 client, IPv6 destination", REQ, TLVS(CLIENT4, DEST6, NONCE, TIME), false,
	  PROXY_CONVERT_FAMILY_MISMATCH },
	{ "family 3", REQ,
	  TLVS(0x81, 0x03, 0x9c, 0x40, 0x03, 0, 0, 0, 0xc0, 0, 2, 10, DEST4, NONCE, TIME), false,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "IPv4 in 6 words", REQ,
	  TLVS(0x81, 0x06, 0x9c, 0x40, 0x01, 0, 0, 0, 0xc0, 0, 2, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	       0, 0, DEST4, NONCE, TIME),
	  false, PROXY_CONVERT_TLV_MALFORMED },
	{ "IPv6 in 3 words", REQ,
	  TLVS(CLIENT4, 0x82, 0x03, 0x01, 0xbb, 0x02, 0, 0, 0, 0xc6, 0x33, 0x64, 0x14, NONCE, TIME),
	  false, PROXY_CONVERT_TLV_MALFORMED },
	{ "port 0", REQ,
	  TLVS(CLIENT4, 0x82, 0x03, 0, 0, 0x01, 0, 0, 0, 0xc6, 0x33, 0x64, 0x14, NONCE, TIME),
	  false, PROXY_CONVERT_TLV_MALFORMED },
	{ "wscale 15", REQ,
	  TLVS(CLIENT4, DEST4, 0x03, 0x02, 0x05, 0xb4, 0x02, 0x0f, 0, 0, NONCE, TIME), false,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "wscale 15 without its flag: ignored", REQ,
	  TLVS(CLIENT4, DEST4, 0x03, 0x02, 0x05, 0xb4, 0x0d, 0x0f, 0, 0, NONCE, TIME), false,
	  PROXY_CONVERT_OK },
	{ "options in 3 words", REQ,
	  TLVS(CLIENT4, DEST4, 0x03, 0x03, 0x05, 0xb4, 0x0f, 0x07, 0, 0, 0, 0, 0, 0, NONCE, TIME),
	  false, PROXY_CONVERT_TLV_MALFORMED },
	{ "nonce in 4 words", REQ,
	  TLVS(CLIENT4, DEST4, 0x84, 0x04, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, TIME),
	  false, PROXY_CONVERT_TLV_MALFORMED },
	{ "time in 2 words", REQ, TLVS(CLIENT4, DEST4, NONCE, 0x85, 0x02, 0, 0, 1, 2, 3, 4), false,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "result in 2 words", RESP, TLVS(0x86, 0x02, 0, 0, 0, 0, 0, 0, NONCE), false,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "AUTH with a reserved byte set", RESP,
	  TLVS(RESULT(0), NONCE, 0x87, 0x09, 0, 1, ZERO8, ZERO8, ZERO8, ZERO8), true,
	  PROXY_CONVERT_TLV_MALFORMED },
	/* One-word TLVs that end the message: nothing after them is read. */
	{ "CLIENT of 1 word, last", REQ, TLVS(0x81, 0x01, 0x9c, 0x40), true,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "DEST of 1 word, last", REQ, TLVS(0x82, 0x01, 0x01, 0xbb), true,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "TCPOPTS of 1 word, last", REQ, TLVS(0x03, 0x01, 0x05, 0xb4), true,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "NONCE of 1 word, last", RESP, TLVS(0x84, 0x01, 0, 0), true,
	  PROXY_CONVERT_TLV_MALFORMED },
	{ "TIME of 1 word, last", REQ, TLVS(0x85, 0x01, 0, 0), true, PROXY_CONVERT_TLV_MALFORMED },
	{ "AUTH of 1 word, last", RESP, TLVS(0x87, 0x01, 0, 0), true, PROXY_CONVERT_TLV_MALFORMED },
	{ "AUTH in 8 words", RESP,
	  TLVS(RESULT(0), NONCE, 0x87, 0x08, 0, 0, ZERO8, ZERO8, ZERO8, 0, 0, 0, 0), true,
	  PROXY_CONVERT_TLV_MALFORMED },
};

static void test_bad_tlvs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t buf[1024];
		struct proxy_convert_msg m;
		enum proxy_convert_reason why;
		size_t len = build(buf, c->kind, c->tlvs, c->n, c->no_auth);
		int rc = decode(buf, len, c->kind, &m, &why);

		if (why != c->want)
			fail_msg("%s: %s, want %s", c->what, proxy_convert_reason_names[why],
				 proxy_convert_reason_names[c->want]);
		assert_int_equal(rc, c->want == PROXY_CONVERT_OK ? (int)len : -EBADMSG);
		if (c->want != PROXY_CONVERT_OK)
			assert_true(all_zero(&m, sizeof(m)));
	}
}

static void test_unknown_tlv_skipped(void **state)
{
	uint8_t buf[256];
	struct proxy_convert_msg m;
	struct proxy_convert_replay rc;
	enum proxy_convert_reason why;
	struct proxy_convert_request want = vec_request();
	/* Two unknown non-critical TLVs (a future one, and type 0) in the
	 * middle: skipped, and covered by the HMAC like the rest. */
	size_t len = build(buf, REQ,
			   TLVS(CLIENT4, 0x10, 0x02, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, DEST4,
				0x00, 0x01, 0xff, 0xff, OPTS, NONCE, TIME),
			   false);

	(void)state;
	assert_int_equal(decode(buf, len, REQ, &m, &why), (int)len);
	assert_int_equal(m.skipped, 2);
	assert_request_equal(&m.req, &want);
	assert_int_equal(m.covered, len - PROXY_CONVERT_AUTH_TLV_LEN);
	/* Sign it as a peer would; the far box accepts it. */
	assert_int_equal(proxy_convert_auth_mac(&origin, buf, m.covered, buf + m.covered + 4), 0);
	assert_int_equal(decode(buf, len, REQ, &m, &why), (int)len);
	assert_int_equal(proxy_convert_replay_init(&rc, 8, PROXY_CONVERT_WINDOW_MS), 0);
	assert_int_equal(proxy_convert_check_request(&far, &rc, NOW, buf, &m), PROXY_CONVERT_OK);
	/* A byte of the skipped TLV changed: the HMAC says so. */
	buf[PROXY_CONVERT_HDR_LEN + 12 + 4] ^= 1;
	assert_int_equal(decode(buf, len, REQ, &m, &why), (int)len);
	assert_int_equal(proxy_convert_check_request(&far, &rc, NOW, buf, &m),
			 PROXY_CONVERT_AUTH_FAILED);
	proxy_convert_replay_free(&rc);
}

static void test_header_errors(void **state)
{
	static const struct {
		const char *what;
		size_t off;
		uint8_t val;
		enum proxy_convert_kind kind;
		enum proxy_convert_reason want;
	} cases[] = {
		{ "magic", 2, 0x6e, REQ, PROXY_CONVERT_BAD_MAGIC },
		{ "magic low byte", 3, 0x66, REQ, PROXY_CONVERT_BAD_MAGIC },
		{ "version 0", 0, 0, REQ, PROXY_CONVERT_BAD_VERSION },
		{ "version 2", 0, 2, REQ, PROXY_CONVERT_BAD_VERSION },
		{ "kind 0", 4, 0, REQ, PROXY_CONVERT_BAD_KIND },
		{ "kind 3", 4, 3, REQ, PROXY_CONVERT_BAD_KIND },
		{ "a request where a response is expected", 4, 1, RESP, PROXY_CONVERT_BAD_KIND },
		{ "length 0", 1, 0, REQ, PROXY_CONVERT_BAD_LENGTH },
		{ "length 1 word", 1, 1, REQ, PROXY_CONVERT_BAD_LENGTH },
		{ "129 words", 1, 129, REQ, PROXY_CONVERT_OVERSIZED },
		{ "255 words", 1, 255, REQ, PROXY_CONVERT_OVERSIZED },
		{ "reserved bytes: ignored", 5, 0xff, REQ, PROXY_CONVERT_OK },
		{ "shorter than its TLVs", 1, 26, REQ, PROXY_CONVERT_TLV_OVERRUN },
		{ "2 words: header alone", 1, 2, REQ, PROXY_CONVERT_AUTH_MISSING },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[sizeof(req_v4)];
		struct proxy_convert_msg m;
		enum proxy_convert_reason why;
		int rc;

		memcpy(buf, req_v4, sizeof(buf));
		buf[cases[i].off] = cases[i].val;
		/* Header errors are seen with the header alone. */
		if (cases[i].want != PROXY_CONVERT_OK && cases[i].want <= PROXY_CONVERT_OVERSIZED) {
			rc = decode(buf, PROXY_CONVERT_HDR_LEN, cases[i].kind, &m, &why);
			if (why != cases[i].want)
				fail_msg("%s (header alone): %s", cases[i].what,
					 proxy_convert_reason_names[why]);
			assert_int_equal(rc, why == PROXY_CONVERT_BAD_VERSION ? -EPROTONOSUPPORT
									      : -EBADMSG);
		}
		rc = decode(buf, sizeof(buf), cases[i].kind, &m, &why);
		if (why != cases[i].want)
			fail_msg("%s: %s", cases[i].what, proxy_convert_reason_names[why]);
		if (why == PROXY_CONVERT_OK)
			assert_int_equal(rc, 108);
		else
			assert_true(rc < 0);
	}
}

/* The largest message, and one word more. */
static void test_max_size(void **state)
{
	uint8_t tlvs[PROXY_CONVERT_MSG_MAX];
	uint8_t buf[PROXY_CONVERT_MSG_MAX + 4];
	static const uint8_t head[] = { CLIENT4, DEST4, NONCE, TIME };
	size_t pad = PROXY_CONVERT_MSG_MAX - PROXY_CONVERT_HDR_LEN - PROXY_CONVERT_AUTH_TLV_LEN -
		     sizeof(head);
	struct proxy_convert_msg m;
	enum proxy_convert_reason why;

	(void)state;
	memset(tlvs, 0, sizeof(tlvs));
	memcpy(tlvs, head, sizeof(head));
	/* An unknown non-critical TLV fills the rest. */
	tlvs[sizeof(head)] = 0x7f;
	tlvs[sizeof(head) + 1] = (uint8_t)(pad / 4);
	assert_int_equal(build(buf, REQ, tlvs, sizeof(head) + pad, false), PROXY_CONVERT_MSG_MAX);
	assert_int_equal(decode(buf, PROXY_CONVERT_MSG_MAX, REQ, &m, &why), PROXY_CONVERT_MSG_MAX);
	assert_int_equal(m.skipped, 1);
	assert_int_equal(proxy_convert_auth_mac(&origin, buf, m.covered, m.mac), 0);

	tlvs[sizeof(head) + 1]++;
	assert_int_equal(build(buf, REQ, tlvs, sizeof(head) + pad + 4, false),
			 PROXY_CONVERT_MSG_MAX + 4);
	assert_int_equal(decode(buf, PROXY_CONVERT_HDR_LEN, REQ, &m, &why), -EBADMSG);
	assert_int_equal(why, PROXY_CONVERT_OVERSIZED);
	/* The MAC helper refuses to cover more than a message can hold. */
	assert_int_equal(proxy_convert_auth_mac(&origin, buf, PROXY_CONVERT_MSG_MAX + 1, m.mac),
			 -EINVAL);
}

/* --- encoders' refusals ------------------------------------------------------------- */

static void test_encode_errors(void **state)
{
	uint8_t buf[PROXY_CONVERT_REQUEST_MAX];
	struct proxy_convert_request r;
	struct proxy_convert_response s;
	struct proxy_convert_auth a;

	(void)state;
	/* Too little room: -ENOSPC and not a byte written. */
	r = vec_request();
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(proxy_convert_encode_request(buf, 107, &r, &origin), -ENOSPC);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(proxy_convert_encode_request(buf, 108, &r, &origin), 108);
	assert_int_equal(buf[107], req_v4[107]);
	s = vec_response();
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(proxy_convert_encode_response(buf, 75, &s, &far), -ENOSPC);
	assert_int_equal(buf[0], 0xa5);
	s.result = PROXY_CONVERT_REFUSED;
	assert_int_equal(proxy_convert_encode_response(buf, 68, &s, &far), 68);

	/* What the format cannot carry. */
	r = vec_request();
	r.client.family = 0;
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &origin), -EINVAL);
	r = vec_request();
	r.dest.port = 0;
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &origin), -EINVAL);
	r = vec_request();
	r.dest.family = PROXY_CONVERT_AF_INET6;
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &origin), -EINVAL);
	r = vec_request();
	r.opts.wscale = 15;
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &origin), -EINVAL);
	r.opts.flags &= (uint8_t)~PROXY_CONVERT_OPT_WSCALE; /* not sent: no matter */
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &origin), 108);
	r = vec_request();
	r.opts.flags |= 0x10;
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &origin), -EINVAL);
	s = vec_response();
	s.opts.flags = 0x80;
	assert_int_equal(proxy_convert_encode_response(buf, sizeof(buf), &s, &far), -EINVAL);
	s.result = PROXY_CONVERT_TIMED_OUT; /* options not sent: not checked */
	assert_int_equal(proxy_convert_encode_response(buf, sizeof(buf), &s, &far), 68);

	/* No key, no role. */
	r = vec_request();
	a = origin;
	a.psk = NULL;
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &a), -EINVAL);
	a = origin;
	a.psk_len = 0;
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, &a), -EINVAL);
	a = origin;
	a.role = (enum proxy_convert_role)7;
	assert_int_equal(proxy_convert_encode_response(buf, sizeof(buf), &s, &a), -EINVAL);
	assert_int_equal(proxy_convert_auth_mac(&a, req_v4, 72, buf), -EINVAL);
	assert_int_equal(proxy_convert_encode_request(buf, sizeof(buf), &r, NULL), -EINVAL);
}

/* --- authentication -------------------------------------------------------------- */

static void test_hmac_coverage(void **state)
{
	uint8_t buf[sizeof(req_v4)], other[32];
	const uint8_t *mac = req_v4 + 76;
	struct proxy_convert_auth a;

	(void)state;
	assert_int_equal(proxy_convert_auth_verify(&far, req_v4, 72, mac), 0);
	/* Any single bit of the covered bytes. */
	for (size_t bit = 0; bit < 72 * 8; bit++) {
		memcpy(buf, req_v4, sizeof(buf));
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(proxy_convert_auth_verify(&far, buf, 72, mac), -EBADMSG);
	}
	/* Any single bit of the MAC. */
	for (size_t bit = 0; bit < PROXY_CONVERT_MAC_LEN * 8; bit++) {
		memcpy(other, mac, sizeof(other));
		other[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(proxy_convert_auth_verify(&far, req_v4, 72, other), -EBADMSG);
	}
	/* Coverage ends at the AUTH TLV: one byte less or more is another MAC. */
	assert_int_equal(proxy_convert_auth_verify(&far, req_v4, 71, mac), -EBADMSG);
	assert_int_equal(proxy_convert_auth_verify(&far, req_v4, 73, mac), -EBADMSG);
	/* The keys in the other order: the far box believing it originated. */
	a = far;
	a.role = PROXY_CONVERT_ROLE_ORIGIN;
	assert_int_equal(proxy_convert_auth_verify(&a, req_v4, 72, mac), -EBADMSG);
	a = origin;
	a.role = PROXY_CONVERT_ROLE_FAR;
	assert_int_equal(proxy_convert_auth_verify(&a, req_v4, 72, mac), -EBADMSG);
	/* Any bit of either MPTCP key. */
	for (int bit = 0; bit < 64; bit++) {
		a = far;
		a.key_local ^= 1ull << bit;
		assert_int_equal(proxy_convert_auth_verify(&a, req_v4, 72, mac), -EBADMSG);
		a = far;
		a.key_remote ^= 1ull << bit;
		assert_int_equal(proxy_convert_auth_verify(&a, req_v4, 72, mac), -EBADMSG);
	}
	/* A wrong PSK: one bit off, one byte short, another key. */
	memcpy(other, psk, sizeof(other));
	other[31] ^= 0x80;
	a = far;
	a.psk = other;
	assert_int_equal(proxy_convert_auth_verify(&a, req_v4, 72, mac), -EBADMSG);
	a = far;
	a.psk_len = 31;
	assert_int_equal(proxy_convert_auth_verify(&a, req_v4, 72, mac), -EBADMSG);
	a = far;
	a.psk = (const uint8_t *)"another pre-shared key, 32 bytes";
	assert_int_equal(proxy_convert_auth_verify(&a, req_v4, 72, mac), -EBADMSG);
}

static void test_check_request(void **state)
{
	struct proxy_convert_replay rc;
	struct proxy_convert_msg m, resp;
	enum proxy_convert_reason why;
	struct proxy_convert_auth a = far;
	uint8_t buf[sizeof(req_v4)];

	(void)state;
	assert_int_equal(proxy_convert_replay_init(&rc, 16, PROXY_CONVERT_WINDOW_MS), 0);
	assert_int_equal(decode(req_v4, sizeof(req_v4), REQ, &m, &why), 108);
	/* An unauthenticated request takes no cache slot. */
	a.key_remote ^= 1;
	assert_int_equal(proxy_convert_check_request(&a, &rc, NOW, req_v4, &m),
			 PROXY_CONVERT_AUTH_FAILED);
	assert_int_equal(rc.count, 0);
	a.psk = NULL;
	assert_int_equal(proxy_convert_check_request(&a, &rc, NOW, req_v4, &m),
			 PROXY_CONVERT_AUTH_ERROR);
	/* Accepted once; the same bytes again are a replay. */
	assert_int_equal(proxy_convert_check_request(&far, &rc, NOW + 5, req_v4, &m),
			 PROXY_CONVERT_OK);
	assert_int_equal(proxy_convert_check_request(&far, &rc, NOW + 6, req_v4, &m),
			 PROXY_CONVERT_REPLAY);
	/* A recorded request presented later than the window. */
	assert_int_equal(proxy_convert_check_request(&far, &rc, NOW + 30001, req_v4, &m),
			 PROXY_CONVERT_STALE);
	/* The wrong kind of message for the check. */
	assert_int_equal(decode(resp_connected, sizeof(resp_connected), RESP, &resp, &why), 76);
	assert_int_equal(proxy_convert_check_request(&far, &rc, NOW, resp_connected, &resp),
			 PROXY_CONVERT_BAD_KIND);
	assert_int_equal(proxy_convert_check_response(&origin, nonce_a0, req_v4, &m),
			 PROXY_CONVERT_BAD_KIND);
	/* A bit flipped anywhere in the covered bytes: refused at decode or
	 * at the check, never accepted, and the cache is not touched. */
	proxy_convert_replay_free(&rc);
	assert_int_equal(proxy_convert_replay_init(&rc, 16, PROXY_CONVERT_WINDOW_MS), 0);
	for (size_t bit = 0; bit < 72 * 8; bit++) {
		int n;

		memcpy(buf, req_v4, sizeof(buf));
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		n = decode(buf, sizeof(buf), REQ, &m, &why);
		if (n > 0)
			assert_int_equal(proxy_convert_check_request(&far, &rc, NOW, buf, &m),
					 PROXY_CONVERT_AUTH_FAILED);
		else if (n < 0)
			assert_int_not_equal(why, PROXY_CONVERT_OK);
		/* n == 0: a longer length, still waiting for it */
	}
	assert_int_equal(rc.count, 0);
	proxy_convert_replay_free(&rc);
}

static void test_check_response(void **state)
{
	struct proxy_convert_msg m;
	enum proxy_convert_reason why;
	uint8_t other[PROXY_CONVERT_NONCE_LEN];
	struct proxy_convert_auth a = origin;

	(void)state;
	assert_int_equal(decode(resp_connected, sizeof(resp_connected), RESP, &m, &why), 76);
	assert_int_equal(proxy_convert_check_response(&origin, nonce_a0, resp_connected, &m),
			 PROXY_CONVERT_OK);
	memcpy(other, nonce_a0, sizeof(other));
	other[15] ^= 1;
	assert_int_equal(proxy_convert_check_response(&origin, other, resp_connected, &m),
			 PROXY_CONVERT_NONCE_MISMATCH);
	a.role = PROXY_CONVERT_ROLE_FAR;
	assert_int_equal(proxy_convert_check_response(&a, nonce_a0, resp_connected, &m),
			 PROXY_CONVERT_AUTH_FAILED);
}

/* --- replay cache ----------------------------------------------------------------- */

static void nonce_of(uint8_t n[PROXY_CONVERT_NONCE_LEN], uint32_t id)
{
	memset(n, 0, PROXY_CONVERT_NONCE_LEN);
	/* Spread over both halves, as random nonces are. */
	for (int i = 0; i < 4; i++) {
		n[i] = (uint8_t)(id >> (8 * i));
		n[12 + i] = (uint8_t)((id * 2654435761u) >> (8 * i));
	}
}

static enum proxy_convert_reason check_id(struct proxy_convert_replay *rc, uint32_t id, uint64_t t,
					  uint64_t now)
{
	uint8_t n[PROXY_CONVERT_NONCE_LEN];

	nonce_of(n, id);
	return proxy_convert_replay_check(rc, n, t, now);
}

static void test_replay_basic(void **state)
{
	struct proxy_convert_replay rc;

	(void)state;
	assert_int_equal(proxy_convert_replay_init(&rc, 0, 1000), -EINVAL);
	assert_int_equal(proxy_convert_replay_init(&rc, (1u << 30) + 1, 1000), -EINVAL);
	assert_int_equal(proxy_convert_replay_init(&rc, 8, 30000), 0);
	/* Same nonce twice, whatever the time. */
	assert_int_equal(check_id(&rc, 1, NOW, NOW), PROXY_CONVERT_OK);
	assert_int_equal(check_id(&rc, 1, NOW, NOW), PROXY_CONVERT_REPLAY);
	assert_int_equal(check_id(&rc, 1, NOW + 1, NOW + 2), PROXY_CONVERT_REPLAY);
	/* The window's edges: +-30 s is in, a millisecond more is out. */
	assert_int_equal(check_id(&rc, 2, NOW - 30000, NOW), PROXY_CONVERT_OK);
	assert_int_equal(check_id(&rc, 3, NOW + 30000, NOW), PROXY_CONVERT_OK);
	assert_int_equal(check_id(&rc, 4, NOW - 30001, NOW), PROXY_CONVERT_STALE);
	assert_int_equal(check_id(&rc, 5, NOW + 30001, NOW), PROXY_CONVERT_FUTURE);
	assert_int_equal(check_id(&rc, 6, 0, NOW), PROXY_CONVERT_STALE);
	assert_int_equal(check_id(&rc, 7, UINT64_MAX, NOW), PROXY_CONVERT_FUTURE);
	/* A stale or future one was not remembered. */
	assert_int_equal(check_id(&rc, 4, NOW, NOW), PROXY_CONVERT_OK);
	assert_int_equal(rc.count, 4);
	/* Near 0 and near the top of the clock: no wrap. */
	proxy_convert_replay_free(&rc);
	assert_int_equal(proxy_convert_replay_init(&rc, 8, 30000), 0);
	assert_int_equal(check_id(&rc, 1, 0, 10), PROXY_CONVERT_OK);
	assert_int_equal(check_id(&rc, 2, 30010, 10), PROXY_CONVERT_OK);
	assert_int_equal(check_id(&rc, 3, 30011, 10), PROXY_CONVERT_FUTURE);
	assert_int_equal(check_id(&rc, 4, UINT64_MAX, UINT64_MAX - 5), PROXY_CONVERT_OK);
	proxy_convert_replay_free(&rc);
}

static void test_replay_age_eviction(void **state)
{
	struct proxy_convert_replay rc;

	(void)state;
	assert_int_equal(proxy_convert_replay_init(&rc, 4, 30000), 0);
	for (uint32_t id = 0; id < 4; id++)
		assert_int_equal(check_id(&rc, id, NOW + id * 1000, NOW + id * 1000),
				 PROXY_CONVERT_OK);
	assert_int_equal(rc.count, 4);
	/* 31.5 s later the first two have left the window: dropped, room for
	 * two more without pushing anything out. */
	assert_int_equal(check_id(&rc, 10, NOW + 31500, NOW + 31500), PROXY_CONVERT_OK);
	assert_int_equal(rc.count, 3);
	assert_int_equal(rc.evicted_full, 0);
	/* The dropped ones cannot come back: too old by the window... */
	assert_int_equal(check_id(&rc, 0, NOW, NOW + 31500), PROXY_CONVERT_STALE);
	/* ...and even if the clock stepped back, by the floor. */
	assert_true(rc.has_floor);
	assert_int_equal(rc.floor_ms, NOW + 1000);
	assert_int_equal(check_id(&rc, 0, NOW, NOW), PROXY_CONVERT_REPLAY_FLOOR);
	assert_int_equal(check_id(&rc, 1, NOW + 1000, NOW), PROXY_CONVERT_REPLAY_FLOOR);
	/* Still cached: a replay. */
	assert_int_equal(check_id(&rc, 2, NOW + 2000, NOW + 31500), PROXY_CONVERT_REPLAY);
	/* Long after, everything ages out. */
	assert_int_equal(check_id(&rc, 11, NOW + 100000, NOW + 100000), PROXY_CONVERT_OK);
	assert_int_equal(rc.count, 1);
	assert_int_equal(rc.floor_ms, NOW + 31500);
	/* An old nonce with a fresh time is a new request as far as the cache
	 * can tell (the HMAC binds the time). */
	assert_int_equal(check_id(&rc, 2, NOW + 100001, NOW + 100000), PROXY_CONVERT_OK);
	proxy_convert_replay_free(&rc);
}

static void test_replay_full(void **state)
{
	struct proxy_convert_replay rc;

	(void)state;
	assert_int_equal(proxy_convert_replay_init(&rc, 4, 30000), 0);
	for (uint32_t id = 0; id < 4; id++)
		assert_int_equal(check_id(&rc, id, NOW + id, NOW + 10), PROXY_CONVERT_OK);
	/* Full, all within the window: the oldest is pushed out and the floor
	 * rises to its time. The newcomer is accepted. */
	assert_int_equal(check_id(&rc, 4, NOW + 10, NOW + 10), PROXY_CONVERT_OK);
	assert_int_equal(rc.count, 4);
	assert_int_equal(rc.evicted_full, 1);
	assert_int_equal(rc.floor_ms, NOW);
	/* The pushed-out request replayed: refused by the floor. */
	assert_int_equal(check_id(&rc, 0, NOW, NOW + 10), PROXY_CONVERT_REPLAY_FLOOR);
	/* Those still cached: replays. */
	for (uint32_t id = 1; id <= 4; id++)
		assert_int_equal(check_id(&rc, id, NOW + 10, NOW + 10), PROXY_CONVERT_REPLAY);
	/* A fresh request no newer than the floor is refused too: the price
	 * of a full cache. Newer ones pass, each pushing out the oldest. */
	assert_int_equal(check_id(&rc, 5, NOW, NOW + 10), PROXY_CONVERT_REPLAY_FLOOR);
	assert_int_equal(check_id(&rc, 6, NOW + 11, NOW + 11), PROXY_CONVERT_OK);
	assert_int_equal(rc.evicted_full, 2);
	assert_int_equal(rc.floor_ms, NOW + 1);
	assert_int_equal(check_id(&rc, 1, NOW + 1, NOW + 11), PROXY_CONVERT_REPLAY_FLOOR);
	/* Arrival order is not time order: 8 comes after 7 with an older
	 * time. Pushed out later, it does not lower the floor. */
	assert_int_equal(check_id(&rc, 7, NOW + 100, NOW + 100), PROXY_CONVERT_OK);
	assert_int_equal(check_id(&rc, 8, NOW + 50, NOW + 100), PROXY_CONVERT_OK);
	assert_int_equal(rc.floor_ms, NOW + 3);
	assert_int_equal(check_id(&rc, 9, NOW + 100, NOW + 100), PROXY_CONVERT_OK); /* pops 4 */
	assert_int_equal(check_id(&rc, 10, NOW + 100, NOW + 100), PROXY_CONVERT_OK); /* pops 6 */
	assert_int_equal(check_id(&rc, 11, NOW + 100, NOW + 100), PROXY_CONVERT_OK); /* pops 7 */
	assert_int_equal(rc.floor_ms, NOW + 100);
	assert_int_equal(check_id(&rc, 12, NOW + 101, NOW + 101), PROXY_CONVERT_OK); /* pops 8 */
	assert_int_equal(rc.floor_ms, NOW + 100);
	assert_int_equal(check_id(&rc, 8, NOW + 50, NOW + 101), PROXY_CONVERT_REPLAY_FLOOR);
	proxy_convert_replay_free(&rc);
}

/* The cache against a plain model (a FIFO scanned linearly), over many
 * random operations with a small cache: collisions in the index, deletions
 * from its middle, wrap of the ring. */
struct model {
	uint32_t id[64];
	uint64_t t[64];
	unsigned n;
	uint64_t floor;
	bool has_floor;
};

static void model_pop(struct model *md)
{
	if (!md->has_floor || md->t[0] > md->floor)
		md->floor = md->t[0];
	md->has_floor = true;
	memmove(md->id, md->id + 1, (md->n - 1) * sizeof(md->id[0]));
	memmove(md->t, md->t + 1, (md->n - 1) * sizeof(md->t[0]));
	md->n--;
}

static enum proxy_convert_reason model_check(struct model *md, unsigned cap, uint64_t w,
					     uint32_t id, uint64_t t, uint64_t now)
{
	while (md->n > 0 && md->t[0] < now && now - md->t[0] > w)
		model_pop(md);
	if (t < now && now - t > w)
		return PROXY_CONVERT_STALE;
	if (t > now && t - now > w)
		return PROXY_CONVERT_FUTURE;
	for (unsigned i = 0; i < md->n; i++)
		if (md->id[i] == id)
			return PROXY_CONVERT_REPLAY;
	if (md->has_floor && t <= md->floor)
		return PROXY_CONVERT_REPLAY_FLOOR;
	if (md->n == cap)
		model_pop(md);
	md->id[md->n] = id;
	md->t[md->n] = t;
	md->n++;
	return PROXY_CONVERT_OK;
}

/* Every cached nonce is found through the index, and the index holds
 * nothing else. */
static void check_index(const struct proxy_convert_replay *rc, const struct model *md)
{
	uint8_t n[PROXY_CONVERT_NONCE_LEN];
	uint32_t used = 0;

	for (uint32_t i = 0; i <= rc->mask; i++)
		used += rc->index[i] != 0;
	assert_int_equal(used, md->n);
	for (unsigned i = 0; i < md->n; i++) {
		nonce_of(n, md->id[i]);
		assert_true(proxy_convert_replay_has(rc, n));
	}
}

static void test_replay_model(void **state)
{
	static const unsigned caps[] = { 1, 2, 3, 7, 16, 64 };
	uint64_t seed = 0x243f6a8885a308d3ull;

	(void)state;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct proxy_convert_replay rc;
		struct model md;
		uint64_t now = NOW, w = 1000;
		unsigned counts[PROXY_CONVERT_REASON_MAX] = { 0 };

		memset(&md, 0, sizeof(md));
		assert_int_equal(proxy_convert_replay_init(&rc, caps[c], w), 0);
		for (int op = 0; op < 20000; op++) {
			uint32_t id;
			uint64_t t;
			enum proxy_convert_reason got, want;

			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			now += (seed >> 33) % 97; /* mostly forward */
			if ((seed >> 20) % 50 == 0)
				now -= 800; /* the clock steps back now and then */
			id = (uint32_t)((seed >> 40) % 200); /* nonces recur */
			t = now + (seed >> 8) % 2400 - 1200; /* some outside +-w */
			want = model_check(&md, caps[c], w, id, t, now);
			got = check_id(&rc, id, t, now);
			if (got != want)
				fail_msg("cap %u op %d: %s, model says %s", caps[c], op,
					 proxy_convert_reason_names[got],
					 proxy_convert_reason_names[want]);
			counts[got]++;
			assert_int_equal(rc.count, md.n);
			check_index(&rc, &md);
		}
		/* Every path was taken. */
		assert_true(counts[PROXY_CONVERT_OK] > 0 && counts[PROXY_CONVERT_STALE] > 0 &&
			    counts[PROXY_CONVERT_FUTURE] > 0 && counts[PROXY_CONVERT_REPLAY] > 0 &&
			    counts[PROXY_CONVERT_REPLAY_FLOOR] > 0);
		proxy_convert_replay_free(&rc);
	}
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < PROXY_CONVERT_REASON_MAX; i++) {
		assert_non_null(proxy_convert_reason_names[i]);
		assert_memory_equal(proxy_convert_reason_names[i], "convert_", 8);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(proxy_convert_reason_names[i],
						proxy_convert_reason_names[j]);
	}
	assert_string_equal(proxy_convert_reason_names[PROXY_CONVERT_BAD_VERSION],
			    "convert_bad_version");
	assert_string_equal(proxy_convert_reason_names[PROXY_CONVERT_AUTH_FAILED],
			    "convert_auth_failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_layout),
		cmocka_unit_test(test_response_layout),
		cmocka_unit_test(test_round_trip_request),
		cmocka_unit_test(test_round_trip_response),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_prefix_of_bad_header),
		cmocka_unit_test(test_bad_tlvs),
		cmocka_unit_test(test_unknown_tlv_skipped),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_hmac_coverage),
		cmocka_unit_test(test_check_request),
		cmocka_unit_test(test_check_response),
		cmocka_unit_test(test_replay_basic),
		cmocka_unit_test(test_replay_age_eviction),
		cmocka_unit_test(test_replay_full),
		cmocka_unit_test(test_replay_model),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
