/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP cache: see arp.h for the states and the table layout. */
#include <stdlib.h>
#include <string.h>

#include "tcpstack/arp.h"

static unsigned slot_of(const struct tcpstack_arp_cache *c, uint32_t ip)
{
	/* Fibonacci hashing spreads consecutive addresses over the table. */
	return (unsigned)((ip * 2654435761u) >> 7) & c->mask;
}

struct tcpstack_arp_cache *arp_cache_create(const struct tcpstack_arp_params *p)
{
	if (p->entries < 2 || (p->entries & (p->entries - 1)) != 0)
		return NULL;
	struct tcpstack_arp_cache *c =
		calloc(1, sizeof(*c) + p->entries * sizeof(struct arp_entry));
	if (c == NULL)
		return NULL;
	c->p = *p;
	c->mask = p->entries - 1;
	return c;
}

void arp_cache_destroy(struct tcpstack_arp_cache *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i <= c->mask; i++)
		rte_pktmbuf_free(c->e[i].pending); /* NULL-safe */
	free(c);
}

struct arp_entry *arp_cache_find(struct tcpstack_arp_cache *c, uint32_t ip)
{
	for (unsigned i = slot_of(c, ip);; i = (i + 1) & c->mask) {
		struct arp_entry *e = &c->e[i];
		if (e->state == ARP_FREE)
			return NULL;
		if (e->ip == ip)
			return e;
	}
}

/* Keep at least a quarter free so probe sequences stay short and end. */
static struct arp_entry *entry_add(struct tcpstack_arp_cache *c, uint32_t ip)
{
	if ((c->used + 1) * 4 > (c->mask + 1) * 3)
		return NULL;
	unsigned i = slot_of(c, ip);
	while (c->e[i].state != ARP_FREE)
		i = (i + 1) & c->mask;
	c->used++;
	memset(&c->e[i], 0, sizeof(c->e[i]));
	c->e[i].ip = ip;
	return &c->e[i];
}

/* Backward-shift deletion: pull later members of the probe run into the gap
 * so that no lookup ever stops early at it. */
static void entry_del(struct tcpstack_arp_cache *c, struct arp_entry *e)
{
	unsigned gap = (unsigned)(e - c->e);
	unsigned i = gap;

	for (;;) {
		i = (i + 1) & c->mask;
		if (c->e[i].state == ARP_FREE)
			break;
		unsigned home = slot_of(c, c->e[i].ip);
		/* Movable unless its home lies cyclically in (gap, i]. */
		bool stays = (gap <= i) ? (home > gap && home <= i) : (home > gap || home <= i);
		if (!stays) {
			c->e[gap] = c->e[i];
			gap = i;
		}
	}
	memset(&c->e[gap], 0, sizeof(c->e[gap]));
	c->used--;
}

enum arp_result arp_resolve(struct tcpstack_arp_cache *c, uint32_t ip, uint64_t now,
			    struct rte_mbuf *m, struct rte_ether_addr *mac,
			    struct rte_mbuf **dropped)
{
	struct arp_entry *e = arp_cache_find(c, ip);

	*dropped = NULL;
	if (e != NULL && e->state != ARP_INCOMPLETE) {
		*mac = e->mac;
		if (e->state == ARP_REACHABLE && now >= e->deadline) {
			/* Lifetime over: keep using it, ask again. */
			e->state = ARP_PROBE;
			e->probes = 1;
			e->deadline = now + c->p.retrans_ns;
			return ARP_HIT_REQUEST;
		}
		return ARP_HIT;
	}
	if (e != NULL) {
		*dropped = e->pending;
		e->pending = m;
		return ARP_MISS_HELD;
	}
	e = entry_add(c, ip);
	if (e == NULL)
		return ARP_MISS_FULL;
	e->state = ARP_INCOMPLETE;
	e->probes = 1;
	e->deadline = now + c->p.retrans_ns;
	e->pending = m;
	return ARP_MISS_REQUEST;
}

struct rte_mbuf *arp_learn(struct tcpstack_arp_cache *c, uint32_t ip,
			   const struct rte_ether_addr *mac, uint64_t now, bool create, bool *full)
{
	struct arp_entry *e = arp_cache_find(c, ip);

	*full = false;
	if (e == NULL) {
		if (!create)
			return NULL;
		e = entry_add(c, ip);
		if (e == NULL) {
			*full = true;
			return NULL;
		}
	}
	e->mac = *mac;
	e->state = ARP_REACHABLE;
	e->probes = 0;
	e->deadline = now + c->p.reachable_ns;
	struct rte_mbuf *m = e->pending;
	e->pending = NULL;
	return m;
}

unsigned arp_cache_age(struct tcpstack_arp_cache *c, uint64_t now,
		       void (*request)(void *ctx, uint32_t ip),
		       void (*give_up)(void *ctx, struct rte_mbuf *m), void *ctx)
{
	unsigned expired = 0;

	for (unsigned i = 0; i <= c->mask; i++) {
		struct arp_entry *e = &c->e[i];

		if (e->state == ARP_FREE || now < e->deadline)
			continue;
		if (e->state == ARP_REACHABLE) {
			/* Nobody sent to it for a whole further lifetime. */
			if (now - e->deadline < c->p.reachable_ns)
				continue;
			expired++;
		} else if (e->probes < c->p.max_probes) {
			e->probes++;
			e->deadline = now + c->p.retrans_ns;
			request(ctx, e->ip);
			continue;
		}
		if (e->pending != NULL)
			give_up(ctx, e->pending);
		e->pending = NULL;
		entry_del(c, e);
		/* The shift may have pulled an unvisited entry into slot i. */
		i--;
	}
	return expired;
}
