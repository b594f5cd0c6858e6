/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the host's OpenSSL hash provider (src/push/crypto.c): the
 * docs/protocol.md 3.1/3.2 vectors through efa_auth_response, agreement with
 * the chip's efa_crypto_builtin on pseudo-random inputs (host and device must
 * compute the same), and efl_random_hex.
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
#include "efa/efa_auth.h"
#include "efa/efa_config_defaults.h"
#include "efa/efa_util.h"
#include "efa/efa_wire.h"

static const struct efa_crypto *const ossl = &efl_crypto_openssl;
static const struct efa_crypto *const chip = &efa_crypto_builtin;

static const char nonce32[] = TV_NONCE32;
static const char cnonce32[] = TV_CNONCE32;
static const char nonce64[] = TV_NONCE64;
static const char cnonce64[] = TV_CNONCE64;

static void
hex_of(char *out, const struct efa_crypto *c, int sha, const char *text)
{
	uint8_t d[32];

	if (sha) {
		c->sha256(text, strlen(text), d);
		efa_hex(out, d, 32);
	} else {
		c->md5(text, strlen(text), d);
		efa_hex(out, d, 16);
	}
}

/* 3.1: pass_hash, response, device nonce, cnonce (MD5 and SHA-256). */
static void
test_legacy_vectors(void **state)
{
	char key[EFA_MD5_HEX_LEN + 1], resp[EFA_MD5_HEX_LEN + 1];
	char h[EFA_SHA256_HEX_LEN + 1];

	(void)state;
	efa_auth_pw_key(ossl, "admin", 5, EFA_MD5_HEX_LEN, key);
	assert_string_equal(key, "21232f297a57a5a743894a0e4a801fc3");
	assert_int_equal(efa_auth_response(ossl, EFA_AUTH_MD5, key, 32,
	    nonce32, 32, cnonce32, 32, resp), 0);
	assert_string_equal(resp, "199cd366606a4c7b55e82b1277ecd8ec");

	hex_of(h, ossl, 0, "123456789");
	assert_string_equal(h, "25f9e794323b453885f5181f1b624d0b");
	hex_of(h, ossl, 0, "firmware.bin3123368e3f1c2a9b4d5e6f708192a3b4c5d6e7"
	    "192.0.2.10");
	assert_string_equal(h, "d30292559a74aeffc31b4d51e5bffafd");
	hex_of(h, ossl, 1, "firmware.bin3123368e3f1c2a9b4d5e6f708192a3b4c5d6e7"
	    "192.0.2.10");
	assert_string_equal(h, "57f0e6a520cd1f91070e464de64dffeed641606903fbd3"
	    "11bbeb6f1c16032d6f");
}

