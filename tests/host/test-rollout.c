/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the push queue policy (src/fleet/rollout.c): at most `jobs`
 * active, fresh items in order before due retries, transient failures
 * retried with a capped exponential backoff that holds no slot, cancel and
 * the edge cases (n = 0, jobs > n, finishing an item that is not active).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "espfleet/rollout.h"

/* Ask what to do at now and check it is "start item want". */
static void
expect_start(struct efl_rollout *r, uint64_t now, uint32_t want)
{
	struct efl_next nx = efl_rollout_next(r, now);

	if (nx.kind != EFL_NEXT_START || nx.index != want)
		fail_msg("at %llu: got kind %d index %u, want START %u",
		    (unsigned long long)now, (int)nx.kind, nx.index, want);
}

/* As expect_start, then mark it started. */
static void
start(struct efl_rollout *r, uint64_t now, uint32_t want)
{
	expect_start(r, now, want);
	efl_rollout_started(r, want);
}

static void
expect_kind(struct efl_rollout *r, uint64_t now, enum efl_next_kind want)
{
	struct efl_next nx = efl_rollout_next(r, now);

	if (nx.kind != want)
		fail_msg("at %llu: got kind %d, want %d",
		    (unsigned long long)now, (int)nx.kind, (int)want);
}

static void
test_jobs_limit(void **state)
{
	struct efl_rollout r;

	(void)state;
	efl_rollout_init(&r, 10, 3, 0, 1000);
	start(&r, 0, 0);
	start(&r, 0, 1);
	start(&r, 0, 2);
	assert_int_equal(r.active, 3);
	expect_kind(&r, 0, EFL_NEXT_FULL);
	expect_kind(&r, 999999, EFL_NEXT_FULL);
	efl_rollout_free(&r);
}

static void
test_finish_frees_slot(void **state)
{
	struct efl_rollout r;
	uint64_t delay = 12345;
	uint32_t i;

	(void)state;
	efl_rollout_init(&r, 10, 3, 0, 1000);
	start(&r, 0, 0);
	start(&r, 0, 1);
	start(&r, 0, 2);
	assert_int_equal(efl_rollout_finished(&r, 1, 1, 0, 10, &delay), 0);
	assert_int_equal(delay, 12345); /* untouched when not retried */
	assert_int_equal(r.active, 2);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.items[1].state, EFL_ITEM_DONE);
	start(&r, 10, 3);
	expect_kind(&r, 10, EFL_NEXT_FULL);
	/* 0, 2, 3 active: each finish lets the next item in, in order */
	for (i = 4; i < 10; i++) {
		uint32_t fin = i == 4 ? 0 : i == 5 ? 2 : i - 3;

		assert_int_equal(efl_rollout_finished(&r, fin, 1, 0, 20, NULL),
		    0);
		start(&r, 20, i);
		expect_kind(&r, 20, EFL_NEXT_FULL);
	}
	efl_rollout_free(&r);
}

