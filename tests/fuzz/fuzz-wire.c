/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the agent core's pure parsers and builders that
 * take outside bytes: the espota invitation and "200" auth datagram
 * parsers (efa_wire.c, with a format/parse round trip: the two ends must
 * agree), the mDNS TXT builder and stored password hashes (efa_port.c),
 * the image header check and version marker scan (efa_image.c), error
 * texts with a detail (efa_err.c), the hex/decimal helpers (efa_util.c)
 * and the auth response with arbitrary lengths (efa_auth.c). The first
 * input byte picks the function; every buffer handed over is a heap copy
 * of its exact size so that a read past its end is caught.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "efa/efa_auth.h"
#include "efa/efa_err.h"
#include "efa/efa_image.h"
#include "efa/efa_port.h"
#include "efa/efa_util.h"
#include "efa/efa_wire.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

/* A heap copy of n input bytes (exact size, plus a NUL when asked). */
static uint8_t *
take(struct fuzz_in *in, size_t want, size_t *n, int nul)
{
	const uint8_t *p = fuzz_bytes(in, want, n);
	uint8_t *c = malloc(*n + (nul ? 1 : 0) + (*n == 0 && !nul));

	memcpy(c, p, *n);
	if (nul)
		c[*n] = 0;
	return c;
}

/* A heap C string from a length-prefixed piece of the input, or NULL. */
static char *
take_str(struct fuzz_in *in)
{
	uint8_t l = fuzz_u8(in);
	size_t n;

	if (l == 0xff)
		return NULL;
	return (char *)take(in, l, &n, 1);
}

static void
invitation(struct fuzz_in *in)
{
	size_t n, m;
	uint8_t *pkt = take(in, fuzz_left(in), &n, 0);
	struct efa_invitation inv, again;
	char buf[EFA_INVITATION_MAX];

	if (efa_wire_parse_invitation(pkt, n, &inv) == EFA_WIRE_OK) {
		if ((inv.cmd != EFA_CMD_FLASH && inv.cmd != EFA_CMD_FS) ||
		    inv.port == 0 || inv.size < 0 ||
		    strlen(inv.md5) != EFA_MD5_HEX_LEN)
			violation("invitation accepted with bad fields");
		m = efa_wire_format_invitation(buf, sizeof(buf), inv.cmd,
		    inv.port, (uint32_t)inv.size, inv.md5);
		if (m == 0 || m >= sizeof(buf) || strlen(buf) != m)
			violation("invitation format length");
		if (efa_wire_parse_invitation((const uint8_t *)buf, m,
		    &again) != EFA_WIRE_OK || again.cmd != inv.cmd ||
		    again.port != inv.port || again.size != inv.size ||
		    strcmp(again.md5, inv.md5) != 0)
			violation("invitation format/parse round trip");
	}
	free(pkt);
}

static void
auth(struct fuzz_in *in)
{
	size_t want = fuzz_u8(in) % 72, n, m;
	uint8_t *pkt = take(in, fuzz_left(in), &n, 0);
	struct efa_auth_msg msg, again;
	char buf[EFA_AUTH_MSG_MAX];

	if (efa_wire_parse_auth(pkt, n, want, &msg) == EFA_WIRE_OK) {
		if (msg.cnonce_len != want || msg.response_len != want ||
		    strlen(msg.cnonce) != want ||
		    strlen(msg.response) != want || strchr(msg.cnonce, ' '))
			violation("auth message accepted with bad fields");
		m = efa_wire_format_auth(buf, sizeof(buf), msg.cnonce,
		    msg.response);
		if (m == 0 || strlen(buf) != m)
			violation("auth format length");
		if (efa_wire_parse_auth((const uint8_t *)buf, m, want,
		    &again) != EFA_WIRE_OK ||
		    strcmp(again.cnonce, msg.cnonce) != 0 ||
		    strcmp(again.response, msg.response) != 0)
			violation("auth format/parse round trip");
	}
	free(pkt);
}

static int
txt_ok(const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '=')
			return 0;
	return i > 0 && i <= EFA_TXT_VALUE_MAX;
}

static void
txt(struct fuzz_in *in)
{
	struct efa_txt_info info;
	struct efa_txt t;
	char *board, *md5, *version;
	size_t i, n;

	memset(&info, 0, sizeof(info));
	info.chip = fuzz_u8(in) & 1 ? EFA_CHIP_ESP32 : EFA_CHIP_ESP8266;
	info.auth = (enum efa_auth_scheme)(fuzz_u8(in) % 3);
	info.free_space = fuzz_u32(in);
	info.flash_size = fuzz_u32(in);
	board = take_str(in);
	md5 = take_str(in);
	version = take_str(in);
	info.board = board;
	info.md5_hex = md5;
	info.version = version;
	n = efa_txt_build(&t, &info);
	if (n != t.count || n > EFA_TXT_ITEMS_MAX)
		violation("TXT item count");
	for (i = 0; i < n; i++) {
		if (t.key[i] == NULL || t.value[i] == NULL ||
		    !txt_ok(t.value[i]))
			violation("TXT value not valid");
		if (strcmp(t.key[i], "efa_md5") == 0 &&
		    (strlen(t.value[i]) != EFA_MD5_HEX_LEN ||
		    strspn(t.value[i], "0123456789abcdef") !=
		    EFA_MD5_HEX_LEN))
			violation("TXT efa_md5 not 32 lowercase hex");
	}
	free(board);
	free(md5);
	free(version);
}

