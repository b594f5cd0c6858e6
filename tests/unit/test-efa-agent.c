/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the device-side espota state machine (efa_agent.h) over the
 * scripted fake port of tests/fakes/fake-port.h and a fake clock: every
 * state transition, both chips' dialects, both auth schemes, throttling,
 * the update window, image checks, timeouts, the trial of a new image
 * (confirm, deadline, updates refused meanwhile) and exact wire bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "efa/efa_agent.h"
#include "efa/efa_image.h"
#include "efa/efa_auth.h"
#include "efa/efa_hash.h"
#include "efa/efa_util.h"
#include "efa/efa_wire.h"
#include "fakes/fake-port.h"

/* docs/protocol.md 3.1 / 3.2 test vectors (password "admin") */
#define PW_MD5 "21232f297a57a5a743894a0e4a801fc3"
#define PW_SHA "8c6976e5b5410415bde908bd4dee15df" \
	"b167a9c873fc4bb8a81f6f2ab448a918"
#define NONCE32 "0123456789abcdef0123456789abcdef"
#define CNONCE32 "fedcba9876543210fedcba9876543210"
#define RESP32 "199cd366606a4c7b55e82b1277ecd8ec"
#define NONCE64 NONCE32 NONCE32
#define CNONCE64 CNONCE32 CNONCE32
#define RESP64 "f2c591596d5b9942c3f15cb8290866f4" \
	"676fc5eec1bba3b040a91f92474fa114"
#define RESP64_MD5KEY "506e9a94cc2374adf7c4f8480beb70ff" \
	"1a7921bc09681d36b6280b41c004f4d7"

/* the random bytes that make the vectors' nonce */
static const uint8_t nonce_pattern[8] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

#define HOST_TCP_PORT 51234
#define IMG_MAX 3000
#define T0 100000u

static struct fake_port fp;
static struct efa_agent agent;
static uint32_t now;
static uint8_t image[IMG_MAX];
static uint32_t image_size;
static char image_md5[EFA_MD5_HEX_LEN + 1];
static struct efa_addr host;   /* source of the invitation */
static struct efa_addr host2;  /* same IP, the >= 3.3.1 tool's 2nd socket */
static struct efa_addr other;  /* an unrelated host */

/* ---------------------------------------------------------------- setup */

static void
make_image(uint32_t size)
{
	uint8_t digest[EFA_MD5_LEN];
	uint32_t i, x = 0x2545f491u;

	assert_true(size <= IMG_MAX);
	for (i = 0; i < size; i++) {
		x = x * 1664525u + 1013904223u;
		image[i] = (uint8_t)(x >> 24);
	}
	/* ESP image header: magic, 3 segments, DIO, 1 MB|40 MHz on ESP8266
	 * (code 2 is 4 MB on ESP32) */
	if (size > 0)
		image[0] = 0xe9;
	if (size > 1)
		image[1] = 0x03;
	if (size > 2)
		image[2] = 0x02;
	if (size > 3)
		image[3] = 0x20;
	image_size = size;
	efa_md5(image, size, digest);
	efa_hex(image_md5, digest, sizeof(digest));
}

static void
cfg_default(struct efa_agent_config *cfg, enum efa_chip chip,
    enum efa_auth_scheme auth, const char *pw_key)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->chip = chip;
	cfg->auth = auth;
	if (pw_key != NULL)
		memcpy(cfg->pw_key, pw_key, efa_strnlen(pw_key,
		    EFA_SHA256_HEX_LEN));
	cfg->chip_flash_size = 4u << 20;
}

static void
setup_cfg(const struct efa_agent_config *cfg)
{
	fake_port_init(&fp);
	fake_port_agent_init(&fp, &agent, cfg, 1);
	now = T0;
	host = fake_addr4(192, 0, 2, 10, 40000);
	host2 = fake_addr4(192, 0, 2, 10, 40001);
	other = fake_addr4(198, 51, 100, 7, 5555);
	make_image(300);
}

static void
setup(enum efa_chip chip, enum efa_auth_scheme auth, const char *pw_key)
{
	struct efa_agent_config cfg;

	cfg_default(&cfg, chip, auth, pw_key);
	setup_cfg(&cfg);
}

/* ------------------------------------------------------------- stimuli */

static void
invite_full(const struct efa_addr *from, int cmd, uint32_t size,
    const char *md5)
{
	char buf[EFA_INVITATION_MAX];
	size_t n = efa_wire_format_invitation(buf, sizeof(buf), cmd,
	    HOST_TCP_PORT, size, md5);

	assert_true(n > 0);
	efa_agent_udp_input(&agent, from, (const uint8_t *)buf, n, now);
}

static void
invite(void)
{
	invite_full(&host, EFA_CMD_FLASH, image_size, image_md5);
}

static void
udp_text(const struct efa_addr *from, const char *text)
{
	efa_agent_udp_input(&agent, from, (const uint8_t *)text,
	    strlen(text), now);
}

static void
send_auth(const struct efa_addr *from, const char *cnonce,
    const char *response)
{
	char buf[EFA_AUTH_MSG_MAX];
	size_t n = efa_wire_format_auth(buf, sizeof(buf), cnonce, response);

	assert_true(n > 0);
	efa_agent_udp_input(&agent, from, (const uint8_t *)buf, n, now);
}

/* Feed image[off..off+len) in chunks of 'chunk'; each call must consume
 * all it is given. */
static void
feed(uint32_t off, uint32_t len, uint32_t chunk)
{
	while (len > 0) {
		uint32_t n = len < chunk ? len : chunk;

		assert_int_equal(efa_agent_tcp_input(&agent, image + off, n,
		    now), n);
		off += n;
		len -= n;
	}
}

/* Invitation (no password) and connect-back. */
static void
start_noauth(void)
{
	invite();
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);
	efa_agent_tcp_connected(&agent, 0, now);
	assert_int_equal(efa_agent_state(&agent), EFA_RECEIVING);
}

static void
tick_at(uint32_t t)
{
	now = t;
	efa_agent_tick(&agent, now);
}

/* ----------------------------------------------------------- checks */

static void
want_addr(const struct efa_addr *got, const struct efa_addr *want)
{
	assert_int_equal(got->family, want->family);
	assert_memory_equal(got->ip, want->ip, sizeof(got->ip));
	assert_int_equal(got->port, want->port);
}

static void
want_udp(unsigned i, const struct efa_addr *to, const char *text)
{
	size_t n = strlen(text);

	const struct fake_dgram *d = fake_udp_at(&fp, i);

	assert_non_null(d);
	assert_int_equal(d->len, n);
	assert_memory_equal(d->buf, text, n);
	want_addr(&d->to, to);
}

static void
want_tcp(const char *text)
{
	size_t n = strlen(text);

	assert_int_equal(fp.tcp_len, n);
	assert_int_equal(fp.tcp_total, n);
	assert_memory_equal(fp.tcp, text, n);
}

static void
want_events(const char *ev)
{
	assert_string_equal(fp.events, ev);
}

static void
want_connect_to_host(void)
{
	struct efa_addr want = host;

	want.port = HOST_TCP_PORT;
	assert_int_equal(fp.connect_count, 1);
	want_addr(&fp.connect_to, &want);
}

static void
want_one_error(enum efa_err err)
{
	assert_int_equal(fp.error_count, 1);
	assert_int_equal(fp.errors[0], err);
}

static void
want_idle(void)
{
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
	assert_int_equal(efa_agent_next_timeout(&agent, now), EFA_NO_TIMEOUT);
}

/* The nonce of an "AUTH <nonce>" datagram i (nonce_len chars). */
static void
nonce_of(unsigned i, char *out, size_t nonce_len)
{
	const struct fake_dgram *d = fake_udp_at(&fp, i);

	assert_non_null(d);
	assert_int_equal(d->len, 5 + nonce_len);
	assert_memory_equal(d->buf, "AUTH ", 5);
	memcpy(out, d->buf + 5, nonce_len);
	out[nonce_len] = '\0';
	assert_true(efa_is_hex(out, nonce_len));
}

/* =========================================================== no password */

