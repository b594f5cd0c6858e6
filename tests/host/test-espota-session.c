/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the host espota session as a pure state machine
 * (src/push/espota-session.c): whole exchanges scripted input by input,
 * with the time given, and the actions and datagrams checked. Both auth
 * schemes against the vectors of docs/protocol.md section 3, the MD5-key
 * fallback, auth restarts, device error texts, retransmits, every
 * deadline, and the datagrams a session must not believe: from another
 * address or port (IPv4, IPv6, v4-mapped), or a challenge weaker than the
 * device's known scheme.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../src/push/crypto.h"
#include "auth-vectors.h"
#include "espfleet/espota.h"
#include "espfleet/secret.h"
#include "espfleet/sockaddr.h"

#define DEVICE "127.0.0.5"
#define LISTEN_PORT 40000
#define SIZE 4096u
#define MD5 "8e3f1c2a9b4d5e6f708192a3b4c5d6e7"
#define TIMEOUT 10000u
#define INVITATION "0 40000 4096 " MD5 "\n"

static const char nonce32[] = TV_NONCE32;
static const char cnonce32[] = TV_CNONCE32;
static const char nonce64[] = TV_NONCE64;
static const char cnonce64[] = TV_CNONCE64;

struct h {
	struct efl_espota_session s;
	struct efl_espota_params p;
	struct efl_session_callbacks cb;
	struct efl_secret pw;
	struct sockaddr_storage dev;
	enum efl_phase phases[32];
	int nphases;
	uint32_t progress;
	int progress_calls;
};

static int
scripted_cnonce(char *out, size_t nhex)
{
	if (nhex == 32)
		memcpy(out, cnonce32, 33);
	else if (nhex == 64)
		memcpy(out, cnonce64, 65);
	else
		return -1;
	return 0;
}

static int
no_random(char *out, size_t nhex)
{
	(void)out;
	(void)nhex;
	return -1;
}

static void
on_phase(void *arg, enum efl_phase p)
{
	struct h *h = arg;

	assert_true(h->nphases < 32);
	h->phases[h->nphases++] = p;
}

static void
on_progress(void *arg, uint32_t acked, uint32_t total)
{
	struct h *h = arg;

	assert_int_equal(total, h->p.size);
	assert_true(acked >= h->progress);
	h->progress = acked;
	h->progress_calls++;
}

static void
on_done(void *arg, const struct efl_session_result *r)
{
	(void)arg;
	(void)r;
	fail_msg("the machine never calls done(): the driver does");
}

static struct sockaddr *
addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	if (efl_sockaddr_parse(ss, ip) != 0)
		fail_msg("bad address '%s'", ip);
	efl_sockaddr_set_port((struct sockaddr *)ss, port);
	return (struct sockaddr *)ss;
}

/* A session to device:port with password pw (NULL: none), not begun. */
static void
setup_at(struct h *h, const char *device, uint16_t port, const char *pw)
{
	memset(h, 0, sizeof(*h));
	if (pw != NULL)
		assert_int_equal(efl_secret_set(&h->pw, pw, "test",
		    "the test password", NULL), 0);
	h->cb.phase = on_phase;
	h->cb.progress = on_progress;
	h->cb.done = on_done;
	h->cb.arg = h;
	h->p.label = "dev";
	h->p.device = addr(&h->dev, device, port);
	h->p.listen_port = LISTEN_PORT;
	h->p.command = 0;
	h->p.size = SIZE;
	h->p.md5_hex = MD5;
	h->p.password = pw != NULL ? &h->pw : NULL;
	h->p.timeout_ms = TIMEOUT;
	h->p.crypto = &efl_crypto_openssl;
	h->p.random_hex = scripted_cnonce;
}

static void
begin(struct h *h, uint64_t now)
{
	efl_espota_init(&h->s, &h->p, &h->cb);
	assert_int_equal(efl_espota_begin(&h->s, now), EFL_ESPOTA_SEND);
	assert_int_equal(h->s.phase, EFL_PHASE_INVITING);
}

static void
start(struct h *h, const char *pw)
{
	setup_at(h, DEVICE, 8266, pw);
	begin(h, 0);
	assert_int_equal(h->s.dgram_len, strlen(INVITATION));
	assert_memory_equal(h->s.dgram, INVITATION, h->s.dgram_len);
}

