/* SPDX-License-Identifier: MIT */
/*
 * Where the agent puts an image: the "sink" a port provides. The core's own
 * flash writer (efa_flash.h) is one sink; the Arduino port's sink wraps the
 * core's Update class and the ESP-IDF port's wraps esp_ota_*. The session
 * calls, in order: free_space?, begin, write*, then finish or abort. A sink
 * that keeps the previous image also ends the trial of a new one (confirm)
 * or gives it up (reject).
 */
#ifndef EFA_SINK_H
#define EFA_SINK_H

#include <stdint.h>

#include "efa_err.h"

/* What the running image is (the TXT key efa_state). */
enum efa_image_state {
	EFA_IMAGE_OK = 0,          /* confirmed (or installed by hand) */
	EFA_IMAGE_TRIAL = 1,       /* new, not confirmed yet */
	EFA_IMAGE_ROLLED_BACK = 2  /* a new image was given up; this is the
	                              previous one again */
};

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
	/* The running image on trial passed the application's health check:
	 * keep it (trial -> ok). NULL: the port cannot roll back. */
	enum efa_err (*confirm)(void *ctx);
	/* Give up the running image on trial: the previous one boots next
	 * (the agent asks for the reboot). NULL: the port cannot roll back;
	 * the agent then neither refuses updates during a trial nor ends a
	 * trial at its deadline. */
	enum efa_err (*reject)(void *ctx);
};

#endif
