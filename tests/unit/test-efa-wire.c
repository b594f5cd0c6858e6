/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the espota datagram codec (efa_wire.h) against docs/protocol.md
 * 2.2 (invitation parsing, malformed and tolerated forms) and 3.1 step 5
 * (the "200" auth datagram), plus format -> parse round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "efa/efa_util.h"
#include "efa/efa_wire.h"

#define MD5A "8e3f1c2a9b4d5e6f708192a3b4c5d6e7"
#define MD5U "8E3F1C2A9B4D5E6F708192A3B4C5D6E7"
#define HEX32A "fedcba9876543210fedcba9876543210"
#define HEX32B "199cd366606a4c7b55e82b1277ecd8ec"
#define HEX64A "fedcba9876543210fedcba9876543210" \
	"fedcba9876543210fedcba9876543210"
#define HEX64B "f2c591596d5b9942c3f15cb8290866f4" \
	"676fc5eec1bba3b040a91f92474fa114"

/* Parse a string literal (which may hold NULs) as one datagram. */
#define PARSE_INV(lit, inv) \
	efa_wire_parse_invitation((const uint8_t *)(lit), sizeof(lit) - 1, \
	    (inv))
#define PARSE_AUTH(lit, want, msg) \
	efa_wire_parse_auth((const uint8_t *)(lit), sizeof(lit) - 1, \
	    (want), (msg))

static void
check_inv(const struct efa_invitation *inv, int32_t cmd, uint16_t port,
    int32_t size, const char *md5)
{
	assert_int_equal(inv->cmd, cmd);
	assert_int_equal(inv->port, port);
	assert_int_equal(inv->size, size);
	assert_string_equal(inv->md5, md5);
}

/* -------------------------------------------------- invitation: accepted */

static void
test_inv_canonical(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("0 51234 312336 " MD5A "\n", &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 0, 51234, 312336, MD5A);
	assert_int_equal(PARSE_INV("100 10000 65536 " MD5A "\n", &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 100, 10000, 65536, MD5A);
}

static void
test_inv_no_trailing_newline(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("0 51234 312336 " MD5A, &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 0, 51234, 312336, MD5A);
}

static void
test_inv_crlf_tolerated(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("0 51234 312336 " MD5A "\r\n", &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 0, 51234, 312336, MD5A);
}

static void
test_inv_leading_spaces(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("   0 51234 312336 " MD5A "\n", &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 0, 51234, 312336, MD5A);
}

static void
test_inv_multiple_spaces(void **state)
{
	struct efa_invitation inv;

	(void)state;
	/* integers skip any run of spaces; after the size exactly one
	 * separator is consumed and the md5 field is then trimmed */
	assert_int_equal(PARSE_INV("100    51234     312336    " MD5A
	    "   \n", &inv), EFA_WIRE_OK);
	check_inv(&inv, 100, 51234, 312336, MD5A);
}

static void
test_inv_md5_trimmed(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("0 1 2 \t\v\f " MD5A " \t\r\n", &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 0, 1, 2, MD5A);
	/* trailing whitespace without any newline */
	assert_int_equal(PARSE_INV("0 1 2 " MD5A "\r\r  ", &inv), EFA_WIRE_OK);
	check_inv(&inv, 0, 1, 2, MD5A);
}

static void
test_inv_md5_case_kept(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("0 1 2 " MD5U "\n", &inv), EFA_WIRE_OK);
	check_inv(&inv, 0, 1, 2, MD5U);
}

