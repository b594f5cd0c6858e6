/* SPDX-License-Identifier: MIT */
/*
 * Compressed transfers (see compress.h): gzip and gunzip in memory with
 * zlib, the forms of an image a push sends, and what a device runs from
 * a compressed or signed image.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "efa/efa_image.h"
#include "espfleet/common.h"
#include "espfleet/compress.h"
#include "espfleet/image.h"
#include "espfleet/signing.h"
#include "espfleet/target.h"

int
efl_compress_parse(const char *s, enum efl_compress *out)
{
	static const char *const names[] = { "none", "auto", "gzip" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum efl_compress)i;
			return 0;
		}
	return -1;
}

int
efl_gzip(const uint8_t *data, uint32_t size, uint8_t **out,
    uint32_t *out_len, struct efl_errbuf *eb)
{
	z_stream z;
	uLong cap;
	uint8_t *buf;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper (no name, time 0: the same bytes for the
	 * same image, so its MD5 is reproducible) */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		efl_errbuf_set(eb, "zlib: cannot start compressing");
		return -1;
	}
	cap = deflateBound(&z, size);
	buf = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = size;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	*out_len = (uint32_t)z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		efl_errbuf_set(eb, "zlib: compression failed (%d)", rc);
		return -1;
	}
	*out = buf;
	return 0;
}

int
efl_gunzip(const uint8_t *data, uint32_t size, uint32_t max_out,
    uint8_t **out, uint32_t *out_len, struct efl_errbuf *eb)
{
	z_stream z;
	uint32_t cap, isize;
	uint8_t *buf;
	int rc;

	/* ISIZE, the stream's last word, says how much to expect; the
	 * inflation checks it (and the CRC-32) */
	if (size < EFA_IMAGE_GZIP_MIN_LEN) {
		efl_errbuf_set(eb, "a gzip stream of %u bytes is truncated",
		    size);
		return -1;
	}
	isize = (uint32_t)data[size - 4] | (uint32_t)data[size - 3] << 8 |
	    (uint32_t)data[size - 2] << 16 | (uint32_t)data[size - 1] << 24;
	if (isize == 0 || isize > max_out) {
		efl_errbuf_set(eb, "the gzip stream says it inflates to %u "
		    "bytes (at most %u taken)", isize, max_out);
		return -1;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		efl_errbuf_set(eb, "zlib: cannot start inflating");
		return -1;
	}
	cap = isize;
	buf = xmalloc((size_t)cap + 1);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = size;
	z.next_out = buf;
	z.avail_out = cap + 1;  /* one more: a stream that lies about ISIZE */
	rc = inflate(&z, Z_FINISH);
	*out_len = (uint32_t)z.total_out;
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.avail_in != 0 || *out_len != isize) {
		free(buf);
		efl_errbuf_set(eb, "the gzip stream does not inflate (%s)",
		    rc == Z_DATA_ERROR ? "corrupt data or CRC" :
		    rc != Z_STREAM_END ? "truncated" : z.avail_in != 0 ?
		    "bytes after its end" : "length differs from its trailer");
		return -1;
	}
	*out = buf;
	return 0;
}

int
efl_image_prepare(struct efl_image *img, int cmd, enum efl_compress mode,
    uint32_t signed_len, struct efl_errbuf *eb)
{
	uint32_t len = signed_len, run_len;
	uint8_t *run = NULL, *gz;
	const uint8_t *bytes;
	struct efl_image *g;
	uint32_t gz_len;

	img->gz_mode = mode;
	if (len == 0 && efl_sig_guess_esp8266(img->data, img->size, &len) != 0)
		len = img->size;
	bytes = img->data;
	run_len = len;
	if (efa_image_is_gzip(img->data, len)) {
		/* the device inflates it: what it runs is the content */
		if (efl_gunzip(img->data, len, 0x7fffffffu, &run, &run_len,
		    eb) != 0)
			return -1;
		bytes = run;
	}
	efl_md5_hex(bytes, run_len, img->run_md5_hex);
	img->run_size = run_len;
	free(run);
	(void)cmd;
	if (mode == EFL_COMPRESS_NONE || img->is_gzip)
		return 0;
	if (efl_gzip(img->data, img->size, &gz, &gz_len, eb) != 0)
		return -1;
	if (gz_len >= img->size) {
		free(gz);  /* it would not save a byte: sent as it is */
		return 0;
	}
	g = xcalloc(1, sizeof(*g));
	g->path = xstrdup(img->path);
	g->data = gz;
	g->size = gz_len;
	g->is_gzip = 1;
	g->stamp = img->stamp;
	efl_md5_hex(gz, gz_len, g->md5_hex);
	memcpy(g->run_md5_hex, img->run_md5_hex, sizeof(g->run_md5_hex));
	g->run_size = img->run_size;
	img->gz = g;
	return 0;
}

const struct efl_image *
efl_image_for_target(const struct efl_image *img, int cmd,
    const struct efl_target *t)
{
	if (img->gz == NULL)
		return img;
	if (img->gz_mode == EFL_COMPRESS_GZIP)
		return img->gz;
	/* AUTO: only what the device says it inflates */
	if (t->gzip == 2 || (t->gzip == 1 && cmd == 0))
		return img->gz;
	return img;
}
