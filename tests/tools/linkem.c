/*
 * linkem — a user-space Ethernet link emulator (the project's stand-in for netem).
 *
 * It runs in a network namespace that holds two interfaces A and B (normally veth
 * ends) and forwards every Ethernet frame from A to B and from B to A through
 * AF_PACKET raw sockets, applying per direction (a2b, b2a):
 *
 *   delay    one-way delay (fractional values allowed)
 *   jitter   uniform random extra delay in [-jitter, +jitter]; frames within a
 *            direction keep their order (release times are clamped to be
 *            non-decreasing) unless `reorder` is given
 *   loss     random loss probability (seeded PRNG, --seed, printed at start)
 *   rate     serialisation rate in bit/s, with a bounded queue in front of it
 *            (tail drop when full)
 *   down/up  at run time; while down every frame, in both directions, is dropped
 *            (frames still held by the emulator are dropped too)
 *
 * Usage
 *   linkem -a IFA -b IFB [--a2b SPEC] [--b2a SPEC] [--both SPEC] [--ctl SOCKPATH]
 *          [--seed N] [--pidfile FILE] [--store SIZE] [--rt-prio N]
 *   linkem --ctl SOCKPATH CMD...          (client: send CMD, print the one-line reply)
 *
 * SPEC is a comma-separated list, every item optional, default a transparent wire:
 *   delay=TIME    TIME  = number with unit us|ms|s (fractions allowed), or 0
 *   jitter=TIME
 *   loss=P        P     = N% or a fraction 0..1
 *   rate=R        R     = number with unit bit|kbit|mbit|gbit (1000-based), 0 = none
 *   queue=SIZE    SIZE  = number with unit b|kb|mb (1024-based, as in tc)
 *   overhead=N    bytes added to every frame for the rate accounting (default 0)
 *   reorder       let jitter reorder frames (reorder=0|1 also accepted)
 *   none          a transparent wire (the same as an empty SPEC)
 * A SPEC always describes the whole direction: options or `set` commands given
 * later replace what was there (keys not named return to their defaults).
 *
 * Rate accounting: each frame costs (its length as seen on the packet socket, i.e.
 * Ethernet header + payload, no preamble, FCS or inter-frame gap) + overhead bytes.
 * Use overhead=24 to count preamble+SFD (8), FCS (4) and the gap (12) like a real
 * wire. The queue is the number of bytes not yet serialised (the frame on the wire
 * included); a frame that arrives when that backlog plus itself exceeds `queue` is
 * dropped (drop_queue), except that a frame arriving at an idle link is always
 * taken. Default queue: 50 ms at the configured rate, at least 16 KiB. `queue`
 * has no effect without `rate`. A frame is released after serialisation plus
 * delay (plus jitter). Loss is decided on arrival, before the queue.
 *
 * Control (--ctl): a unix stream socket; each command is one line and is answered
 * with one line:
 *   down | up                 -> ok
 *   set a2b|b2a|both SPEC     -> ok | err ...
 *   stats                     -> a2b rx=N tx=N drop_loss=N drop_queue=N
 *                                drop_down=N bytes=N b2a rx=N ... (one line)
 *   status                    -> ok link=up|down a2b_spec=SPEC a2b_qlimit=N a2b_held=N
 *                                a2b_tx_err=N a2b_oversize=N b2a_spec=...
 *   reset                     -> ok (counters to zero)
 *   help                      -> ok commands: ...
 * Counters: rx = frames read from the ingress interface, tx = frames written to
 * the egress interface, bytes = bytes of the frames written, drop_loss = random
 * loss, drop_queue = no room (rate queue full, emulator store full, or egress
 * refused with ENOBUFS), drop_down = dropped while the link was down. Other
 * send errors (e.g. ENETDOWN, EMSGSIZE) are counted as tx_err (see `status`).
 * Signals: SIGUSR1 = down, SIGUSR2 = up, SIGTERM/SIGINT/SIGHUP = exit, printing
 * the `stats` line on stdout. The pid file is written (atomically) once the
 * emulator is ready to forward and the control socket listens.
 *
 * Operational notes: turn offloads off on every veth end (ethtool -K IF tx off tso
 * off gso off gro off), otherwise the packet sockets see frames with partial
 * checksums and GSO super-frames (linkem warns once per interface when it sees
 * one). Disable IPv6 in the emulator's namespace so that its own stack stays quiet.
 * Frames up to 65535 bytes are forwarded; VLAN tags that the kernel stripped on
 * receive are put back. Each direction holds frames in a preallocated byte ring
 * (--store, default 32 MiB per direction), never malloc per frame. The loop
 * sleeps in epoll_wait until a frame arrives or a timerfd (CLOCK_MONOTONIC,
 * absolute) says the next held frame is due. It runs as SCHED_FIFO priority 10
 * (--rt-prio N, 0 = leave the scheduling alone; falls back to nice -20), since a
 * late wake-up on a busy machine adds straight to the delay. See docs/linkem.md.
 *
 * Build: gcc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -o linkem linkem.c -lm
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#ifndef TP_STATUS_VLAN_TPID_VALID
#define TP_STATUS_VLAN_TPID_VALID (1 << 6)
#endif

#define MAX_FRAME 65535u
#define VLAN_HLEN 4u
#define RX_BATCH 256
#define MAX_CLIENTS 8
#define CTL_LINE 1024
#define REPLY_MAX 1024
#define SPEC_STR 160
#define DEFAULT_STORE (32u << 20)
#define MIN_STORE (256u << 10)
#define MAX_STORE (1u << 30)
#define NS_PER_S 1000000000ull

/* ---------------------------------------------------------------- utilities */

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("linkem: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		logmsg("clock_gettime: %s", strerror(errno));
		exit(1);
	}
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* xorshift64*: state must never be zero. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, 1). */
static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* ---------------------------------------------------------------- SPEC */

struct spec {
	uint64_t delay_ns;
	uint64_t jitter_ns;
	double loss; /* probability, 0..1 */
	uint64_t rate_bps; /* 0 = unlimited */
	uint64_t queue; /* bytes; 0 = default */
	uint32_t overhead; /* bytes per frame for the rate accounting */
	bool reorder;
};

struct unit {
	const char *name;
	double mult;
};

