/* SPDX-License-Identifier: MIT */
/*
 * The boot-time side of the core's flash layout (see efa_flash.h): apply a
 * committed boot record, resuming an interrupted copy; factory provisioning;
 * discarding a pending record. Also the record codecs efa_flashwriter.c
 * shares (efa_flash_records.h). No division: sizes are powers of two.
 */
#include <string.h>

#include "efa/efa_flash.h"
#include "efa/efa_hash.h"
#include "efa_flash_records.h"

/* CRC-32 nibble table for the reflected polynomial 0xEDB88320. */
static const uint32_t crc_nibble[16] = {
	0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
	0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
	0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
	0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu
};

uint32_t
efa_flash__crc32(const uint8_t *p, uint32_t len)
{
	uint32_t crc = 0xFFFFFFFFu;
	uint32_t i;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
	}
	return crc ^ 0xFFFFFFFFu;
}

static int
is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1u)) == 0;
}

static uint32_t
log2_pow2(uint32_t v)
{
	uint32_t n = 0;

	while (v > 1u) {
		v >>= 1;
		n++;
	}
	return n;
}

/* [a, a+alen) and [b, b+blen) overlap (no wrap-around: checked before). */
static int
overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

enum efa_err
efa_flash__check(const struct efa_flash_ops *ops,
    const struct efa_flash_layout *layout, uint32_t buf_len)
{
	uint32_t s = ops->sector_size, m = s - 1u;
	uint32_t end = layout->fs_start + layout->fs_size;

	if (!is_pow2(s) || s < 256u || !is_pow2(ops->prog_align) ||
	    ops->prog_align > 16u)
		return EFA_E_SIZE;
	if (buf_len < 64u || (buf_len & (ops->prog_align - 1u)) != 0)
		return EFA_E_SIZE;
	if (((layout->fs_start | layout->fs_size | layout->bootrec_addr |
	    layout->info_addr) & m) != 0 || layout->fs_start == 0)
		return EFA_E_SIZE;
	if (end < layout->fs_start || layout->bootrec_addr > 0u - s ||
	    layout->info_addr > 0u - s)
		return EFA_E_SIZE;
	if (overlaps(layout->bootrec_addr, s, 0, end) ||
	    overlaps(layout->info_addr, s, 0, end) ||
	    layout->bootrec_addr == layout->info_addr)
		return EFA_E_SIZE;
	return EFA_E_OK;
}

uint32_t
efa_flash__slot(const struct efa_flash_ops *ops)
{
	return ops->prog_align < 4u ? 4u : ops->prog_align;
}

uint32_t
efa_flash__max_sectors(const struct efa_flash_ops *ops)
{
	return (ops->sector_size - EFA_BOOTREC_PROGRESS_OFF) >>
	    log2_pow2(efa_flash__slot(ops));
}

/* Geometry of a decoded header against the layout (see efa_boot_run for
 * why a sketch's source must lie strictly above its destination). */
static int
bootrec_sane(const struct efa_flash_ops *ops,
    const struct efa_flash_layout *layout, const struct efa_bootrec *r)
{
	uint32_t s = ops->sector_size;
	uint32_t rlen;

	if (r->len == 0 || r->len > layout->fs_start)
		return 0;
	rlen = efa_flash__round_up(r->len, s);
	if ((rlen >> log2_pow2(s)) > efa_flash__max_sectors(ops))
		return 0;
	if ((r->src & (s - 1u)) != 0 || r->src > layout->fs_start - rlen)
		return 0;
	if (r->kind == EFA_BOOTREC_KIND_SKETCH)
		return r->dst == 0 && r->src >= s;
	if (r->kind == EFA_BOOTREC_KIND_FS)
		return r->dst == layout->fs_start && r->len <= layout->fs_size;
	return 0;
}

