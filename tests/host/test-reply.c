/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the espota reply parser (src/push/espota-reply.c): byte
 * counts as the devices send them (one per read, merged, split), the final
 * "OK" or error text of both cores (docs/protocol.md 4.3, 4.4), the
 * classification of device texts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "espfleet/espota.h"
#include "espfleet/text.h"

static void
feed(struct efl_reply *r, const char *s, uint64_t sent)
{
	efl_reply_feed(r, s, strlen(s), sent);
}

static void
feed_n(struct efl_reply *r, const char *s, size_t n, uint64_t sent)
{
	efl_reply_feed(r, s, n, sent);
}

/* ---- counts ---- */

/* ESP8266 espota style: one count per read, each read after one chunk. */
static void
test_counts_one_per_read(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 4380);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	assert_int_equal(r.acked, 0);
	feed(&r, "1460", 1460);
	assert_int_equal(r.acked, 1460);
	feed(&r, "1460", 2920);
	assert_int_equal(r.acked, 2920);
	feed(&r, "1460", 4380);
	assert_int_equal(r.acked, 4380);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	assert_int_equal(r.text_len, 0);
	/* ESP8266 sends OK about 1 s later, in its own read */
	feed(&r, "OK", 4380);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.acked, 4380);
}

/* ESP32 reads at most 1460 bytes at a time; counts are any size. */
static void
test_counts_uneven(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 5000);
	feed(&r, "1024", 3000);
	assert_int_equal(r.acked, 1024);
	feed(&r, "436", 3000);
	assert_int_equal(r.acked, 1460);
	feed(&r, "1540", 3000);
	assert_int_equal(r.acked, 3000);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
}

/* Two equal counts merged by TCP, told apart with the sent bound. */
static void
test_counts_merged_equal(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 100000);
	feed(&r, "14601460", 2920);
	assert_int_equal(r.acked, 2920);
	assert_int_equal(r.state, EFL_REPLY_PENDING);

	efl_reply_init(&r, 100000);
	feed(&r, "409640964096", 12288);
	assert_int_equal(r.acked, 12288);

	/* much more in flight: still three counts of 4096, not one number */
	efl_reply_init(&r, 100000);
	feed(&r, "409640964096", 100000);
	assert_int_equal(r.acked, 12288);
}

/* Two different counts merged: split greedily under the sent bound. */
static void
test_counts_merged_unequal(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 10000);
	feed(&r, "1024", 1024);
	feed(&r, "1460512", 2996);
	assert_int_equal(r.acked, 2996);

	efl_reply_init(&r, 10000);
	feed(&r, "1024436", 1460);
	assert_int_equal(r.acked, 1460);
}

/* A merged run that cannot all be true never claims more than was sent. */
static void
test_counts_merged_bounded(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 100000);
	feed(&r, "14601460", 1460);
	assert_true(r.acked <= 1460);
	assert_true(r.acked > 0);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
}

/*
 * Digits of one count split across two reads ("14" then "60"). The parser
 * cannot know a run is unfinished, so it decodes each part; the result is a
 * progress estimate only and must stay within what was sent. The final OK
 * decides, and then acked is the total.
 */
static void
test_counts_split_across_reads(void **state)
{
	struct efl_reply r;
	uint32_t before;

	(void)state;
	efl_reply_init(&r, 2920);
	feed(&r, "14", 1460);
	assert_true(r.acked <= 1460);
	before = r.acked;
	feed(&r, "60", 1460);
	assert_true(r.acked >= before);
	assert_true(r.acked <= 1460);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	assert_int_equal(r.text_len, 0);
	feed(&r, "1", 2920);
	feed(&r, "460", 2920);
	assert_true(r.acked <= 2920);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	feed(&r, "OK", 2920);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.acked, 2920);
}

/* "O" and "K" in separate reads: pending after "O", OK after "K". */
static void
test_ok_split(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 1460);
	feed(&r, "1460", 1460);
	feed(&r, "O", 1460);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	assert_int_equal(r.text_len, 1);
	feed(&r, "K", 1460);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_string_equal(r.text, "OK");
	assert_int_equal(r.acked, 1460);

	/* "1460O" then "K": the count and the O in one read */
	efl_reply_init(&r, 1460);
	feed(&r, "1460O", 1460);
	assert_int_equal(r.acked, 1460);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	feed(&r, "K", 1460);
	assert_int_equal(r.state, EFL_REPLY_OK);
}