static void
test_noauth_esp8266_full_flow(void **state)
{
	unsigned i;

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	want_idle();
	invite();
	/* "OK", exactly two bytes, to the invitation's source */
	assert_int_equal(fp.udp_count, 1);
	want_udp(0, &host, "OK");
	assert_int_equal(fp.udp[0].len, 2);
	want_connect_to_host();
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_CONNECT_TIMEOUT_MS);
	assert_int_equal(fp.free_cmd, EFA_CMD_FLASH);
	assert_int_equal(fp.start_count, 1);
	assert_int_equal(fp.start_cmd, EFA_CMD_FLASH);
	assert_int_equal(fp.start_size, 300);
	assert_int_equal(fp.begin_count, 1);
	assert_int_equal(fp.begin_cmd, EFA_CMD_FLASH);
	assert_int_equal(fp.begin_size, 300);
	want_events("fSBuc");

	now += 5;
	efa_agent_tcp_connected(&agent, 0, now);
	assert_int_equal(efa_agent_state(&agent), EFA_RECEIVING);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_DATA_TIMEOUT_MS);

	feed(0, 100, 100);
	feed(100, 100, 100);
	feed(200, 100, 100);
	want_tcp("100100100");
	assert_int_equal(fp.written, 300);
	assert_memory_equal(fp.data, image, 300);
	assert_int_equal(fp.finish_count, 1);
	{
		uint8_t digest[EFA_MD5_LEN];

		efa_md5(image, 300, digest);
		assert_memory_equal(fp.finish_md5, digest, EFA_MD5_LEN);
	}
	/* ESP8266: no "OK" yet; it comes 1000 ms after the last count */
	assert_int_equal(efa_agent_state(&agent), EFA_FINISHING);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_ESP8266_OK_DELAY_MS);
	assert_int_equal(fp.tcp_close_count, 0);
	assert_int_equal(fp.end_count, 0);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS - 1);
	want_tcp("100100100");
	assert_int_equal(efa_agent_state(&agent), EFA_FINISHING);
	assert_int_equal(efa_agent_next_timeout(&agent, now), 1);
	tick_at(now + 1);
	want_tcp("100100100OK");
	assert_int_equal(fp.tcp_send_len[3], 2);
	assert_int_equal(fp.tcp_close_count, 1);
	assert_int_equal(fp.end_count, 1);
	assert_int_equal(fp.end_cmd, EFA_CMD_FLASH);
	assert_int_equal(efa_agent_state(&agent), EFA_REBOOTING);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_REBOOT_DELAY_MS);
	assert_int_equal(fp.reboot_count, 0);
	tick_at(now + EFA_REBOOT_DELAY_MS - 1);
	assert_int_equal(fp.reboot_count, 0);
	tick_at(now + 1);
	assert_int_equal(fp.reboot_count, 1);
	want_idle();

	want_events("fSBucWsPWsPWsPFsxEr");
	assert_int_equal(fp.error_count, 0);
	assert_int_equal(fp.abort_count, 0);
	assert_int_equal(fp.udp_count, 1);
	assert_int_equal(fp.progress_count, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(fp.progress_done[i], 100 * (i + 1));
	assert_int_equal(fp.progress_total, 300);
}

static void
test_noauth_esp32_ok_immediately(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	invite();
	want_udp(0, &host, "OK");
	want_connect_to_host();
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 300, 128);
	/* ESP32: "OK" right after the last count (espota copes with "44OK") */
	want_tcp("12812844OK");
	assert_int_equal(fp.tcp_close_count, 1);
	assert_int_equal(fp.end_count, 1);
	assert_int_equal(efa_agent_state(&agent), EFA_REBOOTING);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_REBOOT_DELAY_MS);
	tick_at(now + EFA_REBOOT_DELAY_MS);
	assert_int_equal(fp.reboot_count, 1);
	want_idle();
	want_events("fSBucWsPWsPWsPFsxEr");
	assert_int_equal(fp.error_count, 0);
}

static void
test_noauth_one_byte_at_a_time(void **state)
{
	char want[64 + 3];
	unsigned i;

	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	make_image(64);
	start_noauth();
	feed(0, 64, 1);
	for (i = 0; i < 64; i++)
		want[i] = '1';
	memcpy(want + 64, "OK", 3);
	want_tcp(want);
	assert_int_equal(fp.written, 64);
	assert_memory_equal(fp.data, image, 64);
	assert_int_equal(fp.progress_count, 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(fp.progress_done[i], i + 1);
	assert_int_equal(fp.end_count, 1);
	assert_int_equal(fp.error_count, 0);
}

static void
test_noauth_odd_splits(void **state)
{
	static const uint32_t splits[] = { 1, 2, 3, 5, 7, 250, 1001, 1460,
	    271 };
	uint32_t off = 0;
	size_t i;

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	make_image(3000);
	start_noauth();
	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		assert_int_equal(efa_agent_tcp_input(&agent, image + off,
		    splits[i], now), splits[i]);
		off += splits[i];
	}
	assert_int_equal(off, 3000);
	/* one decimal count per input call, no separators */
	want_tcp("12357250100114602" "71");
	assert_int_equal(fp.tcp_send_count, 9);
	assert_int_equal(fp.written, 3000);
	assert_memory_equal(fp.data, image, 3000);
	assert_int_equal(efa_agent_state(&agent), EFA_FINISHING);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	want_tcp("1235725010011460271OK");
}

static void
test_noauth_espota_chunk_sizes(void **state)
{
	(void)state;
	/* ESP32 espota: 1024-byte chunks */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	make_image(3000);
	start_noauth();
	feed(0, 3000, 1024);
	want_tcp("10241024952OK");
	/* ESP8266 espota: 1460-byte chunks */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	make_image(3000);
	start_noauth();
	feed(0, 3000, 1460);
	want_tcp("1460146080");
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	want_tcp("1460146080OK");
	assert_int_equal(fp.error_count, 0);
}

static void
test_bytes_beyond_size_not_consumed(void **state)
{
	uint8_t extra[20];

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	make_image(10);
	memcpy(extra, image, 10);
	memset(extra + 10, 0xaa, 10);
	start_noauth();
	assert_int_equal(efa_agent_tcp_input(&agent, extra, 20, now), 10);
	want_tcp("10");
	assert_int_equal(fp.written, 10);
	assert_int_equal(efa_agent_state(&agent), EFA_FINISHING);
	/* nothing more is taken while the OK is pending, or after it */
	assert_int_equal(efa_agent_tcp_input(&agent, extra + 10, 10, now), 0);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	assert_int_equal(efa_agent_tcp_input(&agent, extra + 10, 10, now), 0);
	want_tcp("10OK");
	assert_int_equal(fp.written, 10);
	assert_int_equal(fp.error_count, 0);

	/* same on ESP32, where the last chunk also carries extra bytes */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	make_image(10);
	memcpy(extra, image, 10);
	start_noauth();
	assert_int_equal(efa_agent_tcp_input(&agent, extra, 4, now), 4);
	assert_int_equal(efa_agent_tcp_input(&agent, extra + 4, 16, now), 6);
	want_tcp("46OK");
	assert_int_equal(fp.written, 10);
}

static void
test_zero_length_input(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	start_noauth();
	now += 5000;
	assert_int_equal(efa_agent_tcp_input(&agent, image, 0, now), 0);
	/* an empty read is no data: no count, no progress, no deadline
	 * refresh */
	want_tcp("");
	assert_int_equal(fp.progress_count, 0);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_DATA_TIMEOUT_MS - 5000);
}

static void
test_filesystem_skips_magic(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	make_image(300);
	image[0] = 0x00; /* a filesystem image has no ESP header */
	image[3] = 0xf0;
	{
		uint8_t digest[EFA_MD5_LEN];

		efa_md5(image, 300, digest);
		efa_hex(image_md5, digest, sizeof(digest));
	}
	invite_full(&host, EFA_CMD_FS, 300, image_md5);
	want_udp(0, &host, "OK");
	assert_int_equal(fp.free_cmd, EFA_CMD_FS);
	assert_int_equal(fp.begin_cmd, EFA_CMD_FS);
	assert_int_equal(fp.start_cmd, EFA_CMD_FS);
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 300, 300);
	want_tcp("300OK");
	assert_int_equal(fp.end_count, 1);
	assert_int_equal(fp.end_cmd, EFA_CMD_FS);
	assert_int_equal(fp.error_count, 0);
	/* the same bytes as an application image are refused */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	image[0] = 0x00;
	start_noauth();
	feed(0, 300, 300);
	want_tcp("Wrong Magic Byte\r\n");
}

static void
test_hooks_null(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	setup_cfg(&cfg);
	fake_port_agent_init(&fp, &agent, &cfg, 0);
	start_noauth();
	feed(0, 300, 100);
	want_tcp("100100100OK");
	tick_at(now + EFA_REBOOT_DELAY_MS);
	assert_int_equal(fp.reboot_count, 1);
	/* an error path without hooks */
	invite();
	efa_agent_tcp_closed(&agent, now);
	want_idle();
	assert_int_equal(fp.start_count, 0);
	assert_int_equal(fp.error_count, 0);
	assert_int_equal(fp.abort_count, 1);
}

/* ============================================================ md5 auth */

static void
test_md5_auth_vector(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	assert_int_equal(fp.random_count, 1);
	assert_int_equal(fp.random_last_len, 16);
	want_udp(0, &host, "AUTH " NONCE32);
	assert_int_equal(fp.udp[0].len, 37);
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_AUTH_TIMEOUT_MS);
	/* nothing is prepared before the host proved the password */
	assert_int_equal(fp.start_count, 0);
	assert_int_equal(fp.begin_count, 0);
	assert_int_equal(fp.connect_count, 0);

	now += 30;
	send_auth(&host, CNONCE32, RESP32);
	assert_int_equal(fp.udp_count, 2);
	want_udp(1, &host, "OK");
	want_connect_to_host();
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);
	want_events("nufSBuc");
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 300, 1460);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	want_tcp("300OK");
	assert_int_equal(fp.error_count, 0);
}

