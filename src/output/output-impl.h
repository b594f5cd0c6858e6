/*
 * Internals shared by the output dispatcher and its renderers.
 */
#ifndef ESPFLEET_OUTPUT_IMPL_H
#define ESPFLEET_OUTPUT_IMPL_H

#include <stdio.h>

#include "espfleet/output.h"

struct efl_out {
	enum efl_out_mode mode;
	int color;
	const char *command;   /* "push", "discover", ... */
	FILE *fp;              /* stdout */
	uint32_t live_lines;   /* TTY: lines of the live area on screen */
	uint64_t started_ms;
};

/* human renderer (TTY and plain lines) */
void out_human__push_begin(struct efl_out *o, const char *image,
    uint32_t size, const char *md5, int command, uint32_t ntargets);
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

/* JSON Lines renderer */
void out_json__push_begin(struct efl_out *o, const char *image,
    uint32_t size, const char *md5, int command, uint32_t ntargets);
void out_json__push_phase(struct efl_out *o, const struct efl_push_row *r);
void out_json__push_retry(struct efl_out *o, const struct efl_push_row *r,
    enum efl_result_code code, const char *message, uint64_t delay_ms,
    uint32_t retries);
void out_json__push_result(struct efl_out *o, const struct efl_push_row *r);
void out_json__push_summary(struct efl_out *o,
    const struct efl_push_summary *s);
void out_json__notice(struct efl_out *o, const char *what, const char *text);

#endif
