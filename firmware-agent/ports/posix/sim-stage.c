/* SPDX-License-Identifier: MIT */
/*
 * What espfleet-sim's devices add to the core's flash writer before a
 * commit (efa_stage.h): gzip images inflated with zlib from the simulated
 * flash into the simulated flash (so a power loss can cut it), and with
 * --signing-key the signature checked with OpenSSL (espfleet's
 * fleet/signing.c) in the format of the simulated chip.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "espfleet/signing.h"
#include "sim-device.h"
#include "sim-stage.h"

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
	return 0;
}

void
sim_stage_free_key(struct sim_fleet *fleet)
{
	efl_sig_key_free(fleet->signing_key);
	fleet->signing_key = NULL;
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
	dev->stage_ops.verify = dev->fleet->signing_key != NULL ? verify :
	    NULL;
	dev->stage_ops.sig_format = dev->fleet->opt->chip == EFA_CHIP_ESP32 ?
	    EFA_SIG_ESP32 : EFA_SIG_ESP8266;
	dev->stage_ops.inflate = inflate_op;
	dev->stage_ops.ctx = dev;
	efa_stage_attach(&dev->fw, &dev->stage_ops);
}
