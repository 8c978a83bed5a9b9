/* SPDX-License-Identifier: BSD-3-Clause */
/* Built-in TCP services on the box's own stack (echo, sink, source), the
 * way inetd had echo/discard/chargen: an operator can test a path or the
 * stack against any TCP peer, or, with `mptcp: true`, any MPTCP peer (the
 * same code over the MPTCP socket API; a plain TCP peer still works, as
 * MPTCP falls back). Each connection's bytes are hashed (SHA-256,
 * OpenSSL) both ways, and the totals and digests are logged when it ends, so
 * a test compares them with what the peer saw. Echo sends back the very
 * mbufs it received: no copy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mgmt/mgmt.h"
#include "proxy/service.h"

#include <inttypes.h>
#include <stdio.h>

#define SOURCE_CHUNK 1448u /* one segment's worth per mbuf */

struct svc_conn {
	struct proxy_service *svc;
	struct tcpstack_conn *c; /* plain TCP, or */
	struct mptcp_sock *m; /* MPTCP */
	struct rte_mbuf *pending; /* echo: received, not yet accepted by send */
	EVP_MD_CTX *rx_hash, *tx_hash;
	uint64_t rx_bytes, tx_bytes, to_send;
	uint64_t prng;
	bool shut;
	uint32_t raddr; /* the peer, noted when connected (network order) */
	uint16_t rport;
};

static void hex(const uint8_t *d, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void digest(EVP_MD_CTX *h, char out[65])
{
	uint8_t md[32];
	unsigned n = 0;

	if (EVP_DigestFinal_ex(h, md, &n) != 1 || n != 32) {
		strcpy(out, "-");
		return;
	}
	hex(md, 32, out);
}

static void hash_chain(EVP_MD_CTX *h, const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		EVP_DigestUpdate(h, rte_pktmbuf_mtod(m, const void *), m->data_len);
}

static struct svc_conn *conn_new(struct proxy_service *svc)
{
	struct svc_conn *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return NULL;
	sc->svc = svc;
	sc->rx_hash = EVP_MD_CTX_new();
	sc->tx_hash = EVP_MD_CTX_new();
	if (sc->rx_hash == NULL || sc->tx_hash == NULL ||
	    EVP_DigestInit_ex(sc->rx_hash, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(sc->tx_hash, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(sc->rx_hash);
		EVP_MD_CTX_free(sc->tx_hash);
		free(sc);
		return NULL;
	}
	sc->to_send = svc->cfg.kind == MGMT_SVC_SOURCE ? svc->cfg.bytes : 0;
	sc->prng = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)sc;
	svc->active++;
	return sc;
}

/* The connection as a byte stream, TCP or MPTCP alike. */
static uint32_t s_space(const struct svc_conn *sc)
{
	return sc->m != NULL ? mptcp_send_space(sc->m) : tcpstack_tcp_send_space(sc->c);
}

static int s_send(struct svc_conn *sc, struct rte_mbuf *m, uint64_t now)
{
	return sc->m != NULL ? mptcp_send(sc->m, m, now) : tcpstack_tcp_send(sc->c, m, now);
}

static struct rte_mbuf *s_recv(struct svc_conn *sc, uint32_t max, uint64_t now)
{
	return sc->m != NULL ? mptcp_recv(sc->m, max, now) : tcpstack_tcp_recv(sc->c, max, now);
}

static void s_shutdown(struct svc_conn *sc, uint64_t now)
{
	if (sc->m != NULL)
		mptcp_shutdown(sc->m, now);
	else
		tcpstack_tcp_shutdown(sc->c, now);
}

static void conn_end(struct svc_conn *sc, int err)
{
	struct proxy_service *svc = sc->svc;
	struct tcpstack_tcp_info info = { 0 };
	struct mptcp_info mi = { 0 };
	char rx[65], tx[65], mp[160] = "";

	if (sc->m != NULL) {
		mptcp_get_info(sc->m, &mi);
		info.raddr = sc->raddr;
		info.rport = sc->rport;
		snprintf(mp, sizeof(mp),
			 ", mptcp %s, subflows %u, checksums %s, reinjected %" PRIu64
			 " bytes, scheduler %s, cc %s",
			 mi.fallback ? "fallback" : "yes", mi.subflows_ever,
			 mi.checksum ? "on" : "off", mi.reinjected_bytes, mi.scheduler,
			 mi.cc[0] != '\0' ? mi.cc : "default");
	} else {
		tcpstack_tcp_get_info(sc->c, &info);
	}
	digest(sc->rx_hash, rx);
	digest(sc->tx_hash, tx);
	mgmt_log(LOG_NOTICE,
		 "service %s: connection %u.%u.%u.%u:%u closed (%s): rx %" PRIu64
		 " bytes sha256 %s, tx %" PRIu64 " bytes sha256 %s, retransmitted %" PRIu64
		 " segments%s",
		 svc->cfg.name, ((uint8_t *)&info.raddr)[0], ((uint8_t *)&info.raddr)[1],
		 ((uint8_t *)&info.raddr)[2], ((uint8_t *)&info.raddr)[3], info.rport,
		 err == 0 ? "ok" : strerror(err), sc->rx_bytes, rx, sc->tx_bytes, tx,
		 info.retrans_segs, mp);
	rte_pktmbuf_free(sc->pending);
	EVP_MD_CTX_free(sc->rx_hash);
	EVP_MD_CTX_free(sc->tx_hash);
	svc->active--;
	svc->done++;
	if (err != 0)
		svc->failed++;
	free(sc);
}

/* Queue @m (counted and hashed as sent); false if the stack had no room. */
static bool send_chain(struct svc_conn *sc, struct rte_mbuf *m, uint64_t now)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	hash_chain(sc->tx_hash, m); /* before: send takes the mbufs */
	if (s_send(sc, m, now) != 0)
		return false;
	sc->tx_bytes += len;
	return true;
}

static void source_pump(struct svc_conn *sc, uint64_t now)
{
	struct rte_mempool *pool = sc->svc->pool;

	while (sc->tx_bytes < sc->to_send) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)SOURCE_CHUNK, sc->to_send - sc->tx_bytes);
		if (s_space(sc) < n)
			return; /* WRITABLE will call again */
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			return;
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		for (uint32_t i = 0; i < n; i += 8) {
			/* xorshift64*: cheap bytes nobody compresses */
			sc->prng ^= sc->prng >> 12;
			sc->prng ^= sc->prng << 25;
			sc->prng ^= sc->prng >> 27;
			uint64_t v = sc->prng * 0x2545f4914f6cdd1dull;
			memcpy(p + i, &v, RTE_MIN(8u, n - i));
		}
		EVP_DigestUpdate(sc->tx_hash, p, n);
		if (s_send(sc, m, now) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		sc->tx_bytes += n;
	}
	if (!sc->shut) {
		sc->shut = true;
		s_shutdown(sc, now);
	}
}

