/* SPDX-License-Identifier: MIT */
/*
 * The espota wire format (docs/protocol.md 2-4), shared by the agent and
 * the host so the two ends cannot disagree: the UDP invitation, the "200"
 * auth datagram, the device's UDP replies and the decimal byte counts.
 * Pure functions over caller buffers; fuzzable.
 */
#ifndef EFA_WIRE_H
#define EFA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define EFA_CMD_FLASH 0
#define EFA_CMD_FS 100
#define EFA_CMD_AUTH 200

#define EFA_MD5_HEX_LEN 32
#define EFA_SHA256_HEX_LEN 64
#define EFA_NONCE_MAX_LEN 64

/* Literal replies of the device (exact bytes, no newline). */
#define EFA_REPLY_OK "OK"
#define EFA_REPLY_AUTH_PREFIX "AUTH "
#define EFA_REPLY_AUTH_FAILED "Authentication Failed"
#define EFA_REPLY_ERR_PREFIX "ERR: "

/* Longest invitation: "100 65535 2147483647 <32 hex>\n". */
#define EFA_INVITATION_MAX 64
/* Longest auth datagram: "200 <64> <64>\n". */
#define EFA_AUTH_MSG_MAX 136

struct efa_invitation {
	int32_t cmd;      /* EFA_CMD_FLASH or EFA_CMD_FS */
	uint16_t port;    /* host TCP port for the connect-back */
	int32_t size;     /* image bytes; 0 or less is rejected later */
	char md5[EFA_MD5_HEX_LEN + 1]; /* as sent (any case), NUL-terminated */
};

struct efa_auth_msg {
	char cnonce[EFA_NONCE_MAX_LEN + 1];
	char response[EFA_NONCE_MAX_LEN + 1];
	uint8_t cnonce_len, response_len;
};

/* Parse outcome of a datagram on the device's UDP port. */
enum efa_wire_status {
	EFA_WIRE_OK = 0,
	EFA_WIRE_IGNORE = -1 /* stock devices silently ignore such datagrams */
};

/*
 * Parse an invitation exactly like the stock ArduinoOTA devices
 * (docs/protocol.md 2.2): leading spaces skipped, up to 15 digits per integer,
 * one separator, md5 up to '\n'/NUL/end and whitespace-trimmed; commands
 * other than 0/100 and md5 lengths other than 32 are EFA_WIRE_IGNORE.
 * Values that do not fit (port > 65535, numbers > INT32_MAX) are ignored too.
 */
enum efa_wire_status efa_wire_parse_invitation(const uint8_t *pkt,
    size_t len, struct efa_invitation *inv);

/* Format "<cmd> <port> <size> <md5>\n"; returns length or 0 if cap short. */
size_t efa_wire_format_invitation(char *out, size_t cap, int cmd,
    uint16_t port, uint32_t size, const char *md5_hex);

/*
 * Parse "200 <cnonce> <response>\n" (docs/protocol.md 3): the command
 * must be 200, one separator is skipped, cnonce runs to the next space and
 * response to '\n'/NUL/end, untrimmed. want_len is the nonce length of the
 * device's scheme (32 or 64): both fields must have exactly that length.
 */
enum efa_wire_status efa_wire_parse_auth(const uint8_t *pkt, size_t len,
    size_t want_len, struct efa_auth_msg *msg);

/* Format "200 <cnonce> <response>\n"; returns length or 0. */
size_t efa_wire_format_auth(char *out, size_t cap, const char *cnonce,
    const char *response);

#endif
