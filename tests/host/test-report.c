/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the report modules (src/report) and the XML escaping of
 * src/core/text.c: reading push --json reports (unknown events and fields
 * ignored, the last result of a device counts, interrupted reports, every
 * refusal with file and line, a device in two reports), the JUnit writer
 * (counts, failure type = code, skipped, escaping of any device text into
 * well-formed XML), the HTML page (self-contained, escaped), the table
 * (cut to the terminal's width) and a push's own JUnit file (push
 * --junit, from the rows of the push).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espfleet/common.h"
#include "espfleet/output.h"
#include "espfleet/report.h"
#include "espfleet/text.h"

/* A push of three devices: one updated after a retry, one failed, one
 * skipped; with events and fields of newer versions mixed in. */
static const char site_a[] =
"{\"v\":1,\"event\":\"start\",\"command\":\"push\",\"image\":\"app.bin\","
"\"size\":1000,\"md5\":\"8e3f1c2a9b4d5e6f708192a3b4c5d6e7\",\"kind\":"
"\"application\",\"targets\":3,\"via\":\"espota\",\"time\":1796193921.5}\n"
"{\"v\":1,\"event\":\"wave\",\"wave\":1,\"devices\":3}\n"
"{\"v\":1,\"event\":\"state\",\"target\":\"192.0.2.1\",\"name\":\"kitchen\","
"\"addr\":\"192.0.2.1\",\"port\":8266,\"state\":\"inviting\",\"attempt\":1}\n"
"{\"v\":1,\"event\":\"retry\",\"target\":\"192.0.2.1\",\"name\":\"kitchen\","
"\"addr\":\"192.0.2.1\",\"port\":8266,\"error\":\"no-answer\",\"message\":"
"\"x\",\"attempt\":1,\"retries\":2,\"delay_ms\":1000}\n"
"\n"
"{\"v\":1,\"event\":\"result\",\"target\":\"192.0.2.2\",\"name\":\"garage\","
"\"addr\":\"192.0.2.2\",\"port\":8266,\"ok\":false,\"error\":\"auth-failed\","
"\"message\":\"device rejected the password\",\"skipped\":false,\"bytes\":0,"
"\"seconds\":0.2,\"attempts\":1,\"upload_seconds\":null,\"started_at\":"
"1796193921.6,\"upload_started_at\":null,\"verified\":null,\"new\":[1]}\n"
"{\"v\":1,\"event\":\"result\",\"target\":\"192.0.2.1\",\"name\":\"kitchen\","
"\"addr\":\"192.0.2.1\",\"port\":8266,\"ok\":true,\"error\":null,\"message\":"
"\"\",\"skipped\":false,\"bytes\":1000,\"seconds\":2.5,\"attempts\":2,"
"\"upload_seconds\":1.25,\"started_at\":1796193921.5,\"upload_started_at\":"
"1796193922.5,\"verified\":true,\"verification\":\"verified\"}\n"
"{\"v\":1,\"event\":\"result\",\"target\":\"hall\",\"name\":\"hall\",\"addr\":"
"\"192.0.2.3\",\"port\":8266,\"ok\":true,\"error\":null,\"message\":"
"\"already runs this image\",\"skipped\":true,\"bytes\":0,\"seconds\":0,"
"\"attempts\":0}\n"
"{\"v\":1,\"event\":\"halt\",\"reason\":\"none\"}\n"
"{\"v\":1,\"event\":\"summary\",\"targets\":3,\"ok\":1,\"failed\":1,"
"\"skipped\":1,\"bytes\":1000,\"seconds\":2.75,\"errors\":{}}\r\n";

/* An interrupted push: no summary, one device without a result. */
static const char site_b[] =
"{\"v\":1,\"event\":\"start\",\"command\":\"push\",\"image\":\"app.bin\","
"\"targets\":4,\"via\":\"http\"}\n"
"{\"v\":1,\"event\":\"state\",\"name\":\"attic\",\"state\":\"connecting\"}\n"
"{\"v\":1,\"event\":\"result\",\"name\":\"cellar\",\"ok\":false,"
"\"error\":\"rolled-back\",\"message\":\"came back with its old image\","
"\"seconds\":9}\n";

static FILE *
text_file(const char *text)
{
	return fmemopen((void *)(uintptr_t)text, strlen(text), "r");
}

/* Add text as path to rd; 0 or -1 with eb. */
static int
add(struct efl_report_reader *rd, const char *path, const char *text,
    struct efl_errbuf *eb)
{
	FILE *fp = text_file(text);
	int rc;

	memset(eb, 0, sizeof(*eb));
	rc = efl_report_reader_add(rd, path, fp, eb);
	fclose(fp);
	return rc;
}

static const struct efl_report_row *
find_row(const struct efl_report *rep, const char *name)
{
	size_t i, k;

	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++)
			if (strcmp(rep->runs[i].rows[k].name, name) == 0)
				return &rep->runs[i].rows[k];
	fail_msg("no row '%s'", name);
	return NULL;
}

