/* SPDX-License-Identifier: MIT */
/*
 * Internal to the core: the Merkle-Damgard framing MD5 and SHA-256 share
 * (64-byte blocks, a 64-bit byte count, 0x80 padding and the bit count at
 * the end), written once; each hash supplies its compression function.
 */
#ifndef EFA_HASH_BLOCK_H
#define EFA_HASH_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "efa/efa_hash.h"

typedef void (*efa__compress_fn)(uint32_t *state, const uint8_t *block);

void efa__hash_buf_init(struct efa_hash_buf *b);

/* Feed len bytes, compressing every complete block into state. */
void efa__hash_update(uint32_t *state, struct efa_hash_buf *b,
    const void *data, size_t len, efa__compress_fn compress);

/* Pad and compress the last block(s): the bit count goes into the last
 * 8 bytes little-endian (MD5) or big-endian (SHA-256). */
void efa__hash_pad(uint32_t *state, struct efa_hash_buf *b,
    efa__compress_fn compress, int big_endian);

#endif
