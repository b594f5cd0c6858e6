/* SPDX-License-Identifier: MIT */
/*
 * The core's own sink (see efa_flash.h): stage an image in the upper half
 * of the sketch area (a filesystem image just below the filesystem),
 * erasing each sector just before its first byte, read it back and check
 * its MD5, then commit it with one program of the boot record. It never
 * touches the running image; efa_boot.c swaps it in at the next boot. Also
 * the confirmation and the rejection of an image on trial.
 */
#include <string.h>

#include "efa/efa_flash.h"
#include "efa/efa_hash.h"
#include "efa/efa_wire.h"
#include "efa_flash_records.h"

enum efa_err
efa_flashwriter_init(struct efa_flashwriter *fw,
    const struct efa_flash_ops *ops, void *ctx,
    const struct efa_flash_layout *layout, uint8_t *buf, uint32_t buf_len)
{
	enum efa_err err;

	memset(fw, 0, sizeof(*fw));
	fw->ops = ops;
	fw->ctx = ctx;
	fw->layout = *layout;
	fw->buf = buf;
	fw->buf_len = buf_len;
	err = efa_flash__check(ops, layout, buf_len);
	if (err != EFA_E_OK)
		return err;
	return efa_flash__read_info(ops, ctx, layout, &fw->running, NULL);
}

uint32_t
efa_flashwriter_free_space(const struct efa_flashwriter *fw, int cmd)
{
	const struct efa_flash_ops *ops = fw->ops;
	uint32_t area, used, limit, cap;

	if (cmd != EFA_CMD_FLASH && cmd != EFA_CMD_FS)
		return 0;
	/* A bad geometry never let init read the info record: running is
	 * invalid and the answer is 0, as for a device without one. */
	if (!fw->running.valid)
		return 0;
	area = efa_flash__sectors(ops, fw->layout.fs_start);
	used = efa_flash__sectors(ops, fw->running.size);
	cap = efa_flash__max_steps(ops);
	if (cmd == EFA_CMD_FS) {
		limit = area - used;
		if (limit > efa_flash__sectors(ops, fw->layout.fs_size))
			limit = efa_flash__sectors(ops, fw->layout.fs_size);
	} else {
		/* two disjoint halves and a spare sector (efa_boot.c); 3
		 * steps a sector */
		limit = (area - 1u) >> 1;
		if (used > limit)
			return 0;
		cap = (cap >> 2) + (cap >> 4);  /* 5/16 < 1/3 */
	}
	if (limit > cap)
		limit = cap;
	return limit * ops->sector_size;
}

/* End the current update after an error; hand the error back. */
static enum efa_err
drop(struct efa_flashwriter *fw, enum efa_err err)
{
	fw->active = 0;
	fw->tail_len = 0;
	return err;
}

/*
 * Program len bytes at addr (the staging frontier, prog_align-aligned),
 * erasing each staging sector just before the first byte goes into it.
 * Bytes are programmed once: addr only moves forward.
 */
static enum efa_err
prog_run(struct efa_flashwriter *fw, uint32_t addr, const uint8_t *src,
    uint32_t len)
{
	const struct efa_flash_ops *ops = fw->ops;
	uint32_t s = ops->sector_size;
	enum efa_err err;

	while (len > 0) {
		uint32_t room = ((addr | (s - 1u)) + 1u) - addr;
		uint32_t n = len < room ? len : room;

		while (fw->erased_to < addr + n) {
			err = ops->erase(fw->ctx, fw->erased_to, s);
			if (err != EFA_E_OK)
				return err;
			fw->erased_to += s;
		}
		err = ops->prog(fw->ctx, addr, src, n);
		if (err != EFA_E_OK)
			return err;
		addr += n;
		src += n;
		len -= n;
	}
	return EFA_E_OK;
}

static uint32_t
sink_free_space(void *ctx, int cmd)
{
	return efa_flashwriter_free_space(ctx, cmd);
}

static enum efa_err
sink_begin(void *ctx, int cmd, uint32_t size)
{
	struct efa_flashwriter *fw = ctx;
	const struct efa_flash_ops *ops = fw->ops;
	struct efa_bootrec r;
	uint32_t stage;
	enum efa_err err;

	if (fw->active)
		return EFA_E_RUNNING;
	/* its predecessor lies where the update would be staged */
	if (fw->running.state == EFA_IMAGE_TRIAL)
		return EFA_E_TRIAL;
	if (size == 0)
		return EFA_E_SIZE;
	if (cmd != EFA_CMD_FLASH && cmd != EFA_CMD_FS)
		return EFA_E_UNKNOWN_CMD;
	if (size > efa_flashwriter_free_space(fw, cmd))
		return EFA_E_SPACE;
	err = efa_flash__read_bootrec(ops, fw->ctx, &fw->layout, &r);
	if (err != EFA_E_OK)
		return err;
	/* A swap under way (efa_boot_run did not finish) owns the flash. */
	if (efa_flash__live(&r) && r.started != EFA_REC_ERASED)
		return EFA_E_RUNNING;
	/* A pending (or torn, or retired) record goes before the staging
	 * area it may describe is overwritten. */
	err = efa_flash__erase_if_dirty(ops, fw->ctx,
	    fw->layout.bootrec_addr, fw->buf, fw->buf_len);
	if (err != EFA_E_OK)
		return err;
	fw->cmd = cmd;
	fw->size = size;
	fw->staged = 0;
	/* a sketch: above both images' sizes, for the swap (efa_boot.c) */
	stage = efa_flash__round_up(size, ops->sector_size);
	if (cmd == EFA_CMD_FLASH && stage < efa_flash__round_up(
	    fw->running.size, ops->sector_size))
		stage = efa_flash__round_up(fw->running.size,
		    ops->sector_size);
	fw->stage_addr = fw->layout.fs_start - stage;
	fw->erased_to = fw->stage_addr;
	fw->tail_len = 0;
	fw->active = 1;
	return EFA_E_OK;
}

