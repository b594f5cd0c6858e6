/* SPDX-License-Identifier: MIT */
/*
 * The device side of espota (see efa_agent.h): one state machine per device,
 * driven by the port's events and clock. It parses, authenticates, checks
 * and forwards; it never touches a socket, a timer or flash itself. The
 * path of image bytes (header check, sink, MD5) is shared with the
 * HTTP-style uploads of efa_upload.c through efa_agent_int.h.
 */
#include <string.h>

#include "efa/efa_agent.h"
#include "efa/efa_image.h"
#include "efa/efa_util.h"
#include "efa_agent_int.h"

static int
time_reached(uint32_t now, uint32_t t)
{
	return (int32_t)(now - t) >= 0;
}

/* 1 while fewer than ms milliseconds have passed since start. Elapsed
 * time, not a wrapped end time, so any ms up to 2^32 - 1 works and an
 * expired period cannot come back 2^31 ms later. */
static int
within(uint32_t now, uint32_t start, uint32_t ms)
{
	return now - start < ms;
}

/* Forget an update window or an auth lock-out that has run out. */
void
efa_agent__expire_periods(struct efa_agent *a, uint32_t now)
{
	if (a->armed && !within(now, a->armed_at, a->armed_ms))
		a->armed = 0;
	if (a->throttled && !within(now, a->throttle_at, a->throttle_ms)) {
		/* after a lock-out the free failures come back (so one earlier
		 * wrong password cannot block the MD5-key fallback for good);
		 * the next lock-out is twice as long */
		a->throttled = 0;
		a->auth_free = EFA_AUTH_FREE_FAILURES;
	}
}

void
efa_agent__set_deadline(struct efa_agent *a, uint32_t now, uint32_t ms)
{
	a->deadline = now + ms;
	a->has_deadline = 1;
}

/* How long an image on trial may run unconfirmed before the agent gives it
 * up; EFA_NO_TIMEOUT when there is no trial it can end. */
static uint32_t
trial_ms(const struct efa_agent *a)
{
	if (a->image_state != EFA_IMAGE_TRIAL || a->trial_over ||
	    a->sink->reject == NULL)
		return EFA_NO_TIMEOUT;
	return a->cfg.trial_ms != 0 ? a->cfg.trial_ms : EFA_TRIAL_MS;
}

/* Idle; on trial, the deadline is the trial's (efa_agent_tick). */
void
efa_agent__to_idle(struct efa_agent *a)
{
	uint32_t t = trial_ms(a);

	a->state = EFA_IDLE;
	a->has_deadline = t != EFA_NO_TIMEOUT;
	a->deadline = a->trial_at + t;
	memset(a->nonce, 0, sizeof(a->nonce));
}

void
efa_agent__report_error(struct efa_agent *a, enum efa_err err)
{
	a->last_error = err;
	if (a->hooks.on_error != NULL)
		a->hooks.on_error(a->hooks.ctx, err);
}

static void
udp_reply(struct efa_agent *a, const struct efa_addr *to, const char *text)
{
	a->net->udp_send(a->net_ctx, to, (const uint8_t *)text,
	    efa_strnlen(text, EFA_TEXT_MAX));
}

/* "ERR: <chip's error text>" to 'to', then back to idle. */
static void
refuse(struct efa_agent *a, const struct efa_addr *to, enum efa_err err,
    const char *detail)
{
	char text[EFA_TEXT_MAX];
	size_t pos = efa_append(text, sizeof(text), 0, EFA_REPLY_ERR_PREFIX);

	efa_err_format(text + pos, sizeof(text) - pos, a->cfg.chip, err,
	    detail);
	udp_reply(a, to, text);
	efa_agent__report_error(a, err);
	efa_agent__to_idle(a);
}

/* Error text on the data connection, close it, drop the partial image. */
static void
fail_transfer(struct efa_agent *a, enum efa_err err, const char *detail)
{
	char text[EFA_TEXT_MAX];
	size_t len = efa_err_format(text, sizeof(text), a->cfg.chip, err,
	    detail);

	a->net->tcp_send(a->net_ctx, (const uint8_t *)text, len);
	a->net->tcp_close(a->net_ctx);
	a->sink->abort(a->sink_ctx);
	efa_agent__report_error(a, err);
	efa_agent__to_idle(a);
}

