/* SPDX-License-Identifier: BSD-3-Clause */
/* mpgwctl: one request to mpgwd's control socket, its answer printed
 * (docs/control.md). The grammar and the output are in mgmt/ctl_cli.c. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "mgmt/ctl_cli.h"

#define DEFAULT_SOCKET "/run/mpgwd.sock"
#define RESPONSE_MAX (64u << 20) /* a response this long is not the daemon's */

enum { EXIT_OK, EXIT_NO, EXIT_USAGE, EXIT_CONNECT };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for fd to be ready for events until deadline; 0, or -1 on timeout. */
static int wait_for(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		double left = deadline - now();
		int rc;

		if (left <= 0)
			return -1;
		rc = poll(&p, 1, (int)(left * 1000) + 1);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Send line, read one line back (without its '\n'); NULL with a message. */
static char *exchange(int fd, const char *line, double timeout, const char *path)
{
	double deadline = now() + timeout;
	size_t len = strlen(line), off = 0, cap = 4096, n = 0;
	char *buf;

	while (off < len) {
		ssize_t w;

		if (wait_for(fd, POLLOUT, deadline) != 0) {
			fprintf(stderr, "mpgwctl: %s: no answer within %g s\n", path, timeout);
			return NULL;
		}
		w = send(fd, line + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0) {
			fprintf(stderr, "mpgwctl: %s: %s\n", path, strerror(errno));
			return NULL;
		}
		off += (size_t)w;
	}
	buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	for (;;) {
		ssize_t r;
		char *nl;

		if (n + 1 >= cap) {
			char *p = cap < RESPONSE_MAX ? realloc(buf, cap * 2) : NULL;

			if (p == NULL) {
				fprintf(stderr, "mpgwctl: %s: answer too long\n", path);
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
		if (wait_for(fd, POLLIN, deadline) != 0) {
			fprintf(stderr, "mpgwctl: %s: no answer within %g s\n", path, timeout);
			break;
		}
		r = recv(fd, buf + n, cap - n - 1, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			fprintf(stderr, "mpgwctl: %s: %s\n", path,
				r == 0 ? "the daemon closed the connection without an answer"
				       : strerror(errno));
			break;
		}
		nl = memchr(buf + n, '\n', (size_t)r);
		n += (size_t)r;
		if (nl != NULL) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "mpgwctl: %s\nTry 'mpgwctl --help'.\n", msg);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("MPGWCTL_SOCKET");
	json_t *req, *resp;
	json_error_t je;
	double timeout = 10;
	bool as_json = false;
	char err[256], *line, *answer;
	int c, fd, rc;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	/* Options may follow the words too (`mpgwctl rule show -j`): no word of
	 * the grammar starts with '-', and `--` ends the options. */
	while ((c = getopt_long(argc, argv, "s:jt:h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(timeout > 0 && timeout <= 86400))
				return usage_error("--timeout: seconds, more than 0");
			break;
		case 'h':
			mgmt_ctl_cli_usage(stdout);
			return EXIT_OK;
		default:
			fputs("Try 'mpgwctl --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	req = mgmt_ctl_cli_parse(argc - optind, argv + optind, err, sizeof(err));
	if (req == NULL)
		return usage_error(err);
	answer = json_dumps(req, JSON_COMPACT);
	if (answer == NULL || asprintf(&line, "%s\n", answer) < 0) {
		free(answer);
		json_decref(req);
		return usage_error("out of memory");
	}
	free(answer);

	fd = connect_to(path);
	if (fd < 0) {
		fprintf(stderr, "mpgwctl: %s: %s\n", path, strerror(errno));
		free(line);
		json_decref(req);
		return EXIT_CONNECT;
	}
	answer = exchange(fd, line, timeout, path);
	close(fd);
	free(line);
	if (answer == NULL) {
		json_decref(req);
		return EXIT_CONNECT;
	}
	resp = json_loads(answer, 0, &je);
	if (resp == NULL || !json_is_object(resp)) {
		fprintf(stderr, "mpgwctl: %s: not a JSON answer: %s\n", path,
			resp == NULL ? je.text : "not an object");
		free(answer);
		json_decref(resp);
		json_decref(req);
		return EXIT_CONNECT;
	}
	free(answer);
	if (as_json) {
		json_dumpf(resp, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		rc = json_is_true(json_object_get(resp, "ok")) ? EXIT_OK : EXIT_NO;
	} else {
		bool ok = json_is_true(json_object_get(resp, "ok"));

		rc = mgmt_ctl_cli_render(ok ? stdout : stderr, req, resp) == 0 ? EXIT_OK : EXIT_NO;
	}
	json_decref(resp);
	json_decref(req);
	if (fflush(stdout) != 0)
		return EXIT_NO;
	return rc;
}
