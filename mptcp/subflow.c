/* SPDX-License-Identifier: BSD-3-Clause */
/* One subflow: a tcpstack connection whose option hooks speak MPTCP.
 * The handshakes (MP_CAPABLE v1, RFC 8684 3.1; MP_JOIN, 3.2), the DSS
 * mappings of what it sends and receives (3.3), the other options as they
 * arrive, and the fallback rules (3.7). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "mptcp/crypto.h"
#include "mptcp/options.h"
#include "mptcp/pm.h"
#include "mptcp/protocol.h"
#include "tcpstack/tcp_reass.h" /* mbuf chain helpers */

/* Room a data segment keeps for the DSS: 4-byte DATA_ACK, 8-byte DSN,
 * checksum (24 bytes, as Linux's). */
#define TS_AND_DSS 24
#define MIN_TARGET_SEGS 8

/* ---------------------------------------------------------------------- */
/* Mapping rings                                                           */

static struct mptcp_map *map_at(const struct mptcp_maps *r, unsigned i)
{
	return &r->v[(r->head + i) % r->cap];
}

static int map_grow(struct mptcp_maps *r)
{
	unsigned cap = r->cap ? r->cap * 2 : 64;
	struct mptcp_map *v = malloc(cap * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < r->n; i++)
		v[i] = *map_at(r, i);
	free(r->v);
	r->v = v;
	r->head = 0;
	r->cap = cap;
	return 0;
}

/* Insert in seq order (almost always at the end); same start: replaced. */
static int map_insert(struct mptcp_maps *r, const struct mptcp_map *mp)
{
	unsigned i = r->n;

	while (i > 0 && (int32_t)(map_at(r, i - 1)->seq - mp->seq) > 0)
		i--;
	if (i > 0 && map_at(r, i - 1)->seq == mp->seq) {
		*map_at(r, i - 1) = *mp;
		return 0;
	}
	if (r->n == r->cap && map_grow(r) != 0)
		return -ENOMEM;
	for (unsigned j = r->n; j > i; j--)
		*map_at(r, j) = *map_at(r, j - 1);
	*map_at(r, i) = *mp;
	r->n++;
	return 0;
}

/* The mapping holding subflow byte @seq, or NULL (binary search). */
static struct mptcp_map *map_find(const struct mptcp_maps *r, uint32_t seq)
{
	unsigned lo = 0, hi = r->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct mptcp_map *mp = map_at(r, mid);
		if ((int32_t)(seq - mp->seq) < 0)
			hi = mid;
		else if ((int32_t)(seq - (mp->seq + mp->len)) >= 0)
			lo = mid + 1;
		else
			return map_at(r, mid);
	}
	return NULL;
}

