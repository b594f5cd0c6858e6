/* SPDX-License-Identifier: MIT */
/*
 * The boot-time side of the core's flash layout (see efa_flash.h): apply a
 * committed boot record (swap an update in or a rejected image out, copy a
 * filesystem image, confirm), resuming one cut by power loss; count the
 * starts of an image on trial and roll it back after EFA_TRIAL_BOOTS; the
 * application's confirm and reject; factory provisioning; discarding a
 * pending update. The records themselves: efa_flash_records.c.
 */
#include <string.h>

#include "efa/efa_config_defaults.h"
#include "efa/efa_flash.h"
#include "efa/efa_hash.h"
#include "efa_flash_records.h"

/* Applying a record, in sectors: the image brought in (in sectors, at
 * sector 'at'), the one swapped out (out sectors, at 0), n the larger;
 * fs: the filesystem's first sector for a copy, 0 for a swap. */
struct plan {
	uint32_t in, out, n, at, fs, steps;
};

static void
plan(const struct efa_flash_ops *ops, const struct efa_flash_layout *layout,
    const struct efa_rec *r, struct plan *p)
{
	p->in = efa_flash__sectors(ops, r->img[0].len);
	p->out = efa_flash__sectors(ops, r->img[1].len);
	p->n = p->in > p->out ? p->in : p->out;
	p->at = efa_flash__sectors(ops, r->addr);
	p->fs = 0;
	p->steps = p->n + p->n + p->n;
	if (r->tag == EFA_BOOTREC_KIND_FS) {
		p->fs = efa_flash__sectors(ops, layout->fs_start);
		p->steps = p->in;
	} else if (r->tag == EFA_BOOTREC_KIND_CONFIRM) {
		p->steps = 0;
	}
}

/*
 * Step j: fill sector *to from sector *from (whole sectors); 0 if there
 * is nothing to do at this step.
 *
 * FS: step i copies sector i of the staged image over the filesystem.
 *
 * SKETCH and ROLLBACK swap the image at 'at' ("in") with the one at 0
 * ("out") in two phases (the "swap with move" of MCUboot, which wears no
 * scratch sector: every sector is erased at most twice a swap):
 *   steps 0 .. n-1   move out up by one sector, from the top: sector k to
 *                    k + 1, k = n-1 .. 0;
 *   steps n .. 3n-1  for i = 0 .. n-1: in[i] (at + i) to sector i, then
 *                    out[i] (now at i + 1) to at + i.
 * Every step's source is intact until the step after it, so a step cut by
 * power loss (or whose progress word was torn) is simply done again.
 * Steps outside an image (k or i beyond its sectors) are skipped. The same
 * swap with the roles exchanged undoes it: a rollback.
 *
 * The FS steps and the in[i] steps (j >= n, j - n even) are the only
 * reads of the image being brought in, as it was staged.
 */
static int
step(const struct plan *p, uint32_t j, uint32_t *from, uint32_t *to)
{
	uint32_t i = j, lim = p->in;

	if (p->fs != 0) {
		*from = p->at + j;
		*to = p->fs + j;
	} else if (j < p->n) {
		i = p->n - 1u - j;
		*from = i;
		*to = i + 1u;
		lim = p->out;
	} else if (((j - p->n) & 1u) != 0) {
		i = (j - p->n) >> 1;
		*from = i + 1u;
		*to = p->at + i;
		lim = p->out;
	} else {
		i = (j - p->n) >> 1;
		*from = p->at + i;
		*to = i;
	}
	return i < lim;
}

/* Erase the sector at to, then program it with the sector at from. */
static enum efa_err
fill_sector(const struct efa_flash_ops *ops, void *ctx, uint32_t from,
    uint32_t to, uint8_t *buf, uint32_t buf_len)
{
	uint32_t done;
	enum efa_err err = ops->erase(ctx, to, ops->sector_size);

	for (done = 0; err == EFA_E_OK && done < ops->sector_size;
	    done += buf_len) {
		uint32_t n = ops->sector_size - done < buf_len ?
		    ops->sector_size - done : buf_len;

		err = ops->read(ctx, from + done, buf, n);
		if (err == EFA_E_OK)
			err = ops->prog(ctx, to + done, buf, n);
	}
	return err;
}

