/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the host's espota reply parser
 * (src/push/espota-reply.c): what a device writes on the data connection
 * (decimal byte counts, possibly merged, then "OK" or an error text),
 * split at random points across efl_reply_feed calls with random 'sent'
 * values (growing, jumping, shrinking, beyond the total), and
 * efl_classify_device_text on the text and on raw input. Checks: acked
 * never decreases nor passes the total or what was sent (until "OK"), no
 * usual read size is larger than what was sent, the text stays
 * NUL-terminated within its buffer, a decided state never changes, no
 * empty text line ends the reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/espota.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what, const struct efl_reply *r)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s (state %d total %u acked %u "
	    "counted %u usual %u text_len %zu)\n", what, (int)r->state,
	    r->total, r->acked, r->counted, r->usual, r->text_len);
	fuzz_abort();
}

static void
classify(const char *text)
{
	enum efl_result_code c = efl_classify_device_text(text);

	if ((unsigned)c >= EFL_R__COUNT || c == EFL_R_OK)
		fuzz_abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct efl_reply r;
	uint64_t sent = 0, max_sent = 0;
	uint32_t total, prev_acked = 0;
	enum efl_reply_state prev_state = EFL_REPLY_PENDING;
	uint8_t mode;
	unsigned ops = 0;

	fuzz_init(&in, data, size);
	mode = fuzz_u8(&in);
	switch (mode & 3) {
	case 0:
		total = fuzz_u16(&in);
		break;
	case 1:
		total = 1460u * (fuzz_u8(&in) + 1u) + fuzz_u8(&in);
		break;
	default:
		total = fuzz_u32(&in);
		break;
	}
	efl_reply_init(&r, total);
	while (fuzz_left(&in) > 0 && ops++ < 256) {
		uint8_t how = fuzz_u8(&in);
		size_t want = how & 0x80 ? fuzz_u16(&in) % 1024 :
		    fuzz_u8(&in) % 32, n;
		const uint8_t *p;
		char *buf;

		switch ((how >> 4) & 7) {
		case 0:
		case 1:
			sent += fuzz_u16(&in);
			break;
		case 2:
			sent += 1460u * (fuzz_u8(&in) & 7);
			break;
		case 3:
			sent = total;
			break;
		case 4:
			sent = fuzz_u32(&in) | (uint64_t)fuzz_u8(&in) << 32;
			break;
		default:
			break;  /* unchanged */
		}
		if (sent > max_sent)
			max_sent = sent;
		p = fuzz_bytes(&in, want, &n);
		buf = malloc(n ? n : 1);  /* exact size: overreads show */
		memcpy(buf, p, n);
		efl_reply_feed(&r, buf, n, sent);
		free(buf);

		if (r.acked < prev_acked)
			violation("acked went down", &r);
		if (r.acked > r.total)
			violation("acked beyond the total", &r);
		if (r.state == EFL_REPLY_PENDING && r.acked > max_sent)
			violation("acked more than was ever sent", &r);
		if (r.state == EFL_REPLY_OK && r.acked != r.total)
			violation("OK but not all acked", &r);
		if (prev_state != EFL_REPLY_PENDING && r.state != prev_state)
			violation("a decided reply changed its state", &r);
		if (r.text_len >= sizeof(r.text) || r.text[r.text_len] != 0)
			violation("text not terminated in its buffer", &r);
		/* nothing after a line end is read: an empty text must not
		 * end (a later "OK" would be lost) */
		if (r.text_complete && r.text_len == 0)
			violation("an empty text ended: a later \"OK\" is "
			    "never read", &r);
		if (r.usual > max_sent)
			violation("usual count above what was ever sent", &r);
		prev_acked = r.acked;
		prev_state = r.state;
	}
	classify(r.text);
	{
		size_t n = fuzz_left(&in);
		char *s = malloc(n + 1);

		memcpy(s, data + (size - n), n);
		s[n] = '\0';
		classify(s);
		if (size > 0) {
			char *all = malloc(size);

			memcpy(all, data + 1, size - 1);
			all[size - 1] = '\0';
			classify(all);
			free(all);
		}
		free(s);
	}
	return 0;
}
