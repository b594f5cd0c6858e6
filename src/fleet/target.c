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

int
efl_target_parse(struct efl_target *t, const char *spec,
    uint16_t default_port, struct efl_errbuf *eb)
{
	const char *colon;
	char *host;

	memset(t, 0, sizeof(*t));
	t->auth_upload = -1;
	t->port = default_port;
	if (*spec == '\0') {
		efl_errbuf_set(eb, "empty target");
		return -1;
	}
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close == spec + 1) {
			efl_errbuf_set(eb, "target '%s': missing ']'", spec);
			return -1;
		}
		host = xstrdup(spec + 1);
		host[close - spec - 1] = '\0';
		if (close[1] == ':') {
			if (parse_port(close + 2, &t->port) != 0)
				goto bad_port;
		} else if (close[1] != '\0') {
			efl_errbuf_set(eb, "target '%s': unexpected text after "
			    "']'", spec);
			free(host);
			return -1;
		}
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		host = xstrdup(spec);
		host[colon - spec] = '\0';
		if (parse_port(colon + 1, &t->port) != 0)
			goto bad_port;
	} else {
		host = xstrdup(spec); /* a name, IPv4, or bare IPv6 literal */
	}
	if (*host == '\0' || strpbrk(host, " \t/") != NULL) {
		efl_errbuf_set(eb, "target '%s': bad host", spec);
		free(host);
		return -1;
	}
	t->host = host;
	t->label = xstrdup(spec);
	return 0;
bad_port:
	efl_errbuf_set(eb, "target '%s': port must be 1-65535", spec);
	free(host);
	return -1;
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
