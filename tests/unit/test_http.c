/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /metrics HTTP server on a libev loop of its own, with plain blocking
 * client sockets on 127.0.0.1; the test steps the loop (EVRUN_NOWAIT)
 * while it waits for answers. Then the parser alone: limits to the byte,
 * and the same requests however the input is split.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "mgmt/http.h"

#define METRICS "# TYPE up gauge\nup 1\n"
#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define BIG_LEN (3u << 20) /* more than a socket takes at once */
#define WAIT_S 5.0

struct fixture {
	struct ev_loop *loop;
	struct mgmt_http *h;
	uint16_t port;
	char method[16], path[256]; /* the handler's last call */
	unsigned calls;
};

static int handler(void *ctx, const char *method, const char *path, struct mgmt_buf *body,
		   const char **content_type)
{
	struct fixture *f = ctx;

	f->calls++;
	snprintf(f->method, sizeof(f->method), "%s", method);
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (strcmp(path, "/metrics") == 0) {
		*content_type = PROM_TYPE;
		mgmt_buf_printf(body, METRICS);
		return 200;
	}
	if (strcmp(path, "/big") == 0) {
		for (unsigned i = 0; i < BIG_LEN / 16; i++)
			mgmt_buf_printf(body, "%015u\n", i);
		return 200;
	}
	if (strcmp(path, "/weird") == 0)
		return 42;
	mgmt_buf_printf(body, "not found\n");
	return 404;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[512] = "";

	assert_non_null(f);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(f->loop);
	f->h = mgmt_http_start(f->loop, "127.0.0.1:0", handler, f, err);
	if (f->h == NULL)
		fail_msg("start: %s", err);
	f->port = mgmt_http_port(f->h);
	assert_int_not_equal(f->port, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mgmt_http_stop(f->h);
	ev_loop_destroy(f->loop);
	free(f);
	return 0;
}

/* ---- a client ---- */

struct conn {
	int fd;
	char *buf;
	size_t len, cap;
	bool eof; /* EOF or reset seen */
};

static struct conn *conn_open(struct fixture *f)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(f->port) };

	assert_non_null(c);
	c->cap = 65536;
	c->buf = malloc(c->cap + 1);
	assert_non_null(c->buf);
	c->buf[0] = '\0';
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	/* Completes from the backlog; the server accepts when the loop runs. */
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return c;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One turn of the server's loop, then whatever the client can read. */
static void step(struct fixture *f, struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;

	ev_run(f->loop, EVRUN_NOWAIT);
	if (c->eof || poll(&pfd, 1, 1) <= 0)
		return;
	if (c->cap - c->len < 65536) {
		c->cap *= 2;
		c->buf = realloc(c->buf, c->cap + 1);
		assert_non_null(c->buf);
	}
	n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
	if (n > 0)
		c->len += (size_t)n;
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		c->eof = true;
	c->buf[c->len] = '\0';
}

