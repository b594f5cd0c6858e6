/* SPDX-License-Identifier: MIT */
/*
 * push --inventory (push-inventory.h): the inventory's chosen devices as
 * push targets, each with the password its group names (one secret per
 * group, handed to that group's devices only) and a transport of the
 * kind the inventory gives it (one instance per kind). The choice itself
 * is efl_inventory_choose; this file is its use by the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/inventory.h"
#include "espfleet/log.h"
#include "espfleet/loop.h"
#include "espfleet/secret.h"
#include "espfleet/session.h"
#include "espfleet/target.h"
#include "espfleet/text.h"
#include "push-inventory.h"

#define MAX_KINDS 8

struct push_inventory {
	struct efl_inventory inv;
	unsigned char *chosen;          /* per device */
	uint32_t nchosen;
	struct efl_secret *group_pw;    /* per group; read for chosen ones */
	uint32_t *device_of;            /* per target: its device */
	struct efl_transport *inst[MAX_KINDS]; /* per kind of the table */
	char via[64];
	int any_port;
};

/* The index in the table of transports (session.h) of d's kind. */
static size_t
kind_index(const struct efl_inv_device *d)
{
	const char *name = efl_inv_transport_name(d->transport);
	const struct efl_transport_kind *k;
	size_t i;

	for (i = 0; (k = efl_transport_at(i)) != NULL && i < MAX_KINDS; i++)
		if (strcmp(k->name, name) == 0)
			return i;
	efl_fatal("transport '%s' is not among the first %d of the table",
	    name, MAX_KINDS);
}

/* The kinds of the chosen devices, joined by '+' in the table's order. */
static void
note_kinds(struct push_inventory *pi)
{
	unsigned char used[MAX_KINDS] = { 0 };
	const struct efl_transport_kind *k;
	size_t i, pos = 0;

	for (i = 0; i < pi->inv.ndevices; i++)
		if (pi->chosen[i])
			used[kind_index(&pi->inv.devices[i])] = 1;
	for (i = 0; (k = efl_transport_at(i)) != NULL; i++) {
		if (!used[i])
			continue;
		pos += (size_t)snprintf(pi->via + pos, sizeof(pi->via) - pos,
		    "%s%s", pos > 0 ? "+" : "", k->name);
		if (!k->advertised_port)
			pi->any_port = 1;
	}
	if (pos == 0)   /* no device: the default transport's name */
		snprintf(pi->via, sizeof(pi->via), "%s",
		    efl_transport_at(0)->name);
}

/* The passwords of the groups of the chosen devices. 0, or -1 (eb). */
static int
read_passwords(struct push_inventory *pi, struct efl_errbuf *eb)
{
	size_t i;

	pi->group_pw = xcalloc(pi->inv.ngroups + 1, sizeof(*pi->group_pw));
	for (i = 0; i < pi->inv.ndevices; i++) {
		const struct efl_inv_device *d = &pi->inv.devices[i];

		if (!pi->chosen[i] || d->password_group < 0 ||
		    pi->group_pw[d->password_group].present)
			continue;
		if (efl_inventory_password(&pi->inv, d,
		    &pi->group_pw[d->password_group], eb) != 0)
			return -1;
	}
	return 0;
}

int
push_inventory__open(const struct push_inventory_choice *c,
    struct push_inventory **out)
{
	struct push_inventory *pi = xcalloc(1, sizeof(*pi));
	struct efl_errbuf eb;
	uint32_t selected;
	long n;

