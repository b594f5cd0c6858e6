/* SPDX-License-Identifier: MIT */
/*
 * Private to the core's flash code (efa_flashwriter.c, efa_boot.c): the
 * on-flash formats of the boot record and the info record, and the helpers
 * both files share. All multi-byte fields are little-endian on flash.
 */
#ifndef EFA_FLASH_RECORDS_H
#define EFA_FLASH_RECORDS_H

#include <stdint.h>

#include "efa/efa_flash.h"

/*
 * Both records start with the same 64-byte header, written by ONE program
 * operation:
 *
 *   0 magic   4 version   8 tag   12 addr   16 len   20 md5[16]
 *   36 other_len   40 other_md5[16]   56 reserved (0)   60 crc32 of 0..59
 *
 * (two images, each a length and an MD5: struct efa_img)
 *
 * Boot record, in the sector at layout.bootrec_addr: an intent, committed
 * by programming its header, applied by efa_boot_run (or at once), retired,
 * erased. tag = kind:
 *   SKETCH    swap the image staged at addr (len, md5) with the running one
 *             (other_len, other_md5); the new one then runs on trial
 *   ROLLBACK  the same swap backwards: the previous image (at addr) comes
 *             back, the rejected one (other) goes to addr
 *   FS        copy the filesystem image staged at addr over the filesystem
 *   CONFIRM   no move: the running image (len, md5) stays, state ok
 * After the header:
 *   64  started word: programmed to 0 before the first destructive step;
 *       from then on the record must not be discarded
 *   80  retired word: 0xFFFFFFFF = live, anything else = retired (so a torn
 *       program of it counts as retired)
 *   96  progress words, one per step of the swap or copy, each in its own
 *       slot of max(4, prog_align) bytes: 0xFFFFFFFF = not done, 0 = done,
 *       anything else (torn) = do again
 *
 * Info record, in the sector at layout.info_addr: what runs. tag = state
 * (enum efa_image_state), len/md5 = the running image, addr/other = the
 * other image (efa_running). Written (erase, program) only while a live
 * boot record says what to write, so a cut write is redone. After it:
 *   64  trial-start words, EFA_TRIAL_BOOTS slots: programmed one per start
 *       of an image on trial; the info rewrite that ends the trial erases
 *       them
 *
 * Each word sits in its own prog_align-aligned slot (prog_align <= 16), so
 * it is programmed exactly once, alone, with 0xFF padding around it.
 */
#define EFA_BOOTREC_MAGIC 0x42414645u /* "EFAB" */
#define EFA_INFO_MAGIC 0x49414645u    /* "EFAI" */
#define EFA_REC_VERSION 2u
#define EFA_REC_LEN 64u
#define EFA_REC_CRC_OFF 60u
#define EFA_BOOTREC_KIND_SKETCH 1u
#define EFA_BOOTREC_KIND_FS 2u
#define EFA_BOOTREC_KIND_ROLLBACK 3u
#define EFA_BOOTREC_KIND_CONFIRM 4u
#define EFA_BOOTREC_STARTED_OFF 64u
#define EFA_BOOTREC_RETIRED_OFF 80u
#define EFA_BOOTREC_PROGRESS_OFF 96u
#define EFA_INFO_TRIAL_OFF 64u
#define EFA_REC_ERASED 0xFFFFFFFFu

/* One image a header names: its length and MD5. */
struct efa_img {
	uint32_t len;
	uint8_t md5[16];
};

/* The common header, decoded: img[0] is "len, md5", img[1] "other". */
struct efa_rec {
	uint32_t tag, addr;
	struct efa_img img[2];
};

/* A boot record as read back from flash. */
struct efa_bootrec {
	struct efa_rec h;
	uint8_t valid;      /* magic, version, CRC and geometry check out */
	uint32_t started, retired;
};

/* Little-endian words on flash. */
uint32_t efa_flash__get32(const uint8_t *p);
void efa_flash__put32(uint8_t *p, uint32_t v);

/* a rounded up to a multiple of the power of two p2. */
static inline uint32_t
efa_flash__round_up(uint32_t a, uint32_t p2)
{
	return (a + p2 - 1u) & ~(p2 - 1u);
}

/* A live boot record: valid and not retired. */
static inline int
efa_flash__live(const struct efa_bootrec *r)
{
	return r->valid && r->retired == EFA_REC_ERASED;
}

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()) of p[0..len). */
uint32_t efa_flash__crc32(const uint8_t *p, uint32_t len);

/*
 * EFA_E_OK if the geometry is usable: sector_size a power of two from 256
 * to 65536, prog_align a power of two <= 16, buf_len >= 64 and a multiple
 * of prog_align, the trial-start slots within 64 bytes (EFA_TRIAL_BOOTS *
 * max(4, prog_align)), every region sector-aligned, the boot and info
 * sectors distinct and outside [0, fs_start + fs_size). EFA_E_SIZE
 * otherwise.
 */
enum efa_err efa_flash__check(const struct efa_flash_ops *ops,
    const struct efa_flash_layout *layout, uint32_t buf_len);

/* Sectors that hold len bytes. */
uint32_t efa_flash__sectors(const struct efa_flash_ops *ops, uint32_t len);

/* Most progress slots one boot record holds. */
uint32_t efa_flash__max_steps(const struct efa_flash_ops *ops);

/* Address of slot i of the slots (progress, trial starts) from base. */
uint32_t efa_flash__slot_addr(const struct efa_flash_ops *ops, uint32_t base,
    uint32_t i);

/* Read the boot record (header, started, retired) into *b. */
enum efa_err efa_flash__read_bootrec(const struct efa_flash_ops *ops,
    void *ctx, const struct efa_flash_layout *layout, struct efa_bootrec *b);

/* Read the info record into *running (valid = 0 if absent or bad; boots =
 * the trial-start slots programmed so far) and, if rec is not NULL, its
 * header into *rec. */
enum efa_err efa_flash__read_info(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, struct efa_running *running,
    struct efa_rec *rec);

/* Program the header of r, with magic and tag, at the erased offset at. */
enum efa_err efa_flash__write_record(const struct efa_flash_ops *ops,
    void *ctx, uint32_t at, uint32_t magic, uint32_t tag,
    const struct efa_rec *r);

/*
 * Commit the intent r (tag = kind) to the boot record sector, blank first:
 * one program of its header. The single place where every update,
 * confirmation and rollback becomes binding.
 */
enum efa_err efa_flash__commit(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const struct efa_rec *r,
    uint8_t *buf, uint32_t buf_len);

/* Program the word slot at off to 0 (0xFF padding to the slot size). */
enum efa_err efa_flash__prog_zero(const struct efa_flash_ops *ops,
    void *ctx, uint32_t off);

/* Erase the sector at off unless it already reads all 0xFF. */
enum efa_err efa_flash__erase_if_dirty(const struct efa_flash_ops *ops,
    void *ctx, uint32_t off, uint8_t *buf, uint32_t buf_len);

/* MD5 of flash [off, off+len), read through buf. */
enum efa_err efa_flash__md5(const struct efa_flash_ops *ops, void *ctx,
    uint32_t off, uint32_t len, uint8_t *buf, uint32_t buf_len,
    uint8_t out[16]);

#endif
