/* SPDX-License-Identifier: MIT */
/*
 * The espota transport (session.h): the libuv driver of the pure session
 * in espota-session.c. It owns the I/O only: one UDP socket kept for the
 * whole handshake, one timer at the session's wake time, the connect-back
 * accepted through an efl_listener, the image handed to the kernel in one
 * go from the shared copy in memory (image-send.c: sendfile, no copy per
 * device; no stop-and-wait), the device's bytes read as they arrive.
 * Every decision is the session's: the driver feeds it inputs with the
 * loop's time and carries out the actions it returns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <uv.h>

#include "crypto.h"
#include "espfleet/common.h"
#include "espfleet/espota.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/session.h"
#include "espfleet/sockaddr.h"
#include "image-send.h"
#include "listener.h"

/* Largest send buffer asked for (the kernel caps it at wmem_max). */
#define SNDBUF_MAX (1024u * 1024u)

struct espota_transport {
	struct efl_transport t;  /* first: the handle is this struct */
	int host_port;           /* --host-port given: the shared listeners */
	struct efl_listener *shared, *shared6;  /* IPv4, IPv6 */
	char shared_error[2][sizeof(struct efl_errbuf)]; /* why one is missing */
	struct sockaddr_storage host_ip;
	int have_host_ip;
	int md5_key_only;
	struct efl_image_files *files; /* the images as memfds, for sendfile */
};

struct espota_conn {
	struct efl_espota_session m;   /* the decisions */
	struct efl_session_config cfg;
	struct efl_session_callbacks cb;
	char *label;
	int reported;                  /* done() called */
	int open_handles;

	uv_udp_t udp;
	int udp_open;
	uv_timer_t timer;
	uint64_t timer_at;             /* when it fires (0: stopped) */
	char start_error[256];         /* UDP setup failed: reported from
	                                  the timer, never from start */

	struct efl_listener *listener;
	int owns_listener, expecting;
	int queued;                    /* behind another upload to this
	                                  address on the shared port */

	uv_tcp_t *conn;
	struct efl_image_send *send;   /* the image going out */
	int write_done;
	struct efl_image_files *files; /* the transport's */
	int rcvlowat;                  /* SO_RCVLOWAT of the connection */
};

static void on_timer(uv_timer_t *t);
static void apply(struct espota_conn *c, unsigned actions);

static uint64_t
now_ms(const struct espota_conn *c)
{
	return uv_now(c->cfg.loop);
}

static void
handle_closed(uv_handle_t *h)
{
	struct espota_conn *c = h->data;

	if (h != (uv_handle_t *)&c->udp && h != (uv_handle_t *)&c->timer)
		free(h); /* the heap connection */
	if (--c->open_handles == 0) {
		free(c->label);
		free(c);
	}
}

static void
close_handle(struct espota_conn *c, uv_handle_t *h)
{
	if (uv_is_closing(h))
		return;
	h->data = c;
	uv_close(h, handle_closed);
}

static void
stop_listening(struct espota_conn *c)
{
	if (c->expecting) {
		c->expecting = 0;
		listener__forget(c->listener, c);
	}
	if (c->owns_listener) {
		c->owns_listener = 0;
		efl_listener_release(c->listener);
	}
}

static void
end_handshake(struct espota_conn *c)
{
	stop_listening(c);
	if (c->udp_open) {
		c->udp_open = 0;
		close_handle(c, (uv_handle_t *)&c->udp);
	}
}

/* Re-arm the timer when the session wants to wake up earlier than it is
 * armed for; a timer that fires early only re-arms (the silence of a
 * transfer moves with every read, without a timer restart per read). */
static void
sync_timer(struct espota_conn *c)
{
	uint64_t at = efl_espota_wake_at(&c->m), now;

	if (c->reported || at == 0 || (c->timer_at != 0 && c->timer_at <= at))
		return;
	now = now_ms(c);
	c->timer_at = at;
	uv_timer_start(&c->timer, on_timer, at > now ? at - now : 0, 0);
}

static void
send_dgram(struct espota_conn *c)
{
	uv_buf_t b = uv_buf_init(c->m.dgram, (unsigned)c->m.dgram_len);
	int rc = uv_udp_try_send(&c->udp, &b, 1, c->m.p.device);

	if (rc < 0)
		efl_debug("%s: sending to %s failed: %s", c->label,
		    c->m.device_text, uv_strerror(rc));
	explicit_bzero(c->m.dgram, sizeof(c->m.dgram));
}

