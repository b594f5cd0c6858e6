/* SPDX-License-Identifier: MIT */
/*
 * The rules engine of the simulated NOR flash (see flashsim.h) and its
 * memory store. Pure C99 with string.h only: it is linked into the core's
 * unit tests, which also run on an emulated lx106. The file store for
 * espfleet-sim is in flashsim-file.c.
 */
#include <string.h>

#include "flashsim.h"

/* Bytes checked or copied per store access (stack use stays small). */
/* Bytes moved through the store per call. Small by default: the core's unit
 * tests run this on an emulated lx106 with a small stack; espfleet-sim,
 * which runs hundreds of devices, builds it with -DFLASHSIM_CHUNK=4096. */
#ifndef FLASHSIM_CHUNK
#define FLASHSIM_CHUNK 64u
#endif
#define CHUNK FLASHSIM_CHUNK

/* ---- violation messages, without stdio ---- */

static size_t
put_str(char *out, size_t pos, size_t cap, const char *s)
{
	while (*s != '\0' && pos + 1 < cap)
		out[pos++] = *s++;
	out[pos] = '\0';
	return pos;
}

static size_t
put_hex(char *out, size_t pos, size_t cap, uint32_t v)
{
	static const char digits[] = "0123456789abcdef";
	char hex[11];
	int i;

	hex[0] = '0';
	hex[1] = 'x';
	for (i = 0; i < 8; i++)
		hex[2 + i] = digits[(v >> (28 - 4 * i)) & 0x0f];
	hex[10] = '\0';
	return put_str(out, pos, cap, hex);
}

/* Count a rule violation: "<op> <what> off 0x... len 0x...". */
static enum efa_err
violation(struct flashsim *f, const char *op, const char *what,
    uint32_t off, uint32_t len, enum efa_err err)
{
	char *m = f->last_violation;
	size_t cap = sizeof(f->last_violation), pos = 0;

	f->violations++;
	pos = put_str(m, pos, cap, op);
	pos = put_str(m, pos, cap, ": ");
	pos = put_str(m, pos, cap, what);
	pos = put_str(m, pos, cap, " off ");
	pos = put_hex(m, pos, cap, off);
	pos = put_str(m, pos, cap, " len ");
	put_hex(m, pos, cap, len);
	return err;
}

static int
in_bounds(const struct flashsim *f, uint32_t off, uint32_t len)
{
	return off <= f->size && len <= f->size - off;
}

/* Count an erase/prog that reaches the flash; 1 if it is the torn one. */
static int
tick(struct flashsim *f)
{
	f->op_count++;
	return f->powerloss_at != 0 && f->op_count == f->powerloss_at;
}

static enum efa_err
lose_power(struct flashsim *f)
{
	f->powered = 0;
	f->powerloss_at = 0;
	f->erased_lo = f->erased_hi = 0;
	return EFA_E_POWERLOSS;
}

/* Forget what is known erased where [off, off+len) was changed. */
static void
forget_erased(struct flashsim *f, uint32_t off, uint32_t len)
{
	if (off < f->erased_hi && off + len > f->erased_lo)
		f->erased_lo = f->erased_hi = 0;
}

