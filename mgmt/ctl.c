/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket server: framing, limits and credentials on a libev
 * loop; the handler decides what a command means (docs/control.md). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mgmt/ctl.h"
#include "mgmt/mgmt.h"

#define ERR_MAX 512
#define IN_FIRST 4096 /* the input buffer grows from this to REQUEST_MAX + 1 */
#define IN_MAX (MGMT_CTL_REQUEST_MAX + 1)
#define OUT_HIGH (1u << 20) /* stop reading a client that leaves this much unread */
#define GROUPS_MAX 256 /* supplementary groups looked at (NGROUPS_MAX is 65536) */
#define ACCEPT_PAUSE_S 1.0 /* out of descriptors: wait before accepting again */
#define STR_(x) #x
#define STR(x) STR_(x)

struct ctl_client {
	struct mgmt_ctl *ctl;
	struct ctl_client *next, **pprev;
	int fd;
	struct mgmt_ctl_peer who;
	ev_io rio, wio;
	ev_timer idle;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	bool eof; /* the client sent all it will */
	bool closing; /* no more requests: close once out is sent */
};

struct mgmt_ctl {
	struct ev_loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	mgmt_ctl_handler handle;
	void *ctx;
	double idle_s;
	int fd;
	ev_io lio;
	ev_timer pause; /* accept() paused after EMFILE */
	dev_t dev; /* the socket file we made, so stop removes only ours */
	ino_t ino;
	uid_t uid; /* its owner and group, for the credentials check */
	gid_t gid;
	struct ctl_client *clients;
	unsigned n_clients;
	struct mgmt_ctl_stats st;
};

static void seterr(char *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL)
		return;
	n = snprintf(err, ERR_MAX, "control.socket %s: ", path);
	if (n < 0 || n >= ERR_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, (size_t)(ERR_MAX - n), fmt, ap);
	va_end(ap);
}

/* ---- credentials ---- */

static bool in_list(gid_t g, const gid_t *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] == g)
			return true;
	return false;
}

/* The supplementary groups of the peer's process from /proc, which sees
 * what setgroups()/setpriv did to it (the group database does not). Only
 * trusted while the pid still runs as the uid the kernel gave us, so a
 * reused pid cannot lend its groups. Returns the count, or -1. */
static int proc_groups(const struct mgmt_ctl_peer *who, gid_t *v, int max)
{
	char name[64], line[4096];
	bool uid_ok = false;
	int n = -1;
	FILE *f;

	if (who->pid <= 0)
		return -1; /* another pid namespace */
	snprintf(name, sizeof(name), "/proc/%d/status", (int)who->pid);
	f = fopen(name, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long r, e;

		if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2)
			uid_ok = e == (unsigned long)who->uid;
		if (strncmp(line, "Groups:", 7) == 0) {
			char *p = line + 7, *end;

			if (strchr(line, '\n') == NULL)
				break; /* longer than line: a cut number could match */
			n = 0;
			while (n < max) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p)
					break;
				v[n++] = (gid_t)g;
				p = end;
			}
		}
	}
	fclose(f);
	return uid_ok ? n : -1;
}

/* The groups the database gives the uid's user (when /proc cannot tell). */
static int db_groups(uid_t uid, gid_t *v, int max)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int n = max;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return -1;
	if (getgrouplist(pw.pw_name, pw.pw_gid, v, &n) < 0)
		return max; /* more than we look at: the first max are filled */
	return n;
}

static bool allowed(const struct mgmt_ctl *ctl, const struct mgmt_ctl_peer *who)
{
	gid_t groups[GROUPS_MAX];
	int n;

	if (who->uid == 0 || who->uid == ctl->uid || who->gid == ctl->gid)
		return true;
	n = proc_groups(who, groups, GROUPS_MAX);
	if (n < 0)
		n = db_groups(who->uid, groups, GROUPS_MAX);
	return n > 0 && in_list(ctl->gid, groups, n);
}

static void group_name(gid_t gid, char *out, size_t len)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s", gr.gr_name);
	else
		snprintf(out, len, "%u", (unsigned)gid);
}

/* ---- clients ---- */

/* One error line to a client we are about to drop; a fresh socket's buffer
 * takes it whole, and if not, the client loses only the explanation. */
