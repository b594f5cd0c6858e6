/* SPDX-License-Identifier: MIT */
/*
 * The report as one self-contained HTML page (see report.h): the counts,
 * the failures, an SVG timeline of every device coloured by result with
 * its legend, the runs and every device. Inline CSS, no scripts, no
 * external references (no src, href or url()), so it opens from a CI
 * artifact or a mail attachment as it is. Written as well-formed XML
 * (polyglot HTML), so XML tools can check it; every text from the
 * reports goes through efl_xml_put.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/text.h"
#include "report-impl.h"

#define OK_COLOR "#2da44e"
#define SKIP_COLOR "#afb8c1"

/* Failure codes have fixed colours; codes of newer versions take the
 * spare ones in order of appearance. */
static const struct {
	const char *code, *color;
} code_colors[] = {
	{ "no-answer", "#cf222e" },
	{ "connect-timeout", "#e16f24" },
	{ "transfer-failed", "#d4a72c" },
	{ "auth-failed", "#8250df" },
	{ "image-invalid", "#bf3989" },
	{ "no-space", "#953800" },
	{ "device-error", "#a40e26" },
	{ "verify-failed", "#1b7c83" },
	{ "not-back", "#6639ba" },
	{ "canceled", "#6e7781" },
	{ "rolled-back", "#0550ae" },
	{ "no-result", "#24292f" },
};
static const char *const spare_colors[] = {
	"#fa4549", "#bc4c00", "#4d2d00", "#0a3069", "#3f2200", "#7d4e00",
};

/* The legend's entries: result text -> colour, in order of appearance. */
struct legend {
	const char *text[64];
	const char *color[64];
	uint32_t count[64];
	size_t n, spare;
};

static const char *
fixed_color(const char *code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(code_colors); i++)
		if (strcmp(code_colors[i].code, code) == 0)
			return code_colors[i].color;
	return NULL;
}

/* The legend key of a row: "ok", "skipped" or its code. */
static const char *
key_of(const struct efl_report_row *r)
{
	return r->status == EFL_REPORT_OK ? "ok" :
	    r->status == EFL_REPORT_SKIPPED ? "skipped" : r->code;
}

static const char *
color_of(struct legend *lg, const struct efl_report_row *r)
{
	const char *key = key_of(r), *color;
	size_t i;

	for (i = 0; i < lg->n; i++)
		if (strcmp(lg->text[i], key) == 0)
			return lg->color[i];
	if (r->status == EFL_REPORT_OK)
		color = OK_COLOR;
	else if (r->status == EFL_REPORT_SKIPPED)
		color = SKIP_COLOR;
	else if ((color = fixed_color(key)) == NULL)
		color = spare_colors[lg->spare++ % ARRAY_SIZE(spare_colors)];
	if (lg->n < ARRAY_SIZE(lg->text)) {
		lg->text[lg->n] = key;
		lg->color[lg->n++] = color;
	}
	return color;
}

static void
build_legend(struct legend *lg, const struct efl_report *rep)
{
	size_t i, k, j;

	memset(lg, 0, sizeof(*lg));
	/* ok first, skipped last, failures between */
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++)
			if (rep->runs[i].rows[k].status == EFL_REPORT_OK)
				(void)color_of(lg, &rep->runs[i].rows[k]);
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++)
			if (rep->runs[i].rows[k].status == EFL_REPORT_FAILED)
				(void)color_of(lg, &rep->runs[i].rows[k]);
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++)
			if (rep->runs[i].rows[k].status == EFL_REPORT_SKIPPED)
				(void)color_of(lg, &rep->runs[i].rows[k]);
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++)
			for (j = 0; j < lg->n; j++)
				if (strcmp(lg->text[j],
				    key_of(&rep->runs[i].rows[k])) == 0)
					lg->count[j]++;
}

static void
put(FILE *fp, const char *s)
{
	efl_xml_put(fp, s != NULL ? s : "");
}

