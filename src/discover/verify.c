/* SPDX-License-Identifier: MIT */
/*
 * Verification after reboot (verify.h) on a discovery session: after a
 * device's OK, follow it on mDNS until it is back (and, for an agent that
 * says so, its new image confirmed or given up) or a deadline passes.
 * Only changes after the "before" snapshot count: avahi's cache outlives a
 * reboot, and its stale record never verifies or fails anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "espfleet/common.h"
#include "espfleet/text.h"
#include "espfleet/discover.h"
#include "espfleet/log.h"
#include "espfleet/target.h"
#include "espfleet/verify.h"

/* How often active watches are looked at. */
#define TICK_MS 100
/* A device that shows no change this long after its OK but advertises
 * the pushed MD5 (the same image again), or is a stock device (no MD5,
 * and a reboot without a goodbye leaves no trace), counts as back. */
#define GRACE_MS 5000

struct vwatch {
	const struct efl_target *t;   /* borrowed from the push */
	const struct efl_device *dev; /* NULL until mapped */
	int have_before;
	uint32_t before_changes;
	char before_md5[33];          /* "" unknown */
	/* active verification (watch() called, no outcome yet) */
	int active;
	int watching;                 /* efl_discover_watch(on) done */
	char image_md5[33];
	uint64_t start_ms, grace_ms, deadline_ms;
	uint32_t timeout_ms;
	efl_verify_cb cb;
	void *arg;
	struct vwatch *next;
};

struct mverifier {
	struct efl_verifier base;      /* first */
	uv_loop_t *loop;
	struct efl_discover *d;
	uv_timer_t tick;
	int ticking;
	struct vwatch *watches;
	int warned_unknown, warned_failed;
	int any_port;                  /* match by address alone, too */
};

static struct mverifier *
mv(struct efl_verifier *v)
{
	return (struct mverifier *)v;
}

static void
warn_unknown(struct mverifier *m, const struct efl_target *t)
{
	char shown[128];

	if (m->warned_unknown)
		return;
	m->warned_unknown = 1;
	efl_printable(shown, sizeof(shown), t->label, strlen(t->label));
	efl_warn("'%s' is not advertised over mDNS: pushed without "
	    "verification (as is any other such target)", shown);
}

static int
usable(struct mverifier *m)
{
	if (m->d == NULL)
		return 0;
	if (efl_discover_has_failed(m->d)) {
		if (!m->warned_failed) {
			m->warned_failed = 1;
			efl_warn("lost avahi-daemon: remaining targets are not "
			    "verified");
		}
		return 0;
	}
	return 1;
}

/* The device behind a target: by mDNS name (a target found there), else
 * by address and port (or by address alone with any_port): an inventory's
 * device is where the inventory says, whatever mDNS calls it. */
static const struct efl_device *
map(struct mverifier *m, const struct efl_target *t)
{
	const struct efl_device *dev = NULL;

	if (t->mdns_named)
		dev = efl_discover_find(m->d, t->name);
	if (dev == NULL && t->addr_text[0] != '\0')
		dev = efl_discover_find_addr(m->d, t->addr_text, t->port);
	if (dev == NULL && m->any_port && t->addr_text[0] != '\0')
		dev = efl_discover_find_addr(m->d, t->addr_text, 0);
	return dev;
}

static struct vwatch *
find_target(struct mverifier *m, const struct efl_target *t)
{
	struct vwatch *w;

	for (w = m->watches; w != NULL; w = w->next)
		if (w->t == t)
			return w;
	return NULL;
}

static void
snapshot(struct vwatch *w, const struct efl_device *dev)
{
	w->dev = dev;
	w->have_before = 1;
	w->before_changes = dev->changes;
	snprintf(w->before_md5, sizeof(w->before_md5), "%s",
	    dev->present && dev->md5 != NULL ? dev->md5 : "");
}

static int
v_knows(struct efl_verifier *v, const struct efl_target *t)
{
	struct mverifier *m = mv(v);

	if (!usable(m))
		return 0;
	if (map(m, t) != NULL)
		return 1;
	if (!efl_discover_is_complete(m->d))
		return 1;   /* the browse may still find it: decided in watch */
	warn_unknown(m, t);
	return 0;
}

static void
v_before(struct efl_verifier *v, const struct efl_target *t)
{
	struct mverifier *m = mv(v);
	struct vwatch *w = find_target(m, t);
	const struct efl_device *dev;

	if (!usable(m))
		return;
	if (w == NULL) {
		w = xcalloc(1, sizeof(*w));
		w->t = t;
		w->next = m->watches;
		m->watches = w;
	}
	dev = map(m, t);
	if (dev != NULL)
		snapshot(w, dev);
}

static void unwatch(struct mverifier *m, struct vwatch *w);

static void
finish(struct mverifier *m, struct vwatch *w, enum efl_verify_outcome o,
    const char *detail)
{
	efl_verify_cb cb = w->cb;
	void *arg = w->arg;

	unwatch(m, w);
	cb(arg, o, detail);
}

