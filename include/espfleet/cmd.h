/* SPDX-License-Identifier: MIT */
/*
 * Subcommands: one file and one const table entry each (src/cmd/cmd-*.c);
 * main.c holds the table. Exit statuses are a documented contract
 * (espfleet(1) EXIT STATUS) and are never renumbered.
 */
#ifndef ESPFLEET_CMD_H
#define ESPFLEET_CMD_H

enum efl_exit {
	EFL_EXIT_OK = 0,          /* every target succeeded */
	EFL_EXIT_FAILED = 1,      /* at least one target failed */
	EFL_EXIT_USAGE = 2,       /* bad command line */
	EFL_EXIT_SETUP = 3,       /* setup failure before any device was
	                             contacted */
	EFL_EXIT_NO_TARGET = 4    /* no target given or matched */
};

struct efl_cmd {
	const char *name;
	const char *summary;      /* one line for 'espfleet --help' */
	int (*exec)(int argc, char **argv); /* argv[0] is the command name */
};

extern const struct efl_cmd efl_cmd_push;
extern const struct efl_cmd efl_cmd_report;
extern const struct efl_cmd efl_cmd_discover;
extern const struct efl_cmd efl_cmd_espota;
extern const struct efl_cmd efl_cmd_serve;

#endif