static void echo_pump(struct svc_conn *sc, uint64_t now)
{
	struct rte_mbuf *m;

	/* Back-pressure: what the send side cannot take stays pending, and
	 * nothing more is read, so the receive window closes. */
	if (sc->pending != NULL) {
		if (!send_chain(sc, sc->pending, now))
			return;
		sc->pending = NULL;
	}
	while ((m = s_recv(sc, s_space(sc), now)) != NULL) {
		hash_chain(sc->rx_hash, m);
		sc->rx_bytes += rte_pktmbuf_pkt_len(m);
		if (!send_chain(sc, m, now)) {
			sc->pending = m;
			return;
		}
	}
}

static void drain(struct svc_conn *sc, uint64_t now)
{
	struct rte_mbuf *m;

	while ((m = s_recv(sc, UINT32_MAX, now)) != NULL) {
		hash_chain(sc->rx_hash, m);
		sc->rx_bytes += rte_pktmbuf_pkt_len(m);
		rte_pktmbuf_free(m);
	}
}

/* What each service does on an event (TCP's and MPTCP's, mapped). */
enum svc_ev { SVC_CONNECTED, SVC_READABLE, SVC_WRITABLE, SVC_PEER_FIN };

static void handle(struct svc_conn *sc, enum svc_ev ev, uint64_t now)
{
	switch (sc->svc->cfg.kind) {
	case MGMT_SVC_ECHO:
		echo_pump(sc, now);
		if (ev == SVC_PEER_FIN && sc->pending == NULL && !sc->shut) {
			sc->shut = true;
			s_shutdown(sc, now);
		}
		break;
	case MGMT_SVC_SINK:
		drain(sc, now);
		if (ev == SVC_PEER_FIN && !sc->shut) {
			sc->shut = true;
			s_shutdown(sc, now);
		}
		break;
	case MGMT_SVC_SOURCE:
		drain(sc, now);
		if (ev == SVC_CONNECTED || ev == SVC_WRITABLE || ev == SVC_READABLE)
			source_pump(sc, now);
		break;
	}
}

static void on_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	struct svc_conn *sc = user;
	static const enum svc_ev map[] = {
		[TCPSTACK_TCP_EV_CONNECTED] = SVC_CONNECTED,
		[TCPSTACK_TCP_EV_READABLE] = SVC_READABLE,
		[TCPSTACK_TCP_EV_WRITABLE] = SVC_WRITABLE,
		[TCPSTACK_TCP_EV_PEER_FIN] = SVC_PEER_FIN,
	};

	sc->c = c;
	if (ev == TCPSTACK_TCP_EV_CLOSED)
		conn_end(sc, err);
	else
		handle(sc, map[ev], sc->svc->now);
}