static const struct unit time_units[] = {
	{ "ns", 1.0 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { NULL, 0 }
};
static const struct unit rate_units[] = {
	{ "bit", 1.0 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { NULL, 0 }
};
static const struct unit size_units[] = {
	{ "b", 1.0 }, { "kb", 1024.0 }, { "mb", 1048576.0 }, { NULL, 0 }
};

static bool span_eq(const char *s, size_t n, const char *word)
{
	size_t wl = strlen(word);

	return n == wl && strncasecmp(s, word, n) == 0;
}

static void span_trim(const char **s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)(*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/*
 * Parses "123", "1.5", ".5" from s[0..n): at most 18 digits in all. Returns the
 * number of characters used (0 when there is no number).
 */
static size_t parse_decimal(const char *s, size_t n, double *out)
{
	uint64_t mant = 0;
	unsigned digits = 0, frac = 0;
	bool dot = false;
	size_t i = 0;

	for (; i < n; i++) {
		char c = s[i];

		if (c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		if (++digits > 18)
			return 0;
		mant = mant * 10 + (uint64_t)(c - '0');
		if (dot)
			frac++;
	}
	if (digits == 0)
		return 0;
	*out = (double)mant / pow(10.0, (double)frac);
	return i;
}

/*
 * Value with a unit from the table; "0" alone needs no unit. The result is the
 * value times the unit's multiplier, which must lie in [0, max].
 */
static int parse_quantity(const char *s, size_t n, const struct unit *units, double max,
			  double *out)
{
	double v;
	size_t used = parse_decimal(s, n, &v);
	const char *u;
	size_t un;

	if (used == 0)
		return -1;
	u = s + used;
	un = n - used;
	span_trim(&u, &un);
	if (un == 0) {
		if (v != 0.0)
			return -1;
		*out = 0.0;
		return 0;
	}
	for (const struct unit *t = units; t->name; t++) {
		if (span_eq(u, un, t->name)) {
			double r = v * t->mult;

			if (!isfinite(r) || r < 0.0 || r > max)
				return -1;
			*out = r;
			return 0;
		}
	}
	return -1;
}

static void spec_clear(struct spec *s)
{
	memset(s, 0, sizeof(*s));
}

/*
 * Parses a SPEC held in buf[0..len) (not necessarily NUL-terminated) into *out.
 * On error returns -1, leaves *out untouched and writes a message into err.
 */
static int spec_parse(const char *buf, size_t len, struct spec *out, char *err, size_t errlen)
{
	struct spec s;
	const char *all = buf;
	size_t alln = len;
	size_t i = 0;

	spec_clear(&s);
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "NUL byte in SPEC");
		return -1;
	}
	span_trim(&all, &alln);
	if (alln == 0) {
		*out = s;
		return 0;
	}
	while (i <= len) {
		size_t j = i;
		const char *tok, *key, *val = NULL;
		size_t tn, kn, vn = 0;
		const char *eq;
		double v;

		while (j < len && buf[j] != ',')
			j++;
		tok = buf + i;
		tn = j - i;
		span_trim(&tok, &tn);
		if (tn == 0) {
			snprintf(err, errlen, "empty item in SPEC");
			return -1;
		}
		eq = memchr(tok, '=', tn);
		key = tok;
		kn = eq ? (size_t)(eq - tok) : tn;
		if (eq) {
			val = eq + 1;
			vn = tn - kn - 1;
			span_trim(&val, &vn);
		}
		span_trim(&key, &kn);
		if (!eq) {
			if (span_eq(key, kn, "reorder")) {
				s.reorder = true;
			} else if (span_eq(key, kn, "none") || span_eq(key, kn, "clear")) {
				spec_clear(&s);
			} else {
				snprintf(err, errlen, "unknown item '%.*s'",
					 (int)(kn > 40 ? 40 : kn), key);
				return -1;
			}
		} else if (vn == 0) {
			snprintf(err, errlen, "no value for '%.*s'", (int)(kn > 40 ? 40 : kn), key);
			return -1;
		} else if (span_eq(key, kn, "delay") || span_eq(key, kn, "jitter")) {
			if (parse_quantity(val, vn, time_units, 3600e9, &v) != 0) {
				snprintf(err, errlen,
					 "bad time '%.*s' (number with us, ms or s, at most 3600s)",
					 (int)(vn > 40 ? 40 : vn), val);
				return -1;
			}
			if (span_eq(key, kn, "delay"))
				s.delay_ns = (uint64_t)llround(v);
			else
				s.jitter_ns = (uint64_t)llround(v);
		} else if (span_eq(key, kn, "loss")) {
			size_t used = parse_decimal(val, vn, &v);
			const char *u = val + used;
			size_t un = vn - used;

			span_trim(&u, &un);
			if (used == 0 || (un != 0 && !span_eq(u, un, "%"))) {
				snprintf(err, errlen, "bad loss '%.*s' (N%% or a fraction)",
					 (int)(vn > 40 ? 40 : vn), val);
				return -1;
			}
			if (un)
				v /= 100.0;
			if (v > 1.0) {
				snprintf(err, errlen, "loss above 100%%");
				return -1;
			}
			s.loss = v;
		} else if (span_eq(key, kn, "rate")) {
			if (parse_quantity(val, vn, rate_units, 1e12, &v) != 0) {
				snprintf(err, errlen,
					 "bad rate '%.*s' (number with bit, kbit, mbit or gbit)",
					 (int)(vn > 40 ? 40 : vn), val);
				return -1;
			}
			s.rate_bps = (uint64_t)llround(v);
			if (v > 0.0 && s.rate_bps == 0) {
				snprintf(err, errlen, "rate below 1 bit/s");
				return -1;
			}
		} else if (span_eq(key, kn, "queue")) {
			if (parse_quantity(val, vn, size_units, 1073741824.0, &v) != 0 || v < 1.0) {
				snprintf(err, errlen,
					 "bad queue '%.*s' (number with b, kb or mb, 1b..1024mb)",
					 (int)(vn > 40 ? 40 : vn), val);
				return -1;
			}
			s.queue = (uint64_t)llround(v);
		} else if (span_eq(key, kn, "overhead")) {
			size_t used = parse_decimal(val, vn, &v);
			const char *u = val + used;
			size_t un = vn - used;

			span_trim(&u, &un);
			if (used == 0 || (un != 0 && !span_eq(u, un, "b")) || v > 1000.0 ||
			    v != floor(v)) {
				snprintf(err, errlen, "bad overhead '%.*s' (0..1000 bytes)",
					 (int)(vn > 40 ? 40 : vn), val);
				return -1;
			}
			s.overhead = (uint32_t)v;
		} else if (span_eq(key, kn, "reorder")) {
			if (span_eq(val, vn, "1") || span_eq(val, vn, "yes") ||
			    span_eq(val, vn, "on"))
				s.reorder = true;
			else if (span_eq(val, vn, "0") || span_eq(val, vn, "no") ||
				 span_eq(val, vn, "off"))
				s.reorder = false;
			else {
				snprintf(err, errlen, "bad reorder value (0 or 1)");
				return -1;
			}
		} else {
			snprintf(err, errlen, "unknown key '%.*s'", (int)(kn > 40 ? 40 : kn), key);
			return -1;
		}
		if (j >= len)
			break;
		i = j + 1;
	}
	*out = s;
	return 0;
}

/* Writes the items that differ from a transparent wire ("none" if none do). */
static void spec_format(const struct spec *s, char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	buf[0] = '\0';
#define SPEC_PUT(...)                                                     \
	do {                                                              \
		n = snprintf(buf + off, len - off, "%s", off ? "," : ""); \
		if (n >= 0 && (size_t)n < len - off)                      \
			off += (size_t)n;                                 \
		n = snprintf(buf + off, len - off, __VA_ARGS__);          \
		if (n >= 0 && (size_t)n < len - off)                      \
			off += (size_t)n;                                 \
	} while (0)
	if (s->delay_ns)
		SPEC_PUT("delay=%.6gms", (double)s->delay_ns / 1e6);
	if (s->jitter_ns)
		SPEC_PUT("jitter=%.6gms", (double)s->jitter_ns / 1e6);
	if (s->loss > 0.0)
		SPEC_PUT("loss=%.6g%%", s->loss * 100.0);
	if (s->rate_bps)
		SPEC_PUT("rate=%" PRIu64 "bit", s->rate_bps);
	if (s->queue)
		SPEC_PUT("queue=%" PRIu64 "b", s->queue);
	if (s->overhead)
		SPEC_PUT("overhead=%" PRIu32, s->overhead);
	if (s->reorder)
		SPEC_PUT("reorder");
#undef SPEC_PUT
	if (off == 0)
		snprintf(buf, len, "none");
}

/* ---------------------------------------------------------------- state */

struct counters {
	uint64_t rx, tx, drop_loss, drop_queue, drop_down, bytes;
	uint64_t tx_err, oversize;
};

/* A frame held by the emulator. */
struct pkt {
	uint64_t due; /* CLOCK_MONOTONIC ns */
	uint64_t seq; /* arrival order, breaks ties */
	uint32_t off; /* in the store */
	uint32_t alen; /* bytes taken in the store (len rounded up to 8) */
	uint32_t len;
	bool done; /* sent or dropped, space not yet reclaimed */
};

struct port;

struct dir {
	const char *name;
	struct port *in, *out;
	struct spec spec;
	uint64_t qlimit; /* effective queue limit, bytes */
	uint64_t rng;
	uint64_t busy_until; /* end of serialisation of the last accepted frame */
	uint64_t busy_rem; /* remainder (ns * rate) of that computation */
	uint64_t last_due;
	uint64_t seq;
	/* byte store: live data between tail and head, see store_alloc() */
	uint8_t *store;
	uint32_t store_size, head, tail;
	/* descriptors in arrival order (ring) and a min-heap on (due, seq) */
	struct pkt *pk;
	uint32_t pk_cap, pk_head, pk_tail, pk_count;
	uint32_t *heap;
	uint32_t heap_len;
	bool blocked; /* egress socket said EAGAIN; wait for EPOLLOUT */
	struct counters c;
};

struct port {
	const char *ifname;
	int ifindex;
	int fd;
	struct dir *rx_dir; /* frames read here go this way */
	struct dir *tx_dir; /* frames of this direction are written here */
	bool warned_csum, warned_big;
	uint32_t epoll_events;
};

struct client {
	int fd;
	bool discard; /* skipping the rest of a line that was too long */
	size_t len;
	char buf[CTL_LINE];
};

enum { TAG_SIG = 1, TAG_TIMER, TAG_PORT_A, TAG_PORT_B, TAG_LISTEN, TAG_CLIENT0 };

static struct dir dirs[2];
static struct port ports[2];
static struct client clients[MAX_CLIENTS];
static bool link_down;
static int epfd = -1, tfd = -1, sfd = -1, lfd = -1;
static uint64_t timer_armed;
static const char *ctl_path;
static const char *pid_path;
static bool ctl_created, pid_created;
static uint8_t scratch[MAX_FRAME + VLAN_HLEN + 64];

static void cleanup_files(void)
{
	if (ctl_created && ctl_path)
		unlink(ctl_path);
	if (pid_created && pid_path)
		unlink(pid_path);
	ctl_created = pid_created = false;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("linkem: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup_files();
	exit(1);
}

static void dir_apply_spec(struct dir *d, const struct spec *s)
{
	d->spec = *s;
	if (s->queue)
		d->qlimit = s->queue;
	else {
		double q = (double)s->rate_bps / 8.0 * 0.050;

		d->qlimit = q < 16384.0 ? 16384 : (uint64_t)q;
	}
}

static void dir_init(struct dir *d, const char *name, uint32_t store_size, uint64_t seed)
{
	uint64_t sm = seed ^ (name[0] == 'a' ? 0x6132626131ull : 0x6232616232ull);

	d->name = name;
	d->rng = splitmix64(&sm);
	if (d->rng == 0)
		d->rng = 0x9e3779b97f4a7c15ull;
	d->store_size = store_size;
	d->store = malloc(store_size);
	d->pk_cap = store_size / 256;
	d->pk = calloc(d->pk_cap, sizeof(*d->pk));
	d->heap = calloc(d->pk_cap, sizeof(*d->heap));
	if (!d->store || !d->pk || !d->heap)
		die("out of memory for the %s store (%" PRIu32 " bytes)", name, store_size);
}

/* ---------------------------------------------------------------- store */

/*
 * Live frames occupy [tail, head) when head >= tail, else [tail, end) and
 * [0, head), where `end` may leave a few unused bytes before store_size. tail
 * is the end of the last reclaimed frame; head == tail only when empty.
 */
static int store_alloc(struct dir *d, uint32_t alen, uint32_t *off)
{
	if (d->pk_count == d->pk_cap)
		return -1;
	if (d->pk_count == 0)
		d->head = d->tail = 0;
	if (d->head >= d->tail) {
		if (d->store_size - d->head >= alen) {
			*off = d->head;
			d->head += alen;
			return 0;
		}
		if (d->tail > alen) {
			*off = 0;
			d->head = alen;
			return 0;
		}
		return -1;
	}
	if (d->tail - d->head > alen) {
		*off = d->head;
		d->head += alen;
		return 0;
	}
	return -1;
}

static void store_reclaim(struct dir *d)
{
	while (d->pk_count > 0 && d->pk[d->pk_tail].done) {
		struct pkt *p = &d->pk[d->pk_tail];

		d->tail = p->off + p->alen;
		p->done = false;
		d->pk_tail = (d->pk_tail + 1) % d->pk_cap;
		d->pk_count--;
	}
	if (d->pk_count == 0)
		d->head = d->tail = 0;
}

static bool pkt_before(const struct dir *d, uint32_t a, uint32_t b)
{
	const struct pkt *x = &d->pk[a], *y = &d->pk[b];

	return x->due < y->due || (x->due == y->due && x->seq < y->seq);
}

static void heap_push(struct dir *d, uint32_t idx)
{
	uint32_t i = d->heap_len++;

	d->heap[i] = idx;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!pkt_before(d, d->heap[i], d->heap[parent]))
			break;
		uint32_t t = d->heap[i];
		d->heap[i] = d->heap[parent];
		d->heap[parent] = t;
		i = parent;
	}
}

static void heap_pop(struct dir *d)
{
	uint32_t i = 0;

	d->heap[0] = d->heap[--d->heap_len];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < d->heap_len && pkt_before(d, d->heap[l], d->heap[m]))
			m = l;
		if (r < d->heap_len && pkt_before(d, d->heap[r], d->heap[m]))
			m = r;
		if (m == i)
			break;
		uint32_t t = d->heap[i];
		d->heap[i] = d->heap[m];
		d->heap[m] = t;
		i = m;
	}
}

