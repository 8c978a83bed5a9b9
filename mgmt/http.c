/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /metrics HTTP server: one libhttp-parser per connection (paused after
 * each head and each request, so that limits are exact and pipelined
 * requests are answered one at a time, in order), libev watchers, and
 * non-blocking sockets with an output buffer each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <http_parser.h>

#include "mgmt/config.h"
#include "mgmt/http.h"

#define IN_CAP 16384 /* unparsed input kept per client */
#define OUT_HIGH (256 * 1024) /* unsent bytes above which pipelined requests wait */
#define LINGER_S 2.0 /* after the last response, drain the client's input this long */
#define ACCEPT_RETRY_S 1.0 /* out of descriptors: try accepting again after this */
#define ACCEPT_BURST 64 /* accepts per wake-up, so that a flood cannot starve the loop */
#define BACKLOG 16
#define DEFAULT_TYPE "text/plain; charset=utf-8"

/* ---- the parser ---- */

struct mgmt_http_parser {
	http_parser hp;
	size_t head, body; /* bytes of the current request taken in each part */
	bool in_body; /* its head is complete */
	bool complete; /* returned; the next feed starts the next request */
	bool done; /* takes no more */
	bool keep_alive;
	int status; /* a callback's refusal */
	const char *path;
	size_t path_len;
	size_t url_len;
	char url[MGMT_HTTP_HEAD_MAX + 1];
};

static int on_url(http_parser *hp, const char *at, size_t len)
{
	struct mgmt_http_parser *p = hp->data;

	/* Cannot happen while the head is bounded; kept so that url[] never
	 * overflows whatever the parser does. */
	if (len > MGMT_HTTP_HEAD_MAX - p->url_len) {
		p->status = 431;
		return -1;
	}
	memcpy(p->url + p->url_len, at, len);
	p->url_len += len;
	return 0;
}

static int on_headers_complete(http_parser *hp)
{
	struct mgmt_http_parser *p = hp->data;
	struct http_parser_url u;

	p->in_body = true;
	/* After an upgrade the bytes that follow are not HTTP: answer, close. */
	p->keep_alive = http_should_keep_alive(hp) && !hp->upgrade;
	if (hp->method == HTTP_CONNECT) {
		p->status = 405;
		return -1;
	}
	if ((hp->flags & F_CONTENTLENGTH) && hp->content_length > MGMT_HTTP_BODY_MAX) {
		p->status = 413;
		return -1;
	}
	http_parser_url_init(&u);
	if (http_parser_parse_url(p->url, p->url_len, 0, &u) != 0) {
		p->status = 400;
		return -1;
	}
	if (u.field_set & (1 << UF_PATH)) {
		char *path = p->url + u.field_data[UF_PATH].off;

		p->path_len = u.field_data[UF_PATH].len;
		/* libhttp-parser 2.9 takes a TAB or FF inside the URL ("GET /a\tb"),
		 * and then "OPTIONS *\tHTTP/1.1" as an HTTP/0.9 request for
		 * "*\tHTTP/1.1"; no control byte reaches the handler. */
		for (size_t i = 0; i < p->path_len; i++) {
			if ((unsigned char)path[i] <= ' ' || path[i] == 0x7f) {
				p->status = 400;
				return -1;
			}
		}
		path[p->path_len] = '\0';
		p->path = path;
	} else {
		/* "http://host" in absolute form: the path is empty, i.e. "/". */
		p->path = "/";
		p->path_len = 1;
	}
	http_parser_pause(hp, 1);
	return 0;
}