static void
test_inv_md5_not_validated_here(void **state)
{
	struct efa_invitation inv;

	(void)state;
	/* 32 chars that are not hex still parse (docs/protocol.md 2.2) */
	assert_int_equal(PARSE_INV("0 1 2 zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n",
	    &inv), EFA_WIRE_OK);
	check_inv(&inv, 0, 1, 2, "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	/* an inner space is part of the 32 */
	assert_int_equal(PARSE_INV("0 1 2 0123456789abcdef 123456789abcdef\n",
	    &inv), EFA_WIRE_OK);
	check_inv(&inv, 0, 1, 2, "0123456789abcdef 123456789abcdef");
}

static void
test_inv_text_after_newline_ignored(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("0 1 2 " MD5A "\nsecond line junk", &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 0, 1, 2, MD5A);
	/* the md5 also ends at a NUL */
	assert_int_equal(PARSE_INV("0 1 2 " MD5A "\0junk after nul", &inv),
	    EFA_WIRE_OK);
	check_inv(&inv, 0, 1, 2, MD5A);
}

static void
test_inv_port_limits(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("0 1 2 " MD5A "\n", &inv), EFA_WIRE_OK);
	assert_int_equal(inv.port, 1);
	assert_int_equal(PARSE_INV("0 65535 2 " MD5A "\n", &inv), EFA_WIRE_OK);
	assert_int_equal(inv.port, 65535);
	assert_int_equal(PARSE_INV("0 0 2 " MD5A "\n", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 65536 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 99999 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 4294967297 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
}

static void
test_inv_size_limits(void **state)
{
	struct efa_invitation inv;

	(void)state;
	/* size 0 parses (the agent refuses it later with ERROR[5]) */
	assert_int_equal(PARSE_INV("0 1 0 " MD5A "\n", &inv), EFA_WIRE_OK);
	assert_int_equal(inv.size, 0);
	assert_int_equal(PARSE_INV("0 1 2147483647 " MD5A "\n", &inv),
	    EFA_WIRE_OK);
	assert_int_equal(inv.size, 2147483647);
	assert_int_equal(PARSE_INV("0 1 2147483648 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 1 4294967295 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 1 4294967296 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 1 9999999999 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
}

static void
test_inv_huge_numbers(void **state)
{
	struct efa_invitation inv;

	(void)state;
	/* more than 15 digits, and far beyond INT32_MAX */
	assert_int_equal(PARSE_INV("0 1 12345678901234567890 " MD5A "\n",
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 123456789012345678901234 2 " MD5A "\n",
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("100000000000000000000 1 2 " MD5A "\n",
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("4294967296 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	/* 2^32 + 100 must not wrap to cmd 100 (atoi would be UB anyway) */
	assert_int_equal(PARSE_INV("4294967396 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	/* 15 digits with leading zeros still fit */
	assert_int_equal(PARSE_INV("000000000000100 000000000051234 "
	    "000000000312336 " MD5A "\n", &inv), EFA_WIRE_OK);
	check_inv(&inv, 100, 51234, 312336, MD5A);
}

static void
test_inv_negative_size(void **state)
{
	struct efa_invitation inv;

	(void)state;
	/* '-' is not a digit: the size reads as 0 and the '-' is the one
	 * consumed separator, so "-5 <md5>" leaves "5 <md5>" (34 chars) as
	 * the md5 field and the datagram is ignored, as on stock devices */
	assert_int_equal(PARSE_INV("0 1234 -5 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	/* a lone '-' as separator: size 0 with a valid md5 */
	memset(&inv, 0x55, sizeof(inv));
	assert_int_equal(PARSE_INV("0 1234 -" MD5A "\n", &inv), EFA_WIRE_OK);
	check_inv(&inv, 0, 1234, 0, MD5A);
	/* negative port never becomes valid */
	assert_int_equal(PARSE_INV("0 -1234 5 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
}

/* -------------------------------------------------- invitation: ignored */

static void
test_inv_bad_commands(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(PARSE_INV("200 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("1 1 2 " MD5A "\n", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("999 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("99 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("101 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("1000 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("2147483647 1 2 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	/* leading zeros are fine: 0100 is 100 */
	assert_int_equal(PARSE_INV("0100 1 2 " MD5A "\n", &inv), EFA_WIRE_OK);
	assert_int_equal(inv.cmd, 100);
	assert_int_equal(PARSE_INV("00 1 2 " MD5A "\n", &inv), EFA_WIRE_OK);
	assert_int_equal(inv.cmd, 0);
}

static void
test_inv_md5_wrong_length(void **state)
{
	struct efa_invitation inv;

	(void)state;
	/* 31 and 33 chars */
	assert_int_equal(PARSE_INV("0 1 2 8e3f1c2a9b4d5e6f708192a3b4c5d6e\n",
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 1 2 " MD5A "0\n", &inv),
	    EFA_WIRE_IGNORE);
	/* a 64-char (SHA-256 sized) hash */
	assert_int_equal(PARSE_INV("0 1 2 " MD5A MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	/* empty or missing md5 */
	assert_int_equal(PARSE_INV("0 1 2 \n", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 1 2", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 1 2 ", &inv), EFA_WIRE_IGNORE);
	/* no separator before the md5: the size swallows its leading '8'
	 * and 'e' becomes the separator, leaving 30 chars */
	assert_int_equal(PARSE_INV("0 1 2" MD5A "\n", &inv), EFA_WIRE_IGNORE);
	/* md5 cut by a NUL or a newline */
	assert_int_equal(PARSE_INV("0 1 2 8e3f1c2a9b4d5e6f\0"
	    "708192a3b4c5d6e7\n", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 1 2 8e3f1c2a9b4d5e6f\n"
	    "708192a3b4c5d6e7\n", &inv), EFA_WIRE_IGNORE);
}

static void
test_inv_empty_and_short(void **state)
{
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(efa_wire_parse_invitation((const uint8_t *)"", 0,
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("\n", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV(" ", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 ", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 51234", &inv), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("0 51234 312336", &inv), EFA_WIRE_IGNORE);
	/* the length argument is honoured: a valid invitation cut short */
	{
		static const char full[] = "0 51234 312336 " MD5A "\n";
		size_t n;

		for (n = 0; n < sizeof(full) - 2; n++)
			assert_int_equal(efa_wire_parse_invitation(
			    (const uint8_t *)full, n, &inv), EFA_WIRE_IGNORE);
		assert_int_equal(efa_wire_parse_invitation(
		    (const uint8_t *)full, sizeof(full) - 2, &inv),
		    EFA_WIRE_OK);
	}
}

static void
test_inv_binary_garbage(void **state)
{
	static const uint8_t garbage[] = {
		0xff, 0x00, 0xe9, 0x1f, 0x8b, 0x80, 0x7f, 0x0a, 0x0d, 0x20,
		0x30, 0x20, 0x31, 0x20, 0x32, 0x20, 0xfe, 0xfd
	};
	struct efa_invitation inv;
	uint8_t buf[80];
	uint32_t x = 12345;
	size_t i, n;

	(void)state;
	assert_int_equal(efa_wire_parse_invitation(garbage, sizeof(garbage),
	    &inv), EFA_WIRE_IGNORE);
	/* tabs are not skipped before integers */
	assert_int_equal(PARSE_INV("0\t51234 312336 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	/* an embedded NUL among the numbers */
	assert_int_equal(PARSE_INV("0 51\0" "234 312336 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_INV("\0" "0 51234 312336 " MD5A "\n", &inv),
	    EFA_WIRE_IGNORE);
	/* pseudo-random bytes of every length: never accepted, never a
	 * crash (ASan watches the reads) */
	for (n = 0; n <= sizeof(buf); n++) {
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		assert_int_equal(efa_wire_parse_invitation(buf, n, &inv),
		    EFA_WIRE_IGNORE);
	}
}

static void
test_inv_not_reading_past_len(void **state)
{
	/* the buffer continues past len with what would complete the
	 * invitation; the parser must stop at len */
	static const char buf[] = "0 51234 312336 " MD5A "\n";
	struct efa_invitation inv;

	(void)state;
	assert_int_equal(efa_wire_parse_invitation((const uint8_t *)buf, 9,
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(efa_wire_parse_invitation((const uint8_t *)buf, 15,
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(efa_wire_parse_invitation((const uint8_t *)buf, 46,
	    &inv), EFA_WIRE_IGNORE);
	assert_int_equal(efa_wire_parse_invitation((const uint8_t *)buf, 47,
	    &inv), EFA_WIRE_OK);
}

/* -------------------------------------------------------- auth datagram */

static void
test_auth_md5_ok(void **state)
{
	struct efa_auth_msg msg;

	(void)state;
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B "\n", 32, &msg),
	    EFA_WIRE_OK);
	assert_string_equal(msg.cnonce, HEX32A);
	assert_string_equal(msg.response, HEX32B);
	assert_int_equal(msg.cnonce_len, 32);
	assert_int_equal(msg.response_len, 32);
	/* without the newline */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B, 32, &msg),
	    EFA_WIRE_OK);
	assert_string_equal(msg.response, HEX32B);
	/* leading spaces before the command are skipped like parseInt() */
	assert_int_equal(PARSE_AUTH("  200 " HEX32A " " HEX32B "\n", 32,
	    &msg), EFA_WIRE_OK);
	/* the response ends at NUL too */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B "\0xyz", 32,
	    &msg), EFA_WIRE_OK);
	assert_string_equal(msg.response, HEX32B);
}

static void
test_auth_sha256_ok(void **state)
{
	struct efa_auth_msg msg;

	(void)state;
	assert_int_equal(PARSE_AUTH("200 " HEX64A " " HEX64B "\n", 64, &msg),
	    EFA_WIRE_OK);
	assert_string_equal(msg.cnonce, HEX64A);
	assert_string_equal(msg.response, HEX64B);
	assert_int_equal(msg.cnonce_len, 64);
	assert_int_equal(msg.response_len, 64);
}

static void
test_auth_exact_lengths(void **state)
{
	struct efa_auth_msg msg;

	(void)state;
	/* 32-char fields against a 64-char scheme and vice versa (the old
	 * host vs. new device incompatibility of docs/protocol.md 3.3) */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B "\n", 64, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX64A " " HEX64B "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	/* one field right, the other 31 or 33 */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " "
	    "199cd366606a4c7b55e82b1277ecd8e\n", 32, &msg), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B "0\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 fedcba9876543210fedcba987654321 "
	    HEX32B "\n", 32, &msg), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX32A "0 " HEX32B "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	/* unusable want_len */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B "\n", 0, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B "\n", 65, &msg),
	    EFA_WIRE_IGNORE);
}

static void
test_auth_crlf_not_tolerated(void **state)
{
	struct efa_auth_msg msg;

	(void)state;
	/* the response is read to '\n' untrimmed: the '\r' makes it 33 */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B "\r\n", 32,
	    &msg), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX64A " " HEX64B "\r\n", 64,
	    &msg), EFA_WIRE_IGNORE);
	/* nor trailing spaces */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " " HEX32B " \n", 32,
	    &msg), EFA_WIRE_IGNORE);
}

static void
test_auth_wrong_command(void **state)
{
	struct efa_auth_msg msg;

	(void)state;
	assert_int_equal(PARSE_AUTH("0 " HEX32A " " HEX32B "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("100 " HEX32A " " HEX32B "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("201 " HEX32A " " HEX32B "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("2000 " HEX32A " " HEX32B "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	/* 2^32 + 200 must not wrap to 200 */
	assert_int_equal(PARSE_AUTH("4294967496 " HEX32A " " HEX32B "\n", 32,
	    &msg), EFA_WIRE_IGNORE);
	/* a re-sent invitation is not an auth datagram */
	assert_int_equal(PARSE_AUTH("0 51234 312336 " MD5A "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
}

static void
test_auth_missing_parts(void **state)
{
	struct efa_auth_msg msg;

	(void)state;
	assert_int_equal(efa_wire_parse_auth((const uint8_t *)"", 0, 32, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200", 32, &msg), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 ", 32, &msg), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX32A, 32, &msg), EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX32A " ", 32, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX32A " \n", 32, &msg),
	    EFA_WIRE_IGNORE);
	assert_int_equal(PARSE_AUTH("200 " HEX32A "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	/* two separators: the cnonce field is then empty */
	assert_int_equal(PARSE_AUTH("200  " HEX32A " " HEX32B "\n", 32, &msg),
	    EFA_WIRE_IGNORE);
	/* a NUL in the response shortens it */
	assert_int_equal(PARSE_AUTH("200 " HEX32A " 199cd366606a4c7b\0"
	    "55e82b1277ecd8ec\n", 32, &msg), EFA_WIRE_IGNORE);
}

static void
test_auth_binary_garbage(void **state)
{
	struct efa_auth_msg msg;
	uint8_t buf[140];
	uint32_t x = 777;
	size_t i, n;

	(void)state;
	for (n = 0; n <= sizeof(buf); n++) {
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		assert_int_equal(efa_wire_parse_auth(buf, n, 32, &msg),
		    EFA_WIRE_IGNORE);
		assert_int_equal(efa_wire_parse_auth(buf, n, 64, &msg),
		    EFA_WIRE_IGNORE);
	}
}

/* ------------------------------------------------------------ formatting */

static void
test_format_invitation(void **state)
{
	char out[EFA_INVITATION_MAX];
	size_t n;

	(void)state;
	n = efa_wire_format_invitation(out, sizeof(out), 0, 51234, 312336,
	    MD5A);
	assert_string_equal(out, "0 51234 312336 " MD5A "\n");
	assert_int_equal(n, strlen(out));
	n = efa_wire_format_invitation(out, sizeof(out), 100, 65535,
	    2147483647u, MD5A);
	assert_string_equal(out, "100 65535 2147483647 " MD5A "\n");
	assert_int_equal(n, strlen(out));
	/* too small a buffer, negative command */
	assert_int_equal(efa_wire_format_invitation(out,
	    EFA_INVITATION_MAX - 1, 0, 1, 1, MD5A), 0);
	assert_int_equal(efa_wire_format_invitation(out, sizeof(out), -1, 1,
	    1, MD5A), 0);
}

static void
test_format_invitation_round_trip(void **state)
{
	static const int cmds[] = { 0, 100 };
	static const uint16_t ports[] = { 1, 8266, 10000, 51234, 60000,
	    65535 };
	static const uint32_t sizes[] = { 0, 1, 1024, 1460, 312336,
	    1048576, 2147483647u };
	struct efa_invitation inv;
	char out[EFA_INVITATION_MAX];
	size_t c, p, s, n;

	(void)state;
	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		for (p = 0; p < sizeof(ports) / sizeof(ports[0]); p++)
			for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]);
			    s++) {
				n = efa_wire_format_invitation(out,
				    sizeof(out), cmds[c], ports[p], sizes[s],
				    MD5A);
				assert_true(n > 0 && n < sizeof(out));
				assert_int_equal(efa_wire_parse_invitation(
				    (const uint8_t *)out, n, &inv),
				    EFA_WIRE_OK);
				check_inv(&inv, cmds[c], ports[p],
				    (int32_t)sizes[s], MD5A);
			}
	/* a size beyond INT32_MAX formats, but a device ignores it */
	n = efa_wire_format_invitation(out, sizeof(out), 0, 1, 4294967295u,
	    MD5A);
	assert_string_equal(out, "0 1 4294967295 " MD5A "\n");
	assert_int_equal(efa_wire_parse_invitation((const uint8_t *)out, n,
	    &inv), EFA_WIRE_IGNORE);
}

static void
test_format_auth(void **state)
{
	char out[EFA_AUTH_MSG_MAX];
	struct efa_auth_msg msg;
	size_t n;

	(void)state;
	n = efa_wire_format_auth(out, sizeof(out), HEX32A, HEX32B);
	assert_string_equal(out, "200 " HEX32A " " HEX32B "\n");
	assert_int_equal(n, 4 + 32 + 1 + 32 + 1);
	assert_int_equal(efa_wire_parse_auth((const uint8_t *)out, n, 32,
	    &msg), EFA_WIRE_OK);
	assert_string_equal(msg.cnonce, HEX32A);
	assert_string_equal(msg.response, HEX32B);

	n = efa_wire_format_auth(out, sizeof(out), HEX64A, HEX64B);
	assert_string_equal(out, "200 " HEX64A " " HEX64B "\n");
	assert_int_equal(n, 4 + 64 + 1 + 64 + 1);
	assert_true(n < EFA_AUTH_MSG_MAX);
	assert_int_equal(efa_wire_parse_auth((const uint8_t *)out, n, 64,
	    &msg), EFA_WIRE_OK);
	assert_string_equal(msg.cnonce, HEX64A);
	assert_string_equal(msg.response, HEX64B);
}

static void
test_format_auth_limits(void **state)
{
	char out[EFA_AUTH_MSG_MAX];
	size_t need = 4 + 32 + 1 + 32 + 1 + 1;

	(void)state;
	/* exactly enough room, one byte short */
	assert_int_equal(efa_wire_format_auth(out, need, HEX32A, HEX32B),
	    need - 1);
	assert_int_equal(out[need - 1], '\0');
	assert_int_equal(efa_wire_format_auth(out, need - 1, HEX32A, HEX32B),
	    0);
	/* fields longer than a nonce can be */
	assert_int_equal(efa_wire_format_auth(out, sizeof(out), HEX64A "0",
	    HEX64B), 0);
	assert_int_equal(efa_wire_format_auth(out, sizeof(out), HEX64A,
	    HEX64B "0"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inv_canonical),
		cmocka_unit_test(test_inv_no_trailing_newline),
		cmocka_unit_test(test_inv_crlf_tolerated),
		cmocka_unit_test(test_inv_leading_spaces),
		cmocka_unit_test(test_inv_multiple_spaces),
		cmocka_unit_test(test_inv_md5_trimmed),
		cmocka_unit_test(test_inv_md5_case_kept),
		cmocka_unit_test(test_inv_md5_not_validated_here),
		cmocka_unit_test(test_inv_text_after_newline_ignored),
		cmocka_unit_test(test_inv_port_limits),
		cmocka_unit_test(test_inv_size_limits),
		cmocka_unit_test(test_inv_huge_numbers),
		cmocka_unit_test(test_inv_negative_size),
		cmocka_unit_test(test_inv_bad_commands),
		cmocka_unit_test(test_inv_md5_wrong_length),
		cmocka_unit_test(test_inv_empty_and_short),
		cmocka_unit_test(test_inv_binary_garbage),
		cmocka_unit_test(test_inv_not_reading_past_len),
		cmocka_unit_test(test_auth_md5_ok),
		cmocka_unit_test(test_auth_sha256_ok),
		cmocka_unit_test(test_auth_exact_lengths),
		cmocka_unit_test(test_auth_crlf_not_tolerated),
		cmocka_unit_test(test_auth_wrong_command),
		cmocka_unit_test(test_auth_missing_parts),
		cmocka_unit_test(test_auth_binary_garbage),
		cmocka_unit_test(test_format_invitation),
		cmocka_unit_test(test_format_invitation_round_trip),
		cmocka_unit_test(test_format_auth),
		cmocka_unit_test(test_format_auth_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
