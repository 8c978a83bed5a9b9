/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket server (mgmt/ctl.c) on a libev loop in this thread,
 * stepped with EVRUN_NOWAIT while a client socket here talks to it: framing
 * and order, bad and over-long requests, limits (clients, idle), the socket
 * file (mode, owner, a stale one replaced, one in use refused, removed at
 * stop), and, as root, the credentials check with children of other uids. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mgmt/ctl.h"

#define NOBODY 65534
#define LINE_MAX_TEST (4u << 20)
#define BIG_LEN (1u << 20) /* the "big" command's answer: more than a socket buffer */

struct fx {
	char dir[64];
	char path[96];
	struct ev_loop *loop;
	struct mgmt_ctl *ctl;
	unsigned calls;
	struct mgmt_ctl_peer last;
};

/* Answers {"ok": true, "command": C}; "null" gets no answer from the
 * handler, "big" a long one. */
static json_t *echo(void *ctx, const json_t *req, const struct mgmt_ctl_peer *who)
{
	struct fx *f = ctx;
	const char *cmd = json_string_value(json_object_get(req, "command"));

	f->calls++;
	f->last = *who;
	if (strcmp(cmd, "null") == 0)
		return NULL;
	if (strcmp(cmd, "big") == 0) {
		char *s = malloc(BIG_LEN + 1);
		json_t *r;

		memset(s, 'x', BIG_LEN);
		s[BIG_LEN] = '\0';
		r = json_pack("{s:b, s:s, s:s}", "ok", 1, "command", cmd, "data", s);
		free(s);
		return r;
	}
	return json_pack("{s:b, s:s}", "ok", 1, "command", cmd);
}

static struct mgmt_ctl_params params(struct fx *f, mode_t mode)
{
	return (struct mgmt_ctl_params){
		.path = f->path,
		.mode = mode,
		.owner = (uid_t)-1,
		.group = (gid_t)-1,
		.handle = echo,
		.ctx = f,
	};
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctl.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	chmod(f->dir, 0711); /* other uids (the credentials tests) reach the socket */
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	*state = f;
	return f->loop != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	mgmt_ctl_stop(f->ctl);
	ev_loop_destroy(f->loop);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void start(struct fx *f, mode_t mode)
{
	struct mgmt_ctl_params p = params(f, mode);
	char err[512] = "";

	f->ctl = mgmt_ctl_start(f->loop, &p, err);
	if (f->ctl == NULL)
		fail_msg("start: %s", err);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void step(struct fx *f)
{
	ev_run(f->loop, EVRUN_NOWAIT);
	usleep(200);
}

/* ---- a client ---- */

struct cl {
	int fd;
	char *buf;
	size_t n;
	bool eof;
};

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static struct cl *cl_open(struct fx *f)
{
	struct cl *c = calloc(1, sizeof(*c));

	c->fd = dial(f->path);
	if (c->fd < 0)
		fail_msg("connect %s: %s", f->path, strerror(errno));
	c->buf = malloc(LINE_MAX_TEST);
	return c;
}

static void cl_close(struct cl *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

static void cl_send(struct cl *c, const char *s, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);

		if (n < 0)
			fail_msg("send: %s", strerror(errno));
		off += (size_t)n;
	}
}

static void cl_say(struct cl *c, const char *s)
{
	cl_send(c, s, strlen(s));
}

/* Read what is there without waiting; false once the server closed. */
static void cl_pump(struct cl *c)
{
	while (!c->eof && c->n < LINE_MAX_TEST) {
		ssize_t n = recv(c->fd, c->buf + c->n, LINE_MAX_TEST - c->n, MSG_DONTWAIT);

		if (n > 0) {
			c->n += (size_t)n;
			continue;
		}
		/* ECONNRESET: closed with our request partly unread (too long) */
		if (n == 0 || errno == ECONNRESET)
			c->eof = true;
		break;
	}
}

/* The next line (in a new buffer, without '\n'), stepping the loop for up
 * to 5 s; NULL if the connection ended first. */
static char *cl_line(struct fx *f, struct cl *c)
{
	double deadline = now() + 5;

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->n);

