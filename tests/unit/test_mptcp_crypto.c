/* SPDX-License-Identifier: BSD-3-Clause */
/* Known answers for the MPTCP v1 derivations (mptcp/crypto.c). Every
 * expected value was computed apart from this code, with the OpenSSL command
 * line (the command is above each value), or is a Linux kernel test vector.
 * Keys below: Key-A = 0x0123456789abcdef (initiator), Key-B =
 * 0x3b5e11c20877a490 (the key a Linux listener sent in the SYN/ACK captured
 * in test_tcp_options.c); nonces R-A = 0x11223344, R-B = 0xa1b2c3d4. */
#include <errno.h>
#include <setjmp.h> /* before cmocka.h */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mptcp/crypto.h"

#define KEY_A 0x0123456789abcdefull
#define KEY_B 0x3b5e11c20877a490ull
#define R_A 0x11223344u
#define R_B 0xa1b2c3d4u

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(s), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + (size_t)j];
			v = v << 4 | (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		out[i] = (uint8_t)v;
	}
}

static void test_key_derive(void **state)
{
	/* printf '\x..' (the key's 8 bytes, big-endian) | openssl dgst -sha256
	 * token = the first 8 hex digits, IDSN = the last 16. */
	static const struct {
		uint64_t key;
		uint32_t token;
		uint64_t idsn;
	} v[] = {
		/* printf '\x3b\x5e\x11\xc2\x08\x77\xa4\x90' | openssl dgst -sha256
		 * 3505364804d9f53c096eb702ac53a3e386c4383e608df71b4d138472837d6515 */
		{ 0x3b5e11c20877a490ull, 0x35053648u, 0x4d138472837d6515ull },
		/* printf '\x00\x00\x00\x00\x00\x00\x00\x00' | openssl dgst -sha256
		 * af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc */
		{ 0, 0xaf5570f5u, 0xe5b2328de0e83dfcull },
		/* printf '\x01\x23\x45\x67\x89\xab\xcd\xef' | openssl dgst -sha256
		 * 55c53f5d490297900cefa825d0c8e8e9532ee8a118abe7d8570762cd38be9818 */
		{ 0x0123456789abcdefull, 0x55c53f5du, 0x570762cd38be9818ull },
		/* printf '\xff\xff\xff\xff\xff\xff\xff\xff' | openssl dgst -sha256
		 * 12a3ae445661ce5dee78d0650d33362dec29c4f82af05e7e57fb595bbbacf0ca */
		{ ~0ull, 0x12a3ae44u, 0x57fb595bbbacf0caull },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t token = 0;
		uint64_t idsn = 0;

		assert_int_equal(mptcp_crypto_key_derive(v[i].key, &token, &idsn), 0);
		assert_int_equal(token, v[i].token);
		assert_int_equal(idsn, v[i].idsn);
		/* Either output may be left out. */
		token = 0;
		assert_int_equal(mptcp_crypto_key_derive(v[i].key, &token, NULL), 0);
		assert_int_equal(token, v[i].token);
		idsn = 0;
		assert_int_equal(mptcp_crypto_key_derive(v[i].key, NULL, &idsn), 0);
		assert_int_equal(idsn, v[i].idsn);
	}
}

/* Linux's KUnit vectors (net/mptcp/crypto_test.c): the 16-character ASCII
 * key split into key1 and key2 big-endian, the 8-character ASCII message.
 * Checked with, e.g.:
 *   printf '48692054' | openssl dgst -sha256 -mac HMAC -macopt key:0b0b0b0b0b0b0b0b */
