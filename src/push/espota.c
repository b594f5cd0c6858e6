/* SPDX-License-Identifier: MIT */
/*
 * One espota upload, host side (see espota.h): invitation and auth over one
 * UDP socket kept for the whole handshake, the connect-back accepted through
 * an efl_listener, the image written in one go from the shared copy (no
 * stop-and-wait), and the device's counts and result read as they arrive.
 * Also the espota transport of the push engine (session.h).
 */
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "crypto.h"
#include "efa/efa_auth.h"
#include "efa/efa_wire.h"
#include "espfleet/common.h"
#include "espfleet/text.h"
#include "espfleet/espota.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/secret.h"
#include "espfleet/session.h"
#include "espfleet/target.h"
#include "listener.h"

#define RETRANSMIT_FIRST_MS 1000u
/* No answer to the 200 datagram this long: the device probably dropped the
 * handshake (a re-sent invitation resets a stock device waiting for auth),
 * so start over with a fresh invitation, at most AUTH_RESTARTS times. */
#define AUTH_RESTART_MS 2000u
#define AUTH_RESTARTS 3
/* Largest send buffer asked for (the kernel caps it at wmem_max). */
#define SNDBUF_MAX (1024u * 1024u)
/* While the device's counts stream in, wake up only once this many bytes
 * of them wait (a few dozen counts), not for every one: at fleet scale
 * the reads of counts are the host's main cost. Near the end, and when a
 * device is slow, every byte wakes us again. */
#define COUNTS_BATCH 32
#define COUNTS_TAIL (64u * 1024u)
/* Smaller images are quick anyway: every count wakes us (fine progress). */
#define COUNTS_BATCH_MIN_IMAGE (256u * 1024u)

struct efl_espota {
	struct efl_espota_config cfg;
	struct efl_espota_callbacks cb;
	char *label;
	struct sockaddr_storage dev;
	char dev_text[64];
	enum efl_espota_phase phase;
	int done;
	int open_handles;

	uv_udp_t udp;
	int udp_open;
	uv_timer_t deadline;
	uv_timer_t retx;
	uint32_t retx_ms, retx_elapsed;
	char dgram[EFA_AUTH_MSG_MAX];
	size_t dgram_len;

	enum efa_auth_scheme scheme;
	int md5_key;           /* using the MD5 pw_key on a sha256 device */
	int auth_restarts;

	struct efl_listener *listener;
	int owns_listener, expecting;

	uv_tcp_t *conn;
	uv_write_t write_req;
	int write_done;
	int write_status;
	struct efl_reply reply;
	uint32_t last_reported;

	struct efl_espota_result result;
	uint64_t last_activity; /* loop time of the last bytes from the device */
	int rcvlowat;          /* SO_RCVLOWAT of the connection */
	int start_error;       /* UDP setup failed: reported from the timer */
	char start_message[256];
};

static void on_deadline(uv_timer_t *t);

const char *
efl_phase_name(enum efl_espota_phase p)
{
	static const char *const names[] = {
		"queued", "inviting", "authenticating", "connecting",
		"uploading", "finishing", "verifying", "retry-wait", "done"
	};

	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "?";
}

void
efl_session_set_phase(enum efl_espota_phase *cur,
    const struct efl_espota_callbacks *cb, enum efl_espota_phase p)
{
	if (*cur == p)
		return;
	*cur = p;
	if (cb->phase != NULL)
		cb->phase(cb->arg, p);
}

static void
set_phase(struct efl_espota *s, enum efl_espota_phase p)
{
	efl_session_set_phase(&s->phase, &s->cb, p);
}

static void
handle_closed(uv_handle_t *h)
{
	struct efl_espota *s = h->data;

	if (h != (uv_handle_t *)&s->udp && h != (uv_handle_t *)&s->deadline &&
	    h != (uv_handle_t *)&s->retx)
		free(h); /* the heap connection */
	if (--s->open_handles == 0) {
		free(s->label);
		free(s);
	}
}

static void
close_handle(struct efl_espota *s, uv_handle_t *h)
{
	if (uv_is_closing(h))
		return;
	h->data = s;
	uv_close(h, handle_closed);
}

