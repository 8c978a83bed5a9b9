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
 * connection fully established (our first DSS), and drops one that comes
 * while it is still acting on the previous: announce right after our
 * first DSS (at the latest a little after the handshake), one address at
 * a time, the next when the echo comes. */
#define ANNOUNCE_DELAY_NS 100000000ull
#define ANNOUNCE_NEXT_NS 300000000ull

uint8_t mptcp_pm_local_id(const struct mptcp_stack *st, uint32_t laddr)
{
	for (unsigned i = 0; i < st->n_addrs; i++)
		if (st->addrs[i].addr == laddr)
			return st->addrs[i].id;
	return 0;
}

bool mptcp_pm_addr_backup(const struct mptcp_stack *st, uint32_t laddr)
{
	for (unsigned i = 0; i < st->n_addrs; i++)
		if (st->addrs[i].addr == laddr)
			return st->addrs[i].backup;
	return false;
}

bool mptcp_pm_addr_removed_p(const struct mptcp_stack *st, uint32_t laddr)
{
	for (unsigned i = 0; i < st->n_removed; i++)
		if (st->removed[i] == laddr)
			return true;
	return false;
}

static unsigned max_subflows(const struct mptcp_sock *m)
{
	return m->st->p.max_subflows ? m->st->p.max_subflows : 8;
}

static void open_path(struct mptcp_sock *m, unsigned i, uint64_t now)
{
	struct mptcp_path *p = &m->paths[i];

	if (p->sf != NULL || p->raddr == 0 || m->dead || m->fallback || m->state != MSK_ESTABLISHED)
		return; /* raddr 0: a path forgotten (REMOVE_ADDR either way) */
	if (m->n_subflows >= max_subflows(m)) {
		p->retry_at = now + (uint64_t)BACKOFF_MAX_MS * 1000000;
		return;
	}
	struct mptcp_subflow *sf = mptcp_subflow_new(m->st);
	if (sf == NULL)
		return;
	sf->join = true;
	sf->backup = p->backup || mptcp_pm_addr_backup(m->st, p->laddr);
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
	if (m->announce_todo != 0) /* at once if our first DSS is out */
		m->announce_at = now + (m->dss_sent ? 1 : ANNOUNCE_DELAY_NS);
}

void mptcp_pm_dss_sent(struct mptcp_sock *m, uint64_t now)
{
	if (m->server && m->announce_todo != 0 && m->announce_tries == 0 &&
	    m->announce_at > now + 1)
		m->announce_at = now + 1; /* 0 would mean none */
}

void mptcp_pm_subflow_closed(struct mptcp_sock *m, struct mptcp_subflow *sf, int err, uint64_t now)
{
	if (sf->path < 0 || (unsigned)sf->path >= m->n_paths)
		return;
	struct mptcp_path *p = &m->paths[sf->path];
	if (p->sf != sf)
		return;
	p->sf = NULL;
	if (sf->peer_refused) {
		/* RFC 8684 3.6: without T the peer does not want this
		 * subflow again; retrying with backoff would only be
		 * refused again. */
		mptcp_count(m->st, MPTCP_MIB_PATH_REFUSED);
		p->retry_at = 0;
		p->raddr = 0;
		return;
	}
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
	m->announce_sent |= 1u << idx;
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
	if (m->server || m->paths_only || m->subflows == NULL)
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
		/* id 0: the initial subflow's address, and joins to it */
		if (sf->remote_id == id) {
			/* The address is gone for good: its path (announced
			 * or configured) is forgotten, not opened again; a new
			 * ADD_ADDR of it makes a new one. */
			if (sf->path >= 0 && (unsigned)sf->path < m->n_paths &&
			    m->paths[sf->path].sf == sf) {
				m->paths[sf->path].sf = NULL;
				m->paths[sf->path].retry_at = 0;
				m->paths[sf->path].raddr = 0;
			}
			sf->path = -1;
			mptcp_sock_subflow_retire(m, sf, now);
		}
		sf = next;
	}
	/* and a path to it between attempts (its subflow went first, on
	 * the peer's FIN, which may come before the REMOVE_ADDR) */
	for (unsigned i = 0; i < m->n_paths && !m->dead; i++) {
		struct mptcp_path *p = &m->paths[i];
		if (p->sf == NULL && p->raddr != 0 &&
		    ((p->remote_id != 0 && p->remote_id == id) || p->peer_id1 == id + 1)) {
			p->raddr = 0;
			p->retry_at = 0;
		}
	}
}

