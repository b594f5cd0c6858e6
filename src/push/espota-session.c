/* SPDX-License-Identifier: MIT */
/*
 * One espota upload as a pure state machine (see espota.h): the invitation
 * and its re-sends, the challenge answered with either scheme (and the
 * MD5-key fallback, the restart of a handshake the device dropped), the
 * connect-back, the device's counts and verdict, every deadline. No
 * sockets, timers or loop here: inputs come with the time, actions go back
 * to the driver (espota.c) and to the unit tests, which script whole
 * exchanges (tests/host/test-espota-session.c). Rules and messages:
 * docs/protocol.md section 8.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "efa/efa_auth.h"
#include "efa/efa_wire.h"
#include "espfleet/common.h"
#include "espfleet/espota.h"
#include "espfleet/log.h"
#include "espfleet/secret.h"
#include "espfleet/sockaddr.h"
#include "espfleet/text.h"

/* While the device's counts stream in, wake up only once this many bytes
 * of them wait (a few dozen counts), not for every one: at fleet scale
 * the reads of counts are the host's main cost. Near the end, and when a
 * device is slow, every byte wakes us again. */
#define COUNTS_BATCH 32
#define COUNTS_TAIL (64u * 1024u)
/* Smaller images are quick anyway: every count wakes us (fine progress). */
#define COUNTS_BATCH_MIN_IMAGE (256u * 1024u)

#define ERR_PREFIX_LEN (sizeof(EFA_REPLY_ERR_PREFIX) - 1)
#define AUTH_PREFIX_LEN (sizeof(EFA_REPLY_AUTH_PREFIX) - 1)
#define AUTH_FAILED_LEN (sizeof(EFA_REPLY_AUTH_FAILED) - 1)

static const char *
scheme_name(enum efa_auth_scheme scheme)
{
	return scheme == EFA_AUTH_SHA256 ? "sha256" : "md5";
}

static void
set_phase(struct efl_espota_session *s, enum efl_phase p)
{
	efl_session_set_phase(&s->phase, s->cb, p);
}

static unsigned finish(struct efl_espota_session *s,
    enum efl_result_code code, const char *fmt, ...) EFL_PRINTFLIKE(3, 4);

static unsigned
finish(struct efl_espota_session *s, enum efl_result_code code,
    const char *fmt, ...)
{
	va_list ap;

	if (s->done)
		return 0;
	s->done = 1;
	s->result.code = code;
	va_start(ap, fmt);
	vsnprintf(s->result.message, sizeof(s->result.message), fmt, ap);
	va_end(ap);
	s->result.bytes = code == EFL_R_OK ? s->reply.total : s->reply.acked;
	if (code == EFL_R_OK)
		efl_debug("%s: update accepted (%u bytes)", s->p.label,
		    s->reply.total);
	else
		efl_debug("%s: %s: %s", s->p.label, efl_result_code_name(code),
		    s->result.message);
	s->phase = EFL_PHASE_DONE;
	s->deadline_at = s->retx_at = 0;
	explicit_bzero(s->dgram, sizeof(s->dgram));
	return EFL_ESPOTA_FINISHED;
}

/* ---- handshake ---- */

static void
start_retransmits(struct efl_espota_session *s, uint64_t now)
{
	s->retx_ms = EFL_ESPOTA_RETRANSMIT_MS;
	s->retx_elapsed = 0;
	s->retx_at = s->retx_ms < s->p.timeout_ms ? now + s->retx_ms : 0;
}

static void
format_invitation(struct efl_espota_session *s)
{
	s->dgram_len = efa_wire_format_invitation(s->dgram, sizeof(s->dgram),
	    s->p.command, s->p.listen_port, s->p.size, s->md5_hex);
}