static void
stop_listening(struct efl_espota *s)
{
	if (s->expecting) {
		s->expecting = 0;
		listener__forget(s->listener, s);
	}
	if (s->owns_listener) {
		s->owns_listener = 0;
		efl_listener_release(s->listener);
	}
}

static void
close_udp(struct efl_espota *s)
{
	if (s->udp_open) {
		s->udp_open = 0;
		uv_timer_stop(&s->retx);
		close_handle(s, (uv_handle_t *)&s->udp);
	}
}

static void finish(struct efl_espota *s, enum efl_result_code code,
    const char *fmt, ...) EFL_PRINTFLIKE(3, 4);

static void
finish(struct efl_espota *s, enum efl_result_code code, const char *fmt, ...)
{
	va_list ap;

	if (s->done)
		return;
	s->done = 1;
	s->result.code = code;
	va_start(ap, fmt);
	vsnprintf(s->result.message, sizeof(s->result.message), fmt, ap);
	va_end(ap);
	s->result.bytes = code == EFL_R_OK ? s->reply.total : s->reply.acked;
	if (code == EFL_R_OK)
		efl_debug("%s: update accepted (%u bytes)", s->label,
		    s->reply.total);
	else
		efl_debug("%s: %s: %s", s->label, efl_result_code_name(code),
		    s->result.message);
	stop_listening(s);
	close_udp(s);
	close_handle(s, (uv_handle_t *)&s->deadline);
	close_handle(s, (uv_handle_t *)&s->retx);
	if (s->conn != NULL) {
		close_handle(s, (uv_handle_t *)s->conn);
		s->conn = NULL;
	}
	s->phase = EFL_PHASE_DONE;
	s->cb.done(s->cb.arg, &s->result);
}

static void
arm_deadline(struct efl_espota *s)
{
	uv_timer_start(&s->deadline, on_deadline, s->cfg.timeout_ms, 0);
}

/* A sign of life during the transfer: the silence timer counts from now.
 * Cheap (no timer restart per read, thousands a second at fleet scale);
 * on_deadline re-arms for what is left. */
static void
note_activity(struct efl_espota *s)
{
	s->last_activity = uv_now(s->cfg.loop);
}

/* ---- UDP handshake ---- */

static void
send_dgram(struct efl_espota *s)
{
	uv_buf_t b = uv_buf_init(s->dgram, (unsigned)s->dgram_len);
	int rc = uv_udp_try_send(&s->udp, &b, 1,
	    (const struct sockaddr *)&s->dev);

	if (rc < 0)
		efl_debug("%s: sending to %s failed: %s", s->label, s->dev_text,
		    uv_strerror(rc));
}

static void
on_retransmit(uv_timer_t *t)
{
	struct efl_espota *s = t->data;

	s->retx_elapsed += s->retx_ms;
	efl_debug("%s: no answer yet, sending the %s again", s->label,
	    s->phase == EFL_PHASE_AUTHENTICATING ? "authentication" :
	    "invitation");
	send_dgram(s);
	s->retx_ms *= 2;
	if (s->retx_elapsed + s->retx_ms < s->cfg.timeout_ms)
		uv_timer_start(&s->retx, on_retransmit, s->retx_ms, 0);
}

static void
start_retransmits(struct efl_espota *s)
{
	s->retx_ms = RETRANSMIT_FIRST_MS;
	s->retx_elapsed = 0;
	uv_timer_stop(&s->retx);
	if (s->retx_ms < s->cfg.timeout_ms)
		uv_timer_start(&s->retx, on_retransmit, s->retx_ms, 0);
}

static void
invite(struct efl_espota *s)
{
	const struct efl_image *img = s->cfg.image;

	s->dgram_len = efa_wire_format_invitation(s->dgram, sizeof(s->dgram),
	    s->cfg.command, efl_listener_port(s->listener), img->size,
	    img->md5_hex);
	efl_debug("%s: > invitation '%.*s' to %s", s->label,
	    (int)s->dgram_len - 1, s->dgram, s->dev_text);
	set_phase(s, EFL_PHASE_INVITING);
	send_dgram(s);
	arm_deadline(s);
	start_retransmits(s);
}

