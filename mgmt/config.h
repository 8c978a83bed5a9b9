/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * mpgwd configuration: the YAML file an operator writes, loaded with libcyaml
 * and validated into plain structures the daemon uses.
 *
 * Every error names the file, the line and the key, e.g.
 *   "gw.yaml:12: ports[1].role: unknown value 'insde' (inside|outside|wan)".
 * Loading never touches a port or the EAL: `mpgwd --check-config` and the
 * daemon's start-up both call mgmt_config_load() before anything else.
 */
#ifndef MPGW_MGMT_CONFIG_H
#define MPGW_MGMT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MGMT_NAME_MAX 32 /**< port/address names, incl. NUL */
#define MGMT_DEVARGS_MAX 256 /**< DPDK devargs string, incl. NUL */
#define MGMT_EAL_ARGS_MAX 32 /**< EAL arguments */
#define MGMT_EAL_ARG_LEN 128 /**< one EAL argument, incl. NUL */
#define MGMT_PORTS_MAX 8
#define MGMT_ADDRS_MAX 16
#define MGMT_SERVICES_MAX 8
#define MGMT_ERR_MAX 512 /**< size of an error message buffer */
#define MGMT_PEERS_MAX 8
#define MGMT_PATHS_MAX 8 /**< per peer */
#define MGMT_RULES_MAX 1024
#define MGMT_PREFIXES_MAX 64 /**< served prefixes */
#define MGMT_PSK_MIN 16 /**< pre-shared key bytes */
#define MGMT_PSK_MAX 64
#define MGMT_FILE_MAX 256 /**< a file path, incl. NUL */
#define MGMT_SOCKET_MAX 108 /**< a unix socket's path, incl. NUL (sun_path) */
#define MGMT_LISTEN_MAX 64 /**< "ADDR:PORT" of a listener, incl. NUL */

enum mgmt_port_role {
	MGMT_PORT_INSIDE, /**< towards the hosts the box serves */
	MGMT_PORT_OUTSIDE, /**< towards the router; bridged with inside */
	MGMT_PORT_WAN, /**< a port of the box's own, never bridged */
};

/** One DPDK port. */
struct mgmt_port {
	char name[MGMT_NAME_MAX]; /**< operator's name, e.g. "inside" */
	char devargs[MGMT_DEVARGS_MAX]; /**< e.g. "net_af_packet0,iface=veth0" */
	enum mgmt_port_role role;
	uint16_t mtu; /**< 0: leave the port's default */
	uint16_t rx_desc; /**< ring sizes; default 1024 */
	uint16_t tx_desc;
};

/** One address the box owns (a WAN path endpoint). */
struct mgmt_addr {
	char name[MGMT_NAME_MAX]; /**< operator's name, e.g. "wan0" */
	uint16_t port; /**< index into mgmt_config.ports */
	uint32_t ip; /**< IPv4, network byte order */
	uint8_t prefix_len; /**< on-link prefix length, 1..32 */
	bool has_gateway;
	uint32_t gateway; /**< next hop, network byte order */
};

/**
 * Built-in TCP services on the box's own stack, for testing paths and the
 * stack itself (like inetd's echo/discard/chargen): they listen on every box
 * address, or connect out.
 */
enum mgmt_service_kind {
	MGMT_SVC_ECHO, /**< sends back what it receives */
	MGMT_SVC_SINK, /**< reads and counts (and hashes) everything */
	MGMT_SVC_SOURCE, /**< sends `bytes` of a pseudo-random stream, then closes */
};

struct mgmt_service {
	char name[MGMT_NAME_MAX];
	enum mgmt_service_kind kind;
	uint16_t listen_port; /**< listen here (host order); 0: connect instead */
	uint32_t connect_ip; /**< network order */
	uint16_t connect_port; /**< host order */
	uint16_t from_addr; /**< index into addrs: the source address to connect from */
	unsigned connections; /**< connect: how many at once; default 1 */
	uint64_t bytes; /**< source: bytes per connection; default 1 GiB */
	uint32_t sndbuf, rcvbuf; /**< 0: the stack's defaults */
	char cc[16]; /**< congestion control; "": the stack's default */
	char scheduler[16]; /**< MPTCP packet scheduler; "": the stack's default */
	bool mptcp; /**< MPTCP (falling back to TCP with a plain peer); connect:
		       *   one more subflow from each other box address */
};

