"""Embed the label font in a PDF as a subset: Type0 / CIDFontType2, Identity-H, with ToUnicode."""

from __future__ import annotations

from collections.abc import Iterable

from tracelabel.labels.font import POSTSCRIPT_NAME, label_font, subset_font, subset_tag
from tracelabel.labels.pdfwriter import PdfWriter

_BFCHAR_CHUNK = 100  # the CMap syntax allows at most 100 entries per bfchar block


def write_font(writer: PdfWriter, type0_number: int, characters: Iterable[str]) -> None:
    """Write the Type0 font object `type0_number` and its parts for the characters used."""
    font = label_font()
    by_glyph = {font.glyph_of[char]: char for char in sorted(set(characters))}
    glyph_ids = set(by_glyph) | {0}
    name = f"{subset_tag(glyph_ids)}+{POSTSCRIPT_NAME}".encode("ascii")
    cid_font, descriptor, font_file, to_unicode = (writer.reserve() for _ in range(4))
    writer.write_object(type0_number, (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H"
        b" /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (name, cid_font, to_unicode)))
    writer.write_object(cid_font, (
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /FontDescriptor %d 0 R /DW 1000 /W [%s] /CIDToGIDMap /Identity >>"
        % (name, descriptor, _widths(sorted(glyph_ids)))))
    writer.write_object(descriptor, (
        b"<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%d %d %d %d]"
        b" /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>"
        % (name, *font.bbox, font.ascent, font.descent, font.cap_height, font_file)))
    data = subset_font(glyph_ids)
    writer.write_stream(font_file, data, b" /Length1 %d" % len(data))
    writer.write_stream(to_unicode, _to_unicode_cmap(by_glyph))


def _widths(glyph_ids: list[int]) -> bytes:
    advance = label_font().advance
    return b" ".join(b"%d [%d]" % (gid, advance[gid]) for gid in glyph_ids)


def _to_unicode_cmap(by_glyph: dict[int, str]) -> bytes:
    """A ToUnicode CMap mapping each 2-byte glyph id back to its character."""
    entries = [
        b"<%04X> <%s>" % (gid, char.encode("utf-16-be").hex().upper().encode("ascii"))
        for gid, char in sorted(by_glyph.items())
    ]
    blocks = []
    for start in range(0, len(entries), _BFCHAR_CHUNK):
        chunk = entries[start : start + _BFCHAR_CHUNK]
        blocks.append(b"%d beginbfchar\n%s\nendbfchar" % (len(chunk), b"\n".join(chunk)))
    return b"\n".join([
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <FFFF>",
        b"endcodespacerange",
        *blocks,
        b"endcmap",
        b"CMapName currentdict /CMap defineresource pop",
        b"end",
        b"end",
    ])
