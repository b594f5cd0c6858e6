/* SPDX-License-Identifier: MIT */
/*
 * espfleet sign: append a signature to an image in the format of the
 * chip's core (see espfleet-sign(1)): the ESP8266's (tools/signing.py)
 * by default, the ESP32's SignedOTA with --format esp32. The signing is
 * fleet/signing.c; this is the command line and the file handling.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd-util.h"
#include "espfleet/cmd.h"
#include "espfleet/common.h"
#include "espfleet/image.h"
#include "espfleet/log.h"
#include "espfleet/signing.h"

static const char sign_usage[] =
"usage: espfleet sign --key KEY.pem [options] IMAGE\n"
"Sign IMAGE for devices that take only signed updates: its SHA-256 signed\n"
"with the private key, appended as the chip's core expects it. Compress\n"
"first, then sign (gzip -9 -n app.bin; espfleet sign --key k.pem\n"
"app.bin.gz): the core checks the signature of the bytes it receives.\n"
"\n"
"  -k, --key KEY.pem       the private key (PEM): RSA, or ECDSA P-256\n"
"                          with --format esp32\n"
"  -o, --output OUT        write the signed image to OUT (default\n"
"                          IMAGE.signed); never IMAGE itself\n"
"      --format esp8266|esp32\n"
"                          esp8266 (default): RSASSA-PKCS1-v1_5, then the\n"
"                          signature and its length (32-bit little-\n"
"                          endian); esp32: SignedOTA, RSA-PSS or ECDSA\n"
"                          P-256 as the key is, zero-padded to 512 bytes\n"
"  -h, --help              show this help\n"
"\n"
"Exit status: 0 signed, 2 usage error, 3 the key or the image unusable,\n"
"or the output not written.\n";

enum { OPT_FORMAT = 256 };

static const struct option longopts[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Write data to path through a temporary file in the same directory,
 * renamed over it when complete. 0, or -1 with eb. */
static int
write_atomic(const char *path, const uint8_t *data, uint32_t len,
    struct efl_errbuf *eb)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	size_t done = 0;
	int fd = mkstemp(tmp);

	if (fd < 0) {
		efl_errbuf_set(eb, "cannot write '%s': %s", path,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done != len || fchmod(fd, 0644) != 0 || fsync(fd) != 0 ||
	    close(fd) != 0 || rename(tmp, path) != 0) {
		efl_errbuf_set(eb, "cannot write '%s': %s", path,
		    strerror(errno != 0 ? errno : EIO));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/* 1 if a and b name the same existing file. */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int
sign_exec(uv_loop_t *loop, int argc, char **argv)
{
	const char *key_path = NULL, *out_path = NULL;
	enum efa_sig_format fmt = EFA_SIG_ESP8266;
	struct efl_sig_key *key = NULL;
	struct efl_image img;
	struct efl_errbuf eb;
	char *def_out = NULL, what[32];
	uint8_t *signed_img = NULL;
	uint32_t signed_len, guessed;
	int c, rc = EFL_EXIT_SETUP;

	(void)loop;
	memset(&img, 0, sizeof(img));
	optind = 1;
	while ((c = getopt_long(argc, argv, ":k:o:h", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "esp8266") == 0) {
				fmt = EFA_SIG_ESP8266;
			} else if (strcmp(optarg, "esp32") == 0) {
				fmt = EFA_SIG_ESP32;
			} else {
				efl_error("--format: '%s' is not esp8266 or "
				    "esp32", optarg);
				return cmd__usage_error("sign");
			}
			break;
		case 'h':
			fputs(sign_usage, stdout);
			return EFL_CMD_HELP_SHOWN;
		default:
			return cmd__option_error(c, argv, "sign", longopts);
		}
	}
	if (key_path == NULL) {
		efl_error("no key given (--key KEY.pem, the private key)");
		return cmd__usage_error("sign");
	}
	if (optind != argc - 1) {
		efl_error(optind >= argc ? "no image given" :
		    "one image at a time");
		return cmd__usage_error("sign");
	}
	if (out_path == NULL)
		out_path = def_out = xasprintf("%s.signed", argv[optind]);
	if (strcmp(out_path, argv[optind]) == 0 ||
	    same_file(out_path, argv[optind])) {
		efl_error("the output would overwrite the image '%s'",
		    argv[optind]);
		free(def_out);
		return cmd__usage_error("sign");
	}
	if ((key = efl_sig_key_load(key_path, 1, &eb)) == NULL ||
	    efl_sig_key_fits(key, fmt, &eb) != 0 ||
	    efl_image_open(&img, argv[optind], EFL_IMAGE_CHECK_NONE,
	    &eb) != 0) {
		efl_error("%s", eb.msg);
		goto out;
	}
	if (efl_sig_guess_esp8266(img.data, img.size, &guessed) == 0) {
		efl_error("'%s' is signed already (it ends with an ESP8266 "
		    "signature trailer); sign the unsigned image", img.path);
		goto out;
	}
	if (efl_sig_sign(key, fmt, img.data, img.size, &signed_img,
	    &signed_len, &eb) != 0 ||
	    write_atomic(out_path, signed_img, signed_len, &eb) != 0) {
		efl_error("%s", eb.msg);
		goto out;
	}
	efl_sig_key_describe(key, what, sizeof(what));
	printf("%s: %u bytes signed (%s, %s format), %u bytes\n", out_path,
	    img.size, what, fmt == EFA_SIG_ESP32 ? "esp32" : "esp8266",
	    signed_len);
	rc = EFL_EXIT_OK;
out:
	free(signed_img);
	efl_image_close(&img);
	efl_sig_key_free(key);
	free(def_out);
	return rc;
}

const struct efl_cmd efl_cmd_sign = {
	.name = "sign",
	.summary = "sign an image for devices that take only signed updates",
	.exec = sign_exec,
};