/* Drops everything the direction holds (link down). */
static void dir_flush_all(struct dir *d)
{
	while (d->heap_len > 0) {
		d->pk[d->heap[0]].done = true;
		heap_pop(d);
		d->c.drop_down++;
	}
	store_reclaim(d);
	d->busy_until = d->busy_rem = 0;
	d->last_due = 0;
}

/* ---------------------------------------------------------------- ports */

static void port_update_events(struct port *p)
{
	struct epoll_event ev;
	uint32_t want = EPOLLIN | (p->tx_dir->blocked ? EPOLLOUT : 0);

	if (want == p->epoll_events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.u64 = (uint64_t)(p == &ports[0] ? TAG_PORT_A : TAG_PORT_B);
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, p->fd, &ev) != 0)
		die("epoll_ctl(%s): %s", p->ifname, strerror(errno));
	p->epoll_events = want;
}

static void log_tx_err(struct dir *d, int err, uint32_t len)
{
	uint64_t n = d->c.tx_err;

	if (n <= 10 || n % 10000 == 0)
		logmsg("%s: send of %" PRIu32 " bytes on %s failed: %s (%" PRIu64 " so far)",
		       d->name, len, d->out->ifname, strerror(err), n);
}

/* Returns 0 when the frame is done with (sent or dropped), 1 when it must wait. */
static int tx_frame(struct dir *d, const uint8_t *frame, uint32_t len)
{
	for (;;) {
		ssize_t n = send(d->out->fd, frame, len, MSG_DONTWAIT);

		if (n >= 0) {
			d->c.tx++;
			d->c.bytes += (uint64_t)n;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			d->blocked = true;
			port_update_events(d->out);
			return 1;
		}
		if (errno == ENOBUFS) {
			d->c.drop_queue++;
			return 0;
		}
		d->c.tx_err++;
		log_tx_err(d, errno, len);
		if (errno == ENODEV || errno == ENXIO)
			die("%s: interface %s is gone", d->name, d->out->ifname);
		return 0;
	}
}

