/* SPDX-License-Identifier: MIT */
/*
 * The output dispatcher (see output.h): picks the renderer (a table of
 * functions, output-impl.h) once, so the commands only emit events; and
 * the times of a push's row as every report gives them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espfleet/common.h"
#include "espfleet/log.h"
#include "output-impl.h"

enum efl_out_mode
efl_out_pick_mode(int json, int verbose)
{
	if (json)
		return EFL_OUT_JSON;
	if (!verbose && isatty(STDOUT_FILENO))
		return EFL_OUT_TTY;
	return EFL_OUT_PLAIN;
}

static int
want_color(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc != NULL && nc[0] != '\0')
		return 0;
	if (term == NULL || strcmp(term, "dumb") == 0)
		return 0;
	return 1;
}

struct efl_out *
efl_out_new(enum efl_out_mode mode, const char *command)
{
	struct efl_out *o = xcalloc(1, sizeof(*o));

	o->mode = mode;
	o->r = mode == EFL_OUT_JSON ? &out_json__renderer :
	    &out_human__renderer;
	o->command = command;
	o->fp = stdout;
	o->color = mode == EFL_OUT_TTY && want_color();
	o->started_ms = efl_now_ms();
	return o;
}

/*
 * After each event: the first write error on the report is said on stderr
 * at once, and from then on the output goes nowhere (a reader that went
 * away, a full disk), while the command finishes its work; it then exits
 * 3 (efl_out_write_error). SIGPIPE is ignored (process.h), so a closed
 * pipe is such an error, not a death mid-upload. The renderers leave the
 * flush to this, so that the error is the flush's.
 */
static void
written(struct efl_out *o)
{
	int e;

	errno = 0;
	if (o->write_errno != 0 || (fflush(o->fp) == 0 && !ferror(o->fp)))
		return;
	e = errno != 0 ? errno : EIO;
	o->write_errno = e;
	efl_error("cannot write the report to standard output: %s%s",
	    strerror(e), strcmp(o->command, "push") == 0 ?
	    " (the uploads go on; exit status 3)" : "");
	if ((o->null = fopen("/dev/null", "w")) != NULL)
		o->fp = o->null;
}

int
efl_out_write_error(struct efl_out *o)
{
	if (o == NULL)
		return 0;
	written(o);
	return o->write_errno;
}

void
efl_out_free(struct efl_out *o)
{
	if (o == NULL)
		return;
	written(o);
	if (o->r->free != NULL)
		o->r->free(o);
	if (o->null != NULL)
		fclose(o->null);
	free(o);
}

enum efl_out_mode
efl_out_mode(const struct efl_out *o)
{
	return o->mode;
}

double
efl_push_row_seconds(const struct efl_push_row *r)
{
	/* never started (canceled while queued): 0 */
	return r->started_ms == 0 ? 0.0 :
	    (double)(r->finished_ms - r->started_ms) / 1000.0;
}

double
efl_push_row_started_at(const struct efl_push_row *r)
{
	return r->started_ms != 0 ? efl_wall_time(r->started_ms) : -1;
}

/* The last attempt got as far as a transfer (its end is known). */
static int
has_upload(const struct efl_push_row *r)
{
	return r->upload_started_ms != 0 &&
	    r->upload_done_ms >= r->upload_started_ms;
}

double
efl_push_row_upload_started_at(const struct efl_push_row *r)
{
	return has_upload(r) ? efl_wall_time(r->upload_started_ms) : -1;
}

double
efl_push_row_upload_seconds(const struct efl_push_row *r)
{
	return has_upload(r) ? (double)(r->upload_done_ms -
	    r->upload_started_ms) / 1000.0 : -1;
}

void
efl_out_push_begin(struct efl_out *o, const char *image, uint32_t size,
    const char *md5, int command, uint32_t ntargets, const char *via)
{
	o->r->push_begin(o, image, size, md5, command, ntargets, via);
	written(o);
}

void
efl_out_push_phase(struct efl_out *o, const struct efl_push_row *r)
{
	o->r->push_phase(o, r);
	written(o);
}

void
efl_out_push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries)
{
	o->r->push_retry(o, r, code, message, delay_ms, retries);
	written(o);
}

void
efl_out_push_result(struct efl_out *o, const struct efl_push_row *r)
{
	o->r->push_result(o, r);
	written(o);
}

void
efl_out_push_tick(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n)
{
	if (o->mode == EFL_OUT_TTY && o->r->push_tick != NULL)
		o->r->push_tick(o, rows, n);
	written(o);
}

void
efl_out_push_wave(struct efl_out *o, const struct efl_wave_info *w)
{
	o->wave = *w;
	o->wave_live = !w->ended;
	o->r->push_wave(o, w);
	written(o);
}

void
efl_out_push_halt(struct efl_out *o, const char *reason, uint32_t started,
    uint32_t failed, uint32_t halted)
{
	o->wave_live = 0;
	o->r->push_halt(o, reason, started, failed, halted);
	written(o);
}

void
efl_out_push_soak_failed(struct efl_out *o, const struct efl_push_row *r)
{
	o->r->push_soak_failed(o, r);
	written(o);
}

void
efl_out_push_summary(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n, const struct efl_push_summary *s)
{
	o->r->push_summary(o, rows, n, s);
	written(o);
}

void
efl_out_notice(struct efl_out *o, const char *what, const char *text)
{
	o->r->notice(o, what, text);
	written(o);
}

void
efl_out_push_plan(struct efl_out *o, const struct efl_push_row *r)
{
	o->r->push_plan(o, r);
	written(o);
}

void
efl_out_push_plan_summary(struct efl_out *o, uint32_t targets,
    uint32_t update, uint32_t skipped)
{
	o->r->push_plan_summary(o, targets, update, skipped);
	written(o);
}

void
efl_out_device(struct efl_out *o, const struct efl_device *d)
{
	o->r->device(o, d);
	written(o);
}

void
efl_out_discover_skipped(struct efl_out *o, const char *subject,
    const char *reason)
{
	o->r->discover_skipped(o, subject, reason);
	written(o);
}

void
efl_out_discover_summary(struct efl_out *o, uint32_t devices, double seconds,
    int complete)
{
	o->r->discover_summary(o, devices, seconds, complete);
	written(o);
}

void
efl_out_serve_begin(struct efl_out *o, const char *listen,
    const struct efl_image *img, const char *version,
    const struct efl_image *fs, uint32_t percent, int password)
{
	o->r->serve_begin(o, listen, img, version, fs, percent, password);
	written(o);
}

void
efl_out_serve_request(struct efl_out *o, const struct efl_serve_event *e)
{
	o->r->serve_request(o, e);
	written(o);
}

void
efl_out_serve_end(struct efl_out *o, const struct efl_serve_summary *s)
{
	o->r->serve_end(o, s);
	written(o);
}

void
efl_out_serve_image(struct efl_out *o, const char *which,
    const struct efl_image *img, const char *version)
{
	o->r->serve_image(o, which, img, version);
	written(o);
}

void
efl_out_serve_throttled(struct efl_out *o, const char *addr,
    uint32_t failures, double seconds)
{
	o->r->serve_throttled(o, addr, failures, seconds);
	written(o);
}
