/* SPDX-License-Identifier: MIT */
/*
 * The core's flash writer and boot-time swapper for the ESP8266 layout,
 * where the sketch runs from the start of the flash and an update must fit
 * beside it (docs/protocol.md 5.3):
 *
 *   0 .. running image | free | previous / staged image | FS | boot | info
 *
 * A new image is staged in the upper half of the sketch area, verified by
 * reading it back, and committed by one program of the boot record. At the
 * next boot efa_boot_run() swaps it with the running image sector by sector
 * (progress recorded in the boot record, so a swap cut by power loss
 * resumes), and the new image runs on trial: the previous one stays where
 * the new one was staged until the application confirms the new one
 * (efa_flash_end_trial). An image started EFA_TRIAL_BOOTS times without a
 * confirmation, or given up, is swapped back out at a boot: a rollback. The info record says what runs, its state (ok,
 * trial, rolled-back) and the other image. Filesystem images (cmd 100) are
 * staged the same way and copied over the filesystem (no trial).
 */
#ifndef EFA_FLASH_H
#define EFA_FLASH_H

#include <stdint.h>

#include "efa_err.h"
#include "efa_sink.h"

/* Raw flash the port provides. Addresses are byte offsets from 0.
 * erase: whole sectors (off, len multiples of sector_size), sets 0xFF.
 * prog:  off and len multiples of prog_align; may only clear bits (1 -> 0).
 *        Never crosses a sector; the commit (48 bytes at the start of the
 *        boot-record sector) never crosses a 256-byte page either.
 * read:  any off and len; with prog_align >= 4 the core only reads whole,
 *        4-aligned words.
 * buf pointers have no particular alignment: a port whose driver needs
 * word-aligned RAM (ESP8266 spi_flash_write) bounces through its own.
 * Each returns EFA_E_OK or EFA_E_READ/WRITE/ERASE (or EFA_E_POWERLOSS from a
 * simulator, after which every further call fails until the next boot). */
struct efa_flash_ops {
	enum efa_err (*read)(void *ctx, uint32_t off, void *buf, uint32_t len);
	enum efa_err (*erase)(void *ctx, uint32_t off, uint32_t len);
	enum efa_err (*prog)(void *ctx, uint32_t off, const void *buf,
	    uint32_t len);
	uint32_t sector_size; /* 4096 on ESP8266/ESP32 */
	uint32_t prog_align;  /* 4 on ESP8266 */
};

/* All four sector-aligned; the boot-record and info sectors are distinct
 * and lie outside [0, fs_start + fs_size). Geometry rules: sector_size a
 * power of two >= 256, prog_align a power of two <= 16. */
struct efa_flash_layout {
	uint32_t fs_start;    /* end of the sketch area, start of the FS */
	uint32_t fs_size;
	uint32_t bootrec_addr; /* one sector */
	uint32_t info_addr;    /* one sector */
};

/* What the info record says about the running sketch. */
struct efa_running {
	uint32_t size;
	uint8_t md5[16];
	uint8_t valid;
	uint8_t state;          /* enum efa_image_state */
	uint8_t boots;          /* on trial: starts of this image, this one
	                           included (efa_boot_run); else 0 */
	/* The other image: on trial the previous one (kept at other_addr,
	 * restored by a rollback); rolled back the rejected one (its MD5 is
	 * the TXT efa_rejected). other_size 0: none. */
	uint32_t other_addr, other_size;
	uint8_t other_md5[16];
};

struct efa_flashwriter {
	const struct efa_flash_ops *ops;
	void *ctx;
	struct efa_flash_layout layout;
	uint8_t *buf;          /* caller's I/O buffer, borrowed */
	uint32_t buf_len;      /* >= 64 and a multiple of prog_align */
	struct efa_running running;
	/* current update */
	int cmd;
	uint32_t size, staged, stage_addr, erased_to;
	uint8_t tail[16];      /* bytes awaiting prog_align alignment */
	uint8_t tail_len;
	uint8_t active;
	/* Checks and transforms of the staged bytes before the commit
	 * (efa_stage.h: signatures, gzip), which may move and shorten the
	 * image to commit (*addr, *len) and give its MD5; set by
	 * efa_stage_attach, NULL (init): commit what was staged. */
	enum efa_err (*stage)(struct efa_flashwriter *fw, uint32_t *addr,
	    uint32_t *len, uint8_t md5[16]);
	const void *stage_ops;
};

/*
 * Initialise over ops/ctx and layout. buf is the caller's I/O buffer, used
 * by begin, finish, confirm and reject only (read-back, blank checks;
 * 256..4096 bytes is plenty), so the data passed to write may live in it.
 * Reads the info record; without a valid one running.valid is 0 and no
 * update fits (see efa_flashwriter_free_space). Returns EFA_E_OK, EFA_E_SIZE
 * for a geometry or buf_len outside the rules above, or a read error. Call
 * it after efa_boot_run().
 */
enum efa_err efa_flashwriter_init(struct efa_flashwriter *fw,
    const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len);

