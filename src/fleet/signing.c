/* SPDX-License-Identifier: MIT */
/*
 * Signed images with OpenSSL's EVP interface (see signing.h): keys, the
 * ESP8266 core's RSASSA-PKCS1-v1_5 and the ESP32 core's RSA-PSS / ECDSA
 * P-256 SignedOTA format, both over SHA-256. Shared by the CLI and
 * espfleet-sim; the trailer is the agent core's (efa_sig_trailer).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/signing.h"

struct efl_sig_key {
	EVP_PKEY *pkey;
};

/* Plain snprintf into eb: this file is also linked without the CLI's
 * core library (espfleet-sim). */
#define FAIL(eb, ...) snprintf((eb)->msg, sizeof((eb)->msg), __VA_ARGS__)

static int
is_rsa(const struct efl_sig_key *k)
{
	return EVP_PKEY_get_base_id(k->pkey) == EVP_PKEY_RSA;
}

/* 1 for an EC key on P-256. */
static int
is_p256(const struct efl_sig_key *k)
{
	char group[64];
	size_t n = 0;

	if (EVP_PKEY_get_base_id(k->pkey) != EVP_PKEY_EC ||
	    EVP_PKEY_get_group_name(k->pkey, group, sizeof(group), &n) != 1)
		return 0;
	return strcmp(group, "prime256v1") == 0 ||
	    strcmp(group, "P-256") == 0;
}

struct efl_sig_key *
efl_sig_key_load(const char *path, int is_private, struct efl_errbuf *eb)
{
	struct efl_sig_key *k;
	EVP_PKEY *pkey;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		FAIL(eb, "cannot read key '%s': %s", path, strerror(errno));
		return NULL;
	}
	pkey = is_private ? PEM_read_PrivateKey(f, NULL, NULL, NULL) :
	    PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (pkey == NULL) {
		FAIL(eb, "'%s' is not a PEM %s key", path, is_private ?
		    "private" : "public (SubjectPublicKeyInfo)");
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		FAIL(eb, "out of memory");
		return NULL;
	}
	k->pkey = pkey;
	if (!is_rsa(k) && !is_p256(k)) {
		FAIL(eb, "key '%s' is neither RSA nor ECDSA P-256", path);
		efl_sig_key_free(k);
		return NULL;
	}
	return k;
}

void
efl_sig_key_free(struct efl_sig_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *
efl_sig_key_describe(const struct efl_sig_key *k, char *buf, size_t cap)
{
	if (is_rsa(k))
		snprintf(buf, cap, "RSA-%d", EVP_PKEY_get_bits(k->pkey));
	else
		snprintf(buf, cap, "ECDSA P-256");
	return buf;
}

int
efl_sig_key_fits(const struct efl_sig_key *k, enum efa_sig_format fmt,
    struct efl_errbuf *eb)
{
	char what[32];
	int bits = EVP_PKEY_get_bits(k->pkey);

	efl_sig_key_describe(k, what, sizeof(what));
	if (fmt == EFA_SIG_ESP8266 && !is_rsa(k)) {
		FAIL(eb, "the ESP8266 format takes RSA keys (tools/signing.py), "
		    "not %s; use --format esp32 for ECDSA", what);
		return -1;
	}
	if (is_rsa(k) && (bits < 2048 || bits > 4096 || bits % 8 != 0 ||
	    (fmt == EFA_SIG_ESP32 && bits != 2048 && bits != 3072 &&
	    bits != 4096))) {
		FAIL(eb, "%s: the cores take RSA keys of %s bits", what,
		    fmt == EFA_SIG_ESP32 ? "2048, 3072 or 4096" :
		    "2048 to 4096");
		return -1;
	}
	return 0;
}

/* A context for k's signature over a SHA-256 digest in format fmt. */
static EVP_PKEY_CTX *
sig_ctx(const struct efl_sig_key *k, enum efa_sig_format fmt, int sign)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->pkey, NULL);
	int ok;

	if (pc == NULL)
		return NULL;
	ok = (sign ? EVP_PKEY_sign_init(pc) : EVP_PKEY_verify_init(pc)) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1;
	if (ok && is_rsa(k) && fmt == EFA_SIG_ESP8266)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1;
	else if (ok && is_rsa(k))
		ok = EVP_PKEY_CTX_set_rsa_padding(pc,
		    RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha256()) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
		    RSA_PSS_SALTLEN_MAX) == 1;
	if (!ok) {
		EVP_PKEY_CTX_free(pc);
		return NULL;
	}
	return pc;
}

