/* SPDX-License-Identifier: MIT */
/*
 * OpenSSL-backed primitives for efa_auth on the host, and the cnonce
 * source (see crypto.h).
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "crypto.h"
#include "efa/efa_util.h"

static void
md5(const void *data, size_t len, uint8_t out[16])
{
	unsigned int n;

	if (EVP_Digest(data, len, out, &n, EVP_md5(), NULL) != 1)
		memset(out, 0, 16);
}

static void
sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);
}

static void
pbkdf2_sha256(const void *pw, size_t pw_len, const void *salt,
    size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len)
{
	if (PKCS5_PBKDF2_HMAC(pw, (int)pw_len, salt, (int)salt_len,
	    (int)iterations, EVP_sha256(), (int)out_len, out) != 1)
		memset(out, 0, out_len);
}

const struct efa_crypto efl_crypto_openssl = { md5, sha256, pbkdf2_sha256 };

int
efl_random_hex(char *out, size_t nhex)
{
	uint8_t buf[64];

	if (nhex > 2 * sizeof(buf) || (nhex & 1) != 0 ||
	    RAND_bytes(buf, (int)(nhex / 2)) != 1)
		return -1;
	efa_hex(out, buf, nhex / 2);
	return 0;
}