void
efa_agent_init(struct efa_agent *a, const struct efa_agent_config *cfg,
    const struct efa_net_ops *net, void *net_ctx,
    const struct efa_sink_ops *sink, void *sink_ctx,
    const struct efa_hooks *hooks)
{
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	if (a->cfg.crypto == NULL)
		a->cfg.crypto = &efa_crypto_builtin;
	a->net = net;
	a->net_ctx = net_ctx;
	a->sink = sink;
	a->sink_ctx = sink_ctx;
	if (hooks != NULL)
		a->hooks = *hooks;
	a->auth_free = EFA_AUTH_FREE_FAILURES;
	efa_agent__to_idle(a);
}

enum efa_err
efa_agent__open_sink(struct efa_agent *a, int cmd, uint32_t size,
    uint32_t *room)
{
	/* a port that keeps the previous image cannot stage over it */
	if (a->image_state == EFA_IMAGE_TRIAL && a->sink->reject != NULL)
		return EFA_E_TRIAL;
	*room = a->sink->free_space(a->sink_ctx, cmd);
	if (*room == 0 || size > *room)
		return EFA_E_SPACE;
	if (a->hooks.on_start != NULL &&
	    a->hooks.on_start(a->hooks.ctx, cmd, size) != 0)
		return EFA_E_BUSY;
	return a->sink->begin(a->sink_ctx, cmd, size != 0 ? size : *room);
}

/* Checks, on_start, sink begin, "OK", connect-back. */
static void
begin_update(struct efa_agent *a, const struct efa_addr *reply_to,
    uint32_t now)
{
	struct efa_addr host = a->peer;
	uint32_t size, room;
	enum efa_err err;

	if (a->inv.size <= 0) {
		refuse(a, reply_to, EFA_E_SIZE, NULL);
		return;
	}
	size = (uint32_t)a->inv.size;
	if (efa_agent__check_size(a->inv.cmd, size) != EFA_E_OK) {
		/* a stock device would flash it and boot into nothing */
		refuse(a, reply_to, EFA_E_SIZE, EFA_IMAGE_TOO_SHORT_TEXT);
		return;
	}
	if (!efa_is_hex(a->inv.md5, EFA_MD5_HEX_LEN)) {
		refuse(a, reply_to, EFA_E_MD5, ": the invitation's MD5 is not hex");
		return;
	}
	err = efa_agent__open_sink(a, a->inv.cmd, size, &room);
	if (err != EFA_E_OK) {
		refuse(a, reply_to, err, NULL);
		return;
	}
	efa_agent__begin_data(a);
	udp_reply(a, reply_to, EFA_REPLY_OK);
	a->state = EFA_CONNECTING;
	efa_agent__set_deadline(a, now, EFA_CONNECT_TIMEOUT_MS);
	host.port = a->inv.port;
	if (a->net->tcp_connect(a->net_ctx, &host) != 0) {
		a->sink->abort(a->sink_ctx);
		efa_agent__report_error(a, EFA_E_CONNECT);
		efa_agent__to_idle(a);
	}
}

static void
handle_invitation(struct efa_agent *a, const struct efa_addr *from,
    const uint8_t *pkt, size_t len, uint32_t now)
{
	struct efa_invitation inv;
	uint8_t rnd[EFA_NONCE_MAX_LEN / 2];
	char text[sizeof(EFA_REPLY_AUTH_PREFIX) + EFA_NONCE_MAX_LEN];
	size_t nonce_len;

	if (efa_wire_parse_invitation(pkt, len, &inv) != EFA_WIRE_OK)
		return;
	efa_agent__expire_periods(a, now);
	if (a->cfg.require_arm && !a->armed) {
		refuse(a, from, EFA_E_WINDOW, NULL);
		return;
	}
	if (a->throttled) {
		refuse(a, from, EFA_E_THROTTLED, NULL);
		return;
	}
	a->inv = inv;
	a->peer = *from;
	if (a->cfg.auth == EFA_AUTH_NONE) {
		begin_update(a, from, now);
		return;
	}
	nonce_len = efa_auth_nonce_len(a->cfg.auth);
	if (a->net->random(a->net_ctx, rnd, nonce_len / 2) != 0) {
		refuse(a, from, EFA_E_ENTROPY, NULL);
		return;
	}
	efa_hex(a->nonce, rnd, nonce_len / 2);
	memset(rnd, 0, sizeof(rnd));
	efa_append(text, sizeof(text),
	    efa_append(text, sizeof(text), 0, EFA_REPLY_AUTH_PREFIX), a->nonce);
	udp_reply(a, from, text);
	a->state = EFA_WAIT_AUTH;
	efa_agent__set_deadline(a, now, EFA_AUTH_TIMEOUT_MS);
}

