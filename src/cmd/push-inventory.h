/* SPDX-License-Identifier: MIT */
/*
 * push --inventory: the devices of an inventory a push takes (by group,
 * name, board and shard), with each one's group password and transport
 * (espfleet-inventory(5)). Used by cmd-push.c only.
 */
#ifndef ESPFLEET_PUSH_INVENTORY_H
#define ESPFLEET_PUSH_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

struct efl_selection;
struct efl_shard;
struct efl_target;
struct efl_transport_opts;
struct push_inventory;
typedef struct uv_loop_s uv_loop_t;

struct push_inventory_choice {
	const char *path;                  /* --inventory */
	const char *const *groups;         /* --group */
	size_t ngroups;
	const struct efl_selection *sel;   /* --match, --board */
	const struct efl_shard *shard;     /* NULL without --shard */
};

/*
 * Read the inventory, choose its devices and read the passwords of their
 * groups (before the command takes ESPFLEET_PASSWORD, which a group may
 * name). 0 with *out, or an exit status after the message: 3 a bad file
 * or password, 2 an undeclared group, 4 a selection without devices (a
 * shard without any is not one).
 */
int push_inventory__open(const struct push_inventory_choice *c,
    struct push_inventory **out);

/* The EFL_TOPT_* options some transport of the inventory's devices
 * takes, and their names ("espota or http"). */
unsigned push_inventory__options(const struct push_inventory *pi);

/*
 * The chosen devices as targets (*n of them, resolved, each with its
 * group's password when its groups name one), in the inventory's order.
 * 0, or an exit status after the message.
 */
int push_inventory__targets(struct push_inventory *pi, uv_loop_t *loop,
    struct efl_target **targets, uint32_t *n);

/*
 * Start a transport of each kind the targets use and hand each target
 * its own (targets as push_inventory__targets gave them). 0, or
 * EFL_EXIT_SETUP after the message.
 */
int push_inventory__transports(struct push_inventory *pi, uv_loop_t *loop,
    const struct efl_transport_opts *to, struct efl_target *targets,
    uint32_t n);

/* The transports of the chosen devices as a report says them ("espota",
 * "espota+http"), and whether one of them does not talk to the port
 * mDNS advertises (verification then matches by address alone). */
const char *push_inventory__via(const struct push_inventory *pi);
int push_inventory__any_port(const struct push_inventory *pi);

/* Wipe the passwords and free everything (NULL: nothing). */
void push_inventory__free(struct push_inventory *pi);

#endif
