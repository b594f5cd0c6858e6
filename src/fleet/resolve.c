/* SPDX-License-Identifier: MIT */
/*
 * Resolving push targets before any device is contacted (see target.h):
 * host names through the system resolver on the loop, numeric addresses
 * directly; duplicates (the same device twice) are refused, and so are
 * addresses that reach many devices (multicast, broadcast, the broadcast
 * address of a local interface).
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "espfleet/common.h"
#include "espfleet/loop.h"
#include "espfleet/target.h"
#include "espfleet/text.h"

struct lookup {
	uv_getaddrinfo_t req;
	struct efl_target *t;
	int status;
	int done;
	uint32_t *pending;
};

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct lookup *l = req->data;
	struct addrinfo *ai, *pick = NULL;

	l->done = 1;
	l->status = status;
	(*l->pending)--;
	if (status == 0) {
		for (ai = res; ai != NULL; ai = ai->ai_next)
			if (ai->ai_family == AF_INET) {
				pick = ai;
				break;
			}
		if (pick == NULL)
			pick = res;
		if (pick != NULL && pick->ai_addrlen <= sizeof(l->t->addr)) {
			efl_sockaddr_copy(&l->t->addr, pick->ai_addr);
			l->t->addr_len = (socklen_t)pick->ai_addrlen;
			efl_sockaddr_set_port((struct sockaddr *)&l->t->addr,
			    l->t->port);
			efl_sockaddr_text((struct sockaddr *)&l->t->addr,
			    l->t->addr_text, sizeof(l->t->addr_text));
		} else {
			l->status = UV_EAI_NONAME;
		}
	}
	uv_freeaddrinfo(res);
}

static int
same_device(const struct efl_target *a, const struct efl_target *b)
{
	return efl_sockaddr_same_endpoint((const struct sockaddr *)&a->addr,
	    (const struct sockaddr *)&b->addr);
}

/* A target's address as a sort key: two targets that are the same device
 * have equal keys. The zone of an IPv6 address is left out (same_device
 * lets a missing one match any), so equal keys may still be two devices. */
struct addr_key {
	uint8_t bytes[16];
	uint16_t port;
	uint8_t family;
};

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct addr_key));
}

/* 1 if some two targets may be the same device: sorted by key, two
 * neighbours are equal. O(n log n), so that a fleet of thousands without
 * a duplicate is not compared pair by pair. */
static int
may_have_duplicates(const struct efl_target *t, uint32_t n)
{
	struct addr_key *k = xcalloc(n ? n : 1, sizeof(*k));
	struct sockaddr_storage u;
	uint32_t i, m = 0;
	int found = 0;

	for (i = 0; i < n; i++) {
		efl_sockaddr_unmap(&u, (const struct sockaddr *)&t[i].addr);
		if (u.ss_family == AF_INET)
			memcpy(k[m].bytes,
			    &((const struct sockaddr_in *)&u)->sin_addr, 4);
		else if (u.ss_family == AF_INET6)
			memcpy(k[m].bytes,
			    &((const struct sockaddr_in6 *)&u)->sin6_addr, 16);
		else
			continue; /* the same device as none */
		k[m].family = u.ss_family == AF_INET ? 4 : 6;
		k[m].port = efl_sockaddr_port((const struct sockaddr *)&u);
		m++;
	}
	qsort(k, m, sizeof(*k), key_cmp);
	for (i = 1; i < m && !found; i++)
		found = key_cmp(&k[i - 1], &k[i]) == 0;
	free(k);
	return found;
}

