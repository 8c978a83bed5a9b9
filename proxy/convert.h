/* SPDX-License-Identifier: BSD-3-Clause */
/* The conversion exchange between two boxes (internal to proxy): the
 * request the originating box sends as the first bytes of the MPTCP
 * connection, the far box's response, their authentication, and the far
 * box's replay cache. docs/convert.md is the wire format; this header is
 * the C view of it.
 *
 * Pure code: no clock, no socket, no allocation after
 * proxy_convert_replay_init(). Decoders take (buf, len) as it arrived so
 * far on the stream and never read past len.
 *
 * Byte order: integers are host order here and big-endian on the wire;
 * addresses and nonces are byte strings (network order). */
#ifndef MPGW_PROXY_CONVERT_H
#define MPGW_PROXY_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROXY_CONVERT_VERSION 1
#define PROXY_CONVERT_MAGIC 0x6d67 /* "mg" */
#define PROXY_CONVERT_HDR_LEN 8
/* Largest message a decoder accepts (the header could say 1020): bounds
 * what a receiver buffers before it can judge a message. */
#define PROXY_CONVERT_MSG_MAX 512
#define PROXY_CONVERT_NONCE_LEN 16
#define PROXY_CONVERT_MAC_LEN 32 /* HMAC-SHA256 */
#define PROXY_CONVERT_AUTH_TLV_LEN (4 + PROXY_CONVERT_MAC_LEN)
/* What the encoders write at most (IPv6 request; response with options). */
#define PROXY_CONVERT_REQUEST_MAX 132
#define PROXY_CONVERT_RESPONSE_MAX 76
#define PROXY_CONVERT_WINDOW_MS 30000 /* default replay window: +-30 s */

/* Message kinds (header byte 4). */
enum proxy_convert_kind {
	PROXY_CONVERT_REQUEST = 1, /* originating box -> far box */
	PROXY_CONVERT_RESPONSE = 2, /* far box -> originating box */
};

/* TLV types. Bit 7 set: critical, a receiver that does not know the type
 * rejects the message; clear: it skips the TLV. */
#define PROXY_CONVERT_TLV_CRITICAL 0x80
enum proxy_convert_tlv {
	PROXY_CONVERT_TLV_CLIENT = 0x81, /* client's address and port */
	PROXY_CONVERT_TLV_DEST = 0x82, /* original destination's address and port */
	PROXY_CONVERT_TLV_TCPOPTS = 0x03, /* SYN (request) or SYN/ACK (response) options */
	PROXY_CONVERT_TLV_NONCE = 0x84, /* request nonce; echoed in the response */
	PROXY_CONVERT_TLV_TIME = 0x85, /* request time, ms since the Unix epoch */
	PROXY_CONVERT_TLV_RESULT = 0x86, /* response result */
	PROXY_CONVERT_TLV_AUTH = 0x87, /* HMAC-SHA256, always the last TLV */
};

/* Address families on the wire (IANA address family numbers). */
enum proxy_convert_family {
	PROXY_CONVERT_AF_INET = 1,
	PROXY_CONVERT_AF_INET6 = 2,
};

/* Results (RESULT TLV). A code the originating box does not know means
 * REFUSED to it. */
enum proxy_convert_result {
	PROXY_CONVERT_CONNECTED = 0, /* the server answered SYN/ACK */
	PROXY_CONVERT_REFUSED = 1, /* the server answered RST */
	PROXY_CONVERT_UNREACHABLE = 2, /* ICMP unreachable, no route, no neighbour */
	PROXY_CONVERT_TIMED_OUT = 3, /* no answer to the SYNs */
	PROXY_CONVERT_NOT_ALLOWED = 4, /* destination outside the served prefixes */
	PROXY_CONVERT_BAD_REQUEST = 5, /* malformed, not authenticated, or replayed */
	PROXY_CONVERT_BUSY = 6, /* the far box's limits are reached */
};
/* RESULT detail for UNREACHABLE when no ICMP error was received. */
#define PROXY_CONVERT_DETAIL_NO_ICMP 0xff

/* Why a message was refused, one counter each (the Linux MIB habit).
 * TRUNCATED is the caller's: the stream ended before a whole message. */
