/* SPDX-License-Identifier: MIT */
/*
 * The decision of espfleet serve for one pull request (see serve.h): which
 * device asked (its x-ESP8266-/x-ESP32- headers), what it runs and has
 * room for, whether it is in the canary cohort, and so what to answer.
 * Pure: no sockets, no clock, no globals; the HTTP side is serve-http.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "efa/efa_http.h"
#include "efa/efa_image.h"
#include "espfleet/serve.h"

/* The value of header prefix+name (any case), or NULL. */
static const char *
header(const struct efl_serve_request *req, const char *prefix,
    const char *name)
{
	size_t plen = prefix != NULL ? strlen(prefix) : 0, i;

	for (i = 0; i < req->nheaders; i++) {
		const char *h = req->headers[i].name;

		if (h == NULL || req->headers[i].value == NULL)
			continue;
		if (plen > 0 && strncasecmp(h, prefix, plen) != 0)
			continue;
		if (strcasecmp(h + plen, name) == 0)
			return req->headers[i].value;
	}
	return NULL;
}

static void
copy(char *out, size_t cap, const char *in)
{
	snprintf(out, cap, "%s", in != NULL ? in : "");
}

int
efl_serve_bucket(const char *mac, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	char form[18];
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < 17; i++) {
		char c = mac[i];

		if (i % 3 == 2) {
			if (c != ':')
				return -1;
			form[i] = ':';
			continue;
		}
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		if (c == '\0' || strchr(hex, c) == NULL)
			return -1;
		form[i] = c;
	}
	if (mac[17] != '\0')
		return -1;
	form[17] = '\0';
	for (i = 0; i < 17; i++)
		h = (h ^ (uint8_t)form[i]) * 16777619u;
	if (out != NULL)
		memcpy(out, form, sizeof(form));
	return (int)(h % 100u);
}

