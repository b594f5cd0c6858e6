/* SPDX-License-Identifier: MIT */
/*
 * The terminal summary of a report (see report.h): one line per device
 * (device, job when there are several, result, seconds, message) cut to
 * the terminal's width, the runs that ended early, and the totals.
 */
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/text.h"
#include "report-impl.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

enum { C_DEVICE, C_JOB, C_RESULT, C_SECONDS, C_MESSAGE, NCOLS };

static const char *const header_text[NCOLS] = {
	"DEVICE", "JOB", "RESULT", "SECONDS", "MESSAGE"
};

struct line {
	char *cell[NCOLS];
	enum efl_report_status status;
};

static char *
cell(const char *s)
{
	char buf[512];

	if (s == NULL || *s == '\0')
		return xstrdup("");
	efl_printable(buf, sizeof(buf), s, strlen(s));
	return xstrdup(buf);
}

/* Print s in w columns (cut with "..." when longer), padded unless last. */
static void
put_cell(FILE *fp, const char *s, size_t w, int right, int last)
{
	size_t n = efl_text_width(s), i, cps;

	if (w > 0 && n > w) {
		/* the first w - 3 code points, then "..." */
		for (i = 0, cps = 0; s[i] != '\0'; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80 &&
			    cps++ == (w > 3 ? w - 3 : 0))
				break;
		}
		fwrite(s, 1, i, fp);
		fputs(w > 3 ? "..." : "", fp);
		n = w;
	} else {
		if (right)
			for (; n < w; n++)
				fputc(' ', fp);
		fputs(s, fp);
	}
	if (last)
		return;
	for (; n < w + 2; n++)
		fputc(' ', fp);
}

/* Column widths: the widest cell, a few capped; the message takes what
 * the terminal has left (width 0: no limit). */
static void
fit(size_t w[NCOLS], const struct line *lines, size_t n, int show_job,
    unsigned width)
{
	static const size_t cap[NCOLS] = { 32, 24, 20, 10, 0 };
	size_t i, c, used;

	for (c = 0; c < NCOLS; c++) {
		w[c] = strlen(header_text[c]);
		for (i = 0; i < n; i++)
			if (efl_text_width(lines[i].cell[c]) > w[c])
				w[c] = efl_text_width(lines[i].cell[c]);
		if (cap[c] > 0 && w[c] > cap[c])
			w[c] = cap[c];
	}
	if (!show_job)
		w[C_JOB] = 0;
	if (width == 0) {
		w[C_MESSAGE] = 0;
		return;
	}
	for (;;) {
		used = w[C_DEVICE] + w[C_RESULT] + w[C_SECONDS] + 6 +
		    (show_job ? w[C_JOB] + 2 : 0);
		if (used + 16 <= width || (w[C_DEVICE] <= 12 &&
		    w[C_JOB] <= 10))
			break;
		if (w[C_DEVICE] >= w[C_JOB] && w[C_DEVICE] > 12)
			w[C_DEVICE]--;
		else
			w[C_JOB]--;
	}
	w[C_MESSAGE] = width > used + 8 ? width - used : 8;
}

static void
put_line(FILE *fp, char *const *cells, const size_t w[NCOLS], int show_job,
    const char *color, int color_on)
{
	size_t c;

	for (c = 0; c < NCOLS; c++) {
		if (c == C_JOB && !show_job)
			continue;
		if (c == C_RESULT && color_on && color != NULL)
			fputs(color, fp);
		put_cell(fp, cells[c], w[c], c == C_SECONDS, c == C_MESSAGE);
		if (c == C_RESULT && color_on && color != NULL)
			fputs(RESET, fp);
	}
	fputc('\n', fp);
}

void
efl_report_table(FILE *fp, const struct efl_report *rep, unsigned width,
    int color)
{
	struct efl_report_counts cnt;
	struct line *lines, header;
	size_t i, k, n = 0, w[NCOLS], c;
	int show_job = rep->nruns > 1;
	char secs[16];

	efl_report_count(rep, &cnt);
	lines = xcalloc(cnt.devices + 1, sizeof(*lines));
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++, n++) {
			const struct efl_report_row *r = &rep->runs[i].rows[k];

			report__seconds_text(secs, r->seconds);
			lines[n].cell[C_DEVICE] = cell(r->name);
			lines[n].cell[C_JOB] = cell(rep->runs[i].name);
			lines[n].cell[C_RESULT] = cell(
			    efl_report_result_text(r));
			lines[n].cell[C_SECONDS] = xstrdup(secs);
			lines[n].cell[C_MESSAGE] = cell(r->message);
			lines[n].status = r->status;
		}
	for (c = 0; c < NCOLS; c++)
		header.cell[c] = xstrdup(header_text[c]);
	if (n > 0) {
		fit(w, lines, n, show_job, width);
		if (color)
			fputs(BOLD, fp);
		put_line(fp, header.cell, w, show_job, NULL, 0);
		if (color)
			fputs(RESET, fp);
		for (i = 0; i < n; i++)
			put_line(fp, lines[i].cell, w, show_job,
			    lines[i].status == EFL_REPORT_OK ? GREEN :
			    lines[i].status == EFL_REPORT_FAILED ? RED : DIM,
			    color);
		fputc('\n', fp);
	}
	for (i = 0; i < rep->nruns; i++) {
		const struct efl_report_run *run = &rep->runs[i];
		char *name;

		if (run->complete)
			continue;
		name = cell(run->name);
		fprintf(fp, "%s%s: incomplete: the report ends before the "
		    "push's summary (%zu of %u targets reported)%s\n",
		    color ? RED : "", name, run->nrows, run->targets,
		    color ? RESET : "");
		free(name);
	}
	fprintf(fp, "%s%u device%s in %zu push%s: %u updated, %u failed, "
	    "%u skipped%s%s\n", color ? (efl_report_all_ok(rep) ? GREEN :
	    RED) : "", cnt.devices, cnt.devices == 1 ? "" : "s", rep->nruns,
	    rep->nruns == 1 ? "" : "es", cnt.ok, cnt.failed, cnt.skipped,
	    cnt.incomplete_runs > 0 ? "; incomplete reports" : "",
	    color ? RESET : "");
	for (c = 0; c < NCOLS; c++) {
		free(header.cell[c]);
		for (i = 0; i < n; i++)
			free(lines[i].cell[c]);
	}
	free(lines);
}