/* A datagram from the device's own address and port. */
static unsigned
dgram(struct h *h, const char *text, uint64_t now)
{
	return efl_espota_datagram(&h->s, h->p.device, text, strlen(text),
	    now);
}

static unsigned
dgram_from(struct h *h, const char *ip, uint16_t port, const char *text,
    uint64_t now)
{
	struct sockaddr_storage from;

	return efl_espota_datagram(&h->s, addr(&from, ip, port), text,
	    strlen(text), now);
}

static void
expect_sent(const struct h *h, const char *want)
{
	assert_int_equal(h->s.dgram_len, strlen(want));
	assert_memory_equal(h->s.dgram, want, h->s.dgram_len);
}

static void
expect_auth(const struct h *h, const char *cnonce, const char *response)
{
	char want[200];

	snprintf(want, sizeof(want), "200 %s %s\n", cnonce, response);
	expect_sent(h, want);
	assert_int_equal(h->s.phase, EFL_PHASE_AUTHENTICATING);
}

static void
challenge(struct h *h, const char *nonce, uint64_t now)
{
	char d[80];

	snprintf(d, sizeof(d), "AUTH %s", nonce);
	assert_int_equal(dgram(h, d, now), EFL_ESPOTA_SEND);
}

static void
expect_result(const struct h *h, enum efl_result_code code, const char *msg)
{
	assert_true(h->s.done);
	assert_int_equal(h->s.phase, EFL_PHASE_DONE);
	assert_int_equal(h->s.result.code, code);
	if (msg != NULL)
		assert_string_equal(h->s.result.message, msg);
	assert_int_equal(efl_espota_wake_at(&h->s), 0);
}

/* From the device's "OK" to the connect-back: uploading. */
static void
connect_back(struct h *h, uint64_t now)
{
	struct sockaddr_storage peer;

	assert_int_equal(dgram(h, "OK", now), 0);
	assert_int_equal(h->s.phase, EFL_PHASE_CONNECTING);
	assert_int_equal(efl_espota_connected(&h->s,
	    addr(&peer, DEVICE, 51000), now), EFL_ESPOTA_END_HANDSHAKE |
	    EFL_ESPOTA_WRITE_IMAGE);
	assert_int_equal(h->s.phase, EFL_PHASE_UPLOADING);
}

/* Bytes from the device, the whole image sent and, as far as the
 * device's TCP acknowledged, delivered. */
static unsigned
bytes_delivered(struct h *h, const char *text, uint64_t delivered,
    uint64_t now)
{
	return efl_espota_device_bytes(&h->s, text, strlen(text), SIZE,
	    delivered, now);
}

static unsigned
bytes(struct h *h, const char *text, uint64_t now)
{
	return bytes_delivered(h, text, SIZE, now);
}

/* ---- whole exchanges ---- */

static void
test_upload_without_password(void **state)
{
	struct h h;
	static const enum efl_phase want[] = { EFL_PHASE_INVITING,
		EFL_PHASE_CONNECTING, EFL_PHASE_UPLOADING,
		EFL_PHASE_FINISHING };

	(void)state;
	start(&h, NULL);
	connect_back(&h, 300);
	assert_int_equal(bytes(&h, "1460", 400), 0);
	assert_int_equal(h.progress, 1460);
	assert_int_equal(bytes(&h, "14601176", 500), 0);  /* merged */
	assert_int_equal(h.progress, SIZE);
	assert_int_equal(h.s.phase, EFL_PHASE_FINISHING);
	assert_int_equal(bytes(&h, "OK", 1500), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_OK, "");
	assert_int_equal(h.s.result.bytes, SIZE);
	assert_int_equal(h.nphases, 4);
	assert_memory_equal(h.phases, want, sizeof(want));
	/* nothing moves it any more */
	assert_int_equal(bytes(&h, "OK", 1600), 0);
	assert_int_equal(efl_espota_time(&h.s, 99999, ""), 0);
	assert_int_equal(efl_espota_cancel(&h.s), 0);
	assert_int_equal(h.s.result.code, EFL_R_OK);
}

