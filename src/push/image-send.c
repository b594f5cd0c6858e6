/* SPDX-License-Identifier: MIT */
/*
 * Zero-copy sending of an in-memory image (see image-send.h). The kernel
 * holds a push's bytes until each device has taken them: with write(2)
 * that is a private copy per connection (a gigabyte for 1000 devices and a
 * 1 MiB image, copied into memory no cache holds), with sendfile(2) from
 * one memfd it is a reference to the same pages, and the receiving side
 * copies from them.
 */
#include <errno.h>
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

int
efl_image_send(struct efl_image_files *f, const struct efl_image *img,
    uv_tcp_t *conn, uv_write_t *req, uv_write_cb cb, int *queued)
{
	int in = file_of(f, img);
	off_t off = 0;
	uv_os_fd_t out;
	uv_buf_t b;
	ssize_t n;

	/* the socket is non-blocking: sendfile stops where its buffer is
	 * full; any failure (EINVAL: no sendfile for these descriptors, or
	 * the connection's error) leaves the rest to uv_write, which reports
	 * the error as it always did */
	if (in >= 0 && uv_fileno((uv_handle_t *)conn, &out) == 0)
		while ((uint64_t)off < img->size) {
			n = sendfile(out, in, &off,
			    img->size - (size_t)off < SEND_PIECE ?
			    img->size - (size_t)off : SEND_PIECE);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
		}
	*queued = (uint64_t)off < img->size;
	if (!*queued)
		return 0;
	b = uv_buf_init((char *)(uintptr_t)(img->data + off),
	    (unsigned)(img->size - (size_t)off));
	return uv_write(req, (uv_stream_t *)conn, &b, 1, cb);
}
