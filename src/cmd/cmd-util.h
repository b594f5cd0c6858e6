/* SPDX-License-Identifier: MIT */
/*
 * Option-value parsing shared by the subcommands, with messages in the
 * project's style ("--jobs: '0' is not a number from 1 to 10000").
 */
#ifndef ESPFLEET_CMD_UTIL_H
#define ESPFLEET_CMD_UTIL_H

#include <getopt.h>
#include <stdint.h>
#include <sys/socket.h>

/* 0, or -1 after printing the message (prefixed by the log prefix). */
int cmd__parse_uint(const char *opt, const char *s, uint32_t lo,
    uint32_t hi, uint32_t *out);

/* Seconds, possibly fractional (0.5), to milliseconds in [lo_ms, hi_ms]. */
int cmd__parse_seconds(const char *opt, const char *s, uint32_t lo_ms,
    uint32_t hi_ms, uint32_t *out_ms);

/* An HTTP path: starts with '/', at most CMD_PATH_MAX printable ASCII
 * characters, no spaces, '?' or '#'. */
#define CMD_PATH_MAX 1024u
int cmd__parse_path(const char *opt, const char *s);

/* A numeric IPv4/IPv6 address (port 0) into ss. */
int cmd__parse_ip(const char *opt, const char *s,
    struct sockaddr_storage *ss);

/* Print "Try 'espfleet CMD --help'." and return EFL_EXIT_USAGE. */
int cmd__usage_error(const char *cmd);

/* getopt_long returned c, ':' (no value) or '?' (unknown option): name
 * the option without any "=value" (it may be a password, --auth=PW), say
 * how passwords are given when it looks like one, and return
 * cmd__usage_error(cmd). */
int cmd__option_error(int c, char **argv, const char *cmd,
    const struct option *longopts);

/* Right after getopt_long matched --password-file: 0 if it was written
 * out as such; -1 (after the message) if it was "--password PW" or
 * "--password=PW", which getopt_long takes for an abbreviation of it (the
 * value, a password, is never echoed). */
int cmd__password_file_arg(char **argv);

/*
 * After a password was taken out of the process's arguments (espota -a):
 * rewrite the argument area that /proc/PID/cmdline and ps show as one line,
 * the program's name and args[0..argc) separated by spaces, so that nothing
 * there (not a run of NUL bytes) tells the password's length. args must
 * point into that area; they are replaced by copies. Linux; 0, or -1 when
 * the area is not found or nothing was taken out of it (left as it is).
 */
int cmd__hide_argument_area(int argc, char **args);

struct efl_secret;

/* The password of command cmd from --password-file (file non-NULL),
 * --ask-password (ask; not both) or else ESPFLEET_PASSWORD, which is
 * removed from the environment either way. 0, or an exit status after
 * the message. */
int cmd__load_password(const char *cmd, const char *file, int ask,
    struct efl_secret *pw);

/* The exit status once the output o is done with: rc, or 3 (setup failure)
 * instead of 0 or 1 when the report could not be written (output.h);
 * then frees o. */
struct efl_out;
int cmd__finish_output(struct efl_out *o, int rc);

#endif