static void
test_md5_scheme(void **state)
{
	struct h h;

	(void)state;
	start(&h, "admin");
	challenge(&h, nonce32, 100);
	expect_auth(&h, cnonce32, TV_MD5_RESPONSE);
	connect_back(&h, 200);
	assert_int_equal(bytes(&h, "4096OK", 300), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_OK, "");
}

static void
test_sha256_scheme(void **state)
{
	struct h h;

	(void)state;
	start(&h, "admin");
	challenge(&h, nonce64, 100);
	expect_auth(&h, cnonce64, TV_SHA_RESPONSE);
	assert_int_equal(h.s.known_scheme, EFA_AUTH_SHA256);
	connect_back(&h, 200);
}

/* A sketch that stores an MD5 password hash on an ESP32 >= 3.3.1: the
 * SHA-256 key fails, a fresh invitation and the MD5 key follow. */
static void
test_md5_key_fallback(void **state)
{
	struct h h;

	(void)state;
	start(&h, "admin");
	challenge(&h, nonce64, 100);
	expect_auth(&h, cnonce64, TV_SHA_RESPONSE);
	assert_int_equal(dgram(&h, "Authentication Failed", 200),
	    EFL_ESPOTA_SEND);
	expect_sent(&h, INVITATION);
	assert_int_equal(h.s.phase, EFL_PHASE_INVITING);
	challenge(&h, nonce64, 300);
	expect_auth(&h, cnonce64, TV_SHA_MD5KEY_RESPONSE);
	/* the MD5 key fails too: the password is wrong */
	assert_int_equal(dgram(&h, "Authentication Failed", 400),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_AUTH_FAILED, "device rejected the password");
}

static void
test_md5_key_only(void **state)
{
	struct h h;

	(void)state;
	setup_at(&h, DEVICE, 8266, "admin");
	h.p.md5_key_only = 1;
	begin(&h, 0);
	challenge(&h, nonce64, 100);
	expect_auth(&h, cnonce64, TV_SHA_MD5KEY_RESPONSE);
	assert_int_equal(dgram(&h, "Authentication Failed", 200),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_AUTH_FAILED, "device rejected the password");
}

static void
test_wrong_password_md5(void **state)
{
	struct h h;

	(void)state;
	start(&h, "admin");
	challenge(&h, nonce32, 100);
	assert_int_equal(dgram(&h, "Authentication Failed", 200),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_AUTH_FAILED, "device rejected the password");
	assert_int_equal(h.s.result.needs_password, 0);
}

static void
test_no_password_given(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	assert_int_equal(dgram(&h, "AUTH 0123456789abcdef0123456789abcdef",
	    100), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_AUTH_FAILED, EFL_MSG_NO_PASSWORD);
	assert_int_equal(h.s.result.needs_password, 1);
}

static void
test_no_random_source(void **state)
{
	struct h h;

	(void)state;
	setup_at(&h, DEVICE, 8266, "admin");
	h.p.random_hex = no_random;
	begin(&h, 0);
	assert_int_equal(dgram(&h, "AUTH 0123456789abcdef0123456789abcdef",
	    100), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_DEVICE_ERROR, "cannot compute the challenge "
	    "response (no random source?)");
}

/* No answer to the "200": a fresh invitation after 2 s, up to 3 times;
 * a late "Authentication Failed" for a dropped handshake is not the
 * verdict. */
static void
test_auth_restart(void **state)
{
	struct h h;
	uint64_t t = 0;
	int i;

	(void)state;
	start(&h, "admin");
	for (i = 0; i < EFL_ESPOTA_AUTH_RESTARTS; i++) {
		challenge(&h, nonce32, t);
		assert_int_equal(efl_espota_wake_at(&h.s),
		    t + EFL_ESPOTA_AUTH_RESTART_MS);
		assert_int_equal(efl_espota_time(&h.s,
		    t + EFL_ESPOTA_AUTH_RESTART_MS - 1, ""), 0);
		t += EFL_ESPOTA_AUTH_RESTART_MS;
		assert_int_equal(efl_espota_time(&h.s, t, ""),
		    EFL_ESPOTA_SEND);
		expect_sent(&h, INVITATION);
		assert_int_equal(h.s.phase, EFL_PHASE_INVITING);
		assert_int_equal(dgram(&h, "Authentication Failed", t), 0);
		assert_false(h.s.done);
	}
	/* no more restarts: the authentication's own deadline; an answer
	 * to an earlier invitation that comes now is stale */
	challenge(&h, nonce32, t);
	assert_int_equal(dgram(&h, "AUTH 0123456789abcdef0123456789abcdef",
	    t), 0);
	assert_int_equal(efl_espota_wake_at(&h.s), t + TIMEOUT);
	assert_int_equal(efl_espota_time(&h.s, t + TIMEOUT, ""),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_NO_ANSWER, "no answer to the authentication "
	    "within 10 s");
}

