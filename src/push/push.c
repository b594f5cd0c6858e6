/* SPDX-License-Identifier: MIT */
/*
 * The push engine (see push.h): keeps up to -j sessions running from the
 * rollout queue, retries transient failures after a backoff without holding
 * a slot, verifies successes after reboot, and turns everything into output
 * events. A staged rollout (waves.h) decides which targets may start:
 * the queue's limit follows the open wave, verdicts go to the policy, a
 * halt reports every target not started as halted. The command's cancel (SIGINT, SIGTERM, SIGHUP: loop.h) cancels
 * what is running and what is queued; the summary comes all the same. It
 * knows sessions only through the transport interface (session.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "espfleet/common.h"
#include "espfleet/compress.h"
#include "espfleet/text.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/push.h"
#include "espfleet/rollout.h"
#include "espfleet/session.h"
#include "espfleet/target.h"
#include "espfleet/verify.h"
#include "espfleet/waves.h"

struct push;

struct slot {
	struct push *p;
	uint32_t index;
	uint32_t pos;             /* in the queue: the plan's order */
	uint32_t soak_mark;
	int soak_marked;
	void *session;            /* of its transport, while one runs */
	int verifying;
	/* the failure of an earlier attempt that got further than "no
	 * answer" (kept to explain a retry that the device ignored) */
	enum efl_result_code earlier_code;
	char earlier_message[400];
	uint32_t no_answers_since; /* attempts without answer since then */
};

struct push {
	uv_loop_t *loop;
	const struct efl_push_opts *opts;
	const struct efl_image *img;
	const struct efl_secret *pw;
	struct efl_target *targets;
	uint32_t n;
	struct efl_out *out;
	struct efl_push_report *report;

	struct efl_rollout rollout;
	struct efl_push_row *rows;
	struct slot *slots;

	/* the staged rollout: plan, run, and what was told of the waves */
	int staged;
	struct efl_wave_policy unstaged;
	struct efl_wave_plan plan;
	struct efl_wave_run run;
	uint32_t wave_shown;      /* waves begun (events) */
	uint64_t wave_start_ms[EFL_WAVES_MAX + 1];
	int wave_ended[EFL_WAVES_MAX + 1];
	int halt_done;
	int slots_marked_for_soak;
	int pumping, repump;
	int checkpoint_due;       /* the state file is to be rewritten */

	uv_timer_t wake, tick;
	struct efl_cancel_hook cancel;
	int handles_open;
	int all_done;
	uint64_t started_ms;
};

static void pump(struct push *p);
static void pump_queue(struct push *p);
static void on_wake(uv_timer_t *t);

/* A target's transport: its own (an inventory's device), else the
 * push's. */
static struct efl_transport *
transport_of(const struct push *p, uint32_t i)
{
	return p->targets[i].transport != NULL ? p->targets[i].transport :
	    p->opts->transport;
}

/*
 * When the transfer ended: at the device's last byte count. The final OK
 * (or a count merged with it) may come much later: an ESP8266 waits a
 * second before it, and merged counts may never be seen to add up to the
 * total before the OK settles it.
 */
static uint64_t
upload_end_ms(const struct efl_push_row *r, uint64_t now)
{
	return r->last_progress_ms >= r->upload_started_ms &&
	    r->last_progress_ms != 0 ? r->last_progress_ms : now;
}

static void
emit_phase(struct slot *sl, enum efl_phase phase)
{
	struct efl_push_row *r = &sl->p->rows[sl->index];

	if (r->phase == phase)
		return;
	if (phase == EFL_PHASE_UPLOADING) {
		r->upload_started_ms = efl_now_ms();
		r->upload_done_ms = 0;
	} else if (phase == EFL_PHASE_FINISHING && r->upload_done_ms == 0) {
		r->upload_done_ms = upload_end_ms(r, efl_now_ms());
	}
	r->phase = phase;
	r->phase_events++;
	efl_out_push_phase(sl->p->out, r);
}

