#!/usr/bin/env python3
"""Hand-built PDFs of 霍城县 2022 (data/pdf), for the PDF reader's font tests.

Each re-sets the words of 霍城县-2022-bbox.html (the Chromium PDF's words and positions) with
one font of its own, written here byte by byte, so the reader meets the encodings real reports
use without depending on any PDF library:

- 霍城县-2022-identity-h.pdf: a Type0 font, Identity-H, two-byte glyph ids, a ToUnicode map
  (how WPS and Word export Chinese text). Reads to the same values as the Chromium PDF.
- 霍城县-2022-gbk-euc-h.pdf: a Type0 font with the predefined GBK-EUC-H encoding (Adobe-GB1),
  the text as GBK bytes, no ToUnicode map.
- 霍城县-2022-private-use.pdf: Identity-H whose ToUnicode map sends every glyph to the
  private-use area (方正 fonts do this): no usable text layer.

Run from the repository root: python3 data/pdf/hand_built.py. No dependencies.
"""
import html
import re
import zlib
from pathlib import Path

HERE = Path(__file__).parent
PAGE_HEIGHT = 792.0


def words():
    text = (HERE / "霍城县-2022-bbox.html").read_text(encoding="utf-8")
    pages = []
    for page in re.split(r"<page ", text)[1:]:
        ws = []
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            ws.append((x0, y0, x1, y1, html.unescape(m.group(5))))
        pages.append(ws)
    return pages


def obj(n, body):
    return f"{n} 0 obj\n".encode() + body + b"\nendobj\n"


def stream(data, extra=b""):
    data = zlib.compress(data)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def width(ch):
    return 500 if ord(ch) < 0x80 else 1000


def build(path, font, encode):
    """font: the bytes of the Type0 font dictionary's tail; encode(text) -> bytes for Tj."""
    pages = words()
    objects = []  # (number, bytes)
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, 4.. font parts, then page and content objects.
    font_objs, font_ref = font
    first = 4 + len(font_objs)
    kids = []
    body = []
    for i, ws in enumerate(pages):
        page_n, content_n = first + 2 * i, first + 2 * i + 1
        kids.append(f"{page_n} 0 R")
        ops = []
        for x0, y0, x1, y1, text in ws:
            # The size that gives the word its width (CJK 1000 units, ASCII 500), else its
            # box's height over the font's ascent and descent.
            units = sum(width(c) for c in text)
            size = round((x1 - x0) * 1000 / units, 2) if all(ord(c) > 0x7F or c.isdigit() or c in ".-" for c in text) else round((y1 - y0) / 1.26, 2)
            baseline = PAGE_HEIGHT - y1 + (y1 - y0) * 0.2
            ops.append(b"BT /F1 %.2f Tf %.2f %.2f Td <%s> Tj ET" % (size, x0, baseline, encode(text).hex().encode()))
        body.append((page_n, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content_n))
        body.append((content_n, stream(b"\n".join(ops))))
    objects.append((1, b"<< /Type /Catalog /Pages 2 0 R >>"))
    objects.append((2, ("<< /Type /Pages /Count %d /Kids [%s] >>" % (n_pages, " ".join(kids))).encode()))
    objects.append((3, font_ref))
    objects.extend(font_objs)
    objects.extend(body)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for n, b in sorted(objects):
        offsets[n] = len(out)
        out += obj(n, b)
    xref = len(out)
    count = max(offsets) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    for n in range(1, count):
        out += b"%010d 00000 n \n" % offsets[n]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref)
    path.write_bytes(bytes(out))


def identity(private_use):
    """An Identity-H font: glyph id i+1 for the i-th distinct character, mapped back by ToUnicode."""
    chars = sorted({c for ws in words() for w in ws for c in w[4]})
    gid = {c: i + 1 for i, c in enumerate(chars)}
    lines = []
    for c, g in gid.items():
        target = 0xE000 + g if private_use else ord(c)
        utf16 = chr(target).encode("utf-16-be").hex()
        lines.append(f"<{g:04x}> <{utf16}>")
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <ffff> endcodespacerange\n"
        + "".join(f"{min(100, len(lines) - i)} beginbfchar\n" + "\n".join(lines[i:i + 100]) + "\nendbfchar\n" for i in range(0, len(lines), 100))
        + "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()
    widths = " ".join(f"{g} [{width(c)}]" for c, g in gid.items())
    font_ref = b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>"
    parts = [
        (4, ("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 1000 /W [%s] /CIDToGIDMap /Identity >>" % widths).encode()),
        (5, b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>"),
        (6, stream(cmap)),
    ]
    encode = lambda text: b"".join(gid[c].to_bytes(2, "big") for c in text)
    return (parts, font_ref), encode


def gbk():
    font_ref = b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /GBK-EUC-H /DescendantFonts [4 0 R] >>"
    parts = [
        (4, b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>"),
        (5, b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 /CapHeight 700 /StemV 80 >>"),
    ]
    return (parts, font_ref), lambda text: text.encode("gbk")


if __name__ == "__main__":
    font, encode = identity(private_use=False)
    build(HERE / "霍城县-2022-identity-h.pdf", font, encode)
    font, encode = identity(private_use=True)
    build(HERE / "霍城县-2022-private-use.pdf", font, encode)
    font, encode = gbk()
    build(HERE / "霍城县-2022-gbk-euc-h.pdf", font, encode)