enum efa_err
efa_flash__read_bootrec(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, struct efa_bootrec *r)
{
	uint8_t raw[EFA_BOOTREC_PROGRESS_OFF];
	enum efa_err err;
	uint32_t i;

	memset(r, 0, sizeof(*r));
	err = ops->read(ctx, layout->bootrec_addr, raw, sizeof(raw));
	if (err != EFA_E_OK)
		return err;
	for (i = 0; i < EFA_BOOTREC_HDR_LEN; i++)
		if (raw[i] != 0xFF)
			r->present = 1;
	r->kind = efa_flash__get32(raw + 8);
	r->src = efa_flash__get32(raw + 12);
	r->dst = efa_flash__get32(raw + 16);
	r->len = efa_flash__get32(raw + 20);
	memcpy(r->md5, raw + 24, 16);
	r->started = efa_flash__get32(raw + EFA_BOOTREC_STARTED_OFF);
	r->retired = efa_flash__get32(raw + EFA_BOOTREC_RETIRED_OFF);
	r->valid = efa_flash__get32(raw) == EFA_BOOTREC_MAGIC &&
	    efa_flash__get32(raw + 4) == EFA_BOOTREC_VERSION &&
	    efa_flash__get32(raw + EFA_BOOTREC_CRC_OFF) ==
	    efa_flash__crc32(raw, EFA_BOOTREC_CRC_OFF) &&
	    bootrec_sane(ops, layout, r);
	return EFA_E_OK;
}

enum efa_err
efa_flash__read_info(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, struct efa_running *running)
{
	uint8_t raw[EFA_INFO_LEN];
	enum efa_err err;
	uint32_t size;

	memset(running, 0, sizeof(*running));
	err = ops->read(ctx, layout->info_addr, raw, sizeof(raw));
	if (err != EFA_E_OK)
		return err;
	size = efa_flash__get32(raw + 8);
	if (efa_flash__get32(raw) != EFA_INFO_MAGIC ||
	    efa_flash__get32(raw + 4) != EFA_INFO_VERSION ||
	    efa_flash__get32(raw + EFA_INFO_CRC_OFF) !=
	    efa_flash__crc32(raw, EFA_INFO_CRC_OFF) ||
	    size == 0 || size > layout->fs_start)
		return EFA_E_OK;
	running->size = size;
	memcpy(running->md5, raw + 12, 16);
	running->valid = 1;
	return EFA_E_OK;
}

enum efa_err
efa_flash__write_info(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint32_t size,
    const uint8_t md5[16])
{
	uint8_t raw[EFA_INFO_LEN];
	enum efa_err err;

	memset(raw, 0, sizeof(raw));
	efa_flash__put32(raw, EFA_INFO_MAGIC);
	efa_flash__put32(raw + 4, EFA_INFO_VERSION);
	efa_flash__put32(raw + 8, size);
	memcpy(raw + 12, md5, 16);
	efa_flash__put32(raw + EFA_INFO_CRC_OFF,
	    efa_flash__crc32(raw, EFA_INFO_CRC_OFF));
	err = ops->erase(ctx, layout->info_addr, ops->sector_size);
	if (err != EFA_E_OK)
		return err;
	return ops->prog(ctx, layout->info_addr, raw, sizeof(raw));
}

enum efa_err
efa_flash__prog_zero(const struct efa_flash_ops *ops, void *ctx,
    uint32_t off)
{
	uint8_t slot[16];

	memset(slot, 0xFF, sizeof(slot));
	efa_flash__put32(slot, 0);
	return ops->prog(ctx, off, slot, efa_flash__slot(ops));
}

enum efa_err
efa_flash__md5(const struct efa_flash_ops *ops, void *ctx, uint32_t off,
    uint32_t len, uint8_t *buf, uint32_t buf_len, uint8_t out[16])
{
	struct efa_md5 md5;
	enum efa_err err;
	uint32_t done = 0;

	efa_md5_init(&md5);
	while (done < len) {
		uint32_t n = len - done < buf_len ? len - done : buf_len;

		/* Reads stay prog_align-sized; buf_len is a multiple. */
		err = ops->read(ctx, off + done, buf,
		    efa_flash__round_up(n, ops->prog_align));
		if (err != EFA_E_OK)
			return err;
		efa_md5_update(&md5, buf, n);
		done += n;
	}
	efa_md5_final(&md5, out);
	return EFA_E_OK;
}

