/* SPDX-License-Identifier: MIT */
/*
 * Parsing push targets (see target.h): "host", "host:port", "[v6]:port",
 * bare IPv6 literals; their names and shards.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/shard.h"
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
	struct sockaddr_storage ss;

	if (efl_sockaddr_parse(&ss, t->host) != 0) {
		memset(&t->addr, 0, sizeof(t->addr));
		return 0;
	}
	t->addr = ss;
	efl_sockaddr_set_port((struct sockaddr *)&t->addr, t->port);
	t->addr_len = efl_sockaddr_len((struct sockaddr *)&t->addr);
	efl_sockaddr_text((struct sockaddr *)&t->addr, t->addr_text,
	    sizeof(t->addr_text));
	return 1;
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

const char *
efl_target_name(const struct efl_target *t)
{
	return t->name != NULL ? t->name : t->label;
}

void
efl_targets_keep_shard(struct efl_target *t, uint32_t *n,
    const struct efl_shard *s)
{
	uint32_t i, k = 0;

	for (i = 0; i < *n; i++) {
		if (!efl_shard_contains(s, efl_target_name(&t[i]))) {
			efl_target_free(&t[i]);
			continue;
		}
		if (k != i) {
			t[k] = t[i];
			memset(&t[i], 0, sizeof(t[i]));
		}
		k++;
	}
	*n = k;
}
