/* SPDX-License-Identifier: MIT */
/*
 * Fault specifications of espfleet-sim: "--fault KIND[=ARG][:DEVICES]",
 * DEVICES like "3,7-9" (1-based device numbers; default every device).
 */
#ifndef ESPFLEET_SIM_FAULT_H
#define ESPFLEET_SIM_FAULT_H

#include <stddef.h>
#include <stdint.h>

enum sim_fault_kind {
	SIM_FAULT_SILENT,       /* never answers */
	SIM_FAULT_NO_SPACE,     /* reports no free space */
	SIM_FAULT_DROP_AT,      /* closes the data connection after ARG bytes, once */
	SIM_FAULT_BOOT_OLD,     /* says OK, then boots the previous image */
	SIM_FAULT_POWERLOSS_AT, /* power fails at the ARG-th flash op, once */
	SIM_FAULT_NO_CONNECT,   /* says OK but never connects back */
	SIM_FAULT_GONE,         /* after an update: says OK, goes offline for
	                           the reboot and never comes back */
	SIM_FAULT_CRASH_LOOP,   /* a new image crashes (restarts) instead of
	                           confirming, until it is rolled back */
	SIM_FAULT_UNHEALTHY,    /* a new image runs but never confirms */
	SIM_FAULT_CRASH_AFTER   /* a new image crashes (restarts) ARG ms
	                           after it confirmed itself, once */
};

#define SIM_FAULT_MAX_RANGES 32

struct sim_fault {
	enum sim_fault_kind kind;
	uint32_t arg;
	uint32_t nranges;   /* 0 = all devices */
	struct {
		uint32_t lo, hi;
	} ranges[SIM_FAULT_MAX_RANGES];
};

/* Parse spec into *f. 0, or -1 with a message in err. */
int sim_fault_parse(const char *spec, struct sim_fault *f, char *err,
    size_t errlen);

/* 1 if the fault applies to device number k (1-based). */
int sim_fault_applies(const struct sim_fault *f, uint32_t k);

/* "silent", "no-space", ... */
const char *sim_fault_kind_name(enum sim_fault_kind kind);

#endif