static void
test_md5_auth_computed_response(void **state)
{
	char nonce[33], resp[65];

	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_MD5, PW_MD5);
	invite();
	nonce_of(0, nonce, 32);
	assert_int_equal(efa_auth_response(&efa_crypto_builtin, EFA_AUTH_MD5,
	    PW_MD5, 32, nonce, 32, CNONCE32, 32, resp), 0);
	send_auth(&host, CNONCE32, resp);
	want_udp(1, &host, "OK");
	want_connect_to_host();
	/* any 32-hex cnonce works; the device never recomputes it */
	setup(EFA_CHIP_ESP32, EFA_AUTH_MD5, PW_MD5);
	invite();
	nonce_of(0, nonce, 32);
	assert_int_equal(efa_auth_response(&efa_crypto_builtin, EFA_AUTH_MD5,
	    PW_MD5, 32, nonce, 32, "00000000000000000000000000000000", 32,
	    resp), 0);
	send_auth(&host, "00000000000000000000000000000000", resp);
	want_udp(1, &host, "OK");
}

static void
test_md5_auth_wrong_response(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host, CNONCE32, "199cd366606a4c7b55e82b1277ecd8ed");
	assert_int_equal(fp.udp_count, 2);
	want_udp(1, &host, "Authentication Failed");
	assert_int_equal(fp.udp[1].len, 21);
	want_idle();
	want_one_error(EFA_E_AUTH);
	assert_int_equal(fp.begin_count, 0);
	assert_int_equal(fp.start_count, 0);
	assert_int_equal(fp.connect_count, 0);
	assert_int_equal(fp.abort_count, 0);
}

static void
test_md5_auth_case_sensitive(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host, CNONCE32, "199CD366606A4C7B55E82B1277ECD8EC");
	want_udp(1, &host, "Authentication Failed");
	want_one_error(EFA_E_AUTH);
}

static void
test_md5_auth_wrong_cnonce(void **state)
{
	(void)state;
	/* the response is bound to the cnonce it was computed with */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host, "fedcba9876543210fedcba9876543211", RESP32);
	want_udp(1, &host, "Authentication Failed");
}

static void
test_auth_reply_to_200_source(void **state)
{
	(void)state;
	/* failure: "Authentication Failed" to the 200 datagram's port */
	setup(EFA_CHIP_ESP32, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	want_udp(0, &host, "AUTH " NONCE32);
	send_auth(&host2, CNONCE32, "00000000000000000000000000000000");
	want_udp(1, &host2, "Authentication Failed");
	/* success: "OK" there too, but the TCP connect-back still goes to
	 * the invitation's IP and announced port */
	setup(EFA_CHIP_ESP32, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host2, CNONCE32, RESP32);
	want_udp(1, &host2, "OK");
	want_connect_to_host();
}

static void
test_auth_resent_invitation_drops(void **state)
{
	char n1[33], n2[33], resp[65];

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	invite();
	nonce_of(0, n1, 32);
	/* a re-sent invitation while waiting: silently back to idle */
	now += 2000;
	invite();
	assert_int_equal(fp.udp_count, 1);
	want_idle();
	assert_int_equal(fp.error_count, 0);
	/* the next invitation gets a fresh nonce */
	invite();
	assert_int_equal(fp.random_count, 2);
	nonce_of(1, n2, 32);
	assert_int_not_equal(memcmp(n1, n2, 32), 0);
	/* a response to the old nonce no longer works */
	assert_int_equal(efa_auth_response(&efa_crypto_builtin, EFA_AUTH_MD5,
	    PW_MD5, 32, n1, 32, CNONCE32, 32, resp), 0);
	send_auth(&host, CNONCE32, resp);
	want_udp(2, &host, "Authentication Failed");
	/* and the fresh one does (first failure is free) */
	invite();
	nonce_of(3, n2, 32);
	assert_int_equal(efa_auth_response(&efa_crypto_builtin, EFA_AUTH_MD5,
	    PW_MD5, 32, n2, 32, CNONCE32, 32, resp), 0);
	send_auth(&host, CNONCE32, resp);
	want_udp(4, &host, "OK");
}

static void
test_auth_malformed_200_drops(void **state)
{
	static const char *const bad[] = {
		/* \r\n is not tolerated: the response becomes 33 chars */
		"200 " CNONCE32 " " RESP32 "\r\n",
		/* missing response, short fields, wrong command */
		"200 " CNONCE32,
		"200 " CNONCE32 " 199cd366606a4c7b55e82b1277ecd8e\n",
		"201 " CNONCE32 " " RESP32 "\n",
		"200 " CNONCE64 " " RESP64 "\n",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
		fp.random_pattern = nonce_pattern;
		fp.random_pattern_len = sizeof(nonce_pattern);
		invite();
		udp_text(&host, bad[i]);
		/* no reply, no error report, idle */
		assert_int_equal(fp.udp_count, 1);
		assert_int_equal(fp.error_count, 0);
		want_idle();
	}
	/* the dropped attempt does not count as a failure: two real
	 * failures later, only the second one throttles */
	invite();
	send_auth(&host, CNONCE32, "00000000000000000000000000000000");
	want_udp(2, &host, "Authentication Failed");
	invite();
	want_udp(3, &host, "AUTH " NONCE32);
}

static void
test_auth_timeout(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	tick_at(now + EFA_AUTH_TIMEOUT_MS - 1);
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
	assert_int_equal(efa_agent_next_timeout(&agent, now), 1);
	tick_at(now + 1);
	want_idle();
	assert_int_equal(fp.udp_count, 1);
	/* a late, correct 200 datagram is just an ignored datagram now */
	send_auth(&host, CNONCE32, RESP32);
	assert_int_equal(fp.udp_count, 1);
	want_idle();
	assert_int_equal(fp.begin_count, 0);
}

static void
test_auth_no_entropy(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_result = -1;
	invite();
	want_udp(0, &host,
	    "ERR: ERROR[23]: no random source for the nonce\n");
	want_one_error(EFA_E_ENTROPY);
	want_idle();
}

/* Fail one auth attempt: invitation, AUTH, wrong response. */
static void
fail_auth_once(const struct efa_addr *from)
{
	unsigned before = fp.udp_count;

	invite_full(from, EFA_CMD_FLASH, image_size, image_md5);
	assert_int_equal(fp.udp_count, before + 1);
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
	send_auth(from, CNONCE32, "00000000000000000000000000000000");
	assert_int_equal(fp.udp_count, before + 2);
	want_udp(before + 1, from, "Authentication Failed");
	want_idle();
}

/* An invitation now is refused by the throttle (1) or gets AUTH (0). */
static int
invitation_throttled(void)
{
	static const char refusal[] =
	    "ERR: ERROR[20]: too many failed authentications, retry later\n";
	unsigned before = fp.udp_count;

	invite();
	assert_int_equal(fp.udp_count, before + 1);
	if (efa_agent_state(&agent) == EFA_WAIT_AUTH) {
		assert_memory_equal(fake_udp_at(&fp, before)->buf, "AUTH ",
		    5);
		efa_agent_reset(&agent);
		return 0;
	}
	want_udp(before, &host, refusal);
	want_idle();
	return 1;
}

static void
test_auth_throttle(void **state)
{
	uint32_t t;

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);

	/* first failure is free */
	fail_auth_once(&host);
	assert_int_equal(invitation_throttled(), 0);
	/* second: 1 s lock-out */
	fail_auth_once(&host);
	t = now;
	assert_int_equal(invitation_throttled(), 1);
	assert_int_equal(fp.errors[fp.error_count - 1], EFA_E_THROTTLED);
	now = t + 999;
	assert_int_equal(invitation_throttled(), 1);
	/* refusals do not extend the lock-out */
	now = t + 1000;
	assert_int_equal(invitation_throttled(), 0);
	/* after a lock-out one failure is free again, the next one locks
	 * out for twice as long: 2 s */
	fail_auth_once(&host);
	assert_int_equal(invitation_throttled(), 0);
	fail_auth_once(&host);
	t = now;
	now = t + 1999;
	assert_int_equal(invitation_throttled(), 1);
	now = t + 2000;
	assert_int_equal(invitation_throttled(), 0);
	/* then 4 s */
	fail_auth_once(&host);
	fail_auth_once(&host);
	t = now;
	now = t + 3999;
	assert_int_equal(invitation_throttled(), 1);
	now = t + 4000;
	assert_int_equal(invitation_throttled(), 0);

	/* a success resets it all */
	invite();
	send_auth(&host, CNONCE32, RESP32);
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);
	efa_agent_reset(&agent);
	fail_auth_once(&host);
	assert_int_equal(invitation_throttled(), 0);
	fail_auth_once(&host);
	t = now;
	now = t + 999;
	assert_int_equal(invitation_throttled(), 1);
	now = t + 1000;
	assert_int_equal(invitation_throttled(), 0);
}

