/* SPDX-License-Identifier: MIT */
/*
 * AvahiPoll on libuv (avahi-uv.h): AvahiWatch -> one uv_poll_t per fd (libuv
 * allows one; D-Bus may watch a socket twice), AvahiTimeout -> uv_timer_t.
 * Handles close with uv_close and are freed in the close callback, also
 * when avahi frees them inside its callbacks. The only libuv+AvahiPoll file.
 */
#include <stdlib.h>
#include <sys/time.h>
#include <uv.h>

#include <avahi-common/timeval.h>

#include "avahi-uv.h"

struct fdpoll;

struct efl_avahi_uv {
	AvahiPoll api;
	uv_loop_t *loop;
	struct fdpoll *fds;      /* one per fd being watched (not closing) */
	unsigned handles;        /* uv handles not yet through close_cb */
	int freed;               /* release with the last handle */
};

/* All watches on one fd, and the single uv_poll_t that serves them. */
struct fdpoll {
	uv_poll_t poll;
	struct efl_avahi_uv *a;
	int fd;
	int uv_events;           /* what the handle polls for now */
	int dispatching;         /* inside on_poll: frees are deferred */
	AvahiWatch *watches;     /* in creation order; dead ones during
	                            dispatch */
	struct fdpoll *next;
};

struct AvahiWatch {
	struct fdpoll *fp;
	AvahiWatchEvent events;  /* wanted */
	AvahiWatchEvent revents; /* delivered, valid inside the callback */
	AvahiWatchCallback cb;
	void *userdata;
	int dead;
	AvahiWatch *next;
};

struct AvahiTimeout {
	uv_timer_t timer;
	struct efl_avahi_uv *a;
	AvahiTimeoutCallback cb;
	void *userdata;
};

static void
release(struct efl_avahi_uv *a)
{
	a->handles--;
	if (a->freed && a->handles == 0)
		free(a);
}

/* ---- watches ---- */