/* A wave's numbers for its events. */
static void
wave_info(struct push *p, uint32_t w, int ended, struct efl_wave_info *wi)
{
	uint32_t i;

	memset(wi, 0, sizeof(*wi));
	wi->index = w;
	wi->nwaves = p->plan.nwaves - 1;
	wi->targets = p->plan.count[w];
	wi->ended = ended;
	wi->start = efl_wall_time(p->wave_start_ms[w]);
	wi->end = ended ? efl_wall_time(efl_now_ms()) : 0;
	for (i = 0; i < p->n; i++) {
		const struct efl_push_row *r = &p->rows[i];

		if (!r->in_wave || r->wave != w || !r->finished)
			continue;
		if (r->skipped)
			wi->skipped++;
		else if (r->ok)
			wi->ok++;
		else
			wi->failed++;
	}
	wi->failed_total = p->run.failed;
	wi->allowed = efl_wave_allowed_failures(p->run.p, p->run.started);
}

static void
wave_end(struct push *p, uint32_t w)
{
	struct efl_wave_info wi;

	if (!p->staged || p->wave_ended[w] || w >= p->wave_shown)
		return;
	p->wave_ended[w] = 1;
	wave_info(p, w, 1, &wi);
	efl_out_push_wave(p->out, &wi);
}

/* The state file is due: written once when the pump in progress ends
 * (pump), not once per start or verdict — a wave's starts are one write,
 * and still before any image byte, which needs the loop to turn. */
static void
checkpoint(struct push *p)
{
	p->checkpoint_due = 1;
}

static void
write_checkpoint(struct push *p)
{
	if (!p->checkpoint_due)
		return;
	p->checkpoint_due = 0;
	if (p->opts->checkpoint != NULL)
		p->opts->checkpoint(p->opts->checkpoint_arg, p->rows, p->n,
		    p->run.state == EFL_WAVE_HALTED ? p->run.halt_reason :
		    NULL);
}

/* Target i has its verdict: to the policy, and the wave's end told. */
static void
verdict(struct push *p, uint32_t i, int failed, uint64_t now)
{
	int32_t w = p->plan.wave_of[i];

	efl_wave_run_verdict(&p->run, i, failed, now);
	if (w >= 0 && p->run.done[w] == p->plan.count[w])
		wave_end(p, (uint32_t)w);
	checkpoint(p);
}

static void
finalize(struct slot *sl, enum efl_result_code code, const char *message,
    uint32_t bytes, int verified, const char *note)
{
	struct push *p = sl->p;
	struct efl_push_row *r = &p->rows[sl->index];
	uint64_t now = efl_now_ms(), delay = 0;
	int ok = code == EFL_R_OK;
	int transient = efl_result_code_transient(code) &&
	    !p->report->canceled;

	if (efl_rollout_finished(&p->rollout, sl->pos, ok, transient, now,
	    &delay)) {
		if (code != EFL_R_NO_ANSWER) {
			sl->earlier_code = code;
			snprintf(sl->earlier_message,
			    sizeof(sl->earlier_message), "%s", message);
			sl->no_answers_since = 0;
		} else {
			sl->no_answers_since++;
		}
		r->phase = EFL_PHASE_RETRY_WAIT;
		r->acked = 0;
		efl_out_push_retry(p->out, r, code, message, delay,
		    p->opts->retries);
		pump(p);
		return;
	}
	if (code == EFL_R_NO_ANSWER && sl->earlier_code != EFL_R_OK) {
		/* A device still busy with an earlier attempt (e.g. waiting to
		 * connect back) ignores invitations, like stock devices do:
		 * the earlier failure is the one that explains what happened */
		code = sl->earlier_code;
		snprintf(r->message, sizeof(r->message), "%s (then no answer "
		    "to %u retr%s)", sl->earlier_message,
		    sl->no_answers_since + 1,
		    sl->no_answers_since == 0 ? "y" : "ies");
		message = r->message;
	}
	r->finished = 1;
	r->finished_ms = now;
	if (r->upload_started_ms != 0 && r->upload_done_ms == 0 && ok)
		r->upload_done_ms = upload_end_ms(r, now);
	r->phase = EFL_PHASE_DONE;
	r->ok = ok;
	r->code = code;
	r->bytes = bytes;
	r->verified = verified;
	r->verify_note = note;
	if (message != r->message)
		snprintf(r->message, sizeof(r->message), "%s", message);
	efl_out_push_result(p->out, r);
	if (code != EFL_R_HALTED)
		verdict(p, sl->index, !ok && code != EFL_R_CANCELED, now);
	pump(p);
}

