/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the output renderers (src/output): --json emits one valid
 * JSON object per line with "v":1 and "event", the documented fields and
 * stable error codes; the plain and terminal renderers print the documented
 * lines and no escape sequence other than their own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/output/output-impl.h"
#include "espfleet/common.h"
#include "espfleet/text.h"
#include "espfleet/image.h"
#include "espfleet/output.h"
#include "espfleet/serve.h"

/* ---- capture ---- */

struct cap {
	struct efl_out *o;
	FILE *fp;
	char *buf;
	size_t len;
};

static void
cap_open(struct cap *c, enum efl_out_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->fp = open_memstream(&c->buf, &c->len);
	assert_non_null(c->fp);
	c->o = efl_out_new(mode, "push");
	c->o->fp = c->fp;
	c->o->color = 0;
}

/* Close the renderer; c->buf then holds everything it wrote. */
static void
cap_close(struct cap *c)
{
	efl_out_free(c->o);
	fclose(c->fp);
	c->o = NULL;
	c->fp = NULL;
}

static void
row_init(struct efl_push_row *r, const char *label, const char *target)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->label, sizeof(r->label), "%s", label);
	snprintf(r->target, sizeof(r->target), "%s", target);
	snprintf(r->addr, sizeof(r->addr), "192.0.2.10");
	r->port = 8266;
	r->total = 307200;
	r->verified = -1;
}

/* A finished row: started at 1000 ms, took ms. */
static void
row_finish(struct efl_push_row *r, int ok, enum efl_result_code code,
    const char *message, uint64_t ms)
{
	r->attempts = 1;
	r->started_ms = 1000;
	r->attempt_started_ms = 1000;
	r->finished_ms = 1000 + ms;
	r->finished = 1;
	r->phase = EFL_PHASE_DONE;
	r->ok = ok;
	r->code = code;
	snprintf(r->message, sizeof(r->message), "%s", message);
	r->bytes = ok ? r->total : 0;
}

/* ---- JSON lines ---- */

static double
unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const stable_codes[] = {
	"no-answer", "auth-failed", "device-error", "connect-timeout",
	"transfer-failed", "image-invalid", "no-space", "verify-failed",
	"not-back", "canceled", "rolled-back", "signature-invalid",
	"halted",
};

static int
is_stable_code(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(stable_codes) / sizeof(stable_codes[0]); i++)
		if (strcmp(s, stable_codes[i]) == 0)
			return 1;
	return 0;
}

/* Split buf into lines (each must end with '\n') and parse every one. */
static size_t
parse_lines(char *buf, size_t len, cJSON **objs, size_t max)
{
	size_t n = 0;
	char *p = buf, *end = buf + len;

	assert_true(len > 0);
	assert_int_equal(buf[len - 1], '\n');
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = NULL;
		cJSON *v;

		assert_non_null(nl);
		*nl = '\0';
		assert_true(n < max);
		v = cJSON_ParseWithOpts(p, &stop, 1);
		if (v == NULL)
			fail_msg("line %zu is not JSON: %s", n + 1, p);
		if (!cJSON_IsObject(v))
			fail_msg("line %zu is not an object: %s", n + 1, p);
		objs[n++] = v;
		p = nl + 1;
	}
	return n;
}

static const cJSON *
field(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);

	if (f == NULL)
		fail_msg("no field '%s'", name);
	return f;
}

static const char *
str_field(const cJSON *o, const char *name)
{
	const cJSON *f = field(o, name);

	if (!cJSON_IsString(f))
		fail_msg("field '%s' is not a string", name);
	return f->valuestring;
}

static double
num_field(const cJSON *o, const char *name)
{
	const cJSON *f = field(o, name);

	if (!cJSON_IsNumber(f))
		fail_msg("field '%s' is not a number", name);
	return f->valuedouble;
}

static int
bool_field(const cJSON *o, const char *name)
{
	const cJSON *f = field(o, name);

	if (!cJSON_IsBool(f))
		fail_msg("field '%s' is not a boolean", name);
	return cJSON_IsTrue(f);
}

/* Every line: "v":1 and the expected event name. */
static void
check_event(const cJSON *o, const char *event)
{
	assert_true(num_field(o, "v") == 1);
	assert_string_equal(str_field(o, "event"), event);
}

