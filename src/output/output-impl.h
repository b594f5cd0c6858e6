/*
 * Internals shared by the output dispatcher and its renderers.
 */
#ifndef ESPFLEET_OUTPUT_IMPL_H
#define ESPFLEET_OUTPUT_IMPL_H

#include <stdio.h>

#include "espfleet/output.h"

/* A discovered device as the human table shows it (escaped strings). */
struct out_dev_row {
	char *col[8];
};

struct efl_out {
	enum efl_out_mode mode;
	int color;
	const char *command;   /* "push", "discover", ... */
	FILE *fp;              /* stdout */
	uint32_t live_lines;   /* TTY: lines of the live area on screen */
	uint64_t started_ms;
	struct out_dev_row *dev_rows;  /* discover, human modes */
	uint32_t ndev_rows;
};

/* human renderer (TTY and plain lines) */
void out_human__push_begin(struct efl_out *o, const char *image,
    uint32_t size, const char *md5, int command, uint32_t ntargets,
    const char *via);
void out_human__push_phase(struct efl_out *o, const struct efl_push_row *r);
void out_human__push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries);
void out_human__push_result(struct efl_out *o, const struct efl_push_row *r);
void out_human__push_tick(struct efl_out *o, const struct efl_push_row *rows,
    uint32_t n);
void out_human__push_summary(struct efl_out *o,
    const struct efl_push_row *rows, uint32_t n,
    const struct efl_push_summary *s);
void out_human__notice(struct efl_out *o, const char *what,
    const char *text);
void out_human__push_plan(struct efl_out *o, const struct efl_push_row *r);
void out_human__push_plan_summary(struct efl_out *o, uint32_t targets,
    uint32_t update, uint32_t skipped);
void out_human__device(struct efl_out *o, const struct efl_device *d);
void out_human__discover_skipped(struct efl_out *o, const char *subject,
    const char *reason);
void out_human__discover_summary(struct efl_out *o, uint32_t devices,
    double seconds, int complete);
void out_human__serve_begin(struct efl_out *o, const char *listen,
    const struct efl_image *img, const char *version,
    const struct efl_image *fs, uint32_t percent, int password);
void out_human__serve_request(struct efl_out *o,
    const struct efl_serve_event *e);
void out_human__serve_end(struct efl_out *o,
    const struct efl_serve_summary *s);
void out_human__free(struct efl_out *o);

/* JSON Lines renderer */
void out_json__push_begin(struct efl_out *o, const char *image,
    uint32_t size, const char *md5, int command, uint32_t ntargets,
    const char *via);
void out_json__push_phase(struct efl_out *o, const struct efl_push_row *r);
void out_json__push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries);
void out_json__push_result(struct efl_out *o, const struct efl_push_row *r);
void out_json__push_summary(struct efl_out *o,
    const struct efl_push_summary *s);
void out_json__notice(struct efl_out *o, const char *what, const char *text);
void out_json__push_plan(struct efl_out *o, const struct efl_push_row *r);
void out_json__push_plan_summary(struct efl_out *o, uint32_t targets,
    uint32_t update, uint32_t skipped);
void out_json__device(struct efl_out *o, const struct efl_device *d);
void out_json__discover_skipped(struct efl_out *o, const char *subject,
    const char *reason);
void out_json__discover_summary(struct efl_out *o, uint32_t devices,
    double seconds, int complete);
void out_json__serve_begin(struct efl_out *o, const char *listen,
    const struct efl_image *img, const char *version,
    const struct efl_image *fs, uint32_t percent, int password);
void out_json__serve_request(struct efl_out *o,
    const struct efl_serve_event *e);
void out_json__serve_end(struct efl_out *o,
    const struct efl_serve_summary *s);

/* Device-supplied text for a terminal: valid UTF-8 kept except control
 * characters; control bytes, '\\' and invalid bytes as \xNN. */
void out__display(char *out, size_t cap, const char *in);
/* Device-supplied text for JSON: valid UTF-8 kept (cJSON escapes control
 * characters), invalid bytes as \xNN. Returns a new string. */
char *out__json_text(const char *in);

#endif
