/*
 * The output dispatcher (see output.h): picks the renderer once, so the
 * commands only emit events.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espfleet/common.h"
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
	o->command = command;
	o->fp = stdout;
	o->color = mode == EFL_OUT_TTY && want_color();
	o->started_ms = efl_now_ms();
	return o;
}

void
efl_out_free(struct efl_out *o)
{
	if (o == NULL)
		return;
	fflush(o->fp);
	free(o);
}

enum efl_out_mode
efl_out_mode(const struct efl_out *o)
{
	return o->mode;
}

void
efl_out_push_begin(struct efl_out *o, const char *image, uint32_t size,
    const char *md5, int command, uint32_t ntargets)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_begin(o, image, size, md5, command, ntargets);
	else
		out_human__push_begin(o, image, size, md5, command, ntargets);
}

void
efl_out_push_phase(struct efl_out *o, const struct efl_push_row *r)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_phase(o, r);
	else
		out_human__push_phase(o, r);
}

void
efl_out_push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_retry(o, r, code, message, delay_ms, retries);
	else
		out_human__push_retry(o, r, code, message, delay_ms, retries);
}

void
efl_out_push_result(struct efl_out *o, const struct efl_push_row *r)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_result(o, r);
	else
		out_human__push_result(o, r);
}

void
efl_out_push_tick(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n)
{
	if (o->mode == EFL_OUT_TTY)
		out_human__push_tick(o, rows, n);
}

void
efl_out_push_summary(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n, const struct efl_push_summary *s)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_summary(o, s);
	else
		out_human__push_summary(o, rows, n, s);
	fflush(o->fp);
}

void
efl_out_notice(struct efl_out *o, const char *what, const char *text)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__notice(o, what, text);
	else
		out_human__notice(o, what, text);
}
