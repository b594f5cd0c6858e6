/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the agent core's text helpers (efa_util.h): lowercase hex,
 * hex parsing, constant-time and case-insensitive comparison, division-free
 * decimal formatting and the bounded, always NUL-terminated appends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "efa/efa_util.h"

#define SENTINEL 'x'

/* ------------------------------------------------------------ efa_hex */

static void
test_hex_basic(void **state)
{
	static const uint8_t in[] = { 0x00, 0x01, 0x0f, 0x10, 0xab, 0xff };
	char out[2 * sizeof(in) + 2];

	(void)state;
	memset(out, SENTINEL, sizeof(out));
	efa_hex(out, in, sizeof(in));
	assert_string_equal(out, "00010f10abff");
	assert_int_equal(out[2 * sizeof(in)], '\0');
	assert_int_equal(out[2 * sizeof(in) + 1], SENTINEL);
}

static void
test_hex_empty(void **state)
{
	char out[2] = { SENTINEL, SENTINEL };

	(void)state;
	efa_hex(out, (const uint8_t *)"", 0);
	assert_int_equal(out[0], '\0');
	assert_int_equal(out[1], SENTINEL);
}

static void
test_hex_all_bytes(void **state)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t in[256];
	char out[2 * 256 + 1];
	unsigned i;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	efa_hex(out, in, sizeof(in));
	for (i = 0; i < 256; i++) {
		assert_int_equal(out[2 * i], digits[i >> 4]);
		assert_int_equal(out[2 * i + 1], digits[i & 15]);
	}
	assert_int_equal(out[512], '\0');
}

/* ---------------------------------------------------------- efa_unhex */

static void
test_unhex_both_cases(void **state)
{
	static const uint8_t want[] = { 0x00, 0x9a, 0xbc, 0xde, 0xf0, 0xff };
	uint8_t out[sizeof(want)];

	(void)state;
	assert_int_equal(efa_unhex(out, "009abcdef0ff", sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));
	memset(out, 0, sizeof(out));
	assert_int_equal(efa_unhex(out, "009ABCDEF0FF", sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));
	memset(out, 0, sizeof(out));
	assert_int_equal(efa_unhex(out, "009aBcDeF0fF", sizeof(out)), 0);
	assert_memory_equal(out, want, sizeof(want));
}

static void
test_unhex_round_trip(void **state)
{
	uint8_t in[256], back[256];
	char hex[2 * 256 + 1];
	unsigned i;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (uint8_t)(255 - i);
	efa_hex(hex, in, sizeof(in));
	assert_int_equal(efa_unhex(back, hex, sizeof(back)), 0);
	assert_memory_equal(back, in, sizeof(in));
}

static void
test_unhex_rejects_non_hex(void **state)
{
	/* characters just outside the digit and letter ranges */
	static const char bad[] = { '/', ':', '@', 'G', '`', 'g', ' ', '\0',
	    '-', 'x', (char)0x80, (char)0xff };
	char in[3];
	uint8_t out[1];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		in[0] = '0';
		in[1] = bad[i];
		in[2] = '\0';
		assert_int_equal(efa_unhex(out, in, 1), -1);
		in[0] = bad[i];
		in[1] = '0';
		assert_int_equal(efa_unhex(out, in, 1), -1);
	}
	/* a bad digit late in the string */
	assert_int_equal(efa_unhex(out, "00", 1), 0);
	{
		uint8_t o4[4];

		assert_int_equal(efa_unhex(o4, "0011223z", 4), -1);
	}
}

static void
test_unhex_len_zero(void **state)
{
	uint8_t out[1] = { 0x5a };

	(void)state;
	assert_int_equal(efa_unhex(out, "", 0), 0);
	assert_int_equal(out[0], 0x5a);
}

/* --------------------------------------------------------- efa_is_hex */