/* ESP32 sends OK right after the last count: "1024OK", "392OK" (4.4). */
static void
test_ok_merged_with_count(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 1024);
	feed(&r, "1024OK", 1024);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.acked, 1024);

	/* 2440 = 2 * 1024 + 392, the last chunk short */
	efl_reply_init(&r, 2440);
	feed(&r, "1024", 1024);
	feed(&r, "1024", 2048);
	assert_int_equal(r.acked, 2048);
	feed(&r, "392OK", 2440);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.acked, 2440);

	/* everything in one read */
	efl_reply_init(&r, 2440);
	feed(&r, "10241024392OK", 2440);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.acked, 2440);
}

/* OK before every count was seen still means success, acked = total. */
static void
test_ok_sets_acked_to_total(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 5000);
	feed(&r, "1460", 5000);
	feed(&r, "OK", 5000);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.acked, 5000);
}

/* ---- error texts ---- */

#define ESP8266_MD5_ERR \
	"ERROR[7]: MD5 verification failed: expected: a, calculated: b"

static void
test_esp8266_error_after_counts(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 2920);
	feed(&r, "14601460", 2920);
	assert_int_equal(r.acked, 2920);
	feed(&r, ESP8266_MD5_ERR "\n", 2920);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_true(r.text_complete);
	assert_string_equal(r.text, ESP8266_MD5_ERR);
	assert_int_equal(r.text_len, strlen(ESP8266_MD5_ERR));
	assert_int_equal(r.acked, 2920);
	assert_int_equal(efl_classify_device_text(r.text),
	    EFL_R_IMAGE_INVALID);

	/* count and text in one read */
	efl_reply_init(&r, 2920);
	feed(&r, "1460", 1460);
	feed(&r, "1460" ESP8266_MD5_ERR "\n", 2920);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_true(r.text_complete);
	assert_string_equal(r.text, ESP8266_MD5_ERR);
	assert_int_equal(r.acked, 2920);

	/* premature end on ESP8266: "ERROR[0]: No Error" is a failure too */
	efl_reply_init(&r, 2920);
	feed(&r, "1460ERROR[0]: No Error\n", 1460);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_string_equal(r.text, "ERROR[0]: No Error");
	assert_int_equal(efl_classify_device_text(r.text),
	    EFL_R_DEVICE_ERROR);
}

static void
test_esp32_error_texts(void **state)
{
	struct efl_reply r;
	char shown[64];

	(void)state;
	efl_reply_init(&r, 2048);
	feed(&r, "1024", 1024);
	feed(&r, "1024MD5 Check Failed\r\n", 2048);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_true(r.text_complete);
	assert_string_equal(r.text, "MD5 Check Failed\r");
	efl_printable(shown, sizeof(shown), r.text, r.text_len);
	assert_string_equal(shown, "MD5 Check Failed");
	assert_int_equal(efl_classify_device_text(shown),
	    EFL_R_IMAGE_INVALID);

	efl_reply_init(&r, 2048);
	feed(&r, "Wrong Magic Byte\r\n", 0);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_true(r.text_complete);
	assert_int_equal(r.acked, 0);
	efl_printable(shown, sizeof(shown), r.text, r.text_len);
	assert_string_equal(shown, "Wrong Magic Byte");
	assert_int_equal(efl_classify_device_text(shown),
	    EFL_R_IMAGE_INVALID);
}

/* The text is complete only once its line end arrived. */
static void
test_text_complete_after_newline(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 1000);
	feed(&r, "MD5 Check", 0);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_false(r.text_complete);
	feed(&r, " Failed\r", 0);
	assert_false(r.text_complete);
	assert_string_equal(r.text, "MD5 Check Failed\r");
	feed(&r, "\n", 0);
	assert_true(r.text_complete);
	/* nothing is appended after the line end */
	feed(&r, "more text\n", 0);
	assert_string_equal(r.text, "MD5 Check Failed\r");
	assert_int_equal(r.state, EFL_REPLY_ERROR);

	/* without a newline: never complete, however long the reads */
	efl_reply_init(&r, 1000);
	feed(&r, "Aborted", 0);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_false(r.text_complete);
}

