"""GS1's EPCIS event hash ID (CBV 2.0): an event's pre-hash string and its ``ni:///sha-256`` URI.

The rules are the algorithm's specification (README of GS1's reference implementation,
github.com/RalphTro/epcis-event-hash-generator): fields in the canonical property order as
``key=value`` without separators, list entries sorted, times in UTC with milliseconds, CBV words, CBV
URNs and CURIEs as full URIs, GS1 identifiers as canonical Digital Links, then ILMD and user extensions
with their namespace in braces, sorted. ``eventID``, ``recordTime`` and ``errorDeclaration`` stay out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from tracelabel.epcis_ids import canonical_identifier

CBV = "https://ref.gs1.org/cbv/"
GS1_PREFIXES = {"epcis": "https://ref.gs1.org/epcis/", "cbv": CBV, "cbvmda": "urn:epcglobal:cbv:mda:",
                "gs1": "https://gs1.org/voc/", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                "owl": "http://www.w3.org/2002/07/owl#", "xsd": "http://www.w3.org/2001/XMLSchema#",
                "dcterms": "http://purl.org/dc/terms/"}
LEFT_OUT = frozenset({"type", "eventID", "recordTime", "errorDeclaration", "@context", "rdfs:comment",
                      "comment"})
_CBV_URNS = {"urn:epcglobal:cbv:bizstep:": "BizStep-", "urn:epcglobal:cbv:disp:": "Disp-",
             "urn:epcglobal:cbv:btt:": "BTT-", "urn:epcglobal:cbv:sdt:": "SDT-",
             "urn:epcglobal:cbv:er:": "ER-"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TIMES = frozenset({"eventTime", "time", "startTime", "endTime"})

Render = Callable[[str, Any, Mapping[str, str]], str]


def context_prefixes(context: Any) -> dict[str, str]:
    """GS1's prefixes plus those a JSON-LD ``@context`` declares inline."""
    prefixes = dict(GS1_PREFIXES)
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict):
            prefixes.update({k: v for k, v in entry.items() if isinstance(v, str) and not k.startswith("@")})
    return prefixes


def prehash_string(event: Mapping[str, Any], prefixes: Mapping[str, str] = GS1_PREFIXES) -> str:
    """The canonical pre-hash string of one EPCIS 2.0 JSON-LD event."""
    ordered = "".join(render(key, event[key], prefixes) for key, render in ORDER if key in event)
    trailing = sorted(item for key, value in event.items() if key not in LEFT_OUT and key not in FIELDS
                      for item in _generic(key, value, prefixes))
    return f"eventType={event['type']}{ordered}{''.join(trailing)}"