static void
on_verified(void *arg, enum efl_verify_outcome outcome, const char *detail)
{
	struct slot *sl = arg;
	uint32_t size = sl->p->rows[sl->index].total;  /* what was sent */

	sl->verifying = 0;
	switch (outcome) {
	case EFL_VERIFY_VERIFIED:
		finalize(sl, EFL_R_OK, "", size, 1, "verified");
		break;
	case EFL_VERIFY_REBOOTED:
		finalize(sl, EFL_R_OK, "", size, -1, "rebooted");
		break;
	case EFL_VERIFY_UNVERIFIED:
		finalize(sl, EFL_R_OK, "", size, -1, "unverified");
		break;
	case EFL_VERIFY_OLD_IMAGE:
		finalize(sl, EFL_R_VERIFY_FAILED, detail != NULL ? detail :
		    "device rebooted into its previous firmware", size, 0,
		    "verify-failed");
		break;
	case EFL_VERIFY_NOT_BACK:
		finalize(sl, EFL_R_NOT_BACK, detail != NULL ? detail :
		    "device did not come back after the update", size, 0,
		    "not-back");
		break;
	case EFL_VERIFY_ROLLED_BACK:
		finalize(sl, EFL_R_ROLLED_BACK, detail != NULL ? detail :
		    "the device rejected the new image and rolled back", size,
		    0, "rolled-back");
		break;
	case EFL_VERIFY_UNCONFIRMED:
		finalize(sl, EFL_R_VERIFY_FAILED, detail != NULL ? detail :
		    "the new image runs on trial, not confirmed", size, 0,
		    "verify-failed");
		break;
	}
}

static void
session_phase(void *arg, enum efl_phase phase)
{
	emit_phase(arg, phase);
}

static void
session_progress(void *arg, uint32_t acked, uint32_t total)
{
	struct slot *sl = arg;
	struct efl_push_row *r = &sl->p->rows[sl->index];

	r->acked = acked;
	r->total = total;
	r->last_progress_ms = efl_now_ms();
}

static void
session_done(void *arg, const struct efl_session_result *res)
{
	struct slot *sl = arg;
	struct push *p = sl->p;
	struct efl_verifier *v = p->opts->verifier;
	const struct efl_target *t = &p->targets[sl->index];

	sl->session = NULL;
	if (res->needs_password)
		p->report->needs_password = 1;
	if (res->code == EFL_R_OK && v != NULL && !p->report->canceled &&
	    p->opts->command == 0 && v->knows(v, t)) {
		sl->verifying = 1;
		emit_phase(sl, EFL_PHASE_VERIFYING);
		v->watch(v, t, p->img->run_md5_hex, p->opts->verify_timeout_ms,
		    on_verified, sl);
		return;
	}
	finalize(sl, res->code, res->message, res->bytes, -1,
	    res->code == EFL_R_OK && v != NULL && p->opts->command == 0 ?
	    "unverified" : NULL);
}

static void begin_session(struct push *p, uint32_t i);

/* The look before a resumed device that was being sent the image when
 * the earlier run stopped: back with the image, it is not sent again. */
static void
on_prechecked(void *arg, enum efl_verify_outcome outcome, const char *detail)
{
	struct slot *sl = arg;

	(void)detail;
	sl->verifying = 0;
	if (outcome == EFL_VERIFY_VERIFIED) {
		finalize(sl, EFL_R_OK, "already runs the image (it was being "
		    "updated when an earlier run stopped)", 0, 1, "verified");
		return;
	}
	begin_session(sl->p, sl->index);
}

