/* SPDX-License-Identifier: MIT */
/*
 * Discovery sessions (discover.h) on avahi-client: browsers per type and
 * domain, bounded resolvers in flight, one device per name+type+domain;
 * watched devices keep resolvers to see TXT changes. The only file calling
 * avahi's lookup API; it reaches libuv only through the AvahiPoll adapter.
 */
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/address.h>
#include <avahi-common/error.h>
#include <avahi-common/strlst.h>

#include "avahi-uv.h"
#include "espfleet/common.h"
#include "espfleet/discover.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/text.h"
#include "txt.h"

/* Resolvers waiting for their first answer at once, and answered ones
 * kept open (freeing one costs a D-Bus round trip; open ones also report
 * changes). Each is an object in avahi-daemon, which allows 1024 per client
 * by default. */
#define MAX_RESOLVING 128
#define MAX_KEPT 700

struct efl_discover;
struct service;

struct browser {
	struct efl_discover *d;
	AvahiServiceBrowser *b;
	char *type;
	char *domain;            /* NULL: the default (local) */
	int done;                /* all for now, or failed */
};

enum inst_state {
	INST_QUEUED = 0,         /* waiting for a resolver slot */
	INST_RESOLVING,          /* first answer pending */
	INST_RESOLVED,
	INST_FAILED
};

struct instance {
	struct service *svc;
	AvahiIfIndex iface;
	AvahiProtocol proto;
	enum inst_state state;
	AvahiServiceResolver *r; /* NULL when not resolving */
	int pending;             /* counted in d->pending */
	int kept;                /* r counted in d->kept */
	uint64_t resolved_seq;   /* when it last answered */
	char *host;
	char addr[64];
	int family;
	uint16_t port;
	char ifname[32];
	struct efl_txt_item *txt;
	uint32_t ntxt;
	struct instance *next;   /* in the service */
	struct instance *qnext;  /* in the resolve queue */
};

struct service {
	struct efl_device dev;   /* first: efl_device * <-> service * */
	struct efl_discover *d;
	struct instance *instances;
	int announced;           /* NEW was reported */
	int lost;                /* an instance went away since its last
	                            answer: the next answer is "back" */
	int skip_reported;
	uint32_t watch;          /* efl_discover_watch nesting */
	struct efl_txt_item *checked_txt; /* last TXT checked for problems */
	uint32_t nchecked;
	int checked;
	struct service *hnext;
};

struct efl_discover {
	struct efl_avahi_uv *poll;
	AvahiClient *client;
	struct browser *browsers;
	uint32_t nbrowsers;
	struct service **table;  /* hash of services by name+type+domain */
	uint32_t tsize, nservices;
	struct service **order;  /* in creation order */
	const struct efl_device **list;
	struct instance *qhead, *qtail;
	uint32_t resolving;      /* resolvers waiting for a first answer */
	uint32_t kept;           /* answered resolvers left open */
	uint32_t pending;        /* queued + resolving */
	uint64_t seq;
	uint64_t started_ms;
	struct efl_discover_callbacks cb;
	int complete, failed, busy;
	char failure[256];       /* why, once failed */
};

static void pump(struct efl_discover *d);
static void check_complete(struct efl_discover *d);

/* ---- helpers ---- */

static uint32_t
hash3(const char *a, const char *b, const char *c)
{
	const char *parts[3] = { a, b, c };
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		for (; *p != '\0'; p++)
			h = (h ^ *p) * 16777619u;
		h = (h ^ 0xff) * 16777619u;
	}
	return h;
}

static void
skipped(struct efl_discover *d, const char *subject, const char *fmt, ...)
    EFL_PRINTFLIKE(3, 4);