/*
 * The sink ops of the flash writer (ctx = struct efa_flashwriter *):
 * begin:  EFA_E_TRIAL (the running image is on trial: its predecessor is
 *         kept where an update would be staged), EFA_E_RUNNING (an update
 *         is active, or efa_boot_run has not finished a swap), EFA_E_SIZE
 *         (0), EFA_E_UNKNOWN_CMD (not 0/100), EFA_E_SPACE (> free_space).
 *         Cancels a committed update that has not been applied yet (its
 *         boot record is erased first, before any staging sector is
 *         touched). Erases nothing else: write erases each staging sector
 *         just before its first byte.
 * write:  EFA_E_SPACE past the announced size; EFA_E_ABORTED when no update
 *         is active.
 * finish: EFA_E_NO_DATA if nothing was written, EFA_E_MD5 if the staged
 *         bytes read back do not hash to md5; then commits the bytes
 *         written (fewer than begin's size too: efa_sink.h).
 * confirm, reject: efa_flash_end_trial (keep 1, 0).
 * Any error from write or finish ends the update, as abort does; the
 * running image is never touched by the sink.
 */
extern const struct efa_sink_ops efa_flashwriter_sink;

/*
 * Free space, in whole sectors of the sketch area [0, fs_start) of F
 * sectors, the running image taking a of them. cmd 0: (F - 1) / 2 if
 * a <= (F - 1) / 2, else 0: the swap needs the new image and the running
 * one in two disjoint halves, plus one spare sector (for an image as large
 * as the running one, the same space as the ESP8266 Updater's rule, which
 * needs a + new <= F). cmd 100: F - a, at most fs_size (filesystem images
 * are staged too, then copied over the filesystem). Other cmds: 0. Also
 * capped by what one boot record can track (3 progress slots per sector
 * of a swap, 1 per sector of a copy; (sector_size - 96) / max(4,
 * prog_align) slots). A device without a valid info record gets 0: an
 * update could overwrite code of unknown size. On trial the answer is the
 * same, but begin refuses (EFA_E_TRIAL).
 */
uint32_t efa_flashwriter_free_space(const struct efa_flashwriter *fw,
    int cmd);

enum efa_boot_result {
	EFA_BOOT_NORMAL = 0,   /* nothing pending: the running image boots */
	EFA_BOOT_UPDATED = 1,  /* a committed sketch was swapped in: it boots
	                          on trial */
	EFA_BOOT_FS_UPDATED = 2, /* a committed filesystem image was copied */
	EFA_BOOT_ROLLED_BACK = 3, /* the image on trial was swapped back out:
	                             the previous one boots again */
	EFA_BOOT_FAILED = -1   /* flash error during the swap (see *err) */
};

/*
 * The boot-time step (what eboot does on the ESP8266), before the
 * application: apply a committed boot record if there is one, resuming an
 * interrupted swap or copy; then, if the running image is on trial, count
 * this start of it, or, if it has been started EFA_TRIAL_BOOTS times
 * already, roll back: swap the previous image back in.
 * Fills *running from the info record afterwards (state, boots). buf as
 * for efa_flashwriter_init. running and err may be NULL. EFA_BOOT_FAILED
 * reports the error in *err: a flash error (run it again at the next boot:
 * it resumes), or EFA_E_MD5 when the swapped-in image does not match the
 * record, which only a flash that corrupts data can cause and which no
 * later boot repairs.
 */
enum efa_boot_result efa_boot_run(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len,
    struct efa_running *running, enum efa_err *err);

/*
 * End the trial of the running image. keep (the application confirms it):
 * it stays, the state becomes ok, committed by one program of a boot record
 * and finished at once (or by the next efa_boot_run if the power fails).
 * !keep (its deadline passed): commit the rollback, which the next
 * efa_boot_run applies (the application runs from the image it would
 * move); reboot after it. EFA_E_OK, also when the image is not on trial;
 * or a flash error (the image is then still on trial, its starts counting).
 * The flash writer's sink ops confirm and reject call it.
 */
enum efa_err efa_flash_end_trial(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, int keep, uint8_t *buf,
    uint32_t buf_len);

/*
 * Factory provisioning (what a serial flash does): write image at 0 and an
 * info record for it (state ok, no other image), erasing any boot record
 * first. For simulators and tests; not power-loss safe. EFA_E_SIZE if size
 * is 0 or > fs_start, EFA_E_MD5 if the flash does not read back as image.
 */
enum efa_err efa_flash_provision(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const uint8_t *image,
    uint32_t size, uint8_t *buf, uint32_t buf_len);

/*
 * Discard a committed but not yet applied update (used by a simulator to
 * model a device that "boots the previous image"). EFA_E_OK if none (a
 * pending confirmation or rollback is left alone). EFA_E_RUNNING if
 * efa_boot_run already started swapping it in: the previous image is
 * partly moved, only efa_boot_run can finish the job.
 */
enum efa_err efa_boot_discard(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout);

#endif
