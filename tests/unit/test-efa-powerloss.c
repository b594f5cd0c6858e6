/* SPDX-License-Identifier: MIT */
/*
 * Power-loss sweeps of the core's flash update and trial (efa_flash.h) on
 * the simulated flash: cut the power at every erase/program of
 *   - a whole update (stage, commit, the boot's swap, the first start),
 *   - the application's confirmation of the image on trial,
 *   - the rejection at its deadline and the boot that rolls it back,
 *   - the starts of an image on trial up to the boot that rolls it back,
 * and again at every operation of the recovery boot (double losses). After
 * each, the device must run exactly the old or exactly the new image, and
 * the trial bookkeeping must hold: an image never confirmed is rolled back
 * within EFA_TRIAL_BOOTS further starts and the old one then runs for good;
 * only a confirmation that reached its commit keeps the new one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fakes/image-gen.h"

#include "efa/efa_config_defaults.h"
#include "efa/efa_flash.h"
#include "efa/efa_hash.h"
#include "efa/efa_wire.h"
#include "flashsim.h"

/* The emulated-lx106 run may thin out the double-fault sweep. */
#ifndef POWERLOSS_DOUBLE_STRIDE
#define POWERLOSS_DOUBLE_STRIDE 1u
#endif

#define SECTOR 4096u
#define FLASH_SIZE (16u * SECTOR)
#define FS_START (9u * SECTOR)
#define FS_SIZE SECTOR
#define BOOTREC (14u * SECTOR)
#define INFO (15u * SECTOR)
#define OLD_MAX (4u * SECTOR)
#define CHUNK_MAX 1460u
#define MAX_OPS 512u

#define OLD_SEED 1u
#define NEW_SEED 2u
#define PENDING_SEED 3u
#define OLD_FS_SEED 4u
#define NEXT_SEED 5u

/* About 100 KiB of static RAM in all. */
static uint8_t flash_bytes[FLASH_SIZE];
static uint8_t old_img[OLD_MAX];
static uint8_t chunk[CHUNK_MAX];
static uint8_t iobuf[SECTOR];   /* up to a whole sector per I/O */
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

/* ANY: either image, as long as the bookkeeping holds (check()). */
enum outcome { OLD, NEW, BAD, ANY };

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

/* One boot; its error (EFA_E_OK when it completed, run then filled). */
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

