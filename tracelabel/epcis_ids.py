"""GS1 identifiers as the EPCIS event hash compares them (CBV 2.0, event hash ID rules 17 and 18).

EPC URNs and GS1 Digital Link URIs under any domain become the constrained canonical Digital Link:
``https://id.gs1.org``, no query string, and only the finest level of identification (a serial wins
over a lot, a consumer product variant is dropped). Anything else is no GS1 identifier and stays as is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from tracelabel.codes import gtin_check_digit

CANONICAL_DOMAIN = "https://id.gs1.org"
# Characters of GS1's set 82 that a Digital Link carries without percent-encoding. A value that needs
# percent-encoding is left as given, as GS1's reference generator leaves it.
_BARE = r"[\"'\-.0-9;<=>?A-Z_a-z]"
_KEY_ALIASES = {"sscc": "00", "gtin": "01", "gdti": "253", "gcn": "255", "ginc": "401", "gsin": "402",
                "gln": "414", "party": "417", "grai": "8003", "giai": "8004", "itip": "8006",
                "cpid": "8010", "gsrnp": "8017", "gsrn": "8018"}
_QUALIFIER_ALIASES = {"cpv": "22", "lot": "10", "ser": "21"}
_KEY_VALUES = {"00": r"\d{18}", "01": r"\d{14}", "253": rf"\d{{13}}{_BARE}{{0,17}}",
               "255": r"\d{13}\d{0,12}", "401": rf"\d{{4}}{_BARE}{{0,26}}", "402": r"\d{17}",
               "414": r"\d{13}", "417": r"\d{13}", "8003": rf"\d{{14}}{_BARE}{{0,16}}",
               "8004": rf"\d{{4}}{_BARE}{{0,26}}", "8006": r"\d{18}", "8010": r"\d{4}[#\-/0-9A-Z]{0,26}",
               "8017": r"\d{18}", "8018": r"\d{18}"}
# The qualifiers each key keeps, finest first: only one survives.
_FINEST = {"01": ("21", "235", "10"), "8006": ("21", "10"), "414": ("254",), "8010": ("8011",)}
_QUALIFIER_VALUES = {"10": rf"{_BARE}{{1,20}}", "21": rf"{_BARE}{{1,20}}", "235": rf"{_BARE}{{1,28}}",
                     "254": rf"{_BARE}{{1,20}}", "8011": r"\d{1,12}", "22": rf"{_BARE}{{1,20}}"}
# Digital Link, table 7-1: characters an EPC URN may hold bare but a Digital Link must escape.
_DL_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in "!()*+,:"})


def canonical_identifier(value: str) -> str | None:
    """The canonical GS1 Digital Link of an EPC URN or a Digital Link URI; None for anything else."""
    if value.startswith("urn:epc:"):
        return _from_epc_urn(value)
    if value.startswith(("https://", "http://")):
        return _from_digital_link(value)
    return None


def _with_check_digit(digits: str) -> str:
    return digits + str(gtin_check_digit(digits))


def _from_digital_link(uri: str) -> str | None:
    segments = [s for s in urlsplit(uri).path.split("/") if s]
    for start in range(len(segments) - 1):
        key = _KEY_ALIASES.get(segments[start], segments[start])
        if key in _KEY_VALUES:
            return _canonical_path(key, segments[start + 1], segments[start + 2:])
    return None


def _canonical_path(key: str, value: str, rest: list[str]) -> str | None:
    if key == "01" and value.isdigit() and len(value) in (8, 12, 13):
        value = value.zfill(14)
    if len(rest) % 2 or not re.fullmatch(_KEY_VALUES[key], value):
        return None
    qualifiers = {_QUALIFIER_ALIASES.get(ai, ai): v for ai, v in zip(rest[::2], rest[1::2], strict=True)}
    if any(ai not in _QUALIFIER_VALUES or not re.fullmatch(_QUALIFIER_VALUES[ai], v)
           for ai, v in qualifiers.items()):
        return None
    path = f"{CANONICAL_DOMAIN}/{key}/{value}"
    finest = next((ai for ai in _FINEST.get(key, ()) if ai in qualifiers), None)
    return path + (f"/{finest}/{qualifiers[finest]}" if finest else "")


def _split_urn(urn: str, prefix: str, parts: int) -> list[str] | None:
    fields = urn[len(prefix):].split(".", parts - 1)
    if len(fields) != parts or not fields[0].isdigit() or not 6 <= len(fields[0]) <= 12:
        return None
    return fields


def _digits(fields: list[str], total: int) -> str | None:
    """The company prefix and reference joined, if they are digits of the length the key needs."""
    joined = "".join(fields)
    return joined if joined.isdigit() and len(joined) == total else None


def _gtin(company: str, reference: str) -> str | None:
    digits = _digits([reference[:1], company, reference[1:]], 13)
    return _with_check_digit(digits) if digits else None


def _from_epc_urn(urn: str) -> str | None:
    scheme = next((s for s in _URN_SCHEMES if urn.startswith(s)), None)
    if scheme is None:
        return None
    parts, convert = _URN_SCHEMES[scheme]
    fields = _split_urn(urn, scheme, parts)
    path = convert(*fields) if fields else None
    return f"{CANONICAL_DOMAIN}/{path}" if path else None


def _serial(value: str) -> str:
    return value.translate(_DL_ESCAPES)


def _sgtin(company: str, item: str, serial: str) -> str | None:
    gtin = _gtin(company, item)
    return f"01/{gtin}/21/{_serial(serial)}" if gtin else None


def _lgtin(company: str, item: str, lot: str) -> str | None:
    gtin = _gtin(company, item)
    return f"01/{gtin}/10/{_serial(lot)}" if gtin else None


def _gtin_pattern(company: str, item: str, star: str) -> str | None:
    gtin = _gtin(company, item)
    return f"01/{gtin}" if gtin and star == "*" else None


def _sscc(company: str, serial: str) -> str | None:
    digits = _digits([serial[:1], company, serial[1:]], 17)
    return f"00/{_with_check_digit(digits)}" if digits else None


def _sgln(company: str, location: str, extension: str) -> str | None:
    digits = _digits([company, location], 12)
    if not digits:
        return None
    gln = _with_check_digit(digits)
    return f"414/{gln}" if extension == "0" else f"414/{gln}/254/{_serial(extension)}"


def _keyed(ai: str, total: int) -> Callable[[str, str], str | None]:
    """A converter for the keys made of the company prefix, a reference and a check digit."""
    def convert(company: str, reference: str) -> str | None:
        digits = _digits([company, reference], total)
        return f"{ai}/{_with_check_digit(digits)}" if digits else None
    return convert


def _with_serial(ai: str, lead: str = "") -> Callable[[str, str, str], str | None]:
    """A converter for the keys of a prefix, a 12-digit reference, a check digit, then a serial."""
    def convert(company: str, reference: str, serial: str) -> str | None:
        digits = _digits([company, reference], 12)
        return f"{ai}/{lead}{_with_check_digit(digits)}{_serial(serial)}" if digits else None
    return convert


def _unchecked(ai: str) -> Callable[[str, str], str]:
    """A converter for the keys of a company prefix and a free reference (GIAI, GINC)."""
    def convert(company: str, reference: str) -> str:
        return f"{ai}/{company}{_serial(reference)}"
    return convert


_URN_SCHEMES: dict[str, tuple[int, Callable[..., str | None]]] = {
    "urn:epc:id:sgtin:": (3, _sgtin), "urn:epc:class:lgtin:": (3, _lgtin),
    "urn:epc:idpat:sgtin:": (3, _gtin_pattern), "urn:epc:id:sscc:": (2, _sscc),
    "urn:epc:id:sgln:": (3, _sgln), "urn:epc:id:pgln:": (2, _keyed("417", 12)),
    "urn:epc:id:gsrn:": (2, _keyed("8018", 17)), "urn:epc:id:gsrnp:": (2, _keyed("8017", 17)),
    "urn:epc:id:gsin:": (2, _keyed("402", 16)), "urn:epc:id:grai:": (3, _with_serial("8003", "0")),
    "urn:epc:id:gdti:": (3, _with_serial("253")), "urn:epc:id:sgcn:": (3, _with_serial("255")),
    "urn:epc:id:giai:": (2, _unchecked("8004")), "urn:epc:id:ginc:": (2, _unchecked("401")),
}