static void dir_send_due(struct dir *d, uint64_t now)
{
	while (d->heap_len > 0 && !d->blocked) {
		struct pkt *p = &d->pk[d->heap[0]];

		if (p->due > now)
			break;
		if (tx_frame(d, d->store + p->off, p->len) != 0)
			break;
		p->done = true;
		heap_pop(d);
		store_reclaim(d);
	}
}

/* Serialisation time of `bytes` at the direction's rate, carrying the remainder. */
static uint64_t ser_ns(struct dir *d, uint64_t bytes, uint64_t *rem)
{
	uint64_t num = bytes * 8u * NS_PER_S;
	uint64_t q = num / d->spec.rate_bps;

	*rem += num % d->spec.rate_bps;
	if (*rem >= d->spec.rate_bps) {
		*rem -= d->spec.rate_bps;
		q++;
	}
	return q;
}

static void handle_frame(struct dir *d, const uint8_t *frame, uint32_t len, uint64_t now)
{
	const struct spec *s = &d->spec;
	uint64_t due = now, busy = d->busy_until, rem = d->busy_rem;
	uint32_t alen, off, idx;
	struct pkt *p;

	d->c.rx++;
	if (link_down) {
		d->c.drop_down++;
		return;
	}
	if (s->loss > 0.0 && rng_unit(&d->rng) < s->loss) {
		d->c.drop_loss++;
		return;
	}
	if (s->rate_bps) {
		uint64_t cost = (uint64_t)len + s->overhead;
		uint64_t start = busy > now ? busy : now;

		if (busy > now) {
			double backlog = (double)(busy - now) * (double)s->rate_bps / 8e9;

			if (backlog + (double)cost > (double)d->qlimit) {
				d->c.drop_queue++;
				return;
			}
		} else {
			rem = 0;
		}
		busy = start + ser_ns(d, cost, &rem);
		due = busy;
	}
	if (s->delay_ns || s->jitter_ns) {
		int64_t extra = (int64_t)s->delay_ns;

		if (s->jitter_ns) {
			double j = (2.0 * rng_unit(&d->rng) - 1.0) * (double)s->jitter_ns;

			extra += (int64_t)llround(j);
		}
		if (extra > 0)
			due += (uint64_t)extra;
	}
	if (!s->reorder && due < d->last_due)
		due = d->last_due;

	/* Nothing held and already due: straight through, no copy. */
	if (due <= now && d->heap_len == 0 && !d->blocked) {
		d->busy_until = busy;
		d->busy_rem = rem;
		if (due > d->last_due)
			d->last_due = due;
		if (tx_frame(d, frame, len) == 0)
			return;
		/* EAGAIN: hold it like any other frame */
	}
	alen = (len + 7u) & ~7u;
	if (store_alloc(d, alen, &off) != 0) {
		d->c.drop_queue++;
		return;
	}
	d->busy_until = busy;
	d->busy_rem = rem;
	if (due > d->last_due)
		d->last_due = due;
	memcpy(d->store + off, frame, len);
	idx = d->pk_head;
	d->pk_head = (d->pk_head + 1) % d->pk_cap;
	d->pk_count++;
	p = &d->pk[idx];
	p->due = due;
	p->seq = d->seq++;
	p->off = off;
	p->alen = alen;
	p->len = len;
	p->done = false;
	heap_push(d, idx);
}