static void
test_auth_throttle_cap_and_dialect(void **state)
{
	unsigned i;
	uint32_t t;

	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_MD5, PW_MD5);
	/* pairs of failures: the first is free, the second locks out for
	 * 1, 2, 4, ... 64 s, then capped at 64 s */
	for (i = 0; i < 10; i++) {
		unsigned before;
		uint32_t ms = i >= 6 ? EFA_AUTH_THROTTLE_MAX_MS :
		    EFA_AUTH_THROTTLE_BASE_MS << i;

		fail_auth_once(&host);
		fail_auth_once(&host);
		t = now;
		now = t + ms - 1;
		before = fp.udp_count;
		invite();
		/* ESP32 dialect of the refusal */
		want_udp(before, &host, "ERR: too many failed "
		    "authentications, retry later\r\n");
		now = t + ms;
	}
	/* with the cap, 64 s after the last lock-out began is enough */
	invite();
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
}

static void
test_refusal_after_auth_to_200_source(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	fp.free_space = 299;
	invite();
	/* space is only checked once the host is authenticated */
	assert_int_equal(fp.free_count, 0);
	send_auth(&host2, CNONCE32, RESP32);
	want_udp(1, &host2, "ERR: ERROR[4]: Not Enough Space\n");
	want_one_error(EFA_E_SPACE);
	want_idle();
	assert_int_equal(fp.connect_count, 0);
}

/* ========================================================= sha256 auth */

static void
test_sha256_auth_vector(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_SHA256, PW_SHA);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	assert_int_equal(fp.random_last_len, 32);
	want_udp(0, &host, "AUTH " NONCE64);
	assert_int_equal(fp.udp[0].len, 69);
	/* the >= 3.3.1 tool sends the 200 from another UDP port */
	send_auth(&host2, CNONCE64, RESP64);
	want_udp(1, &host2, "OK");
	want_connect_to_host();
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 300, 1024);
	want_tcp("300OK");
	assert_int_equal(fp.error_count, 0);
}

static void
test_sha256_auth_wrong_then_fallback(void **state)
{
	(void)state;
	/* the tool's first try uses pw_key SHA256(pw); a device storing the
	 * MD5 hash fails it (free), the tool re-invites and retries with the
	 * MD5 pw_key */
	setup(EFA_CHIP_ESP32, EFA_AUTH_SHA256, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host2, CNONCE64, RESP64);
	want_udp(1, &host2, "Authentication Failed");
	want_one_error(EFA_E_AUTH);
	want_idle();
	invite();
	want_udp(2, &host, "AUTH " NONCE64);
	send_auth(&host2, CNONCE64, RESP64_MD5KEY);
	want_udp(3, &host2, "OK");
	want_connect_to_host();
}

static void
test_fallback_after_lockout(void **state)
{
	uint32_t t;

	(void)state;
	/* two wrong passwords earlier locked the device out for 1 s; once
	 * that is over the tool's SHA-256 try is free again, so its MD5-key
	 * fallback still gets through */
	setup(EFA_CHIP_ESP32, EFA_AUTH_SHA256, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host2, CNONCE64, "0000000000000000000000000000000000000000"
	    "000000000000000000000000");
	invite();
	send_auth(&host2, CNONCE64, "0000000000000000000000000000000000000000"
	    "000000000000000000000000");
	t = now;
	now = t + EFA_AUTH_THROTTLE_BASE_MS;
	invite();
	send_auth(&host2, CNONCE64, RESP64);
	want_udp(fp.udp_count - 1, &host2, "Authentication Failed");
	invite();
	want_udp(fp.udp_count - 1, &host, "AUTH " NONCE64);
	send_auth(&host2, CNONCE64, RESP64_MD5KEY);
	want_udp(fp.udp_count - 1, &host2, "OK");
	want_connect_to_host();
}

static void
test_sha256_auth_wrong_response(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_SHA256, PW_SHA);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host2, CNONCE64, RESP64_MD5KEY);
	want_udp(1, &host2, "Authentication Failed");
	want_one_error(EFA_E_AUTH);
	want_idle();
	assert_int_equal(fp.begin_count, 0);
}

static void
test_sha256_rejects_md5_lengths(void **state)
{
	(void)state;
	/* an old host answers a 64-hex nonce with 32-hex fields: dropped
	 * silently (docs/protocol.md 3.3) */
	setup(EFA_CHIP_ESP32, EFA_AUTH_SHA256, PW_SHA);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host, CNONCE32, RESP32);
	assert_int_equal(fp.udp_count, 1);
	assert_int_equal(fp.error_count, 0);
	want_idle();
}

/* ======================================================= update window */

static void
test_window_refused_until_armed(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	cfg.require_arm = 1;
	setup_cfg(&cfg);
	invite();
	want_udp(0, &host,
	    "ERR: ERROR[19]: update window closed, arm the device first\n");
	want_one_error(EFA_E_WINDOW);
	want_idle();
	assert_int_equal(fp.start_count, 0);
	assert_int_equal(fp.free_count, 0);
	efa_agent_arm(&agent, 60000, now);
	now += 59999;
	invite();
	want_udp(1, &host, "OK");
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);
}

static void
test_window_expires(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	cfg.require_arm = 1;
	setup_cfg(&cfg);
	efa_agent_arm(&agent, 5000, now);
	now += 5000;
	invite();
	want_udp(0, &host,
	    "ERR: update window closed, arm the device first\r\n");
	want_one_error(EFA_E_WINDOW);
	/* re-arming opens it again */
	efa_agent_arm(&agent, 5000, now);
	invite();
	want_udp(1, &host, "OK");
}

static void
test_window_with_auth(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	cfg.require_arm = 1;
	setup_cfg(&cfg);
	invite();
	want_udp(0, &host,
	    "ERR: ERROR[19]: update window closed, arm the device first\n");
	/* no nonce is drawn for a refused invitation */
	assert_int_equal(fp.random_count, 0);
	efa_agent_arm(&agent, 1000, now);
	invite();
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
	assert_int_equal(fp.random_count, 1);
}

static void
test_window_not_required(void **state)
{
	(void)state;
	/* without require_arm, arming or not makes no difference */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	efa_agent_arm(&agent, 1, now);
	now += 100000;
	invite();
	want_udp(0, &host, "OK");
}

static void
test_window_long_after_expiry(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	/* an expired window must stay closed however much later the next
	 * invitation comes (the ms clock wraps: 2^31 ms is ~24.8 days) */
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	cfg.require_arm = 1;
	setup_cfg(&cfg);
	efa_agent_arm(&agent, 60000, now);
	now += 60000u + 0x80000000u;
	invite();
	want_udp(0, &host,
	    "ERR: ERROR[19]: update window closed, arm the device first\n");
	now += 0x40000000u;
	invite();
	want_udp(1, &host,
	    "ERR: ERROR[19]: update window closed, arm the device first\n");
}

static void
test_window_long_duration(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	/* a window longer than 2^31 ms is still a window */
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	cfg.require_arm = 1;
	setup_cfg(&cfg);
	efa_agent_arm(&agent, 0xC0000000u, now);
	now += 1000;
	invite();
	want_udp(0, &host, "OK");
}

static void
test_throttle_long_after_expiry(void **state)
{
	(void)state;
	/* a lock-out must not come back ~24.8 days later */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fail_auth_once(&host);
	fail_auth_once(&host);
	now += 1000u + 0x80000000u;
	invite();
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
	assert_memory_equal(fake_udp_at(&fp, fp.udp_count - 1)->buf,
	    "AUTH ", 5);
}

/* ============================================== refusals before a transfer */

static void
test_on_start_veto(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	fp.start_ret = 1;
	invite();
	want_udp(0, &host,
	    "ERR: ERROR[21]: application refused the update (device busy)\n");
	assert_int_equal(fp.udp_count, 1);
	want_one_error(EFA_E_BUSY);
	assert_int_equal(fp.start_count, 1);
	assert_int_equal(fp.begin_count, 0);
	assert_int_equal(fp.connect_count, 0);
	want_idle();

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	fp.start_ret = -1;
	invite();
	want_udp(0, &host,
	    "ERR: application refused the update (device busy)\r\n");
	/* the next invitation, with the application ready, works */
	fp.start_ret = 0;
	invite();
	want_udp(1, &host, "OK");
}

static void
test_size_zero(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	invite_full(&host, EFA_CMD_FLASH, 0, image_md5);
	want_udp(0, &host, "ERR: ERROR[5]: Bad Size Given\n");
	want_one_error(EFA_E_SIZE);
	assert_int_equal(fp.start_count, 0);
	assert_int_equal(fp.begin_count, 0);
	want_idle();
	/* "-<md5>": the '-' is the separator, the size reads as 0 */
	udp_text(&host, "0 51234 -8e3f1c2a9b4d5e6f708192a3b4c5d6e7\n");
	want_udp(1, &host, "ERR: ERROR[5]: Bad Size Given\n");

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	invite_full(&host, EFA_CMD_FS, 0, image_md5);
	want_udp(0, &host, "ERR: Bad Size Given\r\n");
}

