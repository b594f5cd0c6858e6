/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the agent core, device side (efa_agent.c,
 * efa_upload.c and what they call): the first input bytes choose a
 * configuration (chip, auth scheme with a fixed password, arming, flash
 * size, start time), the rest is a sequence of operations: raw and
 * well-formed UDP datagrams (invitations, "200" answers computed from the
 * agent's "AUTH <nonce>" so the data phase is reached), TCP connect
 * outcomes, image and raw TCP bytes, closes, ticks at advancing (and
 * wrapping) times, arming, resets, HTTP-style uploads, password checks and
 * sink/port faults. Besides the sanitizers it checks the contracts the
 * headers state: sink call order (begin, write*, finish or abort), the
 * bytes the sink got are the bytes whose MD5 finish sees, a due timer is
 * consumed by efa_agent_tick, counts and progress stay within the size.
 * Uses the fake port of tests/fakes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efa/efa_agent.h"
#include "efa/efa_auth.h"
#include "efa/efa_hash.h"
#include "efa/efa_image.h"
#include "efa/efa_upload.h"
#include "efa/efa_util.h"
#include "efa/efa_wire.h"
#include "fakes/fake-port.h"
#include "fuzz-input.h"

#define PASSWORD "fuzz-secret"
#define IMG_MAX 4096u
#define OPS_MAX 400
#define AUTH_MAX 6     /* computed answers per input (PBKDF2 is slow) */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum sink_state { SINK_IDLE, SINK_BEGUN, SINK_FINISH_FAILED };

static struct fake_port fp;
static struct efa_agent ag;
static struct efa_agent_config cfg;
static int with_hooks;
static uint32_t now;
static struct efa_addr addrs[3];
static enum sink_state sink;
static unsigned reboots_seen;

static uint8_t img[IMG_MAX];
static uint32_t img_len, img_pos;
static uint32_t up_size;  /* announced size of the running upload */
static char img_md5[EFA_MD5_HEX_LEN + 1];

static char key_md5[EFA_MD5_HEX_LEN + 1];     /* MD5(password) */
static char key_sha[EFA_SHA256_HEX_LEN + 1];  /* SHA256(password) */

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s (state %s, events %s)\n",
	    what, efa_agent_state_name(efa_agent_state(&ag)), fp.events);
	fuzz_abort();
}

/* ------------------------------------------------- checking sink, hooks */

static uint32_t
chk_free_space(void *ctx, int cmd)
{
	return fake_free_space(ctx, cmd);
}

static enum efa_err
chk_begin(void *ctx, int cmd, uint32_t size)
{
	enum efa_err err;

	if (sink != SINK_IDLE)
		violation("sink begin while an update is open");
	err = fake_begin(ctx, cmd, size);
	if (err == EFA_E_OK)
		sink = SINK_BEGUN;
	return err;
}

static enum efa_err
chk_write(void *ctx, const uint8_t *buf, uint32_t len)
{
	if (sink != SINK_BEGUN)
		violation("sink write outside begin..finish");
	return fake_write(ctx, buf, len);
}

static enum efa_err
chk_finish(void *ctx, const uint8_t md5[16])
{
	uint8_t got[EFA_MD5_LEN];
	enum efa_err err;

	if (sink != SINK_BEGUN)
		violation("sink finish without begin");
	if (fp.written <= FAKE_SINK_LEN) {
		efa_md5(fp.data, fp.written, got);
		if (memcmp(got, md5, sizeof(got)) != 0)
			violation("finish MD5 is not the MD5 of the bytes "
			    "written to the sink");
	}
	err = fake_finish(ctx, md5);
	sink = err == EFA_E_OK ? SINK_IDLE : SINK_FINISH_FAILED;
	return err;
}

static void
chk_abort(void *ctx)
{
	if (sink == SINK_IDLE)
		violation("sink abort without an open update");
	sink = SINK_IDLE;
	fake_abort(ctx);
}

static const struct efa_sink_ops sink_ops = {
	chk_free_space, chk_begin, chk_write, chk_finish, chk_abort,
	fake_confirm, fake_reject
};

static void
chk_progress(void *ctx, uint32_t done, uint32_t total)
{
	if (total != 0 && done > total)
		violation("progress beyond the total");
	fake_on_progress(ctx, done, total);
}

