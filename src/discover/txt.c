/* SPDX-License-Identifier: MIT */
/*
 * TXT record parsing and checking (see txt.h). Everything a device sends
 * is treated as untrusted bytes: lengths come with the items, nothing is
 * assumed to be NUL-terminated, text, or well-formed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "efa/efa_mdns.h"
#include "espfleet/common.h"
#include "espfleet/text.h"
#include "txt.h"

static int
printable(const uint8_t *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

/* An item as shown in messages: escaped, the first 40 bytes. */
static void
shown_item(char *out, size_t cap, const uint8_t *s, size_t len)
{
	size_t n;

	efl_printable(out, cap, (const char *)s, len > 40 ? 40 : len);
	n = strlen(out);
	if (len > 40 && n + 4 <= cap)
		memcpy(out + n, "...", 4);
}

static void report(txt_problem_fn problem, void *arg, const char *fmt, ...)
    EFL_PRINTFLIKE(3, 4);

static void
report(txt_problem_fn problem, void *arg, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (problem == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	problem(arg, msg);
}

struct efl_txt_item *
txt__parse(const uint8_t *const *item, const size_t *len, uint32_t n,
    uint32_t *nout, txt_problem_fn problem, void *arg)
{
	struct efl_txt_item *out = NULL;
	uint32_t i, j, count = 0;
	char shown[96];

	for (i = 0; i < n; i++) {
		const uint8_t *s = item[i], *eq;
		size_t klen, vlen;
		char *key, *value;
		int binary = 0, dup = 0;

		if (len[i] == 0)
			continue;      /* RFC 6763 6.1: empty item, ignored */
		shown_item(shown, sizeof(shown), s, len[i]);
		eq = memchr(s, '=', len[i]);
		if (eq == NULL) {
			report(problem, arg, "TXT item '%s' has no '=': "
			    "skipped", shown);
			continue;
		}
		klen = (size_t)(eq - s);
		vlen = len[i] - klen - 1;
		if (klen == 0) {
			report(problem, arg, "TXT item '%s' has an empty key: "
			    "skipped", shown);
			continue;
		}
		if (!printable(s, klen)) {
			report(problem, arg, "TXT item '%s' has a binary key: "
			    "skipped", shown);
			continue;
		}
		if (klen > EFL_TXT_KEY_MAX) {
			report(problem, arg, "TXT item '%s' has a key longer "
			    "than 64 bytes: skipped", shown);
			continue;
		}
		for (j = 0; j < count; j++)
			if (strlen(out[j].key) == klen &&
			    strncasecmp(out[j].key, (const char *)s,
			    klen) == 0)
				dup = 1;
		if (dup) {
			report(problem, arg, "TXT item '%s' repeats a key: "
			    "skipped (the first one counts)", shown);
			continue;
		}
		key = xmalloc(klen + 1);
		memcpy(key, s, klen);
		key[klen] = '\0';
		if (efl_text_is_clean((const char *)eq + 1, vlen)) {
			value = xmalloc(vlen + 1);
			memcpy(value, eq + 1, vlen);
			value[vlen] = '\0';
		} else {
			value = xmalloc(vlen * 4 + 1);
			efl_printable(value, vlen * 4 + 1,
			    (const char *)eq + 1, vlen);
			binary = 1;
			report(problem, arg, "TXT item '%s' has a binary "
			    "value: kept escaped", shown);
		}
		out = xrealloc(out, (count + 1) * sizeof(*out));
		out[count].key = key;
		out[count].value = value;
		out[count].binary = binary;
		count++;
	}
	*nout = count;
	return out;
}

struct efl_txt_item *
txt__copy(const struct efl_txt_item *t, uint32_t n)
{
	struct efl_txt_item *c;
	uint32_t i;

	if (n == 0)
		return NULL;
	c = xcalloc(n, sizeof(*c));
	for (i = 0; i < n; i++) {
		c[i].key = xstrdup(t[i].key);
		c[i].value = xstrdup(t[i].value);
		c[i].binary = t[i].binary;
	}
	return c;
}

void
txt__free(struct efl_txt_item *t, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		free(t[i].key);
		free(t[i].value);
	}
	free(t);
}

int
txt__equal(const struct efl_txt_item *a, uint32_t na,
    const struct efl_txt_item *b, uint32_t nb)
{
	uint32_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].key, b[i].key) != 0 ||
		    strcmp(a[i].value, b[i].value) != 0)
			return 0;
	return 1;
}