static void
fdpoll_closed(uv_handle_t *h)
{
	struct fdpoll *fp = h->data;
	struct efl_avahi_uv *a = fp->a;
	AvahiWatch *w, *next;

	for (w = fp->watches; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	free(fp);
	release(a);
}

static void
fdpoll_close(struct fdpoll *fp)
{
	struct fdpoll **pp;

	for (pp = &fp->a->fds; *pp != NULL; pp = &(*pp)->next)
		if (*pp == fp) {
			*pp = fp->next;
			break;
		}
	uv_close((uv_handle_t *)&fp->poll, fdpoll_closed);
}

static void on_poll(uv_poll_t *h, int status, int events);

/* Poll for the union of what the live watches want. */
static void
fdpoll_update(struct fdpoll *fp)
{
	AvahiWatch *w;
	int want = 0;

	for (w = fp->watches; w != NULL; w = w->next) {
		if (w->dead)
			continue;
		if (w->events & AVAHI_WATCH_IN)
			want |= UV_READABLE | UV_DISCONNECT;
		if (w->events & AVAHI_WATCH_OUT)
			want |= UV_WRITABLE;
	}
	if (want == fp->uv_events)
		return;
	if (want == 0 ? uv_poll_stop(&fp->poll) == 0 :
	    uv_poll_start(&fp->poll, want, on_poll) == 0)
		fp->uv_events = want;
}

/* Drop dead watches; close the poll handle when none is left. */
static void
fdpoll_sweep(struct fdpoll *fp)
{
	AvahiWatch **pp = &fp->watches, *w;

	while ((w = *pp) != NULL) {
		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	if (fp->watches == NULL)
		fdpoll_close(fp);
	else
		fdpoll_update(fp);
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct fdpoll *fp = h->data;
	AvahiWatchEvent ev = 0;
	AvahiWatch *w, *next;
	unsigned n = 0, i;

	if (status < 0) {
		ev = AVAHI_WATCH_ERR;
		fp->uv_events = 0;   /* libuv stopped the handle */
	} else {
		if (events & UV_READABLE)
			ev |= AVAHI_WATCH_IN;
		if (events & UV_WRITABLE)
			ev |= AVAHI_WATCH_OUT;
		if (events & UV_DISCONNECT)
			ev |= AVAHI_WATCH_HUP;
	}
	for (w = fp->watches; w != NULL; w = w->next)
		n++;
	/* Only the watches that existed when the event came; a callback may
	 * add watches (appended) or free any (marked dead, swept below). */
	fp->dispatching = 1;
	for (i = 0, w = fp->watches; i < n && w != NULL; i++, w = next) {
		AvahiWatchEvent mine;

		next = w->next;
		if (w->dead)
			continue;
		mine = ev & (w->events | AVAHI_WATCH_ERR | AVAHI_WATCH_HUP);
		if (mine == 0)
			continue;
		w->revents = mine;
		w->cb(w, fp->fd, mine, w->userdata);
		w->revents = 0;
	}
	fp->dispatching = 0;
	fdpoll_sweep(fp);
}

static AvahiWatch *
watch_new(const AvahiPoll *api, int fd, AvahiWatchEvent events,
    AvahiWatchCallback cb, void *userdata)
{
	struct efl_avahi_uv *a = api->userdata;
	struct fdpoll *fp;
	AvahiWatch *w, **pp;

	for (fp = a->fds; fp != NULL; fp = fp->next)
		if (fp->fd == fd)
			break;
	if (fp == NULL) {
		fp = calloc(1, sizeof(*fp));
		if (fp == NULL)
			return NULL;
		if (uv_poll_init(a->loop, &fp->poll, fd) != 0) {
			free(fp);
			return NULL;
		}
		fp->poll.data = fp;
		fp->a = a;
		fp->fd = fd;
		fp->next = a->fds;
		a->fds = fp;
		a->handles++;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		if (fp->watches == NULL)
			fdpoll_close(fp);
		return NULL;
	}
	w->fp = fp;
	w->events = events;
	w->cb = cb;
	w->userdata = userdata;
	for (pp = &fp->watches; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = w;
	fdpoll_update(fp);
	return w;
}

static void
watch_update(AvahiWatch *w, AvahiWatchEvent events)
{
	w->events = events;
	fdpoll_update(w->fp);
}

static AvahiWatchEvent
watch_get_events(AvahiWatch *w)
{
	return w->revents;
}

static void
watch_free(AvahiWatch *w)
{
	struct fdpoll *fp = w->fp;

	w->dead = 1;
	w->cb = NULL;
	if (!fp->dispatching)
		fdpoll_sweep(fp);
}

/* ---- timeouts ---- */

static void
on_timer(uv_timer_t *h)
{
	AvahiTimeout *t = h->data;

	/* one-shot: disabled now, the callback may re-arm or free it */
	t->cb(t, t->userdata);
}

static void
timeout_arm(AvahiTimeout *t, const struct timeval *tv)
{
	AvahiUsec age;
	uint64_t ms = 0;

	if (tv == NULL) {
		uv_timer_stop(&t->timer);
		return;
	}
	age = avahi_age(tv);     /* > 0: already due */
	if (age < 0)
		ms = (uint64_t)((-age + 999) / 1000);
	uv_update_time(t->a->loop);
	uv_timer_start(&t->timer, on_timer, ms, 0);
}

static AvahiTimeout *
timeout_new(const AvahiPoll *api, const struct timeval *tv,
    AvahiTimeoutCallback cb, void *userdata)
{
	struct efl_avahi_uv *a = api->userdata;
	AvahiTimeout *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (uv_timer_init(a->loop, &t->timer) != 0) {
		free(t);
		return NULL;
	}
	t->timer.data = t;
	t->a = a;
	t->cb = cb;
	t->userdata = userdata;
	a->handles++;
	timeout_arm(t, tv);
	return t;
}

static void
timeout_update(AvahiTimeout *t, const struct timeval *tv)
{
	timeout_arm(t, tv);
}

static void
timeout_closed(uv_handle_t *h)
{
	AvahiTimeout *t = h->data;
	struct efl_avahi_uv *a = t->a;

	free(t);
	release(a);
}

static void
timeout_free(AvahiTimeout *t)
{
	uv_close((uv_handle_t *)&t->timer, timeout_closed);
}

/* ---- the adapter ---- */

struct efl_avahi_uv *
efl_avahi_uv_new(uv_loop_t *loop)
{
	struct efl_avahi_uv *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->loop = loop;
	a->api.userdata = a;
	a->api.watch_new = watch_new;
	a->api.watch_update = watch_update;
	a->api.watch_get_events = watch_get_events;
	a->api.watch_free = watch_free;
	a->api.timeout_new = timeout_new;
	a->api.timeout_update = timeout_update;
	a->api.timeout_free = timeout_free;
	return a;
}

const AvahiPoll *
efl_avahi_uv_poll(struct efl_avahi_uv *a)
{
	return &a->api;
}

void
efl_avahi_uv_free(struct efl_avahi_uv *a)
{
	if (a == NULL)
		return;
	a->freed = 1;
	if (a->handles == 0)
		free(a);
}
