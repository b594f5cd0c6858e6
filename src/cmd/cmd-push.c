/* SPDX-License-Identifier: MIT */
/*
 * espfleet push: upload one image to many devices at once over espota or
 * the devices' HTTP update page, and report each outcome (see
 * espfleet-push(1)). Parses the command line, takes the password, checks
 * the image, finds the targets (given, from an inventory, or discovered
 * over mDNS with --all/--match/--board, skipping devices that already run
 * the image or lack room for it), keeps those of its shard, picks the
 * transports, then hands over to the push engine, with verification after
 * reboot and a staged rollout's policy (waves.h, --state: push-state.c),
 * maps its report to the exit status and writes its JUnit file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/compress.h"
#include "espfleet/discover.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/output.h"
#include "espfleet/process.h"
#include "espfleet/push.h"
#include "espfleet/secret.h"
#include "espfleet/select.h"
#include "espfleet/report.h"
#include "espfleet/session.h"
#include "espfleet/shard.h"
#include "espfleet/signing.h"
#include "espfleet/target.h"
#include "espfleet/text.h"
#include "espfleet/waves.h"
#include "push-inventory.h"
#include "push-state.h"

static const char push_usage[] =
"usage: espfleet push [options] IMAGE TARGET...\n"
"       espfleet push [options] IMAGE --all | --match GLOB | --board B\n"
"       espfleet push [options] IMAGE --inventory FILE [--group G]...\n"
"Upload IMAGE to every TARGET in parallel over the espota protocol\n"
"(ArduinoOTA), or to their HTTP update page, and report what happened\n"
"to each.\n"
"TARGET is ADDR[:PORT], [IPv6]:PORT or a host name (default port 8266,\n"
"80 with --via http).\n"
"With --all, --match or --board the targets are the devices found over\n"
"mDNS instead (as espfleet discover lists them); a device that already\n"
"runs IMAGE (its efa_md5) or has too little free space for it (efa_free)\n"
"is skipped, which is not a failure.\n"
"With --inventory the targets are the devices of FILE (see\n"
"espfleet-inventory(5)), each with its own port, transport and group\n"
"password; --group, --match and --board (its \"board\") choose among them,\n"
"and --all also asks mDNS which of them to skip.\n"
"\n"
"  -j, --jobs N            uploads at once (default 32; the rest wait)\n"
"  -t, --timeout SEC       bound of every wait: the answer, the\n"
"                          connect-back, silence, the result (default 10)\n"
"      --device-timeout SEC  bound of one device's whole attempt (default\n"
"                          60 + 1 s per 2 KiB of image)\n"
"  -r, --retries N         retries of transient failures (default 2)\n"
"      --password-file F   read the password from the first line of F\n"
"      --ask-password      prompt for the password (terminal only)\n"
"      --fs                IMAGE is a filesystem image (command 100)\n"
"  -P, --host-port P       fixed local TCP port for the connect-back\n"
"  -I, --host-ip ADDR      local address to use (default: any)\n"
"  -p, --port P            device port of targets without one, and of the\n"
"                          devices found with --via http (default 8266;\n"
"                          80 with --via http)\n"
"      --via espota|http   how to upload: espota (default), or a POST to\n"
"                          each device's /update page\n"
"                          (ESP8266HTTPUpdateServer)\n"
"      --http-user USER    user name for the page's Basic auth when a\n"
"                          password is given (default admin)\n"
"      --http-path PATH    path of the update page (default /update)\n"
"      --md5-key           answer SHA-256 challenges with the MD5 password\n"
"                          key right away (sketches using setPasswordHash)\n"
"      --force             send an image that does not start with 0xE9 or\n"
"                          a gzip header, is shorter than a header, or is\n"
"                          a gzip stream that does not inflate\n"
"      --compress none|auto|gzip\n"
"                          send the image gzipped (zlib -9, in memory):\n"
"                          gzip to every device, auto to those that\n"
"                          advertise efa_gz (default none); verified\n"
"                          against the uncompressed image\n"
"      --verify-signature PUB.pem\n"
"                          send nothing unless IMAGE is signed with the\n"
"                          private key of PUB.pem (ESP8266 or ESP32\n"
"                          format; see espfleet sign)\n"
"      --all               every device found over mDNS\n"
"      --match GLOB        the found devices whose name matches GLOB\n"
"                          (shell pattern; repeatable: any of them)\n"
"      --board B           the found devices whose TXT board is B\n"
"                          (with --match: both must hold)\n"
"      --inventory FILE    the devices of the inventory FILE\n"
"      --group G           with --inventory: the devices of group G\n"
"                          (repeatable: any of them)\n"
"      --shard K/N         only the targets of shard K of N, by a hash of\n"
"                          the device name: N jobs share the targets\n"
"      --junit FILE        also write the results as JUnit XML to FILE\n"
"Staged rollout (any of these stages the push; see espfleet-push(1)):\n"
"      --canary N|P%       update N devices (or P% of them) first; the\n"
"                          others wait for every canary's final verdict\n"
"      --canary-match GLOB the canaries are the devices whose name\n"
"                          matches GLOB (with --canary: at most N of them)\n"
"      --waves P%,P%,...   then the rest in waves of these cumulative\n"
"                          shares (100% implied at the end); a wave starts\n"
"                          when every device of the one before has its\n"
"                          verdict\n"
"      --max-failures N|P% halt when more than N devices (or P% of those\n"
"                          started) failed (default 0 when staged)\n"
"      --wave-pause SEC    soak time after each wave; a device that\n"
"                          reboots, disappears or rolls back meanwhile\n"
"                          fails its wave\n"
"      --state FILE        keep the rollout's state in FILE (rewritten\n"
"                          after every verdict); the same push again\n"
"                          resumes it\n"
"      --resume-halted     go on with a rollout that FILE says halted\n"
"      --restart           start over, whatever FILE says\n"
"  -n, --dry-run           list which devices would be updated and why the\n"
"                          others would be skipped; send nothing\n"
"      --no-verify         do not wait for updated devices to come back\n"
"      --verify-timeout SEC  how long to wait for an updated device to come\n"
"                          back on mDNS and confirm its image (default 60)\n"
"      --json              JSON Lines on stdout\n"
"  -v, --verbose           log the protocol exchange on stderr (secrets\n"
"                          redacted); -vv also logs every count\n"
"  -h, --help              show this help\n"
"\n"
"The password comes from ESPFLEET_PASSWORD, --password-file or\n"
"--ask-password; it is never accepted as an argument. If a selected device\n"
"advertises auth_upload=yes and there is no password, nothing is sent.\n"
"After its OK, an updated device is verified on mDNS: \"verified\" when it\n"
"comes back advertising the image's MD5 (an agent that runs new images on\n"
"trial: once it confirmed it, efa_state=ok), \"rolled-back\" when it gave\n"
"the image up, \"verify-failed\" when it comes back with another or still\n"
"on trial, \"not-back\" when it does not come back in time (all failures);\n"
"a device without the agent's efa_md5 is \"rebooted\", and a target mDNS\n"
"does not know is \"unverified\".\n"
"Exit status: 0 every target updated, 1 at least one failed, 2 usage error,\n"
"3 setup failure before any device was contacted (or the --junit file or\n"
"the report not written, or a --state file of another image or policy),\n"
"4 no target (a shard without devices exits 0), 5 rollout halted\n"
"(--max-failures).\n";

enum {
	OPT_PASSWORD_FILE = 256, OPT_ASK_PASSWORD, OPT_FS, OPT_MD5_KEY,
	OPT_FORCE, OPT_JSON, OPT_ALL, OPT_MATCH, OPT_BOARD, OPT_NO_VERIFY,
	OPT_VERIFY_TIMEOUT, OPT_VIA, OPT_HTTP_USER, OPT_HTTP_PATH,
	OPT_COMPRESS, OPT_VERIFY_SIGNATURE, OPT_INVENTORY, OPT_GROUP, OPT_SHARD,
	OPT_DEVICE_TIMEOUT,
	OPT_JUNIT, OPT_CANARY, OPT_CANARY_MATCH, OPT_WAVES, OPT_MAX_FAILURES,
	OPT_WAVE_PAUSE, OPT_STATE, OPT_RESUME_HALTED, OPT_RESTART
};

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "device-timeout", required_argument, NULL, OPT_DEVICE_TIMEOUT },
	{ "retries", required_argument, NULL, 'r' },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "ask-password", no_argument, NULL, OPT_ASK_PASSWORD },
	{ "fs", no_argument, NULL, OPT_FS },
	{ "host-port", required_argument, NULL, 'P' },
	{ "host-ip", required_argument, NULL, 'I' },
	{ "port", required_argument, NULL, 'p' },
	{ "via", required_argument, NULL, OPT_VIA },
	{ "http-user", required_argument, NULL, OPT_HTTP_USER },
	{ "http-path", required_argument, NULL, OPT_HTTP_PATH },
	{ "md5-key", no_argument, NULL, OPT_MD5_KEY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "compress", required_argument, NULL, OPT_COMPRESS },
	{ "verify-signature", required_argument, NULL, OPT_VERIFY_SIGNATURE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ "board", required_argument, NULL, OPT_BOARD },
	{ "inventory", required_argument, NULL, OPT_INVENTORY },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "canary", required_argument, NULL, OPT_CANARY },
	{ "canary-match", required_argument, NULL, OPT_CANARY_MATCH },
	{ "waves", required_argument, NULL, OPT_WAVES },
	{ "max-failures", required_argument, NULL, OPT_MAX_FAILURES },
	{ "wave-pause", required_argument, NULL, OPT_WAVE_PAUSE },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "resume-halted", no_argument, NULL, OPT_RESUME_HALTED },
	{ "restart", no_argument, NULL, OPT_RESTART },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
	{ "verify-timeout", required_argument, NULL, OPT_VERIFY_TIMEOUT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct push_args {
	struct efl_push_opts opts;
	const char *password_file;
	int ask_password, force, json, verbose;
	uint32_t default_port;
	int port_given;
	struct sockaddr_storage host_ip;
	int have_host_ip;
	uint16_t host_port;
	int md5_key_only;
	const struct efl_transport_kind *via;
	const char *http_user, *http_path;
	const char *image;
	char **targets;
	int ntargets;
	/* selection among the devices found over mDNS */
	int all, dry_run, no_verify;
	const char *match[16];
	uint32_t nmatch;
	const char *board;
	enum efl_compress compress;
	const char *signature_key;
	/* the inventory, its groups; the shard; the JUnit file */
	const char *inventory;
	const char *groups[64];
	uint32_t ngroups;
	struct efl_shard shard;   /* n 0: no --shard */
	const char *junit;
	int via_given;
	/* the staged rollout, its state file */
	struct efl_wave_policy waves;
	const char *state;
	int resume_halted, restart;
};

