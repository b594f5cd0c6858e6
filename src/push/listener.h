/* SPDX-License-Identifier: MIT */
/*
 * The connect-back listener of the espota transport (listener.c, used by
 * espota.c): a TCP listener that hands each incoming connection to the
 * session expecting that peer address. Per session (ephemeral port) by
 * default; one shared by all sessions with --host-port (one per address
 * family). A connection says nothing but its address, so at most one
 * session expects a peer address at a time: a second session for the
 * same address (two devices behind one IP) waits in a queue until the
 * first has its connection or gives up, and only then invites its device.
 */
#ifndef ESPFLEET_PUSH_LISTENER_H
#define ESPFLEET_PUSH_LISTENER_H

#include <uv.h>

#include "espfleet/error.h"

struct efl_listener;

struct efl_listener *efl_listener_open(uv_loop_t *loop,
    const struct sockaddr *bind_addr, struct efl_errbuf *eb);
/* The same on port (a fixed --host-port) of host_ip, or of any address of
 * family when host_ip is NULL. */
struct efl_listener *efl_listener_open_port(uv_loop_t *loop,
    const struct sockaddr *host_ip, int family, uint16_t port,
    struct efl_errbuf *eb);
uint16_t efl_listener_port(const struct efl_listener *l);
/* Close when the last user is gone (open counts as one user). */
void efl_listener_release(struct efl_listener *l);

/*
 * What a session hears from the listener. conn: an accepted connection
 * from the expected address (the callee owns it: heap uv_tcp_t, data
 * pointer free for its use, uv_close it eventually), or NULL when the
 * listener can accept nothing more (listener__error says why: out of file
 * descriptors). ready: a queued session now expects its peer (it may
 * invite its device).
 */
typedef void (*listener__conn_cb)(void *arg, uv_tcp_t *conn,
    const struct sockaddr *peer);
typedef void (*listener__ready_cb)(void *arg);

/* Hand connections from peer's IP address to cb. 0: expecting now; 1:
 * queued behind another session expecting that address (ready is called
 * when its turn comes); -1 (eb): the listener is broken. Takes a
 * reference. */
int listener__expect(struct efl_listener *l, const struct sockaddr *peer,
    listener__conn_cb cb, listener__ready_cb ready, void *arg,
    struct efl_errbuf *eb);

/* Stop expecting or waiting (by arg); drops the reference taken by
 * expect; the next session queued for that address gets its turn. */
void listener__forget(struct efl_listener *l, void *arg);

/* The last connection from an unexpected address, for diagnostics ("" if
 * none). */
const char *listener__stray(const struct efl_listener *l);

/* Why the listener accepts nothing more ("" while it works). */
const char *listener__error(const struct efl_listener *l);

#endif
