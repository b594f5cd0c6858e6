/* SPDX-License-Identifier: MIT */
/*
 * Text helpers of the agent core (see efa_util.h). Written without division
 * or modulo so the lx106 build needs no libgcc division helpers.
 */
#include "efa/efa_util.h"

static const char hexdigits[] = "0123456789abcdef";

void
efa_hex(char *out, const uint8_t *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
efa_unhex(uint8_t *out, const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)((hi << 4) | lo);
	}
	return 0;
}

int
efa_is_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (hexval(s[i]) < 0)
			return 0;
	return 1;
}

int
efa_ct_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *pa = a, *pb = b;
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (uint8_t)(pa[i] ^ pb[i]);
	return diff == 0;
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int
efa_ascii_casecmp_eq(const char *a, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

size_t
efa_u32_dec(char *out, uint32_t v)
{
	static const uint32_t pow10[] = {
		1000000000u, 100000000u, 10000000u, 1000000u, 100000u,
		10000u, 1000u, 100u, 10u, 1u
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof(pow10) / sizeof(pow10[0]); i++) {
		char d = '0';

		while (v >= pow10[i]) {
			v -= pow10[i];
			d++;
		}
		if (n > 0 || d != '0' || pow10[i] == 1u)
			out[n++] = d;
	}
	return n;
}

size_t
efa_append_n(char *out, size_t cap, size_t pos, const char *src, size_t n)
{
	size_t i;

	if (cap == 0)
		return 0;
	for (i = 0; i < n && pos + 1 < cap; i++)
		out[pos++] = src[i];
	out[pos] = '\0';
	return pos;
}

size_t
efa_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

size_t
efa_append(char *out, size_t cap, size_t pos, const char *src)
{
	return efa_append_n(out, cap, pos, src, efa_strnlen(src, (size_t)-1));
}
