/* SPDX-License-Identifier: MIT */
/*
 * HTTP-style uploads into the agent (see efa_upload.h): begin, bytes, end
 * over the same header check, sink and MD5 as espota (efa_agent_int.h);
 * the reboot goes through the agent's EFA_REBOOTING timer. Also the check
 * of an HTTP Basic password against the stored key. No HTTP here.
 */
#include <string.h>

#include "efa/efa_image.h"
#include "efa/efa_upload.h"
#include "efa/efa_util.h"
#include "efa_agent_int.h"

/* Report err, back to idle; the sink is aborted if the upload had begun. */
static enum efa_err
fail(struct efa_agent *a, enum efa_err err)
{
	if (a->state == EFA_UPLOADING)
		a->sink->abort(a->sink_ctx);
	efa_agent__report_error(a, err);
	efa_agent__to_idle(a);
	return err;
}

enum efa_err
efa_agent_upload_begin(struct efa_agent *a, int cmd, uint32_t size,
    const char *md5_hex, unsigned flags, uint32_t now_ms)
{
	uint32_t room;
	enum efa_err err;

	if (a->state != EFA_IDLE)
		return EFA_E_RUNNING;
	efa_agent__expire_periods(a, now_ms);
	if (!(flags & EFA_UPLOAD_PULLED) && a->cfg.require_arm && !a->armed)
		return fail(a, EFA_E_WINDOW);
	if (cmd != EFA_CMD_FLASH && cmd != EFA_CMD_FS)
		return fail(a, EFA_E_UNKNOWN_CMD);
	if (md5_hex != NULL && (efa_strnlen(md5_hex, EFA_MD5_HEX_LEN + 1) !=
	    EFA_MD5_HEX_LEN || !efa_is_hex(md5_hex, EFA_MD5_HEX_LEN)))
		return fail(a, EFA_E_MD5);
	if (efa_agent__check_size(cmd, size) != EFA_E_OK)
		return fail(a, EFA_E_SIZE);
	err = efa_agent__open_sink(a, cmd, size, &room);
	if (err != EFA_E_OK)
		return fail(a, err);
	a->inv.cmd = cmd;
	a->inv.size = (int32_t)size;
	a->inv.md5[0] = '\0';
	if (md5_hex != NULL)
		efa_append(a->inv.md5, sizeof(a->inv.md5), 0, md5_hex);
	a->limit = size != 0 ? size : room;
	efa_agent__begin_data(a);
	a->state = EFA_UPLOADING;
	efa_agent__set_deadline(a, now_ms, EFA_DATA_TIMEOUT_MS);
	return EFA_E_OK;
}

enum efa_err
efa_agent_upload_write(struct efa_agent *a, const uint8_t *data, size_t len,
    uint32_t now_ms)
{
	enum efa_err err;

	if (a->state != EFA_UPLOADING)
		return EFA_E_ABORTED;
	if (len > (size_t)(a->limit - a->received))
		return fail(a, a->inv.size > 0 ? EFA_E_SIZE : EFA_E_SPACE);
	if (len == 0)
		return EFA_E_OK;
	efa_agent__set_deadline(a, now_ms, EFA_DATA_TIMEOUT_MS);
	err = efa_agent__store(a, data, (uint32_t)len);
	if (err != EFA_E_OK)
		return fail(a, err);
	if (a->hooks.on_progress != NULL)
		a->hooks.on_progress(a->hooks.ctx, a->received,
		    (uint32_t)a->inv.size);
	return EFA_E_OK;
}

enum efa_err
efa_agent_upload_end(struct efa_agent *a, uint32_t now_ms)
{
	uint8_t digest[EFA_MD5_LEN];
	char hex[EFA_MD5_HEX_LEN + 1];
	enum efa_err err = EFA_E_OK;

	if (a->state != EFA_UPLOADING)
		return EFA_E_ABORTED;
	if (!a->hdr_checked)
		err = efa_agent__check_header(a, a->hdr_len);
	if (err == EFA_E_OK && a->received == 0)
		err = EFA_E_NO_DATA;
	if (err == EFA_E_OK && a->inv.cmd == EFA_CMD_FLASH &&
	    a->received < EFA_IMAGE_MIN_LEN)
		err = EFA_E_SIZE;   /* an unannounced size: checked at the end */
	if (err == EFA_E_OK && a->inv.size > 0 &&
	    a->received != (uint32_t)a->inv.size)
		err = EFA_E_STREAM;
	if (err == EFA_E_OK && !efa_agent__md5_final(a, digest, hex))
		err = EFA_E_MD5;
	if (err == EFA_E_OK)
		err = a->sink->finish(a->sink_ctx, digest);
	if (err != EFA_E_OK)
		return fail(a, err);
	if (a->hooks.on_end != NULL)
		a->hooks.on_end(a->hooks.ctx, a->inv.cmd);
	a->state = EFA_REBOOTING;
	efa_agent__set_deadline(a, now_ms, EFA_REBOOT_DELAY_MS);
	return EFA_E_OK;
}

void
efa_agent_upload_abort(struct efa_agent *a, enum efa_err why)
{
	if (a->state == EFA_UPLOADING)
		fail(a, why);
}

int
efa_agent_password_ok(const struct efa_agent *a, const char *password,
    size_t len)
{
	char key[EFA_SHA256_HEX_LEN + 1];
	size_t n = efa_strnlen(a->cfg.pw_key, EFA_SHA256_HEX_LEN);
	int ok;

	if (a->cfg.auth == EFA_AUTH_NONE)
		return 1;
	if (n != EFA_MD5_HEX_LEN && n != EFA_SHA256_HEX_LEN)
		return 0;
	efa_auth_pw_key(a->cfg.crypto, password, len, n, key);
	ok = efa_ct_equal(key, a->cfg.pw_key, n);
	memset(key, 0, sizeof(key));
	return ok;
}
