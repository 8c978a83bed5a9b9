/* SPDX-License-Identifier: BSD-3-Clause */
/* MPTCP v1 option codec. Each subtype has a parser that first decides from
 * the length alone (and, for DSS and ADD_ADDR, the flags in the first four
 * bytes) whether the option has one of its layouts, and only then reads
 * the fields that layout puts inside that length; so no option, however
 * hostile, is read past its end. It parses into a scratch copy, so that a
 * malformed or duplicate option leaves the caller's struct as it was. The
 * writers reproduce net/mptcp/options.c (mptcp_write_options()) byte for
 * byte, less the NOPs Linux puts after an option whose length is not a
 * multiple of 4. */
#include <stddef.h>
#include <string.h>

#include "mptcp/options.h"

#define MPTCP_LEN_DSS_BASE 4
#define MPTCP_LEN_RM_ADDR_BASE 3
#define MPTCP_LEN_PORT 2
#define MPTCP_LEN_ADD_ADDR_HMAC 8

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
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

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* The third byte: subtype in the high nibble, 4 subtype-specific bits. */
static uint8_t sub_byte(enum mptcp_subtype sub, unsigned nibble)
{
	return (uint8_t)((unsigned)sub << 4 | (nibble & 0xf));
}

/* ---- MP_CAPABLE (RFC 8684 3.1) */

static bool mpc_layout(unsigned len)
{
	return len == MPTCP_LEN_MPC_SYN || len == MPTCP_LEN_MPC_SYNACK ||
	       len == MPTCP_LEN_MPC_ACK || len == MPTCP_LEN_MPC_ACK_DATA ||
	       len == MPTCP_LEN_MPC_ACK_DATA_CSUM;
}

static bool parse_mpc(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	struct mptcp_opt_mpc *m = &t->mpc;

	if (len < MPTCP_LEN_MPC_SYN)
		return false;
	m->version = p[2] & 0xf;
	m->flags = p[3];
	m->len = (uint8_t)len;
	/* Another version has other layouts (v0's SYN is 12 bytes, with a
	 * key): only the version is trusted, for the caller to fall back or
	 * answer with v1. */
	if (m->version != MPTCP_VERSION_1)
		return true;
	if (!mpc_layout(len))
		return false;
	if (len >= MPTCP_LEN_MPC_SYNACK)
		m->snd_key = get_be64(p + 4);
	if (len >= MPTCP_LEN_MPC_ACK)
		m->rcv_key = get_be64(p + 12);
	if (len >= MPTCP_LEN_MPC_ACK_DATA)
		m->data_len = get_be16(p + 20);
	if (len == MPTCP_LEN_MPC_ACK_DATA_CSUM)
		m->csum = get_be16(p + 22);
	return true;
}

static unsigned len_mpc(const struct mptcp_opts *o)
{
	return mpc_layout(o->mpc.len) ? o->mpc.len : 0;
}

static void write_mpc(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	const struct mptcp_opt_mpc *m = &o->mpc;

	p[2] = sub_byte(MPTCP_SUB_CAPABLE, m->version);
	p[3] = m->flags;
	if (len >= MPTCP_LEN_MPC_SYNACK)
		put_be64(p + 4, m->snd_key);
	if (len >= MPTCP_LEN_MPC_ACK)
		put_be64(p + 12, m->rcv_key);
	if (len >= MPTCP_LEN_MPC_ACK_DATA)
		put_be16(p + 20, m->data_len);
	if (len == MPTCP_LEN_MPC_ACK_DATA_CSUM)
		put_be16(p + 22, m->csum);
}

/* ---- MP_JOIN (RFC 8684 3.2): the length alone tells the three apart. */