/* text as the only report x.jsonl, merged. */
static const struct efl_report *
read_one(struct efl_report_reader *rd, const char *text)
{
	const struct efl_report *rep;
	struct efl_errbuf eb;

	if (add(rd, "x.jsonl", text, &eb) != 0)
		fail_msg("%s", eb.msg);
	if ((rep = efl_report_reader_finish(rd, &eb)) == NULL)
		fail_msg("%s", eb.msg);
	return rep;
}

static const struct efl_report *
read_both(struct efl_report_reader *rd)
{
	const struct efl_report *rep;
	struct efl_errbuf eb;

	if (add(rd, "ci/site-a.jsonl", site_a, &eb) != 0 ||
	    add(rd, "ci/site-b.jsonl", site_b, &eb) != 0)
		fail_msg("%s", eb.msg);
	if ((rep = efl_report_reader_finish(rd, &eb)) == NULL)
		fail_msg("%s", eb.msg);
	return rep;
}

static void
test_read(void **state)
{
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep = read_both(rd);
	const struct efl_report_row *r;
	struct efl_report_counts c;

	(void)state;
	assert_int_equal(rep->nruns, 2);
	assert_string_equal(rep->runs[0].name, "site-a");
	assert_string_equal(rep->runs[0].file, "ci/site-a.jsonl");
	assert_string_equal(rep->runs[0].md5,
	    "8e3f1c2a9b4d5e6f708192a3b4c5d6e7");
	assert_string_equal(rep->runs[0].via, "espota");
	assert_int_equal(rep->runs[0].targets, 3);
	assert_true(rep->runs[0].complete);
	assert_true(rep->runs[0].seconds == 2.75);
	assert_true(rep->runs[0].started_at == 1796193921.5);
	assert_int_equal(rep->runs[0].line, 1);
	/* rows sorted by name */
	assert_int_equal(rep->runs[0].nrows, 3);
	assert_string_equal(rep->runs[0].rows[0].name, "garage");
	assert_string_equal(rep->runs[0].rows[1].name, "hall");
	assert_string_equal(rep->runs[0].rows[2].name, "kitchen");

	r = find_row(rep, "kitchen");
	assert_int_equal(r->status, EFL_REPORT_OK);
	assert_null(r->code);
	assert_string_equal(r->verification, "verified");
	assert_string_equal(efl_report_result_text(r), "verified");
	assert_int_equal(r->attempts, 2);
	assert_int_equal(r->bytes, 1000);
	assert_true(r->upload_seconds == 1.25);
	assert_true(r->upload_started_at == 1796193922.5);
	assert_string_equal(r->addr, "192.0.2.1");
	assert_int_equal(r->port, 8266);
	assert_int_equal(r->line, 7);
	r = find_row(rep, "garage");
	assert_int_equal(r->status, EFL_REPORT_FAILED);
	assert_string_equal(r->code, "auth-failed");
	assert_string_equal(r->message, "device rejected the password");
	assert_true(r->upload_seconds < 0);
	r = find_row(rep, "hall");
	assert_int_equal(r->status, EFL_REPORT_SKIPPED);
	assert_string_equal(efl_report_result_text(r), "skipped");
	assert_string_equal(r->message, "already runs this image");
	assert_true(r->started_at < 0);

	/* the interrupted push */
	assert_false(rep->runs[1].complete);
	assert_int_equal(rep->runs[1].nrows, 2);
	r = find_row(rep, "attic");
	assert_int_equal(r->status, EFL_REPORT_FAILED);
	assert_string_equal(r->code, "no-result");
	assert_string_equal(r->message, "the report ends before this "
	    "device's result (the push was interrupted)");
	/* a code of a newer espfleet is a failure like any other */
	r = find_row(rep, "cellar");
	assert_string_equal(r->code, "rolled-back");

	efl_report_count(rep, &c);
	assert_int_equal(c.devices, 5);
	assert_int_equal(c.ok, 1);
	assert_int_equal(c.failed, 3);
	assert_int_equal(c.skipped, 1);
	assert_int_equal(c.incomplete_runs, 1);
	assert_int_equal(c.missing, 2);
	assert_true(c.first_start == 1796193921.5);
	assert_true(c.last_end == 1796193924.0);
	assert_false(efl_report_all_ok(rep));
	efl_report_reader_free(rd);
}

