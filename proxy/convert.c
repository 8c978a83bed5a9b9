/* SPDX-License-Identifier: BSD-3-Clause */
/* The conversion exchange between boxes: see convert.h for the API and
 * docs/convert.md for the wire format and why it is so.
 *
 * The decoder waits for the whole 8-byte header, then for the whole
 * message (the header gives its length) before it looks at any TLV: a
 * verdict then depends on the message alone, never on how the stream cut
 * it, and the receiver knows from the header how much it must buffer. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "proxy/convert.h"

const char *const proxy_convert_reason_names[PROXY_CONVERT_REASON_MAX] = {
#define PROXY_CONVERT_REASON_NAME(id, name) [PROXY_CONVERT_##id] = name,
	PROXY_CONVERT_REASON_LIST(PROXY_CONVERT_REASON_NAME)
#undef PROXY_CONVERT_REASON_NAME
};

const char *proxy_convert_result_name(uint8_t result)
{
	static const char *const names[] = {
		[PROXY_CONVERT_CONNECTED] = "connected",
		[PROXY_CONVERT_REFUSED] = "refused",
		[PROXY_CONVERT_UNREACHABLE] = "unreachable",
		[PROXY_CONVERT_TIMED_OUT] = "timed_out",
		[PROXY_CONVERT_NOT_ALLOWED] = "not_allowed",
		[PROXY_CONVERT_BAD_REQUEST] = "bad_request",
		[PROXY_CONVERT_BUSY] = "busy",
	};

	return result < sizeof(names) / sizeof(names[0]) ? names[result] : "unknown";
}

/* --- bytes ---------------------------------------------------------------- */

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* TLV lengths in bytes (the wire says 32-bit words). */
#define ADDR4_LEN 12
#define ADDR6_LEN 24
#define TCPOPTS_LEN 8
#define NONCE_LEN (4 + PROXY_CONVERT_NONCE_LEN)
#define TIME_LEN 12
#define RESULT_LEN 4

/* --- authentication -------------------------------------------------------- */

int proxy_convert_auth_mac(const struct proxy_convert_auth *a, const void *msg, size_t covered,
			   uint8_t out[PROXY_CONVERT_MAC_LEN])
{
	uint8_t data[16 + PROXY_CONVERT_MSG_MAX];
	uint64_t key_o, key_f;
	unsigned outl = 0;
	int rc = 0;

	if (a == NULL || a->psk == NULL || a->psk_len == 0 || a->psk_len > INT_MAX ||
	    covered > PROXY_CONVERT_MSG_MAX || (msg == NULL && covered > 0))
		return -EINVAL;
	if (a->role == PROXY_CONVERT_ROLE_ORIGIN) {
		key_o = a->key_local;
		key_f = a->key_remote;
	} else if (a->role == PROXY_CONVERT_ROLE_FAR) {
		key_o = a->key_remote;
		key_f = a->key_local;
	} else {
		return -EINVAL;
	}
	/* One contiguous message for the one-shot HMAC(): at most 528 bytes. */
	put_be64(data, key_o);
	put_be64(data + 8, key_f);
	if (covered > 0)
		memcpy(data + 16, msg, covered);
	if (HMAC(EVP_sha256(), a->psk, (int)a->psk_len, data, 16 + covered, out, &outl) == NULL ||
	    outl != PROXY_CONVERT_MAC_LEN)
		rc = -ENOMEM;
	/* Both MPTCP keys of the connection were in here. */
	OPENSSL_cleanse(data, 16);
	return rc;
}

int proxy_convert_auth_verify(const struct proxy_convert_auth *a, const void *msg, size_t covered,
			      const uint8_t mac[PROXY_CONVERT_MAC_LEN])
{
	uint8_t want[PROXY_CONVERT_MAC_LEN];
	int rc = proxy_convert_auth_mac(a, msg, covered, want);

	if (rc != 0)
		return rc;
	/* Constant time: how long it takes says nothing of how many leading
	 * bytes a forger got right. */
	return CRYPTO_memcmp(want, mac, PROXY_CONVERT_MAC_LEN) == 0 ? 0 : -EBADMSG;
}

/* --- encoding -------------------------------------------------------------- */

static bool addr_ok(const struct proxy_convert_addr *ad)
{
	return (ad->family == PROXY_CONVERT_AF_INET || ad->family == PROXY_CONVERT_AF_INET6) &&
	       ad->port != 0;
}

