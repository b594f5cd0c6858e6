/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of espfleet-sim's command-line parsers: --fault specifications
 * (sim-fault.c) and the option parser with its defaults, every option's
 * error message, --help/--version, sizes (sim_parse_bytes) and freedom from
 * getopt state left over by an earlier call (sim-options.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim-fault.h"
#include "sim-options.h"

/* ---- sim_fault_parse / sim_fault_applies ---- */

static void
fault_ok(const char *spec, struct sim_fault *f)
{
	char err[256] = "";

	if (sim_fault_parse(spec, f, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", spec, err);
}

static void
fault_bad(const char *spec, const char *want)
{
	struct sim_fault f;
	char err[256] = "";

	if (sim_fault_parse(spec, &f, err, sizeof(err)) != -1)
		fail_msg("'%s' was accepted", spec);
	if (strcmp(err, want) != 0)
		fail_msg("'%s': message\n  '%s'\nwant\n  '%s'", spec, err,
		    want);
}

static void
test_fault_kinds(void **state)
{
	struct sim_fault f;

	(void)state;
	fault_ok("silent", &f);
	assert_int_equal(f.kind, SIM_FAULT_SILENT);
	assert_int_equal(f.arg, 0);
	assert_int_equal(f.nranges, 0);

	fault_ok("no-space:3", &f);
	assert_int_equal(f.kind, SIM_FAULT_NO_SPACE);
	assert_int_equal(f.nranges, 1);
	assert_int_equal(f.ranges[0].lo, 3);
	assert_int_equal(f.ranges[0].hi, 3);

	fault_ok("drop-at=40000:3,7-9", &f);
	assert_int_equal(f.kind, SIM_FAULT_DROP_AT);
	assert_int_equal(f.arg, 40000);
	assert_int_equal(f.nranges, 2);
	assert_int_equal(f.ranges[0].lo, 3);
	assert_int_equal(f.ranges[0].hi, 3);
	assert_int_equal(f.ranges[1].lo, 7);
	assert_int_equal(f.ranges[1].hi, 9);

	fault_ok("boot-old:1-1", &f);
	assert_int_equal(f.kind, SIM_FAULT_BOOT_OLD);
	assert_int_equal(f.nranges, 1);
	assert_int_equal(f.ranges[0].lo, 1);
	assert_int_equal(f.ranges[0].hi, 1);

	fault_ok("powerloss-at=5", &f);
	assert_int_equal(f.kind, SIM_FAULT_POWERLOSS_AT);
	assert_int_equal(f.arg, 5);
	assert_int_equal(f.nranges, 0);

	fault_ok("no-connect", &f);
	assert_int_equal(f.kind, SIM_FAULT_NO_CONNECT);

	fault_ok("drop-at=4294967295", &f);
	assert_int_equal(f.arg, 4294967295u);

	fault_ok("crash-after=1500:2", &f);
	assert_int_equal(f.kind, SIM_FAULT_CRASH_AFTER);
	assert_int_equal(f.arg, 1500);
	assert_true(sim_fault_applies(&f, 2));
	assert_false(sim_fault_applies(&f, 1));
}

static void
test_fault_kind_names(void **state)
{
	static const char *const names[] = { "silent", "no-space", "drop-at",
	    "boot-old", "powerloss-at", "no-connect", "gone", "crash-loop",
	    "unhealthy", "crash-after" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(sim_fault_kind_name(
		    (enum sim_fault_kind)i), names[i]);
	assert_string_equal(sim_fault_kind_name((enum sim_fault_kind)99),
	    "?");
}

static void
test_fault_errors(void **state)
{
	(void)state;
	fault_bad("bogus", "unknown fault kind 'bogus' (known: silent, "
	    "no-space, drop-at=BYTES, boot-old, powerloss-at=N, no-connect, "
	    "gone, crash-loop, unhealthy, crash-after=MS)");
	fault_bad("bogus:3", "unknown fault kind 'bogus' (known: silent, "
	    "no-space, drop-at=BYTES, boot-old, powerloss-at=N, no-connect, "
	    "gone, crash-loop, unhealthy, crash-after=MS)");
	fault_bad("crash-loop=2", "fault 'crash-loop' takes no argument");
	fault_bad("crash-after", "fault 'crash-after' needs an argument: "
	    "crash-after=N");
	fault_bad("drop-at", "fault 'drop-at' needs an argument: drop-at=N");
	fault_bad("drop-at:3", "fault 'drop-at' needs an argument: "
	    "drop-at=N");
	fault_bad("powerloss-at", "fault 'powerloss-at' needs an argument: "
	    "powerloss-at=N");
	fault_bad("silent=3", "fault 'silent' takes no argument");
	fault_bad("drop-at=0", "fault 'drop-at' needs a positive number "
	    "after '=' (got '0')");
	fault_bad("drop-at=x", "fault 'drop-at' needs a positive number "
	    "after '=' (got 'x')");
	fault_bad("drop-at=", "fault 'drop-at' needs a positive number "
	    "after '=' (got '')");
	fault_bad("drop-at=-1", "fault 'drop-at' needs a positive number "
	    "after '=' (got '-1')");
	fault_bad("drop-at=5x", "fault 'drop-at' needs a positive number "
	    "after '=' (got '5x')");
	fault_bad("drop-at=4294967296", "fault 'drop-at' needs a positive "
	    "number after '=' (got '4294967296')");
	fault_bad("silent:", "empty device list after ':'");
	fault_bad("silent:0", "bad device number at '0' (devices are "
	    "numbered from 1)");
	fault_bad("silent:x", "bad device number at 'x' (devices are "
	    "numbered from 1)");
	fault_bad("silent:5-3", "bad device range ending at '3'");
	fault_bad("silent:5-", "bad device range ending at ''");
	fault_bad("silent:1,", "trailing ',' in device list");
	fault_bad("silent:1,,2", "bad device number at ',2' (devices are "
	    "numbered from 1)");
	fault_bad("silent:1;2", "unexpected ';' in device list");
	fault_bad("silent:1-2-3", "unexpected '-' in device list");
	fault_bad("", "fault '': missing or overlong kind");
	fault_bad(":3", "fault ':3': missing or overlong kind");
	fault_bad("=5", "fault '=5': missing or overlong kind");
	fault_bad("this-kind-name-is-far-too-long-to-be-real",
	    "fault 'this-kind-name-is-far-too-long-to-be-real': missing or "
	    "overlong kind");
}

/* The list of known kinds in the unknown-kind message names every kind
 * there is, each of which parses (with an argument where one is needed). */
static void
test_fault_known_list(void **state)
{
	struct sim_fault f;
	char err[256] = "", known[256], spec[40];
	const char *name, *p;
	int i;

	(void)state;
	assert_int_equal(sim_fault_parse("bogus", &f, err, sizeof(err)), -1);
	p = strstr(err, "(known: ");
	assert_non_null(p);
	snprintf(known, sizeof(known), " %s", p + 8);
	for (i = 0; (name = sim_fault_kind_name((enum sim_fault_kind)i))[0] !=
	    '?'; i++) {
		char want[48];

		snprintf(spec, sizeof(spec), "%s", name);
		if (sim_fault_parse(spec, &f, err, sizeof(err)) != 0) {
			snprintf(spec, sizeof(spec), "%s=1", name);
			fault_ok(spec, &f);
		}
		assert_int_equal(f.kind, i);
		/* " name," " name=ARG," or " name)" */
		snprintf(want, sizeof(want), " %s", name);
		p = strstr(known, want);
		if (p == NULL || strchr(",=)", p[strlen(want)]) == NULL)
			fail_msg("'%s' is not in the known list: %s", name,
			    known);
	}
	assert_int_equal(i, SIM_FAULT_CRASH_AFTER + 1);
}

/* 32 ranges are fine, 33 are too many. */
static void
test_fault_range_limit(void **state)
{
	char spec[512];
	size_t n;
	int i;
	struct sim_fault f;

	(void)state;
	n = (size_t)snprintf(spec, sizeof(spec), "silent:");
	for (i = 1; i <= SIM_FAULT_MAX_RANGES; i++)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%s%d",
		    i > 1 ? "," : "", 2 * i);
	fault_ok(spec, &f);
	assert_int_equal(f.nranges, SIM_FAULT_MAX_RANGES);
	assert_true(sim_fault_applies(&f, 64));
	assert_false(sim_fault_applies(&f, 63));
	snprintf(spec + n, sizeof(spec) - n, ",100");
	fault_bad(spec, "too many device ranges (max 32)");
}

/* The message is cut to the buffer, never overflows it. */
static void
test_fault_small_err(void **state)
{
	struct sim_fault f;
	char err[12];

	(void)state;
	memset(err, 'Z', sizeof(err));
	assert_int_equal(sim_fault_parse("bogus", &f, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'Z');
}

static void
test_fault_applies(void **state)
{
	struct sim_fault f;
	uint32_t k;

	(void)state;
	fault_ok("silent", &f);
	for (k = 1; k < 100; k++)
		assert_true(sim_fault_applies(&f, k));
	assert_true(sim_fault_applies(&f, 65535));

	fault_ok("drop-at=40000:3,7-9", &f);
	assert_false(sim_fault_applies(&f, 1));
	assert_false(sim_fault_applies(&f, 2));
	assert_true(sim_fault_applies(&f, 3));
	assert_false(sim_fault_applies(&f, 4));
	assert_false(sim_fault_applies(&f, 6));
	assert_true(sim_fault_applies(&f, 7));
	assert_true(sim_fault_applies(&f, 8));
	assert_true(sim_fault_applies(&f, 9));
	assert_false(sim_fault_applies(&f, 10));
	assert_false(sim_fault_applies(&f, 0));

	fault_ok("boot-old:1-1", &f);
	assert_true(sim_fault_applies(&f, 1));
	assert_false(sim_fault_applies(&f, 2));
}

/* ---- sim_options_parse ---- */

struct args {
	int argc;
	char *argv[80];
};

/* argv[0] and then the strings of list up to NULL, as fresh copies. */
static void
args_set(struct args *a, const char *const *list)
{
	a->argc = 0;
	a->argv[a->argc++] = strdup("espfleet-sim");
	while (*list != NULL) {
		assert_true(a->argc < 79);
		a->argv[a->argc++] = strdup(*list++);
	}
	a->argv[a->argc] = NULL;
}

static void
args_free(struct args *a)
{
	int i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

/* Run the parser with stdout silenced (for --help and --version). */
static enum sim_parse_result
parse_quiet(struct args *a, struct sim_options *o, char *err, size_t cap)
{
	enum sim_parse_result rc;
	int saved, null;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDOUT_FILENO);
	close(null);
	rc = sim_options_parse(a->argc, a->argv, o, err, cap);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

static void
opts_ok(const char *const *list, struct sim_options *o, struct args *a)
{
	char err[256] = "";

	args_set(a, list);
	if (parse_quiet(a, o, err, sizeof(err)) != SIM_PARSE_OK)
		fail_msg("%s", err);
}

static void
opts_bad(const char *const *list, const char *want)
{
	struct sim_options o;
	struct args a;
	char err[256] = "";
	enum sim_parse_result rc;

	args_set(&a, list);
	rc = parse_quiet(&a, &o, err, sizeof(err));
	if (rc != SIM_PARSE_USAGE)
		fail_msg("'%s ...' gave %d, want usage error", list[0],
		    (int)rc);
	if (strcmp(err, want) != 0)
		fail_msg("'%s ...': message\n  '%s'\nwant\n  '%s'", list[0],
		    err, want);
	args_free(&a);
}

static void
test_options_defaults(void **state)
{
	static const char *const none[] = { NULL };
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(none, &o, &a);
	assert_int_equal(o.devices, 1);
	assert_string_equal(o.name_prefix, "sim-");
	assert_int_equal(o.addr_base, 0x7f000101u);
	assert_int_equal(o.port, 8266);
	assert_null(o.state_dir);
	assert_null(o.password_file);
	assert_int_equal(o.auth, EFA_AUTH_NONE);
	assert_int_equal(o.chip, EFA_CHIP_ESP8266);
	assert_int_equal(o.flash_size, 4u << 20);
	assert_int_equal(o.fs_size, 1u << 20);
	assert_int_equal(o.factory_size, 64u << 10);
	assert_int_equal(o.rate, 0);
	assert_int_equal(o.rtt_ms, 0);
	assert_int_equal(o.window, 2920);
	assert_int_equal(o.reboot_ms, 300);
	assert_int_equal(o.update_window_s, 0);
	assert_int_equal(o.confirm_after_ms, 200);
	assert_int_equal(o.trial_deadline_ms, 300000);
	assert_string_equal(o.board, "generic");
	assert_int_equal(o.mdns, 0);
	assert_int_equal(o.verbose, 0);
	assert_int_equal(o.nfaults, 0);
	assert_int_equal(o.http_port, 0);
	assert_null(o.pull_url);
	assert_int_equal(o.pull_every_ms, 60000);
	args_free(&a);
}

/* The HTTP update paths: --http-port, --pull, --pull-every. */
static void
test_options_http(void **state)
{
	static const char *const http[] = { "--http-port", "8080", "--pull",
	    "http://192.0.2.1:8080/fw.bin", "--pull-every", "7", NULL };
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(http, &o, &a);
	assert_int_equal(o.http_port, 8080);
	assert_string_equal(o.pull_url, "http://192.0.2.1:8080/fw.bin");
	assert_int_equal(o.pull_every_ms, 7000);
	args_free(&a);
}

/* --signing-key and the library that checks with it (--verifier). */
static void
test_options_verifier(void **state)
{
	static const char *const dflt[] = { "--signing-key", "k.pub", NULL };
	static const char *const mbed[] = { "--signing-key", "k.pub",
	    "--verifier", "mbedtls", NULL };
	static const char *const ossl[] = { "--verifier", "openssl",
	    "--signing-key", "k.pub", NULL };
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(dflt, &o, &a);
	assert_string_equal(o.signing_key, "k.pub");
	assert_int_equal(o.verifier, SIM_VERIFY_OPENSSL);
	args_free(&a);
	opts_ok(mbed, &o, &a);
	assert_int_equal(o.verifier, SIM_VERIFY_MBEDTLS);
	args_free(&a);
	opts_ok(ossl, &o, &a);
	assert_int_equal(o.verifier, SIM_VERIFY_OPENSSL);
	args_free(&a);
}

static void
test_options_esp32_defaults(void **state)
{
	static const char *const esp32[] = { "--chip", "esp32", NULL };
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(esp32, &o, &a);
	assert_int_equal(o.chip, EFA_CHIP_ESP32);
	assert_int_equal(o.window, 5744);
	assert_string_equal(o.board, "esp32");
	assert_int_equal(o.auth, EFA_AUTH_NONE);
	args_free(&a);
}

/* With a password file the scheme follows the chip unless --auth says. */
static void
test_options_auth_defaults(void **state)
{
	static const char *const pw8266[] = { "--password-file", "pw", NULL };
	static const char *const pw32[] = { "--password-file", "pw",
	    "--chip", "esp32", NULL };
	static const char *const md5_32[] = { "--chip", "esp32", "--auth",
	    "md5", "--password-file", "pw", NULL };
	static const char *const sha_8266[] = { "--auth", "sha256",
	    "--password-file", "pw", NULL };
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(pw8266, &o, &a);
	assert_int_equal(o.auth, EFA_AUTH_MD5);
	assert_string_equal(o.password_file, "pw");
	args_free(&a);
	opts_ok(pw32, &o, &a);
	assert_int_equal(o.auth, EFA_AUTH_SHA256);
	args_free(&a);
	opts_ok(md5_32, &o, &a);
	assert_int_equal(o.auth, EFA_AUTH_MD5);
	args_free(&a);
	opts_ok(sha_8266, &o, &a);
	assert_int_equal(o.auth, EFA_AUTH_SHA256);
	assert_int_equal(o.chip, EFA_CHIP_ESP8266);
	args_free(&a);
}

static void
test_options_all(void **state)
{
	static const char *const all[] = {
		"-n", "5", "--name-prefix", "dev-", "--addr-base", "10.0.0.1",
		"-p", "3232", "-d", "/tmp/state", "--password-file", "pw",
		"--auth", "md5", "--chip", "esp32", "--flash-size", "8M",
		"--fs-size", "2M", "--factory-size", "128K", "--rate", "100K",
		"--rtt-ms", "50", "--window", "1460", "--reboot-ms", "0",
		"--update-window", "60", "--board", "esp32dev", "--mdns",
		"--fault", "silent:2", "--fault", "drop-at=100", "-v",
		"--verbose", "--confirm-after", "2.5", "--trial-deadline", "7",
		"--fault", "crash-loop:1,3", "--fault", "unhealthy:4", NULL
	};
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(all, &o, &a);
	assert_int_equal(o.devices, 5);
	assert_string_equal(o.name_prefix, "dev-");
	assert_int_equal(o.addr_base, 0x0a000001u);
	assert_int_equal(o.port, 3232);
	assert_string_equal(o.state_dir, "/tmp/state");
	assert_int_equal(o.auth, EFA_AUTH_MD5);
	assert_int_equal(o.chip, EFA_CHIP_ESP32);
	assert_int_equal(o.flash_size, 8u << 20);
	assert_int_equal(o.fs_size, 2u << 20);
	assert_int_equal(o.factory_size, 128u << 10);
	assert_int_equal(o.rate, 100u << 10);
	assert_int_equal(o.rtt_ms, 50);
	assert_int_equal(o.window, 1460);
	assert_int_equal(o.reboot_ms, 0);
	assert_int_equal(o.update_window_s, 60);
	assert_string_equal(o.board, "esp32dev");
	assert_int_equal(o.mdns, 1);
	assert_int_equal(o.nfaults, 4);
	assert_int_equal(o.faults[0].kind, SIM_FAULT_SILENT);
	assert_int_equal(o.faults[1].kind, SIM_FAULT_DROP_AT);
	assert_int_equal(o.faults[1].arg, 100);
	assert_int_equal(o.faults[2].kind, SIM_FAULT_CRASH_LOOP);
	assert_int_equal(o.faults[2].nranges, 2);
	assert_int_equal(o.faults[3].kind, SIM_FAULT_UNHEALTHY);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.confirm_after_ms, 2500);
	assert_int_equal(o.trial_deadline_ms, 7000);
	args_free(&a);
}

/* Short forms: attached values, clusters, and the range edges. */
static void
test_options_short_and_edges(void **state)
{
	static const char *const shorts[] = { "-n65535", "-vv", "-p1",
	    "--addr-base", "1.0.0.1", NULL };
	static const char *const last[] = { "--addr-base", "255.255.255.250",
	    "-n", "5", NULL };
	static const char *const tiny[] = { "--flash-size", "1M",
	    "--fs-size", "0", "--factory-size", "16", "--window", "64",
	    "--rtt-ms", "10000", "--reboot-ms", "600000",
	    "--update-window", "86400", NULL };
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(shorts, &o, &a);
	assert_int_equal(o.devices, 65535);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.port, 1);
	args_free(&a);
	opts_ok(last, &o, &a);
	assert_int_equal(o.devices, 5);
	args_free(&a);
	opts_ok(tiny, &o, &a);
	assert_int_equal(o.fs_size, 0);
	assert_int_equal(o.factory_size, 16);
	assert_int_equal(o.window, 64);
	assert_int_equal(o.rtt_ms, 10000);
	assert_int_equal(o.reboot_ms, 600000);
	assert_int_equal(o.update_window_s, 86400);
	args_free(&a);
}

#define BADN(name, want, ...) do {                                   \
	static const char *const name[] = { __VA_ARGS__, NULL };     \
	opts_bad(name, want);                                        \
} while (0)

static void
test_options_errors(void **state)
{
	(void)state;
	BADN(a1, "--devices: '0' is not a number from 1 to 65535", "-n", "0");
	BADN(a2, "--devices: '65536' is not a number from 1 to 65535",
	    "--devices", "65536");
	BADN(a3, "--devices: 'x' is not a number from 1 to 65535", "-n", "x");
	BADN(a4, "--devices: '-1' is not a number from 1 to 65535", "-n",
	    "-1");
	BADN(b1, "--name-prefix: '' must be 1-40 characters without '/', "
	    "'.', '\\' or spaces", "--name-prefix", "");
	BADN(b2, "--name-prefix: 'a/b' must be 1-40 characters without '/', "
	    "'.', '\\' or spaces", "--name-prefix", "a/b");
	BADN(b3, "--name-prefix: 'a.b' must be 1-40 characters without '/', "
	    "'.', '\\' or spaces", "--name-prefix", "a.b");
	BADN(b4, "--name-prefix: 'a b' must be 1-40 characters without '/', "
	    "'.', '\\' or spaces", "--name-prefix", "a b");
	BADN(b5, "--name-prefix: 'a\\b' must be 1-40 characters without '/', "
	    "'.', '\\' or spaces", "--name-prefix", "a\\b");
	BADN(b6, "--name-prefix: '0123456789012345678901234567890123456789x' "
	    "must be 1-40 characters without '/', '.', '\\' or spaces",
	    "--name-prefix", "0123456789012345678901234567890123456789x");
	BADN(c1, "--addr-base: '1.2.3' is not an IPv4 address",
	    "--addr-base", "1.2.3");
	BADN(c2, "--addr-base: '::1' is not an IPv4 address", "--addr-base",
	    "::1");
	BADN(c3, "--addr-base: 10 devices from there run past "
	    "255.255.255.254", "--addr-base", "255.255.255.250", "-n", "10");
	BADN(t1, "--confirm-after: '-1' is not 0-86400 seconds",
	    "--confirm-after", "-1");
	BADN(t2, "--confirm-after: '86400.001' is not 0-86400 seconds",
	    "--confirm-after", "86400.001");
	BADN(t3, "--confirm-after: '1.' is not 0-86400 seconds",
	    "--confirm-after", "1.");
	BADN(t4, "--trial-deadline: '0' is not 0.001-86400 seconds",
	    "--trial-deadline", "0");
	BADN(t5, "--trial-deadline: '1.2345' is not 0.001-86400 seconds",
	    "--trial-deadline", "1.2345");
	BADN(d1, "--port: '0' is not a port number (1-65535)", "-p", "0");
	BADN(d2, "--port: '65536' is not a port number (1-65535)", "--port",
	    "65536");
	BADN(d3, "--port: 'x' is not a port number (1-65535)", "-p", "x");
	BADN(e1, "--auth: 'sha1' is not md5 or sha256", "--password-file",
	    "pw", "--auth", "sha1");
	BADN(e2, "--auth needs --password-file (the devices' password)",
	    "--auth", "md5");
	BADN(f1, "--chip: 'esp32s3' is not esp8266 or esp32", "--chip",
	    "esp32s3");
	BADN(g1, "--flash-size: '4X' is not a size", "--flash-size", "4X");
	BADN(g2, "--flash-size: must be a multiple of 4096, at least 64K",
	    "--flash-size", "4097");
	BADN(g3, "--flash-size: must be a multiple of 4096, at least 64K",
	    "--flash-size", "60K", "--fs-size", "0");
	BADN(h1, "--fs-size: 'x' is not a size", "--fs-size", "x");
	BADN(h2, "--fs-size: must be a multiple of 4096", "--fs-size",
	    "1000");
	BADN(i1, "--factory-size: '8' is not a size of at least 16 bytes",
	    "--factory-size", "8");
	BADN(i2, "--factory-size: 'x' is not a size of at least 16 bytes",
	    "--factory-size", "x");
	BADN(i3, "--fs-size/--factory-size: the factory image and the "
	    "filesystem do not fit a 65536-byte flash", "--flash-size", "64K",
	    "--fs-size", "0", "--factory-size", "64K");
	BADN(i4, "--fs-size/--factory-size: the factory image and the "
	    "filesystem do not fit a 4194304-byte flash", "--fs-size", "4M");
	BADN(j1, "--rate: 'x' is not a byte rate", "--rate", "x");
	BADN(j2, "--rate: '5G' is not a byte rate", "--rate", "5G");
	BADN(k1, "--rtt-ms: '10001' is not 0-10000", "--rtt-ms", "10001");
	BADN(k2, "--rtt-ms: '-5' is not 0-10000", "--rtt-ms", "-5");
	BADN(l1, "--window: '63' is not a size from 64 to 1M", "--window",
	    "63");
	BADN(l2, "--window: 'big' is not a size from 64 to 1M", "--window",
	    "big");
	BADN(l3, "--window: '1025K' is not a size from 64 to 1M", "--window",
	    "1025K");
	BADN(m1, "--reboot-ms: '600001' is not 0-600000", "--reboot-ms",
	    "600001");
	BADN(n1, "--update-window: '0' is not 1-86400 seconds",
	    "--update-window", "0");
	BADN(n2, "--update-window: '86401' is not 1-86400 seconds",
	    "--update-window", "86401");
	BADN(o1, "--board: must be 1-64 characters", "--board", "");
	BADN(o2, "--board: must be 1-64 characters", "--board",
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234");
	BADN(p1, "--fault: unknown fault kind 'bogus' (known: silent, "
	    "no-space, drop-at=BYTES, boot-old, powerloss-at=N, no-connect, "
	    "gone, crash-loop, unhealthy, crash-after=MS)", "--fault", "bogus");
	BADN(p2, "--fault: fault 'drop-at' needs an argument: drop-at=N",
	    "--fault", "drop-at");
	BADN(r1, "--http-port: '65536' is not a port number (0-65535)",
	    "--http-port", "65536");
	BADN(r2, "--pull: 'https://x/' is not an http:// URL", "--pull",
	    "https://x/");
	BADN(r3, "--pull: 'http://' is not an http:// URL", "--pull",
	    "http://");
	BADN(r4, "--pull-every: '0' is not 1-86400 seconds", "--pull",
	    "http://x/", "--pull-every", "0");
	BADN(r5, "--pull-every needs --pull (the URL to pull from)",
	    "--pull-every", "5");
	BADN(s1, "--verifier: 'bearssl' is not openssl or mbedtls",
	    "--signing-key", "k.pub", "--verifier", "bearssl");
	BADN(s2, "--verifier needs --signing-key (the key it checks with)",
	    "--verifier", "mbedtls");
	BADN(q1, "unknown option '--bogus'", "--bogus");
	BADN(q2, "unknown option '-x'", "-x");
	BADN(q3, "option '--port' needs a value", "--port");
	BADN(q4, "option '-p' needs a value", "-p");
	BADN(q5, "option '--fault' needs a value", "-v", "--fault");
	BADN(q6, "unexpected argument 'extra'", "extra");
	BADN(q7, "unexpected argument 'extra'", "-v", "--", "extra");
}

/* An unknown short option inside a cluster is named itself, not argv[0]
 * or the whole cluster. */
static void
test_options_unknown_in_cluster(void **state)
{
	(void)state;
	BADN(a1, "unknown option '-x'", "-xv");
	BADN(a2, "unknown option '-x'", "-vx");
	/* a long option given a value it does not take */
	BADN(a3, "unknown option '--verbose=2'", "--verbose=2");
	BADN(a4, "unknown option '--mdns=1'", "--mdns=1");
}

static void
test_options_fault_limit(void **state)
{
	const char *list[2 * (SIM_MAX_FAULTS + 1) + 1];
	struct sim_options o;
	struct args a;
	int i;

	(void)state;
	for (i = 0; i < SIM_MAX_FAULTS; i++) {
		list[2 * i] = "--fault";
		list[2 * i + 1] = "silent";
	}
	list[2 * SIM_MAX_FAULTS] = NULL;
	opts_ok(list, &o, &a);
	assert_int_equal(o.nfaults, SIM_MAX_FAULTS);
	args_free(&a);
	list[2 * SIM_MAX_FAULTS] = "--fault";
	list[2 * SIM_MAX_FAULTS + 1] = "no-space";
	list[2 * SIM_MAX_FAULTS + 2] = NULL;
	opts_bad(list, "--fault: at most 32 faults");
}

/* A fault's devices must exist; --devices may come before or after it. */
static void
test_options_fault_devices(void **state)
{
	static const char *const last[] = { "--fault", "gone:1,3-5",
	    "--devices", "5", NULL };
	static const char *const first[] = { "-n", "5", "--fault",
	    "gone:5", NULL };
	static const char *const one[] = { "--fault", "silent:1", NULL };
	struct sim_options o;
	struct args a;

	(void)state;
	opts_ok(last, &o, &a);
	assert_int_equal(o.devices, 5);
	assert_int_equal(o.faults[0].kind, SIM_FAULT_GONE);
	assert_int_equal(o.faults[0].ranges[1].hi, 5);
	args_free(&a);
	opts_ok(first, &o, &a);
	args_free(&a);
	opts_ok(one, &o, &a);
	assert_int_equal(o.devices, 1);
	args_free(&a);

	BADN(a1, "--fault silent:99: there is no device 99 (--devices 2)",
	    "--devices", "2", "--fault", "silent:99");
	BADN(a2, "--fault silent:99: there is no device 99 (--devices 2)",
	    "--fault", "silent:99", "--devices", "2");
	BADN(a3, "--fault silent:2: there is no device 2 (--devices 1)",
	    "--fault", "silent:2");
	BADN(a4, "--fault drop-at=100:1,4-6: there is no device 6 "
	    "(--devices 5)", "-n", "5", "--fault", "no-space",
	    "--fault", "drop-at=100:1,4-6");
	BADN(a5, "--fault boot-old:3: there is no device 3 (--devices 2)",
	    "--fault", "boot-old:3", "--fault", "silent:4", "-n", "2");
}

static void
test_options_help_version(void **state)
{
	static const char *const help[] = { "--help", NULL };
	static const char *const h[] = { "-h", "--bogus", NULL };
	static const char *const version[] = { "--version", NULL };
	static const char *const v[] = { "-V", NULL };
	const char *const *cases[] = { help, h, version, v };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_options o;
		struct args a;
		char err[256] = "";

		args_set(&a, cases[i]);
		assert_int_equal(parse_quiet(&a, &o, err, sizeof(err)),
		    SIM_PARSE_EXIT_OK);
		args_free(&a);
	}
}

/*
 * getopt keeps hidden state between calls (glibc: the position inside a
 * cluster like "-hv"). A parse that stops in the middle of a cluster must
 * not leak into the next parse, whose argv is a different array.
 */
static void
test_options_no_leak_between_calls(void **state)
{
	static const char *const stop_h[] = { "-hv", NULL };
	static const char *const stop_v[] = { "-Vvv", NULL };
	static const char *const stop_bad[] = { "-xvv", NULL };
	static const char *const none[] = { NULL };
	static const char *const n3[] = { "-n", "3", NULL };
	const char *const *first[] = { stop_h, stop_v, stop_bad };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		struct sim_options o;
		struct args a;
		char err[256] = "";

		args_set(&a, first[i]);
		assert_int_not_equal(parse_quiet(&a, &o, err, sizeof(err)),
		    SIM_PARSE_OK);
		args_free(&a);

		opts_ok(none, &o, &a);
		if (o.verbose != 0)
			fail_msg("after '%s': verbose %d leaked into the next "
			    "parse", first[i][0], o.verbose);
		args_free(&a);
		opts_ok(n3, &o, &a);
		assert_int_equal(o.devices, 3);
		assert_int_equal(o.verbose, 0);
		args_free(&a);
	}
}

/* The same argv parsed twice gives the same result. */
static void
test_options_repeatable(void **state)
{
	static const char *const list[] = { "-vn", "4", "--fault",
	    "silent:2", "--chip", "esp32", NULL };
	int round;

	(void)state;
	for (round = 0; round < 3; round++) {
		struct sim_options o;
		struct args a;

		opts_ok(list, &o, &a);
		assert_int_equal(o.devices, 4);
		assert_int_equal(o.verbose, 1);
		assert_int_equal(o.nfaults, 1);
		assert_int_equal(o.chip, EFA_CHIP_ESP32);
		args_free(&a);
	}
}

/* ---- sim_parse_bytes ---- */

static void
test_parse_seconds(void **state)
{
	static const struct {
		const char *s;
		uint32_t ms;
	} good[] = {
		{ "0", 0 }, { "0.2", 200 }, { "3", 3000 }, { "1.25", 1250 },
		{ "0.001", 1 }, { "86400", 86400000u }, { "7.000", 7000 },
	};
	static const char *const bad[] = {
		"", ".5", "1.", "1.2345", "-1", "+1", "1e3", "86400.001",
		"99999999999999999999", "1 ", " 1", "0x1",
	};
	size_t i;
	uint32_t ms;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 12345;
		if (sim_parse_seconds(good[i].s, 86400000u, &ms) != 0)
			fail_msg("'%s' refused", good[i].s);
		if (ms != good[i].ms)
			fail_msg("'%s' = %u ms, want %u", good[i].s, ms,
			    good[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 12345;
		if (sim_parse_seconds(bad[i], 86400000u, &ms) == 0)
			fail_msg("'%s' taken as %u ms", bad[i], ms);
		assert_int_equal(ms, 12345);
	}
}

static void
test_parse_bytes(void **state)
{
	static const struct {
		const char *s;
		uint32_t v;
	} good[] = {
		{ "4M", 4u << 20 }, { "64K", 64u << 10 }, { "1G", 1u << 30 },
		{ "4096", 4096 }, { "0", 0 }, { "4k", 4096 },
		{ "2m", 2u << 20 },
		{ "3G", 3u << 30 }, { "4294967295", 4294967295u },
		{ "4194303K", 4194303u << 10 }, { "4095M", 4095u << 20 },
	};
	static const char *const bad[] = {
		"4X", "", "-1", "5G", "4G", "4096M", "4194304K", "4294967296",
		"99999999999999999999", "18446744073709551615", "4MB", " 4",
		"4 ", "K", "+4", "0x10", "1.5M",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint32_t v = 12345;

		if (sim_parse_bytes(good[i].s, &v) != 0)
			fail_msg("'%s' refused", good[i].s);
		if (v != good[i].v)
			fail_msg("'%s' = %u, want %u", good[i].s, v, good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t v = 12345;

		if (sim_parse_bytes(bad[i], &v) != -1)
			fail_msg("'%s' accepted as %u", bad[i], v);
		assert_int_equal(v, 12345);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_kinds),
		cmocka_unit_test(test_fault_kind_names),
		cmocka_unit_test(test_fault_errors),
		cmocka_unit_test(test_fault_known_list),
		cmocka_unit_test(test_fault_range_limit),
		cmocka_unit_test(test_fault_small_err),
		cmocka_unit_test(test_fault_applies),
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_options_http),
		cmocka_unit_test(test_options_verifier),
		cmocka_unit_test(test_options_esp32_defaults),
		cmocka_unit_test(test_options_auth_defaults),
		cmocka_unit_test(test_options_all),
		cmocka_unit_test(test_options_short_and_edges),
		cmocka_unit_test(test_options_errors),
		cmocka_unit_test(test_options_unknown_in_cluster),
		cmocka_unit_test(test_options_fault_limit),
		cmocka_unit_test(test_options_fault_devices),
		cmocka_unit_test(test_options_help_version),
		cmocka_unit_test(test_options_no_leak_between_calls),
		cmocka_unit_test(test_options_repeatable),
		cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_parse_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