/* Everything ok or skipped, every run complete: all ok. */
static void
test_all_ok(void **state)
{
	static const char text[] =
	    "{\"v\":1,\"event\":\"start\",\"targets\":2}\n"
	    "{\"v\":1,\"event\":\"result\",\"name\":\"a\",\"ok\":true}\n"
	    "{\"v\":1,\"event\":\"result\",\"name\":\"b\",\"ok\":true,"
	    "\"skipped\":true}\n"
	    "{\"v\":1,\"event\":\"summary\"}\n";
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep = read_one(rd, text);

	(void)state;
	assert_true(efl_report_all_ok(rep));
	efl_report_reader_free(rd);
}

/* The last result of a device counts (a result, then canceled). */
static void
test_last_result_counts(void **state)
{
	static const char text[] =
	    "{\"v\":1,\"event\":\"start\",\"targets\":1}\n"
	    "{\"v\":1,\"event\":\"result\",\"name\":\"a\",\"ok\":true,"
	    "\"seconds\":1}\n"
	    "{\"v\":1,\"event\":\"result\",\"name\":\"a\",\"ok\":false,"
	    "\"error\":\"canceled\",\"message\":\"canceled while verifying\"}\n"
	    "{\"v\":1,\"event\":\"summary\"}\n";
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep = read_one(rd, text);

	(void)state;
	assert_int_equal(rep->runs[0].nrows, 1);
	assert_string_equal(rep->runs[0].rows[0].code, "canceled");
	assert_true(rep->runs[0].rows[0].seconds < 0);
	assert_int_equal(rep->runs[0].rows[0].line, 3);
	efl_report_reader_free(rd);
}

static void
add_refused(const char *text, const char *want)
{
	struct efl_report_reader *rd = efl_report_reader_new();
	struct efl_errbuf eb;

	if (add(rd, "r.jsonl", text, &eb) == 0)
		fail_msg("accepted: %s", text);
	if (strcmp(eb.msg, want) != 0)
		fail_msg("message\n  '%s'\nwanted\n  '%s'", eb.msg, want);
	efl_report_reader_free(rd);
}

#define START "{\"v\":1,\"event\":\"start\",\"targets\":1}\n"