static void
auth_failed(struct efa_agent *a, const struct efa_addr *from, uint32_t now)
{
	udp_reply(a, from, EFA_REPLY_AUTH_FAILED);
	if (a->auth_free > 0) {
		/* free: e.g. the ESP32 >= 3.3.1 host's SHA-256 attempt that
		 * precedes its MD5-key fallback */
		a->auth_free--;
	} else {
		uint32_t ms = EFA_AUTH_THROTTLE_MAX_MS;

		if (a->auth_lockouts < 16 &&
		    (EFA_AUTH_THROTTLE_BASE_MS << a->auth_lockouts) <
		    EFA_AUTH_THROTTLE_MAX_MS)
			ms = EFA_AUTH_THROTTLE_BASE_MS << a->auth_lockouts;
		a->auth_lockouts++;
		a->throttled = 1;
		a->throttle_at = now;
		a->throttle_ms = ms;
	}
	efa_agent__report_error(a, EFA_E_AUTH);
	efa_agent__to_idle(a);
}

static void
handle_auth(struct efa_agent *a, const struct efa_addr *from,
    const uint8_t *pkt, size_t len, uint32_t now)
{
	struct efa_auth_msg msg;
	char expect[EFA_NONCE_MAX_LEN + 1];
	size_t n = efa_strnlen(a->nonce, EFA_NONCE_MAX_LEN);
	size_t key_len = efa_strnlen(a->cfg.pw_key, EFA_SHA256_HEX_LEN);

	if (efa_wire_parse_auth(pkt, len, n, &msg) != EFA_WIRE_OK) {
		/* stock devices drop the pending auth silently */
		efa_agent__to_idle(a);
		return;
	}
	if (efa_auth_response(a->cfg.crypto, a->cfg.auth, a->cfg.pw_key,
	    key_len, a->nonce, n, msg.cnonce, n, expect) != 0 ||
	    !efa_ct_equal(expect, msg.response, n)) {
		memset(expect, 0, sizeof(expect));
		auth_failed(a, from, now);
		return;
	}
	memset(expect, 0, sizeof(expect));
	memset(a->nonce, 0, sizeof(a->nonce));
	a->auth_free = EFA_AUTH_FREE_FAILURES;
	a->auth_lockouts = 0;
	a->throttled = 0;
	/* Reply to the 200 datagram's source: the ESP32 >= 3.3.1 espota.py
	 * sends it from a new socket (docs/protocol.md 9, rule 2). */
	begin_update(a, from, now);
}

void
efa_agent_udp_input(struct efa_agent *a, const struct efa_addr *from,
    const uint8_t *pkt, size_t len, uint32_t now_ms)
{
	switch (a->state) {
	case EFA_IDLE:
		handle_invitation(a, from, pkt, len, now_ms);
		break;
	case EFA_WAIT_AUTH:
		handle_auth(a, from, pkt, len, now_ms);
		break;
	case EFA_CONNECTING:
	case EFA_RECEIVING:
	case EFA_FINISHING:
	case EFA_REBOOTING:
	case EFA_UPLOADING:
		break; /* busy: ignored, like stock devices */
	}
}

void
efa_agent_tcp_connected(struct efa_agent *a, int status, uint32_t now_ms)
{
	if (a->state != EFA_CONNECTING)
		return;
	if (status != 0) {
		a->sink->abort(a->sink_ctx);
		efa_agent__report_error(a, EFA_E_CONNECT);
		efa_agent__to_idle(a);
		return;
	}
	a->state = EFA_RECEIVING;
	efa_agent__set_deadline(a, now_ms, EFA_DATA_TIMEOUT_MS);
}

static void
send_ok(struct efa_agent *a, uint32_t now)
{
	a->net->tcp_send(a->net_ctx, (const uint8_t *)EFA_REPLY_OK,
	    sizeof(EFA_REPLY_OK) - 1);
	a->net->tcp_close(a->net_ctx);
	if (a->hooks.on_end != NULL)
		a->hooks.on_end(a->hooks.ctx, a->inv.cmd);
	a->state = EFA_REBOOTING;
	efa_agent__set_deadline(a, now, EFA_REBOOT_DELAY_MS);
}

