/* SPDX-License-Identifier: MIT */
/*
 * Password sources (see secret.h). The value lives in a page of its own,
 * locked in memory, excluded from core dumps (MADV_DONTDUMP) and wiped when
 * released; store() is the one place that takes a password in, and so the
 * one place of the length rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "espfleet/common.h"
#include "espfleet/secret.h"

static size_t
page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > EFL_PASSWORD_MAX ? (size_t)ps : 4096;
}

/* A page for the password: never swapped, never in a core dump. */
static char *
secret_page(void)
{
	void *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, page_size(), MADV_DONTDUMP);
	(void)mlock(p, page_size());
	return p;
}

/* Take the n bytes at v as the password from source; what names it in
 * the error when it is longer than EFL_PASSWORD_MAX. */
static int
store(struct efl_secret *s, const char *v, size_t n, const char *source,
    const char *what, struct efl_errbuf *eb)
{
	efl_secret_wipe(s);
	if (n > EFL_PASSWORD_MAX) {
		efl_errbuf_set(eb, "%s is longer than %d bytes (the longest "
		    "password taken)", what, EFL_PASSWORD_MAX);
		return -1;
	}
	s->value = secret_page();
	if (s->value == NULL) {
		efl_errbuf_set(eb, "cannot keep the password in memory: %s",
		    strerror(errno));
		return -1;
	}
	memcpy(s->value, v, n);
	s->value[n] = '\0';
	s->len = n;
	s->present = 1;
	s->source = source;
	return 0;
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
	char buf[EFL_PASSWORD_MAX + 2], *what;
	struct stat st;
	ssize_t n;
	size_t len;
	/* O_NONBLOCK: a FIFO would block open() until a writer came */
	int rc, fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) != 0) {
		efl_errbuf_set(eb, "cannot read password file '%s': %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		efl_errbuf_set(eb, "password file '%s' is not a regular file",
		    path);
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
		explicit_bzero(buf, sizeof(buf));
		efl_errbuf_set(eb, "password file '%s' is empty", path);
		return -1;
	}
	what = xasprintf("the password in '%s'", path);
	rc = store(s, buf, len, "--password-file", what, eb);
	free(what);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int
efl_secret_from_env(struct efl_secret *s, struct efl_errbuf *eb)
{
	char *v = getenv("ESPFLEET_PASSWORD");
	int rc;

	if (v == NULL || *v == '\0') {
		efl_secret_drop_env();
		return 0;
	}
	rc = store(s, v, strlen(v), "ESPFLEET_PASSWORD", "ESPFLEET_PASSWORD",
	    eb);
	efl_secret_drop_env();
	return rc == 0 ? 1 : -1;
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
	int rc, fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

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
		explicit_bzero(buf, sizeof(buf));
		efl_errbuf_set(eb, "no password entered");
		return -1;
	}
	rc = store(s, buf, len, "--ask-password", "the password entered",
	    eb);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int
efl_secret_set(struct efl_secret *s, const char *value, const char *source,
    const char *what, struct efl_errbuf *eb)
{
	return store(s, value, strlen(value), source, what, eb);
}

void
efl_secret_wipe(struct efl_secret *s)
{
	if (s->value != NULL) {
		explicit_bzero(s->value, EFL_PASSWORD_MAX + 1);
		munlock(s->value, page_size());
		munmap(s->value, page_size());
	}
	s->value = NULL;
	s->len = 0;
	s->present = 0;
}
