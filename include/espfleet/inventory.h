/* SPDX-License-Identifier: MIT */
/*
 * The fleet inventory (espfleet-inventory(5)): a JSON file naming every
 * device (address or host name, port, transport, board, groups) and, per
 * group, where that group's OTA password comes from: an environment
 * variable's name or a file, never the password itself. Read strictly:
 * every problem is reported as "FILE:LINE:COL: what is wrong". Also built
 * from code (discover --inventory-out) and written back in the same format.
 */
#ifndef ESPFLEET_INVENTORY_H
#define ESPFLEET_INVENTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

struct efl_secret;
struct efl_selection;
struct efl_shard;
struct efl_target;

enum efl_inv_transport {
	EFL_INV_ESPOTA = 0,
	EFL_INV_HTTP
};

/* Limits of the format. */
#define EFL_INV_NAME_MAX 63       /* bytes of a device name (a DNS label) */
#define EFL_INV_GROUP_MAX 63      /* bytes of a group name */
#define EFL_INV_ENV_MAX 255       /* bytes of an environment variable name */
#define EFL_INV_PATH_MAX 4096     /* bytes of a password file's path */
#define EFL_INV_MAX_DEVICES 100000

struct efl_inv_group {
	char *name;
	/* at most one is set: where the group's password comes from */
	char *password_env;       /* an environment variable's name */
	char *password_file;      /* as written in the file */
	char *password_path;      /* password_file, relative to the
	                             inventory's directory when not absolute */
	uint32_t line;            /* of its key in the file; 0 if built */
};

struct efl_inv_device {
	char *name;               /* unique; printable UTF-8 */
	char *address;            /* an IP address or a host name */
	uint16_t port;
	enum efl_inv_transport transport;
	char *board;              /* NULL when not given */
	uint32_t *groups;         /* indexes into inv->groups */
	size_t ngroups;
	/* the group that gives its password (inv->groups index), or -1 */
	long password_group;
	uint32_t line;            /* of its object in the file; 0 if built */
};

struct efl_inventory {
	char *path;               /* the file, for messages; NULL if built */
	struct efl_inv_group *groups;
	size_t ngroups;
	struct efl_inv_device *devices;
	size_t ndevices;
};

/* "espota", "http". */
const char *efl_inv_transport_name(enum efl_inv_transport t);
/* The default device port of a transport (8266, 80). */
uint16_t efl_inv_transport_port(enum efl_inv_transport t);

/* Read and check path. 0, or -1 with "PATH:LINE:COL: problem" in eb
 * (callers exit EFL_EXIT_SETUP: see espfleet-inventory(5)). */
int efl_inventory_load(struct efl_inventory *inv, const char *path,
    struct efl_errbuf *eb);
/* The same for text[0..len) (text[len] a NUL), named path in messages. */
int efl_inventory_parse(struct efl_inventory *inv, const char *path,
    const char *text, size_t len, struct efl_errbuf *eb);
void efl_inventory_free(struct efl_inventory *inv);

/* ---- built from code (discover --inventory-out) ---- */

void efl_inventory_init(struct efl_inventory *inv);
/* Add a device under the rules of the file (name, address, uniqueness).
 * 0, or -1 (eb) leaving inv unchanged. */
int efl_inventory_add_device(struct efl_inventory *inv, const char *name,
    const char *address, uint16_t port, enum efl_inv_transport transport,
    const char *board, struct efl_errbuf *eb);
/* Write inv in the file format, one device per line in inv's order (sort
 * them first for a stable file). 0, or -1 on a write error. */
int efl_inventory_write(FILE *fp, const struct efl_inventory *inv);

/* ---- using it ---- */

/* Index of the group called name, or -1. */
long efl_inventory_group(const struct efl_inventory *inv, const char *name);

/*
 * Mark in selected[ndevices] the devices in any of groups[0..ngroups)
 * (every device when ngroups is 0). The number selected, or -1 (eb) when
 * a group is not declared in the file (callers exit EFL_EXIT_USAGE: it is
 * a bad --group argument).
 */
long efl_inventory_select(const struct efl_inventory *inv,
    const char *const *groups, size_t ngroups, unsigned char *selected,
    struct efl_errbuf *eb);

/*
 * The devices a push takes, marked in chosen[ndevices]: those in any of
 * groups[0..ngroups) (every device when ngroups is 0) that sel's
 * patterns and board take (on their names and their inventory boards;
 * sel NULL: all), then of those the ones in shard (NULL: all). *selected
 * is the count before the shard. The count chosen, or -1 (eb) as
 * efl_inventory_select.
 */
long efl_inventory_choose(const struct efl_inventory *inv,
    const char *const *groups, size_t ngroups,
    const struct efl_selection *sel, const struct efl_shard *shard,
    unsigned char *chosen, uint32_t *selected, struct efl_errbuf *eb);

/* A push target for d: efl_target_parse of its address and port, with
 * t->name its inventory name. 0 or -1 (eb). */
int efl_inventory_target(const struct efl_inv_device *d,
    struct efl_target *t, struct efl_errbuf *eb);

/*
 * The password of d's group into pw (pw->present 0 when its groups name
 * none: the command's own password applies): the environment variable
 * (which must be set and not empty) or the first line of the file.
 * 0, or -1 (eb; callers exit EFL_EXIT_SETUP). pw->source points into
 * inv (the variable's name or "--password-file"). The variable stays in
 * the environment (several groups may name it): efl_inventory_drop_env
 * once every password is read.
 */
int efl_inventory_password(const struct efl_inventory *inv,
    const struct efl_inv_device *d, struct efl_secret *pw,
    struct efl_errbuf *eb);
/* Wipe and unset every password_env variable the inventory names, once
 * the passwords are read (child processes must not inherit them). */
void efl_inventory_drop_env(const struct efl_inventory *inv);

#endif
