/* SPDX-License-Identifier: MIT */
/*
 * The table of transports (session.h): one entry each, defined next to
 * its code, and the calls that go through an instance's kind. A new
 * transport is one new file that defines its efl_transport_kind, and one
 * line here (docs/architecture.md section 4).
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

struct efl_transport *
efl_transport_new(const struct efl_transport_kind *k, uv_loop_t *loop,
    const struct efl_transport_opts *o, struct efl_errbuf *eb)
{
	struct efl_transport *t = k->create(loop, o, eb);

	if (t != NULL)
		t->kind = k;
	return t;
}

void *
efl_transport_start(struct efl_transport *t,
    const struct efl_session_config *cfg, const struct sockaddr *addr,
    const struct efl_session_callbacks *cb, struct efl_errbuf *eb)
{
	return t->kind->start(t, cfg, addr, cb, eb);
}

void
efl_transport_cancel(struct efl_transport *t, void *session)
{
	t->kind->cancel(t, session);
}

void
efl_transport_free(struct efl_transport *t)
{
	if (t != NULL)
		t->kind->free(t);
}