#define SELECTING(a) ((a)->all || (a)->nmatch > 0 || (a)->board != NULL)
#define SHARD(a) ((a)->shard.n != 0 ? &(a)->shard : NULL)

/* Sockets an upload holds open at once (UDP, listener, connection, and
 * one spare), and what may still be opened besides while the push runs
 * (libuv's spare for EMFILE, the output's /dev/null, a lookup). */
#define FDS_PER_UPLOAD 4u
#define FDS_SPARE 4u

/*
 * Room for *jobs uploads at once in the descriptors still free (counted
 * once everything else is open; main raised the soft limit to the hard
 * one, EFL_CMD_MANY_FILES): --jobs is lowered (with a warning) where they
 * are too few, so that uploads wait in the queue instead of failing with
 * "too many open files"; with no room for even one upload the push is a
 * setup failure before any device is contacted. 0, or -1 after the
 * message.
 */
static int
fit_jobs_to_free_fds(uint32_t *jobs, uint32_t ntargets)
{
	uint32_t at_once = *jobs < ntargets ? *jobs : ntargets, want, n, fit;

	want = at_once * FDS_PER_UPLOAD + FDS_SPARE;
	n = efl_fd_free(want);
	if (n >= want)
		return 0;
	if (n < FDS_PER_UPLOAD + FDS_SPARE) {
		efl_error("too few file descriptors free for one upload: %u "
		    "free, %u needed (the limit on open files is %llu: raise "
		    "it with ulimit -n)", n, FDS_PER_UPLOAD + FDS_SPARE,
		    (unsigned long long)efl_fd_limit());
		return -1;
	}
	fit = (n - FDS_SPARE) / FDS_PER_UPLOAD;
	efl_warn("--jobs %u lowered to %u: only %u file descriptors are free "
	    "(the limit on open files is %llu: ulimit -n)", *jobs,
	    (unsigned)fit, n, (unsigned long long)efl_fd_limit());
	*jobs = fit;
	return 0;
}

