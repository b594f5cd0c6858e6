/* SPDX-License-Identifier: MIT */
/*
 * A push's own report (push --junit): the rows of the push that just ran,
 * as the report writers take them (report.h), so that its JUnit file says
 * what `espfleet report` says of its JSON Lines.
 */
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/output.h"
#include "espfleet/report.h"

void
efl_report_rows_from_push(struct efl_report_row *out,
    const struct efl_push_row *rows, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct efl_push_row *r = &rows[i];
		struct efl_report_row *o = &out[i];

		memset(o, 0, sizeof(*o));
		o->name = r->label;
		o->target = r->target;
		o->addr = r->addr[0] != '\0' ? r->addr : NULL;
		o->port = r->port;
		if (r->skipped) {
			o->status = EFL_REPORT_SKIPPED;
		} else if (r->ok) {
			o->status = EFL_REPORT_OK;
		} else {
			o->status = EFL_REPORT_FAILED;
			o->code = efl_result_code_name(r->code);
		}
		o->message = r->message;
		o->verification = r->verify_note;
		o->seconds = efl_push_row_seconds(r);
		o->started_at = efl_push_row_started_at(r);
		o->upload_started_at = efl_push_row_upload_started_at(r);
		o->upload_seconds = efl_push_row_upload_seconds(r);
		o->bytes = r->bytes;
		o->attempts = r->attempts;
	}
}

/* The run's name: path's base name without ".xml", as `espfleet report`
 * names a run after its file. */
static char *
run_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base != NULL && base[1] != '\0' ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".xml") == 0)
		n -= 4;
	return xasprintf("%.*s", (int)n, base);
}

int
efl_push_junit_write(const char *path, const struct efl_push_run_info *info,
    const struct efl_push_row *rows, uint32_t n, struct efl_errbuf *eb)
{
	struct efl_report_run run;
	struct efl_report rep;
	char *name = run_name(path);
	int rc;

	memset(&run, 0, sizeof(run));
	run.name = name;
	run.image = info->image;
	run.md5 = info->md5;
	run.kind = info->command == 100 ? "filesystem" : "application";
	run.via = info->via;
	run.started_at = efl_wall_time(info->started_ms);
	run.seconds = info->seconds;
	run.targets = n;
	run.complete = 1;
	run.rows = xcalloc(n ? n : 1, sizeof(*run.rows));
	run.nrows = n;
	efl_report_rows_from_push(run.rows, rows, n);
	memset(&rep, 0, sizeof(rep));
	rep.runs = &run;
	rep.nruns = 1;
	rc = efl_report_write_file(path, efl_junit_write, &rep, eb);
	free(run.rows);
	free(name);
	return rc;
}
