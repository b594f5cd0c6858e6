/* SPDX-License-Identifier: MIT */
/*
 * The /update page of a simulated device (see sim-http.h), as the stock
 * ESP8266HTTPUpdateServer serves it (docs/protocol.md 7.2): GET gives the form,
 * a multipart POST streams the file part into the agent's upload API (no
 * length, no MD5) and answers "Update Success! Rebooting..." or "Update
 * error: <the chip's Updater text>", always 200 text/html after the whole
 * body; Basic auth (user admin) when the device has a password. One
 * libmicrohttpd daemon per device, on the fleet's loop (mhd-uv.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efa/efa_http.h"
#include "efa/efa_upload.h"
#include "mhd-uv.h"
#include "sim-device.h"
#include "sim-http.h"

#define HTTP_USER "admin"

static const char form_page[] =
"<html><body><form method='POST' action='' enctype='multipart/form-data'>"
"Firmware:<br><input type='file' accept='.bin,.bin.gz' name='firmware'>"
"<input type='submit' value='Update Firmware'></form><br>"
"<form method='POST' action='' enctype='multipart/form-data'>FileSystem:"
"<br><input type='file' accept='.bin,.bin.gz' name='filesystem'>"
"<input type='submit' value='Update FileSystem'></form></body></html>";

static const char success_page[] =
"<META http-equiv=\"refresh\" content=\"15;URL=/\">" EFA_HTTP_UPDATE_OK;

/* One request on the page. */
struct page_req {
	struct sim_device *dev;
	struct MHD_PostProcessor *pp;
	int authorized;
	int begun;            /* it began an upload in the agent */
	int other_part;       /* in a later file part: ignored */
	enum efa_err err;     /* first failure; EFA_E_OK so far */
};

static int
authorized(struct sim_device *dev, struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	int ok;

	if (dev->fleet->agent_cfg.auth == EFA_AUTH_NONE)
		return 1;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user != NULL && pass != NULL &&
	    strcmp(user, HTTP_USER) == 0 &&
	    efa_agent_password_ok(&dev->agent, pass, strlen(pass));
	if (pass != NULL) {
		memset(pass, 0, strlen(pass));
		MHD_free(pass);
	}
	if (user != NULL)
		MHD_free(user);
	return ok;
}

