/* SPDX-License-Identifier: MIT */
/*
 * Password sources (see secret.h). The value lives in one buffer that is
 * locked in memory where possible and wiped when released.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include "espfleet/secret.h"

static void
store(struct efl_secret *s, const char *v, size_t n, const char *source)
{
	efl_secret_wipe(s);
	(void)mlock(s->value, sizeof(s->value));
	if (n > EFL_PASSWORD_MAX)
		n = EFL_PASSWORD_MAX;
	memcpy(s->value, v, n);
	s->value[n] = '\0';
	s->len = n;
	s->present = 1;
	s->source = source;
}

static size_t
line_length(const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			return i;
	return n;
}

int
efl_secret_from_file(struct efl_secret *s, const char *path,
    struct efl_errbuf *eb)
{
	char buf[EFL_PASSWORD_MAX + 2];
	ssize_t n;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		efl_errbuf_set(eb, "cannot read password file '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		efl_errbuf_set(eb, "cannot read password file '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	len = line_length(buf, (size_t)n);
	if (len == 0) {
		memset(buf, 0, sizeof(buf));
		efl_errbuf_set(eb, "password file '%s' is empty", path);
		return -1;
	}
	if (len > EFL_PASSWORD_MAX) {
		memset(buf, 0, sizeof(buf));
		efl_errbuf_set(eb, "password in '%s' is longer than %d bytes",
		    path, EFL_PASSWORD_MAX);
		return -1;
	}
	store(s, buf, len, "--password-file");
	memset(buf, 0, sizeof(buf));
	return 0;
}

int
efl_secret_from_env(struct efl_secret *s)
{
	char *v = getenv("ESPFLEET_PASSWORD");

	if (v == NULL || *v == '\0')
		return 0;
	store(s, v, strlen(v), "ESPFLEET_PASSWORD");
	memset(v, 0, strlen(v));
	unsetenv("ESPFLEET_PASSWORD");
	return 1;
}

void
efl_secret_drop_env(void)
{
	char *v = getenv("ESPFLEET_PASSWORD");

	if (v == NULL)
		return;
	explicit_bzero(v, strlen(v));
	unsetenv("ESPFLEET_PASSWORD");
}

int
efl_secret_prompt(struct efl_secret *s, const char *prompt,
    struct efl_errbuf *eb)
{
	struct termios old, quiet;
	char buf[EFL_PASSWORD_MAX + 2];
	ssize_t n;
	size_t len;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || !isatty(fd)) {
		if (fd >= 0)
			close(fd);
		efl_errbuf_set(eb, "--ask-password needs a terminal; in "
		    "scripts use ESPFLEET_PASSWORD or --password-file");
		return -1;
	}
	if (tcgetattr(fd, &old) != 0) {
		efl_errbuf_set(eb, "cannot configure the terminal: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		efl_errbuf_set(eb, "cannot prompt on the terminal: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* nothing useful to do */
	}
	close(fd);
	if (n <= 0) {
		efl_errbuf_set(eb, "no password entered");
		return -1;
	}
	len = line_length(buf, (size_t)n);
	if (len == 0) {
		efl_errbuf_set(eb, "no password entered");
		return -1;
	}
	store(s, buf, len, "--ask-password");
	memset(buf, 0, sizeof(buf));
	return 0;
}

void
efl_secret_set(struct efl_secret *s, const char *value, const char *source)
{
	store(s, value, strlen(value), source);
}

void
efl_secret_wipe(struct efl_secret *s)
{
	explicit_bzero(s->value, sizeof(s->value));
	s->len = 0;
	s->present = 0;
}
