/* SPDX-License-Identifier: BSD-3-Clause */
/* MPTCP v1 option codec (internal to mptcp): the nine subtypes of TCP option
 * kind 30 that RFC 8684 defines, one option at a time. The TCP option layer
 * (tcpstack/tcp_options.h) locates each kind-30 option; mptcp_opt_parse()
 * interprets it, bounds-checked on every byte, and adds it to what the
 * segment said so far. The writers reproduce the layouts Linux sends
 * (net/mptcp/options.c), unpadded: the TCP layer adds the NOPs. What is
 * checked here is the shape of each option (its length against its flags);
 * what the values mean for a connection (keys, tokens, HMACs, whether a
 * variant fits the segment's SYN/ACK flags) is the caller's. */
#ifndef MPGW_MPTCP_OPTIONS_H
#define MPGW_MPTCP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define MPTCP_OPT_KIND 30 /* TCP option kind (IANA) */
#define MPTCP_VERSION_1 1 /* RFC 8684; 0 is RFC 6824 */

/* Subtypes: the high nibble of the third byte, values as on the wire. */
enum mptcp_subtype {
	MPTCP_SUB_CAPABLE = 0,
	MPTCP_SUB_JOIN,
	MPTCP_SUB_DSS,
	MPTCP_SUB_ADD_ADDR,
	MPTCP_SUB_REMOVE_ADDR,
	MPTCP_SUB_PRIO,
	MPTCP_SUB_FAIL,
	MPTCP_SUB_FASTCLOSE,
	MPTCP_SUB_TCPRST,
	MPTCP_SUB_COUNT /* known subtypes; 9..15 are MPTCP_OPT_UNKNOWN */
};

/* Bit of mptcp_opts.present for a subtype. */
#define MPTCP_OPTF(sub) (1u << (sub))
#define MPTCP_OPTF_ALL (MPTCP_OPTF(MPTCP_SUB_COUNT) - 1)

/* Option lengths (kind and length bytes included), RFC 8684 section 3. */
#define MPTCP_LEN_MPC_SYN 4 /* flags only */
#define MPTCP_LEN_MPC_SYNACK 12 /* + sender's key */
#define MPTCP_LEN_MPC_ACK 20 /* + receiver's key */
#define MPTCP_LEN_MPC_ACK_DATA 22 /* + data-level length */
#define MPTCP_LEN_MPC_ACK_DATA_CSUM 24 /* + checksum */
#define MPTCP_LEN_JOIN_SYN 12
#define MPTCP_LEN_JOIN_SYNACK 16
#define MPTCP_LEN_JOIN_ACK 24
#define MPTCP_LEN_DSS_MAX 28 /* 4 + 8 (ack) + 8 (dsn) + 4 + 2 + 2 (csum) */
#define MPTCP_LEN_PRIO 3
#define MPTCP_LEN_PRIO_V0 4 /* RFC 6824: + address id */
#define MPTCP_LEN_FAIL 12
#define MPTCP_LEN_FASTCLOSE 12
#define MPTCP_LEN_TCPRST 4

/* MP_CAPABLE flags byte: A B C D E F G H, A the most significant bit. */
#define MPTCP_CAP_CSUM 0x80 /* A: checksum required */
#define MPTCP_CAP_EXT 0x40 /* B: extensibility, 0 in v1 */
#define MPTCP_CAP_NO_SRC 0x20 /* C: do not open subflows to the source address */
#define MPTCP_CAP_SHA256 0x01 /* H: HMAC-SHA256; D..G are unassigned algorithms */

/* DSS flags byte (its 3 high bits are reserved). */
#define MPTCP_DSS_FIN 0x10 /* F: DATA_FIN */
#define MPTCP_DSS_DSN64 0x08 /* m: DSN is 8 bytes, else 4 */
#define MPTCP_DSS_MAP 0x04 /* M: mapping (DSN, SSN, length, [checksum]) present */
#define MPTCP_DSS_ACK64 0x02 /* a: data ACK is 8 bytes, else 4 */
#define MPTCP_DSS_ACK 0x01 /* A: data ACK present */
#define MPTCP_DSS_FLAGS 0x1f

