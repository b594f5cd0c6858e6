/* SPDX-License-Identifier: MIT */
/*
 * Resolving push targets before any device is contacted (see target.h):
 * host names through the system resolver on the loop, numeric addresses
 * directly; duplicates (the same device twice) are refused.
 */
#include <netdb.h>
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

int
efl_targets_resolve(uv_loop_t *loop, struct efl_target *t, uint32_t n,
    struct efl_errbuf *eb)
{
	struct lookup *l = xcalloc(n ? n : 1, sizeof(*l));
	struct addrinfo hints;
	uint32_t i, j, pending = 0;
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
	for (i = 0; i < n && rc == 0; i++)
		for (j = i + 1; j < n && rc == 0; j++)
			if (same_device(&t[i], &t[j])) {
				efl_errbuf_set(eb, "targets '%s' and '%s' are the "
				    "same device (%s port %u)", t[i].label,
				    t[j].label, t[i].addr_text, t[i].port);
				rc = -1;
			}
	free(l);
	return rc;
}
