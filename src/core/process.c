/* SPDX-License-Identifier: MIT */
/*
 * Process-wide setup every command gets (see process.h): fds 0-2 valid,
 * SIGPIPE ignored; and the count of descriptors still free, which push
 * uses to fit its uploads before it contacts any device.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "espfleet/process.h"

int
efl_process_init(void)
{
	int fd, rc = 0;

	for (fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* open() takes the lowest free number: this one */
		n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n < 0) {
			rc = -1;
			continue;
		}
		if (n != fd) {
			if (dup2(n, fd) < 0)
				rc = -1;
			close(n);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	return rc;
}

uint32_t
efl_fd_free(uint32_t max)
{
	int *fds;
	uint32_t n = 0, i;

	if (max == 0)
		return 0;
	fds = malloc((size_t)max * sizeof(*fds));
	if (fds == NULL)
		return 0;
	while (n < max && (fds[n] = fcntl(0, F_DUPFD_CLOEXEC, 0)) >= 0)
		n++;
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return n;
}