/* MP_TCPRST flags, the low nibble of the third byte. */
#define MPTCP_RST_U 0x8
#define MPTCP_RST_V 0x4
#define MPTCP_RST_W 0x2
#define MPTCP_RST_T 0x1 /* transient: the subflow may be retried */
#define MPTCP_RST_FLAGS 0xf

/* MP_TCPRST reason codes (RFC 8684 3.6; Linux's names). */
#define MPTCP_RST_EUNSPEC 0x00 /* unspecified */
#define MPTCP_RST_EMPTCP 0x01 /* MPTCP-specific error */
#define MPTCP_RST_ERESOURCE 0x02 /* lack of resources */
#define MPTCP_RST_EPROHIBIT 0x03 /* administratively prohibited */
#define MPTCP_RST_EWQ2BIG 0x04 /* too much outstanding data */
#define MPTCP_RST_EBADPERF 0x05 /* unacceptable performance */
#define MPTCP_RST_EMIDDLEBOX 0x06 /* middlebox interference */

#define MPTCP_HMAC_LEN 20 /* MP_JOIN ACK: leftmost 160 bits of HMAC-SHA256 */
#define MPTCP_RM_ADDR_MAX 37 /* REMOVE_ADDR ids that fit in 40 bytes of options */

/* ADD_ADDR address families: v1 tells them apart by the option's length. */
#define MPTCP_ADDR_V4 4
#define MPTCP_ADDR_V6 6

struct mptcp_opt_mpc {
	uint8_t version; /* low nibble of the third byte */
	uint8_t flags; /* MPTCP_CAP_* */
	/* The layout, MPTCP_LEN_MPC_*: which of SYN, SYN-ACK, ACK, ACK+data,
	 * ACK+data+checksum. For a version other than 1, the length as
	 * received, and nothing but version and flags is decoded. */
	uint8_t len;
	uint16_t data_len; /* ACK+data */
	uint16_t csum; /* ACK+data+checksum */
	uint64_t snd_key; /* the sender of this option's key: SYN-ACK and ACK */
	uint64_t rcv_key; /* ACK */
};

struct mptcp_opt_join {
	uint8_t len; /* MPTCP_LEN_JOIN_*: SYN, SYN-ACK or third ACK */
	bool backup; /* B: SYN, SYN-ACK */
	uint8_t addr_id; /* SYN, SYN-ACK */
	uint32_t token; /* receiver's token: SYN */
	uint32_t nonce; /* sender's random number: SYN, SYN-ACK */
	uint64_t thmac; /* leftmost 64 bits of the sender's HMAC: SYN-ACK */
	uint8_t hmac[MPTCP_HMAC_LEN]; /* leftmost 160 bits of the HMAC: ACK */
};

struct mptcp_opt_dss {
	uint8_t flags; /* MPTCP_DSS_*, as on the wire; m and a say whether the
			* DSN and data ACK were 8 bytes or 4 */
	bool has_csum; /* only with a mapping: the option's length says */
	uint16_t data_len; /* mapping */
	uint16_t csum; /* mapping with checksum */
	uint32_t ssn; /* mapping: relative subflow sequence number */
	uint64_t data_ack; /* A; with a 4-byte ACK its low 32 bits, see mptcp_expand_seq */
	uint64_t dsn; /* mapping; likewise */
};

struct mptcp_opt_add_addr {
	bool echo; /* E: an echo carries no HMAC */
	bool has_port;
	uint8_t addr_id;
	uint8_t family; /* MPTCP_ADDR_V4 or _V6 */
	uint16_t port; /* host order */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint64_t hmac; /* rightmost 64 bits of the HMAC, when !echo */
};

struct mptcp_opt_remove_addr {
	uint8_t n; /* 1..MPTCP_RM_ADDR_MAX */
	uint8_t ids[MPTCP_RM_ADDR_MAX];
};

struct mptcp_opt_prio {
	bool backup; /* B */
	bool has_addr_id; /* RFC 6824 form (length 4) */
	uint8_t addr_id;
};

