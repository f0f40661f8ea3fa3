"""Identifiers on tracelabel's labels: GTINs, GS1 Digital Link URIs, short batch and unit codes.

Pure standard library: no Flask, no database.

Short codes (canonical form upper case; parsing ignores case, spaces and hyphens, and reads O as 0
and I or L as 1)::

    symbol       = "0"-"9" / "A"-"Z" except I L O U   ; Crockford base32, values 0..31
    batch-code   = 11 symbol check-symbol             ; 12 symbols, 55 random bits
    unit-code    = batch-code "." serial "." key-id mac
    serial       = "1".."999999999"                   ; decimal, no leading zero
    key-id       = symbol                             ; the configured key that signed it
    mac          = 8 symbol                           ; 40 bits, big-endian, of
                   HMAC-SHA-256(key, "tracelabel-unit-v1.{key-id}.{batch-code}.{serial}")

The check symbol makes sum(s_i * a^(11-i)) zero in GF(32) (modulus x^5 + x^2 + 1). Every weight is a
distinct non-zero power of a, so any single substitution and any transposition is detected.
A unit code carries no extra check symbol: a typo in its serial or MAC reads as "bad_mac".

Shape tells the two apart: after normalisation a batch code is 12 symbols without a dot, a unit code
has dots or at least 22 characters. People may type a unit code with spaces instead of the dots: all
its parts but the serial have fixed lengths, so it is still unambiguous.

URLs::

    short codes:  {public_url}/t/{code}     printed e.g. HTTPS://TRACE.EXAMPLE.VN/T/7K3M9QX2ZP4Q
    Digital Link: {public_url}/01/{gtin14}[/22/{cpv}][/10/{lot}][/21/{serial}][?17=YYMMDD]

printed=True upper-cases the scheme, the host and our own fixed path part ("/T/"; the web layer
matches it in any case) but never the public URL's configured path prefix (configure it in upper
case for QR alphanumeric mode) nor Digital Link values, which are case-sensitive. "?" and "=" of
the Digital Link query are outside QR alphanumeric mode; encoders put them in a byte segment.

TRACELABEL_CODE_KEYS: comma-separated "ID:SECRET" entries, SECRET in base64url (padding optional,
at least 16 bytes). The entry marked with a leading "*" is current, otherwise the first, e.g.
"*B:new-secret,A:old-secret". Keep retired keys configured so their labels still verify.
"""

import base64
import binascii
import calendar
import datetime
import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit

SHORT_CODE_PREFIX = "/t/"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BATCH_RANDOM_LENGTH = 11
BATCH_CODE_LENGTH = BATCH_RANDOM_LENGTH + 1
MAC_LENGTH = 8
MAX_SERIAL = 999_999_999
MIN_SECRET_BYTES = 16
GS1_CHARSET_82 = frozenset(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")
QR_ALPHANUMERIC = frozenset(string.digits + string.ascii_uppercase + " $%*+-./:")

_QUALIFIERS = {"22": ("cpv", "consumer product variant"), "10": ("lot", "lot number"),
               "21": ("serial", "serial number")}
_QUALIFIER_ORDER = ("22", "10", "21")
_DATE_AIS = frozenset({"11", "12", "13", "15", "16", "17"})
_MAX_ATTRIBUTE_LENGTH = 90  # the longest value any GS1 application identifier takes
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TYPED_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_TYPED_CONFUSIONS = str.maketrans("OIL", "011")
_SYMBOL_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_SYMBOL_PAIRS = tuple(a + b for a in ALPHABET for b in ALPHABET)  # 10 bits -> two symbols


class CodeError(ValueError):
    """A code or URI that cannot be read; `part` names what is wrong, `reason` is a stable key."""

    def __init__(self, part: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.part = part
        self.reason = reason
        self.message = message


# --- GTIN -----------------------------------------------------------------------------------


def _require_digits(text: str, part: str, noun: str) -> None:
    if not (text.isascii() and text.isdigit()):
        raise CodeError(part, "bad_characters", f"{noun} must contain only the digits 0 to 9.")


def gtin_check_digit(digits_without_check: str) -> int:
    """Return the GS1 mod-10 check digit for the digits that precede it."""
    _require_digits(digits_without_check, "gtin", "A GTIN")
    digits = reversed(digits_without_check)
    return -sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits)) % 10


