/* SPDX-License-Identifier: MIT */
/*
 * The pull of a simulated device (see sim-http.h), as ESP8266httpUpdate
 * and ESP32 HTTPUpdate make it (docs/protocol.md 7.1): a GET of --pull URL
 * with the chip's headers (HTTP/1.0, no redirects, no proxy), then the
 * contract on the answer: 200 with a length streams into the agent's
 * upload API with the x-MD5 check and reboots; 304 changes nothing; any
 * other answer becomes the device's last error. libcurl multi on the
 * fleet's loop through the same adapter as espfleet (curl-uv.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curl-uv.h"
#include "efa/efa_http.h"
#include "efa/efa_upload.h"
#include "sim-device.h"
#include "sim-http.h"

/* ESP8266 core 3.1.2's ESP.getSdkVersion(); an ESP-IDF 5.1 version. */
#define SDK_ESP8266 "2.2.2-dev(38a443e)"
#define SDK_ESP32 "v5.1.4"
/* The stock client's read timeout (ESP8266HTTPClient, HTTPUpdate). */
#define CLIENT_TIMEOUT_MS 8000L

struct sim_pull {
	struct efl_curl_job job;   /* first: the adapter hands this back */
	struct sim_device *dev;
	struct curl_slist *headers;
	char md5[40];              /* x-MD5 of the answer */
	char reason[160];          /* x-espfleet-reason, if any */
	int begun;                 /* an upload runs in the agent */
	int refused;               /* the answer's body is not taken */
	int in_body;               /* inside on_body (curl's callback) */
	int dropped;               /* the device went down meanwhile */
	char errbuf[CURL_ERROR_SIZE];
};

static void
pull_free(struct sim_pull *p)
{
	curl_easy_cleanup(p->job.easy);
	curl_slist_free_all(p->headers);
	free(p);
}

/* An HTTP-level failure as the device's last error. */
static void
pull_error(struct sim_device *dev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
pull_error(struct sim_device *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dev->last_error, sizeof(dev->last_error), fmt, ap);
	va_end(ap);
	sim_device_log(dev, "pull: %s", dev->last_error);
}

static size_t
on_header(char *line, size_t size, size_t n, void *arg)
{
	struct sim_pull *p = arg;
	size_t len = size * n, k;
	char *out = NULL;
	size_t cap = 0;

	if (len > sizeof(EFA_HTTP_H_X_MD5) && strncasecmp(line,
	    EFA_HTTP_H_X_MD5 ":", sizeof(EFA_HTTP_H_X_MD5)) == 0) {
		k = sizeof(EFA_HTTP_H_X_MD5);
		out = p->md5;
		cap = sizeof(p->md5);
	} else if (len > 18 && strncasecmp(line, "x-espfleet-reason:", 18) ==
	    0) {
		k = 18;
		out = p->reason;
		cap = sizeof(p->reason);
	}
	if (out != NULL) {
		while (k < len && line[k] == ' ')
			k++;
		n = len - k;
		while (n > 0 && (line[k + n - 1] == '\r' ||
		    line[k + n - 1] == '\n' || line[k + n - 1] == ' '))
			n--;
		snprintf(out, cap, "%.*s", (int)n, line + k);
	}
	return len;
}

/* The first bytes of a 200 answer: check it as the stock client does,
 * then begin the update. 0 to take the body, -1 to stop. */