static void
agent_init(void)
{
	struct efa_hooks hooks;

	hooks.on_start = fake_on_start;
	hooks.on_progress = chk_progress;
	hooks.on_end = fake_on_end;
	hooks.on_error = fake_on_error;
	hooks.ctx = &fp;
	efa_agent_init(&ag, &cfg, fake_net_ops(), &fp, &sink_ops, &fp,
	    with_hooks ? &hooks : NULL);
	sink = SINK_IDLE;
}

/* ------------------------------------------------------------ stimuli */

static const struct efa_addr *
pick_addr(struct fuzz_in *in)
{
	return &addrs[fuzz_u8(in) % 3];
}

/* A new image of len bytes: deterministic body, header from the input
 * (raw bytes, or 0xE9 with a chosen flash-size nibble, or gzip). */
static void
new_image(struct fuzz_in *in, uint32_t len)
{
	uint8_t mode = fuzz_u8(in), digest[EFA_MD5_LEN];
	uint32_t x = 0x9e3779b9u ^ mode, i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		img[i] = (uint8_t)(x >> 24);
	}
	switch (mode & 3) {
	case 0:
		for (i = 0; i < 4 && i < len; i++)
			img[i] = fuzz_u8(in);
		break;
	case 1:
		if (len > 1) {
			img[0] = 0x1f;
			img[1] = 0x8b;
		}
		break;
	default:
		if (len > 0)
			img[0] = EFA_IMAGE_MAGIC;
		if (len > 3)
			img[3] = (uint8_t)(fuzz_u8(in) << 4);
		break;
	}
	img_len = len;
	img_pos = 0;
	efa_md5(img, len, digest);
	efa_hex(img_md5, digest, sizeof(digest));
}

/* Deliver a datagram from a heap copy of its exact size, so that a read
 * past its end is caught. */
static void
udp_exact(const struct efa_addr *from, const void *pkt, size_t n)
{
	uint8_t *buf = malloc(n ? n : 1);

	memcpy(buf, pkt, n);
	efa_agent_udp_input(&ag, from, buf, n, now);
	free(buf);
}

/* An announced size: around the image's, at the int32 edges, or any. */
static uint32_t
pick_size(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	switch (b % 8) {
	case 0:
		return img_len - 1;
	case 1:
		return img_len + 1;
	case 2:
		return 0x7fffffffu;
	case 3:
		return 0x80000000u;
	case 4:
		return 0xffffffffu;
	case 5:
		return img_len | 0x80000000u;
	case 6:
		return b >> 3;
	default:
		return fuzz_u32(in);
	}
}

static void
op_udp_raw(struct fuzz_in *in)
{
	const struct efa_addr *from = pick_addr(in);
	size_t n;
	const uint8_t *p = fuzz_bytes(in, fuzz_u8(in), &n);

	udp_exact(from, p, n);
}

static void
op_invite(struct fuzz_in *in)
{
	uint8_t flags = fuzz_u8(in);
	const struct efa_addr *from = pick_addr(in);
	int cmd = (flags & 3) == 0 ? EFA_CMD_FLASH : (flags & 3) == 1 ?
	    EFA_CMD_FS : (flags & 3) == 2 ? EFA_CMD_AUTH : fuzz_u16(in);
	uint16_t port = fuzz_u16(in);
	uint32_t len = fuzz_u16(in) % (IMG_MAX + 1), size;
	char md5[EFA_MD5_HEX_LEN + 1], buf[EFA_INVITATION_MAX + 8];
	size_t n, i;

	new_image(in, len);
	size = flags & 8 ? pick_size(in) : len;
	memcpy(md5, img_md5, sizeof(md5));
	if (flags & 16)
		md5[fuzz_u8(in) % EFA_MD5_HEX_LEN] ^= (char)(fuzz_u8(in) | 1);
	if (flags & 32)
		for (i = 0; i < EFA_MD5_HEX_LEN; i++)
			if (md5[i] >= 'a' && md5[i] <= 'f')
				md5[i] = (char)(md5[i] - 'a' + 'A');
	if (flags & 64) {
		/* the stock parser's tolerance: spaces, CR LF */
		int k = snprintf(buf, sizeof(buf), "  %d  %u %u  %.32s \r\n",
		    cmd, port, size, md5);

		n = k < 0 ? 0 : (size_t)k < sizeof(buf) ? (size_t)k :
		    sizeof(buf) - 1;
	} else {
		n = efa_wire_format_invitation(buf, sizeof(buf), cmd, port,
		    size, md5);
	}
	udp_exact(from, buf, n);
}