/* An endless text fills the buffer, stays NUL-ended and ends there. */
static void
test_text_overlong(void **state)
{
	struct efl_reply r;
	char big[1000];

	(void)state;
	memset(big, 'E', sizeof(big));
	efl_reply_init(&r, 1000);
	feed_n(&r, big, sizeof(big), 0);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_true(r.text_complete);
	assert_int_equal(r.text_len, EFL_REPLY_TEXT_MAX - 1);
	assert_int_equal(r.text[EFL_REPLY_TEXT_MAX - 1], '\0');
	assert_int_equal(strlen(r.text), EFL_REPLY_TEXT_MAX - 1);
	/* byte by byte too */
	efl_reply_init(&r, 1000);
	{
		size_t i;

		for (i = 0; i < 600; i++)
			feed_n(&r, "x", 1, 0);
	}
	assert_int_equal(r.text_len, EFL_REPLY_TEXT_MAX - 1);
	assert_true(r.text_complete);
}

/* Binary garbage and NULs are an error, never OK. */
static void
test_garbage_is_error(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} cases[] = {
		{ "\0", 1 },
		{ "\0\0\0\0", 4 },
		{ "\x01\x02\xff", 3 },
		{ "\xff", 1 },
		{ "\0OK", 3 },
		{ "O\0K", 3 },
		{ "1460\0OK", 7 },
		{ "\x80OK", 3 },
		{ " OK", 3 },
		{ "ok", 2 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct efl_reply r;

		efl_reply_init(&r, 1460);
		feed_n(&r, cases[i].bytes, cases[i].len, 1460);
		if (r.state != EFL_REPLY_ERROR)
			fail_msg("case %zu: state %d, want ERROR", i,
			    (int)r.state);
		/* and nothing later turns it into OK */
		feed(&r, "OK", 1460);
		assert_int_equal(r.state, EFL_REPLY_ERROR);
		assert_true(r.acked <= 1460);
	}
}

/* "O" followed by anything but "K" is an error. */
/* Line ends between the counts and the OK are skipped, in one read or
 * across reads (found by tests/fuzz: a lone "\n" used to end an empty
 * text, so the OK after it was never read and the upload timed out). */
static void
test_line_end_before_ok(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 1460);
	feed(&r, "1460\n", 1460);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	feed(&r, "OK", 1460);
	assert_int_equal(r.state, EFL_REPLY_OK);

	efl_reply_init(&r, 2920);
	feed(&r, "1460\r\n1460\r\nOK", 2920);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.counted, 2920);

	/* a blank is text: " OK" stays an error (test_garbage_is_error) */
	efl_reply_init(&r, 1460);
	feed(&r, "1460\n MD5 Check Failed\r\n", 1460);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
}

static void
test_o_then_other(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 10);
	feed(&r, "O", 10);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	feed(&r, "X", 10);
	assert_int_equal(r.state, EFL_REPLY_ERROR);

	efl_reply_init(&r, 10);
	feed(&r, "O", 10);
	feed_n(&r, "\0", 1, 10);
	assert_int_equal(r.state, EFL_REPLY_ERROR);

	/* found by tests/fuzz: "O" ended by a line end was neither */
	efl_reply_init(&r, 10);
	feed(&r, "10", 10);
	feed(&r, "O\n", 10);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
}

/*
 * Our rule (docs/protocol.md 4.4, made strict): the device's text after
 * the counts means success iff it STARTS with "OK". So "OKAY" and "OK\r\n"
 * are success; "Not OK", " OK" or "ERROR... OK" are not (no core's error
 * text begins with "OK").
 */
static void
test_ok_prefix_rule(void **state)
{
	static const char *const ok[] = { "OK", "OKAY", "OK\r\n", "OK\n",
	    "1024OKAY", "OKERROR" };
	static const char *const bad[] = { "Not OK", "ERROR[7]: OK", "K",
	    "Oops", "0K" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct efl_reply r;

		efl_reply_init(&r, 1024);
		feed(&r, ok[i], 1024);
		if (r.state != EFL_REPLY_OK)
			fail_msg("'%s' should be OK", ok[i]);
		assert_int_equal(r.acked, 1024);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct efl_reply r;

		efl_reply_init(&r, 1024);
		feed(&r, bad[i], 1024);
		if (r.state != EFL_REPLY_ERROR)
			fail_msg("'%s' should be an error", bad[i]);
	}
}

