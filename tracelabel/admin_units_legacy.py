"""Free-text places written before 1 July 2025, matched to today's units where one answer is known.

A province or commune typed by hand is matched by name on today's map (``admin_units``). A place
written the pre-2025 way is converted only where a table of ``vietnamadminunits`` knows the one
answer, and left unmatched otherwise (a person settles it):

- an old province (63 of them) became part of exactly one of today's 34: "Quảng Nam" → Đà Nẵng;
- an old commune that was not divided went whole into one of today's communes: xã Trà Linh
  (huyện Nam Trà My, Quảng Nam) → Xã Trà Linh, Đà Nẵng. Its name must be unique among the old
  communes of the old provinces that make up the new one, since the district is not written.

Only those two tables are read; the package's ``convert_address`` is not called: for a divided
commune it picks a "default" new one, and for an address with a street it asks an online
geocoder — both are guesses. The package is optional: without it, pre-2025 places stay unmatched.
Its module is not imported (that would build a geocoder); its data file is read where it lies.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import unicodedata
from pathlib import Path

from tracelabel import admin_units
from tracelabel.textfold import fold

CONVERTER_PACKAGE = "vietnamadminunits"
CONVERTER_DATA = Path("data") / "converter_2025.json"
OLD_PROVINCE_TYPES = ("tinh", "thanhpho")
OLD_COMMUNE_WORDS = {"xã": "xa", "phường": "phuong", "thị trấn": "thitran"}


@dataclasses.dataclass(frozen=True)
class FreeTextMatch:
    """Today's codes for a place written as text; None where no single unit answers."""

    province_code: str | None
    commune_code: str | None
    converted: bool = False  # found through the pre-2025 tables


def _raw_key(text: str) -> str:
    """The converter's key: lower case, letters and digits only (its keys keep diacritics only
    where two names differ by them alone)."""
    return "".join(char for char in unicodedata.normalize("NFC", text).casefold() if char.isalnum())


def _bare_key(text: str) -> str:
    return "".join(char for char in fold(text) if char.isalnum())


@functools.cache
def _tables() -> dict | None:
    spec = importlib.util.find_spec(CONVERTER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / CONVERTER_DATA
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                return json.load(handle)
    return None


def converter_available() -> bool:
    """Whether the pre-2025 tables are installed (package ``vietnamadminunits``)."""
    return _tables() is not None


@functools.cache
def _new_province_codes() -> dict[str, str]:
    """The converter's key of each of today's provinces → its official code."""
    return {_bare_key(province.full_name): province.code for province in admin_units.provinces()}


def _pick(candidates: list[str], text_keys: set[str], raw: dict[str, str]) -> str | None:
    """The one candidate, narrowed by diacritics when folding made several alike."""
    if len(candidates) > 1:
        candidates = [candidate for candidate in candidates if raw[candidate] in text_keys]
    return candidates[0] if len(candidates) == 1 else None


def old_province(text: str | None) -> str | None:
    """Today's province code for a province of the pre-2025 map named by ``text``, if one."""
    tables = _tables()
    if tables is None or not text or not text.strip():
        return None
    key = _bare_key(text)
    wanted = {key} | {kind + key for kind in OLD_PROVINCE_TYPES}
    found = {new for new, olds in tables["DICT_PROVINCE"].items() for old in olds if old in wanted}
    if len(found) != 1:
        return None
    return _new_province_codes().get(found.pop())


def _commune_keys(text: str) -> tuple[set[str], set[str]]:
    """The converter's possible keys for a commune's name (with or without its kind): folded,
    and with diacritics."""
    lowered = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    kinds = OLD_COMMUNE_WORDS
    for word in OLD_COMMUNE_WORDS:
        if lowered.startswith(word + " "):
            lowered, kinds = lowered[len(word) + 1:], {word: OLD_COMMUNE_WORDS[word]}
            break
    return ({kind + _bare_key(lowered) for kind in kinds.values()},
            {_raw_key(word + lowered) for word in kinds})


def old_commune(text: str | None, province_code: str) -> str | None:
    """Today's commune code for an undivided pre-2025 commune of (what is now) this province.

    The old commune is found by its name among every old commune of the old provinces that make
    up ``province_code``; a name two of them share, or a commune that was divided, gives None.
    """
    tables = _tables()
    if tables is None or not text or not text.strip():
        return None
    new_key = next((key for key, code in _new_province_codes().items() if code == province_code),
                   None)
    wards = tables["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key or "", {})
    divided = tables["DICT_PROVINCE_WARD_DIVIDED"].get(new_key or "", {})
    wanted, text_keys = _commune_keys(text)
    raw: dict[str, str] = {}
    old_to_new: dict[str, str] = {}
    for new_ward, olds in wards.items():
        for old in olds:
            ward = old.rsplit("_", 1)[-1]
            if _bare_key(ward) in wanted:
                raw[old], old_to_new[old] = _raw_key(ward), new_ward
    for old in divided:
        ward = old.rsplit("_", 1)[-1]
        if _bare_key(ward) in wanted:
            raw[old] = _raw_key(ward)  # a namesake that was divided: no single answer
    old = _pick(list(raw), text_keys, raw)
    if old is None or old not in old_to_new:
        return None
    return _today_commune(old_to_new[old], province_code)


def _today_commune(new_key: str, province_code: str) -> str | None:
    communes = admin_units.communes(province_code)
    raw = {commune.code: _raw_key(commune.name) for commune in communes}
    candidates = [commune.code for commune in communes if _bare_key(commune.name) == _bare_key(new_key)]
    return _pick(candidates, {_raw_key(new_key)}, raw)


def match_free_text(province: str | None, commune: str | None) -> FreeTextMatch:
    """Today's province and commune for a place written as text, or None for what stays open.

    A province of today's map is matched by name, and its commune by today's names within it,
    then as an undivided pre-2025 commune. A province of the old map (one merged away) is
    converted, and its commune only as an undivided pre-2025 commune: an old address's
    commune (or district) is never matched against today's names, which may be a namesake.
    """
    if not province or not province.strip():
        return FreeTextMatch(None, None)
    converted = False
    try:
        province_code = admin_units.find_province(province).code
    except admin_units.UnitNotFound:
        province_code = old_province(province)
        converted = province_code is not None
    if province_code is None or not commune or not commune.strip():
        return FreeTextMatch(province_code, None, converted)
    if not converted:
        try:
            return FreeTextMatch(province_code, admin_units.find_commune(commune, province_code).code)
        except admin_units.UnitNotFound:
            pass
    commune_code = old_commune(commune, province_code)
    return FreeTextMatch(province_code, commune_code, converted or commune_code is not None)