static bool parse_join(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	struct mptcp_opt_join *j = &t->join;

	switch (len) {
	case MPTCP_LEN_JOIN_SYN:
		j->token = get_be32(p + 4);
		j->nonce = get_be32(p + 8);
		break;
	case MPTCP_LEN_JOIN_SYNACK:
		j->thmac = get_be64(p + 4);
		j->nonce = get_be32(p + 12);
		break;
	case MPTCP_LEN_JOIN_ACK:
		/* The bits after the subtype and the fourth byte are reserved. */
		memcpy(j->hmac, p + 4, MPTCP_HMAC_LEN);
		j->len = (uint8_t)len;
		return true;
	default:
		return false;
	}
	j->len = (uint8_t)len;
	j->backup = p[2] & 0x1;
	j->addr_id = p[3];
	return true;
}

static unsigned len_join(const struct mptcp_opts *o)
{
	switch (o->join.len) {
	case MPTCP_LEN_JOIN_SYN:
	case MPTCP_LEN_JOIN_SYNACK:
	case MPTCP_LEN_JOIN_ACK:
		return o->join.len;
	default:
		return 0;
	}
}

static void write_join(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	const struct mptcp_opt_join *j = &o->join;

	if (len == MPTCP_LEN_JOIN_ACK) {
		p[2] = sub_byte(MPTCP_SUB_JOIN, 0);
		p[3] = 0;
		memcpy(p + 4, j->hmac, MPTCP_HMAC_LEN);
		return;
	}
	p[2] = sub_byte(MPTCP_SUB_JOIN, j->backup ? 1 : 0);
	p[3] = j->addr_id;
	if (len == MPTCP_LEN_JOIN_SYN) {
		put_be32(p + 4, j->token);
		put_be32(p + 8, j->nonce);
	} else {
		put_be64(p + 4, j->thmac);
		put_be32(p + 12, j->nonce);
	}
}

/* ---- DSS (RFC 8684 3.3): 4 bytes, the data ACK (4 or 8) if A, the
 * mapping if M: DSN (4 or 8), subflow sequence number (4), data-level
 * length (2) and, when checksums were negotiated, the checksum (2). The
 * flags cannot say whether the checksum is there; the length does. */

static unsigned dss_len(uint8_t flags, bool csum)
{
	unsigned len = MPTCP_LEN_DSS_BASE;

	if (flags & MPTCP_DSS_ACK)
		len += flags & MPTCP_DSS_ACK64 ? 8 : 4;
	if (flags & MPTCP_DSS_MAP)
		len += (flags & MPTCP_DSS_DSN64 ? 8 : 4) + 4 + 2 + (csum ? 2 : 0);
	return len;
}

static bool parse_dss(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	struct mptcp_opt_dss *d = &t->dss;
	unsigned off = MPTCP_LEN_DSS_BASE;

	if (len < MPTCP_LEN_DSS_BASE)
		return false;
	d->flags = p[3] & MPTCP_DSS_FLAGS;
	/* m and a without M and A describe fields that are not there: they
	 * change no length and are kept as sent. A checksum without a
	 * mapping has nothing to cover, so that length is refused. */
	if (len == dss_len(d->flags, true) && (d->flags & MPTCP_DSS_MAP))
		d->has_csum = true;
	else if (len != dss_len(d->flags, false))
		return false;
	if (d->flags & MPTCP_DSS_ACK) {
		if (d->flags & MPTCP_DSS_ACK64) {
			d->data_ack = get_be64(p + off);
			off += 8;
		} else {
			d->data_ack = get_be32(p + off);
			off += 4;
		}
	}
	if (d->flags & MPTCP_DSS_MAP) {
		if (d->flags & MPTCP_DSS_DSN64) {
			d->dsn = get_be64(p + off);
			off += 8;
		} else {
			d->dsn = get_be32(p + off);
			off += 4;
		}
		d->ssn = get_be32(p + off);
		d->data_len = get_be16(p + off + 4);
		if (d->has_csum)
			d->csum = get_be16(p + off + 6);
	}
	return true;
}

static unsigned len_dss(const struct mptcp_opts *o)
{
	return dss_len(o->dss.flags & MPTCP_DSS_FLAGS, o->dss.has_csum);
}

