/* SPDX-License-Identifier: MIT */
/*
 * Target selection from discovered devices and its skip rules (see
 * select.h).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "efa/efa_port.h"
#include "espfleet/common.h"
#include "espfleet/discover.h"
#include "espfleet/select.h"
#include "espfleet/target.h"
#include "espfleet/text.h"

int
efl_select_name_board(const struct efl_selection *sel, const char *name,
    const char *board)
{
	uint32_t i;

	if (sel->board != NULL && (board == NULL ||
	    strcasecmp(board, sel->board) != 0))
		return 0;
	if (sel->nmatch == 0)
		return 1;
	for (i = 0; i < sel->nmatch; i++)
		if (fnmatch(sel->match[i], name, 0) == 0)
			return 1;
	return 0;
}

int
efl_select_device(const struct efl_selection *sel, const struct efl_device *d)
{
	return d->present && efl_select_name_board(sel, d->name, d->board);
}

/* The scheme a device advertises (TXT efa_auth), NONE if unknown. */
static enum efa_auth_scheme
advertised_scheme(const struct efl_device *d)
{
	static const enum efa_auth_scheme schemes[] = { EFA_AUTH_MD5,
		EFA_AUTH_SHA256 };
	size_t i;

	for (i = 0; d->auth != NULL && i < ARRAY_SIZE(schemes); i++)
		if (strcmp(d->auth, efa_auth_scheme_name(schemes[i])) == 0)
			return schemes[i];
	return EFA_AUTH_NONE;
}

/* Why a device that advertises what d does needs no update or cannot
 * take it; NULL if neither. */
static char *
image_skip_reason(const struct efl_selection *sel,
    const struct efl_device *d)
{
	if (sel->command != 0)
		return NULL;   /* a filesystem image: neither check applies */
	if (d->md5 != NULL && strcasecmp(d->md5, sel->image_md5) == 0)
		return xstrdup("already running this image (efa_md5 matches)");
	if (d->free_space >= 0 && (uint64_t)d->free_space < sel->image_size)
		return xasprintf("not enough free space (efa_free %lld bytes, "
		    "image %u bytes)", (long long)d->free_space,
		    sel->image_size);
	return NULL;
}

/* Why t, found as d, is not pushed to; NULL if it is. */
static char *
skip_reason(const struct efl_selection *sel, struct efl_target *t,
    const struct efl_device *d)
{
	char why[160];

	if (!efl_target_numeric(t))
		return xasprintf("unusable address '%s'", t->host);
	if (efl_target_not_unicast(t, why, sizeof(why)) != NULL)
		return xasprintf("not one device's address: %s", why);
	return image_skip_reason(sel, d);
}

/* What mDNS says of the device behind t. */
static void
take_txt(struct efl_target *t, const struct efl_device *d)
{
	t->board = d->board != NULL ? xstrdup(d->board) : NULL;
	t->running_md5 = d->md5 != NULL ? xstrdup(d->md5) : NULL;
	t->free_space = d->free_space > 0 ? (uint32_t)d->free_space : 0;
	t->auth_upload = d->auth_upload;
	t->auth_scheme = advertised_scheme(d);
	t->gzip = efl_device_gzip(d);
}

/* A target for a discovered device, with the reason it is skipped. */
static void
target_from_device(struct efl_target *t, const struct efl_selection *sel,
    const struct efl_device *d)
{
	memset(t, 0, sizeof(*t));
	t->label = xstrdup(d->name);
	t->host = xstrdup(d->addr);
	t->port = sel->port != 0 ? sel->port : d->port;
	t->name = xstrdup(d->name);
	t->mdns_named = 1;
	take_txt(t, d);
	t->skip_reason = skip_reason(sel, t, d);
	/* a link-local address is shown with its zone ("fe80::1%eth0") */
	if (strchr(t->host, '%') != NULL)
		snprintf(t->addr_text, sizeof(t->addr_text), "%s", t->host);
}

/* The earlier target that is the same device as t (address and port). */
static const struct efl_target *
same_device(const struct efl_target *t, const struct efl_target *earlier,
    uint32_t n)
{
	uint32_t j;

	for (j = 0; j < n; j++)
		if (earlier[j].skip_reason == NULL &&
		    efl_sockaddr_same_endpoint(
		    (const struct sockaddr *)&earlier[j].addr,
		    (const struct sockaddr *)&t->addr))
			return &earlier[j];
	return NULL;
}

struct efl_target *
efl_select_targets(const struct efl_selection *sel,
    const struct efl_device *const *devices, uint32_t ndevs, uint32_t *n)
{
	struct efl_target *t = xcalloc(ndevs ? ndevs : 1, sizeof(*t));
	const struct efl_target *first;
	uint32_t i, k = 0;

	for (i = 0; i < ndevs; i++) {
		if (!efl_select_device(sel, devices[i]))
			continue;
		target_from_device(&t[k], sel, devices[i]);
		if (t[k].skip_reason == NULL &&
		    (first = same_device(&t[k], t, k)) != NULL) {
			char shown[128];

			efl_printable(shown, sizeof(shown), first->label,
			    strlen(first->label));
			t[k].skip_reason = xasprintf("same device as '%s' (%s "
			    "port %u)", shown, t[k].addr_text, t[k].port);
		}
		k++;
	}
	*n = k;
	return t;
}

void
efl_select_take_facts(const struct efl_selection *sel, struct efl_target *t,
    const struct efl_device *d)
{
	free(t->board);
	free(t->running_md5);
	take_txt(t, d);
	if (t->skip_reason == NULL)
		t->skip_reason = image_skip_reason(sel, d);
}