/* The names of the transports that take the options in mask, as
 * "espota or http". */
static void
transport_names(char *out, size_t cap, unsigned mask)
{
	const struct efl_transport_kind *k;
	size_t i, n = 0, pos = 0;

	out[0] = '\0';
	for (i = 0; (k = efl_transport_at(i)) != NULL; i++)
		if ((k->options & mask) != 0 || mask == ~0u)
			n++;
	for (i = 0; (k = efl_transport_at(i)) != NULL && pos < cap; i++) {
		if ((k->options & mask) == 0 && mask != ~0u)
			continue;
		pos += (size_t)snprintf(out + pos, cap - pos, "%s%s",
		    pos == 0 ? "" : --n == 1 ? " or " : ", ", k->name);
	}
}

/* Options of another transport than the ones used (options: what they
 * take): a usage error. */
static int
transport_options_fit(const struct push_args *a, unsigned options)
{
	const struct {
		unsigned bit;
		const char *name;
		int given;
	} opts[] = {
		{ EFL_TOPT_HOST_PORT, "--host-port", a->host_port != 0 },
		{ EFL_TOPT_MD5_KEY, "--md5-key", a->md5_key_only },
		{ EFL_TOPT_HTTP_USER, "--http-user", a->http_user != NULL },
		{ EFL_TOPT_HTTP_PATH, "--http-path", a->http_path != NULL },
	};
	char names[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++) {
		if (!opts[i].given || (options & opts[i].bit) != 0)
			continue;
		transport_names(names, sizeof(names), opts[i].bit);
		if (a->inventory != NULL)
			efl_error("%s applies to %s devices only, and the "
			    "inventory has none", opts[i].name, names);
		else
			efl_error("%s applies to --via %s only", opts[i].name,
			    names);
		return -1;
	}
	return 0;
}

/* The options that go with --inventory, or against it. 0, or -1 after
 * the message. */
