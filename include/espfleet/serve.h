/* SPDX-License-Identifier: MIT */
/*
 * espfleet serve: the HTTP update server of devices that pull
 * (ESP8266httpUpdate / ESP32 HTTPUpdate, docs/protocol.md 7.1). What to
 * answer one request is a pure function of its method, path, headers and
 * credentials and of the server's configuration (efl_serve_decide): no
 * sockets, unit-tested on its own. The HTTP side (src/serve/serve-http.c,
 * libmicrohttpd on the loop) only feeds it, sends what it decided and
 * reports each request as an output event.
 */
#ifndef ESPFLEET_SERVE_H
#define ESPFLEET_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "image.h"

struct efl_http_header {
	const char *name;       /* any case */
	const char *value;
};

enum efl_serve_auth {
	EFL_SERVE_AUTH_NONE = 0,  /* no (Basic) credentials sent */
	EFL_SERVE_AUTH_OK,        /* the password matched */
	EFL_SERVE_AUTH_BAD,       /* it did not */
	EFL_SERVE_AUTH_THROTTLED  /* not checked: the client address made
	                             too many wrong tries (throttle_s) */
};

struct efl_serve_request {
	const char *method;       /* "GET", ... */
	const char *path;         /* without the query string */
	const struct efl_http_header *headers;
	size_t nheaders;
	enum efl_serve_auth auth;
	uint32_t throttle_s;      /* THROTTLED: seconds still to wait */
};

struct efl_serve_config {
	const char *path;         /* answer only this path; NULL: any */
	const char *image_md5;    /* 32 lowercase hex */
	uint32_t image_size;
	const char *image_version; /* efa_image_version; "" if none */
	const char *fs_md5;       /* the --fs image, or NULL */
	uint32_t fs_size;
	uint32_t percent;         /* canary cohort: buckets 0..percent-1 */
	int password;             /* requests must authenticate */
};

enum efl_serve_body {
	EFL_SERVE_BODY_NONE = 0,  /* headers only (the reason as text) */
	EFL_SERVE_BODY_IMAGE,     /* the image */
	EFL_SERVE_BODY_FS         /* the --fs image */
};

/* What the device said about itself; strings are bounded copies of its
 * headers ("" when absent), device-supplied and not yet escaped. */
struct efl_serve_device {
	const char *chip;         /* "esp8266", "esp32", or NULL */
	char mac[18];             /* STA MAC "AA:BB:CC:DD:EE:FF", or "" */
	char md5[40];             /* its sketch-md5 */
	char mode[16];            /* "sketch", "spiffs", "version", ... */
	char version[64];         /* its x-...-version */
	int64_t free_space;       /* -1 when not sent or not a number */
	int bucket;               /* canary bucket 0..99 of the MAC, or -1 */
};

struct efl_serve_decision {
	int status;               /* 200, 304, 401, 403, 404, 405, 429 */
	enum efl_serve_body body;
	const char *md5;          /* x-MD5 to send (config's), or NULL */
	const char *version;      /* x-version to send, or NULL */
	uint32_t retry_after;     /* 429: Retry-After seconds */
	char reason[200];         /* why, for the log and x-espfleet-reason */
	struct efl_serve_device dev;
};

/*
 * Decide the answer to req (ESP8266httpUpdate and ESP32 HTTPUpdate
 * headers, docs/protocol.md 7.1):
 *   405 a method other than GET/HEAD; 404 another path than cfg->path;
 *   429 a password is configured and req->auth is THROTTLED (with
 *     retry_after), 401 when it is otherwise not OK;
 *   403 no x-ESP8266-STA-MAC or x-ESP32-STA-MAC header (a User-Agent
 *     alone is no update client), or an unknown mode;
 *   mode "version": 200 with x-version and x-MD5, no body (404 when the
 *     image declares no version);
 *   mode "spiffs": 200 with the --fs image (404 without one), or 304
 *     outside the cohort;
 *   mode "sketch" (or none): 304 when the device's sketch-md5 is the
 *     image's; 304 when its STA MAC is outside the canary cohort; 403 when
 *     its free-space is smaller than the image; else 200 with the image.
 * Pure: d is filled from its arguments only.
 */
void efl_serve_decide(const struct efl_serve_config *cfg,
    const struct efl_serve_request *req, struct efl_serve_decision *d);

/* The canary bucket (0..99) of a MAC as a device sends it (any case): a
 * 32-bit FNV-1a hash of its upper-case "AA:BB:CC:DD:EE:FF" form, modulo
 * 100; the same MAC is in the same bucket in every run and version. -1 if
 * mac is not a MAC. out (18 bytes, may be NULL) receives the form. */
int efl_serve_bucket(const char *mac, char *out);

/* ---- wrong passwords, throttled per client address (throttle.c) ---- */