/*
 * Apply a live boot record. Every step is idempotent, so after a power loss
 * the next boot simply runs this again:
 *
 * 1. started := 0 (before anything is moved; see efa_boot_discard).
 * 2. Each step (step()) whose progress word is not 0: fill its sector,
 *    then progress := 0. Done steps always form a prefix (of the steps
 *    that are not skipped).
 * 3. Check the MD5 of the image brought in, where it now is.
 * 4. Except for FS: rewrite the info record (erase, program) as the record
 *    says: the image at 0, its state (trial after an update, rolled-back
 *    after a rollback, ok after a confirmation), the other image.
 * 5. retired := 0, then erase the record's sector.
 */
static enum efa_err
apply(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const struct efa_bootrec *b,
    uint8_t *buf, uint32_t buf_len)
{
	static const uint8_t state_after[] = {
		0, EFA_IMAGE_TRIAL, 0, EFA_IMAGE_ROLLED_BACK, EFA_IMAGE_OK
	};
	const struct efa_rec *r = &b->h;
	uint32_t base = layout->bootrec_addr, s = ops->sector_size;
	uint32_t j, from, to, at;
	struct plan p;
	uint8_t md5[16], word[4];
	enum efa_err err = EFA_E_OK;

	plan(ops, layout, r, &p);
	if (b->started == EFA_REC_ERASED)
		err = efa_flash__prog_zero(ops, ctx,
		    base + EFA_BOOTREC_STARTED_OFF);
	for (j = 0; err == EFA_E_OK && j < p.steps; j++) {
		if (!step(&p, j, &from, &to))
			continue;
		at = efa_flash__slot_addr(ops, base + EFA_BOOTREC_PROGRESS_OFF,
		    j);
		err = ops->read(ctx, at, word, sizeof(word));
		if (err != EFA_E_OK || efa_flash__get32(word) == 0)
			continue;
		/* the one place the image brought in is read (its steps:
		 * see step()), as it was staged: a transform of the staged
		 * bytes (an image stored compressed) belongs here */
		err = fill_sector(ops, ctx, from * s, to * s, buf, buf_len);
		if (err == EFA_E_OK)
			err = efa_flash__prog_zero(ops, ctx, at);
	}
	if (err == EFA_E_OK && p.steps > 0) {
		err = efa_flash__md5(ops, ctx, p.fs * s, r->img[0].len, buf,
		    buf_len, md5);
		if (err == EFA_E_OK &&
		    memcmp(md5, r->img[0].md5, sizeof(md5)) != 0)
			err = EFA_E_MD5;
	}
	if (err == EFA_E_OK && r->tag != EFA_BOOTREC_KIND_FS) {
		err = ops->erase(ctx, layout->info_addr, s);
		if (err == EFA_E_OK)
			err = efa_flash__write_record(ops, ctx,
			    layout->info_addr, EFA_INFO_MAGIC,
			    state_after[r->tag], r);
	}
	if (err == EFA_E_OK)
		err = efa_flash__prog_zero(ops, ctx,
		    base + EFA_BOOTREC_RETIRED_OFF);
	if (err == EFA_E_OK)
		err = ops->erase(ctx, base, ops->sector_size);
	return err;
}

/*
 * Commit the intent of kind about the running image on trial, described by
 * the info record's header *info: CONFIRM keeps it, ROLLBACK swaps the
 * previous one back in. efa_boot_run applies it.
 */
static enum efa_err
commit_trial(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const struct efa_rec *info,
    uint32_t kind, uint8_t *buf, uint32_t buf_len)
{
	struct efa_rec r = *info;

	r.tag = kind;
	if (kind == EFA_BOOTREC_KIND_ROLLBACK) {
		/* the previous image (at addr) comes in, this one goes out */
		r.img[0] = info->img[1];
		r.img[1] = info->img[0];
	}
	return efa_flash__commit(ops, ctx, layout, &r, buf, buf_len);
}

enum efa_boot_result
efa_boot_run(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len,
    struct efa_running *running, enum efa_err *err)
{
	static const int8_t result_of[] = {
		EFA_BOOT_NORMAL, EFA_BOOT_UPDATED, EFA_BOOT_FS_UPDATED,
		EFA_BOOT_ROLLED_BACK, EFA_BOOT_NORMAL
	};
	enum efa_boot_result res = EFA_BOOT_NORMAL;
	struct efa_running scratch;
	struct efa_bootrec b;
	struct efa_rec info;
	enum efa_err e;

