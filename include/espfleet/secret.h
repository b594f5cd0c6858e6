/* SPDX-License-Identifier: MIT */
/*
 * The OTA password: from ESPFLEET_PASSWORD, a file, or a no-echo prompt on
 * the terminal. Kept in a page of its own, locked in memory and left out of
 * core dumps, wiped on release, never printed. Every source obeys the one
 * length rule: at most EFL_PASSWORD_MAX bytes, a longer one is an error
 * (never cut).
 */
#ifndef ESPFLEET_SECRET_H
#define ESPFLEET_SECRET_H

#include <stddef.h>

#include "error.h"

#define EFL_PASSWORD_MAX 256

struct efl_secret {
	char *value;        /* NUL-ended; its page is MADV_DONTDUMP and
	                       mlocked; NULL until a password is taken */
	size_t len;
	int present;
	const char *source; /* "ESPFLEET_PASSWORD", "--password-file", ... */
};

/* Read the first line of path (without its line end). 0 or -1 (eb). */
int efl_secret_from_file(struct efl_secret *s, const char *path,
    struct efl_errbuf *eb);

/* Take ESPFLEET_PASSWORD if set, and wipe and remove it from the
 * environment (child processes never inherit it) in any case. 1 if taken,
 * 0 if unset, -1 (eb) if it is longer than EFL_PASSWORD_MAX. */
int efl_secret_from_env(struct efl_secret *s, struct efl_errbuf *eb);

/* Wipe and remove ESPFLEET_PASSWORD without taking it, for when the
 * password comes from elsewhere (ps e would show it all along). */
void efl_secret_drop_env(void);

/* Prompt on /dev/tty with echo off. 0, or -1 (eb) when there is no
 * terminal or the read fails. */
int efl_secret_prompt(struct efl_secret *s, const char *prompt,
    struct efl_errbuf *eb);

/* Take a password given on the command line (espota compatibility only);
 * what names it in the error. 0, or -1 (eb) when it is too long. */
int efl_secret_set(struct efl_secret *s, const char *value,
    const char *source, const char *what, struct efl_errbuf *eb);

/* Wipe the password and release its page. */
void efl_secret_wipe(struct efl_secret *s);

#endif
