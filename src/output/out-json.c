/* SPDX-License-Identifier: MIT */
/*
 * JSON Lines renderer: one object per line on stdout, each with "v":1 (the
 * schema version, never changed incompatibly) and "event".
 */
#include <cJSON.h>
#include <stdlib.h>

#include "espfleet/common.h"
#include "espfleet/discover.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/serve.h"
#include "espfleet/text.h"
#include "output-impl.h"

static cJSON *
event(const char *name)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		efl_fatal("out of memory building JSON");
	cJSON_AddNumberToObject(o, "v", 1);
	cJSON_AddStringToObject(o, "event", name);
	return o;
}

/* Add text that came from outside unescaped (device TXT records, file
 * names from the command line): made valid UTF-8. Row labels and
 * messages need none: efl_printable made them so where they were built. */
static void
add_text(cJSON *obj, const char *key, const char *text)
{
	char *t;

	if (text == NULL) {
		cJSON_AddNullToObject(obj, key);
		return;
	}
	t = efl_json_text(text);
	cJSON_AddStringToObject(obj, key, t);
	free(t);
}

static void
emit(struct efl_out *o, cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj);

	cJSON_Delete(obj);
	if (text == NULL)
		efl_fatal("out of memory printing JSON");
	fputs(text, o->fp);
	fputc('\n', o->fp);
	free(text);
}

/* A time or a duration; null when unknown (negative). */
static void
add_time(cJSON *obj, const char *key, double t)
{
	if (t < 0)
		cJSON_AddNullToObject(obj, key);
	else
		cJSON_AddNumberToObject(obj, key, t);
}

static void
add_target(cJSON *obj, const struct efl_push_row *r)
{
	cJSON_AddStringToObject(obj, "target", r->target);
	cJSON_AddStringToObject(obj, "name", r->label);
	cJSON_AddStringToObject(obj, "addr", r->addr);
	cJSON_AddNumberToObject(obj, "port", r->port);
}

static void
json_push_begin(struct efl_out *o, const char *image, uint32_t size,
    const char *md5, int command, uint32_t ntargets, const char *via)
{
	cJSON *e = event("start");

	cJSON_AddStringToObject(e, "command", o->command);
	add_text(e, "image", image);
	cJSON_AddNumberToObject(e, "size", size);
	cJSON_AddStringToObject(e, "md5", md5);
	cJSON_AddStringToObject(e, "kind", command == 100 ? "filesystem" :
	    "application");
	cJSON_AddNumberToObject(e, "targets", ntargets);
	cJSON_AddStringToObject(e, "via", via);
	cJSON_AddNumberToObject(e, "time", efl_wall_time(efl_now_ms()));
	emit(o, e);
}

static void
json_push_phase(struct efl_out *o, const struct efl_push_row *r)
{
	cJSON *e = event("state");

	add_target(e, r);
	cJSON_AddStringToObject(e, "state", efl_phase_name(r->phase));
	cJSON_AddNumberToObject(e, "attempt", r->attempts);
	emit(o, e);
}

static void
json_push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries)
{
	cJSON *e = event("retry");

	add_target(e, r);
	cJSON_AddStringToObject(e, "error", efl_result_code_name(code));
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddNumberToObject(e, "attempt", r->attempts);
	cJSON_AddNumberToObject(e, "retries", retries);
	cJSON_AddNumberToObject(e, "delay_ms", (double)delay_ms);
	emit(o, e);
}

