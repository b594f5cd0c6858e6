/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the inventory reader (src/fleet/inventory.c): any
 * text is read or refused with a message naming the file and a line (and
 * never the value of a key that looks like a password); what is read
 * satisfies the rules of the format (names clean and unique, ports 1 to
 * 65535, group indexes in range) and its writer's text reads back to the
 * same inventory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/inventory.h"
#include "espfleet/text.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

static char *
written(const struct efl_inventory *inv, size_t *n)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, n);

	if (efl_inventory_write(fp, inv) != 0)
		violation("the writer failed");
	fclose(fp);
	return buf;
}

static void
same(const struct efl_inventory *a, const struct efl_inventory *b)
{
	size_t i, k;

	if (a->ndevices != b->ndevices || a->ngroups != b->ngroups)
		violation("read back with other counts");
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i].name, b->groups[i].name) != 0)
			violation("a group read back changed");
	for (i = 0; i < a->ndevices; i++) {
		const struct efl_inv_device *x = &a->devices[i];
		const struct efl_inv_device *y = &b->devices[i];

		if (strcmp(x->name, y->name) != 0 ||
		    strcmp(x->address, y->address) != 0 ||
		    x->port != y->port || x->transport != y->transport ||
		    x->ngroups != y->ngroups ||
		    x->password_group != y->password_group ||
		    (x->board == NULL) != (y->board == NULL) ||
		    (x->board != NULL && strcmp(x->board, y->board) != 0))
			violation("a device read back changed");
		for (k = 0; k < x->ngroups; k++)
			if (x->groups[k] != y->groups[k])
				violation("a device's groups changed");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *out;
	struct efl_inventory inv, back;
	struct efl_errbuf eb;
	size_t i, k, n;

	memcpy(text, data, size);
	text[size] = '\0';
	memset(&eb, 0, sizeof(eb));
	if (efl_inventory_parse(&inv, "f.json", text, size, &eb) != 0) {
		if (strncmp(eb.msg, "f.json:", 7) != 0)
			violation("a refusal that does not name the file");
		if (!efl_text_is_clean(eb.msg, strlen(eb.msg)) &&
		    strchr(eb.msg, '\\') == NULL)
			violation("a message with raw control characters");
		if (inv.ndevices != 0 || inv.devices != NULL)
			violation("a refused file left devices");
		free(text);
		return 0;
	}
	for (i = 0; i < inv.ndevices; i++) {
		const struct efl_inv_device *d = &inv.devices[i];

		if (d->name[0] == '\0' || strlen(d->name) > EFL_INV_NAME_MAX ||
		    !efl_text_is_clean(d->name, strlen(d->name)))
			violation("a device name against the rules");
		if (d->port == 0)
			violation("port 0");
		if (d->password_group >= (long)inv.ngroups)
			violation("password group out of range");
		for (k = 0; k < d->ngroups; k++)
			if (d->groups[k] >= inv.ngroups)
				violation("group index out of range");
		for (k = 0; k < i; k++)
			if (strcmp(inv.devices[k].name, d->name) == 0)
				violation("a name twice");
	}
	out = written(&inv, &n);
	if (efl_inventory_parse(&back, "f.json", out, n, &eb) != 0) {
		fprintf(stderr, "%s\n%s\n", eb.msg, out);
		violation("the writer's text does not read back");
	}
	same(&inv, &back);
	free(out);
	efl_inventory_free(&back);
	efl_inventory_free(&inv);
	free(text);
	return 0;
}
