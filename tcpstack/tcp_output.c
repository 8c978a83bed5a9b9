/* SPDX-License-Identifier: BSD-3-Clause */
/* Segments out: what to send (window, cwnd, Nagle, FIN), and how (headers in
 * a fresh mbuf, payload attached from the send queue by indirect mbufs: the
 * bytes the user queued are never copied, and stay queued until acked). */
#include <string.h>

#include "tcpstack/tcp_conn.h"

#define HDRS_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))

static uint32_t ts_now(uint64_t now)
{
	return (uint32_t)(now / 1000000); /* 1 ms ticks (RFC 7323) */
}

static enum tcpstack_seg_kind kind_of(uint8_t flags, uint32_t len)
{
	if (flags & RTE_TCP_RST_FLAG)
		return TCPSTACK_SEG_RST;
	if (flags & RTE_TCP_SYN_FLAG)
		return (flags & RTE_TCP_ACK_FLAG) ? TCPSTACK_SEG_SYNACK : TCPSTACK_SEG_SYN;
	return (len != 0 || (flags & RTE_TCP_FIN_FLAG)) ? TCPSTACK_SEG_DATA : TCPSTACK_SEG_ACK;
}

/* The window to advertise, scaled, never moving the right edge left
 * (RFC 9293 3.8.6.2.2), and not opened by less than an MSS (receiver SWS). */
static uint16_t window_field(struct tcpstack_conn *c, bool syn)
{
	uint32_t win = tcp_rcv_window(c);
	uint32_t edge = seq_diff(c->rcv_adv, c->rcv_nxt) > 0 ? c->rcv_adv - c->rcv_nxt : 0;
	uint8_t shift = syn ? 0 : c->rcv_wscale;

	if (win < edge)
		win = edge;
	else if (win - edge < RTE_MIN(c->rcvbuf / 2, (uint32_t)c->mss))
		win = edge;
	if ((win >> shift) > 0xffff)
		win = 0xffffu << shift;
	/* Round up to the scale unit: rounding down could pull the edge we
	 * advertised before back to the left (RFC 7323 2.4, as Linux). */
	win = ((win + (1u << shift) - 1) >> shift) << shift;
	if ((win >> shift) > 0xffff)
		win = 0xffffu << shift;
	if (seq_gt(c->rcv_nxt + win, c->rcv_adv) || c->rcv_adv == 0)
		c->rcv_adv = c->rcv_nxt + win;
	return (uint16_t)(win >> shift);
}

/* Attach payload [seq, seq+len) of the send queue to @hdr by reference. */
static int attach_payload(struct tcpstack_conn *c, struct rte_mbuf *hdr, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m = c->sndq.head, *last = hdr;
	uint32_t mseq = c->snd_una;

	if (c->cur != NULL && seq_geq(seq, c->cur_seq)) {
		m = c->cur;
		mseq = c->cur_seq;
	}
	while (m != NULL && seq_geq(seq, mseq + m->data_len)) {
		mseq += m->data_len;
		m = m->next;
	}
	while (len != 0 && m != NULL) {
		uint32_t off = seq - mseq;
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);
		struct rte_mbuf *mi = rte_pktmbuf_alloc(c->s->pool);

		if (mi == NULL)
			return -1;
		rte_pktmbuf_attach(mi, m);
		mi->data_off = (uint16_t)(mi->data_off + off);
		mi->data_len = (uint16_t)n;
		mi->pkt_len = n;
		last->next = mi;
		last = mi;
		hdr->nb_segs++;
		hdr->pkt_len += n;
		seq += n;
		len -= n;
		mseq += m->data_len;
		m = m->next;
	}
	return len == 0 ? 0 : -1;
}

/* Our own options for this segment; SACK blocks only if room is left after
 * the user's (MPTCP's) options, which matter more. */
