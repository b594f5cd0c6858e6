/* SPDX-License-Identifier: MIT */
/*
 * Reading `espfleet push --json` reports back (see report.h): one run per
 * "start" line, one row per device named in a "state", "retry" or "result"
 * line (its last "result" counts), "summary" closing the run. Other events
 * and unknown fields are ignored, so reports of newer versions read; a
 * known field of the wrong type, a line that is not a JSON object with
 * "v":1 and "event", a dry run or another command's report are refused.
 */
#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/json-pos.h"
#include "espfleet/report.h"
#include "espfleet/text.h"

#define LINE_MAX_BYTES (1u << 20)

/* A run being read: its rows and a name -> row hash. */
struct run_state {
	size_t rows_cap;
	unsigned char *has_result;    /* per row */
	uint32_t *slots;              /* row index + 1, 0 = empty */
	size_t nslots;
};

struct efl_report_reader {
	struct efl_report rep;
	struct run_state *st;         /* per run */
	size_t runs_cap;
	char **owned;
	size_t nowned, owned_cap;
	/* the file being read */
	char shown[256];
	uint32_t lineno;
	size_t file_first_run;
	struct efl_errbuf *eb;
};

struct efl_report_reader *
efl_report_reader_new(void)
{
	return xcalloc(1, sizeof(struct efl_report_reader));
}

void
efl_report_reader_free(struct efl_report_reader *rd)
{
	size_t i;

	if (rd == NULL)
		return;
	for (i = 0; i < rd->rep.nruns; i++) {
		free(rd->rep.runs[i].rows);
		free(rd->st[i].has_result);
		free(rd->st[i].slots);
	}
	for (i = 0; i < rd->nowned; i++)
		free(rd->owned[i]);
	free(rd->owned);
	free(rd->rep.runs);
	free(rd->st);
	free(rd);
}

/* A string the reader keeps until it is freed. */
static const char *
keep(struct efl_report_reader *rd, char *s)
{
	if (rd->nowned == rd->owned_cap) {
		rd->owned_cap = rd->owned_cap ? rd->owned_cap * 2 : 64;
		rd->owned = xrealloc(rd->owned, rd->owned_cap *
		    sizeof(*rd->owned));
	}
	rd->owned[rd->nowned++] = s;
	return s;
}

static int
fail(struct efl_report_reader *rd, const char *fmt, ...)
    EFL_PRINTFLIKE(2, 3);

static int
fail(struct efl_report_reader *rd, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	efl_errbuf_set(rd->eb, "%s:%u: %s", rd->shown, rd->lineno, msg);
	return -1;
}

/* ---- typed fields; absent (and null, where allowed) leave *out ---- */

static int
field_string(struct efl_report_reader *rd, const cJSON *e, const char *key,
    int required, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);

	if (v == NULL || (cJSON_IsNull(v) && !required)) {
		if (required)
			return fail(rd, "no \"%s\"", key);
		return 0;
	}
	if (!cJSON_IsString(v))
		return fail(rd, "\"%s\" is not a string", key);
	*out = keep(rd, xstrdup(v->valuestring));
	return 0;
}

static int
field_number(struct efl_report_reader *rd, const cJSON *e, const char *key,
    double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0)
		return fail(rd, "\"%s\" is not a number of at least 0", key);
	*out = v->valuedouble;
	return 0;
}

static int
field_bool(struct efl_report_reader *rd, const cJSON *e, const char *key,
    int required, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);

	if (v == NULL || (cJSON_IsNull(v) && !required)) {
		if (required)
			return fail(rd, "no \"%s\"", key);
		return 0;
	}
	if (!cJSON_IsBool(v))
		return fail(rd, "\"%s\" is not true or false", key);
	*out = cJSON_IsTrue(v);
	return 0;
}

/* ---- runs and rows ---- */

static struct efl_report_run *
current_run(struct efl_report_reader *rd)
{
	return rd->rep.nruns > rd->file_first_run ?
	    &rd->rep.runs[rd->rep.nruns - 1] : NULL;
}

static uint32_t
hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
rehash(struct efl_report_run *run, struct run_state *st)
{
	size_t i, j;

	st->nslots = st->nslots ? st->nslots * 2 : 64;
	free(st->slots);
	st->slots = xcalloc(st->nslots, sizeof(*st->slots));
	for (i = 0; i < run->nrows; i++) {
		j = hash_name(run->rows[i].name) & (st->nslots - 1);
		while (st->slots[j] != 0)
			j = (j + 1) & (st->nslots - 1);
		st->slots[j] = (uint32_t)i + 1;
	}
}

