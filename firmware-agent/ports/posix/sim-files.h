/* SPDX-License-Identifier: MIT */
/*
 * What espfleet-sim keeps on disk per device, besides its flash: the factory
 * image it starts with, running.bin (always the image the device boots) and
 * device.json (chip, free space, running MD5, boot count, last error). All
 * files are replaced atomically (write to a temporary name, then rename);
 * the temporary one can be given its disk space ahead.
 */
#ifndef ESPFLEET_SIM_FILES_H
#define ESPFLEET_SIM_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "efa/efa_err.h"

/* Everything device.json says; strings are NUL-terminated. */
struct sim_device_report {
	const char *name;
	const char *chip;       /* "esp8266" | "esp32" */
	const char *addr;
	uint16_t port;
	const char *auth;       /* "none" | "md5" | "sha256" */
	uint32_t flash_size, fs_size, free_space;
	uint32_t running_size;
	const char *running_md5; /* 32 hex */
	const char *version;    /* "" if unknown */
	uint32_t boot_count;
	const char *last_error; /* "" if none */
	const char *state;      /* "online" | "rebooting" */
	const char *image_state; /* "ok" | "trial" | "rolled-back" */
	const char *rejected_md5; /* rolled back: 32 hex; "" otherwise */
	const char *mac;        /* STA MAC "AA:BB:CC:DD:EE:FF" */
	uint32_t pulls;         /* --pull: pulls answered */
	int last_pull_status;   /* their last HTTP status; 0: none yet */
	/* the last data connection: evidence of pipelining */
	uint32_t transfer_first_read;  /* bytes of the device's first read */
	int64_t transfer_queued_at_first_ack; /* unread bytes when the first
	                                 count left; -1 = no transfer yet */
	uint32_t transfer_acks, transfer_bytes;
	double transfer_seconds;       /* first byte taken to the last count
	                                  reaching the host; < 0: none */
	/* Unix seconds: the first image byte ever taken, the last boot
	 * (0: none) */
	double first_byte_at, boot_at;
};

/* Fill buf[0..size) with the deterministic factory image of 'name' for a
 * chip with flash_size bytes: a valid header (magic 0xE9, flash-size field
 * matching the chip) and a version marker (EFA_IMAGE_VERSION_MARKER) of
 * "factory"; efa_image_version() reads it. */
void sim_factory_image(uint8_t *buf, uint32_t size, const char *name,
    enum efa_chip chip, uint32_t flash_size);

/* Write buf to path atomically (through path.tmp, then rename). 0, or -1
 * with errno set; path is then as it was. */
int sim_write_file_atomic(const char *path, const void *buf, size_t len);

/* Give path.tmp len bytes of disk now, so that the next
 * sim_write_file_atomic of path with at most len bytes cannot fail for
 * want of space. 0, or -1 with errno set. */
int sim_reserve_file_atomic(const char *path, size_t len);

/* Write dir/device.json from r. 0 or -1 (errno). */
int sim_write_device_json(const char *dir, const struct sim_device_report *r);

#endif
