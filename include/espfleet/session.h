/* SPDX-License-Identifier: MIT */
/*
 * The contract between whoever pushes an image (the push engine, push.h;
 * the espota drop-in) and a transport, the way one image reaches one
 * device: a transport starts device sessions and cancels them; every
 * session reports through efl_session_callbacks (phase, progress, done
 * exactly once, after which it frees itself). Nothing here is specific to
 * one protocol. The transports are listed in one table (transports.c;
 * docs/architecture.md section 4 shows how a third one plugs in): espota
 * (espota.c, docs/protocol.md sections 2-4) and http, a multipart POST to
 * the device's /update page (http-push.c, docs/protocol.md section 7.2).
 */
#ifndef ESPFLEET_SESSION_H
#define ESPFLEET_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "efa/efa_auth.h"
#include "error.h"

typedef struct uv_loop_s uv_loop_t;
struct efl_image;
struct efl_secret;

/* Where a device's session is; the push engine adds its own phases. */
enum efl_phase {
	EFL_PHASE_QUEUED = 0,
	EFL_PHASE_INVITING,       /* espota: UDP invitation; http: - */
	EFL_PHASE_AUTHENTICATING, /* espota: challenge answered */
	EFL_PHASE_CONNECTING,     /* waiting for the connection */
	EFL_PHASE_UPLOADING,
	EFL_PHASE_FINISHING,      /* every byte sent, waiting for the verdict */
	EFL_PHASE_VERIFYING,      /* set by the push engine */
	EFL_PHASE_RETRY_WAIT,     /* set by the push engine */
	EFL_PHASE_DONE
};

/* "queued", "inviting", ... (the "state" of JSON reports). */
const char *efl_phase_name(enum efl_phase p);

/* Why a device that asked for a password got none (any transport). */
#define EFL_MSG_NO_PASSWORD "device requires a password and none was " \
	"given (set ESPFLEET_PASSWORD, or use --password-file or " \
	"--ask-password)"

/* The result message of a session canceled (SIGINT, SIGTERM, SIGHUP)
 * after the device had received every byte: it may still apply the
 * image. */
#define EFL_CANCELED_AFTER_UPLOAD "canceled after the device had received " \
	"the whole image: whether it applies the update is unknown"

/* Longest device text kept for a message (an error line). */
#define EFL_DEVICE_TEXT_MAX 256

/* Result code for a device's error text, whichever way it came (espota's
 * "ERR: ..." datagram or TCP text, an update page's "Update error: ..."). */
enum efl_result_code efl_classify_device_text(const char *text);

struct efl_session_result {
	enum efl_result_code code;
	char message[512];     /* specific, printable; "" on success */
	uint32_t bytes;        /* bytes the device accepted */
	int needs_password;    /* the device asked and none was configured */
};

struct efl_session_callbacks {
	void (*phase)(void *arg, enum efl_phase phase);
	void (*progress)(void *arg, uint32_t acked, uint32_t total);
	/* Exactly once; the session frees itself after it returns. */
	void (*done)(void *arg, const struct efl_session_result *r);
	void *arg;
};

/* What every session is given, whatever its transport. */
struct efl_session_config {
	uv_loop_t *loop;
	const struct efl_image *image;   /* borrowed; outlives the session */
	int command;                     /* 0 flash, 100 filesystem */
	const struct efl_secret *password; /* borrowed; may be absent */
	uint32_t timeout_ms;             /* bound of every wait, and of the
	                                    wait for the verdict once every
	                                    byte is in, whatever comes */
	uint32_t device_timeout_ms;      /* bound of the whole session (0:
	                                    none; efl_device_timeout_ms) */
	const char *label;               /* for logs: target or device name */
	/* the scheme the device advertised (TXT efa_auth), EFA_AUTH_NONE
	 * when unknown: a session never accepts a weaker one */
	enum efa_auth_scheme auth_scheme;
};

