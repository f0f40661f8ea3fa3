"""QR data encoding: payload -> version and final codewords, exactly as the `qrcode` package does.

`qrcode` stays the reference: segmentation follows its `optimal_data_chunks` (with the
`optimize=20` default of `QRCode.add_data`) with the same patterns, the version is chosen by the
same `best_fit` rule over its `BIT_LIMIT_TABLE`, and the block structure comes from its
`rs_blocks`. Only the bit packing and the Reed-Solomon arithmetic are reimplemented, with big
integers and lookup tables, because that is where the reference spends its time.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from functools import cache, lru_cache

from qrcode import base, constants, util
from qrcode.exceptions import DataOverflowError

from tracelabel.labels.errors import LabelError

EC_LEVELS = {
    "L": constants.ERROR_CORRECT_L,
    "M": constants.ERROR_CORRECT_M,
    "Q": constants.ERROR_CORRECT_Q,
    "H": constants.ERROR_CORRECT_H,
}
# `add_data`'s default: runs shorter than this stay in the surrounding (wider) mode.
CHUNK_MINIMUM = 20
PAD_BYTES = (0xEC, 0x11)
# Each alphanumeric character's value, as a byte-translation table (other bytes never get here).
_ALNUM_VALUES = bytes(util.ALPHA_NUM.find(bytes([byte])) % 256 for byte in range(256))
_ALNUM_CLASS = b"[" + re.escape(util.ALPHA_NUM) + b"]"
# optimal_data_chunks' patterns: runs of at least CHUNK_MINIMUM, or, for data no longer than
# that, the whole data.
_RUN_PATTERNS = (re.compile(rb"\d{%d,}" % CHUNK_MINIMUM),
                 re.compile(_ALNUM_CLASS + b"{%d,}" % CHUNK_MINIMUM))
_SHORT_PATTERNS = (re.compile(rb"^\d+$"), re.compile(b"^" + _ALNUM_CLASS + b"+$"))
# The last characters of an alphanumeric segment that differ from label to label (a unit's serial
# and MAC); the characters before them are packed once per run (see `_alnum_pairs`).
ALNUM_OWN_TAIL = 20
Segment = tuple[int, bytes]  # (qrcode's mode constant, the segment's bytes)


def ec_level(name: str) -> int:
    """Return qrcode's constant for an error-correction letter (L, M, Q or H)."""
    try:
        return EC_LEVELS[name.upper()]
    except (KeyError, AttributeError):
        raise LabelError(f"error correction must be one of L, M, Q, H (got {name!r})") from None


def encode(payload: str, error_correction: int) -> tuple[int, bytes]:
    """Return the version and the interleaved data + EC codewords qrcode would place."""
    version, data = data_codewords(payload, error_correction)
    return version, _interleave_with_ec(data, version, error_correction)


def data_codewords(payload: str, error_correction: int) -> tuple[int, bytes]:
    """Return the version and the padded data codewords (before error correction)."""
    chunks = segments(payload)
    version = best_fit_version(chunks, error_correction)
    bits, length = _segment_bits(chunks, version)
    return version, _pad_codewords(bits, length, _capacity_bits(version, error_correction))


def symbol_size(payload: str, error_correction: int) -> int:
    """Modules per side of the symbol qrcode would make, without building it."""
    return best_fit_version(segments(payload), error_correction) * 4 + 17


def segments(payload: str) -> list[Segment]:
    """(mode, bytes) per segment, exactly as `util.optimal_data_chunks(payload, minimum=20)`
    splits it: the same patterns, compiled once instead of on every call."""
    data = payload.encode("utf-8")
    numeric, alphanumeric = _SHORT_PATTERNS if len(data) <= CHUNK_MINIMUM else _RUN_PATTERNS
    found: list[Segment] = []
    for is_number, chunk in _split(data, numeric):
        if is_number:
            found.append((util.MODE_NUMBER, chunk))
            continue
        found.extend((util.MODE_ALPHA_NUM if is_alpha else util.MODE_8BIT_BYTE, part)
                     for is_alpha, part in _split(chunk, alphanumeric))
    return found


def _split(data: bytes, pattern: re.Pattern[bytes]) -> Iterator[tuple[bool, bytes]]:
    """`util._optimal_split`: the pattern's matches and the stretches between them, in order."""
    while data:
        match = pattern.search(data)
        if not match:
            break
        start, end = match.span()
        if start:
            yield False, data[:start]
        yield True, data[start:end]
        data = data[end:]
    if data:
        yield False, data


def best_fit_version(chunks: list[Segment], error_correction: int) -> int:
    """Return the smallest version that holds the chunks, by qrcode's `best_fit` rule."""
    return _best_fit(tuple((mode, len(data)) for mode, data in chunks), error_correction)


@lru_cache(maxsize=1024)  # a run's payloads have a handful of shapes
def _best_fit(shape: tuple[tuple[int, int], ...], error_correction: int) -> int:
    start = 1
    while True:
        sizes = util.mode_sizes_for_version(start)
        needed = sum(4 + sizes[mode] + _payload_bits(mode, count) for mode, count in shape)
        version = bisect_left(util.BIT_LIMIT_TABLE[error_correction], needed, start)
        if version == 41:
            raise LabelError("payload too long for a QR code") from DataOverflowError()
        if sizes is util.mode_sizes_for_version(version):
            return version
        start = version