static int on_message_complete(http_parser *hp)
{
	struct mgmt_http_parser *p = hp->data;

	p->complete = true;
	http_parser_pause(hp, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_url = on_url,
	.on_headers_complete = on_headers_complete,
	.on_message_complete = on_message_complete,
};

struct mgmt_http_parser *mgmt_http_parser_new(void)
{
	struct mgmt_http_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	http_parser_init(&p->hp, HTTP_REQUEST);
	p->hp.data = p;
	return p;
}

void mgmt_http_parser_free(struct mgmt_http_parser *p)
{
	free(p);
}

static void next_request(struct mgmt_http_parser *p)
{
	p->head = p->body = 0;
	p->in_body = p->complete = false;
	p->status = 0;
	p->path = NULL;
	p->path_len = p->url_len = 0;
	http_parser_pause(&p->hp, 0);
}

/* @known: the method is known, and the same however the input was split
 * (a HEAD's answer then goes without a body). */
static enum mgmt_http_feed refuse(struct mgmt_http_parser *p, int status, bool known,
				  struct mgmt_http_request *req)
{
	const char *method = known ? http_method_str((enum http_method)p->hp.method) : "";

	*req = (struct mgmt_http_request){ .status = status, .method = method, .path = "" };
	p->done = true;
	return MGMT_HTTP_REQUEST;
}

enum mgmt_http_feed mgmt_http_parser_feed(struct mgmt_http_parser *p, const char *buf, size_t len,
					  size_t *used, struct mgmt_http_request *req)
{
	*used = 0;
	if (p->done)
		return MGMT_HTTP_DONE;
	if (p->complete)
		next_request(p);
	while (*used < len) {
		bool was_body = p->in_body;
		size_t room, n;
		enum http_errno e;

		/*
		 * Never hand the parser more than one byte past a limit, so
		 * that the limit is found at the same byte however the input
		 * is split. Pausing at the end of the head leaves its last LF
		 * to be read again by the body part: the head counts it
		 * (+ in_body below), the body's limit allows for it (+ 1).
		 */
		if (was_body)
			room = MGMT_HTTP_BODY_MAX + 2 - p->body;
		else
			room = MGMT_HTTP_HEAD_MAX + 1 - p->head;
		if (room > len - *used)
			room = len - *used;
		n = http_parser_execute(&p->hp, &settings, buf + *used, room);
		*used += n;
		if (was_body)
			p->body += n;
		else
			p->head += n;
		/* After a run without error the parser has passed on the URL
		 * so far; after an error, not necessarily: there only a
		 * complete head tells the method. */
		e = HTTP_PARSER_ERRNO(&p->hp);
		bool clean = e == HPE_OK || e == HPE_PAUSED;
		if (!was_body && p->head + p->in_body > MGMT_HTTP_HEAD_MAX)
			return refuse(p, 431, p->in_body || (clean && p->url_len > 0), req);
		if (was_body && p->body > MGMT_HTTP_BODY_MAX + 1)
			return refuse(p, 413, true, req);
		if (!clean)
			return refuse(p, p->status != 0 ? p->status : 400, p->in_body, req);
		if (p->complete) {
			*req = (struct mgmt_http_request){
				.method = http_method_str((enum http_method)p->hp.method),
				.path = p->path,
				.path_len = p->path_len,
				.keep_alive = p->keep_alive,
			};
			p->done = !p->keep_alive;
			return MGMT_HTTP_REQUEST;
		}
		if (e == HPE_PAUSED)
			http_parser_pause(&p->hp, 0); /* the head is complete: on to the body */
	}
	return MGMT_HTTP_MORE;
}

/* ---- the server ---- */

enum client_state {
	C_OPEN,
	C_CLOSING, /* the last response is queued: close once it is sent */
	C_LINGER, /* sent and shut down for writing: drain, then close */
};

struct client {
	struct mgmt_http *h;
	struct client *prev, *next;
	int fd;
	enum client_state state;
	bool eof; /* the client has shut down its side */
	ev_io rio, wio;
	ev_timer timer; /* idle, then linger */
	ev_timer deadline; /* from a request's first byte to its last */
	struct mgmt_http_parser *parser;
	struct mgmt_buf out;
	size_t out_off; /* sent of out */
	size_t in_off, in_len;
	char in[IN_CAP];
};

struct mgmt_http {
	struct ev_loop *loop;
	int fd;
	uint16_t port;
	ev_io lio;
	ev_timer retry;
	double idle_s, request_s;
	mgmt_http_handler fn;
	void *ctx;
	struct client *clients;
	unsigned nclients;
	struct mgmt_buf body; /* the handler's, reused */
	struct mgmt_http_stats stats;
};

static void client_close(struct client *c)
{
	struct mgmt_http *h = c->h;

	ev_io_stop(h->loop, &c->rio);
	ev_io_stop(h->loop, &c->wio);
	ev_timer_stop(h->loop, &c->timer);
	ev_timer_stop(h->loop, &c->deadline);
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->nclients--;
	mgmt_http_parser_free(c->parser);
	mgmt_buf_free(&c->out);
	free(c);
}

static const char *reason(int status)
{
	const char *s = http_status_str((enum http_status)status);

	return strcmp(s, "<unknown>") == 0 ? "Unknown" : s;
}

/* Queues the answer to @p req. @return -1 if out of memory. */
static int respond(struct client *c, const struct mgmt_http_request *req)
{
	struct mgmt_http *h = c->h;
	const char *type = NULL;
	bool keep = req->keep_alive;
	/* A HEAD's answer has the GET's headers and no body, whoever answers. */
	bool with_body = strcmp(req->method, "HEAD") != 0;
	int status;

	mgmt_buf_reset(&h->body);
	if (req->status != 0) {
		h->stats.bad_requests++;
		status = req->status;
		mgmt_buf_printf(&h->body, "%s\n", reason(status));
	} else {
		h->stats.requests++;
		status = h->fn(h->ctx, req->method, req->path, &h->body, &type);
		if (status < 200 || status > 599 || h->body.failed) {
			status = 500;
			type = NULL;
			mgmt_buf_reset(&h->body);
		}
	}
	mgmt_buf_printf(&c->out, "HTTP/1.1 %d %s\r\n", status, reason(status));
	if (status == 204 || status == 304) {
		with_body = false; /* neither has a body, nor a length for one */
	} else {
		mgmt_buf_printf(&c->out, "Content-Type: %s\r\nContent-Length: %zu\r\n",
				type != NULL ? type : DEFAULT_TYPE, h->body.len);
	}
	mgmt_buf_printf(&c->out, "Connection: %s\r\n\r\n", keep ? "keep-alive" : "close");
	if (with_body)
		mgmt_buf_add(&c->out, h->body.p, h->body.len);
	if (!keep)
		c->state = C_CLOSING;
	return c->out.failed ? -1 : 0;
}

static void deadline_start(struct client *c)
{
	ev_timer_set(&c->deadline, c->h->request_s, 0.);
	ev_timer_start(c->h->loop, &c->deadline);
}

/* Answers what is buffered, sends what the socket takes, and sets the
 * watchers for what comes next. @return false if the client was closed. */
static bool client_step(struct client *c)
{
	struct ev_loop *loop = c->h->loop;

again:
	while (c->state == C_OPEN && c->in_off < c->in_len && c->out.len - c->out_off < OUT_HIGH) {
		struct mgmt_http_request req;
		size_t used;
		enum mgmt_http_feed r = mgmt_http_parser_feed(c->parser, c->in + c->in_off,
							      c->in_len - c->in_off, &used, &req);

		c->in_off += used;
		if (r == MGMT_HTTP_MORE)
			continue;
		ev_timer_stop(loop, &c->deadline); /* the request is whole */
		if (r == MGMT_HTTP_DONE)
			c->state = C_CLOSING; /* respond() has done so already */
		if (r == MGMT_HTTP_REQUEST && respond(c, &req) != 0) {
			client_close(c);
			return false;
		}
		if (c->state == C_OPEN && c->in_off < c->in_len)
			deadline_start(c); /* what follows it (pipelined) starts the next */
	}
	if (c->in_off == c->in_len) {
		c->in_off = c->in_len = 0;
	} else if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}

	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
			if (c->state != C_LINGER)
				ev_timer_again(loop, &c->timer);
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		} else {
			client_close(c);
			return false;
		}
	}
	if (c->out_off == c->out.len) {
		/* A big scrape's buffer is not kept by an idle connection. */
		if (c->out.cap > 64 * 1024)
			mgmt_buf_free(&c->out);
		else
			mgmt_buf_reset(&c->out);
		c->out_off = 0;
		/* Pipelined requests that waited for the output to drain. */
		if (c->state == C_OPEN && c->in_len > 0)
			goto again;
		if ((c->state == C_CLOSING || c->state == C_OPEN) && c->eof) {
			client_close(c);
			return false;
		}
		if (c->state == C_CLOSING) {
			/* Closing with unread input would send a RST that may
			 * destroy the response before the client reads it. */
			shutdown(c->fd, SHUT_WR);
			c->state = C_LINGER;
			ev_timer_stop(loop, &c->timer);
			ev_timer_set(&c->timer, LINGER_S, 0.);
			ev_timer_start(loop, &c->timer);
		}
	}

	if (c->out_off < c->out.len)
		ev_io_start(loop, &c->wio);
	else
		ev_io_stop(loop, &c->wio);
	if (c->state == C_LINGER || (c->state == C_OPEN && !c->eof && c->in_len < IN_CAP))
		ev_io_start(loop, &c->rio);
	else
		ev_io_stop(loop, &c->rio);
	return true;
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	ssize_t n;

	(void)revents;
	if (c->state == C_LINGER) {
		char sink[4096];
		int reads = 0;

		/* Bounded, so that a client sending fast cannot hold the loop;
		 * the linger timer ends it anyway. */
		do {
			n = recv(c->fd, sink, sizeof(sink), 0);
		} while ((n > 0 && ++reads < 16) || (n < 0 && errno == EINTR));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			client_close(c);
		return;
	}
	if (c->in_len == IN_CAP)
		return; /* not watched then; a read of 0 bytes would look like EOF */
	n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		client_close(c);
		return;
	}
	if (n == 0) {
		c->eof = true;
	} else {
		ev_timer_again(loop, &c->timer);
		if (!ev_is_active(&c->deadline) && c->state == C_OPEN)
			deadline_start(c); /* the first byte of a request */
	}
	c->in_len += (size_t)n;
	client_step(c);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_step(w->data);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	client_close(w->data);
}