/* The row of the device called name in the current run, new if need be. */
static struct efl_report_row *
row_for(struct efl_report_reader *rd, const char *name, int *fresh)
{
	struct efl_report_run *run = current_run(rd);
	struct run_state *st = &rd->st[rd->rep.nruns - 1];
	struct efl_report_row *r;
	size_t j;

	*fresh = 0;
	if (st->nslots > 0) {
		j = hash_name(name) & (st->nslots - 1);
		for (; st->slots[j] != 0; j = (j + 1) & (st->nslots - 1))
			if (strcmp(run->rows[st->slots[j] - 1].name, name) == 0)
				return &run->rows[st->slots[j] - 1];
	}
	if (run->nrows == st->rows_cap) {
		st->rows_cap = st->rows_cap ? st->rows_cap * 2 : 16;
		run->rows = xrealloc(run->rows, st->rows_cap *
		    sizeof(*run->rows));
		st->has_result = xrealloc(st->has_result, st->rows_cap);
	}
	r = &run->rows[run->nrows];
	memset(r, 0, sizeof(*r));
	r->name = keep(rd, xstrdup(name));
	r->message = "";
	r->seconds = r->started_at = r->upload_started_at =
	    r->upload_seconds = -1;
	r->line = rd->lineno;
	st->has_result[run->nrows] = 0;
	run->nrows++;
	if (run->nrows * 2 > st->nslots)
		rehash(run, st);
	else {
		j = hash_name(name) & (st->nslots - 1);
		while (st->slots[j] != 0)
			j = (j + 1) & (st->nslots - 1);
		st->slots[j] = (uint32_t)run->nrows;
	}
	*fresh = 1;
	return r;
}

static int
on_start(struct efl_report_reader *rd, const cJSON *e)
{
	struct efl_report_run *run;
	const char *command = NULL;
	double targets = 0;

	if (field_string(rd, e, "command", 0, &command) != 0)
		return -1;
	if (command != NULL && strcmp(command, "push") != 0) {
		char c[64];

		efl_printable(c, sizeof(c), command, strlen(command));
		return fail(rd, "a report of 'espfleet %s', not of push", c);
	}
	if (rd->rep.nruns == rd->runs_cap) {
		rd->runs_cap = rd->runs_cap ? rd->runs_cap * 2 : 8;
		rd->rep.runs = xrealloc(rd->rep.runs, rd->runs_cap *
		    sizeof(*rd->rep.runs));
		rd->st = xrealloc(rd->st, rd->runs_cap * sizeof(*rd->st));
	}
	run = &rd->rep.runs[rd->rep.nruns];
	memset(run, 0, sizeof(*run));
	memset(&rd->st[rd->rep.nruns], 0, sizeof(*rd->st));
	rd->rep.nruns++;
	run->line = rd->lineno;
	run->started_at = run->seconds = -1;
	if (field_string(rd, e, "image", 0, &run->image) != 0 ||
	    field_string(rd, e, "md5", 0, &run->md5) != 0 ||
	    field_string(rd, e, "kind", 0, &run->kind) != 0 ||
	    field_string(rd, e, "via", 0, &run->via) != 0 ||
	    field_number(rd, e, "targets", &targets) != 0 ||
	    field_number(rd, e, "time", &run->started_at) != 0)
		return -1;
	run->targets = targets > 1e9 ? 1000000000u : (uint32_t)targets;
	return 0;
}

/* "state" and "retry": the device exists, with where it is. */
static int
on_device_event(struct efl_report_reader *rd, const cJSON *e,
    struct efl_report_row **out)
{
	const char *name = NULL;
	double port = -1;
	struct efl_report_row *r;
	int fresh;

	if (current_run(rd) == NULL)
		return fail(rd, "a device event before the push's \"start\"");
	if (field_string(rd, e, "name", 1, &name) != 0)
		return -1;
	r = row_for(rd, name, &fresh);
	if (field_string(rd, e, "target", 0, &r->target) != 0 ||
	    field_string(rd, e, "addr", 0, &r->addr) != 0 ||
	    field_number(rd, e, "port", &port) != 0)
		return -1;
	if (port >= 0 && port <= 65535)
		r->port = (unsigned)port;
	*out = r;
	return 0;
}