static void
pw_hash(struct fuzz_in *in)
{
	enum efa_auth_scheme s = (enum efa_auth_scheme)(fuzz_u8(in) % 3);
	size_t n;
	char *h = (char *)take(in, fuzz_left(in), &n, 1);
	char out[EFA_SHA256_HEX_LEN + 1];

	if (efa_pw_key_from_hash(s, h, out) == 0) {
		n = strlen(out);
		if ((n != EFA_MD5_HEX_LEN && n != EFA_SHA256_HEX_LEN) ||
		    strspn(out, "0123456789abcdef") != n)
			violation("stored hash not lowercase hex");
	} else if (out[0] != '\0') {
		violation("refused hash left output");
	}
	free(h);
}

static void
image(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	size_t cap = (size_t)fuzz_u8(in) % 80 + 1, n, v, i;
	uint32_t flash = fuzz_u32(in);
	uint8_t *img = take(in, fuzz_left(in), &n, 0);
	char *out = malloc(cap);

	efa_image_check_header(sel & 1 ? EFA_CHIP_ESP32 : EFA_CHIP_ESP8266,
	    img, n < 8 ? n : (size_t)(sel >> 4) % (n + 1), flash);
	v = efa_image_version(img, (uint32_t)n, out, cap);
	if (v >= cap || strlen(out) != v)
		violation("image version length");
	for (i = 0; i < v; i++)
		if (out[i] <= 0x20 || out[i] >= 0x7f)
			violation("image version not printable");
	free(out);
	free(img);
}

static void
err_text(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	size_t cap = fuzz_u8(in), n, len;
	int e = (int)(int8_t)fuzz_u8(in);
	char *detail = sel & 2 ? NULL : take_str(in);
	char *out = malloc(cap ? cap : 1);

	len = efa_err_format(out, cap, sel & 1 ? EFA_CHIP_ESP32 :
	    EFA_CHIP_ESP8266, (enum efa_err)e, detail);
	if (cap > 0 && (len >= cap || strlen(out) != len))
		violation("error text length");
	if (cap == 0 && len != 0)
		violation("error text into no room");
	n = efa_err_from_updater(sel & 1 ? EFA_CHIP_ESP32 :
	    EFA_CHIP_ESP8266, fuzz_u32(in));
	if (n == EFA_E_OK || n >= EFA_E__COUNT)
		violation("updater error mapped to OK or out of range");
	free(out);
	free(detail);
}

static void
util(struct fuzz_in *in)
{
	uint32_t v = fuzz_u32(in), back = 0;
	char dec[10], hex[2 * 32 + 1];
	uint8_t bin[32], bin2[32];
	size_t n, k, cap;
	char *s;

	n = efa_u32_dec(dec, v);
	for (k = 0; k < n; k++)
		back = back * 10 + (uint32_t)(dec[k] - '0');
	if (n == 0 || n > 10 || back != v || (n > 1 && dec[0] == '0'))
		violation("efa_u32_dec");
	s = (char *)take(in, fuzz_u8(in) % 65, &n, 1);
	if (efa_unhex(bin, s, n / 2) == 0) {
		if (!efa_is_hex(s, n / 2 * 2))
			violation("unhex took non-hex");
		efa_hex(hex, bin, n / 2);
		if (efa_unhex(bin2, hex, n / 2) != 0 ||
		    memcmp(bin, bin2, n / 2) != 0 ||
		    !efa_ascii_casecmp_eq(hex, s, n / 2 * 2))
			violation("hex round trip");
	}
	cap = fuzz_u8(in) % 40;
	{
		char *out = malloc(cap ? cap : 1);
		size_t pos = efa_append_n(out, cap, 0, s, n);

		pos = efa_append(out, cap, pos, s);
		if (cap > 0 && (pos >= cap || out[pos] != '\0' ||
		    pos > n + strlen(s)))
			violation("efa_append bounds");
		free(out);
	}
	free(s);
}

static void
auth_response(struct fuzz_in *in)
{
	enum efa_auth_scheme s = (enum efa_auth_scheme)(fuzz_u8(in) % 4);
	size_t kl, nl, cl;
	char *key = (char *)take(in, fuzz_u8(in) % 70, &kl, 0);
	char *nonce = (char *)take(in, fuzz_u8(in) % 70, &nl, 0);
	char *cnonce = (char *)take(in, fuzz_u8(in) % 70, &cl, 0);
	char out[EFA_SHA256_HEX_LEN + 1];

	if (efa_auth_response(&efa_crypto_builtin, s, key, kl, nonce, nl,
	    cnonce, cl, out) == 0 &&
	    strlen(out) != efa_auth_nonce_len(s))
		violation("auth response length");
	free(key);
	free(nonce);
	free(cnonce);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;

	fuzz_init(&in, data, size);
	switch (fuzz_u8(&in) % 8) {
	case 0:
		invitation(&in);
		break;
	case 1:
		auth(&in);
		break;
	case 2:
		txt(&in);
		break;
	case 3:
		pw_hash(&in);
		break;
	case 4:
		image(&in);
		break;
	case 5:
		err_text(&in);
		break;
	case 6:
		util(&in);
		break;
	default:
		auth_response(&in);
		break;
	}
	return 0;
}
