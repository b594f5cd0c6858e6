/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the core's port helpers (efa_port.h): the TXT items a
 * device advertises (stock and agent keys, value rules), default host
 * names, stored password hashes and the Updater error numbers of both
 * Arduino cores.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "efa/efa_mdns.h"
#include "efa/efa_port.h"

#define MD5_UPPER "D41D8CD98F00B204E9800998ECF8427E"
#define MD5_LOWER "d41d8cd98f00b204e9800998ecf8427e"
#define REJECTED "0123456789abcdef0123456789abcdef"

/* value of key in t, or NULL */
static const char *
txt(const struct efa_txt *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (strcmp(t->key[i], key) == 0)
			return t->value[i];
	return NULL;
}

static struct efa_txt_info
full_info(void)
{
	struct efa_txt_info info;

	memset(&info, 0, sizeof(info));
	info.chip = EFA_CHIP_ESP8266;
	info.auth = EFA_AUTH_MD5;
	info.board = "d1_mini";
	info.md5_hex = MD5_UPPER;
	info.version = "1.4.2";
	info.free_space = 1044480u;
	info.flash_size = 4194304u;
	info.state = "rolled-back";
	info.rejected_md5_hex = REJECTED;
	info.gzip = EFA_TXT_GZIP_APP;
	return info;
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(efa_chip_name(EFA_CHIP_ESP8266), "esp8266");
	assert_string_equal(efa_chip_name(EFA_CHIP_ESP32), "esp32");
	assert_string_equal(efa_auth_scheme_name(EFA_AUTH_NONE), "none");
	assert_string_equal(efa_auth_scheme_name(EFA_AUTH_MD5), "md5");
	assert_string_equal(efa_auth_scheme_name(EFA_AUTH_SHA256), "sha256");
	assert_string_equal(efa_image_state_name(EFA_IMAGE_OK), "ok");
	assert_string_equal(efa_image_state_name(EFA_IMAGE_TRIAL), "trial");
	assert_string_equal(efa_image_state_name(EFA_IMAGE_ROLLED_BACK),
	    "rolled-back");
	assert_string_equal(efa_image_state_name((enum efa_image_state)7),
	    "ok");
}

static void
test_txt_all_keys_in_order(void **state)
{
	static const char *const keys[] = {
		EFA_TXT_BOARD, EFA_TXT_TCP_CHECK, EFA_TXT_SSH_UPLOAD,
		EFA_TXT_AUTH_UPLOAD, EFA_TXT_AGENT, EFA_TXT_CHIP,
		EFA_TXT_AUTH, EFA_TXT_MD5, EFA_TXT_VERSION, EFA_TXT_FREE,
		EFA_TXT_FLASH, EFA_TXT_STATE, EFA_TXT_REJECTED, EFA_TXT_GZIP
	};
	static const char *const values[] = {
		"d1_mini", "no", "no", "yes", EFA_AGENT_TXT_VERSION,
		"esp8266", "md5", MD5_LOWER, "1.4.2", "1044480", "4194304",
		"rolled-back", REJECTED, EFA_TXT_GZIP_APP
	};
	struct efa_txt_info info = full_info();
	struct efa_txt t;
	size_t i;

	(void)state;
	assert_int_equal(efa_txt_build(&t, &info), EFA_TXT_ITEMS_MAX);
	assert_int_equal(t.count, EFA_TXT_ITEMS_MAX);
	for (i = 0; i < EFA_TXT_ITEMS_MAX; i++) {
		assert_string_equal(t.key[i], keys[i]);
		assert_string_equal(t.value[i], values[i]);
	}
}

static void
test_txt_without_stock_keys(void **state)
{
	struct efa_txt_info info = full_info();
	struct efa_txt t;

	(void)state;
	info.board = NULL;  /* Arduino: MDNS.enableArduino() adds them */
	info.chip = EFA_CHIP_ESP32;
	info.auth = EFA_AUTH_SHA256;
	info.state = NULL;  /* a port that does not know */
	info.rejected_md5_hex = NULL;
	info.gzip = NULL;
	assert_int_equal(efa_txt_build(&t, &info), 7);
	assert_string_equal(t.key[0], EFA_TXT_AGENT);
	assert_null(txt(&t, EFA_TXT_BOARD));
	assert_null(txt(&t, EFA_TXT_AUTH_UPLOAD));
	assert_string_equal(txt(&t, EFA_TXT_CHIP), "esp32");
	assert_string_equal(txt(&t, EFA_TXT_AUTH), "sha256");
}