static void
test_retransmits_and_invitation_deadline(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	assert_int_equal(efl_espota_wake_at(&h.s), 1000);
	assert_int_equal(efl_espota_time(&h.s, 999, ""), 0);
	assert_int_equal(efl_espota_time(&h.s, 1000, ""), EFL_ESPOTA_SEND);
	expect_sent(&h, INVITATION);
	assert_int_equal(efl_espota_wake_at(&h.s), 3000);
	assert_int_equal(efl_espota_time(&h.s, 3000, ""), EFL_ESPOTA_SEND);
	assert_int_equal(efl_espota_wake_at(&h.s), 7000);
	assert_int_equal(efl_espota_time(&h.s, 7000, ""), EFL_ESPOTA_SEND);
	/* the next re-send would come after the deadline: none */
	assert_int_equal(efl_espota_wake_at(&h.s), TIMEOUT);
	assert_int_equal(efl_espota_time(&h.s, TIMEOUT - 1, ""), 0);
	assert_int_equal(efl_espota_time(&h.s, TIMEOUT, ""),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_NO_ANSWER, "no answer to the invitation within "
	    "10 s (device offline, wrong port, or UDP blocked)");
}

/* A timer that fires late or early changes nothing but what is due. */
static void
test_short_timeout_no_retransmit(void **state)
{
	struct h h;

	(void)state;
	setup_at(&h, DEVICE, 8266, NULL);
	h.p.timeout_ms = 500;
	begin(&h, 1000);
	assert_int_equal(efl_espota_wake_at(&h.s), 1500);
	assert_int_equal(efl_espota_time(&h.s, 1200, ""), 0);
	assert_int_equal(efl_espota_time(&h.s, 1600, ""), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_NO_ANSWER, "no answer to the invitation within "
	    "0.5 s (device offline, wrong port, or UDP blocked)");
}

static void
test_connect_back_deadline(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	assert_int_equal(dgram(&h, "OK", 500), 0);
	assert_int_equal(efl_espota_wake_at(&h.s), 500 + TIMEOUT);
	assert_int_equal(efl_espota_time(&h.s, 500 + TIMEOUT,
	    "127.0.0.9"), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_CONNECT_TIMEOUT, "the device accepted the "
	    "update but did not connect back to port 40000 within 10 s: a "
	    "host firewall blocking inbound TCP port 40000, or a device on "
	    "another subnet without a route back to this host, is the usual "
	    "cause (fix the port with --host-port and allow it); a "
	    "connection came from 127.0.0.9");
}

static void
test_transfer_silence(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(efl_espota_wake_at(&h.s), TIMEOUT);
	assert_int_equal(bytes(&h, "1460", 5000), 0);
	/* the silence counts from the last bytes */
	assert_int_equal(efl_espota_wake_at(&h.s), 5000 + TIMEOUT);
	assert_int_equal(efl_espota_time(&h.s, TIMEOUT, ""), 0);
	assert_int_equal(efl_espota_time(&h.s, 5000 + TIMEOUT, ""),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_TRANSFER_FAILED, "device stopped responding "
	    "after 1460 of 4096 bytes (nothing for 10 s)");
	assert_int_equal(h.s.result.bytes, 1460);
}

static void
test_finishing_silence(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes(&h, "4096", 100), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_FINISHING);
	assert_int_equal(efl_espota_time(&h.s, 100 + TIMEOUT, ""),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_TRANSFER_FAILED, "no result from the device "
	    "within 10 s after the last byte");
}

/* Once every byte is acknowledged, the verdict is due within the timeout
 * whatever the device sends meanwhile: line ends, repeated counts. */
