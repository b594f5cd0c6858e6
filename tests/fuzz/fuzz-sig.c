/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness of the signature trailer parser efa_sig_trailer
 * (efa_image.h), which a device runs on the last bytes of whatever it was
 * sent: both formats, any total length (also near 2^32) and any trailer.
 * Checks its promises: on EFA_E_OK the signed part and the signature lie
 * within the image, end at its trailer (ESP8266) or block (ESP32), the
 * signed part is not empty and the signature is 1..EFA_SIG_MAX_LEN bytes
 * (ESP8266: the trailer's number); otherwise EFA_E_SIGN, outputs
 * untouched.
 */
#include <stdio.h>
#include <stdlib.h>

#include "efa/efa_image.h"
#include "fuzz-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
violation(const char *what)
{
	fprintf(stderr, "CONTRACT VIOLATION: %s\n", what);
	fuzz_abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	uint8_t tail[EFA_SIG_TRAILER_LEN];
	uint32_t total, image_len = 0xdeadbeefu, sig_len = 0xdeadbeefu, n;
	enum efa_sig_format fmt;
	enum efa_err err;
	size_t i;

	fuzz_init(&in, data, size);
	fmt = (fuzz_u8(&in) & 1) ? EFA_SIG_ESP32 : EFA_SIG_ESP8266;
	total = fuzz_u32(&in);
	for (i = 0; i < sizeof(tail); i++)
		tail[i] = fuzz_u8(&in);
	n = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 |
	    (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
	err = efa_sig_trailer(fmt, total, tail, &image_len, &sig_len);
	if (err != EFA_E_OK) {
		if (err != EFA_E_SIGN)
			violation("an error other than EFA_E_SIGN");
		if (image_len != 0xdeadbeefu || sig_len != 0xdeadbeefu)
			violation("outputs written on failure");
		return 0;
	}
	if (sig_len == 0 || sig_len > EFA_SIG_MAX_LEN)
		violation("signature length out of range");
	if (image_len == 0)
		violation("nothing signed");
	if (fmt == EFA_SIG_ESP8266 && (sig_len != n ||
	    (uint64_t)image_len + sig_len + EFA_SIG_TRAILER_LEN != total))
		violation("ESP8266: parts do not add up to the image");
	if (fmt == EFA_SIG_ESP32 && (sig_len != EFA_SIG_MAX_LEN ||
	    (uint64_t)image_len + EFA_SIG_MAX_LEN != total))
		violation("ESP32: parts do not add up to the image");
	return 0;
}
