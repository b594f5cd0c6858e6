/* SPDX-License-Identifier: MIT */
/*
 * Parsing push targets (see target.h): "host", "host:port", "[v6]:port",
 * bare IPv6 literals.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/target.h"
#include "espfleet/text.h"

static int
parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* Refuse spec (shown escaped: it may hold control characters). */
static int
refuse(struct efl_errbuf *eb, const char *spec, const char *why)
{
	char shown[160];

	efl_printable(shown, sizeof(shown), spec, strlen(spec));
	efl_errbuf_set(eb, "target '%s': %s", shown, why);
	return -1;
}

/* Why host is no host name or address, or NULL if it may be one. */
static const char *
host_problem(const char *host, int bracketed)
{
	struct in6_addr a6;
	struct in_addr a4;
	const unsigned char *c;

	if (*host == '\0')
		return bracketed ? "empty brackets" : "bad host";
	for (c = (const unsigned char *)host; *c != '\0'; c++)
		if (*c <= ' ' || *c == 0x7f || *c == '/')
			return "bad host";
	if (bracketed || strchr(host, ':') != NULL) {
		/* the address before any zone ("fe80::1%eth0") */
		char addr[INET6_ADDRSTRLEN];
		size_t n = strcspn(host, "%");

		/* a zone is an interface name or number: not empty, and
		 * nothing that would end it in "[ADDR%ZONE]:PORT" */
		if (host[n] == '%' && (host[n + 1] == '\0' ||
		    strpbrk(host + n + 1, "%[]") != NULL))
			return "bad zone after '%' (an interface name)";
		if (n < sizeof(addr)) {
			memcpy(addr, host, n);
			addr[n] = '\0';
			if (inet_pton(AF_INET6, addr, &a6) == 1)
				return NULL;
		}
		return bracketed ? "brackets hold an IPv6 address only" :
		    "not an IPv6 address (and a port goes after [ADDR]:)";
	}
	/* The resolver would take "1.2.3", "127.1", "2130706433" or
	 * "0x7f.1" for some IPv4 address: a typo would reach another
	 * device. Only the dotted quad is an address here. */
	if (strspn(host, "0123456789.") == strlen(host) ||
	    ((host[0] == '0' && (host[1] == 'x' || host[1] == 'X')) &&
	    strspn(host, "0123456789abcdefABCDEFxX.") == strlen(host)))
		return inet_pton(AF_INET, host, &a4) == 1 ? NULL :
		    "not an IPv4 address (four numbers 0-255: a.b.c.d)";
	return NULL;
}

int
efl_target_parse(struct efl_target *t, const char *spec,
    uint16_t default_port, struct efl_errbuf *eb)
{
	const char *colon, *why;
	char *host;
	int bracketed = 0;

	memset(t, 0, sizeof(*t));
	t->auth_upload = -1;
	t->port = default_port;
	if (*spec == '\0') {
		efl_errbuf_set(eb, "empty target");
		return -1;
	}
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL)
			return refuse(eb, spec, "missing ']'");
		if (close[1] == ':') {
			if (parse_port(close + 2, &t->port) != 0)
				return refuse(eb, spec, "port must be 1-65535");
		} else if (close[1] != '\0') {
			return refuse(eb, spec, "unexpected text after ']'");
		}
		host = xstrdup(spec + 1);
		host[close - spec - 1] = '\0';
		bracketed = 1;
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		if (parse_port(colon + 1, &t->port) != 0)
			return refuse(eb, spec, "port must be 1-65535");
		host = xstrdup(spec);
		host[colon - spec] = '\0';
	} else {
		host = xstrdup(spec); /* a name, IPv4, or bare IPv6 literal */
	}
	if ((why = host_problem(host, bracketed)) != NULL) {
		free(host);
		return refuse(eb, spec, why);
	}
	t->host = host;
	t->label = xstrdup(spec);
	return 0;
}

int
efl_target_numeric(struct efl_target *t)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&t->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&t->addr;

	memset(&t->addr, 0, sizeof(t->addr));
	if (inet_pton(AF_INET, t->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->port);
		t->addr_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, t->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(t->port);
		t->addr_len = sizeof(*sin6);
	} else {
		return 0;
	}
	efl_sockaddr_text((struct sockaddr *)&t->addr, t->addr_text,
	    sizeof(t->addr_text));
	return 1;
}

const char *
efl_sockaddr_group_kind(const struct sockaddr *sa)
{
	const uint8_t *a;
	uint32_t v4;

	if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (a[0] == 0xff)
			return "a multicast address";
		if (!IN6_IS_ADDR_V4MAPPED(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr))
			return NULL;
		v4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
		    (uint32_t)a[14] << 8 | a[15];
	} else if (sa->sa_family == AF_INET) {
		v4 = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	} else {
		return NULL;
	}
	if ((v4 >> 28) == 0xe)
		return "a multicast address";
	if (v4 == 0xffffffffu)
		return "the broadcast address";
	return NULL;
}

void
efl_sockaddr_text(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *a = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, a, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "?");
}

void
efl_endpoint_text(char *out, size_t cap, const char *addr, unsigned port)
{
	snprintf(out, cap, strchr(addr, ':') != NULL ? "[%s]:%u" : "%s:%u",
	    addr, port);
}

void
efl_sockaddr_endpoint_text(const struct sockaddr *sa, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	efl_sockaddr_text(sa, ip, sizeof(ip));
	efl_endpoint_text(out, cap, ip, ntohs(sa->sa_family == AF_INET6 ?
	    ((const struct sockaddr_in6 *)sa)->sin6_port :
	    ((const struct sockaddr_in *)sa)->sin_port));
}

void
efl_target_free(struct efl_target *t)
{
	free(t->label);
	free(t->host);
	free(t->name);
	free(t->board);
	free(t->running_md5);
	free(t->skip_reason);
	memset(t, 0, sizeof(*t));
}