static void
test_is_hex(void **state)
{
	static const char all[] = "0123456789abcdefABCDEF";
	static const char bad[] = { '/', ':', '@', 'G', '`', 'g', ' ', '\0',
	    '\n', 'z', (char)0xe9 };
	char s[4];
	unsigned i;

	(void)state;
	assert_int_equal(efa_is_hex(all, sizeof(all) - 1), 1);
	assert_int_equal(efa_is_hex("", 0), 1);
	for (i = 0; i < sizeof(bad); i++) {
		memcpy(s, "abc", 4);
		s[1] = bad[i];
		assert_int_equal(efa_is_hex(s, 3), 0);
		/* only the first len bytes are looked at */
		assert_int_equal(efa_is_hex(s, 1), 1);
	}
	/* 32-char md5 with an embedded NUL */
	assert_int_equal(efa_is_hex("0123456789abcdef\0" "123456789abcdef",
	    32), 0);
}

/* ------------------------------------------------------- efa_ct_equal */

static void
test_ct_equal(void **state)
{
	uint8_t a[64], b[64];
	unsigned i, bit;

	(void)state;
	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 7u + 3u);
	assert_int_equal(efa_ct_equal(a, b, sizeof(a)), 1);
	assert_int_equal(efa_ct_equal(a, b, 0), 1);
	assert_int_equal(efa_ct_equal("", "x", 0), 1);
	/* any single flipped bit anywhere is noticed */
	for (i = 0; i < sizeof(a); i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(efa_ct_equal(a, b, sizeof(a)), 0);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* a difference beyond len does not count */
	b[63] ^= 1;
	assert_int_equal(efa_ct_equal(a, b, 63), 1);
	/* case matters (auth responses compare case-sensitively) */
	assert_int_equal(efa_ct_equal("abcdef", "ABCDEF", 6), 0);
}

/* ----------------------------------------------- efa_ascii_casecmp_eq */

static void
test_casecmp(void **state)
{
	(void)state;
	assert_int_equal(efa_ascii_casecmp_eq("abcdef0123", "ABCDEF0123", 10),
	    1);
	assert_int_equal(efa_ascii_casecmp_eq("AbCdEf", "aBcDeF", 6), 1);
	assert_int_equal(efa_ascii_casecmp_eq("azAZ", "AZaz", 4), 1);
	assert_int_equal(efa_ascii_casecmp_eq("abc", "abd", 3), 0);
	assert_int_equal(efa_ascii_casecmp_eq("abc", "abd", 2), 1);
	assert_int_equal(efa_ascii_casecmp_eq("x", "y", 0), 1);
	/* only letters fold: '@'/'`', '['/'{', '0'/'P' differ by 0x20 too */
	assert_int_equal(efa_ascii_casecmp_eq("@", "`", 1), 0);
	assert_int_equal(efa_ascii_casecmp_eq("[", "{", 1), 0);
	assert_int_equal(efa_ascii_casecmp_eq("]", "}", 1), 0);
	assert_int_equal(efa_ascii_casecmp_eq("^", "~", 1), 0);
	assert_int_equal(efa_ascii_casecmp_eq("0", "P", 1), 0);
	/* embedded NULs are compared as bytes, not as string ends */
	assert_int_equal(efa_ascii_casecmp_eq("a\0b", "A\0B", 3), 1);
	assert_int_equal(efa_ascii_casecmp_eq("a\0b", "A\0C", 3), 0);
}

static void
test_casecmp_all_letters(void **state)
{
	char lo[27], up[27];
	unsigned i;

	(void)state;
	for (i = 0; i < 26; i++) {
		lo[i] = (char)('a' + i);
		up[i] = (char)('A' + i);
	}
	lo[26] = up[26] = '\0';
	assert_int_equal(efa_ascii_casecmp_eq(lo, up, 26), 1);
	assert_int_equal(efa_ascii_casecmp_eq(up, lo, 26), 1);
	for (i = 0; i < 26; i++) {
		up[i] = (char)(up[i] + 1);
		assert_int_equal(efa_ascii_casecmp_eq(lo, up, 26), 0);
		up[i] = (char)(up[i] - 1);
	}
}

/* --------------------------------------------------------- efa_u32_dec */