static void
check_result_shape(const cJSON *o)
{
	const cJSON *err = field(o, "error"), *ver = field(o, "verified");

	check_event(o, "result");
	(void)str_field(o, "target");
	(void)str_field(o, "name");
	(void)str_field(o, "addr");
	(void)num_field(o, "port");
	(void)bool_field(o, "ok");
	(void)bool_field(o, "skipped");
	(void)str_field(o, "message");
	assert_true(num_field(o, "bytes") >= 0);
	assert_true(num_field(o, "seconds") >= 0);
	(void)num_field(o, "attempts");
	assert_true(cJSON_IsNull(err) ||
	    (cJSON_IsString(err) && is_stable_code(err->valuestring)));
	assert_true(cJSON_IsNull(ver) || cJSON_IsBool(ver));
	assert_true(cJSON_IsNull(field(o, "started_at")) ||
	    cJSON_IsNumber(field(o, "started_at")));
	assert_true(cJSON_IsNull(field(o, "upload_started_at")) ||
	    cJSON_IsNumber(field(o, "upload_started_at")));
	/* a success has no error; a failure has one */
	if (bool_field(o, "ok"))
		assert_true(cJSON_IsNull(err));
	else if (!bool_field(o, "skipped"))
		assert_true(cJSON_IsString(err));
}

/* The result codes are a contract: names never change. */
static void
test_codes_stable(void **state)
{
	size_t i;

	(void)state;
	assert_null(efl_result_code_name(EFL_R_OK));
	assert_int_equal(EFL_R__COUNT - 1,
	    sizeof(stable_codes) / sizeof(stable_codes[0]));
	for (i = 1; i < EFL_R__COUNT; i++)
		assert_string_equal(efl_result_code_name(
		    (enum efl_result_code)i), stable_codes[i - 1]);
}

