/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy sending of an in-memory image (see image-send.h). The kernel
 * holds a push's bytes until each device has taken them: with write(2)
 * that is a private copy per connection (a gigabyte for 1000 devices and a
 * 1 MiB image, copied into memory no cache holds), with sendfile(2) from
 * one memfd it is references to the same pages, and the receiving side
 * copies from them. libuv has no sendfile for a stream, so the socket's
 * room is watched with a uv_poll on a duplicate of its descriptor while
 * there is more to send (the stream handle keeps reading the device's
 * counts from the original).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "espfleet/common.h"
#include "image-send.h"

/* Bytes per sendfile call (a few calls per device; the kernel splices
 * 64 KiB at a time anyway). */
#define SEND_PIECE (256u * 1024u)

struct image_file {
	const uint8_t *data;  /* which image (its bytes do not move) */
	uint32_t size;
	int fd;               /* -1: could not be made, copy instead */
	struct image_file *next;
};

struct efl_image_files {
	struct image_file *files;
};

struct efl_image_send {
	const struct efl_image *img;
	uv_tcp_t *conn;
	int in;               /* the image's memfd, or -1 */
	off_t off;            /* bytes handed over (all once written) */
	int dup_fd;           /* conn's descriptor again, for the poll */
	uv_poll_t poll;
	int poll_open;        /* initialised and not yet closed */
	uv_write_t req;
	int writing;          /* the rest queued with uv_write */
	int stopped;          /* by the owner: freed when nothing pends */
	efl_image_sent_cb cb;
	void *arg;
};

struct efl_image_files *
efl_image_files_new(void)
{
	return xcalloc(1, sizeof(struct efl_image_files));
}

void
efl_image_files_free(struct efl_image_files *f)
{
	struct image_file *i, *next;

	if (f == NULL)
		return;
	for (i = f->files; i != NULL; i = next) {
		next = i->next;
		if (i->fd >= 0)
			close(i->fd);
		free(i);
	}
	free(f);
}

/* A memfd holding the whole image, or -1. */
static int
make_file(const struct efl_image *img)
{
	size_t done = 0;
	ssize_t n;
	int fd = memfd_create("espfleet-image", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	while (done < img->size) {
		n = write(fd, img->data + done, img->size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return fd;
}

static int
file_of(struct efl_image_files *f, const struct efl_image *img)
{
	struct image_file *i;

	if (f == NULL)
		return -1;
	for (i = f->files; i != NULL; i = i->next)
		if (i->data == img->data && i->size == img->size)
			return i->fd;
	i = xcalloc(1, sizeof(*i));
	i->data = img->data;
	i->size = img->size;
	i->fd = make_file(img);
	i->next = f->files;
	f->files = i;
	return i->fd;
}

/* ---- one sending ---- */

static void
maybe_free(struct efl_image_send *s)
{
	if (s->stopped && !s->writing && !s->poll_open)
		free(s);
}

/* The end of the sending: s may be gone when this returns (the callback
 * may stop it). */
static void
report(struct efl_image_send *s, int status)
{
	if (s->stopped)
		maybe_free(s);
	else
		s->cb(s->arg, status);
}

#define SENT_ALL 1
#define SOCKET_FULL 0
#define USE_WRITE 2  /* no sendfile for these descriptors */

/* SENT_ALL, SOCKET_FULL, USE_WRITE, or the connection's error (a libuv
 * error, negative: reported, never followed by a write, which would raise
 * SIGPIPE on a connection the device reset). */
static int
send_some(struct efl_image_send *s)
{
	uv_os_fd_t out;
	size_t left;
	ssize_t n;

	if (s->in < 0 || uv_fileno((uv_handle_t *)s->conn, &out) != 0)
		return USE_WRITE;
	while ((left = s->img->size - (size_t)s->off) > 0) {
		n = sendfile(out, s->in, &s->off,
		    left < SEND_PIECE ? left : SEND_PIECE);
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n == 0)
			return USE_WRITE; /* the file ended early: cannot be */
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return SOCKET_FULL;
		case EINVAL: case ENOSYS: case EOPNOTSUPP:
#if ENOTSUP != EOPNOTSUPP
		case ENOTSUP:
#endif
		case EOVERFLOW: case ESPIPE:
			return USE_WRITE;
		default:
			return uv_translate_sys_error(errno);
		}
	}
	return SENT_ALL;
}

static void
on_written(uv_write_t *req, int status)
{
	struct efl_image_send *s = req->data;

	s->writing = 0;
	if (status == 0)
		s->off = (off_t)s->img->size;
	if (status == UV_ECANCELED) /* the connection closed first */
		maybe_free(s);
	else
		report(s, status);
}

static int
write_rest(struct efl_image_send *s)
{
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)(s->img->data + s->off),
	    (unsigned)(s->img->size - (size_t)s->off));
	int rc;

	s->req.data = s;
	rc = uv_write(&s->req, (uv_stream_t *)s->conn, &b, 1, on_written);
	if (rc == 0)
		s->writing = 1;
	return rc;
}

