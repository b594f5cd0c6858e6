/* SPDX-License-Identifier: MIT */
/*
 * The flash writer's checks and transforms before a commit (efa_stage.h):
 * the signature of a signed image (the core hashes and parses, the port
 * verifies) and the inflation of a gzip image (the port inflates, the core
 * places and checks). Linked only into ports that attach it.
 */
#include <string.h>

#include "efa/efa_stage.h"
#include "efa/efa_wire.h"
#include "efa_flash_records.h"

/* Flash read through a borrowed buffer: the flash writer's, or a port's
 * (efa_stage_check_signature). */
struct reader {
	const struct efa_flash_ops *ops;
	void *ctx;
	uint8_t *buf;
	uint32_t buf_len;
};

static struct reader
fw_reader(const struct efa_flashwriter *fw)
{
	struct reader r;

	r.ops = fw->ops;
	r.ctx = fw->ctx;
	r.buf = fw->buf;
	r.buf_len = fw->buf_len;
	return r;
}

/*
 * Read flash [off, off + len) through r->buf in whole, aligned words
 * (efa_flash.h); *out points at the bytes wanted, r->buf + (off & 3).
 * EFA_E_SIGN if they do not fit the buffer.
 */
static enum efa_err
read_at(const struct reader *r, uint32_t off, uint32_t len,
    const uint8_t **out)
{
	uint32_t lead = off & 3u;
	uint32_t n = efa_flash__round_up(lead + len, r->ops->prog_align < 4 ?
	    4u : r->ops->prog_align);
	enum efa_err err;

	if (n > r->buf_len)
		return EFA_E_SIGN;
	err = r->ops->read(r->ctx, off - lead, r->buf, n);
	*out = r->buf + lead;
	return err;
}

/* The little-endian word at flash offset off. */
static enum efa_err
read_u32(struct efa_flashwriter *fw, uint32_t off, uint32_t *v)
{
	struct reader r = fw_reader(fw);
	const uint8_t *p;
	enum efa_err err = read_at(&r, off, 4, &p);

	if (err == EFA_E_OK)
		*v = efa_flash__get32(p);
	return err;
}

/* SHA-256 of flash [off, off + len), off aligned. */
static enum efa_err
sha256_range(const struct reader *r, uint32_t off, uint32_t len,
    uint8_t out[EFA_SHA256_LEN])
{
	struct efa_sha256 s256;
	uint32_t done = 0;
	enum efa_err err;

	efa_sha256_init(&s256);
	while (done < len) {
		uint32_t n = len - done < r->buf_len ? len - done :
		    r->buf_len;

		err = r->ops->read(r->ctx, off + done, r->buf,
		    efa_flash__round_up(n, r->ops->prog_align));
		if (err != EFA_E_OK)
			return err;
		efa_sha256_update(&s256, r->buf, n);
		done += n;
	}
	efa_sha256_final(&s256, out);
	return EFA_E_OK;
}

/* The signature of the len staged bytes at addr: *image_len becomes the
 * signed part (the image without its trailer). */
static enum efa_err
check_signature(const struct reader *r, const struct efa_stage_ops *ops,
    uint32_t addr, uint32_t len, uint32_t *image_len)
{
	uint8_t tail[EFA_SIG_TRAILER_LEN], digest[EFA_SHA256_LEN];
	uint32_t signed_len, sig_len;
	const uint8_t *sig;
	enum efa_err err;

	if (len < EFA_SIG_TRAILER_LEN)
		return EFA_E_SIGN;
	err = read_at(r, addr + len - EFA_SIG_TRAILER_LEN,
	    EFA_SIG_TRAILER_LEN, &sig);
	if (err != EFA_E_OK)
		return err;
	memcpy(tail, sig, sizeof(tail));
	err = efa_sig_trailer(ops->sig_format, len, tail, &signed_len,
	    &sig_len);
	if (err == EFA_E_OK)
		err = sha256_range(r, addr, signed_len, digest);
	if (err == EFA_E_OK)
		err = read_at(r, addr + signed_len, sig_len, &sig);
	if (err != EFA_E_OK)
		return err;
	if (ops->verify(ops->ctx, digest, sig, sig_len) != EFA_E_OK)
		return EFA_E_SIGN;
	*image_len = signed_len;
	return EFA_E_OK;
}

enum efa_err
efa_stage_check_signature(const struct efa_flash_ops *flash, void *ctx,
    uint32_t addr, uint32_t len, uint8_t *buf, uint32_t buf_len,
    const struct efa_stage_ops *ops, uint32_t *image_len)
{
	struct reader r;

	r.ops = flash;
	r.ctx = ctx;
	r.buf = buf;
	r.buf_len = buf_len;
	/* reads are whole words (and prog_align units) into buf */
	if (ops->verify == NULL || (addr & 3u) != 0 || buf_len < 4u ||
	    (buf_len & 3u) != 0 || (buf_len & (flash->prog_align - 1u)) != 0)
		return EFA_E_SIGN;
	return check_signature(&r, ops, addr, len, image_len);
}