static void port_rx(struct port *pt)
{
	struct dir *d = pt->rx_dir;

	for (int i = 0; i < RX_BATCH; i++) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cb;
		struct sockaddr_ll sll;
		struct iovec iov = { scratch + VLAN_HLEN, MAX_FRAME };
		struct msghdr mh;
		uint8_t *frame = scratch + VLAN_HLEN;
		ssize_t n;
		uint32_t len;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sll;
		mh.msg_namelen = sizeof(sll);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cb.buf;
		mh.msg_controllen = sizeof(cb.buf);
		n = recvmsg(pt->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == ENETDOWN) {
				char name[IF_NAMESIZE];

				/* the kernel says ENETDOWN for a deleted interface too */
				if (if_indextoname((unsigned int)pt->ifindex, name) == NULL)
					die("%s: interface is gone", pt->ifname);
				logmsg("%s: interface went down", pt->ifname);
				continue;
			}
			if (errno == ENODEV || errno == ENXIO)
				die("%s: interface is gone", pt->ifname);
			die("recvmsg(%s): %s", pt->ifname, strerror(errno));
		}
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n > MAX_FRAME || (mh.msg_flags & MSG_TRUNC)) {
			d->c.rx++;
			d->c.oversize++;
			if (!pt->warned_big) {
				pt->warned_big = true;
				logmsg("%s: frame of %zd bytes dropped (over %u: GRO/GSO on?)",
				       pt->ifname, n, MAX_FRAME);
			}
			continue;
		}
		len = (uint32_t)n;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof(aux)))
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if ((aux.tp_status & TP_STATUS_CSUMNOTREADY) && !pt->warned_csum) {
				pt->warned_csum = true;
				logmsg("%s: frame with a partial checksum (tx checksum offload on "
				       "the sender?); forwarded as it is",
				       pt->ifname);
			}
			if ((aux.tp_status & TP_STATUS_VLAN_VALID) && len >= 2 * ETH_ALEN) {
				uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID)
							? aux.tp_vlan_tpid
							: ETH_P_8021Q;
				uint16_t be;

				memmove(scratch, frame, 2 * ETH_ALEN);
				be = htons(tpid);
				memcpy(scratch + 2 * ETH_ALEN, &be, 2);
				be = htons(aux.tp_vlan_tci);
				memcpy(scratch + 2 * ETH_ALEN + 2, &be, 2);
				frame = scratch;
				len += VLAN_HLEN;
			}
		}
		handle_frame(d, frame, len, mono_ns());
	}
}

static void port_open(struct port *p)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	int one = 1, rcv = 32 << 20, snd = 8 << 20;
	unsigned int idx;

	if (strlen(p->ifname) >= IFNAMSIZ)
		die("interface name too long: %s", p->ifname);
	idx = if_nametoindex(p->ifname);
	if (idx == 0)
		die("interface %s: %s", p->ifname, strerror(errno));
	p->ifindex = (int)idx;
	/* protocol 0 until bound, so nothing from other interfaces queues up */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		die("socket(AF_PACKET): %s", strerror(errno));
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) != 0 &&
	    setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) != 0)
		die("SO_RCVBUF(%s): %s", p->ifname, strerror(errno));
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) != 0 &&
	    setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)) != 0)
		die("SO_SNDBUF(%s): %s", p->ifname, strerror(errno));
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0)
		die("PACKET_AUXDATA(%s): %s", p->ifname, strerror(errno));
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0)
		logmsg("PACKET_IGNORE_OUTGOING(%s): %s; filtering by packet type instead",
		       p->ifname, strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		die("bind(%s): %s", p->ifname, strerror(errno));
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
		die("PACKET_MR_PROMISC(%s): %s", p->ifname, strerror(errno));
}

/* ---------------------------------------------------------------- control */