static void
check_dec(uint32_t v, const char *want)
{
	char out[12];
	size_t n, wl = strlen(want);

	memset(out, SENTINEL, sizeof(out));
	n = efa_u32_dec(out, v);
	assert_int_equal(n, wl);
	assert_memory_equal(out, want, wl);
	/* no NUL, nothing written past the digits */
	assert_int_equal(out[n], SENTINEL);
	assert_int_equal(out[11], SENTINEL);
}

static void
test_u32_dec_values(void **state)
{
	(void)state;
	check_dec(0, "0");
	check_dec(1, "1");
	check_dec(9, "9");
	check_dec(10, "10");
	check_dec(11, "11");
	check_dec(99, "99");
	check_dec(100, "100");
	check_dec(101, "101");
	check_dec(1000, "1000");
	check_dec(1024, "1024");
	check_dec(1460, "1460");
	check_dec(9999, "9999");
	check_dec(65535, "65535");
	check_dec(100000, "100000");
	check_dec(312336, "312336");
	check_dec(999999999u, "999999999");
	check_dec(1000000000u, "1000000000");
	check_dec(1000000001u, "1000000001");
	check_dec(2147483647u, "2147483647");
	check_dec(2147483648u, "2147483648");
	check_dec(4000000000u, "4000000000");
	check_dec(4294967294u, "4294967294");
	check_dec(4294967295u, "4294967295");
}

/* Every power of ten and its neighbours, and a walk over 2^k +- 1, parsed
 * back digit by digit (no division in the test either). */
static void
check_dec_round_trip(uint32_t v)
{
	char out[10];
	size_t n = efa_u32_dec(out, v), i;
	uint32_t back = 0;

	assert_true(n >= 1 && n <= 10);
	if (n > 1)
		assert_int_not_equal(out[0], '0');
	for (i = 0; i < n; i++) {
		assert_true(out[i] >= '0' && out[i] <= '9');
		back = back * 10u + (uint32_t)(out[i] - '0');
	}
	assert_int_equal(back, v);
}

static void
test_u32_dec_round_trip(void **state)
{
	uint32_t p = 1;
	unsigned k;

	(void)state;
	for (k = 0; k < 10; k++) {
		check_dec_round_trip(p);
		check_dec_round_trip(p - 1u);
		check_dec_round_trip(p + 1u);
		if (k < 9)
			p *= 10u;
	}
	for (k = 0; k < 32; k++) {
		uint32_t v = (uint32_t)1u << k;

		check_dec_round_trip(v);
		check_dec_round_trip(v - 1u);
		check_dec_round_trip(v + 1u);
		check_dec_round_trip(~v);
	}
	for (k = 0; k < 2000; k++)
		check_dec_round_trip(k);
	for (p = 0x9e3779b9u, k = 0; k < 1000; k++, p = p * 1664525u +
	    1013904223u)
		check_dec_round_trip(p);
}

/* ------------------------------------------------ efa_append / _n */

static void
test_append_fits(void **state)
{
	char buf[16];
	size_t pos;

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append(buf, sizeof(buf), 0, "ERR: ");
	assert_int_equal(pos, 5);
	pos = efa_append(buf, sizeof(buf), pos, "OK");
	assert_int_equal(pos, 7);
	assert_string_equal(buf, "ERR: OK");
	assert_int_equal(buf[8], SENTINEL);
	/* appending an empty string still terminates */
	pos = efa_append(buf, sizeof(buf), pos, "");
	assert_int_equal(pos, 7);
	assert_string_equal(buf, "ERR: OK");
}

static void
test_append_exact_fit(void **state)
{
	char buf[6];
	size_t pos;

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append(buf, sizeof(buf), 0, "abcde");
	assert_int_equal(pos, 5);
	assert_string_equal(buf, "abcde");
	/* full: nothing more fits, still terminated */
	pos = efa_append(buf, sizeof(buf), pos, "f");
	assert_int_equal(pos, 5);
	assert_string_equal(buf, "abcde");
}

