/* SPDX-License-Identifier: MIT */
/*
 * espfleet discover: list the devices that advertise themselves over
 * mDNS/DNS-SD (see espfleet-discover(1)). Browses until the browse is
 * complete and nothing is left to resolve, or until the timeout, then
 * reports every device through the output module, and with
 * --inventory-out writes them as an inventory (espfleet-inventory(5)).
 * Prints nothing itself.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/text.h"
#include "espfleet/common.h"
#include "espfleet/discover.h"
#include "espfleet/file.h"
#include "espfleet/inventory.h"
#include "espfleet/log.h"
#include "espfleet/output.h"

static const char discover_usage[] =
"usage: espfleet discover [options]\n"
"List the devices that advertise an OTA service over mDNS/DNS-SD, as\n"
"avahi-daemon resolves them: name, address, port, board, whether uploads\n"
"need a password, and for devices running the espfleet agent the MD5,\n"
"state (trial, ok, rolled-back) and version of their firmware and their\n"
"free space.\n"
"\n"
"  -t, --timeout SEC       stop browsing after SEC seconds (default 5);\n"
"                          it stops earlier once the browse is complete\n"
"  -s, --service TYPE      browse TYPE instead of _arduino._tcp\n"
"                          (repeatable)\n"
"  -d, --domain DOMAIN     also browse the unicast DNS-SD domain DOMAIN\n"
"                          (wide-area)\n"
"      --inventory-out FILE  also write the devices found (_arduino._tcp)\n"
"                          to FILE as an inventory (espfleet-inventory(5))\n"
"      --json              JSON Lines on stdout\n"
"  -v, --verbose           log what avahi reports on stderr\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 browse done (also when nothing was found), 2 usage error,\n"
"3 no avahi-daemon reachable or the connection to it was lost, or the\n"
"--inventory-out file not written.\n";

enum { OPT_JSON = 256, OPT_INVENTORY_OUT };

static const struct option longopts[] = {
	{ "timeout", required_argument, NULL, 't' },
	{ "service", required_argument, NULL, 's' },
	{ "domain", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "inventory-out", required_argument, NULL, OPT_INVENTORY_OUT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

#define MAX_TYPES 16

struct discover_args {
	uint32_t timeout_ms;
	const char *types[MAX_TYPES];
	uint32_t ntypes;
	const char *domain;
	const char *inventory_out;
	int json, verbose;
};

struct run {
	struct efl_out *out;
};

/* A service type as DNS-SD wants it: "_name._tcp" or "_name._udp". */
static int
valid_type(const char *t)
{
	const char *dot = strchr(t, '.');

	return t[0] == '_' && dot != NULL && dot > t + 1 &&
	    (strcmp(dot, "._tcp") == 0 || strcmp(dot, "._udp") == 0);
}

/* 0 to go on, an exit status, or EFL_CMD_HELP_SHOWN. */
static int
parse_args(int argc, char **argv, struct discover_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = EFL_DISCOVER_TIMEOUT_MS;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:s:d:vh", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 't':
			if (cmd__parse_seconds("--timeout", optarg, 100,
			    3600000, &a->timeout_ms) != 0)
				return cmd__usage_error("discover");
			break;
		case 's':
			if (!valid_type(optarg)) {
				efl_error("--service: '%s' is not a service "
				    "type like _arduino._tcp", optarg);
				return cmd__usage_error("discover");
			}
			if (a->ntypes == MAX_TYPES) {
				efl_error("--service: at most %d types",
				    MAX_TYPES);
				return cmd__usage_error("discover");
			}
			a->types[a->ntypes++] = optarg;
			break;
		case 'd':
			if (optarg[0] == '\0' || strlen(optarg) > 253) {
				efl_error("--domain: '%s' is not a domain",
				    optarg);
				return cmd__usage_error("discover");
			}
			a->domain = optarg;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case OPT_INVENTORY_OUT:
			a->inventory_out = optarg;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'h':
			fputs(discover_usage, stdout);
			return EFL_CMD_HELP_SHOWN;
		default:
			return cmd__option_error(c, argv, "discover",
			    longopts);
		}
	}
	if (optind < argc) {
		efl_error("unexpected argument '%s'", argv[optind]);
		return cmd__usage_error("discover");
	}
	return 0;
}

static void
on_device(void *arg, enum efl_discover_event ev, const struct efl_device *d)
{
	static const char *const names[] = { "new", "back", "changed",
		"removed" };
	char shown[128];

	(void)arg;
	if (efl_log_verbose()) {
		efl_printable(shown, sizeof(shown), d->name, strlen(d->name));
		efl_debug("'%s': %s (%s port %u)", shown, names[ev], d->addr,
		    d->port);
	}
}

