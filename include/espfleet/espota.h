/* SPDX-License-Identifier: MIT */
/*
 * The host side of espota (protocol.md 2-4, 9 "Host"): one session uploads
 * one image to one device over UDP invitation, challenge auth (md5 or
 * sha256, with the MD5-key fallback), the device's TCP connect-back, and a
 * streamed transfer whose unframed byte counts and final "OK"/error text are
 * read as they arrive. Sessions run on a libuv loop; many at once.
 *
 * The reply parser and the classification of device texts are pure
 * functions, unit-tested on their own.
 */
#ifndef ESPFLEET_ESPOTA_H
#define ESPFLEET_ESPOTA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

/* ---- what the device sends on the data connection ---- */

enum efl_reply_state {
	EFL_REPLY_PENDING = 0,
	EFL_REPLY_OK,       /* "OK" after the counts: success */
	EFL_REPLY_ERROR     /* other text: the device's error message */
};

#define EFL_REPLY_TEXT_MAX 256

struct efl_reply {
	enum efl_reply_state state;
	uint32_t total;      /* image size */
	uint32_t acked;      /* bytes the device reported, decoded; the
	                        total once it said "OK" */
	uint32_t counted;    /* what its counts alone add up to */
	uint32_t usual;      /* the count a read usually brings (0: not yet
	                        known), for splitting merged counts */
	char text[EFL_REPLY_TEXT_MAX]; /* text after the counts, NUL-ended */
	size_t text_len;
	int text_complete;   /* the text ended with a line end */
};

void efl_reply_init(struct efl_reply *r, uint32_t total);

/*
 * Feed bytes as they arrive. 'sent' is how many image bytes the host has
 * handed to the connection so far. Counts merged by TCP ("14601460") are
 * split the way that matches the device's usual read size most often (a
 * device reads the same amount each time, but for a short last read), with
 * no count above what is unacked, nor above 64 KiB unless the device reads
 * more at once (one count of everything unacked shows it). Counts drive
 * progress only; success is decided by the "OK" alone.
 */
void efl_reply_feed(struct efl_reply *r, const char *buf, size_t len,
    uint64_t sent);

/* Result code for a device's error text (UDP "ERR: ..." or TCP text). */
enum efl_result_code efl_classify_device_text(const char *text);


/* ---- sessions ---- */

struct efl_image;
struct efl_secret;
struct efl_listener;
struct efl_espota;
typedef struct uv_loop_s uv_loop_t;

enum efl_espota_phase {
	EFL_PHASE_QUEUED = 0,
	EFL_PHASE_INVITING,
	EFL_PHASE_AUTHENTICATING,
	EFL_PHASE_CONNECTING,     /* waiting for the connect-back */
	EFL_PHASE_UPLOADING,
	EFL_PHASE_FINISHING,      /* all acked, waiting for "OK" */
	EFL_PHASE_VERIFYING,      /* set by the push engine */
	EFL_PHASE_RETRY_WAIT,     /* set by the push engine */
	EFL_PHASE_DONE
};

const char *efl_phase_name(enum efl_espota_phase p);

/* Why a device that asked for a password got none (any transport). */
#define EFL_MSG_NO_PASSWORD "device requires a password and none was " \
	"given (set ESPFLEET_PASSWORD, or use --password-file or " \
	"--ask-password)"

struct efl_espota_result {
	enum efl_result_code code;
	char message[512];     /* specific, printable; "" on success */
	uint32_t bytes;        /* bytes the device accepted */
	int needs_password;    /* the device asked and none was configured */
};

struct efl_espota_callbacks {
	void (*phase)(void *arg, enum efl_espota_phase phase);
	void (*progress)(void *arg, uint32_t acked, uint32_t total);
	/* Exactly once; the session frees itself after it returns. */
	void (*done)(void *arg, const struct efl_espota_result *r);
	void *arg;
};

struct efl_espota_config {
	uv_loop_t *loop;
	const struct efl_image *image;   /* borrowed; outlives the session */
	int command;                     /* 0 flash, 100 filesystem */
	const struct efl_secret *password; /* borrowed; may be absent */
	uint32_t timeout_ms;             /* bound of every wait */
	const struct sockaddr *host_ip;  /* local bind address, or NULL */
	struct efl_listener *listener;   /* shared --host-port listener, or
	                                    NULL for one per session */
	int md5_key_only;                /* skip the SHA-256 key (-m) */
	const char *label;               /* for logs: target or device name */
};

/* For sessions of any transport: move *cur to p and tell cb->phase (if
 * set); nothing when *cur already is p. */
void efl_session_set_phase(enum efl_espota_phase *cur,
    const struct efl_espota_callbacks *cb, enum efl_espota_phase p);

/*
 * Start uploading to the device at 'addr' (port set). Returns the session,
 * or NULL with a message in eb (then no callback is ever called).
 */
struct efl_espota *efl_espota_start(const struct efl_espota_config *cfg,
    const struct sockaddr *addr, const struct efl_espota_callbacks *cb,
    struct efl_errbuf *eb);

/* Stop; done() follows with EFL_R_CANCELED (unless already done). */
void efl_espota_cancel(struct efl_espota *s);

/* ---- the connect-back listener ---- */

/*
 * A TCP listener that hands each incoming connection to the session
 * expecting that peer address. Per session (ephemeral port) by default; one
 * shared by all sessions with --host-port. Two sessions may not expect the
 * same peer at once (efl_listener_expect fails).
 */
struct efl_listener *efl_listener_open(uv_loop_t *loop,
    const struct sockaddr *bind_addr, struct efl_errbuf *eb);
/* The same on port (a fixed --host-port) of host_ip, or of any address of
 * family when host_ip is NULL. */
struct efl_listener *efl_listener_open_port(uv_loop_t *loop,
    const struct sockaddr *host_ip, int family, uint16_t port,
    struct efl_errbuf *eb);
uint16_t efl_listener_port(const struct efl_listener *l);
/* Close when the last user is gone (open counts as one user). */
void efl_listener_release(struct efl_listener *l);

#endif