static void
json_push_result(struct efl_out *o, const struct efl_push_row *r)
{
	cJSON *e = event("result");

	add_target(e, r);
	cJSON_AddBoolToObject(e, "ok", r->ok);
	if (r->code == EFL_R_OK)
		cJSON_AddNullToObject(e, "error");
	else
		cJSON_AddStringToObject(e, "error",
		    efl_result_code_name(r->code));
	cJSON_AddStringToObject(e, "message", r->message);
	cJSON_AddBoolToObject(e, "skipped", r->skipped);
	cJSON_AddNumberToObject(e, "bytes", r->bytes);
	cJSON_AddNumberToObject(e, "image_bytes", r->bytes != 0 ?
	    r->image_bytes : 0);
	cJSON_AddNumberToObject(e, "seconds", efl_push_row_seconds(r));
	cJSON_AddNumberToObject(e, "attempts", r->attempts);
	add_time(e, "upload_seconds", efl_push_row_upload_seconds(r));
	add_time(e, "started_at", efl_push_row_started_at(r));
	add_time(e, "upload_started_at", efl_push_row_upload_started_at(r));
	if (r->verified < 0)
		cJSON_AddNullToObject(e, "verified");
	else
		cJSON_AddBoolToObject(e, "verified", r->verified);
	if (r->verify_note != NULL)
		cJSON_AddStringToObject(e, "verification", r->verify_note);
	if (r->in_wave)
		cJSON_AddNumberToObject(e, "wave", r->wave);
	add_time(e, "finished_at", r->finished_ms != 0 ?
	    efl_wall_time(r->finished_ms) : -1);
	emit(o, e);
}

static void
json_push_wave(struct efl_out *o, const struct efl_wave_info *w)
{
	cJSON *e = event("wave");

	cJSON_AddNumberToObject(e, "index", w->index);
	cJSON_AddStringToObject(e, "state", w->ended ? "end" : "start");
	cJSON_AddBoolToObject(e, "canary", w->index == 0);
	cJSON_AddNumberToObject(e, "waves", w->nwaves);
	cJSON_AddNumberToObject(e, "targets", w->targets);
	cJSON_AddNumberToObject(e, "start", w->start);
	if (w->ended)
		cJSON_AddNumberToObject(e, "end", w->end);
	else
		cJSON_AddNullToObject(e, "end");
	cJSON_AddNumberToObject(e, "ok", w->ok);
	cJSON_AddNumberToObject(e, "failed", w->failed);
	cJSON_AddNumberToObject(e, "skipped", w->skipped);
	cJSON_AddNumberToObject(e, "failed_total", w->failed_total);
	if (w->allowed == UINT32_MAX)
		cJSON_AddNullToObject(e, "failures_allowed");
	else
		cJSON_AddNumberToObject(e, "failures_allowed", w->allowed);
	emit(o, e);
}

static void
json_push_halt(struct efl_out *o, const char *reason, uint32_t started,
    uint32_t failed, uint32_t halted)
{
	cJSON *e = event("halt");

	cJSON_AddStringToObject(e, "reason", reason);
	cJSON_AddNumberToObject(e, "started", started);
	cJSON_AddNumberToObject(e, "failed", failed);
	cJSON_AddNumberToObject(e, "halted", halted);
	cJSON_AddNumberToObject(e, "time", efl_wall_time(efl_now_ms()));
	emit(o, e);
}

static void
json_push_soak_failed(struct efl_out *o, const struct efl_push_row *r)
{
	cJSON *e = event("soak");

	add_target(e, r);
	cJSON_AddBoolToObject(e, "ok", 0);
	cJSON_AddStringToObject(e, "error", efl_result_code_name(r->code));
	cJSON_AddStringToObject(e, "message", r->message);
	if (r->in_wave)
		cJSON_AddNumberToObject(e, "wave", r->wave);
	cJSON_AddNumberToObject(e, "time", efl_wall_time(efl_now_ms()));
	emit(o, e);
}

static void
json_push_summary(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n, const struct efl_push_summary *s)
{
	cJSON *e = event("summary"), *errors;
	uint32_t i;

	(void)rows; /* every row was its own result event */
	(void)n;

	cJSON_AddNumberToObject(e, "targets", s->targets);
	cJSON_AddNumberToObject(e, "ok", s->updated);
	cJSON_AddNumberToObject(e, "failed", s->failed);
	cJSON_AddNumberToObject(e, "skipped", s->skipped);
	cJSON_AddNumberToObject(e, "halted", s->halted);
	if (s->halt_reason != NULL)
		cJSON_AddStringToObject(e, "halt_reason", s->halt_reason);
	cJSON_AddNumberToObject(e, "bytes", (double)s->bytes);
	cJSON_AddNumberToObject(e, "image_bytes", (double)s->image_bytes);
	cJSON_AddNumberToObject(e, "seconds", s->seconds);
	errors = cJSON_AddObjectToObject(e, "errors");
	for (i = 1; i < EFL_R__COUNT; i++)
		if (s->by_code[i] > 0)
			cJSON_AddNumberToObject(errors,
			    efl_result_code_name((enum efl_result_code)i),
			    s->by_code[i]);
	emit(o, e);
}

