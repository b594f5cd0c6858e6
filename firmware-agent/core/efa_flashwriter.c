/* SPDX-License-Identifier: MIT */
/*
 * The core's own sink (see efa_flash.h): stage an image just below the
 * filesystem, erasing each sector just before its first byte, read it back
 * and check its MD5, then commit it with one program of the boot record.
 * It never touches the running image; efa_boot.c applies the record.
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
	return efa_flash__read_info(ops, ctx, layout, &fw->running);
}

uint32_t
efa_flashwriter_free_space(const struct efa_flashwriter *fw, int cmd)
{
	const struct efa_flash_ops *ops = fw->ops;
	uint32_t fs_start = fw->layout.fs_start;
	uint32_t used, limit, cap, s;

	if (cmd != EFA_CMD_FLASH && cmd != EFA_CMD_FS)
		return 0;
	/* A bad geometry never let init read the info record: running is
	 * invalid and the answer is 0, as for a device without one. */
	if (!fw->running.valid)
		return 0;
	s = ops->sector_size;
	used = efa_flash__round_up(fw->running.size, s);
	if (used >= fs_start)
		return 0;
	limit = fs_start - used;
	cap = efa_flash__max_sectors(ops) * s;
	if (limit > cap)
		limit = cap;
	if (cmd == EFA_CMD_FS && limit > fw->layout.fs_size)
		limit = fw->layout.fs_size;
	return limit;
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
	enum efa_err err;

	if (fw->active)
		return EFA_E_RUNNING;
	if (size == 0)
		return EFA_E_SIZE;
	if (cmd != EFA_CMD_FLASH && cmd != EFA_CMD_FS)
		return EFA_E_UNKNOWN_CMD;
	if (size > efa_flashwriter_free_space(fw, cmd))
		return EFA_E_SPACE;
	err = efa_flash__read_bootrec(ops, fw->ctx, &fw->layout, &r);
	if (err != EFA_E_OK)
		return err;
	/* A copy under way (efa_boot_run did not finish) owns the flash. */
	if (efa_flash__live(&r) && r.started != EFA_BOOTREC_ERASED)
		return EFA_E_RUNNING;
	/* A pending (or torn) record goes before the staging area it may
	 * describe is overwritten; a retired one waits for the commit. */
	if (r.present && r.retired == EFA_BOOTREC_ERASED) {
		err = ops->erase(fw->ctx, fw->layout.bootrec_addr,
		    ops->sector_size);
		if (err != EFA_E_OK)
			return err;
	}
	fw->cmd = cmd;
	fw->size = size;
	fw->staged = 0;
	fw->stage_addr = fw->layout.fs_start -
	    efa_flash__round_up(size, ops->sector_size);
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
	uint8_t got[16], hdr[EFA_BOOTREC_HDR_LEN];
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

	/* Commit: a blank record sector, then the header in one program. */
	err = efa_flash__erase_if_dirty(ops, fw->ctx, fw->layout.bootrec_addr,
	    fw->buf, fw->buf_len);
	if (err != EFA_E_OK)
		return drop(fw, err);
	memset(hdr, 0, sizeof(hdr));
	efa_flash__put32(hdr, EFA_BOOTREC_MAGIC);
	efa_flash__put32(hdr + 4, EFA_BOOTREC_VERSION);
	efa_flash__put32(hdr + 8, fw->cmd == EFA_CMD_FS ?
	    EFA_BOOTREC_KIND_FS : EFA_BOOTREC_KIND_SKETCH);
	efa_flash__put32(hdr + 12, fw->stage_addr);
	efa_flash__put32(hdr + 16,
	    fw->cmd == EFA_CMD_FS ? fw->layout.fs_start : 0);
	efa_flash__put32(hdr + 20, fw->staged);
	memcpy(hdr + 24, md5, 16);
	efa_flash__put32(hdr + EFA_BOOTREC_CRC_OFF,
	    efa_flash__crc32(hdr, EFA_BOOTREC_CRC_OFF));
	err = ops->prog(fw->ctx, fw->layout.bootrec_addr, hdr, sizeof(hdr));
	return drop(fw, err);
}

static void
sink_abort(void *ctx)
{
	drop(ctx, EFA_E_ABORTED);
}

const struct efa_sink_ops efa_flashwriter_sink = {
	sink_free_space,
	sink_begin,
	sink_write,
	sink_finish,
	sink_abort
};