static enum efa_err
sink_write(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct efa_flashwriter *fw = ctx;
	uint32_t a = fw->ops->prog_align;
	uint32_t pos, bulk;
	enum efa_err err;

	if (!fw->active)
		return EFA_E_ABORTED;
	if (len > fw->size - fw->staged)
		return drop(fw, EFA_E_SPACE);
	if (len == 0)
		return EFA_E_OK;
	pos = fw->stage_addr + fw->staged - fw->tail_len;
	fw->staged += len;
	if (fw->tail_len > 0) {
		uint32_t take = a - fw->tail_len;

		if (take > len)
			take = len;
		memcpy(fw->tail + fw->tail_len, buf, take);
		fw->tail_len = (uint8_t)(fw->tail_len + take);
		buf += take;
		len -= take;
		if (fw->tail_len < a)
			return EFA_E_OK;
		err = prog_run(fw, pos, fw->tail, a);
		if (err != EFA_E_OK)
			return drop(fw, err);
		pos += a;
		fw->tail_len = 0;
	}
	bulk = len & ~(a - 1u);
	if (bulk > 0) {
		err = prog_run(fw, pos, buf, bulk);
		if (err != EFA_E_OK)
			return drop(fw, err);
	}
	memcpy(fw->tail, buf + bulk, len - bulk);
	fw->tail_len = (uint8_t)(len - bulk);
	return EFA_E_OK;
}

static enum efa_err
sink_finish(void *ctx, const uint8_t md5[16])
{
	struct efa_flashwriter *fw = ctx;
	const struct efa_flash_ops *ops = fw->ops;
	uint32_t a = ops->prog_align;
	struct efa_rec rec;
	uint8_t got[16];
	enum efa_err err;

	if (!fw->active)
		return EFA_E_ABORTED;
	/* fewer bytes than begun with: an upload of unknown length (begun
	 * with the free space) ends with what arrived */
	if (fw->staged == 0)
		return drop(fw, EFA_E_NO_DATA);
	if (fw->tail_len > 0) {
		memset(fw->tail + fw->tail_len, 0xFF, a - fw->tail_len);
		err = prog_run(fw, fw->stage_addr + fw->staged - fw->tail_len,
		    fw->tail, a);
		if (err != EFA_E_OK)
			return drop(fw, err);
		fw->tail_len = 0;
	}
	err = efa_flash__md5(ops, fw->ctx, fw->stage_addr, fw->staged,
	    fw->buf, fw->buf_len, got);
	if (err != EFA_E_OK)
		return drop(fw, err);
	if (memcmp(got, md5, sizeof(got)) != 0)
		return drop(fw, EFA_E_MD5);

	/* Commit (the update's one commit point; the port's checks and
	 * transforms of the staged image, which may refuse it, go right
	 * before: efa_stage.h): what the boot swaps in (or copies), what it
	 * swaps out. */
	rec.tag = fw->cmd == EFA_CMD_FS ? EFA_BOOTREC_KIND_FS :
	    EFA_BOOTREC_KIND_SKETCH;
	rec.addr = fw->stage_addr;
	rec.img[0].len = fw->staged;
	memcpy(rec.img[0].md5, md5, 16);
	if (fw->stage != NULL) {
		err = fw->stage(fw, &rec.addr, &rec.img[0].len,
		    rec.img[0].md5);
		if (err != EFA_E_OK)
			return drop(fw, err);
	}
	rec.img[1].len = fw->running.size;
	memcpy(rec.img[1].md5, fw->running.md5, 16);
	return drop(fw, efa_flash__commit(ops, fw->ctx, &fw->layout, &rec,
	    fw->buf, fw->buf_len));
}

static void
sink_abort(void *ctx)
{
	drop(ctx, EFA_E_ABORTED);
}

static enum efa_err
sink_confirm(void *ctx)
{
	struct efa_flashwriter *fw = ctx;
	enum efa_err err;

	err = efa_flash_end_trial(fw->ops, fw->ctx, &fw->layout, 1, fw->buf,
	    fw->buf_len);
	if (err == EFA_E_OK)
		fw->running.state = EFA_IMAGE_OK;
	return err;
}

static enum efa_err
sink_reject(void *ctx)
{
	struct efa_flashwriter *fw = ctx;

	return efa_flash_end_trial(fw->ops, fw->ctx, &fw->layout, 0, fw->buf,
	    fw->buf_len);
}

const struct efa_sink_ops efa_flashwriter_sink = {
	sink_free_space,
	sink_begin,
	sink_write,
	sink_finish,
	sink_abort,
	sink_confirm,
	sink_reject
};
