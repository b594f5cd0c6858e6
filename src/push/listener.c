/* SPDX-License-Identifier: MIT */
/*
 * The connect-back listener (see listener.h): accepts the devices' TCP
 * connections and hands each to the session that expects its peer address;
 * sessions for an address already expected wait in line, first come first
 * served. Refcounted: open() holds one reference, each waiting or
 * expecting session one more; the struct lives until the last reference
 * is gone and the handle is closed.
 */
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/log.h"
#include "espfleet/target.h"
#include "listener.h"

struct waiter {
	struct sockaddr_storage peer;
	listener__conn_cb cb;
	listener__ready_cb ready;
	void *arg;
	int expecting;             /* else queued */
	int told;                  /* told the listener broke */
	struct waiter *next;
};

struct efl_listener {
	uv_tcp_t tcp;
	uv_loop_t *loop;
	uint16_t port;
	int refs;
	int closing, closed;
	struct waiter *waiters;    /* in arrival order */
	char stray[64];
	char error[200];
};

static void
free_conn(uv_handle_t *h)
{
	free(h);
}

static void
on_closed(uv_handle_t *h)
{
	struct efl_listener *l = h->data;

	l->closed = 1;
	if (l->refs == 0)
		free(l);
}

static void
close_listener(struct efl_listener *l)
{
	if (l->closing)
		return;
	l->closing = 1;
	uv_close((uv_handle_t *)&l->tcp, on_closed);
}

static struct waiter *
expecting(const struct efl_listener *l, const struct sockaddr *peer)
{
	struct waiter *w;

	for (w = l->waiters; w != NULL; w = w->next)
		if (w->expecting && efl_sockaddr_same_addr(peer,
		    (struct sockaddr *)&w->peer))
			return w;
	return NULL;
}

/*
 * Out of file descriptors: libuv's accept loop would retry at once,
 * forever (a spin), so the listener closes; every session waiting on it
 * hears so (and may forget itself meanwhile, hence the rescans).
 */
static void
broken(struct efl_listener *l, int status)
{
	struct waiter *w;

	snprintf(l->error, sizeof(l->error), "cannot accept the device's "
	    "connection on port %u: %s (raise the limit on open files, "
	    "ulimit -n, or lower --jobs)", l->port, uv_strerror(status));
	efl_warn("%s", l->error);
	l->refs++;   /* alive until every session was told */
	close_listener(l);
	for (;;) {
		for (w = l->waiters; w != NULL && w->told; w = w->next)
			;
		if (w == NULL)
			break;
		w->told = 1;
		w->cb(w->arg, NULL, NULL);
	}
	efl_listener_release(l);
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct efl_listener *l = server->data;
	struct sockaddr_storage peer;
	int len = sizeof(peer);
	struct waiter *w;
	uv_tcp_t *conn;

	if (status == UV_EMFILE || status == UV_ENFILE) {
		broken(l, status);
		return;
	}
	if (status != 0)
		return;
	conn = xmalloc(sizeof(*conn));
	uv_tcp_init(l->loop, conn);
	if (uv_accept(server, (uv_stream_t *)conn) != 0 ||
	    uv_tcp_getpeername(conn, (struct sockaddr *)&peer, &len) != 0) {
		uv_close((uv_handle_t *)conn, free_conn);
		return;
	}
	if ((w = expecting(l, (struct sockaddr *)&peer)) != NULL) {
		w->cb(w->arg, conn, (struct sockaddr *)&peer);
		return;
	}
	efl_sockaddr_text((struct sockaddr *)&peer, l->stray,
	    sizeof(l->stray));
	efl_debug("connection from unexpected address %s on port %u closed",
	    l->stray, l->port);
	uv_close((uv_handle_t *)conn, free_conn);
}