static void
test_finishing_dribble(void **state)
{
	static const char *const dribbles[] = { "\n", "4096", "\r\n1460" };
	struct h h;
	uint64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dribbles) / sizeof(dribbles[0]); i++) {
		start(&h, NULL);
		connect_back(&h, 0);
		assert_int_equal(bytes(&h, "4096", 100), 0);
		assert_int_equal(h.s.phase, EFL_PHASE_FINISHING);
		for (t = 600; t < 100 + TIMEOUT; t += 500) {
			assert_int_equal(bytes(&h, dribbles[i], t), 0);
			assert_true(efl_espota_wake_at(&h.s) <= 100 + TIMEOUT);
			assert_int_equal(efl_espota_time(&h.s, t, ""), 0);
		}
		assert_int_equal(efl_espota_wake_at(&h.s), 100 + TIMEOUT);
		assert_int_equal(efl_espota_time(&h.s, 100 + TIMEOUT, ""),
		    EFL_ESPOTA_FINISHED);
		expect_result(&h, EFL_R_TRANSFER_FAILED, "no result from the "
		    "device within 10 s after the last byte (it sent other "
		    "bytes meanwhile)");
		assert_int_equal(h.s.result.bytes, SIZE);
	}
}

/* One bound on the whole session: a device that acknowledges a byte a
 * second is never silent, and is cut all the same. */
static void
test_device_timeout(void **state)
{
	struct h h;
	uint64_t t;

	(void)state;
	setup_at(&h, DEVICE, 8266, NULL);
	h.p.device_timeout_ms = 30000;
	begin(&h, 1000);
	connect_back(&h, 1200);
	for (t = 2000; t < 31000; t += 1000) {
		assert_int_equal(bytes(&h, "1", t), 0);
		assert_int_equal(efl_espota_wake_at(&h.s), t + TIMEOUT < 31000 ?
		    t + TIMEOUT : 31000);
		assert_int_equal(efl_espota_time(&h.s, t, ""), 0);
	}
	assert_int_equal(efl_espota_time(&h.s, 31000, ""),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_TRANSFER_FAILED, "not done within the device "
	    "timeout of 30 s (--device-timeout): uploading, 29 of 4096 bytes "
	    "acknowledged");
	assert_int_equal(h.s.result.bytes, 29);

	/* in the handshake, the phase's own result */
	setup_at(&h, DEVICE, 8266, NULL);
	h.p.device_timeout_ms = 2500;
	begin(&h, 0);
	assert_int_equal(efl_espota_wake_at(&h.s), 1000);
	assert_int_equal(efl_espota_time(&h.s, 1000, ""), EFL_ESPOTA_SEND);
	assert_int_equal(efl_espota_wake_at(&h.s), 2500);
	assert_int_equal(efl_espota_time(&h.s, 2500, ""),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_NO_ANSWER, "not done within the device "
	    "timeout of 2.5 s (--device-timeout): inviting, 0 of 4096 bytes "
	    "acknowledged");
}

/* An "OK" is no count: before the image is acknowledged it fails. */
static void
test_ok_before_the_image(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes_delivered(&h, "1000", 1000, 100), 0);
	assert_int_equal(bytes_delivered(&h, "OK", 3000, 200),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_TRANSFER_FAILED, "device answered OK after "
	    "acknowledging only 1000 of 4096 bytes");
	assert_int_equal(h.s.result.bytes, 1000);

	/* counts merged past decoding (an odd read size among the usual
	 * ones), but the device's TCP took every byte: its OK stands */
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes(&h, "1024", 100), 0);
	assert_int_equal(bytes(&h, "1000", 110), 0);
	assert_int_equal(bytes(&h, "24", 120), 0);
	assert_int_equal(bytes(&h, "1024", 130), 0);
	assert_int_equal(bytes(&h, "1024OK", 200), EFL_ESPOTA_FINISHED);
	assert_true(h.s.reply.counted < SIZE);
	expect_result(&h, EFL_R_OK, "");
	assert_int_equal(h.s.result.bytes, SIZE);

	/* merged with the last count, all acknowledged: ok */
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes(&h, "2048", 100), 0);
	assert_int_equal(bytes(&h, "2048OK", 200), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_OK, "");
	assert_int_equal(h.s.result.bytes, SIZE);
}