static bool opts_ok(const struct proxy_convert_tcpopts *o)
{
	return (o->flags & ~PROXY_CONVERT_OPT_ALL) == 0 &&
	       (!(o->flags & PROXY_CONVERT_OPT_WSCALE) || o->wscale <= 14);
}

static bool auth_ok(const struct proxy_convert_auth *a)
{
	return a != NULL && a->psk != NULL && a->psk_len > 0 &&
	       (a->role == PROXY_CONVERT_ROLE_ORIGIN || a->role == PROXY_CONVERT_ROLE_FAR);
}

static size_t addr_len(const struct proxy_convert_addr *ad)
{
	return ad->family == PROXY_CONVERT_AF_INET ? ADDR4_LEN : ADDR6_LEN;
}

/* Type and length in words; the caller zeroed the TLV's bytes. */
static uint8_t *put_tlv(uint8_t *p, uint8_t type, size_t len)
{
	p[0] = type;
	p[1] = (uint8_t)(len / 4);
	return p;
}

static size_t put_addr(uint8_t *p, uint8_t type, const struct proxy_convert_addr *ad)
{
	size_t len = addr_len(ad);

	put_tlv(p, type, len);
	put_be16(p + 2, ad->port);
	p[4] = ad->family;
	memcpy(p + 8, ad->addr, len - 8);
	return len;
}

static size_t put_opts(uint8_t *p, const struct proxy_convert_tcpopts *o)
{
	put_tlv(p, PROXY_CONVERT_TLV_TCPOPTS, TCPOPTS_LEN);
	if (o->flags & PROXY_CONVERT_OPT_MSS)
		put_be16(p + 2, o->mss);
	p[4] = o->flags;
	if (o->flags & PROXY_CONVERT_OPT_WSCALE)
		p[5] = o->wscale;
	return TCPOPTS_LEN;
}

static size_t put_nonce(uint8_t *p, const uint8_t nonce[PROXY_CONVERT_NONCE_LEN])
{
	put_tlv(p, PROXY_CONVERT_TLV_NONCE, NONCE_LEN);
	memcpy(p + 4, nonce, PROXY_CONVERT_NONCE_LEN);
	return NONCE_LEN;
}

static void put_header(uint8_t *p, enum proxy_convert_kind kind, size_t total)
{
	p[0] = PROXY_CONVERT_VERSION;
	p[1] = (uint8_t)(total / 4);
	put_be16(p + 2, PROXY_CONVERT_MAGIC);
	p[4] = (uint8_t)kind;
}

/* The AUTH TLV at @off, over everything before it. */
static int put_auth(uint8_t *p, size_t off, const struct proxy_convert_auth *a)
{
	put_tlv(p + off, PROXY_CONVERT_TLV_AUTH, PROXY_CONVERT_AUTH_TLV_LEN);
	return proxy_convert_auth_mac(a, p, off, p + off + 4);
}

int proxy_convert_encode_request(void *buf, size_t room, const struct proxy_convert_request *r,
				 const struct proxy_convert_auth *a)
{
	uint8_t *p = buf;
	size_t total, off = PROXY_CONVERT_HDR_LEN;
	int rc;

	if (!addr_ok(&r->client) || !addr_ok(&r->dest) || r->client.family != r->dest.family ||
	    !opts_ok(&r->opts) || !auth_ok(a))
		return -EINVAL;
	total = PROXY_CONVERT_HDR_LEN + 2 * addr_len(&r->client) + TCPOPTS_LEN + NONCE_LEN +
		TIME_LEN + PROXY_CONVERT_AUTH_TLV_LEN;
	if (room < total)
		return -ENOSPC;
	memset(p, 0, total); /* reserved fields and padding */
	put_header(p, PROXY_CONVERT_REQUEST, total);
	off += put_addr(p + off, PROXY_CONVERT_TLV_CLIENT, &r->client);
	off += put_addr(p + off, PROXY_CONVERT_TLV_DEST, &r->dest);
	off += put_opts(p + off, &r->opts);
	off += put_nonce(p + off, r->nonce);
	put_tlv(p + off, PROXY_CONVERT_TLV_TIME, TIME_LEN);
	put_be64(p + off + 4, r->time_ms);
	off += TIME_LEN;
	rc = put_auth(p, off, a);
	return rc == 0 ? (int)total : rc;
}