		if (nl != NULL) {
			size_t len = (size_t)(nl - c->buf);
			char *line = strndup(c->buf, len);

			memmove(c->buf, nl + 1, c->n - len - 1);
			c->n -= len + 1;
			return line;
		}
		if (c->eof)
			return NULL;
		if (now() > deadline)
			fail_msg("no answer within 5 s");
		step(f);
		cl_pump(c);
	}
}

/* The next line, which must be the object want (compared as JSON). */
static void cl_expect(struct fx *f, struct cl *c, const char *want)
{
	char *line = cl_line(f, c);
	json_t *got, *w = json_loads(want, 0, NULL);

	assert_non_null(w);
	if (line == NULL)
		fail_msg("connection closed, want %s", want);
	got = json_loads(line, 0, NULL);
	if (got == NULL || !json_equal(got, w))
		fail_msg("got %s, want %s", line, want);
	json_decref(got);
	json_decref(w);
	free(line);
}

/* The server must close, with nothing more said. */
static void cl_expect_eof(struct fx *f, struct cl *c)
{
	char *line = cl_line(f, c);

	if (line != NULL)
		fail_msg("want the end of the connection, got %s", line);
	assert_int_equal(c->n, 0);
}

static void stats(struct fx *f, struct mgmt_ctl_stats *st)
{
	mgmt_ctl_get_stats(f->ctl, st);
}

/* ---- the tests ---- */

static void test_in_order(void **state)
{
	struct fx *f = *state;
	struct mgmt_ctl_stats st;
	struct cl *c;

	start(f, 0660);
	c = cl_open(f);
	/* two in one write, a third split across writes */
	cl_say(c, "{\"command\": \"a\"}\n{\"command\": \"b\", \"x\": [1, 2]}\n{\"comm");
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");
	cl_expect(f, c, "{\"ok\": true, \"command\": \"b\"}");
	cl_say(c, "and\": \"c\"}\r\n\n"); /* CRLF taken; a blank line is no request */
	cl_expect(f, c, "{\"ok\": true, \"command\": \"c\"}");
	assert_int_equal(f->calls, 3);
	assert_int_equal(f->last.pid, getpid());
	assert_int_equal(f->last.uid, getuid());
	assert_int_equal(f->last.gid, getgid());
	assert_int_equal(mgmt_ctl_clients(f->ctl), 1);
	stats(f, &st);
	assert_int_equal(st.accepted, 1);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.bad_requests, 0);
	cl_close(c);
	for (int i = 0; i < 50 && mgmt_ctl_clients(f->ctl) > 0; i++)
		step(f);
	assert_int_equal(mgmt_ctl_clients(f->ctl), 0);
}

#define L(s)                     \
	{                        \
		s, sizeof(s) - 1 \
	}

static void test_not_an_object(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} lines[] = {
		L("[1, 2]\n"),
		L("\"status\"\n"),
		L("not json\n"),
		L("{\"command\": \"a\",}\n"),
		L("{\"command\": \"a\", \"command\": \"b\"}\n"),
		L("\xff\xfe\n"),
		L("{\"command\": \xc3\xa9}\n"),
		L("{\"command\": \"a\"\0}\n"),
		L("{\"command\": \"\xc3\"}\n"),
	};
	struct fx *f = *state;
	struct mgmt_ctl_stats st;

	start(f, 0660);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct cl *c = cl_open(f);
		char *line;
		json_t *r;

		/* what follows the bad line is not answered: the connection ends */
		cl_send(c, lines[i].s, lines[i].n);
		cl_say(c, "{\"command\": \"a\"}\n");
		line = cl_line(f, c);
		assert_non_null(line);
		r = json_loads(line, 0, NULL);
		assert_non_null(r);
		assert_true(json_is_false(json_object_get(r, "ok")));
		assert_true(json_is_string(json_object_get(r, "error")));
		json_decref(r);
		free(line);
		cl_expect_eof(f, c);
		cl_close(c);
	}
	assert_int_equal(f->calls, 0);
	stats(f, &st);
	assert_int_equal(st.bad_requests, 9);
	assert_int_equal(st.requests, 0);
}

