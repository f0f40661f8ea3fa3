"""qrcode's mask penalty (`util.lost_point`), vectorised over a stack of candidate symbols.

Symbols up to 64 modules wide (version 11) are scored on rows packed into 64-bit integers, so each
rule is a handful of shifts and popcounts per row; wider ones use the boolean-array form of the same
rules. Both count exactly what `lost_point`'s loops count:

1. each run of L >= 5 same-colour modules in a row or column costs L - 2;
2. each 2x2 block of one colour costs 3;
3. each 11-module window reading 10111010000 or 00001011101 in a row or column costs 40;
4. `int(abs(dark / n**2 * 100 - 50) / 5) * 10`, in Python floats.
"""

from __future__ import annotations

import numpy as np

PACKED_MAX_SIZE = 64
_FINDER_LIKE = ((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))
_FINDER_CODES = tuple(int("".join(map(str, pattern)), 2) for pattern in _FINDER_LIKE)
_BYTE_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], np.int64)


def lost_points(symbols: np.ndarray) -> np.ndarray:
    """Return `util.lost_point` of each (n, n) bool symbol in a (K, n, n) stack."""
    size = symbols.shape[1]
    if size <= PACKED_MAX_SIZE:
        return packed_lost_points(pack_lines(symbols), pack_lines(symbols.transpose(0, 2, 1)), size)
    both = np.concatenate([symbols, symbols.transpose(0, 2, 1)])
    lines = _runs(both) + 40 * _finder_windows(both)
    half = symbols.shape[0]
    score = lines[:half] + lines[half:] + 3 * _blocks(symbols)
    return score + _balance(symbols.sum(axis=(1, 2)), size)


def packed_lost_points(rows: np.ndarray, cols: np.ndarray, size: int) -> np.ndarray:
    """Return `util.lost_point` of each symbol given as (K, n) packed rows and columns."""
    score = _packed_line_score(rows, size) + _packed_line_score(cols, size)
    score += 3 * _packed_blocks(rows, size)
    return score + _balance(_popcount(rows).sum(axis=1), size)


def pack_lines(lines: np.ndarray) -> np.ndarray:
    """Pack each line of a (..., n) bool array (n <= 64) into a uint64; bit j is module j."""
    packed = np.packbits(lines, axis=-1, bitorder="little")
    padded = np.zeros((*packed.shape[:-1], 8), np.uint8)
    padded[..., : packed.shape[-1]] = packed
    return np.ascontiguousarray(padded.view("<u8")[..., 0])


def _popcount(values: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values).astype(np.int64)
    as_bytes = values[..., None].view(np.uint8)
    return _BYTE_POPCOUNT[as_bytes].sum(axis=-1)


def _packed_line_score(lines: np.ndarray, size: int) -> np.ndarray:
    """Rules 1 and 3 on packed lines, summed per symbol."""
    equal_next = ~(lines ^ (lines >> np.uint64(1))) & np.uint64((1 << (size - 1)) - 1)
    window5 = equal_next
    for shift in (1, 2, 3):
        window5 = window5 & (equal_next >> np.uint64(shift))
    run_starts = window5 & ~(equal_next << np.uint64(1))
    runs = _popcount(window5) + 2 * _popcount(run_starts)
    return runs.sum(axis=1) + 40 * _packed_finder_windows(lines, size).sum(axis=1)


def _packed_finder_windows(lines: np.ndarray, size: int) -> np.ndarray:
    """Rule 3: bit s of each match word is set when the window starting at module s matches."""
    shifted = [lines >> np.uint64(k) for k in range(11)]
    inverted = [~word for word in shifted]
    total = np.zeros(lines.shape, np.int64)
    valid = np.uint64((1 << (size - 10)) - 1)
    for pattern in _FINDER_LIKE:
        match = valid
        for k, bit in enumerate(pattern):
            match = match & (shifted[k] if bit else inverted[k])
        total += _popcount(match)
    return total


def _packed_blocks(rows: np.ndarray, size: int) -> np.ndarray:
    """Rule 2 on packed rows: a block at (r, c) is one colour when its 4 equalities hold."""
    inner = np.uint64((1 << (size - 1)) - 1)
    upper, lower = rows[:, :-1], rows[:, 1:]
    one = np.uint64(1)
    same = ~(upper ^ lower) & ~(upper ^ (upper >> one)) & ~(lower ^ (lower >> one)) & inner
    return _popcount(same).sum(axis=1)


def _runs(lines: np.ndarray) -> np.ndarray:
    """Rule 1 on bool lines: L - 2 per run = (L - 4 windows of 5) + 2 per run start."""
    equal = lines[:, :, 1:] == lines[:, :, :-1]
    window5 = equal[:, :, :-3] & equal[:, :, 1:-2] & equal[:, :, 2:-1] & equal[:, :, 3:]
    starts = window5[:, :, 0].sum(axis=1) + (window5[:, :, 1:] & ~equal[:, :, :-4]).sum(axis=(1, 2))
    return window5.sum(axis=(1, 2)) + 2 * starts


def _finder_windows(lines: np.ndarray) -> np.ndarray:
    """Rule 3 on bool lines: 11-module windows read as integers, first module highest."""
    width = lines.shape[2] - 10
    code = np.zeros((*lines.shape[:2], width), np.uint16)
    for offset in range(11):
        code = (code << 1) | lines[:, :, offset : offset + width]
    return ((code == _FINDER_CODES[0]) | (code == _FINDER_CODES[1])).sum(axis=(1, 2))


def _blocks(symbols: np.ndarray) -> np.ndarray:
    """Rule 2 on bool symbols."""
    corner = symbols[:, :-1, :-1]
    same = (
        (corner == symbols[:, :-1, 1:])
        & (corner == symbols[:, 1:, :-1])
        & (corner == symbols[:, 1:, 1:])
    )
    return same.sum(axis=(1, 2))


def _balance(dark_counts: np.ndarray, size: int) -> np.ndarray:
    """Rule 4, in Python floats so the rounding is bit-for-bit qrcode's."""
    cells = size**2
    return np.array(
        [int(abs(float(dark) / cells * 100 - 50) / 5) * 10 for dark in dark_counts.tolist()],
        dtype=np.int64,
    )
