/* SPDX-License-Identifier: BSD-3-Clause */
/* Initial sequence numbers per RFC 6528: ISN = M + F(4-tuple, secret), M a
 * clock ticking every 4 us, F a keyed hash. F is SipHash-2-4 from OpenSSL
 * (EVP_MAC "SIPHASH"): fast enough for every SYN, and keyed so an off-path
 * attacker cannot predict another connection's ISN. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "tcpstack/tcp_conn.h"

struct isn_ctx {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	uint8_t key[16];
};

int tcp_isn_init(struct tcpstack_tcp *s)
{
	static const uint8_t zero[16];
	struct isn_ctx *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return -1;
	memcpy(k->key, s->p.isn_key, sizeof(k->key));
	if (memcmp(k->key, zero, sizeof(zero)) == 0 && RAND_bytes(k->key, sizeof(k->key)) != 1)
		goto fail;
	k->mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	if (k->mac == NULL)
		goto fail;
	k->ctx = EVP_MAC_CTX_new(k->mac);
	if (k->ctx == NULL)
		goto fail;
	s->isn_mac = k;
	return 0;
fail:
	EVP_MAC_CTX_free(k->ctx);
	EVP_MAC_free(k->mac);
	free(k);
	return -1;
}

void tcp_isn_free(struct tcpstack_tcp *s)
{
	struct isn_ctx *k = s->isn_mac;

	if (k == NULL)
		return;
	EVP_MAC_CTX_free(k->ctx);
	EVP_MAC_free(k->mac);
	OPENSSL_cleanse(k->key, sizeof(k->key));
	free(k);
	s->isn_mac = NULL;
}

uint64_t tcp_keyed_hash(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint32_t extra)
{
	struct isn_ctx *k = s->isn_mac;
	size_t outl = 8, size = 8;
	uint8_t out[8] = { 0 };
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_size_t("size", &size),
		OSSL_PARAM_construct_end(),
	};
	uint8_t in[16];
	uint64_t h = 0;

	memcpy(in, &t->laddr, 4);
	memcpy(in + 4, &t->raddr, 4);
	memcpy(in + 8, &t->lport, 2);
	memcpy(in + 10, &t->rport, 2);
	memcpy(in + 12, &extra, 4);
	if (EVP_MAC_init(k->ctx, k->key, sizeof(k->key), params) == 1 &&
	    EVP_MAC_update(k->ctx, in, sizeof(in)) == 1 &&
	    EVP_MAC_final(k->ctx, out, &outl, sizeof(out)) == 1)
		memcpy(&h, out, sizeof(h));
	return h;
}

uint32_t tcp_isn(struct tcpstack_tcp *s, const struct tcp_tuple *t, uint64_t now)
{
	return (uint32_t)(now / 4000) + (uint32_t)tcp_keyed_hash(s, t, 0);
}