const char *
efl_device_txt(const struct efl_device *d, const char *key)
{
	uint32_t i;

	for (i = 0; i < d->ntxt; i++)
		if (strcasecmp(d->txt[i].key, key) == 0)
			return d->txt[i].value;
	return NULL;
}

int
efl_device_gzip(const struct efl_device *d)
{
	const char *v = efl_device_txt(d, EFA_TXT_GZIP);

	if (v == NULL)
		return 0;
	if (strcmp(v, EFA_TXT_GZIP_APP_FS) == 0)
		return 2;
	return strcmp(v, EFA_TXT_GZIP_APP) == 0;
}

static void
bad_value(const char *key, const char *value, const char *why,
    txt_problem_fn problem, void *arg)
{
	char msg[400], shown[48];

	if (problem == NULL)
		return;
	efl_printable(shown, sizeof(shown), (const char *)value,
	    strlen(value) > 32 ? 32 : strlen(value));
	snprintf(msg, sizeof(msg), "TXT '%s=%s%s' %s: ignored", key, shown,
	    strlen(value) > 32 ? "..." : "", why);
	problem(arg, msg);
}

/* A short printable value, or NULL (reported). */
static const char *
text_value(const struct efl_device *d, const char *key,
    txt_problem_fn problem, void *arg)
{
	const char *v = efl_device_txt(d, key);

	if (v == NULL)
		return NULL;
	if (strlen(v) > EFL_TXT_VALUE_MAX) {
		bad_value(key, v, "is longer than 64 bytes", problem, arg);
		return NULL;
	}
	if (!printable((const uint8_t *)v, strlen(v))) {
		bad_value(key, v, "is not printable text", problem, arg);
		return NULL;
	}
	return v;
}

/* A decimal number up to UINT32_MAX, or -1 (reported when present). */
static int64_t
number_value(const struct efl_device *d, const char *key,
    txt_problem_fn problem, void *arg)
{
	const char *v = efl_device_txt(d, key), *p;
	int64_t n = 0;

	if (v == NULL)
		return -1;
	for (p = v; *p >= '0' && *p <= '9' && p - v < 11; p++)
		n = n * 10 + (*p - '0');
	if (p == v || *p != '\0' || n > 0xffffffffLL) {
		bad_value(key, v, "is not a number of bytes", problem, arg);
		return -1;
	}
	return n;
}

/* 32 hex digits, or NULL (reported when present). */
static const char *
md5_value(const struct efl_device *d, const char *key,
    txt_problem_fn problem, void *arg)
{
	const char *v = efl_device_txt(d, key);
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= '0' && v[i] <= '9') ||
		    (v[i] >= 'a' && v[i] <= 'f') ||
		    (v[i] >= 'A' && v[i] <= 'F')))
			break;
	if (i == 32 && v[i] == '\0')
		return v;
	bad_value(key, v, "is not an MD5 (32 hex digits)", problem, arg);
	return NULL;
}

void
txt__derive(struct efl_device *d, txt_problem_fn problem, void *arg)
{
	static const char *const states[] = { "trial", "ok", "rolled-back" };
	const char *v;
	size_t i;

	d->board = text_value(d, EFA_TXT_BOARD, problem, arg);
	d->auth_upload = -1;
	v = efl_device_txt(d, EFA_TXT_AUTH_UPLOAD);
	if (v != NULL) {
		if (strcasecmp(v, "yes") == 0)
			d->auth_upload = 1;
		else if (strcasecmp(v, "no") == 0)
			d->auth_upload = 0;
		else
			bad_value(EFA_TXT_AUTH_UPLOAD, v, "is neither yes nor "
			    "no", problem, arg);
	}
	d->agent = efl_device_txt(d, EFA_TXT_AGENT) != NULL;
	d->md5 = md5_value(d, EFA_TXT_MD5, problem, arg);
	d->rejected = md5_value(d, EFA_TXT_REJECTED, problem, arg);
	d->state = NULL;
	v = efl_device_txt(d, EFA_TXT_STATE);
	if (v != NULL) {
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (strcmp(v, states[i]) == 0)
				d->state = v;
		if (d->state == NULL)
			bad_value(EFA_TXT_STATE, v, "is not trial, ok or "
			    "rolled-back", problem, arg);
	}
	d->version = text_value(d, EFA_TXT_VERSION, problem, arg);
	d->free_space = number_value(d, EFA_TXT_FREE, problem, arg);
	d->flash_size = number_value(d, EFA_TXT_FLASH, problem, arg);
	d->chip = text_value(d, EFA_TXT_CHIP, problem, arg);
	d->auth = text_value(d, EFA_TXT_AUTH, problem, arg);
}
