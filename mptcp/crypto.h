/* SPDX-License-Identifier: BSD-3-Clause */
/* MPTCP v1 (RFC 8684) key, token and HMAC derivations (internal to mptcp).
 *
 * Keys, nonces and tokens are host-order integers here and big-endian on the
 * wire; every derivation hashes the big-endian bytes, as RFC 8684 (section 3.1:
 * "network byte order") and Linux (net/mptcp/crypto.c) do. The truncated
 * HMACs are returned as the integer whose big-endian encoding is the 8 bytes
 * the option carries, so a writer stores them with one 64-bit store.
 *
 * Which bits go on the wire (docs/mptcp-crypto.md has the sources):
 *   token       the most significant 32 bits of SHA-256(key)
 *   IDSN        the least significant 64 bits of SHA-256(key)
 *   MP_JOIN     SYN/ACK: leftmost 64 bits; third ACK: leftmost 160 bits
 *   ADD_ADDR    rightmost 64 bits of the whole 256-bit HMAC
 *
 * Functions returning int give 0, or -ENOMEM when OpenSSL could not compute
 * (it allocates inside its one-shot calls); the verify functions then say
 * false. */
#ifndef MPGW_MPTCP_CRYPTO_H
#define MPGW_MPTCP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MPTCP_CRYPTO_HMAC_LEN 32 /* HMAC-SHA256 output */
#define MPTCP_CRYPTO_JOIN_ACK_LEN 20 /* MP_JOIN third ACK: 160 bits */

/* A source of random bytes: fill @buf, return 0 or a negative errno. The
 * protocol engine takes one so that simulations can draw keys and nonces
 * deterministically; mptcp_crypto_rand_default() is the real one. */
typedef int mptcp_rand_fn(void *ctx, void *buf, size_t len);

/* RAND_bytes (the OpenSSL CSPRNG). @return 0, or -EIO. */
int mptcp_crypto_random(void *buf, size_t len);
/* mptcp_crypto_random() as an mptcp_rand_fn; @ctx is unused. */
int mptcp_crypto_rand_default(void *ctx, void *buf, size_t len);

/* Token and IDSN of @key (RFC 8684 3.1, 3.2). Either output may be NULL. */
int mptcp_crypto_key_derive(uint64_t key, uint32_t *token, uint64_t *idsn);

/* HMAC-SHA256 keyed with the 16 bytes key1 || key2 (big-endian each). */
int mptcp_crypto_hmac(uint64_t key1, uint64_t key2, const uint8_t *msg, size_t len,
		      uint8_t out[MPTCP_CRYPTO_HMAC_LEN]);

/* MP_JOIN (RFC 8684 3.2). A initiates the subflow with R-A; B, the listener,
 * answers with R-B. Parameters are named by these roles, not local/remote:
 * B sends, and A checks, the SYN/ACK's
 *     leftmost 64 bits of HMAC(Key=(Key-B + Key-A), Msg=(R-B + R-A));
 * A sends, and B checks, the third ACK's
 *     leftmost 160 bits of HMAC(Key=(Key-A + Key-B), Msg=(R-A + R-B)). */
int mptcp_crypto_join_synack_hmac(uint64_t key_b, uint64_t key_a, uint32_t r_b, uint32_t r_a,
				  uint64_t *thmac);
bool mptcp_crypto_join_synack_verify(uint64_t key_b, uint64_t key_a, uint32_t r_b, uint32_t r_a,
				     uint64_t thmac);
int mptcp_crypto_join_ack_hmac(uint64_t key_a, uint64_t key_b, uint32_t r_a, uint32_t r_b,
			       uint8_t out[MPTCP_CRYPTO_JOIN_ACK_LEN]);
bool mptcp_crypto_join_ack_verify(uint64_t key_a, uint64_t key_b, uint32_t r_a, uint32_t r_b,
				  const uint8_t mac[MPTCP_CRYPTO_JOIN_ACK_LEN]);

/* ADD_ADDR (RFC 8684 3.4.1): the rightmost 64 bits of
 *     HMAC(Key=(sender's key + receiver's key), Msg=(Address ID + IP Address + Port))
 * @addr: the 4 (IPv4) or 16 (IPv6) address bytes, network order, @addr_len
 * says which. @port: host order; 0 when the option carries none (the message
 * then ends in two zero bytes, as Linux hashes it). The echo (E=1) carries no
 * HMAC. @return 0, -EINVAL for another @addr_len, or -ENOMEM. */
int mptcp_crypto_add_addr_hmac(uint64_t key_sender, uint64_t key_receiver, uint8_t addr_id,
			       const uint8_t *addr, size_t addr_len, uint16_t port,
			       uint64_t *ahmac);
bool mptcp_crypto_add_addr_verify(uint64_t key_sender, uint64_t key_receiver, uint8_t addr_id,
				  const uint8_t *addr, size_t addr_len, uint16_t port,
				  uint64_t ahmac);

#endif
