/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Standalone main() for the fuzz harnesses, for builds without libFuzzer
 * (gcc, the plain and SANITIZE=1 builds, `make fuzz-smoke`).
 *
 *   fuzz_NAME [-dict=FILE] [FILE|DIR]...
 *
 * 1. Every file given, and every regular file in every directory given
 *    (sorted by name), is run once. Without any, tests/fuzz/corpus/NAME/
 *    (NAME: the program's name without "fuzz_").
 * 2. Then FUZZ_RUNS (default 20000) inputs, each made from one of those
 *    files by a few random mutations (bit flips, interesting values,
 *    inserts, deletes, splices with another file, tokens from the
 *    libFuzzer-format dictionary), with a PRNG seeded by FUZZ_SEED (default
 *    fixed): the same seed gives the same inputs.
 *
 * Ends with "fuzz_NAME: N inputs, 0 crashes" and exit status 0. A failed
 * check (abort), a signal or a sanitizer report stops the run: the input is
 * written to $FUZZ_ARTIFACTS (default $TMPDIR or /tmp) as
 * crash-fuzz_NAME-<seed>-<n> and shown in hex, and the exit status is not 0.
 * Replay a saved input by giving it as the only argument with FUZZ_RUNS=0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

#define MAX_LEN_MIN 4096 /* mutated inputs may grow to max(this, 2 x largest file) */
#define MAX_LEN_MAX (1u << 20)
#define MAX_TOKENS 512
#define SHOW_MAX 1024 /* bytes of a crashing input shown in hex */

struct blob {
	uint8_t *p;
	size_t n;
	char *origin; /* file name or dictionary entry */
};

struct blobs {
	struct blob *v;
	size_t n, cap;
};

static struct blobs files, tokens;

static const char *prog = "fuzz";
static uint64_t rng;

/* The input being run, for the crash report. */
static const uint8_t *cur;
static size_t cur_len;
static const char *cur_file; /* NULL: a mutation */
static unsigned long cur_no;
static uint64_t seed;
static char artifact_dir[512];

/* --- crash report (async-signal-safe: write(2) only) ----------------------- */

static void put(int fd, const char *s)
{
	ssize_t r = write(fd, s, strlen(s));
	(void)r;
}

/* Decimal digits of v, in b (24 bytes). */
static const char *dec(char *b, uint64_t v)
{
	int i = 23;

	b[i] = '\0';
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	return b + i;
}

static void put_hex(int fd, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char line[2 * 32 + 2];

	for (size_t i = 0; i < n; i += 32) {
		size_t k = 0;

		for (size_t j = i; j < n && j < i + 32; j++) {
			line[k++] = hex[p[j] >> 4];
			line[k++] = hex[p[j] & 15];
		}
		line[k++] = '\n';
		line[k] = '\0';
		put(fd, line);
	}
}

static void report_crash(void)
{
	static volatile sig_atomic_t once;
	char path[sizeof(artifact_dir) + 128], b[24];
	int fd;

	if (once || cur == NULL)
		return;
	once = 1;
	/* DIR/crash-PROG-SEED-N */
	path[0] = '\0';
	strcat(path, artifact_dir);
	strcat(path, "/crash-");
	strncat(path, prog, 64);
	strcat(path, "-");
	strcat(path, dec(b, seed));
	strcat(path, "-");
	strcat(path, dec(b, cur_no));

	put(2, prog);
	put(2, ": crashed on input ");
	put(2, dec(b, cur_no));
	if (cur_file) {
		put(2, " (file ");
		put(2, cur_file);
	} else {
		put(2, " (a mutation, FUZZ_SEED=");
		put(2, dec(b, seed));
	}
	put(2, "), ");
	put(2, dec(b, cur_len));
	put(2, " bytes\n");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t r = write(fd, cur, cur_len);
		(void)r;
		close(fd);
		put(2, prog);
		put(2, ": input saved to ");
		put(2, path);
		put(2, "\n");
	}
	put_hex(2, cur, cur_len < SHOW_MAX ? cur_len : SHOW_MAX);
	if (cur_len > SHOW_MAX)
		put(2, "...\n");
}