static void
json_notice(struct efl_out *o, const char *what, const char *text)
{
	cJSON *e = event("notice");

	cJSON_AddStringToObject(e, "what", what);
	cJSON_AddStringToObject(e, "message", text);
	emit(o, e);
}

static void
json_push_plan(struct efl_out *o, const struct efl_push_row *r)
{
	cJSON *e = event("plan");

	add_target(e, r);
	cJSON_AddStringToObject(e, "action", r->skipped ? "skip" : "update");
	if (r->in_wave)
		cJSON_AddNumberToObject(e, "wave", r->wave);
	if (r->skipped)
		cJSON_AddStringToObject(e, "reason", r->message);
	else
		cJSON_AddNullToObject(e, "reason");
	emit(o, e);
}

static void
json_push_plan_summary(struct efl_out *o, uint32_t targets,
    uint32_t update, uint32_t skipped)
{
	cJSON *e = event("summary");

	cJSON_AddBoolToObject(e, "dry_run", 1);
	cJSON_AddNumberToObject(e, "targets", targets);
	cJSON_AddNumberToObject(e, "update", update);
	cJSON_AddNumberToObject(e, "skipped", skipped);
	emit(o, e);
}

static void
json_device(struct efl_out *o, const struct efl_device *d)
{
	cJSON *e = event("device"), *txt;
	uint32_t i;

	add_text(e, "name", d->name);
	add_text(e, "type", d->type);
	add_text(e, "domain", d->domain);
	add_text(e, "host", d->host);
	add_text(e, "addr", d->addr);
	cJSON_AddNumberToObject(e, "port", d->port);
	add_text(e, "interface", d->ifname[0] != '\0' ? d->ifname : NULL);
	cJSON_AddStringToObject(e, "protocol", d->protocol == 6 ? "ipv6" :
	    "ipv4");
	add_text(e, "state", d->state);
	add_text(e, "rejected_md5", d->rejected);
	txt = cJSON_AddObjectToObject(e, "txt");
	for (i = 0; i < d->ntxt; i++) {
		char *k = efl_json_text(d->txt[i].key);

		add_text(txt, k, d->txt[i].value);
		free(k);
	}
	emit(o, e);
}

static void
json_discover_skipped(struct efl_out *o, const char *subject,
    const char *reason)
{
	cJSON *e = event("skipped");

	add_text(e, "name", subject);
	add_text(e, "reason", reason);
	emit(o, e);
}

static void
json_discover_summary(struct efl_out *o, uint32_t devices,
    double seconds, int complete)
{
	cJSON *e = event("summary");

	cJSON_AddStringToObject(e, "command", o->command);
	cJSON_AddNumberToObject(e, "devices", devices);
	cJSON_AddNumberToObject(e, "seconds", seconds);
	cJSON_AddBoolToObject(e, "complete", complete);
	emit(o, e);
}

static void
json_serve_begin(struct efl_out *o, const char *listen,
    const struct efl_image *img, const char *version,
    const struct efl_image *fs, uint32_t percent, int password)
{
	cJSON *e = event("listening");

	cJSON_AddStringToObject(e, "command", o->command);
	cJSON_AddStringToObject(e, "listen", listen);
	add_text(e, "image", img->path);
	cJSON_AddNumberToObject(e, "size", img->size);
	cJSON_AddStringToObject(e, "md5", img->md5_hex);
	add_text(e, "version", version[0] != '\0' ? version : NULL);
	if (fs != NULL) {
		add_text(e, "fs", fs->path);
		cJSON_AddStringToObject(e, "fs_md5", fs->md5_hex);
	} else {
		cJSON_AddNullToObject(e, "fs");
	}
	cJSON_AddNumberToObject(e, "percent", percent);
	cJSON_AddBoolToObject(e, "auth", password);
	emit(o, e);
}