static unsigned write_options(struct tcpstack_conn *c, uint8_t flags, uint32_t seq, uint32_t len,
			      uint64_t now, uint8_t *buf)
{
	struct tcp_opts o = { 0 };
	bool syn = flags & RTE_TCP_SYN_FLAG;
	unsigned n;

	if (syn) {
		o.present |= TCP_OPTF_MSS;
		o.mss = c->s->p.mss;
		bool synack = flags & RTE_TCP_ACK_FLAG;
		if (!synack || c->ws_ok) {
			o.present |= TCP_OPTF_WS;
			o.wscale = c->rcv_wscale;
		}
		if (!synack || c->sack_ok)
			o.present |= TCP_OPTF_SACK_PERM;
		if (!synack || c->ts_ok)
			o.present |= TCP_OPTF_TS;
	} else if (c->ts_ok) {
		o.present |= TCP_OPTF_TS;
	}
	o.ts_val = ts_now(now);
	o.ts_ecr = c->ts_recent;
	n = tcp_opts_write(buf, TCP_OPTS_MAX_LEN, &o);
	if (!c->closed_by_user && c->ops != NULL && c->ops->write_opts != NULL) {
		unsigned u = c->ops->write_opts(c->user, c, kind_of(flags, len), seq, len, buf + n,
						TCP_OPTS_MAX_LEN - n);
		n += RTE_MIN(u, TCP_OPTS_MAX_LEN - n);
		while (n % 4 != 0)
			buf[n++] = TCP_OPT_NOP;
	}
	if (!syn && c->sack_ok && c->reass.n != 0 && n + 12 <= TCP_OPTS_MAX_LEN) {
		struct tcp_opts so = { .present = TCP_OPTF_SACK };
		so.n_sack = (uint8_t)tcp_reass_sack(&c->reass, so.sack, TCP_OPTS_SACK_MAX);
		n += tcp_opts_write(buf + n, TCP_OPTS_MAX_LEN - n, &so);
	}
	return n;
}

/* Build headers in a fresh mbuf, attach payload, checksum, send. */
static void send_segment(struct tcpstack_conn *c, uint32_t seq, uint32_t len, uint8_t flags,
			 uint64_t now)
{
	struct tcpstack_tcp *s = c->s;
	uint8_t opts[TCP_OPTS_MAX_LEN];
	unsigned olen = write_options(c, flags, seq, len, now, opts);
	unsigned thlen = sizeof(struct rte_tcp_hdr) + olen;
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->pool);

	if (m == NULL) {
		tcp_count(s, TCPSTACK_MIB_TCP_NO_MBUF);
		return;
	}
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(HDRS_LEN + thlen));
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	memset(eth, 0, sizeof(*eth));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	if (len != 0 && attach_payload(c, m, seq, len) != 0) {
		tcp_count(s, TCPSTACK_MIB_TCP_NO_MBUF);
		rte_pktmbuf_free(m);
		return;
	}
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + thlen + len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = c->t.laddr;
	ip->dst_addr = c->t.raddr;
	th->src_port = rte_cpu_to_be_16(c->t.lport);
	th->dst_port = rte_cpu_to_be_16(c->t.rport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? rte_cpu_to_be_32(c->rcv_nxt) : 0;
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(window_field(c, flags & RTE_TCP_SYN_FLAG));
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(th + 1, opts, olen);
	tcpstack_ipv4_set_cksum(ip);
	uint32_t t = (uint32_t)tcpstack_cksum_mbuf(m, HDRS_LEN, thlen + len) +
		     rte_ipv4_phdr_cksum(ip, 0);
	t = (t & 0xffff) + (t >> 16);
	t = (t & 0xffff) + (t >> 16);
	th->cksum = (uint16_t)~t;

	if (flags & RTE_TCP_ACK_FLAG) {
		/* Every ACK we send acknowledges all we have. */
		c->last_ack_sent = c->rcv_nxt;
		c->unacked_segs = 0;
		tcp_timer_clear(c, TCP_T_DELACK);
	}
	tcp_count(s, TCPSTACK_MIB_TCP_OUT_SEGS);
	if (flags & RTE_TCP_RST_FLAG)
		tcp_count(s, TCPSTACK_MIB_TCP_RST_OUT);
	s->output(s->output_ctx, m, now);
}

void tcp_send_ack(struct tcpstack_conn *c, uint64_t now)
{
	/* snd_max, not snd_nxt: after an RTO snd_nxt goes back to snd_una,
	 * and an ACK carrying that old number would itself be unacceptable
	 * to a peer that already has those bytes (as BSD notes). */
	send_segment(c, c->snd_max, 0, RTE_TCP_ACK_FLAG, now);
}

