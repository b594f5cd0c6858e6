/* SPDX-License-Identifier: MIT */
/*
 * Where the agent puts an image: the "sink" a port provides. The core's own
 * flash writer (efa_flash.h) is one sink; the Arduino port's sink wraps the
 * core's Update class and the ESP-IDF port's wraps esp_ota_*. The session
 * calls, in order: free_space?, begin, write*, then finish or abort.
 */
#ifndef EFA_SINK_H
#define EFA_SINK_H

#include <stdint.h>

#include "efa_err.h"

struct efa_sink_ops {
	/* Largest image the device can take now for cmd (0 flash, 100 fs). */
	uint32_t (*free_space)(void *ctx, int cmd);
	/* Prepare to receive size bytes for cmd (at most: an HTTP upload of
	 * unknown length begins with the free space, like the stock update
	 * server). EFA_E_OK or an error. */
	enum efa_err (*begin)(void *ctx, int cmd, uint32_t size);
	/* Store the next len bytes of the image. */
	enum efa_err (*write)(void *ctx, const uint8_t *buf, uint32_t len);
	/* All bytes written (possibly fewer than begin's size: then the image
	 * is the bytes written, as the Arduino Updater's end(true)) and their
	 * MD5 checked by the agent: verify what was stored against md5 and
	 * make it the image used at next boot. */
	enum efa_err (*finish)(void *ctx, const uint8_t md5[16]);
	/* Drop a partial update; the running image stays as it was. */
	void (*abort)(void *ctx);
};

#endif
