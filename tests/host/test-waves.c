/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the staged rollout's policy (src/fleet/waves.c) and of the
 * queue's wave limit (rollout.c): option values, wave sizes for many fleet
 * sizes and awkward shares (every device in exactly one wave, the canary
 * first), --canary-match, a resumed plan, the run opening waves only when
 * the previous one has its verdicts, the soak, the failure threshold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "espfleet/rollout.h"
#include "espfleet/waves.h"

static void
policy(struct efl_wave_policy *p, const char *canary, const char *waves,
    const char *maxf)
{
	struct efl_errbuf eb;

	memset(p, 0, sizeof(*p));
	if (canary != NULL)
		assert_int_equal(efl_amount_parse(canary, 0, &p->canary, &eb),
		    0);
	if (waves != NULL)
		assert_int_equal(efl_waves_parse(waves, p, &eb), 0);
	if (maxf != NULL)
		assert_int_equal(efl_amount_parse(maxf, EFL_AMOUNT_ZERO,
		    &p->max_failures, &eb), 0);
}

static void
test_parse(void **state)
{
	struct efl_amount a;
	struct efl_wave_policy p;
	struct efl_errbuf eb;
	char text[256];

	(void)state;
	assert_int_equal(efl_amount_parse("3", 0, &a, &eb), 0);
	assert_false(a.is_pct);
	assert_int_equal(a.value, 3);
	assert_int_equal(efl_amount_parse("12.5%", 0, &a, &eb), 0);
	assert_true(a.is_pct);
	assert_int_equal(a.value, 1250);
	assert_int_equal(efl_amount_parse("33.33%", 0, &a, &eb), 0);
	assert_int_equal(a.value, 3333);
	assert_int_equal(efl_amount_parse("0", 0, &a, &eb), -1);
	assert_int_equal(efl_amount_parse("0", EFL_AMOUNT_ZERO, &a, &eb), 0);
	assert_int_equal(efl_amount_parse("101%", 0, &a, &eb), -1);
	assert_int_equal(efl_amount_parse("1.5", 0, &a, &eb), -1);
	assert_int_equal(efl_amount_parse("1.234%", 0, &a, &eb), -1);
	assert_int_equal(efl_amount_parse("x", 0, &a, &eb), -1);
	assert_int_equal(efl_amount_parse("5%%", 0, &a, &eb), -1);
	assert_int_equal(efl_amount_parse("", 0, &a, &eb), -1);

	memset(&p, 0, sizeof(p));
	assert_int_equal(efl_waves_parse("10%,50%", &p, &eb), 0);
	assert_int_equal(p.nwaves, 3);   /* 100% implied */
	assert_int_equal(p.waves[2], 10000);
	memset(&p, 0, sizeof(p));
	assert_int_equal(efl_waves_parse("10%,100%", &p, &eb), 0);
	assert_int_equal(p.nwaves, 2);
	memset(&p, 0, sizeof(p));
	assert_int_equal(efl_waves_parse("50%,10%", &p, &eb), -1);
	assert_non_null(strstr(eb.msg, "cumulative"));
	assert_int_equal(efl_waves_parse("10%,10%", &p, &eb), -1);
	assert_int_equal(efl_waves_parse(",", &p, &eb), -1);
	assert_int_equal(efl_waves_parse("0%", &p, &eb), -1);

	policy(&p, "3", "50%", NULL);
	efl_wave_policy_text(&p, text, sizeof(text));
	assert_string_equal(text,
	    "canary=3 waves=50%,100% max-failures=0 pause=0ms");
	policy(&p, NULL, NULL, NULL);
	assert_false(efl_wave_policy_staged(&p));
	efl_wave_policy_text(&p, text, sizeof(text));
	assert_string_equal(text, "waves=100% max-failures=none pause=0ms");
	policy(&p, "12.5%", "33.33%", "10%");
	efl_wave_policy_text(&p, text, sizeof(text));
	assert_string_equal(text, "canary=12.5% waves=33.33%,100% "
	    "max-failures=10% pause=0ms");
}

/* Plan n eligible targets; check each is in exactly one wave, the waves'
 * counts, the order (wave by wave, the targets' order kept), and the
 * cumulative ends rounded up. */