/* Wake up for the connection only when n bytes wait (or at EOF). */
static void
set_rcvlowat(struct espota_conn *c, int n)
{
	uv_os_fd_t fd;

	if (c->conn == NULL || c->rcvlowat == n ||
	    uv_fileno((uv_handle_t *)c->conn, &fd) != 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &n, sizeof(n)) == 0)
		c->rcvlowat = n;
}

/* Bytes the device sent that we have not read yet. */
static int
unread_bytes(struct espota_conn *c)
{
	uv_os_fd_t fd;
	int n = 0;

	if (c->conn == NULL || uv_fileno((uv_handle_t *)c->conn, &fd) != 0 ||
	    ioctl(fd, FIONREAD, &n) != 0)
		return 0;
	return n;
}

static void
on_sent(void *arg, int status)
{
	struct espota_conn *c = arg;

	c->write_done = 1;
	if (status != 0)
		efl_debug("%s: sending stopped: %s (waiting for the device's "
		    "word)", c->label, uv_strerror(status));
}

/* The connection refused what the driver had to do: the transfer fails. */
static unsigned
cannot_send(struct espota_conn *c, int uv_error)
{
	char message[200];

	snprintf(message, sizeof(message), "cannot send to the device: %s",
	    uv_strerror(uv_error));
	return efl_espota_fail(&c->m, EFL_R_TRANSFER_FAILED, message);
}

static void
write_image(struct espota_conn *c)
{
	int rc = efl_image_send_start(c->files, c->cfg.image, c->conn, on_sent,
	    c, &c->send);

	if (rc != 0)
		apply(c, cannot_send(c, rc));
	else if (c->send == NULL)
		c->write_done = 1; /* the socket took it all at once */
}

static void
finished(struct espota_conn *c)
{
	if (c->reported)
		return;
	c->reported = 1;
	end_handshake(c);
	close_handle(c, (uv_handle_t *)&c->timer);
	efl_image_send_stop(c->send);
	c->send = NULL;
	if (c->conn != NULL) {
		close_handle(c, (uv_handle_t *)c->conn);
		c->conn = NULL;
	}
	c->cb.done(c->cb.arg, &c->m.result);
}

static void
apply(struct espota_conn *c, unsigned actions)
{
	if (actions & EFL_ESPOTA_SEND)
		send_dgram(c);
	if (actions & EFL_ESPOTA_END_HANDSHAKE)
		end_handshake(c);
	if (actions & EFL_ESPOTA_READ_BATCH)
		set_rcvlowat(c, c->m.read_batch);
	if (actions & EFL_ESPOTA_WRITE_IMAGE)
		write_image(c);
	if (c->m.done)
		finished(c);
	else
		sync_timer(c);
}

/* ---- libuv callbacks: inputs of the session ---- */

static void
on_timer(uv_timer_t *t)
{
	struct espota_conn *c = t->data;

	c->timer_at = 0;
	if (c->start_error[0] != '\0') {
		apply(c, efl_espota_fail(&c->m, EFL_R_TRANSFER_FAILED,
		    c->start_error));
		return;
	}
	/* the transfer looks silent, but counts of a slow device may wait
	 * below the read batch: then it is not silent (only asked when the
	 * silence is due, so that batching lasts while the device is busy) */
	if (c->rcvlowat > 1 && now_ms(c) >= efl_espota_wake_at(&c->m) &&
	    unread_bytes(c) > 0)
		apply(c, efl_espota_bytes_waiting(&c->m, now_ms(c)));
	/* the listener is only ours (and alive) until the connect-back */
	if (!c->reported)
		apply(c, efl_espota_time(&c->m, now_ms(c),
		    c->expecting ? listener__stray(c->listener) : ""));
}

static void
udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char space[512];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(space, sizeof(space));
}

static void
on_udp(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct espota_conn *c = u->data;

	(void)flags;
	if (nread <= 0 || from == NULL || c->reported)
		return;
	apply(c, efl_espota_datagram(&c->m, from, buf->base, (size_t)nread,
	    now_ms(c)));
}

static uint64_t
bytes_sent(const struct espota_conn *c)
{
	size_t queued, total = c->cfg.image->size;

	if (c->conn == NULL)
		return 0;
	if (c->write_done)
		return total;
	queued = efl_image_send_left(c->send);
	return queued > total ? 0 : total - queued;
}

/* Of the bytes sent, those the device's TCP has acknowledged: sent less
 * what the kernel still holds unacknowledged (SIOCOUTQ); 'sent' where the
 * kernel does not say. */
static uint64_t
bytes_delivered(const struct espota_conn *c, uint64_t sent)
{
	uv_os_fd_t fd;
	int held = 0;

	if (c->conn == NULL || uv_fileno((const uv_handle_t *)c->conn,
	    &fd) != 0 || ioctl(fd, SIOCOUTQ, &held) != 0 || held < 0)
		return sent;
	return (uint64_t)held < sent ? sent - (uint64_t)held : 0;
}

