/* SPDX-License-Identifier: MIT */
/*
 * espfleet espota: a drop-in for the upstream espota.py command line, so the
 * Arduino IDE, arduino-cli and PlatformIO can use espfleet as their network
 * uploader. Same options, same exit codes (0 ok, 1 failed). Those tools pass
 * the password as an argument; this mode alone accepts it there, and wipes it
 * from its own argv before anything else so ps no longer shows it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/secret.h"
#include "espfleet/session.h"
#include "espfleet/target.h"

static const char espota_usage[] =
"usage: espfleet espota -i ADDR [-I HOSTIP] [-p PORT] [-P HOSTPORT]\n"
"                       [-a PASSWORD | --auth=PASSWORD] [-s] [-d] [-r]\n"
"                       [-t TIMEOUT] [-m] -f FILE\n"
"Upload FILE to one device, with the command line of espota.py (the\n"
"uploader of the ESP8266/ESP32 Arduino cores), for IDEs and build tools.\n"
"\n"
"  -i, --ip ADDR           device address or host name\n"
"  -I, --host_ip HOSTIP    local address to listen on (default: any)\n"
"  -p, --port PORT         device OTA port (default 8266)\n"
"  -P, --host_port PORT    local TCP port for the connect-back (default:\n"
"                          a free one)\n"
"  -a, --auth PASSWORD     password (wiped from the process arguments at\n"
"                          start; ESPFLEET_PASSWORD works too)\n"
"  -f, --file FILE         image to send (FILE.signed is used if it exists)\n"
"  -s, --spiffs            FILE is a filesystem image\n"
"  -m, --md5-target        answer SHA-256 challenges with the MD5 key\n"
"  -t, --timeout SEC       bound of every wait (default 10)\n"
"  -d, --debug             log the protocol exchange (secrets redacted)\n"
"  -r, --progress          show a progress bar\n"
"  -h, --help              show this help\n"
"Exit status: 0 success, 1 failure (2 for an unknown option or a\n"
"missing option value).\n";

/* espota.py's short options for getopt, less -a (take_password removes
 * it first); a ':' after a letter means it takes a value. */
static const char short_opts[] = ":i:I:p:P:f:smt:drh";

/* 1 if short option c takes a value (-a does, the password). */
static int
takes_value(char c)
{
	const char *p = c == ':' ? NULL : strchr(short_opts, c);

	return c == 'a' || (p != NULL && p[1] == ':');
}

/* 1 if arg (up to any '=') is "--auth" or an abbreviation of it, as
 * espota.py's option parser takes them ("--au", "--aut"; no other long
 * option starts with "--a"). */
static int
is_auth_long(const char *arg)
{
	size_t n = strcspn(arg, "=");

	return n >= 3 && n <= 6 && strncmp(arg, "--auth", n) == 0;
}

/*
 * Take the password out of argv (in place) before anything else runs, in
 * every form espota.py's option parser accepts: "-a PW", "-aPW", "--auth
 * PW", "--auth=PW", abbreviations ("--aut=PW") and -a at the end of a group
 * of flags ("-ra PW", "-rdaPW"). The password bytes are zeroed and the
 * arguments that carried them leave the vector handed to getopt (a group
 * keeps its flags: "-rdaPW" becomes "-rd"). Returns 0, or the exit status
 * after the message: 2 when -a or --auth has no value, 1 when the password
 * is too long (every copy is wiped all the same).
 */
static int
take_password(int *argc, char **argv, struct efl_secret *pw)
{
	struct efl_errbuf eb;
	int i, out = 0, missing = 0, too_long = 0;

	for (i = 0; i < *argc; i++) {
		char *arg = argv[i], *val = NULL;
		int consumed_next = 0, keep = 0;

		if (i == 0 || strcmp(arg, "--") == 0 || arg[0] != '-' ||
		    arg[1] == '\0') {
			argv[out++] = arg;
			continue;
		}
		if (arg[1] == '-') {
			if (!is_auth_long(arg)) {
				argv[out++] = arg;
				continue;
			}
			if (strchr(arg, '=') != NULL)
				val = strchr(arg, '=') + 1;
		} else {
			/* a group of short options: flags, then maybe one
			 * that takes a value (the rest of the word, or the
			 * next word) */
			size_t k = 1;

			while (arg[k] != '\0' && !takes_value(arg[k]))
				k++;
			if (arg[k] != 'a') {
				argv[out++] = arg;
				/* a value in the next word is not ours */
				if (arg[k] != '\0' && arg[k + 1] == '\0' &&
				    i + 1 < *argc)
					argv[out++] = argv[++i];
				continue;
			}
			keep = k > 1;
			if (arg[k + 1] != '\0')
				val = arg + k + 1;
			arg[k] = '\0';    /* "-rdaPW" -> "-rd" */
		}
		if (val == NULL) {
			if (i + 1 < *argc) {
				val = argv[i + 1];
				consumed_next = 1;
			} else {
				missing = 1;
			}
		}
		if (val != NULL) {
			if (*val != '\0' && !too_long &&
			    efl_secret_set(pw, val, "--auth", "the password "
			    "of -a/--auth", &eb) != 0)
				too_long = 1;
			explicit_bzero(val, strlen(val));
		}
		if (keep)
			argv[out++] = arg;
		i += consumed_next;
	}
	argv[out] = NULL;
	*argc = out;
	if (missing) {
		efl_error("option '-a/--auth' needs a value");
		return 2;
	}
	if (too_long) {
		efl_error("%s", eb.msg);
		return 1;
	}
	return 0;
}

