/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the text module (src/core/text.c): efl_printable's
 * escaping, trimming and bounds, UTF-8 kept whole, bidi and C1 controls
 * neutralised, efl_text_is_clean, efl_json_text and efl_seconds_text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "espfleet/text.h"

static void
test_printable_escapes(void **state)
{
	char out[128];

	(void)state;
	efl_printable(out, sizeof(out), "abc", 3);
	assert_string_equal(out, "abc");
	efl_printable(out, sizeof(out), "a\tb\\c\x7f\x80\x1b[2J", 11);
	assert_string_equal(out, "a\\x09b\\x5cc\\x7f\\x80\\x1b[2J");
	/* an embedded NUL is shown, not a string end */
	efl_printable(out, sizeof(out), "a\0b", 3);
	assert_string_equal(out, "a\\x00b");
	/* leading blanks stay, an inner CR/LF is escaped */
	efl_printable(out, sizeof(out), "  x\r\ny", 6);
	assert_string_equal(out, "  x\\x0d\\x0ay");
	efl_printable(out, sizeof(out), "", 0);
	assert_string_equal(out, "");
}

static void
test_printable_trims(void **state)
{
	char out[64];

	(void)state;
	efl_printable(out, sizeof(out), "MD5 Check Failed\r\n", 18);
	assert_string_equal(out, "MD5 Check Failed");
	efl_printable(out, sizeof(out), "text  \0\0", 8);
	assert_string_equal(out, "text");
	efl_printable(out, sizeof(out), "\r\n \0\n", 5);
	assert_string_equal(out, "");
	/* only trailing bytes are trimmed */
	efl_printable(out, sizeof(out), "\nx\n", 3);
	assert_string_equal(out, "\\x0ax");
}

/* Small caps with long input: within bounds, NUL-ended, whole escapes. */
static void
test_printable_bounds(void **state)
{
	static const char *const inputs[] = {
		"abcdefghijklmnopqrstuvwxyz0123456789",
		"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0e\x0f",
		"a\x01" "b\x02" "c\\d\x7f" "efghijklmnopq\xff\xfe",
	};
	size_t k, cap;

	(void)state;
	for (k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++) {
		char full[256];

		efl_printable(full, sizeof(full), inputs[k],
		    strlen(inputs[k]));
		for (cap = 1; cap <= 8; cap++) {
			char buf[32];
			size_t i, n;

			memset(buf, 0x5a, sizeof(buf));
			efl_printable(buf, cap, inputs[k], strlen(inputs[k]));
			for (i = cap; i < sizeof(buf); i++)
				if ((unsigned char)buf[i] != 0x5a)
					fail_msg("input %zu cap %zu: byte %zu "
					    "written", k, cap, i);
			n = strnlen(buf, cap);
			assert_true(n < cap);
			/* a prefix of the unbounded result, no cut escape */
			assert_memory_equal(buf, full, n);
			assert_true(full[n] != 'x' || n == 0 ||
			    full[n - 1] != '\\');
			for (i = 0; i < n; i++)
				if (buf[i] == '\\')
					assert_true(i + 3 < n);
		}
	}
}

/* The room is used: as many whole characters as fit before the NUL. */
static void
test_printable_uses_room(void **state)
{
	char buf[8];

	(void)state;
	efl_printable(buf, 2, "abcdef", 6);
	assert_string_equal(buf, "a");
	efl_printable(buf, 4, "abcdef", 6);
	assert_string_equal(buf, "abc");
	efl_printable(buf, 7, "abcdef", 6);
	assert_string_equal(buf, "abcdef");
	/* an escape needs 4 bytes plus the NUL */
	efl_printable(buf, 5, "\x01\x02", 2);
	assert_string_equal(buf, "\\x01");
	efl_printable(buf, 4, "\x01", 1);
	assert_string_equal(buf, "");
	efl_printable(buf, 6, "a\x01", 2);
	assert_string_equal(buf, "a\\x01");
	/* an escape that does not fit ends the text there */
	efl_printable(buf, 6, "ab\x01" "c", 4);
	assert_string_equal(buf, "ab");
	efl_printable(buf, 1, "abc", 3);
	assert_string_equal(buf, "");
}

/* cap 0: nothing written at all. */
static void
test_printable_cap_zero(void **state)
{
	char buf[4] = { 'q', 'q', 'q', 'q' };

	(void)state;
	efl_printable(buf, 0, "abc", 3);
	assert_int_equal(buf[0], 'q');
}