static int
on_result(struct efl_report_reader *rd, const cJSON *e)
{
	struct efl_report_row *r;
	int ok = 0, skipped = 0;
	double bytes = 0, attempts = 0;
	const char *code = NULL;

	if (on_device_event(rd, e, &r) != 0)
		return -1;
	rd->st[rd->rep.nruns - 1].has_result[r - current_run(rd)->rows] = 1;
	r->line = rd->lineno;
	r->code = NULL;
	r->verification = NULL;
	r->message = "";
	r->seconds = r->started_at = r->upload_started_at =
	    r->upload_seconds = -1;
	if (field_bool(rd, e, "ok", 1, &ok) != 0 ||
	    field_bool(rd, e, "skipped", 0, &skipped) != 0 ||
	    field_string(rd, e, "error", 0, &code) != 0 ||
	    field_string(rd, e, "message", 0, &r->message) != 0 ||
	    field_string(rd, e, "verification", 0, &r->verification) != 0 ||
	    field_number(rd, e, "bytes", &bytes) != 0 ||
	    field_number(rd, e, "attempts", &attempts) != 0 ||
	    field_number(rd, e, "seconds", &r->seconds) != 0 ||
	    field_number(rd, e, "started_at", &r->started_at) != 0 ||
	    field_number(rd, e, "upload_started_at",
	    &r->upload_started_at) != 0 ||
	    field_number(rd, e, "upload_seconds", &r->upload_seconds) != 0)
		return -1;
	r->bytes = bytes > 1e18 ? (uint64_t)1e18 : (uint64_t)bytes;
	r->attempts = attempts > 1e9 ? 1000000000u : (uint32_t)attempts;
	if (skipped)
		r->status = EFL_REPORT_SKIPPED;
	else if (ok)
		r->status = EFL_REPORT_OK;
	else {
		r->status = EFL_REPORT_FAILED;
		r->code = code != NULL && code[0] != '\0' ? code : "failed";
	}
	return 0;
}

static int
on_summary(struct efl_report_reader *rd, const cJSON *e)
{
	struct efl_report_run *run = current_run(rd);
	const char *command = NULL;
	int dry_run = 0;

	if (field_bool(rd, e, "dry_run", 0, &dry_run) != 0 ||
	    field_string(rd, e, "command", 0, &command) != 0)
		return -1;
	if (dry_run)
		return fail(rd, "a dry run (push --dry-run): nothing was "
		    "pushed");
	if (command != NULL && strcmp(command, "push") != 0) {
		char c[64];

		efl_printable(c, sizeof(c), command, strlen(command));
		return fail(rd, "a report of 'espfleet %s', not of push", c);
	}
	if (run == NULL)
		return fail(rd, "a \"summary\" without a push's \"start\"");
	if (run->complete)
		return fail(rd, "a second \"summary\" for the push that "
		    "started on line %u", run->line);
	run->complete = 1;
	return field_number(rd, e, "seconds", &run->seconds);
}

static int
read_event(struct efl_report_reader *rd, char *line, size_t len)
{
	const cJSON *v, *ev;
	struct efl_report_row *r;
	char why[EFL_JSON_WHY_LEN];
	size_t off;
	cJSON *e;
	int rc = 0;

	if ((e = efl_json_parse(line, len, &off, why)) == NULL) {
		efl_errbuf_set(rd->eb, "%s:%u:%u: not JSON: %s", rd->shown,
		    rd->lineno, efl_json_pos_at(line, len, off).col, why);
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(e, "v");
	ev = cJSON_GetObjectItemCaseSensitive(e, "event");
	if (!cJSON_IsObject(e) || !cJSON_IsNumber(v) || !cJSON_IsString(ev))
		rc = fail(rd, "not an espfleet JSON line (an object with "
		    "\"v\" and \"event\")");
	else if (v->valuedouble != 1)
		rc = fail(rd, "JSON schema version %g (this espfleet reads "
		    "version 1)", v->valuedouble);
	else if (strcmp(ev->valuestring, "start") == 0)
		rc = on_start(rd, e);
	else if (strcmp(ev->valuestring, "state") == 0 ||
	    strcmp(ev->valuestring, "retry") == 0)
		rc = on_device_event(rd, e, &r);
	else if (strcmp(ev->valuestring, "result") == 0)
		rc = on_result(rd, e);
	else if (strcmp(ev->valuestring, "summary") == 0)
		rc = on_summary(rd, e);
	else if (strcmp(ev->valuestring, "plan") == 0)
		rc = fail(rd, "a dry run (push --dry-run): nothing was "
		    "pushed");
	/* anything else (notice, and events of newer versions) is not
	 * about a device's outcome */
	cJSON_Delete(e);
	return rc;
}

/* Run name: the file's base name without its extension. */
static const char *
run_name(struct efl_report_reader *rd, const char *path, int whole)
{
	const char *base = whole ? path : strrchr(path, '/');
	size_t n;

	base = base == NULL ? path : whole ? base : base + 1;
	n = strlen(base);
	if (n > 6 && strcmp(base + n - 6, ".jsonl") == 0)
		n -= 6;
	else if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	return keep(rd, xasprintf("%.*s", (int)n, base));
}

int
efl_report_reader_add(struct efl_report_reader *rd, const char *path,
    FILE *fp, struct efl_errbuf *eb)
{
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	const char *file;
	int rc = 0;

	rd->eb = eb;
	rd->lineno = 0;
	rd->file_first_run = rd->rep.nruns;
	efl_printable(rd->shown, sizeof(rd->shown), path, strlen(path));
	file = keep(rd, xstrdup(path));
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		size_t len = (size_t)n;

		rd->lineno++;
		if (len > LINE_MAX_BYTES) {
			rc = fail(rd, "a line longer than 1 MiB");
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strspn(line, " \t") == len)
			continue;       /* an empty line */
		rc = read_event(rd, line, len);
	}
	free(line);
	if (rc == 0 && ferror(fp)) {
		efl_errbuf_set(eb, "%s: cannot read it", rd->shown);
		rc = -1;
	}
	if (rc == 0 && rd->rep.nruns == rd->file_first_run) {
		efl_errbuf_set(eb, "%s: no push in it (no \"start\" line): "
		    "not a report of 'espfleet push --json', or the push "
		    "stopped before it began (see that job's log)", rd->shown);
		rc = -1;
	}
	for (i = rd->file_first_run; i < rd->rep.nruns; i++) {
		rd->rep.runs[i].file = file;
		rd->rep.runs[i].name = run_name(rd, path, 0);
	}
	return rc;
}