/* retries = 2: attempts 1, 2, 3; backoff base then 2 * base. */
static void
test_transient_retried_twice(void **state)
{
	struct efl_rollout r;
	uint64_t delay = 0, now = 0;

	(void)state;
	efl_rollout_init(&r, 1, 1, 2, 1000);
	start(&r, now, 0);
	assert_int_equal(r.items[0].attempts, 1);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, now, &delay), 1);
	assert_int_equal(delay, 1000);
	assert_int_equal(r.items[0].state, EFL_ITEM_PENDING);
	assert_int_equal(r.active, 0);
	assert_int_equal(r.done, 0);

	now = 1000;
	start(&r, now, 0);
	assert_int_equal(r.items[0].attempts, 2);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, now, &delay), 1);
	assert_int_equal(delay, 2000);

	now = 3000;
	start(&r, now, 0);
	assert_int_equal(r.items[0].attempts, 3);
	delay = 777;
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, now, &delay), 0);
	assert_int_equal(delay, 777);
	assert_int_equal(r.items[0].state, EFL_ITEM_DONE);
	assert_int_equal(r.done, 1);
	expect_kind(&r, now, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

/* The backoff doubles up to backoff_max_ms and stays there. */
static void
test_backoff_capped(void **state)
{
	static const uint64_t want[] = { 1000, 2000, 4000, 5000, 5000, 5000 };
	struct efl_rollout r;
	uint64_t delay, now = 0;
	size_t k;

	(void)state;
	efl_rollout_init(&r, 1, 1, 6, 1000);
	assert_int_equal(r.backoff_max_ms, 30000); /* the default */
	r.backoff_max_ms = 5000;
	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		start(&r, now, 0);
		assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, now,
		    &delay), 1);
		if (delay != want[k])
			fail_msg("retry %zu: backoff %llu, want %llu", k + 1,
			    (unsigned long long)delay,
			    (unsigned long long)want[k]);
		assert_int_equal(r.items[0].not_before_ms, now + delay);
		now += delay;
	}
	start(&r, now, 0);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, now, &delay), 0);
	assert_int_equal(r.items[0].attempts, 7);
	efl_rollout_free(&r);

	/* a base above the cap is capped; a huge base does not overflow */
	efl_rollout_init(&r, 1, 1, 3, 0xffffffffu);
	start(&r, 0, 0);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, 0, &delay), 1);
	assert_int_equal(delay, 30000);
	start(&r, 30000, 0);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, 30000, &delay), 1);
	assert_int_equal(delay, 30000);
	efl_rollout_free(&r);
}