/*
 * The overall bound of one device's session when none is given
 * (--device-timeout): EFL_DEVICE_TIMEOUT_FLOOR_S plus the image at
 * EFL_DEVICE_MIN_RATE bytes a second, so that a device that acknowledges
 * a byte at a time is cut while a slow but working one is not.
 */
#define EFL_DEVICE_TIMEOUT_FLOOR_S 60u
#define EFL_DEVICE_MIN_RATE 2048u
uint32_t efl_device_timeout_ms(uint32_t image_size);

/* Move *cur to p and tell cb->phase (if set); nothing when *cur already
 * is p. */
void efl_session_set_phase(enum efl_phase *cur,
    const struct efl_session_callbacks *cb, enum efl_phase p);

/* ---- transports ---- */

struct efl_transport_kind;

/* A transport instance: its kind (below) and whatever the kind keeps
 * after this first member. */
struct efl_transport {
	const struct efl_transport_kind *kind;
};

/* The options a transport may take (EFL_TOPT_* says which it does). */
#define EFL_TOPT_HOST_PORT  0x01u /* a fixed local port */
#define EFL_TOPT_MD5_KEY    0x02u /* md5_key_only */
#define EFL_TOPT_HTTP_USER  0x04u
#define EFL_TOPT_HTTP_PATH  0x08u

struct efl_transport_opts {
	const struct sockaddr *host_ip; /* local address to use, or NULL */
	uint16_t host_port;      /* espota: one connect-back listener on this
	                            port for every session (0: one per
	                            session, on a free port) */
	int listen_family;       /* espota: family of that listener without
	                            host_ip (0: IPv4) */
	int md5_key_only;        /* espota: answer SHA-256 challenges with the
	                            MD5 password key right away */
	const char *http_user;   /* http: Basic auth user with a password */
	const char *http_path;   /* http: the update page, "/update" */
};

/*
 * A kind of transport: one entry of the table (transports.c), defined
 * next to its code. Through efl_transport_* below only.
 */
struct efl_transport_kind {
	const char *name;        /* what --via takes */
	uint16_t default_port;   /* of a target given without one */
	/* 1 if the port a device advertises over mDNS is the one this
	 * transport talks to (espota); 0 if not (http: the update page) */
	int advertised_port;
	unsigned options;        /* EFL_TOPT_* it takes (host_ip: all do) */
	struct efl_transport *(*create)(uv_loop_t *loop,
	    const struct efl_transport_opts *o, struct efl_errbuf *eb);
	void *(*start)(struct efl_transport *t,
	    const struct efl_session_config *cfg, const struct sockaddr *addr,
	    const struct efl_session_callbacks *cb, struct efl_errbuf *eb);
	void (*cancel)(struct efl_transport *t, void *session);
	void (*free)(struct efl_transport *t);
};

/* A transport of kind k; NULL with eb when it cannot start (a port in
 * use, no libcurl). */
struct efl_transport *efl_transport_new(const struct efl_transport_kind *k,
    uv_loop_t *loop, const struct efl_transport_opts *o,
    struct efl_errbuf *eb);

/*
 * Start uploading cfg->image to the device at addr (port set). Returns the
 * session, or NULL with a message in eb (then no callback is ever
 * called). cfg->image is borrowed and must outlive the session.
 */
void *efl_transport_start(struct efl_transport *t,
    const struct efl_session_config *cfg, const struct sockaddr *addr,
    const struct efl_session_callbacks *cb, struct efl_errbuf *eb);

/* Stop a session; done() follows with EFL_R_CANCELED unless it has
 * already come. */
void efl_transport_cancel(struct efl_transport *t, void *session);

/* Release the transport once no session runs (NULL: nothing). Its libuv
 * handles close asynchronously: the loop must run afterwards. */
void efl_transport_free(struct efl_transport *t);

/* The transport named name, or NULL. */
const struct efl_transport_kind *efl_transport_find(const char *name);
/* The i-th transport of the table, NULL past its end. */
const struct efl_transport_kind *efl_transport_at(size_t i);

#endif