int proxy_convert_encode_response(void *buf, size_t room, const struct proxy_convert_response *r,
				  const struct proxy_convert_auth *a)
{
	bool opts = r->result == PROXY_CONVERT_CONNECTED;
	uint8_t *p = buf;
	size_t total, off = PROXY_CONVERT_HDR_LEN;
	int rc;

	if ((opts && !opts_ok(&r->opts)) || !auth_ok(a))
		return -EINVAL;
	total = PROXY_CONVERT_HDR_LEN + RESULT_LEN + (opts ? TCPOPTS_LEN : 0) + NONCE_LEN +
		PROXY_CONVERT_AUTH_TLV_LEN;
	if (room < total)
		return -ENOSPC;
	memset(p, 0, total);
	put_header(p, PROXY_CONVERT_RESPONSE, total);
	put_tlv(p + off, PROXY_CONVERT_TLV_RESULT, RESULT_LEN);
	p[off + 2] = r->result;
	p[off + 3] = r->detail;
	off += RESULT_LEN;
	if (opts)
		off += put_opts(p + off, &r->opts);
	off += put_nonce(p + off, r->nonce);
	rc = put_auth(p, off, a);
	return rc == 0 ? (int)total : rc;
}

/* --- decoding -------------------------------------------------------------- */

/* Bits of the TLVs seen, by the type's low 7 bits (all known types are
 * 1..7). */
#define SEEN(type) (1u << ((type)&0x7f))
#define REQ_ALLOWED                                                        \
	(SEEN(PROXY_CONVERT_TLV_CLIENT) | SEEN(PROXY_CONVERT_TLV_DEST) |   \
	 SEEN(PROXY_CONVERT_TLV_TCPOPTS) | SEEN(PROXY_CONVERT_TLV_NONCE) | \
	 SEEN(PROXY_CONVERT_TLV_TIME) | SEEN(PROXY_CONVERT_TLV_AUTH))
#define REQ_REQUIRED (REQ_ALLOWED & ~SEEN(PROXY_CONVERT_TLV_TCPOPTS))
#define RESP_ALLOWED                                                        \
	(SEEN(PROXY_CONVERT_TLV_RESULT) | SEEN(PROXY_CONVERT_TLV_TCPOPTS) | \
	 SEEN(PROXY_CONVERT_TLV_NONCE) | SEEN(PROXY_CONVERT_TLV_AUTH))
#define RESP_REQUIRED (RESP_ALLOWED & ~SEEN(PROXY_CONVERT_TLV_TCPOPTS))

static bool known_type(uint8_t type)
{
	switch (type) {
	case PROXY_CONVERT_TLV_CLIENT:
	case PROXY_CONVERT_TLV_DEST:
	case PROXY_CONVERT_TLV_TCPOPTS:
	case PROXY_CONVERT_TLV_NONCE:
	case PROXY_CONVERT_TLV_TIME:
	case PROXY_CONVERT_TLV_RESULT:
	case PROXY_CONVERT_TLV_AUTH:
		return true;
	default:
		return false;
	}
}

/* The value readers. @len is the TLV's whole length (at least one word,
 * within the message): each checks it before reading past the first word,
 * since a one-word TLV may end the message. Reserved bytes are ignored (the
 * HMAC covers them), except the AUTH TLV's, which it does not cover: there
 * they must be 0, so that no byte of an accepted message can be changed
 * unseen. */
static bool get_addr(const uint8_t *p, size_t len, struct proxy_convert_addr *ad)
{
	uint8_t family;
	uint16_t port;

	if (len != ADDR4_LEN && len != ADDR6_LEN)
		return false;
	family = p[4];
	port = get_be16(p + 2);
	if (!((family == PROXY_CONVERT_AF_INET && len == ADDR4_LEN) ||
	      (family == PROXY_CONVERT_AF_INET6 && len == ADDR6_LEN)) ||
	    port == 0)
		return false;
	ad->family = family;
	ad->port = port;
	memcpy(ad->addr, p + 8, len - 8);
	return true;
}

static bool get_opts(const uint8_t *p, size_t len, struct proxy_convert_tcpopts *o)
{
	uint8_t flags;

	if (len != TCPOPTS_LEN)
		return false;
	flags = p[4] & PROXY_CONVERT_OPT_ALL; /* other bits: reserved */
	if ((flags & PROXY_CONVERT_OPT_WSCALE) && p[5] > 14)
		return false;
	o->flags = flags;
	o->mss = flags & PROXY_CONVERT_OPT_MSS ? get_be16(p + 2) : 0;
	o->wscale = flags & PROXY_CONVERT_OPT_WSCALE ? p[5] : 0;
	return true;
}

