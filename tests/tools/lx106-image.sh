#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lx106-image.sh OUT: a real, compressible ESP8266 application image for
# the compression tests: the agent core and its agent unit test compiled
# for the lx106 CPU (-Os, as scripts/cross-test builds them), their code
# and constants laid out as a two-segment ESP image (magic 0xE9, 1 MB
# flash code). Exit 77 (skipped) without xtensa-lx106-elf-gcc.
set -euo pipefail
out=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v xtensa-lx106-elf-gcc >/dev/null 2>&1 || {
	echo "lx106-image: xtensa-lx106-elf-gcc not found" \
	    "(scripts/install-deps)" >&2
	exit 77
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/shim"
echo "#include \"$src/tests/xtensa/cmocka-shim.h\"" >"$work/shim/cmocka.h"
xtensa-lx106-elf-gcc -Os -mlongcalls -mtext-section-literals -nostdlib \
	-Wl,-r -I"$src/firmware-agent/core/include" \
	-I"$src/firmware-agent/core" -I"$work/shim" -I"$src/tests" \
	-o "$work/all.o" "$src"/firmware-agent/core/*.c \
	"$src/tests/unit/test-efa-agent.c"
xtensa-lx106-elf-objcopy -O binary --only-section=.text "$work/all.o" \
	"$work/text"
xtensa-lx106-elf-objcopy -O binary --only-section=.rodata "$work/all.o" \
	"$work/rodata"
python3 - "$work/text" "$work/rodata" "$out" <<'PY'
import struct, sys
text = open(sys.argv[1], 'rb').read()
rodata = open(sys.argv[2], 'rb').read()
segs = [(0x40100000, text), (0x3ffe8000, rodata)]
img = bytearray(struct.pack('<BBBBI', 0xe9, len(segs), 0, 0x20, 0x40100004))
csum = 0xef
for addr, data in segs:
    data += b'\0' * (-len(data) % 4)
    img += struct.pack('<II', addr, len(data)) + data
    for b in data:
        csum ^= b
img += b'\0' * (15 - len(img) % 16) + bytes([csum])
open(sys.argv[3], 'wb').write(img)
PY
