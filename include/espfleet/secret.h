/* SPDX-License-Identifier: MIT */
/*
 * The OTA password: from ESPFLEET_PASSWORD, a file, or a no-echo prompt on
 * the terminal. Kept in one locked buffer, wiped on release, never printed.
 */
#ifndef ESPFLEET_SECRET_H
#define ESPFLEET_SECRET_H

#include <stddef.h>

#include "error.h"

#define EFL_PASSWORD_MAX 256

struct efl_secret {
	char value[EFL_PASSWORD_MAX + 1];
	size_t len;
	int present;
	const char *source; /* "ESPFLEET_PASSWORD", "--password-file", ... */
};

/* Read the first line of path (without its line end). 0 or -1 (eb). */
int efl_secret_from_file(struct efl_secret *s, const char *path,
    struct efl_errbuf *eb);

/* Take ESPFLEET_PASSWORD if set (and remove it from the environment so
 * child processes never inherit it). 1 if taken, 0 if unset. */
int efl_secret_from_env(struct efl_secret *s);

/* Wipe and remove ESPFLEET_PASSWORD without taking it, for when the
 * password comes from elsewhere (ps e would show it all along). */
void efl_secret_drop_env(void);

/* Prompt on /dev/tty with echo off. 0, or -1 (eb) when there is no
 * terminal or the read fails. */
int efl_secret_prompt(struct efl_secret *s, const char *prompt,
    struct efl_errbuf *eb);

/* Take a password given on the command line (espota compatibility only). */
void efl_secret_set(struct efl_secret *s, const char *value,
    const char *source);

void efl_secret_wipe(struct efl_secret *s);

#endif
