"""Vietnamese text folded for matching: lower case, no diacritics, đ read as d."""

import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """``"Miến dong Bình Liêu"`` → ``"mien dong binh lieu"`` (spaces collapsed)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())
