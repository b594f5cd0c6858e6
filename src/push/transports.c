/* SPDX-License-Identifier: MIT */
/*
 * The table of transports (session.h): one entry each, defined next to
 * its code. A new transport is one new file that defines its
 * efl_transport_kind, and one line here (docs/architecture.md section 4).
 */
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/session.h"

extern const struct efl_transport_kind efl_transport_espota; /* espota.c */
extern const struct efl_transport_kind efl_transport_http; /* http-push.c */

static const struct efl_transport_kind *const kinds[] = {
	&efl_transport_espota,
	&efl_transport_http,
};

const struct efl_transport_kind *
efl_transport_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i]->name, name) == 0)
			return kinds[i];
	return NULL;
}

const struct efl_transport_kind *
efl_transport_at(size_t i)
{
	return i < ARRAY_SIZE(kinds) ? kinds[i] : NULL;
}
