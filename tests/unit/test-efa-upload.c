/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the agent's HTTP-style uploads (efa_upload.h) over the
 * scripted fake port (tests/fakes/fake-port.h) and a fake clock: sized
 * pulls with an MD5, uploads of unknown length, header checks on split
 * bytes, space and size limits, MD5 and stream errors, timeouts, the
 * update window, refusal while espota runs (and the reverse), the reboot,
 * and the HTTP Basic password check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "efa/efa_agent.h"
#include "efa/efa_auth.h"
#include "efa/efa_hash.h"
#include "efa/efa_image.h"
#include "efa/efa_upload.h"
#include "efa/efa_util.h"
#include "efa/efa_wire.h"
#include "fakes/fake-port.h"
#include "fakes/image-gen.h"

/* docs/protocol.md 3.1 / 3.2: keys of the password "admin" */
#define PW_MD5 "21232f297a57a5a743894a0e4a801fc3"
#define PW_SHA "8c6976e5b5410415bde908bd4dee15df" \
	"b167a9c873fc4bb8a81f6f2ab448a918"

#define IMG_MAX 3000
#define T0 5000u

static struct fake_port fp;
static struct efa_agent agent;
static uint32_t now;
static uint8_t image[IMG_MAX];
static uint32_t image_size;
static char image_md5[EFA_MD5_HEX_LEN + 1];

static void
make_image(uint32_t size, uint8_t magic)
{
	uint8_t digest[EFA_MD5_LEN];
	struct gen g;

	assert_true(size <= IMG_MAX);
	gen_init(&g, 7);
	gen_fill(&g, image, size);
	/* magic, 3 segments, DIO, flash-size code 2 (1 MB ESP8266) */
	if (size > 0)
		image[0] = magic;
	if (size > 1)
		image[1] = 0x03;
	if (size > 2)
		image[2] = 0x02;
	if (size > 3)
		image[3] = 0x20;
	image_size = size;
	efa_md5(image, size, digest);
	efa_hex(image_md5, digest, sizeof(digest));
}

static void
setup_full(enum efa_chip chip, enum efa_auth_scheme auth, const char *key,
    uint8_t require_arm)
{
	struct efa_agent_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.chip = chip;
	cfg.auth = auth;
	if (key != NULL)
		memcpy(cfg.pw_key, key, efa_strnlen(key, EFA_SHA256_HEX_LEN));
	cfg.chip_flash_size = 4u << 20;
	cfg.require_arm = require_arm;
	fake_port_init(&fp);
	fake_port_agent_init(&fp, &agent, &cfg, 1);
	now = T0;
	make_image(2000, 0xE9);
}

static void
setup(void)
{
	setup_full(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL, 0);
}

/* Write image[off..off+len) in pieces of chunk; each must be taken. */
static void
feed(uint32_t off, uint32_t len, uint32_t chunk)
{
	while (len > 0) {
		uint32_t n = len < chunk ? len : chunk;

		assert_int_equal(efa_agent_upload_write(&agent, image + off, n,
		    now), EFA_E_OK);
		off += n;
		len -= n;
	}
}

static void
want_sink_image(void)
{
	assert_int_equal(fp.written, image_size);
	assert_memory_equal(fp.data, image, image_size);
}

static void
want_one_error(enum efa_err err)
{
	assert_int_equal(fp.error_count, 1);
	assert_int_equal(fp.errors[0], err);
	assert_int_equal(agent.last_error, err);
}

/* The committed image is rebooted into EFA_REBOOT_DELAY_MS later. */
static void
want_reboot(void)
{
	assert_int_equal(efa_agent_state(&agent), EFA_REBOOTING);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_REBOOT_DELAY_MS);
	efa_agent_tick(&agent, now + EFA_REBOOT_DELAY_MS - 1);
	assert_int_equal(fp.reboot_count, 0);
	efa_agent_tick(&agent, now + EFA_REBOOT_DELAY_MS);
	assert_int_equal(fp.reboot_count, 1);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
}

/* ------------------------------------------------------------- tests */