/* The application ends the trial: confirms (keep) or gives it up. */
static enum efa_err
end_trial(int keep)
{
	enum efa_err err = efa_flashwriter_init(&fw, ops, &sim, &layout,
	    iobuf, cfg->buf_len);

	if (err == EFA_E_OK)
		err = keep ? sink->confirm(&fw) : sink->reject(&fw);
	return err;
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

/* What the device runs now (after a completed boot that filled *run). A
 * new image on trial must have the old one intact where it says. */
static enum outcome
classify(const struct efa_running *run)
{
	int old_sketch = run->valid && run->size == cfg->old_len &&
	    memcmp(run->md5, old_md5, 16) == 0 &&
	    flash_is_image(0, cfg->old_len, OLD_SEED);

	if (cfg->cmd == EFA_CMD_FS) {
		if (!old_sketch || run->state != EFA_IMAGE_OK)
			return BAD;
		if (flash_is_image(FS_START, FS_SIZE, OLD_FS_SEED))
			return OLD;
		if (flash_is_image(FS_START, cfg->new_len, NEW_SEED) &&
		    all_ff(FS_START + cfg->new_len, FS_SIZE - cfg->new_len))
			return NEW;
		return BAD;
	}
	if (old_sketch) {
		/* rolled back: the rejected image where the record says */
		if (run->state == EFA_IMAGE_ROLLED_BACK &&
		    !(run->other_size == cfg->new_len &&
		    memcmp(run->other_md5, new_md5, 16) == 0 &&
		    flash_is_image(run->other_addr, cfg->new_len, NEW_SEED)))
			return BAD;
		return run->state == EFA_IMAGE_TRIAL ? BAD : OLD;
	}
	if (run->valid && run->size == cfg->new_len &&
	    memcmp(run->md5, new_md5, 16) == 0 &&
	    flash_is_image(0, cfg->new_len, NEW_SEED)) {
		if (run->state == EFA_IMAGE_TRIAL &&
		    !(run->other_size == cfg->old_len &&
		    memcmp(run->other_md5, old_md5, 16) == 0 &&
		    flash_is_image(run->other_addr, cfg->old_len, OLD_SEED)))
			return BAD;
		return run->state == EFA_IMAGE_ROLLED_BACK ? BAD : NEW;
	}
	return BAD;
}

/*
 * After recovery (*run from a completed boot): the right image, and the
 * bookkeeping. Nobody confirms from here on: keep booting (a crash loop);
 * each boot runs a complete image; an image on trial is rolled back within
 * EFA_TRIAL_BOOTS starts; the result holds for good, with no flash
 * operation any more: the old image (rolled back, or never replaced), or
 * the new one only if 'confirmed'. No rule is ever broken.
 */
static void
check(const struct efa_running *run, enum outcome want, int confirmed)
{
	struct efa_running now = *run;
	enum outcome final = confirmed ? NEW : OLD;
	uint32_t boots, before;

	assert_int_equal(sim.violations, 0);
	assert_true(sim.powered);
	if (want == ANY)
		assert_int_not_equal(classify(run), BAD);
	else
		assert_int_equal(classify(run), want);
	if (cfg->cmd == EFA_CMD_FS)
		final = want;
	for (boots = 0; now.state == EFA_IMAGE_TRIAL; boots++) {
		assert_false(confirmed);
		assert_true(boots <= EFA_TRIAL_BOOTS);
		assert_int_equal(boot(&now), EFA_E_OK);
		assert_int_not_equal(classify(&now), BAD);
	}
	assert_int_equal(classify(&now), final);
	before = sim.op_count;
	assert_int_equal(boot(&now), EFA_E_OK);
	assert_int_equal(classify(&now), final);
	assert_int_equal(sim.op_count, before);
	assert_int_equal(sim.violations, 0);
}

/* Whatever recovery left behind (a retired record, staging garbage), the
 * device takes and applies a further update of the same kind. */
static void
next_update(void)
{
	struct efa_running run;
	uint8_t md5[16];
	uint32_t len;

	assert_int_equal(efa_flashwriter_init(&fw, ops, &sim, &layout, iobuf,
	    cfg->buf_len), EFA_E_OK);
	assert_true(fw.running.valid);
	len = sink->free_space(&fw, cfg->cmd);
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
		assert_int_equal(run.state, EFA_IMAGE_TRIAL);
		assert_true(flash_is_image(0, len, NEXT_SEED));
	}
	assert_int_equal(sim.violations, 0);
}

/*
 * A phase swept for power losses, from a state prepare() builds without
 * losses: run() performs the phase and returns its first error. commit:
 * how many of its operations leave the old situation in place (a loss at
 * any later one finds the phase's effect committed).
 */
struct phase {
	void (*prepare)(void);
	enum efa_err (*run)(void);
	enum outcome before, after;   /* the image then */
	int confirmed_after;          /* the phase confirms the image */
};

static uint32_t phase_commit;      /* set by the update phase's run() */

/* Operations of the phase (no loss), and of the first boot after it. */
static uint32_t
phase_ops(const struct phase *p)
{
	uint32_t base;

	p->prepare();
	base = sim.op_count;
	assert_int_equal(p->run(), EFA_E_OK);
	return sim.op_count - base;
}

/* Prepare, then run the phase with the power going at its k-th
 * operation; it must fail with the loss. */
static void
cut_at(const struct phase *p, uint32_t k)
{
	p->prepare();
	flashsim_fail_after(&sim, k);
	assert_int_equal(p->run(), EFA_E_POWERLOSS);
	assert_false(sim.powered);
	flashsim_power_on(&sim);
}