static void
on_auth_silence(uv_timer_t *t)
{
	struct efl_espota *s = t->data;

	if (s->done || s->phase != EFL_PHASE_AUTHENTICATING)
		return;
	s->auth_restarts++;
	efl_debug("%s: no answer to the authentication for %u ms, starting "
	    "over", s->label, AUTH_RESTART_MS);
	invite(s);
}

static void
answer_challenge(struct efl_espota *s, const char *nonce, size_t nlen)
{
	const struct efl_secret *pw = s->cfg.password;
	char pw_key[EFA_SHA256_HEX_LEN + 1];
	char cnonce[EFA_NONCE_MAX_LEN + 1], response[EFA_NONCE_MAX_LEN + 1];
	size_t key_len;

	s->scheme = efa_auth_scheme_for_nonce(nlen);
	if (s->scheme == EFA_AUTH_NONE) {
		finish(s, EFL_R_DEVICE_ERROR, "device sent a challenge of %zu "
		    "characters; only 32 (MD5) and 64 (SHA-256) are known",
		    nlen);
		return;
	}
	if (pw == NULL || !pw->present) {
		s->result.needs_password = 1;
		finish(s, EFL_R_AUTH_FAILED, "%s", EFL_MSG_NO_PASSWORD);
		return;
	}
	if (s->scheme == EFA_AUTH_SHA256 && s->cfg.md5_key_only)
		s->md5_key = 1;
	key_len = (s->scheme == EFA_AUTH_SHA256 && !s->md5_key) ?
	    EFA_SHA256_HEX_LEN : EFA_MD5_HEX_LEN;
	efa_auth_pw_key(&efl_crypto_openssl, pw->value, pw->len, key_len,
	    pw_key);
	if (efl_random_hex(cnonce, nlen) != 0 ||
	    efa_auth_response(&efl_crypto_openssl, s->scheme, pw_key, key_len,
	    nonce, nlen, cnonce, nlen, response) != 0) {
		explicit_bzero(pw_key, sizeof(pw_key));
		finish(s, EFL_R_DEVICE_ERROR, "cannot compute the challenge "
		    "response (no random source?)");
		return;
	}
	explicit_bzero(pw_key, sizeof(pw_key));
	s->dgram_len = efa_wire_format_auth(s->dgram, sizeof(s->dgram),
	    cnonce, response);
	explicit_bzero(response, sizeof(response));
	efl_debug("%s: > 200 %s <response redacted> (%s scheme%s)", s->label,
	    cnonce, s->scheme == EFA_AUTH_MD5 ? "md5" : "sha256",
	    s->scheme == EFA_AUTH_SHA256 ?
	    (s->md5_key ? ", MD5 password key" : ", SHA-256 password key") :
	    "");
	set_phase(s, EFL_PHASE_AUTHENTICATING);
	send_dgram(s);
	explicit_bzero(s->dgram, sizeof(s->dgram)); /* holds the response */
	arm_deadline(s);
	uv_timer_stop(&s->retx);
	if (s->auth_restarts < AUTH_RESTARTS &&
	    AUTH_RESTART_MS < s->cfg.timeout_ms)
		uv_timer_start(&s->retx, on_auth_silence, AUTH_RESTART_MS, 0);
}

static void
device_refused(struct efl_espota *s, const char *text, size_t len)
{
	char shown[EFL_REPLY_TEXT_MAX];
	enum efl_result_code rc;

	efl_printable(shown, sizeof(shown), text, len);
	rc = efl_classify_device_text(shown);
	finish(s, rc, "device refused the update: %s", shown);
}