/* Set [off, off+len) to 0xFF through the store. */
static int
store_erase(struct flashsim *f, uint32_t off, uint32_t len)
{
	uint8_t ff[CHUNK];

	if (f->store.erase != NULL)
		return f->store.erase(f->store.ctx, off, len);
	memset(ff, 0xFF, sizeof(ff));
	while (len > 0) {
		uint32_t n = len < CHUNK ? len : CHUNK;

		if (f->store.write(f->store.ctx, off, ff, n) != 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

static enum efa_err
sim_read(void *ctx, uint32_t off, void *buf, uint32_t len)
{
	struct flashsim *f = ctx;

	if (!f->powered)
		return EFA_E_POWERLOSS;
	if (!in_bounds(f, off, len))
		return violation(f, "read", "out of bounds", off, len,
		    EFA_E_READ);
	if (len > 0 && f->store.read(f->store.ctx, off, buf, len) != 0)
		return EFA_E_READ;
	return EFA_E_OK;
}

static enum efa_err
sim_erase(void *ctx, uint32_t off, uint32_t len)
{
	struct flashsim *f = ctx;
	uint32_t m = f->ops.sector_size - 1u;

	if (!f->powered)
		return EFA_E_POWERLOSS;
	if (len == 0 || ((off | len) & m) != 0)
		return violation(f, "erase", "not whole sectors", off, len,
		    EFA_E_ERASE);
	if (!in_bounds(f, off, len))
		return violation(f, "erase", "out of bounds", off, len,
		    EFA_E_ERASE);
	if (tick(f)) {
		store_erase(f, off, len >> 1);
		return lose_power(f);
	}
	if (store_erase(f, off, len) != 0) {
		f->erased_lo = f->erased_hi = 0;
		return EFA_E_ERASE;
	}
	if (f->erased_lo < f->erased_hi && off == f->erased_hi)
		f->erased_hi = off + len;
	else {
		f->erased_lo = off;
		f->erased_hi = off + len;
	}
	return EFA_E_OK;
}

/* 1 if programming src over cur only clears bits. Word at a time where
 * the buffers allow (a simulator programs megabytes a second). */
static int
clears_only(const uint8_t *src, const uint8_t *cur, uint32_t len)
{
	uint32_t i = 0, a, b;

	for (; i + 4 <= len; i += 4) {
		memcpy(&a, src + i, 4);
		memcpy(&b, cur + i, 4);
		if ((a & ~b) != 0)
			return 0;
	}
	for (; i < len; i++)
		if ((src[i] & (uint8_t)~cur[i]) != 0)
			return 0;
	return 1;
}

/* cur &= src, word at a time. */
static void
and_into(uint8_t *cur, const uint8_t *src, uint32_t len)
{
	uint32_t i = 0, a, b;

	for (; i + 4 <= len; i += 4) {
		memcpy(&a, src + i, 4);
		memcpy(&b, cur + i, 4);
		b &= a;
		memcpy(cur + i, &b, 4);
	}
	for (; i < len; i++)
		cur[i] &= src[i];
}

/* Program [off, off+len) with AND semantics, CHUNK bytes at a time. */
static enum efa_err
apply_prog(struct flashsim *f, uint32_t off, const uint8_t *src,
    uint32_t len)
{
	uint8_t cur[CHUNK];
	uint32_t i;

	while (len > 0) {
		uint32_t n = len < CHUNK ? len : CHUNK;

		if (f->store.read(f->store.ctx, off, cur, n) != 0)
			return EFA_E_WRITE;
		for (i = 0; i < n; i++)
			cur[i] &= src[i];
		if (f->store.write(f->store.ctx, off, cur, n) != 0)
			return EFA_E_WRITE;
		off += n;
		src += n;
		len -= n;
	}
	return EFA_E_OK;
}

static enum efa_err
sim_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
	struct flashsim *f = ctx;
	const uint8_t *src = buf;
	uint32_t m = f->ops.prog_align - 1u;
	uint8_t cur[CHUNK];
	uint32_t done, i;

	if (!f->powered)
		return EFA_E_POWERLOSS;
	if (len == 0 || ((off | len) & m) != 0)
		return violation(f, "prog", "unaligned", off, len, EFA_E_WRITE);
	if (!in_bounds(f, off, len))
		return violation(f, "prog", "out of bounds", off, len,
		    EFA_E_WRITE);
	if (off >= f->erased_lo && len <= f->erased_hi - off &&
	    f->erased_lo < f->erased_hi) {
		/* all 0xFF: any program is allowed and leaves src */
		f->erased_lo = off + len;
		if (tick(f)) {
			len = (len >> 1) & ~m;
			if (len > 0)
				f->store.write(f->store.ctx, off, src, len);
			return lose_power(f);
		}
		return f->store.write(f->store.ctx, off, src, len) != 0 ?
		    EFA_E_WRITE : EFA_E_OK;
	}
	forget_erased(f, off, len);
	if (len <= CHUNK) {
		/* one read serves the check and the write */
		if (f->store.read(f->store.ctx, off, cur, len) != 0)
			return EFA_E_WRITE;
		if (!clears_only(src, cur, len))
			for (i = 0; i < len; i++)
				if ((src[i] & (uint8_t)~cur[i]) != 0)
					return violation(f, "prog",
					    "0->1 (not erased)", off + i, len,
					    EFA_E_WRITE);
		if (tick(f)) {
			len = (len >> 1) & ~m;
			if (len > 0) {
				for (i = 0; i < len; i++)
					cur[i] &= src[i];
				f->store.write(f->store.ctx, off, cur, len);
			}
			return lose_power(f);
		}
		and_into(cur, src, len);
		return f->store.write(f->store.ctx, off, cur, len) != 0 ?
		    EFA_E_WRITE : EFA_E_OK;
	}
	/* A program can only clear bits: refuse any 0 -> 1. */
	for (done = 0; done < len; done += CHUNK) {
		uint32_t n = len - done < CHUNK ? len - done : CHUNK;

		if (f->store.read(f->store.ctx, off + done, cur, n) != 0)
			return EFA_E_WRITE;
		for (i = 0; i < n; i++)
			if ((src[done + i] & (uint8_t)~cur[i]) != 0)
				return violation(f, "prog",
				    "0->1 (not erased)", off + done + i, len,
				    EFA_E_WRITE);
	}
	if (tick(f)) {
		apply_prog(f, off, src, (len >> 1) & ~m);
		return lose_power(f);
	}
	return apply_prog(f, off, src, len);
}

void
flashsim_init(struct flashsim *f, const struct flashsim_store *store,
    uint32_t size, uint32_t sector_size, uint32_t prog_align)
{
	memset(f, 0, sizeof(*f));
	f->store = *store;
	f->size = size;
	f->ops.read = sim_read;
	f->ops.erase = sim_erase;
	f->ops.prog = sim_prog;
	f->ops.sector_size = sector_size;
	f->ops.prog_align = prog_align;
	f->powered = 1;
	f->erased_lo = f->erased_hi = 0;
}

const struct efa_flash_ops *
flashsim_flash_ops(struct flashsim *f)
{
	return &f->ops;
}

void
flashsim_fail_after(struct flashsim *f, uint32_t n)
{
	f->powerloss_at = n == 0 ? 0 : f->op_count + n;
}

void
flashsim_no_fail(struct flashsim *f)
{
	f->powerloss_at = 0;
}

void
flashsim_power_on(struct flashsim *f)
{
	f->powered = 1;
	f->powerloss_at = 0;
	f->erased_lo = f->erased_hi = 0;
}

/* ---- memory store ---- */

static int
mem_read(void *ctx, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct flashsim_mem *m = ctx;

	if (off > m->size || len > m->size - off)
		return -1;
	memcpy(buf, m->bytes + off, len);
	return 0;
}

static int
mem_write(void *ctx, uint32_t off, const uint8_t *buf, uint32_t len)
{
	struct flashsim_mem *m = ctx;

	if (off > m->size || len > m->size - off)
		return -1;
	memcpy(m->bytes + off, buf, len);
	return 0;
}

static int
mem_erase(void *ctx, uint32_t off, uint32_t len)
{
	struct flashsim_mem *m = ctx;

	if (off > m->size || len > m->size - off)
		return -1;
	memset(m->bytes + off, 0xFF, len);
	return 0;
}

void
flashsim_mem_store(struct flashsim_store *store, struct flashsim_mem *m)
{
	store->read = mem_read;
	store->write = mem_write;
	store->erase = mem_erase;
	store->ctx = m;
}