static void
start_attempt(struct push *p, uint32_t pos)
{
	uint32_t i = p->plan.order[pos];
	struct slot *sl = &p->slots[i];
	struct efl_push_row *r = &p->rows[i];
	struct efl_target *t = &p->targets[i];
	struct efl_verifier *v = p->opts->verifier;
	uint64_t now = efl_now_ms();

	efl_rollout_started(&p->rollout, pos);
	if (t->skip_reason != NULL) {
		/* decided before the push (--all: already running the image,
		 * no room): a result, not a failure; nothing is sent */
		r->skipped = 1;
		r->started_ms = now;
		finalize(sl, EFL_R_OK, t->skip_reason, 0, -1, NULL);
		return;
	}
	if (r->attempts == 0) {
		efl_wave_run_started(&p->run, i);
		r->started_ms = now;
		checkpoint(p);   /* a state file says it is being sent */
	}
	if (r->attempts == 0 && p->opts->precheck != NULL &&
	    p->opts->precheck[i] && v != NULL && p->opts->command == 0 &&
	    v->knows(v, t)) {
		sl->verifying = 1;
		r->phase = EFL_PHASE_VERIFYING;
		v->before(v, t);
		v->watch(v, t, p->img->run_md5_hex, EFL_PUSH_PRECHECK_MS <
		    p->opts->verify_timeout_ms ? EFL_PUSH_PRECHECK_MS :
		    p->opts->verify_timeout_ms, on_prechecked, sl);
		return;
	}
	begin_session(p, i);
}

/* An upload attempt of target i. */
static void
begin_session(struct push *p, uint32_t i)
{
	struct slot *sl = &p->slots[i];
	struct efl_push_row *r = &p->rows[i];
	struct efl_target *t = &p->targets[i];
	struct efl_session_config cfg = { 0 };
	struct efl_session_callbacks cb = { session_phase, session_progress,
		session_done, sl };
	struct efl_errbuf eb;
	uint64_t now = efl_now_ms();

	r->attempts++;
	r->phase_events = 0;
	r->attempt_started_ms = now;
	r->upload_started_ms = r->upload_done_ms = 0;
	if (r->started_ms == 0)
		r->started_ms = now;
	r->acked = 0;
	/* compress.h: the gzip form to a device that takes it */
	cfg.image = efl_image_for_target(p->img, p->opts->command, t);
	r->total = cfg.image->size;
	r->image_bytes = p->img->run_size;
	if (p->opts->verifier != NULL && r->attempts == 1)
		p->opts->verifier->before(p->opts->verifier, t);
	cfg.loop = p->loop;
	cfg.command = p->opts->command;
	cfg.password = t->password != NULL ? t->password : p->pw;
	cfg.timeout_ms = p->opts->timeout_ms;
	cfg.device_timeout_ms = p->opts->device_timeout_ms != 0 ?
	    p->opts->device_timeout_ms : efl_device_timeout_ms(cfg.image->size);
	cfg.label = r->label;
	cfg.auth_scheme = t->auth_scheme;
	sl->session = efl_transport_start(transport_of(p, i), &cfg,
	    (struct sockaddr *)&t->addr, &cb, &eb);
	if (sl->session == NULL)
		finalize(sl, EFL_R_TRANSFER_FAILED, eb.msg, 0, -1, NULL);
}

static void
close_cb(uv_handle_t *h)
{
	struct push *p = h->data;

	p->handles_open--;
}

static void
all_done(struct push *p)
{
	if (p->all_done)
		return;
	if (p->run.state == EFL_WAVE_SOAKING && !p->report->canceled)
		return;   /* the queue is empty, the soak goes on */
	if (p->staged && p->run.current < EFL_WAVES_MAX + 1)
		wave_end(p, p->run.current);
	p->all_done = 1;
	uv_close((uv_handle_t *)&p->wake, close_cb);
	uv_close((uv_handle_t *)&p->tick, close_cb);
}

static void
on_wake(uv_timer_t *t)
{
	pump(t->data);
}