static void
test_txt_auth_upload(void **state)
{
	struct efa_txt_info info = full_info();
	struct efa_txt t;

	(void)state;
	info.auth = EFA_AUTH_NONE;
	efa_txt_build(&t, &info);
	assert_string_equal(txt(&t, EFA_TXT_AUTH_UPLOAD), "no");
	assert_string_equal(txt(&t, EFA_TXT_AUTH), "none");
	info.auth = EFA_AUTH_SHA256;
	efa_txt_build(&t, &info);
	assert_string_equal(txt(&t, EFA_TXT_AUTH_UPLOAD), "yes");
}

static void
test_txt_bad_values_left_out(void **state)
{
	static const char *const bad[] = {
		"", "a=b", "tab\there", "new\nline", "\x7f",
		"12345678901234567890123456789012345678901234567890123456"
		"789012345"   /* 65 characters */
	};
	struct efa_txt_info info = full_info();
	struct efa_txt t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		info.version = bad[i];
		info.board = bad[i];
		efa_txt_build(&t, &info);
		assert_null(txt(&t, EFA_TXT_VERSION));
		assert_null(txt(&t, EFA_TXT_BOARD));
		/* the other stock keys stay */
		assert_string_equal(txt(&t, EFA_TXT_TCP_CHECK), "no");
	}
	/* 64 characters are still fine */
	info.version = "1234567890123456789012345678901234567890"
	    "123456789012345678901234";
	efa_txt_build(&t, &info);
	assert_non_null(txt(&t, EFA_TXT_VERSION));
	info.version = NULL;
	efa_txt_build(&t, &info);
	assert_null(txt(&t, EFA_TXT_VERSION));
}

static void
test_txt_md5_rules(void **state)
{
	static const char *const bad[] = {
		"d41d8cd98f00b204e9800998ecf8427",    /* 31 */
		"d41d8cd98f00b204e9800998ecf8427e0",  /* 33 */
		"g41d8cd98f00b204e9800998ecf8427e",   /* not hex */
		""
	};
	struct efa_txt_info info = full_info();
	struct efa_txt t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		info.md5_hex = bad[i];
		efa_txt_build(&t, &info);
		assert_null(txt(&t, EFA_TXT_MD5));
	}
	info.md5_hex = NULL;
	assert_int_equal(efa_txt_build(&t, &info), EFA_TXT_ITEMS_MAX - 1);
	info.md5_hex = MD5_LOWER;
	efa_txt_build(&t, &info);
	assert_string_equal(txt(&t, EFA_TXT_MD5), MD5_LOWER);
}

static void
test_txt_numbers(void **state)
{
	struct efa_txt_info info = full_info();
	struct efa_txt t;

	(void)state;
	info.free_space = 0;
	info.flash_size = 0;
	efa_txt_build(&t, &info);
	assert_string_equal(txt(&t, EFA_TXT_FREE), "0");
	assert_null(txt(&t, EFA_TXT_FLASH));
	info.free_space = 0xffffffffu;
	info.flash_size = 16777216u;
	efa_txt_build(&t, &info);
	assert_string_equal(txt(&t, EFA_TXT_FREE), "4294967295");
	assert_string_equal(txt(&t, EFA_TXT_FLASH), "16777216");
}

static void
test_default_hostname(void **state)
{
	static const uint8_t mac[6] = { 0xa0, 0x85, 0xe3, 0xef, 0xf6, 0x98 };
	char out[19];

	(void)state;
	memset(out, 'x', sizeof(out));
	assert_int_equal(efa_default_hostname(out, EFA_CHIP_ESP8266,
	    0x8109eau, mac), 14);
	assert_string_equal(out, "esp8266-8109ea");
	/* only the low 24 bits of the chip id */
	efa_default_hostname(out, EFA_CHIP_ESP8266, 0xff00000fu, mac);
	assert_string_equal(out, "esp8266-00000f");
	memset(out, 'x', sizeof(out));
	assert_int_equal(efa_default_hostname(out, EFA_CHIP_ESP32, 0, mac),
	    18);
	assert_string_equal(out, "esp32-a085e3eff698");
}

