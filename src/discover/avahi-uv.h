/* SPDX-License-Identifier: MIT */
/*
 * avahi's AvahiPoll on a libuv loop (docs/architecture.md 6), so that
 * avahi-client runs on the one loop of the process. Private to the avahi-facing
 * files (src/discover/mdns.c, espfleet-sim's publisher, the mDNS test tools);
 * nothing else sees avahi types.
 */
#ifndef ESPFLEET_AVAHI_UV_H
#define ESPFLEET_AVAHI_UV_H

#include <avahi-common/watch.h>

typedef struct uv_loop_s uv_loop_t;
struct efl_avahi_uv;

/* A new adapter on loop, or NULL when out of memory. */
struct efl_avahi_uv *efl_avahi_uv_new(uv_loop_t *loop);

/* The AvahiPoll to pass to avahi_client_new (borrowed from the adapter). */
const AvahiPoll *efl_avahi_uv_poll(struct efl_avahi_uv *a);

/*
 * Release the adapter once every avahi object using it (the client) has
 * been freed. Its libuv handles close asynchronously: the memory goes when
 * the last close callback has run, so the loop must run afterwards.
 * NULL is a no-op.
 */
void efl_avahi_uv_free(struct efl_avahi_uv *a);

#endif