/* Every target not started yet: halted (a result, not a failure). */
static void
halt_rest(struct push *p)
{
	uint32_t pos, halted = 0;

	p->halt_done = 1;
	p->report->halted = 1;
	snprintf(p->report->halt_reason, sizeof(p->report->halt_reason),
	    "%s", p->run.halt_reason);
	for (pos = 0; pos < p->n; pos++)
		if (p->rollout.items[pos].state == EFL_ITEM_PENDING &&
		    p->rollout.items[pos].attempts == 0)
			halted++;
	efl_out_push_halt(p->out, p->run.halt_reason, p->run.started,
	    p->run.failed, halted);
	for (pos = 0; pos < p->n; pos++) {
		uint32_t i = p->plan.order[pos];
		struct efl_push_row *r = &p->rows[i];

		if (p->rollout.items[pos].state != EFL_ITEM_PENDING ||
		    p->rollout.items[pos].attempts != 0)
			continue;
		efl_rollout_started(&p->rollout, pos);
		r->skipped = 1;
		finalize(&p->slots[i], EFL_R_HALTED, "not started: the "
		    "rollout halted", 0, -1, NULL);
	}
	checkpoint(p);
}

/* The soak of wave w is over: every device of it that was updated is
 * checked again (rebooted, gone, rolled back since its verdict: a failure
 * of the wave). */
static void
soak_check(struct push *p, uint32_t w)
{
	struct efl_verifier *v = p->opts->verifier;
	char detail[300];
	uint32_t i;

	for (i = 0; i < p->n; i++) {
		struct efl_push_row *r = &p->rows[i];
		struct slot *sl = &p->slots[i];
		enum efl_verify_outcome o;

		if (p->plan.wave_of[i] != (int32_t)w || !sl->soak_marked)
			continue;
		sl->soak_marked = 0;
		if (!r->ok || r->skipped)
			continue;
		detail[0] = '\0';
		o = v->soak_check(v, &p->targets[i], p->img->run_md5_hex,
		    sl->soak_mark, detail, sizeof(detail));
		if (o == EFL_VERIFY_VERIFIED)
			continue;
		r->ok = 0;
		r->verified = 0;
		r->code = o == EFL_VERIFY_ROLLED_BACK ? EFL_R_ROLLED_BACK :
		    o == EFL_VERIFY_NOT_BACK ? EFL_R_NOT_BACK :
		    EFL_R_VERIFY_FAILED;
		r->verify_note = efl_result_code_name(r->code);
		snprintf(r->message, sizeof(r->message), "during the soak: %s",
		    detail);
		efl_out_push_soak_failed(p->out, r);
		efl_wave_run_soak_failed(&p->run, i);
	}
	efl_wave_run_checked(&p->run);
	checkpoint(p);
}

/* The soak of wave w begins: mark the record of each updated device. */
static void
soak_begin(struct push *p, uint32_t w)
{
	struct efl_verifier *v = p->opts->verifier;
	uint32_t i;

	if (v == NULL || v->soak_mark == NULL)
		return;
	for (i = 0; i < p->n; i++)
		if (p->plan.wave_of[i] == (int32_t)w && p->rows[i].ok &&
		    !p->rows[i].skipped)
			p->slots[i].soak_marked = v->soak_mark(v,
			    &p->targets[i], &p->slots[i].soak_mark) == 0;
}

/* What the staged rollout allows now: the queue's limit, a wave begun,
 * a soak timed and checked, a halt. 1 when the queue may go on. */
static int
pump_waves(struct push *p)
{
	uint64_t now = efl_now_ms();
	enum efl_wave_state st;
	uint32_t w;

	if (p->report->canceled)
		return 1;
	for (;;) {
		st = efl_wave_run_poll(&p->run, now);
		efl_rollout_set_limit(&p->rollout, p->run.limit);
		while (p->staged && p->wave_shown <= p->run.current &&
		    st != EFL_WAVE_HALTED) {
			struct efl_wave_info wi;

			w = p->wave_shown++;
			p->wave_start_ms[w] = now;
			if (p->plan.count[w] == 0 || w < p->run.current) {
				p->wave_ended[w] = 1;
				continue;
			}
			wave_info(p, w, 0, &wi);
			efl_out_push_wave(p->out, &wi);
		}
		switch (st) {
		case EFL_WAVE_SOAKING:
			if (!p->slots_marked_for_soak) {
				p->slots_marked_for_soak = 1;
				soak_begin(p, p->run.current);
			}
			uv_timer_start(&p->wake, on_wake, p->run.soak_until - now,
			    0);
			return 1;
		case EFL_WAVE_CHECKING:
			p->slots_marked_for_soak = 0;
			if (p->opts->verifier != NULL &&
			    p->opts->verifier->soak_check != NULL)
				soak_check(p, p->run.current);
			else
				efl_wave_run_checked(&p->run);
			continue;
		case EFL_WAVE_HALTED:
			if (!p->halt_done && !p->report->canceled)
				halt_rest(p);
			return 1;
		default:
			return 1;
		}
	}
}