static void
test_not_enough_space(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	fp.free_space = 299;
	invite();
	assert_int_equal(fp.udp_count, 1);
	want_udp(0, &host, "ERR: ERROR[4]: Not Enough Space\n");
	want_one_error(EFA_E_SPACE);
	assert_int_equal(fp.start_count, 0);
	assert_int_equal(fp.begin_count, 0);
	want_idle();
	/* exactly enough */
	fp.free_space = 300;
	invite();
	want_udp(1, &host, "OK");

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	fp.free_space = 0;
	invite_full(&host, EFA_CMD_FS, 300, image_md5);
	assert_int_equal(fp.free_cmd, EFA_CMD_FS);
	want_udp(0, &host, "ERR: Not Enough Space\r\n");
}

static void
test_sink_begin_error(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	fp.begin_err = EFA_E_ERASE;
	invite();
	want_udp(0, &host, "ERR: ERROR[2]: Flash Erase Failed\n");
	want_one_error(EFA_E_ERASE);
	assert_int_equal(fp.connect_count, 0);
	assert_int_equal(fp.abort_count, 0);
	want_events("fSBu!");
	want_idle();

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	fp.begin_err = EFA_E_RUNNING;
	invite();
	want_udp(0, &host, "ERR: Update already running\r\n");
}

static void
test_invitation_md5_not_hex(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	udp_text(&host, "0 51234 300 zz3f1c2a9b4d5e6f708192a3b4c5d6e7\n");
	want_udp(0, &host, "ERR: ERROR[7]: MD5 verification failed: "
	    "the invitation's MD5 is not hex\n");
	want_one_error(EFA_E_MD5);
	assert_int_equal(fp.begin_count, 0);
	want_idle();
}

static void
test_ignored_invitations(void **state)
{
	static const char *const bad[] = {
		"200 51234 300 8e3f1c2a9b4d5e6f708192a3b4c5d6e7\n",
		"1 51234 300 8e3f1c2a9b4d5e6f708192a3b4c5d6e7\n",
		"0 51234 300 8e3f1c2a9b4d5e6f708192a3b4c5d6e\n",
		"0 0 300 8e3f1c2a9b4d5e6f708192a3b4c5d6e7\n",
		"0 65536 300 8e3f1c2a9b4d5e6f708192a3b4c5d6e7\n",
		"0 51234 2147483648 8e3f1c2a9b4d5e6f708192a3b4c5d6e7\n",
		"garbage",
		"",
	};
	size_t i;

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		udp_text(&host, bad[i]);
		want_idle();
	}
	/* nothing at all happened: no reply, no hook, no sink call */
	want_events("");
	/* tolerated forms do start an update */
	udp_text(&host,
	    "  0  51234  300  8e3f1c2a9b4d5e6f708192a3b4c5d6e7\r\n");
	want_udp(0, &host, "OK");
}

/* ================================================ image checks (TCP) */

static void
test_bad_magic(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	image[0] = 0x00;
	start_noauth();
	fp.events[0] = '\0';
	fp.event_count = 0;
	assert_int_equal(efa_agent_tcp_input(&agent, image, 300, now), 300);
	want_tcp("ERROR[10]: Magic byte is not 0xE9\n");
	assert_int_equal(fp.tcp_close_count, 1);
	assert_int_equal(fp.abort_count, 1);
	assert_int_equal(fp.write_count, 0);
	want_one_error(EFA_E_MAGIC);
	want_events("sxA!");
	want_idle();
	assert_int_equal(fp.end_count, 0);
	assert_int_equal(fp.finish_count, 0);

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	image[0] = 0xe8;
	start_noauth();
	feed(0, 100, 100);
	want_tcp("Wrong Magic Byte\r\n");
	assert_int_equal(fp.write_count, 0);
	want_one_error(EFA_E_MAGIC);
}

static void
test_bad_magic_split_header(void **state)
{
	(void)state;
	/* the header arrives one byte at a time: nothing may reach the sink
	 * before the check (efa_image.h) */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	image[0] = 0x00;
	start_noauth();
	assert_int_equal(efa_agent_tcp_input(&agent, image, 1, now), 1);
	assert_int_equal(efa_agent_tcp_input(&agent, image + 1, 1, now), 1);
	assert_int_equal(efa_agent_tcp_input(&agent, image + 2, 1, now), 1);
	assert_int_equal(fp.write_count, 0);
	assert_int_equal(efa_agent_tcp_input(&agent, image + 3, 1, now), 1);
	assert_int_equal(fp.write_count, 0);
	want_tcp("111ERROR[10]: Magic byte is not 0xE9\n");
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_MAGIC);
	want_idle();
}

static void
test_good_header_split(void **state)
{
	(void)state;
	/* a good header in pieces: the held bytes reach the sink once the
	 * header is checked, in order, and the image is intact */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	start_noauth();
	feed(0, 2, 2);
	assert_int_equal(fp.written, 0);
	feed(2, 1, 1);
	feed(3, 297, 297);
	want_tcp("21297OK");
	assert_int_equal(fp.written, 300);
	assert_memory_equal(fp.data, image, 300);
	assert_int_equal(fp.progress_count, 3);
	assert_int_equal(fp.progress_done[0], 2);
	assert_int_equal(fp.progress_done[2], 300);
	assert_int_equal(fp.error_count, 0);
}

static void
test_flash_size_too_big(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	cfg.chip_flash_size = 1u << 20;
	setup_cfg(&cfg);
	image[3] = 0x40; /* 4 MB build */
	start_noauth();
	feed(0, 300, 300);
	want_tcp("ERROR[9]: new Flash config wrong, real size: 1048576\n");
	assert_int_equal(fp.abort_count, 1);
	assert_int_equal(fp.tcp_close_count, 1);
	want_one_error(EFA_E_NEW_FLASH_CONFIG);
	want_idle();

	cfg_default(&cfg, EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	setup_cfg(&cfg);
	image[3] = 0x3f; /* 8 MB build on the 4 MB chip */
	start_noauth();
	feed(0, 4, 1);
	/* the rest of the stream is no longer taken */
	assert_int_equal(efa_agent_tcp_input(&agent, image + 4, 296, now), 0);
	want_tcp("111Image flash size exceeds the chip, real size: "
	    "4194304\r\n");
	want_one_error(EFA_E_NEW_FLASH_CONFIG);
}

static void
test_gzip_image(void **state)
{
	uint8_t digest[EFA_MD5_LEN];

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	image[0] = 0x1f;
	image[1] = 0x8b;
	image[3] = 0xf0;
	efa_md5(image, 300, digest);
	efa_hex(image_md5, digest, sizeof(digest));
	start_noauth();
	feed(0, 300, 300);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	want_tcp("300OK");

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	image[0] = 0x1f;
	image[1] = 0x8b;
	efa_md5(image, 300, digest);
	efa_hex(image_md5, digest, sizeof(digest));
	start_noauth();
	feed(0, 300, 300);
	want_tcp("Wrong Magic Byte\r\n");
}

static void
test_tiny_images(void **state)
{
	(void)state;
	/* shorter than an image header: refused at the invitation (a stock
	 * device would flash it and boot into nothing) */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	invite_full(&host, EFA_CMD_FLASH, 1, image_md5);
	want_udp(0, &host, "ERR: Bad Size Given: shorter than an image "
	    "header\r\n");
	assert_int_equal(fp.begin_count, 0);
	want_idle();
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	invite_full(&host, EFA_CMD_FLASH, EFA_IMAGE_MIN_LEN - 1, image_md5);
	want_udp(0, &host, "ERR: ERROR[5]: Bad Size Given: shorter than an "
	    "image header\n");
	assert_int_equal(fp.begin_count, 0);
	/* the shortest accepted: just the header */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	make_image(EFA_IMAGE_MIN_LEN);
	start_noauth();
	feed(0, EFA_IMAGE_MIN_LEN, EFA_IMAGE_MIN_LEN);
	want_tcp("8OK");
	assert_int_equal(fp.written, EFA_IMAGE_MIN_LEN);
	/* a filesystem image has no header: any size from 1 */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	make_image(3);
	invite_full(&host, EFA_CMD_FS, 3, image_md5);
	want_udp(0, &host, "OK");
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 3, 1);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	want_tcp("111OK");
}

/* ================================================================ md5 */

#define MD5_WRONG "00112233445566778899aabbccddeeff"