/* A pull: size and x-MD5 known; the sink begins with the size. */
static void
test_sized_pull(void **state)
{
	uint8_t digest[EFA_MD5_LEN];

	(void)state;
	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, image_md5, EFA_UPLOAD_PULLED, now), EFA_E_OK);
	assert_int_equal(efa_agent_state(&agent), EFA_UPLOADING);
	assert_string_equal(efa_agent_state_name(EFA_UPLOADING), "uploading");
	assert_string_equal(fp.events, "fSB");
	assert_int_equal(fp.begin_cmd, EFA_CMD_FLASH);
	assert_int_equal(fp.begin_size, image_size);
	assert_int_equal(fp.start_size, image_size);
	feed(0, image_size, 512);
	want_sink_image();
	assert_int_equal(fp.progress_count, 4);
	assert_int_equal(fp.progress_done[3], image_size);
	assert_int_equal(fp.progress_total, image_size);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
	efa_md5(image, image_size, digest);
	assert_memory_equal(fp.finish_md5, digest, 16);
	assert_string_equal(fp.events, "fSBWPWPWPWPFE");
	assert_int_equal(fp.error_count, 0);
	want_reboot();
}

/* The /update page: length unknown, no MD5; the sink begins with its free
 * space and the image is what arrived. Upper-case MD5s are accepted. */
static void
test_unknown_length(void **state)
{
	char upper[EFA_MD5_HEX_LEN + 1];
	uint32_t i;

	(void)state;
	setup();
	fp.free_space = 100000;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	assert_int_equal(fp.begin_size, 100000);
	assert_int_equal(fp.start_size, 0);
	feed(0, image_size, 1460);
	assert_int_equal(fp.progress_total, 0);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
	want_sink_image();
	want_reboot();

	setup();
	for (i = 0; i < EFA_MD5_HEX_LEN; i++)
		upper[i] = (char)(image_md5[i] >= 'a' ? image_md5[i] - 32 :
		    image_md5[i]);
	upper[EFA_MD5_HEX_LEN] = '\0';
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    upper, 0, now), EFA_E_OK);
	feed(0, image_size, 999);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
}

/* Header bytes one at a time: nothing reaches the sink before the check,
 * then the held bytes go first. */
static void
test_header_split(void **state)
{
	(void)state;
	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, 3, 1);
	assert_int_equal(fp.write_count, 0);
	feed(3, 1, 1);
	assert_int_equal(fp.write_count, 2);
	assert_int_equal(fp.written, 4);
	feed(4, image_size - 4, 700);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
	want_sink_image();
}

static void
check_bad_header(uint8_t magic, uint8_t size_byte, enum efa_err want)
{
	setup();
	make_image(2000, magic);
	image[3] = size_byte;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	assert_int_equal(efa_agent_upload_write(&agent, image, 2, now),
	    EFA_E_OK);
	assert_int_equal(efa_agent_upload_write(&agent, image + 2, 100, now),
	    want);
	assert_int_equal(fp.write_count, 0);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(want);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
	/* the rest of the body finds no upload; end neither */
	assert_int_equal(efa_agent_upload_write(&agent, image + 102, 10, now),
	    EFA_E_ABORTED);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_ABORTED);
	assert_int_equal(fp.error_count, 1);
	assert_int_equal(fp.finish_count, 0);
}

static void
test_bad_header(void **state)
{
	(void)state;
	check_bad_header(0x42, 0x20, EFA_E_MAGIC);
	/* flash-size code 4 (4 MB) on a 4 MB chip is fine; 9 (16 MB) not */
	check_bad_header(0xE9, 0x90, EFA_E_NEW_FLASH_CONFIG);
}

