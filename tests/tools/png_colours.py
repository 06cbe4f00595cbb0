#!/usr/bin/env python3
"""Count a PNG's pixels of given colours: png_colours.py FILE.png '#rrggbb' ...

Prints one line per colour, "#rrggbb COUNT", counting pixels within 8 of the colour on each
channel. A small decoder (PNG spec, ISO/IEC 15948 §9 filters), 8-bit RGB or RGBA only,
non-interlaced, as Chromium's screenshots are; used by diag_report_screenshot.sh."""
import struct
import sys
import zlib

LIMIT = 64 << 20


def decode(path):
    with open(path, "rb") as f:
        data = f.read(LIMIT + 1)
    if len(data) > LIMIT:
        sys.exit(f"{path}: larger than 64 MiB")
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, interlace {interlace})")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: png_colours.py FILE.png '#rrggbb' ...")
    width, height, bpp, rows = decode(sys.argv[1])
    wanted = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in sys.argv[2:]]
    counts = [0] * len(wanted)
    histogram = {}
    for line in rows:
        for x in range(0, width * bpp, bpp):
            px = (line[x], line[x + 1], line[x + 2])
            histogram[px] = histogram.get(px, 0) + 1
    for px, n in histogram.items():
        for k, w in enumerate(wanted):
            if all(abs(px[j] - w[j]) <= 8 for j in range(3)):
                counts[k] += n
    for c, n in zip(sys.argv[2:], counts):
        print(c, n)


if __name__ == "__main__":
    main()