static void
test_append_truncates(void **state)
{
	char buf[8];
	size_t pos;

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append(buf, 4, 0, "hello");
	assert_int_equal(pos, 3);
	assert_string_equal(buf, "hel");
	assert_int_equal(buf[4], SENTINEL);

	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append(buf, sizeof(buf), 0, "Authentication Failed");
	assert_int_equal(pos, sizeof(buf) - 1);
	assert_int_equal(buf[sizeof(buf) - 1], '\0');
	assert_memory_equal(buf, "Authent", 7);

	/* chained appends after truncation stay at the end */
	pos = efa_append(buf, sizeof(buf), pos, "more");
	assert_int_equal(pos, sizeof(buf) - 1);
	assert_int_equal(buf[sizeof(buf) - 1], '\0');
}

static void
test_append_tiny_caps(void **state)
{
	char buf[4];
	size_t pos;

	(void)state;
	/* cap 0: nothing written at all */
	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append(buf, 0, 0, "abc");
	assert_int_equal(pos, 0);
	assert_int_equal(buf[0], SENTINEL);
	/* cap 1: only the NUL */
	pos = efa_append(buf, 1, 0, "abc");
	assert_int_equal(pos, 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], SENTINEL);
	/* cap 2 */
	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append(buf, 2, 0, "abc");
	assert_int_equal(pos, 1);
	assert_string_equal(buf, "a");
	assert_int_equal(buf[2], SENTINEL);
}

static void
test_append_n(void **state)
{
	char buf[16];
	size_t pos;

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append_n(buf, sizeof(buf), 0, "12345", 3);
	assert_int_equal(pos, 3);
	assert_string_equal(buf, "123");
	pos = efa_append_n(buf, sizeof(buf), pos, "zz", 0);
	assert_int_equal(pos, 3);
	assert_string_equal(buf, "123");
	/* n bytes are copied verbatim, even a NUL inside them */
	pos = efa_append_n(buf, sizeof(buf), pos, "a\0b", 3);
	assert_int_equal(pos, 6);
	assert_memory_equal(buf, "123a\0b\0", 7);
	/* truncation of _n */
	memset(buf, SENTINEL, sizeof(buf));
	pos = efa_append_n(buf, 5, 0, "0123456789", 10);
	assert_int_equal(pos, 4);
	assert_string_equal(buf, "0123");
	assert_int_equal(buf[5], SENTINEL);
	/* cap 0 */
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(efa_append_n(buf, 0, 0, "ab", 2), 0);
	assert_int_equal(buf[0], SENTINEL);
}

/* ------------------------------------------------------- efa_strnlen */

static void
test_strnlen(void **state)
{
	(void)state;
	assert_int_equal(efa_strnlen("", 10), 0);
	assert_int_equal(efa_strnlen("abc", 10), 3);
	assert_int_equal(efa_strnlen("abc", 3), 3);
	assert_int_equal(efa_strnlen("abc", 2), 2);
	assert_int_equal(efa_strnlen("abc", 0), 0);
	assert_int_equal(efa_strnlen("a\0bc", 10), 1);
	/* max bounds the read: a non-terminated buffer is fine */
	{
		static const char raw[4] = { 'a', 'b', 'c', 'd' };

		assert_int_equal(efa_strnlen(raw, sizeof(raw)), 4);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_basic),
		cmocka_unit_test(test_hex_empty),
		cmocka_unit_test(test_hex_all_bytes),
		cmocka_unit_test(test_unhex_both_cases),
		cmocka_unit_test(test_unhex_round_trip),
		cmocka_unit_test(test_unhex_rejects_non_hex),
		cmocka_unit_test(test_unhex_len_zero),
		cmocka_unit_test(test_is_hex),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_casecmp),
		cmocka_unit_test(test_casecmp_all_letters),
		cmocka_unit_test(test_u32_dec_values),
		cmocka_unit_test(test_u32_dec_round_trip),
		cmocka_unit_test(test_append_fits),
		cmocka_unit_test(test_append_exact_fit),
		cmocka_unit_test(test_append_truncates),
		cmocka_unit_test(test_append_tiny_caps),
		cmocka_unit_test(test_append_n),
		cmocka_unit_test(test_strnlen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