/* Filesystem images are not checked; gzip images are (on ESP8266 fine). */
static void
test_fs_and_gzip(void **state)
{
	(void)state;
	setup();
	make_image(1000, 0x00);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FS, 0, NULL,
	    0, now), EFA_E_OK);
	assert_int_equal(fp.free_cmd, EFA_CMD_FS);
	assert_int_equal(fp.begin_cmd, EFA_CMD_FS);
	feed(0, image_size, 100);
	assert_int_equal(fp.written, image_size);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
	assert_int_equal(fp.end_cmd, EFA_CMD_FS);

	setup();
	make_image(1000, 0x1F);
	image[1] = 0x8B;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, image_size, 333);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);

	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, 7, 0, NULL, 0, now),
	    EFA_E_UNKNOWN_CMD);
	assert_int_equal(fp.begin_count, 0);
	want_one_error(EFA_E_UNKNOWN_CMD);
}

/* Space: an announced size over the free space is refused up front; an
 * unknown length fails at the byte that does not fit; more than announced
 * is a size error. */
static void
test_space_and_size(void **state)
{
	(void)state;
	setup();
	fp.free_space = image_size - 1;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, image_md5, EFA_UPLOAD_PULLED, now), EFA_E_SPACE);
	assert_int_equal(fp.begin_count, 0);
	assert_int_equal(fp.start_count, 0);
	want_one_error(EFA_E_SPACE);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);

	setup();
	fp.free_space = 0;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_SPACE);

	setup();
	fp.free_space = 1500;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, 1500, 500);
	assert_int_equal(efa_agent_upload_write(&agent, image + 1500, 1, now),
	    EFA_E_SPACE);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_SPACE);

	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 1000,
	    NULL, EFA_UPLOAD_PULLED, now), EFA_E_OK);
	assert_int_equal(efa_agent_upload_write(&agent, image, 1001, now),
	    EFA_E_SIZE);
	want_one_error(EFA_E_SIZE);

	/* found by tests/fuzz: 2 GiB or more was taken for a negative
	 * size, and 8 bytes were committed as the whole image */
	setup();
	fp.free_space = 0xffffffffu;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    0x80000000u, NULL, 0, now), EFA_E_SIZE);
	assert_int_equal(fp.begin_count, 0);

	/* an application image shorter than its header, announced or not */
	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    EFA_IMAGE_MIN_LEN - 1, NULL, 0, now), EFA_E_SIZE);
	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, EFA_IMAGE_MIN_LEN - 1, 3);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_SIZE);
	assert_int_equal(fp.finish_count, 0);
}

/* End: a short stream, a wrong MD5, nothing at all, a malformed MD5. */
static void
test_end_errors(void **state)
{
	char wrong[EFA_MD5_HEX_LEN + 1];

	(void)state;
	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, image_md5, EFA_UPLOAD_PULLED, now), EFA_E_OK);
	feed(0, image_size - 1, 400);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_STREAM);
	assert_int_equal(fp.finish_count, 0);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_STREAM);

	setup();
	memcpy(wrong, image_md5, sizeof(wrong));
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, wrong, EFA_UPLOAD_PULLED, now), EFA_E_OK);
	feed(0, image_size, 400);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_MD5);
	assert_int_equal(fp.finish_count, 0);
	want_one_error(EFA_E_MD5);

	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_NO_DATA);
	want_one_error(EFA_E_NO_DATA);

	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FS, 0,
	    NULL, 0, now), EFA_E_OK);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_NO_DATA);

	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 10,
	    "0123", EFA_UPLOAD_PULLED, now), EFA_E_MD5);
	wrong[5] = 'x';
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 10,
	    wrong, EFA_UPLOAD_PULLED, now), EFA_E_MD5);
	assert_int_equal(fp.begin_count, 0);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
}

/* An image shorter than a header is refused: with its size announced at
 * the start, else at the end (the bytes there checked first), and nothing
 * reaches the sink. */
static void
test_tiny_image(void **state)
{
	(void)state;
	setup();
	make_image(2, 0xE9);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, 2, 1);
	assert_int_equal(fp.write_count, 0);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_SIZE);
	assert_int_equal(fp.finish_count, 0);
	want_one_error(EFA_E_SIZE);

	setup();
	make_image(2, 0x42);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 2,
	    NULL, EFA_UPLOAD_PULLED, now), EFA_E_SIZE);
	setup();
	make_image(2, 0x42);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, 2, 2);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_MAGIC);
	want_one_error(EFA_E_MAGIC);
	assert_int_equal(fp.finish_count, 0);
}

