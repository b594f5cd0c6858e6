/* SPDX-License-Identifier: MIT */
/*
 * The core's flash writer and boot swapper (efa_flash.h) over the
 * simulated flash (flashsim.h, memory store): space rules, begin/write/
 * finish/abort, the swap at boot in both directions and for every size
 * relation, the trial (starts counted, confirm, reject, rollback at the
 * EFA_TRIAL_BOOTS-th restart), filesystem images, and the simulator's own
 * rules. Every scenario also checks that the writer never breaks a flash
 * rule. Static buffers only. Power loss: test-efa-powerloss.c.
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
#include "flashsim.h"

#define SECTOR 4096u
#define FLASH_SIZE (16u * SECTOR)
#define FS_SIZE SECTOR
#define BOOTREC (14u * SECTOR)
#define INFO (15u * SECTOR)
#define AREA (9u * SECTOR)      /* default sketch area: half is 4 sectors */
#define OLD_SIZE 5000u          /* 2 sectors */
#define NEW_SIZE 9000u          /* 3 sectors */
#define MAX_IMAGE (4u * SECTOR) /* the most that fits the default area */
#define OLD_SEED 1u
#define NEW_SEED 2u
#define THIRD_SEED 3u

/* Static RAM stays under 96 KiB: images are regenerated when needed
 * rather than kept. */
static uint8_t flash_bytes[FLASH_SIZE];
static uint8_t img[MAX_IMAGE + 16];
static uint8_t iobuf[256];
static uint8_t scratch[256];
static uint8_t old_md5[16], new_md5[16];
static uint32_t old_size;

static struct flashsim_mem mem;
static struct flashsim sim;
static const struct efa_flash_ops *ops;
static struct efa_flashwriter fw;
static const struct efa_sink_ops *sink = &efa_flashwriter_sink;

static struct efa_flash_layout layout;
static uint32_t fs_start;

static void
gen_image(uint8_t *out, uint32_t len, uint32_t seed, uint8_t md5[16])
{
	struct gen g;

	gen_init(&g, seed);
	gen_fill(&g, out, len);
	efa_md5(out, len, md5);
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

/* (Re)initialise the writer; it must succeed. */
static void
writer_init(void)
{
	assert_int_equal(efa_flashwriter_init(&fw, ops, &sim, &layout, iobuf,
	    sizeof(iobuf)), EFA_E_OK);
}

/* Fresh erased flash with prog_align 'align' and a sketch area of 'area'
 * bytes; old image (old_len bytes) provisioned; img = new image of
 * new_len bytes; writer initialised. */
static void
setup_layout(uint32_t area, uint32_t align, uint32_t old_len,
    uint32_t new_len)
{
	struct flashsim_store store;

	fs_start = area;
	layout.fs_start = area;
	layout.fs_size = FS_SIZE;
	layout.bootrec_addr = BOOTREC;
	layout.info_addr = INFO;
	memset(flash_bytes, 0xFF, sizeof(flash_bytes));
	mem.bytes = flash_bytes;
	mem.size = FLASH_SIZE;
	flashsim_mem_store(&store, &mem);
	flashsim_init(&sim, &store, FLASH_SIZE, SECTOR, align);
	ops = flashsim_flash_ops(&sim);
	old_size = old_len;
	gen_image(img, old_len, OLD_SEED, old_md5);
	assert_int_equal(efa_flash_provision(ops, &sim, &layout, img,
	    old_len, iobuf, sizeof(iobuf)), EFA_E_OK);
	assert_true(flash_is_image(0, old_len, OLD_SEED));
	gen_image(img, new_len, NEW_SEED, new_md5);
	writer_init();
	assert_true(fw.running.valid);
	assert_int_equal(fw.running.state, EFA_IMAGE_OK);
	assert_int_equal(fw.running.size, old_len);
	assert_memory_equal(fw.running.md5, old_md5, 16);
	assert_int_equal(fw.running.other_size, 0);
}

static void
setup_flash(uint32_t align, uint32_t old_len, uint32_t new_len)
{
	setup_layout(AREA, align, old_len, new_len);
}

static void
no_violations(void)
{
	assert_int_equal(sim.violations, 0);
	assert_true(sim.powered);
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

/* Write buf[0..len) in pieces cycling through splits[]. */
static void
write_split(const uint8_t *buf, uint32_t len, const uint32_t *splits,
    uint32_t nsplits)
{
	uint32_t pos = 0, k = 0;

	while (pos < len) {
		uint32_t n = splits[k];

		if (++k == nsplits)
			k = 0;
		if (n > len - pos)
			n = len - pos;
		assert_int_equal(sink->write(&fw, buf + pos, n), EFA_E_OK);
		pos += n;
	}
}

/* A whole update of img[0..len) through the sink; finish's result. */
static enum efa_err
update(int cmd, uint32_t len, const uint8_t md5[16])
{
	static const uint32_t chunk[] = { 1460 };
	enum efa_err err = sink->begin(&fw, cmd, len);

	if (err != EFA_E_OK)
		return err;
	write_split(img, len, chunk, 1);
	return sink->finish(&fw, md5);
}

/* Boot (efa_boot_run must say want); the running image must then be image
 * 'seed' of len bytes, in 'state'. Returns what the boot reported. */
static struct efa_running
boot_expect(enum efa_boot_result want, uint32_t len, uint32_t seed,
    const uint8_t md5[16], enum efa_image_state state)
{
	struct efa_running run;
	enum efa_err err = EFA_E_ABORTED;

	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    sizeof(iobuf), &run, &err), want);
	assert_int_equal(err, EFA_E_OK);
	assert_true(run.valid);
	assert_int_equal(run.size, len);
	assert_memory_equal(run.md5, md5, 16);
	assert_int_equal(run.state, state);
	assert_true(flash_is_image(0, len, seed));
	return run;
}

