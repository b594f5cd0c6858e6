/* SPDX-License-Identifier: MIT */
/*
 * Human renderer. On a terminal: a live area with one progress line per
 * active target (name, bar, percent, KB/s, state), redrawn by the caller's
 * 4 Hz tick; finished failures are printed above it; a summary table at the
 * end. Otherwise: one plain line per event, no escape sequences.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "espfleet/common.h"
#include "espfleet/discover.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/serve.h"
#include "espfleet/target.h"
#include "espfleet/text.h"
#include "output-impl.h"

#define LIVE_MAX 24
#define BAR_WIDTH 24

/* Device-supplied text for the terminal; "-" when there is none. */
static void
show(char *out, size_t cap, const char *s)
{
	if (s == NULL || *s == '\0')
		s = "-";
	efl_printable(out, cap, s, strlen(s));
}

static const char *
c_on(const struct efl_out *o, const char *code)
{
	return o->color ? code : "";
}

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static size_t width(const char *s);

static double
seconds(const struct efl_push_row *r, uint64_t now)
{
	uint64_t end = r->finished ? r->finished_ms : now;

	return r->started_ms == 0 ? 0 : (double)(end - r->started_ms) / 1000.0;
}

/* Remove the live area (TTY) so that a permanent line can be printed. */
static void
clear_live(struct efl_out *o)
{
	if (o->mode != EFL_OUT_TTY || o->live_lines == 0)
		return;
	fprintf(o->fp, "\033[%uA\r\033[J", o->live_lines);
	o->live_lines = 0;
}

static const char *
size_text(char *buf, size_t cap, uint64_t bytes)
{
	if (bytes >= 10u << 20)
		snprintf(buf, cap, "%.1f MiB", (double)bytes / 1048576.0);
	else if (bytes >= 10u << 10)
		snprintf(buf, cap, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
	return buf;
}

static void
human_push_begin(struct efl_out *o, const char *image, uint32_t size,
    const char *md5, int command, uint32_t ntargets, const char *via)
{
	char sz[32];

	fprintf(o->fp, "%s%s %s%s (%s, md5 %s) to %u target%s%s\n",
	    c_on(o, BOLD), command == 100 ? "pushing filesystem image" :
	    "pushing", image, c_on(o, RESET), size_text(sz, sizeof(sz), size),
	    md5, ntargets, ntargets == 1 ? "" : "s",
	    strcmp(via, "http") == 0 ? " over HTTP" : "");
}

/* The row's address and port, "[v6]:port" for IPv6. */
static const char *
endpoint(const struct efl_push_row *r, char *out, size_t cap)
{
	efl_endpoint_text(out, cap, r->addr, r->port);
	return out;
}

static void
human_push_phase(struct efl_out *o, const struct efl_push_row *r)
{
	char ep[INET6_ADDRSTRLEN + 8];

	if (o->mode == EFL_OUT_PLAIN && r->phase_events == 1 &&
	    r->attempts == 1)
		fprintf(o->fp, "%s: starting (%s)\n", r->label,
		    endpoint(r, ep, sizeof(ep)));
}

static void
human_push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries)
{
	clear_live(o);
	fprintf(o->fp, "%s%s: attempt %u of %u failed (%s: %s), retrying in "
	    "%.1f s%s\n", c_on(o, YELLOW), r->label, r->attempts, retries + 1,
	    efl_result_code_name(code), message, (double)delay_ms / 1000.0,
	    c_on(o, RESET));
}

