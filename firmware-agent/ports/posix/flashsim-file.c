/* SPDX-License-Identifier: MIT */
/*
 * File store for the simulated flash (see flashsim-file.h): complemented
 * bytes in a sparse file, pread/pwrite in 4 KiB chunks, erase by zeroing in
 * place, reservation of disk blocks. Memory use is a few KiB of stack
 * whatever the flash size.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fallocate(), FALLOC_FL_* */
#endif

#include "flashsim-file.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 4096u

static void
set_err(char *err, size_t errlen, const char *path, const char *what,
    int errnum)
{
	if (err == NULL || errlen == 0)
		return;
	if (errnum != 0)
		snprintf(err, errlen, "flash file '%s': %s: %s", path, what,
		    strerror(errnum));
	else
		snprintf(err, errlen, "flash file '%s': %s", path, what);
}

/* out = ~in, eight bytes at a time (megabytes a second go through). */
static void
complement(uint8_t *out, const uint8_t *in, uint32_t len)
{
	uint32_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, in + i, 8);
		w = ~w;
		memcpy(out + i, &w, 8);
	}
	for (; i < len; i++)
		out[i] = (uint8_t)~in[i];
}

static int
file_read(void *ctx, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct flashsim_file *ff = ctx;
	uint32_t done = 0;

	if (ff->fd < 0 || off > ff->size || len > ff->size - off)
		return -1;
	while (done < len) {
		ssize_t n = pread(ff->fd, buf + done, len - done,
		    (off_t)off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (uint32_t)n;
	}
	complement(buf, buf, len);
	return 0;
}

static int
write_all(int fd, const uint8_t *buf, uint32_t len, off_t off)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (uint32_t)n;
	}
	return 0;
}

static int
file_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
	struct flashsim_file *ff = ctx;
	uint8_t tmp[CHUNK];
	uint32_t done;

	if (ff->fd < 0 || off > ff->size || len > ff->size - off)
		return -1;
	for (done = 0; done < len; done += CHUNK) {
		uint32_t n = len - done < CHUNK ? len - done : CHUNK;

		complement(tmp, buf + done, n);
		if (write_all(ff->fd, tmp, n, (off_t)off + done) != 0)
			return -1;
	}
	return 0;
}

/* 1 if [off, off + len) of the file is all hole (reads as zeros and holds
 * no disk block), 0 if not or unknown. */
static int
all_hole(int fd, uint32_t off, uint32_t len)
{
#ifdef SEEK_DATA
	off_t d = lseek(fd, (off_t)off, SEEK_DATA);

	if (d < 0)
		return errno == ENXIO;  /* no data from off to the end */
	return d >= (off_t)off + (off_t)len;
#else
	(void)fd;
	(void)off;
	(void)len;
	return 0;
#endif
}

/* Write zeros over [off, off + len). */
static int
write_zeros(int fd, uint32_t off, uint32_t len)
{
	uint8_t zero[CHUNK];
	uint32_t done;

	memset(zero, 0, sizeof(zero));
	for (done = 0; done < len; done += CHUNK) {
		uint32_t n = len - done < CHUNK ? len - done : CHUNK;

		if (write_all(fd, zero, n, (off_t)off + done) != 0)
			return -1;
	}
	return 0;
}

/*
 * Erased flash (0xFF) is stored as zeros. A hole is erased already; data is
 * zeroed in place (FALLOC_FL_ZERO_RANGE keeps the blocks where the
 * filesystem has it, else zeros are written): never a punched hole, whose
 * blocks the next write would have to find again on a full disk.
 */
static int
file_erase(void *ctx, uint32_t off, uint32_t len)
{
	struct flashsim_file *ff = ctx;

	if (ff->fd < 0 || off > ff->size || len > ff->size - off)
		return -1;
	if (all_hole(ff->fd, off, len))
		return 0;
#ifdef FALLOC_FL_ZERO_RANGE
	if (fallocate(ff->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
	    (off_t)off, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS && errno != EINVAL)
		return -1;
#endif
	return write_zeros(ff->fd, off, len);
}

int
flashsim_file_reserve(struct flashsim_file *ff, uint32_t off, uint32_t len)
{
	uint8_t buf[CHUNK];
	uint32_t done, i;

	if (ff->fd < 0 || off > ff->size || len > ff->size - off) {
		errno = EINVAL;
		return -1;
	}
	if (fallocate(ff->fd, FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) ==
	    0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	/* no fallocate: write the zeros (erased bytes) back where they
	 * are, which allocates holes and changes nothing */
	for (done = 0; done < len; done += CHUNK) {
		uint32_t n = len - done < CHUNK ? len - done : CHUNK;
		ssize_t got = pread(ff->fd, buf, n, (off_t)off + done);

		if (got != (ssize_t)n)
			return -1;
		for (i = 0; i < n && buf[i] == 0; i++)
			;
		if (i == n && write_all(ff->fd, buf, n, (off_t)off + done) != 0)
			return -1;
	}
	return 0;
}

int
flashsim_file_open(struct flashsim_file *ff, const char *path,
    uint32_t size, struct flashsim_store *store_out, char *err,
    size_t errlen)
{
	struct stat st;
	char what[64];

	memset(ff, 0, sizeof(*ff));
	ff->fd = -1;
	if (size == 0) {
		set_err(err, errlen, path, "flash size is 0", 0);
		return -1;
	}
	ff->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ff->fd < 0) {
		set_err(err, errlen, path, "cannot open", errno);
		return -1;
	}
	if (fstat(ff->fd, &st) != 0) {
		set_err(err, errlen, path, "cannot stat", errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, path, "not a regular file", 0);
		goto fail;
	}
	if (st.st_size == 0) {
		if (ftruncate(ff->fd, (off_t)size) != 0) {
			set_err(err, errlen, path, "cannot set its size",
			    errno);
			goto fail;
		}
	} else if (st.st_size != (off_t)size) {
		snprintf(what, sizeof(what), "has %lld bytes, expected %lu",
		    (long long)st.st_size, (unsigned long)size);
		set_err(err, errlen, path, what, 0);
		goto fail;
	}
	ff->size = size;
	store_out->read = file_read;
	store_out->write = file_write;
	store_out->erase = file_erase;
	store_out->ctx = ff;
	return 0;
fail:
	close(ff->fd);
	ff->fd = -1;
	return -1;
}

void
flashsim_file_close(struct flashsim_file *ff)
{
	if (ff->fd >= 0)
		close(ff->fd);
	ff->fd = -1;
}
