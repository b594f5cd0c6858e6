/* SPDX-License-Identifier: MIT */
/*
 * Subcommands: one file and one const table entry each (src/cmd/cmd-*.c);
 * main.c holds the table and does the setup the flags ask for, the same
 * for every command (docs/architecture.md section 3). Exit statuses are a
 * documented contract (espfleet(1) EXIT STATUS) and are never renumbered.
 */
#ifndef ESPFLEET_CMD_H
#define ESPFLEET_CMD_H

enum efl_exit {
	EFL_EXIT_OK = 0,          /* every target succeeded */
	EFL_EXIT_FAILED = 1,      /* at least one target failed */
	EFL_EXIT_USAGE = 2,       /* bad command line */
	EFL_EXIT_SETUP = 3,       /* setup failure before any device was
	                             contacted */
	EFL_EXIT_NO_TARGET = 4,   /* no target given or matched */
	EFL_EXIT_HALTED = 5       /* a staged rollout halted (push) */
};

/* What main sets up for a command before it runs (flags). */
#define EFL_CMD_LOOP       0x01u  /* a loop owner (loop.h): signals, cancel,
                                     teardown */
#define EFL_CMD_MANY_FILES 0x02u  /* the open-file limit raised */

/* What exec returns after printing its --help: main exits 0. */
#define EFL_CMD_HELP_SHOWN (-1)

typedef struct uv_loop_s uv_loop_t;

struct efl_cmd {
	const char *name;
	const char *summary;      /* one line for 'espfleet --help' */
	unsigned flags;           /* EFL_CMD_* */
	/* exit status when that setup fails (0: EFL_EXIT_SETUP) */
	int setup_failure;
	/* argv[0] is the command name; loop is NULL without EFL_CMD_LOOP.
	 * Returns an exit status or EFL_CMD_HELP_SHOWN. */
	int (*exec)(uv_loop_t *loop, int argc, char **argv);
};

extern const struct efl_cmd efl_cmd_push;
extern const struct efl_cmd efl_cmd_report;
extern const struct efl_cmd efl_cmd_discover;
extern const struct efl_cmd efl_cmd_espota;
extern const struct efl_cmd efl_cmd_serve;
extern const struct efl_cmd efl_cmd_sign;

#endif
