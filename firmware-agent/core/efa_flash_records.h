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
 * Boot record, in the sector at layout.bootrec_addr:
 *
 *   0   header, 48 bytes, written by ONE program operation (the commit):
 *         0 magic "EFAB"   4 version   8 kind   12 src   16 dst   20 len
 *         24 md5[16]       40 reserved (0)      44 crc32 of bytes 0..43
 *   48  started word: programmed to 0 by efa_boot_run() before it erases
 *       the first destination sector; from then on the record must not be
 *       discarded (the old image is being overwritten)
 *   64  retired word: 0xFFFFFFFF = live, anything else = retired (so a torn
 *       program of it counts as retired)
 *   80  progress words, one per sector to copy, each in its own slot of
 *       max(4, prog_align) bytes: 0xFFFFFFFF = not copied, 0 = copied,
 *       anything else (torn) = copy again
 *
 * Each word sits in its own prog_align-aligned slot (prog_align <= 16), so
 * it is programmed exactly once, alone, with 0xFF padding around it.
 */
#define EFA_BOOTREC_MAGIC 0x42414645u /* "EFAB" */
#define EFA_BOOTREC_VERSION 1u
#define EFA_BOOTREC_KIND_SKETCH 1u
#define EFA_BOOTREC_KIND_FS 2u
#define EFA_BOOTREC_HDR_LEN 48u
#define EFA_BOOTREC_CRC_OFF 44u
#define EFA_BOOTREC_STARTED_OFF 48u
#define EFA_BOOTREC_RETIRED_OFF 64u
#define EFA_BOOTREC_PROGRESS_OFF 80u
#define EFA_BOOTREC_ERASED 0xFFFFFFFFu

/*
 * Info record, in the sector at layout.info_addr, 32 bytes:
 *   0 magic "EFAI"   4 version   8 size   12 md5[16]   28 crc32 of 0..27
 */
#define EFA_INFO_MAGIC 0x49414645u /* "EFAI" */
#define EFA_INFO_VERSION 1u
#define EFA_INFO_LEN 32u
#define EFA_INFO_CRC_OFF 28u

/* A boot record as read back from flash. */
struct efa_bootrec {
	uint8_t present;    /* header bytes are not all 0xFF */
	uint8_t valid;      /* magic, version, CRC and geometry check out */
	uint32_t kind, src, dst, len;
	uint8_t md5[16];
	uint32_t started, retired;
};

static inline uint32_t
efa_flash__get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline void
efa_flash__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

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
	return r->valid && r->retired == EFA_BOOTREC_ERASED;
}

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32()) of p[0..len). */
uint32_t efa_flash__crc32(const uint8_t *p, uint32_t len);

/*
 * EFA_E_OK if the geometry is usable: sector_size a power of two >= 256,
 * prog_align a power of two <= 16, buf_len >= 64 and a multiple of
 * prog_align, every region sector-aligned, the boot and info sectors
 * distinct and outside [0, fs_start + fs_size). EFA_E_SIZE otherwise.
 */
enum efa_err efa_flash__check(const struct efa_flash_ops *ops,
    const struct efa_flash_layout *layout, uint32_t buf_len);

/* Bytes of one progress slot: max(4, prog_align). */
uint32_t efa_flash__slot(const struct efa_flash_ops *ops);

/* Most sectors one boot record can track. */
uint32_t efa_flash__max_sectors(const struct efa_flash_ops *ops);

/* Read the boot record (header, started, retired) into *r. */
enum efa_err efa_flash__read_bootrec(const struct efa_flash_ops *ops,
    void *ctx, const struct efa_flash_layout *layout, struct efa_bootrec *r);

/* Read the info record: *running (valid = 0 if absent or bad). */
enum efa_err efa_flash__read_info(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, struct efa_running *running);

/* Erase the info sector and write a record for (size, md5). */
enum efa_err efa_flash__write_info(const struct efa_flash_ops *ops,
    void *ctx, const struct efa_flash_layout *layout, uint32_t size,
    const uint8_t md5[16]);

/* Program the word slot at off to 0 (0xFF padding to the slot size). */
enum efa_err efa_flash__prog_zero(const struct efa_flash_ops *ops,
    void *ctx, uint32_t off);

/* MD5 of flash [off, off+len), read through buf. */
enum efa_err efa_flash__md5(const struct efa_flash_ops *ops, void *ctx,
    uint32_t off, uint32_t len, uint8_t *buf, uint32_t buf_len,
    uint8_t out[16]);

/* Erase the sector at off unless it already reads all 0xFF. */
enum efa_err efa_flash__erase_if_dirty(const struct efa_flash_ops *ops,
    void *ctx, uint32_t off, uint8_t *buf, uint32_t buf_len);

#endif