static void
pump(struct push *p)
{
	if (p->pumping) {
		p->repump = 1;
		return;
	}
	p->pumping = 1;
	do {
		p->repump = 0;
		pump_queue(p);
	} while (p->repump && !p->all_done);
	p->pumping = 0;
	write_checkpoint(p);
}

static void
pump_queue(struct push *p)
{
	if (!p->all_done)
		pump_waves(p);
	for (;;) {
		struct efl_next next = efl_rollout_next(&p->rollout,
		    efl_now_ms());

		switch (next.kind) {
		case EFL_NEXT_START:
			if (p->report->canceled) {
				efl_rollout_cancel_pending(&p->rollout);
				continue;
			}
			start_attempt(p, next.index);
			continue;
		case EFL_NEXT_WAIT:
			if (p->run.state != EFL_WAVE_SOAKING ||
			    p->run.soak_until > efl_now_ms() + next.wait_ms)
				uv_timer_start(&p->wake, on_wake, next.wait_ms,
				    0);
			return;
		case EFL_NEXT_FULL:
			return;
		case EFL_NEXT_DONE:
			all_done(p);
			return;
		}
	}
}

static void
on_tick(uv_timer_t *t)
{
	struct push *p = t->data;

	efl_out_push_tick(p->out, p->rows, p->n);
}

static void
on_cancel(struct efl_cancel_hook *h, int signum)
{
	struct push *p = (struct push *)((char *)h -
	    offsetof(struct push, cancel));
	uint32_t i;

	(void)signum;
	if (p->report->canceled || p->all_done)
		return;
	p->report->canceled = 1;
	efl_out_notice(p->out, "espfleet", "interrupted: canceling");
	efl_rollout_cancel_pending(&p->rollout);
	for (i = 0; i < p->n; i++) {
		struct slot *sl = &p->slots[i];
		struct efl_push_row *r = &p->rows[i];

		if (sl->session != NULL) {
			efl_transport_cancel(transport_of(p, i), sl->session);
		} else if (sl->verifying) {
			p->opts->verifier->cancel(p->opts->verifier, sl);
			sl->verifying = 0;
			finalize(sl, EFL_R_CANCELED, "canceled while verifying",
			    r->total, -1, NULL);
		} else if (!r->finished) {
			r->finished = 1;
			r->finished_ms = efl_now_ms();
			r->code = EFL_R_CANCELED;
			snprintf(r->message, sizeof(r->message),
			    "canceled before it %s", r->attempts ?
			    "was retried" : "started");
			efl_out_push_result(p->out, r);
		}
	}
	pump(p);
}

int
efl_push_plan(struct efl_wave_plan *plan, const struct efl_wave_policy *waves,
    const int32_t *fixed, const struct efl_target *t, uint32_t n)
{
	static const struct efl_wave_policy unstaged;
	const char **names = xcalloc(n ? n : 1, sizeof(*names));
	int *eligible = xcalloc(n ? n : 1, sizeof(*eligible));
	int staged = waves != NULL && efl_wave_policy_staged(waves);
	uint32_t i;

	for (i = 0; i < n; i++) {
		names[i] = efl_target_name(&t[i]);
		eligible[i] = !staged || t[i].skip_reason == NULL;
	}
	efl_wave_plan_make(plan, staged ? waves : &unstaged, names, eligible,
	    staged ? fixed : NULL, n);
	free(names);
	free(eligible);
	return staged;
}

