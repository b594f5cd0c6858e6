/* SPDX-License-Identifier: MIT */
/*
 * Sending an image held in memory over a connected libuv TCP stream
 * without copying it into the kernel (image-send.c, used by espota.c): the
 * image is written once into an anonymous in-memory file (memfd) shared by
 * every connection of the push, and sendfile(2) hands the kernel references
 * to its pages instead of a copy per device, continued whenever the socket
 * has room again. Where memfd or sendfile cannot be used, the rest goes by
 * uv_write as before: the bytes on the wire are the same either way.
 */
#ifndef ESPFLEET_PUSH_IMAGE_SEND_H
#define ESPFLEET_PUSH_IMAGE_SEND_H

#include <stdint.h>
#include <uv.h>

#include "espfleet/image.h"

/* The in-memory files of the images of one push (made on first use). */
struct efl_image_files;

struct efl_image_files *efl_image_files_new(void);
void efl_image_files_free(struct efl_image_files *f);

/* One image going out over one connection. */
struct efl_image_send;

/* Called once: status 0 when the last byte is in the kernel, else the
 * libuv error that stopped the sending (the connection's; then possibly
 * before efl_image_send_start returns). */
typedef void (*efl_image_sent_cb)(void *arg, int status);

/*
 * Send img over conn (f may be NULL: no zero-copy). Returns 0 and sets
 * *out to NULL when the socket took the whole image at once (cb is not
 * called), or to the sending (under way, or stopped by the connection's
 * error); or a libuv error of uv_write (nothing was started).
 */
int efl_image_send_start(struct efl_image_files *f,
    const struct efl_image *img, uv_tcp_t *conn, efl_image_sent_cb cb,
    void *arg, struct efl_image_send **out);
/* Bytes not yet handed to the kernel (0 for NULL). */
uint64_t efl_image_send_left(const struct efl_image_send *s);
/* Stop before conn is closed (NULL: nothing); cb is not called after. */
void efl_image_send_stop(struct efl_image_send *s);

#endif