static void
poll_closed(uv_handle_t *h)
{
	struct efl_image_send *s = h->data;

	close(s->dup_fd);
	s->dup_fd = -1;
	s->poll_open = 0;
	maybe_free(s);
}

static void
stop_polling(struct efl_image_send *s)
{
	if (s->poll_open && !uv_is_closing((uv_handle_t *)&s->poll))
		uv_close((uv_handle_t *)&s->poll, poll_closed);
}

static void
on_writable(uv_poll_t *p, int status, int events)
{
	struct efl_image_send *s = p->data;
	int r, rc;

	(void)events;
	r = status < 0 ? status : send_some(s);
	if (r == SOCKET_FULL)
		return; /* again when there is room */
	stop_polling(s);
	rc = r == SENT_ALL ? 0 : r == USE_WRITE ? write_rest(s) : r;
	if (r != USE_WRITE || rc != 0)
		report(s, rc);
}

/* Watch for room in the socket; 0, or -1 (then nothing is watched, but
 * the poll handle may still be closing). */
static int
start_polling(struct efl_image_send *s)
{
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)s->conn, &fd) != 0)
		return -1;
	s->dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (s->dup_fd < 0)
		return -1;
	if (uv_poll_init(s->conn->loop, &s->poll, s->dup_fd) != 0) {
		close(s->dup_fd);
		s->dup_fd = -1;
		return -1;
	}
	s->poll.data = s;
	s->poll_open = 1;
	if (uv_poll_start(&s->poll, UV_WRITABLE, on_writable) != 0) {
		stop_polling(s);
		return -1;
	}
	return 0;
}

int
efl_image_send_start(struct efl_image_files *f, const struct efl_image *img,
    uv_tcp_t *conn, efl_image_sent_cb cb, void *arg,
    struct efl_image_send **out)
{
	struct efl_image_send *s = xcalloc(1, sizeof(*s));
	int r, rc;

	*out = NULL;
	s->img = img;
	s->conn = conn;
	s->in = file_of(f, img);
	s->dup_fd = -1;
	s->cb = cb;
	s->arg = arg;
	r = send_some(s);
	if (r == SENT_ALL) {
		free(s);
		return 0;
	}
	if (r == SOCKET_FULL && start_polling(s) == 0) {
		*out = s;
		return 0;
	}
	if (r < 0) {
		/* the connection failed: said as uv_write would, and the
		 * device's last word may still be read */
		*out = s;
		report(s, r);
		return 0;
	}
	rc = write_rest(s);
	if (rc != 0) {
		s->stopped = 1;
		maybe_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

uint64_t
efl_image_send_left(const struct efl_image_send *s)
{
	if (s == NULL)
		return 0;
	if (s->writing)
		return uv_stream_get_write_queue_size(
		    (const uv_stream_t *)s->conn);
	return s->img->size - (uint64_t)s->off;
}

void
efl_image_send_stop(struct efl_image_send *s)
{
	if (s == NULL)
		return;
	s->stopped = 1;
	stop_polling(s);
	maybe_free(s);
}