static void
on_skipped(void *arg, const char *subject, const char *reason)
{
	struct run *r = arg;

	efl_out_discover_skipped(r->out, subject, reason);
}

/* A device left out of the inventory, and why. */
static void
left_out(const struct efl_device *d, const char *why)
{
	char shown[128];

	efl_printable(shown, sizeof(shown), d->name, strlen(d->name));
	efl_warn("'%s' left out of the inventory: %s", shown, why);
}

static int
write_inv(FILE *fp, const void *inv)
{
	return efl_inventory_write(fp, inv);
}

/*
 * --inventory-out: the espota devices of devs[0..n) (sorted by name) as an
 * inventory, at the address and port they advertise, with their boards.
 * 0, or -1 after the message.
 */
static int
write_inventory(const char *path, const struct efl_device *const *devs,
    uint32_t n)
{
	struct efl_inventory inv;
	struct efl_errbuf eb;
	uint32_t i;
	int rc;

	efl_inventory_init(&inv);
	for (i = 0; i < n; i++) {
		const struct efl_device *d = devs[i];

		if (!d->present)
			continue;
		if (strcmp(d->type, EFL_DISCOVER_DEFAULT_TYPE) != 0) {
			left_out(d, "not an espota service");
			continue;
		}
		if (efl_inventory_add_device(&inv, d->name, d->addr, d->port,
		    EFL_INV_ESPOTA, d->board, &eb) == 0)
			continue;
		/* a board the format cannot hold: the device without it */
		if (d->board != NULL && efl_inventory_add_device(&inv,
		    d->name, d->addr, d->port, EFL_INV_ESPOTA, NULL,
		    &eb) == 0) {
			char shown[128];

			efl_printable(shown, sizeof(shown), d->name,
			    strlen(d->name));
			efl_warn("'%s': its TXT board is not one the "
			    "inventory can hold: written without it", shown);
			continue;
		}
		left_out(d, eb.msg);
	}
	rc = efl_write_file(path, write_inv, &inv, &eb);
	if (rc != 0)
		efl_error("--inventory-out: %s", eb.msg);
	efl_inventory_free(&inv);
	return rc;
}

static int
cmd_discover_exec(uv_loop_t *loop, int argc, char **argv)
{
	struct discover_args a;
	struct efl_discover_opts opts;
	struct efl_discover_callbacks cb;
	struct efl_discover *d;
	struct efl_errbuf eb;
	struct run r;
	const struct efl_device *const *devs;
	uint64_t started = efl_now_ms();
	uint32_t n, i, shown = 0;
	int rc, complete;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc;
	efl_log_set_verbose(a.verbose);
	memset(&r, 0, sizeof(r));
	memset(&opts, 0, sizeof(opts));
	opts.types = a.ntypes > 0 ? a.types : NULL;
	opts.ntypes = a.ntypes;
	opts.domain = a.domain;
	memset(&cb, 0, sizeof(cb));
	cb.device = on_device;
	cb.skipped = on_skipped;
	cb.arg = &r;
	d = efl_discover_start(loop, &opts, &cb, &eb);
	if (d == NULL) {
		efl_error("%s", eb.msg);
		return EFL_EXIT_SETUP;
	}
	r.out = efl_out_new(efl_out_pick_mode(a.json, a.verbose), "discover");
	/* a signal ends the browse like the timeout: what was found is
	 * reported */
	complete = efl_discover_wait(loop, d, a.timeout_ms, &eb);
	if (complete < 0) {
		efl_error("%s", eb.msg);
		rc = EFL_EXIT_SETUP;
	} else {
		if (!complete)
			efl_discover_report_unresolved(d);
		devs = efl_discover_devices(d, &n);
		for (i = 0; i < n; i++)
			if (devs[i]->present) {
				efl_out_device(r.out, devs[i]);
				shown++;
			}
		efl_out_discover_summary(r.out, shown,
		    (double)(efl_now_ms() - started) / 1000.0, complete);
		rc = EFL_EXIT_OK;
		if (a.inventory_out != NULL && write_inventory(
		    a.inventory_out, devs, n) != 0)
			rc = EFL_EXIT_SETUP;
	}
	efl_discover_free(d);
	rc = cmd__finish_output(r.out, rc);
	return rc;
}

const struct efl_cmd efl_cmd_discover = {
	.name = "discover",
	.summary = "list the devices that advertise themselves over mDNS",
	.flags = EFL_CMD_LOOP,
	.exec = cmd_discover_exec,
};
