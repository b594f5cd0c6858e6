/*
 * JSON Lines renderer: one object per line on stdout, each with "v":1 (the
 * schema version, never changed incompatibly) and "event".
 */
#include <cJSON.h>
#include <stdlib.h>

#include "espfleet/common.h"
#include "espfleet/log.h"
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

static void
emit(struct efl_out *o, cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj);

	cJSON_Delete(obj);
	if (text == NULL)
		efl_fatal("out of memory printing JSON");
	fputs(text, o->fp);
	fputc('\n', o->fp);
	fflush(o->fp);
	free(text);
}

static void
add_target(cJSON *obj, const struct efl_push_row *r)
{
	cJSON_AddStringToObject(obj, "target", r->target);
	cJSON_AddStringToObject(obj, "name", r->label);
	cJSON_AddStringToObject(obj, "addr", r->addr);
	cJSON_AddNumberToObject(obj, "port", r->port);
}

void
out_json__push_begin(struct efl_out *o, const char *image, uint32_t size,
    const char *md5, int command, uint32_t ntargets)
{
	cJSON *e = event("start");

	cJSON_AddStringToObject(e, "command", o->command);
	cJSON_AddStringToObject(e, "image", image);
	cJSON_AddNumberToObject(e, "size", size);
	cJSON_AddStringToObject(e, "md5", md5);
	cJSON_AddStringToObject(e, "kind", command == 100 ? "filesystem" :
	    "application");
	cJSON_AddNumberToObject(e, "targets", ntargets);
	emit(o, e);
}

void
out_json__push_phase(struct efl_out *o, const struct efl_push_row *r)
{
	cJSON *e = event("state");

	add_target(e, r);
	cJSON_AddStringToObject(e, "state", efl_phase_name(r->phase));
	cJSON_AddNumberToObject(e, "attempt", r->attempts);
	emit(o, e);
}

void
out_json__push_retry(struct efl_out *o, const struct efl_push_row *r,
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

void
out_json__push_result(struct efl_out *o, const struct efl_push_row *r)
{
	cJSON *e = event("result");

	add_target(e, r);
	cJSON_AddBoolToObject(e, "ok", r->ok);
	if (r->ok || r->skipped)
		cJSON_AddNullToObject(e, "error");
	else
		cJSON_AddStringToObject(e, "error",
		    efl_result_code_name(r->code));
	cJSON_AddStringToObject(e, "message", r->message);
	cJSON_AddBoolToObject(e, "skipped", r->skipped);
	cJSON_AddNumberToObject(e, "bytes", r->bytes);
	cJSON_AddNumberToObject(e, "seconds",
	    (double)(r->finished_ms - r->started_ms) / 1000.0);
	cJSON_AddNumberToObject(e, "attempts", r->attempts);
	if (r->upload_started_ms != 0 && r->upload_done_ms >=
	    r->upload_started_ms)
		cJSON_AddNumberToObject(e, "upload_seconds",
		    (double)(r->upload_done_ms - r->upload_started_ms) / 1000.0);
	else
		cJSON_AddNullToObject(e, "upload_seconds");
	if (r->verified < 0)
		cJSON_AddNullToObject(e, "verified");
	else
		cJSON_AddBoolToObject(e, "verified", r->verified);
	if (r->verify_note != NULL)
		cJSON_AddStringToObject(e, "verification", r->verify_note);
	emit(o, e);
}

void
out_json__push_summary(struct efl_out *o, const struct efl_push_summary *s)
{
	cJSON *e = event("summary"), *errors;
	uint32_t i;

	cJSON_AddNumberToObject(e, "targets", s->targets);
	cJSON_AddNumberToObject(e, "ok", s->updated);
	cJSON_AddNumberToObject(e, "failed", s->failed);
	cJSON_AddNumberToObject(e, "skipped", s->skipped);
	cJSON_AddNumberToObject(e, "bytes", (double)s->bytes);
	cJSON_AddNumberToObject(e, "seconds", s->seconds);
	errors = cJSON_AddObjectToObject(e, "errors");
	for (i = 1; i < EFL_R__COUNT; i++)
		if (s->by_code[i] > 0)
			cJSON_AddNumberToObject(errors,
			    efl_result_code_name((enum efl_result_code)i),
			    s->by_code[i]);
	emit(o, e);
}

void
out_json__notice(struct efl_out *o, const char *what, const char *text)
{
	cJSON *e = event("notice");

	cJSON_AddStringToObject(e, "what", what);
	cJSON_AddStringToObject(e, "message", text);
	emit(o, e);
}
