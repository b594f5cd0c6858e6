/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd on libuv (mhd-uv.h): the daemon runs with MHD_USE_EPOLL and
 * no thread of its own; its epoll fd is watched by one uv_poll_t, MHD_run
 * is called when it is readable, and MHD_get_timeout re-arms one uv_timer_t
 * after every run. We bind the listening socket ourselves, for a precise
 * error. Nothing blocks; handles close with uv_close.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "espfleet/sockaddr.h"
#include "mhd-uv.h"

struct efl_mhd_uv {
	struct MHD_Daemon *d;
	uv_poll_t poll;
	uv_timer_t timer;
	uint16_t port;
	int running;          /* inside MHD_run */
	int stop_requested;   /* efl_mhd_uv_stop from inside a handler */
	int handles;          /* uv handles not yet through close_cb */
};

static void halt(struct efl_mhd_uv *m);

static void on_timer(uv_timer_t *t);

/* One run of the daemon, then the timer for its next deadline. */
static void
run(struct efl_mhd_uv *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	m->running = 1;
	MHD_run(m->d);
	m->running = 0;
	if (m->stop_requested) {
		halt(m);
		return;
	}
	if (MHD_get_timeout(m->d, &ms) == MHD_YES)
		uv_timer_start(&m->timer, on_timer, (uint64_t)ms, 0);
	else
		uv_timer_stop(&m->timer);
}

static void
on_poll(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	run(h->data);
}

static void
on_timer(uv_timer_t *t)
{
	run(t->data);
}

static void
closed(uv_handle_t *h)
{
	struct efl_mhd_uv *m = h->data;

	if (--m->handles == 0)
		free(m);
}

static void
halt(struct efl_mhd_uv *m)
{
	m->stop_requested = 0;
	/* the poll stops watching at once; then the epoll fd may close */
	uv_close((uv_handle_t *)&m->poll, closed);
	uv_close((uv_handle_t *)&m->timer, closed);
	MHD_stop_daemon(m->d);
	m->d = NULL;
}

/* A bound, listening, non-blocking socket; -1 with err set. */
static int
listen_on(const struct sockaddr *sa, uint16_t *port, char *err,
    size_t errlen)
{
	struct sockaddr_storage got;
	socklen_t len = efl_sockaddr_len(sa);
	char text[80];
	int fd, on = 1, saved;

	efl_sockaddr_endpoint_text(sa, text, sizeof(text));
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, sa, len) != 0 || listen(fd, SOMAXCONN) != 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot listen on %s: %s", text,
		    strerror(saved));
		return -1;
	}
	len = sizeof(got);
	*port = 0;
	if (getsockname(fd, (struct sockaddr *)&got, &len) == 0)
		*port = efl_sockaddr_port((struct sockaddr *)&got);
	return fd;
}

struct efl_mhd_uv *
efl_mhd_uv_start(uv_loop_t *loop, const struct efl_mhd_uv_config *cfg,
    char *err, size_t errlen)
{
	struct MHD_OptionItem opts[8];
	const union MHD_DaemonInfo *info;
	struct efl_mhd_uv *m;
	char text[80];
	int fd, n = 0;

	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fd = listen_on(cfg->addr, &m->port, err, errlen);
	if (fd < 0) {
		free(m);
		return NULL;
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd,
		NULL };
	if (cfg->completed != NULL)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_NOTIFY_COMPLETED,
			(intptr_t)cfg->completed, cfg->completed_cls };
	if (cfg->timeout_s != 0)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, NULL };
	if (cfg->max_connections != 0)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
			NULL };
	if (cfg->per_ip_limit != 0)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_limit,
			NULL };
	if (cfg->connection != NULL)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_NOTIFY_CONNECTION,
			(intptr_t)cfg->connection, cfg->connection_cls };
	if (cfg->connection_memory != 0)
		opts[n++] = (struct MHD_OptionItem){
			MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			(intptr_t)cfg->connection_memory, NULL };
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	m->d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, cfg->handler,
	    cfg->handler_cls, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	info = m->d != NULL ? MHD_get_daemon_info(m->d,
	    MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (info == NULL) {
		efl_sockaddr_endpoint_text(cfg->addr, text, sizeof(text));
		snprintf(err, errlen, "cannot start the HTTP server on %s%s",
		    text, m->d == NULL ? "" : " (no epoll)");
		if (m->d != NULL)
			MHD_stop_daemon(m->d);
		else
			close(fd);
		free(m);
		return NULL;
	}
	uv_poll_init(loop, &m->poll, info->epoll_fd);
	uv_timer_init(loop, &m->timer);
	m->poll.data = m->timer.data = m;
	m->handles = 2;
	uv_poll_start(&m->poll, UV_READABLE, on_poll);
	run(m);
	return m;
}

uint16_t
efl_mhd_uv_port(const struct efl_mhd_uv *m)
{
	return m->port;
}

void
efl_mhd_uv_stop(struct efl_mhd_uv *m)
{
	if (m == NULL || m->d == NULL)
		return;
	if (m->running) {
		m->stop_requested = 1;
		return;
	}
	halt(m);
}
