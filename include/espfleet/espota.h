/* SPDX-License-Identifier: MIT */
/*
 * The host side of espota (docs/protocol.md sections 2-4 and 8): one
 * session uploads one image to one device over a UDP invitation,
 * challenge auth (md5 or sha256, with the MD5-key fallback), the device's
 * TCP connect-back, and a streamed transfer whose unframed byte counts and
 * final "OK"/error text are read as they arrive.
 *
 * Two parts, each on its own: the reply parser (what the device sends on
 * the connection; espota-reply.c) and the session as a pure state machine
 * (inputs in, actions out, time as an input; espota-session.c). The libuv
 * driver (espota.c) with its connect-back listener (listener.c) makes it
 * the "espota" transport of session.h.
 */
#ifndef ESPFLEET_ESPOTA_H
#define ESPFLEET_ESPOTA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "efa/efa_auth.h"
#include "efa/efa_wire.h"
#include "error.h"
#include "session.h"

/* ---- what the device sends on the data connection ---- */

enum efl_reply_state {
	EFL_REPLY_PENDING = 0,
	EFL_REPLY_OK,       /* "OK" after the counts: success */
	EFL_REPLY_ERROR     /* other text: the device's error message */
};

#define EFL_REPLY_TEXT_MAX EFL_DEVICE_TEXT_MAX

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

/* ---- one session as a pure state machine ---- */

/*
 * What the driver must do after an input (a bit set; any combination).
 * Nothing else leaves the machine but the phase and progress callbacks.
 */
#define EFL_ESPOTA_SEND        0x01u /* send dgram[0..dgram_len) to the
                                        device now, then wipe it (it may
                                        hold a challenge response) */
#define EFL_ESPOTA_END_HANDSHAKE 0x02u /* close the UDP socket, stop
                                        listening for the connect-back */
#define EFL_ESPOTA_WRITE_IMAGE 0x04u /* write the whole image on the
                                        connection just reported */
#define EFL_ESPOTA_REFUSE      0x08u /* close the connection just reported:
                                        not wanted */
#define EFL_ESPOTA_READ_BATCH  0x10u /* read_batch changed: wake up for the
                                        connection only when that many bytes
                                        wait (1: every byte) */
#define EFL_ESPOTA_FINISHED    0x20u /* result is final: release everything
                                        and report it (done callback) */

struct efl_espota_params {
	const char *label;              /* for logs; borrowed */
	const struct sockaddr *device;  /* its address and UDP port; copied */
	uint16_t listen_port;           /* where it is to connect back */
	int command;                    /* 0 flash, 100 filesystem */
	uint32_t size;                  /* image bytes */
	const char *md5_hex;            /* of the image; copied */
	const struct efl_secret *password; /* borrowed; NULL: none */
	uint32_t timeout_ms;            /* bound of every wait, and of the
	                                   verdict once every byte is in */
	uint32_t device_timeout_ms;     /* bound of the whole session from
	                                   begin (0: none) */
	int md5_key_only;               /* MD5 password key for SHA-256 */
	enum efa_auth_scheme known_scheme; /* advertised (TXT), or NONE */
	const struct efa_crypto *crypto;   /* hash provider */
	int (*random_hex)(char *out, size_t nhex); /* cnonce source: nhex
	                                    lowercase hex digits and a NUL;
	                                    0 or -1 */
};

struct efl_espota_session {
	struct efl_espota_params p;     /* device and md5_hex point below */
	struct sockaddr_storage device;
	char md5_hex[EFA_MD5_HEX_LEN + 1];
	char device_text[64];
	const struct efl_session_callbacks *cb; /* phase, progress; borrowed */
	enum efl_phase phase;
	int done;

	/* handshake */
	char dgram[EFA_AUTH_MSG_MAX];   /* the datagram to send (SEND) */
	size_t dgram_len;
	uint64_t deadline_at;           /* the current wait ends (0: none) */
	uint64_t retx_at;               /* re-send the invitation (inviting)
	                                   or start over (authenticating) */
	uint32_t retx_ms, retx_elapsed;
	enum efa_auth_scheme scheme;    /* of the challenge answered */
	enum efa_auth_scheme known_scheme; /* strongest advertised or seen */
	int known_from_txt;
	int md5_key;                    /* MD5 pw_key on a sha256 device */
	int auth_restarts;
	uint32_t downgrades;            /* weaker challenges ignored */

