/* SPDX-License-Identifier: MIT */
/*
 * Agent error codes and their wire texts. One table gives the code, the
 * ESP8266 Updater number and text (sent as "ERROR[n]: text\n") and the ESP32
 * Updater text (sent as "text\r\n"), so the agent speaks each chip's dialect.
 */
#ifndef EFA_ERR_H
#define EFA_ERR_H

#include <stddef.h>
#include <stdint.h>

/* X(name, esp8266 number, esp8266 text, esp32 text) */
#define EFA_ERRORS(X)                                                        \
	X(OK, 0, "No Error", "No Error")                                     \
	X(WRITE, 1, "Flash Write Failed", "Flash Write Failed")              \
	X(ERASE, 2, "Flash Erase Failed", "Flash Erase Failed")              \
	X(READ, 3, "Flash Read Failed", "Flash Read Failed")                 \
	X(SPACE, 4, "Not Enough Space", "Not Enough Space")                  \
	X(SIZE, 5, "Bad Size Given", "Bad Size Given")                       \
	X(STREAM, 6, "Stream Read Timeout", "Stream Read Timeout")           \
	X(MD5, 7, "MD5 verification failed", "MD5 Check Failed")             \
	X(NEW_FLASH_CONFIG, 9, "new Flash config wrong, real size: ",        \
	  "Image flash size exceeds the chip, real size: ")                  \
	X(MAGIC, 10, "Magic byte is not 0xE9", "Wrong Magic Byte")           \
	X(SIGN, 12, "Signature verification failed",                         \
	  "Signature verification failed")                                   \
	X(NO_DATA, 13, "No data supplied", "No data supplied")               \
	X(RUNNING, 15, "Update already running", "Update already running")   \
	X(UNKNOWN_CMD, 16, "Unknown update command", "Bad Argument")         \
	X(ABORTED, 17, "Aborted", "Aborted")                                 \
	X(AUTH, 18, "Authentication Failed", "Authentication Failed")        \
	X(WINDOW, 19, "update window closed, arm the device first",          \
	  "update window closed, arm the device first")                      \
	X(THROTTLED, 20, "too many failed authentications, retry later",     \
	  "too many failed authentications, retry later")                    \
	X(BUSY, 21, "application refused the update (device busy)",          \
	  "application refused the update (device busy)")                    \
	X(CONNECT, 22, "connect-back to the host failed",                    \
	  "connect-back to the host failed")                                 \
	X(ENTROPY, 23, "no random source for the nonce",                     \
	  "no random source for the nonce")                                  \
	X(POWERLOSS, 24, "power lost", "power lost")                         \
	X(TRIAL, 25, "new firmware on trial, not confirmed yet",             \
	  "new firmware on trial, not confirmed yet")                        \
	X(UNCONFIRMED, 26, "not confirmed in time, rolling back",            \
	  "not confirmed in time, rolling back")                             \
	X(INFLATE, 27, "gzip image does not inflate",                        \
	  "gzip image does not inflate")

enum efa_err {
#define EFA_ERR_ENUM(name, num, t8266, t32) EFA_E_##name,
	EFA_ERRORS(EFA_ERR_ENUM)
#undef EFA_ERR_ENUM
	EFA_E__COUNT
};

enum efa_chip {
	EFA_CHIP_ESP8266 = 0,
	EFA_CHIP_ESP32 = 1
};

/* Short name of an error ("SPACE"), for logs and tests. */
const char *efa_err_name(enum efa_err err);

/* The chip's own text for err, without numbers or line ends. */
const char *efa_err_text(enum efa_chip chip, enum efa_err err);

/*
 * Format err as the chip's Updater prints it: ESP8266 "ERROR[n]: text\n",
 * ESP32 "text\r\n". 'detail' (may be NULL) is appended to the text, e.g. the
 * expected/calculated MD5s or the real flash size. Returns the length written
 * (always NUL-terminated, truncated to cap).
 */
size_t efa_err_format(char *out, size_t cap, enum efa_chip chip,
    enum efa_err err, const char *detail);

#endif