/* The whole sweep of a phase: a loss at every operation k (the outcome is
 * p->before up to 'commit', p->after beyond), then a second loss at every
 * operation j of the recovery boot. */
static void
sweep(const struct phase *p, uint32_t commit)
{
	struct efa_running run;
	uint32_t total = phase_ops(p), k, j, base;
	enum outcome want;
	int confirmed;

	assert_true(total > 0 && total < MAX_OPS);
	assert_true(commit <= total);
	for (k = 1; k <= total; k++) {
		want = k <= commit ? p->before : p->after;
		confirmed = k > commit && p->confirmed_after;
		cut_at(p, k);
		base = sim.op_count;
		assert_int_equal(boot(&run), EFA_E_OK);
		recovery_ops[k] = (uint16_t)(sim.op_count - base);
		check(&run, want, confirmed);
		next_update();
	}
	for (k = 1; k <= total; k++) {
		want = k <= commit ? p->before : p->after;
		confirmed = k > commit && p->confirmed_after;
		for (j = 1; j <= recovery_ops[k];
		    j += POWERLOSS_DOUBLE_STRIDE) {
			cut_at(p, k);
			flashsim_fail_after(&sim, j);
			assert_int_equal(boot(&run), EFA_E_POWERLOSS);
			flashsim_power_on(&sim);
			assert_int_equal(boot(&run), EFA_E_OK);
			check(&run, want, confirmed);
		}
	}
}

/* ---- the update: stage, commit, the swap at boot, the first start ---- */

static void
prepare_fresh(void)
{
	fresh();
}

static enum efa_err
run_update(void)
{
	struct efa_running run;
	uint32_t base = sim.op_count;
	enum efa_err err;

	err = stage_and_commit(cfg->cmd, NEW_SEED, cfg->new_len, new_md5);
	phase_commit = sim.op_count - base;
	if (err == EFA_E_OK)
		err = boot(&run);
	return err;
}

static const struct phase update_phase = {
	prepare_fresh, run_update, OLD, NEW, 0
};

static void
sweep_update(const struct config *c)
{
	struct efa_running run;

	cfg = c;
	gen_md5(OLD_SEED, c->old_len, old_md5);
	gen_md5(NEW_SEED, c->new_len, new_md5);
	gen_md5(PENDING_SEED, c->pending_len, pending_md5);
	/* without a loss: commit at the end of staging, the new image on
	 * trial (or the new filesystem) after the boot */
	phase_ops(&update_phase);
	assert_true(phase_commit > 2);
	assert_int_equal(boot(&run), EFA_E_OK);
	assert_int_equal(classify(&run), NEW);
	if (c->pending_len == 0) {
		fresh();
		assert_int_equal(boot(&run), EFA_E_OK);
		assert_int_equal(classify(&run), OLD);
	}
	sweep(&update_phase, phase_commit);
}

/* The new image larger than the old: 3 sectors in, 2 out. */
static void
test_update_grows(void **state)
{
	static const struct config c = { 4, 4096, 5000, 0, 9000, 1000, 0 };

	(void)state;
	sweep_update(&c);
}

/* Smaller, with prog_align 16, odd writes and a smaller buffer: 1 sector
 * in, 4 out. */
static void
test_update_shrinks(void **state)
{
	static const struct config c = { 16, 1024, 16000, 0, 3000, 777, 0 };

	(void)state;
	sweep_update(&c);
}

/* The same number of sectors, prog_align 1, the smallest buffer (a sector
 * takes 64 programs). */
static void
test_update_same_size(void **state)
{
	static const struct config c = { 1, 64, 1500, 0, 1201, 333, 0 };

	(void)state;
	sweep_update(&c);
}

/* Filesystem image: staged below the FS, copied to it, no trial. */
static void
test_update_fs(void **state)
{
	static const struct config c = { 4, 256, 5000, 100, 3001, 500, 0 };

	(void)state;
	sweep_update(&c);
}