/** An address prefix (IPv4 or IPv6), as the proxy's rule matcher takes it. */
struct mgmt_prefix {
	uint8_t family; /**< AF_INET or AF_INET6; 0: none (a rule's "any source") */
	uint8_t len; /**< 0..32 or 0..128 */
	uint8_t addr[16]; /**< network order; IPv4 in addr[0..3]; no host bits */
};

/** What is at the other end of a peer's paths. */
enum mgmt_peer_kind {
	MGMT_PEER_GATEWAY, /**< another mpgw box: conversion exchange, then splice */
	MGMT_PEER_MPTCP_SERVER, /**< intercepted TCP goes as MPTCP straight to its
				  *   destination, an MPTCP-capable server */
	MGMT_PEER_MPTCP_CLIENTS, /**< MPTCP clients connect to the box's
				   *   `listen` port; forwarded as TCP to `backend` */
};

/** One WAN path to a peer: from one of our addresses to one of its. */
struct mgmt_path {
	char name[MGMT_NAME_MAX];
	/** Index of the path's counters in its peer's, stable across reloads
	 *  (mgmt_config_align()); < MGMT_PATHS_MAX, unique within the peer. */
	uint8_t slot;
	uint16_t local; /**< index into mgmt_config.addrs */
	uint32_t remote_ip; /**< network order; 0 for mptcp-server (the destination) */
	bool backup; /**< carries data only when no regular path works */
};

struct mgmt_peer {
	char name[MGMT_NAME_MAX];
	/** Index of the peer's counters, stable across reloads
	 *  (mgmt_config_align()); < MGMT_PEERS_MAX, unique. */
	uint8_t slot;
	enum mgmt_peer_kind kind;
	/** Paths; the first carries the initial subflow, the others join. */
	struct mgmt_path paths[MGMT_PATHS_MAX];
	unsigned n_paths;
	uint16_t port; /**< gateway: the peer's proxy port [the box's proxy.port] */
	uint8_t psk[MGMT_PSK_MAX]; /**< gateway: pre-shared key (required) */
	unsigned psk_len;
	/** gateway: the key's file (`psk_file`), resolved against the
	 *  configuration file's directory; "": the key was written inline.
	 *  mgmt_config_parse() only records it (psk_len stays 0);
	 *  mgmt_config_load() reads the key into psk. */
	char psk_file[MGMT_FILE_MAX];
	char scheduler[16]; /**< MPTCP packet scheduler; "": the stack's default */
	char cc[16]; /**< subflows' congestion control; "": the stack's */
	/* mptcp-clients: */
	uint16_t listen_port; /**< host order, on every box address */
	uint32_t backend_ip; /**< network order */
	uint16_t backend_port; /**< host order */
};

enum mgmt_rule_action {
	MGMT_RULE_INTERCEPT,
	MGMT_RULE_PASSTHROUGH,
	MGMT_RULE_DENY,
};

/** One interception rule; the first that matches a new SYN decides. */
struct mgmt_rule {
	char name[MGMT_NAME_MAX];
	/** Index of the rule's hit counter, stable across reloads
	 *  (mgmt_config_align()); < MGMT_RULES_MAX, unique. */
	uint16_t slot;
	enum mgmt_rule_action action;
	uint16_t peer; /**< intercept: index into peers */
	struct mgmt_prefix dst; /**< required */
	struct mgmt_prefix src; /**< family 0: any source */
	bool has_sport, has_dport;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi; /**< inclusive, host order */
};

struct mgmt_config {
	/** EAL arguments after argv[0], verbatim from `eal.args`. */
	char eal_args[MGMT_EAL_ARGS_MAX][MGMT_EAL_ARG_LEN];
	unsigned eal_argc;

	struct mgmt_port ports[MGMT_PORTS_MAX];
	unsigned n_ports;
	struct mgmt_addr addrs[MGMT_ADDRS_MAX];
	unsigned n_addrs;
	struct mgmt_service services[MGMT_SERVICES_MAX];
	unsigned n_services;

	/* workers: */
	unsigned workers; /**< worker lcores; default 1 */
	unsigned idle_sleep_us; /**< max sleep when idle; 0 = poll; default 100 */
	unsigned burst; /**< rx/tx burst size, 1..256; default 32 */

	/* mempool: */
	unsigned mbufs; /**< mbufs in the pool; default 8191 */
	unsigned mbuf_cache; /**< per-lcore cache; default 256 */

