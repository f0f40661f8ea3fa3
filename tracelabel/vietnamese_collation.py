"""Vietnamese alphabetical order, the same on every database (pure Python, no ICU needed).

The alphabet is a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z): a letter
with a breve, circumflex or horn, and đ, are letters of their own that follow their base letter.
Tones only break ties between words spelt with the same letters, in the dictionary order
ngang, huyền, hỏi, ngã, sắc, nặng (a à ả ã á ạ); case breaks the last ties. So "Ấm" < "Bánh",
"Da" < "Dưa" < "Đá", and "ba" < "bà" < "bá" < "bác".

SQLite compares text byte by byte and PostgreSQL by its database collation, so neither sorts
Vietnamese right, and not the same way: lists are sorted with :func:`sort_key` in Python.
"""

from __future__ import annotations

import functools
import sys
import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(ALPHABET)}
# Marks that make a letter of its own, by (base, mark).
_LETTER_MARKS = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
                 ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
# ngang (none) 0, huyền 1, hỏi 2, ngã 3, sắc 4, nặng 5.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_SPACE, _DIGIT, _LETTER, _OTHER = 0, 1, 100, 1000


def _primary(base: str) -> int:
    if base.isspace():
        return _SPACE
    if base.isdigit() and base.isascii():
        return _DIGIT + int(base)
    if base in _LETTER_RANK:
        return _LETTER + _LETTER_RANK[base]
    return min(_OTHER + ord(base), sys.maxunicode - 1)


@functools.lru_cache(maxsize=65536)
def sort_key(text: str) -> str:
    """A key that orders strings in Vietnamese alphabetical order (letters, then tones, then case).

    The key is a string (compared in C, faster than tuples): the letters' ranks, then after a NUL
    each letter's tone, then each letter's case; every rank is above NUL, so a word sorts before
    the longer words it begins. Runs of spaces count as one, leading or trailing ones not at all.
    """
    letters: list[str] = []
    tones: list[str] = []
    cases: list[str] = []
    for char in unicodedata.normalize("NFC", " ".join(text.split())):
        decomposed = unicodedata.normalize("NFD", char.lower())
        lower, marks = decomposed[0], decomposed[1:]
        cases.append("1" if char == char.lower() else "2")
        tone = 0
        for mark in marks:
            if (lower, mark) in _LETTER_MARKS:
                lower = _LETTER_MARKS[(lower, mark)]
            else:
                tone = _TONES.get(mark, tone)
        letters.append(chr(1 + _primary(lower)))
        tones.append(chr(49 + tone))
    return "".join(letters) + "\0" + "".join(tones) + "\0" + "".join(cases)