static int
inventory_args_fit(const struct push_args *a)
{
	if (a->ngroups > 0 && a->inventory == NULL) {
		efl_error("--group selects devices of an inventory: give "
		    "--inventory FILE");
		return -1;
	}
	if (a->inventory != NULL && (a->via_given || a->port_given)) {
		efl_error("--inventory gives each device its transport and "
		    "port: no --via or --port with it");
		return -1;
	}
	if (a->waves.pause_ms > 0 && !efl_wave_policy_staged(&a->waves)) {
		efl_error("--wave-pause soaks the waves of a staged push: give "
		    "--canary, --canary-match, --waves or --max-failures");
		return -1;
	}
	if ((a->resume_halted || a->restart) && a->state == NULL) {
		efl_error("--resume-halted and --restart apply to a --state "
		    "file: give --state FILE");
		return -1;
	}
	if (a->junit != NULL && a->dry_run) {
		efl_error("--junit with --dry-run: a dry run pushes nothing "
		    "to report");
		return -1;
	}
	return 0;
}

/* 0 to go on, an exit status, or EFL_CMD_HELP_SHOWN. */
static int
parse_args(int argc, char **argv, struct push_args *a)
{
	uint32_t v;
	int c;

	memset(a, 0, sizeof(*a));
	a->opts.jobs = 32;
	a->opts.retries = 2;
	a->opts.timeout_ms = 10000;
	a->opts.backoff_ms = 1000;
	a->opts.verify_timeout_ms = 60000;
	a->via = efl_transport_find("espota");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:t:r:P:I:p:nvh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'j':
			if (cmd__parse_uint("--jobs", optarg, 1, 10000,
			    &a->opts.jobs) != 0)
				return cmd__usage_error("push");
			break;
		case 't':
			if (cmd__parse_seconds("--timeout", optarg, 100,
			    3600000, &a->opts.timeout_ms) != 0)
				return cmd__usage_error("push");
			break;
		case OPT_DEVICE_TIMEOUT:
			if (cmd__parse_seconds("--device-timeout", optarg, 100,
			    86400000, &a->opts.device_timeout_ms) != 0)
				return cmd__usage_error("push");
			break;
		case 'r':
			if (cmd__parse_uint("--retries", optarg, 0, 100,
			    &a->opts.retries) != 0)
				return cmd__usage_error("push");
			break;
		case OPT_PASSWORD_FILE:
			if (cmd__password_file_arg(argv) != 0)
				return cmd__usage_error("push");
			a->password_file = optarg;
			break;
		case OPT_ASK_PASSWORD:
			a->ask_password = 1;
			break;
		case OPT_FS:
			a->opts.command = 100;
			break;
		case 'P':
			if (cmd__parse_uint("--host-port", optarg, 1, 65535,
			    &v) != 0)
				return cmd__usage_error("push");
			a->host_port = (uint16_t)v;
			break;
		case 'I':
			if (cmd__parse_ip("--host-ip", optarg, &a->host_ip) != 0)
				return cmd__usage_error("push");
			a->have_host_ip = 1;
			break;
		case 'p':
			if (cmd__parse_uint("--port", optarg, 1, 65535,
			    &a->default_port) != 0)
				return cmd__usage_error("push");
			a->port_given = 1;
			break;
		case OPT_VIA:
			if ((a->via = efl_transport_find(optarg)) == NULL) {
				char names[128];

				transport_names(names, sizeof(names), ~0u);
				efl_error("--via: '%s' is not %s", optarg,
				    names);
				return cmd__usage_error("push");
			}
			a->via_given = 1;
			break;
		case OPT_HTTP_USER:
			if (optarg[0] == '\0' || strchr(optarg, ':') != NULL) {
				efl_error("--http-user: '%s' is not a user "
				    "name (empty, or with ':')", optarg);
				return cmd__usage_error("push");
			}
			a->http_user = optarg;
			break;
		case OPT_HTTP_PATH:
			if (cmd__parse_path("--http-path", optarg) != 0)
				return cmd__usage_error("push");
			a->http_path = optarg;
			break;
		case OPT_MD5_KEY:
			a->md5_key_only = 1;
			break;
		case OPT_FORCE:
			a->force = 1;
			break;
		case OPT_COMPRESS:
			if (efl_compress_parse(optarg, &a->compress) != 0) {
				efl_error("--compress: '%s' is not none, auto "
				    "or gzip", optarg);
				return cmd__usage_error("push");
			}
			break;
		case OPT_VERIFY_SIGNATURE:
			a->signature_key = optarg;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case OPT_ALL:
			a->all = 1;
			break;
		case OPT_MATCH:
			if (a->nmatch == ARRAY_SIZE(a->match)) {
				efl_error("--match: at most %zu patterns",
				    ARRAY_SIZE(a->match));
				return cmd__usage_error("push");
			}
			a->match[a->nmatch++] = optarg;
			break;
		case OPT_BOARD:
			a->board = optarg;
			break;
		case OPT_INVENTORY:
			a->inventory = optarg;
			break;
		case OPT_GROUP:
			if (a->ngroups == ARRAY_SIZE(a->groups)) {
				efl_error("--group: at most %zu groups",
				    ARRAY_SIZE(a->groups));
				return cmd__usage_error("push");
			}
			a->groups[a->ngroups++] = optarg;
			break;
		case OPT_SHARD: {
			struct efl_errbuf eb;

			if (efl_shard_parse(optarg, &a->shard, &eb) != 0) {
				efl_error("--shard: %s", eb.msg);
				return cmd__usage_error("push");
			}
			break;
		}
		case OPT_JUNIT:
			a->junit = optarg;
			break;
		case OPT_CANARY:
		case OPT_MAX_FAILURES: {
			struct efl_errbuf eb;
			int canary = c == OPT_CANARY;

			if (efl_amount_parse(optarg, canary ? 0 :
			    EFL_AMOUNT_ZERO, canary ? &a->waves.canary :
			    &a->waves.max_failures, &eb) != 0) {
				efl_error("%s: %s", canary ? "--canary" :
				    "--max-failures", eb.msg);
				return cmd__usage_error("push");
			}
			break;
		}
		case OPT_CANARY_MATCH:
			a->waves.canary_match = optarg;
			break;
		case OPT_WAVES: {
			struct efl_errbuf eb;

			if (efl_waves_parse(optarg, &a->waves, &eb) != 0) {
				efl_error("--waves: %s", eb.msg);
				return cmd__usage_error("push");
			}
			break;
		}
		case OPT_WAVE_PAUSE:
			if (cmd__parse_seconds("--wave-pause", optarg, 0,
			    86400000, &a->waves.pause_ms) != 0)
				return cmd__usage_error("push");
			break;
		case OPT_STATE:
			a->state = optarg;
			break;
		case OPT_RESUME_HALTED:
			a->resume_halted = 1;
			break;
		case OPT_RESTART:
			a->restart = 1;
			break;
		case 'n':
			a->dry_run = 1;
			break;
		case OPT_NO_VERIFY:
			a->no_verify = 1;
			break;
		case OPT_VERIFY_TIMEOUT:
			if (cmd__parse_seconds("--verify-timeout", optarg, 100,
			    3600000, &a->opts.verify_timeout_ms) != 0)
				return cmd__usage_error("push");
			break;
		case 'v':
			a->verbose++;
			break;
		case 'h':
			fputs(push_usage, stdout);
			return EFL_CMD_HELP_SHOWN;
		default:
			return cmd__option_error(c, argv, "push",
			    longopts);
		}
	}
	if (inventory_args_fit(a) != 0 || (a->inventory == NULL &&
	    transport_options_fit(a, a->via->options) != 0))
		return cmd__usage_error("push");
	if (!a->port_given)
		a->default_port = a->via->default_port;
	if (optind >= argc) {
		efl_error("no image given");
		return cmd__usage_error("push");
	}
	a->image = argv[optind++];
	a->targets = argv + optind;
	a->ntargets = argc - optind;
	if (a->inventory != NULL && a->ntargets > 0) {
		efl_error("--inventory names the devices: give no TARGET "
		    "with it");
		return cmd__usage_error("push");
	}
	if (SELECTING(a) && a->ntargets > 0) {
		efl_error("--all, --match and --board select devices found "
		    "over mDNS: give no TARGET with them");
		return cmd__usage_error("push");
	}
	return 0;
}