static void write_dss(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	const struct mptcp_opt_dss *d = &o->dss;
	uint8_t flags = d->flags & MPTCP_DSS_FLAGS;
	unsigned off = MPTCP_LEN_DSS_BASE;

	(void)len;
	p[2] = sub_byte(MPTCP_SUB_DSS, 0);
	p[3] = flags;
	if (flags & MPTCP_DSS_ACK) {
		if (flags & MPTCP_DSS_ACK64) {
			put_be64(p + off, d->data_ack);
			off += 8;
		} else {
			put_be32(p + off, (uint32_t)d->data_ack);
			off += 4;
		}
	}
	if (flags & MPTCP_DSS_MAP) {
		if (flags & MPTCP_DSS_DSN64) {
			put_be64(p + off, d->dsn);
			off += 8;
		} else {
			put_be32(p + off, (uint32_t)d->dsn);
			off += 4;
		}
		put_be32(p + off, d->ssn);
		put_be16(p + off + 4, d->data_len);
		if (d->has_csum)
			put_be16(p + off + 6, d->csum);
	}
}

/* ---- ADD_ADDR (RFC 8684 3.4.1): 4 bytes, the address (4 or 16), the
 * port (2, optional), the truncated HMAC (8) unless E. v1 has no IPVer
 * field (the nibble is 3 reserved bits and E): the length gives the
 * family, and each of the eight lengths is one layout. */

static unsigned add_addr_len(unsigned family, bool port, bool echo)
{
	return 4 + (family == MPTCP_ADDR_V4 ? 4 : 16) + (port ? MPTCP_LEN_PORT : 0) +
	       (echo ? 0 : MPTCP_LEN_ADD_ADDR_HMAC);
}

static bool parse_add_addr(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	static const uint8_t families[] = { MPTCP_ADDR_V4, MPTCP_ADDR_V6 };
	struct mptcp_opt_add_addr *a = &t->add_addr;
	unsigned alen;

	a->echo = p[2] & 0x1;
	for (unsigned f = 0; f < sizeof(families); f++) {
		for (unsigned port = 0; port <= 1; port++) {
			if (len == add_addr_len(families[f], port, a->echo)) {
				a->family = families[f];
				a->has_port = port;
			}
		}
	}
	if (a->family == 0)
		return false;
	alen = a->family == MPTCP_ADDR_V4 ? 4 : 16;
	a->addr_id = p[3];
	memcpy(a->addr, p + 4, alen);
	if (a->has_port)
		a->port = get_be16(p + 4 + alen);
	if (!a->echo)
		a->hmac = get_be64(p + 4 + alen + (a->has_port ? MPTCP_LEN_PORT : 0));
	return true;
}

static unsigned len_add_addr(const struct mptcp_opts *o)
{
	const struct mptcp_opt_add_addr *a = &o->add_addr;

	if (a->family != MPTCP_ADDR_V4 && a->family != MPTCP_ADDR_V6)
		return 0;
	return add_addr_len(a->family, a->has_port, a->echo);
}

static void write_add_addr(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	const struct mptcp_opt_add_addr *a = &o->add_addr;
	unsigned off = 4 + (a->family == MPTCP_ADDR_V4 ? 4 : 16);

	(void)len;
	p[2] = sub_byte(MPTCP_SUB_ADD_ADDR, a->echo ? 1 : 0);
	p[3] = a->addr_id;
	memcpy(p + 4, a->addr, off - 4);
	if (a->has_port) {
		put_be16(p + off, a->port);
		off += MPTCP_LEN_PORT;
	}
	if (!a->echo)
		put_be64(p + off, a->hmac);
}

/* ---- REMOVE_ADDR (RFC 8684 3.4.2): one address id a byte, at least one. */

static bool parse_remove_addr(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	struct mptcp_opt_remove_addr *r = &t->remove_addr;

	if (len < MPTCP_LEN_RM_ADDR_BASE + 1 || len > MPTCP_LEN_RM_ADDR_BASE + MPTCP_RM_ADDR_MAX)
		return false;
	r->n = (uint8_t)(len - MPTCP_LEN_RM_ADDR_BASE);
	memcpy(r->ids, p + MPTCP_LEN_RM_ADDR_BASE, r->n);
	return true;
}