static void
test_json_all_events(void **state)
{
	static const char *const events[] = { "start", "state", "state",
	    "retry", "result", "result", "result", "notice", "summary" };
	struct cap c;
	struct efl_push_row ok, bad, skip;
	struct efl_push_summary s;
	cJSON *objs[16];
	size_t n, i;

	(void)state;
	cap_open(&c, EFL_OUT_JSON);
	assert_int_equal(efl_out_mode(c.o), EFL_OUT_JSON);
	efl_out_push_begin(c.o, "app.bin", 307200,
	    "8e3f1c2a9b4d5e6f708192a3b4c5d6e7", 0, 3, "espota");
	row_init(&ok, "kitchen", "192.0.2.10");
	ok.attempts = 1;
	ok.phase = EFL_PHASE_INVITING;
	efl_out_push_phase(c.o, &ok);
	ok.phase = EFL_PHASE_UPLOADING;
	efl_out_push_phase(c.o, &ok);
	row_init(&bad, "garage", "192.0.2.11:3232");
	bad.port = 3232;
	bad.attempts = 1;
	efl_out_push_retry(c.o, &bad, EFL_R_NO_ANSWER,
	    "no answer to the invitation", 1000, 2);
	row_finish(&ok, 1, EFL_R_OK, "", 2500);
	ok.verified = 1;
	ok.verify_note = "verified";
	efl_out_push_result(c.o, &ok);
	row_finish(&bad, 0, EFL_R_TRANSFER_FAILED, "connection lost after "
	    "1460 of 307200 bytes: connection reset by peer", 4000);
	bad.attempts = 3;
	bad.bytes = 1460;
	bad.upload_started_ms = 2000;
	bad.upload_done_ms = 3000;
	efl_out_push_result(c.o, &bad);
	row_init(&skip, "attic", "192.0.2.12");
	row_finish(&skip, 0, EFL_R_OK, "already running this image", 0);
	skip.skipped = 1;
	efl_out_push_result(c.o, &skip);
	efl_out_notice(c.o, "espfleet", "interrupted: canceling");
	memset(&s, 0, sizeof(s));
	s.targets = 3;
	s.updated = 1;
	s.failed = 1;
	s.skipped = 1;
	s.bytes = 307200;
	s.seconds = 4.25;
	s.by_code[EFL_R_TRANSFER_FAILED] = 1;
	efl_out_push_summary(c.o, NULL, 0, &s);
	cap_close(&c);

	n = parse_lines(c.buf, c.len, objs, 16);
	assert_int_equal(n, sizeof(events) / sizeof(events[0]));
	for (i = 0; i < n; i++)
		check_event(objs[i], events[i]);

	/* start */
	assert_string_equal(str_field(objs[0], "command"), "push");
	assert_string_equal(str_field(objs[0], "image"), "app.bin");
	assert_true(num_field(objs[0], "size") == 307200);
	assert_string_equal(str_field(objs[0], "md5"),
	    "8e3f1c2a9b4d5e6f708192a3b4c5d6e7");
	assert_string_equal(str_field(objs[0], "kind"), "application");
	assert_string_equal(str_field(objs[0], "via"), "espota");
	assert_true(num_field(objs[0], "targets") == 3);
	/* wall-clock times, for reports that merge pushes */
	assert_true(fabs(num_field(objs[0], "time") - unix_now()) < 2);
	/* state */
	assert_string_equal(str_field(objs[1], "target"), "192.0.2.10");
	assert_string_equal(str_field(objs[1], "name"), "kitchen");
	assert_string_equal(str_field(objs[1], "addr"), "192.0.2.10");
	assert_true(num_field(objs[1], "port") == 8266);
	assert_string_equal(str_field(objs[1], "state"), "inviting");
	assert_true(num_field(objs[1], "attempt") == 1);
	assert_string_equal(str_field(objs[2], "state"), "uploading");
	/* retry */
	assert_string_equal(str_field(objs[3], "target"), "192.0.2.11:3232");
	assert_string_equal(str_field(objs[3], "error"), "no-answer");
	assert_string_equal(str_field(objs[3], "message"),
	    "no answer to the invitation");
	assert_true(num_field(objs[3], "attempt") == 1);
	assert_true(num_field(objs[3], "retries") == 2);
	assert_true(num_field(objs[3], "delay_ms") == 1000);
	/* results */
	for (i = 4; i <= 6; i++)
		check_result_shape(objs[i]);
	assert_true(bool_field(objs[4], "ok"));
	assert_true(cJSON_IsNull(field(objs[4], "error")));
	assert_string_equal(str_field(objs[4], "message"), "");
	assert_true(num_field(objs[4], "bytes") == 307200);
	assert_true(num_field(objs[4], "seconds") == 2.5);
	assert_true(cJSON_IsTrue(field(objs[4], "verified")));
	assert_string_equal(str_field(objs[4], "verification"), "verified");
	/* started at monotonic 1000 ms: that long before now */
	assert_true(fabs(num_field(objs[4], "started_at") - (unix_now() -
	    (double)(efl_now_ms() - 1000) / 1000.0)) < 2);
	assert_true(cJSON_IsNull(field(objs[4], "upload_started_at")));
	assert_false(bool_field(objs[5], "ok"));
	assert_string_equal(str_field(objs[5], "error"), "transfer-failed");
	assert_string_equal(str_field(objs[5], "message"), bad.message);
	assert_true(num_field(objs[5], "bytes") == 1460);
	assert_true(num_field(objs[5], "seconds") == 4);
	assert_true(num_field(objs[5], "attempts") == 3);
	assert_true(cJSON_IsNull(field(objs[5], "verified")));
	assert_true(num_field(objs[5], "upload_seconds") == 1);
	assert_true(fabs(num_field(objs[5], "upload_started_at") -
	    num_field(objs[5], "started_at") - 1) < 0.01);
	assert_true(bool_field(objs[6], "skipped"));
	assert_false(bool_field(objs[6], "ok"));
	assert_true(cJSON_IsNull(field(objs[6], "error")));
	/* notice */
	assert_string_equal(str_field(objs[7], "what"), "espfleet");
	assert_string_equal(str_field(objs[7], "message"),
	    "interrupted: canceling");
	/* summary */
	assert_true(num_field(objs[8], "targets") == 3);
	assert_true(num_field(objs[8], "ok") == 1);
	assert_true(num_field(objs[8], "failed") == 1);
	assert_true(num_field(objs[8], "skipped") == 1);
	assert_true(num_field(objs[8], "bytes") == 307200);
	assert_true(num_field(objs[8], "seconds") == 4.25);
	{
		const cJSON *errs = field(objs[8], "errors");

		assert_true(cJSON_IsObject(errs));
		assert_int_equal(cJSON_GetArraySize(errs), 1);
		assert_true(num_field(errs, "transfer-failed") == 1);
	}
	for (i = 0; i < n; i++)
		cJSON_Delete(objs[i]);
	free(c.buf);
}

/* Filesystem pushes say so; every failure code comes out stable. */
static void
test_json_kinds_and_codes(void **state)
{
	struct cap c;
	struct efl_push_row r;
	struct efl_push_summary s;
	cJSON *objs[EFL_R__COUNT + 4];
	size_t n, i;

	(void)state;
	cap_open(&c, EFL_OUT_JSON);
	efl_out_push_begin(c.o, "fs.bin", 1024, "00", 100, 1, "http");
	memset(&s, 0, sizeof(s));
	for (i = 1; i < EFL_R__COUNT; i++) {
		row_init(&r, "dev", "dev");
		row_finish(&r, 0, (enum efl_result_code)i, "why", 10);
		efl_out_push_result(c.o, &r);
		s.by_code[i] = (uint32_t)i;
		s.failed += (uint32_t)i;
	}
	s.targets = s.failed;
	efl_out_push_summary(c.o, NULL, 0, &s);
	cap_close(&c);

	n = parse_lines(c.buf, c.len, objs, sizeof(objs) / sizeof(objs[0]));
	assert_int_equal(n, EFL_R__COUNT + 1);
	assert_string_equal(str_field(objs[0], "kind"), "filesystem");
	assert_string_equal(str_field(objs[0], "via"), "http");
	for (i = 1; i < EFL_R__COUNT; i++) {
		check_result_shape(objs[i]);
		assert_string_equal(str_field(objs[i], "error"),
		    stable_codes[i - 1]);
	}
	{
		const cJSON *errs = field(objs[n - 1], "errors");

		assert_int_equal(cJSON_GetArraySize(errs), EFL_R__COUNT - 1);
		for (i = 1; i < EFL_R__COUNT; i++)
			assert_true(num_field(errs, stable_codes[i - 1]) ==
			    (double)i);
	}
	for (i = 0; i < n; i++)
		cJSON_Delete(objs[i]);
	free(c.buf);
}

