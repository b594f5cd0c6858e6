/* SPDX-License-Identifier: MIT */
/*
 * Process-wide setup that every command gets from main before anything
 * else (src/core/process.c): standard descriptors that are always valid,
 * SIGPIPE ignored; and how many descriptors are still free.
 */
#ifndef ESPFLEET_PROCESS_H
#define ESPFLEET_PROCESS_H

#include <stdint.h>

/*
 * Open /dev/null on whichever of fds 0, 1, 2 is closed (a socket or file
 * that landed there would otherwise be taken for stdin, stdout or stderr,
 * and libuv aborts when it closes one), and ignore SIGPIPE process-wide
 * (a reader that went away is a write error, seen where the write is
 * checked, never a death in the middle of an upload). 0, or -1 if a
 * standard descriptor could not be made valid.
 */
int efl_process_init(void);

/* How many descriptors can still be opened (counted by duplicating one,
 * up to max, then closing the copies). */
uint32_t efl_fd_free(uint32_t max);

#endif
