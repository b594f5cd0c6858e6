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

void efl_warn(const char *fmt, ...) EFL_PRINTFLIKE(1, 2);
void efl_error(const char *fmt, ...) EFL_PRINTFLIKE(1, 2);
void efl_debug(const char *fmt, ...) EFL_PRINTFLIKE(1, 2);
/* Fatal internal failure (out of memory): message and exit(70). */
EFL_NORETURN void efl_fatal(const char *fmt, ...) EFL_PRINTFLIKE(1, 2);

#endif
