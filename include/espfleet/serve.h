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

struct efl_http_header {
	const char *name;       /* any case */
	const char *value;
};

enum efl_serve_auth {
	EFL_SERVE_AUTH_NONE = 0,  /* no (Basic) credentials sent */
	EFL_SERVE_AUTH_OK,        /* the password matched */
	EFL_SERVE_AUTH_BAD        /* it did not */
};

struct efl_serve_request {
	const char *method;       /* "GET", ... */
	const char *path;         /* without the query string */
	const struct efl_http_header *headers;
	size_t nheaders;
	enum efl_serve_auth auth;
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
	int status;               /* 200, 304, 401, 403, 404, 405 */
	enum efl_serve_body body;
	const char *md5;          /* x-MD5 to send (config's), or NULL */
	const char *version;      /* x-version to send, or NULL */
	char reason[200];         /* why, for the log and x-espfleet-reason */
	struct efl_serve_device dev;
};

/*
 * Decide the answer to req (ESP8266httpUpdate and ESP32 HTTPUpdate
 * headers, docs/protocol.md 7.1):
 *   405 a method other than GET/HEAD; 404 another path than cfg->path;
 *   401 a password is configured and req->auth is not OK;
 *   403 no x-ESP8266-/x-ESP32- device headers, or an unknown mode;
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

/* ---- the server on a loop (serve-http.c) ---- */

typedef struct uv_loop_s uv_loop_t;
struct efl_image;
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
	uint32_t refused;         /* 401, 403 */
	uint32_t other;           /* 404, 405, versions, broken */
	double seconds;
};

struct efl_server_opts {
	const struct sockaddr *listen;
	const char *path;           /* NULL: any */
	const struct efl_image *image;   /* borrowed, outlives the server */
	const struct efl_image *fs;      /* or NULL */
	uint32_t percent;
	const struct efl_secret *password; /* NULL or not present: none */
	uint32_t timeout_s;         /* idle connections dropped */
};

/* Listen and serve on loop, reporting every request to out. NULL with eb
 * when it cannot listen. */
struct efl_server *efl_server_start(uv_loop_t *loop,
    const struct efl_server_opts *o, struct efl_out *out,
    struct efl_errbuf *eb);

/* The port it listens on. */
uint16_t efl_server_port(const struct efl_server *s);

/* Stop serving (open connections are dropped), fill *sum, free. The loop
 * must run afterwards to close handles. */
void efl_server_stop(struct efl_server *s, struct efl_serve_summary *sum);

#endif