struct efl_listener *
efl_listener_open(uv_loop_t *loop, const struct sockaddr *bind_addr,
    struct efl_errbuf *eb)
{
	struct efl_listener *l = xcalloc(1, sizeof(*l));
	struct sockaddr_storage name;
	int len = sizeof(name), rc;

	l->loop = loop;
	l->refs = 1;
	uv_tcp_init(loop, &l->tcp);
	l->tcp.data = l;
	/* IPv6 for IPv6 alone: an IPv4 listener may share the port */
	rc = uv_tcp_bind(&l->tcp, bind_addr, bind_addr->sa_family ==
	    AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	if (rc == 0)
		/* a whole fleet may connect back at once to a shared --host-port */
		rc = uv_listen((uv_stream_t *)&l->tcp, SOMAXCONN, on_connection);
	if (rc == 0)
		rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&name,
		    &len);
	if (rc != 0) {
		char a[64];
		uint16_t port = efl_sockaddr_port(bind_addr);

		efl_sockaddr_text(bind_addr, a, sizeof(a));
		efl_errbuf_set(eb, "cannot listen on %s port %u for the "
		    "devices' connect-back: %s", a, port, uv_strerror(rc));
		l->refs = 0;
		close_listener(l);
		return NULL;
	}
	l->port = efl_sockaddr_port((struct sockaddr *)&name);
	return l;
}

uint16_t
efl_listener_port(const struct efl_listener *l)
{
	return l->port;
}

const char *
listener__stray(const struct efl_listener *l)
{
	return l->stray;
}

const char *
listener__error(const struct efl_listener *l)
{
	return l->error;
}

void
efl_listener_release(struct efl_listener *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	if (l->closed)
		free(l);
	else
		close_listener(l);   /* freed when closed */
}

int
listener__expect(struct efl_listener *l, const struct sockaddr *peer,
    listener__conn_cb cb, listener__ready_cb ready, void *arg,
    struct efl_errbuf *eb)
{
	struct waiter *w, **pp;

	if (l->error[0] != '\0') {
		efl_errbuf_set(eb, "%s", l->error);
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	efl_sockaddr_copy(&w->peer, peer);
	w->cb = cb;
	w->ready = ready;
	w->arg = arg;
	w->expecting = expecting(l, peer) == NULL;
	for (pp = &l->waiters; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = w;
	l->refs++;
	if (!w->expecting) {
		char a[64];

		efl_sockaddr_text(peer, a, sizeof(a));
		efl_debug("another upload to %s waits for its connect-back on "
		    "port %u: this one invites when it is done", a, l->port);
	}
	return w->expecting ? 0 : 1;
}

void
listener__forget(struct efl_listener *l, void *arg)
{
	struct waiter **pp, *w, *next = NULL;

	for (pp = &l->waiters; (w = *pp) != NULL; pp = &w->next)
		if (w->arg == arg)
			break;
	if (w == NULL)
		return;
	*pp = w->next;
	if (w->expecting && l->error[0] == '\0') {
		/* the first queued for that address gets its turn */
		for (next = l->waiters; next != NULL; next = next->next)
			if (!next->expecting && efl_sockaddr_same_addr(
			    (struct sockaddr *)&next->peer,
			    (struct sockaddr *)&w->peer))
				break;
		if (next != NULL)
			next->expecting = 1;
	}
	free(w);
	if (next != NULL && next->ready != NULL)
		next->ready(next->arg);
	efl_listener_release(l);
}

struct efl_listener *
efl_listener_open_port(uv_loop_t *loop, const struct sockaddr *host_ip,
    int family, uint16_t port, struct efl_errbuf *eb)
{
	struct sockaddr_storage b;

	memset(&b, 0, sizeof(b));
	if (host_ip != NULL)
		efl_sockaddr_copy(&b, host_ip);
	else
		b.ss_family = (sa_family_t)family;
	efl_sockaddr_set_port((struct sockaddr *)&b, port);
	return efl_listener_open(loop, (struct sockaddr *)&b, eb);
}
