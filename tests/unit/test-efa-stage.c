/* SPDX-License-Identifier: MIT */
/*
 * The pre-commit stage of the core's flash writer (efa_stage.h) and the
 * signature trailer (efa_image.h): trailers parsed for both formats; a
 * signed image committed without its trailer, refused when unsigned or
 * badly signed; a gzip image inflated below itself and committed
 * inflated, refused (old image kept) when the stream is corrupt or the
 * inflated image does not fit; and a power-loss sweep over a compressed
 * update: at every erase and program, the device boots the old image or
 * the new one, never anything else. The port's operations are the test's:
 * a "signature" that is the SHA-256 digest itself, and an inflater of
 * gzip streams made of stored deflate blocks (RFC 1951 3.2.4) that checks
 * CRC-32 and length as zlib does, so this runs on lx106 and -m32 too.
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
#include "efa/efa_image.h"
#include "efa/efa_stage.h"
#include "efa/efa_wire.h"
#include "flashsim.h"

#define SECTOR 4096u
#define FLASH_SIZE (32u * SECTOR)
#define FS_START (24u * SECTOR)
#define FS_SIZE (4u * SECTOR)
#define BOOTREC (30u * SECTOR)
#define INFO (31u * SECTOR)
#define OLD_LEN (2u * SECTOR - 100u)
#define NEW_LEN (3u * SECTOR + 321u)
#define IMG_MAX (6u * SECTOR)
#define MAX_OPS 400u

static uint8_t flash_bytes[FLASH_SIZE];
static uint8_t iobuf[1024];
static uint8_t old_img[IMG_MAX], new_img[IMG_MAX], sent[IMG_MAX];
static uint8_t inflated[IMG_MAX];
static struct flashsim_mem mem;
static struct flashsim sim;
static const struct efa_flash_ops *ops;
static struct efa_flashwriter fw;
static const struct efa_sink_ops *sink = &efa_flashwriter_stage_sink;
static const struct efa_flash_layout layout = {
	FS_START, FS_SIZE, BOOTREC, INFO
};

/* ---- the test port's operations ---- */

static uint32_t
crc32_of(const uint8_t *p, uint32_t n)
{
	uint32_t crc = 0xffffffffu, i, k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A gzip stream of img[0..len) in stored blocks of at most 1000 bytes. */
static uint32_t
make_gzip(const uint8_t *img, uint32_t len, uint8_t *out)
{
	static const uint8_t hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3 };
	uint32_t pos = sizeof(hdr), done = 0;

	memcpy(out, hdr, sizeof(hdr));
	while (done < len) {
		uint32_t n = len - done < 1000u ? len - done : 1000u;

		out[pos++] = done + n == len;   /* BFINAL, BTYPE 00 */
		out[pos++] = (uint8_t)n;
		out[pos++] = (uint8_t)(n >> 8);
		out[pos++] = (uint8_t)~n;
		out[pos++] = (uint8_t)(~n >> 8);
		memcpy(out + pos, img + done, n);
		pos += n;
		done += n;
	}
	put_le32(out + pos, crc32_of(img, len));
	put_le32(out + pos + 4, len);
	return pos + 8;
}

static int inflate_calls;
static int power_lost;  /* boot_and_see powered the device on again */

