/* SPDX-License-Identifier: MIT */
/*
 * espfleet-sim command-line parsing and its usage text. The usage text and
 * man/espfleet-sim.1 describe the same options; keep them in step.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim-options.h"

static const char usage_text[] =
"usage: espfleet-sim [options]\n"
"Simulate a fleet of ESP8266/ESP32 devices running the espfleet agent,\n"
"each on its own loopback address, speaking the espota protocol.\n"
"\n"
"  -n, --devices N          number of devices (default 1)\n"
"      --name-prefix S      device k is named S<k as 4 digits> (default sim-)\n"
"      --addr-base A        address of device 1 (default 127.0.1.1)\n"
"  -p, --port P             OTA UDP port of every device (default 8266)\n"
"  -d, --state-dir DIR      per-device state (default: a new temp dir)\n"
"      --password-file F    devices demand this password (first line of F)\n"
"      --auth md5|sha256    challenge scheme (default md5 for esp8266,\n"
"                           sha256 for esp32)\n"
"      --chip esp8266|esp32 chip to simulate (default esp8266)\n"
"      --flash-size BYTES   flash size (default 4M)\n"
"      --fs-size BYTES      filesystem size (default 1M)\n"
"      --factory-size BYTES size of each device's factory image (default 64K)\n"
"      --rate BYTES_PER_S   flash speed: bytes erased and programmed per\n"
"                           second, a 4 KiB sector at a time (default: no\n"
"                           limit)\n"
"      --rtt-ms MS          Wi-Fi round trip to model (default 0)\n"
"      --window BYTES       the device's TCP receive window (default 2920\n"
"                           esp8266, 5744 esp32; 64 to 1M)\n"
"      --reboot-ms MS       time a device is offline while rebooting (300)\n"
"      --update-window SEC  accept updates only for SEC seconds after a\n"
"                           button press (SIGUSR1 presses every device's)\n"
"      --confirm-after SEC  a new image runs on trial; its application\n"
"                           confirms it SEC seconds after the boot\n"
"                           (default 0.2)\n"
"      --trial-deadline SEC the agent gives up an image still on trial\n"
"                           after SEC seconds (default 300)\n"
"      --board B            board id advertised over mDNS (default generic\n"
"                           for esp8266, esp32 for esp32)\n"
"      --mdns               publish every device over mDNS (avahi)\n"
"      --threads N          spread the devices over N event loops (default:\n"
"                           one per 200 devices, at most one per CPU;\n"
"                           always 1 with --mdns)\n"
"      --http-port P        serve ESP8266HTTPUpdateServer's /update page on\n"
"                           each device's address, port P (default 0: off;\n"
"                           user admin when it has a password)\n"
"      --pull URL           pull updates from URL as ESP8266httpUpdate or\n"
"                           ESP32 HTTPUpdate do: at boot, then periodically\n"
"      --pull-every SEC     the period of --pull (default 60)\n"
"      --signing-key PUB    take only images signed with the private key\n"
"                           of PUB (PEM public key; the chip's format:\n"
"                           esp8266 RSA PKCS#1 v1.5, esp32 RSA-PSS or\n"
"                           ECDSA P-256; espfleet sign makes them)\n"
"      --verifier LIB       what checks those signatures: openssl\n"
"                           (default) or mbedtls (the agent's mbedTLS\n"
"                           verifier, as the ESP-IDF port runs it)\n"
"      --fault SPEC         KIND[=ARG][:DEVICES], DEVICES like 3,7-9;\n"
"                           kinds: silent, no-space, drop-at=BYTES,\n"
"                           boot-old, powerloss-at=N, no-connect, gone,\n"
"                           crash-loop, unhealthy, crash-after=MS\n"
"                           (repeatable)\n"
"  -v, --verbose            log protocol events to stderr\n"
"  -h, --help               show this help\n"
"  -V, --version            show the version\n"
"BYTES take a K, M or G suffix (powers of 1024).\n";

void
sim_usage(int to_stderr)
{
	fputs(usage_text, to_stderr ? stderr : stdout);
}

int
sim_parse_bytes(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end != '\0' || v > (0xffffffffULL >> shift))
		return -1;
	*out = (uint32_t)(v << shift);
	return 0;
}

int
sim_parse_seconds(const char *s, uint32_t max_ms, uint32_t *ms)
{
	uint64_t v = 0;
	unsigned frac = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max_ms)
			return -1;
	}
	v *= 1000;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && frac < 3; p++, frac++)
			v += (uint64_t)(*p - '0') * (frac == 0 ? 100 :
			    frac == 1 ? 10 : 1);
		if (frac == 0)
			return -1;
	}
	if (*p != '\0' || v > max_ms)
		return -1;
	*ms = (uint32_t)v;
	return 0;
}

static int
parse_u32_range(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

enum {
	OPT_NAME_PREFIX = 256, OPT_ADDR_BASE, OPT_PASSWORD_FILE, OPT_AUTH,
	OPT_CHIP, OPT_FLASH_SIZE, OPT_FS_SIZE, OPT_FACTORY_SIZE, OPT_RATE,
	OPT_RTT, OPT_WINDOW, OPT_REBOOT_MS, OPT_UPDATE_WINDOW, OPT_BOARD,
	OPT_MDNS, OPT_FAULT, OPT_THREADS, OPT_HTTP_PORT, OPT_PULL,
	OPT_PULL_EVERY, OPT_CONFIRM_AFTER, OPT_TRIAL_DEADLINE, OPT_SIGNING_KEY,
	OPT_VERIFIER
};

static const struct option longopts[] = {
	{ "devices", required_argument, NULL, 'n' },
	{ "name-prefix", required_argument, NULL, OPT_NAME_PREFIX },
	{ "addr-base", required_argument, NULL, OPT_ADDR_BASE },
	{ "port", required_argument, NULL, 'p' },
	{ "state-dir", required_argument, NULL, 'd' },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "chip", required_argument, NULL, OPT_CHIP },
	{ "flash-size", required_argument, NULL, OPT_FLASH_SIZE },
	{ "fs-size", required_argument, NULL, OPT_FS_SIZE },
	{ "factory-size", required_argument, NULL, OPT_FACTORY_SIZE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "rtt-ms", required_argument, NULL, OPT_RTT },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "reboot-ms", required_argument, NULL, OPT_REBOOT_MS },
	{ "update-window", required_argument, NULL, OPT_UPDATE_WINDOW },
	{ "confirm-after", required_argument, NULL, OPT_CONFIRM_AFTER },
	{ "trial-deadline", required_argument, NULL, OPT_TRIAL_DEADLINE },
	{ "board", required_argument, NULL, OPT_BOARD },
	{ "mdns", no_argument, NULL, OPT_MDNS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "http-port", required_argument, NULL, OPT_HTTP_PORT },
	{ "pull", required_argument, NULL, OPT_PULL },
	{ "pull-every", required_argument, NULL, OPT_PULL_EVERY },
	{ "signing-key", required_argument, NULL, OPT_SIGNING_KEY },
	{ "verifier", required_argument, NULL, OPT_VERIFIER },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* The option getopt just refused: "-x" for a short one (inside a cluster
 * like "-xv" optind has not moved past it yet), else the element itself. */