def event_hash_id(event: Mapping[str, Any], prefixes: Mapping[str, str] = GS1_PREFIXES) -> str:
    """The event's hash ID, ``ni:///sha-256;{hex}?ver=CBV2.0``."""
    digest = hashlib.sha256(prehash_string(event, prefixes).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _number(text: str) -> str:
    # GS1's reference generator reads every value that parses as a number as a float (a lot "007"
    # hashes as "7"); agreeing with it matters more here than rule 6's "quantitative values" only.
    if not _NUMBER.fullmatch(text):
        return text
    number = float(text)
    if not math.isfinite(number):
        return text
    return str(int(number)) if number.is_integer() else str(number)


def _expand_curie(text: str, prefixes: Mapping[str, str]) -> str:
    prefix, colon, rest = text.partition(":")
    return prefixes[prefix] + rest if colon and prefix in prefixes else text


def _canonical(value: Any, prefixes: Mapping[str, str], vocabulary: str = "") -> str:
    """A leaf value by the rules: trimmed, CBV words, URNs and CURIEs expanded, numbers and ids canonical."""
    text = _text(value)
    if vocabulary and text and ":" not in text:
        text = vocabulary + text
    text = _expand_curie(text, prefixes)
    urn = next((u for u in _CBV_URNS if text.startswith(u)), None)
    if urn:
        text = CBV + _CBV_URNS[urn] + text[len(urn):]
    text = _number(text)
    return canonical_identifier(text) or text


def _utc_millis(text: str) -> str:
    """A timestamp in UTC with milliseconds (rounded half to even, as the reference generator does)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    utc = moment.astimezone(dt.UTC)
    utc = utc.replace(microsecond=0) + dt.timedelta(microseconds=round(utc.microsecond, -3))
    return utc.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def _field(key: str, value: Any, prefixes: Mapping[str, str], vocabulary: str = "") -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    text = _text(value)
    text = _utc_millis(text) if key in _TIMES and text else _canonical(value, prefixes, vocabulary)
    return f"{key}={text}" if text else ""


def _expand_key(key: str, prefixes: Mapping[str, str]) -> str:
    prefix, colon, local = key.partition(":")
    return f"{{{prefixes[prefix]}}}{local}" if colon and prefix in prefixes else key


def _generic(key: str, value: Any, prefixes: Mapping[str, str]) -> list[str]:
    """ILMD and user extensions: ``{namespace}name=value``, nested members sorted inside their parent."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item for member in value for item in _generic(key, member, prefixes)]
    name = _expand_key(key, prefixes)
    if isinstance(value, dict):
        return [name + "".join(sorted(item for k, v in value.items() for item in _generic(k, v, prefixes)))]
    text = _canonical(value, prefixes)
    return [f"{name}={text}" if text else name]


def _structure(name: str, members: tuple[tuple[str, Render], ...], value: Any,
               prefixes: Mapping[str, str]) -> str:
    """A standard structure: its regular members in order, then its extensions, sorted."""
    if not isinstance(value, dict):
        return ""
    known = {key for key, _ in members}
    regular = "".join(render(key, value[key], prefixes) for key, render in members if key in value)
    extensions = sorted(item for key, member in value.items() if key not in known
                        for item in _generic(key, member, prefixes))
    body = regular + "".join(extensions)
    return name + body if body else ""


def _listed(entry: Callable[[Any, Mapping[str, str]], str], key: str, value: Any,
            prefixes: Mapping[str, str]) -> str:
    """A list field: its name once, then its entries sorted."""
    entries = sorted(text for item in (value if isinstance(value, list) else [value])
                     if (text := entry(item, prefixes)))
    return key + "".join(entries) if entries else ""


def _epc(item: Any, prefixes: Mapping[str, str]) -> str:
    return _field("epc", item, prefixes)


QUANTITY = (("epcClass", _field), ("quantity", _field), ("uom", _field))


def _typed_entry(name: str, vocabulary: str, item: Any, prefixes: Mapping[str, str]) -> str:
    """A business transaction, source or destination: its type first, then its identifier."""
    if not isinstance(item, dict):
        return ""
    return (_field("type", item.get("type"), prefixes, vocabulary) +
            _field(name, item.get(name), prefixes))


SENSOR_METADATA = tuple((key, _field) for key in (
    "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
    "bizRules"))
SENSOR_REPORT = tuple((key, partial(_field, vocabulary=vocabulary)) for key, vocabulary in (
    ("type", GS1_PREFIXES["gs1"]), ("exception", GS1_PREFIXES["gs1"]), ("deviceID", ""),
    ("deviceMetadata", ""), ("rawData", ""), ("dataProcessingMethod", ""), ("time", ""),
    ("microorganism", ""), ("chemicalSubstance", ""), ("value", ""), ("component", CBV + "Comp-"),
    ("stringValue", ""), ("booleanValue", ""), ("hexBinaryValue", ""), ("uriValue", ""),
    ("minValue", ""), ("maxValue", ""), ("meanValue", ""), ("sDev", ""), ("percRank", ""),
    ("percValue", ""), ("uom", ""), ("coordinateReferenceSystem", "")))


def _sensor_element(item: Any, prefixes: Mapping[str, str]) -> str:
    if not isinstance(item, dict):
        return ""
    metadata = _structure("sensorMetadata", SENSOR_METADATA, item.get("sensorMetadata"), prefixes)
    reports = _listed(partial(_structure, "sensorReport", SENSOR_REPORT), "", item.get("sensorReport", []),
                      prefixes)
    extensions = sorted(text for key, value in item.items() if key not in ("sensorMetadata", "sensorReport")
                        for text in _generic(key, value, prefixes))
    body = metadata + reports + "".join(extensions)
    return "sensorElement" + body if body else ""


def _location(key: str, value: Any, prefixes: Mapping[str, str]) -> str:
    return _structure(key, (("id", _field),), value, prefixes)


def _repeated(vocabulary: str, key: str, value: Any, prefixes: Mapping[str, str]) -> str:
    """A member that repeats (``set``/``unset``): ``key=value`` for each, sorted."""
    values = value if isinstance(value, list) else [value]
    return "".join(sorted(_field(key, item, prefixes, vocabulary) for item in values))


def _persistent(key: str, value: Any, prefixes: Mapping[str, str]) -> str:
    members = (("set", partial(_repeated, CBV + "Disp-")), ("unset", partial(_repeated, CBV + "Disp-")))
    return _structure(key, members, value, prefixes)


def _entries(entry: Callable[[Any, Mapping[str, str]], str]) -> Render:
    return partial(_listed, entry)


_QUANTITIES = _entries(partial(_structure, "quantityElement", QUANTITY))
# The canonical property order (rules 1-23); what is not here follows as ILMD or user extension.
ORDER: tuple[tuple[str, Render], ...] = (
    ("eventTime", _field), ("eventTimeZoneOffset", _field), ("certificationInfo", _field),
    ("parentID", _field), ("epcList", _entries(_epc)), ("inputEPCList", _entries(_epc)),
    ("childEPCs", _entries(_epc)), ("quantityList", _QUANTITIES), ("childQuantityList", _QUANTITIES),
    ("inputQuantityList", _QUANTITIES), ("outputEPCList", _entries(_epc)),
    ("outputQuantityList", _QUANTITIES), ("action", _field), ("transformationID", _field),
    ("bizStep", partial(_field, vocabulary=CBV + "BizStep-")),
    ("disposition", partial(_field, vocabulary=CBV + "Disp-")), ("persistentDisposition", _persistent),
    ("readPoint", _location), ("bizLocation", _location),
    ("bizTransactionList", _entries(partial(_typed_entry, "bizTransaction", CBV + "BTT-"))),
    ("sourceList", _entries(partial(_typed_entry, "source", CBV + "SDT-"))),
    ("destinationList", _entries(partial(_typed_entry, "destination", CBV + "SDT-"))),
    ("sensorElementList", _entries(_sensor_element)),
)
FIELDS = frozenset(key for key, _ in ORDER)
