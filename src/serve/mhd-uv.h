/* SPDX-License-Identifier: MIT */
/*
 * libmicrohttpd on a libuv loop (docs/architecture.md 6), so that HTTP servers
 * run on the one loop of the process, without threads. Private to the files
 * that see libmicrohttpd (src/serve/serve-http.c, espfleet-sim's update page);
 * nothing else sees MHD types.
 */
#ifndef ESPFLEET_MHD_UV_H
#define ESPFLEET_MHD_UV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>

typedef struct uv_loop_s uv_loop_t;
struct efl_mhd_uv;

struct efl_mhd_uv_config {
	const struct sockaddr *addr;          /* listen here (port set) */
	MHD_AccessHandlerCallback handler;
	void *handler_cls;
	MHD_RequestCompletedCallback completed; /* or NULL */
	void *completed_cls;
	unsigned timeout_s;          /* idle connections dropped; 0: never */
	unsigned max_connections;    /* 0: libmicrohttpd's default */
	unsigned per_ip_limit;       /* connections from one address at
	                                once, more are closed; 0: no limit */
	MHD_NotifyConnectionCallback connection; /* opened/closed, or NULL */
	void *connection_cls;
	size_t connection_memory;    /* per connection; 0: default 32 KiB */
};

/*
 * Listen on cfg->addr (SO_REUSEADDR) and start a daemon there on loop.
 * NULL with a message ("cannot listen on 192.0.2.1:80: ...") in err.
 */
struct efl_mhd_uv *efl_mhd_uv_start(uv_loop_t *loop,
    const struct efl_mhd_uv_config *cfg, char *err, size_t errlen);

/* The port it listens on (the one asked for, or the one picked for 0). */
uint16_t efl_mhd_uv_port(const struct efl_mhd_uv *m);

/*
 * Stop the daemon: connections closed (their completed callbacks run from
 * here), the listening socket too. From inside a handler it happens as
 * soon as the daemon's current run returns. The memory goes once the loop
 * has run the close callbacks. NULL is a no-op.
 */
void efl_mhd_uv_stop(struct efl_mhd_uv *m);

#endif
