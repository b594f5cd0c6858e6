/* SPDX-License-Identifier: MIT */
/*
 * The bounded push queue with retry backoff (see rollout.h). Pure: the
 * caller supplies the time and starts what it is told to start.
 */
#include <stdlib.h>

#include "espfleet/common.h"
#include "espfleet/rollout.h"

void
efl_rollout_init(struct efl_rollout *r, uint32_t n, uint32_t jobs,
    uint32_t retries, uint32_t backoff_base_ms)
{
	r->items = xcalloc(n ? n : 1, sizeof(*r->items));
	r->n = n;
	r->jobs = jobs ? jobs : 1;
	r->retries = retries;
	r->active = 0;
	r->done = 0;
	r->backoff_base_ms = backoff_base_ms;
	r->backoff_max_ms = 30000;
	r->scan_from = 0;
	r->limit = n;
}

void
efl_rollout_set_limit(struct efl_rollout *r, uint32_t limit)
{
	r->limit = limit < r->n ? limit : r->n;
}

void
efl_rollout_free(struct efl_rollout *r)
{
	free(r->items);
	r->items = NULL;
}

struct efl_next
efl_rollout_next(const struct efl_rollout *r, uint64_t now_ms)
{
	struct efl_next next = { EFL_NEXT_DONE, 0, 0 };
	uint64_t soonest = UINT64_MAX;
	uint32_t i;

	if (r->done == r->n)
		return next;
	if (r->active >= r->jobs) {
		next.kind = EFL_NEXT_FULL;
		return next;
	}
	/* fresh items first, in order; then retries whose backoff is over */
	for (i = r->scan_from; i < r->limit; i++) {
		if (r->items[i].state == EFL_ITEM_PENDING &&
		    r->items[i].attempts == 0) {
			next.kind = EFL_NEXT_START;
			next.index = i;
			return next;
		}
	}
	for (i = 0; i < r->n; i++) {
		const struct efl_rollout_item *it = &r->items[i];

		if (it->state != EFL_ITEM_PENDING ||
		    (it->attempts == 0 && i >= r->limit))
			continue;
		if (it->not_before_ms <= now_ms) {
			next.kind = EFL_NEXT_START;
			next.index = i;
			return next;
		}
		if (it->not_before_ms < soonest)
			soonest = it->not_before_ms;
	}
	if (soonest != UINT64_MAX) {
		next.kind = EFL_NEXT_WAIT;
		next.wait_ms = soonest - now_ms;
	} else {
		next.kind = EFL_NEXT_FULL; /* only active items remain */
	}
	return next;
}

void
efl_rollout_started(struct efl_rollout *r, uint32_t i)
{
	struct efl_rollout_item *it = &r->items[i];

	it->state = EFL_ITEM_ACTIVE;
	it->attempts++;
	r->active++;
	while (r->scan_from < r->n &&
	    (r->items[r->scan_from].state != EFL_ITEM_PENDING ||
	    r->items[r->scan_from].attempts > 0))
		r->scan_from++;
}

int
efl_rollout_finished(struct efl_rollout *r, uint32_t i, int ok,
    int transient, uint64_t now_ms, uint64_t *retry_in_ms)
{
	struct efl_rollout_item *it = &r->items[i];

	if (it->state != EFL_ITEM_ACTIVE)
		return 0;
	r->active--;
	if (!ok && transient && it->attempts <= r->retries) {
		uint64_t backoff = r->backoff_base_ms;
		uint32_t k;

		for (k = 1; k < it->attempts && backoff < r->backoff_max_ms;
		    k++)
			backoff *= 2;
		if (backoff > r->backoff_max_ms)
			backoff = r->backoff_max_ms;
		it->state = EFL_ITEM_PENDING;
		it->not_before_ms = now_ms + backoff;
		if (retry_in_ms != NULL)
			*retry_in_ms = backoff;
		return 1;
	}
	it->state = EFL_ITEM_DONE;
	r->done++;
	return 0;
}

void
efl_rollout_cancel_pending(struct efl_rollout *r)
{
	uint32_t i;

	for (i = 0; i < r->n; i++) {
		if (r->items[i].state == EFL_ITEM_PENDING) {
			r->items[i].state = EFL_ITEM_DONE;
			r->done++;
		}
	}
}