static struct efa_running
boot_old(enum efa_boot_result want)
{
	return boot_expect(want, old_size, OLD_SEED, old_md5, EFA_IMAGE_OK);
}

/* The new image boots on trial (start 'start' of it), the old one kept
 * where the new one was staged. */
static struct efa_running
boot_trial(enum efa_boot_result want, uint32_t len, uint32_t start)
{
	struct efa_running run = boot_expect(want, len, NEW_SEED, new_md5,
	    EFA_IMAGE_TRIAL);

	assert_int_equal(run.boots, start);
	assert_int_equal(run.other_size, old_size);
	assert_memory_equal(run.other_md5, old_md5, 16);
	assert_true(flash_is_image(run.other_addr, old_size, OLD_SEED));
	return run;
}

/* The old image is back, the new one (len bytes) given up. */
static void
boot_rolled_back(enum efa_boot_result want, uint32_t len)
{
	struct efa_running run = boot_expect(want, old_size, OLD_SEED,
	    old_md5, EFA_IMAGE_ROLLED_BACK);

	assert_int_equal(run.boots, 0);
	assert_int_equal(run.other_size, len);
	assert_memory_equal(run.other_md5, new_md5, 16);
	assert_true(flash_is_image(run.other_addr, len, NEW_SEED));
}

/* The running image's trial ends: keep (confirm) or not (reject). */
static enum efa_err
end_trial(int keep)
{
	writer_init();
	return keep ? sink->confirm(&fw) : sink->reject(&fw);
}

static void
test_sim_rules(void **state)
{
	static const uint8_t zeros[8] = { 0 };
	static const uint8_t ones[8] = {
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
	};
	uint8_t b[8], mid[8];
	uint32_t ops_before;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	ops_before = sim.op_count;
	memset(b, 0, sizeof(b));

	/* Clearing bits again is fine; any 0 -> 1 is refused, counted and
	 * changes nothing. So is an empty program. */
	assert_int_equal(ops->prog(&sim, 0, zeros, 8), EFA_E_OK);
	assert_int_equal(ops->prog(&sim, 0, zeros, 8), EFA_E_OK);
	assert_int_equal(sim.violations, 0);
	assert_int_equal(ops->prog(&sim, 4, b, 0), EFA_E_WRITE);
	assert_int_equal(sim.violations, 1);
	memcpy(b, zeros, 8);
	b[6] = 0x01;
	assert_int_equal(ops->prog(&sim, 0, b, 8), EFA_E_WRITE);
	assert_int_equal(sim.violations, 2);
	assert_string_equal(sim.last_violation,
	    "prog: 0->1 (not erased) off 0x00000006 len 0x00000008");
	assert_memory_equal(flash_bytes, zeros, 8);
	/* Unaligned program, unaligned erase, out of bounds. */
	assert_int_equal(ops->prog(&sim, 2, zeros, 4), EFA_E_WRITE);
	assert_int_equal(ops->prog(&sim, 0, zeros, 3), EFA_E_WRITE);
	assert_int_equal(ops->prog(&sim, FLASH_SIZE, zeros, 4),
	    EFA_E_WRITE);
	assert_int_equal(ops->erase(&sim, 100, SECTOR), EFA_E_ERASE);
	assert_string_equal(sim.last_violation,
	    "erase: not whole sectors off 0x00000064 len 0x00001000");
	assert_int_equal(ops->erase(&sim, 0, 100), EFA_E_ERASE);
	assert_int_equal(ops->erase(&sim, FLASH_SIZE, SECTOR), EFA_E_ERASE);
	assert_int_equal(ops->read(&sim, FLASH_SIZE - 4, b, 8), EFA_E_READ);
	assert_string_equal(sim.last_violation,
	    "read: out of bounds off 0x0000fffc len 0x00000008");
	assert_int_equal(sim.violations, 9);
	/* Only the valid operations were counted. */
	assert_int_equal(sim.op_count, ops_before + 2);

	/* A torn erase: first half only, then no power until power_on. */
	memcpy(mid, flash_bytes + SECTOR / 2, 8);
	flashsim_fail_after(&sim, 2);
	assert_int_equal(ops->prog(&sim, 8, zeros, 8), EFA_E_OK);
	assert_int_equal(ops->erase(&sim, 0, SECTOR), EFA_E_POWERLOSS);
	assert_false(sim.powered);
	assert_true(all_ff(0, SECTOR / 2));
	assert_memory_equal(flash_bytes + SECTOR / 2, mid, 8);
	assert_int_equal(ops->read(&sim, 0, b, 8), EFA_E_POWERLOSS);
	assert_int_equal(ops->erase(&sim, 0, SECTOR), EFA_E_POWERLOSS);
	assert_int_equal(ops->prog(&sim, 0, ones, 8), EFA_E_POWERLOSS);
	flashsim_power_on(&sim);
	assert_int_equal(ops->read(&sim, 0, b, 8), EFA_E_OK);
	assert_memory_equal(b, ones, 8);

	/* A torn program: first half, rounded down to prog_align. */
	assert_int_equal(ops->erase(&sim, 0, SECTOR), EFA_E_OK);
	flashsim_fail_after(&sim, 1);
	assert_int_equal(ops->prog(&sim, 0, zeros, 8), EFA_E_POWERLOSS);
	assert_memory_equal(flash_bytes, zeros, 4);
	assert_memory_equal(flash_bytes + 4, ones, 4);
	flashsim_power_on(&sim);
	flashsim_fail_after(&sim, 1);
	assert_int_equal(ops->prog(&sim, 8, zeros, 4), EFA_E_POWERLOSS);
	assert_memory_equal(flash_bytes + 8, ones, 4);
	/* power_on also cancels a loss still pending. */
	flashsim_fail_after(&sim, 1);
	flashsim_power_on(&sim);
	assert_int_equal(ops->prog(&sim, 8, zeros, 4), EFA_E_OK);
	flashsim_fail_after(&sim, 1);
	flashsim_no_fail(&sim);
	assert_int_equal(ops->prog(&sim, 12, zeros, 4), EFA_E_OK);
	assert_int_equal(sim.violations, 9);
}