static void
human_push_result(struct efl_out *o, const struct efl_push_row *r)
{
	char sz[32];

	if (o->mode == EFL_OUT_TTY && (r->ok || r->skipped))
		return; /* successes, skips and halts: in the summary table */
	clear_live(o);
	if (r->skipped && r->code == EFL_R_HALTED)
		fprintf(o->fp, "%s: halted: %s\n", r->label, r->message);
	else if (r->skipped)
		fprintf(o->fp, "%s: skipped: %s\n", r->label, r->message);
	else if (r->ok)
		fprintf(o->fp, "%s: ok: %s in %.1f s%s%s\n", r->label,
		    size_text(sz, sizeof(sz), r->bytes), seconds(r, 0),
		    r->verify_note != NULL ? ", " : "",
		    r->verify_note != NULL ? r->verify_note : "");
	else
		fprintf(o->fp, "%s%s: FAILED %s: %s%s\n", c_on(o, RED), r->label,
		    efl_result_code_name(r->code), r->message, c_on(o, RESET));
}

/* "canary" or "wave 2 of 3" */
static const char *
wave_name(char *buf, size_t cap, uint32_t index, uint32_t nwaves)
{
	if (index == 0)
		snprintf(buf, cap, "canary");
	else
		snprintf(buf, cap, "wave %u of %u", index, nwaves);
	return buf;
}

/* "no failure allowed", "2 failures allowed", "no threshold" */
static const char *
allowed_text(char *buf, size_t cap, uint32_t allowed)
{
	if (allowed == UINT32_MAX)
		snprintf(buf, cap, "no threshold");
	else if (allowed == 0)
		snprintf(buf, cap, "no failure allowed");
	else
		snprintf(buf, cap, "%u failure%s allowed", allowed,
		    allowed == 1 ? "" : "s");
	return buf;
}

static void
human_push_wave(struct efl_out *o, const struct efl_wave_info *w)
{
	char name[48], allowed[48];

	clear_live(o);
	wave_name(name, sizeof(name), w->index, w->nwaves);
	if (!w->ended)
		fprintf(o->fp, "%s== %s: %u device%s ==%s\n", c_on(o, BOLD),
		    name, w->targets, w->targets == 1 ? "" : "s",
		    c_on(o, RESET));
	else
		fprintf(o->fp, "%s%s done: %u ok, %u failed, %u skipped in "
		    "%.1f s (%u failed in all, %s)%s\n", c_on(o, w->failed ?
		    RED : GREEN), name, w->ok, w->failed, w->skipped,
		    w->end - w->start, w->failed_total,
		    allowed_text(allowed, sizeof(allowed), w->allowed),
		    c_on(o, RESET));
}

static void
human_push_halt(struct efl_out *o, const char *reason, uint32_t started,
    uint32_t failed, uint32_t halted)
{
	clear_live(o);
	fprintf(o->fp, "%srollout HALTED: %s; %u of %u started failed, %u "
	    "not started%s\n", c_on(o, RED), reason, failed, started, halted,
	    c_on(o, RESET));
}

static void
human_push_soak_failed(struct efl_out *o, const struct efl_push_row *r)
{
	clear_live(o);
	fprintf(o->fp, "%s%s: FAILED %s: %s%s\n", c_on(o, RED), r->label,
	    efl_result_code_name(r->code), r->message, c_on(o, RESET));
}

/* The live line of the open wave: its verdicts, failures, threshold. */
static void
wave_live_line(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n)
{
	uint32_t i, done = 0, failed = 0;
	char name[48], allowed[48];

	if (!o->wave_live)
		return;
	for (i = 0; i < n; i++)
		if (rows[i].in_wave && rows[i].wave == o->wave.index &&
		    rows[i].finished) {
			done++;
			failed += !rows[i].ok && !rows[i].skipped;
		}
	fprintf(o->fp, "%s%s: %u/%u done, %u failed (%s)%s\n",
	    c_on(o, BOLD), wave_name(name, sizeof(name), o->wave.index,
	    o->wave.nwaves), done, o->wave.targets, failed,
	    allowed_text(allowed, sizeof(allowed), o->wave.allowed),
	    c_on(o, RESET));
	o->live_lines++;
}

static int
is_live(const struct efl_push_row *r)
{
	return !r->finished && r->phase != EFL_PHASE_QUEUED &&
	    r->phase != EFL_PHASE_DONE;
}

