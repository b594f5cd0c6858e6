/* SPDX-License-Identifier: MIT */
/*
 * Helpers for device ports (see efa_port.h): TXT items, default host name,
 * stored password hashes, Updater error numbers. Pure functions over
 * caller buffers, so the Arduino and ESP-IDF ports stay glue.
 */
#include <string.h>

#include "efa/efa_mdns.h"
#include "efa/efa_port.h"
#include "efa/efa_util.h"

const char *
efa_chip_name(enum efa_chip chip)
{
	return chip == EFA_CHIP_ESP32 ? "esp32" : "esp8266";
}

const char *
efa_auth_scheme_name(enum efa_auth_scheme scheme)
{
	switch (scheme) {
	case EFA_AUTH_MD5:
		return "md5";
	case EFA_AUTH_SHA256:
		return "sha256";
	case EFA_AUTH_NONE:
		break;
	}
	return "none";
}

const char *
efa_image_state_name(enum efa_image_state state)
{
	static const char *const names[] = { "ok", "trial", "rolled-back" };

	return names[(unsigned)state <= EFA_IMAGE_ROLLED_BACK ? state : 0];
}

/* 1 if s can be a TXT value: 1..EFA_TXT_VALUE_MAX printable ASCII
 * characters, no '='. */
static int
txt_value_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (n >= EFA_TXT_VALUE_MAX || s[n] < 0x20 || s[n] > 0x7e ||
		    s[n] == '=')
			return 0;
	return n > 0;
}

static void
add(struct efa_txt *t, const char *key, const char *value)
{
	if (t->count < EFA_TXT_ITEMS_MAX && txt_value_ok(value)) {
		t->key[t->count] = key;
		t->value[t->count] = value;
		t->count++;
	}
}

size_t
efa_txt_build(struct efa_txt *t, const struct efa_txt_info *info)
{
	memset(t, 0, sizeof(*t));
	if (info->board != NULL) {
		add(t, EFA_TXT_BOARD, info->board);
		add(t, EFA_TXT_TCP_CHECK, "no");
		add(t, EFA_TXT_SSH_UPLOAD, "no");
		add(t, EFA_TXT_AUTH_UPLOAD,
		    info->auth == EFA_AUTH_NONE ? "no" : "yes");
	}
	add(t, EFA_TXT_AGENT, EFA_AGENT_TXT_VERSION);
	add(t, EFA_TXT_CHIP, efa_chip_name(info->chip));
	add(t, EFA_TXT_AUTH, efa_auth_scheme_name(info->auth));
	if (info->md5_hex != NULL &&
	    efa_strnlen(info->md5_hex, EFA_MD5_HEX_LEN + 1) ==
	    EFA_MD5_HEX_LEN && efa_is_hex(info->md5_hex, EFA_MD5_HEX_LEN)) {
		size_t i;

		for (i = 0; i < EFA_MD5_HEX_LEN; i++) {
			char c = info->md5_hex[i];

			t->md5[i] = (c >= 'A' && c <= 'F') ?
			    (char)(c - 'A' + 'a') : c;
		}
		add(t, EFA_TXT_MD5, t->md5);
	}
	add(t, EFA_TXT_VERSION, info->version);
	t->free_space[efa_u32_dec(t->free_space, info->free_space)] = '\0';
	add(t, EFA_TXT_FREE, t->free_space);
	if (info->flash_size != 0) {
		t->flash_size[efa_u32_dec(t->flash_size,
		    info->flash_size)] = '\0';
		add(t, EFA_TXT_FLASH, t->flash_size);
	}
	add(t, EFA_TXT_STATE, info->state);
	add(t, EFA_TXT_REJECTED, info->rejected_md5_hex);
	add(t, EFA_TXT_GZIP, info->gzip);
	return t->count;
}

size_t
efa_default_hostname(char *out, enum efa_chip chip, uint32_t chip_id,
    const uint8_t mac[6])
{
	size_t pos;

	if (chip == EFA_CHIP_ESP32) {
		pos = efa_append(out, 19, 0, "esp32-");
		efa_hex(out + pos, mac, 6);
		return pos + 12;
	} else {
		uint8_t id[3];

		id[0] = (uint8_t)(chip_id >> 16);
		id[1] = (uint8_t)(chip_id >> 8);
		id[2] = (uint8_t)chip_id;
		pos = efa_append(out, 19, 0, "esp8266-");
		efa_hex(out + pos, id, 3);
		return pos + 6;
	}
}

int
efa_pw_key_from_hash(enum efa_auth_scheme scheme, const char *hash,
    char *out)
{
	size_t n = efa_strnlen(hash, EFA_SHA256_HEX_LEN + 1), i;

	out[0] = '\0';
	if (scheme == EFA_AUTH_NONE ||
	    !(n == EFA_MD5_HEX_LEN ||
	    (n == EFA_SHA256_HEX_LEN && scheme == EFA_AUTH_SHA256)) ||
	    !efa_is_hex(hash, n))
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (hash[i] >= 'A' && hash[i] <= 'F') ?
		    (char)(hash[i] - 'A' + 'a') : hash[i];
	out[n] = '\0';
	return 0;
}

/* Updater error numbers, index = number (docs/protocol.md 4.5); 0 is a
 * call that failed without an error number. */
static const uint8_t updater8266[] = {
	EFA_E_WRITE, EFA_E_WRITE, EFA_E_ERASE, EFA_E_READ, EFA_E_SPACE,
	EFA_E_SIZE, EFA_E_STREAM, EFA_E_MD5,
	EFA_E_NEW_FLASH_CONFIG,  /* 8 flash config (real < configured) */
	EFA_E_NEW_FLASH_CONFIG,  /* 9 new flash config */
	EFA_E_MAGIC,             /* 10 magic byte */
	EFA_E_BUSY,              /* 11 bootstrap: booted for UART download */
	EFA_E_SIGN,              /* 12 signature verification */
	EFA_E_NO_DATA,           /* 13 */
	EFA_E_SPACE,             /* 14 out of memory */
	EFA_E_RUNNING,           /* 15 */
	EFA_E_UNKNOWN_CMD        /* 16 */
};
static const uint8_t updater32[] = {
	EFA_E_WRITE, EFA_E_WRITE, EFA_E_ERASE, EFA_E_READ, EFA_E_SPACE,
	EFA_E_SIZE, EFA_E_STREAM, EFA_E_MD5,
	EFA_E_MAGIC,             /* 8 magic byte */
	EFA_E_WRITE,             /* 9 could not activate */
	EFA_E_SPACE,             /* 10 no partition */
	EFA_E_UNKNOWN_CMD,       /* 11 bad argument */
	EFA_E_ABORTED,           /* 12 aborted */
	EFA_E_WRITE              /* 13 decryption */
};

enum efa_err
efa_err_from_updater(enum efa_chip chip, unsigned code)
{
	if (chip == EFA_CHIP_ESP32)
		return code < sizeof(updater32) ?
		    (enum efa_err)updater32[code] : EFA_E_WRITE;
	return code < sizeof(updater8266) ?
	    (enum efa_err)updater8266[code] : EFA_E_WRITE;
}