static enum efa_err
test_inflate(void *ctx, uint32_t src, uint32_t len, uint32_t dst,
    uint32_t out_len)
{
	static uint8_t in[IMG_MAX];
	uint32_t pos = 10, n = 0, off;
	int last = 0;
	enum efa_err err;

	(void)ctx;
	inflate_calls++;
	if (len > sizeof(in) || out_len > sizeof(inflated))
		return EFA_E_INFLATE;
	err = ops->read(&sim, src, in, (len + 3u) & ~3u);
	if (err != EFA_E_OK)
		return err;
	while (!last) {
		uint32_t blen;

		if (pos + 5 > len - 8 || (in[pos] & 6) != 0)
			return EFA_E_INFLATE;
		last = in[pos] & 1;
		blen = (uint32_t)in[pos + 1] | (uint32_t)in[pos + 2] << 8;
		if ((blen ^ 0xffffu) != ((uint32_t)in[pos + 3] |
		    (uint32_t)in[pos + 4] << 8) || pos + 5 + blen > len - 8 ||
		    n + blen > out_len)
			return EFA_E_INFLATE;
		memcpy(inflated + n, in + pos + 5, blen);
		n += blen;
		pos += 5 + blen;
	}
	if (pos != len - 8 || n != out_len || le32(in + pos + 4) != n ||
	    le32(in + pos) != crc32_of(inflated, n))
		return EFA_E_INFLATE;
	memset(inflated + n, 0xff, ((n + 3u) & ~3u) - n);
	for (off = 0; err == EFA_E_OK && off < n; off += SECTOR) {
		uint32_t k = n - off < SECTOR ? n - off : SECTOR;

		err = ops->erase(&sim, dst + off, SECTOR);
		if (err == EFA_E_OK)
			err = ops->prog(&sim, dst + off, inflated + off,
			    (k + 3u) & ~3u);
	}
	return err;
}

/* The test's "signature": the digest itself, 32 bytes. */
static enum efa_err
test_verify(void *ctx, const uint8_t digest[EFA_SHA256_LEN],
    const uint8_t *sig, uint32_t sig_len)
{
	(void)ctx;
	return sig_len == EFA_SHA256_LEN &&
	    memcmp(sig, digest, EFA_SHA256_LEN) == 0 ? EFA_E_OK : EFA_E_SIGN;
}

static struct efa_stage_ops stage_ops;

/* img[0..len) || digest || 32 as a little-endian word. */
static uint32_t
sign_esp8266(uint8_t *img, uint32_t len)
{
	efa_sha256(img, len, img + len);
	put_le32(img + len + EFA_SHA256_LEN, EFA_SHA256_LEN);
	return len + EFA_SHA256_LEN + 4;
}

/* ---- a device ---- */

static void
fresh(int verify, int inflate)
{
	struct flashsim_store store;
	struct gen g;

	memset(flash_bytes, 0xff, sizeof(flash_bytes));
	mem.bytes = flash_bytes;
	mem.size = FLASH_SIZE;
	flashsim_mem_store(&store, &mem);
	flashsim_init(&sim, &store, FLASH_SIZE, SECTOR, 4);
	ops = flashsim_flash_ops(&sim);
	gen_init(&g, 1);
	gen_fill(&g, old_img, OLD_LEN);
	old_img[0] = EFA_IMAGE_MAGIC;
	gen_init(&g, 2);
	gen_fill(&g, new_img, NEW_LEN);
	new_img[0] = EFA_IMAGE_MAGIC;
	assert_int_equal(efa_flash_provision(ops, &sim, &layout, old_img,
	    OLD_LEN, iobuf, sizeof(iobuf)), EFA_E_OK);
	memset(&stage_ops, 0, sizeof(stage_ops));
	stage_ops.verify = verify ? test_verify : NULL;
	stage_ops.sig_format = EFA_SIG_ESP8266;
	stage_ops.inflate = inflate ? test_inflate : NULL;
	inflate_calls = 0;
}

/* Send bytes[0..len) as one update in chunks of 700; the first error. */
static enum efa_err
update(const uint8_t *bytes, uint32_t len)
{
	uint8_t md5[16];
	enum efa_err err;
	uint32_t done, n;

	err = efa_flashwriter_init(&fw, ops, &sim, &layout, iobuf,
	    sizeof(iobuf));
	if (err != EFA_E_OK)
		return err;
	efa_stage_attach(&fw, &stage_ops);
	efa_md5(bytes, len, md5);
	err = sink->begin(&fw, EFA_CMD_FLASH, len);
	for (done = 0; err == EFA_E_OK && done < len; done += n) {
		n = len - done < 700u ? len - done : 700u;
		err = sink->write(&fw, bytes + done, n);
	}
	return err == EFA_E_OK ? sink->finish(&fw, md5) : err;
}

/* Boot (until it completes, powering on after every cut) and say which
 * image runs: 0 old, 1 new, -1 something else. */
