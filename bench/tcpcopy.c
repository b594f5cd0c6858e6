/* SPDX-License-Identifier: MIT */
/*
 * efl-tcpcopy: the practical limit for the host's cost of pushing bytes.
 * Sends BYTES over CONNECTIONS loopback TCP connections at once (default
 * 1; BYTES / CONNECTIONS each, the same 1 MiB buffer over and over, as a
 * push sends one image to every device) to a child that discards them, and
 * prints the sender's CPU time (user+sys) and wall time:
 *   efl-tcpcopy BYTES [CONNECTIONS [LAG_MS]]  ->  "bytes=N wall_s=W cpu_s=C"
 * With LAG_MS the child starts reading only after that long, as slow
 * devices do: the bytes then wait in the kernel's socket buffers, and
 * copying into memory that is not in the cache costs the sender more.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF (1u << 20)
#define MAX_CONN 4096

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* The child: read every connection until it closes. */
static void
sink(int lfd, int n, char *buf, int lag_ms)
{
	struct epoll_event ev, evs[64];
	int ep = epoll_create1(0), open = 0, i, k, fd;

	while (open < n) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(1);
		set_nonblock(fd);
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		open++;
	}
	if (lag_ms > 0)
		usleep((useconds_t)lag_ms * 1000);
	while (open > 0) {
		k = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < k; i++) {
			ssize_t r = read(evs[i].data.fd, buf, BUF);

			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				close(evs[i].data.fd);
				open--;
			}
		}
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	static char buf[BUF];
	static int fds[MAX_CONN];
	static unsigned long long left[MAX_CONN], off[MAX_CONN];
	struct sockaddr_in sin;
	struct epoll_event ev, evs[64];
	socklen_t len = sizeof(sin);
	unsigned long long total, sent = 0;
	struct rusage ru;
	struct rlimit rl;
	double t0, t1;
	int lfd, ep, n = 1, lag_ms = 0, i, k, active;
	pid_t child;

	if (argc < 2 || argc > 4 || (total = strtoull(argv[1], NULL, 0)) == 0 ||
	    (argc >= 3 && ((n = atoi(argv[2])) < 1 || n > MAX_CONN)) ||
	    (argc == 4 && ((lag_ms = atoi(argv[3])) < 0 || lag_ms > 60000))) {
		fprintf(stderr, "usage: efl-tcpcopy BYTES [CONNECTIONS "
		    "[LAG_MS]]\n");
		return 2;
	}
	/* two descriptors per connection between the processes */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(buf, 0xa5, sizeof(buf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, n < 128 ? 128 : n) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) != 0) {
		perror("efl-tcpcopy: listen");
		return 1;
	}
	child = fork();
	if (child == 0)
		sink(lfd, n, buf, lag_ms);
	close(lfd);
	t0 = now_s();
	ep = epoll_create1(0);
	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sin,
		    sizeof(sin)) != 0 || set_nonblock(fds[i]) != 0) {
			perror("efl-tcpcopy: connect");
			return 1;
		}
		left[i] = total / (unsigned long long)n +
		    (i == 0 ? total % (unsigned long long)n : 0);
		ev.events = EPOLLOUT;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	for (active = n; active > 0;) {
		k = epoll_wait(ep, evs, 64, -1);
		for (i = 0; i < k; i++) {
			int c = (int)evs[i].data.u32;
			size_t want = BUF - off[c];
			ssize_t w;

			if (want > left[c])
				want = (size_t)left[c];
			w = write(fds[c], buf + off[c], want);
			if (w < 0 && errno == EAGAIN)
				continue;
			if (w <= 0) {
				perror("efl-tcpcopy: write");
				return 1;
			}
			sent += (unsigned long long)w;
			left[c] -= (unsigned long long)w;
			off[c] = (off[c] + (unsigned long long)w) % BUF;
			if (left[c] == 0) {
				close(fds[c]);
				active--;
			}
		}
	}
	waitpid(child, NULL, 0);
	t1 = now_s();
	getrusage(RUSAGE_SELF, &ru);
	printf("bytes=%llu wall_s=%.3f cpu_s=%.3f\n", sent, t1 - t0,
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}
