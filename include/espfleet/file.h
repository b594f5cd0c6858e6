/* SPDX-License-Identifier: MIT */
/*
 * Files written whole or not at all (reports, inventories, the rollout
 * state): through a temporary beside the file, synced to disk and renamed
 * into place once complete (the rename synced too), so that a reader never
 * sees half of one, a failed write leaves the old file, and a crash or
 * power loss leaves the old file or the new one.
 */
#ifndef ESPFLEET_FILE_H
#define ESPFLEET_FILE_H

#include <stdio.h>

#include "error.h"

/*
 * Write path with writer(fp, arg) (0, or -1 on a write error). 0, or -1
 * with "cannot write 'PATH': why" in eb (nothing changed at path).
 */
int efl_write_file(const char *path, int (*writer)(FILE *, const void *),
    const void *arg, struct efl_errbuf *eb);

#endif