/* Quotes, backslashes, newlines and control bytes stay inside one line
 * and come back unchanged. */
static void
test_json_escaping(void **state)
{
	static const char nasty[] = "say \"hi\"\\ \n\r\t\x01\x1b[2J end";
	struct cap c;
	struct efl_push_row r;
	cJSON *objs[4];
	size_t n;

	(void)state;
	cap_open(&c, EFL_OUT_JSON);
	row_init(&r, nasty, nasty);
	row_finish(&r, 0, EFL_R_DEVICE_ERROR, nasty, 10);
	efl_out_push_result(c.o, &r);
	efl_out_notice(c.o, nasty, nasty);
	cap_close(&c);
	assert_null(memchr(c.buf, '\x1b', c.len));
	assert_null(memchr(c.buf, '\r', c.len));
	n = parse_lines(c.buf, c.len, objs, 4);
	assert_int_equal(n, 2);
	assert_string_equal(str_field(objs[0], "message"), nasty);
	assert_string_equal(str_field(objs[0], "name"), nasty);
	assert_string_equal(str_field(objs[0], "target"), nasty);
	assert_string_equal(str_field(objs[1], "what"), nasty);
	cJSON_Delete(objs[0]);
	cJSON_Delete(objs[1]);
	free(c.buf);
}

/*
 * A target canceled before it ever started has started_ms = 0 (push.c):
 * its "seconds" must be 0, not the monotonic clock's value.
 */
static void
test_json_seconds_never_started(void **state)
{
	struct cap c;
	struct efl_push_row r;
	cJSON *objs[2];

	(void)state;
	cap_open(&c, EFL_OUT_JSON);
	row_init(&r, "dev", "dev");
	r.finished = 1;
	r.finished_ms = efl_now_ms() + 123456789;
	r.code = EFL_R_CANCELED;
	snprintf(r.message, sizeof(r.message), "canceled before it started");
	efl_out_push_result(c.o, &r);
	cap_close(&c);
	assert_int_equal(parse_lines(c.buf, c.len, objs, 2), 1);
	check_result_shape(objs[0]);
	assert_true(num_field(objs[0], "seconds") == 0);
	assert_true(num_field(objs[0], "attempts") == 0);
	assert_string_equal(str_field(objs[0], "error"), "canceled");
	cJSON_Delete(objs[0]);
	free(c.buf);
}

/* ---- human renderers ---- */

/* Only line ends and the renderer's own CSI sequences (colors, cursor up,
 * erase) may appear; everything else must be printable. */
static void
check_no_stray_control(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\033') {
			size_t j = i + 1;

			if (j >= len || buf[j] != '[')
				fail_msg("bare ESC at %zu", i);
			j++;
			while (j < len && buf[j] >= '0' && buf[j] <= '9')
				j++;
			if (j >= len || strchr("mAJ", buf[j]) == NULL)
				fail_msg("unexpected escape at %zu", i);
			i = j + 1;
			continue;
		}
		if (ch < 0x20 && ch != '\n' && ch != '\r')
			fail_msg("control byte 0x%02x at %zu", ch, i);
		if (ch == 0x7f)
			fail_msg("DEL at %zu", i);
		i++;
	}
}

