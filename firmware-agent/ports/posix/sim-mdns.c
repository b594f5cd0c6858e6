/* SPDX-License-Identifier: MIT */
/*
 * espfleet-sim --mdns (sim-mdns.h): one entry group per device (its own host
 * name and A record, an _arduino._tcp service with the stock and agent TXT
 * keys), one avahi client per 500 devices; offline withdraws the group,
 * online publishes the current record (a new MD5 after an update, the
 * image's state: trial, ok once confirmed, rolled-back).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/address.h>
#include <avahi-common/alternative.h>
#include <avahi-common/domain.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/strlst.h>

#include "avahi-uv.h"
#include "efa/efa_mdns.h"
#include "efa/efa_port.h"
#include "sim-device.h"
#include "sim-mdns.h"

/* Entry groups per avahi client: avahi-daemon allows 1024 objects per
 * client by default (objects-per-client-max). */
#define GROUPS_PER_CLIENT 500
/* Renames tried after name collisions before giving up on a device. */
#define MAX_RENAMES 20
/* Delay before reconnecting after losing avahi-daemon. */
#define RECONNECT_MS 1000
/* A rebooted device announces itself again no sooner than this after its
 * goodbye. Real devices take seconds to rejoin Wi-Fi; an announcement
 * within avahi's one-second goodbye grace would merely refresh the stale
 * cache entry, and a device that came back unchanged (boot-old) could not
 * be told from one that never left. */
#define REANNOUNCE_MIN_MS 1100

struct sim_mdns;

struct pub_client {
	struct sim_mdns *m;
	AvahiClient *c;
	uint32_t first, count;   /* its devices: index first.. (0-based) */
	int usable;              /* may publish (connected) */
	int lost;                /* failed: reconnect from the timer */
	int reconnected;         /* a new client after a failure */
};

struct pub_dev {
	struct sim_device *dev;  /* NULL until the device first boots */
	struct pub_client *pc;
	AvahiEntryGroup *g;
	char name[AVAHI_LABEL_MAX];
	char host[AVAHI_LABEL_MAX + 8];
	int online;              /* should be advertised */
	int committed;           /* its current record is committed */
	int delayed;             /* online, waiting for REANNOUNCE_MIN_MS */
	uint64_t withdrawn_ms;   /* when it last went offline, 0 never */
	int given_up;
	uint32_t renames;
};

struct sim_mdns {
	struct sim_fleet *fleet;
	struct efl_avahi_uv *poll;
	struct pub_client *clients;
	uint32_t nclients;
	struct pub_dev *devs;
	uint32_t ndevs;
	uv_timer_t reconnect;
	uv_timer_t later;        /* delayed announcements */
	uint32_t ndelayed;
	int stopped;
};

static void publish(struct pub_dev *pd);
static void on_reconnect(uv_timer_t *t);

