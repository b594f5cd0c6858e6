/* SPDX-License-Identifier: MIT */
/*
 * The staged rollout's policy (see waves.h): the option values parsed, the
 * targets planned into a canary and waves, and a run that opens the waves
 * one after the other and halts past the failure threshold. Pure: the
 * caller gives the times and does what the run allows.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/waves.h"

#define MAX_COUNT 1000000u

/* "12", "12.5", "12.25" (hundredths) before an optional '%'. */
static int
parse_number(const char *s, uint32_t *whole, uint32_t *hundredths,
    int *dot, const char **end)
{
	uint64_t w = 0;
	uint32_t h = 0, nd = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		w = w * 10 + (uint64_t)(*s - '0');
		if (w > MAX_COUNT)
			return -1;
	}
	*dot = 0;
	if (*s == '.') {
		*dot = 1;
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (++nd > 2)
				return -1;
			h = h * 10 + (uint32_t)(*s - '0');
		}
		if (nd == 1)
			h *= 10;
	}
	*whole = (uint32_t)w;
	*hundredths = h;
	*end = s;
	return 0;
}

int
efl_amount_parse(const char *text, unsigned flags, struct efl_amount *a,
    struct efl_errbuf *eb)
{
	uint32_t w, h;
	int dot, pct;
	const char *end;

	memset(a, 0, sizeof(*a));
	if (parse_number(text, &w, &h, &dot, &end) != 0 ||
	    (*end != '\0' && strcmp(end, "%") != 0)) {
		efl_errbuf_set(eb, "'%s' is not %s", text,
		    flags & EFL_AMOUNT_PCT_ONLY ? "a percentage (P%)" :
		    "a count N or a percentage P%");
		return -1;
	}
	pct = *end == '%' || (flags & EFL_AMOUNT_PCT_ONLY);
	if (!pct && dot) {
		efl_errbuf_set(eb, "'%s': a count has no fraction", text);
		return -1;
	}
	if (pct && (w > 100 || (w == 100 && h > 0))) {
		efl_errbuf_set(eb, "'%s': more than 100%%", text);
		return -1;
	}
	a->given = 1;
	a->is_pct = pct;
	a->value = pct ? w * 100 + h : w;
	if (a->value == 0 && !(flags & EFL_AMOUNT_ZERO)) {
		efl_errbuf_set(eb, "'%s': must be more than 0", text);
		return -1;
	}
	return 0;
}

int
efl_waves_parse(const char *text, struct efl_wave_policy *p,
    struct efl_errbuf *eb)
{
	char buf[512], *tok, *save = NULL;
	struct efl_amount a;
	uint32_t n = 0, last = 0;

	if (strlen(text) >= sizeof(buf)) {
		efl_errbuf_set(eb, "too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (efl_amount_parse(tok, EFL_AMOUNT_PCT_ONLY, &a, eb) != 0)
			return -1;
		if (a.value <= last) {
			efl_errbuf_set(eb, "'%s': the shares are cumulative "
			    "and must grow (%s after a larger or equal one)",
			    text, tok);
			return -1;
		}
		if (n == EFL_WAVES_MAX) {
			efl_errbuf_set(eb, "at most %u waves", EFL_WAVES_MAX);
			return -1;
		}
		p->waves[n++] = last = a.value;
	}
	if (n == 0) {
		efl_errbuf_set(eb, "'%s' is not a list of shares "
		    "(10%%,50%%,...)", text);
		return -1;
	}
	if (last < 10000) {
		if (n == EFL_WAVES_MAX) {
			efl_errbuf_set(eb, "at most %u waves", EFL_WAVES_MAX);
			return -1;
		}
		p->waves[n++] = 10000;   /* the final 100% is implied */
	}
	p->nwaves = n;
	return 0;
}

int
efl_wave_policy_staged(const struct efl_wave_policy *p)
{
	return p->canary.given || p->canary_match != NULL || p->nwaves > 0 ||
	    p->max_failures.given;
}

static int
amount_text(char *out, size_t cap, const struct efl_amount *a)
{
	if (!a->is_pct)
		return snprintf(out, cap, "%u", a->value);
	if (a->value % 100 == 0)
		return snprintf(out, cap, "%u%%", a->value / 100);
	if (a->value % 10 == 0)
		return snprintf(out, cap, "%u.%u%%", a->value / 100,
		    a->value % 100 / 10);
	return snprintf(out, cap, "%u.%02u%%", a->value / 100,
	    a->value % 100);
}

void
efl_wave_policy_text(const struct efl_wave_policy *p, char *out, size_t cap)
{
	char a[32];
	size_t pos = 0;
	uint32_t i;
	struct efl_amount w = { 1, 1, 0 };

#define ADD(...) do { \
	if (pos < cap) \
		pos += (size_t)snprintf(out + pos, cap - pos, __VA_ARGS__); \
} while (0)
	out[0] = '\0';
	if (p->canary.given) {
		amount_text(a, sizeof(a), &p->canary);
		ADD("canary=%s ", a);
	}
	if (p->canary_match != NULL)
		ADD("canary-match=%s ", p->canary_match);
	ADD("waves=");
	if (p->nwaves == 0)
		ADD("100%%");
	for (i = 0; i < p->nwaves; i++) {
		w.value = p->waves[i];
		amount_text(a, sizeof(a), &w);
		ADD("%s%s", i ? "," : "", a);
	}
	if (p->max_failures.given)
		amount_text(a, sizeof(a), &p->max_failures);
	else
		snprintf(a, sizeof(a), "%s", efl_wave_policy_staged(p) ? "0" :
		    "none");
	ADD(" max-failures=%s pause=%ums", a, p->pause_ms);
#undef ADD
}

