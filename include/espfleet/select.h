/* SPDX-License-Identifier: MIT */
/*
 * Which discovered devices a push takes (push --all, --match, --board) and
 * which of those it skips (also an inventory's devices found over mDNS,
 * push --inventory --all): a device that already runs the image (its TXT
 * efa_md5), one without the room for it (efa_free), an unusable address,
 * the second service of one device (same address and port). Pure policy
 * over the devices discovery found: no avahi, no I/O (fleet/select.c).
 */
#ifndef ESPFLEET_SELECT_H
#define ESPFLEET_SELECT_H

#include <stdint.h>

struct efl_device;
struct efl_target;

struct efl_selection {
	const char *const *match;   /* shell patterns on the name; any */
	uint32_t nmatch;            /* 0: every name */
	const char *board;          /* TXT board (any case), or NULL */
	int command;                /* 0 application, 100 filesystem (the
	                               image checks apply to 0 only) */
	const char *image_md5;      /* lowercase hex */
	uint32_t image_size;
	uint16_t port;              /* talk to this port; 0: the one each
	                               device advertises */
};

/* 1 if the selection takes a device called name on board (NULL when
 * unknown): its board, one of the patterns. */
int efl_select_name_board(const struct efl_selection *sel, const char *name,
    const char *board);

/* 1 if the selection takes d (present, its board, one of the patterns). */
int efl_select_device(const struct efl_selection *sel,
    const struct efl_device *d);

/*
 * The devices[0..ndevs) the selection takes, as targets (*n of them, in
 * the order given), each with its skip_reason when it is skipped. The
 * array and the targets are the caller's (efl_target_free, free).
 */
struct efl_target *efl_select_targets(const struct efl_selection *sel,
    const struct efl_device *const *devices, uint32_t ndevs, uint32_t *n);

/*
 * An inventory's device t, found over mDNS as d (at its address): t takes
 * what d advertises (board, running image, free space, auth) and, unless
 * it has one, the skip reason of a discovered device that advertises
 * that (already running the image, not enough room).
 */
void efl_select_take_facts(const struct efl_selection *sel,
    struct efl_target *t, const struct efl_device *d);

#endif
