/* SPDX-License-Identifier: MIT */
/*
 * What every report writer shares (see report.h): the counts, how a
 * result is named, times as text, and files written through a temporary.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "espfleet/common.h"
#include "espfleet/file.h"
#include "espfleet/text.h"
#include "report-impl.h"

void
report__count_run(const struct efl_report_run *run,
    struct efl_report_counts *c)
{
	size_t k;

	if (!run->complete) {
		c->incomplete_runs++;
		if (run->targets > run->nrows)
			c->missing += run->targets - (uint32_t)run->nrows;
	}
	for (k = 0; k < run->nrows; k++) {
		const struct efl_report_row *r = &run->rows[k];
		double end;

		c->devices++;
		if (r->status == EFL_REPORT_OK)
			c->ok++;
		else if (r->status == EFL_REPORT_SKIPPED)
			c->skipped++;
		else
			c->failed++;
		if (r->started_at < 0)
			continue;
		end = r->started_at + (r->seconds > 0 ? r->seconds : 0);
		if (c->first_start < 0 || r->started_at < c->first_start)
			c->first_start = r->started_at;
		if (end > c->last_end)
			c->last_end = end;
	}
}

void
report__count_init(struct efl_report_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->first_start = c->last_end = -1;
}

void
efl_report_count(const struct efl_report *rep, struct efl_report_counts *c)
{
	size_t i;

	report__count_init(c);
	for (i = 0; i < rep->nruns; i++)
		report__count_run(&rep->runs[i], c);
}

int
efl_report_all_ok(const struct efl_report *rep)
{
	struct efl_report_counts c;

	efl_report_count(rep, &c);
	return c.failed == 0 && c.incomplete_runs == 0;
}

const char *
efl_report_result_text(const struct efl_report_row *r)
{
	if (r->status == EFL_REPORT_SKIPPED)
		return "skipped";
	if (r->status == EFL_REPORT_FAILED)
		return r->code != NULL ? r->code : "failed";
	return r->verification != NULL && r->verification[0] != '\0' ?
	    r->verification : "ok";
}

void
report__utc_text(char out[REPORT_TIME_LEN], double t)
{
	time_t sec;
	struct tm tm;

	out[0] = '\0';
	if (t < 0 || !isfinite(t) || t > 253402300799.0)  /* year 9999 */
		return;
	sec = (time_t)t;
	if (gmtime_r(&sec, &tm) != NULL)
		strftime(out, REPORT_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
}

void
report__seconds_text(char out[16], double s)
{
	if (s < 0 || !isfinite(s))
		snprintf(out, 16, "-");
	else if (s < 1e9)
		snprintf(out, 16, "%.1f", s);
	else
		snprintf(out, 16, "%.3g", s);
}

struct report_writer {
	int (*writer)(FILE *, const struct efl_report *);
	const struct efl_report *rep;
};

static int
write_report(FILE *fp, const void *arg)
{
	const struct report_writer *w = arg;

	return w->writer(fp, w->rep);
}

int
efl_report_write_file(const char *path,
    int (*writer)(FILE *, const struct efl_report *),
    const struct efl_report *rep, struct efl_errbuf *eb)
{
	struct report_writer w = { writer, rep };

	return efl_write_file(path, write_report, &w, eb);
}