static void
conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char space[4096];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(space, sizeof(space));
}

static void
on_conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct espota_conn *c = st->data;

	if (c->reported || nread == 0)
		return;
	if (nread < 0)
		apply(c, efl_espota_device_closed(&c->m,
		    nread == UV_EOF ? NULL : uv_strerror((int)nread),
		    now_ms(c)));
	else {
		uint64_t sent = bytes_sent(c);

		apply(c, efl_espota_device_bytes(&c->m, buf->base,
		    (size_t)nread, sent, bytes_delivered(c, sent),
		    now_ms(c)));
	}
}

static void
on_connect_back(void *arg, uv_tcp_t *conn, const struct sockaddr *peer)
{
	struct espota_conn *c = arg;
	unsigned actions;
	int rc, sndbuf;

	if (conn == NULL) {
		/* the listener accepts nothing more (out of descriptors) */
		if (!c->reported)
			apply(c, efl_espota_fail(&c->m, EFL_R_TRANSFER_FAILED,
			    listener__error(c->listener)));
		return;
	}
	actions = c->reported ? EFL_ESPOTA_REFUSE :
	    efl_espota_connected(&c->m, peer, now_ms(c));

	conn->data = c;
	c->open_handles++;
	if (actions & EFL_ESPOTA_REFUSE) {
		close_handle(c, (uv_handle_t *)conn);
		return;
	}
	c->conn = conn;
	uv_tcp_nodelay(conn, 1);
	/* Room for the image in the socket: one sendfile hands it to the
	 * kernel (references to the shared memfd's pages, not a copy per
	 * device: image-send.c), instead of a wakeup and a small write each
	 * time the device's window opens (thousands a second across a
	 * fleet). */
	sndbuf = c->cfg.image->size < SNDBUF_MAX ? (int)c->cfg.image->size :
	    (int)SNDBUF_MAX;
	(void)uv_send_buffer_size((uv_handle_t *)conn, &sndbuf);
	c->rcvlowat = 1;
	rc = uv_read_start((uv_stream_t *)conn, conn_alloc, on_conn_read);
	if (rc != 0)
		actions |= cannot_send(c, rc);
	apply(c, actions);
}

/* Our turn on the shared port: the upload queued behind another to the
 * same address may invite its device now. */
static void
on_turn(void *arg)
{
	struct espota_conn *c = arg;

	c->queued = 0;
	if (!c->reported && c->start_error[0] == '\0')
		apply(c, efl_espota_begin(&c->m, now_ms(c)));
}

/* ---- start / cancel ---- */

static void
conn_free_early(struct espota_conn *c)
{
	stop_listening(c);
	free(c->label);
	free(c);
}

static void *
espota_start(struct efl_transport *t, const struct efl_session_config *cfg,
    const struct sockaddr *addr, const struct efl_session_callbacks *cb,
    struct efl_errbuf *eb)
{
	struct espota_conn *c = xcalloc(1, sizeof(*c));
	struct espota_transport *et = (struct espota_transport *)t;
	struct efl_espota_params p;
	struct sockaddr_storage local;
	char dev_text[64];
	int rc;

	c->cfg = *cfg;
	c->cb = *cb;
	if (et->files == NULL)
		et->files = efl_image_files_new();
	c->files = et->files;
	c->label = xstrdup(cfg->label != NULL ? cfg->label : "device");
	efl_sockaddr_text(addr, dev_text, sizeof(dev_text));
	memset(&local, 0, sizeof(local));
	if (et->have_host_ip) {
		efl_sockaddr_copy(&local, (struct sockaddr *)&et->host_ip);
		efl_sockaddr_set_port((struct sockaddr *)&local, 0);
	} else {
		local.ss_family = addr->sa_family;
	}
	if (local.ss_family != addr->sa_family) {
		efl_errbuf_set(eb, "the host address and the device %s are of "
		    "different IP families", dev_text);
		conn_free_early(c);
		return NULL;
	}
	if (et->host_port) {
		int v6 = addr->sa_family == AF_INET6;

		c->listener = v6 ? et->shared6 : et->shared;
		if (c->listener == NULL) {
			efl_errbuf_set(eb, "%s", et->shared_error[v6]);
			conn_free_early(c);
			return NULL;
		}
	} else {
		c->listener = efl_listener_open(cfg->loop,
		    (struct sockaddr *)&local, eb);
		if (c->listener == NULL) {
			conn_free_early(c);
			return NULL;
		}
		c->owns_listener = 1;
	}
	rc = listener__expect(c->listener, addr, on_connect_back, on_turn, c,
	    eb);
	if (rc < 0) {
		conn_free_early(c);
		return NULL;
	}
	c->expecting = 1;
	c->queued = rc == 1;