#define PROXY_CONVERT_REASON_LIST(X)                                                      \
	X(OK, "convert_ok")                                                               \
	X(TRUNCATED, "convert_truncated")                                                 \
	X(BAD_MAGIC, "convert_bad_magic")                                                 \
	X(BAD_VERSION, "convert_bad_version")                                             \
	X(BAD_KIND, "convert_bad_kind") /* unknown kind, or not the one expected */       \
	X(BAD_LENGTH, "convert_bad_length") /* total length below the header's */         \
	X(OVERSIZED, "convert_oversized") /* above PROXY_CONVERT_MSG_MAX */               \
	X(TLV_BAD_LENGTH, "convert_tlv_bad_length") /* a TLV of length 0 */               \
	X(TLV_OVERRUN, "convert_tlv_overrun") /* a TLV past the total length */           \
	X(TLV_MALFORMED, "convert_tlv_malformed") /* a known TLV's length or value */     \
	X(TLV_UNKNOWN_CRITICAL, "convert_tlv_unknown_critical")                           \
	X(TLV_UNEXPECTED, "convert_tlv_unexpected") /* known, not in this kind or case */ \
	X(TLV_DUPLICATE, "convert_tlv_duplicate")                                         \
	X(TLV_MISSING, "convert_tlv_missing")                                             \
	X(FAMILY_MISMATCH, "convert_family_mismatch") /* client and destination */        \
	X(AUTH_NOT_LAST, "convert_auth_not_last")                                         \
	X(AUTH_MISSING, "convert_auth_missing")                                           \
	X(AUTH_FAILED, "convert_auth_failed")                                             \
	X(AUTH_ERROR, "convert_auth_error") /* OpenSSL could not compute */               \
	X(STALE, "convert_stale") /* time older than now - window */                      \
	X(FUTURE, "convert_future") /* time newer than now + window */                    \
	X(REPLAY, "convert_replay") /* nonce already in the cache */                      \
	X(REPLAY_FLOOR, "convert_replay_floor") /* time not above what was evicted */     \
	X(NONCE_MISMATCH, "convert_nonce_mismatch") /* response echoes another nonce */

enum proxy_convert_reason {
#define PROXY_CONVERT_REASON_ENUM(id, name) PROXY_CONVERT_##id,
	PROXY_CONVERT_REASON_LIST(PROXY_CONVERT_REASON_ENUM)
#undef PROXY_CONVERT_REASON_ENUM
		PROXY_CONVERT_REASON_MAX
};

extern const char *const proxy_convert_reason_names[PROXY_CONVERT_REASON_MAX];

/* "connected", "refused", ...; "unknown" for a code not listed above. */
const char *proxy_convert_result_name(uint8_t result);

struct proxy_convert_addr {
	uint8_t family; /* enum proxy_convert_family */
	uint16_t port; /* not 0 */
	uint8_t addr[16]; /* IPv4: the first 4 bytes, the rest 0 */
};

/* The TCP options of note of a SYN or SYN/ACK. A field counts only with
 * its flag; without it the decoder gives 0. */
#define PROXY_CONVERT_OPT_MSS 0x01
#define PROXY_CONVERT_OPT_WSCALE 0x02
#define PROXY_CONVERT_OPT_SACK_PERM 0x04
#define PROXY_CONVERT_OPT_TS 0x08
#define PROXY_CONVERT_OPT_ALL 0x0f
struct proxy_convert_tcpopts {
	uint8_t flags; /* PROXY_CONVERT_OPT_* */
	uint8_t wscale; /* 0..14 (RFC 7323) */
	uint16_t mss;
};

struct proxy_convert_request {
	struct proxy_convert_addr client, dest; /* same family */
	struct proxy_convert_tcpopts opts; /* the client's SYN */
	uint8_t nonce[PROXY_CONVERT_NONCE_LEN]; /* random, per request */
	uint64_t time_ms; /* the sender's wall clock, ms since the Unix epoch */
};

struct proxy_convert_response {
	uint8_t result; /* enum proxy_convert_result */
	uint8_t detail; /* UNREACHABLE: ICMP(v6) code or _DETAIL_NO_ICMP; else 0 */
	struct proxy_convert_tcpopts opts; /* the server's SYN/ACK; CONNECTED only */
	uint8_t nonce[PROXY_CONVERT_NONCE_LEN]; /* the request's */
};

/* A decoded message: kind says which of req, resp is filled (the other
 * is zero). */
struct proxy_convert_msg {
	uint8_t kind;
	struct proxy_convert_request req;
	struct proxy_convert_response resp;
	bool has_opts; /* a TCPOPTS TLV was present */
	uint16_t len; /* bytes of the message: what decode consumed */
	uint16_t covered; /* bytes the HMAC covers: the AUTH TLV's offset */
	uint16_t skipped; /* unknown non-critical TLVs skipped */
	uint8_t mac[PROXY_CONVERT_MAC_LEN];
};

/* Which box this is. The HMAC takes both MPTCP keys in one order for both
 * messages, the originating box's first; the role says which of local and
 * remote that is. */
enum proxy_convert_role {
	PROXY_CONVERT_ROLE_ORIGIN, /* sends requests: the MPTCP client */
	PROXY_CONVERT_ROLE_FAR, /* answers them: the MPTCP listener */
};

struct proxy_convert_auth {
	const uint8_t *psk; /* the peer's pre-shared key */
	size_t psk_len; /* > 0 */
	enum proxy_convert_role role;
	uint64_t key_local, key_remote; /* this connection's MPTCP keys */
};

/*
 * HMAC-SHA256 with the PSK as key over
 *     Key-O (8 bytes) || Key-F (8 bytes) || msg[0 .. covered)
 * where Key-O is the originating box's MPTCP key and Key-F the far box's,
 * big-endian. @covered: the AUTH TLV's offset (struct proxy_convert_msg's
 * covered), at most PROXY_CONVERT_MSG_MAX.
 * @return 0, -EINVAL (no PSK, unknown role, @covered too large), or
 * -ENOMEM (OpenSSL failed).
 */