static void
test_refused(void **state)
{
	(void)state;
	add_refused("", "r.jsonl: no push in it (no \"start\" line): not a "
	    "report of 'espfleet push --json', or the push stopped before it "
	    "began (see that job's log)");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"name\":\"a\","
	    "\"ok\":true,}\n", "r.jsonl:2:46: not JSON: a ',' before '}' "
	    "(JSON has no trailing commas)");
	add_refused(START "[1]\n", "r.jsonl:2: not an espfleet JSON line (an "
	    "object with \"v\" and \"event\")");
	add_refused("{\"event\":\"start\"}\n", "r.jsonl:1: not an espfleet "
	    "JSON line (an object with \"v\" and \"event\")");
	add_refused("{\"v\":2,\"event\":\"start\"}\n", "r.jsonl:1: JSON "
	    "schema version 2 (this espfleet reads version 1)");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"ok\":true}\n",
	    "r.jsonl:2: no \"name\"");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"name\":\"a\"}\n",
	    "r.jsonl:2: no \"ok\"");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"name\":\"a\","
	    "\"ok\":\"yes\"}\n", "r.jsonl:2: \"ok\" is not true or false");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"name\":7,"
	    "\"ok\":true}\n", "r.jsonl:2: \"name\" is not a string");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"name\":\"a\","
	    "\"ok\":true,\"seconds\":\"2\"}\n", "r.jsonl:2: \"seconds\" is "
	    "not a number of at least 0");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"name\":\"a\","
	    "\"ok\":true,\"bytes\":-5}\n", "r.jsonl:2: \"bytes\" is not a "
	    "number of at least 0");
	add_refused("{\"v\":1,\"event\":\"result\",\"name\":\"a\","
	    "\"ok\":true}\n", "r.jsonl:1: a device event before the push's "
	    "\"start\"");
	add_refused("{\"v\":1,\"event\":\"plan\",\"name\":\"a\"}\n",
	    "r.jsonl:1: a dry run (push --dry-run): nothing was pushed");
	add_refused("{\"v\":1,\"event\":\"summary\",\"dry_run\":true}\n",
	    "r.jsonl:1: a dry run (push --dry-run): nothing was pushed");
	add_refused("{\"v\":1,\"event\":\"device\",\"name\":\"a\"}\n"
	    "{\"v\":1,\"event\":\"summary\",\"command\":\"discover\"}\n",
	    "r.jsonl:2: a report of 'espfleet discover', not of push");
	add_refused("{\"v\":1,\"event\":\"start\",\"command\":\"serve\"}\n",
	    "r.jsonl:1: a report of 'espfleet serve', not of push");
	add_refused(START "{\"v\":1,\"event\":\"summary\"}\n"
	    "{\"v\":1,\"event\":\"summary\"}\n", "r.jsonl:3: a second "
	    "\"summary\" for the push that started on line 1");
	add_refused(START "{\"v\":1,\"event\":\"result\",\"name\":\"a\x01\"\x7f"
	    "}\n", "r.jsonl:2:36: not JSON: expected ',' or '}' after a "
	    "member, found '\\x7f'");
}

/* A device in two reports: refused, with both places. */
static void
test_device_twice(void **state)
{
	static const char other[] =
	    "{\"v\":1,\"event\":\"start\",\"targets\":1}\n"
	    "{\"v\":1,\"event\":\"state\",\"name\":\"x\"}\n"
	    "{\"v\":1,\"event\":\"result\",\"name\":\"kitchen\",\"ok\":true}\n"
	    "{\"v\":1,\"event\":\"summary\"}\n";
	struct efl_report_reader *rd = efl_report_reader_new();
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(add(rd, "a.jsonl", site_a, &eb), 0);
	assert_int_equal(add(rd, "b.jsonl", other, &eb), 0);
	assert_null(efl_report_reader_finish(rd, &eb));
	assert_string_equal(eb.msg, "device 'kitchen' is in two pushes: "
	    "a.jsonl:7 and b.jsonl:3 (each device may appear once: shards or "
	    "sites overlap, or a report was given twice)");
	efl_report_reader_free(rd);

	/* the same file twice */
	rd = efl_report_reader_new();
	assert_int_equal(add(rd, "a.jsonl", site_a, &eb), 0);
	assert_int_equal(add(rd, "a.jsonl", site_a, &eb), 0);
	assert_null(efl_report_reader_finish(rd, &eb));
	assert_non_null(strstr(eb.msg, "device 'garage' is in two pushes: "
	    "a.jsonl:6 and a.jsonl:6"));
	efl_report_reader_free(rd);
}

/* report.jsonl of several jobs: named by their paths; two pushes in one
 * file: numbered. */
static void
test_run_names(void **state)
{
	static const char one[] =
	    "{\"v\":1,\"event\":\"start\",\"targets\":0}\n"
	    "{\"v\":1,\"event\":\"summary\"}\n";
	static const char two[] =
	    "{\"v\":1,\"event\":\"start\",\"targets\":0}\n"
	    "{\"v\":1,\"event\":\"summary\"}\n"
	    "{\"v\":1,\"event\":\"start\",\"targets\":0}\n"
	    "{\"v\":1,\"event\":\"summary\"}\n";
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(add(rd, "out/site-a/report.jsonl", one, &eb), 0);
	assert_int_equal(add(rd, "out/site-b/report.jsonl", one, &eb), 0);
	assert_int_equal(add(rd, "shard.json", two, &eb), 0);
	rep = efl_report_reader_finish(rd, &eb);
	assert_non_null(rep);
	assert_int_equal(rep->nruns, 4);
	assert_string_equal(rep->runs[0].name, "out/site-a/report");
	assert_string_equal(rep->runs[1].name, "out/site-b/report");
	assert_string_equal(rep->runs[2].name, "shard");
	assert_string_equal(rep->runs[3].name, "shard (2)");
	assert_int_equal(rep->runs[3].line, 3);
	efl_report_reader_free(rd);
}

