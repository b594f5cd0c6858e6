/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the output dispatcher and its renderers.
 */
#ifndef ESPFLEET_OUTPUT_IMPL_H
#define ESPFLEET_OUTPUT_IMPL_H

#include <stdio.h>

#include "espfleet/output.h"

/* A discovered device as the human table shows it (escaped strings). */
struct out_dev_row {
	char *col[9];
};

struct out_renderer;

struct efl_out {
	enum efl_out_mode mode;
	const struct out_renderer *r;
	int color;
	const char *command;   /* "push", "discover", ... */
	FILE *fp;              /* stdout; null after a write error */
	FILE *null;            /* /dev/null, owned (after a write error) */
	int write_errno;       /* the first write error (0: none) */
	uint32_t live_lines;   /* TTY: lines of the live area on screen */
	uint64_t started_ms;
	struct out_dev_row *dev_rows;  /* discover, human modes */
	uint32_t ndev_rows;
	/* push: the wave of a staged rollout shown live (TTY), 0 none */
	struct efl_wave_info wave;
	int wave_live;
};

/*
 * A renderer: one function per event (see output.h for their meaning);
 * NULL where the renderer has nothing to do (the live area of a terminal
 * does not exist in JSON). The dispatcher picks one table per run.
 */
struct out_renderer {
	void (*push_begin)(struct efl_out *o, const char *image,
	    uint32_t size, const char *md5, int command, uint32_t ntargets,
	    const char *via);
	void (*push_phase)(struct efl_out *o, const struct efl_push_row *r);
	void (*push_retry)(struct efl_out *o, const struct efl_push_row *r,
	    enum efl_result_code code, const char *message,
	    uint64_t delay_ms, uint32_t retries);
	void (*push_result)(struct efl_out *o, const struct efl_push_row *r);
	void (*push_tick)(struct efl_out *o, const struct efl_push_row *rows,
	    uint32_t n);
	void (*push_wave)(struct efl_out *o, const struct efl_wave_info *w);
	void (*push_halt)(struct efl_out *o, const char *reason,
	    uint32_t started, uint32_t failed, uint32_t halted);
	void (*push_soak_failed)(struct efl_out *o,
	    const struct efl_push_row *r);
	void (*push_summary)(struct efl_out *o,
	    const struct efl_push_row *rows, uint32_t n,
	    const struct efl_push_summary *s);
	void (*notice)(struct efl_out *o, const char *what, const char *text);
	void (*push_plan)(struct efl_out *o, const struct efl_push_row *r);
	void (*push_plan_summary)(struct efl_out *o, uint32_t targets,
	    uint32_t update, uint32_t skipped);
	void (*device)(struct efl_out *o, const struct efl_device *d);
	void (*discover_skipped)(struct efl_out *o, const char *subject,
	    const char *reason);
	void (*discover_summary)(struct efl_out *o, uint32_t devices,
	    double seconds, int complete);
	void (*serve_begin)(struct efl_out *o, const char *listen,
	    const struct efl_image *img, const char *version,
	    const struct efl_image *fs, uint32_t percent, int password);
	void (*serve_request)(struct efl_out *o,
	    const struct efl_serve_event *e);
	void (*serve_end)(struct efl_out *o,
	    const struct efl_serve_summary *s);
	void (*serve_image)(struct efl_out *o, const char *which,
	    const struct efl_image *img, const char *version);
	void (*serve_throttled)(struct efl_out *o, const char *addr,
	    uint32_t failures, double seconds);
	void (*free)(struct efl_out *o);
};

/* human renderer (TTY and plain lines), JSON Lines renderer */
extern const struct out_renderer out_human__renderer;
extern const struct out_renderer out_json__renderer;

#endif
