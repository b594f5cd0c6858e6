/* SPDX-License-Identifier: MIT */
/*
 * Compressed transfers (push --compress): the gzip form of an image, made
 * once in memory with zlib at its best compression and never written to
 * disk; which form each device is sent; and what a device runs from an
 * image that is compressed or signed, which verification compares with.
 * The one place that sees zlib.
 */
#ifndef ESPFLEET_COMPRESS_H
#define ESPFLEET_COMPRESS_H

#include <stdint.h>

#include "error.h"

struct efl_image;
struct efl_sig_key;
struct efl_target;

enum efl_compress {
	EFL_COMPRESS_NONE = 0,  /* send the image as it is (default) */
	EFL_COMPRESS_AUTO,      /* gzip for devices that advertise efa_gz */
	EFL_COMPRESS_GZIP       /* gzip for every device */
};

/* "none" | "auto" | "gzip". 0, or -1. */
int efl_compress_parse(const char *s, enum efl_compress *out);

/* gzip data (zlib level 9, one member, no name or time): *out malloc'd.
 * 0, or -1 with eb. */
int efl_gzip(const uint8_t *data, uint32_t size, uint8_t **out,
    uint32_t *out_len, struct efl_errbuf *eb);

/* Inflate the whole gzip stream data[0..size) (one member, nothing after
 * it, CRC-32 and length checked), at most max_out bytes: *out malloc'd.
 * 0, or -1 with eb. */
int efl_gunzip(const uint8_t *data, uint32_t size, uint32_t max_out,
    uint8_t **out, uint32_t *out_len, struct efl_errbuf *eb);

/*
 * Prepare img for a push of command cmd (0 application, 100 filesystem):
 * - what the device will run (img->run_md5_hex, run_size): the image
 *   without its signature trailer (signed_len: the signed part's length,
 *   0 for an image not known to be signed, which is then checked for an
 *   ESP8266 trailer), inflated when it is a gzip stream (-1 with eb when
 *   it does not inflate);
 * - with mode AUTO or GZIP and an image that is not gzip already: its
 *   gzip form in img->gz (none when it would not be smaller).
 * 0, or -1 with eb.
 */
int efl_image_prepare(struct efl_image *img, int cmd, enum efl_compress mode,
    uint32_t signed_len, struct efl_errbuf *eb);

/* The form of img to send to t: img->gz for GZIP, and for AUTO when t
 * advertises that it inflates images of cmd (efa_gz); else img. */
const struct efl_image *efl_image_for_target(const struct efl_image *img,
    int cmd, const struct efl_target *t);

#endif
