/*
 * Option-value parsing shared by the subcommands, with messages in the
 * project's style ("--jobs: '0' is not a number from 1 to 10000").
 */
#ifndef ESPFLEET_CMD_UTIL_H
#define ESPFLEET_CMD_UTIL_H

#include <stdint.h>
#include <sys/socket.h>

/* 0, or -1 after printing the message (prefixed by the log prefix). */
int cmd__parse_uint(const char *opt, const char *s, uint32_t lo,
    uint32_t hi, uint32_t *out);

/* Seconds, possibly fractional (0.5), to milliseconds in [lo_ms, hi_ms]. */
int cmd__parse_seconds(const char *opt, const char *s, uint32_t lo_ms,
    uint32_t hi_ms, uint32_t *out_ms);

/* A numeric IPv4/IPv6 address (port 0) into ss. */
int cmd__parse_ip(const char *opt, const char *s,
    struct sockaddr_storage *ss);

/* Print "Try 'espfleet CMD --help'." and return EFL_EXIT_USAGE. */
int cmd__usage_error(const char *cmd);

#endif