static void
skipped(struct efl_discover *d, const char *subject, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (d->cb.skipped == NULL || d->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->busy++;
	d->cb.skipped(d->cb.arg, subject, msg);
	d->busy--;
}

static void
emit(struct efl_discover *d, enum efl_discover_event ev, struct service *s)
{
	if (d->cb.device == NULL || d->failed)
		return;
	d->busy++;
	d->cb.device(d->cb.arg, ev, &s->dev);
	d->busy--;
}

static const char *
client_error(struct efl_discover *d)
{
	return avahi_strerror(avahi_client_errno(d->client));
}

/* ---- services and instances ---- */

static struct service *
service_find(struct efl_discover *d, const char *name, const char *type,
    const char *domain)
{
	struct service *s;

	for (s = d->table[hash3(name, type, domain) & (d->tsize - 1)];
	    s != NULL; s = s->hnext)
		if (strcmp(s->dev.name, name) == 0 &&
		    strcmp(s->dev.type, type) == 0 &&
		    strcmp(s->dev.domain, domain) == 0)
			return s;
	return NULL;
}

static void
table_grow(struct efl_discover *d)
{
	uint32_t size = d->tsize * 2, i;
	struct service **t = xcalloc(size, sizeof(*t));

	for (i = 0; i < d->nservices; i++) {
		struct service *s = d->order[i];
		uint32_t h = hash3(s->dev.name, s->dev.type, s->dev.domain) &
		    (size - 1);

		s->hnext = t[h];
		t[h] = s;
	}
	free(d->table);
	d->table = t;
	d->tsize = size;
}

static struct service *
service_get(struct efl_discover *d, const char *name, const char *type,
    const char *domain)
{
	struct service *s = service_find(d, name, type, domain);
	uint32_t h;

	if (s != NULL)
		return s;
	if (d->nservices + 1 > d->tsize)
		table_grow(d);
	s = xcalloc(1, sizeof(*s));
	s->d = d;
	s->dev.name = xstrdup(name);
	s->dev.type = xstrdup(type);
	s->dev.domain = xstrdup(domain);
	s->dev.auth_upload = -1;
	s->dev.free_space = s->dev.flash_size = -1;
	h = hash3(name, type, domain) & (d->tsize - 1);
	s->hnext = d->table[h];
	d->table[h] = s;
	d->order = xrealloc(d->order, (d->nservices + 1) * sizeof(*d->order));
	d->order[d->nservices++] = s;
	return s;
}

static void
inst_clear_data(struct instance *in)
{
	free(in->host);
	in->host = NULL;
	txt__free(in->txt, in->ntxt);
	in->txt = NULL;
	in->ntxt = 0;
}

/* Stop whatever the instance waits for (queue slot or first answer). */
static void
inst_unpend(struct efl_discover *d, struct instance *in)
{
	struct instance **pp;

	if (!in->pending)
		return;
	in->pending = 0;
	d->pending--;
	if (in->state == INST_QUEUED) {
		for (pp = &d->qhead; *pp != NULL; pp = &(*pp)->qnext)
			if (*pp == in) {
				*pp = in->qnext;
				break;
			}
		d->qtail = NULL;
		for (pp = &d->qhead; *pp != NULL; pp = &(*pp)->qnext)
			d->qtail = *pp;
	} else if (in->state == INST_RESOLVING) {
		d->resolving--;
	}
}

static void
inst_free_resolver(struct instance *in)
{
	if (in->kept) {
		in->kept = 0;
		in->svc->d->kept--;
	}
	if (in->r != NULL) {
		avahi_service_resolver_free(in->r);
		in->r = NULL;
	}
}

static void
inst_free(struct efl_discover *d, struct instance *in)
{
	inst_unpend(d, in);
	inst_free_resolver(in);
	inst_clear_data(in);
	free(in);
}

/* The service's view: address from the best instance (IPv4 first), the
 * rest from the instance that answered last. Returns 1 if anything that
 * matters changed. */
static int
service_view(struct service *s)
{
	struct efl_device *v = &s->dev;
	struct instance *in, *best = NULL, *last = NULL;
	uint32_t count = 0;
	int changed;

	for (in = s->instances; in != NULL; in = in->next) {
		count++;
		if (in->state != INST_RESOLVED)
			continue;
		if (best == NULL || (best->family != 4 && in->family == 4))
			best = in;
		if (last == NULL || in->resolved_seq > last->resolved_seq)
			last = in;
	}
	v->instances = count;
	if (best == NULL)
		return 0;
	changed = strcmp(v->addr, best->addr) != 0 || v->port != last->port ||
	    v->host == NULL || strcmp(v->host, last->host) != 0 ||
	    !txt__equal(v->txt, v->ntxt, last->txt, last->ntxt);
	snprintf(v->addr, sizeof(v->addr), "%s", best->addr);
	v->family = best->family;
	snprintf(v->ifname, sizeof(v->ifname), "%s", best->ifname);
	v->protocol = best->proto == AVAHI_PROTO_INET6 ? 6 : 4;
	v->port = last->port;
	if (v->host == NULL || strcmp(v->host, last->host) != 0) {
		free(v->host);
		v->host = xstrdup(last->host);
	}
	if (!txt__equal(v->txt, v->ntxt, last->txt, last->ntxt)) {
		txt__free(v->txt, v->ntxt);
		v->txt = txt__copy(last->txt, last->ntxt);
		v->ntxt = last->ntxt;
	}
	txt__derive(v, NULL, NULL);
	return changed;
}

static int
any_resolved(const struct service *s)
{
	const struct instance *in;

	for (in = s->instances; in != NULL; in = in->next)
		if (in->state == INST_RESOLVED)
			return 1;
	return 0;
}

static int
any_pending(const struct service *s)
{
	const struct instance *in;

	for (in = s->instances; in != NULL; in = in->next)
		if (in->pending)
			return 1;
	return 0;
}

/* The service lost its last resolved instance: report it gone. */
static void
service_gone(struct efl_discover *d, struct service *s)
{
	if (!s->dev.present || any_resolved(s))
		return;
	s->dev.present = 0;
	s->dev.changes++;
	emit(d, EFL_DISCOVER_REMOVED, s);
}

/* A service never resolved and nothing of it is left to try: the caller
 * says why, once. */
static int
unresolvable(struct service *s)
{
	if (s->announced || s->skip_reported || any_pending(s) ||
	    any_resolved(s))
		return 0;
	s->skip_reported = 1;
	return 1;
}

/* ---- resolving ---- */

struct txt_report {
	struct efl_discover *d;
	const char *name;
};

static void
txt_problem(void *arg, const char *reason)
{
	struct txt_report *r = arg;

	skipped(r->d, r->name, "%s", reason);
}

static void
store_answer(struct instance *in, const char *host, const AvahiAddress *a,
    uint16_t port, AvahiStringList *txt)
{
	struct service *s = in->svc;
	struct efl_discover *d = s->d;
	const uint8_t **items;
	size_t *lens;
	uint32_t n = 0, i;
	AvahiStringList *l;
	struct txt_report rep = { d, s->dev.name };

	inst_clear_data(in);
	in->host = xstrdup(host != NULL ? host : "");
	in->port = port;
	in->family = a->proto == AVAHI_PROTO_INET6 ? 6 : 4;
	avahi_address_snprint(in->addr, sizeof(in->addr), a);
	if (in->family == 6 && a->data.ipv6.address[0] == 0xfe &&
	    (a->data.ipv6.address[1] & 0xc0) == 0x80) {
		size_t len = strlen(in->addr);

		snprintf(in->addr + len, sizeof(in->addr) - len, "%%%s",
		    in->ifname);
	}
	for (l = txt; l != NULL; l = avahi_string_list_get_next(l))
		n++;
	items = xcalloc(n ? n : 1, sizeof(*items));
	lens = xcalloc(n ? n : 1, sizeof(*lens));
	for (i = 0, l = txt; l != NULL; l = avahi_string_list_get_next(l),
	    i++) {
		items[i] = avahi_string_list_get_text(l);
		lens[i] = avahi_string_list_get_size(l);
	}
	/* problems are reported once per distinct TXT record */
	in->txt = txt__parse(items, lens, n, &in->ntxt, NULL, NULL);
	if (!s->checked || !txt__equal(s->checked_txt, s->nchecked, in->txt,
	    in->ntxt)) {
		struct efl_device probe;
		struct efl_txt_item *again;
		uint32_t nagain;

		again = txt__parse(items, lens, n, &nagain, txt_problem, &rep);
		memset(&probe, 0, sizeof(probe));
		probe.txt = again;
		probe.ntxt = nagain;
		txt__derive(&probe, txt_problem, &rep);
		txt__free(s->checked_txt, s->nchecked);
		s->checked_txt = again;
		s->nchecked = nagain;
		s->checked = 1;
	}
	free(items);
	free(lens);
}

static void
resolve_cb(AvahiServiceResolver *r, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiResolverEvent event, const char *name, const char *type,
    const char *domain, const char *host, const AvahiAddress *a,
    uint16_t port, AvahiStringList *txt, AvahiLookupResultFlags flags,
    void *userdata)
{
	struct instance *in = userdata;
	struct service *s = in->svc;
	struct efl_discover *d = s->d;
	int first = in->pending, changed;
	enum efl_discover_event ev;

	(void)iface;
	(void)proto;
	(void)name;
	(void)type;
	(void)domain;
	(void)flags;
	if (d->failed)
		return;
	if (event != AVAHI_RESOLVER_FOUND || a == NULL) {
		const char *err = avahi_strerror(avahi_client_errno(
		    avahi_service_resolver_get_client(r)));

		char shown[128];

		efl_printable(shown, sizeof(shown), (const char *)s->dev.name,
		    strlen(s->dev.name));
		efl_debug("mdns: '%s' on %s: resolve failed: %s", shown,
		    in->ifname, err);
		inst_unpend(d, in);
		in->state = INST_FAILED;
		if (s->watch == 0)
			inst_free_resolver(in);
		if (!first)
			s->lost = 1;
		service_view(s);
		service_gone(d, s);
		if (unresolvable(s))
			skipped(d, s->dev.name, "could not be resolved: %s",
			    err);
		pump(d);
		check_complete(d);
		return;
	}
	inst_unpend(d, in);
	in->state = INST_RESOLVED;
	in->resolved_seq = ++d->seq;
	store_answer(in, host, a, port, txt);
	if (!in->kept && in->r != NULL) {
		if (s->watch > 0 || d->kept < MAX_KEPT) {
			in->kept = 1;
			d->kept++;
		} else {
			inst_free_resolver(in);
		}
	}
	changed = service_view(s);
	if (!s->announced) {
		s->announced = 1;
		s->dev.present = 1;
		s->lost = 0;
		ev = EFL_DISCOVER_NEW;
	} else if (!s->dev.present || s->lost) {
		s->dev.present = 1;
		s->lost = 0;
		s->dev.changes++;
		ev = EFL_DISCOVER_BACK;
	} else if (changed) {
		s->dev.changes++;
		ev = EFL_DISCOVER_CHANGED;
	} else {
		ev = (enum efl_discover_event)-1;
	}
	pump(d);
	if ((int)ev >= 0)
		emit(d, ev, s);
	check_complete(d);
}

static int
start_resolver(struct efl_discover *d, struct instance *in)
{
	struct service *s = in->svc;

	in->r = avahi_service_resolver_new(d->client, in->iface, in->proto,
	    s->dev.name, s->dev.type, s->dev.domain, AVAHI_PROTO_UNSPEC, 0,
	    resolve_cb, in);
	return in->r != NULL ? 0 : -1;
}

/* Start queued resolvers while there is room. */
static void
pump(struct efl_discover *d)
{
	while (d->qhead != NULL && d->resolving < MAX_RESOLVING &&
	    !d->failed) {
		struct instance *in = d->qhead;
		struct service *s = in->svc;

		d->qhead = in->qnext;
		if (d->qhead == NULL)
			d->qtail = NULL;
		in->qnext = NULL;
		in->state = INST_RESOLVING;
		d->resolving++;
		if (start_resolver(d, in) != 0) {
			const char *err = client_error(d);

			inst_unpend(d, in);
			in->state = INST_FAILED;
			if (unresolvable(s))
				skipped(d, s->dev.name, "cannot be resolved: "
				    "%s", err);
		}
	}
}

static void
enqueue(struct efl_discover *d, struct instance *in)
{
	in->state = INST_QUEUED;
	in->pending = 1;
	d->pending++;
	in->qnext = NULL;
	if (d->qtail != NULL)
		d->qtail->qnext = in;
	else
		d->qhead = in;
	d->qtail = in;
}

/* ---- browsing ---- */

static struct instance *
inst_find(struct service *s, AvahiIfIndex iface, AvahiProtocol proto)
{
	struct instance *in;

	for (in = s->instances; in != NULL; in = in->next)
		if (in->iface == iface && in->proto == proto)
			return in;
	return NULL;
}

static void
browse_new(struct efl_discover *d, AvahiIfIndex iface, AvahiProtocol proto,
    const char *name, const char *type, const char *domain)
{
	struct service *s = service_get(d, name, type, domain);
	struct instance *in = inst_find(s, iface, proto);

	if (in != NULL)
		return;
	in = xcalloc(1, sizeof(*in));
	in->svc = s;
	in->iface = iface;
	in->proto = proto;
	/* none for wide-area (unicast DNS) results */
	if (iface < 0 || if_indextoname((unsigned)iface, in->ifname) == NULL)
		in->ifname[0] = '\0';
	in->next = s->instances;
	s->instances = in;
	s->dev.instances++;
	s->skip_reported = 0;
	enqueue(d, in);
	pump(d);
}

static void
browse_remove(struct efl_discover *d, AvahiIfIndex iface,
    AvahiProtocol proto, const char *name, const char *type,
    const char *domain)
{
	struct service *s = service_find(d, name, type, domain);
	struct instance **pp, *in;
	int was_pending;

	if (s == NULL)
		return;
	for (pp = &s->instances; (in = *pp) != NULL; pp = &in->next)
		if (in->iface == iface && in->proto == proto)
			break;
	if (in == NULL)
		return;
	was_pending = in->pending;
	*pp = in->next;
	inst_free(d, in);
	s->lost = 1;
	service_view(s);
	if (was_pending && unresolvable(s))
		skipped(d, s->dev.name, "vanished while being resolved");
	pump(d);
	service_gone(d, s);
	check_complete(d);
}

static void
browse_cb(AvahiServiceBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
    AvahiBrowserEvent event, const char *name, const char *type,
    const char *domain, AvahiLookupResultFlags flags, void *userdata)
{
	struct browser *br = userdata;
	struct efl_discover *d = br->d;

	(void)b;
	(void)flags;
	if (d->failed)
		return;
	switch (event) {
	case AVAHI_BROWSER_NEW:
		browse_new(d, iface, proto, name, type, domain);
		break;
	case AVAHI_BROWSER_REMOVE:
		browse_remove(d, iface, proto, name, type, domain);
		break;
	case AVAHI_BROWSER_ALL_FOR_NOW:
		efl_debug("mdns: browse of '%s': all for now after %llu ms, "
		    "%u to resolve", br->type, (unsigned long long)
		    (efl_now_ms() - d->started_ms), d->pending);
		br->done = 1;
		check_complete(d);
		break;
	case AVAHI_BROWSER_CACHE_EXHAUSTED:
		break;
	case AVAHI_BROWSER_FAILURE:
		if (!br->done) {
			char subject[300];

			br->done = 1;
			snprintf(subject, sizeof(subject), "%s in %s", br->type,
			    br->domain != NULL ? br->domain : "local");
			skipped(d, subject, "browsing failed: %s",
			    client_error(d));
		}
		check_complete(d);
		break;
	}
}

static void
check_complete(struct efl_discover *d)
{
	uint32_t i;

	if (d->complete || d->failed || d->pending > 0)
		return;
	for (i = 0; i < d->nbrowsers; i++)
		if (!d->browsers[i].done)
			return;
	d->complete = 1;
	efl_debug("mdns: complete after %llu ms: %u services",
	    (unsigned long long)(efl_now_ms() - d->started_ms), d->nservices);
	if (d->cb.complete != NULL) {
		d->busy++;
		d->cb.complete(d->cb.arg);
		d->busy--;
	}
}

static void
client_cb(AvahiClient *c, AvahiClientState state, void *userdata)
{
	struct efl_discover *d = userdata;
	char msg[256];

	if (state != AVAHI_CLIENT_FAILURE || d->failed)
		return;
	snprintf(msg, sizeof(msg), "lost the connection to avahi-daemon "
	    "(%s)", avahi_strerror(avahi_client_errno(c)));
	d->failed = 1;
	snprintf(d->failure, sizeof(d->failure), "%s", msg);
	if (d->cb.failure != NULL && d->client != NULL) {
		d->busy++;
		d->cb.failure(d->cb.arg, msg);
		d->busy--;
	}
}

/* ---- the session ---- */

static int
add_browser(struct efl_discover *d, const char *type, const char *domain,
    struct efl_errbuf *eb)
{
	struct browser *br = &d->browsers[d->nbrowsers];

	br->d = d;
	br->type = xstrdup(type);
	br->domain = domain != NULL ? xstrdup(domain) : NULL;
	br->b = avahi_service_browser_new(d->client, AVAHI_IF_UNSPEC,
	    AVAHI_PROTO_UNSPEC, type, domain, 0, browse_cb, br);
	if (br->b == NULL) {
		efl_errbuf_set(eb, "cannot browse '%s'%s%s%s: %s", type,
		    domain != NULL ? " in '" : "", domain != NULL ? domain : "",
		    domain != NULL ? "'" : "", client_error(d));
		free(br->type);
		free(br->domain);
		return -1;
	}
	d->nbrowsers++;
	return 0;
}

struct efl_discover *
efl_discover_start(uv_loop_t *loop, const struct efl_discover_opts *opts,
    const struct efl_discover_callbacks *cb, struct efl_errbuf *eb)
{
	static const char *const default_types[] = {
		EFL_DISCOVER_DEFAULT_TYPE
	};
	struct efl_discover *d = xcalloc(1, sizeof(*d));
	const char *const *types = default_types;
	uint32_t ntypes = 1, i;
	const char *wide = NULL;
	int err = 0;

	if (opts != NULL && opts->ntypes > 0) {
		types = opts->types;
		ntypes = opts->ntypes;
	}
	if (opts != NULL && opts->domain != NULL &&
	    strcmp(opts->domain, "local") != 0 &&
	    strcmp(opts->domain, "local.") != 0)
		wide = opts->domain;
	if (cb != NULL)
		d->cb = *cb;
	d->started_ms = efl_now_ms();
	d->tsize = 64;
	d->table = xcalloc(d->tsize, sizeof(*d->table));
	d->poll = efl_avahi_uv_new(loop);
	if (d->poll == NULL)
		efl_fatal("out of memory");
	d->client = avahi_client_new(efl_avahi_uv_poll(d->poll), 0, client_cb,
	    d, &err);
	if (d->client == NULL) {
		efl_errbuf_set(eb, "no avahi-daemon reachable (%s): start one, "
		    "e.g. 'avahi-daemon -D' as root, or see README",
		    avahi_strerror(err));
		efl_discover_free(d);
		return NULL;
	}
	if (d->failed) {
		efl_errbuf_set(eb, "no avahi-daemon reachable (%s): start one, "
		    "e.g. 'avahi-daemon -D' as root, or see README",
		    client_error(d));
		efl_discover_free(d);
		return NULL;
	}
	d->browsers = xcalloc(ntypes * 2, sizeof(*d->browsers));
	for (i = 0; i < ntypes; i++)
		if (add_browser(d, types[i], NULL, eb) != 0 ||
		    (wide != NULL && add_browser(d, types[i], wide, eb) != 0)) {
			efl_discover_free(d);
			return NULL;
		}
	return d;
}

void
efl_discover_free(struct efl_discover *d)
{
	uint32_t i;

	if (d == NULL)
		return;
	if (d->busy)
		efl_fatal("efl_discover_free called from a discovery callback");
	for (i = 0; i < d->nservices; i++) {
		struct service *s = d->order[i];
		struct instance *in, *next;

		for (in = s->instances; in != NULL; in = next) {
			next = in->next;
			inst_free(d, in);
		}
		free(s->dev.name);
		free(s->dev.type);
		free(s->dev.domain);
		free(s->dev.host);
		txt__free(s->dev.txt, s->dev.ntxt);
		txt__free(s->checked_txt, s->nchecked);
		free(s);
	}
	for (i = 0; i < d->nbrowsers; i++) {
		if (d->browsers[i].b != NULL)
			avahi_service_browser_free(d->browsers[i].b);
		free(d->browsers[i].type);
		free(d->browsers[i].domain);
	}
	if (d->client != NULL)
		avahi_client_free(d->client);
	efl_avahi_uv_free(d->poll);
	free(d->browsers);
	free(d->table);
	free(d->order);
	free(d->list);
	free(d);
}

int
efl_discover_is_complete(const struct efl_discover *d)
{
	return d->complete;
}

void
efl_discover_report_unresolved(struct efl_discover *d)
{
	uint32_t i;

	for (i = 0; i < d->nservices; i++) {
		struct service *s = d->order[i];

		if (!s->announced && !s->skip_reported && any_pending(s)) {
			s->skip_reported = 1;
			skipped(d, s->dev.name, "not resolved before the "
			    "timeout");
		}
	}
}

int
efl_discover_has_failed(const struct efl_discover *d)
{
	return d->failed;
}

static void
wait_timeout(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

static void
free_timer(uv_handle_t *h)
{
	free(h);
}

int
efl_discover_wait(uv_loop_t *loop, struct efl_discover *d,
    uint32_t timeout_ms, struct efl_errbuf *eb)
{
	uv_timer_t *timer = xmalloc(sizeof(*timer));
	int timed_out = 0;

	uv_timer_init(loop, timer);
	timer->data = &timed_out;
	uv_timer_start(timer, wait_timeout, timeout_ms, 0);
	while (!d->complete && !d->failed && !timed_out &&
	    !efl_loop_canceled(loop))
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)timer, free_timer); /* never fires again */
	if (d->failed) {
		efl_errbuf_set(eb, "%s", d->failure);
		return -1;
	}
	return d->complete ? 1 : 0;
}

