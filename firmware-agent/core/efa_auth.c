/* SPDX-License-Identifier: MIT */
/*
 * The two espota challenge-response formulas (see efa_auth.h), written once
 * for both ends of the protocol. The hash primitives are injected.
 */
#include <string.h>

#include "efa/efa_auth.h"
#include "efa/efa_config_defaults.h"
#include "efa/efa_hash.h"
#include "efa/efa_util.h"
#include "efa/efa_wire.h"

const struct efa_crypto efa_crypto_builtin = {
	efa_md5,
	efa_sha256,
	efa_pbkdf2_sha256,
};

size_t
efa_auth_nonce_len(enum efa_auth_scheme scheme)
{
	switch (scheme) {
	case EFA_AUTH_MD5:
		return EFA_MD5_HEX_LEN;
	case EFA_AUTH_SHA256:
		return EFA_SHA256_HEX_LEN;
	case EFA_AUTH_NONE:
		break;
	}
	return 0;
}

enum efa_auth_scheme
efa_auth_scheme_for_nonce(size_t nonce_len)
{
	if (nonce_len == EFA_MD5_HEX_LEN)
		return EFA_AUTH_MD5;
	if (nonce_len == EFA_SHA256_HEX_LEN)
		return EFA_AUTH_SHA256;
	return EFA_AUTH_NONE;
}

void
efa_auth_pw_key(const struct efa_crypto *c, const char *password,
    size_t password_len, size_t hash_len, char *out)
{
	uint8_t digest[32];

	if (hash_len == EFA_SHA256_HEX_LEN) {
		c->sha256(password, password_len, digest);
		efa_hex(out, digest, 32);
	} else {
		c->md5(password, password_len, digest);
		efa_hex(out, digest, 16);
	}
	memset(digest, 0, sizeof(digest));
}

/* buf = a ":" b ":" c; returns the length. buf holds 64+1+64+1+64. */
static size_t
join3(char *buf, const char *a, size_t na, const char *b, size_t nb,
    const char *c, size_t nc)
{
	size_t pos = 0;

	memcpy(buf + pos, a, na);
	pos += na;
	buf[pos++] = ':';
	memcpy(buf + pos, b, nb);
	pos += nb;
	buf[pos++] = ':';
	memcpy(buf + pos, c, nc);
	return pos + nc;
}

int
efa_auth_response(const struct efa_crypto *c, enum efa_auth_scheme scheme,
    const char *pw_key, size_t pw_key_len, const char *nonce,
    size_t nonce_len, const char *cnonce, size_t cnonce_len, char *out)
{
	char text[3 * EFA_SHA256_HEX_LEN + 2];
	uint8_t digest[32];
	size_t want = efa_auth_nonce_len(scheme), n;

	if (want == 0 || nonce_len != want || cnonce_len != want ||
	    (pw_key_len != EFA_MD5_HEX_LEN && pw_key_len != EFA_SHA256_HEX_LEN))
		return -1;
	if (scheme == EFA_AUTH_MD5) {
		if (pw_key_len != EFA_MD5_HEX_LEN)
			return -1;
		n = join3(text, pw_key, pw_key_len, nonce, nonce_len, cnonce,
		    cnonce_len);
		c->md5(text, n, digest);
		efa_hex(out, digest, 16);
	} else {
		char dk_hex[EFA_SHA256_HEX_LEN + 1];
		uint8_t dk[32];

		/* salt = nonce ":" cnonce */
		memcpy(text, nonce, nonce_len);
		text[nonce_len] = ':';
		memcpy(text + nonce_len + 1, cnonce, cnonce_len);
		c->pbkdf2_sha256(pw_key, pw_key_len, text,
		    nonce_len + 1 + cnonce_len, EFA_PBKDF2_ITERATIONS, dk,
		    sizeof(dk));
		efa_hex(dk_hex, dk, sizeof(dk));
		n = join3(text, dk_hex, EFA_SHA256_HEX_LEN, nonce, nonce_len,
		    cnonce, cnonce_len);
		c->sha256(text, n, digest);
		efa_hex(out, digest, 32);
		memset(dk, 0, sizeof(dk));
		memset(dk_hex, 0, sizeof(dk_hex));
	}
	memset(text, 0, sizeof(text));
	memset(digest, 0, sizeof(digest));
	return 0;
}