int
efl_sig_verify_digest(const struct efl_sig_key *k, enum efa_sig_format fmt,
    const uint8_t digest[EFA_SHA256_LEN], const uint8_t *sig,
    uint32_t sig_len)
{
	uint32_t klen = (uint32_t)EVP_PKEY_get_size(k->pkey), n = sig_len;
	EVP_PKEY_CTX *pc;
	int ok;

	if (fmt == EFA_SIG_ESP8266 && (!is_rsa(k) || sig_len != klen))
		return 0;  /* the stock Updater wants the key's length */
	if (fmt == EFA_SIG_ESP32)
		n = is_rsa(k) ? (klen <= sig_len ? klen : 0) :
		    efa_sig_der_len(sig, sig_len);
	if (n == 0 || (pc = sig_ctx(k, fmt, 0)) == NULL)
		return 0;
	ok = EVP_PKEY_verify(pc, sig, n, digest, EFA_SHA256_LEN) == 1;
	EVP_PKEY_CTX_free(pc);
	return ok;
}

static int
sha256(const uint8_t *data, uint32_t size, uint8_t out[EFA_SHA256_LEN])
{
	unsigned int n = 0;

	return EVP_Digest(data, size, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == EFA_SHA256_LEN ? 0 : -1;
}

int
efl_sig_verify_image(const struct efl_sig_key *k, enum efa_sig_format fmt,
    const uint8_t *data, uint32_t size, uint32_t *image_len,
    struct efl_errbuf *eb)
{
	uint8_t digest[EFA_SHA256_LEN];
	uint32_t sig_len;

	if (size < EFA_SIG_TRAILER_LEN ||
	    efa_sig_trailer(fmt, size, data + size - EFA_SIG_TRAILER_LEN,
	    image_len, &sig_len) != EFA_E_OK) {
		FAIL(eb, "it carries no signature in the %s format",
		    fmt == EFA_SIG_ESP32 ? "ESP32 (SignedOTA)" : "ESP8266");
		return -1;
	}
	if (sha256(data, *image_len, digest) != 0) {
		FAIL(eb, "SHA-256 failed");
		return -1;
	}
	if (!efl_sig_verify_digest(k, fmt, digest, data + *image_len,
	    sig_len)) {
		FAIL(eb, "its signature is not one of this key (tampered, "
		    "or signed with another key)");
		return -1;
	}
	return 0;
}

int
efl_sig_guess_esp8266(const uint8_t *data, uint32_t size,
    uint32_t *image_len)
{
	uint32_t sig_len;

	if (size < EFA_SIG_TRAILER_LEN ||
	    efa_sig_trailer(EFA_SIG_ESP8266, size,
	    data + size - EFA_SIG_TRAILER_LEN, image_len, &sig_len) !=
	    EFA_E_OK || sig_len < 256 || *image_len < EFA_IMAGE_MIN_LEN)
		return -1;
	return data[0] == EFA_IMAGE_MAGIC || efa_image_is_gzip(data,
	    *image_len) ? 0 : -1;
}

int
efl_sig_sign(const struct efl_sig_key *k, enum efa_sig_format fmt,
    const uint8_t *data, uint32_t size, uint8_t **out, uint32_t *out_len,
    struct efl_errbuf *eb)
{
	uint8_t digest[EFA_SHA256_LEN], *buf;
	size_t sig_len = 0;
	uint32_t block;
	EVP_PKEY_CTX *pc;

	if (efl_sig_key_fits(k, fmt, eb) != 0)
		return -1;
	if (sha256(data, size, digest) != 0 ||
	    (pc = sig_ctx(k, fmt, 1)) == NULL ||
	    EVP_PKEY_sign(pc, NULL, &sig_len, digest, sizeof(digest)) != 1) {
		FAIL(eb, "OpenSSL cannot sign with this key");
		return -1;
	}
	block = fmt == EFA_SIG_ESP32 ? EFA_SIG_MAX_LEN :
	    (uint32_t)sig_len + EFA_SIG_TRAILER_LEN;
	if (sig_len > EFA_SIG_MAX_LEN || size > 0x7fffffffu - block) {
		EVP_PKEY_CTX_free(pc);
		FAIL(eb, "the signed image would be too large");
		return -1;
	}
	buf = calloc(1, (size_t)size + block);
	if (buf == NULL || (memcpy(buf, data, size),
	    EVP_PKEY_sign(pc, buf + size, &sig_len, digest,
	    sizeof(digest)) != 1)) {
		EVP_PKEY_CTX_free(pc);
		free(buf);
		FAIL(eb, "OpenSSL failed to sign");
		return -1;
	}
	EVP_PKEY_CTX_free(pc);
	if (fmt == EFA_SIG_ESP8266) {
		uint8_t *t = buf + size + sig_len;

		t[0] = (uint8_t)sig_len;
		t[1] = (uint8_t)(sig_len >> 8);
		t[2] = 0;
		t[3] = 0;
		block = (uint32_t)sig_len + EFA_SIG_TRAILER_LEN;
	}
	/* ESP32: the DER signature of ECDSA is shorter than the block; the
	 * rest stays zero */
	*out = buf;
	*out_len = size + block;
	return 0;
}
