/* SPDX-License-Identifier: BSD-3-Clause */
/* The splice: bytes between a proxied connection's TCP side and its MPTCP
 * side, by reference (the mbufs they arrived in go on to the other side's
 * send queue), and the ends of each direction passed on.
 *
 * Back-pressure: a side is read only as far as the other side's send
 * space goes, so what is not taken stays in the receive queue and that
 * side's window closes. What one box holds for a connection is bounded by
 * its send and receive buffers on each side, plus one chain taken and not
 * yet accepted (to_m, to_c). */
#include <inttypes.h>
#include <stdio.h>

#include "proxy/relay_conn.h"

/* What the operator reads when the connection ends. */
static void note_subflows(struct relay_conn *rc)
{
	struct mptcp_info i;

	if (rc->m == NULL)
		return;
	mptcp_get_info(rc->m, &i);
	rc->subflows = i.subflows_ever;
	/* Each subflow still there: data-level bytes it carried, segments it
	 * sent again, its smoothed RTT. */
	struct mptcp_subflow_info si;
	size_t n = 0;
	if (mptcp_get_subflow_info(rc->m, 0, &si) != 0)
		return; /* all closed: what was noted before stays */
	for (unsigned k = 0; mptcp_get_subflow_info(rc->m, k, &si) == 0; k++) {
		int w = snprintf(rc->paths + n, sizeof(rc->paths) - n,
				 "%s%" PRIu64 "/%" PRIu64 "/%u", n != 0 ? " " : "", si.bytes_mapped,
				 si.tcp.retrans_segs, si.tcp.srtt_us / 1000);
		if (w < 0 || (size_t)w >= sizeof(rc->paths) - n)
			break;
		n += (size_t)w;
	}
}

static struct rte_mbuf *append(struct rte_mbuf *head, struct rte_mbuf *tail);

/* TCP -> MPTCP. A read may run handlers of this connection before it
 * returns (MPTCP's receive drains subflows, which may bring the peer's
 * DATA_FIN or its end): what it returns is appended to what they left,
 * never put in its place. */
static void pump_to_m(struct relay_conn *rc, uint64_t now)
{
	while (rc->m != NULL) {
		if (rc->to_m == NULL) {
			uint32_t space = mptcp_send_space(rc->m);
			if (rc->c == NULL || space == 0)
				break;
			struct rte_mbuf *got = tcpstack_tcp_recv(rc->c, space, now);
			rc->to_m = append(rc->to_m, got);
			if (rc->to_m == NULL)
				break;
			if (rc->m == NULL)
				break;
		}
		uint32_t len = rte_pktmbuf_pkt_len(rc->to_m);
		if (mptcp_send(rc->m, rc->to_m, now) != 0)
			break; /* kept until WRITABLE */
		rc->to_m = NULL;
		rc->bytes_to_m += len;
		rc->last_active = now;
	}
	/* The client's end goes on once everything before it has. */
	if (rc->c_fin && !rc->m_shut && rc->m != NULL && rc->to_m == NULL &&
	    (rc->c == NULL || tcpstack_tcp_recv_avail(rc->c) == 0)) {
		rc->m_shut = true;
		mptcp_shutdown(rc->m, now);
	}
}

/* MPTCP -> TCP. */
static void pump_to_c(struct relay_conn *rc, uint64_t now)
{
	while (rc->c != NULL) {
		if (rc->to_c == NULL) {
			uint32_t space = tcpstack_tcp_send_space(rc->c);
			if (rc->m == NULL || space == 0)
				break;
			struct rte_mbuf *got = mptcp_recv(rc->m, space, now);
			rc->to_c = append(rc->to_c, got);
			if (rc->to_c == NULL || rc->c == NULL)
				break;
		}
		uint32_t len = rte_pktmbuf_pkt_len(rc->to_c);
		if (tcpstack_tcp_send(rc->c, rc->to_c, now) != 0)
			break;
		rc->to_c = NULL;
		rc->bytes_to_c += len;
		rc->last_active = now;
	}
	if (rc->m_fin && !rc->c_shut && rc->c != NULL && rc->to_c == NULL &&
	    (rc->m == NULL || mptcp_recv_avail(rc->m) == 0)) {
		rc->c_shut = true;
		tcpstack_tcp_shutdown(rc->c, now);
	}
}

/* Pump both ways; a side whose peer is gone and that has nothing left to
 * send is closed, and let finish on its own. */
