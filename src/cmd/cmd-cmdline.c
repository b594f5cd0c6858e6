/* SPDX-License-Identifier: MIT */
/*
 * The process's argument area, as /proc/PID/cmdline and ps(1) show it,
 * rewritten after a password was taken out of it (see cmd-util.h): zeroing
 * the password alone leaves a run of NUL bytes exactly as long as it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-util.h"
#include "espfleet/common.h"

/* The kept arguments, once the area they pointed into is rewritten. */
static char *kept;

/* [*start, *end) of the argument area: fields 48 and 49 of
 * /proc/self/stat (Linux 3.5 and later). 0 or -1. */
static int
argument_area(char **start, char **end)
{
	char buf[2048], *p;
	unsigned long long lo, hi;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), field;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the command name (field 2) may hold anything but ends at the last
	 * ')'; field 3 follows it */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	for (field = 3; field < 48 && p != NULL; field++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL || sscanf(p, "%llu %llu", &lo, &hi) != 2 || hi <= lo)
		return -1;
	*start = (char *)(uintptr_t)lo;
	*end = (char *)(uintptr_t)hi;
	return 0;
}

int
cmd__hide_argument_area(int argc, char **args)
{
	char *start, *end, *line, *p;
	size_t cap, len, n;
	int i;

	if (argc < 1 || argument_area(&start, &end) != 0)
		return -1;
	for (i = 0; i < argc; i++)
		if (args[i] < start || args[i] >= end)
			return -1;   /* not the arguments of this process */
	cap = (size_t)(end - start);
	/* the program's name (the area's first string), then the kept
	 * arguments, separated by spaces */
	line = xmalloc(cap);
	len = strnlen(start, cap);
	memcpy(line, start, len);
	for (i = 0; i < argc; i++) {
		n = strlen(args[i]);
		if (len + 1 + n + 2 > cap) {
			free(line);
			return -1;   /* nothing was taken out */
		}
		line[len++] = ' ';
		memcpy(line + len, args[i], n);
		len += n;
	}
	/* copies of the kept arguments, for the caller to go on with */
	free(kept);
	kept = xmalloc(cap);
	for (i = 0, p = kept; i < argc; i++) {
		n = strlen(args[i]) + 1;
		memcpy(p, args[i], n);
		args[i] = p;
		p += n;
	}
	/* The line, NUL, zeros, and a non-NUL last byte: Linux then shows
	 * the area up to its first NUL only (the setproctitle convention),
	 * so nothing in what it shows depends on the password's length. */
	explicit_bzero(start, cap);
	memcpy(start, line, len);
	start[cap - 1] = ' ';
	explicit_bzero(line, cap);
	free(line);
	return 0;
}
