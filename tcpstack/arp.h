/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP cache (internal to tcpstack; iface.c and the unit tests use it).
 *
 * Open addressing with linear probing and backward-shift deletion: no
 * tombstones, so lookups stay short however long the box runs. Plain calloc
 * rather than rte_hash keeps it usable without the EAL (unit tests, sim).
 *
 * States, after Linux's neighbour code:
 *   INCOMPLETE  no MAC yet; requests sent every retrans_ns, one frame held
 *   REACHABLE   confirmed within reachable_ns
 *   PROBE       lifetime over: the MAC is still used while requests ask again;
 *               removed after max_probes unanswered requests
 */
#ifndef MPGW_TCPSTACK_ARP_H
#define MPGW_TCPSTACK_ARP_H

#include "tcpstack/tcpstack.h"

enum arp_state { ARP_FREE = 0, ARP_INCOMPLETE, ARP_REACHABLE, ARP_PROBE };

struct arp_entry {
	uint32_t ip; /* network order */
	uint8_t state;
	uint8_t probes; /* requests sent in INCOMPLETE/PROBE */
	struct rte_ether_addr mac;
	uint64_t deadline; /* state ends (REACHABLE) or next request due */
	struct rte_mbuf *pending; /* one frame held while INCOMPLETE */
};

struct tcpstack_arp_cache {
	struct tcpstack_arp_params p;
	unsigned mask; /* entries - 1 */
	unsigned used;
	struct arp_entry e[];
};

/* What arp_resolve() says about a next hop. */
enum arp_result {
	ARP_HIT, /* mac filled in */
	ARP_HIT_REQUEST, /* mac filled in; also send a (refresh) request now */
	ARP_MISS_REQUEST, /* frame held; send a request now */
	ARP_MISS_HELD, /* frame held; a request is already out */
	ARP_MISS_FULL, /* no room to hold anything */
};

struct tcpstack_arp_cache *arp_cache_create(const struct tcpstack_arp_params *p);
/* Frees held frames too. */
void arp_cache_destroy(struct tcpstack_arp_cache *c);
struct arp_entry *arp_cache_find(struct tcpstack_arp_cache *c, uint32_t ip);

/* Resolve @ip for sending @m. On a miss @m is held in the entry (an earlier
 * held frame, if any, is returned in *dropped for the caller to free). */
enum arp_result arp_resolve(struct tcpstack_arp_cache *c, uint32_t ip, uint64_t now,
			    struct rte_mbuf *m, struct rte_ether_addr *mac,
			    struct rte_mbuf **dropped);

/* RFC 826 merge: update an existing entry's MAC; create one only if @create
 * (we are the target). Returns the frame that was waiting for this address,
 * if any, now ready to send to @mac. *full is set when creation failed. */
struct rte_mbuf *arp_learn(struct tcpstack_arp_cache *c, uint32_t ip,
			   const struct rte_ether_addr *mac, uint64_t now, bool create, bool *full);

/* Age entries. Calls @request for every address to ask again and @give_up
 * for every held frame of an address given up on (the caller frees it).
 * Confirmed entries unused for a further lifetime are removed.
 * @return the number of such expired entries. */
unsigned arp_cache_age(struct tcpstack_arp_cache *c, uint64_t now,
		       void (*request)(void *ctx, uint32_t ip),
		       void (*give_up)(void *ctx, struct rte_mbuf *m), void *ctx);

#endif
