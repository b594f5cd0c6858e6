/* SPDX-License-Identifier: MIT */
/*
 * Internals of the connect-back listener shared between listener.c and
 * espota.c (see efl_listener_* in espota.h).
 */
#ifndef ESPFLEET_PUSH_LISTENER_H
#define ESPFLEET_PUSH_LISTENER_H

#include <uv.h>

#include "espfleet/espota.h"

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
