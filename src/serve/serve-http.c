/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side of espfleet serve (see serve.h): libmicrohttpd on the loop
 * (mhd-uv.c) hands each request over; this file takes its headers and
 * Basic credentials, asks efl_serve_decide what to answer, sends that (the
 * image from the copy in memory, never copied again) and reports the
 * request when it is over. It also watches the image files and swaps in a
 * changed one only once it has settled and was read whole and checked
 * (serve.h), throttles wrong passwords per client address (throttle.c)
 * and drops connections that do not send a whole request in time. The
 * decision itself lives in server.c.
 */
#include <errno.h>
#include <libgen.h>
#include <sys/socket.h>
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

/* One image being served, and what watching its file has seen. */
struct served {
	const char *which;               /* "image" or "fs" */
	const struct efl_image *img;     /* the caller's, or a reloaded one
	                                    that resp owns */
	struct MHD_Response *resp;
	char version[64];
	struct efl_image_stamp pending;  /* a change seen, not yet settled */
	struct efl_image_stamp refused;  /* a state that failed the checks */
	int has_pending, has_refused, gone;
};

/* One connection: since when it owes a whole request. */
struct conn_state {
	struct conn_state *next, *prev;
	struct MHD_Connection *c;
	uint64_t since_ms;    /* opened, or its last answer ended */
	int answering;        /* a whole request came; 2: cut */
};

struct efl_server {
	struct efl_mhd_uv *mhd;
	struct efl_serve_config cfg;
	struct served image, fs;
	enum efl_image_check check;
	uv_timer_t tick;      /* image watch and request deadlines */
	const struct efl_secret *password;
	struct efl_throttle throttle;
	struct conn_state *conns;
	uint32_t header_timeout_ms;
	struct efl_out *out;
	struct efl_serve_summary sum;
	uint64_t started_ms;
};

/* One request, from its first call to its completion. */
struct req_ctx {
	struct efl_serve_decision d;
	struct efl_serve_event ev;
	uint32_t body_size;    /* of the image it was answered with */
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

static const struct sockaddr *
client_sockaddr(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci != NULL ? ci->client_addr : NULL;
}

/* Basic credentials against the password (the user name is not checked),
 * unless the client address is locked out for wrong ones (req->throttle_s
 * says how long). A wrong one counts against the address and may lock it
 * out (a "throttled" event); the right one clears its count. */
static enum efl_serve_auth
check_auth(struct efl_server *s, struct MHD_Connection *c,
    struct efl_serve_request *req)
{
	const struct sockaddr *from = client_sockaddr(c);
	char *pass = NULL, *user, addr[64];
	enum efl_serve_auth a;
	uint64_t wait, lock;
	uint32_t failures;

	if (from != NULL && (wait = efl_throttle_wait(&s->throttle, from,
	    efl_now_ms())) > 0) {
		req->throttle_s = (uint32_t)((wait + 999) / 1000);
		return EFL_SERVE_AUTH_THROTTLED;
	}
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
	if (from != NULL && a == EFL_SERVE_AUTH_OK)
		efl_throttle_passed(&s->throttle, from);
	if (from != NULL && a == EFL_SERVE_AUTH_BAD &&
	    (lock = efl_throttle_failed(&s->throttle, from, efl_now_ms(),
	    &failures)) > 0) {
		efl_sockaddr_text(from, addr, sizeof(addr));
		efl_out_serve_throttled(s->out, addr, failures,
		    (double)lock / 1000.0);
	}
	return a;
}

static void
client_addr(struct MHD_Connection *c, char *out, size_t cap)
{
	const struct sockaddr *sa = client_sockaddr(c);

	if (sa == NULL)
		snprintf(out, cap, "?");
	else
		efl_sockaddr_text(sa, out, cap);
}

static struct conn_state *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct efl_server *s = cls;
	struct conn_state *cs = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		cs = xcalloc(1, sizeof(*cs));
		cs->c = c;
		cs->since_ms = efl_now_ms();
		cs->next = s->conns;
		if (s->conns != NULL)
			s->conns->prev = cs;
		s->conns = cs;
		*socket_context = cs;
		return;
	}
	if (cs == NULL)
		return;
	if (cs->prev != NULL)
		cs->prev->next = cs->next;
	else
		s->conns = cs->next;
	if (cs->next != NULL)
		cs->next->prev = cs->prev;
	*socket_context = NULL;
	free(cs);
}

/* Cut the connections that owe a whole request for too long (a client
 * sending its headers a byte at a time holds a connection forever
 * otherwise: each byte restarts the idle timeout). The shutdown makes
 * libmicrohttpd see the end and close it. */