static int
begin_update(struct sim_pull *p)
{
	struct sim_device *dev = p->dev;
	curl_off_t length = -1;
	enum efa_err err;

	curl_easy_getinfo(p->job.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &length);
	if (length <= 0) {
		pull_error(dev, "HTTP_UE_SERVER_NOT_REPORT_SIZE: Server Did "
		    "Not Report Size");
		return -1;
	}
	if (strlen(p->md5) != EFA_MD5_HEX_LEN) {
		pull_error(dev, "HTTP_UE_SERVER_FAULTY_MD5: Wrong MD5");
		return -1;
	}
	if (length > 0x7fffffff)
		length = 0x7fffffff;   /* fails the space check */
	err = efa_agent_upload_begin(&dev->agent, EFA_CMD_FLASH,
	    (uint32_t)length, p->md5, EFA_UPLOAD_PULLED, sim_device_now(dev));
	sim_device_after_agent(dev);
	if (err != EFA_E_OK)
		return -1;   /* the agent reported it (hook_error) */
	p->begun = 1;
	sim_device_log(dev, "pull: update of %lld bytes begins",
	    (long long)length);
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sim_pull *p = arg;
	struct sim_device *dev = p->dev;
	size_t len = size * n;
	long status = 0;

	if (p->refused)
		return len;
	if (p->dropped)
		return 0;
	if (!p->begun) {
		curl_easy_getinfo(p->job.easy, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			p->refused = 1;   /* an error text: not an image */
			return len;
		}
		if (begin_update(p) != 0)
			return 0;         /* stops the transfer */
	}
	p->in_body = 1;
	if (efa_agent_upload_write(&dev->agent, (const uint8_t *)data, len,
	    sim_device_now(dev)) != EFA_E_OK)
		p->begun = 0;
	sim_device_after_agent(dev);   /* may power-cycle: see dropped */
	p->in_body = 0;
	return p->begun && !p->dropped ? len : 0;
}

/* The answer is complete (or the transfer failed). */
static void
on_done(struct efl_curl_job *job, CURLcode rc)
{
	struct sim_pull *p = (struct sim_pull *)job;
	struct sim_device *dev = p->dev;
	long status = 0;

	if (p->dropped) {
		pull_free(p);
		return;
	}
	dev->pull = NULL;
	curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
	if (p->begun) {
		if (rc == CURLE_OK) {
			efa_agent_upload_end(&dev->agent, sim_device_now(dev));
		} else {
			efa_agent_upload_abort(&dev->agent, EFA_E_STREAM);
			sim_device_log(dev, "pull: transfer broke: %s",
			    p->errbuf[0] ? p->errbuf : curl_easy_strerror(rc));
		}
		sim_device_after_agent(dev);
	} else if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) {
		pull_error(dev, "HTTP_UE: %s", p->errbuf[0] ? p->errbuf :
		    curl_easy_strerror(rc));
	} else if (status == 304) {
		sim_device_log(dev, "pull: no update (304)");
	} else if (status == 200 && rc == CURLE_OK) {
		/* headers only: nothing to flash */
		pull_error(dev, "HTTP_UE_SERVER_NOT_REPORT_SIZE: Server Did "
		    "Not Report Size");
	} else if (status == 401 || status == 403 || status == 404) {
		pull_error(dev, "HTTP_UE_SERVER_%s: %s", status == 401 ?
		    "UNAUTHORIZED" : status == 403 ? "FORBIDDEN" :
		    "FILE_NOT_FOUND", p->reason[0] ? p->reason :
		    status == 401 ? "Unauthorized (401)" : status == 403 ?
		    "Forbidden (403)" : "File Not Found (404)");
	} else if (status != 200) {
		pull_error(dev, "HTTP_UE_SERVER_WRONG_HTTP_CODE: Wrong HTTP "
		    "Code (%ld)", status);
	}
	if (status != 0) {
		dev->pulls++;
		dev->last_pull_status = (int)status;
	}
	sim_device_report(dev);
	pull_free(p);
}

static void
add_header(struct sim_pull *p, const char *prefix, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
add_header(struct sim_pull *p, const char *prefix, const char *name,
    const char *fmt, ...)
{
	char line[256];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), "%s%s: ", prefix, name);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	p->headers = curl_slist_append(p->headers, line);
}