/* ---- merging ---- */

struct where {
	const char *name;
	size_t run;
	uint32_t line;
};

static int
cmp_where(const void *a, const void *b)
{
	const struct where *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : x->run < y->run ? -1 : x->run > y->run;
}

static int
cmp_row(const void *a, const void *b)
{
	const struct efl_report_row *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Rows without a result: the report ended before the device's. */
static void
close_rows(struct efl_report_reader *rd, size_t i)
{
	struct efl_report_run *run = &rd->rep.runs[i];
	size_t k;

	for (k = 0; k < run->nrows; k++) {
		struct efl_report_row *r = &run->rows[k];

		if (rd->st[i].has_result[k])
			continue;
		r->status = EFL_REPORT_FAILED;
		r->code = "no-result";
		r->message = run->complete ? "the report has no result for "
		    "this device" : "the report ends before this device's "
		    "result (the push was interrupted)";
	}
}

/* Two runs with the same name (report.jsonl of several jobs): named by
 * their paths, then numbered. */
static void
unique_run_names(struct efl_report_reader *rd)
{
	struct efl_report_run *runs = rd->rep.runs;
	size_t i, j, n = rd->rep.nruns;
	unsigned char *clash = xcalloc(n + 1, 1);

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (j != i && strcmp(runs[i].name, runs[j].name) == 0)
				clash[i] = 1;
	for (i = 0; i < n; i++)
		if (clash[i])
			runs[i].name = run_name(rd, runs[i].file, 1);
	for (i = 0; i < n; i++) {
		unsigned count = 1;

		for (j = 0; j < i; j++)
			count += strcmp(runs[j].file, runs[i].file) == 0;
		if (count > 1)
			runs[i].name = keep(rd, xasprintf("%s (%u)",
			    runs[i].name, count));
	}
	free(clash);
}

const struct efl_report *
efl_report_reader_finish(struct efl_report_reader *rd,
    struct efl_errbuf *eb)
{
	struct where *all;
	size_t i, k, n = 0;
	int rc = 0;

	for (i = 0; i < rd->rep.nruns; i++) {
		close_rows(rd, i);
		n += rd->rep.runs[i].nrows;
	}
	unique_run_names(rd);
	all = xcalloc(n + 1, sizeof(*all));
	for (n = 0, i = 0; i < rd->rep.nruns; i++)
		for (k = 0; k < rd->rep.runs[i].nrows; k++) {
			all[n].name = rd->rep.runs[i].rows[k].name;
			all[n].run = i;
			all[n++].line = rd->rep.runs[i].rows[k].line;
		}
	qsort(all, n, sizeof(*all), cmp_where);
	for (i = 1; i < n && rc == 0; i++)
		if (strcmp(all[i - 1].name, all[i].name) == 0) {
			const struct efl_report_run *a =
			    &rd->rep.runs[all[i - 1].run];
			const struct efl_report_run *b =
			    &rd->rep.runs[all[i].run];
			char name[80], fa[200], fb[200];

			efl_printable(name, sizeof(name), all[i].name,
			    strlen(all[i].name));
			efl_printable(fa, sizeof(fa), a->file, strlen(a->file));
			efl_printable(fb, sizeof(fb), b->file, strlen(b->file));
			efl_errbuf_set(eb, "device '%s' is in two pushes: "
			    "%s:%u and %s:%u (each device may appear once: "
			    "shards or sites overlap, or a report was given "
			    "twice)", name, fa, all[i - 1].line, fb,
			    all[i].line);
			rc = -1;
		}
	free(all);
	if (rc != 0)
		return NULL;
	for (i = 0; i < rd->rep.nruns; i++)
		if (rd->rep.runs[i].nrows > 1)
			qsort(rd->rep.runs[i].rows, rd->rep.runs[i].nrows,
			    sizeof(*rd->rep.runs[i].rows), cmp_row);
	return &rd->rep;
}