static void
test_md5_mismatch_esp8266(void **state)
{
	char want[200];
	size_t pos;

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	invite_full(&host, EFA_CMD_FLASH, 300, MD5_WRONG);
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 200, 200);
	feed(200, 100, 100);
	pos = efa_append(want, sizeof(want), 0, "200100");
	pos = efa_append(want, sizeof(want), pos,
	    "ERROR[7]: MD5 verification failed: expected: " MD5_WRONG
	    ", calculated: ");
	pos = efa_append(want, sizeof(want), pos, image_md5);
	efa_append(want, sizeof(want), pos, "\n");
	want_tcp(want);
	assert_int_equal(fp.finish_count, 0);
	assert_int_equal(fp.abort_count, 1);
	assert_int_equal(fp.tcp_close_count, 1);
	want_one_error(EFA_E_MD5);
	want_idle();
	/* no OK, no reboot, however long we wait */
	tick_at(now + 100000);
	assert_int_equal(fp.end_count, 0);
	assert_int_equal(fp.reboot_count, 0);
	assert_int_equal(fp.tcp_len, strlen(want));
}

static void
test_md5_mismatch_esp8266_keeps_case(void **state)
{
	char want[200];
	size_t pos;

	(void)state;
	/* the expected MD5 is quoted as the host sent it */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	invite_full(&host, EFA_CMD_FLASH, 300,
	    "00112233445566778899AABBCCDDEEFF");
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 300, 300);
	pos = efa_append(want, sizeof(want), 0, "300ERROR[7]: MD5 "
	    "verification failed: expected: 00112233445566778899AABBCCDDEEFF"
	    ", calculated: ");
	pos = efa_append(want, sizeof(want), pos, image_md5);
	efa_append(want, sizeof(want), pos, "\n");
	want_tcp(want);
}

static void
test_md5_mismatch_esp32(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	invite_full(&host, EFA_CMD_FLASH, 300, MD5_WRONG);
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 300, 1024);
	want_tcp("300MD5 Check Failed\r\n");
	assert_int_equal(fp.finish_count, 0);
	assert_int_equal(fp.abort_count, 1);
	assert_int_equal(fp.tcp_close_count, 1);
	want_one_error(EFA_E_MD5);
	want_idle();
}

static void
test_md5_case_insensitive(void **state)
{
	char upper[EFA_MD5_HEX_LEN + 1];
	unsigned i;

	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	for (i = 0; i <= EFA_MD5_HEX_LEN; i++)
		upper[i] = (image_md5[i] >= 'a' && image_md5[i] <= 'f') ?
		    (char)(image_md5[i] - 'a' + 'A') : image_md5[i];
	invite_full(&host, EFA_CMD_FLASH, 300, upper);
	want_udp(0, &host, "OK");
	efa_agent_tcp_connected(&agent, 0, now);
	feed(0, 300, 300);
	want_tcp("300OK");
	assert_int_equal(fp.finish_count, 1);
	assert_int_equal(fp.error_count, 0);
}

/* ===================================================== transfer failures */

static void
test_peer_closes_mid_transfer(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	start_noauth();
	feed(0, 100, 100);
	efa_agent_tcp_closed(&agent, now);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_ABORTED);
	want_idle();
	want_tcp("100");
	assert_int_equal(fp.finish_count, 0);
	assert_int_equal(fp.end_count, 0);
	/* late data goes nowhere */
	assert_int_equal(efa_agent_tcp_input(&agent, image + 100, 100, now),
	    0);
	assert_int_equal(fp.written, 100);
	/* and the device takes the next update */
	fake_port_clear_log(&fp);
	start_noauth();
	feed(0, 300, 300);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	want_tcp("300OK");
}

static void
test_peer_closes_while_connecting(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	invite();
	efa_agent_tcp_closed(&agent, now);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_ABORTED);
	want_idle();
	/* a connect completion arriving afterwards is ignored */
	efa_agent_tcp_connected(&agent, 0, now);
	want_idle();
}

static void
test_data_timeout(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	start_noauth();
	/* data refreshes the deadline */
	now += 5000;
	feed(0, 100, 100);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_DATA_TIMEOUT_MS);
	tick_at(now + EFA_DATA_TIMEOUT_MS - 1);
	assert_int_equal(efa_agent_state(&agent), EFA_RECEIVING);
	want_tcp("100");
	tick_at(now + 1);
	want_tcp("100ERROR[6]: Stream Read Timeout\n");
	assert_int_equal(fp.tcp_close_count, 1);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_STREAM);
	want_idle();

	/* no data at all after connecting; ESP32 dialect */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	start_noauth();
	tick_at(now + EFA_DATA_TIMEOUT_MS);
	want_tcp("Stream Read Timeout\r\n");
	want_one_error(EFA_E_STREAM);
	assert_int_equal(fp.abort_count, 1);
}

static void
test_connect_fail_sync(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	fp.connect_result = -1;
	invite();
	/* the OK went out before the connect was tried */
	want_udp(0, &host, "OK");
	assert_int_equal(fp.connect_count, 1);
	assert_int_equal(fp.abort_count, 1);
	assert_int_equal(fp.tcp_close_count, 0);
	want_one_error(EFA_E_CONNECT);
	want_events("fSBucA!");
	want_idle();
}

static void
test_connect_fail_async(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	invite();
	efa_agent_tcp_connected(&agent, -111, now);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_CONNECT);
	want_idle();
	want_tcp("");
}

static void
test_connect_timeout(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	invite();
	tick_at(now + EFA_CONNECT_TIMEOUT_MS - 1);
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);
	tick_at(now + 1);
	/* the pending connect is cancelled */
	assert_int_equal(fp.tcp_close_count, 1);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_CONNECT);
	want_idle();
	/* too late */
	efa_agent_tcp_connected(&agent, 0, now);
	want_idle();
	assert_int_equal(efa_agent_tcp_input(&agent, image, 10, now), 0);
}

static void
check_busy_ignores_datagrams(void)
{
	enum efa_state st = efa_agent_state(&agent);
	unsigned udp = fp.udp_count, ev = fp.event_count;

	invite_full(&other, EFA_CMD_FLASH, 100, MD5_WRONG);
	invite();
	send_auth(&host, CNONCE32, RESP32);
	udp_text(&host, "garbage");
	assert_int_equal(efa_agent_state(&agent), st);
	assert_int_equal(fp.udp_count, udp);
	assert_int_equal(fp.event_count, ev);
}

static void
test_datagrams_while_busy(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	invite();
	check_busy_ignores_datagrams();                   /* connecting */
	efa_agent_tcp_connected(&agent, 0, now);
	check_busy_ignores_datagrams();                   /* receiving */
	feed(0, 300, 300);
	check_busy_ignores_datagrams();                   /* finishing */
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	assert_int_equal(efa_agent_state(&agent), EFA_REBOOTING);
	check_busy_ignores_datagrams();                   /* rebooting */
	tick_at(now + EFA_REBOOT_DELAY_MS);
	assert_int_equal(fp.reboot_count, 1);
	assert_int_equal(fp.udp_count, 1);
	/* the connect went to the first host only */
	want_connect_to_host();
}

static void
test_sink_write_error(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	fp.write_fail_at = 2;
	fp.write_err = EFA_E_WRITE;
	start_noauth();
	feed(0, 100, 100);
	assert_int_equal(efa_agent_tcp_input(&agent, image + 100, 100, now),
	    100);
	want_tcp("100ERROR[1]: Flash Write Failed\n");
	assert_int_equal(fp.tcp_close_count, 1);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_WRITE);
	assert_int_equal(fp.progress_count, 1);
	want_idle();

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	fp.write_fail_at = 1;
	fp.write_err = EFA_E_ERASE;
	start_noauth();
	feed(0, 300, 300);
	want_tcp("Flash Erase Failed\r\n");
	want_one_error(EFA_E_ERASE);
}

static void
test_sink_finish_error(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	fp.finish_err = EFA_E_READ;
	start_noauth();
	feed(0, 300, 300);
	want_tcp("300ERROR[3]: Flash Read Failed\n");
	assert_int_equal(fp.finish_count, 1);
	assert_int_equal(fp.abort_count, 1);
	assert_int_equal(fp.tcp_close_count, 1);
	want_one_error(EFA_E_READ);
	want_idle();
	tick_at(now + 10000);
	assert_int_equal(fp.end_count, 0);
	assert_int_equal(fp.reboot_count, 0);

	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	fp.finish_err = EFA_E_WRITE;
	start_noauth();
	feed(0, 300, 300);
	want_tcp("300Flash Write Failed\r\n");
	want_one_error(EFA_E_WRITE);
}

static void
test_close_while_finishing(void **state)
{
	(void)state;
	/* the image is committed: a close while the ESP8266 "OK" is
	 * pending changes nothing, the device still ends and reboots */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	start_noauth();
	feed(0, 300, 300);
	efa_agent_tcp_closed(&agent, now);
	assert_int_equal(efa_agent_state(&agent), EFA_FINISHING);
	assert_int_equal(fp.abort_count, 0);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	assert_int_equal(fp.end_count, 1);
	efa_agent_tcp_closed(&agent, now);
	tick_at(now + EFA_REBOOT_DELAY_MS);
	assert_int_equal(fp.reboot_count, 1);
	assert_int_equal(fp.error_count, 0);
}