	/* arp: */
	unsigned arp_timeout_s; /**< reachable entry lifetime; default 300 */
	unsigned arp_entries; /**< cache size (power of 2); default 1024 */

	/* tcp: (the box's own TCP engine, per worker) */
	unsigned tcp_max_conns; /**< connections, TIME_WAIT included; default 65536 */
	unsigned tcp_max_half_open; /**< SYN-RECEIVED; default 4096 */
	bool tcp_syncookies; /**< SYN cookies once half-open is full; default true */

	/* peers, rules, served (the proxy) */
	struct mgmt_peer peers[MGMT_PEERS_MAX];
	unsigned n_peers;
	struct mgmt_rule rules[MGMT_RULES_MAX];
	unsigned n_rules;
	/** Prefixes this box connects to on its peers' behalf. */
	struct mgmt_prefix served[MGMT_PREFIXES_MAX];
	unsigned n_served;

	/* proxy: */
	uint16_t proxy_port; /**< MPTCP port for peers' conversions; default 6543 */
	unsigned proxy_max_conns; /**< proxied connections at once; default 4096 */
	uint32_t proxy_buffer; /**< bytes buffered per connection and direction
				 *   on each side (TCP and MPTCP); default 1 MiB */
	unsigned proxy_connect_timeout_ms; /**< the peer's answer; then fail open; default 3000 */
	unsigned proxy_idle_timeout_s; /**< no byte either way; 0: never; default 3600 */

	/* log: */
	int log_level; /**< syslog level (LOG_ERR..LOG_DEBUG); default LOG_INFO */
	bool log_syslog; /**< to syslog(3) too (stderr always); default false */

	/* control: the management socket (docs/control.md) */
	char ctl_socket[MGMT_SOCKET_MAX]; /**< absolute path; default "/run/mpgwd.sock" */
	int64_t ctl_owner; /**< uid; -1: unset (the daemon's own) */
	int64_t ctl_group; /**< gid; -1: unset (the daemon's own) */
	unsigned ctl_mode; /**< permission bits, never any for others; default 0660 */

	/* metrics: */
	/** "a.b.c.d:port" or "[v6]:port" in one spelling (inet_ntop()'s, the
	 *  port without leading zeros); "": off; default "127.0.0.1:9477" */
	char metrics_listen[MGMT_LISTEN_MAX];

	/* health: path probes */
	unsigned health_probe_interval_ms; /**< 0: no probes; else 100..60000; default 1000 */
	unsigned health_probe_timeout_ms; /**< 10..60000; default 1000 */
	unsigned health_down_after; /**< lost probes in a row: down; 1..100, default 3 */
	unsigned health_up_after; /**< answered probes in a row: up again; 1..100, default 2 */
	unsigned health_loss_window; /**< probes loss is measured over; 4..1000, default 20 */
	unsigned health_degraded_loss_pct; /**< loss making a path degraded; 1..100, default 5 */
	unsigned health_degraded_rtt_ms; /**< RTT that does; 0: off, else 1..60000; default 0 */
};

/**
 * Parse and validate a configuration held in memory (fuzzable entry point).
 * Nothing else is read but the user and group databases, for
 * control.owner and control.group given by name. Peers, paths and rules
 * get slot = index.
 *
 * @param buf, len  YAML text (need not be NUL-terminated)
 * @param name      file name used in error messages
 * @param cfg       filled on success; left zeroed on failure
 * @param err       on failure, "name:line: key: reason" (size MGMT_ERR_MAX)
 * @return 0 on success, -1 on any error
 */
int mgmt_config_parse(const char *buf, size_t len, const char *name, struct mgmt_config *cfg,
		      char *err);

/**
 * Read @p path (at most 1 MiB) and call mgmt_config_parse(). I/O errors have
 * no line or key: they read "PATH: reason" in @p err.
 *
 * Then read every peer's `psk_file` into its psk: a file readable by others
 * is refused (a key is a secret); its errors read
 * "PATH:LINE: peers[N].psk_file: reason".
 */
int mgmt_config_load(const char *path, struct mgmt_config *cfg, char *err);

/** Index of the port with this name, or -1. */
int mgmt_config_port_index(const struct mgmt_config *cfg, const char *name);

/** First port with this role, or -1. */
int mgmt_config_port_by_role(const struct mgmt_config *cfg, enum mgmt_port_role role);

/** Index of the address, peer or rule with this name, or -1. */
int mgmt_config_addr_index(const struct mgmt_config *cfg, const char *name);
int mgmt_config_peer_index(const struct mgmt_config *cfg, const char *name);
int mgmt_config_rule_index(const struct mgmt_config *cfg, const char *name);