static unsigned len_remove_addr(const struct mptcp_opts *o)
{
	unsigned n = o->remove_addr.n;

	return n >= 1 && n <= MPTCP_RM_ADDR_MAX ? MPTCP_LEN_RM_ADDR_BASE + n : 0;
}

static void write_remove_addr(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	p[2] = sub_byte(MPTCP_SUB_REMOVE_ADDR, 0);
	memcpy(p + MPTCP_LEN_RM_ADDR_BASE, o->remove_addr.ids, len - MPTCP_LEN_RM_ADDR_BASE);
}

/* ---- MP_PRIO (RFC 8684 3.3.8): 3 bytes; RFC 6824 added an address id. */

static bool parse_prio(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	struct mptcp_opt_prio *r = &t->prio;

	if (len != MPTCP_LEN_PRIO && len != MPTCP_LEN_PRIO_V0)
		return false;
	r->backup = p[2] & 0x1;
	if (len == MPTCP_LEN_PRIO_V0) {
		r->has_addr_id = true;
		r->addr_id = p[3];
	}
	return true;
}

static unsigned len_prio(const struct mptcp_opts *o)
{
	return o->prio.has_addr_id ? MPTCP_LEN_PRIO_V0 : MPTCP_LEN_PRIO;
}

static void write_prio(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	p[2] = sub_byte(MPTCP_SUB_PRIO, o->prio.backup ? 1 : 0);
	if (len == MPTCP_LEN_PRIO_V0)
		p[3] = o->prio.addr_id;
}

/* ---- MP_FAIL (3.7) and MP_FASTCLOSE (3.5): 12 reserved bits, 64 bits. */

static bool parse_fail(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	if (len != MPTCP_LEN_FAIL)
		return false;
	t->fail.dsn = get_be64(p + 4);
	return true;
}

static unsigned len_fail(const struct mptcp_opts *o)
{
	(void)o;
	return MPTCP_LEN_FAIL;
}

static void write_fail(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	(void)len;
	p[2] = sub_byte(MPTCP_SUB_FAIL, 0);
	p[3] = 0;
	put_be64(p + 4, o->fail.dsn);
}

static bool parse_fastclose(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	if (len != MPTCP_LEN_FASTCLOSE)
		return false;
	t->fastclose.rcv_key = get_be64(p + 4);
	return true;
}

static unsigned len_fastclose(const struct mptcp_opts *o)
{
	(void)o;
	return MPTCP_LEN_FASTCLOSE;
}

static void write_fastclose(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	(void)len;
	p[2] = sub_byte(MPTCP_SUB_FASTCLOSE, 0);
	p[3] = 0;
	put_be64(p + 4, o->fastclose.rcv_key);
}

/* ---- MP_TCPRST (3.6): U V W T flags in the nibble, then the reason. */

static bool parse_tcprst(const uint8_t *p, unsigned len, struct mptcp_opts *t)
{
	if (len != MPTCP_LEN_TCPRST)
		return false;
	t->tcprst.flags = p[2] & MPTCP_RST_FLAGS;
	t->tcprst.reason = p[3];
	return true;
}

static unsigned len_tcprst(const struct mptcp_opts *o)
{
	(void)o;
	return MPTCP_LEN_TCPRST;
}

static void write_tcprst(uint8_t *p, unsigned len, const struct mptcp_opts *o)
{
	(void)len;
	p[2] = sub_byte(MPTCP_SUB_TCPRST, o->tcprst.flags);
	p[3] = o->tcprst.reason;
}

/* ---- dispatch */

struct subtype_ops {
	/* Fills its member of a zeroed struct; false if no layout fits. */
	bool (*parse)(const uint8_t *p, unsigned len, struct mptcp_opts *t);
	unsigned (*len)(const struct mptcp_opts *o); /* 0: cannot be written */
	/* Bytes 2.. of an option of @p len (> 0) bytes; 0 and 1 are done. */
	void (*write)(uint8_t *p, unsigned len, const struct mptcp_opts *o);
	size_t off, size; /* its member of struct mptcp_opts */
};