	uv_udp_init(cfg->loop, &c->udp);
	uv_timer_init(cfg->loop, &c->timer);
	c->udp.data = c->timer.data = c;
	c->open_handles = 2;
	c->udp_open = 1;

	memset(&p, 0, sizeof(p));
	p.label = c->label;
	p.device = addr;
	p.listen_port = efl_listener_port(c->listener);
	p.command = cfg->command;
	p.size = cfg->image->size;
	p.md5_hex = cfg->image->md5_hex;
	p.password = cfg->password;
	p.timeout_ms = cfg->timeout_ms;
	p.device_timeout_ms = cfg->device_timeout_ms;
	p.md5_key_only = et->md5_key_only;
	p.known_scheme = cfg->auth_scheme;
	p.crypto = &efl_crypto_openssl;
	p.random_hex = efl_random_hex;

	efl_espota_init(&c->m, &p, &c->cb);

	rc = uv_udp_bind(&c->udp, (struct sockaddr *)&local, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&c->udp, udp_alloc, on_udp);
	if (rc != 0) {
		/* reported through done() from the loop, never from here */
		snprintf(c->start_error, sizeof(c->start_error),
		    "cannot open a UDP socket: %s", uv_strerror(rc));
		c->timer_at = now_ms(c);
		uv_timer_start(&c->timer, on_timer, 0, 0);
		return c;
	}
	if (!c->queued)
		apply(c, efl_espota_begin(&c->m, now_ms(c)));
	return c;
}

static void
espota_cancel(struct efl_transport *t, void *session)
{
	struct espota_conn *c = session;

	(void)t;
	apply(c, efl_espota_cancel(&c->m));
}

static struct efl_transport *
espota_new(uv_loop_t *loop, const struct efl_transport_opts *o,
    struct efl_errbuf *eb)
{
	struct espota_transport *et = xcalloc(1, sizeof(*et));

	et->md5_key_only = o->md5_key_only;
	if (o->host_ip != NULL) {
		efl_sockaddr_copy(&et->host_ip, o->host_ip);
		et->have_host_ip = 1;
	}
	if (o->host_ip != NULL || o->listen_family != 0) {
		/* one family: a fixed address is tried once here, so that
		 * one not on this host is a setup error, not a failure of
		 * every device */
		int family = o->host_ip != NULL ? o->host_ip->sa_family :
		    o->listen_family;
		struct efl_listener *l;

		if (o->host_port == 0 && o->host_ip == NULL)
			return &et->t;
		l = efl_listener_open_port(loop, o->host_ip, family,
		    o->host_port, eb);
		if (l == NULL) {
			free(et);
			return NULL;
		}
		if (o->host_port == 0) {
			efl_listener_release(l);
			return &et->t;
		}
		*(family == AF_INET6 ? &et->shared6 : &et->shared) = l;
		snprintf(et->shared_error[family != AF_INET6],
		    sizeof(et->shared_error[0]), "--host-port %u listens for "
		    "%s devices only (--host-ip)", o->host_port,
		    family == AF_INET6 ? "IPv6" : "IPv4");
	} else if (o->host_port != 0) {
		/* a fixed port is opened once for all, for each family: IPv4
		 * (a failure is a setup error) and IPv6 where the host has
		 * it (a failure is said to the IPv6 devices alone) */
		struct efl_errbuf eb6;

		et->shared = efl_listener_open_port(loop, NULL, AF_INET,
		    o->host_port, eb);
		if (et->shared == NULL) {
			free(et);
			return NULL;
		}
		et->shared6 = efl_listener_open_port(loop, NULL, AF_INET6,
		    o->host_port, &eb6);
		if (et->shared6 == NULL)
			snprintf(et->shared_error[1],
			    sizeof(et->shared_error[1]), "%s", eb6.msg);
	}
	et->host_port = o->host_port != 0;
	return &et->t;
}

static void
espota_free(struct efl_transport *t)
{
	struct espota_transport *et = (struct espota_transport *)t;

	efl_listener_release(et->shared);
	efl_listener_release(et->shared6);
	efl_image_files_free(et->files);
	free(et);
}

const struct efl_transport_kind efl_transport_espota = {
	.name = "espota",
	.default_port = 8266,
	.advertised_port = 1,
	.options = EFL_TOPT_HOST_PORT | EFL_TOPT_MD5_KEY,
	.create = espota_new,
	.start = espota_start,
	.cancel = espota_cancel,
	.free = espota_free,
};