static const char style[] =
"body{font:14px/1.45 \"DejaVu Sans\",\"Segoe UI\",Helvetica,Arial,"
"sans-serif;color:#1f2328;background:#fff;margin:24px 32px;}\n"
"h1{font-size:24px;margin:0 0 4px;}\n"
"h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;"
"border-bottom:1px solid #d0d7de;}\n"
".sub{color:#59636e;margin:0 0 16px;}\n"
".cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 4px;}\n"
".card{border:1px solid #d0d7de;border-radius:8px;padding:8px 18px;"
"min-width:96px;}\n"
".card .n{font-size:28px;font-weight:bold;}\n"
".card .l{color:#59636e;font-size:12px;text-transform:uppercase;"
"letter-spacing:.04em;}\n"
".card.ok .n{color:#1a7f37;}.card.bad .n{color:#cf222e;}"
".card.skip .n{color:#59636e;}\n"
".verdict{display:inline-block;padding:2px 10px;border-radius:12px;"
"color:#fff;font-weight:bold;font-size:13px;vertical-align:middle;"
"margin-left:8px;}\n"
"table{border-collapse:collapse;width:100%;font-size:13px;}\n"
"th,td{text-align:left;padding:4px 10px;border-bottom:1px solid "
"#eaeef2;vertical-align:top;}\n"
"th{background:#f6f8fa;font-weight:600;white-space:nowrap;}\n"
"tbody tr:nth-child(even){background:#fafbfc;}\n"
"td.n{text-align:right;font-variant-numeric:tabular-nums;"
"white-space:nowrap;}\n"
"td.dev{font-weight:600;white-space:nowrap;}\n"
"td.push,td.when{white-space:nowrap;}\n"
"td.path code{overflow-wrap:anywhere;}\n"
"td.nw{white-space:nowrap;}\n"
".wide{overflow-x:auto;}\n"
"td.msg{color:#3d444d;word-break:break-word;}\n"
"code{font:12px \"DejaVu Sans Mono\",monospace;}\n"
".badge{display:inline-block;padding:1px 8px;border-radius:10px;"
"color:#fff;font-size:12px;font-weight:600;white-space:nowrap;}\n"
".legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin:8px 0;"
"font-size:13px;}\n"
".sw{display:inline-block;width:14px;height:14px;border-radius:3px;"
"vertical-align:-2px;margin-right:6px;}\n"
".note{color:#59636e;font-size:12px;}\n"
"svg{display:block;width:100%;height:auto;}\n"
"footer{margin-top:32px;color:#8c959f;font-size:12px;}\n";

/* A time for people: "2026-12-02 06:51:02" (UTC), "" if unknown. */
static void
shown_time(char out[REPORT_TIME_LEN], double t)
{
	char *sep;

	report__utc_text(out, t);
	if ((sep = strchr(out, 'T')) != NULL)
		*sep = ' ';
}

static void
badge(FILE *fp, struct legend *lg, const struct efl_report_row *r)
{
	fprintf(fp, "<span class=\"badge\" style=\"background:%s\">",
	    color_of(lg, r));
	put(fp, efl_report_result_text(r));
	fputs("</span>", fp);
}

/* A device's table row up to its result: device, push, badge. */
static void
row_start(FILE *fp, struct legend *lg, const struct efl_report_run *run,
    const struct efl_report_row *r)
{
	fputs("<tr><td class=\"dev\">", fp);
	put(fp, r->name);
	fputs("</td><td class=\"push\">", fp);
	put(fp, run->name);
	fputs("</td><td>", fp);
	badge(fp, lg, r);
	fputs("</td>", fp);
}

static void
seconds_cell(FILE *fp, double s)
{
	char t[16];

	report__seconds_text(t, s);
	fprintf(fp, "<td class=\"n\">%s</td>", t);
}

static void
cards(FILE *fp, const struct efl_report_counts *c)
{
	fprintf(fp, "<div class=\"cards\">\n"
	    "<div class=\"card\"><div class=\"n\">%u</div>"
	    "<div class=\"l\">devices</div></div>\n"
	    "<div class=\"card ok\"><div class=\"n\">%u</div>"
	    "<div class=\"l\">updated</div></div>\n"
	    "<div class=\"card bad\"><div class=\"n\">%u</div>"
	    "<div class=\"l\">failed</div></div>\n"
	    "<div class=\"card skip\"><div class=\"n\">%u</div>"
	    "<div class=\"l\">skipped</div></div>\n",
	    c->devices, c->ok, c->failed, c->skipped);
	if (c->incomplete_runs > 0)
		fprintf(fp, "<div class=\"card bad\"><div class=\"n\">%u</div>"
		    "<div class=\"l\">incomplete reports</div></div>\n",
		    c->incomplete_runs);
	fputs("</div>\n", fp);
}