/* The device runs the pushed image: on trial (it has not confirmed it
 * yet) the verification waits. */
static int
on_trial(const struct efl_device *dev)
{
	return dev->state != NULL && strcmp(dev->state, "trial") == 0;
}

/* The device gave the pushed image up: it says rolled-back and the image
 * it rejected is the pushed one (an older rejection names another). */
static int
rejected_it(const struct vwatch *w, const struct efl_device *dev)
{
	return dev->state != NULL && strcmp(dev->state, "rolled-back") == 0 &&
	    dev->rejected != NULL &&
	    strcasecmp(dev->rejected, w->image_md5) == 0;
}

/* Still on trial at the deadline. */
static void
finish_unconfirmed(struct mverifier *m, struct vwatch *w)
{
	char detail[160];

	snprintf(detail, sizeof(detail), "the new image runs on trial: its "
	    "application did not confirm it within %.0f s (efa_state=trial)",
	    w->timeout_ms / 1000.0);
	finish(m, w, EFL_VERIFY_UNCONFIRMED, detail);
}

static void
evaluate(struct mverifier *m, struct vwatch *w, uint64_t now)
{
	const struct efl_device *dev;
	char detail[200], sec[EFL_SECONDS_TEXT_LEN];
	int fresh;

	if (!usable(m)) {
		finish(m, w, EFL_VERIFY_UNVERIFIED, NULL);
		return;
	}
	if (w->dev == NULL) {
		dev = map(m, w->t);
		if (dev == NULL) {
			if (efl_discover_is_complete(m->d) ||
			    now >= w->deadline_ms) {
				warn_unknown(m, w->t);
				finish(m, w, EFL_VERIFY_UNVERIFIED, NULL);
			}
			return;
		}
		/* found only now: what it advertises may already be the
		 * new state, and nothing is known from before */
		snapshot(w, dev);
		w->before_md5[0] = '\0';
	}
	if (!w->watching) {
		efl_discover_watch(m->d, w->dev, 1);
		w->watching = 1;
	}
	dev = w->dev;
	fresh = dev->changes > w->before_changes;
	if (dev->present && fresh && rejected_it(w, dev)) {
		snprintf(detail, sizeof(detail), "the device rejected the new "
		    "image (md5 %s) and rolled back to md5 %s", dev->rejected,
		    dev->md5 != NULL ? dev->md5 : "(unknown)");
		finish(m, w, EFL_VERIFY_ROLLED_BACK, detail);
		return;
	}
	if (dev->present && fresh) {
		if (dev->md5 == NULL) {
			finish(m, w, EFL_VERIFY_REBOOTED, NULL);
		} else if (strcasecmp(dev->md5, w->image_md5) == 0) {
			if (!on_trial(dev))
				finish(m, w, EFL_VERIFY_VERIFIED, NULL);
			else if (now >= w->deadline_ms)
				finish_unconfirmed(m, w);
		} else if (w->before_md5[0] != '\0' &&
		    strcasecmp(dev->md5, w->before_md5) == 0) {
			finish(m, w, EFL_VERIFY_OLD_IMAGE,
			    "device rebooted into its previous firmware");
		} else {
			snprintf(detail, sizeof(detail), "device came back "
			    "running another image (md5 %s)", dev->md5);
			finish(m, w, EFL_VERIFY_OLD_IMAGE, detail);
		}
		return;
	}
	if (dev->present && !fresh && now >= w->grace_ms) {
		if (dev->md5 == NULL) {
			finish(m, w, EFL_VERIFY_REBOOTED, NULL);
			return;
		}
		if (strcasecmp(dev->md5, w->image_md5) == 0 &&
		    !on_trial(dev)) {
			finish(m, w, EFL_VERIFY_VERIFIED, NULL);
			return;
		}
	}
	if (now < w->deadline_ms)
		return;
	if (dev->present && dev->md5 != NULL &&
	    strcasecmp(dev->md5, w->image_md5) == 0) {
		finish_unconfirmed(m, w);
		return;
	}
	if (dev->present && dev->md5 != NULL)
		snprintf(detail, sizeof(detail), "device was not seen "
		    "rebooting: it still advertises its previous firmware "
		    "(md5 %s)", dev->md5);
	else {
		efl_seconds_text(sec, w->timeout_ms);
		snprintf(detail, sizeof(detail), "device did not come back "
		    "within %s s", sec);
	}
	finish(m, w, EFL_VERIFY_NOT_BACK, detail);
}

static void
on_tick(uv_timer_t *h)
{
	struct mverifier *m = h->data;
	struct vwatch *w, *next;
	uint64_t now = efl_now_ms();
	int active = 0;

	for (w = m->watches; w != NULL; w = next) {
		next = w->next;   /* finish() may unlink w, never others */
		if (w->active)
			evaluate(m, w, now);
	}
	for (w = m->watches; w != NULL; w = w->next)
		active |= w->active;
	if (!active && m->ticking) {
		uv_timer_stop(&m->tick);
		m->ticking = 0;
	}
}