static void
test_device_texts(void **state)
{
	struct h h;

	(void)state;
	/* UDP: the updater refused to begin */
	start(&h, NULL);
	assert_int_equal(dgram(&h, "ERR: ERROR[4]: Not Enough Space\n", 10),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_NO_SPACE, "device refused the update: "
	    "ERROR[4]: Not Enough Space");

	/* TCP: the image failed its checks */
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes(&h, "4096", 10), 0);
	assert_int_equal(bytes(&h, "ERROR[7]: MD5 verification failed\n", 20),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_IMAGE_INVALID, "device reported: ERROR[7]: "
	    "MD5 verification failed");
	assert_int_equal(h.s.result.bytes, SIZE);

	/* an ESP32's text ends with CRLF; text that EOF ends counts too */
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes(&h, "1024Abor", 10), 0);
	assert_int_equal(efl_espota_device_closed(&h.s, NULL, 20),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_DEVICE_ERROR, "device reported: Abor");

	/* EOF without a word */
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes(&h, "1024", 10), 0);
	assert_int_equal(efl_espota_device_closed(&h.s, NULL, 20),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_TRANSFER_FAILED, "connection closed by the "
	    "device after 1024 of 4096 bytes, without a result");

	/* a broken connection */
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(efl_espota_device_closed(&h.s,
	    "connection reset by peer", 20), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_TRANSFER_FAILED, "connection lost after 0 of "
	    "4096 bytes: connection reset by peer");

	/* no espota device at all; a challenge of an unknown length */
	start(&h, NULL);
	assert_int_equal(dgram(&h, "HELLO\x1b[2J", 10), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_DEVICE_ERROR, "unexpected answer "
	    "'HELLO\\x1b[2J' (is this an ArduinoOTA/espota device?)");
	start(&h, "admin");
	assert_int_equal(dgram(&h, "AUTH 0123456789abcdef0123456789abcdef0123"
	    "4567", 10), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_DEVICE_ERROR, "device sent a challenge of 40 "
	    "characters; only 32 (MD5) and 64 (SHA-256) are known");
}

static void
test_cancel(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(efl_espota_cancel(&h.s), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_CANCELED, "canceled");

	start(&h, NULL);
	connect_back(&h, 0);
	assert_int_equal(bytes(&h, "4096", 10), 0);
	assert_int_equal(efl_espota_cancel(&h.s), EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_CANCELED, EFL_CANCELED_AFTER_UPLOAD);
}

static void
test_connections_refused(void **state)
{
	struct h h;
	struct sockaddr_storage peer;

	(void)state;
	start(&h, NULL);
	assert_int_equal(dgram(&h, "OK", 10), 0);
	/* not from the device (a shared listener filters; we check too) */
	assert_int_equal(efl_espota_connected(&h.s, addr(&peer, "127.0.0.6",
	    1), 20), EFL_ESPOTA_REFUSE);
	assert_int_equal(h.s.phase, EFL_PHASE_CONNECTING);
	/* a v4-mapped peer on a dual-stack listener is the device */
	assert_int_equal(efl_espota_connected(&h.s, addr(&peer,
	    "::ffff:127.0.0.5", 1), 20), EFL_ESPOTA_END_HANDSHAKE |
	    EFL_ESPOTA_WRITE_IMAGE);
	/* a second connection */
	assert_int_equal(efl_espota_connected(&h.s, addr(&peer, DEVICE, 2),
	    30), EFL_ESPOTA_REFUSE);
}

/* The OK datagram was lost: the device connecting back is the answer. */
static void
test_connect_without_ok(void **state)
{
	struct h h;
	struct sockaddr_storage peer;

	(void)state;
	start(&h, NULL);
	assert_int_equal(efl_espota_connected(&h.s, addr(&peer, DEVICE, 5),
	    700), EFL_ESPOTA_END_HANDSHAKE | EFL_ESPOTA_WRITE_IMAGE);
	assert_int_equal(h.s.phase, EFL_PHASE_UPLOADING);
	assert_int_equal(efl_espota_wake_at(&h.s), 700 + TIMEOUT);
}

/* Large images: counts are read in batches until the tail; a slow
 * device's counts waiting below the batch switch to every byte. */
