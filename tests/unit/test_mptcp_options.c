/* SPDX-License-Identifier: BSD-3-Clause */
/* MPTCP option codec: byte images of every option in the layout Linux
 * sends (a real SYN-ACK, the rest built from RFC 8684's figures and
 * net/mptcp/options.c), every length against a table written here from the
 * RFC, truncations, unknown subtypes, duplicates, the round trip over every
 * layout and flag combination, the writers' room limit, the 64-bit sequence
 * expansion around the wraps, and the DSS checksum against a byte-at-a-time
 * implementation and tcpstack's. Under ASan each parsed option sits in a
 * heap buffer of exactly its length, so a read one byte too far is
 * reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_byteorder.h>

#include "mptcp/options.h"
#include "tcpstack/tcp_options.h"
#include "tcpstack/tcpstack.h"

#define KEY_A 0x3b, 0x5e, 0x11, 0xc2, 0x08, 0x77, 0xa4, 0x90 /* server's, from the capture */
#define KEY_B 0x8f, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd
#define EIGHT 0xf1, 0xe2, 0xd3, 0xc4, 0xb5, 0xa6, 0x97, 0x88
#define V4_ADDR 0xc0, 0xa8, 0x01, 0x02 /* 192.168.1.2 */
#define V6_ADDR 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 /* 2001:db8::1 */

/* MP_CAPABLE v1. The SYN-ACK is a real Linux one (flags A and H); the
 * others are what Linux sends with checksums off (H only) or on (A, H). */
static const uint8_t mpc_syn[] = { 0x1e, 0x04, 0x01, 0x01 };
static const uint8_t mpc_synack[] = { 0x1e, 0x0c, 0x01, 0x81, KEY_A };
static const uint8_t mpc_ack[] = { 0x1e, 0x14, 0x01, 0x01, KEY_B, KEY_A };
static const uint8_t mpc_ack_data[] = { 0x1e, 0x16, 0x01, 0x01, KEY_B, KEY_A, 0x05, 0xa8 };
static const uint8_t mpc_ack_data_csum[] = {
	0x1e, 0x18, 0x01, 0x81, KEY_B, KEY_A, 0x05, 0xa8, 0x6b, 0x2c,
};
/* RFC 6824 (v0) SYN: 12 bytes with the sender's key. */
static const uint8_t mpc_v0_syn[] = { 0x1e, 0x0c, 0x00, 0x81, KEY_B };

/* MP_JOIN: SYN (backup, id 2, token, nonce), SYN-ACK (id 5, truncated
 * HMAC, nonce), third ACK (160-bit HMAC; reserved bits 0). */
static const uint8_t join_syn[] = {
	0x1e, 0x0c, 0x11, 0x02, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
};
static const uint8_t join_synack[] = {
	0x1e, 0x10, 0x10, 0x05, EIGHT, 0x0a, 0x0b, 0x0c, 0x0d,
};
static const uint8_t join_ack[] = {
	0x1e, 0x18, 0x10, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xfe, 0xdc, 0xba, 0x98,
};

/* DSS as Linux sends it: 64-bit data ACK alone ("mptcp 12 dss ack"), a
 * mapping with 64-bit DSN and data ACK ("mptcp 26 dss"), the same with a
 * checksum, DATA_FIN on an empty mapping (subflow seq 0, length 1), a
 * mapping before the data ACK can be sent, and a 32-bit data ACK. */
static const uint8_t dss_ack64[] = { 0x1e, 0x0c, 0x20, 0x03, KEY_A };
static const uint8_t dss_map[] = {
	0x1e, 0x1a, 0x20, 0x0f, KEY_A, KEY_B, 0x00, 0x00, 0x00, 0x01, 0x00, 0x64,
};
static const uint8_t dss_map_csum[] = {
	0x1e, 0x1c, 0x20, 0x0f, KEY_A, KEY_B, 0x00, 0x00, 0x00, 0x01, 0x00, 0x64, 0x12, 0x34,
};
static const uint8_t dss_fin[] = {
	0x1e, 0x1a, 0x20, 0x1f, KEY_A, KEY_B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
};
static const uint8_t dss_map_noack[] = {
	0x1e, 0x12, 0x20, 0x0c, KEY_B, 0x00, 0x00, 0x05, 0xdd, 0x05, 0xa8,
};
static const uint8_t dss_ack32[] = { 0x1e, 0x08, 0x20, 0x01, 0xde, 0xad, 0xbe, 0xef };

/* ADD_ADDR: IPv4 and IPv6, without and with port, with HMAC or echo. */
static const uint8_t aa4[] = { 0x1e, 0x10, 0x30, 0x01, V4_ADDR, EIGHT };
static const uint8_t aa4_port[] = { 0x1e, 0x12, 0x30, 0x01, V4_ADDR, 0x1f, 0x90, EIGHT };
static const uint8_t aa4_echo[] = { 0x1e, 0x08, 0x31, 0x01, V4_ADDR };
static const uint8_t aa4_port_echo[] = { 0x1e, 0x0a, 0x31, 0x01, V4_ADDR, 0x1f, 0x90 };
static const uint8_t aa6[] = { 0x1e, 0x1c, 0x30, 0x02, V6_ADDR, EIGHT };
static const uint8_t aa6_port[] = { 0x1e, 0x1e, 0x30, 0x02, V6_ADDR, 0x01, 0xbb, EIGHT };
static const uint8_t aa6_echo[] = { 0x1e, 0x14, 0x31, 0x02, V6_ADDR };
static const uint8_t aa6_port_echo[] = { 0x1e, 0x16, 0x31, 0x02, V6_ADDR, 0x01, 0xbb };

static const uint8_t rm1[] = { 0x1e, 0x04, 0x40, 0x05 };
static const uint8_t rm3[] = { 0x1e, 0x06, 0x40, 0x01, 0x02, 0x00 };
static const uint8_t prio_backup[] = { 0x1e, 0x03, 0x51 };
static const uint8_t prio_normal[] = { 0x1e, 0x03, 0x50 };
static const uint8_t prio_v0[] = { 0x1e, 0x04, 0x51, 0x03 };
static const uint8_t fail[] = { 0x1e, 0x0c, 0x60, 0x00, KEY_B };
static const uint8_t fastclose[] = { 0x1e, 0x0c, 0x70, 0x00, KEY_A };
static const uint8_t tcprst[] = { 0x1e, 0x04, 0x81, 0x04 }; /* T, too much outstanding data */

struct image {
	const char *name;
	const uint8_t *p;
	unsigned len;
	enum mptcp_subtype sub;
};

#define IMAGE(a, s)                                                      \
	{                                                                \
		.name = #a, .p = a, .len = (unsigned)sizeof(a), .sub = s \
	}

/* Every valid image; all but the v0 SYN are written back byte for byte. */
static const struct image images[] = {
	IMAGE(mpc_syn, MPTCP_SUB_CAPABLE),
	IMAGE(mpc_synack, MPTCP_SUB_CAPABLE),
	IMAGE(mpc_ack, MPTCP_SUB_CAPABLE),
	IMAGE(mpc_ack_data, MPTCP_SUB_CAPABLE),
	IMAGE(mpc_ack_data_csum, MPTCP_SUB_CAPABLE),
	IMAGE(mpc_v0_syn, MPTCP_SUB_CAPABLE),
	IMAGE(join_syn, MPTCP_SUB_JOIN),
	IMAGE(join_synack, MPTCP_SUB_JOIN),
	IMAGE(join_ack, MPTCP_SUB_JOIN),
	IMAGE(dss_ack64, MPTCP_SUB_DSS),
	IMAGE(dss_map, MPTCP_SUB_DSS),
	IMAGE(dss_map_csum, MPTCP_SUB_DSS),
	IMAGE(dss_fin, MPTCP_SUB_DSS),
	IMAGE(dss_map_noack, MPTCP_SUB_DSS),
	IMAGE(dss_ack32, MPTCP_SUB_DSS),
	IMAGE(aa4, MPTCP_SUB_ADD_ADDR),
	IMAGE(aa4_port, MPTCP_SUB_ADD_ADDR),
	IMAGE(aa4_echo, MPTCP_SUB_ADD_ADDR),
	IMAGE(aa4_port_echo, MPTCP_SUB_ADD_ADDR),
	IMAGE(aa6, MPTCP_SUB_ADD_ADDR),
	IMAGE(aa6_port, MPTCP_SUB_ADD_ADDR),
	IMAGE(aa6_echo, MPTCP_SUB_ADD_ADDR),
	IMAGE(aa6_port_echo, MPTCP_SUB_ADD_ADDR),
	IMAGE(rm1, MPTCP_SUB_REMOVE_ADDR),
	IMAGE(rm3, MPTCP_SUB_REMOVE_ADDR),
	IMAGE(prio_backup, MPTCP_SUB_PRIO),
	IMAGE(prio_normal, MPTCP_SUB_PRIO),
	IMAGE(prio_v0, MPTCP_SUB_PRIO),
	IMAGE(fail, MPTCP_SUB_FAIL),
	IMAGE(fastclose, MPTCP_SUB_FASTCLOSE),
	IMAGE(tcprst, MPTCP_SUB_TCPRST),
};
#define N_IMAGES (sizeof(images) / sizeof(images[0]))

