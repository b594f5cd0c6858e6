/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the espota challenge formulas (efa_auth.c) with the core's
 * own hash primitives, against every test vector of docs/protocol.md
 * sections 3.1 and 3.2, plus scheme selection and length checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "efa/efa_auth.h"
#include "efa/efa_config_defaults.h"
#include "efa/efa_hash.h"
#include "efa/efa_util.h"
#include "efa/efa_wire.h"

static const struct efa_crypto *const cr = &efa_crypto_builtin;

/* Section 3.2 nonce/cnonce of the "admin" rows; also 3.1's as halves. */
static const char nonce64[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char cnonce64[] =
    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/* 3.1: password "admin", pass_hash, and the legacy response. */
static void
test_legacy_md5_response(void **state)
{
	char key[EFA_MD5_HEX_LEN + 1], resp[EFA_MD5_HEX_LEN + 1];

	(void)state;
	efa_auth_pw_key(cr, "admin", 5, EFA_MD5_HEX_LEN, key);
	assert_string_equal(key, "21232f297a57a5a743894a0e4a801fc3");
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key,
	    EFA_MD5_HEX_LEN, "0123456789abcdef0123456789abcdef", 32,
	    "fedcba9876543210fedcba9876543210", 32, resp), 0);
	assert_string_equal(resp, "199cd366606a4c7b55e82b1277ecd8ec");
}

/* 3.1: the device nonce for micros() = 123456789 is MD5 of its decimal. */
static void
test_device_nonce_vector(void **state)
{
	char dec[10], hex[EFA_MD5_HEX_LEN + 1];
	uint8_t d[EFA_MD5_LEN];
	size_t n;

	(void)state;
	n = efa_u32_dec(dec, 123456789u);
	assert_int_equal(n, 9);
	cr->md5(dec, n, d);
	efa_hex(hex, d, sizeof(d));
	assert_string_equal(hex, "25f9e794323b453885f5181f1b624d0b");
}

/* 3.1/3.2: espota cnonce = hash(filename + size + file_md5 + address). */
static void
test_espota_cnonce_vectors(void **state)
{
	static const char want_text[] = "firmware.bin312336"
	    "8e3f1c2a9b4d5e6f708192a3b4c5d6e7192.0.2.10";
	char text[96], dec[10], hex[EFA_SHA256_HEX_LEN + 1];
	uint8_t d[EFA_SHA256_LEN];
	size_t pos = 0, n;

	(void)state;
	pos = efa_append(text, sizeof(text), pos, "firmware.bin");
	n = efa_u32_dec(dec, 312336u);
	pos = efa_append_n(text, sizeof(text), pos, dec, n);
	pos = efa_append(text, sizeof(text), pos,
	    "8e3f1c2a9b4d5e6f708192a3b4c5d6e7");
	pos = efa_append(text, sizeof(text), pos, "192.0.2.10");
	assert_int_equal(pos, sizeof(want_text) - 1);
	assert_string_equal(text, want_text);

	cr->md5(text, pos, d);
	efa_hex(hex, d, EFA_MD5_LEN);
	assert_string_equal(hex, "d30292559a74aeffc31b4d51e5bffafd");
	cr->sha256(text, pos, d);
	efa_hex(hex, d, EFA_SHA256_LEN);
	assert_string_equal(hex, "57f0e6a520cd1f91070e464de64dffee"
	    "d641606903fbd311bbeb6f1c16032d6f");
}

struct pbkdf2_row {
	const char *password;
	size_t key_len; /* 64: SHA-256 pw_key, 32: MD5 fallback */
	const char *nonce, *cnonce, *pw_key, *dk_hex, *response;
};

/* One row of the 3.2 table: pw_key, dk_hex (PBKDF2 directly with the
 * salt nonce ":" cnonce) and the response through efa_auth_response. */