/* The request headers of the chip's stock update client (7.1/7.2). */
static void
build_headers(struct sim_pull *p)
{
	struct sim_device *dev = p->dev;
	const struct sim_options *o = dev->fleet->opt;
	int esp32 = o->chip == EFA_CHIP_ESP32;
	const char *x = esp32 ? EFA_HTTP_PREFIX_ESP32 :
	    EFA_HTTP_PREFIX_ESP8266;
	uint32_t free_space = dev->agent.sink->free_space(dev->agent.sink_ctx,
	    EFA_CMD_FLASH);

	p->headers = curl_slist_append(NULL, esp32 ? "User-Agent: "
	    EFA_HTTP_UA_ESP32 : "User-Agent: " EFA_HTTP_UA_ESP8266);
	p->headers = curl_slist_append(p->headers, "Accept:");
	p->headers = curl_slist_append(p->headers, "Connection: close");
	if (esp32)
		p->headers = curl_slist_append(p->headers,
		    "Cache-Control: no-cache");
	else
		add_header(p, x, EFA_HTTP_H_CHIP_ID, "%u",
		    (unsigned)dev->mac[3] << 16 | (unsigned)dev->mac[4] << 8 |
		    dev->mac[5]);
	add_header(p, x, EFA_HTTP_H_STA_MAC, "%s", dev->mac_text);
	add_header(p, x, EFA_HTTP_H_AP_MAC, "%02X:%02X:%02X:%02X:%02X:%02X",
	    dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4],
	    (uint8_t)(dev->mac[5] + 1));
	add_header(p, x, EFA_HTTP_H_FREE_SPACE, "%u", free_space);
	add_header(p, x, EFA_HTTP_H_SKETCH_SIZE, "%u", dev->running.size);
	add_header(p, x, EFA_HTTP_H_SKETCH_MD5, "%s", dev->running_md5);
	if (esp32)
		add_header(p, x, EFA_HTTP_H_SKETCH_SHA256, "%s",
		    dev->running_sha256);
	add_header(p, x, EFA_HTTP_H_CHIP_SIZE, "%u", o->flash_size);
	add_header(p, x, EFA_HTTP_H_SDK_VERSION, "%s", esp32 ? SDK_ESP32 :
	    SDK_ESP8266);
	add_header(p, x, EFA_HTTP_H_MODE, "%s", EFA_HTTP_MODE_SKETCH);
	if (dev->version[0] != '\0')
		add_header(p, x, EFA_HTTP_H_VERSION, "%s", dev->version);
}

static void
pull_now(uv_timer_t *t)
{
	struct sim_device *dev = t->data;
	struct sim_pull *p;
	CURL *e;

	if (dev->pull != NULL || !dev->online || dev->power_lost ||
	    efa_agent_state(&dev->agent) != EFA_IDLE)
		return;    /* busy: the next period asks again */
	p = calloc(1, sizeof(*p));
	if (p == NULL || (e = curl_easy_init()) == NULL) {
		free(p);
		return;
	}
	p->dev = dev;
	p->job.easy = e;
	p->job.done = on_done;
	build_headers(p);
	curl_easy_setopt(e, CURLOPT_URL, dev->fleet->opt->pull_url);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_0);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, p);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CLIENT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
	    CLIENT_TIMEOUT_MS / 1000);
	/* a device pulls from its own address, as a real one would */
	{
		char ip[32];

		snprintf(ip, sizeof(ip), "host!%s", dev->addr_text);
		curl_easy_setopt(e, CURLOPT_INTERFACE, ip);
	}
	if (efl_curl_uv_add(dev->fleet->curl, &p->job) != 0) {
		pull_free(p);
		return;
	}
	dev->pull = p;
	sim_device_log(dev, "pull: GET %s", dev->fleet->opt->pull_url);
}

void
sim_pull_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
sim_pull_fleet_start(struct sim_fleet *fleet)
{
	if (fleet->opt->pull_url == NULL)
		return 0;
	fleet->curl = efl_curl_uv_new(fleet->loop);
	return fleet->curl != NULL ? 0 : -1;
}

void
sim_pull_fleet_stop(struct sim_fleet *fleet)
{
	efl_curl_uv_free(fleet->curl);
	fleet->curl = NULL;
}

void
sim_pull_online(struct sim_device *dev)
{
	const struct sim_options *o = dev->fleet->opt;
	uint64_t first;

	if (o->pull_url == NULL || dev->fleet->curl == NULL)
		return;
	/* at boot (as a sketch's setup() would), spread over half a second
	 * so a fleet does not ask all at once; then every period */
	first = 20 + ((uint64_t)dev->index * 37u) % 500u;
	uv_timer_start(&dev->pull_timer, pull_now, first, o->pull_every_ms);
}

void
sim_pull_offline(struct sim_device *dev)
{
	struct sim_pull *p = dev->pull;

	if (uv_is_active((uv_handle_t *)&dev->pull_timer))
		uv_timer_stop(&dev->pull_timer);
	if (p == NULL)
		return;
	dev->pull = NULL;
	if (p->in_body) {
		/* inside curl's callback: it stops the transfer, then frees */
		p->dropped = 1;
		return;
	}
	efl_curl_uv_remove(dev->fleet->curl, &p->job);
	pull_free(p);
}