/* xorshift64*: the same values on every run and every machine. */
static uint64_t rng_state = 0x6d7074637030707full;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd(void)
{
	return (uint32_t)(rnd64() >> 32);
}

/* The option copied into a heap buffer of exactly @p len bytes (malloc(0)
 * included), so that ASan reports any read past it. */
static enum mptcp_opt_result parse_exact(const uint8_t *opt, unsigned len, struct mptcp_opts *o)
{
	uint8_t *copy = malloc(len);
	enum mptcp_opt_result res;

	assert_true(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, opt, len);
	res = mptcp_opt_parse(copy, len, o);
	free(copy);
	return res;
}

/* Which lengths RFC 8684 allows, as a table per subtype: @p b2 and @p b3
 * are the third and fourth bytes (b3 0 when there is none). */
static bool rfc_len_ok(unsigned sub, uint8_t b2, uint8_t b3, unsigned len)
{
	static const unsigned mpc[] = { 4, 12, 20, 22, 24 };
	static const unsigned join[] = { 12, 16, 24 };
	static const unsigned aa_echo[] = { 8, 10, 20, 22 };
	static const unsigned aa_hmac[] = { 16, 18, 28, 30 };
	const unsigned *set = NULL;
	unsigned n = 0;

	switch (sub) {
	case MPTCP_SUB_CAPABLE:
		if ((b2 & 0xf) != 1)
			return len >= 4;
		set = mpc;
		n = 5;
		break;
	case MPTCP_SUB_JOIN:
		set = join;
		n = 3;
		break;
	case MPTCP_SUB_DSS: {
		/* Figure: 4, data ACK 4|8 (A, a), DSN 4|8 (M, m) + SSN 4 +
		 * length 2 + checksum 0|2 (M). */
		unsigned want = 4;

		if (len < 4)
			return false;
		if (b3 & 0x01)
			want += b3 & 0x02 ? 8 : 4;
		if (b3 & 0x04)
			want += (b3 & 0x08 ? 8 : 4) + 6;
		return len == want || ((b3 & 0x04) && len == want + 2);
	}
	case MPTCP_SUB_ADD_ADDR:
		set = b2 & 1 ? aa_echo : aa_hmac;
		n = 4;
		break;
	case MPTCP_SUB_REMOVE_ADDR:
		return len >= 4 && len <= 40;
	case MPTCP_SUB_PRIO:
		return len == 3 || len == 4;
	case MPTCP_SUB_FAIL:
	case MPTCP_SUB_FASTCLOSE:
		return len == 12;
	case MPTCP_SUB_TCPRST:
		return len == 4;
	default:
		return false;
	}
	for (unsigned i = 0; i < n; i++)
		if (set[i] == len)
			return true;
	return false;
}

/* Bits of bytes 2 and 3 that are not reserved (kept by a round trip). */
static void kept_bits(unsigned sub, unsigned len, uint8_t *m2, uint8_t *m3)
{
	*m2 = 0xf0;
	*m3 = 0xff;
	switch (sub) {
	case MPTCP_SUB_CAPABLE:
	case MPTCP_SUB_TCPRST:
		*m2 = 0xff;
		break;
	case MPTCP_SUB_JOIN:
		*m2 = len == 24 ? 0xf0 : 0xf1;
		*m3 = len == 24 ? 0x00 : 0xff;
		break;
	case MPTCP_SUB_DSS:
		*m3 = 0x1f;
		break;
	case MPTCP_SUB_ADD_ADDR:
	case MPTCP_SUB_PRIO:
		*m2 = 0xf1;
		break;
	case MPTCP_SUB_FAIL:
	case MPTCP_SUB_FASTCLOSE:
		*m3 = 0x00;
		break;
	default:
		break;
	}
}

static bool same_sub(const struct mptcp_opts *a, const struct mptcp_opts *b, unsigned sub)
{
	switch (sub) {
	case MPTCP_SUB_CAPABLE:
		return a->mpc.version == b->mpc.version && a->mpc.flags == b->mpc.flags &&
		       a->mpc.len == b->mpc.len && a->mpc.data_len == b->mpc.data_len &&
		       a->mpc.csum == b->mpc.csum && a->mpc.snd_key == b->mpc.snd_key &&
		       a->mpc.rcv_key == b->mpc.rcv_key;
	case MPTCP_SUB_JOIN:
		return a->join.len == b->join.len && a->join.backup == b->join.backup &&
		       a->join.addr_id == b->join.addr_id && a->join.token == b->join.token &&
		       a->join.nonce == b->join.nonce && a->join.thmac == b->join.thmac &&
		       memcmp(a->join.hmac, b->join.hmac, MPTCP_HMAC_LEN) == 0;
	case MPTCP_SUB_DSS:
		return a->dss.flags == b->dss.flags && a->dss.has_csum == b->dss.has_csum &&
		       a->dss.data_len == b->dss.data_len && a->dss.csum == b->dss.csum &&
		       a->dss.ssn == b->dss.ssn && a->dss.data_ack == b->dss.data_ack &&
		       a->dss.dsn == b->dss.dsn;
	case MPTCP_SUB_ADD_ADDR:
		return a->add_addr.echo == b->add_addr.echo &&
		       a->add_addr.has_port == b->add_addr.has_port &&
		       a->add_addr.addr_id == b->add_addr.addr_id &&
		       a->add_addr.family == b->add_addr.family &&
		       a->add_addr.port == b->add_addr.port &&
		       memcmp(a->add_addr.addr, b->add_addr.addr, 16) == 0 &&
		       a->add_addr.hmac == b->add_addr.hmac;
	case MPTCP_SUB_REMOVE_ADDR:
		return a->remove_addr.n == b->remove_addr.n &&
		       memcmp(a->remove_addr.ids, b->remove_addr.ids, MPTCP_RM_ADDR_MAX) == 0;
	case MPTCP_SUB_PRIO:
		return a->prio.backup == b->prio.backup &&
		       a->prio.has_addr_id == b->prio.has_addr_id &&
		       a->prio.addr_id == b->prio.addr_id;
	case MPTCP_SUB_FAIL:
		return a->fail.dsn == b->fail.dsn;
	case MPTCP_SUB_FASTCLOSE:
		return a->fastclose.rcv_key == b->fastclose.rcv_key;
	case MPTCP_SUB_TCPRST:
		return a->tcprst.flags == b->tcprst.flags && a->tcprst.reason == b->tcprst.reason;
	default:
		return false;
	}
}

/* Writes @p which of @p o and compares with @p img: exact bytes, nothing
 * past them; with one byte less room, nothing at all. */
static void check_write_image(const struct mptcp_opts *o, enum mptcp_subtype which,
			      const uint8_t *img, unsigned len)
{
	uint8_t buf[64];

	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(mptcp_opt_len(o, which), len);
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), o, which), len);
	assert_memory_equal(buf, img, len);
	assert_int_equal(buf[len], 0xa5);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(mptcp_opt_write(buf, len, o, which), len);
	assert_memory_equal(buf, img, len);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(mptcp_opt_write(buf, len - 1, o, which), 0);
	assert_int_equal(mptcp_opt_write(buf, 0, o, which), 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
}

/* Parses one image into a fresh struct: OK and only its subtype present. */
static void parse_image(const uint8_t *img, unsigned len, enum mptcp_subtype sub,
			struct mptcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(parse_exact(img, len, o), MPTCP_OPT_OK);
	assert_int_equal(o->present, MPTCP_OPTF(sub));
}