/* An update committed but not booted, then another one over it: the first
 * must never be what runs. */
static void
test_update_over_pending(void **state)
{
	static const struct config c = { 4, 4096, 5000, 0, 9000, 1460, 7000 };

	(void)state;
	sweep_update(&c);
}

/* ---- the trial: confirm, reject, the starts and the rollback ---- */

/* The update applied, the new image started once. */
static void
prepare_trial(void)
{
	struct efa_running run;

	fresh();
	assert_int_equal(stage_and_commit(EFA_CMD_FLASH, NEW_SEED,
	    cfg->new_len, new_md5), EFA_E_OK);
	assert_int_equal(boot(&run), EFA_E_OK);
	assert_int_equal(run.state, EFA_IMAGE_TRIAL);
	assert_int_equal(run.boots, 1);
}

static enum efa_err
run_confirm(void)
{
	return end_trial(1);
}

static enum efa_err
run_reject_and_boot(void)
{
	struct efa_running run;
	enum efa_err err = end_trial(0);

	if (err == EFA_E_OK)
		err = boot(&run);
	if (err == EFA_E_OK)
		assert_int_equal(run.state, EFA_IMAGE_ROLLED_BACK);
	return err;
}

/* The starts 2 .. EFA_TRIAL_BOOTS (one program each) and the boot after
 * them, which rolls the image back. */
static enum efa_err
run_starts_and_rollback(void)
{
	struct efa_running run;
	enum efa_err err = EFA_E_OK;
	uint32_t i;

	for (i = 2; err == EFA_E_OK && i <= EFA_TRIAL_BOOTS + 1; i++)
		err = boot(&run);
	if (err == EFA_E_OK)
		assert_int_equal(run.state, EFA_IMAGE_ROLLED_BACK);
	return err;
}

static const struct config trial_cfg = { 4, 4096, 5000, 0, 9000, 1460, 0 };
static const struct config trial_cfg16 = { 16, 2048, 16000, 0, 3000, 777,
	0 };

/* The sweep of a trial phase, in both trial configurations. */
static void
sweep_trial(const struct phase *p, uint32_t commit)
{
	static const struct config *const cfgs[] = { &trial_cfg,
	    &trial_cfg16 };
	size_t i;

	for (i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		cfg = cfgs[i];
		gen_md5(OLD_SEED, cfg->old_len, old_md5);
		gen_md5(NEW_SEED, cfg->new_len, new_md5);
		sweep(p, commit);
	}
}

/* The confirmation's first operation is its commit (the record sector is
 * blank after the boot): a loss there leaves the image on trial, a loss
 * at any later one finds it confirmed. */
static void
test_confirm(void **state)
{
	static const struct phase p = {
		prepare_trial, run_confirm, NEW, NEW, 1
	};

	(void)state;
	sweep_trial(&p, 1);
}

/* Rejected at the deadline: the commit, then the boot's swap back. */
static void
test_reject(void **state)
{
	static const struct phase p = {
		prepare_trial, run_reject_and_boot, NEW, OLD, 0
	};

	(void)state;
	sweep_trial(&p, 1);
}

/* A crash loop: every start counted, then the rollback. Whatever a loss
 * hits, the image stays unconfirmed (check() then finishes the loop): a
 * loss at a count finds the new image still on trial or (a torn count
 * counts with prog_align 16) already rolled back, a loss after the
 * rollback's commit the old image back. */
static void
test_starts_and_rollback(void **state)
{
	static const struct phase p = {
		prepare_trial, run_starts_and_rollback, ANY, OLD, 0
	};

	(void)state;
	/* EFA_TRIAL_BOOTS - 1 counting programs, then the commit */
	sweep_trial(&p, EFA_TRIAL_BOOTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_grows),
		cmocka_unit_test(test_update_shrinks),
		cmocka_unit_test(test_update_same_size),
		cmocka_unit_test(test_update_fs),
		cmocka_unit_test(test_update_over_pending),
		cmocka_unit_test(test_confirm),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_starts_and_rollback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