/* ---- writers ---- */

static char *
written(int (*writer)(FILE *, const struct efl_report *),
    const struct efl_report *rep)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	assert_int_equal(writer(fp, rep), 0);
	fclose(fp);
	return buf;
}

static void
test_junit(void **state)
{
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep = read_both(rd);
	char *x = written(efl_junit_write, rep);

	(void)state;
	assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "\n<testsuites name=\"espfleet\" tests=\"6\" failures=\"3\" "
	    "errors=\"1\" skipped=\"1\" time=\"2.750\">\n"));
	assert_non_null(strstr(x, "  <testsuite name=\"site-a\" tests=\"3\" "
	    "failures=\"1\" errors=\"0\" skipped=\"1\" time=\"2.750\" "
	    "timestamp=\"2026-12-02T06:45:21\">\n"));
	assert_non_null(strstr(x, "      <property name=\"md5\" "
	    "value=\"8e3f1c2a9b4d5e6f708192a3b4c5d6e7\"/>\n"));
	assert_non_null(strstr(x, "    <testcase classname=\"site-a\" "
	    "name=\"kitchen\" time=\"2.500\"/>\n"));
	assert_non_null(strstr(x, "    <testcase classname=\"site-a\" "
	    "name=\"garage\" time=\"0.200\">\n      <failure "
	    "type=\"auth-failed\" message=\"device rejected the password\">"
	    "auth-failed: device rejected the password&#10;device: 192.0.2.2 "
	    "port 8266&#10;target: 192.0.2.2&#10;attempts: 1</failure>\n"
	    "    </testcase>\n"));
	assert_non_null(strstr(x, "    <testcase classname=\"site-a\" "
	    "name=\"hall\" time=\"0.000\">\n      <skipped message=\"already "
	    "runs this image\"/>\n    </testcase>\n"));
	/* the interrupted push: no time, an error testcase */
	assert_non_null(strstr(x, "  <testsuite name=\"site-b\" tests=\"3\" "
	    "failures=\"2\" errors=\"1\" skipped=\"0\" time=\"0.000\">\n"));
	assert_non_null(strstr(x, "<failure type=\"rolled-back\" "
	    "message=\"came back with its old image\">"));
	assert_non_null(strstr(x, "<testcase classname=\"site-b\" "
	    "name=\"(incomplete report)\" time=\"0.000\">\n      <error "
	    "type=\"incomplete\" message=\"the report ends before the push's "
	    "summary: the push was interrupted (2 of 4 targets have no "
	    "result)\"/>\n"));
	assert_non_null(strstr(x, "</testsuites>\n"));
	free(x);
	efl_report_reader_free(rd);
}

/* Device text of any kind: markup, quotes, controls, invalid UTF-8,
 * non-characters, bidi controls. */
static const char hostile_name[] = "<b>&\"'\x01\x1b[31m\xff\xef\xbf\xbe"
	"\xe2\x80\xae]]>\t\\x";
static const char hostile_escaped[] = "&lt;b&gt;&amp;&quot;&#39;\\x01"
	"\\x1b[31m\\xff\\xef\\xbf\\xbe\\xe2\\x80\\xae]]&gt;&#9;\\x";

static void
test_xml_escaping(void **state)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	(void)state;
	efl_xml_put(fp, hostile_name);
	efl_xml_put(fp, "|Küche \xf0\x9f\x94\xa5 \r\n");
	fclose(fp);
	assert_string_equal(buf, "&lt;b&gt;&amp;&quot;&#39;\\x01\\x1b[31m"
	    "\\xff\\xef\\xbf\\xbe\\xe2\\x80\\xae]]&gt;&#9;\\x|Küche "
	    "\xf0\x9f\x94\xa5 &#13;&#10;");
	free(buf);
}

static struct efl_report_row hostile_rows[2];
static struct efl_report_run hostile_run;

