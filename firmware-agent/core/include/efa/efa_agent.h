/* SPDX-License-Identifier: MIT */
/*
 * The device side of espota as a sans-I/O state machine (docs/protocol.md 2-4):
 * invitation, challenge auth (md5 or sha256 scheme), connect-back, byte-count
 * acks, final OK or error text, reboot request. The port feeds it datagrams,
 * TCP events and the clock (now_ms, wrapping uint32), and performs the I/O
 * it asks for through efa_net_ops. Image bytes go to an efa_sink. A new
 * image runs on trial until the application confirms it (efa_agent_confirm)
 * or its deadline passes (the sink rejects it, the device reboots into the
 * previous one). No heap, no stdio, no platform headers; one struct
 * efa_agent per device.
 */
#ifndef EFA_AGENT_H
#define EFA_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "efa_auth.h"
#include "efa_config_defaults.h"
#include "efa_err.h"
#include "efa_hash.h"
#include "efa_sink.h"
#include "efa_wire.h"

#define EFA_NO_TIMEOUT 0xFFFFFFFFu

/* A network endpoint, opaque to the core (copied and compared only). */
struct efa_addr {
	uint8_t family;  /* 4 or 6 */
	uint8_t ip[16];  /* IPv4 in ip[0..3] */
	uint16_t port;
};

/* I/O the port performs for the agent. Calls may happen from inside any
 * efa_agent_* input function; the port must not re-enter the agent from
 * them (queue completions and deliver them afterwards). */
struct efa_net_ops {
	/* Send one datagram from the device's OTA UDP port. */
	void (*udp_send)(void *ctx, const struct efa_addr *to,
	    const uint8_t *buf, size_t len);
	/* Start a TCP connection to 'to' (ip of the invitation, host port);
	 * report the outcome later with efa_agent_tcp_connected(). */
	int (*tcp_connect)(void *ctx, const struct efa_addr *to);
	/* Queue bytes on the data connection. */
	void (*tcp_send)(void *ctx, const uint8_t *buf, size_t len);
	/* Close the data connection after queued bytes are sent. */
	void (*tcp_close)(void *ctx);
	/* Fill buf with len random bytes (for the nonce). 0 or -1. */
	int (*random)(void *ctx, uint8_t *buf, size_t len);
	/* Restart the device (after a successful update). */
	void (*reboot)(void *ctx);
};

/* Application hooks; any may be NULL. */
struct efa_hooks {
	/* An update is about to start: put the device in a safe state (close
	 * the valves) before flash writes stall it. Return 0 to proceed, or
	 * non-zero to refuse the update (EFA_E_BUSY). */
	int (*on_start)(void *ctx, int cmd, uint32_t size);
	void (*on_progress)(void *ctx, uint32_t done, uint32_t total);
	/* The image is committed; a reboot follows. */
	void (*on_end)(void *ctx, int cmd);
	void (*on_error)(void *ctx, enum efa_err err);
	void *ctx;
};

struct efa_agent_config {
	enum efa_chip chip;          /* error dialect, header encoding */
	enum efa_auth_scheme auth;   /* NONE, MD5 or SHA256 */
	/* Stored secret, lowercase hex: MD5(password) for the md5 scheme;
	 * SHA256(password) (or a legacy 32-hex MD5 hash) for sha256. */
	char pw_key[EFA_SHA256_HEX_LEN + 1];
	uint32_t chip_flash_size;    /* real flash size, for header checks */
	uint8_t require_arm;         /* accept invitations only while armed */
	const struct efa_crypto *crypto; /* NULL = efa_crypto_builtin */
	/* How long (ms from efa_agent_set_image_state) an image on trial may
	 * run unconfirmed before the agent gives it up, at most 2^31 - 1
	 * (24.8 days: deadlines compare as signed differences); 0:
	 * EFA_TRIAL_MS, EFA_NO_TIMEOUT: never. Only with a sink that can
	 * reject. */
	uint32_t trial_ms;
};

enum efa_state {
	EFA_IDLE = 0,
	EFA_WAIT_AUTH,
	EFA_CONNECTING,
	EFA_RECEIVING,
	EFA_FINISHING,  /* image committed, "OK" pending (ESP8266 delay) */
	EFA_REBOOTING,  /* "OK" sent (or an upload ended), reboot pending */
	EFA_UPLOADING   /* an HTTP-style upload runs (efa_upload.h) */
};