static void
header(FILE *fp, const struct efl_report *rep,
    const struct efl_report_counts *c)
{
	char from[REPORT_TIME_LEN];
	int ok = c->failed == 0 && c->incomplete_runs == 0;

	fputs("<h1>", fp);
	put(fp, rep->title != NULL ? rep->title : "espfleet report");
	fprintf(fp, "<span class=\"verdict\" style=\"background:%s\">%s"
	    "</span></h1>\n<p class=\"sub\">", ok ? OK_COLOR : "#cf222e",
	    ok ? "all devices ok" : "failures");
	fprintf(fp, "%zu push%s", rep->nruns, rep->nruns == 1 ? "" : "es");
	shown_time(from, c->first_start);
	if (from[0] != '\0')
		fprintf(fp, ", from %s UTC over %.1f s", from,
		    c->last_end - c->first_start);
	fputs("</p>\n", fp);
	cards(fp, c);
}

static void
failures(FILE *fp, const struct efl_report *rep, struct legend *lg,
    const struct efl_report_counts *c)
{
	size_t i, k;

	if (c->failed == 0)
		return;
	fputs("<h2>Failures</h2>\n<div class=\"wide\"><table><thead><tr><th>Device</th>"
	    "<th>Push</th><th>Result</th><th>Message</th></tr></thead>"
	    "<tbody>\n", fp);
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++) {
			const struct efl_report_row *r = &rep->runs[i].rows[k];

			if (r->status != EFL_REPORT_FAILED)
				continue;
			row_start(fp, lg, &rep->runs[i], r);
			fputs("<td class=\"msg\">", fp);
			put(fp, r->message);
			fputs("</td></tr>\n", fp);
		}
	fputs("</tbody></table></div>\n", fp);
}

/* ---- the timeline ---- */

#define TL_WIDTH 1200
#define TL_RIGHT 24
#define TL_AXIS 30
#define TL_RUN_GAP 22

struct bar {
	const struct efl_report_row *r;
	size_t run;
};

static int
cmp_bar(const void *a, const void *b)
{
	const struct bar *x = a, *y = b;

	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	if (x->r->started_at != y->r->started_at)
		return x->r->started_at < y->r->started_at ? -1 : 1;
	return strcmp(x->r->name, y->r->name);
}

/* A tick step of 1, 2 or 5 times a power of ten: at most 10 ticks. */
static double
tick_step(double span)
{
	double step = pow(10, floor(log10(span / 10)));

	if (span / step > 10)
		step *= 2;
	if (span / step > 10)
		step *= 2.5;
	if (span / step > 10)
		step *= 2;
	return step;
}

static void
tick_label(char *out, size_t cap, double s, double step)
{
	if (step >= 60 && fmod(s, 60) == 0)
		snprintf(out, cap, "%.0f min", s / 60);
	else if (step < 1)
		snprintf(out, cap, "%.1f s", s);
	else
		snprintf(out, cap, "%.0f s", s);
}

static void
axis(FILE *fp, double span, double step, int left, double plot_w,
    int y_text, int y0, int y1)
{
	double t;
	char label[32];

	for (t = 0; t <= span + step / 1000; t += step) {
		double x = left + t / span * plot_w;

		tick_label(label, sizeof(label), t, step);
		fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
		    "y2=\"%d\" stroke=\"#d8dee4\" stroke-width=\"1\"/>"
		    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		    "fill=\"#59636e\" text-anchor=\"middle\">%s</text>\n",
		    x, y0, x, y1, x, y_text, label);
	}
}

static void
bar_title(FILE *fp, const struct efl_report *rep, const struct bar *b)
{
	const struct efl_report_row *r = b->r;
	char s[16], u[16];

	report__seconds_text(s, r->seconds);
	report__seconds_text(u, r->upload_seconds);
	fputs("<title>", fp);
	put(fp, r->name);
	fputs(" (", fp);
	put(fp, rep->runs[b->run].name);
	fputs("): ", fp);
	put(fp, efl_report_result_text(r));
	fprintf(fp, ", %s s, upload %s s", s, u);
	if (r->message != NULL && r->message[0] != '\0') {
		fputs(": ", fp);
		put(fp, r->message);
	}
	fputs("</title>", fp);
}

