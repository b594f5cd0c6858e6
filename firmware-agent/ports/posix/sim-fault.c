/* SPDX-License-Identifier: MIT */
/*
 * Parser for espfleet-sim's --fault specifications (see sim-fault.h).
 * Strict: unknown kinds, missing or stray arguments and bad ranges are
 * errors with a message naming the offending part.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-fault.h"

/* Every kind; the parser and its list of known kinds both come from here. */
static const struct {
	const char *name;
	enum sim_fault_kind kind;
	const char *arg;        /* what follows '=' ("BYTES"), or NULL */
} kinds[] = {
	{ "silent", SIM_FAULT_SILENT, NULL },
	{ "no-space", SIM_FAULT_NO_SPACE, NULL },
	{ "drop-at", SIM_FAULT_DROP_AT, "BYTES" },
	{ "boot-old", SIM_FAULT_BOOT_OLD, NULL },
	{ "powerloss-at", SIM_FAULT_POWERLOSS_AT, "N" },
	{ "no-connect", SIM_FAULT_NO_CONNECT, NULL },
	{ "gone", SIM_FAULT_GONE, NULL },
	{ "crash-loop", SIM_FAULT_CRASH_LOOP, NULL },
	{ "unhealthy", SIM_FAULT_UNHEALTHY, NULL },
	{ "crash-after", SIM_FAULT_CRASH_AFTER, "MS" },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const char *
sim_fault_kind_name(enum sim_fault_kind kind)
{
	size_t i;

	for (i = 0; i < NKINDS; i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "?";
}

/* Parse a positive decimal number that ends at *end. */
static int
parse_u32(const char *s, const char **end, uint32_t *out)
{
	char *e;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno != 0 || v > 0xffffffffUL)
		return -1;
	*out = (uint32_t)v;
	*end = e;
	return 0;
}

static int
parse_devices(const char *s, struct sim_fault *f, char *err, size_t errlen)
{
	const char *p = s;

	if (*p == '\0') {
		snprintf(err, errlen, "empty device list after ':'");
		return -1;
	}
	while (*p != '\0') {
		uint32_t lo, hi;
		const char *e;

		if (parse_u32(p, &e, &lo) != 0 || lo == 0) {
			snprintf(err, errlen, "bad device number at '%s' "
			    "(devices are numbered from 1)", p);
			return -1;
		}
		hi = lo;
		if (*e == '-') {
			p = e + 1;
			if (parse_u32(p, &e, &hi) != 0 || hi < lo) {
				snprintf(err, errlen, "bad device range ending "
				    "at '%s'", p);
				return -1;
			}
		}
		if (*e != ',' && *e != '\0') {
			snprintf(err, errlen, "unexpected '%c' in device list",
			    *e);
			return -1;
		}
		if (f->nranges == SIM_FAULT_MAX_RANGES) {
			snprintf(err, errlen, "too many device ranges (max %d)",
			    SIM_FAULT_MAX_RANGES);
			return -1;
		}
		f->ranges[f->nranges].lo = lo;
		f->ranges[f->nranges].hi = hi;
		f->nranges++;
		p = *e == ',' ? e + 1 : e;
		if (*e == ',' && *p == '\0') {
			snprintf(err, errlen, "trailing ',' in device list");
			return -1;
		}
	}
	return 0;
}

/* "unknown fault kind 'kind' (known: silent, ..., drop-at=BYTES, ...)" */
static void
unknown_kind(const char *kind, char *err, size_t errlen)
{
	size_t i, n;
	int w;

	w = snprintf(err, errlen, "unknown fault kind '%s' (known: ", kind);
	n = w > 0 ? (size_t)w : 0;
	for (i = 0; i < NKINDS && n < errlen; i++) {
		w = snprintf(err + n, errlen - n, "%s%s%s%s%s",
		    i > 0 ? ", " : "", kinds[i].name,
		    kinds[i].arg != NULL ? "=" : "",
		    kinds[i].arg != NULL ? kinds[i].arg : "",
		    i + 1 == NKINDS ? ")" : "");
		n += w > 0 ? (size_t)w : 0;
	}
}

int
sim_fault_parse(const char *spec, struct sim_fault *f, char *err,
    size_t errlen)
{
	char kind[32];
	const char *p = spec, *devs = strchr(spec, ':');
	size_t n = strcspn(spec, "=:"), i;
	int found = -1;

	memset(f, 0, sizeof(*f));
	if (n == 0 || n >= sizeof(kind)) {
		snprintf(err, errlen, "fault '%s': missing or overlong kind",
		    spec);
		return -1;
	}
	memcpy(kind, spec, n);
	kind[n] = '\0';
	for (i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i].name, kind) == 0)
			found = (int)i;
	if (found < 0) {
		unknown_kind(kind, err, errlen);
		return -1;
	}
	f->kind = kinds[found].kind;
	p = spec + n;
	if (*p == '=') {
		const char *e;

		if (kinds[found].arg == NULL) {
			snprintf(err, errlen, "fault '%s' takes no argument",
			    kind);
			return -1;
		}
		if (parse_u32(p + 1, &e, &f->arg) != 0 || f->arg == 0 ||
		    (*e != ':' && *e != '\0')) {
			snprintf(err, errlen, "fault '%s' needs a positive "
			    "number after '=' (got '%s')", kind, p + 1);
			return -1;
		}
	} else if (kinds[found].arg != NULL) {
		snprintf(err, errlen, "fault '%s' needs an argument: %s=N",
		    kind, kind);
		return -1;
	}
	if (devs != NULL && parse_devices(devs + 1, f, err, errlen) != 0)
		return -1;
	return 0;
}

int
sim_fault_applies(const struct sim_fault *f, uint32_t k)
{
	uint32_t i;

	if (f->nranges == 0)
		return 1;
	for (i = 0; i < f->nranges; i++)
		if (k >= f->ranges[i].lo && k <= f->ranges[i].hi)
			return 1;
	return 0;
}