struct mptcp_opt_fail {
	uint64_t dsn;
};

struct mptcp_opt_fastclose {
	uint64_t rcv_key; /* the key of the option's receiver */
};

struct mptcp_opt_tcprst {
	uint8_t flags; /* MPTCP_RST_* */
	uint8_t reason;
};

/* What the MPTCP options of one segment said. Zeroed by the caller once per
 * segment; a sub-struct is meaningful only when its bit is in present. */
struct mptcp_opts {
	uint32_t present; /* MPTCP_OPTF(subtype) */
	struct mptcp_opt_mpc mpc;
	struct mptcp_opt_join join;
	struct mptcp_opt_dss dss;
	struct mptcp_opt_add_addr add_addr;
	struct mptcp_opt_remove_addr remove_addr;
	struct mptcp_opt_prio prio;
	struct mptcp_opt_fail fail;
	struct mptcp_opt_fastclose fastclose;
	struct mptcp_opt_tcprst tcprst;
};

/* Results of mptcp_opt_parse(). Only OK changes *o. */
enum mptcp_opt_result {
	MPTCP_OPT_OK = 0,
	MPTCP_OPT_MALFORMED, /* shorter than 3 bytes, not kind 30, length byte
			      * not len, or a length the subtype and its flags
			      * do not allow (ADD_ADDR: no such family) */
	MPTCP_OPT_UNKNOWN, /* subtype 9..15: not ours to judge, ignore it */
	MPTCP_OPT_DUPLICATE, /* well formed, but the segment already had this
			      * subtype: the first is kept, this one ignored */
};

/**
 * Parse the one MPTCP option of exactly @p len bytes at @p opt (its kind
 * byte first) and add it to @p o. Reads nothing outside [opt, opt + len).
 * MP_CAPABLE of a version other than 1 is taken (version, flags and length
 * only, any length from 4) so that the caller can fall back.
 */
enum mptcp_opt_result mptcp_opt_parse(const uint8_t *opt, unsigned len, struct mptcp_opts *o);

/**
 * Bytes the option @p which of @p o takes on the wire, unpadded; 0 if it
 * cannot be written (MP_CAPABLE or MP_JOIN with a len that is none of their
 * layouts, ADD_ADDR of no known family, REMOVE_ADDR with 0 or too many ids,
 * unknown subtype). o->present is not consulted.
 */
unsigned mptcp_opt_len(const struct mptcp_opts *o, enum mptcp_subtype which);

/**
 * Write the option @p which of @p o into @p buf as Linux does: kind,
 * length, subtype and fields in network byte order, reserved bits 0.
 * @return the bytes written (mptcp_opt_len(), not padded), or 0, writing
 * nothing, if that is 0 or more than @p room.
 */
unsigned mptcp_opt_write(uint8_t *buf, unsigned room, const struct mptcp_opts *o,
			 enum mptcp_subtype which);

/**
 * The 64-bit sequence number whose low 32 bits are @p low32 nearest to
 * @p ref (mod 2^64): a 4-byte DSN or data ACK made whole against what the
 * receiver expects. The result lies in [ref - 2^31, ref + 2^31); exactly
 * 2^31 away goes to the lower.
 */
uint64_t mptcp_expand_seq(uint64_t ref, uint32_t low32);

/**
 * The DSS checksum (RFC 8684 3.3.1) to put in, or compare with, the
 * option's checksum field (host order): the one's complement of the
 * one's-complement sum of the pseudo-header (64-bit @p dsn, whatever its
 * size in the option; relative subflow sequence number @p ssn; @p data_len;
 * 16 zero bits) and the mapped payload.
 * @p payload_sum: the payload's one's-complement sum, unfolded or folded,
 * over its bytes read as big-endian 16-bit words, an odd last byte as the
 * high half of a word whose low half is 0. From tcpstack it is
 * rte_be_to_cpu_16(tcpstack_cksum_raw(payload, n)) (that returns the sum in
 * network order). A DATA_FIN's byte counts in data_len, not in the sum.
 */
uint16_t mptcp_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t data_len, uint32_t payload_sum);

#endif