static void
test_progress_values(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	make_image(1000);
	start_noauth();
	/* none before data */
	assert_int_equal(fp.progress_count, 0);
	feed(0, 7, 7);
	feed(7, 993, 331);
	assert_int_equal(fp.progress_count, 4);
	assert_int_equal(fp.progress_done[0], 7);
	assert_int_equal(fp.progress_done[1], 338);
	assert_int_equal(fp.progress_done[2], 669);
	assert_int_equal(fp.progress_done[3], 1000);
	assert_int_equal(fp.progress_total, 1000);
	/* the last progress call comes before the OK */
	assert_string_equal(fp.events + strlen(fp.events) - 7, "WsPFsxE");
}

/* ============================================== timers, reset, misc */

static void
test_next_timeout_values(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	assert_int_equal(efa_agent_next_timeout(&agent, now), EFA_NO_TIMEOUT);
	invite();
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_AUTH_TIMEOUT_MS);
	assert_int_equal(efa_agent_next_timeout(&agent, now + 3000),
	    EFA_AUTH_TIMEOUT_MS - 3000);
	/* overdue: 0, never a huge number */
	assert_int_equal(efa_agent_next_timeout(&agent,
	    now + EFA_AUTH_TIMEOUT_MS), 0);
	assert_int_equal(efa_agent_next_timeout(&agent,
	    now + EFA_AUTH_TIMEOUT_MS + 12345), 0);
	now += 3000;
	send_auth(&host, CNONCE32, RESP32);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_CONNECT_TIMEOUT_MS);
	now += 10;
	efa_agent_tcp_connected(&agent, 0, now);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_DATA_TIMEOUT_MS);
	now += 10;
	feed(0, 300, 300);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_ESP8266_OK_DELAY_MS);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS + 7); /* a late tick */
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_REBOOT_DELAY_MS);
	tick_at(now + EFA_REBOOT_DELAY_MS);
	assert_int_equal(efa_agent_next_timeout(&agent, now), EFA_NO_TIMEOUT);
}

static void
test_clock_wrap(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	now = 0xfffff000u;
	invite();
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_CONNECT_TIMEOUT_MS);
	efa_agent_tcp_connected(&agent, 0, now);
	tick_at(now + EFA_DATA_TIMEOUT_MS - 1); /* wrapped past 0 */
	assert_true(now < 0x10000u);
	assert_int_equal(efa_agent_state(&agent), EFA_RECEIVING);
	assert_int_equal(efa_agent_next_timeout(&agent, now), 1);
	feed(0, 300, 300);
	assert_int_equal(efa_agent_state(&agent), EFA_FINISHING);
	tick_at(now + EFA_ESP8266_OK_DELAY_MS);
	tick_at(now + EFA_REBOOT_DELAY_MS);
	assert_int_equal(fp.reboot_count, 1);
	assert_int_equal(fp.error_count, 0);
}

static void
test_tick_is_idempotent(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	/* ticks with nothing due do nothing */
	tick_at(now);
	tick_at(now + 1000000);
	want_events("");
	start_noauth();
	tick_at(now + 1);
	tick_at(now + 1);
	assert_int_equal(efa_agent_state(&agent), EFA_RECEIVING);
	feed(0, 300, 300);
	tick_at(now + EFA_REBOOT_DELAY_MS);
	tick_at(now + EFA_REBOOT_DELAY_MS);
	tick_at(now + 100000);
	assert_int_equal(fp.reboot_count, 1);
}

static void
test_tcp_events_in_idle(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	efa_agent_tcp_connected(&agent, 0, now);
	efa_agent_tcp_connected(&agent, -1, now);
	assert_int_equal(efa_agent_tcp_input(&agent, image, 10, now), 0);
	efa_agent_tcp_closed(&agent, now);
	want_idle();
	want_events("");
	/* also while waiting for auth */
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	invite();
	efa_agent_tcp_connected(&agent, 0, now);
	assert_int_equal(efa_agent_tcp_input(&agent, image, 10, now), 0);
	efa_agent_tcp_closed(&agent, now);
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
	want_events("nu");
}

static void
check_reset_from(enum efa_state want)
{
	unsigned ev;

	assert_int_equal(efa_agent_state(&agent), want);
	ev = fp.event_count;
	efa_agent_reset(&agent);
	/* no I/O, nothing pending */
	assert_int_equal(fp.event_count, ev);
	want_idle();
	tick_at(now + 100000);
	assert_int_equal(fp.event_count, ev);
	assert_int_equal(efa_agent_tcp_input(&agent, image, 10, now), 0);
}

static void
test_reset(void **state)
{
	char nonce[33], resp[65];

	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	invite();
	check_reset_from(EFA_WAIT_AUTH);
	/* the nonce is gone with it */
	nonce_of(0, nonce, 32);
	assert_int_equal(efa_auth_response(&efa_crypto_builtin, EFA_AUTH_MD5,
	    PW_MD5, 32, nonce, 32, CNONCE32, 32, resp), 0);
	send_auth(&host, CNONCE32, resp);
	want_idle();
	assert_int_equal(fp.udp_count, 1);

	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	invite();
	check_reset_from(EFA_CONNECTING);
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	start_noauth();
	feed(0, 100, 100);
	check_reset_from(EFA_RECEIVING);
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	start_noauth();
	feed(0, 300, 300);
	check_reset_from(EFA_FINISHING);
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	start_noauth();
	feed(0, 300, 300);
	check_reset_from(EFA_REBOOTING);
	assert_int_equal(fp.reboot_count, 0);

	/* a fresh update works after a reset */
	fake_port_clear_log(&fp);
	start_noauth();
	feed(0, 300, 300);
	want_tcp("300OK");
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(efa_agent_state_name(EFA_IDLE), "idle");
	assert_string_equal(efa_agent_state_name(EFA_WAIT_AUTH), "wait-auth");
	assert_string_equal(efa_agent_state_name(EFA_CONNECTING),
	    "connecting");
	assert_string_equal(efa_agent_state_name(EFA_RECEIVING), "receiving");
	assert_string_equal(efa_agent_state_name(EFA_FINISHING), "finishing");
	assert_string_equal(efa_agent_state_name(EFA_REBOOTING), "rebooting");
	assert_string_equal(efa_agent_state_name((enum efa_state)99), "?");
}

static void
test_second_update_after_failure(void **state)
{
	(void)state;
	/* per-update state (header, count, md5) starts over each time */
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	start_noauth();
	feed(0, 2, 2);
	efa_agent_tcp_closed(&agent, now);
	fake_port_clear_log(&fp);
	image[0] = 0x00;
	start_noauth();
	feed(0, 300, 300);
	want_tcp("Wrong Magic Byte\r\n");
	fake_port_clear_log(&fp);
	make_image(300);
	start_noauth();
	feed(0, 300, 300);
	want_tcp("300OK");
	assert_int_equal(fp.written, 300);
	assert_memory_equal(fp.data, image, 300);
}


/* ============================================== the trial of a new image */

/* On trial: the deadline runs; a confirmation keeps the image (the sink's
 * confirm), ends the deadline and is reported once. */
static void
test_trial_confirm(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	assert_int_equal(efa_agent_image_state(&agent), EFA_IMAGE_OK);
	want_idle();
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	assert_int_equal(efa_agent_image_state(&agent), EFA_IMAGE_TRIAL);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
	assert_int_equal(efa_agent_next_timeout(&agent, now), EFA_TRIAL_MS);
	assert_int_equal(efa_agent_next_timeout(&agent, now + 1000),
	    EFA_TRIAL_MS - 1000);
	now += EFA_TRIAL_MS - 1;
	efa_agent_tick(&agent, now);
	assert_int_equal(fp.reject_count, 0);
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_OK);
	assert_int_equal(fp.confirm_count, 1);
	assert_int_equal(efa_agent_image_state(&agent), EFA_IMAGE_OK);
	want_idle();
	tick_at(now + EFA_TRIAL_MS);
	assert_int_equal(fp.reject_count, 0);
	assert_int_equal(fp.reboot_count, 0);
	assert_int_equal(fp.error_count, 0);
	/* not on trial: nothing to do */
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_OK);
	assert_int_equal(fp.confirm_count, 1);
	want_events("K");
}

/* The sink cannot make the confirmation last (a flash error): the image
 * stays on trial, its deadline still runs, the application may retry. */
static void
test_trial_confirm_fails(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP32, EFA_AUTH_NONE, NULL);
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	fp.confirm_err = EFA_E_WRITE;
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_WRITE);
	assert_int_equal(efa_agent_image_state(&agent), EFA_IMAGE_TRIAL);
	assert_int_equal(efa_agent_next_timeout(&agent, now), EFA_TRIAL_MS);
	fp.confirm_err = EFA_E_OK;
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_OK);
	assert_int_equal(fp.confirm_count, 2);
	want_idle();
}

/* No confirmation by the deadline: the sink rejects the image, on_error
 * hears why, the device reboots (into the previous image). A confirmation
 * after that is too late. */
