/* SPDX-License-Identifier: MIT */
/*
 * Push targets: "ADDR[:PORT]", "[IPv6]:PORT" or a host name, parsed and
 * resolved (system resolver, asynchronously on the loop) before any device
 * is contacted.
 */
#ifndef ESPFLEET_TARGET_H
#define ESPFLEET_TARGET_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "efa/efa_auth.h"
#include "error.h"
#include "sockaddr.h"

struct efl_secret;
struct efl_shard;
struct efl_transport;

struct efl_target {
	char *label;        /* as given, or the device name when discovered */
	char *host;         /* address or name without the port */
	uint16_t port;
	struct sockaddr_storage addr; /* resolved, port set */
	socklen_t addr_len;
	char addr_text[64]; /* numeric address */
	/* the device's name when known (mDNS instance name, or its name in
	 * the inventory), else NULL */
	char *name;
	int mdns_named;     /* name is what mDNS calls it (found there) */
	char *board;        /* from mDNS TXT, else NULL */
	char *running_md5;  /* agent TXT key, else NULL */
	uint32_t free_space;  /* agent TXT key; 0 = unknown */
	int auth_upload;    /* -1 unknown, 0 no, 1 yes (TXT auth_upload) */
	enum efa_auth_scheme auth_scheme; /* TXT efa_auth; NONE: unknown */
	int gzip;           /* TXT efa_gz: 0 no/unknown, 1 app, 2 app and fs */
	char *skip_reason;  /* set: reported as skipped, never contacted */
	/* how it is reached when that is not the push's way (an inventory
	 * names each device's transport and its group's password):
	 * borrowed, NULL for the push's own */
	struct efl_transport *transport;
	const struct efl_secret *password;
};

/* Split spec into host and port (default_port when absent). 0 or -1 (eb). */
int efl_target_parse(struct efl_target *t, const char *spec,
    uint16_t default_port, struct efl_errbuf *eb);

/* Set addr from a numeric host, if it is one. 1 if numeric, 0 if a name. */
int efl_target_numeric(struct efl_target *t);

void efl_target_free(struct efl_target *t);

/* What reports and shards call t: its device name when known, else the
 * target as given. */
const char *efl_target_name(const struct efl_target *t);

/* Keep, in order, the targets of t[0..*n) in shard s (by
 * efl_target_name), freeing the others; *n becomes their count. */
void efl_targets_keep_shard(struct efl_target *t, uint32_t *n,
    const struct efl_shard *s);

typedef struct uv_loop_s uv_loop_t;

/*
 * Resolve every target that is not a numeric address with the system
 * resolver (uv_getaddrinfo, all at once; IPv4 preferred), running loop until
 * they are done or the command is canceled (loop.h). Also refuses two
 * targets that are the same device. 0, or -1 with the first problem in eb.
 */
int efl_targets_resolve(uv_loop_t *loop, struct efl_target *t, uint32_t n,
    struct efl_errbuf *eb);

/*
 * Why the resolved address of t is no single device's, into why (cap
 * bytes), or NULL: efl_sockaddr_group_kind, or the broadcast address of an
 * interface of this host (getifaddrs), which an invitation would take to
 * every device of that segment.
 */
const char *efl_target_not_unicast(const struct efl_target *t, char *why,
    size_t cap);

/* The first of t[0..n) that efl_target_not_unicast refuses, as an error
 * in eb (-1); 0 when every target is one device's. */
int efl_targets_check_unicast(const struct efl_target *t, uint32_t n,
    struct efl_errbuf *eb);

#endif