static void
human_push_tick(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n)
{
	uint64_t now = efl_now_ms();
	uint32_t i, shown = 0, active = 0, queued = 0;

	clear_live(o);
	for (i = 0; i < n; i++) {
		const struct efl_push_row *r = &rows[i];
		char bar[BAR_WIDTH + 1];
		uint32_t pct, fill, k;
		double secs, rate;

		if (!r->finished && r->phase == EFL_PHASE_QUEUED)
			queued++;
		if (!is_live(r))
			continue;
		active++;
		if (shown == LIVE_MAX)
			continue;
		pct = r->total ? (uint32_t)((uint64_t)r->acked * 100 /
		    r->total) : 0;
		fill = pct * BAR_WIDTH / 100;
		for (k = 0; k < BAR_WIDTH; k++)
			bar[k] = k < fill ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		/* the transfer's own rate: from the connect-back to the last
		 * acknowledged byte (it does not fall while the device
		 * verifies and reboots) */
		secs = r->upload_started_ms == 0 ? 0 : (double)((r->upload_done_ms
		    ? r->upload_done_ms : now) - r->upload_started_ms) / 1000.0;
		rate = secs > 0.05 ? (double)r->acked / 1024.0 / secs : 0;
		fprintf(o->fp, "%-20.20s [%s] %3u%% %8.1f KB/s  %s%s%s\n",
		    r->label, bar, pct, rate, c_on(o, DIM),
		    efl_phase_name(r->phase), c_on(o, RESET));
		shown++;
	}
	o->live_lines = shown;
	wave_live_line(o, rows, n);
	if (active > shown || queued > 0) {
		fprintf(o->fp, "%s... %u more active, %u queued%s\n",
		    c_on(o, DIM), active - shown, queued, c_on(o, RESET));
		o->live_lines++;
	}
}

/* The terminal's width in columns (COLUMNS, else the terminal's; no
 * limit without either). */