static void
cut_slow_requests(struct efl_server *s)
{
	const union MHD_ConnectionInfo *ci;
	struct conn_state *cs;
	uint64_t now = efl_now_ms();
	char addr[64];

	for (cs = s->conns; cs != NULL; cs = cs->next) {
		if (cs->answering || now - cs->since_ms < s->header_timeout_ms)
			continue;
		ci = MHD_get_connection_info(cs->c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL)
			continue;
		cs->answering = 2;
		client_addr(cs->c, addr, sizeof(addr));
		efl_debug("dropping a connection from %s: no whole request "
		    "within %u s", addr, s->header_timeout_ms / 1000);
		(void)shutdown(ci->connect_fd, SHUT_RDWR);
	}
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
	if (d->retry_after > 0) {
		char s[16];

		snprintf(s, sizeof(s), "%u", d->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
	}
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
	struct conn_state *cs;
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
	if ((cs = conn_of(c)) != NULL && cs->answering == 0)
		cs->answering = 1;
	hl.n = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hl);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.headers = hl.h;
	req.nheaders = hl.n;
	req.auth = s->cfg.password ? check_auth(s, c, &req) :
	    EFL_SERVE_AUTH_NONE;
	efl_serve_decide(&s->cfg, &req, &rc->d);

	client_addr(c, rc->ev.addr, sizeof(rc->ev.addr));
	snprintf(rc->ev.method, sizeof(rc->ev.method), "%s", method);
	snprintf(rc->ev.path, sizeof(rc->ev.path), "%s", url);
	rc->ev.d = &rc->d;

	if (rc->d.body == EFL_SERVE_BODY_IMAGE) {
		r = s->image.resp;
		rc->body_size = s->image.img->size;
	} else if (rc->d.body == EFL_SERVE_BODY_FS) {
		r = s->fs.resp;
		rc->body_size = s->fs.img->size;
	} else {
		r = text_response(&rc->d);
	}
	if (r == NULL)
		return MHD_NO;
	if (rc->d.status == 401)
		ok = MHD_queue_basic_auth_fail_response(c, REALM, r);
	else
		ok = MHD_queue_response(c, (unsigned)rc->d.status, r);
	if (r != s->image.resp && r != s->fs.resp)
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
	struct conn_state *cs = conn_of(c);

	if (cs != NULL && cs->answering == 1) {
		/* the next request on this connection owes its own */
		cs->answering = 0;
		cs->since_ms = efl_now_ms();
	}
	if (rc == NULL)
		return;
	*con_cls = NULL;
	d = &rc->d;
	rc->ev.completed = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	if (rc->ev.completed && strcmp(rc->ev.method, "HEAD") != 0)
		rc->ev.bytes = rc->body_size;
	s->sum.requests++;
	if (d->body != EFL_SERVE_BODY_NONE && rc->ev.completed)
		s->sum.offered++;
	else if (d->status == 304)
		s->sum.not_modified++;
	else if (d->status == 401 || d->status == 403 || d->status == 429)
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

static void
free_reloaded(void *cls)
{
	struct efl_image *img = cls;

	efl_image_close(img);
	free(img);
}

/*
 * The answer carrying an image, shared by every request: over the caller's
 * image (owned NULL), or owning a reloaded one, freed with the answer once
 * the last request sending it is over.
 */
static struct MHD_Response *
image_response(const struct efl_image *img, struct efl_image *owned)
{
	struct MHD_Response *r = owned != NULL ?
	    MHD_create_response_from_buffer_with_free_callback_cls(img->size,
	    (void *)(uintptr_t)img->data, free_reloaded, owned) :
	    MHD_create_response_from_buffer(img->size,
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

/* The configuration efl_serve_decide sees, from what is served now. */
static void
config_from_served(struct efl_server *s)
{
	s->cfg.image_md5 = s->image.img->md5_hex;
	s->cfg.image_size = s->image.img->size;
	s->cfg.image_version = s->image.version;
	s->cfg.fs_md5 = s->fs.img != NULL ? s->fs.img->md5_hex : NULL;
	s->cfg.fs_size = s->fs.img != NULL ? s->fs.img->size : 0;
}

/* Serve img (the caller's when owned is NULL) as sv from now on. */
static int
serve_image(struct served *sv, const struct efl_image *img,
    struct efl_image *owned)
{
	struct MHD_Response *r = image_response(img, owned);

	if (r == NULL)
		return -1;
	/* requests sending the old one keep it until they are over */
	if (sv->resp != NULL)
		MHD_destroy_response(sv->resp);
	sv->resp = r;
	sv->img = img;
	efa_image_version(img->data, img->size, sv->version,
	    sizeof(sv->version));
	return 0;
}

/*
 * One look at sv's file: a change is taken once the file has stayed the
 * same for a whole interval and a read of it is whole (efl_image_open) and
 * of that same state; then it is checked and, if good, served from now on.
 */
static void
watch_one(struct efl_server *s, struct served *sv)
{
	struct efl_image_stamp now;
	struct efl_errbuf eb;
	struct efl_image *img;
	const char *path = sv->img->path;

	if (efl_image_stamp_of(path, &now) != 0) {
		if (!sv->gone)
			efl_warn("%s '%s': %s; still serving the copy read "
			    "before", sv->which, path, strerror(errno));
		sv->gone = 1;
		sv->has_pending = 0;
		return;
	}
	sv->gone = 0;
	if (efl_image_stamp_equal(&now, &sv->img->stamp) ||
	    (sv->has_refused && efl_image_stamp_equal(&now, &sv->refused))) {
		sv->has_pending = 0;
		return;
	}
	if (!sv->has_pending || !efl_image_stamp_equal(&now, &sv->pending)) {
		sv->pending = now;   /* changed: wait until it settles */
		sv->has_pending = 1;
		return;
	}
	sv->has_pending = 0;
	img = xcalloc(1, sizeof(*img));
	if (efl_image_open(img, path, sv == &s->image ? s->check :
	    EFL_IMAGE_CHECK_NONE, &eb) != 0) {
		free(img);
		if (efl_image_stamp_of(path, &now) != 0 ||
		    !efl_image_stamp_equal(&now, &sv->pending))
			return;   /* changed again: settle anew */
		sv->refused = now;
		sv->has_refused = 1;
		efl_warn("not serving the changed %s: %s; still serving the "
		    "copy read before", sv->which, eb.msg);
		efl_out_notice(s->out, "image-refused", eb.msg);
		return;
	}
	if (!efl_image_stamp_equal(&img->stamp, &now) ||
	    serve_image(sv, img, img) != 0) {
		free_reloaded(img);   /* changed again: settle anew */
		return;
	}
	config_from_served(s);
	efl_out_serve_image(s->out, sv->which, img, sv->version);
}

static void
on_tick(uv_timer_t *t)
{
	struct efl_server *s = t->data;

	watch_one(s, &s->image);
	if (s->fs.img != NULL)
		watch_one(s, &s->fs);
	cut_slow_requests(s);
}

struct efl_server *
efl_server_start(uv_loop_t *loop, const struct efl_server_opts *o,
    struct efl_out *out, struct efl_errbuf *eb)
{
	struct efl_server *s = xcalloc(1, sizeof(*s));
	struct efl_mhd_uv_config mc;

	s->out = out;
	s->check = o->image_check;
	s->password = o->password != NULL && o->password->present ?
	    o->password : NULL;
	s->image.which = "image";
	s->fs.which = "fs";
	s->cfg.path = o->path;
	s->cfg.percent = o->percent;
	s->cfg.password = s->password != NULL;
	if (serve_image(&s->image, o->image, NULL) != 0 ||
	    (o->fs != NULL && serve_image(&s->fs, o->fs, NULL) != 0)) {
		efl_errbuf_set(eb, "cannot prepare the HTTP answers");
		goto fail;
	}
	config_from_served(s);
	memset(&mc, 0, sizeof(mc));
	mc.addr = o->listen;
	mc.handler = on_request;
	mc.handler_cls = s;
	mc.completed = on_completed;
	mc.completed_cls = s;
	mc.timeout_s = o->timeout_s;
	mc.per_ip_limit = o->max_per_client;
	mc.connection = on_connection;
	mc.connection_cls = s;
	s->header_timeout_ms = o->header_timeout_s * 1000u;
	s->mhd = efl_mhd_uv_start(loop, &mc, eb->msg, sizeof(eb->msg));
	if (s->mhd == NULL)
		goto fail;
	uv_timer_init(loop, &s->tick);
	s->tick.data = s;
	uv_timer_start(&s->tick, on_tick, EFL_SERVE_WATCH_MS,
	    EFL_SERVE_WATCH_MS);
	s->started_ms = efl_now_ms();
	return s;
fail:
	if (s->image.resp != NULL)
		MHD_destroy_response(s->image.resp);
	if (s->fs.resp != NULL)
		MHD_destroy_response(s->fs.resp);
	free(s);
	return NULL;
}

uint16_t
efl_server_port(const struct efl_server *s)
{
	return efl_mhd_uv_port(s->mhd);
}

static void
tick_closed(uv_handle_t *h)
{
	free(h->data);
}

void
efl_server_stop(struct efl_server *s, struct efl_serve_summary *sum)
{
	efl_mhd_uv_stop(s->mhd);
	MHD_destroy_response(s->image.resp);
	if (s->fs.resp != NULL)
		MHD_destroy_response(s->fs.resp);
	s->sum.seconds = (double)(efl_now_ms() - s->started_ms) / 1000.0;
	*sum = s->sum;
	uv_close((uv_handle_t *)&s->tick, tick_closed);
}
