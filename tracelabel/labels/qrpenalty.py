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

from functools import cache

import numpy as np

PACKED_MAX_SIZE = 64
_FINDER_LIKE = ((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))
_FINDER_CODES = tuple(int("".join(map(str, pattern)), 2) for pattern in _FINDER_LIKE)
_BYTE_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], np.int64)


def lost_points(symbols: np.ndarray) -> np.ndarray:
    """Return `util.lost_point` of each (n, n) bool symbol in a (K, n, n) stack."""
    size = symbols.shape[1]
    if size <= PACKED_MAX_SIZE:
        word = line_word(size)
        return packed_lost_points(pack_lines(symbols, word),
                                  pack_lines(symbols.transpose(0, 2, 1), word), size)
    both = np.concatenate([symbols, symbols.transpose(0, 2, 1)])
    lines = _runs(both) + 40 * _finder_windows(both)
    half = symbols.shape[0]
    score = lines[:half] + lines[half:] + 3 * _blocks(symbols)
    return score + _balance(symbols.sum(axis=(1, 2)), size)


def packed_lost_points(rows: np.ndarray, cols: np.ndarray, size: int) -> np.ndarray:
    """Return `util.lost_point` of each symbol given as (K, n) packed rows and columns (uint64,
    or uint32 for symbols up to 32 modules wide: half the memory to go through)."""
    count = rows.shape[0]
    word = rows.dtype.type
    lines = np.concatenate([rows, cols])
    equal_next = ~(lines ^ (lines >> word(1))) & word((1 << (size - 1)) - 1)
    window5, run_starts = _packed_runs(equal_next, word)
    matches = _packed_finder_windows(lines, size, word)
    weighted = _popcount(window5) + 2 * _popcount(run_starts).astype(np.uint16)
    weighted += 40 * _popcount(matches).astype(np.uint16)
    per_line = weighted.sum(axis=1, dtype=np.int64)
    score = per_line[:count] + per_line[count:]
    score += 3 * _popcount(_packed_blocks(rows, equal_next[:count])).sum(axis=1, dtype=np.int64)
    return score + _balance_table(size)[_popcount(rows).sum(axis=1, dtype=np.int64)]


def pack_lines(lines: np.ndarray, word: type = np.uint64) -> np.ndarray:
    """Pack each line of a (..., n) bool array (n <= 64) into a `word`; bit j is module j."""
    packed = np.packbits(np.ascontiguousarray(lines), axis=-1, bitorder="little")
    width = np.dtype(word).itemsize
    if packed.shape[-1] != width:
        padded = np.zeros((*packed.shape[:-1], width), np.uint8)
        padded[..., : packed.shape[-1]] = packed
        packed = padded
    return packed.view(f"<u{width}")[..., 0]


def line_word(size: int) -> type[np.unsignedinteger]:
    """The integer type packed lines of this size are scored in."""
    return np.uint32 if size <= 32 else np.uint64


def _popcount(values: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values)
    as_bytes = values[..., None].view(np.uint8)
    return _BYTE_POPCOUNT[as_bytes].sum(axis=-1).astype(np.uint8)


def _packed_runs(equal_next: np.ndarray, word: type) -> tuple[np.ndarray, np.ndarray]:
    """Rule 1: bit j of `equal_next` says module j equals j + 1. A run of L >= 5 holds L - 4
    windows of five equal modules and one start, and costs L - 2: the windows, plus 2 a start."""
    pairs = equal_next & (equal_next >> word(1))
    window5 = pairs & (pairs >> word(2))
    return window5, window5 & ~(equal_next << word(1))


def _packed_finder_windows(lines: np.ndarray, size: int, word: type) -> np.ndarray:
    """Rule 3: bit s is set when the window starting at module s matches. Both patterns hold
    the finder-like core 1011101 and four light modules, after it (10111010000) or before it
    (00001011101); they cannot match at the same s (one starts dark, the other light)."""
    light = ~lines
    dark3 = lines & (lines >> word(1)) & (lines >> word(2))
    core = (lines & (light >> word(1)) & (dark3 >> word(2)) & (light >> word(5))
            & (lines >> word(6)))
    light2 = light & (light >> word(1))
    light4 = light2 & (light2 >> word(2))
    matches = (core & (light4 >> word(7))) | (light4 & (core >> word(4)))
    return matches & word((1 << (size - 10)) - 1)


def _packed_blocks(rows: np.ndarray, equal_next: np.ndarray) -> np.ndarray:
    """Rule 2 on packed rows: a block at (r, c) is one colour when rows r and r + 1 each have
    modules c and c + 1 equal, and the two rows agree at c."""
    return equal_next[:, :-1] & equal_next[:, 1:] & ~(rows[:, :-1] ^ rows[:, 1:])


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


@cache
def _balance_table(size: int) -> np.ndarray:
    """Rule 4 for every possible count of dark modules, computed as `_balance` does."""
    table = _balance(np.arange(size * size + 1), size)
    table.flags.writeable = False
    return table


def _balance(dark_counts: np.ndarray, size: int) -> np.ndarray:
    """Rule 4, in Python floats so the rounding is bit-for-bit qrcode's."""
    cells = size**2
    return np.array(
        [int(abs(float(dark) / cells * 100 - 50) / 5) * 10 for dark in dark_counts.tolist()],
        dtype=np.int64,
    )