/* Answer the agent's "AUTH <nonce>" (or a made-up nonce). */
static void
op_auth(struct fuzz_in *in, unsigned *auths)
{
	const struct fake_dgram *d = fp.udp_count > 0 ?
	    fake_udp_at(&fp, fp.udp_count - 1) : NULL;
	uint8_t how = fuzz_u8(in), raw[EFA_NONCE_MAX_LEN / 2];
	const struct efa_addr *from = pick_addr(in);
	char nonce[EFA_NONCE_MAX_LEN + 1], cnonce[EFA_NONCE_MAX_LEN + 1];
	char resp[EFA_NONCE_MAX_LEN + 1], buf[EFA_AUTH_MSG_MAX];
	const char *key;
	size_t nlen = 0, n, i;
	const uint8_t *p;

	if (d != NULL && d->len > 5 && d->len - 5 <= EFA_NONCE_MAX_LEN &&
	    memcmp(d->buf, "AUTH ", 5) == 0) {
		nlen = d->len - 5;
		memcpy(nonce, d->buf + 5, nlen);
	} else {
		nlen = how & 0x80 ? EFA_SHA256_HEX_LEN : EFA_MD5_HEX_LEN;
		memset(nonce, 'a', nlen);
	}
	nonce[nlen] = '\0';
	/* cnonce: hex of input bytes, or raw input bytes without spaces */
	p = fuzz_bytes(in, nlen / 2, &n);
	memset(raw, 0, sizeof(raw));
	memcpy(raw, p, n);
	efa_hex(cnonce, raw, nlen / 2);
	if (how & 0x40)
		for (i = 0; i < nlen; i++) {
			uint8_t c = fuzz_u8(in);

			cnonce[i] = (char)(c == ' ' || c == 0 ? 'x' : c);
		}
	switch (how & 3) {
	case 0:  /* the configured key: must succeed */
		key = cfg.pw_key;
		break;
	case 1:  /* the other form (sha256 host's MD5-key fallback) */
		key = strlen(cfg.pw_key) == EFA_MD5_HEX_LEN ? key_sha :
		    key_md5;
		break;
	case 2:  /* a wrong password */
		key = "00000000000000000000000000000000";
		break;
	default: /* a raw response from the input */
		key = NULL;
		break;
	}
	if (key != NULL && *auths < AUTH_MAX) {
		(*auths)++;
		if (efa_auth_response(&efa_crypto_builtin,
		    efa_auth_scheme_for_nonce(nlen), key, strlen(key), nonce,
		    nlen, cnonce, nlen, resp) != 0) {
			memset(resp, '0', nlen);
			resp[nlen] = '\0';
		}
	} else {
		for (i = 0; i < nlen; i++) {
			uint8_t c = fuzz_u8(in);

			resp[i] = (char)(c == '\n' || c == 0 ? 'y' : c);
		}
		resp[nlen] = '\0';
	}
	n = efa_wire_format_auth(buf, sizeof(buf), cnonce, resp);
	if (how & 0x20 && n > 0)
		n--;  /* without the newline */
	udp_exact(from, buf, n);
}

/* Bytes on the data connection: the image, or raw input bytes. */
static void
op_tcp(struct fuzz_in *in, int upload)
{
	uint8_t how = fuzz_u8(in);
	uint32_t want = (uint32_t)(fuzz_u16(in) % 2048u) + 1u;
	const uint8_t *p;
	uint8_t *buf;
	size_t n, used;

	if (!(how & 1) && img_pos < img_len) {
		n = img_len - img_pos < want ? img_len - img_pos : want;
		p = img + img_pos;
	} else {
		p = fuzz_bytes(in, want & 0xff, &n);
	}
	buf = malloc(n ? n : 1);  /* exact size: overreads show */
	memcpy(buf, p, n);
	if (upload) {
		enum efa_err err = efa_agent_upload_write(&ag, buf, n, now);

		used = err == EFA_E_OK ? n : 0;
	} else {
		used = efa_agent_tcp_input(&ag, buf, n, now);
		if (used > n)
			violation("tcp_input consumed more than given");
	}
	if (!(how & 1) && img_pos < img_len)
		img_pos += (uint32_t)used;
	free(buf);
}