static const struct option longopts[] = {
	{ "ip", required_argument, NULL, 'i' },
	{ "host_ip", required_argument, NULL, 'I' },
	{ "port", required_argument, NULL, 'p' },
	{ "host_port", required_argument, NULL, 'P' },
	{ "file", required_argument, NULL, 'f' },
	{ "spiffs", no_argument, NULL, 's' },
	{ "md5-target", no_argument, NULL, 'm' },
	{ "timeout", required_argument, NULL, 't' },
	{ "debug", no_argument, NULL, 'd' },
	{ "progress", no_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct espota_run {
	struct efl_cancel_hook cancel;  /* first: the hook is the run */
	struct efl_transport *transport;
	void *session;
	int progress_bar;
	int dots;
	uint32_t total;
	int done;
	int ok;
	char message[512];
	const char *addr;
};

static void
show_progress(struct espota_run *r, uint32_t acked)
{
	int width = 60, fill;
	int pct = r->total ? (int)((uint64_t)acked * 100 / r->total) : 0;

	if (!r->progress_bar) {
		while (r->dots < pct / 5) {
			fputc('.', stderr);
			r->dots++;
		}
		return;
	}
	fill = pct * width / 100;
	fprintf(stderr, "\rUploading: [%.*s%*s] %d%% %s", fill,
	    "============================================================",
	    width - fill, "", pct, pct >= 100 ? "Done...\r\n" : "");
}

static void
on_phase(void *arg, enum efl_phase phase)
{
	struct espota_run *r = arg;

	switch (phase) {
	case EFL_PHASE_INVITING:
		fprintf(stderr, "Sending invitation to %s \n", r->addr);
		break;
	case EFL_PHASE_AUTHENTICATING:
		fputs("Authenticating...", stderr);
		break;
	case EFL_PHASE_CONNECTING:
		break;
	case EFL_PHASE_UPLOADING:
		if (r->progress_bar)
			show_progress(r, 0);
		else
			fputs("Uploading", stderr);
		break;
	default:
		break;
	}
}

static void
on_progress(void *arg, uint32_t acked, uint32_t total)
{
	struct espota_run *r = arg;

	(void)total;
	show_progress(r, acked);
}

static void
on_done(void *arg, const struct efl_session_result *res)
{
	struct espota_run *r = arg;

	r->done = 1;
	r->ok = res->code == EFL_R_OK;
	snprintf(r->message, sizeof(r->message), "%s", res->message);
	if (r->ok)
		show_progress(r, r->total);
	fputc('\n', stderr);
}

/* SIGINT, SIGTERM, SIGHUP: the upload ends as canceled (exit 1). */
static void
on_cancel(struct efl_cancel_hook *h, int signum)
{
	struct espota_run *r = (struct espota_run *)h;

	(void)signum;
	if (!r->done)
		efl_transport_cancel(r->transport, r->session);
}

static int
cmd_espota_exec(uv_loop_t *loop, int argc, char **argv)
{
	static struct efl_secret pw;
	struct espota_run run;
	struct efl_session_callbacks cb = { on_phase, on_progress, on_done,
		&run };
	struct efl_session_config cfg;
	struct efl_transport_opts to;
	struct sockaddr_storage host_ip;
	struct efl_transport *transport = NULL;
	struct efl_target target;
	struct efl_image img;
	struct efl_errbuf eb;
	const char *ip = NULL, *file = NULL;
	char *signed_path = NULL;
	uint32_t port = 8266, host_port = 0, timeout_ms = 10000;
	int c, have_host_ip = 0, command = 0, md5_key = 0, rc = 1, nargs;
	struct stat st;

	nargs = argc;
	if ((rc = take_password(&argc, argv, &pw)) != 0)
		return rc;
	rc = 1;
	if (argc != nargs || pw.present)
		(void)cmd__hide_argument_area(argc, argv);
	memset(&run, 0, sizeof(run));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'i':
			ip = optarg;
			break;
		case 'I':
			if (cmd__parse_ip("--host_ip", optarg, &host_ip) != 0)
				return 1;
			have_host_ip = 1;
			break;
		case 'p':
			if (cmd__parse_uint("--port", optarg, 1, 65535,
			    &port) != 0)
				return 1;
			break;
		case 'P':
			if (cmd__parse_uint("--host_port", optarg, 1, 65535,
			    &host_port) != 0)
				return 1;
			break;
		case 'f':
			file = optarg;
			break;
		case 's':
			command = 100;
			break;
		case 'm':
			md5_key = 1;
			break;
		case 't':
			if (cmd__parse_seconds("--timeout", optarg, 100,
			    3600000, &timeout_ms) != 0)
				return 1;
			break;
		case 'd':
			efl_log_set_verbose(1);
			break;
		case 'r':
			run.progress_bar = 1;
			break;
		case 'h':
			fputs(espota_usage, stdout);
			return EFL_CMD_HELP_SHOWN;
		case ':':
			efl_error("option '%s' needs a value", argv[optind - 1]);
			return 2;
		default:
			if (optopt > 0 && optopt < 256)
				efl_error("unknown option '-%c'", optopt);
			else    /* never the "=value": a mistyped password? */
				efl_error("unknown option '%.*s'",
				    (int)strcspn(argv[optind - 1], "="),
				    argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc)
		/* espota.py ignores them too */
		efl_warn("ignoring %d extra argument%s", argc - optind,
		    argc - optind == 1 ? "" : "s");
	if (ip == NULL || file == NULL) {
		efl_error("not enough arguments: -i ADDR and -f FILE are "
		    "needed");
		return 1;
	}
	if (!pw.present && efl_secret_from_env(&pw, &eb) < 0) {
		efl_error("%s", eb.msg);
		return 1;
	}
	efl_secret_drop_env();
	/* espota.py prefers FILE.signed (ESP8266 signed updates) */
	signed_path = xasprintf("%s.signed", file);
	if (stat(signed_path, &st) == 0 && S_ISREG(st.st_mode)) {
		efl_debug("using '%s'", signed_path);
		file = signed_path;
	}
	if (efl_image_open(&img, file, EFL_IMAGE_CHECK_NONE, &eb) != 0) {
		efl_error("%s", eb.msg);
		free(signed_path);
		efl_secret_wipe(&pw);
		return 1;
	}
	if (efl_target_parse(&target, ip, (uint16_t)port, &eb) != 0 ||
	    efl_targets_resolve(loop, &target, 1, &eb) != 0 ||
	    efl_targets_check_unicast(&target, 1, &eb) != 0) {
		efl_error("%s", eb.msg);
		goto out;
	}
	/* the espota transport of espfleet push, for one device */
	memset(&to, 0, sizeof(to));
	to.host_ip = have_host_ip ? (struct sockaddr *)&host_ip : NULL;
	to.host_port = (uint16_t)host_port;
	to.listen_family = target.addr.ss_family;
	to.md5_key_only = md5_key;
	transport = efl_transport_new(efl_transport_find("espota"), loop, &to,
	    &eb);
	if (transport == NULL) {
		efl_error("Listen Failed: %s", eb.msg);
		goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.loop = loop;
	cfg.image = &img;
	cfg.command = command;
	cfg.password = &pw;
	cfg.timeout_ms = timeout_ms;
	cfg.device_timeout_ms = efl_device_timeout_ms(img.size);
	cfg.label = ip;
	run.total = img.size;
	run.addr = ip;
	run.transport = transport;
	run.session = efl_transport_start(transport, &cfg,
	    (struct sockaddr *)&target.addr, &cb, &eb);
	if (run.session == NULL) {
		efl_error("%s", eb.msg);
		goto out;
	}
	efl_loop_on_cancel(loop, &run.cancel, on_cancel);
	efl_loop_run_until(loop, &run.done);
	efl_loop_cancel_remove(loop, &run.cancel);
	if (run.ok) {
		efl_debug("Result: OK");
		rc = 0;
	} else {
		efl_error("%s", run.message);
	}
out:
	efl_transport_free(transport);
	efl_target_free(&target);
	efl_image_close(&img);
	efl_secret_wipe(&pw);
	free(signed_path);
	return rc;
}

const struct efl_cmd efl_cmd_espota = {
	.name = "espota",
	.summary = "drop-in for espota.py (Arduino IDE, arduino-cli, "
	    "PlatformIO)",
	.flags = EFL_CMD_LOOP,
	.setup_failure = 1,     /* espota.py's exit statuses: 0, 1, 2 */
	.exec = cmd_espota_exec,
};
