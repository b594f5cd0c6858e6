/* SPDX-License-Identifier: MIT */
/*
 * Power-loss sweep of the core's flash update (efa_flash.h) on the
 * simulated flash: cut the power at every erase/program of a whole update
 * (stage, commit, boot copy), and again at every operation of the recovery
 * boot, then check the device runs exactly the old or exactly the new
 * image, the new one if and only if the cut came after the commit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fakes/image-gen.h"

#include "efa/efa_flash.h"
#include "efa/efa_hash.h"
#include "efa/efa_wire.h"
#include "flashsim.h"

/* The emulated-lx106 run may thin out the double-fault sweep. */
#ifndef POWERLOSS_DOUBLE_STRIDE
#define POWERLOSS_DOUBLE_STRIDE 1u
#endif

#define SECTOR 4096u
#define FLASH_SIZE (8u * SECTOR)
#define FS_START (5u * SECTOR)
#define FS_SIZE SECTOR
#define BOOTREC (6u * SECTOR)
#define INFO (7u * SECTOR)
#define OLD_MAX 5000u
#define CHUNK_MAX 1460u
#define MAX_OPS 512u

#define OLD_SEED 1u
#define NEW_SEED 2u
#define PENDING_SEED 3u
#define OLD_FS_SEED 4u
#define NEXT_SEED 5u

/* About 40 KiB of static RAM in all. */
static uint8_t flash_bytes[FLASH_SIZE];
static uint8_t old_img[OLD_MAX];
static uint8_t chunk[CHUNK_MAX];
static uint8_t iobuf[256];
static uint8_t scratch[256];
static uint16_t recovery_ops[MAX_OPS];

static struct flashsim_mem mem;
static struct flashsim sim;
static const struct efa_flash_ops *ops;
static struct efa_flashwriter fw;
static const struct efa_sink_ops *sink = &efa_flashwriter_sink;
static const struct efa_flash_layout layout = {
	FS_START, FS_SIZE, BOOTREC, INFO
};

struct config {
	uint32_t align;       /* prog_align */
	uint32_t buf_len;     /* the writer's and the boot's I/O buffer */
	uint32_t old_len;     /* the provisioned (running) sketch */
	int cmd;              /* 0 sketch, 100 filesystem */
	uint32_t new_len;     /* the update */
	uint32_t chunk;       /* bytes per sink write */
	uint32_t pending_len; /* > 0: an update committed, not booted, first */
};

enum outcome { OLD, NEW, BAD };

static const struct config *cfg;
static uint8_t old_md5[16], new_md5[16], pending_md5[16];

static void
gen_md5(uint32_t seed, uint32_t len, uint8_t out[16])
{
	struct efa_md5 md5;
	struct gen g;
	uint32_t done, n;

	gen_init(&g, seed);
	efa_md5_init(&md5);
	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(scratch) ? len - done :
		    (uint32_t)sizeof(scratch);
		gen_fill(&g, scratch, n);
		efa_md5_update(&md5, scratch, n);
	}
	efa_md5_final(&md5, out);
}

/* flash[off, off+len) holds the first len bytes of image 'seed'. */
static int
flash_is_image(uint32_t off, uint32_t len, uint32_t seed)
{
	struct gen g;
	uint32_t done, n;

	gen_init(&g, seed);
	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(scratch) ? len - done :
		    (uint32_t)sizeof(scratch);
		gen_fill(&g, scratch, n);
		if (memcmp(flash_bytes + off + done, scratch, n) != 0)
			return 0;
	}
	return 1;
}

static int
all_ff(uint32_t off, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (flash_bytes[off + i] != 0xFF)
			return 0;
	return 1;
}

/* A whole update of image 'seed' through the sink, stopping at the first
 * error (a power loss, in the sweep). */
static enum efa_err
stage_and_commit(int cmd, uint32_t seed, uint32_t len,
    const uint8_t md5[16])
{
	struct gen g;
	enum efa_err err;
	uint32_t done, n;

	err = efa_flashwriter_init(&fw, ops, &sim, &layout, iobuf,
	    cfg->buf_len);
	if (err != EFA_E_OK)
		return err;
	assert_true(len <= sink->free_space(&fw, cmd));
	err = sink->begin(&fw, cmd, len);
	gen_init(&g, seed);
	for (done = 0; err == EFA_E_OK && done < len; done += n) {
		n = len - done < cfg->chunk ? len - done : cfg->chunk;
		gen_fill(&g, chunk, n);
		err = sink->write(&fw, chunk, n);
	}
	if (err == EFA_E_OK)
		err = sink->finish(&fw, md5);
	return err;
}

