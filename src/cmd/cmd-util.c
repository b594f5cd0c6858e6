/*
 * Shared option handling of the subcommands (see cmd-util.h): value
 * parsers, option errors that never echo a password, the password sources.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/log.h"
#include "espfleet/secret.h"

int
cmd__parse_uint(const char *opt, const char *s, uint32_t lo, uint32_t hi,
    uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < lo ||
	    v > hi) {
		efl_error("%s: '%s' is not a number from %u to %u", opt, s, lo,
		    hi);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

int
cmd__parse_seconds(const char *opt, const char *s, uint32_t lo_ms,
    uint32_t hi_ms, uint32_t *out_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    v * 1000.0 < lo_ms || v * 1000.0 > hi_ms) {
		efl_error("%s: '%s' is not a number of seconds from %g to %g",
		    opt, s, lo_ms / 1000.0, hi_ms / 1000.0);
		return -1;
	}
	*out_ms = (uint32_t)(v * 1000.0 + 0.5);
	return 0;
}

int
cmd__parse_path(const char *opt, const char *s)
{
	if (s[0] != '/' || strpbrk(s, " \t\r\n?#") != NULL) {
		efl_error("%s: '%s' is not a path (starting with '/', no "
		    "spaces, '?' or '#')", opt, s);
		return -1;
	}
	return 0;
}

int
cmd__parse_ip(const char *opt, const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &((struct sockaddr_in *)ss)->sin_addr) ==
	    1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &((struct sockaddr_in6 *)ss)->sin6_addr) ==
	    1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	efl_error("%s: '%s' is not an IP address", opt, s);
	return -1;
}

int
cmd__usage_error(const char *cmd)
{
	fprintf(stderr, "Try 'espfleet %s --help'.\n", cmd);
	return EFL_EXIT_USAGE;
}

#define PASSWORD_HINT "passwords are not taken as arguments: use " \
	"ESPFLEET_PASSWORD, --password-file or --ask-password"

int
cmd__option_error(int c, char **argv, const char *cmd)
{
	if (c == ':') {
		efl_error("option '%s' needs a value", argv[optind - 1]);
		return cmd__usage_error(cmd);
	}
	if (optopt == 0 || optopt >= 256)
		efl_error("unknown option '%.*s'",
		    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
	else
		efl_error("unknown option '-%c'", optopt);
	if (((optopt == 0 || optopt >= 256) &&
	    (strncmp(argv[optind - 1], "--auth", 6) == 0 ||
	    strncmp(argv[optind - 1], "--password", 10) == 0)) ||
	    optopt == 'a')
		efl_error(PASSWORD_HINT);
	return cmd__usage_error(cmd);
}

int
cmd__password_file_arg(char **argv)
{
	if (strncmp(optarg == argv[optind - 1] ? argv[optind - 2] :
	    argv[optind - 1], "--password-", 11) != 0) {
		efl_error(PASSWORD_HINT);
		return -1;
	}
	return 0;
}

int
cmd__load_password(const char *cmd, const char *file, int ask,
    struct efl_secret *pw)
{
	struct efl_errbuf eb;

	if (file != NULL && ask) {
		efl_error("--password-file and --ask-password exclude each "
		    "other");
		return cmd__usage_error(cmd);
	}
	if (file != NULL || ask)
		efl_secret_drop_env();
	if (file != NULL) {
		if (efl_secret_from_file(pw, file, &eb) != 0) {
			efl_error("%s", eb.msg);
			return EFL_EXIT_SETUP;
		}
		return 0;
	}
	if (ask) {
		if (efl_secret_prompt(pw, "OTA password: ", &eb) != 0) {
			efl_error("%s", eb.msg);
			return EFL_EXIT_USAGE;
		}
		return 0;
	}
	efl_secret_from_env(pw);
	return 0;
}