static void
test_read_batches(void **state)
{
	struct h h;
	struct sockaddr_storage peer;
	char count[16];

	(void)state;
	setup_at(&h, DEVICE, 8266, NULL);
	h.p.size = 300000;
	begin(&h, 0);
	assert_int_equal(dgram(&h, "OK", 10), 0);
	assert_int_equal(efl_espota_connected(&h.s, addr(&peer, DEVICE, 5),
	    20), EFL_ESPOTA_END_HANDSHAKE | EFL_ESPOTA_WRITE_IMAGE |
	    EFL_ESPOTA_READ_BATCH);
	assert_int_equal(h.s.read_batch, 32);
	assert_int_equal(efl_espota_device_bytes(&h.s, "4096", 4, 300000, 300000,
	    30),
	    0);
	assert_int_equal(efl_espota_bytes_waiting(&h.s, 5000),
	    EFL_ESPOTA_READ_BATCH);
	assert_int_equal(h.s.read_batch, 1);
	assert_int_equal(efl_espota_wake_at(&h.s), 5000 + TIMEOUT);
	assert_int_equal(efl_espota_bytes_waiting(&h.s, 6000), 0);

	setup_at(&h, DEVICE, 8266, NULL);
	h.p.size = 300000;
	begin(&h, 0);
	assert_int_equal(dgram(&h, "OK", 10), 0);
	(void)efl_espota_connected(&h.s, addr(&peer, DEVICE, 5), 20);
	snprintf(count, sizeof(count), "%u", 60000u);
	assert_int_equal(efl_espota_device_bytes(&h.s, count, strlen(count),
	    300000, 300000, 30), 0);
	assert_int_equal(efl_espota_device_bytes(&h.s, count, strlen(count),
	    300000, 300000, 30), 0);
	assert_int_equal(efl_espota_device_bytes(&h.s, count, strlen(count),
	    300000, 300000, 30), 0);
	/* 64 KiB from the end: every byte again, the result must not wait */
	assert_int_equal(efl_espota_device_bytes(&h.s, count, strlen(count),
	    300000, 300000, 30), EFL_ESPOTA_READ_BATCH);
	assert_int_equal(h.s.read_batch, 1);
}

/* ---- datagrams not to believe (docs/protocol.md section 8.2) ---- */

static void
test_other_address_ignored(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	/* a forged refusal from another host of the LAN */
	assert_int_equal(dgram_from(&h, "127.0.0.6", 8266, "ERR: forged", 10),
	    0);
	assert_false(h.s.done);
	assert_int_equal(h.s.phase, EFL_PHASE_INVITING);
	/* the device's own answer still counts */
	assert_int_equal(dgram(&h, "OK", 20), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_CONNECTING);
}

static void
test_other_port_ignored(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	assert_int_equal(dgram_from(&h, DEVICE, 9999, "ERR: forged", 10), 0);
	assert_int_equal(dgram_from(&h, DEVICE, 9999, "OK", 10), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_INVITING);
	assert_false(h.s.done);
	assert_int_equal(dgram_from(&h, DEVICE, 8266, "OK", 20), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_CONNECTING);
}

static void
test_ipv6_device(void **state)
{
	struct h h;

	(void)state;
	setup_at(&h, "2001:db8::5", 3232, NULL);
	begin(&h, 0);
	assert_int_equal(dgram_from(&h, "2001:db8::6", 3232, "ERR: forged",
	    10), 0);
	assert_int_equal(dgram_from(&h, "2001:db8::5", 3233, "ERR: forged",
	    10), 0);
	/* an IPv4 host that ends in the same bytes is another host */
	assert_int_equal(dgram_from(&h, "::ffff:0.0.0.5", 3232, "ERR: forged",
	    10), 0);
	assert_false(h.s.done);
	assert_int_equal(dgram_from(&h, "2001:db8::5", 3232, "OK", 20), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_CONNECTING);
}

/* A dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d. */
static void
test_v4_mapped(void **state)
{
	struct h h;

	(void)state;
	start(&h, NULL);
	assert_int_equal(dgram_from(&h, "::ffff:127.0.0.9", 8266,
	    "ERR: forged", 10), 0);
	assert_int_equal(dgram_from(&h, "::ffff:127.0.0.5", 8267,
	    "ERR: forged", 10), 0);
	assert_false(h.s.done);
	assert_int_equal(dgram_from(&h, "::ffff:127.0.0.5", 8266, "OK", 20), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_CONNECTING);
}

/* The device advertises sha256 (TXT efa_auth): a forged MD5 challenge is
 * never answered; the device's own challenge is. */
