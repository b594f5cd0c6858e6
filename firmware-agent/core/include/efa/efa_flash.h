/* SPDX-License-Identifier: MIT */
/*
 * The core's flash writer and boot-time copier, modelled on the ESP8266
 * layout (docs/protocol.md 5.3):
 *
 *   0 .. running sketch | free ... staged new image | FS | boot rec | info
 *
 * A new image is staged just below the filesystem, verified by reading it
 * back, and committed by writing a boot record (one program operation, the
 * commit point). At the next boot efa_boot_run() copies it over the running
 * sketch sector by sector, ticking off each copied sector in the record, so
 * a copy interrupted by power loss resumes where it stopped; then it writes
 * the info record (size and MD5 of the running image) and retires the boot
 * record. Power loss before the commit leaves the old image running.
 * Filesystem images (cmd 100) are staged and copied the same way (atomic).
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
};

/*
 * Initialise over ops/ctx and layout. buf is the caller's I/O buffer, used
 * by begin and finish only (read-back, blank checks; 256..4096 bytes is
 * plenty), so the data passed to write may live in it. Reads the info
 * record; without a valid one running.valid is 0 and no update fits (see
 * efa_flashwriter_free_space). Returns EFA_E_OK, EFA_E_SIZE for a geometry
 * or buf_len outside the rules above, or a read error. Call it after
 * efa_boot_run().
 */
enum efa_err efa_flashwriter_init(struct efa_flashwriter *fw,
    const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len);

/*
 * The sink ops of the flash writer (ctx = struct efa_flashwriter *):
 * begin:  EFA_E_RUNNING (an update is active, or efa_boot_run has not
 *         finished a copy), EFA_E_SIZE (0), EFA_E_UNKNOWN_CMD (not 0/100),
 *         EFA_E_SPACE (> free_space). Cancels a committed update that has
 *         not been applied yet (its boot record is erased first, before any
 *         staging sector is touched). Erases nothing else: write erases
 *         each staging sector just before its first byte.
 * write:  EFA_E_SPACE past the announced size; EFA_E_ABORTED when no update
 *         is active.
 * finish: EFA_E_NO_DATA if nothing was written, EFA_E_MD5 if the staged
 *         bytes read back do not hash to md5; then commits the bytes
 *         written (fewer than begin's size too: efa_sink.h).
 * Any error from write or finish ends the update, as abort does; the
 * running image is never touched by the sink.
 */
extern const struct efa_sink_ops efa_flashwriter_sink;

/* Free space per the ESP8266 Updater rule (sizes rounded up to sectors):
 * cmd 0: fs_start - round_up(running size), i.e. current sketch and new
 * image must both fit before the FS; cmd 100: the same, at most fs_size (FS
 * images are staged too); other cmds: 0. Also capped by what one boot
 * record can track ((sector_size - 80) / max(4, prog_align) sectors). A
 * device without a valid info record gets 0: an update could overwrite
 * code of unknown size. */
uint32_t efa_flashwriter_free_space(const struct efa_flashwriter *fw,
    int cmd);

enum efa_boot_result {
	EFA_BOOT_NORMAL = 0,   /* nothing pending: the running image boots */
	EFA_BOOT_UPDATED = 1,  /* a committed sketch was copied in and boots */
	EFA_BOOT_FS_UPDATED = 2, /* a committed filesystem image was copied */
	EFA_BOOT_FAILED = -1   /* flash error during the copy (see *err) */
};

/*
 * The boot-time step (what eboot does on the ESP8266): apply a committed
 * boot record if there is one, resuming an interrupted copy. Fills *running
 * from the info record afterwards. buf as for efa_flashwriter_init.
 * running and err may be NULL. EFA_BOOT_FAILED reports the error in *err:
 * a flash error (run it again at the next boot: it resumes), or EFA_E_MD5
 * when the copied image does not match the record, which only a flash
 * that corrupts data can cause and which no later boot repairs.
 */
enum efa_boot_result efa_boot_run(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len,
    struct efa_running *running, enum efa_err *err);

/*
 * Factory provisioning (what a serial flash does): write image at 0 and an
 * info record for it, erasing any boot record first. For simulators and
 * tests; not power-loss safe. EFA_E_SIZE if size is 0 or > fs_start,
 * EFA_E_MD5 if the flash does not read back as image.
 */
enum efa_err efa_flash_provision(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const uint8_t *image,
    uint32_t size, uint8_t *buf, uint32_t buf_len);

/*
 * Discard a committed but not yet applied boot record (used by a simulator
 * to model a device that "boots the previous image"). EFA_E_OK if none.
 * EFA_E_RUNNING if efa_boot_run already started copying it: the previous
 * image is partly overwritten, only efa_boot_run can finish the job.
 */
enum efa_err efa_boot_discard(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout);

#endif
