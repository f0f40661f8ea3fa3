"""The label font: DejaVu Sans Condensed, shipped in tracelabel/fonts (Vietnamese and the ★ glyph).

Text is normalised to NFC, so every Vietnamese letter is one precomposed glyph; a character the
font lacks prints as "?" rather than as an empty box. Glyph ids are used as PDF CIDs (Identity-H).
"""

from __future__ import annotations

import hashlib
import io
import sys
import unicodedata
from array import array
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSansCondensed.ttf"
POSTSCRIPT_NAME = "DejaVuSansCondensed"
REPLACEMENT = "?"


@dataclass(frozen=True)
class LabelFont:
    """Metrics of the label font, in PDF glyph-space units (1/1000 em)."""

    glyph_of: dict[str, int]  # character -> glyph id
    advance: dict[int, int]  # glyph id -> advance width
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]

    def normalise(self, text: str) -> str:
        """Return text in NFC with characters the font lacks replaced by '?'."""
        text = unicodedata.normalize("NFC", text)
        glyphs = self.glyph_of
        if all(map(glyphs.__contains__, text)):
            return text
        return "".join(char if char in glyphs else REPLACEMENT for char in text)

    def width(self, text: str, size: float) -> float:
        """Width in points of already-normalised text at the given size."""
        return sum(map(self.advance.__getitem__, map(self.glyph_of.__getitem__, text))) * size / 1000

    def hex_glyphs(self, text: str) -> bytes:
        """Return normalised text as a PDF hex string of 2-byte glyph ids, without brackets."""
        glyph_ids = array("H", map(self.glyph_of.__getitem__, text))
        if sys.byteorder == "little":
            glyph_ids.byteswap()
        return glyph_ids.tobytes().hex().upper().encode("ascii")


def font_bytes() -> bytes:
    """The font file shipped with the package."""
    return FONT_PATH.read_bytes()


@cache
def label_font() -> LabelFont:
    """Load the label font's metrics once per process."""
    font = TTFont(io.BytesIO(font_bytes()), lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    order = font.getGlyphOrder()
    glyph_id = {name: index for index, name in enumerate(order)}
    glyph_of = {chr(code): glyph_id[name] for code, name in font.getBestCmap().items()}
    metrics = font["hmtx"].metrics
    advance = {glyph_id[name]: round(width * scale) for name, (width, _) in metrics.items()}
    head = font["head"]
    return LabelFont(
        glyph_of=glyph_of,
        advance=advance,
        ascent=round(font["hhea"].ascent * scale),
        descent=round(font["hhea"].descent * scale),
        cap_height=round(font["glyf"]["H"].yMax * scale),  # this OS/2 version has no cap height
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
    )


def subset_font(glyph_ids: set[int]) -> bytes:
    """Return a TrueType subset keeping the glyph ids (unused glyphs emptied)."""
    return _subset(frozenset(glyph_ids))


@lru_cache(maxsize=16)  # runs of one product mostly reuse one glyph set; a subset is ~40 kB
def _subset(glyph_ids: frozenset[int]) -> bytes:
    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM"]
    font = TTFont(io.BytesIO(font_bytes()))
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyph_ids | {0}))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def subset_tag(glyph_ids: set[int]) -> str:
    """Six capital letters derived from the glyph set, as PDF subset names need."""
    digest = hashlib.sha256(",".join(map(str, sorted(glyph_ids))).encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
