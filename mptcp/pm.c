/* SPDX-License-Identifier: BSD-3-Clause */
/* The path manager: subflows from configured pairs and from the peer's
 * announcements, reopened with exponential backoff; our own addresses
 * announced (RFC 8684 3.4) and resent until the peer echoes them. */
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "mptcp/pm.h"
#include "mptcp/protocol.h"

#define BACKOFF_FIRST_MS 1000u
#define BACKOFF_MAX_MS 30000u
#define ANNOUNCE_RESEND_NS 2000000000ull
#define ANNOUNCE_TRIES 3
/* Linux's in-kernel PM ignores an ADD_ADDR that comes before it sees the
 * connection fully established, and drops one that comes while it is
 * still acting on the previous: announce a little after the handshake,
 * one address at a time, the next when the echo comes. */
#define ANNOUNCE_DELAY_NS 100000000ull
#define ANNOUNCE_NEXT_NS 300000000ull

uint8_t mptcp_pm_local_id(const struct mptcp_stack *st, uint32_t laddr)
{
	for (unsigned i = 0; i < st->n_addrs; i++)
		if (st->addrs[i].addr == laddr)
			return st->addrs[i].id;
	return 0;
}

static unsigned max_subflows(const struct mptcp_sock *m)
{
	return m->st->p.max_subflows ? m->st->p.max_subflows : 8;
}

static void open_path(struct mptcp_sock *m, unsigned i, uint64_t now)
{
	struct mptcp_path *p = &m->paths[i];

	if (p->sf != NULL || m->dead || m->fallback || m->state != MSK_ESTABLISHED)
		return;
	if (m->n_subflows >= max_subflows(m)) {
		p->retry_at = now + (uint64_t)BACKOFF_MAX_MS * 1000000;
		return;
	}
	struct mptcp_subflow *sf = mptcp_subflow_new(m->st);
	if (sf == NULL)
		return;
	sf->join = true;
	sf->backup = p->backup;
	sf->path = (int)i;
	sf->remote_id = p->remote_id;
	sf->local_id = mptcp_pm_local_id(m->st, p->laddr);
	p->retry_at = 0;
	if (mptcp_subflow_connect(m, sf, p->laddr, 0, p->raddr, p->rport, now) != 0) {
		mptcp_subflow_free(sf);
		mptcp_count(m->st, MPTCP_MIB_JOIN_FAILED);
		p->backoff_ms = p->backoff_ms ? RTE_MIN(p->backoff_ms * 2, BACKOFF_MAX_MS)
					      : BACKOFF_FIRST_MS;
		p->retry_at = now + (uint64_t)p->backoff_ms * 1000000;
		return;
	}
	p->sf = sf;
}

int mptcp_pm_add_path(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint16_t rport,
		      bool backup, uint8_t remote_id, uint64_t now)
{
	for (unsigned i = 0; i < m->n_paths; i++)
		if (m->paths[i].laddr == laddr && m->paths[i].raddr == raddr &&
		    m->paths[i].rport == rport)
			return -EEXIST;
	if (m->n_paths == MPTCP_PATHS_MAX)
		return -ENOSPC;
	struct mptcp_path *p = &m->paths[m->n_paths++];
	memset(p, 0, sizeof(*p));
	p->laddr = laddr;
	p->raddr = raddr;
	p->rport = rport;
	p->backup = backup;
	p->remote_id = remote_id;
	if (m->state == MSK_ESTABLISHED)
		open_path(m, m->n_paths - 1, now);
	return 0;
}

void mptcp_pm_established(struct mptcp_sock *m, uint64_t now)
{
	const struct mptcp_stack *st = m->st;

	for (unsigned i = 0; i < m->n_paths && !m->dead; i++)
		open_path(m, i, now);
	if (!m->server || m->subflows == NULL)
		return;
	/* Announce our other addresses, so the client may join to them. */
	uint32_t laddr = m->subflows->laddr;
	for (unsigned i = 0; i < st->n_addrs; i++)
		if (st->addrs[i].announce && st->addrs[i].addr != laddr)
			m->announce_todo |= 1u << i;
	if (m->announce_todo != 0)
		m->announce_at = now + ANNOUNCE_DELAY_NS;
}