static void stats_line(char *buf, size_t len)
{
	size_t off = 0;

	for (int i = 0; i < 2; i++) {
		const struct counters *c = &dirs[i].c;
		int n = snprintf(buf + off, len - off,
				 "%s%s rx=%" PRIu64 " tx=%" PRIu64 " drop_loss=%" PRIu64
				 " drop_queue=%" PRIu64 " drop_down=%" PRIu64 " bytes=%" PRIu64,
				 i ? " " : "", dirs[i].name, c->rx, c->tx, c->drop_loss,
				 c->drop_queue, c->drop_down, c->bytes);

		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}

static void status_line(char *buf, size_t len)
{
	size_t off;
	int n = snprintf(buf, len, "ok link=%s", link_down ? "down" : "up");

	if (n < 0 || (size_t)n >= len)
		return;
	off = (size_t)n;
	for (int i = 0; i < 2; i++) {
		char sp[SPEC_STR];
		const struct dir *d = &dirs[i];

		spec_format(&d->spec, sp, sizeof(sp));
		n = snprintf(buf + off, len - off,
			     " %s_spec=%s %s_qlimit=%" PRIu64 " %s_held=%" PRIu32
			     " %s_tx_err=%" PRIu64 " %s_oversize=%" PRIu64,
			     d->name, sp, d->name, d->qlimit, d->name, d->pk_count, d->name,
			     d->c.tx_err, d->name, d->c.oversize);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}

static void set_link(bool down, const char *why)
{
	if (down == link_down)
		return;
	link_down = down;
	if (down) {
		dir_flush_all(&dirs[0]);
		dir_flush_all(&dirs[1]);
	}
	logmsg("link %s (%s)", down ? "down" : "up", why);
}

/* Runs one command line (without the newline), writes the one-line reply. */
static void ctl_command(const char *line, size_t n, char *reply, size_t rlen)
{
	const char *w = line, *rest;
	size_t wn, restn;

	span_trim(&line, &n);
	w = line;
	for (wn = 0; wn < n && !isspace((unsigned char)line[wn]); wn++)
		;
	rest = line + wn;
	restn = n - wn;
	span_trim(&rest, &restn);

	if (span_eq(w, wn, "down") && restn == 0) {
		set_link(true, "control");
		snprintf(reply, rlen, "ok");
	} else if (span_eq(w, wn, "up") && restn == 0) {
		set_link(false, "control");
		snprintf(reply, rlen, "ok");
	} else if (span_eq(w, wn, "stats") && restn == 0) {
		stats_line(reply, rlen);
	} else if (span_eq(w, wn, "status") && restn == 0) {
		status_line(reply, rlen);
	} else if (span_eq(w, wn, "reset") && restn == 0) {
		memset(&dirs[0].c, 0, sizeof(dirs[0].c));
		memset(&dirs[1].c, 0, sizeof(dirs[1].c));
		snprintf(reply, rlen, "ok");
	} else if (span_eq(w, wn, "help")) {
		snprintf(reply, rlen,
			 "ok commands: down, up, set a2b|b2a|both SPEC, stats, "
			 "status, reset, help");
	} else if (span_eq(w, wn, "set")) {
		const char *dn = rest, *sp;
		size_t dl, spn;
		struct spec s;
		char err[128];

		for (dl = 0; dl < restn && !isspace((unsigned char)rest[dl]); dl++)
			;
		sp = rest + dl;
		spn = restn - dl;
		span_trim(&sp, &spn);
		if (spn == 0) {
			snprintf(reply, rlen, "err usage: set a2b|b2a|both SPEC");
			return;
		}
		if (!span_eq(dn, dl, "a2b") && !span_eq(dn, dl, "b2a") &&
		    !span_eq(dn, dl, "both")) {
			snprintf(reply, rlen, "err direction must be a2b, b2a or both");
			return;
		}
		if (spec_parse(sp, spn, &s, err, sizeof(err)) != 0) {
			snprintf(reply, rlen, "err %s", err);
			return;
		}
		if (!span_eq(dn, dl, "b2a"))
			dir_apply_spec(&dirs[0], &s);
		if (!span_eq(dn, dl, "a2b"))
			dir_apply_spec(&dirs[1], &s);
		snprintf(reply, rlen, "ok");
	} else {
		snprintf(reply, rlen, "err unknown command (try help)");
	}
}

static void client_close(struct client *c)
{
	if (c->fd >= 0) {
		if (epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL) != 0)
			logmsg("epoll_ctl(DEL client): %s", strerror(errno));
		close(c->fd);
	}
	c->fd = -1;
	c->len = 0;
}

/* Returns false when the client had to be closed. */
static bool client_reply(struct client *c, const char *reply)
{
	char out[REPLY_MAX + 2];
	int n = snprintf(out, sizeof(out), "%s\n", reply);
	size_t len = n < 0 ? 0 : ((size_t)n >= sizeof(out) ? sizeof(out) - 1 : (size_t)n);
	ssize_t w;

	do
		w = send(c->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != len) {
		client_close(c);
		return false;
	}
	return true;
}

static void client_read(struct client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		char *nl;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(c);
			return;
		}
		if (n == 0) {
			client_close(c);
			return;
		}
		c->len += (size_t)n;
		while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			size_t ll = (size_t)(nl - c->buf);
			char reply[REPLY_MAX];

			if (c->discard) {
				c->discard = false;
				snprintf(reply, sizeof(reply), "err line too long");
			} else if (ll > 0 && c->buf[ll - 1] == '\r') {
				ctl_command(c->buf, ll - 1, reply, sizeof(reply));
			} else {
				ctl_command(c->buf, ll, reply, sizeof(reply));
			}
			if (!client_reply(c, reply))
				return;
			memmove(c->buf, nl + 1, c->len - ll - 1);
			c->len -= ll + 1;
		}
		if (c->len == sizeof(c->buf)) {
			/* no newline in a full buffer: skip to the next one */
			c->discard = true;
			c->len = 0;
		}
	}
}

static void ctl_accept(void)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		int slot = -1;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				logmsg("accept: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (clients[i].fd < 0) {
				slot = i;
				break;
			}
		if (slot < 0) {
			static const char busy[] = "err too many clients\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				logmsg("control client refused: %s", strerror(errno));
			close(fd);
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)(TAG_CLIENT0 + slot);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			logmsg("epoll_ctl(client): %s", strerror(errno));
			close(fd);
			continue;
		}
		clients[slot].fd = fd;
		clients[slot].len = 0;
		clients[slot].discard = false;
	}
}

static int ctl_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

static void ctl_listen(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;

	if (ctl_addr(path, &sa) != 0)
		die("control socket path too long: %s", path);
	if (lstat(path, &st) == 0) {
		int probe;

		if (!S_ISSOCK(st.st_mode))
			die("%s exists and is not a socket", path);
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			die("socket(AF_UNIX): %s", strerror(errno));
		if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			die("%s: another linkem is listening there", path);
		}
		close(probe);
		if (unlink(path) != 0)
			die("unlink stale %s: %s", path, strerror(errno));
	}
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket(AF_UNIX): %s", strerror(errno));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("bind(%s): %s", path, strerror(errno));
	ctl_created = true;
	if (listen(lfd, 16) != 0)
		die("listen(%s): %s", path, strerror(errno));
}

