/*
 * espfleet push: upload one image to many devices at once over espota and
 * report each outcome (see espfleet-push(1)). Parses the command line, takes
 * the password, checks the image, resolves the targets, then hands over to
 * the push engine and maps its report to the exit status.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/output.h"
#include "espfleet/push.h"
#include "espfleet/secret.h"
#include "espfleet/target.h"

static const char push_usage[] =
"usage: espfleet push [options] IMAGE TARGET...\n"
"Upload IMAGE to every TARGET in parallel over the espota protocol\n"
"(ArduinoOTA) and report what happened to each.\n"
"TARGET is ADDR[:PORT], [IPv6]:PORT or a host name (default port 8266).\n"
"\n"
"  -j, --jobs N            uploads at once (default 32; the rest wait)\n"
"  -t, --timeout SEC       bound of every wait: the answer, the\n"
"                          connect-back, silence, the result (default 10)\n"
"  -r, --retries N         retries of transient failures (default 2)\n"
"      --password-file F   read the password from the first line of F\n"
"      --ask-password      prompt for the password (terminal only)\n"
"      --fs                IMAGE is a filesystem image (command 100)\n"
"  -P, --host-port P       fixed local TCP port for the connect-back\n"
"  -I, --host-ip ADDR      local address to use (default: any)\n"
"  -p, --port P            device port of targets without one (default 8266)\n"
"      --md5-key           answer SHA-256 challenges with the MD5 password\n"
"                          key right away (sketches using setPasswordHash)\n"
"      --force             send an image that does not start with 0xE9 or\n"
"                          a gzip header\n"
"      --json              JSON Lines on stdout\n"
"  -v, --verbose           log the protocol exchange on stderr (secrets\n"
"                          redacted); -vv also logs every count\n"
"  -h, --help              show this help\n"
"\n"
"The password comes from ESPFLEET_PASSWORD, --password-file or\n"
"--ask-password; it is never accepted as an argument.\n"
"Exit status: 0 every target updated, 1 at least one failed, 2 usage error,\n"
"3 setup failure before any device was contacted, 4 no target.\n";

enum {
	OPT_PASSWORD_FILE = 256, OPT_ASK_PASSWORD, OPT_FS, OPT_MD5_KEY,
	OPT_FORCE, OPT_JSON
};

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "retries", required_argument, NULL, 'r' },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "ask-password", no_argument, NULL, OPT_ASK_PASSWORD },
	{ "fs", no_argument, NULL, OPT_FS },
	{ "host-port", required_argument, NULL, 'P' },
	{ "host-ip", required_argument, NULL, 'I' },
	{ "port", required_argument, NULL, 'p' },
	{ "md5-key", no_argument, NULL, OPT_MD5_KEY },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct push_args {
	struct efl_push_opts opts;
	const char *password_file;
	int ask_password, force, json, verbose;
	uint32_t default_port;
	struct sockaddr_storage host_ip;
	int have_host_ip;
	const char *image;
	char **targets;
	int ntargets;
};

/* 0 to go on, or an exit status. */
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
	a->default_port = 8266;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:t:r:P:I:p:vh", longopts,
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
		case 'r':
			if (cmd__parse_uint("--retries", optarg, 0, 100,
			    &a->opts.retries) != 0)
				return cmd__usage_error("push");
			break;
		case OPT_PASSWORD_FILE:
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
			a->opts.host_port = (uint16_t)v;
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
			break;
		case OPT_MD5_KEY:
			a->opts.md5_key_only = 1;
			break;
		case OPT_FORCE:
			a->force = 1;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'h':
			fputs(push_usage, stdout);
			return -EFL_EXIT_OK - 1; /* help shown */
		case ':':
			efl_error("option '%s' needs a value", argv[optind - 1]);
			return cmd__usage_error("push");
		default:
			if (optopt == 0 || optopt >= 256)
				efl_error("unknown option '%s'",
				    argv[optind - 1]);
			else
				efl_error("unknown option '-%c'", optopt);
			if (strncmp(argv[optind - 1], "--auth", 6) == 0 ||
			    strncmp(argv[optind - 1], "--password", 10) == 0 ||
			    strcmp(argv[optind - 1], "-a") == 0)
				efl_error("passwords are not taken as arguments: "
				    "use ESPFLEET_PASSWORD, --password-file or "
				    "--ask-password");
			return cmd__usage_error("push");
		}
	}
	if (a->password_file != NULL && a->ask_password) {
		efl_error("--password-file and --ask-password exclude each "
		    "other");
		return cmd__usage_error("push");
	}
	if (optind >= argc) {
		efl_error("no image given");
		return cmd__usage_error("push");
	}
	a->image = argv[optind++];
	a->targets = argv + optind;
	a->ntargets = argc - optind;
	return 0;
}