/* The engine remembers the erased tail of what it erased (writers fill
 * sectors in order) and programs there without reading first; the rules
 * hold all the same. */
static void
test_sim_erased_tail(void **state)
{
	static const uint8_t zeros[8] = { 0 };
	uint8_t b[8], got[8];
	uint32_t v;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	v = sim.violations;
	memset(b, 0, sizeof(b));
	b[6] = 0x01;
	assert_int_equal(ops->erase(&sim, 2 * SECTOR, SECTOR), EFA_E_OK);
	assert_int_equal(ops->prog(&sim, 2 * SECTOR, zeros, 8), EFA_E_OK);
	/* programmed bytes are no longer taken for erased */
	assert_int_equal(ops->prog(&sim, 2 * SECTOR, b, 8), EFA_E_WRITE);
	assert_int_equal(sim.violations, v + 1);
	/* a program further on; the bytes skipped stay erased */
	assert_int_equal(ops->prog(&sim, 2 * SECTOR + 100, zeros, 8),
	    EFA_E_OK);
	assert_int_equal(ops->prog(&sim, 2 * SECTOR + 16, b, 8), EFA_E_OK);
	assert_memory_equal(flash_bytes + 2 * SECTOR + 16, b, 8);
	assert_true(all_ff(2 * SECTOR + 24, 76));
	assert_int_equal(ops->prog(&sim, 2 * SECTOR + 100, b, 8),
	    EFA_E_WRITE);
	/* the next sector erased extends the tail: a program across */
	assert_int_equal(ops->erase(&sim, 3 * SECTOR, SECTOR), EFA_E_OK);
	assert_int_equal(ops->prog(&sim, 3 * SECTOR - 4, b, 8), EFA_E_OK);
	assert_int_equal(ops->read(&sim, 3 * SECTOR - 4, got, 8), EFA_E_OK);
	assert_memory_equal(got, b, 8);
	/* a program reaching into the tail from before it forgets the
	 * tail: bits it cleared there cannot be set again */
	assert_int_equal(ops->prog(&sim, 3 * SECTOR, zeros, 8), EFA_E_OK);
	memset(b, 0, sizeof(b));
	b[0] = 0x80;
	assert_int_equal(ops->prog(&sim, 3 * SECTOR + 4, b, 4), EFA_E_WRITE);
	assert_int_equal(sim.violations, v + 3);
}

static void
test_free_space(void **state)
{
	struct efa_flashwriter w;

	(void)state;
	/* 9 sectors: two halves of 4 and a spare; FS images only need the
	 * room beside the running image, at most fs_size. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 4 * SECTOR);
	assert_int_equal(sink->free_space(&fw, 0), 4 * SECTOR);
	assert_int_equal(efa_flashwriter_free_space(&fw, 100), FS_SIZE);
	assert_int_equal(sink->free_space(&fw, 100), FS_SIZE);
	assert_int_equal(efa_flashwriter_free_space(&fw, 200), 0);
	assert_int_equal(efa_flashwriter_free_space(&fw, 1), 0);
	assert_int_equal(efa_flashwriter_free_space(&fw, -1), 0);
	/* A running image of exactly half still leaves a half... */
	setup_flash(4, 4 * SECTOR, NEW_SIZE);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 4 * SECTOR);
	/* ...a byte more leaves nothing for a swap, room for an FS. */
	setup_flash(4, 4 * SECTOR + 1, NEW_SIZE);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 0);
	assert_int_equal(efa_flashwriter_free_space(&fw, 100), FS_SIZE);
	assert_int_equal(sink->begin(&fw, 0, 1), EFA_E_SPACE);
	setup_flash(4, 1, NEW_SIZE);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 4 * SECTOR);
	/* 4 sectors: halves of 1 and 2 spare sectors. */
	setup_layout(4 * SECTOR, 4, 1, 1);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), SECTOR);
	setup_layout(4 * SECTOR, 4, SECTOR + 1, 1);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 0);
	assert_int_equal(efa_flashwriter_free_space(&fw, 100), FS_SIZE);
	/* A sketch filling its whole area leaves nothing at all. */
	setup_layout(4 * SECTOR, 4, 3 * SECTOR + 1, 1);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 0);
	assert_int_equal(efa_flashwriter_free_space(&fw, 100), 0);
	assert_int_equal(sink->begin(&fw, 100, 1), EFA_E_SPACE);

	/* No valid info record: unknown code may be anywhere, no space. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	flash_bytes[INFO + 16] ^= 0x01;
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &layout, iobuf,
	    sizeof(iobuf)), EFA_E_OK);
	assert_false(w.running.valid);
	assert_int_equal(efa_flashwriter_free_space(&w, 0), 0);
	assert_int_equal(efa_flashwriter_free_space(&w, 100), 0);
	assert_int_equal(sink->begin(&w, 0, 1), EFA_E_SPACE);
	memset(flash_bytes + INFO, 0xFF, SECTOR);
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &layout, iobuf,
	    sizeof(iobuf)), EFA_E_OK);
	assert_false(w.running.valid);
	assert_int_equal(efa_flashwriter_free_space(&w, 0), 0);
	no_violations();
}

/* What one boot record can track caps the free space: 256-byte sectors
 * and prog_align 16 leave (256 - 96) / 16 = 10 progress slots, 3 a
 * sector of a swap (2 sectors), 1 a sector of a copy. */
