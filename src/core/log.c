/* SPDX-License-Identifier: MIT */
/*
 * stderr diagnostics with the command's prefix (see log.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "espfleet/log.h"

static const char *prefix = "espfleet";
static int verbose;

void
efl_log_set_prefix(const char *p)
{
	prefix = p;
}

void
efl_log_set_verbose(int level)
{
	verbose = level;
}

int
efl_log_verbose(void)
{
	return verbose;
}

static void
vlog(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", prefix, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
efl_log(enum efl_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == EFL_LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	vlog(level == EFL_LOG_WARN ? "warning: " : "", fmt, ap);
	va_end(ap);
}

void
efl_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap);
	va_end(ap);
	exit(70);
}
