/* SPDX-License-Identifier: MIT */
/*
 * A simulated NOR flash that follows the rules and fails on purpose (in the
 * manner of MCUboot's simflash and littlefs' emubd): erase only whole
 * aligned sectors, program only aligned runs that clear bits (1 -> 0), stay
 * in bounds; count every operation; and lose power at a chosen operation,
 * which is then torn (only its first half takes effect) and every later
 * operation fails with EFA_E_POWERLOSS until flashsim_power_on().
 *
 * Storage is pluggable: memory (here, pure C99, also used by the core's
 * unit tests on lx106) or a file (flashsim-file.c, for espfleet-sim).
 */
#ifndef ESPFLEET_FLASHSIM_H
#define ESPFLEET_FLASHSIM_H

#include <stdint.h>

#include "efa/efa_flash.h"

/* Raw byte storage under the rules engine (no rules of its own). Each
 * function returns 0 on success, nonzero on failure (which the engine
 * reports as EFA_E_READ, EFA_E_WRITE or EFA_E_ERASE). */
struct flashsim_store {
	int (*read)(void *ctx, uint32_t off, uint8_t *buf, uint32_t len);
	int (*write)(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len);
	/* Optional: set [off, off+len) to the erased state (0xFF) cheaply. */
	int (*erase)(void *ctx, uint32_t off, uint32_t len);
	void *ctx;
};

struct flashsim {
	struct flashsim_store store;
	struct efa_flash_ops ops;  /* bound to this instance's geometry */
	uint32_t size;
	uint32_t op_count;         /* erase + prog operations so far (those
	                            * that broke a rule did nothing and are
	                            * not counted) */
	uint32_t powerloss_at;     /* op_count value that tears; 0 = never */
	uint8_t powered;
	uint32_t violations;       /* rule violations (tests expect 0) */
	char last_violation[96];   /* e.g. "prog: 0->1 (not erased) off ..." */
	/* [erased_lo, erased_hi): known to be erased since this engine erased
	 * it (the tail of the sectors a writer fills in order), so programs
	 * there need not read the store first */
	uint32_t erased_lo, erased_hi;
};

void flashsim_init(struct flashsim *f, const struct flashsim_store *store,
    uint32_t size, uint32_t sector_size, uint32_t prog_align);

/* The efa_flash_ops of f (ctx = f). */
const struct efa_flash_ops *flashsim_flash_ops(struct flashsim *f);

/* Lose power at the n-th erase/program operation from now (n >= 1; 0 is
 * the same as flashsim_no_fail). That operation is torn: an erase sets only
 * the first half of its range to 0xFF, a program applies only the first
 * half of its bytes (rounded down to prog_align); it returns
 * EFA_E_POWERLOSS, and so does every operation, reads included, until
 * flashsim_power_on(). A rule violation returns EFA_E_ERASE/EFA_E_WRITE/
 * EFA_E_READ, increments violations and changes nothing. */
void flashsim_fail_after(struct flashsim *f, uint32_t n);

/* Cancel a pending power loss. */
void flashsim_no_fail(struct flashsim *f);

/* Restore power after a loss and cancel any pending one (a reboot follows
 * in the caller). */
void flashsim_power_on(struct flashsim *f);

/* Memory storage: 'bytes' of 'size' bytes, owned by the caller. */
struct flashsim_mem {
	uint8_t *bytes;
	uint32_t size;
};
void flashsim_mem_store(struct flashsim_store *store, struct flashsim_mem *m);

#endif
