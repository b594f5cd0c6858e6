/*
 * Shared option-value parsers of the subcommands (see cmd-util.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/log.h"

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