def normalize_gtin(text: str) -> str:
    """Validate a GTIN-8, -12, -13 or -14 and return it as 14 digits."""
    gtin = text.strip()
    _require_digits(gtin, "gtin", "A GTIN")
    if len(gtin) not in (8, 12, 13, 14):
        raise CodeError("gtin", "bad_length",
                        f"A GTIN has 8, 12, 13 or 14 digits, not {len(gtin)}.")
    if gtin_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise CodeError("gtin", "bad_check_digit",
                        "The GTIN's check digit does not match; a digit may be mistyped.")
    return gtin.zfill(14)


def is_valid_gtin(text: str) -> bool:
    """Tell whether text is a GTIN-8, -12, -13 or -14 with a correct check digit."""
    try:
        normalize_gtin(text)
    except CodeError:
        return False
    return True


# --- GS1 Digital Link -----------------------------------------------------------------------


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GS1 Digital Link: GTIN, key qualifiers and query attributes."""

    gtin: str
    lot: str | None = None
    serial: str | None = None
    cpv: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    other_query: dict[str, str] = field(default_factory=dict)


def validate_ai_value(ai: str, value: str) -> None:
    """Raise CodeError unless value is 1-20 characters of GS1 set 82 for AI 10, 21 or 22."""
    if ai not in _QUALIFIERS:
        raise CodeError("path", "unsupported_ai", f"Identifier {ai!r} is not supported.")
    part, noun = _QUALIFIERS[ai]
    if not value:
        raise CodeError(part, "empty", f"The {noun} is empty.")
    if len(value) > 20:
        raise CodeError(part, "too_long", f"The {noun} has {len(value)} characters; GS1 allows 20.")
    bad = sorted(set(value) - GS1_CHARSET_82)
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise CodeError(part, "bad_characters", f"The {noun} has characters GS1 forbids: {shown}.")


def _base_url(base_url: str, printed: bool) -> str:
    try:
        parts = urlsplit(base_url.strip())
        has_host = bool(parts.hostname)
    except ValueError:
        has_host = False
    if not has_host or parts.scheme.lower() not in ("http", "https") or "@" in parts.netloc \
            or parts.query or parts.fragment:
        raise CodeError("base_url", "bad_base_url",
                        "The public URL must be an http or https URL with a host and no query.")
    scheme, host = (parts.scheme.upper(), parts.netloc.upper()) if printed else parts[:2]
    return f"{scheme}://{host}{parts.path.rstrip('/')}"


def _yymmdd(day: datetime.date) -> str:
    if not 2000 <= day.year <= 2099:
        raise CodeError("expiry", "out_of_range", "GS1 dates must fall between 2000 and 2099.")
    return day.strftime("%y%m%d")


def _qualifier_segment(ai: str, value: str) -> str:
    validate_ai_value(ai, value)
    if value in (".", ".."):  # browsers drop dot segments, even percent-encoded ones
        part, noun = _QUALIFIERS[ai]
        raise CodeError(part, "dot_segment", f"A {noun} of {value!r} cannot go in a URL.")
    return f"/{ai}/{quote(value, safe='')}"  # quote leaves only A-Z a-z 0-9 - . _ ~ bare


def build_digital_link(base_url: str, gtin: str, lot: str | None = None, serial: str | None = None,
                       expiry: datetime.date | None = None, *, printed: bool = False,
                       cpv: str | None = None) -> str:
    """Return the Digital Link URI of a product, lot or unit; printed upper-cases the host."""
    path = f"/01/{normalize_gtin(gtin)}"
    for ai, value in (("22", cpv), ("10", lot), ("21", serial)):
        if value is not None:
            path += _qualifier_segment(ai, value)
    query = "" if expiry is None else f"?17={_yymmdd(expiry)}"
    return _base_url(base_url, printed) + path + query


def _decode_value(ai: str, raw: str) -> str:
    part, noun = _QUALIFIERS[ai]
    if _STRAY_PERCENT.search(raw):
        raise CodeError(part, "bad_percent_encoding", f"The {noun} has a stray '%'.")
    value = unquote(raw)  # invalid UTF-8 becomes U+FFFD, which the character set check rejects
    validate_ai_value(ai, value)
    return value


def _qualifiers(segments: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for ai, raw in zip(segments[::2], segments[1::2], strict=True):
        if ai not in _QUALIFIERS:
            raise CodeError("path", "unsupported_ai", f"Identifier {ai!r} is not supported.")
        if values and _QUALIFIER_ORDER.index(ai) <= _QUALIFIER_ORDER.index(list(values)[-1]):
            raise CodeError("path", "out_of_order",
                            "Qualifiers must appear at most once each, in the order 22, 10, 21.")
        values[ai] = _decode_value(ai, raw)
    return values


def _check_attribute(key: str, value: str) -> None:
    if key == "01" or key in _QUALIFIERS:
        raise CodeError("query", "key_in_query", f"Identifier {key} belongs in the path.")
    if key in _DATE_AIS:
        if not (len(value) == 6 and value.isascii() and value.isdigit()) or not _is_gs1_date(value):
            raise CodeError("query", "bad_date", f"The value of {key} is not a YYMMDD date.")
    elif not value or len(value) > _MAX_ATTRIBUTE_LENGTH or set(value) - GS1_CHARSET_82:
        raise CodeError("query", "bad_characters", f"The value of {key} is empty or malformed.")


def _is_gs1_date(yymmdd: str) -> bool:
    year, month, day = 2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    return 1 <= month <= 12 and day <= calendar.monthrange(year, month)[1]  # day 00 = end of month


def _parse_query(query: str) -> tuple[dict[str, str], dict[str, str]]:
    try:
        pairs = parse_qsl(query.removeprefix("?"), keep_blank_values=True, max_num_fields=50)
    except ValueError as error:
        raise CodeError("query", "too_many_fields", "The query has too many parameters.") from error
    attributes: dict[str, str] = {}
    other: dict[str, str] = {}
    for key, value in pairs:
        if not (key.isascii() and key.isdigit()):
            other[key] = value  # a repeated non-GS1 key keeps its last value
            continue
        _check_attribute(key, value)
        if key in attributes:
            raise CodeError("query", "duplicate", f"Identifier {key} appears twice in the query.")
        attributes[key] = value
    return attributes, other


def parse_digital_link(path: str, query: str = "") -> DigitalLink:
    """Read a Digital Link from its raw, still percent-encoded path ("/01/...") and query."""
    segments = path.removeprefix("/").removesuffix("/").split("/")
    if not path.startswith("/01/") or len(segments) < 2:
        raise CodeError("path", "no_primary_key", "A Digital Link path starts with /01/.")
    if len(segments) % 2:
        raise CodeError("path", "missing_value", "Each identifier in the path needs a value.")
    _require_digits(segments[1], "gtin", "A GTIN")
    gtin = normalize_gtin(segments[1])
    values = _qualifiers(segments[2:])
    attributes, other = _parse_query(query)
    lot, serial, cpv = values.get("10"), values.get("21"), values.get("22")
    return DigitalLink(gtin, lot, serial, cpv, attributes, other)


def parse_digital_link_url(url: str) -> DigitalLink:
    """Read a Digital Link from a full URL, skipping any path prefix before /01/."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed "[" in the host
        parts = urlsplit("")
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise CodeError("url", "bad_url", "A Digital Link is an http or https URL.")
    segments = parts.path.split("/")
    if "01" not in segments[1:]:
        raise CodeError("path", "no_primary_key", "A Digital Link path contains /01/ and a GTIN.")
    start = segments.index("01", 1)
    return parse_digital_link("/" + "/".join(segments[start:]), parts.query)


# --- short batch codes ----------------------------------------------------------------------


def _times_a(value: int) -> int:
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


def _weighted_sum(symbols: str) -> int:
    total = 0
    for symbol in symbols:
        total = _times_a(total) ^ _SYMBOL_VALUE[symbol]
    return total


def _require_symbols(text: str, part: str, noun: str) -> None:
    bad = sorted(set(text) - set(ALPHABET))
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise CodeError(part, "bad_characters", f"{noun} cannot contain {shown}.")


def _normalise_typed(text: str) -> str:
    code = _TYPED_SEPARATORS.sub("", text)
    if not code.isascii():
        raise CodeError("code", "bad_characters", "Type only the letters and digits on the label.")
    return code.upper().translate(_TYPED_CONFUSIONS)


def batch_check_symbol(symbols: str) -> str:
    """Return the check symbol that completes canonical symbols into a valid code."""
    _require_symbols(symbols, "code", "A batch code")
    return ALPHABET[_times_a(_weighted_sum(symbols))]


def new_batch_code() -> str:
    """Return a new random batch code (11 random symbols and a check symbol)."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(BATCH_RANDOM_LENGTH))
    return symbols + batch_check_symbol(symbols)


def parse_batch_code(text: str) -> str:
    """Read a batch code as a person typed it and return its canonical form."""
    code = _normalise_typed(text)
    _require_symbols(code, "code", "A batch code")
    if len(code) != BATCH_CODE_LENGTH:
        raise CodeError("code", "bad_length", f"A batch code has 12 characters, not {len(code)}.")
    if _weighted_sum(code) != 0:
        raise CodeError("check_symbol", "bad_check_symbol",
                        "This batch code does not add up; a character may be mistyped.")
    return code


def readable_code(code: str) -> str:
    """Group a canonical code's batch part in fours for people, e.g. 7K3M-9QX2-ZP4R.12.A7Q2M9KXP."""
    batch, dot, rest = code.partition(".")
    return "-".join(batch[i:i + 4] for i in range(0, len(batch), 4)) + dot + rest


# --- unit codes -----------------------------------------------------------------------------


def _require_key_id(key_id: str) -> None:
    if len(key_id) != 1 or key_id not in ALPHABET:
        raise CodeError("key_id", "bad_key_id", "A key id is one of 0-9 A-Z except I L O U.")


@dataclass(frozen=True)
class CodeKeys:
    """The MAC keys by id; `current` signs new unit codes, the others still verify."""

    keys: dict[str, bytes] = field(repr=False)
    current: str

    def __post_init__(self) -> None:
        for key_id, secret in self.keys.items():
            _require_key_id(key_id)
            if len(secret) < MIN_SECRET_BYTES:
                raise CodeError("code_keys", "short_secret",
                                f"The secret of key {key_id} is too short.")
        if self.current not in self.keys:
            raise CodeError("code_keys", "unknown_key", "The current key id is not among the keys.")


@dataclass(frozen=True)
class UnitCode:
    """A verified unit code: the batch, the unit's serial and the id of the key that signed it."""

    batch_code: str
    serial: int
    key_id: str


def _decode_secret(key_id: str, encoded: str) -> bytes:
    try:
        if not _BASE64URL.fullmatch(encoded):
            raise ValueError
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (ValueError, binascii.Error):
        raise CodeError("code_keys", "bad_secret", f"Secret {key_id} is not base64url.") from None


def _parse_key_entry(number: int, entry: str) -> tuple[str, bytes, bool]:
    is_current = entry.startswith("*")
    key_id, colon, encoded = entry.removeprefix("*").partition(":")
    key_id = key_id.strip().upper()
    if not colon:
        raise CodeError("code_keys", "bad_entry", f"Code key entry {number} is not ID:SECRET.")
    if len(key_id) != 1 or key_id not in ALPHABET:
        raise CodeError("code_keys", "bad_key_id", f"Code key entry {number} has a bad id; "
                        "an id is one of 0-9 A-Z except I L O U.")
    return key_id, _decode_secret(key_id, encoded.strip()), is_current


def parse_code_keys(value: str) -> CodeKeys:
    """Read TRACELABEL_CODE_KEYS ("*B:key,A:key"); the "*" entry, else the first, is current."""
    keys: dict[str, bytes] = {}
    marked: list[str] = []
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if not entries:
        raise CodeError("code_keys", "empty", "No code keys are configured (TRACELABEL_CODE_KEYS).")
    for number, entry in enumerate(entries, start=1):
        key_id, secret, is_current = _parse_key_entry(number, entry)
        if key_id in keys:
            raise CodeError("code_keys", "duplicate_key_id", f"Key id {key_id} appears twice.")
        keys[key_id] = secret
        marked += [key_id] if is_current else []
    if len(marked) > 1:
        raise CodeError("code_keys", "several_current", "Mark only one code key with '*'.")
    return CodeKeys(keys, marked[0] if marked else next(iter(keys)))


def generate_code_key(key_id: str = "A") -> str:
    """Return a new "ID:SECRET" entry with 32 random bytes for TRACELABEL_CODE_KEYS."""
    key_id = key_id.upper()
    _require_key_id(key_id)
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"


def _unit_mac(secret: bytes, key_id: str, batch_code: str, serial: int) -> str:
    message = f"tracelabel-unit-v1.{key_id}.{batch_code}.{serial}".encode("ascii")
    number = int.from_bytes(hmac.digest(secret, message, "sha256")[:5], "big")
    return "".join(ALPHABET[(number >> 5 * shift) & 31] for shift in reversed(range(MAC_LENGTH)))


def _check_serial(serial: int) -> None:
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= MAX_SERIAL:
        raise CodeError("serial", "out_of_range", f"A serial number runs from 1 to {MAX_SERIAL}.")


def make_unit_code(batch_code: str, serial: int, keys: CodeKeys) -> str:
    """Return the canonical unit code of one serial of a batch, signed with the current key."""
    batch = parse_batch_code(batch_code)
    _check_serial(serial)
    mac = _unit_mac(keys.keys[keys.current], keys.current, batch, serial)
    return f"{batch}.{serial}.{keys.current}{mac}"


def unit_codes(batch_code: str, serials: range, keys: CodeKeys) -> Iterator[str]:
    """The canonical unit codes of a run of serials, as `make_unit_code` makes them one by one:
    the batch code and the range are checked once, and the HMAC's keyed states are reused."""
    batch = parse_batch_code(batch_code)
    if serials:
        _check_serial(serials[0])
        _check_serial(serials[-1])
    key_id = keys.current
    keyed = hmac.new(keys.keys[key_id], digestmod=hashlib.sha256)  # copied per serial
    prefix = f"tracelabel-unit-v1.{key_id}.{batch}."
    pairs = _SYMBOL_PAIRS
    for serial in serials:
        tag = keyed.copy()
        tag.update(f"{prefix}{serial}".encode("ascii"))
        number = int.from_bytes(tag.digest()[:5], "big")
        yield (f"{batch}.{serial}.{key_id}{pairs[number >> 30]}{pairs[(number >> 20) & 1023]}"
               f"{pairs[(number >> 10) & 1023]}{pairs[number & 1023]}")


def _parse_serial(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_SERIAL)):
        raise CodeError("serial", "bad_serial", f"A serial number is 1 to {MAX_SERIAL}, in digits.")
    if text.startswith("0"):
        raise CodeError("serial", "leading_zero", "A serial number does not start with 0.")
    return int(text)


