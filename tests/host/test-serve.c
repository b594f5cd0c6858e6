/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of espfleet serve's decision (serve.h, efl_serve_decide):
 * headers in, status/headers/reason out, for the pull requests of
 * ESP8266httpUpdate and ESP32 HTTPUpdate (docs/protocol.md 7.1): update,
 * 304, free-space refusal, version and spiffs modes, methods, paths,
 * credentials, and the canary cohort with its pinned, stable buckets.
 * Header names are written here as the devices send them, so a typo
 * shared by the server and the simulator cannot pass.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "espfleet/serve.h"

#define IMG_MD5 "0123456789abcdef0123456789abcdef"
#define OLD_MD5 "fedcba9876543210fedcba9876543210"
#define FS_MD5 "00112233445566778899aabbccddeeff"
#define MAC_A "5C:CF:7F:00:00:01"   /* bucket 76 (pinned below) */

static struct efl_serve_config cfg;
static struct efl_http_header hdr[24];
static struct efl_serve_request req;
static struct efl_serve_decision d;

static void
reset(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.image_md5 = IMG_MD5;
	cfg.image_size = 300000;
	cfg.image_version = "2.0";
	cfg.percent = 100;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/firmware.bin";
	req.headers = hdr;
	req.nheaders = 0;
	memset(&d, 0xa5, sizeof(d));
}

static void
add(const char *name, const char *value)
{
	assert_true(req.nheaders < sizeof(hdr) / sizeof(hdr[0]));
	hdr[req.nheaders].name = name;
	hdr[req.nheaders].value = value;
	req.nheaders++;
}

/* What ESP8266httpUpdate sends for a sketch update (7.1). */
static void
esp8266(const char *mac, const char *md5, const char *free_space)
{
	add("User-Agent", "ESP8266-http-Update");
	add("x-ESP8266-Chip-ID", "3342849");
	add("x-ESP8266-STA-MAC", mac);
	add("x-ESP8266-AP-MAC", "5C:CF:7F:00:00:02");
	add("x-ESP8266-free-space", free_space);
	add("x-ESP8266-sketch-size", "65536");
	add("x-ESP8266-sketch-md5", md5);
	add("x-ESP8266-chip-size", "4194304");
	add("x-ESP8266-sdk-version", "2.2.2-dev(38a443e)");
	add("x-ESP8266-mode", "sketch");
	add("x-ESP8266-version", "1.0");
}

/* What ESP32 HTTPUpdate sends (7.2). */
static void
esp32(const char *mac, const char *md5, const char *free_space)
{
	add("User-Agent", "ESP32-http-Update");
	add("Cache-Control", "no-cache");
	add("x-ESP32-STA-MAC", mac);
	add("x-ESP32-AP-MAC", "24:0A:C4:00:00:02");
	add("x-ESP32-free-space", free_space);
	add("x-ESP32-sketch-size", "65536");
	add("x-ESP32-sketch-md5", md5);
	add("x-ESP32-sketch-sha256", "CD68F846F0DF5EF1ADD7F7E8D4769E22"
	    "8B730313C330F8F1AB30ABBCA3157815");
	add("x-ESP32-chip-size", "4194304");
	add("x-ESP32-sdk-version", "v5.1.4");
	add("x-ESP32-mode", "sketch");
}

static void
decide(void)
{
	efl_serve_decide(&cfg, &req, &d);
}

static void
want(int status, enum efl_serve_body body, const char *reason_part)
{
	assert_int_equal(d.status, status);
	assert_int_equal(d.body, body);
	if (strstr(d.reason, reason_part) == NULL)
		fail_msg("reason '%s' lacks '%s'", d.reason, reason_part);
}

static void
test_update_offered(void **state)
{
	(void)state;
	reset();
	esp8266(MAC_A, OLD_MD5, "1000000");
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
	assert_string_equal(d.md5, IMG_MD5);
	assert_null(d.version);
	assert_string_equal(d.dev.chip, "esp8266");
	assert_string_equal(d.dev.mac, MAC_A);
	assert_string_equal(d.dev.md5, OLD_MD5);
	assert_string_equal(d.dev.mode, "sketch");
	assert_string_equal(d.dev.version, "1.0");
	assert_int_equal(d.dev.free_space, 1000000);
	assert_int_equal(d.dev.bucket, 76);

	/* ESP32 the same, its prefix and User-Agent */
	reset();
	esp32("24:0a:c4:00:00:01", OLD_MD5, "1310720");
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
	assert_string_equal(d.dev.chip, "esp32");
	assert_string_equal(d.dev.mac, "24:0A:C4:00:00:01");
	assert_string_equal(d.dev.version, "");

	/* HEAD is answered like GET (the server leaves the body out) */
	reset();
	req.method = "HEAD";
	esp8266(MAC_A, OLD_MD5, "1000000");
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
}