/* Long retry sequences do not overflow while doubling. */
static void
test_backoff_many_retries(void **state)
{
	struct efl_rollout r;
	uint64_t delay, now = 0;
	uint32_t k;

	(void)state;
	efl_rollout_init(&r, 1, 1, 100, 1);
	for (k = 0; k < 100; k++) {
		start(&r, now, 0);
		assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, now,
		    &delay), 1);
		assert_true(delay >= 1 && delay <= 30000);
		now += delay;
	}
	assert_int_equal(delay, 30000);
	start(&r, now, 0);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, now, &delay), 0);
	expect_kind(&r, now, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

/* A non-transient failure (or a success) is final. */
static void
test_non_transient_not_retried(void **state)
{
	struct efl_rollout r;
	uint64_t delay = 5;

	(void)state;
	efl_rollout_init(&r, 2, 2, 5, 1000);
	start(&r, 0, 0);
	start(&r, 0, 1);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 0, 0, &delay), 0);
	assert_int_equal(delay, 5);
	assert_int_equal(r.items[0].state, EFL_ITEM_DONE);
	assert_int_equal(r.items[0].attempts, 1);
	/* ok with transient set is still a success, not a retry */
	assert_int_equal(efl_rollout_finished(&r, 1, 1, 1, 0, &delay), 0);
	assert_int_equal(r.items[1].state, EFL_ITEM_DONE);
	expect_kind(&r, 0, EFL_NEXT_DONE);
	efl_rollout_free(&r);

	/* retries = 0: a transient failure is final too */
	efl_rollout_init(&r, 1, 1, 0, 1000);
	start(&r, 0, 0);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, 0, &delay), 0);
	expect_kind(&r, 0, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

/* A retry waiting on its backoff holds no slot; WAIT when nothing else. */
static void
test_waiting_retry_holds_no_slot(void **state)
{
	struct efl_rollout r;
	struct efl_next nx;
	uint64_t delay;

	(void)state;
	efl_rollout_init(&r, 3, 1, 1, 1000);
	start(&r, 0, 0);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, 100, &delay), 1);
	assert_int_equal(delay, 1000); /* due at 1100 */
	/* the only slot is free again: the fresh items go meanwhile */
	start(&r, 100, 1);
	expect_kind(&r, 100, EFL_NEXT_FULL);
	efl_rollout_finished(&r, 1, 1, 0, 200, NULL);
	start(&r, 200, 2);
	efl_rollout_finished(&r, 2, 1, 0, 300, NULL);
	/* nothing startable until 1100 */
	nx = efl_rollout_next(&r, 300);
	assert_int_equal(nx.kind, EFL_NEXT_WAIT);
	assert_int_equal(nx.wait_ms, 800);
	nx = efl_rollout_next(&r, 1099);
	assert_int_equal(nx.kind, EFL_NEXT_WAIT);
	assert_int_equal(nx.wait_ms, 1);
	start(&r, 1100, 0);
	assert_int_equal(r.items[0].attempts, 2);
	efl_rollout_finished(&r, 0, 1, 0, 1200, NULL);
	expect_kind(&r, 1200, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

/* WAIT reports the soonest of several waiting retries. */
static void
test_wait_soonest(void **state)
{
	struct efl_rollout r;
	struct efl_next nx;
	uint64_t delay;

	(void)state;
	efl_rollout_init(&r, 3, 3, 3, 1000);
	start(&r, 0, 0);
	start(&r, 0, 1);
	start(&r, 0, 2);
	efl_rollout_finished(&r, 0, 0, 1, 0, &delay);   /* due 1000 */
	efl_rollout_finished(&r, 1, 0, 1, 500, &delay); /* due 1500 */
	/* 2 is still active, slots are free: wait for the backoff */
	nx = efl_rollout_next(&r, 600);
	assert_int_equal(nx.kind, EFL_NEXT_WAIT);
	assert_int_equal(nx.wait_ms, 400);
	start(&r, 1000, 0);
	nx = efl_rollout_next(&r, 1000);
	assert_int_equal(nx.kind, EFL_NEXT_WAIT);
	assert_int_equal(nx.wait_ms, 500);
	/* past due: offered at once */
	expect_start(&r, 5000, 1);
	efl_rollout_free(&r);
}

/* Only active items left and free slots: FULL (wait for a finish). */
static void
test_only_active_left(void **state)
{
	struct efl_rollout r;

	(void)state;
	efl_rollout_init(&r, 2, 3, 0, 1000);
	start(&r, 0, 0);
	start(&r, 0, 1);
	expect_kind(&r, 0, EFL_NEXT_FULL);
	efl_rollout_free(&r);
}

/* Fresh items go before retries that are already due. */
static void
test_fresh_before_due_retry(void **state)
{
	struct efl_rollout r;
	uint64_t delay;

	(void)state;
	efl_rollout_init(&r, 4, 1, 3, 100);
	start(&r, 0, 0);
	efl_rollout_finished(&r, 0, 0, 1, 0, &delay); /* due at 100 */
	start(&r, 5000, 1);
	efl_rollout_finished(&r, 1, 0, 1, 5000, &delay); /* due at 5100 */
	/* both retries due, fresh 2 and 3 still first, in order */
	start(&r, 10000, 2);
	efl_rollout_finished(&r, 2, 1, 0, 10000, NULL);
	start(&r, 10000, 3);
	efl_rollout_finished(&r, 3, 1, 0, 10000, NULL);
	/* then the retries, lowest index first */
	start(&r, 10000, 0);
	efl_rollout_finished(&r, 0, 1, 0, 10000, NULL);
	start(&r, 10000, 1);
	efl_rollout_finished(&r, 1, 1, 0, 10000, NULL);
	expect_kind(&r, 10000, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

/* cancel_pending ends pending and waiting items, not active ones. */
static void
test_cancel_pending(void **state)
{
	struct efl_rollout r;
	uint64_t delay;

	(void)state;
	efl_rollout_init(&r, 5, 2, 2, 1000);
	start(&r, 0, 0);
	start(&r, 0, 1);
	efl_rollout_finished(&r, 0, 0, 1, 0, &delay); /* 0 waits */
	start(&r, 0, 2);
	/* 0 waiting, 1 and 2 active, 3 and 4 pending */
	efl_rollout_cancel_pending(&r);
	assert_int_equal(r.items[0].state, EFL_ITEM_DONE);
	assert_int_equal(r.items[1].state, EFL_ITEM_ACTIVE);
	assert_int_equal(r.items[2].state, EFL_ITEM_ACTIVE);
	assert_int_equal(r.items[3].state, EFL_ITEM_DONE);
	assert_int_equal(r.items[4].state, EFL_ITEM_DONE);
	assert_int_equal(r.done, 3);
	assert_int_equal(r.active, 2);
	expect_kind(&r, 0, EFL_NEXT_FULL);
	/* a second cancel changes nothing */
	efl_rollout_cancel_pending(&r);
	assert_int_equal(r.done, 3);
	efl_rollout_finished(&r, 1, 0, 0, 10, NULL);
	/* nothing left to start, 2 still active */
	expect_kind(&r, 10, EFL_NEXT_FULL);
	efl_rollout_finished(&r, 2, 1, 0, 20, NULL);
	expect_kind(&r, 20, EFL_NEXT_DONE);
	assert_int_equal(r.done, 5);
	efl_rollout_free(&r);
}

/* An active item canceled while running is not retried (engine passes
 * transient = 0 when canceled) and counts once. */
static void
test_cancel_then_finish_active(void **state)
{
	struct efl_rollout r;

	(void)state;
	efl_rollout_init(&r, 1, 1, 3, 1000);
	start(&r, 0, 0);
	efl_rollout_cancel_pending(&r);
	assert_int_equal(r.done, 0);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 0, 5, NULL), 0);
	assert_int_equal(r.done, 1);
	expect_kind(&r, 5, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

static void
test_all_done(void **state)
{
	struct efl_rollout r;
	uint32_t i;

	(void)state;
	efl_rollout_init(&r, 4, 2, 0, 1000);
	for (i = 0; i < 4; i++) {
		start(&r, 0, i);
		efl_rollout_finished(&r, i, (int)(i & 1), 0, 0, NULL);
	}
	assert_int_equal(r.done, 4);
	assert_int_equal(r.active, 0);
	expect_kind(&r, 0, EFL_NEXT_DONE);
	expect_kind(&r, UINT64_MAX, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

static void
test_jobs_larger_than_n(void **state)
{
	struct efl_rollout r;

	(void)state;
	efl_rollout_init(&r, 3, 64, 0, 1000);
	start(&r, 0, 0);
	start(&r, 0, 1);
	start(&r, 0, 2);
	expect_kind(&r, 0, EFL_NEXT_FULL);
	efl_rollout_finished(&r, 2, 1, 0, 0, NULL);
	efl_rollout_finished(&r, 0, 1, 0, 0, NULL);
	efl_rollout_finished(&r, 1, 1, 0, 0, NULL);
	expect_kind(&r, 0, EFL_NEXT_DONE);
	efl_rollout_free(&r);
}

/* jobs = 0 is taken as 1, never as "no slot". */
static void
test_jobs_zero(void **state)
{
	struct efl_rollout r;

	(void)state;
	efl_rollout_init(&r, 2, 0, 0, 1000);
	assert_int_equal(r.jobs, 1);
	start(&r, 0, 0);
	expect_kind(&r, 0, EFL_NEXT_FULL);
	efl_rollout_free(&r);
}

static void
test_empty(void **state)
{
	struct efl_rollout r;

	(void)state;
	efl_rollout_init(&r, 0, 3, 2, 1000);
	expect_kind(&r, 0, EFL_NEXT_DONE);
	efl_rollout_cancel_pending(&r);
	expect_kind(&r, 0, EFL_NEXT_DONE);
	assert_int_equal(r.done, 0);
	efl_rollout_free(&r);
	assert_null(r.items);
}

/* finished() on an item that is not active is ignored. */
static void
test_finished_not_active_ignored(void **state)
{
	struct efl_rollout r;
	uint64_t delay = 42;

	(void)state;
	efl_rollout_init(&r, 3, 2, 2, 1000);
	/* pending, never started */
	assert_int_equal(efl_rollout_finished(&r, 2, 0, 1, 0, &delay), 0);
	assert_int_equal(delay, 42);
	assert_int_equal(r.items[2].state, EFL_ITEM_PENDING);
	assert_int_equal(r.done, 0);
	assert_int_equal(r.active, 0);
	/* done already: a second finish counts nothing */
	start(&r, 0, 0);
	efl_rollout_finished(&r, 0, 1, 0, 0, NULL);
	assert_int_equal(efl_rollout_finished(&r, 0, 0, 1, 0, &delay), 0);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.active, 0);
	assert_int_equal(r.items[0].state, EFL_ITEM_DONE);
	/* waiting on a backoff (pending again) */
	start(&r, 0, 1);
	assert_int_equal(efl_rollout_finished(&r, 1, 0, 1, 0, &delay), 1);
	assert_int_equal(efl_rollout_finished(&r, 1, 0, 1, 0, &delay), 0);
	assert_int_equal(r.items[1].state, EFL_ITEM_PENDING);
	assert_int_equal(r.items[1].attempts, 1);
	assert_int_equal(r.active, 0);
	assert_int_equal(r.done, 1);
	efl_rollout_free(&r);
}

/* A long random-ish run keeps the invariants: active <= jobs, every item
 * started at most retries + 1 times, ends DONE. */
static void
test_invariants_run(void **state)
{
	enum { N = 50, JOBS = 4, RETRIES = 2 };
	struct efl_rollout r;
	uint32_t running[N], nrun = 0, seed = 12345, steps = 0;
	uint64_t now = 0;

	(void)state;
	efl_rollout_init(&r, N, JOBS, RETRIES, 10);
	for (;;) {
		struct efl_next nx = efl_rollout_next(&r, now);

		assert_true(r.active <= JOBS);
		assert_true(++steps < 100000);
		if (nx.kind == EFL_NEXT_DONE)
			break;
		if (nx.kind == EFL_NEXT_START) {
			assert_int_equal(r.items[nx.index].state,
			    EFL_ITEM_PENDING);
			assert_true(r.items[nx.index].not_before_ms <= now);
			efl_rollout_started(&r, nx.index);
			assert_true(r.items[nx.index].attempts <= RETRIES + 1);
			running[nrun++] = nx.index;
			continue;
		}
		if (nx.kind == EFL_NEXT_WAIT) {
			assert_true(nx.wait_ms > 0);
			if (nrun == 0) {
				now += nx.wait_ms;
				continue;
			}
		}
		/* finish one running item, pseudo-randomly */
		assert_true(nrun > 0);
		seed = seed * 1103515245u + 12345u;
		{
			uint32_t k = (seed >> 16) % nrun, i = running[k];
			int ok = ((seed >> 8) & 3) == 0;
			int transient = ((seed >> 4) & 1) != 0;

			running[k] = running[--nrun];
			now += 1;
			efl_rollout_finished(&r, i, ok, transient, now, NULL);
		}
	}
	assert_int_equal(r.done, N);
	assert_int_equal(r.active, 0);
	{
		uint32_t i;

		for (i = 0; i < N; i++) {
			assert_int_equal(r.items[i].state, EFL_ITEM_DONE);
			assert_true(r.items[i].attempts >= 1);
		}
	}
	efl_rollout_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_limit),
		cmocka_unit_test(test_finish_frees_slot),
		cmocka_unit_test(test_transient_retried_twice),
		cmocka_unit_test(test_backoff_capped),
		cmocka_unit_test(test_backoff_many_retries),
		cmocka_unit_test(test_non_transient_not_retried),
		cmocka_unit_test(test_waiting_retry_holds_no_slot),
		cmocka_unit_test(test_wait_soonest),
		cmocka_unit_test(test_only_active_left),
		cmocka_unit_test(test_fresh_before_due_retry),
		cmocka_unit_test(test_cancel_pending),
		cmocka_unit_test(test_cancel_then_finish_active),
		cmocka_unit_test(test_all_done),
		cmocka_unit_test(test_jobs_larger_than_n),
		cmocka_unit_test(test_jobs_zero),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_finished_not_active_ignored),
		cmocka_unit_test(test_invariants_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