static void
test_free_space_capped_by_record(void **state)
{
	static const struct efa_flash_layout small = {
		24u * 256u, 8u * 256u, 60u * 256u, 61u * 256u
	};
	struct flashsim_store store;
	struct efa_flashwriter w;
	uint8_t tiny[64];

	(void)state;
	memset(flash_bytes, 0xFF, sizeof(flash_bytes));
	mem.bytes = flash_bytes;
	mem.size = 64u * 256u;
	flashsim_mem_store(&store, &mem);
	flashsim_init(&sim, &store, 64u * 256u, 256u, 16u);
	ops = flashsim_flash_ops(&sim);
	gen_image(img, 100, OLD_SEED, old_md5);
	assert_int_equal(efa_flash_provision(ops, &sim, &small, img, 100,
	    tiny, sizeof(tiny)), EFA_E_OK);
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &small, tiny,
	    sizeof(tiny)), EFA_E_OK);
	assert_int_equal(efa_flashwriter_free_space(&w, 0), 2u * 256u);
	assert_int_equal(efa_flashwriter_free_space(&w, 100), 8u * 256u);
	/* and a swap of that size really works there */
	gen_image(img, 2u * 256u, NEW_SEED, new_md5);
	assert_int_equal(sink->begin(&w, 0, 2u * 256u), EFA_E_OK);
	assert_int_equal(sink->write(&w, img, 2u * 256u), EFA_E_OK);
	assert_int_equal(sink->finish(&w, new_md5), EFA_E_OK);
	assert_int_equal(efa_boot_run(ops, &sim, &small, tiny, sizeof(tiny),
	    NULL, NULL), EFA_BOOT_UPDATED);
	assert_true(flash_is_image(0, 2u * 256u, NEW_SEED));
	no_violations();
}

static void
test_bad_geometry(void **state)
{
	struct efa_flash_layout bad;
	struct efa_flashwriter w;
	struct efa_running run;
	enum efa_err err;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	bad = layout;
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &layout, iobuf,
	    32), EFA_E_SIZE);
	assert_int_equal(efa_flashwriter_free_space(&w, 0), 0);
	assert_int_equal(sink->begin(&w, 0, 1), EFA_E_SPACE);
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &layout, iobuf,
	    66), EFA_E_SIZE);
	bad.fs_start += 4;
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &bad, iobuf,
	    sizeof(iobuf)), EFA_E_SIZE);
	bad = layout;
	bad.bootrec_addr = fs_start;
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &bad, iobuf,
	    sizeof(iobuf)), EFA_E_SIZE);
	assert_int_equal(efa_boot_run(ops, &sim, &bad, iobuf, sizeof(iobuf),
	    &run, &err), EFA_BOOT_FAILED);
	assert_int_equal(err, EFA_E_SIZE);
	assert_false(run.valid);
	assert_int_equal(efa_boot_discard(ops, &sim, &bad), EFA_E_SIZE);
	assert_int_equal(efa_flash_end_trial(ops, &sim, &bad, 1, iobuf,
	    sizeof(iobuf)), EFA_E_SIZE);
	bad = layout;
	bad.info_addr = BOOTREC;
	assert_int_equal(efa_flashwriter_init(&w, ops, &sim, &bad, iobuf,
	    sizeof(iobuf)), EFA_E_SIZE);
	assert_int_equal(efa_flash_provision(ops, &sim, &layout, img, 0,
	    iobuf, sizeof(iobuf)), EFA_E_SIZE);
	assert_int_equal(efa_flash_provision(ops, &sim, &layout, img,
	    fs_start + 1, iobuf, sizeof(iobuf)), EFA_E_SIZE);
	/* None of that touched the flash. */
	boot_old(EFA_BOOT_NORMAL);
	no_violations();
}

static void
test_begin_errors(void **state)
{
	uint32_t before;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	before = sim.op_count;
	assert_int_equal(sink->begin(&fw, 0, 0), EFA_E_SIZE);
	assert_int_equal(sink->begin(&fw, 7, 100), EFA_E_UNKNOWN_CMD);
	assert_int_equal(sink->begin(&fw, 200, 100), EFA_E_UNKNOWN_CMD);
	assert_int_equal(sink->begin(&fw, 0, MAX_IMAGE + 1), EFA_E_SPACE);
	assert_int_equal(sink->begin(&fw, 100, FS_SIZE + 1), EFA_E_SPACE);
	/* staged in the upper half, below the filesystem */
	assert_int_equal(sink->begin(&fw, 0, MAX_IMAGE), EFA_E_OK);
	assert_int_equal(fw.stage_addr, fs_start - MAX_IMAGE);
	assert_int_equal(sink->begin(&fw, 0, 100), EFA_E_RUNNING);
	assert_int_equal(sink->begin(&fw, 0, 0), EFA_E_RUNNING);
	assert_int_equal(sink->begin(&fw, 100, 100), EFA_E_RUNNING);
	/* The refused begins did not disturb the running update. */
	assert_int_equal(fw.stage_addr, fs_start - MAX_IMAGE);
	assert_int_equal(fw.size, MAX_IMAGE);
	sink->abort(&fw);
	/* A small image is staged as far down as the running one is long:
	 * the swap puts the running one there. */
	assert_int_equal(sink->begin(&fw, 0, 1), EFA_E_OK);
	assert_int_equal(fw.stage_addr, fs_start - 2 * SECTOR);
	sink->abort(&fw);
	assert_int_equal(sink->begin(&fw, 100, FS_SIZE), EFA_E_OK);
	assert_int_equal(fw.stage_addr, fs_start - SECTOR);
	sink->abort(&fw);
	/* Erasing is lazy: no begin erased or programmed anything. */
	assert_int_equal(sim.op_count, before);
	no_violations();
}