static enum MHD_Result
send_page(struct MHD_Connection *c, unsigned status, const char *body,
    int login)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body),
	    (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/html");
	/* CORS, as the stock page (on OPTIONS, POST and the rest) */
	MHD_add_response_header(r, "Access-Control-Allow-Headers", "*");
	MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	if (login)
		ok = MHD_queue_basic_auth_fail_response(c, EFA_HTTP_REALM, r);
	else
		ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* The file part's bytes, in pieces, into the agent. */
static enum MHD_Result
on_part(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *content_type,
    const char *transfer_encoding, const char *data, uint64_t off,
    size_t size)
{
	struct page_req *u = cls;
	struct sim_device *dev = u->dev;
	enum efa_err err;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (filename == NULL || u->err != EFA_E_OK || !dev->online)
		return MHD_YES;     /* a plain field, or nothing more to do */
	if (off == 0 && (u->begun || u->other_part)) {
		u->other_part = 1;  /* one file per update */
		return MHD_YES;
	}
	if (u->other_part)
		return MHD_YES;
	if (!u->begun) {
		/* stock: "filesystem" is U_FS, any other name U_FLASH */
		err = efa_agent_upload_begin(&dev->agent,
		    strcmp(key, EFA_HTTP_PART_FILESYSTEM) == 0 ? EFA_CMD_FS :
		    EFA_CMD_FLASH, 0, NULL, 0, sim_device_now(dev));
		sim_device_after_agent(dev);
		if (err != EFA_E_OK) {
			u->err = err;
			return MHD_YES;
		}
		u->begun = 1;
		dev->http_upload = u;
		sim_device_log(dev, "http: %s upload begins", key);
	}
	if (size > 0 && dev->online) {
		u->err = efa_agent_upload_write(&dev->agent,
		    (const uint8_t *)data, size, sim_device_now(dev));
		sim_device_after_agent(dev);
	}
	return MHD_YES;
}

/* The whole body is in: end the update, answer as the stock page does. */
static enum MHD_Result
finish_post(struct MHD_Connection *c, struct page_req *u)
{
	struct sim_device *dev = u->dev;
	char text[sizeof(EFA_HTTP_UPDATE_ERROR) + EFA_TEXT_MAX];
	size_t pos;

	if (!dev->online)
		return MHD_NO;    /* it lost power: no answer */
	if (!u->authorized)
		return send_page(c, 401, "", 1);
	if (u->err == EFA_E_OK && !u->begun)
		u->err = EFA_E_NO_DATA;  /* no file part at all */
	if (u->err == EFA_E_OK) {
		u->err = efa_agent_upload_end(&dev->agent, sim_device_now(dev));
		sim_device_after_agent(dev);
	}
	if (dev->http_upload == u)
		dev->http_upload = NULL;
	if (u->err == EFA_E_OK) {
		sim_device_log(dev, "http: update done, rebooting");
		return send_page(c, 200, success_page, 0);
	}
	pos = (size_t)snprintf(text, sizeof(text), "%s",
	    EFA_HTTP_UPDATE_ERROR);
	efa_err_format(text + pos, sizeof(text) - pos,
	    dev->fleet->agent_cfg.chip, u->err, NULL);
	sim_device_log(dev, "http: %s", text);
	return send_page(c, 200, text, 0);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *size, void **con_cls)
{
	struct sim_device *dev = cls;
	struct page_req *u = *con_cls;

	(void)version;
	if (u == NULL) {
		u = calloc(1, sizeof(*u));
		if (u == NULL)
			return MHD_NO;
		u->dev = dev;
		*con_cls = u;
		if (strcmp(url, EFA_HTTP_UPDATE_PATH) != 0)
			return send_page(c, 404, "Not found", 0);
		if (strcmp(method, "OPTIONS") == 0)
			return send_page(c, 200, "", 0);
		u->authorized = authorized(dev, c);
		if (strcmp(method, "GET") == 0)
			return u->authorized ? send_page(c, 200, form_page, 0) :
			    send_page(c, 401, "", 1);
		if (strcmp(method, "POST") != 0)
			return send_page(c, 405, "Method Not Allowed", 0);
		/* the answer comes after the whole body, as on the device */
		u->pp = MHD_create_post_processor(c, 1024, on_part, u);
		if (u->pp == NULL)
			u->err = EFA_E_NO_DATA;   /* not multipart */
		return MHD_YES;
	}
	if (*size > 0) {
		if (u->authorized && u->pp != NULL && dev->online)
			MHD_post_process(u->pp, data, *size);
		*size = 0;
		return MHD_YES;
	}
	return finish_post(c, u);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct page_req *u = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (u == NULL)
		return;
	*con_cls = NULL;
	if (u->dev->http_upload == u) {
		/* the connection broke in the middle of the upload */
		u->dev->http_upload = NULL;
		efa_agent_upload_abort(&u->dev->agent, EFA_E_STREAM);
		sim_device_after_agent(u->dev);
	}
	if (u->pp != NULL)
		MHD_destroy_post_processor(u->pp);
	free(u);
}

int
sim_http_online(struct sim_device *dev, char *err, size_t errlen)
{
	struct efl_mhd_uv_config mc;
	struct sockaddr_in sin;

	if (dev->fleet->opt->http_port == 0 || dev->http != NULL)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(dev->addr);
	sin.sin_port = htons(dev->fleet->opt->http_port);
	memset(&mc, 0, sizeof(mc));
	mc.addr = (struct sockaddr *)&sin;
	mc.handler = on_request;
	mc.handler_cls = dev;
	mc.completed = on_completed;
	mc.completed_cls = dev;
	mc.timeout_s = 20;        /* ESP8266WebServer: HTTP_MAX_SEND_WAIT */
	mc.max_connections = 4;   /* a device has few sockets */
	mc.connection_memory = 16384;
	dev->http = efl_mhd_uv_start(dev->fleet->loop, &mc, err, errlen);
	return dev->http != NULL ? 0 : -1;
}

void
sim_http_offline(struct sim_device *dev)
{
	struct efl_mhd_uv *m = dev->http;

	dev->http = NULL;
	dev->http_upload = NULL;   /* it went down with the device */
	efl_mhd_uv_stop(m);
}
