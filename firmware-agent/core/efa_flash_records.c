/* SPDX-License-Identifier: MIT */
/*
 * The on-flash records of the core's flash layout (efa_flash_records.h):
 * geometry checks, the header codec shared by the boot record and the info
 * record, reading both back, the commit of an intent, and the small flash
 * helpers the writer (efa_flashwriter.c) and the boot (efa_boot.c) share.
 * No division: sizes are powers of two.
 */
#include <string.h>

#include "efa/efa_config_defaults.h"
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

uint32_t
efa_flash__get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
efa_flash__put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
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

/* Bytes of one progress (or trial-start) slot: max(4, prog_align). */
static uint32_t
slot_len(const struct efa_flash_ops *ops)
{
	return ops->prog_align < 4u ? 4u : ops->prog_align;
}

enum efa_err
efa_flash__check(const struct efa_flash_ops *ops,
    const struct efa_flash_layout *layout, uint32_t buf_len)
{
	uint32_t s = ops->sector_size, m = s - 1u;
	uint32_t end = layout->fs_start + layout->fs_size;

	if (!is_pow2(s) || s < 256u || s > 65536u ||
	    !is_pow2(ops->prog_align) || ops->prog_align > 16u)
		return EFA_E_SIZE;
	if (buf_len < 64u || (buf_len & (ops->prog_align - 1u)) != 0 ||
	    EFA_TRIAL_BOOTS * slot_len(ops) > EFA_REC_LEN)
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
efa_flash__sectors(const struct efa_flash_ops *ops, uint32_t len)
{
	return efa_flash__round_up(len, ops->sector_size) >>
	    log2_pow2(ops->sector_size);
}

uint32_t
efa_flash__max_steps(const struct efa_flash_ops *ops)
{
	return (ops->sector_size - EFA_BOOTREC_PROGRESS_OFF) >>
	    log2_pow2(slot_len(ops));
}

uint32_t
efa_flash__slot_addr(const struct efa_flash_ops *ops, uint32_t base,
    uint32_t i)
{
	return base + (i << log2_pow2(slot_len(ops)));
}

/* The header of r, but with this tag, into raw. */
static void
encode(uint8_t raw[EFA_REC_LEN], uint32_t magic, uint32_t tag,
    const struct efa_rec *r)
{
	uint32_t k;

	memset(raw, 0, EFA_REC_LEN);
	efa_flash__put32(raw, magic);
	efa_flash__put32(raw + 4, EFA_REC_VERSION);
	efa_flash__put32(raw + 8, tag);
	efa_flash__put32(raw + 12, r->addr);
	for (k = 0; k < 2; k++) {
		efa_flash__put32(raw + 16 + 20 * k, r->img[k].len);
		memcpy(raw + 20 + 20 * k, r->img[k].md5, 16);
	}
	efa_flash__put32(raw + EFA_REC_CRC_OFF,
	    efa_flash__crc32(raw, EFA_REC_CRC_OFF));
}

/* 1 if raw holds an intact header with this magic (decoded into *r). */
static int
decode(const uint8_t raw[EFA_REC_LEN], uint32_t magic, struct efa_rec *r)
{
	uint32_t k;

	r->tag = efa_flash__get32(raw + 8);
	r->addr = efa_flash__get32(raw + 12);
	for (k = 0; k < 2; k++) {
		r->img[k].len = efa_flash__get32(raw + 16 + 20 * k);
		memcpy(r->img[k].md5, raw + 20 + 20 * k, 16);
	}
	return efa_flash__get32(raw) == magic &&
	    efa_flash__get32(raw + 4) == EFA_REC_VERSION &&
	    efa_flash__get32(raw + EFA_REC_CRC_OFF) ==
	    efa_flash__crc32(raw, EFA_REC_CRC_OFF);
}

/*
 * A swap of r's two images fits the layout: the image at addr and the one
 * at 0 take n sectors each (the larger of the two), the one at 0 moves up
 * by one sector first (efa_boot.c), so [0, n + 1) and [addr, addr + n)
 * must not overlap and the latter must end by fs_start; 3 steps a sector.
 */
static int
swap_fits(const struct efa_flash_ops *ops,
    const struct efa_flash_layout *layout, const struct efa_rec *r)
{
	uint32_t in = efa_flash__sectors(ops, r->img[0].len);
	uint32_t n = efa_flash__sectors(ops, r->img[1].len);
	uint32_t span;

	if (n < in)
		n = in;
	span = n * ops->sector_size;
	return r->img[1].len - 1u < layout->fs_start &&
	    n + n + n <= efa_flash__max_steps(ops) &&
	    r->addr >= span + ops->sector_size &&
	    r->addr <= layout->fs_start - span;
}

/* Geometry of a decoded boot record (kind) or info record (state). */
static int
sane(const struct efa_flash_ops *ops, const struct efa_flash_layout *layout,
    const struct efa_rec *r, int info)
{
	uint32_t s = ops->sector_size, len = r->img[0].len;


	if (len - 1u >= layout->fs_start || (r->addr & (s - 1u)))
		return 0;
	if (info)
		return r->tag == EFA_IMAGE_OK ||
		    r->tag == EFA_IMAGE_ROLLED_BACK ||
		    (r->tag == EFA_IMAGE_TRIAL && swap_fits(ops, layout, r));
	switch (r->tag) {
	case EFA_BOOTREC_KIND_SKETCH:
	case EFA_BOOTREC_KIND_ROLLBACK:
		return swap_fits(ops, layout, r);
	case EFA_BOOTREC_KIND_FS:
		return len <= layout->fs_size &&
		    efa_flash__sectors(ops, len) <= efa_flash__max_steps(ops) &&
		    r->addr >= s &&
		    r->addr <= layout->fs_start - efa_flash__round_up(len, s);
	case EFA_BOOTREC_KIND_CONFIRM:
		return 1;
	}
	return 0;
}

/* Read the header at 'at' into raw[0..len) (len >= EFA_REC_LEN) and decode
 * it into *r; *ok = 1 if it is intact and sane. */
static enum efa_err
read_rec(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint32_t at, uint8_t *raw,
    uint32_t len, struct efa_rec *r, uint8_t *ok)
{
	int info = at == layout->info_addr;
	enum efa_err err = ops->read(ctx, at, raw, len);

	*ok = err == EFA_E_OK &&
	    decode(raw, info ? EFA_INFO_MAGIC : EFA_BOOTREC_MAGIC, r) &&
	    sane(ops, layout, r, info);
	return err;
}

enum efa_err
efa_flash__read_bootrec(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, struct efa_bootrec *b)
{
	uint8_t raw[EFA_BOOTREC_PROGRESS_OFF];
	enum efa_err err;

	err = read_rec(ops, ctx, layout, layout->bootrec_addr, raw,
	    sizeof(raw), &b->h, &b->valid);
	b->started = efa_flash__get32(raw + EFA_BOOTREC_STARTED_OFF);
	b->retired = efa_flash__get32(raw + EFA_BOOTREC_RETIRED_OFF);
	return err;
}

enum efa_err
efa_flash__read_info(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, struct efa_running *running,
    struct efa_rec *rec)
{
	uint8_t raw[EFA_REC_LEN];
	struct efa_rec r;
	enum efa_err err;

	memset(running, 0, sizeof(*running));
	err = read_rec(ops, ctx, layout, layout->info_addr, raw, sizeof(raw),
	    &r, &running->valid);
	if (!running->valid)
		return err;
	if (rec != NULL)
		*rec = r;
	running->size = r.img[0].len;
	memcpy(running->md5, r.img[0].md5, 16);
	running->state = (uint8_t)r.tag;
	running->other_addr = r.addr;
	running->other_size = r.img[1].len;
	memcpy(running->other_md5, r.img[1].md5, 16);
	/* starts of an image on trial: the programmed trial-start slots */
	if (r.tag == EFA_IMAGE_TRIAL) {
		uint32_t slot = slot_len(ops);
		const uint8_t *p = raw;

		err = ops->read(ctx, layout->info_addr + EFA_INFO_TRIAL_OFF, raw,
		    EFA_TRIAL_BOOTS * slot);
		for (; err == EFA_E_OK && running->boots < EFA_TRIAL_BOOTS &&
		    efa_flash__get32(p) != EFA_REC_ERASED; p += slot)
			running->boots++;
	}
	return err;
}

enum efa_err
efa_flash__write_record(const struct efa_flash_ops *ops, void *ctx,
    uint32_t at, uint32_t magic, uint32_t tag, const struct efa_rec *r)
{
	uint8_t raw[EFA_REC_LEN];

	encode(raw, magic, tag, r);
	return ops->prog(ctx, at, raw, sizeof(raw));
}

enum efa_err
efa_flash__commit(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const struct efa_rec *r,
    uint8_t *buf, uint32_t buf_len)
{
	enum efa_err err;

	err = efa_flash__erase_if_dirty(ops, ctx, layout->bootrec_addr, buf,
	    buf_len);
	if (err != EFA_E_OK)
		return err;
	return efa_flash__write_record(ops, ctx, layout->bootrec_addr,
	    EFA_BOOTREC_MAGIC, r->tag, r);
}

enum efa_err
efa_flash__prog_zero(const struct efa_flash_ops *ops, void *ctx,
    uint32_t off)
{
	uint8_t slot[16];

	memset(slot, 0xFF, sizeof(slot));
	efa_flash__put32(slot, 0);
	return ops->prog(ctx, off, slot, slot_len(ops));
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
