/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the report writers (src/report).
 */
#ifndef ESPFLEET_REPORT_IMPL_H
#define ESPFLEET_REPORT_IMPL_H

#include "espfleet/report.h"

/* Counts of one run added to c (report__count_init first). */
void report__count_init(struct efl_report_counts *c);
void report__count_run(const struct efl_report_run *run,
    struct efl_report_counts *c);

/* t (Unix seconds) as "2026-11-21T10:00:00" in UTC (JUnit's form, no
 * zone); "" when t < 0. */
#define REPORT_TIME_LEN 24
void report__utc_text(char out[REPORT_TIME_LEN], double t);

/* Seconds for a table cell: "12.3", "-" when negative. */
void report__seconds_text(char out[16], double s);

#endif
