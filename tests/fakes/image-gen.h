/* SPDX-License-Identifier: MIT */
/*
 * Deterministic test images for the core's flash tests: xorshift32 bytes,
 * first byte 0xE9 (the ESP8266 magic), reproducible from a seed in pieces
 * of any size. Header-only (static inline) like fake-port.h.
 */
#ifndef EFL_TEST_IMAGE_GEN_H
#define EFL_TEST_IMAGE_GEN_H

#include <stdint.h>

struct gen {
	uint32_t x, pos;
};

static inline void
gen_init(struct gen *g, uint32_t seed)
{
	g->x = seed * 2654435761u + 1u;
	g->pos = 0;
}

static inline void
gen_fill(struct gen *g, uint8_t *out, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		g->x ^= g->x << 13;
		g->x ^= g->x >> 17;
		g->x ^= g->x << 5;
		out[i] = g->pos++ == 0 ? 0xE9 : (uint8_t)(g->x >> 24);
	}
}

#endif