static void
op_upload_begin(struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in);
	int cmd = how & 1 ? EFA_CMD_FS : EFA_CMD_FLASH;
	uint32_t size;
	char md5[48];
	const char *m;
	size_t n;
	const uint8_t *p;

	if (how & 2)
		cmd = (int)(int16_t)fuzz_u16(in);
	if (img_len == 0 || (how & 4))
		new_image(in, fuzz_u16(in) % (IMG_MAX + 1));
	img_pos = 0;
	switch ((how >> 3) & 3) {
	case 0:
		size = 0;  /* unknown, as the /update page */
		break;
	case 1:
		size = img_len;
		break;
	default:
		size = pick_size(in);
		break;
	}
	switch ((how >> 5) & 3) {
	case 0:
		m = NULL;
		break;
	case 1:
		m = img_md5;
		break;
	case 2:
		memcpy(md5, img_md5, sizeof(img_md5));
		n = fuzz_u8(in) % EFA_MD5_HEX_LEN;
		md5[n] = md5[n] == '0' ? '1' : '0';  /* wrong, still hex */
		m = md5;
		break;
	default:
		p = fuzz_bytes(in, fuzz_u8(in) % 40, &n);
		memcpy(md5, p, n);
		md5[n] = '\0';
		m = md5;
		break;
	}
	if (efa_agent_upload_begin(&ag, cmd, size, m, (how >> 7) & 1,
	    now) == EFA_E_OK)
		up_size = size;
}

static void
op_upload_end(struct fuzz_in *in)
{
	if (fuzz_u8(in) & 1) {
		if (efa_agent_upload_end(&ag, now) == EFA_E_OK &&
		    up_size != 0 && ag.received != up_size)
			violation("upload ended OK with fewer bytes than "
			    "announced");
	} else {
		efa_agent_upload_abort(&ag, (enum efa_err)(fuzz_u8(in) %
		    EFA_E__COUNT));
	}
}

static void
op_password(struct fuzz_in *in)
{
	size_t n;
	const uint8_t *p = fuzz_bytes(in, fuzz_u8(in) % 64, &n);
	char pw[64];
	int ok, want;

	if (fuzz_u8(in) & 1) {
		n = sizeof(PASSWORD) - 1;
		memcpy(pw, PASSWORD, n);
	} else {
		memcpy(pw, p, n);
	}
	ok = efa_agent_password_ok(&ag, pw, n);
	want = cfg.auth == EFA_AUTH_NONE ||
	    (n == sizeof(PASSWORD) - 1 && memcmp(pw, PASSWORD, n) == 0);
	if (ok != want)
		violation("efa_agent_password_ok gave the wrong answer");
}

static uint32_t
pick_ms(struct fuzz_in *in)
{
	static const uint32_t ms[] = {
		0, 1, 99, 100, 101, 999, 1000, 1001, 9999, 10000, 10001,
		64000, 0x7fffffffu, 0x80000000u, 0xffffffffu
	};
	uint8_t b = fuzz_u8(in);

	if (b < 2 * ARRAY_LEN(ms))
		return ms[b % ARRAY_LEN(ms)];
	return (uint32_t)b * 53u + fuzz_u8(in);
}

static void
op_knob(struct fuzz_in *in)
{
	static const uint32_t space[] = {
		0, 1, 7, 8, 300, 1u << 20, 0x7fffffffu, 0x80000000u,
		0xffffffffu
	};
	uint8_t k = fuzz_u8(in), v = fuzz_u8(in);

	switch (k % 8) {
	case 0:
		fp.begin_err = (enum efa_err)(v % EFA_E__COUNT);
		break;
	case 1:
		fp.finish_err = (enum efa_err)(v % EFA_E__COUNT);
		break;
	case 2:
		fp.write_fail_at = v & 0x80 ? 0 : fp.write_count + 1 + v % 4;
		fp.write_err = (enum efa_err)(1 + v % (EFA_E__COUNT - 1));
		break;
	case 3:
		fp.connect_result = v & 1 ? -1 : 0;
		break;
	case 4:
		fp.random_result = v & 1 ? -1 : 0;
		break;
	case 5:
		fp.free_space = space[v % ARRAY_LEN(space)];
		break;
	case 6:
		fp.start_ret = v & 1;
		break;
	default:
		efa_agent_arm(&ag, pick_ms(in), now);
		break;
	}
}

/* ----------------------------------------------------------- checks */

