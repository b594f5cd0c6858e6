/* SPDX-License-Identifier: MIT */
/*
 * The state file of a staged rollout (see rollout-state.h): formatted and
 * parsed with cJSON, every field checked, nothing read from a file here.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/log.h"
#include "espfleet/rollout-state.h"

static const char *const result_names[] = {
	"pending", "verified", "updated", "skipped", "failed", "halted",
	"sending"
};

const char *
efl_rstate_result_name(enum efl_rstate_result r)
{
	return (size_t)r < ARRAY_SIZE(result_names) ? result_names[r] : "?";
}

static void
no_memory(void *p)
{
	if (p == NULL)
		efl_fatal("out of memory building the state file");
}

char *
efl_rstate_format(const struct efl_rstate *s)
{
	cJSON *o = cJSON_CreateObject(), *devs, *d;
	char *text;
	uint32_t i;

	no_memory(o);
	cJSON_AddNumberToObject(o, "schema", EFL_RSTATE_SCHEMA);
	cJSON_AddStringToObject(o, "image_md5", s->image_md5);
	cJSON_AddStringToObject(o, "policy", s->policy);
	cJSON_AddBoolToObject(o, "halted", s->halted);
	if (s->halted)
		cJSON_AddStringToObject(o, "halt_reason", s->halt_reason);
	devs = cJSON_AddArrayToObject(o, "devices");
	no_memory(devs);
	for (i = 0; i < s->n; i++) {
		const struct efl_rstate_dev *v = &s->devs[i];

		d = cJSON_CreateObject();
		no_memory(d);
		cJSON_AddStringToObject(d, "name", v->name);
		cJSON_AddStringToObject(d, "addr", v->addr);
		if (v->wave >= 0)
			cJSON_AddNumberToObject(d, "wave", v->wave);
		else
			cJSON_AddNullToObject(d, "wave");
		cJSON_AddStringToObject(d, "result",
		    efl_rstate_result_name(v->result));
		if (v->error[0] != '\0')
			cJSON_AddStringToObject(d, "error", v->error);
		if (v->time > 0)
			cJSON_AddNumberToObject(d, "time", v->time);
		cJSON_AddItemToArray(devs, d);
	}
	text = cJSON_Print(o);
	cJSON_Delete(o);
	no_memory(text);
	return text;
}

/* A string field into out; -1 with eb when missing or too long. */
static int
get_text(const cJSON *o, const char *key, char *out, size_t cap,
    int optional, const char *where, struct efl_errbuf *eb)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL && optional) {
		out[0] = '\0';
		return 0;
	}
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap) {
		efl_errbuf_set(eb, "%s: \"%s\" is %s", where, key, v == NULL ?
		    "missing" : "not a string of the right length");
		return -1;
	}
	snprintf(out, cap, "%s", v->valuestring);
	return 0;
}

static int
parse_dev(const cJSON *d, uint32_t k, struct efl_rstate_dev *v,
    struct efl_errbuf *eb)
{
	char where[48], result[16];
	const cJSON *w, *t;
	size_t i;

	snprintf(where, sizeof(where), "device %u", k + 1);
	if (!cJSON_IsObject(d)) {
		efl_errbuf_set(eb, "%s is not an object", where);
		return -1;
	}
	if (get_text(d, "name", v->name, sizeof(v->name), 0, where, eb) ||
	    get_text(d, "addr", v->addr, sizeof(v->addr), 0, where, eb) ||
	    get_text(d, "result", result, sizeof(result), 0, where, eb) ||
	    get_text(d, "error", v->error, sizeof(v->error), 1, where, eb))
		return -1;
	for (i = 0; i < ARRAY_SIZE(result_names); i++)
		if (strcmp(result, result_names[i]) == 0)
			break;
	if (i == ARRAY_SIZE(result_names)) {
		efl_errbuf_set(eb, "%s: result \"%s\" is unknown", where,
		    result);
		return -1;
	}
	v->result = (enum efl_rstate_result)i;
	w = cJSON_GetObjectItemCaseSensitive(d, "wave");
	if (cJSON_IsNull(w)) {
		v->wave = -1;
	} else if (cJSON_IsNumber(w) && w->valuedouble >= 0 &&
	    w->valuedouble <= 1000 && w->valuedouble == (int)w->valuedouble) {
		v->wave = (int32_t)w->valuedouble;
	} else {
		efl_errbuf_set(eb, "%s: \"wave\" is missing or not a wave "
		    "number", where);
		return -1;
	}
	t = cJSON_GetObjectItemCaseSensitive(d, "time");
	v->time = cJSON_IsNumber(t) ? t->valuedouble : 0;
	return 0;
}