/* One known TLV allowed in this kind, at most once: false if malformed. */
static bool get_tlv(const uint8_t *p, size_t len, struct proxy_convert_msg *m)
{
	bool req = m->kind == PROXY_CONVERT_REQUEST;

	switch (p[0]) {
	case PROXY_CONVERT_TLV_CLIENT:
		return get_addr(p, len, &m->req.client);
	case PROXY_CONVERT_TLV_DEST:
		return get_addr(p, len, &m->req.dest);
	case PROXY_CONVERT_TLV_TCPOPTS:
		m->has_opts = true;
		return get_opts(p, len, req ? &m->req.opts : &m->resp.opts);
	case PROXY_CONVERT_TLV_NONCE:
		if (len != NONCE_LEN)
			return false;
		memcpy(req ? m->req.nonce : m->resp.nonce, p + 4, PROXY_CONVERT_NONCE_LEN);
		return true;
	case PROXY_CONVERT_TLV_TIME:
		if (len != TIME_LEN)
			return false;
		m->req.time_ms = get_be64(p + 4);
		return true;
	case PROXY_CONVERT_TLV_RESULT:
		if (len != RESULT_LEN)
			return false;
		m->resp.result = p[2];
		m->resp.detail = p[3];
		return true;
	case PROXY_CONVERT_TLV_AUTH:
		if (len != PROXY_CONVERT_AUTH_TLV_LEN || p[2] != 0 || p[3] != 0)
			return false;
		memcpy(m->mac, p + 4, PROXY_CONVERT_MAC_LEN);
		return true;
	default:
		return false;
	}
}

/* The TLVs of a whole message p[0 .. total). */
static enum proxy_convert_reason get_tlvs(const uint8_t *p, size_t total,
					  struct proxy_convert_msg *m)
{
	bool req = m->kind == PROXY_CONVERT_REQUEST;
	uint32_t allowed = req ? REQ_ALLOWED : RESP_ALLOWED;
	uint32_t required = req ? REQ_REQUIRED : RESP_REQUIRED;
	uint32_t seen = 0;
	size_t off = PROXY_CONVERT_HDR_LEN;

	/* total and every TLV length are multiples of 4: a TLV's two header
	 * bytes are always there. */
	while (off < total) {
		uint8_t type = p[off];
		size_t len = (size_t)p[off + 1] * 4;

		if (seen & SEEN(PROXY_CONVERT_TLV_AUTH))
			return PROXY_CONVERT_AUTH_NOT_LAST;
		if (len == 0)
			return PROXY_CONVERT_TLV_BAD_LENGTH;
		if (len > total - off)
			return PROXY_CONVERT_TLV_OVERRUN;
		if (!known_type(type)) {
			if (type & PROXY_CONVERT_TLV_CRITICAL)
				return PROXY_CONVERT_TLV_UNKNOWN_CRITICAL;
			m->skipped++;
			off += len;
			continue;
		}
		if (!(allowed & SEEN(type)))
			return PROXY_CONVERT_TLV_UNEXPECTED;
		if (seen & SEEN(type))
			return PROXY_CONVERT_TLV_DUPLICATE;
		seen |= SEEN(type);
		if (!get_tlv(p + off, len, m))
			return PROXY_CONVERT_TLV_MALFORMED;
		if (type == PROXY_CONVERT_TLV_AUTH)
			m->covered = (uint16_t)off;
		off += len;
	}
	if (!(seen & SEEN(PROXY_CONVERT_TLV_AUTH)))
		return PROXY_CONVERT_AUTH_MISSING;
	if ((seen & required) != required)
		return PROXY_CONVERT_TLV_MISSING;
	if (req && m->req.client.family != m->req.dest.family)
		return PROXY_CONVERT_FAMILY_MISMATCH;
	/* Options describe the server's SYN/ACK: there is none otherwise. */
	if (!req && m->has_opts && m->resp.result != PROXY_CONVERT_CONNECTED)
		return PROXY_CONVERT_TLV_UNEXPECTED;
	return PROXY_CONVERT_OK;
}

