/* SPDX-License-Identifier: MIT */
/*
 * What espfleet-sim's devices add to the core's flash writer before a
 * commit (efa_stage.h): gzip images inflated with zlib from the simulated
 * flash into the simulated flash (so a power loss can cut it), and with
 * --signing-key the signature checked in the format of the simulated
 * chip with OpenSSL (espfleet's fleet/signing.c) or, --verifier mbedtls,
 * with the agent's mbedTLS verifier (ports/mbedtls), one per device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "efa_verify_mbedtls.h"
#include "espfleet/signing.h"
#include "sim-device.h"
#include "sim-stage.h"

/* --verifier mbedtls: the key file's text, NUL-terminated, which mbedTLS
 * must take too. */
static int
load_pem(struct sim_fleet *fleet, const char *path, enum efa_sig_format fmt,
    char *err, size_t errlen)
{
	struct efa_verify_mbedtls v;
	FILE *f = fopen(path, "re");
	uint8_t *buf;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "--signing-key: cannot read '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	buf = malloc(16384 + 1);
	n = buf != NULL ? fread(buf, 1, 16384, f) : 0;
	fclose(f);
	if (buf == NULL || n == 0 || n == 16384) {
		free(buf);
		snprintf(err, errlen, "--signing-key: '%s' is empty, too "
		    "large or unreadable", path);
		return -1;
	}
	buf[n] = '\0';
	if (efa_verify_mbedtls_init(&v, fmt, buf, n + 1) != 0) {
		free(buf);
		snprintf(err, errlen, "--signing-key: mbedTLS does not take "
		    "'%s' as a public key of this chip's format", path);
		return -1;
	}
	efa_verify_mbedtls_free(&v);
	fleet->signing_pem = buf;
	fleet->signing_pem_len = n + 1;
	return 0;
}

int
sim_stage_load_key(struct sim_fleet *fleet, const char *path, char *err,
    size_t errlen)
{
	struct efl_errbuf eb;
	struct efl_sig_key *k = efl_sig_key_load(path, 0, &eb);
	enum efa_sig_format fmt = fleet->opt->chip == EFA_CHIP_ESP32 ?
	    EFA_SIG_ESP32 : EFA_SIG_ESP8266;

	if (k == NULL || efl_sig_key_fits(k, fmt, &eb) != 0) {
		snprintf(err, errlen, "--signing-key: %s", eb.msg);
		efl_sig_key_free(k);
		return -1;
	}
	fleet->signing_key = k;
	if (fleet->opt->verifier == SIM_VERIFY_MBEDTLS &&
	    load_pem(fleet, path, fmt, err, errlen) != 0) {
		sim_stage_free_key(fleet);
		return -1;
	}
	return 0;
}

void
sim_stage_free_key(struct sim_fleet *fleet)
{
	efl_sig_key_free(fleet->signing_key);
	fleet->signing_key = NULL;
	free(fleet->signing_pem);
	fleet->signing_pem = NULL;
	fleet->signing_pem_len = 0;
}

static enum efa_err
verify(void *ctx, const uint8_t digest[EFA_SHA256_LEN], const uint8_t *sig,
    uint32_t sig_len)
{
	struct sim_device *dev = ctx;

	if (efl_sig_verify_digest(dev->fleet->signing_key,
	    dev->stage_ops.sig_format, digest, sig, sig_len))
		return EFA_E_OK;
	sim_device_log(dev, "signature of the staged image refused");
	return EFA_E_SIGN;
}

/* --verifier mbedtls without a verifier (out of memory): nothing passes. */
static enum efa_err
verify_none(void *ctx, const uint8_t digest[EFA_SHA256_LEN],
    const uint8_t *sig, uint32_t sig_len)
{
	(void)digest;
	(void)sig;
	(void)sig_len;
	sim_device_log(ctx, "no signature verifier: image refused");
	return EFA_E_SIGN;
}

