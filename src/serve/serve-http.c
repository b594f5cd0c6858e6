/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side of espfleet serve (see serve.h): libmicrohttpd on the loop
 * (mhd-uv.c) hands each request over; this file takes its headers and
 * Basic credentials, asks efl_serve_decide what to answer, sends that (the
 * image from the shared mapping, never copied) and reports the request
 * when it is over. The decision itself lives in server.c.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "efa/efa_http.h"
#include "efa/efa_image.h"
#include "efa/efa_util.h"
#include "espfleet/common.h"
#include "espfleet/text.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/output.h"
#include "espfleet/secret.h"
#include "espfleet/serve.h"
#include "espfleet/target.h"
#include "mhd-uv.h"

#define MAX_HEADERS 48
#define REALM "espfleet"

struct efl_server {
	struct efl_mhd_uv *mhd;
	struct efl_serve_config cfg;
	char image_version[64];
	const struct efl_image *image, *fs;
	const struct efl_secret *password;
	struct MHD_Response *resp_image, *resp_fs;
	struct efl_out *out;
	struct efl_serve_summary sum;
	uint64_t started_ms;
};

/* One request, from its first call to its completion. */
struct req_ctx {
	struct efl_serve_decision d;
	struct efl_serve_event ev;
};

struct header_list {
	struct efl_http_header h[MAX_HEADERS];
	size_t n;
};

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct header_list *l = cls;

	(void)kind;
	if (l->n < MAX_HEADERS) {
		l->h[l->n].name = key;
		l->h[l->n].value = value;
		l->n++;
	}
	return MHD_YES;
}

/* Basic credentials against the password; the user name is not checked. */
static enum efl_serve_auth
check_auth(struct efl_server *s, struct MHD_Connection *c)
{
	char *pass = NULL, *user;
	enum efl_serve_auth a;

	user = MHD_basic_auth_get_username_password(c, &pass);
	if (user == NULL) {
		if (pass != NULL)
			MHD_free(pass);
		return EFL_SERVE_AUTH_NONE;
	}
	a = pass != NULL && strlen(pass) == s->password->len &&
	    efa_ct_equal(pass, s->password->value, s->password->len) ?
	    EFL_SERVE_AUTH_OK : EFL_SERVE_AUTH_BAD;
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	MHD_free(user);
	return a;
}

static void
client_addr(struct MHD_Connection *c, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	if (ci == NULL || ci->client_addr == NULL)
		snprintf(out, cap, "?");
	else
		efl_sockaddr_text(ci->client_addr, out, cap);
}

/* The answer for a decision without an image body. */
static struct MHD_Response *
text_response(const struct efl_serve_decision *d)
{
	struct MHD_Response *r;
	char body[sizeof(d->reason) + 2];
	size_t n = 0;

	if (d->status != 200 && d->status != 304)
		n = (size_t)snprintf(body, sizeof(body), "%s\n", d->reason);
	r = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain");
	if (d->status != 200)
		MHD_add_response_header(r, "x-espfleet-reason", d->reason);
	if (d->md5 != NULL)
		MHD_add_response_header(r, EFA_HTTP_H_X_MD5, d->md5);
	if (d->version != NULL)
		MHD_add_response_header(r, EFA_HTTP_H_X_VERSION, d->version);
	return r;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct efl_server *s = cls;
	struct req_ctx *rc = *con_cls;
	struct efl_serve_request req;
	struct header_list hl;
	struct MHD_Response *r;
	enum MHD_Result ok;

	(void)version;
	(void)upload_data;
	if (rc != NULL) {
		*upload_data_size = 0;   /* a body: answered already */
		return MHD_YES;
	}
	rc = xcalloc(1, sizeof(*rc));
	*con_cls = rc;
	hl.n = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hl);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.headers = hl.h;
	req.nheaders = hl.n;
	req.auth = s->cfg.password ? check_auth(s, c) : EFL_SERVE_AUTH_NONE;
	efl_serve_decide(&s->cfg, &req, &rc->d);

	client_addr(c, rc->ev.addr, sizeof(rc->ev.addr));
	snprintf(rc->ev.method, sizeof(rc->ev.method), "%s", method);
	snprintf(rc->ev.path, sizeof(rc->ev.path), "%s", url);
	rc->ev.d = &rc->d;

	if (rc->d.body == EFL_SERVE_BODY_IMAGE)
		r = s->resp_image;
	else if (rc->d.body == EFL_SERVE_BODY_FS)
		r = s->resp_fs;
	else
		r = text_response(&rc->d);
	if (r == NULL)
		return MHD_NO;
	if (rc->d.status == 401)
		ok = MHD_queue_basic_auth_fail_response(c, REALM, r);
	else
		ok = MHD_queue_response(c, (unsigned)rc->d.status, r);
	if (r != s->resp_image && r != s->resp_fs)
		MHD_destroy_response(r);
	return ok;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct efl_server *s = cls;
	struct req_ctx *rc = *con_cls;
	const struct efl_serve_decision *d;

	(void)c;
	if (rc == NULL)
		return;
	*con_cls = NULL;
	d = &rc->d;
	rc->ev.completed = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	if (rc->ev.completed && strcmp(rc->ev.method, "HEAD") != 0)
		rc->ev.bytes = d->body == EFL_SERVE_BODY_IMAGE ?
		    s->image->size : d->body == EFL_SERVE_BODY_FS ?
		    s->fs->size : 0;
	s->sum.requests++;
	if (d->body != EFL_SERVE_BODY_NONE && rc->ev.completed)
		s->sum.offered++;
	else if (d->status == 304)
		s->sum.not_modified++;
	else if (d->status == 401 || d->status == 403)
		s->sum.refused++;
	else
		s->sum.other++;
	efl_out_serve_request(s->out, &rc->ev);
	if (d->status == 403) {
		char shown[64];

		efl_printable(shown, sizeof(shown), d->dev.mac,
		    strlen(d->dev.mac));
		efl_warn("refused %s (%s): %s", rc->ev.addr,
		    shown[0] != '\0' ? shown : "no MAC", d->reason);
	}
	free(rc);
}