static void
test_escape_bounds(void **state)
{
	char out[8];

	(void)state;
	efl_printable(out, sizeof(out), "ab\001cd", 5);
	assert_string_equal(out, "ab\\x01c");
	efl_printable(out, 5, "a\001", 2);
	assert_string_equal(out, "a");   /* never half an escape */
	efl_printable(out, sizeof(out), "\\", 1);
	assert_string_equal(out, "\\x5c");
}

/* Valid UTF-8 is shown as is; a character never splits at the cap. */
static void
test_printable_utf8(void **state)
{
	char out[64];

	(void)state;
	efl_printable(out, sizeof(out), "K\xc3\xbc" "che \xe2\x82\xac", 10);
	assert_string_equal(out, "K\xc3\xbc" "che \xe2\x82\xac");
	efl_printable(out, 3, "\xc3\xbc" "x", 3);
	assert_string_equal(out, "\xc3\xbc");
	efl_printable(out, 4, "a\xe2\x82\xac", 4);
	assert_string_equal(out, "a");          /* the euro sign needs 3 + NUL */
	/* truncated, overlong and surrogate sequences are escaped per byte */
	efl_printable(out, sizeof(out), "\xe2\x82", 2);
	assert_string_equal(out, "\\xe2\\x82");
	efl_printable(out, sizeof(out), "\xc0\xaf", 2);
	assert_string_equal(out, "\\xc0\\xaf");
	efl_printable(out, sizeof(out), "\xed\xa0\x80", 3);
	assert_string_equal(out, "\\xed\\xa0\\x80");
}

/* Controls that reorder or hide text on a terminal are escaped. */
static void
test_printable_bidi_and_c1(void **state)
{
	char out[64];

	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE */
	efl_printable(out, sizeof(out), "a\xe2\x80\xae" "b", 5);
	assert_string_equal(out, "a\\xe2\\x80\\xaeb");
	/* U+2066 LEFT-TO-RIGHT ISOLATE, U+200F RIGHT-TO-LEFT MARK */
	efl_printable(out, sizeof(out), "\xe2\x81\xa6\xe2\x80\x8f", 6);
	assert_string_equal(out, "\\xe2\\x81\\xa6\\xe2\\x80\\x8f");
	/* U+009B, the C1 control sequence introducer */
	efl_printable(out, sizeof(out), "\xc2\x9b" "2J", 4);
	assert_string_equal(out, "\\xc2\\x9b2J");
}

static void
test_text_is_clean(void **state)
{
	(void)state;
	assert_true(efl_text_is_clean("sim-0001", 8));
	assert_true(efl_text_is_clean("K\xc3\xbc" "che", 6));
	assert_true(efl_text_is_clean("", 0));
	assert_false(efl_text_is_clean("a\x1b[31m", 6));
	assert_false(efl_text_is_clean("a\\b", 3));
	assert_false(efl_text_is_clean("\xff", 1));
	assert_false(efl_text_is_clean("\xe2\x80\xae", 3));
}

/* JSON text keeps UTF-8 and ASCII controls (the writer escapes those)
 * and turns invalid bytes into \xNN, so the output is valid UTF-8. */
static void
test_json_text(void **state)
{
	char *j;

	(void)state;
	j = efl_json_text("K\xc3\xbc" "che\t\x01");
	assert_string_equal(j, "K\xc3\xbc" "che\t\x01");
	free(j);
	j = efl_json_text("a\xff" "b\xc3");
	assert_string_equal(j, "a\\xffb\\xc3");
	free(j);
	j = efl_json_text("");
	assert_string_equal(j, "");
	free(j);
}

static void
test_seconds_text(void **state)
{
	char out[EFL_SECONDS_TEXT_LEN];

	(void)state;
	efl_seconds_text(out, 10000);
	assert_string_equal(out, "10");
	efl_seconds_text(out, 300);
	assert_string_equal(out, "0.3");
	efl_seconds_text(out, 2500);
	assert_string_equal(out, "2.5");
	efl_seconds_text(out, 1250);
	assert_string_equal(out, "1.25");
	efl_seconds_text(out, 0);
	assert_string_equal(out, "0");
	efl_seconds_text(out, 4294967295u);
	assert_string_equal(out, "4294967.295");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_escapes),
		cmocka_unit_test(test_printable_trims),
		cmocka_unit_test(test_printable_bounds),
		cmocka_unit_test(test_printable_uses_room),
		cmocka_unit_test(test_printable_cap_zero),
		cmocka_unit_test(test_escape_bounds),
		cmocka_unit_test(test_printable_utf8),
		cmocka_unit_test(test_printable_bidi_and_c1),
		cmocka_unit_test(test_text_is_clean),
		cmocka_unit_test(test_json_text),
		cmocka_unit_test(test_seconds_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