/*
 * After EFL_THROTTLE_FREE wrong passwords in a row from one client address
 * (an IPv4 address, v4-mapped or not; the /64 of an IPv6 one), each
 * further one locks the address out: first for EFL_THROTTLE_FIRST_MS,
 * twice as long with each one after, at most EFL_THROTTLE_MAX_MS. A locked
 * out address gets 429 without its password being looked at; the right
 * password starts it afresh, and so does EFL_THROTTLE_FORGET_MS without a
 * wrong one. EFL_THROTTLE_SLOTS addresses are remembered (the one quiet
 * longest makes room). Pure: the time is an argument.
 */
#define EFL_THROTTLE_FREE 5u
#define EFL_THROTTLE_FIRST_MS 1000u
#define EFL_THROTTLE_MAX_MS 60000u
#define EFL_THROTTLE_FORGET_MS 600000u
#define EFL_THROTTLE_SLOTS 1024u

struct efl_throttle_slot {
	uint8_t key[9];           /* family, then 4 or 8 address bytes */
	uint8_t used;
	uint32_t failures;        /* wrong passwords in a row */
	uint64_t last_ms;         /* the last wrong one */
	uint64_t until_ms;        /* locked out until */
};

struct efl_throttle {
	struct efl_throttle_slot slot[EFL_THROTTLE_SLOTS];
};

/* Milliseconds sa must still wait before a password of its is looked at;
 * 0: now. */
uint64_t efl_throttle_wait(const struct efl_throttle *t,
    const struct sockaddr *sa, uint64_t now_ms);

/* A wrong password from sa: the lockout it starts, in ms (0: none yet);
 * *failures gets the number in a row. */
uint64_t efl_throttle_failed(struct efl_throttle *t,
    const struct sockaddr *sa, uint64_t now_ms, uint32_t *failures);

/* The right password from sa: it starts afresh. */
void efl_throttle_passed(struct efl_throttle *t, const struct sockaddr *sa);

/* ---- the server on a loop (serve-http.c) ---- */

typedef struct uv_loop_s uv_loop_t;
struct efl_secret;
struct efl_out;
struct efl_server;

/* One request as reported (output.h): the decision and how it went. */
struct efl_serve_event {
	char addr[64];            /* the device's address */
	char method[8];
	char path[128];           /* bounded, device-supplied */
	const struct efl_serve_decision *d;
	uint64_t bytes;           /* body bytes sent */
	int completed;            /* the answer went out whole */
};

struct efl_serve_summary {
	uint32_t requests;
	uint32_t offered;         /* 200 with an image */
	uint32_t not_modified;    /* 304 */
	uint32_t refused;         /* 401, 403, 429 */
	uint32_t other;           /* 404, 405, versions, broken */
	double seconds;
};

/* How often serve looks at its image files (stat) for a new image. */
#define EFL_SERVE_WATCH_MS 1000u

struct efl_server_opts {
	const struct sockaddr *listen;
	const char *path;           /* NULL: any */
	const struct efl_image *image;   /* borrowed, outlives the server */
	const struct efl_image *fs;      /* or NULL */
	enum efl_image_check image_check; /* for a changed image */
	uint32_t percent;
	const struct efl_secret *password; /* NULL or not present: none */
	uint32_t timeout_s;         /* idle connections dropped */
	uint32_t header_timeout_s;  /* a whole request (line and headers)
	                               within this of the connection or of
	                               its last answer, else dropped */
	uint32_t max_per_client;    /* connections from one address at
	                               once; more are closed at once */
};

#define EFL_SERVE_HEADER_TIMEOUT_S 10u
#define EFL_SERVE_MAX_PER_CLIENT 32u

/*
 * Listen and serve on loop, reporting every request to out. NULL with eb
 * when it cannot listen.
 * The images are served from memory. Every EFL_SERVE_WATCH_MS the server
 * stats their files: a file that changed (device, inode, size, mtime,
 * ctime) and then stayed the same for a whole interval is read whole
 * again (a read during which it changes is dropped), checked like at start
 * (image_check; none for fs), and served from then on with its own x-MD5
 * (an "image" output event); requests already under way finish with the
 * image they began with. Until then, and when the new file fails the
 * checks (warning, an "image-refused" notice) or is gone, the copy read
 * before is served: a file rewritten in place is never sent half old, half
 * new, nor under another file's x-MD5.
 */
struct efl_server *efl_server_start(uv_loop_t *loop,
    const struct efl_server_opts *o, struct efl_out *out,
    struct efl_errbuf *eb);

/* The port it listens on. */
uint16_t efl_server_port(const struct efl_server *s);

/* Stop serving (open connections are dropped), fill *sum, free. The loop
 * must run afterwards to close handles. */
void efl_server_stop(struct efl_server *s, struct efl_serve_summary *sum);

#endif