static void
check_plan(uint32_t n, const char *canary, const char *waves)
{
	struct efl_wave_policy p;
	struct efl_wave_plan plan;
	int *elig = calloc(n ? n : 1, sizeof(*elig));
	uint32_t *seen = calloc(n ? n : 1, sizeof(*seen));
	uint32_t i, w, sum = 0, canaries, rest, end, k;
	int32_t prev = -1;

	policy(&p, canary, waves, NULL);
	for (i = 0; i < n; i++)
		elig[i] = 1;
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, n);
	for (w = 0; w < plan.nwaves; w++)
		sum += plan.count[w];
	assert_int_equal(sum, n);
	for (i = 0; i < n; i++) {
		assert_true(plan.wave_of[plan.order[i]] >= prev);
		if (plan.wave_of[plan.order[i]] == prev && i > 0)
			assert_true(plan.order[i] > plan.order[i - 1]);
		prev = plan.wave_of[plan.order[i]];
		seen[plan.order[i]]++;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	canaries = canary == NULL ? 0 : p.canary.is_pct ?
	    efl_share_up(n, p.canary.value) : p.canary.value;
	if (canaries > n)
		canaries = n;
	assert_int_equal(plan.count[0], canaries);
	/* the canary is the first ones */
	for (i = 0; i < canaries; i++)
		assert_int_equal(plan.wave_of[i], 0);
	rest = n - canaries;
	end = 0;
	for (k = 0; k + 1 < plan.nwaves; k++) {
		uint32_t want_end = efl_share_up(rest, p.nwaves ? p.waves[k] :
		    10000);

		if (want_end < end)
			want_end = end;
		if (k + 2 == plan.nwaves)
			assert_int_equal(want_end, rest);
		assert_int_equal(plan.count[k + 1], want_end - end);
		end = want_end;
	}
	efl_wave_plan_free(&plan);
	free(elig);
	free(seen);
}

static void
test_wave_sizes(void **state)
{
	static const uint32_t ns[] = { 0, 1, 2, 3, 7, 99, 1000 };
	static const char *const waves[] = { NULL, "50%", "10%,100%",
		"1%,2%,3%", "33.33%,66.67%", "99.99%", "0.01%,0.02%",
		"12.5%,25%,37.5%,50%", "10%,50%" };
	static const char *const canaries[] = { NULL, "1", "3", "10",
		"10%", "0.5%", "100%" };
	size_t a, b, c;

	(void)state;
	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++)
		for (b = 0; b < sizeof(waves) / sizeof(waves[0]); b++)
			for (c = 0; c < sizeof(canaries) /
			    sizeof(canaries[0]); c++)
				check_plan(ns[a], canaries[c], waves[b]);
}

static void
test_known_sizes(void **state)
{
	struct efl_wave_policy p;
	struct efl_wave_plan plan;
	int elig[1000];
	uint32_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		elig[i] = 1;
	/* the bench: canary 10 then 10%,100% of 990 */
	policy(&p, "10", "10%,100%", NULL);
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, 1000);
	assert_int_equal(plan.nwaves, 3);
	assert_int_equal(plan.count[0], 10);
	assert_int_equal(plan.count[1], 99);
	assert_int_equal(plan.count[2], 891);
	efl_wave_plan_free(&plan);
	/* 60 devices, canary 3, 50%: 3, 29 (28.5 rounded up), 28 */
	policy(&p, "3", "50%", NULL);
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, 60);
	assert_int_equal(plan.count[0], 3);
	assert_int_equal(plan.count[1], 29);
	assert_int_equal(plan.count[2], 28);
	efl_wave_plan_free(&plan);
	/* 7 devices, 33.33%, 66.67%: 3 (2.33 up), 5 (4.67 up) - 3, 2 */
	policy(&p, NULL, "33.33%,66.67%", NULL);
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, 7);
	assert_int_equal(plan.count[0], 0);
	assert_int_equal(plan.count[1], 3);
	assert_int_equal(plan.count[2], 2);
	assert_int_equal(plan.count[3], 2);
	efl_wave_plan_free(&plan);
	/* 1 device, 10%,50%: all in the first wave, the others empty */
	policy(&p, NULL, "10%,50%", NULL);
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, 1);
	assert_int_equal(plan.count[1], 1);
	assert_int_equal(plan.count[2] + plan.count[3], 0);
	efl_wave_plan_free(&plan);
}

