/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * mgmt_http — a small HTTP/1.1 server on the management thread's libev
 * loop, for Prometheus scrapes of /metrics. Requests are parsed with
 * libhttp-parser; the handler is called once per request and fills a body;
 * the server frames the response. Never blocks the loop. Limits: a request
 * head of 8 KiB (431), a body of 64 KiB (413), 10 s from a request's first
 * byte to its last (408), 64 clients (more are closed at accept), 30 s
 * idle. docs/control.md, "/metrics over HTTP".
 */
#ifndef MPGW_MGMT_HTTP_H
#define MPGW_MGMT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/prom.h"

struct ev_loop;

#define MGMT_HTTP_HEAD_MAX 8192 /**< request line and headers, bytes */
#define MGMT_HTTP_BODY_MAX 65536 /**< request body as sent (chunk framing included) */
#define MGMT_HTTP_CLIENTS_MAX 64
#define MGMT_HTTP_IDLE_S 30.0 /**< a client silent this long is closed */
#define MGMT_HTTP_REQUEST_S 10.0 /**< a request must arrive whole within this (408) */

/**
 * Answers one request: fills @p body (empty on entry) and may point
 * @p content_type at a static string (default "text/plain; charset=utf-8").
 * @p method is as sent ("GET", "HEAD", ...): answer HEAD as GET, the
 * server drops the body. @p path has no query string. Must not call
 * mgmt_http_stop().
 * @return the status code (200..599; anything else is sent as 500).
 */
typedef int (*mgmt_http_handler)(void *ctx, const char *method, const char *path,
				 struct mgmt_buf *body, const char **content_type);

struct mgmt_http_stats {
	uint64_t requests; /**< passed to the handler */
	uint64_t bad_requests; /**< answered by the server itself: 400, 405, 408, 413, 431 */
	uint64_t timed_out; /**< of those, 408: a request not whole MGMT_HTTP_REQUEST_S
			     *   after its first byte */
	uint64_t clients_refused; /**< closed at accept: MGMT_HTTP_CLIENTS_MAX reached */
};

struct mgmt_http;

/**
 * Listen on @p listen_addr, "ADDR:PORT" ("127.0.0.1:9477", "[::1]:9477"; port 0
 * picks a free one, see mgmt_http_port()), and serve on @p loop.
 * @param err 512 bytes; on failure one line, e.g.
 *	"metrics.listen 127.0.0.1:9477: Address already in use".
 * @return the server, or NULL.
 */
struct mgmt_http *mgmt_http_start(struct ev_loop *loop, const char *listen_addr,
				  mgmt_http_handler fn, void *ctx, char *err);

/** The port bound, host order. */
uint16_t mgmt_http_port(const struct mgmt_http *h);

const struct mgmt_http_stats *mgmt_http_stats(const struct mgmt_http *h);

/** Timeouts for clients accepted from now on (tests; defaults
 *  MGMT_HTTP_IDLE_S and MGMT_HTTP_REQUEST_S). */
void mgmt_http_set_timeouts(struct mgmt_http *h, double idle_s, double request_s);

/** Close the listener and every client, free everything. NULL is a no-op. */
void mgmt_http_stop(struct mgmt_http *h);

/*
 * The request parser the server runs on each connection, exposed so that
 * it can be fuzzed and tested without sockets.
 */

/** One request, or the error that ends the connection. */
struct mgmt_http_request {
	int status; /**< 0: for the handler; else the server answers this (400, 405, 413, 431) */
	const char *method; /**< "GET", ...; on an error "" unless the URL was begun */
	const char *path; /**< NUL-terminated, no query or fragment; "" on error */
	size_t path_len; /**< < MGMT_HTTP_HEAD_MAX */
	bool keep_alive; /**< false: answer, then close (always so on error) */
};

struct mgmt_http_parser;

/** @return a parser at the start of a connection, or NULL (no memory). */
struct mgmt_http_parser *mgmt_http_parser_new(void);

void mgmt_http_parser_free(struct mgmt_http_parser *p);

enum mgmt_http_feed {
	MGMT_HTTP_MORE = 0, /**< all of the bytes taken, no request complete yet */
	MGMT_HTTP_REQUEST = 1, /**< *req is set; feed the rest of the bytes next */
	MGMT_HTTP_DONE = -1, /**< the last request was returned: the parser takes no more */
};

/**
 * Feed bytes of the connection, in order; stops after one request. How the
 * bytes are split between calls does not change what is returned.
 * @param used bytes taken (all with MGMT_HTTP_MORE, 0 with MGMT_HTTP_DONE).
 * @param req on MGMT_HTTP_REQUEST; its strings stay valid until the next
 *	call or mgmt_http_parser_free().
 */
enum mgmt_http_feed mgmt_http_parser_feed(struct mgmt_http_parser *p, const char *buf, size_t len,
					  size_t *used, struct mgmt_http_request *req);

#endif