void
efl_push_row_init(struct efl_push_row *r, const struct efl_target *t,
    uint32_t total)
{
	const char *label = efl_target_name(t);

	memset(r, 0, sizeof(*r));
	efl_printable(r->label, sizeof(r->label), label, strlen(label));
	efl_printable(r->target, sizeof(r->target), t->label,
	    strlen(t->label));
	snprintf(r->addr, sizeof(r->addr), "%s", t->addr_text);
	r->port = t->port;
	r->total = total;
	r->verified = -1;
}

void
efl_push_run(uv_loop_t *loop, const struct efl_push_opts *opts,
    const struct efl_image *img, const struct efl_secret *pw,
    struct efl_target *targets, uint32_t n, struct efl_out *out,
    struct efl_push_report *report)
{
	struct push *p = xcalloc(1, sizeof(*p));
	struct efl_push_summary *s = &report->summary;
	uint32_t i;

	memset(report, 0, sizeof(*report));
	p->loop = loop;
	p->opts = opts;
	p->img = img;
	p->pw = pw;
	p->targets = targets;
	p->n = n;
	p->out = out;
	p->report = report;
	p->rows = xcalloc(n ? n : 1, sizeof(*p->rows));
	p->slots = xcalloc(n ? n : 1, sizeof(*p->slots));
	p->staged = efl_push_plan(&p->plan, opts->waves, opts->fixed_waves,
	    targets, n);
	for (i = 0; i < n; i++) {
		efl_push_row_init(&p->rows[i], &targets[i], img->size);
		p->rows[i].in_wave = p->staged && p->plan.wave_of[i] >= 0;
		p->rows[i].wave = p->rows[i].in_wave ?
		    (uint32_t)p->plan.wave_of[i] : 0;
		p->slots[i].p = p;
		p->slots[i].index = i;
	}
	for (i = 0; i < n; i++)
		p->slots[p->plan.order[i]].pos = i;
	efl_rollout_init(&p->rollout, n, opts->jobs, opts->retries,
	    opts->backoff_ms);
	efl_wave_run_init(&p->run, p->staged ? opts->waves : &p->unstaged,
	    &p->plan);
	uv_timer_init(loop, &p->wake);
	uv_timer_init(loop, &p->tick);
	p->wake.data = p->tick.data = p;
	p->handles_open = 2;
	if (efl_out_mode(out) == EFL_OUT_TTY)
		uv_timer_start(&p->tick, on_tick, 250, 250);
	p->started_ms = efl_now_ms();
	efl_out_push_begin(out, img->path, img->size, img->md5_hex,
	    opts->command, n, opts->via != NULL ? opts->via :
	    opts->transport->kind->name);
	/* canceled already: every target is canceled before it starts */
	efl_loop_on_cancel(loop, &p->cancel, on_cancel);
	checkpoint(p);
	pump(p);
	efl_loop_run_until(loop, &p->all_done);
	efl_loop_cancel_remove(loop, &p->cancel);
	write_checkpoint(p);
	while (p->handles_open > 0)
		uv_run(loop, UV_RUN_ONCE);

	memset(s, 0, sizeof(*s));
	s->targets = n;
	s->seconds = (double)(efl_now_ms() - p->started_ms) / 1000.0;
	for (i = 0; i < n; i++) {
		const struct efl_push_row *r = &p->rows[i];

		if (r->skipped && r->code == EFL_R_HALTED) {
			s->halted++;
		} else if (r->skipped) {
			s->skipped++;
		} else if (r->ok) {
			s->updated++;
			s->bytes += r->bytes;
			s->image_bytes += r->image_bytes;
		} else {
			s->failed++;
			s->by_code[r->code]++;
		}
	}
	if (report->halted)
		s->halt_reason = report->halt_reason;
	efl_out_push_summary(out, p->rows, n, s);
	report->rows = p->rows;
	report->started_ms = p->started_ms;
	efl_rollout_free(&p->rollout);
	efl_wave_plan_free(&p->plan);
	free(p->slots);
	free(p);
}

void
efl_push_report_free(struct efl_push_report *report)
{
	free(report->rows);
	report->rows = NULL;
}
