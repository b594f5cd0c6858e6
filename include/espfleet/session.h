/* SPDX-License-Identifier: MIT */
/*
 * How one image reaches one device: a transport starts upload sessions and
 * cancels them; every session reports through efl_espota_callbacks (phase,
 * progress, done exactly once, after which it frees itself). The push
 * engine (push.h) drives sessions through this interface only. Two
 * transports: espota (espota.h, protocol.md 2-4) and http, a multipart
 * POST to the device's /update page (ESP8266HTTPUpdateServer, protocol.md
 * 7.3; src/push/http-push.c over libcurl).
 */
#ifndef ESPFLEET_SESSION_H
#define ESPFLEET_SESSION_H

#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "espota.h"

typedef struct uv_loop_s uv_loop_t;

struct efl_transport {
	const char *name;        /* "espota" | "http" */
	/*
	 * Start uploading cfg->image to the device at addr (port set). The
	 * transport's own settings (connect-back listener, local address,
	 * HTTP user and path) replace the corresponding cfg fields. Returns
	 * the session, or NULL with a message in eb (then no callback is ever
	 * called). cfg->image is borrowed and must outlive the session.
	 */
	void *(*start)(struct efl_transport *t,
	    const struct efl_espota_config *cfg, const struct sockaddr *addr,
	    const struct efl_espota_callbacks *cb, struct efl_errbuf *eb);
	/* Stop a session; done() follows with EFL_R_CANCELED unless it has
	 * already come. */
	void (*cancel)(struct efl_transport *t, void *session);
	/* Release the transport once no session runs. Its libuv handles close
	 * asynchronously: the loop must run afterwards. */
	void (*free)(struct efl_transport *t);
};

/*
 * espota. host_ip: local address to bind (NULL: any). host_port: 0 for a
 * connect-back listener per session on a free port, else one listener on
 * that port shared by all sessions, bound now (NULL with eb when it cannot
 * be). md5_key_only: answer SHA-256 challenges with the MD5 password key.
 */
struct efl_transport *efl_espota_transport_new(uv_loop_t *loop,
    const struct sockaddr *host_ip, uint16_t host_port, int md5_key_only,
    struct efl_errbuf *eb);

struct efl_http_opts {
	const char *user;        /* Basic auth user when there is a password */
	const char *path;        /* of the update page: "/update" */
	const struct sockaddr *host_ip; /* local address to use, or NULL */
};

/*
 * http: POST the image as multipart/form-data (part "firmware", or
 * "filesystem" for command 100) to http://ADDR[:PORT]<path>, with HTTP
 * Basic auth when a password is given. Success iff the answer is 200 and
 * says "Update Success"; its "Update error: ..." text is classified like a
 * device's espota text (efl_classify_device_text); a refused or broken
 * connection is transient (no-answer, transfer-failed). o is copied.
 * NULL with eb when libcurl cannot start.
 */
struct efl_transport *efl_http_transport_new(uv_loop_t *loop,
    const struct efl_http_opts *o, struct efl_errbuf *eb);

/* The result message of a session canceled (SIGINT, SIGTERM) after the
 * device had received every byte: the device may still apply the image. */
#define EFL_CANCELED_AFTER_UPLOAD "canceled after the device had received " \
	"the whole image: whether it applies the update is unknown"

#endif
