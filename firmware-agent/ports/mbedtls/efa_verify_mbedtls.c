/* SPDX-License-Identifier: MIT */
/*
 * Signature verification with mbedTLS for the agent's ports (see
 * efa_verify_mbedtls.h): key loading with the formats' key rules, and
 * the check of one signature over a digest the core computed. Only API
 * that mbedTLS 2.28 and 3.x share, but for the curve of an EC key.
 */
#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/rsa.h"
#include "mbedtls/version.h"

#include "efa_verify_mbedtls.h"

#if MBEDTLS_VERSION_NUMBER < 0x021C0000 || MBEDTLS_VERSION_NUMBER >= 0x04000000
#error "efa_verify_mbedtls is written for mbedTLS 2.28 and 3.x"
#endif

/* The curve of an EC key (its group lost its public name in 3.0, got an
 * accessor in 3.6). */
static mbedtls_ecp_group_id
ec_group(const mbedtls_pk_context *pk)
{
	const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);

#if MBEDTLS_VERSION_NUMBER >= 0x03060000
	return mbedtls_ecp_keypair_get_group_id(ec);
#elif MBEDTLS_VERSION_NUMBER >= 0x03000000
	return ec->MBEDTLS_PRIVATE(grp).id;
#else
	return ec->grp.id;
#endif
}

/* 1 if the loaded key fits fmt (espfleet's efl_sig_key_fits). */
static int
key_fits(const mbedtls_pk_context *pk, enum efa_sig_format fmt)
{
	size_t bits = mbedtls_pk_get_bitlen(pk);

	if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA) {
		if (fmt == EFA_SIG_ESP32)
			return bits == 2048 || bits == 3072 || bits == 4096;
		return bits >= 2048 && bits <= 4096 && bits % 8 == 0;
	}
	return fmt == EFA_SIG_ESP32 &&
	    mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
	    mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA) &&
	    ec_group(pk) == MBEDTLS_ECP_DP_SECP256R1;
}

int
efa_verify_mbedtls_init(struct efa_verify_mbedtls *v,
    enum efa_sig_format fmt, const uint8_t *key, size_t key_len)
{
	memset(v, 0, sizeof(*v));
	v->fmt = fmt;
	mbedtls_pk_init(&v->pk);
	if (key == NULL || key_len == 0 ||
	    mbedtls_pk_parse_public_key(&v->pk, key, key_len) != 0 ||
	    !key_fits(&v->pk, fmt)) {
		mbedtls_pk_free(&v->pk);
		return -1;
	}
	return 0;
}

void
efa_verify_mbedtls_free(struct efa_verify_mbedtls *v)
{
	mbedtls_pk_free(&v->pk);
}

enum efa_err
efa_verify_mbedtls(void *ctx, const uint8_t digest[EFA_SHA256_LEN],
    const uint8_t *sig, uint32_t sig_len)
{
	struct efa_verify_mbedtls *v = ctx;
	size_t klen = mbedtls_pk_get_len(&v->pk), n;
	int rsa = mbedtls_pk_get_type(&v->pk) == MBEDTLS_PK_RSA, rc;

	if (v->fmt == EFA_SIG_ESP8266) {
		/* the stock Updater wants exactly the key's length */
		if (!rsa || sig_len != klen)
			return EFA_E_SIGN;
		rc = mbedtls_pk_verify(&v->pk, MBEDTLS_MD_SHA256, digest,
		    EFA_SHA256_LEN, sig, sig_len);
	} else if (rsa) {
		mbedtls_pk_rsassa_pss_options pss;
		size_t em_len = (mbedtls_pk_get_bitlen(&v->pk) + 6u) / 8u;

		if (klen > sig_len || em_len < EFA_SHA256_LEN + 2u)
			return EFA_E_SIGN;
		pss.mgf1_hash_id = MBEDTLS_MD_SHA256;
		/* the longest salt, as bin_signing.py and espfleet sign */
		pss.expected_salt_len = (int)(em_len - EFA_SHA256_LEN - 2u);
		rc = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &pss, &v->pk,
		    MBEDTLS_MD_SHA256, digest, EFA_SHA256_LEN, sig, klen);
	} else {
		n = efa_sig_der_len(sig, sig_len);
		if (n == 0)
			return EFA_E_SIGN;
		rc = mbedtls_pk_verify(&v->pk, MBEDTLS_MD_SHA256, digest,
		    EFA_SHA256_LEN, sig, n);
	}
	return rc == 0 ? EFA_E_OK : EFA_E_SIGN;
}

void
efa_verify_mbedtls_ops(struct efa_verify_mbedtls *v,
    struct efa_stage_ops *ops)
{
	ops->verify = efa_verify_mbedtls;
	ops->sig_format = v->fmt;
	ops->ctx = v;
}