int mptcp_pm_set_backup(struct mptcp_sock *m, uint32_t laddr, bool backup, uint64_t now)
{
	bool found = false;

	/* Paths first: a subflow reopened on one keeps the flag. */
	for (unsigned i = 0; i < m->n_paths; i++)
		if (m->paths[i].laddr == laddr) {
			m->paths[i].backup = backup;
			found = true;
		}
	for (struct mptcp_subflow *sf = m->subflows; sf != NULL && !m->dead; sf = sf->next)
		if (sf->laddr == laddr) {
			mptcp_subflow_set_backup(sf, backup, now);
			found = true;
		}
	if (found && !m->dead)
		mptcp_sock_push(m, now); /* a regular subflow more, maybe */
	return found ? 0 : -ENOENT;
}

int mptcp_pm_remove_path(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint64_t now)
{
	bool found = false;

	for (unsigned i = 0; i < m->n_paths; i++) {
		struct mptcp_path *p = &m->paths[i];
		if (p->laddr != laddr || p->raddr != raddr)
			continue;
		if (p->sf != NULL)
			p->sf->path = -1;
		p->sf = NULL;
		p->raddr = 0; /* forgotten: never opened again */
		p->retry_at = 0;
		found = true;
	}
	/* As for an address removed: the subflows go only if others carry
	 * the connection on. The addresses stay ours and the peer's (other
	 * paths may use them), so no REMOVE_ADDR: FIN says it. */
	unsigned others = 0;
	for (const struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next) {
		bool on_path = sf->laddr == laddr && sf->raddr == raddr;
		found |= on_path;
		if (!on_path && mptcp_subflow_usable(sf) && !sf->stale)
			others++;
	}
	if (m->fallback || others == 0)
		return found ? 0 : -ENOENT;
	struct mptcp_subflow *sf = m->subflows;
	while (sf != NULL && !m->dead) {
		struct mptcp_subflow *next = sf->next;
		if (sf->laddr == laddr && sf->raddr == raddr && !sf->retiring) {
			sf->path = -1;
			mptcp_sock_subflow_retire(m, sf, now);
		}
		sf = next;
	}
	return found ? 0 : -ENOENT;
}

/* @v without bit @i, the bits above it moved down by one (st->addrs
 * indexes after an entry went). */
static uint32_t drop_bit(uint32_t v, unsigned i)
{
	return (v & ((1u << i) - 1)) | ((v >> (i + 1)) << i);
}

static void rm_queue(struct mptcp_sock *m, uint8_t id)
{
	for (unsigned i = 0; i < m->rm_n; i++)
		if (m->rm_ids[i] == id)
			return;
	if (m->rm_n < MPTCP_RM_PENDING)
		m->rm_ids[m->rm_n++] = id;
}

void mptcp_pm_addr_removed(struct mptcp_sock *m, unsigned idx, uint8_t id, uint32_t laddr,
			   uint64_t now)
{
	bool announced = m->announce_sent & (1u << idx);

	m->announce_todo = drop_bit(m->announce_todo, idx);
	m->announce_unechoed = drop_bit(m->announce_unechoed, idx);
	m->announce_sent = drop_bit(m->announce_sent, idx);
	for (unsigned i = 0; i < m->n_paths; i++) {
		struct mptcp_path *p = &m->paths[i];
		if (p->laddr != laddr)
			continue;
		/* forgotten: never opened again */
		if (p->sf != NULL)
			p->sf->path = -1;
		p->sf = NULL;
		p->raddr = 0;
		p->retry_at = 0;
	}
	if (m->dead || m->fallback)
		return; /* plain TCP: its one subflow is the connection */
	/* Its subflows close only if another address carries the connection
	 * on: closing the last ones would end it, which is for the user to
	 * decide (mptcp_abort). Kept, they are not announced as removed
	 * either (the peer would close them). */
	unsigned others = 0;
	for (const struct mptcp_subflow *sf = m->subflows; sf != NULL; sf = sf->next)
		if (mptcp_subflow_usable(sf) && !sf->stale && sf->laddr != laddr)
			others++;
	if (others == 0)
		return;
	if (announced)
		rm_queue(m, id);
	struct mptcp_subflow *sf = m->subflows;
	while (sf != NULL && !m->dead) {
		struct mptcp_subflow *next = sf->next;
		if (sf->laddr == laddr) {
			/* the id the peer knows it by (0: the initial subflow's) */
			rm_queue(m, sf->local_id);
			sf->path = -1;
			/* what it holds not DATA_ACKed goes on the others;
			 * FIN, and what the peer still sends is taken in */
			mptcp_sock_subflow_retire(m, sf, now);
		}
		sf = next;
	}
	if (m->dead || m->rm_n == 0)
		return;
	/* REMOVE_ADDR on a pure ACK of another subflow, now; if it does not
	 * fit there (a DATA_FIN takes the room), on a later ACK. */
	for (sf = m->subflows; sf != NULL; sf = sf->next)
		if (mptcp_subflow_usable(sf)) {
			tcpstack_tcp_ack_now(sf->tc, now);
			break;
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
