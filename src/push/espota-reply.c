/*
 * What an espota device sends back, understood (see espota.h): unframed
 * decimal byte counts, possibly merged by TCP, then "OK" or an error text;
 * and the classification of device error texts into result codes.
 */
#include <string.h>

#include "espfleet/espota.h"

void
efl_reply_init(struct efl_reply *r, uint32_t total)
{
	memset(r, 0, sizeof(*r));
	r->total = total;
}

/* Value of the digit string d[0..n) (n <= 10), or UINT64_MAX if it has a
 * leading zero. */
static uint64_t
number(const char *d, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || (d[0] == '0' && n > 1))
		return UINT64_MAX;
	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(d[i] - '0');
	return v;
}

/* No device takes in more than this in one read (lwIP windows are a few
 * KiB; espfleet-sim reads at most 64 KiB), so no single count is larger. */
#define MAX_COUNT 65536u

/* Split a run of digits into counts. One count is the common case; a run
 * made of one count repeated is taken as such (equal reads); otherwise
 * counts are taken greedily, longest first. No count exceeds MAX_COUNT or
 * what is still unacked. Ambiguous runs ("1024512") only make the progress
 * figure approximate: success is decided by the "OK" alone. */
static void
decode_counts(struct efl_reply *r, const char *d, size_t n, uint64_t sent)
{
	/* nothing unacked: the digits cannot be counts, add nothing */
	uint64_t bound = sent > r->acked ? sent - r->acked : 0;
	size_t unit, pos = 0;
	uint64_t v;

	if (bound > MAX_COUNT)
		bound = MAX_COUNT;
	v = n <= 10 ? number(d, n) : UINT64_MAX;
	if (v != UINT64_MAX && v > 0 && v <= bound) {
		r->acked += (uint32_t)v;
		return;
	}
	for (unit = 1; unit <= 10 && unit < n; unit++) {
		size_t i;

		if (n % unit != 0)
			continue;
		for (i = unit; i < n; i++)
			if (d[i] != d[i % unit])
				break;
		v = number(d, unit);
		if (i == n && v != UINT64_MAX && v > 0 && v <= bound &&
		    r->acked + v * (n / unit) <= sent) {
			r->acked += (uint32_t)(v * (n / unit));
			return;
		}
	}
	while (pos < n) {
		size_t take = n - pos < 10 ? n - pos : 10;

		bound = sent > r->acked ? sent - r->acked : 0;
		if (bound > MAX_COUNT)
			bound = MAX_COUNT;
		v = UINT64_MAX;
		for (; take > 0; take--) {
			v = number(d + pos, take);
			if (v != UINT64_MAX && v > 0 && v <= bound)
				break;
		}
		if (take == 0) {
			/* inconsistent with what was sent: count one digit */
			take = 1;
			v = 0;
		}
		r->acked += (uint32_t)v;
		pos += take;
	}
}

void
efl_reply_feed(struct efl_reply *r, const char *buf, size_t len,
    uint64_t sent)
{
	size_t i = 0;

	if (sent > r->total)
		sent = r->total;
	while (i < len && r->state == EFL_REPLY_PENDING && r->text_len == 0) {
		size_t start = i;

		while (i < len && buf[i] >= '0' && buf[i] <= '9')
			i++;
		if (i > start)
			decode_counts(r, buf + start, i - start, sent);
		if (r->acked > r->total)
			r->acked = r->total;
		if (i < len)
			break; /* text begins */
	}
	for (; i < len && r->text_len + 1 < sizeof(r->text); i++) {
		if (r->text_complete)
			break;
		if (buf[i] == '\n') {
			r->text_complete = 1;
			break;
		}
		r->text[r->text_len++] = buf[i];
		r->text[r->text_len] = '\0';
	}
	if (r->text_len + 1 >= sizeof(r->text))
		r->text_complete = 1;
	if (r->state == EFL_REPLY_PENDING && r->text_len > 0) {
		if (r->text_len >= 2 && memcmp(r->text, "OK", 2) == 0) {
			r->state = EFL_REPLY_OK;
			r->acked = r->total;
		} else if (r->text_len >= 2 || r->text[0] != 'O') {
			r->state = EFL_REPLY_ERROR;
		}
	}
}

enum efl_result_code
efl_classify_device_text(const char *text)
{
	static const char *const image_texts[] = {
		"Magic byte", "Wrong Magic Byte", "Flash config",
		"Image flash size", "MD5", "Signature",
		"Unknown update command", "Bad Argument",
	};
	size_t i;

	if (strstr(text, "Authentication Failed") != NULL)
		return EFL_R_AUTH_FAILED;
	/* "Bad Size Given": ESP32 cores say so for an image larger than the
	 * partition (on ESP8266 only for size 0, which espfleet never sends) */
	if (strstr(text, "Not Enough Space") != NULL ||
	    strstr(text, "Bad Size Given") != NULL)
		return EFL_R_NO_SPACE;
	for (i = 0; i < sizeof(image_texts) / sizeof(image_texts[0]); i++)
		if (strstr(text, image_texts[i]) != NULL)
			return EFL_R_IMAGE_INVALID;
	return EFL_R_DEVICE_ERROR;
}

void
efl_printable(char *out, size_t cap, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (cap == 0)
		return;
	while (len > 0 && (in[len - 1] == '\r' || in[len - 1] == '\n' ||
	    in[len - 1] == ' ' || in[len - 1] == '\0'))
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int plain = c >= 0x20 && c < 0x7f && c != '\\';

		/* whole characters only, and room for the NUL */
		if (o + (plain ? 1 : 4) >= cap)
			break;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}
