/* SPDX-License-Identifier: MIT */
/*
 * Files written through a temporary beside them, made durable (fsync) and
 * renamed into place, the rename made durable too (file.h): a process or
 * machine that stops at any moment leaves the old file or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espfleet/common.h"
#include "espfleet/file.h"
#include "espfleet/text.h"

/* The rename made durable: the directory of path synced (best effort). */
static void
sync_dir_of(const char *path)
{
	char *dir = xstrdup(path);
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	free(dir);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

int
efl_write_file(const char *path, int (*writer)(FILE *, const void *),
    const void *arg, struct efl_errbuf *eb)
{
	char shown[256], *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	FILE *fp;
	int rc;

	efl_printable(shown, sizeof(shown), path, strlen(path));
	if ((fp = fopen(tmp, "w")) == NULL) {
		efl_errbuf_set(eb, "cannot write '%s': %s", shown,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	errno = 0;
	rc = writer(fp, arg);
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc == 0)
		sync_dir_of(path);
	if (rc != 0) {
		efl_errbuf_set(eb, "cannot write '%s': %s", shown,
		    strerror(errno != 0 ? errno : EIO));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}
