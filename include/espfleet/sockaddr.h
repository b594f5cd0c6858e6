/* SPDX-License-Identifier: MIT */
/*
 * Socket addresses of either family (IPv4, IPv6) handled in one place:
 * length, copy, port, comparison (an IPv4 address arriving on a dual-stack
 * socket as ::ffff:a.b.c.d counts as that IPv4 address), parsing and text.
 * Pure functions over libc; no code elsewhere switches on the family.
 */
#ifndef ESPFLEET_SOCKADDR_H
#define ESPFLEET_SOCKADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* sizeof(struct sockaddr_in) or (sockaddr_in6) for sa's family; 0 for
 * any other family. */
socklen_t efl_sockaddr_len(const struct sockaddr *sa);

/* Copy src into *dst (the rest of *dst zeroed). */
void efl_sockaddr_copy(struct sockaddr_storage *dst,
    const struct sockaddr *src);

/* The port (host byte order), 0 for another family. */
uint16_t efl_sockaddr_port(const struct sockaddr *sa);
void efl_sockaddr_set_port(struct sockaddr *sa, uint16_t port);

/* *out = in, but a v4-mapped IPv6 address (::ffff:a.b.c.d) becomes the
 * IPv4 address a.b.c.d with the same port. */
void efl_sockaddr_unmap(struct sockaddr_storage *out,
    const struct sockaddr *in);

/* 1 if a and b name the same host address, after unmapping both; IPv6
 * scope ids are compared when both are set. Ports are ignored. */
int efl_sockaddr_same_addr(const struct sockaddr *a,
    const struct sockaddr *b);

/* 1 if a and b are the same address and the same port. */
int efl_sockaddr_same_endpoint(const struct sockaddr *a,
    const struct sockaddr *b);

/* A numeric IPv4 address (dotted quad) or IPv6 address, with an optional
 * zone ("fe80::1%eth0", "fe80::1%2"), into *out with port 0. 0, or -1 when
 * text is neither. */
int efl_sockaddr_parse(struct sockaddr_storage *out, const char *text);

/* Why no single device can have the address sa: "a multicast address" or
 * "the broadcast address" (IPv4 224.0.0.0/4 and 255.255.255.255, IPv6
 * ff00::/8, also v4-mapped), or NULL. Pure. */
const char *efl_sockaddr_group_kind(const struct sockaddr *sa);

/* The address as text, without the port ("?" when it does not fit). */
void efl_sockaddr_text(const struct sockaddr *sa, char *out, size_t cap);

/* "ADDR:PORT", or "[ADDR]:PORT" when addr is an IPv6 address. */
void efl_endpoint_text(char *out, size_t cap, const char *addr,
    unsigned port);

/* The same for a socket address and its own port. */
void efl_sockaddr_endpoint_text(const struct sockaddr *sa, char *out,
    size_t cap);

#endif