/* A request still incomplete request_s after its first byte: a client
 * trickling bytes would otherwise hold its slot for ever, each byte
 * putting the idle timer off again. Answered 408, then closed. */
static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;
	const struct mgmt_http_request req = { .status = 408, .method = "", .path = "" };

	(void)loop;
	(void)revents;
	if (c->state != C_OPEN)
		return;
	c->h->stats.timed_out++;
	if (respond(c, &req) != 0) {
		client_close(c);
		return;
	}
	client_step(c);
}

static void client_new(struct mgmt_http *h, int fd)
{
	struct client *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->parser = mgmt_http_parser_new()) == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->h = h;
	c->fd = fd;
	ev_io_init(&c->rio, on_read, fd, EV_READ);
	ev_io_init(&c->wio, on_write, fd, EV_WRITE);
	ev_init(&c->timer, on_timer);
	c->timer.repeat = h->idle_s;
	ev_init(&c->deadline, on_deadline);
	c->rio.data = c->wio.data = c->timer.data = c->deadline.data = c;
	c->next = h->clients;
	if (h->clients != NULL)
		h->clients->prev = c;
	h->clients = c;
	h->nclients++;
	ev_io_start(h->loop, &c->rio);
	ev_timer_again(h->loop, &c->timer);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mgmt_http *h = w->data;

	(void)revents;
	for (int i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* Out of descriptors or memory: the listener would stay
			 * readable and spin the loop; wait a little instead. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				ev_io_stop(loop, &h->lio);
				ev_timer_start(loop, &h->retry);
			}
			return;
		}
		if (h->nclients >= MGMT_HTTP_CLIENTS_MAX) {
			h->stats.clients_refused++;
			close(fd);
			continue;
		}
		client_new(h, fd);
	}
}