static unsigned
invite(struct efl_espota_session *s, uint64_t now)
{
	format_invitation(s);
	efl_debug("%s: > invitation '%.*s' to %s", s->p.label,
	    (int)s->dgram_len - 1, s->dgram, s->device_text);
	set_phase(s, EFL_PHASE_INVITING);
	s->deadline_at = now + s->p.timeout_ms;
	start_retransmits(s, now);
	return EFL_ESPOTA_SEND;
}

/* The scheme of a challenge was seen: it is the least from now on. */
static void
learn_scheme(struct efl_espota_session *s, enum efa_auth_scheme scheme)
{
	if (scheme > s->known_scheme) {
		s->known_scheme = scheme;
		s->known_from_txt = 0;
	}
}

static unsigned
answer_challenge(struct efl_espota_session *s, const char *nonce,
    size_t nlen, uint64_t now)
{
	const struct efl_secret *pw = s->p.password;
	char pw_key[EFA_SHA256_HEX_LEN + 1];
	char cnonce[EFA_NONCE_MAX_LEN + 1], response[EFA_NONCE_MAX_LEN + 1];
	size_t key_len;

	s->scheme = efa_auth_scheme_for_nonce(nlen);
	if (s->scheme == EFA_AUTH_NONE)
		return finish(s, EFL_R_DEVICE_ERROR, "device sent a "
		    "challenge of %zu characters; only 32 (MD5) and 64 "
		    "(SHA-256) are known", nlen);
	if (s->scheme < s->known_scheme) {
		/* a weaker scheme than the device is known to use: a forged
		 * datagram, or a downgrade attack; the device's own answer
		 * may still come */
		s->downgrades++;
		efl_debug("%s: ignoring a %s challenge: the device %s %s",
		    s->p.label, scheme_name(s->scheme),
		    s->known_from_txt ? "advertises" : "already used",
		    scheme_name(s->known_scheme));
		return 0;
	}
	learn_scheme(s, s->scheme);
	s->retx_at = 0;
	if (pw == NULL || !pw->present) {
		s->result.needs_password = 1;
		return finish(s, EFL_R_AUTH_FAILED, "%s", EFL_MSG_NO_PASSWORD);
	}
	if (s->scheme == EFA_AUTH_SHA256 && s->p.md5_key_only)
		s->md5_key = 1;
	key_len = (s->scheme == EFA_AUTH_SHA256 && !s->md5_key) ?
	    EFA_SHA256_HEX_LEN : EFA_MD5_HEX_LEN;
	efa_auth_pw_key(s->p.crypto, pw->value, pw->len, key_len, pw_key);
	if (s->p.random_hex(cnonce, nlen) != 0 ||
	    efa_auth_response(s->p.crypto, s->scheme, pw_key, key_len,
	    nonce, nlen, cnonce, nlen, response) != 0) {
		explicit_bzero(pw_key, sizeof(pw_key));
		return finish(s, EFL_R_DEVICE_ERROR, "cannot compute the "
		    "challenge response (no random source?)");
	}
	explicit_bzero(pw_key, sizeof(pw_key));
	s->dgram_len = efa_wire_format_auth(s->dgram, sizeof(s->dgram),
	    cnonce, response);
	explicit_bzero(response, sizeof(response));
	efl_debug("%s: > 200 %s <response redacted> (%s scheme%s)",
	    s->p.label, cnonce, scheme_name(s->scheme),
	    s->scheme == EFA_AUTH_SHA256 ?
	    (s->md5_key ? ", MD5 password key" : ", SHA-256 password key") :
	    "");
	set_phase(s, EFL_PHASE_AUTHENTICATING);
	s->deadline_at = now + s->p.timeout_ms;
	if (s->auth_restarts < EFL_ESPOTA_AUTH_RESTARTS &&
	    EFL_ESPOTA_AUTH_RESTART_MS < s->p.timeout_ms)
		s->retx_at = now + EFL_ESPOTA_AUTH_RESTART_MS;
	return EFL_ESPOTA_SEND;
}

