"""Vietnam's administrative map since 1 July 2025: 34 provinces and 3,321 communes, no districts.

The units and their official codes (General Statistics Office) come from the ``vietnam-provinces``
package; this module only finds them. Codes are kept as text the way the GSO writes them: two digits
for a province ("22"), five for a commune ("06838").

A unit is found by its code or by its name as the package spells it, with or without its prefix
("Tỉnh", "Thành phố", "Xã", "Phường", "Đặc khu"), in any case; a name typed without diacritics (or
with the other accent placement, "Thanh Hoá") is accepted when it names one unit only.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata

from tracelabel.textfold import fold

PROVINCE_PREFIXES = ("tỉnh", "thành phố", "tp.", "tp")
COMMUNE_PREFIXES = ("xã", "phường", "đặc khu")


@dataclasses.dataclass(frozen=True)
class Province:
    code: str
    name: str  # as the package spells it: "Quảng Ninh", "Thành phố Đà Nẵng"
    full_name: str  # with its prefix: "Tỉnh Quảng Ninh", "Thành phố Đà Nẵng"


@dataclasses.dataclass(frozen=True)
class Commune:
    code: str
    name: str  # "Xã Bình Liêu", "Đặc khu Vân Đồn"
    province_code: str


class UnitNotFound(LookupError):
    """No unit, or more than one, answers to what was given; the message says which.

    ``message`` is an English msgid with ``%(name)s`` params (translated at the edge, like the
    services' errors); ``str()`` gives it filled in, in English.
    """

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _without_prefix(key: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if key.startswith(prefix + " "):
            return key[len(prefix) + 1:]
    return key


@functools.cache
def _provinces() -> dict[str, Province]:
    from vietnam_provinces import Province as PackageProvince
    from vietnam_provinces import VietNamDivisionType

    found = {}
    for unit in PackageProvince.iter_all():
        code = f"{int(unit.code.value):02d}"
        full = unit.name if unit.division_type != VietNamDivisionType.TINH else f"Tỉnh {unit.name}"
        found[code] = Province(code=code, name=unit.name, full_name=full)
    return dict(sorted(found.items()))


@functools.cache
def _communes() -> dict[str, Commune]:
    from vietnam_provinces import Ward

    found = {}
    for unit in Ward.iter_all():
        code = f"{int(unit.code.value):05d}"
        found[code] = Commune(code=code, name=unit.name,
                              province_code=f"{int(unit.province_code.value):02d}")
    return dict(sorted(found.items()))


@functools.cache
def _province_names() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    exact: dict[str, list[str]] = {}
    folded: dict[str, list[str]] = {}
    for province in _provinces().values():
        bare = _without_prefix(_key(province.name), PROVINCE_PREFIXES)
        exact.setdefault(bare, []).append(province.code)
        folded.setdefault(fold(bare), []).append(province.code)
    return exact, folded


@functools.cache
def _commune_names() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    exact: dict[str, list[str]] = {}
    folded: dict[str, list[str]] = {}
    for commune in _communes().values():
        bare = _without_prefix(_key(commune.name), COMMUNE_PREFIXES)
        for key in {bare, _key(commune.name)}:
            exact.setdefault(key, []).append(commune.code)
            folded.setdefault(fold(key), []).append(commune.code)
    return exact, folded


def provinces() -> list[Province]:
    """The 34 provincial units, by code."""
    return list(_provinces().values())


def communes(province_code: str | None = None) -> list[Commune]:
    """The communes of one province (or all 3,321), by code."""
    return [commune for commune in _communes().values()
            if province_code is None or commune.province_code == province_code]


def province_by_code(code: str | None) -> Province | None:
    return _provinces().get(code) if code else None


def commune_by_code(code: str | None) -> Commune | None:
    return _communes().get(code) if code else None


def find_province(text: str) -> Province:
    """The province named or coded by ``text``; raises :class:`UnitNotFound` saying why not."""
    value = (text or "").strip()
    if re.fullmatch(r"[0-9]{1,2}", value):
        province = _provinces().get(f"{int(value):02d}")
        if province is None:
            raise UnitNotFound("No province has the code %(code)s.", code=value)
        return province
    key = _without_prefix(_key(value), PROVINCE_PREFIXES)
    exact, folded = _province_names()
    codes = exact.get(key) or folded.get(fold(key), [])
    if len(codes) != 1:
        raise UnitNotFound("No province is called “%(name)s” on the map in force since 1 July 2025.",
                           name=value)
    return _provinces()[codes[0]]


def find_commune(text: str, province_code: str | None = None) -> Commune:
    """The commune named or coded by ``text``, inside ``province_code`` when one is given.

    A commune outside the given province, or a name several communes share when no province is
    given, raises :class:`UnitNotFound` naming the problem.
    """
    value = (text or "").strip()
    if re.fullmatch(r"[0-9]{1,5}", value):
        commune = _communes().get(f"{int(value):05d}")
        if commune is None:
            raise UnitNotFound("No commune has the code %(code)s.", code=value)
        candidates = [commune]
    else:
        key = _key(value)
        exact, folded = _commune_names()
        codes = exact.get(key) or exact.get(_without_prefix(key, COMMUNE_PREFIXES))
        if not codes:
            codes = folded.get(fold(key)) or folded.get(fold(_without_prefix(key, COMMUNE_PREFIXES)), [])
        candidates = [_communes()[code] for code in dict.fromkeys(codes)]
        if not candidates:
            raise UnitNotFound("No commune is called “%(name)s” on the map in force since 1 July 2025.",
                               name=value)
    if province_code is not None:
        inside = [commune for commune in candidates if commune.province_code == province_code]
        if not inside:
            province = province_by_code(province_code)
            where = province.name if province else province_code
            shown = candidates[0].name if len(candidates) == 1 else value
            raise UnitNotFound("%(commune)s is not a commune of %(province)s.", commune=shown,
                               province=where)
        candidates = inside
    if len(candidates) > 1:
        raise UnitNotFound("Several communes are called “%(name)s”: give the province or the code.",
                           name=value)
    return candidates[0]
