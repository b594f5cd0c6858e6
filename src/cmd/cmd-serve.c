/* SPDX-License-Identifier: MIT */
/*
 * espfleet serve: the HTTP update server for devices that pull their
 * firmware (ESP8266httpUpdate / ESP32 HTTPUpdate; see espfleet-serve(1)).
 * Parses the command line, takes the password, maps the images, starts
 * the server (serve.h) on the command's loop and runs until the command is
 * canceled (SIGINT, SIGTERM, SIGHUP: loop.h), when it reports the totals
 * and exits 0.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cmd-util.h"
#include "efa/efa_image.h"
#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/output.h"
#include "espfleet/secret.h"
#include "espfleet/serve.h"
#include "espfleet/target.h"

static const char serve_usage[] =
"usage: espfleet serve [options] IMAGE\n"
"Serve IMAGE over HTTP to devices that pull their updates\n"
"(ESP8266httpUpdate, ESP32 HTTPUpdate): a device whose x-...-sketch-md5\n"
"differs from IMAGE's gets it (200, x-MD5), one that runs it gets 304 Not\n"
"Modified, one without the free space for it 403. Every request is\n"
"reported. Runs until interrupted (SIGINT, SIGTERM or SIGHUP).\n"
"\n"
"  -l, --listen ADDR:PORT  where to listen (default 0.0.0.0:8080; PORT,\n"
"                          :PORT and [IPv6]:PORT work too)\n"
"      --path PATH         answer only this path (default: any path)\n"
"      --fs FSIMAGE        filesystem image for x-...-mode: spiffs pulls\n"
"      --percent P         offer IMAGE only to the devices whose STA MAC\n"
"                          falls in the first P of 100 buckets (a stable\n"
"                          canary cohort; the others get 304; default 100)\n"
"      --password-file F   require HTTP Basic auth with the password on\n"
"                          the first line of F (any user name)\n"
"      --ask-password      prompt for that password (terminal only)\n"
"  -t, --timeout SEC       drop a connection idle for SEC (default 30)\n"
"      --header-timeout SEC\n"
"                          drop a connection that has not sent a whole\n"
"                          request (line and headers) SEC after it opened\n"
"                          or its last answer ended (default 10)\n"
"      --max-per-client N  connections from one client address at once;\n"
"                          more are closed at once (default 32)\n"
"      --force             serve an IMAGE that does not start with 0xE9 or\n"
"                          a gzip header, or is shorter than a header\n"
"      --json              JSON Lines on stdout\n"
"  -v, --verbose           more diagnostics on stderr\n"
"  -h, --help              show this help\n"
"\n"
"The password may also come from ESPFLEET_PASSWORD; it is never accepted\n"
"as an argument. After 5 wrong passwords in a row from one address, each\n"
"further one locks it out (429) for 1 s, then 2, 4, ... up to 60 s.\n"
"A changed IMAGE is served once it has settled, read whole and checked.\n"
"Exit status: 0 stopped by a signal, 2 usage error, 3 setup failure\n"
"(unreadable image, cannot listen).\n";

enum {
	OPT_PATH = 256, OPT_FS, OPT_PERCENT, OPT_PASSWORD_FILE,
	OPT_ASK_PASSWORD, OPT_FORCE, OPT_JSON, OPT_HEADER_TIMEOUT,
	OPT_MAX_PER_CLIENT
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "fs", required_argument, NULL, OPT_FS },
	{ "percent", required_argument, NULL, OPT_PERCENT },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "ask-password", no_argument, NULL, OPT_ASK_PASSWORD },
	{ "timeout", required_argument, NULL, 't' },
	{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
	{ "max-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct serve_args {
	struct sockaddr_storage listen;
	const char *path, *fs, *image, *password_file;
	uint32_t percent, timeout_ms, header_timeout_ms, max_per_client;
	int ask_password, force, json, verbose;
};

#define LISTEN_FORMS "use ADDR:PORT, [IPv6]:PORT or PORT"

/*
 * "PORT", ":PORT", "ADDR:PORT" or "[IPv6]:PORT" (ADDR numeric, default
 * 0.0.0.0) into a->listen; -1 after a message naming what is wrong.
 */