/* 3.2: every row of the table, pw_key, dk_hex and response. */
static void
test_pbkdf2_vectors(void **state)
{
	static const struct {
		const char *password;
		size_t key_len;
		const char *nonce, *cnonce, *pw_key, *dk_hex, *response;
	} rows[] = {
		{ "a-real-password", 64,
		  "abababababababababababababababab"
		  "abababababababababababababababab",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "980061b57e53c2de71a544b88d868652"
		  "220a5f638b654459743bc497df202f9e",
		  "b7a2bf1029f505602abfc2362e593d50"
		  "150a2407c9095f96f5c6efe9789e21d6",
		  "4d63ba8b1efa8949a0c5caefe7e8bc77"
		  "db582e5531bdf2667c663394b4551b93" },
		{ "admin", 64, nonce64, cnonce64,
		  "8c6976e5b5410415bde908bd4dee15df"
		  "b167a9c873fc4bb8a81f6f2ab448a918",
		  "b8416632ac7c601b9fa1da4b5f3ef3f7"
		  "d83c57be1760c04849aeb39654a0e10f",
		  "f2c591596d5b9942c3f15cb8290866f4"
		  "676fc5eec1bba3b040a91f92474fa114" },
		/* the MD5-pw_key fallback row */
		{ "admin", 32, nonce64, cnonce64,
		  "21232f297a57a5a743894a0e4a801fc3",
		  "e1302a10cc1aff5aff7f3d02649acbae"
		  "11ab8c8a3448c05334b5865b13aad557",
		  "506e9a94cc2374adf7c4f8480beb70ff"
		  "1a7921bc09681d36b6280b41c004f4d7" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char key[EFA_SHA256_HEX_LEN + 1], resp[EFA_SHA256_HEX_LEN + 1];
		char salt[2 * EFA_SHA256_HEX_LEN + 2], dk_hex[65];
		uint8_t dk[32];

		efa_auth_pw_key(ossl, rows[i].password,
		    strlen(rows[i].password), rows[i].key_len, key);
		assert_string_equal(key, rows[i].pw_key);
		/* dk on its own, as the table gives it */
		snprintf(salt, sizeof(salt), "%s:%s", rows[i].nonce,
		    rows[i].cnonce);
		ossl->pbkdf2_sha256(key, strlen(key), salt, strlen(salt),
		    EFA_PBKDF2_ITERATIONS, dk, sizeof(dk));
		efa_hex(dk_hex, dk, sizeof(dk));
		assert_string_equal(dk_hex, rows[i].dk_hex);
		assert_int_equal(efa_auth_response(ossl, EFA_AUTH_SHA256, key,
		    strlen(key), rows[i].nonce, 64, rows[i].cnonce, 64, resp),
		    0);
		if (strcmp(resp, rows[i].response) != 0)
			fail_msg("row %zu: response %s, want %s", i, resp,
			    rows[i].response);
	}
}

/* Lengths that do not fit the scheme are refused with the host provider
 * just as with the chip's. */
static void
test_bad_lengths(void **state)
{
	char resp[EFA_SHA256_HEX_LEN + 1];
	const char *key64 = nonce64;

	(void)state;
	assert_int_equal(efa_auth_response(ossl, EFA_AUTH_MD5, key64, 64,
	    nonce32, 32, cnonce32, 32, resp), -1);
	assert_int_equal(efa_auth_response(ossl, EFA_AUTH_MD5, nonce32, 32,
	    nonce64, 64, cnonce32, 32, resp), -1);
	assert_int_equal(efa_auth_response(ossl, EFA_AUTH_SHA256, key64, 64,
	    nonce32, 32, cnonce32, 32, resp), -1);
	assert_int_equal(efa_auth_response(ossl, EFA_AUTH_NONE, key64, 64,
	    nonce64, 64, cnonce64, 64, resp), -1);
	assert_int_equal(efa_auth_response(ossl, EFA_AUTH_SHA256, key64, 40,
	    nonce64, 64, cnonce64, 64, resp), -1);
}

/* ---- host and chip agree ---- */

static uint32_t rng = 0x2545f491u;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void
rand_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(next_rand() >> 24);
}

static void
rand_hex(char *out, size_t nhex)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < nhex; i++)
		out[i] = hex[next_rand() & 15];
	out[nhex] = '\0';
}

/* The primitives on every length around the block boundaries. */
static void
test_primitives_agree(void **state)
{
	uint8_t data[300], a[32], b[32];
	size_t len;

	(void)state;
	rand_bytes(data, sizeof(data));
	for (len = 0; len <= sizeof(data); len++) {
		ossl->md5(data, len, a);
		chip->md5(data, len, b);
		if (memcmp(a, b, 16) != 0)
			fail_msg("md5 differs at length %zu", len);
		ossl->sha256(data, len, a);
		chip->sha256(data, len, b);
		if (memcmp(a, b, 32) != 0)
			fail_msg("sha256 differs at length %zu", len);
	}
}

/* PBKDF2 with keys shorter and longer than the HMAC block, several salt
 * sizes, iteration counts and output lengths (more than one block). */
static void
test_pbkdf2_agrees(void **state)
{
	static const size_t key_lens[] = { 1, 32, 64, 65, 150 };
	static const size_t salt_lens[] = { 0, 1, 129, 200 };
	static const uint32_t iters[] = { 1, 2, 100 };
	static const size_t out_lens[] = { 1, 20, 32, 33, 64, 80 };
	uint8_t key[150], salt[200], a[80], b[80];
	size_t i, j, k, m;

	(void)state;
	rand_bytes(key, sizeof(key));
	rand_bytes(salt, sizeof(salt));
	for (i = 0; i < sizeof(key_lens) / sizeof(key_lens[0]); i++)
		for (j = 0; j < sizeof(salt_lens) / sizeof(salt_lens[0]); j++)
			for (k = 0; k < sizeof(iters) / sizeof(iters[0]); k++)
				for (m = 0; m < sizeof(out_lens) /
				    sizeof(out_lens[0]); m++) {
					size_t n = out_lens[m];

					memset(a, 0, sizeof(a));
					memset(b, 0, sizeof(b));
					ossl->pbkdf2_sha256(key, key_lens[i],
					    salt, salt_lens[j], iters[k], a, n);
					chip->pbkdf2_sha256(key, key_lens[i],
					    salt, salt_lens[j], iters[k], b, n);
					if (memcmp(a, b, sizeof(a)) != 0)
						fail_msg("pbkdf2 differs: key "
						    "%zu salt %zu iter %u out "
						    "%zu", key_lens[i],
						    salt_lens[j], iters[k], n);
				}
}