static void
test_no_downgrade_of_advertised_scheme(void **state)
{
	struct h h;

	(void)state;
	setup_at(&h, DEVICE, 8266, "admin");
	h.p.known_scheme = EFA_AUTH_SHA256;
	begin(&h, 0);
	assert_int_equal(dgram(&h, "AUTH 0123456789abcdef0123456789abcdef",
	    10), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_INVITING);
	assert_false(h.s.done);
	/* still re-sending the invitation */
	assert_int_equal(efl_espota_time(&h.s, 1000, ""), EFL_ESPOTA_SEND);
	expect_sent(&h, INVITATION);
	challenge(&h, nonce64, 1100);
	expect_auth(&h, cnonce64, TV_SHA_RESPONSE);

	/* only the forged challenge ever comes: a clear failure */
	setup_at(&h, DEVICE, 8266, "admin");
	h.p.known_scheme = EFA_AUTH_SHA256;
	begin(&h, 0);
	assert_int_equal(dgram(&h, "AUTH 0123456789abcdef0123456789abcdef",
	    10), 0);
	assert_int_equal(efl_espota_time(&h.s, TIMEOUT, ""),
	    EFL_ESPOTA_FINISHED);
	expect_result(&h, EFL_R_AUTH_FAILED, "only md5 challenges came (1) "
	    "and the device advertises sha256: not answered, so that the "
	    "authentication is not downgraded (a forged answer, or a device "
	    "back on older firmware)");
}

/* Seen in an earlier challenge of the session: after the SHA-256 key
 * was refused and a fresh invitation went out, an MD5 challenge is not
 * the device's. */
static void
test_no_downgrade_of_seen_scheme(void **state)
{
	struct h h;

	(void)state;
	start(&h, "admin");
	challenge(&h, nonce64, 100);
	assert_int_equal(dgram(&h, "Authentication Failed", 200),
	    EFL_ESPOTA_SEND);
	assert_int_equal(h.s.phase, EFL_PHASE_INVITING);
	assert_int_equal(dgram(&h, "AUTH 0123456789abcdef0123456789abcdef",
	    210), 0);
	assert_int_equal(h.s.phase, EFL_PHASE_INVITING);
	challenge(&h, nonce64, 300);
	expect_auth(&h, cnonce64, TV_SHA_MD5KEY_RESPONSE);
	assert_int_equal(h.s.downgrades, 1);
}

/* An md5 device advertised as such may still move up to sha256. */
static void
test_upgrade_allowed(void **state)
{
	struct h h;

	(void)state;
	setup_at(&h, DEVICE, 8266, "admin");
	h.p.known_scheme = EFA_AUTH_MD5;
	begin(&h, 0);
	challenge(&h, nonce64, 10);
	expect_auth(&h, cnonce64, TV_SHA_RESPONSE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upload_without_password),
		cmocka_unit_test(test_finishing_dribble),
		cmocka_unit_test(test_device_timeout),
		cmocka_unit_test(test_ok_before_the_image),
		cmocka_unit_test(test_md5_scheme),
		cmocka_unit_test(test_sha256_scheme),
		cmocka_unit_test(test_md5_key_fallback),
		cmocka_unit_test(test_md5_key_only),
		cmocka_unit_test(test_wrong_password_md5),
		cmocka_unit_test(test_no_password_given),
		cmocka_unit_test(test_no_random_source),
		cmocka_unit_test(test_auth_restart),
		cmocka_unit_test(test_retransmits_and_invitation_deadline),
		cmocka_unit_test(test_short_timeout_no_retransmit),
		cmocka_unit_test(test_connect_back_deadline),
		cmocka_unit_test(test_transfer_silence),
		cmocka_unit_test(test_finishing_silence),
		cmocka_unit_test(test_device_texts),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_connections_refused),
		cmocka_unit_test(test_connect_without_ok),
		cmocka_unit_test(test_read_batches),
		cmocka_unit_test(test_other_address_ignored),
		cmocka_unit_test(test_other_port_ignored),
		cmocka_unit_test(test_ipv6_device),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_no_downgrade_of_advertised_scheme),
		cmocka_unit_test(test_no_downgrade_of_seen_scheme),
		cmocka_unit_test(test_upgrade_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