void tcp_send_syn(struct tcpstack_conn *c, uint64_t now)
{
	uint8_t flags = RTE_TCP_SYN_FLAG;

	if (c->state == TCP_SYN_RCVD)
		flags |= RTE_TCP_ACK_FLAG;
	send_segment(c, c->iss, 0, flags, now);
	/* Time the handshake, unless this SYN is a retransmission (Karn). */
	c->rtt_seq = c->rto_count == 0 ? c->iss + 1 : 0;
	c->rtt_start = now;
	c->snd_nxt = c->iss + 1;
	c->snd_max = seq_max(c->snd_max, c->snd_nxt);
	tcp_timer_rto_restart(c, now);
}

void tcp_send_rst(struct tcpstack_conn *c, uint64_t now)
{
	send_segment(c, c->snd_max, 0, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, now);
}

void tcp_send_window_probe(struct tcpstack_conn *c, uint64_t now)
{
	/* An old sequence number: the peer answers with an ACK showing its
	 * window, and nothing of ours is committed (Linux does the same). */
	send_segment(c, c->snd_una - 1, 0, RTE_TCP_ACK_FLAG, now);
}

/* Segments without a connection (a cookie SYN-ACK, a RST) go through a
 * throwaway control block carrying what send_segment() reads. */
static void send_stateless(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t seq,
			   uint32_t ack, uint32_t rcvbuf, uint8_t flags, uint64_t now)
{
	struct tcpstack_conn c;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.t = *t;
	c.snd_nxt = seq;
	c.rcv_nxt = ack;
	c.rcv_adv = ack;
	c.rcvbuf = rcvbuf;
	c.mss = s->p.mss;
	c.heap_idx = TCP_HEAP_NONE;
	send_segment(&c, seq, 0, flags, now);
}

void tcp_reply_synack_cookie(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t iss,
			     uint32_t ack, uint64_t now)
{
	/* No WS/SACK/TS: the block says none was agreed, so only the MSS goes. */
	send_stateless(s, t, iss, ack, s->p.rcvbuf, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, now);
}

void tcp_reply_rst(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t seq, uint32_t ack,
		   bool with_ack, uint64_t now)
{
	send_stateless(s, t, seq, ack, 0,
		       (uint8_t)(RTE_TCP_RST_FLAG | (with_ack ? RTE_TCP_ACK_FLAG : 0)), now);
}

/* Put the cursor on the send-queue segment holding byte snd_nxt. */
static void cursor_seek(struct tcpstack_conn *c)
{
	struct rte_mbuf *m = c->sndq.head;
	uint32_t mseq = c->snd_una;

	while (m != NULL && seq_geq(c->snd_nxt, mseq + m->data_len)) {
		mseq += m->data_len;
		m = m->next;
	}
	c->cur = m;
	c->cur_seq = mseq;
}

void tcp_sndq_rewind(struct tcpstack_conn *c)
{
	cursor_seek(c);
}

/* snd_nxt moved forward: move the cursor along, never from the head. */
static void cursor_advance(struct tcpstack_conn *c)
{
	while (c->cur != NULL && seq_geq(c->snd_nxt, c->cur_seq + c->cur->data_len)) {
		c->cur_seq += c->cur->data_len;
		c->cur = c->cur->next;
	}
}

void tcp_sndq_ack(struct tcpstack_conn *c, uint32_t acked)
{
	struct tcp_segq *q = &c->sndq;

	acked = RTE_MIN(acked, q->bytes);
	q->bytes -= acked;
	while (acked != 0 && q->head != NULL) {
		struct rte_mbuf *m = q->head;
		if (m->data_len > acked) {
			/* In-flight copies are indirect mbufs with their own
			 * offsets: trimming the original does not move them. */
			rte_pktmbuf_adj(m, (uint16_t)acked);
			break;
		}
		acked -= m->data_len;
		q->head = m->next;
		if (c->cur == m)
			c->cur = NULL;
		rte_pktmbuf_free_seg(m);
	}
	if (q->head == NULL)
		q->tail = NULL;
}