static unsigned
device_refused(struct efl_espota_session *s, const char *text, size_t len)
{
	char shown[EFL_DEVICE_TEXT_MAX];

	efl_printable(shown, sizeof(shown), text, len);
	return finish(s, efl_classify_device_text(shown), "device refused the "
	    "update: %s", shown);
}

static int
starts_with(const char *d, size_t n, const char *prefix, size_t plen)
{
	return n >= plen && memcmp(d, prefix, plen) == 0;
}

void
efl_espota_init(struct efl_espota_session *s,
    const struct efl_espota_params *p, const struct efl_session_callbacks *cb)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	efl_sockaddr_copy(&s->device, p->device);
	s->p.device = (const struct sockaddr *)&s->device;
	snprintf(s->md5_hex, sizeof(s->md5_hex), "%s", p->md5_hex);
	s->p.md5_hex = s->md5_hex;
	efl_sockaddr_text(p->device, s->device_text, sizeof(s->device_text));
	s->cb = cb;
	s->known_scheme = p->known_scheme;
	s->known_from_txt = p->known_scheme != EFA_AUTH_NONE;
	efl_reply_init(&s->reply, p->size);
}

unsigned
efl_espota_begin(struct efl_espota_session *s, uint64_t now)
{
	if (s->done)
		return 0;
	s->begun = 1;
	s->begun_at = now;
	return invite(s, now);
}

unsigned
efl_espota_datagram(struct efl_espota_session *s, const struct sockaddr *from,
    const char *d, size_t n, uint64_t now)
{
	char shown[128], where[80];

	if (s->done || n == 0)
		return 0;
	if (!efl_sockaddr_same_endpoint(from, s->p.device)) {
		efl_sockaddr_endpoint_text(from, where, sizeof(where));
		efl_debug("%s: ignoring a datagram from %s: not the device's "
		    "address and port", s->p.label, where);
		return 0;
	}
	efl_printable(shown, sizeof(shown), d, n);
	efl_debug("%s: < '%s'", s->p.label, shown);
	if (s->phase != EFL_PHASE_INVITING &&
	    s->phase != EFL_PHASE_AUTHENTICATING)
		return 0;
	if (n == 2 && memcmp(d, EFA_REPLY_OK, 2) == 0) {
		s->retx_at = 0;
		set_phase(s, EFL_PHASE_CONNECTING);
		s->deadline_at = now + s->p.timeout_ms;
		return 0;
	}
	if (n > ERR_PREFIX_LEN &&
	    starts_with(d, n, EFA_REPLY_ERR_PREFIX, ERR_PREFIX_LEN))
		return device_refused(s, d + ERR_PREFIX_LEN,
		    n - ERR_PREFIX_LEN);
	if (s->phase == EFL_PHASE_INVITING && n > AUTH_PREFIX_LEN &&
	    starts_with(d, n, EFA_REPLY_AUTH_PREFIX, AUTH_PREFIX_LEN)) {
		const char *nonce = d + AUTH_PREFIX_LEN;
		size_t nlen = 0;

		while (AUTH_PREFIX_LEN + nlen < n && nonce[nlen] != ' ' &&
		    nonce[nlen] != '\n' && nonce[nlen] != '\r')
			nlen++;
		if (nlen > EFA_NONCE_MAX_LEN)
			nlen = EFA_NONCE_MAX_LEN + 1; /* rejected as unknown */
		return answer_challenge(s, nonce, nlen, now);
	}
	if (s->phase == EFL_PHASE_AUTHENTICATING &&
	    starts_with(d, n, EFA_REPLY_AUTH_FAILED, AUTH_FAILED_LEN)) {
		if (s->scheme == EFA_AUTH_SHA256 && !s->md5_key) {
			/* ESP32 >= 3.3.1 sketches that store an MD5 password
			 * hash: invite again and answer with the MD5 key */
			efl_debug("%s: SHA-256 password key rejected, trying "
			    "the MD5 key", s->p.label);
			s->md5_key = 1;
			return invite(s, now);
		}
		return finish(s, EFL_R_AUTH_FAILED, "device rejected the "
		    "password");
	}
	if (s->phase == EFL_PHASE_AUTHENTICATING && n > AUTH_PREFIX_LEN &&
	    starts_with(d, n, EFA_REPLY_AUTH_PREFIX, AUTH_PREFIX_LEN))
		return 0; /* a late answer to a re-sent invitation */
	if (s->phase == EFL_PHASE_INVITING && s->auth_restarts > 0 &&
	    starts_with(d, n, EFA_REPLY_AUTH_FAILED, AUTH_FAILED_LEN))
		return 0; /* late, for the handshake we started over; the new
			   * one decides */
	return finish(s, EFL_R_DEVICE_ERROR, "unexpected answer '%s' (is this "
	    "an ArduinoOTA/espota device?)", shown);
}

