/* SPDX-License-Identifier: MIT */
/*
 * Loading the image to push (see image.h): one read-only mapping shared by
 * every session, the MD5 the invitation announces, and pre-flight checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "efa/efa_image.h"
#include "efa/efa_util.h"
#include "espfleet/common.h"
#include "espfleet/image.h"

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

int
efl_image_open(struct efl_image *img, const char *path,
    enum efl_image_check check, struct efl_errbuf *eb)
{
	struct stat st;
	void *map;
	int fd;

	memset(img, 0, sizeof(*img));
	/* O_NONBLOCK: a FIFO would block open() until a writer came */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		efl_errbuf_set(eb, "cannot read image '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		efl_errbuf_set(eb, "cannot read image '%s': %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		efl_errbuf_set(eb, "image '%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		efl_errbuf_set(eb, "image '%s' is empty", path);
		close(fd);
		return -1;
	}
	if (st.st_size > 0x7fffffff) {
		efl_errbuf_set(eb, "image '%s' is too large (%lld bytes; the "
		    "espota protocol carries at most 2 GiB)", path,
		    (long long)st.st_size);
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		efl_errbuf_set(eb, "cannot map image '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	img->data = map;
	img->size = (uint32_t)st.st_size;
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
	return 0;
}

void
efl_image_close(struct efl_image *img)
{
	if (img->data != NULL)
		munmap((void *)(uintptr_t)img->data, img->size);
	free(img->path);
	memset(img, 0, sizeof(*img));
}
