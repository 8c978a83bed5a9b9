/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies (RFC 4987 3.6): when the half-open table is full, the SYN-ACK
 * carries its state in our ISN and nothing is kept; a valid ACK rebuilds
 * the connection. The ISN is
 *     hash(tuple, peer ISN, period) : 24 | period mod 32 : 5 | MSS index : 3
 * with a keyed hash (the stack's SipHash secret) and 64 s periods; a cookie
 * is good for the period it was made in and the next. Window scaling, SACK
 * and timestamps are not offered with a cookie: there is nowhere to keep
 * what the peer asked for. */
#include "tcpstack/tcp_conn.h"

#define COOKIE_PERIOD_NS (64ull * 1000000000ull)

static const uint16_t mss_table[] = { 536, 1200, 1360, 1440, 1460, 4312, 8960 };
#define N_MSS (sizeof(mss_table) / sizeof(mss_table[0]))

static uint32_t cookie_hash(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t peer_isn,
			    uint32_t period)
{
	return (uint32_t)(tcp_keyed_hash(s, t, peer_isn ^ (period * 0x9e3779b9u)) & 0xffffff);
}

uint32_t tcp_syncookie_make(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t peer_isn,
			    uint16_t peer_mss, uint64_t now)
{
	uint16_t mss = peer_mss < s->p.mss ? peer_mss : s->p.mss;
	uint32_t idx = 0, period = (uint32_t)(now / COOKIE_PERIOD_NS) & 31;

	while (idx + 1 < N_MSS && mss_table[idx + 1] <= mss)
		idx++;
	return cookie_hash(s, t, peer_isn, period) << 8 | period << 3 | idx;
}

bool tcp_syncookie_check(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t peer_isn,
			 uint32_t cookie, uint64_t now, uint16_t *mss)
{
	uint32_t idx = cookie & 7, period = (cookie >> 3) & 31;
	uint32_t cur = (uint32_t)(now / COOKIE_PERIOD_NS);

	if (idx >= N_MSS || (period != (cur & 31) && period != ((cur - 1) & 31)))
		return false;
	if (cookie_hash(s, t, peer_isn, period) != cookie >> 8)
		return false;
	*mss = mss_table[idx];
	return true;
}