static const struct efl_report *
hostile_report(struct efl_report *rep)
{
	memset(hostile_rows, 0, sizeof(hostile_rows));
	hostile_rows[0].name = hostile_name;
	hostile_rows[0].status = EFL_REPORT_FAILED;
	hostile_rows[0].code = hostile_name;
	hostile_rows[0].message = hostile_name;
	hostile_rows[0].addr = hostile_name;
	hostile_rows[0].target = "<t>";
	hostile_rows[0].seconds = 1;
	hostile_rows[0].started_at = 100;
	hostile_rows[1].name = "ok";
	hostile_rows[1].message = "";
	hostile_rows[1].seconds = -1;
	hostile_rows[1].started_at = -1;
	memset(&hostile_run, 0, sizeof(hostile_run));
	hostile_run.name = hostile_name;
	hostile_run.file = hostile_name;
	hostile_run.image = hostile_name;
	hostile_run.complete = 1;
	hostile_run.seconds = -1;
	hostile_run.started_at = -1;
	hostile_run.rows = hostile_rows;
	hostile_run.nrows = 2;
	memset(rep, 0, sizeof(*rep));
	rep->title = hostile_name;
	rep->runs = &hostile_run;
	rep->nruns = 1;
	return rep;
}

/* No raw control byte, no invalid UTF-8, every hostile text escaped. */
static void
check_clean_markup(const char *x)
{
	const unsigned char *p;

	for (p = (const unsigned char *)x; *p != '\0'; p++)
		if (*p < 0x20 && *p != '\n')
			fail_msg("raw control byte 0x%02x in output", *p);
	assert_true(efl_text_is_clean("", 0));
	assert_null(strstr(x, "<b>"));
	assert_null(strstr(x, "\xff"));
	assert_null(strstr(x, "\xe2\x80\xae"));
	assert_null(strstr(x, "\xef\xbf\xbe"));
	assert_null(strstr(x, "]]>"));
}

static void
test_junit_hostile(void **state)
{
	struct efl_report rep;
	char *x = written(efl_junit_write, hostile_report(&rep));
	char want[1024];

	(void)state;
	check_clean_markup(x);
	snprintf(want, sizeof(want), "<testcase classname=\"%s\" name=\"%s\" "
	    "time=\"1.000\">\n      <failure type=\"%s\" message=\"%s\">%s: "
	    "%s&#10;device: %s&#10;target: &lt;t&gt;&#10;attempts: 0"
	    "</failure>", hostile_escaped, hostile_escaped, hostile_escaped,
	    hostile_escaped, hostile_escaped, hostile_escaped,
	    hostile_escaped);
	if (strstr(x, want) == NULL)
		fail_msg("no\n%s\nin\n%s", want, x);
	free(x);
}

static void
test_html(void **state)
{
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep = read_both(rd);
	char *h = written(efl_html_write, rep);

	(void)state;
	assert_true(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">", 32) ==
	    0);
	/* self-contained, no scripts */
	assert_null(strstr(h, "http:"));
	assert_null(strstr(h, "https:"));
	assert_null(strstr(h, "src="));
	assert_null(strstr(h, "href="));
	assert_null(strstr(h, "url("));
	assert_null(strstr(h, "@import"));
	assert_null(strstr(h, "<script"));
	/* the parts */
	assert_non_null(strstr(h, "<title>espfleet report</title>"));
	assert_non_null(strstr(h, "<h2>Failures</h2>"));
	assert_non_null(strstr(h, "<h2>Timeline</h2>\n<svg viewBox="));
	assert_non_null(strstr(h, "<h2>Pushes</h2>"));
	assert_non_null(strstr(h, "<h2>Devices</h2>"));
	/* the timeline: a bar per device with times, its tooltip */
	assert_non_null(strstr(h, "<g><title>kitchen (site-a): verified, "
	    "2.5 s, upload 1.2 s</title>"));
	assert_non_null(strstr(h, "<title>garage (site-a): auth-failed, 0.2 "
	    "s, upload - s: device rejected the password</title>"));
	assert_non_null(strstr(h, "<p class=\"note\">3 devices without times "
	    "in their report are not on the timeline.</p>"));
	/* the legend: each result once with its count and colour */
	assert_non_null(strstr(h, "<span class=\"sw\" "
	    "style=\"background:#2da44e\"></span>ok (1)</span>"));
	assert_non_null(strstr(h, "<span class=\"sw\" "
	    "style=\"background:#8250df\"></span>auth-failed (1)</span>"));
	assert_non_null(strstr(h, "rolled-back (1)"));
	assert_non_null(strstr(h, "no-result (1)"));
	assert_non_null(strstr(h, "skipped (1)"));
	assert_non_null(strstr(h, "<b>incomplete</b>"));
	assert_non_null(strstr(h, "</body>\n</html>\n"));
	free(h);
	efl_report_reader_free(rd);
}