static void test_mp_capable(void **state)
{
	struct mptcp_opts o;

	(void)state;
	parse_image(mpc_syn, sizeof(mpc_syn), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.version, 1);
	assert_int_equal(o.mpc.flags, MPTCP_CAP_SHA256);
	assert_int_equal(o.mpc.len, MPTCP_LEN_MPC_SYN);
	assert_true(o.mpc.snd_key == 0 && o.mpc.rcv_key == 0 && o.mpc.data_len == 0);
	check_write_image(&o, MPTCP_SUB_CAPABLE, mpc_syn, sizeof(mpc_syn));

	parse_image(mpc_synack, sizeof(mpc_synack), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.version, 1);
	assert_int_equal(o.mpc.flags, MPTCP_CAP_CSUM | MPTCP_CAP_SHA256);
	assert_int_equal(o.mpc.len, MPTCP_LEN_MPC_SYNACK);
	assert_true(o.mpc.snd_key == 0x3b5e11c20877a490ull);
	assert_true(o.mpc.rcv_key == 0);
	check_write_image(&o, MPTCP_SUB_CAPABLE, mpc_synack, sizeof(mpc_synack));

	parse_image(mpc_ack, sizeof(mpc_ack), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.len, MPTCP_LEN_MPC_ACK);
	assert_true(o.mpc.snd_key == 0x8f0123456789abcdull);
	assert_true(o.mpc.rcv_key == 0x3b5e11c20877a490ull);
	assert_int_equal(o.mpc.data_len, 0);
	check_write_image(&o, MPTCP_SUB_CAPABLE, mpc_ack, sizeof(mpc_ack));

	parse_image(mpc_ack_data, sizeof(mpc_ack_data), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.len, MPTCP_LEN_MPC_ACK_DATA);
	assert_true(o.mpc.rcv_key == 0x3b5e11c20877a490ull);
	assert_int_equal(o.mpc.data_len, 1448);
	assert_int_equal(o.mpc.csum, 0);
	check_write_image(&o, MPTCP_SUB_CAPABLE, mpc_ack_data, sizeof(mpc_ack_data));

	parse_image(mpc_ack_data_csum, sizeof(mpc_ack_data_csum), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.len, MPTCP_LEN_MPC_ACK_DATA_CSUM);
	assert_int_equal(o.mpc.flags, MPTCP_CAP_CSUM | MPTCP_CAP_SHA256);
	assert_int_equal(o.mpc.data_len, 1448);
	assert_int_equal(o.mpc.csum, 0x6b2c);
	check_write_image(&o, MPTCP_SUB_CAPABLE, mpc_ack_data_csum, sizeof(mpc_ack_data_csum));
}

static void test_mp_capable_versions(void **state)
{
	static const uint8_t v2_syn[] = { 0x1e, 0x04, 0x02, 0x01 };
	static const uint8_t v0_odd[] = { 0x1e, 0x07, 0x00, 0x80, 1, 2, 3 };
	struct mptcp_opts o;

	(void)state;
	/* v0: recognised, flags kept, nothing else decoded; the caller falls
	 * back. Its 12-byte SYN has no v1 meaning (v1's 12 is the SYN-ACK). */
	parse_image(mpc_v0_syn, sizeof(mpc_v0_syn), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.version, 0);
	assert_int_equal(o.mpc.flags, 0x81);
	assert_int_equal(o.mpc.len, 12);
	assert_true(o.mpc.snd_key == 0);
	/* A future version on a SYN, and v0 at a length no v1 layout has. */
	parse_image(v2_syn, sizeof(v2_syn), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.version, 2);
	parse_image(v0_odd, sizeof(v0_odd), MPTCP_SUB_CAPABLE, &o);
	assert_int_equal(o.mpc.version, 0);
	assert_int_equal(o.mpc.len, 7);
	assert_int_equal(mptcp_opt_len(&o, MPTCP_SUB_CAPABLE), 0);
	/* v1 at a v0-only length is malformed, at any version 3 bytes are. */
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_exact((const uint8_t[]){ 0x1e, 0x07, 0x01, 0x01, 1, 2, 3 }, 7, &o),
			 MPTCP_OPT_MALFORMED);
	assert_int_equal(parse_exact((const uint8_t[]){ 0x1e, 0x03, 0x00 }, 3, &o),
			 MPTCP_OPT_MALFORMED);
	assert_int_equal(o.present, 0);
}

static void test_mp_join(void **state)
{
	static const uint8_t hmac[MPTCP_HMAC_LEN] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
		0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0xfe, 0xdc, 0xba, 0x98,
	};
	uint8_t reserved[sizeof(join_ack)];
	struct mptcp_opts o;

	(void)state;
	parse_image(join_syn, sizeof(join_syn), MPTCP_SUB_JOIN, &o);
	assert_int_equal(o.join.len, MPTCP_LEN_JOIN_SYN);
	assert_true(o.join.backup);
	assert_int_equal(o.join.addr_id, 2);
	assert_int_equal(o.join.token, 0xdeadbeef);
	assert_int_equal(o.join.nonce, 0x01020304);
	check_write_image(&o, MPTCP_SUB_JOIN, join_syn, sizeof(join_syn));

	parse_image(join_synack, sizeof(join_synack), MPTCP_SUB_JOIN, &o);
	assert_int_equal(o.join.len, MPTCP_LEN_JOIN_SYNACK);
	assert_false(o.join.backup);
	assert_int_equal(o.join.addr_id, 5);
	assert_true(o.join.thmac == 0xf1e2d3c4b5a69788ull);
	assert_int_equal(o.join.nonce, 0x0a0b0c0d);
	check_write_image(&o, MPTCP_SUB_JOIN, join_synack, sizeof(join_synack));

	parse_image(join_ack, sizeof(join_ack), MPTCP_SUB_JOIN, &o);
	assert_int_equal(o.join.len, MPTCP_LEN_JOIN_ACK);
	assert_memory_equal(o.join.hmac, hmac, MPTCP_HMAC_LEN);
	check_write_image(&o, MPTCP_SUB_JOIN, join_ack, sizeof(join_ack));

	/* Reserved bits set by a sender are ignored and written back as 0. */
	memcpy(reserved, join_ack, sizeof(join_ack));
	reserved[2] |= 0x0f;
	reserved[3] = 0x77;
	parse_image(reserved, sizeof(reserved), MPTCP_SUB_JOIN, &o);
	assert_false(o.join.backup);
	assert_int_equal(o.join.addr_id, 0);
	check_write_image(&o, MPTCP_SUB_JOIN, join_ack, sizeof(join_ack));
	memcpy(reserved, join_syn, sizeof(join_syn));
	reserved[2] |= 0x0e;
	parse_image(reserved, sizeof(join_syn), MPTCP_SUB_JOIN, &o);
	check_write_image(&o, MPTCP_SUB_JOIN, join_syn, sizeof(join_syn));
}