static void
test_write_splits(void **state)
{
	static const uint32_t s1[] = { 1 };
	static const uint32_t s2[] = { 3, 7, 4095, 1, 16, 5 };
	static const uint32_t s3[] = { 4095 };
	static const uint32_t s4[] = { 4096, 13 };
	static const uint32_t s5[] = { NEW_SIZE };
	static const uint32_t s6[] = { 2, 14, 17, 4099 };
	static const struct {
		const uint32_t *s;
		uint32_t n;
	} splits[] = {
		{ s1, 1 }, { s2, 6 }, { s3, 1 }, { s4, 2 }, { s5, 1 }, { s6, 4 }
	};
	static const uint32_t aligns[] = { 1, 4, 16 };
	uint32_t a, i, stage = AREA - 3 * SECTOR, erases;

	(void)state;
	for (a = 0; a < 3; a++) {
		for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
			setup_flash(aligns[a], OLD_SIZE, NEW_SIZE);
			/* Garbage in the staging area must be erased away. */
			memset(flash_bytes + stage, 0x00, 3 * SECTOR);
			assert_int_equal(sink->begin(&fw, 0, NEW_SIZE),
			    EFA_E_OK);
			assert_int_equal(fw.stage_addr, stage);
			erases = sim.op_count;
			write_split(img, NEW_SIZE, splits[i].s,
			    splits[i].n);
			assert_int_equal(sink->finish(&fw, new_md5), EFA_E_OK);
			/* Same staged bytes, padded with 0xFF, whatever the
			 * split; the running image untouched. */
			assert_memory_equal(flash_bytes + stage, img,
			    NEW_SIZE);
			assert_true(all_ff(stage + NEW_SIZE,
			    fs_start - stage - NEW_SIZE));
			assert_true(flash_is_image(0, OLD_SIZE, OLD_SEED));
			assert_true(sim.op_count > erases + 3);
			no_violations();
			/* swapped: the new at 0, the old where it was staged */
			assert_int_equal(boot_trial(EFA_BOOT_UPDATED,
			    NEW_SIZE, 1).other_addr, stage);
			assert_memory_equal(flash_bytes, img, NEW_SIZE);
			no_violations();
		}
	}
}

static void
test_write_too_much(void **state)
{
	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(sink->begin(&fw, 0, 100), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, 101), EFA_E_SPACE);
	/* The update is over; the sink says so until the next begin. */
	assert_int_equal(sink->write(&fw, img, 1), EFA_E_ABORTED);
	assert_int_equal(sink->finish(&fw, new_md5), EFA_E_ABORTED);

	assert_int_equal(sink->begin(&fw, 0, 100), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, 99), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, 0), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, 1), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, 1), EFA_E_SPACE);
	sink->abort(&fw);
	boot_old(EFA_BOOT_NORMAL);
	no_violations();
}

static void
test_finish_errors(void **state)
{
	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(sink->finish(&fw, new_md5), EFA_E_ABORTED);
	assert_int_equal(sink->begin(&fw, 0, NEW_SIZE), EFA_E_OK);
	assert_int_equal(sink->finish(&fw, new_md5), EFA_E_NO_DATA);
	/* a byte short: those bytes are the image, and they do not hash to
	 * the whole image's MD5 */
	assert_int_equal(sink->begin(&fw, 0, NEW_SIZE), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, NEW_SIZE - 1), EFA_E_OK);
	assert_int_equal(sink->finish(&fw, new_md5), EFA_E_MD5);
	assert_true(all_ff(BOOTREC, SECTOR));
	boot_old(EFA_BOOT_NORMAL);
	no_violations();
}

/* An upload of unknown length (efa_sink.h): begun with the free space,
 * finished with fewer bytes, which are then the image that boots. */
static void
test_finish_short_of_begin(void **state)
{
	static const uint32_t chunk[] = { 1000, 7, 333 };
	uint32_t room;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	room = efa_flashwriter_free_space(&fw, 0);
	assert_true(room > NEW_SIZE);
	assert_int_equal(sink->begin(&fw, 0, room), EFA_E_OK);
	write_split(img, NEW_SIZE, chunk, 3);
	assert_int_equal(sink->finish(&fw, new_md5), EFA_E_OK);
	assert_int_equal(boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1).other_addr,
	    fs_start - room);
	no_violations();
}

static void
test_finish_wrong_md5(void **state)
{
	uint8_t bad[16];

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	memcpy(bad, new_md5, 16);
	bad[15] ^= 0x80;
	assert_int_equal(update(0, NEW_SIZE, bad), EFA_E_MD5);
	assert_true(all_ff(BOOTREC, SECTOR));
	boot_old(EFA_BOOT_NORMAL);
	assert_int_equal(sink->finish(&fw, new_md5), EFA_E_ABORTED);

	/* The flash corrupting a staged byte is caught by the read-back. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(sink->begin(&fw, 0, NEW_SIZE), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, NEW_SIZE), EFA_E_OK);
	flash_bytes[fw.stage_addr + 5000] ^= 0x10;
	assert_int_equal(sink->finish(&fw, new_md5), EFA_E_MD5);
	assert_true(all_ff(BOOTREC, SECTOR));
	boot_old(EFA_BOOT_NORMAL);
	no_violations();
}

/* An update from staging to confirmation, and the state each step leaves. */
static void
test_full_update(void **state)
{
	uint32_t before;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	/* Committed, still the old image until the boot swaps it in. */
	assert_false(all_ff(BOOTREC, 64));
	assert_true(all_ff(BOOTREC + 64, SECTOR - 64));
	assert_true(flash_is_image(0, OLD_SIZE, OLD_SEED));
	assert_int_equal(fw.running.size, OLD_SIZE);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	/* Retired and erased: the next boot swaps nothing, it counts. */
	assert_true(all_ff(BOOTREC, SECTOR));
	before = sim.op_count;
	boot_trial(EFA_BOOT_NORMAL, NEW_SIZE, 2);
	assert_int_equal(sim.op_count, before + 1);
	/* The application confirms: ok for good, the boots touch nothing. */
	assert_int_equal(end_trial(1), EFA_E_OK);
	assert_int_equal(fw.running.state, EFA_IMAGE_OK);
	assert_true(all_ff(BOOTREC, SECTOR));
	before = sim.op_count;
	boot_expect(EFA_BOOT_NORMAL, NEW_SIZE, NEW_SEED, new_md5,
	    EFA_IMAGE_OK);
	boot_expect(EFA_BOOT_NORMAL, NEW_SIZE, NEW_SEED, new_md5,
	    EFA_IMAGE_OK);
	assert_int_equal(sim.op_count, before);
	/* Confirming again (not on trial) does nothing. */
	assert_int_equal(end_trial(1), EFA_E_OK);
	assert_int_equal(end_trial(0), EFA_E_OK);
	assert_int_equal(sim.op_count, before);
	/* The new image is now what limits free space (3 sectors). */
	writer_init();
	assert_int_equal(fw.running.size, NEW_SIZE);
	assert_memory_equal(fw.running.md5, new_md5, 16);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 4 * SECTOR);
	/* boot_run tolerates NULL outputs. */
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    sizeof(iobuf), NULL, NULL), EFA_BOOT_NORMAL);
	no_violations();
}