/* The persistent answer carrying an image (shared by every request). */
static struct MHD_Response *
image_response(const struct efl_image *img)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(img->size,
	    (void *)(uintptr_t)img->data, MHD_RESPMEM_PERSISTENT);
	char *copy, *disp;

	if (r == NULL)
		return NULL;
	copy = xstrdup(img->path);
	disp = xasprintf("attachment; filename=%s", basename(copy));
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/octet-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	MHD_add_response_header(r, EFA_HTTP_H_X_MD5, img->md5_hex);
	free(disp);
	free(copy);
	return r;
}

struct efl_server *
efl_server_start(uv_loop_t *loop, const struct efl_server_opts *o,
    struct efl_out *out, struct efl_errbuf *eb)
{
	struct efl_server *s = xcalloc(1, sizeof(*s));
	struct efl_mhd_uv_config mc;

	s->image = o->image;
	s->fs = o->fs;
	s->out = out;
	s->password = o->password != NULL && o->password->present ?
	    o->password : NULL;
	efa_image_version(o->image->data, o->image->size, s->image_version,
	    sizeof(s->image_version));
	s->cfg.path = o->path;
	s->cfg.image_md5 = o->image->md5_hex;
	s->cfg.image_size = o->image->size;
	s->cfg.image_version = s->image_version;
	s->cfg.fs_md5 = o->fs != NULL ? o->fs->md5_hex : NULL;
	s->cfg.fs_size = o->fs != NULL ? o->fs->size : 0;
	s->cfg.percent = o->percent;
	s->cfg.password = s->password != NULL;
	s->resp_image = image_response(o->image);
	s->resp_fs = o->fs != NULL ? image_response(o->fs) : NULL;
	if (s->resp_image == NULL || (o->fs != NULL && s->resp_fs == NULL)) {
		efl_errbuf_set(eb, "cannot prepare the HTTP answers");
		goto fail;
	}
	memset(&mc, 0, sizeof(mc));
	mc.addr = o->listen;
	mc.handler = on_request;
	mc.handler_cls = s;
	mc.completed = on_completed;
	mc.completed_cls = s;
	mc.timeout_s = o->timeout_s;
	s->mhd = efl_mhd_uv_start(loop, &mc, eb->msg, sizeof(eb->msg));
	if (s->mhd == NULL)
		goto fail;
	s->started_ms = efl_now_ms();
	return s;
fail:
	if (s->resp_image != NULL)
		MHD_destroy_response(s->resp_image);
	if (s->resp_fs != NULL)
		MHD_destroy_response(s->resp_fs);
	free(s);
	return NULL;
}

uint16_t
efl_server_port(const struct efl_server *s)
{
	return efl_mhd_uv_port(s->mhd);
}

void
efl_server_stop(struct efl_server *s, struct efl_serve_summary *sum)
{
	efl_mhd_uv_stop(s->mhd);
	MHD_destroy_response(s->resp_image);
	if (s->resp_fs != NULL)
		MHD_destroy_response(s->resp_fs);
	s->sum.seconds = (double)(efl_now_ms() - s->started_ms) / 1000.0;
	*sum = s->sum;
	free(s);
}