/* 1 when text ends inside an object, a list or a string: cut short. */
static int
ends_early(const char *text, size_t len)
{
	size_t i;
	int depth = 0, in_string = 0, escaped = 0;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return in_string || depth > 0;
}

int
efl_rstate_parse(const char *text, size_t len, struct efl_rstate *s,
    struct efl_errbuf *eb)
{
	cJSON *o;
	const cJSON *v, *devs, *d;
	const char *end = NULL;
	uint32_t k;

	memset(s, 0, sizeof(*s));
	o = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (o == NULL) {
		size_t at = end != NULL && end >= text ? (size_t)(end - text) :
		    0;

		if (len == 0)
			efl_errbuf_set(eb, "empty: not a state file");
		else if (at >= len || ends_early(text, len))
			efl_errbuf_set(eb, "not JSON: it ends early "
			    "(truncated?)");
		else
			efl_errbuf_set(eb, "not JSON (at byte %zu)", at);
		return -1;
	}
	if (!cJSON_IsObject(o)) {
		efl_errbuf_set(eb, "not a state file (not a JSON object)");
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "schema");
	if (!cJSON_IsNumber(v)) {
		efl_errbuf_set(eb, "not a state file (no \"schema\")");
		goto fail;
	}
	if (v->valuedouble != EFL_RSTATE_SCHEMA) {
		efl_errbuf_set(eb, "schema version %g, this espfleet reads "
		    "version %d", v->valuedouble, EFL_RSTATE_SCHEMA);
		goto fail;
	}
	s->schema = EFL_RSTATE_SCHEMA;
	if (get_text(o, "image_md5", s->image_md5, sizeof(s->image_md5), 0,
	    "state", eb) || get_text(o, "policy", s->policy,
	    sizeof(s->policy), 0, "state", eb) || get_text(o, "halt_reason",
	    s->halt_reason, sizeof(s->halt_reason), 1, "state", eb))
		goto fail;
	v = cJSON_GetObjectItemCaseSensitive(o, "halted");
	if (!cJSON_IsBool(v)) {
		efl_errbuf_set(eb, "state: \"halted\" is missing or not true "
		    "or false");
		goto fail;
	}
	s->halted = cJSON_IsTrue(v);
	devs = cJSON_GetObjectItemCaseSensitive(o, "devices");
	if (!cJSON_IsArray(devs)) {
		efl_errbuf_set(eb, "state: \"devices\" is missing or not a "
		    "list");
		goto fail;
	}
	s->n = (uint32_t)cJSON_GetArraySize(devs);
	s->devs = xcalloc(s->n ? s->n : 1, sizeof(*s->devs));
	k = 0;
	cJSON_ArrayForEach(d, devs) {
		if (parse_dev(d, k, &s->devs[k], eb) != 0)
			goto fail;
		k++;
	}
	cJSON_Delete(o);
	return 0;
fail:
	cJSON_Delete(o);
	efl_rstate_free(s);
	return -1;
}

int
efl_rstate_matches(const struct efl_rstate *s, const char *image_md5,
    const char *policy, struct efl_errbuf *eb)
{
	if (strcmp(s->image_md5, image_md5) != 0) {
		efl_errbuf_set(eb, "it is the state of another image (md5 %s, "
		    "this one is %s)", s->image_md5, image_md5);
		return -1;
	}
	if (strcmp(s->policy, policy) != 0) {
		efl_errbuf_set(eb, "it is the state of another policy (\"%s\", "
		    "this one is \"%s\")", s->policy, policy);
		return -1;
	}
	return 0;
}

const struct efl_rstate_dev *
efl_rstate_find(const struct efl_rstate *s, const char *name)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->devs[i].name, name) == 0)
			return &s->devs[i];
	return NULL;
}

void
efl_rstate_free(struct efl_rstate *s)
{
	free(s->devs);
	s->devs = NULL;
	s->n = 0;
}
