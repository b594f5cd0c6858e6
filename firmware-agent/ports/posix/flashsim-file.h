/* SPDX-License-Identifier: MIT */
/*
 * A file-backed store for the simulated flash (flashsim.h), for
 * espfleet-sim: one sparse file per device, so a fleet of simulated devices
 * does not hold its flash in RAM. POSIX only; not part of the core tests.
 */
#ifndef ESPFLEET_FLASHSIM_FILE_H
#define ESPFLEET_FLASHSIM_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "flashsim.h"

/*
 * The file holds the complement of every flash byte (~b), so an erased
 * flash (0xFF) is all zeros: a new file is a hole made by ftruncate, and an
 * erase punches a hole again (or writes zeros where holes are unsupported).
 */
struct flashsim_file {
	int fd;           /* -1 when closed */
	uint32_t size;    /* flash size in bytes */
	uint8_t no_punch; /* hole punching unsupported: erase writes zeros */
};

/*
 * Open (creating if needed) the flash image file 'path' of 'size' bytes and
 * fill *store_out with a store over it (ctx = ff; ff must outlive the
 * store). A new or empty file becomes a fully erased flash; an existing file
 * must be exactly 'size' bytes. Returns 0, or -1 with a message in err
 * (errlen bytes, always NUL-terminated; err may be NULL).
 */
int flashsim_file_open(struct flashsim_file *ff, const char *path,
    uint32_t size, struct flashsim_store *store_out, char *err,
    size_t errlen);

/* Close the file (a no-op if already closed). The data stays on disk. */
void flashsim_file_close(struct flashsim_file *ff);

#endif