static int reject(struct proxy_convert_msg *m, enum proxy_convert_reason *why,
		  enum proxy_convert_reason r)
{
	memset(m, 0, sizeof(*m));
	*why = r;
	return r == PROXY_CONVERT_BAD_VERSION ? -EPROTONOSUPPORT : -EBADMSG;
}

int proxy_convert_decode(const void *buf, size_t len, enum proxy_convert_kind expect,
			 struct proxy_convert_msg *m, enum proxy_convert_reason *why)
{
	const uint8_t *p = buf;
	enum proxy_convert_reason r;
	size_t total;

	memset(m, 0, sizeof(*m));
	*why = PROXY_CONVERT_OK;
	if (len < PROXY_CONVERT_HDR_LEN)
		return 0;
	/* Magic before version: a stream that is not this protocol at all
	 * (another MPTCP client) counts apart from a box of another version. */
	if (get_be16(p + 2) != PROXY_CONVERT_MAGIC)
		return reject(m, why, PROXY_CONVERT_BAD_MAGIC);
	if (p[0] != PROXY_CONVERT_VERSION)
		return reject(m, why, PROXY_CONVERT_BAD_VERSION);
	if (p[4] != expect || (expect != PROXY_CONVERT_REQUEST && expect != PROXY_CONVERT_RESPONSE))
		return reject(m, why, PROXY_CONVERT_BAD_KIND);
	total = (size_t)p[1] * 4;
	if (total < PROXY_CONVERT_HDR_LEN)
		return reject(m, why, PROXY_CONVERT_BAD_LENGTH);
	if (total > PROXY_CONVERT_MSG_MAX)
		return reject(m, why, PROXY_CONVERT_OVERSIZED);
	if (len < total)
		return 0;
	m->kind = (uint8_t)expect;
	r = get_tlvs(p, total, m);
	if (r != PROXY_CONVERT_OK)
		return reject(m, why, r);
	m->len = (uint16_t)total;
	return (int)total;
}

/* --- replay cache ---------------------------------------------------------- */

int proxy_convert_replay_init(struct proxy_convert_replay *rc, uint32_t capacity,
			      uint64_t window_ms)
{
	uint32_t size = 2;

	memset(rc, 0, sizeof(*rc));
	if (capacity == 0 || capacity > (1u << 30))
		return -EINVAL;
	/* At most half full: probes stay short. */
	while (size < 2 * capacity)
		size <<= 1;
	rc->ring = calloc(capacity, sizeof(*rc->ring));
	rc->index = calloc(size, sizeof(*rc->index));
	if (rc->ring == NULL || rc->index == NULL) {
		proxy_convert_replay_free(rc);
		return -ENOMEM;
	}
	rc->cap = capacity;
	rc->mask = size - 1;
	rc->window_ms = window_ms;
	return 0;
}

void proxy_convert_replay_free(struct proxy_convert_replay *rc)
{
	free(rc->ring);
	free(rc->index);
	memset(rc, 0, sizeof(*rc));
}

/* Nonces that reach the cache are random and authenticated: their bytes
 * are a good enough hash. */
