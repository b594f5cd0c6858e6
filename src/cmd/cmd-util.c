/* SPDX-License-Identifier: MIT */
/*
 * Shared option handling of the subcommands (see cmd-util.h): value
 * parsers, option errors that never echo a password, the password sources.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/log.h"
#include "espfleet/output.h"
#include "espfleet/secret.h"
#include "espfleet/sockaddr.h"
#include "espfleet/text.h"

int
cmd__parse_uint(const char *opt, const char *s, uint32_t lo, uint32_t hi,
    uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || strspn(s, "0123456789.") != strlen(s) ||
	    *end != '\0' || errno != 0 || v < lo ||
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
	if (*s < '0' || *s > '9' || strspn(s, "0123456789.") != strlen(s) ||
	    *end != '\0' || errno != 0 ||
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
	const unsigned char *c;
	int bad = s[0] != '/' || strlen(s) > CMD_PATH_MAX;

	for (c = (const unsigned char *)s; *c != '\0' && !bad; c++)
		bad = *c <= ' ' || *c >= 0x7f || *c == '?' || *c == '#';
	if (bad) {
		char shown[80];

		efl_printable(shown, sizeof(shown), s, strlen(s));
		efl_error("%s: '%s' is not a URL path (starting with '/', at "
		    "most %u printable ASCII characters, no spaces, '?' or "
		    "'#')", opt, shown, CMD_PATH_MAX);
		return -1;
	}
	return 0;
}

int
cmd__parse_ip(const char *opt, const char *s, struct sockaddr_storage *ss)
{
	if (efl_sockaddr_parse(ss, s) == 0)
		return 0;
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

/* The long options that name (up to any '=') starts, as "--a, --b". */
static int
long_matches(const struct option *longopts, const char *name, size_t n,
    char *out, size_t cap)
{
	size_t pos = 0;
	int count = 0;

	out[0] = '\0';
	for (; longopts->name != NULL; longopts++) {
		if (strncmp(longopts->name, name, n) != 0)
			continue;
		if (pos < cap)
			pos += (size_t)snprintf(out + pos, cap - pos, "%s--%s",
			    count > 0 ? ", " : "", longopts->name);
		count++;
	}
	return count;
}

int
cmd__option_error(int c, char **argv, const char *cmd,
    const struct option *longopts)
{
	const char *arg = argv[optind - 1];
	size_t n = strcspn(arg, "=");
	char names[256];

	if (c == ':') {
		efl_error("option '%.*s' needs a value", (int)n, arg);
		return cmd__usage_error(cmd);
	}
	if (strncmp(arg, "--", 2) == 0 && arg[n] == '=' && optopt != 0)
		/* a flag given a value: "--json=1" */
		efl_error("option '%.*s' takes no value", (int)n, arg);
	else if (strncmp(arg, "--", 2) == 0 && optopt == 0 &&
	    long_matches(longopts, arg + 2, n - 2, names, sizeof(names)) > 1)
		efl_error("option '%.*s' is ambiguous: %s", (int)n, arg,
		    names);
	else if (optopt == 0 || optopt >= 256)
		efl_error("unknown option '%.*s'", (int)n, arg);
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
	if (efl_secret_from_env(pw, &eb) < 0) {
		efl_error("%s", eb.msg);
		return EFL_EXIT_SETUP;
	}
	return 0;
}

int
cmd__finish_output(struct efl_out *o, int rc)
{
	if (efl_out_write_error(o) != 0 &&
	    (rc == EFL_EXIT_OK || rc == EFL_EXIT_FAILED))
		rc = EFL_EXIT_SETUP;
	efl_out_free(o);
	return rc;
}