static void
test_trial_deadline(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	cfg.trial_ms = 5000;
	setup_cfg(&cfg);
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	assert_int_equal(efa_agent_next_timeout(&agent, now), 5000);
	tick_at(now + 4999);
	assert_int_equal(fp.reject_count, 0);
	tick_at(now + 1);
	assert_int_equal(fp.reject_count, 1);
	assert_int_equal(fp.reboot_count, 1);
	want_one_error(EFA_E_UNCONFIRMED);
	want_events("J!r");   /* reject, on_error, reboot */
	want_idle();
	/* once */
	tick_at(now + 10 * 5000);
	assert_int_equal(fp.reject_count, 1);
	assert_int_equal(fp.reboot_count, 1);
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_UNCONFIRMED);
	assert_int_equal(fp.confirm_count, 0);

	/* a reject that fails is reported as such; the reboot follows (the
	 * boot counts the image's starts and rolls it back) */
	setup_cfg(&cfg);
	fp.reject_err = EFA_E_ERASE;
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	tick_at(now + 5000);
	want_one_error(EFA_E_ERASE);
	assert_int_equal(fp.reboot_count, 1);
}

/* The deadline in ms of uptime from the start of the trial, across a clock
 * wrap; EFA_NO_TIMEOUT: never. A port without rollback has no deadline. */
static void
test_trial_deadline_variants(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	cfg.trial_ms = 3000;
	setup_cfg(&cfg);
	now = 0xFFFFF000u;
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	tick_at(now + 2999u);
	assert_int_equal(fp.reject_count, 0);
	assert_int_equal(efa_agent_next_timeout(&agent, now), 1);
	tick_at(now + 1u);
	assert_int_equal(fp.reject_count, 1);

	cfg.trial_ms = EFA_NO_TIMEOUT;
	setup_cfg(&cfg);
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	want_idle();
	tick_at(now + 0x7FFFFFFFu);
	assert_int_equal(fp.reject_count, 0);

	/* not on trial, or rolled back: no deadline */
	setup_cfg(&cfg);
	efa_agent_set_image_state(&agent, EFA_IMAGE_ROLLED_BACK, now);
	want_idle();
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_OK);
	assert_int_equal(fp.confirm_count, 0);

	/* a sink that cannot roll back: the trial is only reported; the
	 * confirmation just changes the state */
	fake_port_init(&fp);
	efa_agent_init(&agent, &cfg, fake_net_ops(), &fp,
	    fake_sink_ops_no_rollback(), &fp, NULL);
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	want_idle();
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_OK);
	assert_int_equal(efa_agent_image_state(&agent), EFA_IMAGE_OK);
}

/* While an image is on trial, a port that keeps the previous one takes no
 * update: refused with the chip's dialect before on_start. Once
 * confirmed, the next invitation works. */
static void
test_trial_refuses_updates(void **state)
{
	(void)state;
	setup(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	invite();
	want_udp(0, &host,
	    "ERR: ERROR[25]: new firmware on trial, not confirmed yet\n");
	want_one_error(EFA_E_TRIAL);
	assert_int_equal(fp.free_count, 0);
	assert_int_equal(fp.start_count, 0);
	assert_int_equal(fp.begin_count, 0);
	/* refusing does not end the trial's deadline */
	assert_int_equal(efa_agent_next_timeout(&agent, now), EFA_TRIAL_MS);
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_OK);
	invite();
	want_udp(1, &host, "OK");

	setup(EFA_CHIP_ESP32, EFA_AUTH_MD5, PW_MD5);
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	fp.random_pattern = nonce_pattern;
	fp.random_pattern_len = sizeof(nonce_pattern);
	invite();
	send_auth(&host, CNONCE32, RESP32);
	want_udp(1, &host,
	    "ERR: new firmware on trial, not confirmed yet\r\n");

	/* a port without rollback (Arduino on the ESP8266) takes it */
	fake_port_init(&fp);
	{
		struct efa_agent_config cfg;

		cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL);
		efa_agent_init(&agent, &cfg, fake_net_ops(), &fp,
		    fake_sink_ops_no_rollback(), &fp, NULL);
	}
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	invite();
	want_udp(0, &host, "OK");
}

/* An authentication under way when the deadline passes: the protocol's
 * timeout first, then the trial's. */
static void
test_trial_deadline_during_auth(void **state)
{
	struct efa_agent_config cfg;

	(void)state;
	cfg_default(&cfg, EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5);
	cfg.trial_ms = 2000;
	setup_cfg(&cfg);
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	invite();
	assert_int_equal(efa_agent_state(&agent), EFA_WAIT_AUTH);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_AUTH_TIMEOUT_MS);
	tick_at(now + EFA_AUTH_TIMEOUT_MS);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
	assert_int_equal(fp.reject_count, 0);
	assert_int_equal(efa_agent_next_timeout(&agent, now), 0);
	efa_agent_tick(&agent, now);
	assert_int_equal(fp.reject_count, 1);
	assert_int_equal(fp.reboot_count, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noauth_esp8266_full_flow),
		cmocka_unit_test(test_noauth_esp32_ok_immediately),
		cmocka_unit_test(test_noauth_one_byte_at_a_time),
		cmocka_unit_test(test_noauth_odd_splits),
		cmocka_unit_test(test_noauth_espota_chunk_sizes),
		cmocka_unit_test(test_bytes_beyond_size_not_consumed),
		cmocka_unit_test(test_zero_length_input),
		cmocka_unit_test(test_filesystem_skips_magic),
		cmocka_unit_test(test_hooks_null),
		cmocka_unit_test(test_md5_auth_vector),
		cmocka_unit_test(test_md5_auth_computed_response),
		cmocka_unit_test(test_md5_auth_wrong_response),
		cmocka_unit_test(test_md5_auth_case_sensitive),
		cmocka_unit_test(test_md5_auth_wrong_cnonce),
		cmocka_unit_test(test_auth_reply_to_200_source),
		cmocka_unit_test(test_auth_resent_invitation_drops),
		cmocka_unit_test(test_auth_malformed_200_drops),
		cmocka_unit_test(test_auth_timeout),
		cmocka_unit_test(test_auth_no_entropy),
		cmocka_unit_test(test_auth_throttle),
		cmocka_unit_test(test_auth_throttle_cap_and_dialect),
		cmocka_unit_test(test_refusal_after_auth_to_200_source),
		cmocka_unit_test(test_sha256_auth_vector),
		cmocka_unit_test(test_sha256_auth_wrong_then_fallback),
		cmocka_unit_test(test_fallback_after_lockout),
		cmocka_unit_test(test_sha256_auth_wrong_response),
		cmocka_unit_test(test_sha256_rejects_md5_lengths),
		cmocka_unit_test(test_window_refused_until_armed),
		cmocka_unit_test(test_window_expires),
		cmocka_unit_test(test_window_with_auth),
		cmocka_unit_test(test_window_not_required),
		cmocka_unit_test(test_window_long_after_expiry),
		cmocka_unit_test(test_window_long_duration),
		cmocka_unit_test(test_throttle_long_after_expiry),
		cmocka_unit_test(test_on_start_veto),
		cmocka_unit_test(test_size_zero),
		cmocka_unit_test(test_not_enough_space),
		cmocka_unit_test(test_sink_begin_error),
		cmocka_unit_test(test_invitation_md5_not_hex),
		cmocka_unit_test(test_ignored_invitations),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_magic_split_header),
		cmocka_unit_test(test_good_header_split),
		cmocka_unit_test(test_flash_size_too_big),
		cmocka_unit_test(test_gzip_image),
		cmocka_unit_test(test_tiny_images),
		cmocka_unit_test(test_md5_mismatch_esp8266),
		cmocka_unit_test(test_md5_mismatch_esp8266_keeps_case),
		cmocka_unit_test(test_md5_mismatch_esp32),
		cmocka_unit_test(test_md5_case_insensitive),
		cmocka_unit_test(test_peer_closes_mid_transfer),
		cmocka_unit_test(test_peer_closes_while_connecting),
		cmocka_unit_test(test_data_timeout),
		cmocka_unit_test(test_connect_fail_sync),
		cmocka_unit_test(test_connect_fail_async),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test(test_datagrams_while_busy),
		cmocka_unit_test(test_sink_write_error),
		cmocka_unit_test(test_sink_finish_error),
		cmocka_unit_test(test_close_while_finishing),
		cmocka_unit_test(test_progress_values),
		cmocka_unit_test(test_next_timeout_values),
		cmocka_unit_test(test_clock_wrap),
		cmocka_unit_test(test_tick_is_idempotent),
		cmocka_unit_test(test_tcp_events_in_idle),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_second_update_after_failure),
		cmocka_unit_test(test_trial_confirm),
		cmocka_unit_test(test_trial_confirm_fails),
		cmocka_unit_test(test_trial_deadline),
		cmocka_unit_test(test_trial_deadline_variants),
		cmocka_unit_test(test_trial_refuses_updates),
		cmocka_unit_test(test_trial_deadline_during_auth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
