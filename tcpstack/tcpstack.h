/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * tcpstack — the box's own network stack: Ethernet, ARP, IPv4, ICMP and
 * checksums (and, from the tcpstack issue on, TCP).
 *
 * Protocol code only: frames and `now` (nanoseconds, any monotonic origin) go
 * in, frames to transmit come out. Nothing here reads a clock or touches a
 * port, so tests run it on virtual time without the EAL.
 *
 * One tcpstack_iface is one port's view of the stack on one lcore: the port's
 * MAC, the box's addresses on it, an ARP cache, and counters. It is not
 * shared between lcores.
 */
#ifndef MPGW_TCPSTACK_H
#define MPGW_TCPSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/*
 * Counters, one per event or drop reason (the Linux MIB habit). The X-macro
 * keeps the enum and the names that operators read in one list.
 */
#define TCPSTACK_MIB_LIST(X)                                 \
	X(ARP_RX_REQUEST, "arp_rx_request")                  \
	X(ARP_RX_REPLY, "arp_rx_reply")                      \
	X(ARP_TX_REQUEST, "arp_tx_request")                  \
	X(ARP_TX_REPLY, "arp_tx_reply")                      \
	X(ARP_BAD, "arp_drop_malformed")                     \
	X(ARP_NOT_FOR_US, "arp_drop_not_for_us")             \
	X(ARP_TABLE_FULL, "arp_drop_table_full")             \
	X(ARP_UNRESOLVED, "arp_drop_unresolved")             \
	X(ARP_PENDING_REPLACED, "arp_drop_pending_replaced") \
	X(ARP_EXPIRED, "arp_entries_expired")                \
	X(IPV4_RX, "ipv4_rx")                                \
	X(IPV4_BAD_HDR, "ipv4_drop_bad_header")              \
	X(IPV4_BAD_CSUM, "ipv4_drop_bad_checksum")           \
	X(IPV4_FRAGMENT, "ipv4_drop_fragment")               \
	X(IPV4_NOT_FOR_US, "ipv4_drop_not_for_us")           \
	X(IPV4_NO_ROUTE, "ipv4_drop_no_route")               \
	X(IPV4_UNKNOWN_PROTO, "ipv4_drop_unknown_protocol")  \
	X(ICMP_BAD, "icmp_drop_malformed")                   \
	X(ICMP_BAD_CSUM, "icmp_drop_bad_checksum")           \
	X(ICMP_NOT_ECHO, "icmp_drop_not_echo_request")       \
	X(ICMP_ECHO_REPLY_SENT, "icmp_tx_echo_reply")        \
	X(ETH_NOT_HANDLED, "eth_drop_not_handled")           \
	X(NO_MBUF, "drop_no_mbuf")                           \
	X(OUT_OVERFLOW, "drop_output_overflow")

enum tcpstack_mib {
#define TCPSTACK_MIB_ENUM(id, name) TCPSTACK_MIB_##id,
	TCPSTACK_MIB_LIST(TCPSTACK_MIB_ENUM)
#undef TCPSTACK_MIB_ENUM
		TCPSTACK_MIB_MAX
};

/** Counter names, indexed by enum tcpstack_mib. */
extern const char *const tcpstack_mib_names[TCPSTACK_MIB_MAX];

/** Per-lcore counters: only the owning lcore writes them. */
struct tcpstack_mib_counters {
	uint64_t v[TCPSTACK_MIB_MAX];
} __rte_cache_aligned;

/* ---- checksums and IPv4 validation (software; virtual ports offload none) */

/** A validated IPv4 packet: header, payload and their lengths. */
struct tcpstack_ipv4_view {
	struct rte_ipv4_hdr *hdr;
	void *l4;
	uint16_t hdr_len;
	uint16_t l4_len; /**< total_length - hdr_len */
};

/**
 * Validate the IPv4 packet at @p pkt (@p len bytes available): version,
 * header length, total length within @p len, header checksum.
 * @return 0 and fills @p v, or the tcpstack_mib reason it fails.
 */
