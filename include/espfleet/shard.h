/* SPDX-License-Identifier: MIT */
/*
 * Shards (--shard K/N): N CI jobs each take the devices of one shard, so
 * that together they update the whole selection once, without talking to
 * each other. A device's shard depends on its name alone:
 *
 *   shard(name, N) = 1 + (first 8 bytes of SHA-256(name), big-endian) mod N
 *
 * over the exact bytes of the name (no case folding, no terminating NUL).
 * It does not depend on the order of the devices, on which of them are
 * present or up, or on the machine, and any tool can reproduce it:
 *   printf %s NAME | sha256sum | cut -c1-16    (then mod N, plus 1)
 * A plain hash modulo N rather than a consistent (jump or rendezvous)
 * hash: shards hold no state, so that a change of N moves most devices
 * to another job costs nothing, while anyone can recompute the rule with
 * sha256sum; SHA-256 spreads any names evenly (the bias of 2^64 mod N is
 * below 1e-15).
 */
#ifndef ESPFLEET_SHARD_H
#define ESPFLEET_SHARD_H

#include <stdint.h>

#include "error.h"

#define EFL_SHARD_MAX 10000u

struct efl_shard {
	uint32_t k;     /* 1..n */
	uint32_t n;     /* 1..EFL_SHARD_MAX */
};

/* "K/N" (decimal, 1 <= K <= N <= EFL_SHARD_MAX). 0, or -1 (eb: what is
 * wrong, for "--shard: ..."; callers exit EFL_EXIT_USAGE). */
int efl_shard_parse(const char *s, struct efl_shard *out,
    struct efl_errbuf *eb);

/* The shard (1..n) of the device called name; n >= 1. */
uint32_t efl_shard_of(const char *name, uint32_t n);

/* 1 if the device called name belongs to shard s. */
int efl_shard_contains(const struct efl_shard *s, const char *name);

#endif
