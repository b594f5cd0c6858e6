/* SPDX-License-Identifier: MIT */
/*
 * Sending an image held in memory over a connected libuv TCP stream
 * without copying it into the kernel (image-send.c, used by espota.c): the
 * image is written once into an anonymous in-memory file (memfd) shared by
 * every connection of the push, and sendfile(2) hands the kernel references
 * to its pages instead of a copy per device. What the socket does not take
 * at once, and everything on a system without memfd or sendfile, goes by
 * uv_write as before: the bytes on the wire are the same either way.
 */
#ifndef ESPFLEET_PUSH_IMAGE_SEND_H
#define ESPFLEET_PUSH_IMAGE_SEND_H

#include <uv.h>

#include "espfleet/image.h"

/* The in-memory files of the images of one push (made on first use). */
struct efl_image_files;

struct efl_image_files *efl_image_files_new(void);
void efl_image_files_free(struct efl_image_files *f);

/*
 * Send img over conn: as much as the socket's send buffer takes now without
 * a copy, the rest with uv_write(req, cb) (cb is then called as uv_write's;
 * the stream's write queue holds only that rest). f may be NULL (no
 * zero-copy). Returns 0 and sets *queued to 1 when the rest was queued, to
 * 0 when the socket took the whole image (cb is not called); or a libuv
 * error from uv_write.
 */
int efl_image_send(struct efl_image_files *f, const struct efl_image *img,
    uv_tcp_t *conn, uv_write_t *req, uv_write_cb cb, int *queued);

#endif