static void
check(void)
{
	enum efa_state s = efa_agent_state(&ag);
	int open = s == EFA_CONNECTING || s == EFA_RECEIVING ||
	    s == EFA_UPLOADING;

	if ((unsigned)s > EFA_UPLOADING)
		violation("state out of range");
	if (open && sink != SINK_BEGUN)
		violation("an update runs but the sink is not begun");
	if (!open && sink != SINK_IDLE)
		violation("no update runs but the sink was left open");
	if (efa_strnlen(ag.nonce, sizeof(ag.nonce)) > EFA_NONCE_MAX_LEN)
		violation("nonce not terminated");
	if (s == EFA_RECEIVING && ag.received > (uint32_t)ag.inv.size)
		violation("received more than the announced size");
	if (s == EFA_UPLOADING && ag.received > ag.limit)
		violation("upload took more than its limit");
	if ((s == EFA_RECEIVING || s == EFA_UPLOADING) &&
	    fp.written + (ag.hdr_checked ? 0u : ag.hdr_len) != ag.received)
		violation("sink bytes + held header != bytes received");
	if (fp.reboot_count != reboots_seen) {
		/* the device restarts: a fresh agent, same settings */
		reboots_seen = fp.reboot_count;
		agent_init();
	}
}

/* --------------------------------------------------------------- main */

static void
setup(struct fuzz_in *in)
{
	uint8_t c0 = fuzz_u8(in), c1 = fuzz_u8(in);
	uint8_t digest[EFA_SHA256_LEN];

	efa_md5(PASSWORD, sizeof(PASSWORD) - 1, digest);
	efa_hex(key_md5, digest, EFA_MD5_LEN);
	efa_sha256(PASSWORD, sizeof(PASSWORD) - 1, digest);
	efa_hex(key_sha, digest, EFA_SHA256_LEN);

	memset(&cfg, 0, sizeof(cfg));
	cfg.chip = c0 & 1 ? EFA_CHIP_ESP32 : EFA_CHIP_ESP8266;
	cfg.auth = (enum efa_auth_scheme)((c0 >> 1) % 3);
	if (cfg.auth == EFA_AUTH_MD5 ||
	    (cfg.auth == EFA_AUTH_SHA256 && (c0 & 8)))
		memcpy(cfg.pw_key, key_md5, sizeof(key_md5));
	else if (cfg.auth == EFA_AUTH_SHA256)
		memcpy(cfg.pw_key, key_sha, sizeof(key_sha));
	cfg.require_arm = (c0 >> 4) & 1;
	with_hooks = !((c0 >> 5) & 1);
	cfg.chip_flash_size = c1 & 0x80 ? 0 :
	    efa_image_flash_size(cfg.chip, c1 & 0x0f);
	switch ((c1 >> 4) & 3) {
	case 0:
		now = 0;
		break;
	case 1:
		now = 0xfffff000u;  /* the clock wraps soon */
		break;
	default:
		now = fuzz_u32(in);
		break;
	}
	fake_port_init(&fp);
	reboots_seen = 0;
	img_len = img_pos = 0;
	agent_init();
	addrs[0] = fake_addr4(192, 0, 2, 10, 40000);
	addrs[1] = fake_addr4(192, 0, 2, 10, 40001);
	addrs[2] = fake_addr4(198, 51, 100, 7, 5555);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	unsigned ops = 0, auths = 0;
	uint32_t t;

	fuzz_init(&in, data, size);
	setup(&in);
	while (fuzz_left(&in) > 0 && ops++ < OPS_MAX) {
		switch (fuzz_u8(&in) % 16) {
		case 0:
			op_udp_raw(&in);
			break;
		case 1:
		case 2:
			op_invite(&in);
			break;
		case 3:
			op_auth(&in, &auths);
			break;
		case 4:
			efa_agent_tcp_connected(&ag, fuzz_u8(&in) & 1, now);
			break;
		case 5:
		case 6:
			op_tcp(&in, 0);
			break;
		case 7:
			efa_agent_tcp_closed(&ag, now);
			break;
		case 8:
			now += pick_ms(&in);
			efa_agent_tick(&ag, now);
			break;
		case 9:
			/* when the agent says a tick is due */
			t = efa_agent_next_timeout(&ag, now);
			if (t != EFA_NO_TIMEOUT)
				now += t;
			efa_agent_tick(&ag, now);
			if (efa_agent_next_timeout(&ag, now) == 0)
				violation("a tick left its timer due");
			break;
		case 10:
			if (fuzz_u8(&in) < 16) {
				efa_agent_reset(&ag); /* power loss */
				sink = SINK_IDLE;
			}
			break;
		case 11:
			op_upload_begin(&in);
			break;
		case 12:
			op_tcp(&in, 1);
			break;
		case 13:
			op_upload_end(&in);
			break;
		case 14:
			op_password(&in);
			break;
		default:
			op_knob(&in);
			break;
		}
		check();
	}
	return 0;
}
