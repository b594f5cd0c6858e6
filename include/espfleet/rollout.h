/* SPDX-License-Identifier: MIT */
/*
 * The push queue as a pure policy (no sockets, no clock of its own): at most
 * `jobs` targets active, the rest pending in order; a transient failure is
 * retried up to `retries` times after an exponential backoff, without
 * holding a slot while it waits. Unit-tested on its own.
 */
#ifndef ESPFLEET_ROLLOUT_H
#define ESPFLEET_ROLLOUT_H

#include <stdint.h>

enum efl_item_state {
	EFL_ITEM_PENDING = 0,
	EFL_ITEM_ACTIVE,
	EFL_ITEM_DONE
};

struct efl_rollout_item {
	enum efl_item_state state;
	uint32_t attempts;       /* started so far */
	uint64_t not_before_ms;  /* earliest (re)start */
};

struct efl_rollout {
	struct efl_rollout_item *items;  /* owned */
	uint32_t n, jobs, retries, active, done;
	uint32_t backoff_base_ms, backoff_max_ms;
	uint32_t scan_from;      /* items before this are not fresh */
	uint32_t limit;          /* fresh items from here wait (waves.h) */
};

enum efl_next_kind {
	EFL_NEXT_START,   /* start item `index` now */
	EFL_NEXT_WAIT,    /* nothing to start for `wait_ms` (retry backoff) */
	EFL_NEXT_FULL,    /* every slot busy: wait for a finish */
	EFL_NEXT_DONE     /* every item is done */
};

struct efl_next {
	enum efl_next_kind kind;
	uint32_t index;
	uint64_t wait_ms;
};

void efl_rollout_init(struct efl_rollout *r, uint32_t n, uint32_t jobs,
    uint32_t retries, uint32_t backoff_base_ms);
void efl_rollout_free(struct efl_rollout *r);

/* What to do at now_ms. */
struct efl_next efl_rollout_next(const struct efl_rollout *r,
    uint64_t now_ms);

/* Item i was started (it must have been offered by efl_rollout_next). */
void efl_rollout_started(struct efl_rollout *r, uint32_t i);

/* Item i finished an attempt. Returns 1 if it will be retried (transient
 * failure, attempts left), 0 if it is done. *retry_in_ms gets the backoff. */
int efl_rollout_finished(struct efl_rollout *r, uint32_t i, int ok,
    int transient, uint64_t now_ms, uint64_t *retry_in_ms);

/* Fresh items with an index from limit on are not offered (a staged
 * rollout's waves not open yet); retries of started items are. n at
 * first. */
void efl_rollout_set_limit(struct efl_rollout *r, uint32_t limit);

/* Mark every pending item done (cancel). */
void efl_rollout_cancel_pending(struct efl_rollout *r);

#endif