/* Bytes the window and cwnd let us have in flight. */
static uint32_t send_window(const struct tcpstack_conn *c)
{
	uint32_t cwnd = c->cc.cwnd;

	if (c->in_recovery && !c->sack_ok)
		cwnd += c->dupacks * (uint32_t)c->mss; /* NewReno inflation */
	return RTE_MIN(cwnd, c->snd_wnd);
}

/* RFC 6675's pipe, simplified: bytes in flight, less those the peer SACKed
 * and those in holes not yet resent (taken as lost: they left the net). */
static uint32_t pipe(const struct tcpstack_conn *c)
{
	uint32_t flight = c->snd_nxt - c->snd_una;
	uint32_t gone =
		c->sb.sacked + tcp_sb_holes_above(&c->sb, seq_max(c->sb.high_rxt, c->snd_una));
	return flight > gone ? flight - gone : 0;
}

/* Payload room in a segment once our fixed options are in. */
static uint32_t effective_mss(const struct tcpstack_conn *c)
{
	return (uint32_t)c->mss - (c->ts_ok ? 12u : 0u) - c->opt_room;
}

/* The user's say on where a segment from @seq must end (MPTCP mappings). */
static uint32_t seg_limit(struct tcpstack_conn *c, uint32_t seq, uint32_t len)
{
	if (len == 0 || c->closed_by_user || c->ops == NULL || c->ops->seg_limit == NULL)
		return len;
	uint32_t l = c->ops->seg_limit(c->user, c, seq, len);
	return l == 0 || l > len ? len : l;
}

void tcp_output(struct tcpstack_conn *c, uint64_t now)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;
	default:
		return;
	}
	const uint32_t emss = effective_mss(c);
	for (;;) {
		uint32_t data_end = c->snd_una + c->sndq.bytes;
		uint32_t avail = seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		uint32_t flight =
			(c->in_recovery && c->sack_ok) ? pipe(c) : c->snd_nxt - c->snd_una;
		uint32_t wnd = send_window(c);
		uint32_t usable = wnd > flight ? wnd - flight : 0;
		bool fin_due = c->fin_queued && c->snd_nxt == data_end;

		if (avail == 0 && !fin_due)
			break;
		uint32_t len = RTE_MIN(avail, usable);
		len = RTE_MIN(len, emss);
		if (avail != 0 && len == 0) {
			/* Window closed by the peer with nothing in flight:
			 * probe it, or we might wait forever. */
			if (c->snd_wnd == 0 && flight == 0 && c->timer[TCP_T_PERSIST] == 0)
				tcp_timer_set(c, TCP_T_PERSIST,
					      now + (uint64_t)tcp_rtt_rto(&c->rtt) * 1000);
			break;
		}
		if (len < emss && len < avail) {
			/* A small piece only because the window is small:
			 * sender-side SWS avoidance waits for more room. */
			if (len < c->max_snd_wnd / 2 && flight != 0)
				break;
		}
		if (len != 0 && len < emss && len == avail && c->nagle && flight != 0 &&
		    !c->fin_queued)
			break; /* Nagle: one small segment in flight at most */
		len = seg_limit(c, c->snd_nxt, len); /* after the checks: a cut is no small send */
		bool fin = c->fin_queued && len == avail;
		uint8_t flags = RTE_TCP_ACK_FLAG;
		if (len != 0 && len == avail)
			flags |= RTE_TCP_PSH_FLAG;
		if (fin)
			flags |= RTE_TCP_FIN_FLAG;
		bool retrans = seq_lt(c->snd_nxt, c->snd_max);
		send_segment(c, c->snd_nxt, len, flags, now);
		if (retrans) {
			c->retrans_segs++;
			c->retrans_bytes += len;
			tcp_count(c->s, TCPSTACK_MIB_TCP_RETRANS_SEGS);
		} else if (c->rtt_seq == 0 && len != 0) {
			/* Time one segment per RTT (Karn: never a resent one). */
			c->rtt_seq = c->snd_nxt + len;
			c->rtt_start = now;
		}
		c->snd_nxt += len + (fin ? 1 : 0);
		c->snd_max = seq_max(c->snd_max, c->snd_nxt);
		if (len != 0)
			cursor_advance(c);
		if (fin && !c->fin_sent) {
			c->fin_sent = true;
			if (c->state == TCP_ESTABLISHED)
				tcp_conn_set_state(c, TCP_FIN_WAIT_1);
			else if (c->state == TCP_CLOSE_WAIT)
				tcp_conn_set_state(c, TCP_LAST_ACK);
		}
		if (c->timer[TCP_T_RTO] == 0)
			tcp_timer_rto_restart(c, now);
		tcp_timer_clear(c, TCP_T_PERSIST);
		if (fin)
			break;
	}
}