/* ---- transfer ---- */

unsigned
efl_espota_connected(struct efl_espota_session *s, const struct sockaddr *peer,
    uint64_t now)
{
	char a[64];

	efl_sockaddr_text(peer, a, sizeof(a));
	if (s->done || s->connected ||
	    !efl_sockaddr_same_addr(peer, s->p.device))
		return EFL_ESPOTA_REFUSE;
	efl_debug("%s: connect-back from %s", s->p.label, a);
	s->connected = 1;
	s->retx_at = 0;
	s->read_batch = s->reply.total >= COUNTS_BATCH_MIN_IMAGE ?
	    COUNTS_BATCH : 1;
	set_phase(s, EFL_PHASE_UPLOADING);
	s->deadline_at = 0;
	s->last_activity = now;
	return EFL_ESPOTA_END_HANDSHAKE | EFL_ESPOTA_WRITE_IMAGE |
	    (s->read_batch > 1 ? EFL_ESPOTA_READ_BATCH : 0);
}

static unsigned
conclude_from_reply(struct efl_espota_session *s, int eof)
{
	if (s->reply.state == EFL_REPLY_OK &&
	    s->delivered < s->reply.total) {
		/* an "OK" is no count: a device that says it before its TCP
		 * took the whole image cannot have written it (its counts
		 * alone do not prove that: merged ones may defy decoding) */
		uint32_t counted = s->reply.counted;
		unsigned a = finish(s, EFL_R_TRANSFER_FAILED, "device "
		    "answered OK after acknowledging only %u of %u bytes",
		    counted, s->reply.total);

		s->result.bytes = counted;
		return a;
	}
	if (s->reply.state == EFL_REPLY_OK)
		return finish(s, EFL_R_OK, "%s", "");
	if (s->reply.state == EFL_REPLY_ERROR &&
	    (s->reply.text_complete || eof)) {
		char shown[EFL_DEVICE_TEXT_MAX];

		efl_printable(shown, sizeof(shown), s->reply.text,
		    s->reply.text_len);
		return finish(s, efl_classify_device_text(shown),
		    "device reported: %s", shown);
	}
	if (eof)
		return finish(s, EFL_R_TRANSFER_FAILED, "connection closed by "
		    "the device after %u of %u bytes, without a result",
		    s->reply.acked, s->reply.total);
	return 0;
}

static unsigned
read_every_byte(struct efl_espota_session *s)
{
	if (s->read_batch <= 1)
		return 0;
	s->read_batch = 1;
	return EFL_ESPOTA_READ_BATCH;
}