static void
timeline(FILE *fp, const struct efl_report *rep, struct legend *lg,
    const struct efl_report_counts *c)
{
	struct bar *bars;
	size_t i, k, n = 0, untimed = 0, separators = 0;
	size_t last_run = (size_t)-1;
	double span, step, plot_w, row_h, y;
	int left, labels, height, rx;

	bars = xcalloc(c->devices + 1, sizeof(*bars));
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++) {
			if (rep->runs[i].rows[k].started_at < 0) {
				untimed++;
				continue;
			}
			bars[n].r = &rep->runs[i].rows[k];
			bars[n++].run = i;
		}
	fputs("<h2>Timeline</h2>\n", fp);
	if (n == 0) {
		fputs("<p class=\"note\">No device has times in its report."
		    "</p>\n", fp);
		free(bars);
		return;
	}
	qsort(bars, n, sizeof(*bars), cmp_bar);
	if (rep->nruns > 1)
		for (i = 0; i < n; i++)
			if (i == 0 || bars[i].run != bars[i - 1].run)
				separators++;
	/* rows readable up to 120 devices, then a dense picture of at
	 * most about 1400 pixels */
	row_h = n <= 40 ? 20 : n <= 120 ? 13 : fmax(2, 1400.0 / (double)n);
	labels = row_h >= 13;
	rx = row_h >= 10 ? 3 : 0;
	left = labels ? 210 : 16;
	plot_w = TL_WIDTH - left - TL_RIGHT;
	span = fmax(c->last_end - c->first_start, 1);
	step = tick_step(span);
	height = TL_AXIS + (int)ceil(row_h * (double)n) +
	    (int)separators * TL_RUN_GAP + 12;
	fprintf(fp, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "role=\"img\" aria-label=\"timeline of every device\">\n",
	    TL_WIDTH, height, TL_WIDTH, height);
	axis(fp, span, step, left, plot_w, 14, TL_AXIS - 8, height - 4);
	y = TL_AXIS;
	for (i = 0; i < n; i++) {
		const struct efl_report_row *r = bars[i].r;
		double x0 = left + (r->started_at - c->first_start) / span *
		    plot_w;
		double w = fmax(2, fmax(r->seconds, 0) / span * plot_w);
		double top = y + row_h * 0.15, h = row_h * 0.7;
		const char *color = color_of(lg, r);

		if (separators > 0 && bars[i].run != last_run) {
			fprintf(fp, "<text x=\"4\" y=\"%.1f\" "
			    "font-size=\"12\" font-weight=\"bold\" "
			    "fill=\"#1f2328\">", y + 15);
			put(fp, rep->runs[bars[i].run].name);
			fprintf(fp, "</text><line x1=\"0\" y1=\"%.1f\" "
			    "x2=\"%d\" y2=\"%.1f\" stroke=\"#8c959f\"/>\n",
			    y + 20, TL_WIDTH, y + 20);
			y += TL_RUN_GAP;
			top = y + row_h * 0.15;
		}
		last_run = bars[i].run;
		fputs("<g>", fp);
		bar_title(fp, rep, &bars[i]);
		if (i % 2 == 1)
			fprintf(fp, "<rect x=\"0\" y=\"%.1f\" width=\"%d\" "
			    "height=\"%.1f\" fill=\"#f3f5f7\"/>", y, TL_WIDTH,
			    row_h);
		if (labels) {
			fprintf(fp, "<text x=\"%d\" y=\"%.1f\" "
			    "font-size=\"%d\" fill=\"#1f2328\" "
			    "text-anchor=\"end\">", left - 8, y + row_h * 0.72,
			    row_h >= 18 ? 12 : 10);
			put(fp, r->name);
			fputs("</text>", fp);
		}
		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" rx=\"%d\" fill=\"%s\" "
		    "fill-opacity=\"0.35\"/>", x0, top, w, h, rx, color);
		if (r->upload_started_at >= 0 && r->upload_seconds >= 0)
			fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\" rx=\"%d\" "
			    "fill=\"%s\"/>", left + (r->upload_started_at -
			    c->first_start) / span * plot_w, top,
			    fmax(2, r->upload_seconds / span * plot_w), h, rx,
			    color);
		else if (r->status != EFL_REPORT_OK)
			/* no transfer: a solid mark where it ended */
			fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" "
			    "width=\"3\" height=\"%.1f\" fill=\"%s\"/>",
			    x0 + w - 3, top, h, color);
		fputs("</g>\n", fp);
		y += row_h;
	}
	fputs("</svg>\n", fp);
	if (untimed > 0)
		fprintf(fp, "<p class=\"note\">%zu device%s without times in "
		    "%s report %s not on the timeline.</p>\n", untimed,
		    untimed == 1 ? "" : "s", untimed == 1 ? "its" : "their",
		    untimed == 1 ? "is" : "are");
	free(bars);
}

/* ---- tables ---- */

