/* SPDX-License-Identifier: MIT */
/*
 * Socket address helpers (see sockaddr.h). Used by the CLI and by the libuv
 * adapters that espfleet-sim shares, so only libc here.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/sockaddr.h"

socklen_t
efl_sockaddr_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

void
efl_sockaddr_copy(struct sockaddr_storage *dst, const struct sockaddr *src)
{
	socklen_t len = efl_sockaddr_len(src);

	memset(dst, 0, sizeof(*dst));
	if (len == 0)
		dst->ss_family = src->sa_family;
	else
		memcpy(dst, src, len);
}

uint16_t
efl_sockaddr_port(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	default:
		return 0;
	}
}

void
efl_sockaddr_set_port(struct sockaddr *sa, uint16_t port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

void
efl_sockaddr_unmap(struct sockaddr_storage *out, const struct sockaddr *in)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)in;
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;

	if (in->sa_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		efl_sockaddr_copy(out, in);
		return;
	}
	memset(out, 0, sizeof(*out));
	v4->sin_family = AF_INET;
	v4->sin_port = in6->sin6_port;
	memcpy(&v4->sin_addr, in6->sin6_addr.s6_addr + 12, 4);
}

int
efl_sockaddr_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	struct sockaddr_storage ua, ub;
	const struct sockaddr_in6 *a6, *b6;

	efl_sockaddr_unmap(&ua, a);
	efl_sockaddr_unmap(&ub, b);
	if (ua.ss_family != ub.ss_family)
		return 0;
	if (ua.ss_family == AF_INET)
		return memcmp(&((struct sockaddr_in *)&ua)->sin_addr,
		    &((struct sockaddr_in *)&ub)->sin_addr,
		    sizeof(struct in_addr)) == 0;
	if (ua.ss_family != AF_INET6)
		return 0;
	a6 = (const struct sockaddr_in6 *)&ua;
	b6 = (const struct sockaddr_in6 *)&ub;
	return memcmp(&a6->sin6_addr, &b6->sin6_addr,
	    sizeof(struct in6_addr)) == 0 && (a6->sin6_scope_id == 0 ||
	    b6->sin6_scope_id == 0 || a6->sin6_scope_id == b6->sin6_scope_id);
}

int
efl_sockaddr_same_endpoint(const struct sockaddr *a, const struct sockaddr *b)
{
	return efl_sockaddr_same_addr(a, b) &&
	    efl_sockaddr_port(a) == efl_sockaddr_port(b);
}

int
efl_sockaddr_parse(struct sockaddr_storage *out, const char *text)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	char addr[INET6_ADDRSTRLEN];
	const char *zone;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		return 0;
	}
	n = strcspn(text, "%");
	if (n >= sizeof(addr))
		return -1;
	memcpy(addr, text, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET6, addr, &v6->sin6_addr) != 1)
		return -1;
	v6->sin6_family = AF_INET6;
	if (text[n] == '%') {
		zone = text + n + 1;
		if (*zone == '\0')
			return -1;
		if (strspn(zone, "0123456789") == strlen(zone))
			v6->sin6_scope_id = (uint32_t)strtoul(zone, NULL, 10);
		else
			v6->sin6_scope_id = if_nametoindex(zone);
		if (v6->sin6_scope_id == 0)
			return -1;
	}
	return 0;
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
	efl_endpoint_text(out, cap, ip, efl_sockaddr_port(sa));
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