static int
boot_and_see(void)
{
	struct efa_running run;
	enum efa_err err = EFA_E_POWERLOSS;
	uint8_t md5[16];
	int tries;

	for (tries = 0; tries < 4 && err != EFA_E_OK; tries++) {
		if (!sim.powered) {
			flashsim_power_on(&sim);
			power_lost = 1;
		}
		efa_boot_run(ops, &sim, &layout, iobuf, sizeof(iobuf), &run,
		    &err);
	}
	assert_int_equal(err, EFA_E_OK);
	if (run.size == OLD_LEN && memcmp(flash_bytes, old_img, OLD_LEN) ==
	    0) {
		efa_md5(old_img, OLD_LEN, md5);
		assert_memory_equal(run.md5, md5, 16);
		return 0;
	}
	if (run.size == NEW_LEN && memcmp(flash_bytes, new_img, NEW_LEN) ==
	    0) {
		efa_md5(new_img, NEW_LEN, md5);
		assert_memory_equal(run.md5, md5, 16);
		assert_int_equal(run.state, EFA_IMAGE_TRIAL);
		return 1;
	}
	return -1;
}

/* ---- trailers ---- */

static void
test_trailer_esp8266(void **state)
{
	uint8_t t[4];
	uint32_t img = 0, sig = 0;

	(void)state;
	put_le32(t, 256);
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP8266, 1000, t, &img,
	    &sig), EFA_E_OK);
	assert_int_equal(img, 1000 - 256 - 4);
	assert_int_equal(sig, 256);
	put_le32(t, 512);
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP8266, 517, t, &img,
	    &sig), EFA_E_OK);
	assert_int_equal(img, 1);
	/* nothing left to sign, a length of 0, over 512, huge */
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP8266, 516, t, &img,
	    &sig), EFA_E_SIGN);
	put_le32(t, 0);
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP8266, 1000, t, &img,
	    &sig), EFA_E_SIGN);
	put_le32(t, 513);
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP8266, 100000, t, &img,
	    &sig), EFA_E_SIGN);
	put_le32(t, 0xfffffffcu);
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP8266, 0xffffffffu, t,
	    &img, &sig), EFA_E_SIGN);
}

static void
test_trailer_esp32(void **state)
{
	uint8_t t[4] = { 0, 0, 0, 0 };
	uint32_t img = 0, sig = 0;

	(void)state;
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP32, 513, t, &img, &sig),
	    EFA_E_OK);
	assert_int_equal(img, 1);
	assert_int_equal(sig, 512);
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP32, 512, t, &img, &sig),
	    EFA_E_SIGN);
	assert_int_equal(efa_sig_trailer(EFA_SIG_ESP32, 0, t, &img, &sig),
	    EFA_E_SIGN);
}

/* ---- signatures ---- */

static void
test_signed_committed_without_trailer(void **state)
{
	uint32_t len;

	(void)state;
	fresh(1, 0);
	memcpy(sent, new_img, NEW_LEN);
	len = sign_esp8266(sent, NEW_LEN);
	assert_int_equal(update(sent, len), EFA_E_OK);
	assert_int_equal(boot_and_see(), 1);
}

static void
test_unsigned_and_bad_signatures_refused(void **state)
{
	uint32_t len;

	(void)state;
	fresh(1, 0);
	assert_int_equal(update(new_img, NEW_LEN), EFA_E_SIGN);
	assert_int_equal(boot_and_see(), 0);
	memcpy(sent, new_img, NEW_LEN);
	len = sign_esp8266(sent, NEW_LEN);
	sent[77] ^= 1;   /* tampered */
	assert_int_equal(update(sent, len), EFA_E_SIGN);
	assert_int_equal(boot_and_see(), 0);
	sent[77] ^= 1;
	sent[NEW_LEN + 3] ^= 1;   /* another signature */
	assert_int_equal(update(sent, len), EFA_E_SIGN);
	assert_int_equal(boot_and_see(), 0);
	sent[NEW_LEN + 3] ^= 1;
	assert_int_equal(update(sent, len), EFA_E_OK);
	assert_int_equal(boot_and_see(), 1);
}