struct efa_agent {
	struct efa_agent_config cfg;
	const struct efa_net_ops *net;
	void *net_ctx;
	const struct efa_sink_ops *sink;
	void *sink_ctx;
	struct efa_hooks hooks;

	enum efa_state state;
	uint32_t deadline;      /* valid when has_deadline */
	uint8_t has_deadline;
	uint8_t armed;
	uint32_t armed_at;      /* the window runs armed_ms from armed_at */
	uint32_t armed_ms;
	uint32_t auth_free;     /* failures allowed before a lock-out */
	uint32_t auth_lockouts; /* lock-outs since the last success */
	uint32_t throttle_at;   /* the lock-out runs throttle_ms from here */
	uint32_t throttle_ms;
	uint8_t throttled;

	struct efa_addr peer;   /* source of the invitation */
	struct efa_invitation inv;
	char nonce[EFA_NONCE_MAX_LEN + 1];

	uint32_t received;
	uint32_t limit;         /* uploads: most bytes the sink takes */
	uint8_t hdr[4];
	uint8_t hdr_len;
	uint8_t hdr_checked;
	struct efa_md5 md5;
	enum efa_err last_error;

	uint8_t image_state;    /* enum efa_image_state */
	uint8_t trial_over;     /* the deadline passed, the image was given up */
	uint32_t trial_at;      /* the trial runs trial_ms from here */
};

void efa_agent_init(struct efa_agent *a, const struct efa_agent_config *cfg,
    const struct efa_net_ops *net, void *net_ctx,
    const struct efa_sink_ops *sink, void *sink_ctx,
    const struct efa_hooks *hooks);

/* A datagram arrived on the OTA UDP port from 'from'. */
void efa_agent_udp_input(struct efa_agent *a, const struct efa_addr *from,
    const uint8_t *pkt, size_t len, uint32_t now_ms);

/* Outcome of tcp_connect: 0 connected, non-zero failed. */
void efa_agent_tcp_connected(struct efa_agent *a, int status,
    uint32_t now_ms);

/* Bytes arrived on the data connection (one port read). Returns how many
 * were consumed; the rest (beyond the announced size) are discarded. */
size_t efa_agent_tcp_input(struct efa_agent *a, const uint8_t *data,
    size_t len, uint32_t now_ms);

/* The peer closed the data connection, or it failed. */
void efa_agent_tcp_closed(struct efa_agent *a, uint32_t now_ms);

/* Let timers run; call when efa_agent_next_timeout() says so. */
void efa_agent_tick(struct efa_agent *a, uint32_t now_ms);

/* Milliseconds until efa_agent_tick() is due, or EFA_NO_TIMEOUT. */
uint32_t efa_agent_next_timeout(const struct efa_agent *a, uint32_t now_ms);

/* Open the update window for duration_ms (a button press). */
void efa_agent_arm(struct efa_agent *a, uint32_t duration_ms,
    uint32_t now_ms);

/* Drop whatever is in progress (e.g. power loss in a simulator); no I/O. */
void efa_agent_reset(struct efa_agent *a);

/*
 * What the boot reported about the running image (efa_running.state of the
 * core's flash writer, the bootloader's state on ESP-IDF); EFA_IMAGE_OK
 * after efa_agent_init. Call it right after efa_agent_init (it drops
 * whatever is in progress, as efa_agent_reset). EFA_IMAGE_TRIAL starts the trial at now_ms: with a
 * sink that can reject, updates are refused (EFA_E_TRIAL) until the image
 * is confirmed, and at the deadline (cfg.trial_ms) the agent calls the
 * sink's reject, reports EFA_E_UNCONFIRMED (or reject's error) to on_error
 * and asks for a reboot.
 */
void efa_agent_set_image_state(struct efa_agent *a, enum efa_image_state s,
    uint32_t now_ms);
enum efa_image_state efa_agent_image_state(const struct efa_agent *a);

/*
 * The application is healthy: keep the running image. On trial, the sink's
 * confirm (if it has one) makes that permanent, and the state is then
 * EFA_IMAGE_OK; advertise it again. EFA_E_OK (also when not on trial),
 * EFA_E_UNCONFIRMED after the deadline (too late: the image was given up,
 * the reboot is due) or confirm's error (still on trial).
 */
enum efa_err efa_agent_confirm(struct efa_agent *a);

enum efa_state efa_agent_state(const struct efa_agent *a);
const char *efa_agent_state_name(enum efa_state s);

#endif