static int
cmp_device(const void *a, const void *b)
{
	const struct efl_device *x = *(const struct efl_device *const *)a;
	const struct efl_device *y = *(const struct efl_device *const *)b;
	int c = strcmp(x->name, y->name);

	if (c == 0)
		c = strcmp(x->type, y->type);
	if (c == 0)
		c = strcmp(x->domain, y->domain);
	return c;
}

const struct efl_device *const *
efl_discover_devices(struct efl_discover *d, uint32_t *n)
{
	uint32_t i, k = 0;

	free(d->list);
	d->list = xcalloc(d->nservices ? d->nservices : 1, sizeof(*d->list));
	for (i = 0; i < d->nservices; i++)
		if (d->order[i]->announced)
			d->list[k++] = &d->order[i]->dev;
	qsort(d->list, k, sizeof(*d->list), cmp_device);
	*n = k;
	return d->list;
}

const struct efl_device *
efl_discover_find(struct efl_discover *d, const char *name)
{
	uint32_t i;

	for (i = 0; i < d->nbrowsers; i++) {
		const struct browser *br = &d->browsers[i];
		struct service *s = service_find(d, name, br->type,
		    br->domain != NULL ? br->domain : "local");

		if (s != NULL && s->announced)
			return &s->dev;
	}
	return NULL;
}

