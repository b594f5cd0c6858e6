/* SPDX-License-Identifier: MIT */
/*
 * DNS-SD TXT records as espfleet reads them: raw items into key/value
 * pairs (RFC 6763 6: first occurrence of a key wins), problems reported
 * with a reason rather than trusted, and the values espfleet interprets
 * (docs/protocol.md 6, efa_mdns.h) checked before use. Pure: no avahi, no I/O.
 */
#ifndef ESPFLEET_DISCOVER_TXT_H
#define ESPFLEET_DISCOVER_TXT_H

#include <stddef.h>
#include <stdint.h>

#include "espfleet/discover.h"

/* Called with a reason ("TXT item 'x' has no '=': skipped"); the reason
 * is built from escaped text and is printable. */
typedef void (*txt_problem_fn)(void *arg, const char *reason);

/*
 * Parse n raw items (item[i] of len[i] bytes, not NUL-terminated) into a
 * new array of pairs (*nout of them; NULL when none). Items without '=',
 * with an empty, binary or over-long key, or repeating a key are skipped
 * and reported; values that are not printable text are kept escaped and
 * reported.
 */
struct efl_txt_item *txt__parse(const uint8_t *const *item,
    const size_t *len, uint32_t n, uint32_t *nout, txt_problem_fn problem,
    void *arg);

struct efl_txt_item *txt__copy(const struct efl_txt_item *t, uint32_t n);
void txt__free(struct efl_txt_item *t, uint32_t n);

/* 1 if both hold the same pairs in the same order. */
int txt__equal(const struct efl_txt_item *a, uint32_t na,
    const struct efl_txt_item *b, uint32_t nb);

/*
 * Fill d's derived fields (board, auth_upload, agent, md5, version,
 * free_space, flash_size, chip, auth, state, rejected) from d->txt; a
 * malformed value of a key espfleet interprets is reported and treated as
 * unknown. problem may be NULL.
 */
void txt__derive(struct efl_device *d, txt_problem_fn problem, void *arg);


#endif