static void
test_canary_match_and_skips(void **state)
{
	static const char *const names[] = { "a-1", "lab-1", "a-2", "lab-2",
		"a-3", "a-4" };
	int elig[6] = { 1, 1, 1, 1, 0, 1 };
	int32_t fixed[6] = { -1, -1, -1, -1, -1, -1 };
	struct efl_wave_policy p;
	struct efl_wave_plan plan;

	(void)state;
	policy(&p, NULL, NULL, NULL);
	p.canary_match = "lab-*";
	efl_wave_plan_make(&plan, &p, names, elig, NULL, 6);
	assert_int_equal(plan.wave_of[1], 0);
	assert_int_equal(plan.wave_of[3], 0);
	assert_int_equal(plan.wave_of[0], 1);
	assert_int_equal(plan.wave_of[4], -1);   /* skipped: no wave */
	assert_int_equal(plan.count[0], 2);
	assert_int_equal(plan.count[1], 3);
	/* the order: no wave, canary, then the rest in order */
	assert_int_equal(plan.order[0], 4);
	assert_int_equal(plan.order[1], 1);
	assert_int_equal(plan.order[2], 3);
	assert_int_equal(plan.order[3], 0);
	efl_wave_plan_free(&plan);
	/* --canary 1 with --canary-match: the first match only */
	policy(&p, "1", NULL, NULL);
	p.canary_match = "lab-*";
	efl_wave_plan_make(&plan, &p, names, elig, NULL, 6);
	assert_int_equal(plan.count[0], 1);
	assert_int_equal(plan.wave_of[1], 0);
	assert_int_equal(plan.wave_of[3], 1);
	efl_wave_plan_free(&plan);
	/* resumed: the state file's waves are kept */
	policy(&p, "1", "50%", NULL);
	fixed[0] = 2;
	fixed[5] = 0;
	efl_wave_plan_make(&plan, &p, names, elig, fixed, 6);
	assert_int_equal(plan.wave_of[0], 2);
	assert_int_equal(plan.wave_of[5], 0);
	assert_int_equal(plan.count[0], 2);   /* a-4 fixed, lab-1 planned */
	assert_int_equal(plan.wave_of[1], 0);
	assert_int_equal(plan.wave_of[2], 1);
	assert_int_equal(plan.wave_of[3], 2);
	efl_wave_plan_free(&plan);
}

static void
test_threshold(void **state)
{
	struct efl_wave_policy p;

	(void)state;
	policy(&p, NULL, NULL, NULL);
	assert_int_equal(efl_wave_allowed_failures(&p, 10), UINT32_MAX);
	policy(&p, "1", NULL, NULL);
	assert_int_equal(efl_wave_allowed_failures(&p, 10), 0);
	policy(&p, NULL, NULL, "2");
	assert_int_equal(efl_wave_allowed_failures(&p, 0), 2);
	assert_int_equal(efl_wave_allowed_failures(&p, 100), 2);
	policy(&p, NULL, NULL, "10%");
	assert_int_equal(efl_wave_allowed_failures(&p, 9), 0);
	assert_int_equal(efl_wave_allowed_failures(&p, 10), 1);
	assert_int_equal(efl_wave_allowed_failures(&p, 19), 1);
	assert_int_equal(efl_wave_allowed_failures(&p, 20), 2);
	policy(&p, NULL, NULL, "12.5%");
	assert_int_equal(efl_wave_allowed_failures(&p, 8), 1);
	assert_int_equal(efl_wave_allowed_failures(&p, 7), 0);
	policy(&p, NULL, NULL, "0%");
	assert_int_equal(efl_wave_allowed_failures(&p, 1000), 0);
	policy(&p, NULL, NULL, "100%");
	assert_int_equal(efl_wave_allowed_failures(&p, 1000), 1000);
}

/* Start every target the run's limit allows (in plan order). */
static uint32_t
start_allowed(struct efl_wave_run *r, uint32_t *next)
{
	uint32_t k = 0;

	while (*next < r->limit) {
		efl_wave_run_started(r, r->plan->order[*next]);
		(*next)++;
		k++;
	}
	return k;
}