unsigned
efl_espota_device_bytes(struct efl_espota_session *s, const char *data,
    size_t len, uint64_t sent, uint64_t delivered, uint64_t now)
{
	unsigned a = 0;

	if (s->done || !s->connected || len == 0)
		return 0;
	s->delivered = delivered < sent ? delivered : sent;
	s->last_activity = now;
	efl_reply_feed(&s->reply, data, len, sent);
	/* progress is what the counts say: the final "OK" is a verdict, not
	 * a count (the push engine times the transfer by the last count) */
	if (s->reply.counted != s->last_reported) {
		s->last_reported = s->reply.counted;
		if (efl_log_verbose() > 1)
			efl_debug("%s: < acked %u/%u", s->p.label,
			    s->reply.counted, s->reply.total);
		if (s->cb->progress != NULL)
			s->cb->progress(s->cb->arg, s->reply.counted,
			    s->reply.total);
	}
	if (s->reply.acked >= s->reply.total &&
	    s->phase == EFL_PHASE_UPLOADING) {
		set_phase(s, EFL_PHASE_FINISHING);
		s->finishing_at = now;
	}
	if (s->reply.state != EFL_REPLY_PENDING || s->reply.text_len > 0 ||
	    s->reply.acked + COUNTS_TAIL >= s->reply.total)
		a |= read_every_byte(s); /* the result must not wait */
	return a | conclude_from_reply(s, 0);
}

unsigned
efl_espota_bytes_waiting(struct efl_espota_session *s, uint64_t now)
{
	if (s->done || !s->connected || s->read_batch <= 1)
		return 0;
	/* a slow device: its counts waited below the batch size */
	s->last_activity = now;
	return read_every_byte(s);
}

unsigned
efl_espota_device_closed(struct efl_espota_session *s, const char *error,
    uint64_t now)
{
	(void)now;
	if (s->done)
		return 0;
	if (error != NULL && s->reply.state == EFL_REPLY_PENDING)
		return finish(s, EFL_R_TRANSFER_FAILED, "connection lost after "
		    "%u of %u bytes: %s", s->reply.acked, s->reply.total,
		    error);
	return conclude_from_reply(s, 1);
}

/* ---- time ---- */

static unsigned
retransmit_due(struct efl_espota_session *s, uint64_t now)
{
	if (s->phase == EFL_PHASE_AUTHENTICATING) {
		/* no answer to the 200 datagram: the device probably dropped
		 * the handshake (a re-sent invitation resets a stock device
		 * waiting for auth), so start over with a fresh invitation */
		s->auth_restarts++;
		efl_debug("%s: no answer to the authentication for %u ms, "
		    "starting over", s->p.label, EFL_ESPOTA_AUTH_RESTART_MS);
		return invite(s, now);
	}
	s->retx_elapsed += s->retx_ms;
	efl_debug("%s: no answer yet, sending the invitation again",
	    s->p.label);
	format_invitation(s);
	s->retx_ms *= 2;
	s->retx_at = s->retx_elapsed + s->retx_ms < s->p.timeout_ms ?
	    now + s->retx_ms : 0;
	return EFL_ESPOTA_SEND;
}