/* Sink errors end the upload with the sink's word. */
static void
test_sink_errors(void **state)
{
	(void)state;
	setup();
	fp.begin_err = EFA_E_ERASE;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_ERASE);
	assert_int_equal(fp.abort_count, 0);
	want_one_error(EFA_E_ERASE);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);

	setup();
	fp.write_fail_at = 2;
	fp.write_err = EFA_E_WRITE;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, 500, 500);
	assert_int_equal(efa_agent_upload_write(&agent, image + 500, 500,
	    now), EFA_E_WRITE);
	want_one_error(EFA_E_WRITE);

	setup();
	fp.finish_err = EFA_E_READ;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, image_size, 1000);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_READ);
	assert_int_equal(fp.end_count, 0);
	want_one_error(EFA_E_READ);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
}

/* No byte for EFA_DATA_TIMEOUT_MS: the tick ends the upload (each byte
 * moves the deadline); an explicit abort ends it with the port's reason. */
static void
test_timeout_and_abort(void **state)
{
	(void)state;
	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	assert_int_equal(efa_agent_next_timeout(&agent, now),
	    EFA_DATA_TIMEOUT_MS);
	now += EFA_DATA_TIMEOUT_MS - 1;
	feed(0, 100, 100);
	efa_agent_tick(&agent, now + EFA_DATA_TIMEOUT_MS - 1);
	assert_int_equal(efa_agent_state(&agent), EFA_UPLOADING);
	efa_agent_tick(&agent, now + EFA_DATA_TIMEOUT_MS);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_STREAM);
	assert_int_equal(efa_agent_upload_write(&agent, image + 100, 10, now),
	    EFA_E_ABORTED);

	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	feed(0, 100, 100);
	efa_agent_upload_abort(&agent, EFA_E_ABORTED);
	assert_int_equal(fp.abort_count, 1);
	want_one_error(EFA_E_ABORTED);
	efa_agent_upload_abort(&agent, EFA_E_STREAM);
	assert_int_equal(fp.abort_count, 1);
	assert_int_equal(fp.error_count, 1);
}

/* One update at a time: an upload is refused while espota runs, and an
 * invitation is ignored (no answer) while an upload runs. */
static void
test_one_at_a_time(void **state)
{
	char inv[EFA_INVITATION_MAX];
	struct efa_addr host = fake_addr4(192, 0, 2, 10, 40000);
	size_t n;

	(void)state;
	setup();
	n = efa_wire_format_invitation(inv, sizeof(inv), EFA_CMD_FLASH, 5555,
	    image_size, image_md5);
	efa_agent_udp_input(&agent, &host, (const uint8_t *)inv, n, now);
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);
	fake_port_clear_log(&fp);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_RUNNING);
	assert_int_equal(fp.event_count, 0);
	assert_int_equal(efa_agent_state(&agent), EFA_CONNECTING);

	setup();
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	fake_port_clear_log(&fp);
	efa_agent_udp_input(&agent, &host, (const uint8_t *)inv, n, now);
	assert_int_equal(fp.udp_count, 0);
	assert_int_equal(efa_agent_state(&agent), EFA_UPLOADING);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_RUNNING);
	feed(0, image_size, 1000);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
	/* rebooting: still busy */
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_RUNNING);
}

/* The update window applies to uploads pushed to the device, not to the
 * ones it pulls; on_start may veto either. */
static void
test_window_and_veto(void **state)
{
	(void)state;
	setup_full(EFA_CHIP_ESP8266, EFA_AUTH_NONE, NULL, 1);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_WINDOW);
	want_one_error(EFA_E_WINDOW);
	assert_int_equal(fp.free_count, 0);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, image_md5, EFA_UPLOAD_PULLED, now), EFA_E_OK);
	efa_agent_upload_abort(&agent, EFA_E_ABORTED);
	efa_agent_arm(&agent, 1000, now);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now + 999), EFA_E_OK);
	efa_agent_upload_abort(&agent, EFA_E_ABORTED);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now + 1000), EFA_E_WINDOW);

	setup();
	fp.start_ret = 1;
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_BUSY);
	assert_int_equal(fp.begin_count, 0);
	want_one_error(EFA_E_BUSY);
}