	*out = NULL;
	if (efl_inventory_load(&pi->inv, c->path, &eb) != 0) {
		efl_error("%s", eb.msg);
		push_inventory__free(pi);
		return EFL_EXIT_SETUP;
	}
	pi->chosen = xcalloc(pi->inv.ndevices + 1, 1);
	n = efl_inventory_choose(&pi->inv, c->groups, c->ngroups, c->sel,
	    c->shard, pi->chosen, &selected, &eb);
	if (n < 0) {
		efl_error("%s", eb.msg);
		push_inventory__free(pi);
		return EFL_EXIT_USAGE;
	}
	if (selected == 0) {
		char shown[160];

		efl_printable(shown, sizeof(shown), c->path, strlen(c->path));
		efl_error("no target: no device of %s is in the selection",
		    shown);
		push_inventory__free(pi);
		return EFL_EXIT_NO_TARGET;
	}
	pi->nchosen = (uint32_t)n;
	if (read_passwords(pi, &eb) != 0) {
		efl_error("%s", eb.msg);
		push_inventory__free(pi);
		return EFL_EXIT_SETUP;
	}
	note_kinds(pi);
	*out = pi;
	return 0;
}

unsigned
push_inventory__options(const struct push_inventory *pi)
{
	unsigned mask = 0;
	size_t i;

	for (i = 0; i < pi->inv.ndevices; i++)
		mask |= efl_transport_at(kind_index(
		    &pi->inv.devices[i]))->options;
	return mask;
}

int
push_inventory__targets(struct push_inventory *pi, uv_loop_t *loop,
    struct efl_target **targets, uint32_t *n)
{
	struct efl_target *t = xcalloc(pi->nchosen + 1, sizeof(*t));
	struct efl_errbuf eb;
	uint32_t k = 0;
	size_t i;

	/* every password is read, the command's own too: the variables
	 * the groups name leave the environment */
	efl_inventory_drop_env(&pi->inv);
	pi->device_of = xcalloc(pi->nchosen + 1, sizeof(*pi->device_of));
	for (i = 0; i < pi->inv.ndevices; i++) {
		const struct efl_inv_device *d = &pi->inv.devices[i];

		if (!pi->chosen[i])
			continue;
		if (efl_inventory_target(d, &t[k], &eb) != 0) {
			efl_error("%s", eb.msg);
			goto fail;
		}
		if (d->password_group >= 0)
			t[k].password = &pi->group_pw[d->password_group];
		pi->device_of[k++] = (uint32_t)i;
	}
	*targets = t;
	*n = k;
	if (efl_targets_resolve(loop, t, k, &eb) != 0) {
		efl_error("%s", eb.msg);
		return efl_loop_canceled(loop) ? EFL_EXIT_FAILED :
		    EFL_EXIT_SETUP;
	}
	if (efl_targets_check_unicast(t, k, &eb) != 0) {
		efl_error("%s", eb.msg);
		return EFL_EXIT_SETUP;
	}
	return 0;
fail:
	while (k > 0)
		efl_target_free(&t[--k]);
	free(t);
	return EFL_EXIT_SETUP;
}

int
push_inventory__transports(struct push_inventory *pi, uv_loop_t *loop,
    const struct efl_transport_opts *to, struct efl_target *targets,
    uint32_t n)
{
	struct efl_errbuf eb;
	uint32_t k;
	size_t i;

	for (k = 0; k < n; k++) {
		i = kind_index(&pi->inv.devices[pi->device_of[k]]);
		if (pi->inst[i] == NULL &&
		    (pi->inst[i] = efl_transport_new(efl_transport_at(i), loop,
		    to, &eb)) == NULL) {
			efl_error("%s", eb.msg);
			return EFL_EXIT_SETUP;
		}
		targets[k].transport = pi->inst[i];
	}
	return 0;
}

const char *
push_inventory__via(const struct push_inventory *pi)
{
	return pi->via;
}

int
push_inventory__any_port(const struct push_inventory *pi)
{
	return pi->any_port;
}

void
push_inventory__free(struct push_inventory *pi)
{
	size_t i;

	if (pi == NULL)
		return;
	for (i = 0; i < MAX_KINDS; i++)
		efl_transport_free(pi->inst[i]);
	for (i = 0; pi->group_pw != NULL && i < pi->inv.ngroups; i++)
		efl_secret_wipe(&pi->group_pw[i]);
	free(pi->group_pw);
	free(pi->device_of);
	free(pi->chosen);
	efl_inventory_free(&pi->inv);
	free(pi);
}
