/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for the /metrics server's request parser (mgmt/http.c,
 * mgmt_http_parser_feed, libhttp-parser underneath): the bytes one client
 * sends on a connection.
 *
 * Input: the connection's bytes, as they are (the corpus is plain
 * requests). They are fed twice through fresh parsers: all at once, then in
 * pieces of 1..64 bytes (sizes from a PRNG seeded by a hash of the input),
 * each piece an exactly sized copy so that ASan sees a read past its end.
 *
 * Checks: every call takes at most what it is given (all of it when it
 * asks for more); once the parser is done it takes nothing; every request
 * ends at the same byte with the same status, method, path and keep-alive
 * however the input is split; a status is 0 or one the server sends itself
 * (400, 405, 413, 431), and an error is the last request, with an empty
 * method and path and no keep-alive; a request's method is an upper-case
 * token; its path is non-empty, shorter than the head limit, its length is
 * path_len, holds no query, fragment, space or control byte, and occurs in
 * the input; no request takes more than the head and body limits allow.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/http.h"
#include "tests/fuzz/fuzz.h"

struct seen {
	size_t n;
	size_t *end; /* offset just past each request */
	uint64_t *hash; /* of status, method, path, keep-alive */
	size_t used; /* bytes taken in all */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void check_request(const struct mgmt_http_request *r, const uint8_t *in, size_t len)
{
	FUZZ_CHECK(r->method != NULL && r->path != NULL, "NULL strings");
	if (r->status != 0) {
		FUZZ_CHECK(r->status == 400 || r->status == 405 || r->status == 413 ||
				   r->status == 431,
			   "status %d", r->status);
		FUZZ_CHECK(r->path[0] == '\0' && r->path_len == 0, "an error with a path");
		for (const char *m = r->method; *m != '\0'; m++)
			FUZZ_CHECK(isupper((unsigned char)*m) || *m == '-', "method '%s'",
				   r->method);
		FUZZ_CHECK(!r->keep_alive, "an error keeps the connection");
		return;
	}
	FUZZ_CHECK(r->method[0] != '\0', "empty method");
	for (const char *m = r->method; *m != '\0'; m++)
		FUZZ_CHECK(isupper((unsigned char)*m) || *m == '-', "method '%s'", r->method);
	FUZZ_CHECK(r->path_len > 0 && r->path_len < MGMT_HTTP_HEAD_MAX, "path_len %zu",
		   r->path_len);
	FUZZ_CHECK(strlen(r->path) == r->path_len, "path_len %zu, strlen %zu", r->path_len,
		   strlen(r->path));
	for (size_t i = 0; i < r->path_len; i++) {
		unsigned char c = (unsigned char)r->path[i];

		FUZZ_CHECK(c > ' ' && c != 0x7f && c != '?' && c != '#',
			   "byte 0x%02x at %zu of the path", c, i);
	}
	FUZZ_CHECK(memmem(in, len, r->path, r->path_len) != NULL, "path '%s' not in the input",
		   r->path);
}

static void record(struct seen *s, const struct mgmt_http_request *r)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv(h, &r->status, sizeof(r->status));
	h = fnv(h, r->method, strlen(r->method) + 1);
	h = fnv(h, r->path, r->path_len + 1);
	h = fnv(h, &r->keep_alive, sizeof(r->keep_alive));
	s->end[s->n] = s->used;
	s->hash[s->n] = h;
	s->n++;
}

/* Feeds in[0..len) in pieces drawn from @p seed (0: all at once). */
static void run(const uint8_t *in, size_t len, uint32_t seed, struct seen *s)
{
	struct mgmt_http_parser *p = mgmt_http_parser_new();
	size_t off = 0, last_end = 0;
	bool done = false, error = false;
	uint32_t rng = seed * 2654435761u + 1;

	FUZZ_CHECK(p != NULL, "no parser");
	s->n = 0;
	s->used = 0;
	while (off < len) {
		size_t n = len - off, used = (size_t)-1;
		struct mgmt_http_request req;
		enum mgmt_http_feed r;
		char *piece;

		if (seed != 0) {
			rng = rng * 1103515245u + 12345u;
			if (n > 1 + (rng >> 16) % 64)
				n = 1 + (rng >> 16) % 64;
		}
		piece = malloc(n);
		FUZZ_CHECK(piece != NULL, "malloc");
		memcpy(piece, in + off, n);
		memset(&req, 0xa5, sizeof(req));
		r = mgmt_http_parser_feed(p, piece, n, &used, &req);
		FUZZ_CHECK(used <= n, "took %zu of %zu bytes", used, n);
		if (r == MGMT_HTTP_DONE) {
			FUZZ_CHECK(used == 0, "took %zu bytes when done", used);
			FUZZ_CHECK(s->n > 0, "done before any request");
			done = true;
			free(piece);
			break;
		}
		FUZZ_CHECK(!error, "a request after an error");
		off += used;
		s->used += used;
		if (r == MGMT_HTTP_MORE) {
			FUZZ_CHECK(used == n, "asks for more having taken %zu of %zu", used, n);
		} else {
			FUZZ_CHECK(r == MGMT_HTTP_REQUEST, "feed returned %d", (int)r);
			check_request(&req, in, len);
			/* The head is at most HEAD_MAX, the body BODY_MAX + its
			 * framing, all within the limits' room. */
			FUZZ_CHECK(s->used - last_end <=
					   MGMT_HTTP_HEAD_MAX + MGMT_HTTP_BODY_MAX + 2,
				   "a request of %zu bytes", s->used - last_end);
			FUZZ_CHECK(req.status != 0 || s->used > last_end, "an empty request");
			error = req.status != 0;
			last_end = s->used;
			record(s, &req);
		}
		free(piece);
	}
	if (done) {
		size_t used = 1;
		struct mgmt_http_request req;

		FUZZ_CHECK(mgmt_http_parser_feed(p, (const char *)in, len, &used, &req) ==
					   MGMT_HTTP_DONE &&
				   used == 0,
			   "a finished parser took more");
	}
	mgmt_http_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen whole, split;
	uint64_t seed = fnv(0xcbf29ce484222325ull, data, size);

	/* At most one request per byte taken, plus one error. */
	whole.end = malloc((size + 1) * sizeof(size_t));
	whole.hash = malloc((size + 1) * sizeof(uint64_t));
	split.end = malloc((size + 1) * sizeof(size_t));
	split.hash = malloc((size + 1) * sizeof(uint64_t));
	FUZZ_CHECK(whole.end && whole.hash && split.end && split.hash, "malloc");

	run(data, size, 0, &whole);
	run(data, size, (uint32_t)(seed >> 32) | 1, &split);
	FUZZ_CHECK(whole.n == split.n, "%zu requests at once, %zu split", whole.n, split.n);
	FUZZ_CHECK(whole.used == split.used, "%zu bytes taken at once, %zu split", whole.used,
		   split.used);
	for (size_t i = 0; i < whole.n; i++) {
		FUZZ_CHECK(whole.end[i] == split.end[i],
			   "request %zu ends at %zu at once, %zu split", i, whole.end[i],
			   split.end[i]);
		FUZZ_CHECK(whole.hash[i] == split.hash[i], "request %zu differs when split", i);
	}
	free(whole.end);
	free(whole.hash);
	free(split.end);
	free(split.hash);
	return 0;
}
