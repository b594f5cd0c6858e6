/* SPDX-License-Identifier: MIT */
/*
 * efl-tcpcopy: the practical limit for the host's cost of pushing bytes.
 * Sends BYTES over one loopback TCP connection to a child that discards
 * them, and prints the sender's CPU time (user+sys) and wall time:
 *   efl-tcpcopy BYTES  ->  "bytes=N wall_s=W cpu_s=C"
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	unsigned long long total, sent = 0;
	struct rusage ru;
	double t0, t1;
	int lfd, fd;
	pid_t child;

	if (argc != 2 || (total = strtoull(argv[1], NULL, 0)) == 0) {
		fprintf(stderr, "usage: efl-tcpcopy BYTES\n");
		return 2;
	}
	memset(buf, 0xa5, sizeof(buf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 1) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0) {
		perror("efl-tcpcopy: listen");
		return 1;
	}
	child = fork();
	if (child == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (connect(c, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			_exit(1);
		while (read(c, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("efl-tcpcopy: accept");
		return 1;
	}
	t0 = now_s();
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) :
		    sizeof(buf);
		ssize_t w = write(fd, buf, n);

		if (w <= 0) {
			perror("efl-tcpcopy: write");
			return 1;
		}
		sent += (unsigned long long)w;
	}
	close(fd);
	waitpid(child, NULL, 0);
	t1 = now_s();
	getrusage(RUSAGE_SELF, &ru);
	printf("bytes=%llu wall_s=%.3f cpu_s=%.3f\n", sent, t1 - t0,
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}
