/* SPDX-License-Identifier: MIT */
/*
 * HTTP-style updates into the agent (docs/protocol.md 7): the image comes on a
 * stream the port parses itself, with no espota handshake: the body of an
 * ESP8266httpUpdate/HTTPUpdate answer the device pulled (length and x-MD5
 * known), or the multipart POST to an ESP8266HTTPUpdateServer /update page
 * (length unknown, no MD5: like the stock server, the sink is begun with
 * the free space and the update ends with the bytes received). The same
 * image checks, sink, hooks and reboot as an espota update; while one runs
 * the other is refused. The HTTP parsing, its timeouts and the page texts
 * (efa_http.h) stay in the port.
 */
#ifndef EFA_UPLOAD_H
#define EFA_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "efa_agent.h"

/* The device asked for this image itself (a pull): the update window of
 * require_arm does not apply. */
#define EFA_UPLOAD_PULLED 1u

/*
 * Start an upload of a cmd image (EFA_CMD_FLASH or EFA_CMD_FS) of size
 * bytes (0: unknown, then at most the sink's free space is taken), whose
 * MD5 must be md5_hex (32 hex digits, any case; NULL: not checked). The
 * agent must be idle. Returns EFA_E_OK (the agent is then EFA_UPLOADING),
 * or EFA_E_RUNNING (another update runs; nothing reported), EFA_E_WINDOW,
 * EFA_E_UNKNOWN_CMD, EFA_E_MD5 (md5_hex not 32 hex digits), EFA_E_TRIAL
 * (the running image is on trial), EFA_E_SPACE, EFA_E_BUSY (on_start
 * refused) or the sink's begin error, each also given
 * to on_error. flags: EFA_UPLOAD_PULLED or 0.
 */
enum efa_err efa_agent_upload_begin(struct efa_agent *a, int cmd,
    uint32_t size, const char *md5_hex, unsigned flags, uint32_t now_ms);

/*
 * The next len image bytes. EFA_E_OK, or the error that ended the upload
 * (the sink aborted, on_error called): EFA_E_MAGIC/EFA_E_NEW_FLASH_CONFIG
 * from the header check, EFA_E_SPACE (unknown size, more than the free
 * space) or EFA_E_SIZE (more than the announced size), a sink error; or
 * EFA_E_ABORTED when no upload runs (e.g. it timed out: without a call for
 * EFA_DATA_TIMEOUT_MS, efa_agent_tick ends it with EFA_E_STREAM).
 * on_progress gets (bytes so far, size; 0 when unknown).
 */
enum efa_err efa_agent_upload_write(struct efa_agent *a, const uint8_t *data,
    size_t len, uint32_t now_ms);

/*
 * The stream ended: check the header (also of an image shorter than one),
 * that the announced size arrived (else EFA_E_STREAM), the MD5, then the
 * sink's finish. EFA_E_OK: the image is committed, on_end was called and
 * the agent reboots through net->reboot after EFA_REBOOT_DELAY_MS (the port
 * sends its answer meanwhile). Else the error, as for write.
 */
enum efa_err efa_agent_upload_end(struct efa_agent *a, uint32_t now_ms);

/* Drop a running upload (the connection broke: EFA_E_STREAM; or
 * EFA_E_ABORTED): sink aborted, on_error(why). No-op when none runs. */
void efa_agent_upload_abort(struct efa_agent *a, enum efa_err why);

/*
 * 1 if password (len bytes) is the device's: its key under the agent's
 * scheme equals cfg.pw_key, compared in constant time (for HTTP Basic
 * auth; the port stores no plain password). 1 when the agent has no
 * password (auth NONE), 0 when its pw_key is unusable.
 */
int efa_agent_password_ok(const struct efa_agent *a, const char *password,
    size_t len);

#endif