static void test_hmac_linux_vectors(void **state)
{
	static const struct {
		uint64_t key1, key2;
		const char *msg, *mac;
	} v[] = {
		{ 0x3062306230623062ull, 0x3062306230623062ull, "48692054", /* "0b0b0b0b" x2 */
		  "8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa" },
		{ 0x6161616161616161ull, 0x6161616161616161ull, "dddddddd", /* "aaaaaaaa" x2 */
		  "2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9" },
		{ 0x3031303230333034ull, 0x3035303630373038ull, "cdcdcdcd", /* "0102030405060708" */
		  "e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t want[MPTCP_CRYPTO_HMAC_LEN], got[MPTCP_CRYPTO_HMAC_LEN];

		unhex(v[i].mac, want, sizeof(want));
		assert_int_equal(
			mptcp_crypto_hmac(v[i].key1, v[i].key2, (const uint8_t *)v[i].msg, 8, got),
			0);
		assert_memory_equal(got, want, sizeof(want));
	}
}

static void test_hmac_empty_message(void **state)
{
	/* printf '' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0123456789abcdef3b5e11c20877a490 */
	static const char want_hex[] =
		"81520768a746d1e489e6d86f50a6de897adf98e5477352f72d4c59ac33ccf6f0";
	uint8_t want[MPTCP_CRYPTO_HMAC_LEN], got[MPTCP_CRYPTO_HMAC_LEN];

	(void)state;
	unhex(want_hex, want, sizeof(want));
	assert_int_equal(mptcp_crypto_hmac(KEY_A, KEY_B, NULL, 0, got), 0);
	assert_memory_equal(got, want, sizeof(want));
}

/* SYN/ACK: HMAC(Key=(Key-B + Key-A), Msg=(R-B + R-A)), leftmost 64 bits.
 *   printf '\xa1\xb2\xc3\xd4\x11\x22\x33\x44' |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:3b5e11c20877a4900123456789abcdef
 *   19eeafbf9e48f5d1983a95d9c8983fc7a93f2505af5a5f9bb38f23bf76ea4ff0 */
#define SYNACK_THMAC 0x19eeafbf9e48f5d1ull
#define SYNACK_RIGHT64 0xb38f23bf76ea4ff0ull

static void test_join_synack(void **state)
{
	uint64_t thmac = 0;

	(void)state;
	assert_int_equal(mptcp_crypto_join_synack_hmac(KEY_B, KEY_A, R_B, R_A, &thmac), 0);
	assert_int_equal(thmac, SYNACK_THMAC);
	assert_true(mptcp_crypto_join_synack_verify(KEY_B, KEY_A, R_B, R_A, SYNACK_THMAC));
	/* Any one bit changed is refused. */
	for (int bit = 0; bit < 64; bit++)
		assert_false(mptcp_crypto_join_synack_verify(KEY_B, KEY_A, R_B, R_A,
							     SYNACK_THMAC ^ (1ull << bit)));
	/* The other end of the digest, or the roles swapped, is not it. */
	assert_false(mptcp_crypto_join_synack_verify(KEY_B, KEY_A, R_B, R_A, SYNACK_RIGHT64));
	assert_false(mptcp_crypto_join_synack_verify(KEY_A, KEY_B, R_A, R_B, SYNACK_THMAC));
	/* A different nonce or key. */
	assert_false(mptcp_crypto_join_synack_verify(KEY_B, KEY_A, R_B ^ 1, R_A, SYNACK_THMAC));
	assert_false(mptcp_crypto_join_synack_verify(KEY_B, KEY_A ^ (1ull << 63), R_B, R_A,
						     SYNACK_THMAC));
}

static void test_join_ack(void **state)
{
	/* Third ACK: HMAC(Key=(Key-A + Key-B), Msg=(R-A + R-B)), leftmost 160 bits.
	 *   printf '\x11\x22\x33\x44\xa1\xb2\xc3\xd4' |
	 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:0123456789abcdef3b5e11c20877a490
	 *   0e217bb25537b23dbbf60657359b14a577f0797dc0c848c1dab984d063d5a94c */
	static const char want_hex[] = "0e217bb25537b23dbbf60657359b14a577f0797d";
	uint8_t want[MPTCP_CRYPTO_JOIN_ACK_LEN], got[MPTCP_CRYPTO_JOIN_ACK_LEN];
	uint8_t full[MPTCP_CRYPTO_HMAC_LEN];

	(void)state;
	unhex(want_hex, want, sizeof(want));
	assert_int_equal(mptcp_crypto_join_ack_hmac(KEY_A, KEY_B, R_A, R_B, got), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_true(mptcp_crypto_join_ack_verify(KEY_A, KEY_B, R_A, R_B, want));
	for (int bit = 0; bit < 8 * MPTCP_CRYPTO_JOIN_ACK_LEN; bit++) {
		uint8_t m[MPTCP_CRYPTO_JOIN_ACK_LEN];

		memcpy(m, want, sizeof(m));
		m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(mptcp_crypto_join_ack_verify(KEY_A, KEY_B, R_A, R_B, m));
	}
	/* The rightmost 160 bits are not it; nor are the SYN/ACK's roles. */
	unhex("0e217bb25537b23dbbf60657359b14a577f0797dc0c848c1dab984d063d5a94c", full,
	      sizeof(full));
	assert_false(mptcp_crypto_join_ack_verify(KEY_A, KEY_B, R_A, R_B,
						  full + sizeof(full) - MPTCP_CRYPTO_JOIN_ACK_LEN));
	assert_false(mptcp_crypto_join_ack_verify(KEY_B, KEY_A, R_B, R_A, want));
}

static void test_join_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		uint64_t ka, kb, thmac;
		uint32_t ra, rb;
		uint8_t mac[MPTCP_CRYPTO_JOIN_ACK_LEN];

		assert_int_equal(mptcp_crypto_random(&ka, sizeof(ka)), 0);
		assert_int_equal(mptcp_crypto_random(&kb, sizeof(kb)), 0);
		assert_int_equal(mptcp_crypto_random(&ra, sizeof(ra)), 0);
		assert_int_equal(mptcp_crypto_random(&rb, sizeof(rb)), 0);
		/* What B sends, A accepts; what A sends, B accepts. */
		assert_int_equal(mptcp_crypto_join_synack_hmac(kb, ka, rb, ra, &thmac), 0);
		assert_true(mptcp_crypto_join_synack_verify(kb, ka, rb, ra, thmac));
		assert_int_equal(mptcp_crypto_join_ack_hmac(ka, kb, ra, rb, mac), 0);
		assert_true(mptcp_crypto_join_ack_verify(ka, kb, ra, rb, mac));
	}
}

