/* SPDX-License-Identifier: MIT */
/*
 * The push engine: one image to many targets on one libuv loop. A bounded
 * queue (rollout.h) feeds upload sessions of each target's transport
 * (session.h: espota or http); transient failures are retried with
 * backoff; each success is optionally verified after the device's reboot
 * (verify.h); every step is reported through output.h.
 */
#ifndef ESPFLEET_PUSH_H
#define ESPFLEET_PUSH_H

#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "output.h"

struct efl_image;
struct efl_secret;
struct efl_target;
struct efl_transport;
struct efl_verifier;
struct efl_wave_plan;
struct efl_wave_policy;
typedef struct uv_loop_s uv_loop_t;

struct efl_push_opts {
	uint32_t jobs;            /* parallel uploads */
	uint32_t retries;         /* extra attempts for transient failures */
	uint32_t timeout_ms;      /* bound of every wait */
	uint32_t device_timeout_ms; /* of one device's attempt (0: derived
	                             from the image, efl_device_timeout_ms) */
	uint32_t backoff_ms;      /* first retry delay (doubles) */
	int command;              /* 0 application, 100 filesystem */
	/* espota or http, of every target without its own (t->transport,
	 * t->password: an inventory's devices); borrowed; NULL when every
	 * target has its own */
	struct efl_transport *transport;
	const char *via;          /* for the report: NULL, transport's name */
	struct efl_verifier *verifier; /* NULL: no verification */
	uint32_t verify_timeout_ms;
	/* a staged rollout (waves.h): canary, waves, threshold, soak; NULL:
	 * every target at once, no threshold */
	const struct efl_wave_policy *waves;
	const int32_t *fixed_waves; /* [n]: a resumed target's wave, or -1 */
	/* called after the plan, after every verdict and at a halt, with
	 * every row (push --state); NULL: none */
	void (*checkpoint)(void *arg, const struct efl_push_row *rows,
	    uint32_t n, const char *halt_reason);
	void *checkpoint_arg;
	/* [n] or NULL: targets that were being sent the image when an
	 * earlier run stopped (--state); each is first watched on mDNS for
	 * up to EFL_PUSH_PRECHECK_MS, and not sent again if it comes back
	 * with the image */
	const uint8_t *precheck;
};

#define EFL_PUSH_PRECHECK_MS 8000u

struct efl_push_report {
	struct efl_push_summary summary;
	/* every target's row, in the targets' order (efl_push_report_free) */
	struct efl_push_row *rows;
	uint64_t started_ms;      /* when the push began (efl_now_ms) */
	int needs_password;       /* a device asked for one, none was given */
	int canceled;             /* interrupted by a signal */
	int halted;               /* the staged rollout halted */
	char halt_reason[200];
};

/*
 * Push img to targets[0..n) (resolved), each over its transport with its
 * password (opts->transport and pw when it has none of its own). Runs the
 * loop until every target is done, then fills *report.
 */
void efl_push_run(uv_loop_t *loop, const struct efl_push_opts *opts,
    const struct efl_image *img, const struct efl_secret *pw,
    struct efl_target *targets, uint32_t n, struct efl_out *out,
    struct efl_push_report *report);
void efl_push_report_free(struct efl_push_report *report);

/*
 * The order and waves of a push to t[0..n) (waves.h): a staged rollout's
 * plan (waves NULL or not staged: every target in one wave, in order;
 * targets skipped before the push in no wave; fixed: resumed waves, or
 * NULL). Returns 1 when staged. efl_wave_plan_free it.
 */
int efl_push_plan(struct efl_wave_plan *plan,
    const struct efl_wave_policy *waves, const int32_t *fixed,
    const struct efl_target *t, uint32_t n);

/*
 * A fresh result row for target t (printable label and target, address,
 * port, image size total, verification unknown): one way to name a device
 * in results, whether it is pushed or only planned (--dry-run).
 */
void efl_push_row_init(struct efl_push_row *r, const struct efl_target *t,
    uint32_t total);

#endif