static void
on_udp(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	struct efl_espota *s = u->data;
	char shown[128];
	const char *d = buf->base;
	size_t n;

	(void)flags;
	if (nread <= 0 || from == NULL || s->done)
		return;
	n = (size_t)nread;
	efl_printable(shown, sizeof(shown), d, n);
	if (from->sa_family != s->dev.ss_family ||
	    (from->sa_family == AF_INET &&
	    memcmp(&((const struct sockaddr_in *)from)->sin_addr,
	    &((struct sockaddr_in *)&s->dev)->sin_addr, 4) != 0)) {
		efl_debug("%s: ignoring a datagram from another address",
		    s->label);
		return;
	}
	efl_debug("%s: < '%s'", s->label, shown);
	if (s->phase != EFL_PHASE_INVITING &&
	    s->phase != EFL_PHASE_AUTHENTICATING)
		return;
	if (n == 2 && memcmp(d, "OK", 2) == 0) {
		uv_timer_stop(&s->retx);
		set_phase(s, EFL_PHASE_CONNECTING);
		arm_deadline(s);
		return;
	}
	if (n > 5 && memcmp(d, EFA_REPLY_ERR_PREFIX, 5) == 0) {
		device_refused(s, d + 5, n - 5);
		return;
	}
	if (s->phase == EFL_PHASE_INVITING && n > 5 &&
	    memcmp(d, EFA_REPLY_AUTH_PREFIX, 5) == 0) {
		size_t nlen = 0;

		while (5 + nlen < n && d[5 + nlen] != ' ' &&
		    d[5 + nlen] != '\n' && d[5 + nlen] != '\r')
			nlen++;
		if (nlen > EFA_NONCE_MAX_LEN)
			nlen = EFA_NONCE_MAX_LEN + 1; /* rejected as unknown */
		uv_timer_stop(&s->retx);
		answer_challenge(s, d + 5, nlen);
		return;
	}
	if (s->phase == EFL_PHASE_AUTHENTICATING &&
	    n >= sizeof(EFA_REPLY_AUTH_FAILED) - 1 &&
	    memcmp(d, EFA_REPLY_AUTH_FAILED,
	    sizeof(EFA_REPLY_AUTH_FAILED) - 1) == 0) {
		if (s->scheme == EFA_AUTH_SHA256 && !s->md5_key) {
			/* ESP32 >= 3.3.1 sketches that store an MD5 password
			 * hash: invite again and answer with the MD5 key */
			efl_debug("%s: SHA-256 password key rejected, trying the "
			    "MD5 key", s->label);
			s->md5_key = 1;
			invite(s);
			return;
		}
		finish(s, EFL_R_AUTH_FAILED, "device rejected the password");
		return;
	}
	if (s->phase == EFL_PHASE_AUTHENTICATING && n > 5 &&
	    memcmp(d, EFA_REPLY_AUTH_PREFIX, 5) == 0)
		return; /* a late answer to a re-sent invitation */
	if (s->phase == EFL_PHASE_INVITING && s->auth_restarts > 0 &&
	    n >= sizeof(EFA_REPLY_AUTH_FAILED) - 1 &&
	    memcmp(d, EFA_REPLY_AUTH_FAILED,
	    sizeof(EFA_REPLY_AUTH_FAILED) - 1) == 0)
		return; /* late, for the handshake we started over; the new
			 * one decides */
	finish(s, EFL_R_DEVICE_ERROR, "unexpected answer '%s' (is this an "
	    "ArduinoOTA/espota device?)", shown);
}

static void
udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char space[512];

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(space, sizeof(space));
}

/* ---- TCP transfer ---- */

static uint64_t
bytes_sent(const struct efl_espota *s)
{
	size_t queued;

	if (s->conn == NULL)
		return 0;
	if (s->write_done)
		return s->reply.total;
	queued = uv_stream_get_write_queue_size((const uv_stream_t *)s->conn);
	return queued > s->reply.total ? 0 : s->reply.total - queued;
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
conclude_from_reply(struct efl_espota *s, int eof)
{
	if (s->reply.state == EFL_REPLY_OK) {
		finish(s, EFL_R_OK, "%s", "");
		return;
	}
	if (s->reply.state == EFL_REPLY_ERROR &&
	    (s->reply.text_complete || eof)) {
		char shown[EFL_REPLY_TEXT_MAX];

		efl_printable(shown, sizeof(shown), s->reply.text,
		    s->reply.text_len);
		finish(s, efl_classify_device_text(shown), "device reported: %s",
		    shown);
		return;
	}
	if (eof)
		finish(s, EFL_R_TRANSFER_FAILED, "connection closed by the "
		    "device after %u of %u bytes, without a result",
		    s->reply.acked, s->reply.total);
}

/* Wake up for the connection only when n bytes wait (or at EOF). */
static void
set_rcvlowat(struct efl_espota *s, int n)
{
	uv_os_fd_t fd;

	if (s->conn == NULL || s->rcvlowat == n ||
	    uv_fileno((uv_handle_t *)s->conn, &fd) != 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &n, sizeof(n)) == 0)
		s->rcvlowat = n;
}