	if (running == NULL)
		running = &scratch;
	e = efa_flash__check(ops, layout, buf_len);
	while (e == EFA_E_OK) {
		e = efa_flash__read_bootrec(ops, ctx, layout, &b);
		if (e == EFA_E_OK && efa_flash__live(&b)) {
			e = apply(ops, ctx, layout, &b, buf, buf_len);
			res = (enum efa_boot_result)result_of[b.h.tag];
		}
		if (e == EFA_E_OK)
			e = efa_flash__read_info(ops, ctx, layout, running,
			    &info);
		/* (an invalid info record reads as state 0, ok) */
		if (e != EFA_E_OK || running->state != EFA_IMAGE_TRIAL)
			break;
		if (running->boots < EFA_TRIAL_BOOTS) {
			/* counted before the image runs: a cut program
			 * counts, or the image never ran */
			e = efa_flash__prog_zero(ops, ctx,
			    efa_flash__slot_addr(ops, layout->info_addr +
			    EFA_INFO_TRIAL_OFF, running->boots));
			running->boots++;
			break;
		}
		/* started that often and never confirmed: roll back (the
		 * next pass applies it) */
		e = commit_trial(ops, ctx, layout, &info,
		    EFA_BOOTREC_KIND_ROLLBACK, buf, buf_len);
	}
	if (e != EFA_E_OK)
		memset(running, 0, sizeof(*running));
	if (err != NULL)
		*err = e;
	return e == EFA_E_OK ? res : EFA_BOOT_FAILED;
}

enum efa_err
efa_flash_end_trial(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, int keep, uint8_t *buf,
    uint32_t buf_len)
{
	struct efa_running run;
	struct efa_rec info;
	enum efa_err err = efa_flash__check(ops, layout, buf_len);

	if (err == EFA_E_OK)
		err = efa_flash__read_info(ops, ctx, layout, &run, &info);
	if (err != EFA_E_OK || run.state != EFA_IMAGE_TRIAL)
		return err;
	err = commit_trial(ops, ctx, layout, &info, keep ?
	    EFA_BOOTREC_KIND_CONFIRM : EFA_BOOTREC_KIND_ROLLBACK, buf,
	    buf_len);
	/* a confirmation is applied at once (nothing moves); a rollback
	 * waits for the boot (the application runs from the image) */
	if (err == EFA_E_OK && keep)
		efa_boot_run(ops, ctx, layout, buf, buf_len, &run, &err);
	return err;
}

enum efa_err
efa_flash_provision(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, const uint8_t *image,
    uint32_t size, uint8_t *buf, uint32_t buf_len)
{
	uint32_t s = ops->sector_size, a = ops->prog_align;
	uint32_t off;
	struct efa_rec info;
	uint8_t got[16];
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
	memset(&info, 0, sizeof(info));
	info.img[0].len = size;
	efa_md5(image, size, info.img[0].md5);
	if (memcmp(info.img[0].md5, got, sizeof(got)) != 0)
		return EFA_E_MD5;
	err = ops->erase(ctx, layout->info_addr, s);
	if (err == EFA_E_OK)
		err = efa_flash__write_record(ops, ctx, layout->info_addr,
		    EFA_INFO_MAGIC, EFA_IMAGE_OK, &info);
	return err;
}

enum efa_err
efa_boot_discard(const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout)
{
	struct efa_bootrec b;
	enum efa_err err;

	err = efa_flash__check(ops, layout, 64u);
	if (err == EFA_E_OK)
		err = efa_flash__read_bootrec(ops, ctx, layout, &b);
	if (err != EFA_E_OK || !efa_flash__live(&b) ||
	    (b.h.tag != EFA_BOOTREC_KIND_SKETCH &&
	    b.h.tag != EFA_BOOTREC_KIND_FS))
		return err;
	if (b.started != EFA_REC_ERASED)
		return EFA_E_RUNNING;
	return ops->erase(ctx, layout->bootrec_addr, ops->sector_size);
}