static void
check_pbkdf2_row(const struct pbkdf2_row *r)
{
	char key[EFA_SHA256_HEX_LEN + 1], salt[2 * EFA_SHA256_HEX_LEN + 2];
	char dk_hex[EFA_SHA256_HEX_LEN + 1], resp[EFA_SHA256_HEX_LEN + 1];
	uint8_t dk[EFA_SHA256_LEN];
	size_t pos;

	efa_auth_pw_key(cr, r->password, strlen(r->password), r->key_len,
	    key);
	assert_string_equal(key, r->pw_key);

	pos = efa_append(salt, sizeof(salt), 0, r->nonce);
	pos = efa_append(salt, sizeof(salt), pos, ":");
	pos = efa_append(salt, sizeof(salt), pos, r->cnonce);
	assert_int_equal(pos, 2 * EFA_SHA256_HEX_LEN + 1);
	cr->pbkdf2_sha256(key, r->key_len, salt, pos, EFA_PBKDF2_ITERATIONS,
	    dk, sizeof(dk));
	efa_hex(dk_hex, dk, sizeof(dk));
	assert_string_equal(dk_hex, r->dk_hex);

	memset(resp, 'x', sizeof(resp));
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key,
	    r->key_len, r->nonce, EFA_SHA256_HEX_LEN, r->cnonce,
	    EFA_SHA256_HEX_LEN, resp), 0);
	assert_string_equal(resp, r->response);
}

static void
test_pbkdf2_row_real_password(void **state)
{
	static const struct pbkdf2_row r = {
		"a-real-password", EFA_SHA256_HEX_LEN,
		"abababababababababababababababab"
		"abababababababababababababababab",
		"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		"980061b57e53c2de71a544b88d868652"
		"220a5f638b654459743bc497df202f9e",
		"b7a2bf1029f505602abfc2362e593d50"
		"150a2407c9095f96f5c6efe9789e21d6",
		"4d63ba8b1efa8949a0c5caefe7e8bc77"
		"db582e5531bdf2667c663394b4551b93",
	};

	(void)state;
	check_pbkdf2_row(&r);
}

static void
test_pbkdf2_row_admin(void **state)
{
	static const struct pbkdf2_row r = {
		"admin", EFA_SHA256_HEX_LEN, nonce64, cnonce64,
		"8c6976e5b5410415bde908bd4dee15df"
		"b167a9c873fc4bb8a81f6f2ab448a918",
		"b8416632ac7c601b9fa1da4b5f3ef3f7"
		"d83c57be1760c04849aeb39654a0e10f",
		"f2c591596d5b9942c3f15cb8290866f4"
		"676fc5eec1bba3b040a91f92474fa114",
	};

	(void)state;
	check_pbkdf2_row(&r);
}

static void
test_pbkdf2_row_admin_md5_pw_key(void **state)
{
	static const struct pbkdf2_row r = {
		"admin", EFA_MD5_HEX_LEN, nonce64, cnonce64,
		"21232f297a57a5a743894a0e4a801fc3",
		"e1302a10cc1aff5aff7f3d02649acbae"
		"11ab8c8a3448c05334b5865b13aad557",
		"506e9a94cc2374adf7c4f8480beb70ff"
		"1a7921bc09681d36b6280b41c004f4d7",
	};

	(void)state;
	check_pbkdf2_row(&r);
}

