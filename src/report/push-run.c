/* SPDX-License-Identifier: MIT */
/*
 * A push's own report (push --junit): the rows of the push that just ran,
 * as the report writers take them (report.h), so that its JUnit file says
 * what `espfleet report` says of its JSON Lines.
 */
#include <string.h>

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
