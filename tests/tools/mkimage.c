/* SPDX-License-Identifier: MIT */
/*
 * efl-mkimage: deterministic firmware images for the tests. The header is a
 * valid ESP image header (magic 0xE9, flash-size code 2: 1 MB on ESP8266,
 * 4 MB on ESP32, so both chips accept it) unless told otherwise.
 *   efl-mkimage OUT SIZE [-s SEED] [-m MAGIC] [-f SIZE_CODE] [-V VERSION] [-z]
 * -z writes a gzip-looking header (1F 8B) instead of 0xE9.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	unsigned long size, seed = 1, magic = 0xe9, code = 2, i;
	const char *version = NULL;
	unsigned char *buf;
	unsigned x;
	int c, gzip = 0;
	FILE *f;

	while ((c = getopt(argc, argv, "s:m:f:V:z")) != -1) {
		switch (c) {
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'm': magic = strtoul(optarg, NULL, 0); break;
		case 'f': code = strtoul(optarg, NULL, 0); break;
		case 'V': version = optarg; break;
		case 'z': gzip = 1; break;
		default:
			fprintf(stderr, "usage: efl-mkimage OUT SIZE [-s SEED] "
			    "[-m MAGIC] [-f CODE] [-V VERSION] [-z]\n");
			return 2;
		}
	}
	if (argc - optind != 2)
		return fprintf(stderr, "efl-mkimage: need OUT and SIZE\n"), 2;
	size = strtoul(argv[optind + 1], NULL, 0);
	if (size == 0 || size > (1ul << 30))
		return fprintf(stderr, "efl-mkimage: bad size\n"), 2;
	buf = malloc(size);
	if (buf == NULL)
		return 1;
	x = (unsigned)(seed * 2654435761u) | 1u;
	for (i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	buf[0] = (unsigned char)(gzip ? 0x1f : magic);
	if (size > 1)
		buf[1] = gzip ? 0x8b : 1;
	if (size > 3 && !gzip)
		buf[3] = (unsigned char)(code << 4);
	if (version != NULL && size > 16 + strlen(version) + 18) {
		memcpy(buf + 16, "ESPFLEET-VERSION=", 17);
		memcpy(buf + 33, version, strlen(version));
		buf[33 + strlen(version)] = '\0';
	}
	f = fopen(argv[optind], "wb");
	if (f == NULL || fwrite(buf, 1, size, f) != size || fclose(f) != 0) {
		perror(argv[optind]);
		return 1;
	}
	free(buf);
	return 0;
}