int
efl_targets_resolve(uv_loop_t *loop, struct efl_target *t, uint32_t n,
    struct efl_errbuf *eb)
{
	struct lookup *l = xcalloc(n ? n : 1, sizeof(*l));
	struct addrinfo hints;
	uint32_t i, j, pending = 0, checked;
	int rc = 0, canceled = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	for (i = 0; i < n; i++) {
		l[i].t = &t[i];
		if (t[i].addr_len != 0 || efl_target_numeric(&t[i])) {
			l[i].done = 1;
			continue;
		}
		l[i].req.data = &l[i];
		l[i].pending = &pending;
		l[i].status = uv_getaddrinfo(loop, &l[i].req, on_resolved,
		    t[i].host, NULL, &hints);
		if (l[i].status != 0)
			l[i].done = 1;
		else
			pending++;
	}
	/* only until these lookups are done (a signal cancels those not
	 * started; the others must still come back) */
	while (pending > 0) {
		if (!canceled && efl_loop_canceled(loop)) {
			canceled = 1;
			for (i = 0; i < n; i++)
				if (!l[i].done)
					(void)uv_cancel((uv_req_t *)&l[i].req);
		}
		uv_run(loop, UV_RUN_ONCE);
	}
	if (canceled || efl_loop_canceled(loop)) {
		efl_errbuf_set(eb, "interrupted while resolving the targets");
		free(l);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (l[i].status != 0) {
			const char *host = t[i].host;
			size_t hl = strlen(host);
			char shown[160];

			efl_printable(shown, sizeof(shown), t[i].label,
			    strlen(t[i].label));
			efl_errbuf_set(eb, "cannot resolve target '%s': %s%s",
			    shown, uv_strerror(l[i].status),
			    hl > 6 && strcmp(host + hl - 6, ".local") == 0 ?
			    " (.local names are mDNS names: use 'espfleet push "
			    "--all' or the address from 'espfleet discover')" :
			    "");
			rc = -1;
		}
	}
	/* pair by pair (zones, and which pair comes first) only when the
	 * sorted keys say that there is something to find */
	checked = rc == 0 && may_have_duplicates(t, n) ? n : 0;
	for (i = 0; i < checked && rc == 0; i++)
		for (j = i + 1; j < checked && rc == 0; j++)
			if (same_device(&t[i], &t[j])) {
				efl_errbuf_set(eb, "targets '%s' and '%s' are the "
				    "same device (%s port %u)", t[i].label,
				    t[j].label, t[i].addr_text, t[i].port);
				rc = -1;
			}
	free(l);
	return rc;
}

/* The IPv4 address of sa, v4-mapped or not; 0 if it has none. */
static int
ipv4_of(const struct sockaddr *sa, struct in_addr *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		*out = ((const struct sockaddr_in *)sa)->sin_addr;
		return 1;
	}
	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memcpy(&out->s_addr, s6->sin6_addr.s6_addr + 12, 4);
		return 1;
	}
	return 0;
}

/* not_unicast with the interfaces of this host (ifs, may be NULL). */
static const char *
not_unicast(const struct efl_target *t, const struct ifaddrs *ifs,
    char *why, size_t cap)
{
	const struct sockaddr *sa = (const struct sockaddr *)&t->addr;
	const struct ifaddrs *i;
	const char *kind = efl_sockaddr_group_kind(sa);
	struct in_addr a;

	if (kind != NULL) {
		snprintf(why, cap, "%s is %s", t->addr_text, kind);
		return why;
	}
	if (!ipv4_of(sa, &a))
		return NULL;
	for (i = ifs; i != NULL; i = i->ifa_next)
		if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr !=
		    NULL && i->ifa_broadaddr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_broadaddr)->sin_addr.s_addr ==
		    a.s_addr) {
			snprintf(why, cap, "%s is the broadcast address of "
			    "interface %s", t->addr_text, i->ifa_name);
			return why;
		}
	return NULL;
}

const char *
efl_target_not_unicast(const struct efl_target *t, char *why, size_t cap)
{
	struct ifaddrs *ifs = NULL;
	const char *r;

	if (getifaddrs(&ifs) != 0)
		ifs = NULL;
	r = not_unicast(t, ifs, why, cap);
	if (ifs != NULL)
		freeifaddrs(ifs);
	return r;
}

int
efl_targets_check_unicast(const struct efl_target *t, uint32_t n,
    struct efl_errbuf *eb)
{
	struct ifaddrs *ifs = NULL;
	char why[160], shown[160];
	uint32_t i;
	int rc = 0;

	if (getifaddrs(&ifs) != 0)
		ifs = NULL;
	for (i = 0; i < n && rc == 0; i++)
		if (not_unicast(&t[i], ifs, why, sizeof(why)) != NULL) {
			efl_printable(shown, sizeof(shown), t[i].label,
			    strlen(t[i].label));
			efl_errbuf_set(eb, "target '%s': %s, which would "
			    "reach every device that listens: give one "
			    "device's address", shown, why);
			rc = -1;
		}
	if (ifs != NULL)
		freeifaddrs(ifs);
	return rc;
}
