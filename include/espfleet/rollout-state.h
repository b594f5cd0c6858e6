/* SPDX-License-Identifier: MIT */
/*
 * The state file of a staged rollout (push --state FILE), pure: the state
 * as JSON text and back, with clear errors for a file that is not JSON,
 * truncated, of another schema, and the comparison with the push being
 * resumed (the image's MD5, the policy). Writing it atomically is the
 * command's (src/cmd/push-state.c).
 */
#ifndef ESPFLEET_ROLLOUT_STATE_H
#define ESPFLEET_ROLLOUT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define EFL_RSTATE_SCHEMA 1

/* A device's result as the state file records it. */
enum efl_rstate_result {
	EFL_RS_PENDING = 0,   /* no verdict yet (or never started) */
	EFL_RS_VERIFIED,      /* updated and verified */
	EFL_RS_UPDATED,       /* updated, not verified (stock device) */
	EFL_RS_SKIPPED,       /* skipped (already runs the image, ...) */
	EFL_RS_FAILED,        /* failed: error says how */
	EFL_RS_HALTED,        /* not started: the rollout halted */
	EFL_RS_SENDING        /* started, no verdict yet */
};

struct efl_rstate_dev {
	char name[128];
	char addr[64];
	int32_t wave;         /* -1: none */
	enum efl_rstate_result result;
	char error[32];       /* result code of a failure, else "" */
	double time;          /* Unix seconds of the verdict, 0 without */
};

struct efl_rstate {
	uint32_t schema;
	char image_md5[33];
	char policy[256];
	int halted;
	char halt_reason[200];
	uint32_t n;
	struct efl_rstate_dev *devs;   /* owned */
};

const char *efl_rstate_result_name(enum efl_rstate_result r);

/* The state as JSON text (free it). */
char *efl_rstate_format(const struct efl_rstate *s);

/* Parse text[0..len) into *s (efl_rstate_free). 0, or -1 with the reason
 * in eb (not JSON, truncated, another schema version, a field missing). */
int efl_rstate_parse(const char *text, size_t len, struct efl_rstate *s,
    struct efl_errbuf *eb);

/* 0 when s is a state of this image and policy, else -1 saying what
 * differs. */
int efl_rstate_matches(const struct efl_rstate *s, const char *image_md5,
    const char *policy, struct efl_errbuf *eb);

/* The device named name, or NULL. */
const struct efl_rstate_dev *efl_rstate_find(const struct efl_rstate *s,
    const char *name);

void efl_rstate_free(struct efl_rstate *s);

#endif