/* Drop mappings wholly below @seq. */
static void map_drop_below(struct mptcp_maps *r, uint32_t seq)
{
	while (r->n != 0) {
		const struct mptcp_map *mp = map_at(r, 0);
		if ((int32_t)(mp->seq + mp->len - seq) > 0)
			break;
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                               */

struct mptcp_subflow *mptcp_subflow_new(struct mptcp_stack *st)
{
	struct mptcp_subflow *sf = calloc(1, sizeof(*sf));

	if (sf != NULL) {
		sf->st = st;
		sf->path = -1;
	}
	return sf;
}

void mptcp_subflow_free(struct mptcp_subflow *sf)
{
	rte_pktmbuf_free(sf->hold);
	free(sf->tx.v);
	free(sf->rx.v);
	free(sf);
}

static void sf_kill(struct mptcp_subflow *sf)
{
	if (sf->dead)
		return;
	sf->dead = true;
	sf->state = SF_CLOSED;
	sf->tc = NULL;
	sf->next = sf->st->dead_subflows;
	sf->st->dead_subflows = sf;
}

/* Graceful: FIN, and tcpstack finishes on its own (no more events). */
void mptcp_subflow_close(struct mptcp_subflow *sf, uint64_t now)
{
	if (sf->tc != NULL) {
		/* tcpstack finishes the close on its own: it must not call
		 * our hooks with a subflow that will be freed. */
		tcpstack_tcp_set_user(sf->tc, NULL, NULL);
		tcpstack_tcp_close(sf->tc, now);
	}
	sf_kill(sf);
}

void mptcp_subflow_reset(struct mptcp_subflow *sf, uint8_t reason, bool transient, uint64_t now)
{
	/* The RST is built inside the abort: what it says is set first. */
	sf->rst_tcprst = true;
	sf->rst_reason = reason;
	sf->rst_flags = transient ? MPTCP_RST_T : 0;
	if (sf->tc != NULL)
		tcpstack_tcp_abort(sf->tc, now);
	sf_kill(sf);
}

void mptcp_subflow_set_backup(struct mptcp_subflow *sf, bool backup, uint64_t now)
{
	if (sf->dead || sf->backup == backup)
		return;
	sf->backup = backup;
	sf->prio_pending = true;
	/* MP_PRIO rides on a pure ACK (a data segment has no room left for
	 * it); one still in its handshake sends it once established. */
	if (mptcp_subflow_usable(sf))
		tcpstack_tcp_ack_now(sf->tc, now);
}

/* A subflow just established with MP_PRIO pending sends it now. */
static void prio_flush(struct mptcp_subflow *sf, uint64_t now)
{
	if (sf->prio_pending && mptcp_subflow_usable(sf))
		tcpstack_tcp_ack_now(sf->tc, now);
}

bool mptcp_subflow_usable(const struct mptcp_subflow *sf)
{
	return sf->state == SF_ESTABLISHED && !sf->dead && !sf->retiring && sf->tc != NULL &&
	       sf->msk != NULL;
}

static uint32_t rel(uint32_t seq, uint32_t isn)
{
	return seq - isn;
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */

void mptcp_subflow_prune(struct mptcp_subflow *sf)
{
	if (sf->tc == NULL)
		return;
	uint32_t una = tcpstack_tcp_snd_una(sf->tc);
	uint64_t data_una = sf->msk != NULL ? sf->msk->snd_una : UINT64_MAX;
	/* A mapping goes when both levels acknowledged it: until the data
	 * level has, it may have to be sent again elsewhere. */
	while (sf->tx.n != 0) {
		const struct mptcp_map *mp = map_at(&sf->tx, 0);
		if ((int32_t)(mp->seq + mp->len - una) > 0 ||
		    (mp->dsn + mp->len > data_una && !sf->msk->fallback))
			break;
		sf->tx.head = (sf->tx.head + 1) % sf->tx.cap;
		sf->tx.n--;
	}
	if (sf->stale && (una != sf->snd_una_seen || tcpstack_tcp_sndq_bytes(sf->tc) == 0))
		sf->stale = false; /* it delivers again, or holds nothing */
}

uint32_t mptcp_subflow_room(struct mptcp_subflow *sf)
{
	struct tcpstack_tcp_info ti;

	if (!mptcp_subflow_usable(sf))
		return 0;
	mptcp_subflow_prune(sf);
	if (sf->msk->fallback) {
		/* Plain TCP: its own buffer is the connection's. */
		tcpstack_tcp_set_bufs(sf->tc, sf->msk->sndbuf, 0);
		return tcpstack_tcp_send_space(sf->tc);
	}
	tcpstack_tcp_get_info(sf->tc, &ti);
	/* A subflow with a segment's worth not yet sent gets nothing more
	 * until it runs low: data handed over in large pieces makes large
	 * mappings, which keep segments full-sized. */
	if (ti.sndq_bytes - RTE_MIN(ti.sndq_bytes, ti.inflight) >= ti.mss)
		return 0;
	/* Two windows queued: one in flight, one ready when ACKs come. The
	 * subflow's buffer is that size, so its WRITABLE (below half) comes
	 * while it still has a window to send. */
	uint32_t target = RTE_MAX(2 * ti.cwnd, MIN_TARGET_SEGS * ti.mss);
	tcpstack_tcp_set_bufs(sf->tc, target, 0);
	return tcpstack_tcp_send_space(sf->tc);
}

int mptcp_subflow_send(struct mptcp_subflow *sf, uint64_t dsn, uint32_t len, uint64_t now)
{
	struct mptcp_sock *m = sf->msk;
	struct mptcp_map mp = { .seq = sf->tx_seq, .len = len, .dsn = dsn };
	struct rte_mbuf *chain = mptcp_sndbuf_clone(m, dsn, len);

	if (chain == NULL) {
		mptcp_count(sf->st, MPTCP_MIB_NO_MBUF);
		return -ENOMEM;
	}
	if (sf->tx.n != 0) {
		/* Data that continues the last mapping, none of whose bytes
		 * left yet, joins it: fewer, larger mappings and full-sized
		 * segments. (A mapping once sent never changes: a peer takes
		 * a changed one for an error.) */
		struct mptcp_map *last = map_at(&sf->tx, sf->tx.n - 1);
		struct tcpstack_tcp_info ti;
		tcpstack_tcp_get_info(sf->tc, &ti);
		uint32_t snd_max = ti.snd_una + ti.inflight;
		if (last->dsn + last->len == dsn && last->seq + last->len == sf->tx_seq &&
		    last->len + len <= 65535 && (int32_t)(snd_max - last->seq) <= 0) {
			uint32_t old_len = last->len;
			uint16_t old_csum = last->csum;
			last->len += len;
			if (m->csum)
				last->csum = mptcp_dss_csum(
					last->dsn, rel(last->seq, sf->iss), (uint16_t)last->len,
					mptcp_sndbuf_sum(m, last->dsn, last->len));
			int rc = tcpstack_tcp_send(sf->tc, chain, now);
			if (rc != 0) {
				last = map_at(&sf->tx, sf->tx.n - 1);
				last->len = old_len;
				last->csum = old_csum;
				rte_pktmbuf_free(chain);
				return rc;
			}
			sf->tx_seq += len;
			sf->bytes_mapped += len;
			return 0;
		}
	}
	if (m->csum)
		mp.csum = mptcp_dss_csum(dsn, rel(sf->tx_seq, sf->iss), (uint16_t)len,
					 mptcp_sndbuf_sum(m, dsn, len));
	/* The mapping first: the segments may leave inside the send. */
	if (map_insert(&sf->tx, &mp) != 0) {
		rte_pktmbuf_free(chain);
		return -ENOMEM;
	}
	int rc = tcpstack_tcp_send(sf->tc, chain, now);
	if (rc != 0) {
		sf->tx.n--; /* it was the last one */
		rte_pktmbuf_free(chain);
		return rc;
	}
	sf->tx_seq += len;
	sf->bytes_mapped += len;
	return 0;
}

void mptcp_subflow_unacked(struct mptcp_subflow *sf,
			   void (*fn)(struct mptcp_sock *, uint64_t, uint32_t), uint64_t dsn_una)
{
	/* Everything not acknowledged at the data level: bytes the subflow
	 * acknowledged may still sit in the peer's subflow queue (a mapping
	 * not complete for its checksum, a full receive buffer) and die with
	 * it. The peer drops what it turns out to have twice. */
	for (unsigned i = 0; i < sf->tx.n; i++) {
		const struct mptcp_map *mp = map_at(&sf->tx, i);
		if (mp->dsn + mp->len > dsn_una)
			fn(sf->msk, mp->dsn, mp->len);
	}
}

uint32_t mptcp_subflow_held(const struct mptcp_subflow *sf, uint64_t dsn)
{
	if (sf->tc == NULL)
		return 0;
	uint32_t una = tcpstack_tcp_snd_una(sf->tc);
	for (unsigned i = 0; i < sf->tx.n; i++) {
		const struct mptcp_map *mp = map_at(&sf->tx, i);
		if (dsn < mp->dsn || dsn >= mp->dsn + mp->len)
			continue;
		uint32_t off = (uint32_t)(dsn - mp->dsn);
		if ((int32_t)(mp->seq + off - una) >= 0)
			return mp->len - off;
	}
	return 0;
}

uint64_t mptcp_subflow_fallback_una(const struct mptcp_subflow *sf)
{
	const struct mptcp_sock *m = sf->msk;

	if (m == NULL || !m->fallback || sf->tc == NULL)
		return 0;
	uint32_t una = tcpstack_tcp_snd_una(sf->tc);
	const struct mptcp_map *mp = map_find(&sf->tx, una);
	if (mp != NULL)
		return mp->dsn + (una - mp->seq);
	if (una == sf->tx_seq || (int32_t)(una - sf->tx_seq) > 0)
		return m->snd_nxt; /* everything mapped is acknowledged */
	return 0;
}

/* In fallback the subflow's acknowledgements are the data level's. */
void mptcp_subflow_fallback_acked(struct mptcp_subflow *sf, uint64_t now)
{
	uint64_t ack = mptcp_subflow_fallback_una(sf);

	if (ack != 0)
		mptcp_sock_data_acked(sf->msk, ack, sf, now);
}

/* ---------------------------------------------------------------------- */
/* Options out                                                             */

static unsigned put(uint8_t *buf, unsigned room, unsigned n, const struct mptcp_opts *o,
		    enum mptcp_subtype which)
{
	if (n >= room)
		return n;
	return n + mptcp_opt_write(buf + n, room - n, o, which);
}

static unsigned write_dss(struct mptcp_subflow *sf, struct mptcp_sock *m,
			  enum tcpstack_seg_kind kind, uint32_t seq, uint32_t len, uint8_t *buf,
			  unsigned room)
{
	struct mptcp_opts o = { 0 };

	/* 4 bytes of DATA_ACK, as Linux sends: the peer expands them against
	 * its own send window, and each data segment carries 4 more bytes. */
	o.dss.flags = MPTCP_DSS_ACK;
	o.dss.data_ack = m->rcv_nxt;
	if (kind == TCPSTACK_SEG_DATA && len != 0) {
		const struct mptcp_map *mp = map_find(&sf->tx, seq);
		if (mp != NULL) {
			o.dss.flags |= MPTCP_DSS_MAP | MPTCP_DSS_DSN64;
			o.dss.dsn = mp->dsn;
			o.dss.ssn = rel(mp->seq, sf->iss);
			o.dss.data_len = (uint16_t)mp->len;
			o.dss.has_csum = m->csum;
			o.dss.csum = mp->csum;
		}
	} else if (m->fin_queued && m->fin_sent_at != 0 && !m->fin_acked) {
		/* A DATA_FIN of its own: a mapping of one (the FIN) at
		 * subflow sequence 0. */
		uint64_t fin_dsn = m->sndq.dsn0 + m->sndq.bytes;
		o.dss.flags |= MPTCP_DSS_MAP | MPTCP_DSS_DSN64 | MPTCP_DSS_FIN;
		o.dss.dsn = fin_dsn;
		o.dss.ssn = 0;
		o.dss.data_len = 1;
		o.dss.has_csum = m->csum;
		o.dss.csum = mptcp_dss_csum(fin_dsn, 0, 1, 0);
	}
	unsigned n = put(buf, room, 0, &o, MPTCP_SUB_DSS);
	if (n != 0 && !m->dss_sent) {
		/* The peer is fully established once this reaches it: our
		 * addresses may be announced on the next segment. */
		m->dss_sent = true;
		mptcp_pm_dss_sent(m, tcpstack_tcp_now(m->st->tcp));
	}
	return n;
}

static unsigned write_add_addr(struct mptcp_sock *m, uint8_t *buf, unsigned room)
{
	struct mptcp_stack *st = m->st;
	struct mptcp_opts o = { 0 };

	if (m->echo_id != 0) {
		o.add_addr.echo = true;
		o.add_addr.addr_id = (uint8_t)(m->echo_id - 1);
		o.add_addr.family = MPTCP_ADDR_V4;
		memcpy(o.add_addr.addr, &m->echo_addr, 4);
		o.add_addr.has_port = m->echo_port != 0;
		o.add_addr.port = m->echo_port;
		unsigned n = put(buf, room, 0, &o, MPTCP_SUB_ADD_ADDR);
		if (n != 0)
			m->echo_id = 0;
		return n;
	}
	int a = m->announce_armed ? mptcp_pm_next_announce(m) : -1;
	if (a < 0)
		return 0;
	o.add_addr.addr_id = st->addrs[a].id;
	o.add_addr.family = MPTCP_ADDR_V4;
	memcpy(o.add_addr.addr, &st->addrs[a].addr, 4);
	if (mptcp_crypto_add_addr_hmac(m->local_key, m->remote_key, o.add_addr.addr_id,
				       o.add_addr.addr, 4, 0, &o.add_addr.hmac) != 0)
		return 0;
	unsigned n = put(buf, room, 0, &o, MPTCP_SUB_ADD_ADDR);
	if (n != 0) {
		mptcp_pm_announced(m, a);
		mptcp_count(st, MPTCP_MIB_ADD_ADDR_TX);
	}
	return n;
}

/* REMOVE_ADDR (RFC 8684 3.4.2) for the ids pending, as many as fit; sent
 * once (it has no echo), as Linux does: the FINs of the subflows removed
 * close the peer's side of them anyway. */
static unsigned write_rm_addr(struct mptcp_sock *m, uint8_t *buf, unsigned room)
{
	struct mptcp_opts o = { 0 };

	if (m->rm_n == 0 || room < 4)
		return 0;
	unsigned k = RTE_MIN(m->rm_n, room - 3);
	k = RTE_MIN(k, (unsigned)MPTCP_RM_ADDR_MAX);
	o.remove_addr.n = (uint8_t)k;
	memcpy(o.remove_addr.ids, m->rm_ids, k);
	unsigned n = put(buf, room, 0, &o, MPTCP_SUB_REMOVE_ADDR);
	if (n != 0) {
		memmove(m->rm_ids, m->rm_ids + k, m->rm_n - k);
		m->rm_n -= k;
		mptcp_count(m->st, MPTCP_MIB_RM_ADDR_TX);
	}
	return n;
}

/* MP_PRIO (RFC 8684 3.3.8, v1: no address id, it is about this subflow). */
static unsigned write_prio(struct mptcp_subflow *sf, uint8_t *buf, unsigned room)
{
	struct mptcp_opts o = { 0 };

	if (!sf->prio_pending)
		return 0;
	o.prio.backup = sf->backup;
	unsigned n = put(buf, room, 0, &o, MPTCP_SUB_PRIO);
	if (n != 0) {
		sf->prio_pending = false;
		mptcp_count(sf->st, MPTCP_MIB_PRIO_TX);
	}
	return n;
}

static unsigned write_tcprst(struct mptcp_stack *st, uint8_t flags, uint8_t reason, uint8_t *buf,
			     unsigned room)
{
	struct mptcp_opts o = { 0 };

	o.tcprst.flags = flags;
	o.tcprst.reason = reason;
	unsigned n = put(buf, room, 0, &o, MPTCP_SUB_TCPRST);
	if (n != 0)
		mptcp_count(st, MPTCP_MIB_TCPRST_TX);
	return n;
}

static unsigned sf_write_opts(void *user, struct tcpstack_conn *c, enum tcpstack_seg_kind kind,
			      uint32_t seq, uint32_t len, uint8_t *buf, unsigned room)
{
	struct mptcp_subflow *sf = user;
	struct mptcp_stack *st = sf->st;
	struct mptcp_sock *m = sf->msk;
	struct mptcp_opts o = { 0 };

	(void)c;
	switch (kind) {
	case TCPSTACK_SEG_SYN:
		if (sf->join) {
			o.join.len = MPTCP_LEN_JOIN_SYN;
			o.join.backup = sf->backup;
			o.join.addr_id = sf->local_id;
			o.join.token = m != NULL ? m->remote_token : 0;
			o.join.nonce = sf->local_nonce;
			return put(buf, room, 0, &o, MPTCP_SUB_JOIN);
		}
		if (m == NULL || m->fallback)
			return 0;
		if (++sf->syn_tx > (st->p.mpc_syn_tries ? st->p.mpc_syn_tries : 3)) {
			/* SYNs with MP_CAPABLE go unanswered: a middlebox may
			 * drop them; try once more as plain TCP. */
			mptcp_sock_fallback(m, MPTCP_MIB_FALLBACK_BLACKHOLE);
			return 0;
		}
		o.mpc.version = MPTCP_VERSION_1;
		o.mpc.flags = MPTCP_CAP_SHA256 | (st->p.checksum ? MPTCP_CAP_CSUM : 0);
		o.mpc.len = MPTCP_LEN_MPC_SYN;
		return put(buf, room, 0, &o, MPTCP_SUB_CAPABLE);
	case TCPSTACK_SEG_SYNACK:
		if (sf->join) {
			o.join.len = MPTCP_LEN_JOIN_SYNACK;
			o.join.backup = sf->backup;
			o.join.addr_id = sf->local_id;
			o.join.nonce = sf->local_nonce;
			o.join.thmac = sf->join_thmac;
			return put(buf, room, 0, &o, MPTCP_SUB_JOIN);
		}
		if (!sf->mpc)
			return 0;
		o.mpc.version = MPTCP_VERSION_1;
		o.mpc.flags = MPTCP_CAP_SHA256 | (st->p.checksum ? MPTCP_CAP_CSUM : 0);
		o.mpc.len = MPTCP_LEN_MPC_SYNACK;
		o.mpc.snd_key = sf->local_key;
		return put(buf, room, 0, &o, MPTCP_SUB_CAPABLE);
	case TCPSTACK_SEG_RST:
		if (m != NULL && !m->fallback && m->state == MSK_CLOSED && m->err_fastclose) {
			o.fastclose.rcv_key = m->remote_key;
			return put(buf, room, 0, &o, MPTCP_SUB_FASTCLOSE);
		}
		/* One subflow reset, not the connection: say why (RFC 8684
		 * 3.6). A subflow already unlinked (m NULL) is an MPTCP one. */
		if (sf->rst_tcprst && (m == NULL || !m->fallback))
			return write_tcprst(st, sf->rst_flags, sf->rst_reason, buf, room);
		return 0;
	case TCPSTACK_SEG_ACK:
	case TCPSTACK_SEG_DATA:
	case TCPSTACK_SEG_FIN: /* (read_opt's only) */
		break;
	}
	if (m == NULL || m->fallback || m->keys_pending)
		return 0;
	if (sf->join && sf->active && sf->state != SF_ESTABLISHED) {
		/* The third ACK of MP_JOIN (again, until the peer answers). */
		o.join.len = MPTCP_LEN_JOIN_ACK;
		memcpy(o.join.hmac, sf->join_hmac, MPTCP_HMAC_LEN);
		return put(buf, room, 0, &o, MPTCP_SUB_JOIN);
	}
	if (!sf->join && sf->active && !sf->peer_spoke) {
		/* v1: MP_CAPABLE with both keys on the third ACK and on the
		 * first mapping's data, until the peer shows it has them. */
		o.mpc.version = MPTCP_VERSION_1;
		o.mpc.flags = MPTCP_CAP_SHA256 | (m->csum ? MPTCP_CAP_CSUM : 0);
		o.mpc.snd_key = m->local_key;
		o.mpc.rcv_key = m->remote_key;
		o.mpc.len = MPTCP_LEN_MPC_ACK;
		if (kind == TCPSTACK_SEG_DATA && len != 0) {
			const struct mptcp_map *mp = map_find(&sf->tx, seq);
			if (mp != NULL && mp->seq == sf->iss + 1) {
				o.mpc.len = m->csum ? MPTCP_LEN_MPC_ACK_DATA_CSUM
						    : MPTCP_LEN_MPC_ACK_DATA;
				o.mpc.data_len = (uint16_t)mp->len;
				o.mpc.csum = mp->csum;
				return put(buf, room, 0, &o, MPTCP_SUB_CAPABLE);
			}
		} else {
			return put(buf, room, 0, &o, MPTCP_SUB_CAPABLE);
		}
	}
	unsigned n = write_dss(sf, m, kind, seq, len, buf, room);
	if (kind == TCPSTACK_SEG_ACK) {
		/* Short ones first: an ADD_ADDR left out waits for its timer
		 * (or its echo, for the next ACK); these have none. */
		if (!sf->retiring) /* "on another subflow" */
			n += write_rm_addr(m, buf + n, room - n);
		n += write_prio(sf, buf + n, room - n);
		n += write_add_addr(m, buf + n, room - n);
	}
	return n;
}

static uint32_t sf_seg_limit(void *user, struct tcpstack_conn *c, uint32_t seq, uint32_t len)
{
	struct mptcp_subflow *sf = user;
	const struct mptcp_map *mp;

	(void)c;
	if (sf->msk == NULL || sf->msk->fallback)
		return len;
	mp = map_find(&sf->tx, seq);
	if (mp == NULL)
		return len;
	return RTE_MIN(len, mp->seq + mp->len - seq);
}

/* ---------------------------------------------------------------------- */
/* Options in                                                              */

static void derive(uint64_t key, uint32_t *token, uint64_t *idsn)
{
	if (mptcp_crypto_key_derive(key, token, idsn) != 0) {
		*token = 0;
		*idsn = 0;
	}
}

static void rx_map_add(struct mptcp_subflow *sf, uint64_t dsn, uint32_t ssn, uint32_t data_len,
		       bool fin, bool has_csum, uint16_t csum)
{
	struct mptcp_map mp = {
		.seq = sf->irs + ssn,
		.len = data_len - (fin ? 1 : 0),
		.dsn = dsn,
		.csum = has_csum ? csum : 0,
		.fin = fin,
	};
	if (mp.len == 0 || (int32_t)(mp.seq + mp.len - sf->rx_seq) <= 0)
		return; /* nothing ahead of what was read */
	map_insert(&sf->rx, &mp);
}

static void on_dss(struct mptcp_subflow *sf, struct mptcp_sock *m, const struct mptcp_opt_dss *d,
		   uint64_t now)
{
	struct mptcp_stack *st = sf->st;

	if (!sf->peer_spoke && sf->active && !sf->join) {
		sf->peer_spoke = true;
		mptcp_pm_established(m, now);
		if (m->dead)
			return;
		prio_flush(sf, now); /* it said MP_CAPABLE until now */
	}
	sf->peer_spoke = true;
	if (sf->state == SF_PREEST) {
		sf->state = SF_ESTABLISHED; /* the peer answered our third ACK */
		mptcp_count(st, MPTCP_MIB_JOIN_OK);
		prio_flush(sf, now);
	}
	if (d->flags & MPTCP_DSS_MAP) {
		uint64_t dsn = (d->flags & MPTCP_DSS_DSN64)
				       ? d->dsn
				       : mptcp_expand_seq(m->rcv_nxt, (uint32_t)d->dsn);
		bool fin = d->flags & MPTCP_DSS_FIN;
		if (d->data_len == 0) {
			/* An infinite mapping: the peer fell back. */
			if (m->subflows_ever <= 1) {
				mptcp_sock_fallback(m, MPTCP_MIB_FALLBACK_INFINITE);
				sf->fb_seq = sf->irs + d->ssn;
				sf->fb_dsn = dsn;
			}
		} else if (fin && d->data_len == 1 && d->ssn == 0) {
			mptcp_sock_rx_fin(m, dsn, now);
		} else {
			rx_map_add(sf, dsn, d->ssn, d->data_len, fin, d->has_csum, d->csum);
		}
	}
	if (m->dead || m->state != MSK_ESTABLISHED)
		return;
	if (d->flags & MPTCP_DSS_ACK) {
		uint64_t ack = (d->flags & MPTCP_DSS_ACK64)
				       ? d->data_ack
				       : mptcp_expand_seq(m->snd_una, (uint32_t)d->data_ack);
		struct tcpstack_tcp_info ti;
		tcpstack_tcp_get_info(sf->tc, &ti);
		/* The window is the connection's, counted from the DATA_ACK. */
		if (ack + ti.snd_wnd > m->wnd_end)
			m->wnd_end = ack + ti.snd_wnd;
		mptcp_sock_data_acked(m, ack, sf, now);
	}
}

static void on_add_addr(struct mptcp_subflow *sf, struct mptcp_sock *m,
			const struct mptcp_opt_add_addr *a, uint64_t now)
{
	struct mptcp_stack *st = sf->st;

	if (a->echo) {
		mptcp_pm_echo_seen(m, a->addr_id);
		return;
	}
	mptcp_count(st, MPTCP_MIB_ADD_ADDR_RX);
	unsigned alen = a->family == MPTCP_ADDR_V4 ? 4 : 16;
	if (!mptcp_crypto_add_addr_verify(m->remote_key, m->local_key, a->addr_id, a->addr, alen,
					  a->has_port ? a->port : 0, a->hmac)) {
		mptcp_count(st, MPTCP_MIB_ADD_ADDR_BAD_HMAC);
		return;
	}
	if (a->family != MPTCP_ADDR_V4)
		return; /* IPv6 paths: not in this stack yet */
	uint32_t addr;
	memcpy(&addr, a->addr, 4);
	m->echo_id = (uint8_t)(a->addr_id + 1);
	m->echo_addr = addr;
	m->echo_port = a->has_port ? a->port : 0;
	mptcp_pm_add_addr(m, a->addr_id, addr, a->has_port ? a->port : 0, now);
	if (!m->dead && sf->tc != NULL)
		tcpstack_tcp_ack_now(sf->tc, now); /* the echo */
}

static void on_established_opt(struct mptcp_subflow *sf, const struct mptcp_opts *o,
			       enum mptcp_subtype sub, uint64_t now)
{
	struct mptcp_stack *st = sf->st;
	struct mptcp_sock *m = sf->msk;

	if (m == NULL || m->dead)
		return;
	switch (sub) {
	case MPTCP_SUB_DSS:
		if (!m->fallback)
			on_dss(sf, m, &o->dss, now);
		break;
	case MPTCP_SUB_CAPABLE:
		/* The passive side: the third ACK (or first data) echoing keys. */
		if (sf->active || sf->join || o->mpc.len < MPTCP_LEN_MPC_ACK || m->fallback ||
		    o->mpc.rcv_key != m->local_key)
			break;
		if (m->keys_pending) {
			m->keys_pending = false;
			m->remote_key = o->mpc.snd_key;
			derive(m->remote_key, &m->remote_token, &m->remote_idsn);
			sf->fb_dsn = m->remote_idsn + 1;
			mptcp_sock_established(m, now);
			if (m->dead)
				break;
		}
		if (o->mpc.len >= MPTCP_LEN_MPC_ACK_DATA)
			rx_map_add(sf, m->remote_idsn + 1, 1, o->mpc.data_len, false,
				   o->mpc.len == MPTCP_LEN_MPC_ACK_DATA_CSUM, o->mpc.csum);
		break;
	case MPTCP_SUB_ADD_ADDR:
		if (!m->fallback)
			on_add_addr(sf, m, &o->add_addr, now);
		break;
	case MPTCP_SUB_REMOVE_ADDR:
		mptcp_count(st, MPTCP_MIB_RM_ADDR_RX);
		for (unsigned i = 0; i < o->remove_addr.n; i++)
			mptcp_pm_rm_addr(m, o->remove_addr.ids[i], now);
		break;
	case MPTCP_SUB_PRIO:
		mptcp_count(st, MPTCP_MIB_PRIO_RX);
		sf->peer_backup = o->prio.backup;
		break;
	case MPTCP_SUB_FAIL:
		mptcp_count(st, MPTCP_MIB_FAIL_RX);
		if (m->subflows_ever <= 1)
			mptcp_sock_fallback(m, MPTCP_MIB_FALLBACK_CSUM);
		break;
	case MPTCP_SUB_FASTCLOSE:
		if (o->fastclose.rcv_key == m->local_key) {
			mptcp_count(st, MPTCP_MIB_FASTCLOSE_RX);
			mptcp_sock_done(m, ECONNRESET);
		}
		break;
	case MPTCP_SUB_TCPRST:
		mptcp_count(st, MPTCP_MIB_TCPRST_RX);
		break;
	default:
		break;
	}
}

static void sf_read_opt(void *user, struct tcpstack_conn *c, enum tcpstack_seg_kind kind,
			uint32_t seq, uint32_t len, const uint8_t *opt, unsigned opt_len,
			uint64_t now)
{
	struct mptcp_subflow *sf = user;
	struct mptcp_stack *st = sf->st;
	struct mptcp_sock *m = sf->msk;
	struct mptcp_opts o = { 0 };

	(void)len;
	if (opt_len < 3 || opt[0] != MPTCP_OPT_KIND)
		return;
	enum mptcp_opt_result r = mptcp_opt_parse(opt, opt_len, &o);
	if (r == MPTCP_OPT_MALFORMED)
		mptcp_count(st, MPTCP_MIB_OPT_MALFORMED);
	if (r != MPTCP_OPT_OK)
		return;
	enum mptcp_subtype sub = (enum mptcp_subtype)(opt[2] >> 4);
	st->busy++;
	st->now = now;

	if (kind == TCPSTACK_SEG_RST) {
		/* The RST closes the subflow (CLOSED follows): nothing may
		 * act on the subflow now; what its options say is noted and
		 * acted on at CLOSED. */
		if (sub == MPTCP_SUB_TCPRST) {
			mptcp_count(st, MPTCP_MIB_TCPRST_RX);
			sf->peer_refused = !(o.tcprst.flags & MPTCP_RST_T);
		} else if (sub == MPTCP_SUB_FASTCLOSE && m != NULL && !m->fallback &&
			   o.fastclose.rcv_key == m->local_key) {
			/* RFC 8684 3.5: MP_FASTCLOSE on a RST of every
			 * subflow; this one is enough to know */
			mptcp_count(st, MPTCP_MIB_FASTCLOSE_RX);
			sf->peer_fastclose = true;
		}
		goto out;
	}
	if (kind == TCPSTACK_SEG_FIN && sub == MPTCP_SUB_DSS)
		sf->fin_dss = true;
	if (kind == TCPSTACK_SEG_SYNACK && sf->active) {
		sf->irs = seq;
		sf->rx_seq = seq + 1;
		if (sf->join && sub == MPTCP_SUB_JOIN && o.join.len == MPTCP_LEN_JOIN_SYNACK &&
		    m != NULL) {
			if (!mptcp_crypto_join_synack_verify(m->remote_key, m->local_key,
							     o.join.nonce, sf->local_nonce,
							     o.join.thmac)) {
				mptcp_count(st, MPTCP_MIB_JOIN_SYNACK_BAD_HMAC);
				tcpstack_tcp_abort(c, now);
				goto out;
			}
			sf->remote_nonce = o.join.nonce;
			sf->remote_id = o.join.addr_id;
			sf->peer_backup = o.join.backup;
			sf->join_ok = true;
			/* a REMOVE_ADDR of that id forgets the path, even
			 * between attempts */
			if (sf->path >= 0 && (unsigned)sf->path < m->n_paths &&
			    m->paths[sf->path].sf == sf)
				m->paths[sf->path].peer_id1 = (uint16_t)(o.join.addr_id + 1);
			mptcp_crypto_join_ack_hmac(m->local_key, m->remote_key, sf->local_nonce,
						   sf->remote_nonce, sf->join_hmac);
		} else if (!sf->join && sub == MPTCP_SUB_CAPABLE && m != NULL && !m->fallback) {
			if (o.mpc.version != MPTCP_VERSION_1 || o.mpc.len != MPTCP_LEN_MPC_SYNACK) {
				mptcp_count(st, MPTCP_MIB_MPC_VERSION);
				goto out;
			}
			sf->mpc = true;
			m->remote_key = o.mpc.snd_key;
			derive(m->remote_key, &m->remote_token, &m->remote_idsn);
			m->csum = st->p.checksum || (o.mpc.flags & MPTCP_CAP_CSUM);
		}
		goto out;
	}
	if (kind == TCPSTACK_SEG_SYN || kind == TCPSTACK_SEG_SYNACK)
		goto out;
	if (sub == MPTCP_SUB_DSS && sf->msk == NULL && !sf->active) {
		/* Before accept (the third ACK lost): keep the mapping, the
		 * data it describes is on its way to the receive queue. */
		sf->dss_early = true;
		const struct mptcp_opt_dss *d = &o.dss;
		if ((d->flags & MPTCP_DSS_MAP) && (d->flags & MPTCP_DSS_DSN64) &&
		    d->data_len != 0 && d->ssn != 0)
			rx_map_add(sf, d->dsn, d->ssn, d->data_len, d->flags & MPTCP_DSS_FIN,
				   d->has_csum, d->csum);
	}
	on_established_opt(sf, &o, sub, now);
	if (sub == MPTCP_SUB_JOIN && sf->join && !sf->active && o.join.len == MPTCP_LEN_JOIN_ACK &&
	    !sf->join_ok) {
		/* The third ACK of a join to us. */
		struct mptcp_sock *jm = mptcp_token_lookup(st->tokens, sf->join_token);
		if (jm == NULL) /* it ended meanwhile: not the peer's fault */
			mptcp_count(st, MPTCP_MIB_JOIN_ACK_CONN_GONE);
		else if (mptcp_crypto_join_ack_verify(jm->remote_key, jm->local_key,
						      sf->remote_nonce, sf->local_nonce,
						      o.join.hmac))
			sf->join_ok = true;
		else
			mptcp_count(st, MPTCP_MIB_JOIN_ACK_BAD_HMAC);
	}
	if (sub == MPTCP_SUB_CAPABLE && !sf->active && !sf->join && sf->msk == NULL &&
	    o.mpc.len >= MPTCP_LEN_MPC_ACK) {
		if (o.mpc.rcv_key != sf->local_key) {
			mptcp_count(st, MPTCP_MIB_MPC_BAD_KEY);
		} else {
			sf->mpc_ack_seen = true;
			sf->remote_key = o.mpc.snd_key;
			if (o.mpc.len >= MPTCP_LEN_MPC_ACK_DATA) {
				sf->first_data_len = o.mpc.data_len;
				sf->first_has_csum = o.mpc.len == MPTCP_LEN_MPC_ACK_DATA_CSUM;
				sf->first_csum = o.mpc.csum;
			}
		}
	}
out:
	st->busy--;
	mptcp_reap(st);
}

/* ---------------------------------------------------------------------- */
/* Receiving data                                                          */

/* Split chain @m after @n bytes; @return the tail (NULL: no mbuf). */
static struct rte_mbuf *split(struct mptcp_stack *st, struct rte_mbuf *m, uint32_t n)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *t = rte_pktmbuf_clone(m, st->pool);

	if (t == NULL)
		return NULL;
	t = tcp_mbuf_trim_front(t, n);
	tcp_mbuf_trim_back(m, len - n);
	return t;
}

static uint32_t chain_sum(const struct rte_mbuf *s, uint32_t sum, uint64_t off)
{
	for (; s != NULL; off += s->data_len, s = s->next)
		sum = mptcp_csum_add(sum, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len, off);
	return sum;
}

/* Bytes of the mapping @mp (from its start) are complete in sf->hold:
 * check the DSS checksum and hand them over, or treat the failure. */
static void hold_done(struct mptcp_subflow *sf, struct mptcp_sock *m, const struct mptcp_map *mp,
		      uint64_t now)
{
	struct rte_mbuf *h = sf->hold;
	uint16_t want = mptcp_dss_csum(mp->dsn, rel(mp->seq, sf->irs),
				       (uint16_t)(mp->len + (mp->fin ? 1 : 0)), sf->hold_sum);

	sf->hold = NULL;
	sf->hold_len = 0;
	sf->hold_sum = 0;
	if (want != mp->csum) {
		mptcp_count(sf->st, MPTCP_MIB_DSS_CSUM_BAD);
		rte_pktmbuf_free(h);
		if (m->subflows_ever <= 1) {
			mptcp_sock_fallback(m, MPTCP_MIB_FALLBACK_CSUM);
		} else {
			/* Unlinked first (a dead subflow must not stay in the
			 * list); what it held goes again on the others. */
			mptcp_sock_subflow_gone(m, sf, ECONNRESET, now);
			mptcp_subflow_reset(sf, MPTCP_RST_EMIDDLEBOX, false, now);
		}
		return;
	}
	mptcp_sock_rx(m, mp->dsn, h, mp->len, now);
}

/* Data without a mapping, after mapped data, on the only subflow there
 * ever was, right where the last mapping ended and with everything before
 * it delivered: the peer fell back (Linux does when the first ACK it sees
 * from us has no DSS: a middlebox strips our options). RFC 8684 3.7 lets
 * a lone subflow fall back; the stream goes on as plain TCP from here. */
/* Plain TCP from the next unread byte of @sf on, which is data rcv_nxt. */
static void fallback_here(struct mptcp_subflow *sf, struct mptcp_sock *m)
{
	mptcp_sock_fallback(m, MPTCP_MIB_FALLBACK_NO_DSS);
	sf->fb_seq = sf->rx_seq;
	sf->fb_dsn = m->rcv_nxt;
}

static bool late_fallback(struct mptcp_subflow *sf, struct mptcp_sock *m)
{
	if (m->subflows_ever > 1 || sf->join || sf->rx.n != 0 || sf->hold != NULL ||
	    sf->rx_end_dsn != m->rcv_nxt)
		return false;
	fallback_here(sf, m);
	return true;
}

void mptcp_subflow_drain(struct mptcp_subflow *sf, uint64_t now)
{
	struct mptcp_sock *m = sf->msk;

	if (m != NULL && m->keys_pending)
		return; /* the data waits in the subflow for the client's key */
	while (m != NULL && !m->dead && sf->tc != NULL && !sf->dead) {
		if (m->rcvq_bytes >= m->rcvbuf) {
			/* The user is behind: the subflow keeps the rest and
			 * its window closes (back-pressure). */
			if (tcpstack_tcp_recv_avail(sf->tc) != 0)
				m->rx_throttled = true;
			break;
		}
		struct rte_mbuf *seg = tcpstack_tcp_recv(sf->tc, 1, now);
		if (seg == NULL)
			break;
		uint32_t len = rte_pktmbuf_pkt_len(seg);
		if (!m->fallback) {
			const struct mptcp_map *mp = map_find(&sf->rx, sf->rx_seq);
			if (mp == NULL && m->subflows_ever <= 1 && !sf->peer_spoke) {
				/* Data but never a DSS: options are stripped on
				 * the way to us. Plain TCP, both ways (the peer
				 * sees ours stop too). */
				fallback_here(sf, m);
			} else if (mp == NULL && late_fallback(sf, m)) {
				/* delivered below, as plain TCP */
			} else if (mp == NULL) {
				mptcp_count(sf->st, MPTCP_MIB_DSS_NO_MAP);
				rte_pktmbuf_free(seg);
				mptcp_sock_subflow_gone(m, sf, ECONNRESET, now);
				mptcp_subflow_reset(sf, MPTCP_RST_EMPTCP, false, now);
				return;
			} else {
				uint32_t left = mp->seq + mp->len - sf->rx_seq;
				struct rte_mbuf *rest = NULL;
				if (len > left) {
					rest = split(sf->st, seg, left);
					if (rest == NULL) {
						mptcp_count(sf->st, MPTCP_MIB_NO_MBUF);
						rte_pktmbuf_free(seg);
						return;
					}
				}
				uint32_t n = RTE_MIN(len, left);
				uint64_t dsn = mp->dsn + (sf->rx_seq - mp->seq);
				struct mptcp_map done = *mp;
				bool end = n == left;
				sf->rx_seq += n;
				sf->rx_end_dsn = dsn + n;
				if (end)
					map_drop_below(&sf->rx, sf->rx_seq);
				if (m->csum) {
					sf->hold_sum = chain_sum(seg, sf->hold_sum, sf->hold_len);
					if (sf->hold == NULL)
						sf->hold = seg;
					else if (tcp_mbuf_chain(sf->hold, seg) != 0)
						rte_pktmbuf_free(seg);
					sf->hold_len += n;
					if (end)
						hold_done(sf, m, &done, now);
				} else {
					mptcp_sock_rx(m, dsn, seg, n, now);
				}
				if (end && done.fin && !m->dead)
					mptcp_sock_rx_fin(m, done.dsn + done.len, now);
				if (rest != NULL) {
					/* The rest of the segment is the next
					 * mapping's: put it through again. */
					struct rte_mbuf *again = rest;
					while (again != NULL && !m->dead && !sf->dead) {
						const struct mptcp_map *m2 =
							map_find(&sf->rx, sf->rx_seq);
						uint32_t l2 = rte_pktmbuf_pkt_len(again);
						if (m2 == NULL && late_fallback(sf, m)) {
							mptcp_sock_rx(m, m->rcv_nxt, again, l2,
								      now);
							sf->rx_seq += l2;
							again = NULL;
							break;
						}
						if (m2 == NULL ||
						    m2->seq + m2->len - sf->rx_seq < l2) {
							mptcp_count(sf->st, MPTCP_MIB_DSS_BAD_MAP);
							break;
						}
						sf->rx_end_dsn =
							m2->dsn + (sf->rx_seq - m2->seq) + l2;
						mptcp_sock_rx(m, m2->dsn + (sf->rx_seq - m2->seq),
							      again, l2, now);
						sf->rx_seq += l2;
						again = NULL;
					}
					rte_pktmbuf_free(again);
				}
				continue;
			}
		}
		/* Fallen back: the subflow's bytes are the data. */
		mptcp_sock_rx(m, sf->fb_dsn + (sf->rx_seq - sf->fb_seq), seg, len, now);
		sf->rx_seq += len;
	}
}

/* ---------------------------------------------------------------------- */
/* Events from tcpstack                                                    */

static void sf_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	struct mptcp_subflow *sf = user;
	struct mptcp_stack *st = sf->st;
	uint64_t now = tcpstack_tcp_now(st->tcp);
	struct mptcp_sock *m = sf->msk;

	(void)c;
	st->busy++;
	st->now = now;
	switch (ev) {
	case TCPSTACK_TCP_EV_CONNECTED: {
		struct tcpstack_tcp_info ti;
		tcpstack_tcp_get_info(sf->tc, &ti);
		sf->iss = ti.iss;
		sf->irs = ti.irs;
		sf->tx_seq = ti.iss + 1;
		sf->rx_seq = ti.irs + 1;
		sf->fb_seq = sf->rx_seq;
		sf->snd_una_seen = ti.snd_una;
		if (m == NULL)
			break;
		if (!m->fallback)
			tcpstack_tcp_set_opt_room(sf->tc, TS_AND_DSS);
		if (sf->join) {
			if (sf->active) {
				sf->state = SF_PREEST; /* until the peer ACKs our ACK */
			} else {
				sf->state = SF_ESTABLISHED;
				mptcp_count(st, MPTCP_MIB_JOIN_OK);
				/* The fourth ACK (RFC 8684 3.2): the joining side
				 * sends data only once it sees its third ACK taken. */
				tcpstack_tcp_ack_now(sf->tc, now);
			}
			m->subflows_ever++;
			mptcp_sock_push(m, now);
			break;
		}
		sf->state = SF_ESTABLISHED;
		m->subflows_ever++;
		if (sf->active && !sf->mpc && !m->fallback)
			mptcp_sock_fallback(m, MPTCP_MIB_FALLBACK_SYNACK);
		if (m->fallback)
			tcpstack_tcp_set_opt_room(sf->tc, 0);
		sf->fb_dsn = m->remote_idsn + 1;
		if (!m->keys_pending)
			mptcp_sock_established(m, now);
		if (!sf->active && !m->dead && !sf->dead)
			prio_flush(sf, now); /* its address is a backup one */
		if (!m->dead && !sf->dead)
			mptcp_subflow_drain(sf, now);
		break;
	}
	case TCPSTACK_TCP_EV_READABLE:
		if (m != NULL && sf->state == SF_PREEST) {
			sf->state = SF_ESTABLISHED;
			mptcp_count(st, MPTCP_MIB_JOIN_OK);
			prio_flush(sf, now);
		}
		mptcp_subflow_drain(sf, now);
		break;
	case TCPSTACK_TCP_EV_WRITABLE:
		if (m != NULL) {
			mptcp_subflow_fallback_acked(sf, now);
			if (!m->dead)
				mptcp_sock_push(m, now);
		}
		break;
	case TCPSTACK_TCP_EV_PEER_FIN:
		if (m == NULL)
			break;
		mptcp_subflow_drain(sf, now);
		if (m->dead || sf->dead)
			break;
		if (m->fallback) {
			mptcp_sock_rx_fin(m, sf->fb_dsn + (sf->rx_seq - sf->fb_seq), now);
		} else if (m->rcv_fin && m->fin_sent_at != 0 && !sf->retiring && !sf->fin_dss) {
			/* Both DATA_FINs out and the peer closing: the
			 * connection is over; other subflows (a dead path's
			 * too) need not be waited for. Not when its FIN came
			 * with a DSS: the peer still speaks MPTCP on it and
			 * is only letting it go (its address removed), the
			 * DSS's DATA_ACK says what it has. Nor on a retiring
			 * one, whose FIN answers ours. */
			mptcp_sock_done(m, 0);
		} else {
			/* The peer is done with this subflow (not the
			 * connection: that is what DATA_FIN says). */
			mptcp_sock_subflow_gone(m, sf, 0, now);
			mptcp_subflow_close(sf, now);
		}
		break;
	case TCPSTACK_TCP_EV_CLOSED:
		sf->tc = NULL;
		if (m != NULL) {
			if (m->fallback && err == 0 && m->fin_queued) {
				mptcp_subflow_fallback_acked(sf, now);
				m->fin_acked = true;
			}
			mptcp_sock_subflow_gone(m, sf, err, now);
			if (sf->peer_fastclose && !m->dead)
				mptcp_sock_done(m, ECONNRESET); /* the whole connection */
		}
		sf_kill(sf);
		break;
	}
	st->busy--;
	mptcp_reap(st);
}

/* A subflow of ours that came in through a listener finished its handshake. */
static void *sf_accept(void *user, struct tcpstack_conn *c)
{
	struct mptcp_subflow *sf = user;
	struct mptcp_stack *st = sf->st;
	struct mptcp_listener *l = sf->lst;
	struct tcpstack_tcp_info ti;

	sf->tc = c;
	tcpstack_tcp_get_info(c, &ti);
	sf->laddr = ti.laddr;
	sf->raddr = ti.raddr;
	sf->lport = ti.lport;
	sf->rport = ti.rport;
	if (sf->join) {
		struct mptcp_sock *m = mptcp_token_lookup(st->tokens, sf->join_token);
		if (!sf->join_ok || m == NULL || m->dead || m->fallback ||
		    m->n_subflows >= (st->p.max_subflows ? st->p.max_subflows : 8)) {
			mptcp_count(st, MPTCP_MIB_JOIN_FAILED);
			/* tcpstack sends the RST on return, with sf still
			 * its user (freed only when mptcp calls unwind) */
			bool full = sf->join_ok && m != NULL && !m->dead && !m->fallback;
			sf->rst_tcprst = true;
			sf->rst_reason = full ? MPTCP_RST_EPROHIBIT : MPTCP_RST_EMPTCP;
			sf->rst_flags = full ? MPTCP_RST_T : 0; /* room may come */
			sf->tc = NULL;
			sf_kill(sf);
			return NULL;
		}
		sf->msk = m;
		sf->next = m->subflows;
		m->subflows = sf;
		m->n_subflows++;
		mptcp_sock_subflow_tune(m, sf, tcpstack_tcp_now(st->tcp));
		return sf;
	}
	sf->rx_seq = sf->irs + 1; /* before any mapping is recorded */
	if (!l->open || l->gen != sf->lst_gen || (l->lport != 0 && l->lport != sf->lport) ||
	    (l->laddr != 0 && l->laddr != sf->laddr)) {
		/* mptcp_unlisten() since its SYN: nobody to accept it (a
		 * plain SYN's subflow is made at accept, so only the
		 * address tells it from a new listener's in the same slot) */
		mptcp_count(st, MPTCP_MIB_LISTENER_GONE);
		sf->tc = NULL;
		sf_kill(sf);
		return NULL;
	}
	struct mptcp_sock *m = mptcp_sock_new(st, l->ops, NULL);
	if (m == NULL) {
		sf->tc = NULL;
		sf_kill(sf);
		return NULL;
	}
	m->server = true;
	m->laddr0 = sf->laddr;
	if (sf->mpc && sf->mpc_ack_seen) {
		m->local_key = sf->local_key;
		m->remote_key = sf->remote_key;
		derive(m->local_key, &m->local_token, &m->local_idsn);
		derive(m->remote_key, &m->remote_token, &m->remote_idsn);
		m->csum = sf->csum || st->p.checksum;
		int rc = mptcp_token_insert(st->tokens, m->local_token, m);
		if (rc != 0) {
			m->local_token = 0;
			mptcp_sock_fallback(m, rc == -EEXIST ? MPTCP_MIB_TOKEN_COLLISION
							     : MPTCP_MIB_TOKEN_FULL);
		} else {
			mptcp_count(st, MPTCP_MIB_MPC_PASSIVE);
		}
		if (sf->first_data_len != 0)
			rx_map_add(sf, m->remote_idsn + 1, 1, sf->first_data_len, false,
				   sf->first_has_csum, sf->first_csum);
	} else if (sf->mpc && sf->dss_early) {
		/* The third ACK was lost and data with a DSS completed the
		 * handshake: MPTCP it is, but the client's key is still to
		 * come (with its first data, resent). Wait for it. */
		m->local_key = sf->local_key;
		derive(m->local_key, &m->local_token, &m->local_idsn);
		m->csum = sf->csum || st->p.checksum;
		m->keys_pending = true;
		if (mptcp_token_insert(st->tokens, m->local_token, m) != 0) {
			m->local_token = 0;
			m->keys_pending = false;
			mptcp_sock_fallback(m, MPTCP_MIB_TOKEN_COLLISION);
		} else {
			mptcp_count(st, MPTCP_MIB_MPC_PASSIVE);
		}
	} else {
		m->fallback = true; /* the SYN or the third ACK had no MP_CAPABLE */
		mptcp_count(st, sf->mpc ? MPTCP_MIB_FALLBACK_NO_DSS : MPTCP_MIB_MPC_SYN_NO_MPC);
	}
	sf->msk = m;
	m->subflows = sf;
	m->n_subflows = 1;
	mptcp_sock_subflow_tune(m, sf, tcpstack_tcp_now(st->tcp));
	if (!m->fallback && mptcp_pm_addr_backup(st, sf->laddr))
		mptcp_subflow_set_backup(sf, true, tcpstack_tcp_now(st->tcp));
	void *u = l->ops->accept != NULL ? l->ops->accept(l->user, m) : l->user;
	if (u == NULL) {
		m->subflows = NULL;
		m->n_subflows = 0;
		sf->msk = NULL;
		m->closed_by_user = true;
		mptcp_sock_done(m, ECONNREFUSED);
		sf->tc = NULL;
		sf_kill(sf);
		return NULL;
	}
	m->user = u;
	return sf;
}

const struct tcpstack_tcp_ops mptcp_subflow_ops = {
	.event = sf_event,
	.accept = sf_accept,
	.write_opts = sf_write_opts,
	.read_opt = sf_read_opt,
	.seg_limit = sf_seg_limit,
};

/* ---------------------------------------------------------------------- */
/* The listener: SYNs and plain TCP                                        */

static int rand_bytes(struct mptcp_stack *st, void *buf, size_t len)
{
	if (st->p.rand != NULL)
		return st->p.rand(st->p.rand_ctx, buf, len);
	return mptcp_crypto_random(buf, len);
}

/* Refuse a join at its SYN: a RST carrying MP_TCPRST (the listener's
 * write_opts writes it while the abort builds the RST). */
static void lst_refuse(struct mptcp_listener *l, struct tcpstack_conn *c, uint8_t reason,
		       bool transient, uint64_t now)
{
	l->rst_armed = true;
	l->rst_reason = reason;
	l->rst_flags = transient ? MPTCP_RST_T : 0;
	tcpstack_tcp_abort(c, now);
	l->rst_armed = false;
}

static unsigned lst_write_opts(void *user, struct tcpstack_conn *c, enum tcpstack_seg_kind kind,
			       uint32_t seq, uint32_t len, uint8_t *buf, unsigned room)
{
	struct mptcp_listener *l = user;

	(void)c;
	(void)seq;
	(void)len;
	if (kind != TCPSTACK_SEG_RST || !l->rst_armed)
		return 0;
	return write_tcprst(l->st, l->rst_flags, l->rst_reason, buf, room);
}

static void lst_read_opt(void *user, struct tcpstack_conn *c, enum tcpstack_seg_kind kind,
			 uint32_t seq, uint32_t len, const uint8_t *opt, unsigned opt_len,
			 uint64_t now)
{
	struct mptcp_listener *l = user;
	struct mptcp_stack *st = l->st;
	struct mptcp_opts o = { 0 };

	(void)len;
	if (kind != TCPSTACK_SEG_SYN || opt_len < 3 || opt[0] != MPTCP_OPT_KIND)
		return;
	enum mptcp_opt_result r = mptcp_opt_parse(opt, opt_len, &o);
	if (r == MPTCP_OPT_MALFORMED)
		mptcp_count(st, MPTCP_MIB_OPT_MALFORMED);
	if (r != MPTCP_OPT_OK)
		return;
	st->busy++;
	st->now = now;
	if (o.present & MPTCP_OPTF(MPTCP_SUB_JOIN)) {
		mptcp_count(st, MPTCP_MIB_JOIN_SYN_RX);
		struct mptcp_sock *m = mptcp_token_lookup(st->tokens, o.join.token);
		struct tcpstack_tcp_info ti;
		tcpstack_tcp_get_info(c, &ti);
		if (mptcp_pm_addr_removed_p(st, ti.laddr)) {
			/* a peer that missed our REMOVE_ADDR */
			mptcp_count(st, MPTCP_MIB_JOIN_SYN_REMOVED);
			lst_refuse(l, c, MPTCP_RST_EPROHIBIT, false, now);
			goto out;
		}
		if (m == NULL || m->dead || m->fallback) {
			mptcp_count(st, MPTCP_MIB_JOIN_SYN_NO_TOKEN);
			lst_refuse(l, c, MPTCP_RST_EMPTCP, false, now);
			goto out;
		}
		if (m->n_subflows >= (st->p.max_subflows ? st->p.max_subflows : 8)) {
			mptcp_count(st, MPTCP_MIB_JOIN_SYN_LIMIT);
			/* a policy; transient: a subflow that closes makes room */
			lst_refuse(l, c, MPTCP_RST_EPROHIBIT, true, now);
			goto out;
		}
		struct mptcp_subflow *sf = mptcp_subflow_new(st);
		if (sf == NULL || rand_bytes(st, &sf->local_nonce, sizeof(sf->local_nonce)) != 0) {
			free(sf);
			lst_refuse(l, c, MPTCP_RST_ERESOURCE, true, now);
			goto out;
		}
		sf->lst = l;
		sf->lst_gen = l->gen;
		sf->tc = c;
		sf->join = true;
		sf->join_token = o.join.token;
		sf->remote_nonce = o.join.nonce;
		sf->remote_id = o.join.addr_id;
		sf->peer_backup = o.join.backup;
		sf->irs = seq;
		/* The id the peer knows our address by (0: the initial
		 * subflow's), so that a REMOVE_ADDR of ours names it; and the
		 * B flag our address has. */
		sf->local_id = ti.laddr == m->laddr0 ? 0 : mptcp_pm_local_id(st, ti.laddr);
		sf->backup = mptcp_pm_addr_backup(st, ti.laddr);
		mptcp_crypto_join_synack_hmac(m->local_key, m->remote_key, sf->local_nonce,
					      sf->remote_nonce, &sf->join_thmac);
		tcpstack_tcp_set_user(c, &mptcp_subflow_ops, sf);
	} else if (o.present & MPTCP_OPTF(MPTCP_SUB_CAPABLE)) {
		if (o.mpc.version != MPTCP_VERSION_1) {
			mptcp_count(st, MPTCP_MIB_MPC_VERSION);
			goto out;
		}
		struct mptcp_subflow *sf = mptcp_subflow_new(st);
		if (sf == NULL)
			goto out;
		/* A key whose token is free now; it is taken at the third
		 * ACK (a SYN flood must not fill the token table). */
		for (int i = 0; i < 8; i++) {
			uint32_t tok;
			uint64_t idsn;
			if (rand_bytes(st, &sf->local_key, sizeof(sf->local_key)) != 0)
				break;
			derive(sf->local_key, &tok, &idsn);
			if (tok != 0 && mptcp_token_lookup(st->tokens, tok) == NULL) {
				sf->mpc = true;
				break;
			}
		}
		if (!sf->mpc) {
			free(sf);
			goto out;
		}
		sf->lst = l;
		sf->lst_gen = l->gen;
		sf->tc = c;
		sf->irs = seq;
		sf->rx_seq = seq + 1;
		sf->csum = o.mpc.flags & MPTCP_CAP_CSUM;
		tcpstack_tcp_set_user(c, &mptcp_subflow_ops, sf);
	}
out:
	st->busy--;
	mptcp_reap(st);
}

/* A plain TCP client (its SYN had no MPTCP option): a fallen-back connection. */
static void *lst_accept(void *user, struct tcpstack_conn *c)
{
	struct mptcp_listener *l = user;
	struct mptcp_subflow *sf = mptcp_subflow_new(l->st);

	if (sf == NULL)
		return NULL;
	sf->lst = l;
	sf->lst_gen = l->gen;
	tcpstack_tcp_set_user(c, &mptcp_subflow_ops, sf);
	void *u = sf_accept(sf, c);
	if (u == NULL)
		return NULL; /* sf freed by sf_accept */
	return u;
}

static void lst_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	/* Only a refused or failed half-open connection ends up here. */
	(void)user;
	(void)c;
	(void)ev;
	(void)err;
}