static void
json_serve_request(struct efl_out *o, const struct efl_serve_event *ev)
{
	const struct efl_serve_decision *d = ev->d;
	cJSON *e = event("request");

	cJSON_AddStringToObject(e, "addr", ev->addr);
	add_text(e, "method", ev->method);
	add_text(e, "path", ev->path);
	add_text(e, "mac", d->dev.mac[0] != '\0' ? d->dev.mac : NULL);
	add_text(e, "chip", d->dev.chip);
	add_text(e, "md5", d->dev.md5[0] != '\0' ? d->dev.md5 : NULL);
	add_text(e, "mode", d->dev.mode[0] != '\0' ? d->dev.mode : NULL);
	add_text(e, "version", d->dev.version[0] != '\0' ? d->dev.version :
	    NULL);
	if (d->dev.free_space >= 0)
		cJSON_AddNumberToObject(e, "free", (double)d->dev.free_space);
	else
		cJSON_AddNullToObject(e, "free");
	if (d->dev.bucket >= 0)
		cJSON_AddNumberToObject(e, "bucket", d->dev.bucket);
	else
		cJSON_AddNullToObject(e, "bucket");
	cJSON_AddNumberToObject(e, "status", d->status);
	cJSON_AddNumberToObject(e, "bytes", (double)ev->bytes);
	cJSON_AddBoolToObject(e, "completed", ev->completed);
	add_text(e, "reason", d->reason);
	emit(o, e);
}

static void
json_serve_end(struct efl_out *o, const struct efl_serve_summary *s)
{
	cJSON *e = event("summary");

	cJSON_AddStringToObject(e, "command", o->command);
	cJSON_AddNumberToObject(e, "requests", s->requests);
	cJSON_AddNumberToObject(e, "offered", s->offered);
	cJSON_AddNumberToObject(e, "not_modified", s->not_modified);
	cJSON_AddNumberToObject(e, "refused", s->refused);
	cJSON_AddNumberToObject(e, "other", s->other);
	cJSON_AddNumberToObject(e, "seconds", s->seconds);
	emit(o, e);
}

static void
json_serve_image(struct efl_out *o, const char *which,
    const struct efl_image *img, const char *version)
{
	cJSON *e = event("image");

	cJSON_AddStringToObject(e, "which", which);
	add_text(e, "image", img->path);
	cJSON_AddNumberToObject(e, "size", img->size);
	cJSON_AddStringToObject(e, "md5", img->md5_hex);
	add_text(e, "version", version[0] != '\0' ? version : NULL);
	emit(o, e);
}

static void
json_serve_throttled(struct efl_out *o, const char *addr, uint32_t failures,
    double seconds)
{
	cJSON *e = event("throttled");

	cJSON_AddStringToObject(e, "addr", addr);
	cJSON_AddNumberToObject(e, "failures", failures);
	cJSON_AddNumberToObject(e, "seconds", seconds);
	emit(o, e);
}

const struct out_renderer out_json__renderer = {
	.push_begin = json_push_begin,
	.push_phase = json_push_phase,
	.push_retry = json_push_retry,
	.push_result = json_push_result,
	.push_wave = json_push_wave,
	.push_halt = json_push_halt,
	.push_soak_failed = json_push_soak_failed,
	.push_summary = json_push_summary,
	.notice = json_notice,
	.push_plan = json_push_plan,
	.push_plan_summary = json_push_plan_summary,
	.device = json_device,
	.discover_skipped = json_discover_skipped,
	.discover_summary = json_discover_summary,
	.serve_begin = json_serve_begin,
	.serve_request = json_serve_request,
	.serve_end = json_serve_end,
	.serve_image = json_serve_image,
	.serve_throttled = json_serve_throttled,
};
