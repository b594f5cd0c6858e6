/* SPDX-License-Identifier: MIT */
/*
 * Reports of pushes: what happened to each device, in a neutral form that
 * both a push (from its rows) and `espfleet report` (from the JSON Lines of
 * several pushes) fill, and the writers over it: the JUnit XML file, the
 * self-contained HTML page and the terminal summary table.
 *
 * A report is a list of runs (one push each: one CI job, one JUnit
 * testsuite); a run is a list of device rows. Strings are borrowed: whoever
 * fills the records keeps them alive while the writers run. Times are Unix
 * seconds (wall clock), negative when unknown.
 */
#ifndef ESPFLEET_REPORT_H
#define ESPFLEET_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

enum efl_report_status {
	EFL_REPORT_OK = 0,        /* updated */
	EFL_REPORT_SKIPPED,       /* left alone on purpose: not a failure */
	EFL_REPORT_FAILED
};

struct efl_report_row {
	const char *name;         /* device name, or the target as given */
	const char *target;       /* as given; NULL when unknown */
	const char *addr;         /* numeric address; NULL when unknown */
	unsigned port;            /* 0 when unknown */
	enum efl_report_status status;
	/* failed: the result code ("auth-failed", any text from a newer
	 * espfleet); NULL otherwise */
	const char *code;
	const char *message;      /* why it failed or was skipped; "" none */
	const char *verification; /* "verified", "rebooted", ...; NULL */
	double seconds;           /* the device's whole time */
	double started_at;        /* when its first attempt began */
	double upload_started_at; /* its last attempt's transfer */
	double upload_seconds;
	uint64_t bytes;
	uint32_t attempts;
	uint32_t line;            /* report: its line in the file; 0 */
};

struct efl_report_run {
	const char *name;         /* the job: a file's base name, "push" */
	const char *file;         /* the file it was read from; NULL */
	uint32_t line;            /* of its "start" event; 0 */
	const char *image, *md5, *kind, *via;  /* NULL when unknown */
	double started_at;
	double seconds;           /* the push's whole time */
	uint32_t targets;         /* announced at its start */
	/* 0 when its report ends before the push's summary (interrupted):
	 * it then holds fewer rows than targets, and counts as a failure */
	int complete;
	struct efl_report_row *rows;
	size_t nrows;
};

struct efl_report {
	const char *title;        /* the HTML page's; NULL: a default */
	struct efl_report_run *runs;
	size_t nruns;
};

struct efl_report_counts {
	uint32_t devices, ok, failed, skipped;
	uint32_t incomplete_runs;
	uint32_t missing;         /* targets of incomplete runs without a
	                             row */
	double first_start, last_end; /* wall clock span; < 0 unknown */
};

void efl_report_count(const struct efl_report *rep,
    struct efl_report_counts *c);
/* 1 if every device is ok or skipped and every run complete. */
int efl_report_all_ok(const struct efl_report *rep);

/* The text a row's result is shown as: "ok" (or its verification),
 * "skipped", or its code. */
const char *efl_report_result_text(const struct efl_report_row *r);

/* ---- reading the JSON Lines of `espfleet push --json` ---- */

struct efl_report_reader;

struct efl_report_reader *efl_report_reader_new(void);
/*
 * Add the runs of one JSON Lines file (fp, named path in messages).
 * 0, or -1 with "PATH:LINE[:COL]: problem" in eb (not a push report,
 * invalid JSON, a field of the wrong type).
 */
int efl_report_reader_add(struct efl_report_reader *rd, const char *path,
    FILE *fp, struct efl_errbuf *eb);
/*
 * The merged report (valid until the reader is freed), or NULL with the
 * problem in eb: a device in two runs ("name" is the key; a device appears
 * once across all reports).
 */
const struct efl_report *efl_report_reader_finish(
    struct efl_report_reader *rd, struct efl_errbuf *eb);
void efl_report_reader_free(struct efl_report_reader *rd);

/* ---- a push's own report (push --junit) ---- */

struct efl_push_row;

/* out[0..n): the finished rows[0..n) of a push, as report rows (their
 * strings borrowed from rows). */
void efl_report_rows_from_push(struct efl_report_row *out,
    const struct efl_push_row *rows, uint32_t n);

struct efl_push_run_info {
	const char *image, *md5;
	int command;              /* 0 application, 100 filesystem */
	const char *via;          /* "espota", "http", "espota+http" */
	uint64_t started_ms;      /* efl_now_ms at its start */
	double seconds;
};

/*
 * The JUnit XML of one push (push --junit): one testsuite, named after
 * path's base name without ".xml", with a testcase per row. Written
 * through efl_report_write_file: 0, or -1 with the problem in eb.
 */
int efl_push_junit_write(const char *path,
    const struct efl_push_run_info *info, const struct efl_push_row *rows,
    uint32_t n, struct efl_errbuf *eb);

/* ---- writers ---- */

/* JUnit XML: one testsuite per run, one testcase per device (failure
 * type = the code, skipped as skipped); an incomplete run adds a testcase
 * with an error. 0, or -1 on a write error. */
int efl_junit_write(FILE *fp, const struct efl_report *rep);

/* The self-contained HTML page: summary, runs, a per-device table and an
 * SVG timeline, no scripts, no external references. 0 or -1. */
int efl_html_write(FILE *fp, const struct efl_report *rep);

/* The summary table for a terminal of width columns (0: no limit), with
 * ANSI colours if color. */
void efl_report_table(FILE *fp, const struct efl_report *rep,
    unsigned width, int color);

/* efl_write_file (file.h) with one of the writers above and rep: 0, or
 * -1 with the problem in eb. */
int efl_report_write_file(const char *path,
    int (*writer)(FILE *, const struct efl_report *),
    const struct efl_report *rep, struct efl_errbuf *eb);

#endif
