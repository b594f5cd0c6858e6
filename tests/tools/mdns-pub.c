/* SPDX-License-Identifier: MIT */
/*
 * efl-mdns-pub: publishes awkward mDNS services for the discovery tests
 * (binary TXT items, services that never resolve, services that vanish), on
 * libuv through espfleet's AvahiPoll adapter. Usage below.
 */
/*
 * Each argument is one service:
 *   svc:NAME:PORT[:ITEM...]   a normal service; ITEMs are TXT items with
 *                             \xNN escapes (so NUL and binary bytes work;
 *                             NAME takes them too, except \x00)
 *   ghost:NAME                only the PTR record: it never resolves
 *   nohost:NAME:PORT          PTR, SRV and TXT, but the SRV host has no
 *                             address: it never resolves either
 * Options: -t TYPE (default _arduino._tcp), -w MS withdraw everything MS
 * after it was committed (the services vanish). Prints "published" when
 * every group is committed; runs until SIGINT/SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>
#include <avahi-common/strlst.h>

#include "avahi-uv.h"

#define DNS_CLASS_IN 1
#define DNS_TYPE_PTR 12
#define DNS_TYPE_TXT 16
#define DNS_TYPE_SRV 33

static const char *type = "_arduino._tcp";
static int withdraw_ms = -1;
static char **specs;
static int nspecs;
static AvahiEntryGroup **groups;
static AvahiClient *client;
static uv_loop_t *loop;
static uv_timer_t withdraw_timer;
static uv_signal_t sigint, sigterm;

static void
die(const char *what, int err)
{
	fprintf(stderr, "efl-mdns-pub: %s: %s\n", what, avahi_strerror(err));
	exit(1);
}

/* Decode \xNN escapes in place; returns the length. */
static size_t
unescape(char *s)
{
	size_t i = 0, o = 0;

	while (s[i] != '\0') {
		if (s[i] == '\\' && s[i + 1] == 'x' && s[i + 2] != '\0' &&
		    s[i + 3] != '\0') {
			char hex[3] = { s[i + 2], s[i + 3], '\0' };

			s[o++] = (char)strtoul(hex, NULL, 16);
			i += 4;
		} else {
			s[o++] = s[i++];
		}
	}
	return o;
}

/* Append name in DNS wire format (labels split at dots, the first label
 * taken whole when first_raw). Returns the new length. */
static size_t
wire_name(uint8_t *out, size_t off, const char *first_raw,
    const char *rest)
{
	const char *p = rest, *dot;

	if (first_raw != NULL) {
		size_t n = strlen(first_raw);

		out[off++] = (uint8_t)n;
		memcpy(out + off, first_raw, n);
		off += n;
	}
	while (*p != '\0') {
		size_t n;

		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		out[off++] = (uint8_t)n;
		memcpy(out + off, p, n);
		off += n;
		p += n;
		if (*p == '.')
			p++;
	}
	out[off++] = 0;
	return off;
}

static void
add_raw(AvahiEntryGroup *g, int with_srv, const char *name, uint16_t port)
{
	char owner[AVAHI_DOMAIN_NAME_MAX], ptr_owner[256], host[300];
	uint8_t rdata[600];
	size_t n;
	int r;

	snprintf(ptr_owner, sizeof(ptr_owner), "%s.local", type);
	r = avahi_service_name_join(owner, sizeof(owner), name, type, "local");
	if (r < 0)
		die("service name", r);
	n = wire_name(rdata, 0, name, ptr_owner);
	r = avahi_entry_group_add_record(g, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
	    0, ptr_owner, DNS_CLASS_IN, DNS_TYPE_PTR, 4500, rdata, n);
	if (r < 0)
		die("PTR record", r);
	if (!with_srv)
		return;
	snprintf(host, sizeof(host), "efl-nohost-%d.local", (int)getpid());
	rdata[0] = rdata[1] = rdata[2] = rdata[3] = 0;
	rdata[4] = (uint8_t)(port >> 8);
	rdata[5] = (uint8_t)port;
	n = wire_name(rdata, 6, NULL, host);
	r = avahi_entry_group_add_record(g, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
	    AVAHI_PUBLISH_UNIQUE, owner, DNS_CLASS_IN, DNS_TYPE_SRV, 120,
	    rdata, n);
	if (r < 0)
		die("SRV record", r);
	memcpy(rdata, "\x0b" "board=ghost", 12);
	r = avahi_entry_group_add_record(g, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
	    AVAHI_PUBLISH_UNIQUE, owner, DNS_CLASS_IN, DNS_TYPE_TXT, 4500,
	    rdata, 12);
	if (r < 0)
		die("TXT record", r);
}

