/* SPDX-License-Identifier: MIT */
/*
 * The http transport of the push engine (session.h): one session POSTs the
 * image as multipart/form-data to a device's /update page (the contract of
 * ESP8266HTTPUpdateServer, docs/protocol.md section 7.2) through libcurl's
 * multi socket API on the loop (src/net/curl-uv.c), streaming from the
 * shared copy in memory, and reads the page's verdict. No espota here, no
 * waiting.
 */
#include <libgen.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "curl-uv.h"
#include "efa/efa_http.h"
#include "espfleet/common.h"
#include "espfleet/text.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/secret.h"
#include "espfleet/session.h"
#include "espfleet/target.h"

#define BODY_MAX 1024

struct http_transport {
	struct efl_transport t;   /* first: the handle is this struct */
	struct efl_curl_uv *curl;
	char *user;
	char *path;
	char *interface;          /* "host!ADDR" for --host-ip, or NULL */
};

struct http_session {
	struct efl_curl_job job;  /* first: the adapter hands this back */
	struct http_transport *tr;
	struct efl_session_callbacks cb;
	const struct efl_image *image;
	const struct efl_secret *password;
	uv_loop_t *loop;
	uint32_t timeout_ms;
	uint32_t device_timeout_ms; /* the whole transfer (0: none) */
	uint64_t started_at;      /* loop time of the start */
	uint64_t finishing_at;    /* every byte sent (0: not yet): the answer
	                             is due within timeout_ms, whatever comes */
	int verdict_overdue;      /* aborted for that */
	char *label;
	char url[200];
	curl_mime *mime;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	uint32_t offset;          /* image bytes curl has read */
	char body[BODY_MAX];      /* the start of the answer */
	size_t body_len;
	enum efl_phase phase;
	uint32_t sent;            /* image bytes on their way (progress) */
	struct efl_session_result result;
};

static void
set_phase(struct http_session *s, enum efl_phase p)
{
	efl_session_set_phase(&s->phase, &s->cb, p);
}

static void
session_free(struct http_session *s)
{
	curl_easy_cleanup(s->job.easy);
	curl_mime_free(s->mime);
	curl_slist_free_all(s->headers);
	free(s->label);
	free(s);
}

/* Report the result (exactly once) and free the session; the easy handle
 * is no longer in the multi handle. */
static void finish(struct http_session *s, enum efl_result_code code,
    const char *fmt, ...) EFL_PRINTFLIKE(3, 4);

static void
finish(struct http_session *s, enum efl_result_code code, const char *fmt,
    ...)
{
	va_list ap;

	s->result.code = code;
	va_start(ap, fmt);
	vsnprintf(s->result.message, sizeof(s->result.message), fmt, ap);
	va_end(ap);
	s->result.bytes = code == EFL_R_OK ? s->image->size : s->sent;
	if (code == EFL_R_OK)
		efl_debug("%s: update accepted (%u bytes)", s->label,
		    s->image->size);
	else
		efl_debug("%s: %s: %s", s->label, efl_result_code_name(code),
		    s->result.message);
	s->phase = EFL_PHASE_DONE;
	s->cb.done(s->cb.arg, &s->result);
	session_free(s);
}

/* ---- what curl asks of us ---- */

static size_t
read_image(char *buf, size_t size, size_t nitems, void *arg)
{
	struct http_session *s = arg;
	size_t n = size * nitems, left = s->image->size - s->offset;

	if (n > left)
		n = left;
	memcpy(buf, s->image->data + s->offset, n);
	s->offset += (uint32_t)n;
	return n;
}

static int
seek_image(void *arg, curl_off_t offset, int origin)
{
	struct http_session *s = arg;

	if (origin != SEEK_SET || offset < 0 || offset > s->image->size)
		return CURL_SEEKFUNC_FAIL;
	s->offset = (uint32_t)offset;
	return CURL_SEEKFUNC_OK;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_session *s = arg;
	size_t n = size * nmemb, room = sizeof(s->body) - 1 - s->body_len;

	memcpy(s->body + s->body_len, data, n < room ? n : room);
	s->body_len += n < room ? n : room;
	s->body[s->body_len] = '\0';
	return n;   /* the rest of a long page is not needed */
}

/* Upload progress: the share of the body on its way, as image bytes (the
 * multipart framing around the image is a few hundred bytes). */
