/* SPDX-License-Identifier: MIT */
/*
 * Helpers every device port needs, kept in the core so they are written
 * and tested once: the mDNS TXT items of a device (efa_mdns.h keys), the
 * default host name, a stored password hash, and the vendors' Updater error
 * numbers as efa_err. See firmware-agent/PORTING.md.
 */
#ifndef EFA_PORT_H
#define EFA_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "efa_auth.h"
#include "efa_err.h"
#include "efa_sink.h"
#include "efa_wire.h"

/* "esp8266" | "esp32" (the efa_chip TXT value). */
const char *efa_chip_name(enum efa_chip chip);

/* "none" | "md5" | "sha256" (the efa_auth TXT value). */
const char *efa_auth_scheme_name(enum efa_auth_scheme scheme);

/* "ok" | "trial" | "rolled-back" (the efa_state TXT value). */
const char *efa_image_state_name(enum efa_image_state state);

/* What a device advertises. Strings may be NULL (key left out). */
struct efa_txt_info {
	enum efa_chip chip;
	enum efa_auth_scheme auth;
	/* Board id for the stock keys (board, tcp_check, ssh_upload,
	 * auth_upload). NULL: the port's mDNS library adds those itself
	 * (Arduino's MDNS.enableArduino()), only the agent keys are built. */
	const char *board;
	const char *md5_hex;   /* MD5 of the running image, 32 hex, any case */
	const char *version;   /* firmware version text */
	uint32_t free_space;   /* largest image the device takes now */
	uint32_t flash_size;   /* real flash size, bytes; 0: unknown */
	/* efa_image_state_name() of the running image; NULL for a port
	 * that does not know (the key is left out) */
	const char *state;
	/* rolled back: MD5 of the rejected image, 32 lowercase hex (as
	 * efa_hex writes it); else NULL */
	const char *rejected_md5_hex;
	/* EFA_TXT_GZIP_APP or _APP_FS when the device inflates gzip images
	 * (efa_mdns.h); NULL: it does not (the key is left out) */
	const char *gzip;
};

#define EFA_TXT_ITEMS_MAX 14
#define EFA_TXT_VALUE_MAX 64  /* longer values are left out */

/* TXT items as key/value string pairs; values point into info's strings
 * or into this struct, so keep both while the items are in use. */
struct efa_txt {
	size_t count;
	const char *key[EFA_TXT_ITEMS_MAX];
	const char *value[EFA_TXT_ITEMS_MAX];
	char md5[EFA_MD5_HEX_LEN + 1];
	char free_space[11];
	char flash_size[11];
};

/*
 * Build the TXT items: the stock keys first (when info->board is set),
 * then efa, efa_chip, efa_auth, efa_md5, efa_ver, efa_free, efa_flash,
 * efa_state, efa_rejected, efa_gz. A text value that is empty, longer than
 * EFA_TXT_VALUE_MAX, not printable ASCII or contains '=' (IDEs drop such
 * items) is left out, as is an efa_md5 that is not 32 hex digits (it is
 * sent lowercase) and a flash size of 0.
 * Returns the number of items.
 */
size_t efa_txt_build(struct efa_txt *t, const struct efa_txt_info *info);

/* The stock default host name: ESP8266 "esp8266-" + 6 hex digits of the
 * 24-bit chip id; ESP32 "esp32-" + 12 hex digits of the MAC. out holds at
 * least 19 bytes. Returns the length. */
size_t efa_default_hostname(char *out, enum efa_chip chip,
    uint32_t chip_id, const uint8_t mac[6]);

/*
 * The agent's pw_key from a stored password hash (setPasswordHash): md5
 * takes 32 hex digits, sha256 64 (or 32, a legacy MD5 hash, docs/protocol.md
 * 3.2). Stored lowercase: the response is computed over the text. out
 * holds EFA_SHA256_HEX_LEN + 1 bytes. 0, or -1 (wrong length or not hex;
 * out is then empty).
 */
int efa_pw_key_from_hash(enum efa_auth_scheme scheme, const char *hash,
    char *out);

/*
 * The efa_err for a failed call of the chip's Arduino Updater, from its
 * Update.getError() number (ESP8266 cores/esp8266/Updater.h, ESP32
 * libraries/Update/src/Update.h), so a sink over Update reports what
 * failed in the agent's terms. 0 (failed without setting an error) and
 * unknown numbers are EFA_E_WRITE; never EFA_E_OK.
 */
enum efa_err efa_err_from_updater(enum efa_chip chip, unsigned code);

#endif
