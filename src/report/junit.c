/* SPDX-License-Identifier: MIT */
/*
 * JUnit XML of a report (see report.h), the dialect CI systems read
 * (GitLab artifacts:reports:junit, Jenkins, GitHub test reporters): a
 * <testsuites> with one <testsuite> per run and one <testcase> per device;
 * a failed device has <failure type="CODE" message="...">, a skipped one
 * <skipped message="..."/>. Every text goes through efl_xml_put, so any
 * device-supplied byte sequence gives well-formed XML.
 */
#include <stdio.h>
#include <string.h>

#include "espfleet/text.h"
#include "report-impl.h"

/* name="value" with the value escaped. */
static void
attr(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, " %s=\"", name);
	efl_xml_put(fp, value != NULL ? value : "");
	fputc('"', fp);
}

static double
nonneg(double s)
{
	return s > 0 ? s : 0;
}

static void
property(FILE *fp, const char *name, const char *value)
{
	if (value == NULL)
		return;
	fputs("      <property", fp);
	attr(fp, "name", name);
	attr(fp, "value", value);
	fputs("/>\n", fp);
}

/* What a failure's body says besides its message: where and how often. */
static void
failure_detail(FILE *fp, const struct efl_report_row *r)
{
	efl_xml_put(fp, r->code);
	fputs(": ", fp);
	efl_xml_put(fp, r->message);
	if (r->addr != NULL) {
		fputs("&#10;device: ", fp);
		efl_xml_put(fp, r->addr);
		if (r->port != 0)
			fprintf(fp, " port %u", r->port);
	}
	if (r->target != NULL && strcmp(r->target, r->name) != 0) {
		fputs("&#10;target: ", fp);
		efl_xml_put(fp, r->target);
	}
	fprintf(fp, "&#10;attempts: %u", r->attempts);
}

static void
testcase(FILE *fp, const struct efl_report_run *run,
    const struct efl_report_row *r)
{
	fputs("    <testcase", fp);
	attr(fp, "classname", run->name);
	attr(fp, "name", r->name);
	fprintf(fp, " time=\"%.3f\"", nonneg(r->seconds));
	switch (r->status) {
	case EFL_REPORT_OK:
		fputs("/>\n", fp);
		return;
	case EFL_REPORT_SKIPPED:
		fputs(">\n      <skipped", fp);
		attr(fp, "message", r->message);
		fputs("/>\n", fp);
		break;
	case EFL_REPORT_FAILED:
		fputs(">\n      <failure", fp);
		attr(fp, "type", r->code);
		attr(fp, "message", r->message);
		fputc('>', fp);
		failure_detail(fp, r);
		fputs("</failure>\n", fp);
		break;
	}
	fputs("    </testcase>\n", fp);
}

static void
testsuite(FILE *fp, const struct efl_report_run *run)
{
	struct efl_report_counts c;
	char when[REPORT_TIME_LEN];
	uint32_t missing;
	size_t k;

	report__count_init(&c);
	report__count_run(run, &c);
	missing = run->complete ? 0 : 1;
	fputs("  <testsuite", fp);
	attr(fp, "name", run->name);
	fprintf(fp, " tests=\"%zu\" failures=\"%u\" errors=\"%u\" "
	    "skipped=\"%u\" time=\"%.3f\"", run->nrows + missing, c.failed,
	    missing, c.skipped, nonneg(run->seconds));
	report__utc_text(when, run->started_at);
	if (when[0] != '\0')
		fprintf(fp, " timestamp=\"%s\"", when);
	fputs(">\n    <properties>\n", fp);
	property(fp, "file", run->file);
	property(fp, "image", run->image);
	property(fp, "md5", run->md5);
	property(fp, "kind", run->kind);
	property(fp, "via", run->via);
	fputs("    </properties>\n", fp);
	for (k = 0; k < run->nrows; k++)
		testcase(fp, run, &run->rows[k]);
	if (!run->complete) {
		fputs("    <testcase", fp);
		attr(fp, "classname", run->name);
		fputs(" name=\"(incomplete report)\" time=\"0.000\">\n"
		    "      <error type=\"incomplete\" message=\"", fp);
		fprintf(fp, "the report ends before the push's summary: the "
		    "push was interrupted (%u of %u targets have no result)",
		    c.missing, run->targets);
		fputs("\"/>\n    </testcase>\n", fp);
	}
	fputs("  </testsuite>\n", fp);
}

int
efl_junit_write(FILE *fp, const struct efl_report *rep)
{
	struct efl_report_counts c;
	double seconds = 0;
	size_t i;

	efl_report_count(rep, &c);
	for (i = 0; i < rep->nruns; i++)
		seconds += nonneg(rep->runs[i].seconds);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
	    "name=\"espfleet\"", fp);
	fprintf(fp, " tests=\"%u\" failures=\"%u\" errors=\"%u\" "
	    "skipped=\"%u\" time=\"%.3f\">\n", c.devices + c.incomplete_runs,
	    c.failed, c.incomplete_runs, c.skipped, seconds);
	for (i = 0; i < rep->nruns; i++)
		testsuite(fp, &rep->runs[i]);
	fputs("</testsuites>\n", fp);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}