static void
add_spec(AvahiEntryGroup *g, char *spec)
{
	char *kind = strtok(spec, ":"), *name = strtok(NULL, ":");
	char *port_s = strtok(NULL, ":"), *item;
	AvahiStringList *txt = NULL;
	int r;

	if (kind == NULL || name == NULL) {
		fprintf(stderr, "efl-mdns-pub: bad spec\n");
		exit(2);
	}
	name[unescape(name)] = '\0';
	if (strcmp(kind, "ghost") == 0) {
		add_raw(g, 0, name, 0);
		return;
	}
	if (port_s == NULL) {
		fprintf(stderr, "efl-mdns-pub: '%s' needs a port\n", name);
		exit(2);
	}
	if (strcmp(kind, "nohost") == 0) {
		add_raw(g, 1, name, (uint16_t)atoi(port_s));
		return;
	}
	while ((item = strtok(NULL, ":")) != NULL) {
		size_t len = unescape(item);

		txt = avahi_string_list_add_arbitrary(txt, (uint8_t *)item,
		    len);
	}
	/* add_arbitrary prepends and avahi serializes from the tail: the
	 * wire order is the command-line order */
	r = avahi_entry_group_add_service_strlst(g, AVAHI_IF_UNSPEC,
	    AVAHI_PROTO_INET, 0, name, type, NULL, NULL,
	    (uint16_t)atoi(port_s), txt);
	avahi_string_list_free(txt);
	if (r < 0)
		die(name, r);
}

static void
group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *ud)
{
	(void)g;
	if (state == AVAHI_ENTRY_GROUP_COLLISION ||
	    state == AVAHI_ENTRY_GROUP_FAILURE)
		fprintf(stderr, "efl-mdns-pub: '%s': group state %d\n",
		    (const char *)ud, (int)state);
}

static void
on_withdraw(uv_timer_t *t)
{
	int i;

	(void)t;
	for (i = 0; i < nspecs; i++)
		avahi_entry_group_reset(groups[i]);
	printf("withdrawn\n");
	fflush(stdout);
}

static void
publish(AvahiClient *c)
{
	int i, r;

	groups = calloc((size_t)nspecs, sizeof(*groups));
	for (i = 0; i < nspecs; i++) {
		char *copy = strdup(specs[i]);

		groups[i] = avahi_entry_group_new(c, group_cb, specs[i]);
		if (groups[i] == NULL)
			die("entry group", avahi_client_errno(c));
		add_spec(groups[i], copy);
		free(copy);
		r = avahi_entry_group_commit(groups[i]);
		if (r < 0)
			die("commit", r);
	}
	printf("published\n");
	fflush(stdout);
	if (withdraw_ms >= 0)
		uv_timer_start(&withdraw_timer, on_withdraw,
		    (uint64_t)withdraw_ms, 0);
}

static void
client_cb(AvahiClient *c, AvahiClientState state, void *ud)
{
	(void)ud;
	if (state == AVAHI_CLIENT_S_RUNNING && groups == NULL)
		publish(c);
	if (state == AVAHI_CLIENT_FAILURE)
		die("client", avahi_client_errno(c));
}

static void
on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	uv_stop(loop);
}

int
main(int argc, char **argv)
{
	struct efl_avahi_uv *a;
	int c, err;

	while ((c = getopt(argc, argv, "t:w:")) != -1) {
		switch (c) {
		case 't':
			type = optarg;
			break;
		case 'w':
			withdraw_ms = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: efl-mdns-pub [-t TYPE] [-w MS] "
			    "SPEC...\n");
			return 2;
		}
	}
	specs = argv + optind;
	nspecs = argc - optind;
	loop = uv_default_loop();
	uv_timer_init(loop, &withdraw_timer);
	uv_signal_init(loop, &sigint);
	uv_signal_init(loop, &sigterm);
	uv_signal_start(&sigint, on_signal, SIGINT);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	a = efl_avahi_uv_new(loop);
	client = avahi_client_new(efl_avahi_uv_poll(a), 0, client_cb, NULL,
	    &err);
	if (client == NULL)
		die("no avahi-daemon reachable", err);
	uv_run(loop, UV_RUN_DEFAULT);
	avahi_client_free(client);
	efl_avahi_uv_free(a);
	uv_close((uv_handle_t *)&withdraw_timer, NULL);
	uv_close((uv_handle_t *)&sigint, NULL);
	uv_close((uv_handle_t *)&sigterm, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	free(groups);
	return 0;
}
