/* SPDX-License-Identifier: MIT */
/*
 * mDNS/DNS-SD discovery (discover, push --all, verification): browse, resolve,
 * merge the instances of each name+type+domain into one device, and follow
 * watched devices. On the caller's libuv loop through avahi-daemon; no avahi
 * type appears here (src/discover/ holds the avahi-aware code).
 */
#ifndef ESPFLEET_DISCOVER_H
#define ESPFLEET_DISCOVER_H

#include <stdint.h>

#include "error.h"

typedef struct uv_loop_s uv_loop_t;
struct efl_verifier;

#define EFL_DISCOVER_DEFAULT_TYPE "_arduino._tcp"
#define EFL_DISCOVER_TIMEOUT_MS 5000

/* Longest TXT key kept; longest value of the keys espfleet interprets. */
#define EFL_TXT_KEY_MAX 64
#define EFL_TXT_VALUE_MAX 64

/* One TXT pair. Keys are printable ASCII; a value that was not printable
 * text arrives escaped ("\xNN"), and binary is then set. */
struct efl_txt_item {
	char *key;
	char *value;
	int binary;
};

/*
 * A device as discovery sees it: what the best of its resolved instances
 * says (IPv4 preferred). Strings are as the network sent them (except TXT
 * values, see above): escape before printing. Owned by the discovery
 * session; valid until efl_discover_free.
 */
struct efl_device {
	char *name;              /* service instance name */
	char *type;              /* "_arduino._tcp" */
	char *domain;            /* "local" */
	char *host;              /* SRV target, e.g. "sim-0001.local" */
	char addr[64];           /* numeric, "%ifname" for IPv6 link-local */
	int family;              /* 4 or 6 */
	uint16_t port;
	char ifname[32];         /* its interface; "" for wide-area */
	int protocol;            /* 4 or 6: the mDNS protocol it came over */
	uint32_t instances;      /* interface/protocol pairs it was seen on */
	struct efl_txt_item *txt;
	uint32_t ntxt;
	int present;             /* currently advertised and resolved */
	/* Fresh announcements since discovery began: incremented when the
	 * device disappears, reappears, or its record changes (not by the
	 * first resolution). The verifier compares it with its snapshot. */
	uint32_t changes;

	/* derived from TXT; unknown when absent or malformed */
	const char *board;       /* NULL if unknown */
	int auth_upload;         /* -1 unknown, 0 no, 1 yes */
	int agent;               /* advertises the espfleet agent (efa=...) */
	const char *md5;         /* efa_md5: 32 lowercase hex, or NULL */
	const char *version;     /* efa_ver, or NULL */
	int64_t free_space;      /* efa_free, -1 unknown */
	int64_t flash_size;      /* efa_flash, -1 unknown */
	const char *chip;        /* efa_chip, or NULL */
	const char *auth;        /* efa_auth, or NULL */
	/* efa_state: "trial" (a new image, not confirmed yet), "ok" or
	 * "rolled-back"; NULL unknown (a stock device, an older agent) */
	const char *state;
	const char *rejected;    /* efa_rejected: 32 hex digits, or NULL */
};

/* The value of key, or NULL if the device has no such TXT pair. */
const char *efl_device_txt(const struct efl_device *d, const char *key);

/* What the device inflates itself (TXT efa_gz): 0 nothing known, 1
 * application images, 2 application and filesystem images. */
int efl_device_gzip(const struct efl_device *d);

enum efl_discover_event {
	EFL_DISCOVER_NEW,        /* resolved for the first time */
	EFL_DISCOVER_BACK,       /* advertised again after going away */
	EFL_DISCOVER_CHANGED,    /* its record changed (TXT, address, port) */
	EFL_DISCOVER_REMOVED     /* no longer advertised */
};

struct efl_discover_opts {
	const char *const *types; /* service types; NULL: _arduino._tcp */
	uint32_t ntypes;
	const char *domain;       /* also browse this unicast DNS-SD domain */
};

struct efl_discover_callbacks {
	/* A device event; d is valid until efl_discover_free. May be NULL. */
	void (*device)(void *arg, enum efl_discover_event ev,
	    const struct efl_device *d);
	/* Something from the network was skipped or is malformed: subject
	 * (as received, escape it) and the reason. May be NULL. */
	void (*skipped)(void *arg, const char *subject, const char *reason);
	/* Every browser said "all for now" and no resolve is pending.
	 * Called once. May be NULL. */
	void (*complete)(void *arg);
	/* The connection to avahi-daemon was lost (it stopped or
	 * restarted); no device events follow. May be NULL. */
	void (*failure)(void *arg, const char *message);
	void *arg;
};

struct efl_discover;

/*
 * Connect to avahi-daemon and start browsing. Returns the session, or NULL
 * with the reason in eb: no avahi-daemon reachable, or a bad type or
 * domain. opts and its strings are copied; cb is copied.
 */
struct efl_discover *efl_discover_start(uv_loop_t *loop,
    const struct efl_discover_opts *opts,
    const struct efl_discover_callbacks *cb, struct efl_errbuf *eb);

/* Stop: no callback afterwards; handles close as the loop runs on.
 * NULL is a no-op. */
void efl_discover_free(struct efl_discover *d);

/* 1 once the complete callback has been called. */
int efl_discover_is_complete(const struct efl_discover *d);

/* Report every service still waiting to be resolved through the skipped
 * callback ("not resolved before the timeout"); for a caller that stops
 * before the session is complete. */
void efl_discover_report_unresolved(struct efl_discover *d);

/* 1 after the failure callback. */
int efl_discover_has_failed(const struct efl_discover *d);

/* Run loop until d is complete, has failed, timeout_ms have passed or the
 * command is canceled (loop.h): 1 complete, 0 timed out or canceled, -1
 * failed (the reason in eb). */
int efl_discover_wait(uv_loop_t *loop, struct efl_discover *d,
    uint32_t timeout_ms, struct efl_errbuf *eb);

/* Every device seen (present or not), sorted by name; *n gets the count.
 * The array is owned by the session and valid until the next call. */
const struct efl_device *const *efl_discover_devices(struct efl_discover *d,
    uint32_t *n);

/* The device with this instance name (first type browsed wins), or one
 * that resolved to this numeric address and port (port 0: the only one
 * at that address, whatever its port); NULL if none. */
const struct efl_device *efl_discover_find(struct efl_discover *d,
    const char *name);
const struct efl_device *efl_discover_find_addr(struct efl_discover *d,
    const char *addr, uint16_t port);

/*
 * Follow a device closely (on) or stop (off; calls nest): keep a resolver
 * on every instance so that a changed TXT record is reported even when the
 * device never disappears from avahi's cache.
 */
void efl_discover_watch(struct efl_discover *d, const struct efl_device *dev,
    int on);

/*
 * The verifier of verify.h on top of a discovery session (see verify.c for
 * the rules). d may be NULL (no avahi-daemon): every target is then
 * unverified. any_port: a target given by address that no service has at
 * its port is also matched by its address alone, when only one service
 * has that address (an HTTP push: its port is the update page's, not the
 * advertised OTA port). The verifier does not own d. Free it after the
 * push.
 */
struct efl_verifier *efl_discover_verifier_new(uv_loop_t *loop,
    struct efl_discover *d, int any_port);
void efl_discover_verifier_free(struct efl_verifier *v);

#endif
