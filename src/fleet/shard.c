/* SPDX-License-Identifier: MIT */
/*
 * Shards (see shard.h): "K/N" parsing and the stable partition by the
 * SHA-256 of the device name (the agent core's SHA-256, also used on the
 * devices).
 */
#include <stdio.h>
#include <string.h>

#include "efa/efa_hash.h"
#include "espfleet/shard.h"
#include "espfleet/text.h"

/* A decimal number of at most 5 digits (leading zeros allowed) from s
 * to the first stop character; its length, or 0. */
static size_t
number(const char *s, char stop, uint32_t *out)
{
	size_t n = 0;
	uint32_t v = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (v > EFL_SHARD_MAX)
			return 0;
		v = v * 10 + (uint32_t)(s[n] - '0');
		n++;
	}
	if (n == 0 || s[n] != stop)
		return 0;
	*out = v;
	return n;
}

int
efl_shard_parse(const char *s, struct efl_shard *out, struct efl_errbuf *eb)
{
	char shown[64];
	size_t n;

	efl_printable(shown, sizeof(shown), s, strlen(s));
	if ((n = number(s, '/', &out->k)) == 0 ||
	    number(s + n + 1, '\0', &out->n) == 0) {
		efl_errbuf_set(eb, "'%s' is not K/N (shard K of N, e.g. 2/4)",
		    shown);
		return -1;
	}
	if (out->n < 1 || out->n > EFL_SHARD_MAX) {
		efl_errbuf_set(eb, "'%s': N must be from 1 to %u", shown,
		    EFL_SHARD_MAX);
		return -1;
	}
	if (out->k < 1 || out->k > out->n) {
		efl_errbuf_set(eb, "'%s': K must be from 1 to N (%u)", shown,
		    out->n);
		return -1;
	}
	return 0;
}

uint32_t
efl_shard_of(const char *name, uint32_t n)
{
	uint8_t h[EFA_SHA256_LEN];
	uint64_t v = 0;
	size_t i;

	efa_sha256(name, strlen(name), h);
	for (i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	return n == 0 ? 1 : (uint32_t)(v % n) + 1;
}

int
efl_shard_contains(const struct efl_shard *s, const char *name)
{
	return efl_shard_of(name, s->n) == s->k;
}