static int
parse_listen(const char *s, struct serve_args *a)
{
	char host[INET6_ADDRSTRLEN];
	const char *h = s, *port, *end;
	size_t n;
	uint32_t p;

	if (s[0] == '[') {
		h = s + 1;
		if ((end = strchr(h, ']')) == NULL) {
			efl_error("--listen: '%s' has no ']' after the IPv6 "
			    "address (%s)", s, LISTEN_FORMS);
			return -1;
		}
		n = (size_t)(end - h);
		if (n == 0) {
			efl_error("--listen: '%s' has empty brackets (%s)", s,
			    LISTEN_FORMS);
			return -1;
		}
		if (end[1] != ':' && end[1] != '\0') {
			efl_error("--listen: '%s' has '%c' after ']', not ':' "
			    "(%s)", s, end[1], LISTEN_FORMS);
			return -1;
		}
		port = end[1] == ':' ? end + 2 : end + 1;
	} else if ((end = strchr(s, ':')) != NULL) {
		if (strchr(end + 1, ':') != NULL) {
			efl_error("--listen: '%s': an IPv6 address needs "
			    "brackets (use [IPv6]:PORT, e.g. [::1]:8080)", s);
			return -1;
		}
		n = (size_t)(end - s);
		port = end + 1;
	} else if (s[0] >= '0' && s[0] <= '9' && strchr(s, '.') == NULL) {
		n = 0;
		port = s;
	} else {
		efl_error("--listen: '%s' has no port (%s)", s, LISTEN_FORMS);
		return -1;
	}
	if (*port == '\0') {
		efl_error("--listen: '%s' has no port (%s)", s, LISTEN_FORMS);
		return -1;
	}
	if (n >= sizeof(host)) {
		efl_error("--listen: the address in '%.*s...' is too long for "
		    "an IP address", (int)sizeof(host), s);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (cmd__parse_uint("--listen", port, 0, 65535, &p) != 0 ||
	    cmd__parse_ip("--listen", n > 0 ? host : "0.0.0.0", &a->listen) !=
	    0)
		return -1;
	efl_sockaddr_set_port((struct sockaddr *)&a->listen, (uint16_t)p);
	return 0;
}

/* 0 to go on, an exit status, or EFL_CMD_HELP_SHOWN. */
static int
parse_args(int argc, char **argv, struct serve_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->percent = 100;
	a->timeout_ms = 30000;
	a->header_timeout_ms = EFL_SERVE_HEADER_TIMEOUT_S * 1000u;
	a->max_per_client = EFL_SERVE_MAX_PER_CLIENT;
	(void)parse_listen("8080", a);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:t:vh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'l':
			if (parse_listen(optarg, a) != 0)
				return cmd__usage_error("serve");
			break;
		case OPT_PATH:
			if (cmd__parse_path("--path", optarg) != 0)
				return cmd__usage_error("serve");
			a->path = optarg;
			break;
		case OPT_FS:
			a->fs = optarg;
			break;
		case OPT_PERCENT:
			if (cmd__parse_uint("--percent", optarg, 0, 100,
			    &a->percent) != 0)
				return cmd__usage_error("serve");
			break;
		case OPT_PASSWORD_FILE:
			if (cmd__password_file_arg(argv) != 0)
				return cmd__usage_error("serve");
			a->password_file = optarg;
			break;
		case OPT_ASK_PASSWORD:
			a->ask_password = 1;
			break;
		case 't':
			if (cmd__parse_seconds("--timeout", optarg, 1000,
			    3600000, &a->timeout_ms) != 0)
				return cmd__usage_error("serve");
			break;
		case OPT_HEADER_TIMEOUT:
			if (cmd__parse_seconds("--header-timeout", optarg,
			    1000, 3600000, &a->header_timeout_ms) != 0)
				return cmd__usage_error("serve");
			break;
		case OPT_MAX_PER_CLIENT:
			if (cmd__parse_uint("--max-per-client", optarg, 1,
			    10000, &a->max_per_client) != 0)
				return cmd__usage_error("serve");
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
			fputs(serve_usage, stdout);
			return EFL_CMD_HELP_SHOWN;
		default:
			return cmd__option_error(c, argv, "serve",
			    longopts);
		}
	}
	if (optind >= argc) {
		efl_error("no image given");
		return cmd__usage_error("serve");
	}
	a->image = argv[optind++];
	if (optind < argc) {
		efl_error("unexpected argument '%s' (one image is served)",
		    argv[optind]);
		return cmd__usage_error("serve");
	}
	return 0;
}