const struct tcpstack_tcp_ops mptcp_listener_ops = {
	.event = lst_event,
	.accept = lst_accept,
	.write_opts = lst_write_opts,
	.read_opt = lst_read_opt,
};

/* ---------------------------------------------------------------------- */
/* Opening                                                                 */

int mptcp_subflow_connect(struct mptcp_sock *m, struct mptcp_subflow *sf, uint32_t laddr,
			  uint16_t lport, uint32_t raddr, uint16_t rport, uint64_t now)
{
	struct mptcp_stack *st = m->st;
	int err = 0;

	sf->msk = m;
	sf->active = true;
	sf->laddr = laddr;
	sf->raddr = raddr;
	sf->rport = rport;
	if (!sf->join)
		m->laddr0 = laddr;
	if (sf->join && rand_bytes(st, &sf->local_nonce, sizeof(sf->local_nonce)) != 0)
		return -EIO;
	/* Linked first: the SYN leaves inside connect and its hooks look. */
	sf->next = m->subflows;
	m->subflows = sf;
	m->n_subflows++;
	struct tcpstack_conn *c = tcpstack_tcp_connect(st->tcp, laddr, lport, raddr, rport,
						       &mptcp_subflow_ops, sf, now, &err);
	if (c == NULL) {
		m->subflows = sf->next;
		m->n_subflows--;
		sf->msk = NULL;
		return err ? err : -ENOMEM;
	}
	sf->tc = c;
	mptcp_sock_subflow_tune(m, sf, now);
	if (sf->join)
		mptcp_count(st, MPTCP_MIB_JOIN_TX);
	return 0;
}