/* acked is clamped to the image size whatever the device claims. */
static void
test_acked_never_exceeds_total(void **state)
{
	struct efl_reply r;
	int i;

	(void)state;
	efl_reply_init(&r, 100);
	/* a sent larger than the image is clamped too */
	feed(&r, "1460", 5000);
	assert_true(r.acked <= 100);
	for (i = 0; i < 50; i++) {
		feed(&r, "100", 5000);
		assert_true(r.acked <= 100);
	}
	assert_int_equal(r.state, EFL_REPLY_PENDING);

	efl_reply_init(&r, 0);
	feed(&r, "1460", 1460);
	assert_int_equal(r.acked, 0);
	feed(&r, "OK", 0);
	assert_int_equal(r.state, EFL_REPLY_OK);
	assert_int_equal(r.acked, 0);
}

/* A count larger than what was sent cannot be right: bounded by sent. */
static void
test_count_larger_than_sent(void **state)
{
	struct efl_reply r;
	int i;

	(void)state;
	efl_reply_init(&r, 10000);
	feed(&r, "1460", 1000);
	assert_true(r.acked <= 1000);
	assert_int_equal(r.state, EFL_REPLY_PENDING);

	/* nothing sent at all: no progress */
	efl_reply_init(&r, 10000);
	feed(&r, "1460", 0);
	assert_int_equal(r.acked, 0);

	/* everything sent is acked; further counts add nothing */
	efl_reply_init(&r, 10000);
	feed(&r, "1460", 1460);
	assert_int_equal(r.acked, 1460);
	for (i = 0; i < 10; i++) {
		feed(&r, "1", 1460);
		feed(&r, "1460", 1460);
		feed(&r, "1111", 1460);
	}
	assert_int_equal(r.acked, 1460);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
}

/* Batched reads (SO_RCVLOWAT) bring many counts at once, not all of the
 * usual size: the split that matches the usual read most often wins. */
static void
test_batched_counts_with_a_short_read(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 1048576);
	feed(&r, "4096409620964096", 1048576);
	assert_int_equal(r.acked, 4096 * 3 + 2096);
	feed(&r, "409640964096409640964096409640964096409640964096",
	    1048576);
	assert_int_equal(r.acked, 4096 * 15 + 2096);
	/* the device's read size changes: a run that matches nothing */
	feed(&r, "1460", 1048576);
	assert_int_equal(r.acked, 4096 * 15 + 2096 + 1460);
	feed(&r, "14601460146014601460", 1048576);
	assert_int_equal(r.acked, 4096 * 15 + 2096 + 1460 * 6);
	/* the short last read, merged */
	feed(&r, "1460146014601460512", 1048576);
	assert_int_equal(r.acked, 4096 * 15 + 2096 + 1460 * 10 + 512);
}

/* ESP32 window model: reads alternate 4096 and 1648 bytes (5744 per round
 * trip). "409" + "61648" matches as often and as few; the cautious total
 * wins. */
static void
test_batched_alternating_reads(void **state)
{
	struct efl_reply r;
	char run[161];
	unsigned i;

	(void)state;
	for (i = 0; i < 20; i++)
		memcpy(run + 8 * i, "40961648", 8);
	run[160] = '\0';
	efl_reply_init(&r, 1048576);
	feed(&r, run, 1048576);
	assert_int_equal(r.acked, 5744 * 20);
}

/* One count per read is the common case, even when its digits repeat. */
static void
test_single_counts_with_repeated_digits(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 100000);
	feed(&r, "1010", 5000);
	assert_int_equal(r.acked, 1010);
	feed(&r, "1111", 5000);
	assert_int_equal(r.acked, 2121);
	/* two merged 1460s: more than one read can hold */
	efl_reply_init(&r, 10000000);
	feed(&r, "14601460", 10000000);
	assert_int_equal(r.acked, 2920);
}

/*
 * A device that takes in more than 64 KiB in one read (the stock
 * ArduinoOTA under the ESP8266 core's host emulation read a whole
 * 307200-byte image at once) sends one large count. Read as one count when
 * it acknowledges everything sent so far, or once the device has shown it
 * reads that much; never split into small counts ("307" + "200").
 */
