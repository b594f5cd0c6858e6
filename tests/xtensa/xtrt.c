/* SPDX-License-Identifier: MIT */
/*
 * libgcc helpers that Debian's gcc-xtensa-lx106 libgcc.a lacks (on a real
 * ESP8266 they come from the mask ROM via the SDK's eagle.rom.addr.v6.ld).
 * Linked into the lx106 test programs only: the core itself must not need
 * them (the size link in firmware-agent/CMakeLists.txt checks that).
 * Shift-subtract and shift-add, so no '/', '%' or 64-bit '*' in here.
 */
#include <stdint.h>

uint32_t __udivsi3(uint32_t n, uint32_t d);
uint32_t __umodsi3(uint32_t n, uint32_t d);
int32_t __divsi3(int32_t a, int32_t b);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t a, int64_t b);
uint64_t __muldi3(uint64_t a, uint64_t b);

static uint64_t
udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1u);
		if (r >= d) {
			r -= d;
			q |= (uint64_t)1 << i;
		}
	}
	if (rem != 0)
		*rem = r;
	return q;
}

uint32_t
__udivsi3(uint32_t n, uint32_t d)
{
	return (uint32_t)udivmod64(n, d, 0);
}

uint32_t
__umodsi3(uint32_t n, uint32_t d)
{
	uint64_t r;

	udivmod64(n, d, &r);
	return (uint32_t)r;
}

int32_t
__divsi3(int32_t a, int32_t b)
{
	uint32_t ua = a < 0 ? -(uint32_t)a : (uint32_t)a;
	uint32_t ub = b < 0 ? -(uint32_t)b : (uint32_t)b;
	uint32_t q = __udivsi3(ua, ub);

	/* unsigned negation: INT32_MIN / -1 wraps instead of overflowing */
	return (int32_t)(((a < 0) ^ (b < 0)) ? 0u - q : q);
}

uint64_t
__udivdi3(uint64_t n, uint64_t d)
{
	return udivmod64(n, d, 0);
}

uint64_t
__umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	udivmod64(n, d, &r);
	return r;
}

int64_t
__divdi3(int64_t a, int64_t b)
{
	uint64_t ua = a < 0 ? -(uint64_t)a : (uint64_t)a;
	uint64_t ub = b < 0 ? -(uint64_t)b : (uint64_t)b;
	uint64_t q = udivmod64(ua, ub, 0);

	return (int64_t)(((a < 0) ^ (b < 0)) ? 0u - q : q);
}

uint64_t
__muldi3(uint64_t a, uint64_t b)
{
	uint64_t r = 0;

	while (b != 0) {
		if (b & 1u)
			r += a;
		a <<= 1;
		b >>= 1;
	}
	return r;
}