static size_t
term_width(const struct efl_out *o)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	long c;

	if (env != NULL && (c = strtol(env, NULL, 10)) >= 20 && c <= 10000)
		return (size_t)c;
	if (ioctl(fileno(o->fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return SIZE_MAX / 2;
}

/* s shortened to at most w display columns, "..." marking the cut. */
static const char *
fit_text(char *out, size_t cap, const char *s, size_t w)
{
	size_t i, cols = 0, keep = 0;

	if (width(s) <= w) {
		snprintf(out, cap, "%s", s);
		return out;
	}
	if (w < 4) {
		snprintf(out, cap, "%.*s", (int)w, "...");
		return out;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (cols == w - 3)
				break;
			cols++;
		}
		keep = i + 1;
	}
	snprintf(out, cap, "%.*s...", (int)keep, s);
	return out;
}

static void
human_push_summary(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n, const struct efl_push_summary *s)
{
	uint32_t i;
	int waves = 0;
	char wave[16], err[sizeof(rows->message)];
	size_t fixed, room;

	clear_live(o);
	for (i = 0; i < n; i++)
		waves |= rows[i].in_wave;
	if (o->mode == EFL_OUT_TTY) {
		/* DEVICE, [WAVE,] RESULT, BYTES, SECONDS; ERROR gets the
		 * rest of the line (JSON keeps it whole) */
		fixed = 20 + 1 + (waves ? 7 : 0) + 16 + 1 + 10 + 1 + 8 + 2;
		room = term_width(o) > fixed + 10 ? term_width(o) - fixed - 1 :
		    10;
		fprintf(o->fp, "\n%s%-20s %s%-16s %10s %8s  %s%s\n",
		    c_on(o, BOLD), "DEVICE", waves ? "WAVE   " : "", "RESULT",
		    "BYTES", "SECONDS", "ERROR", c_on(o, RESET));
		for (i = 0; i < n; i++) {
			const struct efl_push_row *r = &rows[i];
			const char *result = r->skipped &&
			    r->code == EFL_R_HALTED ?
			    "halted" : r->skipped ? "skipped" :
			    r->ok ? (r->verify_note ? r->verify_note : "ok") :
			    efl_result_code_name(r->code);

			if (r->in_wave && r->wave == 0)
				snprintf(wave, sizeof(wave), "canary");
			else if (r->in_wave)
				snprintf(wave, sizeof(wave), "%u", r->wave);
			else
				snprintf(wave, sizeof(wave), "-");
			if (waves)
				fprintf(o->fp, "%-20.20s %-6s ", r->label, wave);
			else
				fprintf(o->fp, "%-20.20s ", r->label);
			fprintf(o->fp, "%s%-16s%s %10u %8.1f  %s\n",
			    c_on(o, r->skipped ? DIM : r->ok ?
			    GREEN : RED), result, c_on(o, RESET), r->bytes,
			    seconds(r, 0), r->ok && !r->skipped ? "" :
			    fit_text(err, sizeof(err), r->message, room));
			    /* a skip says why */
		}
		fputc('\n', o->fp);
	}
	fprintf(o->fp, "%s%u updated, %u failed, %u skipped", c_on(o,
	    s->failed || s->halted ? RED : GREEN), s->updated, s->failed,
	    s->skipped);
	if (s->halted > 0 || s->halt_reason != NULL)
		fprintf(o->fp, ", %u halted", s->halted);
	fprintf(o->fp, " (of %u) in %.1f s%s\n", s->targets, s->seconds,
	    c_on(o, RESET));
	if (s->halt_reason != NULL)
		fprintf(o->fp, "%srollout halted: %s%s\n", c_on(o, RED),
		    s->halt_reason, c_on(o, RESET));
	if (s->bytes < s->image_bytes) {
		char sent[32], image[32];

		fprintf(o->fp, "compressed: %s sent for %s of images (%.0f%% "
		    "saved)\n", size_text(sent, sizeof(sent), s->bytes),
		    size_text(image, sizeof(image), s->image_bytes),
		    100.0 - 100.0 * (double)s->bytes /
		    (double)s->image_bytes);
	}
}

static void
human_notice(struct efl_out *o, const char *what, const char *text)
{
	clear_live(o);
	fprintf(o->fp, "%s: %s\n", what, text);
}

static void
human_push_plan(struct efl_out *o, const struct efl_push_row *r)
{
	char ep[INET6_ADDRSTRLEN + 8];

	endpoint(r, ep, sizeof(ep));
	if (r->skipped)
		fprintf(o->fp, "%s (%s): skip: %s\n", r->label, ep, r->message);
	else if (r->in_wave && r->wave == 0)
		fprintf(o->fp, "%s (%s): update, canary\n", r->label, ep);
	else if (r->in_wave)
		fprintf(o->fp, "%s (%s): update in wave %u\n", r->label, ep,
		    r->wave);
	else
		fprintf(o->fp, "%s (%s): update\n", r->label, ep);
}

static void
human_push_plan_summary(struct efl_out *o, uint32_t targets,
    uint32_t update, uint32_t skipped)
{
	fprintf(o->fp, "dry run: %u to update, %u skipped (of %u); nothing "
	    "was sent\n", update, skipped, targets);
}

/* ---- discover: a table printed at the end ---- */

enum { COL_NAME, COL_ADDR, COL_PORT, COL_BOARD, COL_AUTH, COL_MD5,
	COL_STATE, COL_VERSION, COL_FREE, NCOLS };

static const char *const dev_header[NCOLS] = {
	"NAME", "ADDRESS", "PORT", "BOARD", "AUTH", "FIRMWARE MD5", "STATE",
	"VERSION", "FREE"
};

static char *
shown(const char *s, size_t max)
{
	char buf[512];

	show(buf, max + 1 < sizeof(buf) ? max + 1 : sizeof(buf), s);
	return xstrdup(buf[0] != '\0' ? buf : "-");
}

static void
human_device(struct efl_out *o, const struct efl_device *d)
{
	struct out_dev_row *r;
	char port[8], free_text[32];

	o->dev_rows = xrealloc(o->dev_rows, (o->ndev_rows + 1) *
	    sizeof(*o->dev_rows));
	r = &o->dev_rows[o->ndev_rows++];
	snprintf(port, sizeof(port), "%u", d->port);
	if (d->free_space >= 0)
		size_text(free_text, sizeof(free_text),
		    (uint64_t)d->free_space);
	else
		snprintf(free_text, sizeof(free_text), "-");
	r->col[COL_NAME] = shown(d->name, 63);
	r->col[COL_ADDR] = shown(d->addr, 63);
	r->col[COL_PORT] = xstrdup(port);
	r->col[COL_BOARD] = shown(d->board, 24);
	r->col[COL_AUTH] = xstrdup(d->auth_upload < 0 ? "-" :
	    d->auth_upload ? "yes" : "no");
	r->col[COL_MD5] = shown(d->md5, 32);
	r->col[COL_STATE] = shown(d->state, 11);
	r->col[COL_VERSION] = shown(d->version, 24);
	r->col[COL_FREE] = xstrdup(free_text);
}

static void
human_discover_skipped(struct efl_out *o, const char *subject,
    const char *reason)
{
	char name[256];

	(void)o;
	show(name, sizeof(name), subject);
	efl_warn("'%s': %s", name, reason);
}

/* Display width of escaped text: code points, not bytes. */
static size_t
width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
pad(FILE *fp, const char *s, size_t w, int last)
{
	size_t n = width(s);

	fputs(s, fp);
	if (last)
		return;
	for (; n < w + 2; n++)
		fputc(' ', fp);
}

static int
cmp_row(const void *a, const void *b)
{
	const struct out_dev_row *x = a, *y = b;

	return strcmp(x->col[COL_NAME], y->col[COL_NAME]);
}

static void
human_discover_summary(struct efl_out *o, uint32_t devices,
    double seconds, int complete)
{
	size_t w[NCOLS];
	uint32_t i, c;

	if (o->ndev_rows > 0) {
		qsort(o->dev_rows, o->ndev_rows, sizeof(*o->dev_rows),
		    cmp_row);
		for (c = 0; c < NCOLS; c++)
			w[c] = width(dev_header[c]);
		for (i = 0; i < o->ndev_rows; i++)
			for (c = 0; c < NCOLS; c++)
				if (width(o->dev_rows[i].col[c]) > w[c])
					w[c] = width(o->dev_rows[i].col[c]);
		fputs(c_on(o, BOLD), o->fp);
		for (c = 0; c < NCOLS; c++)
			pad(o->fp, dev_header[c], w[c], c == NCOLS - 1);
		fprintf(o->fp, "%s\n", c_on(o, RESET));
		for (i = 0; i < o->ndev_rows; i++) {
			for (c = 0; c < NCOLS; c++)
				pad(o->fp, o->dev_rows[i].col[c], w[c],
				    c == NCOLS - 1);
			fputc('\n', o->fp);
		}
	}
	fprintf(o->fp, "%u device%s found in %.1f s%s\n", devices,
	    devices == 1 ? "" : "s", seconds, complete ? "" :
	    " (timed out before the browse was complete)");
}

/* ---- serve: one line per request ---- */

static void
human_serve_begin(struct efl_out *o, const char *listen,
    const struct efl_image *img, const char *version,
    const struct efl_image *fs, uint32_t percent, int password)
{
	char sz[32], v[80];

	show(v, sizeof(v), version);
	fprintf(o->fp, "%sserving %s%s (%s, md5 %s%s%s) on %s", c_on(o, BOLD),
	    img->path, c_on(o, RESET), size_text(sz, sizeof(sz), img->size),
	    img->md5_hex, v[0] != '\0' ? ", version " : "", v, listen);
	if (fs != NULL)
		fprintf(o->fp, ", filesystem %s", fs->path);
	if (percent < 100)
		fprintf(o->fp, ", to %u%% of the devices", percent);
	if (password)
		fprintf(o->fp, ", password required");
	fputc('\n', o->fp);
}

static void
human_serve_request(struct efl_out *o, const struct efl_serve_event *e)
{
	const struct efl_serve_decision *d = e->d;
	char mac[32], md5[48], mode[32], path[160], sz[32];
	const char *color = d->status == 200 ? GREEN : d->status == 304 ?
	    DIM : RED;

	show(mac, sizeof(mac), d->dev.mac);
	show(md5, sizeof(md5), d->dev.md5);
	show(mode, sizeof(mode), d->dev.mode);
	show(path, sizeof(path), e->path);
	fprintf(o->fp, "%s %s %s %s %s (md5 %s): %s%d %s%s", e->addr, mac,
	    d->dev.chip != NULL ? d->dev.chip : "-", mode, path, md5,
	    c_on(o, color), d->status, d->reason, c_on(o, RESET));
	if (d->body != EFL_SERVE_BODY_NONE && e->completed)
		fprintf(o->fp, ", %s sent", size_text(sz, sizeof(sz),
		    e->bytes));
	else if (d->body != EFL_SERVE_BODY_NONE)
		fputs(" (interrupted)", o->fp);
	fputc('\n', o->fp);
}

static void
human_serve_image(struct efl_out *o, const char *which,
    const struct efl_image *img, const char *version)
{
	char sz[32], v[80];

	show(v, sizeof(v), version);
	fprintf(o->fp, "%sserving %s%s from now on as the %s (%s, md5 %s%s%s)"
	    "\n", c_on(o, BOLD), img->path, c_on(o, RESET),
	    strcmp(which, "fs") == 0 ? "filesystem image" : "image",
	    size_text(sz, sizeof(sz), img->size), img->md5_hex,
	    v[0] != '\0' ? ", version " : "", v);
}

static void
human_serve_throttled(struct efl_out *o, const char *addr,
    uint32_t failures, double seconds)
{
	fprintf(o->fp, "%s%s: %u wrong password%s in a row: its requests get "
	    "429 for %.0f s%s\n", c_on(o, RED), addr, failures,
	    failures == 1 ? "" : "s", seconds, c_on(o, RESET));
}

static void
human_serve_end(struct efl_out *o, const struct efl_serve_summary *s)
{
	fprintf(o->fp, "%u request%s: %u update%s offered, %u not modified, "
	    "%u refused, %u other, in %.1f s\n", s->requests,
	    s->requests == 1 ? "" : "s", s->offered,
	    s->offered == 1 ? "" : "s", s->not_modified, s->refused, s->other,
	    s->seconds);
}

static void
human_free(struct efl_out *o)
{
	uint32_t i, c;

	for (i = 0; i < o->ndev_rows; i++)
		for (c = 0; c < NCOLS; c++)
			free(o->dev_rows[i].col[c]);
	free(o->dev_rows);
	o->dev_rows = NULL;
	o->ndev_rows = 0;
}

const struct out_renderer out_human__renderer = {
	.push_begin = human_push_begin,
	.push_phase = human_push_phase,
	.push_retry = human_push_retry,
	.push_result = human_push_result,
	.push_tick = human_push_tick,
	.push_wave = human_push_wave,
	.push_halt = human_push_halt,
	.push_soak_failed = human_push_soak_failed,
	.push_summary = human_push_summary,
	.notice = human_notice,
	.push_plan = human_push_plan,
	.push_plan_summary = human_push_plan_summary,
	.device = human_device,
	.discover_skipped = human_discover_skipped,
	.discover_summary = human_discover_summary,
	.serve_begin = human_serve_begin,
	.serve_request = human_serve_request,
	.serve_end = human_serve_end,
	.serve_image = human_serve_image,
	.serve_throttled = human_serve_throttled,
	.free = human_free,
};
