/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: MPTCP options through mptcp_opt_parse() and
 * mptcp_opt_write(), and the helpers mptcp_expand_seq() and
 * mptcp_dss_csum().
 *
 * The input is cut into options as a TCP options area would be (at each
 * option's length byte, or the rest of the input when that byte cannot be
 * believed), and each is parsed, from an exactly sized heap copy (ASan sees
 * overreads), into one struct, as the options of one segment are. Checks:
 *  - the result is the one a table of RFC 8684's lengths written here
 *    gives (MALFORMED, UNKNOWN, DUPLICATE when the subtype is already in
 *    the struct, else OK);
 *  - anything but OK leaves the struct byte for byte as it was; OK sets the
 *    subtype's bit and changes nothing but its sub-struct;
 *  - what was parsed holds together: a layout's length, fields the layout
 *    does not have are 0, 4-byte fields below 2^32, checksum only after a
 *    mapping, a known family, 1..37 ids;
 *  - written back, a v1 option takes the same length and the same bytes
 *    less the reserved bits, and parses to the same; with a byte less room
 *    nothing is written;
 *  - mptcp_expand_seq(), on values from the input, keeps the low 32 bits
 *    and lands within 2^31; mptcp_dss_csum() over the input equals the
 *    checksum summed a byte at a time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/options.h"
#include "tests/fuzz/fuzz.h"

#define INPUT_MAX 1024
#define OPT_MAX 255 /* what a length byte can say */

/* Where each subtype's sub-struct lies in struct mptcp_opts. */
#define SLOT(m)                                                                     \
	{                                                                           \
		offsetof(struct mptcp_opts, m), sizeof(((struct mptcp_opts *)0)->m) \
	}
