/* SPDX-License-Identifier: MIT */
/*
 * The HTTP update contract of the Arduino cores (docs/protocol.md 7), as names
 * and texts only, so that the two ends espfleet ships cannot disagree: the
 * pull requests of ESP8266httpUpdate / ESP32 HTTPUpdate (espfleet-sim
 * sends them, espfleet serve answers them) and the /update page of
 * ESP8266HTTPUpdateServer (espfleet-sim serves it, espfleet push --via http
 * posts to it). No code.
 */
#ifndef EFA_HTTP_H
#define EFA_HTTP_H

/* ---- pulls: GET <url> with these headers (7.1) ---- */

#define EFA_HTTP_UA_ESP8266 "ESP8266-http-Update"
#define EFA_HTTP_UA_ESP32 "ESP32-http-Update"

/* Each device header is the chip's prefix and one of the names below:
 * "x-ESP8266-sketch-md5", "x-ESP32-STA-MAC", ... */
#define EFA_HTTP_PREFIX_ESP8266 "x-ESP8266-"
#define EFA_HTTP_PREFIX_ESP32 "x-ESP32-"

#define EFA_HTTP_H_CHIP_ID "Chip-ID"         /* ESP8266 only, decimal */
#define EFA_HTTP_H_STA_MAC "STA-MAC"         /* AA:BB:CC:DD:EE:FF */
#define EFA_HTTP_H_AP_MAC "AP-MAC"
#define EFA_HTTP_H_FREE_SPACE "free-space"   /* decimal bytes */
#define EFA_HTTP_H_SKETCH_SIZE "sketch-size"
#define EFA_HTTP_H_SKETCH_MD5 "sketch-md5"   /* 32 lowercase hex */
#define EFA_HTTP_H_SKETCH_SHA256 "sketch-sha256" /* ESP32, uppercase hex */
#define EFA_HTTP_H_CHIP_SIZE "chip-size"
#define EFA_HTTP_H_SDK_VERSION "sdk-version"
#define EFA_HTTP_H_MODE "mode"
#define EFA_HTTP_H_VERSION "version"         /* only when not empty */

#define EFA_HTTP_MODE_SKETCH "sketch"
#define EFA_HTTP_MODE_SPIFFS "spiffs"        /* also LittleFS */
#define EFA_HTTP_MODE_VERSION "version"      /* available version query */

/* Answer headers the device reads. */
#define EFA_HTTP_H_X_MD5 "x-MD5"
#define EFA_HTTP_H_X_VERSION "x-version"

/* ---- the /update page (7.2) ---- */

#define EFA_HTTP_UPDATE_PATH "/update"
#define EFA_HTTP_PART_FIRMWARE "firmware"
#define EFA_HTTP_PART_FILESYSTEM "filesystem"
/* The answer (always 200 text/html) contains one of these; the error
 * prefix is followed by the chip's Updater text (efa_err_format). */
#define EFA_HTTP_UPDATE_OK "Update Success! Rebooting..."
#define EFA_HTTP_UPDATE_ERROR "Update error: "
/* The Basic realm of the 401 answer. */
#define EFA_HTTP_REALM "Login Required"

#endif