static void
finish(struct efa_agent *a, uint32_t now)
{
	uint8_t digest[EFA_MD5_LEN];
	char hex[EFA_MD5_HEX_LEN + 1];
	enum efa_err err;

	if (!efa_agent__md5_final(a, digest, hex)) {
		char detail[2 + 10 + EFA_MD5_HEX_LEN + 14 + EFA_MD5_HEX_LEN + 1];
		size_t pos = 0;

		if (a->cfg.chip == EFA_CHIP_ESP8266) {
			pos = efa_append(detail, sizeof(detail), pos,
			    ": expected: ");
			pos = efa_append(detail, sizeof(detail), pos, a->inv.md5);
			pos = efa_append(detail, sizeof(detail), pos,
			    ", calculated: ");
			efa_append(detail, sizeof(detail), pos, hex);
		} else {
			detail[0] = '\0';
		}
		fail_transfer(a, EFA_E_MD5, detail);
		return;
	}
	err = a->sink->finish(a->sink_ctx, digest);
	if (err != EFA_E_OK) {
		fail_transfer(a, err, NULL);
		return;
	}
	if (a->cfg.chip == EFA_CHIP_ESP8266) {
		a->state = EFA_FINISHING;
		efa_agent__set_deadline(a, now, EFA_ESP8266_OK_DELAY_MS);
	} else {
		send_ok(a, now);
	}
}

void
efa_agent__begin_data(struct efa_agent *a)
{
	efa_md5_init(&a->md5);
	a->received = 0;
	a->hdr_len = 0;
	a->hdr_checked = a->inv.cmd != EFA_CMD_FLASH;
}

enum efa_err
efa_agent__check_size(int cmd, uint32_t size)
{
	if (size > 0x7fffffffu || (cmd == EFA_CMD_FLASH && size != 0 &&
	    size < EFA_IMAGE_MIN_LEN))
		return EFA_E_SIZE;
	return EFA_E_OK;
}

enum efa_err
efa_agent__check_header(struct efa_agent *a, uint8_t held)
{
	enum efa_err err;

	a->hdr_checked = 1;
	err = efa_image_check_header(a->cfg.chip, a->hdr, a->hdr_len,
	    a->cfg.chip_flash_size);
	if (err == EFA_E_OK && held > 0)
		err = a->sink->write(a->sink_ctx, a->hdr, held);
	return err;
}

/* The first bytes of an application image are only held in a->hdr until
 * they are all there and checked, so nothing reaches the sink before the
 * check (efa_image.h); bytes held from earlier calls are written once it
 * passed. */
enum efa_err
efa_agent__store(struct efa_agent *a, const uint8_t *data, uint32_t n)
{
	uint32_t i;
	uint8_t held = a->hdr_len;
	enum efa_err err = EFA_E_OK;

	/* an announced application image has at least a header
	 * (efa_agent__check_size); a shorter unannounced one is checked at
	 * its end (efa_agent_upload_end) */
	if (!a->hdr_checked) {
		for (i = 0; i < n && a->hdr_len < EFA_IMAGE_HEADER_LEN; i++)
			a->hdr[a->hdr_len++] = data[i];
		if (a->hdr_len == EFA_IMAGE_HEADER_LEN)
			err = efa_agent__check_header(a, held);
	}
	/* an incomplete header is held back, not written */
	if (err == EFA_E_OK && a->hdr_checked)
		err = a->sink->write(a->sink_ctx, data, n);
	if (err != EFA_E_OK)
		return err;
	efa_md5_update(&a->md5, data, n);
	a->received += n;
	return EFA_E_OK;
}

int
efa_agent__md5_final(struct efa_agent *a, uint8_t digest[EFA_MD5_LEN],
    char hex[EFA_MD5_HEX_LEN + 1])
{
	efa_md5_final(&a->md5, digest);
	efa_hex(hex, digest, EFA_MD5_LEN);
	return a->inv.md5[0] == '\0' ||
	    efa_ascii_casecmp_eq(hex, a->inv.md5, EFA_MD5_HEX_LEN);
}

size_t
efa_agent_tcp_input(struct efa_agent *a, const uint8_t *data, size_t len,
    uint32_t now_ms)
{
	uint32_t remaining, n;
	enum efa_err err;
	char count[10];

	if (a->state != EFA_RECEIVING)
		return 0;
	remaining = (uint32_t)a->inv.size - a->received;
	n = len < remaining ? (uint32_t)len : remaining;
	if (n == 0)
		return 0;
	efa_agent__set_deadline(a, now_ms, EFA_DATA_TIMEOUT_MS);
	err = efa_agent__store(a, data, n);
	if (err != EFA_E_OK) {
		/* the chip appends its real flash size to that error */
		char detail[11];

		detail[efa_u32_dec(detail, a->cfg.chip_flash_size)] = '\0';
		fail_transfer(a, err,
		    err == EFA_E_NEW_FLASH_CONFIG ? detail : NULL);
		return n;
	}
	a->net->tcp_send(a->net_ctx, (const uint8_t *)count,
	    efa_u32_dec(count, n));
	if (a->hooks.on_progress != NULL)
		a->hooks.on_progress(a->hooks.ctx, a->received,
		    (uint32_t)a->inv.size);
	if (a->received == (uint32_t)a->inv.size)
		finish(a, now_ms);
	return n;
}