static uint32_t home(const struct proxy_convert_replay *rc, const uint8_t *nonce)
{
	uint64_t h = (get_be64(nonce) ^ get_be64(nonce + 8)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & rc->mask;
}

/* Index position holding @nonce, or -1. */
static int64_t find(const struct proxy_convert_replay *rc, const uint8_t *nonce)
{
	for (uint32_t i = home(rc, nonce);; i = (i + 1) & rc->mask) {
		uint32_t v = rc->index[i];

		if (v == 0)
			return -1;
		if (memcmp(rc->ring[v - 1].nonce, nonce, PROXY_CONVERT_NONCE_LEN) == 0)
			return i;
	}
}

/* Backward-shift deletion (no tombstones): an entry after the hole moves
 * into it unless its home lies cyclically in (hole, its position]. */
static void unindex(struct proxy_convert_replay *rc, uint32_t i)
{
	uint32_t j = i;

	rc->index[i] = 0;
	for (;;) {
		uint32_t k;

		j = (j + 1) & rc->mask;
		if (rc->index[j] == 0)
			return;
		k = home(rc, rc->ring[rc->index[j] - 1].nonce);
		if (i <= j ? (k > i && k <= j) : (k > i || k <= j))
			continue;
		rc->index[i] = rc->index[j];
		rc->index[j] = 0;
		i = j;
	}
}

static void pop_oldest(struct proxy_convert_replay *rc)
{
	const struct proxy_convert_replay_entry *e = &rc->ring[rc->head];
	int64_t i = find(rc, e->nonce);

	if (i >= 0)
		unindex(rc, (uint32_t)i);
	if (!rc->has_floor || e->time_ms > rc->floor_ms)
		rc->floor_ms = e->time_ms;
	rc->has_floor = true;
	rc->head = rc->head + 1 == rc->cap ? 0 : rc->head + 1;
	rc->count--;
}

static bool older(uint64_t t, uint64_t now, uint64_t window)
{
	return t < now && now - t > window;
}

enum proxy_convert_reason proxy_convert_replay_check(struct proxy_convert_replay *rc,
						     const uint8_t nonce[PROXY_CONVERT_NONCE_LEN],
						     uint64_t time_ms, uint64_t now_ms)
{
	struct proxy_convert_replay_entry *e;
	uint32_t slot, i;

	/* Arrival order is time order give or take the peers' skew: an
	 * entry that outlives its window behind a younger head only waits. */
	while (rc->count > 0 && older(rc->ring[rc->head].time_ms, now_ms, rc->window_ms))
		pop_oldest(rc);
	if (older(time_ms, now_ms, rc->window_ms))
		return PROXY_CONVERT_STALE;
	if (time_ms > now_ms && time_ms - now_ms > rc->window_ms)
		return PROXY_CONVERT_FUTURE;
	if (find(rc, nonce) >= 0)
		return PROXY_CONVERT_REPLAY;
	if (rc->has_floor && time_ms <= rc->floor_ms)
		return PROXY_CONVERT_REPLAY_FLOOR;
	if (rc->count == rc->cap) {
		pop_oldest(rc);
		rc->evicted_full++;
	}
	slot = rc->head + rc->count;
	if (slot >= rc->cap)
		slot -= rc->cap;
	e = &rc->ring[slot];
	memcpy(e->nonce, nonce, PROXY_CONVERT_NONCE_LEN);
	e->time_ms = time_ms;
	for (i = home(rc, nonce); rc->index[i] != 0; i = (i + 1) & rc->mask)
		;
	rc->index[i] = slot + 1;
	rc->count++;
	return PROXY_CONVERT_OK;
}

bool proxy_convert_replay_has(const struct proxy_convert_replay *rc,
			      const uint8_t nonce[PROXY_CONVERT_NONCE_LEN])
{
	return rc->count > 0 && find(rc, nonce) >= 0;
}

/* --- checks ---------------------------------------------------------------- */

static enum proxy_convert_reason check_mac(const struct proxy_convert_auth *a, const void *buf,
					   const struct proxy_convert_msg *m)
{
	int rc = proxy_convert_auth_verify(a, buf, m->covered, m->mac);

	if (rc == 0)
		return PROXY_CONVERT_OK;
	return rc == -EBADMSG ? PROXY_CONVERT_AUTH_FAILED : PROXY_CONVERT_AUTH_ERROR;
}

enum proxy_convert_reason proxy_convert_check_request(const struct proxy_convert_auth *a,
						      struct proxy_convert_replay *rc,
						      uint64_t now_ms, const void *buf,
						      const struct proxy_convert_msg *m)
{
	enum proxy_convert_reason r;

	if (m->kind != PROXY_CONVERT_REQUEST)
		return PROXY_CONVERT_BAD_KIND;
	r = check_mac(a, buf, m);
	if (r != PROXY_CONVERT_OK)
		return r;
	return proxy_convert_replay_check(rc, m->req.nonce, m->req.time_ms, now_ms);
}

enum proxy_convert_reason proxy_convert_check_response(const struct proxy_convert_auth *a,
						       const uint8_t nonce[PROXY_CONVERT_NONCE_LEN],
						       const void *buf,
						       const struct proxy_convert_msg *m)
{
	enum proxy_convert_reason r;

	if (m->kind != PROXY_CONVERT_RESPONSE)
		return PROXY_CONVERT_BAD_KIND;
	r = check_mac(a, buf, m);
	if (r != PROXY_CONVERT_OK)
		return r;
	if (CRYPTO_memcmp(m->resp.nonce, nonce, PROXY_CONVERT_NONCE_LEN) != 0)
		return PROXY_CONVERT_NONCE_MISMATCH;
	return PROXY_CONVERT_OK;
}