/* On trial (a port that keeps the previous image) no upload begins, a
 * pull neither; once confirmed they do. */
static void
test_trial(void **state)
{
	(void)state;
	setup();
	efa_agent_set_image_state(&agent, EFA_IMAGE_TRIAL, now);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, image_md5, EFA_UPLOAD_PULLED, now), EFA_E_TRIAL);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FS, 0, NULL,
	    0, now), EFA_E_TRIAL);
	assert_int_equal(fp.error_count, 2);
	assert_int_equal(fp.free_count, 0);
	assert_int_equal(fp.begin_count, 0);
	assert_int_equal(efa_agent_state(&agent), EFA_IDLE);
	assert_int_equal(efa_agent_confirm(&agent), EFA_E_OK);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, image_md5, EFA_UPLOAD_PULLED, now), EFA_E_OK);
	feed(0, image_size, 500);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
	want_sink_image();
}

/* After a failed upload the next one starts clean. */
static void
test_again_after_failure(void **state)
{
	(void)state;
	setup();
	make_image(2000, 0x42);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH, 0,
	    NULL, 0, now), EFA_E_OK);
	assert_int_equal(efa_agent_upload_write(&agent, image, 2000, now),
	    EFA_E_MAGIC);
	make_image(2000, 0xE9);
	fake_port_clear_log(&fp);
	assert_int_equal(efa_agent_upload_begin(&agent, EFA_CMD_FLASH,
	    image_size, image_md5, EFA_UPLOAD_PULLED, now), EFA_E_OK);
	feed(0, image_size, 64);
	assert_int_equal(efa_agent_upload_end(&agent, now), EFA_E_OK);
	want_sink_image();
	assert_int_equal(fp.error_count, 0);
}

/* HTTP Basic passwords against the stored key of each scheme. */
static void
test_password(void **state)
{
	(void)state;
	setup();
	assert_true(efa_agent_password_ok(&agent, "anything", 8));
	setup_full(EFA_CHIP_ESP8266, EFA_AUTH_MD5, PW_MD5, 0);
	assert_true(efa_agent_password_ok(&agent, "admin", 5));
	assert_false(efa_agent_password_ok(&agent, "admin", 4));
	assert_false(efa_agent_password_ok(&agent, "admin2", 6));
	assert_false(efa_agent_password_ok(&agent, "", 0));
	setup_full(EFA_CHIP_ESP32, EFA_AUTH_SHA256, PW_SHA, 0);
	assert_true(efa_agent_password_ok(&agent, "admin", 5));
	assert_false(efa_agent_password_ok(&agent, "Admin", 5));
	/* an ESP32 sketch storing an MD5 hash (setPasswordHash) */
	setup_full(EFA_CHIP_ESP32, EFA_AUTH_SHA256, PW_MD5, 0);
	assert_true(efa_agent_password_ok(&agent, "admin", 5));
	/* a password without a usable key never matches */
	setup_full(EFA_CHIP_ESP8266, EFA_AUTH_MD5, "abc", 0);
	assert_false(efa_agent_password_ok(&agent, "admin", 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sized_pull),
		cmocka_unit_test(test_unknown_length),
		cmocka_unit_test(test_header_split),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_fs_and_gzip),
		cmocka_unit_test(test_space_and_size),
		cmocka_unit_test(test_end_errors),
		cmocka_unit_test(test_tiny_image),
		cmocka_unit_test(test_sink_errors),
		cmocka_unit_test(test_timeout_and_abort),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_window_and_veto),
		cmocka_unit_test(test_trial),
		cmocka_unit_test(test_again_after_failure),
		cmocka_unit_test(test_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
