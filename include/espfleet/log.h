/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics on stderr, prefixed "espfleet: " (or the subcommand), in the
 * project's message style: lowercase, subject quoted, no final period.
 * Verbose protocol logs go through efl_debug and appear with -v only.
 */
#ifndef ESPFLEET_LOG_H
#define ESPFLEET_LOG_H

#include "common.h"

/* Prefix for messages, e.g. "espfleet push". Borrowed, static storage. */
void efl_log_set_prefix(const char *prefix);
void efl_log_set_verbose(int level);
int efl_log_verbose(void);

enum efl_log_level {
	EFL_LOG_ERROR = 0,     /* "espfleet push: ..." */
	EFL_LOG_WARN,          /* "espfleet push: warning: ..." */
	EFL_LOG_DEBUG          /* with -v only */
};

void efl_log(enum efl_log_level level, const char *fmt, ...)
    EFL_PRINTFLIKE(2, 3);

#define efl_error(...) efl_log(EFL_LOG_ERROR, __VA_ARGS__)
#define efl_warn(...) efl_log(EFL_LOG_WARN, __VA_ARGS__)
#define efl_debug(...) efl_log(EFL_LOG_DEBUG, __VA_ARGS__)
/* Fatal internal failure (out of memory): message and exit(70). */
EFL_NORETURN void efl_fatal(const char *fmt, ...) EFL_PRINTFLIKE(1, 2);

#endif