static void
logf_mdns(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logf_mdns(const char *fmt, ...)
{
	va_list ap;

	fputs("espfleet-sim: mdns: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct sim_mdns *
of(struct sim_fleet *fleet)
{
	return fleet->mdns;
}

/* The record of a device as it is now. */
static AvahiStringList *
device_txt(const struct sim_device *dev)
{
	static const char *const auth_names[] = { "none", "md5", "sha256" };
	const struct sim_options *o = dev->fleet->opt;
	AvahiStringList *l = NULL;
	uint32_t free_space = dev->no_space ? 0 :
	    efa_flashwriter_free_space(&dev->fw, EFA_CMD_FLASH);

	l = avahi_string_list_add_pair(l, EFA_TXT_BOARD, o->board);
	l = avahi_string_list_add_pair(l, EFA_TXT_TCP_CHECK, "no");
	l = avahi_string_list_add_pair(l, EFA_TXT_SSH_UPLOAD, "no");
	l = avahi_string_list_add_pair(l, EFA_TXT_AUTH_UPLOAD,
	    o->auth != EFA_AUTH_NONE ? "yes" : "no");
	l = avahi_string_list_add_pair(l, EFA_TXT_AGENT,
	    EFA_AGENT_TXT_VERSION);
	l = avahi_string_list_add_pair(l, EFA_TXT_MD5, dev->running_md5);
	if (dev->version[0] != '\0')
		l = avahi_string_list_add_pair(l, EFA_TXT_VERSION,
		    dev->version);
	l = avahi_string_list_add_printf(l, EFA_TXT_FREE "=%u", free_space);
	l = avahi_string_list_add_pair(l, EFA_TXT_CHIP,
	    o->chip == EFA_CHIP_ESP32 ? "esp32" : "esp8266");
	l = avahi_string_list_add_printf(l, EFA_TXT_FLASH "=%u",
	    o->flash_size);
	l = avahi_string_list_add_pair(l, EFA_TXT_AUTH, auth_names[o->auth]);
	/* sim-stage.c inflates application and filesystem images; the
	 * ESP32's header check takes no gzip */
	if (o->chip == EFA_CHIP_ESP8266)
		l = avahi_string_list_add_pair(l, EFA_TXT_GZIP,
		    EFA_TXT_GZIP_APP_FS);
	l = avahi_string_list_add_pair(l, EFA_TXT_STATE,
	    efa_image_state_name(efa_agent_image_state(&dev->agent)));
	if (dev->rejected_md5[0] != '\0')
		l = avahi_string_list_add_pair(l, EFA_TXT_REJECTED,
		    dev->rejected_md5);
	return l;
}

static void
rename_device(struct pub_dev *pd)
{
	char *n = avahi_alternative_service_name(pd->name);
	char *h;
	char label[AVAHI_LABEL_MAX];

	snprintf(label, sizeof(label), "%.*s", (int)(strlen(pd->host) - 6),
	    pd->host);   /* without ".local" */
	h = avahi_alternative_host_name(label);
	logf_mdns("name collision for '%s' (%s): now '%s' (%s.local)",
	    pd->name, pd->host, n, h);
	snprintf(pd->name, sizeof(pd->name), "%s", n);
	snprintf(pd->host, sizeof(pd->host), "%s.local", h);
	avahi_free(n);
	avahi_free(h);
	pd->renames++;
}

static void
group_cb(AvahiEntryGroup *g, AvahiEntryGroupState state, void *userdata)
{
	struct pub_dev *pd = userdata;

	(void)g;
	if (pd->pc->m->stopped)
		return;
	switch (state) {
	case AVAHI_ENTRY_GROUP_COLLISION:
		/* someone else on the link has the name: take another */
		pd->committed = 0;
		rename_device(pd);
		if (pd->online)
			publish(pd);
		break;
	case AVAHI_ENTRY_GROUP_FAILURE:
		if (pd->pc->usable)   /* else the client's failure says it */
			logf_mdns("'%s': entry group failed: %s", pd->name,
			    avahi_strerror(avahi_client_errno(pd->pc->c)));
		pd->committed = 0;
		break;
	default:
		break;
	}
}

/* Advertise the device's current record (replacing what was there). */
static void
publish(struct pub_dev *pd)
{
	struct pub_client *pc = pd->pc;
	struct sim_device *dev = pd->dev;
	AvahiStringList *txt;
	AvahiAddress a;
	int r;

	if (!pc->usable || dev == NULL || !pd->online || pd->given_up ||
	    pd->delayed)
		return;
	if (pd->g == NULL) {
		pd->g = avahi_entry_group_new(pc->c, group_cb, pd);
		if (pd->g == NULL) {
			logf_mdns("'%s': cannot create an entry group: %s",
			    pd->name,
			    avahi_strerror(avahi_client_errno(pc->c)));
			return;
		}
	} else if (!avahi_entry_group_is_empty(pd->g)) {
		avahi_entry_group_reset(pd->g);
	}
	pd->committed = 0;
	if (avahi_address_parse(dev->addr_text, AVAHI_PROTO_INET, &a) ==
	    NULL) {
		logf_mdns("'%s': bad address '%s'", pd->name, dev->addr_text);
		pd->given_up = 1;
		return;
	}
	txt = device_txt(dev);
	for (;;) {
		r = avahi_entry_group_add_address(pd->g, AVAHI_IF_UNSPEC,
		    AVAHI_PROTO_INET, AVAHI_PUBLISH_NO_REVERSE, pd->host, &a);
		if (r == 0)
			r = avahi_entry_group_add_service_strlst(pd->g,
			    AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, 0, pd->name,
			    EFA_MDNS_SERVICE, NULL, pd->host,
			    dev->fleet->opt->port, txt);
		if (r != AVAHI_ERR_COLLISION)
			break;
		/* already registered on this daemon (another simulator?) */
		avahi_entry_group_reset(pd->g);
		if (pd->renames >= MAX_RENAMES)
			break;
		rename_device(pd);
	}
	avahi_string_list_free(txt);
	if (r == 0)
		r = avahi_entry_group_commit(pd->g);
	if (r < 0) {
		logf_mdns("'%s': cannot publish: %s", pd->name,
		    avahi_strerror(r));
		avahi_entry_group_reset(pd->g);
		pd->given_up = 1;
		return;
	}
	pd->committed = 1;
}

static void
publish_client(struct pub_client *pc)
{
	uint32_t i;

	for (i = pc->first; i < pc->first + pc->count; i++)
		if (!pc->m->devs[i].committed)
			publish(&pc->m->devs[i]);
}

static void
client_cb(AvahiClient *c, AvahiClientState state, void *userdata)
{
	struct pub_client *pc = userdata;
	struct sim_mdns *m = pc->m;

	if (m->stopped)
		return;
	if (pc->c == NULL)
		pc->c = c;   /* called from inside avahi_client_new */
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
	case AVAHI_CLIENT_S_REGISTERING:
	case AVAHI_CLIENT_S_COLLISION:
		/* our records use our own host names: a collision of the
		 * daemon's host name does not concern them */
		if (!pc->usable) {
			if (pc->reconnected) {
				logf_mdns("avahi-daemon is back: publishing "
				    "again");
				pc->reconnected = 0;
			}
			pc->usable = 1;
			publish_client(pc);
		}
		break;
	case AVAHI_CLIENT_CONNECTING:
		pc->usable = 0;
		break;
	case AVAHI_CLIENT_FAILURE:
		if (pc->lost)
			break;
		logf_mdns("lost avahi-daemon (%s): reconnecting",
		    avahi_strerror(avahi_client_errno(c)));
		pc->usable = 0;
		pc->lost = 1;
		/* not from inside its own callback: later, from a timer */
		uv_timer_start(&m->reconnect, on_reconnect, RECONNECT_MS, 0);
		break;
	}
}

static int
client_connect(struct pub_client *pc, AvahiClientFlags flags, char *err,
    size_t errlen)
{
	int e = 0;

	pc->c = NULL;
	pc->usable = 0;
	pc->lost = 0;
	pc->c = avahi_client_new(efl_avahi_uv_poll(pc->m->poll), flags,
	    client_cb, pc, &e);
	if (pc->c == NULL) {
		snprintf(err, errlen, "no avahi-daemon reachable (%s): start "
		    "one, e.g. 'avahi-daemon -D' as root", avahi_strerror(e));
		return -1;
	}
	return 0;
}

/* Drop a failed client and its groups (the daemon forgot them). */
static void
client_drop(struct pub_client *pc)
{
	uint32_t i;

	for (i = pc->first; i < pc->first + pc->count; i++) {
		struct pub_dev *pd = &pc->m->devs[i];

		if (pd->g != NULL)
			avahi_entry_group_free(pd->g);
		pd->g = NULL;
		pd->committed = 0;
	}
	if (pc->c != NULL)
		avahi_client_free(pc->c);
	pc->c = NULL;
	pc->usable = 0;
}

static void
on_reconnect(uv_timer_t *t)
{
	struct sim_mdns *m = t->data;
	char err[256];
	uint32_t i;

	for (i = 0; i < m->nclients; i++) {
		struct pub_client *pc = &m->clients[i];

		if (!pc->lost)
			continue;
		client_drop(pc);
		pc->reconnected = 1;
		/* NO_FAIL: wait for the daemon to come back */
		if (client_connect(pc, AVAHI_CLIENT_NO_FAIL, err,
		    sizeof(err)) != 0) {
			logf_mdns("%s", err);
			pc->lost = 1;
			uv_timer_start(&m->reconnect, on_reconnect,
			    RECONNECT_MS, 0);
		}
	}
}

static void
on_later(uv_timer_t *t)
{
	struct sim_mdns *m = t->data;
	uint64_t now = uv_now(m->fleet->loop);
	uint32_t i;

	for (i = 0; i < m->ndevs && m->ndelayed > 0; i++) {
		struct pub_dev *pd = &m->devs[i];

		if (!pd->delayed ||
		    now < pd->withdrawn_ms + REANNOUNCE_MIN_MS)
			continue;
		pd->delayed = 0;
		m->ndelayed--;
		publish(pd);
	}
	if (m->ndelayed == 0)
		uv_timer_stop(&m->later);
}

static void
on_online(struct sim_fleet *fleet, struct sim_device *dev)
{
	struct sim_mdns *m = of(fleet);
	struct pub_dev *pd = &m->devs[dev->index - 1];
	uint64_t now = uv_now(fleet->loop);

	if (pd->dev == NULL) {
		pd->dev = dev;
		snprintf(pd->name, sizeof(pd->name), "%s", dev->name);
		snprintf(pd->host, sizeof(pd->host), "%s.local", dev->name);
	}
	pd->online = 1;
	if (pd->withdrawn_ms != 0 &&
	    now < pd->withdrawn_ms + REANNOUNCE_MIN_MS) {
		if (!pd->delayed) {
			pd->delayed = 1;
			if (m->ndelayed++ == 0)
				uv_timer_start(&m->later, on_later, 50, 50);
		}
		return;
	}
	publish(pd);
}

static void
on_offline(struct sim_fleet *fleet, struct sim_device *dev)
{
	struct sim_mdns *m = of(fleet);
	struct pub_dev *pd = &m->devs[dev->index - 1];

	pd->online = 0;
	pd->committed = 0;
	pd->withdrawn_ms = uv_now(fleet->loop);
	if (pd->delayed) {
		pd->delayed = 0;
		m->ndelayed--;
	}
	if (pd->g != NULL && pd->pc->usable)
		avahi_entry_group_reset(pd->g);   /* goodbye */
}

int
sim_mdns_start(struct sim_fleet *fleet, char *err, size_t errlen)
{
	struct sim_mdns *m = calloc(1, sizeof(*m));
	uint32_t n = fleet->opt->devices, i;

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->fleet = fleet;
	m->ndevs = n;
	m->nclients = (n + GROUPS_PER_CLIENT - 1) / GROUPS_PER_CLIENT;
	m->devs = calloc(n, sizeof(*m->devs));
	m->clients = calloc(m->nclients, sizeof(*m->clients));
	m->poll = efl_avahi_uv_new(fleet->loop);
	if (m->devs == NULL || m->clients == NULL || m->poll == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	uv_timer_init(fleet->loop, &m->reconnect);
	m->reconnect.data = m;
	uv_timer_init(fleet->loop, &m->later);
	m->later.data = m;
	fleet->mdns = m;
	for (i = 0; i < n; i++)
		m->devs[i].pc = &m->clients[i / GROUPS_PER_CLIENT];
	for (i = 0; i < m->nclients; i++) {
		struct pub_client *pc = &m->clients[i];

		pc->m = m;
		pc->first = i * GROUPS_PER_CLIENT;
		pc->count = n - pc->first < GROUPS_PER_CLIENT ?
		    n - pc->first : GROUPS_PER_CLIENT;
		if (client_connect(pc, 0, err, errlen) != 0) {
			char msg[300];

			snprintf(msg, sizeof(msg), "--mdns: %s", err);
			snprintf(err, errlen, "%s", msg);
			sim_mdns_stop(fleet);
			return -1;
		}
	}
	fleet->on_online = on_online;
	fleet->on_offline = on_offline;
	return 0;
fail:
	efl_avahi_uv_free(m->poll);
	free(m->devs);
	free(m->clients);
	free(m);
	return -1;
}

int
sim_mdns_all_committed(struct sim_fleet *fleet)
{
	struct sim_mdns *m = of(fleet);
	uint32_t i;

	for (i = 0; i < m->ndevs; i++) {
		const struct pub_dev *pd = &m->devs[i];

		if (pd->online && !pd->committed && !pd->given_up &&
		    !pd->delayed)
			return 0;
	}
	return 1;
}

static void
reconnect_closed(uv_handle_t *h)
{
	free(h->data);
}

void
sim_mdns_stop(struct sim_fleet *fleet)
{
	struct sim_mdns *m = of(fleet);
	uint32_t i;

	if (m == NULL || m->stopped)
		return;
	m->stopped = 1;
	fleet->on_online = NULL;
	fleet->on_offline = NULL;
	for (i = 0; i < m->nclients; i++)
		if (m->clients[i].c != NULL)
			client_drop(&m->clients[i]);
	efl_avahi_uv_free(m->poll);
	free(m->devs);
	free(m->clients);
	fleet->mdns = NULL;
	uv_close((uv_handle_t *)&m->later, NULL);
	uv_close((uv_handle_t *)&m->reconnect, reconnect_closed);
}
