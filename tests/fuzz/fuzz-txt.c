/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of discovery's TXT record reader
 * (src/discover/txt.c): a device's raw TXT items (any bytes, any
 * lengths) through txt__parse, then txt__derive, efl_device_txt,
 * txt__copy, txt__equal and txt__free. Checks txt.h's promises: keys
 * printable, at most 64 bytes, unique (case-insensitively); non-binary
 * values are the bytes sent; problem reasons are printable; derived
 * values are well-formed or absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "discover/txt.h"
#include "fuzz-input.h"
#include "fuzz-utf8.h"

#define ITEMS_MAX 48

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

static void
problem(void *arg, const char *reason)
{
	(*(unsigned *)arg)++;
	if (!fuzz_utf8_ok(reason, strlen(reason), 1))
		violation("problem reason not printable");
}

static int
printable_ascii(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	uint8_t *item[ITEMS_MAX];
	const uint8_t *citem[ITEMS_MAX];
	size_t len[ITEMS_MAX], i, j;
	uint32_t n, nout = 0, k, ncopy;
	struct efl_txt_item *t, *copy;
	struct efl_device d;
	unsigned problems = 0;

	fuzz_init(&in, data, size);
	n = fuzz_u8(&in) % (ITEMS_MAX + 1);
	for (i = 0; i < n; i++) {
		uint8_t l = fuzz_u8(&in);
		const uint8_t *p = fuzz_bytes(&in, l, &len[i]);

		item[i] = malloc(len[i] ? len[i] : 1); /* exact size */
		memcpy(item[i], p, len[i]);
		citem[i] = item[i];
	}
	t = txt__parse(citem, len, n, &nout, fuzz_u8(&in) & 1 ? problem :
	    NULL, &problems);
	if ((nout == 0) != (t == NULL) || nout > n)
		violation("item count");
	for (k = 0; k < nout; k++) {
		size_t kl = strlen(t[k].key);

		if (kl == 0 || kl > EFL_TXT_KEY_MAX ||
		    !printable_ascii(t[k].key, EFL_TXT_KEY_MAX) ||
		    strchr(t[k].key, '=') != NULL)
			violation("bad key kept");
		for (j = 0; j < k; j++)
			if (strcasecmp(t[j].key, t[k].key) == 0)
				violation("duplicate key kept");
		if (t[k].binary &&
		    !fuzz_utf8_ok(t[k].value, strlen(t[k].value), 1))
			violation("binary value not escaped");
		if (!t[k].binary && !fuzz_utf8_ok(t[k].value,
		    strlen(t[k].value), 1))
			violation("value marked clean holds controls");
	}
	/* a non-binary value is the bytes after the first '=' */
	for (k = 0, i = 0; i < n && k < nout; i++) {
		const uint8_t *eq = memchr(item[i], '=', len[i]);
		size_t kl = eq != NULL ? (size_t)(eq - item[i]) : 0;

		if (eq == NULL || strlen(t[k].key) != kl ||
		    memcmp(t[k].key, item[i], kl) != 0)
			continue;
		if (!t[k].binary && (strlen(t[k].value) != len[i] - kl - 1 ||
		    memcmp(t[k].value, eq + 1, len[i] - kl - 1) != 0))
			violation("clean value changed");
		k++;
	}

	memset(&d, 0, sizeof(d));
	d.txt = t;
	d.ntxt = nout;
	txt__derive(&d, fuzz_u8(&in) & 1 ? problem : NULL, &problems);
	if (d.md5 != NULL && (strlen(d.md5) != 32 ||
	    strspn(d.md5, "0123456789abcdefABCDEF") != 32))
		violation("derived md5");
	if ((d.board && !printable_ascii(d.board, EFL_TXT_VALUE_MAX)) ||
	    (d.version && !printable_ascii(d.version, EFL_TXT_VALUE_MAX)) ||
	    (d.chip && !printable_ascii(d.chip, EFL_TXT_VALUE_MAX)) ||
	    (d.auth && !printable_ascii(d.auth, EFL_TXT_VALUE_MAX)))
		violation("derived text value");
	if (d.free_space < -1 || d.free_space > 0xffffffffLL ||
	    d.flash_size < -1 || d.flash_size > 0xffffffffLL)
		violation("derived number");
	if (d.auth_upload < -1 || d.auth_upload > 1)
		violation("derived auth_upload");
	for (k = 0; k < nout; k++)
		if (efl_device_txt(&d, t[k].key) != t[k].value)
			violation("efl_device_txt does not find a key");

	ncopy = nout;
	copy = txt__copy(t, nout);
	if (!txt__equal(t, nout, copy, ncopy))
		violation("copy differs");
	txt__free(copy, ncopy);
	txt__free(t, nout);
	for (i = 0; i < n; i++)
		free(item[i]);
	return 0;
}