/* Whole responses, both schemes, both key kinds, random passwords. */
static void
test_responses_agree(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 24; round++) {
		enum efa_auth_scheme scheme = round % 3 == 0 ? EFA_AUTH_MD5 :
		    EFA_AUTH_SHA256;
		size_t nlen = efa_auth_nonce_len(scheme);
		size_t klen = scheme == EFA_AUTH_MD5 || round % 3 == 2 ?
		    EFA_MD5_HEX_LEN : EFA_SHA256_HEX_LEN;
		char pw[80], nonce[65], cnonce[65];
		char ka[65], kb[65], ra[65], rb[65];
		size_t pwlen = next_rand() % sizeof(pw);

		rand_bytes((uint8_t *)pw, pwlen);
		rand_hex(nonce, nlen);
		rand_hex(cnonce, nlen);
		efa_auth_pw_key(ossl, pw, pwlen, klen, ka);
		efa_auth_pw_key(chip, pw, pwlen, klen, kb);
		assert_string_equal(ka, kb);
		assert_int_equal(strlen(ka), klen);
		assert_int_equal(efa_auth_response(ossl, scheme, ka, klen,
		    nonce, nlen, cnonce, nlen, ra), 0);
		assert_int_equal(efa_auth_response(chip, scheme, kb, klen,
		    nonce, nlen, cnonce, nlen, rb), 0);
		if (strcmp(ra, rb) != 0)
			fail_msg("round %d: host %s, chip %s", round, ra, rb);
		assert_int_equal(strlen(ra), nlen);
	}
}

/* ---- efl_random_hex ---- */

static int
all_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void
test_random_hex_format(void **state)
{
	static const size_t lens[] = { 0, 2, 32, 64, 128 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char buf[140];

		memset(buf, 'Z', sizeof(buf));
		assert_int_equal(efl_random_hex(buf, lens[i]), 0);
		assert_int_equal(strlen(buf), lens[i]);
		assert_true(all_lower_hex(buf, lens[i]));
		assert_int_equal(buf[lens[i] + 1], 'Z');
	}
}

static void
test_random_hex_differs(void **state)
{
	char a[65], b[65], c[65];

	(void)state;
	assert_int_equal(efl_random_hex(a, 64), 0);
	assert_int_equal(efl_random_hex(b, 64), 0);
	assert_int_equal(efl_random_hex(c, 64), 0);
	assert_string_not_equal(a, b);
	assert_string_not_equal(b, c);
	assert_string_not_equal(a, c);
}

/* Every digit shows up over enough output (not stuck, not all "0"). */
static void
test_random_hex_spread(void **state)
{
	char buf[129];
	int seen[16] = { 0 }, round, i;

	(void)state;
	for (round = 0; round < 8; round++) {
		assert_int_equal(efl_random_hex(buf, 128), 0);
		for (i = 0; i < 128; i++)
			seen[buf[i] <= '9' ? buf[i] - '0' :
			    buf[i] - 'a' + 10]++;
	}
	for (i = 0; i < 16; i++)
		assert_true(seen[i] > 0);
}

static void
test_random_hex_rejects(void **state)
{
	char buf[300];

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(efl_random_hex(buf, 1), -1);
	assert_int_equal(efl_random_hex(buf, 31), -1);
	assert_int_equal(efl_random_hex(buf, 63), -1);
	/* more than the internal buffer */
	assert_int_equal(efl_random_hex(buf, 130), -1);
	assert_int_equal(efl_random_hex(buf, 256), -1);
	/* nothing written on refusal */
	assert_int_equal(buf[0], 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_vectors),
		cmocka_unit_test(test_pbkdf2_vectors),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_primitives_agree),
		cmocka_unit_test(test_pbkdf2_agrees),
		cmocka_unit_test(test_responses_agree),
		cmocka_unit_test(test_random_hex_format),
		cmocka_unit_test(test_random_hex_differs),
		cmocka_unit_test(test_random_hex_spread),
		cmocka_unit_test(test_random_hex_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
