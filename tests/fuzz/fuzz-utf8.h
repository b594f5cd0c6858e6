/* SPDX-License-Identifier: MIT */
/*
 * An independent check of what the host's text escaper promises
 * (include/espfleet/text.h), for the harnesses: valid UTF-8 with no ASCII
 * control byte, DEL, C1 control or bidi control, written from the Unicode
 * definition rather than from src/core/text.c.
 */
#ifndef EFL_FUZZ_UTF8_H
#define EFL_FUZZ_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 if s[0..len) is valid UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF); with no_controls also without C0/DEL/C1/bidi controls. */
static inline int
fuzz_utf8_ok(const char *str, size_t len, int no_controls)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, n;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			if (no_controls && (s[i] < 0x20 || s[i] == 0x7f))
				return 0;
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else {
			return 0;
		}
		if (n >= len - i)
			return 0;  /* truncated */
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (no_controls && ((cp >= 0x80 && cp <= 0x9f) ||
		    cp == 0x061c || cp == 0x200e || cp == 0x200f ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)))
			return 0;
		i += n + 1;
	}
	return 1;
}

#endif