static void say_and_close(int fd, const char *msg)
{
	json_t *o = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	if (s != NULL) {
		size_t n = strlen(s);

		s[n] = '\n'; /* replaces the NUL: sent with its length */
		if (send(fd, s, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			(void)0; /* nothing more to do for a client we drop */
	}
	free(s);
	json_decref(o);
	close(fd);
}

/* Forget a client; msg, if any, is its last line (why it is dropped). */
static void client_drop(struct ctl_client *c, const char *msg)
{
	struct ev_loop *loop = c->ctl->loop;

	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->idle);
	if (msg != NULL)
		say_and_close(c->fd, msg);
	else
		close(c->fd);
	*c->pprev = c->next;
	if (c->next != NULL)
		c->next->pprev = c->pprev;
	c->ctl->n_clients--;
	free(c->in);
	free(c->out);
	free(c);
}

static void client_free(struct ctl_client *c)
{
	client_drop(c, NULL);
}

/* Send what is queued. Returns -1 if the client is gone (freed). */
static int flush(struct ctl_client *c)
{
	struct ev_loop *loop = c->ctl->loop;

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(loop, &c->wio);
			return 0;
		}
		if (n < 0) {
			client_free(c);
			return -1;
		}
		c->out_off += (size_t)n;
		ev_timer_again(loop, &c->idle); /* a slow reader is not idle */
	}
	c->out_off = c->out_len = 0;
	ev_io_stop(loop, &c->wio);
	if (c->closing) {
		client_free(c);
		return -1;
	}
	return 0;
}

static int queue(struct ctl_client *c, json_t *resp)
{
	char *s = json_dumps(resp, JSON_COMPACT);
	size_t n;

	json_decref(resp);
	if (s == NULL) {
		client_free(c);
		return -1;
	}
	n = strlen(s);
	if (c->out_len + n + 1 > c->out_cap) {
		size_t cap = c->out_cap != 0 ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + n + 1)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL) {
			free(s);
			client_free(c);
			return -1;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
	free(s);
	return 0;
}

/* Answer a bad request; with close, it ends the connection (the contract:
 * a line we cannot read as an object leaves us unsure where the next starts). */
static int bad(struct ctl_client *c, bool close_after, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct ctl_client *c, bool close_after, const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->ctl->st.bad_requests++;
	if (close_after)
		c->closing = true;
	o = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	if (o == NULL) /* the parser quoted bytes that are not UTF-8 */
		o = json_pack("{s:b, s:s}", "ok", 0, "error", "invalid JSON (not UTF-8)");
	return queue(c, o);
}

static int handle_line(struct ctl_client *c, const char *line, size_t len)
{
	struct mgmt_ctl *ctl = c->ctl;
	json_error_t je;
	json_t *req, *resp;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0; /* a blank line is no request */
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (req == NULL)
		return bad(c, true, "invalid JSON at column %d: %s", je.column, je.text);
	if (!json_is_object(req)) {
		json_decref(req);
		return bad(c, true, "a request is a JSON object");
	}
	if (!json_is_string(json_object_get(req, "command"))) {
		json_decref(req);
		return bad(c, false, "a request needs \"command\", a string");
	}
	ctl->st.requests++;
	resp = ctl->handle(ctl->ctx, req, &c->who);
	json_decref(req);
	if (resp == NULL || !json_is_object(resp)) {
		json_decref(resp);
		resp = json_pack("{s:b, s:s}", "ok", 0, "error", "internal error: no response");
	}
	return queue(c, resp);
}

/* Answer every complete line buffered, unless the client is to close or has
 * too much unread; after the client's end, the last line even without its
 * '\n'. Then send. Returns -1 if the client is gone. */
static int process(struct ctl_client *c)
{
	size_t start = 0;

	while (!c->closing && c->out_len < OUT_HIGH) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);

		if (nl == NULL)
			break;
		if (handle_line(c, c->in + start, (size_t)(nl - (c->in + start))) < 0)
			return -1;
		start = (size_t)(nl - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (!c->closing && c->out_len < OUT_HIGH && (c->eof || c->in_len >= IN_MAX)) {
		/* What is left has no '\n' (the loop took every line). */
		int rc = 0;

		if (c->in_len > MGMT_CTL_REQUEST_MAX)
			rc = bad(c, true, "request longer than %d bytes", MGMT_CTL_REQUEST_MAX);
		else if (c->eof)
			rc = handle_line(c, c->in, c->in_len);
		if (rc < 0)
			return -1;
		c->in_len = 0;
		c->closing = true;
	}
	if (c->closing || c->eof || c->out_len >= OUT_HIGH)
		ev_io_stop(c->ctl->loop, &c->rio); /* back-pressure: on_write resumes */
	return flush(c);
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;
	ssize_t n;

	(void)revents;
	if (c->in_len == IN_MAX) {
		ev_io_stop(loop, w); /* not reached: process() never leaves it full */
		return;
	}
	if (c->in_len == c->in_cap) {
		size_t cap = c->in_cap != 0 ? c->in_cap * 2 : IN_FIRST;
		char *p;

		if (cap > IN_MAX)
			cap = IN_MAX;
		p = realloc(c->in, cap);
		if (p == NULL) {
			client_free(c);
			return;
		}
		c->in = p;
		c->in_cap = cap;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		client_free(c);
		return;
	}
	ev_timer_again(loop, &c->idle);
	/* n == 0: the client wrote all it will (shutdown(SHUT_WR), as `printf
	 * ... | socat` does); it may still read the answers. */
	if (n == 0)
		c->eof = true;
	c->in_len += (size_t)n;
	process(c);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *c = w->data;

	(void)revents;
	if (flush(c) < 0)
		return;
	/* Drained: take the requests that waited, and read again. */
	if (!c->closing && c->out_len == 0) {
		if (process(c) < 0)
			return;
		if (!c->closing && !c->eof && c->out_len < OUT_HIGH)
			ev_io_start(loop, &c->rio);
	}
}

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *c = w->data;
	char msg[64];

	(void)loop;
	(void)revents;
	c->ctl->st.idle_closed++;
	snprintf(msg, sizeof(msg), "idle for %g s: closed", c->ctl->idle_s);
	/* not in the middle of an answer the client stopped reading */
	client_drop(c, c->out_len == 0 ? msg : NULL);
}

