/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of push target parsing (src/fleet/target.c): any
 * text as a target ("ADDR[:PORT]", "[IPv6]:PORT", names) with any default
 * port, then efl_target_numeric, efl_sockaddr_group_kind and the endpoint
 * texts. Checks: a refused target leaves nothing allocated and a printable
 * message; an accepted one has a host without blanks or '/', keeps the
 * text as its label, its "host:port" endpoint text parses back to the same
 * host and port, and its address kind is one of the two documented.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/target.h"
#include "fuzz-input.h"
#include "fuzz-utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what, const char *spec)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s (spec '%s')\n", what, spec);
	fuzz_abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct efl_target t, again;
	struct efl_errbuf eb;
	uint16_t def;
	char *spec, *ep, sa[80];
	const char *kind;
	const unsigned char *c;
	size_t n;

	fuzz_init(&in, data, size);
	def = fuzz_u16(&in);
	n = fuzz_left(&in);
	spec = malloc(n + 1);  /* exact size: overreads show */
	memcpy(spec, data + (size - n), n);
	spec[n] = '\0';
	memset(&eb, 0, sizeof(eb));
	if (efl_target_parse(&t, spec, def, &eb) != 0) {
		if (t.host != NULL || t.label != NULL)
			violation("refused target kept allocations", spec);
		if (eb.msg[0] == '\0' ||
		    !fuzz_utf8_ok(eb.msg, strlen(eb.msg), 1))
			violation("refusal message empty or not printable",
			    spec);
		free(spec);
		return 0;
	}
	if (t.host == NULL || t.label == NULL || strcmp(t.label, spec) != 0)
		violation("accepted target without host or label", spec);
	for (c = (const unsigned char *)t.host; *c != '\0'; c++)
		if (*c <= ' ' || *c == 0x7f || *c == '/')
			violation("host holds a blank or '/'", spec);
	if (efl_target_numeric(&t)) {
		if (t.addr_text[0] == '\0' || t.addr_len == 0)
			violation("numeric target without address", spec);
		efl_sockaddr_endpoint_text((struct sockaddr *)&t.addr, sa,
		    sizeof(sa));
		kind = efl_sockaddr_group_kind((struct sockaddr *)&t.addr);
		if (kind != NULL && strcmp(kind, "a multicast address") != 0 &&
		    strcmp(kind, "the broadcast address") != 0)
			violation("unknown address kind", spec);
	}
	if (t.port != 0) {
		n = strlen(t.host) + 16;
		ep = malloc(n);
		efl_endpoint_text(ep, n, t.host, t.port);
		memset(&eb, 0, sizeof(eb));
		if (efl_target_parse(&again, ep, 1, &eb) != 0)
			violation("endpoint text of an accepted target "
			    "refused", spec);
		if (strcmp(again.host, t.host) != 0 || again.port != t.port)
			violation("endpoint text parses to another target",
			    spec);
		efl_target_free(&again);
		free(ep);
	}
	efl_target_free(&t);
	free(spec);
	return 0;
}
