/* SPDX-License-Identifier: MIT */
/*
 * The connect-back listener (see listener.h): accepts the devices' TCP
 * connections and hands each to the session that expects its peer address.
 * Refcounted: open() holds one reference, each expecting session one more.
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
	void *arg;
	struct waiter *next;
};

struct efl_listener {
	uv_tcp_t tcp;
	uv_loop_t *loop;
	uint16_t port;
	int refs;
	int closing;
	struct waiter *waiters;
	char stray[64];
};

static void
free_conn(uv_handle_t *h)
{
	free(h);
}

static void
on_connection(uv_stream_t *server, int status)
{
	struct efl_listener *l = server->data;
	struct sockaddr_storage peer;
	int len = sizeof(peer);
	struct waiter *w;
	uv_tcp_t *conn;

	if (status != 0)
		return;
	conn = xmalloc(sizeof(*conn));
	uv_tcp_init(l->loop, conn);
	if (uv_accept(server, (uv_stream_t *)conn) != 0 ||
	    uv_tcp_getpeername(conn, (struct sockaddr *)&peer, &len) != 0) {
		uv_close((uv_handle_t *)conn, free_conn);
		return;
	}
	for (w = l->waiters; w != NULL; w = w->next) {
		if (efl_sockaddr_same_addr((struct sockaddr *)&peer,
		    (struct sockaddr *)&w->peer)) {
			w->cb(w->arg, conn, (struct sockaddr *)&peer);
			return;
		}
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
	rc = uv_tcp_bind(&l->tcp, bind_addr, 0);
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
		l->closing = 1;
		uv_close((uv_handle_t *)&l->tcp, free_conn);
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

void
efl_listener_release(struct efl_listener *l)
{
	if (l == NULL || --l->refs > 0 || l->closing)
		return;
	l->closing = 1;
	uv_close((uv_handle_t *)&l->tcp, free_conn);
}

int
listener__expect(struct efl_listener *l, const struct sockaddr *peer,
    listener__conn_cb cb, void *arg, struct efl_errbuf *eb)
{
	struct waiter *w;

	for (w = l->waiters; w != NULL; w = w->next) {
		if (efl_sockaddr_same_addr(peer, (struct sockaddr *)&w->peer)) {
			char a[64];

			efl_sockaddr_text(peer, a, sizeof(a));
			efl_errbuf_set(eb, "another upload to %s is already "
			    "waiting on the shared port %u", a, l->port);
			return -1;
		}
	}
	w = xcalloc(1, sizeof(*w));
	efl_sockaddr_copy(&w->peer, peer);
	w->cb = cb;
	w->arg = arg;
	w->next = l->waiters;
	l->waiters = w;
	l->refs++;
	return 0;
}

void
listener__forget(struct efl_listener *l, void *arg)
{
	struct waiter **pp, *w;

	for (pp = &l->waiters; (w = *pp) != NULL; pp = &w->next) {
		if (w->arg == arg) {
			*pp = w->next;
			free(w);
			efl_listener_release(l);
			return;
		}
	}
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