int tcpstack_ipv4_parse(void *pkt, uint32_t len, struct tcpstack_ipv4_view *v);

/** Is the TCP, UDP or ICMP checksum of a validated packet right? UDP 0 = none. */
bool tcpstack_l4_cksum_ok(const struct tcpstack_ipv4_view *v);

/** Compute and store the IPv4 header checksum. */
void tcpstack_ipv4_set_cksum(struct rte_ipv4_hdr *ip);

/** Compute and store the TCP, UDP or ICMP checksum of a validated packet. */
void tcpstack_l4_set_cksum(const struct tcpstack_ipv4_view *v);

/* ---- interfaces */

/** One address the box owns on a port. */
struct tcpstack_addr {
	uint32_t ip; /**< network byte order */
	uint32_t mask; /**< network byte order */
	uint32_t gateway; /**< network byte order; 0 = none (on-link only) */
};

#define TCPSTACK_IFACE_ADDRS_MAX 16

struct tcpstack_arp_cache;

struct tcpstack_iface {
	struct rte_ether_addr mac;
	struct tcpstack_addr addrs[TCPSTACK_IFACE_ADDRS_MAX];
	unsigned n_addrs;
	struct tcpstack_arp_cache *arp;
	struct rte_mempool *pool; /**< for frames the stack originates */
	struct tcpstack_mib_counters *mib;
};

/** ARP cache parameters. */
struct tcpstack_arp_params {
	unsigned entries; /**< power of 2 */
	uint64_t reachable_ns; /**< lifetime of a confirmed entry */
	uint64_t retrans_ns; /**< between requests for an unresolved address */
	unsigned max_probes; /**< requests before giving up */
};

/**
 * Create an iface. @p addrs are copied. The ARP cache is allocated with
 * calloc (no EAL needed). @return NULL on allocation failure.
 */
struct tcpstack_iface *tcpstack_iface_create(const struct rte_ether_addr *mac,
					     const struct tcpstack_addr *addrs, unsigned n_addrs,
					     const struct tcpstack_arp_params *arp,
					     struct rte_mempool *pool,
					     struct tcpstack_mib_counters *mib);

/** Free an iface, its cache and any frame still waiting for resolution. */
void tcpstack_iface_destroy(struct tcpstack_iface *ifc);

/** Is @p ip (network order) one of this iface's addresses? */
bool tcpstack_iface_owns(const struct tcpstack_iface *ifc, uint32_t ip);

/**
 * Handle a frame addressed to the box on this iface (ARP, IPv4 to one of
 * its addresses). Consumes @p m. Frames to send on the same port are
 * written to @p out (at most @p out_max; the rest are freed and counted).
 * @return the number of frames written to @p out.
 */
unsigned tcpstack_iface_input(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
			      struct rte_mbuf **out, unsigned out_max);

/**
 * Learn from an ARP frame seen on the wire but not addressed to us
 * (RFC 826: refresh an entry we already hold). Does not consume or change
 * @p m. A frame that was waiting for the sender's address is released to
 * @p out. @return frames for @p out.
 */
unsigned tcpstack_iface_snoop_arp(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
				  struct rte_mbuf **out, unsigned out_max);

/**
 * Send an IPv4 packet (mbuf starting at an Ethernet header whose addresses
 * the stack fills): resolves the next hop, holding the frame while ARP
 * resolves it. Consumes @p m. @return frames for @p out, as above.
 */
unsigned tcpstack_iface_output(struct tcpstack_iface *ifc, struct rte_mbuf *m, uint64_t now,
			       struct rte_mbuf **out, unsigned out_max);

/**
 * Timers: age the ARP cache, retransmit requests, give up on unresolved
 * addresses. Call every few milliseconds. @return frames for @p out.
 */
unsigned tcpstack_iface_tick(struct tcpstack_iface *ifc, uint64_t now, struct rte_mbuf **out,
			     unsigned out_max);

#endif
