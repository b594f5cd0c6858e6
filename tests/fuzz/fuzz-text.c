/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the host's text escaper (src/core/text.c), which
 * every module uses on text from devices and the network:
 * efl_printable with random output sizes, efl_text_is_clean,
 * efl_json_text and efl_seconds_text. Checks the promises of
 * include/espfleet/text.h with an independent UTF-8 checker: terminal
 * output is NUL-terminated within cap, valid UTF-8 without control or bidi
 * characters, and decodes (\xNN) back to a prefix of the trimmed input
 * (all of it when cap is large enough); clean text is copied unchanged;
 * JSON text is valid UTF-8; seconds text reads back as the milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/text.h"
#include "fuzz-input.h"
#include "fuzz-utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode efl_printable output into dec; returns its length or -1. */
static long
unescape(const char *s, size_t n, char *dec)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] == '\\') {
			if (i + 3 >= n)
				return -1;
			if (s[i + 1] != 'x' || hexval(s[i + 2]) < 0 ||
			    hexval(s[i + 3]) < 0)
				return -1;
			dec[o++] = (char)(hexval(s[i + 2]) << 4 |
			    hexval(s[i + 3]));
			i += 4;
		} else {
			dec[o++] = s[i++];
		}
	}
	return (long)o;
}

static void
printable(const char *in, size_t len, size_t cap)
{
	char *out = malloc(cap ? cap : 1), *dec;
	size_t trimmed = len, n;
	long d;

	out[0] = 'Z';
	efl_printable(out, cap, in, len);
	if (cap == 0) {
		if (out[0] != 'Z')
			violation("wrote into cap 0");
		free(out);
		return;
	}
	n = strnlen(out, cap);
	if (n >= cap)
		violation("output not NUL-terminated within cap");
	if (!fuzz_utf8_ok(out, n, 1))
		violation("output not valid UTF-8 or holds controls");
	while (trimmed > 0 && (in[trimmed - 1] == '\r' ||
	    in[trimmed - 1] == '\n' || in[trimmed - 1] == ' ' ||
	    in[trimmed - 1] == '\0'))
		trimmed--;
	dec = malloc(n + 1);
	d = unescape(out, n, dec);
	if (d < 0 || (size_t)d > trimmed || memcmp(dec, in, (size_t)d) != 0)
		violation("output does not decode to a prefix of the input");
	if (cap > 4 * trimmed && (size_t)d != trimmed)
		violation("output cut short although cap was enough");
	if (efl_text_is_clean(in, trimmed) && cap > trimmed &&
	    (n != trimmed || memcmp(out, in, n) != 0))
		violation("clean text not copied unchanged");
	if (efl_text_is_clean(in, len) != fuzz_utf8_ok(in, len, 1) &&
	    memchr(in, '\\', len) == NULL)
		violation("efl_text_is_clean disagrees with UTF-8 check");
	free(dec);
	free(out);
}

static void
json(const char *in)
{
	char *out = efl_json_text(in);
	size_t n = strlen(out);

	if (!fuzz_utf8_ok(out, n, 0))
		violation("JSON text not valid UTF-8");
	if (n > 4 * strlen(in))
		violation("JSON text too long");
	free(out);
}

static void
seconds(uint32_t ms)
{
	char out[EFL_SECONDS_TEXT_LEN];
	const char *p = out;
	uint32_t s = 0, frac = 0, scale = 100;

	efl_seconds_text(out, ms);
	while (*p >= '0' && *p <= '9')
		s = s * 10 + (uint32_t)(*p++ - '0');
	if (*p == '.') {
		p++;
		if (*p == '\0')
			violation("seconds text ends with a point");
		while (*p >= '0' && *p <= '9' && scale > 0) {
			frac += (uint32_t)(*p++ - '0') * scale;
			scale /= 10;
		}
		if (p[-1] == '0')
			violation("seconds text has a trailing zero");
	}
	if (*p != '\0' || p == out || (uint64_t)s * 1000 + frac != ms)
		violation("seconds text does not read back");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	size_t cap, n;
	uint8_t sel;
	char *s;

	fuzz_init(&in, data, size);
	sel = fuzz_u8(&in);
	cap = fuzz_u16(&in);
	seconds(fuzz_u32(&in));
	n = fuzz_left(&in);
	s = malloc(n + 1);  /* exact size (+ NUL): overreads show */
	memcpy(s, data + (size - n), n);
	s[n] = '\0';
	if (sel & 1)
		cap %= 4 * n + 8;
	else
		cap = 4 * n + 1;
	printable(s, n, cap);
	json(s);
	free(s);
	return 0;
}