static void
test_plain_lines(void **state)
{
	static const char hostile[] = "evil\033[2J\007name";
	struct cap c;
	struct efl_push_row r;
	struct efl_push_summary s;
	char label[128], expect[1024];

	(void)state;
	/* the engine escapes device-supplied labels (push.c fill_row) */
	efl_printable(label, sizeof(label), hostile, strlen(hostile));
	assert_string_equal(label, "evil\\x1b[2J\\x07name");

	cap_open(&c, EFL_OUT_PLAIN);
	efl_out_push_begin(c.o, "app.bin", 307200, "abc", 0, 2, "espota");
	row_init(&r, label, "192.0.2.10");
	r.attempts = 1;
	r.phase = EFL_PHASE_INVITING;
	r.phase_events = 1;
	efl_out_push_phase(c.o, &r);
	r.phase = EFL_PHASE_UPLOADING;
	r.phase_events = 2;
	efl_out_push_phase(c.o, &r); /* plain: only the start is shown */
	efl_out_push_retry(c.o, &r, EFL_R_NO_ANSWER, "no answer", 2000, 2);
	r.attempts = 2;
	r.phase = EFL_PHASE_INVITING;
	r.phase_events = 1;
	efl_out_push_phase(c.o, &r); /* not "starting" again */
	efl_out_push_tick(c.o, &r, 1); /* terminal only */
	row_finish(&r, 0, EFL_R_TRANSFER_FAILED, "connection lost", 4000);
	efl_out_push_result(c.o, &r);
	row_init(&r, "kitchen", "192.0.2.11");
	row_finish(&r, 1, EFL_R_OK, "", 1500);
	r.verify_note = "verified";
	efl_out_push_result(c.o, &r);
	row_init(&r, "attic", "192.0.2.12");
	r.skipped = 1;
	snprintf(r.message, sizeof(r.message), "same image");
	efl_out_push_result(c.o, &r);
	efl_out_notice(c.o, "espfleet", "interrupted: canceling");
	memset(&s, 0, sizeof(s));
	s.targets = 3;
	s.updated = 1;
	s.failed = 1;
	s.skipped = 1;
	s.seconds = 3.21;
	efl_out_push_summary(c.o, &r, 1, &s);
	cap_close(&c);

	snprintf(expect, sizeof(expect),
	    "pushing app.bin (300.0 KiB, md5 abc) to 2 targets\n"
	    "%s: starting (192.0.2.10:8266)\n"
	    "%s: attempt 1 of 3 failed (no-answer: no answer), retrying in "
	    "2.0 s\n"
	    "%s: FAILED transfer-failed: connection lost\n"
	    "kitchen: ok: 300.0 KiB in 1.5 s, verified\n"
	    "attic: skipped: same image\n"
	    "espfleet: interrupted: canceling\n"
	    "1 updated, 1 failed, 1 skipped (of 3) in 3.2 s\n",
	    label, label, label);
	assert_string_equal(c.buf, expect);
	assert_null(memchr(c.buf, '\033', c.len));
	check_no_stray_control(c.buf, c.len);
	free(c.buf);
}

/* The result line format on its own: "<label>: FAILED <code>: <msg>". */
static void
test_plain_failed_format(void **state)
{
	struct cap c;
	struct efl_push_row r;
	size_t i;

	(void)state;
	for (i = 1; i < EFL_R__COUNT; i++) {
		char want[256];

		cap_open(&c, EFL_OUT_PLAIN);
		row_init(&r, "sim-0001", "127.0.1.1");
		row_finish(&r, 0, (enum efl_result_code)i,
		    "device reported: MD5 Check Failed", 10);
		efl_out_push_result(c.o, &r);
		cap_close(&c);
		snprintf(want, sizeof(want), "sim-0001: FAILED %s: device "
		    "reported: MD5 Check Failed\n", stable_codes[i - 1]);
		assert_string_equal(c.buf, want);
		free(c.buf);
	}
}

/* A never-started row shows 0.0 s, not the clock. */
static void
test_plain_seconds_never_started(void **state)
{
	struct cap c;
	struct efl_push_row r;

	(void)state;
	cap_open(&c, EFL_OUT_PLAIN);
	row_init(&r, "dev", "dev");
	r.finished = 1;
	r.finished_ms = 99999999;
	r.ok = 1;
	r.bytes = 100;
	efl_out_push_result(c.o, &r);
	cap_close(&c);
	assert_string_equal(c.buf, "dev: ok: 100 B in 0.0 s\n");
	free(c.buf);
}