int proxy_convert_auth_mac(const struct proxy_convert_auth *a, const void *msg, size_t covered,
			   uint8_t out[PROXY_CONVERT_MAC_LEN]);
/* Constant-time comparison with the HMAC computed as above.
 * @return 0, -EBADMSG (mismatch), or the errors of proxy_convert_auth_mac. */
int proxy_convert_auth_verify(const struct proxy_convert_auth *a, const void *msg, size_t covered,
			      const uint8_t mac[PROXY_CONVERT_MAC_LEN]);

/*
 * Encode into buf[0 .. room), AUTH TLV included.
 * @return the message's length, -ENOSPC (room too small; nothing written),
 * -EINVAL (a field the format cannot carry: unknown family or option flag,
 * families differ, port 0, wscale above 14; or bad auth), or -ENOMEM.
 * A response carries TCP options only when its result is CONNECTED.
 */
int proxy_convert_encode_request(void *buf, size_t room, const struct proxy_convert_request *r,
				 const struct proxy_convert_auth *a);
int proxy_convert_encode_response(void *buf, size_t room, const struct proxy_convert_response *r,
				  const struct proxy_convert_auth *a);

/*
 * Decode one message of kind @expect from the start of buf[0 .. len), the
 * bytes received so far. Nothing is read at or past @len. The HMAC is not
 * checked here (see proxy_convert_check_*).
 * @return the message's length (bytes consumed; what follows is the
 * stream's data), 0 when more bytes are needed, or -EPROTONOSUPPORT (bad
 * version) or -EBADMSG (anything else), *why saying which. The 8-byte
 * header is judged once it is whole, the TLVs once the message is, so a
 * longer prefix of the same stream never turns an error into something
 * else. On anything but success *m is zeroed.
 */
int proxy_convert_decode(const void *buf, size_t len, enum proxy_convert_kind expect,
			 struct proxy_convert_msg *m, enum proxy_convert_reason *why);

/* The replay cache of a far box: accepts each request (nonce, time) once.
 * A ring in arrival order plus an open-addressing index by nonce, both
 * sized at init. */
struct proxy_convert_replay_entry {
	uint8_t nonce[PROXY_CONVERT_NONCE_LEN];
	uint64_t time_ms;
};

struct proxy_convert_replay {
	struct proxy_convert_replay_entry *ring;
	uint32_t *index; /* ring slot + 1; 0: empty */
	uint32_t cap, count, head, mask;
	uint64_t window_ms;
	/* Every entry ever evicted had a time <= floor_ms: requests at or
	 * below it are refused, so eviction never reopens a replay. */
	uint64_t floor_ms;
	bool has_floor;
	uint64_t evicted_full; /* entries pushed out because the cache was full */
};

/* @capacity entries (1 .. 2^30), times within +-@window_ms of now.
 * @return 0, -EINVAL, or -ENOMEM. */
int proxy_convert_replay_init(struct proxy_convert_replay *rc, uint32_t capacity,
			      uint64_t window_ms);
void proxy_convert_replay_free(struct proxy_convert_replay *rc);

/*
 * Accept (nonce, time_ms) at @now_ms (the same wall clock as the
 * sender's). First entries older than the window are dropped; then the
 * time is checked against the window (STALE, FUTURE), the nonce against
 * the cache (REPLAY) and the time against the floor (REPLAY_FLOOR). A
 * request that passes is remembered (OK). A full cache evicts its oldest
 * entry to make room and raises the floor to that entry's time: fresh
 * requests still pass, and the evicted one cannot come back.
 */
enum proxy_convert_reason proxy_convert_replay_check(struct proxy_convert_replay *rc,
						     const uint8_t nonce[PROXY_CONVERT_NONCE_LEN],
						     uint64_t time_ms, uint64_t now_ms);

/* Is @nonce in the cache? Changes nothing (tests, diagnostics). */
bool proxy_convert_replay_has(const struct proxy_convert_replay *rc,
			      const uint8_t nonce[PROXY_CONVERT_NONCE_LEN]);

/*
 * What a box runs on a decoded message before acting on it.
 * Far box, on a request: the HMAC, then the replay cache (only a request
 * that proves the PSK may take a cache slot).
 * Originating box, on a response: the HMAC, then the nonce echo against
 * the request's @nonce.
 * @buf: the bytes @m was decoded from. @return OK or the reason.
 */
enum proxy_convert_reason proxy_convert_check_request(const struct proxy_convert_auth *a,
						      struct proxy_convert_replay *rc,
						      uint64_t now_ms, const void *buf,
						      const struct proxy_convert_msg *m);
enum proxy_convert_reason proxy_convert_check_response(const struct proxy_convert_auth *a,
						       const uint8_t nonce[PROXY_CONVERT_NONCE_LEN],
						       const void *buf,
						       const struct proxy_convert_msg *m);

#endif