/* pw_key for both lengths: 32 (MD5) and 64 (SHA-256) hex plus a NUL. */
static void
test_pw_key_lengths(void **state)
{
	char key[EFA_SHA256_HEX_LEN + 2];

	(void)state;
	memset(key, 'x', sizeof(key));
	efa_auth_pw_key(cr, "admin", 5, EFA_MD5_HEX_LEN, key);
	assert_string_equal(key, "21232f297a57a5a743894a0e4a801fc3");
	assert_int_equal(key[EFA_MD5_HEX_LEN + 1], 'x');

	memset(key, 'x', sizeof(key));
	efa_auth_pw_key(cr, "admin", 5, EFA_SHA256_HEX_LEN, key);
	assert_string_equal(key, "8c6976e5b5410415bde908bd4dee15df"
	    "b167a9c873fc4bb8a81f6f2ab448a918");
	assert_int_equal(key[EFA_SHA256_HEX_LEN + 1], 'x');

	/* The empty password is valid. */
	efa_auth_pw_key(cr, "", 0, EFA_SHA256_HEX_LEN, key);
	assert_string_equal(key, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}

static void
test_nonce_len_and_scheme_for_nonce(void **state)
{
	static const size_t other[] = { 0, 1, 16, 31, 33, 37, 63, 65, 69,
	    128 };
	size_t i;

	(void)state;
	assert_int_equal(efa_auth_nonce_len(EFA_AUTH_MD5), 32);
	assert_int_equal(efa_auth_nonce_len(EFA_AUTH_SHA256), 64);
	assert_int_equal(efa_auth_nonce_len(EFA_AUTH_NONE), 0);
	assert_int_equal(efa_auth_scheme_for_nonce(32), EFA_AUTH_MD5);
	assert_int_equal(efa_auth_scheme_for_nonce(64), EFA_AUTH_SHA256);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(efa_auth_scheme_for_nonce(other[i]),
		    EFA_AUTH_NONE);
	/* Round trip. */
	assert_int_equal(efa_auth_scheme_for_nonce(
	    efa_auth_nonce_len(EFA_AUTH_MD5)), EFA_AUTH_MD5);
	assert_int_equal(efa_auth_scheme_for_nonce(
	    efa_auth_nonce_len(EFA_AUTH_SHA256)), EFA_AUTH_SHA256);
}

/* Wrong nonce, cnonce or pw_key lengths, or no scheme: -1. */
static void
test_response_rejects_bad_lengths(void **state)
{
	static const char key64[] = "8c6976e5b5410415bde908bd4dee15df"
	    "b167a9c873fc4bb8a81f6f2ab448a918";
	static const char key32[] = "21232f297a57a5a743894a0e4a801fc3";
	char resp[EFA_SHA256_HEX_LEN + 1];

	(void)state;
	/* MD5 scheme: nonce and cnonce must be 32, pw_key must be 32. */
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key32, 32,
	    nonce64, 31, cnonce64, 32, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key32, 32,
	    nonce64, 33, cnonce64, 32, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key32, 32,
	    nonce64, 64, cnonce64, 32, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key32, 32,
	    nonce64, 32, cnonce64, 31, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key32, 32,
	    nonce64, 32, cnonce64, 64, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key64, 64,
	    nonce64, 32, cnonce64, 32, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_MD5, key32, 31,
	    nonce64, 32, cnonce64, 32, resp), -1);

	/* SHA-256 scheme: nonce and cnonce 64, pw_key 32 or 64. */
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key64, 64,
	    nonce64, 32, cnonce64, 64, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key64, 64,
	    nonce64, 63, cnonce64, 64, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key64, 64,
	    nonce64, 64, cnonce64, 32, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key64, 64,
	    nonce64, 64, cnonce64, 63, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key64, 63,
	    nonce64, 64, cnonce64, 64, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key64, 48,
	    nonce64, 64, cnonce64, 64, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_SHA256, key64, 0,
	    nonce64, 64, cnonce64, 64, resp), -1);

	/* No scheme. */
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_NONE, key32, 32,
	    nonce64, 32, cnonce64, 32, resp), -1);
	assert_int_equal(efa_auth_response(cr, EFA_AUTH_NONE, key32, 32,
	    nonce64, 0, cnonce64, 0, resp), -1);
}

/* The builtin provider is the core's own primitives. */
static void
test_builtin_provider(void **state)
{
	(void)state;
	assert_true(efa_crypto_builtin.md5 == efa_md5);
	assert_true(efa_crypto_builtin.sha256 == efa_sha256);
	assert_true(efa_crypto_builtin.pbkdf2_sha256 == efa_pbkdf2_sha256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_md5_response),
		cmocka_unit_test(test_device_nonce_vector),
		cmocka_unit_test(test_espota_cnonce_vectors),
		cmocka_unit_test(test_pbkdf2_row_real_password),
		cmocka_unit_test(test_pbkdf2_row_admin),
		cmocka_unit_test(test_pbkdf2_row_admin_md5_pw_key),
		cmocka_unit_test(test_pw_key_lengths),
		cmocka_unit_test(test_nonce_len_and_scheme_for_nonce),
		cmocka_unit_test(test_response_rejects_bad_lengths),
		cmocka_unit_test(test_builtin_provider),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