static int
on_xfer(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct http_session *s = arg;
	uint32_t sent;

	(void)dltotal;
	(void)dlnow;
	if (ulnow <= 0 || ultotal <= 0)
		return 0;
	if (s->phase == EFL_PHASE_CONNECTING)
		set_phase(s, EFL_PHASE_UPLOADING);
	sent = ulnow >= ultotal ? s->image->size :
	    (uint32_t)((uint64_t)ulnow * s->image->size / (uint64_t)ultotal);
	if (sent != s->sent) {
		s->sent = sent;
		if (efl_log_verbose() > 1)
			efl_debug("%s: > sent %u/%u", s->label, sent,
			    s->image->size);
		if (s->cb.progress != NULL)
			s->cb.progress(s->cb.arg, sent, s->image->size);
	}
	if (ulnow >= ultotal && s->phase == EFL_PHASE_UPLOADING) {
		set_phase(s, EFL_PHASE_FINISHING);
		s->finishing_at = uv_now(s->loop);
	}
	/* an answer that never ends (a body dribbled forever) is no answer:
	 * it is due within the timeout of the last byte, whatever comes */
	if (s->finishing_at != 0 &&
	    uv_now(s->loop) - s->finishing_at >= s->timeout_ms) {
		s->verdict_overdue = 1;
		return 1;
	}
	return 0;
}

/* ---- the verdict ---- */

static void
conclude_transport_error(struct http_session *s, CURLcode rc)
{
	const char *why = s->errbuf[0] != '\0' ? s->errbuf :
	    curl_easy_strerror(rc);
	char shown[CURL_ERROR_SIZE], sec[EFL_SECONDS_TEXT_LEN];

	efl_printable(shown, sizeof(shown), why, strlen(why));
	efl_seconds_text(sec, s->timeout_ms);
	if (s->verdict_overdue) {
		long status = 0;

		curl_easy_getinfo(s->job.easy, CURLINFO_RESPONSE_CODE,
		    &status);
		finish(s, EFL_R_TRANSFER_FAILED, "no result from the device "
		    "within %s s after the last byte%s", sec, status != 0 ?
		    " (its answer did not end)" : "");
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && s->device_timeout_ms != 0 &&
	    uv_now(s->loop) - s->started_at >= s->device_timeout_ms) {
		efl_seconds_text(sec, s->device_timeout_ms);
		finish(s, s->phase == EFL_PHASE_CONNECTING ? EFL_R_NO_ANSWER :
		    EFL_R_TRANSFER_FAILED, "not done within the device timeout "
		    "of %s s (--device-timeout): %s, %u of %u bytes sent", sec,
		    efl_phase_name(s->phase), s->sent, s->image->size);
		return;
	}
	if (s->phase == EFL_PHASE_CONNECTING &&
	    (rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT)) {
		finish(s, EFL_R_NO_ANSWER, "no update page answers at %s "
		    "(device offline, wrong port, or no HTTP update server): "
		    "%s", s->url, shown);
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		if (s->phase == EFL_PHASE_FINISHING)
			finish(s, EFL_R_TRANSFER_FAILED, "no result from the "
			    "device within %s s after the last byte", sec);
		else
			finish(s, EFL_R_TRANSFER_FAILED, "device stopped "
			    "responding after %u of %u bytes (nothing for %s "
			    "s)", s->sent, s->image->size, sec);
		return;
	}
	finish(s, EFL_R_TRANSFER_FAILED, "connection lost after %u of %u "
	    "bytes: %s", s->sent, s->image->size, shown);
}