uint32_t
efl_share_up(uint32_t total, uint32_t hundredths)
{
	return (uint32_t)(((uint64_t)total * hundredths + 9999) / 10000);
}

void
efl_wave_plan_make(struct efl_wave_plan *plan,
    const struct efl_wave_policy *p, const char *const *names,
    const int *eligible, const int32_t *fixed, uint32_t n)
{
	uint32_t i, k, e = 0, ncanary = 0, want, rest, pos, w, wave_count;
	uint32_t *unplanned;
	const uint32_t all = 10000;
	const uint32_t *shares = p->nwaves > 0 ? p->waves : &all;
	uint32_t nshares = p->nwaves > 0 ? p->nwaves : 1;

	memset(plan, 0, sizeof(*plan));
	plan->n = n;
	plan->nwaves = 1 + nshares;
	plan->wave_of = xcalloc(n ? n : 1, sizeof(*plan->wave_of));
	plan->order = xcalloc(n ? n : 1, sizeof(*plan->order));
	unplanned = xcalloc(n ? n : 1, sizeof(*unplanned));
	for (i = 0; i < n; i++) {
		plan->wave_of[i] = -1;
		if (!eligible[i])
			continue;
		if (fixed != NULL && fixed[i] >= 0)
			plan->wave_of[i] = fixed[i] < (int32_t)plan->nwaves ?
			    fixed[i] : (int32_t)plan->nwaves - 1;
		else
			unplanned[e++] = i;
	}
	/* the canary: the first N (or P%) of the planned targets, of those
	 * that match --canary-match when it is given */
	want = !p->canary.given ? (p->canary_match != NULL ? e : 0) :
	    p->canary.is_pct ? efl_share_up(e, p->canary.value) :
	    p->canary.value;
	for (k = 0; k < e && ncanary < want; k++) {
		i = unplanned[k];
		if (p->canary_match != NULL && (names == NULL ||
		    fnmatch(p->canary_match, names[i], 0) != 0))
			continue;
		plan->wave_of[i] = 0;
		ncanary++;
	}
	/* the rest: cumulative shares, rounded up, in order */
	rest = e - ncanary;
	pos = 0;
	w = 0;
	for (k = 0; k < e; k++) {
		i = unplanned[k];
		if (plan->wave_of[i] == 0)
			continue;
		while (w < nshares - 1 && pos >= efl_share_up(rest, shares[w]))
			w++;
		plan->wave_of[i] = (int32_t)(1 + w);
		pos++;
	}
	free(unplanned);
	/* the order of the push: no wave, then wave by wave */
	pos = 0;
	for (i = 0; i < n; i++)
		if (plan->wave_of[i] < 0)
			plan->order[pos++] = i;
	for (w = 0; w < plan->nwaves; w++) {
		wave_count = 0;
		for (i = 0; i < n; i++)
			if (plan->wave_of[i] == (int32_t)w) {
				plan->order[pos++] = i;
				wave_count++;
			}
		plan->count[w] = wave_count;
	}
}

void
efl_wave_plan_free(struct efl_wave_plan *plan)
{
	free(plan->wave_of);
	free(plan->order);
	plan->wave_of = NULL;
	plan->order = NULL;
}

/* ---- the run ---- */