	/* transfer */
	int connected;
	struct efl_reply reply;
	uint32_t last_reported;
	uint64_t last_activity;         /* the device's last bytes */
	uint64_t delivered;             /* image bytes the device's TCP
	                                   acknowledged, as last told */
	uint64_t finishing_at;          /* every byte acknowledged (0: not
	                                   yet): the verdict is due within
	                                   timeout_ms, whatever else comes */
	uint64_t begun_at;              /* begin (device_timeout_ms) */
	int begun;
	int read_batch;                 /* see EFL_ESPOTA_READ_BATCH */

	struct efl_session_result result;  /* once FINISHED */
};

/* Times and sizes of the handshake and transfer (espota-session.c). */
#define EFL_ESPOTA_RETRANSMIT_MS 1000u  /* first re-send, then doubling */
#define EFL_ESPOTA_AUTH_RESTART_MS 2000u /* silence after the "200" */
#define EFL_ESPOTA_AUTH_RESTARTS 3

/*
 * Inputs. now is the driver's clock in ms (the loop's time); every input
 * returns the actions to take, in the order SEND, END_HANDSHAKE,
 * WRITE_IMAGE / REFUSE, READ_BATCH, FINISHED.
 */

/* Set up s (no input yet). p is copied; cb must outlive s. */
void efl_espota_init(struct efl_espota_session *s,
    const struct efl_espota_params *p, const struct efl_session_callbacks *cb);

/* Begin: the invitation (SEND). */
unsigned efl_espota_begin(struct efl_espota_session *s, uint64_t now);

/* A datagram on the session's UDP socket, from 'from'. Datagrams from any
 * other address or port than the device's are ignored. */
unsigned efl_espota_datagram(struct efl_espota_session *s,
    const struct sockaddr *from, const char *data, size_t len, uint64_t now);

/* The device connected back from peer. */
unsigned efl_espota_connected(struct efl_espota_session *s,
    const struct sockaddr *peer, uint64_t now);

/* Bytes from the device on the connection; 'sent' image bytes are handed
 * to the connection so far, 'delivered' of them the device's TCP has
 * acknowledged (the kernel's count; pass 'sent' where it is not known).
 * The counts are decoded heuristically where TCP merged them, so an "OK"
 * is taken as the verdict unless 'delivered' proves that the device
 * cannot have had the whole image: the segment that carries an honest
 * device's "OK" acknowledges every byte it read. */
unsigned efl_espota_device_bytes(struct efl_espota_session *s,
    const char *data, size_t len, uint64_t sent, uint64_t delivered,
    uint64_t now);

/* When the wake time has come: bytes wait unread below read_batch (a
 * slow device, not a silent one): read every byte from now on. */
unsigned efl_espota_bytes_waiting(struct efl_espota_session *s,
    uint64_t now);

/* The connection ended: error is NULL at EOF, else what broke it. */
unsigned efl_espota_device_closed(struct efl_espota_session *s,
    const char *error, uint64_t now);

/* Time passed (at or after efl_espota_wake_at). stray: the last
 * connection the listener refused, for the connect-back timeout's
 * message ("" if none). */
unsigned efl_espota_time(struct efl_espota_session *s, uint64_t now,
    const char *stray);

/* Fail now with this result (the driver could not do an action). */
unsigned efl_espota_fail(struct efl_espota_session *s,
    enum efl_result_code code, const char *message);

/* Stop (SIGINT, ...): FINISHED with EFL_R_CANCELED. */
unsigned efl_espota_cancel(struct efl_espota_session *s);

/* When the session next wants efl_espota_time (0: never, it is done). An
 * input may move it later; a timer that fires early does no harm. */
uint64_t efl_espota_wake_at(const struct efl_espota_session *s);

#endif