static void
v_watch(struct efl_verifier *v, const struct efl_target *t,
    const char *image_md5, uint32_t timeout_ms, efl_verify_cb cb, void *arg)
{
	struct mverifier *m = mv(v);
	struct vwatch *w = find_target(m, t);
	uint64_t now = efl_now_ms();

	if (w == NULL) {
		v_before(v, t);
		w = find_target(m, t);
		if (w == NULL) {
			cb(arg, EFL_VERIFY_UNVERIFIED, NULL);
			return;
		}
	}
	w->active = 1;
	w->cb = cb;
	w->arg = arg;
	w->timeout_ms = timeout_ms;
	snprintf(w->image_md5, sizeof(w->image_md5), "%s", image_md5);
	w->start_ms = now;
	w->deadline_ms = now + timeout_ms;
	w->grace_ms = now + (timeout_ms < GRACE_MS ? timeout_ms : GRACE_MS);
	if (!m->ticking) {
		uv_timer_start(&m->tick, on_tick, TICK_MS, TICK_MS);
		m->ticking = 1;
	}
	evaluate(m, w, now);
}

/* Forget w (no callback). */
static void
unwatch(struct mverifier *m, struct vwatch *w)
{
	struct vwatch **pp;

	if (w->watching && m->d != NULL)
		efl_discover_watch(m->d, w->dev, 0);
	for (pp = &m->watches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	free(w);
}

static void
v_cancel(struct efl_verifier *v, void *arg)
{
	struct mverifier *m = mv(v);
	struct vwatch *w;

	for (w = m->watches; w != NULL; w = w->next)
		if (w->active && w->arg == arg) {
			unwatch(m, w);
			return;
		}
}

static int
v_soak_mark(struct efl_verifier *v, const struct efl_target *t,
    uint32_t *mark)
{
	struct mverifier *m = mv(v);
	const struct efl_device *dev;

	if (!usable(m) || (dev = map(m, t)) == NULL)
		return -1;
	/* followed closely until the check: a changed record shows */
	efl_discover_watch(m->d, dev, 1);
	*mark = dev->changes;
	return 0;
}

static enum efl_verify_outcome
v_soak_check(struct efl_verifier *v, const struct efl_target *t,
    const char *image_md5, uint32_t mark, char *detail, size_t cap)
{
	struct mverifier *m = mv(v);
	const struct efl_device *dev;

	if (!usable(m) || (dev = map(m, t)) == NULL)
		return EFL_VERIFY_VERIFIED;   /* nothing known: no check */
	efl_discover_watch(m->d, dev, 0);
	if (!dev->present) {
		snprintf(detail, cap, "the device disappeared from mDNS");
		return EFL_VERIFY_NOT_BACK;
	}
	if (dev->state != NULL && strcmp(dev->state, "rolled-back") == 0) {
		snprintf(detail, cap, "the device rolled back to md5 %s "
		    "(efa_state=rolled-back)", dev->md5 != NULL ? dev->md5 :
		    "(unknown)");
		return EFL_VERIFY_ROLLED_BACK;
	}
	if (dev->md5 != NULL && strcasecmp(dev->md5, image_md5) != 0) {
		snprintf(detail, cap, "the device runs another image (md5 %s)",
		    dev->md5);
		return EFL_VERIFY_OLD_IMAGE;
	}
	if (dev->changes != mark) {
		snprintf(detail, cap, "the device rebooted or changed its "
		    "record (%u announcement%s)", dev->changes - mark,
		    dev->changes - mark == 1 ? "" : "s");
		return EFL_VERIFY_OLD_IMAGE;
	}
	return EFL_VERIFY_VERIFIED;
}

struct efl_verifier *
efl_discover_verifier_new(uv_loop_t *loop, struct efl_discover *d,
    int any_port)
{
	struct mverifier *m = xcalloc(1, sizeof(*m));

	m->any_port = any_port;
	m->base.knows = v_knows;
	m->base.before = v_before;
	m->base.watch = v_watch;
	m->base.cancel = v_cancel;
	m->base.soak_mark = v_soak_mark;
	m->base.soak_check = v_soak_check;
	m->loop = loop;
	m->d = d;
	uv_timer_init(loop, &m->tick);
	m->tick.data = m;
	return &m->base;
}

static void
tick_closed(uv_handle_t *h)
{
	free(h->data);
}

void
efl_discover_verifier_free(struct efl_verifier *v)
{
	struct mverifier *m;

	if (v == NULL)
		return;
	m = mv(v);
	while (m->watches != NULL)
		unwatch(m, m->watches);
	uv_close((uv_handle_t *)&m->tick, tick_closed);
}
