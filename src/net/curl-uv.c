/* SPDX-License-Identifier: MIT */
/*
 * libcurl multi on libuv (curl-uv.h): CURLMOPT_SOCKETFUNCTION -> one
 * uv_poll_t per socket (context attached with curl_multi_assign),
 * CURLMOPT_TIMERFUNCTION -> one uv_timer_t, curl_multi_socket_action from
 * their callbacks, curl_multi_info_read for what finished. Handles close
 * with uv_close and are freed in the close callback. Nothing blocks.
 */
#include <stdlib.h>
#include <uv.h>

#include "curl-uv.h"

struct sockpoll;

struct efl_curl_uv {
	CURLM *multi;
	uv_loop_t *loop;
	uv_timer_t timer;
	struct sockpoll *polls;   /* live ones (not closing) */
	unsigned handles;         /* uv handles not yet through close_cb */
	int freed;                /* release with the last handle */
};

struct sockpoll {
	uv_poll_t poll;
	struct efl_curl_uv *c;
	curl_socket_t fd;
	struct sockpoll *next;
};

static void
release(struct efl_curl_uv *c)
{
	if (--c->handles == 0 && c->freed) {
		free(c);
		curl_global_cleanup();
	}
}

static void
poll_closed(uv_handle_t *h)
{
	struct sockpoll *sp = h->data;
	struct efl_curl_uv *c = sp->c;

	free(sp);
	release(c);
}

static void
poll_close(struct sockpoll *sp)
{
	struct sockpoll **pp;

	for (pp = &sp->c->polls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sp) {
			*pp = sp->next;
			break;
		}
	uv_close((uv_handle_t *)&sp->poll, poll_closed);
}

/* Hand every finished transfer back to its owner. */
static void
collect(struct efl_curl_uv *c)
{
	struct efl_curl_job *job;
	CURLMsg *msg;
	CURLcode result;
	CURL *easy;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		result = msg->data.result;
		job = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&job);
		curl_multi_remove_handle(c->multi, easy);
		if (job != NULL)
			job->done(job, result);
	}
}

static void
act(struct efl_curl_uv *c, curl_socket_t fd, int flags)
{
	int running;

	curl_multi_socket_action(c->multi, fd, flags, &running);
	collect(c);
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	struct sockpoll *sp = h->data;
	int flags = 0;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	act(sp->c, sp->fd, flags);
}

static void
on_timeout(uv_timer_t *t)
{
	act(t->data, CURL_SOCKET_TIMEOUT, 0);
}

static int
on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct efl_curl_uv *c = userp;
	struct sockpoll *sp = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sp != NULL) {
			if (!c->freed)
				curl_multi_assign(c->multi, fd, NULL);
			poll_close(sp);
		}
		return 0;
	}
	if (sp == NULL) {
		sp = calloc(1, sizeof(*sp));
		if (sp == NULL)
			return -1;
		if (uv_poll_init_socket(c->loop, &sp->poll, fd) != 0) {
			free(sp);
			return -1;
		}
		sp->poll.data = sp;
		sp->c = c;
		sp->fd = fd;
		sp->next = c->polls;
		c->polls = sp;
		c->handles++;
		curl_multi_assign(c->multi, fd, sp);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	return uv_poll_start(&sp->poll, events, on_poll) == 0 ? 0 : -1;
}

static int
on_timer_set(CURLM *multi, long timeout_ms, void *userp)
{
	struct efl_curl_uv *c = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

struct efl_curl_uv *
efl_curl_uv_new(uv_loop_t *loop)
{
	struct efl_curl_uv *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->multi = curl_multi_init()) == NULL) {
		free(c);
		curl_global_cleanup();
		return NULL;
	}
	c->loop = loop;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_set);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	c->handles = 1;
	return c;
}

int
efl_curl_uv_add(struct efl_curl_uv *c, struct efl_curl_job *job)
{
	curl_easy_setopt(job->easy, CURLOPT_PRIVATE, job);
	return curl_multi_add_handle(c->multi, job->easy) == CURLM_OK ? 0 : -1;
}

void
efl_curl_uv_remove(struct efl_curl_uv *c, struct efl_curl_job *job)
{
	curl_multi_remove_handle(c->multi, job->easy);
}

static void
timer_closed(uv_handle_t *h)
{
	release(h->data);
}

void
efl_curl_uv_free(struct efl_curl_uv *c)
{
	if (c == NULL)
		return;
	c->freed = 1;
	curl_multi_cleanup(c->multi);
	c->multi = NULL;
	while (c->polls != NULL)
		poll_close(c->polls);
	uv_close((uv_handle_t *)&c->timer, timer_closed);
}
