/* SPDX-License-Identifier: MIT */
/*
 * The connect-back listener of the espota transport (listener.c, used by
 * espota.c): a TCP listener that hands each incoming connection to the
 * session expecting that peer address. Per session (ephemeral port) by
 * default; one shared by all sessions with --host-port. Two sessions may
 * not expect the same peer at once (listener__expect fails).
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

/* Receives an accepted connection; the callee owns conn (heap uv_tcp_t,
 * data pointer free for its use) and must uv_close it eventually. */
typedef void (*listener__conn_cb)(void *arg, uv_tcp_t *conn,
    const struct sockaddr *peer);

/* Hand connections from peer's IP address to cb. 0, or -1 (eb) if another
 * session already expects that address. Takes a reference. */
int listener__expect(struct efl_listener *l, const struct sockaddr *peer,
    listener__conn_cb cb, void *arg, struct efl_errbuf *eb);

/* Stop expecting (by arg); drops the reference taken by expect. */
void listener__forget(struct efl_listener *l, void *arg);

/* The last connection from an unexpected address, for diagnostics ("" if
 * none). */
const char *listener__stray(const struct efl_listener *l);

#endif