static void
runs_table(FILE *fp, const struct efl_report *rep)
{
	size_t i;

	fputs("<h2>Pushes</h2>\n<div class=\"wide\"><table><thead><tr><th>Push</th><th>File"
	    "</th><th>Image</th><th>MD5</th><th>Via</th><th>Started (UTC)"
	    "</th><th>Seconds</th><th>Devices</th><th>Updated</th>"
	    "<th>Failed</th><th>Skipped</th><th>Report</th></tr></thead>"
	    "<tbody>\n", fp);
	for (i = 0; i < rep->nruns; i++) {
		const struct efl_report_run *run = &rep->runs[i];
		struct efl_report_counts c;
		char when[REPORT_TIME_LEN];

		report__count_init(&c);
		report__count_run(run, &c);
		shown_time(when, run->started_at);
		fputs("<tr><td class=\"dev\">", fp);
		put(fp, run->name);
		fputs("</td><td class=\"path\"><code>", fp);
		put(fp, run->file);
		fputs("</code></td><td class=\"path\"><code>", fp);
		put(fp, run->image);
		fputs("</code></td><td class=\"nw\"><code>", fp);
		put(fp, run->md5);
		fputs("</code></td><td>", fp);
		put(fp, run->via);
		fprintf(fp, "</td><td class=\"when\">%s</td>", when[0] != '\0' ?
		    when : "-");
		seconds_cell(fp, run->seconds);
		fprintf(fp, "<td class=\"n\">%u</td><td class=\"n\">%u</td>"
		    "<td class=\"n\">%u</td><td class=\"n\">%u</td><td>%s"
		    "</td></tr>\n", c.devices, c.ok, c.failed, c.skipped,
		    run->complete ? "complete" : "<b>incomplete</b>: the push "
		    "was interrupted");
	}
	fputs("</tbody></table></div>\n", fp);
}

static void
devices_table(FILE *fp, const struct efl_report *rep, struct legend *lg)
{
	size_t i, k;

	fputs("<h2>Devices</h2>\n<div class=\"wide\"><table><thead><tr><th>Device</th><th>Push"
	    "</th><th>Result</th><th>Seconds</th><th>Upload s</th>"
	    "<th>Attempts</th><th>Bytes</th><th>Address</th><th>Message</th>"
	    "</tr></thead><tbody>\n", fp);
	for (i = 0; i < rep->nruns; i++)
		for (k = 0; k < rep->runs[i].nrows; k++) {
			const struct efl_report_row *r = &rep->runs[i].rows[k];

			row_start(fp, lg, &rep->runs[i], r);
			seconds_cell(fp, r->seconds);
			seconds_cell(fp, r->upload_seconds);
			fprintf(fp, "<td class=\"n\">%u</td><td class=\"n\">"
			    "%llu</td><td class=\"nw\"><code>", r->attempts,
			    (unsigned long long)r->bytes);
			put(fp, r->addr);
			if (r->addr != NULL && r->port != 0)
				fprintf(fp, strchr(r->addr, ':') != NULL ?
				    " port %u" : ":%u", r->port);
			fputs("</code></td><td class=\"msg\">", fp);
			put(fp, r->message);
			fputs("</td></tr>\n", fp);
		}
	fputs("</tbody></table></div>\n", fp);
}

static void
legend_html(FILE *fp, const struct legend *lg)
{
	size_t i;

	fputs("<div class=\"legend\">", fp);
	for (i = 0; i < lg->n; i++) {
		fprintf(fp, "<span><span class=\"sw\" style=\"background:%s\">"
		    "</span>", lg->color[i]);
		put(fp, lg->text[i]);
		fprintf(fp, " (%u)</span>", lg->count[i]);
	}
	fputs("</div>\n<p class=\"note\">One row per device, from its first "
	    "invitation to its result. Solid: the image transfer; light: "
	    "waiting for the device (invitation, authentication, "
	    "connect-back, retries, verification after the reboot). Hover "
	    "a row for its details.</p>\n", fp);
}

int
efl_html_write(FILE *fp, const struct efl_report *rep)
{
	struct efl_report_counts c;
	struct legend lg;

	efl_report_count(rep, &c);
	build_legend(&lg, rep);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"/>\n<title>", fp);
	put(fp, rep->title != NULL ? rep->title : "espfleet report");
	fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    style);
	header(fp, rep, &c);
	failures(fp, rep, &lg, &c);
	timeline(fp, rep, &lg, &c);
	legend_html(fp, &lg);
	runs_table(fp, rep);
	devices_table(fp, rep, &lg);
	fprintf(fp, "<footer>espfleet %s report</footer>\n</body>\n"
	    "</html>\n", ESPFLEET_VERSION);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}
