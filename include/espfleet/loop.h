/* SPDX-License-Identifier: MIT */
/*
 * The one owner of the libuv loop of a command (core/loop.c). main opens
 * it for the commands that ask (EFL_CMD_LOOP in cmd.h), hands it to the
 * command, and closes it afterwards: pending closes complete, handles
 * still open are named ("handles left open at exit") and closed, then the
 * loop itself. SIGINT, SIGTERM and SIGHUP are caught from the start and
 * become one cancel: the first signal runs the cancel hooks registered at
 * that moment (the push engine, the server, an upload) and is remembered
 * for code that waits (efl_loop_canceled); later ones change nothing.
 * Everything else takes the uv_loop_t it runs on; a loop that is not
 * owned here (a unit test's) is never canceled.
 */
#ifndef ESPFLEET_LOOP_H
#define ESPFLEET_LOOP_H

#include <stdint.h>

#include "error.h"

typedef struct uv_loop_s uv_loop_t;

/* A new loop with the signal handlers, or NULL with the reason in eb (no
 * file descriptor left for it). */
uv_loop_t *efl_loop_open(struct efl_errbuf *eb);

/* Tear down (see above) and free; NULL is a no-op. */
void efl_loop_close(uv_loop_t *loop);

/* The signal that canceled the command, or 0. */
int efl_loop_canceled(uv_loop_t *loop);

/* Run the loop until *done is set (by a callback). */
void efl_loop_run_until(uv_loop_t *loop, const int *done);

/* A cancel hook: the first signal calls cb(h, signum) once. Embedded by
 * its owner, who removes it before it goes away. */
struct efl_cancel_hook {
	void (*cb)(struct efl_cancel_hook *h, int signum);
	struct efl_cancel_hook *next;   /* the loop's */
};

/* Register h; when the command was canceled already, cb runs now. */
void efl_loop_on_cancel(uv_loop_t *loop, struct efl_cancel_hook *h,
    void (*cb)(struct efl_cancel_hook *h, int signum));
void efl_loop_cancel_remove(uv_loop_t *loop, struct efl_cancel_hook *h);

/* The loop's handles are file descriptors: raise the soft limit on open
 * files to the hard one (a push to a thousand devices holds a few
 * sockets each). Returns the limit then in force. */
uint64_t efl_fd_limit_raise(void);
/* The soft limit on open files now. */
uint64_t efl_fd_limit(void);

#endif