static void send_str(struct conn *c, const char *s, size_t n)
{
	assert_int_equal(send(c->fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

#define SEND(c, s) send_str(c, s, strlen(s))

struct resp {
	int status;
	char head[1024];
	size_t content_length;
	const char *body; /* into conn's buffer, until the next response is taken */
	bool close;
};

/* Waits for one whole response (HEAD: no body) and takes it off the front. */
static void get_resp(struct fixture *f, struct conn *c, bool head_only, struct resp *r)
{
	double end = now() + WAIT_S;
	char *eoh, *cl;
	size_t hlen, total;
	static char body[BIG_LEN + 1];

	memset(r, 0, sizeof(*r));
	while ((eoh = strstr(c->buf, "\r\n\r\n")) == NULL) {
		if (c->eof || now() > end)
			fail_msg("no response head (%zu bytes: '%.200s', calls %u)", c->len, c->buf,
				 f->calls);
		step(f, c);
	}
	hlen = (size_t)(eoh - c->buf) + 4;
	assert_true(hlen < sizeof(r->head));
	memcpy(r->head, c->buf, hlen);
	r->head[hlen] = '\0';
	assert_int_equal(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1);
	cl = strstr(r->head, "\r\nContent-Length: ");
	if (cl != NULL)
		r->content_length = strtoul(cl + 18, NULL, 10);
	r->close = strstr(r->head, "\r\nConnection: close\r\n") != NULL;
	if (!r->close)
		assert_non_null(strstr(r->head, "\r\nConnection: keep-alive\r\n"));
	total = hlen + (head_only ? 0 : r->content_length);
	while (c->len < total) {
		if (c->eof || now() > end)
			fail_msg("short body: %zu of %zu", c->len - hlen, total - hlen);
		step(f, c);
	}
	assert_true(total - hlen <= BIG_LEN);
	memcpy(body, c->buf + hlen, total - hlen);
	body[total - hlen] = '\0';
	r->body = body;
	memmove(c->buf, c->buf + total, c->len - total);
	c->len -= total;
	c->buf[c->len] = '\0';
}

/* The server closes: EOF (or a reset) with nothing more sent. */
static void wait_eof(struct fixture *f, struct conn *c)
{
	double end = now() + WAIT_S;

	while (!c->eof) {
		if (now() > end)
			fail_msg("the server did not close");
		step(f, c);
	}
	assert_int_equal(c->len, 0);
}

/* Steps the loop for a while with nothing expected (no answer, no close). */
static void idle(struct fixture *f, struct conn *c, unsigned turns)
{
	for (unsigned i = 0; i < turns; i++)
		step(f, c);
}

/* ---- the server ---- */

static void test_get(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	SEND(c, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, METRICS);
	assert_int_equal(r.content_length, strlen(METRICS));
	assert_non_null(strstr(r.head, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(r.head, "\r\nContent-Type: " PROM_TYPE "\r\n"));
	assert_false(r.close);
	assert_string_equal(f->method, "GET");

	/* Still open; the query string is not the handler's. */
	SEND(c, "GET /metrics?name[]=up&x=%20#frag HTTP/1.1\r\nHost: x\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(f->path, "/metrics");
	assert_int_equal(mgmt_http_stats(f->h)->requests, 2);
	assert_int_equal(mgmt_http_stats(f->h)->bad_requests, 0);
	conn_close(c);
}

static void test_head(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	SEND(c, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	get_resp(f, c, true, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.content_length, strlen(METRICS));
	assert_string_equal(f->method, "HEAD");
	idle(f, c, 20);
	assert_int_equal(c->len, 0); /* no body came after the head */
	SEND(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_string_equal(r.body, METRICS);
	conn_close(c);
}

static void test_not_found(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	SEND(c, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.head, "HTTP/1.1 404 Not Found\r\n"));
	assert_non_null(strstr(r.head, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_string_equal(r.body, "not found\n");
	assert_false(r.close);

	/* A status a handler may not return. */
	SEND(c, "GET /weird HTTP/1.1\r\nHost: x\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 500);
	assert_int_equal(r.content_length, 0);
	conn_close(c);
}

/* Three requests in one write, answered in order; the last asks to close. */
static void test_pipelined(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	SEND(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
		"HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
		"GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, METRICS);
	assert_false(r.close);
	get_resp(f, c, true, &r);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.content_length, strlen("not found\n"));
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_true(r.close);
	wait_eof(f, c);
	assert_int_equal(f->calls, 3);
	conn_close(c);
}

/* HTTP/1.0 closes unless asked to keep the connection. */
static void test_http10(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	SEND(c, "GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_false(r.close);
	SEND(c, "GET /metrics HTTP/1.0\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_true(r.close);
	wait_eof(f, c);
	conn_close(c);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = {
		"GARBAGE / HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/9x\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n",
		"GET /a b c\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* TLS */
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET http://[::1 HTTP/1.1\r\n\r\n",
		"GET /a\tb HTTP/1.1\r\n\r\n", /* libhttp-parser takes it, the server does not */
		"OPTIONS *\tHTTP/1.1\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct conn *c = conn_open(f);
		struct resp r;

		SEND(c, bad[i]);
		get_resp(f, c, false, &r);
		if (r.status != 400)
			fail_msg("request %zu: %d", i, r.status);
		assert_true(r.close);
		assert_string_equal(r.body, "Bad Request\n");
		wait_eof(f, c);
		conn_close(c);
	}
	assert_int_equal(mgmt_http_stats(f->h)->bad_requests, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(f->calls, 0);
}

/* A request after a good one on the same connection. */
static void test_malformed_second(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	SEND(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost x\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 400);
	wait_eof(f, c);
	conn_close(c);
}

/* 431 and close, also with more of the head still unread by the server. */
static void test_head_too_long(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	size_t n = 3 * MGMT_HTTP_HEAD_MAX;
	char *req = malloc(n + 1);
	struct resp r;

	assert_non_null(req);
	memset(req, 'a', n);
	memcpy(req, "GET /metrics HTTP/1.1\r\nX-Long: ", 31);
	memcpy(req + n - 4, "\r\n\r\n", 4);
	req[n] = '\0';
	send_str(c, req, n);
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 431);
	assert_true(r.close);
	wait_eof(f, c);
	conn_close(c);

	/* A URL alone too long. */
	c = conn_open(f);
	memcpy(req, "GET /", 5);
	send_str(c, req, MGMT_HTTP_HEAD_MAX + 10);
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 431);
	wait_eof(f, c);
	conn_close(c);
	free(req);
	assert_int_equal(f->calls, 0);
}

static void test_bodies(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	/* A small body is read and dropped, with either framing. */
	SEND(c, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(f->method, "POST");
	SEND(c, "POST /y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
		"GET /metrics HTTP/1.1\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 404);
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, METRICS);
	assert_string_equal(f->path, "/metrics");

	/* Refused from its length alone. */
	SEND(c, "POST /x HTTP/1.1\r\nContent-Length: 65537\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 413);
	assert_true(r.close);
	wait_eof(f, c);
	conn_close(c);
	assert_int_equal(f->calls, 3);

	/* The server's own answer to a HEAD has a length but no body either. */
	c = conn_open(f);
	SEND(c, "HEAD /x HTTP/1.1\r\nContent-Length: 65537\r\n\r\n");
	get_resp(f, c, true, &r);
	assert_int_equal(r.status, 413);
	assert_true(r.content_length > 0);
	wait_eof(f, c); /* and nothing after the head */
	conn_close(c);
}

/* A response far larger than the socket buffer goes out through the write
 * watcher, and the next request on the connection waits for it. */
static void test_big(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f);
	struct resp r;

	SEND(c, "GET /big HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.content_length, BIG_LEN);
	assert_int_equal(strlen(r.body), BIG_LEN);
	assert_memory_equal(r.body, "000000000000000\n000000000000001\n", 32);
	assert_string_equal(r.body + BIG_LEN - 16, "000000000196607\n");
	get_resp(f, c, false, &r);
	assert_string_equal(r.body, METRICS);
	conn_close(c);
}

/* The 65th client is closed at once; a place freed is taken again. */
static void test_max_clients(void **state)
{
	struct fixture *f = *state;
	struct conn *c[MGMT_HTTP_CLIENTS_MAX + 1];
	struct resp r;

	for (unsigned i = 0; i < MGMT_HTTP_CLIENTS_MAX; i++) {
		c[i] = conn_open(f);
		step(f, c[i]);
	}
	idle(f, c[0], 10);
	c[MGMT_HTTP_CLIENTS_MAX] = conn_open(f);
	wait_eof(f, c[MGMT_HTTP_CLIENTS_MAX]);
	assert_int_equal(mgmt_http_stats(f->h)->clients_refused, 1);
	conn_close(c[MGMT_HTTP_CLIENTS_MAX]);

	SEND(c[MGMT_HTTP_CLIENTS_MAX - 1], "GET /metrics HTTP/1.1\r\n\r\n");
	get_resp(f, c[MGMT_HTTP_CLIENTS_MAX - 1], false, &r);
	assert_int_equal(r.status, 200);

	conn_close(c[0]);
	idle(f, c[1], 10);
	c[0] = conn_open(f);
	SEND(c[0], "GET /metrics HTTP/1.1\r\n\r\n");
	get_resp(f, c[0], false, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(mgmt_http_stats(f->h)->clients_refused, 1);
	for (unsigned i = 0; i < MGMT_HTTP_CLIENTS_MAX; i++)
		conn_close(c[i]);
}

/* Steps the loop for @p s seconds, sending @p trickle (if not NULL) one
 * byte each @p every seconds: the client a slowloris attack opens. */
static void pump(struct fixture *f, struct conn *c, double s, const char *trickle, double every)
{
	double end = now() + s, next = now();

	while (now() < end && !c->eof) {
		if (trickle != NULL && *trickle != '\0' && now() >= next) {
			send_str(c, trickle++, 1);
			next = now() + every;
		}
		step(f, c);
	}
}

/* A request must come whole within request_s of its first byte, however
 * steadily its bytes come: 408, then close. Silence between requests is
 * only the idle timeout's business. */
static void test_request_deadline(void **state)
{
	struct fixture *f = *state;
	struct resp r;

	mgmt_http_set_timeouts(f->h, 5.0, 0.3);
	struct conn *c = conn_open(f);
	/* A byte every 20 ms never lets the 5 s idle timer fire. */
	double t0 = now();
	pump(f, c, WAIT_S, "GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     0.02);
	assert_true(c->eof || strstr(c->buf, "\r\n\r\n") != NULL);
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 408);
	assert_true(r.close);
	assert_true(now() - t0 >= 0.3);
	wait_eof(f, c);
	assert_int_equal(f->calls, 0);
	assert_int_equal(mgmt_http_stats(f->h)->timed_out, 1);
	conn_close(c);

	/* Answered, then silent longer than request_s, then a request:
	 * answered too. Then one whole and the start of the next in one
	 * write: the second's time runs from there. */
	c = conn_open(f);
	SEND(c, "GET /metrics HTTP/1.1\r\n\r\n");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	pump(f, c, 0.5, NULL, 0);
	SEND(c, "GET /metrics HTTP/1.1\r\n\r\nGET /metr");
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(f->calls, 2);
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 408);
	wait_eof(f, c);
	assert_int_equal(mgmt_http_stats(f->h)->timed_out, 2);
	conn_close(c);
}

/* A client that says nothing is closed after idle_s, with nothing sent. */
static void test_idle_close(void **state)
{
	struct fixture *f = *state;

	mgmt_http_set_timeouts(f->h, 0.3, 5.0);
	struct conn *c = conn_open(f);
	double t0 = now();
	wait_eof(f, c);
	assert_true(now() - t0 >= 0.3);
	assert_int_equal(mgmt_http_stats(f->h)->timed_out, 0);
	conn_close(c);
}

/* A client that sends its request and shuts down its side still gets the
 * answer; stopping the server with clients connected frees them (ASan). */
static void test_half_close_and_stop(void **state)
{
	struct fixture *f = *state;
	struct conn *c = conn_open(f), *d = conn_open(f);
	struct resp r;

	SEND(c, "GET /metrics HTTP/1.1\r\n\r\n");
	shutdown(c->fd, SHUT_WR);
	get_resp(f, c, false, &r);
	assert_int_equal(r.status, 200);
	wait_eof(f, c);
	SEND(d, "GET /metr");
	idle(f, d, 10);
	conn_close(c);
	mgmt_http_stop(f->h);
	f->h = NULL;
	wait_eof(f, d);
	conn_close(d);
}

static void test_listen_errors(void **state)
{
	struct fixture *f = *state;
	char err[512], want[512], addr[64];
	struct mgmt_http *h;
	const char *bad[][2] = {
		{ "nonsense", "metrics.listen nonsense: expected ADDR:PORT" },
		{ "127.0.0.1", "metrics.listen 127.0.0.1: expected ADDR:PORT" },
		{ "127.0.0.1:", "metrics.listen 127.0.0.1:: expected a port after ':'" },
		{ "127.0.0.1:65536",
		  "metrics.listen 127.0.0.1:65536: the port is not a number 0..65535" },
		{ "127.0.0.1:80x",
		  "metrics.listen 127.0.0.1:80x: the port is not a number 0..65535" },
		{ "localhost:80", "metrics.listen localhost:80: not an IPv4 address" },
		{ ":80", "metrics.listen :80: not an IP address" },
		{ "::1:80",
		  "metrics.listen ::1:80: an IPv6 address goes in brackets: [ADDR]:PORT" },
		{ "[::1]", "metrics.listen [::1]: expected [IPV6]:PORT" },
		{ "[127.0.0.1]:80", "metrics.listen [127.0.0.1]:80: not an IPv6 address" },
		{ "192.0.2.1:9477",
		  "metrics.listen 192.0.2.1:9477: Cannot assign requested address" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		h = mgmt_http_start(f->loop, bad[i][0], handler, f, err);
		assert_null(h);
		assert_string_equal(err, bad[i][1]);
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", f->port);
	snprintf(want, sizeof(want), "metrics.listen %s: Address already in use", addr);
	assert_null(mgmt_http_start(f->loop, addr, handler, f, err));
	assert_string_equal(err, want);

	/* IPv6, where the host has it. */
	h = mgmt_http_start(f->loop, "[::1]:0", handler, f, err);
	if (h == NULL) {
		print_message("no IPv6 loopback: %s\n", err);
		return;
	}
	assert_int_not_equal(mgmt_http_port(h), 0);
	mgmt_http_stop(h);
}

/* ---- the parser alone ---- */

struct seen {
	unsigned n;
	int status[8];
	char path[8][64];
	bool keep[8];
	size_t used; /* bytes taken in all */
};

/* Feeds @p s in pieces of @p piece bytes (0: all at once). */
static void parse(const char *s, size_t len, size_t piece, struct seen *out)
{
	struct mgmt_http_parser *p = mgmt_http_parser_new();
	size_t off = 0;

	assert_non_null(p);
	memset(out, 0, sizeof(*out));
	while (off < len) {
		size_t n = piece == 0 || piece > len - off ? len - off : piece, used;
		struct mgmt_http_request req;
		enum mgmt_http_feed r = mgmt_http_parser_feed(p, s + off, n, &used, &req);

		assert_true(used <= n);
		off += used;
		out->used += used;
		if (r == MGMT_HTTP_DONE)
			break;
		if (r == MGMT_HTTP_MORE) {
			assert_int_equal(used, n);
			continue;
		}
		assert_true(out->n < 8);
		out->status[out->n] = req.status;
		snprintf(out->path[out->n], sizeof(out->path[0]), "%s", req.path);
		assert_int_equal(strlen(req.path), req.path_len);
		out->keep[out->n] = req.keep_alive;
		out->n++;
	}
	mgmt_http_parser_free(p);
}

static void same_any_split(const char *s, size_t len, struct seen *whole)
{
	parse(s, len, 0, whole);
	for (size_t piece = 1; piece < 40; piece += 3) {
		struct seen split;

		parse(s, len, piece, &split);
		assert_int_equal(split.n, whole->n);
		assert_int_equal(split.used, whole->used);
		for (unsigned i = 0; i < whole->n; i++) {
			assert_int_equal(split.status[i], whole->status[i]);
			assert_string_equal(split.path[i], whole->path[i]);
			assert_int_equal(split.keep[i], whole->keep[i]);
		}
	}
}

/* A head of exactly 8 KiB is taken, one byte more is 431. */
static void test_parser_head_limit(void **state)
{
	char *req = malloc(MGMT_HTTP_HEAD_MAX + 64);
	struct seen s;

	(void)state;
	assert_non_null(req);
	for (size_t len = MGMT_HTTP_HEAD_MAX - 1; len <= MGMT_HTTP_HEAD_MAX + 2; len++) {
		memset(req, 'a', len);
		memcpy(req, "GET /m HTTP/1.1\r\nX: ", 20);
		memcpy(req + len - 4, "\r\n\r\n", 4);
		parse(req, len, 0, &s);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.status[0], len <= MGMT_HTTP_HEAD_MAX ? 0 : 431);
		/* Leading empty lines count too. */
		memset(req, '\n', len);
		memcpy(req + len - 20, "GET /m HTTP/1.1\r\n\r\n", 19);
		parse(req, len - 1, 7, &s);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.status[0], len - 1 <= MGMT_HTTP_HEAD_MAX ? 0 : 431);
	}
	free(req);
}

/* A body of exactly 64 KiB is taken, by length or chunked. */
static void test_parser_body_limit(void **state)
{
	char *req = malloc(2 * MGMT_HTTP_BODY_MAX);
	struct seen s;
	int n;

	(void)state;
	assert_non_null(req);
	for (unsigned body = MGMT_HTTP_BODY_MAX - 1; body <= MGMT_HTTP_BODY_MAX + 1; body++) {
		n = snprintf(req, 128, "PUT /b HTTP/1.1\r\nContent-Length: %u\r\n\r\n", body);
		memset(req + n, 'b', body);
		memcpy(req + n + body, "GET /m HTTP/1.1\r\n\r\n", 19);
		same_any_split(req, (size_t)n + body + 19, &s);
		if (body <= MGMT_HTTP_BODY_MAX) {
			assert_int_equal(s.n, 2);
			assert_int_equal(s.status[0], 0);
			assert_string_equal(s.path[1], "/m");
		} else {
			assert_int_equal(s.n, 1);
			assert_int_equal(s.status[0], 413);
		}
	}
	/* Chunked, 64 KiB as sent: "fff3\r\n", 65523 bytes, "\r\n0\r\n\r\n"; then a byte more. */
	for (unsigned extra = 0; extra <= 1; extra++) {
		unsigned data = MGMT_HTTP_BODY_MAX - 6 - 2 - 5 + extra;

		n = snprintf(req, 128,
			     "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n", data);
		memset(req + n, 'c', data);
		memcpy(req + n + data, "\r\n0\r\n\r\n", 7);
		same_any_split(req, (size_t)n + data + 7, &s);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.status[0], extra ? 413 : 0);
	}
	free(req);
}

static void test_parser_requests(void **state)
{
	const char in[] = "\r\nGET /a?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
			  "OPTIONS * HTTP/1.1\r\n\r\n"
			  "GET http://example.com HTTP/1.1\r\n\r\n"
			  "GET http://example.com/b/c?d HTTP/1.1\r\nConnection: close\r\n\r\n"
			  "GET /never HTTP/1.1\r\n\r\n";
	const char upgrade[] =
		"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
		"\x81\x05hello";
	const char connect[] = "CONNECT example.com:443 HTTP/1.1\r\n\r\n";
	struct seen s;

	(void)state;
	same_any_split(in, sizeof(in) - 1, &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.path[0], "/a");
	assert_string_equal(s.path[1], "*");
	assert_string_equal(s.path[2], "/");
	assert_string_equal(s.path[3], "/b/c");
	assert_true(s.keep[0] && s.keep[1] && s.keep[2]);
	assert_false(s.keep[3]);
	assert_int_equal(s.used, sizeof(in) - 1 - strlen("GET /never HTTP/1.1\r\n\r\n"));

	same_any_split(upgrade, sizeof(upgrade) - 1, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.status[0], 0);
	assert_false(s.keep[0]);

	same_any_split(connect, sizeof(connect) - 1, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.status[0], 405);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http10, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_second, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bodies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close_and_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_errors, setup, teardown),
		cmocka_unit_test(test_parser_head_limit),
		cmocka_unit_test(test_parser_body_limit),
		cmocka_unit_test(test_parser_requests),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