static void
test_count_above_64k(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 307200);
	feed(&r, "307200", 307200);
	assert_int_equal(r.acked, 307200);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	/* then the upload fails: the bytes reported are all 307200 */
	feed(&r, "Error[4]: End Failed\n", 307200);
	assert_int_equal(r.state, EFL_REPLY_ERROR);
	assert_int_equal(r.acked, 307200);

	/* a device known to read that much: later big counts are believed
	 * while more is in flight */
	efl_reply_init(&r, 1000000);
	feed(&r, "307200", 307200);
	assert_int_equal(r.acked, 307200);
	feed(&r, "307200", 700000);
	assert_int_equal(r.acked, 614400);
	feed(&r, "307200307200", 1000000);
	assert_int_equal(r.acked, 1000000);

	/* a small count merged with a short one stays two counts, however
	 * much is in flight (the cautious reading) */
	efl_reply_init(&r, 3000000);
	feed(&r, "1460146", 3000000);
	assert_int_equal(r.acked, 1606);

	/* counts of the usual read size stay such counts even when, read
	 * as one number, they would be exactly what is unacked */
	efl_reply_init(&r, 20000000);
	feed(&r, "1460", 1460);
	assert_int_equal(r.acked, 1460);
	feed(&r, "14601460", 1460 + 14601460);
	assert_int_equal(r.acked, 1460 * 3);
}

/* Counts alone never end the reply, even if they add up to the total. */
static void
test_counts_never_decide(void **state)
{
	struct efl_reply r;

	(void)state;
	efl_reply_init(&r, 1460);
	feed(&r, "1460", 1460);
	assert_int_equal(r.acked, 1460);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
	assert_false(r.text_complete);
	feed(&r, "", 1460);
	assert_int_equal(r.state, EFL_REPLY_PENDING);
}

/* ---- classification ---- */

static void
test_classify(void **state)
{
	static const struct {
		const char *text;
		enum efl_result_code code;
	} cases[] = {
		{ "Authentication Failed", EFL_R_AUTH_FAILED },
		{ "ERROR[4]: Not Enough Space", EFL_R_NO_SPACE },
		{ "Not Enough Space", EFL_R_NO_SPACE },
		{ "Magic byte is not 0xE9", EFL_R_IMAGE_INVALID },
		{ "ERROR[10]: Magic byte is not 0xE9", EFL_R_IMAGE_INVALID },
		{ "Wrong Magic Byte", EFL_R_IMAGE_INVALID },
		{ "new Flash config wrong, real size: 1", EFL_R_IMAGE_INVALID },
		{ "Bad Size Given", EFL_R_NO_SPACE },
		{ "ERROR[5]: Bad Size Given: shorter than an image header",
		    EFL_R_IMAGE_INVALID },
		{ "MD5 Check Failed", EFL_R_IMAGE_INVALID },
		{ ESP8266_MD5_ERR, EFL_R_IMAGE_INVALID },
		{ "update window closed, arm the device first",
		    EFL_R_DEVICE_ERROR },
		{ "Update already running", EFL_R_DEVICE_ERROR },
		{ "Aborted", EFL_R_DEVICE_ERROR },
		{ "the quick brown fox", EFL_R_DEVICE_ERROR },
		{ "", EFL_R_DEVICE_ERROR },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum efl_result_code got =
		    efl_classify_device_text(cases[i].text);

		if (got != cases[i].code)
			fail_msg("'%s': got %s, want %s", cases[i].text,
			    efl_result_code_name(got),
			    efl_result_code_name(cases[i].code));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_counts_with_repeated_digits),
		cmocka_unit_test(test_batched_counts_with_a_short_read),
		cmocka_unit_test(test_batched_alternating_reads),
		cmocka_unit_test(test_counts_one_per_read),
		cmocka_unit_test(test_counts_uneven),
		cmocka_unit_test(test_counts_merged_equal),
		cmocka_unit_test(test_counts_merged_unequal),
		cmocka_unit_test(test_counts_merged_bounded),
		cmocka_unit_test(test_counts_split_across_reads),
		cmocka_unit_test(test_ok_split),
		cmocka_unit_test(test_ok_merged_with_count),
		cmocka_unit_test(test_ok_sets_acked_to_total),
		cmocka_unit_test(test_esp8266_error_after_counts),
		cmocka_unit_test(test_esp32_error_texts),
		cmocka_unit_test(test_text_complete_after_newline),
		cmocka_unit_test(test_text_overlong),
		cmocka_unit_test(test_garbage_is_error),
		cmocka_unit_test(test_line_end_before_ok),
		cmocka_unit_test(test_o_then_other),
		cmocka_unit_test(test_ok_prefix_rule),
		cmocka_unit_test(test_acked_never_exceeds_total),
		cmocka_unit_test(test_count_larger_than_sent),
		cmocka_unit_test(test_count_above_64k),
		cmocka_unit_test(test_counts_never_decide),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