static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mgmt_http *h = w->data;

	(void)revents;
	ev_io_start(loop, &h->lio);
}

/* "a.b.c.d:port" or "[v6]:port" into @p sa. @return NULL, or what is wrong. */
static const char *parse_listen(const char *s, struct sockaddr_storage *sa, socklen_t *salen)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	unsigned long port;

	if (*s == '[') {
		const char *close_br = strchr(s, ']');

		if (close_br == NULL || close_br[1] != ':')
			return "expected [IPV6]:PORT";
		h = s + 1;
		hlen = (size_t)(close_br - h);
		colon = close_br + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return "expected ADDR:PORT";
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return "an IPv6 address goes in brackets: [ADDR]:PORT";
	}
	if (colon[1] < '0' || colon[1] > '9')
		return "expected a port after ':'";
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port > 65535)
		return "the port is not a number 0..65535";
	if (hlen == 0 || hlen >= sizeof(host))
		return "not an IP address";
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(sa, 0, sizeof(*sa));
	if (*s == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return "not an IPv6 address";
		*salen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)sa;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return "not an IPv4 address";
		*salen = sizeof(*a);
	}
	return NULL;
}

struct mgmt_http *mgmt_http_start(struct ev_loop *loop, const char *listen_addr,
				  mgmt_http_handler fn, void *ctx, char *err)
{
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	struct mgmt_http *h;
	const char *why;
	int one = 1;

	why = parse_listen(listen_addr, &sa, &salen);
	if (why != NULL) {
		snprintf(err, MGMT_ERR_MAX, "metrics.listen %s: %s", listen_addr, why);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, MGMT_ERR_MAX, "metrics.listen %s: out of memory", listen_addr);
		return NULL;
	}
	h->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(h->fd, (struct sockaddr *)&sa, salen) != 0 || listen(h->fd, BACKLOG) != 0 ||
	    getsockname(h->fd, (struct sockaddr *)&sa, &salen) != 0) {
		snprintf(err, MGMT_ERR_MAX, "metrics.listen %s: %s", listen_addr, strerror(errno));
		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return NULL;
	}
	h->port = ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port
						: ((struct sockaddr_in6 *)&sa)->sin6_port);
	h->loop = loop;
	h->fn = fn;
	h->idle_s = MGMT_HTTP_IDLE_S;
	h->request_s = MGMT_HTTP_REQUEST_S;
	h->ctx = ctx;
	ev_io_init(&h->lio, on_accept, h->fd, EV_READ);
	ev_timer_init(&h->retry, on_retry, ACCEPT_RETRY_S, 0.);
	h->lio.data = h->retry.data = h;
	ev_io_start(loop, &h->lio);
	return h;
}

uint16_t mgmt_http_port(const struct mgmt_http *h)
{
	return h->port;
}

void mgmt_http_set_timeouts(struct mgmt_http *h, double idle_s, double request_s)
{
	h->idle_s = idle_s;
	h->request_s = request_s;
}

const struct mgmt_http_stats *mgmt_http_stats(const struct mgmt_http *h)
{
	return &h->stats;
}

void mgmt_http_stop(struct mgmt_http *h)
{
	if (h == NULL)
		return;
	ev_io_stop(h->loop, &h->lio);
	ev_timer_stop(h->loop, &h->retry);
	close(h->fd);
	while (h->clients != NULL)
		client_close(h->clients);
	mgmt_buf_free(&h->body);
	free(h);
}