def _payload_bits(mode: int, count: int) -> int:
    """Bits taken by a chunk's characters, without mode and length headers."""
    if mode == util.MODE_NUMBER:
        return 10 * (count // 3) + (0, 4, 7)[count % 3]
    if mode == util.MODE_ALPHA_NUM:
        return 11 * (count // 2) + 6 * (count % 2)
    return 8 * count


def _segment_bits(chunks: list[Segment], version: int) -> tuple[int, int]:
    """Pack mode indicators, lengths and data into one integer; return it and its bit length."""
    sizes = util.mode_sizes_for_version(version)
    acc, length = 0, 0
    for mode, data in chunks:
        width = sizes[mode]
        acc = (acc << (4 + width)) | (mode << width) | len(data)
        value, bits = _chunk_value(mode, data)
        acc = (acc << bits) | value
        length += 4 + width + bits
    return acc, length


def _chunk_value(mode: int, data: bytes) -> tuple[int, int]:
    """Return a chunk's character bits as one integer and their count."""
    if mode == util.MODE_8BIT_BYTE:
        return int.from_bytes(data, "big"), 8 * len(data)
    acc, bits = 0, 0
    if mode == util.MODE_NUMBER:
        for i in range(0, len(data), 3):
            group = data[i : i + 3]
            width = util.NUMBER_LENGTH[len(group)]
            acc, bits = (acc << width) | int(group), bits + width
        return acc, bits
    values = data.translate(_ALNUM_VALUES)
    shared = max(0, (len(values) - ALNUM_OWN_TAIL) & ~1)  # the part a run's payloads share
    start, acc = 0, 0
    if shared:
        acc = _alnum_pairs(values[:shared])
        start = shared
    for i in range(start, len(values) - 1, 2):
        acc = (acc << 11) | (values[i] * 45 + values[i + 1])
    bits = 11 * (len(values) // 2)
    if len(values) % 2:
        acc, bits = (acc << 6) | values[-1], bits + 6
    return acc, bits


@lru_cache(maxsize=256)
def _alnum_pairs(values: bytes) -> int:
    """The 11-bit pairs of an even number of alphanumeric values, as one integer: the head of
    a run's URLs, which is the same on every label, is packed once."""
    acc = 0
    for i in range(0, len(values), 2):
        acc = (acc << 11) | (values[i] * 45 + values[i + 1])
    return acc


@cache
def _capacity_bits(version: int, error_correction: int) -> int:
    return 8 * sum(block.data_count for block in base.rs_blocks(version, error_correction))


def _pad_codewords(acc: int, length: int, capacity: int) -> bytes:
    """Terminate, byte-align and pad the bit stream to the data capacity, as `create_data` does."""
    if length > capacity:
        raise LabelError("payload too long for a QR code")
    terminator = min(capacity - length, 4)
    acc, length = acc << terminator, length + terminator
    align = -length % 8
    acc, length = acc << align, length + align
    data = acc.to_bytes(length // 8, "big")
    fill = (capacity - length) // 8
    return data + (bytes(PAD_BYTES) * (fill // 2 + 1))[:fill]


@cache
def block_layout(version: int, error_correction: int) -> tuple[tuple[int, int], ...]:
    """Return (data count, EC count) per Reed-Solomon block."""
    return tuple(
        (block.data_count, block.total_count - block.data_count)
        for block in base.rs_blocks(version, error_correction)
    )


def _interleave_with_ec(data: bytes, version: int, error_correction: int) -> bytes:
    """Split data into blocks, add EC codewords, interleave data then EC column by column."""
    data_blocks, ec_blocks, offset = [], [], 0
    for data_count, ec_count in block_layout(version, error_correction):
        block = data[offset : offset + data_count]
        offset += data_count
        data_blocks.append(block)
        ec_blocks.append(reed_solomon_remainder(block, ec_count))
    return _interleave(data_blocks) + _interleave(ec_blocks)


def _interleave(blocks: list[bytes]) -> bytes:
    """Take byte i of every block in turn; block lengths differ by at most one."""
    count, shortest = len(blocks), min(len(block) for block in blocks)
    out = bytearray(count * shortest)
    for index, block in enumerate(blocks):
        out[index::count] = block[:shortest]
    out.extend(block[shortest] for block in blocks if len(block) > shortest)
    return bytes(out)


def reed_solomon_remainder(block: bytes, ec_count: int) -> bytes:
    """Return the EC codewords of a block (GF(256), polynomial 0x11D), as an LFSR on one integer."""
    table = _lfsr_table(ec_count)
    shift = 8 * (ec_count - 1)
    mask = (1 << (8 * ec_count)) - 1
    remainder = 0
    for byte in block:
        remainder = ((remainder << 8) & mask) ^ table[byte ^ (remainder >> shift)]
    return remainder.to_bytes(ec_count, "big")


@cache
def _lfsr_table(ec_count: int) -> tuple[int, ...]:
    """For each feedback byte, the generator's coefficients times it, packed into one integer."""
    generator = _generator_polynomial(ec_count)[1:]
    return tuple(
        int.from_bytes(bytes(_gf_multiply(factor, c) for c in generator), "big")
        for factor in range(256)
    )


def _generator_polynomial(degree: int) -> list[int]:
    """Coefficients (highest first) of prod(x - a^i) for i < degree."""
    poly = [1]
    for i in range(degree):
        root = base.gexp(i)
        poly = [a ^ _gf_multiply(b, root) for a, b in zip([*poly, 0], [0, *poly], strict=True)]
    return poly


def _gf_multiply(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return base.EXP_TABLE[(base.LOG_TABLE[a] + base.LOG_TABLE[b]) % 255]