/* Bytes the device sent that we have not read yet. */
static int
unread_bytes(struct efl_espota *s)
{
	uv_os_fd_t fd;
	int n = 0;

	if (s->conn == NULL || uv_fileno((uv_handle_t *)s->conn, &fd) != 0 ||
	    ioctl(fd, FIONREAD, &n) != 0)
		return 0;
	return n;
}

static void
on_conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct efl_espota *s = st->data;

	if (s->done || nread == 0)
		return;
	if (nread < 0) {
		if (nread != UV_EOF && s->reply.state == EFL_REPLY_PENDING) {
			finish(s, EFL_R_TRANSFER_FAILED, "connection lost after "
			    "%u of %u bytes: %s", s->reply.acked,
			    s->reply.total, uv_strerror((int)nread));
			return;
		}
		conclude_from_reply(s, 1);
		return;
	}
	note_activity(s);
	efl_reply_feed(&s->reply, buf->base, (size_t)nread, bytes_sent(s));
	/* progress is what the counts say: the final "OK" is a verdict, not
	 * a count (the push engine times the transfer by the last count) */
	if (s->reply.counted != s->last_reported) {
		s->last_reported = s->reply.counted;
		if (efl_log_verbose() > 1)
			efl_debug("%s: < acked %u/%u", s->label,
			    s->reply.counted, s->reply.total);
		if (s->cb.progress != NULL)
			s->cb.progress(s->cb.arg, s->reply.counted,
			    s->reply.total);
	}
	if (s->reply.acked >= s->reply.total && s->phase ==
	    EFL_PHASE_UPLOADING)
		set_phase(s, EFL_PHASE_FINISHING);
	if (s->rcvlowat > 1 && (s->reply.state != EFL_REPLY_PENDING ||
	    s->reply.text_len > 0 ||
	    s->reply.acked + COUNTS_TAIL >= s->reply.total))
		set_rcvlowat(s, 1); /* the result must not wait */
	conclude_from_reply(s, 0);
}

static void
on_write(uv_write_t *req, int status)
{
	struct efl_espota *s = req->data;

	if (status == UV_ECANCELED)
		return;
	s->write_done = 1;
	s->write_status = status;
	if (status != 0)
		efl_debug("%s: sending stopped: %s (waiting for the device's "
		    "word)", s->label, uv_strerror(status));
}

static void
on_connect_back(void *arg, uv_tcp_t *conn, const struct sockaddr *peer)
{
	struct efl_espota *s = arg;
	uv_buf_t b;
	char a[64];
	int rc, sndbuf;

	efl_sockaddr_text(peer, a, sizeof(a));
	if (s->done || s->conn != NULL) {
		conn->data = s;
		s->open_handles++;
		close_handle(s, (uv_handle_t *)conn);
		return;
	}
	efl_debug("%s: connect-back from %s", s->label, a);
	s->conn = conn;
	conn->data = s;
	s->open_handles++;
	stop_listening(s);
	close_udp(s);
	uv_tcp_nodelay(conn, 1);
	/* Room for the image in the socket: one write hands it to the kernel,
	 * instead of a wakeup and a small write each time the device's
	 * window opens (thousands a second across a fleet). */
	sndbuf = s->cfg.image->size < SNDBUF_MAX ? (int)s->cfg.image->size :
	    (int)SNDBUF_MAX;
	(void)uv_send_buffer_size((uv_handle_t *)conn, &sndbuf);
	s->rcvlowat = 1;
	if (s->reply.total >= COUNTS_BATCH_MIN_IMAGE)
		set_rcvlowat(s, COUNTS_BATCH);
	set_phase(s, EFL_PHASE_UPLOADING);
	arm_deadline(s);
	note_activity(s);
	rc = uv_read_start((uv_stream_t *)conn, conn_alloc, on_conn_read);
	b = uv_buf_init((char *)(uintptr_t)s->cfg.image->data,
	    s->cfg.image->size);
	s->write_req.data = s;
	if (rc == 0)
		rc = uv_write(&s->write_req, (uv_stream_t *)conn, &b, 1,
		    on_write);
	if (rc != 0)
		finish(s, EFL_R_TRANSFER_FAILED, "cannot send to the device: "
		    "%s", uv_strerror(rc));
}

