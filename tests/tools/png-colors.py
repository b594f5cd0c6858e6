#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# What a screenshot shows, without imaging libraries: decode a PNG
# (8-bit RGB or RGBA, not interlaced, as chromium writes them) and print
# its size and, for each colour given as RRGGBB, how many pixels are within
# 8 of it in every channel:
#   png-colors.py shot.png 2da44e cf222e   ->   1280 900 2da44e=5120 ...
# Exit status 1 if the file is not such a PNG.
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG" % path)
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit("%s: not 8-bit RGB(A) without interlace" % path)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    w, h, bpp, rows = read_png(sys.argv[1])
    want = [(c, tuple(int(c[k:k + 2], 16) for k in (0, 2, 4)))
            for c in sys.argv[2:]]
    counts = dict((c, 0) for c, _ in want)
    for line in rows:
        for x in range(0, len(line), bpp):
            px = line[x], line[x + 1], line[x + 2]
            for c, rgb in want:
                if all(abs(px[k] - rgb[k]) <= 8 for k in range(3)):
                    counts[c] += 1
    print(w, h, " ".join("%s=%d" % (c, counts[c]) for c, _ in want))


main()
