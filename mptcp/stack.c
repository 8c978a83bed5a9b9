/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-lcore MPTCP stack: parameters, token table, addresses,
 * listeners, and the entry points that open connections and run timers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mptcp/crypto.h"
#include "mptcp/pm.h"
#include "mptcp/protocol.h"

#define DEF_MAX_CONNS 65536u

static int default_rand(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return mptcp_crypto_random(buf, len);
}

struct mptcp_stack *mptcp_stack_create(const struct mptcp_params *p, struct tcpstack_tcp *tcp,
				       struct rte_mempool *pool, struct mptcp_mib_counters *mib)
{
	struct mptcp_stack *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->p = *p;
	if (st->p.rand == NULL)
		st->p.rand = default_rand;
	st->tcp = tcp;
	st->pool = pool;
	st->mib = mib;
	st->sched = mptcp_sched_find(p->scheduler);
	st->tokens = mptcp_token_table_create(p->max_conns ? p->max_conns : DEF_MAX_CONNS,
					      st->p.rand, st->p.rand_ctx);
	if (st->sched == NULL || st->tokens == NULL) {
		mptcp_token_table_destroy(st->tokens);
		free(st);
		return NULL;
	}
	return st;
}

void mptcp_stack_destroy(struct mptcp_stack *st)
{
	if (st == NULL)
		return;
	st->busy++;
	while (st->conns != NULL)
		mptcp_sock_done(st->conns, ECONNABORTED);
	for (unsigned i = 0; i < st->n_listeners; i++)
		if (st->listeners[i].open)
			tcpstack_tcp_unlisten(st->tcp, st->listeners[i].laddr,
					      st->listeners[i].lport);
	st->busy--;
	mptcp_reap(st);
	mptcp_token_table_destroy(st->tokens);
	free(st);
}

int mptcp_stack_add_addr(struct mptcp_stack *st, uint32_t addr, uint8_t id, bool announce)
{
	if (id == 0 || st->n_addrs == MPTCP_ADDRS_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < st->n_addrs; i++)
		if (st->addrs[i].addr == addr || st->addrs[i].id == id)
			return -EEXIST;
	st->addrs[st->n_addrs].addr = addr;
	st->addrs[st->n_addrs].id = id;
	st->addrs[st->n_addrs].announce = announce;
	st->addrs[st->n_addrs].backup = false;
	st->n_addrs++;
	for (unsigned i = 0; i < st->n_removed; i++)
		if (st->removed[i] == addr) { /* back: joins to it welcome again */
			st->removed[i] = st->removed[--st->n_removed];
			break;
		}
	return 0;
}

int mptcp_stack_remove_addr(struct mptcp_stack *st, uint8_t id, uint64_t now)
{
	unsigned i = 0;

	while (i < st->n_addrs && st->addrs[i].id != id)
		i++;
	if (i == st->n_addrs)
		return -ENOENT;
	uint32_t addr = st->addrs[i].addr;
	/* Out of the table first: nothing announces it or opens from it
	 * while the connections let go of it. */
	memmove(&st->addrs[i], &st->addrs[i + 1], (st->n_addrs - i - 1) * sizeof(st->addrs[0]));
	st->n_addrs--;
	/* and joins to it are refused (a peer that missed the REMOVE_ADDR);
	 * the oldest removal forgotten when full */
	if (st->n_removed == MPTCP_ADDRS_MAX) {
		memmove(&st->removed[0], &st->removed[1], (MPTCP_ADDRS_MAX - 1) * sizeof(uint32_t));
		st->n_removed--;
	}
	st->removed[st->n_removed++] = addr;
	st->busy++;
	st->now = now;
	for (struct mptcp_sock *m = st->conns, *next; m != NULL; m = next) {
		next = m->next; /* m may end (only m) */
		mptcp_pm_addr_removed(m, i, id, addr, now);
	}
	st->busy--;
	mptcp_reap(st);
	return 0;
}

int mptcp_stack_set_addr_backup(struct mptcp_stack *st, uint32_t laddr, bool backup, uint64_t now)
{
	unsigned i = 0;

	while (i < st->n_addrs && st->addrs[i].addr != laddr)
		i++;
	if (i == st->n_addrs)
		return -ENOENT;
	st->addrs[i].backup = backup; /* subflows to come */
	st->busy++;
	st->now = now;
	for (struct mptcp_sock *m = st->conns, *next; m != NULL; m = next) {
		next = m->next;
		if (!m->dead && !m->fallback)
			(void)mptcp_pm_set_backup(m, laddr, backup, now); /* -ENOENT: not its */
	}
	st->busy--;
	mptcp_reap(st);
	return 0;
}

int mptcp_set_backup(struct mptcp_sock *m, uint32_t laddr, bool backup, uint64_t now)
{
	struct mptcp_stack *st = m->st;

	if (m->dead)
		return -ENOTCONN;
	if (m->fallback)
		return -EOPNOTSUPP; /* no MPTCP options: nothing to tell */
	st->busy++;
	st->now = now;
	int rc = mptcp_pm_set_backup(m, laddr, backup, now);
	st->busy--;
	mptcp_reap(st);
	return rc;
}

