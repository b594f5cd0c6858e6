/* SPDX-License-Identifier: MIT */
/*
 * Loading the image to push or serve (see image.h): one private copy read
 * whole, the MD5 the invitation announces, and pre-flight checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "efa/efa_image.h"
#include "efa/efa_util.h"
#include "espfleet/common.h"
#include "espfleet/image.h"

/* Reads of a file that keeps changing before it is refused. */
#define READ_ATTEMPTS 5

void
efl_md5_hex(const void *data, size_t len, char *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, digest, &n, EVP_md5(), NULL) != 1 ||
	    n != 16)
		memset(digest, 0, 16);
	efa_hex(out, digest, 16);
}

static void
stamp_from(struct efl_image_stamp *st, const struct stat *sb)
{
	memset(st, 0, sizeof(*st));
	st->dev = (uint64_t)sb->st_dev;
	st->ino = (uint64_t)sb->st_ino;
	st->size = (uint64_t)sb->st_size;
	st->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec;
	st->ctime_ns = (int64_t)sb->st_ctim.tv_sec * 1000000000 +
	    sb->st_ctim.tv_nsec;
}

int
efl_image_stamp_of(const char *path, struct efl_image_stamp *st)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -1;
	stamp_from(st, &sb);
	return 0;
}

int
efl_image_stamp_equal(const struct efl_image_stamp *a,
    const struct efl_image_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/*
 * One read of the open file fd (fstat said *before): its bytes into a new
 * buffer of *before's size, and one byte more to see it grew. 1 when the
 * copy is whole and the file did not change meanwhile, 0 when it changed
 * (try again), -1 on a read error (errno).
 */
static int
read_once(int fd, const struct efl_image_stamp *before, uint8_t **out)
{
	struct efl_image_stamp after;
	struct stat sb;
	size_t want = (size_t)before->size, got = 0;
	uint8_t *buf = xmalloc(want + 1);
	ssize_t n;

	while (got < want + 1) {
		n = pread(fd, buf + got, want + 1 - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (fstat(fd, &sb) != 0) {
		free(buf);
		return -1;
	}
	stamp_from(&after, &sb);
	if (got != want || !efl_image_stamp_equal(before, &after)) {
		free(buf);
		return 0;
	}
	*out = buf;
	return 1;
}

/* The whole file, read until one copy is of one state of it. 0 or -1. */
static int
read_whole(struct efl_image *img, const char *path, struct efl_errbuf *eb)
{
	struct stat sb;
	uint8_t *buf = NULL;
	int fd, attempt, rc = 0;

	/* O_NONBLOCK: a FIFO would block open() until a writer came */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		efl_errbuf_set(eb, "cannot read image '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	for (attempt = 0; attempt < READ_ATTEMPTS && rc == 0; attempt++) {
		if (fstat(fd, &sb) != 0) {
			rc = -1;
			break;
		}
		if (!S_ISREG(sb.st_mode)) {
			efl_errbuf_set(eb, "image '%s' is not a regular file",
			    path);
			close(fd);
			return -1;
		}
		if (sb.st_size == 0) {
			efl_errbuf_set(eb, "image '%s' is empty", path);
			close(fd);
			return -1;
		}
		if (sb.st_size > 0x7fffffff) {
			efl_errbuf_set(eb, "image '%s' is too large (%lld "
			    "bytes; the espota protocol carries at most 2 GiB)",
			    path, (long long)sb.st_size);
			close(fd);
			return -1;
		}
		stamp_from(&img->stamp, &sb);
		rc = read_once(fd, &img->stamp, &buf);
	}
	if (rc < 0)
		efl_errbuf_set(eb, "cannot read image '%s': %s", path,
		    strerror(errno));
	else if (rc == 0)
		efl_errbuf_set(eb, "image '%s' kept changing while it was "
		    "read (is it being written?)", path);
	close(fd);
	if (rc != 1)
		return -1;
	img->data = buf;
	img->size = (uint32_t)img->stamp.size;
	return 0;
}

int
efl_image_open(struct efl_image *img, const char *path,
    enum efl_image_check check, struct efl_errbuf *eb)
{
	memset(img, 0, sizeof(*img));
	if (read_whole(img, path, eb) != 0)
		return -1;
	img->path = xstrdup(path);
	img->is_gzip = efa_image_is_gzip(img->data, img->size);
	if (check == EFL_IMAGE_CHECK_MAGIC &&
	    img->data[0] != EFA_IMAGE_MAGIC &&
	    !img->is_gzip) {
		efl_errbuf_set(eb, "image '%s' is not an ESP firmware image: it "
		    "starts with byte 0x%02x, not 0xE9 (or a gzip stream); use "
		    "--force to send it anyway, or --fs for a filesystem image",
		    path, img->data[0]);
		efl_image_close(img);
		return -1;
	}
	if (check == EFL_IMAGE_CHECK_MAGIC &&
	    img->size < (img->is_gzip ? EFA_IMAGE_GZIP_MIN_LEN : EFA_IMAGE_MIN_LEN)) {
		/* a device would flash it and boot into nothing */
		efl_errbuf_set(eb, "image '%s' is too short to be an ESP "
		    "firmware image: %u bytes, less than %s (%u bytes); use "
		    "--force to send it anyway", path, img->size,
		    img->is_gzip ? "the smallest gzip stream" :
		    "the image header", img->is_gzip ? EFA_IMAGE_GZIP_MIN_LEN :
		    EFA_IMAGE_MIN_LEN);
		efl_image_close(img);
		return -1;
	}
	efl_md5_hex(img->data, img->size, img->md5_hex);
	memcpy(img->run_md5_hex, img->md5_hex, sizeof(img->run_md5_hex));
	img->run_size = img->size;
	return 0;
}

void
efl_image_close(struct efl_image *img)
{
	if (img->gz != NULL) {
		efl_image_close(img->gz);
		free(img->gz);
	}
	free((void *)(uintptr_t)img->data);
	free(img->path);
	memset(img, 0, sizeof(*img));
}