void mptcp_pm_subflow_closed(struct mptcp_sock *m, struct mptcp_subflow *sf, int err, uint64_t now)
{
	if (sf->path < 0 || (unsigned)sf->path >= m->n_paths)
		return;
	struct mptcp_path *p = &m->paths[sf->path];
	if (p->sf != sf)
		return;
	p->sf = NULL;
	if (sf->state != SF_ESTABLISHED)
		mptcp_count(m->st, MPTCP_MIB_JOIN_FAILED);
	else if (err == 0)
		p->backoff_ms = 0; /* it worked a while */
	p->backoff_ms =
		p->backoff_ms ? RTE_MIN(p->backoff_ms * 2, BACKOFF_MAX_MS) : BACKOFF_FIRST_MS;
	p->retry_at = now + (uint64_t)p->backoff_ms * 1000000;
}

int mptcp_pm_next_announce(const struct mptcp_sock *m)
{
	uint32_t todo = m->announce_todo;

	return todo != 0 ? __builtin_ctz(todo) : -1;
}

void mptcp_pm_announced(struct mptcp_sock *m, int idx)
{
	m->announce_todo &= ~(1u << idx);
	m->announce_unechoed |= 1u << idx;
}

void mptcp_pm_echo_seen(struct mptcp_sock *m, uint8_t id)
{
	const struct mptcp_stack *st = m->st;

	for (unsigned i = 0; i < st->n_addrs; i++)
		if (st->addrs[i].id == id)
			m->announce_unechoed &= ~(1u << i);
	if (m->announce_todo != 0)
		m->announce_at = st->now; /* the next one, now */
}

void mptcp_pm_add_addr(struct mptcp_sock *m, uint8_t id, uint32_t addr, uint16_t port, uint64_t now)
{
	if (m->server || m->subflows == NULL)
		return; /* the client opens subflows; a server only answers */
	/* From the address the connection started on, to the one announced. */
	const struct mptcp_subflow *first = m->subflows;
	while (first->next != NULL)
		first = first->next;
	mptcp_pm_add_path(m, first->laddr, addr, port ? port : first->rport, false, id, now);
}

void mptcp_pm_rm_addr(struct mptcp_sock *m, uint8_t id, uint64_t now)
{
	struct mptcp_subflow *sf = m->subflows;

	while (sf != NULL && !m->dead) {
		struct mptcp_subflow *next = sf->next;
		if (sf->remote_id == id && sf->join) {
			if (sf->path >= 0 && (unsigned)sf->path < m->n_paths &&
			    m->paths[sf->path].remote_id == id) {
				/* gone for good: forget the path */
				m->paths[sf->path].sf = NULL;
				m->paths[sf->path].retry_at = 0;
				m->paths[sf->path].raddr = 0;
			}
			sf->path = -1;
			mptcp_sock_subflow_gone(m, sf, 0, now);
			mptcp_subflow_close(sf, now);
		}
		sf = next;
	}
}

void mptcp_pm_timers(struct mptcp_sock *m, uint64_t now)
{
	for (unsigned i = 0; i < m->n_paths && !m->dead; i++) {
		struct mptcp_path *p = &m->paths[i];
		if (p->sf == NULL && p->raddr != 0 && p->retry_at != 0 && now >= p->retry_at)
			open_path(m, i, now);
	}
	if (m->dead || m->announce_at == 0 || now < m->announce_at)
		return;
	m->announce_at = 0;
	if (m->announce_unechoed != 0 && m->announce_tries < ANNOUNCE_TRIES) {
		m->announce_todo |= m->announce_unechoed; /* resend */
		m->announce_unechoed = 0;
	}
	if (m->announce_todo == 0)
		return;
	/* One ADD_ADDR on a pure ACK; the rest after its echo, or later. */
	struct mptcp_subflow *sf = m->subflows;
	while (sf != NULL && !mptcp_subflow_usable(sf))
		sf = sf->next;
	if (sf != NULL) {
		m->announce_armed = true;
		tcpstack_tcp_ack_now(sf->tc, now);
		m->announce_armed = false;
	}
	if (m->dead)
		return;
	if (m->announce_todo != 0)
		m->announce_at = now + ANNOUNCE_NEXT_NS;
	else if (++m->announce_tries < ANNOUNCE_TRIES)
		m->announce_at = now + ANNOUNCE_RESEND_NS;
}

uint64_t mptcp_pm_next_timer(const struct mptcp_sock *m)
{
	uint64_t t = UINT64_MAX;

	for (unsigned i = 0; i < m->n_paths; i++)
		if (m->paths[i].sf == NULL && m->paths[i].raddr != 0 && m->paths[i].retry_at != 0 &&
		    m->paths[i].retry_at < t)
			t = m->paths[i].retry_at;
	if (m->announce_at != 0 && m->announce_at < t)
		t = m->announce_at;
	return t;
}
