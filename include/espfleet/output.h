/* SPDX-License-Identifier: MIT */
/*
 * Everything espfleet tells its user goes through here as events; commands
 * never print results themselves. Renderers: the terminal (live progress
 * lines redrawn at most 4 times a second, then a summary table), plain lines
 * (one per event, when stdout is not a terminal) and JSON Lines (--json,
 * each object with "v":1 and "event"). Device-supplied strings are escaped
 * before they reach a terminal.
 */
#ifndef ESPFLEET_OUTPUT_H
#define ESPFLEET_OUTPUT_H

#include <stdint.h>

#include "error.h"
#include "session.h"

enum efl_out_mode {
	EFL_OUT_TTY = 0,
	EFL_OUT_PLAIN,
	EFL_OUT_JSON
};

/* One target of a push, as shown (owned by the push engine). */
struct efl_push_row {
	char label[128];        /* printable: device name or target */
	char target[128];       /* printable: the target as given */
	char addr[64];
	uint16_t port;
	enum efl_phase phase;
	uint32_t phase_events;  /* phases entered in this attempt */
	uint32_t acked, total;
	uint32_t attempts;
	uint64_t started_ms, attempt_started_ms, finished_ms;
	/* the last attempt's transfer: from the connect-back to the last
	 * acknowledged byte (0 when it did not get that far) */
	uint64_t upload_started_ms, upload_done_ms;
	uint64_t last_progress_ms; /* when the acked count last moved */
	/* result */
	int finished;
	int ok;
	int skipped;
	enum efl_result_code code;
	char message[512];
	uint32_t bytes;         /* sent over the wire (compressed: fewer) */
	uint32_t image_bytes;   /* the image the device runs, uncompressed */
	int verified;           /* -1 not checked, 0 no, 1 yes */
	const char *verify_note; /* "verified", "rebooted", "unverified" */
	int in_wave;            /* in a wave of a staged rollout: */
	uint32_t wave;          /* which (0 the canary, 1.. the waves) */
};

/* A finished row's times, as reports give them: its whole time in seconds
 * (0 if it never started), when it started (Unix seconds, -1 if it never
 * did), and its last transfer's start and length (-1 without one). */
double efl_push_row_seconds(const struct efl_push_row *r);
double efl_push_row_started_at(const struct efl_push_row *r);
double efl_push_row_upload_started_at(const struct efl_push_row *r);
double efl_push_row_upload_seconds(const struct efl_push_row *r);

struct efl_push_summary {
	uint32_t targets, updated, failed, skipped;
	uint32_t halted;        /* not started: the rollout halted */
	const char *halt_reason; /* why, or NULL */
	uint64_t bytes;
	uint64_t image_bytes;   /* of the updated devices' images */
	double seconds;
	uint32_t by_code[EFL_R__COUNT];
};

struct efl_out;

/* Mode from the command line and stdout (TTY only if stdout is one and
 * verbose logs are off); color unless NO_COLOR is set or TERM is dumb. */
enum efl_out_mode efl_out_pick_mode(int json, int verbose);
struct efl_out *efl_out_new(enum efl_out_mode mode, const char *command);
void efl_out_free(struct efl_out *o);
/*
 * 0, or the errno of the first write of the output that failed (a full
 * disk, a reader that went away: the error was said on stderr then, and
 * nothing more was written). The report is lost: the command exits 3
 * (EFL_EXIT_SETUP) whatever else happened. Flushes first.
 */
int efl_out_write_error(struct efl_out *o);
enum efl_out_mode efl_out_mode(const struct efl_out *o);

/* via: the transport ("espota", "http"). */
void efl_out_push_begin(struct efl_out *o, const char *image,
    uint32_t size, const char *md5, int command, uint32_t ntargets,
    const char *via);
void efl_out_push_phase(struct efl_out *o, const struct efl_push_row *r);
void efl_out_push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries);
void efl_out_push_result(struct efl_out *o, const struct efl_push_row *r);
/* Terminal only: redraw the live lines of active rows. */
void efl_out_push_tick(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n);
/* A wave of a staged rollout begins (ended 0) or has every verdict
 * (ended 1; a halted wave ends with the push). */
struct efl_wave_info {
	uint32_t index;         /* 0 the canary, 1.. the waves */
	uint32_t nwaves;        /* waves after the canary */
	uint32_t targets;
	int ended;
	double start, end;      /* Unix seconds (end: 0 before it ended) */
	uint32_t ok, failed, skipped;
	uint32_t failed_total;  /* of the whole rollout so far */
	uint32_t allowed;       /* failures the threshold allows now */
};
void efl_out_push_wave(struct efl_out *o, const struct efl_wave_info *w);
/* The rollout halted: no device is started any more. */
void efl_out_push_halt(struct efl_out *o, const char *reason,
    uint32_t started, uint32_t failed, uint32_t halted);
/* A device of a wave failed during the soak after its verdict (r says
 * how); it counts as failed from now on. */
void efl_out_push_soak_failed(struct efl_out *o,
    const struct efl_push_row *r);
void efl_out_push_summary(struct efl_out *o,
    const struct efl_push_row *rows, uint32_t n,
    const struct efl_push_summary *s);

/* A short free-form notice (human modes: stdout line; JSON: "notice"). */
void efl_out_notice(struct efl_out *o, const char *what, const char *text);

/* ---- push --dry-run: what would happen, nothing is sent ---- */

/* One target: r->skipped and r->message (the reason) say what and why. */
void efl_out_push_plan(struct efl_out *o, const struct efl_push_row *r);
void efl_out_push_plan_summary(struct efl_out *o, uint32_t targets,
    uint32_t update, uint32_t skipped);

/* ---- serve ---- */

struct efl_image;
struct efl_serve_event;
struct efl_serve_summary;

/* The server listens on 'listen' (text), offering img (version "" when it
 * declares none), fs (or NULL) to percent% of the devices. */
void efl_out_serve_begin(struct efl_out *o, const char *listen,
    const struct efl_image *img, const char *version,
    const struct efl_image *fs, uint32_t percent, int password);
/* One request, when its answer is over (JSON: a "request" line). Device
 * strings are escaped here. */
void efl_out_serve_request(struct efl_out *o,
    const struct efl_serve_event *e);
void efl_out_serve_end(struct efl_out *o, const struct efl_serve_summary *s);
/* A new file is served from now on as 'which' ("image" or "fs"): serve
 * read the changed file whole and checked it (JSON: an "image" line). */
void efl_out_serve_image(struct efl_out *o, const char *which,
    const struct efl_image *img, const char *version);
/* Requests from addr get 429 for 'seconds' after 'failures' wrong
 * passwords in a row (JSON: a "throttled" line). */
void efl_out_serve_throttled(struct efl_out *o, const char *addr,
    uint32_t failures, double seconds);

/* ---- discover ---- */

struct efl_device;

/* A discovered device (JSON: a "device" line now; human: a table row,
 * printed by the summary). Every string is escaped here. */
void efl_out_device(struct efl_out *o, const struct efl_device *d);
/* Something from the network skipped or malformed, with the reason
 * (JSON: a "skipped" line; human: a warning on stderr). */
void efl_out_discover_skipped(struct efl_out *o, const char *subject,
    const char *reason);
/* The end: the table (human), then the count; complete is 0 when the
 * timeout ended the browse. */
void efl_out_discover_summary(struct efl_out *o, uint32_t devices,
    double seconds, int complete);

#endif