/** Index of the peer's path with this name, or -1. */
int mgmt_config_path_index(const struct mgmt_peer *peer, const char *name);

/**
 * Give @p cfg the counter slots of @p old, the configuration running: a
 * peer or rule of cfg named as one of old takes its slot, and each of a
 * peer's paths named as one of that peer's takes that path's slot; the
 * other peers, paths and rules take the lowest slots left. Nothing is
 * reordered. A slot freed by a removed (or renamed) peer, path or rule may
 * so go to a new one: the data plane clears a slot's counters when the
 * name in it changes. @p old NULL: slots
 * are given as to new entries. Call it after every edit, before
 * mgmt_config_check().
 */
void mgmt_config_align(const struct mgmt_config *old, struct mgmt_config *cfg);

/**
 * May the running configuration @p old become @p cfg without a restart?
 * Only peers, rules, served, proxy.max_connections, proxy.buffer,
 * proxy.connect_timeout_ms, proxy.idle_timeout_s, health.* and log.level
 * may change (docs/config.md, "Reload"), and with a limit: the proxy cannot
 * be turned on or off. (mptcp-clients peers' listeners open and close with
 * them; the far side's is always open.)
 *
 * @param err  on -1, the first key that needs a restart, e.g.
 *             "proxy.port: changed from 6543 to 7000; a restart is needed"
 *             (size MGMT_ERR_MAX; may be NULL)
 * @return 0 if it may, else -1
 */
int mgmt_config_reloadable(const struct mgmt_config *old, const struct mgmt_config *cfg, char *err);

/**
 * The semantic checks of a configuration built in memory (the control
 * socket's edits): names valid and unique, counts within their limits,
 * indexes that name an entry, gateways with a key, prefixes without host
 * bits, port ranges lo <= hi, counter slots unique. mgmt_config_parse()
 * makes its own checks, with lines; what it returns always passes this.
 *
 * @param err  on -1, "THING: reason" naming the entry by name, e.g.
 *             "peers.gwb.paths.p3: local address index 9: no such address"
 *             (size MGMT_ERR_MAX; may be NULL)
 * @return 0, or -1
 */
int mgmt_config_check(const struct mgmt_config *cfg, char *err);

/*
 * Values from strings, for the control socket's commands: the loader's own
 * checks, and its reasons without "FILE:LINE: KEY: " (err of size
 * MGMT_ERR_MAX; may be NULL). Each returns 0, or -1 leaving @p out as it was.
 */

/** "address/len" or a bare address (a host), IPv4 or IPv6; no host bits. */
int mgmt_prefix_parse(const char *s, struct mgmt_prefix *out, char *err);

/** "80" or "8000-8080" (lo <= hi), 0..65535, host order. */
int mgmt_port_range_parse(const char *s, uint16_t *lo, uint16_t *hi, char *err);

/** "a.b.c.d:port" as a peer's `backend`: @p ip network order, port 1..65535. */
int mgmt_endpoint_parse(const char *s, uint32_t *ip, uint16_t *port, char *err);

/** A dotted quad without leading zeros; @p ip in network order. */
int mgmt_ipv4_parse(const char *s, uint32_t *ip, char *err);

/**
 * Read a pre-shared key file as `psk_file` is: a regular file others may
 * not read, holding 32..128 hex digits (whitespace around them ignored).
 * @param psk  MGMT_PSK_MAX bytes
 */
int mgmt_config_read_psk_file(const char *path, uint8_t *psk, unsigned *len, char *err);

/** A prefix as written: "198.18.2.0/24", "2001:db8::/32"; "any" for family 0. */
void mgmt_prefix_format(const struct mgmt_prefix *p, char *out, size_t n);

/** "gateway", "mptcp-server", "mptcp-clients"; NULL for another value. */
const char *mgmt_peer_kind_name(enum mgmt_peer_kind kind);

/** The kind so named; 0, or -1 for an unknown name. */
int mgmt_peer_kind_parse(const char *s, enum mgmt_peer_kind *kind);

/** "intercept", "passthrough", "deny"; NULL for another value. */
const char *mgmt_rule_action_name(enum mgmt_rule_action action);

/** The action so named; 0, or -1 for an unknown name. */
int mgmt_rule_action_parse(const char *s, enum mgmt_rule_action *action);

#endif