static void
test_tty_lines(void **state)
{
	struct cap c;
	struct efl_push_row rows[2];
	struct efl_push_summary s;
	char want[512];

	(void)state;
	cap_open(&c, EFL_OUT_TTY);
	c.o->color = 1;
	row_init(&rows[0], "dev\\x1b[31m", "192.0.2.10");
	rows[0].attempts = 1;
	rows[0].phase = EFL_PHASE_UPLOADING;
	rows[0].acked = 153600;
	rows[0].started_ms = rows[0].attempt_started_ms = efl_now_ms();
	row_init(&rows[1], "other", "192.0.2.11");
	efl_out_push_phase(c.o, &rows[0]); /* nothing on a terminal */
	efl_out_push_tick(c.o, rows, 2);
	assert_int_equal(c.o->live_lines, 2); /* one row plus "queued" */
	/* a success is kept for the table */
	row_finish(&rows[0], 1, EFL_R_OK, "", 1000);
	efl_out_push_result(c.o, &rows[0]);
	row_finish(&rows[1], 0, EFL_R_NO_SPACE, "device refused the update: "
	    "Not Enough Space", 200);
	efl_out_push_result(c.o, &rows[1]);
	assert_int_equal(c.o->live_lines, 0);
	memset(&s, 0, sizeof(s));
	s.targets = 2;
	s.updated = 1;
	s.failed = 1;
	s.seconds = 1.0;
	efl_out_push_summary(c.o, rows, 2, &s);
	cap_close(&c);

	check_no_stray_control(c.buf, c.len);
	/* the live area is erased before the failure is printed */
	snprintf(want, sizeof(want), "\033[2A\r\033[J\033[31mother: FAILED "
	    "no-space: device refused the update: Not Enough Space\033[0m\n");
	assert_non_null(strstr(c.buf, want));
	assert_non_null(strstr(c.buf, "[############............]  50%"));
	assert_non_null(strstr(c.buf, "... 0 more active, 1 queued"));
	/* the summary table: the escaped label as given, no raw ESC from it */
	assert_non_null(strstr(c.buf, "dev\\x1b[31m          \033[32mok"));
	assert_non_null(strstr(c.buf, "\033[31m1 updated, 1 failed, 0 "
	    "skipped (of 2) in 1.0 s\033[0m\n"));
	free(c.buf);
}

/* Without color, a terminal gets no color codes at all. */
static void
test_tty_no_color(void **state)
{
	struct cap c;
	struct efl_push_row r;
	struct efl_push_summary s;

	(void)state;
	cap_open(&c, EFL_OUT_TTY);
	row_init(&r, "dev", "dev");
	row_finish(&r, 0, EFL_R_AUTH_FAILED, "device rejected the password",
	    10);
	efl_out_push_result(c.o, &r);
	memset(&s, 0, sizeof(s));
	s.targets = 1;
	s.failed = 1;
	efl_out_push_summary(c.o, &r, 1, &s);
	cap_close(&c);
	assert_null(memchr(c.buf, '\033', c.len));
	assert_non_null(strstr(c.buf, "dev: FAILED auth-failed: device "
	    "rejected the password\n"));
	assert_non_null(strstr(c.buf, "DEVICE"));
	free(c.buf);
}

/* A skipped device's row in the table says why it was skipped. */
static void
test_tty_skip_reason(void **state)
{
	struct cap c;
	struct efl_push_row r;
	struct efl_push_summary s;

	(void)state;
	cap_open(&c, EFL_OUT_TTY);
	row_init(&r, "dev", "dev");
	r.skipped = 1;
	row_finish(&r, 1, EFL_R_OK, "already running this image", 0);
	memset(&s, 0, sizeof(s));
	s.targets = 1;
	s.skipped = 1;
	efl_out_push_summary(c.o, &r, 1, &s);
	cap_close(&c);
	assert_non_null(strstr(c.buf, "skipped"));
	assert_non_null(strstr(c.buf, "already running this image\n"));
	free(c.buf);
}

/* A staged push: the table has a WAVE column, a halted row says so, and
 * long error texts are shortened to the terminal's width (COLUMNS), kept
 * whole in JSON; the JSON result carries its wave and verdict time, the
 * halted result its code, and the summary the halted count. */