/* Started EFA_TRIAL_BOOTS times without a confirmation, the image is
 * swapped back out at its EFA_TRIAL_BOOTS-th restart; the device then
 * runs the old image, says rolled-back, and takes the next update. */
static void
test_trial_rolls_back(void **state)
{
	uint32_t i;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	for (i = 2; i <= EFA_TRIAL_BOOTS; i++)
		boot_trial(EFA_BOOT_NORMAL, NEW_SIZE, i);
	boot_rolled_back(EFA_BOOT_ROLLED_BACK, NEW_SIZE);
	assert_true(all_ff(BOOTREC, SECTOR));
	/* and stays so */
	for (i = 0; i < EFA_TRIAL_BOOTS + 1; i++)
		boot_rolled_back(EFA_BOOT_NORMAL, NEW_SIZE);
	/* nothing to confirm or reject any more */
	assert_int_equal(end_trial(1), EFA_E_OK);
	assert_int_equal(end_trial(0), EFA_E_OK);
	boot_rolled_back(EFA_BOOT_NORMAL, NEW_SIZE);
	/* A further update over the rejected image: on trial, with the old
	 * one (not the rejected one) as its predecessor. */
	writer_init();
	gen_image(img, 7000, THIRD_SEED, new_md5);
	assert_int_equal(update(0, 7000, new_md5), EFA_E_OK);
	assert_int_equal(boot_expect(EFA_BOOT_UPDATED, 7000, THIRD_SEED,
	    new_md5, EFA_IMAGE_TRIAL).other_size, OLD_SIZE);
	no_violations();
}

/* The deadline: reject commits the rollback, the next boot applies it. */
static void
test_reject(void **state)
{
	uint32_t before;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	before = sim.op_count;
	assert_int_equal(end_trial(0), EFA_E_OK);
	/* committed only: the application runs from the image */
	assert_int_equal(sim.op_count, before + 1);
	assert_true(flash_is_image(0, NEW_SIZE, NEW_SEED));
	boot_rolled_back(EFA_BOOT_ROLLED_BACK, NEW_SIZE);
	no_violations();

	/* Rejected on its last start: the same. */
	setup_flash(16, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	boot_trial(EFA_BOOT_NORMAL, NEW_SIZE, 2);
	boot_trial(EFA_BOOT_NORMAL, NEW_SIZE, 3);
	assert_int_equal(end_trial(0), EFA_E_OK);
	boot_rolled_back(EFA_BOOT_ROLLED_BACK, NEW_SIZE);
	no_violations();
}

/* While an image is on trial its predecessor lies where an update would
 * be staged: no update is taken (the space is still advertised). */
static void
test_trial_refuses_updates(void **state)
{
	uint32_t before;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	writer_init();
	assert_int_equal(fw.running.state, EFA_IMAGE_TRIAL);
	assert_int_equal(efa_flashwriter_free_space(&fw, 0), 4 * SECTOR);
	before = sim.op_count;
	assert_int_equal(sink->begin(&fw, 0, 100), EFA_E_TRIAL);
	assert_int_equal(sink->begin(&fw, 100, 100), EFA_E_TRIAL);
	assert_int_equal(sim.op_count, before);
	/* once confirmed, it is */
	assert_int_equal(sink->confirm(&fw), EFA_E_OK);
	gen_image(img, 7000, THIRD_SEED, new_md5);
	assert_int_equal(update(0, 7000, new_md5), EFA_E_OK);
	boot_expect(EFA_BOOT_UPDATED, 7000, THIRD_SEED, new_md5,
	    EFA_IMAGE_TRIAL);
	no_violations();
}

/* Every size relation and alignment: the new image larger, smaller, the
 * same number of sectors; the largest that fits; a one-byte image. Each
 * swap is undone exactly by the rollback. */
static void
test_swap_sizes(void **state)
{
	static const struct {
		uint32_t old_len, new_len;
	} sizes[] = {
		{ OLD_SIZE, NEW_SIZE }, { NEW_SIZE, OLD_SIZE },
		{ 8000, 8192 }, { 100, MAX_IMAGE }, { MAX_IMAGE, 100 },
		{ MAX_IMAGE, MAX_IMAGE }, { 1, 1 }, { SECTOR, SECTOR + 1 }
	};
	static const uint32_t aligns[] = { 1, 4, 16 };
	uint32_t a, i, k;

	(void)state;
	for (a = 0; a < 3; a++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint32_t n = sizes[i].new_len;

			setup_flash(aligns[a], sizes[i].old_len, n);
			assert_int_equal(update(0, n, new_md5), EFA_E_OK);
			boot_trial(EFA_BOOT_UPDATED, n, 1);
			for (k = 2; k <= EFA_TRIAL_BOOTS; k++)
				boot_trial(EFA_BOOT_NORMAL, n, k);
			boot_rolled_back(EFA_BOOT_ROLLED_BACK, n);
			/* and once more, kept this time */
			writer_init();
			assert_int_equal(update(0, n, new_md5), EFA_E_OK);
			boot_trial(EFA_BOOT_UPDATED, n, 1);
			assert_int_equal(end_trial(1), EFA_E_OK);
			boot_expect(EFA_BOOT_NORMAL, n, NEW_SEED, new_md5,
			    EFA_IMAGE_OK);
			no_violations();
		}
	}
}

