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
 * flash (0xFF) is all zeros: a new file is a hole made by ftruncate. An
 * erase writes zeros where the file has data and leaves holes alone: it
 * never gives disk blocks back, so what flashsim_file_reserve reserved
 * stays writable however full the disk gets.
 */
struct flashsim_file {
	int fd;           /* -1 when closed */
	uint32_t size;    /* flash size in bytes */
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

/*
 * Give [off, off + len) of the flash its disk blocks now (the data stays as
 * it is), so that writing there later cannot fail for want of space.
 * 0, or -1 with errno (ENOSPC, EDQUOT, EFBIG, ...).
 */
int flashsim_file_reserve(struct flashsim_file *ff, uint32_t off,
    uint32_t len);

/* Close the file (a no-op if already closed). The data stays on disk. */
void flashsim_file_close(struct flashsim_file *ff);

#endif
