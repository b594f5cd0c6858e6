/*
 * The core's flash writer and boot-time copier, modelled on the ESP8266
 * layout (protocol.md "Update process - memory view"):
 *
 *   0 .. running sketch | free space ... staged new image | FS | boot rec | info
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
 * Initialise over ops/ctx and layout. buf is the caller's I/O buffer (used for
 * read-back and copies; 256..4096 bytes is plenty). Reads the info record.
 * Returns EFA_E_OK or a read error.
 */
enum efa_err efa_flashwriter_init(struct efa_flashwriter *fw,
    const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len);

/* The sink ops of the flash writer (ctx = struct efa_flashwriter *). */
extern const struct efa_sink_ops efa_flashwriter_sink;

/* Free sketch space per the ESP8266 Updater rule (sizes rounded up to
 * sectors): fs_start - round_up(running size). */
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
 */
enum efa_boot_result efa_boot_run(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len,
    struct efa_running *running, enum efa_err *err);

/*
 * Factory provisioning (what a serial flash does): write image at 0 and an
 * info record for it, erasing any boot record. For simulators and tests.
 */
enum efa_err efa_flash_provision(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const uint8_t *image,
    uint32_t size, uint8_t *buf, uint32_t buf_len);

/*
 * Discard a committed but not yet applied boot record (used by a simulator
 * to model a device that "boots the previous image"). EFA_E_OK if none.
 */
enum efa_err efa_boot_discard(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout);

#endif
