/* SPDX-License-Identifier: MIT */
/*
 * Per-device files of espfleet-sim (see sim-files.h): factory image,
 * atomic replacement of running.bin and device.json.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "efa/efa_image.h"
#include "sim-files.h"

static uint8_t
flash_nibble(enum efa_chip chip, uint32_t flash_size)
{
	uint8_t n, best = 0;
	uint32_t best_size = 0;

	for (n = 0; n < 16; n++) {
		uint32_t s = efa_image_flash_size(chip, n);

		if (s != 0 && s <= flash_size && s > best_size) {
			best = n;
			best_size = s;
		}
	}
	return best;
}

void
sim_factory_image(uint8_t *buf, uint32_t size, const char *name,
    enum efa_chip chip, uint32_t flash_size)
{
	static const char marker[] = EFA_IMAGE_VERSION_MARKER "factory";
	uint32_t h = 2166136261u, i;
	uint32_t x;
	const char *p;
	size_t nlen = strlen(name);

	for (p = name; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	x = h | 1u;
	for (i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	buf[0] = EFA_IMAGE_MAGIC;
	if (size > 1)
		buf[1] = 1;    /* one segment */
	if (size > 2)
		buf[2] = 0;    /* QIO */
	if (size > 3)
		buf[3] = (uint8_t)(flash_nibble(chip, flash_size) << 4);
	if (size >= 8 + sizeof(marker) + nlen + 1) {
		memcpy(buf + 8, marker, sizeof(marker)); /* with its NUL */
		memcpy(buf + 8 + sizeof(marker), name, nlen + 1);
	}
}

/* path.tmp into tmp; -1 (ENAMETOOLONG) if it does not fit. */
static int
tmp_name(char *tmp, size_t cap, const char *path)
{
	if (snprintf(tmp, cap, "%s.tmp", path) >= (int)cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
sim_reserve_file_atomic(const char *path, size_t len)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if (tmp_name(tmp, sizeof(tmp), path) != 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	/* glibc writes zeros where the filesystem cannot fallocate */
	rc = len > 0 ? posix_fallocate(fd, 0, (off_t)len) : 0;
	close(fd);
	if (rc != 0) {
		unlink(tmp);
		errno = rc;
		return -1;
	}
	return 0;
}

int
sim_write_file_atomic(const char *path, const void *buf, size_t len)
{
	char tmp[PATH_MAX];
	const uint8_t *p = buf;
	size_t total = len;
	off_t off = 0;
	int fd, saved;

	if (tmp_name(tmp, sizeof(tmp), path) != 0)
		return -1;
	/* no O_TRUNC: blocks reserved ahead (sim_reserve_file_atomic) are
	 * written over, not given back first; the tail goes at the end */
	fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	if (ftruncate(fd, (off_t)total) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
sim_write_device_json(const char *dir, const struct sim_device_report *r)
{
	char path[PATH_MAX];
	cJSON *o = cJSON_CreateObject();
	char *text;
	int rc;

	if (o == NULL)
		return -1;
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "chip", r->chip);
	cJSON_AddStringToObject(o, "addr", r->addr);
	cJSON_AddNumberToObject(o, "port", r->port);
	cJSON_AddStringToObject(o, "auth", r->auth);
	cJSON_AddNumberToObject(o, "flash_size", r->flash_size);
	cJSON_AddNumberToObject(o, "fs_size", r->fs_size);
	cJSON_AddNumberToObject(o, "free_space", r->free_space);
	cJSON_AddNumberToObject(o, "running_size", r->running_size);
	cJSON_AddStringToObject(o, "running_md5", r->running_md5);
	if (r->version[0] != '\0')
		cJSON_AddStringToObject(o, "version", r->version);
	else
		cJSON_AddNullToObject(o, "version");
	cJSON_AddNumberToObject(o, "boot_count", r->boot_count);
	if (r->boot_at > 0)
		cJSON_AddNumberToObject(o, "boot_at", r->boot_at);
	else
		cJSON_AddNullToObject(o, "boot_at");
	if (r->first_byte_at > 0)
		cJSON_AddNumberToObject(o, "first_byte_at", r->first_byte_at);
	else
		cJSON_AddNullToObject(o, "first_byte_at");
	if (r->last_error[0] != '\0')
		cJSON_AddStringToObject(o, "last_error", r->last_error);
	else
		cJSON_AddNullToObject(o, "last_error");
	cJSON_AddStringToObject(o, "state", r->state);
	cJSON_AddStringToObject(o, "image_state", r->image_state);
	if (r->rejected_md5[0] != '\0')
		cJSON_AddStringToObject(o, "rejected_md5", r->rejected_md5);
	else
		cJSON_AddNullToObject(o, "rejected_md5");
	if (r->mac != NULL)
		cJSON_AddStringToObject(o, "mac", r->mac);
	cJSON_AddNumberToObject(o, "pulls", r->pulls);
	if (r->last_pull_status != 0)
		cJSON_AddNumberToObject(o, "last_pull_status",
		    r->last_pull_status);
	else
		cJSON_AddNullToObject(o, "last_pull_status");
	if (r->transfer_queued_at_first_ack >= 0) {
		cJSON *t = cJSON_AddObjectToObject(o, "last_transfer");

		cJSON_AddNumberToObject(t, "bytes", r->transfer_bytes);
		cJSON_AddNumberToObject(t, "first_read", r->transfer_first_read);
		cJSON_AddNumberToObject(t, "queued_at_first_ack",
		    (double)r->transfer_queued_at_first_ack);
		cJSON_AddNumberToObject(t, "acks", r->transfer_acks);
		if (r->transfer_seconds >= 0)
			cJSON_AddNumberToObject(t, "seconds",
			    r->transfer_seconds);
	}
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text == NULL)
		return -1;
	if (snprintf(path, sizeof(path), "%s/device.json", dir) >=
	    (int)sizeof(path)) {
		free(text);
		errno = ENAMETOOLONG;
		return -1;
	}
	rc = sim_write_file_atomic(path, text, strlen(text));
	free(text);
	return rc;
}
