/* SPDX-License-Identifier: MIT */
/*
 * Showing text that came from devices (see text.h): the UTF-8 check and the
 * escapings, terminal, JSON and XML, written once.
 */
#include <stdio.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/text.h"

static const char hex[] = "0123456789abcdef";

/* Length of the valid UTF-8 character at s[0..avail) that may be shown
 * as is, or 0 (ASCII controls, DEL, C1 controls, bidi controls, invalid
 * or truncated sequences). */
static size_t
shown_char_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;
	size_t n, k;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 1;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n >= avail)
		return 0;
	for (k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	    cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n + 1;
}

static size_t
put_hex(char *out, size_t o, unsigned char c)
{
	out[o++] = '\\';
	out[o++] = 'x';
	out[o++] = hex[c >> 4];
	out[o++] = hex[c & 15];
	return o;
}

/* Put the character at s[*i]: its n bytes as they are, or (n == 0) its
 * first byte as \xNN. Advances *i; returns the new output length. */
static size_t
put_shown(char *out, size_t o, const unsigned char *s, size_t *i, size_t n)
{
	if (n == 0)
		return put_hex(out, o, s[(*i)++]);
	memcpy(out + o, s + *i, n);
	*i += n;
	return o + n;
}

void
efl_printable(char *out, size_t cap, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, i = 0;

	if (cap == 0)
		return;
	while (len > 0 && (in[len - 1] == '\r' || in[len - 1] == '\n' ||
	    in[len - 1] == ' ' || in[len - 1] == '\0'))
		len--;
	while (i < len) {
		size_t n = s[i] == '\\' ? 0 : shown_char_len(s + i, len - i);

		/* whole characters only, and room for the NUL */
		if (o + (n > 0 ? n : 4) >= cap)
			break;
		o = put_shown(out, o, s, &i, n);
	}
	out[o] = '\0';
}

int
efl_text_is_clean(const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, n;

	while (i < len) {
		n = s[i] == '\\' ? 0 : shown_char_len(s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

char *
efl_json_text(const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), o = 0, i = 0;
	char *out = xmalloc(len * 4 + 1);

	while (i < len) {
		size_t n = shown_char_len(s + i, len - i);

		if (n == 0 && s[i] < 0x80)
			n = 1;      /* ASCII control: the JSON writer escapes it */
		o = put_shown(out, o, s, &i, n);
	}
	out[o] = '\0';
	return out;
}

void
efl_xml_put(FILE *fp, const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, n;

	while (i < len) {
		switch (s[i]) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		case '\t':
		case '\n':
		case '\r':
			fprintf(fp, "&#%u;", s[i]);
			break;
		case '\\':
			fputc('\\', fp);
			break;
		default:
			n = shown_char_len(s + i, len - i);
			/* U+FFFE, U+FFFF: no XML character */
			if (n == 3 && s[i] == 0xef && s[i + 1] == 0xbf &&
			    s[i + 2] >= 0xbe)
				n = 0;
			if (n == 0) {
				fprintf(fp, "\\x%c%c", hex[s[i] >> 4],
				    hex[s[i] & 15]);
				break;
			}
			fwrite(s + i, 1, n, fp);
			i += n;
			continue;
		}
		i++;
	}
}

size_t
efl_text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void
efl_seconds_text(char out[EFL_SECONDS_TEXT_LEN], uint32_t ms)
{
	size_t n;

	n = (size_t)snprintf(out, EFL_SECONDS_TEXT_LEN, "%u.%03u", ms / 1000,
	    ms % 1000);
	while (n > 0 && out[n - 1] == '0')
		n--;
	if (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
}