static void test_no_command(void **state)
{
	struct fx *f = *state;
	struct mgmt_ctl_stats st;
	struct cl *c;

	start(f, 0660);
	c = cl_open(f);
	/* an object without a string "command": an error, and the connection goes on */
	cl_say(c, "{\"cmd\": \"a\"}\n{\"command\": 7}\n{\"command\": \"a\"}\n");
	cl_expect(f, c,
		  "{\"ok\": false, \"error\": \"a request needs \\\"command\\\", a string\"}");
	cl_expect(f, c,
		  "{\"ok\": false, \"error\": \"a request needs \\\"command\\\", a string\"}");
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");
	/* the handler gave nothing */
	cl_say(c, "{\"command\": \"null\"}\n");
	cl_expect(f, c, "{\"ok\": false, \"error\": \"internal error: no response\"}");
	stats(f, &st);
	assert_int_equal(st.bad_requests, 2);
	assert_int_equal(st.requests, 2);
	cl_close(c);
}

/* A request of exactly MGMT_CTL_REQUEST_MAX bytes is taken; one byte more is not. */
static void test_too_long(void **state)
{
	struct fx *f = *state;
	size_t max = MGMT_CTL_REQUEST_MAX;
	char *req = malloc(max + 2);
	struct mgmt_ctl_stats st;
	struct cl *c;

	start(f, 0660);
	memset(req, ' ', max + 1);
	memcpy(req, "{\"command\": \"a\"", 15);
	req[max - 1] = '}';
	req[max] = '\n';
	c = cl_open(f);
	cl_send(c, req, max + 1);
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");

	req[max - 1] = ' ';
	req[max] = '}';
	req[max + 1] = '\n';
	cl_send(c, req, max + 2);
	cl_expect(f, c, "{\"ok\": false, \"error\": \"request longer than 65536 bytes\"}");
	cl_expect_eof(f, c);
	cl_close(c);

	/* and without any newline at all */
	c = cl_open(f);
	memset(req, 'a', max + 2);
	cl_send(c, req, max + 2);
	cl_expect(f, c, "{\"ok\": false, \"error\": \"request longer than 65536 bytes\"}");
	cl_expect_eof(f, c);
	cl_close(c);
	stats(f, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.bad_requests, 2);
	free(req);
}

/* A client that stops writing (shutdown) still gets its answers, a last
 * line without '\n' included, then the server closes. */
static void test_half_close(void **state)
{
	struct fx *f = *state;
	struct cl *c;

	start(f, 0660);
	c = cl_open(f);
	cl_say(c, "{\"command\": \"a\"}\n{\"command\": \"b\"}");
	shutdown(c->fd, SHUT_WR);
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");
	cl_expect(f, c, "{\"ok\": true, \"command\": \"b\"}");
	cl_expect_eof(f, c);
	cl_close(c);
}

/* Answers longer than the socket's buffer: the write watcher sends the
 * rest, in order, while the requests behind them wait. */
static void test_big_answers(void **state)
{
	struct fx *f = *state;
	struct cl *c;

	start(f, 0660);
	c = cl_open(f);
	cl_say(c, "{\"command\": \"big\"}\n{\"command\": \"big\"}\n{\"command\": \"big\"}\n"
		  "{\"command\": \"a\"}\n");
	for (int i = 0; i < 3; i++) {
		char *line = cl_line(f, c);
		json_t *r;

		assert_non_null(line);
		r = json_loads(line, 0, NULL);
		assert_non_null(r);
		assert_int_equal(json_string_length(json_object_get(r, "data")), BIG_LEN);
		json_decref(r);
		free(line);
	}
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");
	cl_close(c);
}

static void test_idle(void **state)
{
	struct fx *f = *state;
	struct mgmt_ctl_params p = params(f, 0660);
	struct mgmt_ctl_stats st;
	char err[512];
	struct cl *c;

	p.idle_s = 0.2;
	f->ctl = mgmt_ctl_start(f->loop, &p, err);
	assert_non_null(f->ctl);
	c = cl_open(f);
	cl_say(c, "{\"command\": \"a\"}\n");
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");
	cl_expect(f, c, "{\"ok\": false, \"error\": \"idle for 0.2 s: closed\"}");
	cl_expect_eof(f, c);
	stats(f, &st);
	assert_int_equal(st.idle_closed, 1);
	assert_int_equal(mgmt_ctl_clients(f->ctl), 0);
	cl_close(c);
}

