/* SPDX-License-Identifier: MIT */
/*
 * espfleet: the command table and dispatch (exact name, then a unique
 * prefix), global --help/--version, and the setup shared by the commands
 * (their flags: the loop owner, the open-file limit; the log prefix) and
 * by the whole process (valid standard descriptors, SIGPIPE ignored).
 * Everything else lives in the commands.
 */
#include <stdio.h>
#include <string.h>

#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/process.h"

static const struct efl_cmd *const commands[] = {
	&efl_cmd_discover,
	&efl_cmd_push,
	&efl_cmd_report,
	&efl_cmd_serve,
	&efl_cmd_espota,
	&efl_cmd_sign,
};

static void
usage(FILE *fp)
{
	size_t i;

	fputs("usage: espfleet [--version] [--help] COMMAND [ARGS]\n"
	    "Update fleets of ESP8266/ESP32 devices over the air.\n\n"
	    "Commands:\n", fp);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(fp, "  %-10s %s\n", commands[i]->name,
		    commands[i]->summary);
	fputs("\nRun 'espfleet COMMAND --help' for a command's options; "
	    "see espfleet(1).\n"
	    "Exit status: 0 success, 1 a target failed, 2 usage error, "
	    "3 setup failure,\n4 no target, 5 rollout halted (push).\n", fp);
}

static const struct efl_cmd *
find_command(const char *name)
{
	const struct efl_cmd *found = NULL;
	size_t i, n = strlen(name), matches = 0;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (n > 0 && strncmp(commands[i]->name, name, n) == 0) {
			found = commands[i];
			matches++;
		}
	if (matches == 1)
		return found;
	if (matches > 1) {
		fprintf(stderr, "espfleet: ambiguous command '%s', could be:",
		    name);
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (strncmp(commands[i]->name, name, n) == 0)
				fprintf(stderr, " %s", commands[i]->name);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "espfleet: unknown command '%s'\n", name);
	}
	return NULL;
}

/* The setup every command gets as its flags ask, its run, and the
 * teardown: one way for all of them. */
static int
run_command(const struct efl_cmd *cmd, int argc, char **argv)
{
	static char prefix[64];
	struct efl_errbuf eb;
	uv_loop_t *loop = NULL;
	int rc;

	snprintf(prefix, sizeof(prefix), "espfleet %s", cmd->name);
	efl_log_set_prefix(prefix);
	if (cmd->flags & EFL_CMD_MANY_FILES)
		(void)efl_fd_limit_raise();
	if (cmd->flags & EFL_CMD_LOOP) {
		loop = efl_loop_open(&eb);
		if (loop == NULL) {
			efl_error("%s", eb.msg);
			return cmd->setup_failure != 0 ? cmd->setup_failure :
			    EFL_EXIT_SETUP;
		}
	}
	rc = cmd->exec(loop, argc, argv);
	efl_loop_close(loop);
	return rc == EFL_CMD_HELP_SHOWN ? EFL_EXIT_OK : rc;
}

int
main(int argc, char **argv)
{
	const struct efl_cmd *cmd;

	if (efl_process_init() != 0) {
		fputs("espfleet: cannot open /dev/null for a closed standard "
		    "descriptor\n", stderr);
		return EFL_EXIT_SETUP;
	}
	if (argc < 2) {
		usage(stderr);
		return EFL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EFL_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("espfleet %s\n", ESPFLEET_VERSION);
		return EFL_EXIT_OK;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "espfleet: unknown option '%s'\n", argv[1]);
		usage(stderr);
		return EFL_EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (cmd == NULL) {
		fputs("Run 'espfleet --help' for the list of commands.\n",
		    stderr);
		return EFL_EXIT_USAGE;
	}
	return run_command(cmd, argc - 1, argv + 1);
}