const struct efl_device *
efl_discover_find_addr(struct efl_discover *d, const char *addr,
    uint16_t port)
{
	const struct efl_device *found = NULL;
	uint32_t i;

	for (i = 0; i < d->nservices; i++) {
		const struct service *s = d->order[i];
		const struct instance *in;
		int match = 0;

		if (!s->announced)
			continue;
		if ((port == 0 || s->dev.port == port) &&
		    strcmp(s->dev.addr, addr) == 0)
			match = 1;
		for (in = s->instances; in != NULL && !match; in = in->next)
			if (in->state == INST_RESOLVED &&
			    (port == 0 || in->port == port) &&
			    strcmp(in->addr, addr) == 0)
				match = 1;
		if (!match)
			continue;
		if (port != 0)
			return &s->dev;
		if (found != NULL)
			return NULL;   /* any port: not one device */
		found = &s->dev;
	}
	return found;
}

void
efl_discover_watch(struct efl_discover *d, const struct efl_device *dev,
    int on)
{
	struct service *s = (struct service *)(uintptr_t)dev;
	struct instance *in;

	if (on) {
		if (s->watch++ > 0 || d->failed)
			return;
		/* answered instances get a resolver again, kept open */
		for (in = s->instances; in != NULL; in = in->next)
			if (in->r == NULL && !in->pending &&
			    start_resolver(d, in) != 0) {
				char shown[128];

				efl_printable(shown, sizeof(shown),
				    (const char *)s->dev.name,
				    strlen(s->dev.name));
				efl_debug("mdns: cannot watch '%s': %s", shown,
				    client_error(d));
			}
		return;
	}
	if (s->watch == 0 || --s->watch > 0)
		return;
	/* back to the common pool: close what is over its size */
	for (in = s->instances; in != NULL; in = in->next)
		if (!in->pending && in->r != NULL && d->kept > MAX_KEPT)
			inst_free_resolver(in);
}
