/* SPDX-License-Identifier: MIT */
/*
 * The table of per-target result codes (see error.h) and the errbuf helper.
 */
#include <stdarg.h>
#include <stdio.h>

#include "espfleet/error.h"

static const struct {
	const char *name;
	int transient;
} codes[] = {
#define EFL_RC_ROW(n, code, transient) { code, transient },
	EFL_RESULT_CODES(EFL_RC_ROW)
#undef EFL_RC_ROW
};

const char *
efl_result_code_name(enum efl_result_code rc)
{
	return (unsigned)rc < EFL_R__COUNT ? codes[rc].name : "?";
}

int
efl_result_code_transient(enum efl_result_code rc)
{
	return (unsigned)rc < EFL_R__COUNT && codes[rc].transient;
}

void
efl_errbuf_set(struct efl_errbuf *eb, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
}