static void client_new(struct mgmt_ctl *ctl, int fd, const struct mgmt_ctl_peer *who)
{
	struct ctl_client *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->who = *who;
	ev_io_init(&c->rio, on_read, fd, EV_READ);
	ev_io_init(&c->wio, on_write, fd, EV_WRITE);
	ev_init(&c->idle, on_idle);
	c->idle.repeat = ctl->idle_s;
	c->rio.data = c->wio.data = c->idle.data = c;
	c->next = ctl->clients;
	if (c->next != NULL)
		c->next->pprev = &c->next;
	c->pprev = &ctl->clients;
	ctl->clients = c;
	ctl->n_clients++;
	ev_io_start(ctl->loop, &c->rio);
	ev_timer_again(ctl->loop, &c->idle);
}

static void on_pause_end(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mgmt_ctl *ctl = w->data;

	(void)revents;
	ev_io_start(loop, &ctl->lio);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mgmt_ctl *ctl = w->data;

	(void)revents;
	for (;;) {
		struct mgmt_ctl_peer who = { 0 };
		struct ucred cred;
		socklen_t len = sizeof(cred);
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* The listener stays readable: without a pause the
				 * loop would spin on it. */
				mgmt_log(LOG_WARNING, "control socket: accept: %s",
					 strerror(errno));
				ev_io_stop(loop, &ctl->lio);
				ev_timer_set(&ctl->pause, ACCEPT_PAUSE_S, 0.);
				ev_timer_start(loop, &ctl->pause);
			}
			return;
		}
		ctl->st.accepted++;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
			close(fd);
			continue;
		}
		who.pid = cred.pid;
		who.uid = cred.uid;
		who.gid = cred.gid;
		if (!allowed(ctl, &who)) {
			char grp[64], msg[160];

			ctl->st.refused++;
			group_name(ctl->gid, grp, sizeof(grp));
			snprintf(msg, sizeof(msg), "permission denied: uid %u is not in group %s",
				 (unsigned)who.uid, grp);
			mgmt_log(LOG_WARNING, "control socket: pid %d: %s", (int)who.pid, msg);
			say_and_close(fd, msg);
			continue;
		}
		if (ctl->n_clients >= MGMT_CTL_CLIENTS_MAX) {
			ctl->st.busy++;
			say_and_close(
				fd,
				"busy: " STR(MGMT_CTL_CLIENTS_MAX) " clients already connected");
			continue;
		}
		client_new(ctl, fd, &who);
	}
}

/* ---- the socket file ---- */

/* Is someone serving the socket at path? 1 yes, 0 no (a dead daemon's file,
 * removed), -1 error. */