static int
load_password(const struct push_args *a, struct efl_secret *pw)
{
	struct efl_errbuf eb;

	if (a->password_file != NULL) {
		if (efl_secret_from_file(pw, a->password_file, &eb) != 0) {
			efl_error("%s", eb.msg);
			return EFL_EXIT_SETUP;
		}
		return 0;
	}
	if (a->ask_password) {
		if (efl_secret_prompt(pw, "OTA password: ", &eb) != 0) {
			efl_error("%s", eb.msg);
			return EFL_EXIT_USAGE;
		}
		return 0;
	}
	efl_secret_from_env(pw);
	return 0;
}

static int
cmd_push_exec(int argc, char **argv)
{
	struct push_args a;
	static struct efl_secret pw;
	struct efl_image img;
	struct efl_errbuf eb;
	struct efl_target *targets = NULL;
	struct efl_push_report report;
	struct efl_out *out = NULL;
	uv_loop_t *loop = NULL;
	int rc, i, ntargets = 0;

	efl_log_set_prefix("espfleet push");
	rc = parse_args(argc, argv, &a);
	if (rc < 0)
		return EFL_EXIT_OK;
	if (rc != 0)
		return rc;
	efl_log_set_verbose(a.verbose);
	if (a.ntargets == 0) {
		efl_error("no target: give device addresses or host names");
		return EFL_EXIT_NO_TARGET;
	}
	rc = load_password(&a, &pw);
	if (rc != 0)
		return rc;
	if (efl_image_open(&img, a.image, a.force || a.opts.command == 100 ?
	    EFL_IMAGE_CHECK_NONE : EFL_IMAGE_CHECK_MAGIC, &eb) != 0) {
		efl_error("%s", eb.msg);
		efl_secret_wipe(&pw);
		return EFL_EXIT_SETUP;
	}
	targets = xcalloc((size_t)a.ntargets, sizeof(*targets));
	for (i = 0; i < a.ntargets; i++) {
		if (efl_target_parse(&targets[i], a.targets[i],
		    (uint16_t)a.default_port, &eb) != 0) {
			efl_error("%s", eb.msg);
			rc = EFL_EXIT_USAGE;
			goto out;
		}
		ntargets++;
	}
	loop = xmalloc(sizeof(*loop));
	uv_loop_init(loop);
	if (efl_targets_resolve(loop, targets, (uint32_t)ntargets, &eb) != 0) {
		efl_error("%s", eb.msg);
		rc = EFL_EXIT_SETUP;
		goto out;
	}
	if (a.have_host_ip)
		a.opts.host_ip = (struct sockaddr *)&a.host_ip;
	out = efl_out_new(efl_out_pick_mode(a.json, a.verbose), "push");
	if (efl_push_run(loop, &a.opts, &img, &pw, targets,
	    (uint32_t)ntargets, out, &report, &eb) != 0) {
		efl_error("%s", eb.msg);
		rc = EFL_EXIT_SETUP;
		goto out;
	}
	if (report.needs_password)
		efl_error("a device requires a password and none was given: set "
		    "ESPFLEET_PASSWORD, or use --password-file or "
		    "--ask-password");
	if (report.needs_password && report.summary.updated == 0)
		rc = EFL_EXIT_SETUP;
	else if (report.summary.failed > 0)
		rc = EFL_EXIT_FAILED;
	else
		rc = EFL_EXIT_OK;
out:
	efl_out_free(out);
	for (i = 0; i < ntargets; i++)
		efl_target_free(&targets[i]);
	free(targets);
	efl_image_close(&img);
	efl_secret_wipe(&pw);
	if (loop != NULL) {
		uv_run(loop, UV_RUN_DEFAULT);
		uv_loop_close(loop);
		free(loop);
	}
	return rc;
}

const struct efl_cmd efl_cmd_push = {
	.name = "push",
	.summary = "upload an image to many devices at once (espota)",
	.exec = cmd_push_exec,
};