static enum efa_err
boot(struct efa_running *run)
{
	enum efa_err err = EFA_E_ABORTED;
	enum efa_boot_result res;

	res = efa_boot_run(ops, &sim, &layout, iobuf, cfg->buf_len, run,
	    &err);
	if (res == EFA_BOOT_FAILED) {
		assert_int_not_equal(err, EFA_E_OK);
		return err;
	}
	assert_int_equal(err, EFA_E_OK);
	return EFA_E_OK;
}

/* Fresh flash: the old image provisioned (and an old filesystem, and a
 * pending update if the configuration has one). */
static void
fresh(void)
{
	struct flashsim_store store;
	struct gen g;

	memset(flash_bytes, 0xFF, sizeof(flash_bytes));
	mem.bytes = flash_bytes;
	mem.size = FLASH_SIZE;
	flashsim_mem_store(&store, &mem);
	flashsim_init(&sim, &store, FLASH_SIZE, SECTOR, cfg->align);
	ops = flashsim_flash_ops(&sim);
	gen_init(&g, OLD_SEED);
	gen_fill(&g, old_img, cfg->old_len);
	assert_int_equal(efa_flash_provision(ops, &sim, &layout, old_img,
	    cfg->old_len, iobuf, cfg->buf_len), EFA_E_OK);
	/* The filesystem the device shipped with (not a flash operation). */
	gen_init(&g, OLD_FS_SEED);
	gen_fill(&g, flash_bytes + FS_START, FS_SIZE);
	if (cfg->pending_len > 0)
		assert_int_equal(stage_and_commit(EFA_CMD_FLASH, PENDING_SEED,
		    cfg->pending_len, pending_md5), EFA_E_OK);
}

/* What the device runs now (after a completed boot that filled *run). */
static enum outcome
classify(const struct efa_running *run)
{
	int old_sketch = run->valid && run->size == cfg->old_len &&
	    memcmp(run->md5, old_md5, 16) == 0 &&
	    flash_is_image(0, cfg->old_len, OLD_SEED);

	if (cfg->cmd == EFA_CMD_FS) {
		if (!old_sketch)
			return BAD;
		if (flash_is_image(FS_START, FS_SIZE, OLD_FS_SEED))
			return OLD;
		if (flash_is_image(FS_START, cfg->new_len, NEW_SEED) &&
		    all_ff(FS_START + cfg->new_len, FS_SIZE - cfg->new_len))
			return NEW;
		return BAD;
	}
	if (old_sketch)
		return OLD;
	if (run->valid && run->size == cfg->new_len &&
	    memcmp(run->md5, new_md5, 16) == 0 &&
	    flash_is_image(0, cfg->new_len, NEW_SEED))
		return NEW;
	return BAD;
}

/* After recovery: the right image, no pending record (another boot is a
 * normal one and touches nothing), no rule ever broken. */
static void
check(const struct efa_running *run, enum outcome want)
{
	struct efa_running again;
	uint32_t before = sim.op_count;

	assert_int_equal(sim.violations, 0);
	assert_true(sim.powered);
	assert_int_equal(classify(run), want);
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    cfg->buf_len, &again, NULL), EFA_BOOT_NORMAL);
	assert_int_equal(sim.op_count, before);
	assert_int_equal(again.valid, run->valid);
	assert_int_equal(again.size, run->size);
	assert_memory_equal(again.md5, run->md5, 16);
	/* And the device can take the next update. */
	assert_int_equal(efa_flashwriter_init(&fw, ops, &sim, &layout, iobuf,
	    cfg->buf_len), EFA_E_OK);
	assert_true(fw.running.valid);
}

/* Whatever recovery left behind (a retired record, staging garbage), the
 * device takes and applies a further update of the same kind. */
static void
next_update(void)
{
	struct efa_running run;
	uint8_t md5[16];
	uint32_t len = sink->free_space(&fw, cfg->cmd);

	if (len > 3000u)
		len = 3000u;
	assert_true(len > 0);
	gen_md5(NEXT_SEED, len, md5);
	assert_int_equal(stage_and_commit(cfg->cmd, NEXT_SEED, len, md5),
	    EFA_E_OK);
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    cfg->buf_len, &run, NULL), cfg->cmd == EFA_CMD_FS ?
	    EFA_BOOT_FS_UPDATED : EFA_BOOT_UPDATED);
	if (cfg->cmd == EFA_CMD_FS) {
		assert_true(flash_is_image(FS_START, len, NEXT_SEED));
	} else {
		assert_int_equal(run.size, len);
		assert_memory_equal(run.md5, md5, 16);
		assert_true(flash_is_image(0, len, NEXT_SEED));
	}
	assert_int_equal(sim.violations, 0);
}

/* Update and first boot; the power goes at operation k (0 = never).
 * Returns the first error; counts the operations of staging and commit,
 * and of everything, if asked. */