static void test_dss(void **state)
{
	uint8_t reserved[sizeof(dss_map)];
	struct mptcp_opts o;

	(void)state;
	parse_image(dss_ack64, sizeof(dss_ack64), MPTCP_SUB_DSS, &o);
	assert_int_equal(o.dss.flags, MPTCP_DSS_ACK | MPTCP_DSS_ACK64);
	assert_true(o.dss.data_ack == 0x3b5e11c20877a490ull);
	assert_true(o.dss.dsn == 0 && o.dss.ssn == 0 && o.dss.data_len == 0);
	assert_false(o.dss.has_csum);
	check_write_image(&o, MPTCP_SUB_DSS, dss_ack64, sizeof(dss_ack64));

	parse_image(dss_map, sizeof(dss_map), MPTCP_SUB_DSS, &o);
	assert_int_equal(o.dss.flags,
			 MPTCP_DSS_ACK | MPTCP_DSS_ACK64 | MPTCP_DSS_MAP | MPTCP_DSS_DSN64);
	assert_true(o.dss.data_ack == 0x3b5e11c20877a490ull);
	assert_true(o.dss.dsn == 0x8f0123456789abcdull);
	assert_int_equal(o.dss.ssn, 1);
	assert_int_equal(o.dss.data_len, 100);
	assert_false(o.dss.has_csum);
	check_write_image(&o, MPTCP_SUB_DSS, dss_map, sizeof(dss_map));

	parse_image(dss_map_csum, sizeof(dss_map_csum), MPTCP_SUB_DSS, &o);
	assert_true(o.dss.has_csum);
	assert_int_equal(o.dss.csum, 0x1234);
	assert_int_equal(o.dss.data_len, 100);
	check_write_image(&o, MPTCP_SUB_DSS, dss_map_csum, sizeof(dss_map_csum));

	parse_image(dss_fin, sizeof(dss_fin), MPTCP_SUB_DSS, &o);
	assert_true(o.dss.flags & MPTCP_DSS_FIN);
	assert_int_equal(o.dss.ssn, 0);
	assert_int_equal(o.dss.data_len, 1);
	check_write_image(&o, MPTCP_SUB_DSS, dss_fin, sizeof(dss_fin));

	parse_image(dss_map_noack, sizeof(dss_map_noack), MPTCP_SUB_DSS, &o);
	assert_int_equal(o.dss.flags, MPTCP_DSS_MAP | MPTCP_DSS_DSN64);
	assert_true(o.dss.data_ack == 0);
	assert_true(o.dss.dsn == 0x8f0123456789abcdull);
	assert_int_equal(o.dss.ssn, 0x5dd);
	assert_int_equal(o.dss.data_len, 1448);
	check_write_image(&o, MPTCP_SUB_DSS, dss_map_noack, sizeof(dss_map_noack));

	/* 4 bytes on the wire: the low 32 bits, a = 0 tells the caller. */
	parse_image(dss_ack32, sizeof(dss_ack32), MPTCP_SUB_DSS, &o);
	assert_int_equal(o.dss.flags, MPTCP_DSS_ACK);
	assert_true(o.dss.data_ack == 0xdeadbeef);
	check_write_image(&o, MPTCP_SUB_DSS, dss_ack32, sizeof(dss_ack32));
	o.dss.data_ack = 0x17deadbeefull; /* the writer sends the low 32 bits */
	check_write_image(&o, MPTCP_SUB_DSS, dss_ack32, sizeof(dss_ack32));

	/* The reserved bits around the flags are ignored and written as 0. */
	memcpy(reserved, dss_map, sizeof(dss_map));
	reserved[2] |= 0x0f;
	reserved[3] |= 0xe0;
	parse_image(reserved, sizeof(reserved), MPTCP_SUB_DSS, &o);
	check_write_image(&o, MPTCP_SUB_DSS, dss_map, sizeof(dss_map));
}

/* Every flag combination, with and without checksum: the lengths of the
 * RFC's figure, written out rather than computed. */
static void test_dss_lengths(void **state)
{
	/* [flags & 0x0f] (A a M m): length without checksum; M adds 2 with. */
	static const unsigned want[16] = {
		[0x0] = 4,  [0x1] = 8,	[0x2] = 4,  [0x3] = 12, [0x4] = 14, [0x5] = 18,
		[0x6] = 14, [0x7] = 22, [0x8] = 4,  [0x9] = 8,	[0xa] = 4,  [0xb] = 12,
		[0xc] = 18, [0xd] = 22, [0xe] = 18, [0xf] = 26,
	};
	(void)state;
	for (unsigned flags = 0; flags <= MPTCP_DSS_FLAGS; flags++) {
		for (unsigned csum = 0; csum <= 1; csum++) {
			bool map = flags & MPTCP_DSS_MAP;
			unsigned len = want[flags & 0x0f] + (csum && map ? 2 : 0);
			uint8_t img[MPTCP_LEN_DSS_MAX + 2];
			struct mptcp_opts o;

			memset(&o, 0, sizeof(o));
			o.dss.flags = (uint8_t)flags;
			o.dss.has_csum = csum;
			assert_int_equal(mptcp_opt_len(&o, MPTCP_SUB_DSS), len);
			/* No mapping, nothing to check: has_csum is not written. */
			if (!map && csum)
				continue;
			for (unsigned i = 0; i < sizeof(img); i++)
				img[i] = (uint8_t)(0x40 + i);
			img[0] = 0x1e;
			img[1] = (uint8_t)len;
			img[2] = 0x20;
			img[3] = (uint8_t)flags;
			parse_image(img, len, MPTCP_SUB_DSS, &o);
			assert_int_equal(o.dss.has_csum, csum);
			/* Two bytes more is a checksum only after a mapping
			 * without one; one byte more or less is nothing. */
			memset(&o, 0, sizeof(o));
			img[1] = (uint8_t)(len + 2);
			assert_int_equal(parse_exact(img, len + 2, &o),
					 map && !csum ? MPTCP_OPT_OK : MPTCP_OPT_MALFORMED);
			assert_int_equal(o.dss.has_csum, map && !csum);
			memset(&o, 0, sizeof(o));
			img[1] = (uint8_t)(len - 1);
			assert_int_equal(parse_exact(img, len - 1, &o), MPTCP_OPT_MALFORMED);
			img[1] = (uint8_t)(len + 1);
			assert_int_equal(parse_exact(img, len + 1, &o), MPTCP_OPT_MALFORMED);
			assert_int_equal(o.present, 0);
		}
	}
}

static void test_add_addr(void **state)
{
	static const uint8_t v4[16] = { 192, 168, 1, 2 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	static const struct {
		const uint8_t *img;
		unsigned len;
		uint8_t family;
		bool port, echo;
	} cases[] = {
		{ aa4, sizeof(aa4), MPTCP_ADDR_V4, false, false },
		{ aa4_port, sizeof(aa4_port), MPTCP_ADDR_V4, true, false },
		{ aa4_echo, sizeof(aa4_echo), MPTCP_ADDR_V4, false, true },
		{ aa4_port_echo, sizeof(aa4_port_echo), MPTCP_ADDR_V4, true, true },
		{ aa6, sizeof(aa6), MPTCP_ADDR_V6, false, false },
		{ aa6_port, sizeof(aa6_port), MPTCP_ADDR_V6, true, false },
		{ aa6_echo, sizeof(aa6_echo), MPTCP_ADDR_V6, false, true },
		{ aa6_port_echo, sizeof(aa6_port_echo), MPTCP_ADDR_V6, true, true },
	};
	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool v4_case = cases[i].family == MPTCP_ADDR_V4;
		uint16_t port = !cases[i].port ? 0 : v4_case ? 8080 : 443;
		struct mptcp_opts o;
		uint8_t copy[32];

		parse_image(cases[i].img, cases[i].len, MPTCP_SUB_ADD_ADDR, &o);
		assert_int_equal(o.add_addr.family, cases[i].family);
		assert_int_equal(o.add_addr.echo, cases[i].echo);
		assert_int_equal(o.add_addr.has_port, cases[i].port);
		assert_int_equal(o.add_addr.addr_id, v4_case ? 1 : 2);
		assert_memory_equal(o.add_addr.addr, v4_case ? v4 : v6, 16);
		assert_int_equal(o.add_addr.port, port);
		assert_true(o.add_addr.hmac == (cases[i].echo ? 0 : 0xf1e2d3c4b5a69788ull));
		check_write_image(&o, MPTCP_SUB_ADD_ADDR, cases[i].img, cases[i].len);

		/* The E bit flipped: the length no longer fits (an echo has no
		 * HMAC). An RFC 6824 ADD_ADDR (IPVer 4 or 6 in the nibble, so E
		 * clear, and no HMAC) is malformed at the lengths without HMAC;
		 * at the others the nibble is v1's reserved bits and E clear. */
		memcpy(copy, cases[i].img, cases[i].len);
		copy[2] ^= 0x01;
		memset(&o, 0, sizeof(o));
		assert_int_equal(parse_exact(copy, cases[i].len, &o), MPTCP_OPT_MALFORMED);
		copy[2] = (uint8_t)(0x30 | (cases[i].family == MPTCP_ADDR_V4 ? 4 : 6));
		assert_int_equal(parse_exact(copy, cases[i].len, &o),
				 cases[i].echo ? MPTCP_OPT_MALFORMED : MPTCP_OPT_OK);
		if (!cases[i].echo)
			assert_true(o.add_addr.hmac == 0xf1e2d3c4b5a69788ull);
	}
}