static void
conclude_answer(struct http_session *s, long status)
{
	char shown[EFL_DEVICE_TEXT_MAX];
	const char *err = strstr(s->body, EFA_HTTP_UPDATE_ERROR);
	curl_off_t sent = 0, length = 0;

	curl_easy_getinfo(s->job.easy, CURLINFO_SIZE_UPLOAD_T, &sent);
	curl_easy_getinfo(s->job.easy, CURLINFO_CONTENT_LENGTH_UPLOAD_T,
	    &length);
	if (status == 200 && strstr(s->body, "Update Success") != NULL) {
		if (length > 0 && sent < length) {
			/* the page answered before it had the whole image */
			s->sent = (uint32_t)((uint64_t)sent * s->image->size /
			    (uint64_t)length);
			finish(s, EFL_R_TRANSFER_FAILED, "device answered "
			    "success after only %u of %u bytes were sent",
			    s->sent, s->image->size);
		} else {
			finish(s, EFL_R_OK, "%s", "");
		}
		return;
	}
	if (status == 200 && err != NULL) {
		err += sizeof(EFA_HTTP_UPDATE_ERROR) - 1;
		efl_printable(shown, sizeof(shown), err, strcspn(err, "\r\n"));
		finish(s, efl_classify_device_text(shown),
		    "device reported: %s", shown);
		return;
	}
	if (status == 401) {
		if (s->password == NULL || !s->password->present) {
			s->result.needs_password = 1;
			finish(s, EFL_R_AUTH_FAILED, "%s", EFL_MSG_NO_PASSWORD);
		} else {
			finish(s, EFL_R_AUTH_FAILED, "device rejected the "
			    "password (HTTP user '%s')", s->tr->user);
		}
		return;
	}
	efl_printable(shown, sizeof(shown), s->body, s->body_len);
	if (status == 404)
		finish(s, EFL_R_DEVICE_ERROR, "no update page at %s (HTTP 404; "
		    "see --http-path and the port)", s->url);
	else if (status == 200)
		finish(s, EFL_R_DEVICE_ERROR, "unexpected answer '%s' (is this "
		    "an ESP8266HTTPUpdateServer page?)", shown);
	else
		finish(s, EFL_R_DEVICE_ERROR, "HTTP %ld answer: '%s'", status,
		    shown);
}

static void
on_done(struct efl_curl_job *job, CURLcode rc)
{
	struct http_session *s = (struct http_session *)job;
	long status = 0;

	curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
	efl_debug("%s: < %s, HTTP %ld, %zu bytes of answer", s->label,
	    curl_easy_strerror(rc), status, s->body_len);
	if (rc != CURLE_OK)
		conclude_transport_error(s, rc);
	else
		conclude_answer(s, status);
}

/* ---- start / cancel ---- */

/* "http://HOST[:PORT]PATH" into s->url and the matching Origin header
 * (ESP32 HTTPUpdateServer may require Origin == "http://" + Host). */
static int
build_url(struct http_session *s, const struct sockaddr *addr,
    char *origin, size_t cap)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;
	char host[80], ip[64];
	uint16_t port = efl_sockaddr_port(addr);

	efl_sockaddr_text(addr, ip, sizeof(ip));
	if (addr->sa_family == AF_INET6 && a6->sin6_scope_id != 0)
		snprintf(host, sizeof(host), "[%s%%25%u]", ip,
		    (unsigned)a6->sin6_scope_id);
	else if (addr->sa_family == AF_INET6)
		snprintf(host, sizeof(host), "[%s]", ip);
	else
		snprintf(host, sizeof(host), "%s", ip);
	if (port != 80) {
		size_t n = strlen(host);

		snprintf(host + n, sizeof(host) - n, ":%u", port);
	}
	snprintf(origin, cap, "Origin: http://%s", host);
	return snprintf(s->url, sizeof(s->url), "http://%s%s", host,
	    s->tr->path) < (int)sizeof(s->url) ? 0 : -1;
}

static void *
http_start(struct efl_transport *t, const struct efl_session_config *cfg,
    const struct sockaddr *addr, const struct efl_session_callbacks *cb,
    struct efl_errbuf *eb)
{
	struct http_transport *tr = (struct http_transport *)t;
	struct http_session *s = xcalloc(1, sizeof(*s));
	const struct efl_image *img = cfg->image;
	char origin[128], *path_copy;
	curl_mimepart *part;
	CURL *e;