/*
 * A gzip stream of len bytes at addr (sector-aligned): inflate it right
 * below itself, after checking that the inflated image fits there, and
 * that the swap (an application image) or the copy (a filesystem image)
 * can take it from there. *addr and *len become the inflated image's.
 */
static enum efa_err
inflate_staged(struct efa_flashwriter *fw, const struct efa_stage_ops *ops,
    uint32_t *addr, uint32_t *len)
{
	uint32_t s = fw->ops->sector_size, out, un, run, dst, n;
	const uint8_t *p;
	enum efa_err err;

	if (*len < EFA_IMAGE_GZIP_MIN_LEN)
		return EFA_E_INFLATE;
	/* ISIZE, the last word of the stream: the inflated length */
	err = read_u32(fw, *addr + *len - 4u, &out);
	if (err != EFA_E_OK)
		return err;
	if (out == 0 || out > 0x7fffffffu)
		return EFA_E_INFLATE;
	un = efa_flash__round_up(out, s);
	run = efa_flash__round_up(fw->running.size, s);
	n = un > run ? un : run;
	if (out > efa_flashwriter_free_space(fw, fw->cmd) || un > *addr)
		return EFA_E_SPACE;
	dst = *addr - un;
	/* a sketch: the swap moves the running image up one sector and
	 * needs room for it where the new one lies (efa_boot.c); a
	 * filesystem image: above the running sketch */
	if (fw->cmd == EFA_CMD_FLASH ? dst < n + s ||
	    n > fw->layout.fs_start - dst : dst < run)
		return EFA_E_SPACE;
	err = ops->inflate(ops->ctx, *addr, *len, dst, out);
	if (err == EFA_E_OK && fw->cmd == EFA_CMD_FLASH) {
		struct reader r = fw_reader(fw);

		err = read_at(&r, dst, 4, &p);
		if (err == EFA_E_OK && p[0] != EFA_IMAGE_MAGIC)
			err = EFA_E_MAGIC;
	}
	if (err != EFA_E_OK)
		return err;
	*addr = dst;
	*len = out;
	return EFA_E_OK;
}

static enum efa_err
stage(struct efa_flashwriter *fw, uint32_t *addr, uint32_t *len,
    uint8_t md5[16])
{
	const struct efa_stage_ops *ops = fw->stage_ops;
	struct reader r = fw_reader(fw);
	uint32_t was_addr = *addr, was_len = *len;
	const uint8_t *p;
	enum efa_err err = EFA_E_OK;

	if (ops->verify != NULL)
		err = check_signature(&r, ops, *addr, *len, len);
	if (err == EFA_E_OK && ops->inflate != NULL) {
		err = read_at(&r, *addr, 4, &p);
		if (err == EFA_E_OK && efa_image_is_gzip(p, 2))
			err = inflate_staged(fw, ops, addr, len);
	}
	/* what is committed is what the device will run: its MD5 */
	if (err == EFA_E_OK && (*addr != was_addr || *len != was_len))
		err = efa_flash__md5(fw->ops, fw->ctx, *addr, *len, fw->buf,
		    fw->buf_len, md5);
	return err;
}

void
efa_stage_attach(struct efa_flashwriter *fw, const struct efa_stage_ops *ops)
{
	fw->stage = stage;
	fw->stage_ops = ops;
}

/* The flash writer's sink, with a gzip image staged as low as its own
 * length allows (efa_stage.h). */

static uint32_t
stage_free_space(void *ctx, int cmd)
{
	return efa_flashwriter_free_space(ctx, cmd);
}

static enum efa_err
stage_begin(void *ctx, int cmd, uint32_t size)
{
	return efa_flashwriter_sink.begin(ctx, cmd, size);
}

static enum efa_err
stage_write(void *ctx, const uint8_t *buf, uint32_t len)
{
	struct efa_flashwriter *fw = ctx;
	const struct efa_stage_ops *ops = fw->stage_ops;

	/* nothing is erased before the first byte: the staging address may
	 * still move (begin reserved room for the running image too, which
	 * only the swap of an image staged as it is needs) */
	if (fw->active && fw->staged == 0 && ops != NULL &&
	    ops->inflate != NULL && efa_image_is_gzip(buf, len)) {
		fw->stage_addr = fw->layout.fs_start -
		    efa_flash__round_up(fw->size, fw->ops->sector_size);
		fw->erased_to = fw->stage_addr;
	}
	return efa_flashwriter_sink.write(ctx, buf, len);
}

static enum efa_err
stage_finish(void *ctx, const uint8_t md5[16])
{
	return efa_flashwriter_sink.finish(ctx, md5);
}

static void
stage_abort(void *ctx)
{
	efa_flashwriter_sink.abort(ctx);
}

static enum efa_err
stage_confirm(void *ctx)
{
	return efa_flashwriter_sink.confirm(ctx);
}

static enum efa_err
stage_reject(void *ctx)
{
	return efa_flashwriter_sink.reject(ctx);
}

const struct efa_sink_ops efa_flashwriter_stage_sink = {
	stage_free_space,
	stage_begin,
	stage_write,
	stage_finish,
	stage_abort,
	stage_confirm,
	stage_reject
};
