/* SPDX-License-Identifier: MIT */
/*
 * A cursor over a libFuzzer input, shared by the harnesses: the input is
 * consumed as small integers and byte runs; past the end every read gives
 * zeros (and fuzz_left() is 0), so a harness never reads out of bounds and
 * short inputs still mean something.
 */
#ifndef EFL_FUZZ_INPUT_H
#define EFL_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct fuzz_in {
	const uint8_t *p;
	size_t len, pos;
};

static inline void
fuzz_init(struct fuzz_in *in, const uint8_t *p, size_t len)
{
	in->p = p;
	in->len = len;
	in->pos = 0;
}

static inline size_t
fuzz_left(const struct fuzz_in *in)
{
	return in->len - in->pos;
}

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	return in->pos < in->len ? in->p[in->pos++] : 0;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t v = fuzz_u8(in);

	return (uint16_t)(v | (uint16_t)fuzz_u8(in) << 8);
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
	uint32_t v = fuzz_u16(in);

	return v | (uint32_t)fuzz_u16(in) << 16;
}

/* Up to n bytes of the input, in place; *got says how many. */
static inline const uint8_t *
fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *p = in->p + in->pos;

	if (n > fuzz_left(in))
		n = fuzz_left(in);
	in->pos += n;
	*got = n;
	return p;
}

/* End the run on a finding (after the harness printed what it was). The
 * coverage build (run FUZZ_COVERAGE=1) goes on instead, so that one such
 * input in the corpus does not stop the measurement. */
static inline void
fuzz_abort(void)
{
#ifndef FUZZ_COVERAGE_BUILD
	abort();
#endif
}

#endif
