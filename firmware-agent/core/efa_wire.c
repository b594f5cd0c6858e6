/* SPDX-License-Identifier: MIT */
/*
 * espota datagram codec (see efa_wire.h). The parsers mirror the stock
 * ArduinoOTA devices byte for byte where that matters for compatibility:
 * what they ignore, we ignore; what they tolerate, we tolerate.
 */
#include <string.h>

#include "efa/efa_util.h"
#include "efa/efa_wire.h"

#define MAX_DIGITS 15

struct cursor {
	const uint8_t *p;
	size_t len, pos;
};

static int
at_end(const struct cursor *c)
{
	return c->pos >= c->len;
}

/* The stock parseInt(): skip spaces, read up to 15 digits, stop before the
 * first non-digit (not consumed). No digits reads as 0. The value saturates
 * above INT32_MAX (*overflow set) instead of wrapping like atoi(). */
static int32_t
parse_int(struct cursor *c, int *overflow)
{
	uint32_t v = 0;
	int digits = 0;

	while (!at_end(c) && c->p[c->pos] == ' ')
		c->pos++;
	while (!at_end(c) && digits < MAX_DIGITS && c->p[c->pos] >= '0' &&
	    c->p[c->pos] <= '9') {
		uint32_t d = (uint32_t)(c->p[c->pos] - '0');

		/* v * 10 + d > INT32_MAX, without a division */
		if (v > 214748364u || (v == 214748364u && d > 7u))
			*overflow = 1;
		else
			v = v * 10u + d;
		c->pos++;
		digits++;
	}
	return (int32_t)v;
}

static int
is_space(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\v' || ch == '\f';
}

enum efa_wire_status
efa_wire_parse_invitation(const uint8_t *pkt, size_t len,
    struct efa_invitation *inv)
{
	struct cursor c = { pkt, len, 0 };
	int overflow = 0;
	int32_t port;
	size_t start, end;

	inv->cmd = parse_int(&c, &overflow);
	if (overflow || (inv->cmd != EFA_CMD_FLASH && inv->cmd != EFA_CMD_FS))
		return EFA_WIRE_IGNORE;
	port = parse_int(&c, &overflow);
	inv->size = parse_int(&c, &overflow);
	if (overflow || port < 1 || port > 65535)
		return EFA_WIRE_IGNORE;
	inv->port = (uint16_t)port;
	if (!at_end(&c))
		c.pos++; /* the one separator */
	start = c.pos;
	while (!at_end(&c) && c.p[c.pos] != '\n' && c.p[c.pos] != '\0')
		c.pos++;
	end = c.pos;
	while (start < end && is_space(pkt[start]))
		start++;
	while (end > start && is_space(pkt[end - 1]))
		end--;
	if (end - start != EFA_MD5_HEX_LEN)
		return EFA_WIRE_IGNORE;
	memcpy(inv->md5, pkt + start, EFA_MD5_HEX_LEN);
	inv->md5[EFA_MD5_HEX_LEN] = '\0';
	return EFA_WIRE_OK;
}

size_t
efa_wire_format_invitation(char *out, size_t cap, int cmd, uint16_t port,
    uint32_t size, const char *md5_hex)
{
	char num[10];
	size_t pos = 0;

	if (cap < EFA_INVITATION_MAX || cmd < 0)
		return 0;
	pos = efa_append_n(out, cap, pos, num, efa_u32_dec(num, (uint32_t)cmd));
	pos = efa_append(out, cap, pos, " ");
	pos = efa_append_n(out, cap, pos, num, efa_u32_dec(num, port));
	pos = efa_append(out, cap, pos, " ");
	pos = efa_append_n(out, cap, pos, num, efa_u32_dec(num, size));
	pos = efa_append(out, cap, pos, " ");
	pos = efa_append_n(out, cap, pos, md5_hex, EFA_MD5_HEX_LEN);
	return efa_append(out, cap, pos, "\n");
}

enum efa_wire_status
efa_wire_parse_auth(const uint8_t *pkt, size_t len, size_t want_len,
    struct efa_auth_msg *msg)
{
	struct cursor c = { pkt, len, 0 };
	int overflow = 0;
	size_t start;

	if (want_len == 0 || want_len > EFA_NONCE_MAX_LEN)
		return EFA_WIRE_IGNORE;
	if (parse_int(&c, &overflow) != EFA_CMD_AUTH || overflow)
		return EFA_WIRE_IGNORE;
	if (!at_end(&c))
		c.pos++; /* the one separator */
	start = c.pos;
	while (!at_end(&c) && c.p[c.pos] != ' ' && c.p[c.pos] != '\0')
		c.pos++;
	if (c.pos - start != want_len)
		return EFA_WIRE_IGNORE;
	memcpy(msg->cnonce, pkt + start, want_len);
	msg->cnonce[want_len] = '\0';
	msg->cnonce_len = (uint8_t)want_len;
	if (!at_end(&c))
		c.pos++; /* the space */
	start = c.pos;
	while (!at_end(&c) && c.p[c.pos] != '\n' && c.p[c.pos] != '\0')
		c.pos++;
	if (c.pos - start != want_len)
		return EFA_WIRE_IGNORE;
	memcpy(msg->response, pkt + start, want_len);
	msg->response[want_len] = '\0';
	msg->response_len = (uint8_t)want_len;
	return EFA_WIRE_OK;
}

size_t
efa_wire_format_auth(char *out, size_t cap, const char *cnonce,
    const char *response)
{
	size_t nc = efa_strnlen(cnonce, EFA_NONCE_MAX_LEN + 1);
	size_t nr = efa_strnlen(response, EFA_NONCE_MAX_LEN + 1);
	size_t pos;

	if (nc > EFA_NONCE_MAX_LEN || nr > EFA_NONCE_MAX_LEN ||
	    cap < 4 + nc + 1 + nr + 2)
		return 0;
	pos = efa_append(out, cap, 0, "200 ");
	pos = efa_append_n(out, cap, pos, cnonce, nc);
	pos = efa_append(out, cap, pos, " ");
	pos = efa_append_n(out, cap, pos, response, nr);
	return efa_append(out, cap, pos, "\n");
}
