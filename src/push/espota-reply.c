/* SPDX-License-Identifier: MIT */
/*
 * What an espota device sends back on the data connection, understood (see
 * espota.h): unframed decimal byte counts, possibly merged by TCP, then
 * "OK" or an error text.
 */
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
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

/* Digits of v (1 for 0). */
static size_t
digits(uint64_t v)
{
	size_t n = 1;

	for (; v >= 10; v /= 10)
		n++;
	return n;
}

/* A device's usual read is at most this (lwIP windows are a few KiB;
 * espfleet-sim reads at most 64 KiB). Larger counts (an emulated device
 * that read a whole image at once) are believed only in the cases
 * decode_counts names. */
#define MAX_COUNT 65536u
#define MAX_DIGITS 10   /* digits of the largest count, UINT32_MAX */
/* The smallest read believed to be a device's usual one. */
#define MIN_USUAL 128u

/* The best split of d[i..n): most counts equal to the usual one, then
 * fewest counts, then the smallest total (the cautious reading). */
struct split {
	uint32_t matches, counts;  /* counts == UINT32_MAX: no valid split */
	uint64_t sum;
	uint8_t len;               /* digits of the first count */
};

/*
 * Split the run of digits d[0..n) into counts of 1..bound with no leading
 * zeros (dynamic programming from the end). Returns the total, or
 * UINT64_MAX when no split exists; *matches gets the counts equal to usual.
 */
static uint64_t
split_counts(const char *d, size_t n, uint64_t bound, uint32_t usual,
    struct split *best, uint32_t *matches)
{
	size_t i, k, maxk = digits(bound);

	best[n].matches = 0;
	best[n].counts = 0;
	best[n].sum = 0;
	for (i = n; i-- > 0;) {
		best[i].counts = UINT32_MAX;
		if (d[i] == '0')
			continue;
		for (k = 1; k <= maxk && i + k <= n; k++) {
			const struct split *rest = &best[i + k];
			uint64_t v = number(d + i, k);
			uint32_t m;

			if (v == UINT64_MAX || v > bound ||
			    rest->counts == UINT32_MAX)
				continue;
			m = rest->matches + (v == usual);
			if (best[i].counts == UINT32_MAX || m > best[i].matches ||
			    (m == best[i].matches &&
			    (rest->counts + 1 < best[i].counts ||
			    (rest->counts + 1 == best[i].counts &&
			    rest->sum + v < best[i].sum)))) {
				best[i].matches = m;
				best[i].counts = rest->counts + 1;
				best[i].sum = rest->sum + v;
				best[i].len = (uint8_t)k;
			}
		}
	}
	if (best[0].counts == UINT32_MAX)
		return UINT64_MAX;
	*matches = best[0].matches;
	return best[0].sum;
}

/* The usual count (>= floor) that best explains a run whose reads are not
 * known yet: the first count of the run, chosen so that most counts equal
 * it, then fewest counts. 0 if none splits the run. */
static uint32_t
guess_usual(const char *d, size_t n, uint64_t bound, uint32_t floor,
    struct split *best)
{
	uint32_t usual = 0, best_m = 0, best_c = UINT32_MAX, m;
	uint64_t best_s = UINT64_MAX, sum;
	size_t k, maxk = digits(bound);

	for (k = 1; k <= maxk && k <= n; k++) {
		uint64_t v = number(d, k);

		if (v == UINT64_MAX || v < floor || v > bound)
			continue;
		sum = split_counts(d, n, bound, (uint32_t)v, best, &m);
		if (sum == UINT64_MAX)
			continue;
		if (usual == 0 || m > best_m || (m == best_m &&
		    (best[0].counts < best_c ||
		    (best[0].counts == best_c && sum < best_s)))) {
			usual = (uint32_t)v;
			best_m = m;
			best_c = best[0].counts;
			best_s = sum;
		}
	}
	return usual;
}

/*
 * Decode the run d[0..n) of digits. Counts are at most what is unacked,
 * and at most MAX_COUNT unless the device reads more than that: a run
 * that is one number acknowledging exactly everything unacked (it took in
 * all that was sent) and that the usual read size, once known, does not
 * explain; or any run once its usual read is that large.
 */
static void
decode_counts(struct efl_reply *r, const char *d, size_t n, uint64_t sent)
{
	struct split stack[129], *best = stack;
	uint64_t unacked = sent > r->acked ? sent - r->acked : 0, bound, sum;
	uint32_t matches = 0, usual = r->usual;

	if (unacked == 0)
		return; /* nothing unacked: these digits are not counts */
	if (n + 1 > sizeof(stack) / sizeof(stack[0]))
		best = xmalloc((n + 1) * sizeof(*best));
	bound = unacked;
	if (bound > MAX_COUNT && r->usual <= MAX_COUNT) {
		bound = MAX_COUNT;
		if (n <= MAX_DIGITS && number(d, n) == unacked &&
		    (usual == 0 || split_counts(d, n, bound, usual, best,
		    &matches) == UINT64_MAX || matches == 0)) {
			/* the device took in everything at once */
			r->acked += (uint32_t)unacked;
			r->counted = r->acked;
			r->usual = (uint32_t)unacked;
			goto out;
		}
		matches = 0;
	}
	/* reads are a TCP segment or more: a tiny usual count is only
	 * believed when nothing else explains the digits */
	if (usual == 0)
		usual = guess_usual(d, n, bound, MIN_USUAL, best);
	if (usual == 0)
		usual = guess_usual(d, n, bound, 1, best);
	sum = split_counts(d, n, bound, usual, best, &matches);
	if (sum != UINT64_MAX) {
		uint64_t room = (sent < r->total ? sent : r->total) - r->acked;

		r->acked += (uint32_t)(sum < room ? sum : room);
		r->counted = r->acked;
		/* a run that matches nothing shows a new read size: its
		 * first count is what the device now takes per read */
		if (matches == 0 || r->usual == 0)
			r->usual = (uint32_t)number(d, best[0].len);
	}
out:
	if (best != stack)
		free(best);
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
		/* line ends between counts are no text (no stock device
		 * sends them; an "OK" after them is still the OK) */
		while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
			i++;
		if (i < len && (buf[i] < '0' || buf[i] > '9'))
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
		} else if (r->text_len >= 2 || r->text[0] != 'O' ||
		    r->text_complete) {
			/* an "O" that a line end completed is no OK either */
			r->state = EFL_REPLY_ERROR;
		}
	}
}
