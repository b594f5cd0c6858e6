/* SPDX-License-Identifier: MIT */
/*
 * The staged rollout as a pure policy (no sockets, no clock of its own):
 * which target goes in which wave (--canary, --canary-match, --waves),
 * when a wave may start (every device of the one before has its verdict,
 * then --wave-pause), and when the rollout halts (--max-failures). The push
 * engine feeds it verdicts and times and starts what it allows; the
 * bounded queue inside a wave stays rollout.h's. Unit-tested on its own.
 */
#ifndef ESPFLEET_WAVES_H
#define ESPFLEET_WAVES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define EFL_WAVES_MAX 32

/* A count or a share: "3" or "12.5%" (shares in hundredths of a percent,
 * 1 to 10000). */
struct efl_amount {
	int given;
	int is_pct;
	uint32_t value;           /* count, or hundredths of a percent */
};

struct efl_wave_policy {
	struct efl_amount canary;
	const char *canary_match; /* glob over device names, or NULL */
	uint32_t nwaves;          /* cumulative shares, the last 10000 */
	uint32_t waves[EFL_WAVES_MAX];
	struct efl_amount max_failures; /* not given: 0 when staged */
	uint32_t pause_ms;        /* --wave-pause */
};

/* Parsers of the options' values. 0, or -1 with the reason in eb. */
#define EFL_AMOUNT_PCT_ONLY 0x1u   /* "P%" (or "P") only */
#define EFL_AMOUNT_ZERO     0x2u   /* 0 and 0% allowed */
int efl_amount_parse(const char *text, unsigned flags,
    struct efl_amount *a, struct efl_errbuf *eb);
int efl_waves_parse(const char *text, struct efl_wave_policy *p,
    struct efl_errbuf *eb);

/* 1 when the policy stages the push at all (any of the options). */
int efl_wave_policy_staged(const struct efl_wave_policy *p);

/* The policy as one canonical line, what a state file records and
 * compares ("canary=3 waves=50%,100% max-failures=0 pause=0"). */
void efl_wave_policy_text(const struct efl_wave_policy *p, char *out,
    size_t cap);

/* Ceiling of total * hundredths / 10000 (a share rounded up). */
uint32_t efl_share_up(uint32_t total, uint32_t hundredths);

/*
 * The plan: wave 0 is the canary (empty without --canary), waves 1.. the
 * shares of the rest. Targets that are not eligible (skipped before the
 * push) are in no wave (-1). fixed[i] >= 0 puts target i in that wave
 * (a resumed rollout keeps the waves of its state file); -1 plans it.
 */
struct efl_wave_plan {
	uint32_t n;               /* targets */
	int32_t *wave_of;         /* [n]: wave of target i, -1 none */
	uint32_t nwaves;          /* waves 0..nwaves-1 (0: the canary) */
	uint32_t count[EFL_WAVES_MAX + 1]; /* targets of each wave */
	/* every target in the order of the push: no wave first, then wave
	 * by wave, the targets' order kept inside each */
	uint32_t *order;
};

void efl_wave_plan_make(struct efl_wave_plan *plan,
    const struct efl_wave_policy *p, const char *const *names,
    const int *eligible, const int32_t *fixed, uint32_t n);
void efl_wave_plan_free(struct efl_wave_plan *plan);

/* ---- the run: waves opened one after the other, the threshold ---- */

enum efl_wave_state {
	EFL_WAVE_RUNNING = 0,     /* wave `current` is open */
	EFL_WAVE_SOAKING,         /* its verdicts are in: pause until soak_until */
	EFL_WAVE_CHECKING,        /* the soak is over: the caller checks the
	                             wave's devices, then efl_wave_run_checked */
	EFL_WAVE_HALTED,          /* no start any more */
	EFL_WAVE_FINISHED         /* every wave has its verdicts */
};

struct efl_wave_run {
	const struct efl_wave_policy *p;
	const struct efl_wave_plan *plan;
	enum efl_wave_state state;
	uint32_t current;
	uint32_t done[EFL_WAVES_MAX + 1];   /* verdicts per wave */
	uint32_t failed_in[EFL_WAVES_MAX + 1];
	uint32_t started, failed;           /* of eligible targets */
	uint64_t soak_until;
	uint32_t limit;           /* targets of plan->order that may start */
	char halt_reason[200];
};

void efl_wave_run_init(struct efl_wave_run *r,
    const struct efl_wave_policy *p, const struct efl_wave_plan *plan);

/* What the run allows at now: the state afterwards (a wave whose soak is
 * over opens the next; an empty wave passes at once). */
enum efl_wave_state efl_wave_run_poll(struct efl_wave_run *r, uint64_t now);

/* Target i (its wave from the plan) was started / got its verdict
 * (failed: a device failure; skips are not). Verdicts of the last wave
 * start its soak (or open the next one at the next poll); a verdict past
 * the threshold halts: returns 1 when this verdict halted the run. */
void efl_wave_run_started(struct efl_wave_run *r, uint32_t i);
int efl_wave_run_verdict(struct efl_wave_run *r, uint32_t i, int failed,
    uint64_t now);

/* A device of the wave just soaked failed its check after the soak
 * (rebooted, gone, rolled back): counted against the threshold. 1 when
 * it halted the run. Then efl_wave_run_checked: the next wave may open. */
int efl_wave_run_soak_failed(struct efl_wave_run *r, uint32_t i);
void efl_wave_run_checked(struct efl_wave_run *r);

/* The number of failures the threshold allows with `started` devices
 * started (UINT32_MAX: no limit). */
uint32_t efl_wave_allowed_failures(const struct efl_wave_policy *p,
    uint32_t started);

/* Halt from outside (a soak check that failed, say): no start any more. */
void efl_wave_run_halt(struct efl_wave_run *r, const char *reason);

#endif