/*
 * The image's signature (--verify-signature; ESP8266 format, else ESP32),
 * then what devices will run from it and its gzip form (--compress,
 * compress.h). 0, or an exit status after the error.
 */
static int
prepare_image(const struct push_args *a, struct efl_image *img)
{
	struct efl_sig_key *key;
	struct efl_errbuf eb, eb32;
	uint32_t signed_len = 0;

	if (a->signature_key != NULL) {
		key = efl_sig_key_load(a->signature_key, 0, &eb);
		if (key == NULL) {
			efl_error("--verify-signature: %s", eb.msg);
			return EFL_EXIT_SETUP;
		}
		if (efl_sig_verify_image(key, EFA_SIG_ESP8266, img->data,
		    img->size, &signed_len, &eb) != 0 &&
		    efl_sig_verify_image(key, EFA_SIG_ESP32, img->data,
		    img->size, &signed_len, &eb32) != 0) {
			efl_error("image '%s' is not signed with the key of "
			    "'%s': %s; nothing was sent", img->path,
			    a->signature_key, eb.msg);
			efl_sig_key_free(key);
			return EFL_EXIT_SETUP;
		}
		efl_sig_key_free(key);
		if (a->compress != EFL_COMPRESS_NONE && !img->is_gzip) {
			efl_error("--compress: a signed image cannot be "
			    "compressed (the device checks the signature of "
			    "what it receives): gzip the image, then sign "
			    "the .gz");
			return EFL_EXIT_USAGE;
		}
	}
	if (efl_image_prepare(img, a->opts.command, a->compress, signed_len,
	    &eb) != 0) {
		if (!a->force) {
			efl_error("image '%s': %s; use --force to send it "
			    "anyway", img->path, eb.msg);
			return EFL_EXIT_SETUP;
		}
		/* sent as it is, verified against what is sent */
		efl_warn("image '%s': %s; sent anyway (--force)", img->path,
		    eb.msg);
	}
	return 0;
}

/* ---- targets found over mDNS ---- */

static void
browse_skipped(void *arg, const char *subject, const char *reason)
{
	char shown[128];

	(void)arg;
	efl_printable(shown, sizeof(shown), subject, strlen(subject));
	efl_debug("mdns: '%s': %s", shown, reason);
}