enum efa_err
efa_flash__erase_if_dirty(const struct efa_flash_ops *ops, void *ctx,
    uint32_t off, uint8_t *buf, uint32_t buf_len)
{
	enum efa_err err;
	uint32_t done, i;

	for (done = 0; done < ops->sector_size; done += buf_len) {
		uint32_t n = ops->sector_size - done < buf_len ?
		    ops->sector_size - done : buf_len;

		err = ops->read(ctx, off + done, buf, n);
		if (err != EFA_E_OK)
			return err;
		for (i = 0; i < n; i++)
			if (buf[i] != 0xFF)
				return ops->erase(ctx, off, ops->sector_size);
	}
	return EFA_E_OK;
}

/* Copy sector i of the record from src to dst through buf. */
static enum efa_err
copy_sector(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_bootrec *r, uint32_t i, uint8_t *buf, uint32_t buf_len)
{
	uint32_t s = ops->sector_size;
	uint32_t base = i << log2_pow2(s);
	uint32_t end = efa_flash__round_up(r->len, ops->prog_align) - base;
	uint32_t done;
	enum efa_err err;

	if (end > s)
		end = s;
	err = ops->erase(ctx, r->dst + base, s);
	for (done = 0; err == EFA_E_OK && done < end; done += buf_len) {
		uint32_t n = end - done < buf_len ? end - done : buf_len;

		err = ops->read(ctx, r->src + base + done, buf, n);
		if (err == EFA_E_OK)
			err = ops->prog(ctx, r->dst + base + done, buf, n);
	}
	return err;
}

/*
 * Apply a live record. Every step is idempotent, so after a power loss the
 * next boot simply runs this again:
 *
 * 1. started := 0 (before the old image is touched; see efa_boot_discard).
 * 2. For i = 0, 1, ...: if progress[i] != 0, erase dst sector i, copy src
 *    sector i into it, progress[i] := 0. Done sectors always form a prefix.
 *    For a sketch the image may overlap its own staging copy (dst sector i
 *    is src sector i - k, k = src / sector >= 1). Writing dst sector i only
 *    destroys src sector i - k, already copied; the sources still needed,
 *    i .. n-1, lie at absolute sectors >= i + k > i, above everything
 *    written so far. So resuming (or redoing a sector whose progress word
 *    was torn) always reads intact sources. A filesystem image is staged
 *    entirely below fs_start and copied to fs_start: no overlap.
 * 3. Check the MD5 of dst against the record.
 * 4. Sketch: rewrite the info record (erase, program).
 * 5. retired := 0, then erase the record's sector.
 */
static enum efa_err
apply(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const struct efa_bootrec *r,
    uint8_t *buf, uint32_t buf_len)
{
	uint32_t slot = efa_flash__slot(ops);
	uint32_t nsect = efa_flash__round_up(r->len, ops->sector_size) >>
	    log2_pow2(ops->sector_size);
	uint32_t base = layout->bootrec_addr;
	uint8_t md5[16], word[4];
	enum efa_err err;
	uint32_t i;

	if (r->started == EFA_BOOTREC_ERASED) {
		err = efa_flash__prog_zero(ops, ctx,
		    base + EFA_BOOTREC_STARTED_OFF);
		if (err != EFA_E_OK)
			return err;
	}
	for (i = 0; i < nsect; i++) {
		uint32_t at = base + EFA_BOOTREC_PROGRESS_OFF + i * slot;

		err = ops->read(ctx, at, word, sizeof(word));
		if (err != EFA_E_OK)
			return err;
		if (efa_flash__get32(word) == 0)
			continue;
		err = copy_sector(ops, ctx, r, i, buf, buf_len);
		if (err == EFA_E_OK)
			err = efa_flash__prog_zero(ops, ctx, at);
		if (err != EFA_E_OK)
			return err;
	}
	err = efa_flash__md5(ops, ctx, r->dst, r->len, buf, buf_len, md5);
	if (err != EFA_E_OK)
		return err;
	if (memcmp(md5, r->md5, sizeof(md5)) != 0)
		return EFA_E_MD5;
	if (r->kind == EFA_BOOTREC_KIND_SKETCH) {
		err = efa_flash__write_info(ops, ctx, layout, r->len, r->md5);
		if (err != EFA_E_OK)
			return err;
	}
	err = efa_flash__prog_zero(ops, ctx, base + EFA_BOOTREC_RETIRED_OFF);
	if (err != EFA_E_OK)
		return err;
	return ops->erase(ctx, base, ops->sector_size);
}

