/* SPDX-License-Identifier: MIT */
/*
 * Command line of espfleet-sim (see man/espfleet-sim.1): parsed into one
 * struct, with a specific message for every bad value.
 */
#ifndef ESPFLEET_SIM_OPTIONS_H
#define ESPFLEET_SIM_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "efa/efa_auth.h"
#include "efa/efa_err.h"
#include "sim-fault.h"

#define SIM_MAX_FAULTS 32
#define SIM_MAX_DEVICES 65535

/* --verifier: the library that checks --signing-key's signatures. */
enum sim_verifier {
	SIM_VERIFY_OPENSSL = 0,  /* espfleet's signing.c */
	SIM_VERIFY_MBEDTLS = 1   /* the agent's ports/mbedtls */
};

struct sim_options {
	uint32_t devices;
	const char *name_prefix;
	uint32_t addr_base;      /* IPv4, host byte order */
	uint16_t port;
	const char *state_dir;   /* NULL: a new temporary directory */
	const char *password_file;
	enum efa_auth_scheme auth; /* NONE unless a password file is given */
	enum efa_chip chip;
	uint32_t flash_size, fs_size, factory_size;
	uint32_t rate;           /* bytes/s accepted; 0 = unlimited */
	uint32_t rtt_ms;
	uint32_t window;         /* bytes per round trip */
	uint32_t reboot_ms;      /* offline time of a reboot */
	uint32_t update_window_s; /* 0 = always accept; else armed by SIGUSR1 */
	uint32_t confirm_after_ms; /* a new image's application confirms it */
	uint32_t trial_deadline_ms; /* the agent gives it up unconfirmed */
	const char *board;
	int mdns;
	int verbose;
	uint32_t threads;        /* event loops (threads), >= 1 */
	uint16_t http_port;      /* the /update page; 0 = none */
	const char *pull_url;    /* pull updates from here; NULL = never */
	uint32_t pull_every_ms;  /* and again this often */
	const char *signing_key; /* PEM public key: signed images only */
	enum sim_verifier verifier; /* the library that checks them */
	uint32_t nfaults;
	struct sim_fault faults[SIM_MAX_FAULTS];
};

enum sim_parse_result {
	SIM_PARSE_OK = 0,
	SIM_PARSE_EXIT_OK = 1,   /* --help / --version printed */
	SIM_PARSE_USAGE = 2      /* bad command line; message in err */
};

enum sim_parse_result sim_options_parse(int argc, char **argv,
    struct sim_options *o, char *err, size_t errlen);

/* Seconds with up to three decimals ("0.2", "300") as milliseconds, at
 * most max_ms. 0 or -1. */
int sim_parse_seconds(const char *s, uint32_t max_ms, uint32_t *ms);

/* "4M", "65536", "64K": binary suffixes K, M, G. 0 or -1. */
int sim_parse_bytes(const char *s, uint32_t *out);

/* Print the usage text to stdout (help) or stderr (misuse). */
void sim_usage(int to_stderr);

#endif