static void
on_deadline(uv_timer_t *t)
{
	struct efl_espota *s = t->data;
	char sec[EFL_SECONDS_TEXT_LEN];
	const char *stray;

	if (s->start_error) {
		finish(s, EFL_R_TRANSFER_FAILED, "%s", s->start_message);
		return;
	}
	if ((s->phase == EFL_PHASE_UPLOADING ||
	    s->phase == EFL_PHASE_FINISHING) && s->rcvlowat > 1 &&
	    unread_bytes(s) > 0) {
		/* a slow device: its counts waited below the batch size; read
		 * every byte from now on */
		set_rcvlowat(s, 1);
		note_activity(s);
	}
	if ((s->phase == EFL_PHASE_UPLOADING ||
	    s->phase == EFL_PHASE_FINISHING) && s->last_activity != 0) {
		uint64_t quiet = uv_now(s->cfg.loop) - s->last_activity;

		if (quiet < s->cfg.timeout_ms) {
			uv_timer_start(&s->deadline, on_deadline,
			    s->cfg.timeout_ms - quiet, 0);
			return;
		}
	}
	efl_seconds_text(sec, s->cfg.timeout_ms);
	switch (s->phase) {
	case EFL_PHASE_INVITING:
		finish(s, EFL_R_NO_ANSWER, "no answer to the invitation within "
		    "%s s (device offline, wrong port, or UDP blocked)", sec);
		break;
	case EFL_PHASE_AUTHENTICATING:
		finish(s, EFL_R_NO_ANSWER, "no answer to the authentication "
		    "within %s s", sec);
		break;
	case EFL_PHASE_CONNECTING:
		stray = listener__stray(s->listener);
		finish(s, EFL_R_CONNECT_TIMEOUT, "the device accepted the "
		    "update but did not connect back to port %u within %s s: a "
		    "host firewall blocking inbound TCP port %u, or a device on "
		    "another subnet without a route back to this host, is the "
		    "usual cause (fix the port with --host-port and allow "
		    "it)%s%s", efl_listener_port(s->listener), sec,
		    efl_listener_port(s->listener),
		    stray[0] ? "; a connection came from " : "", stray);
		break;
	case EFL_PHASE_UPLOADING:
		finish(s, EFL_R_TRANSFER_FAILED, "device stopped responding "
		    "after %u of %u bytes (nothing for %s s)", s->reply.acked,
		    s->reply.total, sec);
		break;
	case EFL_PHASE_FINISHING:
		finish(s, EFL_R_TRANSFER_FAILED, "no result from the device "
		    "within %s s after the last byte", sec);
		break;
	default:
		break;
	}
}

/* ---- start / cancel ---- */

struct efl_espota *
efl_espota_start(const struct efl_espota_config *cfg,
    const struct sockaddr *addr, const struct efl_espota_callbacks *cb,
    struct efl_errbuf *eb)
{
	struct efl_espota *s = xcalloc(1, sizeof(*s));
	struct sockaddr_storage local;
	int rc;

	s->cfg = *cfg;
	s->cb = *cb;
	s->label = xstrdup(cfg->label != NULL ? cfg->label : "device");
	memcpy(&s->dev, addr, addr->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	efl_sockaddr_text(addr, s->dev_text, sizeof(s->dev_text));
	efl_reply_init(&s->reply, cfg->image->size);

	memset(&local, 0, sizeof(local));
	if (cfg->host_ip != NULL) {
		memcpy(&local, cfg->host_ip, cfg->host_ip->sa_family ==
		    AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in));
		if (local.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&local)->sin6_port = 0;
		else
			((struct sockaddr_in *)&local)->sin_port = 0;
	} else {
		local.ss_family = addr->sa_family;
	}
	if (local.ss_family != addr->sa_family) {
		efl_errbuf_set(eb, "the host address and the device %s are of "
		    "different IP families", s->dev_text);
		free(s->label);
		free(s);
		return NULL;
	}