static enum efa_err
verify_mbedtls(void *ctx, const uint8_t digest[EFA_SHA256_LEN],
    const uint8_t *sig, uint32_t sig_len)
{
	struct sim_device *dev = ctx;

	if (efa_verify_mbedtls(dev->mbed, digest, sig, sig_len) == EFA_E_OK)
		return EFA_E_OK;
	sim_device_log(dev, "signature of the staged image refused (mbedTLS)");
	return EFA_E_SIGN;
}

/* Inflate flash [src, src + len) into out[0..out_len): 0, or -1 for a
 * stream that is corrupt, ends early, has bytes after its end or inflates
 * to another length (zlib checks the CRC-32 and ISIZE). */
static enum efa_err
inflate_stream(struct sim_device *dev, uint32_t src, uint32_t len,
    uint8_t *out, uint32_t out_len)
{
	const struct efa_flash_ops *ops = &dev->flash.ops;
	uint8_t *in = malloc((size_t)len + 4u);
	enum efa_err err;
	z_stream z;
	int rc;

	if (in == NULL)
		return EFA_E_READ;
	err = ops->read(&dev->flash, src, in, (len + 3u) & ~3u);
	if (err != EFA_E_OK) {
		free(in);
		return err;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		free(in);
		return EFA_E_INFLATE;
	}
	z.next_in = in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = out_len;
	rc = inflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END && z.avail_in == 0 && z.total_out == out_len)
		err = EFA_E_OK;
	else
		err = EFA_E_INFLATE;
	inflateEnd(&z);
	free(in);
	return err;
}

static enum efa_err
inflate_op(void *ctx, uint32_t src, uint32_t len, uint32_t dst,
    uint32_t out_len)
{
	struct sim_device *dev = ctx;
	const struct efa_flash_ops *ops = &dev->flash.ops;
	uint32_t s = ops->sector_size, a = ops->prog_align, off;
	uint32_t padded = (out_len + a - 1u) & ~(a - 1u);
	uint8_t *out = malloc((size_t)padded);
	enum efa_err err;

	if (out == NULL)
		return EFA_E_WRITE;
	memset(out, 0xff, padded);
	err = inflate_stream(dev, src, len, out, out_len);
	if (err == EFA_E_INFLATE)
		sim_device_log(dev, "the staged gzip image does not inflate "
		    "to the %u bytes it announces", out_len);
	/* sector by sector: erase, program (each may lose power) */
	for (off = 0; err == EFA_E_OK && off < padded; off += s) {
		uint32_t n = padded - off < s ? padded - off : s;

		err = ops->erase(&dev->flash, dst + off, s);
		if (err == EFA_E_OK)
			err = ops->prog(&dev->flash, dst + off, out + off, n);
	}
	free(out);
	if (err == EFA_E_OK)
		sim_device_log(dev, "inflated the gzip image: %u -> %u bytes",
		    len, out_len);
	return err;
}

void
sim_stage_attach(struct sim_device *dev)
{
	struct sim_fleet *fleet = dev->fleet;

	dev->stage_ops.sig_format = fleet->opt->chip == EFA_CHIP_ESP32 ?
	    EFA_SIG_ESP32 : EFA_SIG_ESP8266;
	dev->stage_ops.verify = fleet->signing_key != NULL ? verify : NULL;
	if (fleet->signing_pem != NULL && dev->mbed == NULL) {
		dev->mbed = malloc(sizeof(*dev->mbed));
		if (dev->mbed != NULL && efa_verify_mbedtls_init(dev->mbed,
		    dev->stage_ops.sig_format, fleet->signing_pem,
		    fleet->signing_pem_len) != 0) {
			free(dev->mbed);   /* checked at start: not expected */
			dev->mbed = NULL;
		}
	}
	if (fleet->signing_pem != NULL)   /* without a verifier: refuse */
		dev->stage_ops.verify = dev->mbed != NULL ? verify_mbedtls :
		    verify_none;
	dev->stage_ops.inflate = inflate_op;
	dev->stage_ops.ctx = dev;
	efa_stage_attach(&dev->fw, &dev->stage_ops);
}

void
sim_stage_detach(struct sim_device *dev)
{
	if (dev->mbed == NULL)
		return;
	efa_verify_mbedtls_free(dev->mbed);
	free(dev->mbed);
	dev->mbed = NULL;
}