/* [seq, seq + len) went again: counted, and no RTT is timed over it (Karn). */
static void resent(struct tcpstack_conn *c, uint32_t seq, uint32_t len)
{
	c->retrans_segs++;
	c->retrans_bytes += len;
	tcp_count(c->s, TCPSTACK_MIB_TCP_RETRANS_SEGS);
	if (c->rtt_seq != 0 && seq_leq(c->rtt_seq, seq + len + 1))
		c->rtt_seq = 0;
}

uint32_t tcp_retransmit_first(struct tcpstack_conn *c, uint64_t now)
{
	uint32_t data_end = c->snd_una + c->sndq.bytes;
	uint32_t len = seg_limit(c, c->snd_una, RTE_MIN(c->sndq.bytes, effective_mss(c)));
	uint8_t flags = RTE_TCP_ACK_FLAG;

	if (c->fin_sent && c->snd_una + len == data_end)
		flags |= RTE_TCP_FIN_FLAG;
	if (len == 0 && !(flags & RTE_TCP_FIN_FLAG))
		return 0;
	send_segment(c, c->snd_una, len, flags, now);
	resent(c, c->snd_una, len);
	return len;
}

void tcp_loss_probe(struct tcpstack_conn *c, uint64_t now)
{
	uint32_t data_end = c->snd_una + c->sndq.bytes;
	uint32_t sent_end = seq_lt(c->snd_max, data_end) ? c->snd_max : data_end;

	if (c->tlp_out || c->in_recovery || !seq_lt(c->snd_una, sent_end))
		return; /* nothing of ours in flight but maybe a FIN: the RTO's */
	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT &&
	    c->state != TCP_FIN_WAIT_1 && c->state != TCP_CLOSING && c->state != TCP_LAST_ACK)
		return;
	uint32_t seq = sent_end - RTE_MIN(sent_end - c->snd_una, effective_mss(c));
	uint32_t len;
	uint8_t flags = RTE_TCP_ACK_FLAG;

	/* the piece the user's cuts (MPTCP's mappings) allow that ends at
	 * sent_end: the last segment, not a piece of the one before */
	while ((len = seg_limit(c, seq, sent_end - seq)) < sent_end - seq)
		seq += len;
	if (c->fin_sent && seq + len == data_end)
		flags |= RTE_TCP_FIN_FLAG;
	send_segment(c, seq, len, flags, now);
	c->tlp_out = true;
	resent(c, seq, len);
	tcp_count(c->s, TCPSTACK_MIB_TCP_LOSS_PROBE);
}

void tcp_sack_recover(struct tcpstack_conn *c, uint64_t now)
{
	const uint32_t emss = effective_mss(c);
	uint32_t start, len;

	if (!c->in_recovery || !c->sack_ok)
		return;
	while (pipe(c) + emss <= c->cc.cwnd) {
		uint32_t from = seq_max(c->sb.high_rxt, c->snd_una);
		if (!tcp_sb_next_hole(&c->sb, from, &start, &len))
			break;
		/* IsLost: more than DupThresh - 1 segments SACKed above it, so
		 * reordering is not mistaken for loss; the first hole at entry
		 * was judged by the duplicate ACKs already. */
		if (!(start == c->snd_una && c->sb.high_rxt == c->snd_una) &&
		    tcp_sb_sacked_above(&c->sb, start) <= 2u * c->mss)
			break;
		len = seg_limit(c, start, RTE_MIN(len, emss));
		send_segment(c, start, len, RTE_TCP_ACK_FLAG, now);
		c->retrans_segs++;
		c->retrans_bytes += len;
		tcp_count(c->s, TCPSTACK_MIB_TCP_RETRANS_SEGS);
		tcp_count(c->s, TCPSTACK_MIB_TCP_SACK_RETRANS);
		c->sb.high_rxt = start + len;
	}
	tcp_output(c, now); /* then new data, by the pipe */
}