static void on_signal(int sig)
{
	report_crash();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Sanitizer reports end in _exit(), not a signal: the runtime calls this. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static void catch_crashes(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	static uint8_t altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;

	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(report_crash);
}

/* --- inputs ---------------------------------------------------------------- */

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void add(struct blobs *set, uint8_t *p, size_t n, const char *origin)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 64;
		struct blob *more = realloc(set->v, set->cap * sizeof(*set->v));

		if (more == NULL)
			die("%s", "out of memory"); /* exits */
		set->v = more;
	}
	set->v[set->n].p = p;
	set->v[set->n].n = n;
	set->v[set->n].origin = strdup(origin);
	set->n++;
}

static void read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		die("cannot open %s", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if (cap > MAX_LEN_MAX)
				die("%s: larger than 1 MiB", path);
			uint8_t *more = realloc(p, cap);

			if (more == NULL)
				die("%s", "out of memory"); /* exits */
			p = more;
		}
		size_t k = fread(p + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	if (ferror(f))
		die("cannot read %s", path);
	fclose(f);
	add(&files, p, n, path);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		die("cannot find %s", path);
	if (!S_ISDIR(st.st_mode)) {
		read_file(path);
		return;
	}
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (d == NULL)
		die("cannot open %s", path);
	while ((e = readdir(d)) != NULL) {
		char full[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		char **more = realloc(names, (n + 1) * sizeof(*names));

		if (more == NULL || (more[n] = strdup(full)) == NULL)
			die("%s", "out of memory"); /* exits */
		names = more;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		read_file(names[i]);
		free(names[i]);
	}
	free(names);
}

/* libFuzzer dictionary: one "token" a line (optionally name="token"), with
 * \\, \" and \xNN escapes; # starts a comment. */
static void read_dict(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (f == NULL)
		die("cannot open dictionary %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *s = strchr(line, '"');
		const char *t = line + strspn(line, " \t");
		uint8_t tok[256];
		size_t n = 0;

		if (*t == '#' || *t == '\n' || *t == '\0')
			continue;
		if (s == NULL)
			die("%s: a line without a quoted token", path);
		for (s++; *s && *s != '"' && n < sizeof(tok); s++) {
			if (*s != '\\') {
				tok[n++] = (uint8_t)*s;
				continue;
			}
			s++;
			if (*s == 'x' && s[1] && s[2]) {
				char hx[3] = { s[1], s[2], 0 };
				tok[n++] = (uint8_t)strtoul(hx, NULL, 16);
				s += 2;
			} else if (*s) {
				tok[n++] = (uint8_t)*s;
			} else {
				break;
			}
		}
		if (*s != '"' || n == 0 || tokens.n >= MAX_TOKENS)
			die("%s: bad token line", path);
		uint8_t *p = malloc(n);
		if (p == NULL)
			die("%s", "out of memory");
		memcpy(p, tok, n);
		add(&tokens, p, n, path);
	}
	fclose(f);
}

/* --- mutations ------------------------------------------------------------- */

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* A position in [0, n], or a short length, biased towards small values. */
static size_t small(size_t max)
{
	size_t r = 1 + below(below(3) == 0 ? 64 : 8);

	return r > max ? max : r;
}

static const uint8_t interesting8[] = { 0,    1,    2,	 4,    8,    14,   16,	 20,   28,
					32,   42,   60,	 64,   0x45, 0x7f, 0x80, 0xfe, 0xff,
					'\n', '\r', ' ', '\t', ':',  '-',  '"',	 '\'', '[',
					']',  '{',  '}', ',',  '#',  '&',  '*',	 '!',  '|',
					'>',  '.',  '/', '0',  '9',  '\\', '?',	 '%' };
static const uint16_t interesting16[] = { 0,	  1,	  0x7f,	  0x80,	  0xff,	  0x100,
					  0x7fff, 0x8000, 0xfffe, 0xffff, 0x0800, 0x0806,
					  0x86dd, 0x8100, 14,	  20,	  24,	  28,
					  40,	  60,	  64,	  1500,	  1514,	  9000 };

/* Make room for k bytes at pos (k may be negative: remove). */
static void shift(uint8_t *b, size_t *n, size_t pos, size_t k, bool insert)
{
	if (insert) {
		memmove(b + pos + k, b + pos, *n - pos);
		*n += k;
	} else {
		memmove(b + pos, b + pos + k, *n - pos - k);
		*n -= k;
	}
}

static void mutate_once(uint8_t *b, size_t *n, size_t max)
{
	const struct blob *o = files.n ? &files.v[below(files.n)] : NULL;
	size_t pos = below(*n + 1), k;

	switch (below(16)) {
	case 0: /* flip a bit */
		if (*n)
			b[below(*n)] ^= (uint8_t)(1u << below(8));
		break;
	case 1: /* a random byte */
		if (*n)
			b[below(*n)] = (uint8_t)rnd();
		break;
	case 2: /* an interesting byte */
	case 3:
		if (*n)
			b[below(*n)] = interesting8[below(sizeof(interesting8))];
		break;
	case 4: /* an interesting 16-bit value, either byte order */
		if (*n >= 2) {
			uint16_t v = interesting16[below(sizeof(interesting16) / 2)];
			size_t at = below(*n - 1);

			if (below(2))
				v = (uint16_t)(v << 8 | v >> 8);
			b[at] = (uint8_t)(v >> 8);
			b[at + 1] = (uint8_t)v;
		}
		break;
	case 5: /* add or subtract a little, to a byte or a big-endian 16-bit value */
		if (*n >= 2) {
			size_t at = below(*n - 1);
			int d = (int)below(33) - 16;

			if (below(2)) {
				b[at] = (uint8_t)(b[at] + d);
			} else {
				uint16_t v = (uint16_t)(b[at] << 8 | b[at + 1]);
				v = (uint16_t)(v + d);
				b[at] = (uint8_t)(v >> 8);
				b[at + 1] = (uint8_t)v;
			}
		}
		break;
	case 6: /* delete a range */
		if (*n) {
			pos = below(*n);
			k = small(*n - pos);
			shift(b, n, pos, k, false);
		}
		break;
	case 7: /* insert random bytes */
		k = small(max - *n);
		shift(b, n, pos, k, true);
		for (size_t i = 0; i < k; i++)
			b[pos + i] = below(2) ? (uint8_t)rnd()
					      : interesting8[below(sizeof(interesting8))];
		break;
	case 8: /* repeat a range */
		if (*n) {
			size_t from = below(*n);

			k = small(*n - from);
			if (k > max - *n)
				k = max - *n;
			pos = below(*n + 1);
			shift(b, n, pos, k, true);
			memmove(b + pos, b + (from >= pos ? from + k : from), k);
		}
		break;
	case 9: /* insert a piece of another file */
	case 10:
		if (o && o->n) {
			size_t from = below(o->n);

			k = 1 + below(o->n - from);
			if (k > max - *n)
				k = max - *n;
			shift(b, n, pos, k, true);
			memcpy(b + pos, o->p + from, k);
		}
		break;
	case 11: /* overwrite with another file at the same offset (binary formats) */
		if (o && *n) {
			size_t at = below(*n);

			if (at < o->n) {
				k = 1 + below(o->n - at);
				if (k > *n - at)
					k = *n - at;
				memcpy(b + at, o->p + at, k);
			}
		}
		break;
	case 12: /* insert a dictionary token */
	case 13:
		if (tokens.n) {
			const struct blob *t = &tokens.v[below(tokens.n)];

			k = t->n < max - *n ? t->n : max - *n;
			shift(b, n, pos, k, true);
			memcpy(b + pos, t->p, k);
		}
		break;
	case 14: /* overwrite with a dictionary token */
		if (tokens.n && *n) {
			const struct blob *t = &tokens.v[below(tokens.n)];
			size_t at = below(*n);

			k = t->n < *n - at ? t->n : *n - at;
			memcpy(b + at, t->p, k);
		}
		break;
	case 15: /* truncate */
		*n = below(*n + 1);
		break;
	}
}

/* --- running --------------------------------------------------------------- */

static void run(const uint8_t *p, size_t n, const char *file)
{
	/* An exactly sized heap copy: ASan sees a read one byte past the end. */
	uint8_t *copy = malloc(n ? n : 1);

	if (copy == NULL)
		die("%s", "out of memory");
	memcpy(copy, p, n);
	cur = copy;
	cur_len = n;
	cur_file = file;
	LLVMFuzzerTestOneInput(copy, n);
	cur = NULL;
	free(copy);
	cur_no++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int main(int argc, char **argv)
{
	const char *env_runs = getenv("FUZZ_RUNS"), *env_seed = getenv("FUZZ_SEED");
	const char *env_dir = getenv("FUZZ_ARTIFACTS"), *tmp = getenv("TMPDIR");
	unsigned long runs = env_runs ? strtoul(env_runs, NULL, 0) : 20000;
	size_t max = MAX_LEN_MIN;
	bool any_path = false;
	struct timespec t0, t1;
	char def[256];
	uint8_t *buf;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	seed = env_seed ? strtoull(env_seed, NULL, 0) : 1;
	rng = seed;
	snprintf(artifact_dir, sizeof(artifact_dir), "%s",
		 env_dir && *env_dir ? env_dir
		 : tmp && *tmp	     ? tmp
				     : "/tmp");

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "-dict=", 6) == 0) {
			read_dict(argv[i] + 6);
		} else if (argv[i][0] == '-') {
			die("unknown option %s (usage: fuzz_NAME [-dict=FILE] [FILE|DIR]...)",
			    argv[i]);
		} else {
			read_path(argv[i]);
			any_path = true;
		}
	}
	if (!any_path) {
		snprintf(def, sizeof(def), "tests/fuzz/corpus/%s",
			 strncmp(prog, "fuzz_", 5) == 0 ? prog + 5 : prog);
		read_path(def);
	}
	for (size_t i = 0; i < files.n; i++)
		if (2 * files.v[i].n > max)
			max = 2 * files.v[i].n < MAX_LEN_MAX ? 2 * files.v[i].n : MAX_LEN_MAX;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	catch_crashes();
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (size_t i = 0; i < files.n; i++)
		run(files.v[i].p, files.v[i].n, files.v[i].origin);

	buf = malloc(max);
	if (buf == NULL)
		die("%s", "out of memory");
	for (unsigned long r = 0; r < runs; r++) {
		size_t n = 0;
		unsigned ops = 1 + (unsigned)below(below(4) == 0 ? 16 : 4);

		if (files.n) {
			const struct blob *s = &files.v[below(files.n)];

			n = s->n < max ? s->n : max;
			memcpy(buf, s->p, n);
		}
		for (unsigned k = 0; k < ops; k++)
			mutate_once(buf, &n, max);
		run(buf, n, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: %lu inputs, 0 crashes\n", prog, cur_no);
	if (getenv("FUZZ_VERBOSE"))
		printf("%s: %zu files, %lu mutations (FUZZ_SEED=%llu), %.1f s\n", prog, files.n,
		       runs, (unsigned long long)seed,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(buf);
	for (size_t i = 0; i < files.n; i++) {
		free(files.v[i].p);
		free(files.v[i].origin);
	}
	for (size_t i = 0; i < tokens.n; i++) {
		free(tokens.v[i].p);
		free(tokens.v[i].origin);
	}
	free(files.v);
	free(tokens.v);
	return 0;
}