void
efl_wave_run_init(struct efl_wave_run *r, const struct efl_wave_policy *p,
    const struct efl_wave_plan *plan)
{
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->p = p;
	r->plan = plan;
	r->state = EFL_WAVE_RUNNING;
	r->current = 0;
	for (i = 0; i < plan->n; i++)
		if (plan->wave_of[i] < 0)
			r->limit++;
	r->limit += plan->count[0];
}

uint32_t
efl_wave_allowed_failures(const struct efl_wave_policy *p, uint32_t started)
{
	if (!p->max_failures.given)
		return efl_wave_policy_staged(p) ? 0 : UINT32_MAX;
	if (!p->max_failures.is_pct)
		return p->max_failures.value;
	return (uint32_t)((uint64_t)started * p->max_failures.value / 10000);
}

static void
open_next(struct efl_wave_run *r)
{
	r->current++;
	r->limit += r->plan->count[r->current];
	r->state = EFL_WAVE_RUNNING;
}

/* Waves after the current one hold devices. */
static int
devices_after(const struct efl_wave_run *r)
{
	uint32_t w;

	for (w = r->current + 1; w < r->plan->nwaves; w++)
		if (r->plan->count[w] > 0)
			return 1;
	return 0;
}

enum efl_wave_state
efl_wave_run_poll(struct efl_wave_run *r, uint64_t now)
{
	const struct efl_wave_plan *pl = r->plan;

	for (;;) {
		switch (r->state) {
		case EFL_WAVE_RUNNING:
			if (r->done[r->current] < pl->count[r->current])
				return r->state;
			if (!devices_after(r)) {
				r->state = EFL_WAVE_FINISHED;
				return r->state;
			}
			if (r->p->pause_ms > 0 && pl->count[r->current] > 0) {
				r->state = EFL_WAVE_SOAKING;
				r->soak_until = now + r->p->pause_ms;
				return r->state;
			}
			open_next(r);
			continue;
		case EFL_WAVE_SOAKING:
			if (now < r->soak_until)
				return r->state;
			r->state = EFL_WAVE_CHECKING;
			return r->state;
		default:
			return r->state;
		}
	}
}

void
efl_wave_run_started(struct efl_wave_run *r, uint32_t i)
{
	if (r->plan->wave_of[i] >= 0)
		r->started++;
}

void
efl_wave_run_halt(struct efl_wave_run *r, const char *reason)
{
	if (r->state == EFL_WAVE_HALTED || r->state == EFL_WAVE_FINISHED)
		return;
	r->state = EFL_WAVE_HALTED;
	snprintf(r->halt_reason, sizeof(r->halt_reason), "%s", reason);
}

/* A failure more: halt past the threshold. 1 when it halted. */
static int
count_failure(struct efl_wave_run *r, uint32_t wave)
{
	uint32_t allowed = efl_wave_allowed_failures(r->p, r->started);
	char a[32], reason[200];

	r->failed++;
	r->failed_in[wave]++;
	if (r->failed <= allowed || r->state == EFL_WAVE_HALTED ||
	    r->state == EFL_WAVE_FINISHED)
		return 0;
	if (!r->p->max_failures.given)
		snprintf(reason, sizeof(reason), "%u device%s failed and a "
		    "staged rollout allows none (no --max-failures)",
		    r->failed, r->failed == 1 ? "" : "s");
	else if (!r->p->max_failures.is_pct)
		snprintf(reason, sizeof(reason), "%u devices failed, more "
		    "than --max-failures %u", r->failed,
		    r->p->max_failures.value);
	else {
		amount_text(a, sizeof(a), &r->p->max_failures);
		snprintf(reason, sizeof(reason), "%u of %u started devices "
		    "failed, more than --max-failures %s", r->failed,
		    r->started, a);
	}
	efl_wave_run_halt(r, reason);
	return 1;
}

int
efl_wave_run_verdict(struct efl_wave_run *r, uint32_t i, int failed,
    uint64_t now)
{
	int32_t w = r->plan->wave_of[i];

	(void)now;
	if (w < 0)
		return 0;
	r->done[w]++;
	return failed ? count_failure(r, (uint32_t)w) : 0;
}

int
efl_wave_run_soak_failed(struct efl_wave_run *r, uint32_t i)
{
	int32_t w = r->plan->wave_of[i];

	return w < 0 ? 0 : count_failure(r, (uint32_t)w);
}

void
efl_wave_run_checked(struct efl_wave_run *r)
{
	if (r->state == EFL_WAVE_CHECKING)
		open_next(r);
}