static enum efa_err
update_and_boot(uint32_t k, uint32_t *commit_ops, uint32_t *all_ops)
{
	struct efa_running run;
	uint32_t base;
	enum efa_err err;

	fresh();
	base = sim.op_count;
	flashsim_fail_after(&sim, k);
	err = stage_and_commit(cfg->cmd, NEW_SEED, cfg->new_len, new_md5);
	if (commit_ops != NULL)
		*commit_ops = sim.op_count - base;
	if (err == EFA_E_OK)
		err = boot(&run);
	if (all_ops != NULL)
		*all_ops = sim.op_count - base;
	return err;
}

/* The whole sweep for one configuration. */
static void
sweep(const struct config *c)
{
	struct efa_running run;
	uint32_t n_commit, n_total, k, j, base;
	enum outcome want;

	cfg = c;
	gen_md5(OLD_SEED, c->old_len, old_md5);
	gen_md5(NEW_SEED, c->new_len, new_md5);
	gen_md5(PENDING_SEED, c->pending_len, pending_md5);

	/* No loss: count the operations up to the commit and in all. */
	assert_int_equal(update_and_boot(0, &n_commit, &n_total), EFA_E_OK);
	assert_true(n_commit > 2);
	assert_true(n_total > n_commit + 3);
	assert_true(n_total < MAX_OPS);
	if (c->pending_len == 0) {
		fresh();
		assert_int_equal(boot(&run), EFA_E_OK);
		assert_int_equal(classify(&run), OLD);
	}

	/* One loss at every operation k. */
	for (k = 1; k <= n_total; k++) {
		want = k <= n_commit ? OLD : NEW;
		assert_int_equal(update_and_boot(k, NULL, NULL),
		    EFA_E_POWERLOSS);
		assert_false(sim.powered);
		flashsim_power_on(&sim);
		base = sim.op_count;
		assert_int_equal(boot(&run), EFA_E_OK);
		recovery_ops[k] = (uint16_t)(sim.op_count - base);
		/* Before the commit nothing is pending; after it there is
		 * work left, unless the loss tore the last two operations
		 * (retire, erase the record), which leave it retired. */
		if (k <= n_commit)
			assert_int_equal(recovery_ops[k], 0);
		else if (k + 1 < n_total)
			assert_true(recovery_ops[k] > 0);
		check(&run, want);
		next_update();
	}

	/* A second loss at every operation j of the recovery boot. */
	for (k = 1; k <= n_total; k++) {
		want = k <= n_commit ? OLD : NEW;
		for (j = 1; j <= recovery_ops[k];
		    j += POWERLOSS_DOUBLE_STRIDE) {
			assert_int_equal(update_and_boot(k, NULL, NULL),
			    EFA_E_POWERLOSS);
			flashsim_power_on(&sim);
			flashsim_fail_after(&sim, j);
			assert_int_equal(boot(&run), EFA_E_POWERLOSS);
			flashsim_power_on(&sim);
			assert_int_equal(boot(&run), EFA_E_OK);
			check(&run, want);
		}
	}
}

/* Sketch 5000 -> 9000 bytes: staged at sector 2, copied to sectors 0-2,
 * so the copy overwrites its own first source sector. */
static void
test_overlap(void **state)
{
	static const struct config c = { 4, 256, 5000, 0, 9000, 1000, 0 };

	(void)state;
	sweep(&c);
}

/* Sketch 3000 -> 16000 bytes with prog_align 16 and odd writes: staged at
 * sector 1, copied to 0-3, every source but the last is overwritten. */
static void
test_overlap_max(void **state)
{
	static const struct config c = { 16, 256, 3000, 0, 16000, 777, 0 };

	(void)state;
	sweep(&c);
}

/* Sketch 5000 -> 4501 bytes, prog_align 1, smallest buffer: no overlap. */
static void
test_no_overlap(void **state)
{
	static const struct config c = { 1, 64, 5000, 0, 4501, 333, 0 };

	(void)state;
	sweep(&c);
}

/* Filesystem image: staged below the FS, copied to it, sketch untouched. */
static void
test_fs(void **state)
{
	static const struct config c = { 4, 256, 5000, 100, 3001, 500, 0 };

	(void)state;
	sweep(&c);
}

/* An update committed but not booted, then another one over it: the first
 * must never be what runs. */
static void
test_over_pending(void **state)
{
	static const struct config c = { 4, 256, 5000, 0, 9000, 1460, 7000 };

	(void)state;
	sweep(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_overlap_max),
		cmocka_unit_test(test_no_overlap),
		cmocka_unit_test(test_fs),
		cmocka_unit_test(test_over_pending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
