/* SPDX-License-Identifier: MIT */
/*
 * Small text helpers shared by the agent core and the host: lowercase hex,
 * constant-time comparison, decimal formatting without division (the
 * ESP8266 toolchain has no libgcc division helpers), bounded string copy.
 */
#ifndef EFA_UTIL_H
#define EFA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Write 2*len lowercase hex digits and a NUL to out (size >= 2*len+1). */
void efa_hex(char *out, const uint8_t *in, size_t len);

/* Parse exactly 2*len hex digits (either case) into out. 0 or -1. */
int efa_unhex(uint8_t *out, const char *in, size_t len);

/* 1 if s[0..len) are all hex digits (either case). */
int efa_is_hex(const char *s, size_t len);

/* Constant-time equality of two byte strings of equal length: 1 if equal. */
int efa_ct_equal(const void *a, const void *b, size_t len);

/* Case-insensitive ASCII equality of two byte strings of length len. */
int efa_ascii_casecmp_eq(const char *a, const char *b, size_t len);

/* Decimal text of v (no NUL); returns the number of digits (1..10).
 * out must hold 10 bytes. */
size_t efa_u32_dec(char *out, uint32_t v);

/* Bounded append of NUL-terminated src to out[*pos..cap), keeping a NUL.
 * Returns the new *pos. */
size_t efa_append(char *out, size_t cap, size_t pos, const char *src);

/* Bounded append of n bytes. */
size_t efa_append_n(char *out, size_t cap, size_t pos, const char *src,
    size_t n);

/* Length of a NUL-terminated string, at most max. */
size_t efa_strnlen(const char *s, size_t max);

#endif