static void test_too_many_clients(void **state)
{
	struct fx *f = *state;
	struct cl *c[MGMT_CTL_CLIENTS_MAX + 1];
	struct mgmt_ctl_stats st;

	start(f, 0660);
	for (int i = 0; i < MGMT_CTL_CLIENTS_MAX; i++) {
		c[i] = cl_open(f);
		step(f); /* accepted in turn: the backlog is 16 */
	}
	c[MGMT_CTL_CLIENTS_MAX] = cl_open(f);
	cl_expect(f, c[MGMT_CTL_CLIENTS_MAX],
		  "{\"ok\": false, \"error\": \"busy: 32 clients already connected\"}");
	cl_expect_eof(f, c[MGMT_CTL_CLIENTS_MAX]);
	assert_int_equal(mgmt_ctl_clients(f->ctl), MGMT_CTL_CLIENTS_MAX);
	cl_say(c[0], "{\"command\": \"a\"}\n");
	cl_expect(f, c[0], "{\"ok\": true, \"command\": \"a\"}");
	cl_say(c[MGMT_CTL_CLIENTS_MAX - 1], "{\"command\": \"b\"}\n");
	cl_expect(f, c[MGMT_CTL_CLIENTS_MAX - 1], "{\"ok\": true, \"command\": \"b\"}");
	stats(f, &st);
	assert_int_equal(st.busy, 1);
	assert_int_equal(st.accepted, MGMT_CTL_CLIENTS_MAX + 1);
	for (int i = 0; i <= MGMT_CTL_CLIENTS_MAX; i++)
		cl_close(c[i]);
}

static void test_mode(void **state)
{
	static const mode_t modes[] = { 0660, 0600, 0666, 0640 };
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct stat sb;

		start(f, modes[i]);
		assert_int_equal(lstat(f->path, &sb), 0);
		assert_true(S_ISSOCK(sb.st_mode));
		assert_int_equal(sb.st_mode & 07777, modes[i]);
		assert_int_equal(sb.st_uid, geteuid());
		mgmt_ctl_stop(f->ctl);
		f->ctl = NULL;
	}
}

/* A socket file nobody listens on (a daemon that died) is replaced. */
static void test_stale(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct cl *c;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(access(f->path, F_OK), 0);
	start(f, 0660);
	c = cl_open(f);
	cl_say(c, "{\"command\": \"a\"}\n");
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");
	cl_close(c);
}