static void
test_fs_update(void **state)
{
	struct efa_running run;
	enum efa_err err;
	uint32_t len = 3001;

	(void)state;
	setup_flash(4, OLD_SIZE, len);
	memset(flash_bytes + fs_start, 0x5A, FS_SIZE); /* an old FS */
	assert_int_equal(update(100, len, new_md5), EFA_E_OK);
	assert_int_equal(fw.stage_addr, fs_start - SECTOR);
	assert_int_equal(flash_bytes[fs_start], 0x5A);
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    sizeof(iobuf), &run, &err), EFA_BOOT_FS_UPDATED);
	assert_int_equal(err, EFA_E_OK);
	assert_memory_equal(flash_bytes + fs_start, img, len);
	assert_true(all_ff(fs_start + len, FS_SIZE - len));
	/* The sketch and its info record are untouched: no trial. */
	assert_true(run.valid);
	assert_int_equal(run.size, OLD_SIZE);
	assert_memory_equal(run.md5, old_md5, 16);
	assert_int_equal(run.state, EFA_IMAGE_OK);
	assert_true(all_ff(BOOTREC, SECTOR));
	boot_old(EFA_BOOT_NORMAL);
	no_violations();

	/* A full-size FS image. */
	setup_flash(16, OLD_SIZE, FS_SIZE);
	assert_int_equal(update(100, FS_SIZE, new_md5), EFA_E_OK);
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    sizeof(iobuf), &run, &err), EFA_BOOT_FS_UPDATED);
	assert_memory_equal(flash_bytes + fs_start, img, FS_SIZE);
	boot_old(EFA_BOOT_NORMAL);
	no_violations();
}

static void
test_abort(void **state)
{
	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(sink->begin(&fw, 0, NEW_SIZE), EFA_E_OK);
	assert_int_equal(sink->write(&fw, img, 5001), EFA_E_OK);
	sink->abort(&fw);
	sink->abort(&fw);
	assert_int_equal(sink->write(&fw, img, 1), EFA_E_ABORTED);
	boot_old(EFA_BOOT_NORMAL);
	/* A fresh update over the aborted one's staging garbage works. */
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	no_violations();
}

static void
test_second_update(void **state)
{
	uint32_t b_len = 7000;
	uint8_t a_md5[16];

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	/* A committed, not yet booted... */
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	/* ...then B over it (smaller: staged in different sectors). */
	gen_image(img, b_len, THIRD_SEED, new_md5);
	assert_int_equal(update(0, b_len, new_md5), EFA_E_OK);
	boot_expect(EFA_BOOT_UPDATED, b_len, THIRD_SEED, new_md5,
	    EFA_IMAGE_TRIAL);
	no_violations();

	/* B larger than A: A's record still goes first. */
	setup_flash(4, OLD_SIZE, 5000);
	assert_int_equal(update(0, 5000, new_md5), EFA_E_OK);
	gen_image(img, NEW_SIZE, THIRD_SEED, new_md5);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_expect(EFA_BOOT_UPDATED, NEW_SIZE, THIRD_SEED, new_md5,
	    EFA_IMAGE_TRIAL);
	no_violations();

	/* An FS update committed, then a sketch update replaces it. */
	setup_flash(4, OLD_SIZE, 2000);
	memset(flash_bytes + fs_start, 0x5A, FS_SIZE);
	assert_int_equal(update(100, 2000, new_md5), EFA_E_OK);
	gen_image(img, b_len, THIRD_SEED, new_md5);
	assert_int_equal(update(0, b_len, new_md5), EFA_E_OK);
	boot_expect(EFA_BOOT_UPDATED, b_len, THIRD_SEED, new_md5,
	    EFA_IMAGE_TRIAL);
	assert_int_equal(flash_bytes[fs_start], 0x5A);
	no_violations();

	/* Updates back to back across boots, each confirmed: the rollback
	 * of the second returns to the first, not to the original. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	assert_int_equal(end_trial(1), EFA_E_OK);
	memcpy(a_md5, new_md5, 16);
	gen_image(img, b_len, THIRD_SEED, new_md5);
	assert_int_equal(update(0, b_len, new_md5), EFA_E_OK);
	assert_memory_equal(boot_expect(EFA_BOOT_UPDATED, b_len, THIRD_SEED,
	    new_md5, EFA_IMAGE_TRIAL).other_md5, a_md5, 16);
	assert_int_equal(end_trial(0), EFA_E_OK);
	boot_expect(EFA_BOOT_ROLLED_BACK, NEW_SIZE, NEW_SEED, a_md5,
	    EFA_IMAGE_ROLLED_BACK);
	no_violations();
}

static void
test_discard(void **state)
{
	struct efa_running run;
	enum efa_err err;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(efa_boot_discard(ops, &sim, &layout), EFA_E_OK);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	assert_int_equal(efa_boot_discard(ops, &sim, &layout), EFA_E_OK);
	assert_true(all_ff(BOOTREC, SECTOR));
	boot_old(EFA_BOOT_NORMAL);
	no_violations();

	/* Once the swap has started the previous image is partly moved:
	 * discard refuses, begin refuses, the boot finishes the swap. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	flashsim_fail_after(&sim, 3);
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    sizeof(iobuf), &run, &err), EFA_BOOT_FAILED);
	assert_int_equal(err, EFA_E_POWERLOSS);
	assert_false(run.valid);
	flashsim_power_on(&sim);
	assert_int_equal(efa_boot_discard(ops, &sim, &layout),
	    EFA_E_RUNNING);
	assert_int_equal(sink->begin(&fw, 0, 100), EFA_E_RUNNING);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	no_violations();

	/* A pending rollback is not an update: discard leaves it. */
	assert_int_equal(end_trial(0), EFA_E_OK);
	assert_int_equal(efa_boot_discard(ops, &sim, &layout), EFA_E_OK);
	boot_rolled_back(EFA_BOOT_ROLLED_BACK, NEW_SIZE);
	no_violations();
}

