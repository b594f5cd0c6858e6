/* SPDX-License-Identifier: MIT */
/*
 * Basics every host module uses: allocation that never returns NULL (a CLI
 * cannot usefully recover from OOM), ARRAY_SIZE, printf-format attributes.
 */
#ifndef ESPFLEET_COMMON_H
#define ESPFLEET_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EFL_PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define EFL_NORETURN __attribute__((noreturn))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) EFL_PRINTFLIKE(1, 2);

/* Monotonic milliseconds (for durations in reports). */
uint64_t efl_now_ms(void);
/* The wall-clock time (Unix seconds, to the millisecond) of the instant
 * mono_ms of efl_now_ms, for reports that merge several pushes. */
double efl_wall_time(uint64_t mono_ms);

#endif