static void
test_html_hostile(void **state)
{
	struct efl_report rep;
	char *h = written(efl_html_write, hostile_report(&rep));
	char want[512];

	(void)state;
	check_clean_markup(h);
	snprintf(want, sizeof(want), "<title>%s</title>", hostile_escaped);
	assert_non_null(strstr(h, want));
	snprintf(want, sizeof(want), "<td class=\"dev\">%s</td>",
	    hostile_escaped);
	assert_non_null(strstr(h, want));
	free(h);
}

/* ---- the table ---- */

static char *
table(const struct efl_report *rep, unsigned width)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	efl_report_table(fp, rep, width, 0);
	fclose(fp);
	return buf;
}

static size_t
columns(const char *line, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)line[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static void
test_table(void **state)
{
	struct efl_report_reader *rd = efl_report_reader_new();
	const struct efl_report *rep = read_both(rd);
	char *t = table(rep, 0), *line, *nl;

	(void)state;
	assert_string_equal(t,
	    "DEVICE   JOB     RESULT       SECONDS  MESSAGE\n"
	    "garage   site-a  auth-failed      0.2  device rejected the "
	    "password\n"
	    "hall     site-a  skipped          0.0  already runs this image\n"
	    "kitchen  site-a  verified         2.5  \n"
	    "attic    site-b  no-result          -  the report ends before "
	    "this device's result (the push was interrupted)\n"
	    "cellar   site-b  rolled-back      9.0  came back with its old "
	    "image\n"
	    "\n"
	    "site-b: incomplete: the report ends before the push's summary "
	    "(2 of 4 targets reported)\n"
	    "5 devices in 2 pushes: 1 updated, 3 failed, 1 skipped; "
	    "incomplete reports\n");
	free(t);
	/* cut to 60 columns: no line of the table is longer */
	t = table(rep, 60);
	for (line = t; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		if (strncmp(line, "site-b:", 7) == 0)
			break;
		if (columns(line, (size_t)(nl - line)) > 60)
			fail_msg("longer than 60: %.*s", (int)(nl - line),
			    line);
	}
	assert_non_null(strstr(t, "attic    site-b  no-result          -  "
	    "the report ends be...\n"));
	free(t);
	efl_report_reader_free(rd);
}

/* Device text is escaped for the terminal too. */
static void
test_table_hostile(void **state)
{
	struct efl_report rep;
	char *t = table(hostile_report(&rep), 0);
	const unsigned char *p;

	(void)state;
	for (p = (const unsigned char *)t; *p != '\0'; p++)
		assert_true(*p >= 0x20 || *p == '\n');
	assert_null(strstr(t, "\xe2\x80\xae"));
	free(t);
}

static void
test_write_file(void **state)
{
	struct efl_report rep;
	struct efl_errbuf eb;
	char dir[] = "/tmp/efl-report-XXXXXX", path[64];
	FILE *fp;
	char buf[128];

	(void)state;
	hostile_report(&rep);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/j.xml", dir);
	assert_int_equal(efl_report_write_file(path, efl_junit_write, &rep,
	    &eb), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	assert_string_equal(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "\n");
	fclose(fp);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);    /* no temporary left */
	assert_int_equal(efl_report_write_file(path, efl_junit_write, &rep,
	    &eb), -1);
	snprintf(buf, sizeof(buf), "cannot write '%s':", path);
	assert_non_null(strstr(eb.msg, buf));
}

/* A whole file's text (the caller frees it). */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t cap = 0, n;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	n = (size_t)getdelim(&buf, &cap, '\0', fp);
	assert_true(n > 0);
	fclose(fp);
	return buf;
}

/* push --junit: three rows of a push that just ran (updated and
 * verified, failed, skipped) in the JUnit file named after the file. */