/* ADD_ADDR: rightmost 64 bits of HMAC(Key=(sender + receiver), Msg=(ID + address + port)). */
static const uint8_t v4[4] = { 192, 0, 2, 1 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void test_add_addr(void **state)
{
	static const struct {
		uint64_t ks, kr;
		uint8_t id;
		const uint8_t *addr;
		size_t len;
		uint16_t port;
		uint64_t ahmac;
	} v[] = {
		/* A announces 192.0.2.1, ID 1, no port (hashed as port 0):
		 * printf '\x01\xc0\x00\x02\x01\x00\x00' |
		 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:0123456789abcdef3b5e11c20877a490
		 * 47a4f970b460bcba4899355713b037f4c4a5d7117b25575a34c4c84b448e1ab4 */
		{ KEY_A, KEY_B, 1, v4, 4, 0, 0x34c4c84b448e1ab4ull },
		/* The same with port 8080:
		 * printf '\x01\xc0\x00\x02\x01\x1f\x90' |
		 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:0123456789abcdef3b5e11c20877a490
		 * 4339bb104efdbeb3fc1f4d67e730085378e6467d99b3e8112d8bf5e2d5fd543e */
		{ KEY_A, KEY_B, 1, v4, 4, 8080, 0x2d8bf5e2d5fd543eull },
		/* A announces 2001:db8::1, ID 2, no port:
		 * printf '\x02\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00' |
		 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:0123456789abcdef3b5e11c20877a490
		 * e418360ab25efa4991c306b7ddbe39f323f35fd983816e18cdd892ff8c1102cd */
		{ KEY_A, KEY_B, 2, v6, 16, 0, 0xcdd892ff8c1102cdull },
		/* B announces 2001:db8::2, ID 3, port 443 (keys B + A):
		 * printf '\x03\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x01\xbb' |
		 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:3b5e11c20877a4900123456789abcdef
		 * 4b7d049c8b6ecdac145ca9a9e5dcd2659c9af0125545a2c619219cdfa3058033 */
		{ KEY_B, KEY_A, 3, v6b, 16, 443, 0x19219cdfa3058033ull },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t ahmac = 0;

		assert_int_equal(mptcp_crypto_add_addr_hmac(v[i].ks, v[i].kr, v[i].id, v[i].addr,
							    v[i].len, v[i].port, &ahmac),
				 0);
		assert_int_equal(ahmac, v[i].ahmac);
		assert_true(mptcp_crypto_add_addr_verify(v[i].ks, v[i].kr, v[i].id, v[i].addr,
							 v[i].len, v[i].port, v[i].ahmac));
		for (int bit = 0; bit < 64; bit++)
			assert_false(mptcp_crypto_add_addr_verify(v[i].ks, v[i].kr, v[i].id,
								  v[i].addr, v[i].len, v[i].port,
								  v[i].ahmac ^ (1ull << bit)));
		/* Each field is covered: keys in the other order, another ID,
		 * port and address. */
		assert_false(mptcp_crypto_add_addr_verify(v[i].kr, v[i].ks, v[i].id, v[i].addr,
							  v[i].len, v[i].port, v[i].ahmac));
		assert_false(mptcp_crypto_add_addr_verify(v[i].ks, v[i].kr, v[i].id ^ 1, v[i].addr,
							  v[i].len, v[i].port, v[i].ahmac));
		assert_false(mptcp_crypto_add_addr_verify(v[i].ks, v[i].kr, v[i].id, v[i].addr,
							  v[i].len, (uint16_t)(v[i].port ^ 1),
							  v[i].ahmac));
		uint8_t a[16];
		memcpy(a, v[i].addr, v[i].len);
		a[v[i].len - 1] ^= 0x80;
		assert_false(mptcp_crypto_add_addr_verify(v[i].ks, v[i].kr, v[i].id, a, v[i].len,
							  v[i].port, v[i].ahmac));
	}
	/* The leftmost 64 bits (what Linux sent before its 2020 fix) are
	 * refused. */
	assert_false(
		mptcp_crypto_add_addr_verify(KEY_A, KEY_B, 1, v4, 4, 0, 0x47a4f970b460bcbaull));
}

static void test_add_addr_bad_length(void **state)
{
	uint64_t ahmac = 1;

	(void)state;
	assert_int_equal(mptcp_crypto_add_addr_hmac(KEY_A, KEY_B, 1, v6, 5, 0, &ahmac), -EINVAL);
	assert_int_equal(ahmac, 0);
	assert_false(mptcp_crypto_add_addr_verify(KEY_A, KEY_B, 1, v6, 0, 0, 0));
}

static void test_random(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 }, zero[32] = { 0 };

	(void)state;
	assert_int_equal(mptcp_crypto_random(a, sizeof(a)), 0);
	assert_int_equal(mptcp_crypto_rand_default(NULL, b, sizeof(b)), 0);
	/* 2^-256 to fail by chance. */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_int_equal(mptcp_crypto_random(a, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_derive),
		cmocka_unit_test(test_hmac_linux_vectors),
		cmocka_unit_test(test_hmac_empty_message),
		cmocka_unit_test(test_join_synack),
		cmocka_unit_test(test_join_ack),
		cmocka_unit_test(test_join_round_trip),
		cmocka_unit_test(test_add_addr),
		cmocka_unit_test(test_add_addr_bad_length),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