static int stale_or_busy(const char *path, char *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd, rc;

	if (lstat(path, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		seterr(err, path, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		seterr(err, path, "exists and is not a socket");
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		seterr(err, path, "socket: %s", strerror(errno));
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (rc == 0 || errno == EAGAIN || errno == EINPROGRESS) {
		/* EAGAIN: a full backlog, so a listener all the same */
		close(fd);
		seterr(err, path, "in use by another process");
		return 1;
	}
	rc = errno;
	close(fd);
	if (rc == ENOENT)
		return 0;
	if (rc != ECONNREFUSED) {
		seterr(err, path, "cannot tell whether the socket there is in use: %s",
		       strerror(rc));
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		seterr(err, path, "cannot remove the stale socket: %s", strerror(errno));
		return -1;
	}
	mgmt_log(LOG_INFO, "control socket %s: removed a stale socket file", path);
	return 0;
}

static int make_socket(struct mgmt_ctl *ctl, const struct mgmt_ctl_params *p, char *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = ctl->path;
	struct stat sb;
	mode_t old;
	int rc;

	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		seterr(err, path, "socket: %s", strerror(errno));
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* bind() creates the file with 0777 & ~umask: the owner's bits of what
	 * was asked, nothing for others until the chown below is done. The umask
	 * is the process's, so this runs at start-up; the mask only ever
	 * narrows what another thread might create meanwhile. */
	old = umask((mode_t)(0777 & ~(p->mode & 0700)) | 0077);
	rc = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0) {
		seterr(err, path, "bind: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &sb) != 0) {
		seterr(err, path, "%s", strerror(errno));
		return -1;
	}
	ctl->dev = sb.st_dev;
	ctl->ino = sb.st_ino;
	if ((p->owner != (uid_t)-1 || p->group != (gid_t)-1) &&
	    fchownat(AT_FDCWD, path, p->owner, p->group, AT_SYMLINK_NOFOLLOW) != 0) {
		seterr(err, path, "chown %d:%d: %s", (int)p->owner, (int)p->group, strerror(errno));
		return -1;
	}
	if (chmod(path, p->mode & 07777) != 0) {
		seterr(err, path, "chmod %04o: %s", (unsigned)p->mode, strerror(errno));
		return -1;
	}
	/* chmod follows links: make sure it was our socket it changed. */
	if (lstat(path, &sb) != 0 || sb.st_dev != ctl->dev || sb.st_ino != ctl->ino) {
		seterr(err, path, "replaced while being set up");
		return -1;
	}
	ctl->uid = sb.st_uid;
	ctl->gid = sb.st_gid;
	if (listen(ctl->fd, MGMT_CTL_BACKLOG) != 0) {
		seterr(err, path, "listen: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void unlink_ours(const struct mgmt_ctl *ctl)
{
	struct stat sb;

	if (lstat(ctl->path, &sb) == 0 && sb.st_dev == ctl->dev && sb.st_ino == ctl->ino)
		unlink(ctl->path);
}

struct mgmt_ctl *mgmt_ctl_start(struct ev_loop *loop, const struct mgmt_ctl_params *p, char *err)
{
	struct mgmt_ctl *ctl;
	size_t len;

	if (p == NULL || p->path == NULL || p->path[0] == '\0' || p->handle == NULL ||
	    loop == NULL) {
		seterr(err, p != NULL && p->path != NULL ? p->path : "",
		       "no path, handler or loop");
		return NULL;
	}
	len = strlen(p->path);
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		seterr(err, p->path, "out of memory");
		return NULL;
	}
	if (len >= sizeof(ctl->path)) {
		seterr(err, p->path, "path too long (at most %zu bytes)", sizeof(ctl->path) - 1);
		free(ctl);
		return NULL;
	}
	memcpy(ctl->path, p->path, len + 1);
	ctl->loop = loop;
	ctl->handle = p->handle;
	ctl->ctx = p->ctx;
	ctl->idle_s = p->idle_s > 0 ? p->idle_s : MGMT_CTL_IDLE_S;
	ctl->fd = -1;
	if (stale_or_busy(ctl->path, err) != 0) {
		free(ctl);
		return NULL;
	}
	if (make_socket(ctl, p, err) != 0) {
		if (ctl->ino != 0)
			unlink_ours(ctl);
		if (ctl->fd >= 0)
			close(ctl->fd);
		free(ctl);
		return NULL;
	}
	ev_io_init(&ctl->lio, on_accept, ctl->fd, EV_READ);
	ctl->lio.data = ctl;
	ev_init(&ctl->pause, on_pause_end);
	ctl->pause.data = ctl;
	ev_io_start(loop, &ctl->lio);
	return ctl;
}

void mgmt_ctl_stop(struct mgmt_ctl *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients != NULL)
		client_free(ctl->clients);
	ev_io_stop(ctl->loop, &ctl->lio);
	ev_timer_stop(ctl->loop, &ctl->pause);
	close(ctl->fd);
	unlink_ours(ctl);
	free(ctl);
}

void mgmt_ctl_get_stats(const struct mgmt_ctl *ctl, struct mgmt_ctl_stats *out)
{
	*out = ctl->st;
}

unsigned mgmt_ctl_clients(const struct mgmt_ctl *ctl)
{
	return ctl->n_clients;
}