int mptcp_remove_path(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint64_t now)
{
	struct mptcp_stack *st = m->st;

	if (m->dead)
		return -ENOTCONN;
	st->busy++;
	st->now = now;
	int rc = mptcp_pm_remove_path(m, laddr, raddr, now);
	st->busy--;
	mptcp_reap(st);
	return rc;
}

void mptcp_stack_timers(struct mptcp_stack *st, uint64_t now)
{
	st->busy++;
	st->now = now;
	for (struct mptcp_sock *m = st->conns, *next; m != NULL; m = next) {
		next = m->next;
		if (mptcp_sock_next_timer(m) <= now)
			mptcp_sock_timers(m, now);
	}
	st->busy--;
	mptcp_reap(st);
}

uint64_t mptcp_stack_next_timer(const struct mptcp_stack *st)
{
	uint64_t t = UINT64_MAX;

	for (const struct mptcp_sock *m = st->conns; m != NULL; m = m->next) {
		uint64_t x = mptcp_sock_next_timer(m);
		if (x < t)
			t = x;
	}
	return t;
}

unsigned mptcp_stack_conn_count(const struct mptcp_stack *st)
{
	return st->n_conns;
}

int mptcp_listen(struct mptcp_stack *st, uint32_t laddr, uint16_t lport,
		 const struct mptcp_ops *ops, void *user)
{
	/* A closed slot is taken again: its generation tells the subflows
	 * still in a handshake with the old listener from the new one's. */
	unsigned i = 0;
	while (i < st->n_listeners && st->listeners[i].open)
		i++;
	if (i == sizeof(st->listeners) / sizeof(st->listeners[0]))
		return -ENOSPC;
	struct mptcp_listener *l = &st->listeners[i];
	int rc = tcpstack_tcp_listen(st->tcp, laddr, lport, &mptcp_listener_ops, l);
	if (rc != 0)
		return rc;
	l->st = st;
	l->ops = ops;
	l->user = user;
	l->laddr = laddr;
	l->lport = lport;
	l->open = true;
	l->gen++;
	if (i == st->n_listeners)
		st->n_listeners++;
	return 0;
}

int mptcp_unlisten(struct mptcp_stack *st, uint32_t laddr, uint16_t lport)
{
	for (unsigned i = 0; i < st->n_listeners; i++) {
		struct mptcp_listener *l = &st->listeners[i];
		if (l->open && l->laddr == laddr && l->lport == lport) {
			tcpstack_tcp_unlisten(st->tcp, laddr, lport);
			l->open = false;
			l->ops = NULL;
			l->user = NULL;
			return 0;
		}
	}
	return -ENOENT;
}

struct mptcp_sock *mptcp_connect(struct mptcp_stack *st, uint32_t laddr, uint16_t lport,
				 uint32_t raddr, uint16_t rport, const struct mptcp_ops *ops,
				 void *user, uint64_t now, int *err)
{
	struct mptcp_sock *m = mptcp_sock_new(st, ops, user);
	struct mptcp_subflow *sf = NULL;
	int rc;

	if (m == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	st->busy++;
	st->now = now;
	rc = mptcp_token_new_key(st->tokens, st->p.rand, st->p.rand_ctx, m, &m->local_key,
				 &m->local_token, &m->local_idsn);
	if (rc != 0) {
		mptcp_count(st, rc == -ENOSPC ? MPTCP_MIB_TOKEN_FULL : MPTCP_MIB_TOKEN_COLLISION);
		m->local_token = 0;
		m->fallback = true; /* still a connection, as plain TCP */
	} else {
		mptcp_count(st, MPTCP_MIB_MPC_ACTIVE);
	}
	sf = mptcp_subflow_new(st);
	rc = sf != NULL ? mptcp_subflow_connect(m, sf, laddr, lport, raddr, rport, now) : -ENOMEM;
	if (rc != 0) {
		if (sf != NULL)
			mptcp_subflow_free(sf);
		m->closed_by_user = true;
		mptcp_sock_done(m, -rc);
		st->busy--;
		mptcp_reap(st);
		*err = rc;
		return NULL;
	}
	/* From a backup address: MP_PRIO once established (MP_CAPABLE has
	 * no backup flag). */
	if (!m->fallback && mptcp_pm_addr_backup(st, laddr))
		mptcp_subflow_set_backup(sf, true, now);
	st->busy--;
	mptcp_reap(st);
	return m;
}

int mptcp_add_subflow(struct mptcp_sock *m, uint32_t laddr, uint32_t raddr, uint16_t rport,
		      bool backup, uint64_t now)
{
	struct mptcp_stack *st = m->st;

	st->busy++;
	st->now = now;
	int rc = mptcp_pm_add_path(m, laddr, raddr, rport, backup, 0, now);
	st->busy--;
	mptcp_reap(st);
	return rc;
}
