/* SPDX-License-Identifier: MIT */
/*
 * The loop owner of every command (see loop.h): init, the signals and
 * their one cancel path, running, and an orderly teardown.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "espfleet/common.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"

/* Loop turns for pending closes at teardown (each turn finishes the
 * closes asked for in the previous one). */
#define TEARDOWN_TURNS 64

static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
static const char *const signal_names[] = { "SIGINT", "SIGTERM", "SIGHUP" };

struct owner {
	uv_loop_t uv;
	uv_signal_t sig[ARRAY_SIZE(signals)];
	int canceled;                  /* the signal number */
	struct efl_cancel_hook *hooks;
	struct owner *next;
};

/* The loops owned here (one per process in practice); loop->data stays
 * free for others. */
static struct owner *owners;

static struct owner *
owner_of(uv_loop_t *loop)
{
	struct owner *o;

	for (o = owners; o != NULL; o = o->next)
		if (&o->uv == loop)
			return o;
	return NULL;
}

static void
on_signal(uv_signal_t *sig, int signum)
{
	struct owner *o = sig->data;
	struct efl_cancel_hook *h, *next;
	size_t i;

	if (o->canceled)
		return;
	o->canceled = signum;
	for (i = 0; i < ARRAY_SIZE(signals); i++)
		if (signals[i] == signum)
			efl_debug("%s: canceling", signal_names[i]);
	/* a hook may remove itself (or finish what it guards) */
	for (h = o->hooks; h != NULL; h = next) {
		next = h->next;
		h->cb(h, signum);
	}
}

uv_loop_t *
efl_loop_open(struct efl_errbuf *eb)
{
	struct owner *o = xcalloc(1, sizeof(*o));
	size_t i;
	int rc;

	if ((rc = uv_loop_init(&o->uv)) != 0) {
		efl_errbuf_set(eb, "cannot set up the event loop: %s",
		    uv_strerror(rc));
		free(o);
		return NULL;
	}
	o->next = owners;
	owners = o;
	/* a write or sendfile to a connection the device has reset fails
	 * with EPIPE, an error like any other, instead of ending the
	 * process (libuv leaves SIGPIPE alone) */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < ARRAY_SIZE(signals); i++) {
		uv_signal_init(&o->uv, &o->sig[i]);
		o->sig[i].data = o;
		uv_signal_start(&o->sig[i], on_signal, signals[i]);
		/* never what keeps the loop alive */
		uv_unref((uv_handle_t *)&o->sig[i]);
	}
	return &o->uv;
}

int
efl_loop_canceled(uv_loop_t *loop)
{
	struct owner *o = owner_of(loop);

	return o != NULL ? o->canceled : 0;
}

void
efl_loop_run_until(uv_loop_t *loop, const int *done)
{
	while (!*done)
		uv_run(loop, UV_RUN_ONCE);
}

void
efl_loop_on_cancel(uv_loop_t *loop, struct efl_cancel_hook *h,
    void (*cb)(struct efl_cancel_hook *h, int signum))
{
	struct owner *o = owner_of(loop);

	h->cb = cb;
	h->next = NULL;
	if (o == NULL)
		return;
	h->next = o->hooks;
	o->hooks = h;
	if (o->canceled)
		cb(h, o->canceled);
}

void
efl_loop_cancel_remove(uv_loop_t *loop, struct efl_cancel_hook *h)
{
	struct owner *o = owner_of(loop);
	struct efl_cancel_hook **pp;

	if (o == NULL)
		return;
	for (pp = &o->hooks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			return;
		}
}

struct census {
	size_t open, closing;
	char names[200];
};

static void
count_handle(uv_handle_t *h, void *arg)
{
	struct census *c = arg;
	size_t n;

	if (uv_is_closing(h)) {
		c->closing++;
		return;
	}
	c->open++;
	n = strlen(c->names);
	if (n + 24 < sizeof(c->names))
		snprintf(c->names + n, sizeof(c->names) - n, "%s%s",
		    n > 0 ? ", " : "", uv_handle_type_name(uv_handle_get_type(h)));
}

static void
close_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static struct census
take_census(uv_loop_t *loop)
{
	struct census c;

	memset(&c, 0, sizeof(c));
	uv_walk(loop, count_handle, &c);
	return c;
}

/* Turn the loop without waiting until no close is pending. */
static void
finish_closes(uv_loop_t *loop)
{
	int i;

	for (i = 0; i < TEARDOWN_TURNS && take_census(loop).closing > 0; i++)
		uv_run(loop, UV_RUN_NOWAIT);
}

void
efl_loop_close(uv_loop_t *loop)
{
	struct owner *o, **pp;
	struct census c;
	size_t i;

	if (loop == NULL)
		return;
	o = owner_of(loop);
	if (o != NULL) {
		for (i = 0; i < ARRAY_SIZE(o->sig); i++)
			uv_close((uv_handle_t *)&o->sig[i], NULL);
		for (pp = &owners; *pp != o; pp = &(*pp)->next)
			;
		*pp = o->next;
	}
	finish_closes(loop);
	c = take_census(loop);
	if (c.open > 0) {
		efl_debug("handles left open at exit: %s", c.names);
		uv_walk(loop, close_handle, NULL);
		finish_closes(loop);
	}
	/* requests still in flight (none expected) run to their end */
	if (uv_loop_close(loop) != 0) {
		uv_run(loop, UV_RUN_DEFAULT);
		if (uv_loop_close(loop) != 0) {
			efl_debug("the event loop could not be closed");
			return;   /* leaked: the process ends anyway */
		}
	}
	free(o);
}

uint64_t
efl_fd_limit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	return efl_fd_limit();
}

uint64_t
efl_fd_limit(void)
{
	struct rlimit rl;

	return getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (uint64_t)rl.rlim_cur : 0;
}