enum efa_boot_result
efa_boot_run(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len,
    struct efa_running *running, enum efa_err *err)
{
	enum efa_boot_result res = EFA_BOOT_NORMAL;
	struct efa_running scratch;
	struct efa_bootrec r;
	enum efa_err e;

	if (running == NULL)
		running = &scratch;
	memset(running, 0, sizeof(*running));
	e = efa_flash__check(ops, layout, buf_len);
	if (e == EFA_E_OK)
		e = efa_flash__read_bootrec(ops, ctx, layout, &r);
	if (e == EFA_E_OK && efa_flash__live(&r)) {
		e = apply(ops, ctx, layout, &r, buf, buf_len);
		res = r.kind == EFA_BOOTREC_KIND_SKETCH ? EFA_BOOT_UPDATED :
		    EFA_BOOT_FS_UPDATED;
	}
	if (e == EFA_E_OK)
		e = efa_flash__read_info(ops, ctx, layout, running);
	if (err != NULL)
		*err = e;
	return e == EFA_E_OK ? res : EFA_BOOT_FAILED;
}

enum efa_err
efa_flash_provision(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const uint8_t *image,
    uint32_t size, uint8_t *buf, uint32_t buf_len)
{
	uint32_t s = ops->sector_size, a = ops->prog_align;
	uint32_t off;
	uint8_t md5[16], got[16];
	enum efa_err err;

	err = efa_flash__check(ops, layout, buf_len);
	if (err != EFA_E_OK)
		return err;
	if (size == 0 || size > layout->fs_start)
		return EFA_E_SIZE;
	/* First, so that no pending update can land on the new image. */
	err = ops->erase(ctx, layout->bootrec_addr, s);
	for (off = 0; err == EFA_E_OK && off < size; off += s) {
		uint32_t n = size - off < s ? size - off : s;
		uint32_t bulk = n & ~(a - 1u);

		err = ops->erase(ctx, off, s);
		if (err == EFA_E_OK && bulk != 0)
			err = ops->prog(ctx, off, image + off, bulk);
		if (err == EFA_E_OK && bulk != n) {
			memset(buf, 0xFF, a);
			memcpy(buf, image + off + bulk, n - bulk);
			err = ops->prog(ctx, off + bulk, buf, a);
		}
	}
	/* Record the MD5 of what the flash now holds, if it is the image. */
	if (err == EFA_E_OK)
		err = efa_flash__md5(ops, ctx, 0, size, buf, buf_len, got);
	if (err != EFA_E_OK)
		return err;
	efa_md5(image, size, md5);
	if (memcmp(md5, got, sizeof(md5)) != 0)
		return EFA_E_MD5;
	return efa_flash__write_info(ops, ctx, layout, size, md5);
}

enum efa_err
efa_boot_discard(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout)
{
	struct efa_bootrec r;
	enum efa_err err;

	err = efa_flash__check(ops, layout, 64u);
	if (err == EFA_E_OK)
		err = efa_flash__read_bootrec(ops, ctx, layout, &r);
	if (err != EFA_E_OK || !efa_flash__live(&r))
		return err;
	if (r.started != EFA_BOOTREC_ERASED)
		return EFA_E_RUNNING;
	return ops->erase(ctx, layout->bootrec_addr, ops->sector_size);
}