static void test_in_use(void **state)
{
	struct fx *f = *state;
	struct mgmt_ctl_params p;
	char err[512], want[600];
	struct cl *c;
	int fd;

	start(f, 0660);
	p = params(f, 0660);
	assert_null(mgmt_ctl_start(f->loop, &p, err));
	snprintf(want, sizeof(want), "control.socket %s: in use by another process", f->path);
	assert_string_equal(err, want);
	/* the first goes on serving */
	c = cl_open(f);
	cl_say(c, "{\"command\": \"a\"}\n");
	cl_expect(f, c, "{\"ok\": true, \"command\": \"a\"}");
	cl_close(c);
	mgmt_ctl_stop(f->ctl);
	f->ctl = NULL;

	/* a file that is not a socket is left alone */
	fd = open(f->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(mgmt_ctl_start(f->loop, &p, err));
	snprintf(want, sizeof(want), "control.socket %s: exists and is not a socket", f->path);
	assert_string_equal(err, want);
	assert_int_equal(access(f->path, F_OK), 0);
	unlink(f->path);
}

static void test_bad_params(void **state)
{
	struct fx *f = *state;
	struct mgmt_ctl_params p = params(f, 0660);
	char err[512], path[200];

	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	p.path = path;
	assert_null(mgmt_ctl_start(f->loop, &p, err));
	assert_non_null(strstr(err, ": path too long (at most 107 bytes)"));
	p.path = "/nonexistent-dir/ctl.sock";
	assert_null(mgmt_ctl_start(f->loop, &p, err));
	assert_string_equal(
		err, "control.socket /nonexistent-dir/ctl.sock: bind: No such file or directory");
	p.path = f->path;
	p.handle = NULL;
	assert_null(mgmt_ctl_start(f->loop, &p, err));
	assert_int_equal(access(f->path, F_OK), -1);
}

/* stop removes the socket file, but only its own: not a successor's. */
static void test_stop_unlinks(void **state)
{
	struct fx *f = *state;
	struct mgmt_ctl *first;

	start(f, 0660);
	mgmt_ctl_stop(f->ctl);
	f->ctl = NULL;
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(errno, ENOENT);

	start(f, 0660);
	first = f->ctl;
	unlink(f->path); /* someone removed it, and another server started */
	start(f, 0660);
	mgmt_ctl_stop(first);
	assert_int_equal(access(f->path, F_OK), 0);
	mgmt_ctl_stop(f->ctl);
	f->ctl = NULL;
	assert_int_equal(access(f->path, F_OK), -1);
}

/* ---- credentials (root only: children of other uids) ---- */

enum { CH_LINE_OK, CH_DENIED_LINE, CH_EACCES, CH_OTHER };

/* In a child: become uid/gid with these groups, connect, ask, and tell by
 * the exit status what happened. Nothing of cmocka or the loop here. */
static int child_ask(const char *path, uid_t uid, gid_t gid, const gid_t *groups, size_t n)
{
	char buf[512];
	ssize_t got;
	size_t len = 0;
	int fd;

	if (setgroups(n, groups) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
		return CH_OTHER;
	fd = dial(path);
	if (fd < 0)
		return errno == EACCES ? CH_EACCES : CH_OTHER;
	/* a refused client may find the server gone already: read all the same */
	(void)!send(fd, "{\"command\": \"a\"}\n", 17, MSG_NOSIGNAL);
	/* one line: the answer, or the refusal (then the server closes) */
	while (len < sizeof(buf) - 1 && memchr(buf, '\n', len) == NULL &&
	       (got = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
		len += (size_t)got;
	buf[len] = '\0';
	if (strstr(buf, "\"ok\":true") != NULL)
		return CH_LINE_OK;
	if (strstr(buf, "permission denied: uid 65534 is not in group ") != NULL)
		return CH_DENIED_LINE;
	return CH_OTHER;
}

/* Fork a child that asks as uid/gid/groups; step the loop until it ends. */
static int run_child(struct fx *f, uid_t uid, gid_t gid, const gid_t *groups, size_t n)
{
	double deadline = now() + 10;
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_ask(f->path, uid, gid, groups, n));
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (now() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the child did not finish");
		}
		step(f);
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_credentials(void **state)
{
	struct fx *f = *state;
	struct mgmt_ctl_params p = params(f, 0666);
	struct mgmt_ctl_stats st;
	gid_t supp[] = { 12345, NOBODY };
	char err[512];
	struct stat sb;
	int rc;

	if (geteuid() != 0)
		skip(); /* needs setuid() to another uid */
	/* root:root, 0666: the file lets anyone in; the check must not */
	f->ctl = mgmt_ctl_start(f->loop, &p, err);
	assert_non_null(f->ctl);
	rc = run_child(f, NOBODY, NOBODY, NULL, 0);
	assert_int_equal(rc, CH_DENIED_LINE);
	stats(f, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.requests, 0);
	mgmt_ctl_stop(f->ctl);
	f->ctl = NULL;

	/* group nobody: its primary group lets it in, and so does a
	 * supplementary one (read from /proc: setgroups() is not in the database) */
	p.group = NOBODY;
	f->ctl = mgmt_ctl_start(f->loop, &p, err);
	assert_non_null(f->ctl);
	assert_int_equal(lstat(f->path, &sb), 0);
	assert_int_equal(sb.st_gid, NOBODY);
	assert_int_equal(sb.st_mode & 07777, 0666);
	assert_int_equal(run_child(f, NOBODY, NOBODY, NULL, 0), CH_LINE_OK);
	assert_int_equal(run_child(f, NOBODY, 12345, supp, 2), CH_LINE_OK);
	assert_int_equal(run_child(f, NOBODY, 12345, supp, 1), CH_DENIED_LINE);
	stats(f, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.requests, 2);
	mgmt_ctl_stop(f->ctl);
	f->ctl = NULL;

	/* owner nobody, 0600: its owner may, others cannot even connect */
	p.owner = NOBODY;
	p.group = (gid_t)-1;
	p.mode = 0600;
	f->ctl = mgmt_ctl_start(f->loop, &p, err);
	assert_non_null(f->ctl);
	assert_int_equal(lstat(f->path, &sb), 0);
	assert_int_equal(sb.st_uid, NOBODY);
	assert_int_equal(run_child(f, NOBODY, 12345, NULL, 0), CH_LINE_OK);
	assert_int_equal(run_child(f, 12346, 12345, NULL, 0), CH_EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_an_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_unlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