/* Start browsing (_arduino._tcp in local). NULL with eb when no
 * avahi-daemon is reachable. */
static struct efl_discover *
browse_start(uv_loop_t *loop, struct efl_errbuf *eb)
{
	struct efl_discover_callbacks cb;

	memset(&cb, 0, sizeof(cb));
	cb.skipped = browse_skipped;
	return efl_discover_start(loop, NULL, &cb, eb);
}

/* Browse until complete (at most EFL_DISCOVER_TIMEOUT_MS) into *disc.
 * 0, or an exit status after the message. */
static int
find_devices(uv_loop_t *loop, struct efl_discover **disc)
{
	struct efl_errbuf eb;

	*disc = browse_start(loop, &eb);
	if (*disc == NULL || efl_discover_wait(loop, *disc,
	    EFL_DISCOVER_TIMEOUT_MS, &eb) < 0) {
		efl_error("%s", eb.msg);
		return EFL_EXIT_SETUP;
	}
	if (efl_loop_canceled(loop)) {
		efl_error("interrupted while finding the devices");
		return EFL_EXIT_FAILED;
	}
	return 0;
}

/* The selection of --match, --board and the image's checks. */
static void
selection_of(struct efl_selection *sel, const struct push_args *a,
    const struct efl_image *img)
{
	memset(sel, 0, sizeof(*sel));
	sel->match = a->match;
	sel->nmatch = a->nmatch;
	sel->board = a->board;
	sel->command = a->opts.command;
	/* what a device runs from the image, and what is sent */
	sel->image_md5 = img != NULL ? img->run_md5_hex : NULL;
	sel->image_size = img == NULL ? 0 : img->gz != NULL &&
	    a->compress == EFL_COMPRESS_GZIP ? img->gz->size : img->size;
	/* the update page is not what mDNS advertises */
	sel->port = a->via->advertised_port ? 0 : (uint16_t)a->default_port;
}

/* The devices found over mDNS that the selection takes, as targets (*n
 * of them, sorted by name), with their skip reasons (fleet/select.c). */
static struct efl_target *
select_targets(struct efl_discover *d, const struct push_args *a,
    const struct efl_image *img, uint32_t *n)
{
	struct efl_selection sel;
	const struct efl_device *const *devs;
	uint32_t ndevs;

	selection_of(&sel, a, img);
	devs = efl_discover_devices(d, &ndevs);
	return efl_select_targets(&sel, devs, ndevs, n);
}

/* --inventory --all: what mDNS says of the inventory's devices (by
 * address and port; by address alone for a transport that does not talk
 * to the advertised port), with the skips of a discovered device. */
static void
inventory_facts(struct efl_discover *d, const struct push_args *a,
    const struct efl_image *img, struct efl_target *t, uint32_t n,
    int any_port)
{
	struct efl_selection sel;
	const struct efl_device *dev;
	uint32_t i;

	selection_of(&sel, a, img);
	for (i = 0; i < n; i++) {
		dev = efl_discover_find_addr(d, t[i].addr_text, t[i].port);
		if (dev == NULL && any_port)
			dev = efl_discover_find_addr(d, t[i].addr_text, 0);
		if (dev != NULL)
			efl_select_take_facts(&sel, &t[i], dev);
	}
}

/* A device that wants a password when none is configured: refuse before
 * anything is sent. */
static int
check_auth(const struct efl_target *t, uint32_t n,
    const struct efl_secret *pw)
{
	const char *name;
	char shown[128];
	uint32_t i;

	for (i = 0; i < n; i++)
		if (t[i].auth_upload == 1 && !(t[i].password != NULL ?
		    t[i].password : pw)->present) {
			name = efl_target_name(&t[i]);
			efl_printable(shown, sizeof(shown), name, strlen(name));
			efl_error("'%s' requires a password (auth_upload=yes) "
			    "and none was given: set ESPFLEET_PASSWORD, or use "
			    "--password-file or --ask-password", shown);
			return EFL_EXIT_SETUP;
		}
	return 0;
}

static void
plan_row(struct efl_push_row *r, const struct efl_target *t)
{
	efl_push_row_init(r, t, 0);
	r->skipped = t->skip_reason != NULL;
	if (r->skipped)
		efl_printable(r->message, sizeof(r->message), t->skip_reason,
		    strlen(t->skip_reason));
}

/* --dry-run: what would happen to each target; staged, in the order of
 * the rollout, with each one's wave. */
static void
dry_run(struct efl_out *out, const struct efl_target *t, uint32_t n,
    const struct efl_wave_policy *waves, const int32_t *fixed)
{
	struct efl_push_row r;
	struct efl_wave_plan plan;
	int staged = efl_push_plan(&plan, waves, fixed, t, n);
	uint32_t k, i, skipped = 0;

	for (k = 0; k < n; k++) {
		i = plan.order[k];
		plan_row(&r, &t[i]);
		if (staged && plan.wave_of[i] >= 0) {
			r.in_wave = 1;
			r.wave = (uint32_t)plan.wave_of[i];
		}
		skipped += r.skipped;
		efl_out_push_plan(out, &r);
	}
	efl_out_push_plan_summary(out, n, n - skipped, skipped);
	efl_wave_plan_free(&plan);
}