struct serve_run {
	struct efl_cancel_hook cancel;  /* first: the hook is the run */
	struct efl_server *server;
	struct efl_out *out;
	int stopped;
};

static void
on_cancel(struct efl_cancel_hook *h, int signum)
{
	struct serve_run *r = (struct serve_run *)h;
	struct efl_serve_summary sum;

	(void)signum;
	if (r->server == NULL)
		return;
	efl_server_stop(r->server, &sum);
	r->server = NULL;
	efl_out_serve_end(r->out, &sum);
	r->stopped = 1;
}

static int
cmd_serve_exec(uv_loop_t *loop, int argc, char **argv)
{
	static struct efl_secret pw;
	struct serve_args a;
	struct efl_server_opts so;
	struct efl_image img, fs;
	struct efl_errbuf eb;
	struct serve_run run;
	char version[64], where[80];
	uint16_t port;
	int rc;

	memset(&img, 0, sizeof(img));
	memset(&fs, 0, sizeof(fs));
	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc;
	efl_log_set_verbose(a.verbose);
	rc = cmd__load_password("serve", a.password_file, a.ask_password,
	    &pw);
	if (rc != 0)
		return rc;
	if (efl_image_open(&img, a.image, a.force ? EFL_IMAGE_CHECK_NONE :
	    EFL_IMAGE_CHECK_MAGIC, &eb) != 0 || (a.fs != NULL &&
	    efl_image_open(&fs, a.fs, EFL_IMAGE_CHECK_NONE, &eb) != 0)) {
		efl_error("%s", eb.msg);
		efl_image_close(&img);
		efl_secret_wipe(&pw);
		return EFL_EXIT_SETUP;
	}
	memset(&run, 0, sizeof(run));
	run.out = efl_out_new(a.json ? EFL_OUT_JSON : EFL_OUT_PLAIN, "serve");
	memset(&so, 0, sizeof(so));
	so.listen = (struct sockaddr *)&a.listen;
	so.path = a.path;
	so.image = &img;
	so.fs = a.fs != NULL ? &fs : NULL;
	so.image_check = a.force ? EFL_IMAGE_CHECK_NONE :
	    EFL_IMAGE_CHECK_MAGIC;
	so.percent = a.percent;
	so.password = &pw;
	so.timeout_s = (a.timeout_ms + 999) / 1000;
	so.header_timeout_s = (a.header_timeout_ms + 999) / 1000;
	so.max_per_client = a.max_per_client;
	run.server = efl_server_start(loop, &so, run.out, &eb);
	if (run.server == NULL) {
		efl_error("%s", eb.msg);
		rc = EFL_EXIT_SETUP;
		goto out;
	}
	if (pw.present)
		efl_debug("requests must authenticate (HTTP Basic, password "
		    "from %s)", pw.source);
	/* the port bound, which port 0 leaves to the system */
	port = efl_server_port(run.server);
	if (port != 0)
		efl_sockaddr_set_port((struct sockaddr *)&a.listen, port);
	efl_sockaddr_endpoint_text((struct sockaddr *)&a.listen, where,
	    sizeof(where));
	efa_image_version(img.data, img.size, version, sizeof(version));
	efl_out_serve_begin(run.out, where, &img, version,
	    so.fs, a.percent, pw.present);
	/* canceled already: the server stops at once, with its report */
	efl_loop_on_cancel(loop, &run.cancel, on_cancel);
	efl_loop_run_until(loop, &run.stopped);
	efl_loop_cancel_remove(loop, &run.cancel);
	rc = EFL_EXIT_OK;
out:
	rc = cmd__finish_output(run.out, rc);
	efl_image_close(&img);
	efl_image_close(&fs);
	efl_secret_wipe(&pw);
	return rc;
}

const struct efl_cmd efl_cmd_serve = {
	.name = "serve",
	.summary = "serve an image over HTTP to devices that pull updates",
	.flags = EFL_CMD_LOOP | EFL_CMD_MANY_FILES,
	.exec = cmd_serve_exec,
};