static void
test_push_junit(void **state)
{
	struct efl_push_row rows[3];
	struct efl_push_run_info info;
	struct efl_report_row out[3];
	struct efl_errbuf eb;
	char dir[] = "/tmp/efl-report-XXXXXX", path[96], *x;
	uint64_t now = efl_now_ms();
	int i;

	(void)state;
	memset(rows, 0, sizeof(rows));
	for (i = 0; i < 3; i++) {
		snprintf(rows[i].label, sizeof(rows[i].label), "dev-%d", i);
		snprintf(rows[i].target, sizeof(rows[i].target),
		    "192.0.2.%d", i + 1);
		snprintf(rows[i].addr, sizeof(rows[i].addr), "192.0.2.%d",
		    i + 1);
		rows[i].port = 8266;
		rows[i].finished = 1;
		rows[i].attempts = 1;
		rows[i].verified = -1;
	}
	rows[0].ok = 1;
	rows[0].bytes = 5000;
	rows[0].started_ms = now - 2500;
	rows[0].finished_ms = now;
	rows[0].upload_started_ms = now - 2000;
	rows[0].upload_done_ms = now - 1000;
	rows[0].verified = 1;
	rows[0].verify_note = "verified";
	rows[1].code = EFL_R_AUTH_FAILED;
	rows[1].started_ms = now - 300;
	rows[1].finished_ms = now - 100;
	snprintf(rows[1].message, sizeof(rows[1].message), "device "
	    "rejected the password");
	rows[2].ok = rows[2].skipped = 1;
	rows[2].attempts = 0;
	snprintf(rows[2].message, sizeof(rows[2].message), "already "
	    "running this image (efa_md5 matches)");

	efl_report_rows_from_push(out, rows, 3);
	assert_string_equal(out[0].name, "dev-0");
	assert_int_equal(out[0].status, EFL_REPORT_OK);
	assert_string_equal(out[0].verification, "verified");
	assert_true(out[0].seconds > 2.4 && out[0].seconds < 2.6);
	assert_true(out[0].upload_seconds > 0.9 && out[0].upload_seconds <
	    1.1);
	assert_true(out[0].started_at > 1e9);
	assert_int_equal(out[1].status, EFL_REPORT_FAILED);
	assert_string_equal(out[1].code, "auth-failed");
	assert_true(out[1].upload_started_at < 0);
	assert_int_equal(out[2].status, EFL_REPORT_SKIPPED);
	assert_true(out[2].started_at < 0);
	assert_true(out[2].seconds == 0);

	memset(&info, 0, sizeof(info));
	info.image = "app.bin";
	info.md5 = "8e3f1c2a9b4d5e6f708192a3b4c5d6e7";
	info.via = "espota+http";
	info.started_ms = now - 2500;
	info.seconds = 2.5;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report-site-a-1.xml", dir);
	assert_int_equal(efl_push_junit_write(path, &info, rows, 3, &eb), 0);
	x = slurp(path);
	assert_non_null(strstr(x, "<testsuites name=\"espfleet\" tests=\"3\" "
	    "failures=\"1\" errors=\"0\" skipped=\"1\" time=\"2.500\">\n"));
	assert_non_null(strstr(x, "  <testsuite name=\"report-site-a-1\" "
	    "tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" "
	    "time=\"2.500\" timestamp=\"20"));
	assert_non_null(strstr(x, "<property name=\"via\" "
	    "value=\"espota+http\"/>"));
	assert_non_null(strstr(x, "<property name=\"kind\" "
	    "value=\"application\"/>"));
	assert_non_null(strstr(x, "<testcase classname=\"report-site-a-1\" "
	    "name=\"dev-0\" time=\"2.500\"/>"));
	assert_non_null(strstr(x, "<failure type=\"auth-failed\" "
	    "message=\"device rejected the password\">"));
	assert_non_null(strstr(x, "<skipped message=\"already running this "
	    "image (efa_md5 matches)\"/>"));
	free(x);
	unlink(path);
	/* no push at all (an empty shard): a suite without cases */
	assert_int_equal(efl_push_junit_write(path, &info, rows, 0, &eb), 0);
	x = slurp(path);
	assert_non_null(strstr(x, "  <testsuite name=\"report-site-a-1\" "
	    "tests=\"0\" failures=\"0\""));
	free(x);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	/* a file that cannot be written */
	assert_int_equal(efl_push_junit_write(path, &info, rows, 3, &eb), -1);
	assert_non_null(strstr(eb.msg, "cannot write '/tmp/efl-report-"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_all_ok),
		cmocka_unit_test(test_last_result_counts),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_device_twice),
		cmocka_unit_test(test_run_names),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_xml_escaping),
		cmocka_unit_test(test_junit_hostile),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_hostile),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_push_junit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
