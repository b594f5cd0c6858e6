/* SPDX-License-Identifier: MIT */
/*
 * Checks and transforms of a staged image before the flash writer commits
 * it (efa_flash.h), for a port that verifies signatures or takes gzip
 * images without a boot loader that inflates (eboot does on the ESP8266):
 *
 * - signature: the core hashes the signed part of the staged bytes
 *   (SHA-256, read back from flash) and parses the trailer (efa_image.h);
 *   the port verifies the signature with its library (OpenSSL, mbedTLS,
 *   BearSSL). A missing or bad signature refuses the update before the
 *   commit (EFA_E_SIGN); the trailer is never part of the committed
 *   image, so the device runs exactly the unsigned bytes.
 * - gzip (application and filesystem images): the stream is staged as
 *   received, at the top of the sketch area; the port inflates it into
 *   flash just below (its library, its memory), the core checks the
 *   result and commits the inflated image, whose MD5 the device then
 *   advertises. The swap or copy at boot is the same as for any image,
 *   so every power loss still leaves the old image or the new one, and a
 *   stream that does not inflate (EFA_E_INFLATE) commits nothing.
 *
 * A port attaches this with efa_stage_attach() and uses
 * efa_flashwriter_stage_sink instead of efa_flashwriter_sink; a port that
 * does not is not linked with any of it. A port with its own image sink
 * (ESP-IDF) calls efa_stage_check_signature() before it commits.
 */
#ifndef EFA_STAGE_H
#define EFA_STAGE_H

#include <stdint.h>

#include "efa_err.h"
#include "efa_flash.h"
#include "efa_hash.h"
#include "efa_image.h"
#include "efa_sink.h"

struct efa_stage_ops {
	/* Verify sig[0..sig_len) over digest, the SHA-256 of the signed part
	 * (sig_format says how: efa_image.h). EFA_E_OK, or EFA_E_SIGN for a
	 * signature that is not one of the port's key (also a length the
	 * key cannot have). NULL: images are not checked for a signature. */
	enum efa_err (*verify)(void *ctx, const uint8_t digest[EFA_SHA256_LEN],
	    const uint8_t *sig, uint32_t sig_len);
	enum efa_sig_format sig_format;
	/* Inflate the gzip stream at flash [src, src + len) into
	 * [dst, dst + out_len) (sector-aligned dst; erase before programming,
	 * program in whole prog_align units, 0xFF after the end), checking
	 * the stream's CRC-32 and that it inflates to exactly out_len bytes.
	 * EFA_E_OK, EFA_E_INFLATE for a stream that does not, or a flash
	 * error. NULL: gzip images are committed as they are (a boot loader
	 * that inflates, as eboot). */
	enum efa_err (*inflate)(void *ctx, uint32_t src, uint32_t len,
	    uint32_t dst, uint32_t out_len);
	void *ctx;
};

/*
 * Make the flash writer fw run ops before every commit (ops must outlive
 * fw's use). With the flash writer's I/O buffer of at least the signature
 * length (EFA_SIG_MAX_LEN for the ESP32 format). Call after
 * efa_flashwriter_init.
 */
void efa_stage_attach(struct efa_flashwriter *fw,
    const struct efa_stage_ops *ops);

/*
 * The same signature check for a port that writes images without the
 * core's flash writer (ESP-IDF: esp_ota_*): the len staged bytes at
 * flash [addr, addr + len) (addr 4-aligned), read through flash->read
 * (only read and prog_align are used; reads may extend up to 3 bytes, or
 * to the next prog_align unit, past the end) into buf[0..buf_len), which
 * must hold the signature: EFA_SIG_MAX_LEN + 4 bytes, a multiple of 4 and
 * of prog_align. The trailer is parsed for ops->sig_format, the SHA-256 of
 * the signed part computed, ops->verify called. EFA_E_OK with *image_len
 * the signed part's length; EFA_E_SIGN for a missing or bad signature
 * (also ops->verify NULL or an unusable buffer); or the read's error.
 */
enum efa_err efa_stage_check_signature(const struct efa_flash_ops *flash,
    void *ctx, uint32_t addr, uint32_t len, uint8_t *buf, uint32_t buf_len,
    const struct efa_stage_ops *ops, uint32_t *image_len);

/*
 * The flash writer's sink ops (ctx = struct efa_flashwriter *), except
 * that a gzip image is staged right below the filesystem, as long as it
 * is (not the running image), so that it inflates below itself. The room
 * an inflated application image needs: (sectors) max(new, running) + 1
 * for the swap, the new image and the gzip stream within the sketch area,
 * checked before inflating (EFA_E_SPACE).
 */
extern const struct efa_sink_ops efa_flashwriter_stage_sink;

#endif