static void
test_staged_table(void **state)
{
	struct cap c;
	struct efl_push_row r[3];
	struct efl_push_summary s;
	const char *line;
	char *nl;
	cJSON *objs[8];
	int n, i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.targets = 3;
	s.updated = 1;
	s.failed = 1;
	s.halted = 1;
	s.halt_reason = "1 device failed";
	row_init(&r[0], "canary-1", "canary-1");
	row_finish(&r[0], 1, EFL_R_OK, "", 1000);
	r[0].in_wave = 1;
	row_init(&r[1], "dev-2", "dev-2");
	row_finish(&r[1], 0, EFL_R_DEVICE_ERROR, "device refused the update: "
	    "a very long explanation that goes on and on past any reasonable "
	    "terminal width, with more words still", 0);
	r[1].in_wave = 1;
	r[1].wave = 1;
	row_init(&r[2], "dev-3", "dev-3");
	r[2].skipped = 1;
	row_finish(&r[2], 0, EFL_R_HALTED, "not started: the rollout halted",
	    0);
	r[2].in_wave = 1;
	r[2].wave = 2;
	setenv("COLUMNS", "100", 1);
	cap_open(&c, EFL_OUT_TTY);
	efl_out_push_summary(c.o, r, 3, &s);
	cap_close(&c);
	unsetenv("COLUMNS");
	assert_non_null(strstr(c.buf, "WAVE"));
	assert_non_null(strstr(c.buf, "canary"));
	assert_non_null(strstr(c.buf, "halted"));
	assert_non_null(strstr(c.buf, "1 halted"));
	assert_non_null(strstr(c.buf, "rollout halted: 1 device failed"));
	assert_non_null(strstr(c.buf, "..."));
	for (line = c.buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		assert_true(nl - line <= 100);
	free(c.buf);

	cap_open(&c, EFL_OUT_JSON);
	for (i = 0; i < 3; i++)
		efl_out_push_result(c.o, &r[i]);
	efl_out_push_summary(c.o, r, 3, &s);
	cap_close(&c);
	n = parse_lines(c.buf, c.len, objs, 8);
	assert_int_equal(n, 4);
	assert_true(num_field(objs[1], "wave") == 1);
	assert_non_null(strstr(str_field(objs[1], "message"),
	    "more words still"));
	assert_true(cJSON_IsNumber(field(objs[1], "finished_at")));
	assert_string_equal(str_field(objs[2], "error"), "halted");
	assert_true(bool_field(objs[2], "skipped"));
	assert_false(bool_field(objs[2], "ok"));
	assert_true(num_field(objs[3], "halted") == 1);
	for (i = 0; i < n; i++)
		cJSON_Delete(objs[i]);
	free(c.buf);
}

/* NO_COLOR and TERM decide color on a terminal; never in other modes. */
static void
test_color_choice(void **state)
{
	struct efl_out *o;

	(void)state;
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	o = efl_out_new(EFL_OUT_TTY, "push");
	assert_true(o->color);
	efl_out_free(o);
	o = efl_out_new(EFL_OUT_PLAIN, "push");
	assert_false(o->color);
	efl_out_free(o);
	o = efl_out_new(EFL_OUT_JSON, "push");
	assert_false(o->color);
	efl_out_free(o);
	setenv("NO_COLOR", "1", 1);
	o = efl_out_new(EFL_OUT_TTY, "push");
	assert_false(o->color);
	efl_out_free(o);
	setenv("NO_COLOR", "", 1); /* empty: no effect */
	o = efl_out_new(EFL_OUT_TTY, "push");
	assert_true(o->color);
	efl_out_free(o);
	setenv("TERM", "dumb", 1);
	o = efl_out_new(EFL_OUT_TTY, "push");
	assert_false(o->color);
	efl_out_free(o);
	unsetenv("TERM");
	o = efl_out_new(EFL_OUT_TTY, "push");
	assert_false(o->color);
	efl_out_free(o);
}

static void
test_pick_mode(void **state)
{
	(void)state;
	assert_int_equal(efl_out_pick_mode(1, 0), EFL_OUT_JSON);
	assert_int_equal(efl_out_pick_mode(1, 1), EFL_OUT_JSON);
	assert_int_equal(efl_out_pick_mode(0, 1), EFL_OUT_PLAIN);
	assert_int_equal(efl_out_pick_mode(0, 0),
	    isatty(STDOUT_FILENO) ? EFL_OUT_TTY : EFL_OUT_PLAIN);
}

/* espfleet serve: listening, one request (device strings escaped, nulls
 * for what the device did not send), summary; and the plain lines. */
static void
test_serve_events(void **state)
{
	struct cap c;
	struct efl_image img;
	struct efl_serve_decision d;
	struct efl_serve_event ev;
	struct efl_serve_summary sum;
	char path[] = "app.bin";
	cJSON *objs[8], *o;
	size_t n;

	(void)state;
	memset(&img, 0, sizeof(img));
	img.path = path;
	img.size = 300000;
	snprintf(img.md5_hex, sizeof(img.md5_hex), "%s",
	    "0123456789abcdef0123456789abcdef");
	memset(&d, 0, sizeof(d));
	d.status = 403;
	d.dev.chip = "esp8266";
	snprintf(d.dev.mac, sizeof(d.dev.mac), "5C:CF:7F:00:00:01");
	snprintf(d.dev.version, sizeof(d.dev.version), "v\xff\x1b[2J");
	d.dev.free_space = 10;
	d.dev.bucket = 76;
	snprintf(d.reason, sizeof(d.reason), "not enough free space");
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.addr, sizeof(ev.addr), "192.0.2.7");
	snprintf(ev.method, sizeof(ev.method), "GET");
	snprintf(ev.path, sizeof(ev.path), "/fw.bin");
	ev.d = &d;
	ev.completed = 1;
	memset(&sum, 0, sizeof(sum));
	sum.requests = 1;
	sum.refused = 1;

	cap_open(&c, EFL_OUT_JSON);
	efl_out_serve_begin(c.o, "0.0.0.0:8080", &img, "", NULL, 50, 0);
	efl_out_serve_request(c.o, &ev);
	efl_out_serve_end(c.o, &sum);
	efl_out_serve_image(c.o, "fs", &img, "v2");
	efl_out_serve_throttled(c.o, "192.0.2.9", 5, 2);
	cap_close(&c);
	n = parse_lines(c.buf, c.len, objs, 8);
	assert_int_equal(n, 5);
	o = objs[3];
	assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring,
	    "image");
	assert_string_equal(cJSON_GetObjectItem(o, "which")->valuestring,
	    "fs");
	assert_string_equal(cJSON_GetObjectItem(o, "image")->valuestring,
	    "app.bin");
	assert_int_equal(cJSON_GetObjectItem(o, "size")->valueint, 300000);
	assert_string_equal(cJSON_GetObjectItem(o, "md5")->valuestring,
	    "0123456789abcdef0123456789abcdef");
	assert_string_equal(cJSON_GetObjectItem(o, "version")->valuestring,
	    "v2");
	o = objs[4];
	assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring,
	    "throttled");
	assert_string_equal(cJSON_GetObjectItem(o, "addr")->valuestring,
	    "192.0.2.9");
	assert_int_equal(cJSON_GetObjectItem(o, "failures")->valueint, 5);
	assert_int_equal(cJSON_GetObjectItem(o, "seconds")->valueint, 2);
	assert_string_equal(cJSON_GetObjectItem(objs[0], "event")->valuestring,
	    "listening");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(objs[0], "version")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(objs[0], "fs")));
	assert_int_equal(cJSON_GetObjectItem(objs[0], "percent")->valueint,
	    50);
	o = objs[1];
	assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring,
	    "request");
	assert_string_equal(cJSON_GetObjectItem(o, "mac")->valuestring,
	    "5C:CF:7F:00:00:01");
	assert_string_equal(cJSON_GetObjectItem(o, "chip")->valuestring,
	    "esp8266");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "md5")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "mode")));
	/* invalid UTF-8 as \xNN; the escape character is JSON-escaped */
	assert_string_equal(cJSON_GetObjectItem(o, "version")->valuestring,
	    "v\\xff\x1b[2J");
	assert_int_equal(cJSON_GetObjectItem(o, "free")->valueint, 10);
	assert_int_equal(cJSON_GetObjectItem(o, "bucket")->valueint, 76);
	assert_int_equal(cJSON_GetObjectItem(o, "status")->valueint, 403);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "completed")));
	assert_string_equal(cJSON_GetObjectItem(objs[2], "event")->valuestring,
	    "summary");
	assert_int_equal(cJSON_GetObjectItem(objs[2], "refused")->valueint, 1);
	while (n > 0)
		cJSON_Delete(objs[--n]);
	free(c.buf);

	cap_open(&c, EFL_OUT_PLAIN);
	efl_out_serve_request(c.o, &ev);
	d.status = 200;
	d.body = EFL_SERVE_BODY_IMAGE;
	snprintf(d.reason, sizeof(d.reason), "update offered");
	ev.bytes = 300000;
	efl_out_serve_request(c.o, &ev);
	efl_out_serve_image(c.o, "image", &img, "v2");
	efl_out_serve_throttled(c.o, "192.0.2.9", 5, 2);
	efl_out_serve_end(c.o, &sum);
	cap_close(&c);
	assert_string_equal(c.buf,
	    "192.0.2.7 5C:CF:7F:00:00:01 esp8266 - /fw.bin (md5 -): 403 not "
	    "enough free space\n"
	    "192.0.2.7 5C:CF:7F:00:00:01 esp8266 - /fw.bin (md5 -): 200 update "
	    "offered, 293.0 KiB sent\n"
	    "serving app.bin from now on as the image (293.0 KiB, md5 "
	    "0123456789abcdef0123456789abcdef, version v2)\n"
	    "192.0.2.9: 5 wrong passwords in a row: its requests get 429 for "
	    "2 s\n"
	    "1 request: 0 updates offered, 0 not modified, 1 refused, 0 other, "
	    "in 0.0 s\n");
	free(c.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_stable),
		cmocka_unit_test(test_json_all_events),
		cmocka_unit_test(test_json_kinds_and_codes),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_seconds_never_started),
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_plain_failed_format),
		cmocka_unit_test(test_plain_seconds_never_started),
		cmocka_unit_test(test_tty_lines),
		cmocka_unit_test(test_tty_no_color),
		cmocka_unit_test(test_tty_skip_reason),
		cmocka_unit_test(test_staged_table),
		cmocka_unit_test(test_color_choice),
		cmocka_unit_test(test_pick_mode),
		cmocka_unit_test(test_serve_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