static void
test_not_modified(void **state)
{
	(void)state;
	reset();
	esp8266(MAC_A, IMG_MD5, "1000000");
	decide();
	want(304, EFL_SERVE_BODY_NONE, "already running the image");
	assert_null(d.md5);
	/* any case */
	reset();
	esp32(MAC_A, "0123456789ABCDEF0123456789ABCDEF", "10");
	decide();
	want(304, EFL_SERVE_BODY_NONE, "already running");
}

static void
test_free_space(void **state)
{
	(void)state;
	reset();
	esp8266(MAC_A, OLD_MD5, "299999");
	decide();
	want(403, EFL_SERVE_BODY_NONE, "not enough free space");
	assert_non_null(strstr(d.reason, "299999"));
	assert_non_null(strstr(d.reason, "300000"));
	assert_int_equal(d.dev.free_space, 299999);

	reset();
	esp8266(MAC_A, OLD_MD5, "300000");
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");

	/* not a number, or not sent: the device checks for itself */
	reset();
	esp8266(MAC_A, OLD_MD5, "12ab");
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
	assert_int_equal(d.dev.free_space, -1);
	reset();
	add("User-Agent", "ESP8266-http-Update");
	add("x-ESP8266-STA-MAC", MAC_A);
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
	assert_string_equal(d.dev.mode, "");
}

static void
test_version_mode(void **state)
{
	(void)state;
	reset();
	add("User-Agent", "ESP8266-http-Update");
	add("x-ESP8266-STA-MAC", MAC_A);
	add("x-ESP8266-mode", "version");
	add("x-ESP8266-sketch-md5", IMG_MD5);
	decide();
	want(200, EFL_SERVE_BODY_NONE, "version 2.0");
	assert_string_equal(d.version, "2.0");
	assert_string_equal(d.md5, IMG_MD5);

	cfg.image_version = "";
	decide();
	want(404, EFL_SERVE_BODY_NONE, "declares no version");
	assert_null(d.version);
}

static void
test_spiffs_mode(void **state)
{
	(void)state;
	reset();
	add("User-Agent", "ESP8266-http-Update");
	add("x-ESP8266-STA-MAC", MAC_A);
	add("x-ESP8266-mode", "spiffs");
	decide();
	want(404, EFL_SERVE_BODY_NONE, "no filesystem image");
	cfg.fs_md5 = FS_MD5;
	cfg.fs_size = 65536;
	decide();
	want(200, EFL_SERVE_BODY_FS, "filesystem image offered");
	assert_string_equal(d.md5, FS_MD5);
	/* the cohort holds for filesystems too */
	cfg.percent = 50;
	decide();
	want(304, EFL_SERVE_BODY_NONE, "not in the canary cohort");

	reset();
	add("User-Agent", "ESP8266-http-Update");
	add("x-ESP8266-STA-MAC", MAC_A);
	add("x-ESP8266-mode", "firmware");
	decide();
	want(403, EFL_SERVE_BODY_NONE, "unknown mode");
}

/* Who is asking: the User-Agent, else the headers; names in any case. */
static void
test_who_asks(void **state)
{
	(void)state;
	reset();
	add("User-Agent", "curl/7.88.1");
	decide();
	want(403, EFL_SERVE_BODY_NONE, "not an ESP8266httpUpdate or ESP32");
	assert_null(d.dev.chip);
	assert_int_equal(d.dev.bucket, -1);

	reset();
	add("user-agent", "curl/7.88.1");
	add("X-ESP32-STA-MAC", MAC_A);
	add("x-esp32-SKETCH-MD5", IMG_MD5);
	decide();
	want(304, EFL_SERVE_BODY_NONE, "already running");
	assert_string_equal(d.dev.chip, "esp32");

	/* an ESP8266 user agent reads the ESP8266 headers only */
	reset();
	add("User-Agent", "ESP8266-http-Update");
	add("x-ESP8266-STA-MAC", "not-a-mac");
	add("x-ESP32-sketch-md5", IMG_MD5);
	add("x-ESP8266-sketch-md5", OLD_MD5);
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
	assert_string_equal(d.dev.mac, "");
}

/* The User-Agent of an update client without its STA-MAC header is no
 * update client (espfleet-serve(1): 403), for either chip. */
static void
test_user_agent_without_mac(void **state)
{
	(void)state;
	reset();
	add("User-Agent", "ESP8266-http-Update");
	add("x-ESP8266-sketch-md5", OLD_MD5);
	add("x-ESP8266-free-space", "1000000");
	decide();
	want(403, EFL_SERVE_BODY_NONE, "no x-ESP8266-STA-MAC or "
	    "x-ESP32-STA-MAC header");
	assert_null(d.dev.chip);

	reset();
	add("User-Agent", "ESP32-http-Update");
	/* the other chip's MAC header does not count */
	add("x-ESP8266-STA-MAC", MAC_A);
	decide();
	want(403, EFL_SERVE_BODY_NONE, "not an ESP8266httpUpdate");
}

/* A client address locked out for wrong passwords: 429 with Retry-After,
 * before anything else is looked at; without a password nothing is
 * throttled. */