static void
test_boot_detects_corruption(void **state)
{
	struct efa_running run;
	enum efa_err err;

	(void)state;
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	/* A staged bit flips after the commit: the swap is not trusted. */
	flash_bytes[fw.stage_addr + 100] ^= 0x01;
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    sizeof(iobuf), &run, &err), EFA_BOOT_FAILED);
	assert_int_equal(err, EFA_E_MD5);
	no_violations();

	/* A damaged boot record header is no record at all... */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	flash_bytes[BOOTREC + 20] ^= 0x04;
	boot_old(EFA_BOOT_NORMAL);
	/* ...and a later update erases it before committing. */
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	no_violations();

	/* A record whose geometry does not fit the layout (the port moved
	 * the filesystem) is ignored too. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	layout.fs_start = 6 * SECTOR;
	assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
	    sizeof(iobuf), &run, &err), EFA_BOOT_NORMAL);
	assert_true(flash_is_image(0, OLD_SIZE, OLD_SEED));
	no_violations();
}

static void
test_torn_retire(void **state)
{
	static const uint32_t aligns[] = { 1, 4 };
	struct efa_running run;
	enum efa_err err;
	uint32_t a, base, boot_ops;

	(void)state;
	for (a = 0; a < 2; a++) {
		setup_flash(aligns[a], OLD_SIZE, NEW_SIZE);
		assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
		base = sim.op_count;
		boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
		boot_ops = sim.op_count - base;

		/* Lose power while programming the retired word (before
		 * the record's erase and the trial-start word). */
		setup_flash(aligns[a], OLD_SIZE, NEW_SIZE);
		assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
		flashsim_fail_after(&sim, boot_ops - 2);
		assert_int_equal(efa_boot_run(ops, &sim, &layout, iobuf,
		    sizeof(iobuf), &run, &err), EFA_BOOT_FAILED);
		assert_int_equal(err, EFA_E_POWERLOSS);
		flashsim_power_on(&sim);
		/* With prog_align 1 half the word was programmed: retired,
		 * nothing left to do. With 4 nothing was: redo the tail. */
		boot_trial(aligns[a] == 1 ? EFA_BOOT_NORMAL :
		    EFA_BOOT_UPDATED, NEW_SIZE, 1);
		assert_int_equal(all_ff(BOOTREC, SECTOR), aligns[a] != 1);
		/* A leftover retired record does not stop the next update. */
		assert_int_equal(end_trial(1), EFA_E_OK);
		writer_init();
		gen_image(img, 7000, THIRD_SEED, new_md5);
		assert_int_equal(update(0, 7000, new_md5), EFA_E_OK);
		boot_expect(EFA_BOOT_UPDATED, 7000, THIRD_SEED, new_md5,
		    EFA_IMAGE_TRIAL);
		no_violations();
	}
}

static void
test_flash_errors(void **state)
{
	(void)state;
	/* A power loss mid-write ends the update with that error. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	assert_int_equal(sink->begin(&fw, 0, NEW_SIZE), EFA_E_OK);
	flashsim_fail_after(&sim, 2);
	assert_int_equal(sink->write(&fw, img, NEW_SIZE), EFA_E_POWERLOSS);
	assert_int_equal(sink->write(&fw, img, 1), EFA_E_ABORTED);
	flashsim_power_on(&sim);
	boot_old(EFA_BOOT_NORMAL);
	writer_init();
	assert_int_equal(update(0, NEW_SIZE, new_md5), EFA_E_OK);
	boot_trial(EFA_BOOT_UPDATED, NEW_SIZE, 1);
	no_violations();

	/* Reads fail too while the power is off. */
	setup_flash(4, OLD_SIZE, NEW_SIZE);
	flashsim_fail_after(&sim, 1);
	assert_int_equal(ops->erase(&sim, 0, SECTOR), EFA_E_POWERLOSS);
	assert_int_equal(efa_flashwriter_init(&fw, ops, &sim, &layout, iobuf,
	    sizeof(iobuf)), EFA_E_POWERLOSS);
	flashsim_power_on(&sim);
	assert_int_equal(sim.violations, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_rules),
		cmocka_unit_test(test_sim_erased_tail),
		cmocka_unit_test(test_free_space),
		cmocka_unit_test(test_free_space_capped_by_record),
		cmocka_unit_test(test_bad_geometry),
		cmocka_unit_test(test_begin_errors),
		cmocka_unit_test(test_write_splits),
		cmocka_unit_test(test_write_too_much),
		cmocka_unit_test(test_finish_errors),
		cmocka_unit_test(test_finish_short_of_begin),
		cmocka_unit_test(test_finish_wrong_md5),
		cmocka_unit_test(test_full_update),
		cmocka_unit_test(test_trial_rolls_back),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_trial_refuses_updates),
		cmocka_unit_test(test_swap_sizes),
		cmocka_unit_test(test_fs_update),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_second_update),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_boot_detects_corruption),
		cmocka_unit_test(test_torn_retire),
		cmocka_unit_test(test_flash_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