def _split_unit_code(text: str) -> tuple[str, int, str, str]:
    code = _normalise_typed(text)
    if "." in code:
        parts = code.split(".")
        if len(parts) != 3:
            raise CodeError("code", "bad_format", "A unit code has three parts separated by dots.")
        batch, serial, tail = parts
    elif len(code) < BATCH_CODE_LENGTH + 2 + MAC_LENGTH:
        raise CodeError("code", "bad_length", "This code is too short to be a unit code.")
    else:
        batch, serial, tail = code[:12], code[12:-1 - MAC_LENGTH], code[-1 - MAC_LENGTH:]
    batch = parse_batch_code(batch)
    if len(tail) != 1 + MAC_LENGTH:
        raise CodeError("mac", "bad_length", "The last part of a unit code has 9 characters.")
    _require_symbols(tail, "mac", "The last part of a unit code")
    return batch, _parse_serial(serial), tail[0], tail[1:]


def parse_unit_code(text: str, keys: CodeKeys) -> UnitCode:
    """Read a unit code as a person typed it and verify its MAC with the key it names."""
    batch, serial, key_id, mac = _split_unit_code(text)
    secret = keys.keys.get(key_id)
    if secret is None:
        raise CodeError("key_id", "unknown_key", "This unit code names an unknown key.")
    if not hmac.compare_digest(mac, _unit_mac(secret, key_id, batch, serial)):
        raise CodeError("mac", "bad_mac", "This unit code is not genuine, or it was mistyped.")
    return UnitCode(batch, serial, key_id)