static void test_small_options(void **state)
{
	struct mptcp_opts o;

	(void)state;
	parse_image(rm1, sizeof(rm1), MPTCP_SUB_REMOVE_ADDR, &o);
	assert_int_equal(o.remove_addr.n, 1);
	assert_int_equal(o.remove_addr.ids[0], 5);
	check_write_image(&o, MPTCP_SUB_REMOVE_ADDR, rm1, sizeof(rm1));
	parse_image(rm3, sizeof(rm3), MPTCP_SUB_REMOVE_ADDR, &o);
	assert_int_equal(o.remove_addr.n, 3);
	assert_int_equal(o.remove_addr.ids[0], 1);
	assert_int_equal(o.remove_addr.ids[1], 2);
	assert_int_equal(o.remove_addr.ids[2], 0);
	check_write_image(&o, MPTCP_SUB_REMOVE_ADDR, rm3, sizeof(rm3));

	parse_image(prio_backup, sizeof(prio_backup), MPTCP_SUB_PRIO, &o);
	assert_true(o.prio.backup);
	assert_false(o.prio.has_addr_id);
	check_write_image(&o, MPTCP_SUB_PRIO, prio_backup, sizeof(prio_backup));
	parse_image(prio_normal, sizeof(prio_normal), MPTCP_SUB_PRIO, &o);
	assert_false(o.prio.backup);
	check_write_image(&o, MPTCP_SUB_PRIO, prio_normal, sizeof(prio_normal));
	parse_image(prio_v0, sizeof(prio_v0), MPTCP_SUB_PRIO, &o);
	assert_true(o.prio.backup);
	assert_true(o.prio.has_addr_id);
	assert_int_equal(o.prio.addr_id, 3);
	check_write_image(&o, MPTCP_SUB_PRIO, prio_v0, sizeof(prio_v0));

	parse_image(fail, sizeof(fail), MPTCP_SUB_FAIL, &o);
	assert_true(o.fail.dsn == 0x8f0123456789abcdull);
	check_write_image(&o, MPTCP_SUB_FAIL, fail, sizeof(fail));

	parse_image(fastclose, sizeof(fastclose), MPTCP_SUB_FASTCLOSE, &o);
	assert_true(o.fastclose.rcv_key == 0x3b5e11c20877a490ull);
	check_write_image(&o, MPTCP_SUB_FASTCLOSE, fastclose, sizeof(fastclose));

	parse_image(tcprst, sizeof(tcprst), MPTCP_SUB_TCPRST, &o);
	assert_int_equal(o.tcprst.flags, MPTCP_RST_T);
	assert_int_equal(o.tcprst.reason, 4);
	check_write_image(&o, MPTCP_SUB_TCPRST, tcprst, sizeof(tcprst));
	o.tcprst.flags = MPTCP_RST_U | MPTCP_RST_W;
	o.tcprst.reason = 0xff;
	check_write_image(&o, MPTCP_SUB_TCPRST, (const uint8_t[]){ 0x1e, 0x04, 0x8a, 0xff }, 4);
}

/* Every subtype at every length up to 44 (and a few far beyond), with every
 * value of the bits that choose a layout, against the RFC's table. */
static void test_every_length(void **state)
{
	unsigned counts[2] = { 0 };

	(void)state;
	for (unsigned sub = 0; sub < MPTCP_SUB_COUNT; sub++) {
		for (unsigned nib = 0; nib < 16; nib++) {
			for (unsigned b3 = 0; b3 < 256; b3++) {
				/* Only DSS's flags in byte 3 choose a layout. */
				if (sub != MPTCP_SUB_DSS && b3 != 0 && b3 != 0xff)
					continue;
				for (unsigned len = 0; len <= 48; len++) {
					unsigned l = len <= 44 ? len : 60 + (len - 44) * 48;
					uint8_t opt[256];
					struct mptcp_opts o;
					enum mptcp_opt_result res;
					bool ok;

					for (unsigned i = 4; i < l; i++)
						opt[i] = (uint8_t)rnd();
					opt[0] = MPTCP_OPT_KIND;
					opt[1] = (uint8_t)l;
					opt[2] = (uint8_t)(sub << 4 | nib);
					opt[3] = (uint8_t)b3;
					memset(&o, 0, sizeof(o));
					res = parse_exact(opt, l, &o);
					ok = l >= 3 &&
					     rfc_len_ok(sub, opt[2], l >= 4 ? opt[3] : 0, l);
					if (res != (ok ? MPTCP_OPT_OK : MPTCP_OPT_MALFORMED))
						fail_msg(
							"subtype %u %02x %02x length %u: result %d",
							sub, opt[2], opt[3], l, res);
					assert_int_equal(o.present, ok ? MPTCP_OPTF(sub) : 0);
					counts[ok]++;
				}
			}
		}
	}
	print_message("every length: %u valid, %u malformed\n", counts[1], counts[0]);
}

static void test_header_checks(void **state)
{
	uint8_t opt[sizeof(dss_map)];
	struct mptcp_opts o, before;

	(void)state;
	memset(&o, 0, sizeof(o));
	/* Nothing to read at all: not even the pointer is touched. */
	assert_int_equal(mptcp_opt_parse(NULL, 0, &o), MPTCP_OPT_MALFORMED);
	assert_int_equal(parse_exact(dss_map, 0, &o), MPTCP_OPT_MALFORMED);
	assert_int_equal(parse_exact((const uint8_t[]){ 0x1e }, 1, &o), MPTCP_OPT_MALFORMED);
	assert_int_equal(parse_exact((const uint8_t[]){ 0x1e, 0x02 }, 2, &o), MPTCP_OPT_MALFORMED);
	/* Another kind, or a length byte that disagrees with the length. */
	memcpy(opt, dss_map, sizeof(opt));
	opt[0] = 0x1d;
	assert_int_equal(parse_exact(opt, sizeof(opt), &o), MPTCP_OPT_MALFORMED);
	opt[0] = 0x1e;
	opt[1] = sizeof(opt) + 1;
	assert_int_equal(parse_exact(opt, sizeof(opt), &o), MPTCP_OPT_MALFORMED);
	opt[1] = 0;
	assert_int_equal(parse_exact(opt, sizeof(opt), &o), MPTCP_OPT_MALFORMED);
	assert_int_equal(o.present, 0);

	/* Unknown subtypes at any length: o not touched, not even its
	 * unused bytes. */
	memset(&o, 0x5a, sizeof(o));
	memcpy(&before, &o, sizeof(o));
	for (unsigned sub = MPTCP_SUB_COUNT; sub < 16; sub++) {
		for (unsigned len = 3; len <= 40; len++) {
			uint8_t img[40] = { 0x1e, (uint8_t)len, (uint8_t)(sub << 4 | (len & 0xf)) };

			assert_int_equal(parse_exact(img, len, &o), MPTCP_OPT_UNKNOWN);
		}
		/* Too short to have a subtype is malformed, whatever follows. */
		assert_int_equal(
			parse_exact((const uint8_t[]){ 0x1e, 0x02, (uint8_t)(sub << 4) }, 2, &o),
			MPTCP_OPT_MALFORMED);
	}
	assert_memory_equal(&o, &before, sizeof(o));
}

/* Cut short at every length: with the original length byte it disagrees;
 * with the length byte rewritten, the RFC's table decides. */
static void test_truncations(void **state)
{
	(void)state;
	for (unsigned k = 0; k < N_IMAGES; k++) {
		const struct image *img = &images[k];

		for (unsigned cut = 0; cut < img->len; cut++) {
			uint8_t copy[64];
			struct mptcp_opts o, before;
			enum mptcp_opt_result res;
			bool ok;

			memset(&o, 0, sizeof(o));
			memcpy(&before, &o, sizeof(o));
			assert_int_equal(parse_exact(img->p, cut, &o), MPTCP_OPT_MALFORMED);
			assert_memory_equal(&o, &before, sizeof(o));
			if (cut < 2)
				continue;
			memcpy(copy, img->p, img->len);
			copy[1] = (uint8_t)cut;
			res = parse_exact(copy, cut, &o);
			ok = cut >= 3 && rfc_len_ok(img->sub, copy[2], cut >= 4 ? copy[3] : 0, cut);
			if (res != (ok ? MPTCP_OPT_OK : MPTCP_OPT_MALFORMED))
				fail_msg("%s cut to %u: result %d", img->name, cut, res);
		}
	}
}