static void settle(struct relay_conn *rc, uint64_t now)
{
	/* Handlers run from inside a pump's read only ask for another pass. */
	if (rc->settling) {
		rc->settle_again = true;
		return;
	}
	rc->settling = true;
	do {
		rc->settle_again = false;
		pump_to_m(rc, now);
		pump_to_c(rc, now);
	} while (rc->settle_again);
	rc->settling = false;
	if (rc->c == NULL && rc->m != NULL && rc->to_m == NULL && rc->m_shut) {
		note_subflows(rc);
		mptcp_close(rc->m, now);
		rc->m = NULL;
	}
	if (rc->m == NULL && rc->c != NULL && rc->to_c == NULL && rc->c_shut) {
		tcpstack_tcp_close(rc->c, now);
		rc->c = NULL;
	}
}

/* Append a chain to a pending one (either may be NULL). */
static struct rte_mbuf *append(struct rte_mbuf *head, struct rte_mbuf *tail)
{
	if (head == NULL)
		return tail;
	if (tail != NULL && rte_pktmbuf_chain(head, tail) != 0) {
		/* More segments than a chain counts: link them anyway, the
		 * send side walks next pointers and pkt_len is recomputed. */
		struct rte_mbuf *last = rte_pktmbuf_lastseg(head);
		last->next = tail;
		head->pkt_len += tail->pkt_len;
	}
	return head;
}

void relay_abort(struct relay_conn *rc, uint64_t now)
{
	note_subflows(rc);
	rc->aborted = true;
	if (rc->c != NULL) {
		tcpstack_tcp_abort(rc->c, now);
		rc->c = NULL;
	}
	if (rc->m != NULL) {
		mptcp_abort(rc->m, now);
		rc->m = NULL;
	}
	relay_unhold(rc);
	rte_pktmbuf_free(rc->syn);
	rc->syn = NULL;
	relay_conn_maybe_free(rc);
}

void relay_splice_start(struct relay_conn *rc, uint64_t now)
{
	rc->state = RELAY_SPLICED;
	rc->deadline = 0;
	relay_count_rc(rc, PROXY_MIB_PROXY_SPLICED);
	if (rc->peer != RELAY_PEER_GONE) /* from the SYN (origin), or the MPTCP accept */
		proxy_setup_sample(&rc->r->env.stats->peer[rc->peer_slot], now - rc->started);
	/* The hosts' own segmentation decides: no Nagle delay on top. */
	tcpstack_tcp_set_nagle(rc->c, false);
	settle(rc, now);
}

void relay_splice_tcp_event(struct relay_conn *rc, enum tcpstack_tcp_event ev, int err,
			    uint64_t now)
{
	switch (ev) {
	case TCPSTACK_TCP_EV_CONNECTED:
		if (rc->state != RELAY_SPLICED) {
			relay_splice_start(rc, now); /* the client's handshake is done */
			return;
		}
		break;
	case TCPSTACK_TCP_EV_PEER_FIN:
		rc->c_fin = true;
		note_subflows(rc);
		break;
	case TCPSTACK_TCP_EV_CLOSED:
		if (err != 0) {
			relay_count_rc(rc, PROXY_MIB_PROXY_ABORTED);
			rc->c = NULL; /* gone already */
			relay_abort(rc, now);
			return;
		}
		/* What came before the client's FIN and is still queued. */
		struct rte_mbuf *rest;
		while ((rest = tcpstack_tcp_recv(rc->c, UINT32_MAX, now)) != NULL)
			rc->to_m = append(rc->to_m, rest);
		rc->c_fin = true;
		rc->c = NULL;
		break;
	default:
		break;
	}
	settle(rc, now);
}

void relay_splice_mp_event(struct relay_conn *rc, enum mptcp_event ev, int err, uint64_t now)
{
	switch (ev) {
	case MPTCP_EV_PEER_FIN:
		rc->m_fin = true;
		note_subflows(rc);
		break;
	case MPTCP_EV_CLOSED:
		if (err != 0) {
			relay_count_rc(rc, PROXY_MIB_PROXY_ABORTED);
			rc->m = NULL;
			relay_abort(rc, now);
			return;
		}
		struct rte_mbuf *rest;
		note_subflows(rc);
		while ((rest = mptcp_recv(rc->m, UINT32_MAX, now)) != NULL)
			rc->to_c = append(rc->to_c, rest);
		rc->m_fin = true;
		rc->m = NULL;
		break;
	default:
		break;
	}
	settle(rc, now);
}