void
efa_agent_tcp_closed(struct efa_agent *a, uint32_t now_ms)
{
	(void)now_ms;
	if (a->state == EFA_CONNECTING || a->state == EFA_RECEIVING) {
		a->sink->abort(a->sink_ctx);
		efa_agent__report_error(a, EFA_E_ABORTED);
		efa_agent__to_idle(a);
	}
	/* FINISHING: the image is committed; the OK just has no reader. */
}

/* The image on trial was not confirmed in time: give it up, reboot. */
static void
give_up(struct efa_agent *a)
{
	enum efa_err err = a->sink->reject(a->sink_ctx);

	a->trial_over = 1;
	efa_agent__report_error(a, err != EFA_E_OK ? err :
	    EFA_E_UNCONFIRMED);
	efa_agent__to_idle(a);
	a->net->reboot(a->net_ctx);
}

void
efa_agent_tick(struct efa_agent *a, uint32_t now_ms)
{
	efa_agent__expire_periods(a, now_ms);
	if (!a->has_deadline || !time_reached(now_ms, a->deadline))
		return;
	switch (a->state) {
	case EFA_IDLE:
		/* idle, the only deadline is a trial's (efa_agent__to_idle) */
		give_up(a);
		break;
	case EFA_WAIT_AUTH:
		efa_agent__to_idle(a);
		break;
	case EFA_CONNECTING:
		a->net->tcp_close(a->net_ctx);
		a->sink->abort(a->sink_ctx);
		efa_agent__report_error(a, EFA_E_CONNECT);
		efa_agent__to_idle(a);
		break;
	case EFA_RECEIVING:
		fail_transfer(a, EFA_E_STREAM, NULL);
		break;
	case EFA_FINISHING:
		send_ok(a, now_ms);
		break;
	case EFA_REBOOTING:
		efa_agent__to_idle(a);
		a->net->reboot(a->net_ctx);
		break;
	case EFA_UPLOADING:
		/* the port stopped feeding an HTTP-style upload */
		a->sink->abort(a->sink_ctx);
		efa_agent__report_error(a, EFA_E_STREAM);
		efa_agent__to_idle(a);
		break;
	}
}

uint32_t
efa_agent_next_timeout(const struct efa_agent *a, uint32_t now_ms)
{
	if (!a->has_deadline)
		return EFA_NO_TIMEOUT;
	if (time_reached(now_ms, a->deadline))
		return 0;
	return a->deadline - now_ms;
}

void
efa_agent_set_image_state(struct efa_agent *a, enum efa_image_state s,
    uint32_t now_ms)
{
	a->image_state = (uint8_t)s;
	a->trial_over = 0;
	a->trial_at = now_ms;
	efa_agent__to_idle(a);
}

enum efa_image_state
efa_agent_image_state(const struct efa_agent *a)
{
	return (enum efa_image_state)a->image_state;
}

enum efa_err
efa_agent_confirm(struct efa_agent *a)
{
	enum efa_err err = EFA_E_OK;

	if (a->image_state != EFA_IMAGE_TRIAL)
		return EFA_E_OK;
	if (a->trial_over)
		return EFA_E_UNCONFIRMED;
	if (a->sink->confirm != NULL)
		err = a->sink->confirm(a->sink_ctx);
	if (err == EFA_E_OK) {
		a->image_state = EFA_IMAGE_OK;
		if (a->state == EFA_IDLE)
			a->has_deadline = 0;  /* it was the trial's */
	}
	return err;
}

void
efa_agent_arm(struct efa_agent *a, uint32_t duration_ms, uint32_t now_ms)
{
	a->armed = 1;
	a->armed_at = now_ms;
	a->armed_ms = duration_ms;
}

void
efa_agent_reset(struct efa_agent *a)
{
	efa_agent__to_idle(a);
}

enum efa_state
efa_agent_state(const struct efa_agent *a)
{
	return a->state;
}

const char *
efa_agent_state_name(enum efa_state s)
{
	switch (s) {
	case EFA_IDLE:
		return "idle";
	case EFA_WAIT_AUTH:
		return "wait-auth";
	case EFA_CONNECTING:
		return "connecting";
	case EFA_RECEIVING:
		return "receiving";
	case EFA_FINISHING:
		return "finishing";
	case EFA_REBOOTING:
		return "rebooting";
	case EFA_UPLOADING:
		return "uploading";
	}
	return "?";
}