	if (cfg->listener != NULL) {
		s->listener = cfg->listener;
	} else {
		s->listener = efl_listener_open(cfg->loop,
		    (struct sockaddr *)&local, eb);
		if (s->listener == NULL) {
			free(s->label);
			free(s);
			return NULL;
		}
		s->owns_listener = 1;
	}
	if (listener__expect(s->listener, addr, on_connect_back, s, eb) != 0) {
		stop_listening(s);
		free(s->label);
		free(s);
		return NULL;
	}
	s->expecting = 1;

	uv_udp_init(cfg->loop, &s->udp);
	uv_timer_init(cfg->loop, &s->deadline);
	uv_timer_init(cfg->loop, &s->retx);
	s->udp.data = s->deadline.data = s->retx.data = s;
	s->open_handles = 3;
	s->udp_open = 1;
	rc = uv_udp_bind(&s->udp, (struct sockaddr *)&local, 0);
	if (rc == 0)
		rc = uv_udp_recv_start(&s->udp, udp_alloc, on_udp);
	if (rc != 0) {
		/* reported through done() from the loop, never from here */
		s->start_error = 1;
		snprintf(s->start_message, sizeof(s->start_message),
		    "cannot open a UDP socket: %s", uv_strerror(rc));
		uv_timer_start(&s->deadline, on_deadline, 0, 0);
		return s;
	}
	invite(s);
	return s;
}

void
efl_espota_cancel(struct efl_espota *s)
{
	if (s->phase == EFL_PHASE_FINISHING)
		/* every byte is there: the device may still apply it */
		finish(s, EFL_R_CANCELED, EFL_CANCELED_AFTER_UPLOAD);
	else
		finish(s, EFL_R_CANCELED, "canceled");
}

/* ---- the espota transport (session.h) ---- */

struct espota_transport {
	struct efl_transport t;  /* first: the handle is this struct */
	struct efl_listener *shared;  /* --host-port, else NULL */
	struct sockaddr_storage host_ip;
	int have_host_ip;
	int md5_key_only;
};

static void *
transport_start(struct efl_transport *t, const struct efl_espota_config *cfg,
    const struct sockaddr *addr, const struct efl_espota_callbacks *cb,
    struct efl_errbuf *eb)
{
	struct espota_transport *et = (struct espota_transport *)t;
	struct efl_espota_config c = *cfg;

	c.host_ip = et->have_host_ip ? (struct sockaddr *)&et->host_ip : NULL;
	c.listener = et->shared;
	c.md5_key_only = et->md5_key_only;
	return efl_espota_start(&c, addr, cb, eb);
}

static void
transport_cancel(struct efl_transport *t, void *session)
{
	(void)t;
	efl_espota_cancel(session);
}

static void
transport_free(struct efl_transport *t)
{
	struct espota_transport *et = (struct espota_transport *)t;

	if (et->shared != NULL)
		efl_listener_release(et->shared);
	free(et);
}

struct efl_transport *
efl_espota_transport_new(uv_loop_t *loop, const struct sockaddr *host_ip,
    uint16_t host_port, int md5_key_only, struct efl_errbuf *eb)
{
	struct espota_transport *et = xcalloc(1, sizeof(*et));

	et->t.name = "espota";
	et->t.start = transport_start;
	et->t.cancel = transport_cancel;
	et->t.free = transport_free;
	et->md5_key_only = md5_key_only;
	if (host_ip != NULL) {
		memcpy(&et->host_ip, host_ip, host_ip->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		et->have_host_ip = 1;
	}
	if (host_port != 0 || host_ip != NULL) {
		/* a fixed port is opened once for all; a fixed address is
		 * tried once here, so that one not on this host is a setup
		 * error, not a failure of every device */
		et->shared = efl_listener_open_port(loop, host_ip, AF_INET,
		    host_port, eb);
		if (et->shared == NULL) {
			free(et);
			return NULL;
		}
		if (host_port == 0) {
			efl_listener_release(et->shared);
			et->shared = NULL;
		}
	}
	return &et->t;
}