/* --inventory: read it, choose its devices (--group, --match, --board,
 * --shard) and read their passwords. 0, or an exit status after the
 * message. */
static int
open_inventory(const struct push_args *a, struct push_inventory **inv)
{
	struct push_inventory_choice c;
	struct efl_selection sel;
	int rc;

	selection_of(&sel, a, NULL);
	memset(&c, 0, sizeof(c));
	c.path = a->inventory;
	c.groups = a->groups;
	c.ngroups = a->ngroups;
	c.sel = &sel;
	c.shard = SHARD(a);
	if ((rc = push_inventory__open(&c, inv)) != 0)
		return rc;
	if (transport_options_fit(a, push_inventory__options(*inv)) != 0) {
		push_inventory__free(*inv);
		*inv = NULL;
		return cmd__usage_error("push");
	}
	return 0;
}

/* --junit: the push's rows as JUnit XML. 0, or -1 after the message. */
static int
write_junit(const struct push_args *a, const struct efl_image *img,
    const struct efl_push_report *report, uint32_t n)
{
	struct efl_push_run_info info;
	struct efl_errbuf eb;

	memset(&info, 0, sizeof(info));
	info.image = img->path;
	info.md5 = img->md5_hex;
	info.command = a->opts.command;
	info.via = a->opts.via;
	info.started_ms = report->started_ms;
	info.seconds = report->summary.seconds;
	if (efl_push_junit_write(a->junit, &info, report->rows, n, &eb) != 0) {
		efl_error("--junit: %s", eb.msg);
		return -1;
	}
	return 0;
}