static void test_duplicates(void **state)
{
	uint8_t second[sizeof(dss_map)];
	struct mptcp_opts o, before;

	(void)state;
	/* One of each subtype adds up in one struct. */
	memset(&o, 0, sizeof(o));
	for (unsigned k = 0; k < N_IMAGES; k++) {
		const struct image *img = &images[k];
		enum mptcp_opt_result want =
			o.present & MPTCP_OPTF(img->sub) ? MPTCP_OPT_DUPLICATE : MPTCP_OPT_OK;

		memcpy(&before, &o, sizeof(o));
		assert_int_equal(parse_exact(img->p, img->len, &o), want);
		if (want == MPTCP_OPT_DUPLICATE)
			assert_memory_equal(&o, &before, sizeof(o));
	}
	assert_int_equal(o.present, MPTCP_OPTF_ALL);
	/* The first of each was kept. */
	assert_int_equal(o.mpc.len, MPTCP_LEN_MPC_SYN);
	assert_int_equal(o.join.len, MPTCP_LEN_JOIN_SYN);
	assert_int_equal(o.dss.flags, MPTCP_DSS_ACK | MPTCP_DSS_ACK64);
	assert_int_equal(o.add_addr.family, MPTCP_ADDR_V4);
	assert_false(o.add_addr.echo);
	assert_int_equal(o.remove_addr.n, 1);
	assert_true(o.prio.backup);

	/* A second DSS: the first stays; a malformed one is malformed first. */
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_exact(dss_map, sizeof(dss_map), &o), MPTCP_OPT_OK);
	memcpy(second, dss_map, sizeof(second));
	second[4] ^= 0xff;
	memcpy(&before, &o, sizeof(o));
	assert_int_equal(parse_exact(second, sizeof(second), &o), MPTCP_OPT_DUPLICATE);
	second[1] = sizeof(second) - 1;
	assert_int_equal(parse_exact(second, sizeof(second) - 1, &o), MPTCP_OPT_MALFORMED);
	assert_memory_equal(&o, &before, sizeof(o));
	assert_true(o.dss.data_ack == 0x3b5e11c20877a490ull);
	/* The usual companions on one segment: DSS and ADD_ADDR echo, RST
	 * and FASTCLOSE. */
	assert_int_equal(parse_exact(aa4_echo, sizeof(aa4_echo), &o), MPTCP_OPT_OK);
	assert_int_equal(o.present, MPTCP_OPTF(MPTCP_SUB_DSS) | MPTCP_OPTF(MPTCP_SUB_ADD_ADDR));
	memset(&o, 0, sizeof(o));
	assert_int_equal(parse_exact(fastclose, sizeof(fastclose), &o), MPTCP_OPT_OK);
	assert_int_equal(parse_exact(tcprst, sizeof(tcprst), &o), MPTCP_OPT_OK);
	assert_int_equal(o.present, MPTCP_OPTF(MPTCP_SUB_FASTCLOSE) | MPTCP_OPTF(MPTCP_SUB_TCPRST));
}

/* The options of a real segment, located by the TCP option codec. */
static void test_from_tcp_area(void **state)
{
	/* Linux SYN-ACK (see test_tcp_options.c) and a data segment with
	 * timestamps, DSS and ADD_ADDR echo. */
	static const uint8_t synack[] = {
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x9a, 0x31, 0x4c,
		0x02, 0x15, 0xd8, 0x1f, 0x6c, 0x01, 0x03, 0x03, 0x07, 0x1e, 0x0c,
		0x01, 0x81, 0x3b, 0x5e, 0x11, 0xc2, 0x08, 0x77, 0xa4, 0x90,
	};
	static const uint8_t data[] = {
		0x01, 0x01, 0x08, 0x0a, 0,    0,    0,	  1,	0,  0, 0, 2, 0x1e, 0x08, 0x20, 0x01,
		0xde, 0xad, 0xbe, 0xef, 0x1e, 0x0a, 0x31, 0x07, 10, 0, 0, 9, 0x1f, 0x90, 0x01, 0x01,
	};
	struct tcp_opts t;
	struct mptcp_opts o;

	(void)state;
	assert_int_equal(tcp_opts_parse(synack, sizeof(synack), true, &t), TCP_OPTS_OK);
	assert_int_equal(t.n_extra, 1);
	memset(&o, 0, sizeof(o));
	assert_int_equal(mptcp_opt_parse(synack + t.extra[0].off, t.extra[0].len, &o),
			 MPTCP_OPT_OK);
	assert_int_equal(o.present, MPTCP_OPTF(MPTCP_SUB_CAPABLE));
	assert_true(o.mpc.snd_key == 0x3b5e11c20877a490ull);

	assert_int_equal(tcp_opts_parse(data, sizeof(data), false, &t), TCP_OPTS_OK);
	assert_int_equal(t.n_extra, 2);
	memset(&o, 0, sizeof(o));
	for (unsigned i = 0; i < t.n_extra; i++)
		assert_int_equal(mptcp_opt_parse(data + t.extra[i].off, t.extra[i].len, &o),
				 MPTCP_OPT_OK);
	assert_int_equal(o.present, MPTCP_OPTF(MPTCP_SUB_DSS) | MPTCP_OPTF(MPTCP_SUB_ADD_ADDR));
	assert_true(o.dss.data_ack == 0xdeadbeef);
	assert_int_equal(o.add_addr.addr_id, 7);
	assert_int_equal(o.add_addr.port, 8080);
	assert_memory_equal(o.add_addr.addr, ((const uint8_t[]){ 10, 0, 0, 9 }), 4);
}

/* Random values in the fields a layout has; zero in the others, as the
 * parser leaves them. */
static void fill_random(struct mptcp_opts *o, unsigned sub)
{
	memset(o, 0, sizeof(*o));
	switch (sub) {
	case MPTCP_SUB_CAPABLE:
		o->mpc.version = MPTCP_VERSION_1;
		break;
	case MPTCP_SUB_JOIN:
		o->join.addr_id = (uint8_t)rnd();
		o->join.backup = rnd() & 1;
		o->join.token = rnd();
		o->join.nonce = rnd();
		o->join.thmac = rnd64();
		for (unsigned i = 0; i < MPTCP_HMAC_LEN; i++)
			o->join.hmac[i] = (uint8_t)rnd();
		break;
	case MPTCP_SUB_DSS:
		o->dss.data_ack = rnd64();
		o->dss.dsn = rnd64();
		o->dss.ssn = rnd();
		o->dss.data_len = (uint16_t)rnd();
		o->dss.csum = (uint16_t)rnd();
		break;
	case MPTCP_SUB_ADD_ADDR:
		o->add_addr.addr_id = (uint8_t)rnd();
		o->add_addr.port = (uint16_t)rnd();
		o->add_addr.hmac = rnd64();
		for (unsigned i = 0; i < 16; i++)
			o->add_addr.addr[i] = (uint8_t)rnd();
		break;
	default:
		break;
	}
}

/* Round trip of @p o (with only the fields its layout has): written at its
 * exact length, which is @p want, then parsed back to the same. */
static void check_round_trip(const struct mptcp_opts *o, unsigned sub, unsigned want)
{
	uint8_t buf[64];
	struct mptcp_opts back;

	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(mptcp_opt_len(o, sub), want);
	assert_int_equal(mptcp_opt_write(buf, want, o, sub), want);
	assert_int_equal(buf[want], 0xa5);
	assert_int_equal(buf[0], MPTCP_OPT_KIND);
	assert_int_equal(buf[1], want);
	assert_int_equal(buf[2] >> 4, sub);
	memset(&back, 0, sizeof(back));
	assert_int_equal(parse_exact(buf, want, &back), MPTCP_OPT_OK);
	assert_int_equal(back.present, MPTCP_OPTF(sub));
	if (!same_sub(o, &back, sub))
		fail_msg("subtype %u length %u: the round trip changed it", sub, want);
	/* One byte less room: nothing written. */
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(mptcp_opt_write(buf, want - 1, o, sub), 0);
	assert_int_equal(buf[0], 0xa5);
}