#define OPS(sub, name)                                                                       \
	[sub] = { parse_##name, len_##name, write_##name, offsetof(struct mptcp_opts, name), \
		  sizeof(((struct mptcp_opts *)0)->name) }

static const struct subtype_ops ops[MPTCP_SUB_COUNT] = {
	OPS(MPTCP_SUB_CAPABLE, mpc),
	OPS(MPTCP_SUB_JOIN, join),
	OPS(MPTCP_SUB_DSS, dss),
	OPS(MPTCP_SUB_ADD_ADDR, add_addr),
	OPS(MPTCP_SUB_REMOVE_ADDR, remove_addr),
	OPS(MPTCP_SUB_PRIO, prio),
	OPS(MPTCP_SUB_FAIL, fail),
	OPS(MPTCP_SUB_FASTCLOSE, fastclose),
	OPS(MPTCP_SUB_TCPRST, tcprst),
};

enum mptcp_opt_result mptcp_opt_parse(const uint8_t *opt, unsigned len, struct mptcp_opts *o)
{
	struct mptcp_opts t;
	unsigned sub;

	/* Kind, length and the subtype byte, and a length byte that agrees
	 * with the length the option layer found. */
	if (len < 3 || opt[0] != MPTCP_OPT_KIND || opt[1] != len)
		return MPTCP_OPT_MALFORMED;
	sub = opt[2] >> 4;
	if (sub >= MPTCP_SUB_COUNT)
		return MPTCP_OPT_UNKNOWN;
	memset(&t, 0, sizeof(t));
	if (!ops[sub].parse(opt, len, &t))
		return MPTCP_OPT_MALFORMED;
	/* RFC 8684 does not say what a second option of a subtype in one
	 * segment means (two mappings, two data ACKs). Linux lets the last
	 * overwrite; here the first stays and the caller is told, so that a
	 * parse only ever adds to *o and never rewrites what it reported. */
	if (o->present & MPTCP_OPTF(sub))
		return MPTCP_OPT_DUPLICATE;
	memcpy((uint8_t *)o + ops[sub].off, (const uint8_t *)&t + ops[sub].off, ops[sub].size);
	o->present |= MPTCP_OPTF(sub);
	return MPTCP_OPT_OK;
}

unsigned mptcp_opt_len(const struct mptcp_opts *o, enum mptcp_subtype which)
{
	if ((unsigned)which >= MPTCP_SUB_COUNT)
		return 0;
	return ops[which].len(o);
}

unsigned mptcp_opt_write(uint8_t *buf, unsigned room, const struct mptcp_opts *o,
			 enum mptcp_subtype which)
{
	unsigned len = mptcp_opt_len(o, which);

	if (len == 0 || len > room)
		return 0;
	buf[0] = MPTCP_OPT_KIND;
	buf[1] = (uint8_t)len;
	ops[which].write(buf, len, o);
	return len;
}

uint64_t mptcp_expand_seq(uint64_t ref, uint32_t low32)
{
	uint32_t ahead = low32 - (uint32_t)ref; /* mod 2^32 */

	if (ahead < 0x80000000u)
		return ref + ahead;
	return ref - ((uint64_t)1 << 32) + ahead; /* behind by 2^32 - ahead */
}

uint16_t mptcp_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t data_len, uint32_t payload_sum)
{
	/* The pseudo-header as big-endian 16-bit words; the zero checksum
	 * field adds nothing. 64 bits cannot overflow on these nine terms. */
	uint64_t sum = (uint64_t)payload_sum + (dsn >> 48) + (dsn >> 32 & 0xffff) +
		       (dsn >> 16 & 0xffff) + (dsn & 0xffff) + (ssn >> 16) + (ssn & 0xffff) +
		       data_len;

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