def parse_short_code(text: str, keys: CodeKeys) -> str | UnitCode:
    """Read a typed short code: a canonical batch code (str) or a verified UnitCode."""
    code = _normalise_typed(text)
    if "." in code or len(code) > BATCH_CODE_LENGTH:
        return parse_unit_code(code, keys)
    return parse_batch_code(code)


# --- trace URLs -----------------------------------------------------------------------------


def _short_code_url(public_url: str, code: str, printed: bool) -> str:
    prefix = SHORT_CODE_PREFIX.upper() if printed else SHORT_CODE_PREFIX
    return f"{_base_url(public_url, printed)}{prefix}{code}"


def batch_trace_url(public_url: str, batch_code: str, *, printed: bool = False) -> str:
    """Return the trace page URL of a batch code; printed upper-cases it for QR."""
    return _short_code_url(public_url, parse_batch_code(batch_code), printed)


def unit_trace_url(public_url: str, unit_code: str, *, printed: bool = False) -> str:
    """Return the trace page URL of a unit code (shape checked; the MAC is not verified)."""
    batch, serial, key_id, mac = _split_unit_code(unit_code)
    return _short_code_url(public_url, f"{batch}.{serial}.{key_id}{mac}", printed)


def is_qr_alphanumeric(payload: str) -> bool:
    """Tell whether every character fits QR alphanumeric mode (0-9 A-Z space $ % * + - . / :)."""
    return all(char in QR_ALPHANUMERIC for char in payload)