static void test_round_trip_all(void **state)
{
	static const uint8_t mpc_lens[] = { 4, 12, 20, 22, 24 };
	static const uint8_t join_lens[] = { 12, 16, 24 };
	struct mptcp_opts o;

	(void)state;
	for (unsigned l = 0; l < sizeof(mpc_lens); l++) {
		for (unsigned flags = 0; flags < 256; flags++) {
			fill_random(&o, MPTCP_SUB_CAPABLE);
			o.mpc.len = mpc_lens[l];
			o.mpc.flags = (uint8_t)flags;
			if (o.mpc.len >= 12)
				o.mpc.snd_key = rnd64();
			if (o.mpc.len >= 20)
				o.mpc.rcv_key = rnd64();
			if (o.mpc.len >= 22)
				o.mpc.data_len = (uint16_t)rnd();
			if (o.mpc.len == 24)
				o.mpc.csum = (uint16_t)rnd();
			check_round_trip(&o, MPTCP_SUB_CAPABLE, o.mpc.len);
		}
	}
	for (unsigned l = 0; l < sizeof(join_lens); l++) {
		for (unsigned i = 0; i < 64; i++) {
			fill_random(&o, MPTCP_SUB_JOIN);
			o.join.len = join_lens[l];
			if (o.join.len != 12)
				o.join.token = 0;
			if (o.join.len == 24)
				o.join.nonce = 0;
			if (o.join.len != 16)
				o.join.thmac = 0;
			if (o.join.len != 24) {
				memset(o.join.hmac, 0, sizeof(o.join.hmac));
			} else {
				o.join.backup = false;
				o.join.addr_id = 0;
			}
			check_round_trip(&o, MPTCP_SUB_JOIN, o.join.len);
		}
	}
	for (unsigned flags = 0; flags <= MPTCP_DSS_FLAGS; flags++) {
		for (unsigned csum = 0; csum <= 1; csum++) {
			unsigned len = 4;

			fill_random(&o, MPTCP_SUB_DSS);
			o.dss.flags = (uint8_t)flags;
			o.dss.has_csum = csum && (flags & MPTCP_DSS_MAP);
			if (!(flags & MPTCP_DSS_ACK))
				o.dss.data_ack = 0;
			else if (!(flags & MPTCP_DSS_ACK64))
				o.dss.data_ack &= 0xffffffff;
			if (flags & MPTCP_DSS_ACK)
				len += flags & MPTCP_DSS_ACK64 ? 8 : 4;
			if (!(flags & MPTCP_DSS_MAP)) {
				o.dss.dsn = o.dss.ssn = o.dss.data_len = 0;
			} else {
				if (!(flags & MPTCP_DSS_DSN64))
					o.dss.dsn &= 0xffffffff;
				len += (flags & MPTCP_DSS_DSN64 ? 8 : 4) + 6;
			}
			if (!o.dss.has_csum)
				o.dss.csum = 0;
			else
				len += 2;
			check_round_trip(&o, MPTCP_SUB_DSS, len);
		}
	}
	for (unsigned v6 = 0; v6 <= 1; v6++) {
		for (unsigned echo = 0; echo <= 1; echo++) {
			for (unsigned port = 0; port <= 1; port++) {
				fill_random(&o, MPTCP_SUB_ADD_ADDR);
				o.add_addr.family = v6 ? MPTCP_ADDR_V6 : MPTCP_ADDR_V4;
				o.add_addr.echo = echo;
				o.add_addr.has_port = port;
				if (!v6)
					memset(o.add_addr.addr + 4, 0, 12);
				if (!port)
					o.add_addr.port = 0;
				if (echo)
					o.add_addr.hmac = 0;
				check_round_trip(&o, MPTCP_SUB_ADD_ADDR,
						 4 + (v6 ? 16 : 4) + (port ? 2 : 0) +
							 (echo ? 0 : 8));
			}
		}
	}
	for (unsigned n = 1; n <= MPTCP_RM_ADDR_MAX; n++) {
		memset(&o, 0, sizeof(o));
		o.remove_addr.n = (uint8_t)n;
		for (unsigned i = 0; i < n; i++)
			o.remove_addr.ids[i] = (uint8_t)rnd();
		check_round_trip(&o, MPTCP_SUB_REMOVE_ADDR, 3 + n);
	}
	for (unsigned v = 0; v < 4; v++) {
		memset(&o, 0, sizeof(o));
		o.prio.backup = v & 1;
		o.prio.has_addr_id = v & 2;
		o.prio.addr_id = o.prio.has_addr_id ? (uint8_t)rnd() : 0;
		check_round_trip(&o, MPTCP_SUB_PRIO, v & 2 ? 4 : 3);
	}
	for (unsigned i = 0; i < 64; i++) {
		uint64_t v = i == 0 ? 0 : i == 1 ? UINT64_MAX : rnd64();

		memset(&o, 0, sizeof(o));
		o.fail.dsn = v;
		o.fastclose.rcv_key = ~v;
		check_round_trip(&o, MPTCP_SUB_FAIL, 12);
		check_round_trip(&o, MPTCP_SUB_FASTCLOSE, 12);
	}
	for (unsigned flags = 0; flags <= MPTCP_RST_FLAGS; flags++) {
		for (unsigned reason = 0; reason < 256; reason++) {
			memset(&o, 0, sizeof(o));
			o.tcprst.flags = (uint8_t)flags;
			o.tcprst.reason = (uint8_t)reason;
			check_round_trip(&o, MPTCP_SUB_TCPRST, 4);
		}
	}
}

static void test_write_refuses(void **state)
{
	struct mptcp_opts o;
	uint8_t buf[64];

	(void)state;
	memset(&o, 0, sizeof(o));
	memset(buf, 0xa5, sizeof(buf));
	/* No layout has these. */
	for (unsigned len = 0; len < 256; len++) {
		o.mpc.len = (uint8_t)len;
		o.join.len = (uint8_t)len;
		assert_int_equal(mptcp_opt_len(&o, MPTCP_SUB_CAPABLE),
				 len == 4 || len == 12 || len == 20 || len == 22 || len == 24 ? len
											      : 0);
		assert_int_equal(mptcp_opt_len(&o, MPTCP_SUB_JOIN),
				 len == 12 || len == 16 || len == 24 ? len : 0);
	}
	o.mpc.len = 13;
	o.join.len = 20;
	o.add_addr.family = 0;
	o.remove_addr.n = 0;
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, MPTCP_SUB_CAPABLE), 0);
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, MPTCP_SUB_JOIN), 0);
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, MPTCP_SUB_ADD_ADDR), 0);
	o.add_addr.family = 5;
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, MPTCP_SUB_ADD_ADDR), 0);
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, MPTCP_SUB_REMOVE_ADDR), 0);
	o.remove_addr.n = MPTCP_RM_ADDR_MAX + 1;
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, MPTCP_SUB_REMOVE_ADDR), 0);
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, MPTCP_SUB_COUNT), 0);
	assert_int_equal(mptcp_opt_write(buf, sizeof(buf), &o, (enum mptcp_subtype)15), 0);
	assert_int_equal(mptcp_opt_len(&o, (enum mptcp_subtype)200), 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);

	/* Every image: written only in room for all of it. */
	for (unsigned k = 0; k < N_IMAGES; k++) {
		const struct image *img = &images[k];

		if (img->p == mpc_v0_syn)
			continue;
		parse_image(img->p, img->len, img->sub, &o);
		for (unsigned room = 0; room < sizeof(buf); room++) {
			unsigned n;

			memset(buf, 0xa5, sizeof(buf));
			n = mptcp_opt_write(buf, room, &o, img->sub);
			assert_int_equal(n, room >= img->len ? img->len : 0);
			for (unsigned i = n; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 0xa5);
		}
	}
}

static void test_expand_seq(void **state)
{
	static const struct {
		uint64_t ref;
		uint32_t low;
		uint64_t want;
	} cases[] = {
		{ 0, 0, 0 },
		{ 0x100000005ull, 3, 0x100000003ull },
		{ 0x100000005ull, 9, 0x100000009ull },
		/* Across a 2^32 boundary, forwards and backwards. */
		{ 0x1fffffff0ull, 0x10, 0x200000010ull },
		{ 0x200000010ull, 0xfffffff0u, 0x1fffffff0ull },
		/* Across 2^64 (the data sequence space wraps too). */
		{ 0, 0xffffffffu, UINT64_MAX },
		{ UINT64_MAX - 0xf, 5, 5 },
		{ UINT64_MAX, 0, 0 },
		/* 2^31 - 1 ahead stays ahead; 2^31 either way goes lower. */
		{ 0x100000000ull, 0x7fffffffu, 0x17fffffffull },
		{ 0x100000000ull, 0x80000000u, 0x80000000ull },
		{ 0x180000000ull, 0, 0x100000000ull },
		{ 0x17fffffffull, 0xffffffffu, 0xffffffffull },
		{ 0x180000000ull, 0xffffffffu, 0x1ffffffffull },
		{ 0x80000000ull, 0, 0 },
		{ 0x7fffffffull, 0xffffffffu, UINT64_MAX },
		{ 0x80000000ull, 0xffffffffu, 0xffffffffull },
		{ 0, 0x80000000u, 0xffffffff80000000ull },
	};
	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = mptcp_expand_seq(cases[i].ref, cases[i].low);

		if (got != cases[i].want)
			fail_msg("expand(%#llx, %#x) = %#llx, want %#llx",
				 (unsigned long long)cases[i].ref, cases[i].low,
				 (unsigned long long)got, (unsigned long long)cases[i].want);
	}
	/* Anything less than 2^31 away comes back exactly. */
	for (unsigned i = 0; i < 100000; i++) {
		uint64_t ref = i < 50000 ? rnd64() : (rnd64() & 0xffffffffull) | (uint64_t)i << 32;
		uint64_t d = rnd() & (i % 4 == 0 ? 0xffffu : 0x7fffffffu);
		uint64_t ahead = ref + d, behind = ref - d;

		assert_true(mptcp_expand_seq(ref, (uint32_t)ahead) == ahead);
		assert_true(mptcp_expand_seq(ref, (uint32_t)behind) == behind);
	}
}