/* A decimal number of bytes, or -1. */
static int64_t
parse_size(const char *s)
{
	int64_t v = 0;
	size_t n = 0;

	if (s == NULL)
		return -1;
	for (; *s == ' '; s++)
		;
	for (; *s >= '0' && *s <= '9'; s++, n++) {
		if (n == 12)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return n > 0 && *s == '\0' ? v : -1;
}

/* Which chip asked, by its User-Agent, else by its headers; NULL when the
 * request is not an ESP8266httpUpdate/HTTPUpdate one: those always send
 * their STA MAC (a User-Agent alone is anybody's). */
static const char *
chip_of(const struct efl_serve_request *req, const char **prefix)
{
	const char *ua = header(req, NULL, "User-Agent");
	int esp8266;

	if (ua != NULL && strcmp(ua, EFA_HTTP_UA_ESP8266) == 0)
		esp8266 = 1;
	else if (ua != NULL && strcmp(ua, EFA_HTTP_UA_ESP32) == 0)
		esp8266 = 0;
	else if (header(req, EFA_HTTP_PREFIX_ESP8266, EFA_HTTP_H_STA_MAC))
		esp8266 = 1;
	else if (header(req, EFA_HTTP_PREFIX_ESP32, EFA_HTTP_H_STA_MAC))
		esp8266 = 0;
	else
		return NULL;
	*prefix = esp8266 ? EFA_HTTP_PREFIX_ESP8266 : EFA_HTTP_PREFIX_ESP32;
	if (header(req, *prefix, EFA_HTTP_H_STA_MAC) == NULL)
		return NULL;
	return esp8266 ? "esp8266" : "esp32";
}

static void
answer(struct efl_serve_decision *d, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
answer(struct efl_serve_decision *d, int status, const char *fmt, ...)
{
	va_list ap;

	d->status = status;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* In the canary cohort? (every device when percent is 100) */
static int
in_cohort(const struct efl_serve_config *cfg, struct efl_serve_decision *d)
{
	if (cfg->percent >= 100)
		return 1;
	if (d->dev.bucket < 0) {
		answer(d, 304, "no STA MAC to place in the canary cohort "
		    "(--percent %u)", cfg->percent);
		return 0;
	}
	if ((uint32_t)d->dev.bucket >= cfg->percent) {
		answer(d, 304, "not in the canary cohort (bucket %d, --percent "
		    "%u)", d->dev.bucket, cfg->percent);
		return 0;
	}
	return 1;
}

static void
decide_sketch(const struct efl_serve_config *cfg,
    struct efl_serve_decision *d)
{
	if (strcasecmp(d->dev.md5, cfg->image_md5) == 0) {
		answer(d, 304, "already running the image");
		return;
	}
	if (!in_cohort(cfg, d))
		return;
	if (d->dev.free_space >= 0 && d->dev.free_space < cfg->image_size) {
		answer(d, 403, "not enough free space: %lld bytes free, the "
		    "image has %u", (long long)d->dev.free_space,
		    cfg->image_size);
		return;
	}
	d->body = EFL_SERVE_BODY_IMAGE;
	d->md5 = cfg->image_md5;
	answer(d, 200, "update offered");
}

void
efl_serve_decide(const struct efl_serve_config *cfg,
    const struct efl_serve_request *req, struct efl_serve_decision *d)
{
	const char *prefix = NULL, *mac;

	memset(d, 0, sizeof(*d));
	d->dev.free_space = -1;
	d->dev.bucket = -1;
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		answer(d, 405, "method not allowed (GET only)");
		return;
	}
	if (cfg->path != NULL && strcmp(req->path, cfg->path) != 0) {
		answer(d, 404, "not the update path (%s)", cfg->path);
		return;
	}
	if (cfg->password && req->auth == EFL_SERVE_AUTH_THROTTLED) {
		d->retry_after = req->throttle_s > 0 ? req->throttle_s : 1;
		answer(d, 429, "too many wrong passwords from this address: "
		    "try again in %u s", d->retry_after);
		return;
	}
	if (cfg->password && req->auth != EFL_SERVE_AUTH_OK) {
		answer(d, 401, req->auth == EFL_SERVE_AUTH_NONE ?
		    "no credentials (a password is required)" :
		    "wrong password");
		return;
	}
	d->dev.chip = chip_of(req, &prefix);
	if (d->dev.chip == NULL) {
		answer(d, 403, "not an ESP8266httpUpdate or ESP32 HTTPUpdate "
		    "request (no x-ESP8266-STA-MAC or x-ESP32-STA-MAC header)");
		return;
	}
	mac = header(req, prefix, EFA_HTTP_H_STA_MAC);
	d->dev.bucket = efl_serve_bucket(mac != NULL ? mac : "", d->dev.mac);
	copy(d->dev.md5, sizeof(d->dev.md5), header(req, prefix,
	    EFA_HTTP_H_SKETCH_MD5));
	copy(d->dev.mode, sizeof(d->dev.mode), header(req, prefix,
	    EFA_HTTP_H_MODE));
	copy(d->dev.version, sizeof(d->dev.version), header(req, prefix,
	    EFA_HTTP_H_VERSION));
	d->dev.free_space = parse_size(header(req, prefix,
	    EFA_HTTP_H_FREE_SPACE));

	if (d->dev.mode[0] == '\0' ||
	    strcmp(d->dev.mode, EFA_HTTP_MODE_SKETCH) == 0) {
		decide_sketch(cfg, d);
	} else if (strcmp(d->dev.mode, EFA_HTTP_MODE_VERSION) == 0) {
		if (cfg->image_version[0] == '\0') {
			answer(d, 404, "the image declares no version (no "
			    EFA_IMAGE_VERSION_MARKER " marker)");
			return;
		}
		d->md5 = cfg->image_md5;
		d->version = cfg->image_version;
		answer(d, 200, "version %s", cfg->image_version);
	} else if (strcmp(d->dev.mode, EFA_HTTP_MODE_SPIFFS) == 0) {
		if (cfg->fs_md5 == NULL) {
			answer(d, 404, "no filesystem image (serve --fs)");
			return;
		}
		if (!in_cohort(cfg, d))
			return;
		d->body = EFL_SERVE_BODY_FS;
		d->md5 = cfg->fs_md5;
		answer(d, 200, "filesystem image offered");
	} else {
		answer(d, 403, "unknown mode (not sketch, spiffs or version)");
	}
}
