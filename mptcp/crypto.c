/* SPDX-License-Identifier: BSD-3-Clause */
/* MPTCP v1 derivations: see crypto.h for what goes on the wire and
 * docs/mptcp-crypto.md for why. OpenSSL's one-shot SHA256() and HMAC() are
 * enough: keys are derived once per connection and HMACs once per subflow
 * or address, far from the per-packet path. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "mptcp/crypto.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int mptcp_crypto_random(void *buf, size_t len)
{
	/* RAND_bytes takes an int; keys and nonces are a few bytes. */
	if (len > 0x7fffffff)
		return -EINVAL;
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}

int mptcp_crypto_rand_default(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return mptcp_crypto_random(buf, len);
}

int mptcp_crypto_key_derive(uint64_t key, uint32_t *token, uint64_t *idsn)
{
	uint8_t in[8], md[SHA256_DIGEST_LENGTH];

	put_be64(in, key);
	if (SHA256(in, sizeof(in), md) == NULL)
		return -ENOMEM;
	/* Token: the most significant 32 bits, i.e. the first 4 bytes of the
	 * digest; IDSN: the least significant 64 bits, the last 8. */
	if (token != NULL)
		*token = (uint32_t)(get_be64(md) >> 32);
	if (idsn != NULL)
		*idsn = get_be64(md + SHA256_DIGEST_LENGTH - 8);
	return 0;
}

int mptcp_crypto_hmac(uint64_t key1, uint64_t key2, const uint8_t *msg, size_t len,
		      uint8_t out[MPTCP_CRYPTO_HMAC_LEN])
{
	static const uint8_t empty[1];
	unsigned outl = 0;
	uint8_t key[16];
	int rc = 0;

	put_be64(key, key1);
	put_be64(key + 8, key2);
	if (HMAC(EVP_sha256(), key, sizeof(key), len == 0 ? empty : msg, len, out, &outl) == NULL ||
	    outl != MPTCP_CRYPTO_HMAC_LEN)
		rc = -ENOMEM;
	/* Both keys of a connection are in here: do not leave them on the
	 * stack. */
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The HMAC both MP_JOIN messages use, seen from the sender: its key and
 * nonce first. */
static int join_hmac(uint64_t key_sender, uint64_t key_receiver, uint32_t r_sender,
		     uint32_t r_receiver, uint8_t out[MPTCP_CRYPTO_HMAC_LEN])
{
	uint8_t msg[8];

	put_be32(msg, r_sender);
	put_be32(msg + 4, r_receiver);
	return mptcp_crypto_hmac(key_sender, key_receiver, msg, sizeof(msg), out);
}

int mptcp_crypto_join_synack_hmac(uint64_t key_b, uint64_t key_a, uint32_t r_b, uint32_t r_a,
				  uint64_t *thmac)
{
	uint8_t mac[MPTCP_CRYPTO_HMAC_LEN];
	int rc = join_hmac(key_b, key_a, r_b, r_a, mac);

	/* Leftmost 64 bits: Linux's subflow_req_create_thmac() takes
	 * get_unaligned_be64(hmac). */
	*thmac = rc == 0 ? get_be64(mac) : 0;
	return rc;
}

bool mptcp_crypto_join_synack_verify(uint64_t key_b, uint64_t key_a, uint32_t r_b, uint32_t r_a,
				     uint64_t thmac)
{
	uint8_t mac[MPTCP_CRYPTO_HMAC_LEN], got[8];

	if (join_hmac(key_b, key_a, r_b, r_a, mac) != 0)
		return false;
	put_be64(got, thmac);
	/* Constant time: the time taken says nothing of how many leading
	 * bytes an attacker guessed. */
	return CRYPTO_memcmp(mac, got, sizeof(got)) == 0;
}

int mptcp_crypto_join_ack_hmac(uint64_t key_a, uint64_t key_b, uint32_t r_a, uint32_t r_b,
			       uint8_t out[MPTCP_CRYPTO_JOIN_ACK_LEN])
{
	uint8_t mac[MPTCP_CRYPTO_HMAC_LEN];
	int rc = join_hmac(key_a, key_b, r_a, r_b, mac);

	/* Leftmost 160 bits: Linux copies MPTCPOPT_HMAC_LEN (20) bytes from
	 * the start of the digest in subflow_finish_connect(). */
	if (rc == 0)
		memcpy(out, mac, MPTCP_CRYPTO_JOIN_ACK_LEN);
	else
		memset(out, 0, MPTCP_CRYPTO_JOIN_ACK_LEN);
	return rc;
}

bool mptcp_crypto_join_ack_verify(uint64_t key_a, uint64_t key_b, uint32_t r_a, uint32_t r_b,
				  const uint8_t mac[MPTCP_CRYPTO_JOIN_ACK_LEN])
{
	uint8_t want[MPTCP_CRYPTO_HMAC_LEN];

	if (join_hmac(key_a, key_b, r_a, r_b, want) != 0)
		return false;
	return CRYPTO_memcmp(want, mac, MPTCP_CRYPTO_JOIN_ACK_LEN) == 0;
}

/* The full HMAC of an ADD_ADDR: address ID (1 byte), address (4 or 16
 * bytes, network order), port (2 bytes, big-endian, 0 if none). */
static int add_addr_mac(uint64_t key_sender, uint64_t key_receiver, uint8_t addr_id,
			const uint8_t *addr, size_t addr_len, uint16_t port,
			uint8_t out[MPTCP_CRYPTO_HMAC_LEN])
{
	uint8_t msg[1 + 16 + 2];

	if (addr_len != 4 && addr_len != 16)
		return -EINVAL;
	msg[0] = addr_id;
	memcpy(msg + 1, addr, addr_len);
	msg[1 + addr_len] = (uint8_t)(port >> 8);
	msg[2 + addr_len] = (uint8_t)port;
	return mptcp_crypto_hmac(key_sender, key_receiver, msg, 3 + addr_len, out);
}

int mptcp_crypto_add_addr_hmac(uint64_t key_sender, uint64_t key_receiver, uint8_t addr_id,
			       const uint8_t *addr, size_t addr_len, uint16_t port, uint64_t *ahmac)
{
	uint8_t mac[MPTCP_CRYPTO_HMAC_LEN];
	int rc = add_addr_mac(key_sender, key_receiver, addr_id, addr, addr_len, port, mac);

	/* Rightmost 64 bits of the whole 256-bit HMAC, as Linux's
	 * add_addr_generate_hmac() (&hmac[SHA256_DIGEST_SIZE - 8]). */
	*ahmac = rc == 0 ? get_be64(mac + MPTCP_CRYPTO_HMAC_LEN - 8) : 0;
	return rc;
}

bool mptcp_crypto_add_addr_verify(uint64_t key_sender, uint64_t key_receiver, uint8_t addr_id,
				  const uint8_t *addr, size_t addr_len, uint16_t port,
				  uint64_t ahmac)
{
	uint8_t mac[MPTCP_CRYPTO_HMAC_LEN], got[8];

	if (add_addr_mac(key_sender, key_receiver, addr_id, addr, addr_len, port, mac) != 0)
		return false;
	put_be64(got, ahmac);
	return CRYPTO_memcmp(mac + MPTCP_CRYPTO_HMAC_LEN - 8, got, sizeof(got)) == 0;
}