static int ctl_client_main(const char *path, int argc, char **argv)
{
	struct sockaddr_un sa;
	char cmd[CTL_LINE], reply[REPLY_MAX + 2];
	size_t len = 0, got = 0;
	struct timeval tv = { 5, 0 };
	int fd;

	if (ctl_addr(path, &sa) != 0) {
		logmsg("control socket path too long: %s", path);
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		size_t al = strlen(argv[i]);

		if (len + al + 2 > sizeof(cmd)) {
			logmsg("command too long");
			return 2;
		}
		if (i)
			cmd[len++] = ' ';
		memcpy(cmd + len, argv[i], al);
		len += al;
	}
	cmd[len++] = '\n';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		logmsg("socket(AF_UNIX): %s", strerror(errno));
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		logmsg("setsockopt(timeout): %s", strerror(errno));
		close(fd);
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		logmsg("connect(%s): %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = send(fd, cmd + off, len - off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			logmsg("send: %s", strerror(errno));
			close(fd);
			return 1;
		}
		off += (size_t)w;
	}
	while (got < sizeof(reply) - 1) {
		ssize_t r = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			logmsg("recv: %s", strerror(errno));
			close(fd);
			return 1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (got == 0) {
		logmsg("no reply");
		return 1;
	}
	printf("%s\n", reply);
	if (fflush(stdout) != 0)
		return 1;
	if (strcmp(reply, "ok") == 0 || strncmp(reply, "ok ", 3) == 0 ||
	    strncmp(reply, "a2b ", 4) == 0)
		return 0;
	return 1;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fputs("usage: linkem -a IFA -b IFB [--a2b SPEC] [--b2a SPEC] [--both SPEC]\n"
	      "              [--ctl SOCKPATH] [--seed N] [--pidfile FILE] [--store SIZE]\n"
	      "              [--rt-prio N]\n"
	      "       linkem --ctl SOCKPATH CMD...\n"
	      "\n"
	      "Forwards Ethernet frames between interfaces A and B, per direction:\n"
	      "SPEC = comma-separated, all optional (default: a transparent wire):\n"
	      "  delay=TIME jitter=TIME   TIME: N us|ms|s (fractions allowed)\n"
	      "  loss=P                   P: N% or a fraction 0..1\n"
	      "  rate=R                   R: N bit|kbit|mbit|gbit (frame bytes + overhead)\n"
	      "  queue=SIZE               SIZE: N b|kb|mb (1024-based); default 50 ms of rate\n"
	      "  overhead=N               bytes added per frame in the rate accounting\n"
	      "  reorder                  let jitter reorder frames (default: keep order)\n"
	      "  none                     transparent\n"
	      "A later option naming a direction replaces its whole SPEC.\n"
	      "--store SIZE: bytes held per direction (default 32mb).\n"
	      "--rt-prio N: SCHED_FIFO priority (default 10; 0 = leave the scheduling alone).\n"
	      "Control commands: down, up, set a2b|b2a|both SPEC, stats, status, reset, help.\n"
	      "Signals: USR1 = down, USR2 = up, TERM/INT = exit printing the stats line.\n",
	      f);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static void write_pidfile(const char *path)
{
	char tmp[PATH_MAX], buf[32];
	int fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("pid file path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("open(%s): %s", tmp, strerror(errno));
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		unlink(tmp);
		die("write(%s) failed", tmp);
	}
	if (close(fd) != 0) {
		unlink(tmp);
		die("close(%s): %s", tmp, strerror(errno));
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		die("rename(%s): %s", path, strerror(errno));
	}
	pid_created = true;
}

static void epoll_add(int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = tag;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		die("epoll_ctl(ADD): %s", strerror(errno));
}

static void arm_timer(uint64_t now)
{
	uint64_t next = 0;
	struct itimerspec its;

	for (int i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];

		if (d->heap_len && !d->blocked) {
			uint64_t due = d->pk[d->heap[0]].due;

			if (next == 0 || due < next)
				next = due;
		}
	}
	if (next == timer_armed)
		return;
	if (next != 0 && next <= now)
		next = now + 1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(next / NS_PER_S);
	its.it_value.tv_nsec = (long)(next % NS_PER_S);
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		die("timerfd_settime: %s", strerror(errno));
	timer_armed = next;
}

static bool handle_signals(void)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return false;
			die("read(signalfd): %s", strerror(errno));
		}
		if (n != (ssize_t)sizeof(si))
			die("short read from signalfd");
		switch (si.ssi_signo) {
		case SIGUSR1:
			set_link(true, "SIGUSR1");
			break;
		case SIGUSR2:
			set_link(false, "SIGUSR2");
			break;
		default:
			return true;
		}
	}
}

/*
 * A late wake-up adds straight to the emulated delay, and the machines this
 * runs on are small and busy (DPDK lcores poll at 100% CPU), so by default run
 * as SCHED_FIFO at a low real-time priority; fall back to nice -20, then to
 * nothing. Writes what it got into buf.
 */
static void set_priority(int rt_prio, char *buf, size_t len)
{
	struct sched_param sp;

	if (rt_prio == 0) {
		snprintf(buf, len, "default");
		return;
	}
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = rt_prio;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) == 0) {
		snprintf(buf, len, "fifo:%d", rt_prio);
		return;
	}
	logmsg("SCHED_FIFO: %s; trying nice -20", strerror(errno));
	if (setpriority(PRIO_PROCESS, 0, -20) == 0) {
		snprintf(buf, len, "nice:-20");
		return;
	}
	logmsg("setpriority: %s; delays may suffer on a busy machine", strerror(errno));
	snprintf(buf, len, "default");
}