static int
cmd_push_exec(uv_loop_t *loop, int argc, char **argv)
{
	struct push_args a;
	static struct efl_secret pw;
	struct efl_image img;
	struct efl_errbuf eb;
	struct efl_target *targets = NULL;
	struct efl_push_report report;
	struct efl_out *out = NULL;
	struct efl_discover *disc = NULL;
	struct efl_verifier *verifier = NULL;
	struct efl_transport *transport = NULL;
	struct efl_transport_opts to;
	struct push_inventory *inv = NULL;
	struct push_state *state = NULL;
	const int32_t *fixed = NULL;
	const uint8_t *precheck = NULL;
	char policy[256];
	uint32_t ntargets = 0, i;
	int rc, exit_after_junit = 0;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc;
	efl_log_set_verbose(a.verbose);
	if (a.ntargets == 0 && !SELECTING(&a) && a.inventory == NULL) {
		efl_error("no target: give device addresses or host names, "
		    "--all, --match or --board, or --inventory");
		return EFL_EXIT_NO_TARGET;
	}
	if (a.inventory != NULL && (rc = open_inventory(&a, &inv)) != 0)
		return rc;
	rc = cmd__load_password("push", a.password_file, a.ask_password,
	    &pw);
	if (rc != 0) {
		push_inventory__free(inv);
		return rc;
	}
	if (efl_image_open(&img, a.image, a.force || a.opts.command == 100 ?
	    EFL_IMAGE_CHECK_NONE : EFL_IMAGE_CHECK_MAGIC, &eb) != 0) {
		efl_error("%s", eb.msg);
		push_inventory__free(inv);
		efl_secret_wipe(&pw);
		return EFL_EXIT_SETUP;
	}
	if ((rc = prepare_image(&a, &img)) != 0)
		goto out;
	if (inv != NULL) {
		/* the inventory's devices, of this shard; --all: with what
		 * mDNS says of them */
		if ((rc = push_inventory__targets(inv, loop, &targets,
		    &ntargets)) != 0 || (a.all && ntargets > 0 &&
		    (rc = find_devices(loop, &disc)) != 0))
			goto out;
		if (disc != NULL)
			inventory_facts(disc, &a, &img, targets, ntargets,
			    push_inventory__any_port(inv));
	} else if (SELECTING(&a)) {
		/* the targets are what mDNS finds */
		if ((rc = find_devices(loop, &disc)) != 0)
			goto out;
		targets = select_targets(disc, &a, &img, &ntargets);
		if (ntargets == 0) {
			efl_error("no target: no device found over mDNS "
			    "matches the selection");
			rc = EFL_EXIT_NO_TARGET;
			goto out;
		}
		if (SHARD(&a) != NULL)
			efl_targets_keep_shard(targets, &ntargets, SHARD(&a));
	} else {
		targets = xcalloc((size_t)a.ntargets, sizeof(*targets));
		for (i = 0; i < (uint32_t)a.ntargets; i++) {
			if (efl_target_parse(&targets[i], a.targets[i],
			    (uint16_t)a.default_port, &eb) != 0) {
				efl_error("%s", eb.msg);
				rc = EFL_EXIT_USAGE;
				goto out;
			}
			ntargets++;
		}
		if (SHARD(&a) != NULL)
			efl_targets_keep_shard(targets, &ntargets, SHARD(&a));
		if (efl_targets_resolve(loop, targets, ntargets, &eb) != 0) {
			efl_error("%s", eb.msg);
			rc = efl_loop_canceled(loop) ? EFL_EXIT_FAILED :
			    EFL_EXIT_SETUP;
			goto out;
		}
		if (efl_targets_check_unicast(targets, ntargets, &eb) != 0) {
			efl_error("%s", eb.msg);
			rc = EFL_EXIT_USAGE;
			goto out;
		}
	}
	rc = check_auth(targets, ntargets, &pw);
	if (rc != 0)
		goto out;
	efl_wave_policy_text(&a.waves, policy, sizeof(policy));
	if (a.state != NULL) {
		struct push_state_choice sc;

		memset(&sc, 0, sizeof(sc));
		sc.path = a.state;
		sc.image_md5 = img.run_md5_hex;
		sc.policy = policy;
		sc.restart = a.restart;
		sc.resume_halted = a.resume_halted;
		if ((rc = push_state__open(&sc, &state)) != 0)
			goto out;
		push_state__apply(state, targets, ntargets, &fixed,
		    &precheck);
	}
	out = efl_out_new(efl_out_pick_mode(a.json, a.verbose), "push");
	if (a.dry_run) {
		dry_run(out, targets, ntargets, &a.waves, fixed);
		rc = EFL_EXIT_OK;
		goto out;
	}
	if (!a.no_verify && a.opts.command == 0 && ntargets > 0) {
		if (disc == NULL) {
			/* address targets: map them to mDNS services while
			 * the push runs */
			disc = browse_start(loop, &eb);
			if (disc == NULL)
				efl_warn("%s; targets are pushed without "
				    "verification", eb.msg);
		}
		verifier = efl_discover_verifier_new(loop, disc, inv != NULL ?
		    push_inventory__any_port(inv) : !a.via->advertised_port);
		a.opts.verifier = verifier;
	}
	memset(&to, 0, sizeof(to));
	to.host_ip = a.have_host_ip ? (struct sockaddr *)&a.host_ip : NULL;
	to.host_port = a.host_port;
	to.md5_key_only = a.md5_key_only;
	to.http_user = a.http_user;
	to.http_path = a.http_path;
	if (inv != NULL) {
		/* each device over its own kind of transport */
		a.opts.via = push_inventory__via(inv);
		if ((rc = push_inventory__transports(inv, loop, &to, targets,
		    ntargets)) != 0)
			goto out;
	} else if (ntargets > 0) {
		transport = efl_transport_new(a.via, loop, &to, &eb);
		if (transport == NULL) {
			efl_error("%s", eb.msg);
			rc = EFL_EXIT_SETUP;
			goto out;
		}
	}
	a.opts.transport = transport;
	if (a.opts.via == NULL)
		a.opts.via = a.via->name;
	if (ntargets > 0 && fit_jobs_to_free_fds(&a.opts.jobs, ntargets) != 0) {
		rc = EFL_EXIT_SETUP;
		goto out;
	}
	a.opts.waves = &a.waves;
	a.opts.fixed_waves = fixed;
	a.opts.precheck = precheck;
	if (state != NULL) {
		a.opts.checkpoint = push_state__checkpoint;
		a.opts.checkpoint_arg = state;
	}
	efl_push_run(loop, &a.opts, &img, &pw, targets, ntargets, out,
	    &report);
	if (a.junit != NULL && write_junit(&a, &img, &report, ntargets) != 0)
		exit_after_junit = EFL_EXIT_SETUP;
	if (report.needs_password)
		efl_error("a device requires a password and none was given: set "
		    "ESPFLEET_PASSWORD, or use --password-file or "
		    "--ask-password");
	/* 3 only when the missing password is the whole story: nothing
	 * updated and no device failed for another reason */
	if (report.needs_password && report.summary.updated == 0 &&
	    report.summary.failed ==
	    report.summary.by_code[EFL_R_AUTH_FAILED])
		rc = EFL_EXIT_SETUP;
	else if (report.halted)
		rc = EFL_EXIT_HALTED;
	else if (report.summary.failed > 0)
		rc = EFL_EXIT_FAILED;
	else
		rc = EFL_EXIT_OK;
	if (exit_after_junit != 0)
		rc = exit_after_junit;
	efl_push_report_free(&report);
out:
	push_state__free(state);
	efl_transport_free(transport);
	push_inventory__free(inv);
	rc = cmd__finish_output(out, rc);
	efl_discover_verifier_free(verifier);
	efl_discover_free(disc);
	for (i = 0; i < ntargets; i++)
		efl_target_free(&targets[i]);
	free(targets);
	efl_image_close(&img);
	efl_secret_wipe(&pw);
	return rc;
}

const struct efl_cmd efl_cmd_push = {
	.name = "push",
	.summary = "upload an image to many devices at once (espota or HTTP)",
	.flags = EFL_CMD_LOOP | EFL_CMD_MANY_FILES,
	.exec = cmd_push_exec,
};