static const char *
option_text(const char *elem, char *buf, size_t cap)
{
	if (optopt > 0 && optopt < 128 && strncmp(elem, "--", 2) != 0) {
		snprintf(buf, cap, "-%c", optopt);
		return buf;
	}
	return elem;
}

#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); \
	return SIM_PARSE_USAGE; } while (0)

enum sim_parse_result
sim_options_parse(int argc, char **argv, struct sim_options *o, char *err,
    size_t errlen)
{
	int c, auth_given = 0, window_given = 0, every_given = 0;
	int verifier_given = 0;
	const char *fault_spec[SIM_MAX_FAULTS];
	struct in_addr in;
	uint32_t v, i, r;
	char ferr[160], shortopt[3];

	memset(o, 0, sizeof(*o));
	o->devices = 1;
	o->name_prefix = "sim-";
	o->addr_base = 0x7f000101u; /* 127.0.1.1 */
	o->port = 8266;
	o->chip = EFA_CHIP_ESP8266;
	o->flash_size = 4u << 20;
	o->fs_size = 1u << 20;
	o->factory_size = 64u << 10;
	o->reboot_ms = 300;
	o->pull_every_ms = 60000;
	o->confirm_after_ms = 200;
	o->trial_deadline_ms = 300000;
	/* 0, not 1: a full reset (glibc, musl, BSD); 1 keeps getopt's
	 * position inside the previous call's argv (e.g. after "-hv") */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:p:d:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u32_range(optarg, 1, SIM_MAX_DEVICES,
			    &o->devices) != 0)
				BAD("--devices: '%s' is not a number from 1 to "
				    "%d", optarg, SIM_MAX_DEVICES);
			break;
		case OPT_NAME_PREFIX:
			if (strlen(optarg) == 0 || strlen(optarg) > 40 ||
			    strpbrk(optarg, "/.\\ ") != NULL)
				BAD("--name-prefix: '%s' must be 1-40 characters "
				    "without '/', '.', '\\' or spaces", optarg);
			o->name_prefix = optarg;
			break;
		case OPT_ADDR_BASE:
			if (inet_pton(AF_INET, optarg, &in) != 1)
				BAD("--addr-base: '%s' is not an IPv4 address",
				    optarg);
			o->addr_base = ntohl(in.s_addr);
			break;
		case 'p':
			if (parse_u32_range(optarg, 1, 65535, &v) != 0)
				BAD("--port: '%s' is not a port number (1-65535)",
				    optarg);
			o->port = (uint16_t)v;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case OPT_PASSWORD_FILE:
			o->password_file = optarg;
			break;
		case OPT_AUTH:
			if (strcmp(optarg, "md5") == 0)
				o->auth = EFA_AUTH_MD5;
			else if (strcmp(optarg, "sha256") == 0)
				o->auth = EFA_AUTH_SHA256;
			else
				BAD("--auth: '%s' is not md5 or sha256", optarg);
			auth_given = 1;
			break;
		case OPT_CHIP:
			if (strcmp(optarg, "esp8266") == 0)
				o->chip = EFA_CHIP_ESP8266;
			else if (strcmp(optarg, "esp32") == 0)
				o->chip = EFA_CHIP_ESP32;
			else
				BAD("--chip: '%s' is not esp8266 or esp32",
				    optarg);
			break;
		case OPT_FLASH_SIZE:
			if (sim_parse_bytes(optarg, &o->flash_size) != 0)
				BAD("--flash-size: '%s' is not a size", optarg);
			break;
		case OPT_FS_SIZE:
			if (sim_parse_bytes(optarg, &o->fs_size) != 0)
				BAD("--fs-size: '%s' is not a size", optarg);
			break;
		case OPT_FACTORY_SIZE:
			if (sim_parse_bytes(optarg, &o->factory_size) != 0 ||
			    o->factory_size < 16)
				BAD("--factory-size: '%s' is not a size of at "
				    "least 16 bytes", optarg);
			break;
		case OPT_RATE:
			if (sim_parse_bytes(optarg, &o->rate) != 0)
				BAD("--rate: '%s' is not a byte rate", optarg);
			break;
		case OPT_RTT:
			if (parse_u32_range(optarg, 0, 10000, &o->rtt_ms) != 0)
				BAD("--rtt-ms: '%s' is not 0-10000", optarg);
			break;
		case OPT_WINDOW:
			if (sim_parse_bytes(optarg, &o->window) != 0 ||
			    o->window < 64 || o->window > 1u << 20)
				BAD("--window: '%s' is not a size from 64 to 1M",
				    optarg);
			window_given = 1;
			break;
		case OPT_REBOOT_MS:
			if (parse_u32_range(optarg, 0, 600000,
			    &o->reboot_ms) != 0)
				BAD("--reboot-ms: '%s' is not 0-600000", optarg);
			break;
		case OPT_UPDATE_WINDOW:
			if (parse_u32_range(optarg, 1, 86400,
			    &o->update_window_s) != 0)
				BAD("--update-window: '%s' is not 1-86400 "
				    "seconds", optarg);
			break;
		case OPT_CONFIRM_AFTER:
			if (sim_parse_seconds(optarg, 86400000u,
			    &o->confirm_after_ms) != 0)
				BAD("--confirm-after: '%s' is not 0-86400 "
				    "seconds", optarg);
			break;
		case OPT_TRIAL_DEADLINE:
			if (sim_parse_seconds(optarg, 86400000u,
			    &o->trial_deadline_ms) != 0 ||
			    o->trial_deadline_ms == 0)
				BAD("--trial-deadline: '%s' is not 0.001-86400 "
				    "seconds", optarg);
			break;
		case OPT_BOARD:
			if (strlen(optarg) == 0 || strlen(optarg) > 64)
				BAD("--board: must be 1-64 characters");
			o->board = optarg;
			break;
		case OPT_MDNS:
			o->mdns = 1;
			break;
		case OPT_THREADS:
			if (parse_u32_range(optarg, 1, 64, &o->threads) != 0)
				BAD("--threads: '%s' is not 1-64", optarg);
			break;
		case OPT_HTTP_PORT:
			if (parse_u32_range(optarg, 0, 65535, &v) != 0)
				BAD("--http-port: '%s' is not a port number "
				    "(0-65535)", optarg);
			o->http_port = (uint16_t)v;
			break;
		case OPT_PULL:
			if (strncmp(optarg, "http://", 7) != 0 ||
			    optarg[7] == '\0')
				BAD("--pull: '%s' is not an http:// URL",
				    optarg);
			o->pull_url = optarg;
			break;
		case OPT_PULL_EVERY:
			if (parse_u32_range(optarg, 1, 86400, &v) != 0)
				BAD("--pull-every: '%s' is not 1-86400 seconds",
				    optarg);
			o->pull_every_ms = v * 1000u;
			every_given = 1;
			break;
		case OPT_SIGNING_KEY:
			if (optarg[0] == '\0')
				BAD("--signing-key: empty file name");
			o->signing_key = optarg;
			break;
		case OPT_VERIFIER:
			if (strcmp(optarg, "openssl") == 0)
				o->verifier = SIM_VERIFY_OPENSSL;
			else if (strcmp(optarg, "mbedtls") == 0)
				o->verifier = SIM_VERIFY_MBEDTLS;
			else
				BAD("--verifier: '%s' is not openssl or "
				    "mbedtls", optarg);
			verifier_given = 1;
			break;
		case OPT_FAULT:
			if (o->nfaults == SIM_MAX_FAULTS)
				BAD("--fault: at most %d faults", SIM_MAX_FAULTS);
			if (sim_fault_parse(optarg, &o->faults[o->nfaults],
			    ferr, sizeof(ferr)) != 0)
				BAD("--fault: %s", ferr);
			fault_spec[o->nfaults++] = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			sim_usage(0);
			return SIM_PARSE_EXIT_OK;
		case 'V':
			printf("espfleet-sim %s\n", ESPFLEET_VERSION);
			return SIM_PARSE_EXIT_OK;
		case ':':
			BAD("option '%s' needs a value",
			    option_text(argv[optind - 1], shortopt,
			    sizeof(shortopt)));
		default:
			BAD("unknown option '%s'", option_text(argv[optind - 1],
			    shortopt, sizeof(shortopt)));
		}
	}
	if (optind < argc)
		BAD("unexpected argument '%s'", argv[optind]);
	/* --devices may come after --fault */
	for (i = 0; i < o->nfaults; i++)
		for (r = 0; r < o->faults[i].nranges; r++)
			if (o->faults[i].ranges[r].hi > o->devices)
				BAD("--fault %s: there is no device %u "
				    "(--devices %u)", fault_spec[i],
				    o->faults[i].ranges[r].hi, o->devices);
	if (verifier_given && o->signing_key == NULL)
		BAD("--verifier needs --signing-key (the key it checks with)");
	if (every_given && o->pull_url == NULL)
		BAD("--pull-every needs --pull (the URL to pull from)");
	if (auth_given && o->password_file == NULL)
		BAD("--auth needs --password-file (the devices' password)");
	if (o->password_file != NULL && !auth_given)
		o->auth = o->chip == EFA_CHIP_ESP32 ? EFA_AUTH_SHA256 :
		    EFA_AUTH_MD5;
	if (o->threads > 1 && o->mdns)
		BAD("--threads: the mDNS publisher runs on one loop; use "
		    "--threads 1 (or none) with --mdns");
	if (o->threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		uint32_t t = o->devices / 200 > 0 ? o->devices / 200 : 1;

		if (cpus > 0 && t > (uint32_t)cpus)
			t = (uint32_t)cpus;
		o->threads = o->mdns ? 1 : t;
	}
	if (!window_given)
		o->window = o->chip == EFA_CHIP_ESP32 ? 5744 : 2920;
	if (o->board == NULL)
		o->board = o->chip == EFA_CHIP_ESP32 ? "esp32" : "generic";
	if (o->flash_size < 64u << 10 || (o->flash_size & 4095u) != 0)
		BAD("--flash-size: must be a multiple of 4096, at least 64K");
	if ((o->fs_size & 4095u) != 0)
		BAD("--fs-size: must be a multiple of 4096");
	if ((uint64_t)o->fs_size + 2 * 4096 + o->factory_size +
	    4096 > o->flash_size)
		BAD("--fs-size/--factory-size: the factory image and the "
		    "filesystem do not fit a %u-byte flash", o->flash_size);
	if ((uint64_t)o->addr_base + o->devices - 1 > 0xfffffffeu)
		BAD("--addr-base: %u devices from there run past "
		    "255.255.255.254", o->devices);
	return SIM_PARSE_OK;
}