static void
test_run_gates_and_halts(void **state)
{
	struct efl_wave_policy p;
	struct efl_wave_plan plan;
	struct efl_wave_run run;
	int elig[20];
	uint32_t i, next = 0;

	(void)state;
	for (i = 0; i < 20; i++)
		elig[i] = 1;
	policy(&p, "2", "50%", "2");
	p.pause_ms = 1000;
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, 20);
	efl_wave_run_init(&run, &p, &plan);
	assert_int_equal(efl_wave_run_poll(&run, 0), EFL_WAVE_RUNNING);
	assert_int_equal(start_allowed(&run, &next), 2);   /* the canary */
	assert_int_equal(efl_wave_run_verdict(&run, 0, 0, 10), 0);
	assert_int_equal(efl_wave_run_poll(&run, 10), EFL_WAVE_RUNNING);
	assert_int_equal(start_allowed(&run, &next), 0);   /* gated */
	assert_int_equal(efl_wave_run_verdict(&run, 1, 0, 20), 0);
	/* the soak, then the check, then wave 1 */
	assert_int_equal(efl_wave_run_poll(&run, 20), EFL_WAVE_SOAKING);
	assert_int_equal(efl_wave_run_poll(&run, 1019), EFL_WAVE_SOAKING);
	assert_int_equal(efl_wave_run_poll(&run, 1020), EFL_WAVE_CHECKING);
	assert_int_equal(start_allowed(&run, &next), 0);
	efl_wave_run_checked(&run);
	assert_int_equal(efl_wave_run_poll(&run, 1020), EFL_WAVE_RUNNING);
	assert_int_equal(run.current, 1);
	assert_int_equal(start_allowed(&run, &next), 9);
	/* failures: 2 allowed, the third halts */
	assert_int_equal(efl_wave_run_verdict(&run, plan.order[2], 1, 2000),
	    0);
	assert_int_equal(efl_wave_run_verdict(&run, plan.order[3], 1, 2000),
	    0);
	assert_int_equal(efl_wave_run_verdict(&run, plan.order[4], 0, 2000),
	    0);
	assert_int_equal(efl_wave_run_verdict(&run, plan.order[5], 1, 2000),
	    1);
	assert_int_equal(efl_wave_run_poll(&run, 2000), EFL_WAVE_HALTED);
	assert_non_null(strstr(run.halt_reason, "3 devices failed"));
	assert_non_null(strstr(run.halt_reason, "--max-failures 2"));
	/* a fourth one changes nothing */
	assert_int_equal(efl_wave_run_verdict(&run, plan.order[6], 1, 2000),
	    0);
	assert_int_equal(start_allowed(&run, &next), 0);
	efl_wave_plan_free(&plan);

	/* a soak failure counts: any failure halts a staged rollout */
	policy(&p, "1", NULL, NULL);
	p.pause_ms = 5;
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, 3);
	efl_wave_run_init(&run, &p, &plan);
	next = 0;
	assert_int_equal(start_allowed(&run, &next), 1);
	assert_int_equal(efl_wave_run_verdict(&run, 0, 0, 0), 0);
	assert_int_equal(efl_wave_run_poll(&run, 0), EFL_WAVE_SOAKING);
	assert_int_equal(efl_wave_run_poll(&run, 5), EFL_WAVE_CHECKING);
	assert_int_equal(efl_wave_run_soak_failed(&run, 0), 1);
	efl_wave_run_checked(&run);
	assert_int_equal(efl_wave_run_poll(&run, 5), EFL_WAVE_HALTED);
	assert_non_null(strstr(run.halt_reason, "allows none"));
	efl_wave_plan_free(&plan);

	/* the last wave finishes without a soak; empty waves pass */
	policy(&p, NULL, "10%,20%", "0");
	p.pause_ms = 5;
	efl_wave_plan_make(&plan, &p, NULL, elig, NULL, 1);
	efl_wave_run_init(&run, &p, &plan);
	next = 0;
	assert_int_equal(efl_wave_run_poll(&run, 0), EFL_WAVE_RUNNING);
	assert_int_equal(start_allowed(&run, &next), 1);
	assert_int_equal(efl_wave_run_verdict(&run, 0, 0, 0), 0);
	assert_int_equal(efl_wave_run_poll(&run, 0), EFL_WAVE_FINISHED);
	efl_wave_plan_free(&plan);
}

static void
test_queue_limit(void **state)
{
	struct efl_rollout r;
	struct efl_next nx;
	uint64_t delay;

	(void)state;
	efl_rollout_init(&r, 4, 8, 1, 100);
	efl_rollout_set_limit(&r, 2);
	nx = efl_rollout_next(&r, 0);
	assert_int_equal(nx.kind, EFL_NEXT_START);
	assert_int_equal(nx.index, 0);
	efl_rollout_started(&r, 0);
	efl_rollout_started(&r, 1);
	assert_int_equal(efl_rollout_next(&r, 0).kind, EFL_NEXT_FULL);
	/* a retry inside the limit is offered, fresh items past it not */
	assert_int_equal(efl_rollout_finished(&r, 1, 0, 1, 0, &delay), 1);
	assert_int_equal(efl_rollout_next(&r, 0).kind, EFL_NEXT_WAIT);
	nx = efl_rollout_next(&r, 100);
	assert_int_equal(nx.kind, EFL_NEXT_START);
	assert_int_equal(nx.index, 1);
	efl_rollout_set_limit(&r, 4);
	nx = efl_rollout_next(&r, 0);
	assert_int_equal(nx.kind, EFL_NEXT_START);
	assert_int_equal(nx.index, 2);
	efl_rollout_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_wave_sizes),
		cmocka_unit_test(test_known_sizes),
		cmocka_unit_test(test_canary_match_and_skips),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_run_gates_and_halts),
		cmocka_unit_test(test_queue_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