/* The RFC 1071 way, one byte at a time over the pseudo-header and the
 * payload laid out in memory. */
static uint16_t ref_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t len, const uint8_t *p, unsigned n)
{
	uint8_t hdr[16];
	uint32_t sum = 0;

	for (unsigned i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(dsn >> (56 - 8 * i));
	for (unsigned i = 0; i < 4; i++)
		hdr[8 + i] = (uint8_t)(ssn >> (24 - 8 * i));
	hdr[12] = (uint8_t)(len >> 8);
	hdr[13] = (uint8_t)len;
	hdr[14] = hdr[15] = 0;
	for (unsigned i = 0; i < 16 + n; i++) {
		uint8_t b = i < 16 ? hdr[i] : p[i - 16];

		sum += i % 2 == 0 ? (uint32_t)b << 8 : b;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

/* The payload's sum as the API wants it, unfolded. */
static uint32_t be_sum(const uint8_t *p, unsigned n)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n % 2)
		sum += (uint32_t)p[n - 1] << 8; /* the odd byte as a high half */
	return sum;
}

static void test_dss_csum(void **state)
{
	static const uint8_t three[] = { 0x0f, 0x10, 0x11 };
	static uint8_t payload[65535];

	(void)state;
	/* By hand: 0102+0304+0506+0708+090a+0b0c+0d0e+0000+0f10+1100 = 0x5148. */
	assert_int_equal(mptcp_dss_csum(0x0102030405060708ull, 0x090a0b0c, 0x0d0e, 0x0f10 + 0x1100),
			 0xaeb7);
	assert_int_equal(ref_dss_csum(0x0102030405060708ull, 0x090a0b0c, 0x0d0e, three, 3), 0xaeb7);

	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)rnd();
	for (unsigned iter = 0; iter < 2000; iter++) {
		/* Every small length, Ethernet-sized ones, and nearly 64 KiB. */
		unsigned n = iter < 64 ? iter : iter % 50 ? rnd() % 1501 : 65535 - rnd() % 4;
		const uint8_t *p = payload + rnd() % (sizeof(payload) - n + 1);
		uint64_t dsn = iter % 3 == 0 ? UINT64_MAX - iter : rnd64();
		uint32_t ssn = rnd();
		uint16_t len = (uint16_t)(iter % 2 ? n : rnd());
		uint16_t want = ref_dss_csum(dsn, ssn, len, p, n);
		uint16_t raw = tcpstack_cksum_raw(p, n);
		uint8_t hdr[16];
		uint32_t total;

		assert_int_equal(mptcp_dss_csum(dsn, ssn, len, be_sum(p, n)), want);
		/* tcpstack's folded sum, in network order: as good. */
		assert_int_equal(mptcp_dss_csum(dsn, ssn, len, rte_be_to_cpu_16(raw)), want);
		/* A receiver's check: the header with the checksum in it and
		 * the payload sum to 0xffff. */
		for (unsigned i = 0; i < 8; i++)
			hdr[i] = (uint8_t)(dsn >> (56 - 8 * i));
		for (unsigned i = 0; i < 4; i++)
			hdr[8 + i] = (uint8_t)(ssn >> (24 - 8 * i));
		hdr[12] = (uint8_t)(len >> 8);
		hdr[13] = (uint8_t)len;
		hdr[14] = (uint8_t)(want >> 8);
		hdr[15] = (uint8_t)want;
		total = be_sum(hdr, 16) + be_sum(p, n);
		while (total >> 16)
			total = (total & 0xffff) + (total >> 16);
		assert_int_equal(total, 0xffff);
	}
}

/* Option-shaped random bytes: the right length for the subtype's layouts
 * mostly, sometimes one off, sometimes anything. Parsed, judged against
 * the RFC's table, written back, parsed again. */
static void test_random_options(void **state)
{
	static const uint8_t common[] = { 3, 4, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30 };
	unsigned counts[4] = { 0 };

	(void)state;
	for (unsigned iter = 0; iter < 200000; iter++) {
		uint8_t opt[64], out[64], m2, m3;
		unsigned len = common[rnd() % sizeof(common)];
		struct mptcp_opts o, back;
		enum mptcp_opt_result res, want;
		unsigned sub;

		if (rnd() % 8 == 0)
			len = rnd() % 41;
		else if (rnd() % 8 == 0)
			len += rnd() % 3 - 1;
		for (unsigned i = 0; i < sizeof(opt); i++)
			opt[i] = (uint8_t)rnd();
		opt[0] = MPTCP_OPT_KIND;
		opt[1] = (uint8_t)len;
		if (rnd() % 4 != 0) /* mostly a known subtype and version 1 */
			opt[2] = (uint8_t)((rnd() % MPTCP_SUB_COUNT) << 4 | (opt[2] & 0xf));
		if ((opt[2] >> 4) == MPTCP_SUB_CAPABLE && rnd() % 8 != 0)
			opt[2] = 0x01;
		sub = opt[2] >> 4;
		memset(&o, 0, sizeof(o));
		res = parse_exact(opt, len, &o);
		if (len < 3)
			want = MPTCP_OPT_MALFORMED;
		else if (sub >= MPTCP_SUB_COUNT)
			want = MPTCP_OPT_UNKNOWN;
		else
			want = rfc_len_ok(sub, opt[2], len >= 4 ? opt[3] : 0, len)
				       ? MPTCP_OPT_OK
				       : MPTCP_OPT_MALFORMED;
		if (res != want)
			fail_msg("%02x %02x %02x %02x: result %d, want %d", opt[0], opt[1], opt[2],
				 opt[3], res, want);
		counts[res]++;
		if (res != MPTCP_OPT_OK) {
			assert_int_equal(o.present, 0);
			continue;
		}
		assert_int_equal(o.present, MPTCP_OPTF(sub));
		if (sub == MPTCP_SUB_CAPABLE && o.mpc.version != MPTCP_VERSION_1)
			continue;
		/* Written back: the same bytes, less the reserved bits. */
		memset(out, 0xa5, sizeof(out));
		assert_int_equal(mptcp_opt_write(out, sizeof(out), &o, sub), len);
		kept_bits(sub, len, &m2, &m3);
		assert_int_equal(out[2], opt[2] & m2);
		if (len > 3)
			assert_int_equal(out[3], opt[3] & m3);
		assert_memory_equal(out + 4, opt + 4, len > 4 ? len - 4 : 0);
		assert_int_equal(out[len], 0xa5);
		memset(&back, 0, sizeof(back));
		assert_int_equal(parse_exact(out, len, &back), MPTCP_OPT_OK);
		assert_true(same_sub(&o, &back, sub));
	}
	print_message("random options: %u ok, %u malformed, %u unknown\n", counts[MPTCP_OPT_OK],
		      counts[MPTCP_OPT_MALFORMED], counts[MPTCP_OPT_UNKNOWN]);
	for (unsigned i = 0; i < 3; i++)
		assert_true(counts[i] > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mp_capable),     cmocka_unit_test(test_mp_capable_versions),
		cmocka_unit_test(test_mp_join),	       cmocka_unit_test(test_dss),
		cmocka_unit_test(test_dss_lengths),    cmocka_unit_test(test_add_addr),
		cmocka_unit_test(test_small_options),  cmocka_unit_test(test_every_length),
		cmocka_unit_test(test_header_checks),  cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_duplicates),     cmocka_unit_test(test_from_tcp_area),
		cmocka_unit_test(test_round_trip_all), cmocka_unit_test(test_write_refuses),
		cmocka_unit_test(test_expand_seq),     cmocka_unit_test(test_dss_csum),
		cmocka_unit_test(test_random_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
