/* SPDX-License-Identifier: MIT */
/*
 * push --state FILE: the staged rollout's state read before the push (a
 * resume), applied to the targets (done devices skipped, waves kept), and
 * rewritten atomically after every verdict. Used by cmd-push.c only; the
 * format is fleet/rollout-state.c's.
 */
#ifndef ESPFLEET_PUSH_STATE_H
#define ESPFLEET_PUSH_STATE_H

#include <stdint.h>

struct efl_push_row;
struct efl_target;
struct push_state;

struct push_state_choice {
	const char *path;         /* --state */
	const char *image_md5;    /* what the devices run from the image */
	const char *policy;       /* efl_wave_policy_text */
	int restart;              /* --restart: ignore what the file says */
	int resume_halted;        /* --resume-halted */
};

/* Read the file if there is one and check it is this push's. 0 with *ps,
 * or an exit status after the message (3: unreadable, not a state file,
 * another image or policy; 5: it halted and --resume-halted is missing). */
int push_state__open(const struct push_state_choice *c,
    struct push_state **ps);

/* The targets of this push: a device the file has as updated (or failed)
 * is skipped, saying so; each known device keeps its wave (*fixed, owned
 * by ps, for efl_push_opts.fixed_waves); one it has as being sent is
 * looked at first (*precheck, efl_push_opts.precheck). Returns how many
 * it knew. */
uint32_t push_state__apply(struct push_state *ps, struct efl_target *t,
    uint32_t n, const int32_t **fixed, const uint8_t **precheck);

/* efl_push_opts.checkpoint: the file rewritten (temporary file, fsync,
 * rename). */
void push_state__checkpoint(void *arg, const struct efl_push_row *rows,
    uint32_t n, const char *halt_reason);

void push_state__free(struct push_state *ps);

#endif
