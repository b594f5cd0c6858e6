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
	out_human__free(o);
	free(o);
}

enum efl_out_mode
efl_out_mode(const struct efl_out *o)
{
	return o->mode;
}

void
efl_out_push_begin(struct efl_out *o, const char *image, uint32_t size,
    const char *md5, int command, uint32_t ntargets, const char *via)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_begin(o, image, size, md5, command, ntargets,
		    via);
	else
		out_human__push_begin(o, image, size, md5, command, ntargets,
		    via);
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

void
efl_out_push_plan(struct efl_out *o, const struct efl_push_row *r)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_plan(o, r);
	else
		out_human__push_plan(o, r);
}

void
efl_out_push_plan_summary(struct efl_out *o, uint32_t targets,
    uint32_t update, uint32_t skipped)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__push_plan_summary(o, targets, update, skipped);
	else
		out_human__push_plan_summary(o, targets, update, skipped);
	fflush(o->fp);
}

void
efl_out_device(struct efl_out *o, const struct efl_device *d)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__device(o, d);
	else
		out_human__device(o, d);
}

void
efl_out_discover_skipped(struct efl_out *o, const char *subject,
    const char *reason)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__discover_skipped(o, subject, reason);
	else
		out_human__discover_skipped(o, subject, reason);
}

void
efl_out_discover_summary(struct efl_out *o, uint32_t devices, double seconds,
    int complete)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__discover_summary(o, devices, seconds, complete);
	else
		out_human__discover_summary(o, devices, seconds, complete);
	fflush(o->fp);
}

void
efl_out_serve_begin(struct efl_out *o, const char *listen,
    const struct efl_image *img, const char *version,
    const struct efl_image *fs, uint32_t percent, int password)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__serve_begin(o, listen, img, version, fs, percent,
		    password);
	else
		out_human__serve_begin(o, listen, img, version, fs, percent,
		    password);
	fflush(o->fp);
}

void
efl_out_serve_request(struct efl_out *o, const struct efl_serve_event *e)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__serve_request(o, e);
	else
		out_human__serve_request(o, e);
	fflush(o->fp);
}

void
efl_out_serve_end(struct efl_out *o, const struct efl_serve_summary *s)
{
	if (o->mode == EFL_OUT_JSON)
		out_json__serve_end(o, s);
	else
		out_human__serve_end(o, s);
	fflush(o->fp);
}

/* Length of the valid UTF-8 sequence at s (not a control character), or
 * 0. */
static size_t
utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, k;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 1;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;   /* also stops at the NUL */
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n + 1;
}

void
out__display(char *out, size_t cap, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, n;

	if (cap == 0)
		return;
	while (*s != '\0') {
		n = *s == '\\' ? 0 : utf8_len(s);
		if (n > 0) {
			if (o + n >= cap)
				break;
			memcpy(out + o, s, n);
			o += n;
			s += n;
		} else {
			if (o + 4 >= cap)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
			s++;
		}
	}
	out[o] = '\0';
}

char *
out__json_text(const char *in)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	char *out = xmalloc(strlen(in) * 4 + 1);
	size_t o = 0, n;

	while (*s != '\0') {
		n = utf8_len(s);
		if (n == 0 && *s < 0x80)
			n = 1;      /* ASCII control: cJSON escapes it */
		if (n > 0) {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
			s++;
		}
	}
	out[o] = '\0';
	return out;
}
