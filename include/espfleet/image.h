/* SPDX-License-Identifier: MIT */
/*
 * The firmware image a push or serve sends: read whole into memory once (a
 * private copy: a file rewritten, shortened or replaced afterwards changes
 * nothing that is sent), with its size and MD5, and the pre-flight checks
 * made before any device is contacted. The one loader of push, espota and
 * serve.
 */
#ifndef ESPFLEET_IMAGE_H
#define ESPFLEET_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Which file, as it was when read: serve compares it to tell a new image. */
struct efl_image_stamp {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

struct efl_image {
	char *path;
	const uint8_t *data;  /* the copy read; owned by the image */
	uint32_t size;
	char md5_hex[33];     /* lowercase */
	int is_gzip;
	struct efl_image_stamp stamp; /* of the file the copy was read from */
	/* What a device runs from it (compress.h, efl_image_prepare): the
	 * image inflated and without a signature trailer; the same as
	 * md5_hex and size until prepared */
	char run_md5_hex[33];
	uint32_t run_size;
	/* push --compress: the gzip form, owned, or NULL */
	struct efl_image *gz;
	int gz_mode;          /* enum efl_compress */
};

enum efl_image_check {
	EFL_IMAGE_CHECK_MAGIC = 0, /* first byte must be 0xE9 or gzip */
	EFL_IMAGE_CHECK_NONE = 1   /* --force, or a filesystem image */
};

/*
 * Read path whole (without blocking on a FIFO: anything but a regular file
 * is refused), compute its MD5, check it (empty, unreadable, over 2 GiB,
 * and unless check is NONE: first byte neither 0xE9 nor gzip, or shorter
 * than a header). A file that changes while it is read is read again (a
 * few times, then refused): the copy is always one state of the file.
 * Returns 0, or -1 with a specific message in eb.
 */
int efl_image_open(struct efl_image *img, const char *path,
    enum efl_image_check check, struct efl_errbuf *eb);

void efl_image_close(struct efl_image *img);

/* The stamp of path now. 0, or -1 with errno set. */
int efl_image_stamp_of(const char *path, struct efl_image_stamp *st);

/* 1 if a and b are the same file in the same state. */
int efl_image_stamp_equal(const struct efl_image_stamp *a,
    const struct efl_image_stamp *b);

/* Lowercase hex MD5 of a buffer (OpenSSL EVP). out holds 33 bytes. */
void efl_md5_hex(const void *data, size_t len, char *out);

#endif