/* The earlier of two times, 0 being none. */
static uint64_t
earlier(uint64_t a, uint64_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

/* When the current wait ends (0: none): the phase's deadline, or on the
 * connection the device's silence and, once every byte is acknowledged,
 * the verdict (counts, line ends or anything else do not move it). */
static uint64_t
wait_deadline(const struct efl_espota_session *s)
{
	if (!s->connected)
		return s->deadline_at;
	return earlier(s->last_activity + s->p.timeout_ms,
	    s->finishing_at != 0 ? s->finishing_at + s->p.timeout_ms : 0);
}

/* When the whole session must be over (0: no bound). */
static uint64_t
device_deadline(const struct efl_espota_session *s)
{
	return s->begun && s->p.device_timeout_ms != 0 ?
	    s->begun_at + s->p.device_timeout_ms : 0;
}

/* The device timeout is over: the phase's own result, said so. */
static unsigned
device_timed_out(struct efl_espota_session *s)
{
	char sec[EFL_SECONDS_TEXT_LEN];
	enum efl_result_code code;

	efl_seconds_text(sec, s->p.device_timeout_ms);
	switch (s->phase) {
	case EFL_PHASE_INVITING:
	case EFL_PHASE_AUTHENTICATING:
		code = EFL_R_NO_ANSWER;
		break;
	case EFL_PHASE_CONNECTING:
		code = EFL_R_CONNECT_TIMEOUT;
		break;
	default:
		code = EFL_R_TRANSFER_FAILED;
		break;
	}
	return finish(s, code, "not done within the device timeout of %s s "
	    "(--device-timeout): %s, %u of %u bytes acknowledged", sec,
	    efl_phase_name(s->phase), s->reply.acked, s->reply.total);
}

unsigned
efl_espota_time(struct efl_espota_session *s, uint64_t now, const char *stray)
{
	char sec[EFL_SECONDS_TEXT_LEN];
	uint64_t wait_at = wait_deadline(s), device_at = device_deadline(s);

	if (s->done)
		return 0;
	if (stray == NULL)
		stray = "";
	if (device_at != 0 && now >= device_at)
		return device_timed_out(s);
	/* a deadline that has passed wins over a re-send that is due too
	 * (a timer that fired late) */
	if (wait_at == 0 || now < wait_at)
		return s->retx_at != 0 && now >= s->retx_at ?
		    retransmit_due(s, now) : 0;
	efl_seconds_text(sec, s->p.timeout_ms);
	switch (s->phase) {
	case EFL_PHASE_INVITING:
		if (s->downgrades > 0)
			return finish(s, EFL_R_AUTH_FAILED, "only md5 "
			    "challenges came (%u) and the device %s sha256: "
			    "not answered, so that the authentication is not "
			    "downgraded (a forged answer, or a device back on "
			    "older firmware)", s->downgrades,
			    s->known_from_txt ? "advertises" : "used");
		return finish(s, EFL_R_NO_ANSWER, "no answer to the invitation "
		    "within %s s (device offline, wrong port, or UDP blocked)",
		    sec);
	case EFL_PHASE_AUTHENTICATING:
		return finish(s, EFL_R_NO_ANSWER, "no answer to the "
		    "authentication within %s s", sec);
	case EFL_PHASE_CONNECTING:
		return finish(s, EFL_R_CONNECT_TIMEOUT, "the device accepted "
		    "the update but did not connect back to port %u within %s "
		    "s: a host firewall blocking inbound TCP port %u, or a "
		    "device on another subnet without a route back to this "
		    "host, is the usual cause (fix the port with --host-port "
		    "and allow it)%s%s", s->p.listen_port, sec,
		    s->p.listen_port, stray[0] ? "; a connection came from " :
		    "", stray);
	case EFL_PHASE_UPLOADING:
		return finish(s, EFL_R_TRANSFER_FAILED, "device stopped "
		    "responding after %u of %u bytes (nothing for %s s)",
		    s->reply.acked, s->reply.total, sec);
	case EFL_PHASE_FINISHING:
		return finish(s, EFL_R_TRANSFER_FAILED, "no result from the "
		    "device within %s s after the last byte%s", sec,
		    now - s->last_activity < s->p.timeout_ms ?
		    " (it sent other bytes meanwhile)" : "");
	default:
		return 0;
	}
}

uint64_t
efl_espota_wake_at(const struct efl_espota_session *s)
{
	uint64_t at;

	if (s->done)
		return 0;
	at = earlier(wait_deadline(s), device_deadline(s));
	return earlier(at, s->retx_at);
}

unsigned
efl_espota_fail(struct efl_espota_session *s, enum efl_result_code code,
    const char *message)
{
	return finish(s, code, "%s", message);
}

unsigned
efl_espota_cancel(struct efl_espota_session *s)
{
	if (s->phase == EFL_PHASE_FINISHING)
		/* every byte is there: the device may still apply it */
		return finish(s, EFL_R_CANCELED, EFL_CANCELED_AFTER_UPLOAD);
	return finish(s, EFL_R_CANCELED, "canceled");
}