static const struct {
	size_t off, size;
} slots[MPTCP_SUB_COUNT] = {
	SLOT(mpc),  SLOT(join), SLOT(dss),	 SLOT(add_addr), SLOT(remove_addr),
	SLOT(prio), SLOT(fail), SLOT(fastclose), SLOT(tcprst),
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* RFC 8684's lengths, per subtype; b2, b3: the third and fourth bytes. */
static bool rfc_len_ok(unsigned sub, uint8_t b2, uint8_t b3, size_t len)
{
	switch (sub) {
	case MPTCP_SUB_CAPABLE:
		if ((b2 & 0xf) != 1)
			return len >= 4;
		return len == 4 || len == 12 || len == 20 || len == 22 || len == 24;
	case MPTCP_SUB_JOIN:
		return len == 12 || len == 16 || len == 24;
	case MPTCP_SUB_DSS: {
		size_t want = 4;

		if (len < 4)
			return false;
		if (b3 & 0x01)
			want += b3 & 0x02 ? 8 : 4;
		if (b3 & 0x04)
			want += (b3 & 0x08 ? 8 : 4) + 6;
		return len == want || ((b3 & 0x04) && len == want + 2);
	}
	case MPTCP_SUB_ADD_ADDR:
		if (b2 & 1)
			return len == 8 || len == 10 || len == 20 || len == 22;
		return len == 16 || len == 18 || len == 28 || len == 30;
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
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void check_parsed(const struct mptcp_opts *o, unsigned sub, size_t len)
{
	switch (sub) {
	case MPTCP_SUB_CAPABLE: {
		const struct mptcp_opt_mpc *m = &o->mpc;

		FUZZ_CHECK(m->len == len && m->version <= 0xf, "MP_CAPABLE len %u version %u",
			   m->len, m->version);
		if (m->version != MPTCP_VERSION_1) {
			FUZZ_CHECK(m->snd_key == 0 && m->rcv_key == 0 && m->data_len == 0 &&
					   m->csum == 0,
				   "MP_CAPABLE v%u: fields decoded", m->version);
			break;
		}
		FUZZ_CHECK((len >= 12 || m->snd_key == 0) && (len >= 20 || m->rcv_key == 0) &&
				   (len >= 22 || m->data_len == 0) && (len == 24 || m->csum == 0),
			   "MP_CAPABLE %zu: a field it has not", len);
		break;
	}
	case MPTCP_SUB_JOIN: {
		const struct mptcp_opt_join *j = &o->join;

		FUZZ_CHECK(j->len == len, "MP_JOIN len %u of %zu", j->len, len);
		FUZZ_CHECK(len == 12 || j->token == 0, "MP_JOIN token");
		FUZZ_CHECK(len != 24 || (j->nonce == 0 && !j->backup && j->addr_id == 0),
			   "MP_JOIN ACK: nonce, backup or id");
		FUZZ_CHECK(len == 16 || j->thmac == 0, "MP_JOIN truncated HMAC");
		FUZZ_CHECK(len == 24 || all_zero(j->hmac, MPTCP_HMAC_LEN), "MP_JOIN HMAC");
		break;
	}
	case MPTCP_SUB_DSS: {
		const struct mptcp_opt_dss *d = &o->dss;
		bool map = d->flags & MPTCP_DSS_MAP, ack = d->flags & MPTCP_DSS_ACK;

		FUZZ_CHECK((d->flags & ~MPTCP_DSS_FLAGS) == 0, "DSS flags %#x", d->flags);
		FUZZ_CHECK(!d->has_csum || map, "DSS checksum without mapping");
		FUZZ_CHECK(ack || d->data_ack == 0, "DSS data ACK without A");
		FUZZ_CHECK(!ack || (d->flags & MPTCP_DSS_ACK64) || d->data_ack <= UINT32_MAX,
			   "DSS 4-byte data ACK %#llx", (unsigned long long)d->data_ack);
		FUZZ_CHECK(map || (d->dsn == 0 && d->ssn == 0 && d->data_len == 0),
			   "DSS mapping without M");
		FUZZ_CHECK(!map || (d->flags & MPTCP_DSS_DSN64) || d->dsn <= UINT32_MAX,
			   "DSS 4-byte DSN %#llx", (unsigned long long)d->dsn);
		FUZZ_CHECK(d->has_csum || d->csum == 0, "DSS checksum value without one");
		break;
	}
	case MPTCP_SUB_ADD_ADDR: {
		const struct mptcp_opt_add_addr *a = &o->add_addr;

		FUZZ_CHECK(a->family == MPTCP_ADDR_V4 || a->family == MPTCP_ADDR_V6,
			   "ADD_ADDR family %u", a->family);
		FUZZ_CHECK(a->family == MPTCP_ADDR_V6 || all_zero(a->addr + 4, 12),
			   "ADD_ADDR IPv4 with 16 bytes");
		FUZZ_CHECK(a->has_port || a->port == 0, "ADD_ADDR port without one");
		FUZZ_CHECK(!a->echo || a->hmac == 0, "ADD_ADDR echo with HMAC");
		break;
	}
	case MPTCP_SUB_REMOVE_ADDR: {
		const struct mptcp_opt_remove_addr *r = &o->remove_addr;

		FUZZ_CHECK(r->n >= 1 && r->n <= MPTCP_RM_ADDR_MAX && r->n + 3u == len,
			   "REMOVE_ADDR n %u of %zu", r->n, len);
		FUZZ_CHECK(all_zero(r->ids + r->n, MPTCP_RM_ADDR_MAX - r->n), "REMOVE_ADDR tail");
		break;
	}
	case MPTCP_SUB_PRIO:
		FUZZ_CHECK(o->prio.has_addr_id == (len == 4), "MP_PRIO form");
		FUZZ_CHECK(o->prio.has_addr_id || o->prio.addr_id == 0, "MP_PRIO id");
		break;
	case MPTCP_SUB_TCPRST:
		FUZZ_CHECK(o->tcprst.flags <= MPTCP_RST_FLAGS, "MP_TCPRST flags %#x",
			   o->tcprst.flags);
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

/* Bits of bytes 2 and 3 a round trip keeps (the others are reserved). */
static void kept_bits(unsigned sub, size_t len, uint8_t *m2, uint8_t *m3)
{
	*m2 = 0xf0;
	*m3 = 0xff;
	if (sub == MPTCP_SUB_CAPABLE || sub == MPTCP_SUB_TCPRST)
		*m2 = 0xff;
	else if (sub == MPTCP_SUB_JOIN && len == 24)
		*m3 = 0;
	else if (sub == MPTCP_SUB_JOIN || sub == MPTCP_SUB_ADD_ADDR || sub == MPTCP_SUB_PRIO)
		*m2 = 0xf1;
	else if (sub == MPTCP_SUB_DSS)
		*m3 = MPTCP_DSS_FLAGS;
	else if (sub == MPTCP_SUB_FAIL || sub == MPTCP_SUB_FASTCLOSE)
		*m3 = 0;
}

static void check_write(const struct mptcp_opts *o, unsigned sub, const uint8_t *in, size_t len)
{
	uint8_t out[OPT_MAX + 8], m2, m3;
	struct mptcp_opts back;
	unsigned n = mptcp_opt_len(o, sub);

	if (sub == MPTCP_SUB_CAPABLE && o->mpc.version != MPTCP_VERSION_1) {
		/* Only the header was read: written only at a v1 length. */
		bool v1_len = len == 4 || len == 12 || len == 20 || len == 22 || len == 24;

		FUZZ_CHECK(n == (v1_len ? len : 0), "MP_CAPABLE v%u of %zu: length %u",
			   o->mpc.version, len, n);
		if (n == 0)
			return;
	}
	FUZZ_CHECK(n == len, "subtype %u: parsed %zu bytes, would write %u", sub, len, n);
	memset(out, 0xa5, sizeof(out));
	FUZZ_CHECK(mptcp_opt_write(out, n - 1, o, sub) == 0 && out[0] == 0xa5,
		   "written in too little room");
	FUZZ_CHECK(mptcp_opt_write(out, (unsigned)sizeof(out), o, sub) == n, "write failed");
	FUZZ_CHECK(out[n] == 0xa5, "written past %u", n);
	kept_bits(sub, len, &m2, &m3);
	if (sub != MPTCP_SUB_CAPABLE || o->mpc.version == MPTCP_VERSION_1) {
		FUZZ_CHECK(out[0] == in[0] && out[1] == in[1] && out[2] == (in[2] & m2),
			   "header %02x %02x %02x for %02x %02x %02x", out[0], out[1], out[2],
			   in[0], in[1], in[2]);
		FUZZ_CHECK(len < 4 || out[3] == (in[3] & m3), "byte 3 %02x for %02x", out[3],
			   in[3]);
		FUZZ_CHECK(len <= 4 || memcmp(out + 4, in + 4, len - 4) == 0,
			   "subtype %u: fields written differently", sub);
	}
	memset(&back, 0, sizeof(back));
	FUZZ_CHECK(mptcp_opt_parse(out, n, &back) == MPTCP_OPT_OK, "own output refused");
	FUZZ_CHECK(back.present == MPTCP_OPTF(sub), "own output: present %#x", back.present);
	FUZZ_CHECK(same_sub(o, &back, sub), "subtype %u: round trip changed it", sub);
}

/* One option of @p len bytes at @p p, parsed into @p o. */
static void check_option(const uint8_t *p, size_t len, struct mptcp_opts *o)
{
	uint8_t *copy = malloc(len ? len : 1); /* exactly sized: ASan sees overreads */
	struct mptcp_opts before;
	enum mptcp_opt_result res, want;
	unsigned sub = len >= 3 ? p[2] >> 4 : 0;

	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, p, len);
	memcpy(&before, o, sizeof(before));
	res = mptcp_opt_parse(copy, (unsigned)len, o);

	if (len < 3 || p[0] != MPTCP_OPT_KIND || p[1] != len)
		want = MPTCP_OPT_MALFORMED;
	else if (sub >= MPTCP_SUB_COUNT)
		want = MPTCP_OPT_UNKNOWN;
	else if (!rfc_len_ok(sub, p[2], len >= 4 ? p[3] : 0, len))
		want = MPTCP_OPT_MALFORMED;
	else if (before.present & MPTCP_OPTF(sub))
		want = MPTCP_OPT_DUPLICATE;
	else
		want = MPTCP_OPT_OK;
	FUZZ_CHECK(res == want, "length %zu subtype %u: result %d, the RFC's table says %d", len,
		   sub, res, want);

	if (res != MPTCP_OPT_OK) {
		FUZZ_CHECK(memcmp(o, &before, sizeof(before)) == 0, "result %d changed the struct",
			   res);
	} else {
		struct mptcp_opts merged;

		FUZZ_CHECK(o->present == (before.present | MPTCP_OPTF(sub)),
			   "present %#x after %#x", o->present, before.present);
		/* Nothing outside the subtype's sub-struct moved. */
		memcpy(&merged, &before, sizeof(merged));
		memcpy((uint8_t *)&merged + slots[sub].off, (const uint8_t *)o + slots[sub].off,
		       slots[sub].size);
		merged.present = o->present;
		FUZZ_CHECK(memcmp(&merged, o, sizeof(merged)) == 0,
			   "subtype %u changed another sub-struct", sub);
		check_parsed(o, sub, len);
		check_write(o, sub, copy, len);
	}
	free(copy);
}

/* The DSS checksum a byte at a time, over the pseudo-header then @p p. */
static uint16_t ref_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t dlen, const uint8_t *p, size_t n)
{
	uint8_t hdr[16] = { 0 };
	uint32_t sum = 0;

	for (unsigned i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(dsn >> (56 - 8 * i));
	for (unsigned i = 0; i < 4; i++)
		hdr[8 + i] = (uint8_t)(ssn >> (24 - 8 * i));
	hdr[12] = (uint8_t)(dlen >> 8);
	hdr[13] = (uint8_t)dlen;
	for (size_t i = 0; i < 16 + n; i++) {
		uint8_t b = i < 16 ? hdr[i] : p[i - 16];

		sum += i % 2 == 0 ? (uint32_t)b << 8 : b;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

static void check_helpers(const uint8_t *data, size_t n)
{
	uint32_t psum = 0;
	uint64_t ref, got;
	uint32_t low;

	if (n < 14)
		return;
	ref = be64(data);
	low = be32(data + 8);
	got = mptcp_expand_seq(ref, low);
	FUZZ_CHECK((uint32_t)got == low, "expand: low 32 bits %#x, want %#x", (uint32_t)got, low);
	FUZZ_CHECK(got - ref < 0x80000000ull || ref - got <= 0x80000000ull,
		   "expand(%#llx, %#x) = %#llx: too far", (unsigned long long)ref, low,
		   (unsigned long long)got);

	for (size_t i = 0; i + 1 < n; i += 2)
		psum += (uint32_t)data[i] << 8 | data[i + 1];
	if (n % 2)
		psum += (uint32_t)data[n - 1] << 8;
	FUZZ_CHECK(mptcp_dss_csum(ref, low, (uint16_t)(data[12] << 8 | data[13]), psum) ==
			   ref_dss_csum(ref, low, (uint16_t)(data[12] << 8 | data[13]), data, n),
		   "DSS checksum over %zu bytes", n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size < INPUT_MAX ? size : INPUT_MAX;
	struct mptcp_opts o;
	size_t off = 0;

	memset(&o, 0, sizeof(o));
	while (off < n) {
		size_t rest = n - off, len = rest;

		if (rest >= 2 && data[off + 1] >= 1 && data[off + 1] <= rest)
			len = data[off + 1];
		if (len > OPT_MAX)
			len = OPT_MAX;
		check_option(data + off, len, &o);
		off += len;
	}
	check_helpers(data, n);
	return 0;
}