/* ---- gzip ---- */

static void
test_gzip_inflated_before_commit(void **state)
{
	uint32_t len;

	(void)state;
	fresh(0, 1);
	len = make_gzip(new_img, NEW_LEN, sent);
	assert_int_equal(update(sent, len), EFA_E_OK);
	assert_int_equal(inflate_calls, 1);
	assert_int_equal(boot_and_see(), 1);
}

static void
test_signed_gzip(void **state)
{
	uint32_t len;

	(void)state;
	fresh(1, 1);
	len = sign_esp8266(sent, make_gzip(new_img, NEW_LEN, sent));
	assert_int_equal(update(sent, len), EFA_E_OK);
	assert_int_equal(boot_and_see(), 1);
}

static void
test_gzip_corrupt_keeps_old(void **state)
{
	uint32_t len;

	(void)state;
	fresh(0, 1);
	len = make_gzip(new_img, NEW_LEN, sent);
	sent[2000] ^= 0x10;                  /* data: the CRC-32 differs */
	assert_int_equal(update(sent, len), EFA_E_INFLATE);
	assert_int_equal(boot_and_see(), 0);
	len = make_gzip(new_img, NEW_LEN, sent);
	put_le32(sent + len - 4, NEW_LEN + 1);   /* ISIZE lies */
	assert_int_equal(update(sent, len), EFA_E_INFLATE);
	assert_int_equal(boot_and_see(), 0);
	/* a stream too short to be one */
	assert_int_equal(update(sent, 12), EFA_E_INFLATE);
	assert_int_equal(boot_and_see(), 0);
	/* inflates, but not to an application image */
	new_img[0] = 0x00;
	len = make_gzip(new_img, NEW_LEN, sent);
	assert_int_equal(update(sent, len), EFA_E_MAGIC);
	assert_int_equal(boot_and_see(), 0);
}

static void
test_gzip_too_large_inflated(void **state)
{
	uint32_t len;

	(void)state;
	fresh(0, 1);
	/* announces 11 sectors inflated: more than (F - 1) / 2 */
	len = make_gzip(new_img, NEW_LEN, sent);
	put_le32(sent + len - 4, 11u * SECTOR);
	assert_int_equal(update(sent, len), EFA_E_SPACE);
	assert_int_equal(inflate_calls, 0);
	assert_int_equal(boot_and_see(), 0);
}

/* Power lost at every flash operation of a compressed update (staging,
 * inflating, committing) and of the swap: always old or new. */
static void
test_gzip_powerloss_sweep(void **state)
{
	uint32_t n, len, olds = 0, news = 0;

	(void)state;
	for (n = 1; n < MAX_OPS; n++) {
		enum efa_err err;
		int seen;

		fresh(0, 1);
		len = make_gzip(new_img, NEW_LEN, sent);
		power_lost = 0;
		flashsim_fail_after(&sim, n);
		err = update(sent, len);
		if (err != EFA_E_OK) {
			assert_int_equal(err, EFA_E_POWERLOSS);
			power_lost = 1;
		}
		/* a cut not reached in the update comes in the boot's swap */
		seen = boot_and_see();
		assert_int_not_equal(seen, -1);
		assert_int_equal(sim.violations, 0);
		if (seen == 0)
			olds++;
		else
			news++;
		if (!power_lost)
			break;   /* past the last operation: no cut at all */
	}
	assert_true(n < MAX_OPS);
	assert_true(olds > 10);
	assert_true(news > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trailer_esp8266),
		cmocka_unit_test(test_trailer_esp32),
		cmocka_unit_test(test_signed_committed_without_trailer),
		cmocka_unit_test(test_unsigned_and_bad_signatures_refused),
		cmocka_unit_test(test_gzip_inflated_before_commit),
		cmocka_unit_test(test_signed_gzip),
		cmocka_unit_test(test_gzip_corrupt_keeps_old),
		cmocka_unit_test(test_gzip_too_large_inflated),
		cmocka_unit_test(test_gzip_powerloss_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
