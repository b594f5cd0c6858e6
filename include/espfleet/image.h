/* SPDX-License-Identifier: MIT */
/*
 * The firmware image a push sends: read once (memory-mapped) and shared by
 * every session, with its size and MD5, and the pre-flight checks made
 * before any device is contacted.
 */
#ifndef ESPFLEET_IMAGE_H
#define ESPFLEET_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct efl_image {
	char *path;
	const uint8_t *data;  /* mapped read-only; owned by the image */
	uint32_t size;
	char md5_hex[33];     /* lowercase */
	int is_gzip;
};

enum efl_image_check {
	EFL_IMAGE_CHECK_MAGIC = 0, /* first byte must be 0xE9 or gzip */
	EFL_IMAGE_CHECK_NONE = 1   /* --force, or a filesystem image */
};

/*
 * Open and map path, compute its MD5, check it (empty, unreadable, over
 * 2 GiB, and unless check is NONE: first byte neither 0xE9 nor gzip).
 * Returns 0, or -1 with a specific message in eb.
 */
int efl_image_open(struct efl_image *img, const char *path,
    enum efl_image_check check, struct efl_errbuf *eb);

void efl_image_close(struct efl_image *img);

/* Lowercase hex MD5 of a buffer (OpenSSL EVP). out holds 33 bytes. */
void efl_md5_hex(const void *data, size_t len, char *out);

#endif