enum { OPT_A2B = 256, OPT_B2A, OPT_BOTH, OPT_CTL, OPT_SEED, OPT_PIDFILE, OPT_STORE, OPT_RTPRIO };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "a2b", required_argument, NULL, OPT_A2B },
		{ "b2a", required_argument, NULL, OPT_B2A },
		{ "both", required_argument, NULL, OPT_BOTH },
		{ "ctl", required_argument, NULL, OPT_CTL },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "rt-prio", required_argument, NULL, OPT_RTPRIO },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ifa = NULL, *ifb = NULL;
	struct spec sp[2];
	uint64_t seed = 0;
	bool have_seed = false;
	uint32_t store = DEFAULT_STORE;
	int rt_prio = 10;
	char prio[32];
	sigset_t mask;
	char err[128], s0[SPEC_STR], s1[SPEC_STR], line[REPLY_MAX];
	int opt;

	spec_clear(&sp[0]);
	spec_clear(&sp[1]);
	while ((opt = getopt_long(argc, argv, "+a:b:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			ifa = optarg;
			break;
		case 'b':
			ifb = optarg;
			break;
		case OPT_A2B:
		case OPT_B2A:
		case OPT_BOTH: {
			struct spec s;

			if (spec_parse(optarg, strlen(optarg), &s, err, sizeof(err)) != 0) {
				logmsg("bad SPEC '%s': %s", optarg, err);
				return 2;
			}
			if (opt != OPT_B2A)
				sp[0] = s;
			if (opt != OPT_A2B)
				sp[1] = s;
			break;
		}
		case OPT_CTL:
			ctl_path = optarg;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, &seed) != 0) {
				logmsg("bad seed '%s'", optarg);
				return 2;
			}
			have_seed = true;
			break;
		case OPT_PIDFILE:
			pid_path = optarg;
			break;
		case OPT_STORE: {
			double v;

			if (parse_quantity(optarg, strlen(optarg), size_units, (double)MAX_STORE,
					   &v) != 0 ||
			    v < (double)MIN_STORE) {
				logmsg("bad --store '%s' (256kb..1024mb)", optarg);
				return 2;
			}
			store = (uint32_t)v;
			break;
		}
		case OPT_RTPRIO: {
			uint64_t v;

			if (parse_u64(optarg, &v) != 0 || v > 99) {
				logmsg("bad --rt-prio '%s' (0..99)", optarg);
				return 2;
			}
			rt_prio = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!ifa && !ifb && ctl_path && optind < argc)
		return ctl_client_main(ctl_path, argc - optind, argv + optind);
	if (!ifa || !ifb || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(ifa, ifb) == 0) {
		logmsg("A and B must be different interfaces");
		return 2;
	}
	if (!have_seed) {
		uint64_t s = mono_ns() ^ ((uint64_t)getpid() << 32);

		seed = splitmix64(&s);
	}
	if (setvbuf(stdout, NULL, _IOLBF, 0) != 0)
		logmsg("setvbuf failed");

	/* the timer's slack adds directly to the emulated delay */
	if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) != 0)
		logmsg("PR_SET_TIMERSLACK: %s", strerror(errno));
	set_priority(rt_prio, prio, sizeof(prio));

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
		die("sigprocmask: %s", strerror(errno));
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal(SIGPIPE): %s", strerror(errno));
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd: %s", strerror(errno));
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0)
		die("timerfd_create: %s", strerror(errno));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1: %s", strerror(errno));

	dir_init(&dirs[0], "a2b", store, seed);
	dir_init(&dirs[1], "b2a", store, seed);
	dir_apply_spec(&dirs[0], &sp[0]);
	dir_apply_spec(&dirs[1], &sp[1]);
	ports[0].ifname = ifa;
	ports[1].ifname = ifb;
	ports[0].rx_dir = ports[1].tx_dir = &dirs[0];
	ports[1].rx_dir = ports[0].tx_dir = &dirs[1];
	dirs[0].in = dirs[1].out = &ports[0];
	dirs[1].in = dirs[0].out = &ports[1];
	port_open(&ports[0]);
	port_open(&ports[1]);
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;

	epoll_add(sfd, EPOLLIN, TAG_SIG);
	epoll_add(tfd, EPOLLIN, TAG_TIMER);
	epoll_add(ports[0].fd, EPOLLIN, TAG_PORT_A);
	epoll_add(ports[1].fd, EPOLLIN, TAG_PORT_B);
	ports[0].epoll_events = ports[1].epoll_events = EPOLLIN;
	if (ctl_path) {
		ctl_listen(ctl_path);
		epoll_add(lfd, EPOLLIN, TAG_LISTEN);
	}
	spec_format(&dirs[0].spec, s0, sizeof(s0));
	spec_format(&dirs[1].spec, s1, sizeof(s1));
	printf("linkem: a=%s b=%s seed=%" PRIu64 " a2b=%s b2a=%s store=%" PRIu32 " sched=%s\n", ifa,
	       ifb, seed, s0, s1, store, prio);
	if (pid_path)
		write_pidfile(pid_path);

	for (;;) {
		struct epoll_event evs[16];
		uint64_t now = mono_ns();
		int n;

		dir_send_due(&dirs[0], now);
		dir_send_due(&dirs[1], now);
		arm_timer(now);
		n = epoll_wait(epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;

			if (tag == TAG_SIG) {
				if (handle_signals())
					goto out;
			} else if (tag == TAG_TIMER) {
				uint64_t exp;

				if (read(tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN &&
				    errno != EINTR)
					die("read(timerfd): %s", strerror(errno));
				timer_armed = 0;
			} else if (tag == TAG_PORT_A || tag == TAG_PORT_B) {
				struct port *p = &ports[tag == TAG_PORT_A ? 0 : 1];

				if ((evs[i].events & EPOLLOUT) && p->tx_dir->blocked) {
					p->tx_dir->blocked = false;
					port_update_events(p);
				}
				if (evs[i].events & (EPOLLIN | EPOLLERR))
					port_rx(p);
			} else if (tag == TAG_LISTEN) {
				ctl_accept();
			} else if (tag >= TAG_CLIENT0 && tag < TAG_CLIENT0 + MAX_CLIENTS) {
				struct client *c = &clients[tag - TAG_CLIENT0];

				if (c->fd >= 0)
					client_read(c);
			}
		}
	}
out:
	stats_line(line, sizeof(line));
	printf("%s\n", line);
	if (dirs[0].c.tx_err || dirs[1].c.tx_err || dirs[0].c.oversize || dirs[1].c.oversize)
		logmsg("a2b tx_err=%" PRIu64 " oversize=%" PRIu64 " b2a tx_err=%" PRIu64
		       " oversize=%" PRIu64,
		       dirs[0].c.tx_err, dirs[0].c.oversize, dirs[1].c.tx_err, dirs[1].c.oversize);
	cleanup_files();
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			close(clients[i].fd);
	for (int i = 0; i < 2; i++) {
		close(ports[i].fd);
		free(dirs[i].store);
		free(dirs[i].pk);
		free(dirs[i].heap);
	}
	if (lfd >= 0)
		close(lfd);
	close(epfd);
	close(tfd);
	close(sfd);
	return fflush(stdout) == 0 ? 0 : 1;
}