static void
test_throttled(void **state)
{
	(void)state;
	reset();
	cfg.password = 1;
	esp8266(MAC_A, OLD_MD5, "1000000");
	req.auth = EFL_SERVE_AUTH_THROTTLED;
	req.throttle_s = 4;
	decide();
	want(429, EFL_SERVE_BODY_NONE, "too many wrong passwords from this "
	    "address: try again in 4 s");
	assert_int_equal(d.retry_after, 4);
	assert_null(d.md5);
	req.auth = EFL_SERVE_AUTH_BAD;
	decide();
	want(401, EFL_SERVE_BODY_NONE, "wrong password");
	assert_int_equal(d.retry_after, 0);
}

static void
test_method_path_auth(void **state)
{
	(void)state;
	reset();
	req.method = "POST";
	esp8266(MAC_A, OLD_MD5, "1000000");
	decide();
	want(405, EFL_SERVE_BODY_NONE, "GET only");

	reset();
	cfg.path = "/fw.bin";
	esp8266(MAC_A, OLD_MD5, "1000000");
	decide();
	want(404, EFL_SERVE_BODY_NONE, "not the update path");
	req.path = "/fw.bin";
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");

	reset();
	cfg.password = 1;
	esp8266(MAC_A, OLD_MD5, "1000000");
	decide();
	want(401, EFL_SERVE_BODY_NONE, "no credentials");
	assert_null(d.dev.chip);   /* nothing read before authentication */
	req.auth = EFL_SERVE_AUTH_BAD;
	decide();
	want(401, EFL_SERVE_BODY_NONE, "wrong password");
	req.auth = EFL_SERVE_AUTH_OK;
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
}

/* The buckets are a contract: the same MAC, the same cohort, always. */
static void
test_bucket(void **state)
{
	char form[18];

	(void)state;
	assert_int_equal(efl_serve_bucket("5C:CF:7F:00:00:01", form), 76);
	assert_string_equal(form, "5C:CF:7F:00:00:01");
	assert_int_equal(efl_serve_bucket("5c:cf:7f:00:00:01", form), 76);
	assert_string_equal(form, "5C:CF:7F:00:00:01");
	assert_int_equal(efl_serve_bucket("24:0A:C4:12:34:56", NULL),
	    efl_serve_bucket("24:0a:c4:12:34:56", NULL));
	assert_int_equal(efl_serve_bucket("", NULL), -1);
	assert_int_equal(efl_serve_bucket("5C:CF:7F:00:00", NULL), -1);
	assert_int_equal(efl_serve_bucket("5C:CF:7F:00:00:01:", NULL), -1);
	assert_int_equal(efl_serve_bucket("5C-CF-7F-00-00-01", NULL), -1);
	assert_int_equal(efl_serve_bucket("5C:CF:7F:00:00:0G", NULL), -1);
	assert_int_equal(efl_serve_bucket("5CCF7F000001", NULL), -1);
}

static void
test_cohort(void **state)
{
	char mac[18];
	unsigned i, in = 0;

	(void)state;
	reset();
	esp8266(MAC_A, OLD_MD5, "1000000");
	cfg.percent = 76;               /* buckets 0..75: not 76 */
	decide();
	want(304, EFL_SERVE_BODY_NONE, "not in the canary cohort");
	assert_non_null(strstr(d.reason, "bucket 76"));
	cfg.percent = 77;
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");
	cfg.percent = 0;                /* a hold: nobody */
	decide();
	want(304, EFL_SERVE_BODY_NONE, "not in the canary cohort");

	/* running the image says so first; a refusal only for the cohort */
	reset();
	esp8266(MAC_A, IMG_MD5, "10");
	cfg.percent = 10;
	decide();
	want(304, EFL_SERVE_BODY_NONE, "already running");
	reset();
	esp8266(MAC_A, OLD_MD5, "10");
	cfg.percent = 10;
	decide();
	want(304, EFL_SERVE_BODY_NONE, "not in the canary cohort");

	/* without a usable MAC nobody is in a partial cohort */
	reset();
	esp8266("not-a-mac", OLD_MD5, "1000000");
	cfg.percent = 99;
	decide();
	want(304, EFL_SERVE_BODY_NONE, "no STA MAC");
	cfg.percent = 100;
	decide();
	want(200, EFL_SERVE_BODY_IMAGE, "update offered");

	/* half of a thousand devices, roughly */
	for (i = 0; i < 1000; i++) {
		snprintf(mac, sizeof(mac), "5C:CF:7F:%02X:%02X:%02X",
		    (i >> 16) & 255, (i >> 8) & 255, i & 255);
		if (efl_serve_bucket(mac, NULL) < 50)
			in++;
	}
	assert_true(in > 430 && in < 570);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_offered),
		cmocka_unit_test(test_not_modified),
		cmocka_unit_test(test_free_space),
		cmocka_unit_test(test_version_mode),
		cmocka_unit_test(test_spiffs_mode),
		cmocka_unit_test(test_who_asks),
		cmocka_unit_test(test_user_agent_without_mac),
		cmocka_unit_test(test_throttled),
		cmocka_unit_test(test_method_path_auth),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_cohort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