static void
test_pw_key_from_hash(void **state)
{
	static const char sha[] =
	    "8C6976E5B5410415BDE908BD4DEE15DFB167A9C873FC4BB8A81F6F2AB448A918";
	char out[EFA_SHA256_HEX_LEN + 1];

	(void)state;
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_MD5,
	    "21232F297A57A5A743894A0E4A801FC3", out), 0);
	assert_string_equal(out, "21232f297a57a5a743894a0e4a801fc3");
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_SHA256, sha, out), 0);
	assert_string_equal(out,
	    "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918");
	/* sha256 scheme with a legacy MD5 hash (ESP32 >= 3.3.1 fallback) */
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_SHA256,
	    "21232f297a57a5a743894a0e4a801fc3", out), 0);
	assert_string_equal(out, "21232f297a57a5a743894a0e4a801fc3");
	/* md5 scheme cannot use a SHA-256 hash; lengths and digits */
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_MD5, sha, out), -1);
	assert_string_equal(out, "");
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_MD5,
	    "21232f297a57a5a743894a0e4a801fc", out), -1);
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_MD5,
	    "21232f297a57a5a743894a0e4a801fcz", out), -1);
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_NONE,
	    "21232f297a57a5a743894a0e4a801fc3", out), -1);
	assert_int_equal(efa_pw_key_from_hash(EFA_AUTH_SHA256, "", out), -1);
}

static void
test_updater_errors_esp8266(void **state)
{
	static const struct {
		unsigned code;
		enum efa_err err;
	} map[] = {
		{ 0, EFA_E_WRITE }, { 1, EFA_E_WRITE }, { 2, EFA_E_ERASE },
		{ 3, EFA_E_READ }, { 4, EFA_E_SPACE }, { 5, EFA_E_SIZE },
		{ 6, EFA_E_STREAM }, { 7, EFA_E_MD5 },
		{ 9, EFA_E_NEW_FLASH_CONFIG }, { 10, EFA_E_MAGIC },
		{ 13, EFA_E_NO_DATA }, { 15, EFA_E_RUNNING },
		{ 16, EFA_E_UNKNOWN_CMD }, { 17, EFA_E_WRITE },
		{ 255, EFA_E_WRITE }, { 100000u, EFA_E_WRITE }
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(efa_err_from_updater(EFA_CHIP_ESP8266,
		    map[i].code), map[i].err);
	/* the numbers both sides share mean the same text */
	for (i = 1; i <= 7; i++)
		assert_string_equal(efa_err_text(EFA_CHIP_ESP8266,
		    efa_err_from_updater(EFA_CHIP_ESP8266, (unsigned)i)),
		    efa_err_text(EFA_CHIP_ESP8266, (enum efa_err)i));
}

static void
test_updater_errors_esp32(void **state)
{
	static const struct {
		unsigned code;
		enum efa_err err;
	} map[] = {
		{ 0, EFA_E_WRITE }, { 4, EFA_E_SPACE }, { 5, EFA_E_SIZE },
		{ 7, EFA_E_MD5 }, { 8, EFA_E_MAGIC }, { 9, EFA_E_WRITE },
		{ 10, EFA_E_SPACE }, { 11, EFA_E_UNKNOWN_CMD },
		{ 12, EFA_E_ABORTED }, { 13, EFA_E_WRITE }, { 14, EFA_E_WRITE }
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(efa_err_from_updater(EFA_CHIP_ESP32,
		    map[i].code), map[i].err);
	assert_string_equal(efa_err_text(EFA_CHIP_ESP32,
	    efa_err_from_updater(EFA_CHIP_ESP32, 8)), "Wrong Magic Byte");
}

static void
test_updater_errors_never_ok(void **state)
{
	unsigned code;

	(void)state;
	for (code = 0; code < 300; code++) {
		assert_int_not_equal(efa_err_from_updater(EFA_CHIP_ESP8266,
		    code), EFA_E_OK);
		assert_int_not_equal(efa_err_from_updater(EFA_CHIP_ESP32,
		    code), EFA_E_OK);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_txt_all_keys_in_order),
		cmocka_unit_test(test_txt_without_stock_keys),
		cmocka_unit_test(test_txt_auth_upload),
		cmocka_unit_test(test_txt_bad_values_left_out),
		cmocka_unit_test(test_txt_md5_rules),
		cmocka_unit_test(test_txt_numbers),
		cmocka_unit_test(test_default_hostname),
		cmocka_unit_test(test_pw_key_from_hash),
		cmocka_unit_test(test_updater_errors_esp8266),
		cmocka_unit_test(test_updater_errors_esp32),
		cmocka_unit_test(test_updater_errors_never_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