static void on_mp_event(void *user, struct mptcp_sock *m, enum mptcp_event ev, int err)
{
	struct svc_conn *sc = user;
	static const enum svc_ev map[] = {
		[MPTCP_EV_CONNECTED] = SVC_CONNECTED,
		[MPTCP_EV_READABLE] = SVC_READABLE,
		[MPTCP_EV_WRITABLE] = SVC_WRITABLE,
		[MPTCP_EV_PEER_FIN] = SVC_PEER_FIN,
	};

	sc->m = m;
	if (ev == MPTCP_EV_CONNECTED) {
		/* the first subflow (the last in the list): the peer's address */
		struct mptcp_subflow_info si;
		for (unsigned i = 0; mptcp_get_subflow_info(m, i, &si) == 0; i++) {
			sc->raddr = si.tcp.raddr;
			sc->rport = si.tcp.rport;
		}
	}
	if (ev == MPTCP_EV_CLOSED)
		conn_end(sc, err);
	else
		handle(sc, map[ev], sc->svc->now);
}

/* The service's scheduler and congestion control on an MPTCP connection
 * (both checked when the configuration was read). */
static void mp_tune(const struct proxy_service *svc, struct mptcp_sock *m, uint64_t now)
{
	if (svc->cfg.scheduler[0] != '\0')
		mptcp_set_scheduler(m, svc->cfg.scheduler);
	if (svc->cfg.cc[0] != '\0')
		mptcp_set_cc(m, svc->cfg.cc, now);
}

static void *on_mp_accept(void *listener_user, struct mptcp_sock *m)
{
	struct proxy_service *svc = listener_user;
	struct svc_conn *sc = conn_new(svc);

	if (sc != NULL) {
		sc->m = m;
		mp_tune(svc, m, tcpstack_tcp_now(svc->tcp));
	}
	return sc;
}

static void *on_accept(void *listener_user, struct tcpstack_conn *c)
{
	struct proxy_service *svc = listener_user;
	struct svc_conn *sc = conn_new(svc);

	if (sc == NULL)
		return NULL;
	sc->c = c;
	tcpstack_tcp_set_user(c, &svc->conn_ops, sc);
	if (svc->cfg.sndbuf != 0 || svc->cfg.rcvbuf != 0)
		tcpstack_tcp_set_bufs(c, svc->cfg.sndbuf, svc->cfg.rcvbuf);
	if (svc->cfg.cc[0] != '\0')
		tcpstack_tcp_set_cc(c, svc->cfg.cc, svc->now);
	return sc;
}

/* The listener's ops: only accept matters; connections get conn_ops. */
static void listener_event(void *user, struct tcpstack_conn *c, enum tcpstack_tcp_event ev, int err)
{
	/* Events before accept returned (none in practice): ignore. */
	(void)user, (void)c, (void)ev, (void)err;
}

int proxy_service_start(struct proxy_service *svc, const struct mgmt_service *cfg,
			struct tcpstack_tcp *tcp, struct mptcp_stack *mp, struct rte_mempool *pool,
			uint32_t from_ip, const uint32_t *more_from, unsigned n_more, uint64_t now)
{
	memset(svc, 0, sizeof(*svc));
	svc->cfg = *cfg;
	svc->tcp = tcp;
	svc->pool = pool;
	svc->now = now;
	svc->conn_ops.event = on_event;
	svc->listen_ops.event = listener_event;
	svc->listen_ops.accept = on_accept;
	svc->mp_ops.event = on_mp_event;
	svc->mp_ops.accept = on_mp_accept;
	if (cfg->mptcp && mp == NULL)
		return -ENOTSUP;
	if (cfg->listen_port != 0)
		return cfg->mptcp ? mptcp_listen(mp, 0, cfg->listen_port, &svc->mp_ops, svc)
				  : tcpstack_tcp_listen(tcp, 0, cfg->listen_port, &svc->listen_ops,
							svc);
	for (unsigned i = 0; i < RTE_MAX(cfg->connections, 1u); i++) {
		struct svc_conn *sc = conn_new(svc);
		int err = 0;
		if (sc == NULL)
			return -ENOMEM;
		if (cfg->mptcp)
			sc->m = mptcp_connect(mp, from_ip, 0, cfg->connect_ip, cfg->connect_port,
					      &svc->mp_ops, sc, now, &err);
		else
			sc->c = tcpstack_tcp_connect(tcp, from_ip, 0, cfg->connect_ip,
						     cfg->connect_port, &svc->conn_ops, sc, now,
						     &err);
		if (sc->m == NULL && sc->c == NULL) {
			mgmt_log(LOG_ERR, "service %s: cannot connect: %s", cfg->name,
				 strerror(-err));
			EVP_MD_CTX_free(sc->rx_hash);
			EVP_MD_CTX_free(sc->tx_hash);
			svc->active--;
			free(sc);
			return err;
		}
		if (cfg->mptcp) {
			mp_tune(svc, sc->m, now);
			/* one more subflow from each other address (MP_JOIN) */
			for (unsigned k = 0; k < n_more; k++)
				mptcp_add_subflow(sc->m, more_from[k], cfg->connect_ip,
						  cfg->connect_port, false, now);
			continue;
		}
		if (cfg->sndbuf != 0 || cfg->rcvbuf != 0)
			tcpstack_tcp_set_bufs(sc->c, cfg->sndbuf, cfg->rcvbuf);
		if (cfg->cc[0] != '\0')
			tcpstack_tcp_set_cc(sc->c, cfg->cc, now);
	}
	return 0;
}