	s->tr = tr;
	s->cb = *cb;
	s->image = img;
	s->password = cfg->password;
	s->loop = cfg->loop;
	s->timeout_ms = cfg->timeout_ms;
	s->device_timeout_ms = cfg->device_timeout_ms;
	s->started_at = uv_now(cfg->loop);
	s->label = xstrdup(cfg->label != NULL ? cfg->label : "device");
	s->job.done = on_done;
	s->job.easy = e = curl_easy_init();
	if (e == NULL || build_url(s, addr, origin, sizeof(origin)) != 0) {
		efl_errbuf_set(eb, "cannot set up an HTTP transfer to %s",
		    s->label);
		goto fail;
	}
	s->mime = curl_mime_init(e);
	part = curl_mime_addpart(s->mime);
	curl_mime_name(part, cfg->command == 100 ? EFA_HTTP_PART_FILESYSTEM :
	    EFA_HTTP_PART_FIRMWARE);
	path_copy = xstrdup(img->path);
	curl_mime_filename(part, basename(path_copy));
	free(path_copy);
	curl_mime_type(part, "application/octet-stream");
	curl_mime_data_cb(part, img->size, read_image, seek_image, NULL, s);
	/* no "Expect: 100-continue": stock update servers do not answer it */
	s->headers = curl_slist_append(NULL, "Expect:");
	s->headers = curl_slist_append(s->headers, origin);
	curl_easy_setopt(e, CURLOPT_URL, s->url);
	curl_easy_setopt(e, CURLOPT_MIMEPOST, s->mime);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "espfleet/" ESPFLEET_VERSION);
	curl_easy_setopt(e, CURLOPT_PROXY, "");   /* devices are local */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	/* hundreds at once: modest buffers (the answer is a line of text) */
	curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 4096L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_xfer);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, s);
	/* every wait is bounded by the timeout: the connection, then any
	 * silence (sending, or waiting for the verdict after the last byte) */
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
	    (long)((cfg->timeout_ms + 999) / 1000));
	/* and the whole transfer by the device timeout */
	if (cfg->device_timeout_ms != 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
		    (long)cfg->device_timeout_ms);
	if (tr->interface != NULL)
		curl_easy_setopt(e, CURLOPT_INTERFACE, tr->interface);
	if (cfg->password != NULL && cfg->password->present) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, tr->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->password->value);
	}
	efl_debug("%s: > POST %s (%s part, %u bytes%s)", s->label, s->url,
	    cfg->command == 100 ? EFA_HTTP_PART_FILESYSTEM :
	    EFA_HTTP_PART_FIRMWARE, img->size, cfg->password != NULL &&
	    cfg->password->present ? ", Basic auth, password redacted" : "");
	if (efl_curl_uv_add(tr->curl, &s->job) != 0) {
		efl_errbuf_set(eb, "cannot start an HTTP transfer to %s",
		    s->label);
		goto fail;
	}
	set_phase(s, EFL_PHASE_CONNECTING);
	return s;
fail:
	session_free(s);
	return NULL;
}

static void
http_cancel(struct efl_transport *t, void *session)
{
	struct http_transport *tr = (struct http_transport *)t;
	struct http_session *s = session;

	efl_curl_uv_remove(tr->curl, &s->job);
	finish(s, EFL_R_CANCELED, s->phase == EFL_PHASE_FINISHING ?
	    EFL_CANCELED_AFTER_UPLOAD : "canceled");
}

static void
http_free(struct efl_transport *t)
{
	struct http_transport *tr = (struct http_transport *)t;

	efl_curl_uv_free(tr->curl);
	free(tr->user);
	free(tr->path);
	free(tr->interface);
	free(tr);
}

static struct efl_transport *
http_new(uv_loop_t *loop, const struct efl_transport_opts *o,
    struct efl_errbuf *eb)
{
	struct http_transport *tr = xcalloc(1, sizeof(*tr));
	char ip[64];

	tr->curl = efl_curl_uv_new(loop);
	if (tr->curl == NULL) {
		efl_errbuf_set(eb, "cannot start libcurl");
		free(tr);
		return NULL;
	}
	tr->user = xstrdup(o->http_user != NULL ? o->http_user : "admin");
	tr->path = xstrdup(o->http_path != NULL ? o->http_path :
	    EFA_HTTP_UPDATE_PATH);
	if (o->host_ip != NULL) {
		efl_sockaddr_text(o->host_ip, ip, sizeof(ip));
		tr->interface = xasprintf("host!%s", ip);
	}
	return &tr->t;
}

const struct efl_transport_kind efl_transport_http = {
	.name = "http",
	.default_port = 80,
	.advertised_port = 0,   /* mDNS advertises the OTA port, not the page */
	.options = EFL_TOPT_HTTP_USER | EFL_TOPT_HTTP_PATH,
	.create = http_new,
	.start = http_start,
	.cancel = http_cancel,
	.free = http_free,
};
